/* Transactions, actions, access keys, NEP-366 delegate actions and NEP-413 payloads: borsh
 * encoding (with validation), decoding into an arena, hashing, signing and verification.
 *
 * Layouts (near-protocol.md §2): TransactionV0 has no leading tag; Action is a u8 tag (0..8)
 * and its payload; DelegateAction's actions are NonDelegateAction (tag 8 refused); the delegate
 * hash is sha256(u32 LE (1<<30)+366 ‖ borsh) and the NEP-413 hash sha256(u32 LE (1<<31)+413 ‖
 * borsh).
 *
 * Invariants: the encoders never emit bytes the decoders would refuse (account ids, key types,
 * UTF-8 strings and Option tags are checked on the way out), so decode(encode(x)) == x and
 * encode(decode(b)) == b for every b the decoders accept; the fuzz target checks the second. */
#include <string.h>

#include "near_int.h"

/* ================================== encoding ================================== */

static ol_err check_key_type(const char *what, ol_near_key_type t, ol_diag *d)
{
    if (t != OL_NEAR_KEY_ED25519 && t != OL_NEAR_KEY_SECP256K1)
        return OL_FAIL(d, OL_E_INVAL, "%s: unknown key type %d", what, (int)t);
    return OL_OK;
}

static ol_err check_str(const char *what, ol_near_str s, ol_diag *d)
{
    if (s.p == NULL && s.len > 0)
        return OL_FAIL(d, OL_E_INVAL, "%s: NULL string of length %zu", what, s.len);
    if (s.len > UINT32_MAX)
        return OL_FAIL(d, OL_E_LIMIT, "%s: %zu bytes do not fit a borsh length", what, s.len);
    if (!ol__near_utf8_valid((const uint8_t *)s.p, s.len))
        return OL_FAIL(d, OL_E_INVAL, "%s: not valid UTF-8", what);
    return OL_OK;
}

static ol_err check_bytes(const char *what, ol_near_bytes b, ol_diag *d)
{
    if (b.p == NULL && b.len > 0)
        return OL_FAIL(d, OL_E_INVAL, "%s: NULL data of length %zu", what, b.len);
    if (b.len > UINT32_MAX)
        return OL_FAIL(d, OL_E_LIMIT, "%s: %zu bytes do not fit a borsh length", what, b.len);
    return OL_OK;
}

static ol_err put_account(ol_near_buf *out, const char *what, const char *id, ol_diag *d)
{
    ol_err rc = ol__near_account_field(what, id, d);
    if (rc == OL_OK)
        ol_near_borsh_put_str(out, id, strlen(id));
    return rc;
}

static ol_err put_str(ol_near_buf *out, const char *what, ol_near_str s, ol_diag *d)
{
    ol_err rc = check_str(what, s, d);
    if (rc == OL_OK)
        ol_near_borsh_put_str(out, s.p, s.len);
    return rc;
}

static ol_err put_bytes(ol_near_buf *out, const char *what, ol_near_bytes b, ol_diag *d)
{
    ol_err rc = check_bytes(what, b, d);
    if (rc == OL_OK)
        ol_near_borsh_put_bytes(out, b.p, b.len);
    return rc;
}

static ol_err put_public_key(ol_near_buf *out, const char *what, const ol_near_public_key *pk,
                             ol_diag *d)
{
    ol_err rc = check_key_type(what, pk->type, d);
    if (rc == OL_OK)
        ol_near_borsh_put_public_key(out, pk);
    return rc;
}

static ol_err put_signature(ol_near_buf *out, const char *what, const ol_near_signature *sig,
                            ol_diag *d)
{
    ol_err rc = check_key_type(what, sig->type, d);
    if (rc == OL_OK)
        ol_near_borsh_put_signature(out, sig);
    return rc;
}

static ol_err put_count(ol_near_buf *out, const char *what, size_t n, ol_diag *d)
{
    if (n > UINT32_MAX)
        return OL_FAIL(d, OL_E_LIMIT, "%s: %zu elements do not fit a borsh length", what, n);
    ol_near_borsh_put_u32(out, (uint32_t)n);
    return OL_OK;
}

static ol_err put_access_key(ol_near_buf *out, const ol_near_access_key *ak, ol_diag *d)
{
    ol_near_borsh_put_u64(out, ak->nonce);
    if (ak->full_access) {
        ol_near_borsh_put_u8(out, 1);
        return OL_OK;
    }
    ol_near_borsh_put_u8(out, 0);
    if (ak->has_allowance) {
        ol_near_borsh_put_u8(out, 1);
        ol_near_borsh_put_u128(out, ak->allowance);
    } else {
        ol_near_borsh_put_u8(out, 0);
    }
    ol_err rc = put_str(out, "access key receiver_id", ak->receiver_id, d);
    if (rc != OL_OK)
        return rc;
    if (ak->method_names == NULL && ak->n_method_names > 0)
        return OL_FAIL(d, OL_E_INVAL, "access key: NULL method_names with %zu entries",
                       ak->n_method_names);
    if ((rc = put_count(out, "access key method_names", ak->n_method_names, d)) != OL_OK)
        return rc;
    for (size_t i = 0; i < ak->n_method_names; i++) {
        if ((rc = put_str(out, "access key method name", ak->method_names[i], d)) != OL_OK)
            return rc;
    }
    return OL_OK;
}

static ol_err put_delegate(ol_near_buf *out, const ol_near_delegate_action *da, ol_diag *d);

static ol_err put_action(ol_near_buf *out, const ol_near_action *act, bool in_delegate, ol_diag *d)
{
    ol_err rc = OL_OK;
    if ((unsigned)act->kind > OL_NEAR_ACTION_DELEGATE)
        return OL_FAIL(d, OL_E_INVAL, "action: unknown kind %d", (int)act->kind);
    if (in_delegate && act->kind == OL_NEAR_ACTION_DELEGATE)
        return OL_FAIL(d, OL_E_INVAL, "action: a delegate action cannot contain a Delegate");
    ol_near_borsh_put_u8(out, (uint8_t)act->kind);
    switch (act->kind) {
    case OL_NEAR_ACTION_CREATE_ACCOUNT:
        break;
    case OL_NEAR_ACTION_DEPLOY_CONTRACT:
        rc = put_bytes(out, "DeployContract code", act->deploy_contract.code, d);
        break;
    case OL_NEAR_ACTION_FUNCTION_CALL:
        rc = put_str(out, "FunctionCall method_name", act->function_call.method_name, d);
        if (rc == OL_OK)
            rc = put_bytes(out, "FunctionCall args", act->function_call.args, d);
        ol_near_borsh_put_u64(out, act->function_call.gas);
        ol_near_borsh_put_u128(out, act->function_call.deposit);
        break;
    case OL_NEAR_ACTION_TRANSFER:
        ol_near_borsh_put_u128(out, act->transfer.deposit);
        break;
    case OL_NEAR_ACTION_STAKE:
        ol_near_borsh_put_u128(out, act->stake.stake);
        rc = put_public_key(out, "Stake public_key", &act->stake.public_key, d);
        break;
    case OL_NEAR_ACTION_ADD_KEY:
        rc = put_public_key(out, "AddKey public_key", &act->add_key.public_key, d);
        if (rc == OL_OK)
            rc = put_access_key(out, &act->add_key.access_key, d);
        break;
    case OL_NEAR_ACTION_DELETE_KEY:
        rc = put_public_key(out, "DeleteKey public_key", &act->delete_key.public_key, d);
        break;
    case OL_NEAR_ACTION_DELETE_ACCOUNT:
        rc =
            put_account(out, "DeleteAccount beneficiary_id", act->delete_account.beneficiary_id, d);
        break;
    case OL_NEAR_ACTION_DELEGATE: {
        const ol_near_signed_delegate *sd = act->delegate.signed_delegate;
        if (sd == NULL)
            return OL_FAIL(d, OL_E_INVAL, "Delegate: missing signed delegate action");
        rc = put_delegate(out, &sd->delegate_action, d);
        if (rc == OL_OK)
            rc = put_signature(out, "Delegate signature", &sd->signature, d);
        break;
    }
    }
    return rc;
}

static ol_err put_actions(ol_near_buf *out, const ol_near_action *acts, size_t n, bool in_delegate,
                          ol_diag *d)
{
    if (acts == NULL && n > 0)
        return OL_FAIL(d, OL_E_INVAL, "actions: NULL array with %zu entries", n);
    ol_err rc = put_count(out, "actions", n, d);
    for (size_t i = 0; rc == OL_OK && i < n; i++) {
        ol_diag sub = {0};
        rc = put_action(out, &acts[i], in_delegate, &sub);
        if (rc != OL_OK)
            rc = OL_FAIL(d, rc, "%sactions[%zu]: %s", in_delegate ? "delegate " : "", i, sub.msg);
    }
    return rc;
}

static ol_err put_delegate(ol_near_buf *out, const ol_near_delegate_action *da, ol_diag *d)
{
    ol_err rc = put_account(out, "delegate sender_id", da->sender_id, d);
    if (rc == OL_OK)
        rc = put_account(out, "delegate receiver_id", da->receiver_id, d);
    if (rc == OL_OK)
        rc = put_actions(out, da->actions, da->n_actions, true, d);
    if (rc != OL_OK)
        return rc;
    ol_near_borsh_put_u64(out, da->nonce);
    ol_near_borsh_put_u64(out, da->max_block_height);
    return put_public_key(out, "delegate public_key", &da->public_key, d);
}

static ol_err put_tx(ol_near_buf *out, const ol_near_tx *tx, ol_diag *d)
{
    ol_err rc = put_account(out, "signer_id", tx->signer_id, d);
    if (rc == OL_OK)
        rc = put_public_key(out, "public_key", &tx->public_key, d);
    if (rc != OL_OK)
        return rc;
    ol_near_borsh_put_u64(out, tx->nonce);
    if ((rc = put_account(out, "receiver_id", tx->receiver_id, d)) != OL_OK)
        return rc;
    ol_near_borsh_put_raw(out, tx->block_hash, OL_NEAR_HASH_LEN);
    return put_actions(out, tx->actions, tx->n_actions, false, d);
}

/* Every public encoder: run the field writer, then surface a sticky buffer error. */
#define FINISH_ENCODE(expr)               \
    do {                                  \
        ol_err rc_ = (expr);              \
        if (rc_ != OL_OK)                 \
            return rc_;                   \
        return ol_near_buf_check(out, d); \
    } while (0)

ol_err ol_near_access_key_encode(const ol_near_access_key *ak, ol_near_buf *out, ol_diag *d)
{
    FINISH_ENCODE(put_access_key(out, ak, d));
}

ol_err ol_near_action_encode(const ol_near_action *act, ol_near_buf *out, ol_diag *d)
{
    FINISH_ENCODE(put_action(out, act, false, d));
}

ol_err ol_near_tx_encode(const ol_near_tx *tx, ol_near_buf *out, ol_diag *d)
{
    FINISH_ENCODE(put_tx(out, tx, d));
}

ol_err ol_near_signed_tx_encode(const ol_near_signed_tx *stx, ol_near_buf *out, ol_diag *d)
{
    ol_err rc = put_tx(out, &stx->tx, d);
    if (rc == OL_OK)
        rc = put_signature(out, "signature", &stx->signature, d);
    FINISH_ENCODE(rc);
}

ol_err ol_near_delegate_encode(const ol_near_delegate_action *da, ol_near_buf *out, ol_diag *d)
{
    FINISH_ENCODE(put_delegate(out, da, d));
}

ol_err ol_near_signed_delegate_encode(const ol_near_signed_delegate *sd, ol_near_buf *out,
                                      ol_diag *d)
{
    ol_err rc = put_delegate(out, &sd->delegate_action, d);
    if (rc == OL_OK)
        rc = put_signature(out, "signature", &sd->signature, d);
    FINISH_ENCODE(rc);
}

/* ============================== hashing and signing ============================== */

ol_err ol__near_hash_of(ol__near_encode_fn enc, const void *obj, uint32_t prefix,
                        const ol_allocator *a, uint8_t hash[OL_NEAR_HASH_LEN], ol_diag *d)
{
    ol_near_buf b;
    ol_near_buf_init(&b, a);
    if (prefix != 0)
        ol_near_borsh_put_u32(&b, prefix);
    ol_err rc = enc(obj, &b, d);
    if (rc == OL_OK)
        ol_near_sha256(b.p, b.len, hash);
    ol_near_buf_fini(&b);
    return rc;
}

static ol_err enc_tx(const void *obj, ol_near_buf *out, ol_diag *d)
{
    return ol_near_tx_encode(obj, out, d);
}

static ol_err enc_delegate(const void *obj, ol_near_buf *out, ol_diag *d)
{
    return ol_near_delegate_encode(obj, out, d);
}

static ol_err enc_nep413(const void *obj, ol_near_buf *out, ol_diag *d)
{
    return ol_near_nep413_preimage(obj, out, d);
}

ol_err ol_near_tx_hash(const ol_near_tx *tx, const ol_allocator *a, uint8_t hash[OL_NEAR_HASH_LEN],
                       ol_diag *d)
{
    return ol__near_hash_of(enc_tx, tx, 0, a, hash, d);
}

ol_err ol_near_delegate_hash(const ol_near_delegate_action *da, const ol_allocator *a,
                             uint8_t hash[OL_NEAR_HASH_LEN], ol_diag *d)
{
    return ol__near_hash_of(enc_delegate, da, OL_NEAR_NEP366_PREFIX, a, hash, d);
}

static ol_err check_signer_key(const char *what, const ol_near_public_key *pk,
                               const ol_near_secret_key *sk, ol_diag *d)
{
    ol_near_public_key own;
    ol_near_secret_key_public(sk, &own);
    if (!ol_near_public_key_eq(pk, &own))
        return OL_FAIL(d, OL_E_INVAL, "%s is not the public key of the signing key", what);
    return OL_OK;
}

/* Shared by the tx and delegate signers: borsh body in `body` (prefix excluded), hash it with
 * the optional prefix, sign, and emit body ‖ signature. */
static ol_err sign_body(const ol_near_buf *body, uint32_t prefix, const ol_near_secret_key *sk,
                        uint8_t hash[OL_NEAR_HASH_LEN], ol_near_signature *sig,
                        ol_near_buf *signed_out, ol_diag *d)
{
    uint8_t h[OL_NEAR_HASH_LEN];
    if (prefix == 0) {
        ol_near_sha256(body->p, body->len, h);
    } else {
        ol_near_buf pre;
        ol_near_buf_init(&pre, body->a);
        ol_near_borsh_put_u32(&pre, prefix);
        ol_near_buf_append(&pre, body->p, body->len);
        ol_err rc = ol_near_buf_check(&pre, d);
        if (rc == OL_OK)
            ol_near_sha256(pre.p, pre.len, h);
        ol_near_buf_fini(&pre);
        if (rc != OL_OK)
            return rc;
    }
    ol_near_signature s;
    ol_near_sign(sk, h, sizeof h, &s);
    if (signed_out != NULL) {
        ol_near_buf_append(signed_out, body->p, body->len);
        ol_near_borsh_put_signature(signed_out, &s);
        ol_err rc = ol_near_buf_check(signed_out, d);
        if (rc != OL_OK)
            return rc;
    }
    if (hash != NULL)
        memcpy(hash, h, sizeof h);
    if (sig != NULL)
        *sig = s;
    return OL_OK;
}

ol_err ol_near_tx_sign(const ol_near_tx *tx, const ol_near_secret_key *sk,
                       uint8_t hash[OL_NEAR_HASH_LEN], ol_near_signature *sig,
                       ol_near_buf *signed_out, ol_diag *d)
{
    ol_err rc = check_signer_key("the transaction's public_key", &tx->public_key, sk, d);
    if (rc != OL_OK)
        return rc;
    ol_near_buf body;
    ol_near_buf_init(&body, signed_out != NULL ? signed_out->a : NULL);
    rc = ol_near_tx_encode(tx, &body, d);
    if (rc == OL_OK)
        rc = sign_body(&body, 0, sk, hash, sig, signed_out, d);
    ol_near_buf_fini(&body);
    return rc;
}

ol_err ol_near_delegate_sign(const ol_near_delegate_action *da, const ol_near_secret_key *sk,
                             uint8_t hash[OL_NEAR_HASH_LEN], ol_near_signature *sig,
                             ol_near_buf *signed_out, ol_diag *d)
{
    ol_err rc = check_signer_key("the delegate action's public_key", &da->public_key, sk, d);
    if (rc != OL_OK)
        return rc;
    ol_near_buf body;
    ol_near_buf_init(&body, signed_out != NULL ? signed_out->a : NULL);
    rc = ol_near_delegate_encode(da, &body, d);
    if (rc == OL_OK)
        rc = sign_body(&body, OL_NEAR_NEP366_PREFIX, sk, hash, sig, signed_out, d);
    ol_near_buf_fini(&body);
    return rc;
}

ol_err ol_near_signed_tx_verify(const ol_near_signed_tx *stx, const ol_allocator *a, ol_diag *d)
{
    uint8_t h[OL_NEAR_HASH_LEN];
    ol_err rc = ol_near_tx_hash(&stx->tx, a, h, d);
    if (rc != OL_OK)
        return rc;
    return ol_near_verify(&stx->tx.public_key, h, sizeof h, &stx->signature, d);
}

ol_err ol_near_signed_delegate_verify(const ol_near_signed_delegate *sd, const ol_allocator *a,
                                      ol_diag *d)
{
    uint8_t h[OL_NEAR_HASH_LEN];
    ol_err rc = ol_near_delegate_hash(&sd->delegate_action, a, h, d);
    if (rc != OL_OK)
        return rc;
    return ol_near_verify(&sd->delegate_action.public_key, h, sizeof h, &sd->signature, d);
}

/* ==================================== NEP-413 ==================================== */

ol_err ol_near_nep413_preimage(const ol_near_nep413_payload *pl, ol_near_buf *out, ol_diag *d)
{
    ol_near_borsh_put_u32(out, OL_NEAR_NEP413_PREFIX);
    ol_err rc = put_str(out, "NEP-413 message", pl->message, d);
    if (rc != OL_OK)
        return rc;
    ol_near_borsh_put_raw(out, pl->nonce, OL_NEAR_NEP413_NONCE_LEN);
    if ((rc = put_str(out, "NEP-413 recipient", pl->recipient, d)) != OL_OK)
        return rc;
    if (pl->callback_url.p == NULL) {
        ol_near_borsh_put_u8(out, 0);
    } else {
        ol_near_borsh_put_u8(out, 1);
        if ((rc = put_str(out, "NEP-413 callback_url", pl->callback_url, d)) != OL_OK)
            return rc;
    }
    return ol_near_buf_check(out, d);
}

ol_err ol_near_nep413_hash(const ol_near_nep413_payload *pl, const ol_allocator *a,
                           uint8_t hash[OL_NEAR_HASH_LEN], ol_diag *d)
{
    /* The prefix is part of the preimage writer, so no separate prefix here. */
    return ol__near_hash_of(enc_nep413, pl, 0, a, hash, d);
}

ol_err ol_near_nep413_sign(const ol_near_nep413_payload *pl, const ol_near_secret_key *sk,
                           uint8_t hash[OL_NEAR_HASH_LEN], ol_near_signature *sig, ol_diag *d)
{
    uint8_t h[OL_NEAR_HASH_LEN];
    ol_err rc = ol_near_nep413_hash(pl, NULL, h, d);
    if (rc != OL_OK)
        return rc;
    ol_near_sign(sk, h, sizeof h, sig);
    if (hash != NULL)
        memcpy(hash, h, sizeof h);
    return OL_OK;
}

ol_err ol_near_nep413_verify(const ol_near_nep413_payload *pl, const ol_near_public_key *pk,
                             const ol_near_signature *sig, const ol_allocator *a, ol_diag *d)
{
    uint8_t h[OL_NEAR_HASH_LEN];
    ol_err rc = ol_near_nep413_hash(pl, a, h, d);
    if (rc != OL_OK)
        return rc;
    return ol_near_verify(pk, h, sizeof h, sig, d);
}

/* ================================== decoding ================================== */

typedef struct dec {
    ol_near_borsh_reader r;
    ol_near_arena *ar;
    ol_diag *d;
} dec;

static ol_err nomem(dec *x, const char *what)
{
    return OL_FAIL(x->d, OL_E_NOMEM, "decoding %s: out of memory", what);
}

/* A String copied into the arena with a NUL after it. */
static ol_err dec_str(dec *x, const char *what, ol_near_str *out)
{
    ol_near_str s;
    ol_err rc = ol_near_borsh_get_str(&x->r, what, &s, x->d);
    if (rc != OL_OK)
        return rc;
    char *copy = ol_near_arena_strndup(x->ar, s.p, s.len);
    if (copy == NULL)
        return nomem(x, what);
    out->p = copy;
    out->len = s.len;
    return OL_OK;
}

/* An AccountId: a String that must pass NEAR's validation (as nearcore's deserializer does). */
static ol_err dec_account(dec *x, const char *what, const char **out)
{
    size_t at = x->r.pos;
    ol_near_str s;
    ol_err rc = dec_str(x, what, &s);
    if (rc != OL_OK)
        return rc;
    ol_diag sub = {0};
    if (ol_near_account_id_validate(s.p, s.len, &sub) != OL_OK)
        return OL_FAIL(x->d, OL_E_MALFORMED, "borsh: %s at offset %zu: %s", what, at, sub.msg);
    *out = s.p;
    return OL_OK;
}

static ol_err dec_bytes(dec *x, const char *what, ol_near_bytes *out)
{
    ol_near_bytes b;
    ol_err rc = ol_near_borsh_get_bytes(&x->r, what, &b, x->d);
    if (rc != OL_OK)
        return rc;
    uint8_t *copy = ol_near_arena_alloc(x->ar, b.len);
    if (copy == NULL)
        return nomem(x, what);
    if (b.len > 0)
        memcpy(copy, b.p, b.len);
    out->p = copy;
    out->len = b.len;
    return OL_OK;
}

/* A Vec length: bounded by OL__NEAR_MAX_VEC and by the bytes left (each element takes at least
 * min_size bytes), so a hostile count never makes us allocate for elements that are not there. */
static ol_err dec_count(dec *x, const char *what, size_t min_size, size_t *out)
{
    size_t at = x->r.pos;
    uint32_t n = 0;
    ol_err rc = ol_near_borsh_get_u32(&x->r, what, &n, x->d);
    if (rc != OL_OK)
        return rc;
    if (n > OL__NEAR_MAX_VEC)
        return OL_FAIL(x->d, OL_E_LIMIT, "borsh: %s at offset %zu: %u elements (limit %u)", what,
                       at, (unsigned)n, OL__NEAR_MAX_VEC);
    if ((size_t)n > (x->r.len - x->r.pos) / min_size)
        return OL_FAIL(x->d, OL_E_MALFORMED,
                       "borsh: truncated: %s at offset %zu declares %u elements but only %zu "
                       "bytes remain",
                       what, at, (unsigned)n, x->r.len - x->r.pos);
    *out = n;
    return OL_OK;
}

static ol_err dec_access_key(dec *x, ol_near_access_key *out)
{
    ol_near_access_key ak;
    memset(&ak, 0, sizeof ak);
    uint8_t tag = 0;
    size_t at;
    ol_err rc = ol_near_borsh_get_u64(&x->r, "access key nonce", &ak.nonce, x->d);
    if (rc != OL_OK)
        return rc;
    at = x->r.pos;
    if ((rc = ol_near_borsh_get_u8(&x->r, "access key permission", &tag, x->d)) != OL_OK)
        return rc;
    if (tag == 1) {
        ak.full_access = true;
        *out = ak;
        return OL_OK;
    }
    if (tag != 0)
        return OL_FAIL(x->d, OL_E_MALFORMED,
                       "borsh: access key permission at offset %zu has tag %u (0 FunctionCall, "
                       "1 FullAccess)",
                       at, (unsigned)tag);
    at = x->r.pos;
    if ((rc = ol_near_borsh_get_u8(&x->r, "allowance option", &tag, x->d)) != OL_OK)
        return rc;
    if (tag > 1)
        return OL_FAIL(x->d, OL_E_MALFORMED,
                       "borsh: allowance option at offset %zu has tag %u (0 or 1)", at,
                       (unsigned)tag);
    ak.has_allowance = tag == 1;
    if (ak.has_allowance &&
        (rc = ol_near_borsh_get_u128(&x->r, "allowance", &ak.allowance, x->d)) != OL_OK)
        return rc;
    if ((rc = dec_str(x, "permission receiver_id", &ak.receiver_id)) != OL_OK)
        return rc;
    size_t n = 0;
    if ((rc = dec_count(x, "method_names", 4, &n)) != OL_OK)
        return rc;
    ol_near_str *names = NULL;
    if (n > 0 && (names = ol_near_arena_alloc(x->ar, n * sizeof *names)) == NULL)
        return nomem(x, "method_names");
    for (size_t i = 0; i < n; i++) {
        if ((rc = dec_str(x, "method name", &names[i])) != OL_OK)
            return rc;
    }
    ak.method_names = names;
    ak.n_method_names = n;
    *out = ak;
    return OL_OK;
}

static ol_err dec_delegate(dec *x, ol_near_delegate_action *out);

static ol_err dec_action(dec *x, bool in_delegate, ol_near_action *out)
{
    ol_near_action a;
    memset(&a, 0, sizeof a);
    size_t at = x->r.pos;
    uint8_t tag = 0;
    ol_err rc = ol_near_borsh_get_u8(&x->r, "action tag", &tag, x->d);
    if (rc != OL_OK)
        return rc;
    if (tag > OL_NEAR_ACTION_DELEGATE)
        return OL_FAIL(x->d, tag <= 14 ? OL_E_UNSUPPORTED : OL_E_MALFORMED,
                       "borsh: action at offset %zu has tag %u (supported: 0..8)", at,
                       (unsigned)tag);
    if (in_delegate && tag == OL_NEAR_ACTION_DELEGATE)
        return OL_FAIL(x->d, OL_E_MALFORMED,
                       "borsh: action at offset %zu: a delegate action cannot contain a Delegate",
                       at);
    a.kind = (ol_near_action_kind)tag;
    switch (a.kind) {
    case OL_NEAR_ACTION_CREATE_ACCOUNT:
        break;
    case OL_NEAR_ACTION_DEPLOY_CONTRACT:
        rc = dec_bytes(x, "DeployContract code", &a.deploy_contract.code);
        break;
    case OL_NEAR_ACTION_FUNCTION_CALL:
        rc = dec_str(x, "FunctionCall method_name", &a.function_call.method_name);
        if (rc == OL_OK)
            rc = dec_bytes(x, "FunctionCall args", &a.function_call.args);
        if (rc == OL_OK)
            rc = ol_near_borsh_get_u64(&x->r, "FunctionCall gas", &a.function_call.gas, x->d);
        if (rc == OL_OK)
            rc = ol_near_borsh_get_u128(&x->r, "FunctionCall deposit", &a.function_call.deposit,
                                        x->d);
        break;
    case OL_NEAR_ACTION_TRANSFER:
        rc = ol_near_borsh_get_u128(&x->r, "Transfer deposit", &a.transfer.deposit, x->d);
        break;
    case OL_NEAR_ACTION_STAKE:
        rc = ol_near_borsh_get_u128(&x->r, "Stake stake", &a.stake.stake, x->d);
        if (rc == OL_OK)
            rc = ol_near_borsh_get_public_key(&x->r, "Stake public_key", &a.stake.public_key, x->d);
        break;
    case OL_NEAR_ACTION_ADD_KEY:
        rc = ol_near_borsh_get_public_key(&x->r, "AddKey public_key", &a.add_key.public_key, x->d);
        if (rc == OL_OK)
            rc = dec_access_key(x, &a.add_key.access_key);
        break;
    case OL_NEAR_ACTION_DELETE_KEY:
        rc = ol_near_borsh_get_public_key(&x->r, "DeleteKey public_key", &a.delete_key.public_key,
                                          x->d);
        break;
    case OL_NEAR_ACTION_DELETE_ACCOUNT:
        rc = dec_account(x, "DeleteAccount beneficiary_id", &a.delete_account.beneficiary_id);
        break;
    case OL_NEAR_ACTION_DELEGATE: {
        ol_near_signed_delegate *sd = ol_near_arena_alloc(x->ar, sizeof *sd);
        if (sd == NULL)
            return nomem(x, "Delegate");
        rc = dec_delegate(x, &sd->delegate_action);
        if (rc == OL_OK)
            rc = ol_near_borsh_get_signature(&x->r, "Delegate signature", &sd->signature, x->d);
        a.delegate.signed_delegate = sd;
        break;
    }
    }
    if (rc == OL_OK)
        *out = a;
    return rc;
}

static ol_err dec_actions(dec *x, bool in_delegate, const ol_near_action **out, size_t *n_out)
{
    size_t n = 0;
    ol_err rc = dec_count(x, "actions", 1, &n);
    if (rc != OL_OK)
        return rc;
    ol_near_action *acts = NULL;
    if (n > 0 && (acts = ol_near_arena_alloc(x->ar, n * sizeof *acts)) == NULL)
        return nomem(x, "actions");
    for (size_t i = 0; i < n; i++) {
        if ((rc = dec_action(x, in_delegate, &acts[i])) != OL_OK)
            return rc;
    }
    *out = acts;
    *n_out = n;
    return OL_OK;
}

static ol_err dec_delegate(dec *x, ol_near_delegate_action *out)
{
    ol_near_delegate_action da;
    memset(&da, 0, sizeof da);
    ol_err rc = dec_account(x, "delegate sender_id", &da.sender_id);
    if (rc == OL_OK)
        rc = dec_account(x, "delegate receiver_id", &da.receiver_id);
    if (rc == OL_OK)
        rc = dec_actions(x, true, &da.actions, &da.n_actions);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_u64(&x->r, "delegate nonce", &da.nonce, x->d);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_u64(&x->r, "delegate max_block_height", &da.max_block_height, x->d);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_public_key(&x->r, "delegate public_key", &da.public_key, x->d);
    if (rc == OL_OK)
        *out = da;
    return rc;
}

static ol_err dec_tx(dec *x, ol_near_tx *out)
{
    /* V0 starts with the u32 length of signer_id; a first byte of 1 would be a length of 1
     * (too short) or ≥ 257 (too long) for V0, so it marks TransactionV1, as in nearcore. */
    if (x->r.pos < x->r.len && x->r.p[x->r.pos] == 1)
        return OL_FAIL(x->d, OL_E_UNSUPPORTED,
                       "borsh: TransactionV1 (leading byte 0x01) is not supported; only V0");
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    const uint8_t *hash = NULL;
    ol_err rc = dec_account(x, "signer_id", &tx.signer_id);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_public_key(&x->r, "public_key", &tx.public_key, x->d);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_u64(&x->r, "nonce", &tx.nonce, x->d);
    if (rc == OL_OK)
        rc = dec_account(x, "receiver_id", &tx.receiver_id);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_raw(&x->r, "block_hash", OL_NEAR_HASH_LEN, &hash, x->d);
    if (rc == OL_OK)
        rc = dec_actions(x, false, &tx.actions, &tx.n_actions);
    if (rc != OL_OK)
        return rc;
    memcpy(tx.block_hash, hash, OL_NEAR_HASH_LEN);
    *out = tx;
    return OL_OK;
}

static void dec_init(dec *x, const uint8_t *p, size_t len, ol_near_arena *ar, ol_diag *d)
{
    ol_near_borsh_reader_init(&x->r, p, len);
    x->ar = ar;
    x->d = d;
}

ol_err ol_near_tx_decode(const uint8_t *p, size_t len, ol_near_arena *ar, ol_near_tx *out,
                         ol_diag *d)
{
    dec x;
    ol_near_tx tx;
    dec_init(&x, p, len, ar, d);
    ol_err rc = dec_tx(&x, &tx);
    if (rc == OL_OK)
        rc = ol_near_borsh_expect_end(&x.r, "Transaction", d);
    if (rc == OL_OK)
        *out = tx;
    return rc;
}

ol_err ol_near_signed_tx_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                                ol_near_signed_tx *out, ol_diag *d)
{
    dec x;
    ol_near_signed_tx stx;
    dec_init(&x, p, len, ar, d);
    ol_err rc = dec_tx(&x, &stx.tx);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_signature(&x.r, "signature", &stx.signature, d);
    if (rc == OL_OK)
        rc = ol_near_borsh_expect_end(&x.r, "SignedTransaction", d);
    if (rc == OL_OK)
        *out = stx;
    return rc;
}

ol_err ol_near_tx_decode_any(const uint8_t *p, size_t len, ol_near_arena *ar,
                             ol_near_signed_tx *out, bool *is_signed, ol_diag *d)
{
    dec x;
    ol_near_signed_tx stx;
    memset(&stx, 0, sizeof stx);
    dec_init(&x, p, len, ar, d);
    ol_err rc = dec_tx(&x, &stx.tx);
    if (rc != OL_OK)
        return rc;
    bool signed_ = x.r.pos != x.r.len;
    if (signed_) {
        rc = ol_near_borsh_get_signature(&x.r, "signature", &stx.signature, d);
        if (rc == OL_OK)
            rc = ol_near_borsh_expect_end(&x.r, "SignedTransaction", d);
        if (rc != OL_OK)
            return rc;
    }
    *out = stx;
    *is_signed = signed_;
    return OL_OK;
}

ol_err ol_near_access_key_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                                 ol_near_access_key *out, ol_diag *d)
{
    dec x;
    ol_near_access_key ak;
    dec_init(&x, p, len, ar, d);
    ol_err rc = dec_access_key(&x, &ak);
    if (rc == OL_OK)
        rc = ol_near_borsh_expect_end(&x.r, "AccessKey", d);
    if (rc == OL_OK)
        *out = ak;
    return rc;
}

ol_err ol_near_delegate_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                               ol_near_delegate_action *out, ol_diag *d)
{
    dec x;
    ol_near_delegate_action da;
    dec_init(&x, p, len, ar, d);
    ol_err rc = dec_delegate(&x, &da);
    if (rc == OL_OK)
        rc = ol_near_borsh_expect_end(&x.r, "DelegateAction", d);
    if (rc == OL_OK)
        *out = da;
    return rc;
}

ol_err ol_near_signed_delegate_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                                      ol_near_signed_delegate *out, ol_diag *d)
{
    dec x;
    ol_near_signed_delegate sd;
    dec_init(&x, p, len, ar, d);
    ol_err rc = dec_delegate(&x, &sd.delegate_action);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_signature(&x.r, "signature", &sd.signature, d);
    if (rc == OL_OK)
        rc = ol_near_borsh_expect_end(&x.r, "SignedDelegateAction", d);
    if (rc == OL_OK)
        *out = sd;
    return rc;
}

const char *ol_near_action_kind_name(ol_near_action_kind k)
{
    switch (k) {
    case OL_NEAR_ACTION_CREATE_ACCOUNT:
        return "CreateAccount";
    case OL_NEAR_ACTION_DEPLOY_CONTRACT:
        return "DeployContract";
    case OL_NEAR_ACTION_FUNCTION_CALL:
        return "FunctionCall";
    case OL_NEAR_ACTION_TRANSFER:
        return "Transfer";
    case OL_NEAR_ACTION_STAKE:
        return "Stake";
    case OL_NEAR_ACTION_ADD_KEY:
        return "AddKey";
    case OL_NEAR_ACTION_DELETE_KEY:
        return "DeleteKey";
    case OL_NEAR_ACTION_DELETE_ACCOUNT:
        return "DeleteAccount";
    case OL_NEAR_ACTION_DELEGATE:
        return "Delegate";
    }
    return "?";
}
