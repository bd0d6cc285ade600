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

Result<std::string> CheckUpload(std::string_view name, std::string_view content,
                                std::size_t max_bytes) {
  if (content.empty())
    return Fail(ErrorCode::kInvalidArgument, "the file is empty", "invalid-file");
  if (content.size() > max_bytes) {
    return Fail(ErrorCode::kInvalidArgument,
                "the file is larger than " + std::to_string(max_bytes) + " bytes",
                "file-too-large");
  }
  if (name.find('/') != std::string_view::npos || name.find('\\') != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "name must be a file name, not a path",
                "invalid-field");
  }
  std::string type = SniffType(content);
  if (type.empty()) {
    return Fail(ErrorCode::kUnsupportedMedia,
                "only PDF, PNG, JPEG, GIF, office (zip) files and UTF-8 text are accepted",
                "unsupported-file-type");
  }
  return type;
}

}  // namespace kenes::core
