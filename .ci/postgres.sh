#!/usr/bin/env bash
# Make sure a throwaway PostgreSQL server for the test suite runs on 127.0.0.1:${PGPORT:-55432}.
#
#   export DATABASE_URL="$(.ci/postgres.sh)"   # start (or reuse) it; prints only the URL
#   .ci/postgres.sh stop                       # stop the cluster this script manages
#
# Idempotent: installs Debian's postgresql only when no server binaries are present, runs
# initdb only when the data directory is not initialised yet, starts the server only when
# nothing answers on the port, and creates role and database only when missing.
# Needs root (apt-get, runuser). Prints nothing on stdout but the DATABASE_URL; errors go
# to stderr. The cluster trades durability for speed (fsync off): test data only.
set -euo pipefail

PORT="${PGPORT:-55432}"
PGDATA_DIR="/tmp/clearinghouse-pg-$PORT"
LOGFILE="$PGDATA_DIR/server.log"
APP_ROLE=clearinghouse
APP_PASSWORD=clearinghouse
APP_DB=clearinghouse
URL="postgres://$APP_ROLE:$APP_PASSWORD@127.0.0.1:$PORT/$APP_DB"

die() { echo "postgres.sh: $*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "must run as root (installs packages and runs the server as user postgres)"
# The postgres user cannot enter most callers' working directories (e.g. /root).
cd /

# Serialise concurrent callers (two make/CI runs at once) for the same port.
exec 9>"/tmp/clearinghouse-pg-$PORT.lock"
flock 9

find_bindir() {
    local candidates=() dir
    shopt -s nullglob
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x $dir/initdb && -x $dir/pg_ctl ]] && candidates+=("$dir")
    done
    shopt -u nullglob
    ((${#candidates[@]})) || return 1
    # Highest major version wins.
    printf '%s\n' "${candidates[@]}" | sort -V | tail -n 1
}

install_server() {
    local log
    log="$(mktemp)"
    if ! {
        DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
    } </dev/null >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "apt-get install postgresql failed"
    fi
    rm -f "$log"
}

MODE="${1:-start}"
[[ $# -le 1 && ( $MODE == start || $MODE == stop ) ]] || die "usage: $0 [start|stop]"

BINDIR="$(find_bindir)" || {
    [[ $MODE == stop ]] && exit 0 # no server binaries: nothing can be running
    install_server
    BINDIR="$(find_bindir)" || die "postgresql installed but no /usr/lib/postgresql/*/bin/initdb found"
}
MAJOR="$(basename "$(dirname "$BINDIR")")"
id postgres >/dev/null 2>&1 || die "no postgres user (the postgresql package creates it)"
PGHOME="$(getent passwd postgres | cut -d: -f6)"

as_postgres() {
    # Clean-ish environment: no caller's PG* variables, a HOME the postgres user can read.
    runuser -u postgres -- env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGPASSWORD \
        -u PGSERVICE -u PGOPTIONS HOME="${PGHOME:-/tmp}" "$@"
}

accepting() { "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2; }

# True when postmaster.pid names a live postgres process. A pid file left by a killed
# server (or a restarted machine) may name a process that is gone, a zombie, or some
# unrelated process that got the same PID: the postmaster would then refuse to start.
postmaster_alive() {
    local pidfile="$PGDATA_DIR/postmaster.pid" pid state
    [[ -f $pidfile ]] || return 1
    pid="$(head -n 1 "$pidfile")"
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == postgres ]] || return 1
    state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null)" || return 1
    [[ $state != Z && $state != X ]]
}

stop_server() {
    if postmaster_alive; then
        as_postgres "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null
    fi
}

if [[ $MODE == stop ]]; then
    stop_server
    exit 0
fi

ensure_cluster() {
    # A data directory from another major version, or a half-finished initdb, is thrown away.
    if [[ -d $PGDATA_DIR && "$(cat "$PGDATA_DIR/PG_VERSION" 2>/dev/null)" != "$MAJOR" ]]; then
        rm -rf "$PGDATA_DIR"
    fi
    if [[ ! -d $PGDATA_DIR ]]; then
        install -d -m 0700 -o postgres -g postgres "$PGDATA_DIR"
        # Peer auth on the socket (admin as postgres), passwords over TCP (the application).
        # UTF8 explicitly: with no locale in the environment initdb would pick SQL_ASCII.
        if ! as_postgres "$BINDIR/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=peer --auth-host=scram-sha-256 >/dev/null; then
            rm -rf "$PGDATA_DIR"
            die "initdb failed"
        fi
    fi
}

start_server() {
    local opts=(
        "-c listen_addresses=127.0.0.1"
        "-c port=$PORT"
        "-c unix_socket_directories=$PGDATA_DIR"
        "-c fsync=off"
        "-c synchronous_commit=off"
        "-c full_page_writes=off"
    )
    local attempt err=""
    # A few tries: right after a crash the old server's children may still hold its shared
    # memory for a moment, and the new postmaster refuses to start until they are gone.
    for attempt in 1 2 3 4 5; do
        if ! postmaster_alive; then
            rm -f "$PGDATA_DIR/postmaster.pid" "$PGDATA_DIR/.s.PGSQL.$PORT" \
                "$PGDATA_DIR/.s.PGSQL.$PORT.lock"
        fi
        # 9>&-: the server must not inherit (and so hold forever) the lock taken above.
        if err="$(as_postgres "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$LOGFILE" -w -t 60 \
            -o "${opts[*]}" start 2>&1 >/dev/null 9>&-)"; then
            break
        fi
        if ((attempt == 5)); then
            [[ -z $err ]] || echo "$err" >&2
            tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
            die "pg_ctl start failed (log: $LOGFILE)"
        fi
        sleep 1
    done
    local i
    for ((i = 0; i < 60; i++)); do
        accepting && return 0
        sleep 0.5
    done
    tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
    die "server on 127.0.0.1:$PORT did not become ready (log: $LOGFILE)"
}

ensure_role_and_db() {
    as_postgres "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDATA_DIR" -p "$PORT" \
        -U postgres -d postgres >/dev/null <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE') THEN
        CREATE ROLE $APP_ROLE LOGIN CREATEDB PASSWORD '$APP_PASSWORD';
    END IF;
END
\$\$;
SELECT 'CREATE DATABASE $APP_DB OWNER $APP_ROLE ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$APP_DB')
\gexec
SQL
}

if accepting; then
    if [[ -S $PGDATA_DIR/.s.PGSQL.$PORT ]]; then
        ensure_role_and_db # our own cluster, already running: reuse it
    elif ! PGPASSWORD="$APP_PASSWORD" PGCONNECT_TIMEOUT=5 "$BINDIR/psql" -X -q -w \
        -h 127.0.0.1 -p "$PORT" -U "$APP_ROLE" -d "$APP_DB" -c 'select 1' >/dev/null 2>&1; then
        die "something else listens on 127.0.0.1:$PORT and $APP_ROLE cannot log in there; set PGPORT"
    fi
else
    ensure_cluster
    start_server
    ensure_role_and_db
fi

echo "$URL"
