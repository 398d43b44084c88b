/* HTTPS-path load generator for `make bench-https`: CLIENTS threads, each with its own
 * keep-alive libcurl connection, send synchronous `POST /call/OWNER/NAME` requests back to back
 * (a closed loop: a client sends its next call when the previous answer arrived) until CALLS
 * calls in total were sent or SECONDS passed, whichever comes first. Every answer must be
 * 200 with status "completed"; anything else counts as an error.
 *
 *   bench_https URL KEY OWNER/NAME CLIENTS CALLS SECONDS
 *
 * Prints one Markdown table row: clients, calls, errors, calls/s, p50, p90, p99, max (ms),
 * measured from just before the request is sent to the last byte of the answer. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define MAX_CLIENTS 256
#define MAX_CALLS   10000000u

static const char *url, *key, *project;
static unsigned nclients;
static uint64_t ncalls;
static double deadline;
static _Atomic uint64_t next_call;
static _Atomic uint64_t errors;
static double *lat; /* ms, one slot per call (index from next_call) */

typedef struct body {
    char buf[4096];
    size_t len;
} body;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    body *b = ud;
    size_t len = size * n;
    size_t room = sizeof b->buf - 1 - b->len;
    memcpy(b->buf + b->len, p, len < room ? len : room);
    b->len += len < room ? len : room;
    b->buf[b->len] = '\0';
    return len;
}

static void *client(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    CURL *c = curl_easy_init();
    char u[512], hdr[256], payload[128];
    body b;
    snprintf(u, sizeof u, "%s/call/%s", url, project);
    snprintf(hdr, sizeof hdr, "X-Payment-Key: %s", key);
    struct curl_slist *h = curl_slist_append(NULL, hdr);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    /* Bounded by the call count and by the deadline. */
    for (;;) {
        uint64_t i = atomic_fetch_add(&next_call, 1);
        if (i >= ncalls || now_s() > deadline)
            break;
        int plen =
            snprintf(payload, sizeof payload, "{\"input\":{\"c\":%u,\"i\":%" PRIu64 "}}", id, i);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)plen);
        b.len = 0;
        b.buf[0] = '\0';
        double t0 = now_s();
        CURLcode cc = curl_easy_perform(c);
        double t1 = now_s();
        long http = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
        if (cc != CURLE_OK || http != 200 || strstr(b.buf, "\"completed\"") == NULL) {
            if (atomic_fetch_add(&errors, 1) == 0)
                fprintf(stderr, "first error: curl %d, HTTP %ld: %.300s\n", (int)cc, http, b.buf);
            lat[i] = -1;
            continue;
        }
        lat[i] = (t1 - t0) * 1000.0;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s URL KEY OWNER/NAME CLIENTS CALLS SECONDS\n", argv[0]);
        return 2;
    }
    url = argv[1];
    key = argv[2];
    project = argv[3];
    nclients = (unsigned)atoi(argv[4]);
    ncalls = strtoull(argv[5], NULL, 10);
    double secs = atof(argv[6]);
    if (nclients < 1 || nclients > MAX_CLIENTS || ncalls < 1 || ncalls > MAX_CALLS || secs <= 0 ||
        secs > 600) {
        fprintf(stderr, "CLIENTS 1..%d, CALLS 1..%u, SECONDS (0, 600]\n", MAX_CLIENTS, MAX_CALLS);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    lat = calloc(ncalls, sizeof *lat);
    if (lat == NULL)
        return 1;
    pthread_t th[MAX_CLIENTS];
    double t0 = now_s();
    deadline = t0 + secs;
    for (unsigned i = 0; i < nclients; i++)
        pthread_create(&th[i], NULL, client, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < nclients; i++)
        pthread_join(th[i], NULL);
    double elapsed = now_s() - t0;

    uint64_t sent = atomic_load(&next_call);
    if (sent > ncalls)
        sent = ncalls;
    /* Calls claimed after the deadline were never sent: their slot stayed 0. */
    size_t n = 0;
    for (uint64_t i = 0; i < sent; i++) {
        if (lat[i] > 0)
            lat[n++] = lat[i];
    }
    qsort(lat, n, sizeof *lat, cmp_double);
    printf("| %u | %zu | %" PRIu64 " | %.0f | %.2f | %.2f | %.2f | %.2f |\n", nclients, n,
           atomic_load(&errors), (double)n / elapsed, pct(lat, n, 0.50), pct(lat, n, 0.90),
           pct(lat, n, 0.99), n > 0 ? lat[n - 1] : 0.0);
    free(lat);
    curl_global_cleanup();
    return atomic_load(&errors) == 0 ? 0 : 1;
}
