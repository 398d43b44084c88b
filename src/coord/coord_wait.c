/* Notifications: synchronous callers wait on a condition variable keyed by their call id, and
 * long-polling workers on the queue's condition variable. Nothing here sleeps in a loop.
 *
 * Invariant (no lost wake-up): a waiter reads the generation of what it waits on *before* it
 * checks the store, and waits only while the generation is unchanged; every state change that
 * matters (completion, lease-expiry failure, cancellation, a new or requeued task) happens in
 * the store first and bumps the generation after. So a change that lands between the check
 * and the wait is seen as a changed generation. All waits use CLOCK_MONOTONIC deadlines.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coord_int.h"

uint64_t ol__coord_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void mono_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
}

static struct timespec mono_ts(uint64_t ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    return ts;
}

void ol__coord_waiters_init(coord_waiters *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    mono_cond_init(&w->q_cv);
}

void ol__coord_waiters_fini(coord_waiters *w)
{
    /* Every waiter has left (ol_coord_free runs after the server stopped). */
    for (size_t i = 0; i < OL_COORD_WAIT_BUCKETS; i++) {
        coord_waiter *e = w->buckets[i];
        while (e != NULL) {
            coord_waiter *next = e->next;
            pthread_cond_destroy(&e->cv);
            free(e);
            e = next;
        }
    }
    pthread_cond_destroy(&w->q_cv);
    pthread_mutex_destroy(&w->mu);
}

static size_t bucket_of(const char *id)
{
    /* FNV-1a */
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++)
        h = (h ^ *p) * 16777619u;
    return h % OL_COORD_WAIT_BUCKETS;
}

coord_waiter *ol__coord_waiter_get(ol_coord *c, const char *call_id)
{
    coord_waiters *w = &c->w;
    size_t b = bucket_of(call_id);
    pthread_mutex_lock(&w->mu);
    coord_waiter *e = w->buckets[b];
    while (e != NULL && strcmp(e->call_id, call_id) != 0)
        e = e->next;
    if (e == NULL) {
        e = calloc(1, sizeof *e);
        if (e == NULL)
            ol_panic("out of memory registering a waiter");
        size_t n = strnlen(call_id, sizeof e->call_id - 1);
        memcpy(e->call_id, call_id, n);
        e->call_id[n] = '\0';
        mono_cond_init(&e->cv);
        e->next = w->buckets[b];
        w->buckets[b] = e;
    }
    e->refs++;
    pthread_mutex_unlock(&w->mu);
    return e;
}

void ol__coord_waiter_put(ol_coord *c, coord_waiter *e)
{
    coord_waiters *w = &c->w;
    pthread_mutex_lock(&w->mu);
    if (--e->refs == 0) {
        coord_waiter **pp = &w->buckets[bucket_of(e->call_id)];
        while (*pp != e)
            pp = &(*pp)->next;
        *pp = e->next;
        pthread_cond_destroy(&e->cv);
        free(e);
    }
    pthread_mutex_unlock(&w->mu);
}

uint64_t ol__coord_waiter_gen(ol_coord *c, coord_waiter *e)
{
    pthread_mutex_lock(&c->w.mu);
    uint64_t g = e->gen;
    pthread_mutex_unlock(&c->w.mu);
    return g;
}

void ol__coord_waiter_wait(ol_coord *c, coord_waiter *e, uint64_t seen, uint64_t deadline_mono_ms)
{
    struct timespec ts = mono_ts(deadline_mono_ms);
    pthread_mutex_lock(&c->w.mu);
    while (e->gen == seen && !atomic_load(&c->shutdown)) {
        if (pthread_cond_timedwait(&e->cv, &c->w.mu, &ts) != 0)
            break;
    }
    pthread_mutex_unlock(&c->w.mu);
}

void ol__coord_notify_call(ol_coord *c, const char *call_id)
{
    coord_waiters *w = &c->w;
    pthread_mutex_lock(&w->mu);
    coord_waiter *e = w->buckets[bucket_of(call_id)];
    while (e != NULL && strcmp(e->call_id, call_id) != 0)
        e = e->next;
    if (e != NULL) {
        e->gen++;
        pthread_cond_broadcast(&e->cv);
    }
    pthread_mutex_unlock(&w->mu);
}

uint64_t ol__coord_queue_gen(ol_coord *c)
{
    pthread_mutex_lock(&c->w.mu);
    uint64_t g = c->w.q_gen;
    pthread_mutex_unlock(&c->w.mu);
    return g;
}

void ol__coord_queue_wait(ol_coord *c, uint64_t seen, uint64_t deadline_mono_ms)
{
    struct timespec ts = mono_ts(deadline_mono_ms);
    pthread_mutex_lock(&c->w.mu);
    while (c->w.q_gen == seen && !atomic_load(&c->shutdown)) {
        if (pthread_cond_timedwait(&c->w.q_cv, &c->w.mu, &ts) != 0)
            break;
    }
    pthread_mutex_unlock(&c->w.mu);
}

void ol__coord_notify_queue(ol_coord *c, bool all)
{
    /* One new task needs one poller: a woken poller always tries to claim before it waits or
     * gives up, so signalling one loses nothing and spares the others a futile claim. */
    pthread_mutex_lock(&c->w.mu);
    c->w.q_gen++;
    if (all)
        pthread_cond_broadcast(&c->w.q_cv);
    else
        pthread_cond_signal(&c->w.q_cv);
    pthread_mutex_unlock(&c->w.mu);
}

void ol__coord_notify_all(ol_coord *c)
{
    pthread_mutex_lock(&c->w.mu);
    c->w.q_gen++;
    pthread_cond_broadcast(&c->w.q_cv);
    for (size_t i = 0; i < OL_COORD_WAIT_BUCKETS; i++) {
        for (coord_waiter *e = c->w.buckets[i]; e != NULL; e = e->next) {
            e->gen++;
            pthread_cond_broadcast(&e->cv);
        }
    }
    pthread_mutex_unlock(&c->w.mu);
}
