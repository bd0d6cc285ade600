// Black-box tests of `kenes link`: the FEBRL4 benchmark gives Anonlink's result, clkhash's golden
// CLKs come out of the real binary, Kazakh records match across scripts, and every kind of bad
// input is named with its file and line, exits 1 and leaves no output behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "testing/server_process.h"
#include "testing/test_database.h"

namespace kenes::app {
namespace {

using kenes::testing::CommandResult;
using kenes::testing::RunKenes;

const std::string kData = std::string(KENES_SOURCE_DIR) + "/testdata/febrl4/";

std::string Describe(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class LinkCliTest : public ::testing::Test {
 protected:
  kenes::testing::TempDir dir_;
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(Path(name), std::ios::binary) << text;
    return Path(name);
  }
  // FEBRL4 truth: A's rec-N-org and B's rec-N-dup-0 are the same person.
  std::string WriteFebrlTruth() {
    auto ids = [](const std::string& file) {
      std::vector<std::string> out;
      std::ifstream in(file);
      std::string line;
      std::getline(in, line);
      while (std::getline(in, line)) {
        const std::string id = line.substr(0, line.find(','));
        out.push_back(id.substr(4, id.find('-', 4) - 4));
      }
      return out;
    };
    const auto a = ids(kData + "dataset4a.csv"), b = ids(kData + "dataset4b.csv");
    std::map<std::string, std::size_t> in_b;
    for (std::size_t j = 0; j < b.size(); ++j) in_b[b[j]] = j;
    std::string truth = "a_index,b_index\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      truth += std::to_string(i) + "," + std::to_string(in_b.at(a[i])) + "\n";
    }
    return Write("truth.csv", truth);
  }
};

TEST_F(LinkCliTest, Febrl4GivesAnonlinksPrecisionAndRecall) {
  const std::string secret = Write("secret", "kenes-test-secret\n");
  const std::string schema = kData + "febrl_schema_v3_final.json";
  for (const char* side : {"a", "b"}) {
    const auto r = RunKenes({"link", "encode", "--schema", schema, "--secret-file", secret,
                             "--input", kData + "dataset4" + side + ".csv", "--output",
                             Path(std::string(side) + ".json"), "--threads", "2"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }
  const auto match = RunKenes({"link", "match", Path("a.json"), Path("b.json"), "--output",
                               Path("pairs.csv"), "--threshold", "0.8"});
  ASSERT_EQ(match.exit_code, 0) << Describe(match);
  const auto pairs = Lines(Path("pairs.csv"));
  ASSERT_FALSE(pairs.empty());
  EXPECT_EQ(pairs[0], "a_index,b_index,similarity");
  EXPECT_EQ(pairs.size(), 1u + 4958u);

  const auto eval =
      RunKenes({"link", "eval", "--pairs", Path("pairs.csv"), "--truth", WriteFebrlTruth()});
  ASSERT_EQ(eval.exit_code, 0) << Describe(eval);
  EXPECT_NE(eval.out.find("precision 1.0000\nrecall 0.9916\nf1 0.9958"), std::string::npos)
      << eval.out;

  // --candidates keeps every pair above the threshold: at least as many, none below it.
  const auto all = RunKenes({"link", "match", Path("a.json"), Path("b.json"), "--output",
                             Path("candidates.csv"), "--candidates"});
  ASSERT_EQ(all.exit_code, 0) << Describe(all);
  const auto candidates = Lines(Path("candidates.csv"));
  EXPECT_GE(candidates.size(), pairs.size());
  EXPECT_GE(std::stod(candidates.back().substr(candidates.back().rfind(',') + 1)), 0.8);
}

TEST_F(LinkCliTest, EncodesClkhashsGoldenClksThroughTheBinary) {
  // The first 200 FEBRL4 records, as the golden file was made from them.
  std::ifstream in(kData + "dataset4a.csv");
  std::string csv, line;
  for (int i = 0; i <= 200 && std::getline(in, line); ++i) csv += line + "\n";
  const std::string input = Write("first200.csv", csv);
  const std::string secret = Write("secret", "kenes-test-secret");
  for (const char* name :
       {"clkhash_golden_first200.json", "clkhash_golden_first200_coverage.json"}) {
    const nlohmann::json golden = nlohmann::json::parse(std::ifstream(kData + name));
    const auto r =
        RunKenes({"link", "encode", "--schema", kData + golden["schema_file"].get<std::string>(),
                  "--secret-file", secret, "--input", input, "--output", Path("out.json")});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    const nlohmann::json out = nlohmann::json::parse(std::ifstream(Path("out.json")));
    ASSERT_EQ(out["clks"].size(), 200u);
    for (std::size_t i = 0; i < 200; ++i) {
      EXPECT_EQ(out["clks"][i], golden["records"][i]["clk_b64"]) << name << " row " << i;
    }
  }
}

// `mpirun -np 2 kenes link match` splits A's rows between two ranks and gives exactly the
// single-process file, candidates and solved pairs alike.
TEST_F(LinkCliTest, MpiRunWithTwoRanksEqualsTheSingleProcessRun) {
  const std::string secret = Write("secret", "kenes-test-secret");
  const std::string schema = kData + "febrl_schema_v3_final.json";
  for (const char* side : {"a", "b"}) {
    const auto r = RunKenes({"link", "encode", "--schema", schema, "--secret-file", secret,
                             "--input", kData + "dataset4" + side + ".csv", "--output",
                             Path(std::string(side) + ".json")});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{}, std::vector<std::string>{"--candidates", "--threshold", "0.8"},
        std::vector<std::string>{"--top-k", "2", "--threshold", "0.75", "--candidates"}}) {
    std::vector<std::string> single = {"link",         "match",    Path("a.json"),
                                       Path("b.json"), "--output", Path("single.csv")};
    single.insert(single.end(), extra.begin(), extra.end());
    const auto one = RunKenes(single);
    ASSERT_EQ(one.exit_code, 0) << Describe(one);

    std::vector<std::string> mpi = {
        "--allow-run-as-root",        "--oversubscribe", "--mca", "btl", "self,vader", "-np", "2",
        kenes::testing::KenesBinary()};
    for (std::string arg : single) mpi.push_back(arg == Path("single.csv") ? Path("mpi.csv") : arg);
    // Open MPI's own allocations outlive MPI_Finalize; the leak checker would flag them.
    const auto two = kenes::testing::RunProgram("/usr/bin/mpirun", mpi, "",
                                                {{"ASAN_OPTIONS", "detect_leaks=0"}});
    ASSERT_EQ(two.exit_code, 0) << Describe(two);
    EXPECT_NE(two.err.find("on 2 MPI ranks"), std::string::npos) << two.err;
    const auto want = Lines(Path("single.csv")), got = Lines(Path("mpi.csv"));
    EXPECT_GT(want.size(), 1000u);
    EXPECT_EQ(got, want);
  }
}

TEST_F(LinkCliTest, KazakhWorkersMatchAcrossScriptsWithTheSchemasThreshold) {
  const std::string secret = Write("secret", "MLSP and FWA shared secret");
  Write("kz.csv",
        "id,given_name,family_name,patronymic,date_of_birth,sex,passport_number\n"
        "KZ-1,Жанар,Ахметова,Қасымқызы,1994-03-12,Ж,N12345678\n"
        "KZ-2,Нұрсұлтан,Назарбаев,Әбішұлы,1990-07-06,М,N08765432\n"
        "KZ-3,Ерлан,Омаров,Серікұлы,1988-05-09,М,N11223344\n"
        "KZ-4,Әсел,Тоқаева,,1999-08-23,Ж,\n");
  Write("uk.csv",
        "id,given_name,family_name,patronymic,date_of_birth,sex,passport_number\n"
        "UK-9,Yerlan,Omarov,,05.09.1988,M,N11223344\n"
        "UK-8,Aigerim,Akhmetova,,1994-03-12,F,\n"
        "UK-7,AKHMETOVA,ZHANAR,,12/03/1994,F,12345678\n"
        "UK-6,Nursultan,Nazarbayev,Abishuly,06.07.1990,male,\n");
  for (const char* side : {"kz", "uk"}) {
    const auto r =
        RunKenes({"link", "encode", "--schema", "kazakh-worker", "--secret-file", secret, "--input",
                  Path(std::string(side) + ".csv"), "--output", Path(std::string(side) + ".json")});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }
  // No --threshold: the kazakh-worker schema's recommendation is in the CLK files.
  const auto r = RunKenes({"link", "match", Path("kz.json"), Path("uk.json"), "--output", "-"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.err.find("threshold 0.875"), std::string::npos) << r.err;
  std::istringstream out(r.out);
  std::string header, line;
  std::getline(out, header);
  std::map<int, int> pairs;
  while (std::getline(out, line)) {
    pairs[std::stoi(line)] = std::stoi(line.substr(line.find(',') + 1));
  }
  // Zhanar (swapped names, passport without N), Nursultan, Yerlan (day and month slipped); Asel
  // has no counterpart and Aigerim Akhmetova is someone else.
  EXPECT_EQ(pairs, (std::map<int, int>{{0, 2}, {1, 3}, {2, 0}})) << r.out;
}

TEST_F(LinkCliTest, BadInputIsNamedExitsOneAndLeavesNoOutput) {
  const std::string secret = Write("secret", "s3cret");
  const std::string schema = kData + "febrl_schema_v3_final.json";
  const std::string out = Path("out.json");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  Write("no_surname.csv", "rec_id,given_name\nr1,anna\n");
  Write("bad_date.csv",
        "id,given_name,family_name,patronymic,date_of_birth,sex,passport_number\n"
        "1,Zhanar,Akhmetova,,1994-03-12,F,\n"
        "2,Asel,Tokaeva,,31.02.1999,F,\n");
  Write("empty_secret", "\n");
  Write("bad_b64.json", R"({"clks": ["AAAAAA==", "AA*AAA=="]})");
  Write("short.json", R"({"clks": ["AAAAAA==", "AAAA"]})");
  Write("a16.json", R"({"clks": ["AAAA"]})");
  Write("b32.json", R"({"clks": ["AAAAAA=="]})");
  const std::vector<Case> cases = {
      {{"link", "encode", "--schema", schema, "--secret-file", secret, "--input",
        Path("no_surname.csv"), "--output", out},
       Path("no_surname.csv") + ":1: the header has no column \"surname\""},
      {{"link", "encode", "--schema", "kazakh-worker", "--secret-file", secret, "--input",
        Path("bad_date.csv"), "--output", out},
       Path("bad_date.csv") + ":3: date_of_birth:"},
      {{"link", "encode", "--schema", "kazakh-worker", "--secret-file", Path("empty_secret"),
        "--input", Path("bad_date.csv"), "--output", out},
       "the secret file is empty"},
      {{"link", "match", Path("bad_b64.json"), Path("b32.json"), "--output", out},
       Path("bad_b64.json") + ": clks[1]: not valid base64"},
      {{"link", "match", Path("short.json"), Path("b32.json"), "--output", out},
       Path("short.json") + ": clks[1]: 24 bits where clks[0] has 32"},
      {{"link", "match", Path("a16.json"), Path("b32.json"), "--output", out},
       "has 24-bit CLKs but"},
      {{"link", "eval", "--pairs", Write("p.csv", "a_index,b_index\n1,x\n"), "--truth",
        Path("p.csv")},
       Path("p.csv") + ":2: expected a_index,b_index"},
  };
  for (const Case& c : cases) {
    const auto r = RunKenes(c.args);
    EXPECT_EQ(r.exit_code, 1) << Describe(r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.message << "\n" << Describe(r);
    EXPECT_FALSE(std::filesystem::exists(out)) << "no output after: " << c.message;
  }
  // Nothing but the inputs in the directory: no temporary files either.
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(LinkCliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunKenes({"link", "encode", "--schema", "kazakh-worker"}).exit_code, 2);
  EXPECT_EQ(RunKenes({"link", "match", "a.json"}).exit_code, 2);
  EXPECT_EQ(RunKenes({"link", "match", "a", "b", "--output", "o", "--threshold", "1.5"}).exit_code,
            2);
  EXPECT_EQ(RunKenes({"link", "schema", "febrl"}).exit_code, 2);
  const auto schema = RunKenes({"link", "schema", "kazakh-worker"});
  EXPECT_EQ(schema.exit_code, 0);
  EXPECT_NE(schema.out.find("\"threshold\": 0.875"), std::string::npos) << schema.out;
}

}  // namespace
}  // namespace kenes::app
