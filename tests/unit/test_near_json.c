/* JSON forms: the issue's `--actions` example parsed action by action, printed back in the same
 * form and re-parsed to identical borsh; args_json serialised compactly; every kind of bad input
 * named by path; transactions as JSON (V1); and NEP-297 events with the exact EVENT_JSON rule. */
#include <stdlib.h>
#include <string.h>

#include "ol/near.h"
#include "support/faultsim.h"
#include "test.h"

#define PK1 "ed25519:Anu7LYDfpLtkP7E16LT9imXF694BdQaa9ufVkQiwTQxC"
#define PK2 "ed25519:2RM3EotCzEiVobm6aMjaup43k8cFffR4KHFtrqbZ79Qy"

/* The example of issue #5, with real keys and code. */
static const char issue_example[] =
    "[\"CreateAccount\", {\"DeployContract\":{\"code_base64\":\"AGFzbQEAAAA=\"}},\n"
    "{\"FunctionCall\":{\"method_name\":\"m\",\"args_base64\":\"e30=\",\"gas\":30000000000000,"
    "\"deposit\":\"0\"}},\n"
    "{\"Transfer\":{\"deposit\":\"1\"}}, {\"Stake\":{\"stake\":\"1\",\"public_key\":\"" PK1
    "\"}},\n"
    "{\"AddKey\":{\"public_key\":\"" PK1
    "\",\"access_key\":{\"nonce\":0,\"permission\":\"FullAccess\"}}},\n"
    "{\"AddKey\":{\"public_key\":\"" PK2 "\",\"access_key\":{\"nonce\":0,\"permission\":"
    "{\"FunctionCall\":{\"allowance\":null,\"receiver_id\":\"r\",\"method_names\":[\"a\",\"b\"]}}}}"
    "},"
    "\n{\"DeleteKey\":{\"public_key\":\"" PK1 "\"}}, "
    "{\"DeleteAccount\":{\"beneficiary_id\":\"bob.near\"}}]";

static ol_near_arena *new_arena(void)
{
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    return ar;
}

static void encode_actions(const ol_near_action *a, size_t n, ol_near_buf *b)
{
    ol_near_buf_init(b, NULL);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ol_near_action_encode(&a[i], b, NULL), OL_OK);
}

static void test_issue_example(void **state)
{
    (void)state;
    ol_near_arena *ar = new_arena();
    const ol_near_action *a = NULL;
    size_t n = 0;
    ol_diag d = {0};
    if (ol_near_actions_from_json(issue_example, strlen(issue_example), ar, &a, &n, &d) != OL_OK)
        fail_msg("%s", d.msg);
    assert_int_equal(n, 9);
    assert_int_equal(a[0].kind, OL_NEAR_ACTION_CREATE_ACCOUNT);
    assert_int_equal(a[1].kind, OL_NEAR_ACTION_DEPLOY_CONTRACT);
    assert_int_equal(a[1].deploy_contract.code.len, 8);
    assert_memory_equal(a[1].deploy_contract.code.p, "\0asm\1\0\0\0", 8);
    assert_int_equal(a[2].kind, OL_NEAR_ACTION_FUNCTION_CALL);
    assert_string_equal(a[2].function_call.method_name.p, "m");
    assert_int_equal(a[2].function_call.args.len, 2);
    assert_memory_equal(a[2].function_call.args.p, "{}", 2);
    assert_int_equal(a[2].function_call.gas, 30000000000000ull);
    assert_true(ol_near_u128_is_zero(a[2].function_call.deposit));
    assert_int_equal(a[3].transfer.deposit.lo, 1);
    assert_int_equal(a[4].stake.stake.lo, 1);
    assert_true(a[5].add_key.access_key.full_access);
    const ol_near_access_key *ak = &a[6].add_key.access_key;
    assert_false(ak->full_access);
    assert_false(ak->has_allowance);
    assert_string_equal(ak->receiver_id.p, "r");
    assert_int_equal(ak->n_method_names, 2);
    assert_string_equal(ak->method_names[0].p, "a");
    assert_int_equal(a[7].kind, OL_NEAR_ACTION_DELETE_KEY);
    assert_string_equal(a[8].delete_account.beneficiary_id, "bob.near");

    /* Printed in the same form; parsing the print gives the same borsh. */
    const char *json = NULL;
    assert_int_equal(ol_near_actions_to_json(a, n, ar, &json, NULL), OL_OK);
    assert_string_equal(
        json, "[\"CreateAccount\",{\"DeployContract\":{\"code_base64\":\"AGFzbQEAAAA=\"}},"
              "{\"FunctionCall\":{\"method_name\":\"m\",\"args_base64\":\"e30=\",\"gas\":"
              "30000000000000,\"deposit\":\"0\"}},{\"Transfer\":{\"deposit\":\"1\"}},"
              "{\"Stake\":{\"stake\":\"1\",\"public_key\":\"" PK1 "\"}},"
              "{\"AddKey\":{\"public_key\":\"" PK1 "\",\"access_key\":{\"nonce\":0,\"permission\":"
              "\"FullAccess\"}}},{\"AddKey\":{\"public_key\":\"" PK2 "\",\"access_key\":{\"nonce\":"
              "0,\"permission\":{\"FunctionCall\":{\"allowance\":null,\"receiver_id\":\"r\","
              "\"method_names\":[\"a\",\"b\"]}}}}},{\"DeleteKey\":{\"public_key\":\"" PK1 "\"}},"
              "{\"DeleteAccount\":{\"beneficiary_id\":\"bob.near\"}}]");
    const ol_near_action *a2 = NULL;
    size_t n2 = 0;
    assert_int_equal(ol_near_actions_from_json(json, strlen(json), ar, &a2, &n2, NULL), OL_OK);
    ol_near_buf b1, b2;
    encode_actions(a, n, &b1);
    encode_actions(a2, n2, &b2);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.p, b2.p, b1.len);
    ol_near_buf_fini(&b1);
    ol_near_buf_fini(&b2);
    ol_near_arena_free(ar);
}

static void test_args_json_and_variants(void **state)
{
    (void)state;
    ol_near_arena *ar = new_arena();
    const ol_near_action *a = NULL;
    size_t n = 0;
    static const char js[] =
        "[{\"FunctionCall\":{\"method_name\":\"ft_transfer\",\"args_json\":"
        "{ \"receiver_id\" : \"bob.near\", \"amount\": \"1\", \"memo\": null, \"z\": [1, 2] },"
        "\"gas\":\"18446744073709551615\",\"deposit\":\"1.5 NEAR\"}},"
        "{\"CreateAccount\":{}},"
        "{\"AddKey\":{\"public_key\":\"" PK1 "\",\"access_key\":{\"nonce\":\"5\",\"permission\":"
        "{\"FunctionCall\":{\"allowance\":\"250\",\"receiver_id\":\"c.near\"}}}}},"
        "{\"FunctionCall\":{\"method_name\":\"m\",\"args_json\":\"text\",\"gas\":1,"
        "\"deposit\":\"0\"}},"
        "{\"FunctionCall\":{\"method_name\":\"m\",\"gas\":1,\"deposit\":\"0\"}}]";
    ol_diag d = {0};
    if (ol_near_actions_from_json(js, strlen(js), ar, &a, &n, &d) != OL_OK)
        fail_msg("%s", d.msg);
    assert_int_equal(n, 5);
    const char *want = "{\"receiver_id\":\"bob.near\",\"amount\":\"1\",\"memo\":null,\"z\":[1,2]}";
    assert_int_equal(a[0].function_call.args.len, strlen(want));
    assert_memory_equal(a[0].function_call.args.p, want, strlen(want));
    assert_int_equal(a[0].function_call.gas, UINT64_MAX);
    char dep[OL_NEAR_U128_STR_MAX];
    ol_near_u128_format(a[0].function_call.deposit, dep);
    assert_string_equal(dep, "1500000000000000000000000");
    assert_int_equal(a[1].kind, OL_NEAR_ACTION_CREATE_ACCOUNT);
    assert_int_equal(a[2].add_key.access_key.nonce, 5);
    assert_true(a[2].add_key.access_key.has_allowance);
    assert_int_equal(a[2].add_key.access_key.allowance.lo, 250);
    assert_int_equal(a[2].add_key.access_key.n_method_names, 0);
    assert_memory_equal(a[3].function_call.args.p, "\"text\"", 6);
    assert_int_equal(a[4].function_call.args.len, 0);

    /* gas above INT64_MAX prints as a string, and reads back. */
    const char *json = NULL;
    assert_int_equal(ol_near_actions_to_json(a, 1, ar, &json, NULL), OL_OK);
    assert_non_null(strstr(json, "\"gas\":\"18446744073709551615\""));
    assert_non_null(strstr(json, "\"args_base64\":\""));
    const ol_near_action *back = NULL;
    size_t nb = 0;
    assert_int_equal(ol_near_actions_from_json(json, strlen(json), ar, &back, &nb, NULL), OL_OK);
    assert_int_equal(back[0].function_call.gas, UINT64_MAX);
    assert_int_equal(back[0].function_call.args.len, strlen(want));

    /* The JSON need not be NUL-terminated. */
    char copy[64];
    memcpy(copy, "[\"CreateAccount\"]XXXX", 21);
    assert_int_equal(ol_near_actions_from_json(copy, 17, ar, &a, &n, NULL), OL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ol_near_actions_from_json("[]", 2, ar, &a, &n, NULL), OL_OK);
    assert_int_equal(n, 0);
    ol_near_arena_free(ar);
}

static void test_delegate_json(void **state)
{
    (void)state;
    ol_near_arena *ar = new_arena();
    static const char js[] =
        "[{\"Delegate\":{\"delegate_action\":{\"sender_id\":\"aaa\",\"receiver_id\":\"bbb\","
        "\"actions\":[\"CreateAccount\"],\"nonce\":1,\"max_block_height\":2,\"public_key\":"
        "\"ed25519:11111111111111111111111111111111\"},\"signature\":\"ed25519:"
        "1111111111111111111111111111111111111111111111111111111111111111\"}}]";
    const ol_near_action *a = NULL;
    size_t n = 0;
    ol_diag d = {0};
    if (ol_near_actions_from_json(js, strlen(js), ar, &a, &n, &d) != OL_OK)
        fail_msg("%s", d.msg);
    ol_near_buf b;
    encode_actions(a, n, &b);
    /* V8 */
    char hex[2 * 134 + 1];
    assert_int_equal(ol_near_hex_encode(b.p, b.len, hex, sizeof hex, NULL, NULL), OL_OK);
    assert_int_equal(strncmp(hex, "0803000000616161030000006262620100000000010000000000000002", 58),
                     0);
    assert_int_equal(b.len, 134);
    const char *json = NULL;
    assert_int_equal(ol_near_actions_to_json(a, n, ar, &json, NULL), OL_OK);
    assert_string_equal(json, js);
    ol_near_buf_fini(&b);
    ol_near_arena_free(ar);
}

static void bad_json(const char *js, ol_err want, const char *fragment)
{
    ol_near_arena *ar = new_arena();
    const ol_near_action *a = NULL;
    size_t n = 0;
    ol_diag d = {0};
    ol_err rc = ol_near_actions_from_json(js, strlen(js), ar, &a, &n, &d);
    if (rc != want)
        fail_msg("%s: got %s (%s), want %s", js, ol_err_name(rc), d.msg, ol_err_name(want));
    if (strstr(d.msg, fragment) == NULL)
        fail_msg("%s: message '%s' lacks '%s'", js, d.msg, fragment);
    ol_near_arena_free(ar);
}

static void test_bad_actions_json(void **state)
{
    (void)state;
    bad_json("", OL_E_MALFORMED, "invalid JSON");
    bad_json("[", OL_E_MALFORMED, "invalid JSON");
    bad_json("[] x", OL_E_MALFORMED, "invalid JSON");
    bad_json("{}", OL_E_MALFORMED, "actions: expected an array");
    bad_json("[\"Transfer\"]", OL_E_MALFORMED, "actions[0]: only \"CreateAccount\"");
    bad_json("[42]", OL_E_MALFORMED, "actions[0]: expected");
    bad_json("[{\"Transfer\":{\"deposit\":\"1\"},\"X\":{}}]", OL_E_MALFORMED, "one member");
    bad_json("[{\"Teleport\":{}}]", OL_E_MALFORMED, "unknown action \"Teleport\"");
    bad_json("[{\"Transfer\":[]}]", OL_E_MALFORMED, "actions[0].Transfer: expected an object");
    bad_json("[{\"Transfer\":{}}]", OL_E_MALFORMED, "missing member \"deposit\"");
    bad_json("[{\"Transfer\":{\"deposit\":1}}]", OL_E_MALFORMED, "Transfer.deposit: expected");
    bad_json("[{\"Transfer\":{\"deposit\":\"-1\"}}]", OL_E_INVAL, "Transfer.deposit");
    bad_json("[{\"Transfer\":{\"deposit\":\"340282366920938463463374607431768211456\"}}]",
             OL_E_INVAL, "exceeds");
    bad_json("[{\"Transfer\":{\"deposit\":\"1\",\"amount\":\"2\"}}]", OL_E_MALFORMED,
             "unknown member \"amount\"");
    bad_json("[{\"Transfer\":{\"deposit\":\"1\",\"deposit\":\"2\"}}]", OL_E_MALFORMED,
             "invalid JSON");
    bad_json("[{\"CreateAccount\":{\"x\":1}}]", OL_E_MALFORMED, "takes no members");
    bad_json("[{\"DeployContract\":{\"code_base64\":\"%%%%\"}}]", OL_E_MALFORMED, "code_base64");
    bad_json("[{\"FunctionCall\":{\"method_name\":\"m\",\"args_base64\":\"\",\"args_json\":{},"
             "\"gas\":1,\"deposit\":\"0\"}}]",
             OL_E_MALFORMED, "not both");
    bad_json("[{\"FunctionCall\":{\"method_name\":\"m\",\"gas\":-1,\"deposit\":\"0\"}}]",
             OL_E_INVAL, "gas: negative");
    bad_json("[{\"FunctionCall\":{\"method_name\":\"m\",\"gas\":1.5,\"deposit\":\"0\"}}]",
             OL_E_MALFORMED, "gas: expected an integer");
    bad_json("[{\"FunctionCall\":{\"method_name\":\"m\",\"gas\":\"18446744073709551616\","
             "\"deposit\":\"0\"}}]",
             OL_E_INVAL, "2^64");
    bad_json("[{\"FunctionCall\":{\"method_name\":7,\"gas\":1,\"deposit\":\"0\"}}]", OL_E_MALFORMED,
             "method_name: expected a string");
    bad_json("[{\"Stake\":{\"stake\":\"1\",\"public_key\":\"ed25519:abc\"}}]", OL_E_INVAL,
             "Stake.public_key");
    bad_json("[{\"DeleteKey\":{\"public_key\":\"" PK1 "\\u0000x\"}}]", OL_E_MALFORMED,
             "a string with a NUL");
    bad_json("[{\"AddKey\":{\"public_key\":\"" PK1 "\",\"access_key\":{\"nonce\":0,"
             "\"permission\":\"Full\"}}}]",
             OL_E_MALFORMED, "permission");
    bad_json("[{\"AddKey\":{\"public_key\":\"" PK1 "\",\"access_key\":{\"nonce\":0,"
             "\"permission\":{\"FunctionCall\":{\"receiver_id\":\"r\",\"method_names\":[1]}}}}}]",
             OL_E_MALFORMED, "method_names[0]");
    bad_json("[{\"AddKey\":{\"public_key\":\"" PK1 "\",\"access_key\":{\"nonce\":0}}}]",
             OL_E_MALFORMED, "missing member \"permission\"");
    bad_json("[{\"DeleteAccount\":{\"beneficiary_id\":\"Bob\"}}]", OL_E_INVAL,
             "DeleteAccount.beneficiary_id");
    bad_json("[\"CreateAccount\",\"CreateAccount\",{\"DeleteKey\":{}}]", OL_E_MALFORMED,
             "actions[2].DeleteKey: missing member \"public_key\"");
    bad_json("[{\"Delegate\":{\"delegate_action\":{\"sender_id\":\"aaa\",\"receiver_id\":\"bbb\","
             "\"actions\":[{\"Delegate\":{}}],\"nonce\":1,\"max_block_height\":2,"
             "\"public_key\":\"" PK1 "\"},\"signature\":\"ed25519:1\"}}]",
             OL_E_MALFORMED, "cannot contain a Delegate");
    bad_json("[{\"Delegate\":{\"delegate_action\":{\"sender_id\":\"aaa\",\"receiver_id\":\"bbb\","
             "\"actions\":[],\"nonce\":1,\"max_block_height\":2,"
             "\"public_key\":\"" PK1 "\"},\"signature\":\"ed25519:1\"}}]",
             OL_E_INVAL, "Delegate.signature");
}

static void test_tx_to_json(void **state)
{
    (void)state;
    static const char v1_b64[] =
        "CQAAAHRlc3QubmVhcgCRez0mjUtY9/7BsVC9aNab4+5dTMOYVeNBU4Rlu3eGDQEAAAAAAAAADQAAAHdoYXRldmVy"
        "Lm5lYXIPpHP9JpAd8pa+atxMxN800EDvokNSJLaYaRDmMML+9gEAAAADAQAAAAAAAAAAAAAAAAAAAACWmoMzIYbu"
        "l1Xkg5MlUlgG4Ymj0tK7S0dg6URD6X4cTyLe7vAFmo6XExAO2m4ZFE2n6KDvflObIHCLodjQIb0B";
    uint8_t bytes[256];
    size_t len = 0;
    assert_int_equal(ol_near_base64_decode(v1_b64, strlen(v1_b64), bytes, sizeof bytes, &len, NULL),
                     OL_OK);
    ol_near_arena *ar = new_arena();
    ol_near_signed_tx stx;
    bool is_signed = false;
    assert_int_equal(ol_near_tx_decode_any(bytes, len, ar, &stx, &is_signed, NULL), OL_OK);
    assert_true(is_signed);
    const char *json = NULL;
    assert_int_equal(ol_near_tx_to_json(&stx.tx, &stx.signature, ar, &json, NULL), OL_OK);
    assert_string_equal(
        json, "{\"signer_id\":\"test.near\",\"public_key\":\"" PK1 "\",\"nonce\":1,"
              "\"receiver_id\":\"whatever.near\",\"block_hash\":"
              "\"244ZQ9cgj3CQ6bWBdytfrJMuMQ1jdXLFGnr4HhvtCTnM\",\"actions\":"
              "[{\"Transfer\":{\"deposit\":\"1\"}}],\"signature\":\"ed25519:"
              "41eAXToSZSqFqHCDZKnK7QnYANgRY5mSgHz2P19NaLYqphwsdk4HA6QSd11kdKgqL4wa6hg7"
              "wvwt1V3wE6kbRxWt\",\"hash\":\"H4be6ioGzDeiGKork27na6Usw2Hzt4gNJfetJ7ag3LhP\"}");
    assert_int_equal(ol_near_tx_to_json(&stx.tx, NULL, ar, &json, NULL), OL_OK);
    assert_null(strstr(json, "signature"));
    ol_near_arena_free(ar);
}

/* ---- NEP-297 ---- */

static void event_ok(const char *line, const char *standard, const char *version, const char *event,
                     const char *data)
{
    ol_near_arena *ar = new_arena();
    ol_near_event ev;
    ol_diag d = {0};
    if (ol_near_event_parse(line, strlen(line), ar, &ev, &d) != OL_OK)
        fail_msg("'%s' should be an event: %s", line, d.msg);
    assert_string_equal(ev.standard, standard);
    assert_string_equal(ev.version, version);
    assert_string_equal(ev.event, event);
    if (data == NULL)
        assert_null(ev.data_json);
    else
        assert_string_equal(ev.data_json, data);
    ol_near_arena_free(ar);
}

static void not_event(const char *line, size_t len, const char *fragment)
{
    ol_near_arena *ar = new_arena();
    ol_near_event ev = {"x", "x", "x", "x"};
    ol_diag d = {0};
    ol_err rc = ol_near_event_parse(line, len, ar, &ev, &d);
    if (rc != OL_E_NOTFOUND)
        fail_msg("'%.*s' should not be an event (got %s)", (int)len, line, ol_err_name(rc));
    if (strstr(d.msg, fragment) == NULL)
        fail_msg("'%.*s': message '%s' lacks '%s'", (int)len, line, d.msg, fragment);
    assert_string_equal(ev.standard, "x"); /* untouched */
    ol_near_arena_free(ar);
}

static void test_events(void **state)
{
    (void)state;
    event_ok(
        "EVENT_JSON:{\"standard\":\"nep141\",\"version\":\"1.0.0\",\"event\":\"ft_transfer\","
        "\"data\":[{\"old_owner_id\":\"a.near\",\"new_owner_id\":\"b.near\",\"amount\":\"1\"}]}",
        "nep141", "1.0.0", "ft_transfer",
        "[{\"old_owner_id\":\"a.near\",\"new_owner_id\":\"b.near\",\"amount\":\"1\"}]");
    event_ok("EVENT_JSON: \n{ \"standard\" : \"nep171\", \"version\": \"1.2.0\", "
             "\"event\": \"nft_mint\" }  ",
             "nep171", "1.2.0", "nft_mint", NULL);
    event_ok("EVENT_JSON:{\"standard\":\"sequential\",\"version\":\"1.0.0\",\"event\":"
             "\"intent_submitted\",\"data\":{\"intent_id\":\"3\"},\"extra\":true}",
             "sequential", "1.0.0", "intent_submitted", "{\"intent_id\":\"3\"}");
    event_ok("EVENT_JSON:{\"standard\":\"dip4\",\"version\":\"0.3.0\",\"event\":\"x\","
             "\"data\":null}",
             "dip4", "0.3.0", "x", "null");

    const char *s;
    s = "trace:{\"ev\":\"intent_submitted\",\"id\":0}";
    not_event(s, strlen(s), "prefix");
    s = "EVENT_JSON :{\"standard\":\"a\",\"version\":\"1\",\"event\":\"e\"}";
    not_event(s, strlen(s), "prefix");
    s = " EVENT_JSON:{\"standard\":\"a\",\"version\":\"1\",\"event\":\"e\"}";
    not_event(s, strlen(s), "prefix");
    s = "event_json:{\"standard\":\"a\",\"version\":\"1\",\"event\":\"e\"}";
    not_event(s, strlen(s), "prefix");
    s = "EVENT_JSON";
    not_event(s, strlen(s), "prefix");
    s = "EVENT_JSON:";
    not_event(s, strlen(s), "invalid JSON");
    s = "EVENT_JSON:{\"standard\":\"a\",\"version\":\"1\",\"event\":\"e\"";
    not_event(s, strlen(s), "invalid JSON");
    s = "EVENT_JSON:{\"standard\":\"a\",\"version\":\"1\",\"event\":\"e\"} {}";
    not_event(s, strlen(s), "invalid JSON");
    s = "EVENT_JSON:[{\"standard\":\"a\",\"version\":\"1\",\"event\":\"e\"}]";
    not_event(s, strlen(s), "not an object");
    s = "EVENT_JSON:\"text\"";
    not_event(s, strlen(s), "not an object");
    s = "EVENT_JSON:{\"version\":\"1\",\"event\":\"e\"}";
    not_event(s, strlen(s), "missing \"standard\"");
    s = "EVENT_JSON:{\"standard\":\"a\",\"event\":\"e\"}";
    not_event(s, strlen(s), "missing \"version\"");
    s = "EVENT_JSON:{\"standard\":\"a\",\"version\":\"1\"}";
    not_event(s, strlen(s), "missing \"event\"");
    s = "EVENT_JSON:{\"standard\":1,\"version\":\"1\",\"event\":\"e\"}";
    not_event(s, strlen(s), "\"standard\" is not a string");
    s = "EVENT_JSON:{\"standard\":\"a\",\"version\":\"1\",\"event\":null}";
    not_event(s, strlen(s), "\"event\" is not a string");
    s = "EVENT_JSON:{\"standard\":\"a\",\"standard\":\"b\",\"version\":\"1\",\"event\":\"e\"}";
    not_event(s, strlen(s), "invalid JSON");
    /* A line cut short by its length, and one with an embedded NUL. */
    s = "EVENT_JSON:{\"standard\":\"a\",\"version\":\"1\",\"event\":\"e\"}";
    not_event(s, strlen(s) - 1, "invalid JSON");
    not_event("EVENT_JSON:{\"standard\":\"a\"\0}", 29, "invalid JSON");
    not_event(NULL, 0, "prefix");
}

static ol_err parse_issue_example(const ol_allocator *a, void *ud)
{
    (void)ud;
    ol_near_arena *ar = NULL;
    ol_err rc = ol_near_arena_new(a, &ar, NULL);
    if (rc != OL_OK)
        return rc;
    const ol_near_action *acts = NULL;
    size_t n = 0;
    const char *json = NULL;
    rc = ol_near_actions_from_json(issue_example, strlen(issue_example), ar, &acts, &n, NULL);
    if (rc == OL_OK)
        rc = ol_near_actions_to_json(acts, n, ar, &json, NULL);
    ol_near_event ev;
    static const char line[] = "EVENT_JSON:{\"standard\":\"nep141\",\"version\":\"1.0.0\","
                               "\"event\":\"ft_mint\",\"data\":[{\"owner_id\":\"a\"}]}";
    if (rc == OL_OK)
        rc = ol_near_event_parse(line, strlen(line), ar, &ev, NULL);
    ol_near_arena_free(ar);
    return rc;
}

static void test_arena_allocation_failures(void **state)
{
    (void)state;
    /* Only the arena's allocations go through the counter (jansson uses its own). */
    assert_true(ol_test_fault_loop(parse_issue_example, NULL, 100) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_example),
        cmocka_unit_test(test_args_json_and_variants),
        cmocka_unit_test(test_delegate_json),
        cmocka_unit_test(test_bad_actions_json),
        cmocka_unit_test(test_tx_to_json),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_arena_allocation_failures),
    };
    if (ol_near_init(NULL) != OL_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
