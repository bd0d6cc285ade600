// Labour providers and scheme operators (UK licence holders), with their licence status history,
// imported from a register CSV, and the check "was this provider licensed on date D?". Public
// register data: no personal data, readable by every signed-in role. Thread-safe: stateless over
// the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "core/clock.h"
#include "core/error.h"
#include "store/database.h"

namespace kenes::registry {

// applied, licensed, licensed_with_conditions, suspended, refused, revoked, expired, surrendered
bool IsLicenceStatus(std::string_view status);

struct LicenceStatus {
  std::string status;
  std::string effective_from;  // YYYY-MM-DD
  std::string expires_on;      // YYYY-MM-DD or ""
  std::string recorded_at;
};

struct Provider {
  long long id = 0;
  std::string licence_number, name, principal_authority;
  std::vector<std::string> sectors;
  std::vector<LicenceStatus> history;  // oldest first
};

struct ImportReport {
  long long rows = 0, created = 0, statuses_added = 0;
};

struct LicenceCheck {
  bool licensed = false;
  std::string status;  // the status in force on the date ("" if none yet)
  std::string since, expires_on;
};

class ProviderRegister {
 public:
  ProviderRegister(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

  // Schema (registry range: 501).
  static std::vector<store::Migration> Migrations();

  // A register CSV with a header: licence_number, name, status, effective_from; optional
  // expires_on, sectors (';'-separated), principal_authority. Every row is checked first; any bad
  // row fails the whole import (kUnprocessable, each problem with its line) and nothing is
  // written. A row whose status differs from the provider's latest adds to its history.
  core::Result<ImportReport> Import(const auth::Principal& who, std::string_view csv,
                                    const std::string& request_id);
  core::Result<std::vector<Provider>> Search(const auth::Principal& who, const std::string& text);
  core::Result<Provider> Get(const auth::Principal& who, long long id);
  // Errors: kNotFound (no such licence number), kInvalidArgument (a malformed date).
  core::Result<LicenceCheck> Check(const auth::Principal& who, const std::string& licence_number,
                                   const std::string& date);

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace kenes::registry
