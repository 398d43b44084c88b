#!/usr/bin/env bash
# profile.sh BENCH_DIR WORKLOAD [-DNAME=value ...] — where the engine's time goes.
#
# Builds WORKLOAD to wasm32 at a reduced size (callgrind runs the engine some 50x slower), runs
# it once under callgrind in BENCH_DIR/bench_run (the metered engine), and prints the hottest
# functions and source lines. Line numbers need a harness built with -g: `make bench` uses
# build/release (RelWithDebInfo), which has it; a plain Release build shows functions only.
# Without -D arguments a per-workload default size is used. Output lands in
# BENCH_DIR/profile-WORKLOAD/ (callgrind.out, for callgrind_annotate or kcachegrind).
set -euo pipefail

dir=${1:?usage: profile.sh BENCH_DIR WORKLOAD [-DNAME=value ...]}
w=${2:?usage: profile.sh BENCH_DIR WORKLOAD [-DNAME=value ...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=small_sizes.sh
. "$here/small_sizes.sh"
out=$dir/profile-$w
mkdir -p "$out"
build_small "$here" "$w" "$out/$w.wasm" "$@"
echo "profile.sh: $w ${*:-$(small_sizes "$w")} under callgrind"
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
    "$dir/bench_run" -n 1 "$out/$w.wasm" 2>"$out/valgrind.log"

echo
echo "== hottest functions (instructions, self)"
callgrind_annotate --auto=no --threshold=99 "$out/callgrind.out" |
    grep -E '^ *[0-9,]+ \([ 0-9.]+%\) ' | grep -v 'PROGRAM TOTALS' | head -n 15

# callgrind_annotate --auto=yes prints each source file with the count on every line and a
# "-- line N" marker before each shown chunk; turn that into "count file:line source" rows.
echo
echo "== hottest source lines"
callgrind_annotate --auto=yes --context=0 "$out/callgrind.out" 2>/dev/null | awk '
    /^-- Auto-annotated source: / { file = $NF; sub(".*/", "", file); next }
    /^-- line [0-9]+/ { line = $3; next }
    file == "" || !/^ *(\.|[0-9][0-9,]*) / { next }
    {
        count = $1; gsub(",", "", count); text = $0
        sub(/^ *(\.|[0-9][0-9,]*) (\([ 0-9.]+%\) )?/, "", text)
    }
    # Inclusive call costs ("=> callee") and summaries are not source lines.
    text ~ /^ *(=>|<counts for|events annotated)/ { next }
    {
        if (count != ".")
            printf "%14d  %s:%d  %s\n", count, file, line, text
        line++
    }
' | sort -rn | head -n 25
