#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests: loopback only, trust auth, no
# fsync, state in /tmp/berth-test-pg-$PGPORT. initdb and pg_ctl refuse to run
# as root, so as root they run as the `postgres` user.
#
#   tests/support/postgres.sh start   # starts (or finds running) and prints the admin URL
#   tests/support/postgres.sh url     # prints the URL
#   tests/support/postgres.sh stop    # stops it and deletes its files
set -euo pipefail

PORT="${PGPORT:-55432}"
STATE="/tmp/berth-test-pg-${PORT}"
DATA="${STATE}/data"
LOG="${STATE}/server.log"
URL="postgresql://postgres@127.0.0.1:${PORT}/postgres"

bindir() {
  if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" ]] || { echo "postgres.sh: no PostgreSQL server found (apt-get install postgresql-15, or set PG_BIN)" >&2; exit 1; }
  echo "$dir"
}
BIN="$(bindir)"

as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() {
  [[ -f "${DATA}/postmaster.pid" ]] && as_owner "${BIN}/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null
}

start() {
  if running; then echo "$URL"; return; fi
  if port_taken; then
    echo "postgres.sh: port ${PORT} is in use by something else; set PGPORT to a free port" >&2
    exit 1
  fi
  if [[ ! -f "${DATA}/PG_VERSION" ]]; then
    rm -rf "$STATE"
    mkdir -p "$STATE"
    if [[ "$(id -u)" == 0 ]]; then chown postgres: "$STATE"; fi
    as_owner "${BIN}/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale >"${STATE}/initdb.log" 2>&1 ||
      { cat "${STATE}/initdb.log" >&2; exit 1; }
  fi
  # The socket goes into the state dir: /var/run/postgresql may not exist or be ours.
  as_owner "${BIN}/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-h 127.0.0.1 -p ${PORT} -k ${STATE} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null 9>&- || { cat "$LOG" >&2; exit 1; }
  echo "$URL"
}

stop() {
  if running; then as_owner "${BIN}/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
  rm -rf "$STATE"
}

# One caller at a time per port (parallel ctest runs, a developer's shell).
exec 9>"/tmp/berth-test-pg-${PORT}.lock"
flock 9

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
