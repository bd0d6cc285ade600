// The JSON-lines access log: one line per request with time, request id, method, route template
// (never the raw path or query, which can carry identifiers), status, sizes, duration and the
// acting user's numeric id. No personal data, passwords or tokens by construction: nothing from
// headers or bodies is ever passed in. Thread-safe (spdlog async logger).
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace spdlog {
class logger;
}

namespace kenes::api {

struct AccessRecord {
  std::string request_id;
  std::string method;
  std::string route;  // "/api/v1/users/{id}", "static", or "-" when nothing matched
  int status = 0;
  size_t request_bytes = 0;
  size_t response_bytes = 0;
  double duration_ms = 0;
  std::optional<long long> user_id;
};

class AccessLog {
 public:
  // `destination`: "-" (stdout), "off", or a file path (appended).
  explicit AccessLog(const std::string& destination);
  ~AccessLog();
  void Write(const AccessRecord& record);
  void Flush();

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace kenes::api
