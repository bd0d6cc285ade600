#include "api/http_types.h"

#include <strings.h>

#include "core/utf8.h"

namespace kenes::api {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string_view> HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return std::string_view(v);
  }
  return std::nullopt;
}

void HttpResponse::Set(std::string_view name, std::string value) {
  for (auto it = headers.begin(); it != headers.end();) {
    it = IEquals(it->first, name) ? headers.erase(it) : it + 1;
  }
  headers.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> HttpResponse::Get(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return std::string_view(v);
  }
  if (fixed_headers != nullptr) {
    for (const auto& [k, v] : *fixed_headers) {
      if (IEquals(k, name)) return v;
    }
  }
  return std::nullopt;
}

std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      if (c == '\0') return std::nullopt;
      out.push_back(c);
    }
  }
  if (!core::IsValidUtf8(out)) return std::nullopt;
  return out;
}

}  // namespace kenes::api
