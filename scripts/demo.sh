#!/usr/bin/env bash
# The README's main job: the whole HTTPS path on this machine, end to end, then it stops.
#   1. `outlayer run` runs the json-stats example job directly (metered engine + WASI host);
#   2. `outlayer dev` starts a coordinator and a worker in a temporary data directory;
#   3. a project is created from the same module, a payment key with a balance, and one call
#      made over HTTPS; its response carries the output, the instruction count, the exact charge
#      and the worker's signed evidence;
#   4. `outlayer verify` checks the signature and replays the run bit for bit;
#   5. the stack shuts down (Ctrl-C semantics) and the temporary directory is removed.
# Every wait is bounded. Usage: scripts/demo.sh [BUILD_DIR] (default build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
ol="$build/outlayer"
wasm="$build/examples/json-stats.wasm"
input='{"numbers":[3,1,4,1,5,9,2,6]}'
[ -x "$ol" ] && [ -f "$wasm" ] || { echo "demo: build first (make)" >&2; exit 1; }

dir=$(mktemp -d)
dev_pid=
cleanup() {
    if [ -n "$dev_pid" ] && kill -0 "$dev_pid" 2>/dev/null; then
        kill -INT "$dev_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$dev_pid" 2>/dev/null || true
        wait "$dev_pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

echo "== outlayer run (one job, locally)"
"$ol" run "$wasm" --input "$input" --json
echo

echo "== outlayer dev (coordinator + worker on 127.0.0.1)"
"$ol" dev --data-dir "$dir/dev" --port 0 --workers 1 >"$dir/dev.log" 2>&1 &
dev_pid=$!
for _ in $(seq 1 300); do
    grep -q '^ready' "$dir/dev.log" 2>/dev/null && break
    kill -0 "$dev_pid" 2>/dev/null || { cat "$dir/dev.log" >&2; exit 1; }
    sleep 0.1
done
grep -q '^ready' "$dir/dev.log" || { echo "demo: dev did not become ready" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
. "$dir/dev/dev.env"
set +a
echo "coordinator: $OUTLAYER_URL"
echo

echo "== project, payment key, one HTTPS call"
"$ol" project create demo.near/json-stats --wasm "$wasm"
key=$("$ol" keys create demo.near --balance 1000000 |
      sed -n 's/.*"key": *"\([^"]*\)".*/\1/p')
"$ol" call demo.near/json-stats --key "$key" --input "$input" | tee "$dir/call.json"
call_id=$(sed -n 's/^ *"call_id": *"\([^"]*\)".*/\1/p' "$dir/call.json" | head -n 1)
echo

echo "== outlayer verify $call_id"
"$ol" verify "$call_id"
echo
"$ol" keys balance "$key"
