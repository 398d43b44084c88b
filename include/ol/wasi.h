/* Running WASI preview1 commands: the job runner behind `outlayer run` and the worker.
 *
 * A job is a `wasi_snapshot_preview1` command module: its input arrives on stdin, its output is
 * what it writes to stdout, diagnostics go to stderr, and secrets and system values arrive as
 * environment variables. ol_wasi_run() compiles the module, links every import it declares
 * against the host below, instantiates it, calls `_start` under the limits, and returns a run
 * record. ol_wasi_run_module() does the same with a module compiled beforehand (ol/wasm.h:
 * modules are immutable and shareable), so an embedder that runs one module many times compiles
 * it once; ol_wasi_run() is that function after a compilation, and both give the same record.
 *
 * The host
 *   All 46 preview1 functions are provided: the 45 of the final witx (everything wasi-libc and
 *   Rust std can import) plus the deprecated proc_raise that older toolchains declare. A module
 *   importing anything else (another module name, an unknown preview1 name, a non-function
 *   import, or a known name with the wrong signature) is refused before instantiation with
 *   status OL_WASI_INVALID_MODULE and a message naming the import. There is no filesystem and
 *   there are no sockets: fds 0, 1, 2 are the only descriptors (stdin reads the input bytes;
 *   stdout and stderr are captured), there are no preopens, and everything else answers the
 *   errno a sandbox without them gives (EBADF for a descriptor that is not open, ENOTCAPABLE for
 *   an operation a stream does not support, ESPIPE for positioning a stream, ENOTSOCK for socket
 *   calls on a stream, ENOSYS for proc_raise). docs/transcript.md tabulates every function.
 *
 *   Argument checks happen in one fixed order, and nothing is written or consumed unless all of
 *   them pass: first the descriptor (EBADF), then every guest pointer against the bounds of the
 *   memory at the time of the call (EFAULT: the whole range [ptr, ptr+len) must be inside, in
 *   64-bit arithmetic; a module without a memory gets EFAULT for any pointer), then the values
 *   (EINVAL, ENOTSUP, ...). A bad pointer is always EFAULT, never a trap and never a host crash.
 *
 * Fuel (instructions)
 *   A host call costs what the engine charges for the call (ol/wasm.h) plus, charged before it
 *   acts: fd_read/fd_write 1 per iovec and 1 per 64 bytes moved (rounded down); random_get and
 *   args_get/environ_get 1 per 64 bytes written (rounded down); poll_oneoff 1 per subscription.
 *   The charges depend only on the arguments, so a replay consumes exactly the same fuel.
 *
 * Nondeterminism
 *   Random bytes and clock readings come from one source (ol_wasi_source):
 *   - LIVE: the OS (getrandom via libsodium, clock_gettime); poll_oneoff really sleeps (never past
 *     the run's deadline).
 *   - SEEDED: random bytes are the ChaCha20 keystream (original variant, 8-byte zero nonce,
 *     64-bit block counter from 0) under the key SHA-256(seed), taken in order; the clocks are
 *     one virtual nanosecond counter that starts at 0 and advances by OL_WASI_VCLOCK_STEP_NS
 *     before every reading, and by the sleep time in poll_oneoff. REALTIME reads
 *     OL_WASI_VCLOCK_REALTIME_BASE_NS plus the counter; MONOTONIC and both CPU-time clocks read
 *     the counter.
 *   - REPLAY: every value is taken from a transcript, in order (see docs/transcript.md).
 *   clock_res_get is the same in every mode (1 ns) and is not a reading. Every value the guest
 *   observes is appended to the run's transcript; its SHA-256 is in the record in every mode (in
 *   LIVE and SEEDED mode it is the hash of what would be recorded; in REPLAY mode the hash of
 *   the transcript given, which equals the recording's). A replay that asks for a value the
 *   transcript lacks, or of another kind or size, or that ends with entries unused, fails with
 *   status OL_WASI_TRAP, replay_diverged set and an error naming the entry.
 *
 * Memory
 *   max_memory_mb caps every memory of the instance. A module whose memory (or a table) exceeds
 *   its limit when instantiated ends with OL_WASI_MEMORY_LIMIT; at run time memory.grow past the
 *   limit returns -1, as WebAssembly specifies, and the guest decides what follows (malloc
 *   returns NULL). If the run then fails (a trap or a non-zero exit code) after such a refusal,
 *   its status is OL_WASI_MEMORY_LIMIT too; a guest that copes and exits 0 stays OL_WASI_OK.
 *
 * Cancellation
 *   cfg->cancel (may be NULL) is a flag another thread sets to stop the run early (the worker
 *   does when its lease is taken away). The watchdog thread reads it at least every
 *   OL_WASI_CANCEL_POLL_MS and, once it is set, interrupts the store exactly as the deadline
 *   does (a LIVE sleep in poll_oneoff ends at once too). A cancelled run ends with status
 *   OL_WASI_TIMEOUT (the engine's INTERRUPTED trap), `cancelled` set in the record and the error
 *   "the run was cancelled". When it stops depends on the other thread's timing, so such a
 *   record is not reproducible and is not meant to be reported; a run that ended on its own
 *   before the flag was seen is not cancelled. A flag already set when the run would start
 *   cancels it before instantiation (0 instructions).
 *
 * Threads: ol_wasi_run() and ol_wasi_run_module() may run concurrently on different threads
 * (each call has its own store; one compiled module may serve any number of runs at once). The
 * deadlines and cancellation flags of all runs are enforced by one watchdog thread per process,
 * started by the first run and never stopped (a run only registers with it). libsodium must
 * have been initialised (sodium_init()) or be initialisable by the call.
 */
#ifndef OL_WASI_H
#define OL_WASI_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/alloc.h"
#include "ol/err.h"
#include "ol/wasm.h"

/* Defaults (those of the platform) for fields left 0 in ol_wasi_config. */
#define OL_WASI_DEFAULT_MAX_INSTRUCTIONS UINT64_C(10000000000)
#define OL_WASI_DEFAULT_MAX_MEMORY_MB    128u
#define OL_WASI_DEFAULT_TIMEOUT_MS       60000u
#define OL_WASI_DEFAULT_MAX_OUTPUT       ((size_t)1 << 20)  /* stdout: 1 MiB */
#define OL_WASI_DEFAULT_MAX_STDERR       ((size_t)64 << 10) /* stderr: 64 KiB */
#define OL_WASI_DEFAULT_MAX_TRANSCRIPT   ((size_t)64 << 20) /* 64 MiB, encoded */
/* Hard caps: the memory limit cannot exceed 4096 MiB (65536 pages), a seed 64 bytes. */
#define OL_WASI_MAX_MEMORY_MB            4096u
#define OL_WASI_MAX_SEED                 64u
/* How often a run checks cfg->cancel (see "Cancellation"). */
#define OL_WASI_CANCEL_POLL_MS           5u

/* The seeded virtual clock. */
#define OL_WASI_VCLOCK_STEP_NS          UINT64_C(1000000)             /* 1 ms per reading */
#define OL_WASI_VCLOCK_REALTIME_BASE_NS UINT64_C(1735689600000000000) /* 2025-01-01T00:00:00Z */

/* How a run ended. The names are the `status` strings of `outlayer run --json`. */
#define OL_WASI_STATUS_MAP(X)                                                                 \
    X(OK, "ok")                         /* _start returned, or proc_exit(0) */                \
    X(EXIT, "exit")                     /* proc_exit with a non-zero code */                  \
    X(TRAP, "trap")                     /* a trap, a host failure, or a diverged replay */    \
    X(OUT_OF_FUEL, "out_of_fuel")       /* max_instructions used up */                        \
    X(TIMEOUT, "timeout")               /* the wall-clock deadline passed */                  \
    X(MEMORY_LIMIT, "memory_limit")     /* instantiation: a memory or table over the limit */ \
    X(OUTPUT_LIMIT, "output_limit")     /* stdout exceeded max_output_bytes */                \
    X(INVALID_MODULE, "invalid_module") /* malformed, invalid, no _start, unprovided import */

typedef enum ol_wasi_status {
#define OL_WASI_STATUS_ENUM(name, str) OL_WASI_##name,
    OL_WASI_STATUS_MAP(OL_WASI_STATUS_ENUM)
#undef OL_WASI_STATUS_ENUM
} ol_wasi_status;

/* Static string: "ok", "exit", ...; "unknown" for other values. */
const char *ol_wasi_status_name(ol_wasi_status s);

typedef enum ol_wasi_source {
    OL_WASI_SOURCE_LIVE = 0,
    OL_WASI_SOURCE_SEEDED = 1,
    OL_WASI_SOURCE_REPLAY = 2,
} ol_wasi_source;

/* Everything a run depends on. All pointers are borrowed for the duration of the run. */
typedef struct ol_wasi_config {
    const uint8_t *input; /* stdin; may be NULL when input_len is 0 */
    size_t input_len;
    /* argv as the guest sees it (args_get), each NUL-terminated; argv[0] is conventionally the
     * program name. The platform passes none. */
    const char *const *args;
    size_t nargs;
    /* The environment, each "KEY=VALUE" (KEY non-empty, without '='). Values may be secrets:
     * they are never logged and never appear in an error message. */
    const char *const *env;
    size_t nenv;

    uint64_t max_instructions;   /* fuel; 0: default */
    uint32_t max_memory_mb;      /* per memory, whole MiB; 0: default; at most 4096 */
    uint32_t timeout_ms;         /* wall clock from the start of instantiation; 0: default */
    size_t max_output_bytes;     /* stdout cap; 0: default. Exceeding it stops the run. */
    size_t max_stderr_bytes;     /* stderr cap; 0: default. Excess is dropped (counted). */
    size_t max_transcript_bytes; /* encoded transcript cap in every mode; 0: default */

    ol_wasi_source source;
    const uint8_t *seed; /* SEEDED: 1..64 bytes */
    size_t seed_len;
    const uint8_t *transcript; /* REPLAY: the transcript bytes (untrusted; validated first) */
    size_t transcript_len;
    bool record; /* keep the transcript in the result (LIVE or SEEDED) */

    /* Set (by another thread) to stop the run early; NULL: never. See "Cancellation". Not
     * part of what the run depends on: a replay needs none. */
    const atomic_bool *cancel;

    const ol_allocator *alloc; /* NULL: default. The store, buffers and the result. */
} ol_wasi_config;

/* The run record. Allocated as one block by ol_wasi_run(); every pointer points inside it. */
typedef struct ol_wasi_result {
    ol_wasi_status status;
    uint32_t exit_code; /* OK: 0; EXIT: the guest's proc_exit code; otherwise 0 */
    /* Empty for OK and EXIT; otherwise one line (no newline) saying why the run failed, e.g.
     * "out of bounds memory access (function 7, offset 0x1a3)". NUL-terminated. */
    char error[320];
    bool replay_diverged; /* REPLAY: the guest asked for something the transcript lacks */
    bool cancelled;       /* stopped by cfg->cancel (status OL_WASI_TIMEOUT) */
    ol_wasm_trap trap;    /* the engine's trap, kind NONE when there was none */

    const uint8_t *output; /* stdout, at most max_output_bytes */
    size_t output_len;
    const uint8_t *err; /* stderr, at most max_stderr_bytes */
    size_t err_len;
    uint64_t err_dropped;      /* stderr bytes dropped at the cap */
    const uint8_t *transcript; /* the recording when cfg->record, else NULL */
    size_t transcript_len;
    size_t transcript_entries; /* values observed (LIVE/SEEDED) or consumed (REPLAY) */

    uint64_t instructions;   /* fuel consumed: instantiation (segments, start) and _start */
    uint64_t time_ms;        /* wall clock of the whole call (ol_wasi_run: compilation included) */
    uint8_t wasm_sha256[32]; /* of the module's bytes (ol_wasi_run_module: as the caller gave it) */
    uint8_t input_sha256[32];
    uint8_t output_sha256[32];     /* of output[0, output_len) */
    uint8_t transcript_sha256[32]; /* see "Nondeterminism" */
} ol_wasi_result;

/* Runs the command module `wasm` (borrowed for the call) with cfg (NULL: all defaults, live).
 * Returns OL_OK whenever a record was produced, whatever its status — including invalid
 * modules, traps and limits. Errors are for the caller's side only: OL_E_INVAL (a config field
 * out of range, a bad env entry, a seed of the wrong size), OL_E_MALFORMED (a replay transcript
 * that fails validation; the diagnostic names the line), OL_E_NOMEM, OL_E_INTERNAL (the watchdog
 * thread or libsodium could not start).
 * On OL_OK the caller owns *out; release with ol_wasi_result_free(). */
ol_err ol_wasi_run(const uint8_t *wasm, size_t wasm_len, const ol_wasi_config *cfg,
                   ol_wasi_result **out, ol_diag *d);

/* Runs the compiled command module m (borrowed for the call; see ol/wasm.h for its lifetime:
 * it must outlive the call, which frees its store before returning) exactly as ol_wasi_run()
 * runs the bytes m was compiled from: the same checks of imports and `_start`, the same limits,
 * fuel and transcript, and the same record, except that time_ms does not include compiling.
 * wasm_sha256 is the SHA-256 of those bytes, copied into the record (the caller vouches for
 * it; the worker's cache verifies it before compiling). A module that failed to compile has no
 * ol_wasm_module: use ol_wasi_run() to get its OL_WASI_INVALID_MODULE record.
 * Returns what ol_wasi_run() returns, and OL_E_INVAL for a NULL m or wasm_sha256. */
ol_err ol_wasi_run_module(const ol_wasm_module *m, const uint8_t wasm_sha256[32],
                          const ol_wasi_config *cfg, ol_wasi_result **out, ol_diag *d);

/* NULL is a no-op. */
void ol_wasi_result_free(ol_wasi_result *r);

/* Validates a transcript (the format of docs/transcript.md) without running anything: the
 * header, every entry's syntax and canonical form, monotonic clocks never going back, and the
 * total size (at most max_bytes; 0: OL_WASI_DEFAULT_MAX_TRANSCRIPT). On OL_OK *nentries (may be
 * NULL) is the number of entries. Otherwise OL_E_MALFORMED or OL_E_LIMIT, with the line. */
ol_err ol_wasi_transcript_check(const uint8_t *p, size_t len, size_t max_bytes, size_t *nentries,
                                ol_diag *d);

/* Number of preview1 functions the host provides, and the name of function i (static string).
 * For tooling and tests; the order is the witx order. */
size_t ol_wasi_func_count(void);
const char *ol_wasi_func_name(size_t i);

#endif
