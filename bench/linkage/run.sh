#!/usr/bin/env bash
# Dice comparison benchmark: kenes::linkage::FindCandidates (src/linkage/engine/dice.h) on random
# 1024-bit CLKs against a scalar baseline, all in one process (bench/linkage/dice_bench.cc).
# Prints the markdown tables of dice_bench and checks the targets. Results and analysis:
# docs/benchmarks.md.
#
#   make build && bench/linkage/run.sh
#
#   1. comparison-bound: N × N CLKs (density 0.5) at THRESHOLD (no candidates): the baseline (a
#      plain all-pairs loop of scalar __builtin_popcountll over 16 words with the test
#      2·c >= t·(pa + pb) in double; bench/linkage/baseline.cc, its own translation unit compiled
#      with -O3 -mpopcnt and no AVX flags, so it stays scalar) on one thread, then each kernel
#      (scalar, avx2, avx512) with each thread count; comparisons/s count the whole
#      FindCandidates call. Targets, for the kernel BestDiceKernel() picks: >= 3× the baseline
#      on 1 thread, >= 5.5× on 2 threads.
#   2. output-bound: OUT_N × OUT_N CLKs at OUT_THRESHOLD (about half the pairs are candidates):
#      candidates/s produced (written to the workers' buffers: preparation + comparison), as one
#      unsorted vector, and sorted (the whole call). Target: >= 100 M candidates/s produced with
#      THREADS threads by the best kernel.
# Every figure is the median of RUNS runs; other programs running on the machine move them.
#
# Environment (all optional):
#   N=20000  THRESHOLD=0.8  OUT_N=10000  OUT_THRESHOLD=0.5  RUNS=3  THREADS=2  SEED=1
#   KERNELS=scalar,avx2,avx512   (the ones this CPU lacks are skipped)
#   BUILD_DIR=build/release
#   STRICT=1             exit 1 when a target is missed
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
BENCH=$BUILD_DIR/bench/linkage/dice_bench
N=${N:-20000}
THRESHOLD=${THRESHOLD:-0.8}
OUT_N=${OUT_N:-10000}
OUT_THRESHOLD=${OUT_THRESHOLD:-0.5}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
KERNELS=${KERNELS:-scalar,avx2,avx512}
TARGET_RATIO_1=3
TARGET_RATIO_2=5.5
TARGET_CANDIDATES_PER_S=100

die() {
  echo "run.sh: $*" >&2
  exit 1
}

for v in N OUT_N RUNS THREADS SEED; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"
done
((N > 0 && OUT_N > 0 && RUNS > 0 && THREADS > 0)) || die "N, OUT_N, RUNS and THREADS must be > 0"
[[ -x $BENCH ]] || die "$BENCH is missing: run 'make build' first (the release preset builds the benchmarks)"

THREAD_LIST=1
((THREADS > 1)) && THREAD_LIST="1,$THREADS"

OUT=$(mktemp "${TMPDIR:-/tmp}/kenes-dice-bench.XXXXXX")
trap 'rm -f "$OUT"' EXIT
echo "run.sh: $BENCH --runs $RUNS --n $N --threshold $THRESHOLD --out-n $OUT_N" \
  "--out-threshold $OUT_THRESHOLD --threads $THREAD_LIST --kernels $KERNELS --seed $SEED" >&2
"$BENCH" --runs "$RUNS" --n "$N" --threshold "$THRESHOLD" --out-n "$OUT_N" \
  --out-threshold "$OUT_THRESHOLD" --threads "$THREAD_LIST" --kernels "$KERNELS" --seed "$SEED" |
  tee "$OUT"

# --- targets ------------------------------------------------------------------------------------
BEST=$(sed -n 's/.*BestDiceKernel() = \([a-z0-9]*\).*/\1/p' "$OUT")
# The "× baseline" column (6th cell) of the comparison table's row for kernel $1 and threads $2.
ratio() { awk -F'|' -v k="kenes $1" -v t="$2" '$2 ~ "^ *"k" *$" && $3 + 0 == t { gsub(/ /, "", $7); print $7; exit }' "$OUT"; }
# The "produced" M candidates/s of the output table's row for kernel $1 and threads $2.
produced() { awk -F'|' -v k="$1" -v t="$2" '$2 ~ "^ *"k" *$" && $3 + 0 == t && NF > 8 { split($5, p, " "); print p[1]; exit }' "$OUT"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a >= b) }'; }
verdict() { if ge "$1" "$2"; then echo met; else echo MISSED; fi; }

R1=$(ratio "$BEST" 1)
RT=$(ratio "$BEST" "$THREADS")
P=$(produced "$BEST" "$THREADS")
V1=$(verdict "$R1" "$TARGET_RATIO_1")
VT=met
((THREADS > 1)) && VT=$(verdict "$RT" "$TARGET_RATIO_2")
VP=$(verdict "$P" "$TARGET_CANDIDATES_PER_S")
echo "| target ($BEST kernel) | result | verdict |"
echo "|---|---|---|"
echo "| ≥ ${TARGET_RATIO_1}× the baseline's comparisons/s, 1 thread, $N × $N at t = $THRESHOLD | ${R1:-?}× | $V1 |"
if ((THREADS > 1)); then
  echo "| ≥ ${TARGET_RATIO_2}× the baseline's comparisons/s, $THREADS threads | ${RT:-?}× | $VT |"
fi
echo "| ≥ $TARGET_CANDIDATES_PER_S M candidates/s produced, $THREADS threads, $OUT_N × $OUT_N at t = $OUT_THRESHOLD | ${P:-?} M/s | $VP |"

# --- encoding and FEBRL4 end to end (bench/linkage/encode_bench.cc) -----------------------------
# ENCODE_N synthetic records drawn column by column from FEBRL4 (a tenth of values corrupted), on
# 1 and 2 threads; then FEBRL4 itself: encode both files, match at 0.8, solve, score.
ENCODE_BENCH=$BUILD_DIR/bench/linkage/encode_bench
ENCODE_N=${ENCODE_N:-1000000}
echo
echo "run.sh: $ENCODE_BENCH $ROOT/testdata/febrl4 $ENCODE_N $RUNS" >&2
"$ENCODE_BENCH" "$ROOT/testdata/febrl4" "$ENCODE_N" "$RUNS"

if [[ ${STRICT:-0} == 1 && "$V1$VT$VP" == *MISSED* ]]; then
  exit 1
fi
