#!/usr/bin/env bash
# HTTP benchmark: wrk against kenes (GET /healthz, authenticated GET /api/v1/me) and against
# bench/http/hello_server, a minimal Boost.Beast server that is the ceiling of this machine.
# Prints a markdown table (requests/s, p50, p99, ratio to the ceiling, server CPU per request)
# and checks the targets (/api/v1/me >= 50% of the ceiling's requests/s, p99 < 5 ms at 64
# connections). Results and analysis: docs/benchmarks.md.
#
#   make build && bench/http/run.sh          (or: make bench)
#
# Everything runs on 127.0.0.1 with servers on free ports, a fresh SQLite database in a temporary
# directory and the access log on (written to that directory, as in a real deployment); the
# servers are stopped and the directory removed on exit.
#
# Environment (all optional):
#   DURATION=10s       measured run per target (wrk -d syntax: 10s, 1m, ...)
#   WARMUP=2s          unmeasured run per target before it
#   CONNECTIONS=64     wrk -c
#   WRK_THREADS=2      wrk -t
#   SERVER_THREADS=2   threads of kenes (KENES_SERVER_THREADS) and of hello_server
#   ACCESS_LOG=file    kenes access log: "file" (default, in the temporary directory) or "off"
#   BUILD_DIR=build/release
#   KEEP_TMP=1         keep the temporary directory (database, access log, raw wrk output)
#   STRICT=1           exit 1 when a target is missed
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
KENES=$BUILD_DIR/kenes
HELLO=$BUILD_DIR/bench/http/hello_server
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
SERVER_THREADS=${SERVER_THREADS:-2}
ACCESS_LOG=${ACCESS_LOG:-file}
TARGET_RATIO=0.50
TARGET_P99_MS=5

die() {
  echo "run.sh: $*" >&2
  exit 1
}

for bin in "$KENES" "$HELLO"; do
  [[ -x $bin ]] || die "$bin is missing: run 'make build' first (the release preset builds the benchmarks)"
done
command -v wrk >/dev/null || die "wrk is not installed (Debian: apt-get install wrk)"

# "10s" / "2m" / "1h" / "10" -> seconds, for the watchdog around wrk.
seconds() {
  local d=$1
  case $d in
    *s) echo "${d%s}" ;;
    *m) echo $((${d%m} * 60)) ;;
    *h) echo $((${d%h} * 3600)) ;;
    *) echo "$d" ;;
  esac
}
[[ $ACCESS_LOG == file || $ACCESS_LOG == off ]] || die "ACCESS_LOG must be file or off"
[[ $(seconds "$DURATION") =~ ^[0-9]+$ && $(seconds "$WARMUP") =~ ^[0-9]+$ ]] ||
  die "DURATION and WARMUP must look like 10s, 1m or 10"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kenes-bench.XXXXXX")
PIDS=()

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # kenes drains in-flight requests on SIGTERM (up to its shutdown grace); don't wait longer than 15 s.
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
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

# Waits for a server's port file; fails if the server died or took more than 10 s.
wait_port() {
  local pid=$1 file=$2 log=$3
  for _ in $(seq 100); do
    if [[ -s $file ]]; then
      cat "$file"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "server (pid $pid) exited before listening"; }
    sleep 0.1
  done
  cat "$log" >&2
  die "server (pid $pid) did not listen within 10 s"
}

# --- kenes: fresh database, demo accounts, a bearer token, the server ------------------------------
DB="sqlite:$TMP/kenes.db"
"$KENES" migrate --database "$DB" 2>>"$TMP/setup.log"
"$KENES" demo load --database "$DB" >>"$TMP/setup.log" 2>&1
TOKEN=$("$KENES" token create --username mlsp.officer --name bench --database "$DB" 2>>"$TMP/setup.log")
[[ $TOKEN == kenes_* ]] || { cat "$TMP/setup.log" >&2; die "could not create a bearer token"; }

ACCESS_LOG_DEST=$TMP/access.log
[[ $ACCESS_LOG == off ]] && ACCESS_LOG_DEST=off
KENES_SERVER_THREADS=$SERVER_THREADS KENES_SERVER_ACCESS_LOG="$ACCESS_LOG_DEST" KENES_LOG_LEVEL=info \
  "$KENES" serve --database "$DB" --listen 127.0.0.1:0 --port-file "$TMP/kenes.port" \
  >"$TMP/kenes.log" 2>&1 &
KENES_PID=$!
PIDS+=("$KENES_PID")

"$HELLO" 0 --threads "$SERVER_THREADS" --port-file "$TMP/hello.port" >"$TMP/hello.log" 2>&1 &
HELLO_PID=$!
PIDS+=("$HELLO_PID")

KENES_PORT=$(wait_port "$KENES_PID" "$TMP/kenes.port" "$TMP/kenes.log")
HELLO_PORT=$(wait_port "$HELLO_PID" "$TMP/hello.port" "$TMP/hello.log")
KENES_URL="http://127.0.0.1:$KENES_PORT"
HELLO_URL="http://127.0.0.1:$HELLO_PORT"
AUTH="Authorization: Bearer $TOKEN"

# --- wrk -------------------------------------------------------------------------------------------
# Fail fast if an endpoint does not answer 200 (e.g. a token that does not authenticate).
if command -v curl >/dev/null; then
  for check in "$HELLO_URL/" "$KENES_URL/healthz" "$KENES_URL/api/v1/me"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "$AUTH" "$check" || true)
    [[ $code == 200 ]] || die "GET $check answered $code, not 200"
  done
fi

# wrk_run NAME DURATION URL [HEADER]: runs wrk under a watchdog; the raw output goes to $TMP/NAME.txt.
wrk_run() {
  local name=$1 duration=$2 url=$3 header=${4:-}
  local args=(-t "$WRK_THREADS" -c "$CONNECTIONS" -d "$duration" --timeout 5s --latency)
  [[ -n $header ]] && args+=(-H "$header")
  timeout --foreground --kill-after=5 $(($(seconds "$duration") + 30)) wrk "${args[@]}" "$url" >"$TMP/$name.txt" 2>&1 ||
    { cat "$TMP/$name.txt" >&2; die "wrk failed for $url"; }
}

# Latency as wrk prints it (e.g. 812.00us, 3.10ms, 1.02s) -> milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

declare -A RPS P50 P99 NOTE CPU_US
NAMES=(hello healthz me)
declare -A LABEL=([hello]="hello_server GET / (ceiling)" [healthz]="kenes GET /healthz"
                  [me]="kenes GET /api/v1/me (bearer)")

# CPU time (user + system, all threads) a process has used, in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
HZ=$(getconf CLK_TCK)

# measure NAME PID URL [HEADER]
measure() {
  local name=$1 pid=$2 url=$3 header=${4:-}
  echo "run.sh: $name: warm-up $WARMUP, then $DURATION at $CONNECTIONS connections" >&2
  wrk_run "$name-warmup" "$WARMUP" "$url" "$header"
  local before after
  before=$(cpu_ticks "$pid")
  wrk_run "$name" "$DURATION" "$url" "$header"
  after=$(cpu_ticks "$pid")
  local out=$TMP/$name.txt
  RPS[$name]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  P50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  P99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  local total non2xx errors
  total=$(awk '/ requests in / {print $1}' "$out")
  non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$out")
  errors=$(sed -n 's/^ *Socket errors: *//p' "$out")
  NOTE[$name]="$total${errors:+; socket errors: $errors}"
  [[ -n ${RPS[$name]} && -n ${P99[$name]} ]] || { cat "$out" >&2; die "could not parse wrk output for $name"; }
  # Error responses would be the figures of something else than the endpoint under test.
  [[ -z $non2xx ]] || { cat "$out" >&2; die "$name: $non2xx responses were not 2xx/3xx"; }
  # Server CPU per request: less sensitive than req/s to what else the machine is doing.
  CPU_US[$name]=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$total" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
}

measure hello "$HELLO_PID" "$HELLO_URL/"
measure healthz "$KENES_PID" "$KENES_URL/healthz"
measure me "$KENES_PID" "$KENES_URL/api/v1/me" "$AUTH"

# Stop kenes now so that its access log is flushed, then count the lines it wrote.
kill -TERM "$KENES_PID"
wait "$KENES_PID" 2>/dev/null || true
ACCESS_LINES=$(wc -l <"$TMP/access.log" 2>/dev/null || echo 0)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo
echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency, 127.0.0.1, server threads $SERVER_THREADS," \
  "$(nproc) CPUs shared by wrk and the server, kenes access log: $ACCESS_LOG"
echo
echo "| target | req/s | p50 (ms) | p99 (ms) | req/s vs ceiling | server CPU µs/req | requests (all 200) |"
echo "|---|---:|---:|---:|---:|---:|---|"
for n in "${NAMES[@]}"; do
  echo "| ${LABEL[$n]} | ${RPS[$n]} | ${P50[$n]} | ${P99[$n]} | $(ratio "${RPS[$n]}" "${RPS[hello]}") | ${CPU_US[$n]} | ${NOTE[$n]} |"
done
echo
[[ $ACCESS_LOG == off ]] || echo "kenes access log: $ACCESS_LINES lines"

ME_RATIO=$(ratio "${RPS[me]}" "${RPS[hello]}")
ok_ratio=$(awk -v r="$ME_RATIO" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t) ? "met" : "MISSED" }')
ok_p99=$(awk -v p="${P99[me]}" -v t="$TARGET_P99_MS" 'BEGIN { print (p < t) ? "met" : "MISSED" }')
echo "target /api/v1/me req/s >= ${TARGET_RATIO} x ceiling: $ok_ratio ($ME_RATIO)"
echo "target /api/v1/me p99 < ${TARGET_P99_MS} ms at $CONNECTIONS connections: $ok_p99 (${P99[me]} ms)"
if [[ ${STRICT:-0} == 1 && ($ok_ratio != met || $ok_p99 != met) ]]; then
  exit 1
fi
