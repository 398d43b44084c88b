/* Load generator of `make bench-scale`: CLIENTS threads, each with its own payment key and its
 * own keep-alive libcurl connection to one of the coordinators (client c talks to URL c mod the
 * number of URLs), send synchronous `POST /call/OWNER/NAME` requests back to back (a closed
 * loop) until CALLS calls in total were sent or SECONDS passed, whichever comes first.
 *
 *   bench_scale URL[,URL...] ADMIN_TOKEN OWNER/NAME CLIENTS CALLS SECONDS
 *
 * A key per client, created here with the admin token, so settlements do not all queue on one
 * payment-key row (many users, not one user many times). A sync call answered 202 (the
 * coordinator's sync timeout passed before it learnt of the completion, which happens when the
 * worker reported to another coordinator and no cross-coordinator notification woke it) is
 * polled on GET /calls/ID every 2 ms until terminal; its latency includes that. Every call must
 * end `completed`; anything else counts as an error.
 *
 * Prints one line: calls errors calls_per_s p50_ms p90_ms p99_ms max_ms polled_202, latency
 * measured from just before the request to the terminal answer. Exit status 1 on any error. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define MAX_URLS    8
#define MAX_CLIENTS 256
#define MAX_CALLS   10000000u
#define REQ_TIMEOUT 30L
#define POLL_MAX_S  60.0

static const char *urls[MAX_URLS];
static unsigned nurls;
static const char *admin, *project;
static char keys[MAX_CLIENTS][200];
static unsigned nclients;
static uint64_t ncalls;
static double deadline;
static _Atomic uint64_t next_call;
static _Atomic uint64_t errors;
static _Atomic uint64_t polled;
static double *lat; /* ms, one slot per call (index from next_call); 0 = not sent */

typedef struct body {
    char buf[8192];
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

/* The value of "KEY":"..." in a flat JSON answer, copied to out (empty when absent). The
 * answers here are the coordinator's own, so a full parser is not needed. */
static void json_field(const char *json, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    out[0] = '\0';
    const char *p = strstr(json, pat);
    if (p == NULL)
        return;
    p += strlen(pat);
    size_t n = 0;
    while (p[n] != '\0' && p[n] != '"' && n + 1 < cap)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void first_error(const char *what, int cc, long http, const char *b)
{
    if (atomic_fetch_add(&errors, 1) == 0)
        fprintf(stderr, "first error (%s): curl %d, HTTP %ld: %.300s\n", what, cc, http, b);
}

/* Polls a call answered 202 until it is terminal; true when it completed. Bounded by
 * POLL_MAX_S and the request timeout. */
static bool poll_call(CURL *c, const char *base, const char *hdr, const char *id)
{
    char u[512];
    body b;
    snprintf(u, sizeof u, "%s/calls/%s", base, id);
    struct curl_slist *h = curl_slist_append(NULL, hdr);
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    double until = now_s() + POLL_MAX_S;
    bool ok = false;
    while (now_s() < until) {
        b.len = 0;
        b.buf[0] = '\0';
        CURLcode cc = curl_easy_perform(c);
        long http = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
        if (cc == CURLE_OK && http == 200 && strstr(b.buf, "\"status\":\"completed\"") != NULL) {
            ok = true;
            break;
        }
        if (cc != CURLE_OK || http != 200 || strstr(b.buf, "\"status\":\"failed\"") != NULL) {
            first_error("poll", (int)cc, http, b.buf);
            break;
        }
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (!ok && now_s() >= until)
        first_error("poll: not terminal in time", 0, 0, id);
    curl_slist_free_all(h);
    return ok;
}

static void *client(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    const char *base = urls[id % nurls];
    CURL *c = curl_easy_init();
    char u[512], hdr[256], payload[128], cid[80];
    body b;
    snprintf(u, sizeof u, "%s/call/%s", base, project);
    snprintf(hdr, sizeof hdr, "X-Payment-Key: %s", keys[id]);
    struct curl_slist *h = curl_slist_append(NULL, hdr);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, REQ_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    /* Bounded by the call count and by the deadline. */
    for (;;) {
        uint64_t i = atomic_fetch_add(&next_call, 1);
        if (i >= ncalls || now_s() > deadline)
            break;
        int plen =
            snprintf(payload, sizeof payload, "{\"input\":{\"c\":%u,\"i\":%" PRIu64 "}}", id, i);
        curl_easy_setopt(c, CURLOPT_URL, u);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)plen);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        b.len = 0;
        b.buf[0] = '\0';
        double t0 = now_s();
        CURLcode cc = curl_easy_perform(c);
        long http = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
        bool ok = cc == CURLE_OK && http == 200 && strstr(b.buf, "\"completed\"") != NULL;
        if (!ok && cc == CURLE_OK && http == 202) {
            json_field(b.buf, "call_id", cid, sizeof cid);
            atomic_fetch_add(&polled, 1);
            ok = cid[0] != '\0' && poll_call(c, base, hdr, cid);
            lat[i] = ok ? (now_s() - t0) * 1000.0 : -1;
            continue;
        }
        double t1 = now_s();
        if (!ok) {
            first_error("call", (int)cc, http, b.buf);
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

static bool create_key(CURL *c, unsigned i)
{
    char u[512], hdr[256], req[256];
    body b = {.len = 0};
    snprintf(u, sizeof u, "%s/admin/payment-keys", urls[0]);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", admin);
    snprintf(req, sizeof req,
             "{\"owner\":\"client%u.near\",\"initial_balance\":\"9000000000000000000\"}", i);
    struct curl_slist *h = curl_slist_append(NULL, hdr);
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, REQ_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    b.buf[0] = '\0';
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(h);
    json_field(b.buf, "key", keys[i], sizeof keys[i]);
    if (cc != CURLE_OK || keys[i][0] == '\0') {
        fprintf(stderr, "cannot create payment key %u: curl %d: %.200s\n", i, (int)cc, b.buf);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s URL[,URL...] ADMIN_TOKEN OWNER/NAME CLIENTS CALLS SECONDS\n",
                argv[0]);
        return 2;
    }
    for (char *save = NULL, *u = strtok_r(argv[1], ",", &save); u != NULL && nurls < MAX_URLS;
         u = strtok_r(NULL, ",", &save))
        urls[nurls++] = u;
    admin = argv[2];
    project = argv[3];
    nclients = (unsigned)atoi(argv[4]);
    ncalls = strtoull(argv[5], NULL, 10);
    double secs = atof(argv[6]);
    if (nurls == 0 || nclients < 1 || nclients > MAX_CLIENTS || ncalls < 1 || ncalls > MAX_CALLS ||
        secs <= 0 || secs > 600) {
        fprintf(stderr, "1..%d URLs, CLIENTS 1..%d, CALLS 1..%u, SECONDS (0, 600]\n", MAX_URLS,
                MAX_CLIENTS, MAX_CALLS);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    for (unsigned i = 0; i < nclients; i++) {
        if (!create_key(c, i))
            return 1;
    }
    curl_easy_cleanup(c);
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
    printf("%zu %" PRIu64 " %.0f %.2f %.2f %.2f %.2f %" PRIu64 "\n", n, atomic_load(&errors),
           (double)n / elapsed, pct(lat, n, 0.50), pct(lat, n, 0.90), pct(lat, n, 0.99),
           n > 0 ? lat[n - 1] : 0.0, atomic_load(&polled));
    free(lat);
    curl_global_cleanup();
    return atomic_load(&errors) == 0 ? 0 : 1;
}
