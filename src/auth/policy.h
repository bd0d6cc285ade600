// Who may do what: one function over one declarative table of (role, action, scope) grants.
// Later modules add their actions here, so the whole permission model reads in one place.
// Thread-safe: a constant table.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "core/error.h"

namespace kenes::auth {

enum class Action {
  kMeRead,      // own account and session
  kAgencyList,  // the agency directory
  kUserList,
  kUserRead,
  kUserCreate,
  kUserUpdate,  // roles, display name, disabled
  kUserSetPassword,
  kTokenCreate,  // bearer tokens for oneself
  kTokenList,
  kTokenRevoke,
  kAuditRead,      // the audit event list
  kAuditVerify,    // chain integrity status (no event content)
  kPayrollCheck,   // run a payroll compliance check
  kPayrollRead,    // read checks and their findings
  kLinkageManage,  // create linkage projects, upload CLKs, run matches (either party)
  kLinkageRead,    // read linkage projects and their pairs (either party)
  kRegistryWrite,  // record workers (personal data)
  kRegistryRead,   // read workers' personal data
  kCaseRead,       // read cases and referrals (the agency's own, or shared with it)
  kCaseWrite,      // classify, move, refer, answer referrals
  kCaseSupervise,  // assign, close, override consent
  kCaseAggregate,  // dashboards and exports (personal columns only with kCaseRead)
  kProviderRead,   // the labour-provider register (public data)
  kProviderWrite,  // import register updates
  kDialogueRead,   // the Strategic Dialogue record and its briefing pack
  kDialogueWrite,  // meetings, agreements, commitments, indicators (foreign ministries only)
  kLibraryRead,    // expertise-library documents (further limited by each one's visibility)
  kLibraryWrite,   // write and revise the agency's own library documents
};

inline constexpr Action kAllActions[] = {
    Action::kMeRead,          Action::kAgencyList,    Action::kUserList,
    Action::kUserRead,        Action::kUserCreate,    Action::kUserUpdate,
    Action::kUserSetPassword, Action::kTokenCreate,   Action::kTokenList,
    Action::kTokenRevoke,     Action::kAuditRead,     Action::kAuditVerify,
    Action::kPayrollCheck,    Action::kPayrollRead,   Action::kLinkageManage,
    Action::kLinkageRead,     Action::kRegistryWrite, Action::kRegistryRead,
    Action::kCaseRead,        Action::kCaseWrite,     Action::kCaseSupervise,
    Action::kCaseAggregate,   Action::kProviderRead,  Action::kProviderWrite,
    Action::kDialogueRead,    Action::kDialogueWrite, Action::kLibraryRead,
    Action::kLibraryWrite};

std::string_view ActionName(Action action);

// How far a grant reaches.
enum class Scope {
  kSelf,       // records owned by the user
  kOwnAgency,  // records of the user's agency
  kAnyAgency,  // every agency's records
};

// Which agencies a grant applies to.
enum class AgencyKind {
  kAny,
  kForeignMinistry,  // kz-mfa and uk-fcdo, who keep the Strategic Dialogue record
  kLabourAgency,     // kz-mlsp and uk-fwa, who handle workers, cases, payroll and linkage
};

struct Grant {
  Role role;
  Action action;
  Scope scope;
  AgencyKind agencies = AgencyKind::kAny;
};

// Is `agency` one of the two foreign ministries?
bool IsForeignMinistry(std::string_view agency);
// Is `agency` one of the two labour agencies (kz-mlsp, uk-fwa)?
bool IsLabourAgency(std::string_view agency);

// The declarative table itself.
const std::vector<Grant>& Grants();

// The record an action touches: its owning agency and, where it has one, its owning user.
struct RecordRef {
  std::string agency;
  std::optional<long long> owner_user_id;
};

enum class Decision {
  kAllow,
  kForbidden,  // the user's roles never allow this action: 403
  kNotFound,   // allowed in general, but not on this record: 404 (do not reveal it exists)
};

// May `who` do `action` on `record`? The system principal may do everything; a disabled or
// role-less user nothing.
Decision Authorize(const Principal& who, Action action, const RecordRef& record);

// The error a refused decision becomes: 403 with `forbidden_detail` for kForbidden, 404 with
// `not_found_detail` for kNotFound (the record is not confirmed to exist).
// REQUIRES: d != Decision::kAllow.
core::Error DeniedError(Decision d, const std::string& forbidden_detail,
                        const std::string& not_found_detail);

// May `who` do `action` on at least some records (for collection routes and menus)?
bool MayPerform(const Principal& who, Action action);

// The widest scope `who` holds for `action`, if any.
std::optional<Scope> WidestScope(const Principal& who, Action action);

}  // namespace kenes::auth
