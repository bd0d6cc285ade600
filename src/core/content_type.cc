#include "core/content_type.h"

#include "core/utf8.h"

namespace kenes::core {

std::string SniffType(std::string_view b) {
  auto starts = [&](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
  if (starts("%PDF-")) return "application/pdf";
  if (starts("\x89PNG\r\n\x1a\n")) return "image/png";
  if (starts("\xff\xd8\xff")) return "image/jpeg";
  if (starts("GIF87a") || starts("GIF89a")) return "image/gif";
  if (starts("PK\x03\x04")) return "application/zip";
  if (!b.empty() && b.find('\0') == std::string_view::npos && IsValidUtf8(b)) {
    return "text/plain; charset=utf-8";
  }
  return "";
}

}  // namespace kenes::core
