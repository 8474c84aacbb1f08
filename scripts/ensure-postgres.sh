#!/usr/bin/env bash
# A PostgreSQL server for the feedback store's tests: installs Debian's `postgresql` if missing,
# starts a throw-away cluster on loopback (data in $RLCODE_PG_DIR, port $RLCODE_PG_PORT), creates
# the test role and database, and prints its URL (what RLCODE_TEST_PG_URL should be). Idempotent:
# a cluster already answering is reused.
set -euo pipefail

PORT="${RLCODE_PG_PORT:-55432}"
DATA="${RLCODE_PG_DIR:-/tmp/rlcode-pg}"
DB=rlcode_test
ROLE=rlcode
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
if [[ -z "$(bindir)" ]]; then
  echo "installing postgresql from Debian's archive" >&2
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql >&2
fi
BIN="$(bindir)"

# The server refuses to run as root: as root, the cluster belongs to the postgres user.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    mkdir -p "$DATA"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$DATA"
    chmod 700 "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 >&2
  fi
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >&2
fi

psql_admin() { "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
[[ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='$ROLE'")" == 1 ]] \
  || psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB" >&2
[[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname='$DB'")" == 1 ]] \
  || psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2

echo "postgresql://$ROLE@127.0.0.1:$PORT/$DB"
