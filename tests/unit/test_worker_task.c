/* Tasks as the worker receives them: every field checked, the environment built (limits written
 * by the worker, HTTPS system defaults, sorted, one entry per name), env values never quoted in
 * errors, and the evidence/completion body signed so that the coordinator's verifier accepts
 * it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "ol/evidence.h"
#include "test.h"
#include "worker_int.h"

#define VK "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char good[] =
    "{\"task_id\":\"t-1\",\"attempt\":2,\"lease_ms\":10000,\"call_id\":\"c-1\","
    "\"project_id\":\"alice.near/app\",\"version_key\":\"" VK "\","
    "\"input_base64\":\"eyJ4IjoxfQ==\","
    "\"env\":{\"OUTLAYER_EXECUTION_TYPE\":\"HTTPS\",\"OUTLAYER_CALL_ID\":\"c-1\","
    "\"NEAR_SENDER_ID\":\"bob.near\",\"NEAR_MAX_INSTRUCTIONS\":\"999\",\"USD_PAYMENT\":\"5\"},"
    "\"limits\":{\"max_instructions\":5000000,\"max_memory_mb\":64,\"max_execution_ms\":1500,"
    "\"max_output_bytes\":4096}}";

static const char *env_get(const ol__wtask *t, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < t->nenv; i++) {
        if (strncmp(t->env[i], name, len) == 0 && t->env[i][len] == '=')
            return t->env[i] + len + 1;
    }
    return NULL;
}

static void test_task_parse_good(void **state)
{
    (void)state;
    ol__wtask t;
    ol_diag d = {0};
    assert_int_equal(ol__wtask_parse(good, strlen(good), &t, &d), OL_OK);
    assert_string_equal(t.task_id, "t-1");
    assert_string_equal(t.call_id, "c-1");
    assert_string_equal(t.project_id, "alice.near/app");
    assert_string_equal(t.version_key, VK);
    assert_int_equal(t.wasm_sha256[0], 0x01);
    assert_int_equal(t.wasm_sha256[31], 0xef);
    assert_int_equal(t.attempt, 2);
    assert_int_equal(t.lease_ms, 10000);
    assert_int_equal(t.input_len, 7);
    assert_memory_equal(t.input, "{\"x\":1}", 7);
    assert_int_equal(t.max_instructions, 5000000);
    assert_int_equal(t.max_memory_mb, 64);
    assert_int_equal(t.max_execution_ms, 1500);
    assert_int_equal(t.max_output_bytes, 4096);

    /* The limit variables come from the enforced limits, not from the task's env. */
    assert_string_equal(env_get(&t, "NEAR_MAX_INSTRUCTIONS"), "5000000");
    assert_string_equal(env_get(&t, "NEAR_MAX_MEMORY_MB"), "64");
    assert_string_equal(env_get(&t, "NEAR_MAX_EXECUTION_SECONDS"), "2"); /* rounded up */
    /* Coordinator values kept; HTTPS defaults fill the rest; no project var invented. */
    assert_string_equal(env_get(&t, "USD_PAYMENT"), "5");
    assert_string_equal(env_get(&t, "NEAR_SENDER_ID"), "bob.near");
    assert_string_equal(env_get(&t, "NEAR_PAYMENT_YOCTO"), "0");
    assert_string_equal(env_get(&t, "ATTACHED_USD"), "0");
    assert_string_equal(env_get(&t, "NEAR_BLOCK_HEIGHT"), "");
    assert_null(env_get(&t, "OUTLAYER_PROJECT_UUID"));
    /* Sorted by name, names unique. */
    for (size_t i = 1; i < t.nenv; i++)
        assert_true(strcmp(t.env[i - 1], t.env[i]) < 0);

    ol_wasi_config cfg;
    ol__wtask_wasi_config(&t, &cfg);
    assert_int_equal(cfg.max_instructions, 5000000);
    assert_int_equal(cfg.timeout_ms, 1500);
    assert_true(cfg.record);
    assert_int_equal(cfg.source, OL_WASI_SOURCE_LIVE);
    ol__wtask_fini(&t);
}

static void test_task_defaults_without_env(void **state)
{
    (void)state;
    const char *s = "{\"task_id\":\"t\",\"attempt\":1,\"lease_ms\":1000,\"call_id\":\"c\","
                    "\"project_id\":\"a/b\",\"version_key\":\"" VK "\",\"input_base64\":\"\","
                    "\"limits\":{}}";
    ol__wtask t;
    ol_diag d = {0};
    assert_int_equal(ol__wtask_parse(s, strlen(s), &t, &d), OL_OK);
    assert_int_equal(t.input_len, 0);
    assert_int_equal(t.max_instructions, OL_WASI_DEFAULT_MAX_INSTRUCTIONS);
    assert_int_equal(t.max_memory_mb, OL_WASI_DEFAULT_MAX_MEMORY_MB);
    /* Not an HTTPS run: only the limit variables. */
    assert_int_equal(t.nenv, 3);
    ol__wtask_fini(&t);
}

static void expect_bad(const char *patch_from, const char *patch_to, ol_err want,
                       const char *msg_part)
{
    char buf[2048];
    const char *at = strstr(good, patch_from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - good), good, patch_to,
             at + strlen(patch_from));
    ol__wtask t;
    ol_diag d = {0};
    assert_int_equal(ol__wtask_parse(buf, strlen(buf), &t, &d), want);
    if (msg_part != NULL && strstr(d.msg, msg_part) == NULL)
        fail_msg("message '%s' lacks '%s'", d.msg, msg_part);
}

static void test_task_rejects_bad_fields(void **state)
{
    (void)state;
    expect_bad("\"task_id\":\"t-1\"", "\"task_id\":\"\"", OL_E_MALFORMED, "task_id");
    expect_bad("\"task_id\":\"t-1\"", "\"task_id\":\"a b\"", OL_E_MALFORMED, "task_id");
    expect_bad("\"attempt\":2", "\"attempt\":0", OL_E_RANGE, "attempt");
    expect_bad("\"attempt\":2", "\"attempt\":\"2\"", OL_E_MALFORMED, "attempt");
    expect_bad("\"lease_ms\":10000", "\"lease_ms\":-1", OL_E_MALFORMED, "lease_ms");
    expect_bad(VK, "0123", OL_E_MALFORMED, "version_key");
    expect_bad("0123456789abcdef0123", "0123456789ABCDEF0123", OL_E_MALFORMED, "version_key");
    expect_bad("eyJ4IjoxfQ==", "eyJ4IjoxfQ", OL_E_MALFORMED, "input_base64");
    expect_bad("\"max_memory_mb\":64", "\"max_memory_mb\":5000", OL_E_RANGE, "max_memory_mb");
    expect_bad("\"max_execution_ms\":1500", "\"max_execution_ms\":0", OL_E_RANGE,
               "max_execution_ms");
    expect_bad("\"limits\":{", "\"limits\":[{", OL_E_MALFORMED, NULL);
    expect_bad("{\"task_id\"", "[{\"task_id\"", OL_E_MALFORMED, NULL);
    expect_bad("\"NEAR_SENDER_ID\":\"bob.near\"", "\"A=B\":\"secret-value\"", OL_E_MALFORMED,
               "env");
    expect_bad("\"NEAR_SENDER_ID\":\"bob.near\"", "\"NEAR_SENDER_ID\":7", OL_E_MALFORMED,
               "NEAR_SENDER_ID");
}

static void test_task_env_values_never_in_errors(void **state)
{
    (void)state;
    char buf[2048];
    const char *from = "\"USD_PAYMENT\":\"5\"";
    const char *at = strstr(good, from);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - good), good, "\"SECRET\":\"hunter2\\u0000x\"",
             at + strlen(from));
    ol__wtask t;
    ol_diag d = {0};
    assert_int_equal(ol__wtask_parse(buf, strlen(buf), &t, &d), OL_E_MALFORMED);
    assert_null(strstr(d.msg, "hunter2"));
    assert_non_null(strstr(d.msg, "task"));
}

static void test_task_duplicate_keys_rejected(void **state)
{
    (void)state;
    const char *s = "{\"task_id\":\"t\",\"task_id\":\"u\"}";
    ol__wtask t;
    ol_diag d = {0};
    assert_int_equal(ol__wtask_parse(s, strlen(s), &t, &d), OL_E_MALFORMED);
}

static void test_complete_body_is_signed(void **state)
{
    (void)state;
    ol__wtask t;
    ol_diag d = {0};
    assert_int_equal(ol__wtask_parse(good, strlen(good), &t, &d), OL_OK);
    ol_near_secret_key sk;
    assert_int_equal(ol_near_secret_key_generate(&sk, &d), OL_OK);
    ol_near_public_key pk;
    ol_near_secret_key_public(&sk, &pk);
    char pk_text[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&pk, pk_text);

    ol_wasi_result r;
    memset(&r, 0, sizeof r);
    r.status = OL_WASI_OK;
    static const uint8_t out[] = "{\"ok\":true}";
    static const uint8_t err[] = "bad \xff byte";
    r.output = out;
    r.output_len = sizeof out - 1;
    r.err = err;
    r.err_len = sizeof err - 1;
    r.instructions = 12345;
    r.time_ms = 3;
    crypto_hash_sha256(r.output_sha256, out, sizeof out - 1);
    crypto_hash_sha256(r.input_sha256, t.input, t.input_len);
    memcpy(r.wasm_sha256, t.wasm_sha256, 32);

    char *body = NULL;
    size_t len = 0;
    assert_int_equal(ol__worker_complete_body(&t, &r, "w-1", pk_text, &sk, &body, &len, &d), OL_OK);
    json_t *j = json_loadb(body, len, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(j, "task_id")), "t-1");
    assert_int_equal(json_integer_value(json_object_get(j, "attempt")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "instructions")), 12345);
    assert_string_equal(json_string_value(json_object_get(j, "output_base64")), "eyJvayI6dHJ1ZX0=");
    assert_string_equal(json_string_value(json_object_get(j, "stderr")), "bad \xef\xbf\xbd byte");
    assert_true(json_is_null(json_object_get(j, "error")));

    char *ev = json_dumps(json_object_get(j, "evidence"), JSON_COMPACT);
    ol_evidence_record rec;
    char sig[OL_NEAR_KEY_STR_MAX];
    assert_int_equal(ol_evidence_parse(ev, strlen(ev), &rec, sig, &d), OL_OK);
    assert_int_equal(ol_evidence_verify(&rec, sig, &pk, &d), OL_OK);
    assert_string_equal(rec.call_id, "c-1");
    assert_string_equal(rec.worker_id, "w-1");
    assert_string_equal(rec.wasm_sha256, VK);
    assert_int_equal(rec.instructions, 12345);
    /* Any change to the record breaks the signature. */
    rec.instructions++;
    assert_int_equal(ol_evidence_verify(&rec, sig, &pk, &d), OL_E_STATE);

    free(ev);
    json_decref(j);
    free(body);
    ol_near_secret_key_wipe(&sk);
    ol__wtask_fini(&t);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_task_parse_good),
        cmocka_unit_test(test_task_defaults_without_env),
        cmocka_unit_test(test_task_rejects_bad_fields),
        cmocka_unit_test(test_task_env_values_never_in_errors),
        cmocka_unit_test(test_task_duplicate_keys_rejected),
        cmocka_unit_test(test_complete_body_is_signed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
