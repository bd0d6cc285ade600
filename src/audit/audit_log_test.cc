// Audit chain tests, run on SQLite and PostgreSQL: appends, verification, and tampering by
// modification, deletion (middle and end) and insertion, each caught at the right event.
#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include "testing/test_database.h"

namespace kenes::audit {
namespace {

class AuditTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<kenes::testing::TestDatabase>(GetParam());
    KENES_REQUIRE_DATABASE(*tdb_);
    db_ = tdb_->Open();
    ASSERT_TRUE(db_->Migrate(Migrations()).has_value());
  }

  void AppendN(int n) {
    for (int i = 0; i < n; ++i) {
      auto r = db_->Write([&](store::Conn& c) -> core::Result<long long> {
        Actor actor{i % 2 == 0 ? std::optional<long long>(7) : std::nullopt,
                    i % 2 == 0 ? "aigerim" : "system", "kz-mlsp", "req-" + std::to_string(i)};
        Event e{
            i % 3 == 0 ? "user.create" : "session.create", "user", std::to_string(i), {{"n", i}}};
        return Append(c, actor, e,
                      *core::ParseUtc("2026-01-0" + std::to_string(1 + i % 9) + "T10:00:00Z"));
      });
      ASSERT_TRUE(r.has_value());
    }
  }

  void Exec(const std::string& sql) {
    db_->Read([&](store::Conn& c) { c.sql() << sql; });
  }

  std::unique_ptr<kenes::testing::TestDatabase> tdb_;
  std::unique_ptr<store::Database> db_;
};

TEST_P(AuditTest, EmptyChainVerifies) {
  const auto report = Verify(*db_);
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.events, 0);
}

TEST_P(AuditTest, AppendedChainVerifies) {
  AppendN(10);
  const auto report = Verify(*db_);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events, 10);
  EXPECT_EQ(report.head_hash.size(), 64u);
}

TEST_P(AuditTest, ModifiedRowIsCaught) {
  AppendN(6);
  Exec("UPDATE audit_events SET object_id = 'forged' WHERE seq = 4");
  const auto report = Verify(*db_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4);
  EXPECT_NE(report.problem.find("modified"), std::string::npos) << report.problem;
}

TEST_P(AuditTest, ModifiedDetailOrTimeIsCaught) {
  AppendN(3);
  Exec("UPDATE audit_events SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2");
  EXPECT_EQ(Verify(*db_).first_bad_seq, 2);
}

TEST_P(AuditTest, DeletedMiddleRowIsCaught) {
  AppendN(6);
  Exec("DELETE FROM audit_events WHERE seq = 3");
  const auto report = Verify(*db_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;
}

TEST_P(AuditTest, DeletedRenumberedRowIsCaught) {
  AppendN(5);
  // Delete event 3 and shift later rows down, as a careful forger would.
  Exec("DELETE FROM audit_events WHERE seq = 3");
  Exec("UPDATE audit_events SET seq = seq + 100 WHERE seq > 3");
  Exec("UPDATE audit_events SET seq = seq - 101 WHERE seq > 100");
  const auto report = Verify(*db_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
}

TEST_P(AuditTest, DeletedLastRowIsCaught) {
  AppendN(4);
  Exec("DELETE FROM audit_events WHERE seq = 4");
  const auto report = Verify(*db_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4);
}

TEST_P(AuditTest, InsertedRowIsCaught) {
  AppendN(3);
  // A row appended behind the log's back, even with a correctly computed hash.
  Record fake;
  fake.seq = 4;
  fake.at = "2026-01-05T00:00:00.000000Z";
  fake.username = "intruder";
  fake.agency = "kz-mlsp";
  fake.action = "user.create";
  fake.object_type = "user";
  fake.object_id = "99";
  fake.request_id = "x";
  fake.detail = "{}";
  db_->Read([&](store::Conn& c) {
    c.sql() << "SELECT hash FROM audit_events WHERE seq = 3", soci::into(fake.prev_hash);
  });
  fake.hash = ComputeHash(fake);
  db_->Read([&](store::Conn& c) {
    c.sql() << "INSERT INTO audit_events (seq, at, username, agency, action, object_type,"
               " object_id, request_id, detail, prev_hash, hash) VALUES (:s, :a, :u, :g, :ac,"
               " :ot, :oi, :r, :d, :p, :h)",
        soci::use(fake.seq), soci::use(fake.at), soci::use(fake.username), soci::use(fake.agency),
        soci::use(fake.action), soci::use(fake.object_type), soci::use(fake.object_id),
        soci::use(fake.request_id), soci::use(fake.detail), soci::use(fake.prev_hash),
        soci::use(fake.hash);
  });
  const auto report = Verify(*db_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4);
  EXPECT_NE(report.problem.find("inserted"), std::string::npos) << report.problem;
}

TEST_P(AuditTest, InsertedMiddleRowIsCaught) {
  AppendN(4);
  Exec("UPDATE audit_events SET seq = seq + 10 WHERE seq >= 3");
  Exec(
      "INSERT INTO audit_events (seq, at, username, agency, action, object_type, object_id,"
      " request_id, detail, prev_hash, hash) SELECT 3, at, username, agency, action, object_type,"
      " object_id, request_id, detail, hash, hash FROM audit_events WHERE seq = 2");
  Exec("UPDATE audit_events SET seq = seq - 9 WHERE seq >= 13");
  const auto report = Verify(*db_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
}

TEST_P(AuditTest, RolledBackWriteLeavesNoEvent) {
  AppendN(2);
  auto r = db_->Write([&](store::Conn& c) -> core::Status {
    Append(c, Actor{std::nullopt, "system", "", "r"}, Event{"user.create", "user", "1", {}},
           core::SystemClock().Now());
    return core::Fail(core::ErrorCode::kUnprocessable, "rule broken");
  });
  ASSERT_FALSE(r.has_value());
  const auto report = Verify(*db_);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events, 2);
}

TEST_P(AuditTest, ListFiltersNewestFirst) {
  AppendN(9);
  db_->Read([](store::Conn& c) {
    Filter all;
    auto events = List(c, all);
    ASSERT_EQ(events.size(), 9u);
    EXPECT_EQ(events.front().seq, 9);

    Filter by_user;
    by_user.username = "aigerim";
    for (const auto& e : List(c, by_user)) EXPECT_EQ(e.username, "aigerim");
    EXPECT_EQ(List(c, by_user).size(), 5u);

    Filter by_action;
    by_action.action = "user.create";
    EXPECT_EQ(List(c, by_action).size(), 3u);
    by_action.action = "session.*";
    EXPECT_EQ(List(c, by_action).size(), 6u);
    by_action.action = "%";
    EXPECT_EQ(List(c, by_action).size(), 0u);

    Filter by_object;
    by_object.object_type = "user";
    by_object.object_id = "4";
    ASSERT_EQ(List(c, by_object).size(), 1u);
    EXPECT_EQ(List(c, by_object)[0].detail, "{\"n\":4}");

    Filter window;
    window.from = "2026-01-02T00:00:00Z";
    window.to = "2026-01-04T00:00:00Z";
    EXPECT_EQ(List(c, window).size(), 2u);

    Filter page;
    page.limit = 4;
    page.before_seq = 6;
    auto p = List(c, page);
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p.front().seq, 5);
    EXPECT_EQ(p.back().seq, 2);
  });
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTest, ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kenes::audit
