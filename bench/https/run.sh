#!/usr/bin/env bash
# `make bench-https`: the HTTPS path's throughput and latency for a cached small project.
#
# Starts a coordinator (embedded SQLite) and one worker (concurrency = cores) on 127.0.0.1 from
# the release build, registers examples/echo.wasm, creates one payment key, warms the worker's
# WASM cache, then runs bench_https for each client count in BENCH_CLIENTS and prints a Markdown
# table. The per-key rate and concurrency limits are switched off for the run (they would cap a
# single key at 1000 calls/minute); everything else is the default configuration.
#
# usage: run.sh OUTLAYER BENCH_HTTPS ECHO_WASM
#   BENCH_CLIENTS  client counts (default "1 4 16 64")
#   BENCH_CALLS    calls per client count (default 20000)
#   BENCH_SECONDS  time limit per client count (default 10)
#   BENCH_WORKERS  worker processes (default 1)
#   BENCH_WORKER_CONCURRENCY  job slots per worker (default 0: the number of cores)
set -u
OL=$1
BENCH=$2
ECHO=$3
CLIENTS=${BENCH_CLIENTS:-"1 4 16 64"}
CALLS=${BENCH_CALLS:-20000}
SECONDS_PER=${BENCH_SECONDS:-10}
WORKERS=${BENCH_WORKERS:-1}
WCONC=${BENCH_WORKER_CONCURRENCY:-0}

TMP=$(mktemp -d /tmp/ol-bench-https-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.5
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
OUTLAYER_ADMIN_TOKEN=$(hex)
OUTLAYER_WORKER_TOKEN=$(hex)
export OUTLAYER_ADMIN_TOKEN OUTLAYER_WORKER_TOKEN

"$OL" coordinator --db="sqlite:$TMP/outlayer.db" --host=127.0.0.1 --port=0 \
    --port-file="$TMP/port" --rate-limit-per-minute=0 --max-concurrent-calls=0 \
    --log-level=error >"$TMP/coord.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 200); do [ -s "$TMP/port" ] && break; sleep 0.1; done
[ -s "$TMP/port" ] || { echo "bench-https: the coordinator did not start"; cat "$TMP/coord.log"; exit 1; }
URL="http://127.0.0.1:$(cat "$TMP/port")"
for _ in $(seq 1 100); do curl -sf -o /dev/null "$URL/health" && break; sleep 0.1; done

for w in $(seq 1 "$WORKERS"); do
    "$OL" worker --coordinator-url="$URL" --data-dir="$TMP/w$w" --name="bench-$w" \
        --concurrency="$WCONC" --log-level=error >"$TMP/w$w.log" 2>&1 &
    PIDS+=($!)
done

admin() { curl -s -H "Authorization: Bearer $OUTLAYER_ADMIN_TOKEN" "$@"; }
admin -X POST "$URL/admin/projects" -H 'Content-Type: application/json' \
    -d '{"owner":"bench.near","name":"echo"}' >/dev/null
admin -X POST "$URL/admin/projects/bench.near/echo/versions?activate=true" \
    -H 'Content-Type: application/wasm' --data-binary "@$ECHO" >/dev/null
KEY=$(admin -X POST "$URL/admin/payment-keys" -H 'Content-Type: application/json' \
    -d '{"owner":"client.near","initial_balance":"9000000000000000000"}' | jq -r .key)
[ -n "$KEY" ] && [ "$KEY" != null ] || { echo "bench-https: cannot create a key"; exit 1; }
for _ in $(seq 1 100); do
    n=$(curl -s "$URL/public/workers" | jq '[.workers[] | select(.status == "online")] | length')
    [ "${n:-0}" -ge "$WORKERS" ] && break
    sleep 0.1
done

slots=$WCONC
[ "$slots" = 0 ] && slots=$(nproc)
echo "HTTPS bench: $(nproc) cores, $WORKERS worker process(es) x $slots slots, echo.wasm" \
    "($(stat -c %s "$ECHO") bytes), $CALLS calls or ${SECONDS_PER} s per row"
# Warm-up: fetches the module into the worker cache, opens connections, fills SQLite's cache.
"$BENCH" "$URL" "$KEY" bench.near/echo 4 500 10 >/dev/null || { echo "bench-https: warm-up failed"; exit 1; }
echo
echo "| clients | calls | errors | calls/s | p50 ms | p90 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|---|---|"
status=0
for c in $CLIENTS; do
    "$BENCH" "$URL" "$KEY" bench.near/echo "$c" "$CALLS" "$SECONDS_PER" || status=1
done
exit $status
