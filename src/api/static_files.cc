#include "api/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kenes::api {
namespace {

std::string MimeType(const std::string& ext) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
      {".map", "application/json"}};
  for (const auto& [e, t] : kTypes) {
    if (ext == e) return t;
  }
  return "application/octet-stream";
}

}  // namespace

StaticFiles::StaticFiles(std::string root) {
  std::error_code ec;
  const auto canonical = std::filesystem::canonical(root, ec);
  if (!ec && std::filesystem::is_directory(canonical)) root_ = canonical.string();
}

std::optional<HttpResponse> StaticFiles::Serve(const std::string& path) const {
  if (root_.empty() || path.empty() || path[0] != '/') return std::nullopt;
  if (path.find('\\') != std::string::npos || path.find('\0') != std::string::npos)
    return std::nullopt;
  std::string relative = path.substr(1);
  // Refuse any "..", "." or hidden segment outright, before touching the filesystem.
  size_t start = 0;
  while (start <= relative.size()) {
    const size_t end = relative.find('/', start);
    const std::string seg =
        relative.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!seg.empty() && seg[0] == '.') return std::nullopt;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  const bool directory = relative.empty() || relative.back() == '/';
  if (auto r = Load(directory ? relative + "index.html" : relative)) return r;
  const auto last = relative.substr(relative.rfind('/') + 1);
  if (!directory && last.find('.') != std::string::npos) return std::nullopt;
  // A client-side route: the page of its own entry point when there is one (/report and
  // /report/status load report.html, which carries none of the console's code), else the console.
  const auto first = relative.substr(0, relative.find('/'));
  if (!first.empty()) {
    if (auto r = Load(first + ".html")) return r;
  }
  return Load("index.html");
}

std::optional<HttpResponse> StaticFiles::Load(const std::string& relative) const {
  std::error_code ec;
  const auto full = std::filesystem::canonical(std::filesystem::path(root_) / relative, ec);
  if (ec) return std::nullopt;
  const std::string full_text = full.string();
  if (full_text.size() <= root_.size() || full_text.compare(0, root_.size(), root_) != 0 ||
      full_text[root_.size()] != '/') {
    return std::nullopt;  // resolved outside the root (a symlink)
  }
  if (!std::filesystem::is_regular_file(full, ec)) return std::nullopt;
  std::ifstream in(full, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  HttpResponse r;
  r.status = 200;
  r.body = content.str();
  r.Set("Content-Type", MimeType(full.extension().string()));
  // Vite puts content-hashed bundles under assets/: cache them for good; revalidate the rest.
  r.Set("Cache-Control",
        relative.rfind("assets/", 0) == 0 ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

}  // namespace kenes::api
