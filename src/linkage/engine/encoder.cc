#include "linkage/engine/encoder.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sodium.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "core/crypto.h"
#include "core/utf8.h"

namespace kenes::linkage {
namespace {

using core::ErrorCode;
using core::Fail;

core::Result<std::vector<std::uint8_t>> DeriveKeys(const Schema& s, std::string_view secret) {
  const std::size_t hash_len = s.kdf_hash == "SHA512" ? 64 : 32;
  // Ignored features still take their two key slots (clkhash numbers keys by feature position).
  std::vector<std::uint8_t> okm(2 * s.features.size() * s.key_size);
  if (okm.size() > 255 * hash_len) {
    return Fail(ErrorCode::kInvalidArgument, "schema needs more key material than HKDF can give");
  }
  if (secret.empty()) return Fail(ErrorCode::kInvalidArgument, "the secret is empty");
  std::vector<std::uint8_t> salt = s.kdf_salt.value_or(std::vector<std::uint8_t>(hash_len, 0));
  std::vector<std::uint8_t> info = s.kdf_info;
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf == nullptr ? nullptr : EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return Fail(ErrorCode::kInternal, "OpenSSL has no HKDF");
  std::string digest = s.kdf_hash;
  std::string key(secret);
  OSSL_PARAM params[5];
  OSSL_PARAM* p = params;
  *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest.data(), 0);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key.data(), key.size());
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size());
  if (!info.empty()) {
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size());
  }
  *p = OSSL_PARAM_construct_end();
  const int ok = EVP_KDF_derive(ctx, okm.data(), okm.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) return Fail(ErrorCode::kInternal, "HKDF key derivation failed");
  return okm;
}

// Remainder of a big-endian unsigned integer (a digest) divided by m.
std::uint32_t BigEndianMod(const unsigned char* d, unsigned len, std::uint32_t m) {
  std::uint64_t r = 0;
  for (unsigned i = 0; i < len; ++i) r = ((r << 8) | d[i]) % m;
  return static_cast<std::uint32_t>(r);
}

// HMAC with one key, keyed once: EVP_MAC_init with a null key reuses the prepared inner and outer
// states, where the one-shot HMAC() fetches the digest and re-keys on every call (25x slower).
class KeyedHmac {
 public:
  KeyedHmac() = default;
  KeyedHmac(const char* digest, std::span<const std::uint8_t> key) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    ctx_ = mac == nullptr ? nullptr : EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (ctx_ == nullptr) throw std::runtime_error("OpenSSL has no HMAC");
    std::string name(digest);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.data(), 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(ctx_, key.data(), key.size(), params) != 1) {
      throw std::runtime_error(std::string("OpenSSL cannot key HMAC-") + digest);
    }
  }
  KeyedHmac(const KeyedHmac&) = delete;
  KeyedHmac& operator=(const KeyedHmac&) = delete;
  KeyedHmac(KeyedHmac&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}
  KeyedHmac& operator=(KeyedHmac&& o) noexcept {
    std::swap(ctx_, o.ctx_);
    return *this;
  }
  ~KeyedHmac() { EVP_MAC_CTX_free(ctx_); }

  // The digest of `msg` as a big-endian integer, modulo m.
  std::uint32_t Mod(std::string_view msg, std::uint32_t m) {
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1 ||
        EVP_MAC_final(ctx_, out, &len, sizeof out) != 1) {
      throw std::runtime_error("HMAC failed");
    }
    return BigEndianMod(out, static_cast<unsigned>(len), m);
  }

 private:
  EVP_MAC_CTX* ctx_ = nullptr;
};

// Python's str(int) of a validated integer text: sign, digits and single underscores, with
// surrounding whitespace (int() rules for the decimal forms CSV files carry).
std::optional<std::string> CanonicalInteger(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  bool negative = false;
  if (!v.empty() && (v.front() == '+' || v.front() == '-')) {
    negative = v.front() == '-';
    v.remove_prefix(1);
  }
  if (v.empty() || v.front() == '_' || v.back() == '_') return std::nullopt;
  std::string digits;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '_') {
      if (v[i - 1] == '_') return std::nullopt;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (!(digits.empty() && c == '0')) digits.push_back(c);
  }
  if (digits.empty()) return "0";
  return negative ? "-" + digits : digits;
}

bool DaysOk(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// strptime with the directives dates in CSV files use (%Y %m %d %y %%), as Python reads them:
// %m and %d take one or two digits, %Y four, %y two (69–99 → 1900s).
std::optional<std::string> ParseDateAs(std::string_view v, std::string_view format) {
  int y = -1, m = -1, d = -1;
  std::size_t i = 0;
  auto digits = [&](std::size_t min, std::size_t max, int& out) {
    std::size_t n = 0;
    int value = 0;
    while (n < max && i + n < v.size() && v[i + n] >= '0' && v[i + n] <= '9') {
      value = value * 10 + (v[i + n] - '0');
      ++n;
    }
    if (n < min) return false;
    i += n;
    out = value;
    return true;
  };
  for (std::size_t f = 0; f < format.size(); ++f) {
    if (format[f] != '%') {
      if (i >= v.size() || v[i] != format[f]) return std::nullopt;
      ++i;
      continue;
    }
    if (++f == format.size()) return std::nullopt;
    int yy = 0;
    switch (format[f]) {
      case 'Y':
        if (!digits(4, 4, y)) return std::nullopt;
        break;
      case 'y':
        if (!digits(2, 2, yy)) return std::nullopt;
        y = yy < 69 ? 2000 + yy : 1900 + yy;
        break;
      case 'm':
        if (!digits(1, 2, m)) return std::nullopt;
        break;
      case 'd':
        if (!digits(1, 2, d)) return std::nullopt;
        break;
      case '%':
        if (i >= v.size() || v[i] != '%') return std::nullopt;
        ++i;
        break;
      default:
        return std::nullopt;
    }
  }
  if (i != v.size()) return std::nullopt;
  if (y < 0) y = 1900;  // Python's defaults for absent fields
  if (m < 0) m = 1;
  if (d < 0) d = 1;
  if (!DaysOk(y, m, d)) return std::nullopt;
  char out[16];
  std::snprintf(out, sizeof out, "%04d%02d%02d", y, m, d);
  return std::string(out);
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string Quoted(std::string_view v) {
  std::string out = "\"";
  out.append(v.substr(0, 64));
  if (v.size() > 64) out += "…";
  return out + "\"";
}

// Formats and validates one value as clkhash does with validate=True; `out` gets the text that
// is tokenised.
bool WholeMatch(const icu::RegexPattern& pattern, std::string_view v) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(v.data(), static_cast<std::int32_t>(v.size())));
  std::unique_ptr<icu::RegexMatcher> m(pattern.matcher(text, status));
  return U_SUCCESS(status) && m && m->matches(status) && U_SUCCESS(status);
}

// Returns a view of `v` itself or of `scratch`.
core::Result<std::string_view> Format(const FeatureSpec& f, std::string_view v,
                                      std::string& scratch, const icu::RegexPattern* pattern) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, f.identifier + ": " + Quoted(v) + " " + why);
  };
  if (f.missing_sentinel && v == *f.missing_sentinel) {
    return std::string_view(f.missing_replacement);
  }
  if (!core::IsValidUtf8(v)) return bad("is not valid UTF-8");
  if (f.ascii && std::any_of(v.begin(), v.end(), [](char c) { return (c & 0x80) != 0; })) {
    return bad("is not ASCII");
  }
  switch (f.format) {
    case FormatType::kString: {
      const std::size_t n = CodePoints(v);
      if (f.min_length && n < *f.min_length) {
        return bad("is shorter than " + std::to_string(*f.min_length) + " characters");
      }
      if (f.max_length && n > *f.max_length) {
        return bad("is longer than " + std::to_string(*f.max_length) + " characters");
      }
      if (f.letter_case == "upper" &&
          std::any_of(v.begin(), v.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
        return bad("is not upper case");
      }
      if (f.letter_case == "lower" &&
          std::any_of(v.begin(), v.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        return bad("is not lower case");
      }
      if (pattern != nullptr && !WholeMatch(*pattern, v)) {
        return bad("does not match the pattern " + *f.pattern);
      }
      return v;
    }
    case FormatType::kInteger: {
      auto canonical = CanonicalInteger(v);
      if (!canonical) return bad("is not an integer");
      long long n = 0;
      const auto [ptr, ec] =
          std::from_chars(canonical->data(), canonical->data() + canonical->size(), n);
      const bool fits = ec == std::errc() && ptr == canonical->data() + canonical->size();
      if ((f.minimum || f.maximum) && !fits) return bad("is out of range");
      if (f.minimum && n < *f.minimum) return bad("is below " + std::to_string(*f.minimum));
      if (f.maximum && n > *f.maximum) return bad("is above " + std::to_string(*f.maximum));
      scratch = std::move(*canonical);
      return std::string_view(scratch);
    }
    case FormatType::kDate: {
      auto date = ParseDateAs(v, f.date_format);
      if (!date) return bad("is not a date in the format " + f.date_format);
      scratch = std::move(*date);
      return std::string_view(scratch);
    }
    case FormatType::kEnum:
      if (std::find(f.enum_values.begin(), f.enum_values.end(), v) == f.enum_values.end()) {
        return bad("is not one of the allowed values");
      }
      return v;
  }
  return v;
}

// Tokens of one formatted value, stored back to back.
struct Tokens {
  std::string bytes;
  std::vector<std::uint32_t> ends;
  std::size_t size() const { return ends.size(); }
  std::string_view operator[](std::size_t i) const {
    const std::uint32_t from = i == 0 ? 0 : ends[i - 1];
    return std::string_view(bytes).substr(from, ends[i] - from);
  }
  void clear() {
    bytes.clear();
    ends.clear();
  }
  void End() { ends.push_back(static_cast<std::uint32_t>(bytes.size())); }
};

core::Status Tokenize(const FeatureSpec& f, std::string_view v, Tokens& t,
                      std::vector<std::uint32_t>& starts) {
  t.clear();
  if (v.empty()) return {};
  switch (f.comparison) {
    case ComparisonType::kExact:
      t.bytes.assign(v);
      t.End();
      return {};
    case ComparisonType::kNgram: {
      // Code point boundaries of the padded text.
      const std::size_t pad = static_cast<std::size_t>(f.ngram - 1);
      std::string padded(pad, ' ');
      padded.append(v);
      padded.append(pad, ' ');
      starts.clear();
      for (std::size_t i = 0; i < padded.size(); ++i) {
        if ((static_cast<unsigned char>(padded[i]) & 0xC0) != 0x80) {
          starts.push_back(static_cast<std::uint32_t>(i));
        }
      }
      starts.push_back(static_cast<std::uint32_t>(padded.size()));
      const std::size_t points = starts.size() - 1;
      const std::size_t n = static_cast<std::size_t>(f.ngram);
      for (std::size_t i = 0; i + n <= points; ++i) {
        if (f.positional) {
          char prefix[24];
          char* end = std::to_chars(prefix, prefix + sizeof prefix - 1, i + 1).ptr;
          *end++ = ' ';
          t.bytes.append(prefix, end);
        }
        t.bytes.append(padded, starts[i], starts[i + n] - starts[i]);
        t.End();
      }
      return {};
    }
    case ComparisonType::kNumeric: {
      long long value = 0;
      const long long scale = static_cast<long long>(std::pow(10, f.fractional_precision));
      if (f.fractional_precision == 0) {
        auto canonical = CanonicalInteger(v);
        const auto [ptr, ec] =
            canonical
                ? std::from_chars(canonical->data(), canonical->data() + canonical->size(), value)
                : std::from_chars_result{nullptr, std::errc::invalid_argument};
        if (!canonical || ec != std::errc() || ptr != canonical->data() + canonical->size()) {
          return Fail(ErrorCode::kInvalidArgument,
                      f.identifier + ": " + Quoted(v) + " is not an integer in range");
        }
      } else {
        std::string text(v);
        char* end = nullptr;
        const double d = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || !std::isfinite(d)) {
          return Fail(ErrorCode::kInvalidArgument,
                      f.identifier + ": " + Quoted(v) + " is not a number");
        }
        value = static_cast<long long>(std::nearbyint(d * static_cast<double>(scale)));
      }
      const long long step =
          static_cast<long long>(std::nearbyint(f.threshold_distance * static_cast<double>(scale)));
      if (step <= 0) {
        return Fail(ErrorCode::kInvalidArgument,
                    f.identifier + ": thresholdDistance rounds to zero at this precision");
      }
      __extension__ __int128 x = static_cast<__int128>(value) * 2 * f.resolution;
      const long long r = static_cast<long long>(x % step + (x % step < 0 ? step : 0));
      if (2 * r < step) {
        x -= r;
      } else {
        x += step - r;
      }
      for (int i = -f.resolution; i <= f.resolution; ++i) {
        __extension__ const __int128 token = x + static_cast<__int128>(i) * step;
        if (token > INT64_MAX || token < INT64_MIN) {
          return Fail(ErrorCode::kInvalidArgument,
                      f.identifier + ": " + Quoted(v) + " is too large for numeric comparison");
        }
        char buf[24];
        const auto res = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(token));
        t.bytes.append(buf, res.ptr);
        t.End();
      }
      return {};
    }
  }
  return {};
}

// MurmurHash3's finaliser over the folded key: every key bit reaches the low bits the table uses.
std::size_t SlotHash(const std::uint64_t (&w)[3]) {
  std::uint64_t h = w[0] ^ (w[1] * 0x9E3779B97F4A7C15ull) ^ (w[2] * 0xC2B2AE3D27D4EB4Full);
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return static_cast<std::size_t>(h);
}

int BitsFor(const FeatureSpec& f, std::size_t token, std::size_t tokens) {
  if (f.bits_per_token) return *f.bits_per_token;
  const std::size_t b = static_cast<std::size_t>(*f.bits_per_feature);
  return static_cast<int>(b / tokens + (token < b % tokens ? 1 : 0));
}

}  // namespace

// Per-feature keys and a cache of token bit positions: a token's bits depend only on (feature,
// token, k), and the first k positions are the same whatever larger k was asked for, so after the
// first few thousand records nearly every token is one table lookup. Positions are cached
// pre-swizzled (q = p with the bit-in-byte index reversed) so that setting bit q of little-endian
// 64-bit words lands on clkhash's MSB-first byte layout. Per-token masks were tried first: they
// need 8x the memory and the lookups missed the cache. Above the token cache sits a cache of
// whole values (see ValueSlot).
struct Encoder::State {
  struct Feature {
    std::vector<std::uint8_t> key0, key1;
    KeyedHmac sha1, md5;  // doubleHash only
    std::unique_ptr<icu::RegexPattern> pattern;
    // Open-addressing table: a slot holds a packed key (length and up to 23 token bytes) and where
    // its positions are in `positions` (count 0 = empty slot).
    struct Slot {
      std::uint64_t w[3];
      std::uint32_t offset;
      std::uint32_t count;
    };
    std::vector<Slot> slots;
    std::size_t used = 0;
    std::vector<std::uint16_t> positions;
    // Whole values: a feature's bits depend only on its formatted value, and names, places and
    // dates repeat across a population, so a value seen before costs one lookup and an OR of its
    // mask. Open addressing on the value's hash; mask 0 = empty slot, masks numbered from 1.
    struct ValueSlot {
      std::uint64_t hash;
      std::uint32_t text;  // offset in value_text; the length is value_length
      std::uint32_t length;
      std::uint32_t mask;
    };
    std::vector<ValueSlot> value_slots;
    std::size_t values = 0;
    // A feature whose values rarely repeat (dates of birth with typos, street addresses) stops
    // using the value cache after a trial: storing masks nobody reuses costs a fifth of the time.
    std::size_t value_lookups = 0, value_hits = 0;
    bool value_cache = true;
    std::string value_text;
    std::vector<std::uint64_t> value_masks;
  };
  std::shared_ptr<const Schema> schema;
  std::vector<Feature> features;
  std::size_t lh = 0;  // hashing length in bits
  std::size_t words = 0;
  std::size_t cached = 0;              // positions cached, all features
  std::size_t cached_value_words = 0;  // value masks, all features
  // Scratch
  std::string formatted;
  Tokens tokens;
  std::vector<std::uint32_t> starts;
  std::vector<std::uint64_t> acc;     // one feature's bits: four interleaved copies
  std::vector<std::uint64_t> record;  // the record's bits
  std::vector<std::uint32_t> computed;
  std::vector<std::uint16_t> uncached;

  static constexpr std::size_t kMaxCached = std::size_t{64} << 20;     // 128 MiB of positions
  static constexpr std::size_t kMaxValueWords = std::size_t{8} << 20;  // 64 MiB of value masks
  static constexpr std::size_t kValueTrial = 50000;  // lookups before judging a feature's reuse

  // The mask of value `v` of feature `fi` if it was seen before, else nullptr.
  const std::uint64_t* FindValue(std::size_t fi, std::string_view v, std::uint64_t hash) const;
  // Remembers acc's first copy as the mask of `v` (while the budget lasts).
  void RememberValue(std::size_t fi, std::string_view v, std::uint64_t hash);

  // Bit positions (before folding) that `token` sets with `k` bits in feature `fi`.
  void Positions(std::size_t fi, std::string_view token, int k, std::vector<std::uint32_t>& out);
  // The first k swizzled positions of `token`.
  const std::uint16_t* Cached(std::size_t fi, std::string_view token, int k);
  // Four interleaved copies of the filter: consecutive bits of a token rarely hit the same copy's
  // word, so the read-modify-write chains through memory stay short. Merged by Fold().
  void Set(const std::uint16_t* q, int k) {
    std::uint64_t* a = acc.data();
    const std::size_t w = words;
    int j = 0;
    for (; j + 4 <= k; j += 4) {
      a[q[j] >> 6] |= std::uint64_t{1} << (q[j] & 63);
      a[w + (q[j + 1] >> 6)] |= std::uint64_t{1} << (q[j + 1] & 63);
      a[2 * w + (q[j + 2] >> 6)] |= std::uint64_t{1} << (q[j + 2] & 63);
      a[3 * w + (q[j + 3] >> 6)] |= std::uint64_t{1} << (q[j + 3] & 63);
    }
    for (; j < k; ++j) a[q[j] >> 6] |= std::uint64_t{1} << (q[j] & 63);
  }
  void MergeCopies() {
    std::uint64_t* a = acc.data();
    for (std::size_t i = 0; i < words; ++i)
      a[i] |= a[words + i] | a[2 * words + i] | a[3 * words + i];
  }
};

namespace {
std::uint16_t Swizzle(std::uint32_t p) {
  return static_cast<std::uint16_t>((p & ~7u) | (7 - (p & 7)));
}
}  // namespace

void Encoder::State::Positions(std::size_t fi, std::string_view token, int k,
                               std::vector<std::uint32_t>& out) {
  out.clear();
  const FeatureSpec& f = schema->features[fi];
  Feature& keys = features[fi];
  const auto l = static_cast<std::uint32_t>(lh);
  if (f.hash == HashType::kDouble) {
    const std::uint32_t h1 = keys.sha1.Mod(token, l);
    std::uint32_t h2 = keys.md5.Mod(token, l);
    if (f.prevent_singularity) {
      std::string retry;
      for (std::uint32_t i = 0; h2 == 0; ++i) {
        retry.assign(token);
        // UTF-8 of chr(i)
        if (i < 0x80) {
          retry.push_back(static_cast<char>(i));
        } else if (i < 0x800) {
          retry.push_back(static_cast<char>(0xC0 | (i >> 6)));
          retry.push_back(static_cast<char>(0x80 | (i & 0x3F)));
        } else {
          retry.push_back(static_cast<char>(0xE0 | (i >> 12)));
          retry.push_back(static_cast<char>(0x80 | ((i >> 6) & 0x3F)));
          retry.push_back(static_cast<char>(0x80 | (i & 0x3F)));
        }
        h2 = keys.md5.Mod(retry, l);
      }
    }
    for (int j = 0; j < k; ++j) {
      out.push_back(static_cast<std::uint32_t>((h1 + static_cast<std::uint64_t>(j) * h2) % l));
    }
    return;
  }
  unsigned char digest[64];
  for (int block = 0; block * 32 < k; ++block) {
    unsigned char salt[crypto_generichash_blake2b_SALTBYTES] = {};
    std::snprintf(reinterpret_cast<char*>(salt), sizeof salt, "%d", block);
    crypto_generichash_blake2b_salt_personal(
        digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
        keys.key0.data(), keys.key0.size(), salt, nullptr);
    for (int j = 0; j < 32 && block * 32 + j < k; ++j) {
      const std::uint32_t u = digest[2 * j] | (static_cast<std::uint32_t>(digest[2 * j + 1]) << 8);
      out.push_back(u & (l - 1));
    }
  }
}

const std::uint16_t* Encoder::State::Cached(std::size_t fi, std::string_view token, int k) {
  Feature& f = features[fi];
  auto compute = [&]() -> const std::uint16_t* {
    Positions(fi, token, k, computed);
    uncached.resize(computed.size());
    std::transform(computed.begin(), computed.end(), uncached.begin(), Swizzle);
    return uncached.data();
  };
  if (token.size() > 23) return compute();
  Feature::Slot key{};
  key.w[0] = token.size();
  // Byte by byte: tokens are a few bytes, and a memcpy call of unknown size costs more.
  auto* key_bytes = reinterpret_cast<unsigned char*>(key.w) + 1;
  for (std::size_t i = 0; i < token.size(); ++i)
    key_bytes[i] = static_cast<unsigned char>(token[i]);
  if (f.slots.empty()) f.slots.resize(1024);
  std::size_t cap = f.slots.size();
  std::size_t probe = SlotHash(key.w) & (cap - 1);
  for (;; probe = (probe + 1) & (cap - 1)) {
    Feature::Slot& s = f.slots[probe];
    if (s.count == 0) break;
    if (s.w[0] == key.w[0] && s.w[1] == key.w[1] && s.w[2] == key.w[2]) {
      if (s.count >= static_cast<std::uint32_t>(k)) return f.positions.data() + s.offset;
      // A larger k than before: recompute and move this token's positions to the end.
      if (cached + static_cast<std::size_t>(k) > kMaxCached) return compute();
      compute();
      s.offset = static_cast<std::uint32_t>(f.positions.size());
      s.count = static_cast<std::uint32_t>(k);
      f.positions.insert(f.positions.end(), uncached.begin(), uncached.end());
      cached += static_cast<std::size_t>(k);
      return f.positions.data() + s.offset;
    }
  }
  if (cached + static_cast<std::size_t>(k) > kMaxCached) return compute();
  if (2 * (f.used + 1) > cap) {
    std::vector<Feature::Slot> old(cap * 2);
    old.swap(f.slots);
    cap = f.slots.size();
    for (const Feature::Slot& s : old) {
      if (s.count == 0) continue;
      std::size_t at = SlotHash(s.w) & (cap - 1);
      while (f.slots[at].count != 0) at = (at + 1) & (cap - 1);
      f.slots[at] = s;
    }
    probe = SlotHash(key.w) & (cap - 1);
    while (f.slots[probe].count != 0) probe = (probe + 1) & (cap - 1);
  }
  compute();
  key.offset = static_cast<std::uint32_t>(f.positions.size());
  key.count = static_cast<std::uint32_t>(k);
  f.positions.insert(f.positions.end(), uncached.begin(), uncached.end());
  f.slots[probe] = key;
  ++f.used;
  cached += static_cast<std::size_t>(k);
  return f.positions.data() + key.offset;
}

const std::uint64_t* Encoder::State::FindValue(std::size_t fi, std::string_view v,
                                               std::uint64_t hash) const {
  const Feature& f = features[fi];
  if (f.value_slots.empty()) return nullptr;
  const std::size_t cap = f.value_slots.size();
  for (std::size_t at = hash & (cap - 1);; at = (at + 1) & (cap - 1)) {
    const Feature::ValueSlot& s = f.value_slots[at];
    if (s.mask == 0) return nullptr;
    if (s.hash == hash && s.length == v.size() &&
        std::memcmp(f.value_text.data() + s.text, v.data(), v.size()) == 0) {
      return f.value_masks.data() + (s.mask - 1) * words;
    }
  }
}

void Encoder::State::RememberValue(std::size_t fi, std::string_view v, std::uint64_t hash) {
  Feature& f = features[fi];
  if (cached_value_words + words > kMaxValueWords || f.value_text.size() + v.size() > UINT32_MAX) {
    return;
  }
  if (2 * (f.values + 1) > f.value_slots.size()) {
    std::vector<Feature::ValueSlot> old(std::max<std::size_t>(1024, f.value_slots.size() * 2));
    old.swap(f.value_slots);
    const std::size_t cap = f.value_slots.size();
    for (const Feature::ValueSlot& s : old) {
      if (s.mask == 0) continue;
      std::size_t at = s.hash & (cap - 1);
      while (f.value_slots[at].mask != 0) at = (at + 1) & (cap - 1);
      f.value_slots[at] = s;
    }
  }
  const std::size_t cap = f.value_slots.size();
  std::size_t at = hash & (cap - 1);
  while (f.value_slots[at].mask != 0) at = (at + 1) & (cap - 1);
  f.value_slots[at] = {hash, static_cast<std::uint32_t>(f.value_text.size()),
                       static_cast<std::uint32_t>(v.size()),
                       static_cast<std::uint32_t>(f.values + 1)};
  f.value_text.append(v);
  f.value_masks.insert(f.value_masks.end(), acc.begin(), acc.begin() + static_cast<long>(words));
  ++f.values;
  cached_value_words += words;
}

Encoder::Encoder(std::unique_ptr<State> state) : schema_(state->schema), state_(std::move(state)) {}

Encoder::Encoder(const Encoder& other) : schema_(other.schema_) {
  auto s = std::make_unique<State>();
  s->schema = other.state_->schema;
  s->lh = other.state_->lh;
  s->words = other.state_->words;
  s->features.resize(other.state_->features.size());
  for (std::size_t i = 0; i < s->features.size(); ++i) {
    const State::Feature& from = other.state_->features[i];
    s->features[i].key0 = from.key0;
    s->features[i].key1 = from.key1;
    if (s->schema->features[i].hash == HashType::kDouble && !s->schema->features[i].ignored) {
      s->features[i].sha1 = KeyedHmac("SHA1", from.key0);
      s->features[i].md5 = KeyedHmac("MD5", from.key1);
    }
    if (from.pattern) s->features[i].pattern.reset(from.pattern->clone());
  }
  s->acc.resize(4 * s->words);
  s->record.resize(s->words);
  state_ = std::move(s);
}

Encoder::Encoder(Encoder&&) noexcept = default;
Encoder::~Encoder() = default;

core::Result<Encoder> Encoder::Create(const Schema& schema, std::string_view secret) {
  core::InitCrypto();
  auto okm = DeriveKeys(schema, secret);
  if (!okm) return tl::unexpected(okm.error());
  auto s = std::make_unique<State>();
  s->schema = std::make_shared<const Schema>(schema);
  s->lh = schema.hashing_bits();
  s->words = (s->lh + 63) / 64;
  s->acc.resize(4 * s->words);
  s->record.resize(s->words);
  const std::size_t ks = schema.key_size;
  s->features.resize(schema.features.size());
  for (std::size_t i = 0; i < schema.features.size(); ++i) {
    State::Feature& f = s->features[i];
    f.key0.assign(okm->begin() + static_cast<long>(2 * i * ks),
                  okm->begin() + static_cast<long>((2 * i + 1) * ks));
    f.key1.assign(okm->begin() + static_cast<long>((2 * i + 1) * ks),
                  okm->begin() + static_cast<long>((2 * i + 2) * ks));
    const FeatureSpec& spec = schema.features[i];
    if (spec.hash == HashType::kDouble && !spec.ignored) {
      f.sha1 = KeyedHmac("SHA1", f.key0);
      f.md5 = KeyedHmac("MD5", f.key1);
    }
    if (spec.pattern) {
      // ICU's regular expressions: Unicode-aware like Python's re, which clkhash uses.
      UErrorCode status = U_ZERO_ERROR;
      UParseError where{};
      f.pattern.reset(
          icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(*spec.pattern), where, status));
      if (U_FAILURE(status) || !f.pattern) {
        return Fail(ErrorCode::kInvalidArgument,
                    spec.identifier + ": the pattern " + *spec.pattern + " is not valid");
      }
    }
  }
  return Encoder(std::move(s));
}

core::Status Encoder::Encode(std::span<const std::string_view> values, std::uint8_t* out) {
  State& s = *state_;
  const Schema& schema = *s.schema;
  const std::size_t words = s.words;
  std::uint64_t* record = s.record.data();
  std::fill(s.record.begin(), s.record.end(), 0);
  for (std::size_t fi = 0; fi < schema.features.size(); ++fi) {
    const FeatureSpec& f = schema.features[fi];
    if (f.ignored) continue;
    // Validation first, so a value is checked whether or not it was seen before.
    auto formatted = Format(f, values[fi], s.formatted, s.features[fi].pattern.get());
    if (!formatted) return tl::unexpected(formatted.error());
    const std::string_view v = *formatted;
    if (v.empty()) continue;
    State::Feature& cache = s.features[fi];
    std::uint64_t hash = 0;
    if (cache.value_cache) {
      hash = std::hash<std::string_view>{}(v);
      ++cache.value_lookups;
      if (const std::uint64_t* mask = s.FindValue(fi, v, hash)) {
        ++cache.value_hits;
        for (std::size_t w = 0; w < words; ++w) record[w] |= mask[w];
        continue;
      }
      if (cache.value_lookups == State::kValueTrial && cache.value_hits < cache.value_lookups / 4) {
        cache.value_cache = false;
      }
    }
    std::fill(s.acc.begin(), s.acc.end(), 0);
    const std::size_t n = static_cast<std::size_t>(f.ngram);
    char padded[128];
    if (f.comparison == ComparisonType::kNgram && v.size() + 2 * n <= sizeof padded &&
        std::all_of(v.begin(), v.end(), [](char c) { return (c & 0x80) == 0; })) {
      // ASCII n-grams: every byte is a code point, so tokens are windows of the padded text,
      // built on the stack and looked up at once.
      std::memset(padded, ' ', n - 1);
      std::memcpy(padded + n - 1, v.data(), v.size());
      std::memset(padded + n - 1 + v.size(), ' ', n - 1);
      const std::size_t count = v.size() + n - 1;
      char token[160];
      for (std::size_t i = 0; i < count; ++i) {
        const int k = BitsFor(f, i, count);
        if (k == 0) continue;
        char* end = token;
        if (f.positional) {
          end = std::to_chars(token, token + 24, i + 1).ptr;
          *end++ = ' ';
        }
        for (std::size_t c = 0; c < n; ++c) end[c] = padded[i + c];
        end += n;
        s.Set(s.Cached(fi, std::string_view(token, static_cast<std::size_t>(end - token)), k), k);
      }
    } else {
      auto tokenized = Tokenize(f, v, s.tokens, s.starts);
      if (!tokenized) return tokenized;
      const std::size_t count = s.tokens.size();
      for (std::size_t t = 0; t < count; ++t) {
        const int k = BitsFor(f, t, count);
        if (k == 0) continue;
        s.Set(s.Cached(fi, s.tokens[t], k), k);
      }
    }
    s.MergeCopies();
    for (std::size_t w = 0; w < words; ++w) record[w] |= s.acc[w];
    if (cache.value_cache) s.RememberValue(fi, v, hash);
  }
  auto* bytes = reinterpret_cast<std::uint8_t*>(record);
  std::size_t len = s.lh / 8;
  for (int fold = 0; fold < schema.xor_folds; ++fold) {
    len /= 2;
    for (std::size_t i = 0; i < len; ++i) bytes[i] ^= bytes[i + len];
  }
  std::memcpy(out, bytes, len);
  return {};
}

core::Result<std::vector<FeatureTrace>> Encoder::Trace(
    std::span<const std::string_view> values) const {
  State& s = *state_;
  const Schema& schema = *s.schema;
  std::vector<FeatureTrace> out;
  for (std::size_t fi = 0; fi < schema.features.size(); ++fi) {
    const FeatureSpec& f = schema.features[fi];
    FeatureTrace t;
    t.identifier = f.identifier;
    t.ignored = f.ignored;
    t.key0 = s.features[fi].key0;
    t.key1 = s.features[fi].key1;
    if (!f.ignored) {
      std::string scratch;
      auto ok = Format(f, values[fi], scratch, s.features[fi].pattern.get());
      if (!ok) return tl::unexpected(ok.error());
      const std::string formatted(*ok);
      Tokens tokens;
      std::vector<std::uint32_t> starts;
      auto tk = Tokenize(f, formatted, tokens, starts);
      if (!tk) return tl::unexpected(tk.error());
      t.formatted = formatted;
      for (std::size_t i = 0; i < tokens.size(); ++i) {
        t.tokens.emplace_back(tokens[i]);
        t.k.push_back(BitsFor(f, i, tokens.size()));
        std::vector<std::uint32_t> positions;
        s.Positions(fi, tokens[i], t.k.back(), positions);
        t.positions.push_back(std::move(positions));
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace kenes::linkage
