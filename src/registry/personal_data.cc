#include "registry/personal_data.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "core/crypto.h"

namespace kenes::registry {
namespace {

using core::ErrorCode;
using core::Fail;

static_assert(DataKey::kKeyBytes == crypto_kdf_KEYBYTES);
static_assert(DataKey::kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(DataKey::kKeyBytes >= crypto_generichash_KEYBYTES_MIN);

// crypto_kdf contexts are exactly crypto_kdf_CONTEXTBYTES (8) characters.
constexpr char kSealContext[] = "kenesdat";
constexpr char kIndexContext[] = "kenesidx";
static_assert(sizeof kSealContext - 1 == crypto_kdf_CONTEXTBYTES);
static_assert(sizeof kIndexContext - 1 == crypto_kdf_CONTEXTBYTES);
constexpr uint64_t kSubkeyId = 1;

// Message hashed under the key to make its public id. Changing it changes every key id.
constexpr std::string_view kKeyIdMessage = "kenes.registry.data-key-id.v1";
constexpr size_t kKeyIdBytes = 8;  // 16 hex chars

constexpr std::string_view kSealedPrefix = "v1.";
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

// A key file is one line of 44 characters; anything much longer is not a key file.
constexpr size_t kMaxKeyFileBytes = 1024;

const unsigned char* Bytes(std::string_view s) {
  // libsodium takes (pointer, length); never hand it a null pointer, even for length 0.
  static constexpr unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

std::string ToBase64(const unsigned char* data, size_t size, int variant) {
  std::string out(sodium_base64_ENCODED_LEN(size, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, variant);
  out.resize(out.size() - 1);  // the encoded length counts the terminating NUL
  return out;
}

// Decodes all of `text`; false if it is not entirely valid base64 of the variant or too long.
bool FromBase64(std::string_view text, int variant, std::vector<unsigned char>& out) {
  out.resize(text.size() * 3 / 4 + 3);
  size_t len = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr,
                        variant) != 0) {
    return false;
  }
  out.resize(len);
  return true;
}

bool IsKeyId(std::string_view id) {
  return id.size() == 2 * kKeyIdBytes && id.find_first_not_of("0123456789abcdef") == id.npos;
}

struct SealedParts {
  std::string_view key_id;
  std::string_view payload;  // base64url(nonce || ciphertext)
};

std::optional<SealedParts> SplitSealed(std::string_view sealed) {
  if (sealed.substr(0, kSealedPrefix.size()) != kSealedPrefix) return std::nullopt;
  sealed.remove_prefix(kSealedPrefix.size());
  const size_t dot = sealed.find('.');
  if (dot == sealed.npos || !IsKeyId(sealed.substr(0, dot))) return std::nullopt;
  return SealedParts{sealed.substr(0, dot), sealed.substr(dot + 1)};
}

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

// Closes `fd` on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Closes now and reports failure (a late write error can surface here).
  bool Close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

}  // namespace

DataKey::~DataKey() {
  sodium_memzero(seal_key_.data(), seal_key_.size());
  sodium_memzero(index_key_.data(), index_key_.size());
}

DataKey DataKey::FromBytes(const std::array<unsigned char, kKeyBytes>& bytes) {
  core::InitCrypto();
  DataKey key;
  crypto_kdf_derive_from_key(key.seal_key_.data(), key.seal_key_.size(), kSubkeyId, kSealContext,
                             bytes.data());
  crypto_kdf_derive_from_key(key.index_key_.data(), key.index_key_.size(), kSubkeyId, kIndexContext,
                             bytes.data());
  unsigned char digest[crypto_generichash_BYTES_MIN];
  static_assert(sizeof digest >= kKeyIdBytes);
  crypto_generichash(digest, sizeof digest, Bytes(kKeyIdMessage), kKeyIdMessage.size(),
                     bytes.data(), bytes.size());
  key.id_ = core::ToHex(std::string_view(reinterpret_cast<const char*>(digest), kKeyIdBytes));
  return key;
}

core::Result<DataKey> DataKey::Load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return Fail(ErrorCode::kInvalidArgument, "data key file " + Quoted(path) + " does not exist");
    }
    return Fail(ErrorCode::kUnavailable,
                "cannot open data key file " + Quoted(path) + ": " + ErrnoText(err));
  }
  FdCloser closer(fd);

  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return Fail(ErrorCode::kUnavailable,
                "cannot stat data key file " + Quoted(path) + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kInvalidArgument,
                "data key file " + Quoted(path) + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Fail(ErrorCode::kInvalidArgument, "data key file " + Quoted(path) + " has mode " + mode +
                                                 ": it must not be readable by others (chmod 600)");
  }

  // Read at most kMaxKeyFileBytes + 1 so an oversized file is detected without reading it all.
  std::array<char, kMaxKeyFileBytes + 1> buf{};
  size_t len = 0;
  while (len < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      sodium_memzero(buf.data(), buf.size());
      return Fail(ErrorCode::kUnavailable,
                  "cannot read data key file " + Quoted(path) + ": " + ErrnoText(err));
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }

  std::string_view text(buf.data(), len);
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  text = first == text.npos ? std::string_view()
                            : text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  std::array<unsigned char, kKeyBytes> raw{};
  size_t raw_len = 0;
  const bool ok = len <= kMaxKeyFileBytes &&
                  sodium_base642bin(raw.data(), raw.size(), text.data(), text.size(), nullptr,
                                    &raw_len, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0 &&
                  raw_len == kKeyBytes;
  sodium_memzero(buf.data(), buf.size());
  if (!ok) {
    sodium_memzero(raw.data(), raw.size());
    return Fail(ErrorCode::kInvalidArgument,
                "data key file " + Quoted(path) +
                    " must hold one line of base64 encoding exactly 32 bytes");
  }
  DataKey key = FromBytes(raw);
  sodium_memzero(raw.data(), raw.size());
  return key;
}

core::Result<DataKey> DataKey::Create(const std::string& path) {
  core::InitCrypto();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return Fail(ErrorCode::kConflict,
                  "data key file " + Quoted(path) + " already exists; refusing to overwrite a key");
    }
    return Fail(ErrorCode::kUnavailable,
                "cannot create data key file " + Quoted(path) + ": " + ErrnoText(err));
  }
  FdCloser closer(fd);

  std::array<unsigned char, kKeyBytes> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::string line = ToBase64(raw.data(), raw.size(), sodium_base64_VARIANT_ORIGINAL) + "\n";

  int err = ::fchmod(fd, 0600) == 0 ? 0 : errno;
  for (size_t done = 0; err == 0 && done < line.size();) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) err = n < 0 ? errno : EIO;
    if (n > 0) done += static_cast<size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (!closer.Close() && err == 0) err = errno;
  const bool ok = err == 0;
  sodium_memzero(line.data(), line.size());
  if (!ok) {
    sodium_memzero(raw.data(), raw.size());
    ::unlink(path.c_str());
    return Fail(ErrorCode::kUnavailable,
                "cannot write data key file " + Quoted(path) + ": " + ErrnoText(err));
  }
  DataKey key = FromBytes(raw);
  sodium_memzero(raw.data(), raw.size());
  return key;
}

std::string DataKey::Seal(std::string_view plaintext, std::string_view context) const {
  std::vector<unsigned char> out(kNonceBytes + plaintext.size() + kTagBytes);
  randombytes_buf(out.data(), kNonceBytes);
  unsigned long long cipher_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonceBytes, &cipher_len,
                                             Bytes(plaintext), plaintext.size(), Bytes(context),
                                             context.size(), nullptr, out.data(), seal_key_.data());
  return std::string(kSealedPrefix) + id_ + "." +
         ToBase64(out.data(), out.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

core::Result<std::string> DataKey::Open(std::string_view sealed, std::string_view context) const {
  const std::optional<SealedParts> parts = SplitSealed(sealed);
  if (!parts) {
    return Fail(ErrorCode::kInvalidArgument,
                "malformed sealed value: expected \"v1.<key id>.<base64url>\"");
  }
  if (parts->key_id != id_) {
    return Fail(ErrorCode::kInvalidArgument, "value was sealed with another key (id " +
                                                 std::string(parts->key_id) + "; this key is " +
                                                 id_ + ")");
  }
  std::vector<unsigned char> payload;
  if (!FromBase64(parts->payload, sodium_base64_VARIANT_URLSAFE_NO_PADDING, payload) ||
      payload.size() < kNonceBytes + kTagBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                "malformed sealed value: payload is not base64url of nonce and ciphertext");
  }
  std::string plaintext(payload.size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plaintext.data()), &plain_len, nullptr,
          payload.data() + kNonceBytes, payload.size() - kNonceBytes, Bytes(context),
          context.size(), payload.data(), seal_key_.data()) != 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "sealed value failed authentication: altered, or sealed for a field other than '" +
                    std::string(context) + "'");
  }
  return plaintext;
}

std::string DataKey::BlindIndex(std::string_view kind, std::string_view value) const {
  constexpr size_t kIndexBytes = 32;  // BLAKE2b-256
  crypto_generichash_state state;
  crypto_generichash_init(&state, index_key_.data(), index_key_.size(), kIndexBytes);
  crypto_generichash_update(&state, Bytes(kind), kind.size());
  const unsigned char separator = 0;
  crypto_generichash_update(&state, &separator, 1);
  crypto_generichash_update(&state, Bytes(value), value.size());
  unsigned char digest[kIndexBytes];
  crypto_generichash_final(&state, digest, sizeof digest);
  sodium_memzero(&state, sizeof state);
  return core::ToHex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string SealedKeyId(std::string_view sealed) {
  const std::optional<SealedParts> parts = SplitSealed(sealed);
  return parts ? std::string(parts->key_id) : std::string();
}

core::Status RequireKey(const DataKey* key) {
  if (key == nullptr) {
    return core::Fail(core::ErrorCode::kUnavailable,
                      "no data key is configured (data.key_file / KENES_DATA_KEY_FILE): personal "
                      "data can be neither stored nor read",
                      "no-data-key");
  }
  return {};
}

}  // namespace kenes::registry
