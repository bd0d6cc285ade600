#include "core/utf8.h"

#include <cctype>
#include <string>

namespace kenes::core {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace kenes::core

namespace kenes::core {

void AppendHtmlEscaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

Status CheckPlainText(std::string_view field, std::string_view v, std::size_t max, bool required,
                      Markup markup) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, std::string(field) + " " + why, "invalid-field");
  };
  if (required && v.empty()) return bad("is required");
  if (v.size() > max) return bad("is longer than " + std::to_string(max) + " bytes");
  if (!IsValidUtf8(v)) return bad("is not valid UTF-8");
  for (const char c : v) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
      return bad("holds control characters");
    }
  }
  if (markup == Markup::kRefused) {
    std::string lower(v);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* bad_markup : {"<script", "javascript:", "<iframe", "onerror=", "onload="}) {
      if (lower.find(bad_markup) != std::string::npos) return bad("holds script or markup");
    }
  }
  return {};
}

}  // namespace kenes::core
