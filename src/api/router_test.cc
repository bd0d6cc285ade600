#include "api/router.h"

#include <gtest/gtest.h>

namespace kenes::api {
namespace {

TEST(RouterTest, MatchesTemplatesAndPrefersLiterals) {
  Router<std::string> r;
  r.Add("GET", "/api/v1/users", "list");
  r.Add("POST", "/api/v1/users", "create");
  r.Add("GET", "/api/v1/users/{id}", "one");
  r.Add("GET", "/api/v1/users/me", "me");
  r.Add("PUT", "/api/v1/users/{id}/password", "password");

  auto m = r.Find("GET", "/api/v1/users/42");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->handler, "one");
  EXPECT_EQ(m.params.at("id"), "42");
  EXPECT_EQ(r.Find("GET", "/api/v1/users/me").route->handler, "me");
  EXPECT_EQ(r.Find("POST", "/api/v1/users").route->handler, "create");
  EXPECT_EQ(r.Find("PUT", "/api/v1/users/7/password").params.at("id"), "7");

  auto wrong_method = r.Find("DELETE", "/api/v1/users/42");
  EXPECT_EQ(wrong_method.route, nullptr);
  EXPECT_EQ(wrong_method.allowed_methods, std::vector<std::string>{"GET"});

  for (const char* miss : {"/api/v1/users/", "/api/v1/users/42/", "/api/v1", "/api/v1/users/1/2",
                           "/api/v1/userss", "/"}) {
    auto x = r.Find("GET", miss);
    EXPECT_EQ(x.route, nullptr) << miss;
    EXPECT_TRUE(x.allowed_methods.empty()) << miss;
  }
}

}  // namespace
}  // namespace kenes::api
