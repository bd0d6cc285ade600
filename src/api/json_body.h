// Strict reading of JSON request bodies: the content type must be JSON, the body must parse
// (UTF-8 checked by the parser), must be an object, every field must have the expected type, and
// fields the endpoint does not know are refused. Failures throw core::Failure carrying a 400
// (or 415) that names the field. Not thread-safe; one per request.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/http_types.h"

namespace kenes::api {

class JsonBody {
 public:
  // Parses `request`'s body. Throws core::Failure: 415 unless Content-Type is application/json,
  // 400 for malformed JSON, invalid UTF-8 or a non-object.
  static JsonBody Parse(const HttpRequest& request);

  std::string RequiredString(const std::string& key, size_t max_bytes);
  std::optional<std::string> OptionalString(const std::string& key, size_t max_bytes);
  std::optional<bool> OptionalBool(const std::string& key);
  std::optional<long long> OptionalInt(const std::string& key, long long lo, long long hi);
  long long RequiredInt(const std::string& key, long long lo, long long hi);
  std::optional<std::vector<std::string>> OptionalStringArray(const std::string& key,
                                                              size_t max_items, size_t max_bytes);
  std::vector<std::string> RequiredStringArray(const std::string& key, size_t max_items,
                                               size_t max_bytes);

  // Throws a 400 naming every field that no accessor asked for.
  void Finish() const;

  // The whole object, for fields read by hand (then MarkRead them).
  const nlohmann::json& Raw() const { return value_; }
  void MarkRead(const std::string& key) { read_.insert(key); }

 private:
  explicit JsonBody(nlohmann::json value) : value_(std::move(value)) {}
  const nlohmann::json* Field(const std::string& key);

  nlohmann::json value_;
  std::set<std::string> read_;
};

}  // namespace kenes::api
