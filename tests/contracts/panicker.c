/* Failures inside a receipt: a panic after a state write and a log (the write must be rolled
 * back, the log kept, the gas burnt), a wasm trap, and a loop that runs out of prepaid gas. */
#include "near_sdk.h"

static const char KEY[] = "value";

/* set({"value": N}) */
NEAR_METHOD(set)
{
    near_assert_no_deposit();
    near_json args = near_args();
    near_storage_write_u64(KEY, near_arg_u64(&args, "value"));
}

/* write_then_panic({"value": N}): writes, logs, emits an event, then panics "boom". */
NEAR_METHOD(write_then_panic)
{
    near_json args = near_args();
    uint64_t v = near_arg_u64(&args, "value");
    near_storage_write_u64(KEY, v);
    char num[21];
    near_u64_format(v, num);
    near_log3("wrote ", num, " and now panic");
    near_emit_event("panicker", "1.0.0", "about_to_panic", "[]", 2);
    near_panic("boom");
}

/* trap(): an `unreachable` instruction ("WebAssembly trap: ..."). */
NEAR_METHOD(trap)
{
    near_log("about to trap");
    __builtin_trap();
}

/* burn({"rounds": N}): a loop of N rounds of hashing-like arithmetic; enough rounds exceed any
 * prepaid gas (GasExceeded). Returns the checksum so the loop cannot be optimised away. */
NEAR_METHOD(burn)
{
    near_json args = near_args();
    uint64_t rounds = near_arg_u64(&args, "rounds");
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (uint64_t i = 0; i < rounds; i++)
        x = (x ^ (x >> 31)) * 0xBF58476D1CE4E5B9u + i;
    near_return_json_u64(x);
}

/* get() -> the stored value or null (view) */
NEAR_METHOD(get)
{
    size_t n;
    uint8_t *v = near_storage_read(KEY, sizeof KEY - 1, &n);
    if (v == NULL)
        near_return_str("null");
    else
        near_return_json_u64(near_storage_read_u64(KEY, 0));
}
