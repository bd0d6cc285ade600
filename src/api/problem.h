// RFC 9457 problem details: every error the API returns is application/problem+json with a
// stable `type` URI ("urn:kenes:problem:<slug>"), a title, the status, a detail saying what was
// wrong, and the request id. Thread-safe: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "api/http_types.h"
#include "core/error.h"

namespace kenes::api {

// The HTTP status for an error code (the one table of the API).
int StatusFor(core::ErrorCode code);

// A problem+json response. `slug` becomes the type URI; `extra` members are merged in.
HttpResponse Problem(int status, const std::string& slug, const std::string& detail,
                     const std::string& request_id,
                     const nlohmann::json& extra = nlohmann::json::object());

// A problem+json response for `error` (type from error.type, or from the code).
HttpResponse ProblemFor(const core::Error& error, const std::string& request_id);

// Serialises `value` as a JSON response with `status`. Strings that are not valid UTF-8 are
// replaced rather than thrown on.
HttpResponse JsonResponse(int status, const nlohmann::json& value);

std::string ReasonPhrase(int status);

}  // namespace kenes::api
