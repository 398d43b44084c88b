/* Private to src/store (and the queue tests): the queue backend vtable and the pieces shared by
 * queue.c (the interface and the "sql" backend) and queue_redis.c.
 *
 * queue.c checks every argument before dispatching (ids within OL_STORE_ID_MAX, lease_ms > 0,
 * non-NULL outputs), so backends assume well-formed arguments. It also owns the subscription
 * lifecycle: a backend's subscribe() makes the first subscription synchronously and starts the
 * thread; ol_queue_close() raises `stopping`, wakes the thread through the stop pipe (and
 * ev_cv), and joins it before the backend's close() runs.
 */
#ifndef OL_QUEUE_INT_H
#define OL_QUEUE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "ol/queue.h"

typedef struct ol_queue_ops ol_queue_ops;

/* "done:<call id>" or "work:"; the longest payload plus its NUL. */
#define OL__QUEUE_PAYLOAD_MAX (5 + OL_STORE_ID_MAX + 1)

struct ol_queue {
    const ol_queue_ops *ops;
    ol_store *store; /* borrowed */
    char prefix[OL_QUEUE_PREFIX_MAX + 1];
    uint32_t connect_timeout_ms, command_timeout_ms, pool_size, grace_ms;

    /* Subscription (queue.c). */
    pthread_mutex_t sub_mu;
    bool subscribed;
    ol_queue_event_cb cb;
    void *ud;
    pthread_t thread;
    int stop_rd, stop_wr; /* the thread polls stop_rd; close() writes to stop_wr */
    atomic_bool stopping;
};

struct ol_queue_ops {
    const char *kind;
    void (*close)(ol_queue *q); /* the subscription thread is already joined */
    ol_err (*ping)(ol_queue *q, ol_diag *d);
    ol_err (*push)(ol_queue *q, const char *task_id, uint64_t now_ms, ol_diag *d);
    ol_err (*claim)(ol_queue *q, const char *worker_id, uint64_t now_ms, uint64_t lease_ms,
                    ol_store_task **out, ol_diag *d);
    ol_err (*renew)(ol_queue *q, const char *task_id, const char *worker_id, uint32_t attempt,
                    uint64_t now_ms, uint64_t lease_ms, ol_diag *d);
    ol_err (*complete)(ol_queue *q, const ol_store_completion *c, uint64_t now_ms, bool *settled,
                       ol_diag *d);
    ol_err (*sweep)(ol_queue *q, uint64_t now_ms, uint64_t queued_before_ms, size_t limit,
                    ol_store_sweep *out, ol_diag *d);
    /* payload: "done:<id>" or "work:" (ol__queue_payload). */
    ol_err (*publish)(ol_queue *q, const char *payload, ol_diag *d);
    /* Subscribes (synchronously) and starts q->thread. */
    ol_err (*subscribe)(ol_queue *q, ol_diag *d);
    /* Optional: wakes a subscription thread that waits on something other than the stop pipe
     * (called after `stopping` is raised, before the join). */
    void (*wake)(ol_queue *q);
};

/* Opens the Redis backend: `rest` is the URL after "redis://". Fills the base fields of the
 * ol_queue it allocates from `proto` (prefix, timeouts, store; ops set by the caller). */
ol_err ol__queue_redis_open(const char *rest, const ol_queue *proto, ol_queue **out, ol_diag *d);

/* Initialises the base part of a freshly allocated queue from `proto` (mutex, pipe fds -1).
 * Returns false when the mutex cannot be created. */
bool ol__queue_base_init(ol_queue *q, const ol_queue *proto);
void ol__queue_base_fini(ol_queue *q);

/* Decodes a payload and calls the subscriber; unknown payloads are ignored (logged at debug):
 * another version of the software may publish kinds this one does not know. */
void ol__queue_deliver(ol_queue *q, const char *payload, size_t len);

/* Waits up to `ms` for the stop pipe; true when the queue is stopping. Used for reconnect
 * backoff and as the bounded idle wait of subscription threads. */
bool ol__queue_wait_stop(ol_queue *q, uint32_t ms);

/* Backoff before the n-th reconnection attempt (0-based): 50 ms doubling, at most 2 s. */
uint32_t ol__queue_backoff_ms(unsigned n);

#endif
