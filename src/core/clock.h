// UTC time as stored everywhere: ISO-8601 text with microseconds and a trailing Z, which sorts
// the same as the instant it names. Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kenes::core {

using TimePoint = std::chrono::system_clock::time_point;

// Source of the current time; tests substitute a fixed or stepping clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The real wall clock. A process-wide instance, safe to share.
const Clock& SystemClock();

// "2026-11-25T07:43:11.123456Z".
std::string FormatUtc(TimePoint t);
// Parses FormatUtc output, and also "YYYY-MM-DDTHH:MM:SSZ" and "YYYY-MM-DD" (midnight UTC).
// Returns nullopt when `text` is not such a time or its year is outside 1700-2200.
std::optional<TimePoint> ParseUtc(std::string_view text);

}  // namespace kenes::core
