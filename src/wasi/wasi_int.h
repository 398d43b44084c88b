/* Private to src/wasi: the run context, the source of nondeterminism, and the table of preview1
 * handlers. Tests include it to call the handlers directly on a byte array standing in for
 * guest memory.
 *
 * A handler is a pure function of the context, the memory view and its arguments: it never
 * touches the engine except through ol__wasi_charge() (fuel) and, in LIVE mode, the clock, the
 * OS random generator and the sleep in poll_oneoff. That keeps every WASI function testable
 * without instantiating anything. */
#ifndef OL_WASI_INT_H
#define OL_WASI_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "ol/alloc.h"
#include "ol/err.h"
#include "ol/wasi.h"
#include "ol/wasm.h"

/* ---- preview1 constants (wasi/api.h of wasi-libc) ---- */

enum {
    OL__WASI_ESUCCESS = 0,
    OL__WASI_EBADF = 8,
    OL__WASI_EFAULT = 21,
    OL__WASI_EINVAL = 28,
    OL__WASI_ENOSYS = 52,
    OL__WASI_ENOTSOCK = 57,
    OL__WASI_ENOTSUP = 58,
    OL__WASI_ESPIPE = 70,
    OL__WASI_ENOTCAPABLE = 76,
};

enum {
    OL__WASI_CLOCK_REALTIME = 0,
    OL__WASI_CLOCK_MONOTONIC = 1,
    OL__WASI_CLOCK_PROCESS_CPUTIME = 2,
    OL__WASI_CLOCK_THREAD_CPUTIME = 3,
    OL__WASI_NCLOCKS = 4,
};

#define OL__WASI_FILETYPE_UNKNOWN   0u
#define OL__WASI_FDFLAGS_APPEND     0x0001u
#define OL__WASI_FDFLAGS_NONBLOCK   0x0004u
#define OL__WASI_RIGHT_FD_READ      (UINT64_C(1) << 1)
#define OL__WASI_RIGHT_FD_SET_FLAGS (UINT64_C(1) << 3)
#define OL__WASI_RIGHT_FD_WRITE     (UINT64_C(1) << 6)
#define OL__WASI_RIGHT_FD_FILESTAT  (UINT64_C(1) << 21)
#define OL__WASI_RIGHT_POLL_FD_RW   (UINT64_C(1) << 27)
#define OL__WASI_NSTD               3u /* fds 0, 1, 2 */

/* A handler's return value that means "stop the guest" (ctx->stop says why). */
#define OL__WASI_STOP UINT32_MAX

/* ---- growable byte buffer with a hard cap ---- */

typedef struct ol__wasi_buf {
    uint8_t *p;
    size_t len;
    size_t cap;
} ol__wasi_buf;

/* Appends n bytes; never grows beyond `max` total (callers check before). OL_E_NOMEM. */
ol_err ol__wasi_buf_append(ol__wasi_buf *b, const ol_allocator *a, const void *p, size_t n,
                           size_t max);
void ol__wasi_buf_free(ol__wasi_buf *b, const ol_allocator *a);

/* ---- the source of nondeterminism (wasi_source.c) ---- */

typedef enum ol__wasi_src_rc {
    OL__WASI_SRC_OK = 0,
    OL__WASI_SRC_DIVERGED, /* replay: missing entry, wrong kind or size (msg set) */
    OL__WASI_SRC_LIMIT,    /* the transcript would exceed its cap (msg set) */
    OL__WASI_SRC_NOMEM,
} ol__wasi_src_rc;

typedef struct ol__wasi_src {
    ol_wasi_source mode;
    const ol_allocator *alloc;
    /* SEEDED */
    uint8_t key[crypto_stream_chacha20_KEYBYTES];
    uint64_t block;     /* next keystream block */
    uint8_t ks[64];     /* current keystream block */
    unsigned ks_pos;    /* bytes of ks used; 64 = none left */
    uint64_t vclock_ns; /* the virtual counter */
    /* REPLAY: the validated transcript and a cursor */
    const uint8_t *tr;
    size_t tr_len;
    size_t pos;
    /* the transcript as recorded (LIVE, SEEDED) */
    crypto_hash_sha256_state sha;
    bool keep; /* store the bytes, not only hash them */
    ol__wasi_buf rec;
    size_t max_bytes; /* cap on the encoded transcript */
    size_t bytes;     /* encoded size so far (LIVE, SEEDED) */
    size_t entries;   /* values observed / consumed */
    char msg[256];    /* why the last call failed */
} ol__wasi_src;

/* Initialises src for cfg (mode, seed, transcript, record, cap). The transcript of a REPLAY
 * source must already have passed ol_wasi_transcript_check(). */
ol_err ol__wasi_src_init(ol__wasi_src *src, const ol_wasi_config *cfg, const ol_allocator *a,
                         ol_diag *d);
void ol__wasi_src_fini(ol__wasi_src *src);
/* One clock reading (id < OL__WASI_NCLOCKS); writes *ns only on OK. */
ol__wasi_src_rc ol__wasi_src_clock(ol__wasi_src *src, uint32_t id, uint64_t *ns);
/* n > 0 random bytes into p (written only on OK). */
ol__wasi_src_rc ol__wasi_src_random(ol__wasi_src *src, uint8_t *p, size_t n);
/* A sleep of ns nanoseconds has happened (SEEDED: advances the virtual clock). */
void ol__wasi_src_slept(ol__wasi_src *src, uint64_t ns);
/* At the end of a run: the transcript hash; for REPLAY, whether every entry was used
 * (DIVERGED with msg otherwise). */
ol__wasi_src_rc ol__wasi_src_finish(ol__wasi_src *src, uint8_t sha256[32]);

/* ---- the run context ---- */

typedef enum ol__wasi_stop_kind {
    OL__WASI_RUNNING = 0,
    OL__WASI_STOP_EXIT,       /* proc_exit: exit_code */
    OL__WASI_STOP_OUTPUT,     /* stdout over its cap */
    OL__WASI_STOP_DIVERGED,   /* replay diverged */
    OL__WASI_STOP_TRANSCRIPT, /* transcript over its cap */
    OL__WASI_STOP_TIMEOUT,    /* the deadline passed during a host sleep */
    OL__WASI_STOP_HOST,       /* the host could not do its part (out of memory) */
} ol__wasi_stop_kind;

typedef struct ol__wasi_fd {
    bool open;
    uint16_t flags;
    uint64_t rights;
} ol__wasi_fd;

/* A packed string list as args_get/environ_get deliver it: n NUL-terminated strings back to
 * back in buf (len bytes). */
typedef struct ol__wasi_strs {
    uint8_t *buf;
    size_t len;
    uint32_t n;
} ol__wasi_strs;

typedef struct ol__wasi_ctx {
    const ol_allocator *alloc;
    const uint8_t *input;
    size_t input_len;
    size_t input_pos;
    ol__wasi_strs args;
    ol__wasi_strs env;
    ol__wasi_fd fds[OL__WASI_NSTD];
    ol__wasi_buf out;
    size_t out_max;
    ol__wasi_buf err;
    size_t err_max;
    uint64_t err_dropped;
    ol__wasi_src src;

    ol__wasi_stop_kind stop;
    uint32_t exit_code;
    char stop_msg[256];

    /* The deadline and the cancellation flag, enforced by the process's watchdog thread (LIVE
     * sleeps wait on cv). `timed` is false in handler tests (no deadline: plain sleeps). */
    ol_wasm_store *store; /* interrupted by the watchdog */
    bool timed;           /* ol__wasi_timer_start was called */
    bool has_timer;       /* registered with the watchdog (under its mutex) */
    struct ol__wasi_ctx *wd_prev, *wd_next;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;                 /* the run is over */
    atomic_bool timed_out;     /* set by the watchdog when the deadline passes */
    atomic_bool cancelled;     /* set by the watchdog when it saw *cancel */
    const atomic_bool *cancel; /* cfg->cancel; NULL: none */
    uint64_t deadline_ns;      /* CLOCK_MONOTONIC */
} ol__wasi_ctx;

/* Sets up the streams, args, env and source from cfg (limits already resolved in cfg).
 * Does not start the timer. On error everything is released. */
ol_err ol__wasi_ctx_init(ol__wasi_ctx *ctx, const ol_wasi_config *cfg, const ol_allocator *a,
                         ol_diag *d);
void ol__wasi_ctx_fini(ol__wasi_ctx *ctx);

/* Registers the run with the watchdog thread (started on first use): at now + timeout_ms it
 * sets timed_out and interrupts ctx->store; when ctx->cancel is set it is polled every
 * OL_WASI_CANCEL_POLL_MS and, once it reads true, cancelled is set and the store interrupted.
 * OL_E_INTERNAL if the watchdog cannot start. */
ol_err ol__wasi_timer_start(ol__wasi_ctx *ctx, uint32_t timeout_ms, ol_diag *d);
/* Unregisters the run (no-op when it is not registered); afterwards the watchdog never touches
 * ctx again. */
void ol__wasi_timer_stop(ol__wasi_ctx *ctx);

/* LIVE sleep: waits ns (bounded by the deadline when there is a timer). Returns false when the
 * deadline passed or the run was cancelled. */
bool ol__wasi_ctx_sleep(ol__wasi_ctx *ctx, uint64_t ns);

/* ---- one host call ---- */

typedef struct ol__wasi_call {
    ol__wasi_ctx *ctx;
    uint8_t *mem; /* guest memory (NULL: none) */
    size_t mem_len;
    ol_wasm_caller *caller; /* NULL in handler tests: fuel is only counted */
    uint64_t charged;       /* fuel charged by this call */
    bool out_of_fuel;       /* a charge failed; the engine's trap is set */
} ol__wasi_call;

/* Charges n units (see "Fuel" in ol/wasi.h). False when fuel ran out: return OL__WASI_STOP. */
bool ol__wasi_charge(ol__wasi_call *c, uint64_t n);

typedef uint32_t (*ol__wasi_fn)(ol__wasi_call *c, const uint64_t *args);

typedef struct ol__wasi_def {
    const char *name;
    const char *params;  /* one letter per parameter: 'i' i32, 'I' i64 */
    const char *results; /* "" or "i" */
    ol__wasi_fn fn;
} ol__wasi_def;

extern const ol__wasi_def ol__wasi_defs[];
extern const size_t ol__wasi_ndefs;

/* The definition called name (len bytes, may hold NULs), or NULL. */
const ol__wasi_def *ol__wasi_find(const char *name, size_t len);

#endif
