// Agencies, roles and the signed-in principal. Thread-safe: constant tables and plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"

namespace kenes::auth {

struct Agency {
  std::string_view code;        // "kz-mlsp"
  std::string_view short_name;  // "MLSP"
  std::string_view name_en;
  std::string_view name_ru;
  std::string_view name_kk;
  std::string_view country;         // "KZ" or "GB"
  std::string_view former_name_en;  // empty unless renamed
};

// The four agencies of the cooperation, in a fixed order.
const std::vector<Agency>& Agencies();
std::optional<Agency> FindAgency(std::string_view code);

enum class Role { kAdmin, kSupervisor, kOfficer, kAnalyst, kAuditor, kViewer };
inline constexpr Role kAllRoles[] = {Role::kAdmin,   Role::kSupervisor, Role::kOfficer,
                                     Role::kAnalyst, Role::kAuditor,    Role::kViewer};

std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// Who is acting: a signed-in user (by browser session or bearer token) or the system itself
// (CLI commands run by the operator of the machine).
struct Principal {
  long long user_id = 0;
  std::string username;
  std::string display_name;
  std::string agency;
  std::vector<Role> roles;
  std::string language = "en";
  bool system = false;
  // Session facts: set for signed-in users.
  long long session_id = 0;
  bool browser_session = false;  // cookie + CSRF (false: bearer token)
  std::string csrf_token;
  std::string session_expires_at;

  bool HasRole(Role r) const;
  audit::Actor ToActor(const std::string& request_id) const;
};

// The operator at the console (CLI), allowed everything; audited as "system".
Principal SystemPrincipal();

}  // namespace kenes::auth
