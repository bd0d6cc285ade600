// The one database interface of Kenes, over SQLite (embedded default, "sqlite:PATH") and
// PostgreSQL ("postgresql://..."), both through SOCI so that every module writes one SQL text
// with :name placeholders. Thread-safe: a Database owns a fixed pool of connections; each Read or
// Write borrows one for the duration of the call (blocking while all are busy).
#pragma once

#include <soci/soci.h>

#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"

namespace kenes::store {

enum class Backend { kSqlite, kPostgresql };

// Objects kept with one pooled connection for its whole life (prepared statements).
using ConnCache = std::unordered_map<std::string, std::shared_ptr<void>>;

// One borrowed connection, used by one thread for one unit of work. Not thread-safe.
class Conn {
 public:
  Conn(soci::session& sql, Backend backend, ConnCache& cache)
      : sql_(sql), backend_(backend), cache_(cache) {}
  soci::session& sql() { return sql_; }
  Backend backend() const { return backend_; }

  // The object cached on this connection under `key`, made by make(sql()) -> std::unique_ptr<T>
  // the first time. For hot queries: a T holding a soci::statement prepared once together with
  // the variables it binds, re-executed on every use instead of compiling the SQL again.
  // REQUIRES: every use of `key` asks for the same T.
  template <typename T, typename Make>
  T& Cached(const std::string& key, Make&& make) {
    std::shared_ptr<void>& slot = cache_[key];
    if (!slot) slot = std::shared_ptr<T>(std::forward<Make>(make)(sql_));
    return *static_cast<T*>(slot.get());
  }

 private:
  soci::session& sql_;
  Backend backend_;
  ConnCache& cache_;
};

// A numbered schema change. Statements run in order in one transaction; the tokens
// {{id}} (an auto-increment BIGINT primary key column type) and {{blob}} are replaced per backend;
// a statement that starts with {{sqlite}} or {{postgresql}} runs on that backend only.
struct Migration {
  int version = 0;
  std::string name;
  std::vector<std::string> statements;
};

struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string applied_at;
};

class Database {
 public:
  // Opens `url` with `pool_size` connections. SQLite files are created (with their directory) and
  // put in WAL mode with synchronous=FULL, so an acknowledged commit survives a crash.
  // Errors: kInvalidArgument for a malformed URL, kUnavailable when the server cannot be reached.
  static core::Result<std::unique_ptr<Database>> Open(const std::string& url, int pool_size);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Backend backend() const { return backend_; }

  // Runs f(Conn&) outside an explicit transaction (each statement commits alone). Returns f's
  // result. Database errors propagate as soci::soci_error.
  template <typename F>
  auto Read(F&& f) {
    Lease lease(*this);
    Conn conn(lease.sql(), backend_, lease.cache());
    return std::forward<F>(f)(conn);
  }

  // Runs f(Conn&) in one transaction (SQLite: BEGIN IMMEDIATE, so writers queue instead of
  // deadlocking). f returns core::Status or core::Result<T>: a value commits, an error rolls back;
  // an exception rolls back and propagates.
  template <typename F>
  auto Write(F&& f) {
    Lease lease(*this);
    Conn conn(lease.sql(), backend_, lease.cache());
    Begin(lease.sql());
    try {
      auto result = std::forward<F>(f)(conn);
      if (result.has_value()) {
        Commit(lease.sql());
      } else {
        Rollback(lease.sql());
      }
      return result;
    } catch (...) {
      Rollback(lease.sql());
      throw;
    }
  }

  // Applies every migration in `migrations` (ascending, unique versions) not yet recorded, each in
  // its own transaction together with its record. Safe to run concurrently from two processes.
  // Errors: kInternal naming the failing migration; kConflict if the database holds a version
  // this build does not know.
  core::Status Migrate(const std::vector<Migration>& migrations);
  // The recorded migrations, oldest first (creates the empty record table if missing).
  std::vector<AppliedMigration> AppliedMigrations();

  // True when a trivial query succeeds.
  bool Ping();

 private:
  class Lease {
   public:
    explicit Lease(Database& db);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    soci::session& sql() { return *session_; }
    ConnCache& cache() { return db_.caches_[index_]; }

   private:
    Database& db_;
    size_t index_;
    soci::session* session_;
  };

  Database(Backend backend, std::unique_ptr<soci::connection_pool> pool, size_t size);
  void Begin(soci::session& sql);
  static void Commit(soci::session& sql);
  static void Rollback(soci::session& sql) noexcept;
  std::string Expand(const std::string& statement) const;

  Backend backend_;
  std::unique_ptr<soci::connection_pool> pool_;
  size_t size_;
  // One per pooled connection; declared after pool_ so that cached statements go first.
  std::vector<ConnCache> caches_;
};

// Executes a cached statement that returns at most one row (a lookup by a unique key) and runs it
// to completion, so that on SQLite it does not hold a read snapshot open on its connection
// between uses (later statements on that connection would see stale data, and a later write
// transaction would fail). Returns whether a row was read into the bound variables.
// Throws soci::soci_error if the query returns more than one row.
bool ExecuteOne(soci::statement& statement);

// True when `e` reports a UNIQUE / PRIMARY KEY violation on either backend.
bool IsUniqueViolation(const soci::soci_error& e);

// Column access on dynamic rows that works the same on both backends (SQLite reports INTEGER
// columns as int, PostgreSQL BIGINT as long long, NULLs with an indicator).
long long GetInt(const soci::row& row, size_t column);
std::string GetText(const soci::row& row, size_t column);  // "" for NULL
double GetReal(const soci::row& row, size_t column);       // 0 for NULL
bool IsNull(const soci::row& row, size_t column);

}  // namespace kenes::store
