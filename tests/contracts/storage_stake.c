/* Storage staking: records of chosen sizes, so that a test can predict storage_usage to the byte
 * (key + value + 40 per record) and drive an account below its staking requirement
 * (10^19 yocto per byte), which must fail with LackBalanceForState and roll back. */
#include "near_sdk.h"

/* put({"key": K, "value": V}) -> storage_usage after the write */
NEAR_METHOD(put)
{
    near_assert_no_deposit();
    near_json args = near_args();
    size_t klen, vlen;
    const char *k = near_arg_str(&args, "key", &klen);
    const char *v = near_arg_str(&args, "value", &vlen);
    near_storage_write(k, klen, v, vlen);
    near_return_json_u64(storage_usage());
}

/* put_bytes({"key": K, "size": N}) -> storage_usage after writing N bytes of 'x' under K */
NEAR_METHOD(put_bytes)
{
    near_assert_no_deposit();
    near_json args = near_args();
    size_t klen;
    const char *k = near_arg_str(&args, "key", &klen);
    uint64_t size = near_arg_u64(&args, "size");
    near_require(size <= (4u << 20), "size above the 4 MiB value limit");
    char *v = near_alloc((size_t)size);
    memset(v, 'x', (size_t)size);
    near_storage_write(k, klen, v, (size_t)size);
    char num[21];
    near_u64_format(size, num);
    near_log3("stored bytes: ", num, NULL);
    near_return_json_u64(storage_usage());
}

/* remove({"key": K}) -> whether it existed */
NEAR_METHOD(remove)
{
    near_assert_no_deposit();
    near_json args = near_args();
    size_t klen;
    const char *k = near_arg_str(&args, "key", &klen);
    near_return_json_bool(near_storage_remove(k, klen));
}

/* get({"key": K}) -> the value as a string, or null (view) */
NEAR_METHOD(get)
{
    near_json args = near_args();
    size_t klen, vlen;
    const char *k = near_arg_str(&args, "key", &klen);
    uint8_t *v = near_storage_read(k, klen, &vlen);
    if (v == NULL) {
        near_return_str("null");
        return;
    }
    near_jw w;
    near_jw_init(&w);
    near_jw_str_n(&w, (const char *)v, vlen);
    near_jw_return(&w);
}

/* usage() -> {"storage_usage": N, "balance": "yocto", "locked": "yocto"} (view) */
NEAR_METHOD(usage)
{
    near_jw w;
    near_jw_init(&w);
    near_jw_object_begin(&w);
    near_jw_key(&w, "storage_usage");
    near_jw_u64(&w, storage_usage());
    near_jw_key(&w, "balance");
    near_jw_u128(&w, near_account_balance());
    near_jw_key(&w, "locked");
    near_jw_u128(&w, near_account_locked_balance());
    near_jw_object_end(&w);
    near_jw_return(&w);
}
