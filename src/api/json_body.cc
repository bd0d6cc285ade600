#include "api/json_body.h"

#include "core/error.h"

namespace kenes::api {
namespace {

[[noreturn]] void Bad(const std::string& slug, const std::string& message) {
  throw core::Failure(core::Error{core::ErrorCode::kInvalidArgument, message, slug, {}});
}

std::string TypeName(const nlohmann::json& v) { return v.type_name(); }

}  // namespace

JsonBody JsonBody::Parse(const HttpRequest& request) {
  const auto type = request.Header("content-type");
  std::string media = type ? std::string(*type) : "";
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (media != "application/json") {
    throw core::Failure(core::Error{core::ErrorCode::kUnsupportedMedia,
                                    "the body must be application/json, got '" +
                                        (type ? std::string(*type) : std::string("nothing")) + "'",
                                    "unsupported-media-type",
                                    {}});
  }
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    // Never echo the body back: it may hold a password.
    const std::string what = e.what();
    const bool utf8 = what.find("UTF-8") != std::string::npos;
    Bad(utf8 ? "invalid-utf8" : "malformed-json",
        std::string(utf8 ? "the body is not valid UTF-8" : "the body is not valid JSON") +
            " (at byte " + std::to_string(e.byte) + ")");
  }
  if (!value.is_object())
    Bad("invalid-body", "the body must be a JSON object, got " + TypeName(value));
  return JsonBody(std::move(value));
}

const nlohmann::json* JsonBody::Field(const std::string& key) {
  read_.insert(key);
  const auto it = value_.find(key);
  if (it == value_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> JsonBody::OptionalString(const std::string& key, size_t max_bytes) {
  const auto* v = Field(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string())
    Bad("invalid-field", "field '" + key + "' must be a string, got " + TypeName(*v));
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    Bad("invalid-field",
        "field '" + key + "' is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (s.find('\0') != std::string::npos)
    Bad("invalid-field", "field '" + key + "' contains a NUL character");
  return s;
}

std::string JsonBody::RequiredString(const std::string& key, size_t max_bytes) {
  auto s = OptionalString(key, max_bytes);
  if (!s) Bad("missing-field", "field '" + key + "' is required");
  return *s;
}

long long JsonBody::RequiredInt(const std::string& key, long long lo, long long hi) {
  auto v = OptionalInt(key, lo, hi);
  if (!v) Bad("missing-field", "field '" + key + "' is required");
  return *v;
}

std::optional<bool> JsonBody::OptionalBool(const std::string& key) {
  const auto* v = Field(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean())
    Bad("invalid-field", "field '" + key + "' must be true or false, got " + TypeName(*v));
  return v->get<bool>();
}

std::optional<long long> JsonBody::OptionalInt(const std::string& key, long long lo, long long hi) {
  const auto* v = Field(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer())
    Bad("invalid-field", "field '" + key + "' must be an integer, got " + TypeName(*v));
  if (v->is_number_unsigned() &&
      v->get<unsigned long long>() > static_cast<unsigned long long>(hi)) {
    Bad("invalid-field",
        "field '" + key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  const long long n = v->get<long long>();
  if (n < lo || n > hi) {
    Bad("invalid-field",
        "field '" + key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return n;
}

std::optional<std::vector<std::string>> JsonBody::OptionalStringArray(const std::string& key,
                                                                      size_t max_items,
                                                                      size_t max_bytes) {
  const auto* v = Field(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array())
    Bad("invalid-field", "field '" + key + "' must be an array of strings, got " + TypeName(*v));
  if (v->size() > max_items) {
    Bad("invalid-field",
        "field '" + key + "' has more than " + std::to_string(max_items) + " items");
  }
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > max_bytes) {
      Bad("invalid-field", "field '" + key + "' must be an array of strings of at most " +
                               std::to_string(max_bytes) + " bytes");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<std::string> JsonBody::RequiredStringArray(const std::string& key, size_t max_items,
                                                       size_t max_bytes) {
  auto v = OptionalStringArray(key, max_items, max_bytes);
  if (!v) Bad("missing-field", "field '" + key + "' is required");
  return *v;
}

void JsonBody::Finish() const {
  std::string unknown;
  for (const auto& [k, v] : value_.items()) {
    if (!read_.count(k)) unknown += (unknown.empty() ? "'" : ", '") + k + "'";
  }
  if (!unknown.empty()) Bad("unknown-field", "unknown field(s) " + unknown);
}

}  // namespace kenes::api
