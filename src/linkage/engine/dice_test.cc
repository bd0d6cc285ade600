#include "linkage/engine/dice.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace kenes::linkage {
namespace {

// All pairs, straight from the definition: the double 2.0 * c / (pa + pb) >= t.
std::vector<Candidate> Reference(const ClkSet& a, const ClkSet& b, double t, std::size_t top_k = 0,
                                 std::size_t a_begin = 0, std::size_t a_end = SIZE_MAX) {
  std::vector<Candidate> out;
  a_end = std::min(a_end, a.size());
  const std::vector<std::uint32_t> pa = a.Popcounts();
  const std::vector<std::uint32_t> pb = b.Popcounts();
  for (std::size_t i = a_begin; i < a_end; ++i) {
    std::vector<Candidate> row;
    for (std::size_t j = 0; j < b.size(); ++j) {
      std::uint32_t c = 0;
      for (std::size_t w = 0; w < a.stride_words(); ++w) {
        c += static_cast<std::uint32_t>(std::popcount(a.words(i)[w] & b.words(j)[w]));
      }
      const std::uint32_t s = pa[i] + pb[j];
      if (s == 0) continue;
      const double sim = 2.0 * c / s;
      if (sim >= t)
        row.push_back({sim, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)});
    }
    std::sort(row.begin(), row.end(), CandidateBefore);
    if (top_k > 0 && row.size() > top_k) row.resize(top_k);
    out.insert(out.end(), row.begin(), row.end());
  }
  std::sort(out.begin(), out.end(), CandidateBefore);
  return out;
}

// n filters of `bits` bits; row i has each bit set with probability density(i).
template <typename Density>
ClkSet RandomSet(std::size_t n, std::size_t bits, std::mt19937_64& rng, Density density) {
  ClkSet s(n, bits);
  for (std::size_t i = 0; i < n; ++i) {
    std::bernoulli_distribution bit(density(i));
    for (std::size_t k = 0; k < bits; ++k) {
      if (bit(rng)) s.SetBit(i, k);
    }
  }
  return s;
}

// Copies of rows of `from` (cycling) with `flips` random bits flipped in each.
ClkSet NearCopies(const ClkSet& from, std::size_t n, std::size_t flips, std::mt19937_64& rng) {
  ClkSet s(n, from.bits());
  std::uniform_int_distribution<std::size_t> pick(0, from.bits() - 1);
  for (std::size_t i = 0; i < n; ++i) {
    std::copy_n(from.bytes(i % from.size()), from.bytes_per_clk(), s.bytes(i));
    for (std::size_t f = 0; f < flips; ++f) {
      const std::size_t k = pick(rng);
      s.bytes(i)[k >> 3] ^= static_cast<std::uint8_t>(0x80u >> (k & 7));
    }
  }
  return s;
}

std::vector<DiceKernel> AllKernels() {
  return {DiceKernel::kScalar, DiceKernel::kAvx2, DiceKernel::kAvx512};
}

class DiceKernelTest : public ::testing::TestWithParam<DiceKernel> {
 protected:
  void SetUp() override {
    if (!DiceKernelSupported(GetParam())) {
      GTEST_SKIP() << DiceKernelName(GetParam()) << " is not supported on this CPU";
    }
  }
  DiceOptions Options(double t, int threads = 2) const {
    DiceOptions o;
    o.threshold = t;
    o.threads = threads;
    o.kernel = GetParam();
    return o;
  }
  std::vector<Candidate> Find(const ClkSet& a, const ClkSet& b, const DiceOptions& o) const {
    auto r = FindCandidates(a, b, o);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : std::vector<Candidate>{};
  }
};

TEST_P(DiceKernelTest, MatchesReferenceOnRandomAndStructuredInputs) {
  struct Case {
    std::size_t bits;
    std::size_t na;
    std::size_t nb;
    double threshold;
  };
  const Case cases[] = {
      {512, 70, 90, 0.5},  {512, 70, 90, 0.8},  {1024, 100, 75, 0.55}, {1024, 100, 75, 0.8},
      {1024, 33, 41, 1.0}, {2048, 40, 50, 0.6}, {2048, 40, 50, 0.9},   {520, 60, 65, 0.52},
      {520, 60, 65, 0.85}, {64, 50, 50, 0.7},   {8, 30, 30, 0.5},      {1536, 20, 17, 0.7},
  };
  std::mt19937_64 rng(20261101);
  for (const Case& c : cases) {
    SCOPED_TRACE("bits " + std::to_string(c.bits) + ", t " + std::to_string(c.threshold));
    // Random filters of one density, and filters of very different densities (which the
    // popcount pre-filter skips), including empty and full ones.
    const ClkSet ra = RandomSet(c.na, c.bits, rng, [](std::size_t) { return 0.5; });
    const ClkSet rb = RandomSet(c.nb, c.bits, rng, [](std::size_t) { return 0.5; });
    EXPECT_EQ(Find(ra, rb, Options(c.threshold)), Reference(ra, rb, c.threshold));
    const auto spread = [&](std::size_t i) {
      return i % 7 == 0 ? 0.0 : i % 11 == 0 ? 1.0 : static_cast<double>(i % 19) / 19.0;
    };
    const ClkSet sa = RandomSet(c.na, c.bits, rng, spread);
    ClkSet sb = NearCopies(sa, c.nb, c.bits / 40, rng);
    ASSERT_TRUE(sb.Append(RandomSet(c.nb, c.bits, rng, spread)));
    ASSERT_TRUE(sb.Append(NearCopies(sa, 5, 0, rng)));
    EXPECT_EQ(Find(sa, sb, Options(c.threshold)), Reference(sa, sb, c.threshold));
    EXPECT_EQ(Find(sa, sb, Options(c.threshold, 1)), Reference(sa, sb, c.threshold));
  }
}

TEST_P(DiceKernelTest, ManyCandidatesAcrossWorkItemsAndThreadCounts) {
  std::mt19937_64 rng(7);
  const ClkSet a = RandomSet(900, 1024, rng,
                             [](std::size_t i) { return 0.3 + static_cast<double>(i % 5) * 0.1; });
  const ClkSet b = RandomSet(1100, 1024, rng,
                             [](std::size_t i) { return 0.3 + static_cast<double>(i % 3) * 0.1; });
  const auto want = Reference(a, b, 0.45);
  ASSERT_GT(want.size(), 100000u);  // several chunks of candidates
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE(threads);
    EXPECT_EQ(Find(a, b, Options(0.45, threads)), want);
  }
  DiceOptions unsorted = Options(0.45);
  unsorted.sort = false;
  auto got = Find(a, b, unsorted);
  std::sort(got.begin(), got.end(), CandidateBefore);
  EXPECT_EQ(got, want);
  auto count = CountCandidates(a, b, Options(0.45));
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, want.size());
}

TEST_P(DiceKernelTest, EdgeCases) {
  // Rows of A: 0 empty; 1 bits {0,1,2}; 2 bits {0..3}; 3 bits {0..6}.
  // Rows of B: 0 empty; 1 bits {0..4}; 2 bits {0,1,2}; 3 bits {0..9}; 4 bits {0..3}.
  for (std::size_t bits : {512u, 520u, 1024u, 2048u}) {
    SCOPED_TRACE(bits);
    ClkSet a(4, bits);
    ClkSet b(5, bits);
    const auto set = [](ClkSet& s, std::size_t row, std::size_t n, std::size_t offset) {
      for (std::size_t k = 0; k < n; ++k) s.SetBit(row, offset + k);
    };
    set(a, 1, 3, bits - 3);  // across the last word, whatever the length
    set(a, 2, 4, 0);
    set(a, 3, 7, 0);
    set(b, 1, 5, 0);
    set(b, 2, 3, bits - 3);
    set(b, 3, 10, 0);
    set(b, 4, 4, 0);
    // Identical filters: exactly 1.0, also at threshold 1.0; empty filters never match.
    EXPECT_EQ(Find(a, b, Options(1.0)), (std::vector<Candidate>{{1.0, 1, 2}, {1.0, 2, 4}}));
    // On the bound: a2 ⊂ b1 gives 2·4 / (4 + 5); a3 ⊂ b3 gives 2·7 / (7 + 10) — exactly the
    // threshold, with min(pa, pb) == cmin, so the pre-filter must not drop them.
    for (double t : {8.0 / 9, 2.0 * 7 / 17}) {
      SCOPED_TRACE(t);
      const auto got = Find(a, b, Options(t));
      EXPECT_EQ(got, Reference(a, b, t));
      EXPECT_NE(std::find(got.begin(), got.end(),
                          Candidate{t, t == 8.0 / 9 ? 2u : 3u, t == 8.0 / 9 ? 1u : 3u}),
                got.end());
      EXPECT_EQ(Find(a, b, Options(std::nextafter(t, 2.0))),
                Reference(a, b, std::nextafter(t, 2.0)));
    }
    EXPECT_EQ(Find(a, b, Options(std::numeric_limits<double>::min())),
              Reference(a, b, std::numeric_limits<double>::min()));
    // All-zero sets.
    ClkSet za(3, bits);
    ClkSet zb(4, bits);
    EXPECT_TRUE(Find(za, zb, Options(0.1)).empty());
    EXPECT_TRUE(Find(za, b, Options(0.1)).empty());
    EXPECT_TRUE(Find(a, ClkSet{}, Options(0.1)).empty());
  }
}

TEST_P(DiceKernelTest, TopKRowRangesAndMerging) {
  std::mt19937_64 rng(99);
  const ClkSet a = RandomSet(150, 1024, rng,
                             [](std::size_t i) { return 0.2 + static_cast<double>(i % 4) * 0.1; });
  ClkSet b = NearCopies(a, 100, 60, rng);
  ASSERT_TRUE(b.Append(RandomSet(200, 1024, rng, [](std::size_t) { return 0.35; })));
  for (std::size_t k : {1u, 3u, 1000u}) {
    DiceOptions o = Options(0.5);
    o.top_k = k;
    EXPECT_EQ(Find(a, b, o), Reference(a, b, 0.5, k)) << k;
  }
  // Three "ranks" compare thirds of A; merged they equal the whole.
  std::vector<std::vector<Candidate>> parts;
  for (std::size_t r = 0; r < 3; ++r) {
    DiceOptions o = Options(0.5);
    o.a_begin = r * 50;
    o.a_end = r == 2 ? SIZE_MAX : (r + 1) * 50;
    parts.push_back(Find(a, b, o));
    EXPECT_EQ(parts.back(), Reference(a, b, 0.5, 0, o.a_begin, o.a_end));
  }
  EXPECT_EQ(MergeCandidates(std::move(parts)), Reference(a, b, 0.5));
  DiceOptions empty_range = Options(0.5);
  empty_range.a_begin = empty_range.a_end = 150;
  EXPECT_TRUE(Find(a, b, empty_range).empty());
}

INSTANTIATE_TEST_SUITE_P(Kernels, DiceKernelTest, ::testing::ValuesIn(AllKernels()),
                         [](const auto& info) { return std::string(DiceKernelName(info.param)); });

// Popcounts within a narrow range: fewer than 2^16 reachable similarities, so the ordering
// takes its one-similarity-per-bucket path (the wide inputs above take the other).
TEST(DiceTest, KernelsAgreeOnLargeRandomInput) {
  std::mt19937_64 rng(5);
  const ClkSet a = RandomSet(700, 1024, rng, [](std::size_t) { return 0.5; });
  const ClkSet b = RandomSet(
      1300, 1024, rng, [](std::size_t i) { return 0.45 + static_cast<double>(i % 3) * 0.05; });
  DiceOptions o;
  o.threshold = 0.52;
  o.kernel = DiceKernel::kScalar;
  const auto scalar = FindCandidates(a, b, o);
  ASSERT_TRUE(scalar);
  EXPECT_GT(scalar->size(), 100000u);
  EXPECT_EQ(*scalar, Reference(a, b, 0.52));
  for (DiceKernel k : {DiceKernel::kAvx2, DiceKernel::kAvx512}) {
    if (!DiceKernelSupported(k)) continue;
    o.kernel = k;
    EXPECT_EQ(FindCandidates(a, b, o).value(), *scalar) << DiceKernelName(k);
  }
}

TEST(DiceTest, RejectsBadArguments) {
  ClkSet a(2, 1024);
  ClkSet b(2, 512);
  DiceOptions o;
  for (double t : {0.0, -0.5, 1.0000001, std::nan("")}) {
    o.threshold = t;
    EXPECT_EQ(FindCandidates(a, a, o).error().code, core::ErrorCode::kInvalidArgument) << t;
    EXPECT_FALSE(CountCandidates(a, a, o));
  }
  o.threshold = 0.8;
  EXPECT_EQ(FindCandidates(a, b, o).error().code, core::ErrorCode::kInvalidArgument);
  o.a_begin = 3;
  EXPECT_EQ(FindCandidates(a, a, o).error().code, core::ErrorCode::kInvalidArgument);
}

TEST(DiceTest, KernelNamesAndEnvironmentOverride) {
  EXPECT_EQ(DiceKernelName(DiceKernel::kAvx512), "avx512");
  EXPECT_TRUE(DiceKernelSupported(DiceKernel::kScalar));
  EXPECT_NE(BestDiceKernel(), DiceKernel::kAuto);
  ClkSet a(1, 64);
  a.SetBit(0, 1);
  // The test binary runs one test at a time: nothing reads the environment concurrently.
  ::setenv("KENES_DICE_KERNEL", "scalar", 1);  // NOLINT(concurrency-mt-unsafe)
  EXPECT_EQ(BestDiceKernel(), DiceKernel::kScalar);
  DiceStats stats;
  ASSERT_TRUE(FindCandidates(a, a, DiceOptions{}, &stats));
  EXPECT_EQ(stats.kernel, DiceKernel::kScalar);
  EXPECT_EQ(stats.candidates, 1u);
  ::setenv("KENES_DICE_KERNEL", "neon", 1);  // NOLINT(concurrency-mt-unsafe)
  EXPECT_EQ(FindCandidates(a, a, DiceOptions{}).error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_TRUE(FindCandidates(a, a, {.kernel = DiceKernel::kScalar}));  // explicit wins
  ::unsetenv("KENES_DICE_KERNEL");  // NOLINT(concurrency-mt-unsafe)
  if (!DiceKernelSupported(DiceKernel::kAvx512)) {
    EXPECT_FALSE(FindCandidates(a, a, {.kernel = DiceKernel::kAvx512}));
  }
}

TEST(DiceTest, MergeCandidatesKeepsTheOrder) {
  std::vector<std::vector<Candidate>> parts = {
      {{1.0, 0, 5}, {0.9, 0, 1}},
      {},
      {{1.0, 2, 0}, {0.95, 3, 3}, {0.9, 2, 0}},
      {{0.9, 1, 7}},
  };
  EXPECT_EQ(MergeCandidates(std::move(parts)),
            (std::vector<Candidate>{
                {1.0, 0, 5}, {1.0, 2, 0}, {0.95, 3, 3}, {0.9, 0, 1}, {0.9, 1, 7}, {0.9, 2, 0}}));
  EXPECT_TRUE(MergeCandidates({}).empty());
}

}  // namespace
}  // namespace kenes::linkage
