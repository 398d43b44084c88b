/* Applying a block, as nearcore's runtime (runtime/runtime/src/lib.rs, actions.rs):
 *
 *   1. transactions: verified and charged against the signer, converted into one action
 *      receipt each; a receipt to the signer itself is local and runs in this block, any
 *      other runs in the next block;
 *   2. receipts due at this height, in arrival order; every receipt a receipt creates (actions,
 *      data, refunds) runs in the next block; an action receipt with input data waits
 *      (postponed) until all its data has arrived and then runs in the block of the last one;
 *   3. yield timeouts: a yield still waiting at creation height + 200 gets a PromiseResume data
 *      receipt without data (the callback sees Failed) in the next block. A resume and a timeout
 *      in the same block: the resume was processed first (step 2), so it wins.
 *
 * A receipt runs inside a savepoint: when an action fails, every state change of the receipt
 * is rolled back, the logs stay, the gas burnt stays burnt, deposits go back to the predecessor
 * and unused gas to the signer (refund receipts from "system"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chain_int.h"
#include "ol/log.h"

void ol__chain_hash_parts(uint8_t out[OL_NEAR_HASH_LEN], const void *p1, size_t l1, const void *p2,
                          size_t l2, const void *p3, size_t l3)
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    if (l1)
        crypto_hash_sha256_update(&st, p1, l1);
    if (l2)
        crypto_hash_sha256_update(&st, p2, l2);
    if (l3)
        crypto_hash_sha256_update(&st, p3, l3);
    crypto_hash_sha256_final(&st, out);
}

/* The state of one block application. */
typedef struct rt {
    ol_chain *c;
    ol__chain_block *b;
    ol_near_arena *ar; /* everything decoded or built during the block */
    uint64_t gas_used;
    ol_near_u128 tokens_burnt;
    uint32_t n_receipts;
    uint32_t id_counter; /* makes ids created in this block unique */
    ol_diag *d;
} rt;

static void new_id(rt *r, const char *tag, const uint8_t parent[OL_NEAR_HASH_LEN],
                   uint8_t out[OL_NEAR_HASH_LEN])
{
    uint8_t ctr[4 + OL_NEAR_HASH_LEN];
    uint32_t n = r->id_counter++;
    ctr[0] = (uint8_t)n;
    ctr[1] = (uint8_t)(n >> 8);
    ctr[2] = (uint8_t)(n >> 16);
    ctr[3] = (uint8_t)(n >> 24);
    memcpy(ctr + 4, r->b->hash, OL_NEAR_HASH_LEN);
    ol__chain_hash_parts(out, tag, strlen(tag), parent, OL_NEAR_HASH_LEN, ctr, sizeof ctr);
}

/* ---- JSON helpers ---- */

static json_t *jwrap(const char *name, json_t *inner)
{
    if (inner == NULL)
        return NULL;
    json_t *o = json_object();
    if (o == NULL || json_object_set_new(o, name, inner) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *jstr_u128(ol_near_u128 v)
{
    char b[OL_NEAR_U128_STR_MAX];
    ol_near_u128_format(v, b);
    return json_string(b);
}

static json_t *jhash(const uint8_t h[OL_NEAR_HASH_LEN])
{
    char b[OL_NEAR_HASH_STR_MAX];
    ol_near_hash_format(h, b);
    return json_string(b);
}

/* ---- the result of one action receipt ---- */

typedef struct new_receipt {
    ol__chain_receipt r;
    size_t out_cap;
    size_t in_cap;
} new_receipt;

typedef struct exec_result {
    uint64_t gas_burnt;
    uint64_t gas_used;
    uint64_t gas_burnt_fc; /* burnt by the VM: the base of the contract reward */
    json_t *logs;          /* array */
    json_t *error;         /* ActionError JSON, NULL while ok */
    new_receipt *nr;       /* receipts created (actions, then refunds) */
    size_t nnr, nr_cap;
    /* The value of the last action: NONE/VALUE/RECEIPT. */
    ol_chain_vm_return_kind ret_kind;
    uint8_t *ret_data; /* arena */
    size_t ret_len;
    uint64_t ret_receipt;
    /* Resumes to deliver on success. */
    struct {
        uint8_t data_id[OL_NEAR_HASH_LEN];
        uint8_t *payload;
        size_t len;
    } * resumes;
    size_t nresumes, resumes_cap;
} exec_result;

static ol_err grow(rt *r, void **p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return OL_OK;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *np = ol_near_arena_alloc(r->ar, ncap * elem);
    if (np == NULL)
        return OL_FAIL(r->d, OL_E_NOMEM, "receipts");
    if (*p != NULL)
        memcpy(np, *p, n * elem);
    *p = np;
    *cap = ncap;
    return OL_OK;
}

static new_receipt *push_receipt(rt *r, exec_result *res)
{
    if (grow(r, (void **)&res->nr, &res->nr_cap, res->nnr, sizeof *res->nr) != OL_OK)
        return NULL;
    new_receipt *n = &res->nr[res->nnr++];
    memset(n, 0, sizeof *n);
    return n;
}

static ol_err add_out_data(rt *r, new_receipt *n, const uint8_t data_id[OL_NEAR_HASH_LEN],
                           const char *receiver)
{
    if (grow(r, (void **)&n->r.out_data, &n->out_cap, n->r.n_out_data, sizeof *n->r.out_data))
        return OL_E_NOMEM;
    ol__chain_data_recv *o = &n->r.out_data[n->r.n_out_data++];
    memcpy(o->data_id, data_id, OL_NEAR_HASH_LEN);
    snprintf(o->receiver_id, sizeof o->receiver_id, "%s", receiver);
    return OL_OK;
}

static ol_err add_input(rt *r, new_receipt *n, const uint8_t data_id[OL_NEAR_HASH_LEN])
{
    if (grow(r, (void **)&n->r.input_ids, &n->in_cap, n->r.n_input, sizeof *n->r.input_ids))
        return OL_E_NOMEM;
    memcpy(n->r.input_ids[n->r.n_input++], data_id, OL_NEAR_HASH_LEN);
    return OL_OK;
}

/* ActionError {index, kind}. */
static void set_error(exec_result *res, json_t *index, json_t *kind)
{
    if (res->error != NULL) {
        json_decref(index);
        json_decref(kind);
        return;
    }
    json_t *e = json_object();
    if (e != NULL) {
        json_object_set_new(e, "index", index ? index : json_null());
        json_object_set_new(e, "kind", kind ? kind : json_string("IntegerOverflow"));
    } else {
        json_decref(index);
        json_decref(kind);
    }
    res->error = e ? e : json_string("ActionError");
}

static void action_error(exec_result *res, size_t i, json_t *kind)
{
    set_error(res, json_integer((json_int_t)i), kind);
}

static json_t *kv1(const char *name, const char *k, json_t *v)
{
    json_t *o = json_object();
    if (o == NULL || v == NULL || json_object_set_new(o, k, v) != 0) {
        json_decref(o);
        return NULL;
    }
    return jwrap(name, o);
}

static json_t *kv2(const char *name, const char *k1, json_t *v1, const char *k2, json_t *v2)
{
    json_t *o = json_object();
    if (o == NULL || v1 == NULL || v2 == NULL || json_object_set_new(o, k1, v1) != 0 ||
        json_object_set_new(o, k2, v2) != 0) {
        json_decref(o);
        return NULL;
    }
    return jwrap(name, o);
}

/* ---- receipts: creation and scheduling ---- */

/* Stores a new receipt, its placeholder outcome, and schedules it: yields wait (postponed) for
 * their data, everything else runs at height `at`. */
static ol_err schedule(rt *r, const ol__chain_receipt *rc, uint64_t at)
{
    ol_chain *c = r->c;
    ol_err e = ol__chain_receipt_put(c, rc, r->d);
    if (e != OL_OK)
        return e;
    if (!rc->is_data) {
        ol__chain_outcome o;
        memset(&o, 0, sizeof o);
        memcpy(o.id, rc->id, OL_NEAR_HASH_LEN);
        memcpy(o.tx_hash, rc->tx_hash, OL_NEAR_HASH_LEN);
        o.height = r->b->height;
        memcpy(o.block_hash, r->b->hash, OL_NEAR_HASH_LEN);
        snprintf(o.executor_id, sizeof o.executor_id, "%s", rc->receiver_id);
        if ((e = ol__chain_outcome_put(c, &o, r->d)) != OL_OK)
            return e;
    }
    if (rc->is_yield) {
        if ((e = ol__chain_postponed_put(c, rc->id, 1, r->d)) != OL_OK ||
            (e = ol__chain_awaiting_put(c, rc->input_ids[0], rc->id, r->d)) != OL_OK)
            return e;
        return ol__chain_yield_put(
            c, rc->input_ids[0], rc->receiver_id,
            r->b->height + ol_chain_params_default()->yield_timeout_length_in_blocks, r->d);
    }
    return ol__chain_queue_push(c, rc->id, at, r->d);
}

/* A refund: an action receipt from "system" with one Transfer. */
static ol_err push_refund(rt *r, exec_result *res, const ol__chain_receipt *parent,
                          const char *receiver, ol_near_u128 amount, bool gas)
{
    new_receipt *n = push_receipt(r, res);
    ol_near_action *act = ol_near_arena_alloc(r->ar, sizeof *act);
    if (n == NULL || act == NULL)
        return OL_FAIL(r->d, OL_E_NOMEM, "refund");
    act->kind = OL_NEAR_ACTION_TRANSFER;
    act->transfer.deposit = amount;
    memcpy(n->r.tx_hash, parent->tx_hash, OL_NEAR_HASH_LEN);
    snprintf(n->r.predecessor_id, sizeof n->r.predecessor_id, "system");
    snprintf(n->r.receiver_id, sizeof n->r.receiver_id, "%s", receiver);
    if (gas) {
        snprintf(n->r.signer_id, sizeof n->r.signer_id, "%s", receiver);
        n->r.signer_pk = parent->signer_pk;
    } else {
        snprintf(n->r.signer_id, sizeof n->r.signer_id, "system");
        n->r.signer_pk.type = OL_NEAR_KEY_ED25519; /* the empty key */
    }
    n->r.actions = act;
    n->r.n_actions = 1;
    return OL_OK;
}

/* ---- the VM's view of state ---- */

typedef struct ext_ud {
    rt *r;
    const char *account_id;
    const ol__chain_receipt *rc;
    uint8_t *buf; /* the last value read (malloc) */
} ext_ud;

static ol_err ext_get(void *ud, const uint8_t *key, size_t klen, bool *found, const uint8_t **value,
                      size_t *vlen)
{
    ext_ud *x = ud;
    free(x->buf);
    x->buf = NULL;
    size_t n = 0;
    ol_err e = ol__chain_data_get(x->r->c, x->account_id, key, klen, &x->buf, &n, x->r->d);
    if (e == OL_E_NOTFOUND) {
        *found = false;
        return OL_OK;
    }
    if (e != OL_OK)
        return e;
    *found = true;
    *value = x->buf;
    *vlen = n;
    return OL_OK;
}

static ol_err ext_set(void *ud, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    ext_ud *x = ud;
    return ol__chain_data_put(x->r->c, x->account_id, key, klen, val, vlen, x->r->d);
}

static ol_err ext_remove(void *ud, const uint8_t *key, size_t klen)
{
    ext_ud *x = ud;
    return ol__chain_data_delete(x->r->c, x->account_id, key, klen, x->r->d);
}

static ol_err ext_has(void *ud, const uint8_t *key, size_t klen, bool *found)
{
    const uint8_t *v;
    size_t n;
    return ext_get(ud, key, klen, found, &v, &n);
}

static ol_err ext_data_id(void *ud, uint8_t out[OL_NEAR_HASH_LEN])
{
    ext_ud *x = ud;
    new_id(x->r, "yield", x->rc->id, out);
    return OL_OK;
}

static ol_err ext_yield_exists(void *ud, const uint8_t data_id[OL_NEAR_HASH_LEN], bool *found)
{
    ext_ud *x = ud;
    uint8_t rid[OL_NEAR_HASH_LEN];
    ol__chain_receipt w;
    *found = false;
    ol_err e = ol__chain_awaiting_get(x->r->c, data_id, rid, x->r->d);
    if (e == OL_E_NOTFOUND)
        return OL_OK;
    if (e != OL_OK)
        return e;
    e = ol__chain_receipt_get(x->r->c, rid, x->r->ar, &w, x->r->d);
    if (e == OL_E_NOTFOUND)
        return OL_OK;
    if (e != OL_OK)
        return e;
    *found = w.is_yield && strcmp(w.receiver_id, x->account_id) == 0;
    return OL_OK;
}

/* ---- actions ---- */

typedef struct acct_state {
    char id[OL_NEAR_ACCOUNT_ID_MAX];
    /* The actor for permission checks: the predecessor, or the account itself once this
     * receipt created it (nearcore's actor_id). */
    char actor[OL_NEAR_ACCOUNT_ID_MAX];
    bool exists;
    bool deleted;
    ol__chain_account a;
} acct_state;

static bool is_sub_account(const char *parent, const char *child)
{
    size_t pl = strlen(parent), cl = strlen(child);
    return cl > pl + 1 && child[cl - pl - 1] == '.' && strcmp(child + cl - pl, parent) == 0;
}

static ol_err add_u128(rt *r, ol_near_u128 *acc, ol_near_u128 v)
{
    if (ol_near_u128_add(*acc, v, acc, NULL) != OL_OK)
        return OL_FAIL(r->d, OL_E_RANGE, "balance overflow");
    return OL_OK;
}

/* Runs one FunctionCall through the VM. */
static ol_err action_function_call(rt *r, const ol__chain_receipt *rc, acct_state *acc,
                                   const ol_near_action *act, size_t index, bool last,
                                   exec_result *res)
{
    ol_chain *c = r->c;
    uint8_t *code = NULL;
    size_t code_len = 0;
    ol_chain_vm_outcome out;
    ol_chain_promise_result *pr = NULL;
    uint8_t **pr_bufs = NULL;
    ol_near_str *odr = NULL;
    ext_ud x = {r, acc->id, rc, NULL};
    ol_err e = OL_OK;
    static const uint8_t zero[OL_NEAR_HASH_LEN] = {0};

    memset(&out, 0, sizeof out);
    if (memcmp(acc->a.code_hash, zero, OL_NEAR_HASH_LEN) != 0) {
        e = ol__chain_code_get(c, acc->a.code_hash, &code, &code_len, r->d);
        if (e == OL_E_NOTFOUND) {
            e = OL_OK;
            code = NULL;
            code_len = 0;
        }
        if (e != OL_OK)
            goto out;
    }
    ol_chain_vm_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.current_account_id = ol_near_str_c(acc->id);
    ctx.signer_account_id = ol_near_str_c(rc->signer_id);
    ctx.signer_account_pk = rc->signer_pk;
    ctx.predecessor_account_id = ol_near_str_c(rc->predecessor_id);
    ctx.chain_id = ol_near_str_c(c->chain_id);
    ctx.input = act->function_call.args.p;
    ctx.input_len = act->function_call.args.len;
    ctx.block_height = r->b->height;
    ctx.block_timestamp = r->b->timestamp;
    ctx.epoch_height = 1;
    if ((e = add_u128(r, &acc->a.amount, act->function_call.deposit)) != OL_OK)
        goto out;
    ctx.account_balance = acc->a.amount;
    ctx.account_locked_balance = acc->a.locked;
    ctx.storage_usage = acc->a.storage_usage;
    ctx.attached_deposit = act->function_call.deposit;
    ctx.prepaid_gas = act->function_call.gas;
    ol__chain_hash_parts(ctx.random_seed, r->b->hash, OL_NEAR_HASH_LEN, rc->id, OL_NEAR_HASH_LEN,
                         &index, sizeof index);
    memcpy(ctx.code_hash, acc->a.code_hash, OL_NEAR_HASH_LEN);
    if (rc->n_input > 0) {
        pr = calloc(rc->n_input, sizeof *pr);
        pr_bufs = calloc(rc->n_input, sizeof *pr_bufs);
        if (pr == NULL || pr_bufs == NULL) {
            e = OL_FAIL(r->d, OL_E_NOMEM, "promise results");
            goto out;
        }
        for (size_t i = 0; i < rc->n_input; i++) {
            bool has = false;
            size_t n = 0;
            e = ol__chain_rdata_get(c, rc->input_ids[i], &has, &pr_bufs[i], &n, r->d);
            if (e == OL_E_NOTFOUND) {
                pr[i].status = OL_CHAIN_PROMISE_NOT_READY;
                e = OL_OK;
                continue;
            }
            if (e != OL_OK)
                goto out;
            pr[i].status = has ? OL_CHAIN_PROMISE_SUCCESSFUL : OL_CHAIN_PROMISE_FAILED;
            pr[i].data = pr_bufs[i];
            pr[i].len = n;
        }
        ctx.promise_results = pr;
        ctx.n_promise_results = rc->n_input;
    }
    if (last && rc->n_out_data > 0) {
        odr = calloc(rc->n_out_data, sizeof *odr);
        if (odr == NULL) {
            e = OL_FAIL(r->d, OL_E_NOMEM, "data receivers");
            goto out;
        }
        for (size_t i = 0; i < rc->n_out_data; i++)
            odr[i] = ol_near_str_c(rc->out_data[i].receiver_id);
        ctx.output_data_receivers = odr;
        ctx.n_output_data_receivers = rc->n_out_data;
    }
    ol_chain_vm_ext ext = {&x,      ext_get,     ext_set,         ext_remove,
                           ext_has, ext_data_id, ext_yield_exists};
    e = ol_chain_vm_run(c->vm, code, code_len, act->function_call.method_name.p,
                        act->function_call.method_name.len, &ctx, &ext, &out, r->d);
    if (e != OL_OK)
        goto out;
    res->gas_burnt += out.burnt_gas;
    res->gas_used += out.used_gas;
    res->gas_burnt_fc += out.burnt_gas;
    for (size_t i = 0; i < out.n_logs; i++)
        json_array_append_new(res->logs, json_string(out.logs[i]));
    if (out.error.kind != OL_CHAIN_VM_OK) {
        json_t *fe = json_loads(out.error.json ? out.error.json : "null", JSON_DECODE_ANY, NULL);
        action_error(res, index, jwrap("FunctionCallError", fe));
        goto out;
    }
    acc->a.amount = out.balance;
    acc->a.storage_usage = out.storage_usage;
    /* Receipts created by the contract: ids, data dependencies. */
    size_t base = res->nnr;
    for (size_t i = 0; i < out.n_receipts; i++) {
        const ol_chain_vm_receipt *vr = &out.receipts[i];
        new_receipt *n = push_receipt(r, res);
        if (n == NULL) {
            e = OL_E_NOMEM;
            goto out;
        }
        memcpy(n->r.tx_hash, rc->tx_hash, OL_NEAR_HASH_LEN);
        snprintf(n->r.predecessor_id, sizeof n->r.predecessor_id, "%s", acc->id);
        snprintf(n->r.receiver_id, sizeof n->r.receiver_id, "%.*s", (int)vr->receiver_id.len,
                 vr->receiver_id.p);
        snprintf(n->r.signer_id, sizeof n->r.signer_id, "%s", rc->signer_id);
        n->r.signer_pk = rc->signer_pk;
        n->r.gas_price = rc->gas_price;
        /* Copy the actions into the block arena by a round trip through borsh (they are owned
         * by the VM outcome, freed below). */
        ol__chain_receipt tmp;
        memset(&tmp, 0, sizeof tmp);
        snprintf(tmp.predecessor_id, sizeof tmp.predecessor_id, "%s", acc->id);
        memcpy(tmp.receiver_id, n->r.receiver_id, sizeof tmp.receiver_id);
        memcpy(tmp.signer_id, n->r.signer_id, sizeof tmp.signer_id);
        tmp.signer_pk = n->r.signer_pk;
        tmp.actions = vr->actions;
        tmp.n_actions = vr->n_actions;
        ol_near_buf bb;
        ol_near_buf_init(&bb, NULL);
        ol__chain_receipt back;
        e = ol__chain_receipt_encode(&tmp, &bb, r->d);
        if (e == OL_OK)
            e = ol__chain_receipt_decode(bb.p, bb.len, r->ar, &back, r->d);
        ol_near_buf_fini(&bb);
        if (e != OL_OK)
            goto out;
        n->r.actions = back.actions;
        n->r.n_actions = back.n_actions;
        if (vr->is_yield) {
            n->r.is_yield = true;
            if ((e = add_input(r, n, vr->yield_data_id)) != OL_OK)
                goto out;
        }
        for (size_t k = 0; k < vr->n_deps; k++) {
            uint8_t did[OL_NEAR_HASH_LEN];
            if (vr->deps[k] >= i) {
                e = OL_FAIL(r->d, OL_E_INTERNAL, "receipt %zu depends on later %llu", i,
                            (unsigned long long)vr->deps[k]);
                goto out;
            }
            new_id(r, "data", rc->id, did);
            if ((e = add_out_data(r, &res->nr[base + vr->deps[k]], did, n->r.receiver_id)) !=
                    OL_OK ||
                (e = add_input(r, &res->nr[base + i], did)) != OL_OK)
                goto out;
            n = &res->nr[base + i]; /* add_out_data may not move nr, but stay safe */
        }
    }
    for (size_t i = 0; i < out.n_resumes; i++) {
        if (grow(r, (void **)&res->resumes, &res->resumes_cap, res->nresumes,
                 sizeof *res->resumes) != OL_OK) {
            e = OL_E_NOMEM;
            goto out;
        }
        memcpy(res->resumes[res->nresumes].data_id, out.resumes[i].data_id, OL_NEAR_HASH_LEN);
        res->resumes[res->nresumes].payload = NULL;
        res->resumes[res->nresumes].len = out.resumes[i].len;
        if (out.resumes[i].len > 0) {
            uint8_t *p = ol_near_arena_alloc(r->ar, out.resumes[i].len);
            if (p == NULL) {
                e = OL_E_NOMEM;
                goto out;
            }
            memcpy(p, out.resumes[i].payload, out.resumes[i].len);
            res->resumes[res->nresumes].payload = p;
        }
        res->nresumes++;
    }
    if (last) {
        res->ret_kind = out.return_kind;
        res->ret_len = 0;
        res->ret_data = NULL;
        if (out.return_kind == OL_CHAIN_VM_RETURN_VALUE && out.return_len > 0) {
            res->ret_data = ol_near_arena_alloc(r->ar, out.return_len);
            if (res->ret_data == NULL) {
                e = OL_E_NOMEM;
                goto out;
            }
            memcpy(res->ret_data, out.return_data, out.return_len);
            res->ret_len = out.return_len;
        }
        res->ret_receipt = base + out.return_receipt;
    }
out:
    ol_chain_vm_outcome_fini(&out);
    if (pr_bufs != NULL)
        for (size_t i = 0; i < rc->n_input; i++)
            free(pr_bufs[i]);
    free(pr_bufs);
    free(pr);
    free(odr);
    free(code);
    free(x.buf);
    return e;
}

static ol_err action_delegate(rt *r, const ol__chain_receipt *rc, const ol_near_action *act,
                              size_t index, exec_result *res)
{
    const ol_near_signed_delegate *sd = act->delegate.signed_delegate;
    const ol_near_delegate_action *da = &sd->delegate_action;
    ol_near_access_key ak;
    char pkb[OL_NEAR_KEY_STR_MAX];
    if (ol_near_signed_delegate_verify(sd, NULL, NULL) != OL_OK) {
        action_error(res, index, json_string("DelegateActionInvalidSignature"));
        return OL_OK;
    }
    if (r->b->height > da->max_block_height) {
        action_error(res, index, json_string("DelegateActionExpired"));
        return OL_OK;
    }
    if (strcmp(da->sender_id, rc->receiver_id) != 0) {
        action_error(res, index,
                     kv2("DelegateActionSenderDoesNotMatchTxReceiver", "sender_id",
                         json_string(da->sender_id), "receiver_id", json_string(rc->receiver_id)));
        return OL_OK;
    }
    ol_err e = ol__chain_key_get(r->c, da->sender_id, &da->public_key, r->ar, &ak, r->d);
    if (e == OL_E_NOTFOUND) {
        ol_near_public_key_format(&da->public_key, pkb);
        action_error(res, index,
                     jwrap("DelegateActionAccessKeyError",
                           kv2("AccessKeyNotFound", "account_id", json_string(da->sender_id),
                               "public_key", json_string(pkb))));
        return OL_OK;
    }
    if (e != OL_OK)
        return e;
    if (da->nonce <= ak.nonce) {
        action_error(res, index,
                     kv2("DelegateActionInvalidNonce", "delegate_nonce",
                         json_integer((json_int_t)da->nonce), "ak_nonce",
                         json_integer((json_int_t)ak.nonce)));
        return OL_OK;
    }
    uint64_t upper = r->b->height * OL__CHAIN_NONCE_MULT;
    if (da->nonce >= upper) {
        action_error(res, index,
                     kv2("DelegateActionNonceTooLarge", "delegate_nonce",
                         json_integer((json_int_t)da->nonce), "upper_bound",
                         json_integer((json_int_t)upper)));
        return OL_OK;
    }
    if (!ak.full_access) {
        const ol_near_action *fc = da->n_actions == 1 ? &da->actions[0] : NULL;
        if (fc == NULL || fc->kind != OL_NEAR_ACTION_FUNCTION_CALL) {
            action_error(res, index,
                         jwrap("DelegateActionAccessKeyError", json_string("RequiresFullAccess")));
            return OL_OK;
        }
        if (!ol_near_u128_is_zero(fc->function_call.deposit)) {
            action_error(
                res, index,
                jwrap("DelegateActionAccessKeyError", json_string("DepositWithFunctionCall")));
            return OL_OK;
        }
        if (strlen(da->receiver_id) != ak.receiver_id.len ||
            memcmp(da->receiver_id, ak.receiver_id.p, ak.receiver_id.len) != 0) {
            action_error(
                res, index,
                jwrap("DelegateActionAccessKeyError",
                      kv2("ReceiverMismatch", "tx_receiver", json_string(da->receiver_id),
                          "ak_receiver", json_stringn(ak.receiver_id.p, ak.receiver_id.len))));
            return OL_OK;
        }
        bool ok = ak.n_method_names == 0;
        for (size_t i = 0; i < ak.n_method_names && !ok; i++)
            ok = ak.method_names[i].len == fc->function_call.method_name.len &&
                 memcmp(ak.method_names[i].p, fc->function_call.method_name.p,
                        ak.method_names[i].len) == 0;
        if (!ok) {
            action_error(res, index,
                         jwrap("DelegateActionAccessKeyError",
                               kv1("MethodNameMismatch", "method_name",
                                   json_stringn(fc->function_call.method_name.p,
                                                fc->function_call.method_name.len))));
            return OL_OK;
        }
    }
    ak.nonce = da->nonce;
    if ((e = ol__chain_key_put(r->c, da->sender_id, &da->public_key, &ak, r->d)) != OL_OK)
        return e;
    new_receipt *n = push_receipt(r, res);
    if (n == NULL)
        return OL_E_NOMEM;
    memcpy(n->r.tx_hash, rc->tx_hash, OL_NEAR_HASH_LEN);
    snprintf(n->r.predecessor_id, sizeof n->r.predecessor_id, "%s", da->sender_id);
    snprintf(n->r.receiver_id, sizeof n->r.receiver_id, "%s", da->receiver_id);
    snprintf(n->r.signer_id, sizeof n->r.signer_id, "%s", rc->signer_id);
    n->r.signer_pk = rc->signer_pk;
    n->r.gas_price = rc->gas_price;
    n->r.actions = da->actions;
    n->r.n_actions = da->n_actions;
    uint64_t pexec = 0, pgas = 0, psend = 0;
    if (ol__chain_total_prepaid_exec_fees(da->actions, da->n_actions, da->receiver_id, &pexec) ||
        ol__chain_total_prepaid_gas(da->actions, da->n_actions, &pgas) ||
        ol__chain_total_prepaid_send_fees(rc->actions, rc->n_actions, &psend))
        return OL_FAIL(r->d, OL_E_RANGE, "gas overflow");
    uint64_t required = pexec + pgas + ol_chain_params_default()->action_receipt_creation.execution;
    res->gas_used += required + psend;
    res->gas_burnt += psend;
    return OL_OK;
}

/* Applies action i; sets res->error on an action failure. Returns a runtime error only. */
static ol_err apply_action(rt *r, const ol__chain_receipt *rc, acct_state *acc, size_t i,
                           exec_result *res)
{
    const ol_near_action *act = &rc->actions[i];
    ol_chain *c = r->c;
    char pkb[OL_NEAR_KEY_STR_MAX];
    ol_err e = OL_OK;
    bool actor_is_receiver = strcmp(acc->actor, rc->receiver_id) == 0;

    /* check_actor_permissions */
    switch (act->kind) {
    case OL_NEAR_ACTION_DEPLOY_CONTRACT:
    case OL_NEAR_ACTION_STAKE:
    case OL_NEAR_ACTION_ADD_KEY:
    case OL_NEAR_ACTION_DELETE_KEY:
    case OL_NEAR_ACTION_DELETE_ACCOUNT:
        if (!actor_is_receiver) {
            action_error(res, i,
                         kv2("ActorNoPermission", "account_id", json_string(rc->receiver_id),
                             "actor_id", json_string(acc->actor)));
            return OL_OK;
        }
        if (act->kind == OL_NEAR_ACTION_DELETE_ACCOUNT && acc->exists &&
            !ol_near_u128_is_zero(acc->a.locked)) {
            action_error(res, i,
                         kv1("DeleteAccountStaking", "account_id", json_string(rc->receiver_id)));
            return OL_OK;
        }
        break;
    default:
        break;
    }
    /* check_account_existence */
    if (act->kind == OL_NEAR_ACTION_CREATE_ACCOUNT) {
        if (acc->exists) {
            action_error(res, i,
                         kv1("AccountAlreadyExists", "account_id", json_string(rc->receiver_id)));
            return OL_OK;
        }
    } else if (!acc->exists) {
        bool implicit_transfer =
            act->kind == OL_NEAR_ACTION_TRANSFER &&
            ol_near_account_id_kind(acc->id, strlen(acc->id)) == OL_NEAR_ACCOUNT_NEAR_IMPLICIT;
        if (!implicit_transfer) {
            action_error(res, i,
                         kv1("AccountDoesNotExist", "account_id", json_string(rc->receiver_id)));
            return OL_OK;
        }
    }

    uint64_t send = 0, exec = 0;
    if (ol_chain_action_fees(c->params, act, rc->receiver_id, strlen(rc->receiver_id), false, &send,
                             &exec, r->d) != OL_OK)
        return OL_FAIL(r->d, OL_E_RANGE, "gas overflow");
    res->gas_burnt += exec;
    res->gas_used += exec;

    switch (act->kind) {
    case OL_NEAR_ACTION_CREATE_ACCOUNT: {
        const char *id = rc->receiver_id;
        size_t len = strlen(id);
        ol_near_account_kind k = ol_near_account_id_kind(id, len);
        if (k != OL_NEAR_ACCOUNT_NAMED) {
            action_error(res, i,
                         kv1("OnlyImplicitAccountCreationAllowed", "account_id", json_string(id)));
            return OL_OK;
        }
        if (strchr(id, '.') == NULL) {
            if (len < 32 && strcmp(rc->predecessor_id, "registrar") != 0) {
                json_t *o = json_pack("{ssssss}", "account_id", id, "registrar_account_id",
                                      "registrar", "predecessor_id", rc->predecessor_id);
                action_error(res, i, jwrap("CreateAccountOnlyByRegistrar", o));
                return OL_OK;
            }
        } else if (!is_sub_account(rc->predecessor_id, id)) {
            action_error(res, i,
                         kv2("CreateAccountNotAllowed", "account_id", json_string(id),
                             "predecessor_id", json_string(rc->predecessor_id)));
            return OL_OK;
        }
        memset(&acc->a, 0, sizeof acc->a);
        acc->a.storage_usage = OL__CHAIN_ACCOUNT_BYTES;
        acc->exists = true;
        acc->deleted = false;
        snprintf(acc->actor, sizeof acc->actor, "%s", id);
        return OL_OK;
    }
    case OL_NEAR_ACTION_DEPLOY_CONTRACT: {
        ol_chain_vm_error ve;
        memset(&ve, 0, sizeof ve);
        e = ol_chain_vm_check_code(c->vm, act->deploy_contract.code.p,
                                   act->deploy_contract.code.len, &ve, r->d);
        if (e != OL_OK)
            return e;
        if (ve.kind != OL_CHAIN_VM_OK) {
            json_t *fe = json_loads(ve.json ? ve.json : "null", JSON_DECODE_ANY, NULL);
            ol_chain_vm_error_fini(&ve);
            action_error(res, i, jwrap("FunctionCallError", fe));
            return OL_OK;
        }
        uint8_t h[OL_NEAR_HASH_LEN];
        ol_near_sha256(act->deploy_contract.code.p, act->deploy_contract.code.len, h);
        static const uint8_t zero[OL_NEAR_HASH_LEN] = {0};
        if (memcmp(acc->a.code_hash, zero, OL_NEAR_HASH_LEN) != 0) {
            uint8_t *old = NULL;
            size_t olen = 0;
            e = ol__chain_code_get(c, acc->a.code_hash, &old, &olen, r->d);
            free(old);
            if (e == OL_OK)
                acc->a.storage_usage -= olen <= acc->a.storage_usage ? olen : acc->a.storage_usage;
            else if (e != OL_E_NOTFOUND)
                return e;
        }
        if ((e = ol__chain_code_put(c, h, act->deploy_contract.code.p,
                                    act->deploy_contract.code.len, r->d)) != OL_OK)
            return e;
        memcpy(acc->a.code_hash, h, OL_NEAR_HASH_LEN);
        acc->a.storage_usage += act->deploy_contract.code.len;
        return OL_OK;
    }
    case OL_NEAR_ACTION_FUNCTION_CALL:
        return action_function_call(r, rc, acc, act, i, i + 1 == rc->n_actions, res);
    case OL_NEAR_ACTION_TRANSFER:
        if (!acc->exists) {
            /* NEAR-implicit account: created with the full-access key of its id. */
            ol_near_public_key pk;
            size_t n = 0;
            ol_near_access_key ak;
            memset(&pk, 0, sizeof pk);
            memset(&ak, 0, sizeof ak);
            pk.type = OL_NEAR_KEY_ED25519;
            if (ol_near_hex_decode(acc->id, strlen(acc->id), pk.data, sizeof pk.data, &n, NULL) !=
                    OL_OK ||
                n != OL_NEAR_ED25519_PK_LEN)
                return OL_FAIL(r->d, OL_E_INTERNAL, "implicit account id");
            ak.full_access = true;
            ak.nonce = (r->b->height - 1) * OL__CHAIN_NONCE_MULT;
            if ((e = ol__chain_key_put(c, acc->id, &pk, &ak, r->d)) != OL_OK)
                return e;
            memset(&acc->a, 0, sizeof acc->a);
            acc->a.amount = act->transfer.deposit;
            acc->a.storage_usage = OL__CHAIN_ACCOUNT_BYTES + ol__chain_key_storage(&pk, &ak);
            acc->exists = true;
            snprintf(acc->actor, sizeof acc->actor, "%s", acc->id);
            return OL_OK;
        }
        return add_u128(r, &acc->a.amount, act->transfer.deposit);
    case OL_NEAR_ACTION_STAKE: {
        ol_near_u128 total = acc->a.amount;
        if ((e = add_u128(r, &total, acc->a.locked)) != OL_OK)
            return e;
        if (ol_near_u128_cmp(act->stake.stake, total) > 0) {
            char b1[OL_NEAR_U128_STR_MAX], b2[OL_NEAR_U128_STR_MAX], b3[OL_NEAR_U128_STR_MAX];
            ol_near_u128_format(act->stake.stake, b1);
            ol_near_u128_format(acc->a.locked, b2);
            ol_near_u128_format(acc->a.amount, b3);
            action_error(
                res, i,
                jwrap("TriesToStake", json_pack("{ssssssss}", "account_id", acc->id, "stake", b1,
                                                "locked", b2, "balance", b3)));
            return OL_OK;
        }
        if (ol_near_u128_is_zero(act->stake.stake) && ol_near_u128_is_zero(acc->a.locked)) {
            action_error(res, i, kv1("TriesToUnstake", "account_id", json_string(acc->id)));
            return OL_OK;
        }
        /* No validators and no epochs here: the stake is locked (or released) at once. */
        (void)ol_near_u128_sub(total, act->stake.stake, &acc->a.amount, NULL);
        acc->a.locked = act->stake.stake;
        return OL_OK;
    }
    case OL_NEAR_ACTION_ADD_KEY: {
        ol_near_access_key old, ak = act->add_key.access_key;
        e = ol__chain_key_get(c, acc->id, &act->add_key.public_key, r->ar, &old, r->d);
        if (e == OL_OK) {
            ol_near_public_key_format(&act->add_key.public_key, pkb);
            action_error(res, i,
                         kv2("AddKeyAlreadyExists", "account_id", json_string(acc->id),
                             "public_key", json_string(pkb)));
            return OL_OK;
        }
        if (e != OL_E_NOTFOUND)
            return e;
        ak.nonce = (r->b->height - 1) * OL__CHAIN_NONCE_MULT;
        if ((e = ol__chain_key_put(c, acc->id, &act->add_key.public_key, &ak, r->d)) != OL_OK)
            return e;
        acc->a.storage_usage += ol__chain_key_storage(&act->add_key.public_key, &ak);
        return OL_OK;
    }
    case OL_NEAR_ACTION_DELETE_KEY: {
        ol_near_access_key old;
        e = ol__chain_key_get(c, acc->id, &act->delete_key.public_key, r->ar, &old, r->d);
        if (e == OL_E_NOTFOUND) {
            ol_near_public_key_format(&act->delete_key.public_key, pkb);
            action_error(res, i,
                         kv2("DeleteKeyDoesNotExist", "account_id", json_string(acc->id),
                             "public_key", json_string(pkb)));
            return OL_OK;
        }
        if (e != OL_OK)
            return e;
        if ((e = ol__chain_key_delete(c, acc->id, &act->delete_key.public_key, r->d)) != OL_OK)
            return e;
        uint64_t n = ol__chain_key_storage(&act->delete_key.public_key, &old);
        acc->a.storage_usage -= n <= acc->a.storage_usage ? n : acc->a.storage_usage;
        return OL_OK;
    }
    case OL_NEAR_ACTION_DELETE_ACCOUNT: {
        /* The balance goes to the beneficiary as a refund-style receipt from "system". */
        if (!ol_near_u128_is_zero(acc->a.amount) &&
            (e = push_refund(r, res, rc, act->delete_account.beneficiary_id, acc->a.amount,
                             false)) != OL_OK)
            return e;
        if ((e = ol__chain_account_delete(c, acc->id, r->d)) != OL_OK)
            return e;
        acc->exists = false;
        acc->deleted = true;
        return OL_OK;
    }
    case OL_NEAR_ACTION_DELEGATE:
        return action_delegate(r, rc, act, i, res);
    }
    return OL_FAIL(r->d, OL_E_INTERNAL, "unknown action kind %d", (int)act->kind);
}

/* ---- executing an action receipt ---- */

static json_t *status_of(rt *r, exec_result *res, const uint8_t (*ids)[OL_NEAR_HASH_LEN])
{
    if (res->error != NULL) {
        json_t *e = res->error;
        res->error = NULL;
        return jwrap("Failure", jwrap("ActionError", e));
    }
    if (res->ret_kind == OL_CHAIN_VM_RETURN_RECEIPT && res->ret_receipt < res->nnr)
        return jwrap("SuccessReceiptId", jhash(ids[res->ret_receipt]));
    size_t cap = ol_near_base64_encoded_max(res->ret_len);
    char *b64 = ol_near_arena_alloc(r->ar, cap);
    if (b64 == NULL ||
        ol_near_base64_encode(res->ret_data, res->ret_len, b64, cap, NULL, NULL) != OL_OK)
        return NULL;
    return jwrap("SuccessValue", json_string(b64));
}

static ol_err execute_action_receipt(rt *r, const ol__chain_receipt *rc)
{
    ol_chain *c = r->c;
    exec_result res;
    acct_state acc;
    ol_err e;
    bool is_refund = strcmp(rc->predecessor_id, "system") == 0;
    const ol_chain_params *p = c->params;
    uint8_t(*ids)[OL_NEAR_HASH_LEN] = NULL;
    json_t *status = NULL;

    memset(&res, 0, sizeof res);
    memset(&acc, 0, sizeof acc);
    res.logs = json_array();
    if (res.logs == NULL)
        return OL_FAIL(r->d, OL_E_NOMEM, "logs");
    if (!is_refund) {
        res.gas_burnt = p->action_receipt_creation.execution;
        res.gas_used = res.gas_burnt;
    }
    snprintf(acc.id, sizeof acc.id, "%s", rc->receiver_id);
    snprintf(acc.actor, sizeof acc.actor, "%s", rc->predecessor_id);
    if ((e = ol__chain_db_savepoint(c, r->d)) != OL_OK)
        goto out;
    e = ol__chain_account_get(c, acc.id, &acc.a, r->d);
    if (e == OL_OK)
        acc.exists = true;
    else if (e != OL_E_NOTFOUND)
        goto fail_db;
    e = OL_OK;
    if (is_refund && acc.exists) {
        /* A gas refund also refills the allowance of the function-call key that paid. */
        ol_near_access_key ak;
        if (ol__chain_key_get(c, acc.id, &rc->signer_pk, r->ar, &ak, NULL) == OL_OK &&
            !ak.full_access && ak.has_allowance && rc->n_actions == 1) {
            if (ol_near_u128_add(ak.allowance, rc->actions[0].transfer.deposit, &ak.allowance,
                                 NULL) != OL_OK)
                ak.allowance = (ol_near_u128){UINT64_MAX, UINT64_MAX};
            if ((e = ol__chain_key_put(c, acc.id, &rc->signer_pk, &ak, r->d)) != OL_OK)
                goto fail_db;
        }
    }
    for (size_t i = 0; i < rc->n_actions && res.error == NULL; i++) {
        if ((e = apply_action(r, rc, &acc, i, &res)) != OL_OK)
            goto fail_db;
    }
    if (res.error == NULL && acc.exists) {
        ol_near_u128 missing;
        if (ol__chain_check_storage(&acc.a, &missing) != OL_OK)
            set_error(&res, json_null(),
                      kv2("LackBalanceForState", "account_id", json_string(acc.id), "amount",
                          jstr_u128(missing)));
    }
    if (res.error == NULL) {
        if (acc.exists && (e = ol__chain_account_put(c, acc.id, &acc.a, r->d)) != OL_OK)
            goto fail_db;
        if ((e = ol__chain_db_release(c, r->d)) != OL_OK)
            goto out;
    } else {
        if ((e = ol__chain_db_rollback_to(c, r->d)) != OL_OK)
            goto out;
        res.nnr = 0; /* receipts of a failed receipt are never sent */
        res.nresumes = 0;
        res.ret_kind = OL_CHAIN_VM_RETURN_NONE;
    }
    bool failed = res.error != NULL;

    /* Refunds (none for refunds themselves). */
    if (!is_refund) {
        /* nearcore's refund: prepaid = gas attached + send fees prepaid for the receipts of
         * delegate actions + execution fees; a delegate action that did not send its receipt
         * gives those send fees back. */
        uint64_t pgas = 0, psend = 0, pexec = 0;
        if (ol__chain_total_prepaid_gas(rc->actions, rc->n_actions, &pgas) ||
            ol__chain_total_prepaid_send_fees(rc->actions, rc->n_actions, &psend) ||
            ol__chain_total_prepaid_exec_fees(rc->actions, rc->n_actions, rc->receiver_id,
                                              &pexec)) {
            e = OL_FAIL(r->d, OL_E_RANGE, "gas overflow");
            goto out;
        }
        uint64_t prepaid = pgas + psend + pexec + p->action_receipt_creation.execution;
        uint64_t spent = failed ? res.gas_burnt : res.gas_used;
        uint64_t gas_refund = prepaid > spent ? prepaid - spent : 0;
        if (failed) {
            ol_near_u128 dep;
            if (ol__chain_total_deposit(rc->actions, rc->n_actions, &dep) != OL_OK) {
                e = OL_FAIL(r->d, OL_E_RANGE, "deposit overflow");
                goto out;
            }
            if (!ol_near_u128_is_zero(dep) &&
                (e = push_refund(r, &res, rc, rc->predecessor_id, dep, false)) != OL_OK)
                goto out;
        }
        ol_near_u128 amount;
        if (ol_near_u128_mul(ol_near_u128_from_u64(gas_refund), rc->gas_price, &amount, NULL) !=
            OL_OK) {
            e = OL_FAIL(r->d, OL_E_RANGE, "refund overflow");
            goto out;
        }
        if (!ol_near_u128_is_zero(amount) &&
            (e = push_refund(r, &res, rc, rc->signer_id, amount, true)) != OL_OK)
            goto out;
    }

    /* Ids of the new receipts. */
    if (res.nnr > 0) {
        ids = ol_near_arena_alloc(r->ar, res.nnr * sizeof *ids);
        if (ids == NULL) {
            e = OL_FAIL(r->d, OL_E_NOMEM, "ids");
            goto out;
        }
        for (size_t i = 0; i < res.nnr; i++) {
            new_id(r, "receipt", rc->id, ids[i]);
            memcpy(res.nr[i].r.id, ids[i], OL_NEAR_HASH_LEN);
        }
    }

    /* Output data: forwarded to the returned promise, or sent as data receipts. */
    if (rc->n_out_data > 0) {
        if (!failed && res.ret_kind == OL_CHAIN_VM_RETURN_RECEIPT && res.ret_receipt < res.nnr) {
            for (size_t k = 0; k < rc->n_out_data; k++)
                if ((e = add_out_data(r, &res.nr[res.ret_receipt], rc->out_data[k].data_id,
                                      rc->out_data[k].receiver_id)) != OL_OK)
                    goto out;
        } else {
            for (size_t k = 0; k < rc->n_out_data; k++) {
                ol__chain_receipt dr;
                memset(&dr, 0, sizeof dr);
                new_id(r, "datareceipt", rc->id, dr.id);
                memcpy(dr.tx_hash, rc->tx_hash, OL_NEAR_HASH_LEN);
                dr.is_data = true;
                snprintf(dr.predecessor_id, sizeof dr.predecessor_id, "%s", rc->receiver_id);
                snprintf(dr.receiver_id, sizeof dr.receiver_id, "%s", rc->out_data[k].receiver_id);
                memcpy(dr.data_id, rc->out_data[k].data_id, OL_NEAR_HASH_LEN);
                dr.has_data = !failed;
                dr.data = res.ret_data;
                dr.data_len = failed ? 0 : res.ret_len;
                if ((e = schedule(r, &dr, r->b->height + 1)) != OL_OK)
                    goto out;
            }
        }
    }
    /* Yield resumes: PromiseResume data receipts to the contract itself. */
    for (size_t k = 0; k < res.nresumes; k++) {
        ol__chain_receipt dr;
        memset(&dr, 0, sizeof dr);
        new_id(r, "resume", rc->id, dr.id);
        memcpy(dr.tx_hash, rc->tx_hash, OL_NEAR_HASH_LEN);
        dr.is_data = true;
        dr.is_resume = true;
        snprintf(dr.predecessor_id, sizeof dr.predecessor_id, "%s", rc->receiver_id);
        snprintf(dr.receiver_id, sizeof dr.receiver_id, "%s", rc->receiver_id);
        memcpy(dr.data_id, res.resumes[k].data_id, OL_NEAR_HASH_LEN);
        dr.has_data = true;
        dr.data = res.resumes[k].payload;
        dr.data_len = res.resumes[k].len;
        if ((e = schedule(r, &dr, r->b->height + 1)) != OL_OK)
            goto out;
    }

    /* Burnt tokens and the contract's reward (30% of the gas its code burnt). */
    uint64_t burnt = is_refund ? 0 : res.gas_burnt;
    ol_near_u128 tokens;
    if (ol_near_u128_mul(ol_near_u128_from_u64(burnt), ol_near_u128_from_u64(OL_CHAIN_GAS_PRICE),
                         &tokens, NULL) != OL_OK) {
        e = OL_FAIL(r->d, OL_E_RANGE, "tokens overflow");
        goto out;
    }
    uint64_t reward_gas = res.gas_burnt_fc / 10 * 3 + res.gas_burnt_fc % 10 * 3 / 10;
    if (reward_gas > 0) {
        ol__chain_account ra;
        e = ol__chain_account_get(c, rc->receiver_id, &ra, r->d);
        if (e == OL_OK) {
            ol_near_u128 reward;
            (void)ol_near_u128_mul(ol_near_u128_from_u64(reward_gas),
                                   ol_near_u128_from_u64(OL_CHAIN_GAS_PRICE), &reward, NULL);
            if ((e = add_u128(r, &ra.amount, reward)) != OL_OK ||
                (e = ol__chain_account_put(c, rc->receiver_id, &ra, r->d)) != OL_OK)
                goto out;
        } else if (e != OL_E_NOTFOUND) {
            goto out;
        }
        e = OL_OK;
    }

    /* Schedule the new receipts. */
    json_t *rids = json_array();
    if (rids == NULL) {
        e = OL_FAIL(r->d, OL_E_NOMEM, "ids");
        goto out;
    }
    for (size_t i = 0; i < res.nnr; i++) {
        json_array_append_new(rids, jhash(ids[i]));
        if ((e = schedule(r, &res.nr[i].r, r->b->height + 1)) != OL_OK) {
            json_decref(rids);
            goto out;
        }
    }
    status = status_of(r, &res, (const uint8_t(*)[OL_NEAR_HASH_LEN])ids);
    ol__chain_outcome o;
    memset(&o, 0, sizeof o);
    memcpy(o.id, rc->id, OL_NEAR_HASH_LEN);
    memcpy(o.tx_hash, rc->tx_hash, OL_NEAR_HASH_LEN);
    o.executed = true;
    o.height = r->b->height;
    memcpy(o.block_hash, r->b->hash, OL_NEAR_HASH_LEN);
    snprintf(o.executor_id, sizeof o.executor_id, "%s", rc->receiver_id);
    o.gas_burnt = burnt;
    o.tokens_burnt = tokens;
    o.logs_json = ol__chain_json_take_text(json_incref(res.logs));
    o.receipt_ids_json = ol__chain_json_take_text(rids);
    o.status_json = ol__chain_json_take_text(status);
    status = NULL;
    if (o.logs_json == NULL || o.receipt_ids_json == NULL || o.status_json == NULL)
        e = OL_FAIL(r->d, OL_E_NOMEM, "outcome");
    else
        e = ol__chain_outcome_put(c, &o, r->d);
    ol__chain_outcome_fini(&o);
    if (e != OL_OK)
        goto out;
    r->gas_used += burnt;
    (void)ol_near_u128_add(r->tokens_burnt, tokens, &r->tokens_burnt, NULL);
    r->n_receipts++;
    /* The inputs are consumed. */
    for (size_t i = 0; i < rc->n_input; i++)
        if ((e = ol__chain_rdata_delete(c, rc->input_ids[i], r->d)) != OL_OK)
            goto out;
    goto out;
fail_db:
    (void)ol__chain_db_rollback_to(c, NULL);
out:
    json_decref(status);
    json_decref(res.logs);
    json_decref(res.error);
    return e;
}

/* A data receipt arrives: store it; run the receipt that waited for it once complete. */
static ol_err process_data_receipt(rt *r, const ol__chain_receipt *rc)
{
    ol_chain *c = r->c;
    uint8_t rid[OL_NEAR_HASH_LEN];
    bool has = false;
    uint8_t *old = NULL;
    size_t olen = 0;
    ol_err e = ol__chain_rdata_get(c, rc->data_id, &has, &old, &olen, r->d);
    free(old);
    if (e == OL_OK)
        return OL_OK; /* already received: the first payload wins */
    if (e != OL_E_NOTFOUND)
        return e;
    e = ol__chain_awaiting_get(c, rc->data_id, rid, r->d);
    if (e == OL_E_NOTFOUND) {
        if (rc->is_resume)
            return OL_OK; /* the yield is gone (resumed, timed out or executed) */
        /* The data came before its receipt: keep it for when the receipt arrives. */
        return ol__chain_rdata_put(c, rc->data_id, rc->has_data, rc->data, rc->data_len, r->d);
    }
    if (e != OL_OK)
        return e;
    if ((e = ol__chain_rdata_put(c, rc->data_id, rc->has_data, rc->data, rc->data_len, r->d)) !=
            OL_OK ||
        (e = ol__chain_awaiting_delete(c, rc->data_id, r->d)) != OL_OK)
        return e;
    uint32_t missing = 0;
    e = ol__chain_postponed_get(c, rid, &missing, r->d);
    if (e == OL_E_NOTFOUND)
        return OL_OK;
    if (e != OL_OK)
        return e;
    if (missing > 1)
        return ol__chain_postponed_put(c, rid, missing - 1, r->d);
    if ((e = ol__chain_postponed_delete(c, rid, r->d)) != OL_OK)
        return e;
    ol__chain_receipt w;
    if ((e = ol__chain_receipt_get(c, rid, r->ar, &w, r->d)) != OL_OK)
        return e;
    return execute_action_receipt(r, &w);
}

static ol_err process_receipt(rt *r, const ol__chain_receipt *rc)
{
    ol_chain *c = r->c;
    if (rc->is_data)
        return process_data_receipt(r, rc);
    uint32_t missing = 0;
    for (size_t i = 0; i < rc->n_input; i++) {
        bool has = false;
        uint8_t *v = NULL;
        size_t n = 0;
        ol_err e = ol__chain_rdata_get(c, rc->input_ids[i], &has, &v, &n, r->d);
        free(v);
        if (e == OL_E_NOTFOUND) {
            missing++;
            if ((e = ol__chain_awaiting_put(c, rc->input_ids[i], rc->id, r->d)) != OL_OK)
                return e;
        } else if (e != OL_OK) {
            return e;
        }
    }
    if (missing > 0)
        return ol__chain_postponed_put(c, rc->id, missing, r->d);
    return execute_action_receipt(r, rc);
}

/* ---- the block ---- */

static ol_err drop_tx(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN], char *err_json)
{
    ol__chain_dropped *dr = &c->dropped[c->ndropped_next % OL__CHAIN_DROPPED_MAX];
    free(dr->error_json);
    memcpy(dr->hash, hash, OL_NEAR_HASH_LEN);
    dr->error_json = err_json;
    c->ndropped_next++;
    return OL_OK;
}

static ol_err apply_tx(rt *r, const ol__chain_pool_tx *ptx, uint8_t local[OL_NEAR_HASH_LEN],
                       bool *is_local)
{
    ol_chain *c = r->c;
    ol_near_signed_tx stx;
    char *err_json = NULL;
    ol_diag qd = {0};
    *is_local = false;
    ol_err e = ol_near_signed_tx_decode(ptx->bytes, ptx->len, r->ar, &stx, &qd);
    if (e == OL_E_NOMEM)
        return OL_FAIL(r->d, e, "tx");
    if (e != OL_OK)
        return OL_OK; /* refused at submission already; cannot happen */
    e = ol__chain_tx_validate(c, &stx, ptx->len, &err_json, &qd);
    if (e == OL_OK)
        e = ol__chain_tx_verify(c, &stx, r->b->height, true, NULL, &err_json, &qd);
    ol__chain_tx_cost cost;
    if (e == OL_OK && (e = ol__chain_tx_compute_cost(&stx.tx, &cost, &qd)) != OL_OK)
        return OL_FAIL(r->d, e, "%s", qd.msg);
    if (e == OL_E_INVAL) {
        OL_LOG(OL_LOG_INFO, "chain: dropped transaction at height %llu: %s",
               (unsigned long long)r->b->height, err_json ? err_json : "?");
        return drop_tx(c, ptx->hash, err_json);
    }
    if (e != OL_OK) {
        free(err_json);
        *r->d = qd;
        return e;
    }
    if ((e = ol__chain_tx_put(c, ptx->hash, stx.tx.signer_id, ptx->bytes, ptx->len, r->b->height,
                              r->d)) != OL_OK)
        return e;
    ol__chain_receipt rc;
    memset(&rc, 0, sizeof rc);
    new_id(r, "tx", ptx->hash, rc.id);
    memcpy(rc.tx_hash, ptx->hash, OL_NEAR_HASH_LEN);
    snprintf(rc.predecessor_id, sizeof rc.predecessor_id, "%s", stx.tx.signer_id);
    snprintf(rc.receiver_id, sizeof rc.receiver_id, "%s", stx.tx.receiver_id);
    snprintf(rc.signer_id, sizeof rc.signer_id, "%s", stx.tx.signer_id);
    rc.signer_pk = stx.tx.public_key;
    rc.gas_price = ol_near_u128_from_u64(OL_CHAIN_GAS_PRICE);
    rc.actions = stx.tx.actions;
    rc.n_actions = stx.tx.n_actions;
    *is_local = strcmp(stx.tx.signer_id, stx.tx.receiver_id) == 0;
    /* A local receipt runs in this block, right after the transactions. */
    if ((e = ol__chain_receipt_put(c, &rc, r->d)) != OL_OK)
        return e;
    ol__chain_outcome o;
    memset(&o, 0, sizeof o);
    memcpy(o.id, rc.id, OL_NEAR_HASH_LEN);
    memcpy(o.tx_hash, ptx->hash, OL_NEAR_HASH_LEN);
    o.height = r->b->height;
    memcpy(o.block_hash, r->b->hash, OL_NEAR_HASH_LEN);
    snprintf(o.executor_id, sizeof o.executor_id, "%s", rc.receiver_id);
    if ((e = ol__chain_outcome_put(c, &o, r->d)) != OL_OK)
        return e;
    if (*is_local)
        memcpy(local, rc.id, OL_NEAR_HASH_LEN);
    else if ((e = ol__chain_queue_push(c, rc.id, r->b->height + 1, r->d)) != OL_OK)
        return e;
    /* The transaction's own outcome. */
    char rid[OL_NEAR_HASH_STR_MAX], buf[OL_NEAR_HASH_STR_MAX + 40];
    ol_near_hash_format(rc.id, rid);
    memset(&o, 0, sizeof o);
    memcpy(o.id, ptx->hash, OL_NEAR_HASH_LEN);
    memcpy(o.tx_hash, ptx->hash, OL_NEAR_HASH_LEN);
    o.is_tx = true;
    o.executed = true;
    o.height = r->b->height;
    memcpy(o.block_hash, r->b->hash, OL_NEAR_HASH_LEN);
    snprintf(o.executor_id, sizeof o.executor_id, "%s", stx.tx.signer_id);
    o.gas_burnt = cost.gas_burnt;
    o.tokens_burnt = cost.burnt_amount;
    char ids[OL_NEAR_HASH_STR_MAX + 8];
    snprintf(ids, sizeof ids, "[\"%s\"]", rid);
    snprintf(buf, sizeof buf, "{\"SuccessReceiptId\":\"%s\"}", rid);
    o.logs_json = (char *)(uintptr_t) "[]";
    o.receipt_ids_json = ids;
    o.status_json = buf;
    if ((e = ol__chain_outcome_put(c, &o, r->d)) != OL_OK)
        return e;
    r->gas_used += cost.gas_burnt;
    (void)ol_near_u128_add(r->tokens_burnt, cost.burnt_amount, &r->tokens_burnt, NULL);
    return OL_OK;
}

ol_err ol__chain_apply_block(ol_chain *c, ol__chain_block *b, ol__chain_pool_tx *txs, size_t ntx,
                             ol_diag *d)
{
    rt r;
    ol_err e;
    uint8_t(*local)[OL_NEAR_HASH_LEN] = NULL;
    size_t nlocal = 0;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.b = b;
    r.d = d;
    if ((e = ol_near_arena_new(NULL, &r.ar, d)) != OL_OK)
        return e;
    if (ntx > 0 && (local = calloc(ntx, sizeof *local)) == NULL) {
        e = OL_FAIL(d, OL_E_NOMEM, "block");
        goto out;
    }
    uint32_t included = 0;
    for (size_t i = 0; i < ntx; i++) {
        bool is_local = false;
        ol__chain_dropped *before = &c->dropped[c->ndropped_next % OL__CHAIN_DROPPED_MAX];
        size_t nd = c->ndropped_next;
        if ((e = apply_tx(&r, &txs[i], local[nlocal], &is_local)) != OL_OK)
            goto out;
        (void)before;
        if (c->ndropped_next == nd)
            included++;
        if (is_local)
            nlocal++;
    }
    b->n_txs = included;
    for (size_t i = 0; i < nlocal; i++) {
        ol__chain_receipt rc;
        if ((e = ol__chain_receipt_get(c, local[i], r.ar, &rc, d)) != OL_OK ||
            (e = process_receipt(&r, &rc)) != OL_OK)
            goto out;
    }
    /* Receipts due at this height (bounded: the queue holds only receipts created before). */
    for (;;) {
        uint8_t id[OL_NEAR_HASH_LEN];
        e = ol__chain_queue_pop(c, b->height, id, d);
        if (e == OL_E_NOTFOUND)
            break;
        if (e != OL_OK)
            goto out;
        ol__chain_receipt rc;
        if ((e = ol__chain_receipt_get(c, id, r.ar, &rc, d)) != OL_OK ||
            (e = process_receipt(&r, &rc)) != OL_OK)
            goto out;
    }
    /* Yield timeouts. */
    for (;;) {
        uint8_t data_id[OL_NEAR_HASH_LEN], rid[OL_NEAR_HASH_LEN];
        char account[OL_NEAR_ACCOUNT_ID_MAX];
        e = ol__chain_yield_pop(c, b->height, data_id, account, d);
        if (e == OL_E_NOTFOUND)
            break;
        if (e != OL_OK)
            goto out;
        e = ol__chain_awaiting_get(c, data_id, rid, d);
        if (e == OL_E_NOTFOUND)
            continue; /* resumed already */
        if (e != OL_OK)
            goto out;
        ol__chain_receipt dr;
        memset(&dr, 0, sizeof dr);
        new_id(&r, "timeout", data_id, dr.id);
        ol__chain_receipt w;
        if ((e = ol__chain_receipt_get(c, rid, r.ar, &w, d)) != OL_OK)
            goto out;
        memcpy(dr.tx_hash, w.tx_hash, OL_NEAR_HASH_LEN);
        dr.is_data = true;
        dr.is_resume = true;
        snprintf(dr.predecessor_id, sizeof dr.predecessor_id, "%s", account);
        snprintf(dr.receiver_id, sizeof dr.receiver_id, "%s", account);
        memcpy(dr.data_id, data_id, OL_NEAR_HASH_LEN);
        dr.has_data = false;
        if ((e = schedule(&r, &dr, b->height + 1)) != OL_OK)
            goto out;
    }
    e = OL_OK;
    b->gas_used = r.gas_used;
    b->tokens_burnt = r.tokens_burnt;
    b->n_receipts = r.n_receipts;
out:
    free(local);
    ol_near_arena_free(r.ar);
    return e;
}
