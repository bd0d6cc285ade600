#include "api/problem.h"

namespace kenes::api {

int StatusFor(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::kInvalidArgument:
      return 400;
    case core::ErrorCode::kUnauthenticated:
      return 401;
    case core::ErrorCode::kPermissionDenied:
      return 403;
    case core::ErrorCode::kNotFound:
      return 404;
    case core::ErrorCode::kConflict:
      return 409;
    case core::ErrorCode::kUnprocessable:
      return 422;
    case core::ErrorCode::kUnsupportedMedia:
      return 415;
    case core::ErrorCode::kTooManyRequests:
      return 429;
    case core::ErrorCode::kUnavailable:
      return 503;
    case core::ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

HttpResponse JsonResponse(int status, const nlohmann::json& value) {
  HttpResponse r;
  r.status = status;
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.Set("Content-Type", "application/json");
  return r;
}

HttpResponse Problem(int status, const std::string& slug, const std::string& detail,
                     const std::string& request_id, const nlohmann::json& extra) {
  nlohmann::json body = {{"type", "urn:kenes:problem:" + slug},
                         {"title", ReasonPhrase(status)},
                         {"status", status},
                         {"detail", detail},
                         {"request_id", request_id}};
  for (const auto& [k, v] : extra.items()) body[k] = v;
  HttpResponse r = JsonResponse(status, body);
  r.Set("Content-Type", "application/problem+json");
  return r;
}

HttpResponse ProblemFor(const core::Error& error, const std::string& request_id) {
  const std::string slug =
      error.type.empty() ? std::string(core::ErrorCodeName(error.code)) : error.type;
  HttpResponse r = Problem(StatusFor(error.code), slug, error.message, request_id);
  if (error.retry_after) r.Set("Retry-After", std::to_string(*error.retry_after));
  return r;
}

}  // namespace kenes::api
