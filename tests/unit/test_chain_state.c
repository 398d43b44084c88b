/* The sandbox chain's state machine through its JSON-RPC handler (no sockets): transaction
 * verification errors (signature, nonce, block-hash window, access-key permissions, balance),
 * balance arithmetic of transfers to the yocto, persistence across a restart, and queries at
 * past blocks (historical state: accounts, access keys, contract storage, code, deleted records,
 * prefix scans, the retention window and its GARBAGE_COLLECTED_BLOCK answer).
 *
 * Each test opens a fresh chain in a temporary directory and produces its blocks itself, so
 * heights are deterministic: a transaction is included in the next block, its receipts run in
 * the blocks after, and settle() produces enough blocks for every refund to land.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "chain_int.h"
#include "ol/chain.h"
#include "ol/near.h"
#include "test.h"

/*
A key-value contract. put: input = key length (1 byte) ‖ key ‖ value; put_trap: the same write,
then a trap (the receipt fails, its write is rolled back); del: input = key; get: input = key,
returns the value (nothing when absent).
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "storage_write" (func $storage_write (param i64 i64 i64 i64 i64) (result i64)))
  (import "env" "storage_read" (func $storage_read (param i64 i64 i64) (result i64)))
  (import "env" "storage_remove" (func $storage_remove (param i64 i64 i64) (result i64)))
  (memory 1)
  (func $put (local $n i64) (local $k i64)
    (call $input (i64.const 0))
    (local.set $n (call $register_len (i64.const 0)))
    (call $read_register (i64.const 0) (i64.const 0))
    (local.set $k (i64.load8_u (i32.const 0)))
    (drop (call $storage_write (local.get $k) (i64.const 1)
      (i64.sub (i64.sub (local.get $n) (i64.const 1)) (local.get $k))
      (i64.add (i64.const 1) (local.get $k)) (i64.const 1))))
  (func (export "put") (call $put))
  (func (export "put_trap") (call $put) unreachable)
  (func (export "del")
    (call $input (i64.const 0))
    (call $read_register (i64.const 0) (i64.const 0))
    (drop (call $storage_remove (call $register_len (i64.const 0)) (i64.const 0) (i64.const 1))))
  (func (export "get")
    (call $input (i64.const 0))
    (call $read_register (i64.const 0) (i64.const 0))
    (if (i32.wrap_i64 (call $storage_read (call $register_len (i64.const 0)) (i64.const 0)
                                          (i64.const 1)))
      (then (call $value_return (i64.const -1) (i64.const 1)))))
)
*/
static const uint8_t wasm_kv[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x22, 0x06, 0x60, 0x01, 0x7e, 0x00, 0x60,
    0x01, 0x7e, 0x01, 0x7e, 0x60, 0x02, 0x7e, 0x7e, 0x00, 0x60, 0x05, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e,
    0x01, 0x7e, 0x60, 0x03, 0x7e, 0x7e, 0x7e, 0x01, 0x7e, 0x60, 0x00, 0x00, 0x02, 0x83, 0x01, 0x07,
    0x03, 0x65, 0x6e, 0x76, 0x05, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76,
    0x0c, 0x72, 0x65, 0x67, 0x69, 0x73, 0x74, 0x65, 0x72, 0x5f, 0x6c, 0x65, 0x6e, 0x00, 0x01, 0x03,
    0x65, 0x6e, 0x76, 0x0d, 0x72, 0x65, 0x61, 0x64, 0x5f, 0x72, 0x65, 0x67, 0x69, 0x73, 0x74, 0x65,
    0x72, 0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x0c, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x5f, 0x72, 0x65,
    0x74, 0x75, 0x72, 0x6e, 0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x0d, 0x73, 0x74, 0x6f, 0x72, 0x61,
    0x67, 0x65, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x03, 0x03, 0x65, 0x6e, 0x76, 0x0c, 0x73,
    0x74, 0x6f, 0x72, 0x61, 0x67, 0x65, 0x5f, 0x72, 0x65, 0x61, 0x64, 0x00, 0x04, 0x03, 0x65, 0x6e,
    0x76, 0x0e, 0x73, 0x74, 0x6f, 0x72, 0x61, 0x67, 0x65, 0x5f, 0x72, 0x65, 0x6d, 0x6f, 0x76, 0x65,
    0x00, 0x04, 0x03, 0x06, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07,
    0x1e, 0x04, 0x03, 0x70, 0x75, 0x74, 0x00, 0x08, 0x08, 0x70, 0x75, 0x74, 0x5f, 0x74, 0x72, 0x61,
    0x70, 0x00, 0x09, 0x03, 0x64, 0x65, 0x6c, 0x00, 0x0a, 0x03, 0x67, 0x65, 0x74, 0x00, 0x0b, 0x0a,
    0x77, 0x05, 0x31, 0x01, 0x02, 0x7e, 0x42, 0x00, 0x10, 0x00, 0x42, 0x00, 0x10, 0x01, 0x21, 0x00,
    0x42, 0x00, 0x42, 0x00, 0x10, 0x02, 0x41, 0x00, 0x31, 0x00, 0x00, 0x21, 0x01, 0x20, 0x01, 0x42,
    0x01, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x20, 0x01, 0x7d, 0x42, 0x01, 0x20, 0x01, 0x7c, 0x42, 0x01,
    0x10, 0x04, 0x1a, 0x0b, 0x04, 0x00, 0x10, 0x07, 0x0b, 0x05, 0x00, 0x10, 0x07, 0x00, 0x0b, 0x17,
    0x00, 0x42, 0x00, 0x10, 0x00, 0x42, 0x00, 0x42, 0x00, 0x10, 0x02, 0x42, 0x00, 0x10, 0x01, 0x42,
    0x00, 0x42, 0x01, 0x10, 0x06, 0x1a, 0x0b, 0x20, 0x00, 0x42, 0x00, 0x10, 0x00, 0x42, 0x00, 0x42,
    0x00, 0x10, 0x02, 0x42, 0x00, 0x10, 0x01, 0x42, 0x00, 0x42, 0x01, 0x10, 0x05, 0xa7, 0x04, 0x40,
    0x42, 0x7f, 0x42, 0x01, 0x10, 0x03, 0x0b, 0x0b,
};

/* Gas of a transfer: (receipt creation + transfer) send fees at conversion, the same again as
 * exec fees when the receipt runs (near-protocol.md §6). */
#define TRANSFER_GAS (2 * (UINT64_C(108059500000) + UINT64_C(115123062500)))

/* ------------------------------------- harness ------------------------------------- */

typedef struct fx {
    char dir[64];
    ol_chain *c;
    ol_near_credentials root;
} fx;

static void fx_open(fx *f)
{
    ol_diag d = {0};
    ol_chain_config cfg = {f->dir, NULL};
    if (ol_chain_open(&cfg, &f->c, &d) != OL_OK)
        fail_msg("ol_chain_open: %s", d.msg);
    char path[128];
    snprintf(path, sizeof path, "%s/%s.json", f->dir, OL_CHAIN_ROOT_ACCOUNT);
    if (ol_near_credentials_read(path, &f->root, &d) != OL_OK)
        fail_msg("credentials: %s", d.msg);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ol-chain-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    fx_open(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char cmd[128];
    ol_chain_close(f->c);
    ol_near_credentials_wipe(&f->root);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

static void fx_reopen(fx *f)
{
    ol_chain_close(f->c);
    f->c = NULL;
    ol_near_credentials_wipe(&f->root);
    fx_open(f);
}

static void produce(fx *f, int n)
{
    ol_diag d = {0};
    for (int i = 0; i < n; i++)
        if (ol_chain_produce_block(f->c, 0, &d) != OL_OK)
            fail_msg("produce_block: %s", d.msg);
}

/* Enough blocks for a transaction, its receipts and their refunds. */
static void settle(fx *f)
{
    produce(f, 4);
}

static uint64_t head(fx *f)
{
    return ol_chain_head_height(f->c);
}

/* One JSON-RPC call; params stolen. Returns the whole response. */
static json_t *rpc(fx *f, const char *method, json_t *params)
{
    json_t *req = json_pack("{s:s,s:s,s:s,s:o}", "jsonrpc", "2.0", "id", "t", "method", method,
                            "params", params);
    assert_non_null(req);
    char *body = json_dumps(req, JSON_COMPACT);
    assert_non_null(body);
    char *resp = NULL;
    size_t n = 0;
    int http = 0;
    assert_int_equal(ol_chain_rpc_handle(f->c, body, strlen(body), &resp, &n, &http), OL_OK);
    json_t *r = json_loads(resp, 0, NULL);
    if (r == NULL)
        fail_msg("response is not JSON: %s", resp);
    free(resp);
    free(body);
    json_decref(req);
    return r;
}

static json_t *result_of(json_t *r)
{
    json_t *x = json_object_get(r, "result");
    if (x == NULL) {
        char *t = json_dumps(r, JSON_COMPACT);
        fail_msg("expected a result, got %s", t ? t : "?");
    }
    return x;
}

static const char *cause_of(json_t *r)
{
    const char *s = json_string_value(
        json_object_get(json_object_get(json_object_get(r, "error"), "cause"), "name"));
    if (s == NULL) {
        char *t = json_dumps(r, JSON_COMPACT);
        fail_msg("expected an error, got %s", t ? t : "?");
    }
    return s;
}

/* query at block height h (h < 0: finality "final"); the other params packed from fmt. */
static json_t *query_at(fx *f, int64_t h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *p = json_vpack_ex(NULL, 0, fmt, ap);
    va_end(ap);
    assert_non_null(p);
    if (h < 0)
        json_object_set_new(p, "finality", json_string("final"));
    else
        json_object_set_new(p, "block_id", json_integer((json_int_t)h));
    return rpc(f, "query", p);
}

static ol_near_u128 u128_of(json_t *v)
{
    ol_near_u128 x;
    const char *s = json_string_value(v);
    assert_non_null(s);
    assert_int_equal(ol_near_u128_parse(s, strlen(s), &x, NULL), OL_OK);
    return x;
}

static ol_near_u128 u128_sub(ol_near_u128 a, ol_near_u128 b)
{
    ol_near_u128 r;
    assert_int_equal(ol_near_u128_sub(a, b, &r, NULL), OL_OK);
    return r;
}

static ol_near_u128 u128_add(ol_near_u128 a, ol_near_u128 b)
{
    ol_near_u128 r;
    assert_int_equal(ol_near_u128_add(a, b, &r, NULL), OL_OK);
    return r;
}

static void assert_u128_eq(ol_near_u128 a, ol_near_u128 b)
{
    if (ol_near_u128_cmp(a, b) != 0) {
        char x[OL_NEAR_U128_STR_MAX], y[OL_NEAR_U128_STR_MAX];
        ol_near_u128_format(a, x);
        ol_near_u128_format(b, y);
        fail_msg("%s != %s", x, y);
    }
}

static ol_near_u128 balance_at(fx *f, const char *id, int64_t h)
{
    json_t *r = query_at(f, h, "{s:s,s:s}", "request_type", "view_account", "account_id", id);
    ol_near_u128 v = u128_of(json_object_get(result_of(r), "amount"));
    json_decref(r);
    return v;
}

static ol_near_u128 balance(fx *f, const char *id)
{
    return balance_at(f, id, -1);
}

static uint64_t key_nonce(fx *f, const ol_near_credentials *who)
{
    char pk[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&who->public_key, pk);
    json_t *r = query_at(f, -1, "{s:s,s:s,s:s}", "request_type", "view_access_key", "account_id",
                         who->account_id, "public_key", pk);
    json_t *n = json_object_get(result_of(r), "nonce");
    assert_true(json_is_integer(n));
    uint64_t v = (uint64_t)json_integer_value(n);
    json_decref(r);
    return v;
}

static void new_creds(const char *id, ol_near_credentials *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->account_id, sizeof out->account_id, "%s", id);
    assert_int_equal(ol_near_secret_key_generate(&out->secret_key, NULL), OL_OK);
    ol_near_secret_key_public(&out->secret_key, &out->public_key);
}

/* How a test transaction is signed. */
typedef struct txopt {
    uint64_t nonce;            /* 0: the key's nonce + 1 */
    const uint8_t *block_hash; /* NULL: the head's */
    bool bad_signature;
} txopt;

/* Signs actions_json from who to receiver and submits it with broadcast_tx_async; returns the
 * response (result: the transaction hash). */
static json_t *submit_opt(fx *f, const ol_near_credentials *who, const char *receiver,
                          const char *actions_json, const txopt *o)
{
    ol_near_arena *ar = NULL;
    const ol_near_action *acts = NULL;
    size_t n = 0;
    ol_diag d = {0};
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    if (ol_near_actions_from_json(actions_json, strlen(actions_json), ar, &acts, &n, &d) != OL_OK)
        fail_msg("actions: %s", d.msg);
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.signer_id = who->account_id;
    tx.public_key = who->public_key;
    tx.nonce = o->nonce ? o->nonce : key_nonce(f, who) + 1;
    tx.receiver_id = receiver;
    memcpy(tx.block_hash, o->block_hash ? o->block_hash : f->c->head_hash, OL_NEAR_HASH_LEN);
    tx.actions = acts;
    tx.n_actions = n;
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    if (ol_near_tx_sign(&tx, &who->secret_key, NULL, NULL, &b, &d) != OL_OK)
        fail_msg("sign: %s", d.msg);
    if (o->bad_signature)
        b.p[b.len - 1] ^= 1; /* the signature is last */
    size_t cap = ol_near_base64_encoded_max(b.len);
    char *b64 = malloc(cap);
    assert_non_null(b64);
    assert_int_equal(ol_near_base64_encode(b.p, b.len, b64, cap, NULL, NULL), OL_OK);
    json_t *r = rpc(f, "broadcast_tx_async", json_pack("[s]", b64));
    free(b64);
    ol_near_buf_fini(&b);
    ol_near_arena_free(ar);
    return r;
}

static json_t *submit(fx *f, const ol_near_credentials *who, const char *receiver,
                      const char *actions_json)
{
    txopt o = {0, NULL, false};
    return submit_opt(f, who, receiver, actions_json, &o);
}

/* Submits, settles, and returns the final outcome (the `tx` result, owned by the caller). */
static json_t *run_tx(fx *f, const ol_near_credentials *who, const char *receiver,
                      const char *actions_json)
{
    json_t *r = submit(f, who, receiver, actions_json);
    const char *hash = json_string_value(result_of(r));
    assert_non_null(hash);
    settle(f);
    json_t *t = rpc(f, "tx",
                    json_pack("{s:s,s:s,s:s}", "tx_hash", hash, "sender_account_id",
                              who->account_id, "wait_until", "FINAL"));
    json_decref(r);
    json_t *res = json_incref(result_of(t));
    json_decref(t);
    return res;
}

static void assert_success(json_t *outcome)
{
    json_t *st = json_object_get(outcome, "status");
    if (json_object_get(st, "SuccessValue") == NULL) {
        char *t = json_dumps(st, JSON_COMPACT);
        fail_msg("transaction failed: %s", t ? t : "?");
    }
}

/* Σ tokens_burnt of the transaction and all its receipts. */
static ol_near_u128 burnt_of(json_t *outcome)
{
    ol_near_u128 sum = u128_of(
        json_object_get(json_object_get(json_object_get(outcome, "transaction_outcome"), "outcome"),
                        "tokens_burnt"));
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(outcome, "receipts_outcome"), i, o)
    {
        sum =
            u128_add(sum, u128_of(json_object_get(json_object_get(o, "outcome"), "tokens_burnt")));
    }
    return sum;
}

/* Runs a transaction that must succeed. */
static void run_ok(fx *f, const ol_near_credentials *who, const char *receiver,
                   const char *actions_json)
{
    json_t *o = run_tx(f, who, receiver, actions_json);
    assert_success(o);
    json_decref(o);
}

static void create_account(fx *f, const ol_near_credentials *acc, const char *deposit)
{
    char pk[OL_NEAR_KEY_STR_MAX], actions[512];
    ol_near_public_key_format(&acc->public_key, pk);
    snprintf(actions, sizeof actions,
             "[\"CreateAccount\",{\"Transfer\":{\"deposit\":\"%s\"}},{\"AddKey\":{\"public_key\":"
             "\"%s\",\"access_key\":{\"nonce\":0,\"permission\":\"FullAccess\"}}}]",
             deposit, pk);
    run_ok(f, &f->root, acc->account_id, actions);
}

/* The InvalidTxError of an INVALID_TRANSACTION answer. */
static json_t *invalid_tx(json_t *r)
{
    assert_string_equal(cause_of(r), "INVALID_TRANSACTION");
    json_t *e = json_object_get(
        json_object_get(json_object_get(json_object_get(r, "error"), "data"), "TxExecutionError"),
        "InvalidTxError");
    assert_non_null(e);
    return e;
}

/* The InvalidTxError of submitting actions, as compact JSON text (caller frees). */
static char *submit_error(fx *f, const ol_near_credentials *who, const char *receiver,
                          const char *actions_json, const txopt *o)
{
    json_t *r = submit_opt(f, who, receiver, actions_json, o);
    char *t = json_dumps(invalid_tx(r), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(r);
    assert_non_null(t);
    return t;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("'%s' does not contain '%s'", hay, needle);
}

static char *kv_code_b64(void)
{
    size_t cap = ol_near_base64_encoded_max(sizeof wasm_kv);
    char *s = malloc(cap);
    assert_non_null(s);
    assert_int_equal(ol_near_base64_encode(wasm_kv, sizeof wasm_kv, s, cap, NULL, NULL), OL_OK);
    return s;
}

static void deploy_kv(fx *f, const ol_near_credentials *acc)
{
    char *code = kv_code_b64();
    size_t n = strlen(code) + 64;
    char *actions = malloc(n);
    assert_non_null(actions);
    snprintf(actions, n, "[{\"DeployContract\":{\"code_base64\":\"%s\"}}]", code);
    run_ok(f, acc, acc->account_id, actions);
    free(actions);
    free(code);
}

static void b64(const char *s, char *out, size_t cap)
{
    assert_int_equal(ol_near_base64_encode((const uint8_t *)s, strlen(s), out, cap, NULL, NULL),
                     OL_OK);
}

/* The actions of a call to the kv contract: method with input = args (raw bytes). */
static void kv_actions(const char *method, const char *args, size_t alen, char *out, size_t cap)
{
    char a64[256];
    assert_int_equal(
        ol_near_base64_encode((const uint8_t *)args, alen, a64, sizeof a64, NULL, NULL), OL_OK);
    snprintf(out, cap,
             "[{\"FunctionCall\":{\"method_name\":\"%s\",\"args_base64\":\"%s\","
             "\"gas\":30000000000000,\"deposit\":\"0\"}}]",
             method, a64);
}

static void kv_put_actions(const char *method, const char *k, const char *v, char *out, size_t cap)
{
    char in[128];
    size_t kl = strlen(k), vl = strlen(v);
    in[0] = (char)kl;
    memcpy(in + 1, k, kl);
    memcpy(in + 1 + kl, v, vl);
    kv_actions(method, in, 1 + kl + vl, out, cap);
}

static void kv_put(fx *f, const ol_near_credentials *acc, const char *k, const char *v)
{
    char actions[512];
    kv_put_actions("put", k, v, actions, sizeof actions);
    run_ok(f, acc, acc->account_id, actions);
}

static void kv_del(fx *f, const ol_near_credentials *acc, const char *k)
{
    char actions[512];
    kv_actions("del", k, strlen(k), actions, sizeof actions);
    run_ok(f, acc, acc->account_id, actions);
}

/* view_state at h as "k=v;k=v;" (keys and values decoded; they are text in these tests). */
static void state_at(fx *f, const char *id, const char *prefix, int64_t h, char *out, size_t cap)
{
    char p64[64];
    b64(prefix, p64, sizeof p64);
    json_t *r = query_at(f, h, "{s:s,s:s,s:s}", "request_type", "view_state", "account_id", id,
                         "prefix_base64", p64);
    json_t *res = result_of(r);
    assert_int_equal(json_integer_value(json_object_get(res, "block_height")),
                     h < 0 ? (json_int_t)head(f) : h);
    size_t i, used = 0;
    json_t *kv;
    out[0] = '\0';
    json_array_foreach(json_object_get(res, "values"), i, kv)
    {
        uint8_t k[64], v[64];
        size_t kl = 0, vl = 0;
        const char *ks = json_string_value(json_object_get(kv, "key"));
        const char *vs = json_string_value(json_object_get(kv, "value"));
        assert_int_equal(ol_near_base64_decode(ks, strlen(ks), k, sizeof k, &kl, NULL), OL_OK);
        assert_int_equal(ol_near_base64_decode(vs, strlen(vs), v, sizeof v, &vl, NULL), OL_OK);
        used += (size_t)snprintf(out + used, cap - used, "%.*s=%.*s;", (int)kl, (const char *)k,
                                 (int)vl, (const char *)v);
        assert_true(used < cap);
    }
    json_decref(r);
}

/* call_function get(k) at h: the value, "" when absent. */
static void kv_get_at(fx *f, const char *id, const char *k, int64_t h, char *out, size_t cap)
{
    char a64[64];
    b64(k, a64, sizeof a64);
    json_t *r = query_at(f, h, "{s:s,s:s,s:s,s:s}", "request_type", "call_function", "account_id",
                         id, "method_name", "get", "args_base64", a64);
    json_t *res = result_of(r);
    if (json_object_get(res, "error") != NULL)
        fail_msg("call_function: %s", json_string_value(json_object_get(res, "error")));
    size_t i, n = 0;
    json_t *byte;
    json_array_foreach(json_object_get(res, "result"), i, byte)
    {
        assert_true(n + 1 < cap);
        out[n++] = (char)json_integer_value(byte);
    }
    out[n] = '\0';
    json_decref(r);
}

static size_t key_count_at(fx *f, const char *id, int64_t h)
{
    json_t *r =
        query_at(f, h, "{s:s,s:s}", "request_type", "view_access_key_list", "account_id", id);
    size_t n = json_array_size(json_object_get(result_of(r), "keys"));
    json_decref(r);
    return n;
}

static bool key_exists_at(fx *f, const ol_near_credentials *who, int64_t h)
{
    char pk[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&who->public_key, pk);
    json_t *r = query_at(f, h, "{s:s,s:s,s:s}", "request_type", "view_access_key", "account_id",
                         who->account_id, "public_key", pk);
    json_t *res = result_of(r);
    bool exists = json_object_get(res, "error") == NULL;
    if (!exists)
        assert_non_null(strstr(json_string_value(json_object_get(res, "error")),
                               "does not exist while viewing"));
    json_decref(r);
    return exists;
}

static void block_hash_at(fx *f, uint64_t h, char out[OL_NEAR_HASH_STR_MAX])
{
    json_t *r = rpc(f, "block", json_pack("{s:I}", "block_id", (json_int_t)h));
    const char *s =
        json_string_value(json_object_get(json_object_get(result_of(r), "header"), "hash"));
    assert_non_null(s);
    snprintf(out, OL_NEAR_HASH_STR_MAX, "%s", s);
    json_decref(r);
}

static ol_near_u128 near_amount(const char *s)
{
    ol_near_u128 v;
    assert_int_equal(ol_near_amount_parse(s, strlen(s), &v, NULL), OL_OK);
    return v;
}

/* ------------------------------ transaction verification ------------------------------ */

static void test_tx_signature_and_nonce(void **state)
{
    fx *f = *state;
    ol_near_credentials alice, stranger;
    new_creds("alice.test.near", &alice);
    create_account(f, &alice, "10000000000000000000000000");
    const char *send1 = "[{\"Transfer\":{\"deposit\":\"1\"}}]";

    /* A flipped signature bit. */
    txopt o = {0, NULL, true};
    char *e = submit_error(f, &alice, "test.near", send1, &o);
    assert_string_equal(e, "\"InvalidSignature\"");
    free(e);

    /* Nonces: not above the key's, and below (height of the including block) x 10^6. */
    uint64_t ak = key_nonce(f, &alice);
    assert_true(ak > 0 && ak % 1000000 == 0); /* a new key's nonce: (height - 1) x 10^6 */
    o = (txopt){ak, NULL, false};
    e = submit_error(f, &alice, "test.near", send1, &o);
    char want[256];
    snprintf(want, sizeof want, "{\"InvalidNonce\":{\"ak_nonce\":%llu,\"tx_nonce\":%llu}}",
             (unsigned long long)ak, (unsigned long long)ak);
    assert_string_equal(e, want);
    free(e);
    uint64_t upper = (head(f) + 1) * 1000000;
    o = (txopt){upper, NULL, false};
    e = submit_error(f, &alice, "test.near", send1, &o);
    snprintf(want, sizeof want, "{\"NonceTooLarge\":{\"tx_nonce\":%llu,\"upper_bound\":%llu}}",
             (unsigned long long)upper, (unsigned long long)upper);
    assert_string_equal(e, want);
    free(e);
    o = (txopt){upper - 1, NULL, false}; /* the largest valid nonce */
    json_t *r = submit_opt(f, &alice, "test.near", send1, &o);
    assert_true(json_is_string(result_of(r)));
    json_decref(r);
    settle(f);
    assert_int_equal(key_nonce(f, &alice), upper - 1);

    /* Unknown signer, unknown key. */
    new_creds("ghost.test.near", &stranger);
    o = (txopt){1, NULL, false};
    e = submit_error(f, &stranger, "test.near", send1, &o);
    assert_string_equal(e, "{\"SignerDoesNotExist\":{\"signer_id\":\"ghost.test.near\"}}");
    free(e);
    snprintf(stranger.account_id, sizeof stranger.account_id, "alice.test.near");
    e = submit_error(f, &stranger, "test.near", send1, &o);
    assert_contains(e, "{\"InvalidAccessKeyError\":{\"AccessKeyNotFound\":{\"account_id\":"
                       "\"alice.test.near\"");
    free(e);

    /* More than the balance: NotEnoughBalance names the balance and the cost. */
    ol_near_u128 bal = balance(f, "alice.test.near");
    char bs[OL_NEAR_U128_STR_MAX];
    ol_near_u128_format(bal, bs);
    e = submit_error(f, &alice, "test.near", "[{\"Transfer\":{\"deposit\":\"11 NEAR\"}}]",
                     &(txopt){0, NULL, false});
    assert_contains(e, "{\"NotEnoughBalance\":{\"balance\":\"");
    assert_contains(e, bs);
    free(e);
    ol_near_credentials_wipe(&alice);
    ol_near_credentials_wipe(&stranger);
}

static void test_tx_block_hash_window(void **state)
{
    fx *f = *state;
    const char *send1 = "[{\"Transfer\":{\"deposit\":\"1\"}}]";
    /* A block hash the chain never produced. */
    uint8_t unknown[OL_NEAR_HASH_LEN];
    memset(unknown, 7, sizeof unknown);
    char *e = submit_error(f, &f->root, "test.near", send1, &(txopt){0, unknown, false});
    assert_string_equal(e, "\"Expired\"");
    free(e);

    /* The validity window: a transaction may name a block up to 86,400 blocks behind the head.
     * Producing that many blocks takes minutes, so the head's height is moved instead (the
     * check reads nothing else). */
    produce(f, 2);
    ol__chain_block g;
    assert_int_equal(ol__chain_block_by_height(f->c, 1, &g, NULL), OL_OK);
    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, NULL), OL_OK);
    const ol_near_action *acts = NULL;
    size_t n = 0;
    assert_int_equal(ol_near_actions_from_json(send1, strlen(send1), ar, &acts, &n, NULL), OL_OK);
    ol_near_signed_tx stx;
    memset(&stx, 0, sizeof stx);
    stx.tx = (ol_near_tx){f->root.account_id, f->root.public_key, 1, "test.near", {0}, acts, n};
    memcpy(stx.tx.block_hash, g.hash, OL_NEAR_HASH_LEN);
    assert_int_equal(
        ol_near_tx_sign(&stx.tx, &f->root.secret_key, NULL, &stx.signature, NULL, NULL), OL_OK);
    uint64_t real = f->c->height;
    char *err = NULL;
    f->c->height = g.height + OL__CHAIN_VALIDITY_PERIOD;
    assert_int_equal(ol__chain_tx_validate(f->c, &stx, 200, &err, NULL), OL_OK);
    assert_null(err);
    f->c->height = g.height + OL__CHAIN_VALIDITY_PERIOD + 1;
    assert_int_equal(ol__chain_tx_validate(f->c, &stx, 200, &err, NULL), OL_E_INVAL);
    assert_string_equal(err, "\"Expired\"");
    free(err);
    f->c->height = real;
    ol_near_arena_free(ar);
}

static void test_tx_access_key_permissions(void **state)
{
    fx *f = *state;
    ol_near_credentials alice, fc, poor;
    new_creds("alice.test.near", &alice);
    create_account(f, &alice, "10000000000000000000000000");
    new_creds("test.near", &fc);
    new_creds("test.near", &poor);
    char pk[OL_NEAR_KEY_STR_MAX], actions[512];
    /* fc: alice.test.near's foo and bar, no allowance limit; poor: any method, 1 yocto. */
    ol_near_public_key_format(&fc.public_key, pk);
    snprintf(actions, sizeof actions,
             "[{\"AddKey\":{\"public_key\":\"%s\",\"access_key\":{\"nonce\":0,\"permission\":{"
             "\"FunctionCall\":{\"allowance\":null,\"receiver_id\":\"alice.test.near\","
             "\"method_names\":[\"foo\",\"bar\"]}}}}}]",
             pk);
    run_ok(f, &f->root, "test.near", actions);
    ol_near_public_key_format(&poor.public_key, pk);
    snprintf(actions, sizeof actions,
             "[{\"AddKey\":{\"public_key\":\"%s\",\"access_key\":{\"nonce\":0,\"permission\":{"
             "\"FunctionCall\":{\"allowance\":\"1\",\"receiver_id\":\"alice.test.near\","
             "\"method_names\":[]}}}}}]",
             pk);
    run_ok(f, &f->root, "test.near", actions);

    txopt o = {0, NULL, false};
    char *e = submit_error(f, &fc, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"1\"}}]", &o);
    assert_string_equal(e, "{\"InvalidAccessKeyError\":\"RequiresFullAccess\"}");
    free(e);
    const char *call_foo = "[{\"FunctionCall\":{\"method_name\":\"foo\",\"args_base64\":\"\","
                           "\"gas\":1000000000000,\"deposit\":\"0\"}}]";
    e = submit_error(f, &fc, "test.near", call_foo, &o);
    assert_string_equal(e, "{\"InvalidAccessKeyError\":{\"ReceiverMismatch\":{\"ak_receiver\":"
                           "\"alice.test.near\",\"tx_receiver\":\"test.near\"}}}");
    free(e);
    e = submit_error(f, &fc, "alice.test.near",
                     "[{\"FunctionCall\":{\"method_name\":\"baz\",\"args_base64\":\"\","
                     "\"gas\":1000000000000,\"deposit\":\"0\"}}]",
                     &o);
    assert_string_equal(
        e, "{\"InvalidAccessKeyError\":{\"MethodNameMismatch\":{\"method_name\":\"baz\"}}}");
    free(e);
    e = submit_error(f, &fc, "alice.test.near",
                     "[{\"FunctionCall\":{\"method_name\":\"foo\",\"args_base64\":\"\","
                     "\"gas\":1000000000000,\"deposit\":\"1\"}}]",
                     &o);
    assert_string_equal(e, "{\"InvalidAccessKeyError\":\"DepositWithFunctionCall\"}");
    free(e);
    e = submit_error(f, &poor, "alice.test.near", call_foo, &o);
    assert_contains(e, "{\"InvalidAccessKeyError\":{\"NotEnoughAllowance\":{\"account_id\":"
                       "\"test.near\",\"allowance\":\"1\"");
    free(e);
    /* The permitted call passes verification (the call itself fails: no contract). */
    json_t *r = submit(f, &fc, "alice.test.near", call_foo);
    assert_true(json_is_string(result_of(r)));
    json_decref(r);
    settle(f);
    ol_near_credentials_wipe(&alice);
    ol_near_credentials_wipe(&fc);
    ol_near_credentials_wipe(&poor);
}

/* --------------------------------- balance arithmetic --------------------------------- */

static void test_transfer_balances(void **state)
{
    fx *f = *state;
    ol_near_u128 r0 = balance(f, "test.near");
    assert_u128_eq(r0, near_amount("1000000000 NEAR"));

    ol_near_credentials alice;
    new_creds("alice.test.near", &alice);
    char pk[OL_NEAR_KEY_STR_MAX], actions[512];
    ol_near_public_key_format(&alice.public_key, pk);
    snprintf(actions, sizeof actions,
             "[\"CreateAccount\",{\"Transfer\":{\"deposit\":\"10000000000000000000000000\"}},"
             "{\"AddKey\":{\"public_key\":\"%s\",\"access_key\":{\"nonce\":0,\"permission\":"
             "\"FullAccess\"}}}]",
             pk);
    json_t *o = run_tx(f, &f->root, "alice.test.near", actions);
    assert_success(o);
    ol_near_u128 r1 = balance(f, "test.near"), a1 = balance(f, "alice.test.near");
    assert_u128_eq(a1, near_amount("10 NEAR"));
    /* The root paid the deposit and the gas burnt; the unspent prepaid gas came back. */
    assert_u128_eq(u128_sub(r0, r1), u128_add(near_amount("10 NEAR"), burnt_of(o)));
    json_decref(o);

    /* A plain transfer: exact fees, nothing to refund. */
    o = run_tx(f, &f->root, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"7\"}}]");
    assert_success(o);
    ol_near_u128 r2 = balance(f, "test.near"), a2 = balance(f, "alice.test.near");
    ol_near_u128 fee;
    assert_int_equal(ol_near_u128_mul(ol_near_u128_from_u64(TRANSFER_GAS),
                                      ol_near_u128_from_u64(OL_CHAIN_GAS_PRICE), &fee, NULL),
                     OL_OK);
    assert_u128_eq(burnt_of(o), fee);
    assert_u128_eq(u128_sub(a2, a1), ol_near_u128_from_u64(7));
    assert_u128_eq(u128_sub(r1, r2), u128_add(ol_near_u128_from_u64(7), fee));
    json_decref(o);

    /* Back from alice to the root: the same fee, paid by alice. */
    o = run_tx(f, &alice, "test.near", "[{\"Transfer\":{\"deposit\":\"1000\"}}]");
    assert_success(o);
    ol_near_u128 r3 = balance(f, "test.near"), a3 = balance(f, "alice.test.near");
    assert_u128_eq(u128_sub(r3, r2), ol_near_u128_from_u64(1000));
    assert_u128_eq(u128_sub(a2, a3), u128_add(ol_near_u128_from_u64(1000), fee));
    json_decref(o);

    /* To an account that does not exist: the receipt fails, the deposit is refunded, the gas
     * stays burnt. */
    o = run_tx(f, &f->root, "nobody.test.near", "[{\"Transfer\":{\"deposit\":\"5 NEAR\"}}]");
    json_t *fk = json_object_get(
        json_object_get(json_object_get(json_object_get(o, "status"), "Failure"), "ActionError"),
        "kind");
    assert_non_null(json_object_get(fk, "AccountDoesNotExist"));
    ol_near_u128 r4 = balance(f, "test.near");
    assert_u128_eq(u128_sub(r3, r4), burnt_of(o));
    json_decref(o);
    ol_near_credentials_wipe(&alice);
}

/* ------------------------------------ persistence ------------------------------------ */

static void test_restart_persists(void **state)
{
    fx *f = *state;
    ol_near_credentials alice;
    new_creds("alice.test.near", &alice);
    create_account(f, &alice, "10000000000000000000000000");
    uint64_t h_created = head(f);
    run_ok(f, &f->root, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"3\"}}]");
    ol_near_u128 r = balance(f, "test.near"), a = balance(f, "alice.test.near");
    uint64_t h = head(f), nonce = key_nonce(f, &f->root);
    char hash[OL_NEAR_HASH_STR_MAX];
    block_hash_at(f, h, hash);

    fx_reopen(f);
    assert_int_equal(head(f), h);
    assert_u128_eq(balance(f, "test.near"), r);
    assert_u128_eq(balance(f, "alice.test.near"), a);
    assert_int_equal(key_nonce(f, &f->root), nonce);
    char hash2[OL_NEAR_HASH_STR_MAX];
    block_hash_at(f, h, hash2);
    assert_string_equal(hash, hash2);
    /* The history survives too. */
    assert_u128_eq(balance_at(f, "alice.test.near", (int64_t)h_created), near_amount("10 NEAR"));
    /* A used nonce stays used; the chain goes on from the stored head. */
    char *e = submit_error(f, &f->root, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"1\"}}]",
                           &(txopt){nonce, NULL, false});
    assert_contains(e, "InvalidNonce");
    free(e);
    run_ok(f, &f->root, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"1\"}}]");
    assert_true(head(f) > h);
    assert_u128_eq(balance(f, "alice.test.near"), u128_add(a, ol_near_u128_from_u64(1)));
    ol_near_credentials_wipe(&alice);
}

/* --------------------------------- historical state --------------------------------- */

static void test_history_accounts(void **state)
{
    fx *f = *state;
    ol_near_credentials alice;
    new_creds("alice.test.near", &alice);
    uint64_t h0 = head(f);
    create_account(f, &alice, "10000000000000000000000000");
    uint64_t h1 = head(f);
    run_ok(f, &f->root, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"7\"}}]");
    uint64_t h2 = head(f);
    produce(f, 3); /* blocks without changes keep the state */

    ol_near_u128 ten = near_amount("10 NEAR");
    assert_u128_eq(balance_at(f, "alice.test.near", (int64_t)h1), ten);
    assert_u128_eq(balance_at(f, "alice.test.near", (int64_t)h2),
                   u128_add(ten, ol_near_u128_from_u64(7)));
    assert_u128_eq(balance_at(f, "alice.test.near", (int64_t)h2 + 2),
                   u128_add(ten, ol_near_u128_from_u64(7)));
    assert_u128_eq(balance(f, "alice.test.near"), u128_add(ten, ol_near_u128_from_u64(7)));
    /* The root's balance at each height differs (fees); genesis holds the initial balance. */
    assert_u128_eq(balance_at(f, "test.near", 1), near_amount("1000000000 NEAR"));
    assert_true(ol_near_u128_cmp(balance_at(f, "test.near", (int64_t)h1),
                                 balance_at(f, "test.near", (int64_t)h2)) > 0);

    /* Before its creation the account does not exist, and the error names the block read. */
    json_t *r = query_at(f, (int64_t)h0, "{s:s,s:s}", "request_type", "view_account", "account_id",
                         "alice.test.near");
    assert_string_equal(cause_of(r), "UNKNOWN_ACCOUNT");
    json_t *info = json_object_get(json_object_get(json_object_get(r, "error"), "cause"), "info");
    assert_int_equal(json_integer_value(json_object_get(info, "block_height")), (json_int_t)h0);
    json_decref(r);

    /* The same block by hash; the result names the block actually read. */
    char hash[OL_NEAR_HASH_STR_MAX];
    block_hash_at(f, h1, hash);
    json_t *p = json_pack("{s:s,s:s,s:s}", "request_type", "view_account", "account_id",
                          "alice.test.near", "block_id", hash);
    r = rpc(f, "query", p);
    json_t *res = result_of(r);
    assert_u128_eq(u128_of(json_object_get(res, "amount")), ten);
    assert_int_equal(json_integer_value(json_object_get(res, "block_height")), (json_int_t)h1);
    assert_string_equal(json_string_value(json_object_get(res, "block_hash")), hash);
    json_decref(r);

    /* Every finality names the head (every block is final when produced). */
    static const char *const fins[] = {"final", "near-final", "optimistic"};
    char head_hash[OL_NEAR_HASH_STR_MAX];
    block_hash_at(f, head(f), head_hash);
    for (size_t i = 0; i < 3; i++) {
        r = rpc(f, "query",
                json_pack("{s:s,s:s,s:s}", "request_type", "view_account", "account_id",
                          "alice.test.near", "finality", fins[i]));
        res = result_of(r);
        assert_int_equal(json_integer_value(json_object_get(res, "block_height")),
                         (json_int_t)head(f));
        assert_string_equal(json_string_value(json_object_get(res, "block_hash")), head_hash);
        json_decref(r);
    }

    /* Unknown blocks, by height and by hash: UNKNOWN_BLOCK echoing the reference. */
    r = query_at(f, 1000000000, "{s:s,s:s}", "request_type", "view_account", "account_id",
                 "alice.test.near");
    assert_string_equal(cause_of(r), "UNKNOWN_BLOCK");
    info = json_object_get(json_object_get(json_object_get(r, "error"), "cause"), "info");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(info, "block_reference"), "block_id")),
        1000000000);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "data")),
                        "Block either has never been observed on the node or has been garbage "
                        "collected: BlockId(Height(1000000000))");
    json_decref(r);
    r = rpc(f, "query",
            json_pack("{s:s,s:s,s:s}", "request_type", "view_account", "account_id",
                      "alice.test.near", "block_id", "11111111111111111111111111111111"));
    assert_string_equal(cause_of(r), "UNKNOWN_BLOCK");
    json_decref(r);
    /* The request is parsed before the block is looked at. */
    r = query_at(f, 1000000000, "{s:s,s:s}", "request_type", "view_everything", "account_id",
                 "alice.test.near");
    assert_string_equal(cause_of(r), "PARSE_ERROR");
    json_decref(r);
    r = rpc(f, "block", json_pack("{s:I}", "block_id", (json_int_t)1000000000));
    assert_string_equal(cause_of(r), "UNKNOWN_BLOCK");
    json_decref(r);
    r = query_at(f, -1, "{s:s,s:s,s:I}", "request_type", "view_account", "account_id",
                 "alice.test.near", "block_id", (json_int_t)-1);
    assert_string_equal(cause_of(r), "PARSE_ERROR");
    json_decref(r);

    /* sync_checkpoint: genesis (the account did not exist yet). */
    r = rpc(f, "query",
            json_pack("{s:s,s:s,s:s}", "request_type", "view_account", "account_id", "test.near",
                      "sync_checkpoint", "genesis"));
    assert_int_equal(json_integer_value(json_object_get(result_of(r), "block_height")), 1);
    json_decref(r);
    ol_near_credentials_wipe(&alice);
}

static void test_history_keys(void **state)
{
    fx *f = *state;
    ol_near_credentials alice, second;
    new_creds("alice.test.near", &alice);
    new_creds("alice.test.near", &second);
    create_account(f, &alice, "10000000000000000000000000");
    uint64_t h1 = head(f);
    char pk[OL_NEAR_KEY_STR_MAX], actions[512];
    ol_near_public_key_format(&second.public_key, pk);
    snprintf(actions, sizeof actions,
             "[{\"AddKey\":{\"public_key\":\"%s\",\"access_key\":{\"nonce\":0,\"permission\":"
             "\"FullAccess\"}}}]",
             pk);
    run_ok(f, &alice, "alice.test.near", actions);
    uint64_t h2 = head(f);
    /* The second key signs (its nonce changes), then deletes itself. */
    run_ok(f, &second, "test.near", "[{\"Transfer\":{\"deposit\":\"1\"}}]");
    uint64_t h3 = head(f);
    uint64_t n3 = key_nonce(f, &second);
    snprintf(actions, sizeof actions, "[{\"DeleteKey\":{\"public_key\":\"%s\"}}]", pk);
    run_ok(f, &alice, "alice.test.near", actions);
    uint64_t h4 = head(f);

    assert_int_equal(key_count_at(f, "alice.test.near", (int64_t)h1), 1);
    assert_int_equal(key_count_at(f, "alice.test.near", (int64_t)h2), 2);
    assert_int_equal(key_count_at(f, "alice.test.near", (int64_t)h3), 2);
    assert_int_equal(key_count_at(f, "alice.test.near", (int64_t)h4), 1);
    assert_int_equal(key_count_at(f, "alice.test.near", -1), 1);
    assert_false(key_exists_at(f, &second, (int64_t)h1));
    assert_true(key_exists_at(f, &second, (int64_t)h2));
    assert_true(key_exists_at(f, &second, (int64_t)h3));
    assert_false(key_exists_at(f, &second, (int64_t)h4));
    /* The nonce as of each block. */
    json_t *r = query_at(f, (int64_t)h3, "{s:s,s:s,s:s}", "request_type", "view_access_key",
                         "account_id", "alice.test.near", "public_key", pk);
    assert_int_equal(json_integer_value(json_object_get(result_of(r), "nonce")), (json_int_t)n3);
    json_decref(r);
    r = query_at(f, (int64_t)h2, "{s:s,s:s,s:s}", "request_type", "view_access_key", "account_id",
                 "alice.test.near", "public_key", pk);
    assert_true(json_integer_value(json_object_get(result_of(r), "nonce")) < (json_int_t)n3);
    json_decref(r);
    ol_near_credentials_wipe(&alice);
    ol_near_credentials_wipe(&second);
}

static void test_history_storage_and_code(void **state)
{
    fx *f = *state;
    ol_near_credentials bob;
    char s[512], v[64];
    new_creds("bob.test.near", &bob);
    create_account(f, &bob, "50000000000000000000000000");
    uint64_t h0 = head(f);
    deploy_kv(f, &bob);
    uint64_t h1 = head(f);
    kv_put(f, &bob, "a1", "x");
    kv_put(f, &bob, "a2", "y");
    kv_put(f, &bob, "b1", "z");
    uint64_t h2 = head(f);
    kv_put(f, &bob, "a1", "X");
    kv_del(f, &bob, "a2");
    uint64_t h3 = head(f);
    /* Two writes of one key in one block: the block's state is the last write; the state
     * before it is unchanged. */
    char act1[512], act2[512];
    kv_put_actions("put", "b1", "1", act1, sizeof act1);
    kv_put_actions("put", "b1", "2", act2, sizeof act2);
    uint64_t nonce = key_nonce(f, &bob);
    json_t *r1 = submit_opt(f, &bob, "bob.test.near", act1, &(txopt){nonce + 1, NULL, false});
    json_t *r2 = submit_opt(f, &bob, "bob.test.near", act2, &(txopt){nonce + 2, NULL, false});
    assert_true(json_is_string(result_of(r1)) && json_is_string(result_of(r2)));
    json_decref(r1);
    json_decref(r2);
    settle(f);
    uint64_t h4 = head(f);
    /* A failed receipt writes nothing, to the state or its history. */
    char act3[512];
    kv_put_actions("put_trap", "c1", "no", act3, sizeof act3);
    json_t *o = run_tx(f, &bob, "bob.test.near", act3);
    assert_non_null(json_object_get(json_object_get(o, "status"), "Failure"));
    json_decref(o);
    uint64_t h5 = head(f);

    /* view_code: none before the deploy. */
    json_t *r = query_at(f, (int64_t)h0, "{s:s,s:s}", "request_type", "view_code", "account_id",
                         "bob.test.near");
    assert_string_equal(cause_of(r), "NO_CONTRACT_CODE");
    json_decref(r);
    r = query_at(f, (int64_t)h1, "{s:s,s:s}", "request_type", "view_code", "account_id",
                 "bob.test.near");
    char *code = kv_code_b64();
    assert_string_equal(json_string_value(json_object_get(result_of(r), "code_base64")), code);
    free(code);
    json_decref(r);
    /* call_function at h0: no code yet (the legacy error shape). */
    r = query_at(f, (int64_t)h0, "{s:s,s:s,s:s,s:s}", "request_type", "call_function", "account_id",
                 "bob.test.near", "method_name", "get", "args_base64", "YTE=");
    assert_non_null(
        strstr(json_string_value(json_object_get(result_of(r), "error")), "CodeDoesNotExist"));
    json_decref(r);

    state_at(f, "bob.test.near", "", (int64_t)h1, s, sizeof s);
    assert_string_equal(s, "");
    state_at(f, "bob.test.near", "", (int64_t)h2, s, sizeof s);
    assert_string_equal(s, "a1=x;a2=y;b1=z;");
    state_at(f, "bob.test.near", "a", (int64_t)h2, s, sizeof s);
    assert_string_equal(s, "a1=x;a2=y;");
    state_at(f, "bob.test.near", "a2", (int64_t)h2, s, sizeof s);
    assert_string_equal(s, "a2=y;");
    state_at(f, "bob.test.near", "a", (int64_t)h3, s, sizeof s);
    assert_string_equal(s, "a1=X;");
    state_at(f, "bob.test.near", "", (int64_t)h3, s, sizeof s);
    assert_string_equal(s, "a1=X;b1=z;");
    state_at(f, "bob.test.near", "", (int64_t)h4, s, sizeof s);
    assert_string_equal(s, "a1=X;b1=2;");
    state_at(f, "bob.test.near", "", (int64_t)h5, s, sizeof s);
    assert_string_equal(s, "a1=X;b1=2;");
    state_at(f, "bob.test.near", "b", -1, s, sizeof s);
    assert_string_equal(s, "b1=2;");

    kv_get_at(f, "bob.test.near", "a2", (int64_t)h2, v, sizeof v);
    assert_string_equal(v, "y");
    kv_get_at(f, "bob.test.near", "a2", (int64_t)h3, v, sizeof v);
    assert_string_equal(v, "");
    kv_get_at(f, "bob.test.near", "a1", (int64_t)h2, v, sizeof v);
    assert_string_equal(v, "x");
    kv_get_at(f, "bob.test.near", "a1", -1, v, sizeof v);
    assert_string_equal(v, "X");
    kv_get_at(f, "bob.test.near", "b1", (int64_t)h3, v, sizeof v);
    assert_string_equal(v, "z");
    kv_get_at(f, "bob.test.near", "c1", -1, v, sizeof v);
    assert_string_equal(v, "");

    /* storage_usage follows the storage at each block. */
    r = query_at(f, (int64_t)h1, "{s:s,s:s}", "request_type", "view_account", "account_id",
                 "bob.test.near");
    json_int_t u1 = json_integer_value(json_object_get(result_of(r), "storage_usage"));
    json_decref(r);
    r = query_at(f, (int64_t)h2, "{s:s,s:s}", "request_type", "view_account", "account_id",
                 "bob.test.near");
    json_int_t u2 = json_integer_value(json_object_get(result_of(r), "storage_usage"));
    json_decref(r);
    assert_int_equal(u2 - u1, 3 * (2 + 1 + 40)); /* three records: key + value + 40 */

    /* Deleting the account deletes its keys and storage at the head, not in the past. */
    run_ok(f, &bob, "bob.test.near", "[{\"DeleteAccount\":{\"beneficiary_id\":\"test.near\"}}]");
    uint64_t h6 = head(f);
    r = query_at(f, (int64_t)h6, "{s:s,s:s}", "request_type", "view_account", "account_id",
                 "bob.test.near");
    assert_string_equal(cause_of(r), "UNKNOWN_ACCOUNT");
    json_decref(r);
    assert_int_equal(key_count_at(f, "bob.test.near", (int64_t)h6), 0);
    assert_int_equal(key_count_at(f, "bob.test.near", (int64_t)h5), 1);
    state_at(f, "bob.test.near", "", (int64_t)h5, s, sizeof s);
    assert_string_equal(s, "a1=X;b1=2;");
    kv_get_at(f, "bob.test.near", "a1", (int64_t)h5, v, sizeof v);
    assert_string_equal(v, "X");
    ol_near_credentials_wipe(&bob);
}

static json_int_t undo_rows(fx *f, const char *where)
{
    char sql[256];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM undo %s", where);
    assert_int_equal(sqlite3_prepare_v2(f->c->db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    json_int_t n = (json_int_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_history_retention(void **state)
{
    fx *f = *state;
    ol_near_credentials alice;
    new_creds("alice.test.near", &alice);
    create_account(f, &alice, "10000000000000000000000000");
    uint64_t h1 = head(f);
    run_ok(f, &f->root, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"7\"}}]");
    assert_true(undo_rows(f, "") > 0);

    /* Keep 3 blocks: after the next block, the head and the two before it stay readable. */
    ol_chain_set_state_history(f->c, 3);
    produce(f, 1);
    uint64_t from = head(f) - 2;
    assert_int_equal(f->c->state_from, from);
    char where[64];
    snprintf(where, sizeof where, "WHERE height <= %llu", (unsigned long long)from);
    assert_int_equal(undo_rows(f, where), 0);

    json_t *r = query_at(f, (int64_t)h1, "{s:s,s:s}", "request_type", "view_account", "account_id",
                         "alice.test.near");
    assert_string_equal(cause_of(r), "GARBAGE_COLLECTED_BLOCK");
    json_t *info = json_object_get(json_object_get(json_object_get(r, "error"), "cause"), "info");
    assert_int_equal(json_integer_value(json_object_get(info, "block_height")), (json_int_t)h1);
    char hash[OL_NEAR_HASH_STR_MAX];
    block_hash_at(f, h1, hash); /* headers stay */
    assert_string_equal(json_string_value(json_object_get(info, "block_hash")), hash);
    char msg[200];
    snprintf(msg, sizeof msg,
             "The data for block #%llu is garbage collected on this node, use an archival node "
             "to fetch historical data",
             (unsigned long long)h1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "data")),
                        msg);
    json_decref(r);
    r = query_at(f, (int64_t)from - 1, "{s:s,s:s}", "request_type", "view_state", "account_id",
                 "alice.test.near", "prefix_base64", "");
    assert_string_equal(cause_of(r), "GARBAGE_COLLECTED_BLOCK");
    json_decref(r);
    /* The window's oldest block still reads, with the value it had. */
    assert_u128_eq(balance_at(f, "alice.test.near", (int64_t)from),
                   u128_add(near_amount("10 NEAR"), ol_near_u128_from_u64(7)));
    r = rpc(f, "query",
            json_pack("{s:s,s:s,s:s}", "request_type", "view_account", "account_id",
                      "alice.test.near", "sync_checkpoint", "earliest_available"));
    assert_int_equal(json_integer_value(json_object_get(result_of(r), "block_height")),
                     (json_int_t)from);
    json_decref(r);

    /* A change inside the window reads at both ends of it; the window slides. */
    run_ok(f, &f->root, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"1\"}}]");
    uint64_t h3 = head(f);
    assert_u128_eq(balance_at(f, "alice.test.near", (int64_t)h3 - 2),
                   balance_at(f, "alice.test.near", (int64_t)h3));
    assert_int_equal(f->c->state_from, h3 - 2);

    /* The retention survives a restart through the stored earliest block. */
    uint64_t kept = f->c->state_from;
    fx_reopen(f);
    assert_int_equal(f->c->state_from, kept);
    r = query_at(f, (int64_t)kept - 1, "{s:s,s:s}", "request_type", "view_account", "account_id",
                 "alice.test.near");
    assert_string_equal(cause_of(r), "GARBAGE_COLLECTED_BLOCK");
    json_decref(r);

    /* Archival: nothing is pruned any more (what was pruned stays pruned). */
    ol_chain_set_state_history(f->c, 0);
    run_ok(f, &f->root, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"1\"}}]");
    uint64_t h4 = head(f);
    produce(f, 10);
    assert_int_equal(f->c->state_from, kept);
    assert_u128_eq(
        u128_sub(balance(f, "alice.test.near"), balance_at(f, "alice.test.near", (int64_t)h4 - 4)),
        ol_near_u128_from_u64(1));
    ol_near_credentials_wipe(&alice);
}

/* A data dir written before the undo log existed: its history starts at the head it is reopened
 * at, and older blocks answer GARBAGE_COLLECTED_BLOCK rather than the current state. */
static void test_history_legacy_data_dir(void **state)
{
    fx *f = *state;
    ol_near_credentials alice;
    new_creds("alice.test.near", &alice);
    create_account(f, &alice, "10000000000000000000000000");
    uint64_t h1 = head(f);
    assert_int_equal(ol__chain_db_exec(f->c,
                                       "DELETE FROM meta WHERE k = 'state_from';"
                                       "DROP TABLE undo;",
                                       NULL),
                     OL_OK);
    fx_reopen(f);
    assert_int_equal(f->c->state_from, h1);
    json_t *r = query_at(f, (int64_t)h1 - 1, "{s:s,s:s}", "request_type", "view_account",
                         "account_id", "alice.test.near");
    assert_string_equal(cause_of(r), "GARBAGE_COLLECTED_BLOCK");
    json_decref(r);
    run_ok(f, &f->root, "alice.test.near", "[{\"Transfer\":{\"deposit\":\"7\"}}]");
    assert_u128_eq(balance_at(f, "alice.test.near", (int64_t)h1), near_amount("10 NEAR"));
    ol_near_credentials_wipe(&alice);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tx_signature_and_nonce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_block_hash_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_access_key_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transfer_balances, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_accounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_storage_and_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_legacy_data_dir, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
