#!/usr/bin/env bash
# Failures of the platform itself, with the real binaries on 127.0.0.1:
#   - a worker killed with SIGKILL mid-run: the call completes on another worker, settles once;
#   - a worker stopped with SIGTERM mid-run: it finishes the job and reports it (one attempt);
#   - the coordinator killed and restarted mid-flight: no call is lost, each settles once;
#   - no worker at all: a sync call gets 503 no_worker_available and is not charged;
#   - the last attempt's worker dies: the call fails worker_lost and is not charged.
# Leases are short (1.5 s) so lapses happen within the test's bounds.
#
# usage: platform_faults_test.sh OUTLAYER GUEST_WASM EXAMPLES_DIR
. "$(dirname "$0")/platform_lib.sh"

FAST=(--lease-ms=1500 --heartbeat-ms=500 --sweep-ms=100 --log-level=warn)

calibrate 3000

# ---- worker killed mid-run --------------------------------------------------------------------
start_coord main 0 "${FAST[@]}" || exit 1
MAIN_PORT=${URL##*:}
upload alice.near/guest "$GUEST"
KEY=$(new_key bob.near 100000000)
start_worker wa --concurrency=1
WA=$LAST_PID
wait_workers 1 || bad "worker a online"

r=$(call_raw "$KEY" alice.near/guest "{\"input\":{\"spin\":$SPIN},\"async\":true}" \
    -H 'X-Compute-Limit: 1000000' | cut -d' ' -f2-)
ID=$(jq -r .call_id <<<"$r")
check "slow call running on worker a" wait_until 30 call_status_is "$KEY" "$ID" running
sleep 0.3
kill -KILL "$WA"
wait "$WA" 2>/dev/null
start_worker wb --concurrency=2
WB=$LAST_PID
check "call completes on worker b" wait_until 60 call_status_is "$KEY" "$ID" completed
rec=$(call_get "$KEY" "$ID")
check_eq "two attempts" "$(jq -r .attempts <<<"$rec")" 2
wb_id=$(curl -s "$URL/public/workers" | jq -r '.workers[] | select(.worker_name == "wb") | .worker_id')
check_eq "evidence signed by worker b" "$(jq -r .evidence.record.worker_id <<<"$rec")" "$wb_id"
check_eq "settled once: spent = compute_cost" "$(balance "$KEY" spent)" \
    "$(jq -r .compute_cost <<<"$rec")"
check_eq "settled once: reserved 0" "$(balance "$KEY" reserved)" 0

# ---- worker stopped gracefully mid-run ---------------------------------------------------------
r=$(call_raw "$KEY" alice.near/guest "{\"input\":{\"spin\":$((SPIN / 2))},\"async\":true}" \
    -H 'X-Compute-Limit: 1000000' | cut -d' ' -f2-)
ID2=$(jq -r .call_id <<<"$r")
check "second call running" wait_until 30 call_status_is "$KEY" "$ID2" running
stop_pid "$WB" TERM 60
check_eq "worker exits 0 on SIGTERM" "$?" 0
check "SIGTERM: the running job was reported" call_status_is "$KEY" "$ID2" completed
check_eq "SIGTERM: one attempt" "$(call_get "$KEY" "$ID2" | jq -r .attempts)" 1

# ---- coordinator restarted mid-flight -----------------------------------------------------------
start_worker wc --concurrency=2
start_worker wd --concurrency=2
wait_workers 2 || bad "workers c, d online"
ids=()
for i in $(seq 1 8); do
    r=$(call_raw "$KEY" alice.near/guest "{\"input\":{\"spin\":$((SPIN / 6 + i))},\"async\":true}" \
        -H 'X-Compute-Limit: 1000000' | cut -d' ' -f2-)
    ids+=("$(jq -r .call_id <<<"$r")")
done
wait_until 30 call_status_is "$KEY" "${ids[0]}" running || bad "restart: first call running"
kill -KILL "$COORD_PID"
wait "$COORD_PID" 2>/dev/null
sleep 1
start_coord main "$MAIN_PORT" "${FAST[@]}" || exit 1
lost=0
for id in "${ids[@]}"; do
    wait_until 90 call_status_is "$KEY" "$id" completed failed || lost=$((lost + 1))
done
check_eq "restart: every call terminal" "$lost" 0
completed=0
sum=0
for id in "${ids[@]}"; do
    rec=$(call_get "$KEY" "$id")
    [ "$(jq -r .status <<<"$rec")" = completed ] && completed=$((completed + 1))
    sum=$((sum + $(jq -r .compute_cost <<<"$rec")))
done
check_eq "restart: every call completed" "$completed" 8
prev=$(balance "$KEY" spent)
sum_all=$sum
for id in "$ID" "$ID2"; do sum_all=$((sum_all + $(call_get "$KEY" "$id" | jq -r .compute_cost))); done
check_eq "restart: spent = sum of charges" "$prev" "$sum_all"
check_eq "restart: reserved 0" "$(balance "$KEY" reserved)" 0

# Graceful restart (SIGTERM) too: a sync call right after is served.
stop_pid "$COORD_PID" TERM 30
check_eq "coordinator exits 0 on SIGTERM" "$?" 0
start_coord main "$MAIN_PORT" "${FAST[@]}" || exit 1
wait_workers 2 || bad "workers back after restart"
r=$(call_raw "$KEY" alice.near/guest '{"input":{"after":"restart"}}')
check_eq "sync call after restart" "$(cut -d' ' -f2- <<<"$r" | jq -c .output)" '{"after":"restart"}'

# ---- no worker: 503, not charged ------------------------------------------------------------------
start_coord lonely 0 "${FAST[@]}" --queue-wait-ms=500 || exit 1
upload alice.near/guest "$GUEST"
K2=$(new_key bob.near 100000)
r=$(call_raw "$K2" alice.near/guest '{"input":1}')
check_eq "no worker: 503" "${r%% *}" 503
check_eq "no worker: code" "$(cut -d' ' -f2- <<<"$r" | jq -r .code)" no_worker_available
check_eq "no worker: not charged" "$(balance "$K2" spent)" 0
check_eq "no worker: released" "$(balance "$K2" reserved)" 0

# ---- last attempt lost: worker_lost, not charged ---------------------------------------------------
start_coord once 0 "${FAST[@]}" --max-attempts=1 || exit 1
upload alice.near/guest "$GUEST"
K3=$(new_key bob.near 10000000)
start_worker we --concurrency=1
WE=$LAST_PID
wait_workers 1 || bad "worker e online"
r=$(call_raw "$K3" alice.near/guest "{\"input\":{\"spin\":$SPIN},\"async\":true}" \
    -H 'X-Compute-Limit: 1000000' | cut -d' ' -f2-)
ID3=$(jq -r .call_id <<<"$r")
check "worker_lost: running" wait_until 30 call_status_is "$K3" "$ID3" running
kill -KILL "$WE"
wait "$WE" 2>/dev/null
check "worker_lost: call failed" wait_until 30 call_status_is "$K3" "$ID3" failed
check_eq "worker_lost: code" "$(call_get "$K3" "$ID3" | jq -r .error_code)" worker_lost
check_eq "worker_lost: not charged" "$(balance "$K3" spent)" 0
check_eq "worker_lost: released" "$(balance "$K3" reserved)" 0

finish
