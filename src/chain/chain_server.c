/* The JSON-RPC server: libmicrohttpd glue around ol_chain_rpc_handle(). One thread per
 * connection, so a request waiting for a transaction does not hold up the others. Bodies are
 * capped at 8 MiB (a transaction is at most 1.5 MiB, base64 included twice over). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "chain_int.h"

#define MAX_BODY (8u << 20)

struct ol_chain_server {
    ol_chain *c;
    struct MHD_Daemon *d;
    uint16_t port;
};

typedef struct req_body {
    char *p;
    size_t len;
    bool too_big;
} req_body;

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *text, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_len, void **state)
{
    ol_chain_server *s = cls;
    (void)version;
    req_body *b = *state;
    if (b == NULL) {
        b = calloc(1, sizeof *b);
        if (b == NULL)
            return MHD_NO;
        *state = b;
        return MHD_YES;
    }
    if (*upload_len > 0) {
        if (b->len + *upload_len > MAX_BODY) {
            b->too_big = true;
        } else if (!b->too_big) {
            char *np = realloc(b->p, b->len + *upload_len + 1);
            if (np == NULL)
                return MHD_NO;
            memcpy(np + b->len, upload, *upload_len);
            b->p = np;
            b->len += *upload_len;
            b->p[b->len] = '\0';
        }
        *upload_len = 0;
        return MHD_YES;
    }
    char *resp = NULL;
    size_t rlen = 0;
    int status = 200;
    if (strcmp(method, "GET") == 0 && strcmp(url, "/status") == 0) {
        static const char q[] = "{\"jsonrpc\":\"2.0\",\"id\":\"status\",\"method\":\"status\","
                                "\"params\":[]}";
        if (ol_chain_rpc_handle(s->c, q, sizeof q - 1, &resp, &rlen, &status) != OL_OK)
            return MHD_NO;
        /* GET /status answers the bare result, as nearcore does. */
        json_t *v = json_loads(resp, 0, NULL);
        free(resp);
        resp = v ? json_dumps(json_object_get(v, "result"), JSON_COMPACT) : NULL;
        json_decref(v);
        if (resp == NULL)
            return MHD_NO;
        return reply(conn, 200, resp, strlen(resp));
    }
    if (strcmp(method, "POST") != 0) {
        resp = strdup("{\"error\":\"POST a JSON-RPC request to /\"}");
        return resp ? reply(conn, 405, resp, strlen(resp)) : MHD_NO;
    }
    if (b->too_big) {
        resp = strdup("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"name\":"
                      "\"REQUEST_VALIDATION_ERROR\",\"cause\":{\"name\":\"PARSE_ERROR\","
                      "\"info\":{\"error_message\":\"body too large\"}},\"code\":-32700,"
                      "\"message\":\"Parse error\",\"data\":\"body too large\"}}");
        return resp ? reply(conn, 413, resp, strlen(resp)) : MHD_NO;
    }
    if (ol_chain_rpc_handle(s->c, b->p ? b->p : "", b->len, &resp, &rlen, &status) != OL_OK)
        return MHD_NO;
    return reply(conn, (unsigned)status, resp, rlen);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **state,
                    enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)conn, (void)code;
    req_body *b = *state;
    if (b != NULL) {
        free(b->p);
        free(b);
    }
    *state = NULL;
}

ol_err ol_chain_server_start(ol_chain *c, const char *host, uint16_t port, ol_chain_server **out,
                             ol_diag *d)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
        return OL_FAIL(d, OL_E_INVAL, "host '%s' is not an IPv4 address", host);
    ol_chain_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "server");
    s->c = c;
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                MHD_USE_ERROR_LOG,
                            port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_CONNECTION_LIMIT,
                            256u, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (s->d == NULL) {
        free(s);
        return OL_FAIL(d, OL_E_IO, "cannot listen on %s:%u", host, (unsigned)port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : port;
    *out = s;
    return OL_OK;
}

uint16_t ol_chain_server_port(const ol_chain_server *s)
{
    return s->port;
}

void ol_chain_server_stop(ol_chain_server *s)
{
    if (s == NULL)
        return;
    /* Wake waiting handlers so the connection threads finish quickly. */
    pthread_mutex_lock(&s->c->mu);
    s->c->closing = true;
    pthread_cond_broadcast(&s->c->block_cv);
    pthread_mutex_unlock(&s->c->mu);
    MHD_stop_daemon(s->d);
    free(s);
}
