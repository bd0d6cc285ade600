#include "testing/test_database.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>

#include "core/crypto.h"

namespace kenes::testing {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): tests read env at setup
  return v == nullptr ? "" : v;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<std::string> BackendNames() { return {"sqlite", "postgresql"}; }

bool PostgresRequired() { return Env("KENES_TEST_REQUIRE_POSTGRES") == "1"; }

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kenes-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TestDatabase::TestDatabase(const std::string& backend) {
  if (backend == "sqlite") {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kenes-db-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      why_ = "mkdtemp failed";
      return;
    }
    sqlite_dir_ = tmpl;
    sqlite_path_ = sqlite_dir_ + "/kenes.db";
    url_ = "sqlite:" + sqlite_path_;
    available_ = true;
    return;
  }
  admin_url_ = Env("KENES_TEST_POSTGRES_URL");
  if (admin_url_.empty()) {
    why_ = "KENES_TEST_POSTGRES_URL is not set; run `make test` to start a PostgreSQL server";
    return;
  }
  schema_ = "t_" + Lower(core::RandomToken(9));
  for (char& c : schema_) {
    if (c == '-') c = '_';
  }
  try {
    auto admin = store::Database::Open(admin_url_, 1);
    if (!admin) {
      why_ = "cannot reach PostgreSQL at KENES_TEST_POSTGRES_URL: " + admin.error().message;
      return;
    }
    (*admin)->Read([&](store::Conn& c) { c.sql() << "CREATE SCHEMA " + schema_; });
  } catch (const std::exception& e) {
    why_ = std::string("cannot reach PostgreSQL at KENES_TEST_POSTGRES_URL: ") + e.what();
    return;
  }
  const char sep = admin_url_.find('?') == std::string::npos ? '?' : '&';
  url_ = admin_url_ + sep + "options=-csearch_path%3D" + schema_;
  available_ = true;
}

TestDatabase::~TestDatabase() {
  if (!sqlite_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(sqlite_dir_, ec);
  }
  if (!schema_.empty() && available_) {
    try {
      auto admin = store::Database::Open(admin_url_, 1);
      if (admin)
        (*admin)->Read([&](store::Conn& c) { c.sql() << "DROP SCHEMA " + schema_ + " CASCADE"; });
    } catch (...) {  // NOLINT(bugprone-empty-catch): the server is thrown away after the run
    }
  }
}

std::unique_ptr<store::Database> TestDatabase::Open(int pool_size) const {
  auto db = store::Database::Open(url_, pool_size);
  if (!db) {
    ADD_FAILURE() << "cannot open " << url_ << ": " << db.error().message;
    return nullptr;
  }
  return std::move(*db);
}

}  // namespace kenes::testing
