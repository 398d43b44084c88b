/* PostgreSQL-only store tests (issue #8): what a shared server adds to the conformance suite.
 * Several coordinators are modelled as independent ol_store handles (each with its own pool,
 * as separate processes would have) racing on one database: reservations on one key, the
 * completion of one task delivered to both, and a sweep racing completions — every call must
 * settle exactly once and every key balance to the micro-USD. Also: coordinators migrating one
 * empty database at once, reconnection after the server ends the sessions, a schema newer than
 * the build, and URL errors.
 *
 * Needs OL_TEST_POSTGRES_URL (scripts/test-servers.sh; `make test` sets it through a ctest
 * fixture); each test gets a fresh schema in that database. Without it the server tests are a
 * loud SKIP, and a failure under CI=true.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ol/store.h"
#include "store_int.h"
#include "test.h"

#define OK(expr)                                                       \
    do {                                                               \
        ol_diag d_ = {0};                                              \
        ol_err rc_ = (expr);                                           \
        if (rc_ != OL_OK)                                              \
            fail_msg("%s -> %s: %s", #expr, ol_err_name(rc_), d_.msg); \
    } while (0)
#define D (&d_)

static const char V1[] = "1111111111111111111111111111111111111111111111111111111111111111";

/* ------------------------------------ fixtures ------------------------------------ */

typedef struct fx {
    char schema[64];
    char url[1024];
} fx;

/* Runs one command on the test database; the result's first value into out (may be NULL). */
static bool pg_exec(const char *sql, char *out, size_t cap)
{
    PGconn *db = PQconnectdb(getenv("OL_TEST_POSTGRES_URL"));
    bool ok = PQstatus(db) == CONNECTION_OK;
    if (ok) {
        PGresult *r = PQexec(db, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "pg: %s: %s", sql, PQerrorMessage(db));
        else if (out != NULL && PQntuples(r) > 0)
            snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    } else {
        fprintf(stderr, "pg: %s", PQerrorMessage(db));
    }
    PQfinish(db);
    return ok;
}

static int setup(void **state)
{
    static int seq;
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->schema, sizeof f->schema, "ol_pgtest_%ld_%d", (long)getpid(), ++seq);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE;"
             " CREATE SCHEMA %s",
             f->schema, f->schema);
    assert_true(pg_exec(sql, NULL, 0));
    const char *base = getenv("OL_TEST_POSTGRES_URL");
    /* A distinct application_name lets a test find (and end) its own sessions only. */
    snprintf(f->url, sizeof f->url, "%s%coptions=-csearch_path%%3D%s&application_name=%s", base,
             strchr(base, '?') != NULL ? '&' : '?', f->schema, f->schema);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char sql[300];
    snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE",
             f->schema);
    pg_exec(sql, NULL, 0);
    free(f);
    return 0;
}

static ol_store *open_store(const fx *f, uint32_t pool)
{
    ol_store *s = NULL;
    ol_diag d = {0};
    ol_store_options o = {.pool_size = pool};
    if (ol_store_open(f->url, &o, &s, &d) != OL_OK)
        fail_msg("open: %s", d.msg);
    return s;
}

static void make_key(ol_store *s, uint64_t balance)
{
    ol_store_key_spec spec = {.owner = "bob.near", .nonce = 1, .initial_balance = balance};
    memset(spec.secret_sha256, 0xab, 32);
    OK(ol_store_key_create(s, &spec, 1000, NULL, D));
}

static ol_store_submit sub_of(const char *call_id, const char *task_id, uint64_t limit,
                              uint64_t deposit, uint32_t max_attempts)
{
    ol_store_submit sub = {.call_id = call_id,
                           .task_id = task_id,
                           .key_owner = "bob.near",
                           .key_nonce = 1,
                           .project_owner = "alice.near",
                           .project_name = "app",
                           .version = V1,
                           .compute_limit = limit,
                           .attached_deposit = deposit,
                           .input = (const uint8_t *)"in",
                           .input_len = 2,
                           .task_json = "{}",
                           .task_json_len = 2,
                           .max_attempts = max_attempts};
    return sub;
}

static void check_balance(ol_store *s, uint64_t spent, uint64_t reserved, uint32_t inflight)
{
    ol_store_key *k = NULL;
    OK(ol_store_key_get(s, "bob.near", 1, &k, D));
    assert_int_equal(k->spent, spent);
    assert_int_equal(k->reserved, reserved);
    assert_int_equal(k->inflight, inflight);
    assert_true(k->spent + k->reserved <= k->initial_balance);
    ol_store_key_free(k);
}

/* ------------------------------------- tests ------------------------------------- */

static void test_store_pg_url_errors(void **state)
{
    (void)state;
    ol_store *s = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_store_open("postgres:", NULL, &s, &d), OL_E_INVAL);
    assert_int_equal(ol_store_open("postgres:db", NULL, &s, &d), OL_E_INVAL);
    assert_int_equal(ol_store_open("postgres://127.0.0.1/x?no_such_option=1", NULL, &s, &d),
                     OL_E_INVAL);
    /* Nothing listens on port 1: a prompt I/O error, not a hang. */
    assert_int_equal(ol_store_open("postgres://127.0.0.1:1/x?connect_timeout=3", NULL, &s, &d),
                     OL_E_IO);
    assert_null(s);
    /* The password never reaches the message. */
    assert_int_equal(
        ol_store_open("postgres://u:s3cr3t-pw@127.0.0.1:1/x?connect_timeout=3", NULL, &s, &d),
        OL_E_IO);
    assert_null(strstr(d.msg, "s3cr3t-pw"));
}

typedef struct opener {
    const fx *f;
    ol_err rc;
    uint32_t version;
    char msg[300];
} opener;

static void *open_thread(void *arg)
{
    opener *o = arg;
    ol_store *s = NULL;
    ol_diag d = {0};
    ol_store_options opts = {.pool_size = 1};
    o->rc = ol_store_open(o->f->url, &opts, &s, &d);
    snprintf(o->msg, sizeof o->msg, "%s", d.msg);
    if (o->rc == OL_OK)
        o->version = ol_store_schema_version(s);
    ol_store_close(s);
    return NULL;
}

static void test_store_pg_concurrent_migration(void **state)
{
    fx *f = *state;
    enum { N = 6 };
    opener o[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        o[i] = (opener){.f = f};
        assert_int_equal(pthread_create(&th[i], NULL, open_thread, &o[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (o[i].rc != OL_OK)
            fail_msg("open %d: %s", i, o[i].msg);
        assert_int_equal(o[i].version, o[0].version);
    }
    assert_true(o[0].version >= 1);
    char sql[200], n[32] = "";
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.schema_migrations", f->schema);
    assert_true(pg_exec(sql, n, sizeof n));
    assert_int_equal(strtoul(n, NULL, 10), o[0].version);
}

static void test_store_pg_newer_schema(void **state)
{
    fx *f = *state;
    ol_store *s = open_store(f, 1);
    ol_store_close(s);
    char sql[200];
    snprintf(sql, sizeof sql, "INSERT INTO %s.schema_migrations VALUES(999, 0)", f->schema);
    assert_true(pg_exec(sql, NULL, 0));
    ol_diag d = {0};
    s = NULL;
    assert_int_equal(ol_store_open(f->url, NULL, &s, &d), OL_E_STATE);
    assert_null(s);
}

static void test_store_pg_reconnect(void **state)
{
    fx *f = *state;
    ol_store *s = open_store(f, 2);
    make_key(s, 5000);
    OK(ol_store_ping(s, D));
    /* The server ends every session of this store (as a restart or failover would). */
    char sql[300], n[32] = "";
    snprintf(sql, sizeof sql,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
             " WHERE application_name = '%s'",
             f->schema);
    assert_true(pg_exec(sql, n, sizeof n));
    assert_int_equal(strtoul(n, NULL, 10), 2);
    /* The pool notices before use and reconnects: no operation fails. */
    for (int i = 0; i < 4; i++) {
        OK(ol_store_ping(s, D));
        ol_store_submit_result res;
        char id[16], tid[16];
        snprintf(id, sizeof id, "c%d", i);
        snprintf(tid, sizeof tid, "t%d", i);
        ol_store_submit sub = sub_of(id, tid, 100, 0, 1);
        OK(ol_store_call_submit(s, &sub, 10, &res, D));
        assert_int_equal(res, OL_STORE_SUBMIT_OK);
    }
    check_balance(s, 0, 400, 4);
    ol_store_close(s);
}

/* ---- two coordinators ---- */

typedef struct submitter {
    ol_store *s;
    int thread, attempts, ok, insufficient, errors;
} submitter;

static void *submit_thread(void *arg)
{
    submitter *r = arg;
    for (int i = 0; i < r->attempts; i++) {
        char id[32], tid[32];
        snprintf(id, sizeof id, "r%d-%d", r->thread, i);
        snprintf(tid, sizeof tid, "rt%d-%d", r->thread, i);
        ol_store_submit sub = sub_of(id, tid, 300, 7, 3);
        ol_store_submit_result res;
        ol_diag d = {0};
        if (ol_store_call_submit(r->s, &sub, 1, &res, &d) != OL_OK) {
            fprintf(stderr, "submit: %s\n", d.msg);
            r->errors++;
        } else if (res == OL_STORE_SUBMIT_OK) {
            r->ok++;
        } else if (res == OL_STORE_SUBMIT_INSUFFICIENT) {
            r->insufficient++;
        } else {
            r->errors++;
        }
    }
    return NULL;
}

typedef struct completer {
    ol_store *s;
    const ol_store_task *t;
    uint64_t charge;
    ol_err rc;
    bool settled;
} completer;

static void *complete_thread(void *arg)
{
    completer *c = arg;
    ol_store_completion comp = {.task_id = c->t->id,
                                .worker_id = c->t->worker_id,
                                .attempt = c->t->attempt,
                                .success = true,
                                .run_status = "ok",
                                .instructions = 10,
                                .time_ms = 1,
                                .charge = c->charge,
                                .output = (const uint8_t *)"out",
                                .output_len = 3};
    ol_diag d = {0};
    c->rc = ol_store_task_complete(c->s, &comp, 50, &c->settled, &d);
    return NULL;
}

static void test_store_pg_two_coordinators(void **state)
{
    fx *f = *state;
    ol_store *a = open_store(f, 4), *b = open_store(f, 4);
    make_key(a, 10000);
    /* 10 000 micro-USD, 307 per call, 8 threads over two coordinators: exactly 32 fit. */
    enum { NT = 8, PER = 25 };
    pthread_t th[NT];
    submitter r[NT];
    for (int i = 0; i < NT; i++) {
        r[i] = (submitter){.s = i % 2 == 0 ? a : b, .thread = i, .attempts = PER};
        assert_int_equal(pthread_create(&th[i], NULL, submit_thread, &r[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].errors, 0);
        ok += r[i].ok;
    }
    assert_int_equal(ok, 32);
    check_balance(b, 0, 32 * 307, 32);

    /* Each task's completion reaches both coordinators at once: one settles, the other is an
     * idempotent repeat. */
    uint64_t spent = 0;
    int settled = 0;
    for (int i = 0; i < 32; i++) {
        ol_store_task *t = NULL;
        OK(ol_store_task_claim(i % 2 == 0 ? a : b, "w1", 10, 100000, &t, D));
        completer c[2] = {{.s = a, .t = t, .charge = (uint64_t)i},
                          {.s = b, .t = t, .charge = (uint64_t)i}};
        pthread_t ct[2];
        for (int k = 0; k < 2; k++)
            assert_int_equal(pthread_create(&ct[k], NULL, complete_thread, &c[k]), 0);
        for (int k = 0; k < 2; k++) {
            pthread_join(ct[k], NULL);
            assert_int_equal(c[k].rc, OL_OK);
            settled += c[k].settled;
        }
        assert_true(c[0].settled != c[1].settled);
        spent += (uint64_t)i + 7;
        ol_store_task_free(t);
    }
    assert_int_equal(settled, 32);
    check_balance(a, spent, 0, 0);
    ol_store_earnings e;
    OK(ol_store_earnings_get(b, "alice.near", &e, D));
    assert_int_equal(e.total_earned, 32 * 7);
    ol_store_stats st;
    OK(ol_store_stats_get(a, &st, D));
    assert_int_equal(st.calls[OL_STORE_CALL_COMPLETED], 32);
    assert_int_equal(st.total_charged, spent - 32 * 7);
    ol_store_close(a);
    ol_store_close(b);
}

typedef struct sweeper {
    ol_store *s;
    size_t nfailed;
    ol_err rc;
} sweeper;

static void *sweep_thread(void *arg)
{
    sweeper *w = arg;
    ol_store_sweep sw;
    ol_diag d = {0};
    /* A few passes, as the sweepers of several coordinators would run. */
    for (int i = 0; i < 3; i++) {
        w->rc = ol_store_sweep_leases(w->s, 100, 0, 7, &sw, &d);
        if (w->rc != OL_OK)
            return NULL;
        w->nfailed += sw.nfailed;
        free(sw.failed);
        free(sw.requeued);
    }
    return NULL;
}

typedef struct finisher {
    ol_store *s;
    ol_store_task **tasks;
    int n, settled, refused, errors;
} finisher;

static void *finish_thread(void *arg)
{
    finisher *fn = arg;
    for (int i = 0; i < fn->n; i++) {
        completer c = {.s = fn->s, .t = fn->tasks[i], .charge = 5};
        complete_thread(&c);
        if (c.rc == OL_OK && c.settled)
            fn->settled++;
        else if (c.rc == OL_E_STATE)
            fn->refused++;
        else
            fn->errors++;
    }
    return NULL;
}

/* Lapsed leases (one attempt each): coordinator A's sweeps fail the calls with worker_lost
 * while coordinator B settles the late completions. Each call ends exactly one way. */
static void test_store_pg_sweep_races_completion(void **state)
{
    fx *f = *state;
    ol_store *a = open_store(f, 3), *b = open_store(f, 3);
    make_key(a, 1000000);
    enum { N = 40 };
    ol_store_task *tasks[N];
    for (int i = 0; i < N; i++) {
        char id[16], tid[16];
        snprintf(id, sizeof id, "c%02d", i);
        snprintf(tid, sizeof tid, "t%02d", i);
        ol_store_submit sub = sub_of(id, tid, 100, 0, 1);
        ol_store_submit_result res;
        OK(ol_store_call_submit(a, &sub, 0, &res, D));
        assert_int_equal(res, OL_STORE_SUBMIT_OK);
        OK(ol_store_task_claim(b, "w1", 0, 10, &tasks[i], D));
    }
    sweeper sw[2] = {{.s = a}, {.s = a}};
    finisher fin = {.s = b, .tasks = tasks, .n = N};
    pthread_t th[3];
    assert_int_equal(pthread_create(&th[0], NULL, sweep_thread, &sw[0]), 0);
    assert_int_equal(pthread_create(&th[1], NULL, finish_thread, &fin), 0);
    assert_int_equal(pthread_create(&th[2], NULL, sweep_thread, &sw[1]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(sw[0].rc, OL_OK);
    assert_int_equal(sw[1].rc, OL_OK);
    assert_int_equal(fin.errors, 0);
    /* Sweeps may leave some calls to a later pass; one more ends them. */
    ol_store_sweep last;
    OK(ol_store_sweep_leases(a, 100, 0, 0, &last, D));
    size_t failed = sw[0].nfailed + sw[1].nfailed + last.nfailed;
    free(last.failed);
    free(last.requeued);
    assert_int_equal((size_t)fin.settled + failed, N);
    assert_int_equal(fin.settled + fin.refused, N);
    check_balance(b, (uint64_t)fin.settled * 5, 0, 0);
    ol_store_stats st;
    OK(ol_store_stats_get(b, &st, D));
    assert_int_equal(st.calls[OL_STORE_CALL_COMPLETED], (uint64_t)fin.settled);
    assert_int_equal(st.calls[OL_STORE_CALL_FAILED], failed);
    for (int i = 0; i < N; i++)
        ol_store_task_free(tasks[i]);
    ol_store_close(a);
    ol_store_close(b);
}

/* ------------------------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_store_pg_url_errors),
    };
    const struct CMUnitTest tests[] = {
        T(test_store_pg_concurrent_migration),
        T(test_store_pg_newer_schema),
        T(test_store_pg_reconnect),
        T(test_store_pg_two_coordinators),
        T(test_store_pg_sweep_races_completion),
    };
    int failed = cmocka_run_group_tests_name("store postgres (no server)", offline, NULL, NULL);
    const char *pg = getenv("OL_TEST_POSTGRES_URL");
    if (pg == NULL || pg[0] == '\0') {
        const char *ci = getenv("CI");
        bool in_ci = ci != NULL && strcmp(ci, "true") == 0;
        fprintf(stderr, "%s: store postgres: OL_TEST_POSTGRES_URL is not set%s\n",
                in_ci ? "FAIL" : "SKIP", in_ci ? " (CI=true: every backend must run)" : "");
        return failed != 0 || in_ci;
    }
    failed += cmocka_run_group_tests_name("store postgres", tests, NULL, NULL);
    return failed != 0;
}
