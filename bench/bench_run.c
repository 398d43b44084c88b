/* bench_run: runs the exported entry point of one benchmark module in the engine and reports
 * the compile time, the best of N in-process run times, the checksum and the fuel consumed.
 *
 *   bench_run [-n runs] [-f fuel | -u] [-e export] module.wasm
 *
 *   -n runs    calls of the export, best time reported (default 3)
 *   -f fuel    finite fuel set before every call (default 10^15): the product's mode, where a
 *              limit is always in force
 *   -u         fuel UINT64_MAX before every call: unlimited, but still counted
 *   -e export  the function to call (default "run"); it must take no parameters and return one
 *              i32 or i64, the workload's checksum
 *
 * The same source is linked against the metered engine (bench_run) and against the engine built
 * with OL_WASM_METERING=0 (bench_run_nometer), which is how the cost of metering is measured.
 * Only ol_wasm_call() is timed, never loading, compiling or instantiating, so the time compares
 * directly with the native driver's. Both wall time (CLOCK_MONOTONIC) and the thread's CPU time
 * are reported: on a shared machine the CPU time leaves out the time the thread was not running.
 * Every call must return the same checksum and consume the same fuel; anything else is a
 * determinism bug and fails the run.
 *
 * Output is one line of key=value pairs for bench/run.sh to parse.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ol/wasm.h"

#ifndef OL_BENCH_ENGINE
#define OL_BENCH_ENGINE "metered"
#endif

#define DEFAULT_FUEL 1000000000000000ull /* 10^15: far above any workload, still finite */
#define MAX_RUNS     1000

static double now(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-n runs] [-f fuel | -u] [-e export] module.wasm\n", argv0);
}

/* Reads a whole file into a malloc'd buffer. Returns NULL (after printing why) on failure. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;

    if (!f) {
        fprintf(stderr, "bench_run: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                fprintf(stderr, "bench_run: %s: out of memory\n", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "bench_run: %s: read error\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;

    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

typedef struct bench_opts {
    long runs;
    uint64_t fuel;
    const char *export_name;
    const char *path;
} bench_opts;

static int parse_args(int argc, char **argv, bench_opts *o)
{
    int c;

    o->runs = 3;
    o->fuel = DEFAULT_FUEL;
    o->export_name = "run";
    while ((c = getopt(argc, argv, "n:f:ue:h")) != -1) {
        switch (c) {
        case 'n': {
            char *end;
            o->runs = strtol(optarg, &end, 10);
            if (*end || o->runs < 1 || o->runs > MAX_RUNS) {
                fprintf(stderr, "bench_run: -n wants 1..%d\n", MAX_RUNS);
                return -1;
            }
            break;
        }
        case 'f':
            if (parse_u64(optarg, &o->fuel) != 0 || o->fuel == 0) {
                fprintf(stderr, "bench_run: -f wants a positive integer\n");
                return -1;
            }
            break;
        case 'u':
            o->fuel = UINT64_MAX;
            break;
        case 'e':
            o->export_name = optarg;
            break;
        default:
            usage(argv[0]);
            return -1;
        }
    }
    if (optind != argc - 1) {
        usage(argv[0]);
        return -1;
    }
    o->path = argv[optind];
    return 0;
}

typedef struct bench_result {
    double best;     /* wall seconds */
    double best_cpu; /* thread CPU seconds */
    uint64_t checksum;
    uint64_t fuel;
} bench_result;

/* Calls the entry point o->runs times; fills the best times, the checksum and the fuel. */
static int run_calls(ol_wasm_store *s, ol_wasm_func *f, const bench_opts *o, bench_result *r)
{
    for (long i = 0; i < o->runs; i++) {
        uint64_t result = 0;
        ol_wasm_trap trap;

        ol_wasm_store_set_fuel(s, o->fuel);
        double c0 = now(CLOCK_THREAD_CPUTIME_ID);
        double t0 = now(CLOCK_MONOTONIC);
        ol_err e = ol_wasm_call(f, NULL, 0, &result, 1, &trap);
        double t = now(CLOCK_MONOTONIC) - t0;
        double c = now(CLOCK_THREAD_CPUTIME_ID) - c0;
        uint64_t used = ol_wasm_store_fuel_consumed(s);

        if (e == OL_E_TRAP) {
            fprintf(stderr, "bench_run: %s: trap in call %ld: %s", o->path, i + 1, trap.msg);
            fprintf(stderr, " (function %" PRIu32 ", offset 0x%" PRIx32 ")\n", trap.func_index,
                    trap.offset);
            return -1;
        }
        if (e != OL_OK) {
            fprintf(stderr, "bench_run: %s: call failed: %s\n", o->path, ol_strerror(e));
            return -1;
        }
        if (i == 0) {
            r->checksum = result;
            r->fuel = used;
            r->best = t;
            r->best_cpu = c;
            continue;
        }
        if (result != r->checksum || used != r->fuel) {
            fprintf(stderr,
                    "bench_run: %s: call %ld differs from call 1: checksum %016" PRIx64
                    " vs %016" PRIx64 ", fuel %" PRIu64 " vs %" PRIu64 "\n",
                    o->path, i + 1, result, r->checksum, used, r->fuel);
            return -1;
        }
        if (t < r->best)
            r->best = t;
        if (c < r->best_cpu)
            r->best_cpu = c;
    }
    return 0;
}

/* Instantiates m, checks the entry point's type, runs it and prints the report line. */
static int bench_module(const ol_wasm_module *m, const bench_opts *o, double compile_s)
{
    ol_diag d;
    ol_wasm_store *s = NULL;
    ol_wasm_instance *inst = NULL;
    ol_wasm_func *f;
    ol_wasm_functype ft;
    ol_wasm_trap trap;
    double t0, inst_s;
    bench_result r = {0};
    ol_err e;
    int rc = -1;

    ol_diag_clear(&d);
    e = ol_wasm_store_new(NULL, &s, &d);
    if (e != OL_OK) {
        fprintf(stderr, "bench_run: store: %s: %s\n", ol_err_name(e), d.msg);
        return -1;
    }
    t0 = now(CLOCK_MONOTONIC);
    e = ol_wasm_instance_new(s, m, NULL, 0, &inst, &trap, &d);
    inst_s = now(CLOCK_MONOTONIC) - t0;
    if (e != OL_OK) {
        fprintf(stderr, "bench_run: %s: instantiate: %s: %s\n", o->path, ol_err_name(e),
                e == OL_E_TRAP ? trap.msg : d.msg);
        goto out;
    }
    f = ol_wasm_instance_func(inst, o->export_name);
    if (!f) {
        fprintf(stderr, "bench_run: %s: no exported function \"%s\"\n", o->path, o->export_name);
        goto out;
    }
    ft = ol_wasm_func_type(f);
    if (ft.nparams != 0 || ft.nresults != 1 ||
        (ft.results[0] != OL_WASM_I32 && ft.results[0] != OL_WASM_I64)) {
        fprintf(stderr, "bench_run: %s: \"%s\" must be () -> i32 or () -> i64\n", o->path,
                o->export_name);
        goto out;
    }
    if (run_calls(s, f, o, &r) != 0)
        goto out;
    printf("engine=%s mode=%s runs=%ld compile_s=%.6f instantiate_s=%.6f best_s=%.6f "
           "best_cpu_s=%.6f checksum=%016" PRIx64 " fuel=%" PRIu64 "\n",
           OL_BENCH_ENGINE, o->fuel == UINT64_MAX ? "unlimited" : "limited", o->runs, compile_s,
           inst_s, r.best, r.best_cpu, r.checksum, r.fuel);
    rc = 0;
out:
    ol_wasm_store_free(s);
    return rc;
}

int main(int argc, char **argv)
{
    bench_opts o;
    ol_diag d;
    ol_wasm_module *m = NULL;
    uint8_t *bytes;
    size_t len = 0;
    double t0, compile_s;
    ol_err e;
    int rc;

    if (parse_args(argc, argv, &o) != 0)
        return 2;
    bytes = read_file(o.path, &len);
    if (!bytes)
        return 1;

    ol_diag_clear(&d);
    t0 = now(CLOCK_MONOTONIC);
    e = ol_wasm_module_new(bytes, len, NULL, &m, &d);
    compile_s = now(CLOCK_MONOTONIC) - t0;
    free(bytes);
    if (e != OL_OK) {
        fprintf(stderr, "bench_run: %s: %s: %s\n", o.path, ol_err_name(e), d.msg);
        return 1;
    }
    if (ol_wasm_module_import_count(m) != 0) {
        fprintf(stderr, "bench_run: %s: the module has imports; workloads must have none\n",
                o.path);
        rc = 1;
    } else {
        rc = bench_module(m, &o, compile_s) == 0 ? 0 : 1;
    }
    /* The store is gone by now, as ol_wasm_module_free() requires. */
    ol_wasm_module_free(m);
    return rc;
}
