// The seven worked examples of REFERENCE.md section 1.7 (each with the rates it states), and the
// boundaries: paying exactly the minimum, one penny less, a PRP starting on 31 March, a birthday
// inside the PRP, the seasonal route, fees and arrears by band.
#include "payroll/engine/checker.h"

#include <gtest/gtest.h>

#include <optional>

namespace kenes::payroll {
namespace {

Date D(const char* s) { return *ParseIsoDate(s); }

// Rules with one band for everyone, pinned to an example's figures.
Rules Pinned(Pence rate_then, Pence offset_then, Pence rate_now) {
  const std::string text =
      "version = \"pinned\"\n"
      "[[minimum_wage]]\neffective_from = 2012-10-01\n"
      "bands = [ { name = \"all\", min_age = 0, pence = " +
      std::to_string(rate_then) +
      " } ]\n"
      "apprentice_pence = 100\naccommodation_offset_daily_pence = " +
      std::to_string(offset_then) +
      "\nsource = \"example\"\n"
      "[[minimum_wage]]\neffective_from = 2013-10-01\n"
      "bands = [ { name = \"all\", min_age = 0, pence = " +
      std::to_string(rate_now) +
      " } ]\n"
      "apprentice_pence = 100\naccommodation_offset_daily_pence = 500\nsource = \"example\"\n"
      "[[seasonal_minimum]]\neffective_from = 2012-01-01\nbasis = \"nmw\"\nsource = \"s\"\n"
      "[[seasonal_hours]]\neffective_from = 2030-01-01\nhours_per_week = 32\nsource = \"s\"\n";
  auto r = Rules::Parse(text, "pinned");
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return std::move(*r);
}

Payslip Slip(const char* start, const char* end, double hours, Pence gross) {
  Payslip s;
  s.worker_ref = "W1";
  s.date_of_birth = D("1980-01-01");
  s.period_start = D(start);
  s.period_end = D(end);
  s.hours_worked = static_cast<MilliHours>(hours * 1000 + 0.5);
  s.hours_paid = s.hours_worked;
  s.gross_pay = gross;
  return s;
}

const Finding* Find(const Findings& f, RuleId rule) {
  for (int i = 0; i < f.count; ++i) {
    if (f.items[static_cast<size_t>(i)].rule == rule) return &f.items[static_cast<size_t>(i)];
  }
  return nullptr;
}
// From a temporary, a copy: a pointer into it would dangle.
std::optional<Finding> Find(Findings&& f, RuleId rule) {
  const Finding* found = Find(f, rule);
  return found ? std::optional<Finding>(*found) : std::nullopt;
}

TEST(WorkedExamplesTest, T1ArrearsRevaluedAtTodaysRate) {
  // Paid £200 for 40 h at £5.80; current rate £5.93 -> underpayment £32.00, arrears £32.72.
  const Rules rules = Pinned(580, 0, 593);
  const Checker c(rules, D("2014-01-01"));
  const auto f = c.Check(Slip("2013-01-07", "2013-01-13", 40, 20000));
  const Finding* u = Find(f, RuleId::kNmwUnderpayment);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->required, 23200);
  EXPECT_EQ(u->shortfall, 3200);
  EXPECT_EQ(u->arrears, 3272);
}

TEST(WorkedExamplesTest, T2BuiltinRates2022To2023) {
  // Age 45, £250 for 35 h, PRP 1-8 Dec 2022 at £9.50; recalculated April 2023 at £10.42.
  const Checker c(Rules::Builtin(), D("2023-04-15"));
  Payslip s = Slip("2022-12-01", "2022-12-08", 35, 25000);
  s.date_of_birth = D("1977-05-01");
  const auto u = Find(c.Check(s), RuleId::kNmwUnderpayment);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->required, 33250);
  EXPECT_EQ(u->shortfall, 8250);
  EXPECT_EQ(u->arrears, 9049);
  EXPECT_EQ(u->band, "NLW 23+");
}

// T3-T6: HMRC NMWM10200-10240, £6.19 x 45 h = £278.55, offset £4.82 a day. `paid` in a finding is
// the pay for minimum-wage purposes, so a rate above the example's shows it.
struct AccommodationCase {
  const char* name;
  int days;
  Pence charge;
  Pence nmw_pay;      // the example's pay for minimum-wage purposes
  bool fails_at_619;  // below £6.19 an hour
  Pence excess;       // accommodation.offset_exceeded shortfall (0: no warning)
};

TEST(WorkedExamplesTest, T3ToT6AccommodationOffset) {
  const AccommodationCase cases[] = {
      {"T3 free accommodation, 5 days", 5, 0, 30265, false, 0},
      {"T4 rent equal to the offset", 5, 2410, 27855, false, 0},
      {"T5 rent 75 a week, 5 days", 5, 7500, 22765, true, 5090},
      {"T6 rent 400 a month = 92.31 a week, 7 days", 7, 9231, 21998, true, 5857},
  };
  for (const auto& tc : cases) {
    Payslip s = Slip("2013-01-07", "2013-01-13", 45, 27855);
    s.accommodation_days = tc.days;
    s.accommodation_charge = tc.charge;
    {
      const Rules rules = Pinned(619, 482, 619);
      const auto f = Checker(rules, D("2013-02-01")).Check(s);
      EXPECT_EQ(Find(f, RuleId::kNmwUnderpayment) != nullptr, tc.fails_at_619) << tc.name;
      const Finding* warn = Find(f, RuleId::kAccommodationOffsetExceeded);
      EXPECT_EQ(warn ? warn->shortfall : 0, tc.excess) << tc.name;
      if (warn) {
        EXPECT_EQ(warn->severity, Severity::kWarning);
      }
    }
    {
      const Rules rules = Pinned(1000, 482, 1000);  // high enough to fail, showing the pay
      const auto u = Find(Checker(rules, D("2013-02-01")).Check(s), RuleId::kNmwUnderpayment);
      ASSERT_TRUE(u) << tc.name;
      EXPECT_EQ(u->paid, tc.nmw_pay) << tc.name;
    }
  }
}

TEST(WorkedExamplesTest, T7UniformDeductionPasses2024FailsIn2025) {
  // £13 x 35 h = £455 less a £40 uniform deduction = £415 -> £11.86 an hour.
  const Checker c(Rules::Builtin(), D("2025-06-30"));
  Payslip s = Slip("2024-06-03", "2024-06-09", 35, 45500);
  s.deductions_employer_benefit = 4000;
  EXPECT_EQ(c.Check(s).count, 0);
  s.period_start = D("2025-06-02");
  s.period_end = D("2025-06-08");
  const auto u = Find(c.Check(s), RuleId::kNmwUnderpayment);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->required, 42735);
  EXPECT_EQ(u->paid, 41500);
  EXPECT_EQ(u->shortfall, 1235);
}

TEST(BoundaryTest, ExactlyTheMinimumPassesOnePennyLessFails) {
  const Checker c(Rules::Builtin(), D("2025-06-30"));
  Payslip s = Slip("2025-06-02", "2025-06-08", 37.5, 45788);  // 37.5 x 12.21 = 457.875 -> 457.88
  EXPECT_EQ(c.Check(s).count, 0);
  s.gross_pay -= 1;
  const auto u = Find(c.Check(s), RuleId::kNmwUnderpayment);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->shortfall, 1);
  EXPECT_EQ(u->arrears, 1);
}

TEST(BoundaryTest, PeriodStartingOn31MarchUsesTheOldRate) {
  const Checker c(Rules::Builtin(), D("2025-06-30"));
  const Payslip s = Slip("2025-03-31", "2025-04-06", 40, 45760);  // 40 x 11.44
  EXPECT_EQ(c.Check(s).count, 0);
  const Payslip april = Slip("2025-04-01", "2025-04-07", 40, 45760);
  EXPECT_TRUE(Find(c.Check(april), RuleId::kNmwUnderpayment));
}

TEST(BoundaryTest, BirthdayInsideThePeriodKeepsTheBand) {
  const Checker c(Rules::Builtin(), D("2025-06-30"));
  Payslip s = Slip("2025-06-01", "2025-06-07", 40, 40000);  // 40 x 10.00 (18-20)
  s.date_of_birth = D("2004-06-05");                        // 21 on the 5th
  EXPECT_EQ(c.Check(s).count, 0);
  s.period_start = D("2025-06-08");
  s.period_end = D("2025-06-14");
  const auto u = Find(c.Check(s), RuleId::kNmwUnderpayment);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->band, "NLW 21+");
}

TEST(BoundaryTest, ArrearsUseTodaysRateOfTheBandThatApplied) {
  // A 23-year-old in 2020 was in the 21-24 band (£8.20): in mid-2023 that is the 21-22 rate
  // (£10.18), not the NLW for 23+ (£10.42).
  const Checker c(Rules::Builtin(), D("2023-06-01"));
  Payslip s = Slip("2020-06-01", "2020-06-07", 10, 7380);  // 10 h at 8.20 = 82.00, paid 73.80
  s.date_of_birth = D("1997-01-01");
  const auto u = Find(c.Check(s), RuleId::kNmwUnderpayment);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->band, "21-24");
  EXPECT_EQ(u->shortfall, 820);
  EXPECT_EQ(u->arrears, 1018);
  // Arrears never fall below the shortfall, even if "now" is earlier than the rates rose.
  const Checker early(Rules::Builtin(), D("2020-06-30"));
  EXPECT_EQ(Find(early.Check(s), RuleId::kNmwUnderpayment)->arrears, 820);
}

TEST(BoundaryTest, ApprenticeRate) {
  const Checker c(Rules::Builtin(), D("2025-06-30"));
  Payslip s = Slip("2025-06-02", "2025-06-08", 30, 22650);  // 30 x 7.55
  s.date_of_birth = D("2007-01-01");
  s.apprentice = true;
  EXPECT_EQ(c.Check(s).count, 0);
  s.apprentice = false;  // an 18-year-old non-apprentice needs £10.00
  EXPECT_TRUE(Find(c.Check(s), RuleId::kNmwUnderpayment));
}

TEST(SeasonalTest, RouteMinimumByPeriod) {
  const Checker c(Rules::Builtin(), D("2025-06-30"));
  // May 2022: £10.10 an hour although the NLW was £9.50.
  Payslip s = Slip("2022-05-02", "2022-05-08", 40, 40360);  // 40 x 10.09
  s.seasonal = true;
  const auto m = Find(c.Check(s), RuleId::kSeasonalMinRate);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->required, 40400);
  EXPECT_EQ(m->shortfall, 40);
  EXPECT_FALSE(Find(c.Check(s), RuleId::kNmwUnderpayment));
  s.gross_pay = 40400;
  EXPECT_FALSE(Find(c.Check(s), RuleId::kSeasonalMinRate));
  // From 12 April 2023 the NLW applies to every seasonal worker, whatever their age.
  Payslip young = Slip("2024-06-03", "2024-06-09", 40, 40 * 1000);  // 18-20 rate is fine for NMW
  young.date_of_birth = D("2005-01-01");
  young.seasonal = true;
  const auto f = c.Check(young);
  EXPECT_FALSE(Find(f, RuleId::kNmwUnderpayment));
  ASSERT_TRUE(Find(f, RuleId::kSeasonalMinRate));
  EXPECT_EQ(Find(f, RuleId::kSeasonalMinRate)->rate, 1144);
}

TEST(SeasonalTest, ThirtyTwoPaidHoursAWeek) {
  const Checker c(Rules::Builtin(), D("2025-06-30"));
  Payslip s = Slip("2024-06-03", "2024-06-09", 30, 34320);  // 30 h at 11.44
  s.seasonal = true;
  const auto h = Find(c.Check(s), RuleId::kSeasonalHoursGuarantee);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->hours, 32000);
  EXPECT_EQ(h->hours_short, 2000);
  EXPECT_EQ(h->shortfall, 2288);
  s.hours_paid = 32000;
  s.gross_pay = 36608;
  EXPECT_EQ(c.Check(s).count, 0);
  // A 30-day month: 32 x 30 / 7 = 137.143 h.
  Payslip month = Slip("2024-06-01", "2024-06-30", 137, 137 * 1144);
  month.seasonal = true;
  const auto m = Find(c.Check(month), RuleId::kSeasonalHoursGuarantee);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->hours, 137143);
  EXPECT_EQ(m->hours_short, 143);
  // Before April 2023 there was no guarantee.
  Payslip before = Slip("2023-03-06", "2023-03-12", 10, 10 * 1010);
  before.seasonal = true;
  EXPECT_FALSE(Find(c.Check(before), RuleId::kSeasonalHoursGuarantee));
}

TEST(FeesTest, AnyRecruitmentFeeIsAViolationOwedInFull) {
  const Checker c(Rules::Builtin(), D("2025-06-30"));
  Payslip s = Slip("2025-06-02", "2025-06-08", 40, 48840);
  s.recruitment_fee = 150000;
  const auto f = Find(c.Check(s), RuleId::kRecruitmentFee);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, Severity::kViolation);
  EXPECT_EQ(f->arrears, 150000);
}

TEST(ValidityTest, ReasonsAPayslipCannotBeChecked) {
  const Checker c(Rules::Builtin(), D("2025-06-30"));
  struct Case {
    Payslip slip;
    const char* why;
  };
  Payslip reversed = Slip("2025-06-08", "2025-06-02", 40, 50000);
  Payslip long_period = Slip("2025-01-31", "2025-03-01", 40, 50000);
  Payslip month_ok = Slip("2025-01-31", "2025-02-28", 40, 50000);
  Payslip too_many_days = Slip("2025-06-02", "2025-06-08", 40, 50000);
  too_many_days.accommodation_days = 8;
  Payslip unborn = Slip("2025-06-02", "2025-06-08", 40, 50000);
  unborn.date_of_birth = D("2025-06-03");
  Payslip ancient = Slip("2018-06-04", "2018-06-10", 40, 50000);
  const Case cases[] = {{reversed, "period_end is before period_start"},
                        {long_period, "the pay reference period is longer than one month"},
                        {too_many_days, "accommodation_days exceeds the days in the pay period"},
                        {unborn, "date_of_birth is after the start of the pay period"},
                        {ancient, "no minimum wage rates for a period this early"}};
  for (const auto& tc : cases) EXPECT_EQ(c.Invalid(tc.slip), tc.why);
  EXPECT_EQ(c.Invalid(month_ok), "");
}

TEST(ExplainTest, EveryRuleInThreeLanguages) {
  Finding f;
  f.required = 42735;
  f.paid = 41500;
  f.shortfall = 1235;
  f.arrears = 1235;
  f.rate = 1221;
  f.hours = 35000;
  f.band = "NLW 21+";
  f.days = 7;
  for (int r = 0; r < kRuleCount; ++r) {
    f.rule = static_cast<RuleId>(r);
    const std::string en = Explain(f, "en"), ru = Explain(f, "ru"), kk = Explain(f, "kk");
    EXPECT_NE(en.find("£"), std::string::npos) << RuleName(f.rule);
    EXPECT_NE(en, ru);
    EXPECT_NE(ru, kk);
    EXPECT_EQ(en.find('\n'), std::string::npos);
  }
  f.rule = RuleId::kNmwUnderpayment;
  EXPECT_NE(Explain(f, "en").find("short £12.35"), std::string::npos) << Explain(f, "en");
  EXPECT_NE(Explain(f, "ru").find("недоплата £12.35"), std::string::npos);
  EXPECT_NE(Explain(f, "kk").find("кем төлем £12.35"), std::string::npos);
}

}  // namespace
}  // namespace kenes::payroll
