#!/usr/bin/env bash
# Runs "$@" with a throwaway PostgreSQL 15 server listening only on a Unix socket in a fresh
# temporary directory (no systemd, no TCP), exported as KENES_TEST_POSTGRES_URL, and with
# KENES_TEST_REQUIRE_POSTGRES=1 so that PostgreSQL tests fail rather than skip. Stops and removes
# the server afterwards, whatever happens; exits with the command's status.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
[ -x "$PGBIN/initdb" ] || { echo "with-postgres: $PGBIN/initdb not found (apt-get install postgresql-15)" >&2; exit 1; }
root=$(mktemp -d /tmp/kenes-pg.XXXXXX)
port=5432
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$root"   # initdb and postgres refuse to run as root
  as=(runuser -u postgres --)
fi
stop() {
  "${as[@]}" "$PGBIN/pg_ctl" -D "$root/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap stop EXIT
"${as[@]}" "$PGBIN/initdb" -D "$root/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
  >"$root/initdb.log" 2>&1 || { cat "$root/initdb.log" >&2; exit 1; }
"${as[@]}" "$PGBIN/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 60 \
  -o "-p $port -k $root -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null || { cat "$root/server.log" >&2; exit 1; }
"${as[@]}" "$PGBIN/createdb" -h "$root" -p "$port" kenes_test
export KENES_TEST_POSTGRES_URL="postgresql://postgres@/kenes_test?host=$root&port=$port"
export KENES_TEST_REQUIRE_POSTGRES=1
echo "with-postgres: PostgreSQL 15 on $root (socket only)" >&2
set +e
"$@"
status=$?
set -e
exit $status
