// The codes cases are classified with: the 11 ILO forced-labour indicators and the labour-rights
// categories, with names in Kazakh, Russian and English, and the risk score (reference §4).
// Thread-safe: constant tables and pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kenes::cases {

struct Code {
  std::string_view code;
  std::string_view en, ru, kk;
};

const std::vector<Code>& Indicators();
const std::vector<Code>& Categories();
bool IsIndicator(std::string_view code);
bool IsCategory(std::string_view code);

// Indicator flags: code -> "strong" or "medium".
using IndicatorFlags = std::map<std::string, std::string>;

// The indicators a reported category suggests, as medium flags (an officer confirms them).
IndicatorFlags SuggestedIndicators(const std::vector<std::string>& categories);

// The category a payroll compliance finding falls under ("" for none): nmw.underpayment and
// seasonal.min_rate → pay_below_minimum, seasonal.hours_guarantee → hours_below_guarantee,
// fees.recruitment → unlawful_fees, accommodation.offset_exceeded → accommodation.
std::string_view CategoryForPayrollRule(std::string_view rule);

struct Risk {
  int score = 0;          // strong 30, medium 8 (the GLAA licensing scale)
  std::string level;      // "low", "medium", "high"
  bool escalate = false;  // violence, documents, debt bondage or withheld wages: at once
};
Risk ScoreRisk(const IndicatorFlags& flags);

}  // namespace kenes::cases
