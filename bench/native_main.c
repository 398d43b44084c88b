/* Native driver for one benchmark workload: calls run() N times (default 3) and reports the
 * checksum and the best wall and thread-CPU times, measured in-process around run() exactly as
 * bench_run does for the wasm build, so the two are directly comparable. Output: one key=value
 * line. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "workloads/workload.h"

static double now(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 3;
    double best = 0.0, best_cpu = 0.0;
    uint64_t first = 0;

    if (runs < 1) {
        fprintf(stderr, "usage: %s [runs]\n", argv[0]);
        return 2;
    }
    for (int i = 0; i < runs; i++) {
        double c0 = now(CLOCK_THREAD_CPUTIME_ID);
        double t0 = now(CLOCK_MONOTONIC);
        uint64_t sum = run();
        double t = now(CLOCK_MONOTONIC) - t0;
        double c = now(CLOCK_THREAD_CPUTIME_ID) - c0;

        if (i == 0) {
            first = sum;
            best = t;
            best_cpu = c;
        } else if (sum != first) {
            fprintf(stderr, "%s: checksum changed between runs: %016llx vs %016llx\n", argv[0],
                    (unsigned long long)first, (unsigned long long)sum);
            return 1;
        }
        if (t < best)
            best = t;
        if (c < best_cpu)
            best_cpu = c;
    }
    printf("checksum=%016llx best_s=%.6f best_cpu_s=%.6f runs=%d\n", (unsigned long long)first,
           best, best_cpu, runs);
    return 0;
}
