// A set of equal-length CLKs (Bloom filters) in one aligned block, and the anonlink JSON file
// format. Bit i of a filter lives in byte i/8 under mask 0x80 >> (i % 8), as clkhash writes it.
// Thread-safety: a const ClkSet may be read from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace kenes::linkage {

class ClkSet {
 public:
  ClkSet() = default;
  // `count` all-zero filters of `bits` bits each (`bits` a positive multiple of 8).
  ClkSet(std::size_t count, std::size_t bits);

  std::size_t size() const { return count_; }
  std::size_t bits() const { return bits_; }
  std::size_t bytes_per_clk() const { return bits_ / 8; }
  // Distance between consecutive filters in 64-bit words: whole cache lines, so every filter
  // starts 64-byte aligned and the padding is zero (popcounts and ANDs may read it).
  std::size_t stride_words() const { return stride_words_; }

  std::uint8_t* bytes(std::size_t i) {
    return reinterpret_cast<std::uint8_t*>(words_.get() + i * stride_words_);
  }
  const std::uint8_t* bytes(std::size_t i) const {
    return reinterpret_cast<const std::uint8_t*>(words_.get() + i * stride_words_);
  }
  const std::uint64_t* words(std::size_t i) const { return words_.get() + i * stride_words_; }
  std::uint64_t* words(std::size_t i) { return words_.get() + i * stride_words_; }

  void SetBit(std::size_t i, std::size_t bit) {
    bytes(i)[bit >> 3] |= static_cast<std::uint8_t>(0x80u >> (bit & 7));
  }
  bool Bit(std::size_t i, std::size_t bit) const {
    return (bytes(i)[bit >> 3] & (0x80u >> (bit & 7))) != 0;
  }
  std::uint32_t Popcount(std::size_t i) const;
  // Popcounts of every filter, in order.
  std::vector<std::uint32_t> Popcounts() const;

  // Appends the filters of `other` (same length) at the end.
  core::Status Append(const ClkSet& other);

 private:
  struct FreeAligned {
    void operator()(std::uint64_t* p) const;
  };
  std::size_t count_ = 0;
  std::size_t bits_ = 0;
  std::size_t stride_words_ = 0;
  std::unique_ptr<std::uint64_t[], FreeAligned> words_;
};

// Standard base64 with padding (RFC 4648 §4) of one filter, and back. Decoding fails on invalid
// characters or a length other than `bytes_per_clk`.
std::string ToBase64(std::span<const std::uint8_t> bytes);
core::Result<std::vector<std::uint8_t>> FromBase64(std::string_view text);

// What produced a CLK file; written as a "kenes" member that anonlink-format readers ignore.
struct ClkFileInfo {
  std::string schema;               // schema name or the file it came from
  std::string schema_sha256;        // of the schema's canonical JSON
  std::optional<double> threshold;  // the schema's recommended match threshold
};

struct ClkFile {
  ClkSet clks;
  ClkFileInfo info;
};

// The CLKs of an anonlink "clks" array. Errors name `origin` and the index of the offending CLK;
// every CLK must have the length of the first.
core::Result<ClkSet> ClksFromJson(const nlohmann::json& list, const std::string& origin);

// Reads {"clks": ["base64", …]} (optionally with "kenes": {…}). Errors name `path` and the index
// of the offending CLK; every CLK must have the length of the first.
core::Result<ClkFile> ReadClkFile(const std::string& path);
// Writes atomically: a temporary file in the same directory, renamed over `path` on success.
core::Status WriteClkFile(const std::string& path, const ClkSet& clks, const ClkFileInfo& info);

}  // namespace kenes::linkage
