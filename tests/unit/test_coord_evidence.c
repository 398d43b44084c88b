/* The evidence record (docs/platform-protocol.md): the canonical text byte for byte, signing
 * and verification, the envelope parser's strictness, escaping of awkward strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ol/coord.h"
#include "test.h"

static const char H_A[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char H_B[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
static const char H_C[] = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
static const char H_D[] = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";

static void make_record(ol_evidence_record *r, const ol_near_secret_key *sk)
{
    memset(r, 0, sizeof *r);
    r->version = 1;
    strcpy(r->call_id, "c-1");
    strcpy(r->project_id, "alice.near/app");
    strcpy(r->wasm_sha256, H_A);
    strcpy(r->input_sha256, H_B);
    strcpy(r->output_sha256, H_C);
    strcpy(r->transcript_sha256, H_D);
    r->instructions = 42;
    strcpy(r->status, "ok");
    r->exit_code = 0;
    strcpy(r->worker_id, "w-1");
    ol_near_public_key pk;
    ol_near_secret_key_public(sk, &pk);
    ol_near_public_key_format(&pk, r->worker_public_key);
}

static ol_near_secret_key fixed_key(uint8_t b)
{
    uint8_t seed[32];
    memset(seed, b, sizeof seed);
    ol_near_secret_key sk;
    ol_near_secret_key_from_seed(seed, &sk);
    return sk;
}

static void test_coord_evidence_canonical_golden(void **state)
{
    (void)state;
    ol_near_secret_key sk = fixed_key(1);
    ol_evidence_record r;
    make_record(&r, &sk);
    char buf[OL_EVIDENCE_CANONICAL_MAX];
    size_t len = 0;
    assert_int_equal(ol_evidence_canonical(&r, buf, sizeof buf, &len, NULL), OL_OK);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"call_id\":\"c-1\",\"exit_code\":0,\"input_sha256\":\"%s\","
             "\"instructions\":42,\"output_sha256\":\"%s\",\"project_id\":\"alice.near/app\","
             "\"status\":\"ok\",\"transcript_sha256\":\"%s\",\"version\":1,"
             "\"wasm_sha256\":\"%s\",\"worker_id\":\"w-1\",\"worker_public_key\":\"%s\"}",
             H_B, H_C, H_D, H_A, r.worker_public_key);
    assert_string_equal(buf, want);
    assert_int_equal(len, strlen(want));
    /* Too small a buffer is a clean error. */
    assert_int_equal(ol_evidence_canonical(&r, buf, 50, &len, NULL), OL_E_RANGE);
}

static void test_coord_evidence_escaping(void **state)
{
    (void)state;
    ol_near_secret_key sk = fixed_key(2);
    ol_evidence_record r;
    make_record(&r, &sk);
    strcpy(r.call_id, "a\"b\\c\nd\x01\x1f/\xc3\xa9");
    char buf[OL_EVIDENCE_CANONICAL_MAX];
    assert_int_equal(ol_evidence_canonical(&r, buf, sizeof buf, NULL, NULL), OL_OK);
    assert_non_null(strstr(buf, "\"call_id\":\"a\\\"b\\\\c\\nd\\u0001\\u001f/\xc3\xa9\""));
    /* Invalid UTF-8 is refused. */
    strcpy(r.call_id, "bad\xff");
    assert_int_equal(ol_evidence_canonical(&r, buf, sizeof buf, NULL, NULL), OL_E_INVAL);
    strcpy(r.call_id, "\xc0\x80"); /* overlong NUL */
    assert_int_equal(ol_evidence_canonical(&r, buf, sizeof buf, NULL, NULL), OL_E_INVAL);
}

static void test_coord_evidence_sign_verify(void **state)
{
    (void)state;
    ol_near_secret_key sk = fixed_key(3), other = fixed_key(4);
    ol_evidence_record r;
    make_record(&r, &sk);
    char sig[OL_NEAR_KEY_STR_MAX];
    assert_int_equal(ol_evidence_sign(&r, &sk, sig, NULL), OL_OK);
    assert_int_equal(strncmp(sig, "ed25519:", 8), 0);
    assert_int_equal(ol_evidence_verify(&r, sig, NULL, NULL), OL_OK);
    ol_near_public_key pk, opk;
    ol_near_secret_key_public(&sk, &pk);
    ol_near_secret_key_public(&other, &opk);
    assert_int_equal(ol_evidence_verify(&r, sig, &pk, NULL), OL_OK);
    ol_diag d = {0};
    assert_int_equal(ol_evidence_verify(&r, sig, &opk, &d), OL_E_STATE);
    /* Every field is covered. */
    ol_evidence_record t = r;
    t.instructions++;
    assert_int_equal(ol_evidence_verify(&t, sig, NULL, NULL), OL_E_STATE);
    t = r;
    t.exit_code = 1;
    assert_int_equal(ol_evidence_verify(&t, sig, NULL, NULL), OL_E_STATE);
    t = r;
    t.output_sha256[0] = 'b';
    assert_int_equal(ol_evidence_verify(&t, sig, NULL, NULL), OL_E_STATE);
    t = r;
    strcpy(t.status, "trap");
    assert_int_equal(ol_evidence_verify(&t, sig, NULL, NULL), OL_E_STATE);
    assert_int_equal(ol_evidence_verify(&r, "ed25519:xyz", NULL, NULL), OL_E_INVAL);
    assert_int_equal(ol_evidence_verify(&r, NULL, NULL, NULL), OL_E_INVAL);
    /* The signature is over the domain-separated canonical bytes exactly. */
    char msg[OL_EVIDENCE_CANONICAL_MAX + 32];
    strcpy(msg, OL_EVIDENCE_DOMAIN);
    size_t cl = 0;
    assert_int_equal(
        ol_evidence_canonical(&r, msg + strlen(msg), sizeof msg - strlen(msg), &cl, NULL), OL_OK);
    ol_near_signature s;
    assert_int_equal(ol_near_signature_parse(sig, &s, NULL), OL_OK);
    assert_int_equal(ol_near_verify(&pk, (const uint8_t *)msg, strlen(msg), &s, NULL), OL_OK);
}

static void test_coord_evidence_envelope_roundtrip(void **state)
{
    (void)state;
    ol_near_secret_key sk = fixed_key(5);
    ol_evidence_record r, back;
    make_record(&r, &sk);
    char sig[OL_NEAR_KEY_STR_MAX], sig2[OL_NEAR_KEY_STR_MAX];
    assert_int_equal(ol_evidence_sign(&r, &sk, sig, NULL), OL_OK);
    char *env = NULL;
    size_t len = 0;
    assert_int_equal(ol_evidence_envelope(&r, sig, &env, &len, NULL), OL_OK);
    assert_int_equal(len, strlen(env));
    assert_int_equal(ol_evidence_parse(env, len, &back, sig2, NULL), OL_OK);
    assert_memory_equal(&r, &back, sizeof r);
    assert_string_equal(sig, sig2);
    assert_int_equal(ol_evidence_verify(&back, sig2, NULL, NULL), OL_OK);
    free(env);
}

static void expect_parse(const char *json, ol_err want)
{
    ol_evidence_record r;
    ol_diag d = {0};
    ol_err rc = ol_evidence_parse(json, strlen(json), &r, NULL, &d);
    if (rc != want)
        fail_msg("%s: got %s (%s)", json, ol_err_name(rc), d.msg);
}

static void test_coord_evidence_parse_strict(void **state)
{
    (void)state;
    ol_near_secret_key sk = fixed_key(6);
    ol_evidence_record r;
    make_record(&r, &sk);
    char canon[OL_EVIDENCE_CANONICAL_MAX];
    assert_int_equal(ol_evidence_canonical(&r, canon, sizeof canon, NULL, NULL), OL_OK);
    char buf[8192];
    snprintf(buf, sizeof buf, "{\"record\":%s,\"signature\":\"ed25519:1\"}", canon);
    expect_parse(buf, OL_OK);
    expect_parse("not json", OL_E_MALFORMED);
    expect_parse("[]", OL_E_MALFORMED);
    expect_parse("{\"record\":{}}", OL_E_MALFORMED);
    snprintf(buf, sizeof buf, "{\"record\":%s,\"signature\":\"x\",\"extra\":1}", canon);
    expect_parse(buf, OL_E_MALFORMED);
    /* A record with an extra key, a missing key, a wrong type, a bad hash. */
    char rec[4096];
    snprintf(rec, sizeof rec, "%.*s,\"zzz\":1}", (int)strlen(canon) - 1, canon);
    snprintf(buf, sizeof buf, "{\"record\":%s,\"signature\":\"x\"}", rec);
    expect_parse(buf, OL_E_MALFORMED);
    snprintf(buf, sizeof buf, "{\"record\":%s,\"signature\":\"x\"}", canon + 0);
    char *p = strstr(buf, "\"instructions\":42");
    memcpy(p, "\"instructions\":\"4\"", 18);
    expect_parse(buf, OL_E_MALFORMED);
    snprintf(buf, sizeof buf, "{\"record\":%s,\"signature\":\"x\"}", canon);
    p = strstr(buf, H_B);
    p[3] = 'X';
    expect_parse(buf, OL_E_INVAL);
    snprintf(buf, sizeof buf, "{\"record\":%s,\"signature\":\"x\"}", canon);
    p = strstr(buf, "\"version\":1");
    p[10] = '2';
    expect_parse(buf, OL_E_INVAL);
    snprintf(buf, sizeof buf, "{\"record\":%s,\"signature\":\"x\"}", canon);
    p = strstr(buf, "\"exit_code\":0");
    memcpy(p, "\"exit_code\":-", 13);
    expect_parse(buf, OL_E_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coord_evidence_canonical_golden),
        cmocka_unit_test(test_coord_evidence_escaping),
        cmocka_unit_test(test_coord_evidence_sign_verify),
        cmocka_unit_test(test_coord_evidence_envelope_roundtrip),
        cmocka_unit_test(test_coord_evidence_parse_strict),
    };
    if (ol_near_init(NULL) != OL_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
