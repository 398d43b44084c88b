/* The coordinator's side of secrets (issue #6), at handler level: owner keys, the NEP-413
 * signed secrets routes (put/update/list/delete and every refusal), the keystore's rules as the
 * coordinator relays them (reserved names, PROTECTED_ preservation and its 409), /call with
 * secrets_ref and the grant a claiming worker gets, and the two completion statuses.
 *
 * Nothing is mocked: the keystore is the real service handler (ol_ks_service_handle with a real
 * master key and configuration) plugged in through ol_coord_set_keystore(); the grant key is a
 * real near-cli credentials file read by ol_coord_new(); the store is SQLite in a temporary
 * directory. The coordinator's clock is fixed (store timestamps, grant expiry).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "ol/coord.h"
#include "ol/keystore.h"
#include "ol/log.h"
#include "test.h"

static const char ADMIN[] = "admin-secret-token";
static const char WTOKEN[] = "worker-secret-token";
static const char KS_COORD_TOKEN[] = "keystore-coordinator-token";
static const uint8_t MOD1[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
static const char TRANSCRIPT[] = "outlayer-transcript 1\n";
static const char PROJECT_A[] = "{\"Project\":{\"project_id\":\"alice.near/app\"}}";
/* A value that must never appear in a log line (and names, which must not either). */
static const char SECRET_VALUE[] = "sk-live-4f1a9c0ffee";
static const char SECRET_NAME[] = "OPENAI_API_KEY_X";

typedef struct H {
    char dir[64];
    ol_store *s;
    ol_coord *c;
    uint64_t now; /* ms */
    ol_ks *ks;
    ol_ks_service *svc;
    bool ks_down; /* the keystore client fails as if unreachable */
    ol_near_arena *ar;
    ol_coord_resp resp;
    json_t *json;
    ol_near_secret_key grant_sk;
    char grant_pk[OL_NEAR_KEY_STR_MAX];
    ol_near_secret_key alice_sk, bob_owner_sk, stranger_sk;
    char key[200];      /* bob.near's payment key */
    char worker_id[64]; /* the simulated worker */
    ol_near_secret_key wsk;
    char wpk[OL_NEAR_KEY_STR_MAX];
} H;

/* ------------------------------------- log capture ------------------------------------- */

static char *g_log;
static size_t g_log_len;

static void capture_sink(void *ud, ol_log_level level, const char *msg)
{
    (void)ud;
    (void)level;
    size_t n = strlen(msg);
    char *p = realloc(g_log, g_log_len + n + 2);
    if (p == NULL)
        abort();
    g_log = p;
    memcpy(g_log + g_log_len, msg, n);
    g_log[g_log_len + n] = '\n';
    g_log_len += n + 1;
    g_log[g_log_len] = '\0';
}

/* --------------------------------------- harness --------------------------------------- */

static uint64_t fake_now(void *ud)
{
    return ((H *)ud)->now;
}

/* The keystore, in-process: the real handler with the coordinator's bearer token. */
static ol_err ks_inproc(void *ud, const char *path, const char *body, size_t body_len,
                        unsigned *status, char **resp, size_t *resp_len, ol_diag *d)
{
    H *h = ud;
    if (h->ks_down)
        return OL_FAIL(d, OL_E_IO, "keystore http://127.0.0.1:9%s: connection refused", path);
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", KS_COORD_TOKEN);
    ol_ks_req rq = {.method = "POST",
                    .path = path,
                    .authorization = auth,
                    .body = (const uint8_t *)body,
                    .body_len = body_len};
    ol_ks_resp kr;
    ol_ks_service_handle(h->svc, &rq, h->now / 1000u, &kr);
    *status = kr.status;
    *resp = malloc(kr.body_len + 1);
    if (*resp == NULL) {
        ol_ks_resp_fini(&kr);
        return OL_FAIL(d, OL_E_NOMEM, "copy");
    }
    memcpy(*resp, kr.body, kr.body_len);
    (*resp)[kr.body_len] = '\0';
    *resp_len = kr.body_len;
    ol_ks_resp_fini(&kr);
    return OL_OK;
}

static void key_from(uint8_t fill, ol_near_secret_key *sk, char pk_out[OL_NEAR_KEY_STR_MAX])
{
    uint8_t seed[32];
    memset(seed, fill, sizeof seed);
    ol_near_secret_key_from_seed(seed, sk);
    if (pk_out != NULL) {
        ol_near_public_key pk;
        ol_near_secret_key_public(sk, &pk);
        ol_near_public_key_format(&pk, pk_out);
    }
}

static void hash_hex(const char *s, char out[65])
{
    uint8_t hh[32];
    crypto_hash_sha256(hh, (const uint8_t *)s, strlen(s));
    sodium_bin2hex(out, 65, hh, 32);
}

/* with_grant_key: write a near-cli credentials file and pass it as --signing-key-file. */
static H *h_new(bool with_grant_key)
{
    H *h = calloc(1, sizeof *h);
    assert_non_null(h);
    snprintf(h->dir, sizeof h->dir, "/tmp/ol-coord-secrets-XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    ol_diag d = {0};
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/c.db", h->dir);
    assert_int_equal(ol_store_open(url, NULL, &h->s, &d), OL_OK);
    h->now = 1700000000000ull;

    key_from(3, &h->grant_sk, h->grant_pk);
    key_from(7, &h->alice_sk, NULL);
    key_from(8, &h->bob_owner_sk, NULL);
    key_from(11, &h->stranger_sk, NULL);
    key_from(9, &h->wsk, h->wpk);
    char keyfile[128];
    snprintf(keyfile, sizeof keyfile, "%s/grant.json", h->dir);
    if (with_grant_key) {
        ol_near_credentials cr;
        memset(&cr, 0, sizeof cr);
        strcpy(cr.account_id, "coordinator.near");
        cr.secret_key = h->grant_sk;
        ol_near_secret_key_public(&h->grant_sk, &cr.public_key);
        assert_int_equal(ol_near_credentials_write(keyfile, &cr, false, &d), OL_OK);
        ol_near_credentials_wipe(&cr);
    }

    /* The keystore: a fixed master, the coordinator's token and grant key, one worker token. */
    uint8_t master[OL_KS_MASTER_LEN];
    memset(master, 0x5a, sizeof master);
    assert_int_equal(ol_ks_new(master, &h->ks, &d), OL_OK);
    char ch[65], wh[65], workers[80];
    hash_hex(KS_COORD_TOKEN, ch);
    hash_hex("keystore-worker-token", wh);
    snprintf(workers, sizeof workers, "w1:%s", wh);
    ol_ks_service_config kc = {.coordinator_public_key = h->grant_pk,
                               .coordinator_token_sha256 = ch,
                               .worker_tokens = workers};
    if (ol_ks_service_new(h->ks, &kc, &h->svc, &d) != OL_OK)
        fail_msg("keystore service: %s", d.msg);

    ol_coord_config cfg;
    ol_opts_result res;
    char *noenv[] = {NULL};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &cfg, 0, NULL, noenv, &res, &d), OL_OK);
    free(res.pos);
    free(cfg.admin_token);
    cfg.admin_token = strdup(ADMIN);
    free(cfg.worker_token);
    cfg.worker_token = strdup(WTOKEN);
    free(cfg.signing_key_file);
    cfg.signing_key_file = strdup(with_grant_key ? keyfile : "");
    cfg.grant_ttl_s = 120;
    if (ol_coord_new(&cfg, h->s, &h->c, &d) != OL_OK)
        fail_msg("coord: %s", d.msg);
    ol_opts_free(&ol_coord_opt_table, &cfg);
    ol_coord_set_clock(h->c, fake_now, h);
    ol_coord_set_keystore(h->c, ks_inproc, h);
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
    ol_ks_service_free(h->svc);
    ol_ks_free(h->ks);
    char p[128];
    snprintf(p, sizeof p, "rm -rf %s", h->dir);
    assert_int_equal(system(p), 0);
    free(h);
}

static unsigned req(H *h, const char *method, const char *path, const char *query,
                    const char *const *hdrs, const void *body, size_t len)
{
    h_reset(h);
    assert_int_equal(ol_near_arena_new(NULL, &h->ar, NULL), OL_OK);
    ol_coord_header hv[8];
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
    assert_int_equal(h->resp.defer.kind, OL_COORD_DEFER_NONE);
    if (h->resp.body_len > 0) {
        json_error_t je;
        h->json = json_loadb((const char *)h->resp.body, h->resp.body_len, 0, &je);
        if (h->json == NULL)
            fail_msg("response is not JSON: %.*s", (int)h->resp.body_len,
                     (const char *)h->resp.body);
    }
    return h->resp.status;
}

static const char *jstr(H *h, const char *key)
{
    json_t *v = json_object_get(h->json, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

#define EXPECT_CODE(h, st, code)                                                          \
    do {                                                                                  \
        if ((h)->resp.status != (st) || jstr((h), "code") == NULL ||                      \
            strcmp(jstr((h), "code"), (code)) != 0)                                       \
            fail_msg("want %u %s, got %u %.*s", (unsigned)(st), (code), (h)->resp.status, \
                     (int)(h)->resp.body_len, (const char *)(h)->resp.body);              \
    } while (0)

#define EXPECT_STATUS(h, call, st)                                                          \
    do {                                                                                    \
        unsigned got_ = (call);                                                             \
        if (got_ != (st))                                                                   \
            fail_msg("want %u, got %u %.*s", (unsigned)(st), got_, (int)(h)->resp.body_len, \
                     (const char *)(h)->resp.body);                                         \
    } while (0)

static unsigned admin(H *h, const char *method, const char *path, const char *query,
                      const char *body)
{
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", ADMIN);
    const char *hdrs[] = {"Authorization", auth, NULL};
    return req(h, method, path, query, hdrs, body, body != NULL ? strlen(body) : 0);
}

static unsigned post_json(H *h, const char *path, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    unsigned st = req(h, "POST", path, NULL, NULL, text, strlen(text));
    free(text);
    return st;
}

static void register_owner_key(H *h, const char *owner, const ol_near_secret_key *sk)
{
    ol_near_public_key pk;
    char pks[OL_NEAR_KEY_STR_MAX], body[256];
    ol_near_secret_key_public(sk, &pk);
    ol_near_public_key_format(&pk, pks);
    snprintf(body, sizeof body, "{\"owner\":\"%s\",\"public_key\":\"%s\"}", owner, pks);
    EXPECT_STATUS(h, admin(h, "POST", "/admin/owners", NULL, body), 201);
}

/* ------------------------------------- the client side ------------------------------------- */

/* What a client signs; fields left NULL are "-" (as the CLI does). */
typedef struct signreq {
    const char *op;
    const char *owner;
    const char *accessor_json; /* normalized compact JSON; NULL for list */
    const char *profile;
    const uint8_t *ct;
    size_t ct_len;
    const char *access_json; /* NULL: AllowAll (put only) */
    bool replace_protected;
    uint64_t timestamp_ms;
    const ol_near_secret_key *sk;
    const uint8_t *nonce; /* NULL: random */
} signreq;

static json_t *make_auth(const signreq *s)
{
    uint8_t ct_hash[32], acc_hash[32];
    ol_ks_owner_op op = {.op = s->op,
                         .owner = s->owner,
                         .accessor = s->accessor_json,
                         .profile = s->profile,
                         .replace_protected = s->replace_protected,
                         .timestamp_ms = s->timestamp_ms};
    if (s->ct != NULL) {
        crypto_hash_sha256(ct_hash, s->ct, s->ct_len);
        op.ciphertext_sha256 = ct_hash;
        const char *aj = s->access_json != NULL ? s->access_json : "\"AllowAll\"";
        ol_ks_access *a = NULL;
        /* Chain conditions and malformed ones are signed too (the server must refuse them). */
        memset(acc_hash, 0, sizeof acc_hash);
        if (ol_ks_access_parse(aj, strlen(aj), OL_KS_ACCESS_ALLOW_CHAIN, &a, NULL) == OL_OK)
            assert_int_equal(ol_ks_access_hash(a, acc_hash, NULL), OL_OK);
        ol_ks_access_free(a);
        op.access_sha256 = acc_hash;
    }
    char *msg = NULL;
    size_t msg_len = 0;
    assert_int_equal(ol_ks_owner_message(&op, &msg, &msg_len, NULL), OL_OK);
    ol_near_nep413_payload pl = {
        .message = {msg, msg_len},
        .recipient = {OL_KS_OWNER_RECIPIENT, strlen(OL_KS_OWNER_RECIPIENT)}};
    if (s->nonce != NULL)
        memcpy(pl.nonce, s->nonce, 32);
    else
        randombytes_buf(pl.nonce, 32);
    ol_near_signature sig;
    assert_int_equal(ol_near_nep413_sign(&pl, s->sk, NULL, &sig, NULL), OL_OK);
    free(msg);
    ol_near_public_key pk;
    ol_near_secret_key_public(s->sk, &pk);
    char pks[OL_NEAR_KEY_STR_MAX], sigs[OL_NEAR_KEY_STR_MAX], n64[64];
    ol_near_public_key_format(&pk, pks);
    ol_near_signature_format(&sig, sigs);
    sodium_bin2base64(n64, sizeof n64, pl.nonce, 32, sodium_base64_VARIANT_ORIGINAL);
    return json_pack("{s:s,s:s,s:I,s:s}", "public_key", pks, "nonce", n64, "timestamp_ms",
                     (json_int_t)s->timestamp_ms, "signature", sigs);
}

/* Fetches the keystore public key through POST /secrets/pubkey and seals `plaintext`. */
static uint8_t *seal_for(H *h, const char *accessor, const char *owner, const char *plaintext,
                         size_t *ct_len)
{
    json_t *b = json_pack("{s:o,s:s}", "accessor", json_loads(accessor, 0, NULL), "owner", owner);
    EXPECT_STATUS(h, post_json(h, "/secrets/pubkey", b), 200);
    const char *hex = jstr(h, "pubkey");
    assert_non_null(hex);
    uint8_t pk[OL_KS_PK_LEN];
    size_t n = 0;
    assert_int_equal(sodium_hex2bin(pk, sizeof pk, hex, strlen(hex), NULL, &n, NULL), 0);
    assert_int_equal(n, 32);
    uint8_t *ct = NULL;
    assert_int_equal(
        ol_ks_seal(pk, (const uint8_t *)plaintext, strlen(plaintext), &ct, ct_len, NULL), OL_OK);
    return ct;
}

static char *b64(const uint8_t *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    return s;
}

typedef struct putopt {
    const char *accessor; /* default PROJECT_A */
    const char *owner;    /* default alice.near */
    const char *profile;  /* default "default" */
    const char *access;   /* JSON text or NULL (absent) */
    bool replace_protected;
    const ol_near_secret_key *sk; /* default alice's */
    int64_t ts_offset_ms;
    const char *send_profile; /* a different profile sent than signed (tampering) */
    const uint8_t *nonce;
} putopt;

/* Encrypts plaintext for (accessor, owner) and sends POST /secrets. Returns the status. */
static unsigned put_secret(H *h, const char *plaintext, const putopt *o)
{
    const char *accessor = o->accessor != NULL ? o->accessor : PROJECT_A;
    const char *owner = o->owner != NULL ? o->owner : "alice.near";
    const char *profile = o->profile != NULL ? o->profile : "default";
    size_t ct_len = 0;
    uint8_t *ct = seal_for(h, accessor, owner, plaintext, &ct_len);
    signreq s = {.op = "secrets.put",
                 .owner = owner,
                 .accessor_json = accessor,
                 .profile = profile,
                 .ct = ct,
                 .ct_len = ct_len,
                 .access_json = o->access,
                 .replace_protected = o->replace_protected,
                 .timestamp_ms = (uint64_t)((int64_t)h->now + o->ts_offset_ms),
                 .sk = o->sk != NULL ? o->sk : &h->alice_sk,
                 .nonce = o->nonce};
    char *ct64 = b64(ct, ct_len);
    json_t *b =
        json_pack("{s:o,s:s,s:s,s:s,s:b,s:o}", "accessor", json_loads(accessor, 0, NULL), "profile",
                  o->send_profile != NULL ? o->send_profile : profile, "owner", owner, "ciphertext",
                  ct64, "replace_protected", o->replace_protected, "auth", make_auth(&s));
    if (o->access != NULL)
        json_object_set_new(b, "access", json_loads(o->access, JSON_DECODE_ANY, NULL));
    free(ct64);
    free(ct);
    return post_json(h, "/secrets", b);
}

static unsigned list_secrets(H *h, const char *owner, const ol_near_secret_key *sk)
{
    signreq s = {.op = "secrets.list", .owner = owner, .timestamp_ms = h->now, .sk = sk};
    return post_json(h, "/secrets/list",
                     json_pack("{s:s,s:o}", "owner", owner, "auth", make_auth(&s)));
}

static unsigned delete_secret(H *h, const char *accessor, const char *profile, const char *owner,
                              const ol_near_secret_key *sk)
{
    signreq s = {.op = "secrets.delete",
                 .owner = owner,
                 .accessor_json = accessor,
                 .profile = profile,
                 .timestamp_ms = h->now,
                 .sk = sk};
    return post_json(h, "/secrets/delete",
                     json_pack("{s:o,s:s,s:s,s:o}", "accessor", json_loads(accessor, 0, NULL),
                               "profile", profile, "owner", owner, "auth", make_auth(&s)));
}

static bool names_has(H *h, const char *list, const char *name)
{
    json_t *a = json_object_get(h->json, list);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
            return true;
    }
    return false;
}

/* Decrypts a stored ciphertext with the keystore's master (test-only view of what a worker
 * would get), to check what the keystore's prepare produced. Caller frees. */
static json_t *open_secret(H *h, const char *ct64, const char *accessor, const char *owner)
{
    uint8_t ct[4096];
    size_t n = 0;
    assert_int_equal(sodium_base642bin(ct, sizeof ct, ct64, strlen(ct64), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    ol_ks_accessor acc;
    assert_int_equal(ol_ks_accessor_parse(accessor, strlen(accessor), &acc, NULL), OL_OK);
    char seed[OL_KS_SEED_MAX + 1];
    size_t sl = 0;
    assert_int_equal(ol_ks_seed(&acc, owner, seed, sizeof seed, &sl, NULL), OL_OK);
    uint8_t *pt = NULL;
    size_t pl = 0;
    assert_int_equal(ol_ks_open(h->ks, seed, sl, ct, n, &pt, &pl, NULL), OL_OK);
    json_t *j = json_loadb((const char *)pt, pl, 0, NULL);
    ol_ks_wipe_free(pt, pl + 1);
    assert_non_null(j);
    return j;
}

/* ------------------------------- project, payment key, worker ------------------------------- */

static void setup_calls(H *h)
{
    EXPECT_STATUS(
        h, admin(h, "POST", "/admin/projects", NULL, "{\"owner\":\"alice.near\",\"name\":\"app\"}"),
        201);
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", ADMIN);
    const char *ah[] = {"Authorization", auth, NULL};
    EXPECT_STATUS(h,
                  req(h, "POST", "/admin/projects/alice.near/app/versions", "activate=true", ah,
                      MOD1, sizeof MOD1),
                  201);
    EXPECT_STATUS(
        h,
        admin(h, "POST", "/admin/projects", NULL, "{\"owner\":\"alice.near\",\"name\":\"other\"}"),
        201);
    EXPECT_STATUS(h,
                  req(h, "POST", "/admin/projects/alice.near/other/versions", "activate=true", ah,
                      MOD1, sizeof MOD1),
                  201);
    EXPECT_STATUS(h,
                  admin(h, "POST", "/admin/payment-keys", NULL,
                        "{\"owner\":\"bob.near\",\"initial_balance\":1000000}"),
                  201);
    strcpy(h->key, jstr(h, "key"));
    char wauth[128], body[256];
    snprintf(wauth, sizeof wauth, "Bearer %s", WTOKEN);
    const char *wh[] = {"Authorization", wauth, NULL};
    snprintf(body, sizeof body, "{\"worker_name\":\"w1\",\"public_key\":\"%s\",\"capacity\":2}",
             h->wpk);
    EXPECT_STATUS(h, req(h, "POST", "/worker/register", NULL, wh, body, strlen(body)), 200);
    strcpy(h->worker_id, jstr(h, "worker_id"));
}

static unsigned call_async(H *h, const char *project, const char *secrets_ref)
{
    char path[128], body[512];
    snprintf(path, sizeof path, "/call/%s", project);
    snprintf(body, sizeof body, "{\"input\":{\"n\":1},\"async\":true%s%s}",
             secrets_ref != NULL ? ",\"secrets_ref\":" : "",
             secrets_ref != NULL ? secrets_ref : "");
    const char *hdrs[] = {"X-Payment-Key", h->key, NULL};
    return req(h, "POST", path, NULL, hdrs, body, strlen(body));
}

static json_t *poll_task(H *h)
{
    char q[160], auth[128];
    snprintf(q, sizeof q, "worker_id=%s&timeout_ms=0", h->worker_id);
    snprintf(auth, sizeof auth, "Bearer %s", WTOKEN);
    const char *hdrs[] = {"Authorization", auth, NULL};
    unsigned st = req(h, "GET", "/worker/poll", q, hdrs, NULL, 0);
    if (st != 200)
        fail_msg("poll: %u %.*s", st, (int)h->resp.body_len, (const char *)h->resp.body);
    return json_incref(h->json);
}

static void hex_of(const void *p, size_t n, char out[65])
{
    uint8_t hsh[32];
    crypto_hash_sha256(hsh, p, n);
    ol_evidence_hex(hsh, out);
}

/* Reports a run that did not start (status access_denied / secrets_unavailable). */
static unsigned complete_refused(H *h, json_t *task, const char *status)
{
    const char *in64 = json_string_value(json_object_get(task, "input_base64"));
    uint8_t input[1024];
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
    hex_of("", 0, r.output_sha256);
    hex_of(TRANSCRIPT, strlen(TRANSCRIPT), r.transcript_sha256);
    strcpy(r.status, status);
    strcpy(r.worker_id, h->worker_id);
    strcpy(r.worker_public_key, h->wpk);
    char sig[OL_NEAR_KEY_STR_MAX];
    assert_int_equal(ol_evidence_sign(&r, &h->wsk, sig, NULL), OL_OK);
    char *env = NULL;
    assert_int_equal(ol_evidence_envelope(&r, sig, &env, NULL, NULL), OL_OK);
    char *tr64 = b64((const uint8_t *)TRANSCRIPT, strlen(TRANSCRIPT));
    json_t *b = json_object();
    json_object_set_new(b, "worker_id", json_string(h->worker_id));
    json_object_set(b, "task_id", json_object_get(task, "task_id"));
    json_object_set(b, "attempt", json_object_get(task, "attempt"));
    json_object_set_new(b, "status", json_string(status));
    json_object_set_new(b, "exit_code", json_integer(0));
    json_object_set_new(b, "output_base64", json_string(""));
    json_object_set_new(b, "error", json_string("the keystore refused"));
    json_object_set_new(b, "instructions", json_integer(0));
    json_object_set_new(b, "time_ms", json_integer(0));
    json_object_set_new(b, "transcript_base64", json_string(tr64));
    json_object_set_new(b, "evidence", json_loads(env, 0, NULL));
    free(env);
    free(tr64);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", WTOKEN);
    const char *hdrs[] = {"Authorization", auth, NULL};
    unsigned st = req(h, "POST", "/worker/complete", NULL, hdrs, text, strlen(text));
    free(text);
    return st;
}

/* ======================================== the tests ======================================== */

/* The exact message text (include/ol/keystore.h): clients in other languages build the same. */
static void test_owner_message_text(void **state)
{
    (void)state;
    uint8_t h1[32], h2[32];
    memset(h1, 0xab, sizeof h1);
    memset(h2, 0x01, sizeof h2);
    ol_ks_owner_op op = {.op = "secrets.put",
                         .owner = "alice.near",
                         .accessor = PROJECT_A,
                         .profile = "default",
                         .ciphertext_sha256 = h1,
                         .access_sha256 = h2,
                         .replace_protected = true,
                         .timestamp_ms = 1700000000123ull};
    char *m = NULL;
    size_t n = 0;
    assert_int_equal(ol_ks_owner_message(&op, &m, &n, NULL), OL_OK);
    char want[1024];
    snprintf(want, sizeof want,
             "outlayer-owner-request-v1\nop: secrets.put\nowner: alice.near\naccessor: %s\n"
             "profile: default\nciphertext_sha256: %s\naccess_sha256: %s\n"
             "replace_protected: true\ntimestamp_ms: 1700000000123\n",
             PROJECT_A, "abababababababababababababababababababababababababababababababab",
             "0101010101010101010101010101010101010101010101010101010101010101");
    assert_string_equal(m, want);
    assert_int_equal(n, strlen(want));
    free(m);
    ol_ks_owner_op list = {.op = "secrets.list", .owner = "bob.near", .timestamp_ms = 5};
    assert_int_equal(ol_ks_owner_message(&list, &m, NULL, NULL), OL_OK);
    assert_string_equal(m, "outlayer-owner-request-v1\nop: secrets.list\nowner: bob.near\n"
                           "accessor: -\nprofile: -\nciphertext_sha256: -\naccess_sha256: -\n"
                           "replace_protected: false\ntimestamp_ms: 5\n");
    free(m);
    ol_diag d = {0};
    ol_ks_owner_op bad = op;
    bad.op = "secrets.steal";
    assert_int_equal(ol_ks_owner_message(&bad, &m, NULL, &d), OL_E_INVAL);
    bad = op;
    bad.profile = "a\nop: secrets.list";
    assert_int_equal(ol_ks_owner_message(&bad, &m, NULL, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "line break"));
    bad = op;
    bad.accessor = NULL;
    assert_int_equal(ol_ks_owner_message(&bad, &m, NULL, &d), OL_E_INVAL);
    /* The accessor text: normalized, compact, documented key order. */
    ol_ks_accessor acc;
    const char *repo = "{\"Repo\":{\"branch\":\"main\",\"repo\":\" https://github.com/o/r.git\"}}";
    assert_int_equal(ol_ks_accessor_parse(repo, strlen(repo), &acc, NULL), OL_OK);
    assert_int_equal(ol_ks_accessor_json(&acc, &m, NULL), OL_OK);
    assert_string_equal(m, "{\"Repo\":{\"repo\":\"github.com/o/r\",\"branch\":\"main\"}}");
    free(m);
}

static void test_secrets_owner_keys_admin(void **state)
{
    (void)state;
    H *h = h_new(true);
    char pks[OL_NEAR_KEY_STR_MAX], body[256];
    ol_near_public_key pk;
    ol_near_secret_key_public(&h->alice_sk, &pk);
    ol_near_public_key_format(&pk, pks);
    snprintf(body, sizeof body, "{\"owner\":\"alice.near\",\"public_key\":\"%s\"}", pks);
    /* No admin token: refused. */
    EXPECT_STATUS(h, req(h, "POST", "/admin/owners", NULL, NULL, body, strlen(body)), 401);
    EXPECT_STATUS(h, admin(h, "POST", "/admin/owners", NULL, body), 201);
    assert_string_equal(jstr(h, "public_key"), pks);
    admin(h, "POST", "/admin/owners", NULL, body);
    EXPECT_CODE(h, 409, "conflict");
    register_owner_key(h, "bob.near", &h->bob_owner_sk);
    EXPECT_STATUS(h, admin(h, "GET", "/admin/owners", NULL, NULL), 200);
    assert_int_equal(json_array_size(json_object_get(h->json, "owners")), 2);
    EXPECT_STATUS(h, admin(h, "GET", "/admin/owners", "owner=alice.near", NULL), 200);
    json_t *arr = json_object_get(h->json, "owners");
    assert_int_equal(json_array_size(arr), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "owner")),
                        "alice.near");
    admin(h, "GET", "/admin/owners", "owner=NOT_AN_ACCOUNT", NULL);
    EXPECT_CODE(h, 400, "invalid_request");
    admin(h, "POST", "/admin/owners", NULL,
          "{\"owner\":\"alice.near\",\"public_key\":\"ed25519:not-a-key\"}");
    EXPECT_CODE(h, 400, "invalid_request");
    admin(h, "POST", "/admin/owners", NULL, "{\"owner\":\"Alice\",\"public_key\":\"x\"}");
    EXPECT_CODE(h, 400, "invalid_request");
    EXPECT_STATUS(h, admin(h, "POST", "/admin/owners/remove", NULL, body), 200);
    admin(h, "POST", "/admin/owners/remove", NULL, body);
    EXPECT_CODE(h, 404, "not_found");
    /* The grant key is published. */
    EXPECT_STATUS(h, req(h, "GET", "/coordinator/public-key", NULL, NULL, NULL, 0), 200);
    assert_string_equal(jstr(h, "public_key"), h->grant_pk);
    h_free(h);
}

static void test_secrets_round_trip(void **state)
{
    (void)state;
    H *h = h_new(true);
    register_owner_key(h, "alice.near", &h->alice_sk);
    char pt[256];
    snprintf(pt, sizeof pt, "{\"%s\":\"%s\",\"OTHER\":\"v1\"}", SECRET_NAME, SECRET_VALUE);
    putopt o = {0};
    EXPECT_STATUS(h, put_secret(h, pt, &o), 200);
    assert_int_equal(json_integer_value(json_object_get(h->json, "version")), 1);
    assert_true(json_is_true(json_object_get(h->json, "created")));
    assert_true(names_has(h, "keys", SECRET_NAME));
    assert_true(names_has(h, "keys", "OTHER"));
    assert_string_equal(jstr(h, "owner"), "alice.near");
    assert_string_equal(jstr(h, "profile"), "default");
    char *acc = json_dumps(json_object_get(h->json, "accessor"), JSON_COMPACT);
    assert_string_equal(acc, PROJECT_A);
    free(acc);

    /* Update: version 2, same row, a new access condition. */
    o.access = "{\"Whitelist\":{\"accounts\":[\"bob.near\"]}}";
    EXPECT_STATUS(h, put_secret(h, "{\"OTHER\":\"v2\"}", &o), 200);
    assert_int_equal(json_integer_value(json_object_get(h->json, "version")), 2);
    assert_true(json_is_false(json_object_get(h->json, "created")));

    /* A second profile, and a WasmHash accessor. */
    putopt o2 = {.profile = "staging"};
    EXPECT_STATUS(h, put_secret(h, "{\"A\":\"b\"}", &o2), 200);
    char wasm_acc[128];
    snprintf(wasm_acc, sizeof wasm_acc, "{\"WasmHash\":{\"hash\":\"%064d\"}}", 0);
    putopt o3 = {.accessor = wasm_acc};
    EXPECT_STATUS(h, put_secret(h, "{\"A\":\"b\"}", &o3), 200);

    EXPECT_STATUS(h, list_secrets(h, "alice.near", &h->alice_sk), 200);
    json_t *arr = json_object_get(h->json, "secrets");
    assert_int_equal(json_array_size(arr), 3);
    bool found = false;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        const char *prof = json_string_value(json_object_get(e, "profile"));
        char *a = json_dumps(json_object_get(e, "accessor"), JSON_COMPACT);
        if (strcmp(prof, "default") == 0 && strcmp(a, PROJECT_A) == 0) {
            found = true;
            assert_int_equal(json_integer_value(json_object_get(e, "version")), 2);
            assert_true(json_integer_value(json_object_get(e, "size")) > OL_KS_OVERHEAD);
            json_t *wl = json_object_get(json_object_get(e, "access"), "Whitelist");
            assert_non_null(wl);
            assert_int_equal(json_integer_value(json_object_get(e, "created_ms")),
                             (json_int_t)h->now);
            assert_null(json_object_get(e, "ciphertext"));
        }
        free(a);
    }
    assert_true(found);
    /* The response of list never carries a ciphertext or a value. */
    assert_null(strstr((const char *)h->resp.body, SECRET_VALUE));

    /* Another owner sees nothing of alice's. */
    register_owner_key(h, "bob.near", &h->bob_owner_sk);
    EXPECT_STATUS(h, list_secrets(h, "bob.near", &h->bob_owner_sk), 200);
    assert_int_equal(json_array_size(json_object_get(h->json, "secrets")), 0);

    EXPECT_STATUS(h, delete_secret(h, PROJECT_A, "staging", "alice.near", &h->alice_sk), 200);
    assert_true(json_is_true(json_object_get(h->json, "deleted")));
    delete_secret(h, PROJECT_A, "staging", "alice.near", &h->alice_sk);
    EXPECT_CODE(h, 404, "not_found");
    /* bob cannot delete alice's secret with his own key. */
    delete_secret(h, PROJECT_A, "default", "alice.near", &h->bob_owner_sk);
    EXPECT_CODE(h, 401, "unauthorized");
    EXPECT_STATUS(h, list_secrets(h, "alice.near", &h->alice_sk), 200);
    assert_int_equal(json_array_size(json_object_get(h->json, "secrets")), 2);
    h_free(h);
}

static void test_secrets_auth_refusals(void **state)
{
    (void)state;
    H *h = h_new(true);
    register_owner_key(h, "alice.near", &h->alice_sk);
    register_owner_key(h, "bob.near", &h->bob_owner_sk);
    const char *pt = "{\"K\":\"v\"}";

    /* Unregistered key. */
    putopt o = {.sk = &h->stranger_sk};
    put_secret(h, pt, &o);
    EXPECT_CODE(h, 401, "unauthorized");
    assert_non_null(strstr(jstr(h, "error"), "not registered"));
    /* A key registered for another owner. */
    o.sk = &h->bob_owner_sk;
    put_secret(h, pt, &o);
    EXPECT_CODE(h, 401, "unauthorized");
    /* Expired, and from the future. */
    putopt old = {.ts_offset_ms = -(int64_t)OL_KS_OWNER_MAX_SKEW_MS - 1};
    put_secret(h, pt, &old);
    EXPECT_CODE(h, 401, "unauthorized");
    assert_non_null(strstr(jstr(h, "error"), "timestamp"));
    putopt future = {.ts_offset_ms = (int64_t)OL_KS_OWNER_MAX_SKEW_MS + 1};
    put_secret(h, pt, &future);
    EXPECT_CODE(h, 401, "unauthorized");
    /* At the edge of the window: accepted. */
    putopt edge = {.ts_offset_ms = -(int64_t)OL_KS_OWNER_MAX_SKEW_MS};
    EXPECT_STATUS(h, put_secret(h, pt, &edge), 200);

    /* A tampered field (signed "default", sent "prod") fails the signature, and does not burn
     * the nonce: the honest request with the same nonce then succeeds. */
    uint8_t nonce[32];
    memset(nonce, 0x42, sizeof nonce);
    putopt t = {.profile = "prod", .send_profile = "stolen", .nonce = nonce};
    put_secret(h, pt, &t);
    EXPECT_CODE(h, 401, "unauthorized");
    assert_non_null(strstr(jstr(h, "error"), "signature"));
    putopt honest = {.profile = "prod", .nonce = nonce};
    EXPECT_STATUS(h, put_secret(h, pt, &honest), 200);
    /* The same nonce again: a replay. */
    EXPECT_STATUS(h, put_secret(h, pt, &honest), 401);
    EXPECT_CODE(h, 401, "unauthorized");
    assert_non_null(strstr(jstr(h, "error"), "used before"));

    /* Replaying the exact body of a list request. */
    signreq s = {
        .op = "secrets.list", .owner = "alice.near", .timestamp_ms = h->now, .sk = &h->alice_sk};
    json_t *lb = json_pack("{s:s,s:o}", "owner", "alice.near", "auth", make_auth(&s));
    char *text = json_dumps(lb, JSON_COMPACT);
    json_decref(lb);
    EXPECT_STATUS(h, req(h, "POST", "/secrets/list", NULL, NULL, text, strlen(text)), 200);
    req(h, "POST", "/secrets/list", NULL, NULL, text, strlen(text));
    EXPECT_CODE(h, 401, "unauthorized");
    free(text);

    /* A signature for another operation (list) does not authorise a delete. */
    signreq sl = {
        .op = "secrets.list", .owner = "alice.near", .timestamp_ms = h->now, .sk = &h->alice_sk};
    post_json(h, "/secrets/delete",
              json_pack("{s:o,s:s,s:s,s:o}", "accessor", json_loads(PROJECT_A, 0, NULL), "profile",
                        "prod", "owner", "alice.near", "auth", make_auth(&sl)));
    EXPECT_CODE(h, 401, "unauthorized");

    /* A tampered ciphertext: signed over one, sent another. */
    size_t l1 = 0, l2 = 0;
    uint8_t *c1 = seal_for(h, PROJECT_A, "alice.near", pt, &l1);
    uint8_t *c2 = seal_for(h, PROJECT_A, "alice.near", "{\"K\":\"evil\"}", &l2);
    signreq sp = {.op = "secrets.put",
                  .owner = "alice.near",
                  .accessor_json = PROJECT_A,
                  .profile = "default",
                  .ct = c1,
                  .ct_len = l1,
                  .timestamp_ms = h->now,
                  .sk = &h->alice_sk};
    char *c2b = b64(c2, l2);
    post_json(h, "/secrets",
              json_pack("{s:o,s:s,s:s,s:s,s:o}", "accessor", json_loads(PROJECT_A, 0, NULL),
                        "profile", "default", "owner", "alice.near", "ciphertext", c2b, "auth",
                        make_auth(&sp)));
    EXPECT_CODE(h, 401, "unauthorized");
    /* ... and a different access condition than the one signed. */
    char *c1b = b64(c1, l1);
    sp.timestamp_ms = h->now;
    post_json(h, "/secrets",
              json_pack("{s:o,s:s,s:s,s:s,s:s,s:o}", "accessor", json_loads(PROJECT_A, 0, NULL),
                        "profile", "default", "owner", "alice.near", "ciphertext", c1b, "access",
                        "AllowAll", "auth", make_auth(&sp)));
    EXPECT_STATUS(h, h->resp.status, 200);
    sp.access_json = "{\"Whitelist\":{\"accounts\":[\"bob.near\"]}}";
    json_t *auth2 = make_auth(&sp);
    post_json(h, "/secrets",
              json_pack("{s:o,s:s,s:s,s:s,s:s,s:o}", "accessor", json_loads(PROJECT_A, 0, NULL),
                        "profile", "default", "owner", "alice.near", "ciphertext", c1b, "access",
                        "AllowAll", "auth", auth2));
    EXPECT_CODE(h, 401, "unauthorized");
    free(c1b);
    free(c2b);
    free(c1);
    free(c2);

    /* Malformed auth objects are 400s. */
    post_json(h, "/secrets/list", json_pack("{s:s}", "owner", "alice.near"));
    EXPECT_CODE(h, 400, "invalid_request");
    post_json(h, "/secrets/list",
              json_pack("{s:s,s:{s:s,s:s,s:i,s:s}}", "owner", "alice.near", "auth", "public_key",
                        "ed25519:11111111111111111111111111111111", "nonce", "AAAA", "timestamp_ms",
                        1, "signature", "x"));
    EXPECT_CODE(h, 400, "invalid_request");
    h_free(h);
}

static void test_secrets_keystore_rules(void **state)
{
    (void)state;
    H *h = h_new(true);
    register_owner_key(h, "alice.near", &h->alice_sk);
    putopt o = {0};
    /* Reserved names and PROTECTED_ are refused by the keystore, relayed as invalid_secrets. */
    put_secret(h, "{\"NEAR_SENDER_ID\":\"x\"}", &o);
    EXPECT_CODE(h, 400, "invalid_secrets");
    assert_non_null(strstr(jstr(h, "error"), "NEAR_SENDER_ID"));
    put_secret(h, "{\"PROTECTED_X\":\"x\"}", &o);
    EXPECT_CODE(h, 400, "invalid_secrets");
    put_secret(h, "[1,2]", &o);
    EXPECT_CODE(h, 400, "invalid_secrets");
    /* secrets_json is validated by /secrets/pubkey before anything is encrypted. */
    post_json(h, "/secrets/pubkey",
              json_pack("{s:o,s:s,s:s}", "accessor", json_loads(PROJECT_A, 0, NULL), "owner",
                        "alice.near", "secrets_json", "{\"OUTLAYER_CALL_ID\":\"x\"}"));
    EXPECT_CODE(h, 400, "invalid_secrets");
    post_json(h, "/secrets/pubkey",
              json_pack("{s:{s:{s:s}},s:s}", "accessor", "Project", "project_id", "a:b", "owner",
                        "alice.near"));
    EXPECT_CODE(h, 400, "invalid_request");

    /* Access conditions: chain conditions need a NEAR RPC; malformed ones are refused. */
    o.access = "{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"1\"}}";
    put_secret(h, "{\"K\":\"v\"}", &o);
    EXPECT_CODE(h, 400, "invalid_access");
    assert_non_null(strstr(jstr(h, "error"), "NEAR RPC"));
    o.access = "{\"Whitelist\":{\"accounts\":\"bob.near\"}}";
    put_secret(h, "{\"K\":\"v\"}", &o);
    EXPECT_CODE(h, 400, "invalid_access");
    o.access = NULL;

    /* Generated secrets become PROTECTED_ and survive updates. */
    EXPECT_STATUS(
        h, put_secret(h, "{\"API\":\"a1\",\"SIG\":\"generate_outlayer_secret:hex32\"}", &o), 200);
    assert_true(names_has(h, "generated", "PROTECTED_SIG"));
    EXPECT_STATUS(h, put_secret(h, "{\"API\":\"a2\"}", &o), 200);
    assert_true(names_has(h, "preserved", "PROTECTED_SIG"));
    assert_int_equal(json_integer_value(json_object_get(h->json, "version")), 2);
    /* Regenerating it needs replace_protected: 409 without, and nothing changed. */
    put_secret(h, "{\"SIG\":\"generate_outlayer_secret:hex32\"}", &o);
    EXPECT_CODE(h, 409, "conflict");
    EXPECT_STATUS(h, list_secrets(h, "alice.near", &h->alice_sk), 200);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(h->json, "secrets"), 0), "version")),
                     2);
    putopt rp = {.replace_protected = true};
    EXPECT_STATUS(h, put_secret(h, "{\"SIG\":\"generate_outlayer_secret:hex32\"}", &rp), 200);
    assert_true(names_has(h, "generated", "PROTECTED_SIG"));
    assert_int_equal(json_integer_value(json_object_get(h->json, "version")), 3);

    /* Keystore unreachable: 503. Not configured: 503 too, before the signature is checked. */
    size_t cl = 0;
    uint8_t *ct = seal_for(h, PROJECT_A, "alice.near", "{\"K\":\"v\"}", &cl);
    h->ks_down = true;
    signreq sp = {.op = "secrets.put",
                  .owner = "alice.near",
                  .accessor_json = PROJECT_A,
                  .profile = "default",
                  .ct = ct,
                  .ct_len = cl,
                  .timestamp_ms = h->now,
                  .sk = &h->alice_sk};
    char *ctb = b64(ct, cl);
    post_json(h, "/secrets",
              json_pack("{s:o,s:s,s:s,s:s,s:o}", "accessor", json_loads(PROJECT_A, 0, NULL),
                        "profile", "default", "owner", "alice.near", "ciphertext", ctb, "auth",
                        make_auth(&sp)));
    EXPECT_CODE(h, 503, "keystore_unavailable");
    h->ks_down = false;
    ol_coord_set_keystore(h->c, NULL, NULL);
    post_json(h, "/secrets",
              json_pack("{s:o,s:s,s:s,s:s,s:o}", "accessor", json_loads(PROJECT_A, 0, NULL),
                        "profile", "default", "owner", "alice.near", "ciphertext", ctb, "auth",
                        make_auth(&sp)));
    EXPECT_CODE(h, 503, "keystore_unavailable");
    post_json(
        h, "/secrets/pubkey",
        json_pack("{s:o,s:s}", "accessor", json_loads(PROJECT_A, 0, NULL), "owner", "alice.near"));
    EXPECT_CODE(h, 503, "keystore_unavailable");
    free(ctb);
    free(ct);

    /* A ciphertext that is not ECIES v1 is refused before anything else. */
    ol_coord_set_keystore(h->c, ks_inproc, h);
    post_json(h, "/secrets",
              json_pack("{s:o,s:s,s:s,s:s,s:{}}", "accessor", json_loads(PROJECT_A, 0, NULL),
                        "profile", "default", "owner", "alice.near", "ciphertext", "AAAA", "auth"));
    EXPECT_CODE(h, 400, "invalid_request");
    post_json(h, "/secrets",
              json_pack("{s:o,s:s,s:s,s:s,s:{}}", "accessor", json_loads(PROJECT_A, 0, NULL),
                        "profile", "bad profile!", "owner", "alice.near", "ciphertext", "AAAA",
                        "auth"));
    EXPECT_CODE(h, 400, "invalid_request");
    h_free(h);
}

static void test_secrets_call_grant(void **state)
{
    (void)state;
    H *h = h_new(true);
    setup_calls(h);
    register_owner_key(h, "alice.near", &h->alice_sk);
    register_owner_key(h, "carol.near", &h->bob_owner_sk);
    char pt[256];
    snprintf(pt, sizeof pt, "{\"%s\":\"%s\",\"S\":\"generate_outlayer_secret:hex16\"}", SECRET_NAME,
             SECRET_VALUE);
    putopt o = {.access = "{\"Logic\":{\"operator\":\"Or\",\"conditions\":[{\"Whitelist\":"
                          "{\"accounts\":[\"bob.near\"]}},{\"AccountPattern\":{\"pattern\":"
                          "\".*\\\\.admin\\\\.near\"}}]}}"};
    EXPECT_STATUS(h, put_secret(h, pt, &o), 200);

    /* secrets_ref validation. */
    call_async(h, "alice.near/app", "{\"profile\":\"bad profile\",\"account_id\":\"alice.near\"}");
    EXPECT_CODE(h, 400, "bad_request");
    call_async(h, "alice.near/app", "{\"profile\":\"default\",\"account_id\":\"Alice\"}");
    EXPECT_CODE(h, 400, "bad_request");
    call_async(h, "alice.near/app",
               "{\"profile\":\"default\",\"account_id\":\"alice.near\",\"x\":1}");
    EXPECT_CODE(h, 400, "bad_request");
    call_async(h, "alice.near/app", "\"default\"");
    EXPECT_CODE(h, 400, "bad_request");

    /* A call of project A with alice's secret: the grant is for this worker and call. */
    EXPECT_STATUS(
        h,
        call_async(h, "alice.near/app", "{\"profile\":\"default\",\"account_id\":\"alice.near\"}"),
        202);
    char call_id[64];
    strcpy(call_id, jstr(h, "call_id"));
    json_t *task = poll_task(h);
    json_t *sec = json_object_get(task, "secrets");
    assert_non_null(sec);
    assert_null(json_object_get(task, "secrets_ref"));
    char *gtext = json_dumps(json_object_get(sec, "grant"), JSON_COMPACT);
    ol_ks_grant g;
    ol_near_signature sig;
    assert_int_equal(ol_ks_grant_parse(gtext, strlen(gtext), &g, &sig, NULL), OL_OK);
    free(gtext);
    ol_near_public_key gpk;
    assert_int_equal(ol_near_public_key_parse(h->grant_pk, &gpk, NULL), OL_OK);
    uint64_t now_s = h->now / 1000u;
    ol_diag d = {0};
    if (ol_ks_grant_verify(&g, &sig, &gpk, h->wpk, now_s, &d) != OL_OK)
        fail_msg("grant: %s", d.msg);
    /* ... and only for this worker. */
    char other_pk[OL_NEAR_KEY_STR_MAX];
    ol_near_secret_key other;
    key_from(12, &other, other_pk);
    assert_int_not_equal(ol_ks_grant_verify(&g, &sig, &gpk, other_pk, now_s, NULL), OL_OK);
    assert_string_equal(g.call_id, call_id);
    assert_string_equal(g.worker_id, h->wpk);
    assert_string_equal(g.caller, "bob.near");
    assert_string_equal(g.owner, "alice.near");
    assert_string_equal(g.profile, "default");
    assert_int_equal(g.accessor.kind, OL_KS_ACCESSOR_PROJECT);
    assert_string_equal(g.accessor.id, "alice.near/app");
    assert_int_equal(g.expires_at, now_s + 120);
    /* The hashes cover exactly the ciphertext and condition sent along. */
    const char *ct64 = json_string_value(json_object_get(sec, "ciphertext"));
    uint8_t ct[4096], hh[32];
    size_t ctl = 0;
    assert_int_equal(sodium_base642bin(ct, sizeof ct, ct64, strlen(ct64), NULL, &ctl, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    crypto_hash_sha256(hh, ct, ctl);
    assert_memory_equal(hh, g.secret_sha256, 32);
    char *atext = json_dumps(json_object_get(sec, "access"), JSON_COMPACT | JSON_ENCODE_ANY);
    ol_ks_access *a = NULL;
    assert_int_equal(ol_ks_access_parse(atext, strlen(atext), 0, &a, NULL), OL_OK);
    assert_int_equal(ol_ks_access_hash(a, hh, NULL), OL_OK);
    assert_memory_equal(hh, g.access_sha256, 32);
    bool allowed = false;
    assert_int_equal(ol_ks_access_eval(a, g.caller, &allowed, NULL), OL_OK);
    assert_true(allowed);
    ol_ks_access_free(a);
    free(atext);
    /* What the ciphertext holds: the upload plus the generated PROTECTED_S. */
    json_t *plain = open_secret(h, ct64, PROJECT_A, "alice.near");
    assert_string_equal(json_string_value(json_object_get(plain, SECRET_NAME)), SECRET_VALUE);
    assert_int_equal(strlen(json_string_value(json_object_get(plain, "PROTECTED_S"))), 32);
    json_decref(plain);
    /* The /calls/{id}/evidence view never shows the reference's internals either. */
    json_decref(task);

    /* No such profile: the run goes on without secrets. */
    EXPECT_STATUS(
        h, call_async(h, "alice.near/app", "{\"profile\":\"nope\",\"account_id\":\"alice.near\"}"),
        202);
    task = poll_task(h);
    assert_null(json_object_get(task, "secrets"));
    json_decref(task);
    /* Project B never gets project A's secret. */
    EXPECT_STATUS(h,
                  call_async(h, "alice.near/other",
                             "{\"profile\":\"default\",\"account_id\":\"alice.near\"}"),
                  202);
    task = poll_task(h);
    assert_null(json_object_get(task, "secrets"));
    json_decref(task);
    /* Owner C (with a secret of the same profile for another project) gets nothing of A's. */
    char carol_acc[] = "{\"Project\":{\"project_id\":\"alice.near/other\"}}";
    putopt oc = {.owner = "carol.near", .sk = &h->bob_owner_sk, .accessor = carol_acc};
    EXPECT_STATUS(h, put_secret(h, "{\"C\":\"carol\"}", &oc), 200);
    EXPECT_STATUS(
        h,
        call_async(h, "alice.near/app", "{\"profile\":\"default\",\"account_id\":\"carol.near\"}"),
        202);
    task = poll_task(h);
    assert_null(json_object_get(task, "secrets"));
    json_decref(task);
    /* No secrets_ref: nothing. */
    EXPECT_STATUS(h, call_async(h, "alice.near/app", NULL), 202);
    task = poll_task(h);
    assert_null(json_object_get(task, "secrets"));
    json_decref(task);

    /* The secret is resolved at claim: an update after submit is what the worker gets. */
    EXPECT_STATUS(
        h,
        call_async(h, "alice.near/app", "{\"profile\":\"default\",\"account_id\":\"alice.near\"}"),
        202);
    putopt o2 = {.access = "\"AllowAll\""};
    EXPECT_STATUS(h, put_secret(h, "{\"NEW\":\"n\"}", &o2), 200);
    task = poll_task(h);
    sec = json_object_get(task, "secrets");
    assert_non_null(sec);
    assert_string_equal(json_string_value(json_object_get(sec, "access")), "AllowAll");
    plain = open_secret(h, json_string_value(json_object_get(sec, "ciphertext")), PROJECT_A,
                        "alice.near");
    assert_string_equal(json_string_value(json_object_get(plain, "NEW")), "n");
    assert_null(json_object_get(plain, SECRET_NAME));
    assert_non_null(json_object_get(plain, "PROTECTED_S")); /* preserved */
    json_decref(plain);
    json_decref(task);
    ol_near_secret_key_wipe(&other);
    h_free(h);
}

static void test_secrets_completion_statuses(void **state)
{
    (void)state;
    H *h = h_new(true);
    setup_calls(h);
    const char *ref = "{\"profile\":\"default\",\"account_id\":\"alice.near\"}";
    /* access_denied: failed, charged the base fee (100) only. */
    EXPECT_STATUS(h, call_async(h, "alice.near/app", ref), 202);
    char call_id[64];
    strcpy(call_id, jstr(h, "call_id"));
    json_t *task = poll_task(h);
    EXPECT_STATUS(h, complete_refused(h, task, "access_denied"), 200);
    json_decref(task);
    char path[128];
    snprintf(path, sizeof path, "/calls/%s", call_id);
    const char *kh[] = {"X-Payment-Key", h->key, NULL};
    EXPECT_STATUS(h, req(h, "GET", path, NULL, kh, NULL, 0), 200);
    assert_string_equal(jstr(h, "status"), "failed");
    assert_string_equal(jstr(h, "error_code"), "access_denied");
    assert_string_equal(jstr(h, "compute_cost"), "100");
    EXPECT_STATUS(h, req(h, "GET", "/payment-keys/balance", NULL, kh, NULL, 0), 200);
    assert_string_equal(jstr(h, "spent"), "100");
    assert_string_equal(jstr(h, "reserved"), "0");

    /* secrets_unavailable: failed, not charged. */
    EXPECT_STATUS(h, call_async(h, "alice.near/app", ref), 202);
    strcpy(call_id, jstr(h, "call_id"));
    task = poll_task(h);
    EXPECT_STATUS(h, complete_refused(h, task, "secrets_unavailable"), 200);
    json_decref(task);
    snprintf(path, sizeof path, "/calls/%s", call_id);
    EXPECT_STATUS(h, req(h, "GET", path, NULL, kh, NULL, 0), 200);
    assert_string_equal(jstr(h, "status"), "failed");
    assert_string_equal(jstr(h, "error_code"), "secrets_unavailable");
    assert_string_equal(jstr(h, "compute_cost"), "0");
    EXPECT_STATUS(h, req(h, "GET", "/payment-keys/balance", NULL, kh, NULL, 0), 200);
    assert_string_equal(jstr(h, "spent"), "100");
    assert_string_equal(jstr(h, "reserved"), "0");
    h_free(h);
}

static void test_secrets_without_grant_key(void **state)
{
    (void)state;
    H *h = h_new(false);
    setup_calls(h);
    register_owner_key(h, "alice.near", &h->alice_sk);
    putopt o = {0};
    EXPECT_STATUS(h, put_secret(h, "{\"K\":\"v\"}", &o), 200);
    req(h, "GET", "/coordinator/public-key", NULL, NULL, NULL, 0);
    EXPECT_CODE(h, 503, "no_signing_key");
    /* The call still runs, without secrets. */
    EXPECT_STATUS(
        h,
        call_async(h, "alice.near/app", "{\"profile\":\"default\",\"account_id\":\"alice.near\"}"),
        202);
    json_t *task = poll_task(h);
    assert_null(json_object_get(task, "secrets"));
    json_decref(task);
    h_free(h);
}

static void test_secrets_bad_config(void **state)
{
    (void)state;
    char dir[] = "/tmp/ol-coord-secrets-cfg-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[128], keyfile[128];
    snprintf(url, sizeof url, "sqlite:%s/c.db", dir);
    snprintf(keyfile, sizeof keyfile, "%s/missing.json", dir);
    ol_store *s = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_store_open(url, NULL, &s, &d), OL_OK);
    ol_coord_config cfg;
    ol_opts_result res;
    char *noenv[] = {NULL};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &cfg, 0, NULL, noenv, &res, &d), OL_OK);
    free(res.pos);
    ol_coord *c = NULL;
    /* A missing key file names the option. */
    free(cfg.signing_key_file);
    cfg.signing_key_file = strdup(keyfile);
    assert_int_not_equal(ol_coord_new(&cfg, s, &c, &d), OL_OK);
    assert_non_null(strstr(d.msg, "signing-key-file"));
    free(cfg.signing_key_file);
    cfg.signing_key_file = strdup("");
    /* A keystore URL needs a token, and a scheme. */
    free(cfg.keystore_url);
    cfg.keystore_url = strdup("http://127.0.0.1:1");
    assert_int_equal(ol_coord_new(&cfg, s, &c, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "keystore-token"));
    free(cfg.keystore_url);
    cfg.keystore_url = strdup("ftp://127.0.0.1:1");
    free(cfg.keystore_token);
    cfg.keystore_token = strdup("tok");
    assert_int_equal(ol_coord_new(&cfg, s, &c, &d), OL_E_INVAL);
    assert_null(strstr(d.msg, "tok"));
    /* The libcurl client against a port nobody listens on: 503, bounded. Port 1 on loopback
     * refuses at once. */
    free(cfg.keystore_url);
    cfg.keystore_url = strdup("http://127.0.0.1:1/");
    assert_int_equal(ol_coord_new(&cfg, s, &c, &d), OL_OK);
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    const char body[] = "{\"accessor\":{\"Project\":{\"project_id\":\"alice.near/app\"}},"
                        "\"owner\":\"alice.near\"}";
    ol_coord_req r = {.method = "POST",
                      .path = "/secrets/pubkey",
                      .body = (const uint8_t *)body,
                      .body_len = strlen(body)};
    ol_coord_resp resp;
    ol_coord_handle(c, &r, ar, &resp);
    assert_int_equal(resp.status, 503);
    assert_non_null(strstr((const char *)resp.body, "keystore_unavailable"));
    ol_near_arena_free(ar);
    ol_coord_free(c);
    ol_opts_free(&ol_coord_opt_table, &cfg);
    ol_store_close(s);
    char p[128];
    snprintf(p, sizeof p, "rm -rf %s", dir);
    assert_int_equal(system(p), 0);
}

/* Replaces h's coordinator by one that reaches the keystore over HTTP with `token`. */
static void h_coord_http(H *h, const char *url, const char *token)
{
    ol_coord_free(h->c);
    ol_coord_config cfg;
    ol_opts_result res;
    char *noenv[] = {NULL};
    ol_diag d = {0};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &cfg, 0, NULL, noenv, &res, &d), OL_OK);
    free(res.pos);
    free(cfg.admin_token);
    cfg.admin_token = strdup(ADMIN);
    free(cfg.keystore_url);
    cfg.keystore_url = strdup(url);
    free(cfg.keystore_token);
    cfg.keystore_token = strdup(token);
    if (ol_coord_new(&cfg, h->s, &h->c, &d) != OL_OK)
        fail_msg("coord: %s", d.msg);
    ol_opts_free(&ol_coord_opt_table, &cfg);
    ol_coord_set_clock(h->c, fake_now, h);
}

/* The libcurl client against the real keystore server on an ephemeral port. */
static void test_secrets_keystore_over_http(void **state)
{
    (void)state;
    H *h = h_new(true);
    ol_ks_server *srv = NULL;
    uint16_t port = 0;
    ol_diag d = {0};
    if (ol_ks_server_start(h->svc, "127.0.0.1", 0, 2, &srv, &port, &d) != OL_OK)
        fail_msg("keystore server: %s", d.msg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", (unsigned)port);
    h_coord_http(h, url, KS_COORD_TOKEN);
    register_owner_key(h, "alice.near", &h->alice_sk);
    putopt o = {0};
    EXPECT_STATUS(h, put_secret(h, "{\"K\":\"v\",\"G\":\"generate_outlayer_secret:hex16\"}", &o),
                  200);
    assert_true(names_has(h, "generated", "PROTECTED_G"));
    put_secret(h, "{\"NEAR_SENDER_ID\":\"x\"}", &o);
    EXPECT_CODE(h, 400, "invalid_secrets");
    /* A token the keystore does not know: the coordinator says the keystore is unavailable
     * (and never echoes the token). */
    h_coord_http(h, url, "not-the-token");
    post_json(
        h, "/secrets/pubkey",
        json_pack("{s:o,s:s}", "accessor", json_loads(PROJECT_A, 0, NULL), "owner", "alice.near"));
    EXPECT_CODE(h, 503, "keystore_unavailable");
    assert_null(strstr(jstr(h, "error"), "not-the-token"));
    ol_ks_server_stop(srv);
    h_free(h);
}

/* Runs last: every log line written by the tests above (captured from the start) holds no
 * secret value and no secret name. */
static void test_secrets_logs_clean(void **state)
{
    (void)state;
    assert_non_null(g_log);
    assert_non_null(strstr(g_log, "event=secret_stored"));
    assert_non_null(strstr(g_log, "event=grant_issued"));
    assert_null(strstr(g_log, SECRET_VALUE));
    assert_null(strstr(g_log, SECRET_NAME));
    assert_null(strstr(g_log, KS_COORD_TOKEN));
    assert_null(strstr(g_log, "not-the-token"));
}

int main(void)
{
    ol_log_set_sink(capture_sink, NULL);
    ol_log_set_level(OL_LOG_DEBUG);
    assert_int_equal(ol_ks_init(NULL), OL_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_message_text),
        cmocka_unit_test(test_secrets_owner_keys_admin),
        cmocka_unit_test(test_secrets_round_trip),
        cmocka_unit_test(test_secrets_auth_refusals),
        cmocka_unit_test(test_secrets_keystore_rules),
        cmocka_unit_test(test_secrets_call_grant),
        cmocka_unit_test(test_secrets_completion_statuses),
        cmocka_unit_test(test_secrets_without_grant_key),
        cmocka_unit_test(test_secrets_bad_config),
        cmocka_unit_test(test_secrets_keystore_over_http),
        cmocka_unit_test(test_secrets_logs_clean),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(g_log);
    return rc;
}
