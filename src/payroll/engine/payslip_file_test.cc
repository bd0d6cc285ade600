// The file checker end to end on real files: column mapping, every rejection reason with its
// line, identical results whatever the threads and block size, and refusing non-CSV input before
// writing anything.
#include "payroll/engine/payslip_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testing/test_database.h"

namespace kenes::payroll {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class PayslipFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  FileCheckOptions Options(const std::string& input) {
    FileCheckOptions o;
    o.input_path = input;
    o.output_path = dir_.path() + "/findings.csv";
    o.as_of = *ParseIsoDate("2025-11-01");
    o.rules = &Rules::Builtin();
    o.on_reject = [this](long long line, const std::string& reason) { rejected_[line] = reason; };
    return o;
  }

  kenes::testing::TempDir dir_;
  std::map<long long, std::string> rejected_;
};

constexpr const char* kHeader =
    "worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay,accommodation_days,"
    "accommodation_charge,route,provider_ref\n";

TEST_F(PayslipFileTest, ColumnsInAnyOrderExtraColumnsIgnoredQuotesCrlfBom) {
  const std::string text =
      "\xEF\xBB\xBF"
      "notes,gross_pay,period_end,worker_ref,hours_worked,period_start,date_of_birth,provider_"
      "ref\r\n"
      "\"free, text\",400.00,2025-06-08,\"KZ-1, \"\"Aibek\"\"\",40,2025-06-02,1990-01-01,P1\r\n"
      "x,488.40,2025-06-08,KZ-2,40,2025-06-02,1990-01-01,P1\r\n";
  auto o = Options(Write("in.csv", text));
  auto s = CheckPayslipFile(o);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->rows_read, 2);
  EXPECT_EQ(s->rows_rejected, 0);
  EXPECT_EQ(s->rows_with_findings, 1);
  const std::string out = Read(o.output_path);
  EXPECT_NE(
      out.find(
          "2,\"KZ-1, \"\"Aibek\"\"\",2025-06-02,nmw.underpayment,violation,48840,40000,8840,8840,"),
      std::string::npos)
      << out;
  ASSERT_EQ(s->top_providers.size(), 1u);
  EXPECT_EQ(s->top_providers[0].ref, "P1");
  EXPECT_EQ(s->top_providers[0].arrears, 8840);
}

TEST_F(PayslipFileTest, EveryRejectionReasonWithItsLineAndTheRestChecked) {
  std::string text = kHeader;
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"OK1,1990-01-01,2025-06-02,2025-06-08,40,400,,,,P", ""},  // underpaid: checked
      {"R1,1990-01-01,2025-06-02,2025-06-08,40,400", "6 fields where the header has 10"},
      {"", "empty line"},
      {"\"R3,1990-01-01,2025-06-02,2025-06-08,40,400,,,,P", "malformed quoting"},
      {"R4,01.01.1990,2025-06-02,2025-06-08,40,400,,,,P",
       "date_of_birth: '01.01.1990' is not a date"},
      {"R5,1990-01-01,2025-06-02,2025-06-08,-40,400,,,,P",
       "hours_worked: '-40' is not a number of hours"},
      {"R6,1990-01-01,2025-06-02,2025-06-08,40,\"400,50\",,,,P",
       "gross_pay: '400,50' is not an amount"},
      {",1990-01-01,2025-06-02,2025-06-08,40,400,,,,P", "worker_ref is empty"},
      {"R8,1990-01-01,2025-06-02,2025-06-08,40,400,,,student,P",
       "route: 'student' is not 'seasonal'"},
      {"R9,1990-01-01,2025-06-08,2025-06-02,40,400,,,,P", "period_end is before period_start"},
      {"R10,1990-01-01,2025-06-01,2025-07-15,40,400,,,,P", "longer than one month"},
      {"R11,1990-01-01,2025-06-02,2025-06-08,40,400,8,0,,P", "accommodation_days exceeds"},
      {"R12,2025-06-05,2025-06-02,2025-06-08,40,400,,,,P", "date_of_birth is after"},
      {"R13,1990-01-01,2018-06-04,2018-06-10,40,400,,,,P", "no minimum wage rates"},
      {"R14\xC3\x28,1990-01-01,2025-06-02,2025-06-08,40,400,,,,P", "not valid UTF-8"},
      {"R15,1990-01-01,2025-06-02,2025-06-08,40,400,seven,,,P", "accommodation_days: 'seven'"},
      {"R16,1990-01-01,2025-06-02,,40,400,,,,P", "period_end is empty"},
      {"OK2,1990-01-01,2025-06-02,2025-06-08,40,488.40,,,,P", ""},  // compliant
  };
  for (const auto& [row, why] : rows) text += row + "\n";
  auto o = Options(Write("in.csv", text));
  o.rejects_path = dir_.path() + "/rejects.csv";
  auto s = CheckPayslipFile(o);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->rows_read, static_cast<long long>(rows.size()));
  long long expected_rejects = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const long long line = static_cast<long long>(i) + 2;
    const std::string& why = rows[i].second;
    if (why.empty()) {
      EXPECT_EQ(rejected_.count(line), 0u) << "line " << line << ": " << rejected_[line];
    } else {
      ++expected_rejects;
      ASSERT_EQ(rejected_.count(line), 1u) << "line " << line << " should be rejected: " << why;
      EXPECT_NE(rejected_[line].find(why), std::string::npos)
          << "line " << line << ": " << rejected_[line];
    }
  }
  EXPECT_EQ(s->rows_rejected, expected_rejects);
  EXPECT_EQ(s->findings_by_rule[static_cast<size_t>(RuleId::kNmwUnderpayment)], 1);
  const std::string rejects = Read(o.rejects_path);
  EXPECT_EQ(rejects.rfind("line,reason,row\n", 0), 0u);
  EXPECT_NE(rejects.find("\n12,the pay reference period is longer than one month,"),
            std::string::npos)
      << rejects;
}

TEST_F(PayslipFileTest, SameResultsWhateverThreadsAndBlocks) {
  std::string text = kHeader;
  for (int i = 0; i < 500; ++i) {
    const int pay = 40000 + (i % 13) * 700;  // some under, some over 488.40
    text += "W" + std::to_string(i) + ",19" + std::to_string(50 + i % 50) + "-03-0" +
            std::to_string(1 + i % 9) + ",2025-06-02,2025-06-08,40," + std::to_string(pay / 100) +
            "." + std::to_string(pay % 100 / 10) + "0," + (i % 2 ? "7," : ",") +
            (i % 4 == 1   ? "90.00,"
             : i % 4 == 3 ? "0,"
                          : ",") +
            (i % 10 == 0 ? "seasonal" : "") + ",P" + std::to_string(i % 7) + "\n";
    if (i % 97 == 0) text += "broken row\n";
  }
  text += "LAST,1990-01-01,2025-06-02,2025-06-08,40,100";  // no final newline, wrong field count
  const std::string input = Write("in.csv", text);
  std::string reference;
  std::map<long long, std::string> reference_rejects;
  for (const auto& [threads, part] : std::vector<std::pair<int, long long>>{
           {1, 16 << 20}, {1, 97}, {3, 211}, {2, 1}, {7, 4096}}) {
    rejected_.clear();
    auto o = Options(input);
    o.threads = threads;
    o.part_bytes = part;
    o.totals_path = dir_.path() + "/totals.csv";
    auto s = CheckPayslipFile(o);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    EXPECT_EQ(s->rows_read, 500 + 6 + 1);
    const std::string out = Read(o.output_path);
    if (reference.empty()) {
      reference = out;
      reference_rejects = rejected_;
      EXPECT_GT(std::count(out.begin(), out.end(), '\n'), 50);
      EXPECT_EQ(rejected_.size(), 7u);
    } else {
      EXPECT_EQ(out, reference) << threads << " threads, " << part << " bytes a part";
      EXPECT_EQ(rejected_, reference_rejects) << threads << " threads, " << part << " bytes a part";
    }
  }
  EXPECT_EQ(reference_rejects.rbegin()->first, 500 + 6 + 1 + 1);  // the last line, numbered right
}

TEST_F(PayslipFileTest, JsonOutputAndTotals) {
  std::string text = kHeader;
  text += "A,1990-01-01,2025-06-02,2025-06-08,40,400,,,,P1\n";
  text += "A,1990-01-01,2025-06-09,2025-06-15,40,400,7,200.00,,P1\n";
  text += "B,1990-01-01,2025-06-02,2025-06-08,40,488.40,,,,P2\n";
  auto o = Options(Write("in.csv", text));
  o.format = OutputFormat::kJson;
  o.totals_path = dir_.path() + "/totals.csv";
  ASSERT_TRUE(CheckPayslipFile(o).has_value());
  const auto doc = nlohmann::json::parse(Read(o.output_path));
  EXPECT_EQ(doc["as_of"], "2025-11-01");
  ASSERT_EQ(doc["findings"].size(), 3u);  // 2 underpayments + 1 accommodation warning
  EXPECT_EQ(doc["findings"][0]["line"], 2);
  EXPECT_EQ(doc["findings"][0]["rule"], "nmw.underpayment");
  EXPECT_FALSE(doc["findings"][0]["message_kk"].get<std::string>().empty());
  EXPECT_EQ(doc["summary"]["rows_read"], 3);
  EXPECT_EQ(doc["summary"]["findings_by_rule"]["accommodation.offset_exceeded"], 1);
  const std::string totals = Read(o.totals_path);
  EXPECT_NE(totals.find("provider,P1,3,"), std::string::npos) << totals;
  EXPECT_NE(totals.find("worker,A,3,"), std::string::npos) << totals;
  EXPECT_EQ(totals.find(",B,"), std::string::npos) << "no findings, no total";
}

TEST_F(PayslipFileTest, NotAPayslipCsvStopsBeforeAnyOutput) {
  struct Case {
    std::string content;
    std::string message;
  };
  const Case cases[] = {
      {"", ":1: the file is empty"},
      {"name,age\nAigerim,30\n", ":1: missing required column(s): worker_ref, date_of_birth"},
      {"worker_ref,date_of_birth,period_start,period_end,hours_worked\n",
       "missing required column(s): gross_pay"},
      {std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), ":1: the header is not text"},
      {"worker_ref,worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay\n",
       "appears twice"},
  };
  for (const auto& c : cases) {
    auto o = Options(Write("bad.csv", c.content));
    std::filesystem::remove(o.output_path);
    auto s = CheckPayslipFile(o);
    ASSERT_FALSE(s.has_value()) << c.message;
    EXPECT_NE(s.error().message.find(c.message), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.rfind(o.input_path, 0), 0u) << "names the file";
    EXPECT_FALSE(std::filesystem::exists(o.output_path)) << c.message;
  }
  auto missing = Options(dir_.path() + "/nope.csv");
  EXPECT_EQ(CheckPayslipFile(missing).error().code, core::ErrorCode::kUnavailable);
}

TEST_F(PayslipFileTest, CsvMessageLanguage) {
  std::string text = kHeader;
  text += "A,1990-01-01,2025-06-02,2025-06-08,40,400,,,,P1\n";
  const std::string input = Write("in.csv", text);
  auto o = Options(input);
  o.csv_language = "kk";
  ASSERT_TRUE(CheckPayslipFile(o).has_value());
  std::string out = Read(o.output_path);
  EXPECT_NE(out.find(",message\n"), std::string::npos);
  EXPECT_NE(out.find("Жалақы ең төменгі мөлшерден төмен"), std::string::npos) << out;
  o.csv_language = "all";
  ASSERT_TRUE(CheckPayslipFile(o).has_value());
  out = Read(o.output_path);
  EXPECT_NE(out.find(",message,message_ru,message_kk\n"), std::string::npos);
  EXPECT_NE(out.find("Minimum wage underpaid"), std::string::npos);
  EXPECT_NE(out.find("Оплата ниже минимальной"), std::string::npos);
  EXPECT_NE(out.find("Жалақы ең төменгі мөлшерден төмен"), std::string::npos);
}

TEST_F(PayslipFileTest, HeaderOnlyIsZeroRows) {
  auto o = Options(Write("in.csv", kHeader));
  auto s = CheckPayslipFile(o);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->rows_read, 0);
  EXPECT_EQ(Read(o.output_path).find('\n'), Read(o.output_path).size() - 1) << "just the header";
}

}  // namespace
}  // namespace kenes::payroll
