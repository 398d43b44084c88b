/* The worker's side of secrets (issue #6) against a scripted coordinator and a real keystore
 * service (ol_ks_server_start on 127.0.0.1, ephemeral port), with a guest that writes its whole
 * environment to stdout:
 *   - secrets reach the guest's environment; the evidence record verifies and holds no secret;
 *   - a caller the access condition refuses: "access_denied", nothing run, 0 instructions;
 *   - no keystore configured, a grant the keystore refuses (expired), a keystore that does not
 *     answer: "secrets_unavailable", nothing run, the message names the keystore's code;
 *   - a keystore that (wrongly) returns system names: the system values win in the guest;
 *   - the environment merge on its own (reserved and task names dropped, sorted, wiped after);
 *   - every log line of the worker and the keystore (one log sink) is free of secret values.
 * Every wait is bounded. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "ol/evidence.h"
#include "ol/keystore.h"
#include "ol/log.h"
#include "ol/worker.h"
#include "test.h"
#include "worker_int.h"

/* (module (import environ_sizes_get, environ_get, fd_write) (memory 2)
 *   _start: writes the environ buffer ("K=V\0K=V\0...") to stdout) */
static const uint8_t envdump_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x12, 0x03, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x02, 0x73, 0x03, 0x16,
    0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
    0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x11, 0x65, 0x6e, 0x76, 0x69, 0x72, 0x6f, 0x6e, 0x5f, 0x73,
    0x69, 0x7a, 0x65, 0x73, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f,
    0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77,
    0x31, 0x0b, 0x65, 0x6e, 0x76, 0x69, 0x72, 0x6f, 0x6e, 0x5f, 0x67, 0x65, 0x74, 0x00, 0x00, 0x16,
    0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72,
    0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00,
    0x01, 0x03, 0x02, 0x01, 0x02, 0x05, 0x03, 0x01, 0x00, 0x02, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65,
    0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x03, 0x0a,
    0x33, 0x01, 0x31, 0x00, 0x41, 0x00, 0x41, 0x04, 0x10, 0x00, 0x1a, 0x41, 0x80, 0x08, 0x41, 0x80,
    0xc0, 0x00, 0x10, 0x01, 0x1a, 0x41, 0x10, 0x41, 0x80, 0xc0, 0x00, 0x36, 0x02, 0x00, 0x41, 0x14,
    0x41, 0x04, 0x28, 0x02, 0x00, 0x36, 0x02, 0x00, 0x41, 0x01, 0x41, 0x10, 0x41, 0x01, 0x41, 0x18,
    0x10, 0x02, 0x1a, 0x0b};

#define TOKEN     "test-worker-token"
#define KS_TOKEN  "test-keystore-worker-token"
#define MAX_TASKS 8

/* ---- log capture: the worker's and the keystore's lines ----------------------------------------
 */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char *log_buf;
static size_t log_len;

static void log_sink(void *ud, ol_log_level level, const char *msg)
{
    (void)ud;
    (void)level;
    size_t n = strlen(msg);
    pthread_mutex_lock(&log_mu);
    char *p = realloc(log_buf, log_len + n + 2);
    if (p != NULL) {
        log_buf = p;
        memcpy(log_buf + log_len, msg, n);
        log_len += n;
        log_buf[log_len++] = '\n';
        log_buf[log_len] = '\0';
    }
    pthread_mutex_unlock(&log_mu);
}

static bool log_contains(const char *s)
{
    pthread_mutex_lock(&log_mu);
    bool found = log_buf != NULL && strstr(log_buf, s) != NULL;
    pthread_mutex_unlock(&log_mu);
    return found;
}

/* ---- the scripted coordinator (and, on /decrypt, a lying keystore) -----------------------------
 */

static struct fake {
    pthread_mutex_t mu;
    char *tasks[MAX_TASKS];
    size_t ntasks, next_task;
    char wasm_hex[65];
    char *completions[MAX_TASKS];
    size_t ncompletions;
    const char *decrypt_answer; /* what /decrypt answers (the lying keystore) */
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
    (void)method;
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
    bool decrypt = strcmp(url, "/decrypt") == 0;
    if (auth == NULL || strcmp(auth, decrypt ? "Bearer " KS_TOKEN : "Bearer " TOKEN) != 0)
        return json_reply(c, 401, "{\"error\":\"no\",\"code\":\"unauthorized\"}");
    enum MHD_Result rc;
    pthread_mutex_lock(&fk.mu);
    if (decrypt) {
        rc = json_reply(c, 200, fk.decrypt_answer != NULL ? fk.decrypt_answer : "{}");
    } else if (strcmp(url, "/worker/register") == 0) {
        rc = json_reply(c, 200, "{\"worker_id\":\"w-1\",\"lease_ms\":5000,\"heartbeat_ms\":500}");
    } else if (strcmp(url, "/worker/poll") == 0) {
        if (fk.next_task < fk.ntasks) {
            rc = json_reply(c, 200, fk.tasks[fk.next_task++]);
        } else {
            pthread_mutex_unlock(&fk.mu);
            usleep(50000); /* a short long-poll */
            pthread_mutex_lock(&fk.mu);
            rc = reply(c, 204, "", 0, "application/json");
        }
    } else if (strncmp(url, "/wasm/", 6) == 0) {
        rc = reply(c, 200, (const char *)envdump_wasm, sizeof envdump_wasm, "application/wasm");
    } else if (strcmp(url, "/worker/renew") == 0) {
        rc = json_reply(c, 200, "{\"lease_ms\":5000}");
    } else if (strcmp(url, "/worker/heartbeat") == 0) {
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

/* ---- fixtures: the fake coordinator, a real keystore, the coordinator's grant key --------------
 */

static struct MHD_Daemon *daemon_;
static char url_[64];
static ol_ks *ks_;
static ol_ks_service *ks_svc_;
static ol_ks_server *ks_srv_;
static char ks_url_[64];
static ol_near_secret_key coord_sk_;
static char secret_value_[80]; /* the secret: random per run, searched for in every log */

static const char acc_json[] = "{\"Project\":{\"project_id\":\"alice.near/app\"}}";

static int setup(void **state)
{
    (void)state;
    uint8_t h[32];
    crypto_hash_sha256(h, envdump_wasm, sizeof envdump_wasm);
    ol_evidence_hex(h, fk.wasm_hex);
    uint8_t rnd[24];
    randombytes_buf(rnd, sizeof rnd);
    char hex[49];
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(secret_value_, sizeof secret_value_, "sk-live-%s", hex);

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

    /* The keystore, configured as `outlayer keystore` would be: the coordinator's public key
     * and the SHA-256 of the worker's token (unlabelled). */
    uint8_t master[32];
    randombytes_buf(master, sizeof master);
    if (ol_ks_new(master, &ks_, NULL) != OL_OK ||
        ol_near_secret_key_generate(&coord_sk_, NULL) != OL_OK)
        return -1;
    sodium_memzero(master, sizeof master);
    ol_near_public_key cpk;
    ol_near_secret_key_public(&coord_sk_, &cpk);
    char cpk_text[OL_NEAR_KEY_STR_MAX], tok_hash[65];
    ol_near_public_key_format(&cpk, cpk_text);
    crypto_hash_sha256(h, (const uint8_t *)KS_TOKEN, strlen(KS_TOKEN));
    sodium_bin2hex(tok_hash, sizeof tok_hash, h, 32);
    ol_ks_service_config kc = {.coordinator_public_key = cpk_text, .worker_tokens = tok_hash};
    uint16_t port = 0;
    if (ol_ks_service_new(ks_, &kc, &ks_svc_, NULL) != OL_OK ||
        ol_ks_server_start(ks_svc_, "127.0.0.1", 0, 2, &ks_srv_, &port, NULL) != OL_OK)
        return -1;
    snprintf(ks_url_, sizeof ks_url_, "http://127.0.0.1:%u", (unsigned)port);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    ol_ks_server_stop(ks_srv_);
    ol_ks_service_free(ks_svc_);
    ol_ks_free(ks_);
    ol_near_secret_key_wipe(&coord_sk_);
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
    fk.decrypt_answer = NULL;
    pthread_mutex_unlock(&fk.mu);
}

/* The client's side: seals text to the key of (alice.near/app, alice.near) as base64. */
static char *seal_b64(const char *text, uint8_t sha[32])
{
    ol_ks_accessor a;
    uint8_t pk[OL_KS_PK_LEN];
    assert_int_equal(ol_ks_accessor_parse(acc_json, strlen(acc_json), &a, NULL), OL_OK);
    assert_int_equal(ol_ks_pubkey(ks_, &a, "alice.near", pk, NULL), OL_OK);
    uint8_t *ct = NULL;
    size_t ct_len = 0;
    assert_int_equal(ol_ks_seal(pk, (const uint8_t *)text, strlen(text), &ct, &ct_len, NULL),
                     OL_OK);
    crypto_hash_sha256(sha, ct, ct_len);
    size_t cap = sodium_base64_ENCODED_LEN(ct_len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    sodium_bin2base64(b64, cap, ct, ct_len, sodium_base64_VARIANT_ORIGINAL);
    free(ct);
    return b64;
}

/* The coordinator's side: the task's "secrets" value, with a grant for worker key worker_pk and
 * caller, covering the ciphertext of `plaintext` and the condition `access`. */
static char *secrets_field(const char *worker_pk, const char *caller, const char *access,
                           const char *plaintext, long ttl_s)
{
    ol_ks_grant g;
    memset(&g, 0, sizeof g);
    strcpy(g.call_id, "call-s");
    snprintf(g.worker_id, sizeof g.worker_id, "%s", worker_pk);
    assert_int_equal(ol_ks_accessor_parse(acc_json, strlen(acc_json), &g.accessor, NULL), OL_OK);
    strcpy(g.profile, "default");
    strcpy(g.owner, "alice.near");
    snprintf(g.caller, sizeof g.caller, "%s", caller);
    g.expires_at = (uint64_t)((long)time(NULL) + ttl_s);
    char *b64 = seal_b64(plaintext, g.secret_sha256);
    ol_ks_access *a = NULL;
    assert_int_equal(ol_ks_access_parse(access, strlen(access), 0, &a, NULL), OL_OK);
    assert_int_equal(ol_ks_access_hash(a, g.access_sha256, NULL), OL_OK);
    char *canon = NULL;
    size_t canon_len = 0;
    assert_int_equal(ol_ks_access_canonical(a, &canon, &canon_len, NULL), OL_OK);
    ol_ks_access_free(a);
    char *gj = NULL;
    assert_int_equal(ol_ks_grant_sign(&g, &coord_sk_, &gj, NULL), OL_OK);
    size_t cap = strlen(gj) + strlen(b64) + canon_len + 64;
    char *out = malloc(cap);
    snprintf(out, cap, "{\"grant\":%s,\"ciphertext\":\"%s\",\"access\":%s}", gj, b64, canon);
    free(gj);
    free(b64);
    free(canon);
    return out;
}

static void add_task(const char *id, const char *secrets)
{
    size_t cap = 1024 + (secrets != NULL ? strlen(secrets) : 0);
    char *t = malloc(cap);
    snprintf(t, cap,
             "{\"task_id\":\"%s\",\"attempt\":1,\"lease_ms\":5000,\"call_id\":\"call-%s\","
             "\"project_id\":\"alice.near/app\",\"version_key\":\"%s\","
             "\"input_base64\":\"e30=\",\"env\":{\"OUTLAYER_EXECUTION_TYPE\":\"HTTPS\","
             "\"NEAR_SENDER_ID\":\"bob.near\",\"NEAR_USER_ACCOUNT_ID\":\"bob.near\"},"
             "\"limits\":{\"max_instructions\":100000000,\"max_memory_mb\":16,"
             "\"max_execution_ms\":5000,\"max_output_bytes\":65536}%s%s}",
             id, id, fk.wasm_hex, secrets != NULL ? ",\"secrets\":" : "",
             secrets != NULL ? secrets : "");
    pthread_mutex_lock(&fk.mu);
    fk.tasks[fk.ntasks++] = t;
    pthread_mutex_unlock(&fk.mu);
}

/* ---- the worker under test ----------------------------------------------------------------------
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

/* Creates the worker (its key decides the grants, so tasks are added after this). */
static void make_worker(runner *r, const char *ks_url)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/ol-test-worker-secrets-XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    ol_worker_config cfg = {
        .coordinator_url = url_,
        .token = TOKEN,
        .data_dir = r->dir,
        .name = "test",
        .concurrency = 1,
        .poll_timeout_ms = 1000,
        .shutdown_grace_ms = 5000,
        .http_timeout_ms = 5000,
        .register_timeout_ms = 5000,
        .keystore_url = ks_url,
        .keystore_token = ks_url != NULL ? KS_TOKEN : NULL,
    };
    ol_diag d = {0};
    assert_int_equal(ol_worker_new(&cfg, &r->w, &d), OL_OK);
}

static void run(runner *r)
{
    assert_int_equal(pthread_create(&r->th, NULL, run_main, r), 0);
}

static void stop(runner *r)
{
    ol_worker_stop(r->w);
    pthread_join(r->th, NULL);
    assert_int_equal(r->rc, OL_OK);
    ol_worker_free(r->w);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", r->dir);
    assert_int_equal(system(cmd), 0);
}

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

/* The guest's stdout (the environ buffer) with its NULs turned into newlines. */
static char *guest_env(const json_t *j)
{
    const char *b64 = json_string_value(json_object_get(j, "output_base64"));
    assert_non_null(b64);
    size_t cap = strlen(b64) + 1, n = 0;
    char *out = malloc(cap);
    assert_int_equal(sodium_base642bin((uint8_t *)out, cap, b64, strlen(b64), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    for (size_t i = 0; i < n; i++) {
        if (out[i] == '\0')
            out[i] = '\n';
    }
    out[n] = '\0';
    return out;
}

/* The completion's evidence verifies with the worker's key and says `status`. */
static void check_evidence(const json_t *j, const runner *r, const char *status)
{
    char *ev = json_dumps(json_object_get(j, "evidence"), JSON_COMPACT);
    ol_evidence_record rec;
    char sig[OL_NEAR_KEY_STR_MAX];
    ol_diag d = {0};
    assert_int_equal(ol_evidence_parse(ev, strlen(ev), &rec, sig, &d), OL_OK);
    ol_near_public_key pk;
    assert_int_equal(ol_near_public_key_parse(ol_worker_public_key(r->w), &pk, &d), OL_OK);
    assert_int_equal(ol_evidence_verify(&rec, sig, &pk, &d), OL_OK);
    assert_string_equal(rec.status, status);
    assert_null(strstr(ev, secret_value_));
    free(ev);
}

static void test_secrets_reach_the_guest(void **state)
{
    (void)state;
    reset();
    runner r;
    make_worker(&r, ks_url_);
    char plain[256];
    snprintf(plain, sizeof plain, "{\"API_KEY\":\"%s\",\"PROTECTED_SEED\":\"abc\"}", secret_value_);
    char *sec = secrets_field(ol_worker_public_key(r.w), "bob.near",
                              "{\"Whitelist\":{\"accounts\":[\"bob.near\"]}}", plain, 120);
    add_task("s1", sec);
    free(sec);
    run(&r);
    assert_true(wait_completions(1, 10000));
    json_t *j = completion(0);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    char *env = guest_env(j);
    char want[128];
    snprintf(want, sizeof want, "\nAPI_KEY=%s\n", secret_value_);
    char *nl_env = malloc(strlen(env) + 2);
    nl_env[0] = '\n';
    strcpy(nl_env + 1, env);
    assert_non_null(strstr(nl_env, want));
    assert_non_null(strstr(nl_env, "\nPROTECTED_SEED=abc\n"));
    assert_non_null(strstr(nl_env, "\nNEAR_SENDER_ID=bob.near\n"));
    free(nl_env);
    free(env);
    check_evidence(j, &r, "ok");
    json_decref(j);
    stop(&r);
    assert_true(log_contains("event=secrets"));
    assert_false(log_contains(secret_value_));
}

static void test_access_denied(void **state)
{
    (void)state;
    reset();
    runner r;
    make_worker(&r, ks_url_);
    char plain[256];
    snprintf(plain, sizeof plain, "{\"API_KEY\":\"%s\"}", secret_value_);
    char *sec = secrets_field(ol_worker_public_key(r.w), "eve.near",
                              "{\"Whitelist\":{\"accounts\":[\"bob.near\"]}}", plain, 120);
    add_task("s2", sec);
    free(sec);
    run(&r);
    assert_true(wait_completions(1, 10000));
    json_t *j = completion(0);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "access_denied");
    assert_int_equal(json_integer_value(json_object_get(j, "instructions")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "time_ms")), 0);
    assert_string_equal(json_string_value(json_object_get(j, "output_base64")), "");
    const char *err = json_string_value(json_object_get(j, "error"));
    assert_non_null(strstr(err, "access condition does not admit the caller"));
    assert_null(strstr(err, secret_value_));
    check_evidence(j, &r, "access_denied");
    json_decref(j);
    ol_worker_stats st;
    ol_worker_get_stats(r.w, &st);
    assert_int_equal(st.tasks_run, 0);
    assert_int_equal(st.tasks_reported, 1);
    stop(&r);
    assert_false(log_contains(secret_value_));
}

/* One task whose secrets cannot be had; the completion says secrets_unavailable with `code`. */
static void unavailable(const char *ks_url, long ttl_s, const char *code)
{
    reset();
    runner r;
    make_worker(&r, ks_url);
    char plain[256];
    snprintf(plain, sizeof plain, "{\"API_KEY\":\"%s\"}", secret_value_);
    char *sec = secrets_field(ol_worker_public_key(r.w), "bob.near", "\"AllowAll\"", plain, ttl_s);
    add_task("s3", sec);
    free(sec);
    run(&r);
    assert_true(wait_completions(1, 10000));
    json_t *j = completion(0);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "secrets_unavailable");
    assert_int_equal(json_integer_value(json_object_get(j, "instructions")), 0);
    const char *err = json_string_value(json_object_get(j, "error"));
    assert_non_null(strstr(err, code));
    assert_null(strstr(err, secret_value_));
    check_evidence(j, &r, "secrets_unavailable");
    json_decref(j);
    ol_worker_stats st;
    ol_worker_get_stats(r.w, &st);
    assert_int_equal(st.tasks_run, 0);
    stop(&r);
    assert_false(log_contains(secret_value_));
}

static void test_secrets_unavailable(void **state)
{
    (void)state;
    /* No keystore configured. */
    unavailable(NULL, 120, "no keystore");
    /* The keystore refuses the grant: it has expired. */
    unavailable(ks_url_, -10, "grant_refused");
    /* Nothing listens there (the keystore of a stopped server: port 1 refuses on loopback). */
    unavailable("http://127.0.0.1:1", 120, "did not answer");
}

/* A keystore that returns system names anyway: the guest sees the system values. */
static void test_system_values_win(void **state)
{
    (void)state;
    reset();
    runner r;
    make_worker(&r, url_); /* the fake answers /decrypt */
    static char answer[512];
    snprintf(answer, sizeof answer,
             "{\"secrets\":{\"NEAR_SENDER_ID\":\"evil.near\",\"OUTLAYER_PROJECT_OWNER\":\"evil\","
             "\"NEAR_MAX_INSTRUCTIONS\":\"1\",\"LIE_OK\":\"%s\"}}",
             secret_value_);
    pthread_mutex_lock(&fk.mu);
    fk.decrypt_answer = answer;
    pthread_mutex_unlock(&fk.mu);
    char *sec = secrets_field(ol_worker_public_key(r.w), "bob.near", "\"AllowAll\"", "{}", 120);
    add_task("s4", sec);
    free(sec);
    run(&r);
    assert_true(wait_completions(1, 10000));
    json_t *j = completion(0);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    char *env = guest_env(j);
    assert_non_null(strstr(env, "NEAR_SENDER_ID=bob.near\n"));
    assert_null(strstr(env, "evil"));
    assert_null(strstr(env, "NEAR_MAX_INSTRUCTIONS=1\n"));
    assert_non_null(strstr(env, "NEAR_MAX_INSTRUCTIONS=100000000\n"));
    assert_non_null(strstr(env, "LIE_OK="));
    free(env);
    json_decref(j);
    stop(&r);
    assert_false(log_contains(secret_value_));
}

/* The merge itself: reserved and task names dropped, sorted, secret entries wiped after. */
static void test_env_merge(void **state)
{
    (void)state;
    const char *task = "{\"task_id\":\"t\",\"attempt\":1,\"lease_ms\":1000,\"call_id\":\"c\","
                       "\"project_id\":\"a.near/p\",\"version_key\":"
                       "\"0000000000000000000000000000000000000000000000000000000000000000\","
                       "\"input_base64\":\"\",\"env\":{\"NEAR_SENDER_ID\":\"bob.near\","
                       "\"CUSTOM\":\"task\"},\"limits\":{}}";
    ol__wtask t;
    ol_diag d = {0};
    assert_int_equal(ol__wtask_parse(task, strlen(task), &t, &d), OL_OK);
    assert_null(t.secrets);
    size_t base = t.nenv;
    json_t *s = json_loads("{\"ZED\":\"z\",\"NEAR_SENDER_ID\":\"evil\",\"WALLET_ID\":\"w\","
                           "\"CUSTOM\":\"secret\",\"AAA\":\"a\"}",
                           0, NULL);
    size_t dropped = 0;
    assert_int_equal(ol__wtask_add_secrets(&t, s, &dropped, &d), OL_OK);
    assert_int_equal(dropped, 3);
    assert_int_equal(t.nenv, base + 2);
    assert_int_equal(t.nsecret_env, 2);
    for (size_t i = 1; i < t.nenv; i++)
        assert_true(strcmp(t.env[i - 1], t.env[i]) < 0);
    assert_string_equal(t.env[0], "AAA=a");
    bool custom = false;
    for (size_t i = 0; i < t.nenv; i++) {
        assert_null(strstr(t.env[i], "evil"));
        assert_null(strstr(t.env[i], "WALLET_ID"));
        custom |= strcmp(t.env[i], "CUSTOM=task") == 0;
    }
    assert_true(custom);
    ol__wtask_drop_secrets(&t);
    assert_int_equal(t.nenv, base);
    assert_int_equal(t.nsecret_env, 0);
    for (size_t i = 0; i < t.nenv; i++) {
        assert_null(strstr(t.env[i], "AAA="));
        assert_null(strstr(t.env[i], "ZED="));
    }
    json_decref(s);
    /* Bad documents add nothing. */
    static const char *const bad[] = {"[]", "{\"A=B\":\"x\"}", "{\"\":\"x\"}", "{\"A\":1}",
                                      "{\"A\":\"x\\u0000y\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = json_loads(bad[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        assert_non_null(s);
        assert_int_equal(ol__wtask_add_secrets(&t, s, NULL, &d), OL_E_MALFORMED);
        assert_int_equal(t.nenv, base);
        json_decref(s);
    }
    ol__wtask_fini(&t);
    /* A malformed "secrets" field is a malformed task. */
    const char *bad_task = "{\"task_id\":\"t\",\"attempt\":1,\"lease_ms\":1000,\"call_id\":\"c\","
                           "\"project_id\":\"a.near/p\",\"version_key\":"
                           "\"0000000000000000000000000000000000000000000000000000000000000000\","
                           "\"input_base64\":\"\",\"limits\":{},\"secrets\":{\"grant\":1}}";
    assert_int_equal(ol__wtask_parse(bad_task, strlen(bad_task), &t, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "secrets"));
}

static void test_config(void **state)
{
    (void)state;
    ol_worker_config cfg = {.coordinator_url = url_,
                            .token = TOKEN,
                            .data_dir = "/tmp/ol-test-worker-secrets-cfg",
                            .keystore_url = "ftp://x"};
    ol_worker *w = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_worker_new(&cfg, &w, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "keystore URL"));
    cfg.keystore_url = ks_url_;
    assert_int_equal(ol_worker_new(&cfg, &w, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "keystore token"));
}

int main(void)
{
    if (ol_ks_init(NULL) != OL_OK)
        return 1;
    ol_ks_json_wipe_on_free();
    ol_log_set_sink(log_sink, NULL);
    ol_log_set_level(OL_LOG_DEBUG);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secrets_reach_the_guest),
        cmocka_unit_test(test_access_denied),
        cmocka_unit_test(test_secrets_unavailable),
        cmocka_unit_test(test_system_values_win),
        cmocka_unit_test(test_env_merge),
        cmocka_unit_test(test_config),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    reset();
    ol_log_set_sink(NULL, NULL);
    free(log_buf);
    return rc;
}
