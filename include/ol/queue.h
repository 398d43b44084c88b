/* Task delivery for the coordinator: which task a polling worker gets, its lease, and the
 * notifications that wake waiters across coordinators.
 *
 * One interface, two backends chosen by URL:
 *   - "sql" (NULL or "" too; the default): the store's own task table (ol_store_task_claim and
 *     friends). Nothing else to run.
 *   - "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]": delivery order and lease deadlines live in
 *     Redis (one instance, not Cluster); the store stays the authority on a task's state and
 *     attempt (ol_store_task_claim_id, ol_store_task_lapse), so a call still settles exactly
 *     once even if Redis loses data: a task the store holds as queued but Redis does not know
 *     is re-delivered by the sweep's reconciliation.
 *
 * Guarantees, for every backend (tests/unit/test_queue_conformance.c):
 *   - A task id is never delivered to two workers at once; claims go oldest first.
 *   - A lapsed lease is delivered again with attempt + 1 until max_attempts, then the call
 *     fails with "worker_lost"; a lapsed attempt's completion is refused (OL_E_STATE).
 *   - Completion is idempotent and settles a call's money exactly once.
 *
 * Time is never read from a clock: every function that stamps or compares times takes now_ms
 * (milliseconds since the Unix epoch) from the caller, as in ol/store.h.
 *
 * Thread-safety: an ol_queue may be used from any number of threads at once (the Redis backend
 * keeps a small pool of connections; a redisContext is never shared). Errors are as in
 * ol/store.h; messages never contain a password.
 */
#ifndef OL_QUEUE_H
#define OL_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/err.h"
#include "ol/store.h"

#define OL_QUEUE_PREFIX_MAX          64 /* key prefix: [A-Za-z0-9._-]{1,64} */
#define OL_QUEUE_DEFAULT_PREFIX      "outlayer"
#define OL_QUEUE_DEFAULT_CONNECT_MS  2000u
#define OL_QUEUE_DEFAULT_COMMAND_MS  5000u
#define OL_QUEUE_DEFAULT_POOL        4u
#define OL_QUEUE_DEFAULT_GRACE_MS    5000u
#define OL_QUEUE_DEFAULT_SWEEP_LIMIT 1000u

typedef struct ol_queue ol_queue;

typedef struct ol_queue_options {
    /* Names the Redis keys ("<prefix>:ready", ...) and the notification channel (Redis
     * "<prefix>:events", PostgreSQL "<prefix>_events" with '.' and '-' as '_'). Coordinators
     * that share work use the same prefix. NULL or "": OL_QUEUE_DEFAULT_PREFIX. Borrowed. */
    const char *prefix;
    uint32_t connect_timeout_ms; /* 0: OL_QUEUE_DEFAULT_CONNECT_MS */
    uint32_t command_timeout_ms; /* one Redis command or NOTIFY; 0: OL_QUEUE_DEFAULT_COMMAND_MS */
    uint32_t pool_size;          /* Redis connections; 0: OL_QUEUE_DEFAULT_POOL */
    /* Redis sweep: how long a lease the sweeper revoked stays parked before another sweeper
     * retries it, and how old a queued task must be before reconciliation re-adds it.
     * 0: OL_QUEUE_DEFAULT_GRACE_MS. */
    uint32_t grace_ms;
    /* The store's URL, used by the sql backend for notifications: "postgres://..." listens and
     * notifies through PostgreSQL; anything else (sqlite:..., NULL) delivers events within
     * this process only (one coordinator per SQLite file). Borrowed for the call. */
    const char *notify_url;
} ol_queue_options;

/* Opens the queue at `url` on top of `store` (borrowed: it must outlive the queue). The Redis
 * backend connects once here so a wrong address or password fails now. opts may be NULL.
 * Returns OL_OK; OL_E_INVAL (malformed URL or option, named in the message), OL_E_UNSUPPORTED
 * (a scheme no backend handles, e.g. rediss://), OL_E_IO (cannot reach or authenticate to the
 * server: the message names host:port, never the password), OL_E_NOMEM.
 * On OL_OK the caller owns *out; release with ol_queue_close(). */
ol_err ol_queue_open(const char *url, ol_store *store, const ol_queue_options *opts, ol_queue **out,
                     ol_diag *d);

/* Stops and joins the subscription thread (if any), then closes every connection. NULL is a
 * no-op. No other operation may be running. */
void ol_queue_close(ol_queue *q);

/* "sql" or "redis" (static string). */
const char *ol_queue_kind(const ol_queue *q);

/* Cheap liveness check of the queue's server (sql: the store). OL_OK or OL_E_IO. */
ol_err ol_queue_ping(ol_queue *q, ol_diag *d);

/* Makes task_id deliverable; call it after ol_store_call_submit() committed the task (sql: a
 * no-op, the row is the queue). Pushing a task twice, or one already claimed, changes nothing.
 * A push that never happens (the coordinator died after the commit) is repaired by the sweep.
 * OL_OK, OL_E_INVAL, OL_E_IO. */
ol_err ol_queue_push(ol_queue *q, const char *task_id, uint64_t now_ms, ol_diag *d);

/* Claims the oldest deliverable task for worker_id with a lease until now_ms + lease_ms: the
 * store's attempt grows by one and the call becomes running. Tasks whose call was cancelled
 * or finished meanwhile are dropped on the way. On OL_OK the caller owns *out
 * (ol_store_task_free()); out->lease_expires_ms is the lease deadline. OL_E_NOTFOUND when
 * nothing is claimable, OL_E_INVAL, OL_E_IO, OL_E_NOMEM. */
ol_err ol_queue_claim(ol_queue *q, const char *worker_id, uint64_t now_ms, uint64_t lease_ms,
                      ol_store_task **out, ol_diag *d);

/* Extends the lease of task_id to now_ms + lease_ms if worker_id still holds it with `attempt`
 * (a lapsed lease still counts as held until a sweep revokes it). OL_OK; OL_E_STATE when the
 * lease is no longer this worker's (re-delivered, swept, finished, or — Redis — a task the
 * queue does not hold at all); OL_E_NOTFOUND (sql: no such task), OL_E_INVAL, OL_E_IO. */
ol_err ol_queue_renew(ol_queue *q, const char *task_id, const char *worker_id, uint32_t attempt,
                      uint64_t now_ms, uint64_t lease_ms, ol_diag *d);

/* Settles the task's call through ol_store_task_complete() (exactly once; see its contract for
 * *settled and the errors), then acknowledges the delivery so it is not swept. An
 * acknowledgement that fails after the store settled is not an error: the sweep removes the
 * leftover. `c` is borrowed for the call. */
ol_err ol_queue_complete(ol_queue *q, const ol_store_completion *c, uint64_t now_ms, bool *settled,
                         ol_diag *d);

/* One sweeper pass (any coordinator may run it; concurrent passes are safe): leases lapsed at
 * now_ms go back to the queue, or fail their call with "worker_lost" when no attempt is left;
 * tasks queued since before queued_before_ms (0: none) fail with "no_worker_available"; and
 * (Redis) tasks the store holds as queued for longer than grace_ms that the queue does not
 * know are made deliverable again. At most `limit` leases and failures per pass (0:
 * OL_QUEUE_DEFAULT_SWEEP_LIMIT). On OL_OK the caller owns out->failed and out->requeued
 * (free(); NULL when none) and wakes their waiters. On an error nothing is returned; a pass
 * cut short leaves revoked leases that a later pass finishes after grace_ms. OL_E_IO,
 * OL_E_NOMEM. */
ol_err ol_queue_sweep(ol_queue *q, uint64_t now_ms, uint64_t queued_before_ms, size_t limit,
                      ol_store_sweep *out, ol_diag *d);

/* ------------------------------- notifications ------------------------------- */

typedef enum ol_queue_event {
    OL_QUEUE_EV_CALL_DONE = 1, /* a call reached a terminal status (call_id names it) */
    OL_QUEUE_EV_WORK = 2,      /* new work may be claimable (call_id is "") */
} ol_queue_event;

/* Runs on the subscription thread; call_id is borrowed for the call. It should return quickly
 * (signal a condition variable): events are delivered one at a time. */
typedef void (*ol_queue_event_cb)(void *ud, ol_queue_event kind, const char *call_id);

/* Sends an event to every subscriber of this queue's prefix, in any process, this one
 * included. call_id: 1..OL_STORE_ID_MAX characters for CALL_DONE, ignored (NULL allowed) for
 * WORK. Delivery is best effort (a subscriber that is reconnecting misses it), so waiters
 * still bound their waits and re-read the store. OL_OK, OL_E_INVAL, OL_E_IO. */
ol_err ol_queue_publish(ol_queue *q, ol_queue_event kind, const char *call_id, ol_diag *d);

/* Starts the one background thread that calls cb(ud, kind, call_id) for every event published
 * after this returns OL_OK: Redis PUBLISH/SUBSCRIBE on "<prefix>:events"; sql over PostgreSQL
 * LISTEN/NOTIFY on a dedicated connection; sql over SQLite within this process. The first
 * subscription is made before returning (so a server that is down fails here, OL_E_IO); after
 * that the thread reconnects by itself with bounded backoff. ol_queue_close() stops and joins
 * it. At most one subscription per queue (else OL_E_STATE). cb and ud must stay valid until
 * ol_queue_close(). OL_OK, OL_E_INVAL, OL_E_STATE, OL_E_IO, OL_E_NOMEM. */
ol_err ol_queue_subscribe(ol_queue *q, ol_queue_event_cb cb, void *ud, ol_diag *d);

#endif
