// Serves the built web console (web/dist) for GET and HEAD. Paths are percent-decoded, must not
// contain "..", backslashes or hidden segments, and must resolve (symlinks included) inside the
// root, so nothing outside it can be read. Unknown paths without an extension are client-side
// routes: /NAME and /NAME/... load NAME.html when it exists (a page with its own entry point, such
// as /report), index.html otherwise. Thread-safe: reads files per request, holds no state but the
// root.
#pragma once

#include <optional>
#include <string>

#include "api/http_types.h"

namespace kenes::api {

class StaticFiles {
 public:
  // `root` may not exist (no console built): every lookup then misses.
  explicit StaticFiles(std::string root);

  // The response for decoded `path`, or nullopt when there is no such file.
  std::optional<HttpResponse> Serve(const std::string& path) const;

 private:
  std::optional<HttpResponse> Load(const std::string& relative) const;
  std::string root_;  // canonical, empty when missing
};

}  // namespace kenes::api
