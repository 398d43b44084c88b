#!/usr/bin/env bash
# The example jobs (examples/*, built with the C guest SDK) and the SDK's own test program, run
# through the real `outlayer run --json`: each one's output checked against an independent
# computation (python3, sha256sum), plus the errors a user sees for bad input.
#
# usage: examples_test.sh OUTLAYER EXAMPLES_DIR
#   EXAMPLES_DIR holds echo.wasm, random.wasm, json-stats.wasm, sha256.wasm, env.wasm, fib.wasm
#   and sdk_test.wasm.
set -u

outlayer=$1
dir=$2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0

# job WASM ARGS...: `outlayer run WASM ARGS... --json`; splits the record into $status,
# $code (exit_code), $fuel (instructions), $err (the job's stderr), $tmp/out (the output bytes,
# from "output" or "output_base64") and $out (the same as text).
job() {
    local wasm=$1
    shift
    "$outlayer" run "$dir/$wasm" "$@" --json >"$tmp/run.json" 2>"$tmp/run.err"
    python3 - "$tmp" <<'EOF'
import base64, json, sys
tmp = sys.argv[1]
try:
    r = json.load(open(tmp + "/run.json"))
except ValueError as e:
    r = {"status": "unparsable: %s" % e}
out = base64.b64decode(r["output_base64"]) if "output_base64" in r else \
    r.get("output", "").encode()
open(tmp + "/out", "wb").write(out)
with open(tmp + "/fields", "w") as f:
    for k in ("status", "exit_code", "instructions"):
        f.write("%s\n" % r.get(k))
open(tmp + "/stderr", "w").write(r.get("stderr") or "")
EOF
    { read -r status; read -r code; read -r fuel; } <"$tmp/fields"
    err=$(cat "$tmp/stderr")
    out=$(tr -d '\000' <"$tmp/out") # $out is for text; binary checks cmp $tmp/out
}

check() { # check NAME CONDITION...
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok: $name"
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        echo "  status=$status exit_code=$code instructions=$fuel"
        echo "  output: $(head -c 600 "$tmp/out")"
        echo "  stderr: $(printf '%s' "$err" | head -c 600)"
        echo "  outlayer: $(head -c 600 "$tmp/run.err")"
    fi
}

ok() { test "$status" = ok -a "$code" = 0; }
# fails_with TEXT: exit code 1 and TEXT in the job's stderr (the message the user sees).
fails_with() { test "$status" = exit -a "$code" = 1 && printf '%s' "$err" | grep -qF -- "$1"; }
out_is() { ok && test "$out" = "$1"; }
# py EXPR: evaluates a Python expression with o = the output parsed as JSON; true if truthy.
py() { python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$1"; }

# ---- the SDK's own tests (JSON writer and reader, SHA-256, random, env, input) ----
job sdk_test.wasm --input sdk-test-input --env OL_TEST_U64=18446744073709551615 \
    --env OL_TEST_BAD=12x --env NEAR_SENDER_ID=alice.near
check "sdk_test passes" ok
check "sdk_test ran its checks" test "${out% failed}" != "$out" -a "${out##*, }" = "0 failed"

# ---- echo ----
job echo.wasm --input 'hello, world'
check "echo: text" out_is 'hello, world'
job echo.wasm
check "echo: empty input" out_is ''
printf '\x00\x01\xff binary \xc3\x28 bytes\n' >"$tmp/bin"
job echo.wasm --input-file "$tmp/bin"
check "echo: non-UTF-8 bytes come back as output_base64" \
    eval 'ok && grep -q output_base64 "$tmp/run.json" && cmp -s "$tmp/bin" "$tmp/out"'
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 3)' >"$tmp/all"
job echo.wasm --input-file "$tmp/all"
check "echo: all 256 byte values" eval 'ok && cmp -s "$tmp/all" "$tmp/out"'
head -c 500000 /dev/urandom >"$tmp/big"
job echo.wasm --input-file "$tmp/big"
check "echo: 500 KB of random bytes" eval 'ok && cmp -s "$tmp/big" "$tmp/out"'
printf 'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n' >"$tmp/utf8"
job echo.wasm --input-file "$tmp/utf8"
check "echo: UTF-8 stays text" \
    eval 'ok && ! grep -q output_base64 "$tmp/run.json" && cmp -s "$tmp/utf8" "$tmp/out"'

# ---- random ----
job random.wasm --input '{"min": 1, "max": 100}'
check "random: one number in [1, 100]" \
    eval 'ok && py "list(o) == [\"random_number\"] and 1 <= o[\"random_number\"] <= 100"'
in_range=true
for _ in 1 2 3 4 5 6 7 8 9 10; do
    job random.wasm --input '{"min": -3, "max": 3}'
    ok && py '-3 <= o["random_number"] <= 3' || in_range=false
done
check "random: ten live runs stay in [-3, 3]" $in_range
job random.wasm --input '{"min": -5, "max": 5, "count": 1000}' --seed 0123456789abcdef
check "random: 1000 numbers, all in [-5, 5], every value drawn" \
    eval 'ok && py "len(o[\"random_numbers\"]) == 1000 and set(o[\"random_numbers\"]) == set(range(-5, 6))"'
cp "$tmp/out" "$tmp/seeded"
seeded_fuel=$fuel
job random.wasm --input '{"min": -5, "max": 5, "count": 1000}' --seed 0123456789abcdef
same_as_seeded() { ok && cmp -s "$tmp/seeded" "$tmp/out" && test "$fuel" = "$seeded_fuel"; }
check "random: the same --seed gives the same numbers and instructions" same_as_seeded
job random.wasm --input '{"min": -5, "max": 5, "count": 1000}' --seed 0123456789abcdee
check "random: another seed gives other numbers" eval 'ok && ! cmp -s "$tmp/seeded" "$tmp/out"'
job random.wasm --input '{"min": 1, "max": 1000000, "count": 20}' --record "$tmp/tr"
cp "$tmp/out" "$tmp/live"
job random.wasm --input '{"min": 1, "max": 1000000, "count": 20}' --replay "$tmp/tr"
check "random: a live run replays exactly" eval 'ok && cmp -s "$tmp/live" "$tmp/out"'
job random.wasm --input '{"min": 7, "max": 7}'
check "random: min = max" out_is '{"random_number":7}'
job random.wasm --input \
    '{"min": -9223372036854775808, "max": 9223372036854775807, "count": 50}' --seed 01
check "random: the whole int64 range" \
    eval 'ok && py "all(-2**63 <= x < 2**63 for x in o[\"random_numbers\"])"'
job random.wasm --input '{"max": 1e3, "min": 1.0}'
check "random: integral 1e3 and 1.0 are integers" \
    eval 'ok && py "1 <= o[\"random_number\"] <= 1000"'
job random.wasm --input '{"min": 5, "max": 1}'
check "random: min above max" fails_with "random: min (5) is above max (1)"
job random.wasm --input '{"min": 5}'
check "random: missing max" fails_with 'random: missing "max"'
job random.wasm --input '{"min": 0.5, "max": 1}'
check "random: a fraction" fails_with '"min": expected an integer, found a fraction'
job random.wasm --input '{"min": "1", "max": 2}'
check "random: a string" fails_with '"min": expected an integer, found string'
job random.wasm --input '{"min": 1, "max": 2, "count": 0}'
check "random: count 0" fails_with '"count" must be in 1..1000, not 0'
job random.wasm --input '[1, 2]'
check "random: not an object" fails_with "random: expected an object"
job random.wasm --input '{"min": 1, "max": 2'
check "random: malformed JSON" \
    fails_with "invalid JSON input: byte 19: expected ',' or '}', found end of input"
job random.wasm
check "random: empty input" fails_with "invalid JSON input: byte 0: empty input"

# ---- json-stats ----
job json-stats.wasm --input '{"numbers": [1, 2, 3, 4]}'
check "json-stats: integers" out_is '{"count":4,"sum":10,"mean":2.5,"min":1,"max":4}'
job json-stats.wasm --input '[3, 1.5, -2]'
check "json-stats: a bare array, mixed" \
    out_is '{"count":3,"sum":2.5,"mean":0.8333333333333334,"min":-2,"max":3}'
job json-stats.wasm --input '[]'
check "json-stats: empty" out_is '{"count":0,"sum":0,"mean":null,"min":null,"max":null}'
job json-stats.wasm --input '{"numbers": [42]}'
check "json-stats: one number" out_is '{"count":1,"sum":42,"mean":42,"min":42,"max":42}'
job json-stats.wasm --input '[9223372036854775807, -9223372036854775808, 5]'
check "json-stats: int64 extremes exactly" out_is \
    '{"count":3,"sum":4,"mean":1.3333333333333333,"min":-9223372036854775808,"max":9223372036854775807}'
job json-stats.wasm --input '[1e16, 1.0, -1e16]'
check "json-stats: compensated sum keeps the 1" eval 'ok && py "o[\"sum\"] == 1"'
job json-stats.wasm --input '[0.1, 0.2]'
check "json-stats: 0.1 + 0.2" \
    out_is '{"count":2,"sum":0.30000000000000004,"mean":0.15000000000000002,"min":0.1,"max":0.2}'
# 2000 random integers and 2000 random multiples of 1/8 (exact sums), against Python.
python3 -c '
import json, random
r = random.Random(7)
print(json.dumps({"numbers": [r.randint(-10**12, 10**12) for _ in range(2000)]}))' >"$tmp/ints"
job json-stats.wasm --input-file "$tmp/ints"
check "json-stats: 2000 integers match Python exactly" eval 'ok && python3 -c "
import json, sys
n = json.load(open(sys.argv[1]))[\"numbers\"]
o = json.load(open(sys.argv[2]))
sys.exit(0 if o == {\"count\": len(n), \"sum\": sum(n), \"mean\": sum(n) / len(n),
                    \"min\": min(n), \"max\": max(n)} else 1)" "$tmp/ints" "$tmp/out"'
python3 -c '
import json, random
r = random.Random(8)
print(json.dumps([r.randint(-8 * 10**6, 8 * 10**6) / 8 for _ in range(2000)]))' >"$tmp/eighths"
job json-stats.wasm --input-file "$tmp/eighths"
check "json-stats: 2000 fractions match Python exactly" eval 'ok && python3 -c "
import json, math, sys
n = json.load(open(sys.argv[1]))
o = json.load(open(sys.argv[2]))
sys.exit(0 if o == {\"count\": len(n), \"sum\": math.fsum(n), \"mean\": math.fsum(n) / len(n),
                    \"min\": min(n), \"max\": max(n)} else 1)" "$tmp/eighths" "$tmp/out"'
job json-stats.wasm --input '{"nums": [1]}'
check "json-stats: no numbers member" fails_with 'json-stats: the input object has no "numbers"'
job json-stats.wasm --input '{"numbers": 5}'
check "json-stats: numbers not an array" \
    fails_with 'json-stats: "numbers": expected an array, found number'
job json-stats.wasm --input '[1, "2", 3]'
check "json-stats: a string element" \
    fails_with "json-stats: element 1: expected a number, found string"
job json-stats.wasm --input '"text"'
check "json-stats: a string" fails_with "json-stats: expected an array of numbers"
job json-stats.wasm --input '[1, 2,]'
check "json-stats: trailing comma" \
    fails_with "invalid JSON input: byte 6: unexpected ']', expected a value"
job json-stats.wasm --input '[1, 1e999]'
check "json-stats: a number beyond double" \
    fails_with "invalid JSON input: byte 4: number out of range"
job json-stats.wasm --input '[1e308, 1e308]'
check "json-stats: a sum beyond double" fails_with "json-stats: the sum overflows a double"
printf '[1, "\xff"]' >"$tmp/badutf8"
job json-stats.wasm --input-file "$tmp/badutf8"
check "json-stats: invalid UTF-8" fails_with "invalid JSON input: byte 5: invalid UTF-8"
python3 -c 'print("[" * 200 + "]" * 200)' >"$tmp/deep"
job json-stats.wasm --input-file "$tmp/deep"
check "json-stats: nesting 200 deep" fails_with "nesting deeper than 128"

# ---- sha256 ----
for f in empty abc bin all big utf8; do
    case $f in
    empty) : >"$tmp/$f" ;;
    abc) printf abc >"$tmp/$f" ;;
    esac
    job sha256.wasm --input-file "$tmp/$f"
    check "sha256: $f equals sha256sum" \
        test "$(ok && cat "$tmp/out")" = "$(sha256sum <"$tmp/$f" | cut -d' ' -f1)"
done
head -c 3000000 /dev/urandom >"$tmp/3mb"
job sha256.wasm --input-file "$tmp/3mb"
check "sha256: 3 MB equals sha256sum" \
    test "$(ok && cat "$tmp/out")" = "$(sha256sum <"$tmp/3mb" | cut -d' ' -f1)"
check "sha256: output is the digest and a newline" eval 'ok && test "$(wc -c <"$tmp/out")" = 65'

# ---- env ----
job env.wasm
check "env: nothing set" out_is '{}'
job env.wasm --env MY_SECRET=s3cret --env NEAR_SENDER_ID=alice.near \
    --env 'OUTLAYER_PROJECT_NAME=say "hi"\n' --env OUTLAYER_EXECUTION_TYPE=HTTPS \
    --env NEAR_TRANSACTION_HASH= --env PATH=/bin
check "env: the system variables given, in the platform's order, escaped" out_is \
    '{"NEAR_SENDER_ID":"alice.near","OUTLAYER_EXECUTION_TYPE":"HTTPS","NEAR_TRANSACTION_HASH":"","OUTLAYER_PROJECT_NAME":"say \"hi\"\\n"}'
check "env: secrets and other variables are not printed" eval 'ok && ! grep -q s3cret "$tmp/out"'
all_env=()
for v in NEAR_SENDER_ID NEAR_USER_ACCOUNT_ID NEAR_PREDECESSOR_ID NEAR_SIGNER_PUBLIC_KEY \
    NEAR_NETWORK_ID OUTLAYER_EXECUTION_TYPE NEAR_REQUEST_ID OUTLAYER_CALL_ID NEAR_TRANSACTION_HASH \
    NEAR_RECEIPT_ID NEAR_CONTRACT_ID NEAR_BLOCK_HEIGHT NEAR_BLOCK_TIMESTAMP NEAR_GAS_BURNT \
    NEAR_PAYMENT_YOCTO ATTACHED_USD USD_PAYMENT NEAR_MAX_INSTRUCTIONS NEAR_MAX_MEMORY_MB \
    NEAR_MAX_EXECUTION_SECONDS OUTLAYER_PROJECT_ID OUTLAYER_PROJECT_UUID OUTLAYER_PROJECT_NAME \
    OUTLAYER_PROJECT_OWNER WALLET_ID NEAR_RPC_PROXY_AVAILABLE; do
    all_env+=(--env "$v=value of $v")
done
job env.wasm "${all_env[@]}"
check "env: all 26 system variables (reference section 4.6)" eval 'ok && py "
len(o) == 26 and all(v == \"value of \" + k for k, v in o.items())"'

# ---- fib ----
fib_ok=true
for n in 0 1 2 10 20 25; do
    want=$(python3 -c "a, b = 0, 1
for _ in range($n): a, b = b, a + b
print(a)")
    job fib.wasm --input "$n"
    out_is "{\"n\":$n,\"fib\":$want}" || fib_ok=false
done
check "fib: 0 1 2 10 20 25" $fib_ok
job fib.wasm --input '{"n": 30}'
check "fib: {\"n\": 30}" out_is '{"n":30,"fib":832040}'
job fib.wasm --input 20
f20=$fuel
job fib.wasm --input 25
f25=$fuel
job fib.wasm --input 30
f30=$fuel
check "fib: instructions grow about 1.6x per step ($f20 $f25 $f30)" \
    python3 -c "import sys; a, b, c = $f20, $f25, $f30; sys.exit(0 if 8 < b / a < 14 and 8 < c / b < 14 else 1)"
job fib.wasm --input 30
check "fib: the instruction count is exact" test "$fuel" = "$f30"
job fib.wasm --input 30 --max-instructions 1000000
check "fib: a low fuel limit stops it" test "$status" = out_of_fuel -a "$fuel" -le 1000000
job fib.wasm --input 94
check "fib: n above 93" fails_with "fib: n must be in 0..93, not 94"
job fib.wasm --input -1
check "fib: negative n" fails_with "fib: n must be in 0..93, not -1"
job fib.wasm --input 2.5
check "fib: a fraction" fails_with "fib: n: expected an integer, found a fraction"
job fib.wasm --input '{"m": 3}'
check "fib: no n" fails_with 'fib: missing "n"'
job fib.wasm --input 'abc'
check "fib: not JSON" fails_with "invalid JSON input: byte 0: unexpected 'a', expected a value"

echo "examples_test: $passed passed, $failed failed"
test "$failed" = 0 -a "$passed" -gt 0
