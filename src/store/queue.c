/* The queue interface (ol/queue.h): picks a backend by URL, validates every argument the same
 * way for all backends, owns the subscription thread's lifecycle; and the "sql" backend.
 *
 * The sql backend is the store's own task table: claim, renew, complete and sweep are the
 * store's functions, push is a no-op (the committed row is the queue). Notifications:
 *   - notify_url "postgres://...": NOTIFY through one publisher connection (mutex-guarded,
 *     re-made once when it broke), LISTEN on a dedicated connection owned by the subscription
 *     thread, which polls its socket and the stop pipe and reconnects with bounded backoff.
 *     The channel is the prefix with '.' and '-' as '_' plus "_events" (quoted, so case is
 *     kept), at most 63 bytes.
 *   - otherwise (SQLite: one coordinator per file): within this process. Each subscribed queue
 *     has a bounded ring; publish appends to the ring of every subscribed queue of the process
 *     with the same prefix, and the subscription thread takes events off it and calls the
 *     subscriber.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ol/log.h"
#include "queue_int.h"
#include "store_int.h"

#define SQL_EV_MAX      1024 /* in-process events waiting for the subscriber */
#define SQL_CHANNEL_MAX 63   /* PostgreSQL NAMEDATALEN - 1 */
#define SQL_IDLE_MS     1000 /* bounded idle wait of the listener (the stop pipe wakes it) */

/* ------------------------------------ shared ------------------------------------ */

bool ol__queue_base_init(ol_queue *q, const ol_queue *proto)
{
    q->store = proto->store;
    memcpy(q->prefix, proto->prefix, sizeof q->prefix);
    q->connect_timeout_ms = proto->connect_timeout_ms;
    q->command_timeout_ms = proto->command_timeout_ms;
    q->pool_size = proto->pool_size;
    q->grace_ms = proto->grace_ms;
    q->subscribed = false;
    q->stop_rd = q->stop_wr = -1;
    atomic_init(&q->stopping, false);
    return pthread_mutex_init(&q->sub_mu, NULL) == 0;
}

void ol__queue_base_fini(ol_queue *q)
{
    pthread_mutex_destroy(&q->sub_mu);
}

void ol__queue_deliver(ol_queue *q, const char *payload, size_t len)
{
    char id[OL_STORE_ID_MAX + 1];
    if (len >= 5 && memcmp(payload, "done:", 5) == 0 && len - 5 >= 1 &&
        len - 5 <= OL_STORE_ID_MAX && memchr(payload + 5, '\0', len - 5) == NULL) {
        memcpy(id, payload + 5, len - 5);
        id[len - 5] = '\0';
        q->cb(q->ud, OL_QUEUE_EV_CALL_DONE, id);
    } else if (len == 5 && memcmp(payload, "work:", 5) == 0) {
        q->cb(q->ud, OL_QUEUE_EV_WORK, "");
    } else {
        OL_LOG(OL_LOG_DEBUG, "event=queue_event_ignored bytes=%zu", len);
    }
}

bool ol__queue_wait_stop(ol_queue *q, uint32_t ms)
{
    if (atomic_load(&q->stopping))
        return true;
    struct pollfd p = {.fd = q->stop_rd, .events = POLLIN};
    if (poll(&p, 1, (int)ms) > 0)
        return true;
    return atomic_load(&q->stopping);
}

uint32_t ol__queue_backoff_ms(unsigned n)
{
    return n >= 6 ? 2000u : 50u << n; /* 50, 100, ... 1600, then 2000 */
}

/* Checks an id-like argument: 1..OL_STORE_ID_MAX characters. */
static bool id_ok(const char *s)
{
    if (s == NULL)
        return false;
    size_t n = strnlen(s, OL_STORE_ID_MAX + 1);
    return n >= 1 && n <= OL_STORE_ID_MAX;
}

#define CHECK_ID(s, what)                                                                          \
    do {                                                                                           \
        if (!id_ok(s))                                                                             \
            return OL_FAIL(d, OL_E_INVAL, "%s must be 1..%d characters", (what), OL_STORE_ID_MAX); \
    } while (0)

/* lease deadlines are stored as signed 64-bit numbers (and Redis scores as doubles). */
static ol_err check_lease(uint64_t now_ms, uint64_t lease_ms, ol_diag *d)
{
    if (lease_ms == 0)
        return OL_FAIL(d, OL_E_INVAL, "lease_ms must be positive");
    if (now_ms > ((uint64_t)1 << 52) || lease_ms > ((uint64_t)1 << 52))
        return OL_FAIL(d, OL_E_INVAL, "now_ms or lease_ms beyond 2^52 milliseconds");
    return OL_OK;
}

/* --------------------------------- the sql backend --------------------------------- */

typedef struct sql_queue {
    ol_queue base;
    char *notify_url; /* "postgres://..." or NULL (in-process events) */
    char channel[SQL_CHANNEL_MAX + 1];

    pthread_mutex_t pub_mu; /* guards pub */
    PGconn *pub;
    PGconn *listen; /* the subscription thread's, after subscribe() */

    pthread_mutex_t ev_mu; /* guards the ring */
    pthread_cond_t ev_cv;
    char (*ev)[OL__QUEUE_PAYLOAD_MAX];
    size_t ev_head, ev_count;
    struct sql_queue *next_local; /* in local_subs while subscribed in-process */
    bool local;
} sql_queue;

static sql_queue *SQ(ol_queue *q)
{
    return (sql_queue *)q;
}

/* libpq messages end with a newline and may span lines; logs and diags want one line. */
static void clean_msg(char *dst, size_t cap, const char *src)
{
    ol__store_copy(dst, cap, src != NULL && src[0] != '\0' ? src : "unknown error");
    size_t n = strlen(dst);
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == '\r'))
        dst[--n] = '\0';
    for (char *p = dst; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    }
}

static ol_err sql_ping(ol_queue *q, ol_diag *d)
{
    return ol_store_ping(q->store, d);
}

static ol_err sql_push(ol_queue *q, const char *task_id, uint64_t now_ms, ol_diag *d)
{
    (void)q, (void)task_id, (void)now_ms, (void)d;
    return OL_OK; /* the row ol_store_call_submit() committed is the queue entry */
}

static ol_err sql_claim(ol_queue *q, const char *worker_id, uint64_t now_ms, uint64_t lease_ms,
                        ol_store_task **out, ol_diag *d)
{
    return ol_store_task_claim(q->store, worker_id, now_ms, lease_ms, out, d);
}

static ol_err sql_renew(ol_queue *q, const char *task_id, const char *worker_id, uint32_t attempt,
                        uint64_t now_ms, uint64_t lease_ms, ol_diag *d)
{
    return ol_store_task_renew(q->store, task_id, worker_id, attempt, now_ms, lease_ms, d);
}

static ol_err sql_complete(ol_queue *q, const ol_store_completion *c, uint64_t now_ms,
                           bool *settled, ol_diag *d)
{
    return ol_store_task_complete(q->store, c, now_ms, settled, d);
}

static ol_err sql_sweep(ol_queue *q, uint64_t now_ms, uint64_t queued_before_ms, size_t limit,
                        ol_store_sweep *out, ol_diag *d)
{
    return ol_store_sweep_leases(q->store, now_ms, queued_before_ms, limit, out, d);
}

/* A libpq connection for notifications: bounded connect, TCP keepalives, and a statement
 * timeout so a NOTIFY never waits without end. The URL comes last and overrides ours. */
static ol_err pg_connect(sql_queue *s, const char *role, PGconn **out, ol_diag *d)
{
    /* application_name names the prefix too, so pg_stat_activity tells queues apart. */
    char app[96];
    snprintf(app, sizeof app, "outlayer-%s/%s", role, s->base.prefix);
    app[63] = '\0'; /* the server keeps NAMEDATALEN - 1 bytes (and would say so) */
    char connect_s[16], user_timeout[16];
    snprintf(connect_s, sizeof connect_s, "%" PRIu32,
             (s->base.connect_timeout_ms + 999) / 1000 < 2
                 ? 2
                 : (s->base.connect_timeout_ms + 999) / 1000);
    snprintf(user_timeout, sizeof user_timeout, "%" PRIu32, s->base.command_timeout_ms * 2);
    const char *const keys[] = {"connect_timeout",     "keepalives",       "keepalives_idle",
                                "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                                "application_name",    "dbname",           NULL};
    const char *const vals[] = {connect_s,    "1", "30",          "10", "3",
                                user_timeout, app, s->notify_url, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "postgres notifications: connection");
    char msg[200];
    if (PQstatus(c) != CONNECTION_OK) {
        clean_msg(msg, sizeof msg, PQerrorMessage(c));
        PQfinish(c);
        return OL_FAIL(d, OL_E_IO, "postgres notifications: cannot connect: %s", msg);
    }
    char sql[80];
    snprintf(sql, sizeof sql, "SET statement_timeout = %" PRIu32, s->base.command_timeout_ms);
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        clean_msg(msg, sizeof msg, PQerrorMessage(c));
        PQfinish(c);
        return OL_FAIL(d, OL_E_IO, "postgres notifications: session setup: %s", msg);
    }
    *out = c;
    return OL_OK;
}

static ol_err pg_notify(sql_queue *s, const char *payload, ol_diag *d)
{
    ol_err rc = OL_OK;
    pthread_mutex_lock(&s->pub_mu);
    /* Two tries: the first on the kept connection may find it broken by a server restart. */
    for (int tries = 0; tries < 2; tries++) {
        if (s->pub != NULL && PQstatus(s->pub) != CONNECTION_OK) {
            PQfinish(s->pub);
            s->pub = NULL;
        }
        if (s->pub == NULL && (rc = pg_connect(s, "notify", &s->pub, d)) != OL_OK)
            break;
        const char *params[2] = {s->channel, payload};
        PGresult *r =
            PQexecParams(s->pub, "SELECT pg_notify($1, $2)", 2, NULL, params, NULL, NULL, 0);
        bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        if (ok) {
            rc = OL_OK;
            break;
        }
        char msg[200];
        clean_msg(msg, sizeof msg, PQerrorMessage(s->pub));
        rc = OL_FAIL(d, OL_E_IO, "postgres NOTIFY on %s: %s", s->channel, msg);
        if (PQstatus(s->pub) == CONNECTION_OK)
            break; /* the server refused it: trying again would not help */
    }
    pthread_mutex_unlock(&s->pub_mu);
    return rc;
}

static ol_err pg_listen(sql_queue *s, PGconn **out, ol_diag *d)
{
    PGconn *c = NULL;
    ol_err rc = pg_connect(s, "listen", &c, d);
    if (rc != OL_OK)
        return rc;
    char *ident = PQescapeIdentifier(c, s->channel, strlen(s->channel));
    if (ident == NULL) {
        PQfinish(c);
        return OL_FAIL(d, OL_E_NOMEM, "postgres LISTEN: channel name");
    }
    char sql[2 * SQL_CHANNEL_MAX + 16];
    snprintf(sql, sizeof sql, "LISTEN %s", ident);
    PQfreemem(ident);
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        char msg[200];
        clean_msg(msg, sizeof msg, PQerrorMessage(c));
        PQfinish(c);
        return OL_FAIL(d, OL_E_IO, "postgres LISTEN %s: %s", s->channel, msg);
    }
    *out = c;
    return OL_OK;
}

static void *pg_listen_thread(void *arg)
{
    sql_queue *s = arg;
    ol_queue *q = &s->base;
    unsigned failures = 0;
    while (!atomic_load(&q->stopping)) {
        if (s->listen == NULL || PQstatus(s->listen) != CONNECTION_OK) {
            if (s->listen != NULL) {
                PQfinish(s->listen);
                s->listen = NULL;
                OL_LOG(OL_LOG_WARN, "event=queue_listen_lost backend=postgres channel=%s",
                       s->channel);
            }
            if (ol__queue_wait_stop(q, ol__queue_backoff_ms(failures)))
                break;
            ol_diag d = {0};
            if (pg_listen(s, &s->listen, &d) != OL_OK) {
                failures++;
                OL_LOG(OL_LOG_WARN, "event=queue_listen_retry backend=postgres error=\"%s\"",
                       d.msg);
                continue;
            }
            failures = 0;
            OL_LOG(OL_LOG_INFO, "event=queue_listen_restored backend=postgres channel=%s",
                   s->channel);
        }
        struct pollfd p[2] = {{.fd = PQsocket(s->listen), .events = POLLIN},
                              {.fd = q->stop_rd, .events = POLLIN}};
        int n = poll(p, 2, SQL_IDLE_MS);
        if (n < 0 && errno != EINTR) {
            PQfinish(s->listen); /* a poll failure on our own fds: start over cleanly */
            s->listen = NULL;
            continue;
        }
        if (p[1].revents != 0)
            break;
        if (p[0].revents != 0 && !PQconsumeInput(s->listen)) {
            char msg[200];
            clean_msg(msg, sizeof msg, PQerrorMessage(s->listen));
            OL_LOG(OL_LOG_WARN, "event=queue_listen_lost backend=postgres channel=%s error=\"%s\"",
                   s->channel, msg);
            PQfinish(s->listen);
            s->listen = NULL;
            continue;
        }
        PGnotify *ev;
        while ((ev = PQnotifies(s->listen)) != NULL) {
            ol__queue_deliver(q, ev->extra, strlen(ev->extra));
            PQfreemem(ev);
        }
    }
    return NULL;
}

static void *ring_thread(void *arg)
{
    sql_queue *s = arg;
    ol_queue *q = &s->base;
    char payload[OL__QUEUE_PAYLOAD_MAX];
    pthread_mutex_lock(&s->ev_mu);
    while (!atomic_load(&q->stopping)) {
        if (s->ev_count == 0) {
            /* Bounded wait; publish() and close() signal ev_cv. */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&s->ev_cv, &s->ev_mu, &until);
            continue;
        }
        memcpy(payload, s->ev[s->ev_head], sizeof payload);
        s->ev_head = (s->ev_head + 1) % SQL_EV_MAX;
        s->ev_count--;
        /* The subscriber runs without the lock so publishers never wait for it. */
        pthread_mutex_unlock(&s->ev_mu);
        ol__queue_deliver(q, payload, strlen(payload));
        pthread_mutex_lock(&s->ev_mu);
    }
    pthread_mutex_unlock(&s->ev_mu);
    return NULL;
}

/* In-process subscribers (no PostgreSQL to carry events): every subscribed sql queue of this
 * process, so two handles with the same prefix (two coordinators embedded in one process, as
 * the tests run them) see each other's events. Lock order: local_mu, then a queue's ev_mu. */
static pthread_mutex_t local_mu = PTHREAD_MUTEX_INITIALIZER;
static sql_queue *local_subs;

static void ring_push(sql_queue *s, const char *payload)
{
    pthread_mutex_lock(&s->ev_mu);
    if (s->ev_count == SQL_EV_MAX) {
        /* The subscriber is far behind: the oldest event goes (waiters bound their waits). */
        s->ev_head = (s->ev_head + 1) % SQL_EV_MAX;
        s->ev_count--;
        OL_LOG(OL_LOG_WARN, "event=queue_event_dropped backend=sql reason=ring_full");
    }
    ol__store_copy(s->ev[(s->ev_head + s->ev_count) % SQL_EV_MAX], OL__QUEUE_PAYLOAD_MAX, payload);
    s->ev_count++;
    pthread_cond_signal(&s->ev_cv);
    pthread_mutex_unlock(&s->ev_mu);
}

static ol_err sql_publish(ol_queue *q, const char *payload, ol_diag *d)
{
    sql_queue *s = SQ(q);
    if (s->notify_url != NULL)
        return pg_notify(s, payload, d);
    pthread_mutex_lock(&local_mu);
    for (sql_queue *x = local_subs; x != NULL; x = x->next_local) {
        if (strcmp(x->base.prefix, q->prefix) == 0)
            ring_push(x, payload);
    }
    pthread_mutex_unlock(&local_mu);
    return OL_OK;
}

static ol_err sql_subscribe(ol_queue *q, ol_diag *d)
{
    sql_queue *s = SQ(q);
    void *(*fn)(void *) = ring_thread;
    if (s->notify_url != NULL) {
        ol_err rc = pg_listen(s, &s->listen, d);
        if (rc != OL_OK)
            return rc;
        fn = pg_listen_thread;
    } else {
        s->ev = calloc(SQL_EV_MAX, sizeof *s->ev);
        if (s->ev == NULL)
            return OL_FAIL(d, OL_E_NOMEM, "event ring of %d entries", SQL_EV_MAX);
    }
    if (pthread_create(&q->thread, NULL, fn, s) != 0) {
        if (s->listen != NULL) {
            PQfinish(s->listen);
            s->listen = NULL;
        }
        free(s->ev);
        s->ev = NULL;
        return OL_FAIL(d, OL_E_NOMEM, "cannot start the subscription thread");
    }
    if (s->notify_url == NULL) {
        pthread_mutex_lock(&local_mu);
        s->next_local = local_subs;
        local_subs = s;
        s->local = true;
        pthread_mutex_unlock(&local_mu);
    }
    return OL_OK;
}

static void sql_wake(ol_queue *q)
{
    sql_queue *s = SQ(q);
    if (s->local) {
        pthread_mutex_lock(&local_mu);
        for (sql_queue **p = &local_subs; *p != NULL; p = &(*p)->next_local) {
            if (*p == s) {
                *p = s->next_local;
                break;
            }
        }
        s->local = false;
        pthread_mutex_unlock(&local_mu);
    }
    pthread_mutex_lock(&s->ev_mu);
    pthread_cond_broadcast(&s->ev_cv);
    pthread_mutex_unlock(&s->ev_mu);
}

static void sql_close(ol_queue *q)
{
    sql_queue *s = SQ(q);
    if (s->listen != NULL)
        PQfinish(s->listen);
    if (s->pub != NULL)
        PQfinish(s->pub);
    free(s->ev);
    free(s->notify_url);
    pthread_cond_destroy(&s->ev_cv);
    pthread_mutex_destroy(&s->ev_mu);
    pthread_mutex_destroy(&s->pub_mu);
    ol__queue_base_fini(q);
    free(s);
}

static const ol_queue_ops sql_ops = {
    .kind = "sql",
    .close = sql_close,
    .ping = sql_ping,
    .push = sql_push,
    .claim = sql_claim,
    .renew = sql_renew,
    .complete = sql_complete,
    .sweep = sql_sweep,
    .publish = sql_publish,
    .subscribe = sql_subscribe,
    .wake = sql_wake,
};

static bool is_pg_url(const char *u)
{
    return u != NULL &&
           (strncmp(u, "postgres://", 11) == 0 || strncmp(u, "postgresql://", 13) == 0);
}

static ol_err sql_open(const ol_queue *proto, const char *notify_url, ol_queue **out, ol_diag *d)
{
    sql_queue *s = calloc(1, sizeof *s);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "sql queue");
    if (!ol__queue_base_init(&s->base, proto)) {
        free(s);
        return OL_FAIL(d, OL_E_NOMEM, "sql queue: mutex");
    }
    pthread_mutex_init(&s->pub_mu, NULL);
    pthread_mutex_init(&s->ev_mu, NULL);
    pthread_cond_init(&s->ev_cv, NULL);
    s->base.ops = &sql_ops;
    /* Channel: the prefix in identifier-safe characters, then "_events". */
    size_t n = strlen(proto->prefix);
    if (n > SQL_CHANNEL_MAX - 7)
        n = SQL_CHANNEL_MAX - 7;
    for (size_t i = 0; i < n; i++) {
        char c = proto->prefix[i];
        s->channel[i] = (c == '.' || c == '-') ? '_' : c;
    }
    memcpy(s->channel + n, "_events", 8);
    if (is_pg_url(notify_url) && (s->notify_url = strdup(notify_url)) == NULL) {
        sql_close(&s->base);
        return OL_FAIL(d, OL_E_NOMEM, "sql queue: notify URL");
    }
    *out = &s->base;
    return OL_OK;
}

/* ------------------------------------ interface ------------------------------------ */

static bool prefix_ok(const char *p)
{
    size_t n = strnlen(p, OL_QUEUE_PREFIX_MAX + 1);
    if (n == 0 || n > OL_QUEUE_PREFIX_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

ol_err ol_queue_open(const char *url, ol_store *store, const ol_queue_options *opts, ol_queue **out,
                     ol_diag *d)
{
    if (store == NULL || out == NULL)
        return OL_FAIL(d, OL_E_INVAL, "queue: store or output missing");
    ol_queue_options o = {0};
    if (opts != NULL)
        o = *opts;
    ol_queue proto;
    memset(&proto, 0, sizeof proto);
    proto.store = store;
    const char *prefix =
        o.prefix != NULL && o.prefix[0] != '\0' ? o.prefix : OL_QUEUE_DEFAULT_PREFIX;
    if (!prefix_ok(prefix))
        return OL_FAIL(d, OL_E_INVAL, "queue key prefix must be 1..%d characters of [A-Za-z0-9._-]",
                       OL_QUEUE_PREFIX_MAX);
    ol__store_copy(proto.prefix, sizeof proto.prefix, prefix);
    proto.connect_timeout_ms =
        o.connect_timeout_ms != 0 ? o.connect_timeout_ms : OL_QUEUE_DEFAULT_CONNECT_MS;
    proto.command_timeout_ms =
        o.command_timeout_ms != 0 ? o.command_timeout_ms : OL_QUEUE_DEFAULT_COMMAND_MS;
    proto.pool_size = o.pool_size != 0 ? o.pool_size : OL_QUEUE_DEFAULT_POOL;
    proto.grace_ms = o.grace_ms != 0 ? o.grace_ms : OL_QUEUE_DEFAULT_GRACE_MS;
    if (proto.pool_size > 256)
        return OL_FAIL(d, OL_E_INVAL, "queue pool_size %" PRIu32 " is above 256", proto.pool_size);
    if (proto.connect_timeout_ms > 600000 || proto.command_timeout_ms > 600000)
        return OL_FAIL(d, OL_E_INVAL, "queue timeouts must be at most 600000 ms");

    ol_err rc;
    if (url == NULL || url[0] == '\0' || strcmp(url, "sql") == 0)
        rc = sql_open(&proto, o.notify_url, out, d);
    else if (strncmp(url, "redis://", 8) == 0)
        rc = ol__queue_redis_open(url + 8, &proto, out, d);
    else if (strncmp(url, "rediss://", 9) == 0)
        return OL_FAIL(d, OL_E_UNSUPPORTED,
                       "queue URL: rediss:// (TLS) is not supported by this build's hiredis");
    else if (strstr(url, "://") != NULL)
        return OL_FAIL(d, OL_E_UNSUPPORTED, "no queue backend for scheme '%.*s' (sql or redis)",
                       (int)(strstr(url, "://") - url) > 20 ? 20 : (int)(strstr(url, "://") - url),
                       url);
    else
        return OL_FAIL(d, OL_E_INVAL,
                       "queue URL must be \"sql\" or redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]");
    return rc;
}

void ol_queue_close(ol_queue *q)
{
    if (q == NULL)
        return;
    pthread_mutex_lock(&q->sub_mu);
    bool subscribed = q->subscribed;
    pthread_mutex_unlock(&q->sub_mu);
    if (subscribed) {
        atomic_store(&q->stopping, true);
        char b = 1;
        ssize_t w = write(q->stop_wr, &b, 1); /* a pipe with room: never blocks */
        (void)w;
        if (q->ops->wake != NULL)
            q->ops->wake(q);
        pthread_join(q->thread, NULL);
        close(q->stop_rd);
        close(q->stop_wr);
    }
    q->ops->close(q);
}

const char *ol_queue_kind(const ol_queue *q)
{
    return q->ops->kind;
}

ol_err ol_queue_ping(ol_queue *q, ol_diag *d)
{
    return q->ops->ping(q, d);
}

ol_err ol_queue_push(ol_queue *q, const char *task_id, uint64_t now_ms, ol_diag *d)
{
    CHECK_ID(task_id, "task id");
    if (now_ms > ((uint64_t)1 << 52))
        return OL_FAIL(d, OL_E_INVAL, "now_ms beyond 2^52 milliseconds");
    return q->ops->push(q, task_id, now_ms, d);
}

ol_err ol_queue_claim(ol_queue *q, const char *worker_id, uint64_t now_ms, uint64_t lease_ms,
                      ol_store_task **out, ol_diag *d)
{
    CHECK_ID(worker_id, "worker id");
    if (out == NULL)
        return OL_FAIL(d, OL_E_INVAL, "claim: output missing");
    ol_err rc = check_lease(now_ms, lease_ms, d);
    if (rc != OL_OK)
        return rc;
    return q->ops->claim(q, worker_id, now_ms, lease_ms, out, d);
}

ol_err ol_queue_renew(ol_queue *q, const char *task_id, const char *worker_id, uint32_t attempt,
                      uint64_t now_ms, uint64_t lease_ms, ol_diag *d)
{
    CHECK_ID(task_id, "task id");
    CHECK_ID(worker_id, "worker id");
    if (attempt == 0)
        return OL_FAIL(d, OL_E_INVAL, "renew: attempt must be at least 1");
    ol_err rc = check_lease(now_ms, lease_ms, d);
    if (rc != OL_OK)
        return rc;
    return q->ops->renew(q, task_id, worker_id, attempt, now_ms, lease_ms, d);
}

ol_err ol_queue_complete(ol_queue *q, const ol_store_completion *c, uint64_t now_ms, bool *settled,
                         ol_diag *d)
{
    if (c == NULL || settled == NULL)
        return OL_FAIL(d, OL_E_INVAL, "complete: completion or output missing");
    CHECK_ID(c->task_id, "task id");
    CHECK_ID(c->worker_id, "worker id");
    return q->ops->complete(q, c, now_ms, settled, d);
}

ol_err ol_queue_sweep(ol_queue *q, uint64_t now_ms, uint64_t queued_before_ms, size_t limit,
                      ol_store_sweep *out, ol_diag *d)
{
    if (out == NULL)
        return OL_FAIL(d, OL_E_INVAL, "sweep: output missing");
    if (now_ms > ((uint64_t)1 << 52))
        return OL_FAIL(d, OL_E_INVAL, "now_ms beyond 2^52 milliseconds");
    memset(out, 0, sizeof *out);
    return q->ops->sweep(q, now_ms, queued_before_ms,
                         limit != 0 ? limit : OL_QUEUE_DEFAULT_SWEEP_LIMIT, out, d);
}

ol_err ol_queue_publish(ol_queue *q, ol_queue_event kind, const char *call_id, ol_diag *d)
{
    char payload[OL__QUEUE_PAYLOAD_MAX];
    if (kind == OL_QUEUE_EV_CALL_DONE) {
        CHECK_ID(call_id, "call id");
        snprintf(payload, sizeof payload, "done:%s", call_id);
    } else if (kind == OL_QUEUE_EV_WORK) {
        memcpy(payload, "work:", 6);
    } else {
        return OL_FAIL(d, OL_E_INVAL, "unknown queue event kind %d", (int)kind);
    }
    return q->ops->publish(q, payload, d);
}

ol_err ol_queue_subscribe(ol_queue *q, ol_queue_event_cb cb, void *ud, ol_diag *d)
{
    if (cb == NULL)
        return OL_FAIL(d, OL_E_INVAL, "subscribe: callback missing");
    ol_err rc = OL_OK;
    pthread_mutex_lock(&q->sub_mu);
    if (q->subscribed) {
        rc = OL_FAIL(d, OL_E_STATE, "this queue already has a subscription");
        goto out;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        rc = OL_FAIL(d, OL_E_IO, "subscription stop pipe: %s", strerror(errno));
        goto out;
    }
    q->stop_rd = fds[0];
    q->stop_wr = fds[1];
    q->cb = cb;
    q->ud = ud;
    atomic_store(&q->stopping, false);
    q->subscribed = true; /* under sub_mu, so ol_queue_close() sees the thread it must join */
    rc = q->ops->subscribe(q, d);
    if (rc != OL_OK) {
        q->subscribed = false;
        close(fds[0]);
        close(fds[1]);
        q->stop_rd = q->stop_wr = -1;
    }
out:
    pthread_mutex_unlock(&q->sub_mu);
    return rc;
}
