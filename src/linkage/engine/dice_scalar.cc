// The scalar Dice kernel: std::popcount on 64-bit words over B's word-major tiles, 8 lane
// counters per A row. Compiled for generic x86-64; a second copy of the same code is compiled
// for the POPCNT instruction (target attribute) and chosen when the CPU has it, so the portable
// kernel is also a fair scalar one. Thread-safe: pure functions of their arguments.
#include <bit>

#include "linkage/engine/dice_kernel.h"

namespace kenes::linkage::dice_internal {
namespace {

// kWords = 0: job.words at run time; otherwise a compile-time filter length (fully unrolled).
template <std::size_t kWords>
inline void Block(const DiceJob& job, DiceSink& sink) {
  const std::size_t words = kWords != 0 ? kWords : job.words;
  for (std::size_t t = job.tile_begin; t < job.tile_end; ++t) {
    const std::uint64_t* tile = job.b_tiles + t * words * kLanes;
    const std::uint32_t tmin = job.tile_min[t];
    const std::uint32_t tmax = job.tile_max[t];
    for (std::size_t i = 0; i < job.a_count; ++i) {
      const std::uint32_t pa = job.a_pop[i];
      if (job.pb_hi[pa] < tmin || job.pb_lo[pa] > tmax) continue;
      const std::uint64_t* a = job.a_base + job.a_row[i] * job.a_stride;
      std::uint64_t counts[kLanes] = {};
      for (std::size_t w = 0; w < words; ++w) {
        const std::uint64_t aw = a[w];
        const std::uint64_t* row = tile + w * kLanes;
        for (std::size_t l = 0; l < kLanes; ++l) {
          counts[l] += static_cast<std::uint64_t>(std::popcount(aw & row[l]));
        }
      }
      // A lower bound of every lane's exact threshold (cmin grows with the sum); EmitLanes
      // checks each passing lane exactly.
      const std::uint32_t bound = job.cmin[pa + tmin];
      unsigned mask = 0;
      for (std::size_t l = 0; l < kLanes; ++l) mask |= (counts[l] >= bound ? 1u : 0u) << l;
      ++sink.evaluated;
      if (mask != 0) EmitLanes(job, sink, pa, job.a_row[i], t, counts, mask);
    }
  }
}

inline void Popcounts(const std::uint64_t* base, std::size_t stride, std::size_t words,
                      std::size_t begin, std::size_t end, std::uint32_t* out) {
  for (std::size_t i = begin; i < end; ++i) {
    const std::uint64_t* row = base + i * stride;
    std::uint32_t n = 0;
    for (std::size_t w = 0; w < words; ++w) n += static_cast<std::uint32_t>(std::popcount(row[w]));
    out[i - begin] = n;
  }
}

void BlockGeneric(const DiceJob& job, DiceSink& sink) {
  if (job.words == 16) return Block<16>(job, sink);
  return Block<0>(job, sink);
}

void PopcountsGeneric(const std::uint64_t* base, std::size_t stride, std::size_t words,
                      std::size_t begin, std::size_t end, std::uint32_t* out) {
  Popcounts(base, stride, words, begin, end, out);
}

// The same code with the POPCNT instruction: flatten inlines Block and std::popcount here, where
// the builtin expands to popcnt.
__attribute__((target("popcnt"), flatten)) void BlockPopcnt(const DiceJob& job, DiceSink& sink) {
  if (job.words == 16) return Block<16>(job, sink);
  return Block<0>(job, sink);
}

__attribute__((target("popcnt"), flatten)) void PopcountsPopcnt(const std::uint64_t* base,
                                                                std::size_t stride,
                                                                std::size_t words,
                                                                std::size_t begin, std::size_t end,
                                                                std::uint32_t* out) {
  Popcounts(base, stride, words, begin, end, out);
}

}  // namespace

KernelOps ScalarOps() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("popcnt")) return {&BlockPopcnt, &PopcountsPopcnt};
  return {&BlockGeneric, &PopcountsGeneric};
}

}  // namespace kenes::linkage::dice_internal
