// The worker registry: Kazakh workers in the UK as an agency records them. Every personal field
// is sealed on its own (XChaCha20-Poly1305 under the deployment data key, the field's name bound
// as associated data); IIN and passport number are also kept as keyed blind indexes for exact
// look-up. Without a data key nothing personal is stored or read (503), never plaintext. Every
// creation and every read of personal data is audited. Thread-safe: stateless over the store.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "core/clock.h"
#include "core/error.h"
#include "registry/personal_data.h"
#include "store/database.h"

namespace kenes::registry {

// The personal fields, in column order; each is a sealed column of `workers`.
inline constexpr const char* kPersonalFields[] = {
    "given_name",    "family_name", "patronymic", "given_name_cyrillic", "family_name_cyrillic",
    "date_of_birth", "sex",         "iin",        "passport_number",     "phone"};
inline constexpr std::size_t kPersonalFieldCount = std::size(kPersonalFields);

struct WorkerInput {
  // Personal fields by kPersonalFields index; absent = not recorded.
  std::optional<std::string> personal[kPersonalFieldCount];
  std::string visa_route;  // "seasonal", "skilled", … or ""
  std::string visa_start, visa_end;
  std::string recruitment_agency, scheme_operator;
};

struct Worker {
  long long id = 0;
  std::string agency;
  long long created_by = 0;
  std::string created_at;
  std::optional<std::string> personal[kPersonalFieldCount];
  std::string visa_route, visa_start, visa_end, recruitment_agency, scheme_operator;
};

struct RotationReport {
  long long workers = 0;
  long long fields = 0;
};

// Re-seals one column of every row of `table` whose value is not empty: opened with `from` under
// `context(row id values)`, sealed with `to` under the same context. Rows are identified by
// `id_columns` (integer columns). Returns how many values were re-sealed.
core::Result<long long> ResealColumn(
    store::Conn& c, const DataKey& from, const DataKey& to, const std::string& table,
    const std::vector<std::string>& id_columns, const std::string& column,
    const std::function<std::string(const std::vector<std::string>& row)>& context);

class RegistryService {
 public:
  // `key` may be null (no key configured). REQUIRES: db, clock and key outlive this object.
  RegistryService(store::Database& db, const core::Clock& clock, const DataKey* key);

  // Schema of this module (versions 500-599).
  static std::vector<store::Migration> Migrations();

  // Checks that the configured key is the one the database's data was sealed with (recording it
  // when the database has none yet). Errors: kUnavailable naming both key ids.
  core::Status CheckKey();

  // Errors: kPermissionDenied, kUnprocessable (an invalid IIN, a date of birth that disagrees with
  // the IIN, an unknown sex), kInvalidArgument (malformed date), kUnavailable (no data key).
  core::Result<Worker> Create(const auth::Principal& who, const WorkerInput& in,
                              const std::string& request_id);
  // One worker with personal data. Audited.
  // Replaces the worker's record with `in` (fields absent there are cleared), through the same
  // checks as Create; re-seals and re-indexes. Audited with the names of the changed fields.
  // Errors as Create, and kNotFound for a worker of another agency or none.
  core::Result<Worker> Update(const auth::Principal& who, long long id, const WorkerInput& in,
                              const std::string& request_id);
  core::Result<Worker> Get(const auth::Principal& who, long long id, const std::string& request_id);
  // Exact look-up through the blind indexes; the value is normalised first. Audited.
  core::Result<std::vector<Worker>> FindByIin(const auth::Principal& who, const std::string& iin,
                                              const std::string& request_id);
  core::Result<std::vector<Worker>> FindByPassport(const auth::Principal& who,
                                                   const std::string& passport,
                                                   const std::string& request_id);
  // The agency's workers, newest first, after id `before` (0 = from the newest). Audited.
  core::Result<std::vector<Worker>> List(const auth::Principal& who, long long before, int limit,
                                         const std::string& request_id);

  // Re-seals every personal field and recomputes the blind indexes under `next`, in one
  // transaction, then records `next` as the database's key. Errors name the first field that
  // `current` cannot open.
  // `others` re-seals other modules' columns in the same transaction (they hold personal data
  // under the same key) and returns how many values it re-sealed.
  using Resealer =
      std::function<core::Result<long long>(store::Conn&, const DataKey&, const DataKey&)>;
  static core::Result<RotationReport> RotateKey(store::Database& db, const DataKey& current,
                                                const DataKey& next,
                                                const std::vector<Resealer>& others = {});

  // Canonical forms the blind indexes are computed over.
  static std::string NormalizeIin(std::string_view iin);
  static std::string NormalizePassport(std::string_view passport);

 private:
  core::Result<std::vector<Worker>> Find(const auth::Principal& who, const char* column,
                                         const std::string& index, const std::string& request_id);

  store::Database& db_;
  const core::Clock& clock_;
  const DataKey* key_;
};

}  // namespace kenes::registry
