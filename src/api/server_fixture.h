// The fixture of the black-box server suites: a fresh database per backend (SQLite and
// PostgreSQL), the real `kenes serve` on an ephemeral port, test accounts in every agency, and
// sign-in helpers. Each suite instantiates it with
// INSTANTIATE_TEST_SUITE_P(Backends, ServerTest, ValuesIn(kenes::testing::BackendNames()), ...).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "auth/accounts.h"
#include "testing/server_process.h"
#include "testing/test_database.h"

namespace kenes::api {

using kenes::testing::HttpClient;
using kenes::testing::HttpResult;
using nlohmann::json;

constexpr const char* kPassword = "correct horse battery staple";

class ServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<kenes::testing::TestDatabase>(GetParam());
    KENES_REQUIRE_DATABASE(*tdb_);
  }

  // Starts the server (which migrates the database) and creates the test accounts.
  void Start(std::vector<std::string> args = {}, std::map<std::string, std::string> env = {}) {
    server_ = std::make_unique<kenes::testing::ServerProcess>(tdb_->url(), std::move(args),
                                                              std::move(env));
    ASSERT_NE(server_->port(), 0);
    db_ = tdb_->Open(2);
    core::AuthConfig config;
    config.password_cost = "min";
    auth::Accounts accounts(*db_, config, core::SystemClock());
    const auth::Principal system = auth::SystemPrincipal();
    for (const auto& [name, agency, role] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"mlsp.admin", "kz-mlsp", "admin"},
             {"mlsp.officer", "kz-mlsp", "officer"},
             {"mlsp.auditor", "kz-mlsp", "auditor"},
             {"fwa.admin", "uk-fwa", "admin"},
             {"fwa.officer", "uk-fwa", "officer"},
             {"mfa.desk", "kz-mfa", "officer"},
             {"fcdo.desk", "uk-fcdo", "officer"}}) {
      if (ids_.count(name) != 0) continue;  // a restart of the same database
      auto u = accounts.CreateUser(system, {name, "", agency, {role}, kPassword}, "setup");
      ASSERT_TRUE(u.has_value()) << u.error().message;
      ids_[name] = u->id;
    }
  }

  struct Browser {
    std::unique_ptr<HttpClient> http;
    std::string cookie;
    std::string csrf;
    std::map<std::string, std::string> Headers(bool with_csrf = true) const {
      std::map<std::string, std::string> h = {{"Cookie", cookie}};
      if (with_csrf) h["X-CSRF-Token"] = csrf;
      return h;
    }
  };

  Browser SignIn(const std::string& username, const std::string& password = kPassword) {
    Browser b{std::make_unique<HttpClient>(server_->port()), "", ""};
    auto r =
        b.http->Send("POST", "/api/v1/session", {{"username", username}, {"password", password}});
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string set_cookie = r.Header("set-cookie");
    b.cookie = set_cookie.substr(0, set_cookie.find(';'));
    b.csrf = r.Json()["session"].value("csrf_token", "");
    return b;
  }

  std::string Bearer(const std::string& username) {
    Browser b = SignIn(username);
    auto r = b.http->Send("POST", "/api/v1/tokens", {{"name", "test"}}, b.Headers());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json().value("token", "");
  }

  long long Count(const std::string& table) {
    return db_->Read([&](store::Conn& c) {
      long long n = 0;
      c.sql() << "SELECT COUNT(*) FROM " + table, soci::into(n);
      return n;
    });
  }

  std::unique_ptr<kenes::testing::TestDatabase> tdb_;
  std::unique_ptr<kenes::testing::ServerProcess> server_;
  std::unique_ptr<store::Database> db_;
  std::map<std::string, long long> ids_;
};

}  // namespace kenes::api
