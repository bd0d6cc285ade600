#include "core/clock.h"

#include <cstdio>
#include <ctime>

namespace kenes::core {
namespace {

class WallClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

const Clock& SystemClock() {
  static const WallClock clock;
  return clock;
}

std::string FormatUtc(TimePoint t) {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace): local, for readability
  const auto us = time_point_cast<microseconds>(t);
  const auto days = floor<std::chrono::days>(us);
  const year_month_day ymd{days};
  const hh_mm_ss hms{us - days};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buf;
}

std::optional<TimePoint> ParseUtc(std::string_view s) {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace)
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d)) {
    return std::nullopt;
  }
  // system_clock counts nanoseconds in 64 bits (years 1677-2262): refuse what cannot be held
  // instead of overflowing.
  if (y < 1700 || y > 2200) return std::nullopt;
  const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok()) return std::nullopt;
  TimePoint t = sys_days{ymd};
  if (s.size() == 10) return t;
  if (s.size() < 20 || s[10] != 'T' || !Digits(s, 11, 2, &h) || s[13] != ':' ||
      !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &se) || h > 23 || mi > 59 ||
      se > 60) {
    return std::nullopt;
  }
  t += hours{h} + minutes{mi} + seconds{se};
  size_t pos = 19;
  if (s[pos] == '.') {
    ++pos;
    long long frac = 0;
    int ndigits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (ndigits < 6) {
        frac = frac * 10 + (s[pos] - '0');
        ++ndigits;
      }
      ++pos;
    }
    if (ndigits == 0) return std::nullopt;
    for (int i = ndigits; i < 6; ++i) frac *= 10;
    t += microseconds{frac};
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
  return t;
}

}  // namespace kenes::core
