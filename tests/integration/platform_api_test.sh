#!/usr/bin/env bash
# The HTTPS path end to end through `outlayer dev` (a coordinator and two worker processes) and
# the client commands: projects, keys, sync and async calls, the system environment, every
# client error code, exact balances after mixed successes and failures, `outlayer verify` on a
# real call and on tampered evidence, and a clean Ctrl-C shutdown of the whole stack.
#
# usage: platform_api_test.sh OUTLAYER GUEST_WASM EXAMPLES_DIR
. "$(dirname "$0")/platform_lib.sh"

ECHO="$EXAMPLES/echo.wasm"
DEV="$TMP/dev"

# ---- outlayer dev ------------------------------------------------------------------------
# Coordinator options travel through the environment the children inherit.
OUTLAYER_RATE_LIMIT_PER_MINUTE=40 OUTLAYER_LOG_LEVEL=warn \
    "$OL" dev --data-dir="$DEV" --port=0 --workers=2 --worker-concurrency=2 \
    >"$TMP/dev.out" 2>"$TMP/dev.log" &
DEV_PID=$!
PIDS+=("$DEV_PID")
if ! wait_until 60 grep -qx ready "$TMP/dev.out"; then
    bad "dev ready" "$(cat "$TMP/dev.out")"
    finish
    exit 1
fi
ok "dev ready"
check_eq "dev.env mode" "$(stat -c %a "$DEV/dev.env")" 600
set -a
. "$DEV/dev.env"
set +a
URL=$OUTLAYER_URL
ADMIN_TOKEN=$OUTLAYER_ADMIN_TOKEN
check "dev prints the admin token" grep -qx "admin token: $ADMIN_TOKEN" "$TMP/dev.out"
check_eq "two workers online" "$(online_workers)" 2
check "worker key 0600" test "$(stat -c %a "$DEV/worker-1/worker.key")" = 600

# ---- projects and keys through the CLI ---------------------------------------------------
out=$("$OL" project create alice.near/guest --wasm "$GUEST")
check_eq "project create: project_id" "$(jq -r .project_id <<<"$out")" alice.near/guest
check_eq "project create: version_key" "$(jq -r .version_key <<<"$out")" \
    "$(sha256sum "$GUEST" | cut -d' ' -f1)"
"$OL" project create alice.near/echo --wasm "$ECHO" >/dev/null
out=$("$OL" project upload alice.near/echo --wasm "$GUEST")
check_eq "project upload: not active" "$(jq -r .active <<<"$out")" false
out=$("$OL" project list)
check_eq "project list" "$(jq -r '[.projects[].project_id] | sort | join(",")' <<<"$out")" \
    "alice.near/echo,alice.near/guest"
"$OL" project create alice.near/guest --wasm "$GUEST" >/dev/null 2>"$TMP/err"
check "project create twice: project_exists" grep -q project_exists "$TMP/err"

out=$("$OL" keys create bob.near --balance 1000000)
KEY=$(jq -r .key <<<"$out")
check "keys create prints the full key" grep -Eq '^bob\.near:[0-9]+:[0-9a-f]{64}$' <<<"$KEY"
check_eq "keys balance" "$("$OL" keys balance "$KEY" | jq -r .available)" 1000000

# ---- calls -----------------------------------------------------------------------------------
out=$("$OL" call alice.near/echo --key "$KEY" --input '{"hello":[1,2,3]}')
check_eq "sync call: status" "$(jq -r .status <<<"$out")" completed
check_eq "sync call: output" "$(jq -c .output <<<"$out")" '{"hello":[1,2,3]}'
check "sync call: evidence" test "$(jq -r .evidence.signature <<<"$out")" != null
check "sync call: instructions" test "$(jq -r .instructions <<<"$out")" -gt 0

out=$("$OL" call alice.near/guest --key "$KEY" --input '{"spin":1000}' --async)
ID=$(jq -r .call_id <<<"$out")
check_eq "async call: pending" "$(jq -r .status <<<"$out")" pending
check "async call completes" wait_until 30 call_status_is "$KEY" "$ID" completed
check_eq "async call: output" "$(call_get "$KEY" "$ID" | jq -c .output)" '{"spin":1000,"h":2691360765}'

envcall() { "$OL" call alice.near/guest --key "$KEY" --input "{\"env\":\"$1\"}" | jq -r ".output.$1"; }
check_eq "env OUTLAYER_EXECUTION_TYPE" "$(envcall OUTLAYER_EXECUTION_TYPE)" HTTPS
check_eq "env NEAR_SENDER_ID" "$(envcall NEAR_SENDER_ID)" bob.near
check_eq "env NEAR_USER_ACCOUNT_ID" "$(envcall NEAR_USER_ACCOUNT_ID)" bob.near
check_eq "env OUTLAYER_PROJECT_ID" "$(envcall OUTLAYER_PROJECT_ID)" alice.near/guest
check_eq "env NEAR_BLOCK_HEIGHT empty" "$(envcall NEAR_BLOCK_HEIGHT)" ""
check "env NEAR_MAX_INSTRUCTIONS" test "$(envcall NEAR_MAX_INSTRUCTIONS)" -gt 0
out=$("$OL" call alice.near/guest --key "$KEY" --input '{"env":"OUTLAYER_CALL_ID"}')
check_eq "env OUTLAYER_CALL_ID" "$(jq -r .output.OUTLAYER_CALL_ID <<<"$out")" \
    "$(jq -r .call_id <<<"$out")"

# ---- every client error code -----------------------------------------------------------------
expect() { # expect NAME HTTP CODE -- CURL ARGS (a POST /call/alice.near/echo by default)
    local name=$1 want_http=$2 want_code=$3
    shift 4
    local got
    got=$(curl -s -o "$TMP/e.out" -w '%{http_code}' "$@")
    local code
    code=$(jq -r .code "$TMP/e.out" 2>/dev/null)
    if [ "$got" = "$want_http" ] && [ "$code" = "$want_code" ]; then
        ok "$name: $want_http $want_code"
    else
        bad "$name" "got $got $(head -c 300 "$TMP/e.out"), want $want_http $want_code"
    fi
}
C="$URL/call/alice.near/echo"
J=(-H 'Content-Type: application/json')
expect "no key" 401 missing_payment_key -- -X POST "$C" "${J[@]}" -d '{}'
expect "wrong secret" 401 invalid_payment_key -- -X POST "$C" "${J[@]}" -d '{}' \
    -H "X-Payment-Key: ${KEY%:*}:$(rand_hex)"
expect "malformed key" 401 invalid_payment_key -- -X POST "$C" "${J[@]}" -d '{}' \
    -H "X-Payment-Key: nonsense"
expect "body not JSON" 400 invalid_json -- -X POST "$C" "${J[@]}" -d '{' -H "X-Payment-Key: $KEY"
expect "unknown body key" 400 bad_request -- -X POST "$C" "${J[@]}" -d '{"inptu":1}' \
    -H "X-Payment-Key: $KEY"
expect "compute limit not a number" 400 invalid_compute_limit -- -X POST "$C" "${J[@]}" -d '{}' \
    -H "X-Payment-Key: $KEY" -H "X-Compute-Limit: abc"
expect "compute limit below minimum" 400 invalid_compute_limit -- -X POST "$C" "${J[@]}" \
    -d '{}' -H "X-Payment-Key: $KEY" -H "X-Compute-Limit: 999"
expect "deposit not a number" 400 invalid_deposit -- -X POST "$C" "${J[@]}" -d '{}' \
    -H "X-Payment-Key: $KEY" -H "X-Attached-Deposit: -5"
expect "limit too low for the time" 400 compute_limit_too_low -- -X POST "$C" "${J[@]}" \
    -d '{"resource_limits":{"max_execution_seconds":100}}' -H "X-Payment-Key: $KEY" \
    -H "X-Compute-Limit: 1000"
expect "memory limit out of range" 400 invalid_resource_limits -- -X POST "$C" "${J[@]}" \
    -d '{"resource_limits":{"max_memory_mb":999999}}' -H "X-Payment-Key: $KEY"
POOR=$(new_key carol.near 5000)
expect "insufficient balance" 402 insufficient_balance -- -X POST "$C" "${J[@]}" -d '{}' \
    -H "X-Payment-Key: $POOR"
ONLY=$(new_key dave.near 100000 '["alice.near/guest"]')
expect "project not allowed" 403 project_not_allowed -- -X POST "$C" "${J[@]}" -d '{}' \
    -H "X-Payment-Key: $ONLY"
CAPPED=$(new_key erin.near 100000 '[]' 5000)
expect "max per call" 400 max_per_call_exceeded -- -X POST "$C" "${J[@]}" -d '{}' \
    -H "X-Payment-Key: $CAPPED"
expect "unknown project" 404 project_not_found -- -X POST "$URL/call/alice.near/nope" "${J[@]}" \
    -d '{}' -H "X-Payment-Key: $KEY"
expect "unknown version" 404 version_not_found -- -X POST "$C" "${J[@]}" \
    -d "{\"version_key\":\"$(rand_hex)\"}" -H "X-Payment-Key: $KEY"
expect "unknown call" 404 call_not_found -- "$URL/calls/no-such-call" -H "X-Payment-Key: $KEY"
expect "admin without token" 401 unauthorized -- "$URL/admin/projects"
head -c $((10 * 1024 * 1024 + 100)) /dev/zero | tr '\0' ' ' >"$TMP/big.json"
expect "body too large" 413 body_too_large -- -X POST "$C" "${J[@]}" \
    --data-binary "@$TMP/big.json" -H "X-Payment-Key: $KEY"

# Too many calls in flight for one key (default 10): ten slow async calls (about 2 s each,
# four run at a time), then an eleventh at once.
calibrate 2000
BUSY=$(new_key frank.near 100000000)
busy_ids=()
accepted=0
for _ in $(seq 1 10); do
    r=$(call_raw "$BUSY" alice.near/guest "{\"input\":{\"spin\":$SPIN},\"async\":true}" \
        -H 'X-Compute-Limit: 1000000')
    [ "${r%% *}" = 202 ] && accepted=$((accepted + 1))
    busy_ids+=("$(cut -d' ' -f2- <<<"$r" | jq -r .call_id)")
done
check_eq "ten slow calls accepted" "$accepted" 10
expect "too many concurrent calls" 429 too_many_concurrent_calls -- -X POST \
    "$URL/call/alice.near/guest" "${J[@]}" -d '{"input":{"spin":1},"async":true}' \
    -H "X-Payment-Key: $BUSY"
for id in "${busy_ids[@]}"; do
    wait_until 60 call_status_is "$BUSY" "$id" completed || bad "busy call $id completed" \
        "$(call_get "$BUSY" "$id" | jq -c '{status, error_code, attempts, time_ms}')"
done

# Rate limit (40 per key per clock minute for this run): not across a minute boundary.
RL=$(new_key grace.near 10000000)
if [ "$(date +%S | sed 's/^0//')" -gt 45 ]; then sleep $((61 - $(date +%S | sed 's/^0//'))); fi
limited=0
for _ in $(seq 1 45); do
    r=$(call_raw "$RL" alice.near/echo '{"input":1}')
    case "$r" in 429*rate_limited*) limited=$((limited + 1)) ;; esac
done
check_eq "rate limited after 40 calls" "$limited" 5

# ---- exact balances --------------------------------------------------------------------------
# Mixed outcomes on one key: each charged call's compute_cost must add up to `spent` exactly;
# program failures are charged for what ran, refused requests nothing, deposits go to the owner
# on success only.
MIX=$(new_key heidi.near 2000000)
expected=0
run_mix() { # run_mix BODY_JSON EXPECTED_STATUS [CURL ARGS]
    local body=$1 want=$2
    shift 2
    local r st cost
    r=$(call_raw "$MIX" alice.near/guest "$body" "$@" | cut -d' ' -f2-)
    st=$(jq -r .status <<<"$r")
    cost=$(jq -r .compute_cost <<<"$r")
    LAST=$r
    if [ "$st" != "$want" ]; then
        bad "mix $body" "status $st, want $want: $(head -c 300 <<<"$r")"
        return
    fi
    # price = base 100 + ceil(instructions / 1e6) + time_ms (defaults: 1 per million, 1 per ms)
    local ins t want_cost
    ins=$(jq -r .instructions <<<"$r")
    t=$(jq -r .time_ms <<<"$r")
    want_cost=$((100 + (ins + 999999) / 1000000 + t))
    check_eq "mix $body: $st, price" "$cost" "$want_cost"
    expected=$((expected + cost))
}
run_mix '{"input":{"spin":10}}' completed
run_mix '{"input":{"spin":2000}}' completed -H 'X-Attached-Deposit: 700'
expected=$((expected + 700))
run_mix '{"input":{"exit":3}}' failed
check_eq "exit: error code" "$(jq -r .error_code <<<"$LAST")" exit
run_mix '{"input":{"trap":1}}' failed
check_eq "trap: error code" "$(jq -r .error_code <<<"$LAST")" trap
run_mix '{"input":{"text":1}}' failed
check_eq "not JSON: error code" "$(jq -r .error_code <<<"$LAST")" invalid_output
run_mix '{"input":{"spin":100000000},"resource_limits":{"max_instructions":100000}}' failed
check_eq "out of fuel: error code" "$(jq -r .error_code <<<"$LAST")" out_of_fuel
check "out of fuel: within the budget" test "$(jq -r .instructions <<<"$LAST")" -le 100000
run_mix '{"input":{"trap":1}}' failed -H 'X-Attached-Deposit: 300'
# refused: costs nothing
call_raw "$MIX" alice.near/guest '{"inptu":1}' >/dev/null
call_raw "$MIX" alice.near/guest '{}' -H 'X-Compute-Limit: 5' >/dev/null
check_eq "mix: spent" "$(balance "$MIX" spent)" "$expected"
check_eq "mix: reserved" "$(balance "$MIX" reserved)" 0
check_eq "mix: available" "$(balance "$MIX" available)" $((2000000 - expected))
check_eq "owner earnings" "$(curl -s "$URL/public/project-earnings/alice.near" | jq -r .balance)" 700

# ---- verify -----------------------------------------------------------------------------------
out=$("$OL" call alice.near/guest --key "$KEY" --input '{"random":1}')
ID=$(jq -r .call_id <<<"$out")
# The module comes from the user's own copy (--wasm): GET /wasm/{sha} is a worker route.
"$OL" verify "$ID" --wasm "$GUEST" >"$TMP/verify.out" 2>&1
rc=$?
check_eq "verify a real call: exit 0" "$rc" 0
check "verify: replay matches" grep -q "verified: output and instructions match" "$TMP/verify.out"
out=$("$OL" verify "$ID" --wasm "$GUEST" --json)
check_eq "verify --json" "$(jq -r .verified <<<"$out")" true

curl -s -H "Authorization: Bearer $ADMIN_TOKEN" "$URL/calls/$ID/evidence" >"$TMP/ev.json"
tamper() { # tamper NAME JQ_FILTER: verify must fail on the modified evidence
    jq "$2" "$TMP/ev.json" >"$TMP/ev-t.json"
    "$OL" verify "$ID" --evidence "$TMP/ev-t.json" --wasm "$GUEST" >"$TMP/vt.out" 2>&1
    local r=$?
    if [ "$r" = 1 ] && grep -q "NOT verified" "$TMP/vt.out"; then
        ok "verify rejects tampered $1"
    else
        bad "verify rejects tampered $1" "exit $r: $(cat "$TMP/vt.out")"
    fi
}
"$OL" verify "$ID" --evidence "$TMP/ev.json" --wasm "$GUEST" >/dev/null 2>&1
check_eq "verify --evidence (untampered)" "$?" 0
tamper "instructions" '.evidence.record.instructions += 1'
tamper "output" '.output_base64 = "eyJ4IjoxfQ=="'
tamper "output hash" '.evidence.record.output_sha256 = ("0" * 64)'
tamper "transcript" '.transcript_base64 = ""'
tamper "signature" '.evidence.signature = "ed25519:1111111111111111111111111111111111111111111111111111111111111111"'
tamper "call id" '.evidence.record.call_id = "other"'

# ---- Ctrl-C stops everything ------------------------------------------------------------------
children=$(sed -n 's/.*started .* (pid \([0-9]*\)).*/\1/p' "$TMP/dev.log")
stop_pid "$DEV_PID" INT 30
check_eq "dev exits 0 on SIGINT" "$?" 0
alive=0
for p in $children; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
check_eq "no child left" "$alive" 0
check_eq "every child exited 0" "$(grep -c 'stopped .* (exit status 0)' "$TMP/dev.log")" 4

finish
