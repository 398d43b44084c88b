/* NEP-413 off-chain messages (vector V5, three variants) and NEP-366 delegate actions with the
 * NEP-461 prefix (vector V6): preimages, hashes, signatures, the signed borsh that
 * gate.submit_intent takes, verification and tampering, and the prefix constants (V9). */
#include <stdlib.h>
#include <string.h>

#include "ol/near.h"
#include "test.h"

#define V5_SK                                                                               \
    "ed25519:"                                                                              \
    "3FyRtUUMxiNT1g2ST6mbj7W1CN7KfQBbomawC7YG4A1zwHmw2TRsn1Wc8NaFcBCoJDu3zt3znJDSwKQ31oRaK" \
    "XH7"

static void hex_is(const uint8_t *p, size_t len, const char *want)
{
    char *h = malloc(len * 2 + 1);
    assert_non_null(h);
    assert_int_equal(ol_near_hex_encode(p, len, h, len * 2 + 1, NULL, NULL), OL_OK);
    assert_string_equal(h, want);
    free(h);
}

static void b64_is(const uint8_t *p, size_t len, const char *want)
{
    size_t cap = ol_near_base64_encoded_max(len);
    char *s = malloc(cap);
    assert_non_null(s);
    assert_int_equal(ol_near_base64_encode(p, len, s, cap, NULL, NULL), OL_OK);
    assert_string_equal(s, want);
    free(s);
}

static ol_near_secret_key v5_key(void)
{
    ol_near_secret_key sk;
    assert_int_equal(ol_near_secret_key_parse(V5_SK, &sk, NULL), OL_OK);
    return sk;
}

static ol_near_nep413_payload v5_payload(const char *recipient, const char *callback)
{
    ol_near_nep413_payload pl;
    memset(&pl, 0, sizeof pl);
    pl.message = ol_near_str_c("Hello NEAR!");
    size_t n = 0;
    assert_int_equal(ol_near_base64_decode("KNV0cOpvJ50D5vfF9pqWom8wo2sliQ4W+Wa7uZ3Uk6Y=", 44,
                                           pl.nonce, sizeof pl.nonce, &n, NULL),
                     OL_OK);
    assert_int_equal(n, 32);
    pl.recipient = ol_near_str_c(recipient);
    pl.callback_url = ol_near_str_c(callback);
    return pl;
}

static void test_prefix_constants(void **state)
{
    (void)state;
    assert_int_equal(OL_NEAR_NEP366_PREFIX, (1u << 30) + 366);
    assert_int_equal(OL_NEAR_NEP413_PREFIX, (1u << 31) + 413);
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    ol_near_borsh_put_u32(&b, OL_NEAR_NEP366_PREFIX);
    ol_near_borsh_put_u32(&b, OL_NEAR_NEP413_PREFIX);
    hex_is(b.p, b.len, "6e0100409d010080");
    ol_near_buf_fini(&b);
}

static void test_v5_with_callback(void **state)
{
    (void)state;
    ol_near_nep413_payload pl = v5_payload("example.near", "http://localhost:3000");
    hex_is(pl.nonce, 32, "28d57470ea6f279d03e6f7c5f69a96a26f30a36b25890e16f966bbb99dd493a6");
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_nep413_preimage(&pl, &b, NULL), OL_OK);
    hex_is(b.p, b.len,
           "9d0100800b00000048656c6c6f204e4541522128d57470ea6f279d03e6f7c5f69a96a26f30a36b25890e16"
           "f966bbb99dd493a60c0000006578616d706c652e6e6561720115000000687474703a2f2f6c6f63616c686f"
           "73743a33303030");
    ol_near_buf_fini(&b);

    ol_near_secret_key sk = v5_key();
    uint8_t hash[32];
    ol_near_signature sig;
    assert_int_equal(ol_near_nep413_sign(&pl, &sk, hash, &sig, NULL), OL_OK);
    hex_is(hash, 32, "ca89aebc4b822cb0618aa785dca563acee228e2631cff9adb7ce44989c5e8874");
    b64_is(sig.data, 64,
           "zzZQ/GwAjrZVrTIFlvmmQbDQHllfzrr8urVWHaRt5cPfcXaCSZo35c5LDpPpTKivR6BxLyb3lcPM0FfCW5lcBQ"
           "==");
    ol_near_public_key pk;
    ol_near_secret_key_public(&sk, &pk);
    char text[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&pk, text);
    assert_string_equal(text, "ed25519:2RM3EotCzEiVobm6aMjaup43k8cFffR4KHFtrqbZ79Qy");
    assert_int_equal(ol_near_nep413_verify(&pl, &pk, &sig, NULL, NULL), OL_OK);

    /* Any change to the payload breaks the signature. */
    ol_diag d = {0};
    ol_near_nep413_payload other = pl;
    other.callback_url = (ol_near_str){NULL, 0};
    assert_int_equal(ol_near_nep413_verify(&other, &pk, &sig, NULL, &d), OL_E_INVAL);
    other = pl;
    other.nonce[31] ^= 1;
    assert_int_equal(ol_near_nep413_verify(&other, &pk, &sig, NULL, &d), OL_E_INVAL);
    other = pl;
    other.message = ol_near_str_c("Hello NEAR?");
    assert_int_equal(ol_near_nep413_verify(&other, &pk, &sig, NULL, &d), OL_E_INVAL);
    ol_near_secret_key_wipe(&sk);
}

static void test_v5_without_callback(void **state)
{
    (void)state;
    ol_near_nep413_payload pl = v5_payload("example.near", NULL);
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_nep413_preimage(&pl, &b, NULL), OL_OK);
    assert_int_equal(b.p[b.len - 1], 0);
    assert_memory_equal(b.p + b.len - 5, "near", 4);
    ol_near_buf_fini(&b);
    ol_near_secret_key sk = v5_key();
    uint8_t hash[32];
    ol_near_signature sig;
    assert_int_equal(ol_near_nep413_sign(&pl, &sk, hash, &sig, NULL), OL_OK);
    hex_is(hash, 32, "036a114cfadb42200dc972aff40b994039571359cbcdd34be9c097d472351038");
    b64_is(sig.data, 64,
           "NnJgPU1Ql7ccRTITIoOVsIfElmvH1RV7QAT4a9Vh6ShCOnjIzRwxqX54JzoQ/nK02p7VBMI2vJn48rpImIJwAw"
           "==");
    /* An empty callback URL is Some(""), not None. */
    ol_near_nep413_payload some_empty = pl;
    some_empty.callback_url = (ol_near_str){"", 0};
    uint8_t h2[32];
    assert_int_equal(ol_near_nep413_hash(&some_empty, NULL, h2, NULL), OL_OK);
    assert_memory_not_equal(h2, hash, 32);
    ol_near_secret_key_wipe(&sk);
}

static void test_v5_round_toad(void **state)
{
    (void)state;
    static const uint8_t want[32] = {1,   152, 236, 223, 103, 218, 230, 0,   34, 54,  210,
                                     18,  244, 68,  108, 252, 140, 166, 102, 57, 242, 4,
                                     202, 234, 205, 94,  246, 245, 198, 141, 23, 250};
    ol_near_nep413_payload pl = v5_payload("round-toad.testnet", NULL);
    uint8_t hash[32];
    assert_int_equal(ol_near_nep413_hash(&pl, NULL, hash, NULL), OL_OK);
    assert_memory_equal(hash, want, 32);
}

static void test_nep413_invalid_strings(void **state)
{
    (void)state;
    ol_near_nep413_payload pl = v5_payload("example.near", NULL);
    pl.message = (ol_near_str){"\xc3", 1};
    uint8_t hash[32];
    ol_diag d = {0};
    assert_int_equal(ol_near_nep413_hash(&pl, NULL, hash, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "message"));
    pl = v5_payload("example.near", NULL);
    pl.recipient = (ol_near_str){NULL, 4};
    assert_int_equal(ol_near_nep413_hash(&pl, NULL, hash, &d), OL_E_INVAL);
}

/* ---- NEP-366 ---- */

#define V6_DA_HEX                                                                                  \
    "0e00000073656e6465722e746573746e65741000000072656365697665722e746573746e65740000000001000000" \
    "0"                                                                                            \
    "0000000721f2b6e0000000000151848b75252e8406857a3bffa3cb4bf0451e62bb1774f20906329f0614d5a3e"
#define V6_SIG_HEX                                                                                 \
    "6996219a3d971a256fcf7b7ad748aec7f1c84868cd59df3d756d8a022498a636e63f16809a54918c473e9a8bf4b0" \
    "b35477a6b671eab65b1b28fd9fae2a668c00"
#define V6_SIGNED_B64                                                                              \
    "DgAAAHNlbmRlci50ZXN0bmV0EAAAAHJlY2VpdmVyLnRlc3RuZXQAAAAAAQAAAAAAAAByHytuAAAAAAAVGEi3UlLoQGhX" \
    "o7/6PLS/BFHmK7F3TyCQYynwYU1aPgBpliGaPZcaJW/Pe3rXSK7H8chIaM1Z3z11bYoCJJimNuY/FoCaVJGMRz6ai/Sw" \
    "s1R3prZx6rZbGyj9n64qZowA"

static void test_v6_delegate(void **state)
{
    (void)state;
    ol_near_secret_key sk = v5_key();
    ol_near_delegate_action da;
    memset(&da, 0, sizeof da);
    da.sender_id = "sender.testnet";
    da.receiver_id = "receiver.testnet";
    da.nonce = 1;
    da.max_block_height = 1848319858;
    ol_near_secret_key_public(&sk, &da.public_key);

    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_delegate_encode(&da, &b, NULL), OL_OK);
    hex_is(b.p, b.len, V6_DA_HEX);
    ol_near_buf_fini(&b);

    uint8_t hash[32], hash2[32];
    assert_int_equal(ol_near_delegate_hash(&da, NULL, hash, NULL), OL_OK);
    hex_is(hash, 32, "6d35575b3566fddf04f79317c3e574eb89c5bc228c5e755f2a3179e164dbb36b");

    ol_near_signature sig;
    ol_near_buf signed_da;
    ol_near_buf_init(&signed_da, NULL);
    assert_int_equal(ol_near_delegate_sign(&da, &sk, hash2, &sig, &signed_da, NULL), OL_OK);
    assert_memory_equal(hash, hash2, 32);
    hex_is(sig.data, 64, V6_SIG_HEX);
    b64_is(signed_da.p, signed_da.len, V6_SIGNED_B64);

    /* Decode what the gate receives, verify it, and re-encode it identically. */
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    ol_near_signed_delegate sd;
    assert_int_equal(ol_near_signed_delegate_decode(signed_da.p, signed_da.len, ar, &sd, NULL),
                     OL_OK);
    assert_string_equal(sd.delegate_action.sender_id, "sender.testnet");
    assert_int_equal(sd.delegate_action.max_block_height, 1848319858);
    assert_int_equal(ol_near_signed_delegate_verify(&sd, NULL, NULL), OL_OK);
    ol_near_buf again;
    ol_near_buf_init(&again, NULL);
    assert_int_equal(ol_near_signed_delegate_encode(&sd, &again, NULL), OL_OK);
    assert_int_equal(again.len, signed_da.len);
    assert_memory_equal(again.p, signed_da.p, again.len);

    /* Tampering: another nonce, or the signature of the same bytes without the prefix. */
    ol_diag d = {0};
    sd.delegate_action.nonce = 2;
    assert_int_equal(ol_near_signed_delegate_verify(&sd, NULL, &d), OL_E_INVAL);
    sd.delegate_action.nonce = 1;
    uint8_t plain[32];
    size_t n = 0;
    uint8_t raw[200];
    assert_int_equal(ol_near_hex_decode(V6_DA_HEX, strlen(V6_DA_HEX), raw, sizeof raw, &n, NULL),
                     OL_OK);
    ol_near_sha256(raw, n, plain);
    ol_near_sign(&sk, plain, sizeof plain, &sd.signature);
    assert_int_equal(ol_near_signed_delegate_verify(&sd, NULL, &d), OL_E_INVAL);

    /* Signing with a key other than da.public_key is refused. */
    ol_near_secret_key other;
    assert_int_equal(ol_near_secret_key_generate(&other, NULL), OL_OK);
    assert_int_equal(ol_near_delegate_sign(&da, &other, NULL, NULL, NULL, &d), OL_E_INVAL);
    ol_near_secret_key_wipe(&other);

    ol_near_arena_free(ar);
    ol_near_buf_fini(&signed_da);
    ol_near_buf_fini(&again);
    ol_near_secret_key_wipe(&sk);
}

/* The sequential gate's shape: one FunctionCall per delegate. */
static void test_delegate_with_function_call(void **state)
{
    (void)state;
    ol_near_secret_key sk = v5_key();
    ol_near_action fc;
    memset(&fc, 0, sizeof fc);
    fc.kind = OL_NEAR_ACTION_FUNCTION_CALL;
    fc.function_call.method_name = ol_near_str_c("execute_intents");
    fc.function_call.args = (ol_near_bytes){(const uint8_t *)"{\"signed\":[]}", 13};
    fc.function_call.gas = 100000000000000ull;
    ol_near_delegate_action da;
    memset(&da, 0, sizeof da);
    da.sender_id = "a0dfa70b1573f54869a046262c35bd56f1e10584bc685c69697e90393e151d07";
    da.receiver_id = "intents.near";
    da.actions = &fc;
    da.n_actions = 1;
    da.nonce = 42;
    da.max_block_height = 1000;
    ol_near_secret_key_public(&sk, &da.public_key);
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_delegate_sign(&da, &sk, NULL, NULL, &b, NULL), OL_OK);
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    ol_near_signed_delegate sd;
    assert_int_equal(ol_near_signed_delegate_decode(b.p, b.len, ar, &sd, NULL), OL_OK);
    assert_int_equal(ol_near_signed_delegate_verify(&sd, NULL, NULL), OL_OK);
    assert_int_equal(sd.delegate_action.n_actions, 1);
    assert_string_equal(sd.delegate_action.actions[0].function_call.method_name.p,
                        "execute_intents");
    const char *json = NULL;
    assert_int_equal(ol_near_delegate_to_json(&sd.delegate_action, &sd.signature, ar, &json, NULL),
                     OL_OK);
    assert_non_null(strstr(json, "\"receiver_id\":\"intents.near\""));
    assert_non_null(strstr(json, "\"gas\":100000000000000"));
    assert_non_null(strstr(json, "\"signature\":\"ed25519:"));
    ol_near_arena_free(ar);
    ol_near_buf_fini(&b);
    ol_near_secret_key_wipe(&sk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_constants),
        cmocka_unit_test(test_v5_with_callback),
        cmocka_unit_test(test_v5_without_callback),
        cmocka_unit_test(test_v5_round_toad),
        cmocka_unit_test(test_nep413_invalid_strings),
        cmocka_unit_test(test_v6_delegate),
        cmocka_unit_test(test_delegate_with_function_call),
    };
    if (ol_near_init(NULL) != OL_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
