// Error values shared by every module: an error code with a message, carried in Result<T>.
// Expected failures travel as values; exceptions only abort a whole operation (see
// docs/architecture.md). Thread-safe: plain values.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace kenes::core {

// What went wrong, in terms a caller can act on. The HTTP layer maps each to one status.
enum class ErrorCode {
  kInvalidArgument,   // malformed input: 400
  kUnauthenticated,   // not signed in or bad credentials: 401
  kPermissionDenied,  // signed in but not allowed: 403
  kNotFound,          // unknown, or not yours to see: 404
  kConflict,          // clashes with existing state: 409
  kUnprocessable,     // well-formed but breaks a rule: 422
  kUnsupportedMedia,  // body in a format the endpoint does not take: 415
  kTooManyRequests,   // throttled: 429
  kUnavailable,       // dependency down or shutting down: 503
  kInternal,          // a bug or an unexpected failure: 500
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Stable machine-readable slug, e.g. "invalid-credentials"; empty means derived from `code`.
  std::string type;
  // Seconds the client should wait (429 / 503 only).
  std::optional<int> retry_after;
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> Fail(ErrorCode code, std::string message, std::string type = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(type), std::nullopt});
}

// Thrown only to abort a whole request or command; caught by the HTTP handler wrapper and CLI main.
class Failure : public std::runtime_error {
 public:
  explicit Failure(Error error) : std::runtime_error(error.message), error_(std::move(error)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

// Returns the value of `r`, or throws Failure with its error.
template <typename T>
T Unwrap(Result<T>&& r) {
  if (!r) throw Failure(std::move(r.error()));
  return std::move(*r);
}
inline void Unwrap(Status&& s) {
  if (!s) throw Failure(std::move(s.error()));
}

}  // namespace kenes::core
