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

}  // namespace kenes::api
