#include "linkage/engine/encoder.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <regex>

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

std::uint32_t HmacMod(const EVP_MD* md, std::span<const std::uint8_t> key, std::string_view msg,
                      std::uint32_t m) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
  return BigEndianMod(out, len, m);
}

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
core::Status Format(const FeatureSpec& f, std::string_view v, std::string& out,
                    const std::regex* pattern) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, f.identifier + ": " + Quoted(v) + " " + why);
  };
  if (f.missing_sentinel && v == *f.missing_sentinel) {
    out.assign(f.missing_replacement);
    return {};
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
      if (pattern != nullptr && !std::regex_match(v.begin(), v.end(), *pattern)) {
        return bad("does not match the pattern " + *f.pattern);
      }
      out.assign(v);
      return {};
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
      out = std::move(*canonical);
      return {};
    }
    case FormatType::kDate: {
      auto date = ParseDateAs(v, f.date_format);
      if (!date) return bad("is not a date in the format " + f.date_format);
      out = std::move(*date);
      return {};
    }
    case FormatType::kEnum:
      if (std::find(f.enum_values.begin(), f.enum_values.end(), v) == f.enum_values.end()) {
        return bad("is not one of the allowed values");
      }
      out.assign(v);
      return {};
  }
  return {};
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
          char prefix[16];
          const int len = std::snprintf(prefix, sizeof prefix, "%zu ", i + 1);
          t.bytes.append(prefix, static_cast<std::size_t>(len));
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

int BitsFor(const FeatureSpec& f, std::size_t token, std::size_t tokens) {
  if (f.bits_per_token) return *f.bits_per_token;
  const std::size_t b = static_cast<std::size_t>(*f.bits_per_feature);
  return static_cast<int>(b / tokens + (token < b % tokens ? 1 : 0));
}

}  // namespace

// Per-feature keys and a cache of token masks: a token's bits depend only on (feature, token, k),
// so after the first few thousand records nearly every token is a table lookup and an OR.
struct Encoder::State {
  struct Feature {
    std::vector<std::uint8_t> key0, key1;
    std::unique_ptr<std::regex> pattern;
    // Open-addressing table: a slot holds a packed key (length, k and up to 20 token bytes) and
    // the index of its mask in `masks` (0 = empty; masks are numbered from 1).
    struct Slot {
      std::uint64_t w[3];
      std::uint32_t mask;
    };
    std::vector<Slot> slots;
    std::size_t used = 0;
    std::vector<std::uint64_t> masks;
  };
  std::shared_ptr<const Schema> schema;
  std::vector<Feature> features;
  std::size_t lh = 0;  // hashing length in bits
  std::size_t mask_words = 0;
  std::size_t cached_words = 0;  // shared budget across features
  // Scratch
  std::string formatted;
  Tokens tokens;
  std::vector<std::uint32_t> starts;
  std::vector<std::uint64_t> acc;
  std::vector<std::uint32_t> positions;

  static constexpr std::size_t kMaxCachedWords = (256u << 20) / 8;  // 256 MiB of masks

  // Bit positions (before folding) that `token` sets with `k` bits in feature `fi`.
  void Positions(std::size_t fi, std::string_view token, int k, std::vector<std::uint32_t>& out);
  const std::uint64_t* Mask(std::size_t fi, std::string_view token, int k);
};

void Encoder::State::Positions(std::size_t fi, std::string_view token, int k,
                               std::vector<std::uint32_t>& out) {
  out.clear();
  const FeatureSpec& f = schema->features[fi];
  const Feature& keys = features[fi];
  const auto l = static_cast<std::uint32_t>(lh);
  if (f.hash == HashType::kDouble) {
    const std::uint32_t h1 = HmacMod(EVP_sha1(), keys.key0, token, l);
    std::uint32_t h2 = HmacMod(EVP_md5(), keys.key1, token, l);
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
        h2 = HmacMod(EVP_md5(), keys.key1, retry, l);
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

const std::uint64_t* Encoder::State::Mask(std::size_t fi, std::string_view token, int k) {
  Feature& f = features[fi];
  auto build = [&](std::uint64_t* mask) {
    std::memset(mask, 0, mask_words * 8);
    Positions(fi, token, k, positions);
    auto* bytes = reinterpret_cast<std::uint8_t*>(mask);
    for (const std::uint32_t p : positions) {
      bytes[p >> 3] |= static_cast<std::uint8_t>(0x80u >> (p & 7));
    }
  };
  if (token.size() > 20 || k >= (1 << 24)) {
    // Too long to pack: computed each time into the scratch mask after the cached ones.
    f.masks.resize(std::max(f.masks.size(), mask_words * 2));
    std::uint64_t* scratch = f.masks.data() + f.masks.size() - mask_words;
    build(scratch);
    return scratch;
  }
  Feature::Slot key{};
  key.w[0] = token.size() | (static_cast<std::uint64_t>(k) << 8);
  std::memcpy(reinterpret_cast<char*>(key.w) + 4, token.data(), token.size());
  if (f.slots.empty()) f.slots.resize(1024);
  const std::size_t cap = f.slots.size();
  std::size_t h = static_cast<std::size_t>(((key.w[0] * 0x9E3779B97F4A7C15ull) ^
                                            (key.w[1] * 0xC2B2AE3D27D4EB4Full) ^
                                            (key.w[2] * 0x165667B19E3779F9ull)) >>
                                           29);
  for (std::size_t probe = h & (cap - 1);; probe = (probe + 1) & (cap - 1)) {
    Feature::Slot& s = f.slots[probe];
    if (s.mask == 0) break;
    if (s.w[0] == key.w[0] && s.w[1] == key.w[1] && s.w[2] == key.w[2]) {
      return f.masks.data() + (s.mask - 1) * mask_words;
    }
  }
  if (cached_words + mask_words > kMaxCachedWords) {
    f.masks.resize(std::max(f.masks.size(), mask_words * 2));
    std::uint64_t* scratch = f.masks.data() + f.masks.size() - mask_words;
    build(scratch);
    return scratch;
  }
  if (2 * (f.used + 1) > cap) {
    std::vector<Feature::Slot> old(cap * 2);
    old.swap(f.slots);
    for (const Feature::Slot& s : old) {
      if (s.mask == 0) continue;
      std::size_t hh = static_cast<std::size_t>(((s.w[0] * 0x9E3779B97F4A7C15ull) ^
                                                 (s.w[1] * 0xC2B2AE3D27D4EB4Full) ^
                                                 (s.w[2] * 0x165667B19E3779F9ull)) >>
                                                29);
      std::size_t probe = hh & (f.slots.size() - 1);
      while (f.slots[probe].mask != 0) probe = (probe + 1) & (f.slots.size() - 1);
      f.slots[probe] = s;
    }
    return Mask(fi, token, k);
  }
  // Masks are appended; a scratch mask, if any, is kept last.
  const std::size_t index = f.used + 1;
  f.masks.resize(std::max(f.masks.size(), (index + 1) * mask_words));
  build(f.masks.data() + (index - 1) * mask_words);
  std::size_t probe = h & (cap - 1);
  while (f.slots[probe].mask != 0) probe = (probe + 1) & (cap - 1);
  key.mask = static_cast<std::uint32_t>(index);
  f.slots[probe] = key;
  ++f.used;
  cached_words += mask_words;
  return f.masks.data() + (index - 1) * mask_words;
}

Encoder::Encoder(std::unique_ptr<State> state) : schema_(state->schema), state_(std::move(state)) {}

Encoder::Encoder(const Encoder& other) : schema_(other.schema_) {
  auto s = std::make_unique<State>();
  s->schema = other.state_->schema;
  s->lh = other.state_->lh;
  s->mask_words = other.state_->mask_words;
  s->features.resize(other.state_->features.size());
  for (std::size_t i = 0; i < s->features.size(); ++i) {
    const State::Feature& from = other.state_->features[i];
    s->features[i].key0 = from.key0;
    s->features[i].key1 = from.key1;
    if (from.pattern) s->features[i].pattern = std::make_unique<std::regex>(*from.pattern);
  }
  s->acc.resize(s->mask_words);
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
  s->mask_words = (s->lh + 63) / 64;
  s->acc.resize(s->mask_words);
  const std::size_t ks = schema.key_size;
  s->features.resize(schema.features.size());
  for (std::size_t i = 0; i < schema.features.size(); ++i) {
    State::Feature& f = s->features[i];
    f.key0.assign(okm->begin() + static_cast<long>(2 * i * ks),
                  okm->begin() + static_cast<long>((2 * i + 1) * ks));
    f.key1.assign(okm->begin() + static_cast<long>((2 * i + 1) * ks),
                  okm->begin() + static_cast<long>((2 * i + 2) * ks));
    const FeatureSpec& spec = schema.features[i];
    if (spec.pattern) {
      try {
        f.pattern = std::make_unique<std::regex>(*spec.pattern);
      } catch (const std::regex_error&) {
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
  std::fill(s.acc.begin(), s.acc.end(), 0);
  const std::size_t words = s.mask_words;
  for (std::size_t fi = 0; fi < schema.features.size(); ++fi) {
    const FeatureSpec& f = schema.features[fi];
    if (f.ignored) continue;
    auto formatted = Format(f, values[fi], s.formatted, s.features[fi].pattern.get());
    if (!formatted) return formatted;
    auto tokenized = Tokenize(f, s.formatted, s.tokens, s.starts);
    if (!tokenized) return tokenized;
    const std::size_t n = s.tokens.size();
    for (std::size_t t = 0; t < n; ++t) {
      const int k = BitsFor(f, t, n);
      if (k == 0) continue;
      const std::uint64_t* mask = s.Mask(fi, s.tokens[t], k);
      std::uint64_t* acc = s.acc.data();
      for (std::size_t w = 0; w < words; ++w) acc[w] |= mask[w];
    }
  }
  auto* bytes = reinterpret_cast<std::uint8_t*>(s.acc.data());
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
      std::string formatted;
      auto ok = Format(f, values[fi], formatted, s.features[fi].pattern.get());
      if (!ok) return tl::unexpected(ok.error());
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
