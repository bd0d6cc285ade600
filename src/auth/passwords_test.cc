#include "auth/passwords.h"

#include <gtest/gtest.h>

namespace kenes::auth {
namespace {

TEST(PasswordsTest, Argon2idRoundTrip) {
  const std::string h = HashPassword("correct horse battery", PasswordCost::kMin);
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u) << h;
  EXPECT_TRUE(VerifyPassword(h, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(h, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword("garbage", "correct horse battery"));
  EXPECT_NE(HashPassword("correct horse battery", PasswordCost::kMin), h) << "salted";
}

TEST(PasswordsTest, Rules) {
  struct Case {
    const char* password;
    const char* username;
    bool ok;
  };
  const Case cases[] = {
      {"short", "u", false},
      {"elevenchars", "u", false},
      {"twelve chars", "u", true},
      {"Қазақстан2025", "u", true},               // 13 characters, more bytes
      {"ҚазақстанҚаз", "u", true},                // 12 Cyrillic characters
      {"ҚазақстанҚа", "u", false},                // 11
      {"my-aigerim-password", "aigerim", false},  // contains the username
      {"MY-AIGERIM-PASSWORD", "aigerim", false},
      {"aaaaaaaaaaaaaaaa", "u", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CheckPasswordRules(c.password, c.username).has_value(), c.ok) << c.password;
  }
  EXPECT_FALSE(CheckPasswordRules(std::string(1025, 'x') + "y", "u").has_value());
}

}  // namespace
}  // namespace kenes::auth
