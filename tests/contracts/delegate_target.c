/* The receiver of a NEP-366 delegate action: whoami() reports who the runtime says called it.
 * Relayed, the predecessor must be the delegate's sender and the signer the relayer. */
#include "near_sdk.h"

/* whoami() (payable) -> {"predecessor","signer","signer_pk","deposit"} */
NEAR_METHOD(whoami)
{
    signer_account_pk(NEAR_REG_ATOMIC);
    size_t pk_len;
    uint8_t *pk = near_register_read(NEAR_REG_ATOMIC, &pk_len);
    near_require(pk != NULL && pk_len == 33 && pk[0] == 0, "signer_account_pk: not ed25519");
    char pk_hex[65];
    near_hex_encode(pk + 1, 32, pk_hex);

    const char *pred = near_predecessor();
    near_storage_write("last", 4, pred, near_strlen(pred));
    near_log3("predecessor=", pred, NULL);
    near_log3("signer=", near_signer(), NULL);

    near_jw w;
    near_jw_init(&w);
    near_jw_object_begin(&w);
    near_jw_key(&w, "predecessor");
    near_jw_str(&w, pred);
    near_jw_key(&w, "signer");
    near_jw_str(&w, near_signer());
    near_jw_key(&w, "signer_pk");
    near_jw_str(&w, pk_hex);
    near_jw_key(&w, "deposit");
    near_jw_u128(&w, near_attached_deposit());
    near_jw_object_end(&w);
    near_jw_return(&w);
}

/* last() -> the last predecessor or null (view) */
NEAR_METHOD(last)
{
    size_t n;
    uint8_t *v = near_storage_read("last", 4, &n);
    if (v == NULL) {
        near_return_str("null");
        return;
    }
    near_jw w;
    near_jw_init(&w);
    near_jw_str_n(&w, (const char *)v, n);
    near_jw_return(&w);
}
