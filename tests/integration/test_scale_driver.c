/* Client side of the scale-out fault test (scale_fault_test.sh): CALLS calls spread over several
 * coordinators that share one database, while the script kills workers and restarts a
 * coordinator, then an account of every call.
 *
 *   test_scale_driver URL[,URL...] ADMIN_TOKEN OWNER/NAME CALLS THREADS GATES DIR
 *
 * THREADS client threads, each with its own payment key (initial balance 50 000 000 + index,
 * so that every key's figure is distinct), take call numbers from one counter. Call i goes to
 * coordinator i mod (number of URLs) rotated by the thread's index, is async or sync and carries
 * a deposit of 7 micro-USD or none, all chosen by a fixed hash of i, so a run is a reproducible
 * mix: sync callers wait on one coordinator while the worker that ran their call may report to
 * another. A thread keeps at most MAX_OUTSTANDING async calls open (the per-key limit is 10)
 * and polls the oldest when it has that many.
 *
 * Faults happen at fixed points of the run: when call number k * CALLS / (GATES + 1) is taken
 * (k = 1..GATES), the driver creates DIR/gate.K and goes on; the script does fault K and creates
 * DIR/ack.K. Threads wait for that acknowledgement (bounded by GATE_WAIT_S) only when they get
 * half-way to the next gate without it, so the faults hit a loaded system and still all happen
 * inside the run, on a fast build as on a slow one.
 *
 * Retries (each bounded by SUBMIT_TRIES): a submission that fails to connect (a coordinator is
 * restarting) is sent again; one whose answer was lost after the request went out (the
 * coordinator died while the call waited) is sent again too, and the first call, which may
 * exist, is left to the database check of the script (every call in the database must end
 * terminal); 429 and 503 "unavailable" are retried after a pause. A sync call answered 202
 * (the sync timeout passed before the completion reached this coordinator) is polled like an
 * async one.
 *
 * Every call must end `completed` with its input echoed, or `failed` with an error code; a
 * sync call refused with 503 no_worker_available counts as failed with that code. Afterwards
 * every key's balance must show reserved 0 and initial = available + spent, and spent at least
 * the charges and deposits the clients saw (calls orphaned by a lost answer add theirs; the
 * script checks the exact sum against the database). Those orphans may still be settling, so
 * the balance is polled until reserved is 0 or BALANCE_WAIT_S passes.
 *
 * Writes DIR/ids.txt (one call id per line, every id a client was given) and DIR/keys.txt
 * ("owner nonce initial" per key) for the database checks, and prints the counts. Exit status
 * 0 when every call is accounted for. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#define MAX_URLS        8
#define MAX_THREADS     64
#define MAX_GATES       32
#define MAX_CALLS       100000u
#define MAX_OUTSTANDING 4
#define SUBMIT_TRIES    300 /* x RETRY_PAUSE_MS: 30 s for a coordinator to come back */
#define RETRY_PAUSE_MS  100
#define POLL_PAUSE_MS   20
#define REQ_TIMEOUT_S   60
#define DEADLINE_S      150 /* the calls; with the other bounds below the ctest timeout */
#define GATE_WAIT_S     60
#define BALANCE_WAIT_S  30
#define MAX_CODES       16
#define DEPOSIT         7

static const char *urls[MAX_URLS];
static unsigned nurls;
static const char *admin, *project, *dir;
static unsigned ncalls, nthreads, ngates;
static double deadline;
static _Atomic unsigned next_call;
static _Atomic bool gate_made[MAX_GATES + 1];
static _Atomic bool gate_acked[MAX_GATES + 1];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* the counters below, ids.txt */
static FILE *ids_file;

/* Counters (under mu). */
static unsigned n_completed, n_failed, n_no_answer, n_bad_output, n_unexpected;
static unsigned n_async, n_sync, n_sync_202, n_deposit;
static unsigned r_connect, r_lost, r_429, r_503;
static struct {
    char code[48];
    unsigned n;
} codes[MAX_CODES];
static char first_problem[512];

typedef struct call {
    char id[80];
    char input[64];
    bool deposit;
    unsigned url;
} call;

typedef struct thread_state {
    unsigned idx;
    char key[200];
    char owner[64];
    uint64_t nonce;
    uint64_t initial;
    uint64_t seen_spent; /* charges + deposits of its terminal calls, as the API reported */
    call out[MAX_OUTSTANDING + 1];
    unsigned nout;
    CURL *c;
} thread_state;

static thread_state threads[MAX_THREADS];

typedef struct buf {
    char *p;
    size_t len;
} buf;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void problem(const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&mu);
    if (first_problem[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(first_problem, sizeof first_problem, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&mu);
}

static void count(unsigned *n)
{
    pthread_mutex_lock(&mu);
    (*n)++;
    pthread_mutex_unlock(&mu);
}

static void count_code(const char *code)
{
    pthread_mutex_lock(&mu);
    unsigned i;
    for (i = 0; i < MAX_CODES && codes[i].code[0] != '\0'; i++) {
        if (strcmp(codes[i].code, code) == 0)
            break;
    }
    if (i < MAX_CODES) {
        if (codes[i].code[0] == '\0')
            snprintf(codes[i].code, sizeof codes[i].code, "%s", code);
        codes[i].n++;
    }
    pthread_mutex_unlock(&mu);
}

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

/* One request to urls[u]; returns the curl result, the status in *http and the parsed body in
 * *out (an empty object when the body is not JSON; NULL on a transport failure). */
static CURLcode req(CURL *c, unsigned u, const char *method, const char *path, const char *hdr1,
                    const char *hdr2, const char *body, long *http, json_t **out)
{
    char url[512];
    buf b = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    h = curl_slist_append(h, hdr1);
    if (hdr2 != NULL)
        h = curl_slist_append(h, hdr2);
    snprintf(url, sizeof url, "%s%s", urls[u], path);
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)REQ_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (body != NULL)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(h);
    *http = 0;
    *out = NULL;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http);
        *out = b.p != NULL ? json_loads(b.p, 0, NULL) : NULL;
        if (*out == NULL)
            *out = json_object();
    }
    free(b.p);
    return cc;
}

/* Whether the connection was refused: this request created nothing. (libcurl may have sent it
 * first on a reused connection that died and then retried on a new one, so a refused
 * connection does not prove that no call exists; the script's database check covers those.) */
static bool not_sent(CURLcode cc)
{
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

static const char *jstr(json_t *j, const char *k)
{
    return json_string_value(json_object_get(j, k));
}

static void record_id(const char *id)
{
    pthread_mutex_lock(&mu);
    fprintf(ids_file, "%s\n", id);
    pthread_mutex_unlock(&mu);
}

/* A terminal record of cl (from a sync answer or a poll): checks and counts it. */
static void settle(thread_state *t, const call *cl, json_t *j)
{
    const char *st = jstr(j, "status");
    const char *cost = jstr(j, "compute_cost");
    const char *dep = jstr(j, "attached_deposit");
    if (cost != NULL)
        t->seen_spent += strtoull(cost, NULL, 10);
    if (st != NULL && strcmp(st, "completed") == 0) {
        char *o = json_dumps(json_object_get(j, "output"), JSON_COMPACT | JSON_ENCODE_ANY);
        if (o == NULL || strcmp(o, cl->input) != 0) {
            count(&n_bad_output);
            problem("call %s completed with output %s, input was %s", cl->id, o ? o : "?",
                    cl->input);
        }
        free(o);
        /* The deposit goes to the project owner only on success. */
        if (dep != NULL)
            t->seen_spent += strtoull(dep, NULL, 10);
        count(&n_completed);
    } else {
        const char *code = jstr(j, "error_code");
        if (code == NULL || code[0] == '\0') {
            count(&n_unexpected);
            problem("call %s failed without an error code", cl->id);
            code = "(none)";
        }
        count_code(code);
        count(&n_failed);
    }
}

static bool terminal(json_t *j)
{
    const char *st = jstr(j, "status");
    return st != NULL && (strcmp(st, "completed") == 0 || strcmp(st, "failed") == 0);
}

/* Polls cl until terminal; alternates coordinators so a restarting one is not waited for. */
static void poll_call(thread_state *t, const call *cl)
{
    char hdr[256], path[160];
    snprintf(hdr, sizeof hdr, "X-Payment-Key: %s", t->key);
    snprintf(path, sizeof path, "/calls/%s", cl->id);
    unsigned u = cl->url;
    /* Bounded by the run's deadline (each request by REQ_TIMEOUT_S). */
    for (;;) {
        long http = 0;
        json_t *j = NULL;
        req(t->c, u, "GET", path, hdr, NULL, NULL, &http, &j);
        if (http == 200 && terminal(j)) {
            settle(t, cl, j);
            json_decref(j);
            return;
        }
        json_decref(j);
        if (now_s() > deadline) {
            count(&n_no_answer);
            problem("call %s not terminal within %d s", cl->id, DEADLINE_S);
            return;
        }
        u = (u + 1) % nurls;
        pause_ms(POLL_PAUSE_MS);
    }
}

/* Signals fault K when call number at(K) = K * CALLS / (GATES + 1) is reached, without waiting:
 * the script does the fault while the load goes on. Only a thread that reaches at(K) plus half
 * the distance between gates before the script acknowledged K waits for it, so every fault
 * lands inside the run however fast or slow the build is. */
static bool gates_pass(unsigned i)
{
    unsigned step = ncalls / (ngates + 1);
    for (unsigned k = 1; k <= ngates; k++) {
        unsigned at = (unsigned)((uint64_t)k * ncalls / (ngates + 1));
        if (i < at || atomic_load(&gate_acked[k]))
            continue;
        char path[4096];
        if (!atomic_exchange(&gate_made[k], true)) {
            snprintf(path, sizeof path, "%s/gate.%u", dir, k);
            FILE *f = fopen(path, "w");
            if (f == NULL) {
                problem("cannot create %s", path);
                return false;
            }
            fclose(f);
        }
        snprintf(path, sizeof path, "%s/ack.%u", dir, k);
        struct stat sb;
        if (i < at + step / 2) {
            if (stat(path, &sb) == 0)
                atomic_store(&gate_acked[k], true);
            continue;
        }
        double until = now_s() + GATE_WAIT_S;
        while (stat(path, &sb) != 0) {
            if (now_s() > until) {
                problem("fault %u was not acknowledged within %d s", k, GATE_WAIT_S);
                return false;
            }
            pause_ms(5);
        }
        atomic_store(&gate_acked[k], true);
    }
    return true;
}

/* Sends call i; returns after a terminal answer, a pending one (kept in t->out), or failure. */
static void submit(thread_state *t, unsigned i)
{
    uint64_t h = mix(i);
    bool async = (h & 1) != 0;
    bool deposit = ((h >> 1) & 3) == 0;
    unsigned u = (unsigned)((i + t->idx) % nurls);
    call cl = {.deposit = deposit, .url = u};
    snprintf(cl.input, sizeof cl.input, "{\"t\":%u,\"i\":%u}", t->idx, i);
    char body[160], path[160], hkey[256], hdep[64];
    snprintf(body, sizeof body, "{\"input\":%s,\"async\":%s}", cl.input, async ? "true" : "false");
    snprintf(path, sizeof path, "/call/%s", project);
    snprintf(hkey, sizeof hkey, "X-Payment-Key: %s", t->key);
    snprintf(hdep, sizeof hdep, "X-Attached-Deposit: %d", DEPOSIT);
    count(async ? &n_async : &n_sync);
    if (deposit)
        count(&n_deposit);
    for (unsigned tries = 0;; tries++) {
        if (tries == SUBMIT_TRIES || now_s() > deadline) {
            count(&n_no_answer);
            problem("call %u: no answer after %u tries", i, tries);
            return;
        }
        long http = 0;
        json_t *j = NULL;
        CURLcode cc = req(t->c, u, "POST", path, hkey, deposit ? hdep : NULL, body, &http, &j);
        if (cc != CURLE_OK) {
            count(not_sent(cc) ? &r_connect : &r_lost);
            pause_ms(RETRY_PAUSE_MS);
            continue;
        }
        const char *code = jstr(j, "code");
        const char *id = jstr(j, "call_id");
        if (http == 429 || (http == 503 && code != NULL && strcmp(code, "unavailable") == 0)) {
            count(http == 429 ? &r_429 : &r_503);
            json_decref(j);
            pause_ms(RETRY_PAUSE_MS);
            continue;
        }
        if (http == 503 && code != NULL && strcmp(code, "no_worker_available") == 0) {
            /* A definite answer: the call was cancelled, not charged. */
            count_code("no_worker_available (503)");
            count(&n_failed);
            json_decref(j);
            return;
        }
        if ((http != 200 && http != 202) || id == NULL) {
            count(&n_unexpected);
            problem("call %u: HTTP %ld code %s", i, http, code != NULL ? code : "-");
            json_decref(j);
            return;
        }
        snprintf(cl.id, sizeof cl.id, "%s", id);
        record_id(id);
        if (http == 200 && terminal(j)) {
            settle(t, &cl, j);
        } else {
            if (!async)
                count(&n_sync_202);
            t->out[t->nout++] = cl;
        }
        json_decref(j);
        return;
    }
}

static void *thread_main(void *arg)
{
    thread_state *t = arg;
    t->c = curl_easy_init();
    for (;;) {
        unsigned i = atomic_fetch_add(&next_call, 1);
        if (i >= ncalls)
            break;
        if (!gates_pass(i))
            break;
        submit(t, i);
        if (t->nout >= MAX_OUTSTANDING) {
            poll_call(t, &t->out[0]);
            memmove(&t->out[0], &t->out[1], (t->nout - 1) * sizeof t->out[0]);
            t->nout--;
        }
    }
    for (unsigned n = 0; n < t->nout; n++)
        poll_call(t, &t->out[n]);
    t->nout = 0;
    return NULL;
}

/* The key's balance once its reservations are gone: checks initial = available + spent,
 * reserved = 0 and spent = what the clients saw. */
static bool check_balance(thread_state *t)
{
    char hdr[256];
    snprintf(hdr, sizeof hdr, "X-Payment-Key: %s", t->key);
    double until = now_s() + BALANCE_WAIT_S;
    for (unsigned u = 0;; u = (u + 1) % nurls) {
        long http = 0;
        json_t *j = NULL;
        req(t->c, u, "GET", "/payment-keys/balance", hdr, NULL, NULL, &http, &j);
        const char *ini = jstr(j, "initial_balance"), *sp = jstr(j, "spent"),
                   *res = jstr(j, "reserved"), *av = jstr(j, "available");
        if (http == 200 && ini && sp && res && av && strcmp(res, "0") == 0) {
            uint64_t i = strtoull(ini, NULL, 10), s = strtoull(sp, NULL, 10),
                     a = strtoull(av, NULL, 10);
            bool ok = i == t->initial && i == a + s && s >= t->seen_spent;
            if (!ok)
                problem("key %u: initial %s available %s spent %s (created with %" PRIu64
                        ", clients saw %" PRIu64 " spent)",
                        t->idx, ini, av, sp, t->initial, t->seen_spent);
            json_decref(j);
            return ok;
        }
        json_decref(j);
        if (now_s() > until) {
            problem("key %u: reserved %s after %d s", t->idx, res ? res : "?", BALANCE_WAIT_S);
            return false;
        }
        pause_ms(100);
    }
}

static bool create_key(CURL *c, thread_state *t)
{
    char hdr[256], body[256];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", admin);
    t->initial = 50000000u + t->idx;
    snprintf(body, sizeof body, "{\"owner\":\"scale%u.near\",\"initial_balance\":%" PRIu64 "}",
             t->idx, t->initial);
    for (unsigned tries = 0; tries < 50; tries++) {
        long http = 0;
        json_t *j = NULL;
        req(c, tries % nurls, "POST", "/admin/payment-keys", hdr, NULL, body, &http, &j);
        const char *key = jstr(j, "key"), *owner = jstr(j, "owner");
        json_t *nonce = json_object_get(j, "nonce");
        if (http == 201 && key != NULL && owner != NULL) {
            snprintf(t->key, sizeof t->key, "%s", key);
            snprintf(t->owner, sizeof t->owner, "%s", owner);
            t->nonce = json_is_integer(nonce)  ? (uint64_t)json_integer_value(nonce)
                       : json_is_string(nonce) ? strtoull(json_string_value(nonce), NULL, 10)
                                               : 0;
            json_decref(j);
            return true;
        }
        json_decref(j);
        pause_ms(RETRY_PAUSE_MS);
    }
    fprintf(stderr, "cannot create payment key %u\n", t->idx);
    return false;
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: %s URL[,URL...] ADMIN_TOKEN OWNER/NAME CALLS THREADS GATES DIR\n",
                argv[0]);
        return 2;
    }
    char *list = argv[1];
    for (char *save = NULL, *u = strtok_r(list, ",", &save); u != NULL && nurls < MAX_URLS;
         u = strtok_r(NULL, ",", &save))
        urls[nurls++] = u;
    admin = argv[2];
    project = argv[3];
    ncalls = (unsigned)strtoul(argv[4], NULL, 10);
    nthreads = (unsigned)strtoul(argv[5], NULL, 10);
    ngates = (unsigned)strtoul(argv[6], NULL, 10);
    dir = argv[7];
    if (nurls == 0 || ncalls < 1 || ncalls > MAX_CALLS || nthreads < 1 || nthreads > MAX_THREADS ||
        ngates > MAX_GATES) {
        fprintf(stderr, "need 1..%d URLs, CALLS 1..%u, THREADS 1..%d, GATES 0..%d\n", MAX_URLS,
                MAX_CALLS, MAX_THREADS, MAX_GATES);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/ids.txt", dir);
    ids_file = fopen(path, "w");
    if (ids_file == NULL) {
        fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    for (unsigned i = 0; i < nthreads; i++) {
        threads[i].idx = i;
        if (!create_key(c, &threads[i]))
            return 1;
    }

    double t0 = now_s();
    deadline = t0 + DEADLINE_S;
    pthread_t th[MAX_THREADS];
    for (unsigned i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, thread_main, &threads[i]);
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    double t1 = now_s();
    fclose(ids_file);

    unsigned bad_keys = 0;
    snprintf(path, sizeof path, "%s/keys.txt", dir);
    FILE *kf = fopen(path, "w");
    for (unsigned i = 0; i < nthreads; i++) {
        bad_keys += !check_balance(&threads[i]);
        if (kf != NULL)
            fprintf(kf, "%s %" PRIu64 " %" PRIu64 "\n", threads[i].owner, threads[i].nonce,
                    threads[i].initial);
        curl_easy_cleanup(threads[i].c);
    }
    if (kf == NULL || fclose(kf) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        bad_keys++;
    }
    curl_easy_cleanup(c);
    curl_global_cleanup();

    unsigned accounted = n_completed + n_failed;
    printf("driver: %u calls (%u sync, %u async, %u with a deposit) over %u coordinator(s) from "
           "%u threads in %.1f s\n",
           ncalls, n_sync, n_async, n_deposit, nurls, nthreads, t1 - t0);
    printf("driver: %u completed and echoed, %u failed", n_completed - n_bad_output, n_failed);
    for (unsigned i = 0; i < MAX_CODES && codes[i].code[0] != '\0'; i++)
        printf("%s %s %u", i == 0 ? ":" : ",", codes[i].code, codes[i].n);
    printf("\n");
    printf("driver: sync calls answered 202 and polled: %u; resent after a refused connection: "
           "%u, after a lost answer: %u, after 429: %u, after 503 unavailable: %u\n",
           n_sync_202, r_connect, r_lost, r_429, r_503);
    printf("driver: %u keys with a wrong balance, %u calls without a terminal answer, %u wrong "
           "outputs, %u unexpected answers\n",
           bad_keys, n_no_answer, n_bad_output, n_unexpected);
    if (first_problem[0] != '\0')
        printf("driver: first problem: %s\n", first_problem);
    bool ok = accounted == ncalls && n_no_answer == 0 && n_bad_output == 0 && n_unexpected == 0 &&
              bad_keys == 0;
    printf("driver: %s\n", ok ? "every call accounted for" : "FAILED");
    return ok ? 0 : 1;
}
