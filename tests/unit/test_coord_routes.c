/* Coordinator handlers as pure functions: request -> response, no sockets. Every route and
 * error code of docs/api.md and docs/platform-protocol.md; the sync and async /call flows with
 * a simulated worker (its own ed25519 key, signed evidence); leases, redelivery, worker_lost,
 * idempotent completion; and exact balances after a mix of successes and failures.
 *
 * Each test builds a fresh store in a temporary directory and a coordinator with a fake clock
 * (store timestamps) — waits still use the real monotonic clock, bounded by small configs.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "ol/coord.h"
#include "ol/log.h"
#include "test.h"

/* -------------------------------------- harness -------------------------------------- */

static const char ADMIN[] = "admin-secret-token";
static const char WTOKEN[] = "worker-secret-token";
/* Two valid modules: empty, and one type section. */
static const uint8_t MOD1[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
static const uint8_t MOD2[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0};
static const char TRANSCRIPT[] = "outlayer-transcript 1\n";

typedef struct H {
    char dir[64];
    ol_store *s;
    ol_coord *c;
    _Atomic uint64_t now;
    ol_near_arena *ar;
    ol_coord_resp resp;
    json_t *json;
    char key[200];      /* bob.near's payment key */
    char version[65];   /* alice.near/app active version */
    char worker_id[64]; /* the simulated worker */
    ol_near_secret_key wsk;
} H;

static uint64_t fake_now(void *ud)
{
    return atomic_load(&((H *)ud)->now);
}

typedef void (*tweak_fn)(ol_coord_config *cfg);

static H *h_new(tweak_fn tweak, bool admin)
{
    H *h = calloc(1, sizeof *h);
    assert_non_null(h);
    snprintf(h->dir, sizeof h->dir, "/tmp/ol-coord-test-XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/c.db", h->dir);
    ol_diag d = {0};
    assert_int_equal(ol_store_open(url, NULL, &h->s, &d), OL_OK);
    ol_coord_config cfg;
    ol_opts_result res;
    char *noenv[] = {NULL};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &cfg, 0, NULL, noenv, &res, &d), OL_OK);
    free(res.pos);
    free(cfg.admin_token);
    cfg.admin_token = strdup(admin ? ADMIN : "");
    free(cfg.worker_token);
    cfg.worker_token = strdup(WTOKEN);
    cfg.queue_wait_ms = 2000;
    if (tweak != NULL)
        tweak(&cfg);
    if (ol_coord_new(&cfg, h->s, &h->c, &d) != OL_OK)
        fail_msg("coord: %s", d.msg);
    ol_opts_free(&ol_coord_opt_table, &cfg);
    atomic_store(&h->now, 1700000000000ull);
    ol_coord_set_clock(h->c, fake_now, h);
    return h;
}

static void h_reset(H *h)
{
    json_decref(h->json);
    h->json = NULL;
    ol_near_arena_free(h->ar);
    h->ar = NULL;
}

static void h_free(H *h)
{
    h_reset(h);
    ol_coord_free(h->c);
    ol_store_close(h->s);
    char p[128];
    snprintf(p, sizeof p, "rm -rf %s", h->dir);
    assert_int_equal(system(p), 0);
    free(h);
}

static void parse_resp(H *h)
{
    if (h->resp.body_len > 0 && h->resp.content_type != NULL &&
        strcmp(h->resp.content_type, "application/json") == 0) {
        json_error_t je;
        h->json = json_loadb((const char *)h->resp.body, h->resp.body_len, 0, &je);
        if (h->json == NULL)
            fail_msg("response is not JSON: %.*s", (int)h->resp.body_len,
                     (const char *)h->resp.body);
    }
}

/* Sends a request; hdrs is a NULL-terminated list of name, value pairs. */
static unsigned req(H *h, const char *method, const char *path, const char *query,
                    const char *const *hdrs, const void *body, size_t len)
{
    h_reset(h);
    assert_int_equal(ol_near_arena_new(NULL, &h->ar, NULL), OL_OK);
    ol_coord_header hv[16];
    size_t n = 0;
    for (size_t i = 0; hdrs != NULL && hdrs[i] != NULL; i += 2) {
        hv[n].name = hdrs[i];
        hv[n].value = hdrs[i + 1];
        n++;
    }
    ol_coord_req r = {.method = method,
                      .path = path,
                      .query = query,
                      .headers = hv,
                      .nheaders = n,
                      .body = body,
                      .body_len = len};
    ol_coord_handle(h->c, &r, h->ar, &h->resp);
    if (h->resp.defer.kind == OL_COORD_DEFER_NONE)
        parse_resp(h);
    return h->resp.status;
}

static unsigned finish(H *h)
{
    assert_int_not_equal(h->resp.defer.kind, OL_COORD_DEFER_NONE);
    ol_coord_defer df = h->resp.defer;
    ol_coord_finish(h->c, &df, h->ar, &h->resp);
    parse_resp(h);
    return h->resp.status;
}

static const char *jstr(H *h, const char *key)
{
    json_t *v = json_object_get(h->json, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_int_t jint(H *h, const char *key)
{
    return json_integer_value(json_object_get(h->json, key));
}

#define EXPECT_CODE(h, st, code)                                                 \
    do {                                                                         \
        assert_int_equal((h)->resp.status, (st));                                \
        if (jstr((h), "code") == NULL || strcmp(jstr((h), "code"), (code)) != 0) \
            fail_msg("want code %s, got %.*s", (code), (int)(h)->resp.body_len,  \
                     (const char *)(h)->resp.body);                              \
        assert_non_null(jstr((h), "error"));                                     \
    } while (0)

static unsigned admin(H *h, const char *method, const char *path, const char *body)
{
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", ADMIN);
    const char *hdrs[] = {"Authorization", auth, NULL};
    return req(h, method, path, NULL, hdrs, body, body != NULL ? strlen(body) : 0);
}

static unsigned upload(H *h, const char *project, const uint8_t *m, size_t len, bool activate)
{
    char path[160], auth[128];
    snprintf(path, sizeof path, "/admin/projects/%s/versions", project);
    snprintf(auth, sizeof auth, "Bearer %s", ADMIN);
    const char *hdrs[] = {"Authorization", auth, NULL};
    return req(h, "POST", path, activate ? "activate=true" : NULL, hdrs, m, len);
}

/* alice.near/app with MOD1 active; bob.near key with `balance`; a registered worker. */
static void h_setup(H *h, uint64_t balance, const char *key_extra)
{
    assert_int_equal(
        admin(h, "POST", "/admin/projects", "{\"owner\":\"alice.near\",\"name\":\"app\"}"), 201);
    assert_int_equal(upload(h, "alice.near/app", MOD1, sizeof MOD1, false), 201);
    strcpy(h->version, jstr(h, "version_key"));
    char body[512];
    snprintf(body, sizeof body, "{\"owner\":\"bob.near\",\"initial_balance\":%llu%s}",
             (unsigned long long)balance, key_extra != NULL ? key_extra : "");
    assert_int_equal(admin(h, "POST", "/admin/payment-keys", body), 201);
    strcpy(h->key, jstr(h, "key"));
    /* The worker. */
    uint8_t seed[32];
    memset(seed, 9, sizeof seed);
    ol_near_secret_key_from_seed(seed, &h->wsk);
    ol_near_public_key pk;
    ol_near_secret_key_public(&h->wsk, &pk);
    char pks[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&pk, pks);
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", WTOKEN);
    const char *hdrs[] = {"Authorization", auth, NULL};
    snprintf(body, sizeof body, "{\"worker_name\":\"w1\",\"public_key\":\"%s\",\"capacity\":2}",
             pks);
    assert_int_equal(req(h, "POST", "/worker/register", NULL, hdrs, body, strlen(body)), 200);
    strcpy(h->worker_id, jstr(h, "worker_id"));
}

/* POST /call/{project} with bob's key (or `key`), extra headers, a body. */
static unsigned call(H *h, const char *project, const char *key, const char *limit,
                     const char *deposit, const char *body)
{
    char path[160];
    snprintf(path, sizeof path, "/call/%s", project);
    const char *hdrs[10];
    size_t n = 0;
    if (key != NULL) {
        hdrs[n++] = "X-Payment-Key";
        hdrs[n++] = key;
    }
    if (limit != NULL) {
        hdrs[n++] = "X-Compute-Limit";
        hdrs[n++] = limit;
    }
    if (deposit != NULL) {
        hdrs[n++] = "X-Attached-Deposit";
        hdrs[n++] = deposit;
    }
    hdrs[n] = NULL;
    return req(h, "POST", path, NULL, hdrs, body, body != NULL ? strlen(body) : 0);
}

static unsigned keyget(H *h, const char *path, const char *key)
{
    const char *hdrs[] = {"X-Payment-Key", key, NULL};
    return req(h, "GET", path, NULL, key != NULL ? hdrs : NULL, NULL, 0);
}

static unsigned wreq(H *h, const char *method, const char *path, const char *query,
                     const char *body)
{
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", WTOKEN);
    const char *hdrs[] = {"Authorization", auth, NULL};
    return req(h, method, path, query, hdrs, body, body != NULL ? strlen(body) : 0);
}

/* Claims a task (timeout 0). Returns the task JSON (caller decrefs) or NULL on 204. */
static json_t *poll_task(H *h, const char *worker_id)
{
    char q[160];
    snprintf(q, sizeof q, "worker_id=%s&timeout_ms=0",
             worker_id != NULL ? worker_id : h->worker_id);
    unsigned st = wreq(h, "GET", "/worker/poll", q, NULL);
    if (st == 204)
        return NULL;
    assert_int_equal(st, 200);
    return json_incref(h->json);
}

typedef struct outcome {
    const char *status;
    const char *stdout_text;
    uint64_t instructions, time_ms;
    uint32_t exit_code;
    const char *worker_id;        /* NULL: h's worker */
    const ol_near_secret_key *sk; /* NULL: h's key */
    const char *tamper;           /* a record field to corrupt after signing, or NULL */
    bool omit_evidence;
} outcome;

static void hex_of(const void *p, size_t n, char out[65])
{
    uint8_t hsh[32];
    crypto_hash_sha256(hsh, p, n);
    ol_evidence_hex(hsh, out);
}

/* Reports a run of `task` with signed evidence. Returns the HTTP status. */
static unsigned complete(H *h, json_t *task, const outcome *o)
{
    const char *worker = o->worker_id != NULL ? o->worker_id : h->worker_id;
    const ol_near_secret_key *sk = o->sk != NULL ? o->sk : &h->wsk;
    const char *in64 = json_string_value(json_object_get(task, "input_base64"));
    uint8_t input[4096];
    size_t ilen = 0;
    assert_int_equal(sodium_base642bin(input, sizeof input, in64, strlen(in64), NULL, &ilen, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    ol_evidence_record r;
    memset(&r, 0, sizeof r);
    r.version = 1;
    strcpy(r.call_id, json_string_value(json_object_get(task, "call_id")));
    strcpy(r.project_id, json_string_value(json_object_get(task, "project_id")));
    strcpy(r.wasm_sha256, json_string_value(json_object_get(task, "version_key")));
    hex_of(input, ilen, r.input_sha256);
    const char *out = o->stdout_text != NULL ? o->stdout_text : "";
    hex_of(out, strlen(out), r.output_sha256);
    hex_of(TRANSCRIPT, strlen(TRANSCRIPT), r.transcript_sha256);
    r.instructions = o->instructions;
    strcpy(r.status, o->status);
    r.exit_code = o->exit_code;
    strcpy(r.worker_id, worker);
    ol_near_public_key pk;
    ol_near_secret_key_public(sk, &pk);
    ol_near_public_key_format(&pk, r.worker_public_key);
    char sig[OL_NEAR_KEY_STR_MAX];
    assert_int_equal(ol_evidence_sign(&r, sk, sig, NULL), OL_OK);
    if (o->tamper != NULL && strcmp(o->tamper, "output_sha256") == 0)
        r.output_sha256[0] = r.output_sha256[0] == 'a' ? 'b' : 'a';
    if (o->tamper != NULL && strcmp(o->tamper, "status") == 0)
        strcpy(r.status, "trap");
    char *env = NULL;
    assert_int_equal(ol_evidence_envelope(&r, sig, &env, NULL, NULL), OL_OK);
    char *out64 =
        malloc(sodium_base64_ENCODED_LEN(strlen(out) + 1, sodium_base64_VARIANT_ORIGINAL));
    sodium_bin2base64(out64,
                      sodium_base64_ENCODED_LEN(strlen(out) + 1, sodium_base64_VARIANT_ORIGINAL),
                      (const uint8_t *)out, strlen(out), sodium_base64_VARIANT_ORIGINAL);
    char tr64[64];
    sodium_bin2base64(tr64, sizeof tr64, (const uint8_t *)TRANSCRIPT, strlen(TRANSCRIPT),
                      sodium_base64_VARIANT_ORIGINAL);
    json_t *b = json_object();
    json_object_set_new(b, "worker_id", json_string(worker));
    json_object_set(b, "task_id", json_object_get(task, "task_id"));
    json_object_set(b, "attempt", json_object_get(task, "attempt"));
    json_object_set_new(
        b, "status",
        json_string(o->tamper != NULL && strcmp(o->tamper, "status") == 0 ? "ok" : o->status));
    json_object_set_new(b, "exit_code", json_integer(o->exit_code));
    json_object_set_new(b, "output_base64", json_string(out64));
    json_object_set_new(b, "stderr", json_string("some stderr"));
    json_object_set_new(b, "error",
                        strcmp(o->status, "ok") == 0 ? json_null() : json_string("it failed"));
    json_object_set_new(b, "instructions", json_integer((json_int_t)o->instructions));
    json_object_set_new(b, "time_ms", json_integer((json_int_t)o->time_ms));
    json_object_set_new(b, "transcript_base64", json_string(tr64));
    if (!o->omit_evidence)
        json_object_set_new(b, "evidence", json_loads(env, 0, NULL));
    char *text = json_dumps(b, JSON_COMPACT);
    unsigned st = wreq(h, "POST", "/worker/complete", NULL, text);
    free(text);
    json_decref(b);
    free(env);
    free(out64);
    return st;
}

static void balance_is(H *h, uint64_t initial, uint64_t spent, uint64_t reserved)
{
    assert_int_equal(keyget(h, "/payment-keys/balance", h->key), 200);
    char v[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)initial);
    assert_string_equal(jstr(h, "initial_balance"), v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)spent);
    if (strcmp(jstr(h, "spent"), v) != 0)
        fail_msg("spent %s, want %s", jstr(h, "spent"), v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)reserved);
    if (strcmp(jstr(h, "reserved"), v) != 0)
        fail_msg("reserved %s, want %s", jstr(h, "reserved"), v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)(initial - spent - reserved));
    assert_string_equal(jstr(h, "available"), v);
}

static void call_id_of(H *h, char out[64])
{
    assert_non_null(jstr(h, "call_id"));
    strcpy(out, jstr(h, "call_id"));
}

static unsigned get_call(H *h, const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/calls/%s", id);
    return keyget(h, path, h->key);
}

/* ----------------------------------- operations ----------------------------------- */

static void test_coord_ops_routes(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    assert_int_equal(req(h, "GET", "/health", NULL, NULL, NULL, 0), 200);
    assert_string_equal(jstr(h, "status"), "ok");
    json_t *hq = json_object_get(h->json, "queue");
    assert_string_equal(json_string_value(json_object_get(hq, "kind")), "sql");
    assert_string_equal(json_string_value(json_object_get(hq, "status")), "ok");
    assert_int_equal(req(h, "HEAD", "/health", NULL, NULL, NULL, 0), 200);
    assert_int_equal(req(h, "GET", "/metrics", NULL, NULL, NULL, 0), 200);
    assert_non_null(strstr(h->resp.content_type, "text/plain"));
    char *m = strndup((const char *)h->resp.body, h->resp.body_len);
    assert_non_null(strstr(m, "outlayer_queue_depth 0"));
    assert_non_null(strstr(m, "outlayer_queue_info{kind=\"sql\"} 1"));
    assert_non_null(strstr(m, "outlayer_calls_total{status=\"completed\"} 0"));
    assert_non_null(strstr(m, "outlayer_call_duration_seconds_bucket{le=\"+Inf\"}"));
    assert_non_null(strstr(m, "outlayer_workers{status=\"online\"}"));
    assert_non_null(strstr(m, "outlayer_instructions_total"));
    free(m);
    assert_int_equal(req(h, "GET", "/public/stats", NULL, NULL, NULL, 0), 200);
    assert_int_equal(jint(h, "total_calls"), 0);
    assert_int_equal(req(h, "GET", "/public/workers", NULL, NULL, NULL, 0), 200);
    assert_true(json_is_array(json_object_get(h->json, "workers")));
    assert_int_equal(req(h, "GET", "/public/project-earnings/alice.near", NULL, NULL, NULL, 0),
                     200);
    assert_string_equal(jstr(h, "total_earned"), "0");
    assert_int_equal(req(h, "GET", "/public/project-earnings/BAD", NULL, NULL, NULL, 0), 400);

    req(h, "GET", "/nope", NULL, NULL, NULL, 0);
    EXPECT_CODE(h, 404, "not_found");
    req(h, "DELETE", "/health", NULL, NULL, NULL, 0);
    EXPECT_CODE(h, 405, "method_not_allowed");
    req(h, "GET", "/health/", NULL, NULL, NULL, 0);
    EXPECT_CODE(h, 404, "not_found");
    req(h, "GET", "/calls/a%20b", NULL, NULL, NULL, 0);
    EXPECT_CODE(h, 400, "bad_request");
    req(h, "GET", "relative", NULL, NULL, NULL, 0);
    EXPECT_CODE(h, 400, "bad_request");
    req(h, "GET", "/a/b/c/d/e/f/g/h/i", NULL, NULL, NULL, 0);
    EXPECT_CODE(h, 404, "not_found");
    assert_int_equal(req(h, "OPTIONS", "/call/a.near/b", NULL, NULL, NULL, 0), 204);
    ol_near_arena_free(h->ar);
    assert_int_equal(ol_near_arena_new(NULL, &h->ar, NULL), OL_OK);
    ol_coord_req big = {.method = "POST", .path = "/admin/projects", .body_too_large = true};
    ol_coord_handle(h->c, &big, h->ar, &h->resp);
    parse_resp(h);
    EXPECT_CODE(h, 413, "body_too_large");
    h_free(h);
}

/* --------------------------------------- admin --------------------------------------- */

static void test_coord_admin_auth(void **state)
{
    (void)state;
    H *h = h_new(NULL, false);
    admin(h, "GET", "/admin/projects", NULL);
    EXPECT_CODE(h, 401, "unauthorized");
    h_free(h);
    h = h_new(NULL, true);
    const char *wrong[] = {"Authorization", "Bearer nope", NULL};
    req(h, "GET", "/admin/projects", NULL, wrong, NULL, 0);
    EXPECT_CODE(h, 401, "unauthorized");
    const char *basic[] = {"Authorization", "Basic abc", NULL};
    req(h, "GET", "/admin/projects", NULL, basic, NULL, 0);
    EXPECT_CODE(h, 401, "unauthorized");
    req(h, "GET", "/admin/projects", NULL, NULL, NULL, 0);
    EXPECT_CODE(h, 401, "unauthorized");
    assert_int_equal(admin(h, "GET", "/admin/projects", NULL), 200);
    h_free(h);
}

static void test_coord_admin_projects(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    assert_int_equal(
        admin(h, "POST", "/admin/projects", "{\"owner\":\"alice.near\",\"name\":\"app\"}"), 201);
    assert_string_equal(jstr(h, "project_id"), "alice.near/app");
    admin(h, "POST", "/admin/projects", "{\"owner\":\"alice.near\",\"name\":\"app\"}");
    EXPECT_CODE(h, 409, "project_exists");
    admin(h, "POST", "/admin/projects", "{\"owner\":\"Alice\",\"name\":\"app\"}");
    EXPECT_CODE(h, 400, "bad_request");
    admin(h, "POST", "/admin/projects", "{\"owner\":\"alice.near\",\"name\":\"a/b\"}");
    EXPECT_CODE(h, 400, "bad_request");
    admin(h, "POST", "/admin/projects", "{\"owner\":\"alice.near\",\"name\":\"x\",\"extra\":1}");
    EXPECT_CODE(h, 400, "bad_request");
    admin(h, "POST", "/admin/projects", "{\"owner\":\"alice.near\"}");
    EXPECT_CODE(h, 400, "bad_request");
    admin(h, "POST", "/admin/projects", "{not json");
    EXPECT_CODE(h, 400, "invalid_json");
    admin(h, "POST", "/admin/projects", "[1]");
    EXPECT_CODE(h, 400, "invalid_json");
    admin(h, "POST", "/admin/projects", NULL);
    EXPECT_CODE(h, 400, "invalid_json");
    admin(h, "POST", "/admin/projects",
          "{\"owner\":\"a.near\",\"owner\":\"b.near\",\"name\":\"x\"}");
    EXPECT_CODE(h, 400, "invalid_json");

    static const uint8_t junk[] = {1, 2, 3, 4};
    upload(h, "alice.near/app", junk, sizeof junk, false);
    EXPECT_CODE(h, 400, "invalid_module");
    upload(h, "alice.near/app", junk, 0, false);
    EXPECT_CODE(h, 400, "invalid_module");
    upload(h, "alice.near/none", MOD1, sizeof MOD1, false);
    EXPECT_CODE(h, 404, "project_not_found");
    assert_int_equal(upload(h, "alice.near/app", MOD1, sizeof MOD1, false), 201);
    assert_true(json_is_true(json_object_get(h->json, "active"))); /* first version */
    char v1[65], v2[65];
    strcpy(v1, jstr(h, "version_key"));
    assert_int_equal(upload(h, "alice.near/app", MOD1, sizeof MOD1, false), 200);
    assert_string_equal(jstr(h, "version_key"), v1);
    assert_int_equal(upload(h, "alice.near/app", MOD2, sizeof MOD2, false), 201);
    assert_false(json_is_true(json_object_get(h->json, "active")));
    strcpy(v2, jstr(h, "version_key"));
    assert_int_equal(jint(h, "size"), (json_int_t)sizeof MOD2);
    char body[128];
    snprintf(body, sizeof body, "{\"version_key\":\"%s\"}", v2);
    assert_int_equal(admin(h, "POST", "/admin/projects/alice.near/app/activate", body), 200);
    admin(h, "POST", "/admin/projects/alice.near/app/activate",
          "{\"version_key\":\"0000000000000000000000000000000000000000000000000000000000000000\"}");
    EXPECT_CODE(h, 404, "version_not_found");
    admin(h, "POST", "/admin/projects/alice.near/ghost/activate", body);
    EXPECT_CODE(h, 404, "project_not_found");

    assert_int_equal(admin(h, "GET", "/admin/projects", NULL), 200);
    json_t *ps = json_object_get(h->json, "projects");
    assert_int_equal(json_array_size(ps), 1);
    json_t *p0 = json_array_get(ps, 0);
    assert_string_equal(json_string_value(json_object_get(p0, "active_version")), v2);
    assert_int_equal(json_array_size(json_object_get(p0, "versions")), 2);
    assert_int_equal(admin(h, "GET", "/admin/projects/alice.near/app", NULL), 200);
    assert_string_equal(jstr(h, "project_id"), "alice.near/app");
    admin(h, "GET", "/admin/projects/alice.near/zzz", NULL);
    EXPECT_CODE(h, 404, "project_not_found");
    h_free(h);
}

static void test_coord_admin_keys(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    assert_int_equal(admin(h, "POST", "/admin/payment-keys",
                           "{\"owner\":\"bob.near\",\"initial_balance\":\"5000\","
                           "\"project_ids\":[\"alice.near/app\",\"carol.near/*\"],"
                           "\"max_per_call\":3000}"),
                     201);
    const char *key = jstr(h, "key");
    assert_int_equal(strncmp(key, "bob.near:1:", 11), 0);
    assert_int_equal(strlen(key), 11 + 64);
    assert_int_equal(jint(h, "nonce"), 1);
    assert_string_equal(jstr(h, "initial_balance"), "5000");
    char saved[128];
    strcpy(saved, key);
    assert_int_equal(
        admin(h, "POST", "/admin/payment-keys", "{\"owner\":\"bob.near\",\"initial_balance\":1}"),
        201);
    assert_int_equal(jint(h, "nonce"), 2);
    admin(h, "POST", "/admin/payment-keys",
          "{\"owner\":\"bob.near\",\"initial_balance\":1,"
          "\"nonce\":2}");
    EXPECT_CODE(h, 409, "key_exists");
    admin(h, "POST", "/admin/payment-keys", "{\"owner\":\"bob.near\"}");
    EXPECT_CODE(h, 400, "bad_request");
    admin(h, "POST", "/admin/payment-keys", "{\"owner\":\"bob.near\",\"initial_balance\":-1}");
    EXPECT_CODE(h, 400, "bad_request");
    admin(h, "POST", "/admin/payment-keys",
          "{\"owner\":\"bob.near\",\"initial_balance\":\"99999999999999999999\"}");
    EXPECT_CODE(h, 400, "bad_request");
    admin(h, "POST", "/admin/payment-keys",
          "{\"owner\":\"bob.near\",\"initial_balance\":1,\"project_ids\":[\"nope\"]}");
    EXPECT_CODE(h, 400, "bad_request");
    admin(h, "POST", "/admin/payment-keys", "{\"owner\":\"BOB\",\"initial_balance\":1}");
    EXPECT_CODE(h, 400, "bad_request");

    assert_int_equal(admin(h, "GET", "/admin/payment-keys", NULL), 200);
    json_t *keys = json_object_get(h->json, "keys");
    assert_int_equal(json_array_size(keys), 2);
    char *dump = json_dumps(h->json, 0);
    assert_null(strstr(dump, saved + 11)); /* never the secret */
    assert_null(strstr(dump, "\"key\""));
    free(dump);
    json_t *k0 = json_array_get(keys, 0);
    assert_string_equal(json_string_value(json_object_get(k0, "available")), "5000");
    assert_int_equal(json_array_size(json_object_get(k0, "project_ids")), 2);
    struct {
        const char *q;
        size_t n;
    } filters[] = {{"owner=bob.near", 2}, {"owner=carol.near", 0}};
    for (size_t i = 0; i < 2; i++) {
        char auth[128];
        snprintf(auth, sizeof auth, "Bearer %s", ADMIN);
        const char *hdrs[] = {"Authorization", auth, NULL};
        assert_int_equal(req(h, "GET", "/admin/payment-keys", filters[i].q, hdrs, NULL, 0), 200);
        assert_int_equal(json_array_size(json_object_get(h->json, "keys")), filters[i].n);
    }
    assert_int_equal(admin(h, "POST", "/admin/payment-keys/bob.near/1/top-up", "{\"amount\":250}"),
                     200);
    assert_string_equal(jstr(h, "initial_balance"), "5250");
    admin(h, "POST", "/admin/payment-keys/bob.near/9/top-up", "{\"amount\":250}");
    EXPECT_CODE(h, 404, "not_found");
    admin(h, "POST", "/admin/payment-keys/bob.near/x/top-up", "{\"amount\":250}");
    EXPECT_CODE(h, 400, "bad_request");
    admin(h, "POST", "/admin/payment-keys/bob.near/1/top-up", "{\"amount\":\"x\"}");
    EXPECT_CODE(h, 400, "bad_request");

    assert_int_equal(admin(h, "POST", "/admin/worker-tokens", "{\"name\":\"w9\"}"), 201);
    assert_int_equal(strlen(jstr(h, "token")), 64);
    h_free(h);
}

/* ------------------------------------ payment keys ------------------------------------ */

static void test_coord_payment_key_auth(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    h_setup(h, 10000, NULL);
    keyget(h, "/payment-keys/balance", NULL);
    EXPECT_CODE(h, 401, "missing_payment_key");
    keyget(h, "/payment-keys/balance", "");
    EXPECT_CODE(h, 401, "missing_payment_key");
    char bad[256];
    const char *secret = h->key + strlen("bob.near:1:");
    static const struct {
        const char *prefix;
        bool with_secret;
    } cases[] = {{"bob.near", false},    {"bob.near:1", false},           {"bob.near:1:abc", false},
                 {"bob.near:0:", true},  {"bob.near:x:", true},           {"BOB:1:", true},
                 {":1:", true},          {"bob.near:99999999999:", true}, {"bob.near:2:", true},
                 {"carol.near:1:", true}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(bad, sizeof bad, "%s%s", cases[i].prefix, cases[i].with_secret ? secret : "");
        keyget(h, "/payment-keys/balance", bad);
        EXPECT_CODE(h, 401, "invalid_payment_key");
    }
    /* Wrong secret (one digit changed). */
    strcpy(bad, h->key);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    keyget(h, "/payment-keys/balance", bad);
    EXPECT_CODE(h, 401, "invalid_payment_key");
    /* Upper-case hex is the same secret; "01" is nonce 1. */
    size_t at = (size_t)snprintf(bad, sizeof bad, "bob.near:01:");
    for (const char *p = secret; *p != '\0'; p++)
        bad[at++] = (char)(*p >= 'a' && *p <= 'f' ? *p - 'a' + 'A' : *p);
    bad[at] = '\0';
    assert_int_equal(keyget(h, "/payment-keys/balance", bad), 200);
    balance_is(h, 10000, 0, 0);
    assert_int_equal(jint(h, "nonce"), 1);
    assert_true(json_is_null(json_object_get(h->json, "last_used_at")));
    h_free(h);
}

/* --------------------------------------- /call --------------------------------------- */

static void tweak_small_limits(ol_coord_config *c)
{
    c->rate_limit_per_minute = 3;
}

static void test_coord_call_errors(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    h_setup(h, 10000, ",\"max_per_call\":10000,\"project_ids\":[\"alice.near/*\"]");
    call(h, "alice.near/app", NULL, NULL, NULL, "{}");
    EXPECT_CODE(h, 401, "missing_payment_key");
    const char *limits[] = {"abc", "999", "1000000001", "-5", "", "1e4"};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        call(h, "alice.near/app", h->key, limits[i], NULL, "{}");
        EXPECT_CODE(h, 400, "invalid_compute_limit");
    }
    call(h, "alice.near/app", h->key, NULL, "x", "{}");
    EXPECT_CODE(h, 400, "invalid_deposit");
    call(h, "alice.near/app", h->key, "9000", "1001", "{}");
    EXPECT_CODE(h, 400, "max_per_call_exceeded");
    assert_int_equal(
        admin(h, "POST", "/admin/projects", "{\"owner\":\"carol.near\",\"name\":\"x\"}"), 201);
    call(h, "carol.near/x", h->key, NULL, NULL, "{}");
    EXPECT_CODE(h, 403, "project_not_allowed");
    call(h, "alice.near/ghost", h->key, NULL, NULL, "{}");
    EXPECT_CODE(h, 404, "project_not_found");
    assert_int_equal(
        admin(h, "POST", "/admin/projects", "{\"owner\":\"alice.near\",\"name\":\"empty\"}"), 201);
    call(h, "alice.near/empty", h->key, NULL, NULL, "{}");
    EXPECT_CODE(h, 404, "version_not_found");
    call(h, "alice.near/app", h->key, NULL, NULL,
         "{\"version_key\":\"0000000000000000000000000000000000000000000000000000000000000000\"}");
    EXPECT_CODE(h, 404, "version_not_found");
    call(h, "alice.near/app", h->key, NULL, NULL, "{\"version_key\":\"short\"}");
    EXPECT_CODE(h, 404, "version_not_found");
    call(h, "alice.near/app", h->key, NULL, NULL, "{\"inptu\":1}");
    EXPECT_CODE(h, 400, "bad_request");
    call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":\"yes\"}");
    EXPECT_CODE(h, 400, "bad_request");
    call(h, "alice.near/app", h->key, NULL, NULL, "{\"version_key\":5}");
    EXPECT_CODE(h, 400, "bad_request");
    call(h, "alice.near/app", h->key, NULL, NULL, "not json");
    EXPECT_CODE(h, 400, "invalid_json");
    const char *rls[] = {"{\"resource_limits\":5}",
                         "{\"resource_limits\":{\"max_memory_mb\":0}}",
                         "{\"resource_limits\":{\"max_memory_mb\":5000}}",
                         "{\"resource_limits\":{\"max_instructions\":-1}}",
                         "{\"resource_limits\":{\"cpu\":1}}",
                         "{\"resource_limits\":{\"max_memory_mb\":2048}}"};
    for (size_t i = 0; i < sizeof rls / sizeof rls[0]; i++) {
        call(h, "alice.near/app", h->key, NULL, NULL, rls[i]);
        EXPECT_CODE(h, 400, "invalid_resource_limits");
    }
    /* 100 s at 1 micro-USD/ms costs more than the default limit. */
    call(h, "alice.near/app", h->key, NULL, NULL,
         "{\"resource_limits\":{\"max_execution_seconds\":100}}");
    EXPECT_CODE(h, 400, "compute_limit_too_low");
    call(h, "Alice/app", h->key, NULL, NULL, "{}");
    EXPECT_CODE(h, 400, "bad_request");
    /* 402: 10 000 available, ask for 9 000 twice (async so nothing waits). */
    assert_int_equal(call(h, "alice.near/app", h->key, "9000", NULL, "{\"async\":true}"), 202);
    call(h, "alice.near/app", h->key, "9000", NULL, "{\"async\":true}");
    EXPECT_CODE(h, 402, "insufficient_balance");
    balance_is(h, 10000, 0, 9000);
    h_free(h);
}

static void test_coord_rate_limit(void **state)
{
    (void)state;
    H *h = h_new(tweak_small_limits, true);
    h_setup(h, 1000000, NULL);
    atomic_store(&h->now, 1700000080000ull); /* 20 s before a minute boundary */
    for (int i = 0; i < 3; i++)
        assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}"), 202);
    call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}");
    EXPECT_CODE(h, 429, "rate_limited");
    assert_int_equal(h->resp.retry_after_s, 20);
    /* Refused before anything was reserved. */
    balance_is(h, 1000000, 0, 30000);
    atomic_store(&h->now, 1700000100000ull);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}"), 202);
    h_free(h);
}

static void tweak_concurrency(ol_coord_config *c)
{
    c->max_concurrent_calls = 2;
}

static void test_coord_concurrency_limit(void **state)
{
    (void)state;
    H *h = h_new(tweak_concurrency, true);
    h_setup(h, 1000000, NULL);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}"), 202);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}"), 202);
    call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}");
    EXPECT_CODE(h, 429, "too_many_concurrent_calls");
    balance_is(h, 1000000, 0, 20000);
    /* One finishes: a slot frees. */
    json_t *t = poll_task(h, NULL);
    outcome o = {.status = "ok", .stdout_text = "{}", .instructions = 10, .time_ms = 1};
    assert_int_equal(complete(h, t, &o), 200);
    json_decref(t);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}"), 202);
    h_free(h);
}

static void test_coord_async_flow(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    h_setup(h, 100000, NULL);
    assert_int_equal(call(h, "alice.near/app", h->key, "20000", "500",
                          "{\"input\":{\"a\":1},\"async\":true,"
                          "\"resource_limits\":{\"max_memory_mb\":64}}"),
                     202);
    char id[64];
    call_id_of(h, id);
    assert_string_equal(jstr(h, "status"), "pending");
    char poll[128];
    snprintf(poll, sizeof poll, "/calls/%s", id);
    assert_string_equal(jstr(h, "poll_url"), poll);
    balance_is(h, 100000, 0, 20500);
    assert_int_equal(get_call(h, id), 200);
    assert_string_equal(jstr(h, "status"), "pending");

    json_t *t = poll_task(h, NULL);
    assert_non_null(t);
    assert_string_equal(json_string_value(json_object_get(t, "call_id")), id);
    assert_string_equal(json_string_value(json_object_get(t, "project_id")), "alice.near/app");
    assert_string_equal(json_string_value(json_object_get(t, "version_key")), h->version);
    assert_int_equal(json_integer_value(json_object_get(t, "attempt")), 1);
    assert_int_equal(json_integer_value(json_object_get(t, "lease_ms")), 10000);
    /* stdin is the compact JSON of input */
    assert_string_equal(json_string_value(json_object_get(t, "input_base64")), "eyJhIjoxfQ==");
    json_t *env = json_object_get(t, "env");
    json_t *lim = json_object_get(t, "limits");
#define ENV(k) json_string_value(json_object_get(env, k))
    assert_string_equal(ENV("OUTLAYER_EXECUTION_TYPE"), "HTTPS");
    assert_string_equal(ENV("OUTLAYER_CALL_ID"), id);
    assert_string_equal(ENV("NEAR_SENDER_ID"), "bob.near");
    assert_string_equal(ENV("NEAR_USER_ACCOUNT_ID"), "bob.near");
    assert_string_equal(ENV("OUTLAYER_PROJECT_ID"), "alice.near/app");
    assert_string_equal(ENV("OUTLAYER_PROJECT_NAME"), "app");
    assert_string_equal(ENV("OUTLAYER_PROJECT_OWNER"), "alice.near");
    assert_string_equal(ENV("USD_PAYMENT"), "500");
    assert_string_equal(ENV("NEAR_MAX_MEMORY_MB"), "64");
    assert_string_equal(ENV("NEAR_BLOCK_HEIGHT"), "");
    assert_string_equal(ENV("NEAR_TRANSACTION_HASH"), "");
    assert_string_equal(ENV("NEAR_PAYMENT_YOCTO"), "0");
    /* L = 20000: A = 19900, time = 9950 ms, instructions = 9 950 000 000. */
    assert_int_equal(json_integer_value(json_object_get(lim, "max_execution_ms")), 9950);
    assert_int_equal(json_integer_value(json_object_get(lim, "max_instructions")), 9950000000ll);
    assert_int_equal(json_integer_value(json_object_get(lim, "max_memory_mb")), 64);
    assert_string_equal(ENV("NEAR_MAX_INSTRUCTIONS"), "9950000000");
    assert_string_equal(ENV("NEAR_MAX_EXECUTION_SECONDS"), "10");
#undef ENV
    assert_null(poll_task(h, NULL)); /* nothing else queued */
    assert_int_equal(get_call(h, id), 200);
    assert_string_equal(jstr(h, "status"), "running");

    char body[256];
    snprintf(body, sizeof body, "{\"worker_id\":\"%s\",\"task_id\":\"%s\",\"attempt\":1}",
             h->worker_id, json_string_value(json_object_get(t, "task_id")));
    assert_int_equal(wreq(h, "POST", "/worker/renew", NULL, body), 200);
    assert_int_equal(jint(h, "lease_ms"), 10000);

    outcome o = {
        .status = "ok", .stdout_text = "{\"sum\":3}\n", .instructions = 2500000, .time_ms = 12};
    assert_int_equal(complete(h, t, &o), 200);
    assert_true(json_is_true(json_object_get(h->json, "settled")));
    /* price = 100 + ceil(2.5) + 12 = 115; the deposit is paid. */
    assert_int_equal(get_call(h, id), 200);
    assert_string_equal(jstr(h, "status"), "completed");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(h->json, "output"), "sum")),
                     3);
    assert_string_equal(jstr(h, "compute_cost"), "115");
    assert_string_equal(jstr(h, "attached_deposit"), "500");
    assert_int_equal(jint(h, "instructions"), 2500000);
    assert_int_equal(jint(h, "time_ms"), 12);
    assert_true(json_is_null(json_object_get(h->json, "error")));
    json_t *ev = json_object_get(h->json, "evidence");
    assert_true(json_is_object(ev));
    balance_is(h, 100000, 615, 0);
    assert_int_equal(req(h, "GET", "/public/project-earnings/alice.near", NULL, NULL, NULL, 0),
                     200);
    assert_string_equal(jstr(h, "total_earned"), "500");

    /* Evidence route: everything `outlayer verify` needs, and the signature verifies. */
    char path[128];
    snprintf(path, sizeof path, "/calls/%s/evidence", id);
    assert_int_equal(keyget(h, path, h->key), 200);
    assert_string_equal(jstr(h, "input_base64"), "eyJhIjoxfQ==");
    assert_string_equal(jstr(h, "run_status"), "ok");
    assert_non_null(jstr(h, "transcript_base64"));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(h->json, "env"), "OUTLAYER_CALL_ID")),
        id);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(h->json, "limits"), "max_execution_ms")),
        9950);
    char *evtext = json_dumps(json_object_get(h->json, "evidence"), JSON_COMPACT);
    ol_evidence_record rec;
    char sig[OL_NEAR_KEY_STR_MAX];
    assert_int_equal(ol_evidence_parse(evtext, strlen(evtext), &rec, sig, NULL), OL_OK);
    assert_int_equal(ol_evidence_verify(&rec, sig, NULL, NULL), OL_OK);
    assert_string_equal(rec.call_id, id);
    assert_int_equal(rec.instructions, 2500000);
    free(evtext);

    /* Another owner's key sees nothing; the admin sees it. */
    assert_int_equal(
        admin(h, "POST", "/admin/payment-keys", "{\"owner\":\"eve.near\",\"initial_balance\":10}"),
        201);
    char evekey[128];
    strcpy(evekey, jstr(h, "key"));
    keyget(h, poll, evekey);
    EXPECT_CODE(h, 404, "call_not_found");
    keyget(h, path, evekey);
    EXPECT_CODE(h, 404, "call_not_found");
    assert_int_equal(admin(h, "GET", poll, NULL), 200);
    assert_string_equal(jstr(h, "status"), "completed");
    get_call(h, "no-such-call");
    EXPECT_CODE(h, 404, "call_not_found");
    keyget(h, poll, NULL);
    EXPECT_CODE(h, 401, "missing_payment_key");
    json_decref(t);
    h_free(h);
}

static void test_coord_sync_completed_before_finish(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    h_setup(h, 100000, NULL);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"input\":\"hi\"}"), 200);
    assert_int_equal(h->resp.defer.kind, OL_COORD_DEFER_CALL);
    ol_coord_defer saved = h->resp.defer;
    ol_near_arena *ar = h->ar;
    h->ar = NULL; /* keep the deferred request's arena */
    json_t *t = poll_task(h, NULL);
    assert_string_equal(json_string_value(json_object_get(t, "input_base64")), "ImhpIg==");
    outcome o = {.status = "ok", .stdout_text = "\"hello\"", .instructions = 1, .time_ms = 0};
    assert_int_equal(complete(h, t, &o), 200);
    json_decref(t);
    h_reset(h);
    h->ar = ar;
    h->resp.defer = saved;
    assert_int_equal(finish(h), 200);
    assert_string_equal(jstr(h, "status"), "completed");
    assert_string_equal(jstr(h, "output"), "hello");
    assert_string_equal(jstr(h, "compute_cost"), "101");
    balance_is(h, 100000, 101, 0);
    h_free(h);
}

/* ---- threaded sync flows ---- */

typedef struct finisher {
    H *h;
    ol_coord_defer df;
    ol_near_arena *ar;
    ol_coord_resp resp;
    uint64_t took_ms;
} finisher;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *finish_main(void *arg)
{
    finisher *f = arg;
    uint64_t t0 = mono_ms();
    ol_coord_finish(f->h->c, &f->df, f->ar, &f->resp);
    f->took_ms = mono_ms() - t0;
    return NULL;
}

/* Takes the deferred response of the last request into a finisher thread. */
static void start_finisher(H *h, finisher *f, pthread_t *th)
{
    assert_int_not_equal(h->resp.defer.kind, OL_COORD_DEFER_NONE);
    f->h = h;
    f->df = h->resp.defer;
    f->ar = h->ar;
    h->ar = NULL;
    assert_int_equal(pthread_create(th, NULL, finish_main, f), 0);
}

static json_t *join_finisher(finisher *f, pthread_t th)
{
    pthread_join(th, NULL);
    json_t *j = json_loadb((const char *)f->resp.body, f->resp.body_len, 0, NULL);
    ol_near_arena_free(f->ar);
    return j;
}

static void test_coord_sync_threaded(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    h_setup(h, 100000, NULL);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"input\":[1,2]}"), 200);
    finisher f = {0};
    pthread_t th;
    start_finisher(h, &f, &th);
    usleep(30 * 1000);
    json_t *t = poll_task(h, NULL);
    outcome o = {.status = "ok", .stdout_text = "[2,1]", .instructions = 3000000, .time_ms = 4};
    assert_int_equal(complete(h, t, &o), 200);
    json_decref(t);
    json_t *j = join_finisher(&f, th);
    assert_int_equal(f.resp.status, 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "completed");
    assert_int_equal(json_array_size(json_object_get(j, "output")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "compute_cost")), "107");
    assert_true(f.took_ms < 1500); /* woken by the completion, not a timeout */
    json_decref(j);
    h_free(h);
}

static void tweak_short_wait(ol_coord_config *c)
{
    c->queue_wait_ms = 40;
}

static void test_coord_sync_no_worker(void **state)
{
    (void)state;
    H *h = h_new(tweak_short_wait, true);
    h_setup(h, 100000, NULL);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, "300", "{}"), 200);
    char id[64];
    strcpy(id, h->resp.defer.id);
    assert_int_equal(finish(h), 503);
    EXPECT_CODE(h, 503, "no_worker_available");
    assert_true(h->resp.retry_after_s > 0);
    balance_is(h, 100000, 0, 0);
    assert_int_equal(get_call(h, id), 200);
    assert_string_equal(jstr(h, "status"), "failed");
    assert_string_equal(jstr(h, "error_code"), "no_worker_available");
    assert_string_equal(jstr(h, "compute_cost"), "0");
    assert_null(poll_task(h, NULL)); /* the task is gone */
    h_free(h);
}

static void tweak_sync_timeout(ol_coord_config *c)
{
    c->sync_timeout_ms = 150;
}

static void test_coord_sync_timeout_202(void **state)
{
    (void)state;
    H *h = h_new(tweak_sync_timeout, true);
    h_setup(h, 100000, NULL);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{}"), 200);
    finisher f = {0};
    pthread_t th;
    start_finisher(h, &f, &th);
    json_t *t = poll_task(h, NULL); /* claimed, never completed */
    json_t *j = join_finisher(&f, th);
    assert_int_equal(f.resp.status, 202);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "running");
    assert_non_null(json_object_get(j, "poll_url"));
    json_decref(j);
    /* It still settles normally afterwards. */
    outcome o = {.status = "ok", .stdout_text = "1", .instructions = 0, .time_ms = 0};
    assert_int_equal(complete(h, t, &o), 200);
    balance_is(h, 100000, 100, 0);
    json_decref(t);
    h_free(h);
}

static void test_coord_poll_long(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    h_setup(h, 100000, NULL);
    char q[160];
    snprintf(q, sizeof q, "worker_id=%s&timeout_ms=3000", h->worker_id);
    assert_int_equal(wreq(h, "GET", "/worker/poll", q, NULL), 204);
    assert_int_equal(h->resp.defer.kind, OL_COORD_DEFER_POLL);
    finisher f = {0};
    pthread_t th;
    start_finisher(h, &f, &th);
    usleep(50 * 1000);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}"), 202);
    json_t *j = join_finisher(&f, th);
    assert_int_equal(f.resp.status, 200);
    assert_non_null(json_object_get(j, "task_id"));
    assert_true(f.took_ms < 2000); /* woken by the submission */
    json_decref(j);
    /* Nothing queued: 204 after the wait. */
    snprintf(q, sizeof q, "worker_id=%s&timeout_ms=100", h->worker_id);
    assert_int_equal(wreq(h, "GET", "/worker/poll", q, NULL), 204);
    start_finisher(h, &f, &th);
    j = join_finisher(&f, th);
    assert_int_equal(f.resp.status, 204);
    assert_true(f.took_ms >= 90);
    json_decref(j);
    h_free(h);
}

/* ------------------------------------ worker protocol ------------------------------------ */

static void test_coord_worker_protocol(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    h_setup(h, 100000, NULL);
    const char *reg =
        "{\"worker_name\":\"w\",\"public_key\":\"ed25519:11111111111111111111111111111111\"}";
    req(h, "POST", "/worker/register", NULL, NULL, reg, strlen(reg));
    EXPECT_CODE(h, 401, "unauthorized");
    const char *badtok[] = {"Authorization", "Bearer wrong", NULL};
    req(h, "POST", "/worker/register", NULL, badtok, reg, strlen(reg));
    EXPECT_CODE(h, 401, "unauthorized");
    wreq(h, "POST", "/worker/register", NULL, "{\"worker_name\":\"w\",\"public_key\":\"nope\"}");
    EXPECT_CODE(h, 400, "bad_request");
    wreq(h, "POST", "/worker/register", NULL, "{\"worker_name\":\"w\"}");
    EXPECT_CODE(h, 400, "bad_request");
    /* Idempotent: same token and key, same id. */
    ol_near_public_key pk;
    ol_near_secret_key_public(&h->wsk, &pk);
    char pks[OL_NEAR_KEY_STR_MAX], body[512];
    ol_near_public_key_format(&pk, pks);
    snprintf(body, sizeof body, "{\"worker_name\":\"w1b\",\"public_key\":\"%s\"}", pks);
    assert_int_equal(wreq(h, "POST", "/worker/register", NULL, body), 200);
    assert_string_equal(jstr(h, "worker_id"), h->worker_id);
    assert_int_equal(jint(h, "heartbeat_ms"), 3000);

    /* An issued token registers a second worker; the first token cannot act for it. */
    assert_int_equal(admin(h, "POST", "/admin/worker-tokens", "{\"name\":\"second\"}"), 201);
    char tok2[80], auth2[100];
    strcpy(tok2, jstr(h, "token"));
    snprintf(auth2, sizeof auth2, "Bearer %s", tok2);
    const char *h2[] = {"Authorization", auth2, NULL};
    assert_int_equal(req(h, "POST", "/worker/register", NULL, h2, body, strlen(body)), 200);
    char w2[64];
    strcpy(w2, jstr(h, "worker_id"));
    assert_string_not_equal(w2, h->worker_id);
    char q[160];
    snprintf(q, sizeof q, "worker_id=%s&timeout_ms=0", w2);
    wreq(h, "GET", "/worker/poll", q, NULL);
    EXPECT_CODE(h, 403, "forbidden");
    wreq(h, "GET", "/worker/poll", "worker_id=ghost&timeout_ms=0", NULL);
    EXPECT_CODE(h, 404, "not_found");
    wreq(h, "GET", "/worker/poll", "timeout_ms=0", NULL);
    EXPECT_CODE(h, 400, "bad_request");
    snprintf(q, sizeof q, "worker_id=%s&timeout_ms=99999", h->worker_id);
    wreq(h, "GET", "/worker/poll", q, NULL);
    EXPECT_CODE(h, 400, "bad_request");
    assert_int_equal(req(h, "GET", "/worker/poll", q + 0, h2, NULL, 0), 400);

    /* Heartbeats and liveness. */
    snprintf(body, sizeof body, "{\"worker_id\":\"%s\",\"running\":[\"a\",\"b\"]}", h->worker_id);
    assert_int_equal(wreq(h, "POST", "/worker/heartbeat", NULL, body), 200);
    wreq(h, "POST", "/worker/heartbeat", NULL, "{\"worker_id\":\"ghost\"}");
    EXPECT_CODE(h, 404, "not_found");
    assert_int_equal(req(h, "GET", "/public/workers", NULL, NULL, NULL, 0), 200);
    json_t *ws = json_object_get(h->json, "workers");
    assert_int_equal(json_array_size(ws), 2);
    int online = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *w = json_array_get(ws, i);
        if (strcmp(json_string_value(json_object_get(w, "status")), "online") == 0)
            online++;
        if (strcmp(json_string_value(json_object_get(w, "worker_id")), h->worker_id) == 0)
            assert_int_equal(json_integer_value(json_object_get(w, "running")), 2);
    }
    assert_int_equal(online, 2);
    atomic_fetch_add(&h->now, 9001);
    assert_int_equal(req(h, "GET", "/public/workers", NULL, NULL, NULL, 0), 200);
    ws = json_object_get(h->json, "workers");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ws, 0), "status")),
                        "stale");
    assert_int_equal(req(h, "GET", "/public/stats", NULL, NULL, NULL, 0), 200);
    assert_int_equal(jint(h, "active_workers"), 0);
    assert_int_equal(jint(h, "total_workers"), 2);

    /* Wasm by content hash. */
    char path[128];
    snprintf(path, sizeof path, "/wasm/%s", h->version);
    assert_int_equal(wreq(h, "GET", path, NULL, NULL), 200);
    assert_string_equal(h->resp.content_type, "application/wasm");
    assert_int_equal(h->resp.body_len, sizeof MOD1);
    assert_memory_equal(h->resp.body, MOD1, sizeof MOD1);
    req(h, "GET", path, NULL, NULL, NULL, 0);
    EXPECT_CODE(h, 401, "unauthorized");
    wreq(h, "GET", "/wasm/0000000000000000000000000000000000000000000000000000000000000000", NULL,
         NULL);
    EXPECT_CODE(h, 404, "not_found");

    /* Renew: only the holder. */
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}"), 202);
    json_t *t = poll_task(h, NULL);
    const char *tid = json_string_value(json_object_get(t, "task_id"));
    snprintf(body, sizeof body, "{\"worker_id\":\"%s\",\"task_id\":\"%s\",\"attempt\":2}",
             h->worker_id, tid);
    wreq(h, "POST", "/worker/renew", NULL, body);
    EXPECT_CODE(h, 409, "lease_lost");
    snprintf(body, sizeof body, "{\"worker_id\":\"%s\",\"task_id\":\"ghost\",\"attempt\":1}",
             h->worker_id);
    wreq(h, "POST", "/worker/renew", NULL, body);
    EXPECT_CODE(h, 404, "not_found");
    snprintf(body, sizeof body, "{\"worker_id\":\"%s\",\"task_id\":\"%s\"}", h->worker_id, tid);
    wreq(h, "POST", "/worker/renew", NULL, body);
    EXPECT_CODE(h, 400, "bad_request");
    json_decref(t);
    h_free(h);
}

static void test_coord_complete_checks(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    h_setup(h, 100000, NULL);
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}"), 202);
    char id[64];
    call_id_of(h, id);
    json_t *t = poll_task(h, NULL);
    uint8_t seed[32];
    memset(seed, 77, sizeof seed);
    ol_near_secret_key other;
    ol_near_secret_key_from_seed(seed, &other);
    /* Signed by a key that is not the worker's registered one. */
    outcome o = {
        .status = "ok", .stdout_text = "{}", .instructions = 5, .time_ms = 1, .sk = &other};
    complete(h, t, &o);
    EXPECT_CODE(h, 400, "bad_evidence");
    o.sk = NULL;
    o.tamper = "output_sha256";
    complete(h, t, &o);
    EXPECT_CODE(h, 400, "bad_evidence");
    o.tamper = "status";
    complete(h, t, &o);
    EXPECT_CODE(h, 400, "bad_evidence");
    o.tamper = NULL;
    o.omit_evidence = true;
    complete(h, t, &o);
    EXPECT_CODE(h, 400, "bad_evidence");
    o.omit_evidence = false;
    o.instructions = 999999999999ull; /* above the task's limit */
    complete(h, t, &o);
    EXPECT_CODE(h, 400, "bad_request");
    o.instructions = 5;
    o.status = "exploded";
    complete(h, t, &o);
    EXPECT_CODE(h, 400, "bad_request");
    wreq(h, "POST", "/worker/complete", NULL, "{\"worker_id\":1}");
    EXPECT_CODE(h, 400, "bad_request");
    wreq(h, "POST", "/worker/complete", NULL,
         "{\"output_base64\":\"!!\",\"worker_id\":\"x\","
         "\"task_id\":\"y\",\"status\":\"ok\",\"attempt\":1}");
    EXPECT_CODE(h, 400, "bad_request");
    /* Nothing was settled by the refusals. */
    balance_is(h, 100000, 0, 10000);
    o.status = "ok";
    assert_int_equal(complete(h, t, &o), 200);
    assert_true(json_is_true(json_object_get(h->json, "settled")));
    /* The same completion again: accepted, not settled twice. */
    assert_int_equal(complete(h, t, &o), 200);
    assert_false(json_is_true(json_object_get(h->json, "settled")));
    balance_is(h, 100000, 102, 0);
    json_decref(t);
    h_free(h);
}

static void tweak_two_attempts(ol_coord_config *c)
{
    c->max_attempts = 2;
    c->lease_ms = 1000;
}

static void test_coord_redelivery_and_worker_lost(void **state)
{
    (void)state;
    H *h = h_new(tweak_two_attempts, true);
    h_setup(h, 100000, NULL);
    /* A second worker (same token, another key). */
    uint8_t seed[32];
    memset(seed, 5, sizeof seed);
    ol_near_secret_key sk2;
    ol_near_secret_key_from_seed(seed, &sk2);
    ol_near_public_key pk;
    ol_near_secret_key_public(&sk2, &pk);
    char pks[OL_NEAR_KEY_STR_MAX], body[300], w2[64];
    ol_near_public_key_format(&pk, pks);
    snprintf(body, sizeof body, "{\"worker_name\":\"w2\",\"public_key\":\"%s\"}", pks);
    assert_int_equal(wreq(h, "POST", "/worker/register", NULL, body), 200);
    strcpy(w2, jstr(h, "worker_id"));

    /* Redelivery: w1's lease lapses, w2 gets attempt 2; w1's late result is refused. */
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"async\":true}"), 202);
    char id[64];
    call_id_of(h, id);
    json_t *t1 = poll_task(h, NULL);
    atomic_fetch_add(&h->now, 1000);
    assert_int_equal(ol_coord_sweep(h->c, NULL), OL_OK);
    assert_int_equal(get_call(h, id), 200);
    assert_string_equal(jstr(h, "status"), "pending");
    json_t *t2 = poll_task(h, w2);
    assert_non_null(t2);
    assert_int_equal(json_integer_value(json_object_get(t2, "attempt")), 2);
    outcome o = {.status = "ok", .stdout_text = "{}", .instructions = 1000000, .time_ms = 2};
    complete(h, t1, &o);
    EXPECT_CODE(h, 409, "lease_lost");
    o.worker_id = w2;
    o.sk = &sk2;
    assert_int_equal(complete(h, t2, &o), 200);
    balance_is(h, 100000, 103, 0);
    json_decref(t1);
    json_decref(t2);

    /* worker_lost: two lapses, a sync waiter is woken by the sweeper's failure. */
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, "50", "{}"), 200);
    strcpy(id, h->resp.defer.id);
    finisher f = {0};
    pthread_t th;
    start_finisher(h, &f, &th);
    for (int i = 0; i < 2; i++) {
        json_t *t = poll_task(h, NULL);
        assert_non_null(t);
        json_decref(t);
        atomic_fetch_add(&h->now, 1000);
        assert_int_equal(ol_coord_sweep(h->c, NULL), OL_OK);
    }
    json_t *j = join_finisher(&f, th);
    assert_int_equal(f.resp.status, 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "failed");
    assert_string_equal(json_string_value(json_object_get(j, "error_code")), "worker_lost");
    assert_string_equal(json_string_value(json_object_get(j, "compute_cost")), "0");
    json_decref(j);
    balance_is(h, 100000, 103, 0); /* not charged, deposit returned */
    h_free(h);
}

/* ------------------------------- money: mixed outcomes ------------------------------- */

typedef struct step {
    const char *status;
    const char *out;
    uint64_t instr, ms;
    const char *limit, *deposit;
    const char *want_status, *want_code;
    uint64_t want_charge;
    bool pays_deposit;
} step;

static void test_coord_money_mixed(void **state)
{
    (void)state;
    H *h = h_new(NULL, true);
    h_setup(h, 1000000, NULL);
    /* L = 10000 unless given: time cap 4950 ms; L = 2000: A = 1900, cap 950 ms. */
    const step steps[] = {
        {"ok", "{\"a\":1}", 2500000, 10, NULL, "200", "completed", NULL, 113, true},
        {"trap", "", 1000000, 3, NULL, "200", "failed", "trap", 104, false},
        {"ok", "not json", 999999, 5, NULL, NULL, "failed", "invalid_output", 106, false},
        {"exit", "{}", 0, 0, NULL, "7", "failed", "exit", 100, false},
        {"out_of_fuel", "", 950000000, 900, "2000", NULL, "failed", "out_of_fuel", 1950, false},
        {"timeout", "", 12, 99999, "2000", NULL, "failed", "timeout", 100 + 1 + 950, false},
        {"invalid_module", "", 0, 0, NULL, "300", "failed", "invalid_module", 0, false},
        {"ok", "[]", 1, 0, "1000", "1", "completed", NULL, 101, true},
        {"memory_limit", "", 0, 1, NULL, NULL, "failed", "memory_limit", 101, false},
        {"output_limit", "", 4000000, 2, NULL, NULL, "failed", "output_limit", 106, false},
    };
    uint64_t spent = 0, earned = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        const step *s = &steps[i];
        assert_int_equal(call(h, "alice.near/app", h->key, s->limit, s->deposit,
                              "{\"async\":true,\"input\":null}"),
                         202);
        char id[64];
        call_id_of(h, id);
        json_t *t = poll_task(h, NULL);
        outcome o = {.status = s->status,
                     .stdout_text = s->out,
                     .instructions = s->instr,
                     .time_ms = s->ms,
                     .exit_code = strcmp(s->status, "exit") == 0 ? 3u : 0u};
        assert_int_equal(complete(h, t, &o), 200);
        json_decref(t);
        assert_int_equal(get_call(h, id), 200);
        assert_string_equal(jstr(h, "status"), s->want_status);
        if (s->want_code != NULL)
            assert_string_equal(jstr(h, "error_code"), s->want_code);
        char want[32];
        snprintf(want, sizeof want, "%llu", (unsigned long long)s->want_charge);
        if (strcmp(jstr(h, "compute_cost"), want) != 0)
            fail_msg("step %zu: charged %s, want %s", i, jstr(h, "compute_cost"), want);
        spent += s->want_charge;
        if (s->pays_deposit) {
            uint64_t dep = s->deposit != NULL ? strtoull(s->deposit, NULL, 10) : 0;
            spent += dep;
            earned += dep;
        }
        balance_is(h, 1000000, spent, 0);
    }
    /* Platform failures: no worker (cancelled), worker lost. */
    assert_int_equal(call(h, "alice.near/app", h->key, NULL, "77", "{\"async\":true}"), 202);
    char id[64];
    call_id_of(h, id);
    ol_diag d = {0};
    assert_int_equal(
        ol_store_call_cancel_queued(h->s, id, "no_worker_available", "x", atomic_load(&h->now), &d),
        OL_OK);
    balance_is(h, 1000000, spent, 0);
    assert_int_equal(req(h, "GET", "/public/project-earnings/alice.near", NULL, NULL, NULL, 0),
                     200);
    char want[32];
    snprintf(want, sizeof want, "%llu", (unsigned long long)earned);
    assert_string_equal(jstr(h, "total_earned"), want);
    assert_int_equal(req(h, "GET", "/public/stats", NULL, NULL, NULL, 0), 200);
    assert_int_equal(jint(h, "completed_calls"), 2);
    assert_int_equal(jint(h, "failed_calls"), 9);
    assert_int_equal(jint(h, "unique_users"), 1);
    assert_int_equal(req(h, "GET", "/metrics", NULL, NULL, NULL, 0), 200);
    char *m = strndup((const char *)h->resp.body, h->resp.body_len);
    assert_non_null(strstr(m, "outlayer_calls_total{status=\"completed\"} 2\n"));
    assert_non_null(strstr(m, "outlayer_calls_total{status=\"failed\"} 9\n"));
    assert_non_null(strstr(m, "outlayer_call_duration_seconds_count 10\n"));
    char line[96];
    snprintf(line, sizeof line, "outlayer_charged_micro_usd_total %llu\n",
             (unsigned long long)(spent - earned));
    assert_non_null(strstr(m, line));
    free(m);
    h_free(h);
}

/* Many sync callers at once, one worker thread: every call accounted for, exact money. */
typedef struct worker_loop {
    H *h;
    ol_coord *c;
    int done;
    _Atomic bool stop;
    ol_near_secret_key sk;
    char id[64];
} worker_loop;

static void *worker_loop_main(void *arg)
{
    worker_loop *w = arg;
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", WTOKEN);
    const char *hdrs[] = {"Authorization", auth, NULL};
    char q[160];
    snprintf(q, sizeof q, "worker_id=%s&timeout_ms=200", w->id);
    while (!atomic_load(&w->stop)) {
        ol_near_arena *ar = NULL;
        ol_near_arena_new(NULL, &ar, NULL);
        ol_coord_resp r;
        ol_coord_req rq = {
            .method = "GET", .path = "/worker/poll", .query = q, .headers = NULL, .nheaders = 0};
        ol_coord_header hv[1] = {{hdrs[0], hdrs[1]}};
        rq.headers = hv;
        rq.nheaders = 1;
        ol_coord_handle(w->c, &rq, ar, &r);
        if (r.defer.kind != OL_COORD_DEFER_NONE) {
            ol_coord_defer df = r.defer;
            ol_coord_finish(w->c, &df, ar, &r);
        }
        if (r.status == 200) {
            json_t *task = json_loadb((const char *)r.body, r.body_len, 0, NULL);
            /* Reuse the harness's completion builder on a private H view. */
            H view = *w->h;
            view.ar = NULL;
            view.json = NULL;
            outcome o = {
                .status = "ok", .stdout_text = "{\"r\":1}", .instructions = 1500000, .time_ms = 3};
            unsigned st = complete(&view, task, &o);
            if (st == 200)
                w->done++;
            h_reset(&view);
            json_decref(task);
        }
        ol_near_arena_free(ar);
    }
    return NULL;
}

static void tweak_many(ol_coord_config *c)
{
    c->max_concurrent_calls = 0;
}

static void test_coord_many_sync_callers(void **state)
{
    (void)state;
    H *h = h_new(tweak_many, true);
    h_setup(h, 10000000, NULL);
    enum { N = 24 };
    finisher f[N];
    pthread_t th[N];
    memset(f, 0, sizeof f);
    worker_loop w = {.h = h, .c = h->c};
    strcpy(w.id, h->worker_id);
    pthread_t wt;
    for (int i = 0; i < N; i++) {
        assert_int_equal(call(h, "alice.near/app", h->key, NULL, NULL, "{\"input\":1}"), 200);
        start_finisher(h, &f[i], &th[i]);
    }
    assert_int_equal(pthread_create(&wt, NULL, worker_loop_main, &w), 0);
    for (int i = 0; i < N; i++) {
        json_t *j = join_finisher(&f[i], th[i]);
        assert_int_equal(f[i].resp.status, 200);
        assert_string_equal(json_string_value(json_object_get(j, "status")), "completed");
        assert_string_equal(json_string_value(json_object_get(j, "compute_cost")), "105");
        json_decref(j);
    }
    atomic_store(&w.stop, true);
    pthread_join(wt, NULL);
    assert_int_equal(w.done, N);
    balance_is(h, 10000000, 105 * N, 0);
    h_free(h);
}

int main(void)
{
    ol_log_set_level(OL_LOG_ERROR);
    if (ol_near_init(NULL) != OL_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coord_ops_routes),
        cmocka_unit_test(test_coord_admin_auth),
        cmocka_unit_test(test_coord_admin_projects),
        cmocka_unit_test(test_coord_admin_keys),
        cmocka_unit_test(test_coord_payment_key_auth),
        cmocka_unit_test(test_coord_call_errors),
        cmocka_unit_test(test_coord_rate_limit),
        cmocka_unit_test(test_coord_concurrency_limit),
        cmocka_unit_test(test_coord_async_flow),
        cmocka_unit_test(test_coord_sync_completed_before_finish),
        cmocka_unit_test(test_coord_sync_threaded),
        cmocka_unit_test(test_coord_sync_no_worker),
        cmocka_unit_test(test_coord_sync_timeout_202),
        cmocka_unit_test(test_coord_poll_long),
        cmocka_unit_test(test_coord_worker_protocol),
        cmocka_unit_test(test_coord_complete_checks),
        cmocka_unit_test(test_coord_redelivery_and_worker_lost),
        cmocka_unit_test(test_coord_money_mixed),
        cmocka_unit_test(test_coord_many_sync_callers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
