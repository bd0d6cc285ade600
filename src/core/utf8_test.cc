#include "core/utf8.h"

#include <gtest/gtest.h>

namespace kenes::core {
namespace {

TEST(Utf8Test, ValidatesWellFormedText) {
  EXPECT_TRUE(IsValidUtf8("Жалақы төленбеді — £12.21"));
  for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\xFF"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

TEST(Utf8Test, PlainTextChecksNameTheFieldAndTheReason) {
  struct Case {
    const char* text;
    std::size_t max;
    bool required;
    Markup markup;
    const char* why;  // "" when accepted
  };
  const Case cases[] = {
      {"Hill Farm", 20, true, Markup::kRefused, ""},
      {"", 20, false, Markup::kRefused, ""},
      {"", 20, true, Markup::kRefused, "name is required"},
      {"twenty-one characters", 20, true, Markup::kRefused, "name is longer than 20 bytes"},
      {"\xFF", 20, true, Markup::kRefused, "name is not valid UTF-8"},
      {"a\x01b", 20, true, Markup::kRefused, "name holds control characters"},
      {"line\nnext\tcol", 20, true, Markup::kRefused, ""},
      {"<ScRiPt>x", 20, true, Markup::kRefused, "name holds script or markup"},
      {"JavaScript:alert(1)", 30, true, Markup::kRefused, "name holds script or markup"},
      {"<b onerror=x>", 20, true, Markup::kRefused, "name holds script or markup"},
      {"<script> quoted", 20, true, Markup::kAllowed, ""},
  };
  for (const auto& c : cases) {
    const auto r = CheckPlainText("name", c.text, c.max, c.required, c.markup);
    if (*c.why == '\0') {
      EXPECT_TRUE(r.has_value()) << c.text;
    } else {
      ASSERT_FALSE(r.has_value()) << c.text;
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(r.error().message, c.why);
      EXPECT_EQ(r.error().type, "invalid-field");
    }
  }
}

}  // namespace
}  // namespace kenes::core
