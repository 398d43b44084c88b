/* Counter: the smallest stateful contract. State is one u64 under "count"; every change logs
 * the new value and emits a NEP-297 event, so the scenario tests can check logs, events, state
 * and the storage staking of the one record. */
#include "near_sdk.h"

static const char KEY[] = "count";

static void set_count(uint64_t v)
{
    char num[21];
    near_u64_format(v, num);
    near_storage_write_u64(KEY, v);
    near_log3("count=", num, NULL);

    near_jw d;
    near_jw_init(&d);
    near_jw_array_begin(&d);
    near_jw_object_begin(&d);
    near_jw_key(&d, "count");
    near_jw_u64(&d, v);
    near_jw_key(&d, "by");
    near_jw_str(&d, near_predecessor());
    near_jw_object_end(&d);
    near_jw_array_end(&d);
    size_t len;
    const char *data = near_jw_finish(&d, &len);
    near_emit_event("counter", "1.0.0", "count_changed", data, len);
    near_return_json_u64(v);
}

/* increment() -> the new count */
NEAR_METHOD(increment)
{
    near_assert_no_deposit();
    uint64_t v = near_storage_read_u64(KEY, 0);
    near_require(v != UINT64_MAX, "counter overflow");
    set_count(v + 1);
}

/* decrement() -> the new count; panics at zero */
NEAR_METHOD(decrement)
{
    near_assert_no_deposit();
    uint64_t v = near_storage_read_u64(KEY, 0);
    near_require(v > 0, "counter is already zero");
    set_count(v - 1);
}

/* add({"by": N}) -> the new count (N a number or a decimal string) */
NEAR_METHOD(add)
{
    near_assert_no_deposit();
    near_json args = near_args();
    uint64_t by = near_arg_u64(&args, "by");
    uint64_t v = near_storage_read_u64(KEY, 0);
    near_require(by <= UINT64_MAX - v, "counter overflow");
    set_count(v + by);
}

/* reset(): removes the record, giving its storage back */
NEAR_METHOD(reset)
{
    near_assert_no_deposit();
    near_storage_remove(KEY, sizeof KEY - 1);
    near_log("reset");
}

/* get() -> the count (view) */
NEAR_METHOD(get)
{
    near_return_json_u64(near_storage_read_u64(KEY, 0));
}
