/* The test HTTP server of near_rpc_server.h. One thread polls the listening socket every 20 ms
 * so that a stop request is seen quickly; each connection is read with poll() deadlines (no read
 * waits longer than 2 s, no request longer than 5 s), answered, and closed. Writes use
 * MSG_NOSIGNAL: a client that gave up must not kill the test with SIGPIPE. */
#include "near_rpc_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADER (64 * 1024)
#define MAX_BODY   (32 * 1024 * 1024)

struct ol_test_http_server {
    int fd;
    unsigned short port;
    char url[64];
    ol_test_http_handler fn;
    void *ud;
    atomic_bool stop;
    pthread_t thread;
};

static long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Waits until fd is readable, at most ms. 1 ready, 0 timeout, -1 error. */
static int wait_readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    for (int i = 0; i < 16; i++) {
        int r = poll(&p, 1, ms);
        if (r >= 0)
            return r > 0 ? 1 : 0;
        if (errno != EINTR)
            return -1;
    }
    return -1;
}

static void send_all(int fd, const char *p, size_t len)
{
    long deadline = mono_ms() + 5000;
    while (len > 0 && mono_ms() < deadline) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 408:
        return "Request Timeout";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

/* Reads one request; returns the malloc'd NUL-terminated body (len in *len) or NULL. */
static char *read_request(ol_test_http_server *s, int fd, size_t *len)
{
    char *buf = malloc(MAX_HEADER + 1);
    char *body = NULL;
    size_t have = 0;
    long deadline = mono_ms() + 5000;
    char *end = NULL;
    if (buf == NULL)
        return NULL;
    while (end == NULL) {
        if (have >= MAX_HEADER || mono_ms() > deadline || atomic_load(&s->stop))
            goto out;
        if (wait_readable(fd, 2000) != 1)
            goto out;
        ssize_t n = recv(fd, buf + have, MAX_HEADER - have, 0);
        if (n <= 0)
            goto out;
        have += (size_t)n;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    size_t head_len = (size_t)(end - buf) + 4;
    size_t clen = 0;
    for (char *line = strstr(buf, "\r\n"); line != NULL && line < end;
         line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
            clen = (size_t)strtoul(line + 2 + 15, NULL, 10);
        if (strncasecmp(line + 2, "Expect: 100-continue", 20) == 0)
            send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    }
    if (clen > MAX_BODY)
        goto out;
    body = malloc(clen + 1);
    if (body == NULL)
        goto out;
    size_t got = have - head_len < clen ? have - head_len : clen;
    memcpy(body, buf + head_len, got);
    while (got < clen) {
        if (mono_ms() > deadline || wait_readable(fd, 2000) != 1)
            break;
        ssize_t n = recv(fd, body + got, clen - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < clen) {
        free(body);
        body = NULL;
        goto out;
    }
    body[clen] = '\0';
    *len = clen;
out:
    free(buf);
    return body;
}

static void serve(ol_test_http_server *s, int fd)
{
    size_t len = 0;
    char *req = read_request(s, fd, &len);
    if (req == NULL)
        return;
    ol_test_http_response r;
    memset(&r, 0, sizeof r);
    r.status = 200;
    s->fn(s->ud, req, len, &r);
    free(req);

    /* A delay that stops early when the server is being stopped. */
    for (long waited = 0; waited < r.delay_ms && !atomic_load(&s->stop); waited += 10) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (r.status != 0) {
        char head[1024];
        int n;
        if (r.no_content_length)
            n = snprintf(head, sizeof head,
                         "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%s"
                         "Connection: close\r\n\r\n",
                         r.status, reason(r.status), r.extra_headers ? r.extra_headers : "");
        else
            n = snprintf(head, sizeof head,
                         "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
                         r.status, reason(r.status), r.body_len,
                         r.extra_headers ? r.extra_headers : "");
        if (n > 0 && (size_t)n < sizeof head)
            send_all(fd, head, (size_t)n);
        size_t send_len = r.truncate && r.truncate_at < r.body_len ? r.truncate_at : r.body_len;
        if (r.body != NULL)
            send_all(fd, r.body, send_len);
    }
    free(r.body);
}

static void *run(void *arg)
{
    ol_test_http_server *s = arg;
    while (!atomic_load(&s->stop)) {
        if (wait_readable(s->fd, 20) != 1)
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        serve(s, c);
        shutdown(c, SHUT_WR);
        /* Drain briefly so close() does not turn into a reset while the client still reads. */
        char sink[256];
        for (int i = 0; i < 8 && wait_readable(c, 50) == 1; i++) {
            if (recv(c, sink, sizeof sink, 0) <= 0)
                break;
        }
        close(c);
    }
    return NULL;
}

int ol_test_http_server_start(ol_test_http_handler fn, void *ud, ol_test_http_server **out)
{
    ol_test_http_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    s->fn = fn;
    s->ud = ud;
    atomic_init(&s->stop, false);
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0)
        goto fail;
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t alen = sizeof a;
    if (bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->fd, 16) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &alen) != 0)
        goto fail;
    s->port = ntohs(a.sin_port);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%u/", (unsigned)s->port);
    if (pthread_create(&s->thread, NULL, run, s) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    if (s->fd >= 0)
        close(s->fd);
    free(s);
    return -1;
}

unsigned short ol_test_http_server_port(const ol_test_http_server *s)
{
    return s->port;
}

const char *ol_test_http_server_url(const ol_test_http_server *s)
{
    return s->url;
}

void ol_test_http_server_stop(ol_test_http_server *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s);
}

unsigned short ol_test_http_closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    unsigned short port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}
