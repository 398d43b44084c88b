/* Per-key rate limiting (fixed clock-minute windows) and the Prometheus /metrics text.
 *
 * Invariant: a key is admitted at most `limit` times per clock minute (floor(now_ms / 60000)),
 * counted under one mutex; windows are per minute so a restart forgets at most one minute of
 * counts, which only ever errs on the side of admitting (the concurrency cap and the balance,
 * both enforced in the store, still hold across restarts).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_int.h"

const double ol__coord_lat_bounds[OL_COORD_LAT_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

void ol__coord_rate_init(coord_rate *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
}

void ol__coord_rate_fini(coord_rate *r)
{
    for (size_t i = 0; i < OL_COORD_RATE_BUCKETS; i++) {
        coord_rate_entry *e = r->buckets[i];
        while (e != NULL) {
            coord_rate_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    pthread_mutex_destroy(&r->mu);
}

static size_t rate_bucket(const char *key)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
        h = (h ^ *p) * 16777619u;
    return h % OL_COORD_RATE_BUCKETS;
}

bool ol__coord_rate_take(coord_rate *r, const char *key, uint64_t now_ms, uint64_t limit,
                         unsigned *retry_after_s)
{
    if (limit == 0)
        return true;
    uint64_t minute = now_ms / 60000;
    bool ok;
    size_t b = rate_bucket(key);
    pthread_mutex_lock(&r->mu);
    coord_rate_entry *e = r->buckets[b];
    while (e != NULL && strcmp(e->key, key) != 0)
        e = e->next;
    if (e == NULL) {
        e = calloc(1, sizeof *e);
        if (e == NULL) {
            /* Out of memory: admit (the store's limits still hold) rather than refuse. */
            pthread_mutex_unlock(&r->mu);
            return true;
        }
        size_t n = strnlen(key, sizeof e->key - 1);
        memcpy(e->key, key, n);
        e->next = r->buckets[b];
        r->buckets[b] = e;
    }
    if (e->minute != minute) {
        e->minute = minute;
        e->count = 0;
    }
    ok = e->count < limit;
    if (ok)
        e->count++;
    pthread_mutex_unlock(&r->mu);
    if (!ok && retry_after_s != NULL)
        *retry_after_s = (unsigned)((60000 - now_ms % 60000 + 999) / 1000);
    return ok;
}

void ol__coord_rate_gc(coord_rate *r, uint64_t now_ms)
{
    uint64_t minute = now_ms / 60000;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < OL_COORD_RATE_BUCKETS; i++) {
        coord_rate_entry **pp = &r->buckets[i];
        while (*pp != NULL) {
            coord_rate_entry *e = *pp;
            if (e->minute < minute) {
                *pp = e->next;
                free(e);
            } else {
                pp = &e->next;
            }
        }
    }
    pthread_mutex_unlock(&r->mu);
}

void ol__coord_observe_latency(ol_coord *c, uint64_t ms)
{
    size_t i = 0;
    while (i < OL_COORD_LAT_BUCKETS && (double)ms / 1000.0 > ol__coord_lat_bounds[i])
        i++;
    atomic_fetch_add(&c->m.lat[i], 1);
    atomic_fetch_add(&c->m.lat_count, 1);
    atomic_fetch_add(&c->m.lat_sum_ms, ms);
}

void ol__coord_count_status(ol_coord *c, unsigned status)
{
    if (status < 600)
        atomic_fetch_add(&c->m.http[status], 1);
}

/* A growable text buffer in plain malloc memory, copied into the arena at the end. */
typedef struct mbuf {
    char *p;
    size_t len, cap;
    bool oom;
} mbuf;

static void mb_printf(mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void mb_printf(mbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p != NULL ? b->p + b->len : NULL, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = (b->cap + (size_t)n + 1) * 2;
        char *np = realloc(b->p, ncap);
        if (np == NULL) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

typedef struct worker_counts {
    uint64_t online, stale, now, stale_after;
} worker_counts;

static int count_worker(void *ud, const ol_store_worker *w)
{
    worker_counts *wc = ud;
    if (w->last_seen_ms + wc->stale_after >= wc->now)
        wc->online++;
    else
        wc->stale++;
    return 0;
}

void ol__coord_metrics_text(ol_coord *c, ol_near_arena *ar, ol_coord_resp *resp)
{
    ol_store_stats st;
    ol_diag d = {0};
    if (ol_store_stats_get(c->store, &st, &d) != OL_OK) {
        ol__resp_error(ar, resp, 503, "unavailable", "store: %s", d.msg);
        return;
    }
    worker_counts wc = {0, 0, ol__coord_now(c), 3 * c->cfg.heartbeat_ms};
    if (ol_store_worker_list(c->store, count_worker, &wc, &d) != OL_OK) {
        ol__resp_error(ar, resp, 503, "unavailable", "store: %s", d.msg);
        return;
    }
    mbuf b = {0};
    mb_printf(&b, "# HELP outlayer_calls_total Calls that reached a terminal status.\n"
                  "# TYPE outlayer_calls_total counter\n");
    mb_printf(&b, "outlayer_calls_total{status=\"completed\"} %" PRIu64 "\n",
              st.calls[OL_STORE_CALL_COMPLETED]);
    mb_printf(&b, "outlayer_calls_total{status=\"failed\"} %" PRIu64 "\n",
              st.calls[OL_STORE_CALL_FAILED]);
    mb_printf(&b, "# HELP outlayer_calls_in_flight Calls not yet terminal.\n"
                  "# TYPE outlayer_calls_in_flight gauge\n");
    mb_printf(&b, "outlayer_calls_in_flight{status=\"pending\"} %" PRIu64 "\n",
              st.calls[OL_STORE_CALL_PENDING]);
    mb_printf(&b, "outlayer_calls_in_flight{status=\"running\"} %" PRIu64 "\n",
              st.calls[OL_STORE_CALL_RUNNING]);
    mb_printf(&b, "# HELP outlayer_call_duration_seconds Submit to settlement, for calls "
                  "completed by workers through this process.\n"
                  "# TYPE outlayer_call_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t i = 0; i < OL_COORD_LAT_BUCKETS; i++) {
        cum += atomic_load(&c->m.lat[i]);
        mb_printf(&b, "outlayer_call_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
                  ol__coord_lat_bounds[i], cum);
    }
    cum += atomic_load(&c->m.lat[OL_COORD_LAT_BUCKETS]);
    mb_printf(&b, "outlayer_call_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", cum);
    uint64_t sum_ms = atomic_load(&c->m.lat_sum_ms);
    mb_printf(&b, "outlayer_call_duration_seconds_sum %" PRIu64 ".%03" PRIu64 "\n", sum_ms / 1000,
              sum_ms % 1000);
    mb_printf(&b, "outlayer_call_duration_seconds_count %" PRIu64 "\n",
              (uint64_t)atomic_load(&c->m.lat_count));
    mb_printf(&b,
              "# HELP outlayer_queue_depth Tasks waiting for a worker.\n"
              "# TYPE outlayer_queue_depth gauge\noutlayer_queue_depth %" PRIu64 "\n",
              st.queue_depth);
    mb_printf(&b,
              "# HELP outlayer_queue_info The task queue's backend (--queue).\n"
              "# TYPE outlayer_queue_info gauge\noutlayer_queue_info{kind=\"%s\"} 1\n",
              ol_queue_kind(c->queue));
    mb_printf(&b,
              "# HELP outlayer_tasks_leased Tasks leased to workers.\n"
              "# TYPE outlayer_tasks_leased gauge\noutlayer_tasks_leased %" PRIu64 "\n",
              st.leased);
    mb_printf(&b,
              "# HELP outlayer_workers Registered workers by liveness.\n"
              "# TYPE outlayer_workers gauge\n"
              "outlayer_workers{status=\"online\"} %" PRIu64 "\n"
              "outlayer_workers{status=\"stale\"} %" PRIu64 "\n",
              wc.online, wc.stale);
    mb_printf(&b,
              "# HELP outlayer_instructions_total Instructions executed by terminal calls.\n"
              "# TYPE outlayer_instructions_total counter\n"
              "outlayer_instructions_total %" PRIu64 "\n",
              st.total_instructions);
    mb_printf(&b,
              "# HELP outlayer_charged_micro_usd_total Compute charged, micro-USD.\n"
              "# TYPE outlayer_charged_micro_usd_total counter\n"
              "outlayer_charged_micro_usd_total %" PRIu64 "\n",
              st.total_charged);
    mb_printf(&b, "# HELP outlayer_http_requests_total Responses by status code since start.\n"
                  "# TYPE outlayer_http_requests_total counter\n");
    for (unsigned s = 100; s < 600; s++) {
        uint64_t n = atomic_load(&c->m.http[s]);
        if (n > 0)
            mb_printf(&b, "outlayer_http_requests_total{code=\"%u\"} %" PRIu64 "\n", s, n);
    }
    if (b.oom) {
        free(b.p);
        ol__resp_error(ar, resp, 500, "internal", "out of memory");
        return;
    }
    ol__resp_text(ar, resp, 200, "text/plain; version=0.0.4", b.p, b.len);
    free(b.p);
}
