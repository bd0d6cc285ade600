#include "registry/registry_service.h"

#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <tuple>

#include "audit/audit_log.h"
#include "auth/policy.h"
#include "registry/iin.h"

namespace kenes::registry {

using core::ErrorCode;
using core::Fail;

namespace {

constexpr std::size_t kIin = 7, kPassport = 8, kDateOfBirth = 5, kSex = 6;

std::string Context(std::size_t field) { return std::string("workers.") + kPersonalFields[field]; }

std::string PersonalColumns() {
  std::string out;
  for (const char* f : kPersonalFields) out += std::string(", ") + f;
  return out;
}

const std::string& SelectColumns() {
  static const std::string columns =
      "id, agency, created_by, created_at, visa_route, visa_start, visa_end, recruitment_agency,"
      " scheme_operator" +
      PersonalColumns();
  return columns;
}

core::Error Denied(auth::Decision d) {
  return auth::DeniedError(d, "your roles do not allow the worker registry", "no such worker");
}

// A calendar date YYYY-MM-DD (core::ParseUtc checks the calendar).
bool IsIsoDate(const std::string& s, int& y, int& m, int& d) {
  if (s.size() != 10 || !core::ParseUtc(s)) return false;
  y = std::stoi(s.substr(0, 4));
  m = std::stoi(s.substr(5, 2));
  d = std::stoi(s.substr(8, 2));
  return true;
}

// Opens every personal column of a row (columns from 9 on, in kPersonalFields order).
core::Result<Worker> FromRow(const soci::row& r, const DataKey& key) {
  Worker w;
  w.id = store::GetInt(r, 0);
  w.agency = store::GetText(r, 1);
  w.created_by = store::GetInt(r, 2);
  w.created_at = store::GetText(r, 3);
  w.visa_route = store::GetText(r, 4);
  w.visa_start = store::GetText(r, 5);
  w.visa_end = store::GetText(r, 6);
  w.recruitment_agency = store::GetText(r, 7);
  w.scheme_operator = store::GetText(r, 8);
  for (std::size_t f = 0; f < kPersonalFieldCount; ++f) {
    if (store::IsNull(r, 9 + f)) continue;
    auto plain = key.Open(store::GetText(r, 9 + f), Context(f));
    if (!plain) {
      return Fail(ErrorCode::kUnavailable,
                  "worker " + std::to_string(w.id) + ", " + kPersonalFields[f] + ": " +
                      plain.error().message,
                  "data-key-mismatch");
    }
    w.personal[f] = std::move(*plain);
  }
  return w;
}

}  // namespace

RegistryService::RegistryService(store::Database& db, const core::Clock& clock, const DataKey* key)
    : db_(db), clock_(clock), key_(key) {}

std::vector<store::Migration> RegistryService::Migrations() {
  std::string workers =
      "CREATE TABLE workers ("
      " id {{id}},"
      " agency TEXT NOT NULL,"
      " created_by BIGINT NOT NULL,"
      " created_at TEXT NOT NULL,"
      " visa_route TEXT NOT NULL,"
      " visa_start TEXT NOT NULL,"
      " visa_end TEXT NOT NULL,"
      " recruitment_agency TEXT NOT NULL,"
      " scheme_operator TEXT NOT NULL,"
      " iin_index TEXT,"
      " passport_index TEXT";
  for (const char* f : kPersonalFields) workers += std::string(", ") + f + " TEXT";
  workers += ")";
  return {{500,
           "registry_workers",
           {workers, "CREATE INDEX workers_agency ON workers(agency, id)",
            "CREATE INDEX workers_iin ON workers(iin_index)",
            "CREATE INDEX workers_passport ON workers(passport_index)",
            // The id of the key the data is sealed with: a wrong key is caught at start.
            "CREATE TABLE registry_key (singleton INTEGER PRIMARY KEY, key_id TEXT NOT NULL,"
            " since TEXT NOT NULL)"}}};
}

std::string RegistryService::NormalizeIin(std::string_view iin) {
  std::string out;
  for (const char c : iin) {
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

std::string RegistryService::NormalizePassport(std::string_view passport) {
  std::string out;
  for (const char c : passport) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

core::Status RegistryService::CheckKey() {
  if (auto ok = RequireKey(key_); !ok) return ok;
  return db_.Write([&](store::Conn& c) -> core::Status {
    std::string recorded;
    soci::indicator ind = soci::i_null;
    c.sql() << "SELECT key_id FROM registry_key WHERE singleton = 1", soci::into(recorded, ind);
    if (!c.sql().got_data() || ind == soci::i_null) {
      const std::string now = core::FormatUtc(std::chrono::system_clock::now());
      c.sql() << "INSERT INTO registry_key (singleton, key_id, since) VALUES (1, :k, :t)",
          soci::use(key_->id()), soci::use(now);
      return {};
    }
    if (recorded != key_->id()) {
      return Fail(ErrorCode::kUnavailable,
                  "the data key (id " + key_->id() +
                      ") is not the one this database's personal "
                      "data is sealed with (id " +
                      recorded + ")",
                  "data-key-mismatch");
    }
    return {};
  });
}

namespace {

// The checks a worker's record passes, new or edited: IIN (check digit, date, century), date of
// birth, sex and their agreement; fills date of birth and sex from the IIN, normalises IIN,
// passport and sex.
core::Result<WorkerInput> Validated(WorkerInput w) {
  std::optional<IinInfo> iin;
  if (w.personal[kIin]) {
    w.personal[kIin] = RegistryService::NormalizeIin(*w.personal[kIin]);
    auto valid = ValidateIin(*w.personal[kIin]);
    if (!valid) {
      return Fail(ErrorCode::kUnprocessable, "iin: " + valid.error().message, "invalid-iin");
    }
    iin = *valid;
  }
  if (w.personal[kDateOfBirth]) {
    int y = 0, m = 0, dd = 0;
    if (!IsIsoDate(*w.personal[kDateOfBirth], y, m, dd)) {
      return Fail(ErrorCode::kInvalidArgument, "date_of_birth must be a date YYYY-MM-DD",
                  "invalid-field");
    }
    if (iin && (iin->year != y || iin->month != m || iin->day != dd)) {
      return Fail(ErrorCode::kUnprocessable,
                  "date_of_birth disagrees with the birth date the IIN encodes", "invalid-iin");
    }
  } else if (iin) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", iin->year, iin->month, iin->day);
    w.personal[kDateOfBirth] = text;
  }
  if (w.personal[kSex]) {
    std::string& sex = *w.personal[kSex];
    if (sex == "M" || sex == "m") sex = "m";
    if (sex == "F" || sex == "f") sex = "f";
    if (sex != "m" && sex != "f") {
      return Fail(ErrorCode::kUnprocessable, "sex must be m or f", "invalid-field");
    }
    if (iin && iin->sex != sex[0]) {
      return Fail(ErrorCode::kUnprocessable, "sex disagrees with the IIN", "invalid-iin");
    }
  } else if (iin) {
    w.personal[kSex] = std::string(1, iin->sex);
  }
  if (w.personal[kPassport]) {
    w.personal[kPassport] = RegistryService::NormalizePassport(*w.personal[kPassport]);
  }
  return w;
}

// What goes into the row's columns: the blind indexes, then each personal field sealed (NULL
// for absent), in the order of PersonalColumns().
struct SealedRow {
  std::string values[kPersonalFieldCount + 2];
  soci::indicator present[kPersonalFieldCount + 2];
};

SealedRow Seal(const DataKey& key, const WorkerInput& w) {
  std::optional<std::string> cells[kPersonalFieldCount + 2];
  if (w.personal[kIin]) cells[0] = key.BlindIndex("iin", *w.personal[kIin]);
  if (w.personal[kPassport] && !w.personal[kPassport]->empty()) {
    cells[1] = key.BlindIndex("passport", *w.personal[kPassport]);
  }
  for (std::size_t f = 0; f < kPersonalFieldCount; ++f) {
    if (w.personal[f]) cells[2 + f] = key.Seal(*w.personal[f], Context(f));
  }
  SealedRow row;
  for (std::size_t i = 0; i < kPersonalFieldCount + 2; ++i) {
    row.values[i] = cells[i].value_or("");
    row.present[i] = cells[i] ? soci::i_ok : soci::i_null;
  }
  return row;
}

// Binds the record's columns in the order both statements name them: visa route and dates,
// recruitment agency, scheme operator, the two blind indexes, then every personal field.
void BindRecord(soci::statement& st, const WorkerInput& w, SealedRow& row) {
  st.exchange(soci::use(w.visa_route));
  st.exchange(soci::use(w.visa_start));
  st.exchange(soci::use(w.visa_end));
  st.exchange(soci::use(w.recruitment_agency));
  st.exchange(soci::use(w.scheme_operator));
  for (std::size_t i = 0; i < kPersonalFieldCount + 2; ++i) {
    st.exchange(soci::use(row.values[i], row.present[i]));
  }
}

// `out` with the record's fields of `w` (not its id, agency or creation).
void Apply(Worker& out, const WorkerInput& w) {
  for (std::size_t f = 0; f < kPersonalFieldCount; ++f) out.personal[f] = w.personal[f];
  out.visa_route = w.visa_route;
  out.visa_start = w.visa_start;
  out.visa_end = w.visa_end;
  out.recruitment_agency = w.recruitment_agency;
  out.scheme_operator = w.scheme_operator;
}

}  // namespace

core::Result<Worker> RegistryService::Create(const auth::Principal& who, const WorkerInput& in,
                                             const std::string& request_id) {
  const auth::Decision d =
      auth::Authorize(who, auth::Action::kRegistryWrite, {who.agency, std::nullopt});
  if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
  if (auto ok = RequireKey(key_); !ok) return tl::unexpected(ok.error());
  auto valid = Validated(in);
  if (!valid) return tl::unexpected(valid.error());
  const WorkerInput& w = *valid;
  SealedRow row = Seal(*key_, w);
  return db_.Write([&](store::Conn& c) -> core::Result<Worker> {
    const std::string now = core::FormatUtc(clock_.Now());
    // One INSERT with every column; absent values go in as NULL.
    std::string sql =
        "INSERT INTO workers (agency, created_by, created_at, visa_route, visa_start, visa_end,"
        " recruitment_agency, scheme_operator, iin_index, passport_index" +
        PersonalColumns() + ") VALUES (:a, :u, :t, :vr, :vs, :ve, :ra, :so, :ii, :pi";
    for (std::size_t f = 0; f < kPersonalFieldCount; ++f) sql += ", :f" + std::to_string(f);
    sql += ") RETURNING id";
    long long id = 0;
    soci::statement insert(c.sql());
    insert.exchange(soci::use(who.agency));
    insert.exchange(soci::use(who.user_id));
    insert.exchange(soci::use(now));
    BindRecord(insert, w, row);
    insert.exchange(soci::into(id));
    insert.alloc();
    insert.prepare(sql);
    insert.define_and_bind();
    insert.execute(true);
    nlohmann::json recorded = nlohmann::json::array();
    for (std::size_t f = 0; f < kPersonalFieldCount; ++f) {
      if (w.personal[f]) recorded.push_back(kPersonalFields[f]);
    }
    // The audit names which fields were recorded, never their values.
    audit::Append(c, who.ToActor(request_id),
                  {"registry.worker.create", "worker", std::to_string(id), {{"fields", recorded}}},
                  clock_.Now());
    Worker out;
    out.id = id;
    out.agency = who.agency;
    out.created_by = who.user_id;
    out.created_at = now;
    Apply(out, w);
    return out;
  });
}

core::Result<Worker> RegistryService::Update(const auth::Principal& who, long long id,
                                             const WorkerInput& in, const std::string& request_id) {
  if (auto ok = RequireKey(key_); !ok) return tl::unexpected(ok.error());
  auto valid = Validated(in);
  if (!valid) return tl::unexpected(valid.error());
  const WorkerInput& w = *valid;
  SealedRow row = Seal(*key_, w);
  return db_.Write([&](store::Conn& c) -> core::Result<Worker> {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << SelectColumns() << " FROM workers WHERE id = :id",
         soci::use(id));
    std::optional<Worker> before;
    for (const auto& r : rows) {
      const auth::Decision d =
          auth::Authorize(who, auth::Action::kRegistryWrite, {store::GetText(r, 1), std::nullopt});
      if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
      auto loaded = FromRow(r, *key_);
      if (!loaded) return tl::unexpected(loaded.error());
      before = std::move(*loaded);
    }
    if (!before) return Fail(ErrorCode::kNotFound, "no such worker");
    std::string sql =
        "UPDATE workers SET visa_route = :vr, visa_start = :vs, visa_end = :ve,"
        " recruitment_agency = :ra, scheme_operator = :so, iin_index = :ii, passport_index = :pi";
    for (std::size_t f = 0; f < kPersonalFieldCount; ++f) {
      sql += std::string(", ") + kPersonalFields[f] + " = :f" + std::to_string(f);
    }
    sql += " WHERE id = :id";
    soci::statement update(c.sql());
    BindRecord(update, w, row);
    update.exchange(soci::use(id));
    update.alloc();
    update.prepare(sql);
    update.define_and_bind();
    update.execute(true);
    nlohmann::json changed = nlohmann::json::array();
    for (std::size_t f = 0; f < kPersonalFieldCount; ++f) {
      if (before->personal[f] != w.personal[f]) changed.push_back(kPersonalFields[f]);
    }
    for (const auto& [name, was, now] :
         {std::tuple<const char*, const std::string&, const std::string&>{
              "visa_route", before->visa_route, w.visa_route},
          {"visa_start", before->visa_start, w.visa_start},
          {"visa_end", before->visa_end, w.visa_end},
          {"recruitment_agency", before->recruitment_agency, w.recruitment_agency},
          {"scheme_operator", before->scheme_operator, w.scheme_operator}}) {
      if (was != now) changed.push_back(name);
    }
    // As on creation: which fields changed, never their values.
    audit::Append(c, who.ToActor(request_id),
                  {"registry.worker.update", "worker", std::to_string(id), {{"changed", changed}}},
                  clock_.Now());
    Worker out = *before;
    Apply(out, w);
    return out;
  });
}

core::Result<Worker> RegistryService::Get(const auth::Principal& who, long long id,
                                          const std::string& request_id) {
  if (auto ok = RequireKey(key_); !ok) return tl::unexpected(ok.error());
  return db_.Write([&](store::Conn& c) -> core::Result<Worker> {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << SelectColumns() << " FROM workers WHERE id = :id",
         soci::use(id));
    for (const auto& r : rows) {
      const auth::Decision d =
          auth::Authorize(who, auth::Action::kRegistryRead, {store::GetText(r, 1), std::nullopt});
      if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
      auto w = FromRow(r, *key_);
      if (!w) return w;
      audit::Append(c, who.ToActor(request_id),
                    {"registry.worker.read", "worker", std::to_string(id), {}}, clock_.Now());
      return w;
    }
    if (!auth::MayPerform(who, auth::Action::kRegistryRead)) {
      return tl::unexpected(Denied(auth::Decision::kForbidden));
    }
    return Fail(ErrorCode::kNotFound, "no such worker");
  });
}

core::Result<std::vector<Worker>> RegistryService::Find(const auth::Principal& who,
                                                        const char* column,
                                                        const std::string& index,
                                                        const std::string& request_id) {
  if (!auth::MayPerform(who, auth::Action::kRegistryRead)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  return db_.Write([&](store::Conn& c) -> core::Result<std::vector<Worker>> {
    std::vector<Worker> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << SelectColumns() << " FROM workers WHERE " << column
                         << " = :i AND agency = :a ORDER BY id DESC",
         soci::use(index), soci::use(who.agency));
    for (const auto& r : rows) {
      auto w = FromRow(r, *key_);
      if (!w) return tl::unexpected(w.error());
      out.push_back(std::move(*w));
    }
    audit::Append(c, who.ToActor(request_id),
                  {"registry.worker.find", "worker", "", {{"by", column}, {"found", out.size()}}},
                  clock_.Now());
    return out;
  });
}

core::Result<std::vector<Worker>> RegistryService::FindByIin(const auth::Principal& who,
                                                             const std::string& iin,
                                                             const std::string& request_id) {
  if (auto ok = RequireKey(key_); !ok) return tl::unexpected(ok.error());
  return Find(who, "iin_index", key_->BlindIndex("iin", NormalizeIin(iin)), request_id);
}

core::Result<std::vector<Worker>> RegistryService::FindByPassport(const auth::Principal& who,
                                                                  const std::string& passport,
                                                                  const std::string& request_id) {
  if (auto ok = RequireKey(key_); !ok) return tl::unexpected(ok.error());
  return Find(who, "passport_index", key_->BlindIndex("passport", NormalizePassport(passport)),
              request_id);
}

core::Result<std::vector<Worker>> RegistryService::List(const auth::Principal& who,
                                                        long long before, int limit,
                                                        const std::string& request_id) {
  if (auto ok = RequireKey(key_); !ok) return tl::unexpected(ok.error());
  if (!auth::MayPerform(who, auth::Action::kRegistryRead)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  if (before <= 0) before = INT64_MAX;
  return db_.Write([&](store::Conn& c) -> core::Result<std::vector<Worker>> {
    std::vector<Worker> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << SelectColumns()
                         << " FROM workers WHERE agency = :a AND id < :b ORDER BY id DESC LIMIT :n",
         soci::use(who.agency), soci::use(before), soci::use(limit));
    for (const auto& r : rows) {
      auto w = FromRow(r, *key_);
      if (!w) return tl::unexpected(w.error());
      out.push_back(std::move(*w));
    }
    audit::Append(c, who.ToActor(request_id),
                  {"registry.worker.list", "worker", "", {{"returned", out.size()}}}, clock_.Now());
    return out;
  });
}

core::Result<long long> ResealColumn(
    store::Conn& c, const DataKey& from, const DataKey& to, const std::string& table,
    const std::vector<std::string>& id_columns, const std::string& column,
    const std::function<std::string(const std::vector<std::string>& row)>& context) {
  std::string select = "SELECT ";
  for (const auto& id : id_columns) select += id + ", ";
  select +=
      column + " FROM " + table + " WHERE " + column + " IS NOT NULL AND " + column + " <> ''";
  struct Item {
    std::vector<long long> ids;
    std::vector<std::string> text_ids;
    std::string value;
  };
  std::vector<Item> items;
  {
    soci::rowset<soci::row> rows = c.sql().prepare << select;
    for (const auto& r : rows) {
      Item it;
      for (std::size_t i = 0; i < id_columns.size(); ++i) {
        it.ids.push_back(store::GetInt(r, i));
        it.text_ids.push_back(std::to_string(it.ids.back()));
      }
      it.value = store::GetText(r, id_columns.size());
      items.push_back(std::move(it));
    }
  }
  long long count = 0;
  for (const Item& it : items) {
    const std::string ctx = context(it.text_ids);
    auto plain = from.Open(it.value, ctx);
    if (!plain) {
      return Fail(ErrorCode::kUnavailable, table + "." + column + " of row " + it.text_ids[0] +
                                               ": " + plain.error().message);
    }
    const std::string sealed = to.Seal(*plain, ctx);
    std::string update = "UPDATE " + table + " SET " + column + " = :v WHERE ";
    for (std::size_t i = 0; i < id_columns.size(); ++i) {
      update += (i > 0 ? " AND " : "") + id_columns[i] + " = " + std::to_string(it.ids[i]);
    }
    c.sql() << update, soci::use(sealed);
    ++count;
  }
  return count;
}

core::Result<RotationReport> RegistryService::RotateKey(store::Database& db, const DataKey& current,
                                                        const DataKey& next,
                                                        const std::vector<Resealer>& others) {
  return db.Write([&](store::Conn& c) -> core::Result<RotationReport> {
    RotationReport report;
    for (std::size_t f = 0; f < kPersonalFieldCount; ++f) {
      const std::string context = Context(f);
      auto n = ResealColumn(c, current, next, "workers", {"id"}, kPersonalFields[f],
                            [&](const std::vector<std::string>&) { return context; });
      if (!n) return tl::unexpected(n.error());
      report.fields += *n;
    }
    // The blind indexes are keyed too: recompute them from the (now re-sealed) values.
    struct Row {
      long long id;
      std::string iin, passport;
    };
    std::vector<Row> rows;
    {
      soci::rowset<soci::row> rs = c.sql().prepare
                                   << "SELECT id, iin, passport_number FROM workers";
      for (const auto& r : rs) {
        rows.push_back({store::GetInt(r, 0), store::GetText(r, 1), store::GetText(r, 2)});
      }
    }
    for (const Row& row : rows) {
      std::string index[2];
      soci::indicator present[2] = {soci::i_null, soci::i_null};
      const std::pair<const std::string*, const char*> sources[2] = {{&row.iin, "iin"},
                                                                     {&row.passport, "passport"}};
      for (int i = 0; i < 2; ++i) {
        if (sources[i].first->empty()) continue;
        auto plain = next.Open(*sources[i].first, Context(i == 0 ? kIin : kPassport));
        if (!plain) return tl::unexpected(plain.error());
        if (plain->empty()) continue;
        index[i] = next.BlindIndex(sources[i].second, *plain);
        present[i] = soci::i_ok;
      }
      c.sql() << "UPDATE workers SET iin_index = :i, passport_index = :p WHERE id = :id",
          soci::use(index[0], present[0]), soci::use(index[1], present[1]), soci::use(row.id);
      ++report.workers;
    }
    for (const Resealer& reseal : others) {
      auto n = reseal(c, current, next);
      if (!n) return tl::unexpected(n.error());
      report.fields += *n;
    }
    const std::string now = core::FormatUtc(std::chrono::system_clock::now());
    c.sql() << "DELETE FROM registry_key";
    c.sql() << "INSERT INTO registry_key (singleton, key_id, since) VALUES (1, :k, :t)",
        soci::use(next.id()), soci::use(now);
    audit::Append(c, audit::Actor{std::nullopt, "system", "", "key-rotation"},
                  {"registry.key.rotate",
                   "registry_key",
                   next.id(),
                   {{"workers", report.workers}, {"fields", report.fields}}},
                  std::chrono::system_clock::now());
    return report;
  });
}

}  // namespace kenes::registry
