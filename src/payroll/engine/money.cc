#include "payroll/engine/money.h"

#include <cstdio>

namespace kenes::payroll {
namespace {

// Calendar arithmetic on plain integers (the proleptic Gregorian calendar, any year): the engine
// converts dates for every row, and std::chrono's calendar types cost more than this (validity
// checks, conversions through several types). Years are counted from 1 March, so that the leap
// day is the last of its year; a 400-year era has 146097 days.
constexpr std::int32_t kDaysTo1970 = 719468;  // from 0000-03-01 to 1970-01-01
constexpr int kDaysPerEra = 146097;

// a / b rounded down, for b > 0 (eras before year 0 have negative numbers).
constexpr int FloorDiv(int a, int b) { return a / b - (a % b < 0 ? 1 : 0); }

constexpr bool IsLeap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr unsigned DaysInMonth(int y, unsigned m) {
  constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
}

// REQUIRES: 1 <= m <= 12, 1 <= d <= DaysInMonth(y, m).
constexpr Date DaysFromCivil(int y, unsigned m, unsigned d) {
  const int y_march = y - (m <= 2 ? 1 : 0);  // the year that starts on 1 March
  const int era = FloorDiv(y_march, 400);
  const auto year_of_era = static_cast<unsigned>(y_march - era * 400);           // 0-399
  const unsigned day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // 0-365
  const unsigned day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // 0-146096
  // In 64 bits: near the ends of the int32 range of days, era * 146097 passes INT_MAX.
  return Date{
      static_cast<std::int32_t>(std::int64_t{era} * kDaysPerEra + day_of_era - kDaysTo1970)};
}

constexpr YearMonthDay CivilFromDays(Date date) {
  // In 64 bits so that no int32 day number overflows on the shift.
  const std::int64_t z = static_cast<std::int64_t>(date.days) + kDaysTo1970;
  const std::int64_t era = (z >= 0 ? z : z - (kDaysPerEra - 1)) / kDaysPerEra;
  const auto day_of_era = static_cast<unsigned>(z - era * kDaysPerEra);  // 0-146096
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // 0-399
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // 0-365
  const unsigned month_from_march = (5 * day_of_year + 2) / 153;               // 0-11
  const unsigned day = day_of_year - (153 * month_from_march + 2) / 5 + 1;     // 1-31
  const unsigned month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  const auto year =
      static_cast<int>(static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0));
  return YearMonthDay{year, month, day};
}

static_assert(DaysFromCivil(1970, 1, 1).days == 0);
static_assert(DaysFromCivil(2000, 3, 1).days == 11017);
static_assert(DaysFromCivil(1600, 1, 1).days == -135140);
static_assert(CivilFromDays(Date{11016}).month == 2 && CivilFromDays(Date{11016}).day == 29);
static_assert(CivilFromDays(Date{-135140}).year == 1600 && CivilFromDays(Date{-1}).year == 1969);

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
  YearMonthDay ymd;
  return ParseIsoDate(s, &ymd);
}

std::optional<Date> ParseIsoDate(std::string_view s, YearMonthDay* ymd) {
  // Fixed positions, no loops: every row has three dates. A byte that is not a digit gives a
  // value above 9 (unsigned arithmetic wraps below '0').
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  const auto digit = [&](size_t i) { return static_cast<unsigned>(s[i]) - '0'; };
  const unsigned y0 = digit(0), y1 = digit(1), y2 = digit(2), y3 = digit(3), m0 = digit(5),
                 m1 = digit(6), d0 = digit(8), d1 = digit(9);
  // `|` rather than `||`: one test instead of eight branches.
  if ((y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (m0 > 9) | (m1 > 9) | (d0 > 9) | (d1 > 9)) {
    return std::nullopt;
  }
  const int y = static_cast<int>(y0 * 1000 + y1 * 100 + y2 * 10 + y3);
  const unsigned m = m0 * 10 + m1, d = d0 * 10 + d1;
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) {
    return std::nullopt;
  }
  *ymd = YearMonthDay{y, m, d};
  return DaysFromCivil(y, m, d);
}

namespace {
// Writes the decimal digits of v, at least `min_digits` of them, at `p`; returns the end.
char* WriteDigits(char* p, std::uint64_t v, int min_digits = 1) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < min_digits) buf[n++] = '0';
  while (n > 0) *p++ = buf[--n];
  return p;
}

void AppendDigits(std::string& out, std::uint64_t v, int min_digits = 1) {
  char buf[24];
  out.append(buf, WriteDigits(buf, v, min_digits));
}
}  // namespace

char* WriteInteger(char* p, std::int64_t v) {
  if (v >= 0) return WriteDigits(p, static_cast<std::uint64_t>(v));
  *p++ = '-';
  return WriteDigits(p, static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(v));
}

char* WritePounds(char* p, Pence v) {
  const bool negative = v < 0;
  const std::uint64_t a = negative ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(v)
                                   : static_cast<std::uint64_t>(v);
  if (negative) *p++ = '-';
  *p++ = '\xC2';  // "£" in UTF-8
  *p++ = '\xA3';
  p = WriteDigits(p, a / 100);
  *p++ = '.';
  return WriteDigits(p, a % 100, 2);
}

char* WriteHours(char* p, MilliHours h) {
  p = WriteDigits(p, static_cast<std::uint64_t>(h / 1000));
  std::uint64_t frac = static_cast<std::uint64_t>(h % 1000);
  if (frac == 0) return p;
  int digits = 3;
  while (frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  *p++ = '.';
  return WriteDigits(p, frac, digits);
}

void AppendInteger(std::string& out, std::int64_t v) {
  char buf[kMaxNumberChars];
  out.append(buf, WriteInteger(buf, v));
}

void AppendDate(std::string& out, Date d) {
  const YearMonthDay c = CivilFromDays(d);
  AppendDigits(out, static_cast<std::uint64_t>(c.year), 4);
  out.push_back('-');
  AppendDigits(out, c.month, 2);
  out.push_back('-');
  AppendDigits(out, c.day, 2);
}

void AppendPounds(std::string& out, Pence p) {
  char buf[kMaxNumberChars];
  out.append(buf, WritePounds(buf, p));
}

void AppendHours(std::string& out, MilliHours h) {
  char buf[kMaxNumberChars];
  out.append(buf, WriteHours(buf, h));
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

std::int64_t internal::MulDivRoundHalfUpWide(std::int64_t a, std::int64_t b, std::int64_t c) {
  const Wide product = static_cast<Wide>(a) * b;
  return static_cast<std::int64_t>((product * 2 + c) / (static_cast<Wide>(c) * 2));
}

int AgeOn(Date born, Date on) { return AgeOn(CivilFromDays(born), CivilFromDays(on)); }

int AgeOn(const YearMonthDay& b, const YearMonthDay& o) {
  int age = o.year - b.year;
  if (o.month < b.month || (o.month == b.month && o.day < b.day)) --age;
  return age;
}

Date LastDayOfOneMonthFrom(Date start) {
  const YearMonthDay s = CivilFromDays(start);
  const int year = s.month == 12 ? s.year + 1 : s.year;
  const unsigned month = s.month == 12 ? 1 : s.month + 1;
  const unsigned last = DaysInMonth(year, month);
  // The same day next month, less a day; when that day does not exist (31 Jan), the period may
  // run to the end of the next month.
  if (s.day <= last) return Date{DaysFromCivil(year, month, s.day).days - 1};
  return DaysFromCivil(year, month, last);
}

}  // namespace kenes::payroll
