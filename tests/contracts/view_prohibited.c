/* Views: allowed() uses everything NEAR allows in a view call and returns it; each try_*()
 * calls one function NEAR prohibits in views (HostError::ProhibitedInView{method_name}), which
 * a view call must refuse while a transaction may use it. */
#include "near_sdk.h"

/* allowed() -> {"account","height","timestamp","epoch","balance","deposit","usage","seed",
 *               "sha256","stored"} */
NEAR_METHOD(allowed)
{
    size_t in_len;
    near_input(&in_len);
    uint8_t *seed;
    size_t seed_len;
    random_seed(NEAR_REG_ATOMIC);
    seed = near_register_read(NEAR_REG_ATOMIC, &seed_len);
    near_require(seed != NULL && seed_len == 32, "random_seed is not 32 bytes");
    sha256(3, NEAR_PTR("abc"), NEAR_REG_ATOMIC);
    size_t h_len;
    uint8_t *h = near_register_read(NEAR_REG_ATOMIC, &h_len);
    near_require(h != NULL && h_len == 32, "sha256 is not 32 bytes");
    char h_hex[65];
    near_hex_encode(h, 32, h_hex);
    near_log("a log line from a view");

    near_jw w;
    near_jw_init(&w);
    near_jw_object_begin(&w);
    near_jw_key(&w, "account");
    near_jw_str(&w, near_current_account());
    near_jw_key(&w, "input_len");
    near_jw_u64(&w, in_len);
    near_jw_key(&w, "height");
    near_jw_u64(&w, block_index());
    near_jw_key(&w, "timestamp");
    near_jw_u64_str(&w, block_timestamp());
    near_jw_key(&w, "epoch");
    near_jw_u64(&w, epoch_height());
    near_jw_key(&w, "balance");
    near_jw_u128(&w, near_account_balance());
    near_jw_key(&w, "deposit");
    near_jw_u128(&w, near_attached_deposit());
    near_jw_key(&w, "usage");
    near_jw_u64(&w, storage_usage());
    near_jw_key(&w, "sha256_abc");
    near_jw_str(&w, h_hex);
    near_jw_key(&w, "stored");
    near_jw_bool(&w, near_storage_has("k", 1));
    near_jw_object_end(&w);
    near_jw_return(&w);
}

NEAR_METHOD(try_storage_write)
{
    near_storage_write("k", 1, "v", 1);
    near_return_str("\"written\"");
}

NEAR_METHOD(try_storage_remove)
{
    near_storage_remove("k", 1);
    near_return_str("\"removed\"");
}

NEAR_METHOD(try_signer)
{
    near_return_json_str(near_signer());
}

NEAR_METHOD(try_predecessor)
{
    near_return_json_str(near_predecessor());
}

NEAR_METHOD(try_prepaid_gas)
{
    near_return_json_u64(prepaid_gas());
}

NEAR_METHOD(try_promise)
{
    uint64_t p = near_promise_batch(near_current_account());
    near_promise_batch_transfer(p, near_u128_from_u64(1));
    near_return_str("\"promised\"");
}

NEAR_METHOD(try_yield)
{
    uint8_t id[NEAR_DATA_ID_LEN];
    near_yield_create("allowed", NULL, 0, 5 * NEAR_TGAS, 0, id);
    near_return_str("\"yielded\"");
}
