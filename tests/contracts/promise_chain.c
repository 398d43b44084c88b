/* Promise chain: a cross-contract call with a callback that reads promise_result, and two joined
 * calls (promise_and) read by one callback. Deployed twice (caller and callee), the same code
 * plays both parts: echo() is the callee; call_other()/call_both() the caller. echo(13) panics,
 * so the callback sees a Failed result and the callee's deposit is refunded to the caller. */
#include "near_sdk.h"

#define ECHO_GAS     (10 * NEAR_TGAS)
#define CALLBACK_GAS (10 * NEAR_TGAS)

/* echo({"value": N}) -> 2N; panics "unlucky 13" for 13. Keeps any attached deposit. */
NEAR_METHOD(echo)
{
    near_json args = near_args();
    uint64_t v = near_arg_u64(&args, "value");
    near_require(v != 13, "unlucky 13");
    near_require(v <= UINT64_MAX / 2, "value too large");
    char num[21];
    near_u64_format(v, num);
    near_log3("echo ", num, NULL);
    near_return_json_u64(2 * v);
}

/* {"value": N} as the arguments of echo and of the callback. */
static const char *value_args(uint64_t v, size_t *len)
{
    near_jw w;
    near_jw_init(&w);
    near_jw_object_begin(&w);
    near_jw_key(&w, "value");
    near_jw_u64(&w, v);
    near_jw_object_end(&w);
    return near_jw_finish(&w, len);
}

/* call_other({"target": ID, "value": N}) -> the callback's result. The attached deposit goes
 * with the call to target.echo. */
NEAR_METHOD(call_other)
{
    near_json args = near_args();
    const char *target = near_arg_str(&args, "target", NULL);
    uint64_t v = near_arg_u64(&args, "value");
    size_t len;
    const char *a = value_args(v, &len);
    uint64_t call = near_promise_create(target, "echo", a, len, near_attached_deposit(), ECHO_GAS);
    uint64_t cb = near_promise_then(call, near_current_account(), "on_echo", a, len,
                                    near_u128_from_u64(0), CALLBACK_GAS);
    near_promise_return(cb);
}

/* on_echo({"value": N}) (private): the result of echo, or "failed". */
NEAR_METHOD(on_echo)
{
    near_assert_private();
    near_require(near_promise_results_count() == 1, "expected one promise result");
    uint8_t *data;
    size_t len;
    if (near_promise_result(0, &data, &len) != NEAR_PROMISE_SUCCESS) {
        near_log("echo failed");
        near_storage_write_u64("failures", near_storage_read_u64("failures", 0) + 1);
        near_return_json_str("failed");
        return;
    }
    near_json v;
    uint64_t doubled = 0;
    near_require(near_json_parse((const char *)data, len, &v, NULL) && near_json_u64(&v, &doubled),
                 "echo returned something else than a number");
    near_log3("echo ok: ", (const char *)data, NULL);
    near_storage_write_u64("last", doubled);
    near_return(data, len);
}

/* call_both({"target": ID, "a": N, "b": M}) -> [echo(N) or null, echo(M) or null] */
NEAR_METHOD(call_both)
{
    near_assert_no_deposit();
    near_json args = near_args();
    const char *target = near_arg_str(&args, "target", NULL);
    size_t la, lb;
    const char *a = value_args(near_arg_u64(&args, "a"), &la);
    const char *b = value_args(near_arg_u64(&args, "b"), &lb);
    uint64_t p[2];
    p[0] = near_promise_create(target, "echo", a, la, near_u128_from_u64(0), ECHO_GAS);
    p[1] = near_promise_create(target, "echo", b, lb, near_u128_from_u64(0), ECHO_GAS);
    uint64_t joined = near_promise_and(p, 2);
    uint64_t cb = near_promise_then(joined, near_current_account(), "on_both", NULL, 0,
                                    near_u128_from_u64(0), CALLBACK_GAS);
    near_promise_return(cb);
}

/* on_both() (private): one entry per joined promise, null where it failed. */
NEAR_METHOD(on_both)
{
    near_assert_private();
    uint64_t n = near_promise_results_count();
    near_jw w;
    near_jw_init(&w);
    near_jw_array_begin(&w);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t *data;
        size_t len;
        if (near_promise_result(i, &data, &len) == NEAR_PROMISE_SUCCESS)
            near_jw_raw(&w, (const char *)data, len);
        else
            near_jw_null(&w);
    }
    near_jw_array_end(&w);
    size_t len;
    const char *out = near_jw_finish(&w, &len);
    near_log3("both: ", out, NULL);
    near_return(out, len);
}

/* stats() -> {"last": N, "failures": M} (view) */
NEAR_METHOD(stats)
{
    near_jw w;
    near_jw_init(&w);
    near_jw_object_begin(&w);
    near_jw_key(&w, "last");
    near_jw_u64(&w, near_storage_read_u64("last", 0));
    near_jw_key(&w, "failures");
    near_jw_u64(&w, near_storage_read_u64("failures", 0));
    near_jw_object_end(&w);
    near_jw_return(&w);
}
