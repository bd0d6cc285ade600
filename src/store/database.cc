#include "store/database.h"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>

#include "core/clock.h"

namespace kenes::store {

using core::ErrorCode;
using core::Fail;

namespace {

// SQLite: quote a path for SOCI's "key=value" connect string.
std::string SqliteConnectString(const std::string& path) {
  std::string quoted;
  for (char c : path) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return "db=\"" + quoted + "\" timeout=10 shared_cache=false";
}

// PostgreSQL: SOCI 4.0 re-tokenises its connect string on spaces (to find its own options), which
// mangles URIs; so parse the URL with libpq itself and hand SOCI plain key='value' pairs.
core::Result<std::string> PostgresConnectString(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
  if (options == nullptr) {
    std::string why = err != nullptr ? err : "out of memory";
    PQfreemem(err);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return Fail(ErrorCode::kInvalidArgument, "malformed PostgreSQL URL: " + why);
  }
  std::string out;
  std::string problem;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string value = o->val;
    if (value.find_first_of(" \t\n") != std::string::npos) {
      problem = std::string("the value of '") + o->keyword +
                "' contains a space, which the driver cannot pass; use PGPASSWORD or ~/.pgpass";
      break;
    }
    std::string quoted;
    for (char c : value) {
      if (c == '\'' || c == '\\') quoted += '\\';
      quoted += c;
    }
    out += (out.empty() ? "" : " ") + std::string(o->keyword) + "='" + quoted + "'";
  }
  PQconninfoFree(options);
  if (!problem.empty()) return Fail(ErrorCode::kInvalidArgument, problem);
  return out;
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

core::Result<std::unique_ptr<Database>> Database::Open(const std::string& url, int pool_size) {
  if (pool_size < 1) return Fail(ErrorCode::kInvalidArgument, "pool size must be at least 1");
  Backend backend;
  std::string connect;
  if (url.rfind("sqlite:", 0) == 0) {
    backend = Backend::kSqlite;
    const std::string path = url.substr(7);
    if (path.empty()) return Fail(ErrorCode::kInvalidArgument, "sqlite URL has no path: " + url);
    const auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Fail(ErrorCode::kUnavailable,
                  "cannot create directory " + parent.string() + ": " + ec.message());
    }
    connect = SqliteConnectString(path);
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    backend = Backend::kPostgresql;
    auto parsed = PostgresConnectString(url);
    if (!parsed) return tl::unexpected(parsed.error());
    connect = *parsed;
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                "database URL must start with sqlite: or postgresql://, got '" + url + "'");
  }
  auto pool = std::make_unique<soci::connection_pool>(static_cast<size_t>(pool_size));
  try {
    for (size_t i = 0; i < static_cast<size_t>(pool_size); ++i) {
      soci::session& s = pool->at(i);
      if (backend == Backend::kSqlite) {
        s.open(soci::sqlite3, connect);
        s << "PRAGMA journal_mode=WAL";
        s << "PRAGMA synchronous=FULL";
        s << "PRAGMA busy_timeout=10000";
        s << "PRAGMA foreign_keys=ON";
      } else {
        s.open(soci::postgresql, connect);
        s << "SET client_min_messages TO WARNING";
      }
    }
  } catch (const soci::soci_error& e) {
    // Never echo the URL: it may hold a password.
    return Fail(ErrorCode::kUnavailable,
                std::string("cannot open database: ") + e.get_error_message());
  }
  return std::unique_ptr<Database>(
      new Database(backend, std::move(pool), static_cast<size_t>(pool_size)));
}

Database::Database(Backend backend, std::unique_ptr<soci::connection_pool> pool, size_t size)
    : backend_(backend), pool_(std::move(pool)), size_(size), caches_(size) {}

Database::~Database() = default;

Database::Lease::Lease(Database& db) : db_(db), index_(db.pool_->lease()) {
  session_ = &db_.pool_->at(index_);
}

Database::Lease::~Lease() { db_.pool_->give_back(index_); }

void Database::Begin(soci::session& sql) {
  sql << (backend_ == Backend::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
}

void Database::Commit(soci::session& sql) { sql << "COMMIT"; }

void Database::Rollback(soci::session& sql) noexcept {
  try {
    sql << "ROLLBACK";
  } catch (...) {  // NOLINT(bugprone-empty-catch): the connection already aborted the transaction
  }
}

std::string Database::Expand(const std::string& statement) const {
  std::string s = statement;
  const bool sqlite = backend_ == Backend::kSqlite;
  // A statement only one backend can run (FTS5 tables, tsvector columns) names it first.
  const std::string mine = sqlite ? "{{sqlite}}" : "{{postgresql}}";
  const std::string other = sqlite ? "{{postgresql}}" : "{{sqlite}}";
  if (s.starts_with(other)) return {};
  if (s.starts_with(mine)) s.erase(0, mine.size());
  ReplaceAll(s, "{{id}}",
             sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                    : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  ReplaceAll(s, "{{blob}}", sqlite ? "BLOB" : "BYTEA");
  return s;
}

core::Status Database::Migrate(const std::vector<Migration>& migrations) {
  int last = 0;
  for (const auto& m : migrations) {
    if (m.version <= last) {
      return Fail(ErrorCode::kInternal,
                  "migrations out of order at version " + std::to_string(m.version));
    }
    last = m.version;
  }
  for (const auto& applied : AppliedMigrations()) {
    if (applied.version > last) {
      return Fail(ErrorCode::kConflict, "database has migration " +
                                            std::to_string(applied.version) + " (" + applied.name +
                                            ") which this build does not know; upgrade kenes");
    }
  }
  for (const auto& m : migrations) {
    core::Status s = Write([&](Conn& c) -> core::Status {
      if (backend_ == Backend::kPostgresql) {
        // Serialises concurrent migrators; released at commit.
        c.sql() << "SELECT pg_advisory_xact_lock(4242001)";
      }
      int count = 0;
      c.sql() << "SELECT COUNT(*) FROM schema_migrations WHERE version = :v", soci::use(m.version),
          soci::into(count);
      if (count > 0) return {};
      for (const auto& statement : m.statements) {
        const std::string expanded = Expand(statement);
        if (expanded.empty()) continue;  // for the other backend
        try {
          c.sql() << expanded;
        } catch (const soci::soci_error& e) {
          return Fail(ErrorCode::kInternal, "migration " + std::to_string(m.version) + " (" +
                                                m.name + ") failed: " + e.get_error_message());
        }
      }
      const std::string now = core::FormatUtc(core::SystemClock().Now());
      c.sql() << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)",
          soci::use(m.version), soci::use(m.name), soci::use(now);
      return {};
    });
    if (!s) return s;
  }
  return {};
}

std::vector<AppliedMigration> Database::AppliedMigrations() {
  return Read([](Conn& c) {
    c.sql() << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
               "name TEXT NOT NULL, applied_at TEXT NOT NULL)";
    std::vector<AppliedMigration> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare
         << "SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
    for (const auto& r : rows) {
      out.push_back({static_cast<int>(GetInt(r, 0)), GetText(r, 1), GetText(r, 2)});
    }
    return out;
  });
}

bool Database::Ping() {
  try {
    return Read([](Conn& c) {
      int one = 0;
      c.sql() << "SELECT 1", soci::into(one);
      return one == 1;
    });
  } catch (const std::exception&) {
    return false;
  }
}

bool ExecuteOne(soci::statement& statement) {
  if (!statement.execute(true)) return false;
  if (statement.fetch()) throw soci::soci_error("a single-row query returned several rows");
  return true;
}

bool IsUniqueViolation(const soci::soci_error& e) {
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) {
    return pg->sqlstate() == "23505";
  }
  const std::string msg = e.get_error_message();
  return msg.find("UNIQUE constraint failed") != std::string::npos ||
         msg.find("PRIMARY KEY constraint failed") != std::string::npos;
}

long long GetInt(const soci::row& row, size_t column) {
  if (row.get_indicator(column) == soci::i_null) return 0;
  switch (row.get_properties(column).get_data_type()) {
    case soci::dt_integer:
      return row.get<int>(column);
    case soci::dt_long_long:
      return row.get<long long>(column);
    case soci::dt_unsigned_long_long:
      return static_cast<long long>(row.get<unsigned long long>(column));
    case soci::dt_double:
      return static_cast<long long>(row.get<double>(column));
    case soci::dt_string:
      return std::stoll(row.get<std::string>(column));
    default:
      throw soci::soci_error("column " + std::to_string(column) + " is not an integer");
  }
}

double GetReal(const soci::row& row, size_t column) {
  if (row.get_indicator(column) == soci::i_null) return 0;
  switch (row.get_properties(column).get_data_type()) {
    case soci::dt_double:
      return row.get<double>(column);
    case soci::dt_integer:
      return row.get<int>(column);
    case soci::dt_long_long:
      return static_cast<double>(row.get<long long>(column));
    case soci::dt_string:
      return std::stod(row.get<std::string>(column));
    default:
      throw soci::soci_error("column " + std::to_string(column) + " is not a number");
  }
}

std::string GetText(const soci::row& row, size_t column) {
  if (row.get_indicator(column) == soci::i_null) return {};
  switch (row.get_properties(column).get_data_type()) {
    case soci::dt_string:
      return row.get<std::string>(column);
    case soci::dt_integer:
      return std::to_string(row.get<int>(column));
    case soci::dt_long_long:
      return std::to_string(row.get<long long>(column));
    default:
      throw soci::soci_error("column " + std::to_string(column) + " is not text");
  }
}

bool IsNull(const soci::row& row, size_t column) {
  return row.get_indicator(column) == soci::i_null;
}

}  // namespace kenes::store
