/* The libmicrohttpd glue around ol_ks_service_handle(). Thin: collect the body (capped), call the
 * handler, send its response. Response bodies may hold plaintext secrets, so they are handed to
 * MHD with a free callback that wipes them; request bodies (ciphertexts) are wiped as well. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <malloc.h>
#include <microhttpd.h>
#include <sodium.h>

#include "ks_int.h"
#include "ol/log.h"

#define CONNECTION_LIMIT   64u
#define CONNECTION_TIMEOUT 30u

struct ol_ks_server {
    const ol_ks_service *svc;
    struct MHD_Daemon *mhd;
};

typedef struct conn_ctx {
    uint8_t *body;
    size_t len, cap;
    bool too_large;
} conn_ctx;

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[256];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '"')
            buf[i] = '\'';
    }
    OL_LOG(OL_LOG_WARN, "event=http_server msg=\"%s\"", buf);
}

static void wipe_free_cb(void *p)
{
    if (p != NULL) {
        sodium_memzero(p, malloc_usable_size(p));
        free(p);
    }
}

static enum MHD_Result collect_auth(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    const char **out = cls;
    if (key != NULL && strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0 && *out == NULL)
        *out = value != NULL ? value : "";
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **ctx)
{
    (void)version;
    struct ol_ks_server *srv = cls;
    size_t max = ol_ks_service_max_body(srv->svc);
    conn_ctx *cx = *ctx;
    if (cx == NULL) {
        cx = calloc(1, sizeof *cx);
        if (cx == NULL)
            return MHD_NO;
        *ctx = cx;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (cx->too_large || n > max - cx->len) {
            cx->too_large = true; /* keep draining so the client gets the 413 */
            return MHD_YES;
        }
        if (cx->len + n > cx->cap) {
            size_t ncap = cx->cap == 0 ? 4096 : cx->cap;
            while (ncap < cx->len + n)
                ncap *= 2;
            if (ncap > max)
                ncap = max;
            uint8_t *nb = malloc(ncap);
            if (nb == NULL)
                return MHD_NO;
            if (cx->len > 0)
                memcpy(nb, cx->body, cx->len);
            ol_ks_wipe_free(cx->body, cx->cap);
            cx->body = nb;
            cx->cap = ncap;
        }
        memcpy(cx->body + cx->len, upload, n);
        cx->len += n;
        return MHD_YES;
    }
    const char *auth = NULL;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_auth, (void *)&auth);
    ol_ks_req req = {.method = method,
                     .path = url,
                     .authorization = auth,
                     .body = cx->body,
                     .body_len = cx->len,
                     .body_too_large = cx->too_large};
    ol_ks_resp resp;
    ol_ks_service_handle(srv->svc, &req, (uint64_t)time(NULL), &resp);
    struct MHD_Response *r = NULL;
    if (resp.body != NULL) {
        r = MHD_create_response_from_buffer_with_free_callback(resp.body_len, resp.body,
                                                               wipe_free_cb);
        if (r == NULL)
            ol_ks_resp_fini(&resp);
    }
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, resp.status, r);
    MHD_destroy_response(r);
    return ret;
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
    ol_ks_wipe_free(cx->body, cx->cap);
    free(cx);
    *ctx = NULL;
}

ol_err ol_ks_server_start(const ol_ks_service *s, const char *host, uint16_t port, unsigned threads,
                          ol_ks_server **out, uint16_t *bound, ol_diag *d)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return OL_FAIL(d, OL_E_INVAL, "host '%.64s' is not an IPv4 address", host);
    struct ol_ks_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "server");
    srv->svc = s;
    if (threads == 0)
        threads = 2;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    srv->mhd = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
        CONNECTION_TIMEOUT, MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT, MHD_OPTION_END);
    if (srv->mhd == NULL) {
        free(srv);
        return OL_FAIL(d, OL_E_IO, "cannot listen on %s:%u", host, (unsigned)port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
    if (bound != NULL)
        *bound = info != NULL ? info->port : port;
    *out = srv;
    return OL_OK;
}

void ol_ks_server_stop(ol_ks_server *srv)
{
    if (srv == NULL)
        return;
    MHD_stop_daemon(srv->mhd);
    free(srv);
}
