/* The queue conformance suite (ol/queue.h states the contract): every combination of queue
 * and store backend must pass every test here. sql+sqlite always runs; sql+postgres when
 * OL_TEST_POSTGRES_URL is set; redis+sqlite when OL_TEST_REDIS_URL is set, and redis+postgres
 * when both are. A missing URL is a loud SKIP, and a failure under CI=true (`make test` sets
 * them through scripts/test-servers.sh and the ctest fixture).
 *
 * Each test gets a fresh store (a new SQLite file, or a new PostgreSQL schema) and a random
 * key prefix, so Redis keys and notification channels never collide between tests or runs.
 * Time is the tests' own: now_ms values are chosen, never read from a clock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>
#include <libpq-fe.h>

#include "ol/queue.h"
#include "ol/store.h"
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
    snprintf(name, cap, "ol_queue_conf_%ld", (long)getpid());
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

typedef struct fx {
    ol_store *s;
    ol_queue *q;
    char store_url[600];
    char queue_url[300];
    char dir[128];
    char prefix[64];
} fx;

static const uint32_t GRACE = 1000;

static ol_err open_queue(fx *f, ol_store *s, ol_queue **out, ol_diag *d)
{
    ol_queue_options o = {
        .prefix = f->prefix, .pool_size = 4, .grace_ms = GRACE, .notify_url = f->store_url};
    return ol_queue_open(f->queue_url, s, &o, out, d);
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
        snprintf(f->dir, sizeof f->dir, "/tmp/ol-queue-test-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->store_url, sizeof f->store_url, "sqlite:%s/store.db", f->dir);
    }
    snprintf(f->queue_url, sizeof f->queue_url, "%s",
             current->redis ? getenv("OL_TEST_REDIS_URL") : "sql");
    unsigned rnd = (unsigned)rand();
    snprintf(f->prefix, sizeof f->prefix, "olq-%ld-%lu-%08x", (long)getpid(), ++serial, rnd);
    ol_diag d = {0};
    ol_store_options so = {.pool_size = 4};
    if (ol_store_open(f->store_url, &so, &f->s, &d) != OL_OK)
        fail_msg("store open %s: %s", f->store_url, d.msg);
    if (open_queue(f, f->s, &f->q, &d) != OL_OK)
        fail_msg("queue open: %s", d.msg);
    assert_string_equal(ol_queue_kind(f->q), current->redis ? "redis" : "sql");
    *state = f;
    return 0;
}

static void rm_dir(const char *dir)
{
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm"};
    char p[300];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

static int teardown(void **state)
{
    fx *f = *state;
    ol_queue_close(f->q);
    ol_store_close(f->s);
    if (f->dir[0] != '\0')
        rm_dir(f->dir);
    free(f);
    return 0;
}

/* ------------------------------------ helpers ------------------------------------ */

static const char V1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char W1[] = "worker-1";
static const char W2[] = "worker-2";

#define OK(expr)                                                       \
    do {                                                               \
        ol_diag d_ = {0};                                              \
        ol_err rc_ = (expr);                                           \
        if (rc_ != OL_OK)                                              \
            fail_msg("%s -> %s: %s", #expr, ol_err_name(rc_), d_.msg); \
    } while (0)
#define D (&d_)

static void make_key(ol_store *s, uint64_t balance)
{
    ol_store_key_spec spec = {.owner = "bob.near", .nonce = 1, .initial_balance = balance};
    memset(spec.secret_sha256, 0xab, 32);
    OK(ol_store_key_create(s, &spec, 1000, NULL, D));
}

static ol_store_submit sub_of(const char *call_id, const char *task_id, uint32_t max_attempts)
{
    ol_store_submit sub = {.call_id = call_id,
                           .task_id = task_id,
                           .key_owner = "bob.near",
                           .key_nonce = 1,
                           .project_owner = "alice.near",
                           .project_name = "app",
                           .version = V1,
                           .compute_limit = 1000,
                           .attached_deposit = 0,
                           .input = (const uint8_t *)"{}",
                           .input_len = 2,
                           .task_json = "{}",
                           .task_json_len = 2,
                           .max_attempts = max_attempts};
    return sub;
}

/* Submits and (unless push is false) pushes, as the coordinator does. */
static void submit_n(fx *f, ol_queue *q, const char *call_id, const char *task_id,
                     uint32_t max_attempts, uint64_t now, bool push)
{
    ol_store_submit sub = sub_of(call_id, task_id, max_attempts);
    ol_store_submit_result res = OL_STORE_SUBMIT_NO_KEY;
    OK(ol_store_call_submit(f->s, &sub, now, &res, D));
    assert_int_equal(res, OL_STORE_SUBMIT_OK);
    if (push)
        OK(ol_queue_push(q, task_id, now, D));
}

static void submit(fx *f, const char *call_id, const char *task_id, uint64_t now)
{
    submit_n(f, f->q, call_id, task_id, 3, now, true);
}

static ol_store_task *claim(ol_queue *q, const char *worker, uint64_t now, uint64_t lease)
{
    ol_store_task *t = NULL;
    OK(ol_queue_claim(q, worker, now, lease, &t, D));
    return t;
}

static void claim_none(ol_queue *q, uint64_t now)
{
    ol_store_task *t = NULL;
    ol_diag d = {0};
    ol_err rc = ol_queue_claim(q, W2, now, 100, &t, &d);
    if (rc != OL_E_NOTFOUND)
        fail_msg("claim: expected E_NOTFOUND, got %s (%s) task %s", ol_err_name(rc), d.msg,
                 t != NULL ? t->id : "-");
    assert_null(t);
}

static ol_store_completion completion(const ol_store_task *t, const char *worker, uint64_t charge)
{
    ol_store_completion c = {.task_id = t->id,
                             .worker_id = worker,
                             .attempt = t->attempt,
                             .success = true,
                             .run_status = "ok",
                             .instructions = 10,
                             .time_ms = 1,
                             .charge = charge,
                             .output = (const uint8_t *)"{}",
                             .output_len = 2};
    return c;
}

static ol_store_call *get_call(ol_store *s, const char *id)
{
    ol_store_call *c = NULL;
    OK(ol_store_call_get(s, id, &c, D));
    return c;
}

static void check_spent(ol_store *s, uint64_t spent, uint64_t reserved)
{
    ol_store_key *k = NULL;
    OK(ol_store_key_get(s, "bob.near", 1, &k, D));
    assert_int_equal(k->spent, spent);
    assert_int_equal(k->reserved, reserved);
    assert_true(k->spent + k->reserved <= k->initial_balance);
    ol_store_key_free(k);
}

static bool list_has(char (*list)[OL_STORE_ID_MAX + 1], size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], id) == 0)
            return true;
    }
    return false;
}

/* -------------------------------------- tests -------------------------------------- */

static void test_queue_fifo_and_empty(void **state)
{
    fx *f = *state;
    OK(ol_queue_ping(f->q, D));
    make_key(f->s, 100000);
    claim_none(f->q, 5);
    submit(f, "c1", "t1", 10);
    submit(f, "c2", "t2", 20);
    submit(f, "c3", "t3", 30);
    OK(ol_queue_push(f->q, "t1", 40, D)); /* a repeated push changes nothing */
    const char *order[] = {"t1", "t2", "t3"};
    for (int i = 0; i < 3; i++) {
        ol_store_task *t = claim(f->q, W1, 100, 500);
        assert_string_equal(t->id, order[i]);
        assert_int_equal(t->attempt, 1);
        assert_int_equal(t->max_attempts, 3);
        assert_int_equal(t->lease_expires_ms, 600);
        assert_string_equal(t->worker_id, W1);
        assert_memory_equal(t->input, "{}", 2);
        ol_store_call *c = get_call(f->s, t->call_id);
        assert_int_equal(c->status, OL_STORE_CALL_RUNNING);
        ol_store_call_free(c);
        ol_store_task_free(t);
    }
    claim_none(f->q, 100);
    /* Pushing a task that is in flight does not deliver it twice. */
    OK(ol_queue_push(f->q, "t2", 150, D));
    claim_none(f->q, 150);
}

static void test_queue_renew(void **state)
{
    fx *f = *state;
    ol_diag d = {0};
    make_key(f->s, 100000);
    submit(f, "c1", "t1", 10);
    ol_store_task *t = claim(f->q, W1, 100, 500);
    OK(ol_queue_renew(f->q, "t1", W1, 1, 300, 500, D));
    assert_int_equal(ol_queue_renew(f->q, "t1", W2, 1, 300, 500, &d), OL_E_STATE);
    assert_int_equal(ol_queue_renew(f->q, "t1", W1, 2, 300, 500, &d), OL_E_STATE);
    /* The renewal moved the deadline: a sweep at the old deadline changes nothing. */
    ol_store_sweep sw;
    OK(ol_queue_sweep(f->q, 700, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued, 0);
    assert_int_equal(sw.nfailed, 0);
    OK(ol_queue_renew(f->q, "t1", W1, 1, 700, 500, D));
    assert_int_equal(ol_queue_renew(f->q, "t1", W1, 0, 700, 500, &d), OL_E_INVAL);
    assert_int_equal(ol_queue_renew(f->q, "t1", W1, 1, 700, 0, &d), OL_E_INVAL);
    ol_store_task_free(t);
}

static void test_queue_lapse_redelivery(void **state)
{
    fx *f = *state;
    ol_diag d = {0};
    make_key(f->s, 100000);
    submit(f, "c1", "t1", 10);
    ol_store_task *t1 = claim(f->q, W1, 100, 100); /* deadline 200 */
    claim_none(f->q, 150);
    ol_store_sweep sw;
    OK(ol_queue_sweep(f->q, 150, 0, 0, &sw, D)); /* not lapsed yet */
    assert_int_equal(sw.nrequeued + sw.nfailed, 0);
    OK(ol_queue_sweep(f->q, 300, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued, 1);
    assert_string_equal(sw.requeued[0], "c1");
    assert_int_equal(sw.nfailed, 0);
    free(sw.requeued);
    free(sw.failed);
    /* The lapsed holder can no longer renew. */
    assert_int_equal(ol_queue_renew(f->q, "t1", W1, 1, 300, 100, &d), OL_E_STATE);
    ol_store_task *t2 = claim(f->q, W2, 310, 1000);
    assert_string_equal(t2->id, "t1");
    assert_int_equal(t2->attempt, 2);
    /* The old attempt's completion is refused; nothing settles. */
    ol_store_completion old = completion(t1, W1, 100);
    bool settled = true;
    assert_int_equal(ol_queue_complete(f->q, &old, 320, &settled, &d), OL_E_STATE);
    check_spent(f->s, 0, 1000);
    ol_store_completion cur = completion(t2, W2, 200);
    OK(ol_queue_complete(f->q, &cur, 330, &settled, D));
    assert_true(settled);
    check_spent(f->s, 200, 0);
    /* Nothing left to deliver or sweep. */
    claim_none(f->q, 5000);
    OK(ol_queue_sweep(f->q, 5000, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued + sw.nfailed, 0);
    ol_store_task_free(t1);
    ol_store_task_free(t2);
}

static void test_queue_worker_lost(void **state)
{
    fx *f = *state;
    make_key(f->s, 100000);
    submit_n(f, f->q, "c1", "t1", 2, 10, true);
    for (uint32_t attempt = 1; attempt <= 2; attempt++) {
        uint64_t now = 1000 * attempt;
        ol_store_task *t = claim(f->q, W1, now, 100);
        assert_int_equal(t->attempt, attempt);
        ol_store_task_free(t);
        ol_store_sweep sw;
        OK(ol_queue_sweep(f->q, now + 200, 0, 0, &sw, D));
        if (attempt == 1) {
            assert_int_equal(sw.nrequeued, 1);
            assert_int_equal(sw.nfailed, 0);
        } else {
            assert_int_equal(sw.nrequeued, 0);
            assert_int_equal(sw.nfailed, 1);
            assert_string_equal(sw.failed[0], "c1");
        }
        free(sw.requeued);
        free(sw.failed);
    }
    ol_store_call *c = get_call(f->s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_FAILED);
    assert_string_equal(c->error_code, "worker_lost");
    assert_int_equal(c->charged, 0);
    ol_store_call_free(c);
    check_spent(f->s, 0, 0);
    claim_none(f->q, 9000);
}

static void test_queue_idempotent_completion(void **state)
{
    fx *f = *state;
    ol_diag d = {0};
    make_key(f->s, 100000);
    submit(f, "c1", "t1", 10);
    ol_store_task *t = claim(f->q, W1, 100, 500);
    ol_store_completion c = completion(t, W1, 300);
    bool settled = false;
    OK(ol_queue_complete(f->q, &c, 200, &settled, D));
    assert_true(settled);
    OK(ol_queue_complete(f->q, &c, 210, &settled, D));
    assert_false(settled);
    check_spent(f->s, 300, 0);
    assert_int_equal(ol_queue_renew(f->q, "t1", W1, 1, 220, 500, &d), OL_E_STATE);
    /* Completed work is not swept nor delivered again. */
    ol_store_sweep sw;
    OK(ol_queue_sweep(f->q, 10000, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued + sw.nfailed, 0);
    claim_none(f->q, 10000);
    ol_store_task_free(t);
}

static void test_queue_cancelled_dropped(void **state)
{
    fx *f = *state;
    make_key(f->s, 100000);
    submit(f, "c1", "t1", 10);
    submit(f, "c2", "t2", 20);
    OK(ol_store_call_cancel_queued(f->s, "c1", "no_worker_available", "gave up", 30, D));
    ol_store_task *t = claim(f->q, W1, 100, 500);
    assert_string_equal(t->id, "t2");
    ol_store_task_free(t);
    claim_none(f->q, 100);
    check_spent(f->s, 0, 1000);
}

static void test_queue_queued_too_long(void **state)
{
    fx *f = *state;
    make_key(f->s, 100000);
    submit(f, "c1", "t1", 10);
    ol_store_sweep sw;
    OK(ol_queue_sweep(f->q, 500, 100, 0, &sw, D)); /* queued before 100: fails */
    assert_int_equal(sw.nfailed, 1);
    assert_string_equal(sw.failed[0], "c1");
    free(sw.failed);
    free(sw.requeued);
    claim_none(f->q, 600);
    check_spent(f->s, 0, 0);
}

static void test_queue_reconcile_unpushed(void **state)
{
    fx *f = *state;
    make_key(f->s, 100000);
    /* A coordinator died between the store commit and the push. */
    submit_n(f, f->q, "c1", "t1", 3, 10000, false);
    if (current->redis)
        claim_none(f->q, 10000 + 10);
    ol_store_sweep sw;
    /* Within the grace it is left alone (its push may be on the way). */
    OK(ol_queue_sweep(f->q, 10000 + GRACE - 1, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued + sw.nfailed, 0);
    if (current->redis)
        claim_none(f->q, 10000 + GRACE - 1);
    OK(ol_queue_sweep(f->q, 10000 + GRACE + 1, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued + sw.nfailed, 0);
    ol_store_task *t = claim(f->q, W1, 10000 + GRACE + 2, 500);
    assert_string_equal(t->id, "t1");
    assert_int_equal(t->attempt, 1);
    ol_store_task_free(t);
    /* A later sweep does not add it a second time while it is in flight. */
    OK(ol_queue_sweep(f->q, 10000 + GRACE + 3, 0, 0, &sw, D));
    claim_none(f->q, 10000 + GRACE + 4);
}

/* ---- concurrent claimers: every task delivered exactly once ---- */

enum { RACE_THREADS = 4, RACE_PER = 200, RACE_N = RACE_THREADS * RACE_PER };

typedef struct racer {
    ol_queue *q;
    char worker[16];
    int got, errors;
    int *ids;
} racer;

static void *race_claim(void *arg)
{
    racer *r = arg;
    for (int i = 0; i < RACE_N + 10; i++) {
        ol_store_task *t = NULL;
        ol_diag d = {0};
        ol_err rc = ol_queue_claim(r->q, r->worker, 100, 60000, &t, &d);
        if (rc == OL_E_NOTFOUND)
            break;
        if (rc != OL_OK) {
            fprintf(stderr, "claim: %s\n", d.msg);
            r->errors++;
            break;
        }
        r->ids[r->got++] = atoi(t->id + 1);
        ol_store_task_free(t);
    }
    return NULL;
}

static void test_queue_concurrent_claimers(void **state)
{
    fx *f = *state;
    make_key(f->s, (uint64_t)RACE_N * 1000);
    for (int i = 0; i < RACE_N; i++) {
        char cid[16], tid[16];
        snprintf(cid, sizeof cid, "c%04d", i);
        snprintf(tid, sizeof tid, "t%04d", i);
        submit(f, cid, tid, (uint64_t)i);
    }
    racer r[RACE_THREADS];
    pthread_t th[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].q = f->q;
        r[i].ids = calloc(RACE_N, sizeof(int));
        assert_non_null(r[i].ids);
        snprintf(r[i].worker, sizeof r[i].worker, "w%d", i);
        assert_int_equal(pthread_create(&th[i], NULL, race_claim, &r[i]), 0);
    }
    static bool seen[RACE_N];
    memset(seen, 0, sizeof seen);
    int total = 0;
    for (int i = 0; i < RACE_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].errors, 0);
        for (int k = 0; k < r[i].got; k++) {
            assert_true(r[i].ids[k] >= 0 && r[i].ids[k] < RACE_N);
            assert_false(seen[r[i].ids[k]]); /* delivered once */
            seen[r[i].ids[k]] = true;
        }
        total += r[i].got;
        free(r[i].ids);
    }
    assert_int_equal(total, RACE_N);
    claim_none(f->q, 200);
}

/* ---- two coordinators: two store handles and two queue handles on the same backends ---- */

static void test_queue_two_coordinators(void **state)
{
    fx *f = *state;
    ol_diag d = {0};
    ol_store *s2 = NULL;
    ol_queue *q2 = NULL;
    if (ol_store_open(f->store_url, NULL, &s2, &d) != OL_OK)
        fail_msg("second store: %s", d.msg);
    if (open_queue(f, s2, &q2, &d) != OL_OK)
        fail_msg("second queue: %s", d.msg);
    make_key(f->s, 1000000);
    enum { N = 20 };
    for (int i = 0; i < N; i++) {
        char cid[16], tid[16];
        snprintf(cid, sizeof cid, "c%02d", i);
        snprintf(tid, sizeof tid, "t%02d", i);
        submit_n(f, i % 2 == 0 ? f->q : q2, cid, tid, 3, (uint64_t)(10 + i), true);
    }
    bool seen[N] = {0};
    ol_store_task *held = NULL;
    for (int i = 0; i < N; i++) {
        ol_queue *q = i % 2 == 0 ? q2 : f->q; /* claimed through the other coordinator */
        ol_store_task *t = claim(q, i % 2 == 0 ? W1 : W2, 100, 1000);
        int idx = atoi(t->id + 1);
        assert_int_equal(idx, i); /* one FIFO across both */
        assert_false(seen[idx]);
        seen[idx] = true;
        if (i == 0) {
            held = t; /* its worker dies: a sweep on the other coordinator re-queues it */
            continue;
        }
        ol_store_completion c = completion(t, i % 2 == 0 ? W1 : W2, 10);
        bool settled = false;
        OK(ol_queue_complete(i % 2 == 0 ? f->q : q2, &c, 200, &settled, D));
        assert_true(settled);
        ol_store_task_free(t);
    }
    claim_none(f->q, 300);
    claim_none(q2, 300);
    ol_store_sweep sw;
    OK(ol_queue_sweep(f->q, 2000, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued, 1);
    assert_true(list_has(sw.requeued, sw.nrequeued, "c00"));
    free(sw.requeued);
    free(sw.failed);
    OK(ol_queue_sweep(q2, 2000, 0, 0, &sw, D)); /* the other one finds nothing more */
    assert_int_equal(sw.nrequeued + sw.nfailed, 0);
    ol_store_task *t = claim(q2, W2, 2100, 1000);
    assert_string_equal(t->id, "t00");
    assert_int_equal(t->attempt, 2);
    bool settled = true;
    ol_store_completion stale = completion(held, W1, 10);
    assert_int_equal(ol_queue_complete(q2, &stale, 2200, &settled, &d), OL_E_STATE);
    ol_store_completion c = completion(t, W2, 10);
    OK(ol_queue_complete(f->q, &c, 2200, &settled, D));
    assert_true(settled);
    check_spent(f->s, 10 * N, 0);
    ol_store_task_free(t);
    ol_store_task_free(held);
    ol_queue_close(q2);
    ol_store_close(s2);
}

/* ---- notifications ---- */

typedef struct events {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, work, other;
    char last[OL_STORE_ID_MAX + 1];
} events;

static void on_event(void *ud, ol_queue_event kind, const char *call_id)
{
    events *e = ud;
    pthread_mutex_lock(&e->mu);
    if (kind == OL_QUEUE_EV_CALL_DONE) {
        e->done++;
        snprintf(e->last, sizeof e->last, "%s", call_id);
    } else if (kind == OL_QUEUE_EV_WORK) {
        e->work++;
    } else {
        e->other++;
    }
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* Waits (bounded: a lost event fails the test instead of hanging it) until done >= n_done and
 * work >= n_work. */
static bool wait_events(events *e, int n_done, int n_work)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    pthread_mutex_lock(&e->mu);
    bool ok = true;
    while (ok && (e->done < n_done || e->work < n_work))
        ok = pthread_cond_timedwait(&e->cv, &e->mu, &until) == 0;
    ok = e->done >= n_done && e->work >= n_work;
    pthread_mutex_unlock(&e->mu);
    return ok;
}

static void test_queue_notifications(void **state)
{
    fx *f = *state;
    ol_diag d = {0};
    ol_store *s2 = NULL;
    ol_queue *q2 = NULL;
    if (ol_store_open(f->store_url, NULL, &s2, &d) != OL_OK)
        fail_msg("second store: %s", d.msg);
    if (open_queue(f, s2, &q2, &d) != OL_OK)
        fail_msg("second queue: %s", d.msg);
    events e1 = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    events e2 = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    OK(ol_queue_subscribe(f->q, on_event, &e1, D));
    OK(ol_queue_subscribe(q2, on_event, &e2, D));
    assert_int_equal(ol_queue_subscribe(q2, on_event, &e2, &d), OL_E_STATE);
    /* Published on one coordinator: both see it (the publisher's own process included). */
    OK(ol_queue_publish(f->q, OL_QUEUE_EV_CALL_DONE, "call-42", D));
    assert_true(wait_events(&e2, 1, 0));
    assert_true(wait_events(&e1, 1, 0));
    pthread_mutex_lock(&e2.mu);
    assert_string_equal(e2.last, "call-42");
    pthread_mutex_unlock(&e2.mu);
    OK(ol_queue_publish(q2, OL_QUEUE_EV_WORK, NULL, D));
    assert_true(wait_events(&e1, 1, 1));
    assert_true(wait_events(&e2, 1, 1));
    assert_int_equal(ol_queue_publish(q2, OL_QUEUE_EV_CALL_DONE, "", &d), OL_E_INVAL);
    assert_int_equal(ol_queue_publish(q2, (ol_queue_event)9, "x", &d), OL_E_INVAL);
    /* A queue with another prefix hears nothing of ours. */
    char other[80];
    snprintf(other, sizeof other, "%s-other", f->prefix);
    ol_queue *q3 = NULL;
    ol_queue_options o = {.prefix = other, .notify_url = f->store_url};
    OK(ol_queue_open(f->queue_url, f->s, &o, &q3, D));
    events e3 = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    OK(ol_queue_subscribe(q3, on_event, &e3, D));
    OK(ol_queue_publish(f->q, OL_QUEUE_EV_CALL_DONE, "call-43", D));
    OK(ol_queue_publish(q3, OL_QUEUE_EV_CALL_DONE, "call-44", D));
    assert_true(wait_events(&e3, 1, 0));
    assert_true(wait_events(&e1, 2, 1));
    pthread_mutex_lock(&e3.mu);
    assert_string_equal(e3.last, "call-44");
    pthread_mutex_unlock(&e3.mu);
    ol_queue_close(q3);
    ol_queue_close(q2); /* stops and joins its thread */
    ol_store_close(s2);
    assert_int_equal(e1.other + e2.other + e3.other, 0);
}

/* ---- Redis: the server side, reached directly ---- */

/* A direct connection to the test Redis (OL_TEST_REDIS_URL = redis://:PASSWORD@HOST:PORT/0). */
static redisContext *redis_direct(void)
{
    const char *u = getenv("OL_TEST_REDIS_URL");
    const char *at = strrchr(u, '@');
    assert_non_null(at);
    char pw[128], host[64];
    size_t pwlen = (size_t)(at - (u + 9)); /* after "redis://:" */
    assert_true(pwlen < sizeof pw);
    memcpy(pw, u + 9, pwlen);
    pw[pwlen] = '\0';
    int port = 0;
    assert_int_equal(sscanf(at + 1, "%63[^:]:%d", host, &port), 2);
    struct timeval tv = {.tv_sec = 5};
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    assert_int_equal(redisSetTimeout(c, tv), REDIS_OK);
    redisReply *r = redisCommand(c, "AUTH %s", pw);
    assert_non_null(r);
    assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    return c;
}

static void redis_do(redisContext *c, const char *fmt, const char *a, const char *b, const char *x)
{
    redisReply *r = redisCommand(c, fmt, a, b, x);
    assert_non_null(r);
    if (r->type == REDIS_REPLY_ERROR)
        fail_msg("redis %s: %s", fmt, r->str);
    freeReplyObject(r);
}

/* A coordinator died mid-claim: Redis holds the lease with attempt "0" and the store holds the
 * task for attempt 1. The sweep lapses whatever attempt the store holds and re-delivers it. */
static void test_queue_redis_claim_interrupted(void **state)
{
    fx *f = *state;
    if (!current->redis)
        return;
    make_key(f->s, 100000);
    submit_n(f, f->q, "c1", "t1", 3, 10, false);
    redisContext *c = redis_direct();
    char inflight[128], lease[160];
    snprintf(inflight, sizeof inflight, "%s:inflight", f->prefix);
    snprintf(lease, sizeof lease, "%s:lease:t1", f->prefix);
    redis_do(c, "ZADD %s %s %s", inflight, "600", "t1");
    redis_do(c, "HSET %s worker %s attempt %s", lease, W1, "0");
    ol_store_task *t = NULL;
    OK(ol_store_task_claim_id(f->s, "t1", W1, 100, &t, D));
    assert_int_equal(t->attempt, 1);
    ol_store_task_free(t);
    claim_none(f->q, 200);
    ol_diag d = {0};
    assert_int_equal(ol_queue_renew(f->q, "t1", W1, 1, 200, 100, &d), OL_E_STATE);
    ol_store_sweep sw;
    OK(ol_queue_sweep(f->q, 700, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued, 1);
    assert_string_equal(sw.requeued[0], "c1");
    free(sw.requeued);
    free(sw.failed);
    t = claim(f->q, W2, 800, 100);
    assert_string_equal(t->id, "t1");
    assert_int_equal(t->attempt, 2);
    ol_store_task_free(t);
    redisFree(c);
}

/* Redis lost its data (restarted without persistence) while a worker held a task and then
 * died too: the store still holds the attempt under an external lease. The sweep adopts it
 * as a lapsed lease, re-delivers it, and a lost Redis never strands a call. */
static void test_queue_redis_lost_data(void **state)
{
    fx *f = *state;
    if (!current->redis)
        return;
    make_key(f->s, 100000);
    submit_n(f, f->q, "c1", "t1", 3, 10, true);
    ol_store_task *t = claim(f->q, W1, 100, 100);
    assert_int_equal(t->attempt, 1);
    ol_store_task_free(t);
    redisContext *c = redis_direct();
    char inflight[128], lease[160];
    snprintf(inflight, sizeof inflight, "%s:inflight", f->prefix);
    snprintf(lease, sizeof lease, "%s:lease:t1", f->prefix);
    redis_do(c, "DEL %s %s%s", inflight, lease, "");
    redisFree(c);
    claim_none(f->q, 200);
    ol_store_sweep sw;
    /* Within the grace after the claim nothing is adopted (a claim may be in progress). */
    OK(ol_queue_sweep(f->q, 100 + GRACE - 1, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued + sw.nfailed, 0);
    /* Then the first sweep adopts it as lapsed, the next ends that attempt and re-queues. */
    uint64_t now = 100 + GRACE + 1;
    size_t requeued = 0;
    for (int i = 0; i < 3 && requeued == 0; i++, now += 10) {
        OK(ol_queue_sweep(f->q, now, 0, 0, &sw, D));
        requeued += sw.nrequeued;
        if (sw.nrequeued > 0)
            assert_string_equal(sw.requeued[0], "c1");
        free(sw.requeued);
        free(sw.failed);
    }
    assert_int_equal(requeued, 1);
    t = claim(f->q, W2, now, 100);
    assert_string_equal(t->id, "t1");
    assert_int_equal(t->attempt, 2);
    ol_store_completion cp = completion(t, W2, 500);
    bool settled = false;
    OK(ol_queue_complete(f->q, &cp, now + 5, &settled, D));
    assert_true(settled);
    ol_store_task_free(t);
    check_spent(f->s, 500, 0);
}

/* Connections cut by the server: pooled ones are made again before use, the subscription
 * reconnects by itself. Redis: CLIENT KILL; PostgreSQL: pg_terminate_backend. */
static void kill_connections(const char *prefix)
{
    if (current->redis) {
        /* Only this queue's connections (CLIENT SETNAME outlayer/<prefix>). */
        char name[128];
        snprintf(name, sizeof name, "name=outlayer/%s ", prefix);
        redisContext *c = redis_direct();
        redisReply *r = redisCommand(c, "CLIENT LIST");
        assert_non_null(r);
        assert_int_equal(r->type, REDIS_REPLY_STRING);
        int killed = 0;
        for (char *line = r->str; line != NULL && *line != '\0';) {
            char *nl = strchr(line, '\n');
            if (nl != NULL)
                *nl = '\0';
            long long id = -1;
            if (strstr(line, name) != NULL && sscanf(line, "id=%lld", &id) == 1) {
                redisReply *k = redisCommand(c, "CLIENT KILL ID %lld", id);
                assert_non_null(k);
                freeReplyObject(k);
                killed++;
            }
            line = nl != NULL ? nl + 1 : NULL;
        }
        freeReplyObject(r);
        redisFree(c);
        assert_true(killed >= 2); /* the subscription and at least one pooled connection */
    } else if (current->postgres) {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "DO $$ BEGIN PERFORM pg_terminate_backend(pid) FROM pg_stat_activity"
                 " WHERE datname = current_database() AND application_name IN"
                 " ('outlayer-listen/%s', 'outlayer-notify/%s'); END $$",
                 prefix, prefix);
        assert_true(pg_exec(sql));
    }
}

static void test_queue_reconnect(void **state)
{
    fx *f = *state;
    events e = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    OK(ol_queue_subscribe(f->q, on_event, &e, D));
    OK(ol_queue_publish(f->q, OL_QUEUE_EV_WORK, NULL, D));
    assert_true(wait_events(&e, 0, 1));
    kill_connections(f->prefix);
    /* The pool notices the dead connections and makes new ones. */
    OK(ol_queue_ping(f->q, D));
    make_key(f->s, 100000);
    submit(f, "c1", "t1", 10);
    ol_store_task *t = claim(f->q, W1, 100, 500);
    ol_store_task_free(t);
    /* The subscriber comes back: publish until it hears one (bounded: 200 rounds). */
    bool heard = false;
    for (int i = 0; i < 200 && !heard; i++) {
        ol_diag d = {0};
        ol_err rc = ol_queue_publish(f->q, OL_QUEUE_EV_CALL_DONE, "after-reconnect", &d);
        if (rc != OL_OK && rc != OL_E_IO) /* the publisher may meet the cut connection once */
            fail_msg("publish: %s", d.msg);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&e.mu);
        if (e.done == 0)
            pthread_cond_timedwait(&e.cv, &e.mu, &until);
        heard = e.done > 0 && strcmp(e.last, "after-reconnect") == 0;
        pthread_mutex_unlock(&e.mu);
    }
    assert_true(heard);
}

/* ---- URLs and unreachable servers (no server needed) ---- */

static void test_queue_bad_urls(void **state)
{
    fx *f = *state;
    ol_queue *q = NULL;
    ol_diag d = {0};
    static const char *const inval[] = {
        "nope",
        "redis://",
        "redis://:pw@",
        "redis://host:0",
        "redis://host:65536",
        "redis://host:12x",
        "redis://host/abc",
        "redis://host/0?timeout=1",
        "redis://user@host",
        "redis://:@host",
        "redis://[::1",
        "redis://ho st",
        "redis://:pw%zz@host",
    };
    for (size_t i = 0; i < sizeof inval / sizeof inval[0]; i++) {
        memset(&d, 0, sizeof d);
        ol_err rc = ol_queue_open(inval[i], f->s, NULL, &q, &d);
        if (rc != OL_E_INVAL)
            fail_msg("%s: expected E_INVAL, got %s (%s)", inval[i], ol_err_name(rc), d.msg);
        assert_true(d.msg[0] != '\0');
        assert_null(q);
    }
    assert_int_equal(ol_queue_open("rediss://host", f->s, NULL, &q, &d), OL_E_UNSUPPORTED);
    assert_int_equal(ol_queue_open("amqp://host", f->s, NULL, &q, &d), OL_E_UNSUPPORTED);
    ol_queue_options o = {.prefix = "bad prefix"};
    assert_int_equal(ol_queue_open("sql", f->s, &o, &q, &d), OL_E_INVAL);
    assert_int_equal(ol_queue_open("sql", NULL, NULL, &q, &d), OL_E_INVAL);
    assert_null(q);
    /* Default URL and prefix: the sql backend. */
    OK(ol_queue_open(NULL, f->s, NULL, &q, D));
    assert_string_equal(ol_queue_kind(q), "sql");
    ol_queue_close(q);

    /* Unreachable Redis: a port nobody listens on (bound, then released). */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    int port = ntohs(a.sin_port);
    close(fd);
    char url[128], where[64];
    snprintf(url, sizeof url, "redis://:s3cretPassw0rd@127.0.0.1:%d/0", port);
    snprintf(where, sizeof where, "127.0.0.1:%d", port);
    q = NULL;
    memset(&d, 0, sizeof d);
    ol_queue_options fast = {.connect_timeout_ms = 2000};
    assert_int_equal(ol_queue_open(url, f->s, &fast, &q, &d), OL_E_IO);
    assert_null(q);
    assert_non_null(strstr(d.msg, where));
    assert_null(strstr(d.msg, "s3cretPassw0rd"));
}

/* Redis only: a wrong password is refused at open, and the message does not repeat it. */
static void test_queue_redis_wrong_password(void **state)
{
    fx *f = *state;
    if (!current->redis)
        return;
    const char *base = getenv("OL_TEST_REDIS_URL"); /* redis://:PASSWORD@HOST:PORT/0 */
    const char *at = strrchr(base, '@');
    assert_non_null(at);
    char url[300];
    snprintf(url, sizeof url, "redis://:Wr0ngPassw0rd%s", at);
    ol_queue *q = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_queue_open(url, f->s, NULL, &q, &d), OL_E_IO);
    assert_null(q);
    assert_null(strstr(d.msg, "Wr0ngPassw0rd"));
    assert_non_null(strstr(d.msg, "authentication"));
    /* Another database number is selected; one the server does not have is refused. */
    char base_db[300];
    snprintf(base_db, sizeof base_db, "%s", base);
    char *slash = strrchr(base_db, '/');
    assert_non_null(slash);
    snprintf(slash, sizeof base_db - (size_t)(slash - base_db), "/1");
    OK(ol_queue_open(base_db, f->s, NULL, &q, D));
    OK(ol_queue_ping(q, D));
    ol_queue_close(q);
    q = NULL;
    snprintf(slash, sizeof base_db - (size_t)(slash - base_db), "/99999");
    assert_int_equal(ol_queue_open(base_db, f->s, NULL, &q, &d), OL_E_IO);
    assert_non_null(strstr(d.msg, "SELECT"));
    assert_null(q);
}

/* ------------------------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static bool have(const char *var)
{
    const char *v = getenv(var);
    return v != NULL && v[0] != '\0';
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_queue_fifo_and_empty),        T(test_queue_renew),
        T(test_queue_lapse_redelivery),      T(test_queue_worker_lost),
        T(test_queue_idempotent_completion), T(test_queue_cancelled_dropped),
        T(test_queue_queued_too_long),       T(test_queue_reconcile_unpushed),
        T(test_queue_concurrent_claimers),   T(test_queue_two_coordinators),
        T(test_queue_notifications),         T(test_queue_bad_urls),
        T(test_queue_redis_wrong_password),  T(test_queue_redis_claim_interrupted),
        T(test_queue_redis_lost_data),       T(test_queue_reconnect),
    };
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
            fprintf(stderr, "%s: queue conformance (%s): %s is not set%s\n",
                    in_ci ? "FAIL" : "SKIP", current->name, missing,
                    in_ci ? " (CI=true: every backend must run)" : "");
            failed += in_ci;
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "queue conformance (%s)", current->name);
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
