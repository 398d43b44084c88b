#!/usr/bin/env bash
# Scale-out fault and load test (issue #8): two coordinators and three workers sharing one
# PostgreSQL database (and one Redis queue when the coordinator has --queue), 2,000 calls spread
# over both coordinators (sync and async, some with a deposit) by test_scale_driver, while
# workers are killed with SIGKILL and restarted (6 times) and coordinator B is killed with
# SIGKILL and started again on the same port (once). Leases are short (1.5 s) so the tasks of
# a killed worker are delivered again within the run. Then, straight from the database (psql):
#   - none lost: every call id a client was given is in `calls`, terminal; no call is left
#     pending or running (calls orphaned by a lost answer included);
#   - every failed call has an error code; completed ones echoed their input (the driver);
#   - none settled twice: per payment key spent = sum of its calls' charged + paid, reserved and
#     in-flight 0; one earnings_history row per paid call and none for another; the earnings
#     equal their history; the run totals count each completed call once; every task done;
#   - every key's initial = available + spent to the micro-USD (the driver, through the API,
#     against the balances it created the keys with) and reservations zero.
# Faults happen at fixed points of the run (see test_scale_driver.c, "gates"); which worker dies
# is chosen at random, preferring one that holds a lease at that moment.
#
# usage: scale_fault_test.sh OUTLAYER EXAMPLES_DIR DRIVER [QUEUE]
#   QUEUE: "sql" (the store's task table), a redis://... URL, or "auto" (default): Redis at
#   $OL_TEST_REDIS_URL when `outlayer coordinator --help` offers --queue, else sql.
# Needs $OL_TEST_POSTGRES_URL (scripts/test-servers.sh; the ctest fixture test_servers sets it).
# Without it the test is skipped (exit 77), except under CI=true where that is a failure. The
# test creates its own database (and uses its own Redis database number) and drops them.
. "$(dirname "$0")/platform_lib.sh" "$1" none "$2"
DRIVER=$3
QUEUE_ARG=${4:-auto}

CALLS=2000
THREADS=16
KILLS=6
GATES=$((KILLS + 1)) # the coordinator restart is gate RESTART_GATE
RESTART_GATE=4
FAST=(--lease-ms=1500 --heartbeat-ms=500 --sweep-ms=100 --sync-timeout-ms=2000 --log-level=warn)

if [ -z "${OL_TEST_POSTGRES_URL:-}" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "FAIL: OL_TEST_POSTGRES_URL is not set (CI=true: the scale test must run)"
        exit 1
    fi
    echo "SKIP: OL_TEST_POSTGRES_URL is not set (start servers with scripts/test-servers.sh)"
    exit 77
fi
PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n1)
if [ -z "$PSQL" ]; then
    echo "FAIL: psql not found"
    exit 1
fi

# A database of our own on the test server, dropped on exit.
DBNAME=ol_scale_$(rand_hex | cut -c1-12)
pg_base=${OL_TEST_POSTGRES_URL%%\?*}
pg_query=${OL_TEST_POSTGRES_URL#"$pg_base"}
DBURL="${pg_base%/*}/$DBNAME$pg_query"
sql_admin() {
    PGCONNECT_TIMEOUT=10 "$PSQL" -X -qAt -v ON_ERROR_STOP=1 -d "$OL_TEST_POSTGRES_URL" -c "$1"
}
q() { PGCONNECT_TIMEOUT=10 "$PSQL" -X -qAt -v ON_ERROR_STOP=1 -d "$DBURL" "$@"; }

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

REDIS_URL=
scale_cleanup() {
    cleanup
    sql_admin "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null 2>&1
    if [ -n "$REDIS_URL" ]; then
        redis_flush "$REDIS_URL" >/dev/null 2>&1
    fi
}
trap scale_cleanup EXIT
if ! sql_admin "CREATE DATABASE $DBNAME" >"$TMP/createdb.log" 2>&1; then
    echo "FAIL: cannot create database $DBNAME: $(cat "$TMP/createdb.log")"
    exit 1
fi

# The queue: how the coordinator takes it (the variable named in its --help, so the URL with
# its password stays off the command line), and which one.
HELP=$("$OL" coordinator --help)
QUEUE_ENV=$(awk '/^  --queue=/ {f = 1; next} f && $1 == "env" {sub(/;.*/, "", $2); print $2; exit}
                 /^  --/ {f = 0}' <<<"$HELP")
case $QUEUE_ARG in
auto)
    if [ -n "$QUEUE_ENV" ] && [ -n "${OL_TEST_REDIS_URL:-}" ]; then
        REDIS_URL="${OL_TEST_REDIS_URL%/*}/$((1 + RANDOM % 15))"
    fi
    ;;
sql) ;;
redis://*) REDIS_URL=$QUEUE_ARG ;;
*)
    echo "FAIL: QUEUE must be sql, auto or a redis:// URL"
    exit 1
    ;;
esac
if [ -n "$REDIS_URL" ]; then
    if [ -z "$QUEUE_ENV" ]; then
        echo "FAIL: a Redis queue was asked for but 'outlayer coordinator' has no --queue option"
        exit 1
    fi
    redis_flush "$REDIS_URL" ||
        { echo "FAIL: cannot reach the Redis test server"; exit 1; }
    echo "queue: redis (database ${REDIS_URL##*/} of the test server), store: PostgreSQL"
elif [ -z "$QUEUE_ENV" ]; then
    echo "queue: sql (outlayer coordinator has no --queue option yet), store: PostgreSQL"
else
    echo "queue: sql, store: PostgreSQL"
fi

# start_coord_pg NAME PORT: a coordinator on the shared database; sets COORD_PID and URL.
start_coord_pg() {
    local name=$1 port=$2
    mkdir -p "$TMP/$name"
    rm -f "$TMP/$name/port"
    local envs=("OUTLAYER_DB=$DBURL")
    [ -n "$REDIS_URL" ] && envs+=("$QUEUE_ENV=$REDIS_URL")
    env "${envs[@]}" "$OL" coordinator --host=127.0.0.1 --port="$port" \
        --port-file="$TMP/$name/port" "${FAST[@]}" >>"$TMP/$name/coord.log" 2>&1 &
    COORD_PID=$!
    PIDS+=("$COORD_PID")
    if ! wait_until 30 test -s "$TMP/$name/port"; then
        bad "coordinator $name started" "no port file"
        return 1
    fi
    URL="http://127.0.0.1:$(cat "$TMP/$name/port")"
    if ! wait_until 30 curl -sf -o /dev/null "$URL/health"; then
        bad "coordinator $name healthy"
        return 1
    fi
}

# start_scale_worker I: worker w$I for coordinator WURL[I]; sets WPID[I].
WURL=()
WPID=()
start_scale_worker() {
    local i=$1
    mkdir -p "$TMP/w$i"
    "$OL" worker --coordinator-url="${WURL[$i]}" --data-dir="$TMP/w$i" --name="w$i" \
        --concurrency=2 --poll-timeout-ms=500 --log-level=warn >>"$TMP/w$i/worker.log" 2>&1 &
    WPID[$i]=$!
    PIDS+=("$!")
}

T0=$(date +%s%N)
start_coord_pg a 0 || exit 1
URL_A=$URL
start_coord_pg b 0 || exit 1
URL_B=$URL
B_PID=$COORD_PID
B_PORT=${URL_B##*:}
URL=$URL_A
upload alice.near/echo "$EXAMPLES/echo.wasm"
# Two workers report to A, one to B: most sync calls through B run on a worker of A.
WURL=("$URL_A" "$URL_A" "$URL_B")
for i in 0 1 2; do start_scale_worker "$i"; done
wait_workers 3 || bad "three workers online"

"$DRIVER" "$URL_A,$URL_B" "$ADMIN_TOKEN" alice.near/echo "$CALLS" "$THREADS" "$GATES" "$TMP" \
    >"$TMP/driver.log" 2>&1 &
DRIVER_PID=$!
PIDS+=("$DRIVER_PID")

# busy_worker: "I 1" for a worker I holding a lease right now, else "I 0" for a random one.
busy_worker() {
    local name
    name=$(q -c "SELECT w.name FROM tasks t JOIN workers w ON w.id = t.worker_id
                 WHERE t.state = 1 ORDER BY random() LIMIT 1" 2>/dev/null)
    case $name in
    w[0-2]) echo "${name#w} 1" ;;
    *) echo "$((RANDOM % 3)) 0" ;;
    esac
}

kills=0
restarts=0
aimed=0
# gate_or_done K: the driver asked for fault K, or has ended.
gate_or_done() { [ -e "$TMP/gate.$1" ] || ! kill -0 "$DRIVER_PID" 2>/dev/null; }
for ((k = 1; k <= GATES; k++)); do
    # Bounded twice: here, and by the driver's own deadline.
    if ! wait_until 180 gate_or_done "$k" || [ ! -e "$TMP/gate.$k" ]; then
        bad "fault $k: the driver never reached it"
        break
    fi
    if [ "$k" -eq "$RESTART_GATE" ]; then
        # Coordinator B dies with calls waiting on it and workers polling it; clients see
        # refused connections until it is back on the same port.
        kill -KILL "$B_PID"
        wait "$B_PID" 2>/dev/null
        touch "$TMP/ack.$k"
        sleep 0.$((2 + RANDOM % 5))
        start_coord_pg b "$B_PORT" || break
        B_PID=$COORD_PID
        restarts=$((restarts + 1))
        continue
    fi
    sleep 0.0$((RANDOM % 10))
    read -r i busy <<<"$(busy_worker)"
    aimed=$((aimed + busy))
    kill -KILL "${WPID[$i]}"
    wait "${WPID[$i]}" 2>/dev/null
    kills=$((kills + 1))
    touch "$TMP/ack.$k"
    start_scale_worker "$i"
done

# The driver bounds itself (150 s for the calls, 30 s for the balances); this only waits for it.
wait "$DRIVER_PID"
drv=$?
cat "$TMP/driver.log"
check_eq "driver: every call accounted for" "$drv" 0
check_eq "faults: worker kills" "$kills" "$KILLS"
check_eq "faults: coordinator restarts" "$restarts" 1

# Calls whose answer was lost may still be running: wait (bounded) until nothing is open.
open_calls() { q -c "SELECT count(*) FROM calls WHERE status < 2"; }
none_open() { [ "$(open_calls 2>/dev/null)" = 0 ]; }
wait_until 60 none_open
check_eq "none open: every call in the database is terminal" "$(open_calls)" 0

ids_lost=$(q -c "CREATE TEMP TABLE ids(id text)" -c "\\copy ids FROM '$TMP/ids.txt'" \
    -c "SELECT count(*) FROM ids LEFT JOIN calls c ON c.id = ids.id
        WHERE c.id IS NULL OR c.status < 2")
check_eq "none lost: every call id a client got is terminal in the database" "$ids_lost" 0
nids=$(wc -l <"$TMP/ids.txt")
check_eq "call ids distinct" "$(sort -u "$TMP/ids.txt" | wc -l)" "$nids"
ncalls_db=$(q -c "SELECT count(*) FROM calls")
check "calls in the database cover the clients' ids" test "$ncalls_db" -ge "$nids"
check_eq "every failed call has a reason" \
    "$(q -c "SELECT count(*) FROM calls WHERE status = 3 AND error_code = ''")" 0

check_eq "settled once: per key spent = sum of charged + paid, reserved 0, in flight 0" \
    "$(q -c "SELECT count(*) FROM payment_keys k WHERE k.reserved <> 0 OR k.inflight <> 0
             OR k.spent <> (SELECT coalesce(sum(c.charged + c.paid), 0) FROM calls c
                            WHERE c.key_owner = k.owner AND c.key_nonce = k.nonce)")" 0
while read -r owner nonce initial; do
    got=$(q -c "SELECT initial_balance = $initial AND initial_balance - spent - reserved
                       + spent = $initial AND reserved = 0
                FROM payment_keys WHERE owner = '$owner' AND nonce = $nonce")
    [ "$got" = t ] || bad "key $owner:$nonce: initial = available + spent" "psql: '$got'"
done <"$TMP/keys.txt"
check_eq "keys checked" "$(wc -l <"$TMP/keys.txt")" "$THREADS"
check_eq "reservations zero" \
    "$(q -c "SELECT (SELECT coalesce(sum(reserved), 0) FROM calls)
                  + (SELECT coalesce(sum(reserved), 0) FROM payment_keys)")" 0
check_eq "settled once: one earnings row per paid call" \
    "$(q -c "SELECT count(*) FROM calls c WHERE c.paid > 0 AND
             (SELECT count(*) FROM earnings_history e WHERE e.call_id = c.id) <> 1")" 0
check_eq "settled once: no earnings row without its completed, paid call" \
    "$(q -c "SELECT count(*) FROM earnings_history e LEFT JOIN calls c ON c.id = e.call_id
             WHERE c.id IS NULL OR c.status <> 2 OR c.paid <> e.amount")" 0
check_eq "settled once: earnings equal their history" \
    "$(q -c "SELECT (SELECT coalesce(sum(total_earned), 0) FROM earnings)
                  = (SELECT coalesce(sum(amount), 0) FROM earnings_history)")" t
check_eq "settled once: the run totals count each completed call once" \
    "$(q -c "SELECT (SELECT sum(completed) FROM totals) = count(*) FILTER (WHERE status = 2)
                AND (SELECT sum(charged) FROM totals) = coalesce(sum(charged), 0) FROM calls")" t
check_eq "every task done" "$(q -c "SELECT count(*) FROM tasks WHERE state <> 2")" 0
check_eq "one task per call" "$(q -c "SELECT count(*) FROM tasks")" "$ncalls_db"
check "some calls carried a deposit that was paid" \
    test "$(q -c "SELECT count(*) FROM earnings_history")" -gt 0

T1=$(date +%s%N)
echo "---- counts"
q -c "SELECT 'calls in the database: ' || count(*) || ' (' || $nids || ' ids given to clients, '
             || (count(*) - $nids) || ' orphaned by a lost answer)' FROM calls"
q -c "SELECT 'completed: ' || count(*) FROM calls WHERE status = 2"
q -c "SELECT 'failed: ' || coalesce(sum(n), 0) || coalesce(' (by error code: '
             || string_agg(error_code || ' ' || n, ', ') || ')', '')
             FROM (SELECT error_code, count(*) AS n FROM calls WHERE status = 3
                   GROUP BY error_code ORDER BY error_code) f"
q -c "SELECT 'redelivered: ' || count(*) FILTER (WHERE attempts > 1) || ' calls, '
             || coalesce(sum(attempts - 1) FILTER (WHERE attempts > 1), 0)
             || ' extra attempts' FROM calls"
echo "faults: $kills worker kills (SIGKILL; $aimed aimed at a worker holding a lease)," \
    "$restarts coordinator restart (SIGKILL, same port)"
echo "wall time: $(((T1 - T0) / 1000000)) ms"
finish
