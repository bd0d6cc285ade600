// The AVX-512 Dice kernel (VPOPCNTDQ). Register tiling: a whole B tile (8 filters, word-major)
// stays in zmm registers while the rows of the A block stream past; each word of an A row is
// broadcast straight from memory into a vpandq with the tile row, vpopcntq counts the 8 lanes
// and an add tree sums them, so 8 pairs cost words × (and + popcount + add) and no horizontal
// sum. Filters of 512 and 1024 bits get fully unrolled code with the tile in 8 or 16 registers;
// other lengths stream the tile rows from L1.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vpopcntdq -mpopcnt: call only when
// __builtin_cpu_supports says so (dice.cc does). Uses no standard-library templates (see
// dice_kernel.h). Thread-safe: pure functions of their arguments.
#include <immintrin.h>

#include "linkage/engine/dice_kernel.h"

namespace kenes::linkage::dice_internal {
namespace {

inline __m512i Broadcast(std::uint64_t w) { return _mm512_set1_epi64(static_cast<long long>(w)); }

inline void Finish(const DiceJob& job, DiceSink& sink, std::uint32_t pa, std::size_t i,
                   std::size_t t, std::uint32_t tmin, __m512i counts) {
  // cmin[pa + tmin] is a lower bound of every lane's exact threshold (cmin grows with the sum);
  // EmitLanes checks each passing lane exactly.
  const __mmask8 m = _mm512_cmpge_epu64_mask(counts, Broadcast(job.cmin[pa + tmin]));
  ++sink.evaluated;
  if (m != 0) {
    alignas(64) std::uint64_t lanes[kLanes];
    _mm512_store_si512(lanes, counts);
    EmitLanes(job, sink, pa, job.a_row[i], t, lanes, m);
  }
}

template <std::size_t kWords>
void BlockFixed(const DiceJob& job, DiceSink& sink) {
  for (std::size_t t = job.tile_begin; t < job.tile_end; ++t) {
    const std::uint64_t* tile = job.b_tiles + t * kWords * kLanes;
    __m512i rows[kWords];
    for (std::size_t w = 0; w < kWords; ++w) rows[w] = _mm512_load_si512(tile + w * kLanes);
    const std::uint32_t tmin = job.tile_min[t];
    const std::uint32_t tmax = job.tile_max[t];
    for (std::size_t i = 0; i < job.a_count; ++i) {
      const std::uint32_t pa = job.a_pop[i];
      if (job.pb_hi[pa] < tmin || job.pb_lo[pa] > tmax) continue;
      const std::uint64_t* a = job.a_base + job.a_row[i] * job.a_stride;
      __m512i acc[kWords];
      for (std::size_t w = 0; w < kWords; ++w) {
        acc[w] = _mm512_popcnt_epi64(_mm512_and_si512(rows[w], Broadcast(a[w])));
      }
      for (std::size_t n = kWords; n > 1; n /= 2) {
        for (std::size_t k = 0; k < n / 2; ++k) acc[k] = _mm512_add_epi64(acc[k], acc[k + n / 2]);
      }
      Finish(job, sink, pa, i, t, tmin, acc[0]);
    }
  }
}

void BlockAny(const DiceJob& job, DiceSink& sink) {
  const std::size_t words = job.words;
  for (std::size_t t = job.tile_begin; t < job.tile_end; ++t) {
    const std::uint64_t* tile = job.b_tiles + t * words * kLanes;
    const std::uint32_t tmin = job.tile_min[t];
    const std::uint32_t tmax = job.tile_max[t];
    for (std::size_t i = 0; i < job.a_count; ++i) {
      const std::uint32_t pa = job.a_pop[i];
      if (job.pb_hi[pa] < tmin || job.pb_lo[pa] > tmax) continue;
      const std::uint64_t* a = job.a_base + job.a_row[i] * job.a_stride;
      __m512i acc0 = _mm512_setzero_si512();
      __m512i acc1 = _mm512_setzero_si512();
      __m512i acc2 = _mm512_setzero_si512();
      __m512i acc3 = _mm512_setzero_si512();
      std::size_t w = 0;
      for (; w + 4 <= words; w += 4) {
        const std::uint64_t* r = tile + w * kLanes;
        acc0 = _mm512_add_epi64(
            acc0, _mm512_popcnt_epi64(_mm512_and_si512(_mm512_load_si512(r), Broadcast(a[w]))));
        acc1 = _mm512_add_epi64(acc1, _mm512_popcnt_epi64(_mm512_and_si512(_mm512_load_si512(r + 8),
                                                                           Broadcast(a[w + 1]))));
        acc2 = _mm512_add_epi64(acc2, _mm512_popcnt_epi64(_mm512_and_si512(
                                          _mm512_load_si512(r + 16), Broadcast(a[w + 2]))));
        acc3 = _mm512_add_epi64(acc3, _mm512_popcnt_epi64(_mm512_and_si512(
                                          _mm512_load_si512(r + 24), Broadcast(a[w + 3]))));
      }
      for (; w < words; ++w) {
        acc0 = _mm512_add_epi64(acc0, _mm512_popcnt_epi64(_mm512_and_si512(
                                          _mm512_load_si512(tile + w * kLanes), Broadcast(a[w]))));
      }
      const __m512i counts =
          _mm512_add_epi64(_mm512_add_epi64(acc0, acc1), _mm512_add_epi64(acc2, acc3));
      Finish(job, sink, pa, i, t, tmin, counts);
    }
  }
}

void Block(const DiceJob& job, DiceSink& sink) {
  switch (job.words) {
    case 8:
      return BlockFixed<8>(job, sink);
    case 16:
      return BlockFixed<16>(job, sink);
    default:
      return BlockAny(job, sink);
  }
}

void Popcounts(const std::uint64_t* base, std::size_t stride, std::size_t words, std::size_t begin,
               std::size_t end, std::uint32_t* out) {
  for (std::size_t i = begin; i < end; ++i) {
    const std::uint64_t* row = base + i * stride;
    __m512i acc = _mm512_setzero_si512();
    std::size_t w = 0;
    for (; w + 8 <= words; w += 8) {
      acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_loadu_si512(row + w)));
    }
    if (w < words) {
      const __mmask8 tail = static_cast<__mmask8>((1u << (words - w)) - 1);
      acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_maskz_loadu_epi64(tail, row + w)));
    }
    // (Not _mm512_reduce_add_epi64: GCC 12 warns about its own header's uninitialised values.)
    alignas(64) std::uint64_t lanes[kLanes];
    _mm512_store_si512(lanes, acc);
    std::uint64_t n = 0;
    for (std::size_t l = 0; l < kLanes; ++l) n += lanes[l];
    out[i - begin] = static_cast<std::uint32_t>(n);
  }
}

}  // namespace

KernelOps Avx512Ops() { return {&Block, &Popcounts}; }

}  // namespace kenes::linkage::dice_internal
