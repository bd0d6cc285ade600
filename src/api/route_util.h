// Small helpers shared by the route files (api.cc and one file per module's routes).
#pragma once

#include <string>
#include <utility>

#include "api/http_types.h"
#include "core/error.h"

namespace kenes::api {

// Ends the request with a problem+json for `code` (mapped to its HTTP status).
[[noreturn]] inline void Throw(core::ErrorCode code, const std::string& message,
                               const std::string& type = {}) {
  throw core::Failure(core::Error{code, message, type, {}});
}

// The value of a service result, or the failure thrown (and rendered as problem+json).
template <typename T>
T Ok(core::Result<T>&& r) {
  return core::Unwrap(std::move(r));
}

inline HttpResponse NoContent() {
  HttpResponse r;
  r.status = 204;
  return r;
}

// Security headers for a self-contained HTML page an API route renders (a briefing pack, a
// library document): inline styles and data: images only, no script, never framed, not cached.
inline const HeaderList* RenderedPageHeaders() {
  static const HeaderList headers = {
      {"Content-Security-Policy",
       "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"}};
  return &headers;
}

}  // namespace kenes::api
