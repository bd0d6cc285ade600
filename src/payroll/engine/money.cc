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
  const int y = parts[0];
  const unsigned m = static_cast<unsigned>(parts[1]), d = static_cast<unsigned>(parts[2]);
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  // Days from the civil date (H. Hinnant), years >= 1900 so no negative eras.
  const int yy = y - (m <= 2 ? 1 : 0);
  const unsigned era = static_cast<unsigned>(yy) / 400;
  const unsigned yoe = static_cast<unsigned>(yy) - era * 400;
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return Date{static_cast<std::int32_t>(era * 146097 + doe) - 719468};
}

namespace {
// Appends the decimal digits of v, at least `min_digits` of them.
void AppendDigits(std::string& out, std::uint64_t v, int min_digits = 1) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < min_digits) buf[n++] = '0';
  const size_t at = out.size();
  out.resize(at + static_cast<size_t>(n));
  char* p = out.data() + at;
  while (n > 0) *p++ = buf[--n];
}
}  // namespace

void AppendInteger(std::string& out, std::int64_t v) {
  if (v < 0) {
    out.push_back('-');
    AppendDigits(out, static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(v));
  } else {
    AppendDigits(out, static_cast<std::uint64_t>(v));
  }
}

void AppendDate(std::string& out, Date d) {
  const auto ymd = ToCivil(d);
  AppendDigits(out, static_cast<std::uint64_t>(static_cast<int>(ymd.year())), 4);
  out.push_back('-');
  AppendDigits(out, static_cast<unsigned>(ymd.month()), 2);
  out.push_back('-');
  AppendDigits(out, static_cast<unsigned>(ymd.day()), 2);
}

void AppendPounds(std::string& out, Pence p) {
  const bool negative = p < 0;
  const std::uint64_t a = negative ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(p)
                                   : static_cast<std::uint64_t>(p);
  out.append(negative ? "-\xC2\xA3" : "\xC2\xA3");
  AppendDigits(out, a / 100);
  out.push_back('.');
  AppendDigits(out, a % 100, 2);
}

void AppendHours(std::string& out, MilliHours h) {
  AppendDigits(out, static_cast<std::uint64_t>(h / 1000));
  std::uint64_t frac = static_cast<std::uint64_t>(h % 1000);
  if (frac == 0) return;
  int digits = 3;
  while (frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  out.push_back('.');
  AppendDigits(out, frac, digits);
}

std::string FormatDate(Date d) {
  std::string s;
  AppendDate(s, d);
  return s;
}

std::string FormatPounds(Pence p) {
  std::string s;
  AppendPounds(s, p);
  return s;
}

std::string FormatHours(MilliHours h) {
  std::string s;
  AppendHours(s, h);
  return s;
}

// GCC's 128-bit integer: products of pence and milli-hours can pass 2^63. `__extension__` marks
// the one non-ISO type as intended under -Wpedantic.
__extension__ typedef __int128 Wide;

std::int64_t MulDivRoundHalfUp(std::int64_t a, std::int64_t b, std::int64_t c) {
  // Most products fit in 63 bits; the wide division is only for those that do not.
  if (a < (std::int64_t{1} << 31) && b < (std::int64_t{1} << 30) && c < (std::int64_t{1} << 61)) {
    return (a * b * 2 + c) / (c * 2);
  }
  const Wide product = static_cast<Wide>(a) * b;
  return static_cast<std::int64_t>((product * 2 + c) / (static_cast<Wide>(c) * 2));
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
