#include "auth/policy.h"

namespace kenes::auth {

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kMeRead:
      return "me.read";
    case Action::kAgencyList:
      return "agency.list";
    case Action::kUserList:
      return "user.list";
    case Action::kUserRead:
      return "user.read";
    case Action::kUserCreate:
      return "user.create";
    case Action::kUserUpdate:
      return "user.update";
    case Action::kUserSetPassword:
      return "user.set_password";
    case Action::kTokenCreate:
      return "token.create";
    case Action::kTokenList:
      return "token.list";
    case Action::kTokenRevoke:
      return "token.revoke";
    case Action::kAuditRead:
      return "audit.read";
    case Action::kAuditVerify:
      return "audit.verify";
    case Action::kPayrollCheck:
      return "payroll.check";
    case Action::kPayrollRead:
      return "payroll.read";
    case Action::kLinkageManage:
      return "linkage.manage";
    case Action::kLinkageRead:
      return "linkage.read";
    case Action::kRegistryWrite:
      return "registry.write";
    case Action::kRegistryRead:
      return "registry.read";
    case Action::kCaseRead:
      return "case.read";
    case Action::kCaseWrite:
      return "case.write";
    case Action::kCaseSupervise:
      return "case.supervise";
    case Action::kCaseAggregate:
      return "case.aggregate";
    case Action::kProviderRead:
      return "provider.read";
    case Action::kProviderWrite:
      return "provider.write";
    case Action::kDialogueRead:
      return "dialogue.read";
    case Action::kDialogueWrite:
      return "dialogue.write";
    case Action::kLibraryRead:
      return "library.read";
    case Action::kLibraryWrite:
      return "library.write";
  }
  return "unknown";
}

const std::vector<Grant>& Grants() {
  using enum Role;
  using enum Action;
  using enum Scope;
  // Every role may see itself and the agency directory, and hold bearer tokens for itself.
  // Admins administer the accounts of their own agency only; auditors read their own agency's
  // audit trail. Cross-agency reach (kAnyAgency) is granted sparingly and only where the trust
  // model says a record is shared.
  static const std::vector<Grant> grants = [] {
    std::vector<Grant> g;
    for (Role r : kAllRoles) {
      g.push_back({r, kMeRead, kSelf});
      g.push_back({r, kAgencyList, kAnyAgency});
      g.push_back({r, kTokenCreate, kSelf});
      g.push_back({r, kTokenList, kSelf});
      g.push_back({r, kTokenRevoke, kSelf});
    }
    for (Action a : {kUserList, kUserRead, kUserCreate, kUserUpdate, kUserSetPassword}) {
      g.push_back({kAdmin, a, kOwnAgency});
    }
    g.push_back({kSupervisor, kUserList, kOwnAgency});
    g.push_back({kSupervisor, kUserRead, kOwnAgency});
    g.push_back({kAdmin, kTokenList, kOwnAgency});
    g.push_back({kAdmin, kTokenRevoke, kOwnAgency});
    g.push_back({kAdmin, kAuditVerify, kAnyAgency});
    g.push_back({kAuditor, kAuditRead, kOwnAgency});
    g.push_back({kAuditor, kAuditVerify, kAnyAgency});
    g.push_back({kAuditor, kUserList, kOwnAgency});
    g.push_back({kAuditor, kUserRead, kOwnAgency});
    // The labour-rights work (payroll, linkage, workers, cases, keeping the provider register)
    // is the two labour agencies'; the foreign ministries' roles do not reach it.
    constexpr AgencyKind kLabour = AgencyKind::kLabourAgency;
    // Payroll checks belong to the agency that ran them; auditors may read them.
    for (Role r : {kSupervisor, kOfficer, kAnalyst}) {
      g.push_back({r, kPayrollCheck, kOwnAgency, kLabour});
      g.push_back({r, kPayrollRead, kOwnAgency, kLabour});
    }
    g.push_back({kAuditor, kPayrollRead, kOwnAgency, kLabour});
    // A linkage project belongs to both its parties (checked against each); analysts and
    // auditors read, officers and supervisors also upload and run.
    for (Role r : {kSupervisor, kOfficer}) g.push_back({r, kLinkageManage, kOwnAgency, kLabour});
    for (Role r : {kSupervisor, kOfficer, kAnalyst, kAuditor}) {
      g.push_back({r, kLinkageRead, kOwnAgency, kLabour});
    }
    // Workers' personal data: only the officers who handle cases and their supervisors, of the
    // agency that recorded them. Analysts and auditors work without names.
    for (Role r : {kSupervisor, kOfficer}) {
      g.push_back({r, kRegistryWrite, kOwnAgency, kLabour});
      g.push_back({r, kRegistryRead, kOwnAgency, kLabour});
      // Cases hold personal data too: officers and supervisors of the agency (or of the partner
      // a referral went to, checked per referral).
      g.push_back({r, kCaseRead, kOwnAgency, kLabour});
      g.push_back({r, kCaseWrite, kOwnAgency, kLabour});
    }
    g.push_back({kSupervisor, kCaseSupervise, kOwnAgency, kLabour});
    for (Role r : {kSupervisor, kOfficer, kAnalyst}) {
      g.push_back({r, kCaseAggregate, kOwnAgency, kLabour});
    }
    // The provider register is public data: everyone reads it; labour officers keep it current.
    for (Role r : kAllRoles) g.push_back({r, kProviderRead, kAnyAgency});
    for (Role r : {kSupervisor, kOfficer}) g.push_back({r, kProviderWrite, kOwnAgency, kLabour});
    // The Strategic Dialogue record is shared by all four agencies; the foreign ministries'
    // desk officers keep it (either side may edit: it is one joint record).
    for (Role r : kAllRoles) g.push_back({r, kDialogueRead, kAnyAgency});
    for (Role r : {kAdmin, kSupervisor, kOfficer}) {
      g.push_back({r, kDialogueWrite, kAnyAgency, AgencyKind::kForeignMinistry});
    }
    // Library documents: everyone reads what each document's visibility lets them see; the
    // people who do the work write their own agency's documents.
    for (Role r : kAllRoles) g.push_back({r, kLibraryRead, kAnyAgency});
    for (Role r : {kSupervisor, kOfficer, kAnalyst}) g.push_back({r, kLibraryWrite, kOwnAgency});
    return g;
  }();
  return grants;
}

bool IsForeignMinistry(std::string_view agency) {
  return agency == "kz-mfa" || agency == "uk-fcdo";
}

bool IsLabourAgency(std::string_view agency) { return agency == "kz-mlsp" || agency == "uk-fwa"; }

namespace {

bool Applies(const Grant& g, const Principal& who) {
  if (!who.HasRole(g.role)) return false;
  switch (g.agencies) {
    case AgencyKind::kAny:
      return true;
    case AgencyKind::kForeignMinistry:
      return IsForeignMinistry(who.agency);
    case AgencyKind::kLabourAgency:
      return IsLabourAgency(who.agency);
  }
  return false;
}

bool Covers(Scope scope, const Principal& who, const RecordRef& record) {
  switch (scope) {
    case Scope::kAnyAgency:
      return true;
    case Scope::kOwnAgency:
      return record.agency == who.agency;
    case Scope::kSelf:
      return record.owner_user_id && *record.owner_user_id == who.user_id;
  }
  return false;
}

int Width(Scope s) { return s == Scope::kSelf ? 0 : s == Scope::kOwnAgency ? 1 : 2; }

}  // namespace

std::optional<Scope> WidestScope(const Principal& who, Action action) {
  std::optional<Scope> widest;
  if (who.system) return Scope::kAnyAgency;
  for (const Grant& g : Grants()) {
    if (g.action == action && Applies(g, who) && (!widest || Width(g.scope) > Width(*widest))) {
      widest = g.scope;
    }
  }
  return widest;
}

Decision Authorize(const Principal& who, Action action, const RecordRef& record) {
  if (who.system) return Decision::kAllow;
  bool any = false;
  for (const Grant& g : Grants()) {
    if (g.action != action || !Applies(g, who)) continue;
    any = true;
    if (Covers(g.scope, who, record)) return Decision::kAllow;
  }
  return any ? Decision::kNotFound : Decision::kForbidden;
}

core::Error DeniedError(Decision d, const std::string& forbidden_detail,
                        const std::string& not_found_detail) {
  if (d == Decision::kForbidden) {
    return core::Error{core::ErrorCode::kPermissionDenied, forbidden_detail, "", {}};
  }
  return core::Error{core::ErrorCode::kNotFound, not_found_detail, "", {}};
}

bool MayPerform(const Principal& who, Action action) {
  return WidestScope(who, action).has_value();
}

}  // namespace kenes::auth
