// payroll_generate: writes N synthetic payslip rows as the CSV `kenes payroll check` reads, for
// bench/payroll/run.sh. Rates, calendar, rounding and number formats come from the engine it
// benchmarks (kenes_payroll_engine), so the data follows rules/uk_pay.toml as it changes.
//
//   payroll_generate --rows N --seed S --output FILE [--threads T]
//
// The mix (all drawn from the seed; the same seed and N give the same file whatever --threads):
// - PRPs starting 2023-01-01 .. 2026-10-26: 90 % weekly (Monday to Sunday), 10 % monthly
//   (1st to end of month, or 16th to 15th);
// - about N/26 workers (half a year of weekly payslips each), each with one date of birth (ages
//   17-60 on every PRP, mostly 20-45), one provider among 500, housed or not (half), on the
//   Seasonal Worker route or not (a tenth);
// - hours worked 20-55 a week in quarter hours (pro rata for monthly PRPs); hours paid = hours
//   worked, except seasonal workers, who are mostly paid 32+ hours a week;
// - pay: the minimum wage in force on the PRP's first day for the worker's age band (the rates
//   of rules/uk_pay.toml, read through the engine), 45 % exactly at it, the rest up to 40 % above;
//   seasonal workers at the route minimum (the NLW since 12 Apr 2023); about 5 % of rows are
//   underpaid by 0.5-6 % of what the minimum wage requires, after the accommodation offset and
//   deductions;
// - accommodation for housed workers: 5-7 days a week (the whole month less 0-2 days for monthly
//   PRPs), a fifth free, half charged at 60-100 % of the offset, the rest 100-150 % of it;
// - employer-benefit deductions (uniform, tools, transport) on 12 % of rows, recruitment fees on
//   0.5 %.
// Rows are valid: `kenes payroll check` rejects none of them.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "payroll/engine/money.h"
#include "payroll/engine/rules.h"

namespace {

using kenes::payroll::Date;
using kenes::payroll::MulDivRoundHalfUp;
using kenes::payroll::Rules;

// Days since 1970-01-01 of a calendar day.
int Day(int y, unsigned m, unsigned d) {
  const std::chrono::sys_days days{std::chrono::year{y} / std::chrono::month{m} /
                                   std::chrono::day{d}};
  return static_cast<int>(days.time_since_epoch().count());
}

unsigned DaysInMonth(int y, unsigned m) {
  return static_cast<unsigned>(
      (std::chrono::year{y} / std::chrono::month{m} / std::chrono::last).day());
}

// --- rules: the engine's own (rules/uk_pay.toml), so generated pay follows the rates it checks --
const Rules& PayRules() { return Rules::Builtin(); }

// The hourly minimum for `age` on `start`.
int RateFor(int start, int age) {
  return static_cast<int>(PayRules().WageOn(Date{start})->BandFor(age).rate);
}

int OffsetDaily(int start) {
  return static_cast<int>(PayRules().WageOn(Date{start})->offset_daily);
}

// The Seasonal Worker route's minimum hourly pay on `start` (the generated periods start in 2023
// or later, after the route left the worker's own minimum wage).
int SeasonalRate(int start) {
  const auto* m = PayRules().SeasonalMinimumOn(Date{start});
  if (m->basis == kenes::payroll::SeasonalBasis::kFixed) return static_cast<int>(m->fixed_rate);
  return static_cast<int>(PayRules().WageOn(Date{start})->Top().rate);
}

// --- randomness: splitmix64, deterministic per (seed, stream) ----------------------------------
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) for n < 2^32 (Lemire's multiply-shift, without the rejection step).
  std::uint64_t Below(std::uint64_t n) { return ((Next() >> 32) * n) >> 32; }
  // Uniform in [lo, hi].
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }

 private:
  std::uint64_t state_;
};

// --- workers -----------------------------------------------------------------------------------
struct Worker {
  int dob;
  int provider;  // 1..500
  bool housed;
  bool seasonal;
};

const int kFirstMonday = Day(2023, 1, 2);
const int kLastMonday = Day(2026, 10, 26);

Worker MakeWorker(std::uint64_t seed, std::uint64_t id) {
  Rng r(Mix(seed ^ Mix(id + 0x5EED)));
  Worker w;
  // Age on 2025-01-01: 12 % 19-20, 73 % 21-45, 15 % 46-58, so that the age on any PRP start
  // (2023-01-02 .. 2026-10-26) is within 17-60.
  const double u = r.Unit();
  const int age = u < 0.12 ? r.Between(19, 20) : u < 0.85 ? r.Between(21, 45) : r.Between(46, 58);
  w.dob = Day(2025 - age, 1, 1) - r.Between(0, 364);
  w.provider = r.Between(1, 500);
  w.housed = r.Chance(0.5);
  w.seasonal = r.Chance(0.1);
  return w;
}

// --- formatting: the engine's writers, plus pounds without the currency sign --------------------
void PutPounds(std::string& out, std::int64_t pence) {
  kenes::payroll::AppendInteger(out, pence / 100);
  out.push_back('.');
  if (pence % 100 < 10) out.push_back('0');
  kenes::payroll::AppendInteger(out, pence % 100);
}

// --- rows ----------------------------------------------------------------------------------------
constexpr std::uint64_t kChunkRows = 1 << 16;

// Appends rows [first, first + count) to `out`.
void Generate(std::uint64_t seed, std::uint64_t workers, std::uint64_t first, std::uint64_t count,
              std::string& out) {
  Rng r(Mix(seed ^ Mix(first / kChunkRows + 1)));
  const int mondays = (kLastMonday - kFirstMonday) / 7 + 1;
  for (std::uint64_t row = first; row < first + count; ++row) {
    const std::uint64_t worker_id = r.Below(workers);
    const Worker w = MakeWorker(seed, worker_id);

    // The pay reference period.
    int start, end;
    if (r.Chance(0.9)) {
      start = kFirstMonday + 7 * r.Between(0, mondays - 1);
      end = start + 6;
    } else {
      const int month_index = r.Between(0, 45);  // Jan 2023 .. Oct 2026
      const int y = 2023 + month_index / 12;
      const unsigned m = static_cast<unsigned>(month_index % 12 + 1);
      if (r.Chance(0.8)) {
        start = Day(y, m, 1);
        end = Day(y, m, DaysInMonth(y, m));
      } else {
        start = Day(y, m, 16);
        end = Day(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 15);
      }
    }
    const int prp_days = end - start + 1;

    // Hours, in milli-hours; a week's hours in quarter hours, pro rata for longer PRPs.
    const int week_quarters = w.seasonal ? r.Between(32 * 4, 55 * 4) : r.Between(20 * 4, 55 * 4);
    const std::int64_t hours_worked = MulDivRoundHalfUp(week_quarters, prp_days, 7) * 250;
    std::int64_t hours_paid = hours_worked;
    if (w.seasonal && r.Chance(0.05)) {
      // Paid for fewer hours than the 32-hour weekly guarantee.
      hours_paid = MulDivRoundHalfUp(r.Between(24 * 4, 31 * 4 + 3), prp_days, 7) * 250;
    }

    // The minimum wage for the worker's band on the PRP's first day.
    const int age = kenes::payroll::AgeOn(Date{w.dob}, Date{start});
    const int rate = RateFor(start, age);
    const std::int64_t required = MulDivRoundHalfUp(hours_worked, rate, 1000);

    // Accommodation, deductions and fees.
    int accommodation_days = 0;
    std::int64_t charge = 0, effect = 0;
    if (w.housed) {
      accommodation_days = prp_days == 7 ? r.Between(5, 7) : prp_days - r.Between(0, 2);
      const std::int64_t offset =
          static_cast<std::int64_t>(OffsetDaily(start)) * accommodation_days;
      const double u = r.Unit();
      if (u < 0.2) {
        charge = 0;
        effect = offset;
      } else if (u < 0.7) {
        charge = offset * r.Between(60, 100) / 100;
      } else {
        charge = offset * r.Between(101, 150) / 100;
        effect = -(charge - offset);
      }
    }
    const std::int64_t deductions = r.Chance(0.12) ? r.Between(500, 4000) : 0;
    const std::int64_t fee = r.Chance(0.005) ? r.Between(100, 900) * 100 : 0;

    // Pay for minimum-wage purposes, then the gross that produces it.
    const bool underpaid = r.Chance(0.05);
    std::int64_t nmw_pay;
    if (underpaid) {
      const int per_mille_short = r.Between(5, 60);
      nmw_pay = required - std::max<std::int64_t>(1, required * per_mille_short / 1000);
    } else {
      const double u = r.Unit();
      const int premium_per_mille = (w.seasonal || u < 0.45) ? 0
                                    : u < 0.8                ? r.Between(1, 100)
                                                             : r.Between(100, 400);
      nmw_pay = required + (required * premium_per_mille + 999) / 1000;
    }
    std::int64_t gross = nmw_pay + deductions - effect;
    if (w.seasonal && !underpaid) {
      // Seasonal workers: basic pay at the route minimum for the hours paid.
      gross = std::max(gross, MulDivRoundHalfUp(hours_paid, SeasonalRate(start), 1000));
    }

    // worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay,hours_paid,
    // accommodation_days,accommodation_charge,deductions_employer_benefit,recruitment_fee,route,
    // provider_ref
    out.push_back('W');
    const std::string id = std::to_string(worker_id + 1);
    out.append(7 - std::min<size_t>(7, id.size()), '0').append(id);
    out.push_back(',');
    kenes::payroll::AppendDate(out, Date{w.dob});
    out.push_back(',');
    kenes::payroll::AppendDate(out, Date{start});
    out.push_back(',');
    kenes::payroll::AppendDate(out, Date{end});
    out.push_back(',');
    kenes::payroll::AppendHours(out, hours_worked);
    out.push_back(',');
    PutPounds(out, gross);
    out.push_back(',');
    kenes::payroll::AppendHours(out, hours_paid);
    out.push_back(',');
    if (w.housed) kenes::payroll::AppendInteger(out, accommodation_days);
    out.push_back(',');
    if (w.housed) PutPounds(out, charge);
    out.push_back(',');
    if (deductions > 0) PutPounds(out, deductions);
    out.push_back(',');
    if (fee > 0) PutPounds(out, fee);
    out.push_back(',');
    if (w.seasonal) out.append("seasonal");
    out.append(",P");
    const std::string provider = std::to_string(w.provider);
    out.append(4 - std::min<size_t>(4, provider.size()), '0').append(provider);
    out.push_back('\n');
  }
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "payroll_generate: %s\nusage: payroll_generate --rows N --seed S --output FILE "
               "[--threads T]\n",
               why);
  std::exit(2);
}

bool ParseU64(std::string_view s, std::uint64_t& v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t rows = 0, seed = 1, threads = std::max(1u, std::thread::hardware_concurrency());
  bool have_rows = false;
  std::string output;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) Usage("missing value");
    const std::string_view v = argv[++i];
    if (a == "--rows") {
      if (!ParseU64(v, rows)) Usage("--rows: not a number");
      have_rows = true;
    } else if (a == "--seed") {
      if (!ParseU64(v, seed)) Usage("--seed: not a number");
    } else if (a == "--threads") {
      if (!ParseU64(v, threads) || threads == 0 || threads > 256) Usage("--threads: 1-256");
    } else if (a == "--output") {
      output = v;
    } else {
      Usage("unknown option");
    }
  }
  if (!have_rows || output.empty()) Usage("--rows and --output are required");

  std::FILE* f = output == "-" ? stdout : std::fopen(output.c_str(), "wb");
  if (f == nullptr) {
    std::perror(output.c_str());
    return 1;
  }
  const char* header =
      "worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay,hours_paid,"
      "accommodation_days,accommodation_charge,deductions_employer_benefit,recruitment_fee,route,"
      "provider_ref\n";
  bool ok = std::fputs(header, f) >= 0;

  // Chunks of kChunkRows rows, each with its own random stream, generated T at a time.
  const std::uint64_t workers = std::max<std::uint64_t>(1000, rows / 26);
  const std::uint64_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  std::vector<std::string> buffers(threads);
  for (auto& b : buffers) b.reserve(kChunkRows * 128);
  for (std::uint64_t base = 0; base < chunks && ok; base += threads) {
    const std::uint64_t n = std::min<std::uint64_t>(threads, chunks - base);
    auto work = [&](std::uint64_t t) {
      const std::uint64_t first = (base + t) * kChunkRows;
      buffers[t].clear();
      Generate(seed, workers, first, std::min(kChunkRows, rows - first), buffers[t]);
    };
    std::vector<std::thread> pool;
    for (std::uint64_t t = 1; t < n; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    for (std::uint64_t t = 0; t < n && ok; ++t) {
      ok = std::fwrite(buffers[t].data(), 1, buffers[t].size(), f) == buffers[t].size();
    }
  }
  if (std::fflush(f) != 0) ok = false;
  if (f != stdout && std::fclose(f) != 0) ok = false;
  if (!ok) {
    std::perror(output.c_str());
    return 1;
  }
  return 0;
}
