/* The worker process against a scripted coordinator (libmicrohttpd on 127.0.0.1, ephemeral
 * port): registration, poll, module fetch through the cache, run, signed completion; a module
 * whose bytes do not match its hash reported as invalid_module; a lease taken away (renew
 * answers 409) cancelling the run and dropping the result; and a stop while a job runs, which
 * finishes and reports it within the grace period. Every wait is bounded. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "ol/evidence.h"
#include "ol/log.h"
#include "ol/worker.h"
#include "test.h"

/* (module (import "wasi_snapshot_preview1" "fd_write" ...) (memory 1) writes {"ok":1}) */
static const uint8_t quick_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60, 0x04, 0x7f, 0x7f,
    0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x02, 0x23, 0x01, 0x16, 0x77, 0x61, 0x73, 0x69,
    0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69,
    0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x00, 0x03,
    0x02, 0x01, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65, 0x6d,
    0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x01, 0x0a,
    0x0f, 0x01, 0x0d, 0x00, 0x41, 0x01, 0x41, 0x00, 0x41, 0x01, 0x41, 0x08, 0x10, 0x00, 0x1a,
    0x0b, 0x0b, 0x1b, 0x02, 0x00, 0x41, 0x10, 0x0b, 0x08, 0x7b, 0x22, 0x6f, 0x6b, 0x22, 0x3a,
    0x31, 0x7d, 0x00, 0x41, 0x00, 0x0b, 0x08, 0x10, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00};

/* (module (memory 1) (func _start: count 2e9 down to 0)): runs until its timeout. */
static const uint8_t slow_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
    0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65, 0x6d,
    0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a,
    0x1a, 0x01, 0x18, 0x01, 0x01, 0x7f, 0x41, 0x80, 0xa8, 0xd6, 0xb9, 0x07, 0x21, 0x00, 0x03,
    0x40, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x0b};

#define TOKEN     "test-worker-token"
#define MAX_TASKS 8

/* ---- the scripted coordinator ---------------------------------------------------------------- */

static struct fake {
    pthread_mutex_t mu;
    char *tasks[MAX_TASKS]; /* delivered in order by /worker/poll */
    size_t ntasks, next_task;
    char quick_hex[65], slow_hex[65];
    bool lie; /* serve other bytes than the hash asks for */
    unsigned renew_status;
    char *completions[MAX_TASKS];
    size_t ncompletions;
    unsigned renews, heartbeats, fetches, registers, bad_auth;
    char public_key[128];
} fk = {.mu = PTHREAD_MUTEX_INITIALIZER};

typedef struct upload {
    char *p;
    size_t len;
} upload;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body,
                             size_t len, const char *ctype)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", ctype);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result json_reply(struct MHD_Connection *c, unsigned status, const char *body)
{
    return reply(c, status, body, strlen(body), "application/json");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *data_len, void **con_cls)
{
    (void)cls;
    (void)version;
    upload *u = *con_cls;
    if (u == NULL) {
        u = calloc(1, sizeof *u);
        *con_cls = u;
        return MHD_YES;
    }
    if (*data_len > 0) {
        u->p = realloc(u->p, u->len + *data_len + 1);
        memcpy(u->p + u->len, data, *data_len);
        u->len += *data_len;
        u->p[u->len] = '\0';
        *data_len = 0;
        return MHD_YES;
    }
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth == NULL || strcmp(auth, "Bearer " TOKEN) != 0) {
        pthread_mutex_lock(&fk.mu);
        fk.bad_auth++;
        pthread_mutex_unlock(&fk.mu);
        return json_reply(c, 401, "{\"error\":\"no\",\"code\":\"unauthorized\"}");
    }
    enum MHD_Result rc;
    pthread_mutex_lock(&fk.mu);
    if (strcmp(url, "/worker/register") == 0 && strcmp(method, "POST") == 0) {
        json_t *j = json_loads(u->p != NULL ? u->p : "", 0, NULL);
        snprintf(fk.public_key, sizeof fk.public_key, "%s",
                 json_string_value(json_object_get(j, "public_key")));
        json_decref(j);
        fk.registers++;
        rc = json_reply(c, 200, "{\"worker_id\":\"w-1\",\"lease_ms\":1000,\"heartbeat_ms\":200}");
    } else if (strcmp(url, "/worker/poll") == 0) {
        if (fk.next_task < fk.ntasks) {
            const char *t = fk.tasks[fk.next_task++];
            rc = json_reply(c, 200, t);
        } else {
            pthread_mutex_unlock(&fk.mu);
            usleep(50000); /* a short long-poll */
            pthread_mutex_lock(&fk.mu);
            rc = reply(c, 204, "", 0, "application/json");
        }
    } else if (strncmp(url, "/wasm/", 6) == 0) {
        fk.fetches++;
        bool quick = strcmp(url + 6, fk.quick_hex) == 0;
        if (fk.lie)
            quick = !quick; /* the other module's bytes */
        if (quick)
            rc = reply(c, 200, (const char *)quick_wasm, sizeof quick_wasm, "application/wasm");
        else
            rc = reply(c, 200, (const char *)slow_wasm, sizeof slow_wasm, "application/wasm");
    } else if (strcmp(url, "/worker/renew") == 0) {
        fk.renews++;
        rc = json_reply(c, fk.renew_status,
                        fk.renew_status == 200 ? "{\"lease_ms\":300}"
                                               : "{\"error\":\"lost\","
                                                 "\"code\":\"lease_lost\"}");
    } else if (strcmp(url, "/worker/heartbeat") == 0) {
        fk.heartbeats++;
        rc = json_reply(c, 200, "{}");
    } else if (strcmp(url, "/worker/complete") == 0) {
        if (fk.ncompletions < MAX_TASKS)
            fk.completions[fk.ncompletions++] = strdup(u->p != NULL ? u->p : "");
        rc = json_reply(c, 200, "{\"settled\":true}");
    } else {
        rc = json_reply(c, 404, "{\"error\":\"no route\",\"code\":\"not_found\"}");
    }
    pthread_mutex_unlock(&fk.mu);
    return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    upload *u = *con_cls;
    if (u != NULL) {
        free(u->p);
        free(u);
    }
    *con_cls = NULL;
}

static struct MHD_Daemon *daemon_;
static char url_[64];

static int setup(void **state)
{
    (void)state;
    uint8_t h[32];
    crypto_hash_sha256(h, quick_wasm, sizeof quick_wasm);
    ol_evidence_hex(h, fk.quick_hex);
    crypto_hash_sha256(h, slow_wasm, sizeof slow_wasm);
    ol_evidence_hex(h, fk.slow_hex);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = 0; /* ephemeral */
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                               NULL, NULL, handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed,
                               NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    if (daemon_ == NULL)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(url_, sizeof url_, "http://127.0.0.1:%u", (unsigned)info->port);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    return 0;
}

static void reset(void)
{
    pthread_mutex_lock(&fk.mu);
    for (size_t i = 0; i < fk.ntasks; i++)
        free(fk.tasks[i]);
    for (size_t i = 0; i < fk.ncompletions; i++)
        free(fk.completions[i]);
    fk.ntasks = fk.next_task = fk.ncompletions = 0;
    fk.lie = false;
    fk.renew_status = 200;
    fk.renews = fk.heartbeats = fk.fetches = fk.registers = fk.bad_auth = 0;
    pthread_mutex_unlock(&fk.mu);
}

static void add_task(const char *id, const char *hex, unsigned lease_ms, unsigned exec_ms)
{
    char *t = malloc(1024);
    snprintf(t, 1024,
             "{\"task_id\":\"%s\",\"attempt\":1,\"lease_ms\":%u,\"call_id\":\"call-%s\","
             "\"project_id\":\"alice.near/app\",\"version_key\":\"%s\","
             "\"input_base64\":\"e30=\",\"env\":{\"OUTLAYER_EXECUTION_TYPE\":\"HTTPS\"},"
             "\"limits\":{\"max_instructions\":100000000000,\"max_memory_mb\":16,"
             "\"max_execution_ms\":%u,\"max_output_bytes\":1024}}",
             id, lease_ms, id, hex, exec_ms);
    pthread_mutex_lock(&fk.mu);
    fk.tasks[fk.ntasks++] = t;
    pthread_mutex_unlock(&fk.mu);
}

/* ---- the worker under test --------------------------------------------------------------------
 */

typedef struct runner {
    ol_worker *w;
    pthread_t th;
    ol_err rc;
    ol_diag d;
    char dir[64];
} runner;

static void *run_main(void *arg)
{
    runner *r = arg;
    r->rc = ol_worker_run(r->w, &r->d);
    return NULL;
}

static void start(runner *r, unsigned concurrency, unsigned grace_ms)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/ol-test-worker-loop-XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    ol_worker_config cfg = {
        .coordinator_url = url_,
        .token = TOKEN,
        .data_dir = r->dir,
        .name = "test",
        .concurrency = concurrency,
        .poll_timeout_ms = 1000,
        .shutdown_grace_ms = grace_ms,
        .http_timeout_ms = 5000,
        .register_timeout_ms = 5000,
    };
    ol_diag d = {0};
    assert_int_equal(ol_worker_new(&cfg, &r->w, &d), OL_OK);
    assert_int_equal(pthread_create(&r->th, NULL, run_main, r), 0);
}

static void stop(runner *r)
{
    ol_worker_stop(r->w);
    pthread_join(r->th, NULL);
    assert_int_equal(r->rc, OL_OK);
    ol_worker_stats st;
    ol_worker_get_stats(r->w, &st);
    assert_int_equal(st.abandoned, 0);
    ol_worker_free(r->w);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", r->dir);
    assert_int_equal(system(cmd), 0);
}

/* Waits (at most ms) until n completions arrived. */
static bool wait_completions(size_t n, unsigned ms)
{
    for (unsigned i = 0; i < ms / 20; i++) {
        pthread_mutex_lock(&fk.mu);
        bool done = fk.ncompletions >= n;
        pthread_mutex_unlock(&fk.mu);
        if (done)
            return true;
        usleep(20000);
    }
    return false;
}

static json_t *completion(size_t i)
{
    pthread_mutex_lock(&fk.mu);
    json_t *j = json_loads(fk.completions[i], 0, NULL);
    pthread_mutex_unlock(&fk.mu);
    assert_non_null(j);
    return j;
}

static void test_worker_runs_and_reports(void **state)
{
    (void)state;
    reset();
    /* Four tasks of one module on four slots at once: one download, the rest wait for it or
     * hit the cache. */
    add_task("t1", fk.quick_hex, 1000, 5000);
    add_task("t1b", fk.quick_hex, 1000, 5000);
    add_task("t1c", fk.quick_hex, 1000, 5000);
    add_task("t2", fk.quick_hex, 1000, 5000);
    runner r;
    start(&r, 4, 5000);
    assert_true(wait_completions(4, 10000));
    json_t *j = completion(0);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(j, "worker_id")), "w-1");
    assert_string_equal(json_string_value(json_object_get(j, "output_base64")), "eyJvayI6MX0=");
    assert_int_equal(json_integer_value(json_object_get(j, "attempt")), 1);
    assert_true(json_integer_value(json_object_get(j, "instructions")) > 0);
    char *ev = json_dumps(json_object_get(j, "evidence"), JSON_COMPACT);
    ol_evidence_record rec;
    char sig[OL_NEAR_KEY_STR_MAX];
    ol_diag d = {0};
    assert_int_equal(ol_evidence_parse(ev, strlen(ev), &rec, sig, &d), OL_OK);
    ol_near_public_key pk;
    assert_int_equal(ol_near_public_key_parse(fk.public_key, &pk, &d), OL_OK);
    assert_int_equal(ol_evidence_verify(&rec, sig, &pk, &d), OL_OK);
    assert_string_equal(rec.wasm_sha256, fk.quick_hex);
    assert_string_equal(rec.worker_public_key, ol_worker_public_key(r.w));
    assert_string_equal(rec.status, "ok");
    free(ev);
    json_decref(j);
    /* One fetch for four runs of the same module. */
    pthread_mutex_lock(&fk.mu);
    assert_int_equal(fk.fetches, 1);
    assert_int_equal(fk.registers, 1);
    assert_true(fk.heartbeats >= 1);
    assert_int_equal(fk.bad_auth, 0);
    pthread_mutex_unlock(&fk.mu);
    ol_worker_stats st;
    ol_worker_get_stats(r.w, &st);
    assert_int_equal(st.tasks_run, 4);
    assert_int_equal(st.tasks_reported, 4);
    assert_int_equal(st.cache_fetches, 1);
    assert_int_equal(st.cache_hits, 3);
    stop(&r);
}

static void test_worker_rejects_module_with_wrong_hash(void **state)
{
    (void)state;
    reset();
    fk.lie = true;
    add_task("t3", fk.quick_hex, 1000, 5000);
    runner r;
    start(&r, 1, 5000);
    assert_true(wait_completions(1, 10000));
    json_t *j = completion(0);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "invalid_module");
    assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "hash"));
    json_decref(j);
    ol_worker_stats st;
    ol_worker_get_stats(r.w, &st);
    assert_int_equal(st.tasks_run, 0);
    stop(&r);
}

static void test_worker_drops_result_when_lease_lost(void **state)
{
    (void)state;
    reset();
    fk.renew_status = 409;
    /* Lease 300 ms: renewed after 100 ms, answered 409; the run is cancelled then, long before
     * its 20 s timeout, and its result dropped. */
    add_task("t4", fk.slow_hex, 300, 20000);
    runner r;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    start(&r, 1, 5000);
    ol_worker_stats st;
    for (int i = 0; i < 500; i++) {
        ol_worker_get_stats(r.w, &st);
        if (st.tasks_dropped > 0)
            break;
        usleep(20000);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(st.tasks_dropped, 1);
    assert_int_equal(st.tasks_run, 1);
    long ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms < 5000);
    pthread_mutex_lock(&fk.mu);
    assert_true(fk.renews >= 1);
    assert_int_equal(fk.ncompletions, 0);
    pthread_mutex_unlock(&fk.mu);
    stop(&r);
}

static void test_worker_stop_finishes_running_job(void **state)
{
    (void)state;
    reset();
    add_task("t5", fk.slow_hex, 1000, 800); /* ends by its 800 ms timeout */
    runner r;
    start(&r, 1, 10000);
    /* Wait until the job runs: its lease was renewed once (at a third of 1 s). */
    for (int i = 0; i < 250; i++) {
        pthread_mutex_lock(&fk.mu);
        bool renewed = fk.renews >= 1;
        pthread_mutex_unlock(&fk.mu);
        if (renewed)
            break;
        usleep(20000);
    }
    stop(&r); /* returns only after the job reported */
    pthread_mutex_lock(&fk.mu);
    assert_int_equal(fk.ncompletions, 1);
    pthread_mutex_unlock(&fk.mu);
    json_t *j = completion(0);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "timeout");
    json_decref(j);
    /* Renewals kept the 1 s lease alive meanwhile (every ~333 ms). */
    pthread_mutex_lock(&fk.mu);
    assert_true(fk.renews >= 1);
    pthread_mutex_unlock(&fk.mu);
}

static void test_worker_refused_token(void **state)
{
    (void)state;
    reset();
    char dir[] = "/tmp/ol-test-worker-tok-XXXXXX";
    assert_non_null(mkdtemp(dir));
    ol_worker_config cfg = {
        .coordinator_url = url_,
        .token = "wrong",
        .data_dir = dir,
        .register_timeout_ms = 2000,
    };
    ol_worker *w = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_worker_new(&cfg, &w, &d), OL_OK);
    assert_int_equal(ol_worker_run(w, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "refused"));
    assert_null(strstr(d.msg, "wrong"));
    ol_worker_free(w);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    ol_log_set_level(OL_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_runs_and_reports),
        cmocka_unit_test(test_worker_rejects_module_with_wrong_hash),
        cmocka_unit_test(test_worker_drops_result_when_lease_lost),
        cmocka_unit_test(test_worker_stop_finishes_running_job),
        cmocka_unit_test(test_worker_refused_token),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    reset();
    return rc;
}
