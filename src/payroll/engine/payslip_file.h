// Checking a payslip CSV file end to end: the header is mapped to columns, the body is read in
// blocks (memory-mapped, released after use, so memory stays flat whatever the file size), each
// block is cut on line boundaries across threads, every row is parsed, validated and checked, and
// findings are written in input order. A bad row is rejected with its line number and reason and
// the rest go on. Rows are physical lines: quoted fields may hold commas and quotes, not line
// breaks. Thread-safe: one call per run; it manages its own threads.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "core/csv.h"
#include "core/error.h"
#include "payroll/engine/checker.h"

namespace kenes::payroll {

enum class OutputFormat { kCsv, kJson };

struct FileCheckOptions {
  std::string input_path;
  std::string output_path;   // "-" for standard output
  std::string rejects_path;  // optional: every rejected row, as CSV
  std::string totals_path;   // optional: per-worker and per-provider totals, as CSV
  OutputFormat format = OutputFormat::kCsv;
  // CSV only: the language of the `message` column ("en", "ru" or "kk"), or "all" for three
  // columns message, message_ru, message_kk. JSON always carries all three.
  std::string csv_language = "en";
  Date as_of;
  int threads = 1;
  // Input bytes each thread takes per block; memory use is about threads x this. Tests make it
  // tiny to cross block and thread boundaries often.
  long long part_bytes = 8LL << 20;
  const Rules* rules = nullptr;  // REQUIRED
  // Called once per block, in order: bytes of input done and the total.
  std::function<void(long long done, long long total)> on_progress;
  // Called for each rejected row, in line order.
  std::function<void(long long line, const std::string& reason)> on_reject;
};

struct Total {
  std::string kind;  // "worker" or "provider"
  std::string ref;
  long long findings = 0;
  Pence shortfall = 0;
  Pence arrears = 0;
};

struct FileCheckSummary {
  long long rows_read = 0;  // data rows, rejected ones included
  long long rows_rejected = 0;
  long long rows_with_findings = 0;
  std::array<long long, kRuleCount> findings_by_rule{};
  Pence total_shortfall = 0;
  Pence total_arrears = 0;
  std::vector<Total> top_providers;  // by arrears, at most 5
};

// Runs the check. Errors (nothing written to the output then): kInvalidArgument when the input
// is not a CSV file with the required columns (the message names the file and line 1),
// kUnavailable when a file cannot be read or written.
core::Result<FileCheckSummary> CheckPayslipFile(const FileCheckOptions& options);

// One CSV field (RFC 4180 quoting), shared with the rest of the platform.
using core::AppendCsvField;

// The column names, for help texts.
extern const char* const kRequiredColumns[6];
extern const char* const kOptionalColumns[8];

}  // namespace kenes::payroll
