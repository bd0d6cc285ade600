// The AVX2 Dice kernel. AVX2 has no vector popcount, so each half tile (4 lanes of B) is
// counted with Harley–Seal carry-save adders (Muła, Kurz, Lemire, "Faster population counts
// using AVX2 instructions", 2018): groups of 8 ANDed words fold into ones/twos/fours
// accumulators and one "eights" vector, and only those few vectors go through the nibble-LUT
// (vpshufb) popcount and vpsadbw. A's words are broadcast from memory, B's rows read from L1.
// Compiled with -mavx2 -mpopcnt: call only when __builtin_cpu_supports says so (dice.cc does).
// Uses no standard-library templates (see dice_kernel.h). Thread-safe: pure functions.
#include <immintrin.h>

#include "linkage/engine/dice_kernel.h"

namespace kenes::linkage::dice_internal {
namespace {

// Popcount of every byte.
inline __m256i PopcountBytes(__m256i v) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,  //
                                       0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_and_si256(v, low);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
  return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}

// Sums of the 8 bytes of each 64-bit lane.
inline __m256i SumBytes(__m256i bytes) { return _mm256_sad_epu8(bytes, _mm256_setzero_si256()); }

// Carry-save adder: low = a ^ b ^ c, high = majority(a, b, c).
inline void Csa(__m256i& high, __m256i& low, __m256i a, __m256i b, __m256i c) {
  const __m256i u = _mm256_xor_si256(a, b);
  high = _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(u, c));
  low = _mm256_xor_si256(u, c);
}

inline __m256i AndWord(const std::uint64_t* a, const std::uint64_t* half, std::size_t w) {
  return _mm256_and_si256(_mm256_set1_epi64x(static_cast<long long>(a[w])),
                          _mm256_load_si256(reinterpret_cast<const __m256i*>(half + w * kLanes)));
}

// Lane counts popcount(a ∧ b) of the 4 filters of a half tile (`half` = the tile + 0 or 4).
template <std::size_t kWords>
inline __m256i CountHalf(const std::uint64_t* a, const std::uint64_t* half, std::size_t words) {
  if (kWords != 0) words = kWords;
  __m256i ones = _mm256_setzero_si256();
  __m256i twos = _mm256_setzero_si256();
  __m256i fours = _mm256_setzero_si256();
  __m256i eights_total = _mm256_setzero_si256();  // 64-bit lanes
  std::size_t w = 0;
  for (; w + 8 <= words; w += 8) {
    __m256i twos_a, twos_b, fours_a, fours_b, eights;
    Csa(twos_a, ones, ones, AndWord(a, half, w), AndWord(a, half, w + 1));
    Csa(twos_b, ones, ones, AndWord(a, half, w + 2), AndWord(a, half, w + 3));
    Csa(fours_a, twos, twos, twos_a, twos_b);
    Csa(twos_a, ones, ones, AndWord(a, half, w + 4), AndWord(a, half, w + 5));
    Csa(twos_b, ones, ones, AndWord(a, half, w + 6), AndWord(a, half, w + 7));
    Csa(fours_b, twos, twos, twos_a, twos_b);
    Csa(eights, fours, fours, fours_a, fours_b);
    eights_total = _mm256_add_epi64(eights_total, SumBytes(PopcountBytes(eights)));
  }
  // Per byte: 4·(<= 8) + 2·(<= 8) + (<= 8) + up to 7 leftover words · 8 = at most 112.
  __m256i bytes = PopcountBytes(fours);
  bytes = _mm256_add_epi8(bytes, bytes);
  bytes = _mm256_add_epi8(bytes, PopcountBytes(twos));
  bytes = _mm256_add_epi8(bytes, bytes);
  bytes = _mm256_add_epi8(bytes, PopcountBytes(ones));
  for (; w < words; ++w) bytes = _mm256_add_epi8(bytes, PopcountBytes(AndWord(a, half, w)));
  return _mm256_add_epi64(_mm256_slli_epi64(eights_total, 3), SumBytes(bytes));
}

// Bits l of the result: lane l of `counts` >= bound (counts and bound are far below 2^63).
inline unsigned AtLeast(__m256i counts, std::uint32_t bound) {
  const __m256i below = _mm256_set1_epi64x(static_cast<long long>(bound) - 1);
  return static_cast<unsigned>(
      _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(counts, below))));
}

template <std::size_t kWords>
void BlockImpl(const DiceJob& job, DiceSink& sink) {
  const std::size_t words = kWords != 0 ? kWords : job.words;
  for (std::size_t t = job.tile_begin; t < job.tile_end; ++t) {
    const std::uint64_t* tile = job.b_tiles + t * words * kLanes;
    const std::uint32_t tmin = job.tile_min[t];
    const std::uint32_t tmax = job.tile_max[t];
    for (std::size_t i = 0; i < job.a_count; ++i) {
      const std::uint32_t pa = job.a_pop[i];
      if (job.pb_hi[pa] < tmin || job.pb_lo[pa] > tmax) continue;
      const std::uint64_t* a = job.a_base + job.a_row[i] * job.a_stride;
      const __m256i lo = CountHalf<kWords>(a, tile, words);
      const __m256i hi = CountHalf<kWords>(a, tile + 4, words);
      // cmin[pa + tmin] bounds every lane's exact threshold from below; EmitLanes is exact.
      const std::uint32_t bound = job.cmin[pa + tmin];
      const unsigned mask = AtLeast(lo, bound) | (AtLeast(hi, bound) << 4);
      ++sink.evaluated;
      if (mask != 0) {
        alignas(32) std::uint64_t lanes[kLanes];
        _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), lo);
        _mm256_store_si256(reinterpret_cast<__m256i*>(lanes + 4), hi);
        EmitLanes(job, sink, pa, job.a_row[i], t, lanes, mask);
      }
    }
  }
}

void Block(const DiceJob& job, DiceSink& sink) {
  if (job.words == 16) return BlockImpl<16>(job, sink);
  return BlockImpl<0>(job, sink);
}

void Popcounts(const std::uint64_t* base, std::size_t stride, std::size_t words, std::size_t begin,
               std::size_t end, std::uint32_t* out) {
  for (std::size_t i = begin; i < end; ++i) {
    const std::uint64_t* row = base + i * stride;
    std::uint64_t n = 0;
    for (std::size_t w = 0; w < words; ++w) n += static_cast<std::uint64_t>(_mm_popcnt_u64(row[w]));
    out[i - begin] = static_cast<std::uint32_t>(n);
  }
}

}  // namespace

KernelOps Avx2Ops() { return {&Block, &Popcounts}; }

}  // namespace kenes::linkage::dice_internal
