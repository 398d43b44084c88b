/* The JSON-RPC handlers: request text in, response text out (no sockets here). Methods and
 * shapes as nearcore's chain/jsonrpc (near-protocol.md §4): status, block, gas_price, query
 * (view_account, view_access_key, view_access_key_list, call_function, view_state, view_code),
 * send_tx, broadcast_tx_async, broadcast_tx_commit, tx, EXPERIMENTAL_tx_status,
 * EXPERIMENTAL_receipt. Errors use the structured envelope; call_function failures and missing
 * access keys answer the legacy {"result":{"error":...}} shape, as nearcore does. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain_int.h"

#define WAIT_TIMEOUT_MS 10000

/* A handler's answer: result or error (+ HTTP status). */
typedef struct answer {
    json_t *result;
    json_t *error;
    int http;
} answer;

static void fail(answer *a, const char *name, const char *cause, json_t *info, json_t *data,
                 int http)
{
    json_t *e = json_object();
    json_object_set_new(e, "name", json_string(name));
    json_t *cs = json_object();
    json_object_set_new(cs, "name", json_string(cause));
    json_object_set_new(cs, "info", info ? info : json_object());
    json_object_set_new(e, "cause", cs);
    bool validation = strcmp(name, "REQUEST_VALIDATION_ERROR") == 0;
    json_object_set_new(e, "code",
                        json_integer(strcmp(cause, "METHOD_NOT_FOUND") == 0 ? -32601
                                     : validation                           ? -32700
                                                                            : -32000));
    json_object_set_new(e, "message",
                        json_string(strcmp(cause, "METHOD_NOT_FOUND") == 0 ? "Method not found"
                                    : validation                           ? "Parse error"
                                                                           : "Server error"));
    json_object_set_new(e, "data", data ? data : json_null());
    json_decref(a->error);
    a->error = e;
    a->http = http;
}

static void parse_error(answer *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void parse_error(answer *a, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fail(a, "REQUEST_VALIDATION_ERROR", "PARSE_ERROR", json_pack("{ss}", "error_message", msg),
         json_string(msg), 200);
}

static void internal_error(answer *a, const char *msg)
{
    fail(a, "INTERNAL_ERROR", "INTERNAL_ERROR", json_pack("{ss}", "error_message", msg),
         json_string(msg), 500);
}

/* ---- block references ---- */

#define UNKNOWN_BLOCK_MSG \
    "Block either has never been observed on the node or has been garbage collected"

/* Resolves the block reference of params ({"block_id": height | hash}, {"finality": ...} or
 * {"sync_checkpoint": "genesis" | "earliest_available"}) to a block. Every block is final as
 * soon as it is produced (one producer), so each finality names the head. An unknown block
 * answers UNKNOWN_BLOCK in the shape of the method's nearcore error type: for query
 * (RpcQueryError) info.block_reference echoes the reference; for block (RpcBlockError) info is
 * empty and data carries the store's "DB Not Found" text. Returns false with an error set. */
static bool resolve_block(ol_chain *c, json_t *params, ol__chain_block *b, bool query, answer *a)
{
    json_t *bid = json_is_object(params) ? json_object_get(params, "block_id") : NULL;
    json_t *sync = json_is_object(params) ? json_object_get(params, "sync_checkpoint") : NULL;
    ol_diag d = {0};
    ol_err e;
    if (bid != NULL && !json_is_null(bid)) {
        uint8_t h[OL_NEAR_HASH_LEN];
        if (json_is_integer(bid)) {
            if (json_integer_value(bid) < 0) {
                parse_error(a, "block_id: invalid value: integer `%lld`, expected u64",
                            (long long)json_integer_value(bid));
                return false;
            }
            e = ol__chain_block_by_height(c, (uint64_t)json_integer_value(bid), b, &d);
        } else if (json_is_string(bid)) {
            if (ol_near_hash_parse(json_string_value(bid), h, &d) != OL_OK) {
                parse_error(a, "invalid block hash: %s", d.msg);
                return false;
            }
            e = ol__chain_block_by_hash(c, h, b, &d);
        } else {
            parse_error(a, "block_id must be a height or a hash");
            return false;
        }
        if (e == OL_E_NOTFOUND) {
            char msg[256];
            bool by_height = json_is_integer(bid);
            long long hv = by_height ? (long long)json_integer_value(bid) : 0;
            const char *hs = by_height ? "" : json_string_value(bid);
            if (query) {
                if (by_height)
                    snprintf(msg, sizeof msg, "%s: BlockId(Height(%lld))", UNKNOWN_BLOCK_MSG, hv);
                else
                    snprintf(msg, sizeof msg, "%s: BlockId(Hash(%.60s))", UNKNOWN_BLOCK_MSG, hs);
                fail(a, "HANDLER_ERROR", "UNKNOWN_BLOCK",
                     json_pack("{s:{s:O}}", "block_reference", "block_id", bid), json_string(msg),
                     200);
            } else {
                if (by_height)
                    snprintf(msg, sizeof msg,
                             "DB Not Found Error: BLOCK HEIGHT: %lld \n Cause: Unknown", hv);
                else
                    snprintf(msg, sizeof msg,
                             "DB Not Found Error: BLOCK HEADER: %.60s \n Cause: Unknown", hs);
                fail(a, "HANDLER_ERROR", "UNKNOWN_BLOCK", json_object(), json_string(msg), 200);
            }
            return false;
        }
    } else if (sync != NULL) {
        const char *s = json_string_value(sync);
        if (s != NULL && strcmp(s, "genesis") == 0) {
            e = ol__chain_block_by_height(c, c->genesis_height, b, &d);
        } else if (s != NULL && strcmp(s, "earliest_available") == 0) {
            /* The earliest block whose state this node still holds. */
            e = ol__chain_block_by_height(c, c->state_from, b, &d);
        } else {
            parse_error(a, "unknown variant of `sync_checkpoint`, expected `genesis` or "
                           "`earliest_available`");
            return false;
        }
    } else {
        json_t *fin = json_is_object(params) ? json_object_get(params, "finality") : NULL;
        if (fin != NULL) {
            const char *f = json_string_value(fin);
            if (f == NULL || (strcmp(f, "final") != 0 && strcmp(f, "optimistic") != 0 &&
                              strcmp(f, "near-final") != 0)) {
                parse_error(a, "unknown finality");
                return false;
            }
        }
        e = ol__chain_block_by_height(c, c->height, b, &d);
    }
    if (e != OL_OK) {
        internal_error(a, d.msg);
        return false;
    }
    return true;
}

static void put_block_ref(json_t *o, const ol__chain_block *b)
{
    json_object_set_new(o, "block_height", json_integer((json_int_t)b->height));
    json_object_set_new(o, "block_hash", ol__chain_json_hash(b->hash));
}

static json_t *ts_text(uint64_t ns)
{
    char buf[64];
    time_t s = (time_t)(ns / 1000000000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, sizeof buf, "%s.%09lluZ", base, (unsigned long long)(ns % 1000000000u));
    return json_string(buf);
}

/* ---- status, block, gas_price ---- */

static void m_status(ol_chain *c, answer *a)
{
    ol__chain_block b, g;
    ol_diag d = {0};
    if (ol__chain_block_by_height(c, c->height, &b, &d) != OL_OK ||
        ol__chain_block_by_height(c, c->genesis_height, &g, &d) != OL_OK) {
        internal_error(a, d.msg);
        return;
    }
    char zero_hash[OL_NEAR_HASH_STR_MAX];
    static const uint8_t zero[OL_NEAR_HASH_LEN] = {0};
    ol_near_hash_format(zero, zero_hash);
    a->result = json_pack(
        "{s:s,s:i,s:i,s:{s:s,s:s},s:[{s:s}],s:s,s:{s:o,s:I,s:o,s:o,s:b,s:o,s:I,s:o,s:s,s:I},"
        "s:o,s:I}",
        "chain_id", c->chain_id, "protocol_version", OL__CHAIN_PROTOCOL_VERSION,
        "latest_protocol_version", OL__CHAIN_PROTOCOL_VERSION, "version", "version",
        "outlayer-sandbox", "build", "outlayer", "validators", "account_id", OL_CHAIN_ROOT_ACCOUNT,
        "validator_account_id", OL_CHAIN_ROOT_ACCOUNT, "sync_info", "latest_block_hash",
        ol__chain_json_hash(b.hash), "latest_block_height", (json_int_t)b.height,
        "latest_state_root", ol__chain_json_hash(b.chunk_hash), "latest_block_time",
        ts_text(b.timestamp), "syncing", 0, "earliest_block_hash", ol__chain_json_hash(g.hash),
        "earliest_block_height", (json_int_t)g.height, "earliest_block_time", ts_text(g.timestamp),
        "epoch_id", zero_hash, "epoch_start_height", (json_int_t)g.height, "genesis_hash",
        ol__chain_json_hash(g.hash), "uptime_sec", (json_int_t)0);
    if (a->result == NULL)
        internal_error(a, "out of memory");
}

static json_t *block_view(ol_chain *c, const ol__chain_block *b)
{
    char zero_hash[OL_NEAR_HASH_STR_MAX], ts[32];
    static const uint8_t zero[OL_NEAR_HASH_LEN] = {0};
    ol_near_hash_format(zero, zero_hash);
    snprintf(ts, sizeof ts, "%llu", (unsigned long long)b->timestamp);
    json_t *chunk = json_pack(
        "{s:o,s:o,s:I,s:I,s:I,s:i,s:I,s:s,s:s,s:s,s:o,s:I,s:o,s:s,s:s,s:[],s:o,s:s}", "chunk_hash",
        ol__chain_json_hash(b->chunk_hash), "prev_block_hash", ol__chain_json_hash(b->prev_hash),
        "height_created", (json_int_t)b->height, "height_included", (json_int_t)b->height,
        "gas_limit", (json_int_t)OL__CHAIN_GAS_LIMIT_PER_CHUNK, "shard_id", 0, "gas_used",
        (json_int_t)b->gas_used, "outcome_root", zero_hash, "prev_state_root", zero_hash,
        "encoded_merkle_root", zero_hash, "tx_root", ol__chain_json_hash(b->tx_root),
        "encoded_length", (json_int_t)0, "balance_burnt", ol__chain_json_u128(b->tokens_burnt),
        "outgoing_receipts_root", zero_hash, "rent_paid", "0", "validator_proposals",
        "validator_reward", ol__chain_json_u128((ol_near_u128){0, 0}), "signature",
        "ed25519:1111111111111111111111111111111111111111111111111111111111111111");
    json_t *hdr = json_pack(
        "{s:I,s:I,s:o,s:o,s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:I,s:I,s:o,s:o,s:i,s:o,s:[],s:s}",
        "height", (json_int_t)b->height, "prev_height",
        (json_int_t)(b->height > 0 ? b->height - 1 : 0), "hash", ol__chain_json_hash(b->hash),
        "prev_hash", ol__chain_json_hash(b->prev_hash), "timestamp", (json_int_t)b->timestamp,
        "timestamp_nanosec", ts, "epoch_id", zero_hash, "next_epoch_id", zero_hash,
        "prev_state_root", zero_hash, "outcome_root", zero_hash, "gas_price",
        ol__chain_json_u128(ol_near_u128_from_u64(OL_CHAIN_GAS_PRICE)), "total_supply",
        ol__chain_json_u128((ol_near_u128){0, 0}), "chunk_mask_", "", "chunks_included",
        (json_int_t)1, "epoch_height", (json_int_t)1, "last_final_block",
        ol__chain_json_hash(b->hash), "last_ds_final_block", ol__chain_json_hash(b->hash),
        "latest_protocol_version", OL__CHAIN_PROTOCOL_VERSION, "block_merkle_root",
        ol__chain_json_hash(b->tx_root), "validator_proposals", "signature",
        "ed25519:1111111111111111111111111111111111111111111111111111111111111111");
    if (hdr != NULL) {
        json_object_del(hdr, "chunk_mask_");
        json_object_set_new(hdr, "chunk_mask", json_pack("[b]", 1));
        json_object_set_new(hdr, "author", json_string(OL_CHAIN_ROOT_ACCOUNT));
    }
    (void)c;
    return json_pack("{s:s,s:o,s:[o]}", "author", OL_CHAIN_ROOT_ACCOUNT, "header", hdr, "chunks",
                     chunk);
}

static void m_block(ol_chain *c, json_t *params, answer *a)
{
    ol__chain_block b;
    json_t *p = params;
    json_t *tmp = NULL;
    if (json_is_array(params)) {
        /* Legacy positional form: [height | hash]. */
        tmp = json_pack("{s:O}", "block_id", json_array_get(params, 0));
        p = tmp;
    }
    if (resolve_block(c, p, &b, false, a)) {
        a->result = block_view(c, &b);
        if (a->result == NULL)
            internal_error(a, "out of memory");
    }
    json_decref(tmp);
}

static void m_gas_price(ol_chain *c, json_t *params, answer *a)
{
    json_t *ref = NULL;
    if (json_is_array(params))
        ref = json_array_get(params, 0);
    else if (json_is_object(params))
        ref = json_object_get(params, "block_id");
    if (ref != NULL && !json_is_null(ref)) {
        json_t *p = json_pack("{s:O}", "block_id", ref);
        ol__chain_block b;
        bool ok = resolve_block(c, p, &b, false, a);
        json_decref(p);
        if (!ok)
            return;
    }
    a->result = json_pack("{s:o}", "gas_price",
                          ol__chain_json_u128(ol_near_u128_from_u64(OL_CHAIN_GAS_PRICE)));
}

/* ---- query ---- */

static bool account_param(json_t *params, const char *name, const char **out, answer *a)
{
    const char *id = json_string_value(json_object_get(params, name));
    if (id == NULL) {
        parse_error(a, "missing field `%s`", name);
        return false;
    }
    *out = id;
    return true;
}

static bool check_account_id(const char *id, ol__chain_block *b, answer *a)
{
    if (ol_near_account_id_is_valid(id, strlen(id)))
        return true;
    char msg[200];
    snprintf(msg, sizeof msg, "Account ID %.80s is invalid", id);
    fail(a, "HANDLER_ERROR", "INVALID_ACCOUNT",
         json_pack("{s:s,s:I,s:o}", "requested_account_id", id, "block_height",
                   (json_int_t)b->height, "block_hash", ol__chain_json_hash(b->hash)),
         json_string(msg), 200);
    return false;
}

static bool need_account(ol_chain *c, const char *id, ol__chain_block *b, ol__chain_account *acc,
                         answer *a)
{
    ol_diag d = {0};
    if (!check_account_id(id, b, a))
        return false;
    ol_err e = ol__chain_account_get_at(c, id, b->height, acc, &d);
    if (e == OL_OK)
        return true;
    if (e != OL_E_NOTFOUND) {
        internal_error(a, d.msg);
        return false;
    }
    char msg[200];
    snprintf(msg, sizeof msg, "account %s does not exist while viewing", id);
    fail(a, "HANDLER_ERROR", "UNKNOWN_ACCOUNT",
         json_pack("{s:s,s:I,s:o}", "requested_account_id", id, "block_height",
                   (json_int_t)b->height, "block_hash", ol__chain_json_hash(b->hash)),
         json_string(msg), 200);
    return false;
}

static json_t *legacy_error(const char *msg, ol__chain_block *b, json_t *logs)
{
    json_t *o = json_pack("{s:s,s:o}", "error", msg, "logs", logs ? logs : json_array());
    if (o != NULL)
        put_block_ref(o, b);
    return o;
}

typedef struct key_list {
    json_t *arr;
} key_list;

static ol_err key_list_add(void *ud, const ol_near_public_key *pk, const ol_near_access_key *ak)
{
    key_list *kl = ud;
    json_t *o = json_pack("{s:o,s:o}", "public_key", ol__chain_json_pk(pk), "access_key",
                          ol__chain_json_access_key(ak));
    if (o == NULL || json_array_append_new(kl->arr, o) != 0)
        return OL_E_NOMEM;
    return OL_OK;
}

static ol_err state_add(void *ud, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    json_t *arr = ud;
    size_t c1 = ol_near_base64_encoded_max(kl), c2 = ol_near_base64_encoded_max(vl);
    char *s1 = malloc(c1), *s2 = malloc(c2);
    ol_err e = OL_E_NOMEM;
    if (s1 != NULL && s2 != NULL && ol_near_base64_encode(k, kl, s1, c1, NULL, NULL) == OL_OK &&
        ol_near_base64_encode(v, vl, s2, c2, NULL, NULL) == OL_OK) {
        json_t *o = json_pack("{s:s,s:s}", "key", s1, "value", s2);
        if (o != NULL && json_array_append_new(arr, o) == 0)
            e = OL_OK;
    }
    free(s1);
    free(s2);
    return e;
}

static ol_err view_get(void *ud, const uint8_t *key, size_t klen, bool *found,
                       const uint8_t **value, size_t *vlen);

typedef struct view_ud {
    ol_chain *c;
    const char *id;
    uint64_t height; /* the block whose state the view reads */
    uint8_t *buf;
} view_ud;

static ol_err view_get(void *ud, const uint8_t *key, size_t klen, bool *found,
                       const uint8_t **value, size_t *vlen)
{
    view_ud *v = ud;
    free(v->buf);
    v->buf = NULL;
    size_t n = 0;
    ol_err e = ol__chain_data_get_at(v->c, v->id, key, klen, v->height, &v->buf, &n, NULL);
    if (e == OL_E_NOTFOUND) {
        *found = false;
        return OL_OK;
    }
    if (e != OL_OK)
        return e;
    *found = true;
    *value = v->buf;
    *vlen = n;
    return OL_OK;
}

static ol_err view_has(void *ud, const uint8_t *key, size_t klen, bool *found)
{
    const uint8_t *p;
    size_t n;
    return view_get(ud, key, klen, found, &p, &n);
}

/* Views cannot write; the VM refuses those host functions (ProhibitedInView) before calling. */
static ol_err view_set(void *ud, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)ud, (void)k, (void)kl, (void)v, (void)vl;
    return OL_E_STATE;
}

static ol_err view_remove(void *ud, const uint8_t *k, size_t kl)
{
    (void)ud, (void)k, (void)kl;
    return OL_E_STATE;
}

static ol_err view_data_id(void *ud, uint8_t out[OL_NEAR_HASH_LEN])
{
    (void)ud, (void)out;
    return OL_E_STATE;
}

static ol_err view_yield(void *ud, const uint8_t id[OL_NEAR_HASH_LEN], bool *found)
{
    (void)ud, (void)id;
    *found = false;
    return OL_OK;
}

static void call_function(ol_chain *c, json_t *params, ol__chain_block *b, answer *a)
{
    const char *id, *method;
    ol__chain_account acc;
    uint8_t *args = NULL, *code = NULL;
    size_t args_len = 0, code_len = 0;
    ol_diag d = {0};
    ol_chain_vm_outcome out;
    view_ud vu = {c, NULL, b->height, NULL};
    memset(&out, 0, sizeof out);
    if (!account_param(params, "account_id", &id, a))
        return;
    method = json_string_value(json_object_get(params, "method_name"));
    const char *args64 = json_string_value(json_object_get(params, "args_base64"));
    if (method == NULL || args64 == NULL) {
        parse_error(a, "missing field `%s`", method == NULL ? "method_name" : "args_base64");
        return;
    }
    if (!need_account(c, id, b, &acc, a))
        return;
    size_t cap = ol_near_base64_decoded_max(strlen(args64)) + 1;
    args = malloc(cap);
    if (args == NULL) {
        internal_error(a, "out of memory");
        return;
    }
    if (ol_near_base64_decode(args64, strlen(args64), args, cap, &args_len, &d) != OL_OK) {
        parse_error(a, "args_base64: %s", d.msg);
        goto out;
    }
    static const uint8_t zero[OL_NEAR_HASH_LEN] = {0};
    if (memcmp(acc.code_hash, zero, OL_NEAR_HASH_LEN) != 0) {
        ol_err e = ol__chain_code_get(c, acc.code_hash, &code, &code_len, &d);
        if (e != OL_OK && e != OL_E_NOTFOUND) {
            internal_error(a, d.msg);
            goto out;
        }
    }
    vu.id = id;
    ol_chain_vm_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.current_account_id = ol_near_str_c(id);
    ctx.signer_account_id = ol_near_str_c(id);
    ctx.predecessor_account_id = ol_near_str_c(id);
    ctx.signer_account_pk.type = OL_NEAR_KEY_ED25519;
    ctx.chain_id = ol_near_str_c(c->chain_id);
    ctx.input = args;
    ctx.input_len = args_len;
    ctx.block_height = b->height;
    ctx.block_timestamp = b->timestamp;
    ctx.epoch_height = 1;
    ctx.account_balance = acc.amount;
    ctx.account_locked_balance = acc.locked;
    ctx.storage_usage = acc.storage_usage;
    ctx.is_view = true;
    memcpy(ctx.random_seed, b->hash, 32);
    memcpy(ctx.code_hash, acc.code_hash, OL_NEAR_HASH_LEN);
    ol_chain_vm_ext ext = {&vu,      view_get,     view_set,  view_remove,
                           view_has, view_data_id, view_yield};
    if (ol_chain_vm_run(c->vm, code, code_len, method, strlen(method), &ctx, &ext, &out, &d) !=
        OL_OK) {
        internal_error(a, d.msg);
        goto out;
    }
    json_t *logs = json_array();
    for (size_t i = 0; logs != NULL && i < out.n_logs; i++)
        json_array_append_new(logs, json_string(out.logs[i]));
    if (out.error.kind != OL_CHAIN_VM_OK) {
        char *msg = NULL;
        size_t n = strlen(out.error.debug ? out.error.debug : "") + 64;
        msg = malloc(n);
        if (msg != NULL)
            snprintf(msg, n, "wasm execution failed with error: %s",
                     out.error.debug ? out.error.debug : "");
        a->result = legacy_error(msg ? msg : "wasm execution failed", b, logs);
        free(msg);
        goto out;
    }
    json_t *bytes = json_array();
    for (size_t i = 0;
         bytes != NULL && out.return_kind == OL_CHAIN_VM_RETURN_VALUE && i < out.return_len; i++)
        json_array_append_new(bytes, json_integer(out.return_data[i]));
    a->result = json_pack("{s:o,s:o}", "result", bytes, "logs", logs);
    if (a->result != NULL)
        put_block_ref(a->result, b);
out:
    ol_chain_vm_outcome_fini(&out);
    free(vu.buf);
    free(args);
    free(code);
}

static void m_query(ol_chain *c, json_t *params, answer *a)
{
    ol__chain_block b;
    ol__chain_account acc;
    ol_diag d = {0};
    const char *id;
    if (!json_is_object(params)) {
        parse_error(a, "query takes an object with request_type (the path form is not "
                       "supported by this node)");
        return;
    }
    const char *rt = json_string_value(json_object_get(params, "request_type"));
    if (rt == NULL) {
        parse_error(a, "missing field `request_type`");
        return;
    }
    /* nearcore parses the whole request before it looks at the block: an unknown request type
     * is a parse error whatever block it names. */
    static const char *const types[] = {"view_account",         "view_code",
                                        "view_state",           "view_access_key",
                                        "view_access_key_list", "call_function"};
    bool known = false;
    for (size_t i = 0; i < sizeof types / sizeof types[0] && !known; i++)
        known = strcmp(rt, types[i]) == 0;
    if (!known) {
        parse_error(a,
                    "unknown variant `%.60s`, expected one of `view_account`, `view_code`, "
                    "`view_state`, `view_access_key`, `view_access_key_list`, "
                    "`call_function`",
                    rt);
        return;
    }
    if (!resolve_block(c, params, &b, true, a))
        return;
    if (b.height < c->state_from) {
        /* nearcore's non-archival answer once the block's state is garbage collected. */
        char msg[200];
        snprintf(msg, sizeof msg,
                 "The data for block #%llu is garbage collected on this node, use an archival "
                 "node to fetch historical data",
                 (unsigned long long)b.height);
        fail(a, "HANDLER_ERROR", "GARBAGE_COLLECTED_BLOCK",
             json_pack("{s:I,s:o}", "block_height", (json_int_t)b.height, "block_hash",
                       ol__chain_json_hash(b.hash)),
             json_string(msg), 200);
        return;
    }
    if (strcmp(rt, "view_account") == 0) {
        if (!account_param(params, "account_id", &id, a) || !need_account(c, id, &b, &acc, a))
            return;
        a->result = json_pack("{s:o,s:o,s:o,s:I,s:I}", "amount", ol__chain_json_u128(acc.amount),
                              "locked", ol__chain_json_u128(acc.locked), "code_hash",
                              ol__chain_json_hash(acc.code_hash), "storage_usage",
                              (json_int_t)acc.storage_usage, "storage_paid_at", (json_int_t)0);
        if (a->result != NULL)
            put_block_ref(a->result, &b);
    } else if (strcmp(rt, "view_access_key") == 0) {
        ol_near_public_key pk;
        ol_near_access_key ak;
        ol_near_arena *ar = NULL;
        const char *pks = json_string_value(json_object_get(params, "public_key"));
        if (!account_param(params, "account_id", &id, a))
            return;
        if (pks == NULL || ol_near_public_key_parse(pks, &pk, &d) != OL_OK) {
            parse_error(a, "public_key: %s", pks ? d.msg : "missing field `public_key`");
            return;
        }
        if (!check_account_id(id, &b, a))
            return;
        if (ol_near_arena_new(NULL, &ar, &d) != OL_OK) {
            internal_error(a, d.msg);
            return;
        }
        ol_err e = ol__chain_key_get_at(c, id, &pk, b.height, ar, &ak, &d);
        if (e == OL_E_NOTFOUND) {
            char msg[256], pkt[OL_NEAR_KEY_STR_MAX];
            ol_near_public_key_format(&pk, pkt);
            snprintf(msg, sizeof msg, "access key %s does not exist while viewing", pkt);
            a->result = legacy_error(msg, &b, NULL);
        } else if (e != OL_OK) {
            internal_error(a, d.msg);
        } else {
            a->result = ol__chain_json_access_key(&ak);
            if (a->result != NULL)
                put_block_ref(a->result, &b);
        }
        ol_near_arena_free(ar);
    } else if (strcmp(rt, "view_access_key_list") == 0) {
        if (!account_param(params, "account_id", &id, a) || !check_account_id(id, &b, a))
            return;
        key_list kl = {json_array()};
        if (ol__chain_key_list_at(c, id, b.height, key_list_add, &kl, &d) != OL_OK) {
            json_decref(kl.arr);
            internal_error(a, d.msg);
            return;
        }
        a->result = json_pack("{s:o}", "keys", kl.arr);
        if (a->result != NULL)
            put_block_ref(a->result, &b);
    } else if (strcmp(rt, "call_function") == 0) {
        call_function(c, params, &b, a);
    } else if (strcmp(rt, "view_state") == 0) {
        const char *pre = json_string_value(json_object_get(params, "prefix_base64"));
        if (!account_param(params, "account_id", &id, a))
            return;
        if (pre == NULL) {
            parse_error(a, "missing field `prefix_base64`");
            return;
        }
        if (!need_account(c, id, &b, &acc, a))
            return;
        size_t cap = ol_near_base64_decoded_max(strlen(pre)) + 1, plen = 0;
        uint8_t *prefix = malloc(cap);
        if (prefix == NULL || ol_near_base64_decode(pre, strlen(pre), prefix, cap, &plen, &d)) {
            free(prefix);
            parse_error(a, "prefix_base64: %s", d.msg);
            return;
        }
        json_t *vals = json_array();
        if (ol__chain_data_list_at(c, id, prefix, plen, b.height, state_add, vals, &d) != OL_OK) {
            free(prefix);
            json_decref(vals);
            internal_error(a, d.msg);
            return;
        }
        free(prefix);
        a->result = json_pack("{s:o}", "values", vals);
        if (a->result != NULL)
            put_block_ref(a->result, &b);
    } else if (strcmp(rt, "view_code") == 0) {
        if (!account_param(params, "account_id", &id, a) || !need_account(c, id, &b, &acc, a))
            return;
        uint8_t *code = NULL;
        size_t len = 0;
        static const uint8_t zero[OL_NEAR_HASH_LEN] = {0};
        ol_err e = memcmp(acc.code_hash, zero, OL_NEAR_HASH_LEN) == 0
                       ? OL_E_NOTFOUND
                       : ol__chain_code_get(c, acc.code_hash, &code, &len, &d);
        if (e == OL_E_NOTFOUND) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "Contract code for contract ID #%s has never been observed on the node", id);
            fail(a, "HANDLER_ERROR", "NO_CONTRACT_CODE",
                 json_pack("{s:s,s:I,s:o}", "contract_account_id", id, "block_height",
                           (json_int_t)b.height, "block_hash", ol__chain_json_hash(b.hash)),
                 json_string(msg), 200);
            return;
        }
        if (e != OL_OK) {
            internal_error(a, d.msg);
            return;
        }
        size_t cap = ol_near_base64_encoded_max(len);
        char *s = malloc(cap);
        if (s != NULL && ol_near_base64_encode(code, len, s, cap, NULL, NULL) == OL_OK)
            a->result = json_pack("{s:s,s:o}", "code_base64", s, "hash",
                                  ol__chain_json_hash(acc.code_hash));
        free(s);
        free(code);
        if (a->result != NULL)
            put_block_ref(a->result, &b);
    }
    if (a->result == NULL && a->error == NULL)
        internal_error(a, "out of memory");
}

/* ---- transactions ---- */

typedef enum tx_state { TX_UNKNOWN, TX_POOL, TX_DROPPED, TX_INCLUDED, TX_DONE } tx_state;

static bool in_pool(ol_chain *c, const uint8_t h[OL_NEAR_HASH_LEN])
{
    for (size_t i = 0; i < c->npool; i++)
        if (memcmp(c->pool[i].hash, h, OL_NEAR_HASH_LEN) == 0)
            return true;
    return false;
}

static const char *dropped_error(ol_chain *c, const uint8_t h[OL_NEAR_HASH_LEN])
{
    for (size_t i = 0; i < OL__CHAIN_DROPPED_MAX; i++)
        if (c->dropped[i].error_json != NULL &&
            memcmp(c->dropped[i].hash, h, OL_NEAR_HASH_LEN) == 0)
            return c->dropped[i].error_json;
    return NULL;
}

/* Appends the outcome of id and (recursively, pre-order) of every receipt it spawned.
 * *all_done becomes false when one has not run yet. */
static ol_err collect(ol_chain *c, const uint8_t id[OL_NEAR_HASH_LEN], json_t *outs, json_t *ids,
                      bool *all_done, int depth, ol_diag *d)
{
    ol__chain_outcome o;
    if (depth > 10000)
        return OL_FAIL(d, OL_E_LIMIT, "receipt DAG too deep");
    ol_err e = ol__chain_outcome_get(c, id, &o, d);
    if (e != OL_OK)
        return e;
    if (!o.executed)
        *all_done = false;
    json_t *rids = json_loads(o.receipt_ids_json, 0, NULL);
    json_t *outcome = json_pack(
        "{s:o,s:o,s:o,s:I,s:o,s:s,s:o,s:{s:i,s:n}}", "logs", json_loads(o.logs_json, 0, NULL),
        "receipt_ids", json_incref(rids), "status",
        json_loads(o.status_json, JSON_DECODE_ANY, NULL), "gas_burnt", (json_int_t)o.gas_burnt,
        "tokens_burnt", ol__chain_json_u128(o.tokens_burnt), "executor_id", o.executor_id,
        "receipt_ids_", json_null(), "metadata", "version", 1, "gas_profile");
    if (outcome != NULL)
        json_object_del(outcome, "receipt_ids_");
    json_t *wrapped =
        json_pack("{s:[],s:o,s:o,s:o}", "proof", "block_hash", ol__chain_json_hash(o.block_hash),
                  "id", ol__chain_json_hash(id), "outcome", outcome);
    ol__chain_outcome_fini(&o);
    if (wrapped == NULL || rids == NULL || json_array_append_new(outs, wrapped) != 0) {
        json_decref(rids);
        return OL_FAIL(d, OL_E_NOMEM, "outcome");
    }
    if (ids != NULL)
        json_array_append_new(ids, ol__chain_json_hash(id));
    size_t i;
    json_t *v;
    json_array_foreach(rids, i, v)
    {
        uint8_t rid[OL_NEAR_HASH_LEN];
        if (ol_near_hash_parse(json_string_value(v), rid, NULL) != OL_OK)
            continue;
        if ((e = collect(c, rid, outs, ids, all_done, depth + 1, d)) != OL_OK) {
            json_decref(rids);
            return e;
        }
    }
    json_decref(rids);
    return OL_OK;
}

/* FinalExecutionStatus: follow SuccessReceiptId from the transaction outcome. */
static json_t *final_status(json_t *tx_outcome, json_t *receipts_outcome)
{
    json_t *st = json_object_get(json_object_get(tx_outcome, "outcome"), "status");
    for (int hops = 0; hops < 100000; hops++) {
        if (json_object_get(st, "Failure") != NULL)
            return json_deep_copy(st);
        if (json_object_get(st, "SuccessValue") != NULL)
            return json_deep_copy(st);
        const char *rid = json_string_value(json_object_get(st, "SuccessReceiptId"));
        if (rid == NULL)
            return json_string("Started");
        json_t *next = NULL;
        size_t i;
        json_t *v;
        json_array_foreach(receipts_outcome, i, v)
        {
            const char *id = json_string_value(json_object_get(v, "id"));
            if (id != NULL && strcmp(id, rid) == 0) {
                next = json_object_get(json_object_get(v, "outcome"), "status");
                break;
            }
        }
        if (next == NULL || json_is_string(next))
            return json_string("Started");
        st = next;
    }
    return json_string("Started");
}

static json_t *receipt_view(ol_chain *c, const uint8_t id[OL_NEAR_HASH_LEN], ol_diag *d)
{
    ol_near_arena *ar = NULL;
    ol__chain_receipt r;
    json_t *v = NULL;
    if (ol_near_arena_new(NULL, &ar, d) != OL_OK)
        return NULL;
    if (ol__chain_receipt_get(c, id, ar, &r, d) != OL_OK)
        goto out;
    json_t *body;
    if (r.is_data) {
        json_t *data = json_null();
        if (r.has_data) {
            size_t cap = ol_near_base64_encoded_max(r.data_len);
            char *s = malloc(cap);
            if (s != NULL && ol_near_base64_encode(r.data, r.data_len, s, cap, NULL, NULL) == OL_OK)
                data = json_string(s);
            free(s);
        }
        body = json_pack("{s:{s:o,s:o,s:b}}", "Data", "data_id", ol__chain_json_hash(r.data_id),
                         "data", data, "is_promise_resume", r.is_resume);
    } else {
        json_t *odr = json_array(), *in = json_array();
        for (size_t i = 0; i < r.n_out_data; i++)
            json_array_append_new(odr, json_pack("{s:o,s:s}", "data_id",
                                                 ol__chain_json_hash(r.out_data[i].data_id),
                                                 "receiver_id", r.out_data[i].receiver_id));
        for (size_t i = 0; i < r.n_input; i++)
            json_array_append_new(in, ol__chain_json_hash(r.input_ids[i]));
        body = json_pack("{s:{s:s,s:o,s:o,s:o,s:o,s:o,s:b}}", "Action", "signer_id", r.signer_id,
                         "signer_public_key", ol__chain_json_pk(&r.signer_pk), "gas_price",
                         ol__chain_json_u128(r.gas_price), "output_data_receivers", odr,
                         "input_data_ids", in, "actions",
                         ol__chain_json_actions(r.actions, r.n_actions), "is_promise_yield",
                         r.is_yield);
    }
    v = json_pack("{s:s,s:s,s:o,s:o,s:i}", "predecessor_id", r.predecessor_id, "receiver_id",
                  r.receiver_id, "receipt_id", ol__chain_json_hash(id), "receipt", body, "priority",
                  0);
out:
    ol_near_arena_free(ar);
    return v;
}

/* The FinalExecutionOutcome of an included transaction. */
static json_t *tx_outcome_view(ol_chain *c, const uint8_t h[OL_NEAR_HASH_LEN], bool with_receipts,
                               bool *done, ol_diag *d)
{
    char signer[OL_NEAR_ACCOUNT_ID_MAX];
    uint8_t *bytes = NULL;
    size_t len = 0;
    uint64_t height = 0;
    ol_near_arena *ar = NULL;
    ol_near_signed_tx stx;
    json_t *res = NULL, *outs = NULL, *ids = NULL;
    if (ol__chain_tx_get(c, h, signer, &bytes, &len, &height, d) != OL_OK)
        return NULL;
    if (ol_near_arena_new(NULL, &ar, d) != OL_OK ||
        ol_near_signed_tx_decode(bytes, len, ar, &stx, d) != OL_OK)
        goto out;
    outs = json_array();
    ids = json_array();
    bool all_done = true;
    if (outs == NULL || ids == NULL || collect(c, h, outs, ids, &all_done, 0, d) != OL_OK)
        goto out;
    *done = all_done;
    json_t *txo = json_incref(json_array_get(outs, 0));
    json_array_remove(outs, 0);
    json_array_remove(ids, 0);
    char sig[OL_NEAR_KEY_STR_MAX];
    ol_near_signature_format(&stx.signature, sig);
    json_t *tx = json_pack("{s:s,s:o,s:I,s:s,s:o,s:i,s:s,s:o}", "signer_id", stx.tx.signer_id,
                           "public_key", ol__chain_json_pk(&stx.tx.public_key), "nonce",
                           (json_int_t)stx.tx.nonce, "receiver_id", stx.tx.receiver_id, "actions",
                           ol__chain_json_actions(stx.tx.actions, stx.tx.n_actions), "priority_fee",
                           0, "signature", sig, "hash", ol__chain_json_hash(h));
    res = json_pack("{s:s,s:o,s:o,s:o,s:O}", "final_execution_status",
                    all_done ? "FINAL" : "INCLUDED_FINAL", "status", final_status(txo, outs),
                    "transaction", tx, "transaction_outcome", txo, "receipts_outcome", outs);
    if (res != NULL && with_receipts) {
        json_t *rv = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v)
        {
            uint8_t rid[OL_NEAR_HASH_LEN];
            if (ol_near_hash_parse(json_string_value(v), rid, NULL) == OL_OK) {
                json_t *r = receipt_view(c, rid, NULL);
                if (r != NULL)
                    json_array_append_new(rv, r);
            }
        }
        json_object_set_new(res, "receipts", rv);
    }
out:
    json_decref(outs);
    json_decref(ids);
    ol_near_arena_free(ar);
    free(bytes);
    return res;
}

/* Wait levels, nearcore's TxExecutionStatus. */
typedef enum wait_level {
    W_NONE,
    W_INCLUDED,
    W_EXECUTED_OPTIMISTIC,
    W_INCLUDED_FINAL,
    W_EXECUTED,
    W_FINAL
} wait_level;

static bool parse_wait(json_t *v, wait_level *out)
{
    static const char *const names[] = {"NONE",           "INCLUDED", "EXECUTED_OPTIMISTIC",
                                        "INCLUDED_FINAL", "EXECUTED", "FINAL"};
    if (v == NULL || json_is_null(v)) {
        *out = W_EXECUTED_OPTIMISTIC;
        return true;
    }
    for (int i = 0; i < 6; i++)
        if (json_is_string(v) && strcmp(json_string_value(v), names[i]) == 0) {
            *out = (wait_level)i;
            return true;
        }
    return false;
}

static tx_state tx_state_of(ol_chain *c, const uint8_t h[OL_NEAR_HASH_LEN], bool *done)
{
    ol__chain_outcome o;
    *done = false;
    if (ol__chain_outcome_get(c, h, &o, NULL) == OL_OK) {
        ol__chain_outcome_fini(&o);
        json_t *outs = json_array();
        bool all = true;
        if (outs != NULL && collect(c, h, outs, NULL, &all, 0, NULL) == OL_OK)
            *done = all;
        json_decref(outs);
        return *done ? TX_DONE : TX_INCLUDED;
    }
    if (in_pool(c, h))
        return TX_POOL;
    if (dropped_error(c, h) != NULL)
        return TX_DROPPED;
    return TX_UNKNOWN;
}

static bool reached(wait_level w, tx_state s)
{
    switch (w) {
    case W_NONE:
        return true;
    case W_INCLUDED:
    case W_INCLUDED_FINAL:
        return s == TX_INCLUDED || s == TX_DONE;
    default:
        return s == TX_DONE;
    }
}

static void invalid_tx(answer *a, const char *err_json)
{
    json_t *itx = json_loads(err_json, JSON_DECODE_ANY, NULL);
    json_t *data = json_pack("{s:{s:o}}", "TxExecutionError", "InvalidTxError", itx);
    fail(a, "HANDLER_ERROR", "INVALID_TRANSACTION", json_incref(data), data, 200);
}

static void unknown_tx(answer *a, const uint8_t h[OL_NEAR_HASH_LEN])
{
    char hs[OL_NEAR_HASH_STR_MAX], msg[128];
    ol_near_hash_format(h, hs);
    snprintf(msg, sizeof msg, "Transaction %s doesn't exist", hs);
    fail(a, "HANDLER_ERROR", "UNKNOWN_TRANSACTION",
         json_pack("{s:s}", "requested_transaction_hash", hs), json_string(msg), 200);
}

/* Waits (releasing the lock) until the transaction reaches level w, then answers. */
static void wait_and_answer(ol_chain *c, const uint8_t h[OL_NEAR_HASH_LEN], wait_level w,
                            bool with_receipts, answer *a)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += WAIT_TIMEOUT_MS / 1000;
    for (;;) {
        bool done = false;
        tx_state s = tx_state_of(c, h, &done);
        if (s == TX_DROPPED) {
            invalid_tx(a, dropped_error(c, h));
            return;
        }
        if (s == TX_UNKNOWN) {
            unknown_tx(a, h);
            return;
        }
        if (reached(w, s) || c->closing) {
            if (s == TX_POOL) {
                a->result = json_pack("{s:s}", "final_execution_status", "NONE");
                return;
            }
            ol_diag d = {0};
            a->result = tx_outcome_view(c, h, with_receipts, &done, &d);
            if (a->result == NULL)
                internal_error(a, d.msg[0] ? d.msg : "out of memory");
            return;
        }
        if (pthread_cond_timedwait(&c->block_cv, &c->mu, &deadline) != 0) {
            s = tx_state_of(c, h, &done);
            if (reached(w, s))
                continue;
            fail(a, "HANDLER_ERROR", "TIMEOUT_ERROR", json_object(), json_string("Timeout"), 408);
            return;
        }
    }
}

/* Decodes and checks a transaction; adds it to the pool unless known. Returns false with an
 * error set. */
static bool submit(ol_chain *c, const char *b64, uint8_t h[OL_NEAR_HASH_LEN], answer *a)
{
    ol_diag d = {0};
    size_t cap = ol_near_base64_decoded_max(strlen(b64)) + 1, len = 0;
    uint8_t *bytes = malloc(cap);
    ol_near_arena *ar = NULL;
    ol_near_signed_tx stx;
    char *err_json = NULL;
    bool ok = false;
    if (bytes == NULL || ol_near_arena_new(NULL, &ar, &d) != OL_OK) {
        internal_error(a, "out of memory");
        goto out;
    }
    if (ol_near_base64_decode(b64, strlen(b64), bytes, cap, &len, &d) != OL_OK ||
        ol_near_signed_tx_decode(bytes, len, ar, &stx, &d) != OL_OK) {
        parse_error(a, "Failed to decode transaction: %s", d.msg);
        goto out;
    }
    if (ol_near_tx_hash(&stx.tx, NULL, h, &d) != OL_OK) {
        internal_error(a, d.msg);
        goto out;
    }
    bool done = false;
    tx_state s = tx_state_of(c, h, &done);
    if (s == TX_POOL || s == TX_INCLUDED || s == TX_DONE) {
        ok = true; /* the same hash applies once */
        goto out;
    }
    ol_err e = ol__chain_tx_validate(c, &stx, len, &err_json, &d);
    if (e == OL_OK)
        e = ol__chain_tx_verify(c, &stx, c->height + 1, false, NULL, &err_json, &d);
    if (e == OL_E_INVAL && err_json != NULL) {
        invalid_tx(a, err_json);
        goto out;
    }
    if (e != OL_OK) {
        internal_error(a, d.msg);
        goto out;
    }
    if (c->npool == c->pool_cap) {
        size_t ncap = c->pool_cap ? c->pool_cap * 2 : 16;
        ol__chain_pool_tx *np = realloc(c->pool, ncap * sizeof *np);
        if (np == NULL) {
            internal_error(a, "out of memory");
            goto out;
        }
        c->pool = np;
        c->pool_cap = ncap;
    }
    memcpy(c->pool[c->npool].hash, h, OL_NEAR_HASH_LEN);
    c->pool[c->npool].bytes = bytes;
    c->pool[c->npool].len = len;
    c->npool++;
    bytes = NULL;
    ok = true;
out:
    free(err_json);
    free(bytes);
    ol_near_arena_free(ar);
    return ok;
}

static void m_send_tx(ol_chain *c, json_t *params, answer *a, bool commit)
{
    const char *b64 = NULL;
    wait_level w = W_EXECUTED_OPTIMISTIC;
    if (json_is_array(params)) {
        b64 = json_string_value(json_array_get(params, 0));
        w = commit ? W_EXECUTED : W_NONE;
    } else if (json_is_object(params)) {
        b64 = json_string_value(json_object_get(params, "signed_tx_base64"));
        if (!parse_wait(json_object_get(params, "wait_until"), &w)) {
            parse_error(a, "unknown variant of `wait_until`");
            return;
        }
    }
    if (b64 == NULL) {
        parse_error(a, "missing field `signed_tx_base64`");
        return;
    }
    uint8_t h[OL_NEAR_HASH_LEN];
    if (!submit(c, b64, h, a))
        return;
    if (!commit && json_is_array(params)) { /* broadcast_tx_async */
        a->result = ol__chain_json_hash(h);
        return;
    }
    if (w == W_NONE) {
        a->result = json_pack("{s:s}", "final_execution_status", "NONE");
        return;
    }
    wait_and_answer(c, h, w, false, a);
}

static void m_tx(ol_chain *c, json_t *params, answer *a, bool experimental)
{
    uint8_t h[OL_NEAR_HASH_LEN];
    wait_level w = W_EXECUTED_OPTIMISTIC;
    ol_diag d = {0};
    if (json_is_array(params)) {
        const char *hs = json_string_value(json_array_get(params, 0));
        if (hs == NULL || ol_near_hash_parse(hs, h, &d) != OL_OK) {
            parse_error(a, "invalid transaction hash");
            return;
        }
    } else if (json_is_object(params)) {
        const char *hs = json_string_value(json_object_get(params, "tx_hash"));
        const char *b64 = json_string_value(json_object_get(params, "signed_tx_base64"));
        if (!parse_wait(json_object_get(params, "wait_until"), &w)) {
            parse_error(a, "unknown variant of `wait_until`");
            return;
        }
        if (hs != NULL) {
            if (ol_near_hash_parse(hs, h, &d) != OL_OK) {
                parse_error(a, "tx_hash: %s", d.msg);
                return;
            }
            if (json_object_get(params, "sender_account_id") == NULL) {
                parse_error(a, "missing field `sender_account_id`");
                return;
            }
        } else if (b64 != NULL) {
            if (!submit(c, b64, h, a))
                return;
        } else {
            parse_error(a, "missing field `tx_hash`");
            return;
        }
    } else {
        parse_error(a, "tx takes an object");
        return;
    }
    wait_and_answer(c, h, w, experimental, a);
}

static void m_receipt(ol_chain *c, json_t *params, answer *a)
{
    uint8_t id[OL_NEAR_HASH_LEN];
    const char *s = json_is_object(params)
                        ? json_string_value(json_object_get(params, "receipt_id"))
                        : json_string_value(json_array_get(params, 0));
    if (s == NULL || ol_near_hash_parse(s, id, NULL) != OL_OK) {
        parse_error(a, "missing or invalid field `receipt_id`");
        return;
    }
    ol_diag d = {0};
    a->result = receipt_view(c, id, &d);
    if (a->result == NULL) {
        if (d.code == OL_E_NOTFOUND || d.code == OL_OK) {
            char msg[128];
            snprintf(msg, sizeof msg, "Receipt with id %s has never been observed on this node", s);
            fail(a, "HANDLER_ERROR", "UNKNOWN_RECEIPT", json_pack("{s:s}", "receipt_id", s),
                 json_string(msg), 200);
        } else {
            internal_error(a, d.msg);
        }
    }
}

ol_err ol_chain_rpc_handle(ol_chain *c, const char *body, size_t len, char **resp, size_t *resp_len,
                           int *http_status)
{
    answer a = {NULL, NULL, 200};
    json_error_t jerr;
    json_t *req = json_loadb(body, len, 0, &jerr);
    json_t *id = NULL;
    if (req == NULL || !json_is_object(req)) {
        parse_error(&a, "Parse error: %s", req ? "not an object" : jerr.text);
    } else {
        id = json_object_get(req, "id");
        const char *method = json_string_value(json_object_get(req, "method"));
        json_t *params = json_object_get(req, "params");
        if (method == NULL) {
            parse_error(&a, "missing field `method`");
        } else {
            pthread_mutex_lock(&c->mu);
            if (strcmp(method, "status") == 0)
                m_status(c, &a);
            else if (strcmp(method, "block") == 0)
                m_block(c, params, &a);
            else if (strcmp(method, "gas_price") == 0)
                m_gas_price(c, params, &a);
            else if (strcmp(method, "query") == 0)
                m_query(c, params, &a);
            else if (strcmp(method, "send_tx") == 0)
                m_send_tx(c, params, &a, false);
            else if (strcmp(method, "broadcast_tx_async") == 0)
                m_send_tx(c, json_is_array(params) ? params : NULL, &a, false);
            else if (strcmp(method, "broadcast_tx_commit") == 0)
                m_send_tx(c, json_is_array(params) ? params : NULL, &a, true);
            else if (strcmp(method, "tx") == 0)
                m_tx(c, params, &a, false);
            else if (strcmp(method, "EXPERIMENTAL_tx_status") == 0)
                m_tx(c, params, &a, true);
            else if (strcmp(method, "EXPERIMENTAL_receipt") == 0)
                m_receipt(c, params, &a);
            else
                fail(&a, "REQUEST_VALIDATION_ERROR", "METHOD_NOT_FOUND",
                     json_pack("{s:s}", "method_name", method), json_string(method), 200);
            pthread_mutex_unlock(&c->mu);
        }
    }
    json_t *out = json_pack("{s:s,s:O}", "jsonrpc", "2.0", "id", id ? id : json_null());
    if (out != NULL) {
        if (a.error != NULL)
            json_object_set_new(out, "error", a.error);
        else
            json_object_set_new(out, "result", a.result ? a.result : json_null());
    } else {
        json_decref(a.error);
        json_decref(a.result);
    }
    json_decref(req);
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    if (text == NULL)
        return OL_E_NOMEM;
    *resp = text;
    *resp_len = strlen(text);
    *http_status = a.http;
    return OL_OK;
}
