// The Dice comparison engine: every pair (a, b) of two CLK sets whose Dice coefficient
// 2·|a∧b| / (|a| + |b|) reaches a threshold, as Anonlink's candidate generation computes it
// (see /work/shared/anchors/clkhash-anonlink.md, "Matching (Anonlink)"), with run-time-dispatched
// SIMD kernels (scalar, AVX2, AVX-512 VPOPCNTDQ) and std::thread workers.
//
// Exactness: the similarity of a pair is the double `2.0 * c / (pa + pb)` (c = |a∧b|, pa = |a|,
// pb = |b|) and the pair is a candidate when that double is >= threshold; a pair with
// pa + pb == 0 never is. The hot loop tests `c >= cmin[pa + pb]`, a table of the least count
// that passes this very double test for every sum, so the integer test agrees with the double
// one bit for bit. The popcount pre-filter (skip when min(pa, pb) < cmin[pa + pb]) uses the same
// table; unlike Anonlink's truncated real bound it never drops a pair on the boundary.
//
// Thread-safety: every function may be called from any number of threads at once; a call starts
// its own worker threads and joins them before it returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "linkage/engine/clk.h"

namespace kenes::linkage {

// Which popcount kernel compares the filters. All give identical results.
enum class DiceKernel {
  kAuto,    // BestDiceKernel()
  kScalar,  // std::popcount on 64-bit words (the POPCNT instruction when the CPU has it)
  kAvx2,    // Harley–Seal carry-save adders with a nibble-LUT (vpshufb) popcount
  kAvx512,  // AVX-512 VPOPCNTDQ
};

// "auto", "scalar", "avx2", "avx512".
std::string_view DiceKernelName(DiceKernel k);

// The kernel kAuto resolves to: KENES_DICE_KERNEL=scalar|avx2|avx512 when set to a kernel this
// CPU runs, otherwise the fastest kernel this CPU runs (checked with __builtin_cpu_supports).
DiceKernel BestDiceKernel();

// True when this CPU can run `k` (kAuto and kScalar: always).
bool DiceKernelSupported(DiceKernel k);

struct Candidate {
  double similarity;  // 2.0 * |a∧b| / (|a| + |b|)
  std::uint32_t a;    // row in A
  std::uint32_t b;    // row in B

  friend bool operator==(const Candidate&, const Candidate&) = default;
};

// The output order: similarity descending, then a ascending, then b ascending.
inline bool CandidateBefore(const Candidate& x, const Candidate& y) {
  if (x.similarity != y.similarity) return x.similarity > y.similarity;
  if (x.a != y.a) return x.a < y.a;
  return x.b < y.b;
}

struct DiceOptions {
  double threshold = 0.8;  // in (0, 1]
  // For each row of A keep only its top_k candidates (similarity descending, then b ascending);
  // 0 keeps all.
  std::size_t top_k = 0;
  int threads = 0;  // 0 = std::thread::hardware_concurrency()
  // kAuto honours KENES_DICE_KERNEL (an unknown name or a kernel this CPU cannot run is an
  // error); an explicit kernel this CPU cannot run is an error too.
  DiceKernel kernel = DiceKernel::kAuto;
  // Compare only rows [a_begin, a_end) of A (a_end is clamped to a.size()), e.g. one MPI rank's
  // share; indices in the output stay global.
  std::size_t a_begin = 0;
  std::size_t a_end = SIZE_MAX;
  // false: leave the candidates in an unspecified order (saves the final sort). Ignored when
  // top_k > 0, whose selection needs the order.
  bool sort = true;
};

// What a call did, for benchmarks and logs.
struct DiceStats {
  DiceKernel kernel = DiceKernel::kAuto;  // the kernel that ran
  int threads = 0;                        // worker threads used
  std::uint64_t pairs = 0;                // |A range| × |B|
  std::uint64_t pairs_compared = 0;       // pairs whose filters were ANDed (after the pre-filter)
  std::uint64_t candidates = 0;           // returned (after top_k)
  double seconds_prepare = 0;             // popcounts, sorting by popcount, B's tiles, tables
  double seconds_compare = 0;             // the kernels, writing candidates
  double seconds_order = 0;               // sorting, top_k, gathering into one vector
};

// Every candidate pair of rows (a in [a_begin, a_end) of `a`, b in `b`), sorted by
// CandidateBefore. Errors (kInvalidArgument): threshold outside (0, 1] or NaN, A and B of
// different bit lengths (unless one is empty), a_begin > min(a_end, a.size()), more than 2^32
// rows; a kernel this CPU cannot run or an unknown KENES_DICE_KERNEL. kInternal when a worker
// fails (e.g. out of memory). `stats`, when not null, is filled in on success.
// Memory: the inputs, about their size again (B regrouped by popcount), and twice the candidates.
[[nodiscard]] core::Result<std::vector<Candidate>> FindCandidates(const ClkSet& a, const ClkSet& b,
                                                                  const DiceOptions& o,
                                                                  DiceStats* stats = nullptr);

// The number of candidates FindCandidates would find without top_k, without keeping them
// (memory: the inputs only). Same errors.
[[nodiscard]] core::Result<std::uint64_t> CountCandidates(const ClkSet& a, const ClkSet& b,
                                                          const DiceOptions& o,
                                                          DiceStats* stats = nullptr);

// Merges candidate lists each sorted by CandidateBefore (e.g. from MPI ranks that compared
// disjoint row ranges of A) into one sorted list. Consumes `parts`.
std::vector<Candidate> MergeCandidates(std::vector<std::vector<Candidate>> parts);

}  // namespace kenes::linkage
