// Assembles the platform for one command: configuration, the database, and the schema of every
// module in order. Thread-safe once built.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/accounts.h"
#include "core/config.h"
#include "core/error.h"
#include "registry/personal_data.h"
#include "store/database.h"

namespace kenes::app {

// Every module's migrations, in version order.
std::vector<store::Migration> AllMigrations();

// Command-line values that override the configuration when set.
struct Overrides {
  std::string config_path;
  std::string database_url;
  std::string listen;
  std::string data_key_file;
};

core::Result<core::Config> LoadConfiguration(const Overrides& overrides);

// Opens the configured database. With `require_current`, refuses a database with pending
// migrations (kUnavailable, saying to run `kenes migrate`).
core::Result<std::unique_ptr<store::Database>> OpenDatabase(const core::Config& config,
                                                            int pool_size, bool require_current);

// Creates the demo accounts, the Dialogue record and the library documents that do not exist
// yet and, when the configuration names a data key, the labour-rights demo; returns the lines to
// print.
core::Result<std::vector<std::string>> LoadDemo(store::Database& db, const core::Config& config);

// The labour-rights demo (demo/cases.json): providers, employers, agencies, workers, cases,
// public reports and referrals, through the services under a clock set back. Once: a second call
// finds the demo providers and adds nothing. Returns the line to print.
core::Result<std::string> LoadDemoCases(store::Database& db, const registry::DataKey& key,
                                        const std::string& request_id);

// A demo account as the principal it acts as. Throws core::Failure when it does not exist.
auth::Principal DemoPrincipal(auth::Accounts& accounts, const std::string& username);

// The Strategic Dialogue demo record (src/app/demo/dialogue.json), compiled in.
const std::string& DialogueDemoRecord();
// The demo documents of the expertise library (demo/library.json, compiled in).
const std::string& LibraryDemoRecord();
// The labour-rights demo (demo/cases.json, compiled in).
const std::string& CasesDemoRecord();

}  // namespace kenes::app
