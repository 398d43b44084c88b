/* Run grants: sign -> JSON -> parse -> verify; a grant for worker X is refused for worker Y;
 * expired, too long-lived, tampered (every field) and foreign-key grants are refused; the
 * canonical message layout; the worker's decrypt signature (bound to the key the grant names:
 * signatures by another key, over another grant, or for a grant naming no key are refused). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "ks_int.h"
#include "test.h"

#define NOW 1700000000u

static void make_grant(ol_ks_grant *g)
{
    memset(g, 0, sizeof *g);
    strcpy(g->call_id, "0b7f3c1e-call");
    strcpy(g->worker_id, "worker-x");
    const char *acc = "{\"Project\":{\"project_id\":\"alice.near/app\"}}";
    assert_int_equal(ol_ks_accessor_parse(acc, strlen(acc), &g->accessor, NULL), OL_OK);
    strcpy(g->profile, "default");
    strcpy(g->owner, "alice.near");
    strcpy(g->caller, "bob.near");
    g->expires_at = NOW + 60;
    memset(g->secret_sha256, 0x11, 32);
    memset(g->access_sha256, 0x22, 32);
}

static void test_round_trip_and_worker(void **state)
{
    (void)state;
    ol_near_secret_key sk;
    assert_int_equal(ol_near_secret_key_generate(&sk, NULL), OL_OK);
    ol_near_public_key pk;
    ol_near_secret_key_public(&sk, &pk);
    ol_ks_grant g, p;
    make_grant(&g);
    char *json = NULL;
    assert_int_equal(ol_ks_grant_sign(&g, &sk, &json, NULL), OL_OK);
    ol_near_signature sig;
    assert_int_equal(ol_ks_grant_parse(json, strlen(json), &p, &sig, NULL), OL_OK);
    assert_memory_equal(&g, &p, sizeof g);
    ol_diag d = {0};
    assert_int_equal(ol_ks_grant_verify(&p, &sig, &pk, "worker-x", NOW, &d), OL_OK);
    /* Worker Y presenting X's grant. */
    assert_int_equal(ol_ks_grant_verify(&p, &sig, &pk, "worker-y", NOW, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "another worker"));
    /* NULL: no name comparison (the keystore binds the worker by its signature instead). */
    assert_int_equal(ol_ks_grant_verify(&p, &sig, &pk, NULL, NOW, &d), OL_OK);
    /* Expired (at and after expiry), and too long-lived. */
    assert_int_equal(ol_ks_grant_verify(&p, &sig, &pk, "worker-x", NOW + 60, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "expired"));
    assert_int_equal(ol_ks_grant_verify(&p, &sig, &pk, "worker-x", NOW + 3600, &d), OL_E_INVAL);
    p.expires_at = NOW + OL_KS_GRANT_TTL_MAX + 1;
    char *long_json = NULL;
    assert_int_equal(ol_ks_grant_sign(&p, &sk, &long_json, NULL), OL_OK);
    ol_ks_grant lg;
    ol_near_signature lsig;
    assert_int_equal(ol_ks_grant_parse(long_json, strlen(long_json), &lg, &lsig, NULL), OL_OK);
    assert_int_equal(ol_ks_grant_verify(&lg, &lsig, &pk, "worker-x", NOW, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "longer"));
    free(long_json);
    /* Another coordinator's key. */
    ol_near_secret_key sk2;
    ol_near_public_key pk2;
    assert_int_equal(ol_near_secret_key_generate(&sk2, NULL), OL_OK);
    ol_near_secret_key_public(&sk2, &pk2);
    assert_int_equal(ol_ks_grant_verify(&g, &sig, &pk2, "worker-x", NOW, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "signature"));
    free(json);
    ol_near_secret_key_wipe(&sk);
    ol_near_secret_key_wipe(&sk2);
}

/* Changing any signed field in the JSON breaks the signature. */
static void test_tampered(void **state)
{
    (void)state;
    ol_near_secret_key sk;
    assert_int_equal(ol_near_secret_key_generate(&sk, NULL), OL_OK);
    ol_near_public_key pk;
    ol_near_secret_key_public(&sk, &pk);
    ol_ks_grant g;
    make_grant(&g);
    char *json = NULL;
    assert_int_equal(ol_ks_grant_sign(&g, &sk, &json, NULL), OL_OK);
    static const struct {
        const char *key;
        const char *value; /* JSON */
    } edits[] = {
        {"call_id", "\"other-call\""},
        {"worker_id", "\"worker-y\""},
        {"accessor", "{\"Project\":{\"project_id\":\"alice.near/other\"}}"},
        {"accessor", "{\"WasmHash\":{\"hash\":"
                     "\"1111111111111111111111111111111111111111111111111111111111111111\"}}"},
        {"profile", "\"prod\""},
        {"owner", "\"carol.near\""},
        {"caller", "\"mallory.near\""},
        {"expires_at", "1700000500"},
        {"secret_sha256", "\"3333333333333333333333333333333333333333333333333333333333333333\""},
        {"access_sha256", "\"4444444444444444444444444444444444444444444444444444444444444444\""},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        json_t *o = json_loads(json, 0, NULL);
        assert_non_null(o);
        json_object_set_new(o, edits[i].key, json_loads(edits[i].value, JSON_DECODE_ANY, NULL));
        char *t = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        ol_ks_grant p;
        ol_near_signature sig;
        assert_int_equal(ol_ks_grant_parse(t, strlen(t), &p, &sig, NULL), OL_OK);
        const char *worker = strcmp(edits[i].key, "worker_id") == 0 ? "worker-y" : "worker-x";
        ol_diag d = {0};
        assert_int_equal(ol_ks_grant_verify(&p, &sig, &pk, worker, NOW, &d), OL_E_INVAL);
        free(t);
    }
    /* Malformed grants. */
    static const char *const bad[] = {
        "{}",
        "[]",
        "{\"version\":2}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ol_ks_grant p;
        ol_near_signature sig;
        assert_int_equal(ol_ks_grant_parse(bad[i], strlen(bad[i]), &p, &sig, NULL), OL_E_INVAL);
    }
    free(json);
    ol_near_secret_key_wipe(&sk);
}

static void test_message_layout(void **state)
{
    (void)state;
    ol_ks_grant g;
    make_grant(&g);
    uint8_t *m = NULL;
    size_t n = 0;
    assert_int_equal(ol_ks_grant_message(&g, &m, &n, NULL), OL_OK);
    const char *dom = OL_KS_GRANT_DOMAIN;
    size_t dl = strlen(dom);
    size_t want = dl + (4 + 13) + (4 + 8) + 1 + (4 + 14) + (4 + 7) + (4 + 10) + (4 + 8) + 8 + 64;
    assert_int_equal(n, want);
    assert_memory_equal(m, dom, dl);
    assert_int_equal(m[dl], 13); /* u32 LE length of the call id */
    assert_memory_equal(m + dl + 4, "0b7f3c1e-call", 13);
    assert_int_equal(m[dl + 17 + 12], OL_KS_ACCESSOR_PROJECT);
    free(m);
    /* A grant with bad fields has no message. */
    strcpy(g.caller, "Not Valid");
    assert_int_equal(ol_ks_grant_message(&g, &m, &n, NULL), OL_E_INVAL);
    make_grant(&g);
    strcpy(g.profile, "bad profile");
    assert_int_equal(ol_ks_grant_message(&g, &m, &n, NULL), OL_E_INVAL);
}

/* A grant naming worker key X; a decrypt request signed by X verifies, one by Y does not. */
static void test_decrypt_request(void **state)
{
    (void)state;
    ol_near_secret_key coord, wx, wy;
    ol_near_public_key cpk, xpk;
    assert_int_equal(ol_near_secret_key_generate(&coord, NULL), OL_OK);
    assert_int_equal(ol_near_secret_key_generate(&wx, NULL), OL_OK);
    assert_int_equal(ol_near_secret_key_generate(&wy, NULL), OL_OK);
    ol_near_secret_key_public(&coord, &cpk);
    ol_near_secret_key_public(&wx, &xpk);
    ol_ks_grant g;
    make_grant(&g);
    ol_near_public_key_format(&xpk, g.worker_id);
    char *json = NULL;
    assert_int_equal(ol_ks_grant_sign(&g, &coord, &json, NULL), OL_OK);
    ol_ks_grant p;
    ol_near_signature gsig, sx, sy;
    assert_int_equal(ol_ks_grant_parse(json, strlen(json), &p, &gsig, NULL), OL_OK);
    ol_diag d = {0};
    assert_int_equal(ol_ks_grant_verify(&p, &gsig, &cpk, NULL, NOW, &d), OL_OK);
    assert_int_equal(ol_ks_decrypt_request_sign(&p, &wx, &sx, &d), OL_OK);
    assert_int_equal(ol_ks_decrypt_request_verify(&p, &sx, &d), OL_OK);
    /* Worker Y holding X's grant. */
    assert_int_equal(ol_ks_decrypt_request_sign(&p, &wy, &sy, &d), OL_OK);
    assert_int_equal(ol_ks_decrypt_request_verify(&p, &sy, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "does not verify"));
    /* X's signature is for this grant only: another call, or the grant re-issued to Y. */
    ol_ks_grant q = p;
    strcpy(q.call_id, "another-call");
    assert_int_equal(ol_ks_decrypt_request_verify(&q, &sx, &d), OL_E_INVAL);
    q = p;
    ol_near_public_key ypk;
    ol_near_secret_key_public(&wy, &ypk);
    ol_near_public_key_format(&ypk, q.worker_id);
    assert_int_equal(ol_ks_decrypt_request_verify(&q, &sx, &d), OL_E_INVAL);
    /* The coordinator's grant signature is not a worker signature (separate domains), even
     * when the coordinator key is the one named. */
    q = p;
    ol_near_public_key_format(&cpk, q.worker_id);
    assert_int_equal(ol_ks_decrypt_request_verify(&q, &gsig, &d), OL_E_INVAL);
    /* A grant that names no key: nothing can verify for it. */
    q = p;
    strcpy(q.worker_id, "worker-x");
    assert_int_equal(ol_ks_decrypt_request_verify(&q, &sx, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "public key"));
    /* The digest: SHA-256(domain || canonical message), signed by X. */
    uint8_t *m = NULL;
    size_t n = 0;
    assert_int_equal(ol_ks_grant_message(&p, &m, &n, NULL), OL_OK);
    size_t dl = strlen(OL_KS_DECRYPT_DOMAIN);
    uint8_t *buf = malloc(dl + n);
    memcpy(buf, OL_KS_DECRYPT_DOMAIN, dl);
    memcpy(buf + dl, m, n);
    uint8_t h[32];
    crypto_hash_sha256(h, buf, dl + n);
    assert_int_equal(ol_near_verify(&xpk, h, sizeof h, &sx, NULL), OL_OK);
    free(buf);
    free(m);
    free(json);
    ol_near_secret_key_wipe(&coord);
    ol_near_secret_key_wipe(&wx);
    ol_near_secret_key_wipe(&wy);
}

int main(void)
{
    if (ol_ks_init(NULL) != OL_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_worker),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_message_layout),
        cmocka_unit_test(test_decrypt_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
