#include "auth/principal.h"

#include <algorithm>

namespace kenes::auth {

const std::vector<Agency>& Agencies() {
  static const std::vector<Agency> agencies = {
      {"kz-mlsp", "MLSP",
       "Ministry of Labour and Social Protection of the Population of the Republic of Kazakhstan",
       "Министерство труда и социальной защиты населения Республики Казахстан",
       "Қазақстан Республикасы Еңбек және халықты әлеуметтік қорғау министрлігі", "KZ", ""},
      {"uk-fwa", "FWA (GLAA)",
       "Fair Work Agency (incorporating the Gangmasters and Labour Abuse Authority, GLAA)",
       "Агентство по справедливому труду (ранее Управление по вопросам гэнгмастеров и "
       "злоупотреблений в сфере труда, GLAA)",
       "Әділ еңбек агенттігі (бұрынғы Гэнгмастерлер және еңбекті теріс пайдалану жөніндегі "
       "басқарма, GLAA)",
       "GB",
       "Gangmasters and Labour Abuse Authority (GLAA), part of the Fair Work Agency since 7 April "
       "2026"},
      {"kz-mfa", "MFA", "Ministry of Foreign Affairs of the Republic of Kazakhstan",
       "Министерство иностранных дел Республики Казахстан",
       "Қазақстан Республикасының Сыртқы істер министрлігі", "KZ", ""},
      {"uk-fcdo", "FCDO", "Foreign, Commonwealth & Development Office",
       "Министерство иностранных дел, по делам Содружества и развития Великобритании",
       "Ұлыбританияның Сыртқы істер, Достастық және даму істері министрлігі", "GB", ""},
  };
  return agencies;
}

std::optional<Agency> FindAgency(std::string_view code) {
  for (const auto& a : Agencies()) {
    if (a.code == code) return a;
  }
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kOfficer:
      return "officer";
    case Role::kAnalyst:
      return "analyst";
    case Role::kAuditor:
      return "auditor";
    case Role::kViewer:
      return "viewer";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : kAllRoles) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

bool Principal::HasRole(Role r) const {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

audit::Actor Principal::ToActor(const std::string& request_id) const {
  if (system) return audit::Actor{std::nullopt, "system", "", request_id};
  return audit::Actor{user_id, username, agency, request_id};
}

Principal SystemPrincipal() {
  Principal p;
  p.system = true;
  p.username = "system";
  return p;
}

}  // namespace kenes::auth
