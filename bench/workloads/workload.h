/* The one entry point every benchmark workload exports.
 *
 * run() does a fixed amount of work (sizes are compile-time constants, never calibrated against
 * a clock, so the wasm instruction count is the same on every run) and returns a checksum that
 * depends on all of it, so the native and wasm builds can be compared and the optimiser cannot
 * drop the work. run() re-initialises all of its state, so calling it repeatedly in the same
 * process or instance repeats exactly the same computation.
 *
 * The workloads use no libc beyond what the compiler emits itself (memcpy/memset), so the wasm
 * modules have no imports.
 */
#ifndef OL_BENCH_WORKLOAD_H
#define OL_BENCH_WORKLOAD_H

#include <stdint.h>

uint64_t run(void);

#endif
