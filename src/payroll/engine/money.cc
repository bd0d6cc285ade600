#include "payroll/engine/money.h"

#include <charconv>
#include <chrono>

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

namespace {

// Writes `v` (>= 0) as decimal digits at `out`; returns the end. No locale, no printf: these run
// for every finding of a multi-million-row file.
char* Digits(char* out, std::int64_t v) { return std::to_chars(out, out + 20, v).ptr; }

char* Padded(char* out, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + width;
}

}  // namespace

std::string FormatDate(Date d) {
  const auto ymd = ToCivil(d);
  char buf[16];
  char* p = Padded(buf, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  *p++ = '-';
  p = Padded(p, static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  p = Padded(p, static_cast<unsigned>(ymd.day()), 2);
  return std::string(buf, p);
}

std::string FormatPounds(Pence pence) {
  char buf[40];
  char* p = buf;
  if (pence < 0) *p++ = '-';
  const std::int64_t a = pence < 0 ? -pence : pence;
  *p++ = '\xC2';  // £ in UTF-8
  *p++ = '\xA3';
  p = Digits(p, a / 100);
  *p++ = '.';
  p = Padded(p, static_cast<unsigned>(a % 100), 2);
  return std::string(buf, p);
}

std::string FormatHours(MilliHours h) {
  char buf[40];
  char* p = Digits(buf, h / 1000);
  const auto frac = static_cast<unsigned>(h % 1000);
  if (frac != 0) {
    *p++ = '.';
    p = Padded(p, frac, 3);
    while (p[-1] == '0') --p;
  }
  return std::string(buf, p);
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
