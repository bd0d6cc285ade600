// The benchmark's scalar baseline (baseline.cc, compiled with -O3 -mpopcnt, no AVX).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kenes::bench {

struct BaselinePair {
  double similarity;
  std::uint32_t a;
  std::uint32_t b;
};

// All pairs of na × nb 1024-bit filters (rows `stride` words apart, popcounts pa and pb) with
// 2·c >= threshold·(pa + pb); appends them to `out` and returns how many.
std::uint64_t BaselineAllPairs(const std::uint64_t* a, std::size_t na, const std::uint64_t* b,
                               std::size_t nb, std::size_t stride, const std::uint32_t* pa,
                               const std::uint32_t* pb, double threshold,
                               std::vector<BaselinePair>& out);

}  // namespace kenes::bench
