// CLK encoding compatible with clkhash 0.18 (linkage schema v3), byte for byte: HKDF keys per
// feature, formatting and validation, n-gram / exact / numeric tokens, bitsPerToken or
// bitsPerFeature, doubleHash (HMAC-SHA1 + HMAC-MD5) or blakeHash (keyed BLAKE2b), xor folding.
// The spec this follows is in docs/architecture.md ("Linkage").
//
// Thread-safety: an Encoder keeps a cache of token masks and is not thread-safe; give each thread
// its own copy (copying shares nothing mutable).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "linkage/engine/schema.h"

namespace kenes::linkage {

// What one feature of one record became, for tests and `kenes link explain`.
struct FeatureTrace {
  std::string identifier;
  bool ignored = false;
  std::vector<std::uint8_t> key0, key1;
  std::string formatted;
  std::vector<std::string> tokens;
  std::vector<int> k;
  std::vector<std::vector<std::uint32_t>> positions;  // before folding
};

class Encoder {
 public:
  // Derives every feature's keys from `secret` (its bytes are the HKDF input key material).
  static core::Result<Encoder> Create(const Schema& schema, std::string_view secret);

  Encoder(const Encoder& other);
  Encoder& operator=(const Encoder&) = delete;
  Encoder(Encoder&&) noexcept;
  Encoder& operator=(Encoder&&) = delete;
  ~Encoder();

  const Schema& schema() const { return *schema_; }
  std::size_t clk_bytes() const { return schema_->l / 8; }

  // Encodes one record: `values[i]` is the value of `schema().features[i]` (ignored features'
  // values are not looked at). Writes clk_bytes() bytes to `out`. Errors name the feature and
  // the value; `out` is unspecified after an error.
  core::Status Encode(std::span<const std::string_view> values, std::uint8_t* out);

  // The same encoding, explained feature by feature.
  core::Result<std::vector<FeatureTrace>> Trace(std::span<const std::string_view> values) const;

 private:
  struct State;
  explicit Encoder(std::unique_ptr<State> state);
  std::shared_ptr<const Schema> schema_;
  std::unique_ptr<State> state_;
};

}  // namespace kenes::linkage
