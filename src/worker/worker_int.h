/* Private to src/worker: the HTTP client, the WASM cache, task parsing and the job runner.
 * Exposed to tests/unit/test_worker_*.c; never included outside the module. */
#ifndef OL_WORKER_INT_H
#define OL_WORKER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ol/err.h"
#include "ol/near.h"
#include "ol/wasi.h"
#include "ol/worker.h"

/* ---------------------------------------------------------------------------------------------
 * HTTP client (worker_http.c): one libcurl easy handle per thread, kept alive between requests.
 * ------------------------------------------------------------------------------------------- */

/* A response body, NUL-terminated for convenience (p[len] == 0). Owned; free with
 * ol__wbuf_fini(). */
typedef struct ol__wbuf {
    char *p;
    size_t len;
    size_t cap;
    size_t max; /* the largest body accepted; more aborts the transfer */
    bool over;  /* the body exceeded max */
    bool wipe;  /* the body may hold plaintext secrets: every block it leaves behind (growth,
                 * fini) is wiped before it is freed */
} ol__wbuf;

/* Frees the body (wiping it first when b->wipe). */
void ol__wbuf_fini(ol__wbuf *b);

typedef struct ol__whttp {
    CURL *curl;
    char *base;                /* owned copy, without a trailing '/' */
    struct curl_slist *hdrs;   /* Authorization (when a token was given) and JSON content type */
    const atomic_bool *cancel; /* may be NULL; when set, a transfer in progress is aborted */
    char errbuf[CURL_ERROR_SIZE];
} ol__whttp;

/* curl_global_init once per process (thread-safe; idempotent). Returns OL_OK or OL_E_INTERNAL. */
ol_err ol__whttp_global_init(ol_diag *d);

/* token may be NULL (no Authorization header). cancel may be NULL. Returns OL_OK, OL_E_NOMEM or
 * OL_E_INTERNAL. */
ol_err ol__whttp_init(ol__whttp *h, const char *base, const char *token, const atomic_bool *cancel,
                      ol_diag *d);
void ol__whttp_fini(ol__whttp *h);

/* One request: METHOD base+path, with body (may be NULL for none) as application/json.
 * On OL_OK *status is the HTTP status and resp holds the body (at most max_resp bytes).
 * Returns OL_OK for any HTTP status; OL_E_IO when no response arrived (connection refused,
 * timeout, cancelled: the message says which); OL_E_LIMIT for a body over max_resp; OL_E_NOMEM. */
ol_err ol__whttp_do(ol__whttp *h, const char *method, const char *path, const char *body,
                    size_t body_len, uint32_t timeout_ms, size_t max_resp, long *status,
                    ol__wbuf *resp, ol_diag *d);

/* ---------------------------------------------------------------------------------------------
 * WASM cache (worker_cache.c): content-addressed compiled modules, LRU by total size,
 * reference-counted entries. A module is inserted only after its SHA-256 was checked against its
 * key, and compiled once there; runs share the compiled module (ol_wasi_run_module). An entry in
 * use by a run is never freed under it: eviction only unlinks it, and the last release frees it
 * (the module with it), so a module outlives every run using it.
 * ------------------------------------------------------------------------------------------- */

typedef struct ol__wcache_entry {
    uint8_t sha256[32];
    ol_wasm_module *module; /* compiled; owned; NULL when the bytes do not compile */
    uint8_t *bytes;         /* owned; kept only when module is NULL (ol_wasi_run says why) */
    size_t len;             /* the module's size in bytes */
    size_t size;            /* what it counts against the bound: the compiled module's memory,
                             * or len when there is none */
    ol_alloc_counter mem;   /* the compiled module's allocator: counts its memory */
    unsigned refs;          /* runs using it, plus one while it is in the list */
    bool listed;
    struct ol__wcache_entry *prev, *next; /* prev: more recently used */
} ol__wcache_entry;

typedef struct ol__wcache {
    pthread_mutex_t mu;
    char *dir; /* owned; NULL: memory only */
    size_t cap;
    size_t total; /* sum of the listed entries' size */
    size_t count;
    ol__wcache_entry *head, *tail; /* head: most recently used */
    uint64_t hits, misses, evictions;
} ol__wcache;

/* dir (may be NULL) is created 0700 if missing; files in it beyond cap (oldest first) and
 * leftover temporary files are removed. Returns OL_OK, OL_E_IO, OL_E_NOMEM, OL_E_INTERNAL. */
ol_err ol__wcache_init(ol__wcache *c, const char *dir, size_t cap, ol_diag *d);
/* Frees every entry; no entry may still be referenced. */
void ol__wcache_fini(ol__wcache *c);

/* The entry for sha256 (memory, then the disk mirror, whose bytes are verified again), with a
 * reference the caller releases with ol__wcache_release(); NULL when absent. */
ol__wcache_entry *ol__wcache_get(ol__wcache *c, const uint8_t sha256[32]);

/* Verifies SHA-256(bytes) == sha256, compiles, and inserts. Takes ownership of bytes (malloc'd)
 * in every case; they are freed once the module compiled (and the disk mirror has them). Bytes
 * that do not compile are kept as they are, without a module. On OL_OK *out holds a reference
 * (the existing entry when another thread inserted the same module first). Returns OL_OK,
 * OL_E_MALFORMED (hash mismatch; nothing inserted), OL_E_NOMEM. A module larger than the whole
 * cache is returned but not kept. */
ol_err ol__wcache_put(ol__wcache *c, const uint8_t sha256[32], uint8_t *bytes, size_t len,
                      ol__wcache_entry **out, ol_diag *d);

void ol__wcache_release(ol__wcache *c, ol__wcache_entry *e);

/* ---------------------------------------------------------------------------------------------
 * Tasks (worker_task.c): the poll response, validated, and the run's environment.
 * ------------------------------------------------------------------------------------------- */

#define OL__WORKER_ID_MAX 128 /* ids (task, call, worker) are at most 127 bytes */

typedef struct ol__wtask {
    json_t *root; /* owns every borrowed string below */
    const char *task_id;
    const char *call_id;
    const char *project_id;
    uint8_t wasm_sha256[32];
    char version_key[65]; /* lowercase hex */
    uint32_t attempt;
    uint32_t lease_ms;
    uint8_t *input; /* decoded stdin; owned */
    size_t input_len;
    char **env; /* "KEY=VALUE", sorted by key, one per key; owned */
    size_t nenv;
    uint64_t max_instructions;
    uint32_t max_memory_mb;
    uint32_t max_execution_ms;
    size_t max_output_bytes;
    json_t *secrets;   /* the task's "secrets" {grant, ciphertext, access} (borrowed from
                        * root; shape checked by ol__wtask_parse); NULL when absent */
    char **secret_env; /* the env entries that came from secrets, sorted by address (the same
                        * pointers as in env); owned array, entries owned by env */
    size_t nsecret_env;
} ol__wtask;

/* Parses and validates a poll response body. Errors name the field, never an env value.
 * Returns OL_OK, OL_E_MALFORMED, OL_E_RANGE, OL_E_NOMEM. On OL_OK the caller owns *t (release
 * with ol__wtask_fini()). */
ol_err ol__wtask_parse(const char *body, size_t len, ol__wtask *t, ol_diag *d);
void ol__wtask_fini(ol__wtask *t);

/* Adds the decrypted secrets (a JSON object of string values) to t's environment: a name the
 * platform reserves (ol__worker_system_env) is dropped, whatever the keystore allowed, and so is
 * a name the task's own environment already has: system values always win. The environment
 * stays sorted by name. *dropped (may be NULL) counts the names dropped. Errors never name a
 * secret nor quote a value. Returns OL_OK; OL_E_MALFORMED (not an object of strings, a name
 * that is empty or has '=', a value with NUL: nothing is added); OL_E_NOMEM (nothing added).
 * The caller still owns and wipes `secrets`. */
ol_err ol__wtask_add_secrets(ol__wtask *t, const json_t *secrets, size_t *dropped, ol_diag *d);

/* Wipes and removes the environment entries that came from secrets (after the run). */
void ol__wtask_drop_secrets(ol__wtask *t);

/* The run configuration for task t (env, limits, input; LIVE and recording): the one place
 * the worker and ol_worker_replay() derive it from, so a replay sees exactly what the run saw.
 * Borrows from t. */
void ol__wtask_wasi_config(const ol__wtask *t, ol_wasi_config *cfg);

/* The largest transcript a worker records: the completion body must stay under the
 * coordinator's 10 MiB body cap with base64 and a 1 MiB output. */
#define OL__WORKER_MAX_TRANSCRIPT ((size_t)4 << 20)

/* The system variables the reference defines for every run (§4.6): names a task's other
 * variables may not take, and the HTTPS values used when the coordinator sent none. */
extern const char *const ol__worker_system_env[];
extern const size_t ol__worker_system_env_count;

/* Lowercase hex of 32 bytes into out[65]. */
void ol__worker_hex32(const uint8_t h[32], char out[65]);

/* ---------------------------------------------------------------------------------------------
 * Secrets (worker_secrets.c): POST /decrypt at the keystore for a task that carries secrets.
 * ------------------------------------------------------------------------------------------- */

typedef enum ol__wsecrets {
    OL__WSECRETS_NONE,        /* the task carries no secrets: run as is */
    OL__WSECRETS_INJECTED,    /* t's environment holds them now: run, then drop them */
    OL__WSECRETS_DENIED,      /* the access condition refused the caller: "access_denied" */
    OL__WSECRETS_UNAVAILABLE, /* anything else: "secrets_unavailable" */
} ol__wsecrets;

/* The completion statuses of a task that did not run because of its secrets. */
#define OL__WORKER_STATUS_ACCESS_DENIED       "access_denied"
#define OL__WORKER_STATUS_SECRETS_UNAVAILABLE "secrets_unavailable"

/* Obtains t's secrets from the keystore (ks: a client for its base URL with the worker's
 * keystore token; NULL when none is configured) with a worker_signature by sk, whose public key
 * text is pk (the grant must name it), and adds them to t's environment (ol__wtask_add_secrets).
 * The response body and every parsed copy of the plaintext are wiped before returning. For
 * DENIED and UNAVAILABLE, msg[0..cap) says why, naming the keystore's error code; it never holds
 * secret content. */
ol__wsecrets ol__worker_secrets(ol__whttp *ks, uint32_t timeout_ms, const ol_near_secret_key *sk,
                                const char *pk, ol__wtask *t, char *msg, size_t cap);

/* ---------------------------------------------------------------------------------------------
 * Evidence (worker_evidence.c)
 * ------------------------------------------------------------------------------------------- */

/* The record of docs/platform-protocol.md for a finished run, as a new JSON object, and its
 * signature text "ed25519:<base58>". Returns OL_OK, OL_E_NOMEM, or the canonicaliser's error.
 * On OL_OK the caller owns *record (json_decref). */
ol_err ol__worker_evidence(const ol__wtask *t, const ol_wasi_result *r, const char *worker_id,
                           const char *worker_pk, const ol_near_secret_key *sk, json_t **record,
                           char sig[OL_NEAR_KEY_STR_MAX], ol_diag *d);

/* The completion body (POST /worker/complete) for a run. r == NULL: the module was rejected
 * (invalid_module). On OL_OK the caller owns *body (free()). */
ol_err ol__worker_complete_body(const ol__wtask *t, const ol_wasi_result *r, const char *worker_id,
                                const char *worker_pk, const ol_near_secret_key *sk, char **body,
                                size_t *len, ol_diag *d);

/* The completion body for a task that did not run: `status` (invalid_module, access_denied,
 * secrets_unavailable) with `error`, 0 instructions, 0 ms, empty output and transcript, and the
 * evidence record to match. On OL_OK the caller owns *body (free()). */
ol_err ol__worker_norun_body(const ol__wtask *t, const char *status, const char *error,
                             const char *worker_id, const char *worker_pk,
                             const ol_near_secret_key *sk, char **body, size_t *len, ol_diag *d);

#endif
