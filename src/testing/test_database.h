// Test support: a fresh, empty database on either backend, removed afterwards. PostgreSQL tests
// use the server named by KENES_TEST_POSTGRES_URL (make test starts one); each database is a
// fresh schema on it. When that variable is unset the PostgreSQL cases skip, unless
// KENES_TEST_REQUIRE_POSTGRES=1 (set by make test), in which case they fail.
// Not thread-safe; one per test.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/database.h"

namespace kenes::testing {

// "sqlite" and "postgresql": the parameter values of backend-parameterised suites.
std::vector<std::string> BackendNames();

class TestDatabase {
 public:
  // Creates an empty database for `backend` ("sqlite" or "postgresql"). On PostgreSQL without a
  // server, `available()` is false and `why_unavailable()` says why.
  explicit TestDatabase(const std::string& backend);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool available() const { return available_; }
  const std::string& why_unavailable() const { return why_; }
  // The URL to pass to Database::Open or to `kenes --database`.
  const std::string& url() const { return url_; }
  // Opens a pool on this database; aborts the test on failure.
  std::unique_ptr<store::Database> Open(int pool_size = 4) const;
  // Path of the SQLite file (empty on PostgreSQL).
  const std::string& sqlite_path() const { return sqlite_path_; }
  // Name of the PostgreSQL schema (empty on SQLite).
  const std::string& pg_schema() const { return schema_; }

 private:
  bool available_ = false;
  std::string why_;
  std::string url_;
  std::string sqlite_dir_;
  std::string sqlite_path_;
  std::string schema_;
  std::string admin_url_;
};

// Skips (or fails, when PostgreSQL is required) the current test if `db` is unavailable.
#define KENES_REQUIRE_DATABASE(db)                                                \
  do {                                                                            \
    if (!(db).available()) {                                                      \
      if (::kenes::testing::PostgresRequired()) FAIL() << (db).why_unavailable(); \
      GTEST_SKIP() << (db).why_unavailable();                                     \
    }                                                                             \
  } while (0)

bool PostgresRequired();

// A unique, empty temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace kenes::testing
