#include "payroll/payroll_service.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "audit/audit_log.h"
#include "auth/policy.h"
#include "payroll/engine/payslip_file.h"

namespace kenes::payroll {

using core::ErrorCode;
using core::Fail;

namespace {

// A private temporary directory for one check, removed afterwards.
class Scratch {
 public:
  Scratch() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kenes-payroll-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

core::Error Denied(auth::Decision d) {
  return auth::DeniedError(d, "your roles do not allow payroll checks", "no such payroll check");
}

constexpr const char* kCheckColumns =
    "id, agency, created_by, created_at, as_of, rules_version, rows_read, rows_rejected,"
    " rows_with_findings, findings_by_rule, total_shortfall, total_arrears, state, progress,"
    " message, bytes_total";

CheckRecord FromRow(const soci::row& r) {
  CheckRecord c;
  c.id = store::GetInt(r, 0);
  c.agency = store::GetText(r, 1);
  c.created_by = store::GetInt(r, 2);
  c.created_at = store::GetText(r, 3);
  c.as_of = store::GetText(r, 4);
  c.rules_version = store::GetText(r, 5);
  c.rows_read = store::GetInt(r, 6);
  c.rows_rejected = store::GetInt(r, 7);
  c.rows_with_findings = store::GetInt(r, 8);
  const auto by_rule = nlohmann::json::parse(store::GetText(r, 9), nullptr, false);
  for (int k = 0; k < kRuleCount; ++k) {
    c.findings_by_rule[static_cast<size_t>(k)] =
        by_rule.is_object() ? by_rule.value(std::string(RuleName(static_cast<RuleId>(k))), 0LL) : 0;
  }
  c.total_shortfall = store::GetInt(r, 10);
  c.total_arrears = store::GetInt(r, 11);
  c.state = store::GetText(r, 12);
  c.progress = store::GetReal(r, 13);
  c.message = store::GetText(r, 14);
  c.bytes_total = store::GetInt(r, 15);
  return c;
}

// Findings and rejects exist once a check is done.
core::Status Finished(const CheckRecord& c) {
  if (c.state == "running") {
    return Fail(ErrorCode::kConflict, "the check is still running", "check-running");
  }
  if (c.state == "failed") {
    return Fail(ErrorCode::kConflict, "the check failed: " + c.message, "check-failed");
  }
  return {};
}

// Whether `who` may run a check with arrears as of `as_of` (the rules must have rates then).
core::Status MayCheck(const auth::Principal& who, Date as_of) {
  const auth::Decision d =
      auth::Authorize(who, auth::Action::kPayrollCheck, {who.agency, who.user_id});
  if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
  if (Rules::Builtin().WageOn(as_of) == nullptr) {
    return Fail(ErrorCode::kUnprocessable, "as_of is before the first rates in the rules");
  }
  return {};
}

// What the engine made of one upload.
struct Outcome {
  FileCheckSummary summary;
  nlohmann::json doc;  // the engine's JSON output: {"findings": [...], "summary": {...}}
  std::vector<StoredReject> rejects;
};

// Runs the engine over `csv` with arrears as of `as_of`; `progress` (may be empty) hears the
// share of the bytes checked so far.
core::Result<Outcome> RunEngine(std::string_view csv, Date as_of, const Rules& rules,
                                const std::function<void(double)>& progress) {
  // The engine reads files (memory-mapped): the upload goes to a private scratch directory.
  Scratch scratch;
  if (scratch.path().empty())
    return Fail(ErrorCode::kUnavailable, "cannot create a scratch directory");
  const std::string input = scratch.path() + "/payslips.csv";
  {
    std::ofstream out(input, std::ios::binary);
    out.write(csv.data(), static_cast<std::streamsize>(csv.size()));
    if (!out) return Fail(ErrorCode::kUnavailable, "cannot stage the upload");
  }
  Outcome outcome;
  FileCheckOptions o;
  o.input_path = input;
  o.output_path = scratch.path() + "/findings.json";
  o.format = OutputFormat::kJson;
  o.as_of = as_of;
  o.threads = 1;  // the server's threads are the parallelism here
  o.rules = &rules;
  o.on_reject = [&](long long line, const std::string& reason) {
    outcome.rejects.push_back({line, reason});
  };
  if (progress) {
    o.on_progress = [&](long long done, long long total) {
      progress(total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0);
    };
  }
  auto summary = CheckPayslipFile(o);
  if (!summary) {
    core::Error e = summary.error();
    // The scratch path means nothing to the client: name the upload instead.
    if (e.message.rfind(input, 0) == 0) e.message = "upload" + e.message.substr(input.size());
    return tl::unexpected(e);
  }
  outcome.summary = *summary;
  std::ifstream in(o.output_path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  outcome.doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (outcome.doc.is_discarded())
    return Fail(ErrorCode::kInternal, "the engine's output could not be read");
  return outcome;
}

// Writes the outcome of check `id` (its row exists): totals, findings, rejects, state done, and
// the audit event. Returns the number of findings.
long long StoreOutcome(store::Conn& c, long long id, const Outcome& out, const std::string& as_of,
                       const audit::Actor& actor, core::TimePoint now) {
  nlohmann::json by_rule = nlohmann::json::object();
  for (int k = 0; k < kRuleCount; ++k) {
    by_rule[std::string(RuleName(static_cast<RuleId>(k)))] =
        out.summary.findings_by_rule[static_cast<size_t>(k)];
  }
  const std::string by_rule_text = by_rule.dump();
  c.sql() << "UPDATE payroll_checks SET rows_read = :r, rows_rejected = :rr,"
             " rows_with_findings = :rf, findings_by_rule = :br, total_shortfall = :ts,"
             " total_arrears = :ta, state = 'done', progress = 1, message = '' WHERE id = :id",
      soci::use(out.summary.rows_read), soci::use(out.summary.rows_rejected),
      soci::use(out.summary.rows_with_findings), soci::use(by_rule_text),
      soci::use(out.summary.total_shortfall), soci::use(out.summary.total_arrears), soci::use(id);
  int seq = 0;
  StoredFinding f;
  soci::statement insert =
      (c.sql().prepare
           << "INSERT INTO payroll_findings (check_id, seq, line, worker_ref, provider_ref,"
              " period_start, rule, severity, required_pence, paid_pence, shortfall_pence,"
              " arrears_pence, message, message_ru, message_kk) VALUES (:c, :s, :l, :w, :p,"
              " :ps, :r, :sv, :rq, :pd, :sf, :ar, :m, :mr, :mk)",
       soci::use(id), soci::use(seq), soci::use(f.line), soci::use(f.worker_ref),
       soci::use(f.provider_ref), soci::use(f.period_start), soci::use(f.rule),
       soci::use(f.severity), soci::use(f.required), soci::use(f.paid), soci::use(f.shortfall),
       soci::use(f.arrears), soci::use(f.message), soci::use(f.message_ru),
       soci::use(f.message_kk));
  for (const auto& item : out.doc["findings"]) {
    ++seq;
    f.line = item.value("line", 0LL);
    f.worker_ref = item.value("worker_ref", "");
    f.provider_ref = item.value("provider_ref", "");
    f.period_start = item.value("period_start", "");
    f.rule = item.value("rule", "");
    f.severity = item.value("severity", "");
    f.required = item.value("required_pence", 0LL);
    f.paid = item.value("paid_pence", 0LL);
    f.shortfall = item.value("shortfall_pence", 0LL);
    f.arrears = item.value("arrears_pence", 0LL);
    f.message = item.value("message", "");
    f.message_ru = item.value("message_ru", "");
    f.message_kk = item.value("message_kk", "");
    insert.execute(true);
  }
  StoredReject rj;
  soci::statement reject_insert =
      (c.sql().prepare
           << "INSERT INTO payroll_rejects (check_id, line, reason) VALUES (:c, :l, :r)",
       soci::use(id), soci::use(rj.line), soci::use(rj.reason));
  for (const auto& r : out.rejects) {
    rj = r;
    reject_insert.execute(true);
  }
  audit::Append(c, actor,
                {"payroll.check",
                 "payroll_check",
                 std::to_string(id),
                 {{"rows_read", out.summary.rows_read},
                  {"rows_rejected", out.summary.rows_rejected},
                  {"findings", seq},
                  {"as_of", as_of}}},
                now);
  return seq;
}

// A new check's row: running (`state` "running", progress 0) or about to be filled in at once.
long long InsertCheck(store::Conn& c, const auth::Principal& who, const std::string& now,
                      const std::string& as_of, const std::string& rules_version,
                      const std::string& state, long long bytes_total) {
  long long id = 0;
  c.sql() << "INSERT INTO payroll_checks (agency, created_by, created_at, as_of, rules_version,"
             " rows_read, rows_rejected, rows_with_findings, findings_by_rule, total_shortfall,"
             " total_arrears, state, progress, message, bytes_total) VALUES (:a, :u, :t, :o, :v,"
             " 0, 0, 0, '{}', 0, 0, :s, 0, '', :b) RETURNING id",
      soci::use(who.agency), soci::use(who.user_id), soci::use(now), soci::use(as_of),
      soci::use(rules_version), soci::use(state), soci::use(bytes_total), soci::into(id);
  return id;
}

}  // namespace

std::vector<store::Migration> PayrollService::Migrations() {
  return {{300,
           "payroll_checks",
           {"CREATE TABLE payroll_checks ("
            " id {{id}},"
            " agency TEXT NOT NULL,"
            " created_by BIGINT NOT NULL,"
            " created_at TEXT NOT NULL,"
            " as_of TEXT NOT NULL,"
            " rules_version TEXT NOT NULL,"
            " rows_read BIGINT NOT NULL,"
            " rows_rejected BIGINT NOT NULL,"
            " rows_with_findings BIGINT NOT NULL,"
            " findings_by_rule TEXT NOT NULL,"
            " total_shortfall BIGINT NOT NULL,"
            " total_arrears BIGINT NOT NULL)",
            "CREATE INDEX payroll_checks_agency ON payroll_checks(agency, id)",
            "CREATE TABLE payroll_findings ("
            " check_id BIGINT NOT NULL REFERENCES payroll_checks(id),"
            " seq INTEGER NOT NULL,"
            " line BIGINT NOT NULL,"
            " worker_ref TEXT NOT NULL,"
            " provider_ref TEXT NOT NULL,"
            " period_start TEXT NOT NULL,"
            " rule TEXT NOT NULL,"
            " severity TEXT NOT NULL,"
            " required_pence BIGINT NOT NULL,"
            " paid_pence BIGINT NOT NULL,"
            " shortfall_pence BIGINT NOT NULL,"
            " arrears_pence BIGINT NOT NULL,"
            " message TEXT NOT NULL,"
            " message_ru TEXT NOT NULL,"
            " message_kk TEXT NOT NULL,"
            " PRIMARY KEY (check_id, seq))",
            "CREATE TABLE payroll_rejects ("
            " check_id BIGINT NOT NULL REFERENCES payroll_checks(id),"
            " line BIGINT NOT NULL,"
            " reason TEXT NOT NULL,"
            " PRIMARY KEY (check_id, line))"}},
          // Large uploads are checked in the background: the check's state and progress.
          {301,
           "payroll_check_state",
           {"ALTER TABLE payroll_checks ADD COLUMN state TEXT NOT NULL DEFAULT 'done'",
            "ALTER TABLE payroll_checks ADD COLUMN progress DOUBLE PRECISION NOT NULL DEFAULT 1",
            "ALTER TABLE payroll_checks ADD COLUMN message TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE payroll_checks ADD COLUMN bytes_total BIGINT NOT NULL DEFAULT 0"}}};
}

core::Result<CheckRecord> PayrollService::Check(const auth::Principal& who, std::string_view csv,
                                                Date as_of, const std::string& request_id) {
  if (auto ok = MayCheck(who, as_of); !ok) return tl::unexpected(ok.error());
  const Rules& rules = Rules::Builtin();
  auto outcome = RunEngine(csv, as_of, rules, {});
  if (!outcome) return tl::unexpected(outcome.error());
  const std::string as_of_text = FormatDate(as_of);
  return db_.Write([&](store::Conn& c) -> core::Result<CheckRecord> {
    const auto now = clock_.Now();
    const long long id = InsertCheck(c, who, core::FormatUtc(now), as_of_text, rules.version(),
                                     "running", static_cast<long long>(csv.size()));
    StoreOutcome(c, id, *outcome, as_of_text, who.ToActor(request_id), now);
    return Load(c, who, id);
  });
}

core::Result<CheckRecord> PayrollService::StartCheck(const auth::Principal& who, std::string csv,
                                                     Date as_of, const std::string& request_id) {
  if (auto ok = MayCheck(who, as_of); !ok) return tl::unexpected(ok.error());
  const Rules& rules = Rules::Builtin();
  std::lock_guard lock(mutex_);
  // Finished jobs are joined here; too many running ones turn new work away.
  int running = 0;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = jobs_.erase(it);
    } else {
      ++running;
      ++it;
    }
  }
  if (running >= kMaxRunningChecks) {
    return Fail(ErrorCode::kUnavailable,
                std::to_string(running) + " payroll checks are running; try again shortly");
  }
  const std::string as_of_text = FormatDate(as_of);
  auto created = db_.Write([&](store::Conn& c) -> core::Result<CheckRecord> {
    const long long id =
        InsertCheck(c, who, core::FormatUtc(clock_.Now()), as_of_text, rules.version(), "running",
                    static_cast<long long>(csv.size()));
    return Load(c, who, id);
  });
  if (!created) return created;
  const long long id = created->id;
  auto done = std::make_shared<std::atomic<bool>>(false);
  jobs_.push_back({std::thread([this, id, done, as_of, as_of_text, csv = std::move(csv),
                                actor = who.ToActor(request_id)] {
                     RunCheck(id, csv, as_of, as_of_text, actor);
                     done->store(true);
                   }),
                   done});
  return created;
}

void PayrollService::RunCheck(long long id, const std::string& csv, Date as_of,
                              const std::string& as_of_text, const audit::Actor& actor) {
  const Rules& rules = Rules::Builtin();
  // Progress is written at most every 2 %: a few dozen small updates for any size.
  double written = 0;
  auto progress = [&](double share) {
    if (share - written < 0.02 && share < 1) return;
    written = share;
    db_.Write([&](store::Conn& c) -> core::Status {
      c.sql() << "UPDATE payroll_checks SET progress = :p WHERE id = :id AND state = 'running'",
          soci::use(share), soci::use(id);
      return {};
    });
  };
  // A failed check says why on its own row: the request that started it has gone.
  auto fail = [&](const std::string& message) {
    db_.Write([&](store::Conn& c) -> core::Status {
      c.sql() << "UPDATE payroll_checks SET state = 'failed', message = :m WHERE id = :id",
          soci::use(message), soci::use(id);
      audit::Append(c, actor,
                    {"payroll.check.fail",
                     "payroll_check",
                     std::to_string(id),
                     {{"reason", message.substr(0, 200)}}},
                    clock_.Now());
      return {};
    });
  };
  try {
    auto outcome = RunEngine(csv, as_of, rules, progress);
    if (!outcome) return fail(outcome.error().message);
    db_.Write([&](store::Conn& c) -> core::Status {
      StoreOutcome(c, id, *outcome, as_of_text, actor, clock_.Now());
      return {};
    });
  } catch (const std::exception& e) {
    try {
      fail(std::string("the check stopped: ") + e.what());
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): nowhere left to report
    }
  }
}

core::Status PayrollService::Recover() {
  return db_.Write([&](store::Conn& c) -> core::Status {
    c.sql() << "UPDATE payroll_checks SET state = 'failed', message = 'interrupted by a restart of"
               " the server; upload the file again' WHERE state = 'running'";
    return {};
  });
}

void PayrollService::WaitIdle() {
  std::lock_guard lock(mutex_);
  for (auto& job : jobs_) job.thread.join();
  jobs_.clear();
}

PayrollService::~PayrollService() { WaitIdle(); }

core::Result<CheckRecord> PayrollService::Load(store::Conn& c, const auth::Principal& who,
                                               long long id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kCheckColumns << " FROM payroll_checks WHERE id = :id",
       soci::use(id));
  for (const auto& r : rows) {
    CheckRecord rec = FromRow(r);
    const auth::Decision d =
        auth::Authorize(who, auth::Action::kPayrollRead, {rec.agency, rec.created_by});
    if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
    return rec;
  }
  return Fail(ErrorCode::kNotFound, "no such payroll check");
}

core::Result<CheckRecord> PayrollService::Get(const auth::Principal& who, long long id) {
  return db_.Read([&](store::Conn& c) { return Load(c, who, id); });
}

core::Result<std::vector<CheckRecord>> PayrollService::List(const auth::Principal& who) {
  if (!auth::MayPerform(who, auth::Action::kPayrollRead))
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<CheckRecord>> {
    std::vector<CheckRecord> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << kCheckColumns
                         << " FROM payroll_checks WHERE agency = :a ORDER BY id DESC",
         soci::use(who.agency));
    for (const auto& r : rows) out.push_back(FromRow(r));
    return out;
  });
}

core::Result<std::vector<StoredFinding>> PayrollService::Findings(const auth::Principal& who,
                                                                  long long id, long long after_seq,
                                                                  int limit,
                                                                  const std::string& request_id) {
  // A write transaction: the read of findings (they name workers) is audited with it.
  return db_.Write([&](store::Conn& c) -> core::Result<std::vector<StoredFinding>> {
    auto check = Load(c, who, id);
    if (!check) return tl::unexpected(check.error());
    if (auto ok = Finished(*check); !ok) return tl::unexpected(ok.error());
    std::vector<StoredFinding> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare
             << "SELECT line, worker_ref, provider_ref, period_start, rule, severity, "
                "required_pence,"
                " paid_pence, shortfall_pence, arrears_pence, message, message_ru, message_kk, seq"
                " FROM payroll_findings WHERE check_id = :c AND seq > :a ORDER BY seq LIMIT :n",
         soci::use(id), soci::use(after_seq), soci::use(limit));
    for (const auto& r : rows) {
      StoredFinding f;
      f.line = store::GetInt(r, 0);
      f.worker_ref = store::GetText(r, 1);
      f.provider_ref = store::GetText(r, 2);
      f.period_start = store::GetText(r, 3);
      f.rule = store::GetText(r, 4);
      f.severity = store::GetText(r, 5);
      f.required = store::GetInt(r, 6);
      f.paid = store::GetInt(r, 7);
      f.shortfall = store::GetInt(r, 8);
      f.arrears = store::GetInt(r, 9);
      f.message = store::GetText(r, 10);
      f.message_ru = store::GetText(r, 11);
      f.message_kk = store::GetText(r, 12);
      f.seq = store::GetInt(r, 13);
      out.push_back(std::move(f));
    }
    audit::Append(c, who.ToActor(request_id),
                  {"payroll.findings.read",
                   "payroll_check",
                   std::to_string(id),
                   {{"after", after_seq}, {"returned", out.size()}}},
                  clock_.Now());
    return out;
  });
}

core::Result<std::vector<StoredReject>> PayrollService::Rejects(const auth::Principal& who,
                                                                long long id, long long after_line,
                                                                int limit) {
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<StoredReject>> {
    auto check = Load(c, who, id);
    if (!check) return tl::unexpected(check.error());
    if (auto ok = Finished(*check); !ok) return tl::unexpected(ok.error());
    std::vector<StoredReject> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT line, reason FROM payroll_rejects WHERE check_id = :c"
                            " AND line > :a ORDER BY line LIMIT :n",
         soci::use(id), soci::use(after_line), soci::use(limit));
    for (const auto& r : rows) out.push_back({store::GetInt(r, 0), store::GetText(r, 1)});
    return out;
  });
}

}  // namespace kenes::payroll
