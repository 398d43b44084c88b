/* Private to src/coord (and its tests): the coordinator's state and the pieces its files share.
 *
 * Files: coord_config.c (options, money), coord_wait.c (notifications: per-call condition
 * variables and the queue's), coord_http.c (request helpers: headers, JSON responses, errors),
 * coord_routes.c (every handler and the router), coord_metrics.c (/metrics, rate limiting),
 * coord_server.c (libmicrohttpd glue, sweeper), coord_queue.c (the task queue: opening it,
 * its events to and from other coordinators). Signed records: the evidence module
 * (ol/evidence.h).
 */
#ifndef OL_COORD_INT_H
#define OL_COORD_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ol/coord.h"
#include "ol/log.h"
#include "ol/queue.h"

/* ---------------------------------- notifications ---------------------------------- */

#define OL_COORD_WAIT_BUCKETS 256

/* One per call id that somebody waits for; refcounted, freed when the last waiter leaves. */
typedef struct coord_waiter {
    char call_id[OL_STORE_ID_MAX + 1];
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    uint64_t gen;      /* bumped by every notification */
    unsigned refs;
    struct coord_waiter *next;
} coord_waiter;

typedef struct coord_waiters {
    pthread_mutex_t mu;
    coord_waiter *buckets[OL_COORD_WAIT_BUCKETS];
    /* The queue: pollers wait for q_gen to change. */
    pthread_cond_t q_cv; /* CLOCK_MONOTONIC */
    uint64_t q_gen;
} coord_waiters;

/* ------------------------------------ rate limit ------------------------------------ */

#define OL_COORD_RATE_BUCKETS 1024

typedef struct coord_rate_entry {
    char key[OL_STORE_OWNER_MAX + 16]; /* "owner:nonce" */
    uint64_t minute;
    uint64_t count;
    struct coord_rate_entry *next;
} coord_rate_entry;

typedef struct coord_rate {
    pthread_mutex_t mu;
    coord_rate_entry *buckets[OL_COORD_RATE_BUCKETS];
} coord_rate;

/* ------------------------------------- metrics ------------------------------------- */

#define OL_COORD_LAT_BUCKETS 16

typedef struct coord_metrics {
    atomic_uint_fast64_t http[600];                     /* responses by status code */
    atomic_uint_fast64_t lat[OL_COORD_LAT_BUCKETS + 1]; /* last: +Inf */
    atomic_uint_fast64_t lat_count;
    atomic_uint_fast64_t lat_sum_ms;
} coord_metrics;

extern const double ol__coord_lat_bounds[OL_COORD_LAT_BUCKETS]; /* seconds */

/* ----------------------------------- the coordinator ----------------------------------- */

struct ol_coord {
    ol_coord_config cfg; /* strings owned (copies); token fields and the queue URL cleared */
    ol_store *store;
    /* Task delivery and cross-coordinator events (coord_queue.c); owned, subscribed while the
     * coordinator lives. */
    ol_queue *queue;
    ol_coord_prices prices;
    uint8_t admin_hash[32];
    bool admin_enabled;
    uint8_t worker_hash[32];
    bool worker_token_enabled;
    uint64_t (*now)(void *ud);
    void *now_ud;
    atomic_bool shutdown;
    atomic_uint_fast64_t waiting; /* deferred requests in ol_coord_finish() */
    coord_waiters w;
    coord_rate rate;
    coord_metrics m;

    /* Secrets (coord_secrets.c). The client is set once before serving. */
    ol_coord_keystore_fn ks_fn; /* NULL: no keystore */
    void *ks_ud;
    struct coord_ks_http *ks_http; /* the libcurl client made from --keystore-url (owned) */
    bool has_grant_key;
    ol_near_secret_key grant_sk; /* wiped on free */
    char grant_pk[OL_NEAR_KEY_STR_MAX];
    uint64_t grant_ttl_s;
    atomic_bool warned_no_grant_key;
};

uint64_t ol__coord_now(ol_coord *c);
uint64_t ol__coord_mono_ms(void);

/* coord_config.c */
ol_err ol__coord_config_check(const void *cfg, ol_diag *d);
void ol__coord_config_defaults(ol_coord_config *cfg);

/* coord_wait.c */
void ol__coord_waiters_init(coord_waiters *w);
void ol__coord_waiters_fini(coord_waiters *w);
/* Registers interest in call_id (refcounted); never NULL (aborts on OOM: daemon glue). */
coord_waiter *ol__coord_waiter_get(ol_coord *c, const char *call_id);
void ol__coord_waiter_put(ol_coord *c, coord_waiter *w);
/* The waiter's generation now (take it before checking the state you wait on). */
uint64_t ol__coord_waiter_gen(ol_coord *c, coord_waiter *w);
/* Waits until the generation differs from seen, shutdown, or mono time deadline_mono_ms. */
void ol__coord_waiter_wait(ol_coord *c, coord_waiter *w, uint64_t seen, uint64_t deadline_mono_ms);
/* Wakes the waiters of call_id (no-op when none). */
void ol__coord_notify_call(ol_coord *c, const char *call_id);
uint64_t ol__coord_queue_gen(ol_coord *c);
void ol__coord_queue_wait(ol_coord *c, uint64_t seen, uint64_t deadline_mono_ms);
/* A task became claimable: wake one poller, or every poller when `all`. */
void ol__coord_notify_queue(ol_coord *c, bool all);
void ol__coord_notify_all(ol_coord *c);

/* coord_queue.c */
/* Opens cfg->queue on c->store (notifications over cfg->db) and subscribes c's wake-ups to its
 * events. On an error nothing is left open. */
ol_err ol__coord_queue_open(ol_coord *c, const ol_coord_config *cfg, ol_diag *d);
/* Stops the subscription (joins its thread) and closes the queue; NULL queue: no-op. */
void ol__coord_queue_close(ol_coord *c);
/* Tells every coordinator (this one included, through its subscription) that call_id needs a
 * fresh look: it ended, or went back to the queue. Wakes the local waiters first, so a
 * subscription that is down costs only the other coordinators their early wake-up. */
void ol__coord_call_changed(ol_coord *c, const char *call_id);
/* `n` tasks became claimable: wakes local pollers (all when n > 1) and publishes up to n work
 * events (one poller per event wakes on each coordinator). */
void ol__coord_work_added(ol_coord *c, size_t n);
/* A sweep's wake-ups, here and published: its failed and re-queued calls, and its re-queued
 * tasks as work. Stops publishing (local wake-ups go on) after the first failed publish. */
void ol__coord_sweep_notify(ol_coord *c, const ol_store_sweep *sw);

/* coord_metrics.c */
void ol__coord_rate_init(coord_rate *r);
void ol__coord_rate_fini(coord_rate *r);
/* Counts one request of key at now_ms; false when it is over `limit` in this clock minute
 * (*retry_after_s then says when the minute ends). limit 0: always true. */
bool ol__coord_rate_take(coord_rate *r, const char *key, uint64_t now_ms, uint64_t limit,
                         unsigned *retry_after_s);
/* Drops entries of minutes before now's. */
void ol__coord_rate_gc(coord_rate *r, uint64_t now_ms);
void ol__coord_observe_latency(ol_coord *c, uint64_t ms);
void ol__coord_count_status(ol_coord *c, unsigned status);
/* Renders /metrics into the arena. */
void ol__coord_metrics_text(ol_coord *c, ol_near_arena *ar, ol_coord_resp *resp);

/* coord_http.c: responses */
void ol__resp_json(ol_near_arena *ar, ol_coord_resp *resp, unsigned status, json_t *body);
void ol__resp_error(ol_near_arena *ar, ol_coord_resp *resp, unsigned status, const char *code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void ol__resp_text(ol_near_arena *ar, ol_coord_resp *resp, unsigned status,
                   const char *content_type, const char *text, size_t len);
/* Header lookup (case-insensitive); NULL when absent. */
const char *ol__req_header(const ol_coord_req *req, const char *name);
/* Query parameter (exact name); copies its value (not decoded; '+' and '%' are not special
 * for the values we accept) into the arena; NULL when absent. */
const char *ol__req_query(const ol_coord_req *req, ol_near_arena *ar, const char *name);
/* Money: a JSON value (integer or decimal string) into micro-USD <= OL_STORE_MONEY_MAX. */
bool ol__json_money(json_t *v, uint64_t *out);
/* Decimal text, the whole string, no sign, <= max. */
bool ol__parse_u64(const char *s, uint64_t max, uint64_t *out);
/* The first member name of object o that is not among keys[0..n), or NULL when there is none
 * (requests refuse unknown keys so that typos do not pass silently). */
const char *ol__json_unknown_key(json_t *o, const char *const *keys, size_t n);
/* json_string of a decimal number. */
json_t *ol__json_u64s(uint64_t v);
/* A UUID v4 (36 chars) into out. */
void ol__uuid(char out[37]);
/* Bearer token from Authorization; NULL when absent or malformed. */
const char *ol__req_bearer(const ol_coord_req *req);
/* Base64 encode into the arena (NUL-terminated); NULL on OOM. */
char *ol__b64(ol_near_arena *ar, const uint8_t *p, size_t len);

/* coord_routes.c: true when `authorization` (the header's value, may be NULL) carries a valid
 * worker token. The glue uses it to pick the body cap before buffering a completion. */
bool ol__coord_worker_bearer_ok(ol_coord *c, const char *authorization);

/* coord_secrets.c: secrets storage, owner keys, run grants (docs/api.md "Secrets").
 * init reads the grant key and makes the keystore client from cfg; fini wipes and frees them. */
ol_err ol__coord_secrets_init(ol_coord *c, const ol_coord_config *cfg, ol_diag *d);
void ol__coord_secrets_fini(ol_coord *c);

/* What a secrets route needs of its request (the router's context, borrowed). */
typedef struct coord_sreq {
    ol_coord *c;
    const ol_coord_req *req;
    ol_near_arena *ar;
    ol_coord_resp *resp;
    uint64_t now;
} coord_sreq;

void ol__coord_h_secrets_pubkey(const coord_sreq *x); /* POST /secrets/pubkey */
void ol__coord_h_secrets_put(const coord_sreq *x);    /* POST /secrets */
void ol__coord_h_secrets_list(const coord_sreq *x);   /* POST /secrets/list */
void ol__coord_h_secrets_delete(const coord_sreq *x); /* POST /secrets/delete */
void ol__coord_h_public_key(const coord_sreq *x);     /* GET /coordinator/public-key */
/* Admin routes; the caller has checked the admin token. */
void ol__coord_h_owners_add(const coord_sreq *x);    /* POST /admin/owners */
void ol__coord_h_owners_list(const coord_sreq *x);   /* GET /admin/owners */
void ol__coord_h_owners_remove(const coord_sreq *x); /* POST /admin/owners/remove */

/* Validates a /call body's "secrets_ref" (v not NULL) and returns the object stored in the task
 * description: {"profile", "account_id", "caller"} (new reference). NULL after answering 400
 * (*x->resp written). caller: the payment key's owner. */
json_t *ol__coord_secrets_ref(const coord_sreq *x, json_t *v, const char *caller);

/* Adds "secrets" to a claimed task's poll response `out` when its description has a
 * secrets_ref and the secret exists: the grant for the claiming worker, the ciphertext and the
 * access condition. OL_OK (attached or nothing to attach), or an error (the store failed, out
 * of memory) after which the claim is answered 503 and its lease lapses. */
ol_err ol__coord_secrets_attach(ol_coord *c, const ol_store_task *t, json_t *out, ol_diag *d);

/* coord_routes.c: the deferred parts. */
void ol__coord_finish_call(ol_coord *c, const ol_coord_defer *df, ol_near_arena *ar,
                           ol_coord_resp *resp);
void ol__coord_finish_poll(ol_coord *c, const ol_coord_defer *df, ol_near_arena *ar,
                           ol_coord_resp *resp);

#endif
