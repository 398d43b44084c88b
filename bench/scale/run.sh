#!/usr/bin/env bash
# `make bench-scale`: synchronous calls/s and latency of the same load on each backend set-up:
#
#   sqlite     the embedded default: SQLite, the SQL queue, 1 coordinator
#   pg-sql     PostgreSQL, the SQL queue (the store's task table), 1 and 2 coordinators
#   pg-redis   PostgreSQL, the Redis queue, 1 and 2 coordinators (only when `outlayer
#              coordinator --help` offers --queue; otherwise the rows say so)
#
# Private PostgreSQL and Redis come from scripts/test-servers.sh (127.0.0.1, ephemeral ports,
# thrown away at the end); every set-up gets a fresh database (and Redis database). The same
# BENCH_WORKERS worker processes (slots = cores) run every set-up, spread round-robin over its
# coordinators, as are the clients. The guest is examples/echo.wasm; each client has its own
# payment key; the per-key rate and in-flight limits are off. The sync timeout is 1 s in every
# set-up: a sync caller whose call was reported to another coordinator, and not woken by a
# cross-coordinator notification, gets 202 after it and polls (bench_scale.c).
#
# usage: run.sh OUTLAYER BENCH_SCALE ECHO_WASM TEST_SERVERS_SH
#   BENCH_CLIENTS   client threads (default 16)
#   BENCH_CALLS     calls per set-up (default 20000)
#   BENCH_SECONDS   time limit per set-up (default 10)
#   BENCH_WORKERS   worker processes (default 2)
#   BENCH_WORKER_CONCURRENCY  job slots per worker (default 0: the number of cores)
#   BENCH_SETUPS    default "sqlite:1 pg-sql:1 pg-sql:2 pg-redis:1 pg-redis:2"
set -u
OL=$1
BENCH=$2
ECHO=$3
SERVERS=$4
CLIENTS=${BENCH_CLIENTS:-16}
CALLS=${BENCH_CALLS:-20000}
SECS=${BENCH_SECONDS:-10}
WORKERS=${BENCH_WORKERS:-2}
WCONC=${BENCH_WORKER_CONCURRENCY:-0}
SETUPS=${BENCH_SETUPS:-"sqlite:1 pg-sql:1 pg-sql:2 pg-redis:1 pg-redis:2"}

TMP=$(mktemp -d /tmp/ol-bench-scale-XXXXXX)
PIDS=()
stop_all() {
    local p i
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for ((i = 0; i < 100; i++)); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    PIDS=()
}
cleanup() {
    stop_all
    "$SERVERS" stop "$TMP/servers" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT

die() {
    echo "bench-scale: $*" >&2
    exit 1
}

hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
OUTLAYER_ADMIN_TOKEN=$(hex)
OUTLAYER_WORKER_TOKEN=$(hex)
export OUTLAYER_ADMIN_TOKEN OUTLAYER_WORKER_TOKEN

if ! "$SERVERS" start "$TMP/servers" 2>"$TMP/servers.log"; then
    cat "$TMP/servers.log"
    die "the test servers did not start"
fi
eval "$("$SERVERS" env "$TMP/servers")"
PG=${OL_TEST_POSTGRES_URL:-}
REDIS=${OL_TEST_REDIS_URL:-}
PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n1)
# The coordinator's environment variable for --queue (keeps the URL off the command line).
QUEUE_ENV=$("$OL" coordinator --help | awk '/^  --queue=/ {f = 1; next}
    f && $1 == "env" {sub(/;.*/, "", $2); print $2; exit} /^  --/ {f = 0}')

# redis_flush URL: empties the Redis database of URL (redis://[:PASSWORD@]HOST:PORT/DB); redis-cli
# -u does not take a password without a user name, so the URL is taken apart here.
redis_flush() {
    local u=${1#redis://} pw="" hp db reply
    if [[ $u == *@* ]]; then
        pw=${u%%@*}
        pw=${pw#*:}
        u=${u#*@}
    fi
    hp=${u%%/*}
    db=0
    [[ $u == */* ]] && db=${u#*/}
    reply=$(REDISCLI_AUTH=$pw timeout 10 redis-cli -h "${hp%:*}" -p "${hp##*:}" -n "$db" FLUSHDB)
    [ "$reply" = OK ]
}

# wait_port FILE: the port a coordinator wrote, within 30 s.
wait_port() {
    local i
    for ((i = 0; i < 300; i++)); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# skipped KIND N WHY: the row of a set-up that cannot run here.
skipped() {
    echo "| $1 | $2 | ($3) | | | | | | |"
}

# run_setup KIND N: prints one table row.
run_setup() {
    local kind=$1 n=$2 dir="$TMP/$1-$2" db queue="" i urls=() url list out
    mkdir -p "$dir"
    if [ "$kind" = pg-redis ]; then
        [ -n "$QUEUE_ENV" ] || { skipped "$kind" "$n" "no --queue in this build"; return; }
        [ -n "$REDIS" ] || { skipped "$kind" "$n" "Redis not available"; return; }
        queue="${REDIS%/*}/$((n + 1))"
        redis_flush "$queue" || die "cannot reach Redis"
    fi
    case $kind in
    sqlite) db="sqlite:$dir/outlayer.db" ;;
    pg-sql | pg-redis)
        [ -n "$PG" ] || { skipped "$kind" "$n" "PostgreSQL not available"; return; }
        local name="ol_bench_${kind//-/_}_$n" base=${PG%%\?*}
        PGCONNECT_TIMEOUT=10 PGOPTIONS='-c client_min_messages=warning' "$PSQL" -X -q -d "$PG" \
            -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null ||
            die "cannot create database $name"
        db="${base%/*}/$name${PG#"$base"}"
        ;;
    esac
    for ((i = 0; i < n; i++)); do
        local envs=("OUTLAYER_DB=$db")
        [ -n "$queue" ] && envs+=("$QUEUE_ENV=$queue")
        env "${envs[@]}" "$OL" coordinator --host=127.0.0.1 --port=0 --port-file="$dir/port$i" \
            --rate-limit-per-minute=0 --max-concurrent-calls=0 --sync-timeout-ms=1000 \
            --log-level=error >"$dir/coord$i.log" 2>&1 &
        PIDS+=($!)
        if ! wait_port "$dir/port$i"; then
            cat "$dir/coord$i.log" >&2
            die "coordinator $i of $kind did not start"
        fi
        urls+=("http://127.0.0.1:$(cat "$dir/port$i")")
    done
    url=${urls[0]}
    for ((i = 0; i < 100; i++)); do curl -sf -o /dev/null "$url/health" && break; sleep 0.1; done
    for ((i = 0; i < WORKERS; i++)); do
        "$OL" worker --coordinator-url="${urls[$((i % n))]}" --data-dir="$dir/w$i" \
            --name="bench-$i" --concurrency="$WCONC" --log-level=error >"$dir/w$i.log" 2>&1 &
        PIDS+=($!)
    done
    local auth=(-H "Authorization: Bearer $OUTLAYER_ADMIN_TOKEN")
    curl -s "${auth[@]}" -X POST "$url/admin/projects" -H 'Content-Type: application/json' \
        -d '{"owner":"bench.near","name":"echo"}' >/dev/null
    curl -s "${auth[@]}" -X POST "$url/admin/projects/bench.near/echo/versions?activate=true" \
        -H 'Content-Type: application/wasm' --data-binary "@$ECHO" >/dev/null
    for ((i = 0; i < 100; i++)); do
        local on
        on=$(curl -s "$url/public/workers" |
            jq '[.workers[] | select(.status == "online")] | length')
        [ "${on:-0}" -ge "$WORKERS" ] && break
        sleep 0.1
    done
    list=$(IFS=,; echo "${urls[*]}")
    # Warm-up: worker caches, connections, the database's caches.
    "$BENCH" "$list" "$OUTLAYER_ADMIN_TOKEN" bench.near/echo 4 500 10 >/dev/null ||
        die "warm-up of $kind x $n failed"
    out=$("$BENCH" "$list" "$OUTLAYER_ADMIN_TOKEN" bench.near/echo "$CLIENTS" "$CALLS" "$SECS")
    local st=$?
    stop_all
    # calls errors rate p50 p90 p99 max polled
    local c e r p50 p99 polled
    read -r c e r p50 _ p99 _ polled <<<"$out"
    [ -z "${BASE_RATE:-}" ] && BASE_RATE=$r
    local ratio
    ratio=$(awk -v r="$r" -v b="$BASE_RATE" 'BEGIN { printf "%.2f", (b > 0 ? r / b : 0) }')
    echo "| $kind | $n | $c | $e | $r | $p50 | $p99 | $polled | $ratio |"
    [ $st -eq 0 ] || STATUS=1
}

slots=$WCONC
[ "$slots" = 0 ] && slots=$(nproc)
echo "scale bench: $(nproc) cores, $WORKERS worker process(es) x $slots slots, echo.wasm," \
    "$CLIENTS clients (a key each), $CALLS calls or ${SECS} s per row"
[ -n "$QUEUE_ENV" ] || echo "(this outlayer has no --queue option: the pg-redis rows are skipped)"
echo
echo "| store, queue | coordinators | calls | errors | calls/s | p50 ms | p99 ms | answered 202 |" \
    "calls/s vs sqlite |"
echo "|---|---|---|---|---|---|---|---|---|"
STATUS=0
BASE_RATE=
for s in $SETUPS; do
    run_setup "${s%%:*}" "${s##*:}"
done
exit $STATUS
