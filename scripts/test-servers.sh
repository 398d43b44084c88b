#!/usr/bin/env bash
# Private PostgreSQL and Redis servers for the backend conformance tests (issue #8).
#
#   scripts/test-servers.sh start [STATE_DIR]       start both, write STATE_DIR/env
#   scripts/test-servers.sh stop  [STATE_DIR]       stop both, delete their data
#   scripts/test-servers.sh env   [STATE_DIR]       print `export OL_TEST_..._URL=...` lines
#   scripts/test-servers.sh run   [STATE_DIR] -- CMD [ARG...]   run CMD with those variables
#
# STATE_DIR defaults to $OL_TEST_SERVERS_DIR, else build/test-servers. ctest uses
# <build dir>/test-servers through a fixture (tests/unit/CMakeLists.txt): a setup test starts
# the servers, the conformance suites run under `run`, a cleanup test stops them.
#
# Each server listens on 127.0.0.1 only, on an ephemeral port picked at random and retried a
# bounded number of times when taken, with a random password and its data in a fresh temporary
# directory; nothing is installed as a service. PostgreSQL refuses to run as root, so as root
# initdb and pg_ctl run as the `postgres` user (created by the Debian package) on a directory it
# owns. The PostgreSQL instance trades durability for speed (fsync=off): it is thrown away.
#
# A server whose binaries are missing is a loud SKIP (exit 0, no variable for it), except under
# CI=true where it is a failure; a server that is installed but does not start is always a
# failure. Every wait is bounded.
set -euo pipefail

PG_PORT_TRIES=20
REDIS_PORT_TRIES=20
PG_START_TIMEOUT=60 # seconds, pg_ctl -t
REDIS_START_POLLS=100 # x 0.1 s

usage() {
    echo "usage: $0 start|stop|env [STATE_DIR] | run [STATE_DIR] -- CMD [ARG...]" >&2
    exit 2
}

say() {
    echo "test-servers: $*" >&2
}

# A missing server: a failure under CI=true, else a loud skip.
missing() {
    if [ "${CI:-}" = "true" ]; then
        say "FAIL: $1 (CI=true: every backend must run)"
        return 1
    fi
    say "SKIP: $1 -- the tests that need it will report SKIP"
    return 0
}

random_hex() {
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

random_port() {
    echo $((20000 + (RANDOM * 32768 + RANDOM) % 40000))
}

# ------------------------------------ PostgreSQL ------------------------------------

pg_bindir() {
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    local d
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

# Runs a PostgreSQL server binary as the user that owns the cluster.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    local state=$1 bin base pw port try url
    if ! bin=$(pg_bindir); then
        missing "PostgreSQL is not installed (initdb/pg_ctl not found)"
        return
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        missing "running as root and there is no 'postgres' user to run PostgreSQL as"
        return
    fi
    if ! command -v psql >/dev/null 2>&1 && [ ! -x "$bin/psql" ]; then
        missing "psql is not installed"
        return
    fi
    local psql=psql
    [ -x "$bin/psql" ] && psql=$bin/psql
    # Directly under /tmp so the postgres user can reach it; owned by that user.
    base=$(mktemp -d /tmp/ol-test-pg.XXXXXX)
    echo "$base" >"$state/pg.base"
    pw=$(random_hex)
    printf '%s\n' "$pw" >"$base/pwfile"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres: "$base"
    fi
    chmod 700 "$base"
    if ! as_pg "$bin/initdb" -D "$base/data" -U postgres --auth=scram-sha-256 \
        --pwfile="$base/pwfile" -E UTF8 --no-locale --no-sync >"$state/pg-initdb.log" 2>&1; then
        cat "$state/pg-initdb.log" >&2
        say "FAIL: initdb failed"
        return 1
    fi
    cat >>"$base/data/postgresql.conf" <<'EOF'
# ---- scripts/test-servers.sh: a private, throw-away test instance ----
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
    for ((try = 1; try <= PG_PORT_TRIES; try++)); do
        port=$(random_port)
        rm -f "$base/log"
        if as_pg "$bin/pg_ctl" -D "$base/data" -l "$base/log" -o "-p $port" -w \
            -t "$PG_START_TIMEOUT" start >"$state/pg-ctl.log" 2>&1; then
            break
        fi
        if grep -q -e 'could not bind' -e 'Address already in use' "$base/log" 2>/dev/null; then
            say "port $port is taken, trying another"
            continue
        fi
        cat "$state/pg-ctl.log" "$base/log" >&2 2>/dev/null || true
        say "FAIL: PostgreSQL did not start"
        return 1
    done
    if ((try > PG_PORT_TRIES)); then
        say "FAIL: PostgreSQL found no free port in $PG_PORT_TRIES tries"
        return 1
    fi
    echo "$port" >"$state/pg.port"
    echo "$bin" >"$state/pg.bin"
    url="postgres://postgres:$pw@127.0.0.1:$port/postgres"
    if ! PGCONNECT_TIMEOUT=10 "$psql" -X -q -v ON_ERROR_STOP=1 -d "$url" \
        -c 'CREATE DATABASE ol_test' >"$state/pg-psql.log" 2>&1; then
        cat "$state/pg-psql.log" >&2
        say "FAIL: cannot create the test database"
        return 1
    fi
    echo "export OL_TEST_POSTGRES_URL='postgres://postgres:$pw@127.0.0.1:$port/ol_test'" \
        >>"$state/env.tmp"
    say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" \
        "(data $base/data)"
}

pg_stop() {
    local state=$1 base bin pid
    [ -f "$state/pg.base" ] || return 0
    base=$(cat "$state/pg.base")
    if [ -f "$base/data/postmaster.pid" ] && [ -f "$state/pg.bin" ]; then
        bin=$(cat "$state/pg.bin")
        if ! as_pg "$bin/pg_ctl" -D "$base/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
            as_pg "$bin/pg_ctl" -D "$base/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
        fi
    fi
    # Last resort: the postmaster is still there (pg_ctl gave up).
    if [ -f "$base/data/postmaster.pid" ]; then
        pid=$(head -n1 "$base/data/postmaster.pid" 2>/dev/null || true)
        if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "postgres" ]; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    case $base in
    /tmp/ol-test-pg.*) rm -rf "$base" ;;
    esac
    rm -f "$state/pg.base" "$state/pg.port" "$state/pg.bin"
}

# --------------------------------------- Redis ---------------------------------------

redis_ping() { # port password
    local reply
    reply=$(timeout 2 redis-cli -h 127.0.0.1 -p "$1" -a "$2" --no-auth-warning ping 2>/dev/null) ||
        return 1
    [ "$reply" = "PONG" ]
}

redis_start() {
    local state=$1 base pw port try pid i up
    if ! command -v redis-server >/dev/null 2>&1; then
        missing "Redis is not installed (redis-server not found)"
        return
    fi
    if ! command -v redis-cli >/dev/null 2>&1; then
        missing "redis-cli is not installed"
        return
    fi
    base=$(mktemp -d /tmp/ol-test-redis.XXXXXX)
    echo "$base" >"$state/redis.base"
    pw=$(random_hex)
    for ((try = 1; try <= REDIS_PORT_TRIES; try++)); do
        port=$(random_port)
        : >"$base/log"
        # No persistence; own session so ctest's process handling leaves it alone; no
        # inherited descriptors, so the setup test ends as soon as this script does.
        setsid redis-server --bind 127.0.0.1 --port "$port" --requirepass "$pw" \
            --save '' --appendonly no --dir "$base" --logfile "$base/log" \
            --daemonize no </dev/null >/dev/null 2>&1 &
        pid=$!
        echo "$pid" >"$state/redis.pid"
        up=0
        for ((i = 0; i < REDIS_START_POLLS; i++)); do
            if redis_ping "$port" "$pw"; then
                up=1
                break
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if [ "$up" = 1 ]; then
            break
        fi
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        rm -f "$state/redis.pid"
        if grep -q -e 'Address already in use' -e 'Could not create server TCP' "$base/log"; then
            say "port $port is taken, trying another"
            continue
        fi
        cat "$base/log" >&2
        say "FAIL: Redis did not start"
        return 1
    done
    if ((try > REDIS_PORT_TRIES)); then
        say "FAIL: Redis found no free port in $REDIS_PORT_TRIES tries"
        return 1
    fi
    echo "$port" >"$state/redis.port"
    echo "export OL_TEST_REDIS_URL='redis://:$pw@127.0.0.1:$port/0'" >>"$state/env.tmp"
    say "Redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port"
}

redis_stop() {
    local state=$1 pid base i
    if [ -f "$state/redis.pid" ]; then
        pid=$(cat "$state/redis.pid")
        if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "redis-server" ]; then
            kill -TERM "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$state/redis.pid"
    fi
    if [ -f "$state/redis.base" ]; then
        base=$(cat "$state/redis.base")
        case $base in
        /tmp/ol-test-redis.*) rm -rf "$base" ;;
        esac
        rm -f "$state/redis.base" "$state/redis.port"
    fi
}

# -------------------------------------- commands --------------------------------------

stop_all() {
    local state=$1
    [ -d "$state" ] || return 0
    rm -f "$state/env" "$state/env.tmp"
    pg_stop "$state"
    redis_stop "$state"
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
state=${OL_TEST_SERVERS_DIR:-build/test-servers}
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    state=$1
    shift
fi

case $cmd in
start)
    mkdir -p "$state"
    state=$(cd "$state" && pwd)
    stop_all "$state" # leftovers of an interrupted run
    : >"$state/env.tmp"
    if ! pg_start "$state" || ! redis_start "$state"; then
        stop_all "$state"
        exit 1
    fi
    mv "$state/env.tmp" "$state/env"
    ;;
stop)
    stop_all "$state"
    say "stopped"
    ;;
env)
    if [ -f "$state/env" ]; then
        cat "$state/env"
    fi
    ;;
run)
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || usage
    if [ -f "$state/env" ]; then
        # shellcheck disable=SC1091
        . "$state/env"
    fi
    exec "$@"
    ;;
*)
    usage
    ;;
esac
