/* The libmicrohttpd glue and the lease sweeper. Thin by design: it turns MHD's view of a
 * request into an ol_coord_req, calls ol_coord_handle(), and sends the ol_coord_resp.
 *
 * Waiting without blocking the pool. libmicrohttpd's thread pool binds every connection to
 * the pool thread that accepted it, so a handler that blocks (a sync /call waiting for its
 * result, a worker's long poll) would stall every other keep-alive connection of that thread —
 * including, possibly, the worker connection that is about to deliver the very result being
 * waited for. A deferred response therefore suspends its connection (MHD_suspend_connection)
 * and hands the wait to its own small-stack thread, which blocks in ol_coord_finish() on the
 * call's condition variable and then resumes the connection; MHD calls the handler again and
 * the stored response is queued. Pool threads never block on anything but the store.
 *
 * Invariants: a suspended connection is always resumed exactly once (by its waiter thread, or
 * by the handler itself when the thread cannot start); shutdown first wakes every waiter,
 * then waits for the waiter threads to end (bounded), then stops MHD, so MHD never sees a
 * suspended connection at stop time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "coord_int.h"

#define MAX_HEADERS        64
#define WAITER_STACK       (512u * 1024u)
#define STOP_WAIT_MS       15000u
#define CONNECTION_TIMEOUT 120u /* idle seconds; suspended connections do not time out */

struct ol_coord_server {
    ol_coord *c;
    struct MHD_Daemon *mhd;
    int listen_fd;
    pthread_t sweeper;
    bool sweeper_started;
    pthread_mutex_t mu; /* guards stop, threads; cv signals both */
    pthread_cond_t cv;  /* CLOCK_MONOTONIC */
    bool stop;
    unsigned threads; /* waiter threads alive */
};

typedef enum cx_state { CX_READING = 0, CX_WAITING = 1, CX_READY = 2 } cx_state;

/* Per request; freed by the completion callback. */
typedef struct conn_ctx {
    struct ol_coord_server *srv;
    struct MHD_Connection *conn;
    cx_state state;
    uint8_t *body;
    size_t len, cap;
    uint64_t limit; /* body cap of this request */
    bool too_large;
    ol_near_arena *ar;
    ol_coord_resp resp;
} conn_ctx;

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    OL_LOG(OL_LOG_WARN, "event=http_server msg=\"%s\"", buf);
}

static bool is_public_path(const char *url)
{
    static const char *const prefixes[] = {"/call/", "/calls/", "/payment-keys/", "/public/",
                                           "/health"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (strncmp(url, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    }
    return false;
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, const char *url, const char *method,
                                 const ol_coord_resp *resp)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body_len, (void *)(uintptr_t)resp->body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    if (resp->content_type != NULL && resp->status != 204)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    if (resp->retry_after_s != 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", resp->retry_after_s);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    /* The HTTPS API is called from browsers: permissive CORS as the reference. */
    if (is_public_path(url)) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
        if (strcmp(method, "OPTIONS") == 0) {
            MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            MHD_add_response_header(r, "Access-Control-Allow-Headers",
                                    "Content-Type, X-Payment-Key, X-Compute-Limit, "
                                    "X-Attached-Deposit");
            MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
        }
    }
    enum MHD_Result ret = MHD_queue_response(conn, resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

typedef struct hdr_vec {
    ol_coord_header h[MAX_HEADERS];
    size_t n;
} hdr_vec;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    hdr_vec *hv = cls;
    if (hv->n < MAX_HEADERS) {
        hv->h[hv->n].name = key;
        hv->h[hv->n].value = value != NULL ? value : "";
        hv->n++;
    }
    return MHD_YES;
}

typedef struct qbuf {
    char buf[2048];
    size_t len;
} qbuf;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    qbuf *q = cls;
    int n = snprintf(q->buf + q->len, sizeof q->buf - q->len, "%s%s%s%s", q->len > 0 ? "&" : "",
                     key, value != NULL ? "=" : "", value != NULL ? value : "");
    if (n > 0 && (size_t)n < sizeof q->buf - q->len)
        q->len += (size_t)n;
    return MHD_YES;
}

static void waiter_done(struct ol_coord_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    srv->threads--;
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
}

static void *waiter_main(void *arg)
{
    conn_ctx *cx = arg;
    struct ol_coord_server *srv = cx->srv;
    ol_coord_defer df = cx->resp.defer;
    ol_coord_finish(srv->c, &df, cx->ar, &cx->resp);
    cx->state = CX_READY;
    /* After this call MHD may run the handler and free cx at any time. */
    MHD_resume_connection(cx->conn);
    waiter_done(srv);
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **ctx)
{
    (void)version;
    struct ol_coord_server *srv = cls;
    ol_coord *c = srv->c;
    conn_ctx *cx = *ctx;
    if (cx == NULL) {
        cx = calloc(1, sizeof *cx);
        if (cx == NULL || ol_near_arena_new(NULL, &cx->ar, NULL) != OL_OK) {
            free(cx);
            return MHD_NO;
        }
        cx->srv = srv;
        cx->conn = conn;
        /* A worker's completion may carry a large transcript: a larger cap, but only for a
         * valid worker token, decided before a single body byte is buffered. */
        cx->limit = c->cfg.max_body_bytes;
        if (strcmp(method, "POST") == 0 && strcmp(url, "/worker/complete") == 0 &&
            ol__coord_worker_bearer_ok(
                c, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization")))
            cx->limit = c->cfg.max_worker_body_bytes;
        *ctx = cx;
        return MHD_YES;
    }
    if (cx->state == CX_READY)
        return send_resp(conn, url, method, &cx->resp);
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (cx->too_large || n > cx->limit - cx->len) {
            cx->too_large = true; /* keep reading (and dropping) so we can answer 413 */
            return MHD_YES;
        }
        if (cx->len + n > cx->cap) {
            size_t ncap = cx->cap == 0 ? 4096 : cx->cap;
            while (ncap < cx->len + n)
                ncap *= 2;
            if (ncap > cx->limit)
                ncap = (size_t)cx->limit;
            uint8_t *nb = realloc(cx->body, ncap);
            if (nb == NULL)
                return MHD_NO;
            cx->body = nb;
            cx->cap = ncap;
        }
        memcpy(cx->body + cx->len, upload_data, n);
        cx->len += n;
        return MHD_YES;
    }
    if (cx->state == CX_WAITING)
        return MHD_YES; /* cannot happen: a suspended connection is not processed */

    hdr_vec hv = {.n = 0};
    qbuf q = {.len = 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &hv);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &q);
    ol_coord_req req = {.method = method,
                        .path = url,
                        .query = q.buf,
                        .headers = hv.h,
                        .nheaders = hv.n,
                        .body = cx->body,
                        .body_len = cx->len,
                        .body_too_large = cx->too_large};
    ol_coord_handle(c, &req, cx->ar, &cx->resp);
    if (cx->resp.defer.kind == OL_COORD_DEFER_NONE)
        return send_resp(conn, url, method, &cx->resp);

    /* Defer: suspend, then let a waiter thread block on the notification. */
    cx->state = CX_WAITING;
    MHD_suspend_connection(conn);
    pthread_mutex_lock(&srv->mu);
    bool stopping = srv->stop;
    if (!stopping)
        srv->threads++;
    pthread_mutex_unlock(&srv->mu);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WAITER_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int err = stopping ? EAGAIN : pthread_create(&t, &attr, waiter_main, cx);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        if (!stopping)
            waiter_done(srv);
        atomic_fetch_sub(&c->waiting, 1);
        ol__resp_error(cx->ar, &cx->resp, 503, "unavailable",
                       "the coordinator cannot wait for more requests now; retry");
        cx->resp.retry_after_s = 1;
        ol__coord_count_status(c, 503);
        cx->state = CX_READY;
        MHD_resume_connection(conn);
    }
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    conn_ctx *cx = *ctx;
    if (cx == NULL)
        return;
    free(cx->body);
    ol_near_arena_free(cx->ar);
    free(cx);
    *ctx = NULL;
}

static void *sweeper_main(void *arg)
{
    struct ol_coord_server *srv = arg;
    pthread_mutex_lock(&srv->mu);
    while (!srv->stop) {
        uint64_t until = ol__coord_mono_ms() + srv->c->cfg.sweep_ms;
        struct timespec ts = {(time_t)(until / 1000), (long)(until % 1000) * 1000000L};
        pthread_cond_timedwait(&srv->cv, &srv->mu, &ts);
        if (srv->stop)
            break;
        pthread_mutex_unlock(&srv->mu);
        ol_diag d = {0};
        if (ol_coord_sweep(srv->c, &d) != OL_OK)
            OL_LOG(OL_LOG_ERROR, "event=sweep_failed msg=\"%s\"", d.msg);
        pthread_mutex_lock(&srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

static ol_err open_listener(const char *host, uint16_t port, int *fd_out, uint16_t *bound,
                            ol_diag *d)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return OL_FAIL(d, OL_E_INVAL, "host '%.64s' is not an IPv4 address", host);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return OL_FAIL(d, OL_E_IO, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        return OL_FAIL(d, OL_E_IO, "cannot bind %s:%u: %s", host, port, strerror(e));
    }
    if (listen(fd, 1024) != 0) {
        int e = errno;
        close(fd);
        return OL_FAIL(d, OL_E_IO, "listen: %s", strerror(e));
    }
    socklen_t sl = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        int e = errno;
        close(fd);
        return OL_FAIL(d, OL_E_IO, "getsockname: %s", strerror(e));
    }
    *fd_out = fd;
    *bound = ntohs(sa.sin_port);
    return OL_OK;
}

ol_err ol_coord_server_start(ol_coord *c, ol_coord_server **out, uint16_t *bound_port, ol_diag *d)
{
    uint16_t port = 0;
    int fd = -1;
    ol_err rc = open_listener(c->cfg.host, (uint16_t)c->cfg.port, &fd, &port, d);
    if (rc != OL_OK)
        return rc;
    struct ol_coord_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) {
        close(fd);
        return OL_FAIL(d, OL_E_NOMEM, "server");
    }
    srv->c = c;
    srv->listen_fd = fd;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->cv, &ca);
    pthread_condattr_destroy(&ca);

    unsigned threads = (unsigned)c->cfg.http_threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 2;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    /* The logger goes first so that MHD's own messages during setup reach it. */
    srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
                                mhd_log, srv, MHD_OPTION_LISTEN_SOCKET, fd,
                                MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED,
                                on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
                                CONNECTION_TIMEOUT, MHD_OPTION_CONNECTION_LIMIT,
                                (unsigned)(c->cfg.max_waiters + 1024), MHD_OPTION_END);
    if (srv->mhd == NULL) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "libmicrohttpd did not start");
        goto fail;
    }
    if (pthread_create(&srv->sweeper, NULL, sweeper_main, srv) != 0) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "cannot start the sweeper thread");
        goto fail;
    }
    srv->sweeper_started = true;
    OL_LOG(OL_LOG_INFO, "event=listening host=%s port=%u http_threads=%u", c->cfg.host,
           (unsigned)port, threads);
    if (bound_port != NULL)
        *bound_port = port;
    *out = srv;
    return OL_OK;
fail:
    if (srv->mhd != NULL) {
        MHD_quiesce_daemon(srv->mhd); /* keeps MHD from closing fd: we do */
        MHD_stop_daemon(srv->mhd);
    }
    close(fd);
    pthread_cond_destroy(&srv->cv);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
    return rc;
}

void ol_coord_server_stop(ol_coord_server *srv)
{
    if (srv == NULL)
        return;
    /* 1. No new connections. */
    MHD_quiesce_daemon(srv->mhd);
    /* 2. Wake every waiter (they answer at once) and stop the sweeper. */
    pthread_mutex_lock(&srv->mu);
    srv->stop = true;
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
    ol_coord_shutdown(srv->c);
    if (srv->sweeper_started)
        pthread_join(srv->sweeper, NULL);
    /* 3. Wait (bounded) for the waiter threads to resume their connections. */
    uint64_t until = ol__coord_mono_ms() + STOP_WAIT_MS;
    struct timespec ts = {(time_t)(until / 1000), (long)(until % 1000) * 1000000L};
    pthread_mutex_lock(&srv->mu);
    while (srv->threads > 0) {
        if (pthread_cond_timedwait(&srv->cv, &srv->mu, &ts) != 0)
            break;
    }
    unsigned left = srv->threads;
    pthread_mutex_unlock(&srv->mu);
    if (left > 0) {
        /* Cannot happen: waits end at shutdown. Leaking beats a use-after-free. */
        OL_LOG(OL_LOG_ERROR, "event=stop_incomplete waiter_threads=%u", left);
        return;
    }
    /* 4. Stop MHD (it answers nothing more), then the listening socket. */
    MHD_stop_daemon(srv->mhd);
    close(srv->listen_fd);
    pthread_cond_destroy(&srv->cv);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
    OL_LOG(OL_LOG_INFO, "event=stopped");
}
