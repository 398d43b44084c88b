/* Keys, signatures and account ids: the V9 key vectors (64-byte and 32-byte secret forms,
 * sign(sha256("message"))), the public keys of the V1/V2/V5 secrets, text forms of every key
 * type, wrong lengths and prefixes, inconsistent secret keys, secrets never quoted in errors,
 * and NEAR's account-id rules with the near-account-id crate's own valid/invalid lists. */
#include <stdlib.h>
#include <string.h>

#include "ol/near.h"
#include "test.h"

static void pub_of_secret_is(const char *secret, const char *want)
{
    ol_near_secret_key sk;
    ol_diag d = {0};
    assert_int_equal(ol_near_secret_key_parse(secret, &sk, &d), OL_OK);
    ol_near_public_key pk;
    ol_near_secret_key_public(&sk, &pk);
    char text[OL_NEAR_KEY_STR_MAX];
    size_t n = ol_near_public_key_format(&pk, text);
    assert_string_equal(text, want);
    assert_int_equal(n, strlen(want));
    ol_near_secret_key_wipe(&sk);
    for (size_t i = 0; i < sizeof sk.bytes; i++)
        assert_int_equal(sk.bytes[i], 0);
}

static void test_public_keys_of_vectors(void **state)
{
    (void)state;
    /* V9 */
    pub_of_secret_is("ed25519:26x56YPzPDro5t2smQfGcYAPy3j7R2jB2NUb7xKbAGK23B6x4WNQPh3twb6oDksFov5X"
                     "8ts5CtntUNbpQpAKFdbR",
                     "ed25519:AYWv9RAN1hpSQA4p1DLhCNnpnNXwxhfH9qeHN8B4nJ59");
    pub_of_secret_is("ed25519:5JueXZhEEVqGVT5powZ5twyPP8wrap2K7RdAYGGdjBwiBdd7Hh6aQxMP1u3Ma9Yanq1n"
                     "Ev32EW7u8kUJsZ6f315C",
                     "ed25519:EWrekY1deMND7N3Q7Dixxj12wD7AVjFRt2H9q21QHUSW");
    pub_of_secret_is("ed25519:4RDn17Y8bm6FRg57BhW7eVnrHTF2nsmRfkj1nPXR1zYB",
                     "ed25519:Bpz2oUnMM8MM8trXmdAJW5sS1TtPkMot4cosa16ZeYFQ");
    /* V1, V2, V5 */
    pub_of_secret_is("ed25519:3hoMW1HvnRLSFCLZnvPzWeoGwtdHzke34B2cTHM8rhcbG3TbuLKtShTv3DvyejnXKXKB"
                     "iV7YPkLeqUHN1ghnqpFv",
                     "ed25519:Anu7LYDfpLtkP7E16LT9imXF694BdQaa9ufVkQiwTQxC");
    pub_of_secret_is("ed25519:sDa8GRWHy16zXzE5ALViy17miA7Lo39DWp8DY5HsTBEayarAWefzbgXmSpW4f8tQn3V8"
                     "odsY7yGLGmgGaQN2BBF",
                     "ed25519:HkUguY5kMS6z7ogEYdTNbBBqCkT2AZCm32JCfFWGPR5B");
    pub_of_secret_is("ed25519:3FyRtUUMxiNT1g2ST6mbj7W1CN7KfQBbomawC7YG4A1zwHmw2TRsn1Wc8NaFcBCoJDu3"
                     "zt3znJDSwKQ31oRaKXH7",
                     "ed25519:2RM3EotCzEiVobm6aMjaup43k8cFffR4KHFtrqbZ79Qy");
    /* The prefix may be omitted. */
    pub_of_secret_is("4RDn17Y8bm6FRg57BhW7eVnrHTF2nsmRfkj1nPXR1zYB",
                     "ed25519:Bpz2oUnMM8MM8trXmdAJW5sS1TtPkMot4cosa16ZeYFQ");
}

static void test_implicit_account(void **state)
{
    (void)state;
    ol_near_public_key pk;
    assert_int_equal(
        ol_near_public_key_parse("ed25519:Bpz2oUnMM8MM8trXmdAJW5sS1TtPkMot4cosa16ZeYFQ", &pk, NULL),
        OL_OK);
    char id[OL_NEAR_ACCOUNT_ID_MAX];
    assert_int_equal(ol_near_implicit_account_id(&pk, id, NULL), OL_OK);
    assert_string_equal(id, "a0dfa70b1573f54869a046262c35bd56f1e10584bc685c69697e90393e151d07");
    assert_true(ol_near_account_id_is_valid(id, strlen(id)));
    assert_int_equal(ol_near_account_id_kind(id, strlen(id)), OL_NEAR_ACCOUNT_NEAR_IMPLICIT);
    assert_int_equal(ol_near_account_id_kind("alice.near", 10), OL_NEAR_ACCOUNT_NAMED);
    const char *eth = "0xb794f5ea0ba39494ce839613fffba74279579268";
    assert_true(ol_near_account_id_is_valid(eth, strlen(eth)));
    assert_int_equal(ol_near_account_id_kind(eth, strlen(eth)), OL_NEAR_ACCOUNT_ETH_IMPLICIT);
    /* 64 characters that are not all hex: named. */
    const char *named = "g0dfa70b1573f54869a046262c35bd56f1e10584bc685c69697e90393e151d07";
    assert_int_equal(ol_near_account_id_kind(named, 64), OL_NEAR_ACCOUNT_NAMED);

    ol_near_public_key secp;
    memset(&secp, 0, sizeof secp);
    secp.type = OL_NEAR_KEY_SECP256K1;
    ol_diag d = {0};
    assert_int_equal(ol_near_implicit_account_id(&secp, id, &d), OL_E_INVAL);
}

static void test_sign_message_vector(void **state)
{
    (void)state;
    ol_near_secret_key sk;
    assert_int_equal(ol_near_secret_key_parse("ed25519:26x56YPzPDro5t2smQfGcYAPy3j7R2jB2NUb7xKbAGK"
                                              "23B6x4WNQPh3twb6oDksFov5X8ts5CtntUNbpQpAKFdbR",
                                              &sk, NULL),
                     OL_OK);
    uint8_t h[32];
    ol_near_sha256((const uint8_t *)"message", 7, h);
    ol_near_signature sig;
    ol_near_sign(&sk, h, sizeof h, &sig);
    char b58[128];
    assert_int_equal(ol_near_base58_encode(sig.data, 64, b58, sizeof b58, NULL, NULL), OL_OK);
    assert_string_equal(b58,
                        "26gFr4xth7W9K7HPWAxq3BLsua8oTy378mC1MYFiEXHBBpeBjP8WmJEJo8XTBowetvqbRsh"
                        "cQEtBUdwQcAqDyP8T");
    ol_near_public_key pk;
    ol_near_secret_key_public(&sk, &pk);
    assert_int_equal(ol_near_verify(&pk, h, sizeof h, &sig, NULL), OL_OK);
    h[0] ^= 1;
    ol_diag d = {0};
    assert_int_equal(ol_near_verify(&pk, h, sizeof h, &sig, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "does not verify"));

    /* Signature text round trip, and the bare form. */
    char text[OL_NEAR_KEY_STR_MAX];
    ol_near_signature_format(&sig, text);
    assert_int_equal(strncmp(text, "ed25519:", 8), 0);
    assert_string_equal(text + 8, b58);
    ol_near_signature back;
    assert_int_equal(ol_near_signature_parse(text, &back, NULL), OL_OK);
    assert_memory_equal(back.data, sig.data, 64);
    assert_int_equal(ol_near_signature_parse(b58, &back, NULL), OL_OK);
    assert_int_equal(back.type, OL_NEAR_KEY_ED25519);

    /* A secp256k1 signature: parsed and printed, but not verifiable here; type mismatch. */
    uint8_t raw65[65];
    memset(raw65, 7, sizeof raw65);
    char s65[OL_NEAR_KEY_STR_MAX] = "secp256k1:";
    assert_int_equal(ol_near_base58_encode(raw65, 65, s65 + 10, sizeof s65 - 10, NULL, NULL),
                     OL_OK);
    ol_near_signature secp;
    assert_int_equal(ol_near_signature_parse(s65, &secp, NULL), OL_OK);
    assert_int_equal(secp.type, OL_NEAR_KEY_SECP256K1);
    ol_near_signature_format(&secp, text);
    assert_string_equal(text, s65);
    assert_int_equal(ol_near_verify(&pk, h, sizeof h, &secp, &d), OL_E_INVAL);
    ol_near_public_key spk;
    memset(&spk, 0, sizeof spk);
    spk.type = OL_NEAR_KEY_SECP256K1;
    assert_int_equal(ol_near_verify(&spk, h, sizeof h, &secp, &d), OL_E_UNSUPPORTED);
    ol_near_secret_key_wipe(&sk);
}

static void test_generate_and_seed(void **state)
{
    (void)state;
    ol_near_secret_key a, b;
    assert_int_equal(ol_near_secret_key_generate(&a, NULL), OL_OK);
    assert_int_equal(ol_near_secret_key_generate(&b, NULL), OL_OK);
    assert_memory_not_equal(a.bytes, b.bytes, 64);
    /* The 64-byte text of a fresh key parses back to the same key. */
    char text[OL_NEAR_KEY_STR_MAX];
    ol_near_secret_key_format(&a, text);
    ol_near_secret_key back;
    assert_int_equal(ol_near_secret_key_parse(text, &back, NULL), OL_OK);
    assert_memory_equal(back.bytes, a.bytes, 64);
    /* Seed form: from_seed(first half) gives the same key. */
    ol_near_secret_key from_seed;
    ol_near_secret_key_from_seed(a.bytes, &from_seed);
    assert_memory_equal(from_seed.bytes, a.bytes, 64);
    uint8_t msg[3] = {1, 2, 3};
    ol_near_signature sig;
    ol_near_sign(&a, msg, sizeof msg, &sig);
    ol_near_public_key pk;
    ol_near_secret_key_public(&a, &pk);
    assert_int_equal(ol_near_verify(&pk, msg, sizeof msg, &sig, NULL), OL_OK);
    ol_near_public_key pkb;
    ol_near_secret_key_public(&b, &pkb);
    assert_false(ol_near_public_key_eq(&pk, &pkb));
    assert_int_equal(ol_near_verify(&pkb, msg, sizeof msg, &sig, NULL), OL_E_INVAL);
    ol_near_secret_key_wipe(&a);
    ol_near_secret_key_wipe(&b);
    ol_near_secret_key_wipe(&back);
    ol_near_secret_key_wipe(&from_seed);
}

/* Base58 text of n bytes of value v, with a prefix. */
static void key_text(char *out, size_t cap, const char *prefix, size_t n, uint8_t v)
{
    uint8_t raw[128];
    memset(raw, v, n);
    size_t pl = strlen(prefix);
    memcpy(out, prefix, pl);
    assert_int_equal(ol_near_base58_encode(raw, n, out + pl, cap - pl, NULL, NULL), OL_OK);
}

static void test_wrong_lengths_and_prefixes(void **state)
{
    (void)state;
    char text[256];
    ol_near_public_key pk;
    ol_near_signature sig;
    ol_near_secret_key sk;
    ol_diag d = {0};

    static const size_t pk_bad[] = {0, 1, 31, 33, 64};
    for (size_t i = 0; i < sizeof pk_bad / sizeof pk_bad[0]; i++) {
        key_text(text, sizeof text, "ed25519:", pk_bad[i], 9);
        assert_int_equal(ol_near_public_key_parse(text, &pk, &d), OL_E_MALFORMED);
    }
    key_text(text, sizeof text, "ed25519:", 32, 9);
    assert_int_equal(ol_near_public_key_parse(text, &pk, NULL), OL_OK);
    key_text(text, sizeof text, "secp256k1:", 64, 9);
    assert_int_equal(ol_near_public_key_parse(text, &pk, NULL), OL_OK);
    assert_int_equal(pk.type, OL_NEAR_KEY_SECP256K1);
    char back[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&pk, back);
    assert_string_equal(back, text);
    key_text(text, sizeof text, "secp256k1:", 32, 9);
    assert_int_equal(ol_near_public_key_parse(text, &pk, &d), OL_E_MALFORMED);
    key_text(text, sizeof text, "secp256k1:", 65, 9);
    assert_int_equal(ol_near_public_key_parse(text, &pk, &d), OL_E_MALFORMED);
    key_text(text, sizeof text, "ed448:", 32, 9);
    assert_int_equal(ol_near_public_key_parse(text, &pk, &d), OL_E_UNSUPPORTED);
    key_text(text, sizeof text, "ED25519:", 32, 9);
    assert_int_equal(ol_near_public_key_parse(text, &pk, &d), OL_E_UNSUPPORTED);
    assert_int_equal(ol_near_public_key_parse("ed25519:", &pk, &d), OL_E_MALFORMED);
    assert_int_equal(ol_near_public_key_parse("ed25519:0OIl", &pk, &d), OL_E_MALFORMED);
    assert_int_equal(ol_near_public_key_parse(NULL, &pk, &d), OL_E_MALFORMED);
    assert_int_equal(ol_near_public_key_parse("ed25519:ed25519:abc", &pk, &d), OL_E_MALFORMED);
    /* Very long input stops early. */
    char huge[3000] = "ed25519:";
    memset(huge + 8, 'z', sizeof huge - 9);
    huge[sizeof huge - 1] = '\0';
    assert_int_equal(ol_near_public_key_parse(huge, &pk, &d), OL_E_MALFORMED);

    static const size_t sig_bad[] = {0, 63, 65};
    for (size_t i = 0; i < sizeof sig_bad / sizeof sig_bad[0]; i++) {
        key_text(text, sizeof text, "ed25519:", sig_bad[i], 3);
        assert_int_equal(ol_near_signature_parse(text, &sig, &d), OL_E_MALFORMED);
    }
    key_text(text, sizeof text, "secp256k1:", 64, 3);
    assert_int_equal(ol_near_signature_parse(text, &sig, &d), OL_E_MALFORMED);

    static const size_t sk_bad[] = {0, 31, 33, 63, 65, 96};
    for (size_t i = 0; i < sizeof sk_bad / sizeof sk_bad[0]; i++) {
        key_text(text, sizeof text, "ed25519:", sk_bad[i], 5);
        assert_int_equal(ol_near_secret_key_parse(text, &sk, &d), OL_E_MALFORMED);
    }
    key_text(text, sizeof text, "secp256k1:", 32, 5);
    assert_int_equal(ol_near_secret_key_parse(text, &sk, &d), OL_E_UNSUPPORTED);
    /* A 64-byte key whose public half is not derived from its seed. */
    key_text(text, sizeof text, "ed25519:", 64, 5);
    assert_int_equal(ol_near_secret_key_parse(text, &sk, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "public half"));
}

static void test_secret_never_in_messages(void **state)
{
    (void)state;
    /* Invalid secret texts of several kinds: none of their base58 may appear in the message. */
    static const char *const bad[] = {
        "ed25519:"
        "26x56YPzPDro5t2smQfGcYAPy3j7R2jB2NUb7xKbAGK23B6x4WNQPh3twb6oDksFov5X8ts5CtntUNbpQpA"
        "KFdbX", /* altered public half */
        "ed25519:"
        "26x56YPzPDro5t2smQfGcYAPy3j7R2jB2NUb7xKbAGK23B6x4WNQPh3twb6oDksFov5X8ts5CtntUNbpQpA"
        "KFd0R", /* invalid character */
        "ed25519:"
        "26x56YPzPDro5t2smQfGcYAPy3j7R2jB2NUb7xKbAGK23B6x4WNQPh3twb6oDksFov5X8ts5CtntUNbpQpA"
        "KFdbR26x56YPz", /* too long */
        "weird:"
        "26x56YPzPDro5t2smQfGcYAPy3j7R2jB2NUb7xKbAGK23B6x4WNQPh3twb6oDksFov5X8ts5CtntUNbpQpAKF"
        "dbR",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ol_near_secret_key sk;
        ol_diag d = {0};
        assert_int_not_equal(ol_near_secret_key_parse(bad[i], &sk, &d), OL_OK);
        assert_true(d.msg[0] != '\0');
        assert_null(strstr(d.msg, "26x56"));
        assert_null(strstr(d.msg, "KFdb"));
        assert_null(strstr(d.msg, "YPzPD"));
    }
}

/* The lists of the near-account-id crate's tests. */
static void test_account_ids(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "aa",
        "a-a",
        "a-aa",
        "100",
        "0o",
        "com",
        "near",
        "bowen",
        "b-o_w_e-n",
        "b.owen",
        "bro.wen",
        "a.ha",
        "a.b-a.ra",
        "system",
        "over.9000",
        "google.com",
        "illia.cheapaccounts.near",
        "0o0ooo00oo00o",
        "alex-skidanov",
        "10-4.8-2",
        "b-o_w_e-n",
        "no_lols",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "near.a",
        "a.near",
        "sender.testnet",
        "0xb794f5ea0ba39494ce839613fffba74279579268",
    };
    static const char *const bad[] = {
        "",
        "a",
        "A",
        "Abc",
        "-near",
        "near-",
        "-near-",
        "near.",
        ".near",
        "near@",
        "@near",
        "\xd0\xbd\xd0\xb5\xd0\xb0\xd1\x80",
        "@@@@@",
        "0__0",
        "0_-_0",
        "..",
        "a..near",
        "nEar",
        "_bowen",
        "hello world",
        "abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz",
        "01234567890123456789012345678901234567890123456789012345678901234",
        "a.",
        "a-",
        "a_",
        "alice\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ol_diag d = {0};
        if (ol_near_account_id_validate(ok[i], strlen(ok[i]), &d) != OL_OK)
            fail_msg("'%s' should be valid: %s", ok[i], d.msg);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ol_diag d = {0};
        if (ol_near_account_id_validate(bad[i], strlen(bad[i]), &d) != OL_E_INVAL)
            fail_msg("'%s' should be invalid", bad[i]);
        assert_true(d.msg[0] != '\0');
        assert_false(ol_near_account_id_is_valid(bad[i], strlen(bad[i])));
    }
    /* An embedded NUL is an invalid character, not the end of the id. */
    assert_false(ol_near_account_id_is_valid("ab\0cd", 5));
    ol_diag d = {0};
    ol_near_account_id_validate("Alice", 5, &d);
    assert_non_null(strstr(d.msg, "'A' at 0"));
    ol_near_account_id_validate("a..b", 4, &d);
    assert_non_null(strstr(d.msg, "doubled separator at 2"));
    assert_int_equal(ol_near_account_id_validate(NULL, 0, &d), OL_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_keys_of_vectors),
        cmocka_unit_test(test_implicit_account),
        cmocka_unit_test(test_sign_message_vector),
        cmocka_unit_test(test_generate_and_seed),
        cmocka_unit_test(test_wrong_lengths_and_prefixes),
        cmocka_unit_test(test_secret_never_in_messages),
        cmocka_unit_test(test_account_ids),
    };
    if (ol_near_init(NULL) != OL_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
