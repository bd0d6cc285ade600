#!/usr/bin/env bash
# Payroll benchmark: `kenes payroll check` end to end (read, check, write findings) on ROWS
# synthetic payslips (bench/payroll/generate.cc), against the same minimum-wage check written in
# vectorised pandas (bench/payroll/nmw_pandas.py). Prints a markdown table (rows/s, seconds, peak
# RSS, pandas rows/s, the ratio) and checks the targets: >= 5 million rows/s with 2 threads, peak
# RSS < 256 MB, >= 15x the pandas script's rows/s. Results and analysis: docs/benchmarks.md.
#
#   make build && bench/payroll/run.sh          (or: make bench)
#
# Steps, all in a temporary directory removed on exit:
#   1. payroll_generate writes ROWS rows (seed SEED);
#   2. equivalence: kenes and the pandas script on the first SAMPLE_ROWS rows must report the
#      same nmw.underpayment rows (line, worker, PRP start, required, paid and shortfall pence),
#      or the run fails;
#   3. kenes payroll check --threads THREADS, RUNS times under /usr/bin/time -v (wall time, max
#      RSS); the median is reported. The input file is in the page cache (just written), and
#      `sync` runs before each run so that no earlier writeback lands in it; the findings file
#      is deleted after each run;
#   4. the pandas script on the first PANDAS_ROWS rows of the same file, PANDAS_RUNS times; its
#      rows/s are counted from reading the CSV to writing its findings (without the interpreter's
#      start-up and imports, which favours pandas); the wall time of the whole process is shown too.
#
# Environment (all optional):
#   ROWS=10000000        rows generated and checked by kenes
#   PANDAS_ROWS=1000000  rows the pandas script reads (a prefix of the same file; 0 = all)
#   SAMPLE_ROWS=200000   rows of the equivalence check
#   RUNS=3  PANDAS_RUNS=3  THREADS=2  SEED=20261101  AS_OF=2026-11-01
#   KENES_ARGS=""        extra arguments for the timed kenes runs, e.g. "--lang all"
#   BUILD_DIR=build/release
#   PYTHON=/usr/bin/python3   (Debian's python3-pandas)
#   PANDAS_SCRIPT=bench/payroll/nmw_pandas.py   (another baseline script, same interface)
#   KEEP_TMP=1           keep the temporary directory
#   STRICT=1             exit 1 when a target is missed
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
KENES=$BUILD_DIR/kenes
GENERATE=$BUILD_DIR/bench/payroll/payroll_generate
PANDAS_SCRIPT=${PANDAS_SCRIPT:-$ROOT/bench/payroll/nmw_pandas.py}
PYTHON=${PYTHON:-/usr/bin/python3}
ROWS=${ROWS:-10000000}
PANDAS_ROWS=${PANDAS_ROWS:-1000000}
SAMPLE_ROWS=${SAMPLE_ROWS:-200000}
RUNS=${RUNS:-3}
PANDAS_RUNS=${PANDAS_RUNS:-3}
THREADS=${THREADS:-2}
SEED=${SEED:-20261101}
AS_OF=${AS_OF:-2026-11-01}
read -r -a KENES_EXTRA <<<"${KENES_ARGS:-}"
TARGET_ROWS_PER_S=5000000
TARGET_RSS_MB=256
TARGET_RATIO=15

die() {
  echo "run.sh: $*" >&2
  exit 1
}

for v in ROWS PANDAS_ROWS SAMPLE_ROWS RUNS PANDAS_RUNS THREADS SEED; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"
done
((ROWS > 0 && RUNS > 0 && PANDAS_RUNS > 0 && THREADS > 0)) || die "ROWS, RUNS, PANDAS_RUNS and THREADS must be > 0"
((PANDAS_ROWS == 0 || PANDAS_ROWS > ROWS)) && PANDAS_ROWS=$ROWS
((SAMPLE_ROWS == 0 || SAMPLE_ROWS > ROWS)) && SAMPLE_ROWS=$ROWS

for bin in "$KENES" "$GENERATE"; do
  [[ -x $bin ]] || die "$bin is missing: run 'make build' first (the release preset builds the benchmarks)"
done

# apt_install PACKAGE: installs a missing Debian package (as root, or with sudo).
apt_install() {
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "$1 is missing and this is not root: apt-get install $1"
    sudo=sudo
  fi
  echo "run.sh: installing $1 (apt)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$1" >&2
}
[[ -x /usr/bin/time ]] || apt_install time
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian: apt-get install time)"
if ! "$PYTHON" -c 'import pandas, numpy' 2>/dev/null; then
  [[ $PYTHON == /usr/bin/python3 ]] && apt_install python3-pandas
  "$PYTHON" -c 'import pandas, numpy' 2>/dev/null || die "$PYTHON cannot import pandas (Debian: apt-get install python3-pandas)"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kenes-payroll-bench.XXXXXX")
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    echo "run.sh: kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34" in a `time -v` report -> seconds.
wall_seconds() {
  awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, p, ":"); s = 0
    for (i = 1; i <= n; i++) s = s * 60 + p[i]
    printf "%.2f", s }' "$1"
}
max_rss_kb() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
median() { sort -g | awk '{v[NR] = $1} END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN { printf f, (b > 0 ? a / b : 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
group() { printf "%'d" "$1" 2>/dev/null || echo "$1"; }

# kenes_check INPUT OUTPUT LOG TIMEFILE ROWS [ARGS...]: one run; fails unless every row was read
# and none rejected.
kenes_check() {
  local input=$1 output=$2 log=$3 timefile=$4 rows=$5 status=0
  shift 5
  /usr/bin/time -v -o "$timefile" "$KENES" payroll check --input "$input" --output "$output" \
    --threads "$THREADS" --as-of "$AS_OF" "$@" 2>"$log" || status=$?
  ((status == 0)) || { cat "$log" >&2; die "kenes payroll check exited with $status on $input"; }
  grep -q "^kenes: payroll: $rows rows read, 0 rejected" "$log" ||
    { cat "$log" >&2; die "kenes did not read $rows rows without rejects"; }
}

# --- 1. the input -------------------------------------------------------------------------------
INPUT=$TMP/payslips.csv
echo "run.sh: generating $ROWS rows (seed $SEED)" >&2
/usr/bin/time -v -o "$TMP/generate.time" "$GENERATE" --rows "$ROWS" --seed "$SEED" --output "$INPUT"
INPUT_MB=$(div "$(stat -c %s "$INPUT")" 1048576)
echo "run.sh: $INPUT_MB MiB in $(wall_seconds "$TMP/generate.time") s" >&2

# --- 2. equivalence on a sample -----------------------------------------------------------------
echo "run.sh: equivalence of kenes and pandas on the first $SAMPLE_ROWS rows" >&2
head -n $((SAMPLE_ROWS + 1)) "$INPUT" >"$TMP/sample.csv"
kenes_check "$TMP/sample.csv" "$TMP/sample.kenes.csv" "$TMP/sample.kenes.log" "$TMP/sample.kenes.time" "$SAMPLE_ROWS"
"$PYTHON" "$PANDAS_SCRIPT" "$TMP/sample.csv" "$TMP/sample.pandas.csv" 2>"$TMP/sample.pandas.log" ||
  { cat "$TMP/sample.pandas.log" >&2; die "the pandas script failed on the sample"; }
# kenes: line,worker_ref,period_start,rule,severity,required,paid,shortfall,... (the first nine
# fields are never quoted: refs are plain, the rest numbers and names; only messages are).
awk -F, 'NR > 1 && $4 == "nmw.underpayment" { print $1 "," $2 "," $3 "," $6 "," $7 "," $8 }' \
  "$TMP/sample.kenes.csv" | sort -t, -k1,1n >"$TMP/sample.kenes.nmw"
awk -F, 'NR > 1 { print $1 "," $2 "," $3 "," $4 "," $5 "," $6 }' "$TMP/sample.pandas.csv" |
  sort -t, -k1,1n >"$TMP/sample.pandas.nmw"
SAMPLE_UNDERPAID=$(wc -l <"$TMP/sample.kenes.nmw")
if ! cmp -s "$TMP/sample.kenes.nmw" "$TMP/sample.pandas.nmw"; then
  echo "run.sh: kenes (<) and pandas (>) differ on nmw.underpayment (line,worker,start,required,paid,shortfall):" >&2
  diff "$TMP/sample.kenes.nmw" "$TMP/sample.pandas.nmw" | head -20 >&2 || true
  die "EQUIVALENCE FAILED: kenes $SAMPLE_UNDERPAID rows, pandas $(wc -l <"$TMP/sample.pandas.nmw") rows"
fi
((SAMPLE_UNDERPAID > 0)) || die "the sample has no underpaid rows: the equivalence check proves nothing"
echo "run.sh: equivalent: the same $SAMPLE_UNDERPAID underpaid rows and shortfalls" >&2

# --- 3. kenes -----------------------------------------------------------------------------------
KENES_WALLS=()
KENES_RSS=()
for run in $(seq "$RUNS"); do
  echo "run.sh: kenes payroll check --threads $THREADS ${KENES_ARGS:-}, run $run of $RUNS" >&2
  sync  # so that writing back the input or an earlier run's output does not land in this run
  kenes_check "$INPUT" "$TMP/findings.csv" "$TMP/kenes.$run.log" "$TMP/kenes.$run.time" "$ROWS" \
    ${KENES_EXTRA[@]+"${KENES_EXTRA[@]}"}
  KENES_WALLS+=("$(wall_seconds "$TMP/kenes.$run.time")")
  KENES_RSS+=("$(max_rss_kb "$TMP/kenes.$run.time")")
  FINDINGS_MB=$(div "$(stat -c %s "$TMP/findings.csv")" 1048576)
  head -n 1 "$TMP/findings.csv" >"$TMP/findings.header"
  FINDINGS_ROWS=$(sed -n 's/^.* rejected, \([0-9]*\) with findings.*$/\1/p' "$TMP/kenes.$run.log")
  NMW_ROWS=$(awk '$1 == "nmw.underpayment" {print $2}' "$TMP/kenes.$run.log")
  rm -f "$TMP/findings.csv"
done
KENES_WALL=$(printf '%s\n' "${KENES_WALLS[@]}" | median)
KENES_RSS_MAX=$(printf '%s\n' "${KENES_RSS[@]}" | sort -n | tail -1)
KENES_RSS_MB=$(div "$KENES_RSS_MAX" 1024 %.1f)
KENES_RPS=$(div "$ROWS" "$KENES_WALL")

# --- 4. pandas ----------------------------------------------------------------------------------
PANDAS_SECS=()
PANDAS_WALLS=()
PANDAS_RSS=()
for run in $(seq "$PANDAS_RUNS"); do
  echo "run.sh: pandas on the first $PANDAS_ROWS rows, run $run of $PANDAS_RUNS" >&2
  sync
  /usr/bin/time -v -o "$TMP/pandas.$run.time" "$PYTHON" "$PANDAS_SCRIPT" "$INPUT" "$TMP/pandas.csv" \
    --rows "$PANDAS_ROWS" 2>"$TMP/pandas.$run.log" || { cat "$TMP/pandas.$run.log" >&2; die "the pandas script failed"; }
  grep -q "^rows=$PANDAS_ROWS " "$TMP/pandas.$run.log" || { cat "$TMP/pandas.$run.log" >&2; die "pandas did not read $PANDAS_ROWS rows"; }
  PANDAS_SECS+=("$(sed -n 's/^.*seconds=\([0-9.]*\).*$/\1/p' "$TMP/pandas.$run.log")")
  PANDAS_WALLS+=("$(wall_seconds "$TMP/pandas.$run.time")")
  PANDAS_RSS+=("$(max_rss_kb "$TMP/pandas.$run.time")")
  rm -f "$TMP/pandas.csv"
done
PANDAS_SEC=$(printf '%s\n' "${PANDAS_SECS[@]}" | median)
PANDAS_WALL=$(printf '%s\n' "${PANDAS_WALLS[@]}" | median)
PANDAS_RSS_MB=$(div "$(printf '%s\n' "${PANDAS_RSS[@]}" | sort -n | tail -1)" 1024 %.1f)
PANDAS_RPS=$(div "$PANDAS_ROWS" "$PANDAS_SEC")
PANDAS_RPS_WALL=$(div "$PANDAS_ROWS" "$PANDAS_WALL")
RATIO=$(div "$KENES_RPS" "$PANDAS_RPS" %.1f)
RATIO_WALL=$(div "$KENES_RPS" "$PANDAS_RPS_WALL" %.1f)

# --- report -------------------------------------------------------------------------------------
verdict() { if ge "$1" "$2"; then echo met; else echo MISSED; fi; }
V_RPS=$(verdict "$KENES_RPS" "$TARGET_ROWS_PER_S")
V_RSS=$(verdict "$TARGET_RSS_MB" "$KENES_RSS_MB")
ge "$KENES_RSS_MB" "$TARGET_RSS_MB" && V_RSS=MISSED
V_RATIO=$(verdict "$RATIO" "$TARGET_RATIO")

echo
echo "$(nproc) CPUs, kenes --threads $THREADS${KENES_ARGS:+ $KENES_ARGS}, $ROWS rows ($INPUT_MB MiB, in the page cache)," \
  "$FINDINGS_ROWS rows with findings ($NMW_ROWS nmw.underpayment), findings file $FINDINGS_MB MiB" \
  "(header: $(head -c 300 "$TMP/findings.header"));" \
  "pandas $("$PYTHON" -c 'import pandas; print(pandas.__version__)') on the first $PANDAS_ROWS rows;" \
  "equivalence: $SAMPLE_UNDERPAID identical underpaid rows in the first $SAMPLE_ROWS"
echo
echo "| | rows | seconds (median) | runs (s) | rows/s | peak RSS |"
echo "|---|---:|---:|---|---:|---:|"
echo "| kenes payroll check | $(group "$ROWS") | $KENES_WALL | ${KENES_WALLS[*]} | $(group "$KENES_RPS") | $KENES_RSS_MB MB |"
echo "| pandas (read → write) | $(group "$PANDAS_ROWS") | $PANDAS_SEC | ${PANDAS_SECS[*]} | $(group "$PANDAS_RPS") | $PANDAS_RSS_MB MB |"
echo "| pandas (whole process) | $(group "$PANDAS_ROWS") | $PANDAS_WALL | ${PANDAS_WALLS[*]} | $(group "$PANDAS_RPS_WALL") | |"
echo
echo "| target | result | verdict |"
echo "|---|---|---|"
echo "| ≥ $(group $TARGET_ROWS_PER_S) rows/s, $THREADS threads, end to end | $(group "$KENES_RPS") rows/s | $V_RPS |"
echo "| peak RSS < $TARGET_RSS_MB MB for $(group "$ROWS") rows | $KENES_RSS_MB MB | $V_RSS |"
echo "| ≥ ${TARGET_RATIO}× pandas rows/s | ${RATIO}× (${RATIO_WALL}× against pandas' whole process) | $V_RATIO |"

if [[ ${STRICT:-0} == 1 && "$V_RPS$V_RSS$V_RATIO" == *MISSED* ]]; then
  exit 1
fi
