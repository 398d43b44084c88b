#!/usr/bin/env bash
# icount.sh BENCH_DIR [WORKLOAD ...] — what metering costs, in host instructions.
#
# Times on a shared 2-core VM move by 10-20% between processes, and the VM exposes no hardware
# counters (perf stat says "not supported"), so a few percent of metering overhead drowns in
# noise. This counts instead: host instructions executed inside ol_wasm_call() (callgrind with
# --toggle-collect, so loading and compiling are left out) for one run() of each workload, in
# bench_run (metered, finite fuel) and bench_run_nometer, at the reduced sizes of small_sizes.sh.
# The counts are exact and repeatable. They are not time (a charge is cheap, well-predicted
# arithmetic), but they bound what metering adds to the work per wasm instruction.
set -euo pipefail

dir=${1:?usage: icount.sh BENCH_DIR [WORKLOAD ...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=small_sizes.sh
. "$here/small_sizes.sh"
(($# > 0)) || set -- coremark sha256 matmul sieve fib sort

# irs OUT: the instruction total recorded in a callgrind output file.
irs() {
    awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

out=$dir/icount
mkdir -p "$out"
echo "| workload | size | fuel | host instr metered | host instr unmetered | metering | instr/fuel |"
echo "|---|---|---:|---:|---:|---:|---:|"
log=0
count=0
for w in "$@"; do
    build_small "$here" "$w" "$out/$w.wasm"
    for e in bench_run bench_run_nometer; do
        valgrind --tool=callgrind --toggle-collect=ol_wasm_call \
            --callgrind-out-file="$out/$w.$e.callgrind" "$dir/$e" -n 1 "$out/$w.wasm" \
            >"$out/$w.$e.txt" 2>"$out/$w.$e.log"
    done
    fuel=$(grep -o 'fuel=[0-9]*' "$out/$w.bench_run.txt" | cut -d= -f2)
    im=$(irs "$out/$w.bench_run.callgrind")
    iu=$(irs "$out/$w.bench_run_nometer.callgrind")
    awk -v w="$w" -v size="$(small_sizes "$w")" -v f="$fuel" -v m="$im" -v u="$iu" 'BEGIN {
        printf "| %s | %s | %d | %d | %d | %+.1f%% | %.2f |\n", w, size, f, m, u,
            (m / u - 1) * 100, m / f }'
    log=$(awk -v l="$log" -v m="$im" -v u="$iu" 'BEGIN { print l + log(m / u) }')
    count=$((count + 1))
done
awk -v l="$log" -v n="$count" 'BEGIN {
    printf "| **geomean** (%d) | | | | | **%+.1f%%** | |\n", n, (exp(l / n) - 1) * 100 }'
