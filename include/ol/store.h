/* Storage for the HTTPS path: the registry (projects, versions, content-addressed wasm), payment
 * keys and their balances, calls, the task queue with leases, workers and earnings.
 *
 * One interface, several backends chosen by URL scheme: `sqlite:PATH` (embedded, the default;
 * WAL, versioned migrations applied at open). A PostgreSQL backend (`postgres://...`) slots in
 * behind the same vtable (src/store/store_int.h) and must pass the same conformance suite
 * (tests/unit/test_store_conformance.c).
 *
 * Rules every backend keeps
 *   - Every operation that changes more than one row is one transaction: it happens completely
 *     or not at all, and no reader sees half of it.
 *   - Time is never read from a clock: every function that stamps or compares times takes
 *     `now_ms` (milliseconds since the Unix epoch) from the caller, so tests control it.
 *   - Money is integer micro-USD in uint64_t, at most OL_STORE_MONEY_MAX; every sum is checked
 *     for overflow. For a payment key, spent + reserved <= initial_balance always holds.
 *   - A call's money settles exactly once: a call leaves `reserved` exactly when it reaches a
 *     terminal status, and only one transition to a terminal status ever succeeds.
 *   - Tasks are never lost: a claimed task carries a lease; a lapsed lease makes the task
 *     claimable again (attempt + 1) until max_attempts deliveries, after which the call fails
 *     with error code "worker_lost" and is not charged.
 *
 * List functions walk rows through a callback; the record is borrowed for the call only, a
 * non-zero return stops the walk, and the callback must not call into the store (the walk holds
 * one of its connections).
 *
 * Records with variable-length parts (a key's allowlist, a call's input and output, a task) are
 * returned as one allocation that the caller frees with the matching _free(); every pointer in
 * them points inside that block. Fixed records (projects, versions, workers) are plain structs.
 *
 * Thread-safety: an ol_store may be used from any number of threads at once (the SQLite backend
 * keeps a pool of connections and serialises its write transactions in-process, so writers
 * never spin on SQLITE_BUSY). Records returned are owned by the caller and not shared.
 */
#ifndef OL_STORE_H
#define OL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/err.h"

/* ================================== sizes and limits ================================== */

#define OL_STORE_OWNER_MAX    64 /* a NEAR account id */
#define OL_STORE_NAME_MAX     64 /* project name: [A-Za-z0-9._-]{1,64} (checked by the caller) */
#define OL_STORE_PROJECT_MAX  (OL_STORE_OWNER_MAX + 1 + OL_STORE_NAME_MAX) /* "owner/name" */
#define OL_STORE_SHA_HEX      64 /* lowercase hex SHA-256 */
#define OL_STORE_ID_MAX       64 /* call, task and worker ids (opaque text, caller-generated) */
#define OL_STORE_CODE_MAX     32 /* error codes such as "worker_lost" */
#define OL_STORE_WORKER_NAME  64
#define OL_STORE_PUBKEY_MAX   128 /* "ed25519:<base58>" */
#define OL_STORE_MONEY_MAX    ((uint64_t)INT64_MAX)
#define OL_STORE_MAX_PROJECTS 64 /* allowlist entries per payment key */
#define OL_STORE_DEFAULT_BUSY 5000u
#define OL_STORE_DEFAULT_POOL 4u

typedef struct ol_store ol_store;

/* =================================== open and close =================================== */

typedef struct ol_store_options {
    uint32_t busy_timeout_ms; /* waits for another process's lock; 0: OL_STORE_DEFAULT_BUSY */
    uint32_t pool_size;       /* connections (SQLite); 0: OL_STORE_DEFAULT_POOL */
} ol_store_options;

/* Opens the store at `url` (`sqlite:PATH`; the file is created if missing) and applies every
 * pending schema migration in order, each in its own transaction. opts may be NULL.
 * Returns OL_OK; OL_E_INVAL (malformed URL), OL_E_UNSUPPORTED (a scheme no backend handles),
 * OL_E_IO (cannot open, or a migration failed: the database is left at the last good version),
 * OL_E_STATE (the database has a schema newer than this build), OL_E_NOMEM.
 * On OL_OK the caller owns *out; release with ol_store_close(). */
ol_err ol_store_open(const char *url, const ol_store_options *opts, ol_store **out, ol_diag *d);

/* Closes every connection. NULL is a no-op. No operation may be running. */
void ol_store_close(ol_store *s);

/* The schema version now in effect (the number of migrations applied). */
uint32_t ol_store_schema_version(const ol_store *s);

/* Cheap liveness check of the database (used by GET /health). OL_OK or OL_E_IO. */
ol_err ol_store_ping(ol_store *s, ol_diag *d);

/* ============================= registry: projects, versions ============================= */

typedef struct ol_store_project {
    char owner[OL_STORE_OWNER_MAX + 1];
    char name[OL_STORE_NAME_MAX + 1];
    char active_version[OL_STORE_SHA_HEX + 1]; /* "" when the project has no version yet */
    uint32_t nversions;
    uint64_t created_ms;
} ol_store_project;

typedef struct ol_store_version {
    char sha256[OL_STORE_SHA_HEX + 1]; /* the version key: SHA-256 of the wasm bytes */
    uint64_t size;
    bool active;
    uint64_t created_ms;
} ol_store_version;

/* Creates project owner/name (lengths 1..OL_STORE_*_MAX; content checked by the caller).
 * Returns OL_OK, OL_E_EXISTS, OL_E_INVAL, OL_E_IO. */
ol_err ol_store_project_create(ol_store *s, const char *owner, const char *name, uint64_t now_ms,
                               ol_diag *d);

/* OL_OK (out written), OL_E_NOTFOUND, OL_E_IO. */
ol_err ol_store_project_get(ol_store *s, const char *owner, const char *name, ol_store_project *out,
                            ol_diag *d);

/* Calls cb for every project ordered by owner then name; a non-zero return stops the walk (and
 * is not an error). The record is borrowed for the callback only. OL_OK or OL_E_IO. */
typedef int (*ol_store_project_cb)(void *ud, const ol_store_project *p);
ol_err ol_store_project_list(ol_store *s, ol_store_project_cb cb, void *ud, ol_diag *d);

/* Adds the wasm `bytes` as a version of owner/name. The store computes the SHA-256 itself (the
 * version key, written to sha256_out when not NULL); the bytes are kept once however many
 * projects use them. Adding a version that exists is not an error (the bytes are identical by
 * construction). The version becomes active when `activate` is true or when the project had no
 * active version. Returns OL_OK, OL_E_NOTFOUND (project), OL_E_INVAL (empty), OL_E_IO. */
ol_err ol_store_version_add(ol_store *s, const char *owner, const char *name, const uint8_t *bytes,
                            size_t len, bool activate, uint64_t now_ms,
                            char sha256_out[OL_STORE_SHA_HEX + 1], ol_diag *d);

/* Makes version `sha256` of owner/name the active one. OL_OK, OL_E_NOTFOUND, OL_E_IO. */
ol_err ol_store_version_activate(ol_store *s, const char *owner, const char *name,
                                 const char *sha256, ol_diag *d);

/* The version `sha256` of owner/name, or its active version when sha256 is NULL.
 * OL_OK, OL_E_NOTFOUND (no such project, version, or no active version), OL_E_IO. */
ol_err ol_store_version_get(ol_store *s, const char *owner, const char *name, const char *sha256,
                            ol_store_version *out, ol_diag *d);

typedef int (*ol_store_version_cb)(void *ud, const ol_store_version *v);
/* Versions of owner/name, oldest first. OL_OK, OL_E_NOTFOUND (project), OL_E_IO. */
ol_err ol_store_version_list(ol_store *s, const char *owner, const char *name,
                             ol_store_version_cb cb, void *ud, ol_diag *d);

/* The wasm bytes with SHA-256 `sha256` (lowercase hex). On OL_OK the caller owns *bytes
 * (free()). OL_E_NOTFOUND, OL_E_IO, OL_E_NOMEM. */
ol_err ol_store_wasm_get(ol_store *s, const char *sha256, uint8_t **bytes, size_t *len, ol_diag *d);

/* ==================================== payment keys ==================================== */

typedef struct ol_store_key_spec {
    const char *owner;
    uint32_t nonce; /* 0: the store assigns max(existing nonce of owner) + 1 */
    uint8_t secret_sha256[32];
    uint64_t initial_balance;    /* micro-USD */
    uint64_t max_per_call;       /* bound on compute limit + deposit per call; 0 = none */
    const char *const *projects; /* allowlist: "owner/name", or an owner wildcard; none = any */
    size_t nprojects;            /* at most OL_STORE_MAX_PROJECTS */
} ol_store_key_spec;

typedef struct ol_store_key {
    char owner[OL_STORE_OWNER_MAX + 1];
    uint32_t nonce;
    uint8_t secret_sha256[32];
    uint64_t initial_balance, spent, reserved; /* available = initial - spent - reserved */
    uint64_t max_per_call;
    uint32_t inflight;           /* calls of this key not yet terminal */
    const char *const *projects; /* points inside the record */
    size_t nprojects;
    uint64_t created_ms;
    uint64_t last_used_ms; /* 0: never */
} ol_store_key;

/* Creates a payment key. The nonce used is written to *nonce_out (may be NULL).
 * Returns OL_OK, OL_E_EXISTS (owner/nonce taken), OL_E_INVAL (bad lengths, too many projects,
 * a balance above OL_STORE_MONEY_MAX), OL_E_IO. */
ol_err ol_store_key_create(ol_store *s, const ol_store_key_spec *spec, uint64_t now_ms,
                           uint32_t *nonce_out, ol_diag *d);

/* On OL_OK the caller owns *out; release with ol_store_key_free(). OL_E_NOTFOUND, OL_E_IO,
 * OL_E_NOMEM. */
ol_err ol_store_key_get(ol_store *s, const char *owner, uint32_t nonce, ol_store_key **out,
                        ol_diag *d);
void ol_store_key_free(ol_store_key *k);

/* Walks keys (of `owner`, or all when NULL) ordered by owner, nonce. Borrowed record. */
typedef int (*ol_store_key_cb)(void *ud, const ol_store_key *k);
ol_err ol_store_key_list(ol_store *s, const char *owner, ol_store_key_cb cb, void *ud, ol_diag *d);

/* Adds `amount` to the key's initial balance. OL_OK, OL_E_NOTFOUND, OL_E_RANGE (overflow or
 * above OL_STORE_MONEY_MAX), OL_E_IO. */
ol_err ol_store_key_top_up(ol_store *s, const char *owner, uint32_t nonce, uint64_t amount,
                           ol_diag *d);

/* True when the key may call project_id ("owner/name"): an empty allowlist allows every
 * project; an entry matches exactly, and an owner wildcard (the owner, a slash and a star)
 * matches every project of that owner. */
bool ol_store_key_allows(const ol_store_key *k, const char *project_id);

/* ======================================= calls ======================================= */

typedef enum ol_store_call_status {
    OL_STORE_CALL_PENDING = 0,   /* queued, not claimed */
    OL_STORE_CALL_RUNNING = 1,   /* leased to a worker */
    OL_STORE_CALL_COMPLETED = 2, /* terminal */
    OL_STORE_CALL_FAILED = 3,    /* terminal */
} ol_store_call_status;

/* "pending", "running", "completed", "failed". */
const char *ol_store_call_status_name(ol_store_call_status s);

/* Everything ol_store_call_submit() needs. All pointers borrowed for the call. */
typedef struct ol_store_submit {
    const char *call_id; /* unique, caller-generated (the coordinator uses UUID v4) */
    const char *task_id; /* unique, caller-generated */
    const char *key_owner;
    uint32_t key_nonce;
    const char *project_owner;
    const char *project_name;
    const char *version;       /* sha256 hex of the version to run (already resolved) */
    uint64_t compute_limit;    /* micro-USD: the most the run may be charged */
    uint64_t attached_deposit; /* micro-USD to the project owner on success */
    uint32_t max_concurrent;   /* the key's non-terminal calls must stay below this; 0 = none */
    const uint8_t *input;      /* the program's stdin */
    size_t input_len;
    const char *task_json; /* opaque task description (env, limits) handed to the worker */
    size_t task_json_len;
    bool is_async;
    uint32_t max_attempts; /* deliveries before "worker_lost"; >= 1 */
} ol_store_submit;

typedef enum ol_store_submit_result {
    OL_STORE_SUBMIT_OK = 0,
    OL_STORE_SUBMIT_NO_KEY = 1,       /* the payment key does not exist */
    OL_STORE_SUBMIT_INSUFFICIENT = 2, /* available < compute_limit + attached_deposit */
    OL_STORE_SUBMIT_TOO_MANY = 3,     /* max_concurrent non-terminal calls already */
} ol_store_submit_result;

/* In one transaction: checks the key exists, its in-flight count is below max_concurrent and
 * (checked second, so a key at its cap gets TOO_MANY) its available balance covers
 * compute_limit + attached_deposit; reserves that amount;
 * inserts the call (pending) and its task (queued). Returns OL_OK with the decision in *result
 * (nothing written unless OL_STORE_SUBMIT_OK); OL_E_EXISTS (call or task id taken),
 * OL_E_RANGE (overflow), OL_E_INVAL, OL_E_IO (nothing written). */
ol_err ol_store_call_submit(ol_store *s, const ol_store_submit *sub, uint64_t now_ms,
                            ol_store_submit_result *result, ol_diag *d);

/* The full record of a call. One allocation; free with ol_store_call_free(). */
typedef struct ol_store_call {
    char id[OL_STORE_ID_MAX + 1];
    char task_id[OL_STORE_ID_MAX + 1];
    char key_owner[OL_STORE_OWNER_MAX + 1];
    uint32_t key_nonce;
    char project_owner[OL_STORE_OWNER_MAX + 1];
    char project_name[OL_STORE_NAME_MAX + 1];
    char version[OL_STORE_SHA_HEX + 1];
    ol_store_call_status status;
    bool is_async;
    uint64_t compute_limit, attached_deposit;
    uint64_t reserved; /* what the call holds in reserve now: compute_limit + deposit until it
                        * is terminal, 0 afterwards */
    uint64_t charged;  /* compute cost charged (terminal only) */
    uint64_t paid;     /* deposit paid to the project owner (terminal only) */
    /* Terminal only: */
    char error_code[OL_STORE_CODE_MAX + 1]; /* "" when completed */
    const char *error;                      /* NUL-terminated; "" when none */
    char run_status[OL_STORE_CODE_MAX + 1]; /* the worker's status ("ok", "trap", ...) or "" */
    uint32_t exit_code;
    uint64_t instructions, time_ms;
    char worker_id[OL_STORE_ID_MAX + 1];
    uint32_t attempts;                             /* deliveries so far */
    uint64_t created_ms, started_ms, completed_ms; /* 0 when not yet */
    const uint8_t *input;                          /* stdin bytes */
    size_t input_len;
    const uint8_t *output; /* stdout bytes (terminal only) */
    size_t output_len;
    const char *stderr_text; /* captured stderr (terminal only) */
    const char *evidence;    /* the worker's signed evidence JSON, "" when none */
    const uint8_t *transcript;
    size_t transcript_len;
    const char *task_json; /* as submitted */
} ol_store_call;

/* On OL_OK the caller owns *out; release with ol_store_call_free(). OL_E_NOTFOUND, OL_E_IO,
 * OL_E_NOMEM. */
ol_err ol_store_call_get(ol_store *s, const char *call_id, ol_store_call **out, ol_diag *d);
void ol_store_call_free(ol_store_call *c);

/* Cancels a call whose task has not been claimed yet (a synchronous caller gave up waiting for
 * a worker, or an async call waited in the queue too long): in one transaction the call fails
 * with error_code/error, is not charged, and its reservation is released. Returns OL_OK when
 * cancelled, OL_E_STATE when the task was already claimed or the call is terminal (nothing
 * changed), OL_E_NOTFOUND, OL_E_IO. */
ol_err ol_store_call_cancel_queued(ol_store *s, const char *call_id, const char *error_code,
                                   const char *error, uint64_t now_ms, ol_diag *d);

/* ==================================== task queue ==================================== */

/* A claimed task: what the coordinator turns into the worker's poll response. One allocation;
 * free with ol_store_task_free(). */
typedef struct ol_store_task {
    char id[OL_STORE_ID_MAX + 1];
    char call_id[OL_STORE_ID_MAX + 1];
    char project_owner[OL_STORE_OWNER_MAX + 1];
    char project_name[OL_STORE_NAME_MAX + 1];
    char version[OL_STORE_SHA_HEX + 1];
    char worker_id[OL_STORE_ID_MAX + 1];
    uint32_t attempt; /* 1 on first delivery */
    uint32_t max_attempts;
    uint64_t lease_expires_ms;
    const uint8_t *input;
    size_t input_len;
    const char *task_json;
} ol_store_task;

/* Atomically claims the oldest claimable task for worker_id: a queued task, or a leased one
 * whose lease lapsed (lease_expires_ms <= now_ms) with attempt < max_attempts. The task's
 * attempt increases by one, its lease runs until now_ms + lease_ms, and its call becomes
 * running. On OL_OK the caller owns *out (ol_store_task_free()). OL_E_NOTFOUND when nothing is
 * claimable, OL_E_IO, OL_E_NOMEM. */
ol_err ol_store_task_claim(ol_store *s, const char *worker_id, uint64_t now_ms, uint64_t lease_ms,
                           ol_store_task **out, ol_diag *d);
void ol_store_task_free(ol_store_task *t);

/* Extends the lease of task_id to now_ms + lease_ms if worker_id still holds it with `attempt`
 * (a lapsed lease still counts as held until a sweep requeues it or another worker claims
 * it). OL_OK; OL_E_STATE when the
 * lease is no longer this worker's (re-delivered, or the task is finished); OL_E_NOTFOUND,
 * OL_E_IO. */
ol_err ol_store_task_renew(ol_store *s, const char *task_id, const char *worker_id,
                           uint32_t attempt, uint64_t now_ms, uint64_t lease_ms, ol_diag *d);

/* The outcome of a run, as the coordinator settles it. Pointers borrowed for the call. */
typedef struct ol_store_completion {
    const char *task_id;
    const char *worker_id;
    uint32_t attempt;
    bool success;           /* true: the call is completed; false: failed */
    const char *error_code; /* failed only (e.g. "trap", "invalid_output") */
    const char *error;      /* may be NULL */
    const char *run_status; /* the worker's status string */
    uint32_t exit_code;
    uint64_t instructions, time_ms;
    uint64_t charge; /* compute cost; at most the call's compute_limit (else OL_E_RANGE) */
    const uint8_t *output;
    size_t output_len;
    const char *stderr_text; /* may be NULL */
    const char *evidence;    /* may be NULL */
    const uint8_t *transcript;
    size_t transcript_len;
} ol_store_completion;

/* Settles a task's call, in one transaction, exactly once: the call becomes completed/failed
 * with the outcome; the key's reserved drops by the call's whole reservation; spent grows by
 * `charge` plus (on success) the attached deposit, which is credited to the project owner's
 * earnings. *settled is true when this call did it; a repeat of the completion by the same
 * worker and attempt after the task is finished returns OL_OK with *settled false and changes
 * nothing. Returns OL_E_STATE (nothing changed) when the attempt no longer holds the lease,
 * OL_E_NOTFOUND (no such task), OL_E_RANGE (charge above the compute limit, or overflow),
 * OL_E_IO. */
ol_err ol_store_task_complete(ol_store *s, const ol_store_completion *c, uint64_t now_ms,
                              bool *settled, ol_diag *d);

/* What one sweep changed, as call ids (the caller wakes their waiters and the pollers). */
typedef struct ol_store_sweep {
    char (*failed)[OL_STORE_ID_MAX + 1]; /* calls failed; malloc'd (free()), NULL when none */
    size_t nfailed;
    char (*requeued)[OL_STORE_ID_MAX + 1]; /* calls whose lapsed task was queued again */
    size_t nrequeued;
} ol_store_sweep;

/* One sweeper pass, in one transaction: every leased task whose lease lapsed goes back to the
 * queue if attempts remain, else its call fails with "worker_lost" (not charged, reservation
 * released); every task still queued since before queued_before_ms (0: none) fails with
 * "no_worker_available" likewise. At most `limit` calls are failed per pass (0: 1000).
 * On OL_OK the caller owns out->failed (free(); NULL when none). OL_E_IO, OL_E_NOMEM. */
ol_err ol_store_sweep_leases(ol_store *s, uint64_t now_ms, uint64_t queued_before_ms, size_t limit,
                             ol_store_sweep *out, ol_diag *d);

/* ------------------------- queue backends other than the SQL one -------------------------
 * An external queue (ol/queue.h, e.g. Redis) owns delivery order and lease deadlines; the store
 * stays the authority on a task's state and attempt, so settlement is still exactly once. A task
 * claimed through ol_store_task_claim_id() holds its store lease with no deadline
 * (OL_STORE_LEASE_EXTERNAL): the store's own sweep never re-queues it; the external queue calls
 * ol_store_task_lapse() when its lease lapses. */

#define OL_STORE_LEASE_EXTERNAL ((uint64_t)INT64_MAX)

/* Claims the task `task_id` for worker_id if it is queued: attempt + 1, the call becomes
 * running, the lease is external (see above). On OL_OK the caller owns *out
 * (ol_store_task_free()). OL_E_STATE when the task is not queued (leased, finished, or its call
 * was cancelled: the caller drops it from its queue), OL_E_NOTFOUND, OL_E_IO, OL_E_NOMEM. */
ol_err ol_store_task_claim_id(ol_store *s, const char *task_id, const char *worker_id,
                              uint64_t now_ms, ol_store_task **out, ol_diag *d);

typedef enum ol_store_lapse_result {
    OL_STORE_LAPSE_NOOP = 0,     /* the attempt no longer holds the task (finished, re-claimed) */
    OL_STORE_LAPSE_REQUEUED = 1, /* back to queued (the caller delivers it again) */
    OL_STORE_LAPSE_FAILED = 2,   /* no attempts left: the call failed with "worker_lost" */
} ol_store_lapse_result;

/* The external lease of (task_id, attempt) lapsed. In one transaction: if that attempt still
 * holds the task it goes back to the queue when attempts remain (queued_ms = now_ms), else its
 * call fails with "worker_lost" (not charged, reservation released). Idempotent: a repeat
 * answers NOOP. attempt 0 matches whatever attempt holds the task (a lease whose claim never
 * recorded its attempt because a coordinator died mid-claim). call_id_out (may be NULL)
 * receives the task's call id on OL_OK.
 * OL_OK, OL_E_NOTFOUND, OL_E_IO. */
ol_err ol_store_task_lapse(ol_store *s, const char *task_id, uint32_t attempt, uint64_t now_ms,
                           ol_store_lapse_result *result, char call_id_out[OL_STORE_ID_MAX + 1],
                           ol_diag *d);

typedef struct ol_store_queued {
    char task_id[OL_STORE_ID_MAX + 1];
    char call_id[OL_STORE_ID_MAX + 1];
    uint64_t queued_ms;
} ol_store_queued;

typedef int (*ol_store_queued_cb)(void *ud, const ol_store_queued *q);
/* Walks tasks that are queued since before queued_before_ms, oldest first, at most `limit`
 * (0: 1000). An external queue uses it to re-deliver tasks it never received (a coordinator
 * died between the store commit and the push). OL_OK, OL_E_IO. */
ol_err ol_store_task_queued_list(ol_store *s, uint64_t queued_before_ms, size_t limit,
                                 ol_store_queued_cb cb, void *ud, ol_diag *d);

/* ====================================== workers ====================================== */

typedef struct ol_store_worker {
    char id[OL_STORE_ID_MAX + 1];
    char name[OL_STORE_WORKER_NAME + 1];
    char public_key[OL_STORE_PUBKEY_MAX + 1];
    uint8_t token_sha256[32];
    uint32_t capacity;
    uint32_t running; /* as last reported by heartbeat */
    uint64_t registered_ms, last_seen_ms;
} ol_store_worker;

/* Registers a worker, or returns the existing one for the same token hash and public key (its
 * name and capacity are updated and it counts as seen now). new_id is used only for a new row.
 * out may be NULL. OL_OK, OL_E_EXISTS (new_id taken), OL_E_INVAL, OL_E_IO. */
ol_err ol_store_worker_register(ol_store *s, const uint8_t token_sha256[32], const char *name,
                                const char *public_key, uint32_t capacity, const char *new_id,
                                uint64_t now_ms, ol_store_worker *out, ol_diag *d);

/* OL_OK, OL_E_NOTFOUND, OL_E_IO. */
ol_err ol_store_worker_get(ol_store *s, const char *worker_id, ol_store_worker *out, ol_diag *d);

/* Records a heartbeat. OL_OK, OL_E_NOTFOUND, OL_E_IO. */
ol_err ol_store_worker_heartbeat(ol_store *s, const char *worker_id, uint32_t running,
                                 uint64_t now_ms, ol_diag *d);

typedef int (*ol_store_worker_cb)(void *ud, const ol_store_worker *w);
/* Every worker, most recently seen first. */
ol_err ol_store_worker_list(ol_store *s, ol_store_worker_cb cb, void *ud, ol_diag *d);

/* Worker tokens issued by an administrator (only their SHA-256 is stored). */
ol_err ol_store_worker_token_add(ol_store *s, const uint8_t token_sha256[32], const char *name,
                                 uint64_t now_ms, ol_diag *d);
/* OL_OK when the hash is a stored token, OL_E_NOTFOUND otherwise, OL_E_IO. The lookup is by
 * hash (an index probe), which reveals nothing about the secret token. */
ol_err ol_store_worker_token_check(ol_store *s, const uint8_t token_sha256[32], ol_diag *d);

typedef struct ol_store_leased {
    char task_id[OL_STORE_ID_MAX + 1];
    char call_id[OL_STORE_ID_MAX + 1];
    uint32_t attempt;
    uint64_t claimed_ms; /* when this attempt was claimed (the call's started_ms) */
} ol_store_leased;

typedef int (*ol_store_leased_cb)(void *ud, const ol_store_leased *l);
/* Walks tasks held under an external lease (OL_STORE_LEASE_EXTERNAL) whose attempt was claimed
 * before claimed_before_ms, oldest first, at most `limit` (0: 1000). An external queue uses it
 * to end leases it lost (its server lost data): it lapses them as if they had expired.
 * OL_OK, OL_E_IO. */
ol_err ol_store_task_external_list(ol_store *s, uint64_t claimed_before_ms, size_t limit,
                                   ol_store_leased_cb cb, void *ud, ol_diag *d);

/* ============================ secrets (stored by the coordinator) ============================
 * One row per (accessor, profile, owner): the ECIES ciphertext (ol/keystore.h; the store never
 * sees plaintext), the access condition's canonical JSON, a version that grows by one on every
 * update, and timestamps. `accessor` is the accessor's normalized compact JSON text (the
 * keystore's form), at most OL_STORE_ACCESSOR_MAX bytes. */

#define OL_STORE_ACCESSOR_MAX 1024
#define OL_STORE_PROFILE_MAX  64
#define OL_STORE_ACCESS_MAX   (256u * 1024u) /* canonical access-condition JSON */
#define OL_STORE_SECRET_MAX   (10u * 1024u * 1024u)

typedef struct ol_store_secret {
    const char *accessor; /* points inside the record */
    char profile[OL_STORE_PROFILE_MAX + 1];
    char owner[OL_STORE_OWNER_MAX + 1];
    const uint8_t *ciphertext; /* NULL in list walks (ciphertext_len is still set) */
    size_t ciphertext_len;
    const char *access; /* canonical JSON */
    uint32_t version;   /* 1 on creation */
    uint64_t created_ms, updated_ms;
} ol_store_secret;

/* Creates or replaces a secret with compare-and-set on its version: expected_version 0 means
 * "must not exist yet", otherwise the stored version must equal it (so an update computed from
 * a stale read, which could drop PROTECTED_ values, is refused). The new version is written to
 * *version_out (may be NULL). OL_OK; OL_E_STATE (version mismatch: exists when 0 was expected,
 * or changed meanwhile), OL_E_NOTFOUND (expected_version > 0 and no row), OL_E_INVAL (lengths),
 * OL_E_IO. */
ol_err ol_store_secret_put(ol_store *s, const char *accessor, const char *profile,
                           const char *owner, const uint8_t *ciphertext, size_t ciphertext_len,
                           const char *access, uint32_t expected_version, uint64_t now_ms,
                           uint32_t *version_out, ol_diag *d);

/* On OL_OK the caller owns *out (one allocation; ol_store_secret_free()). OL_E_NOTFOUND,
 * OL_E_IO, OL_E_NOMEM. */
ol_err ol_store_secret_get(ol_store *s, const char *accessor, const char *profile,
                           const char *owner, ol_store_secret **out, ol_diag *d);
void ol_store_secret_free(ol_store_secret *x);

/* Walks the secrets of `owner` ordered by accessor, profile (ciphertext NULL). Borrowed. */
typedef int (*ol_store_secret_cb)(void *ud, const ol_store_secret *x);
ol_err ol_store_secret_list(ol_store *s, const char *owner, ol_store_secret_cb cb, void *ud,
                            ol_diag *d);

/* OL_OK (deleted), OL_E_NOTFOUND, OL_E_IO. */
ol_err ol_store_secret_delete(ol_store *s, const char *accessor, const char *profile,
                              const char *owner, ol_diag *d);

/* ======================== owner keys (NEP-413 authentication) ======================== */

/* Registers public_key ("ed25519:<base58>") as a key of owner. OL_OK, OL_E_EXISTS, OL_E_INVAL,
 * OL_E_IO. */
ol_err ol_store_owner_key_add(ol_store *s, const char *owner, const char *public_key,
                              uint64_t now_ms, ol_diag *d);
/* OL_OK when public_key is a registered key of owner, OL_E_NOTFOUND otherwise, OL_E_IO. */
ol_err ol_store_owner_key_check(ol_store *s, const char *owner, const char *public_key, ol_diag *d);
/* OL_OK, OL_E_NOTFOUND, OL_E_IO. */
ol_err ol_store_owner_key_remove(ol_store *s, const char *owner, const char *public_key,
                                 ol_diag *d);
typedef int (*ol_store_owner_key_cb)(void *ud, const char *owner, const char *public_key,
                                     uint64_t created_ms);
/* Keys of owner (or every owner when NULL), ordered by owner, key. */
ol_err ol_store_owner_key_list(ol_store *s, const char *owner, ol_store_owner_key_cb cb, void *ud,
                               ol_diag *d);

/* Records a signed request's nonce (any text up to OL_STORE_NONCE_MAX bytes, e.g. hex of the
 * 32-byte NEP-413 nonce) for owner until expires_ms, so a replay is refused across every
 * coordinator. Nonces whose expiry is before now_ms are deleted in the same transaction.
 * OL_OK (first use), OL_E_EXISTS (seen before: a replay), OL_E_INVAL, OL_E_IO. */
#define OL_STORE_NONCE_MAX 128
ol_err ol_store_nonce_use(ol_store *s, const char *owner, const char *nonce, uint64_t expires_ms,
                          uint64_t now_ms, ol_diag *d);

/* ===================================== earnings ===================================== */

typedef struct ol_store_earnings {
    uint64_t balance;      /* credited and not withdrawn */
    uint64_t total_earned; /* all credits */
    uint64_t updated_ms;
} ol_store_earnings;

/* A project owner's earnings (zeros when none yet). OL_OK, OL_E_IO. */
ol_err ol_store_earnings_get(ol_store *s, const char *owner, ol_store_earnings *out, ol_diag *d);

/* ====================================== stats ====================================== */

typedef struct ol_store_stats {
    uint64_t calls[4];           /* by ol_store_call_status */
    uint64_t calls_charged;      /* terminal calls with a non-zero charge */
    uint64_t total_instructions; /* over terminal calls */
    uint64_t total_time_ms;      /* over terminal calls that ran */
    uint64_t ran_calls;          /* terminal calls that ran (instructions or time reported) */
    uint64_t total_charged;      /* micro-USD */
    uint64_t unique_users;       /* distinct key owners with at least one call */
    uint64_t queue_depth;        /* tasks queued (claimable, lease not held) */
    uint64_t leased;             /* tasks leased now */
    uint64_t workers;            /* registered workers */
    uint64_t projects, keys;
} ol_store_stats;

/* Aggregates over the whole database. OL_OK, OL_E_IO. */
ol_err ol_store_stats_get(ol_store *s, ol_store_stats *out, ol_diag *d);

#endif
