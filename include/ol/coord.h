/* The coordinator (`outlayer coordinator`): the HTTPS API of docs/api.md, the worker protocol
 * of docs/platform-protocol.md, admin and operations routes, on top of an ol_store.
 *
 * Layers
 *   - ol_coord_handle(): every route as a pure function of (request, arena) -> response. It
 *     reads and writes the store but never touches a socket, so it is unit-tested and fuzzed
 *     directly. A route that must wait (a synchronous /call, a worker's long poll) returns a
 *     response with `defer` set; ol_coord_finish() then blocks on the notification (a condition
 *     variable keyed by call id, or the queue's) and produces the final response.
 *   - ol_coord_server_*(): the thin libmicrohttpd glue (coord_server.c) and the lease sweeper.
 *   - ol_evidence_*() (ol/evidence.h, its own module): the signed run record shared with the
 *     worker and `outlayer verify`.
 *
 * Money and limits (the rules, stated once; docs/api.md repeats them for clients)
 *   price(instructions, ms) = base + ceil(instructions * per_million / 1e6) + ms * per_ms,
 *   all integer micro-USD; the instruction term is the only rounding and it rounds up. A call
 *   with compute limit L reserves L + deposit. The run's limits are derived from L by
 *   ol_coord_budget() so that price(max_instructions, max_execution_ms) <= L; time is charged
 *   for min(reported time, max_execution_ms), so the charge never exceeds L.
 *
 * Thread-safety: one ol_coord serves any number of threads at once; its config is immutable
 * after ol_coord_new(); shared counters are atomics; waiters use their own mutexes.
 */
#ifndef OL_COORD_H
#define OL_COORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/config.h"
#include "ol/err.h"
#include "ol/evidence.h"
#include "ol/near.h"
#include "ol/store.h"

/* ==================================== configuration ==================================== */

/* Filled by ol_opts_load(&ol_coord_opt_table, ...). Every field is an option of `outlayer
 * coordinator` (flag --name, env OUTLAYER_NAME); `outlayer coordinator --help` lists them. */
typedef struct ol_coord_config {
    char *db;                 /* store URL, "sqlite:./.outlayer/outlayer.db" */
    char *host;               /* listen address, "127.0.0.1" */
    uint64_t port;            /* 0: an ephemeral port (printed, and written to port_file) */
    char *port_file;          /* when set, the bound port is written there (decimal + newline) */
    char *admin_token;        /* bearer token of the admin routes (secret); "" + no sha: disabled */
    char *admin_token_sha256; /* alternative: its SHA-256 in hex */
    char *worker_token;       /* a worker bearer token accepted besides issued ones (secret) */
    char *worker_token_sha256;      /* alternative: its SHA-256 in hex */
    uint64_t http_threads;          /* libmicrohttpd pool threads; 0: number of cores */
    uint64_t max_waiters;           /* requests blocked waiting (sync calls, long polls) at once */
    uint64_t max_body_bytes;        /* request body cap, at most 10 MiB */
    uint64_t max_worker_body_bytes; /* cap for an authenticated POST /worker/complete */
    uint64_t db_pool;               /* store connections */
    uint64_t db_busy_timeout_ms;
    /* Task queue (ol/queue.h): "sql" (the store's task table) or "redis://..." (secret: the URL
     * may carry a password; never logged, not kept after ol_coord_new()). */
    char *queue;
    char *queue_prefix; /* Redis key prefix / notification channel shared by coordinators */

    /* Pricing, micro-USD. */
    uint64_t price_base;
    uint64_t price_per_million_instructions;
    uint64_t price_per_ms;

    /* /call policy. */
    uint64_t default_compute_limit;
    uint64_t min_compute_limit;
    uint64_t max_compute_limit;
    uint64_t rate_limit_per_minute; /* per payment key; 0: unlimited */
    uint64_t max_concurrent_calls;  /* per payment key; 0: unlimited */
    uint64_t default_execution_ms;  /* time limit when the body sets none */
    uint64_t max_execution_ms;      /* hard cap on max_execution_seconds */
    uint64_t max_instructions;      /* hard cap on the instruction budget */
    uint64_t default_memory_mb;
    uint64_t max_memory_mb;
    uint64_t max_output_bytes;
    uint64_t max_input_bytes;

    /* Queue, leases, waits. */
    uint64_t lease_ms;
    uint64_t heartbeat_ms;
    uint64_t max_attempts;
    uint64_t queue_wait_ms;   /* a sync call waits this long for a worker to claim, then 503 */
    uint64_t queue_ttl_ms;    /* an async call's task is dropped after this long unclaimed */
    uint64_t sync_timeout_ms; /* a sync call returns its pending record after this long */
    uint64_t max_poll_ms;     /* cap on a worker's long poll */
    uint64_t sweep_ms;        /* sweeper period */

    char *log_level; /* error, warn, info, debug */

    /* Secrets (issue #6; docs/api.md "Secrets"). */
    char *keystore_url;     /* the keystore's base URL; "": the secrets routes answer 503 */
    char *keystore_token;   /* the coordinator's bearer token at the keystore (secret) */
    char *signing_key_file; /* near-cli credentials JSON: the key that signs run grants; "":
                             * calls with secrets_ref run without secrets */
    uint64_t grant_ttl_s;   /* lifetime of a run grant, 1..OL_KS_GRANT_TTL_MAX seconds */
} ol_coord_config;

/* The option table of `outlayer coordinator` (src/coord/coord_config.c). */
extern const ol_opt_table ol_coord_opt_table;

/* ======================================= money ======================================= */

typedef struct ol_coord_prices {
    uint64_t base;
    uint64_t per_million_instructions;
    uint64_t per_ms;
} ol_coord_prices;

/* The limits a run gets. */
typedef struct ol_coord_budget {
    uint64_t max_instructions;
    uint64_t max_execution_ms;
    uint32_t max_memory_mb;
} ol_coord_budget;

/* The price of a run, with time counted as min(time_ms, time_cap_ms) (time_cap_ms 0: no cap).
 * OL_OK or OL_E_RANGE (overflow; *out untouched). */
ol_err ol_coord_price(const ol_coord_prices *p, uint64_t instructions, uint64_t time_ms,
                      uint64_t time_cap_ms, uint64_t *out, ol_diag *d);

/* Derives the run's limits from the compute limit and the body's resource_limits (each 0 when
 * absent; exec_ms in milliseconds). The rule:
 *   1. A = limit - base; fails (OL_E_RANGE, "compute limit below the base fee") when limit <=
 *      base.
 *   2. time: the requested time (capped by cfg max_execution_ms) or, when none is requested,
 *      the default execution time; when it costs more than A/2 and none was requested it is
 *      lowered to what A/2 buys; when a requested time costs A or more the call fails
 *      (OL_E_RANGE, "compute limit too low for max_execution_seconds").
 *   3. instructions: what the rest of A buys, floor((A - ms*per_ms) * 1e6 / per_million),
 *      capped by cfg max_instructions and by the requested max_instructions.
 *   4. memory: the requested MiB (1..cfg max_memory_mb, else OL_E_INVAL) or the default.
 * Then price(max_instructions, max_execution_ms) <= limit always. OL_OK, OL_E_RANGE (the limit
 * is too low), OL_E_INVAL (memory out of range). */
ol_err ol_coord_budget_derive(const ol_coord_config *cfg, uint64_t compute_limit,
                              uint64_t req_instructions, uint64_t req_exec_ms,
                              uint64_t req_memory_mb, ol_coord_budget *out, ol_diag *d);

/* ===================================== evidence ===================================== */

/* The signed run record lives in its own module (ol/evidence.h), shared with the worker and
 * `outlayer verify`; its field sizes are the store's. */
_Static_assert(OL_EVIDENCE_ID_MAX == OL_STORE_ID_MAX, "evidence ids are store ids");
_Static_assert(OL_EVIDENCE_PROJECT_MAX == OL_STORE_PROJECT_MAX, "evidence projects");
_Static_assert(OL_EVIDENCE_SHA_HEX == OL_STORE_SHA_HEX, "evidence hashes");
_Static_assert(OL_EVIDENCE_STATUS_MAX == OL_STORE_CODE_MAX, "evidence status is a run_status");
_Static_assert(OL_EVIDENCE_PUBKEY_MAX == OL_STORE_PUBKEY_MAX, "evidence keys are worker keys");

/* ================================ requests and responses ================================ */

typedef struct ol_coord ol_coord;

typedef struct ol_coord_header {
    const char *name; /* matched case-insensitively */
    const char *value;
} ol_coord_header;

/* A request as the glue (or a test) hands it over. Everything borrowed for the call. */
typedef struct ol_coord_req {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* "/call/alice.near/app" (no query; not percent-decoded) */
    const char *query;  /* raw query without '?', NULL or "" when none */
    const ol_coord_header *headers;
    size_t nheaders;
    const uint8_t *body; /* may be NULL when body_len is 0 */
    size_t body_len;
    bool body_too_large; /* the glue stopped reading past max_body_bytes */
} ol_coord_req;

typedef enum ol_coord_defer_kind {
    OL_COORD_DEFER_NONE = 0,
    OL_COORD_DEFER_CALL = 1, /* a synchronous /call waits for its call */
    OL_COORD_DEFER_POLL = 2, /* a worker's long poll waits for a task */
} ol_coord_defer_kind;

/* What a deferred response still has to wait for (filled by ol_coord_handle()). */
typedef struct ol_coord_defer {
    ol_coord_defer_kind kind;
    char id[OL_STORE_ID_MAX + 1]; /* call id or worker id */
    uint64_t wait_ms;             /* poll: how long; call: overall bound */
} ol_coord_defer;

typedef struct ol_coord_resp {
    unsigned status;          /* HTTP status */
    const char *content_type; /* static string */
    const uint8_t *body;      /* in the arena (or static) */
    size_t body_len;
    unsigned retry_after_s; /* non-zero: send Retry-After */
    ol_coord_defer defer;   /* kind != NONE: call ol_coord_finish() before sending */
} ol_coord_resp;

/* Creates a coordinator on `store` (borrowed; must outlive it) with cfg (copied; tokens are
 * hashed and the copy keeps only the hashes; the keystore token is kept for the keystore client
 * and wiped on free). With signing_key_file set the grant key is read now (and wiped on free).
 * It opens the task queue cfg->queue on `store` (notifications over cfg->db when that is a
 * PostgreSQL URL) and subscribes to its events, so waiters are woken by completions and new work
 * reported to any coordinator sharing the queue; the subscription thread belongs to the
 * coordinator (ol_coord_free() joins it). The queue URL is not kept.
 * Returns OL_OK, OL_E_INVAL (a config value out of range, a bad token hash, an unusable signing
 * key file, a malformed queue URL or prefix), OL_E_UNSUPPORTED (a queue scheme no backend
 * handles), OL_E_IO (the key file cannot be read, the queue's server cannot be reached),
 * OL_E_NOMEM, OL_E_INTERNAL. On OL_OK the caller owns *out; ol_coord_free(). */
ol_err ol_coord_new(const ol_coord_config *cfg, ol_store *store, ol_coord **out, ol_diag *d);

/* Wakes every waiter (they answer at once), closes the queue (joining its subscription
 * thread) and frees. NULL is a no-op. The server must be stopped first. */
void ol_coord_free(ol_coord *c);

/* Replaces the clock (ms since the epoch) for tests; NULL restores the real one. Set before
 * serving. */
void ol_coord_set_clock(ol_coord *c, uint64_t (*now_ms)(void *ud), void *ud);

/* The coordinator's client of the keystore service (docs/keystore.md): POSTs body[0..body_len)
 * (JSON) to the keystore route `path` ("/pubkey", "/secrets/prepare") with the coordinator's
 * bearer token. On OL_OK *status is the HTTP status and the caller owns *resp (the body,
 * NUL-terminated, *resp_len bytes; free()). OL_E_IO when the keystore cannot be reached or does
 * not answer in time (the message names the URL and the reason, never the token), OL_E_NOMEM.
 * Must be thread-safe. */
typedef ol_err (*ol_coord_keystore_fn)(void *ud, const char *path, const char *body,
                                       size_t body_len, unsigned *status, char **resp,
                                       size_t *resp_len, ol_diag *d);

/* Replaces the keystore client (ol_coord_new() installs a libcurl client for --keystore-url,
 * with bounded timeouts); fn NULL: no keystore (secret writes answer 503). ud is borrowed and
 * must outlive the coordinator. Tests plug the keystore's own handler in here. Set before
 * serving. */
void ol_coord_set_keystore(ol_coord *c, ol_coord_keystore_fn fn, void *ud);

/* Routes and answers one request; never fails (errors are 4xx/5xx responses with the body
 * {"error": "...", "code": "..."}). Everything it allocates lives in `ar`.
 * Thread-safety: any number of concurrent calls. */
void ol_coord_handle(ol_coord *c, const ol_coord_req *req, ol_near_arena *ar, ol_coord_resp *resp);

/* Completes a deferred response: blocks until the awaited event or the bound in df (measured
 * on the monotonic clock), then writes the final response (never deferred) to *resp. */
void ol_coord_finish(ol_coord *c, const ol_coord_defer *df, ol_near_arena *ar, ol_coord_resp *resp);

/* One sweeper pass through the queue (lapsed leases, stale queued tasks, and — Redis — tasks
 * the queue lost); wakes the waiters of calls it failed or re-queued and the pollers when tasks
 * became claimable, here and (published on the queue) on every other coordinator. Concurrent
 * passes on several coordinators are safe: a call settles once. OL_OK or the queue's error. */
ol_err ol_coord_sweep(ol_coord *c, ol_diag *d);

/* Makes every current and future wait return at once (shutdown). */
void ol_coord_shutdown(ol_coord *c);

/* ======================================= server ======================================= */

typedef struct ol_coord_server ol_coord_server;

/* Starts libmicrohttpd (internal thread pool, suspend/resume for waits) on cfg host:port and
 * the sweeper thread. *bound_port (may be NULL) receives the port actually bound.
 * Returns OL_OK, OL_E_INVAL (bad host), OL_E_IO (cannot listen), OL_E_NOMEM, OL_E_INTERNAL.
 * On OL_OK the caller owns *out; ol_coord_server_stop(). */
ol_err ol_coord_server_start(ol_coord *c, ol_coord_server **out, uint16_t *bound_port, ol_diag *d);

/* Stops accepting, answers every waiting request, joins every thread, frees. NULL no-op. */
void ol_coord_server_stop(ol_coord_server *srv);

#endif
