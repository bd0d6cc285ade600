// dice_bench: the Dice comparison engine (src/linkage/engine/dice.h) against a scalar baseline,
// on random 1024-bit CLKs, in one process. Prints two markdown tables and the target verdicts;
// bench/linkage/run.sh runs it. Standard library only besides the engine.
//
//   dice_bench [--runs 3] [--n 20000] [--threshold 0.8] [--out-n 10000] [--out-threshold 0.5]
//              [--density 0.5] [--threads 1,2] [--kernels scalar,avx2,avx512] [--seed 1]
//              [--no-baseline] [--no-output]
//
// 1. Comparison-bound: n × n filters at `threshold` (random filters: next to no candidates).
//    The baseline (baseline.cc: scalar POPCNT, -O3 -mpopcnt, no AVX) runs single-threaded; each
//    kernel runs FindCandidates with each thread count. Comparisons/s = n² / wall time of the
//    whole call (popcounts, tiles, tables, comparison, ordering).
// 2. Output-bound: out-n × out-n at out-threshold (density 0.5 and t = 0.5: about half the pairs
//    are candidates). "produced" = candidates / (preparation + comparison), the candidates written
//    to the workers' buffers; "unsorted" = the whole FindCandidates call with sort = false (one
//    vector, unspecified order); "sorted" = the whole call with the final ordering.
// Every figure is the median of `runs` runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "baseline.h"
#include "linkage/engine/clk.h"
#include "linkage/engine/dice.h"

namespace {

using kenes::linkage::ClkSet;
using kenes::linkage::DiceKernel;
using kenes::linkage::DiceOptions;
using kenes::linkage::DiceStats;

struct Args {
  int runs = 3;
  std::size_t n = 20000;
  double threshold = 0.8;
  std::size_t out_n = 10000;
  double out_threshold = 0.5;
  double density = 0.5;
  std::vector<int> threads = {1, 2};
  std::vector<DiceKernel> kernels = {DiceKernel::kScalar, DiceKernel::kAvx2, DiceKernel::kAvx512};
  std::uint64_t seed = 1;
  bool baseline = true;
  bool output = true;
};

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "dice_bench: %s (see the comment at the top of dice_bench.cc)\n",
               why.c_str());
  std::exit(2);  // NOLINT(concurrency-mt-unsafe): single-threaded here
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t comma = std::min(s.find(',', start), s.size());
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-baseline") {
      a.baseline = false;
      continue;
    }
    if (flag == "--no-output") {
      a.output = false;
      continue;
    }
    if (i + 1 >= argc) Usage("missing value after " + flag);
    const std::string v = argv[++i];
    try {
      if (flag == "--runs") {
        a.runs = std::stoi(v);
      } else if (flag == "--n") {
        a.n = std::stoul(v);
      } else if (flag == "--threshold") {
        a.threshold = std::stod(v);
      } else if (flag == "--out-n") {
        a.out_n = std::stoul(v);
      } else if (flag == "--out-threshold") {
        a.out_threshold = std::stod(v);
      } else if (flag == "--density") {
        a.density = std::stod(v);
      } else if (flag == "--seed") {
        a.seed = std::stoull(v);
      } else if (flag == "--threads") {
        a.threads.clear();
        for (const auto& t : Split(v)) a.threads.push_back(std::stoi(t));
      } else if (flag == "--kernels") {
        a.kernels.clear();
        for (const auto& k : Split(v)) {
          bool found = false;
          for (DiceKernel d : {DiceKernel::kScalar, DiceKernel::kAvx2, DiceKernel::kAvx512}) {
            if (kenes::linkage::DiceKernelName(d) == k) {
              a.kernels.push_back(d);
              found = true;
            }
          }
          if (!found) Usage("unknown kernel " + k);
        }
      } else {
        Usage("unknown flag " + flag);
      }
    } catch (const std::exception&) {
      std::string why = "bad value ";
      why += v;
      why += " for ";
      why += flag;
      Usage(why);
    }
  }
  if (a.runs < 1 || a.n == 0 || a.threads.empty()) Usage("runs, n and threads must be positive");
  return a;
}

// n random 1024-bit filters, each bit set with probability `density`.
ClkSet RandomClks(std::size_t n, double density, std::mt19937_64& rng) {
  ClkSet s(n, 1024);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t* w = s.words(i);
    for (std::size_t k = 0; k < 16; ++k) {
      if (density == 0.5) {
        w[k] = rng();
        continue;
      }
      std::uint64_t word = 0;
      for (int bit = 0; bit < 64; ++bit) {
        if (std::uniform_real_distribution<double>(0, 1)(rng) < density) {
          word |= std::uint64_t{1} << bit;
        }
      }
      w[k] = word;
    }
  }
  return s;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::string Runs(const std::vector<double>& v) {
  std::string s;
  for (double x : v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.3f", s.empty() ? "" : " ", x);
    s += buf;
  }
  return s;
}

struct Measured {
  std::vector<double> seconds;
  std::vector<DiceStats> stats;
  std::uint64_t candidates = 0;
};

Measured Measure(int runs, const std::function<std::uint64_t(DiceStats&)>& fn) {
  Measured m;
  for (int r = 0; r < runs; ++r) {
    DiceStats st;
    const double t0 = Now();
    m.candidates = fn(st);
    m.seconds.push_back(Now() - t0);
    m.stats.push_back(st);
  }
  return m;
}

std::uint64_t RunFind(const ClkSet& a, const ClkSet& b, DiceOptions o, DiceStats& st) {
  auto r = kenes::linkage::FindCandidates(a, b, o, &st);
  if (!r) {
    std::fprintf(stderr, "dice_bench: %s\n", r.error().message.c_str());
    std::exit(1);  // NOLINT(concurrency-mt-unsafe): the engine's threads have ended
  }
  return r->size();
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  std::mt19937_64 rng(args.seed);
  const double mega = 1e6;
  const auto best = kenes::linkage::BestDiceKernel();
  std::printf("CPU kernels: scalar%s%s; BestDiceKernel() = %s; %d runs each, median\n\n",
              kenes::linkage::DiceKernelSupported(DiceKernel::kAvx2) ? ", avx2" : "",
              kenes::linkage::DiceKernelSupported(DiceKernel::kAvx512) ? ", avx512" : "",
              std::string(kenes::linkage::DiceKernelName(best)).c_str(), args.runs);

  // --- 1. comparison-bound ------------------------------------------------------------------
  {
    const ClkSet a = RandomClks(args.n, args.density, rng);
    const ClkSet b = RandomClks(args.n, args.density, rng);
    const double pairs = static_cast<double>(args.n) * static_cast<double>(args.n);
    std::printf("### %zu × %zu random 1024-bit CLKs (density %.2f), threshold %.2f\n\n", args.n,
                args.n, args.density, args.threshold);
    std::printf(
        "| implementation | threads | seconds (median) | runs (s) | M comparisons/s | × baseline "
        "| candidates |\n|---|---:|---:|---|---:|---:|---:|\n");
    double base_rate = 0;
    std::uint64_t base_found = 0;
    if (args.baseline) {
      const auto pa = a.Popcounts();
      const auto pb = b.Popcounts();
      std::vector<kenes::bench::BaselinePair> out;
      const Measured m = Measure(args.runs, [&](DiceStats&) {
        out.clear();
        return kenes::bench::BaselineAllPairs(a.words(0), a.size(), b.words(0), b.size(),
                                              a.stride_words(), pa.data(), pb.data(),
                                              args.threshold, out);
      });
      base_found = m.candidates;
      base_rate = pairs / Median(m.seconds);
      std::printf("| baseline: scalar popcnt all pairs | 1 | %.3f | %s | %.0f | 1.00 | %llu |\n",
                  Median(m.seconds), Runs(m.seconds).c_str(), base_rate / mega,
                  static_cast<unsigned long long>(m.candidates));
    }
    for (DiceKernel k : args.kernels) {
      if (!kenes::linkage::DiceKernelSupported(k)) continue;
      for (int threads : args.threads) {
        DiceOptions o{.threshold = args.threshold, .threads = threads, .kernel = k};
        const Measured m = Measure(args.runs, [&](DiceStats& st) { return RunFind(a, b, o, st); });
        const double rate = pairs / Median(m.seconds);
        if (args.baseline && m.candidates != base_found) {
          std::fprintf(stderr, "dice_bench: %s found %llu candidates, the baseline %llu\n",
                       std::string(kenes::linkage::DiceKernelName(k)).c_str(),
                       static_cast<unsigned long long>(m.candidates),
                       static_cast<unsigned long long>(base_found));
          return 1;
        }
        std::printf("| kenes %s | %d | %.3f | %s | %.0f | %.2f | %llu |\n",
                    std::string(kenes::linkage::DiceKernelName(k)).c_str(), threads,
                    Median(m.seconds), Runs(m.seconds).c_str(), rate / mega,
                    base_rate > 0 ? rate / base_rate : 0.0,
                    static_cast<unsigned long long>(m.candidates));
      }
    }
    std::printf("\n");
  }

  // --- 2. output-bound ----------------------------------------------------------------------
  if (args.output) {
    const ClkSet a = RandomClks(args.out_n, 0.5, rng);
    const ClkSet b = RandomClks(args.out_n, 0.5, rng);
    std::printf(
        "### output-bound: %zu × %zu random 1024-bit CLKs (density 0.50), threshold %.2f\n\n",
        args.out_n, args.out_n, args.out_threshold);
    std::printf(
        "| kernel | threads | candidates | produced: M cand/s (s) | unsorted vector: M cand/s "
        "(s) | sorted: M cand/s (s) | sort phase (s) |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (DiceKernel k : args.kernels) {
      if (!kenes::linkage::DiceKernelSupported(k)) continue;
      for (int threads : args.threads) {
        DiceOptions o{.threshold = args.out_threshold, .threads = threads, .kernel = k};
        o.sort = false;
        const Measured unsorted =
            Measure(args.runs, [&](DiceStats& st) { return RunFind(a, b, o, st); });
        o.sort = true;
        const Measured sorted =
            Measure(args.runs, [&](DiceStats& st) { return RunFind(a, b, o, st); });
        std::vector<double> produced;
        std::vector<double> order;
        for (const auto& st : unsorted.stats)
          produced.push_back(st.seconds_prepare + st.seconds_compare);
        for (const auto& st : sorted.stats) order.push_back(st.seconds_order);
        const double n = static_cast<double>(unsorted.candidates);
        std::printf("| %s | %d | %llu | %.0f (%.3f) | %.0f (%.3f) | %.0f (%.3f) | %.3f |\n",
                    std::string(kenes::linkage::DiceKernelName(k)).c_str(), threads,
                    static_cast<unsigned long long>(unsorted.candidates),
                    n / Median(produced) / mega, Median(produced),
                    n / Median(unsorted.seconds) / mega, Median(unsorted.seconds),
                    n / Median(sorted.seconds) / mega, Median(sorted.seconds), Median(order));
      }
    }
    std::printf("\n");
  }
  return 0;
}
