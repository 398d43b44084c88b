/* JSON views in nearcore's serde shapes: ActionView, AccessKeyView, hashes, amounts. */
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"

json_t *ol__chain_json_u128(ol_near_u128 v)
{
    char b[OL_NEAR_U128_STR_MAX];
    ol_near_u128_format(v, b);
    return json_string(b);
}

json_t *ol__chain_json_hash(const uint8_t h[OL_NEAR_HASH_LEN])
{
    char b[OL_NEAR_HASH_STR_MAX];
    ol_near_hash_format(h, b);
    return json_string(b);
}

json_t *ol__chain_json_pk(const ol_near_public_key *pk)
{
    char b[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(pk, b);
    return json_string(b);
}

static json_t *b64(const uint8_t *p, size_t len)
{
    size_t cap = ol_near_base64_encoded_max(len);
    char *s = malloc(cap);
    if (s == NULL || ol_near_base64_encode(p, len, s, cap, NULL, NULL) != OL_OK) {
        free(s);
        return NULL;
    }
    json_t *v = json_string(s);
    free(s);
    return v;
}

json_t *ol__chain_json_access_key(const ol_near_access_key *ak)
{
    json_t *perm;
    if (ak->full_access) {
        perm = json_string("FullAccess");
    } else {
        json_t *names = json_array();
        for (size_t i = 0; names != NULL && i < ak->n_method_names; i++)
            json_array_append_new(names,
                                  json_stringn(ak->method_names[i].p, ak->method_names[i].len));
        perm = json_pack("{s{s:o,s:s%,s:o}}", "FunctionCall", "allowance",
                         ak->has_allowance ? ol__chain_json_u128(ak->allowance) : json_null(),
                         "receiver_id", ak->receiver_id.p ? ak->receiver_id.p : "",
                         ak->receiver_id.len, "method_names", names);
    }
    return json_pack("{s:I,s:o}", "nonce", (json_int_t)ak->nonce, "permission", perm);
}

json_t *ol__chain_json_action(const ol_near_action *a)
{
    switch (a->kind) {
    case OL_NEAR_ACTION_CREATE_ACCOUNT:
        return json_string("CreateAccount");
    case OL_NEAR_ACTION_DEPLOY_CONTRACT: {
        uint8_t h[OL_NEAR_HASH_LEN];
        ol_near_sha256(a->deploy_contract.code.p, a->deploy_contract.code.len, h);
        return json_pack("{s{s:o}}", "DeployContract", "code", b64(h, sizeof h));
    }
    case OL_NEAR_ACTION_FUNCTION_CALL:
        return json_pack("{s{s:s%,s:o,s:I,s:o}}", "FunctionCall", "method_name",
                         a->function_call.method_name.p ? a->function_call.method_name.p : "",
                         a->function_call.method_name.len, "args",
                         b64(a->function_call.args.p, a->function_call.args.len), "gas",
                         (json_int_t)a->function_call.gas, "deposit",
                         ol__chain_json_u128(a->function_call.deposit));
    case OL_NEAR_ACTION_TRANSFER:
        return json_pack("{s{s:o}}", "Transfer", "deposit",
                         ol__chain_json_u128(a->transfer.deposit));
    case OL_NEAR_ACTION_STAKE:
        return json_pack("{s{s:o,s:o}}", "Stake", "stake", ol__chain_json_u128(a->stake.stake),
                         "public_key", ol__chain_json_pk(&a->stake.public_key));
    case OL_NEAR_ACTION_ADD_KEY:
        return json_pack("{s{s:o,s:o}}", "AddKey", "public_key",
                         ol__chain_json_pk(&a->add_key.public_key), "access_key",
                         ol__chain_json_access_key(&a->add_key.access_key));
    case OL_NEAR_ACTION_DELETE_KEY:
        return json_pack("{s{s:o}}", "DeleteKey", "public_key",
                         ol__chain_json_pk(&a->delete_key.public_key));
    case OL_NEAR_ACTION_DELETE_ACCOUNT:
        return json_pack("{s{s:s}}", "DeleteAccount", "beneficiary_id",
                         a->delete_account.beneficiary_id);
    case OL_NEAR_ACTION_DELEGATE: {
        const ol_near_signed_delegate *sd = a->delegate.signed_delegate;
        const ol_near_delegate_action *da = &sd->delegate_action;
        char sig[OL_NEAR_KEY_STR_MAX];
        ol_near_signature_format(&sd->signature, sig);
        return json_pack("{s{s:{s:s,s:s,s:o,s:I,s:I,s:o},s:s}}", "Delegate", "delegate_action",
                         "sender_id", da->sender_id, "receiver_id", da->receiver_id, "actions",
                         ol__chain_json_actions(da->actions, da->n_actions), "nonce",
                         (json_int_t)da->nonce, "max_block_height",
                         (json_int_t)da->max_block_height, "public_key",
                         ol__chain_json_pk(&da->public_key), "signature", sig);
    }
    }
    return NULL;
}

json_t *ol__chain_json_actions(const ol_near_action *acts, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        json_t *v = ol__chain_json_action(&acts[i]);
        if (v == NULL || json_array_append_new(arr, v) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}
