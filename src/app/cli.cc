#include "app/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/access_log.h"
#include "api/api.h"
#include "api/http_server.h"
#include "app/link_cli.h"
#include "app/platform.h"
#include "audit/audit_log.h"
#include "auth/accounts.h"
#include "cases/cases_service.h"
#include "core/atomic_file.h"
#include "core/crypto.h"
#include "dialogue/briefing.h"
#include "dialogue/dialogue_service.h"
#include "payroll/engine/payslip_file.h"
#include "registry/registry_service.h"

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
  payroll::PayrollService payroll_service(*db, core::SystemClock());
  OrFail(payroll_service.Recover());
  linkage::LinkageService linkage_service(*db, core::SystemClock());
  OrFail(linkage_service.Recover());
  // Personal data needs the deployment key; a wrong key stops the server here, not mid-request.
  std::optional<registry::DataKey> data_key;
  if (!config.data.key_file.empty())
    data_key = OrFail(registry::DataKey::Load(config.data.key_file));
  registry::RegistryService registry_service(*db, core::SystemClock(),
                                             data_key ? &*data_key : nullptr);
  if (data_key) {
    OrFail(registry_service.CheckKey());
  } else {
    spdlog::warn("no data key (data.key_file / KENES_DATA_KEY_FILE): the worker registry is off");
  }
  cases::CasesService cases_service(*db, core::SystemClock(), data_key ? &*data_key : nullptr);
  dialogue::DialogueService dialogue_service(*db, core::SystemClock());
  library::LibraryService library_service(*db, core::SystemClock());
  search::SearchService search_service(*db);
  api::Api api(config, *db, accounts,
               {payroll_service, linkage_service, registry_service, cases_service, dialogue_service,
                library_service, search_service},
               core::SystemClock(), access_log);
  api::ServerLimits limits;
  limits.threads = config.server.threads;
  limits.max_connections = config.server.max_connections;
  limits.max_header_bytes = static_cast<size_t>(config.server.max_header_bytes);
  limits.max_body_bytes = static_cast<size_t>(config.server.max_body_bytes);
  limits.max_upload_bytes = static_cast<size_t>(config.server.max_upload_bytes);
  limits.is_upload = [](std::string_view method, std::string_view target) {
    return api::Api::IsBulkUpload(method, target);
  };
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

struct PayrollArgs {
  std::string input, output = "-", as_of, format = "csv", rejects, totals, rules, lang = "en";
  int threads = 0;
};

// `kenes payroll check`: exit 0 when every row was checked, 3 when some were rejected.
int PayrollCheck(const PayrollArgs& a) {
  payroll::FileCheckOptions o;
  o.input_path = a.input;
  o.output_path = a.output;
  o.rejects_path = a.rejects;
  o.totals_path = a.totals;
  o.format = a.format == "json" ? payroll::OutputFormat::kJson : payroll::OutputFormat::kCsv;
  o.csv_language = a.lang;
  o.threads = a.threads > 0 ? a.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::optional<payroll::Rules> custom;
  if (!a.rules.empty()) {
    std::ifstream in(a.rules);
    if (!in) throw CommandError{kExitUsage, a.rules + ": cannot open rules file"};
    std::stringstream text;
    text << in.rdbuf();
    custom = OrFail(payroll::Rules::Parse(text.str(), a.rules));
  }
  o.rules = custom ? &*custom : &payroll::Rules::Builtin();
  if (a.as_of.empty()) {
    const auto today = core::FormatUtc(core::SystemClock().Now()).substr(0, 10);
    o.as_of = *payroll::ParseIsoDate(today);
  } else {
    auto d = payroll::ParseIsoDate(a.as_of);
    if (!d) throw CommandError{kExitUsage, "--as-of: '" + a.as_of + "' is not a date (YYYY-MM-DD)"};
    o.as_of = *d;
  }
  if (o.rules->WageOn(o.as_of) == nullptr) {
    throw CommandError{kExitUsage,
                       "--as-of " + a.as_of + " is before the first rates in the rules"};
  }
  const bool tty = ::isatty(2) != 0;
  long long shown = 0;
  const long long kShownWithFile = 20;
  o.on_reject = [&](long long line, const std::string& reason) {
    if (!a.rejects.empty() && shown >= kShownWithFile) return;
    if (tty && shown == 0) std::cerr << "\r\033[K";
    std::cerr << a.input << ":" << line << ": rejected: " << reason << "\n";
    ++shown;
  };
  o.on_progress = [&](long long done, long long total) {
    if (!tty || total < (64LL << 20)) return;
    const int width = 40;
    const int filled = static_cast<int>(width * done / total);
    std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '#')
              << std::string(static_cast<size_t>(width - filled), '.') << "] "
              << (100 * done / total) << "%" << std::flush;
    if (done == total) std::cerr << "\n";
  };
  const auto start = std::chrono::steady_clock::now();
  const auto s = OrFail(payroll::CheckPayslipFile(o));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.rejects.empty() && s.rows_rejected > shown) {
    std::cerr << "... and " << (s.rows_rejected - shown) << " more rejected rows in " << a.rejects
              << "\n";
  }
  std::cerr << "kenes: payroll: " << s.rows_read << " rows read, " << s.rows_rejected
            << " rejected, " << s.rows_with_findings << " with findings (" << std::fixed
            << std::setprecision(2) << seconds << " s, rules " << o.rules->version() << ", as of "
            << payroll::FormatDate(o.as_of) << ")\n";
  for (int r = 0; r < payroll::kRuleCount; ++r) {
    std::cerr << "  " << std::left << std::setw(30)
              << payroll::RuleName(static_cast<payroll::RuleId>(r)) << std::right << std::setw(10)
              << s.findings_by_rule[static_cast<size_t>(r)] << "\n";
  }
  std::cerr << "  total shortfall " << payroll::FormatPounds(s.total_shortfall)
            << ", total arrears owed now " << payroll::FormatPounds(s.total_arrears) << "\n";
  for (const auto& p : s.top_providers) {
    std::cerr << "  provider " << p.ref << ": " << p.findings << " findings, arrears "
              << payroll::FormatPounds(p.arrears) << "\n";
  }
  return s.rows_rejected > 0 ? 3 : kExitOk;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"Kenes: the Kazakhstan-UK Strategic Dialogue record and labour-rights exchange",
               "kenes"};
  app.set_version_flag("--version", std::string("kenes ") + "0.1.0");
  // At most one command; "none" is reported after parsing, so that a mistyped option or command
  // is named in the error instead of hidden behind "a subcommand is required".
  app.require_subcommand(0, 1);
  Overrides overrides;
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("--config", overrides.config_path, "TOML configuration file")
        ->check(CLI::ExistingFile);
    cmd->add_option("--data-key-file", overrides.data_key_file,
                    "file holding the key that encrypts personal data (default from config or "
                    "KENES_DATA_KEY_FILE)");
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
  user->require_subcommand(0, 1);
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
  token->require_subcommand(0, 1);
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
  audit_cmd->require_subcommand(0, 1);
  auto* audit_verify =
      audit_cmd->add_subcommand("verify", "Recompute the hash chain; exit 1 if it is broken");
  add_common(audit_verify);

  // payroll
  auto* payroll_cmd = app.add_subcommand("payroll", "UK pay compliance checks");
  payroll_cmd->require_subcommand(0, 1);
  PayrollArgs pay;
  auto* payroll_check = payroll_cmd->add_subcommand(
      "check",
      "Check payslips against the UK minimum wage, the accommodation offset, recruitment fees and "
      "the Seasonal Worker route's pay and hours; write findings with arrears. Exit codes: 0 all "
      "rows checked, 3 some rows rejected (each reported with its line), 2 bad usage or an input "
      "that is not a payslip CSV, 1 failure.");
  payroll_check
      ->add_option("--input", pay.input,
                   "payslip CSV with a header; required columns: worker_ref, date_of_birth, "
                   "period_start, period_end, hours_worked, gross_pay; optional: hours_paid, "
                   "accommodation_days, accommodation_charge, deductions_employer_benefit, "
                   "recruitment_fee, route, provider_ref, apprentice")
      ->required();
  payroll_check->add_option("--output", pay.output, "findings file ('-' for standard output)");
  payroll_check->add_option("--as-of", pay.as_of,
                            "the date arrears are revalued to (default today)");
  payroll_check->add_option("--format", pay.format, "csv or json")
      ->check(CLI::IsMember({"csv", "json"}));
  payroll_check
      ->add_option("--lang", pay.lang,
                   "language of the CSV message column: en, ru, kk, or all for three columns "
                   "(JSON always has all three)")
      ->check(CLI::IsMember({"en", "ru", "kk", "all"}));
  payroll_check->add_option("--threads", pay.threads, "worker threads (default: all cores)")
      ->check(CLI::Range(1, 256));
  payroll_check->add_option("--rejects", pay.rejects,
                            "write rejected rows (line, reason, row) here");
  payroll_check->add_option("--totals", pay.totals,
                            "write per-provider and per-worker totals here");
  payroll_check->add_option("--rules", pay.rules,
                            "rules file (default: the built-in rules/uk_pay.toml)");

  // link
  auto* link_cmd = app.add_subcommand(
      "link", "Privacy-preserving record linkage: encode identities as CLKs, match, evaluate");
  link_cmd->require_subcommand(0, 1);
  LinkEncodeArgs link_encode_args;
  auto* link_encode = link_cmd->add_subcommand(
      "encode",
      "Encode a CSV file's records as CLKs (keyed Bloom filters) with a schema and a shared "
      "secret; writes {\"clks\": [...]} (the anonlink format). Exit codes: 0 done, 1 bad input "
      "(named with file and line; no output is left), 2 bad usage.");
  link_encode
      ->add_option("--schema", link_encode_args.schema,
                   "clkhash linkage schema v3 JSON file, or kazakh-worker (columns id, "
                   "given_name, family_name, patronymic, date_of_birth, sex, passport_number)")
      ->required();
  link_encode
      ->add_option("--secret-file", link_encode_args.secret_file,
                   "file holding the secret both parties share (one trailing newline is ignored)")
      ->required();
  link_encode->add_option("--input", link_encode_args.input, "CSV file with a header row")
      ->required();
  link_encode->add_option("--output", link_encode_args.output, "CLK file to write")->required();
  link_encode->add_option("--threads", link_encode_args.threads, "threads (default: all cores)")
      ->check(CLI::Range(1, 256));
  LinkMatchArgs link_match_args;
  auto* link_match = link_cmd->add_subcommand(
      "match",
      "Compare two CLK files (Sørensen-Dice) and write the one-to-one pairs as CSV "
      "a_index,b_index,similarity (0-based rows, similarity descending).");
  link_match->add_option("a", link_match_args.a, "CLK file of party A")->required();
  link_match->add_option("b", link_match_args.b, "CLK file of party B")->required();
  link_match->add_option("--output", link_match_args.output, "pairs CSV ('-' for standard output)")
      ->required();
  link_match
      ->add_option("--threshold", link_match_args.threshold,
                   "least Dice similarity of a candidate (default: the schema's recommendation "
                   "recorded in the CLK file, else 0.8)")
      ->check(CLI::Range(0.0, 1.0));
  link_match->add_option("--threads", link_match_args.threads, "threads (default: all cores)")
      ->check(CLI::Range(1, 256));
  link_match->add_option("--top-k", link_match_args.top_k,
                         "keep only each A record's k best candidates");
  link_match->add_flag("--candidates", link_match_args.candidates,
                       "write every candidate above the threshold instead of solving");
  LinkEvalArgs link_eval_args;
  auto* link_eval = link_cmd->add_subcommand(
      "eval", "Precision, recall and F1 of linkage pairs against the true pairs");
  link_eval->add_option("--pairs", link_eval_args.pairs, "pairs CSV from link match")->required();
  link_eval->add_option("--truth", link_eval_args.truth, "true pairs CSV a_index,b_index")
      ->required();
  std::string link_schema_name;
  auto* link_schema = link_cmd->add_subcommand("schema", "Print a built-in schema as clkhash JSON");
  link_schema->add_option("name", link_schema_name, "kazakh-worker")->required();

  // data keys and the registry
  auto* data_key_cmd = app.add_subcommand("data-key", "The key that encrypts personal data");
  data_key_cmd->require_subcommand(0, 1);
  std::string new_key_path;
  auto* data_key_create = data_key_cmd->add_subcommand(
      "create", "Create a new random data key file (mode 0600); prints its public id");
  data_key_create->add_option("--output", new_key_path, "key file to create")->required();
  auto* registry_cmd = app.add_subcommand("registry", "The worker registry");
  registry_cmd->require_subcommand(0, 1);
  std::string next_key_path;
  auto* rotate_key = registry_cmd->add_subcommand(
      "rotate-key",
      "Re-encrypt all personal data and its look-up indexes under a new key, in one transaction; "
      "then point data.key_file at the new key");
  rotate_key->add_option("--new-key-file", next_key_path, "the new key (from data-key create)")
      ->required()
      ->check(CLI::ExistingFile);
  add_common(rotate_key);

  // brief, dialogue
  auto* brief = app.add_subcommand("brief", "The briefing pack for a Strategic Dialogue meeting");
  bool next_meeting = false;
  brief->add_flag("--next-meeting", next_meeting, "the pack for the next meeting")->required();
  std::string brief_format = "html", brief_output = "-";
  brief->add_option("--format", brief_format, "html, md or pdf (pdf needs Chromium)")
      ->check(CLI::IsMember({"html", "md", "pdf"}));
  brief->add_option("--output,-o", brief_output, "file to write (default: standard output)");
  std::string brief_lang = "en";
  brief->add_option("--lang", brief_lang, "the pack's language: en, ru or kk")
      ->check(CLI::IsMember({"en", "ru", "kk"}));
  add_common(brief);
  auto* dialogue_cmd = app.add_subcommand("dialogue", "The Strategic Dialogue record");
  dialogue_cmd->require_subcommand(0, 1);
  auto* dialogue_import = dialogue_cmd->add_subcommand(
      "import", "Load a record (JSON, as src/app/demo/dialogue.json) in one transaction");
  std::string dialogue_file;
  dialogue_import->add_option("file", dialogue_file, "the JSON record")
      ->required()
      ->check(CLI::ExistingFile);
  add_common(dialogue_import);
  auto* dialogue_status =
      dialogue_cmd->add_subcommand("agreements", "Every agreement and its ratification state");
  add_common(dialogue_status);

  // demo
  auto* demo = app.add_subcommand("demo", "Demo data");
  demo->require_subcommand(0, 1);
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
  // A missing command, at the top or inside a group ("kenes user"), names the choices.
  for (CLI::App* level = &app; level != nullptr;) {
    const auto defined = level->get_subcommands([](CLI::App*) { return true; });
    if (defined.empty()) break;
    const auto chosen = level->get_subcommands();
    if (chosen.empty()) {
      std::string names;
      for (const CLI::App* d : defined) names += (names.empty() ? "" : ", ") + d->get_name();
      std::cerr << (level == &app ? std::string("kenes") : "kenes " + level->get_name())
                << ": a command is required (" << names
                << ")\nRun with --help for more information.\n";
      return kExitUsage;
    }
    level = chosen.front();
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
    if (payroll_check->parsed()) return PayrollCheck(pay);  // a pure engine: no database
    if (link_encode->parsed()) return LinkEncode(link_encode_args);
    if (link_match->parsed()) return LinkMatch(link_match_args);
    if (link_eval->parsed()) return LinkEval(link_eval_args);
    if (link_schema->parsed()) return LinkSchema(link_schema_name);
    if (data_key_create->parsed()) {
      const auto key = OrFail(registry::DataKey::Create(new_key_path));
      std::cout << "created data key " << key.id() << " in " << new_key_path << "\n";
      return kExitOk;
    }

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
    } else if (rotate_key->parsed()) {
      if (config.data.key_file.empty()) {
        throw CommandError{kExitUsage, "rotate-key needs the current key (--data-key-file)"};
      }
      const auto current = OrFail(registry::DataKey::Load(config.data.key_file));
      const auto next = OrFail(registry::DataKey::Load(next_key_path));
      registry::RegistryService check(*db, core::SystemClock(), &current);
      OrFail(check.CheckKey());
      // One transaction for every module that seals personal data under this key.
      const auto report = OrFail(
          registry::RegistryService::RotateKey(*db, current, next, {&cases::CasesService::Reseal}));
      std::cout << "re-encrypted " << report.fields << " fields of " << report.workers
                << " workers under key " << next.id() << "; set data.key_file to " << next_key_path
                << "\n";
    } else if (brief->parsed()) {
      dialogue::DialogueService dialogue(*db, core::SystemClock());
      const auto pack = OrFail(dialogue.Briefing(system, brief_lang));
      std::string out;
      if (brief_format == "md") {
        out = dialogue::RenderBriefingMarkdown(pack);
      } else if (brief_format == "html") {
        out = dialogue::RenderBriefingHtml(pack);
      } else {
        const auto chromium = dialogue::FindChromium();
        if (!chromium) {
          throw CommandError{kExitFailed,
                             "PDF needs Chromium (apt-get install chromium, or set "
                             "KENES_CHROMIUM); use --format html and print it instead"};
        }
        out = OrFail(dialogue::RenderBriefingPdf(dialogue::RenderBriefingHtml(pack), *chromium));
      }
      auto file = OrFail(core::AtomicFile::Create(brief_output));
      file.Write(out);
      OrFail(file.Commit());
    } else if (dialogue_import->parsed()) {
      std::ifstream in(dialogue_file, std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      nlohmann::json record;
      try {
        record = nlohmann::json::parse(text);
      } catch (const nlohmann::json::parse_error& e) {
        const auto upto = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
        const auto line =
            1 + std::count(text.begin(), text.begin() + static_cast<long>(upto), '\n');
        throw CommandError{kExitUsage, dialogue_file + ":" + std::to_string(line) +
                                           ": not valid JSON: " + e.what()};
      }
      dialogue::DialogueService dialogue(*db, core::SystemClock());
      auto added = dialogue.Import(system, record, request_id);
      if (!added) {
        throw CommandError{
            kExitUsage, dialogue_file + ": " + added.error().message + " (nothing was imported)"};
      }
      std::cout << "imported " << *added << " records from " << dialogue_file << "\n";
    } else if (dialogue_status->parsed()) {
      dialogue::DialogueService dialogue(*db, core::SystemClock());
      for (const auto& a : OrFail(dialogue.ListAgreements(system))) {
        std::cout << a.id << "  " << a.title << "\n    " << a.status_label << "\n";
        for (const auto& p : a.party_status) {
          std::cout << "    " << p.party << ": " << p.state
                    << (p.next_step.empty() ? "" : "; next: " + p.next_step) << "\n";
        }
      }
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
