/* A tiny SDK for NEAR contracts in C, built with clang --target=wasm32 and wasm-ld, no libc.
 * See contract/sdk/README.md for a walk-through and the build line.
 *
 * One contract call is one fresh wasm instance: nothing here is ever freed, memory comes from a
 * bump allocator over the linear memory and disappears with the instance. Every helper that can
 * only fail on a contract bug or on the caller's bad input panics with a message (the
 * transaction then fails with "Smart contract panicked: <message>", state changes are rolled
 * back and the logs are kept), so contract code stays straight-line. The JSON reader is the
 * exception: it reports errors to the caller, because what to say about a bad argument is the
 * contract's business; near_args() and the near_arg_* helpers add the panics.
 *
 * Conventions from near-sdk-rs, so that clients need not care which SDK a contract used:
 * arguments and results are JSON; u64 and u128 amounts in JSON are decimal strings (U64/U128),
 * although the readers also take plain JSON integers; events are NEP-297 `EVENT_JSON:` logs. */
#ifndef NEAR_SDK_H
#define NEAR_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "near.h"

/* Declares and defines an exported contract method (type [] -> [], as NEAR requires):
 *     NEAR_METHOD(increment) { ... }                                                        */
#define NEAR_METHOD(name)                                \
    void name(void) __attribute__((export_name(#name))); \
    void name(void)

/* Registers the SDK uses for its own transfers; contracts may use any other id. Each is
 * overwritten by the next helper call, so copy out what you need (the helpers do). */
#define NEAR_REG_ATOMIC  UINT64_C(0xFFFFFFFFFFFFFFFD) /* near-sdk's ATOMIC_OP_REGISTER */
#define NEAR_REG_EVICTED UINT64_C(0xFFFFFFFFFFFFFFFE) /* near-sdk's EVICTED_REGISTER */

#define NEAR_TGAS               UINT64_C(1000000000000)
#define NEAR_DATA_ID_LEN        32
#define NEAR_YIELD_PAYLOAD_MAX  1024                           /* max_yield_payload_size */
#define NEAR_STORAGE_BYTE_PRICE UINT64_C(10000000000000000000) /* yocto per byte, 10^19 */
#define NEAR_ACCOUNT_ID_MAX     64

/* ---- memory ---------------------------------------------------------------------------- */

/* The C functions clang may emit calls to, defined here since there is no libc. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* n bytes, 16-byte aligned, zeroed, from the bump allocator (grows the memory as needed;
 * panics "out of memory" at the 4 GiB ceiling). Never NULL, never freed. */
void *near_alloc(size_t n);
/* A copy of p[0..n) followed by a NUL byte. */
char *near_strndup(const void *p, size_t n);

size_t near_strlen(const char *s);
bool near_streq(const char *a, const char *b);
/* a[0..alen) == b[0..blen) */
bool near_memeq(const void *a, size_t alen, const void *b, size_t blen);

/* ---- panics and logs ------------------------------------------------------------------- */

_Noreturn void near_panic(const char *msg);
_Noreturn void near_panic_n(const char *msg, size_t len);
/* Panics with the concatenation of up to three strings (NULL entries are skipped): lets a
 * contract name the argument or value without a formatting library. */
_Noreturn void near_panic3(const char *a, const char *b, const char *c);
/* Panics with msg unless cond holds. */
void near_require(bool cond, const char *msg);

void near_log(const char *msg);
void near_log_n(const char *msg, size_t len);
/* One log line made of up to three strings (NULL entries are skipped). */
void near_log3(const char *a, const char *b, const char *c);

/* ---- registers, input, return value ------------------------------------------------------ */

/* The contents of a register, copied into fresh memory (NUL-terminated); NULL when the
 * register was never written. *len (if len is not NULL) gets the length. */
uint8_t *near_register_read(uint64_t register_id, size_t *len);

/* The call's input bytes, NUL-terminated ("" when there is none). */
const uint8_t *near_input(size_t *len);

void near_return(const void *p, size_t len);
void near_return_str(const char *s); /* the bytes of s, not JSON-quoted */

/* ---- context ----------------------------------------------------------------------------- */

/* Account ids as NUL-terminated strings (predecessor and signer are prohibited in views). */
const char *near_current_account(void);
const char *near_predecessor(void);
const char *near_signer(void);
/* Whether an account id is valid by NEAR's rules (2..64 chars of [a-z0-9] separated by single
 * '-', '_' or '.', no separator at either end). */
bool near_account_id_valid(const char *s, size_t len);

/* ---- u128 (yoctoNEAR amounts) ------------------------------------------------------------ */

typedef struct near_u128 {
    uint64_t lo, hi;
} near_u128;

#define NEAR_U128_MAX_DEC 40 /* digits of 2^128-1, without the NUL */

near_u128 near_u128_from_u64(uint64_t v);
bool near_u128_is_zero(near_u128 a);
int near_u128_cmp(near_u128 a, near_u128 b); /* -1, 0, 1 */
/* Overflow and underflow return false and leave *out untouched. */
bool near_u128_add(near_u128 a, near_u128 b, near_u128 *out);
bool near_u128_sub(near_u128 a, near_u128 b, near_u128 *out);
bool near_u128_mul_u64(near_u128 a, uint64_t b, near_u128 *out);
/* a / b and a % b for b != 0 (b == 0 panics). */
near_u128 near_u128_divmod_u64(near_u128 a, uint64_t b, uint64_t *rem);
/* Panicking forms for amounts that must not overflow ("u128 overflow" / "u128 underflow"). */
near_u128 near_u128_add_or_panic(near_u128 a, near_u128 b);
near_u128 near_u128_sub_or_panic(near_u128 a, near_u128 b);
/* 16 bytes little endian, the host's layout. */
near_u128 near_u128_load(const uint8_t p[16]);
void near_u128_store(near_u128 v, uint8_t p[16]);
/* Decimal digits only (no sign, no spaces, no leading '+'; leading zeros allowed), at most
 * 2^128-1. */
bool near_u128_parse(const char *s, size_t len, near_u128 *out);
/* Writes the decimal form and a NUL into out (NEAR_U128_MAX_DEC + 1 bytes); returns the length. */
size_t near_u128_format(near_u128 v, char *out);
size_t near_u64_format(uint64_t v, char *out); /* 21 bytes suffice */
bool near_u64_parse(const char *s, size_t len, uint64_t *out);

near_u128 near_attached_deposit(void);
near_u128 near_account_balance(void);
near_u128 near_account_locked_balance(void);
/* Panics "method is not payable" if a deposit is attached (near-sdk's default for methods). */
void near_assert_no_deposit(void);
/* Panics unless exactly 1 yoctoNEAR is attached (NEP-141's proof of a full-access key). */
void near_assert_one_yocto(void);
/* Panics "method is private" unless predecessor == current account (near-sdk #[private]). */
void near_assert_private(void);
/* The storage staking price of `bytes` (bytes × 10^19 yocto). */
near_u128 near_storage_cost(uint64_t bytes);

/* ---- storage ----------------------------------------------------------------------------- */

/* Writes value under key; returns whether a value was replaced. */
bool near_storage_write(const void *key, size_t key_len, const void *value, size_t value_len);
/* The value under key, NUL-terminated in fresh memory, or NULL when absent. */
uint8_t *near_storage_read(const void *key, size_t key_len, size_t *value_len);
bool near_storage_remove(const void *key, size_t key_len);
bool near_storage_has(const void *key, size_t key_len);
/* u64 values as 8 bytes little endian; reading a value of another length panics. */
uint64_t near_storage_read_u64(const char *key, uint64_t dflt);
void near_storage_write_u64(const char *key, uint64_t v);
/* u128 values as 16 bytes little endian. */
near_u128 near_storage_read_u128(const char *key, near_u128 dflt);
void near_storage_write_u128(const char *key, near_u128 v);

/* ---- JSON reading ------------------------------------------------------------------------ */
/* A strict RFC 8259 reader: the whole text is validated once (UTF-8 included, nesting at most
 * NEAR_JSON_MAX_DEPTH, no trailing bytes), after which values are slices of the original text.
 * Duplicate object keys: the first one wins. */

#define NEAR_JSON_MAX_DEPTH 32

typedef enum near_json_type {
    NEAR_JSON_INVALID = 0,
    NEAR_JSON_NULL,
    NEAR_JSON_BOOL,
    NEAR_JSON_NUMBER,
    NEAR_JSON_STRING,
    NEAR_JSON_ARRAY,
    NEAR_JSON_OBJECT,
} near_json_type;

/* A value: its type and its exact text (strings include their quotes). */
typedef struct near_json {
    near_json_type type;
    const char *p;
    size_t len;
} near_json;

/* Validates text[0..len) as one JSON value (surrounding whitespace allowed) and returns it.
 * On error returns false and, if err is not NULL, a static message. */
bool near_json_parse(const char *text, size_t len, near_json *out, const char **err);

/* The member `key` of an object; false if v is not an object or has no such key. */
bool near_json_get(const near_json *obj, const char *key, near_json *out);

/* Iterates over an array's elements or an object's members (key gets the member name as a
 * string value; pass NULL for arrays). Start with it = {0}. */
typedef struct near_json_iter {
    size_t pos;
} near_json_iter;
bool near_json_next(const near_json *container, near_json_iter *it, near_json *key,
                    near_json *value);
/* Number of elements or members (0 for other values). */
size_t near_json_count(const near_json *container);

/* Conversions; false when v has another type or the value does not fit. */
bool near_json_bool(const near_json *v, bool *out);
/* A decoded string in fresh memory (NUL-terminated; may contain NUL bytes, see *len). */
bool near_json_str(const near_json *v, char **out, size_t *len);
/* A non-negative integer: a JSON number without sign, fraction or exponent, or a string of
 * decimal digits (near-sdk's U64/U128). */
bool near_json_u64(const near_json *v, uint64_t *out);
bool near_json_u128(const near_json *v, near_u128 *out);
/* Whether a string value equals s exactly (after unescaping). */
bool near_json_str_eq(const near_json *v, const char *s);

/* The call's input parsed as a JSON object; an empty input counts as {}. Panics
 * "invalid JSON arguments: <why>" otherwise. */
near_json near_args(void);
/* Required arguments: panic "missing or invalid argument '<key>'" when absent or mistyped. */
const char *near_arg_str(const near_json *args, const char *key, size_t *len);
uint64_t near_arg_u64(const near_json *args, const char *key);
near_u128 near_arg_u128(const near_json *args, const char *key);
bool near_arg_bool(const near_json *args, const char *key);
/* Optional arguments: false when absent or null (panic when present with another type). */
bool near_arg_opt_str(const near_json *args, const char *key, const char **out, size_t *len);
bool near_arg_opt_u64(const near_json *args, const char *key, uint64_t *out);
bool near_arg_opt_u128(const near_json *args, const char *key, near_u128 *out);

/* ---- JSON writing ------------------------------------------------------------------------ */
/* Compact JSON into a growing buffer. Commas are inserted automatically; a key must precede
 * every value inside an object. Misuse (a value without a key in an object, unbalanced ends,
 * nesting beyond NEAR_JSON_MAX_DEPTH, output beyond NEAR_JW_MAX) panics. */

#define NEAR_JW_MAX (4u << 20) /* max_length_returned_data */

typedef struct near_jw {
    char *p;
    size_t len, cap;
    int depth;
    uint8_t in_object[NEAR_JSON_MAX_DEPTH + 1]; /* per level: object (1) or array (0) */
    uint8_t count[NEAR_JSON_MAX_DEPTH + 1];     /* per level: 0 = nothing written yet */
    bool after_key;
} near_jw;

void near_jw_init(near_jw *w);
void near_jw_object_begin(near_jw *w);
void near_jw_object_end(near_jw *w);
void near_jw_array_begin(near_jw *w);
void near_jw_array_end(near_jw *w);
void near_jw_key(near_jw *w, const char *key);
void near_jw_str(near_jw *w, const char *s); /* escaped; NULL writes null */
void near_jw_str_n(near_jw *w, const char *s, size_t len);
void near_jw_u64(near_jw *w, uint64_t v);     /* a JSON number */
void near_jw_u64_str(near_jw *w, uint64_t v); /* "123" (near-sdk U64) */
void near_jw_u128(near_jw *w, near_u128 v);   /* "123" (near-sdk U128) */
void near_jw_bool(near_jw *w, bool v);
void near_jw_null(near_jw *w);
/* Bytes as a JSON array of numbers ([1,2,...], how near-sdk serialises [u8; N]). */
void near_jw_bytes_array(near_jw *w, const uint8_t *p, size_t len);
/* Already-serialised JSON, inserted as one value (validated: invalid JSON panics). */
void near_jw_raw(near_jw *w, const char *json, size_t len);
/* The text so far, NUL-terminated; *len gets its length. Panics if the document is open. */
const char *near_jw_finish(near_jw *w, size_t *len);
/* near_return() of the finished document. */
void near_jw_return(near_jw *w);

/* Returns a JSON string (quoted and escaped) / a JSON number / true or false. */
void near_return_json_str(const char *s);
void near_return_json_u64(uint64_t v);
void near_return_json_bool(bool v);

/* ---- hex --------------------------------------------------------------------------------- */

/* Lowercase hex of p[0..len) into out (2 × len + 1 bytes, NUL-terminated). */
void near_hex_encode(const uint8_t *p, size_t len, char *out);
/* Exactly 2 × n hex digits (either case) into out[0..n). */
bool near_hex_decode(const char *s, size_t len, uint8_t *out, size_t n);

/* ---- NEP-297 events ---------------------------------------------------------------------- */

/* Logs EVENT_JSON:{"standard":..,"version":..,"event":..,"data":<data_json>} (compact; "data"
 * omitted when data_json is NULL; data_json must be valid JSON, usually an array). */
void near_emit_event(const char *standard, const char *version, const char *event,
                     const char *data_json, size_t data_len);

/* ---- promises ---------------------------------------------------------------------------- */

/* A function call on `account` (a promise index). args may be NULL with args_len 0. */
uint64_t near_promise_create(const char *account, const char *method, const void *args,
                             size_t args_len, near_u128 deposit, uint64_t gas);
/* The same, run after promise `after` completes (its result readable in the callback). */
uint64_t near_promise_then(uint64_t after, const char *account, const char *method,
                           const void *args, size_t args_len, near_u128 deposit, uint64_t gas);
/* Joins promises: a callback chained on the result sees one result per joined promise. */
uint64_t near_promise_and(const uint64_t *indices, size_t n);
/* Batches: one receipt to `account` carrying several actions. */
uint64_t near_promise_batch(const char *account);
uint64_t near_promise_batch_then(uint64_t after, const char *account);
void near_promise_batch_create_account(uint64_t idx);
void near_promise_batch_deploy(uint64_t idx, const void *code, size_t len);
void near_promise_batch_call(uint64_t idx, const char *method, const void *args, size_t args_len,
                             near_u128 deposit, uint64_t gas);
/* With a weight: the call also gets that share of the gas left at the end of this execution. */
void near_promise_batch_call_weight(uint64_t idx, const char *method, const void *args,
                                    size_t args_len, near_u128 deposit, uint64_t gas,
                                    uint64_t weight);
void near_promise_batch_transfer(uint64_t idx, near_u128 amount);
/* pk: borsh PublicKey bytes (33 for ed25519). methods: comma-separated ("" = any method);
 * an allowance of 0 means unlimited. */
void near_promise_batch_add_full_access_key(uint64_t idx, const uint8_t *pk, size_t pk_len,
                                            uint64_t nonce);
void near_promise_batch_add_function_call_key(uint64_t idx, const uint8_t *pk, size_t pk_len,
                                              uint64_t nonce, near_u128 allowance,
                                              const char *receiver, const char *methods);
void near_promise_batch_delete_key(uint64_t idx, const uint8_t *pk, size_t pk_len);
void near_promise_batch_delete_account(uint64_t idx, const char *beneficiary);

typedef enum near_promise_status {
    NEAR_PROMISE_NOT_READY = 0,
    NEAR_PROMISE_SUCCESS = 1,
    NEAR_PROMISE_FAILED = 2,
} near_promise_status;

/* Makes this call's result the result of promise idx (the caller then waits for it). */
void near_promise_return(uint64_t idx);

/* In a callback: how many results there are, and result i (its value, NUL-terminated in fresh
 * memory, when it succeeded; *data is NULL otherwise). */
uint64_t near_promise_results_count(void);
near_promise_status near_promise_result(uint64_t i, uint8_t **data, size_t *len);

/* ---- yield / resume (NEP-519) ------------------------------------------------------------ */

/* Schedules `method(args)` on this contract, to run when near_yield_resume() is called with the
 * data id written to data_id (within 200 blocks), or with a Failed promise result after that.
 * gas is reserved for the callback out of this call's prepaid gas; weight shares the leftover.
 * Returns the promise index (near_promise_return() it so the caller gets the callback's result). */
uint64_t near_yield_create(const char *method, const void *args, size_t args_len, uint64_t gas,
                           uint64_t weight, uint8_t data_id[NEAR_DATA_ID_LEN]);
/* Delivers payload (at most NEAR_YIELD_PAYLOAD_MAX bytes) to the pending yield `data_id` of this
 * contract. Returns false when there is none (unknown, timed out or already run). */
bool near_yield_resume(const uint8_t data_id[NEAR_DATA_ID_LEN], const void *payload, size_t len);

#endif
