/* The keystore's HTTP handlers without sockets: routing, token authentication and roles,
 * /pubkey (validation first), /decrypt (grant, bound ciphertext and condition, access decision
 * that does not depend on the ciphertext, worker binding by the worker_signature of the key the
 * grant names — another key's, a missing or a malformed signature is refused — expiry, tampered
 * grants), /secrets/prepare (generated PROTECTED_ values, preserved on update), body caps,
 * labelled and unlabelled worker tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "ks_int.h"
#include "ol/log.h"
#include "test.h"

#define NOW 1700000000u

typedef struct fixture {
    ol_ks *ks;
    ol_ks_service *svc;
    ol_near_secret_key coord_sk;
    ol_near_secret_key wx_sk, wy_sk; /* the workers' own keys (what grants name) */
} fixture;

static void sha_hex(const char *tok, char out[65])
{
    uint8_t h[32];
    crypto_hash_sha256(h, (const uint8_t *)tok, strlen(tok));
    sodium_bin2hex(out, 65, h, 32);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    uint8_t master[32];
    randombytes_buf(master, sizeof master);
    assert_int_equal(ol_ks_new(master, &f->ks, NULL), OL_OK);
    assert_int_equal(ol_near_secret_key_generate(&f->coord_sk, NULL), OL_OK);
    assert_int_equal(ol_near_secret_key_generate(&f->wx_sk, NULL), OL_OK);
    assert_int_equal(ol_near_secret_key_generate(&f->wy_sk, NULL), OL_OK);
    ol_near_public_key pk;
    ol_near_secret_key_public(&f->coord_sk, &pk);
    char pk_text[OL_NEAR_KEY_STR_MAX], c[65], wx[65], wy[65], workers[256];
    ol_near_public_key_format(&pk, pk_text);
    sha_hex("coord-token", c);
    sha_hex("wx-token", wx);
    sha_hex("wy-token", wy);
    /* One labelled token, one bare hash. */
    snprintf(workers, sizeof workers, "worker-x:%s, %s", wx, wy);
    ol_ks_service_config cfg = {.coordinator_public_key = pk_text,
                                .coordinator_token_sha256 = c,
                                .worker_tokens = workers,
                                .max_body = 1u << 20};
    ol_diag d = {0};
    assert_int_equal(ol_ks_service_new(f->ks, &cfg, &f->svc, &d), OL_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ol_ks_service_free(f->svc);
    ol_ks_free(f->ks);
    ol_near_secret_key_wipe(&f->coord_sk);
    ol_near_secret_key_wipe(&f->wx_sk);
    ol_near_secret_key_wipe(&f->wy_sk);
    free(f);
    return 0;
}

/* Calls the handler; returns the status and the parsed body (caller decrefs). */
static unsigned call(fixture *f, const char *method, const char *path, const char *token,
                     const char *body, json_t **out)
{
    char auth[128];
    if (token != NULL)
        snprintf(auth, sizeof auth, "Bearer %s", token);
    ol_ks_req req = {.method = method,
                     .path = path,
                     .authorization = token != NULL ? auth : NULL,
                     .body = (const uint8_t *)body,
                     .body_len = body != NULL ? strlen(body) : 0};
    ol_ks_resp resp;
    ol_ks_service_handle(f->svc, &req, NOW, &resp);
    json_t *v = json_loadb(resp.body, resp.body_len, 0, NULL);
    assert_non_null(v);
    unsigned st = resp.status;
    ol_ks_resp_fini(&resp);
    if (out != NULL)
        *out = v;
    else
        json_decref(v);
    return st;
}

static const char *code_of(const json_t *v)
{
    const char *c = json_string_value(json_object_get(v, "code"));
    return c != NULL ? c : "";
}

static const char acc_json[] = "{\"Project\":{\"project_id\":\"alice.near/app\"}}";

/* Seals text to (alice.near/app, alice.near) via /pubkey, as a client would. */
static char *client_seal(fixture *f, const char *text)
{
    char body[256];
    snprintf(body, sizeof body, "{\"accessor\":%s,\"owner\":\"alice.near\"}", acc_json);
    json_t *r = NULL;
    assert_int_equal(call(f, "POST", "/pubkey", "wx-token", body, &r), 200);
    uint8_t pk[32];
    size_t n = 0;
    const char *hex = json_string_value(json_object_get(r, "pubkey"));
    assert_int_equal(sodium_hex2bin(pk, 32, hex, strlen(hex), NULL, &n, NULL), 0);
    json_decref(r);
    uint8_t *ct = NULL;
    size_t ct_len = 0;
    assert_int_equal(ol_ks_seal(pk, (const uint8_t *)text, strlen(text), &ct, &ct_len, NULL),
                     OL_OK);
    size_t cap = sodium_base64_ENCODED_LEN(ct_len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    sodium_bin2base64(b64, cap, ct, ct_len, sodium_base64_VARIANT_ORIGINAL);
    free(ct);
    return b64;
}

/* A /decrypt body with a grant naming worker key `named` for caller, covering b64 and
 * grant_access, and a worker_signature by `signer` (NULL: none). */
static char *decrypt_body_signed(fixture *f, const ol_near_secret_key *named,
                                 const ol_near_secret_key *signer, const char *caller,
                                 const char *b64, const char *access, const char *grant_access,
                                 uint64_t expires)
{
    ol_ks_grant g;
    memset(&g, 0, sizeof g);
    strcpy(g.call_id, "call-1");
    ol_near_public_key npk;
    ol_near_secret_key_public(named, &npk);
    ol_near_public_key_format(&npk, g.worker_id);
    assert_int_equal(ol_ks_accessor_parse(acc_json, strlen(acc_json), &g.accessor, NULL), OL_OK);
    strcpy(g.profile, "default");
    strcpy(g.owner, "alice.near");
    strcpy(g.caller, caller);
    g.expires_at = expires;
    uint8_t ct[4096];
    size_t ct_len = 0;
    assert_int_equal(sodium_base642bin(ct, sizeof ct, b64, strlen(b64), NULL, &ct_len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    crypto_hash_sha256(g.secret_sha256, ct, ct_len);
    ol_ks_access *a = NULL;
    assert_int_equal(ol_ks_access_parse(grant_access, strlen(grant_access), 0, &a, NULL), OL_OK);
    assert_int_equal(ol_ks_access_hash(a, g.access_sha256, NULL), OL_OK);
    ol_ks_access_free(a);
    char *gj = NULL;
    assert_int_equal(ol_ks_grant_sign(&g, &f->coord_sk, &gj, NULL), OL_OK);
    char ws[OL_NEAR_KEY_STR_MAX + 32] = "";
    if (signer != NULL) {
        ol_near_signature sig;
        char text[OL_NEAR_KEY_STR_MAX];
        assert_int_equal(ol_ks_decrypt_request_sign(&g, signer, &sig, NULL), OL_OK);
        ol_near_signature_format(&sig, text);
        snprintf(ws, sizeof ws, ",\"worker_signature\":\"%s\"", text);
    }
    size_t cap = strlen(gj) + strlen(b64) + strlen(access) + sizeof ws + 128;
    char *body = malloc(cap);
    snprintf(body, cap, "{\"grant\":%s,\"ciphertext\":\"%s\",\"access\":%s%s}", gj, b64, access,
             ws);
    free(gj);
    return body;
}

/* The common case: a grant naming worker X's key, signed by X. */
static char *decrypt_body(fixture *f, const char *caller, const char *b64, const char *access,
                          const char *grant_access, uint64_t expires)
{
    return decrypt_body_signed(f, &f->wx_sk, &f->wx_sk, caller, b64, access, grant_access, expires);
}

static void test_routes_and_auth(void **state)
{
    fixture *f = *state;
    json_t *r = NULL;
    assert_int_equal(call(f, "GET", "/health", NULL, NULL, &r), 200);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "ok");
    json_decref(r);
    assert_int_equal(call(f, "GET", "/nope", NULL, NULL, NULL), 404);
    assert_int_equal(call(f, "GET", "/pubkey", "wx-token", NULL, NULL), 405);
    assert_int_equal(call(f, "POST", "/pubkey", NULL, "{}", &r), 401);
    assert_string_equal(code_of(r), "unauthorized");
    json_decref(r);
    assert_int_equal(call(f, "POST", "/pubkey", "wrong-token", "{}", NULL), 401);
    assert_int_equal(call(f, "POST", "/decrypt", "coord-token", "{}", &r), 403);
    assert_string_equal(code_of(r), "forbidden");
    json_decref(r);
    assert_int_equal(call(f, "POST", "/secrets/prepare", "wx-token", "{}", NULL), 403);
    assert_int_equal(call(f, "POST", "/pubkey", "coord-token", "not json", &r), 400);
    json_decref(r);
    /* Body cap. */
    char *big = malloc((1u << 20) + 16);
    memset(big, ' ', (1u << 20) + 8);
    big[(1u << 20) + 8] = '\0';
    assert_int_equal(call(f, "POST", "/pubkey", "coord-token", big, &r), 413);
    json_decref(r);
    free(big);
}

static void test_pubkey(void **state)
{
    fixture *f = *state;
    char body[512];
    snprintf(body, sizeof body, "{\"accessor\":%s,\"owner\":\"alice.near\"}", acc_json);
    json_t *r = NULL;
    assert_int_equal(call(f, "POST", "/pubkey", "coord-token", body, &r), 200);
    ol_ks_accessor a;
    assert_int_equal(ol_ks_accessor_parse(acc_json, strlen(acc_json), &a, NULL), OL_OK);
    uint8_t pk[32];
    assert_int_equal(ol_ks_pubkey(f->ks, &a, "alice.near", pk, NULL), OL_OK);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, pk, 32);
    assert_string_equal(json_string_value(json_object_get(r, "pubkey")), hex);
    json_decref(r);
    /* secrets_json is validated first: a reserved name, a PROTECTED_ name. */
    snprintf(body, sizeof body,
             "{\"accessor\":%s,\"owner\":\"alice.near\",\"secrets_json\":"
             "\"{\\\"OUTLAYER_CALL_ID\\\":\\\"x\\\"}\"}",
             acc_json);
    assert_int_equal(call(f, "POST", "/pubkey", "coord-token", body, &r), 400);
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "OUTLAYER_CALL_ID"));
    json_decref(r);
    snprintf(body, sizeof body,
             "{\"accessor\":%s,\"owner\":\"alice.near\",\"secrets_json\":{\"PROTECTED_A\":\"x\"}}",
             acc_json);
    assert_int_equal(call(f, "POST", "/pubkey", "coord-token", body, NULL), 400);
    snprintf(body, sizeof body,
             "{\"accessor\":%s,\"owner\":\"alice.near\",\"secrets_json\":{\"A\":\"x\","
             "\"G\":\"generate_outlayer_secret:hex32\"}}",
             acc_json);
    assert_int_equal(call(f, "POST", "/pubkey", "coord-token", body, NULL), 200);
    snprintf(body, sizeof body, "{\"accessor\":%s,\"owner\":\"Alice\"}", acc_json);
    assert_int_equal(call(f, "POST", "/pubkey", "coord-token", body, NULL), 400);
}

static void test_decrypt(void **state)
{
    fixture *f = *state;
    const char *secret = "{\"API_KEY\":\"sk-live-7f3a9\"}";
    char *b64 = client_seal(f, secret);
    const char *wl = "{\"Whitelist\":{\"accounts\":[\"bob.near\"]}}";
    json_t *r = NULL;

    /* Authorised: bob via worker-x with x's grant. */
    char *body = decrypt_body(f, "bob.near", b64, wl, wl, NOW + 60);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", body, &r), 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r, "secrets"), "API_KEY")),
        "sk-live-7f3a9");
    json_decref(r);
    /* Tokens are not bound to workers: X's own request through the unlabelled token works. */
    assert_int_equal(call(f, "POST", "/decrypt", "wy-token", body, &r), 200);
    json_decref(r);
    free(body);
    /* Worker Y holding X's grant: its signature is not X's. */
    body = decrypt_body_signed(f, &f->wx_sk, &f->wy_sk, "bob.near", b64, wl, wl, NOW + 60);
    assert_int_equal(call(f, "POST", "/decrypt", "wy-token", body, &r), 403);
    assert_string_equal(code_of(r), "grant_refused");
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "worker_signature"));
    json_decref(r);
    free(body);
    /* No worker signature at all, and a malformed one. */
    body = decrypt_body_signed(f, &f->wx_sk, NULL, "bob.near", b64, wl, wl, NOW + 60);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", body, &r), 403);
    assert_string_equal(code_of(r), "grant_refused");
    json_decref(r);
    json_t *bj = json_loads(body, 0, NULL);
    json_object_set_new(bj, "worker_signature", json_string("ed25519:not-base58!"));
    char *bad = json_dumps(bj, JSON_COMPACT);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", bad, &r), 403);
    assert_string_equal(code_of(r), "grant_refused");
    json_decref(r);
    free(bad);
    /* A tampered grant (caller changed after signing) with a fresh worker signature over the
     * tampered fields: the coordinator's signature no longer holds. */
    json_object_set_new(json_object_get(bj, "grant"), "caller", json_string("eve.near"));
    bad = json_dumps(bj, JSON_COMPACT);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", bad, &r), 403);
    assert_string_equal(code_of(r), "grant_refused");
    char *text = json_dumps(r, JSON_COMPACT);
    assert_null(strstr(text, "sk-live"));
    free(text);
    json_decref(r);
    free(bad);
    json_decref(bj);
    free(body);

    /* Expired. */
    body = decrypt_body(f, "bob.near", b64, wl, wl, NOW);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", body, &r), 403);
    assert_string_equal(code_of(r), "grant_refused");
    json_decref(r);
    free(body);

    /* A worker swapping in a laxer condition than the grant covers. */
    body = decrypt_body(f, "eve.near", b64, "\"AllowAll\"", wl, NOW + 60);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", body, &r), 403);
    assert_string_equal(code_of(r), "grant_refused");
    json_decref(r);
    free(body);

    /* Denied caller: the same answer for a real ciphertext and for garbage. */
    body = decrypt_body(f, "eve.near", b64, wl, wl, NOW + 60);
    json_t *r1 = NULL, *r2 = NULL;
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", body, &r1), 403);
    free(body);
    char *junk = client_seal(f, "x");
    memset(junk + 4, 'A', 8); /* no longer decrypts */
    body = decrypt_body(f, "eve.near", junk, wl, wl, NOW + 60);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", body, &r2), 403);
    assert_string_equal(code_of(r1), "access_denied");
    assert_true(json_equal(r1, r2));
    assert_null(strstr(json_string_value(json_object_get(r1, "error")), "sk-live"));
    json_decref(r1);
    json_decref(r2);
    free(body);
    /* The garbage for an admitted caller: undecryptable, after authorisation only. */
    body = decrypt_body(f, "bob.near", junk, wl, wl, NOW + 60);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", body, &r), 422);
    json_decref(r);
    free(body);
    free(junk);

    /* A chain condition cannot be decided here. */
    const char *nb = "{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"1\"}}";
    body = decrypt_body(f, "bob.near", b64, nb, "\"AllowAll\"", NOW + 60);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", body, &r), 501);
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "needs a NEAR RPC"));
    json_decref(r);
    free(body);
    free(b64);
}

static void test_prepare(void **state)
{
    fixture *f = *state;
    char *b64 = client_seal(f, "{\"API\":\"v1\",\"SEED\":\"generate_outlayer_secret:hex32\"}");
    size_t cap = strlen(b64) + 256;
    char *body = malloc(cap);
    snprintf(body, cap, "{\"accessor\":%s,\"owner\":\"alice.near\",\"ciphertext\":\"%s\"}",
             acc_json, b64);
    json_t *r = NULL;
    assert_int_equal(call(f, "POST", "/secrets/prepare", "coord-token", body, &r), 200);
    assert_int_equal(json_array_size(json_object_get(r, "generated")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "generated"), 0)),
                        "PROTECTED_SEED");
    char *sealed = strdup(json_string_value(json_object_get(r, "ciphertext")));
    json_decref(r);
    free(body);
    /* The prepared ciphertext decrypts (for an admitted run) to the generated value. */
    body = decrypt_body(f, "bob.near", sealed, "\"AllowAll\"", "\"AllowAll\"", NOW + 60);
    assert_int_equal(call(f, "POST", "/decrypt", "wx-token", body, &r), 200);
    const char *seed =
        json_string_value(json_object_get(json_object_get(r, "secrets"), "PROTECTED_SEED"));
    assert_non_null(seed);
    assert_int_equal(strlen(seed), 64);
    char *first = strdup(seed);
    json_decref(r);
    free(body);
    /* Update: new plain values, the PROTECTED_ one preserved; regenerating it needs consent. */
    char *upd = client_seal(f, "{\"API\":\"v2\"}");
    cap = strlen(upd) + strlen(sealed) + 256;
    body = malloc(cap);
    snprintf(body, cap,
             "{\"accessor\":%s,\"owner\":\"alice.near\",\"ciphertext\":\"%s\","
             "\"previous_ciphertext\":\"%s\"}",
             acc_json, upd, sealed);
    assert_int_equal(call(f, "POST", "/secrets/prepare", "coord-token", body, &r), 200);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "preserved"), 0)),
                        "PROTECTED_SEED");
    json_decref(r);
    free(body);
    free(upd);
    upd = client_seal(f, "{\"SEED\":\"generate_outlayer_secret:hex32\"}");
    cap = strlen(upd) + strlen(sealed) + 256;
    body = malloc(cap);
    snprintf(body, cap,
             "{\"accessor\":%s,\"owner\":\"alice.near\",\"ciphertext\":\"%s\","
             "\"previous_ciphertext\":\"%s\"}",
             acc_json, upd, sealed);
    assert_int_equal(call(f, "POST", "/secrets/prepare", "coord-token", body, &r), 409);
    json_decref(r);
    free(body);
    free(upd);
    /* Server-side validation of client ciphertexts: reserved names. */
    upd = client_seal(f, "{\"NEAR_SENDER_ID\":\"spoof.near\"}");
    cap = strlen(upd) + 256;
    body = malloc(cap);
    snprintf(body, cap, "{\"accessor\":%s,\"owner\":\"alice.near\",\"ciphertext\":\"%s\"}",
             acc_json, upd);
    assert_int_equal(call(f, "POST", "/secrets/prepare", "coord-token", body, &r), 400);
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "NEAR_SENDER_ID"));
    json_decref(r);
    free(body);
    free(upd);
    /* Another owner's key does not open it. */
    cap = strlen(sealed) + 256;
    body = malloc(cap);
    snprintf(body, cap, "{\"accessor\":%s,\"owner\":\"carol.near\",\"ciphertext\":\"%s\"}",
             acc_json, sealed);
    assert_int_equal(call(f, "POST", "/secrets/prepare", "coord-token", body, &r), 400);
    json_decref(r);
    free(body);
    free(first);
    free(sealed);
    free(b64);
}

static void test_bad_config(void **state)
{
    (void)state;
    ol_ks_service *s = NULL;
    ol_diag d = {0};
    ol_ks_service_config c1 = {.coordinator_public_key = "ed25519:nope"};
    assert_int_equal(ol_ks_service_new(NULL, &c1, &s, &d), OL_E_INVAL);
    ol_ks_service_config c2 = {.coordinator_token_sha256 = "abcd"};
    assert_int_equal(ol_ks_service_new(NULL, &c2, &s, &d), OL_E_INVAL);
    ol_ks_service_config c3 = {.worker_tokens = "no-colon"};
    assert_int_equal(ol_ks_service_new(NULL, &c3, &s, &d), OL_E_INVAL);
    ol_ks_service_config c4 = {
        .worker_tokens =
            "bad label:0000000000000000000000000000000000000000000000000000000000000000"};
    assert_int_equal(ol_ks_service_new(NULL, &c4, &s, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "labels"));
    ol_ks_service_config c5 = {
        .worker_tokens = ":0000000000000000000000000000000000000000000000000000000000000000"};
    assert_int_equal(ol_ks_service_new(NULL, &c5, &s, &d), OL_E_INVAL);
}

int main(void)
{
    if (ol_ks_init(NULL) != OL_OK)
        return 1;
    ol_log_set_level(OL_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes_and_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pubkey, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decrypt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare, setup, teardown),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
