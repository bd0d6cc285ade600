#include "audit/audit_log.h"

#include "core/crypto.h"

namespace kenes::audit {
namespace {

const std::string kGenesis(64, '0');

Record FromRow(const soci::row& r) {
  Record rec;
  rec.seq = store::GetInt(r, 0);
  rec.at = store::GetText(r, 1);
  if (!store::IsNull(r, 2)) rec.user_id = store::GetInt(r, 2);
  rec.username = store::GetText(r, 3);
  rec.agency = store::GetText(r, 4);
  rec.action = store::GetText(r, 5);
  rec.object_type = store::GetText(r, 6);
  rec.object_id = store::GetText(r, 7);
  rec.request_id = store::GetText(r, 8);
  rec.detail = store::GetText(r, 9);
  rec.prev_hash = store::GetText(r, 10);
  rec.hash = store::GetText(r, 11);
  return rec;
}

constexpr const char* kColumns =
    "seq, at, user_id, username, agency, action, object_type, object_id, request_id, detail, "
    "prev_hash, hash";

}  // namespace

std::vector<store::Migration> Migrations() {
  return {{100,
           "audit_events",
           {"CREATE TABLE audit_events ("
            " seq BIGINT PRIMARY KEY,"
            " at TEXT NOT NULL,"
            " user_id BIGINT,"
            " username TEXT NOT NULL,"
            " agency TEXT NOT NULL,"
            " action TEXT NOT NULL,"
            " object_type TEXT NOT NULL,"
            " object_id TEXT NOT NULL,"
            " request_id TEXT NOT NULL,"
            " detail TEXT NOT NULL,"
            " prev_hash TEXT NOT NULL,"
            " hash TEXT NOT NULL)",
            "CREATE INDEX audit_events_at ON audit_events(at)",
            "CREATE INDEX audit_events_user ON audit_events(username, seq)",
            "CREATE INDEX audit_events_object ON audit_events(object_type, object_id, seq)",
            "CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL,"
            " hash TEXT NOT NULL)",
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + kGenesis + "')"}}};
}

std::string ComputeHash(const Record& r) {
  // A JSON array gives an unambiguous, stable encoding of the fields in a fixed order.
  const nlohmann::json fields = {
      r.seq,         r.at,        r.user_id ? nlohmann::json(*r.user_id) : nlohmann::json(nullptr),
      r.username,    r.agency,    r.action,
      r.object_type, r.object_id, r.request_id,
      r.detail,      r.prev_hash};
  return core::Sha256Hex(fields.dump());
}

long long Append(store::Conn& conn, const Actor& actor, const Event& event, core::TimePoint at) {
  long long last_seq = 0;
  std::string last_hash;
  if (conn.backend() == store::Backend::kPostgresql) {
    conn.sql() << "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE", soci::into(last_seq),
        soci::into(last_hash);
  } else {
    conn.sql() << "SELECT seq, hash FROM audit_head WHERE id = 1", soci::into(last_seq),
        soci::into(last_hash);
  }
  Record r;
  r.seq = last_seq + 1;
  r.at = core::FormatUtc(at);
  r.user_id = actor.user_id;
  r.username = actor.username;
  r.agency = actor.agency;
  r.action = event.action;
  r.object_type = event.object_type;
  r.object_id = event.object_id;
  r.request_id = actor.request_id;
  r.detail = event.detail.dump();
  r.prev_hash = last_hash;
  r.hash = ComputeHash(r);
  long long user_id = r.user_id.value_or(0);
  soci::indicator user_ind = r.user_id ? soci::i_ok : soci::i_null;
  conn.sql() << "INSERT INTO audit_events (seq, at, user_id, username, agency, action, object_type,"
                " object_id, request_id, detail, prev_hash, hash) VALUES (:seq, :at, :uid, :un,"
                " :ag, :ac, :ot, :oi, :rq, :de, :ph, :h)",
      soci::use(r.seq), soci::use(r.at), soci::use(user_id, user_ind), soci::use(r.username),
      soci::use(r.agency), soci::use(r.action), soci::use(r.object_type), soci::use(r.object_id),
      soci::use(r.request_id), soci::use(r.detail), soci::use(r.prev_hash), soci::use(r.hash);
  conn.sql() << "UPDATE audit_head SET seq = :seq, hash = :h WHERE id = 1", soci::use(r.seq),
      soci::use(r.hash);
  return r.seq;
}

VerifyReport Verify(store::Database& db) {
  return db.Read([](store::Conn& conn) {
    VerifyReport report;
    auto fail = [&report](long long seq, std::string problem) {
      report.ok = false;
      report.first_bad_seq = seq;
      report.problem = std::move(problem);
    };
    std::string prev = kGenesis;
    long long expected = 1;
    soci::rowset<soci::row> rows =
        (conn.sql().prepare << "SELECT " << kColumns << " FROM audit_events ORDER BY seq");
    for (const auto& row : rows) {
      const Record r = FromRow(row);
      ++report.events;
      if (r.seq != expected) {
        fail(expected, r.seq > expected ? "event " + std::to_string(expected) + " is missing"
                                        : "event " + std::to_string(r.seq) + " is out of sequence");
        return report;
      }
      if (r.prev_hash != prev) {
        fail(r.seq, "event " + std::to_string(r.seq) +
                        " does not link to the previous event (row inserted or removed before it)");
        return report;
      }
      if (ComputeHash(r) != r.hash) {
        fail(r.seq, "event " + std::to_string(r.seq) + " was modified (hash mismatch)");
        return report;
      }
      prev = r.hash;
      ++expected;
    }
    long long head_seq = 0;
    std::string head_hash;
    conn.sql() << "SELECT seq, hash FROM audit_head WHERE id = 1", soci::into(head_seq),
        soci::into(head_hash);
    report.head_hash = prev;
    if (head_seq != expected - 1 || head_hash != prev) {
      fail(std::min(head_seq, expected - 1) + 1,
           head_seq > expected - 1
               ? "the chain ends at event " + std::to_string(expected - 1) + " but " +
                     std::to_string(head_seq) + " were recorded (events deleted at the end)"
               : "events after " + std::to_string(head_seq) +
                     " were not appended through the audit log (inserted rows)");
    }
    return report;
  });
}

std::vector<Record> List(store::Conn& conn, const Filter& f) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM audit_events WHERE 1 = 1";
  const std::string username = f.username.value_or("");
  const std::string agency = f.agency.value_or("");
  std::string action = f.action.value_or("");
  const bool action_prefix = !action.empty() && action.back() == '*';
  if (action_prefix) {
    action.pop_back();
  }
  const std::string object_type = f.object_type.value_or("");
  const std::string object_id = f.object_id.value_or("");
  const std::string from = f.from.value_or("");
  const std::string to = f.to.value_or("");
  const long long before = f.before_seq.value_or(0);
  const int limit = f.limit;
  if (f.username) sql += " AND username = :un";
  if (f.agency) sql += " AND agency = :ag";
  if (f.action) {
    // substr rather than LIKE so that '%' and '_' in the filter are literal.
    sql += action_prefix ? " AND substr(action, 1, :acl) = :ac" : " AND action = :ac";
  }
  if (f.object_type) sql += " AND object_type = :ot";
  if (f.object_id) sql += " AND object_id = :oi";
  if (f.from) sql += " AND at >= :fr";
  if (f.to) sql += " AND at < :to";
  if (f.before_seq) sql += " AND seq < :bs";
  sql += " ORDER BY seq DESC LIMIT :lim";
  soci::details::prepare_temp_type query = (conn.sql().prepare << sql);
  const int action_len = static_cast<int>(action.size());
  if (f.username) query, soci::use(username, "un");
  if (f.agency) query, soci::use(agency, "ag");
  if (f.action && action_prefix) query, soci::use(action_len, "acl");
  if (f.action) query, soci::use(action, "ac");
  if (f.object_type) query, soci::use(object_type, "ot");
  if (f.object_id) query, soci::use(object_id, "oi");
  if (f.from) query, soci::use(from, "fr");
  if (f.to) query, soci::use(to, "to");
  if (f.before_seq) query, soci::use(before, "bs");
  query, soci::use(limit, "lim");
  soci::rowset<soci::row> rows(query);
  std::vector<Record> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

}  // namespace kenes::audit
