/* The storage conformance suite: every backend must pass every test here (ol/store.h states
 * the contract). SQLite always runs; a backend is added by a row in `backends` whose fresh()
 * gives the URL of an empty database. OL_TEST_POSTGRES_URL (a database the suite may use; each
 * test gets a fresh schema in it, see pg_fresh()) runs every test against PostgreSQL too; when
 * it is unset that is a loud SKIP, and a failure under CI=true. `make test` sets it through
 * scripts/test-servers.sh (a ctest fixture starts a private server).
 *
 * Areas: migrations and reopening, registry, payment keys and balances, submission and
 * reservations, leases (claim, renew, redelivery, worker_lost), idempotent completion that
 * settles money exactly once, cancellation, queue TTL, workers and tokens, stats, concurrent
 * reservation and claim races, and crash safety (an injected failure at every step of a
 * transaction leaves nothing half-written).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ol/store.h"
#include "store_int.h"
#include "test.h"

/* ------------------------------------ backends ------------------------------------ */

typedef struct backend {
    const char *name;
    bool (*fresh)(char *url, size_t cap, char *dir, size_t dircap);
} backend;

static bool sqlite_fresh(char *url, size_t cap, char *dir, size_t dircap)
{
    snprintf(dir, dircap, "/tmp/ol-store-test-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return false;
    snprintf(url, cap, "sqlite:%s/store.db", dir);
    return true;
}

static const backend backends[] = {
    {"sqlite", sqlite_fresh},
};

/* PostgreSQL: one schema per test process in the OL_TEST_POSTGRES_URL database, dropped and
 * created again for every test; the store reaches it through search_path. */
static void pg_schema(char *name, size_t cap)
{
    snprintf(name, cap, "ol_conformance_%ld", (long)getpid());
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

static bool pg_fresh(char *url, size_t cap, char *dir, size_t dircap)
{
    char schema[64], sql[300];
    pg_schema(schema, sizeof schema);
    snprintf(sql, sizeof sql,
             "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE;"
             " CREATE SCHEMA %s",
             schema, schema);
    if (!pg_exec(sql))
        return false;
    const char *base = getenv("OL_TEST_POSTGRES_URL");
    snprintf(url, cap, "%s%coptions=-csearch_path%%3D%s", base,
             strchr(base, '?') != NULL ? '&' : '?', schema);
    if (dircap > 0)
        dir[0] = '\0'; /* nothing on disk */
    return true;
}

static const backend pg_backend = {"postgres", pg_fresh};

static const backend *current;

typedef struct fx {
    ol_store *s;
    char url[600];
    char dir[512];
} fx;

static void rm_dir(const char *dir)
{
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm"};
    char p[700];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_true(current->fresh(f->url, sizeof f->url, f->dir, sizeof f->dir));
    ol_diag d = {0};
    ol_store_options o = {.pool_size = 4};
    if (ol_store_open(f->url, &o, &f->s, &d) != OL_OK)
        fail_msg("open %s: %s", f->url, d.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
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

/* `expr` must use `&d_` as its diag. */
#define D (&d_)

static void make_key(ol_store *s, const char *owner, uint32_t nonce, uint64_t balance,
                     uint64_t max_per_call)
{
    ol_store_key_spec spec = {
        .owner = owner, .nonce = nonce, .initial_balance = balance, .max_per_call = max_per_call};
    memset(spec.secret_sha256, 0xab, 32);
    OK(ol_store_key_create(s, &spec, 1000, NULL, D));
}

static ol_store_key *get_key(ol_store *s, const char *owner, uint32_t nonce)
{
    ol_store_key *k = NULL;
    OK(ol_store_key_get(s, owner, nonce, &k, D));
    return k;
}

static void check_balance(ol_store *s, const char *owner, uint32_t nonce, uint64_t initial,
                          uint64_t spent, uint64_t reserved, uint32_t inflight)
{
    ol_store_key *k = get_key(s, owner, nonce);
    assert_int_equal(k->initial_balance, initial);
    assert_int_equal(k->spent, spent);
    assert_int_equal(k->reserved, reserved);
    assert_int_equal(k->inflight, inflight);
    ol_store_key_free(k);
}

static ol_store_submit sub_of(const char *call_id, const char *task_id, uint64_t limit,
                              uint64_t deposit)
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
                           .max_concurrent = 0,
                           .input = (const uint8_t *)"{\"x\":1}",
                           .input_len = 7,
                           .task_json = "{\"env\":{}}",
                           .task_json_len = 10,
                           .is_async = false,
                           .max_attempts = 3};
    return sub;
}

static ol_store_submit_result submit(ol_store *s, const char *call_id, const char *task_id,
                                     uint64_t limit, uint64_t deposit, uint64_t now)
{
    ol_store_submit sub = sub_of(call_id, task_id, limit, deposit);
    ol_store_submit_result res = OL_STORE_SUBMIT_NO_KEY;
    OK(ol_store_call_submit(s, &sub, now, &res, D));
    return res;
}

static ol_store_task *claim(ol_store *s, const char *worker, uint64_t now, uint64_t lease)
{
    ol_store_task *t = NULL;
    OK(ol_store_task_claim(s, worker, now, lease, &t, D));
    return t;
}

static ol_store_completion completion(const ol_store_task *t, const char *worker, bool success,
                                      uint64_t charge)
{
    ol_store_completion c = {.task_id = t->id,
                             .worker_id = worker,
                             .attempt = t->attempt,
                             .success = success,
                             .error_code = success ? NULL : "trap",
                             .error = success ? NULL : "unreachable executed",
                             .run_status = success ? "ok" : "trap",
                             .exit_code = 0,
                             .instructions = 12345,
                             .time_ms = 7,
                             .charge = charge,
                             .output = (const uint8_t *)"{\"ok\":true}",
                             .output_len = 11,
                             .stderr_text = "log line",
                             .evidence = "{\"record\":{},\"signature\":\"x\"}",
                             .transcript = (const uint8_t *)"outlayer-transcript 1\n",
                             .transcript_len = 22};
    return c;
}

static ol_store_call *get_call(ol_store *s, const char *id)
{
    ol_store_call *c = NULL;
    OK(ol_store_call_get(s, id, &c, D));
    return c;
}

/* -------------------------------------- tests -------------------------------------- */

static void test_store_open_and_reopen(void **state)
{
    fx *f = *state;
    assert_true(ol_store_schema_version(f->s) >= 1);
    OK(ol_store_ping(f->s, D));
    OK(ol_store_project_create(f->s, "alice.near", "app", 5, D));
    make_key(f->s, "bob.near", 0, 5000, 0);
    assert_int_equal(submit(f->s, "c1", "t1", 1000, 0, 10), OL_STORE_SUBMIT_OK);
    uint32_t v = ol_store_schema_version(f->s);
    ol_store_close(f->s);
    f->s = NULL;
    /* Reopening applies nothing new and finds everything. */
    ol_diag d = {0};
    assert_int_equal(ol_store_open(f->url, NULL, &f->s, &d), OL_OK);
    assert_int_equal(ol_store_schema_version(f->s), v);
    ol_store_project p;
    OK(ol_store_project_get(f->s, "alice.near", "app", &p, D));
    check_balance(f->s, "bob.near", 1, 5000, 0, 1000, 1);
    ol_store_call *c = get_call(f->s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_PENDING);
    ol_store_call_free(c);
}

static void test_store_bad_urls(void **state)
{
    (void)state;
    ol_store *s = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_store_open("nope", NULL, &s, &d), OL_E_INVAL);
    assert_int_equal(ol_store_open("redis://127.0.0.1/0", NULL, &s, &d), OL_E_UNSUPPORTED);
    assert_int_equal(ol_store_open("sqlite:", NULL, &s, &d), OL_E_INVAL);
    assert_int_equal(ol_store_open("sqlite:/nonexistent-dir-ol/x/y.db", NULL, &s, &d), OL_E_IO);
    assert_int_equal(ol_store_open("sqlite:/tmp/x.db?mode=weird", NULL, &s, &d), OL_E_INVAL);
    assert_null(s);
}

static int count_versions(void *ud, const ol_store_version *v)
{
    (void)v;
    (*(int *)ud)++;
    return 0;
}

static int collect_names(void *ud, const ol_store_project *p)
{
    char *buf = ud;
    strcat(buf, p->owner);
    strcat(buf, "/");
    strcat(buf, p->name);
    strcat(buf, ";");
    return 0;
}

static void test_store_registry(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    ol_diag d = {0};
    OK(ol_store_project_create(s, "alice.near", "app", 5, D));
    OK(ol_store_project_create(s, "alice.near", "other", 6, D));
    OK(ol_store_project_create(s, "aaron.near", "zeta", 7, D));
    assert_int_equal(ol_store_project_create(s, "alice.near", "app", 8, &d), OL_E_EXISTS);
    ol_store_project p;
    assert_int_equal(ol_store_project_get(s, "alice.near", "nope", &p, &d), OL_E_NOTFOUND);
    OK(ol_store_project_get(s, "alice.near", "app", &p, D));
    assert_string_equal(p.active_version, "");
    assert_int_equal(p.nversions, 0);
    assert_int_equal(p.created_ms, 5);

    /* No version yet: nothing active. */
    ol_store_version v;
    assert_int_equal(ol_store_version_get(s, "alice.near", "app", NULL, &v, &d), OL_E_NOTFOUND);

    /* The first version becomes active even without `activate`. */
    const uint8_t m1[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    const uint8_t m2[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0, 1, 0};
    char sha1[65], sha2[65];
    OK(ol_store_version_add(s, "alice.near", "app", m1, sizeof m1, false, 10, sha1, D));
    assert_int_equal(strlen(sha1), 64);
    OK(ol_store_version_get(s, "alice.near", "app", NULL, &v, D));
    assert_string_equal(v.sha256, sha1);
    assert_true(v.active);
    assert_int_equal(v.size, sizeof m1);
    /* A second one without activate stays inactive; with activate it wins. */
    OK(ol_store_version_add(s, "alice.near", "app", m2, sizeof m2, false, 11, sha2, D));
    OK(ol_store_version_get(s, "alice.near", "app", sha2, &v, D));
    assert_false(v.active);
    OK(ol_store_version_get(s, "alice.near", "app", NULL, &v, D));
    assert_string_equal(v.sha256, sha1);
    OK(ol_store_version_activate(s, "alice.near", "app", sha2, D));
    OK(ol_store_version_get(s, "alice.near", "app", NULL, &v, D));
    assert_string_equal(v.sha256, sha2);
    /* Re-adding is idempotent; activate flag honoured. */
    char again[65];
    OK(ol_store_version_add(s, "alice.near", "app", m1, sizeof m1, true, 12, again, D));
    assert_string_equal(again, sha1);
    OK(ol_store_version_get(s, "alice.near", "app", NULL, &v, D));
    assert_string_equal(v.sha256, sha1);
    int n = 0;
    OK(ol_store_version_list(s, "alice.near", "app", count_versions, &n, D));
    assert_int_equal(n, 2);
    OK(ol_store_project_get(s, "alice.near", "app", &p, D));
    assert_int_equal(p.nversions, 2);

    /* Content addressing: the same bytes in another project have the same key. */
    OK(ol_store_version_add(s, "alice.near", "other", m1, sizeof m1, false, 13, again, D));
    assert_string_equal(again, sha1);
    uint8_t *bytes = NULL;
    size_t len = 0;
    OK(ol_store_wasm_get(s, sha1, &bytes, &len, D));
    assert_int_equal(len, sizeof m1);
    assert_memory_equal(bytes, m1, sizeof m1);
    free(bytes);

    /* Errors. */
    assert_int_equal(ol_store_wasm_get(s, V1, &bytes, &len, &d), OL_E_NOTFOUND);
    assert_int_equal(ol_store_wasm_get(s, "zz", &bytes, &len, &d), OL_E_NOTFOUND);
    assert_int_equal(ol_store_version_activate(s, "alice.near", "app", V1, &d), OL_E_NOTFOUND);
    assert_int_equal(
        ol_store_version_add(s, "alice.near", "nope", m1, sizeof m1, false, 1, NULL, &d),
        OL_E_NOTFOUND);
    assert_int_equal(ol_store_version_add(s, "alice.near", "app", m1, 0, false, 1, NULL, &d),
                     OL_E_INVAL);
    assert_int_equal(ol_store_version_list(s, "x.near", "y", count_versions, &n, &d),
                     OL_E_NOTFOUND);
    assert_int_equal(ol_store_project_create(s, "", "x", 1, &d), OL_E_INVAL);
    char longname[80];
    memset(longname, 'a', 70);
    longname[70] = '\0';
    assert_int_equal(ol_store_project_create(s, "alice.near", longname, 1, &d), OL_E_INVAL);

    char names[256] = "";
    OK(ol_store_project_list(s, collect_names, names, D));
    assert_string_equal(names, "aaron.near/zeta;alice.near/app;alice.near/other;");
}

static int count_keys(void *ud, const ol_store_key *k)
{
    (void)k;
    (*(int *)ud)++;
    return 0;
}

static void test_store_keys(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    ol_diag d = {0};
    const char *allow[] = {"alice.near/app", "carol.near/*"};
    ol_store_key_spec spec = {.owner = "bob.near",
                              .initial_balance = 1000000,
                              .max_per_call = 50000,
                              .projects = allow,
                              .nprojects = 2};
    memset(spec.secret_sha256, 7, 32);
    uint32_t nonce = 0;
    OK(ol_store_key_create(s, &spec, 100, &nonce, D));
    assert_int_equal(nonce, 1);
    spec.nprojects = 0;
    OK(ol_store_key_create(s, &spec, 101, &nonce, D));
    assert_int_equal(nonce, 2);
    spec.nonce = 7;
    OK(ol_store_key_create(s, &spec, 102, &nonce, D));
    assert_int_equal(nonce, 7);
    assert_int_equal(ol_store_key_create(s, &spec, 103, &nonce, &d), OL_E_EXISTS);
    spec.nonce = 0;
    OK(ol_store_key_create(s, &spec, 104, &nonce, D));
    assert_int_equal(nonce, 8);
    spec.owner = "dave.near";
    OK(ol_store_key_create(s, &spec, 105, &nonce, D));
    assert_int_equal(nonce, 1);

    ol_store_key *k = get_key(s, "bob.near", 1);
    assert_int_equal(k->initial_balance, 1000000);
    assert_int_equal(k->max_per_call, 50000);
    assert_int_equal(k->spent, 0);
    assert_int_equal(k->reserved, 0);
    assert_int_equal(k->nprojects, 2);
    assert_string_equal(k->projects[0], "alice.near/app");
    assert_string_equal(k->projects[1], "carol.near/*");
    uint8_t seven[32];
    memset(seven, 7, 32);
    assert_memory_equal(k->secret_sha256, seven, 32);
    assert_int_equal(k->created_ms, 100);
    assert_int_equal(k->last_used_ms, 0);
    assert_true(ol_store_key_allows(k, "alice.near/app"));
    assert_false(ol_store_key_allows(k, "alice.near/other"));
    assert_true(ol_store_key_allows(k, "carol.near/anything"));
    assert_false(ol_store_key_allows(k, "carol.nearx/a"));
    assert_false(ol_store_key_allows(k, "carol.near"));
    ol_store_key_free(k);
    k = get_key(s, "bob.near", 2);
    assert_int_equal(k->nprojects, 0);
    assert_true(ol_store_key_allows(k, "anyone.near/any"));
    ol_store_key_free(k);
    assert_int_equal(ol_store_key_get(s, "bob.near", 3, &k, &d), OL_E_NOTFOUND);

    int n = 0;
    OK(ol_store_key_list(s, "bob.near", count_keys, &n, D));
    assert_int_equal(n, 4);
    n = 0;
    OK(ol_store_key_list(s, NULL, count_keys, &n, D));
    assert_int_equal(n, 5);

    /* Top-ups, with overflow checks. */
    OK(ol_store_key_top_up(s, "bob.near", 1, 500, D));
    check_balance(s, "bob.near", 1, 1000500, 0, 0, 0);
    assert_int_equal(ol_store_key_top_up(s, "bob.near", 1, OL_STORE_MONEY_MAX, &d), OL_E_RANGE);
    assert_int_equal(ol_store_key_top_up(s, "bob.near", 99, 1, &d), OL_E_NOTFOUND);
    check_balance(s, "bob.near", 1, 1000500, 0, 0, 0);

    /* Validation. */
    spec.initial_balance = OL_STORE_MONEY_MAX + 1;
    assert_int_equal(ol_store_key_create(s, &spec, 1, NULL, &d), OL_E_INVAL);
    spec.initial_balance = 1;
    const char *many[OL_STORE_MAX_PROJECTS + 1];
    for (size_t i = 0; i <= OL_STORE_MAX_PROJECTS; i++)
        many[i] = "a.near/b";
    spec.projects = many;
    spec.nprojects = OL_STORE_MAX_PROJECTS + 1;
    assert_int_equal(ol_store_key_create(s, &spec, 1, NULL, &d), OL_E_INVAL);
    const char *bad[] = {"noslash"};
    spec.projects = bad;
    spec.nprojects = 1;
    assert_int_equal(ol_store_key_create(s, &spec, 1, NULL, &d), OL_E_INVAL);
}

static void test_store_submit_reserves(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    ol_diag d = {0};
    make_key(s, "bob.near", 1, 10000, 0);
    assert_int_equal(submit(s, "c1", "t1", 3000, 1000, 50), OL_STORE_SUBMIT_OK);
    check_balance(s, "bob.near", 1, 10000, 0, 4000, 1);
    ol_store_call *c = get_call(s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_PENDING);
    assert_int_equal(c->reserved, 4000);
    assert_int_equal(c->compute_limit, 3000);
    assert_int_equal(c->attached_deposit, 1000);
    assert_int_equal(c->created_ms, 50);
    assert_int_equal(c->input_len, 7);
    assert_memory_equal(c->input, "{\"x\":1}", 7);
    assert_string_equal(c->task_json, "{\"env\":{}}");
    assert_string_equal(c->task_id, "t1");
    assert_string_equal(c->key_owner, "bob.near");
    assert_string_equal(c->version, V1);
    assert_int_equal(c->output_len, 0);
    assert_string_equal(c->error_code, "");
    ol_store_call_free(c);
    ol_store_key *k = get_key(s, "bob.near", 1);
    assert_int_equal(k->last_used_ms, 50);
    ol_store_key_free(k);

    /* Exactly the rest fits; one more micro-USD does not. Refusals write nothing. */
    assert_int_equal(submit(s, "c2", "t2", 6001, 0, 51), OL_STORE_SUBMIT_INSUFFICIENT);
    check_balance(s, "bob.near", 1, 10000, 0, 4000, 1);
    assert_int_equal(ol_store_call_get(s, "c2", &c, &d), OL_E_NOTFOUND);
    assert_int_equal(submit(s, "c2", "t2", 6000, 0, 51), OL_STORE_SUBMIT_OK);
    check_balance(s, "bob.near", 1, 10000, 0, 10000, 2);
    assert_int_equal(submit(s, "c3", "t3", 1, 0, 52), OL_STORE_SUBMIT_INSUFFICIENT);

    /* Unknown key. */
    ol_store_submit sub = sub_of("c4", "t4", 1, 0);
    sub.key_nonce = 9;
    ol_store_submit_result res;
    OK(ol_store_call_submit(s, &sub, 1, &res, D));
    assert_int_equal(res, OL_STORE_SUBMIT_NO_KEY);

    /* Duplicate ids: refused as a whole, the reservation untouched. */
    make_key(s, "bob.near", 2, 10000, 0);
    sub = sub_of("c1", "t9", 100, 0);
    sub.key_nonce = 2;
    assert_int_equal(ol_store_call_submit(s, &sub, 1, &res, &d), OL_E_EXISTS);
    sub = sub_of("c9", "t1", 100, 0);
    sub.key_nonce = 2;
    assert_int_equal(ol_store_call_submit(s, &sub, 1, &res, &d), OL_E_EXISTS);
    check_balance(s, "bob.near", 2, 10000, 0, 0, 0);

    /* Money bounds. */
    sub = sub_of("c10", "t10", OL_STORE_MONEY_MAX, 1);
    assert_int_equal(ol_store_call_submit(s, &sub, 1, &res, &d), OL_E_RANGE);
    sub = sub_of("c10", "t10", 1, 0);
    sub.version = "abc";
    assert_int_equal(ol_store_call_submit(s, &sub, 1, &res, &d), OL_E_INVAL);
}

static void test_store_concurrency_cap(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    make_key(s, "bob.near", 1, 100000, 0);
    char id[32], tid[32];
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "c%d", i);
        snprintf(tid, sizeof tid, "t%d", i);
        ol_store_submit sub = sub_of(id, tid, 1000, 0);
        sub.max_concurrent = 3;
        ol_store_submit_result res;
        OK(ol_store_call_submit(s, &sub, 1, &res, D));
        assert_int_equal(res, OL_STORE_SUBMIT_OK);
    }
    ol_store_submit sub = sub_of("c3", "t3", 1000, 0);
    sub.max_concurrent = 3;
    ol_store_submit_result res;
    OK(ol_store_call_submit(s, &sub, 1, &res, D));
    assert_int_equal(res, OL_STORE_SUBMIT_TOO_MANY);
    /* At the cap, the cap is reported even when the balance would not cover the call. */
    ol_store_submit big = sub_of("c3", "t3", 99000, 0);
    big.max_concurrent = 3;
    OK(ol_store_call_submit(s, &big, 1, &res, D));
    assert_int_equal(res, OL_STORE_SUBMIT_TOO_MANY);
    check_balance(s, "bob.near", 1, 100000, 0, 3000, 3);
    /* Finishing one frees a slot. */
    ol_store_task *t = claim(s, W1, 10, 1000);
    ol_store_completion c = completion(t, W1, true, 500);
    bool settled = false;
    OK(ol_store_task_complete(s, &c, 20, &settled, D));
    assert_true(settled);
    ol_store_task_free(t);
    OK(ol_store_call_submit(s, &sub, 30, &res, D));
    assert_int_equal(res, OL_STORE_SUBMIT_OK);
    check_balance(s, "bob.near", 1, 100000, 500, 3000, 3);
}

static void test_store_claim_and_complete(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    ol_diag d = {0};
    make_key(s, "bob.near", 1, 10000, 0);
    assert_int_equal(submit(s, "c1", "t1", 3000, 1000, 50), OL_STORE_SUBMIT_OK);
    ol_store_task *t = claim(s, W1, 100, 500);
    assert_string_equal(t->id, "t1");
    assert_string_equal(t->call_id, "c1");
    assert_string_equal(t->worker_id, W1);
    assert_string_equal(t->project_owner, "alice.near");
    assert_string_equal(t->project_name, "app");
    assert_string_equal(t->version, V1);
    assert_int_equal(t->attempt, 1);
    assert_int_equal(t->max_attempts, 3);
    assert_int_equal(t->lease_expires_ms, 600);
    assert_int_equal(t->input_len, 7);
    assert_memory_equal(t->input, "{\"x\":1}", 7);
    assert_string_equal(t->task_json, "{\"env\":{}}");
    ol_store_task *none = NULL;
    assert_int_equal(ol_store_task_claim(s, W2, 100, 500, &none, &d), OL_E_NOTFOUND);
    ol_store_call *c = get_call(s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_RUNNING);
    assert_int_equal(c->started_ms, 100);
    assert_int_equal(c->attempts, 1);
    assert_string_equal(c->worker_id, W1);
    ol_store_call_free(c);

    /* Renew: only the holder, with its attempt. */
    OK(ol_store_task_renew(s, "t1", W1, 1, 300, 500, D));
    assert_int_equal(ol_store_task_renew(s, "t1", W2, 1, 300, 500, &d), OL_E_STATE);
    assert_int_equal(ol_store_task_renew(s, "t1", W1, 2, 300, 500, &d), OL_E_STATE);
    assert_int_equal(ol_store_task_renew(s, "nope", W1, 1, 300, 500, &d), OL_E_NOTFOUND);
    /* The renewed lease (until 800) is not claimable at 700. */
    assert_int_equal(ol_store_task_claim(s, W2, 700, 500, &none, &d), OL_E_NOTFOUND);

    /* A charge above the compute limit is refused and changes nothing. */
    ol_store_completion comp = completion(t, W1, true, 3001);
    bool settled = true;
    assert_int_equal(ol_store_task_complete(s, &comp, 750, &settled, &d), OL_E_RANGE);
    check_balance(s, "bob.near", 1, 10000, 0, 4000, 1);
    /* Another worker cannot complete it. */
    comp = completion(t, W2, true, 100);
    assert_int_equal(ol_store_task_complete(s, &comp, 750, &settled, &d), OL_E_STATE);

    /* Success: charge + deposit spent, the whole reservation released, deposit earned. */
    comp = completion(t, W1, true, 2150);
    OK(ol_store_task_complete(s, &comp, 760, &settled, D));
    assert_true(settled);
    check_balance(s, "bob.near", 1, 10000, 3150, 0, 0);
    ol_store_earnings e;
    OK(ol_store_earnings_get(s, "alice.near", &e, D));
    assert_int_equal(e.balance, 1000);
    assert_int_equal(e.total_earned, 1000);
    assert_int_equal(e.updated_ms, 760);
    c = get_call(s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_COMPLETED);
    assert_int_equal(c->charged, 2150);
    assert_int_equal(c->paid, 1000);
    assert_int_equal(c->reserved, 0);
    assert_int_equal(c->instructions, 12345);
    assert_int_equal(c->time_ms, 7);
    assert_int_equal(c->completed_ms, 760);
    assert_string_equal(c->run_status, "ok");
    assert_string_equal(c->error_code, "");
    assert_int_equal(c->output_len, 11);
    assert_memory_equal(c->output, "{\"ok\":true}", 11);
    assert_string_equal(c->stderr_text, "log line");
    assert_string_equal(c->evidence, "{\"record\":{},\"signature\":\"x\"}");
    assert_int_equal(c->transcript_len, 22);
    ol_store_call_free(c);

    /* The same completion again: OK, not settled, nothing changes. */
    OK(ol_store_task_complete(s, &comp, 770, &settled, D));
    assert_false(settled);
    comp.charge = 1; /* even with different numbers */
    OK(ol_store_task_complete(s, &comp, 771, &settled, D));
    assert_false(settled);
    check_balance(s, "bob.near", 1, 10000, 3150, 0, 0);
    OK(ol_store_earnings_get(s, "alice.near", &e, D));
    assert_int_equal(e.total_earned, 1000);
    /* Another attempt number is not a repeat. */
    comp.attempt = 2;
    assert_int_equal(ol_store_task_complete(s, &comp, 772, &settled, &d), OL_E_STATE);
    assert_int_equal(ol_store_task_renew(s, "t1", W1, 1, 800, 500, &d), OL_E_STATE);
    assert_int_equal(ol_store_task_claim(s, W2, 100000, 500, &none, &d), OL_E_NOTFOUND);
    comp.task_id = "nope";
    assert_int_equal(ol_store_task_complete(s, &comp, 772, &settled, &d), OL_E_NOTFOUND);
    ol_store_task_free(t);
}

static void test_store_failure_settlement(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    make_key(s, "bob.near", 1, 10000, 0);
    assert_int_equal(submit(s, "c1", "t1", 3000, 1000, 1), OL_STORE_SUBMIT_OK);
    ol_store_task *t = claim(s, W1, 2, 500);
    ol_store_completion comp = completion(t, W1, false, 777);
    bool settled = false;
    OK(ol_store_task_complete(s, &comp, 3, &settled, D));
    assert_true(settled);
    /* Program failure: charged for what ran; the deposit goes back. */
    check_balance(s, "bob.near", 1, 10000, 777, 0, 0);
    ol_store_earnings e;
    OK(ol_store_earnings_get(s, "alice.near", &e, D));
    assert_int_equal(e.total_earned, 0);
    ol_store_call *c = get_call(s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_FAILED);
    assert_string_equal(c->error_code, "trap");
    assert_string_equal(c->error, "unreachable executed");
    assert_int_equal(c->charged, 777);
    assert_int_equal(c->paid, 0);
    ol_store_call_free(c);
    ol_store_task_free(t);

    /* Platform failure (charge 0): nothing spent. */
    assert_int_equal(submit(s, "c2", "t2", 3000, 1000, 4), OL_STORE_SUBMIT_OK);
    t = claim(s, W1, 5, 500);
    comp = completion(t, W1, false, 0);
    comp.error_code = "invalid_module";
    OK(ol_store_task_complete(s, &comp, 6, &settled, D));
    check_balance(s, "bob.near", 1, 10000, 777, 0, 0);
    ol_store_task_free(t);
}

static void test_store_lease_redelivery(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    ol_diag d = {0};
    make_key(s, "bob.near", 1, 10000, 0);
    assert_int_equal(submit(s, "c1", "t1", 1000, 0, 0), OL_STORE_SUBMIT_OK);
    ol_store_task *t1 = claim(s, W1, 0, 100);
    ol_store_sweep sw;
    OK(ol_store_sweep_leases(s, 99, 0, 0, &sw, D));
    assert_int_equal(sw.nfailed + sw.nrequeued, 0);
    /* Lapsed at 100: another worker claims it directly (attempt 2). */
    ol_store_task *t2 = claim(s, W2, 100, 100);
    assert_string_equal(t2->id, "t1");
    assert_int_equal(t2->attempt, 2);
    /* The first worker lost it: renew and complete are refused. */
    assert_int_equal(ol_store_task_renew(s, "t1", W1, 1, 101, 100, &d), OL_E_STATE);
    ol_store_completion comp = completion(t1, W1, true, 10);
    bool settled = true;
    assert_int_equal(ol_store_task_complete(s, &comp, 102, &settled, &d), OL_E_STATE);
    check_balance(s, "bob.near", 1, 10000, 0, 1000, 1);
    comp = completion(t2, W2, true, 10);
    OK(ol_store_task_complete(s, &comp, 103, &settled, D));
    assert_true(settled);
    check_balance(s, "bob.near", 1, 10000, 10, 0, 0);
    ol_store_call *c = get_call(s, "c1");
    assert_int_equal(c->attempts, 2);
    assert_string_equal(c->worker_id, W2);
    ol_store_call_free(c);
    ol_store_task_free(t1);
    ol_store_task_free(t2);

    /* A lapsed lease the holder renews before anyone claims it stays the holder's. */
    assert_int_equal(submit(s, "c2", "t2", 1000, 0, 200), OL_STORE_SUBMIT_OK);
    t1 = claim(s, W1, 200, 100);
    OK(ol_store_task_renew(s, "t2", W1, 1, 350, 100, D));
    ol_store_task *none = NULL;
    assert_int_equal(ol_store_task_claim(s, W2, 400, 100, &none, &d), OL_E_NOTFOUND);
    ol_store_task_free(t1);
}

static void test_store_worker_lost(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    ol_diag d = {0};
    make_key(s, "bob.near", 1, 10000, 0);
    ol_store_submit sub = sub_of("c1", "t1", 1000, 500);
    sub.max_attempts = 2;
    ol_store_submit_result res;
    OK(ol_store_call_submit(s, &sub, 0, &res, D));
    ol_store_task *t = claim(s, W1, 0, 100);
    ol_store_task_free(t);
    /* Lapse 1: requeued (the call is pending again). */
    ol_store_sweep sw;
    OK(ol_store_sweep_leases(s, 150, 0, 0, &sw, D));
    assert_int_equal(sw.nfailed, 0);
    assert_int_equal(sw.nrequeued, 1);
    assert_string_equal(sw.requeued[0], "c1");
    free(sw.requeued);
    ol_store_call *c = get_call(s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_PENDING);
    ol_store_call_free(c);
    ol_store_stats st;
    OK(ol_store_stats_get(s, &st, D));
    assert_int_equal(st.queue_depth, 1);
    t = claim(s, W2, 160, 100);
    assert_int_equal(t->attempt, 2);
    /* Lapse 2 of 2: the call fails with worker_lost, uncharged, reservation released. */
    OK(ol_store_sweep_leases(s, 260, 0, 0, &sw, D));
    assert_int_equal(sw.nfailed, 1);
    assert_int_equal(sw.nrequeued, 0);
    assert_string_equal(sw.failed[0], "c1");
    free(sw.failed);
    check_balance(s, "bob.near", 1, 10000, 0, 0, 0);
    c = get_call(s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_FAILED);
    assert_string_equal(c->error_code, "worker_lost");
    assert_int_equal(c->charged, 0);
    assert_int_equal(c->paid, 0);
    ol_store_call_free(c);
    /* The late worker's completion cannot settle it again. */
    ol_store_completion comp = completion(t, W2, true, 10);
    bool settled = true;
    assert_int_equal(ol_store_task_complete(s, &comp, 270, &settled, &d), OL_E_STATE);
    check_balance(s, "bob.near", 1, 10000, 0, 0, 0);
    ol_store_task *none = NULL;
    assert_int_equal(ol_store_task_claim(s, W1, 10000, 100, &none, &d), OL_E_NOTFOUND);
    OK(ol_store_sweep_leases(s, 100000, 0, 0, &sw, D));
    assert_int_equal(sw.nfailed + sw.nrequeued, 0);
    ol_store_task_free(t);
}

static void test_store_cancel_and_ttl(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    ol_diag d = {0};
    make_key(s, "bob.near", 1, 10000, 0);
    assert_int_equal(submit(s, "c1", "t1", 1000, 100, 0), OL_STORE_SUBMIT_OK);
    assert_int_equal(submit(s, "c2", "t2", 1000, 0, 10), OL_STORE_SUBMIT_OK);
    assert_int_equal(submit(s, "c3", "t3", 1000, 0, 20), OL_STORE_SUBMIT_OK);
    OK(ol_store_call_cancel_queued(s, "c1", "no_worker_available", "nobody came", 5, D));
    check_balance(s, "bob.near", 1, 10000, 0, 2000, 2);
    ol_store_call *c = get_call(s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_FAILED);
    assert_string_equal(c->error_code, "no_worker_available");
    assert_string_equal(c->error, "nobody came");
    ol_store_call_free(c);
    assert_int_equal(ol_store_call_cancel_queued(s, "c1", "x", NULL, 6, &d), OL_E_STATE);
    assert_int_equal(ol_store_call_cancel_queued(s, "zz", "x", NULL, 6, &d), OL_E_NOTFOUND);
    /* A claimed call cannot be cancelled. */
    ol_store_task *t = claim(s, W1, 30, 1000);
    assert_string_equal(t->call_id, "c2");
    assert_int_equal(ol_store_call_cancel_queued(s, "c2", "x", NULL, 31, &d), OL_E_STATE);
    ol_store_task_free(t);
    /* Queue TTL: c3 queued at 20 fails when the sweep cuts at 21; c2 (leased) is untouched. */
    ol_store_sweep sw;
    OK(ol_store_sweep_leases(s, 40, 20, 0, &sw, D));
    assert_int_equal(sw.nfailed, 0);
    OK(ol_store_sweep_leases(s, 40, 21, 0, &sw, D));
    assert_int_equal(sw.nfailed, 1);
    assert_string_equal(sw.failed[0], "c3");
    free(sw.failed);
    check_balance(s, "bob.near", 1, 10000, 0, 1000, 1);
}

static void test_store_workers(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    ol_diag d = {0};
    uint8_t tok[32], tok2[32];
    memset(tok, 1, 32);
    memset(tok2, 2, 32);
    ol_store_worker w, w2;
    OK(ol_store_worker_register(s, tok, "w", "ed25519:AAA", 4, "id-1", 10, &w, D));
    assert_string_equal(w.id, "id-1");
    assert_int_equal(w.capacity, 4);
    /* Same token and key: same worker, updated. */
    OK(ol_store_worker_register(s, tok, "w-renamed", "ed25519:AAA", 8, "id-2", 20, &w2, D));
    assert_string_equal(w2.id, "id-1");
    assert_string_equal(w2.name, "w-renamed");
    assert_int_equal(w2.capacity, 8);
    assert_int_equal(w2.last_seen_ms, 20);
    /* Another key or token: another worker. */
    OK(ol_store_worker_register(s, tok, "w", "ed25519:BBB", 1, "id-2", 30, &w2, D));
    assert_string_equal(w2.id, "id-2");
    OK(ol_store_worker_register(s, tok2, "w", "ed25519:AAA", 1, "id-3", 30, &w2, D));
    assert_string_equal(w2.id, "id-3");
    assert_int_equal(ol_store_worker_register(s, tok2, "w", "ed25519:CCC", 1, "id-1", 30, &w2, &d),
                     OL_E_EXISTS);
    OK(ol_store_worker_heartbeat(s, "id-1", 3, 40, D));
    OK(ol_store_worker_get(s, "id-1", &w, D));
    assert_int_equal(w.running, 3);
    assert_int_equal(w.last_seen_ms, 40);
    assert_int_equal(w.registered_ms, 10);
    assert_memory_equal(w.token_sha256, tok, 32);
    assert_string_equal(w.public_key, "ed25519:AAA");
    assert_int_equal(ol_store_worker_heartbeat(s, "nope", 0, 40, &d), OL_E_NOTFOUND);
    assert_int_equal(ol_store_worker_get(s, "nope", &w, &d), OL_E_NOTFOUND);

    assert_int_equal(ol_store_worker_token_check(s, tok, &d), OL_E_NOTFOUND);
    OK(ol_store_worker_token_add(s, tok, "t", 1, D));
    OK(ol_store_worker_token_check(s, tok, D));
    assert_int_equal(ol_store_worker_token_add(s, tok, "t", 1, &d), OL_E_EXISTS);
}

static void test_store_stats(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    make_key(s, "bob.near", 1, 100000, 0);
    make_key(s, "carol.near", 1, 100000, 0);
    OK(ol_store_project_create(s, "alice.near", "app", 1, D));
    assert_int_equal(submit(s, "c1", "t1", 1000, 0, 1), OL_STORE_SUBMIT_OK);
    assert_int_equal(submit(s, "c2", "t2", 1000, 0, 2), OL_STORE_SUBMIT_OK);
    assert_int_equal(submit(s, "c3", "t3", 1000, 0, 3), OL_STORE_SUBMIT_OK);
    ol_store_task *t = claim(s, W1, 10, 100);
    ol_store_completion comp = completion(t, W1, true, 300);
    bool settled;
    OK(ol_store_task_complete(s, &comp, 11, &settled, D));
    ol_store_task_free(t);
    t = claim(s, W1, 12, 100);
    comp = completion(t, W1, false, 200);
    OK(ol_store_task_complete(s, &comp, 13, &settled, D));
    ol_store_task_free(t);
    t = claim(s, W1, 14, 100);
    ol_store_task_free(t);
    ol_store_stats st;
    OK(ol_store_stats_get(s, &st, D));
    assert_int_equal(st.calls[OL_STORE_CALL_PENDING], 0);
    assert_int_equal(st.calls[OL_STORE_CALL_RUNNING], 1);
    assert_int_equal(st.calls[OL_STORE_CALL_COMPLETED], 1);
    assert_int_equal(st.calls[OL_STORE_CALL_FAILED], 1);
    assert_int_equal(st.total_instructions, 2 * 12345);
    assert_int_equal(st.total_time_ms, 14);
    assert_int_equal(st.ran_calls, 2);
    assert_int_equal(st.total_charged, 500);
    assert_int_equal(st.calls_charged, 2);
    assert_int_equal(st.unique_users, 1);
    assert_int_equal(st.queue_depth, 0);
    assert_int_equal(st.leased, 1);
    assert_int_equal(st.projects, 1);
    assert_int_equal(st.keys, 2);
}

/* ---- races ---- */

typedef struct race {
    ol_store *s;
    int thread;
    int attempts;
    int ok, insufficient;
    int errors;
} race;

static void *race_submit(void *arg)
{
    race *r = arg;
    for (int i = 0; i < r->attempts; i++) {
        char id[32], tid[32];
        snprintf(id, sizeof id, "r%d-%d", r->thread, i);
        snprintf(tid, sizeof tid, "rt%d-%d", r->thread, i);
        ol_store_submit sub = sub_of(id, tid, 300, 7);
        ol_store_submit_result res;
        ol_diag d = {0};
        if (ol_store_call_submit(r->s, &sub, (uint64_t)i, &res, &d) != OL_OK)
            r->errors++;
        else if (res == OL_STORE_SUBMIT_OK)
            r->ok++;
        else if (res == OL_STORE_SUBMIT_INSUFFICIENT)
            r->insufficient++;
        else
            r->errors++;
    }
    return NULL;
}

static void test_store_concurrent_reservations(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    /* 10 000 micro-USD, 307 per call: exactly 32 fit (9 824), 176 remain. */
    make_key(s, "bob.near", 1, 10000, 0);
    enum { NT = 8, PER = 25 };
    pthread_t th[NT];
    race r[NT];
    for (int i = 0; i < NT; i++) {
        r[i] = (race){.s = s, .thread = i, .attempts = PER};
        assert_int_equal(pthread_create(&th[i], NULL, race_submit, &r[i]), 0);
    }
    int ok = 0, insufficient = 0;
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].errors, 0);
        ok += r[i].ok;
        insufficient += r[i].insufficient;
    }
    assert_int_equal(ok, 32);
    assert_int_equal(insufficient, NT * PER - 32);
    check_balance(s, "bob.near", 1, 10000, 0, 32 * 307, 32);

    /* Settle all, alternately success and failure, with distinct charges: exact totals. */
    uint64_t spent = 0;
    for (int i = 0; i < 32; i++) {
        ol_store_task *t = claim(s, W1, 1000, 100);
        bool success = i % 2 == 0;
        ol_store_completion comp = completion(t, W1, success, (uint64_t)i * 9);
        bool settled = false;
        OK(ol_store_task_complete(s, &comp, 1001, &settled, D));
        assert_true(settled);
        spent += (uint64_t)i * 9 + (success ? 7 : 0);
        ol_store_task_free(t);
    }
    check_balance(s, "bob.near", 1, 10000, spent, 0, 0);
    ol_store_earnings e;
    OK(ol_store_earnings_get(s, "alice.near", &e, D));
    assert_int_equal(e.total_earned, 16 * 7);
}

typedef struct claim_race {
    ol_store *s;
    char worker[16];
    int got;
    char ids[200][OL_STORE_ID_MAX + 1];
    int errors;
} claim_race;

static void *race_claim(void *arg)
{
    claim_race *c = arg;
    for (;;) {
        ol_store_task *t = NULL;
        ol_diag d = {0};
        ol_err rc = ol_store_task_claim(c->s, c->worker, 10, 100000, &t, &d);
        if (rc == OL_E_NOTFOUND)
            break;
        if (rc != OL_OK) {
            c->errors++;
            break;
        }
        memcpy(c->ids[c->got++], t->id, sizeof c->ids[0]);
        ol_store_task_free(t);
    }
    return NULL;
}

static void test_store_concurrent_claims(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    make_key(s, "bob.near", 1, 1000000, 0);
    enum { N = 120, NT = 4 };
    for (int i = 0; i < N; i++) {
        char id[32], tid[32];
        snprintf(id, sizeof id, "c%03d", i);
        snprintf(tid, sizeof tid, "t%03d", i);
        assert_int_equal(submit(s, id, tid, 1000, 0, (uint64_t)i), OL_STORE_SUBMIT_OK);
    }
    static claim_race cr[NT];
    pthread_t th[NT];
    for (int i = 0; i < NT; i++) {
        memset(&cr[i], 0, sizeof cr[i]);
        cr[i].s = s;
        snprintf(cr[i].worker, sizeof cr[i].worker, "w%d", i);
        assert_int_equal(pthread_create(&th[i], NULL, race_claim, &cr[i]), 0);
    }
    int total = 0;
    static bool seen[N];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(cr[i].errors, 0);
        for (int k = 0; k < cr[i].got; k++) {
            int idx = atoi(cr[i].ids[k] + 1);
            assert_false(seen[idx]); /* claimed once */
            seen[idx] = true;
        }
        total += cr[i].got;
    }
    assert_int_equal(total, N);
}

/* ---- crash safety: fail the n-th step of a transaction for n = 0, 1, 2, ... ---- */

typedef struct snapshot {
    uint64_t spent, reserved, inflight, earned;
    ol_store_stats st;
} snapshot;

static snapshot snap(ol_store *s)
{
    snapshot x;
    memset(&x, 0, sizeof x);
    ol_store_key *k = get_key(s, "bob.near", 1);
    x.spent = k->spent;
    x.reserved = k->reserved;
    x.inflight = k->inflight;
    ol_store_key_free(k);
    ol_store_earnings e;
    OK(ol_store_earnings_get(s, "alice.near", &e, D));
    x.earned = e.total_earned;
    OK(ol_store_stats_get(s, &x.st, D));
    return x;
}

static void assert_same(const snapshot *a, const snapshot *b)
{
    assert_int_equal(a->spent, b->spent);
    assert_int_equal(a->reserved, b->reserved);
    assert_int_equal(a->inflight, b->inflight);
    assert_int_equal(a->earned, b->earned);
    assert_memory_equal(&a->st, &b->st, sizeof a->st);
}

static void test_store_crash_safety(void **state)
{
    fx *f = *state;
    ol_store *s = f->s;
    ol_diag d = {0};
    make_key(s, "bob.near", 1, 100000, 0);

    /* Submission. */
    int failures = 0;
    for (long n = 0;; n++) {
        snapshot before = snap(s);
        ol__store_set_fault(s, n);
        ol_store_submit sub = sub_of("c1", "t1", 1000, 300);
        ol_store_submit_result res;
        ol_err rc = ol_store_call_submit(s, &sub, 5, &res, &d);
        ol__store_set_fault(s, -1);
        if (rc == OL_OK) {
            assert_int_equal(res, OL_STORE_SUBMIT_OK);
            break;
        }
        assert_int_equal(rc, OL_E_IO);
        failures++;
        snapshot after = snap(s);
        assert_same(&before, &after);
        ol_store_call *c = NULL;
        assert_int_equal(ol_store_call_get(s, "c1", &c, &d), OL_E_NOTFOUND);
        assert_true(n < 100);
    }
    assert_true(failures >= 3); /* reserve, insert call, insert task */
    check_balance(s, "bob.near", 1, 100000, 0, 1300, 1);

    /* Claim. */
    ol_store_task *t = NULL;
    for (long n = 0;; n++) {
        snapshot before = snap(s);
        ol__store_set_fault(s, n);
        ol_err rc = ol_store_task_claim(s, W1, 10, 1000, &t, &d);
        ol__store_set_fault(s, -1);
        if (rc == OL_OK)
            break;
        assert_int_equal(rc, OL_E_IO);
        snapshot after = snap(s);
        assert_same(&before, &after);
        assert_true(n < 100);
    }
    assert_int_equal(t->attempt, 1); /* failed claims left no trace */

    /* Completion: money moves all at once or not at all. */
    failures = 0;
    for (long n = 0;; n++) {
        snapshot before = snap(s);
        ol__store_set_fault(s, n);
        ol_store_completion comp = completion(t, W1, true, 640);
        bool settled = false;
        ol_err rc = ol_store_task_complete(s, &comp, 20, &settled, &d);
        ol__store_set_fault(s, -1);
        if (rc == OL_OK) {
            assert_true(settled);
            break;
        }
        assert_int_equal(rc, OL_E_IO);
        failures++;
        snapshot after = snap(s);
        assert_same(&before, &after);
        ol_store_call *c = get_call(s, "c1");
        assert_int_equal(c->status, OL_STORE_CALL_RUNNING);
        ol_store_call_free(c);
        assert_true(n < 100);
    }
    assert_true(failures >= 5);
    check_balance(s, "bob.near", 1, 100000, 940, 0, 0);
    ol_store_earnings e;
    OK(ol_store_earnings_get(s, "alice.near", &e, D));
    assert_int_equal(e.total_earned, 300);
    ol_store_task_free(t);

    /* Sweep (worker_lost) under faults. */
    ol_store_submit sub = sub_of("c2", "t2", 1000, 0);
    sub.max_attempts = 1;
    ol_store_submit_result res;
    OK(ol_store_call_submit(s, &sub, 30, &res, D));
    t = claim(s, W1, 30, 10);
    ol_store_task_free(t);
    for (long n = 0;; n++) {
        snapshot before = snap(s);
        ol__store_set_fault(s, n);
        ol_store_sweep sw;
        ol_err rc = ol_store_sweep_leases(s, 100, 0, 0, &sw, &d);
        ol__store_set_fault(s, -1);
        if (rc == OL_OK) {
            assert_int_equal(sw.nfailed, 1);
            free(sw.failed);
            free(sw.requeued);
            break;
        }
        assert_int_equal(rc, OL_E_IO);
        snapshot after = snap(s);
        assert_same(&before, &after);
        assert_true(n < 100);
    }
    check_balance(s, "bob.near", 1, 100000, 940, 0, 0);
}

static void test_store_restart_keeps_leases(void **state)
{
    fx *f = *state;
    make_key(f->s, "bob.near", 1, 10000, 0);
    assert_int_equal(submit(f->s, "c1", "t1", 1000, 0, 0), OL_STORE_SUBMIT_OK);
    ol_store_task *t = claim(f->s, W1, 0, 100);
    ol_store_task_free(t);
    ol_store_close(f->s);
    ol_diag d = {0};
    assert_int_equal(ol_store_open(f->url, NULL, &f->s, &d), OL_OK);
    ol_store_call *c = get_call(f->s, "c1");
    assert_int_equal(c->status, OL_STORE_CALL_RUNNING);
    ol_store_call_free(c);
    ol_store_task *none = NULL;
    assert_int_equal(ol_store_task_claim(f->s, W2, 50, 100, &none, &d), OL_E_NOTFOUND);
    t = claim(f->s, W2, 100, 100);
    assert_int_equal(t->attempt, 2);
    ol_store_task_free(t);
}

/* ---------------------------- external queue: claim by id, lapse ---------------------------- */

static int collect_queued(void *ud, const ol_store_queued *q)
{
    char *buf = ud;
    strcat(buf, q->task_id);
    strcat(buf, ",");
    return 0;
}

typedef struct seen_leased {
    size_t n;
    ol_store_leased last;
} seen_leased;

static int collect_leased(void *ud, const ol_store_leased *l)
{
    seen_leased *s = ud;
    s->n++;
    s->last = *l;
    return 0;
}

static void test_store_external_leases(void **state)
{
    fx *f = *state;
    OK(ol_store_project_create(f->s, "alice.near", "app", 5, D));
    make_key(f->s, "bob.near", 1, 100000, 0);
    assert_int_equal(submit(f->s, "c1", "t1", 1000, 0, 10), OL_STORE_SUBMIT_OK);
    assert_int_equal(submit(f->s, "c2", "t2", 1000, 0, 20), OL_STORE_SUBMIT_OK);

    /* Queued tasks are listed oldest first, only those queued before the bound. */
    char buf[256] = "";
    OK(ol_store_task_queued_list(f->s, 100, 0, collect_queued, buf, D));
    assert_string_equal(buf, "t1,t2,");
    buf[0] = '\0';
    OK(ol_store_task_queued_list(f->s, 15, 0, collect_queued, buf, D));
    assert_string_equal(buf, "t1,");

    /* Claim by id: the lease is external; the store's own claim and sweep leave it alone. */
    ol_store_task *t = NULL;
    OK(ol_store_task_claim_id(f->s, "t2", W1, 30, &t, D));
    assert_string_equal(t->id, "t2");
    assert_string_equal(t->call_id, "c2");
    assert_int_equal(t->attempt, 1);
    assert_true(t->lease_expires_ms == OL_STORE_LEASE_EXTERNAL);
    ol_diag d = {0};
    ol_store_task *t2 = NULL;
    assert_int_equal(ol_store_task_claim_id(f->s, "t2", W2, 31, &t2, &d), OL_E_STATE);
    assert_int_equal(ol_store_task_claim_id(f->s, "nope", W2, 31, &t2, &d), OL_E_NOTFOUND);
    ol_store_sweep sw;
    OK(ol_store_sweep_leases(f->s, UINT64_C(1) << 62, 0, 0, &sw, D));
    assert_int_equal(sw.nrequeued + sw.nfailed, 0);
    buf[0] = '\0';
    OK(ol_store_task_queued_list(f->s, 100, 0, collect_queued, buf, D));
    assert_string_equal(buf, "t1,");
    ol_store_call *c = get_call(f->s, "c2");
    assert_int_equal(c->status, OL_STORE_CALL_RUNNING);
    ol_store_call_free(c);
    seen_leased sl = {0};
    OK(ol_store_task_external_list(f->s, 30, 0, collect_leased, &sl, D));
    assert_int_equal(sl.n, 0); /* claimed at 30: not before 30 */
    OK(ol_store_task_external_list(f->s, 31, 0, collect_leased, &sl, D));
    assert_int_equal(sl.n, 1);
    assert_string_equal(sl.last.task_id, "t2");
    assert_string_equal(sl.last.call_id, "c2");
    assert_int_equal(sl.last.attempt, 1);
    assert_int_equal(sl.last.claimed_ms, 30);

    /* Lapse of another attempt is a no-op; of this attempt re-queues (attempts remain). */
    ol_store_lapse_result lr;
    char call_id[OL_STORE_ID_MAX + 1];
    OK(ol_store_task_lapse(f->s, "t2", 7, 40, &lr, call_id, D));
    assert_int_equal(lr, OL_STORE_LAPSE_NOOP);
    OK(ol_store_task_lapse(f->s, "t2", 1, 40, &lr, call_id, D));
    assert_int_equal(lr, OL_STORE_LAPSE_REQUEUED);
    assert_string_equal(call_id, "c2");
    OK(ol_store_task_lapse(f->s, "t2", 1, 41, &lr, NULL, D));
    assert_int_equal(lr, OL_STORE_LAPSE_NOOP); /* idempotent */
    c = get_call(f->s, "c2");
    assert_int_equal(c->status, OL_STORE_CALL_PENDING);
    ol_store_call_free(c);
    /* The lapsed attempt can neither renew nor complete. */
    assert_int_equal(ol_store_task_renew(f->s, "t2", W1, 1, 42, 100, &d), OL_E_STATE);
    ol_store_completion cp = completion(t, W1, true, 500);
    bool settled = true;
    assert_int_equal(ol_store_task_complete(f->s, &cp, 42, &settled, &d), OL_E_STATE);
    ol_store_task_free(t);

    /* Attempts 2 and 3 (attempt 0 = whoever holds it), then the call fails as worker_lost. */
    OK(ol_store_task_claim_id(f->s, "t2", W2, 50, &t, D));
    assert_int_equal(t->attempt, 2);
    ol_store_task_free(t);
    OK(ol_store_task_lapse(f->s, "t2", 0, 60, &lr, NULL, D));
    assert_int_equal(lr, OL_STORE_LAPSE_REQUEUED);
    OK(ol_store_task_claim_id(f->s, "t2", W1, 70, &t, D));
    assert_int_equal(t->attempt, 3);
    OK(ol_store_task_lapse(f->s, "t2", 3, 80, &lr, call_id, D));
    assert_int_equal(lr, OL_STORE_LAPSE_FAILED);
    c = get_call(f->s, "c2");
    assert_int_equal(c->status, OL_STORE_CALL_FAILED);
    assert_string_equal(c->error_code, "worker_lost");
    assert_int_equal(c->charged, 0);
    ol_store_call_free(c);
    ol_store_task_free(t);
    check_balance(f->s, "bob.near", 1, 100000, 0, 1000, 1); /* c1 still reserved */

    /* A task claimed by id completes normally, once. */
    OK(ol_store_task_claim_id(f->s, "t1", W2, 90, &t, D));
    cp = completion(t, W2, true, 400);
    OK(ol_store_task_complete(f->s, &cp, 95, &settled, D));
    assert_true(settled);
    OK(ol_store_task_complete(f->s, &cp, 96, &settled, D));
    assert_false(settled);
    OK(ol_store_task_lapse(f->s, "t1", 1, 97, &lr, NULL, D));
    assert_int_equal(lr, OL_STORE_LAPSE_NOOP);
    ol_store_task_free(t);
    check_balance(f->s, "bob.near", 1, 100000, 400, 0, 0);

    /* A store-queue lease is not the external queue's to lapse. */
    assert_int_equal(submit(f->s, "c3", "t3", 1000, 0, 100), OL_STORE_SUBMIT_OK);
    t = claim(f->s, W1, 110, 1000);
    sl.n = 0;
    OK(ol_store_task_external_list(f->s, 1000, 0, collect_leased, &sl, D));
    assert_int_equal(sl.n, 0);
    OK(ol_store_task_lapse(f->s, "t3", t->attempt, 120, &lr, NULL, D));
    assert_int_equal(lr, OL_STORE_LAPSE_NOOP);
    ol_store_task_free(t);
}

/* ------------------------------------- secrets ------------------------------------- */

static const char ACC_A[] = "{\"Project\":{\"project_id\":\"alice.near/a\"}}";
static const char ACC_B[] = "{\"Project\":{\"project_id\":\"alice.near/b\"}}";

typedef struct seen_secrets {
    size_t n;
    char profiles[8][OL_STORE_PROFILE_MAX + 1];
    size_t sizes[8];
    uint32_t versions[8];
} seen_secrets;

static int collect_secret(void *ud, const ol_store_secret *x)
{
    seen_secrets *s = ud;
    assert_null(x->ciphertext);
    if (s->n < 8) {
        snprintf(s->profiles[s->n], sizeof s->profiles[0], "%s", x->profile);
        s->sizes[s->n] = x->ciphertext_len;
        s->versions[s->n] = x->version;
        s->n++;
    }
    return 0;
}

static void test_store_secrets(void **state)
{
    fx *f = *state;
    ol_diag d = {0};
    uint8_t ct1[100], ct2[300];
    memset(ct1, 0x11, sizeof ct1);
    memset(ct2, 0x22, sizeof ct2);
    ct1[5] = 0; /* binary: NUL bytes survive */
    uint32_t v = 0;
    /* Create (expected 0), refuse a second create, update with the right version only. */
    OK(ol_store_secret_put(f->s, ACC_A, "default", "alice.near", ct1, sizeof ct1, "\"AllowAll\"", 0,
                           100, &v, D));
    assert_int_equal(v, 1);
    assert_int_equal(ol_store_secret_put(f->s, ACC_A, "default", "alice.near", ct2, sizeof ct2,
                                         "\"AllowAll\"", 0, 101, &v, &d),
                     OL_E_STATE);
    assert_int_equal(ol_store_secret_put(f->s, ACC_A, "default", "alice.near", ct2, sizeof ct2,
                                         "\"AllowAll\"", 5, 101, &v, &d),
                     OL_E_STATE);
    assert_int_equal(ol_store_secret_put(f->s, ACC_A, "other", "alice.near", ct2, sizeof ct2,
                                         "\"AllowAll\"", 1, 101, &v, &d),
                     OL_E_NOTFOUND);
    OK(ol_store_secret_put(f->s, ACC_A, "default", "alice.near", ct2, sizeof ct2,
                           "{\"Whitelist\":{\"accounts\":[\"bob.near\"]}}", 1, 102, &v, D));
    assert_int_equal(v, 2);
    assert_int_equal(ol_store_secret_put(f->s, ACC_A, "default", "alice.near", ct1, 0,
                                         "\"AllowAll\"", 2, 103, &v, &d),
                     OL_E_INVAL);

    ol_store_secret *x = NULL;
    OK(ol_store_secret_get(f->s, ACC_A, "default", "alice.near", &x, D));
    assert_string_equal(x->accessor, ACC_A);
    assert_string_equal(x->profile, "default");
    assert_string_equal(x->owner, "alice.near");
    assert_int_equal(x->ciphertext_len, sizeof ct2);
    assert_memory_equal(x->ciphertext, ct2, sizeof ct2);
    assert_string_equal(x->access, "{\"Whitelist\":{\"accounts\":[\"bob.near\"]}}");
    assert_int_equal(x->version, 2);
    assert_int_equal(x->created_ms, 100);
    assert_int_equal(x->updated_ms, 102);
    ol_store_secret_free(x);

    /* The key is (accessor, profile, owner): each part separates secrets. */
    assert_int_equal(ol_store_secret_get(f->s, ACC_B, "default", "alice.near", &x, &d),
                     OL_E_NOTFOUND);
    assert_int_equal(ol_store_secret_get(f->s, ACC_A, "default", "carol.near", &x, &d),
                     OL_E_NOTFOUND);
    OK(ol_store_secret_put(f->s, ACC_B, "default", "alice.near", ct1, sizeof ct1, "\"AllowAll\"", 0,
                           110, NULL, D));
    OK(ol_store_secret_put(f->s, ACC_A, "prod", "alice.near", ct1, 7, "\"AllowAll\"", 0, 111, NULL,
                           D));
    OK(ol_store_secret_put(f->s, ACC_A, "default", "carol.near", ct1, 9, "\"AllowAll\"", 0, 112,
                           NULL, D));
    seen_secrets seen = {0};
    OK(ol_store_secret_list(f->s, "alice.near", collect_secret, &seen, D));
    assert_int_equal(seen.n, 3); /* ordered by accessor, profile */
    assert_string_equal(seen.profiles[0], "default");
    assert_int_equal(seen.sizes[0], sizeof ct2);
    assert_int_equal(seen.versions[0], 2);
    assert_string_equal(seen.profiles[1], "prod");
    assert_int_equal(seen.sizes[1], 7);
    assert_int_equal(seen.sizes[2], sizeof ct1);

    OK(ol_store_secret_delete(f->s, ACC_A, "default", "alice.near", D));
    assert_int_equal(ol_store_secret_delete(f->s, ACC_A, "default", "alice.near", &d),
                     OL_E_NOTFOUND);
    assert_int_equal(ol_store_secret_get(f->s, ACC_A, "default", "alice.near", &x, &d),
                     OL_E_NOTFOUND);
    OK(ol_store_secret_get(f->s, ACC_A, "default", "carol.near", &x, D));
    ol_store_secret_free(x);
    /* After a delete the secret can be created again from version 0. */
    OK(ol_store_secret_put(f->s, ACC_A, "default", "alice.near", ct1, sizeof ct1, "\"AllowAll\"", 0,
                           120, &v, D));
    assert_int_equal(v, 1);
}

typedef struct seen_keys {
    size_t n;
    char text[512];
} seen_keys;

static int collect_owner_key(void *ud, const char *owner, const char *pk, uint64_t created)
{
    seen_keys *s = ud;
    char line[200];
    snprintf(line, sizeof line, "%s=%s@%llu;", owner, pk, (unsigned long long)created);
    strcat(s->text, line);
    s->n++;
    return 0;
}

static void test_store_owner_keys_and_nonces(void **state)
{
    fx *f = *state;
    ol_diag d = {0};
    OK(ol_store_owner_key_add(f->s, "alice.near", "ed25519:AAA", 10, D));
    OK(ol_store_owner_key_add(f->s, "alice.near", "ed25519:BBB", 11, D));
    OK(ol_store_owner_key_add(f->s, "bob.near", "ed25519:AAA", 12, D));
    assert_int_equal(ol_store_owner_key_add(f->s, "alice.near", "ed25519:AAA", 13, &d),
                     OL_E_EXISTS);
    OK(ol_store_owner_key_check(f->s, "alice.near", "ed25519:BBB", D));
    assert_int_equal(ol_store_owner_key_check(f->s, "carol.near", "ed25519:AAA", &d),
                     OL_E_NOTFOUND);
    seen_keys all = {0}, alice = {0};
    OK(ol_store_owner_key_list(f->s, NULL, collect_owner_key, &all, D));
    assert_string_equal(all.text, "alice.near=ed25519:AAA@10;alice.near=ed25519:BBB@11;"
                                  "bob.near=ed25519:AAA@12;");
    OK(ol_store_owner_key_list(f->s, "alice.near", collect_owner_key, &alice, D));
    assert_int_equal(alice.n, 2);
    OK(ol_store_owner_key_remove(f->s, "alice.near", "ed25519:AAA", D));
    assert_int_equal(ol_store_owner_key_remove(f->s, "alice.near", "ed25519:AAA", &d),
                     OL_E_NOTFOUND);
    assert_int_equal(ol_store_owner_key_check(f->s, "alice.near", "ed25519:AAA", &d),
                     OL_E_NOTFOUND);
    OK(ol_store_owner_key_check(f->s, "bob.near", "ed25519:AAA", D));

    /* Nonces: first use wins; the same nonce of another owner is separate; expired ones are
     * forgotten (the timestamp check refuses such old requests before this point). */
    OK(ol_store_nonce_use(f->s, "alice.near", "n1", 1000, 100, D));
    assert_int_equal(ol_store_nonce_use(f->s, "alice.near", "n1", 1000, 200, &d), OL_E_EXISTS);
    OK(ol_store_nonce_use(f->s, "bob.near", "n1", 1000, 200, D));
    OK(ol_store_nonce_use(f->s, "alice.near", "n1", 3000, 2000, D));
}

/* Two writers race to create the same secret from version 0: exactly one wins. */
typedef struct race_put {
    ol_store *s;
    int ok, conflict;
    pthread_mutex_t mu;
} race_put;

static void *race_put_main(void *arg)
{
    race_put *r = arg;
    uint8_t ct[32] = {1};
    for (int i = 0; i < 20; i++) {
        char profile[16];
        snprintf(profile, sizeof profile, "p%d", i);
        ol_diag d = {0};
        ol_err rc = ol_store_secret_put(r->s, ACC_A, profile, "alice.near", ct, sizeof ct,
                                        "\"AllowAll\"", 0, 1, NULL, &d);
        pthread_mutex_lock(&r->mu);
        if (rc == OL_OK)
            r->ok++;
        else if (rc == OL_E_STATE)
            r->conflict++;
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

static void test_store_secret_races(void **state)
{
    fx *f = *state;
    race_put r = {.s = f->s};
    pthread_mutex_init(&r.mu, NULL);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_put_main, &r), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&r.mu);
    assert_int_equal(r.ok, 20);
    assert_int_equal(r.conflict, 60);
}

/* ------------------------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_store_open_and_reopen),
        cmocka_unit_test(test_store_bad_urls),
        T(test_store_registry),
        T(test_store_keys),
        T(test_store_submit_reserves),
        T(test_store_concurrency_cap),
        T(test_store_claim_and_complete),
        T(test_store_failure_settlement),
        T(test_store_lease_redelivery),
        T(test_store_worker_lost),
        T(test_store_cancel_and_ttl),
        T(test_store_workers),
        T(test_store_stats),
        T(test_store_concurrent_reservations),
        T(test_store_concurrent_claims),
        T(test_store_crash_safety),
        T(test_store_restart_keeps_leases),
        T(test_store_external_leases),
        T(test_store_secrets),
        T(test_store_owner_keys_and_nonces),
        T(test_store_secret_races),
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        current = &backends[i];
        char name[64];
        snprintf(name, sizeof name, "store conformance (%s)", current->name);
        failed += _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
    }
    const char *pg = getenv("OL_TEST_POSTGRES_URL");
    const char *ci = getenv("CI");
    if (pg == NULL || pg[0] == '\0') {
        bool in_ci = ci != NULL && strcmp(ci, "true") == 0;
        fprintf(stderr, "%s: store conformance (postgres): OL_TEST_POSTGRES_URL is not set%s\n",
                in_ci ? "FAIL" : "SKIP", in_ci ? " (CI=true: every backend must run)" : "");
        failed += in_ci;
    } else {
        current = &pg_backend;
        failed += _cmocka_run_group_tests("store conformance (postgres)", tests,
                                          sizeof tests / sizeof tests[0], NULL, NULL);
        char schema[64], sql[300];
        pg_schema(schema, sizeof schema);
        snprintf(sql, sizeof sql,
                 "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE", schema);
        pg_exec(sql);
    }
    return failed != 0;
}
