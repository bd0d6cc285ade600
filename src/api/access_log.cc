#include "api/access_log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/crypto.h"

namespace kenes::api {

AccessLog::AccessLog(const std::string& destination) {
  if (destination == "off") return;
  static std::once_flag pool_once;
  std::call_once(pool_once, [] { spdlog::init_thread_pool(8192, 1); });
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (destination == "-") {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(destination, false);
  }
  logger_ = std::make_shared<spdlog::async_logger>("access-" + core::RandomToken(6), sink,
                                                   spdlog::thread_pool(),
                                                   spdlog::async_overflow_policy::block);
  logger_->set_pattern("%v");
  logger_->flush_on(spdlog::level::warn);
}

AccessLog::~AccessLog() { Flush(); }

void AccessLog::Write(const AccessRecord& r) {
  if (!logger_) return;
  nlohmann::json line = {
      {"ts", core::FormatUtc(core::SystemClock().Now())},
      {"request_id", r.request_id},
      {"method", r.method},
      {"route", r.route},
      {"status", r.status},
      {"request_bytes", r.request_bytes},
      {"response_bytes", r.response_bytes},
      {"duration_ms", static_cast<double>(static_cast<long long>(r.duration_ms * 1000)) / 1000},
      {"user_id", r.user_id ? nlohmann::json(*r.user_id) : nlohmann::json(nullptr)}};
  logger_->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void AccessLog::Flush() {
  if (logger_) logger_->flush();
}

}  // namespace kenes::api
