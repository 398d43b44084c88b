/* Transactions, actions and access keys in borsh: the reference vectors V1, V2 and V8
 * (near-protocol.md §2.6), every action kind round-tripped, decoding of truncated input at every
 * length, malformed tags, invalid account ids in the bytes, trailing bytes, TransactionV1, and
 * allocation failure at every step of a decode. */
#include <stdlib.h>
#include <string.h>

#include "ol/near.h"
#include "support/faultsim.h"
#include "test.h"

/* ---- helpers ---- */

static uint8_t *unhex(const char *s, size_t *len)
{
    size_t n = strlen(s);
    uint8_t *out = malloc(n / 2 + 1);
    assert_non_null(out);
    size_t got = 0;
    assert_int_equal(ol_near_hex_decode(s, n, out, n / 2 + 1, &got, NULL), OL_OK);
    *len = got;
    return out;
}

static void assert_buf_hex(const ol_near_buf *b, const char *want)
{
    size_t cap = b->len * 2 + 1;
    char *h = malloc(cap);
    assert_non_null(h);
    assert_int_equal(ol_near_hex_encode(b->p, b->len, h, cap, NULL, NULL), OL_OK);
    assert_string_equal(h, want);
    free(h);
}

static void assert_hex(const uint8_t *p, size_t len, const char *want)
{
    char h[256];
    assert_int_equal(ol_near_hex_encode(p, len, h, sizeof h, NULL, NULL), OL_OK);
    assert_string_equal(h, want);
}

static ol_near_secret_key sk_of(const char *s)
{
    ol_near_secret_key sk;
    ol_diag d = {0};
    assert_int_equal(ol_near_secret_key_parse(s, &sk, &d), OL_OK);
    return sk;
}

static ol_near_public_key pk_of(const char *s)
{
    ol_near_public_key pk;
    assert_int_equal(ol_near_public_key_parse(s, &pk, NULL), OL_OK);
    return pk;
}

/* ---- V1: transfer tx (near-api-js) ---- */

#define V1_SK                                                                               \
    "ed25519:"                                                                              \
    "3hoMW1HvnRLSFCLZnvPzWeoGwtdHzke34B2cTHM8rhcbG3TbuLKtShTv3DvyejnXKXKBiV7YPkLeqUHN1ghnq" \
    "pFv"
#define V1_PK         "ed25519:Anu7LYDfpLtkP7E16LT9imXF694BdQaa9ufVkQiwTQxC"
#define V1_BLOCK_HASH "244ZQ9cgj3CQ6bWBdytfrJMuMQ1jdXLFGnr4HhvtCTnM"
#define V1_TX_HEX                                                                                  \
    "09000000746573742e6e65617200917b3d268d4b58f7fec1b150bd68d69be3ee5d4cc39855e341538465bb77860d" \
    "01000000000000000d00000077686174657665722e6e6561720fa473fd26901df296be6adc4cc4df34d040efa243" \
    "5224b6986910e630c2fef6010000000301000000000000000000000000000000"
#define V1_SIG_HEX                                                                                 \
    "969a83332186ee9755e4839325525806e189a3d2d2bb4b4760e94443e97e1c4f22deeef0059a8e9713100eda6e19" \
    "144da7e8a0ef7e539b20708ba1d8d021bd01"
#define V1_SIGNED_B64                                                                              \
    "CQAAAHRlc3QubmVhcgCRez0mjUtY9/7BsVC9aNab4+5dTMOYVeNBU4Rlu3eGDQEAAAAAAAAADQAAAHdoYXRldmVyLm5l" \
    "YXIPpHP9JpAd8pa+atxMxN800EDvokNSJLaYaRDmMML+9gEAAAADAQAAAAAAAAAAAAAAAAAAAACWmoMzIYbul1Xkg5Ml" \
    "UlgG4Ymj0tK7S0dg6URD6X4cTyLe7vAFmo6XExAO2m4ZFE2n6KDvflObIHCLodjQIb0B"

static ol_near_action v1_actions[1];

static ol_near_tx v1_tx(void)
{
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.signer_id = "test.near";
    tx.public_key = pk_of(V1_PK);
    tx.nonce = 1;
    tx.receiver_id = "whatever.near";
    assert_int_equal(ol_near_hash_parse(V1_BLOCK_HASH, tx.block_hash, NULL), OL_OK);
    memset(v1_actions, 0, sizeof v1_actions);
    v1_actions[0].kind = OL_NEAR_ACTION_TRANSFER;
    v1_actions[0].transfer.deposit = OL_NEAR_U128_C(1);
    tx.actions = v1_actions;
    tx.n_actions = 1;
    return tx;
}

static void test_v1_transfer_tx(void **state)
{
    (void)state;
    ol_near_tx tx = v1_tx();
    assert_hex(tx.block_hash, 32,
               "0fa473fd26901df296be6adc4cc4df34d040efa2435224b6986910e630c2fef6");

    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_tx_encode(&tx, &b, NULL), OL_OK);
    assert_buf_hex(&b, V1_TX_HEX);

    uint8_t hash[32];
    assert_int_equal(ol_near_tx_hash(&tx, NULL, hash, NULL), OL_OK);
    assert_hex(hash, 32, "eea6e680f3ea51a7f667e9a801d0bfadf66e03d41ed54975b3c6006351461b32");
    char b58[OL_NEAR_HASH_STR_MAX];
    ol_near_hash_format(hash, b58);
    assert_string_equal(b58, "H4be6ioGzDeiGKork27na6Usw2Hzt4gNJfetJ7ag3LhP");

    ol_near_secret_key sk = sk_of(V1_SK);
    ol_near_signature sig;
    uint8_t hash2[32];
    ol_near_buf signed_tx;
    ol_near_buf_init(&signed_tx, NULL);
    assert_int_equal(ol_near_tx_sign(&tx, &sk, hash2, &sig, &signed_tx, NULL), OL_OK);
    assert_memory_equal(hash, hash2, 32);
    assert_int_equal(sig.type, OL_NEAR_KEY_ED25519);
    assert_hex(sig.data, 64, V1_SIG_HEX);
    char sig_text[OL_NEAR_KEY_STR_MAX];
    ol_near_signature_format(&sig, sig_text);
    assert_string_equal(sig_text, "ed25519:41eAXToSZSqFqHCDZKnK7QnYANgRY5mSgHz2P19NaLYqphwsdk4H"
                                  "A6QSd11kdKgqL4wa6hg7wvwt1V3wE6kbRxWt");
    char sig_b64[128];
    assert_int_equal(ol_near_base64_encode(sig.data, 64, sig_b64, sizeof sig_b64, NULL, NULL),
                     OL_OK);
    assert_string_equal(sig_b64, "lpqDMyGG7pdV5IOTJVJYBuGJo9LSu0tHYOlEQ+l+HE8i3u7wBZqOlxMQDtpuGRRN"
                                 "p+ig735TmyBwi6HY0CG9AQ==");
    assert_buf_hex(&signed_tx, V1_TX_HEX "00" V1_SIG_HEX);
    char *b64 = malloc(ol_near_base64_encoded_max(signed_tx.len));
    assert_non_null(b64);
    assert_int_equal(ol_near_base64_encode(signed_tx.p, signed_tx.len, b64,
                                           ol_near_base64_encoded_max(signed_tx.len), NULL, NULL),
                     OL_OK);
    assert_string_equal(b64, V1_SIGNED_B64);
    free(b64);

    /* The signed form through ol_near_signed_tx_encode gives the same bytes. */
    ol_near_signed_tx stx = {tx, sig};
    ol_near_buf b2;
    ol_near_buf_init(&b2, NULL);
    assert_int_equal(ol_near_signed_tx_encode(&stx, &b2, NULL), OL_OK);
    assert_int_equal(b2.len, signed_tx.len);
    assert_memory_equal(b2.p, signed_tx.p, b2.len);
    assert_int_equal(ol_near_signed_tx_verify(&stx, NULL, NULL), OL_OK);

    /* A flipped bit in the signature or the tx fails verification. */
    stx.signature.data[5] ^= 1;
    ol_diag d = {0};
    assert_int_equal(ol_near_signed_tx_verify(&stx, NULL, &d), OL_E_INVAL);
    stx.signature.data[5] ^= 1;
    stx.tx.nonce = 2;
    assert_int_equal(ol_near_signed_tx_verify(&stx, NULL, NULL), OL_E_INVAL);

    ol_near_secret_key_wipe(&sk);
    ol_near_buf_fini(&b);
    ol_near_buf_fini(&b2);
    ol_near_buf_fini(&signed_tx);
}

static void test_v1_decode(void **state)
{
    (void)state;
    size_t len;
    uint8_t *bytes = unhex(V1_TX_HEX "00" V1_SIG_HEX, &len);
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);

    ol_near_signed_tx stx;
    ol_diag d = {0};
    assert_int_equal(ol_near_signed_tx_decode(bytes, len, ar, &stx, &d), OL_OK);
    assert_string_equal(stx.tx.signer_id, "test.near");
    assert_string_equal(stx.tx.receiver_id, "whatever.near");
    assert_int_equal(stx.tx.nonce, 1);
    assert_int_equal(stx.tx.n_actions, 1);
    assert_int_equal(stx.tx.actions[0].kind, OL_NEAR_ACTION_TRANSFER);
    assert_int_equal(stx.tx.actions[0].transfer.deposit.lo, 1);
    assert_int_equal(stx.tx.actions[0].transfer.deposit.hi, 0);
    ol_near_public_key want = pk_of(V1_PK);
    assert_true(ol_near_public_key_eq(&stx.tx.public_key, &want));
    assert_hex(stx.signature.data, 64, V1_SIG_HEX);
    assert_int_equal(ol_near_signed_tx_verify(&stx, NULL, NULL), OL_OK);

    /* decode_any tells signed from unsigned. */
    bool is_signed = false;
    ol_near_signed_tx any;
    assert_int_equal(ol_near_tx_decode_any(bytes, len, ar, &any, &is_signed, NULL), OL_OK);
    assert_true(is_signed);
    size_t tx_len = strlen(V1_TX_HEX) / 2;
    assert_int_equal(ol_near_tx_decode_any(bytes, tx_len, ar, &any, &is_signed, NULL), OL_OK);
    assert_false(is_signed);
    assert_string_equal(any.tx.signer_id, "test.near");
    ol_near_tx tx;
    assert_int_equal(ol_near_tx_decode(bytes, tx_len, ar, &tx, NULL), OL_OK);
    /* A bare Transaction decoder refuses the signature as trailing bytes, and vice versa. */
    assert_int_equal(ol_near_tx_decode(bytes, len, ar, &tx, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "trailing"));
    assert_int_equal(ol_near_signed_tx_decode(bytes, tx_len, ar, &stx, &d), OL_E_MALFORMED);

    ol_near_arena_free(ar);
    free(bytes);
}

/* ---- V2: empty actions, zero block hash ---- */

static void test_v2_empty_actions(void **state)
{
    (void)state;
    ol_near_secret_key sk = sk_of("ed25519:sDa8GRWHy16zXzE5ALViy17miA7Lo39DWp8DY5HsTBEayarAWefzb"
                                  "gXmSpW4f8tQn3V8odsY7yGLGmgGaQN2BBF");
    ol_near_public_key pk;
    ol_near_secret_key_public(&sk, &pk);
    char text[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&pk, text);
    assert_string_equal(text, "ed25519:HkUguY5kMS6z7ogEYdTNbBBqCkT2AZCm32JCfFWGPR5B");

    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.signer_id = "signer";
    tx.public_key = pk;
    tx.nonce = 1;
    tx.receiver_id = "receiver";
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_tx_encode(&tx, &b, NULL), OL_OK);
    assert_buf_hex(&b, "060000007369676e657200f8de45c70775760125cb631bac0e5a9d81642e77a71ba80f83e1"
                       "c10a8c8472520100000000000000080000007265636569766572"
                       "0000000000000000000000000000000000000000000000000000000000000000"
                       "00000000");
    uint8_t hash[32];
    ol_near_signature sig;
    assert_int_equal(ol_near_tx_sign(&tx, &sk, hash, &sig, NULL, NULL), OL_OK);
    assert_hex(hash, 32, "2571e3539ab5556e39441913e66abd07e634fb9850434006a719306100e641a2");
    char b58[OL_NEAR_HASH_STR_MAX];
    ol_near_hash_format(hash, b58);
    assert_string_equal(b58, "3XAoruAZoKmJsizvdJ4udFvaCs7SHy9cVPTWarEeJSnM");
    assert_hex(sig.data, 64,
               "bfe2858d227e3116076a8e5ea9c5bef923c7755f19f0137d1acd9bb67973f1b8a7f83dfc0be23e307e"
               "106c8807eaa6e14c0fcb46c42acdf293c4a6a81a27fc05");
    ol_near_secret_key_wipe(&sk);
    ol_near_buf_fini(&b);
}

/* ---- V8: nearcore DELEGATE_ACTION_HEX ---- */

/* The prefix (which stops one byte into max_block_height), then 99 zero bytes: the last byte of
 * max_block_height, the 33-byte public key and the 65-byte signature. */
#define V8_PREFIX "0803000000616161030000006262620100000000010000000000000002000000000000"

static char v8_hex[2 * (35 + 99) + 1];

static void test_v8_delegate_action(void **state)
{
    (void)state;
    memset(v8_hex, '0', sizeof v8_hex - 1);
    memcpy(v8_hex, V8_PREFIX, strlen(V8_PREFIX));
    assert_int_equal(strlen(V8_PREFIX), 2 * 35);
    ol_near_action create = {.kind = OL_NEAR_ACTION_CREATE_ACCOUNT};
    ol_near_signed_delegate sd;
    memset(&sd, 0, sizeof sd);
    sd.delegate_action.sender_id = "aaa";
    sd.delegate_action.receiver_id = "bbb";
    sd.delegate_action.actions = &create;
    sd.delegate_action.n_actions = 1;
    sd.delegate_action.nonce = 1;
    sd.delegate_action.max_block_height = 2;
    sd.delegate_action.public_key.type = OL_NEAR_KEY_ED25519;
    sd.signature.type = OL_NEAR_KEY_ED25519;
    ol_near_action act = {.kind = OL_NEAR_ACTION_DELEGATE};
    act.delegate.signed_delegate = &sd;

    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_action_encode(&act, &b, NULL), OL_OK);
    assert_buf_hex(&b, v8_hex);

    /* And back, as the action of a transaction. */
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.signer_id = "relayer.near";
    tx.receiver_id = "aaa";
    tx.actions = &act;
    tx.n_actions = 1;
    ol_near_buf tb;
    ol_near_buf_init(&tb, NULL);
    assert_int_equal(ol_near_tx_encode(&tx, &tb, NULL), OL_OK);
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    ol_near_tx back;
    assert_int_equal(ol_near_tx_decode(tb.p, tb.len, ar, &back, NULL), OL_OK);
    assert_int_equal(back.n_actions, 1);
    assert_int_equal(back.actions[0].kind, OL_NEAR_ACTION_DELEGATE);
    const ol_near_signed_delegate *bsd = back.actions[0].delegate.signed_delegate;
    assert_string_equal(bsd->delegate_action.sender_id, "aaa");
    assert_string_equal(bsd->delegate_action.receiver_id, "bbb");
    assert_int_equal(bsd->delegate_action.n_actions, 1);
    assert_int_equal(bsd->delegate_action.actions[0].kind, OL_NEAR_ACTION_CREATE_ACCOUNT);
    assert_int_equal(bsd->delegate_action.nonce, 1);
    assert_int_equal(bsd->delegate_action.max_block_height, 2);

    /* A Delegate nested inside a delegate action is refused both ways. */
    ol_near_action nested[1] = {act};
    sd.delegate_action.actions = nested;
    ol_near_buf_reset(&b);
    ol_diag d = {0};
    assert_int_equal(ol_near_action_encode(&act, &b, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "cannot contain a Delegate"));
    size_t len;
    uint8_t *bytes = unhex(v8_hex, &len);
    /* Patch the CreateAccount tag (offset 1 + 4+3 + 4+3 + 4 = 19) to 8. */
    assert_int_equal(bytes[19], 0);
    bytes[19] = 8;
    ol_near_buf wrapped;
    ol_near_buf_init(&wrapped, NULL);
    ol_near_buf_append(&wrapped, tb.p, tb.len - len);
    ol_near_buf_append(&wrapped, bytes, len);
    assert_int_equal(ol_near_tx_decode(wrapped.p, wrapped.len, ar, &back, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "cannot contain a Delegate"));

    free(bytes);
    ol_near_arena_free(ar);
    ol_near_buf_fini(&b);
    ol_near_buf_fini(&tb);
    ol_near_buf_fini(&wrapped);
}

/* ---- every action kind ---- */

static const ol_near_str method_names[2] = {{"a", 1}, {"b", 1}};
static const uint8_t code[5] = {0, 'a', 's', 'm', 1};
static ol_near_signed_delegate all_sd;
static ol_near_action all_inner[2];

static size_t all_actions(ol_near_action *acts)
{
    ol_near_public_key pk = pk_of(V1_PK);
    ol_near_public_key secp;
    memset(&secp, 0, sizeof secp);
    secp.type = OL_NEAR_KEY_SECP256K1;
    for (int i = 0; i < 64; i++)
        secp.data[i] = (uint8_t)i;
    size_t n = 0;
    memset(acts, 0, 11 * sizeof *acts);
    acts[n++].kind = OL_NEAR_ACTION_CREATE_ACCOUNT;
    acts[n].kind = OL_NEAR_ACTION_DEPLOY_CONTRACT;
    acts[n++].deploy_contract.code = (ol_near_bytes){code, sizeof code};
    acts[n].kind = OL_NEAR_ACTION_FUNCTION_CALL;
    acts[n].function_call.method_name = ol_near_str_c("ft_transfer");
    acts[n].function_call.args = (ol_near_bytes){(const uint8_t *)"{\"a\":1}", 7};
    acts[n].function_call.gas = 30000000000000ull;
    acts[n++].function_call.deposit = (ol_near_u128){UINT64_MAX, 7};
    acts[n].kind = OL_NEAR_ACTION_TRANSFER;
    acts[n++].transfer.deposit = (ol_near_u128){UINT64_MAX, UINT64_MAX};
    acts[n].kind = OL_NEAR_ACTION_STAKE;
    acts[n].stake.stake = OL_NEAR_U128_C(5);
    acts[n++].stake.public_key = secp;
    acts[n].kind = OL_NEAR_ACTION_ADD_KEY;
    acts[n].add_key.public_key = pk;
    acts[n].add_key.access_key.nonce = 7;
    acts[n++].add_key.access_key.full_access = true;
    acts[n].kind = OL_NEAR_ACTION_ADD_KEY;
    acts[n].add_key.public_key = pk;
    acts[n].add_key.access_key.has_allowance = true;
    acts[n].add_key.access_key.allowance = OL_NEAR_U128_C(250);
    acts[n].add_key.access_key.receiver_id = ol_near_str_c("r.near");
    acts[n].add_key.access_key.method_names = method_names;
    acts[n++].add_key.access_key.n_method_names = 2;
    acts[n].kind = OL_NEAR_ACTION_ADD_KEY;
    acts[n].add_key.public_key = pk;
    acts[n++].add_key.access_key.receiver_id = ol_near_str_c("any");
    acts[n].kind = OL_NEAR_ACTION_DELETE_KEY;
    acts[n++].delete_key.public_key = pk;
    acts[n].kind = OL_NEAR_ACTION_DELETE_ACCOUNT;
    acts[n++].delete_account.beneficiary_id = "beneficiary.near";
    memset(&all_sd, 0, sizeof all_sd);
    memset(all_inner, 0, sizeof all_inner);
    all_inner[0].kind = OL_NEAR_ACTION_FUNCTION_CALL;
    all_inner[0].function_call.method_name = ol_near_str_c("m");
    all_inner[0].function_call.gas = 1;
    all_inner[1].kind = OL_NEAR_ACTION_TRANSFER;
    all_sd.delegate_action.sender_id = "sender.near";
    all_sd.delegate_action.receiver_id = "receiver.near";
    all_sd.delegate_action.actions = all_inner;
    all_sd.delegate_action.n_actions = 2;
    all_sd.delegate_action.nonce = 9;
    all_sd.delegate_action.max_block_height = 100;
    all_sd.delegate_action.public_key = pk;
    all_sd.signature.type = OL_NEAR_KEY_ED25519;
    memset(all_sd.signature.data, 0x5a, 64);
    acts[n].kind = OL_NEAR_ACTION_DELEGATE;
    acts[n++].delegate.signed_delegate = &all_sd;
    return n;
}

static void build_all_tx(ol_near_tx *tx, ol_near_action *acts)
{
    memset(tx, 0, sizeof *tx);
    tx->signer_id = "alice.near";
    tx->public_key = pk_of(V1_PK);
    tx->nonce = UINT64_MAX;
    tx->receiver_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    memset(tx->block_hash, 0xab, 32);
    tx->actions = acts;
    tx->n_actions = all_actions(acts);
}

static void test_all_actions_round_trip(void **state)
{
    (void)state;
    ol_near_action acts[11];
    ol_near_tx tx;
    build_all_tx(&tx, acts);
    assert_int_equal(tx.n_actions, 11);

    ol_near_signed_tx stx;
    stx.tx = tx;
    memset(&stx.signature, 0, sizeof stx.signature);
    stx.signature.type = OL_NEAR_KEY_SECP256K1;
    memset(stx.signature.data, 0x11, 65);

    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_signed_tx_encode(&stx, &b, NULL), OL_OK);

    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    ol_near_signed_tx back;
    ol_diag d = {0};
    assert_int_equal(ol_near_signed_tx_decode(b.p, b.len, ar, &back, &d), OL_OK);
    assert_int_equal(back.tx.n_actions, 11);
    assert_int_equal(back.tx.nonce, UINT64_MAX);
    assert_int_equal(back.signature.type, OL_NEAR_KEY_SECP256K1);
    const ol_near_action *a = back.tx.actions;
    assert_int_equal(a[1].deploy_contract.code.len, 5);
    assert_memory_equal(a[1].deploy_contract.code.p, code, 5);
    assert_int_equal(a[2].function_call.method_name.len, 11);
    assert_string_equal(a[2].function_call.method_name.p, "ft_transfer");
    assert_int_equal(a[2].function_call.gas, 30000000000000ull);
    assert_int_equal(a[2].function_call.deposit.hi, 7);
    assert_int_equal(a[3].transfer.deposit.hi, UINT64_MAX);
    assert_int_equal(a[4].stake.public_key.type, OL_NEAR_KEY_SECP256K1);
    assert_int_equal(a[4].stake.public_key.data[63], 63);
    assert_true(a[5].add_key.access_key.full_access);
    assert_int_equal(a[5].add_key.access_key.nonce, 7);
    assert_false(a[6].add_key.access_key.full_access);
    assert_true(a[6].add_key.access_key.has_allowance);
    assert_int_equal(a[6].add_key.access_key.allowance.lo, 250);
    assert_string_equal(a[6].add_key.access_key.receiver_id.p, "r.near");
    assert_int_equal(a[6].add_key.access_key.n_method_names, 2);
    assert_string_equal(a[6].add_key.access_key.method_names[1].p, "b");
    assert_false(a[7].add_key.access_key.has_allowance);
    assert_int_equal(a[7].add_key.access_key.n_method_names, 0);
    assert_string_equal(a[9].delete_account.beneficiary_id, "beneficiary.near");
    assert_int_equal(a[10].delegate.signed_delegate->delegate_action.n_actions, 2);

    /* Re-encoding the decoded value reproduces the bytes exactly. */
    ol_near_buf again;
    ol_near_buf_init(&again, NULL);
    assert_int_equal(ol_near_signed_tx_encode(&back, &again, NULL), OL_OK);
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.p, b.p, b.len);

    /* The decoded value is independent of the input bytes. */
    memset(b.p, 0xee, b.len);
    assert_string_equal(back.tx.signer_id, "alice.near");
    assert_memory_equal(a[1].deploy_contract.code.p, code, 5);

    ol_near_arena_free(ar);
    ol_near_buf_fini(&b);
    ol_near_buf_fini(&again);
}

/* Every strict prefix of a valid encoding fails cleanly with OL_E_MALFORMED. Run under ASan this
 * also shows that no length makes the decoder read past the input (each prefix is a fresh
 * allocation of exactly that size). */
static void test_truncated_at_every_length(void **state)
{
    (void)state;
    ol_near_action acts[11];
    ol_near_signed_tx stx;
    build_all_tx(&stx.tx, acts);
    memset(&stx.signature, 0, sizeof stx.signature);
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_signed_tx_encode(&stx, &b, NULL), OL_OK);
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    size_t tx_len = b.len - 65;
    for (size_t n = 0; n < b.len; n++) {
        uint8_t *copy = malloc(n == 0 ? 1 : n);
        assert_non_null(copy);
        memcpy(copy, b.p, n);
        ol_near_signed_tx out;
        bool is_signed;
        ol_diag d = {0};
        ol_err rc = ol_near_signed_tx_decode(copy, n, ar, &out, &d);
        assert_int_equal(rc, OL_E_MALFORMED);
        assert_int_equal(d.code, OL_E_MALFORMED);
        assert_true(d.msg[0] != '\0');
        rc = ol_near_tx_decode_any(copy, n, ar, &out, &is_signed, &d);
        if (n == tx_len) {
            assert_int_equal(rc, OL_OK);
            assert_false(is_signed);
        } else {
            assert_int_equal(rc, OL_E_MALFORMED);
        }
        ol_near_tx tx;
        rc = ol_near_tx_decode(copy, n, ar, &tx, NULL);
        assert_int_equal(rc, n == tx_len ? OL_OK : OL_E_MALFORMED);
        free(copy);
    }
    /* The delegate decoders too. */
    ol_near_buf db;
    ol_near_buf_init(&db, NULL);
    assert_int_equal(ol_near_signed_delegate_encode(&all_sd, &db, NULL), OL_OK);
    for (size_t n = 0; n < db.len; n++) {
        uint8_t *copy = malloc(n == 0 ? 1 : n);
        assert_non_null(copy);
        memcpy(copy, db.p, n);
        ol_near_signed_delegate sd;
        assert_int_equal(ol_near_signed_delegate_decode(copy, n, ar, &sd, NULL), OL_E_MALFORMED);
        free(copy);
    }
    ol_near_signed_delegate sd;
    assert_int_equal(ol_near_signed_delegate_decode(db.p, db.len, ar, &sd, NULL), OL_OK);
    ol_near_delegate_action da;
    assert_int_equal(ol_near_delegate_decode(db.p, db.len - 65, ar, &da, NULL), OL_OK);
    assert_string_equal(da.sender_id, "sender.near");
    ol_near_buf_fini(&db);
    ol_near_buf_fini(&b);
    ol_near_arena_free(ar);
}

/* Builds a V2-like tx with one action given as raw bytes after the action count. */
static void tx_with_raw_action(ol_near_buf *b, const uint8_t *act, size_t len)
{
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.signer_id = "signer";
    tx.receiver_id = "receiver";
    ol_near_buf_init(b, NULL);
    assert_int_equal(ol_near_tx_encode(&tx, b, NULL), OL_OK);
    b->p[b->len - 4] = 1; /* one action */
    ol_near_buf_append(b, act, len);
}

static void test_malformed_tags(void **state)
{
    (void)state;
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    ol_near_tx tx;
    ol_diag d = {0};
    ol_near_buf b;

    /* Action tags 9..14 exist in nearcore but are not supported here; 15+ do not exist. */
    uint8_t tag9[] = {9};
    tx_with_raw_action(&b, tag9, 1);
    assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &tx, &d), OL_E_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "tag 9"));
    ol_near_buf_fini(&b);
    uint8_t tag200[] = {200};
    tx_with_raw_action(&b, tag200, 1);
    assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &tx, &d), OL_E_MALFORMED);
    ol_near_buf_fini(&b);

    /* Public key type 2 (ML-DSA) and 7 are refused. */
    uint8_t delkey[34] = {6, 2};
    tx_with_raw_action(&b, delkey, sizeof delkey);
    assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &tx, &d), OL_E_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "key type 2"));
    ol_near_buf_fini(&b);

    /* AccessKey permission tag 2 and allowance Option tag 2. */
    uint8_t addkey[1 + 33 + 8 + 1] = {5, 0};
    addkey[42] = 2;
    tx_with_raw_action(&b, addkey, sizeof addkey);
    assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &tx, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "permission"));
    ol_near_buf_fini(&b);
    uint8_t addkey2[1 + 33 + 8 + 2] = {5, 0};
    addkey2[43] = 2;
    tx_with_raw_action(&b, addkey2, sizeof addkey2);
    assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &tx, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "allowance"));
    ol_near_buf_fini(&b);

    /* A method name that is not UTF-8. */
    uint8_t fc[] = {2, 2, 0, 0, 0, 0xc3, 0x28};
    tx_with_raw_action(&b, fc, sizeof fc);
    assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &tx, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "UTF-8"));
    ol_near_buf_fini(&b);

    /* An action count far beyond the bytes present, and beyond the limit. */
    ol_near_tx empty;
    memset(&empty, 0, sizeof empty);
    empty.signer_id = "signer";
    empty.receiver_id = "receiver";
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_tx_encode(&empty, &b, NULL), OL_OK);
    b.p[b.len - 1] = 0x10; /* 0x10000000 actions */
    assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &tx, &d), OL_E_LIMIT);
    b.p[b.len - 1] = 0;
    b.p[b.len - 4] = 5; /* 5 actions, no bytes */
    assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &tx, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "5 elements"));

    /* TransactionV1 (first byte 0x01). */
    b.p[0] = 1;
    assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &tx, &d), OL_E_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "V1"));
    ol_near_buf_fini(&b);

    /* Empty input. */
    assert_int_equal(ol_near_tx_decode(NULL, 0, ar, &tx, &d), OL_E_MALFORMED);
    ol_near_arena_free(ar);
}

static void test_invalid_account_ids_in_bytes(void **state)
{
    (void)state;
    static const char *const bad[] = {"a",      "Alice.near", "alice..near", ".alice",
                                      "alice.", "al ice",     "al\001ce",    "a-_b"};
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    /* A valid tx with signer "xx"; its bytes after the signer (offset 6) are reused. */
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.signer_id = "xx";
    tx.receiver_id = "receiver";
    ol_near_buf rest;
    ol_near_buf_init(&rest, NULL);
    assert_int_equal(ol_near_tx_encode(&tx, &rest, NULL), OL_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ol_near_buf b;
        ol_near_buf_init(&b, NULL);
        ol_near_borsh_put_str(&b, bad[i], strlen(bad[i]));
        ol_near_buf_append(&b, rest.p + 6, rest.len - 6);
        ol_near_tx out;
        ol_diag d = {0};
        if (strlen(bad[i]) == 1) {
            /* A length byte of 1 is how nearcore tells TransactionV1 apart. */
            assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &out, &d), OL_E_UNSUPPORTED);
        } else {
            assert_int_equal(ol_near_tx_decode(b.p, b.len, ar, &out, &d), OL_E_MALFORMED);
            assert_non_null(strstr(d.msg, "signer_id"));
        }
        ol_near_buf_fini(&b);

        /* And the encoder refuses the same id. */
        tx.signer_id = bad[i];
        ol_near_buf_init(&b, NULL);
        assert_int_equal(ol_near_tx_encode(&tx, &b, &d), OL_E_INVAL);
        assert_non_null(strstr(d.msg, "signer_id"));
        ol_near_buf_fini(&b);
    }
    ol_near_buf_fini(&rest);
    ol_near_arena_free(ar);
}

static void test_encoder_validation(void **state)
{
    (void)state;
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.signer_id = "signer";
    tx.receiver_id = NULL;
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    ol_diag d = {0};
    assert_int_equal(ol_near_tx_encode(&tx, &b, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "receiver_id"));
    tx.receiver_id = "receiver";
    tx.public_key.type = (ol_near_key_type)5;
    ol_near_buf_reset(&b);
    assert_int_equal(ol_near_tx_encode(&tx, &b, &d), OL_E_INVAL);
    tx.public_key.type = OL_NEAR_KEY_ED25519;

    ol_near_action a;
    memset(&a, 0, sizeof a);
    a.kind = (ol_near_action_kind)9;
    tx.actions = &a;
    tx.n_actions = 1;
    ol_near_buf_reset(&b);
    assert_int_equal(ol_near_tx_encode(&tx, &b, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "actions[0]"));
    a.kind = OL_NEAR_ACTION_FUNCTION_CALL;
    a.function_call.method_name = (ol_near_str){"\xff", 1};
    ol_near_buf_reset(&b);
    assert_int_equal(ol_near_tx_encode(&tx, &b, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "UTF-8"));
    a.function_call.method_name = (ol_near_str){NULL, 3};
    ol_near_buf_reset(&b);
    assert_int_equal(ol_near_tx_encode(&tx, &b, &d), OL_E_INVAL);
    a.kind = OL_NEAR_ACTION_DELETE_ACCOUNT;
    a.delete_account.beneficiary_id = "UPPER";
    ol_near_buf_reset(&b);
    assert_int_equal(ol_near_tx_encode(&tx, &b, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "beneficiary_id"));
    a.kind = OL_NEAR_ACTION_DELEGATE;
    a.delegate.signed_delegate = NULL;
    ol_near_buf_reset(&b);
    assert_int_equal(ol_near_tx_encode(&tx, &b, &d), OL_E_INVAL);

    /* Signing with a key that is not the tx's public key. */
    tx.n_actions = 0;
    ol_near_secret_key sk = sk_of(V1_SK);
    assert_int_equal(ol_near_tx_sign(&tx, &sk, NULL, NULL, NULL, &d), OL_E_INVAL);
    ol_near_secret_key_wipe(&sk);
    ol_near_buf_fini(&b);
}

static void test_access_key_codec(void **state)
{
    (void)state;
    ol_near_access_key ak;
    memset(&ak, 0, sizeof ak);
    ak.nonce = 0x0102030405060708ull;
    ak.full_access = true;
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_access_key_encode(&ak, &b, NULL), OL_OK);
    assert_buf_hex(&b, "080706050403020101");
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    ol_near_access_key back;
    assert_int_equal(ol_near_access_key_decode(b.p, b.len, ar, &back, NULL), OL_OK);
    assert_true(back.full_access);
    assert_int_equal(back.nonce, ak.nonce);

    ak.full_access = false;
    ak.has_allowance = false;
    ak.receiver_id = ol_near_str_c("c.near");
    ak.method_names = method_names;
    ak.n_method_names = 2;
    ol_near_buf_reset(&b);
    assert_int_equal(ol_near_access_key_encode(&ak, &b, NULL), OL_OK);
    assert_buf_hex(&b, "0807060504030201"
                       "00"
                       "00"
                       "06000000632e6e656172"
                       "02000000"
                       "0100000061"
                       "0100000062");
    assert_int_equal(ol_near_access_key_decode(b.p, b.len, ar, &back, NULL), OL_OK);
    assert_false(back.full_access);
    assert_int_equal(back.n_method_names, 2);
    ol_near_arena_free(ar);
    ol_near_buf_fini(&b);
}

/* ---- allocation failure ---- */

static ol_err decode_all(const ol_allocator *a, void *ud)
{
    const ol_near_buf *b = ud;
    ol_near_arena *ar = NULL;
    ol_err rc = ol_near_arena_new(a, &ar, NULL);
    if (rc != OL_OK)
        return rc;
    ol_near_signed_tx stx;
    rc = ol_near_signed_tx_decode(b->p, b->len, ar, &stx, NULL);
    const char *json = NULL;
    if (rc == OL_OK)
        rc = ol_near_tx_to_json(&stx.tx, &stx.signature, ar, &json, NULL);
    ol_near_arena_free(ar);
    return rc;
}

static ol_err encode_all(const ol_allocator *a, void *ud)
{
    const ol_near_signed_tx *stx = ud;
    ol_near_buf b;
    ol_near_buf_init(&b, a);
    ol_err rc = ol_near_signed_tx_encode(stx, &b, NULL);
    ol_near_buf_fini(&b);
    return rc;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    ol_near_action acts[11];
    ol_near_signed_tx stx;
    build_all_tx(&stx.tx, acts);
    memset(&stx.signature, 0, sizeof stx.signature);
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_signed_tx_encode(&stx, &b, NULL), OL_OK);
    /* Large code so the encoder needs to grow its buffer several times. */
    static uint8_t big[5000];
    acts[1].deploy_contract.code = (ol_near_bytes){big, sizeof big};
    assert_true(ol_test_fault_loop(encode_all, &stx, 100) >= 2);
    assert_true(ol_test_fault_loop(decode_all, &b, 100) >= 1);
    ol_near_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_transfer_tx),
        cmocka_unit_test(test_v1_decode),
        cmocka_unit_test(test_v2_empty_actions),
        cmocka_unit_test(test_v8_delegate_action),
        cmocka_unit_test(test_all_actions_round_trip),
        cmocka_unit_test(test_truncated_at_every_length),
        cmocka_unit_test(test_malformed_tags),
        cmocka_unit_test(test_invalid_account_ids_in_bytes),
        cmocka_unit_test(test_encoder_validation),
        cmocka_unit_test(test_access_key_codec),
        cmocka_unit_test(test_allocation_failures),
    };
    if (ol_near_init(NULL) != OL_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
