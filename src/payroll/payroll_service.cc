#include "payroll/payroll_service.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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
    " rows_with_findings, findings_by_rule, total_shortfall, total_arrears";

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
  return c;
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
            " PRIMARY KEY (check_id, line))"}}};
}

core::Result<CheckRecord> PayrollService::Check(const auth::Principal& who, std::string_view csv,
                                                Date as_of, const std::string& request_id) {
  const auth::Decision d =
      auth::Authorize(who, auth::Action::kPayrollCheck, {who.agency, who.user_id});
  if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
  const Rules& rules = Rules::Builtin();
  if (rules.WageOn(as_of) == nullptr) {
    return Fail(ErrorCode::kUnprocessable, "as_of is before the first rates in the rules");
  }
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
  FileCheckOptions o;
  o.input_path = input;
  o.output_path = scratch.path() + "/findings.json";
  o.format = OutputFormat::kJson;
  o.as_of = as_of;
  o.threads = 1;  // the server's threads are the parallelism here
  o.rules = &rules;
  std::vector<StoredReject> rejects;
  o.on_reject = [&](long long line, const std::string& reason) {
    rejects.push_back({line, reason});
  };
  auto summary = CheckPayslipFile(o);
  if (!summary) {
    core::Error e = summary.error();
    // The scratch path means nothing to the client: name the upload instead.
    if (e.message.rfind(input, 0) == 0) e.message = "upload" + e.message.substr(input.size());
    return tl::unexpected(e);
  }
  std::ifstream in(o.output_path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded())
    return Fail(ErrorCode::kInternal, "the engine's output could not be read");
  nlohmann::json by_rule = nlohmann::json::object();
  for (int k = 0; k < kRuleCount; ++k) {
    by_rule[std::string(RuleName(static_cast<RuleId>(k)))] =
        summary->findings_by_rule[static_cast<size_t>(k)];
  }
  const std::string by_rule_text = by_rule.dump();
  const std::string as_of_text = FormatDate(as_of);
  return db_.Write([&](store::Conn& c) -> core::Result<CheckRecord> {
    const std::string now = core::FormatUtc(clock_.Now());
    long long id = 0;
    c.sql()
        << "INSERT INTO payroll_checks (agency, created_by, created_at, as_of, rules_version, "
           "rows_read,"
           " rows_rejected, rows_with_findings, findings_by_rule, total_shortfall, total_arrears)"
           " VALUES (:a, :u, :t, :o, :v, :r, :rr, :rf, :br, :ts, :ta) RETURNING id",
        soci::use(who.agency), soci::use(who.user_id), soci::use(now), soci::use(as_of_text),
        soci::use(rules.version()), soci::use(summary->rows_read),
        soci::use(summary->rows_rejected), soci::use(summary->rows_with_findings),
        soci::use(by_rule_text), soci::use(summary->total_shortfall),
        soci::use(summary->total_arrears), soci::into(id);
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
    for (const auto& item : doc["findings"]) {
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
    for (const auto& r : rejects) {
      rj = r;
      reject_insert.execute(true);
    }
    audit::Append(c, who.ToActor(request_id),
                  {"payroll.check",
                   "payroll_check",
                   std::to_string(id),
                   {{"rows_read", summary->rows_read},
                    {"rows_rejected", summary->rows_rejected},
                    {"findings", seq},
                    {"as_of", as_of_text}}},
                  clock_.Now());
    return Load(c, who, id);
  });
}

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
