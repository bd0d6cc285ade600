#include "app/platform.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "auth/accounts.h"
#include "cases/cases_service.h"
#include "core/crypto.h"
#include "dialogue/dialogue_service.h"
#include "library/library_service.h"
#include "linkage/linkage_service.h"
#include "payroll/payroll_service.h"
#include "registry/organisations.h"
#include "registry/providers.h"
#include "registry/registry_service.h"
#include "search/search_index.h"

namespace kenes::app {

std::vector<store::Migration> AllMigrations() {
  std::vector<store::Migration> all = audit::Migrations();
  for (auto& m : auth::Accounts::Migrations()) all.push_back(std::move(m));
  for (auto& m : payroll::PayrollService::Migrations()) all.push_back(std::move(m));
  for (auto& m : linkage::LinkageService::Migrations()) all.push_back(std::move(m));
  for (auto& m : registry::RegistryService::Migrations()) all.push_back(std::move(m));
  for (auto& m : registry::ProviderRegister::Migrations()) all.push_back(std::move(m));
  for (auto& m : registry::OrganisationRegister::Migrations()) all.push_back(std::move(m));
  for (auto& m : cases::CasesService::Migrations()) all.push_back(std::move(m));
  for (auto& m : search::SearchService::Migrations()) all.push_back(std::move(m));
  for (auto& m : library::LibraryService::Migrations()) all.push_back(std::move(m));
  for (auto& m : dialogue::DialogueService::Migrations()) all.push_back(std::move(m));
  return all;
}

core::Result<core::Config> LoadConfiguration(const Overrides& o) {
  auto config = core::LoadConfig(o.config_path, core::ProcessEnv());
  if (!config) return config;
  if (!o.database_url.empty()) config->database.url = o.database_url;
  if (!o.listen.empty()) config->server.listen = o.listen;
  if (!o.data_key_file.empty()) config->data.key_file = o.data_key_file;
  // Re-validate the overridden values through the same rules as the file and environment.
  core::EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "KENES_DATABASE_URL") return config->database.url;
    if (name == "KENES_SERVER_LISTEN") return config->server.listen;
    return std::nullopt;
  };
  auto check = core::LoadConfig("", env);
  if (!check) {
    std::string msg = check.error().message;
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"environment: KENES_DATABASE_URL", "--database"},
          {"environment: KENES_SERVER_LISTEN", "--listen"}}) {
      if (auto pos = msg.find(from); pos != std::string::npos) msg.replace(pos, from.size(), to);
    }
    return core::Fail(core::ErrorCode::kInvalidArgument, msg);
  }
  return config;
}

core::Result<std::unique_ptr<store::Database>> OpenDatabase(const core::Config& config,
                                                            int pool_size, bool require_current) {
  auto db = store::Database::Open(config.database.url, pool_size);
  if (!db) return db;
  if (require_current) {
    const auto all = AllMigrations();
    const size_t applied = (*db)->AppliedMigrations().size();
    if (applied < all.size()) {
      return core::Fail(core::ErrorCode::kUnavailable,
                        "the database schema is not current (" + std::to_string(applied) + " of " +
                            std::to_string(all.size()) +
                            " migrations applied); run `kenes migrate`");
    }
  }
  return db;
}

auth::Principal DemoPrincipal(auth::Accounts& accounts, const std::string& username) {
  auto user = accounts.GetUserByName(auth::SystemPrincipal(), username);
  if (!user) throw core::Failure(user.error());
  auth::Principal p;
  p.user_id = user->id;
  p.username = user->username;
  p.display_name = user->display_name;
  p.agency = user->agency;
  p.roles = user->roles;
  return p;
}

namespace {

// The demo library documents, each created by its demo author unless a document of that agency
// already has the title (so loading twice adds nothing). Returns how many were added.
core::Result<int> LoadDemoLibrary(store::Database& db, auth::Accounts& accounts,
                                  const std::string& request_id) {
  const auth::Principal system = auth::SystemPrincipal();
  library::LibraryService library(db, core::SystemClock());
  const auto record = nlohmann::json::parse(LibraryDemoRecord());
  std::map<std::string, long long> ids;  // key -> document id
  int added = 0;
  for (const auto& d : record.at("documents")) {
    const auth::Principal author = DemoPrincipal(accounts, d.at("author").get<std::string>());
    library::NewDocument n;
    n.title = d.at("title").get<std::string>();
    n.summary = d.value("summary", "");
    n.body = d.at("body").get<std::string>();
    n.language = d.at("language").get<std::string>();
    n.visibility = *search::ParseVisibility(d.at("visibility").get<std::string>());
    n.tags = d.value("tags", std::vector<std::string>{});
    library::ListFilter same_language;
    same_language.language = n.language;
    same_language.limit = 1000;
    auto existing = library.List(&author, same_language);
    if (!existing) return tl::unexpected(existing.error());
    const auto found = std::find_if(existing->begin(), existing->end(), [&](const auto& e) {
      return e.title == n.title && e.agency == author.agency;
    });
    if (found != existing->end()) {
      ids[d.at("key").get<std::string>()] = found->id;
      continue;
    }
    if (d.contains("translation_of")) n.translation_of = ids.at(d.at("translation_of"));
    auto created = library.Create(author, n, request_id);
    if (!created) return tl::unexpected(created.error());
    ids[d.at("key").get<std::string>()] = created->id;
    ++added;
  }
  return added;
}

}  // namespace

core::Result<std::vector<std::string>> LoadDemo(store::Database& db, const core::Config& config) {
  struct DemoUser {
    const char* username;
    const char* display_name;
    const char* agency;
    std::vector<std::string> roles;
  };
  // Illustrative accounts, one per job the platform serves; the names are invented.
  const DemoUser users[] = {
      {"mlsp.admin", "MLSP administrator", "kz-mlsp", {"admin"}},
      {"mlsp.supervisor", "Aigerim Sultanova (MLSP)", "kz-mlsp", {"supervisor"}},
      {"mlsp.officer", "Daniyar Abenov (MLSP)", "kz-mlsp", {"officer"}},
      {"mlsp.analyst", "Saule Temirkhanova (MLSP)", "kz-mlsp", {"analyst"}},
      {"mlsp.auditor", "MLSP internal audit", "kz-mlsp", {"auditor"}},
      {"fwa.admin", "FWA administrator", "uk-fwa", {"admin"}},
      {"fwa.supervisor", "Helen Marsh (FWA)", "uk-fwa", {"supervisor"}},
      {"fwa.officer", "Tom Okafor (FWA)", "uk-fwa", {"officer"}},
      {"fwa.analyst", "Priya Shah (FWA)", "uk-fwa", {"analyst"}},
      {"fwa.auditor", "FWA internal audit", "uk-fwa", {"auditor"}},
      {"mfa.desk", "UK desk, MFA of Kazakhstan", "kz-mfa", {"officer"}},
      {"fcdo.desk", "Central Asia desk, FCDO", "uk-fcdo", {"officer"}},
      {"fcdo.viewer", "FCDO reader", "uk-fcdo", {"viewer"}},
  };
  static constexpr const char* kDemoPassword = "kenes-demo-2026";
  auth::Accounts accounts(db, config.auth, core::SystemClock());
  const auth::Principal system = auth::SystemPrincipal();
  const std::string request_id = "demo-" + core::RandomToken(8);
  std::vector<std::string> lines;
  int created = 0;
  for (const auto& u : users) {
    auto existing = accounts.GetUserByName(system, u.username);
    if (!existing) {
      auto r = accounts.CreateUser(
          system, {u.username, u.display_name, u.agency, u.roles, kDemoPassword}, request_id);
      if (!r) return tl::unexpected(r.error());
      ++created;
    }
    std::string roles;
    for (const auto& r : u.roles) roles += (roles.empty() ? "" : ",") + r;
    char line[160];
    std::snprintf(line, sizeof line, "  %-16s %-9s %-11s %s", u.username, u.agency, roles.c_str(),
                  kDemoPassword);
    lines.emplace_back(line);
  }
  // The Strategic Dialogue record: the real meetings and agreements with their sources, and a few
  // illustrative commitments (marked as such in the data).
  dialogue::DialogueService dialogue(db, core::SystemClock());
  auto added = dialogue.Import(system, nlohmann::json::parse(DialogueDemoRecord()), request_id);
  if (!added) return tl::unexpected(added.error());
  lines.push_back("Strategic Dialogue record: " + std::to_string(*added) +
                  " records added (meetings, agreements, commitments, engagements, indicators)");
  auto documents = LoadDemoLibrary(db, accounts, request_id);
  if (!documents) return tl::unexpected(documents.error());
  lines.push_back("Expertise library: " + std::to_string(*documents) + " documents added");
  if (config.data.key_file.empty()) {
    lines.push_back(
        "Labour-rights demo: skipped (personal data needs a data key: --data-key-file or "
        "KENES_DATA_KEY_FILE)");
  } else {
    auto key = registry::DataKey::Load(config.data.key_file);
    if (!key) return tl::unexpected(key.error());
    auto loaded = LoadDemoCases(db, *key, request_id);
    if (!loaded) return tl::unexpected(loaded.error());
    lines.push_back(*loaded);
  }
  lines.insert(lines.begin(), "demo accounts (" + std::to_string(created) +
                                  " created now); password for all: " + std::string(kDemoPassword));
  lines.insert(lines.begin() + 1, "  username         agency    roles       password");
  return lines;
}

}  // namespace kenes::app
