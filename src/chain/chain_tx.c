/* Transaction validation and costs, as nearcore's verifier.rs and config.rs: stateless checks
 * (size, actions, signature, block-hash window), then checks against the signer's state (nonce,
 * access key permissions, balance, allowance, storage stake) which also charge the signer when
 * the transaction is converted into a receipt. Errors are InvalidTxError JSON in nearcore's
 * serde shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"

#define CHECK_JSON(v)    \
    do {                 \
        if ((v) == NULL) \
            return NULL; \
    } while (0)

char *ol__chain_json_take_text(json_t *v)
{
    if (v == NULL)
        return NULL;
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    return s;
}

static char *pk_text(const ol_near_public_key *pk, char buf[OL_NEAR_KEY_STR_MAX])
{
    ol_near_public_key_format(pk, buf);
    return buf;
}

static char *u128_text(ol_near_u128 v, char buf[OL_NEAR_U128_STR_MAX])
{
    ol_near_u128_format(v, buf);
    return buf;
}

/* {"<name>": inner} */
static json_t *wrap(const char *name, json_t *inner)
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

static char *limit_err(const char *name, const char *k1, uint64_t v1, const char *k2, uint64_t v2)
{
    return ol__chain_json_take_text(
        wrap(name, json_pack("{sIsI}", k1, (json_int_t)v1, k2, (json_int_t)v2)));
}

/* ---- fees ---- */

static ol_err add_gas(uint64_t *acc, uint64_t v)
{
    if (*acc > UINT64_MAX - v)
        return OL_E_RANGE;
    *acc += v;
    return OL_OK;
}

static ol_err action_fees(const ol_near_action *a, const char *receiver_id, bool sir,
                          uint64_t *send, uint64_t *exec)
{
    return ol_chain_action_fees(ol_chain_params_default(), a, receiver_id, strlen(receiver_id), sir,
                                send, exec, NULL);
}

ol_err ol__chain_total_send_fees(const ol_near_action *acts, size_t n, bool sir,
                                 const char *receiver_id, uint64_t *out)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t send = 0, exec = 0;
        if (action_fees(&acts[i], receiver_id, sir, &send, &exec) != OL_OK ||
            add_gas(&total, send) != OL_OK)
            return OL_E_RANGE;
        if (acts[i].kind == OL_NEAR_ACTION_DELEGATE) {
            const ol_near_delegate_action *da = &acts[i].delegate.signed_delegate->delegate_action;
            uint64_t inner = 0;
            bool isir = strcmp(da->sender_id, da->receiver_id) == 0;
            if (ol__chain_total_send_fees(da->actions, da->n_actions, isir, da->receiver_id,
                                          &inner) != OL_OK ||
                add_gas(&total, inner) != OL_OK)
                return OL_E_RANGE;
        }
    }
    *out = total;
    return OL_OK;
}

ol_err ol__chain_total_prepaid_send_fees(const ol_near_action *acts, size_t n, uint64_t *out)
{
    const ol_chain_params *p = ol_chain_params_default();
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (acts[i].kind != OL_NEAR_ACTION_DELEGATE)
            continue;
        const ol_near_delegate_action *da = &acts[i].delegate.signed_delegate->delegate_action;
        bool isir = strcmp(da->sender_id, da->receiver_id) == 0;
        uint64_t inner = 0;
        if (ol__chain_total_send_fees(da->actions, da->n_actions, isir, da->receiver_id, &inner) !=
                OL_OK ||
            add_gas(&total, inner) != OL_OK ||
            add_gas(&total, ol_chain_fee_send(&p->action_receipt_creation, isir)) != OL_OK)
            return OL_E_RANGE;
    }
    *out = total;
    return OL_OK;
}

ol_err ol__chain_total_prepaid_exec_fees(const ol_near_action *acts, size_t n,
                                         const char *receiver_id, uint64_t *out)
{
    const ol_chain_params *p = ol_chain_params_default();
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t send = 0, exec = 0;
        if (action_fees(&acts[i], receiver_id, false, &send, &exec) != OL_OK ||
            add_gas(&total, exec) != OL_OK)
            return OL_E_RANGE;
        if (acts[i].kind == OL_NEAR_ACTION_DELEGATE) {
            const ol_near_delegate_action *da = &acts[i].delegate.signed_delegate->delegate_action;
            uint64_t inner = 0;
            if (ol__chain_total_prepaid_exec_fees(da->actions, da->n_actions, da->receiver_id,
                                                  &inner) != OL_OK ||
                add_gas(&total, inner) != OL_OK ||
                add_gas(&total, p->action_receipt_creation.execution) != OL_OK)
                return OL_E_RANGE;
        }
    }
    *out = total;
    return OL_OK;
}

ol_err ol__chain_total_prepaid_gas(const ol_near_action *acts, size_t n, uint64_t *out)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (acts[i].kind == OL_NEAR_ACTION_FUNCTION_CALL) {
            if (add_gas(&total, acts[i].function_call.gas) != OL_OK)
                return OL_E_RANGE;
        } else if (acts[i].kind == OL_NEAR_ACTION_DELEGATE) {
            const ol_near_delegate_action *da = &acts[i].delegate.signed_delegate->delegate_action;
            uint64_t inner = 0;
            if (ol__chain_total_prepaid_gas(da->actions, da->n_actions, &inner) != OL_OK ||
                add_gas(&total, inner) != OL_OK)
                return OL_E_RANGE;
        }
    }
    *out = total;
    return OL_OK;
}

ol_err ol__chain_total_deposit(const ol_near_action *acts, size_t n, ol_near_u128 *out)
{
    ol_near_u128 total = {0, 0};
    for (size_t i = 0; i < n; i++) {
        ol_near_u128 v = {0, 0};
        if (acts[i].kind == OL_NEAR_ACTION_FUNCTION_CALL) {
            v = acts[i].function_call.deposit;
        } else if (acts[i].kind == OL_NEAR_ACTION_TRANSFER) {
            v = acts[i].transfer.deposit;
        } else if (acts[i].kind == OL_NEAR_ACTION_DELEGATE) {
            /* As nearcore: the relayer pays the inner actions' deposits; if the delegate action
             * fails they are refunded with the rest of its receipt's deposit. */
            const ol_near_delegate_action *da = &acts[i].delegate.signed_delegate->delegate_action;
            if (ol__chain_total_deposit(da->actions, da->n_actions, &v) != OL_OK)
                return OL_E_RANGE;
        }
        if (ol_near_u128_add(total, v, &total, NULL) != OL_OK)
            return OL_E_RANGE;
    }
    *out = total;
    return OL_OK;
}

static ol_err gas_to_balance(uint64_t gas, ol_near_u128 *out)
{
    return ol_near_u128_mul(ol_near_u128_from_u64(gas), ol_near_u128_from_u64(OL_CHAIN_GAS_PRICE),
                            out, NULL);
}

ol_err ol__chain_tx_compute_cost(const ol_near_tx *tx, ol__chain_tx_cost *out, ol_diag *d)
{
    const ol_chain_params *p = ol_chain_params_default();
    bool sir = strcmp(tx->signer_id, tx->receiver_id) == 0;
    uint64_t burnt = ol_chain_fee_send(&p->action_receipt_creation, sir);
    uint64_t send = 0, prepaid = 0, psend = 0, pexec = 0, remaining = 0;
    ol_near_u128 burnt_amount, rem_amount, gas_cost, deposit, total;
    if (ol__chain_total_send_fees(tx->actions, tx->n_actions, sir, tx->receiver_id, &send) ||
        add_gas(&burnt, send) ||
        ol__chain_total_prepaid_gas(tx->actions, tx->n_actions, &prepaid) ||
        ol__chain_total_prepaid_send_fees(tx->actions, tx->n_actions, &psend) ||
        ol__chain_total_prepaid_exec_fees(tx->actions, tx->n_actions, tx->receiver_id, &pexec) ||
        add_gas(&remaining, prepaid) || add_gas(&remaining, psend) ||
        add_gas(&remaining, p->action_receipt_creation.execution) || add_gas(&remaining, pexec) ||
        gas_to_balance(burnt, &burnt_amount) || gas_to_balance(remaining, &rem_amount) ||
        ol_near_u128_add(burnt_amount, rem_amount, &gas_cost, NULL) ||
        ol__chain_total_deposit(tx->actions, tx->n_actions, &deposit) ||
        ol_near_u128_add(gas_cost, deposit, &total, NULL))
        return OL_FAIL(d, OL_E_RANGE, "integer overflow in transaction cost");
    out->gas_burnt = burnt;
    out->gas_remaining = remaining;
    out->burnt_amount = burnt_amount;
    out->total_cost = total;
    return OL_OK;
}

ol_err ol__chain_check_storage(const ol__chain_account *a, ol_near_u128 *missing)
{
    ol_near_u128 required, available;
    if (ol_near_u128_mul(ol_near_u128_from_u64(a->storage_usage),
                         ol_near_u128_from_u64(OL__CHAIN_STORAGE_PER_BYTE), &required,
                         NULL) != OL_OK ||
        ol_near_u128_add(a->amount, a->locked, &available, NULL) != OL_OK)
        return OL_E_RANGE;
    if (ol_near_u128_cmp(available, required) >= 0)
        return OL_OK;
    if (a->storage_usage <= OL__CHAIN_ZERO_BALANCE_LIMIT)
        return OL_OK;
    (void)ol_near_u128_sub(required, available, missing, NULL);
    return OL_E_LIMIT;
}

/* ---- actions validation (ActionsValidationError) ---- */

static char *validate_one(const ol_near_action *a)
{
    const ol_chain_params *p = ol_chain_params_default();
    switch (a->kind) {
    case OL_NEAR_ACTION_DEPLOY_CONTRACT:
        if (a->deploy_contract.code.len > p->max_contract_size)
            return limit_err("ContractSizeExceeded", "size", a->deploy_contract.code.len, "limit",
                             p->max_contract_size);
        break;
    case OL_NEAR_ACTION_FUNCTION_CALL:
        if (a->function_call.gas == 0)
            return strdup("\"FunctionCallZeroAttachedGas\"");
        if (a->function_call.method_name.len > p->max_length_method_name)
            return limit_err("FunctionCallMethodNameLengthExceeded", "length",
                             a->function_call.method_name.len, "limit", p->max_length_method_name);
        if (a->function_call.args.len > p->max_arguments_length)
            return limit_err("FunctionCallArgumentsLengthExceeded", "length",
                             a->function_call.args.len, "limit", p->max_arguments_length);
        break;
    case OL_NEAR_ACTION_STAKE:
        if (a->stake.public_key.type != OL_NEAR_KEY_ED25519) {
            char pk[OL_NEAR_KEY_STR_MAX];
            return ol__chain_json_take_text(
                wrap("UnsuitableStakingKey",
                     json_pack("{ss}", "public_key", pk_text(&a->stake.public_key, pk))));
        }
        break;
    case OL_NEAR_ACTION_ADD_KEY: {
        const ol_near_access_key *ak = &a->add_key.access_key;
        if (ak->full_access)
            break;
        if (ak->receiver_id.len > 0 &&
            !ol_near_account_id_is_valid(ak->receiver_id.p, ak->receiver_id.len)) {
            json_t *v = json_stringn(ak->receiver_id.p, ak->receiver_id.len);
            return ol__chain_json_take_text(
                wrap("InvalidAccountId", v ? json_pack("{so}", "account_id", v) : NULL));
        }
        uint64_t total = 0;
        for (size_t i = 0; i < ak->n_method_names; i++) {
            if (ak->method_names[i].len > p->max_length_method_name)
                return limit_err("AddKeyMethodNameLengthExceeded", "length",
                                 ak->method_names[i].len, "limit", p->max_length_method_name);
            total += ak->method_names[i].len + 1;
        }
        if (total > p->max_number_bytes_method_names)
            return limit_err("AddKeyMethodNamesNumberOfBytesExceeded", "total_number_of_bytes",
                             total, "limit", p->max_number_bytes_method_names);
        break;
    }
    default:
        break;
    }
    return NULL;
}

char *ol__chain_actions_validate(const ol_near_action *acts, size_t n, const char *receiver_id)
{
    const ol_chain_params *p = ol_chain_params_default();
    (void)receiver_id;
    if (n > p->max_actions_per_receipt)
        return limit_err("TotalNumberOfActionsExceeded", "total_number_of_actions", n, "limit",
                         p->max_actions_per_receipt);
    bool delegate = false;
    for (size_t i = 0; i < n; i++) {
        if (acts[i].kind == OL_NEAR_ACTION_DELEGATE) {
            if (delegate)
                return strdup("\"DelegateActionMustBeOnlyOne\"");
            delegate = true;
            const ol_near_delegate_action *da = &acts[i].delegate.signed_delegate->delegate_action;
            for (size_t k = 0; k < da->n_actions; k++) {
                char *e = validate_one(&da->actions[k]);
                if (e != NULL)
                    return e;
            }
        } else {
            char *e = validate_one(&acts[i]);
            if (e != NULL)
                return e;
        }
    }
    uint64_t gas = 0;
    if (ol__chain_total_prepaid_gas(acts, n, &gas) != OL_OK)
        return strdup("\"IntegerOverflow\"");
    if (gas > p->max_total_prepaid_gas)
        return limit_err("TotalPrepaidGasExceeded", "total_prepaid_gas", gas, "limit",
                         p->max_total_prepaid_gas);
    return NULL;
}

/* ---- transactions ---- */

static ol_err invalid(char **err_json, char *text, ol_diag *d)
{
    if (text == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "error JSON");
    *err_json = text;
    return OL_FAIL(d, OL_E_INVAL, "invalid transaction: %.200s", text);
}

ol_err ol__chain_tx_validate(ol_chain *c, const ol_near_signed_tx *stx, size_t size,
                             char **err_json, ol_diag *d)
{
    const ol_chain_params *p = ol_chain_params_default();
    const ol_near_tx *tx = &stx->tx;
    if (size > p->max_transaction_size)
        return invalid(
            err_json,
            limit_err("TransactionSizeExceeded", "size", size, "limit", p->max_transaction_size),
            d);
    char *ae = ol__chain_actions_validate(tx->actions, tx->n_actions, tx->receiver_id);
    if (ae != NULL) {
        json_t *v = json_loads(ae, JSON_DECODE_ANY, NULL);
        free(ae);
        return invalid(err_json, ol__chain_json_take_text(wrap("ActionsValidation", v)), d);
    }
    if (ol_near_signed_tx_verify(stx, NULL, NULL) != OL_OK)
        return invalid(err_json, strdup("\"InvalidSignature\""), d);
    ol__chain_block b;
    ol_err rc = ol__chain_block_by_hash(c, tx->block_hash, &b, d);
    if (rc == OL_E_NOTFOUND || (rc == OL_OK && c->height > b.height + OL__CHAIN_VALIDITY_PERIOD))
        return invalid(err_json, strdup("\"Expired\""), d);
    return rc;
}

static json_t *ak_err(json_t *inner)
{
    return wrap("InvalidAccessKeyError", inner);
}

ol_err ol__chain_tx_verify(ol_chain *c, const ol_near_signed_tx *stx, uint64_t height, bool charge,
                           ol__chain_tx_cost *cost, char **err_json, ol_diag *d)
{
    const ol_near_tx *tx = &stx->tx;
    ol__chain_account acc;
    ol_near_access_key ak;
    ol_near_arena *ar = NULL;
    char pk[OL_NEAR_KEY_STR_MAX], b1[OL_NEAR_U128_STR_MAX], b2[OL_NEAR_U128_STR_MAX];
    ol_err rc = ol_near_arena_new(NULL, &ar, d);
    if (rc != OL_OK)
        return rc;
    rc = ol__chain_account_get(c, tx->signer_id, &acc, d);
    if (rc == OL_E_NOTFOUND) {
        rc = invalid(err_json,
                     ol__chain_json_take_text(
                         wrap("SignerDoesNotExist", json_pack("{ss}", "signer_id", tx->signer_id))),
                     d);
        goto out;
    }
    if (rc != OL_OK)
        goto out;
    rc = ol__chain_key_get(c, tx->signer_id, &tx->public_key, ar, &ak, d);
    if (rc == OL_E_NOTFOUND) {
        rc = invalid(
            err_json,
            ol__chain_json_take_text(ak_err(
                wrap("AccessKeyNotFound", json_pack("{ssss}", "account_id", tx->signer_id,
                                                    "public_key", pk_text(&tx->public_key, pk))))),
            d);
        goto out;
    }
    if (rc != OL_OK)
        goto out;
    if (tx->nonce <= ak.nonce) {
        rc = invalid(err_json,
                     ol__chain_json_take_text(
                         wrap("InvalidNonce", json_pack("{sIsI}", "tx_nonce", (json_int_t)tx->nonce,
                                                        "ak_nonce", (json_int_t)ak.nonce))),
                     d);
        goto out;
    }
    uint64_t upper = height * OL__CHAIN_NONCE_MULT;
    if (tx->nonce >= upper) {
        rc = invalid(err_json,
                     limit_err("NonceTooLarge", "tx_nonce", tx->nonce, "upper_bound", upper), d);
        goto out;
    }
    ol__chain_tx_cost tc;
    if ((rc = ol__chain_tx_compute_cost(tx, &tc, d)) != OL_OK)
        goto out;
    ol_near_u128 new_amount;
    if (ol_near_u128_sub(acc.amount, tc.total_cost, &new_amount, NULL) != OL_OK) {
        rc = invalid(err_json,
                     ol__chain_json_take_text(
                         wrap("NotEnoughBalance", json_pack("{ssssss}", "signer_id", tx->signer_id,
                                                            "balance", u128_text(acc.amount, b1),
                                                            "cost", u128_text(tc.total_cost, b2)))),
                     d);
        goto out;
    }
    if (!ak.full_access && ak.has_allowance) {
        ol_near_u128 left;
        if (ol_near_u128_sub(ak.allowance, tc.total_cost, &left, NULL) != OL_OK) {
            rc = invalid(
                err_json,
                ol__chain_json_take_text(ak_err(
                    wrap("NotEnoughAllowance", json_pack("{ssssssss}", "account_id", tx->signer_id,
                                                         "public_key", pk_text(&tx->public_key, pk),
                                                         "allowance", u128_text(ak.allowance, b1),
                                                         "cost", u128_text(tc.total_cost, b2))))),
                d);
            goto out;
        }
        ak.allowance = left;
    }
    ol__chain_account after = acc;
    after.amount = new_amount;
    ol_near_u128 missing;
    if (ol__chain_check_storage(&after, &missing) != OL_OK) {
        rc = invalid(err_json,
                     ol__chain_json_take_text(
                         wrap("LackBalanceForState", json_pack("{ssss}", "signer_id", tx->signer_id,
                                                               "amount", u128_text(missing, b1)))),
                     d);
        goto out;
    }
    if (!ak.full_access) {
        if (tx->n_actions != 1 || tx->actions[0].kind != OL_NEAR_ACTION_FUNCTION_CALL) {
            rc = invalid(err_json,
                         ol__chain_json_take_text(ak_err(json_string("RequiresFullAccess"))), d);
            goto out;
        }
        const ol_near_action *fc = &tx->actions[0];
        if (!ol_near_u128_is_zero(fc->function_call.deposit)) {
            rc = invalid(err_json,
                         ol__chain_json_take_text(ak_err(json_string("DepositWithFunctionCall"))),
                         d);
            goto out;
        }
        if (strlen(tx->receiver_id) != ak.receiver_id.len ||
            memcmp(tx->receiver_id, ak.receiver_id.p, ak.receiver_id.len) != 0) {
            json_t *akr = json_stringn(ak.receiver_id.p, ak.receiver_id.len);
            rc =
                invalid(err_json,
                        ol__chain_json_take_text(ak_err(wrap(
                            "ReceiverMismatch", akr ? json_pack("{ssso}", "tx_receiver",
                                                                tx->receiver_id, "ak_receiver", akr)
                                                    : NULL))),
                        d);
            goto out;
        }
        if (ak.n_method_names > 0) {
            bool ok = false;
            for (size_t i = 0; i < ak.n_method_names && !ok; i++)
                ok = ak.method_names[i].len == fc->function_call.method_name.len &&
                     memcmp(ak.method_names[i].p, fc->function_call.method_name.p,
                            ak.method_names[i].len) == 0;
            if (!ok) {
                json_t *m = json_stringn(fc->function_call.method_name.p,
                                         fc->function_call.method_name.len);
                rc = invalid(
                    err_json,
                    ol__chain_json_take_text(ak_err(wrap(
                        "MethodNameMismatch", m ? json_pack("{so}", "method_name", m) : NULL))),
                    d);
                goto out;
            }
        }
    }
    if (charge) {
        ak.nonce = tx->nonce;
        if ((rc = ol__chain_key_put(c, tx->signer_id, &tx->public_key, &ak, d)) != OL_OK ||
            (rc = ol__chain_account_put(c, tx->signer_id, &after, d)) != OL_OK)
            goto out;
    }
    if (cost != NULL)
        *cost = tc;
    rc = OL_OK;
out:
    ol_near_arena_free(ar);
    return rc;
}
