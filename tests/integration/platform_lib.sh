# Shared helpers of the platform tests (sourced by platform_*_test.sh). They start the real
# `outlayer coordinator` and `outlayer worker` binaries on 127.0.0.1 with ephemeral ports, wait
# for them with bounded loops, and kill everything they started on exit.
#
# usage (from a test): . platform_lib.sh OUTLAYER GUEST_WASM EXAMPLES_DIR
set -u

OL=$1
GUEST=$2
EXAMPLES=$3
TMP=$(mktemp -d /tmp/ol-platform-XXXXXX)
PIDS=()
passed=0
failed=0

cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "$failed" -ne 0 ]; then
        for f in "$TMP"/*.log "$TMP"/*/*.log; do
            [ -f "$f" ] || continue
            echo "---- $f (last 40 lines)"
            tail -n 40 "$f"
        done
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

ok() {
    passed=$((passed + 1))
    echo "ok: $1"
}

bad() {
    failed=$((failed + 1))
    echo "FAIL: $1"
    shift
    [ $# -gt 0 ] && echo "  $*"
}

# check NAME CMD...: passes when CMD succeeds.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

# check_eq NAME GOT WANT
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi
}

# finish: stops every process still running (SIGTERM, last started first, bounded), so that
# sanitizer builds report leaks at exit; then fails on any sanitizer report in the logs and
# prints the summary.
finish() {
    local i p f
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        p=${PIDS[$i]}
        kill -0 "$p" 2>/dev/null && stop_pid "$p" TERM 30
    done
    for f in "$TMP"/*.log "$TMP"/*/*.log; do
        [ -f "$f" ] || continue
        if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f"; then
            bad "sanitizer report in ${f#"$TMP"/}" "$(grep -m3 -E 'Sanitizer|runtime error' "$f")"
        fi
    done
    echo "passed: $passed, failed: $failed"
    [ "$failed" -eq 0 ]
}

rand_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

# wait_until SECONDS CMD...: runs CMD every 0.1 s until it succeeds; at most SECONDS*10 tries.
wait_until() {
    local tries=$(($1 * 10)) i
    shift
    for ((i = 0; i < tries; i++)); do
        if "$@"; then return 0; fi
        sleep 0.1
    done
    return 1
}

ADMIN_TOKEN=$(rand_hex)
WORKER_TOKEN=$(rand_hex)
export OUTLAYER_ADMIN_TOKEN=$ADMIN_TOKEN OUTLAYER_WORKER_TOKEN=$WORKER_TOKEN
COORD_PID=
URL=

# start_coord NAME PORT [FLAGS...]: a coordinator with its database in $TMP/NAME; sets COORD_PID
# and URL. PORT 0 binds an ephemeral port.
start_coord() {
    local name=$1 port=$2
    shift 2
    mkdir -p "$TMP/$name"
    rm -f "$TMP/$name/port"
    "$OL" coordinator --db="sqlite:$TMP/$name/outlayer.db" --host=127.0.0.1 --port="$port" \
        --port-file="$TMP/$name/port" "$@" >>"$TMP/$name/coord.log" 2>&1 &
    COORD_PID=$!
    PIDS+=("$COORD_PID")
    if ! wait_until 20 test -s "$TMP/$name/port"; then
        bad "coordinator $name started" "no port file"
        return 1
    fi
    URL="http://127.0.0.1:$(cat "$TMP/$name/port")"
    if ! wait_until 20 curl -sf -o /dev/null "$URL/health"; then
        bad "coordinator $name healthy"
        return 1
    fi
}

# start_worker NAME [FLAGS...]: a worker for $URL with its data in $TMP/NAME; echoes nothing,
# sets LAST_PID.
LAST_PID=
start_worker() {
    local name=$1
    shift
    mkdir -p "$TMP/$name"
    "$OL" worker --coordinator-url="$URL" --data-dir="$TMP/$name" --name="$name" \
        --poll-timeout-ms=5000 "$@" >>"$TMP/$name/worker.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# online_workers: number of workers the coordinator shows online.
online_workers() {
    curl -sf "$URL/public/workers" | jq '[.workers[] | select(.status == "online")] | length'
}

# online_ge N: true when at least N workers are online.
online_ge() {
    local n
    n=$(online_workers 2>/dev/null)
    [ "${n:-0}" -ge "$1" ]
}

# wait_workers N: until at least N workers are online (20 s at most).
wait_workers() {
    wait_until 20 online_ge "$1"
}

# stop_pid PID SIGNAL SECONDS: sends SIGNAL, waits at most SECONDS, then SIGKILL. Returns the
# process's exit status (137 when it had to be killed).
stop_pid() {
    local pid=$1 sig=$2 secs=$3 i
    kill "-$sig" "$pid" 2>/dev/null
    for ((i = 0; i < secs * 10; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null
            return $?
        fi
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 137
}

# admin METHOD PATH [CURL ARGS...]: an admin request; prints the body.
admin() {
    local m=$1 p=$2
    shift 2
    curl -s -X "$m" -H "Authorization: Bearer $ADMIN_TOKEN" "$URL$p" "$@"
}

# new_key OWNER BALANCE [PROJECTS_JSON [MAX_PER_CALL]]: prints a fresh payment key.
new_key() {
    local body
    body=$(jq -cn --arg o "$1" --arg b "$2" --argjson p "${3:-[]}" --arg m "${4:-0}" \
        '{owner: $o, initial_balance: $b, project_ids: $p, max_per_call: $m}')
    admin POST /admin/payment-keys -H 'Content-Type: application/json' -d "$body" | jq -r .key
}

# balance KEY FIELD: one field of the key's balance.
balance() {
    curl -s -H "X-Payment-Key: $1" "$URL/payment-keys/balance" | jq -r ".$2"
}

# call_raw KEY PROJECT BODY [CURL ARGS...]: POST /call; prints "STATUS BODY".
call_raw() {
    local key=$1 project=$2 body=$3
    shift 3
    curl -s -o "$TMP/call.out" -w '%{http_code}' -X POST -H "X-Payment-Key: $key" \
        -H 'Content-Type: application/json' "$URL/call/$project" -d "$body" "$@"
    printf ' '
    cat "$TMP/call.out"
}

# call_get KEY CALL_ID: GET /calls/ID.
call_get() {
    curl -s -H "X-Payment-Key: $1" "$URL/calls/$2"
}

# call_status_is KEY CALL_ID STATUS...: true when the call's status is one of STATUS.
call_status_is() {
    local key=$1 id=$2 st
    shift 2
    st=$(call_get "$key" "$id" | jq -r .status)
    for s in "$@"; do
        [ "$st" = "$s" ] && return 0
    done
    return 1
}

# upload OWNER/NAME FILE: creates the project with FILE as its active version.
upload() {
    local owner=${1%/*} name=${1#*/}
    admin POST /admin/projects -H 'Content-Type: application/json' \
        -d "{\"owner\":\"$owner\",\"name\":\"$name\"}" >/dev/null
    admin POST "/admin/projects/$owner/$name/versions?activate=true" \
        -H 'Content-Type: application/wasm' --data-binary "@$2" >/dev/null
}

# calibrate MS: sets SPIN to the {"spin": N} that runs about MS milliseconds on this build
# (debug, ASan and release differ tenfold), measured with `outlayer run`; at least 10M rounds.
SPIN=10000000
calibrate() {
    local t0 t1 ms
    t0=$(date +%s%N)
    "$OL" run "$GUEST" --input '{"spin":10000000}' >/dev/null
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    [ "$ms" -lt 1 ] && ms=1
    SPIN=$((10000000 * $1 / ms))
    [ "$SPIN" -lt 10000000 ] && SPIN=10000000
    echo "calibrated: 10M rounds in ${ms} ms; a ${1} ms job = $SPIN rounds"
}
