#!/usr/bin/env bash
# Differential test: every case of run_node_cases.txt runs under `outlayer run` and under Node's
# built-in node:wasi (run_node_wasi.mjs); stdout must be byte-identical and the exit code equal
# (a trap must trap in both). Examples join by adding lines with @EXAMPLES@/NAME.wasm.
#
# usage: run_node_diff.sh OUTLAYER RUN_DIR EXAMPLES_DIR [NODE]
# Without Node 20 (or newer) the test is skipped loudly, and fails under CI=true.
set -u

outlayer=$1
run_dir=$2
examples_dir=$3
node=${4:-node}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v "$node" >/dev/null 2>&1 ||
    [ "$("$node" -e 'console.log(process.versions.node.split(".")[0] >= 20 ? 1 : 0)' 2>/dev/null)" != 1 ]; then
    echo "SKIP: Node.js 20 or newer is needed for the node:wasi differential test"
    [ "${CI:-}" = true ] && exit 1
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
n=0
while IFS=$'\t' read -r wasm input args env || [ -n "$wasm" ]; do
    case $wasm in '' | '#'*) continue ;; esac
    n=$((n + 1))
    wasm=${wasm//@RUN@/$run_dir}
    wasm=${wasm//@EXAMPLES@/$examples_dir}
    name="case $n: $(basename "$wasm") input='$input' args='$args' env='$env'"
    if [ ! -f "$wasm" ]; then
        echo "FAIL: $name: $wasm does not exist"
        failed=$((failed + 1))
        continue
    fi
    : >"$tmp/in"
    [ "$input" != - ] && printf '%b' "$input" >"$tmp/in"
    ours=("$outlayer" run "$wasm" --input-file "$tmp/in")
    argv_json="[\"$(basename "$wasm")\""
    if [ "$args" != - ]; then
        for a in $args; do
            ours+=(--arg "$a")
            argv_json+=",\"$a\""
        done
    fi
    argv_json+="]"
    env_json="{"
    sep=
    if [ "$env" != - ]; then
        for kv in $env; do
            ours+=(--env "$kv")
            env_json+="$sep\"${kv%%=*}\":\"${kv#*=}\""
            sep=,
        done
    fi
    env_json+="}"

    # Our status and exact exit code from --json; our stdout from a plain run.
    "${ours[@]}" --json >"$tmp/ours.json" 2>"$tmp/ours.err"
    "${ours[@]}" >"$tmp/ours.out" 2>/dev/null
    our_status=$(sed -n 's/^{"status":"\([a-z_]*\)".*/\1/p' "$tmp/ours.json")
    our_code=$(sed -n 's/.*"exit_code":\([0-9]*\|null\),.*/\1/p' "$tmp/ours.json")
    "$node" --no-warnings "$here/run_node_wasi.mjs" "$wasm" "$tmp/in" "$tmp/node.out" \
        "$tmp/node.err" "$argv_json" "$env_json" >"$tmp/node.code" 2>"$tmp/node.stderr"
    node_code=$(cat "$tmp/node.code")

    ok=true
    if [ "$node_code" = trap ]; then
        [ "$our_status" = trap ] || ok=false
    elif [ "$our_code" != "$node_code" ]; then
        ok=false
    fi
    cmp -s "$tmp/ours.out" "$tmp/node.out" || ok=false
    if $ok; then
        passed=$((passed + 1))
        echo "ok: $name (exit $node_code)"
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        echo "  outlayer: status=$our_status exit_code=$our_code $(head -c 300 "$tmp/ours.err")"
        echo "  node:     exit=$node_code $(head -c 300 "$tmp/node.stderr")"
        cmp "$tmp/ours.out" "$tmp/node.out" | head -n 1
    fi
done <"$here/run_node_cases.txt"

echo "run_node_diff: $passed passed, $failed failed"
test "$failed" = 0 -a "$passed" -gt 0
