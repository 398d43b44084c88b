# shellcheck shell=bash
# Sourced by profile.sh and icount.sh: reduced workload sizes for runs under valgrind, which
# executes the engine some 50x slower. Each keeps the workload's shape (same code paths, same
# mix) and only cuts the repetition count or the input size.

# small_sizes WORKLOAD: prints the clang -D flags, or fails for an unknown workload.
small_sizes() {
    case $1 in
    coremark) echo -DCM_ITERATIONS=100 ;;
    sha256) echo -DSHA_BYTES=1048576 ;;
    matmul) echo -DMATMUL_REPS=2 ;;
    sieve) echo -DSIEVE_REPS=2 ;;
    fib) echo -DFIB_N=27 ;;
    sort) echo -DSORT_N=100000 ;;
    *) return 1 ;;
    esac
}

# build_small BENCH_SOURCE_DIR WORKLOAD OUT.wasm [-DNAME=value ...]: the wasm32 module, built
# with the flags of bench/CMakeLists.txt; without -D arguments, at the small size.
build_small() {
    local src=$1 w=$2 out=$3
    shift 3
    if (($# == 0)); then
        local flags
        flags=$(small_sizes "$w") || {
            echo "unknown workload $w" >&2
            return 1
        }
        # shellcheck disable=SC2086 # the flags are separate words on purpose
        set -- $flags
    fi
    clang-14 --target=wasm32-wasi -O2 -ffp-contract=off -Wall -Wextra -Werror -nostartfiles \
        -Wl,--no-entry -Wl,--export=run -Wl,--strip-debug "$@" "$src/workloads/$w.c" -o "$out"
}
