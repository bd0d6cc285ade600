#include "payroll/engine/money.h"

#include <gtest/gtest.h>

namespace kenes::payroll {
namespace {

Date D(const char* s) { return *ParseIsoDate(s); }

TEST(MoneyTest, ParsePounds) {
  const std::pair<const char*, std::optional<Pence>> cases[] = {{"0", 0},
                                                                {"12", 1200},
                                                                {"12.3", 1230},
                                                                {"12.34", 1234},
                                                                {"0.01", 1},
                                                                {"415.00", 41500},
                                                                {"999999999999.99", 99999999999999},
                                                                {"", std::nullopt},
                                                                {"12.345", std::nullopt},
                                                                {"-1", std::nullopt},
                                                                {"£12", std::nullopt},
                                                                {"1,000", std::nullopt},
                                                                {"12.", std::nullopt},
                                                                {".5", std::nullopt},
                                                                {"1e3", std::nullopt},
                                                                {" 12", std::nullopt},
                                                                {"1234567890123", std::nullopt}};
  for (const auto& [text, want] : cases) EXPECT_EQ(ParsePounds(text), want) << text;
}

TEST(MoneyTest, ParseHours) {
  EXPECT_EQ(ParseHours("40"), 40000);
  EXPECT_EQ(ParseHours("37.5"), 37500);
  EXPECT_EQ(ParseHours("37.125"), 37125);
  EXPECT_EQ(ParseHours("37.1255"), std::nullopt);
  EXPECT_EQ(ParseHours("-1"), std::nullopt);
  EXPECT_EQ(ParseHours("forty"), std::nullopt);
}

TEST(MoneyTest, Dates) {
  EXPECT_EQ(ParseIsoDate("1970-01-01")->days, 0);
  EXPECT_EQ(ParseIsoDate("2024-02-29")->days - ParseIsoDate("2024-02-28")->days, 1);
  for (const char* bad :
       {"2023-02-29", "2024-13-01", "2024-1-01", "01.02.2024", "2024/02/01", "", "1899-12-31"}) {
    EXPECT_FALSE(ParseIsoDate(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatDate(D("2025-02-11")), "2025-02-11");
}

TEST(MoneyTest, AgeCountsFromTheBirthday) {
  EXPECT_EQ(AgeOn(D("2004-06-05"), D("2025-06-04")), 20);
  EXPECT_EQ(AgeOn(D("2004-06-05"), D("2025-06-05")), 21);
  EXPECT_EQ(AgeOn(D("2004-02-29"), D("2025-02-28")), 20);  // leapling: from 1 March
  EXPECT_EQ(AgeOn(D("2004-02-29"), D("2025-03-01")), 21);
  EXPECT_EQ(AgeOn(D("2004-02-29"), D("2024-02-29")), 20);
}

TEST(MoneyTest, DateFieldsAgreeWithTheDayNumber) {
  YearMonthDay ymd;
  const auto d = ParseIsoDate("2024-02-29", &ymd);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(ymd.year, 2024);
  EXPECT_EQ(ymd.month, 2u);
  EXPECT_EQ(ymd.day, 29u);
  EXPECT_EQ(*d, D("2024-02-29"));
  EXPECT_FALSE(ParseIsoDate("2023-02-29", &ymd).has_value());
  // The age from the fields is the age from the day numbers, across birthdays and leap days.
  for (const char* born : {"2004-02-29", "2004-03-01", "1999-12-31", "2001-01-01"}) {
    YearMonthDay b;
    ASSERT_TRUE(ParseIsoDate(born, &b));
    for (int day = D("2020-01-01").days; day < D("2026-01-01").days; ++day) {
      YearMonthDay o;
      ASSERT_TRUE(ParseIsoDate(FormatDate(Date{day}), &o));
      EXPECT_EQ(AgeOn(b, o), AgeOn(D(born), Date{day})) << born << " " << FormatDate(Date{day});
    }
  }
}

TEST(MoneyTest, OneMonthPeriods) {
  EXPECT_EQ(LastDayOfOneMonthFrom(D("2019-03-16")), D("2019-04-15"));
  EXPECT_EQ(LastDayOfOneMonthFrom(D("2025-01-01")), D("2025-01-31"));
  EXPECT_EQ(LastDayOfOneMonthFrom(D("2025-01-31")), D("2025-02-28"));
  EXPECT_EQ(LastDayOfOneMonthFrom(D("2024-01-30")), D("2024-02-29"));
  EXPECT_EQ(LastDayOfOneMonthFrom(D("2025-12-15")), D("2026-01-14"));
}

TEST(MoneyTest, RoundingIsHalfUp) {
  EXPECT_EQ(MulDivRoundHalfUp(3200, 593, 580), 3272);      // 3271.72
  EXPECT_EQ(MulDivRoundHalfUp(8250, 1042, 950), 9049);     // 9048.95
  EXPECT_EQ(MulDivRoundHalfUp(1, 1, 2), 1);                // 0.5 -> 1
  EXPECT_EQ(MulDivRoundHalfUp(1, 1, 3), 0);                // 0.33 -> 0
  EXPECT_EQ(MulDivRoundHalfUp(37500, 1221, 1000), 45788);  // 457.875 -> 457.88
  EXPECT_EQ(MulDivRoundHalfUp(4000000000000, 100000, 7), 57142857142857143);
}

TEST(MoneyTest, Formatting) {
  EXPECT_EQ(FormatPounds(41500), "£415.00");
  EXPECT_EQ(FormatPounds(1), "£0.01");
  EXPECT_EQ(FormatPounds(-1), "-£0.01");
  EXPECT_EQ(FormatHours(37500), "37.5");
  EXPECT_EQ(FormatHours(40000), "40");
  EXPECT_EQ(FormatHours(36571), "36.571");
}

}  // namespace
}  // namespace kenes::payroll
