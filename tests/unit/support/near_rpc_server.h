/* A tiny HTTP/1.1 server for RPC client tests: plain POSIX sockets, one thread, one request per
 * connection ("Connection: close"), listening on 127.0.0.1 with an ephemeral port. The test
 * decides every answer through a handler, including broken ones (no answer, a body cut short,
 * a slow answer). Every read and wait is bounded in time. */
#ifndef OL_TEST_NEAR_RPC_SERVER_H
#define OL_TEST_NEAR_RPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>

/* What to answer. The server zeroes it and sets status 200 before calling the handler. */
typedef struct ol_test_http_response {
    int status;                /* HTTP status; 0: close the connection without answering */
    const char *extra_headers; /* complete header lines ("Retry-After: 1\r\n"), or NULL */
    char *body;                /* malloc'd, freed by the server; NULL for an empty body */
    size_t body_len;
    bool truncate; /* send Content-Length: body_len but only truncate_at bytes */
    size_t truncate_at;
    bool no_content_length; /* close-delimited body (no Content-Length header) */
    long delay_ms;          /* wait before answering (bounded by the server's stop) */
} ol_test_http_response;

/* Called on the server thread for each complete request; `body` is NUL-terminated. */
typedef void (*ol_test_http_handler)(void *ud, const char *body, size_t len,
                                     ol_test_http_response *resp);

typedef struct ol_test_http_server ol_test_http_server;

/* Starts listening on 127.0.0.1:0. Returns 0, or -1 with errno set. */
int ol_test_http_server_start(ol_test_http_handler fn, void *ud, ol_test_http_server **out);

/* The port chosen by the kernel. */
unsigned short ol_test_http_server_port(const ol_test_http_server *s);

/* "http://127.0.0.1:<port>/" in a static-lifetime buffer of the server. */
const char *ol_test_http_server_url(const ol_test_http_server *s);

/* Stops the thread (within ~100 ms plus any handler running) and frees the server. NULL ok. */
void ol_test_http_server_stop(ol_test_http_server *s);

/* A port on 127.0.0.1 with nothing listening (bound, then closed): connecting is refused. */
unsigned short ol_test_http_closed_port(void);

#endif
