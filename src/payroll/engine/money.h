// Money, hours and dates as the payroll engine counts them: integer pence, integer milli-hours
// and days since 1970-01-01, so that every sum is exact. Rounding is to the nearest unit with
// halves rounded up, done once, where a rate multiplies hours or a sum is revalued.
// Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kenes::payroll {

using Pence = std::int64_t;
using MilliHours = std::int64_t;  // 1 hour = 1000

// Days since 1970-01-01 (the proleptic Gregorian calendar).
struct Date {
  std::int32_t days = 0;
  friend auto operator<=>(const Date&, const Date&) = default;
};

// "12", "12.3", "12.34" pounds -> pence. No sign, no currency symbol, no thousands separators,
// at most 2 decimals, at most 12 integer digits. nullopt otherwise.
std::optional<Pence> ParsePounds(std::string_view text);
// "37", "37.5", "37.25", "37.125" hours -> milli-hours; at most 3 decimals, no sign.
std::optional<MilliHours> ParseHours(std::string_view text);
// A non-negative integer of at most 9 digits.
std::optional<int> ParseCount(std::string_view text);
// A date's calendar fields (the proleptic Gregorian calendar).
struct YearMonthDay {
  int year = 1970;
  unsigned month = 1;  // 1-12
  unsigned day = 1;    // 1-31
};

// Strict "YYYY-MM-DD" with a real calendar day, years 1900-2200.
std::optional<Date> ParseIsoDate(std::string_view text);
// The same, and when the text is a date, its fields in `*ymd` (which saves converting the day
// number back for AgeOn). REQUIRES: ymd != nullptr.
std::optional<Date> ParseIsoDate(std::string_view text, YearMonthDay* ymd);

std::string FormatDate(Date d);
// "£1,234.56" style without separators: "£1234.56"; negative as "-£0.01".
std::string FormatPounds(Pence p);
// "37.5" (trailing zeros dropped, at most 3 decimals).
std::string FormatHours(MilliHours h);
// The same, appended to `out` (no temporaries; for writers of many findings).
void AppendDate(std::string& out, Date d);
void AppendPounds(std::string& out, Pence p);
void AppendHours(std::string& out, MilliHours h);
void AppendInteger(std::string& out, std::int64_t v);
// The same written at `p`, which has room for kMaxNumberChars; each returns the end. For writers
// that build a line in a local buffer and append it once.
inline constexpr std::size_t kMaxNumberChars = 32;
char* WritePounds(char* p, Pence v);
char* WriteHours(char* p, MilliHours h);
char* WriteInteger(char* p, std::int64_t v);

namespace internal {
// MulDivRoundHalfUp in 128-bit arithmetic, for products that may not fit in 63 bits.
std::int64_t MulDivRoundHalfUpWide(std::int64_t a, std::int64_t b, std::int64_t c);
}  // namespace internal

// a * b / c, rounded to the nearest integer, halves up. REQUIRES: a, b >= 0, c > 0.
// Inline because most calls divide by a constant (1000 milli-hours, 7 days), which the compiler
// then turns into a multiplication instead of a 64-bit division.
inline std::int64_t MulDivRoundHalfUp(std::int64_t a, std::int64_t b, std::int64_t c) {
  // a < 2^31 and b < 2^30: 2ab + c < 2^62 + 2^61, no overflow.
  if (a < (std::int64_t{1} << 31) && b < (std::int64_t{1} << 30) && c < (std::int64_t{1} << 61)) {
    return (a * b * 2 + c) / (c * 2);
  }
  return internal::MulDivRoundHalfUpWide(a, b, c);
}

// Whole years of age on `on` for someone born on `born` (a birthday counts from its day; 29
// February birthdays count from 1 March in common years).
int AgeOn(Date born, Date on);
int AgeOn(const YearMonthDay& born, const YearMonthDay& on);
// The last day a pay reference period starting on `start` may have: one month later, less a
// day (31 Jan -> 28/29 Feb, 16 Mar -> 15 Apr).
Date LastDayOfOneMonthFrom(Date start);

}  // namespace kenes::payroll
