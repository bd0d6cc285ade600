#include "linkage/engine/schema.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/crypto.h"
#include "linkage/engine/clk.h"

namespace kenes::linkage {
namespace {

using core::ErrorCode;
using Json = nlohmann::json;

// Reports the first problem in a schema with where it is.
struct SchemaError {
  std::string where;
};

[[noreturn]] void Bad(const std::string& where, const std::string& what) {
  throw SchemaError{where + ": " + what};
}

const Json& Member(const Json& o, const char* key, const std::string& where) {
  if (!o.is_object() || !o.contains(key)) Bad(where, std::string("missing \"") + key + "\"");
  return o.at(key);
}

std::string Text(const Json& v, const std::string& where) {
  if (!v.is_string()) Bad(where, "must be a string");
  return v.get<std::string>();
}

long long Integer(const Json& v, const std::string& where) {
  if (!v.is_number_integer()) Bad(where, "must be an integer");
  return v.get<long long>();
}

int PositiveInt(const Json& v, const std::string& where, int max) {
  const long long n = Integer(v, where);
  if (n < 1 || n > max) Bad(where, "must be between 1 and " + std::to_string(max));
  return static_cast<int>(n);
}

std::vector<std::uint8_t> Base64Member(const Json& v, const std::string& where) {
  auto bytes = FromBase64(Text(v, where));
  if (!bytes) Bad(where, "not valid base64");
  return *bytes;
}

void ParseFormat(const Json& f, FeatureSpec& spec, const std::string& where) {
  const std::string type = Text(Member(f, "type", where), where + ".type");
  if (f.contains("encoding")) {
    const std::string enc = Text(f["encoding"], where + ".encoding");
    if (enc == "ascii") {
      spec.ascii = true;
    } else if (enc != "utf-8" && enc != "utf8") {
      Bad(where + ".encoding", "\"" + enc + "\" is not supported (use utf-8 or ascii)");
    }
  }
  if (type == "string") {
    spec.format = FormatType::kString;
    if (f.contains("minLength")) spec.min_length = Integer(f["minLength"], where + ".minLength");
    if (f.contains("maxLength")) spec.max_length = Integer(f["maxLength"], where + ".maxLength");
    if (f.contains("case")) {
      spec.letter_case = Text(f["case"], where + ".case");
      if (spec.letter_case != "upper" && spec.letter_case != "lower" &&
          spec.letter_case != "mixed") {
        Bad(where + ".case", "must be upper, lower or mixed");
      }
    }
    if (f.contains("pattern")) spec.pattern = Text(f["pattern"], where + ".pattern");
  } else if (type == "integer") {
    spec.format = FormatType::kInteger;
    if (f.contains("minimum")) spec.minimum = Integer(f["minimum"], where + ".minimum");
    if (f.contains("maximum")) spec.maximum = Integer(f["maximum"], where + ".maximum");
  } else if (type == "date") {
    spec.format = FormatType::kDate;
    if (f.contains("format")) spec.date_format = Text(f["format"], where + ".format");
    if (f.contains("format") && spec.date_format.find('%') == std::string::npos) {
      Bad(where + ".format", "has no % directive");
    }
  } else if (type == "enum") {
    spec.format = FormatType::kEnum;
    const Json& values = Member(f, "values", where);
    if (!values.is_array() || values.empty()) Bad(where + ".values", "must be a non-empty list");
    for (const Json& v : values) spec.enum_values.push_back(Text(v, where + ".values"));
  } else {
    Bad(where + ".type", "\"" + type + "\" is not one of string, integer, date, enum");
  }
}

void ParseHashing(const Json& h, FeatureSpec& spec, const std::string& where) {
  const Json& cmp = Member(h, "comparison", where);
  const std::string cwhere = where + ".comparison";
  const std::string ctype = Text(Member(cmp, "type", cwhere), cwhere + ".type");
  if (ctype == "ngram") {
    spec.comparison = ComparisonType::kNgram;
    spec.ngram = PositiveInt(Member(cmp, "n", cwhere), cwhere + ".n", 64);
    if (cmp.contains("positional")) {
      if (!cmp["positional"].is_boolean()) Bad(cwhere + ".positional", "must be true or false");
      spec.positional = cmp["positional"].get<bool>();
    }
  } else if (ctype == "exact") {
    spec.comparison = ComparisonType::kExact;
  } else if (ctype == "numeric") {
    spec.comparison = ComparisonType::kNumeric;
    const Json& td = Member(cmp, "thresholdDistance", cwhere);
    if (!td.is_number() || td.get<double>() <= 0) {
      Bad(cwhere + ".thresholdDistance", "must be a positive number");
    }
    spec.threshold_distance = td.get<double>();
    spec.resolution = PositiveInt(Member(cmp, "resolution", cwhere), cwhere + ".resolution", 512);
    if (cmp.contains("fractional_precision")) {
      const long long fp = Integer(cmp["fractional_precision"], cwhere + ".fractional_precision");
      if (fp < 0 || fp > 9) Bad(cwhere + ".fractional_precision", "must be between 0 and 9");
      spec.fractional_precision = static_cast<int>(fp);
    }
  } else {
    Bad(cwhere + ".type", "\"" + ctype + "\" is not one of ngram, exact, numeric");
  }

  const Json& strategy = Member(h, "strategy", where);
  const std::string swhere = where + ".strategy";
  if (strategy.contains("bitsPerToken")) {
    spec.bits_per_token = PositiveInt(strategy["bitsPerToken"], swhere + ".bitsPerToken", 65536);
  } else if (strategy.contains("bitsPerFeature")) {
    spec.bits_per_feature =
        PositiveInt(strategy["bitsPerFeature"], swhere + ".bitsPerFeature", 1 << 20);
  } else {
    Bad(swhere, "needs bitsPerToken or bitsPerFeature");
  }

  if (h.contains("hash")) {
    const std::string hwhere = where + ".hash";
    const std::string htype = Text(Member(h["hash"], "type", hwhere), hwhere + ".type");
    if (htype == "blakeHash") {
      spec.hash = HashType::kBlake;
    } else if (htype == "doubleHash") {
      spec.hash = HashType::kDouble;
      if (h["hash"].contains("prevent_singularity")) {
        const Json& ps = h["hash"]["prevent_singularity"];
        if (!ps.is_boolean()) Bad(hwhere + ".prevent_singularity", "must be true or false");
        spec.prevent_singularity = ps.get<bool>();
      }
    } else {
      Bad(hwhere + ".type", "\"" + htype + "\" is not one of blakeHash, doubleHash");
    }
  }
  if (h.contains("missingValue")) {
    const std::string mwhere = where + ".missingValue";
    const Json& mv = h["missingValue"];
    spec.missing_sentinel = Text(Member(mv, "sentinel", mwhere), mwhere + ".sentinel");
    spec.missing_replacement = mv.contains("replaceWith")
                                   ? Text(mv["replaceWith"], mwhere + ".replaceWith")
                                   : *spec.missing_sentinel;
  }
}

Schema ParseDocument(const Json& doc, const std::string& origin) {
  if (!doc.is_object()) Bad(origin, "a schema must be a JSON object");
  Schema s;
  const Json& version = Member(doc, "version", origin);
  if (!version.is_number_integer() || version.get<int>() != 3) {
    Bad(origin + ": version", "only linkage schema version 3 is supported");
  }
  const std::string cwhere = origin + ": clkConfig";
  const Json& config = Member(doc, "clkConfig", origin);
  const long long l = Integer(Member(config, "l", cwhere), cwhere + ".l");
  if (l < 8 || l % 8 != 0 || l > (1 << 20)) {
    Bad(cwhere + ".l", "must be a positive multiple of 8 up to 1048576");
  }
  s.l = static_cast<std::size_t>(l);
  if (config.contains("xor_folds")) {
    const long long folds = Integer(config["xor_folds"], cwhere + ".xor_folds");
    if (folds < 0 || folds > 8) Bad(cwhere + ".xor_folds", "must be between 0 and 8");
    s.xor_folds = static_cast<int>(folds);
  }
  if (s.hashing_bits() > 65536) {
    Bad(cwhere, "l * 2^xor_folds must be at most 65536 bits");
  }
  if (config.contains("kdf")) {
    const std::string kwhere = cwhere + ".kdf";
    const Json& kdf = config["kdf"];
    const std::string type = Text(Member(kdf, "type", kwhere), kwhere + ".type");
    if (type != "HKDF") Bad(kwhere + ".type", "only HKDF is supported");
    if (kdf.contains("hash")) {
      s.kdf_hash = Text(kdf["hash"], kwhere + ".hash");
      if (s.kdf_hash != "SHA256" && s.kdf_hash != "SHA512") {
        Bad(kwhere + ".hash", "must be SHA256 or SHA512");
      }
    }
    if (kdf.contains("salt")) s.kdf_salt = Base64Member(kdf["salt"], kwhere + ".salt");
    if (kdf.contains("info")) s.kdf_info = Base64Member(kdf["info"], kwhere + ".info");
    if (kdf.contains("keySize")) {
      s.key_size = static_cast<std::size_t>(PositiveInt(kdf["keySize"], kwhere + ".keySize", 64));
    }
  }
  const Json& features = Member(doc, "features", origin);
  if (!features.is_array() || features.empty()) {
    Bad(origin + ": features", "must be a non-empty list");
  }
  for (std::size_t i = 0; i < features.size(); ++i) {
    const Json& f = features[i];
    std::string where = origin + ": features[" + std::to_string(i) + "]";
    FeatureSpec spec;
    spec.identifier = Text(Member(f, "identifier", where), where + ".identifier");
    where += " (" + spec.identifier + ")";
    if (f.contains("ignored") && f["ignored"].is_boolean() && f["ignored"].get<bool>()) {
      spec.ignored = true;
    } else {
      ParseFormat(Member(f, "format", where), spec, where + ".format");
      ParseHashing(Member(f, "hashing", where), spec, where + ".hashing");
      if (spec.hash == HashType::kBlake) {
        const std::size_t lh = s.hashing_bits();
        if ((lh & (lh - 1)) != 0) {
          Bad(where, "blakeHash needs l * 2^xor_folds to be a power of two");
        }
        if (s.key_size < 16) Bad(where, "blakeHash needs kdf.keySize of at least 16");
      }
    }
    for (const FeatureSpec& other : s.features) {
      if (other.identifier == spec.identifier) Bad(where, "identifier used twice");
    }
    s.features.push_back(std::move(spec));
  }
  if (doc.contains("kenes") && doc["kenes"].is_object() && doc["kenes"].contains("threshold")) {
    const Json& t = doc["kenes"]["threshold"];
    if (!t.is_number() || t.get<double>() <= 0 || t.get<double>() > 1) {
      Bad(origin + ": kenes.threshold", "must be a number in (0, 1]");
    }
    s.threshold = t.get<double>();
  }
  return s;
}

}  // namespace

core::Result<Schema> ParseSchema(std::string_view json, std::string_view origin) {
  const std::string where(origin);
  Json doc;
  try {
    doc = Json::parse(json);
  } catch (const Json::parse_error& e) {
    return core::Fail(ErrorCode::kInvalidArgument, where + ": not JSON: " + e.what());
  }
  try {
    Schema s = ParseDocument(doc, where);
    s.name = where;
    s.sha256 = core::Sha256Hex(json);
    return s;
  } catch (const SchemaError& e) {
    return core::Fail(ErrorCode::kInvalidArgument, e.where);
  } catch (const Json::exception& e) {
    return core::Fail(ErrorCode::kInvalidArgument, where + ": " + e.what());
  }
}

core::Result<Schema> LoadSchemaFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::Fail(ErrorCode::kInvalidArgument, path + ": cannot open: " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseSchema(text.str(), path);
}

}  // namespace kenes::linkage
