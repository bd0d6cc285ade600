#include "app/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "api/access_log.h"
#include "api/api.h"
#include "api/http_server.h"
#include "app/platform.h"
#include "audit/audit_log.h"
#include "auth/accounts.h"
#include "core/crypto.h"

namespace kenes::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// Thrown inside a command to end it with a message and an exit code.
struct CommandError {
  int exit_code;
  std::string message;
};

template <typename T>
T OrFail(core::Result<T>&& r) {
  if (!r) {
    const int code = r.error().code == core::ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
    throw CommandError{code, r.error().message};
  }
  return std::move(*r);
}

void OrFail(core::Status&& s) {
  if (!s) throw CommandError{kExitFailed, s.error().message};
}

std::string ReadSecretFromStdin() {
  std::string line;
  if (!std::getline(std::cin, line))
    throw CommandError{kExitUsage, "expected the password on standard input"};
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

const std::string kCli = "cli-";

int Serve(const core::Config& config, bool migrate, const std::string& port_file) {
  const auto colon = config.server.listen.rfind(':');
  const std::string host = config.server.listen.substr(0, colon);
  const auto port = static_cast<unsigned short>(std::stoi(config.server.listen.substr(colon + 1)));
  // Enough connections for every server thread plus background work.
  const int pool = std::max(config.database.pool_size, config.server.threads + 2);
  auto db = OrFail(OpenDatabase(config, pool, !migrate));
  if (migrate) OrFail(db->Migrate(AllMigrations()));
  auth::Accounts accounts(*db, config.auth, core::SystemClock());
  api::AccessLog access_log(config.server.access_log);
  api::Api api(config, *db, accounts, core::SystemClock(), access_log);
  api::ServerLimits limits;
  limits.threads = config.server.threads;
  limits.max_connections = config.server.max_connections;
  limits.max_header_bytes = static_cast<size_t>(config.server.max_header_bytes);
  limits.max_body_bytes = static_cast<size_t>(config.server.max_body_bytes);
  limits.request_timeout = std::chrono::seconds(config.server.request_timeout_seconds);
  limits.idle_timeout = std::chrono::seconds(config.server.idle_timeout_seconds);
  limits.shutdown_grace = std::chrono::seconds(config.server.shutdown_grace_seconds);
  api::HttpServer server(
      limits, [&api](api::HttpRequest& r) { return api.Handle(r); },
      [&api](int status, const std::string& slug, const std::string& detail) {
        return api.RenderServerError(status, slug, detail);
      });
  server.OnShutdown([&api] {
    api.SetDraining(true);
    spdlog::info("stopping: finishing in-flight requests");
  });
  OrFail(server.Listen(host, port));
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << server.port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());  // readers never see a half-written file
  }
  spdlog::info("listening on http://{}:{} ({} threads, database {})", host, server.port(),
               limits.threads, db->backend() == store::Backend::kSqlite ? "SQLite" : "PostgreSQL");
  server.Run(true);
  access_log.Flush();
  spdlog::info("stopped");
  return kExitOk;
}

void PrintUsers(const std::vector<auth::User>& users, bool as_json) {
  if (as_json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& u : users) {
      list.push_back({{"id", u.id},
                      {"username", u.username},
                      {"agency", u.agency},
                      {"roles", auth::JoinRoles(u.roles)},
                      {"disabled", u.disabled}});
    }
    std::cout << list.dump(2) << "\n";
    return;
  }
  std::printf("%-6s %-20s %-9s %-24s %s\n", "id", "username", "agency", "roles", "status");
  for (const auto& u : users) {
    std::printf("%-6lld %-20s %-9s %-24s %s\n", u.id, u.username.c_str(), u.agency.c_str(),
                auth::JoinRoles(u.roles).c_str(), u.disabled ? "disabled" : "active");
  }
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"Kenes: the Kazakhstan-UK Strategic Dialogue record and labour-rights exchange",
               "kenes"};
  app.set_version_flag("--version", std::string("kenes ") + "0.1.0");
  app.require_subcommand(1);
  Overrides overrides;
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("--config", overrides.config_path, "TOML configuration file")
        ->check(CLI::ExistingFile);
    cmd->add_option("--database", overrides.database_url,
                    "database URL: sqlite:PATH or postgresql://... (default from config or "
                    "KENES_DATABASE_URL)");
  };

  // serve
  auto* serve = app.add_subcommand("serve", "Run the HTTP API and web console");
  add_common(serve);
  serve->add_option("--listen", overrides.listen,
                    "HOST:PORT to listen on (port 0 picks a free one)");
  bool serve_migrate = false;
  serve->add_flag("--migrate", serve_migrate, "apply pending migrations before serving");
  std::string port_file;
  serve->add_option("--port-file", port_file, "write the bound port to this file once listening");

  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations");
  add_common(migrate);

  // user
  auto* user = app.add_subcommand("user", "Manage accounts");
  user->require_subcommand(1);
  std::string username, agency, display_name, format = "table";
  std::vector<std::string> roles;
  bool password_stdin = false;
  auto* user_add = user->add_subcommand("add", "Create an account");
  add_common(user_add);
  user_add->add_option("--username", username, "login name (a-z 0-9 . _ -)")->required();
  user_add->add_option("--agency", agency, "kz-mlsp, uk-fwa, kz-mfa or uk-fcdo")->required();
  user_add
      ->add_option("--role", roles,
                   "admin, supervisor, officer, analyst, auditor or viewer (repeatable)")
      ->required();
  user_add->add_option("--display-name", display_name, "name shown in the console");
  user_add->add_flag("--password-stdin", password_stdin, "read the password from standard input")
      ->required();
  auto* user_passwd =
      user->add_subcommand("passwd", "Set an account's password (ends its sessions)");
  add_common(user_passwd);
  user_passwd->add_option("--username", username)->required();
  user_passwd->add_flag("--password-stdin", password_stdin, "read the password from standard input")
      ->required();
  auto* user_disable = user->add_subcommand("disable", "Disable an account (ends its sessions)");
  add_common(user_disable);
  user_disable->add_option("--username", username)->required();
  auto* user_enable = user->add_subcommand("enable", "Enable a disabled account");
  add_common(user_enable);
  user_enable->add_option("--username", username)->required();
  auto* user_list = user->add_subcommand("list", "List accounts");
  add_common(user_list);
  user_list->add_option("--format", format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  // token
  auto* token = app.add_subcommand("token", "Manage bearer tokens for machine clients");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "Create a bearer token; prints it once");
  add_common(token_create);
  std::string token_name = "cli";
  int token_days = 0;
  token_create->add_option("--username", username)->required();
  token_create->add_option("--name", token_name, "label shown in token lists");
  token_create->add_option("--days", token_days, "validity in days (default from config)")
      ->check(CLI::Range(1, 3650));

  // audit
  auto* audit_cmd = app.add_subcommand("audit", "Audit trail");
  audit_cmd->require_subcommand(1);
  auto* audit_verify =
      audit_cmd->add_subcommand("verify", "Recompute the hash chain; exit 1 if it is broken");
  add_common(audit_verify);

  // demo
  auto* demo = app.add_subcommand("demo", "Demo data");
  demo->require_subcommand(1);
  auto* demo_load = demo->add_subcommand("load", "Create the demo accounts (idempotent)");
  add_common(demo_load);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);
    return kExitUsage;
  }

  // Diagnostics go to stderr; stdout is for results (and the access log when it is "-").
  spdlog::set_default_logger(spdlog::stderr_color_mt("kenes"));
  spdlog::set_pattern("kenes: %^%l%$: %v");
  try {
    const core::Config config = OrFail(LoadConfiguration(overrides));
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    const std::string request_id = kCli + core::RandomToken(8);
    const auth::Principal system = auth::SystemPrincipal();

    if (serve->parsed()) return Serve(config, serve_migrate, port_file);

    auto db = OrFail(OpenDatabase(config, 2, !migrate->parsed()));
    if (migrate->parsed()) {
      const size_t before = db->AppliedMigrations().size();
      OrFail(db->Migrate(AllMigrations()));
      const size_t after = db->AppliedMigrations().size();
      std::cerr << "kenes: migrations applied: " << (after - before) << " (schema at " << after
                << ")\n";
      return kExitOk;
    }
    auth::Accounts accounts(*db, config.auth, core::SystemClock());
    if (user_add->parsed()) {
      const std::string password = ReadSecretFromStdin();
      auto u = OrFail(accounts.CreateUser(system, {username, display_name, agency, roles, password},
                                          request_id));
      std::cout << "created user " << u.username << " (id " << u.id << ", " << u.agency << ", "
                << auth::JoinRoles(u.roles) << ")\n";
    } else if (user_passwd->parsed()) {
      const std::string password = ReadSecretFromStdin();
      auto u = OrFail(accounts.GetUserByName(system, username));
      OrFail(accounts.SetPassword(system, u.id, password, request_id));
      std::cout << "password set for " << u.username << "; their sessions have ended\n";
    } else if (user_disable->parsed() || user_enable->parsed()) {
      auto u = OrFail(accounts.GetUserByName(system, username));
      auth::UserUpdate up;
      up.disabled = user_disable->parsed();
      OrFail(accounts.UpdateUser(system, u.id, up, request_id));
      std::cout << u.username << (user_disable->parsed() ? " disabled\n" : " enabled\n");
    } else if (user_list->parsed()) {
      PrintUsers(OrFail(accounts.ListUsers(system)), format == "json");
    } else if (token_create->parsed()) {
      auto u = OrFail(accounts.GetUserByName(system, username));
      auto t = OrFail(accounts.CreateToken(
          system, u.id, token_name, token_days > 0 ? std::optional<int>(token_days) : std::nullopt,
          request_id));
      std::cerr << "kenes: token " << t.info.id << " for " << u.username << ", expires "
                << t.info.expires_at << "; it is shown only now\n";
      std::cout << t.token << "\n";
    } else if (audit_verify->parsed()) {
      const auto report = audit::Verify(*db);
      if (report.ok) {
        std::cout << "audit chain intact: " << report.events << " events, head " << report.head_hash
                  << "\n";
        return kExitOk;
      }
      std::cout << "audit chain BROKEN at event " << report.first_bad_seq.value_or(0) << ": "
                << report.problem << "\n";
      return kExitFailed;
    } else if (demo_load->parsed()) {
      for (const auto& line : OrFail(LoadDemo(*db, config))) std::cout << line << "\n";
    }
    return kExitOk;
  } catch (const CommandError& e) {
    std::cerr << "kenes: error: " << e.message << "\n";
    return e.exit_code;
  } catch (const core::Failure& f) {
    std::cerr << "kenes: error: " << f.error().message << "\n";
    return kExitFailed;
  } catch (const std::exception& e) {
    std::cerr << "kenes: error: " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace kenes::app
