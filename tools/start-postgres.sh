#!/usr/bin/env bash
# Start a private PostgreSQL server for the tests (idempotent) and print its SQLAlchemy URL.
#
# Uses the Debian `postgresql` package's binaries but its own cluster under /tmp, so it needs
# no running system cluster and touches none. Safe to run again and from several processes at
# once: a running server is reused, the role and database are created only if missing.
#
# Environment: LOA_PG_PORT (default 54329), LOA_PG_DIR (default /tmp/loa-postgres-$PORT).
# The last line printed on stdout is the URL; progress goes to stderr.
set -euo pipefail

PORT="${LOA_PG_PORT:-54329}"
BASE="${LOA_PG_DIR:-/tmp/loa-postgres-$PORT}"
DATA="$BASE/data"
ROLE=loa
PASSWORD=loa
DATABASE=loa_test
URL="postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"

say() { echo "start-postgres: $*" >&2; }
die() { say "$*"; exit 1; }

# The newest installed server binaries (pg_ctl and initdb are not on PATH on Debian).
BIN=""
for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do BIN="$dir"; done
if [ -z "$BIN" ] && command -v pg_ctl >/dev/null 2>&1; then BIN="$(dirname "$(command -v pg_ctl)")"; fi
[ -n "$BIN" ] && [ -x "$BIN/pg_ctl" ] && [ -x "$BIN/initdb" ] \
    || die "không tìm thấy PostgreSQL (pg_ctl, initdb): cài gói Debian 'postgresql'"

# PostgreSQL refuses to run as root: as root, run the server as the `postgres` system user.
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "không có người dùng hệ thống 'postgres'"
    RUN_USER=postgres
    as_pg() { runuser -u postgres -- "$@"; }
else
    RUN_USER="$(id -un)"
    as_pg() { "$@"; }
fi

mkdir -p "$BASE"
[ "$(id -u)" -eq 0 ] && chown "$RUN_USER" "$BASE"
chmod 700 "$BASE"

# One starter at a time (parallel test runs may call this together).
exec 9>"$BASE.lock"
flock -w 120 9 || die "hết thời gian chờ khoá $BASE.lock"

running() { "$BIN/pg_isready" -q -h "$BASE" -p "$PORT" >/dev/null 2>&1; }

if ! running; then
    if [ ! -f "$DATA/PG_VERSION" ]; then
        say "initdb $DATA"
        rm -rf "$DATA"
        as_pg "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
            --auth-local=trust --auth-host=scram-sha-256 >"$BASE/initdb.log" 2>&1 \
            || { cat "$BASE/initdb.log" >&2; die "initdb thất bại"; }
    fi
    say "starting the server on 127.0.0.1:$PORT"
    # fsync off: a throw-away test cluster trades durability for speed. `9>&-`: the server
    # must not inherit the lock's descriptor, or the lock would be held as long as it runs.
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$BASE/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$BASE -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >&2 9>&- || { tail -n 30 "$BASE/server.log" >&2 || true; die "không khởi động được PostgreSQL (xem $BASE/server.log)"; }
fi
running || die "PostgreSQL trên cổng $PORT không trả lời"

psql_admin() { as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$BASE" -p "$PORT" -U postgres -d postgres "$@"; }

if [ "$(psql_admin -tA -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
    psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD' CREATEDB"
fi
if [ "$(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $DATABASE OWNER $ROLE"
fi

echo "$URL"
