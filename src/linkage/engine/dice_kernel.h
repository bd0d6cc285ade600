// Internal to the Dice engine (dice.cc and the kernel files): the plain-data interface between
// the generic driver and the ISA-specific kernels.
//
// The kernel files are compiled with -mavx2 or -mavx512*; anything they share with the rest of
// the program through the linker (inline functions, template instantiations such as std::vector's)
// could be emitted with those instructions and then picked by the linker for a generic caller.
// So this header holds only plain structs and `static` functions (internal linkage, one copy per
// file), and the kernel files use no standard-library templates.
//
// Layout of B: its non-empty filters sorted by popcount, in tiles of 8 ("lanes"); a tile is
// `words` rows of 8 64-bit words, row w holding word w of the 8 filters (word-major), 64-byte
// aligned. A kernel ANDs one broadcast word of an A filter with a whole row, so 8 pairs advance
// per instruction with lane-wise counts and no horizontal sums. Lanes past the end of B are zero
// filters with popcount 0 and never pass (every threshold count is >= 1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "linkage/engine/dice.h"  // for Candidate only: kernel files use none of its functions

namespace kenes::linkage::dice_internal {

inline constexpr std::size_t kLanes = 8;

// One unit of work: a block of A rows (sorted by popcount) against a range of B tiles.
struct DiceJob {
  std::size_t words;  // 64-bit words compared per filter: ceil(bits / 64)
  // A: row r of the ClkSet starts at a_base + r * a_stride.
  const std::uint64_t* a_base;
  std::size_t a_stride;
  const std::uint32_t* a_row;  // [a_count] rows of this block
  const std::uint32_t* a_pop;  // [a_count] their popcounts, ascending, all >= 1
  std::size_t a_count;
  // B: tile t at b_tiles + t * words * kLanes.
  const std::uint64_t* b_tiles;
  const std::uint32_t* b_pop;     // [tiles * kLanes] popcount per lane (0 for padding)
  const std::uint32_t* b_row;     // [tiles * kLanes] row of B per lane
  const std::uint32_t* tile_min;  // [tiles] least popcount of a real lane
  const std::uint32_t* tile_max;  // [tiles] greatest popcount of a lane
  std::size_t tile_begin;
  std::size_t tile_end;
  // Pre-filter: a row with popcount pa can only pair with pb in [pb_lo[pa], pb_hi[pa]].
  const std::uint32_t* pb_lo;
  const std::uint32_t* pb_hi;
  // cmin[s]: the least count c with 2.0 * c / s >= threshold (cmin[0] is unreachable).
  const std::uint32_t* cmin;
  // Rank of the similarity of (c, s) among all reachable similarities (0 = highest):
  // rank[rank_base[s] + c - cmin[s]], for cmin[s] <= c <= s / 2.
  const std::uint32_t* rank_base;
  const std::uint32_t* rank;
};

// Where kernels write candidates: `similarity` holds the rank (as a double) until the driver
// replaces it. refill() makes room (cur < end afterwards) or throws std::bad_alloc.
struct DiceSink {
  Candidate* cur;
  Candidate* end;
  void (*refill)(DiceSink* self);
  void* owner;
  std::uint64_t evaluated;  // (A row, tile) pairs compared: 8 filter pairs each
};

// Emits the lanes of `mask` (candidates by the tile's lower bound) whose counts pass exactly.
static inline void EmitLanes(const DiceJob& job, DiceSink& sink, std::uint32_t pa, std::uint32_t a,
                             std::size_t tile, const std::uint64_t* counts, unsigned mask) {
  while (mask != 0) {
    const unsigned lane = static_cast<unsigned>(__builtin_ctz(mask));
    mask &= mask - 1;
    const std::size_t l = tile * kLanes + lane;
    const std::uint32_t s = pa + job.b_pop[l];
    const std::uint32_t c = static_cast<std::uint32_t>(counts[lane]);
    const std::uint32_t cm = job.cmin[s];
    if (c < cm) continue;
    if (sink.cur == sink.end) sink.refill(&sink);
    sink.cur->similarity = static_cast<double>(job.rank[job.rank_base[s] + (c - cm)]);
    sink.cur->a = a;
    sink.cur->b = job.b_row[l];
    ++sink.cur;
  }
}

// The kernels. A PopcountsFn writes out[i - begin] = popcount of the first `words` words of row i
// (at base + i * stride) for begin <= i < end.
using BlockFn = void (*)(const DiceJob& job, DiceSink& sink);
using PopcountsFn = void (*)(const std::uint64_t* base, std::size_t stride, std::size_t words,
                             std::size_t begin, std::size_t end, std::uint32_t* out);

struct KernelOps {
  BlockFn block;
  PopcountsFn popcounts;
};

KernelOps ScalarOps();  // dice_scalar.cc
KernelOps Avx2Ops();    // dice_avx2.cc: REQUIRES AVX2 and POPCNT
KernelOps Avx512Ops();  // dice_avx512.cc: REQUIRES AVX-512 F/BW/VL/VPOPCNTDQ and POPCNT

}  // namespace kenes::linkage::dice_internal
