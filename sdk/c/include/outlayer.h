/* OutLayer guest SDK for C: the helpers a job needs, for WASI preview1 commands built with
 * `clang-14 --target=wasm32-wasi`. See sdk/c/README.md for a walk-through.
 *
 * A job reads its input from stdin, writes its output to stdout and finds secrets and system
 * values (NEAR_SENDER_ID, OUTLAYER_EXECUTION_TYPE, ...) in its environment. A job fails by
 * exiting with a non-zero code; the platform then shows what the job wrote to stderr as the
 * error message, so ol_fail() is the one way to report an error to the user.
 *
 * Functions that can only fail on I/O or out-of-memory (ol_input, ol_output, ol_random_*) do not
 * return errors: they call ol_fail() themselves, since a job can do nothing better. Everything
 * that untrusted input can make fail (the JSON reader) returns an error with a message instead.
 *
 * Nothing here is thread-safe; WASI preview1 jobs have one thread. */
#ifndef OUTLAYER_H
#define OUTLAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OL_SDK_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------------------------ */

/* The exit code of ol_fail(). Any non-zero code marks the run as failed. */
#define OL_EXIT_FAILURE 1

/* Writes the printf-formatted message and a newline to stderr and exits with OL_EXIT_FAILURE.
 * The platform discards the output of a failed run and shows this message to the user. */
_Noreturn void ol_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same with an explicit exit code (1..255; other values are replaced by OL_EXIT_FAILURE). */
_Noreturn void ol_fail_code(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- input and output -------------------------------------------------------------------- */

/* The whole input: stdin read to its end on the first call, the same buffer on later calls.
 * *len (when len is not NULL) receives its length. A NUL byte follows the last input byte, so
 * text input without NUL bytes can be used as a C string. Never NULL (an empty input gives "").
 * Borrowed; valid until the job exits. */
const uint8_t *ol_input(size_t *len);

/* Appends bytes to the output (stdout, through stdio: mixing with printf keeps the order). */
void ol_output(const void *p, size_t len);

/* Appends a NUL-terminated string to the output. */
void ol_output_str(const char *s);

/* ---- environment and OutLayer system variables ------------------------------------------- */

/* The value of environment variable `name`, or NULL when it is not set. Secrets arrive here
 * too, under the names their owner chose. Borrowed; valid until the environment changes. */
const char *ol_env_get(const char *name);

/* Whether `name` is set (possibly to the empty string). */
bool ol_env_has(const char *name);

/* Parses `name` as a decimal unsigned integer (digits only, no sign or spaces). Returns false,
 * leaving *out untouched, when it is unset, empty, not a number or above UINT64_MAX. */
bool ol_env_u64(const char *name, uint64_t *out);

/* The system variables the platform sets (they override any secret of the same name). Values
 * are strings; on-chain runs set the chain ones, HTTPS runs set them to "" (see the reference,
 * section 4.6). The project ones are absent, not empty, when no project is involved.
 *
 *   X(ENUM, accessor, "VARIABLE")   generates OL_SYSVAR_ENUM and const char *ol_accessor(void) */
#define OL_SYSVAR_MAP(X)                                                                        \
    X(SENDER_ID, sender_id, "NEAR_SENDER_ID")                   /* account the job runs for */  \
    X(USER_ACCOUNT_ID, user_account_id, "NEAR_USER_ACCOUNT_ID") /* billing identity */          \
    X(PREDECESSOR_ID, predecessor_id, "NEAR_PREDECESSOR_ID")    /* immediate caller on chain */ \
    X(SIGNER_PUBLIC_KEY, signer_public_key, "NEAR_SIGNER_PUBLIC_KEY")                           \
    X(NETWORK_ID, network_id, "NEAR_NETWORK_ID")                   /* "mainnet" or "testnet" */ \
    X(EXECUTION_TYPE, execution_type, "OUTLAYER_EXECUTION_TYPE")   /* "NEAR" or "HTTPS" */      \
    X(REQUEST_ID, request_id, "NEAR_REQUEST_ID")                   /* on-chain request id */    \
    X(CALL_ID, call_id, "OUTLAYER_CALL_ID")                        /* HTTPS call uuid */        \
    X(TRANSACTION_HASH, transaction_hash, "NEAR_TRANSACTION_HASH") /* on chain */               \
    X(RECEIPT_ID, receipt_id, "NEAR_RECEIPT_ID")                                                \
    X(CONTRACT_ID, contract_id, "NEAR_CONTRACT_ID")                                             \
    X(BLOCK_HEIGHT, block_height, "NEAR_BLOCK_HEIGHT")                                          \
    X(BLOCK_TIMESTAMP, block_timestamp, "NEAR_BLOCK_TIMESTAMP") /* nanoseconds */               \
    X(GAS_BURNT, gas_burnt, "NEAR_GAS_BURNT")                                                   \
    X(PAYMENT_YOCTO, payment_yocto, "NEAR_PAYMENT_YOCTO") /* attached NEAR, yoctoNEAR (u128) */ \
    X(ATTACHED_USD, attached_usd, "ATTACHED_USD")         /* attached stablecoin */             \
    X(USD_PAYMENT, usd_payment, "USD_PAYMENT")            /* HTTPS X-Attached-Deposit */        \
    X(MAX_INSTRUCTIONS, max_instructions, "NEAR_MAX_INSTRUCTIONS")                              \
    X(MAX_MEMORY_MB, max_memory_mb, "NEAR_MAX_MEMORY_MB")                                       \
    X(MAX_EXECUTION_SECONDS, max_execution_seconds, "NEAR_MAX_EXECUTION_SECONDS")               \
    X(PROJECT_ID, project_id, "OUTLAYER_PROJECT_ID")                                            \
    X(PROJECT_UUID, project_uuid, "OUTLAYER_PROJECT_UUID")                                      \
    X(PROJECT_NAME, project_name, "OUTLAYER_PROJECT_NAME")                                      \
    X(PROJECT_OWNER, project_owner, "OUTLAYER_PROJECT_OWNER")                                   \
    X(WALLET_ID, wallet_id, "WALLET_ID")                                                        \
    X(RPC_PROXY_AVAILABLE, rpc_proxy_available, "NEAR_RPC_PROXY_AVAILABLE")

typedef enum ol_sysvar {
#define OL_SYSVAR_ENUM_(e, f, n) OL_SYSVAR_##e,
    OL_SYSVAR_MAP(OL_SYSVAR_ENUM_)
#undef OL_SYSVAR_ENUM_
        OL_SYSVAR_COUNT
} ol_sysvar;

/* The variable's name ("NEAR_SENDER_ID"), or NULL for a value outside the enum. */
const char *ol_sysvar_name(ol_sysvar v);

/* Its value, or NULL when unset. Borrowed, like ol_env_get(). */
const char *ol_sysvar_get(ol_sysvar v);

/* Named accessors, one per system variable: ol_sender_id(), ol_execution_type(), ... Each
 * returns ol_sysvar_get() of its variable. */
#define OL_SYSVAR_DECL_(e, f, n) const char *ol_##f(void);
OL_SYSVAR_MAP(OL_SYSVAR_DECL_)
#undef OL_SYSVAR_DECL_

/* ---- randomness -------------------------------------------------------------------------- */

/* Fills buf with random bytes from the host (WASI random_get). Under `outlayer run --seed` they
 * are a deterministic stream, and --record/--replay reproduce them. */
void ol_random_bytes(void *buf, size_t len);

uint64_t ol_random_u64(void);

/* A uniformly distributed integer in [min, max] (both included; no modulo bias). Calls ol_fail()
 * when min > max. */
int64_t ol_random_range(int64_t min, int64_t max);

/* ---- SHA-256 and hex --------------------------------------------------------------------- */

#define OL_SHA256_LEN 32

/* Incremental SHA-256 (FIPS 180-4). Caller-provided storage: init, update any number of times,
 * final. */
typedef struct ol_sha256_ctx {
    uint32_t h[8];
    uint64_t total; /* bytes hashed so far */
    uint8_t block[64];
    size_t block_len;
} ol_sha256_ctx;

void ol_sha256_init(ol_sha256_ctx *c);
void ol_sha256_update(ol_sha256_ctx *c, const void *p, size_t len);
void ol_sha256_final(ol_sha256_ctx *c, uint8_t out[OL_SHA256_LEN]);

/* SHA-256 of one buffer. */
void ol_sha256(const void *p, size_t len, uint8_t out[OL_SHA256_LEN]);

/* Writes 2 * len lowercase hex digits and a NUL to out (which must hold 2 * len + 1 bytes). */
void ol_hex(const uint8_t *p, size_t len, char *out);

/* ---- JSON writer ------------------------------------------------------------------------- */

/* Deepest nesting of arrays and objects the writer accepts. */
#define OL_JSON_MAX_DEPTH 64

/* Builds one JSON value in memory. Calls must form a valid document: inside an object every
 * value is preceded by ol_jw_key(). The first misuse (a value where a key is expected, an
 * unbalanced end, too deep, out of memory) is remembered, makes later calls no-ops, and is
 * reported by ol_jw_error() and ol_jw_output(); so a sequence of calls needs one check at the
 * end. Caller-provided storage: ol_jw_init() ... ol_jw_fini() (ol_jw_output() finishes too).
 *
 * Strings are written as UTF-8: '"', '\\' and control characters (< 0x20) are escaped, valid
 * non-ASCII UTF-8 passes through unchanged, and each byte of an invalid UTF-8 sequence becomes
 * U+FFFD, so the result is always valid JSON and valid UTF-8. Doubles are written in the
 * shortest form that reads back to the same value; NaN and infinities, which JSON lacks, are
 * written as null. */
typedef struct ol_json_writer {
    char *buf;
    size_t len, cap;
    uint32_t depth;
    uint8_t stack[OL_JSON_MAX_DEPTH]; /* 'a' or 'o' per open container */
    bool need_comma;                  /* the current container already holds a value */
    bool have_key;                    /* in an object: a key waits for its value */
    bool complete;                    /* the top-level value is finished */
    const char *error;                /* first misuse, or NULL */
} ol_json_writer;

void ol_jw_init(ol_json_writer *w);
void ol_jw_fini(ol_json_writer *w);

void ol_jw_object_begin(ol_json_writer *w);
void ol_jw_object_end(ol_json_writer *w);
void ol_jw_array_begin(ol_json_writer *w);
void ol_jw_array_end(ol_json_writer *w);

/* A member name inside an object. */
void ol_jw_key(ol_json_writer *w, const char *key);
void ol_jw_key_n(ol_json_writer *w, const char *key, size_t len);

void ol_jw_string(ol_json_writer *w, const char *s); /* NULL writes null */
void ol_jw_string_n(ol_json_writer *w, const char *s, size_t len);
void ol_jw_int(ol_json_writer *w, int64_t v);
void ol_jw_uint(ol_json_writer *w, uint64_t v);
void ol_jw_double(ol_json_writer *w, double v);
void ol_jw_bool(ol_json_writer *w, bool v);
void ol_jw_null(ol_json_writer *w);

/* The first misuse as a message, or NULL; "incomplete document" when the top-level value is not
 * finished. */
const char *ol_jw_error(const ol_json_writer *w);

/* The finished document (NUL-terminated; *len its length), or NULL when ol_jw_error() is set.
 * Borrowed; valid until ol_jw_fini(w). */
const char *ol_jw_result(const ol_json_writer *w, size_t *len);

/* Appends the finished document to the output (no trailing newline: the output is exactly one
 * JSON value) and calls ol_jw_fini(). Calls ol_fail() when ol_jw_error() is set: a bug in the
 * job, not in its input. */
void ol_jw_output(ol_json_writer *w);

/* ---- JSON reader ------------------------------------------------------------------------- */

/* Deepest nesting of arrays and objects the reader accepts. */
#define OL_JSON_MAX_NESTING 128

typedef enum ol_json_type {
    OL_JSON_NULL,
    OL_JSON_BOOL,
    OL_JSON_NUMBER,
    OL_JSON_STRING,
    OL_JSON_ARRAY,
    OL_JSON_OBJECT,
} ol_json_type;

/* One parsed value. The tree is read-only; walk a container with
 *   for (const ol_json *e = v->child; e != NULL; e = e->next) ...
 * Borrowed; every node is valid until ol_json_doc_fini() of its document. */
typedef struct ol_json ol_json;
struct ol_json {
    ol_json_type type;
    bool boolean;         /* OL_JSON_BOOL */
    bool is_int;          /* OL_JSON_NUMBER written without fraction or exponent, in int64 range */
    int64_t integer;      /* OL_JSON_NUMBER when is_int: the exact value */
    double number;        /* OL_JSON_NUMBER: the nearest double */
    const char *str;      /* OL_JSON_STRING: decoded UTF-8 + NUL (may also contain "\u0000") */
    size_t len;           /* OL_JSON_STRING: bytes in str */
    const char *key;      /* member of an object: its decoded name + NUL, else NULL */
    size_t key_len;       /* bytes in key */
    size_t count;         /* OL_JSON_ARRAY and OL_JSON_OBJECT: number of elements or members */
    const ol_json *child; /* first element or member */
    const ol_json *next;  /* next sibling in the parent container */
};

/* A parsed document. Caller-provided storage: ol_json_parse() fills it, ol_json_doc_fini()
 * releases it (also after a failed parse). */
typedef struct ol_json_doc {
    const ol_json *root; /* NULL when the parse failed */
    char error[160];     /* why the parse failed: "byte 12: expected ',' or '}'" */
    void *mem_;          /* private */
} ol_json_doc;

/* Parses exactly one JSON value (RFC 8259), surrounded by optional whitespace. Strict: UTF-8
 * only, no comments, no trailing commas, no NaN, lone surrogates rejected, numbers that overflow
 * a double rejected, nesting limited to OL_JSON_MAX_NESTING. Returns true and sets doc->root,
 * or false with doc->error set. Never reads past p + len; p need not be NUL-terminated. */
bool ol_json_parse(const uint8_t *p, size_t len, ol_json_doc *doc);

void ol_json_doc_fini(ol_json_doc *doc);

/* The input parsed as JSON. On a parse error calls ol_fail("invalid JSON input: ..."). The
 * document lives until the job exits. */
const ol_json *ol_input_json(void);

/* The member `key` of an object (the last one when a name repeats, as JavaScript does), or NULL
 * when v is not an object or lacks it. */
const ol_json *ol_json_get(const ol_json *v, const char *key);

/* Element i of an array, or NULL. */
const ol_json *ol_json_at(const ol_json *v, size_t i);

/* A short name for the type ("null", "boolean", "number", "string", "array", "object"). */
const char *ol_json_type_name(ol_json_type t);

/* Typed reads; each returns false, leaving *out untouched, for a NULL or mismatched value.
 * ol_json_int accepts any number with an integral value that is exact: an integer literal in
 * int64 range, or a fraction/exponent form (5.0, 1e3) below 2^53 in magnitude. */
bool ol_json_int(const ol_json *v, int64_t *out);
bool ol_json_double(const ol_json *v, double *out);
bool ol_json_bool(const ol_json *v, bool *out);
const char *ol_json_string(const ol_json *v, size_t *len); /* NULL unless a string */

#endif
