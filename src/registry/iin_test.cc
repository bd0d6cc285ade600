#include "registry/iin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace kenes::registry {
namespace {

using ::testing::HasSubstr;

struct ValidCase {
  std::string iin;
  int year;
  int month;
  int day;
  char sex;
};

// Worked examples from REFERENCE.md §5.5, plus one per century/sex digit.
TEST(IinTest, AcceptsValidIins) {
  const ValidCase cases[] = {
      {"061211600012", 2006, 12, 11, 'f'},     // kz-iin-validator README; needs the second pass
      {"850315401231", 1985, 3, 15, 'f'},      // first pass gives 1
      {"900101310506", 1990, 1, 1, 'm'},       // 90010131050 needs the second pass: 6
      {"  850315401231\n", 1985, 3, 15, 'f'},  // surrounding whitespace is trimmed
      {"000229500008", 2000, 2, 29, 'm'},      // 2000 is a leap year
      {"960229300004", 1996, 2, 29, 'm'},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.iin);
    const auto info = ValidateIin(c.iin);
    ASSERT_TRUE(info.has_value()) << info.error().message;
    EXPECT_EQ(info->year, c.year);
    EXPECT_EQ(info->month, c.month);
    EXPECT_EQ(info->day, c.day);
    EXPECT_EQ(info->sex, c.sex);
  }
}

TEST(IinTest, CheckDigitMatchesWorkedExamples) {
  EXPECT_EQ(IinCheckDigit("06121160001"), 2);
  EXPECT_EQ(IinCheckDigit("85031540123"), 1);
  EXPECT_EQ(IinCheckDigit("90010131050"), 6);
  EXPECT_EQ(IinCheckDigit("90010130080"), std::nullopt);  // both passes give 10
}

TEST(IinTest, EveryCenturySexDigitDecodes) {
  const struct {
    char digit;
    int year;
    char sex;
  } cases[] = {{'1', 1885, 'm'}, {'2', 1885, 'f'}, {'3', 1985, 'm'},
               {'4', 1985, 'f'}, {'5', 2085, 'm'}, {'6', 2085, 'f'}};
  for (const auto& c : cases) {
    std::string iin = std::string("850315") + c.digit + "0123";
    const std::optional<int> check = IinCheckDigit(iin);
    ASSERT_TRUE(check.has_value()) << iin;
    iin += static_cast<char>('0' + *check);
    SCOPED_TRACE(iin);
    const auto info = ValidateIin(iin);
    ASSERT_TRUE(info.has_value()) << info.error().message;
    EXPECT_EQ(info->year, c.year);
    EXPECT_EQ(info->sex, c.sex);
  }
}

struct RejectCase {
  std::string iin;
  std::string message_part;
};

TEST(IinTest, RejectsInvalidIins) {
  const RejectCase cases[] = {
      {"850315401232", "check digit"},  // 1 is right
      {"061211600013", "check digit"},  // 2 is right
      {"85031540123", "12 digits"},     // 11 digits
      {"8503154012311", "12 digits"},   // 13 digits
      {"", "12 digits"},
      {"   ", "12 digits"},
      {"85031540123A", "only the digits"},
      {"8503 1540123", "only the digits"},  // inner spaces are not ignored
      {"８５0315401231", "12 digits"},      // full-width digits are not ASCII
      {"851315401231", "month"},            // month 13
      {"850015401231", "month"},            // month 00
      {"850332401231", "day"},              // 32 March
      {"850300401231", "day"},              // day 00
      {"850431401231", "day"},              // 31 April
      {"850229401231", "day"},              // 1985 is not a leap year
      {"000229300001", "day"},              // 1900 is not a leap year
      {"850315001231", "7th digit"},        // century digit 0
      {"850315701231", "7th digit"},
      {"850315801231", "7th digit"},
      {"850315901231", "7th digit"},
      {"900101300800", "not issued"},  // both passes give 10, whatever the 12th digit
      {"900101300809", "not issued"},
  };
  for (const RejectCase& c : cases) {
    SCOPED_TRACE(c.iin);
    const auto info = ValidateIin(c.iin);
    ASSERT_FALSE(info.has_value());
    EXPECT_EQ(info.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_THAT(info.error().message, HasSubstr(c.message_part));
  }
}

TEST(IinTest, ErrorsDoNotRepeatTheIin) {
  const auto info = ValidateIin("850315401232");
  ASSERT_FALSE(info.has_value());
  EXPECT_THAT(info.error().message, ::testing::Not(HasSubstr("850315")));
}

}  // namespace
}  // namespace kenes::registry
