#include "payroll/engine/rules.h"

#include <gtest/gtest.h>

namespace kenes::payroll {
namespace {

Date D(const char* s) { return *ParseIsoDate(s); }

TEST(RulesTest, BuiltinRulesLoadAndAnswerByDate) {
  const Rules& r = Rules::Builtin();
  EXPECT_FALSE(r.version().empty());
  EXPECT_EQ(r.WageOn(D("2019-03-31")), nullptr);
  EXPECT_EQ(r.WageOn(D("2019-04-01"))->Top().rate, 821);
  EXPECT_EQ(r.WageOn(D("2025-03-31"))->Top().rate, 1144);
  EXPECT_EQ(r.WageOn(D("2025-04-01"))->Top().rate, 1221);
  EXPECT_EQ(r.WageOn(D("2030-01-01"))->Top().rate, 1271);
  // Band structure by era.
  EXPECT_EQ(r.WageOn(D("2020-06-01"))->BandFor(24).name, "21-24");
  EXPECT_EQ(r.WageOn(D("2020-06-01"))->BandFor(25).rate, 872);
  EXPECT_EQ(r.WageOn(D("2022-06-01"))->BandFor(23).rate, 950);
  EXPECT_EQ(r.WageOn(D("2022-06-01"))->BandFor(22).rate, 918);
  EXPECT_EQ(r.WageOn(D("2024-06-01"))->BandFor(21).rate, 1144);
  EXPECT_EQ(r.WageOn(D("2024-06-01"))->BandFor(17).rate, 640);
  EXPECT_EQ(r.WageOn(D("2025-06-01"))->offset_daily, 1066);
  // Seasonal route.
  EXPECT_EQ(r.SeasonalMinimumOn(D("2022-04-05"))->basis, SeasonalBasis::kWorkerMinimumWage);
  EXPECT_EQ(r.SeasonalMinimumOn(D("2022-04-06"))->fixed_rate, 1010);
  EXPECT_EQ(r.SeasonalMinimumOn(D("2023-04-11"))->basis, SeasonalBasis::kFixed);
  EXPECT_EQ(r.SeasonalMinimumOn(D("2023-04-12"))->basis, SeasonalBasis::kNationalLivingWage);
  EXPECT_EQ(r.SeasonalHoursOn(D("2023-03-31")), nullptr);
  EXPECT_EQ(r.SeasonalHoursOn(D("2023-04-01"))->hours_per_week, 32);
  for (const auto& w : r.wage_periods()) {
    EXPECT_FALSE(w.source.empty());
    EXPECT_EQ(w.bands.back().min_age, 0);
  }
}

TEST(RulesTest, NextAprilIsADataChange) {
  std::string text(BuiltinRulesText());
  text += R"(
[[minimum_wage]]
effective_from = 2027-04-01
bands = [ { name = "NLW 20+", min_age = 20, pence = 1320 }, { name = "18-19", min_age = 18, pence = 1100 }, { name = "under 18", min_age = 0, pence = 850 } ]
apprentice_pence = 850
accommodation_offset_daily_pence = 1150
source = "illustrative"
)";
  auto r = Rules::Parse(text, "next.toml");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->WageOn(D("2027-04-01"))->BandFor(20).rate, 1320);
  EXPECT_EQ(r->WageOn(D("2027-03-31"))->BandFor(20).rate, 1085);
}

TEST(RulesTest, ProblemsNameTheFileAndLine) {
  const char* bad = R"(version = "x"

[[minimum_wage]]
effective_from = 2020-04-01
bands = [ { name = "all", min_age = 18, pence = 800 } ]
apprentice_pence = 400
accommodation_offset_daily_pence = 800
source = "s"
colour = "blue"

[[minimum_wage]]
effective_from = 2019-04-01
bands = [ { name = "all", min_age = 0, pence = -5 } ]
apprentice_pence = 400
accommodation_offset_daily_pence = 800
source = "s"

[[seasonal_minimum]]
effective_from = 2022-04-06
basis = "generous"
source = "s"

[[seasonal_hours]]
effective_from = 2023-04-01
hours_per_week = 32
source = "s"
)";
  auto r = Rules::Parse(bad, "bad.toml");
  ASSERT_FALSE(r.has_value());
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("bad.toml:9: unknown key 'colour'"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.toml:5:"), std::string::npos) << m;  // last band must be min_age 0
  EXPECT_NE(m.find("min_age = 0"), std::string::npos) << m;
  EXPECT_NE(m.find("'pence' must be between"), std::string::npos) << m;
  EXPECT_NE(m.find("basis must be nmw, nlw or fixed"), std::string::npos) << m;
  EXPECT_NE(m.find("strictly increasing"), std::string::npos) << m;
  auto syntax = Rules::Parse("version = \n", "syntax.toml");
  ASSERT_FALSE(syntax.has_value());
  EXPECT_EQ(syntax.error().message.rfind("syntax.toml:1:", 0), 0u) << syntax.error().message;
}

TEST(RulesTest, DayLookupsMatchTheEntryInForce) {
  // The day index against a plain scan, from before the first entry to after the last.
  const Rules& rules = Rules::Builtin();
  const auto& wages = rules.wage_periods();
  ASSERT_FALSE(wages.empty());
  for (int day = wages.front().from.days - 3; day <= wages.back().from.days + 3; ++day) {
    const WagePeriod* want = nullptr;
    for (const auto& w : wages) {
      if (w.from.days <= day) want = &w;
    }
    EXPECT_EQ(rules.WageOn(Date{day}), want) << FormatDate(Date{day});
  }
}

}  // namespace
}  // namespace kenes::payroll
