// The Dice engine's driver: validation, kernel dispatch, the threshold and rank tables, B's
// popcount-sorted tiles, std::thread workers over (A block × B chunk) work items taken from an
// atomic counter, and the final ordering (a radix sort on similarity rank, A row, B row).
#include "linkage/engine/dice.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "linkage/engine/dice_kernel.h"

namespace kenes::linkage {

using core::ErrorCode;
using core::Fail;

namespace {

using dice_internal::DiceJob;
using dice_internal::DiceSink;
using dice_internal::KernelOps;
using dice_internal::kLanes;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// --- kernels --------------------------------------------------------------------------------

bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
}

bool CpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vpopcntdq") &&
         __builtin_cpu_supports("popcnt");
}

DiceKernel FastestSupported() {
  if (CpuHasAvx512()) return DiceKernel::kAvx512;
  if (CpuHasAvx2()) return DiceKernel::kAvx2;
  return DiceKernel::kScalar;
}

std::optional<DiceKernel> ParseKernel(std::string_view name) {
  for (DiceKernel k :
       {DiceKernel::kAuto, DiceKernel::kScalar, DiceKernel::kAvx2, DiceKernel::kAvx512}) {
    if (DiceKernelName(k) == name) return k;
  }
  return std::nullopt;
}

// kAuto -> KENES_DICE_KERNEL or the fastest; errors for what this CPU cannot run.
core::Result<DiceKernel> ResolveKernel(DiceKernel requested) {
  if (requested == DiceKernel::kAuto) {
    // Read-only use of the environment; nothing in Kenes sets variables once threads run.
    const char* env = std::getenv("KENES_DICE_KERNEL");  // NOLINT(concurrency-mt-unsafe)
    if (env == nullptr || *env == '\0') return FastestSupported();
    const auto parsed = ParseKernel(env);
    if (!parsed) {
      return Fail(ErrorCode::kInvalidArgument,
                  "KENES_DICE_KERNEL=" + std::string(env) + ": expected scalar, avx2 or avx512");
    }
    if (*parsed == DiceKernel::kAuto) return FastestSupported();
    requested = *parsed;
  }
  if (!DiceKernelSupported(requested)) {
    return Fail(ErrorCode::kInvalidArgument,
                "the " + std::string(DiceKernelName(requested)) + " Dice kernel needs " +
                    (requested == DiceKernel::kAvx2 ? "AVX2" : "AVX-512 VPOPCNTDQ") +
                    ", which this CPU lacks");
  }
  return requested;
}

KernelOps OpsFor(DiceKernel k) {
  switch (k) {
    case DiceKernel::kAvx512:
      return dice_internal::Avx512Ops();
    case DiceKernel::kAvx2:
      return dice_internal::Avx2Ops();
    default:
      return dice_internal::ScalarOps();
  }
}

// --- threads --------------------------------------------------------------------------------

// Runs fn(worker) for worker in [0, threads) (none when threads <= 0), worker 0 on the calling
// thread. An exception ends
// that worker, sets `abort` for the others and becomes the returned error.
template <typename Fn>
core::Status RunWorkers(int threads, std::atomic<bool>& abort, Fn&& fn) {
  if (threads <= 0) return {};
  std::mutex mu;
  std::string failure;
  auto guarded = [&](int worker) {
    try {
      fn(worker);
    } catch (const std::exception& e) {
      abort.store(true, std::memory_order_relaxed);
      const std::lock_guard<std::mutex> lock(mu);
      if (failure.empty()) failure = e.what();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads > 1 ? threads - 1 : 0));
  try {
    for (int w = 1; w < threads; ++w) pool.emplace_back(guarded, w);
  } catch (const std::exception& e) {
    abort.store(true, std::memory_order_relaxed);
    failure = e.what();
  }
  guarded(0);
  for (auto& t : pool) t.join();
  if (!failure.empty()) {
    return Fail(ErrorCode::kInternal, "Dice comparison failed: " + failure);
  }
  return {};
}

// Static split of [0, n) among `threads` workers.
std::pair<std::size_t, std::size_t> Share(std::size_t n, int threads, int worker) {
  const auto t = static_cast<std::size_t>(threads);
  const auto w = static_cast<std::size_t>(worker);
  return {n * w / t, n * (w + 1) / t};
}

// --- tables ---------------------------------------------------------------------------------

struct Tables {
  std::vector<std::uint32_t> cmin;       // [2·bits + 1]
  std::vector<std::uint32_t> pb_lo;      // [bits + 1]
  std::vector<std::uint32_t> pb_hi;      // [bits + 1]
  std::vector<std::uint32_t> rank_base;  // [2·bits + 1]
  std::vector<std::uint32_t> rank;
  std::vector<double> rank_value;  // similarity of each rank, descending
};

double Similarity(std::uint32_t c, std::uint32_t s) {
  return 2.0 * static_cast<double>(c) / static_cast<double>(s);
}

// cmin[s] = least c with Similarity(c, s) >= t, for every sum s of two popcounts; c = s always
// passes (2.0 >= t), so cmin[s] <= s. cmin[0] = bits + 1: no count reaches it.
std::vector<std::uint32_t> ThresholdCounts(std::size_t bits, double t) {
  std::vector<std::uint32_t> cmin(2 * bits + 1);
  cmin[0] = static_cast<std::uint32_t>(bits + 1);
  for (std::uint32_t s = 1; s <= 2 * bits; ++s) {
    auto c = static_cast<std::uint32_t>(std::min<double>(s, std::floor(t * s / 2)));
    while (c > 0 && Similarity(c - 1, s) >= t) --c;
    while (Similarity(c, s) < t) ++c;
    cmin[s] = c;
  }
  return cmin;
}

// pa in [pa_min, pa_max], pb in [pb_min, pb_max]: the popcounts present (all >= 1).
Tables BuildTables(std::size_t bits, double t, std::uint32_t pa_min, std::uint32_t pa_max,
                   std::uint32_t pb_min, std::uint32_t pb_max) {
  Tables tb;
  tb.cmin = ThresholdCounts(bits, t);
  // Pre-filter bounds: the least and greatest pb that can pair with pa (c <= min(pa, pb)).
  // Any superset is correct; this is exact.
  tb.pb_lo.assign(bits + 1, UINT32_MAX);
  tb.pb_hi.assign(bits + 1, 0);
  for (std::uint32_t pa = pa_min; pa <= pa_max; ++pa) {
    for (std::uint32_t pb = pb_min; pb <= pb_max; ++pb) {
      if (std::min(pa, pb) >= tb.cmin[pa + pb]) {
        tb.pb_lo[pa] = std::min(tb.pb_lo[pa], pb);
        tb.pb_hi[pa] = std::max(tb.pb_hi[pa], pb);
      }
    }
  }
  // Ranks of every reachable similarity 2c/s (cmin[s] <= c <= s/2), equal doubles sharing one.
  const std::uint32_t s_lo = pa_min + pb_min;
  const std::uint32_t s_hi = pa_max + pb_max;
  tb.rank_base.assign(2 * bits + 1, 0);
  std::vector<std::pair<double, std::uint32_t>> entries;
  for (std::uint32_t s = s_lo; s <= s_hi; ++s) {
    tb.rank_base[s] = static_cast<std::uint32_t>(entries.size());
    for (std::uint32_t c = tb.cmin[s]; c <= s / 2; ++c) {
      entries.emplace_back(Similarity(c, s), static_cast<std::uint32_t>(entries.size()));
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& x, const auto& y) { return x.first > y.first; });
  tb.rank.resize(entries.size());
  for (const auto& [value, index] : entries) {
    if (tb.rank_value.empty() || tb.rank_value.back() != value) tb.rank_value.push_back(value);
    tb.rank[index] = static_cast<std::uint32_t>(tb.rank_value.size() - 1);
  }
  return tb;
}

// --- inputs ---------------------------------------------------------------------------------

struct AlignedFree {
  void operator()(std::uint64_t* p) const { std::free(p); }
};

// Rows with popcount >= 1, sorted by popcount (then row), as parallel arrays.
struct SortedRows {
  std::vector<std::uint32_t> row;
  std::vector<std::uint32_t> pop;
};

SortedRows SortByPopcount(const std::vector<std::uint32_t>& pops, std::size_t first_row,
                          std::size_t bits) {
  std::vector<std::size_t> start(bits + 2, 0);
  for (std::uint32_t p : pops) ++start[p + 1];
  for (std::size_t p = 1; p < start.size(); ++p) start[p] += start[p - 1];
  const std::size_t zeros = start[1];
  SortedRows out;
  out.row.resize(pops.size() - zeros);
  out.pop.resize(pops.size() - zeros);
  for (std::size_t i = 0; i < pops.size(); ++i) {
    const std::uint32_t p = pops[i];
    if (p == 0) continue;
    const std::size_t at = start[p]++ - zeros;
    out.row[at] = static_cast<std::uint32_t>(first_row + i);
    out.pop[at] = p;
  }
  return out;
}

// B regrouped into word-major tiles of kLanes filters (see dice_kernel.h).
struct Tiles {
  std::size_t count = 0;
  std::unique_ptr<std::uint64_t[], AlignedFree> words;
  std::vector<std::uint32_t> pop;  // per lane
  std::vector<std::uint32_t> row;  // per lane
  std::vector<std::uint32_t> min;  // per tile
  std::vector<std::uint32_t> max;  // per tile
};

// --- candidate buffers ----------------------------------------------------------------------

// Candidate buffers are big (tens of millions × 16 bytes) and written once: ask for 2 MiB pages
// (transparent huge pages, which Debian's kernel grants in its default madvise mode) so that
// filling them costs a page fault per 2 MiB instead of per 4 KiB and the sort's scatter misses
// the TLB less. Advisory only: errors are ignored.
constexpr std::size_t kHugePage = std::size_t{2} << 20;

// The whole 2 MiB pages inside [p, p + bytes): their start and length (0 if none).
std::pair<char*, std::size_t> WholeHugePages(void* p, std::size_t bytes) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  const std::size_t skip = (kHugePage - at % kHugePage) % kHugePage;
  if (bytes < skip + kHugePage) return {static_cast<char*>(p), 0};
  return {static_cast<char*>(p) + skip, (bytes - skip) / kHugePage * kHugePage};
}

void AdviseHugePages(void* p, std::size_t bytes) {
  const auto [start, length] = WholeHugePages(p, bytes);
  if (length != 0) ::madvise(start, length, MADV_HUGEPAGE);
}

// Faults in [p, p + bytes) with `threads` threads at once (MADV_POPULATE_WRITE, Linux 5.14), so
// that the first touch of a big fresh buffer, which the kernel must clear (and, in a VM, often
// the host must back), does not run on one thread. Advisory: on failure the writes fault later.
void Prefault(void* p, std::size_t bytes, int threads) {
#ifdef MADV_POPULATE_WRITE
  const auto [start, length] = WholeHugePages(p, bytes);
  if (threads < 2 || length < 16 * kHugePage) return;
  const std::size_t pages = length / kHugePage;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    const std::size_t p0 = pages * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
    const std::size_t p1 =
        pages * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
    auto populate = [=, start = start] {
      ::madvise(start + p0 * kHugePage, (p1 - p0) * kHugePage, MADV_POPULATE_WRITE);
    };
    try {
      pool.emplace_back(populate);
    } catch (const std::exception&) {  // no thread to spare: do it here
      populate();
    }
  }
  for (auto& t : pool) t.join();
#else
  (void)p;
  (void)bytes;
  (void)threads;
#endif
}

struct FreeCandidates {
  void operator()(Candidate* p) const { std::free(p); }
};
using CandidateBuffer = std::unique_ptr<Candidate[], FreeCandidates>;

// Room for n candidates, uninitialised, on huge pages when n * 16 is a multiple of 2 MiB.
CandidateBuffer AllocateCandidates(std::size_t n) {
  const std::size_t bytes = n * sizeof(Candidate);
  void* p = std::aligned_alloc(bytes % kHugePage == 0 ? kHugePage : 64, (bytes + 63) / 64 * 64);
  if (p == nullptr) throw std::bad_alloc();
  AdviseHugePages(p, bytes);
  return CandidateBuffer(static_cast<Candidate*>(p));
}

constexpr std::size_t kChunk = kHugePage / sizeof(Candidate);  // candidates per chunk

struct Chunk {
  CandidateBuffer data;
  std::size_t size = 0;
};

enum class Mode { kCollect, kCount, kTopK };

// One worker's output. The kernels write through `sink`; in kTopK mode into `item` (one work
// item's candidates, pruned to top_k per A row), otherwise into the chunks.
struct Worker {
  DiceSink sink{};
  Mode mode = Mode::kCollect;
  std::size_t top_k = 0;
  std::vector<Chunk> chunks;    // filled; the last one is the sink's target in kCollect
  std::vector<Candidate> item;  // kTopK
  std::size_t prune_at = 0;     // kTopK: prune the item buffer beyond this many
  CandidateBuffer scratch;      // kCount
  std::uint64_t counted = 0;    // kCount

  void Start(Mode m, std::size_t k, std::size_t block_rows) {
    mode = m;
    top_k = k;
    sink.owner = this;
    sink.refill = &Refill;
    sink.evaluated = 0;
    if (mode == Mode::kCount) {
      scratch = AllocateCandidates(4096);
      sink.cur = scratch.get();
      sink.end = scratch.get() + 4096;
    } else if (mode == Mode::kTopK) {
      prune_at = std::max<std::size_t>(std::size_t{1} << 18, 4 * top_k * block_rows);
      item.resize(std::size_t{1} << 12);
      sink.cur = item.data();
      sink.end = item.data() + item.size();
    } else {
      sink.cur = sink.end = nullptr;
    }
  }

  static void Refill(DiceSink* s) { static_cast<Worker*>(s->owner)->MakeRoom(); }

  void MakeRoom() {
    switch (mode) {
      case Mode::kCount:
        counted += static_cast<std::uint64_t>(sink.cur - scratch.get());
        sink.cur = scratch.get();
        return;
      case Mode::kTopK: {
        std::size_t used = static_cast<std::size_t>(sink.cur - item.data());
        if (used >= prune_at) used = PruneItem(used);
        if (used * 2 > item.size()) item.resize(item.size() * 2);
        sink.cur = item.data() + used;
        sink.end = item.data() + item.size();
        return;
      }
      case Mode::kCollect:
        if (!chunks.empty()) chunks.back().size = static_cast<std::size_t>(sink.cur - Tail());
        chunks.push_back({AllocateCandidates(kChunk), 0});
        sink.cur = chunks.back().data.get();
        sink.end = sink.cur + kChunk;
        return;
    }
  }

  Candidate* Tail() { return chunks.back().data.get(); }

  // Keeps each A row's top_k of item[0, used) (rank ascending = similarity descending, then b);
  // returns how many remain, at the front.
  std::size_t PruneItem(std::size_t used) {
    std::sort(item.begin(), item.begin() + static_cast<std::ptrdiff_t>(used),
              [](const Candidate& x, const Candidate& y) {
                if (x.a != y.a) return x.a < y.a;
                if (x.similarity != y.similarity) return x.similarity < y.similarity;
                return x.b < y.b;
              });
    std::size_t kept = 0;
    std::size_t run = 0;
    for (std::size_t i = 0; i < used; ++i) {
      run = (i > 0 && item[i].a == item[i - 1].a) ? run + 1 : 0;
      if (run < top_k) item[kept++] = item[i];
    }
    return kept;
  }

  // After a work item in kTopK mode: prune and move the survivors to the chunks.
  void FlushItem() {
    const std::size_t kept = PruneItem(static_cast<std::size_t>(sink.cur - item.data()));
    for (std::size_t i = 0; i < kept; ++i) {
      if (chunks.empty() || chunks.back().size == kChunk) {
        chunks.push_back({AllocateCandidates(kChunk), 0});
      }
      chunks.back().data[chunks.back().size++] = item[i];
    }
    sink.cur = item.data();
  }

  // After the last work item: the final chunk's size, or the final count.
  void Finish() {
    if (mode == Mode::kCollect && !chunks.empty()) {
      chunks.back().size = static_cast<std::size_t>(sink.cur - Tail());
    } else if (mode == Mode::kCount) {
      counted += static_cast<std::uint64_t>(sink.cur - scratch.get());
    }
    sink.cur = sink.end = nullptr;
  }

  std::size_t Size() const {
    std::size_t n = 0;
    for (const auto& c : chunks) n += c.size;
    return n;
  }
};

// --- ordering -------------------------------------------------------------------------------

// While sorting, `similarity` holds the rank (an exact integer).
std::uint32_t RankOf(const Candidate& c) { return static_cast<std::uint32_t>(c.similarity); }

bool RankBefore(const Candidate& x, const Candidate& y) {
  if (x.similarity != y.similarity) return x.similarity < y.similarity;
  if (x.a != y.a) return x.a < y.a;
  return x.b < y.b;
}

// Sorts p[0, n) by (rank, a, b): LSD radix on the bytes of b, a and rank (least significant
// first) that are not the same in every record; `tmp` is scratch.
void SortBucket(Candidate* p, std::size_t n, std::vector<Candidate>& tmp) {
  if (n < 2) return;
  if (n <= 48) {
    for (std::size_t i = 1; i < n; ++i) {
      const Candidate x = p[i];
      std::size_t j = i;
      for (; j > 0 && RankBefore(x, p[j - 1]); --j) p[j] = p[j - 1];
      p[j] = x;
    }
    return;
  }
  // Byte d of the key: d / 4 picks b, a or the rank, d % 4 the byte.
  auto field = [](const Candidate& c, int f) { return f == 0 ? c.b : f == 1 ? c.a : RankOf(c); };
  std::uint32_t differ[3] = {0, 0, 0};
  for (std::size_t i = 1; i < n; ++i) {
    differ[0] |= p[i].b ^ p[0].b;
    differ[1] |= p[i].a ^ p[0].a;
    differ[2] |= RankOf(p[i]) ^ RankOf(p[0]);
  }
  int digits[12];
  int nd = 0;
  for (int d = 0; d < 12; ++d) {
    if (((differ[d / 4] >> (8 * (d % 4))) & 0xff) != 0) digits[nd++] = d;
  }
  std::uint32_t hist[12][256];
  std::memset(hist, 0, sizeof(std::uint32_t) * 256 * static_cast<std::size_t>(nd));
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < nd; ++k) {
      ++hist[k][(field(p[i], digits[k] / 4) >> (8 * (digits[k] % 4))) & 0xff];
    }
  }
  if (tmp.size() < n) tmp.resize(n);
  Candidate* from = p;
  Candidate* to = tmp.data();
  for (int k = 0; k < nd; ++k) {
    std::uint32_t* h = hist[k];
    std::uint32_t sum = 0;
    for (int v = 0; v < 256; ++v) sum += std::exchange(h[v], sum);
    const int f = digits[k] / 4;
    const int shift = 8 * (digits[k] % 4);
    for (std::size_t i = 0; i < n; ++i) to[h[(field(from[i], f) >> shift) & 0xff]++] = from[i];
    std::swap(from, to);
  }
  if (from != p) std::memcpy(p, from, n * sizeof(Candidate));
}

// Gathers the workers' candidates into one vector sorted by CandidateBefore (unless !sort),
// applying top_k. Frees the chunks as it goes.
core::Result<std::vector<Candidate>> Order(std::vector<Worker>& workers, const Tables& tb,
                                           int threads, std::size_t top_k, bool sort,
                                           std::size_t a_begin, std::size_t a_end) {
  std::size_t n = 0;
  for (const auto& w : workers) n += w.Size();
  std::vector<Candidate> out;
  if (n == 0) return out;
  out.reserve(n);
  AdviseHugePages(out.data(), n * sizeof(Candidate));
  Prefault(out.data(), n * sizeof(Candidate), threads);
  std::atomic<bool> abort{false};
  const auto nw = static_cast<int>(workers.size());
  const double* value = tb.rank_value.data();

  if (!sort && top_k == 0) {
    auto converted = RunWorkers(nw, abort, [&](int w) {
      for (auto& c : workers[static_cast<std::size_t>(w)].chunks) {
        for (std::size_t i = 0; i < c.size; ++i) c.data[i].similarity = value[RankOf(c.data[i])];
      }
    });
    if (!converted) return tl::unexpected(converted.error());
    for (auto& w : workers) {
      for (auto& c : w.chunks) {
        out.insert(out.end(), c.data.get(), c.data.get() + c.size);
        c.data.reset();
      }
    }
    return out;
  }

  // 1. Scatter into buckets by the rank's top bits (at most 2^16 buckets; with fewer ranks a
  //    bucket holds one similarity), every worker its own chunks.
  const std::size_t ranks = std::max<std::size_t>(tb.rank_value.size(), 1);
  const auto rank_bits = static_cast<int>(std::bit_width(ranks - 1));
  const int shift = rank_bits > 16 ? rank_bits - 16 : 0;
  const std::size_t buckets = ((ranks - 1) >> shift) + 1;
  std::vector<std::vector<std::size_t>> at(workers.size());
  auto counted = RunWorkers(nw, abort, [&](int wi) {
    auto& h = at[static_cast<std::size_t>(wi)];
    h.assign(buckets, 0);
    for (const auto& c : workers[static_cast<std::size_t>(wi)].chunks) {
      for (std::size_t i = 0; i < c.size; ++i) ++h[RankOf(c.data[i]) >> shift];
    }
  });
  if (!counted) return tl::unexpected(counted.error());
  std::vector<std::size_t> bucket_start(buckets + 1, 0);
  {
    std::size_t sum = 0;
    for (std::size_t k = 0; k < buckets; ++k) {
      bucket_start[k] = sum;
      for (std::size_t w = 0; w < workers.size(); ++w) sum += std::exchange(at[w][k], sum);
    }
    bucket_start[buckets] = sum;
  }
  out.resize(n);
  Candidate* all = out.data();
  auto scattered = RunWorkers(nw, abort, [&](int wi) {
    auto& w = workers[static_cast<std::size_t>(wi)];
    auto& pos = at[static_cast<std::size_t>(wi)];
    for (auto& c : w.chunks) {
      for (std::size_t i = 0; i < c.size; ++i) all[pos[RankOf(c.data[i]) >> shift]++] = c.data[i];
      c.data.reset();
    }
    w.chunks.clear();
  });
  if (!scattered) return tl::unexpected(scattered.error());

  // 2. Sort each bucket; without top_k, also turn ranks into similarities.
  std::atomic<std::size_t> next{0};
  auto sorted = RunWorkers(threads, abort, [&](int) {
    std::vector<Candidate> tmp;
    for (std::size_t k; (k = next.fetch_add(1)) < buckets && !abort.load();) {
      Candidate* p = all + bucket_start[k];
      const std::size_t m = bucket_start[k + 1] - bucket_start[k];
      SortBucket(p, m, tmp);
      if (top_k == 0) {
        for (std::size_t i = 0; i < m; ++i) p[i].similarity = value[RankOf(p[i])];
      }
    }
  });
  if (!sorted) return tl::unexpected(sorted.error());
  if (top_k == 0) return out;

  // 3. Keep each A row's first top_k, which are its best.
  std::vector<std::uint32_t> kept(a_end - a_begin, 0);
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Candidate c = all[i];
    if (kept[c.a - a_begin]++ >= top_k) continue;
    c.similarity = value[RankOf(c)];
    all[m++] = c;
  }
  out.resize(m);
  return out;
}

// --- the comparison -------------------------------------------------------------------------

struct Run {
  const ClkSet* a;
  const ClkSet* b;
  DiceOptions o;
  DiceKernel kernel;
  KernelOps ops;
  std::size_t a_begin;
  std::size_t a_end;
  int threads;
};

core::Result<Run> Validate(const ClkSet& a, const ClkSet& b, const DiceOptions& o) {
  if (!(o.threshold > 0.0 && o.threshold <= 1.0)) {
    return Fail(ErrorCode::kInvalidArgument,
                "Dice threshold " + std::to_string(o.threshold) + " is not in (0, 1]");
  }
  if (a.size() != 0 && b.size() != 0 && a.bits() != b.bits()) {
    return Fail(ErrorCode::kInvalidArgument, "cannot compare CLKs of " + std::to_string(a.bits()) +
                                                 " bits with CLKs of " + std::to_string(b.bits()) +
                                                 " bits");
  }
  constexpr std::size_t kMaxRows = std::size_t{1} << 32;
  if (a.size() > kMaxRows || b.size() > kMaxRows) {
    return Fail(ErrorCode::kInvalidArgument, "more than 2^32 CLKs in one set");
  }
  const std::size_t a_end = std::min(o.a_end, a.size());
  if (o.a_begin > a_end) {
    return Fail(ErrorCode::kInvalidArgument, "rows [" + std::to_string(o.a_begin) + ", " +
                                                 std::to_string(a_end) + ") of A are not a range");
  }
  auto kernel = ResolveKernel(o.kernel);
  if (!kernel) return tl::unexpected(kernel.error());
  int threads = o.threads;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return Run{&a, &b, o, *kernel, OpsFor(*kernel), o.a_begin, a_end, threads};
}

// Compares and leaves the candidates in `workers` (mode kCollect/kTopK) or their counts (kCount).
core::Status Compare(const Run& run, Mode mode, std::vector<Worker>& workers, Tables& tb,
                     DiceStats* stats) {
  const auto t0 = std::chrono::steady_clock::now();
  const ClkSet& a = *run.a;
  const ClkSet& b = *run.b;
  const std::size_t na = run.a_end - run.a_begin;
  if (stats != nullptr) {
    *stats = DiceStats{};
    stats->kernel = run.kernel;
    stats->pairs = static_cast<std::uint64_t>(na) * b.size();
  }
  if (na == 0 || b.size() == 0) return {};
  const std::size_t bits = a.bits();
  const std::size_t words = (bits + 63) / 64;
  int threads = run.threads;
  std::atomic<bool> abort{false};

  // Popcounts of A's rows and B, in parallel.
  std::vector<std::uint32_t> a_pops(na);
  std::vector<std::uint32_t> b_pops(b.size());
  auto counted = RunWorkers(threads, abort, [&](int w) {
    const auto [a0, a1] = Share(na, threads, w);
    run.ops.popcounts(a.words(0), a.stride_words(), words, run.a_begin + a0, run.a_begin + a1,
                      a_pops.data() + a0);
    const auto [b0, b1] = Share(b.size(), threads, w);
    run.ops.popcounts(b.words(0), b.stride_words(), words, b0, b1, b_pops.data() + b0);
  });
  if (!counted) return counted;
  const SortedRows as = SortByPopcount(a_pops, run.a_begin, bits);
  const SortedRows bs = SortByPopcount(b_pops, 0, bits);
  if (as.row.empty() || bs.row.empty()) return {};

  // B's tiles.
  Tiles tiles;
  tiles.count = (bs.row.size() + kLanes - 1) / kLanes;
  const std::size_t tile_words = words * kLanes;
  tiles.words.reset(
      static_cast<std::uint64_t*>(std::aligned_alloc(64, tiles.count * tile_words * 8)));
  if (!tiles.words) return Fail(ErrorCode::kInternal, "out of memory for B's tiles");
  tiles.pop.assign(tiles.count * kLanes, 0);
  tiles.row.assign(tiles.count * kLanes, 0);
  tiles.min.resize(tiles.count);
  tiles.max.resize(tiles.count);
  auto tiled = RunWorkers(threads, abort, [&](int w) {
    const auto [t0, t1] = Share(tiles.count, threads, w);
    for (std::size_t t = t0; t < t1; ++t) {
      std::uint64_t* tile = tiles.words.get() + t * tile_words;
      std::memset(tile, 0, tile_words * 8);
      for (std::size_t l = 0; l < kLanes; ++l) {
        const std::size_t i = t * kLanes + l;
        if (i >= bs.row.size()) break;
        tiles.pop[i] = bs.pop[i];
        tiles.row[i] = bs.row[i];
        const std::uint64_t* src = b.words(bs.row[i]);
        for (std::size_t k = 0; k < words; ++k) tile[k * kLanes + l] = src[k];
      }
      tiles.min[t] = bs.pop[t * kLanes];
      tiles.max[t] = bs.pop[std::min(bs.row.size(), (t + 1) * kLanes) - 1];
    }
  });
  if (!tiled) return tiled;

  tb = BuildTables(bits, run.o.threshold, as.pop.front(), as.pop.back(), bs.pop.front(),
                   bs.pop.back());

  // Work items: blocks of A rows whose filters fit in L1 × chunks of B tiles.
  const std::size_t block_rows = std::clamp<std::size_t>(32768 / (words * 8), 32, 1024);
  const std::size_t chunk_tiles =
      std::max<std::size_t>(64, (std::size_t{1} << 22) / (block_rows * kLanes));
  const std::size_t blocks = (as.row.size() + block_rows - 1) / block_rows;
  const std::size_t chunks = (tiles.count + chunk_tiles - 1) / chunk_tiles;
  const std::size_t items = blocks * chunks;
  threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), items));
  workers.resize(static_cast<std::size_t>(threads));
  for (auto& w : workers) w.Start(mode, run.o.top_k, block_rows);

  DiceJob base{};
  base.words = words;
  base.a_base = a.words(0);
  base.a_stride = a.stride_words();
  base.b_tiles = tiles.words.get();
  base.b_pop = tiles.pop.data();
  base.b_row = tiles.row.data();
  base.tile_min = tiles.min.data();
  base.tile_max = tiles.max.data();
  base.pb_lo = tb.pb_lo.data();
  base.pb_hi = tb.pb_hi.data();
  base.cmin = tb.cmin.data();
  base.rank_base = tb.rank_base.data();
  base.rank = tb.rank.data();
  const auto t1 = std::chrono::steady_clock::now();

  std::atomic<std::size_t> next{0};
  auto compared = RunWorkers(threads, abort, [&](int wi) {
    Worker& worker = workers[static_cast<std::size_t>(wi)];
    for (std::size_t id; (id = next.fetch_add(1)) < items && !abort.load();) {
      const std::size_t blk = id / chunks;
      const std::size_t chk = id % chunks;
      DiceJob job = base;
      const std::size_t r0 = blk * block_rows;
      job.a_count = std::min(block_rows, as.row.size() - r0);
      job.a_row = as.row.data() + r0;
      job.a_pop = as.pop.data() + r0;
      // The tiles any row of the block can pair with (tile_min and tile_max ascend).
      std::uint32_t lo = UINT32_MAX;
      std::uint32_t hi = 0;
      for (std::size_t i = 0; i < job.a_count; ++i) {
        lo = std::min(lo, tb.pb_lo[job.a_pop[i]]);
        hi = std::max(hi, tb.pb_hi[job.a_pop[i]]);
      }
      const std::size_t c0 = chk * chunk_tiles;
      const std::size_t c1 = std::min(tiles.count, c0 + chunk_tiles);
      job.tile_begin = static_cast<std::size_t>(
          std::lower_bound(tiles.max.begin() + static_cast<std::ptrdiff_t>(c0),
                           tiles.max.begin() + static_cast<std::ptrdiff_t>(c1), lo) -
          tiles.max.begin());
      job.tile_end = static_cast<std::size_t>(
          std::upper_bound(tiles.min.begin() + static_cast<std::ptrdiff_t>(c0),
                           tiles.min.begin() + static_cast<std::ptrdiff_t>(c1), hi) -
          tiles.min.begin());
      if (lo > hi || job.tile_begin >= job.tile_end) continue;
      run.ops.block(job, worker.sink);
      if (mode == Mode::kTopK) worker.FlushItem();
    }
    worker.Finish();
  });
  if (!compared) return compared;
  if (stats != nullptr) {
    stats->threads = threads;
    for (const auto& w : workers) stats->pairs_compared += w.sink.evaluated * kLanes;
    stats->seconds_prepare = std::chrono::duration<double>(t1 - t0).count();
    stats->seconds_compare = SecondsSince(t1);
  }
  return {};
}

}  // namespace

std::string_view DiceKernelName(DiceKernel k) {
  switch (k) {
    case DiceKernel::kAuto:
      return "auto";
    case DiceKernel::kScalar:
      return "scalar";
    case DiceKernel::kAvx2:
      return "avx2";
    case DiceKernel::kAvx512:
      return "avx512";
  }
  return "?";
}

bool DiceKernelSupported(DiceKernel k) {
  switch (k) {
    case DiceKernel::kAvx2:
      return CpuHasAvx2();
    case DiceKernel::kAvx512:
      return CpuHasAvx512();
    default:
      return true;
  }
}

DiceKernel BestDiceKernel() {
  auto k = ResolveKernel(DiceKernel::kAuto);
  return k ? *k : FastestSupported();
}

core::Result<std::vector<Candidate>> FindCandidates(const ClkSet& a, const ClkSet& b,
                                                    const DiceOptions& o, DiceStats* stats) {
  auto run = Validate(a, b, o);
  if (!run) return tl::unexpected(run.error());
  std::vector<Worker> workers;
  Tables tb;
  const Mode mode = o.top_k > 0 ? Mode::kTopK : Mode::kCollect;
  try {
    if (auto s = Compare(*run, mode, workers, tb, stats); !s) return tl::unexpected(s.error());
    const auto t = std::chrono::steady_clock::now();
    auto out = Order(workers, tb, run->threads, o.top_k, o.sort, run->a_begin, run->a_end);
    if (out && stats != nullptr) {
      stats->seconds_order = SecondsSince(t);
      stats->candidates = out->size();
    }
    return out;
  } catch (const std::bad_alloc&) {
    return Fail(ErrorCode::kInternal, "out of memory comparing CLKs");
  }
}

core::Result<std::uint64_t> CountCandidates(const ClkSet& a, const ClkSet& b, const DiceOptions& o,
                                            DiceStats* stats) {
  auto run = Validate(a, b, o);
  if (!run) return tl::unexpected(run.error());
  std::vector<Worker> workers;
  Tables tb;
  try {
    if (auto s = Compare(*run, Mode::kCount, workers, tb, stats); !s) {
      return tl::unexpected(s.error());
    }
  } catch (const std::bad_alloc&) {
    return Fail(ErrorCode::kInternal, "out of memory comparing CLKs");
  }
  std::uint64_t n = 0;
  for (const auto& w : workers) n += w.counted;
  if (stats != nullptr) stats->candidates = n;
  return n;
}

std::vector<Candidate> MergeCandidates(std::vector<std::vector<Candidate>> parts) {
  std::erase_if(parts, [](const auto& p) { return p.empty(); });
  if (parts.empty()) return {};
  while (parts.size() > 1) {
    std::vector<std::vector<Candidate>> next;
    for (std::size_t i = 0; i + 1 < parts.size(); i += 2) {
      std::vector<Candidate> merged(parts[i].size() + parts[i + 1].size());
      std::merge(parts[i].begin(), parts[i].end(), parts[i + 1].begin(), parts[i + 1].end(),
                 merged.begin(), CandidateBefore);
      parts[i].clear();
      parts[i].shrink_to_fit();
      parts[i + 1].clear();
      parts[i + 1].shrink_to_fit();
      next.push_back(std::move(merged));
    }
    if (parts.size() % 2 == 1) next.push_back(std::move(parts.back()));
    parts = std::move(next);
  }
  return std::move(parts.front());
}

}  // namespace kenes::linkage
