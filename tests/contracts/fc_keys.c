/* Function-call access keys. The test gives a user a key limited to this contract, to the
 * methods allowed_a and allowed_b and to an allowance, then checks what NEAR refuses with it
 * (another method, another receiver, a deposit, an exhausted allowance). add_key()/delete_key()
 * manage keys of this contract's own account through promise batch actions. */
#include "near_sdk.h"

static void record(const char *method)
{
    uint64_t n = near_storage_read_u64("calls", 0) + 1;
    near_storage_write_u64("calls", n);
    near_log3(method, " called by ", near_signer());
    near_return_json_u64(n);
}

/* allowed_a() / allowed_b() / other() -> the number of calls so far */
NEAR_METHOD(allowed_a)
{
    record("allowed_a");
}

NEAR_METHOD(allowed_b)
{
    record("allowed_b");
}

NEAR_METHOD(other)
{
    record("other");
}

/* pay(): payable, so that a deposit is the only thing a function-call key gets refused for. */
NEAR_METHOD(pay)
{
    near_u128 d = near_attached_deposit();
    char num[NEAR_U128_MAX_DEC + 1];
    near_u128_format(d, num);
    near_log3("paid ", num, NULL);
}

/* The borsh PublicKey (0x00 ‖ 32 bytes) of {"public_key_hex": 64 hex digits}. */
static void arg_public_key(const near_json *args, uint8_t pk[33])
{
    size_t len;
    const char *hex = near_arg_str(args, "public_key_hex", &len);
    pk[0] = 0;
    near_require(near_hex_decode(hex, len, pk + 1, 32), "public_key_hex: 64 hex digits expected");
}

/* add_key({"public_key_hex", "receiver", "methods": "a,b", "allowance": "yocto"}) (private):
 * a function-call key on this account. An allowance of "0" means unlimited. */
NEAR_METHOD(add_key)
{
    near_assert_private();
    near_json args = near_args();
    uint8_t pk[33];
    arg_public_key(&args, pk);
    const char *receiver = near_arg_str(&args, "receiver", NULL);
    const char *methods = near_arg_str(&args, "methods", NULL);
    near_u128 allowance = near_arg_u128(&args, "allowance");
    uint64_t p = near_promise_batch(near_current_account());
    near_promise_batch_add_function_call_key(p, pk, sizeof pk, 0, allowance, receiver, methods);
}

/* delete_key({"public_key_hex"}) (private) */
NEAR_METHOD(delete_key)
{
    near_assert_private();
    near_json args = near_args();
    uint8_t pk[33];
    arg_public_key(&args, pk);
    uint64_t p = near_promise_batch(near_current_account());
    near_promise_batch_delete_key(p, pk, sizeof pk);
}

/* calls() -> the number of calls so far (view) */
NEAR_METHOD(calls)
{
    near_return_json_u64(near_storage_read_u64("calls", 0));
}
