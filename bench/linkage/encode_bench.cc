// Encoding throughput and FEBRL4 end to end (encode both files, match at 0.8, solve, score).
// Usage: encode_bench DATA_DIR [RECORDS] [RUNS]
//   DATA_DIR holds dataset4a.csv, dataset4b.csv and febrl_schema_v3_final.json.
// The synthetic input draws each column independently from the FEBRL4 values and corrupts one
// character in a tenth of the values, so names and places repeat as in a real population while
// whole records do not; a second file corrupts every value (the encoder's worst case).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "linkage/engine/dice.h"
#include "linkage/engine/encode_file.h"
#include "linkage/engine/solve.h"

using namespace kenes::linkage;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::vector<std::vector<std::string>> ReadRows(const std::string& path, std::string& header) {
  std::ifstream in(path);
  std::getline(in, header);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::size_t at = 0;
    while (true) {
      const std::size_t comma = line.find(',', at);
      std::string f = line.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      if (!f.empty() && f[0] == ' ') f.erase(0, 1);
      fields.push_back(f);
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

std::string Synthetic(const std::string& dir, std::size_t n, const std::string& out_dir,
                      double typo_rate) {
  std::string header;
  auto rows = ReadRows(dir + "/dataset4a.csv", header);
  std::string ignored;
  for (auto& r : ReadRows(dir + "/dataset4b.csv", ignored)) rows.push_back(std::move(r));
  const std::size_t columns = rows[0].size();
  std::mt19937_64 rng(20261125);
  std::uniform_int_distribution<std::size_t> pick(0, rows.size() - 1);
  std::uniform_int_distribution<int> letter('a', 'z');
  std::bernoulli_distribution typo(typo_rate);
  const std::string path = out_dir + "/synthetic-" + std::to_string(typo_rate) + ".csv";
  std::ofstream out(path);
  out << header << "\n";
  std::string line;
  for (std::size_t i = 0; i < n; ++i) {
    line = "rec-" + std::to_string(i);
    for (std::size_t c = 1; c < columns; ++c) {
      std::string v = rows[pick(rng)][c];
      if (!v.empty() && typo(rng)) {
        const std::size_t at = std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng);
        if (std::isdigit(static_cast<unsigned char>(v[at]))) {
          v[at] = static_cast<char>('0' + (v[at] - '0' + 1) % 10);
        } else {
          v[at] = static_cast<char>(letter(rng));
        }
      }
      line += ", " + v;
    }
    out << line << "\n";
  }
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DATA_DIR [RECORDS] [RUNS]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::size_t n = argc > 2 ? std::stoul(argv[2]) : 1000000;
  const int runs = argc > 3 ? std::stoi(argv[3]) : 3;
  const std::string tmp = (std::filesystem::temp_directory_path() /
                           ("kenes-encode-bench-" + std::to_string(::getpid())))
                              .string();
  std::filesystem::create_directories(tmp);
  auto schema = LoadSchemaFile(dir + "/febrl_schema_v3_final.json");
  if (!schema) {
    std::fprintf(stderr, "%s\n", schema.error().message.c_str());
    return 1;
  }
  const auto preparer = PlainPreparer(*schema);
  const std::string secret = "kenes-test-secret";  // the golden files' secret

  // 10% of values corrupted: names and places repeat as in a population. 100%: nearly every
  // value is new, so the whole-value cache misses and every record goes through the tokens.
  for (const double typo_rate : {0.1, 1.0}) {
    const std::string input = Synthetic(dir, n, tmp, typo_rate);
    std::printf(
        "encoding %zu synthetic FEBRL-schema records, %.0f%% of values corrupted (median "
        "of %d runs)\n",
        n, typo_rate * 100, runs);
    for (const int threads : {1, 2}) {
      std::vector<double> rates;
      for (int r = 0; r < runs; ++r) {
        const auto t0 = Clock::now();
        auto clks = EncodeCsvFile(*schema, secret, *preparer, input, {.threads = threads});
        const double s = Seconds(t0);
        if (!clks) {
          std::fprintf(stderr, "%s\n", clks.error().message.c_str());
          return 1;
        }
        rates.push_back(static_cast<double>(clks->size()) / s);
      }
      std::printf("  %d thread%s: %10.0f records/s\n", threads, threads == 1 ? " " : "s",
                  Median(rates));
    }
  }

  // FEBRL4 end to end: a fresh encoder per file (cold caches), as one command would run.
  std::string header;
  auto a_rows = ReadRows(dir + "/dataset4a.csv", header);
  auto b_rows = ReadRows(dir + "/dataset4b.csv", header);
  std::map<std::string, std::uint32_t> in_b;
  auto key = [](const std::string& id) { return id.substr(4, id.find('-', 4) - 4); };
  for (std::uint32_t j = 0; j < b_rows.size(); ++j) in_b[key(b_rows[j][0])] = j;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> truth;
  for (std::uint32_t i = 0; i < a_rows.size(); ++i)
    truth.emplace_back(i, in_b.at(key(a_rows[i][0])));
  std::vector<double> walls, encode_times, match_times;
  LinkageQuality q;
  for (int r = 0; r < std::max(runs, 5); ++r) {
    const auto t0 = Clock::now();
    auto a = EncodeCsvFile(*schema, secret, *preparer, dir + "/dataset4a.csv", {.threads = 2});
    auto b = EncodeCsvFile(*schema, secret, *preparer, dir + "/dataset4b.csv", {.threads = 2});
    const double encoded = Seconds(t0);
    const auto t1 = Clock::now();
    auto candidates = FindCandidates(*a, *b, {.threshold = 0.8, .threads = 2});
    const auto pairs = GreedySolve(*candidates);
    match_times.push_back(Seconds(t1));
    walls.push_back(Seconds(t0));
    encode_times.push_back(encoded);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> predicted;
    for (const Candidate& c : pairs) predicted.emplace_back(c.a, c.b);
    q = Evaluate(predicted, truth);
  }
  std::printf(
      "FEBRL4 end to end (2 threads, median of %zu): %.1f ms (encode %.1f ms, match+solve %.1f "
      "ms)\n  pairs %zu, precision %.4f, recall %.4f, F1 %.4f\n",
      walls.size(), Median(walls) * 1e3, Median(encode_times) * 1e3, Median(match_times) * 1e3,
      q.predicted, q.precision, q.recall, q.f1);
  std::filesystem::remove_all(tmp);
  return 0;
}
