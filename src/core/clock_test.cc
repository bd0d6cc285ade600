#include "core/clock.h"

#include <gtest/gtest.h>

namespace kenes::core {
namespace {

TEST(ClockTest, FormatAndParseRoundTrip) {
  const auto t = ParseUtc("2025-02-11T09:30:05.000123Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatUtc(*t), "2025-02-11T09:30:05.000123Z");
}

TEST(ClockTest, ParsesShortForms) {
  EXPECT_EQ(FormatUtc(*ParseUtc("2024-02-29")), "2024-02-29T00:00:00.000000Z");
  EXPECT_EQ(FormatUtc(*ParseUtc("2024-02-29T23:59:59Z")), "2024-02-29T23:59:59.000000Z");
  EXPECT_EQ(FormatUtc(*ParseUtc("2024-02-29T23:59:59.5Z")), "2024-02-29T23:59:59.500000Z");
}

TEST(ClockTest, RejectsNonTimes) {
  for (const char* bad :
       {"", "2023-02-29", "2024-13-01", "2024-01-01T24:00:00Z", "2024-01-01T10:00:00",
        "2024-01-01T10:00:00+01:00", "24-01-01", "2024-01-01T10:00:00.Z", "2024-01-01 10:00:00Z",
        "'; DROP TABLE users; --", "2999-01-01", "1600-01-01"}) {
    EXPECT_FALSE(ParseUtc(bad).has_value()) << bad;
  }
}

TEST(ClockTest, FormattedTimesSortLikeInstants) {
  const auto a = *ParseUtc("2026-01-09T23:59:59.999999Z");
  const auto b = *ParseUtc("2026-01-10T00:00:00Z");
  EXPECT_LT(a, b);
  EXPECT_LT(FormatUtc(a), FormatUtc(b));
}

}  // namespace
}  // namespace kenes::core
