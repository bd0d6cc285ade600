// The payroll domain service: runs the compliance engine on an uploaded payslip file for an
// agency, keeps the check, its findings and its rejected rows, and answers for them. Every check
// and every read of findings (which name workers) is audited. Thread-safe: stateless over a
// thread-safe store::Database.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_log.h"
#include "auth/principal.h"
#include "core/clock.h"
#include "core/error.h"
#include "payroll/engine/checker.h"
#include "store/database.h"

namespace kenes::payroll {

struct CheckRecord {
  long long id = 0;
  std::string agency;
  long long created_by = 0;
  std::string created_at;
  std::string as_of;
  std::string rules_version;
  long long rows_read = 0;
  long long rows_rejected = 0;
  long long rows_with_findings = 0;
  std::array<long long, kRuleCount> findings_by_rule{};
  Pence total_shortfall = 0;
  Pence total_arrears = 0;
  std::string state = "done";  // running (in the background), done, failed
  double progress = 1;         // 0..1 of the upload's bytes checked
  std::string message;         // why it failed
  long long bytes_total = 0;   // the upload's size
};

struct StoredFinding {
  long long seq = 0;  // order within the check: the paging cursor
  long long line = 0;
  std::string worker_ref;
  std::string provider_ref;
  std::string period_start;
  std::string rule;
  std::string severity;
  Pence required = 0, paid = 0, shortfall = 0, arrears = 0;
  std::string message, message_ru, message_kk;
};

struct StoredReject {
  long long line = 0;
  std::string reason;
};

class PayrollService {
 public:
  // REQUIRES: `db` and `clock` outlive this object.
  PayrollService(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}
  // Waits for the checks running in the background.
  ~PayrollService();
  PayrollService(const PayrollService&) = delete;
  PayrollService& operator=(const PayrollService&) = delete;

  // Schema of this module (versions 300-399).
  static std::vector<store::Migration> Migrations();

  // Checks `csv` (a payslip CSV with a header, as `kenes payroll check` takes) with arrears as of
  // `as_of`, and stores the result under the caller's agency. Errors: kPermissionDenied,
  // kInvalidArgument (not a payslip CSV: the message says why), kUnprocessable (no rates on
  // `as_of`).
  core::Result<CheckRecord> Check(const auth::Principal& who, std::string_view csv, Date as_of,
                                  const std::string& request_id);
  // The same check in the background, for large uploads: stores the check as "running" and
  // returns it at once; its progress and then its outcome (state "done" with the totals, or
  // "failed" with the reason) are read with Get. At most kMaxRunningChecks run at a time; more
  // is kUnavailable.
  static constexpr int kMaxRunningChecks = 2;
  core::Result<CheckRecord> StartCheck(const auth::Principal& who, std::string csv, Date as_of,
                                       const std::string& request_id);
  // Marks the checks a restart interrupted as failed. Call once before serving.
  core::Status Recover();
  // Blocks until no check runs in the background (tests, shutdown).
  void WaitIdle();
  core::Result<std::vector<CheckRecord>> List(const auth::Principal& who);
  core::Result<CheckRecord> Get(const auth::Principal& who, long long id);
  // Findings in input order after cursor `after_seq`, at most `limit`. Audited as a read.
  core::Result<std::vector<StoredFinding>> Findings(const auth::Principal& who, long long id,
                                                    long long after_seq, int limit,
                                                    const std::string& request_id);
  core::Result<std::vector<StoredReject>> Rejects(const auth::Principal& who, long long id,
                                                  long long after_line, int limit);

 private:
  core::Result<CheckRecord> Load(store::Conn& c, const auth::Principal& who, long long id);
  void RunCheck(long long id, const std::string& csv, Date as_of, const std::string& as_of_text,
                const audit::Actor& actor);

  store::Database& db_;
  const core::Clock& clock_;
  struct Job {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex mutex_;
  std::vector<Job> jobs_;
};

}  // namespace kenes::payroll
