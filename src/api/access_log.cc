#include "api/access_log.h"

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/clock.h"
#include "core/crypto.h"

namespace kenes::api {
namespace {

// The fields are ids, methods and route templates made or checked by the server; anything else
// becomes '?', so a line can never be broken out of or carry arbitrary text.
std::string_view Safe(std::string_view in, std::string& scratch) {
  const auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '/' || c == '{' || c == '}';
  };
  if (std::all_of(in.begin(), in.end(), ok)) return in;
  scratch.assign(in);
  for (char& c : scratch) {
    if (!ok(c)) c = '?';
  }
  return scratch;
}

}  // namespace

AccessLog::AccessLog(const std::string& destination) {
  if (destination == "off") return;
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (destination == "-") {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(destination, false);
  }
  // Synchronous: a line goes into the sink's stdio buffer under its mutex, with no thread to wake
  // per request; the registry flushes every second (and Flush() on shutdown).
  logger_ = std::make_shared<spdlog::logger>("access-" + core::RandomToken(6), sink);
  logger_->set_pattern("%v");
  logger_->flush_on(spdlog::level::off);
  spdlog::register_logger(logger_);
  static std::once_flag flusher;
  std::call_once(flusher, [] { spdlog::flush_every(std::chrono::seconds(1)); });
}

AccessLog::~AccessLog() {
  if (!logger_) return;
  logger_->flush();
  spdlog::drop(logger_->name());
}

void AccessLog::Write(const AccessRecord& r) {
  if (!logger_) return;
  std::string s1, s2, s3;
  fmt::memory_buffer line;
  fmt::format_to(std::back_inserter(line),
                 R"({{"ts":"{}","request_id":"{}","method":"{}","route":"{}","status":{},)"
                 R"("request_bytes":{},"response_bytes":{},"duration_ms":{:.3f},"user_id":)",
                 core::FormatUtc(core::SystemClock().Now()), Safe(r.request_id, s1),
                 Safe(r.method, s2), Safe(r.route, s3), r.status, r.request_bytes, r.response_bytes,
                 r.duration_ms);
  if (r.user_id) {
    fmt::format_to(std::back_inserter(line), "{}}}", *r.user_id);
  } else {
    fmt::format_to(std::back_inserter(line), "null}}");
  }
  logger_->info(std::string_view(line.data(), line.size()));
}

void AccessLog::Flush() {
  if (logger_) logger_->flush();
}

}  // namespace kenes::api
