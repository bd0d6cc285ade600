// Linkage schemas: the clkhash v3 JSON format (what each column becomes in a CLK) read into
// plain values. Thread-safe: immutable once loaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace kenes::linkage {

enum class FormatType { kString, kInteger, kDate, kEnum };
enum class ComparisonType { kNgram, kExact, kNumeric };
enum class HashType { kBlake, kDouble };

struct FeatureSpec {
  std::string identifier;
  bool ignored = false;

  // format: how a value is validated and rewritten before tokenising.
  FormatType format = FormatType::kString;
  bool ascii = false;                                 // "encoding": "ascii" (else UTF-8)
  std::optional<std::size_t> min_length, max_length;  // in code points
  std::string letter_case = "mixed";                  // "upper", "lower" or "mixed"
  std::optional<std::string> pattern;                 // whole-value regular expression
  std::optional<long long> minimum, maximum;          // integers
  std::string date_format = "%Y-%m-%d";               // strptime-style, dates
  std::vector<std::string> enum_values;

  // hashing
  ComparisonType comparison = ComparisonType::kNgram;
  int ngram = 2;
  bool positional = false;
  double threshold_distance = 0;  // numeric
  int resolution = 0;             // numeric
  int fractional_precision = 0;   // numeric
  std::optional<int> bits_per_token;
  std::optional<int> bits_per_feature;
  HashType hash = HashType::kBlake;
  bool prevent_singularity = false;
  std::optional<std::string> missing_sentinel;
  std::string missing_replacement;  // defaults to the sentinel
};

struct Schema {
  std::string name;    // "kazakh-worker", or the file it was read from
  std::string sha256;  // of the schema text as read
  std::size_t l = 0;   // CLK length in bits after folding
  int xor_folds = 0;
  std::string kdf_hash = "SHA256";  // or "SHA512"
  std::optional<std::vector<std::uint8_t>> kdf_salt;
  std::vector<std::uint8_t> kdf_info;
  std::size_t key_size = 64;
  std::vector<FeatureSpec> features;
  // Kenes extension ("kenes": {"threshold": …}), ignored by clkhash: the recommended threshold.
  std::optional<double> threshold;

  std::size_t hashing_bits() const { return l << xor_folds; }
};

// Parses clkhash linkage schema v3 JSON. `origin` names the source in error messages.
core::Result<Schema> ParseSchema(std::string_view json, std::string_view origin);
core::Result<Schema> LoadSchemaFile(const std::string& path);

}  // namespace kenes::linkage
