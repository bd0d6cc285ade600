// Black-box tests of the `kenes` command line: exit codes, usage and help, configuration errors,
// and every database command run as the real binary on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/database.h"
#include "testing/server_process.h"
#include "testing/test_database.h"

namespace kenes::app {
namespace {

using kenes::testing::CommandResult;
using kenes::testing::RunKenes;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr const char* kPassword = "a long enough passphrase\n";
constexpr int kDemoAccounts = 13;

// Everything a failed command said, for assertion messages.
std::string Describe(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

std::string Join(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The number N in "migrations applied: N", or -1 when the line is missing.
int AppliedCount(const std::string& err) {
  constexpr std::string_view kLabel = "migrations applied: ";
  const auto pos = err.find(kLabel);
  if (pos == std::string::npos) return -1;
  return std::atoi(err.c_str() + pos + kLabel.size());
}

// Commands that need no database: version, usage errors, help, configuration.
TEST(CliTest, VersionPrintsTheNameAndExitsZero) {
  const auto r = RunKenes({"--version"});
  EXPECT_EQ(r.exit_code, kOk) << Describe(r);
  EXPECT_NE(r.out.find("kenes"), std::string::npos) << Describe(r);
}

TEST(CliTest, UsageErrorsExitTwo) {
  kenes::testing::TempDir dir;
  const std::string db = "sqlite:" + dir.path() + "/unused.db";
  struct Case {
    std::vector<std::string> args;
    std::string err;  // a fragment stderr must contain ("": any message)
  };
  const Case cases[] = {
      {{},
       "a command is required (serve, migrate, user, token, audit, payroll, link, data-key, "
       "registry, brief, dialogue, demo)"},
      {{"--bogus"}, "--bogus"},
      {{"frobnicate"}, "frobnicate"},
      {{"user"}, "kenes user: a command is required (add, passwd, disable, enable, list)"},
      {{"user", "frob"}, "frob"},
      {{"user", "list", "--bogus", "--database", db}, "--bogus"},
      {{"user", "list", "--format", "xml", "--database", db}, "--format"},
      {{"user", "add", "--username", "x.y", "--agency", "kz-mlsp", "--database", db}, "--role"},
      {{"token", "create", "--username", "x.y", "--days", "0", "--database", db}, "--days"},
      {{"migrate", "--database", "mysql://x"}, "--database"},
      {{"migrate", "--database", "sqlite:"}, "--database"},
      {{"user", "list", "--database", "mysql://x"}, "--database"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(Join(c.args));
    const auto r = RunKenes(c.args);
    EXPECT_EQ(r.exit_code, kUsage) << Describe(r);
    EXPECT_FALSE(r.err.empty());
    EXPECT_NE(r.err.find(c.err), std::string::npos) << Describe(r);
    EXPECT_EQ(r.out, "");
  }
  // A usage error must not have created the database it named.
  EXPECT_FALSE(std::ifstream(dir.path() + "/unused.db").good());
}

TEST(CliTest, HelpExitsZeroWithTheCommandsUsage) {
  struct Case {
    std::vector<std::string> args;
    std::string option;  // an option only this command has, so the right help was printed
  };
  const Case cases[] = {
      {{"serve", "--help"}, "--listen"},
      {{"migrate", "--help"}, "--database"},
      {{"user", "add", "--help"}, "--password-stdin"},
      {{"token", "create", "--help"}, "--days"},
      {{"audit", "verify", "--help"}, "--config"},
      {{"demo", "load", "--help"}, "--config"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(Join(c.args));
    const auto r = RunKenes(c.args);
    EXPECT_EQ(r.exit_code, kOk) << Describe(r);
    const std::string usage = "Usage: kenes " + Join({c.args.begin(), c.args.end() - 1});
    EXPECT_NE(r.out.find(usage), std::string::npos) << Describe(r);
    EXPECT_NE(r.out.find(c.option), std::string::npos) << Describe(r);
  }
}

TEST(CliTest, BadConfigFileNamesTheFileLineAndKey) {
  kenes::testing::TempDir dir;
  const std::string path = dir.path() + "/kenes.toml";
  WriteFile(path,
            "[server]\n"
            "threads = \"four\"\n"
            "colour = \"blue\"\n");
  const auto r =
      RunKenes({"migrate", "--config", path, "--database", "sqlite:" + dir.path() + "/k.db"});
  EXPECT_EQ(r.exit_code, kUsage) << Describe(r);
  EXPECT_NE(r.err.find(path + ":2: server.threads: must be an integer"), std::string::npos)
      << Describe(r);
  EXPECT_NE(r.err.find(path + ":3: server.colour: unknown key"), std::string::npos) << Describe(r);
  EXPECT_FALSE(std::ifstream(dir.path() + "/k.db").good()) << "the database was opened anyway";
}

TEST(CliTest, UnparsableConfigFileNamesTheFileAndLine) {
  kenes::testing::TempDir dir;
  const std::string path = dir.path() + "/kenes.toml";
  WriteFile(path, "[log]\nlevel = \n");
  const auto r =
      RunKenes({"migrate", "--config", path, "--database", "sqlite:" + dir.path() + "/k.db"});
  EXPECT_EQ(r.exit_code, kUsage) << Describe(r);
  EXPECT_NE(r.err.find(path + ":2:"), std::string::npos) << Describe(r);
}

TEST(CliTest, MissingConfigFileIsAUsageError) {
  kenes::testing::TempDir dir;
  const std::string path = dir.path() + "/absent.toml";
  const auto r =
      RunKenes({"migrate", "--config", path, "--database", "sqlite:" + dir.path() + "/k.db"});
  EXPECT_EQ(r.exit_code, kUsage) << Describe(r);
  EXPECT_NE(r.err.find(path), std::string::npos) << Describe(r);
}

// Commands against a real database, on both backends.
// `kenes payroll check`: a pure engine, no database.
TEST(CliPayrollTest, FindingsRejectsAndExitCodes) {
  kenes::testing::TempDir dir;
  const std::string input = dir.path() + "/payslips.csv";
  std::ofstream(input) << "worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay,"
                          "recruitment_fee\n"
                          "KZ-1,1977-05-01,2022-12-01,2022-12-08,35,250.00,\n"  // T2: owed 90.49
                          "KZ-2,1990-01-01,2025-06-02,2025-06-08,40,488.40,150\n"
                          "KZ-3,1990-01-01,2025-06-02,2025-06-08,forty,488.40,\n";
  const std::string output = dir.path() + "/findings.csv";
  const auto r = RunKenes({"payroll", "check", "--input", input, "--output", output, "--as-of",
                           "2023-04-15", "--threads", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.err;  // a row was rejected
  EXPECT_NE(r.err.find(input + ":4: rejected: hours_worked: 'forty'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 rows read, 1 rejected"), std::string::npos) << r.err;
  std::ifstream in(output);
  std::string header, first, second;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(header.rfind("line,worker_ref,period_start,rule,severity,required_pence,paid_pence,"
                         "shortfall_pence,arrears_pence,message",
                         0),
            0u);
  EXPECT_EQ(first.rfind("2,KZ-1,2022-12-01,nmw.underpayment,violation,33250,25000,8250,9049,", 0),
            0u)
      << first;
  EXPECT_EQ(second.rfind("3,KZ-2,2025-06-02,fees.recruitment,violation,0,15000,15000,15000,", 0),
            0u)
      << second;

  // Every row good: exit 0; JSON on standard output.
  std::ofstream(input)
      << "worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay\n"
         "KZ-1,1977-05-01,2022-12-01,2022-12-08,35,250.00\n";
  const auto ok =
      RunKenes({"payroll", "check", "--input", input, "--format", "json", "--as-of", "2023-04-15"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  const auto doc = nlohmann::json::parse(ok.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << ok.out;
  EXPECT_EQ(doc["findings"][0]["arrears_pence"], 9049);
}

TEST(CliPayrollTest, UsageErrorsAndNonCsvInputExitTwo) {
  kenes::testing::TempDir dir;
  const std::string input = dir.path() + "/payslips.csv";
  std::ofstream(input) << "name,age\nAigerim,30\n";
  const std::string output = dir.path() + "/findings.csv";
  const auto not_payslips = RunKenes({"payroll", "check", "--input", input, "--output", output});
  EXPECT_EQ(not_payslips.exit_code, 2);
  EXPECT_NE(not_payslips.err.find(input + ":1: missing required column(s)"), std::string::npos)
      << not_payslips.err;
  EXPECT_FALSE(std::filesystem::exists(output)) << "nothing written";
  EXPECT_EQ(RunKenes({"payroll", "check"}).exit_code, 2);
  EXPECT_EQ(RunKenes({"payroll", "check", "--input", input, "--as-of", "31/12/2025"}).exit_code, 2);
  EXPECT_EQ(RunKenes({"payroll", "check", "--input", input, "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(RunKenes({"payroll", "check", "--input", input, "--threads", "0"}).exit_code, 2);
  const auto missing = RunKenes({"payroll", "check", "--input", dir.path() + "/nope.csv"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos) << missing.err;
}

class CliDatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<kenes::testing::TestDatabase>(GetParam());
    KENES_REQUIRE_DATABASE(*tdb_);
  }

  // Runs `kenes args... --database URL`.
  CommandResult Kenes(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.push_back("--database");
    args.push_back(tdb_->url());
    return RunKenes(args, stdin_text);
  }

  void Migrate() {
    const auto r = Kenes({"migrate"});
    ASSERT_EQ(r.exit_code, kOk) << Describe(r);
  }

  void AddUser(const std::string& username, const std::string& agency = "kz-mlsp",
               const std::string& role = "officer") {
    const auto r = Kenes({"user", "add", "--username", username, "--agency", agency, "--role", role,
                          "--password-stdin"},
                         kPassword);
    ASSERT_EQ(r.exit_code, kOk) << Describe(r);
  }

  // `user list --format json`, parsed.
  nlohmann::json Users() {
    const auto r = Kenes({"user", "list", "--format", "json"});
    EXPECT_EQ(r.exit_code, kOk) << Describe(r);
    auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_array()) << r.out;
    return j.is_array() ? j : nlohmann::json::array();
  }

  nlohmann::json UserNamed(const std::string& username) {
    for (const auto& u : Users()) {
      if (u.value("username", "") == username) return u;
    }
    ADD_FAILURE() << "no user " << username << " in user list";
    return nlohmann::json::object();
  }

  // Opens the database directly, bypassing the CLI.
  std::unique_ptr<store::Database> Direct() {
    auto db = store::Database::Open(tdb_->url(), 1);
    EXPECT_TRUE(db.has_value()) << db.error().message;
    return db ? std::move(*db) : nullptr;
  }

  // Sessions and tokens of all users: how many exist and how many have been ended.
  std::pair<int, int> SessionCounts() {
    auto db = Direct();
    if (db == nullptr) return {-1, -1};
    int total = 0, revoked = 0;
    db->Read([&](store::Conn& c) {
      c.sql() << "SELECT COUNT(*) FROM sessions", soci::into(total);
      c.sql() << "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NOT NULL", soci::into(revoked);
    });
    return {total, revoked};
  }

  void CreateToken(const std::string& username) {
    const auto r = Kenes({"token", "create", "--username", username});
    ASSERT_EQ(r.exit_code, kOk) << Describe(r);
  }

  void Exec(const std::string& sql) {
    auto db = Direct();
    ASSERT_NE(db, nullptr);
    db->Read([&](store::Conn& c) { c.sql() << sql; });
  }

  std::unique_ptr<kenes::testing::TestDatabase> tdb_;
};

TEST_P(CliDatabaseTest, MigrateAppliesThenIsIdempotent) {
  const auto first = Kenes({"migrate"});
  ASSERT_EQ(first.exit_code, kOk) << Describe(first);
  EXPECT_GT(AppliedCount(first.err), 0) << Describe(first);
  const auto second = Kenes({"migrate"});
  ASSERT_EQ(second.exit_code, kOk) << Describe(second);
  EXPECT_EQ(AppliedCount(second.err), 0) << Describe(second);
}

TEST_P(CliDatabaseTest, CommandsRefuseAnUnmigratedDatabase) {
  struct Case {
    std::vector<std::string> args;
    std::string stdin_text;
  };
  const Case cases[] = {
      {{"user", "add", "--username", "aigerim", "--agency", "kz-mlsp", "--role", "officer",
        "--password-stdin"},
       kPassword},
      {{"user", "list"}, ""},
      {{"user", "passwd", "--username", "aigerim", "--password-stdin"}, kPassword},
      {{"user", "disable", "--username", "aigerim"}, ""},
      {{"user", "enable", "--username", "aigerim"}, ""},
      {{"token", "create", "--username", "aigerim"}, ""},
      {{"audit", "verify"}, ""},
      {{"demo", "load"}, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(Join(c.args));
    const auto r = Kenes(c.args, c.stdin_text);
    EXPECT_EQ(r.exit_code, kFailed) << Describe(r);
    EXPECT_NE(r.err.find("kenes migrate"), std::string::npos) << Describe(r);
    EXPECT_EQ(r.out, "");
  }
  // None of them migrated behind the operator's back.
  const auto r = Kenes({"migrate"});
  ASSERT_EQ(r.exit_code, kOk) << Describe(r);
  EXPECT_GT(AppliedCount(r.err), 0) << Describe(r);
}

TEST_P(CliDatabaseTest, UserAddCreatesAndPrintsTheUser) {
  Migrate();
  const auto r =
      Kenes({"user", "add", "--username", "aigerim.s", "--agency", "kz-mlsp", "--role", "officer",
             "--role", "analyst", "--display-name", "Aigerim Sultanova", "--password-stdin"},
            kPassword);
  ASSERT_EQ(r.exit_code, kOk) << Describe(r);
  EXPECT_NE(r.out.find("created user aigerim.s"), std::string::npos) << Describe(r);
  EXPECT_NE(r.out.find("kz-mlsp"), std::string::npos) << Describe(r);
  EXPECT_NE(r.out.find("officer"), std::string::npos) << Describe(r);
  EXPECT_NE(r.out.find("analyst"), std::string::npos) << Describe(r);

  // --role is repeatable: both roles are stored.
  const auto u = UserNamed("aigerim.s");
  EXPECT_EQ(u.value("agency", ""), "kz-mlsp");
  const std::string roles = u.value("roles", "");
  EXPECT_NE(roles.find("officer"), std::string::npos) << roles;
  EXPECT_NE(roles.find("analyst"), std::string::npos) << roles;
  EXPECT_EQ(u.value("disabled", true), false);
}

TEST_P(CliDatabaseTest, UserAddRejectsBadInput) {
  Migrate();
  AddUser("aigerim");
  struct Case {
    std::string name;
    std::vector<std::string> args;
    std::string stdin_text;
    int exit_code;
    std::string err;
  };
  auto add = [](const std::string& username, const std::string& agency, const std::string& role) {
    return std::vector<std::string>{"user", "add",    "--username", username,          "--agency",
                                    agency, "--role", role,         "--password-stdin"};
  };
  const Case cases[] = {
      {"duplicate", add("aigerim", "kz-mlsp", "viewer"), kPassword, kFailed, "taken"},
      {"bad agency", add("helen", "uk-glaa", "viewer"), kPassword, kFailed,
       "unknown agency 'uk-glaa'"},
      {"bad role", add("helen", "uk-fwa", "root"), kPassword, kFailed, "unknown role 'root'"},
      {"short password", add("helen", "uk-fwa", "viewer"), "elevenchars\n", kFailed,
       "at least 12 characters"},
      {"invalid username", add("Helen Marsh", "uk-fwa", "viewer"), kPassword, kFailed,
       "username must"},
      {"no password on stdin", add("helen", "uk-fwa", "viewer"), "", kUsage, "standard input"},
      {"missing --password-stdin",
       {"user", "add", "--username", "helen", "--agency", "uk-fwa", "--role", "viewer"},
       kPassword,
       kUsage,
       "--password-stdin"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = Kenes(c.args, c.stdin_text);
    EXPECT_EQ(r.exit_code, c.exit_code) << Describe(r);
    EXPECT_NE(r.err.find(c.err), std::string::npos) << Describe(r);
    EXPECT_EQ(r.out.find("created user"), std::string::npos) << Describe(r);
  }
  // Only the first account exists.
  const auto users = Users();
  ASSERT_EQ(users.size(), 1u) << users.dump();
  EXPECT_EQ(users[0].value("username", ""), "aigerim");
}

TEST_P(CliDatabaseTest, UserListShowsEveryUser) {
  Migrate();
  AddUser("aigerim", "kz-mlsp", "officer");
  AddUser("helen", "uk-fwa", "supervisor");
  const auto users = Users();
  ASSERT_EQ(users.size(), 2u) << users.dump();
  std::set<std::string> names;
  std::set<long long> ids;
  for (const auto& u : users) {
    names.insert(u.value("username", ""));
    ids.insert(u.value("id", 0LL));
    EXPECT_EQ(u.value("disabled", true), false) << u.dump();
  }
  EXPECT_EQ(names, (std::set<std::string>{"aigerim", "helen"}));
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(UserNamed("helen").value("agency", ""), "uk-fwa");

  const auto table = Kenes({"user", "list"});
  ASSERT_EQ(table.exit_code, kOk) << Describe(table);
  EXPECT_NE(table.out.find("username"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("aigerim"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("helen"), std::string::npos) << table.out;
}

TEST_P(CliDatabaseTest, UserPasswdDisableAndEnable) {
  Migrate();
  AddUser("aigerim");
  CreateToken("aigerim");
  const auto passwd = Kenes({"user", "passwd", "--username", "aigerim", "--password-stdin"},
                            "another passphrase\n");
  EXPECT_EQ(passwd.exit_code, kOk) << Describe(passwd);
  EXPECT_NE(passwd.out.find("password set for aigerim"), std::string::npos) << Describe(passwd);
  // As the command says, a new password ends the account's sessions and tokens.
  EXPECT_EQ(SessionCounts(), std::make_pair(1, 1));

  struct Case {
    std::string name;
    std::vector<std::string> args;
    std::string stdin_text;
    int exit_code;
    std::string err;
  };
  const Case bad[] = {
      {"short password",
       {"user", "passwd", "--username", "aigerim", "--password-stdin"},
       "short\n",
       kFailed,
       "at least 12 characters"},
      {"unknown user",
       {"user", "passwd", "--username", "nobody", "--password-stdin"},
       kPassword,
       kFailed,
       "no user named 'nobody'"},
      {"missing --password-stdin",
       {"user", "passwd", "--username", "aigerim"},
       kPassword,
       kUsage,
       "--password-stdin"},
      {"disable unknown user",
       {"user", "disable", "--username", "nobody"},
       "",
       kFailed,
       "no user named 'nobody'"},
      {"enable unknown user",
       {"user", "enable", "--username", "nobody"},
       "",
       kFailed,
       "no user named 'nobody'"},
  };
  for (const auto& c : bad) {
    SCOPED_TRACE(c.name);
    const auto r = Kenes(c.args, c.stdin_text);
    EXPECT_EQ(r.exit_code, c.exit_code) << Describe(r);
    EXPECT_NE(r.err.find(c.err), std::string::npos) << Describe(r);
  }

  CreateToken("aigerim");
  const auto disable = Kenes({"user", "disable", "--username", "aigerim"});
  EXPECT_EQ(disable.exit_code, kOk) << Describe(disable);
  EXPECT_EQ(UserNamed("aigerim").value("disabled", false), true);
  EXPECT_EQ(SessionCounts(), std::make_pair(2, 2)) << "disabling must end the new token too";
  // A disabled account gets no tokens.
  const auto token = Kenes({"token", "create", "--username", "aigerim"});
  EXPECT_EQ(token.exit_code, kFailed) << Describe(token);
  EXPECT_EQ(token.out.find("kenes_"), std::string::npos) << Describe(token);

  const auto enable = Kenes({"user", "enable", "--username", "aigerim"});
  EXPECT_EQ(enable.exit_code, kOk) << Describe(enable);
  EXPECT_EQ(UserNamed("aigerim").value("disabled", true), false);
  CreateToken("aigerim");
  EXPECT_EQ(SessionCounts(), std::make_pair(3, 2));
}

TEST_P(CliDatabaseTest, TokenCreatePrintsOneTokenThatIsNotStored) {
  Migrate();
  AddUser("aigerim");
  const auto r = Kenes({"token", "create", "--username", "aigerim", "--name", "nightly-export"});
  ASSERT_EQ(r.exit_code, kOk) << Describe(r);
  // Exactly one line, so that `TOKEN=$(kenes token create ...)` captures just the token.
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.back(), '\n');
  const std::string token = r.out.substr(0, r.out.size() - 1);
  EXPECT_EQ(token.find('\n'), std::string::npos) << Describe(r);
  EXPECT_EQ(token.rfind("kenes_", 0), 0u) << Describe(r);
  EXPECT_GT(token.size(), 30u) << token;
  EXPECT_EQ(r.err.find(token), std::string::npos) << "the token leaked to stderr";

  // The sessions table holds a hash only: no text column contains the plaintext.
  auto db = Direct();
  ASSERT_NE(db, nullptr);
  int rows = 0, named = 0;
  db->Read([&](store::Conn& c) {
    soci::rowset<soci::row> all = c.sql().prepare << "SELECT * FROM sessions";
    for (const auto& row : all) {
      ++rows;
      for (size_t i = 0; i < row.size(); ++i) {
        const std::string column = row.get_properties(i).get_name();
        if (row.get_properties(i).get_data_type() != soci::dt_string || store::IsNull(row, i)) {
          continue;
        }
        const std::string value = store::GetText(row, i);
        EXPECT_EQ(value.find(token), std::string::npos) << "sessions." << column;
        EXPECT_EQ(value.find(token.substr(6)), std::string::npos) << "sessions." << column;
        if (value == "nightly-export") ++named;
      }
    }
    // Nor does the audit trail record it.
    soci::rowset<soci::row> events = c.sql().prepare << "SELECT detail FROM audit_events";
    for (const auto& row : events) EXPECT_EQ(store::GetText(row, 0).find(token), std::string::npos);
  });
  EXPECT_EQ(rows, 1);
  EXPECT_EQ(named, 1);

  // A second token is a different one; an unknown user gets none.
  const auto again = Kenes({"token", "create", "--username", "aigerim"});
  ASSERT_EQ(again.exit_code, kOk) << Describe(again);
  EXPECT_NE(again.out, r.out);
  const auto unknown = Kenes({"token", "create", "--username", "nobody"});
  EXPECT_EQ(unknown.exit_code, kFailed) << Describe(unknown);
  EXPECT_EQ(unknown.out, "");
}

TEST_P(CliDatabaseTest, DemoLoadIsIdempotent) {
  Migrate();
  const auto first = Kenes({"demo", "load"});
  ASSERT_EQ(first.exit_code, kOk) << Describe(first);
  EXPECT_NE(first.out.find("(" + std::to_string(kDemoAccounts) + " created now)"),
            std::string::npos)
      << first.out;
  for (const char* login : {"mlsp.admin", "fwa.officer", "mfa.desk", "fcdo.viewer"}) {
    EXPECT_NE(first.out.find(login), std::string::npos) << login << "\n" << first.out;
  }
  EXPECT_EQ(Users().size(), static_cast<size_t>(kDemoAccounts));

  const auto second = Kenes({"demo", "load"});
  ASSERT_EQ(second.exit_code, kOk) << Describe(second);
  EXPECT_NE(second.out.find("(0 created now)"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("mlsp.admin"), std::string::npos) << second.out;
  EXPECT_EQ(Users().size(), static_cast<size_t>(kDemoAccounts));
  // The library's demo documents (a leaflet in three linked languages and two guides), once.
  EXPECT_NE(first.out.find("Expertise library: 5 documents added"), std::string::npos) << first.out;
  EXPECT_NE(second.out.find("Expertise library: 0 documents added"), std::string::npos)
      << second.out;
  long long documents = 0, translated = 0;
  auto db = Direct();
  ASSERT_NE(db, nullptr);
  db->Read([&](store::Conn& c) {
    c.sql() << "SELECT COUNT(*) FROM library_documents", soci::into(documents);
    c.sql() << "SELECT COUNT(*) FROM library_documents WHERE translation_of IS NOT NULL",
        soci::into(translated);
  });
  EXPECT_EQ(documents, 5);
  EXPECT_EQ(translated, 2);
}

TEST_P(CliDatabaseTest, DemoLoadWithADataKeyAddsTheLabourRightsDemoOnce) {
  Migrate();
  // Without a key the personal half is skipped, and says so.
  const auto keyless = Kenes({"demo", "load"});
  ASSERT_EQ(keyless.exit_code, kOk) << Describe(keyless);
  EXPECT_NE(keyless.out.find("Labour-rights demo: skipped"), std::string::npos) << keyless.out;

  kenes::testing::TempDir dir;
  const std::string key = dir.path() + "/data.key";
  ASSERT_EQ(RunKenes({"data-key", "create", "--output", key}).exit_code, kOk);
  const auto first = Kenes({"demo", "load", "--data-key-file", key});
  ASSERT_EQ(first.exit_code, kOk) << Describe(first);
  EXPECT_NE(first.out.find("Labour-rights demo: 4 providers, 4 employers and agencies, 4 workers, "
                           "8 cases, 2 referrals"),
            std::string::npos)
      << first.out;
  auto counts = [&] {
    std::map<std::string, long long> n;
    auto db = Direct();
    db->Read([&](store::Conn& c) {
      for (const char* table : {"providers", "organisations", "workers", "cases", "referrals",
                                "worker_placements", "referral_messages"}) {
        long long k = 0;
        c.sql() << "SELECT COUNT(*) FROM " << table, soci::into(k);
        n[table] = k;
      }
      long long k = 0;
      c.sql() << "SELECT COUNT(*) FROM cases WHERE agency = 'kz-mlsp'", soci::into(k);
      n["mlsp cases"] = k;
      c.sql() << "SELECT COUNT(*) FROM cases WHERE status = 'closed'", soci::into(k);
      n["closed"] = k;
    });
    return n;
  };
  const auto loaded = counts();
  EXPECT_EQ(loaded.at("providers"), 4);
  EXPECT_EQ(loaded.at("organisations"), 4);
  EXPECT_EQ(loaded.at("workers"), 4);
  EXPECT_EQ(loaded.at("worker_placements"), 2);
  EXPECT_EQ(loaded.at("cases"), 8);
  EXPECT_EQ(loaded.at("mlsp cases"), 3);
  EXPECT_EQ(loaded.at("closed"), 1);
  EXPECT_EQ(loaded.at("referrals"), 2);
  EXPECT_EQ(loaded.at("referral_messages"), 3);

  // Loading again adds nothing, and the audit chain of it all verifies.
  const auto second = Kenes({"demo", "load", "--data-key-file", key});
  ASSERT_EQ(second.exit_code, kOk) << Describe(second);
  EXPECT_NE(second.out.find("Labour-rights demo: already loaded"), std::string::npos) << second.out;
  EXPECT_EQ(counts(), loaded);
  const auto verify = Kenes({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, kOk) << Describe(verify);

  // The serve-time key check agrees: the demo sealed its data under this key.
  const auto other = dir.path() + "/other.key";
  ASSERT_EQ(RunKenes({"data-key", "create", "--output", other}).exit_code, kOk);
  const auto wrong = Kenes({"demo", "load", "--data-key-file", other});
  EXPECT_NE(wrong.exit_code, kOk) << Describe(wrong);
}

TEST_P(CliDatabaseTest, ConfigFileSuppliesTheDatabase) {
  kenes::testing::TempDir dir;
  const std::string path = dir.path() + "/kenes.toml";
  WriteFile(path, "[database]\nurl = \"" + tdb_->url() + "\"\n\n[log]\nlevel = \"warn\"\n");
  // No --database: the URL comes from the file.
  const auto r = RunKenes({"migrate", "--config", path});
  ASSERT_EQ(r.exit_code, kOk) << Describe(r);
  EXPECT_GT(AppliedCount(r.err), 0) << Describe(r);
  EXPECT_EQ(AppliedCount(Kenes({"migrate"}).err), 0);
}

// Builds an audit trail through the CLI: one user, one token and the demo accounts.
class CliAuditTest : public CliDatabaseTest {
 protected:
  void SetUp() override {
    CliDatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Migrate();
    AddUser("aigerim");
    const auto token = Kenes({"token", "create", "--username", "aigerim"});
    ASSERT_EQ(token.exit_code, kOk) << Describe(token);
    const auto demo = Kenes({"demo", "load"});
    ASSERT_EQ(demo.exit_code, kOk) << Describe(demo);
    const auto r = Kenes({"audit", "verify"});
    ASSERT_EQ(r.exit_code, kOk) << Describe(r);
    // user.create + token.create + one user.create per demo account + the demo Dialogue record;
    // verify walks every stored event.
    long long events = 0;
    {
      auto db = Direct();
      ASSERT_NE(db, nullptr);
      db->Read([&](store::Conn& c) {
        c.sql() << "SELECT COUNT(*) FROM audit_events", soci::into(events);
      });
    }
    EXPECT_GT(events, 2 + kDemoAccounts);
    EXPECT_NE(r.out.find("audit chain intact: " + std::to_string(events) + " events"),
              std::string::npos)
        << r.out;
  }
};

TEST_P(CliAuditTest, IntactChainVerifiesAndShowsTheHead) {
  const auto r = Kenes({"audit", "verify"});
  EXPECT_EQ(r.exit_code, kOk) << Describe(r);
  // "audit chain intact: N events, head <64 hex digits>"
  const auto head = r.out.find(" events, head ");
  ASSERT_EQ(r.out.rfind("audit chain intact: ", 0), 0u) << r.out;
  ASSERT_NE(head, std::string::npos) << r.out;
  const std::string hash = r.out.substr(head + 14, 64);
  EXPECT_EQ(hash.size(), 64u) << r.out;
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos) << r.out;
}

TEST_P(CliAuditTest, ModifiedEventIsCaught) {
  Exec("UPDATE audit_events SET action = 'user.forged' WHERE seq = 4");
  const auto r = Kenes({"audit", "verify"});
  EXPECT_EQ(r.exit_code, kFailed) << Describe(r);
  EXPECT_NE(r.out.find("BROKEN at event 4:"), std::string::npos) << Describe(r);
}

TEST_P(CliAuditTest, DeletedMiddleEventIsCaught) {
  Exec("DELETE FROM audit_events WHERE seq = 7");
  const auto r = Kenes({"audit", "verify"});
  EXPECT_EQ(r.exit_code, kFailed) << Describe(r);
  EXPECT_NE(r.out.find("BROKEN at event 7:"), std::string::npos) << Describe(r);
}

INSTANTIATE_TEST_SUITE_P(Backends, CliDatabaseTest,
                         ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Backends, CliAuditTest,
                         ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kenes::app
