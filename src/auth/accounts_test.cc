// Accounts, sessions, throttling and tokens on both backends, with a clock the test moves.
#include "auth/accounts.h"

#include <gtest/gtest.h>

#include "testing/test_database.h"

namespace kenes::auth {
namespace {

class FakeClock : public core::Clock {
 public:
  core::TimePoint Now() const override { return now_; }
  void Advance(std::chrono::seconds s) { now_ += s; }

 private:
  core::TimePoint now_ = *core::ParseUtc("2026-03-01T09:00:00Z");
};

class AccountsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<kenes::testing::TestDatabase>(GetParam());
    KENES_REQUIRE_DATABASE(*tdb_);
    db_ = tdb_->Open();
    ASSERT_TRUE(db_->Migrate(audit::Migrations()).has_value());
    ASSERT_TRUE(db_->Migrate([] {
                     auto m = audit::Migrations();
                     for (auto& x : Accounts::Migrations()) m.push_back(x);
                     return m;
                   }())
                    .has_value());
    core::AuthConfig config;
    config.password_cost = "min";
    config.max_failures_per_account = 3;
    config.max_failures_per_address = 5;
    accounts_ = std::make_unique<Accounts>(*db_, config, clock_);
    admin_ = Create("mlsp.admin", "kz-mlsp", {"admin"});
    officer_ = Create("mlsp.officer", "kz-mlsp", {"officer"});
    fwa_officer_ = Create("fwa.officer", "uk-fwa", {"officer"});
  }

  User Create(const std::string& username, const std::string& agency,
              std::vector<std::string> roles) {
    auto u = accounts_->CreateUser(SystemPrincipal(),
                                   {username, "", agency, std::move(roles), kPassword}, "req");
    EXPECT_TRUE(u.has_value()) << u.error().message;
    return u.value_or(User{});
  }

  Principal SignIn(const std::string& username) {
    auto r = accounts_->Login(username, kPassword, "10.0.0.1", "req");
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? r->principal : Principal{};
  }

  static constexpr const char* kPassword = "a long enough passphrase";
  FakeClock clock_;
  std::unique_ptr<kenes::testing::TestDatabase> tdb_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Accounts> accounts_;
  User admin_, officer_, fwa_officer_;
};

TEST_P(AccountsTest, CreateValidatesAndRefusesDuplicates) {
  EXPECT_EQ(officer_.agency, "kz-mlsp");
  EXPECT_EQ(officer_.display_name, "mlsp.officer");
  auto dup = accounts_->CreateUser(SystemPrincipal(),
                                   {"mlsp.officer", "", "kz-mlsp", {"viewer"}, kPassword}, "r");
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, core::ErrorCode::kConflict);
  struct Bad {
    NewUser user;
    std::string type;
  };
  const Bad bad[] = {
      {{"ab", "", "kz-mlsp", {"viewer"}, kPassword}, "invalid-username"},
      {{"Upper.Case", "", "kz-mlsp", {"viewer"}, kPassword}, "invalid-username"},
      {{"x'; DROP TABLE users; --", "", "kz-mlsp", {"viewer"}, kPassword}, "invalid-username"},
      {{"good.name", "", "uk-glaa", {"viewer"}, kPassword}, "invalid-agency"},
      {{"good.name", "", "kz-mlsp", {"root"}, kPassword}, "invalid-role"},
      {{"good.name", "", "kz-mlsp", {}, kPassword}, "invalid-role"},
      {{"good.name", "", "kz-mlsp", {"viewer"}, "short"}, "weak-password"},
  };
  for (const auto& b : bad) {
    auto r = accounts_->CreateUser(SystemPrincipal(), b.user, "r");
    ASSERT_FALSE(r.has_value()) << b.user.username;
    EXPECT_EQ(r.error().code, core::ErrorCode::kUnprocessable) << b.user.username;
    EXPECT_EQ(r.error().type, b.type) << b.user.username;
  }
}

TEST_P(AccountsTest, AdminsManageOnlyTheirOwnAgency) {
  const Principal admin = SignIn("mlsp.admin");
  auto ok = accounts_->CreateUser(
      admin, {"mlsp.analyst", "Analyst", "kz-mlsp", {"analyst"}, kPassword}, "r");
  ASSERT_TRUE(ok.has_value());
  auto other =
      accounts_->CreateUser(admin, {"fwa.analyst", "", "uk-fwa", {"analyst"}, kPassword}, "r");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, core::ErrorCode::kPermissionDenied);
  // Another agency's account is invisible (404), not forbidden.
  auto read = accounts_->GetUser(admin, fwa_officer_.id);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, core::ErrorCode::kNotFound);
  auto list = accounts_->ListUsers(admin);
  ASSERT_TRUE(list.has_value());
  for (const auto& u : *list) EXPECT_EQ(u.agency, "kz-mlsp");
  EXPECT_EQ(list->size(), 3u);
  // Officers cannot administer at all.
  const Principal officer = SignIn("mlsp.officer");
  auto denied =
      accounts_->CreateUser(officer, {"someone", "", "kz-mlsp", {"viewer"}, kPassword}, "r");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, core::ErrorCode::kPermissionDenied);
  EXPECT_EQ(accounts_->ListUsers(officer).error().code, core::ErrorCode::kPermissionDenied);
}

TEST_P(AccountsTest, LoginCreatesABrowserSession) {
  auto r = accounts_->Login("mlsp.officer", kPassword, "10.0.0.1", "req-1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->session_token.size(), 43u);
  EXPECT_EQ(r->csrf_token.size(), 43u);
  auto p = accounts_->Authenticate(r->session_token, true);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->username, "mlsp.officer");
  EXPECT_EQ(p->csrf_token, r->csrf_token);
  EXPECT_TRUE(p->HasRole(Role::kOfficer));
  // A browser session token is not a bearer token.
  EXPECT_FALSE(accounts_->Authenticate(r->session_token, false).has_value());
  // Only the hash is stored.
  const int raw = db_->Read([&](store::Conn& c) {
    int n = 0;
    c.sql() << "SELECT COUNT(*) FROM sessions WHERE token_hash = :t OR csrf_token = :t2",
        soci::use(r->session_token), soci::use(r->session_token), soci::into(n);
    return n;
  });
  EXPECT_EQ(raw, 0);
}

TEST_P(AccountsTest, WrongPasswordUnknownUserAndDisabledLookAlike) {
  auto wrong = accounts_->Login("mlsp.officer", "not the password", "10.0.0.1", "r");
  auto unknown = accounts_->Login("nobody.here", kPassword, "10.0.0.2", "r");
  ASSERT_TRUE(
      accounts_->UpdateUser(SystemPrincipal(), officer_.id, {.disabled = true}, "r").has_value());
  auto disabled = accounts_->Login("mlsp.officer", kPassword, "10.0.0.3", "r");
  for (const auto* r : {&wrong, &unknown, &disabled}) {
    ASSERT_FALSE(r->has_value());
    EXPECT_EQ(r->error().code, core::ErrorCode::kUnauthenticated);
    EXPECT_EQ(r->error().type, "invalid-credentials");
    EXPECT_EQ(r->error().message, "wrong username or password");
  }
}

TEST_P(AccountsTest, FailedLoginsThrottlePerAccount) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        accounts_->Login("mlsp.officer", "wrong password!", "10.0.0." + std::to_string(i), "r")
            .error()
            .code,
        core::ErrorCode::kUnauthenticated);
  }
  // Even the right password is refused while the account is throttled, from any address.
  auto r = accounts_->Login("mlsp.officer", kPassword, "10.9.9.9", "r");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, core::ErrorCode::kTooManyRequests);
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_GT(*r.error().retry_after, 0);
  EXPECT_LE(*r.error().retry_after, 15 * 60 + 1);
  // Other accounts are unaffected.
  EXPECT_TRUE(accounts_->Login("mlsp.admin", kPassword, "10.9.9.9", "r").has_value());
  clock_.Advance(std::chrono::minutes(16));
  EXPECT_TRUE(accounts_->Login("mlsp.officer", kPassword, "10.9.9.9", "r").has_value());
}

TEST_P(AccountsTest, FailedLoginsThrottlePerAddress) {
  for (int i = 0; i < 5; ++i) {
    (void)accounts_->Login("guess" + std::to_string(i), "whatever pass", "192.0.2.7", "r");
  }
  auto r = accounts_->Login("mlsp.officer", kPassword, "192.0.2.7", "r");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, core::ErrorCode::kTooManyRequests);
  EXPECT_TRUE(accounts_->Login("mlsp.officer", kPassword, "192.0.2.8", "r").has_value());
}

TEST_P(AccountsTest, SessionsExpireWhenIdleAndEndOnLogout) {
  auto r = accounts_->Login("mlsp.officer", kPassword, "10.0.0.1", "r");
  ASSERT_TRUE(r.has_value());
  clock_.Advance(std::chrono::minutes(50));
  ASSERT_TRUE(accounts_->Authenticate(r->session_token, true).has_value());  // refreshes last seen
  clock_.Advance(std::chrono::minutes(50));
  ASSERT_TRUE(accounts_->Authenticate(r->session_token, true).has_value());
  clock_.Advance(std::chrono::minutes(61));
  EXPECT_FALSE(accounts_->Authenticate(r->session_token, true).has_value());

  auto again = accounts_->Login("mlsp.officer", kPassword, "10.0.0.1", "r");
  ASSERT_TRUE(again.has_value());
  ASSERT_TRUE(accounts_->Logout(again->principal, "r").has_value());
  EXPECT_FALSE(accounts_->Authenticate(again->session_token, true).has_value());
}

TEST_P(AccountsTest, BearerTokensWorkUntilRevoked) {
  const Principal officer = SignIn("mlsp.officer");
  auto t = accounts_->CreateToken(officer, std::nullopt, "etl", 30, "r");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->token.rfind("kenes_", 0), 0u);
  auto p = accounts_->Authenticate(t->token, false);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->username, "mlsp.officer");
  EXPECT_FALSE(p->browser_session);
  EXPECT_FALSE(accounts_->Authenticate(t->token, true).has_value());
  // Officers cannot mint tokens for someone else.
  auto other = accounts_->CreateToken(officer, admin_.id, "x", 1, "r");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, core::ErrorCode::kNotFound);
  auto list = accounts_->ListTokens(officer, std::nullopt);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "etl");
  // Another agency cannot revoke it, and cannot learn that it exists.
  const Principal fwa = SignIn("fwa.officer");
  EXPECT_EQ(accounts_->RevokeToken(fwa, t->info.id, "r").error().code, core::ErrorCode::kNotFound);
  ASSERT_TRUE(accounts_->RevokeToken(officer, t->info.id, "r").has_value());
  EXPECT_FALSE(accounts_->Authenticate(t->token, false).has_value());
  // Expiry.
  auto short_lived = accounts_->CreateToken(officer, std::nullopt, "short", 1, "r");
  ASSERT_TRUE(short_lived.has_value());
  clock_.Advance(std::chrono::hours(25));
  EXPECT_FALSE(accounts_->Authenticate(short_lived->token, false).has_value());
}

TEST_P(AccountsTest, DisablingAndPasswordResetEndSessions) {
  const Principal admin = SignIn("mlsp.admin");
  auto officer = accounts_->Login("mlsp.officer", kPassword, "10.0.0.1", "r");
  ASSERT_TRUE(officer.has_value());
  ASSERT_TRUE(
      accounts_->SetPassword(admin, officer_.id, "another long passphrase", "r").has_value());
  EXPECT_FALSE(accounts_->Authenticate(officer->session_token, true).has_value());
  EXPECT_FALSE(accounts_->Login("mlsp.officer", kPassword, "10.0.0.1", "r").has_value());
  auto relogin = accounts_->Login("mlsp.officer", "another long passphrase", "10.0.0.1", "r");
  ASSERT_TRUE(relogin.has_value());
  ASSERT_TRUE(accounts_->UpdateUser(admin, officer_.id, {.disabled = true}, "r").has_value());
  EXPECT_FALSE(accounts_->Authenticate(relogin->session_token, true).has_value());
  // An admin cannot lock themselves out.
  EXPECT_EQ(accounts_->UpdateUser(admin, admin_.id, {.disabled = true}, "r").error().code,
            core::ErrorCode::kUnprocessable);
  EXPECT_EQ(
      accounts_->UpdateUser(admin, admin_.id, {.roles = std::vector<std::string>{"viewer"}}, "r")
          .error()
          .code,
      core::ErrorCode::kUnprocessable);
}

TEST_P(AccountsTest, UsersChangeTheirOwnLanguageAndPassword) {
  const Principal officer = SignIn("mlsp.officer");
  auto u = accounts_->UpdateUser(officer, officer_.id, {.language = "kk"}, "r");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->language, "kk");
  EXPECT_EQ(accounts_->UpdateUser(officer, officer_.id, {.display_name = "Me"}, "r").error().code,
            core::ErrorCode::kPermissionDenied);
  EXPECT_EQ(
      accounts_->ChangeOwnPassword(officer, "wrong", "brand new passphrase", "r").error().type,
      "wrong-password");
  ASSERT_TRUE(
      accounts_->ChangeOwnPassword(officer, kPassword, "brand new passphrase", "r").has_value());
  EXPECT_TRUE(
      accounts_->Login("mlsp.officer", "brand new passphrase", "10.0.0.1", "r").has_value());
}

TEST_P(AccountsTest, RevocationElsewhereAppliesWithinTheCacheTime) {
  const Principal officer = SignIn("mlsp.officer");
  auto t = accounts_->CreateToken(officer, std::nullopt, "etl", 30, "r");
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(accounts_->Authenticate(t->token, false).has_value());  // now cached
  // Another process (here: another Accounts on the same database, as the CLI would be).
  core::AuthConfig config;
  config.password_cost = "min";
  Accounts elsewhere(*db_, config, clock_);
  ASSERT_TRUE(elsewhere.RevokeToken(SystemPrincipal(), t->info.id, "r").has_value());
  EXPECT_TRUE(accounts_->Authenticate(t->token, false).has_value()) << "served from the cache";
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(accounts_->Authenticate(t->token, false).has_value());
  // Without a cache, at once.
  config.session_cache_ms = 0;
  Accounts uncached(*db_, config, clock_);
  auto t2 = accounts_->CreateToken(officer, std::nullopt, "etl2", 30, "r");
  ASSERT_TRUE(uncached.Authenticate(t2->token, false).has_value());
  ASSERT_TRUE(elsewhere.RevokeToken(SystemPrincipal(), t2->info.id, "r").has_value());
  EXPECT_FALSE(uncached.Authenticate(t2->token, false).has_value());
}

TEST_P(AccountsTest, EveryChangeIsAuditedAndTheChainHolds) {
  const Principal admin = SignIn("mlsp.admin");
  (void)accounts_->Login("mlsp.admin", "wrong password!", "10.0.0.1", "r");
  ASSERT_TRUE(
      accounts_
          ->UpdateUser(admin, officer_.id, {.roles = std::vector<std::string>{"supervisor"}}, "r9")
          .has_value());
  const auto report = audit::Verify(*db_);
  EXPECT_TRUE(report.ok) << report.problem;
  db_->Read([&](store::Conn& c) {
    audit::Filter f;
    f.action = "user.update";
    auto events = audit::List(c, f);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].username, "mlsp.admin");
    EXPECT_EQ(events[0].agency, "kz-mlsp");
    EXPECT_EQ(events[0].object_id, std::to_string(officer_.id));
    EXPECT_EQ(events[0].request_id, "r9");
    f.action = "session.login_failed";
    EXPECT_EQ(audit::List(c, f).size(), 1u);
    f.action = "user.create";
    EXPECT_EQ(audit::List(c, f).size(), 3u);
  });
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountsTest,
                         ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kenes::auth
