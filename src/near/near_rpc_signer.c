/* The signer helper: nonce + final block hash -> TransactionV0 -> sign -> send_tx, with nonce
 * recovery. Built only on the public RPC client (ol/near_rpc.h) and the protocol primitives
 * (ol/near.h).
 *
 * Invariants: at most 1 + opts.max_nonce_retries transactions are signed per call, each with a
 * strictly larger nonce; a transaction whose send was retried at the HTTP level is looked up by
 * hash before another one is signed, so a call never executes two transactions. The secret key
 * is only handed to ol_near_tx_sign(); it is never copied, logged or put into a message. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ol/log.h"
#include "ol/near.h"
#include "ol/near_rpc.h"

/* Copies the rejection of a successful-but-failed outcome's InvalidNonce into `e`; true if the
 * outcome says InvalidNonce (older nodes report invalid transactions inside the outcome). */
static bool outcome_invalid_nonce(const json_t *outcome, ol_near_rpc_error *e)
{
    ol_near_rpc_error tmp;
    if (!ol_near_rpc_outcome_failure(outcome, &tmp) || strcmp(tmp.tx_error, "InvalidNonce") != 0)
        return false;
    *e = tmp;
    return true;
}

ol_err ol_near_rpc_sign_and_send(ol_near_rpc *c, const char *signer_id,
                                 const ol_near_secret_key *sk, const char *receiver_id,
                                 const ol_near_action *actions, size_t n_actions,
                                 ol_near_rpc_wait wait, json_t **outcome,
                                 char tx_hash[OL_NEAR_HASH_STR_MAX], ol_near_rpc_error *e,
                                 ol_diag *d)
{
    ol_err rc = OL_OK;
    ol_near_rpc_error local;
    ol_near_buf signed_tx;
    json_t *res = NULL;
    char pk_text[OL_NEAR_KEY_STR_MAX];
    char hash_text[OL_NEAR_HASH_STR_MAX];
    uint8_t hash[OL_NEAR_HASH_LEN];
    uint8_t block_hash[OL_NEAR_HASH_LEN];
    uint64_t height = 0, ak_nonce = 0;
    ol_near_public_key pk;

    if (e == NULL)
        e = &local;
    ol_near_rpc_error_clear(e);
    ol_near_buf_init(&signed_tx, NULL);
    if (c == NULL || sk == NULL || outcome == NULL || (actions == NULL && n_actions > 0) ||
        ol_near_rpc_wait_name(wait) == NULL)
        return OL_FAIL(d, OL_E_INVAL, "near rpc sign_and_send: missing argument");
    if (signer_id == NULL || ol_near_account_id_validate(signer_id, strlen(signer_id), d) != OL_OK)
        return OL_E_INVAL;
    if (receiver_id == NULL ||
        ol_near_account_id_validate(receiver_id, strlen(receiver_id), d) != OL_OK)
        return OL_E_INVAL;
    if ((rc = ol_near_init(d)) != OL_OK)
        return rc;

    ol_near_secret_key_public(sk, &pk);
    ol_near_public_key_format(&pk, pk_text);

    if ((rc = ol_near_rpc_access_key_nonce(c, signer_id, pk_text, &ak_nonce, e, d)) != OL_OK)
        goto out;
    if ((rc = ol_near_rpc_final_block(c, &height, block_hash, e, d)) != OL_OK)
        goto out;

    for (unsigned round = 0;; round++) {
        if (ak_nonce == UINT64_MAX) {
            rc = OL_FAIL(d, OL_E_RANGE,
                         "near rpc sign_and_send: access key nonce is at its "
                         "maximum");
            goto out;
        }
        ol_near_tx tx = {
            .signer_id = signer_id,
            .public_key = pk,
            .nonce = ak_nonce + 1,
            .receiver_id = receiver_id,
            .actions = actions,
            .n_actions = n_actions,
        };
        memcpy(tx.block_hash, block_hash, sizeof block_hash);
        ol_near_buf_reset(&signed_tx);
        if ((rc = ol_near_tx_sign(&tx, sk, hash, NULL, &signed_tx, d)) != OL_OK)
            goto out;
        ol_near_hash_format(hash, hash_text);

        rc = ol_near_rpc_send_tx(c, signed_tx.p, signed_tx.len, wait, &res, e, d);
        bool invalid_nonce = false;
        if (rc == OL_OK) {
            invalid_nonce = outcome_invalid_nonce(res, e);
            if (!invalid_nonce)
                break; /* sent; executed or not, the outcome says */
            json_decref(res);
            res = NULL;
        } else {
            invalid_nonce = strcmp(e->tx_error, "InvalidNonce") == 0;
        }
        if (!invalid_nonce)
            goto out;

        /* A retried send may have landed on an earlier attempt and then seen its own nonce
         * used: look it up before signing anything else. */
        if (e->attempts > 1) {
            ol_near_rpc_error le;
            rc = ol_near_rpc_tx(c, hash_text, signer_id, wait, &res, &le, NULL);
            if (rc == OL_OK)
                break;
            if (rc != OL_E_NOTFOUND) {
                *e = le;
                rc = OL_FAIL(d, rc,
                             "near rpc sign_and_send: InvalidNonce after a retried send, "
                             "and the lookup of %s failed: %s",
                             hash_text, le.message);
                goto out;
            }
        }
        uint64_t reported = e->ak_nonce;
        ol_near_rpc_opts opts;
        ol_near_rpc_get_opts(c, &opts);
        if (round >= opts.max_nonce_retries) {
            rc = OL_FAIL(d, OL_E_STATE,
                         "near rpc sign_and_send: InvalidNonce %u times in a row (ak_nonce %llu): "
                         "%s",
                         round + 1, (unsigned long long)reported, e->message);
            goto out;
        }
        OL_LOG(OL_LOG_WARN, "near_rpc_invalid_nonce signer=%s tx_nonce=%llu ak_nonce=%llu",
               signer_id, (unsigned long long)tx.nonce, (unsigned long long)reported);
        uint64_t fresh = 0;
        if ((rc = ol_near_rpc_access_key_nonce(c, signer_id, pk_text, &fresh, e, d)) != OL_OK)
            goto out;
        ak_nonce = fresh > reported ? fresh : reported;
    }

    ol_near_rpc_error_clear(e);
    if (tx_hash != NULL)
        memcpy(tx_hash, hash_text, sizeof hash_text);
    *outcome = res;
    res = NULL; /* moved */
    rc = OL_OK;
out:
    json_decref(res);
    ol_near_buf_fini(&signed_tx);
    return rc;
}
