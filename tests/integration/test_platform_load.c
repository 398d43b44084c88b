/* Load driver of the platform tests: many concurrent calls against a running coordinator, then
 * an account of every one of them.
 *
 *   test_platform_load URL ADMIN_TOKEN OWNER/NAME [KEYS CALLS_PER_KEY]
 *
 * It creates KEYS payment keys (default 20), then
 *   1. a burst: one thread per key submits CALLS_PER_KEY async calls (default 10, the per-key
 *      in-flight limit) as fast as it can, so KEYS * CALLS_PER_KEY calls are in flight at once;
 *   2. the same number of synchronous calls, one thread per key.
 * Every call must get a call id, reach a terminal status within the bound and be `completed`
 * with its input echoed; afterwards each key's `spent` must equal the sum of its calls'
 * compute_cost and its `reserved` must be 0. Every wait is bounded (request timeouts, a polling
 * deadline). Exit status 0 when everything is accounted for. */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#define MAX_KEYS      64
#define MAX_PER_KEY   32
#define DEADLINE_S    180
#define REQ_TIMEOUT_S 120

static const char *url, *admin, *project;
static unsigned nkeys = 20, per_key = 10;

typedef struct call {
    char id[80];
    char input[64];
    char status[16];
    uint64_t cost;
    bool ok;
} call;

typedef struct key_state {
    unsigned idx;
    char key[160];
    call calls[2 * MAX_PER_KEY];
    unsigned ncalls;
    unsigned errors;
    char first_error[256];
} key_state;

static key_state keys[MAX_KEYS];

typedef struct buf {
    char *p;
    size_t len;
} buf;

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    size_t len = size * n;
    char *np = realloc(b->p, b->len + len + 1);
    if (np == NULL)
        return 0;
    b->p = np;
    memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
    return len;
}

/* One request; returns the parsed body (NULL on transport failure), status in *http. */
static json_t *req(CURL *c, const char *method, const char *path, const char *hdr, const char *body,
                   long *http)
{
    char u[512];
    buf b = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, hdr);
    snprintf(u, sizeof u, "%s%s", url, path);
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)REQ_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (body != NULL)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(h);
    json_t *j = NULL;
    *http = 0;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http);
        j = b.p != NULL ? json_loads(b.p, 0, NULL) : NULL;
        if (j == NULL)
            j = json_object();
    }
    free(b.p);
    return j;
}

static void note_error(key_state *k, const char *msg)
{
    if (k->errors++ == 0)
        snprintf(k->first_error, sizeof k->first_error, "%s", msg);
}

static void submit(CURL *c, key_state *k, bool async)
{
    char hdr[256], body[256];
    call *cl = &k->calls[k->ncalls];
    snprintf(hdr, sizeof hdr, "X-Payment-Key: %s", k->key);
    snprintf(cl->input, sizeof cl->input, "{\"k\":%u,\"n\":%u}", k->idx, k->ncalls);
    snprintf(body, sizeof body, "{\"input\":%s,\"async\":%s}", cl->input, async ? "true" : "false");
    char path[256];
    snprintf(path, sizeof path, "/call/%s", project);
    long http = 0;
    json_t *j = req(c, "POST", path, hdr, body, &http);
    k->ncalls++;
    const char *id = json_string_value(json_object_get(j, "call_id"));
    if (j == NULL || id == NULL || (http != 200 && http != 202)) {
        char msg[200];
        const char *code = json_string_value(json_object_get(j, "code"));
        snprintf(msg, sizeof msg, "submit: %s (HTTP %ld)", code != NULL ? code : "no response",
                 http);
        note_error(k, msg);
        json_decref(j);
        return;
    }
    snprintf(cl->id, sizeof cl->id, "%s", id);
    json_decref(j);
}

static void *burst_main(void *arg)
{
    key_state *k = arg;
    CURL *c = curl_easy_init();
    for (unsigned i = 0; i < per_key; i++)
        submit(c, k, true);
    curl_easy_cleanup(c);
    return NULL;
}

static void *sync_main(void *arg)
{
    key_state *k = arg;
    CURL *c = curl_easy_init();
    for (unsigned i = 0; i < per_key; i++)
        submit(c, k, false);
    curl_easy_cleanup(c);
    return NULL;
}

/* Polls every call of k until terminal or the deadline; checks output and sums the costs. */
static void *settle_main(void *arg)
{
    key_state *k = arg;
    CURL *c = curl_easy_init();
    char hdr[256];
    snprintf(hdr, sizeof hdr, "X-Payment-Key: %s", k->key);
    time_t deadline = time(NULL) + DEADLINE_S;
    for (unsigned i = 0; i < k->ncalls; i++) {
        call *cl = &k->calls[i];
        if (cl->id[0] == '\0' || cl->status[0] != '\0')
            continue;
        char path[256];
        snprintf(path, sizeof path, "/calls/%s", cl->id);
        /* Bounded: by the deadline, and by the count of polls. */
        for (unsigned tries = 0; tries < 100000; tries++) {
            long http = 0;
            json_t *j = req(c, "GET", path, hdr, NULL, &http);
            const char *st = json_string_value(json_object_get(j, "status"));
            if (st != NULL && (strcmp(st, "completed") == 0 || strcmp(st, "failed") == 0)) {
                snprintf(cl->status, sizeof cl->status, "%s", st);
                const char *cost = json_string_value(json_object_get(j, "compute_cost"));
                cl->cost = cost != NULL ? strtoull(cost, NULL, 10) : 0;
                char *out =
                    json_dumps(json_object_get(j, "output"), JSON_COMPACT | JSON_ENCODE_ANY);
                cl->ok = strcmp(st, "completed") == 0 && out != NULL && strcmp(out, cl->input) == 0;
                if (!cl->ok) {
                    char msg[200];
                    snprintf(msg, sizeof msg, "call %s: %s, output %s", cl->id, st,
                             out != NULL ? out : "?");
                    note_error(k, msg);
                }
                free(out);
                json_decref(j);
                break;
            }
            json_decref(j);
            if (time(NULL) > deadline) {
                char msg[200];
                snprintf(msg, sizeof msg, "call %s not terminal after %d s", cl->id, DEADLINE_S);
                note_error(k, msg);
                break;
            }
            struct timespec ts = {0, 20 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void run_phase(void *(*fn)(void *))
{
    pthread_t th[MAX_KEYS];
    for (unsigned i = 0; i < nkeys; i++)
        pthread_create(&th[i], NULL, fn, &keys[i]);
    for (unsigned i = 0; i < nkeys; i++)
        pthread_join(th[i], NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 6) {
        fprintf(stderr, "usage: %s URL ADMIN_TOKEN OWNER/NAME [KEYS CALLS_PER_KEY]\n", argv[0]);
        return 2;
    }
    url = argv[1];
    admin = argv[2];
    project = argv[3];
    if (argc == 6) {
        nkeys = (unsigned)atoi(argv[4]);
        per_key = (unsigned)atoi(argv[5]);
    }
    if (nkeys < 1 || nkeys > MAX_KEYS || per_key < 1 || per_key > MAX_PER_KEY) {
        fprintf(stderr, "KEYS 1..%d, CALLS_PER_KEY 1..%d\n", MAX_KEYS, MAX_PER_KEY);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    char hdr[256];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", admin);
    for (unsigned i = 0; i < nkeys; i++) {
        char body[256];
        long http = 0;
        snprintf(body, sizeof body, "{\"owner\":\"load%u.near\",\"initial_balance\":100000000}", i);
        json_t *j = req(c, "POST", "/admin/payment-keys", hdr, body, &http);
        const char *key = json_string_value(json_object_get(j, "key"));
        if (key == NULL) {
            fprintf(stderr, "cannot create key %u (HTTP %ld)\n", i, http);
            return 1;
        }
        keys[i].idx = i;
        snprintf(keys[i].key, sizeof keys[i].key, "%s", key);
        json_decref(j);
    }

    /* The burst must settle before the sync phase: each key is at its in-flight limit. */
    double t0 = now_s();
    run_phase(burst_main);
    double t1 = now_s();
    run_phase(settle_main);
    double t2 = now_s();
    run_phase(sync_main);
    double t3 = now_s();
    run_phase(settle_main);

    unsigned total = 0, completed = 0, errors = 0, bad_balance = 0;
    for (unsigned i = 0; i < nkeys; i++) {
        key_state *k = &keys[i];
        uint64_t sum = 0;
        for (unsigned n = 0; n < k->ncalls; n++) {
            total++;
            completed += k->calls[n].ok;
            sum += k->calls[n].cost;
        }
        errors += k->errors;
        if (k->errors > 0)
            fprintf(stderr, "key %u: %u errors, first: %s\n", i, k->errors, k->first_error);
        char bhdr[256];
        long http = 0;
        snprintf(bhdr, sizeof bhdr, "X-Payment-Key: %s", k->key);
        json_t *j = req(c, "GET", "/payment-keys/balance", bhdr, NULL, &http);
        const char *spent = json_string_value(json_object_get(j, "spent"));
        const char *reserved = json_string_value(json_object_get(j, "reserved"));
        if (spent == NULL || reserved == NULL || strtoull(spent, NULL, 10) != sum ||
            strcmp(reserved, "0") != 0) {
            fprintf(stderr, "key %u: spent %s reserved %s, calls cost %" PRIu64 "\n", i,
                    spent != NULL ? spent : "?", reserved != NULL ? reserved : "?", sum);
            bad_balance++;
        }
        json_decref(j);
    }
    curl_easy_cleanup(c);
    curl_global_cleanup();
    printf("calls: %u submitted, %u completed and echoed, %u errors, %u keys with a wrong "
           "balance\n",
           total, completed, errors, bad_balance);
    printf("burst of %u async calls submitted in %.2f s, all settled %.2f s later; %u sync "
           "calls from %u threads in %.2f s\n",
           nkeys * per_key, t1 - t0, t2 - t1, nkeys * per_key, nkeys, t3 - t2);
    bool ok = total == 2 * nkeys * per_key && completed == total && errors == 0 && bad_balance == 0;
    printf("%s\n", ok ? "every call accounted for" : "FAILED");
    return ok ? 0 : 1;
}
