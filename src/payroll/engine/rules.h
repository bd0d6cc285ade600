// The pay rules the engine applies, loaded from a versioned TOML file (rules/uk_pay.toml, compiled
// in as the default): minimum wage bands and the accommodation offset by effective date, and the
// Seasonal Worker route's minimum pay and guaranteed hours. New rates are new entries in that
// file, never code. Thread-safe once loaded (immutable).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "payroll/engine/money.h"

namespace kenes::payroll {

struct AgeBand {
  std::string name;  // "NLW 21+", "18-20"
  int min_age = 0;
  Pence rate = 0;  // per hour
};

struct WagePeriod {
  Date from;
  std::vector<AgeBand> bands;  // highest min_age first; the last has min_age 0
  Pence apprentice_rate = 0;
  Pence offset_daily = 0;  // accommodation offset per full day; the weekly maximum is 7 days
  std::string source;

  // The band for a worker of `age`.
  const AgeBand& BandFor(int age) const;
  // The top band (the National Living Wage).
  const AgeBand& Top() const { return bands.front(); }
};

enum class SeasonalBasis { kWorkerMinimumWage, kFixed, kNationalLivingWage };

struct SeasonalMinimum {
  Date from;
  SeasonalBasis basis = SeasonalBasis::kWorkerMinimumWage;
  Pence fixed_rate = 0;
  std::string source;
};

struct SeasonalHours {
  Date from;
  int hours_per_week = 0;
  std::string source;
};

// The entry in force on each day, for a list of entries by effective date: one load instead of a
// binary search whose branches mispredict (the checker asks for every row, with the rows' dates
// in any order). Covers the days from the first entry's date to the last's.
class DayIndex {
 public:
  // REQUIRES: `froms` strictly increasing.
  void Build(const std::vector<Date>& froms);
  // Whether Find answers (not for an absurdly long span or too many entries).
  bool ok() const { return ok_; }
  // The index of the entry in force on `day`, or -1 before the first. REQUIRES: ok().
  int Find(Date day) const {
    if (day < first_) return -1;
    if (day >= last_) return last_entry_;
    return slots_[static_cast<size_t>(day.days - first_.days)];
  }

 private:
  bool ok_ = false;
  Date first_, last_;
  int last_entry_ = -1;
  std::vector<std::uint16_t> slots_;
};

class Rules {
 public:
  // Parses and validates a rules file. Errors (kInvalidArgument) name `name`, the line and the
  // problem: unknown keys, missing fields, dates out of order, bands not ending at age 0, ...
  static core::Result<Rules> Parse(std::string_view toml_text, const std::string& name);
  // The rules compiled from rules/uk_pay.toml.
  static const Rules& Builtin();

  const std::string& version() const { return version_; }
  // The entry in force on `day`, or null before the first one.
  const WagePeriod* WageOn(Date day) const;
  const SeasonalMinimum* SeasonalMinimumOn(Date day) const;
  const SeasonalHours* SeasonalHoursOn(Date day) const;
  const std::vector<WagePeriod>& wage_periods() const { return wages_; }

 private:
  std::string version_;
  std::vector<WagePeriod> wages_;
  std::vector<SeasonalMinimum> seasonal_minimum_;
  std::vector<SeasonalHours> seasonal_hours_;
  DayIndex wage_index_, seasonal_minimum_index_, seasonal_hours_index_;
};

// The text of rules/uk_pay.toml as compiled in.
std::string_view BuiltinRulesText();

}  // namespace kenes::payroll
