#!/usr/bin/env bash
# Runs the real `outlayer` binary: the bundled example, values in and out, traps with their
# location, exact fuel figures, refused imports, and clear errors for bad input.
#
# usage: cli_test.sh OUTLAYER EXAMPLES_DIR FIXTURES_DIR [WASM_OBJDUMP]
#   EXAMPLES_DIR holds hello.wasm; FIXTURES_DIR holds the compiled tests/integration/*.wat;
#   wasm-objdump (wabt) tells where the trapping instructions are.
set -u

outlayer=$1
examples=$2
fixtures=$3
objdump=${4:-wasm-objdump}
hello=$examples/hello.wasm
cli=$fixtures/cli.wasm

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
out=
err=
rc=

# run CMD...: captures stdout, stderr and the exit status of one command.
run() {
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}

fail() {
    failed=$((failed + 1))
    echo "FAIL: $1"
    echo "  command status: $rc"
    echo "  stdout: $(printf '%s' "$out" | head -c 2000)"
    echo "  stderr: $(printf '%s' "$err" | head -c 2000)"
}

pass() {
    passed=$((passed + 1))
    echo "ok: $1"
}

# check NAME CONDITION...: the condition is a command (usually `test` or a grep).
check() {
    local name=$1
    shift
    if "$@"; then
        pass "$name"
    else
        fail "$name"
    fi
}

has() { # has TEXT PATTERN: fixed-string search
    printf '%s\n' "$1" | grep -qF -- "$2"
}

rc_err() { # rc_err STATUS PATTERN: exit status and a fixed string in stderr
    test "$rc" = "$1" && has "$err" "$2"
}

fuel_of() { # the N of the last "fuel: N" line in $err
    printf '%s\n' "$err" | sed -n 's/^fuel: \([0-9][0-9]*\)$/\1/p' | tail -n 1
}

# ---- the binary itself ----
run "$outlayer" version
check "version prints the version" test "$rc" = 0 -a -n "$(printf '%s' "$out" | grep '^outlayer [0-9]')"
run "$outlayer" help
check "help lists the wasm command" has "$out" "wasm"
run "$outlayer" frobnicate
check "unknown command is a usage error" test "$rc" = 2
check "unknown command is named" has "$err" "frobnicate"
run "$outlayer"
check "no command prints usage and fails" test "$rc" = 2 -a -n "$err"
run "$outlayer" wasm help
check "wasm help shows invoke" has "$out" "outlayer wasm invoke"

# ---- the bundled example ----
run "$outlayer" wasm validate "$hello"
check "example validates" test "$rc" = 0 -a "$out" = ok
run "$outlayer" wasm info "$hello"
check "info shows fib's type" has "$out" '"fib": func (param i32) (result i64)'
check "info shows the memory" has "$out" '"memory": memory 2'

run "$outlayer" wasm invoke "$hello" fib 20
check "fib 20" test "$rc" = 0 -a "$out" = "i64:6765"
fuel20=$(fuel_of)
check "fib 20 reports fuel" test -n "$fuel20"
run "$outlayer" wasm invoke "$hello" fib 20
check "fuel is deterministic" test "$(fuel_of)" = "$fuel20"
run "$outlayer" wasm invoke "$hello" fib 25
fuel25=$(fuel_of)
check "fib 25" test "$rc" = 0 -a "$out" = "i64:75025"
check "fib 25 costs more fuel than fib 20" test "${fuel25:-0}" -gt "${fuel20:-0}"

# sha256 of 32 zero bytes starts 66687aadf862bd77; 1000 rounds computed by Python's hashlib.
run "$outlayer" wasm invoke "$hello" sha256_chain 1
check "sha256_chain 1" test "$rc" = 0 -a "$out" = "i64:7379282877061709175"
run "$outlayer" wasm invoke "$hello" sha256_chain 1000
check "sha256_chain 1000" test "$rc" = 0 -a "$out" = "i64:3945658290904163372"

run "$outlayer" wasm invoke "$hello" fib 30 --fuel 1000
check "fuel limit traps" test "$rc" = 3
check "fuel trap message" has "$err" "trap: out of fuel"
check "fuel trap reports at most the limit" test "$(fuel_of)" -le 1000

# ---- exact fuel (the rule in include/ol/wasm.h) ----
run "$outlayer" wasm invoke "$cli" three
check "three" test "$rc" = 0 -a "$out" = "i32:3"
check "three costs exactly 3 fuel" test "$(fuel_of)" = 3
run "$outlayer" wasm invoke "$cli" count 10
check "count 10 costs exactly 71 fuel" test "$rc" = 0 -a "$out" = "i32:10" -a "$(fuel_of)" = 71
run "$outlayer" wasm invoke "$cli" count 10 --fuel 71
check "count 10 runs on exactly 71 fuel" test "$rc" = 0 -a "$out" = "i32:10"
run "$outlayer" wasm invoke "$cli" count 10 --fuel=70
check "count 10 traps on 70 fuel" test "$rc" = 3
check "no result is printed after a trap" test -z "$out"
run "$outlayer" wasm invoke "$cli" spin --fuel 100000
check "an endless loop stops on fuel" rc_err 3 "out of fuel"

# ---- traps carry the function index and the module offset of the instruction ----
boom_off=$("$objdump" -d "$cli" | sed -n 's/^ 0*\([0-9a-f]*\): 00 .*| unreachable$/\1/p' | head -n 1)
run "$outlayer" wasm invoke "$cli" boom
check "unreachable traps" test "$rc" = 3
check "trap names function and offset" has "$err" "trap: unreachable (function 0, offset 0x$boom_off)"
div_off=$("$objdump" -d "$cli" | sed -n 's/^ 0*\([0-9a-f]*\): 6d .*| i32.div_s$/\1/p' | head -n 1)
run "$outlayer" wasm invoke "$cli" div 1 0
check "division by zero" has "$err" "trap: integer divide by zero (function 1, offset 0x$div_off)"
run "$outlayer" wasm invoke "$cli" div 0x80000000 -1
check "signed overflow" rc_err 3 "integer overflow"
run "$outlayer" wasm invoke "$cli" load 65535
check "out of bounds load" rc_err 3 "out of bounds memory access"
run "$outlayer" wasm invoke "$fixtures/start_trap.wasm" f
check "a trapping start function" rc_err 3 "trap: unreachable"

# ---- values in and out ----
run "$outlayer" wasm invoke "$cli" div -7 2
check "negative i32 arguments" test "$rc" = 0 -a "$out" = "i32:4294967293"
run "$outlayer" wasm invoke "$cli" ints 0xffffffff -1
check "i64 and i32 round trip" test "$rc" = 0 -a "$out" = $'i64:18446744073709551615\ni32:4294967295'
run "$outlayer" wasm invoke "$cli" floats 1.5 0.1
check "f64 and f32 round trip" test "$rc" = 0 -a "$out" = $'f64:0.1\nf32:1.5'
run "$outlayer" wasm invoke "$cli" floats -inf nan:0x4
check "special floats" test "$rc" = 0 -a "$out" = $'f64:nan:0x4\nf32:-inf'
run "$outlayer" wasm invoke "$cli" nothing
check "no results" test "$rc" = 0 -a -z "$out" -a "$(fuel_of)" = 0

# ---- imports ----
run "$outlayer" wasm invoke "$fixtures/spectest.wasm" run
check "spectest imports are provided" test "$rc" = 0 -a "$out" = $'spectest.print_i32(i32:42)\ni32:666'
run "$outlayer" wasm invoke "$fixtures/imports.wasm" run
check "unknown import refused" test "$rc" = 1
check "refusal names the import" has "$err" 'import "env" "host_add" (func (param i32 i32) (result i32)) is not provided'
run "$outlayer" wasm info "$fixtures/imports.wasm"
check "info lists imports" has "$out" '"env" "host_add": func (param i32 i32) (result i32)'

# ---- limits ----
run "$outlayer" wasm invoke "$fixtures/big_memory.wasm" f --max-memory-pages 2
check "memory above --max-memory-pages is refused" test "$rc" = 1 -a -n "$err"
run "$outlayer" wasm invoke "$fixtures/big_memory.wasm" f --max-memory-pages 4
check "memory within --max-memory-pages" test "$rc" = 0 -a "$out" = "i32:4"

# ---- bad input gets a clear error ----
printf 'this is not wasm' >"$tmp/garbage.wasm"
run "$outlayer" wasm validate "$tmp/garbage.wasm"
check "garbage is invalid" test "$rc" = 1 -a -z "$out"
check "error names the file" has "$err" "$tmp/garbage.wasm"
check "error says malformed" has "$err" "malformed"
run "$outlayer" wasm invoke "$tmp/garbage.wasm" fib 1
check "invoke refuses garbage" rc_err 1 "malformed"
head -c 100 "$hello" >"$tmp/truncated.wasm"
run "$outlayer" wasm validate "$tmp/truncated.wasm"
check "truncated module is invalid" test "$rc" = 1 -a -n "$err"
: >"$tmp/empty.wasm"
run "$outlayer" wasm validate "$tmp/empty.wasm"
check "empty file is invalid" test "$rc" = 1 -a -n "$err"
run "$outlayer" wasm validate "$tmp/does-not-exist.wasm"
check "missing file" rc_err 1 "cannot open $tmp/does-not-exist.wasm"
run "$outlayer" wasm validate - <"$hello"
check "module from stdin" test "$rc" = 0 -a "$out" = ok
run "$outlayer" wasm invoke "$hello" nope
check "missing export" rc_err 1 'no exported function "nope"'
check "missing export lists the functions" has "$err" '"fib"'
run "$outlayer" wasm invoke "$hello" memory
check "export of the wrong kind" rc_err 1 "not a function"
run "$outlayer" wasm invoke "$hello" fib
check "missing argument" rc_err 2 "fib takes 1 argument (i32), got 0"
run "$outlayer" wasm invoke "$hello" fib abc
check "unparsable argument" rc_err 2 "argument 1 is not a i32: 'abc'"
run "$outlayer" wasm invoke "$hello" fib 4294967296
check "i32 out of range" test "$rc" = 2
run "$outlayer" wasm invoke "$hello" fib 1 --fuel lots
check "bad --fuel" rc_err 2 "--fuel"
run "$outlayer" wasm invoke "$hello" fib 1 --bogus
check "unknown option" rc_err 2 "--bogus"
run "$outlayer" wasm invoke "$hello"
check "invoke without FUNC" test "$rc" = 2

echo "$passed passed, $failed failed"
test "$failed" = 0
