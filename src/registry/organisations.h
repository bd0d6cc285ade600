// The organisations a worker's journey passes through, other than licensed UK labour providers
// (providers.h): UK employers and farms where workers are placed, and Kazakh private employment
// agencies that recruit them (licensed by MLSP). Business data, no personal data: every signed-in
// role reads it; officers and supervisors keep it. Placements link a registry worker to the farm
// or employer where they worked, with dates; they follow the worker's own permissions.
// Thread-safe: stateless over the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "core/clock.h"
#include "core/error.h"
#include "store/database.h"

namespace kenes::registry {

// "employer" (a UK employer or farm, country GB) or "kz_agency" (a Kazakh private employment
// agency, country KZ).
bool IsOrganisationKind(std::string_view kind);
// For Kazakh agencies: licensed, suspended, revoked, unlicensed, unknown.
bool IsAgencyLicenceStatus(std::string_view status);

struct Organisation {
  long long id = 0;
  std::string kind, name, country, region, address;
  std::string licence_number, licence_status;  // Kazakh agencies; "" for employers
  std::vector<std::string> sectors;
  std::string notes, created_by_agency, created_at, updated_at;
};

struct NewOrganisation {
  std::string kind, name, region, address, licence_number, licence_status, notes;
  std::vector<std::string> sectors;
};

// Fields left empty keep their value.
struct OrganisationUpdate {
  std::optional<std::string> name, region, address, licence_number, licence_status, notes;
  std::optional<std::vector<std::string>> sectors;
};

struct Placement {
  long long id = 0, worker_id = 0, organisation_id = 0;
  std::string organisation_name, start_date, end_date;  // end "" while ongoing
  std::string recorded_at;
};

class OrganisationRegister {
 public:
  // REQUIRES: db and clock outlive this object.
  OrganisationRegister(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

  // Schema (registry range: 502).
  static std::vector<store::Migration> Migrations();

  // Errors: kPermissionDenied (roles), kInvalidArgument (unknown kind or licence status, empty
  // or over-long fields, markup in text, a licence on an employer), kConflict (a Kazakh agency
  // whose licence number is already registered).
  core::Result<Organisation> Create(const auth::Principal& who, const NewOrganisation& n,
                                    const std::string& request_id);
  core::Result<Organisation> Update(const auth::Principal& who, long long id,
                                    const OrganisationUpdate& u, const std::string& request_id);
  core::Result<Organisation> Get(const auth::Principal& who, long long id) const;
  // By kind ("" for both) and a case-insensitive fragment of the name, licence number or region;
  // by name, at most 200.
  core::Result<std::vector<Organisation>> Search(const auth::Principal& who,
                                                 const std::string& kind,
                                                 const std::string& text) const;

  // A worker of who's agency placed at an employer (kind "employer") from `start` (YYYY-MM-DD)
  // to `end` ("" while ongoing). Errors: kNotFound (worker not visible, no such employer),
  // kInvalidArgument (dates: malformed, end before start), kPermissionDenied.
  core::Result<Placement> Place(const auth::Principal& who, long long worker_id,
                                long long organisation_id, const std::string& start,
                                const std::string& end, const std::string& request_id);
  // The worker's placements, earliest first. Same visibility as the worker.
  core::Result<std::vector<Placement>> Placements(const auth::Principal& who,
                                                  long long worker_id) const;

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace kenes::registry
