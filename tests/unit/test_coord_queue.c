/* Two coordinators on one store and one queue (issue #8): every ol_coord here stands for a
 * coordinator process with its own store handle, its own queue handle and its own
 * subscription, sharing the database and the queue with the other. For every combination of
 * queue and store backend (sql+sqlite always; sql+postgres with OL_TEST_POSTGRES_URL;
 * redis+sqlite with OL_TEST_REDIS_URL; redis+postgres with both; a missing URL is a loud SKIP,
 * and a failure under CI=true, as in test_queue_conformance.c):
 *   - a synchronous /call waiting on coordinator A is woken and answered when the worker
 *     claims and completes through coordinator B;
 *   - a lease taken through B that lapses is re-delivered through A (a long poll on A is woken
 *     by B's sweep), and B's late completion of the lapsed attempt is refused;
 *   - sweeps running at once on both coordinators, racing late completions, end every call
 *     exactly once and the money adds up to the micro-USD.
 *
 * Store timestamps come from a shared fake clock; waits use the real monotonic clock and are
 * bounded far above what a working wake-up needs (a missing wake-up shows as a wrong answer or
 * a join that does not happen within the bound, never as a tight timing threshold).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "coord_int.h"
#include "ol/coord.h"
#include "test.h"

/* ------------------------------------ backends ------------------------------------ */

typedef struct combo {
    const char *name;
    bool redis;    /* queue: redis (else sql) */
    bool postgres; /* store: postgres (else sqlite) */
} combo;

static const combo combos[] = {
    {"sql+sqlite", false, false},
    {"sql+postgres", false, true},
    {"redis+sqlite", true, false},
    {"redis+postgres", true, true},
};

static const combo *current;
static unsigned long serial;

static void pg_schema(char *name, size_t cap)
{
    snprintf(name, cap, "ol_coord_queue_%ld", (long)getpid());
}

static bool pg_exec(const char *sql)
{
    PGconn *db = PQconnectdb(getenv("OL_TEST_POSTGRES_URL"));
    bool ok = PQstatus(db) == CONNECTION_OK;
    if (ok) {
        PGresult *r = PQexec(db, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "pg: %s: %s", sql, PQerrorMessage(db));
        PQclear(r);
    } else {
        fprintf(stderr, "pg: %s", PQerrorMessage(db));
    }
    PQfinish(db);
    return ok;
}

/* ------------------------------------ harness ------------------------------------ */

static const char ADMIN[] = "admin-secret-token";
static const char WTOKEN[] = "worker-secret-token";
static const uint8_t MOD1[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
static const char TRANSCRIPT[] = "outlayer-transcript 1\n";
static const uint64_t LEASE_MS = 1000;

/* One request's response (each thread uses its own). */
typedef struct R {
    ol_near_arena *ar;
    ol_coord_resp resp;
    json_t *json;
} R;

typedef struct fx {
    char dir[64];
    char store_url[600];
    char queue_url[300];
    char prefix[64];
    ol_store *sa, *sb;
    ol_coord *a, *b;
    _Atomic uint64_t now;
    char key[200];
    char worker_id[64];
    ol_near_secret_key wsk;
} fx;

static uint64_t fake_now(void *ud)
{
    return atomic_load(&((fx *)ud)->now);
}

static ol_coord *new_coord(fx *f, ol_store **store)
{
    ol_diag d = {0};
    ol_store_options so = {.pool_size = 4};
    if (ol_store_open(f->store_url, &so, store, &d) != OL_OK)
        fail_msg("store open %s: %s", f->store_url, d.msg);
    ol_coord_config cfg;
    ol_opts_result res;
    char *noenv[] = {NULL};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &cfg, 0, NULL, noenv, &res, &d), OL_OK);
    free(res.pos);
#define SET(field, v)               \
    do {                            \
        free(cfg.field);            \
        cfg.field = strdup(v);      \
        assert_non_null(cfg.field); \
    } while (0)
    SET(db, f->store_url);
    SET(queue, f->queue_url);
    SET(queue_prefix, f->prefix);
    SET(admin_token, ADMIN);
    SET(worker_token, WTOKEN);
#undef SET
    cfg.lease_ms = LEASE_MS;
    cfg.max_attempts = 2;
    cfg.max_concurrent_calls = 0;
    /* Far above any wait here: a sync call answers only because it was woken. */
    cfg.queue_wait_ms = 600000;
    cfg.sync_timeout_ms = 600000;
    ol_coord *c = NULL;
    if (ol_coord_new(&cfg, *store, &c, &d) != OL_OK)
        fail_msg("coordinator on %s: %s", current->name, d.msg);
    ol_opts_free(&ol_coord_opt_table, &cfg);
    ol_coord_set_clock(c, fake_now, f);
    return c;
}

static void r_reset(R *r)
{
    json_decref(r->json);
    r->json = NULL;
    ol_near_arena_free(r->ar);
    r->ar = NULL;
}

static void parse(R *r)
{
    if (r->resp.body_len > 0 && r->resp.content_type != NULL &&
        strcmp(r->resp.content_type, "application/json") == 0) {
        r->json = json_loadb((const char *)r->resp.body, r->resp.body_len, 0, NULL);
        if (r->json == NULL)
            fail_msg("response is not JSON: %.*s", (int)r->resp.body_len,
                     (const char *)r->resp.body);
    }
}

/* Sends a request; auth: "admin", "worker", a payment key, or NULL. */
static unsigned send(ol_coord *c, R *r, const char *method, const char *path, const char *query,
                     const char *auth, const char *body, size_t len)
{
    r_reset(r);
    assert_int_equal(ol_near_arena_new(NULL, &r->ar, NULL), OL_OK);
    char bearer[128];
    ol_coord_header hv[2];
    size_t n = 0;
    if (auth != NULL && (strcmp(auth, "admin") == 0 || strcmp(auth, "worker") == 0)) {
        snprintf(bearer, sizeof bearer, "Bearer %s", strcmp(auth, "admin") == 0 ? ADMIN : WTOKEN);
        hv[n++] = (ol_coord_header){"Authorization", bearer};
    } else if (auth != NULL) {
        hv[n++] = (ol_coord_header){"X-Payment-Key", auth};
    }
    ol_coord_req q = {.method = method,
                      .path = path,
                      .query = query,
                      .headers = hv,
                      .nheaders = n,
                      .body = (const uint8_t *)body,
                      .body_len = body != NULL ? (len != 0 ? len : strlen(body)) : 0};
    ol_coord_handle(c, &q, r->ar, &r->resp);
    if (r->resp.defer.kind == OL_COORD_DEFER_NONE)
        parse(r);
    return r->resp.status;
}

static const char *jstr(const json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    if (current->postgres) {
        char schema[64], sql[300];
        pg_schema(schema, sizeof schema);
        snprintf(sql, sizeof sql,
                 "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE;"
                 " CREATE SCHEMA %s",
                 schema, schema);
        assert_true(pg_exec(sql));
        const char *base = getenv("OL_TEST_POSTGRES_URL");
        snprintf(f->store_url, sizeof f->store_url, "%s%coptions=-csearch_path%%3D%s", base,
                 strchr(base, '?') != NULL ? '&' : '?', schema);
    } else {
        snprintf(f->dir, sizeof f->dir, "/tmp/ol-coord-queue-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->store_url, sizeof f->store_url, "sqlite:%s/store.db", f->dir);
    }
    snprintf(f->queue_url, sizeof f->queue_url, "%s",
             current->redis ? getenv("OL_TEST_REDIS_URL") : "sql");
    snprintf(f->prefix, sizeof f->prefix, "olcq-%ld-%lu-%08x", (long)getpid(), ++serial,
             (unsigned)rand());
    atomic_store(&f->now, 1700000000000ull);
    f->a = new_coord(f, &f->sa);
    f->b = new_coord(f, &f->sb);
    assert_string_equal(ol_queue_kind(f->a->queue), current->redis ? "redis" : "sql");

    /* alice.near/app (through A), bob's key (through B), a worker (through A). */
    R r = {0};
    assert_int_equal(send(f->a, &r, "POST", "/admin/projects", NULL, "admin",
                          "{\"owner\":\"alice.near\",\"name\":\"app\"}", 0),
                     201);
    assert_int_equal(send(f->a, &r, "POST", "/admin/projects/alice.near/app/versions",
                          "activate=true", "admin", (const char *)MOD1, sizeof MOD1),
                     201);
    assert_int_equal(send(f->b, &r, "POST", "/admin/payment-keys", NULL, "admin",
                          "{\"owner\":\"bob.near\",\"initial_balance\":1000000}", 0),
                     201);
    strcpy(f->key, jstr(r.json, "key"));
    uint8_t seed[32];
    memset(seed, 9, sizeof seed);
    ol_near_secret_key_from_seed(seed, &f->wsk);
    ol_near_public_key pk;
    ol_near_secret_key_public(&f->wsk, &pk);
    char pks[OL_NEAR_KEY_STR_MAX], body[300];
    ol_near_public_key_format(&pk, pks);
    snprintf(body, sizeof body, "{\"worker_name\":\"w1\",\"public_key\":\"%s\",\"capacity\":64}",
             pks);
    assert_int_equal(send(f->a, &r, "POST", "/worker/register", NULL, "worker", body, 0), 200);
    strcpy(f->worker_id, jstr(r.json, "worker_id"));
    r_reset(&r);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ol_coord_free(f->a);
    ol_coord_free(f->b);
    ol_store_close(f->sa);
    ol_store_close(f->sb);
    if (f->dir[0] != '\0') {
        char p[128];
        snprintf(p, sizeof p, "rm -rf %s", f->dir);
        assert_int_equal(system(p), 0);
    }
    free(f);
    return 0;
}

/* ------------------------------------ the worker ------------------------------------ */

/* Claims a task through c (no wait). The task JSON (caller decrefs) or NULL on 204. */
static json_t *poll_task(fx *f, ol_coord *c)
{
    R r = {0};
    char q[160];
    snprintf(q, sizeof q, "worker_id=%s&timeout_ms=0", f->worker_id);
    unsigned st = send(c, &r, "GET", "/worker/poll", q, "worker", NULL, 0);
    json_t *t = st == 200 ? json_incref(r.json) : NULL;
    if (st != 200 && st != 204)
        fail_msg("poll: %u %.*s", st, (int)r.resp.body_len, (const char *)r.resp.body);
    r_reset(&r);
    return t;
}

static void hex_of(const void *p, size_t n, char out[65])
{
    uint8_t h[32];
    crypto_hash_sha256(h, p, n);
    ol_evidence_hex(h, out);
}

/* Reports a successful run of `task` (signed evidence) through c. Returns the HTTP status;
 * *settled (may be NULL) receives the answer's "settled". */
static unsigned complete(fx *f, ol_coord *c, json_t *task, bool *settled)
{
    const char *in64 = jstr(task, "input_base64");
    uint8_t input[4096];
    size_t ilen = 0;
    assert_int_equal(sodium_base642bin(input, sizeof input, in64, strlen(in64), NULL, &ilen, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    static const char out[] = "{\"ok\":1}";
    ol_evidence_record rec;
    memset(&rec, 0, sizeof rec);
    rec.version = 1;
    strcpy(rec.call_id, jstr(task, "call_id"));
    strcpy(rec.project_id, jstr(task, "project_id"));
    strcpy(rec.wasm_sha256, jstr(task, "version_key"));
    hex_of(input, ilen, rec.input_sha256);
    hex_of(out, strlen(out), rec.output_sha256);
    hex_of(TRANSCRIPT, strlen(TRANSCRIPT), rec.transcript_sha256);
    rec.instructions = 1000000;
    strcpy(rec.status, "ok");
    strcpy(rec.worker_id, f->worker_id);
    ol_near_public_key pk;
    ol_near_secret_key_public(&f->wsk, &pk);
    ol_near_public_key_format(&pk, rec.worker_public_key);
    char sig[OL_NEAR_KEY_STR_MAX];
    assert_int_equal(ol_evidence_sign(&rec, &f->wsk, sig, NULL), OL_OK);
    char *env = NULL;
    assert_int_equal(ol_evidence_envelope(&rec, sig, &env, NULL, NULL), OL_OK);
    char out64[64], tr64[64];
    sodium_bin2base64(out64, sizeof out64, (const uint8_t *)out, strlen(out),
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(tr64, sizeof tr64, (const uint8_t *)TRANSCRIPT, strlen(TRANSCRIPT),
                      sodium_base64_VARIANT_ORIGINAL);
    json_t *b = json_object();
    json_object_set_new(b, "worker_id", json_string(f->worker_id));
    json_object_set(b, "task_id", json_object_get(task, "task_id"));
    json_object_set(b, "attempt", json_object_get(task, "attempt"));
    json_object_set_new(b, "status", json_string("ok"));
    json_object_set_new(b, "exit_code", json_integer(0));
    json_object_set_new(b, "output_base64", json_string(out64));
    json_object_set_new(b, "stderr", json_string(""));
    json_object_set_new(b, "error", json_null());
    json_object_set_new(b, "instructions", json_integer(1000000));
    json_object_set_new(b, "time_ms", json_integer(2));
    json_object_set_new(b, "transcript_base64", json_string(tr64));
    json_object_set_new(b, "evidence", json_loads(env, 0, NULL));
    char *text = json_dumps(b, JSON_COMPACT);
    R r = {0};
    unsigned st = send(c, &r, "POST", "/worker/complete", NULL, "worker", text, 0);
    if (settled != NULL)
        *settled = st == 200 && json_is_true(json_object_get(r.json, "settled"));
    r_reset(&r);
    free(text);
    json_decref(b);
    free(env);
    return st;
}

/* The price of complete()'s run: base 100 + 1 per million instructions + 1 per ms. */
#define RUN_PRICE 103u

/* ------------------------------------ waiters ------------------------------------ */

typedef struct finisher {
    ol_coord *c;
    ol_coord_defer df;
    R r;
    pthread_t th;
} finisher;

static void *finish_main(void *arg)
{
    finisher *w = arg;
    ol_coord_finish(w->c, &w->df, w->r.ar, &w->r.resp);
    return NULL;
}

/* Hands the deferred response in *r to a thread blocked in ol_coord_finish() on c. */
static void start_finisher(ol_coord *c, R *r, finisher *w)
{
    assert_int_not_equal(r->resp.defer.kind, OL_COORD_DEFER_NONE);
    w->c = c;
    w->df = r->resp.defer;
    w->r.ar = r->ar;
    r->ar = NULL;
    assert_int_equal(pthread_create(&w->th, NULL, finish_main, w), 0);
}

/* Joins the finisher; fails (after waking it through shutdown) when it has not answered within
 * `bound_s` — far more than a working wake-up needs, far less than the configured waits. */
static void join_finisher(finisher *w, unsigned bound_s, const char *what)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += bound_s;
    if (pthread_timedjoin_np(w->th, NULL, &ts) != 0) {
        ol_coord_shutdown(w->c);
        pthread_join(w->th, NULL);
        fail_msg("%s (%s): no answer within %u s: the cross-coordinator wake-up did not arrive",
                 what, current->name, bound_s);
    }
    parse(&w->r);
}

static void balance_is(fx *f, ol_coord *c, uint64_t spent)
{
    R r = {0};
    assert_int_equal(send(c, &r, "GET", "/payment-keys/balance", NULL, f->key, NULL, 0), 200);
    char v[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)spent);
    if (strcmp(jstr(r.json, "spent"), v) != 0 || strcmp(jstr(r.json, "reserved"), "0") != 0)
        fail_msg("balance (%s): spent %s reserved %s, want spent %s reserved 0", current->name,
                 jstr(r.json, "spent"), jstr(r.json, "reserved"), v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)(1000000 - spent));
    assert_string_equal(jstr(r.json, "available"), v);
    r_reset(&r);
}

/* ------------------------------------- tests ------------------------------------- */

/* A synchronous caller on A; the worker knows only B. */
static void test_cq_sync_woken_across(void **state)
{
    fx *f = *state;
    R r = {0};
    assert_int_equal(send(f->a, &r, "POST", "/call/alice.near/app", NULL, f->key, "{}", 0), 200);
    assert_int_equal(r.resp.defer.kind, OL_COORD_DEFER_CALL);
    char call_id[64];
    strcpy(call_id, r.resp.defer.id);
    finisher w = {0};
    start_finisher(f->a, &r, &w);
    usleep(20 * 1000); /* usually blocked by now: the wake-up, not the first read, answers */
    json_t *t = poll_task(f, f->b);
    assert_non_null(t);
    assert_string_equal(jstr(t, "call_id"), call_id);
    bool settled = false;
    assert_int_equal(complete(f, f->b, t, &settled), 200);
    assert_true(settled);
    json_decref(t);
    join_finisher(&w, 60, "sync call on A completed through B");
    assert_int_equal(w.r.resp.status, 200);
    assert_string_equal(jstr(w.r.json, "status"), "completed");
    assert_string_equal(jstr(w.r.json, "compute_cost"), "103");
    r_reset(&w.r);
    balance_is(f, f->a, RUN_PRICE);
    /* The health of both reports the queue. */
    assert_int_equal(send(f->b, &r, "GET", "/health", NULL, NULL, NULL, 0), 200);
    json_t *q = json_object_get(r.json, "queue");
    assert_string_equal(jstr(q, "kind"), current->redis ? "redis" : "sql");
    assert_string_equal(jstr(q, "status"), "ok");
    r_reset(&r);
}

/* B's lease lapses; B's sweep wakes a long poll on A, which gets attempt 2. */
static void test_cq_lapse_redelivered_across(void **state)
{
    fx *f = *state;
    R r = {0};
    assert_int_equal(
        send(f->b, &r, "POST", "/call/alice.near/app", NULL, f->key, "{\"async\":true}", 0), 202);
    char call_id[64];
    strcpy(call_id, jstr(r.json, "call_id"));
    json_t *t1 = poll_task(f, f->b);
    assert_non_null(t1);
    assert_int_equal(json_integer_value(json_object_get(t1, "attempt")), 1);
    assert_null(poll_task(f, f->a)); /* leased: nothing for A */

    /* A long poll on A (60 s: an answer of 204 would mean it was never woken). */
    char q[160];
    snprintf(q, sizeof q, "worker_id=%s&timeout_ms=60000", f->worker_id);
    assert_int_equal(send(f->a, &r, "GET", "/worker/poll", q, "worker", NULL, 0), 204);
    assert_int_equal(r.resp.defer.kind, OL_COORD_DEFER_POLL);
    finisher w = {0};
    start_finisher(f->a, &r, &w);
    usleep(20 * 1000);
    atomic_fetch_add(&f->now, LEASE_MS + 1);
    ol_diag d = {0};
    if (ol_coord_sweep(f->b, &d) != OL_OK)
        fail_msg("sweep on B: %s", d.msg);
    join_finisher(&w, 60, "long poll on A after B's sweep re-queued the task");
    assert_int_equal(w.r.resp.status, 200);
    assert_string_equal(jstr(w.r.json, "call_id"), call_id);
    assert_int_equal(json_integer_value(json_object_get(w.r.json, "attempt")), 2);

    /* B's late report of attempt 1 is refused; A's attempt 2 settles. */
    bool settled = true;
    assert_int_equal(complete(f, f->b, t1, &settled), 409);
    assert_false(settled);
    assert_int_equal(complete(f, f->a, w.r.json, &settled), 200);
    assert_true(settled);
    json_decref(t1);
    r_reset(&w.r);
    snprintf(q, sizeof q, "/calls/%.64s", call_id);
    assert_int_equal(send(f->b, &r, "GET", q, NULL, f->key, NULL, 0), 200);
    assert_string_equal(jstr(r.json, "status"), "completed");
    r_reset(&r);
    balance_is(f, f->b, RUN_PRICE);
}

typedef struct sweeper {
    ol_coord *c;
    pthread_barrier_t *go;
    ol_err rc;
    char msg[256];
} sweeper;

static void *sweep_main(void *arg)
{
    sweeper *s = arg;
    ol_diag d = {0};
    pthread_barrier_wait(s->go);
    s->rc = ol_coord_sweep(s->c, &d);
    snprintf(s->msg, sizeof s->msg, "%s", d.msg);
    return NULL;
}

typedef struct late {
    fx *f;
    ol_coord *c;
    json_t **tasks;
    size_t n;
    pthread_barrier_t *go;
    size_t settled, refused;
} late;

static void *late_main(void *arg)
{
    late *l = arg;
    pthread_barrier_wait(l->go);
    for (size_t i = 0; i < l->n; i++) {
        bool settled = false;
        unsigned st = complete(l->f, l->c, l->tasks[i], &settled);
        if (st == 200 && settled)
            l->settled++;
        else if (st == 409)
            l->refused++;
    }
    return NULL;
}

/* Runs one sweep on A and one on B at once, with `lt` (may be NULL) completing late. */
static void race(fx *f, late *lt)
{
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, lt != NULL ? 3 : 2);
    sweeper sa = {.c = f->a, .go = &go}, sb = {.c = f->b, .go = &go};
    pthread_t ta, tb, tl;
    assert_int_equal(pthread_create(&ta, NULL, sweep_main, &sa), 0);
    assert_int_equal(pthread_create(&tb, NULL, sweep_main, &sb), 0);
    if (lt != NULL) {
        lt->go = &go;
        assert_int_equal(pthread_create(&tl, NULL, late_main, lt), 0);
    }
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    if (lt != NULL)
        pthread_join(tl, NULL);
    pthread_barrier_destroy(&go);
    if (sa.rc != OL_OK || sb.rc != OL_OK)
        fail_msg("sweeps (%s): A %s %s, B %s %s", current->name, ol_err_name(sa.rc), sa.msg,
                 ol_err_name(sb.rc), sb.msg);
}

#define NCALLS 16

/* Both coordinators sweep the same lapsed leases at once, twice: the first race re-queues each
 * task once (attempt 2 for all), the second fails or completes each call once. */
static void test_cq_concurrent_sweeps_settle_once(void **state)
{
    fx *f = *state;
    R r = {0};
    char ids[NCALLS][64];
    for (size_t i = 0; i < NCALLS; i++) {
        ol_coord *c = i % 2 == 0 ? f->a : f->b;
        assert_int_equal(
            send(c, &r, "POST", "/call/alice.near/app", NULL, f->key, "{\"async\":true}", 0), 202);
        strcpy(ids[i], jstr(r.json, "call_id"));
    }
    /* Attempt 1 of every task, half through each coordinator; all lapse. */
    for (size_t i = 0; i < NCALLS; i++) {
        json_t *t = poll_task(f, i % 2 == 0 ? f->b : f->a);
        assert_non_null(t);
        assert_int_equal(json_integer_value(json_object_get(t, "attempt")), 1);
        json_decref(t);
    }
    atomic_fetch_add(&f->now, LEASE_MS + 1);
    race(f, NULL);
    /* Each task exactly once more, with attempt 2. */
    json_t *tasks[NCALLS];
    for (size_t i = 0; i < NCALLS; i++) {
        tasks[i] = poll_task(f, i % 2 == 0 ? f->a : f->b);
        assert_non_null(tasks[i]);
        assert_int_equal(json_integer_value(json_object_get(tasks[i], "attempt")), 2);
    }
    assert_null(poll_task(f, f->a));
    assert_null(poll_task(f, f->b));

    /* Half complete in time; the rest lapse and race the sweeps with their late reports. */
    size_t in_time = 0;
    for (size_t i = 0; i < NCALLS / 2; i++) {
        bool settled = false;
        assert_int_equal(complete(f, i % 2 == 0 ? f->a : f->b, tasks[i], &settled), 200);
        in_time += settled;
    }
    assert_int_equal(in_time, NCALLS / 2);
    atomic_fetch_add(&f->now, LEASE_MS + 1);
    late lt = {.f = f, .c = f->b, .tasks = tasks + NCALLS / 2, .n = NCALLS - NCALLS / 2};
    race(f, &lt);
    /* A lapsed lease counts as held until a sweep revokes it: each late report either settled
     * (before the sweep reached it) or was refused (after); never both, never neither. */
    assert_int_equal(lt.settled + lt.refused, NCALLS - NCALLS / 2);
    /* One more pass on each: nothing left to do, nothing changes. */
    race(f, NULL);

    size_t completed = 0, lost = 0;
    for (size_t i = 0; i < NCALLS; i++) {
        char path[128];
        snprintf(path, sizeof path, "/calls/%.64s", ids[i]);
        assert_int_equal(send(f->a, &r, "GET", path, NULL, f->key, NULL, 0), 200);
        const char *st = jstr(r.json, "status");
        if (strcmp(st, "completed") == 0) {
            completed++;
            assert_string_equal(jstr(r.json, "compute_cost"), "103");
        } else {
            assert_string_equal(st, "failed");
            assert_string_equal(jstr(r.json, "error_code"), "worker_lost");
            assert_string_equal(jstr(r.json, "compute_cost"), "0");
            lost++;
        }
    }
    r_reset(&r);
    for (size_t i = 0; i < NCALLS; i++)
        json_decref(tasks[i]);
    assert_int_equal(completed, in_time + lt.settled);
    assert_int_equal(lost, lt.refused);
    balance_is(f, f->a, completed * RUN_PRICE);
    balance_is(f, f->b, completed * RUN_PRICE);
    assert_null(poll_task(f, f->a));
    assert_null(poll_task(f, f->b));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static bool have(const char *var)
{
    const char *v = getenv(var);
    return v != NULL && v[0] != '\0';
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cq_sync_woken_across),
        T(test_cq_lapse_redelivered_across),
        T(test_cq_concurrent_sweeps_settle_once),
    };
    ol_log_set_level(OL_LOG_ERROR);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    const char *ci = getenv("CI");
    bool in_ci = ci != NULL && strcmp(ci, "true") == 0;
    int failed = 0;
    for (size_t i = 0; i < sizeof combos / sizeof combos[0]; i++) {
        current = &combos[i];
        const char *missing = NULL;
        if (current->postgres && !have("OL_TEST_POSTGRES_URL"))
            missing = "OL_TEST_POSTGRES_URL";
        else if (current->redis && !have("OL_TEST_REDIS_URL"))
            missing = "OL_TEST_REDIS_URL";
        if (missing != NULL) {
            fprintf(stderr, "%s: two coordinators (%s): %s is not set%s\n", in_ci ? "FAIL" : "SKIP",
                    current->name, missing, in_ci ? " (CI=true: every backend must run)" : "");
            failed += in_ci;
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "two coordinators (%s)", current->name);
        failed += _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
    }
    if (have("OL_TEST_POSTGRES_URL")) {
        char schema[64], sql[300];
        pg_schema(schema, sizeof schema);
        snprintf(sql, sizeof sql,
                 "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE", schema);
        pg_exec(sql);
    }
    return failed != 0;
}
