#!/usr/bin/env bash
# Installs the Debian 12 packages Kenes builds, tests and benchmarks with; only what is missing.
# Needs root (or sudo) when something is missing; does nothing otherwise.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost-dev libsqlite3-dev libsoci-dev libpq-dev postgresql-15
  libsodium-dev libssl-dev libicu-dev libxlsxwriter-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libexpected-dev libtomlplusplus-dev libgtest-dev libgmock-dev libbenchmark-dev libcsv-dev libcmark-dev
  libopenmpi-dev openmpi-bin wrk curl sqlite3 libkainjow-mustache-dev chromium
)
# `--bench` adds what only the benchmarks need (the pandas baseline, GNU time for peak memory).
if [ "${1:-}" = "--bench" ]; then packages+=(python3-pandas time); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# The web console builds with Vite 7 and tests with playwright-core, which need Node.js >= 20.19
# (Debian 12's own nodejs is 18). This machine kind has Node.js 20 with npm 11 already.
check_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "kenes: Node.js >= 20.19 and npm are needed for the web console (not found)" >&2
    return 1
  fi
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "kenes: Node.js >= 20.19 is needed for the web console (found $(node --version))" >&2
    return 1
  fi
}

if [ ${#missing[@]} -eq 0 ]; then check_node; exit $?; fi

echo "kenes: installing missing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "kenes: these packages are missing and this is not root: ${missing[*]}" >&2
    exit 1
  fi
fi
# Tests start their own throwaway PostgreSQL; keep the package from creating and starting one.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.d/kenes.conf >/dev/null
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
check_node
