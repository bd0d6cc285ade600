#include "payroll/engine/payslip_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <barrier>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "core/csv.h"
#include "core/utf8.h"

namespace kenes::payroll {

const char* const kRequiredColumns[6] = {"worker_ref", "date_of_birth", "period_start",
                                         "period_end", "hours_worked",  "gross_pay"};
const char* const kOptionalColumns[8] = {"hours_paid",           "accommodation_days",
                                         "accommodation_charge", "deductions_employer_benefit",
                                         "recruitment_fee",      "route",
                                         "provider_ref",         "apprentice"};

namespace {

using core::ErrorCode;

// Column slots, in the order of the two lists above.
enum Column : int {
  kWorkerRef,
  kDateOfBirth,
  kPeriodStart,
  kPeriodEnd,
  kHoursWorked,
  kGrossPay,
  kHoursPaid,
  kAccommodationDays,
  kAccommodationCharge,
  kDeductions,
  kRecruitmentFee,
  kRoute,
  kProviderRef,
  kApprentice,
  kColumnCount
};

const char* ColumnName(int c) { return c < 6 ? kRequiredColumns[c] : kOptionalColumns[c - 6]; }

}  // namespace

namespace {

bool NeedsCsvQuotes(std::string_view v) {
  for (const char c : v) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
  }
  return false;
}

int LanguageIndex(std::string_view lang) { return lang == "ru" ? 1 : lang == "kk" ? 2 : 0; }

// Whether Explain(f, lang) holds a comma, quote or line break whatever the amounts, per rule and
// language: only the band name is free text in an explanation.
const std::array<std::array<bool, 3>, kRuleCount>& TemplateNeedsQuotes() {
  static const auto table = [] {
    std::array<std::array<bool, 3>, kRuleCount> t{};
    for (int r = 0; r < kRuleCount; ++r) {
      for (int l = 0; l < 3; ++l) {
        Finding f;
        f.rule = static_cast<RuleId>(r);
        f.hours = 1000;
        t[static_cast<size_t>(r)][static_cast<size_t>(l)] =
            NeedsCsvQuotes(Explain(f, l == 0   ? "en"
                                      : l == 1 ? "ru"
                                               : "kk"));
      }
    }
    return t;
  }();
  return table;
}

// AppendCsvField(out, Explain(f, lang)), formatted in place.
void AppendCsvExplanation(std::string& out, const Finding& f, std::string_view lang) {
  const bool band_special = !f.band.empty() && NeedsCsvQuotes(f.band);
  if (band_special && f.band.find('"') != std::string_view::npos) {
    AppendCsvField(out, Explain(f, lang));
    return;
  }
  const bool quote =
      band_special ||
      TemplateNeedsQuotes()[static_cast<size_t>(f.rule)][static_cast<size_t>(LanguageIndex(lang))];
  if (quote) out.push_back('"');
  AppendExplanation(out, f, lang);
  if (quote) out.push_back('"');
}

void AppendJsonString(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendInt(std::string& out, long long v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

struct RowReject {
  long long line;
  std::string reason;
  std::string_view raw;
};

struct Totals {
  long long findings = 0;
  Pence shortfall = 0;
  Pence arrears = 0;
  void Add(const Totals& o) {
    findings += o.findings;
    shortfall += o.shortfall;
    arrears += o.arrears;
  }
};

// Totals by worker or provider reference. Lookups take the reference as it is in the row (a
// string_view): no std::string is built for a reference already counted.
struct RefHash {
  using is_transparent = void;
  size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
};
using TotalsByRef = std::unordered_map<std::string, Totals, RefHash, std::equal_to<>>;

void AddTotals(TotalsByRef& map, std::string_view ref, const Totals& t) {
  auto it = map.find(ref);
  if (it == map.end()) it = map.emplace(std::string(ref), Totals{}).first;
  it->second.Add(t);
}

// What one worker thread produced for its part of a block.
struct PartResult {
  std::string output;  // formatted findings
  std::vector<RowReject> rejects;
  long long rows = 0;
  long long rows_with_findings = 0;
  std::array<long long, kRuleCount> by_rule{};
  Pence shortfall = 0;
  Pence arrears = 0;
  TotalsByRef workers;
  TotalsByRef providers;

  // Empties the result for the next block but keeps its memory: the output string of a block is
  // tens of MiB, and growing a fresh one for every block cost reallocation copies and page faults
  // (about 15 % of the run's CPU).
  void Clear() {
    output.clear();
    rejects.clear();
    rows = 0;
    rows_with_findings = 0;
    by_rule = {};
    shortfall = 0;
    arrears = 0;
    workers.clear();
    providers.clear();
  }
};

// Parsed dates by their ten bytes of text, direct-mapped. The period columns of a payroll file
// take a few hundred values (weeks and months of a few years) in any order. The slot comes from
// the digits themselves (the year's last digit modulo 8, the month, the day), so the dates of any
// eight years have a slot each and nearly every lookup hits (a multiplicative hash of the bytes
// hit 80-95 % of the time: its collisions thrash). Only what ParseIsoDate accepted is stored, and
// every slot starts out holding a real parse, so a hit always gives exactly what ParseIsoDate
// would, whatever the text.
class DateCache {
 public:
  DateCache() {
    Entry e;
    e.date = *ParseIsoDate(kFiller, &e.ymd);
    std::memcpy(&e.head, kFiller, sizeof e.head);
    std::memcpy(&e.tail, kFiller + sizeof e.head, sizeof e.tail);
    entries_.assign(kSlots, e);
  }

  std::optional<Date> Parse(std::string_view v, YearMonthDay* ymd) {
    std::uint64_t head;
    std::uint16_t tail;
    if (v.size() != sizeof head + sizeof tail) return ParseIsoDate(v, ymd);
    std::memcpy(&head, v.data(), sizeof head);
    std::memcpy(&tail, v.data() + sizeof head, sizeof tail);
    const auto digit = [&](size_t i) { return static_cast<unsigned char>(v[i]) & 15u; };
    // "YYYY-MM-DD": at most ((7 * 13 + 12) * 32 + 31) = 3327 for a date; any other text lands
    // in some slot and misses.
    const unsigned slot = (((digit(3) & 7) * 13 + (digit(5) & 1) * 10 + digit(6)) * 32 +
                           (digit(8) & 3) * 10 + digit(9)) &
                          (kSlots - 1);
    Entry& e = entries_[slot];
    if (e.head == head && e.tail == tail) {
      *ymd = e.ymd;
      return e.date;
    }
    const auto d = ParseIsoDate(v, ymd);
    if (d) e = Entry{head, tail, *d, *ymd};
    return d;
  }

 private:
  static constexpr unsigned kSlots = 4096;  // 128 KiB, of which a few hundred slots are used
  static constexpr const char* kFiller = "1970-01-01";
  struct Entry {
    std::uint64_t head = 0;  // bytes 0-7 of the text
    std::uint16_t tail = 0;  // bytes 8-9
    Date date;
    YearMonthDay ymd;
  };
  std::vector<Entry> entries_;
};

// core::TrimBlanks without the call for the usual field, which has no blank at either end.
std::string_view Trim(std::string_view v) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (v.empty() || (!blank(v.front()) && !blank(v.back()))) return v;
  return core::TrimBlanks(v);
}

// core::IsValidUtf8 without the call for ASCII text (nearly every reference).
bool IsValidUtf8(std::string_view v) {
  unsigned char high = 0;
  for (const char c : v) high |= static_cast<unsigned char>(c);
  return high < 0x80 || core::IsValidUtf8(v);
}

class RowProcessor {
 public:
  RowProcessor(const std::array<int, kColumnCount>& columns, size_t field_count,
               const Checker& checker, OutputFormat format,
               std::vector<std::string_view> csv_languages, bool keep_worker_totals)
      : csv_languages_(std::move(csv_languages)),
        columns_(columns),
        field_count_(field_count),
        checker_(checker),
        format_(format),
        keep_worker_totals_(keep_worker_totals) {}

  // Processes the line starting at `p`; returns where the next one starts.
  const char* ProcessLine(const char* p, const char* end, long long line_no, PartResult& r) {
    std::string_view line;
    bool ok = true;
    std::string_view error;
    const char* next = splitter_.SplitLine(p, end, fields_, line, ok, error);
    Process(line, ok, error, line_no, r);
    return next;
  }

  void Process(std::string_view line, bool split_ok, std::string_view error, long long line_no,
               PartResult& r) {
    ++r.rows;
    if (line.empty()) return Reject(r, line_no, "empty line", line);
    if (!split_ok) return Reject(r, line_no, std::string(error), line);
    if (fields_.size() != field_count_) {
      return Reject(r, line_no,
                    std::to_string(fields_.size()) + " fields where the header has " +
                        std::to_string(field_count_),
                    line);
    }
    Payslip s;
    std::string problem;
    auto text = [&](int c) -> std::string_view {
      return columns_[c] < 0 ? std::string_view() : Trim(fields_[columns_[c]]);
    };
    auto need = [&](int c) -> std::string_view {
      const auto v = text(c);
      if (v.empty() && problem.empty()) problem = std::string(ColumnName(c)) + " is empty";
      return v;
    };
    // `ymd` gets the date's fields, for the age.
    auto date = [&](int c, YearMonthDay* ymd) -> Date {
      const auto v = need(c);
      if (v.empty()) return {};
      // Dates of birth take too many values for the cache to pay off.
      const auto d = c == kDateOfBirth ? ParseIsoDate(v, ymd)
                     : c == kPeriodEnd ? period_end_cache_.Parse(v, ymd)
                                       : period_start_cache_.Parse(v, ymd);
      if (!d && problem.empty())
        problem =
            std::string(ColumnName(c)) + ": '" + std::string(v) + "' is not a date (YYYY-MM-DD)";
      return d.value_or(Date{});
    };
    auto money = [&](int c, bool required) -> Pence {
      const auto v = required ? need(c) : text(c);
      if (v.empty()) return 0;
      auto p = ParsePounds(v);
      if (!p && problem.empty()) {
        problem = std::string(ColumnName(c)) + ": '" + std::string(v) +
                  "' is not an amount in pounds (digits, at most 2 decimals, not negative)";
      }
      return p.value_or(0);
    };
    auto hours = [&](int c, bool required) -> std::optional<MilliHours> {
      const auto v = required ? need(c) : text(c);
      if (v.empty()) return std::nullopt;
      auto h = ParseHours(v);
      if (!h && problem.empty()) {
        problem = std::string(ColumnName(c)) + ": '" + std::string(v) +
                  "' is not a number of hours (at most 3 decimals, not negative)";
      }
      return h;
    };
    s.worker_ref = need(kWorkerRef);
    YearMonthDay birth_ymd, start_ymd, end_ymd;
    s.date_of_birth = date(kDateOfBirth, &birth_ymd);
    s.period_start = date(kPeriodStart, &start_ymd);
    s.period_end = date(kPeriodEnd, &end_ymd);
    // From the fields, no calendar conversion; used only when both dates parsed (else the row is
    // rejected before it is checked).
    s.age_on_start = AgeOn(birth_ymd, start_ymd);
    s.hours_worked = hours(kHoursWorked, true).value_or(0);
    s.gross_pay = money(kGrossPay, true);
    s.hours_paid = hours(kHoursPaid, false).value_or(s.hours_worked);
    if (const auto days = text(kAccommodationDays); !days.empty()) {
      auto n = ParseCount(days);
      if (!n && problem.empty())
        problem = "accommodation_days: '" + std::string(days) + "' is not a whole number of days";
      s.accommodation_days = n.value_or(0);
    }
    s.accommodation_charge = money(kAccommodationCharge, false);
    s.deductions_employer_benefit = money(kDeductions, false);
    s.recruitment_fee = money(kRecruitmentFee, false);
    const auto route = text(kRoute);
    if (route == "seasonal") {
      s.seasonal = true;
    } else if (!route.empty() && problem.empty()) {
      problem = "route: '" + std::string(route) + "' is not 'seasonal' or empty";
    }
    const auto apprentice = text(kApprentice);
    if (apprentice == "yes" || apprentice == "true" || apprentice == "1") {
      s.apprentice = true;
    } else if (!apprentice.empty() && apprentice != "no" && apprentice != "false" &&
               apprentice != "0" && problem.empty()) {
      problem = "apprentice: '" + std::string(apprentice) + "' is not yes or no";
    }
    s.provider_ref = text(kProviderRef);
    if (problem.empty() && (!IsValidUtf8(s.worker_ref) || !IsValidUtf8(s.provider_ref))) {
      problem = "worker_ref or provider_ref is not valid UTF-8";
    }
    Findings& found = found_;
    found.count = 0;
    if (problem.empty()) {
      if (const auto why = checker_.CheckInto(s, &found); !why.empty()) problem = std::string(why);
    }
    if (!problem.empty()) return Reject(r, line_no, std::move(problem), line);

    if (found.count == 0) return;
    ++r.rows_with_findings;
    Totals row_totals;
    // The period's text as it is in the file: ParseIsoDate accepts only the canonical form, so
    // this is FormatDate(s.period_start) without converting the day number back.
    const std::string_view start = text(kPeriodStart);
    for (int i = 0; i < found.count; ++i) {
      const Finding& f = found.items[static_cast<size_t>(i)];
      ++r.by_rule[static_cast<size_t>(f.rule)];
      r.shortfall += f.shortfall;
      r.arrears += f.arrears;
      row_totals.findings += 1;
      row_totals.shortfall += f.shortfall;
      row_totals.arrears += f.arrears;
      Write(r.output, line_no, s, start, f);
    }
    if (keep_worker_totals_) AddTotals(r.workers, s.worker_ref, row_totals);
    if (!s.provider_ref.empty()) AddTotals(r.providers, s.provider_ref, row_totals);
  }

 private:
  void Reject(PartResult& r, long long line_no, std::string reason, std::string_view raw) {
    r.rejects.push_back({line_no, std::move(reason), raw});
  }

  void Write(std::string& out, long long line_no, const Payslip& s, std::string_view start,
             const Finding& f) {
    if (format_ == OutputFormat::kCsv) {
      // The columns before the message are built in a local buffer and appended once (a worker
      // reference that needs quotes, or a long one, goes through AppendCsvField).
      char buf[256];
      char* p = buf;
      const auto put = [&p](std::string_view v) {
        if (v.empty()) return;  // an empty view's data may be null: no memcpy from it
        std::memcpy(p, v.data(), v.size());
        p += v.size();
      };
      p = WriteInteger(p, line_no);
      *p++ = ',';
      if (s.worker_ref.size() <= 64 && !NeedsCsvQuotes(s.worker_ref)) {
        put(s.worker_ref);
      } else {
        out.append(buf, p);
        AppendCsvField(out, s.worker_ref);
        p = buf;
      }
      *p++ = ',';
      put(start);  // 10 bytes: a date ParseIsoDate accepted
      *p++ = ',';
      put(RuleName(f.rule));  // at most 29 bytes
      *p++ = ',';
      put(SeverityName(f.severity));
      for (Pence v : {f.required, f.paid, f.shortfall, f.arrears}) {
        *p++ = ',';
        p = WriteInteger(p, v);
      }
      // At most 20 + 1 + 64 + 1 + 10 + 1 + 29 + 1 + 9 + 4 * (1 + 20) = 220 bytes.
      out.append(buf, p);
      for (std::string_view lang : csv_languages_) {
        out.push_back(',');
        AppendCsvExplanation(out, f, lang);
      }
      out.push_back('\n');
      return;
    }
    if (!out.empty()) out.append(",\n");
    out.append("{\"line\":");
    AppendInt(out, line_no);
    out.append(",\"worker_ref\":");
    AppendJsonString(out, s.worker_ref);
    out.append(",\"provider_ref\":");
    AppendJsonString(out, s.provider_ref);
    out.append(",\"period_start\":\"");
    out.append(start);
    out.append("\",\"rule\":\"");
    out.append(RuleName(f.rule));
    out.append("\",\"severity\":\"");
    out.append(SeverityName(f.severity));
    const std::pair<const char*, Pence> amounts[] = {{"required_pence", f.required},
                                                     {"paid_pence", f.paid},
                                                     {"shortfall_pence", f.shortfall},
                                                     {"arrears_pence", f.arrears}};
    out.append("\"");
    for (const auto& [k, v] : amounts) {
      out.append(",\"");
      out.append(k);
      out.append("\":");
      AppendInt(out, v);
    }
    for (const char* lang : {"en", "ru", "kk"}) {
      out.append(std::string_view(lang) == "en"   ? ",\"message\":"
                 : std::string_view(lang) == "ru" ? ",\"message_ru\":"
                                                  : ",\"message_kk\":");
      AppendJsonString(out, Explain(f, lang));
    }
    out.push_back('}');
  }

  Findings found_;  // one for every row: constructing one zeroes about 500 bytes
  DateCache period_start_cache_;
  DateCache period_end_cache_;
  std::vector<std::string_view> csv_languages_;
  const std::array<int, kColumnCount>& columns_;
  size_t field_count_;
  const Checker& checker_;
  OutputFormat format_;
  bool keep_worker_totals_;
  core::CsvLineSplitter splitter_;
  std::vector<std::string_view> fields_;
};

// Lines in `part`: its line breaks, plus one for a last line without a break. Counted in byte
// lanes (at most 255 per lane between flushes), which compilers vectorise well: std::count widens
// every comparison to 64 bits and is 6x slower.
long long CountLines(std::string_view part) {
  if (part.empty()) return 0;
  const char* p = part.data();
  const size_t n = part.size();
  long long breaks = 0;
  size_t i = 0;
  while (i < n) {
    const size_t chunk = std::min<size_t>(n - i, 255 * 16);
    unsigned char lanes[16] = {};
    size_t j = 0;
    for (; j + 16 <= chunk; j += 16) {
      for (int k = 0; k < 16; ++k) lanes[k] += p[i + j + k] == '\n';
    }
    for (int k = 0; k < 16; ++k) breaks += lanes[k];
    for (; j < chunk; ++j) breaks += p[i + j] == '\n';
    i += chunk;
  }
  return breaks + (part.back() == '\n' ? 0 : 1);
}

class OutputFile {
 public:
  explicit OutputFile(const std::string& path) {
    if (path == "-") {
      file_ = stdout;
    } else {
      file_ = std::fopen(path.c_str(), "wb");
      owned_ = true;
    }
    if (file_ != nullptr) std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  }
  ~OutputFile() {
    if (owned_ && file_ != nullptr) std::fclose(file_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  bool ok() const { return file_ != nullptr && !failed_; }
  void Write(std::string_view s) {
    if (file_ != nullptr && !s.empty() && std::fwrite(s.data(), 1, s.size(), file_) != s.size())
      failed_ = true;
  }
  bool Close() {
    if (file_ == nullptr) return false;
    const bool flushed = std::fflush(file_) == 0;
    if (owned_) {
      const bool closed = std::fclose(file_) == 0;
      file_ = nullptr;
      return flushed && closed && !failed_;
    }
    return flushed && !failed_;
  }

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  bool failed_ = false;
};

}  // namespace

core::Result<FileCheckSummary> CheckPayslipFile(const FileCheckOptions& o) {
  const std::string& in = o.input_path;
  const int fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return core::Fail(ErrorCode::kUnavailable, in + ": cannot open: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return core::Fail(ErrorCode::kInvalidArgument, in + ": not a regular file");
  }
  const long long size = st.st_size;
  if (size == 0)
    return core::Fail(ErrorCode::kInvalidArgument,
                      in + ":1: the file is empty (expected a CSV header row)");

  // The header: the first line, within the first 64 KiB.
  std::string_view header_line;
  long long body_offset = 0;
  std::array<int, kColumnCount> columns;
  columns.fill(-1);
  size_t field_count = 0;
  {
    core::FileMapping head(fd, 0, std::min(size, 64LL << 10));
    if (!head.ok()) return core::Fail(ErrorCode::kUnavailable, in + ": cannot read");
    const auto data = head.data();
    const size_t nl = data.find('\n');
    if (nl == std::string_view::npos && size > static_cast<long long>(data.size())) {
      return core::Fail(ErrorCode::kInvalidArgument,
                        in + ":1: no header line in the first 64 KiB; this is not a CSV file");
    }
    header_line = data.substr(0, nl == std::string_view::npos ? data.size() : nl);
    body_offset =
        static_cast<long long>(header_line.size()) + (nl == std::string_view::npos ? 0 : 1);
    if (header_line.find('\0') != std::string_view::npos || !core::IsValidUtf8(header_line)) {
      return core::Fail(
          ErrorCode::kInvalidArgument,
          in + ":1: the header is not text (binary data or invalid UTF-8); this is not a CSV file");
    }
    if (header_line.size() >= 3 && header_line.substr(0, 3) == "\xEF\xBB\xBF")
      header_line.remove_prefix(3);
    if (!header_line.empty() && header_line.back() == '\r') header_line.remove_suffix(1);
    core::CsvLineSplitter splitter;
    std::vector<std::string_view> names;
    std::string_view error;
    if (!splitter.Split(header_line, names, error)) {
      return core::Fail(ErrorCode::kInvalidArgument,
                        in + ":1: the header has " + std::string(error));
    }
    field_count = names.size();
    std::string duplicate;
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string name(core::TrimBlanks(names[i]));
      for (int c = 0; c < kColumnCount; ++c) {
        if (name == ColumnName(c)) {
          if (columns[static_cast<size_t>(c)] >= 0) duplicate = name;
          columns[static_cast<size_t>(c)] = static_cast<int>(i);
        }
      }
    }
    if (!duplicate.empty())
      return core::Fail(ErrorCode::kInvalidArgument,
                        in + ":1: column '" + duplicate + "' appears twice");
    std::string missing;
    for (int c = 0; c < 6; ++c) {
      if (columns[static_cast<size_t>(c)] < 0)
        missing += (missing.empty() ? "" : ", ") + std::string(ColumnName(c));
    }
    if (!missing.empty()) {
      return core::Fail(ErrorCode::kInvalidArgument,
                        in + ":1: missing required column(s): " + missing +
                            " (the first line must be a header naming the columns)");
    }
  }

  OutputFile out(o.output_path);
  if (!out.ok())
    return core::Fail(ErrorCode::kUnavailable,
                      o.output_path + ": cannot write: " + std::strerror(errno));
  std::unique_ptr<OutputFile> rejects;
  if (!o.rejects_path.empty()) {
    rejects = std::make_unique<OutputFile>(o.rejects_path);
    if (!rejects->ok())
      return core::Fail(ErrorCode::kUnavailable, o.rejects_path + ": cannot write");
    rejects->Write("line,reason,row\n");
  }
  // Provider totals feed the summary; worker totals only the totals file.
  const bool keep_worker_totals = !o.totals_path.empty();
  std::vector<std::string_view> csv_languages = {"en", "ru", "kk"};
  if (o.csv_language != "all") csv_languages = {o.csv_language};
  if (o.format == OutputFormat::kCsv) {
    out.Write(o.csv_language == "all" ? "line,worker_ref,period_start,rule,severity,required_pence,"
                                        "paid_pence,shortfall_pence,"
                                        "arrears_pence,message,message_ru,message_kk\n"
                                      : "line,worker_ref,period_start,rule,severity,required_pence,"
                                        "paid_pence,shortfall_pence,"
                                        "arrears_pence,message\n");
  } else {
    out.Write("{\"rules_version\":");
    std::string v;
    AppendJsonString(v, o.rules->version());
    out.Write(v);
    out.Write(",\"as_of\":\"" + FormatDate(o.as_of) + "\",\"findings\":[\n");
  }

  const Checker checker(*o.rules, o.as_of);
  const int threads = std::max(1, o.threads);
  FileCheckSummary summary;
  TotalsByRef workers, providers;
  // One block in flight: mapped, cut into parts, checked by the worker threads.
  struct Block {
    std::unique_ptr<core::FileMapping> map;
    std::vector<std::string_view> parts;
    std::vector<PartResult> results;
    std::vector<long long> counts;
    std::unique_ptr<std::barrier<>> sync;
    long long end_offset = 0;
    long long lines() const {
      long long n = 0;
      for (long long c : counts) n += c;
      return n;
    }
  };
  long long offset = body_offset;
  long long next_line = 2;
  bool wrote_json_item = false;
  // The results of the last written block, cleared, for the next block to fill (two blocks are in
  // flight at a time, so two sets of buffers take turns).
  std::vector<PartResult> spare_results;

  // Maps the block starting at `offset`: it ends on a line end, and grows when a line is longer
  // than the block (up to a limit).
  auto prepare = [&](long long at) -> core::Result<std::unique_ptr<Block>> {
    auto b = std::make_unique<Block>();
    long long want = std::min(size - at, std::max(1LL, o.part_bytes) * threads);
    std::string_view data;
    while (true) {
      b->map = std::make_unique<core::FileMapping>(fd, at, want);
      if (!b->map->ok()) return core::Fail(ErrorCode::kUnavailable, in + ": cannot read");
      data = b->map->data();
      if (at + want >= size) break;
      const size_t last = data.rfind('\n');
      if (last != std::string_view::npos) {
        data = data.substr(0, last + 1);
        break;
      }
      if (want >= (64LL << 20)) {
        return core::Fail(ErrorCode::kInvalidArgument,
                          in + ":" + std::to_string(next_line) +
                              ": a line longer than 64 MiB; this is not a payslip CSV file");
      }
      want = std::min(size - at, want * 2);
    }
    size_t from = 0;
    for (int t = 0; t < threads && from < data.size(); ++t) {
      size_t to = t == threads - 1
                      ? data.size()
                      : std::min(data.size(), from + data.size() / static_cast<size_t>(threads));
      if (to < data.size()) {
        const size_t nl = data.find('\n', to == 0 ? 0 : to - 1);
        to = nl == std::string_view::npos ? data.size() : nl + 1;
      }
      b->parts.push_back(data.substr(from, to - from));
      from = to;
    }
    b->results.swap(spare_results);
    b->results.resize(b->parts.size());
    b->counts.resize(b->parts.size());
    b->sync = std::make_unique<std::barrier<>>(static_cast<std::ptrdiff_t>(b->parts.size()));
    b->end_offset = at + static_cast<long long>(data.size());
    return b;
  };

  // Starts one thread per part: count lines, agree on line numbers, then check the rows.
  auto start = [&](Block& b, long long first_line) {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < b.parts.size(); ++t) {
      pool.emplace_back([&, t, first_line] {
        b.counts[t] = CountLines(b.parts[t]);
        b.sync->arrive_and_wait();
        long long line_no = first_line;
        for (size_t k = 0; k < t; ++k) line_no += b.counts[k];
        RowProcessor rows(columns, field_count, checker, o.format, csv_languages,
                          keep_worker_totals);
        const char* p = b.parts[t].data();
        const char* const end = p + b.parts[t].size();
        while (p != end) p = rows.ProcessLine(p, end, line_no++, b.results[t]);
      });
    }
    return pool;
  };

  // Writes a checked block's results in order (on this thread, while the next block runs).
  auto write = [&](Block& b) {
    for (PartResult& r : b.results) {
      if (o.format == OutputFormat::kJson && !r.output.empty() && wrote_json_item) out.Write(",\n");
      if (!r.output.empty()) wrote_json_item = true;
      out.Write(r.output);
      for (const auto& rej : r.rejects) {
        if (o.on_reject) o.on_reject(rej.line, rej.reason);
        if (rejects) {
          std::string row;
          AppendInt(row, rej.line);
          row.push_back(',');
          AppendCsvField(row, rej.reason);
          row.push_back(',');
          AppendCsvField(row, rej.raw.substr(0, std::min<size_t>(rej.raw.size(), 4096)));
          row.push_back('\n');
          rejects->Write(row);
        }
      }
      summary.rows_read += r.rows;
      summary.rows_rejected += static_cast<long long>(r.rejects.size());
      summary.rows_with_findings += r.rows_with_findings;
      for (int k = 0; k < kRuleCount; ++k) {
        summary.findings_by_rule[static_cast<size_t>(k)] += r.by_rule[static_cast<size_t>(k)];
      }
      summary.total_shortfall += r.shortfall;
      summary.total_arrears += r.arrears;
      for (auto& [k, v] : r.workers) AddTotals(workers, k, v);
      for (auto& [k, v] : r.providers) AddTotals(providers, k, v);
    }
  };

  // A two-stage pipeline: block k is checked while block k-1 is written.
  std::unique_ptr<Block> done;
  while (offset < size || done) {
    std::unique_ptr<Block> current;
    std::vector<std::thread> running;
    if (offset < size) {
      auto prepared = prepare(offset);
      if (!prepared) {
        return tl::unexpected(prepared.error());
      }
      current = std::move(*prepared);
      running = start(*current, next_line);
    }
    if (done) {
      write(*done);
      for (PartResult& r : done->results) r.Clear();
      spare_results.swap(done->results);
      done.reset();  // unmaps: memory stays flat
    }
    for (auto& th : running) th.join();
    if (current) {
      next_line += current->lines();
      offset = current->end_offset;
      if (o.on_progress) o.on_progress(offset, size);
      done = std::move(current);
    }
  }
  if (o.format == OutputFormat::kJson) {
    std::string tail = "\n],\"summary\":{\"rows_read\":";
    AppendInt(tail, summary.rows_read);
    tail += ",\"rows_rejected\":";
    AppendInt(tail, summary.rows_rejected);
    tail += ",\"findings_by_rule\":{";
    for (int k = 0; k < kRuleCount; ++k) {
      tail += (k == 0 ? "\"" : ",\"") + std::string(RuleName(static_cast<RuleId>(k))) + "\":";
      AppendInt(tail, summary.findings_by_rule[static_cast<size_t>(k)]);
    }
    tail += "},\"total_shortfall_pence\":";
    AppendInt(tail, summary.total_shortfall);
    tail += ",\"total_arrears_pence\":";
    AppendInt(tail, summary.total_arrears);
    tail += "}}\n";
    out.Write(tail);
  }
  if (!out.Close())
    return core::Fail(ErrorCode::kUnavailable,
                      o.output_path + ": write failed: " + std::strerror(errno));
  if (rejects && !rejects->Close())
    return core::Fail(ErrorCode::kUnavailable, o.rejects_path + ": write failed");

  std::vector<Total> provider_list;
  for (auto& [k, v] : providers)
    provider_list.push_back({"provider", k, v.findings, v.shortfall, v.arrears});
  std::sort(provider_list.begin(), provider_list.end(), [](const Total& a, const Total& b) {
    return a.arrears != b.arrears ? a.arrears > b.arrears : a.ref < b.ref;
  });
  if (!o.totals_path.empty()) {
    OutputFile totals(o.totals_path);
    if (!totals.ok()) return core::Fail(ErrorCode::kUnavailable, o.totals_path + ": cannot write");
    totals.Write("kind,ref,findings,shortfall_pence,arrears_pence\n");
    std::vector<Total> worker_list;
    for (auto& [k, v] : workers)
      worker_list.push_back({"worker", k, v.findings, v.shortfall, v.arrears});
    std::sort(worker_list.begin(), worker_list.end(), [](const Total& a, const Total& b) {
      return a.arrears != b.arrears ? a.arrears > b.arrears : a.ref < b.ref;
    });
    for (const auto* list : {&provider_list, &worker_list}) {
      for (const auto& t : *list) {
        std::string row = t.kind + ",";
        AppendCsvField(row, t.ref);
        for (long long v :
             {t.findings, static_cast<long long>(t.shortfall), static_cast<long long>(t.arrears)}) {
          row.push_back(',');
          AppendInt(row, v);
        }
        row.push_back('\n');
        totals.Write(row);
      }
    }
    if (!totals.Close())
      return core::Fail(ErrorCode::kUnavailable, o.totals_path + ": write failed");
  }
  provider_list.resize(std::min<size_t>(provider_list.size(), 5));
  summary.top_providers = std::move(provider_list);
  return summary;
}

}  // namespace kenes::payroll
