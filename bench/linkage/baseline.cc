// The benchmark's baseline: the obvious all-pairs Dice loop, scalar __builtin_popcountll over the
// 16 words of a 1024-bit CLK and the multiply form of the threshold test. This file alone is
// compiled with -O3 -mpopcnt and no AVX flags (bench/linkage/CMakeLists.txt), so it stays scalar
// POPCNT code — what a careful C++ programmer writes without SIMD.
#include "baseline.h"

namespace kenes::bench {

std::uint64_t BaselineAllPairs(const std::uint64_t* a, std::size_t na, const std::uint64_t* b,
                               std::size_t nb, std::size_t stride, const std::uint32_t* pa,
                               const std::uint32_t* pb, double threshold,
                               std::vector<BaselinePair>& out) {
  std::uint64_t found = 0;
  for (std::size_t i = 0; i < na; ++i) {
    const std::uint64_t* x = a + i * stride;
    for (std::size_t j = 0; j < nb; ++j) {
      const std::uint64_t* y = b + j * stride;
      std::uint32_t c = 0;
      for (int w = 0; w < 16; ++w)
        c += static_cast<std::uint32_t>(__builtin_popcountll(x[w] & y[w]));
      const std::uint32_t s = pa[i] + pb[j];
      if (s != 0 && 2.0 * c >= threshold * s) {
        out.push_back({2.0 * c / s, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)});
        ++found;
      }
    }
  }
  return found;
}

}  // namespace kenes::bench
