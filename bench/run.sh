#!/usr/bin/env bash
# run.sh BENCH_DIR — the benchmark table (the `bench` target runs it; see bench/README.md).
#
# For each workload in BENCH_DIR (built by the bench_workloads target): the native build, the
# engine with a finite fuel limit (the product's mode), the engine with unlimited but counted
# fuel, and the unmetered engine (OL_WASM_METERING=0). Every time is the best of BENCH_RUNS
# in-process calls of run() in each of BENCH_ROUNDS processes, excluding load and compile. All
# four checksums must agree and both metered modes must report the same fuel; otherwise the row
# says so and the script exits 1.
#
# Environment: BENCH_RUNS (calls per process, default 3), BENCH_ROUNDS (engine processes per
# configuration, interleaved, default 3), BENCH_FUEL (finite limit, default 10^15), BENCH_ONLY
# (space-separated subset of the workloads), BENCH_CLOCK (cpu: the thread's CPU time, the
# default, robust against other load on a shared machine; wall: CLOCK_MONOTONIC).
set -euo pipefail

dir=${1:?usage: run.sh BENCH_DIR}
runs=${BENCH_RUNS:-3}
rounds=${BENCH_ROUNDS:-3}
clock=${BENCH_CLOCK:-cpu}
case $clock in
cpu) tkey=best_cpu_s ;;
wall) tkey=best_s ;;
*)
    echo "run.sh: BENCH_CLOCK must be cpu or wall" >&2
    exit 2
    ;;
esac
fuel=${BENCH_FUEL:-1000000000000000}
workloads=${BENCH_ONLY:-coremark sha256 matmul sieve fib sort}
status=0

# field KEY LINE: the value of KEY=value in a harness report line.
field() {
    awk -v k="$1" '{ for (i = 1; i <= NF; i++) { n = index($i, "=");
        if (substr($i, 1, n - 1) == k) print substr($i, n + 1) } }' <<<"$2"
}

# calc EXPR: floating-point arithmetic (bash has none).
calc() {
    awk "BEGIN { print $1 }"
}

# minf A B: the smaller of two times; A may be empty (no time yet).
minf() {
    awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'
}

for tool in "$dir/bench_run" "$dir/bench_run_nometer"; do
    if [[ ! -x $tool ]]; then
        echo "run.sh: $tool missing (build the bench target)" >&2
        exit 1
    fi
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "# OutLayer-C benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC'), ${cpu:-unknown cpu}," \
     "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
     "best of $runs calls x $rounds round(s), $clock time"
echo
echo "| workload | native s | engine s | unlimited s | unmetered s | slowdown | metering" \
     "| metering (unl.) | fuel | Mfuel/s | compile ms |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"

log_slow=0
log_meter=0
log_meter_unl=0
count=0
for w in $workloads; do
    # Rounds interleave the three engine configurations, so slow drift in machine load (other
    # builds on a shared box) hits all of them alike; each configuration keeps its best time.
    ok=1
    t_lim='' t_unl='' t_nom='' sums='' fuels=''
    # The native build gets as many calls as each engine configuration gets in all rounds.
    if ! native=$("$dir/$w.native" $((runs * rounds))); then
        ok=0
    fi
    for ((r = 0; r < rounds && ok; r++)); do
        if ! lim=$("$dir/bench_run" -n "$runs" -f "$fuel" "$dir/$w.wasm") ||
            ! unl=$("$dir/bench_run" -n "$runs" -u "$dir/$w.wasm") ||
            ! nom=$("$dir/bench_run_nometer" -n "$runs" -u "$dir/$w.wasm"); then
            ok=0
            break
        fi
        t_lim=$(minf "$t_lim" "$(field $tkey "$lim")")
        t_unl=$(minf "$t_unl" "$(field $tkey "$unl")")
        t_nom=$(minf "$t_nom" "$(field $tkey "$nom")")
        sums="$sums $(field checksum "$lim") $(field checksum "$unl") $(field checksum "$nom")"
        fuels="$fuels $(field fuel "$lim") $(field fuel "$unl")"
    done
    if ((!ok)); then
        echo "| $w | FAILED (see stderr) |||||||||"
        status=1
        continue
    fi
    sums="$(field checksum "$native")$sums"
    if [[ $(tr ' ' '\n' <<<"$sums" | sort -u | wc -l) -ne 1 ]]; then
        echo "| $w | CHECKSUM MISMATCH (native, then limited/unlimited/unmetered per round):" \
             "$sums |||||||||"
        status=1
        continue
    fi
    if [[ $(tr ' ' '\n' <<<"${fuels# }" | sort -u | wc -l) -ne 1 ]]; then
        echo "| $w | FUEL MISMATCH (limited/unlimited per round): $fuels |||||||||"
        status=1
        continue
    fi

    t_nat=$(field $tkey "$native")
    used=$(field fuel "$lim")
    slow=$(calc "$t_lim / $t_nat")
    meter=$(calc "($t_lim / $t_nom - 1) * 100")
    meter_unl=$(calc "($t_unl / $t_nom - 1) * 100")
    mfuel=$(calc "$used / $t_lim / 1e6")
    compile_ms=$(calc "$(field compile_s "$lim") * 1000")

    printf '| %s | %.4f | %.4f | %.4f | %.4f | %.1fx | %+.1f%% | %+.1f%% | %s | %.0f | %.2f |\n' \
        "$w" "$t_nat" "$t_lim" "$t_unl" "$t_nom" "$slow" "$meter" "$meter_unl" "$used" \
        "$mfuel" "$compile_ms"

    log_slow=$(calc "$log_slow + log($t_lim / $t_nat)")
    log_meter=$(calc "$log_meter + log($t_lim / $t_nom)")
    log_meter_unl=$(calc "$log_meter_unl + log($t_unl / $t_nom)")
    count=$((count + 1))
done

if ((count > 0)); then
    printf '| **geomean** (%d) | | | | | **%.1fx** | **%+.1f%%** | %+.1f%% | | | |\n' "$count" \
        "$(calc "exp($log_slow / $count)")" \
        "$(calc "(exp($log_meter / $count) - 1) * 100")" \
        "$(calc "(exp($log_meter_unl / $count) - 1) * 100")"
fi
echo
echo "slowdown = engine / native; metering = engine / unmetered - 1 (fuel limit $fuel);" \
     "metering (unl.) the same with unlimited fuel; Mfuel/s = fuel units (≈ wasm instructions)" \
     "per second."
exit $status
