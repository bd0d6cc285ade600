// The append-only, hash-chained audit log. Every write (and every read of personal data) appends
// one event in the same transaction as the change it records. Each event's hash covers its own
// fields and the previous event's hash; `audit_head` holds the last sequence number and hash, so
// a modified, deleted, re-ordered or inserted row breaks the chain and Verify names the first bad
// link. Thread-safe: free functions over a borrowed store::Conn; appends are serialised by the
// database (SQLite's write lock; a row lock on audit_head in PostgreSQL).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"

namespace kenes::audit {

// Who acted. `user_id` is empty for the system (CLI, migrations, demo loader).
struct Actor {
  std::optional<long long> user_id;
  std::string username;
  std::string agency;
  std::string request_id;
};

// What happened. `detail` must never hold personal data, passwords or tokens.
struct Event {
  std::string action;       // "user.create", "session.login_failed", ...
  std::string object_type;  // "user", "session", ...
  std::string object_id;
  nlohmann::json detail = nlohmann::json::object();
};

struct Record {
  long long seq = 0;
  std::string at;
  std::optional<long long> user_id;
  std::string username;
  std::string agency;
  std::string action;
  std::string object_type;
  std::string object_id;
  std::string request_id;
  std::string detail;  // JSON text
  std::string prev_hash;
  std::string hash;
};

// Schema of this module (versions 100-199).
std::vector<store::Migration> Migrations();

// Appends `event` by `actor` at time `at`. REQUIRES: `conn` is inside Database::Write.
// Returns the new event's sequence number. Database errors throw soci::soci_error.
long long Append(store::Conn& conn, const Actor& actor, const Event& event, core::TimePoint at);

// The hash stored with `r`, recomputed from its fields (r.hash is ignored).
std::string ComputeHash(const Record& r);

struct VerifyReport {
  bool ok = true;
  long long events = 0;  // events checked
  std::optional<long long> first_bad_seq;
  std::string problem;    // empty when ok
  std::string head_hash;  // hash of the last event (the value to anchor elsewhere)
};

// Recomputes the whole chain from the first event and compares it with audit_head.
VerifyReport Verify(store::Database& db);

struct Filter {
  std::optional<std::string> username;
  std::optional<std::string> agency;
  std::optional<std::string> action;  // exact, or a prefix ending in '*' ("user.*")
  std::optional<std::string> object_type;
  std::optional<std::string> object_id;
  std::optional<std::string> from;      // inclusive, ISO-8601 UTC
  std::optional<std::string> to;        // exclusive
  std::optional<long long> before_seq;  // paging: events older than this
  int limit = 100;
};

// Events matching `filter`, newest first.
std::vector<Record> List(store::Conn& conn, const Filter& filter);

}  // namespace kenes::audit
