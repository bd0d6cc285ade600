// Plain HTTP request and response values passed between the network layer (http_server) and the
// API layer, so that handlers and their tests never see Boost.Beast. Not thread-safe; values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kenes::api {

struct HttpRequest {
  std::string method;  // upper case, as received
  std::string target;  // raw request-target, e.g. "/api/v1/users?limit=10"
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote_address;

  // The first header named `lower_name`, if any.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
};

using HeaderList = std::vector<std::pair<std::string_view, std::string_view>>;

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Constant headers sent as well (security headers), shared by all responses: no copies.
  const HeaderList* fixed_headers = nullptr;

  // Replaces any header named `name` (case-insensitive) with one value.
  void Set(std::string_view name, std::string value);
  // Adds a header even if one with this name exists (Set-Cookie).
  void Add(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  std::optional<std::string_view> Get(std::string_view name) const;
};

// Percent-decodes `in` ('+' stays '+' unless `plus_is_space`). Returns nullopt for a malformed
// escape, an encoded NUL, or a result that is not valid UTF-8.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space);

}  // namespace kenes::api
