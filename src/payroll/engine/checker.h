// The compliance checks for one pay reference period (PRP): UK minimum wage with the
// accommodation offset, recruitment fees, and the Seasonal Worker route's minimum pay and
// guaranteed hours; with arrears revalued at today's rate (HMRC). Pure: no I/O.
// Thread-safe: a Checker is immutable after construction and may be shared by threads.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "payroll/engine/money.h"
#include "payroll/engine/rules.h"

namespace kenes::payroll {

// One payslip row, already parsed. Strings point into the caller's buffer.
struct Payslip {
  std::string_view worker_ref;
  std::string_view provider_ref;
  Date date_of_birth;
  Date period_start;  // inclusive
  Date period_end;    // inclusive
  MilliHours hours_worked = 0;
  MilliHours hours_paid = 0;
  Pence gross_pay = 0;
  int accommodation_days = 0;
  Pence accommodation_charge = 0;
  Pence deductions_employer_benefit = 0;
  Pence recruitment_fee = 0;
  bool seasonal = false;
  bool apprentice = false;
  // Optional: the worker's age on period_start, when the caller has it already (the file reader
  // works it out from the parsed years, months and days). Negative: the checker works it out.
  // When set, it must equal AgeOn(date_of_birth, period_start).
  int age_on_start = -1;
};

enum class RuleId {
  kNmwUnderpayment,
  kAccommodationOffsetExceeded,
  kRecruitmentFee,
  kSeasonalMinRate,
  kSeasonalHoursGuarantee,
};
inline constexpr int kRuleCount = 5;
std::string_view RuleName(RuleId rule);  // "nmw.underpayment", ...

enum class Severity { kViolation, kWarning };
std::string_view SeverityName(Severity s);

struct Finding {
  RuleId rule = RuleId::kNmwUnderpayment;
  Severity severity = Severity::kViolation;
  Pence required = 0;   // what the rule requires (pay, or the lawful accommodation charge)
  Pence paid = 0;       // what was paid (or charged)
  Pence shortfall = 0;  // required - paid, > 0
  Pence arrears = 0;    // what is owed now
  // Context for the explanation.
  Pence rate = 0;              // the hourly rate the rule applied
  MilliHours hours = 0;        // the hours the rule counted
  MilliHours hours_short = 0;  // seasonal.hours_guarantee only
  int days = 0;                // accommodation days, or PRP days for the hours guarantee
  std::string_view band;       // age band name (points into the Rules)
};

// At most one finding per rule per payslip.
struct Findings {
  std::array<Finding, kRuleCount> items;
  int count = 0;
  void Add(const Finding& f) { items[static_cast<size_t>(count++)] = f; }
};

class Checker {
 public:
  // REQUIRES: `rules` outlives the checker. `as_of` is "now" for arrears revaluation.
  Checker(const Rules& rules, Date as_of);

  // Why `slip` cannot be checked (empty when it can): dates out of order, a PRP longer than a
  // month, more accommodation days than the PRP has, birth after the PRP, no rates for the date.
  std::string_view Invalid(const Payslip& slip) const;

  // The findings for `slip`. REQUIRES: Invalid(slip) is empty.
  Findings Check(const Payslip& slip) const;

  // Invalid() then Check() in one call: the reason `slip` cannot be checked (then `out` is
  // untouched), or empty with the findings in `out` (whatever it held before is replaced, so
  // callers may reuse one Findings for every row).
  std::string_view CheckInto(const Payslip& slip, Findings* out) const;

  const Rules& rules() const { return rules_; }

 private:
  std::string_view Invalid(const Payslip& slip, const WagePeriod* rates) const;
  // Fills `out` in place: a Findings is about 500 bytes, and returning one by value for every
  // row cost a zeroing and a copy.
  void Check(const Payslip& slip, const WagePeriod& rates, Findings* out) const;
  Pence Revalue(Pence shortfall, Pence rate_then, const AgeBand& band_then, bool apprentice) const;

  const Rules& rules_;
  Date as_of_;
  const WagePeriod* now_;  // rates in force on as_of (null before the first)
};

// The one-line explanation of `f` in "en", "ru" or "kk".
std::string Explain(const Finding& f, std::string_view language);
// The same, appended to `out`.
void AppendExplanation(std::string& out, const Finding& f, std::string_view language);

}  // namespace kenes::payroll
