#!/usr/bin/env bash
# `outlayer run` end to end: the real binary on the C guests (test_run_guest_*.c, built with
# clang-14 for wasm32-wasi) and two WAT fixtures. Covers the command line, every status and its
# exit status, the limits, the streams, record/replay and seeds. The --json schema itself is
# checked field by field by test_run_json.c.
#
# usage: run_test.sh OUTLAYER DIR
#   DIR holds run_<name>.wasm (the guests) and test_run_imports.wasm, test_run_nostart.wasm.
set -u

outlayer=$1
dir=$2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
out=
err=
rc=

run() { # run CMD...: captures stdout, stderr and the exit status
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
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
        echo "  status: $rc"
        echo "  stdout: $(head -c 2000 "$tmp/out")"
        echo "  stderr: $(head -c 2000 "$tmp/err")"
    fi
}

has() { printf '%s\n' "$1" | grep -qF -- "$2"; }
lacks() { ! has "$1" "$2"; }
rc_is() { test "$rc" = "$1"; }
json_field() { # json_field NAME: a scalar field of the JSON object in $out
    printf '%s' "$out" | sed -n "s/.*\"$1\":\(\"[^\"]*\"\|[0-9]*\|null\).*/\1/p"
}

echo_w=$dir/run_echo.wasm
env_w=$dir/run_env.wasm
exit_w=$dir/run_exit.wasm
random_w=$dir/run_random.wasm
bigmem_w=$dir/run_bigmem.wasm

# ---- the command line ----
run "$outlayer" help
check "help lists run" has "$out" "run "
run "$outlayer" help run
check "help run shows the usage" has "$out" "usage: outlayer run FILE.wasm"
run "$outlayer" run --help
check "run --help shows the usage" test "$rc" = 0 -a -n "$out"
run "$outlayer" run
check "missing file is a usage error" rc_is 2
check "missing file is named" has "$err" "missing FILE.wasm"
run "$outlayer" run "$echo_w" --frobnicate
check "unknown option" rc_is 2
check "unknown option is named" has "$err" "--frobnicate"
run "$outlayer" run "$echo_w" --input a --input-file b
check "--input and --input-file exclude each other" rc_is 2
run "$outlayer" run "$echo_w" --seed 00 --replay x
check "--seed and --replay exclude each other" rc_is 2
run "$outlayer" run "$echo_w" --record a --replay b
check "--record and --replay exclude each other" rc_is 2
run "$outlayer" run "$echo_w" --max-instructions 0
check "--max-instructions 0" rc_is 2
run "$outlayer" run "$echo_w" --max-memory-mb 4097
check "--max-memory-mb above 4096" rc_is 2
run "$outlayer" run "$echo_w" --timeout-ms abc
check "--timeout-ms not a number" rc_is 2
run "$outlayer" run "$echo_w" --max-output-bytes
check "an option without its value" rc_is 2
run "$outlayer" run "$echo_w" --seed 0g
check "--seed not hex" rc_is 2
run "$outlayer" run "$echo_w" --seed "$(printf '%0130d' 0)"
check "--seed longer than 64 bytes" rc_is 2
run "$outlayer" run "$echo_w" --env NOEQUALS-s3cret
check "--env without =" rc_is 2
check "--env values are not echoed" lacks "$err" "s3cret"
run "$outlayer" run "$echo_w" a.wasm
check "two files" rc_is 2
run "$outlayer" run "$tmp/missing.wasm"
check "unreadable file" rc_is 1
check "unreadable file is named" has "$err" "missing.wasm"

# ---- streams, args, env ----
run "$outlayer" run "$echo_w" --input "hello, world"
check "echo --input" test "$rc" = 0 -a "$out" = "hello, world"
printf 'from a file\n' >"$tmp/in.txt"
run "$outlayer" run "$echo_w" --input-file "$tmp/in.txt"
check "echo --input-file" test "$rc" = 0 -a "$out" = "from a file"
run bash -c "printf piped | '$outlayer' run '$echo_w' --input-file -"
check "echo --input-file - reads our stdin" test "$rc" = 0 -a "$out" = "piped"
run "$outlayer" run "$echo_w"
check "no input is empty input" test "$rc" = 0 -a -z "$out"
head -c 300000 /dev/urandom >"$tmp/big.bin"
"$outlayer" run "$echo_w" --input-file "$tmp/big.bin" >"$tmp/big.out"
rc=$?
check "300 KB of binary input round-trips" cmp -s "$tmp/big.bin" "$tmp/big.out"

run "$outlayer" run "$env_w" --arg one --arg "two words" --env A=1 --env OUTLAYER_TEST=x --env A=2
check "argv[0] is the file's base name" has "$out" "argv[0]=run_env.wasm"
check "args in order" has "$out" "argv[2]=two words"
check "argc" has "$out" "argc=3"
check "a later --env replaces an earlier one" has "$out" "env A=2"
check "the replaced value is gone" lacks "$out" "env A=1"
check "getenv" has "$out" "OUTLAYER_TEST is x"
check "env keeps first-seen order" test "$(printf '%s\n' "$out" | grep '^env ' | head -n 1)" = "env A=2"
run "$outlayer" run "$env_w"
check "no env: environ is empty" lacks "$out" "env "

# ---- exit codes and statuses ----
run "$outlayer" run "$exit_w" --input 0
check "exit 0" test "$rc" = 0 -a "$out" = "exiting with 0"
run "$outlayer" run "$exit_w" --input 3
check "exit 3 is our exit status" rc_is 3
check "the guest's stdout and stderr are copied" test "$out" = "exiting with 3" -a "$err" = "bye"
run "$outlayer" run "$exit_w" --input 300
check "exit codes above 255 give 255" rc_is 255
run "$outlayer" run "$exit_w" --input 300 --json
check "--json keeps the whole exit code" test "$(json_field exit_code)" = 300
check "--json status exit" test "$(json_field status)" = '"exit"'

run "$outlayer" run "$exit_w" --input trap
check "trap exit status" rc_is 3
check "trap reason" has "$err" "outlayer: trap: unreachable (function "

run "$outlayer" run "$exit_w" --input spin --max-instructions 1000000
check "out_of_fuel exit status" rc_is 3
check "out_of_fuel reason" has "$err" "outlayer: out_of_fuel: the limit of 1000000 instructions"
run "$outlayer" run "$exit_w" --input spin --max-instructions 1000000 --json
# A block is charged on entry and traps before running when it costs more than what is left.
fuel=$(json_field instructions)
check "out_of_fuel stops within a block of the limit" test "$fuel" -le 1000000 -a "$fuel" -gt 999900

run "$outlayer" run "$exit_w" --input spin --timeout-ms 200
check "timeout exit status" rc_is 3
check "timeout reason" has "$err" "outlayer: timeout: the run exceeded the timeout of 200 ms"
start=$(date +%s%N)
run "$outlayer" run "$exit_w" --input sleep --timeout-ms 300
elapsed=$((($(date +%s%N) - start) / 1000000))
check "a sleeping guest times out" has "$err" "outlayer: timeout"
check "and promptly" test "$elapsed" -lt 5000

run "$outlayer" run "$bigmem_w"
check "memory_limit exit status" rc_is 3
check "memory_limit reason" has "$err" "outlayer: memory_limit: memory of"
run "$outlayer" run "$bigmem_w" --max-memory-mb 200
check "a higher --max-memory-mb lets it run" test "$rc" = 0 -a "$out" = "touched x"
run "$outlayer" run "$exit_w" --input oom --max-memory-mb 16
check "a guest that fails after malloc hits the limit is memory_limit" rc_is 3
check "memory_limit reason at run time" has "$err" "outlayer: memory_limit: memory.grow was refused"

head -c 5000 /dev/zero | tr '\0' 'y' >"$tmp/5k.txt"
"$outlayer" run "$echo_w" --input-file "$tmp/5k.txt" --max-output-bytes 1000 >"$tmp/capped" 2>"$tmp/err"
rc=$?
check "output_limit exit status" rc_is 3
check "output_limit keeps exactly the cap" test "$(wc -c <"$tmp/capped")" = 1000
check "output_limit reason" grep -qF "outlayer: output_limit: stdout exceeded the limit of 1000 bytes" "$tmp/err"
run "$outlayer" run "$echo_w" --input-file "$tmp/5k.txt" --max-output-bytes 5000
check "output exactly at the cap is fine" rc_is 0

printf 'not wasm' >"$tmp/bad.wasm"
run "$outlayer" run "$tmp/bad.wasm"
check "malformed module exit status" rc_is 1
check "malformed module reason" has "$err" "outlayer: invalid_module: malformed input"
run "$outlayer" run "$dir/test_run_nostart.wasm"
check "no _start" has "$err" "invalid_module: the module does not export \"_start\""
run "$outlayer" run "$dir/test_run_imports.wasm"
check "unprovided import" has "$err" "invalid_module: import \"env\" \"host_add\" is not provided"
check "unprovided import exit status" rc_is 1

# ---- nondeterminism ----
run "$outlayer" run "$random_w" --json
live1=$out
run "$outlayer" run "$random_w" --json
check "live runs differ" test "$live1" != "$out"

run "$outlayer" run "$random_w" --seed c0ffee --json
seeded=$(printf '%s' "$out" | sed 's/"time_ms":[0-9]*,//')
for i in 1 2 3; do
    run "$outlayer" run "$random_w" --seed c0ffee --json
    check "seeded run $i is identical" test "$(printf '%s' "$out" | sed 's/"time_ms":[0-9]*,//')" = "$seeded"
done
run "$outlayer" run "$random_w" --seed C0FFEE --json
check "hex digits are case-insensitive" test "$(printf '%s' "$out" | sed 's/"time_ms":[0-9]*,//')" = "$seeded"
run "$outlayer" run "$random_w" --seed c0fffe --json
check "another seed differs" test "$(printf '%s' "$out" | sed 's/"time_ms":[0-9]*,//')" != "$seeded"
run "$outlayer" run "$random_w" --seed 01
check "seeded virtual clock starts at 2025-01-01" has "$out" "realtime 1735689600001000000"
check "the virtual clock advances by sleeps" has "$out" "slept yes"

run "$outlayer" run "$random_w" --record "$tmp/t.tr" --json
recorded=$(printf '%s' "$out" | sed 's/"time_ms":[0-9]*,//')
check "record writes the transcript" test -s "$tmp/t.tr"
check "the transcript starts with its header" test "$(head -n 1 "$tmp/t.tr")" = "outlayer-transcript 1"
check "transcript_sha256 is the file's hash" has "$out" "\"transcript_sha256\":\"$(sha256sum "$tmp/t.tr" | cut -c1-64)\""
check "no temporary file is left" test "$(ls "$tmp" | grep -c '\.tmp\.')" = 0
for i in 1 2 3 4 5; do
    run "$outlayer" run "$random_w" --replay "$tmp/t.tr" --json
    check "replay $i reproduces output, exit code, instructions, hashes" \
        test "$(printf '%s' "$out" | sed 's/"time_ms":[0-9]*,//')" = "$recorded"
done
run "$outlayer" run "$random_w" --replay "$tmp/t.tr"
check "replay without --json prints the recorded output" test "$rc" = 0 -a -n "$out"
run "$outlayer" run "$echo_w" --replay "$tmp/t.tr"
check "replaying another program's transcript diverges" rc_is 3
check "divergence reason" has "$err" "outlayer: trap: replay diverged: the run ended with"
sed '$d' "$tmp/t.tr" >"$tmp/short.tr"
run "$outlayer" run "$random_w" --replay "$tmp/short.tr"
check "a transcript missing a value diverges" has "$err" "but the transcript ended after"
printf 'outlayer-transcript 1\nclock 1 01\n' >"$tmp/bad.tr"
run "$outlayer" run "$random_w" --replay "$tmp/bad.tr"
check "a malformed transcript is refused" rc_is 1
check "with its line" has "$err" "transcript: line 2"
run "$outlayer" run "$random_w" --replay "$tmp/none.tr"
check "a missing transcript" rc_is 1
run "$outlayer" run "$random_w" --record "$tmp/no/such/dir/t.tr"
check "an unwritable --record fails" rc_is 1

echo "run_test: $passed passed, $failed failed"
test "$failed" = 0
