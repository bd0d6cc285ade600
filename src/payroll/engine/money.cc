#include "payroll/engine/money.h"

#include <chrono>
#include <cstdio>

namespace kenes::payroll {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

year_month_day ToCivil(Date d) { return year_month_day{sys_days{std::chrono::days{d.days}}}; }

Date FromCivil(const year_month_day& ymd) {
  return Date{static_cast<std::int32_t>(sys_days{ymd}.time_since_epoch().count())};
}

// Parses digits with an optional '.' and up to `scale_digits` decimals into an integer scaled by
// 10^scale_digits.
std::optional<std::int64_t> ParseScaled(std::string_view s, int scale_digits, int max_int_digits) {
  if (s.empty()) return std::nullopt;
  std::int64_t whole = 0;
  size_t i = 0;
  int int_digits = 0;
  for (; i < s.size() && s[i] != '.'; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9' || ++int_digits > max_int_digits) return std::nullopt;
    whole = whole * 10 + (c - '0');
  }
  if (int_digits == 0) return std::nullopt;
  std::int64_t frac = 0;
  int frac_digits = 0;
  if (i < s.size()) {
    ++i;  // '.'
    if (i == s.size()) return std::nullopt;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c < '0' || c > '9' || ++frac_digits > scale_digits) return std::nullopt;
      frac = frac * 10 + (c - '0');
    }
  }
  for (int k = frac_digits; k < scale_digits; ++k) frac *= 10;
  std::int64_t scale = 1;
  for (int k = 0; k < scale_digits; ++k) scale *= 10;
  return whole * scale + frac;
}

}  // namespace

std::optional<Pence> ParsePounds(std::string_view text) { return ParseScaled(text, 2, 12); }

std::optional<MilliHours> ParseHours(std::string_view text) { return ParseScaled(text, 3, 6); }

std::optional<int> ParseCount(std::string_view text) {
  auto v = ParseScaled(text, 0, 9);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

std::optional<Date> ParseIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lens[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t k = 0; k < lens[p]; ++k) {
      const char c = s[starts[p] + k];
      if (c < '0' || c > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  if (parts[0] < 1900 || parts[0] > 2200) return std::nullopt;
  const year_month_day ymd{year{parts[0]}, month{static_cast<unsigned>(parts[1])},
                           day{static_cast<unsigned>(parts[2])}};
  if (!ymd.ok()) return std::nullopt;
  return FromCivil(ymd);
}

std::string FormatDate(Date d) {
  const auto ymd = ToCivil(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string FormatPounds(Pence p) {
  char buf[40];
  const bool negative = p < 0;
  const std::int64_t a = negative ? -p : p;
  std::snprintf(buf, sizeof buf, "%s£%lld.%02lld", negative ? "-" : "",
                static_cast<long long>(a / 100), static_cast<long long>(a % 100));
  return buf;
}

std::string FormatHours(MilliHours h) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(h / 1000),
                static_cast<long long>(h % 1000));
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::int64_t MulDivRoundHalfUp(std::int64_t a, std::int64_t b, std::int64_t c) {
  const __int128 product = static_cast<__int128>(a) * b;
  return static_cast<std::int64_t>((product * 2 + c) / (static_cast<__int128>(c) * 2));
}

int AgeOn(Date born, Date on) {
  const auto b = ToCivil(born);
  const auto o = ToCivil(on);
  int age = static_cast<int>(o.year()) - static_cast<int>(b.year());
  const unsigned bm = static_cast<unsigned>(b.month()), bd = static_cast<unsigned>(b.day());
  const unsigned om = static_cast<unsigned>(o.month()), od = static_cast<unsigned>(o.day());
  if (om < bm || (om == bm && od < bd)) --age;
  return age;
}

Date LastDayOfOneMonthFrom(Date start) {
  const auto s = ToCivil(start);
  const std::chrono::year_month next =
      std::chrono::year_month{s.year(), s.month()} + std::chrono::months{1};
  const year_month_day same_day_next_month = next / s.day();
  if (same_day_next_month.ok()) return Date{FromCivil(same_day_next_month).days - 1};
  // The day does not exist next month (31 Jan): the period may run to that month's end.
  return FromCivil(next / std::chrono::last);
}

}  // namespace kenes::payroll
