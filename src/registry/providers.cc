#include "registry/providers.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "auth/policy.h"
#include "core/clock.h"
#include "core/csv.h"
#include "core/utf8.h"

namespace kenes::registry {

using core::ErrorCode;
using core::Fail;

namespace {

constexpr const char* kStatuses[] = {"applied",   "licensed",   "licensed_with_conditions",
                                     "suspended", "refused",    "revoked",
                                     "expired",   "surrendered"};

// A calendar date YYYY-MM-DD (core::ParseUtc checks the calendar).
bool IsDate(std::string_view s) { return s.size() == 10 && core::ParseUtc(s).has_value(); }

core::Error Denied(auth::Decision d) {
  return auth::DeniedError(d, "your roles do not allow changing the provider register",
                           "no such provider");
}

struct Row {
  std::size_t line;
  std::string licence, name, status, from, expires, authority;
  std::vector<std::string> sectors;
};

std::vector<LicenceStatus> History(store::Conn& c, long long id) {
  std::vector<LicenceStatus> out;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT status, effective_from, expires_on, recorded_at FROM"
                          " provider_statuses WHERE provider_id = :p ORDER BY effective_from, seq",
       soci::use(id));
  for (const auto& r : rows) {
    out.push_back(
        {store::GetText(r, 0), store::GetText(r, 1), store::GetText(r, 2), store::GetText(r, 3)});
  }
  return out;
}

Provider FromRow(const soci::row& r) {
  Provider p;
  p.id = store::GetInt(r, 0);
  p.licence_number = store::GetText(r, 1);
  p.name = store::GetText(r, 2);
  p.principal_authority = store::GetText(r, 3);
  const auto sectors = nlohmann::json::parse(store::GetText(r, 4), nullptr, false);
  if (sectors.is_array()) {
    for (const auto& s : sectors) p.sectors.push_back(s.get<std::string>());
  }
  return p;
}

}  // namespace

bool IsLicenceStatus(std::string_view status) {
  return std::find(std::begin(kStatuses), std::end(kStatuses), status) != std::end(kStatuses);
}

std::vector<store::Migration> ProviderRegister::Migrations() {
  return {{501,
           "registry_providers",
           {"CREATE TABLE providers ("
            " id {{id}},"
            " licence_number TEXT NOT NULL UNIQUE,"
            " name TEXT NOT NULL,"
            " principal_authority TEXT NOT NULL,"
            " sectors TEXT NOT NULL,"
            " created_at TEXT NOT NULL)",
            "CREATE TABLE provider_statuses ("
            " provider_id BIGINT NOT NULL REFERENCES providers(id),"
            " seq BIGINT NOT NULL,"
            " status TEXT NOT NULL,"
            " effective_from TEXT NOT NULL,"
            " expires_on TEXT NOT NULL,"
            " recorded_at TEXT NOT NULL,"
            " PRIMARY KEY (provider_id, seq))"}}};
}

core::Result<ImportReport> ProviderRegister::Import(const auth::Principal& who,
                                                    std::string_view csv,
                                                    const std::string& request_id) {
  const auth::Decision d =
      auth::Authorize(who, auth::Action::kProviderWrite, {who.agency, std::nullopt});
  if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
  if (!core::IsValidUtf8(csv)) {
    return Fail(ErrorCode::kInvalidArgument, "the register is not UTF-8 text", "invalid-register");
  }
  // Parse and check everything before writing anything.
  core::CsvLineSplitter splitter;
  std::vector<std::string_view> fields;
  std::string_view line, error;
  bool ok = true;
  const char* p = csv.data();
  const char* end = p + csv.size();
  std::map<std::string, int> column;
  std::vector<Row> rows;
  std::string problems;
  for (std::size_t number = 1; p < end; ++number) {
    p = splitter.SplitLine(p, end, fields, line, ok, error);
    if (line.empty()) continue;
    if (!ok) {
      problems += "line " + std::to_string(number) + ": " + std::string(error) + "\n";
      continue;
    }
    if (column.empty()) {
      for (std::size_t i = 0; i < fields.size(); ++i) {
        column[std::string(core::TrimBlanks(fields[i]))] = static_cast<int>(i);
      }
      for (const char* required : {"licence_number", "name", "status", "effective_from"}) {
        if (!column.count(required)) {
          return Fail(ErrorCode::kInvalidArgument,
                      std::string("line 1: the header has no column \"") + required + "\"",
                      "invalid-register");
        }
      }
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      const auto it = column.find(name);
      if (it == column.end() || it->second >= static_cast<int>(fields.size())) return "";
      return std::string(core::TrimBlanks(fields[static_cast<std::size_t>(it->second)]));
    };
    Row r{number,
          get("licence_number"),
          get("name"),
          get("status"),
          get("effective_from"),
          get("expires_on"),
          get("principal_authority"),
          {}};
    const std::string sectors = get("sectors");
    for (std::size_t at = 0; at <= sectors.size() && !sectors.empty();) {
      const std::size_t semi = std::min(sectors.find(';', at), sectors.size());
      std::string s(core::TrimBlanks(std::string_view(sectors).substr(at, semi - at)));
      if (!s.empty()) r.sectors.push_back(s);
      at = semi + 1;
    }
    std::string why;
    if (r.licence.empty() || r.licence.size() > 40)
      why = "licence_number is missing or too long";
    else if (r.name.empty() || r.name.size() > 300)
      why = "name is missing or too long";
    else if (!IsLicenceStatus(r.status))
      why = "status '" + r.status.substr(0, 40) + "' is unknown";
    else if (!IsDate(r.from))
      why = "effective_from '" + r.from.substr(0, 20) + "' is not YYYY-MM-DD";
    else if (!r.expires.empty() && !IsDate(r.expires)) {
      why = "expires_on '" + r.expires.substr(0, 20) + "' is not YYYY-MM-DD";
    }
    if (!why.empty()) {
      problems += "line " + std::to_string(number) + ": " + why + "\n";
      continue;
    }
    rows.push_back(std::move(r));
  }
  if (column.empty())
    return Fail(ErrorCode::kInvalidArgument, "the register is empty", "invalid-register");
  if (!problems.empty()) {
    problems.pop_back();
    return Fail(ErrorCode::kUnprocessable, "nothing imported:\n" + problems, "invalid-register");
  }
  return db_.Write([&](store::Conn& c) -> core::Result<ImportReport> {
    ImportReport report;
    const std::string now = core::FormatUtc(clock_.Now());
    for (const Row& r : rows) {
      ++report.rows;
      long long id = 0;
      soci::indicator ind = soci::i_null;
      c.sql() << "SELECT id FROM providers WHERE licence_number = :l", soci::use(r.licence),
          soci::into(id, ind);
      const std::string sectors = nlohmann::json(r.sectors).dump();
      if (!c.sql().got_data() || ind == soci::i_null) {
        c.sql() << "INSERT INTO providers (licence_number, name, principal_authority, sectors,"
                   " created_at) VALUES (:l, :n, :a, :s, :t) RETURNING id",
            soci::use(r.licence), soci::use(r.name), soci::use(r.authority), soci::use(sectors),
            soci::use(now), soci::into(id);
        ++report.created;
      } else {
        c.sql() << "UPDATE providers SET name = :n, principal_authority = :a, sectors = :s"
                   " WHERE id = :id",
            soci::use(r.name), soci::use(r.authority), soci::use(sectors), soci::use(id);
      }
      const auto history = History(c, id);
      const bool same = std::any_of(history.begin(), history.end(), [&](const LicenceStatus& h) {
        return h.status == r.status && h.effective_from == r.from && h.expires_on == r.expires;
      });
      if (same) continue;
      const long long seq = static_cast<long long>(history.size()) + 1;
      c.sql() << "INSERT INTO provider_statuses (provider_id, seq, status, effective_from,"
                 " expires_on, recorded_at) VALUES (:p, :s, :st, :f, :e, :t)",
          soci::use(id), soci::use(seq), soci::use(r.status), soci::use(r.from),
          soci::use(r.expires), soci::use(now);
      ++report.statuses_added;
    }
    audit::Append(c, who.ToActor(request_id),
                  {"provider.import",
                   "provider",
                   "",
                   {{"rows", report.rows},
                    {"created", report.created},
                    {"statuses_added", report.statuses_added}}},
                  clock_.Now());
    return report;
  });
}

core::Result<std::vector<Provider>> ProviderRegister::Search(const auth::Principal& who,
                                                             const std::string& text) {
  if (!auth::MayPerform(who, auth::Action::kProviderRead)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<Provider>> {
    std::string pattern = "%";
    for (const char ch : text) {
      if (ch != '%' && ch != '_')
        pattern += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    pattern += "%";
    std::vector<Provider> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT id, licence_number, name, principal_authority, sectors FROM"
                            " providers WHERE LOWER(name) LIKE :q OR LOWER(licence_number) LIKE :q2"
                            " ORDER BY name LIMIT 200",
         soci::use(pattern), soci::use(pattern));
    for (const auto& r : rows) out.push_back(FromRow(r));
    for (Provider& p : out) p.history = History(c, p.id);
    return out;
  });
}

core::Result<Provider> ProviderRegister::Get(const auth::Principal& who, long long id) {
  if (!auth::MayPerform(who, auth::Action::kProviderRead)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  return db_.Read([&](store::Conn& c) -> core::Result<Provider> {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT id, licence_number, name, principal_authority, sectors FROM"
                            " providers WHERE id = :id",
         soci::use(id));
    for (const auto& r : rows) {
      Provider p = FromRow(r);
      p.history = History(c, p.id);
      return p;
    }
    return Fail(ErrorCode::kNotFound, "no such provider");
  });
}

core::Result<LicenceCheck> ProviderRegister::Check(const auth::Principal& who,
                                                   const std::string& licence_number,
                                                   const std::string& date) {
  if (!auth::MayPerform(who, auth::Action::kProviderRead)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  if (!IsDate(date)) {
    return Fail(ErrorCode::kInvalidArgument, "date must be YYYY-MM-DD", "invalid-query");
  }
  return db_.Read([&](store::Conn& c) -> core::Result<LicenceCheck> {
    long long id = 0;
    soci::indicator ind = soci::i_null;
    c.sql() << "SELECT id FROM providers WHERE licence_number = :l", soci::use(licence_number),
        soci::into(id, ind);
    if (!c.sql().got_data() || ind == soci::i_null) {
      return Fail(ErrorCode::kNotFound, "no provider with this licence number");
    }
    LicenceCheck out;
    // The status in force: the latest that took effect on or before the date (ISO dates sort).
    for (const LicenceStatus& h : History(c, id)) {
      if (h.effective_from > date) break;
      out.status = h.status;
      out.since = h.effective_from;
      out.expires_on = h.expires_on;
    }
    out.licensed = (out.status == "licensed" || out.status == "licensed_with_conditions") &&
                   (out.expires_on.empty() || date <= out.expires_on);
    return out;
  });
}

}  // namespace kenes::registry
