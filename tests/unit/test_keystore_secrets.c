/* Secrets documents: validation (shape, every reserved name, PROTECTED_ prefix, names, directive
 * syntax and count) and the expansion of generation directives (each kind, PROTECTED_ naming,
 * carrying over previous PROTECTED_ values, refusing to replace them unless asked). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ks_int.h"
#include "test.h"

static ol_err val(const char *json, unsigned flags)
{
    ol_diag d = {0};
    return ol_ks_secrets_validate(json, strlen(json), flags, &d);
}

static void test_validate(void **state)
{
    (void)state;
    assert_int_equal(val("{}", 0), OL_OK);
    assert_int_equal(val("{\"API_KEY\":\"sk-1\",\"db.url\":\"postgres://x\"}", 0), OL_OK);
    assert_int_equal(val("[]", 0), OL_E_INVAL);
    assert_int_equal(val("{\"A\":1}", 0), OL_E_INVAL);
    assert_int_equal(val("{\"A\":null}", 0), OL_E_INVAL);
    assert_int_equal(val("{\"A\":\"x\",\"A\":\"y\"}", 0), OL_E_MALFORMED); /* duplicates */
    assert_int_equal(val("{\"\":\"x\"}", 0), OL_E_INVAL);
    assert_int_equal(val("{\"A=B\":\"x\"}", 0), OL_E_INVAL);
    assert_int_equal(val("{\"A\\nB\":\"x\"}", 0), OL_E_INVAL);
    assert_int_equal(val("{\"A\":\"x\\u0000y\"}", 0), OL_E_MALFORMED);
    assert_int_equal(val("not json", 0), OL_E_MALFORMED);
    /* Every reserved name is refused, with a message naming it (and no value). */
    assert_int_equal(ol_ks_reserved_count, 26);
    for (size_t i = 0; i < ol_ks_reserved_count; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"OK\":\"v\",\"%s\":\"hunter2\"}", ol_ks_reserved_names[i]);
        ol_diag d = {0};
        assert_int_equal(ol_ks_secrets_validate(json, strlen(json), 0, &d), OL_E_INVAL);
        assert_non_null(strstr(d.msg, ol_ks_reserved_names[i]));
        assert_null(strstr(d.msg, "hunter2"));
    }
    /* Names are case-sensitive, as environment variables. */
    assert_int_equal(val("{\"near_sender_id\":\"x\"}", 0), OL_OK);
    /* PROTECTED_ is the keystore's. */
    assert_int_equal(val("{\"PROTECTED_X\":\"x\"}", 0), OL_E_INVAL);
    assert_int_equal(val("{\"PROTECTED_X\":\"x\"}", OL_KS_SECRETS_ALLOW_PROTECTED), OL_OK);
    /* Directives: only where allowed, well formed, at most 16. */
    const char *dir = "{\"K\":\"generate_outlayer_secret:hex32\"}";
    assert_int_equal(val(dir, 0), OL_E_INVAL);
    assert_int_equal(val(dir, OL_KS_SECRETS_ALLOW_DIRECTIVES), OL_OK);
    static const char *const bad[] = {"hex8",       "password:",     "password:0", "password:1025",
                                      "password:x", "password:12:3", "",           "ed25519:seed"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"K\":\"generate_outlayer_secret:%s\"}", bad[i]);
        assert_int_equal(val(json, OL_KS_SECRETS_ALLOW_DIRECTIVES), OL_E_INVAL);
    }
    char many[2048];
    size_t o = (size_t)snprintf(many, sizeof many, "{");
    for (int i = 0; i < OL_KS_GENERATED_MAX + 1; i++)
        o += (size_t)snprintf(many + o, sizeof many - o,
                              "%s\"K%d\":\"generate_outlayer_secret:hex16\"", i > 0 ? "," : "", i);
    snprintf(many + o, sizeof many - o, "}");
    assert_int_equal(val(many, OL_KS_SECRETS_ALLOW_DIRECTIVES), OL_E_LIMIT);
}

static bool all_in(const char *s, const char *set)
{
    for (; *s != '\0'; s++) {
        if (strchr(set, *s) == NULL)
            return false;
    }
    return true;
}

static void test_expand(void **state)
{
    (void)state;
    const char *in =
        "{\"API\":\"plain\",\"A\":\"generate_outlayer_secret:hex16\","
        "\"B\":\"generate_outlayer_secret:hex32\",\"C\":\"generate_outlayer_secret:hex64\","
        "\"D\":\"generate_outlayer_secret:ed25519\","
        "\"E\":\"generate_outlayer_secret:ed25519_seed\","
        "\"F\":\"generate_outlayer_secret:password\","
        "\"G\":\"generate_outlayer_secret:password:64\"}";
    char *out = NULL, *names = NULL;
    size_t out_len = 0;
    assert_int_equal(
        ol_ks_secrets_expand(in, strlen(in), NULL, 0, false, &out, &out_len, &names, NULL), OL_OK);
    json_t *o = json_loads(out, 0, NULL);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 8);
    assert_string_equal(json_string_value(json_object_get(o, "API")), "plain");
    assert_null(json_object_get(o, "A"));
    const char *hex = "0123456789abcdef";
    const char *alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const char *v = json_string_value(json_object_get(o, "PROTECTED_A"));
    assert_int_equal(strlen(v), 32);
    assert_true(all_in(v, hex));
    v = json_string_value(json_object_get(o, "PROTECTED_B"));
    assert_int_equal(strlen(v), 64);
    assert_true(all_in(v, hex));
    assert_int_equal(strlen(json_string_value(json_object_get(o, "PROTECTED_C"))), 128);
    v = json_string_value(json_object_get(o, "PROTECTED_D"));
    assert_true(strncmp(v, "ed25519:", 8) == 0);
    ol_near_secret_key sk;
    assert_int_equal(ol_near_secret_key_parse(v, &sk, NULL), OL_OK); /* a usable NEAR key */
    ol_near_secret_key_wipe(&sk);
    assert_int_equal(strlen(json_string_value(json_object_get(o, "PROTECTED_E"))), 64);
    v = json_string_value(json_object_get(o, "PROTECTED_F"));
    assert_int_equal(strlen(v), 32);
    assert_true(all_in(v, alnum));
    assert_int_equal(strlen(json_string_value(json_object_get(o, "PROTECTED_G"))), 64);
    /* The names summary names, never values. */
    json_t *nm = json_loads(names, 0, NULL);
    assert_non_null(nm);
    assert_int_equal(json_array_size(json_object_get(nm, "keys")), 8);
    assert_int_equal(json_array_size(json_object_get(nm, "generated")), 7);
    assert_int_equal(json_array_size(json_object_get(nm, "preserved")), 0);
    assert_null(strstr(names, json_string_value(json_object_get(o, "PROTECTED_B"))));
    json_decref(nm);
    free(names);

    /* Update: previous PROTECTED_ values are kept, previous plain values are not. */
    char *out2 = NULL, *names2 = NULL;
    size_t out2_len = 0;
    const char *upd = "{\"API\":\"new\",\"H\":\"generate_outlayer_secret:hex16\"}";
    assert_int_equal(ol_ks_secrets_expand(upd, strlen(upd), out, out_len, false, &out2, &out2_len,
                                          &names2, NULL),
                     OL_OK);
    json_t *o2 = json_loads(out2, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(o2, "API")), "new");
    assert_string_equal(json_string_value(json_object_get(o2, "PROTECTED_B")),
                        json_string_value(json_object_get(o, "PROTECTED_B")));
    assert_non_null(json_object_get(o2, "PROTECTED_H"));
    assert_int_equal(json_object_size(o2), 9);
    json_t *nm2 = json_loads(names2, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(nm2, "preserved")), 7);
    json_decref(nm2);
    json_decref(o2);
    free(names2);
    ol_ks_wipe_free(out2, out2_len + 1);

    /* Regenerating an existing PROTECTED_ value: refused unless asked. */
    const char *regen = "{\"B\":\"generate_outlayer_secret:hex32\"}";
    ol_diag d = {0};
    assert_int_equal(
        ol_ks_secrets_expand(regen, strlen(regen), out, out_len, false, &out2, &out2_len, NULL, &d),
        OL_E_EXISTS);
    assert_non_null(strstr(d.msg, "PROTECTED_B"));
    assert_int_equal(ol_ks_secrets_expand(regen, strlen(regen), out, out_len, true, &out2,
                                          &out2_len, NULL, NULL),
                     OL_OK);
    o2 = json_loads(out2, 0, NULL);
    assert_string_not_equal(json_string_value(json_object_get(o2, "PROTECTED_B")),
                            json_string_value(json_object_get(o, "PROTECTED_B")));
    json_decref(o2);
    ol_ks_wipe_free(out2, out2_len + 1);

    /* Manual PROTECTED_ names and reserved names are refused here too. */
    const char *manual = "{\"PROTECTED_B\":\"mine\"}";
    assert_int_equal(
        ol_ks_secrets_expand(manual, strlen(manual), NULL, 0, false, &out2, &out2_len, NULL, NULL),
        OL_E_INVAL);
    const char *res = "{\"NEAR_SENDER_ID\":\"x\"}";
    assert_int_equal(
        ol_ks_secrets_expand(res, strlen(res), NULL, 0, false, &out2, &out2_len, NULL, NULL),
        OL_E_INVAL);
    json_decref(o);
    ol_ks_wipe_free(out, out_len + 1);
}

int main(void)
{
    if (ol_ks_init(NULL) != OL_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_expand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
