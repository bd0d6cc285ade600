// The store suite: runs unchanged on SQLite and PostgreSQL.
#include "store/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "testing/test_database.h"

namespace kenes::store {
namespace {

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<kenes::testing::TestDatabase>(GetParam());
    KENES_REQUIRE_DATABASE(*tdb_);
    db_ = tdb_->Open();
    ASSERT_NE(db_, nullptr);
  }

  std::vector<Migration> Sample() {
    return {
        {1, "things", {"CREATE TABLE things (id {{id}}, name TEXT NOT NULL UNIQUE, n BIGINT)"}},
        {2,
         "thing_notes",
         {"CREATE TABLE notes (id {{id}}, thing_id BIGINT NOT NULL REFERENCES things(id), body "
          "TEXT)",
          "CREATE INDEX notes_thing ON notes(thing_id)"}},
    };
  }

  std::unique_ptr<kenes::testing::TestDatabase> tdb_;
  std::unique_ptr<Database> db_;
};

TEST_P(StoreTest, MigrationsApplyOnceAndAreRecorded) {
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());  // idempotent
  const auto applied = db_->AppliedMigrations();
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[0].version, 1);
  EXPECT_EQ(applied[1].name, "thing_notes");
}

TEST_P(StoreTest, FailedMigrationLeavesNothingBehind) {
  ASSERT_TRUE(db_->Migrate({Sample()[0]}).has_value());
  std::vector<Migration> bad = Sample();
  bad.push_back({3, "broken", {"CREATE TABLE half (id {{id}})", "CREATE TABLE ((( nonsense"}});
  auto s = db_->Migrate(bad);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("migration 3 (broken) failed"), std::string::npos);
  // Migration 2 landed, 3 did not, and its first table was rolled back with it.
  EXPECT_EQ(db_->AppliedMigrations().size(), 2u);
  const bool half_exists = db_->Read([](Conn& c) {
    try {
      int n = 0;
      c.sql() << "SELECT COUNT(*) FROM half", soci::into(n);
      return true;
    } catch (const soci::soci_error&) {
      return false;
    }
  });
  EXPECT_FALSE(half_exists);
}

TEST_P(StoreTest, RefusesDatabaseNewerThanBuild) {
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());
  auto s = db_->Migrate({Sample()[0]});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, core::ErrorCode::kConflict);
}

TEST_P(StoreTest, WriteCommitsOnValueAndRollsBackOnError) {
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());
  auto ok = db_->Write([](Conn& c) -> core::Result<long long> {
    long long id = 0;
    std::string name = "first";
    c.sql() << "INSERT INTO things (name, n) VALUES (:name, 1) RETURNING id", soci::use(name),
        soci::into(id);
    return id;
  });
  ASSERT_TRUE(ok.has_value());
  EXPECT_GT(*ok, 0);
  auto failed = db_->Write([](Conn& c) -> core::Status {
    c.sql() << "INSERT INTO things (name, n) VALUES ('second', 2)";
    return core::Fail(core::ErrorCode::kUnprocessable, "rule broken");
  });
  ASSERT_FALSE(failed.has_value());
  EXPECT_THROW(db_->Write([](Conn& c) -> core::Status {
    c.sql() << "INSERT INTO things (name, n) VALUES ('third', 3)";
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  const int count = db_->Read([](Conn& c) {
    int n = 0;
    c.sql() << "SELECT COUNT(*) FROM things", soci::into(n);
    return n;
  });
  EXPECT_EQ(count, 1);
}

TEST_P(StoreTest, UniqueViolationIsRecognised) {
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());
  db_->Read([](Conn& c) { c.sql() << "INSERT INTO things (name) VALUES ('x')"; });
  try {
    db_->Read([](Conn& c) { c.sql() << "INSERT INTO things (name) VALUES ('x')"; });
    FAIL() << "expected a unique violation";
  } catch (const soci::soci_error& e) {
    EXPECT_TRUE(IsUniqueViolation(e)) << e.what();
  }
}

TEST_P(StoreTest, SqlMetacharactersAreDataNotCode) {
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());
  const std::string evil = "Robert'); DROP TABLE things; -- ; SELECT * FROM \"x\" \\ :name";
  db_->Read([&](Conn& c) { c.sql() << "INSERT INTO things (name) VALUES (:v)", soci::use(evil); });
  std::string back;
  db_->Read([&](Conn& c) { c.sql() << "SELECT name FROM things", soci::into(back); });
  EXPECT_EQ(back, evil);
}

TEST_P(StoreTest, UnicodeRoundTrips) {
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());
  const std::string name = "Нұрсұлтан Әбішұлы — Ä Ğ Q Ñ Ö Ū Ü Ş ı";
  db_->Read([&](Conn& c) { c.sql() << "INSERT INTO things (name) VALUES (:v)", soci::use(name); });
  std::string back;
  db_->Read([&](Conn& c) { c.sql() << "SELECT name FROM things", soci::into(back); });
  EXPECT_EQ(back, name);
}

TEST_P(StoreTest, DynamicRowsReadTheSameOnBothBackends) {
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());
  db_->Read([](Conn& c) {
    c.sql() << "INSERT INTO things (name, n) VALUES ('big', 9000000000)";
    c.sql() << "INSERT INTO things (name) VALUES ('null-n')";
  });
  db_->Read([](Conn& c) {
    soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT name, n FROM things ORDER BY id");
    std::vector<std::pair<std::string, long long>> got;
    for (const auto& r : rows) got.emplace_back(GetText(r, 0), GetInt(r, 1));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], std::make_pair(std::string("big"), 9000000000LL));
    EXPECT_EQ(got[1], std::make_pair(std::string("null-n"), 0LL));
  });
}

TEST_P(StoreTest, ConcurrentWritersAllLand) {
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        try {
          auto r = db_->Write([&](Conn& c) -> core::Status {
            // Read-then-write inside one transaction: the pattern the audit chain relies on.
            long long n = 0;
            c.sql() << "SELECT COUNT(*) FROM things", soci::into(n);
            std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
            c.sql() << "INSERT INTO things (name, n) VALUES (:name, :n)", soci::use(name),
                soci::use(n);
            return {};
          });
          if (!r) ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const int count = db_->Read([](Conn& c) {
    int n = 0;
    c.sql() << "SELECT COUNT(*) FROM things", soci::into(n);
    return n;
  });
  EXPECT_EQ(count, 100);
}

TEST_P(StoreTest, CachedStatementsAreReusedPerConnection) {
  ASSERT_TRUE(db_->Migrate(Sample()).has_value());
  db_->Read([](Conn& c) {
    c.sql() << "INSERT INTO things (name, n) VALUES ('a', 1)";
    c.sql() << "INSERT INTO things (name, n) VALUES ('b', 2)";
  });
  struct ByName {
    std::string name;
    long long n = 0;
    int made = 0;
    soci::statement st;
    explicit ByName(soci::session& sql)
        : st((sql.prepare << "SELECT n FROM things WHERE name = :name", soci::use(name),
              soci::into(n))) {}
  };
  int creations = 0;
  auto lookup = [&](const std::string& name) {
    return db_->Read([&](Conn& c) -> std::optional<long long> {
      auto& q = c.Cached<ByName>("things.by_name", [&](soci::session& sql) {
        ++creations;
        return std::make_unique<ByName>(sql);
      });
      q.name = name;
      if (!ExecuteOne(q.st)) return std::nullopt;
      return q.n;
    });
  };
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(lookup("a"), 1);
    EXPECT_EQ(lookup("b"), 2);
    EXPECT_EQ(lookup("missing"), std::nullopt);
  }
  EXPECT_GE(creations, 1);
  EXPECT_LE(creations, 4);  // at most once per pooled connection
  // Using a cached statement leaves no snapshot behind on its connection: a write committed on
  // another connection is visible to the next plain query there, and a write transaction starts.
  ASSERT_EQ(lookup("a"), 1);  // the first free connection, as nothing else is leased
  db_->Read([&](Conn& c) {
    db_->Read([](Conn& other) { other.sql() << "UPDATE things SET n = 5 WHERE name = 'a'"; });
    long long n = 0;
    c.sql() << "SELECT n FROM things WHERE name = 'a'", soci::into(n);
    EXPECT_EQ(n, 5);
  });
  ASSERT_EQ(lookup("a"), 5);
  db_->Read([&](Conn&) {
    db_->Read([](Conn& other) { other.sql() << "UPDATE things SET n = 6 WHERE name = 'b'"; });
  });
  auto w = db_->Write([](Conn& c) -> core::Status {
    c.sql() << "UPDATE things SET n = n + 1 WHERE name = 'a'";
    return {};
  });
  EXPECT_TRUE(w.has_value());
  EXPECT_EQ(lookup("a"), 6);
  EXPECT_EQ(lookup("b"), 6);
}

TEST_P(StoreTest, PingAnswers) { EXPECT_TRUE(db_->Ping()); }

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

TEST(StoreOpenTest, RejectsUnknownScheme) {
  auto db = Database::Open("mysql://localhost/x", 1);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, core::ErrorCode::kInvalidArgument);
}

TEST(StoreOpenTest, UnreachablePostgresIsUnavailableAndHidesPassword) {
  auto db = Database::Open("postgresql://kenes:s3cret@127.0.0.1:1/none?connect_timeout=2", 1);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, core::ErrorCode::kUnavailable);
  EXPECT_EQ(db.error().message.find("s3cret"), std::string::npos);
}

TEST(StoreOpenTest, SqliteIsInWalModeWithFullSync) {
  kenes::testing::TestDatabase tdb("sqlite");
  auto db = tdb.Open(1);
  db->Read([](Conn& c) {
    std::string mode;
    int sync = 0;
    c.sql() << "PRAGMA journal_mode", soci::into(mode);
    c.sql() << "PRAGMA synchronous", soci::into(sync);
    EXPECT_EQ(mode, "wal");
    EXPECT_EQ(sync, 2);  // FULL
  });
}

}  // namespace
}  // namespace kenes::store
