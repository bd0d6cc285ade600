#include "registry/organisations.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "auth/policy.h"
#include "core/utf8.h"

namespace kenes::registry {

using core::ErrorCode;
using core::Fail;

namespace {

constexpr const char* kKinds[] = {"employer", "kz_agency"};
constexpr const char* kAgencyStatuses[] = {"licensed", "suspended", "revoked", "unlicensed",
                                           "unknown"};
constexpr const char* kColumns =
    "id, kind, name, country, region, address, licence_number, licence_status, sectors, notes,"
    " created_by_agency, created_at, updated_at";

bool IsDate(std::string_view s) { return s.size() == 10 && core::ParseUtc(s).has_value(); }

core::Error Denied(auth::Decision d) {
  return auth::DeniedError(d, "your roles do not allow changing the register of organisations",
                           "no such organisation");
}

core::Status MayWrite(const auth::Principal& who) {
  const auth::Decision d =
      auth::Authorize(who, auth::Action::kProviderWrite, {who.agency, std::nullopt});
  if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
  return {};
}

core::Status MayRead(const auth::Principal& who) {
  if (!auth::MayPerform(who, auth::Action::kProviderRead)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  return {};
}

Organisation FromRow(const soci::row& r) {
  Organisation o;
  o.id = store::GetInt(r, 0);
  o.kind = store::GetText(r, 1);
  o.name = store::GetText(r, 2);
  o.country = store::GetText(r, 3);
  o.region = store::GetText(r, 4);
  o.address = store::GetText(r, 5);
  o.licence_number = store::GetText(r, 6);
  o.licence_status = store::GetText(r, 7);
  const auto sectors = nlohmann::json::parse(store::GetText(r, 8), nullptr, false);
  if (sectors.is_array()) {
    for (const auto& s : sectors) o.sectors.push_back(s.get<std::string>());
  }
  o.notes = store::GetText(r, 9);
  o.created_by_agency = store::GetText(r, 10);
  o.created_at = store::GetText(r, 11);
  o.updated_at = store::GetText(r, 12);
  return o;
}

// Every field of `o` as stored; kInvalidArgument naming the first that breaks a rule.
core::Status Validate(const Organisation& o) {
  using core::CheckPlainText;
  for (const auto& [field, value, max, required] :
       {std::tuple<const char*, const std::string*, std::size_t, bool>{"name", &o.name, 300, true},
        {"region", &o.region, 200, false},
        {"address", &o.address, 500, false},
        {"licence_number", &o.licence_number, 60, false},
        {"notes", &o.notes, 5000, false}}) {
    if (auto ok = CheckPlainText(field, *value, max, required); !ok) return ok;
  }
  if (o.sectors.size() > 20) {
    return Fail(ErrorCode::kInvalidArgument, "at most 20 sectors", "invalid-field");
  }
  for (const auto& s : o.sectors) {
    if (auto ok = CheckPlainText("sector", s, 100, true); !ok) return ok;
  }
  if (o.kind == "employer" && (!o.licence_number.empty() || !o.licence_status.empty())) {
    return Fail(ErrorCode::kInvalidArgument,
                "an employer has no MLSP licence; UK licence holders belong in the provider "
                "register",
                "invalid-field");
  }
  if (o.kind == "kz_agency" && !IsAgencyLicenceStatus(o.licence_status)) {
    return Fail(ErrorCode::kInvalidArgument,
                "licence_status must be licensed, suspended, revoked, unlicensed or unknown",
                "invalid-field");
  }
  return {};
}

void Save(store::Conn& c, const Organisation& o) {
  const std::string sectors = nlohmann::json(o.sectors).dump();
  c.sql() << "UPDATE organisations SET name = :n, region = :r, address = :a, licence_number = :l,"
             " licence_status = :s, sectors = :se, notes = :no, updated_at = :u WHERE id = :id",
      soci::use(o.name), soci::use(o.region), soci::use(o.address), soci::use(o.licence_number),
      soci::use(o.licence_status), soci::use(sectors), soci::use(o.notes), soci::use(o.updated_at),
      soci::use(o.id);
}

std::optional<Organisation> Load(store::Conn& c, long long id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << " FROM organisations WHERE id = :id",
       soci::use(id));
  for (const auto& r : rows) return FromRow(r);
  return std::nullopt;
}

bool LicenceTaken(store::Conn& c, const Organisation& o) {
  if (o.kind != "kz_agency" || o.licence_number.empty()) return false;
  long long other = 0;
  soci::indicator ind = soci::i_null;
  c.sql() << "SELECT id FROM organisations WHERE kind = 'kz_agency' AND licence_number = :l"
             " AND id <> :id",
      soci::use(o.licence_number), soci::use(o.id), soci::into(other, ind);
  return c.sql().got_data() && ind != soci::i_null;
}

// The worker's agency, or nullopt when there is no such worker.
std::optional<std::string> WorkerAgency(store::Conn& c, long long worker_id) {
  std::string agency;
  soci::indicator ind = soci::i_null;
  c.sql() << "SELECT agency FROM workers WHERE id = :id", soci::use(worker_id),
      soci::into(agency, ind);
  if (!c.sql().got_data() || ind == soci::i_null) return std::nullopt;
  return agency;
}

}  // namespace

bool IsOrganisationKind(std::string_view kind) {
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

bool IsAgencyLicenceStatus(std::string_view status) {
  return std::find(std::begin(kAgencyStatuses), std::end(kAgencyStatuses), status) !=
         std::end(kAgencyStatuses);
}

std::vector<store::Migration> OrganisationRegister::Migrations() {
  return {{502,
           "registry_organisations",
           {"CREATE TABLE organisations ("
            " id {{id}},"
            " kind TEXT NOT NULL,"
            " name TEXT NOT NULL,"
            " country TEXT NOT NULL,"
            " region TEXT NOT NULL,"
            " address TEXT NOT NULL,"
            " licence_number TEXT NOT NULL,"
            " licence_status TEXT NOT NULL,"
            " sectors TEXT NOT NULL,"
            " notes TEXT NOT NULL,"
            " created_by_agency TEXT NOT NULL,"
            " created_at TEXT NOT NULL,"
            " updated_at TEXT NOT NULL)",
            "CREATE INDEX organisations_kind_name ON organisations(kind, name)",
            "CREATE TABLE worker_placements ("
            " id {{id}},"
            " worker_id BIGINT NOT NULL REFERENCES workers(id),"
            " organisation_id BIGINT NOT NULL REFERENCES organisations(id),"
            " start_date TEXT NOT NULL,"
            " end_date TEXT NOT NULL,"
            " recorded_at TEXT NOT NULL)",
            "CREATE INDEX worker_placements_worker ON worker_placements(worker_id)"}}};
}

core::Result<Organisation> OrganisationRegister::Create(const auth::Principal& who,
                                                        const NewOrganisation& n,
                                                        const std::string& request_id) {
  if (auto ok = MayWrite(who); !ok) return tl::unexpected(ok.error());
  if (!IsOrganisationKind(n.kind)) {
    return Fail(ErrorCode::kInvalidArgument, "kind must be employer or kz_agency", "invalid-field");
  }
  Organisation o;
  o.kind = n.kind;
  o.country = n.kind == "kz_agency" ? "KZ" : "GB";
  o.name = n.name;
  o.region = n.region;
  o.address = n.address;
  o.licence_number = n.licence_number;
  o.licence_status =
      n.kind == "kz_agency" && n.licence_status.empty() ? "unknown" : n.licence_status;
  o.sectors = n.sectors;
  o.notes = n.notes;
  if (auto ok = Validate(o); !ok) return tl::unexpected(ok.error());
  o.created_by_agency = who.agency;
  o.created_at = o.updated_at = core::FormatUtc(clock_.Now());
  return db_.Write([&](store::Conn& c) -> core::Result<Organisation> {
    if (LicenceTaken(c, o)) {
      return Fail(ErrorCode::kConflict,
                  "an agency with licence " + o.licence_number + " is registered already",
                  "duplicate-licence");
    }
    const std::string sectors = nlohmann::json(o.sectors).dump();
    c.sql() << "INSERT INTO organisations (kind, name, country, region, address, licence_number,"
               " licence_status, sectors, notes, created_by_agency, created_at, updated_at)"
               " VALUES (:k, :n, :c, :r, :a, :l, :s, :se, :no, :ag, :ca, :ua) RETURNING id",
        soci::use(o.kind), soci::use(o.name), soci::use(o.country), soci::use(o.region),
        soci::use(o.address), soci::use(o.licence_number), soci::use(o.licence_status),
        soci::use(sectors), soci::use(o.notes), soci::use(o.created_by_agency),
        soci::use(o.created_at), soci::use(o.updated_at), soci::into(o.id);
    audit::Append(c, who.ToActor(request_id),
                  {"registry.organisation.create",
                   "organisation",
                   std::to_string(o.id),
                   {{"kind", o.kind}, {"name", o.name}}},
                  clock_.Now());
    return o;
  });
}

core::Result<Organisation> OrganisationRegister::Update(const auth::Principal& who, long long id,
                                                        const OrganisationUpdate& u,
                                                        const std::string& request_id) {
  if (auto ok = MayWrite(who); !ok) return tl::unexpected(ok.error());
  return db_.Write([&](store::Conn& c) -> core::Result<Organisation> {
    auto found = Load(c, id);
    if (!found) return Fail(ErrorCode::kNotFound, "no such organisation");
    Organisation o = *found;
    nlohmann::json changed = nlohmann::json::array();
    auto apply = [&](const char* name, const std::optional<std::string>& v, std::string& field) {
      if (v && *v != field) {
        field = *v;
        changed.push_back(name);
      }
    };
    apply("name", u.name, o.name);
    apply("region", u.region, o.region);
    apply("address", u.address, o.address);
    apply("licence_number", u.licence_number, o.licence_number);
    apply("licence_status", u.licence_status, o.licence_status);
    apply("notes", u.notes, o.notes);
    if (u.sectors && *u.sectors != o.sectors) {
      o.sectors = *u.sectors;
      changed.push_back("sectors");
    }
    if (auto ok = Validate(o); !ok) return tl::unexpected(ok.error());
    if (changed.empty()) return o;
    if (LicenceTaken(c, o)) {
      return Fail(ErrorCode::kConflict,
                  "an agency with licence " + o.licence_number + " is registered already",
                  "duplicate-licence");
    }
    o.updated_at = core::FormatUtc(clock_.Now());
    Save(c, o);
    nlohmann::json detail = {{"fields", changed}};
    if (u.licence_status) detail["licence_status"] = o.licence_status;
    audit::Append(c, who.ToActor(request_id),
                  {"registry.organisation.update", "organisation", std::to_string(id), detail},
                  clock_.Now());
    return o;
  });
}

core::Result<Organisation> OrganisationRegister::Get(const auth::Principal& who,
                                                     long long id) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  return db_.Read([&](store::Conn& c) -> core::Result<Organisation> {
    if (auto o = Load(c, id)) return *o;
    return Fail(ErrorCode::kNotFound, "no such organisation");
  });
}

core::Result<std::vector<Organisation>> OrganisationRegister::Search(
    const auth::Principal& who, const std::string& kind, const std::string& text) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  if (!kind.empty() && !IsOrganisationKind(kind)) {
    return Fail(ErrorCode::kInvalidArgument, "kind must be employer or kz_agency", "invalid-query");
  }
  if (auto ok = core::CheckPlainText("q", text, 200, false, core::Markup::kAllowed); !ok) {
    return tl::unexpected(ok.error());
  }
  std::string pattern = "%";
  for (const char ch : text) {
    if (ch != '%' && ch != '_') {
      pattern += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
  }
  pattern += "%";
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<Organisation>> {
    std::vector<Organisation> out;
    const std::string any = kind.empty() ? "1" : "0";
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << kColumns
                         << " FROM organisations WHERE (:any = '1' OR kind = :k) AND"
                            " (LOWER(name) LIKE :q OR LOWER(licence_number) LIKE :q2 OR"
                            " LOWER(region) LIKE :q3) ORDER BY name, id LIMIT 200",
         soci::use(any), soci::use(kind), soci::use(pattern), soci::use(pattern),
         soci::use(pattern));
    for (const auto& r : rows) out.push_back(FromRow(r));
    return out;
  });
}

core::Result<Placement> OrganisationRegister::Place(const auth::Principal& who, long long worker_id,
                                                    long long organisation_id,
                                                    const std::string& start,
                                                    const std::string& end,
                                                    const std::string& request_id) {
  if (!IsDate(start)) {
    return Fail(ErrorCode::kInvalidArgument, "start_date must be YYYY-MM-DD", "invalid-field");
  }
  if (!end.empty() && !IsDate(end)) {
    return Fail(ErrorCode::kInvalidArgument, "end_date must be YYYY-MM-DD", "invalid-field");
  }
  if (!end.empty() && end < start) {
    return Fail(ErrorCode::kInvalidArgument, "end_date comes before start_date",
                "contradictory-dates");
  }
  return db_.Write([&](store::Conn& c) -> core::Result<Placement> {
    const auto agency = WorkerAgency(c, worker_id);
    const auth::Decision d = auth::Authorize(who, auth::Action::kRegistryWrite,
                                             {agency.value_or(who.agency), std::nullopt});
    if (d != auth::Decision::kAllow) {
      return tl::unexpected(
          auth::DeniedError(d, "your roles do not allow changing workers", "no such worker"));
    }
    if (!agency) return Fail(ErrorCode::kNotFound, "no such worker");
    const auto org = Load(c, organisation_id);
    if (!org || org->kind != "employer") {
      return Fail(ErrorCode::kNotFound, "no such employer or farm");
    }
    Placement p{
        0, worker_id, organisation_id, org->name, start, end, core::FormatUtc(clock_.Now())};
    c.sql() << "INSERT INTO worker_placements (worker_id, organisation_id, start_date, end_date,"
               " recorded_at) VALUES (:w, :o, :s, :e, :r) RETURNING id",
        soci::use(worker_id), soci::use(organisation_id), soci::use(start), soci::use(end),
        soci::use(p.recorded_at), soci::into(p.id);
    audit::Append(c, who.ToActor(request_id),
                  {"registry.worker.place",
                   "worker",
                   std::to_string(worker_id),
                   {{"organisation_id", organisation_id}, {"start_date", start}}},
                  clock_.Now());
    return p;
  });
}

core::Result<std::vector<Placement>> OrganisationRegister::Placements(const auth::Principal& who,
                                                                      long long worker_id) const {
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<Placement>> {
    const auto agency = WorkerAgency(c, worker_id);
    const auth::Decision d = auth::Authorize(who, auth::Action::kRegistryRead,
                                             {agency.value_or(who.agency), std::nullopt});
    if (d != auth::Decision::kAllow) {
      return tl::unexpected(
          auth::DeniedError(d, "your roles do not allow reading workers", "no such worker"));
    }
    if (!agency) return Fail(ErrorCode::kNotFound, "no such worker");
    std::vector<Placement> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT p.id, p.worker_id, p.organisation_id, o.name, p.start_date,"
                            " p.end_date, p.recorded_at FROM worker_placements p JOIN"
                            " organisations o ON o.id = p.organisation_id WHERE p.worker_id = :w"
                            " ORDER BY p.start_date, p.id",
         soci::use(worker_id));
    for (const auto& r : rows) {
      out.push_back({store::GetInt(r, 0), store::GetInt(r, 1), store::GetInt(r, 2),
                     store::GetText(r, 3), store::GetText(r, 4), store::GetText(r, 5),
                     store::GetText(r, 6)});
    }
    return out;
  });
}

}  // namespace kenes::registry
