/* NEAR protocol primitives: text encodings (base58, base64, hex), ed25519 keys and signatures,
 * account ids, u128 yoctoNEAR amounts, borsh, transactions (V0), actions, NEP-366 delegate
 * actions (with the NEP-461 prefix), NEP-413 messages, NEP-297 events and near-cli credential
 * files. Facts and test vectors: ../shared/reference/near-protocol.md.
 *
 * Data model. Transactions, actions and payloads are plain value structs whose pointers are
 * borrowed: a caller building a transaction points them at its own data (string literals,
 * stack buffers), and everything this module *produces* (decoded transactions, actions parsed
 * from JSON, JSON text) lives in an ol_near_arena that the caller frees in one call. Account ids
 * are NUL-terminated C strings (a valid account id never contains NUL); other borsh strings
 * (method names, NEP-413 fields) travel as ol_near_str with an explicit length, because borsh
 * allows any UTF-8, NUL included.
 *
 * Secret keys are plain 64-byte structs owned by the caller; wipe them with
 * ol_near_secret_key_wipe() when done. No function of this module prints, logs or puts key
 * material into an ol_diag message.
 *
 * Thread-safety: every function is safe to call concurrently on distinct objects; an arena or a
 * buffer must not be used by two threads at once. Functions using libsodium require that
 * sodium_init() succeeded (ol_near_init() does it and may be called any number of times). */
#ifndef OL_NEAR_H
#define OL_NEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/alloc.h"
#include "ol/err.h"

/* Initialises libsodium (idempotent, thread-safe). Returns OL_OK or OL_E_INTERNAL. */
ol_err ol_near_init(ol_diag *d);

/* ================================ sizes and constants ================================ */

#define OL_NEAR_HASH_LEN           32 /* CryptoHash: tx hash, block hash, receipt id */
#define OL_NEAR_ED25519_PK_LEN     32
#define OL_NEAR_ED25519_SEED_LEN   32
#define OL_NEAR_ED25519_SK_LEN     64 /* seed ‖ public key, NEAR's secret-key form */
#define OL_NEAR_ED25519_SIG_LEN    64
#define OL_NEAR_SECP256K1_PK_LEN   64 /* uncompressed without the 0x04 byte */
#define OL_NEAR_SECP256K1_SIG_LEN  65 /* r ‖ s ‖ v */
#define OL_NEAR_NEP413_NONCE_LEN   32
#define OL_NEAR_ACCOUNT_ID_MIN_LEN 2
#define OL_NEAR_ACCOUNT_ID_MAX_LEN 64

/* NEP-461 prefixes, prepended as a u32 LE before hashing (bytes 6e010040 and 9d010080). */
#define OL_NEAR_NEP366_PREFIX 1073742190u /* (1 << 30) + 366, on-chain delegate actions */
#define OL_NEAR_NEP413_PREFIX 2147484061u /* (1 << 31) + 413, off-chain messages */

/* Text buffer sizes, NUL included. */
#define OL_NEAR_KEY_STR_MAX    128 /* "ed25519:…" / "secp256k1:…" keys and signatures */
#define OL_NEAR_HASH_STR_MAX   48  /* base58 of 32 bytes (≤ 44 chars) */
#define OL_NEAR_ACCOUNT_ID_MAX 65  /* account id (≤ 64 chars) */
#define OL_NEAR_U128_STR_MAX   40  /* u128 in decimal (≤ 39 digits) */
#define OL_NEAR_AMOUNT_STR_MAX 48  /* "340282366920938.463463374607431768211455" */

/* ==================================== byte strings ==================================== */

/* Borrowed bytes. p may be NULL when len == 0. */
typedef struct ol_near_bytes {
    const uint8_t *p;
    size_t len;
} ol_near_bytes;

/* Borrowed string with a length (not necessarily NUL-terminated). For an Option<String> field,
 * p == NULL means None. */
typedef struct ol_near_str {
    const char *p;
    size_t len;
} ol_near_str;

/* An ol_near_str for a NUL-terminated string (NULL gives {NULL, 0}, i.e. None). */
ol_near_str ol_near_str_c(const char *s);

/* ================================== arena (results) ================================== */

/* Owns everything this module hands out (decoded transactions, parsed actions, JSON text).
 * Bump allocation in chunks taken from one allocator; freed in one call. */
typedef struct ol_near_arena ol_near_arena;

/* a may be NULL (default allocator). On OL_OK the caller owns *out; release with
 * ol_near_arena_free(). Returns OL_OK or OL_E_NOMEM. */
ol_err ol_near_arena_new(const ol_allocator *a, ol_near_arena **out, ol_diag *d);

/* Frees every allocation of the arena (wiping it first) and the arena itself. NULL is a no-op. */
void ol_near_arena_free(ol_near_arena *ar);

/* n bytes, aligned for any type, zeroed; NULL when out of memory. Borrowed; valid until
 * ol_near_arena_free(ar). */
void *ol_near_arena_alloc(ol_near_arena *ar, size_t n);

/* A NUL-terminated copy of p[0..len); NULL when out of memory. Same lifetime. */
char *ol_near_arena_strndup(ol_near_arena *ar, const char *p, size_t len);

/* ================================ growable byte buffer ================================ */

/* The borsh writer's output. Errors are sticky: after the first failure (out of memory, or a
 * length that does not fit a borsh u32) every append is a no-op and `err` holds the code, so
 * a sequence of appends is checked once at the end with ol_near_buf_check(). */
typedef struct ol_near_buf {
    uint8_t *p; /* owned; NULL while empty */
    size_t len;
    size_t cap;
    const ol_allocator *a;
    ol_err err;
} ol_near_buf;

/* a may be NULL (default allocator). */
void ol_near_buf_init(ol_near_buf *b, const ol_allocator *a);
/* Wipes and frees the contents; the buffer may be reused after ol_near_buf_init(). */
void ol_near_buf_fini(ol_near_buf *b);
/* Empties the buffer (wiping it) and clears a sticky error; keeps the allocation. */
void ol_near_buf_reset(ol_near_buf *b);
/* Returns b->err, recorded in d with a message if it is an error. */
ol_err ol_near_buf_check(const ol_near_buf *b, ol_diag *d);
void ol_near_buf_append(ol_near_buf *b, const void *p, size_t len);

/* ================================ text encodings ================================ */

/* Every encoder writes a NUL-terminated string into out[0..cap) and stores its length (NUL
 * excluded) in *out_len (may be NULL). Returns OL_OK, or OL_E_RANGE if cap is too small.
 * Every decoder reads text s[0..len) into out[0..cap) and stores the byte count in *out_len.
 * Returns OL_OK, OL_E_MALFORMED (bad character or padding, named with its offset) or OL_E_RANGE
 * (the decoded data does not fit cap); on error out[0..cap) holds unspecified bytes (the
 * decoders work in place, so a caller decoding key material wipes out either way). */

/* Base58, Bitcoin alphabet; leading zero bytes <-> leading '1's. */
size_t ol_near_base58_encoded_max(size_t len); /* buffer size that always suffices, NUL incl. */
ol_err ol_near_base58_encode(const uint8_t *p, size_t len, char *out, size_t cap, size_t *out_len,
                             ol_diag *d);
ol_err ol_near_base58_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                             ol_diag *d);

/* Base64, standard alphabet with '=' padding (RFC 4648 §4). The decoder requires canonical
 * padding and rejects whitespace. */
size_t ol_near_base64_encoded_max(size_t len);
size_t ol_near_base64_decoded_max(size_t len);
ol_err ol_near_base64_encode(const uint8_t *p, size_t len, char *out, size_t cap, size_t *out_len,
                             ol_diag *d);
ol_err ol_near_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                             ol_diag *d);
/* Base64 of p[0..len) as a NUL-terminated malloc'd string (the caller frees it); NULL when out of
 * memory. */
char *ol_near_base64_alloc(const uint8_t *p, size_t len);

/* Hex: lowercase on output, either case on input, even length. */
ol_err ol_near_hex_encode(const uint8_t *p, size_t len, char *out, size_t cap, size_t *out_len,
                          ol_diag *d);
ol_err ol_near_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                          ol_diag *d);

/* A 32-byte CryptoHash from/to base58 (block hashes, tx hashes). The parser requires exactly
 * 32 bytes (OL_E_MALFORMED otherwise). out must hold OL_NEAR_HASH_STR_MAX bytes. */
ol_err ol_near_hash_parse(const char *s, uint8_t hash[OL_NEAR_HASH_LEN], ol_diag *d);
void ol_near_hash_format(const uint8_t hash[OL_NEAR_HASH_LEN], char out[OL_NEAR_HASH_STR_MAX]);

/* SHA-256 (libsodium). */
void ol_near_sha256(const uint8_t *p, size_t len, uint8_t out[OL_NEAR_HASH_LEN]);

/* ====================================== keys ====================================== */

typedef enum ol_near_key_type {
    OL_NEAR_KEY_ED25519 = 0,
    OL_NEAR_KEY_SECP256K1 = 1,
} ol_near_key_type;

/* borsh PublicKey. ed25519 uses data[0..32); secp256k1 data[0..64). secp256k1 keys can be
 * parsed, printed and carried in transactions; only ed25519 can sign and verify here. */
typedef struct ol_near_public_key {
    ol_near_key_type type;
    uint8_t data[OL_NEAR_SECP256K1_PK_LEN];
} ol_near_public_key;

/* borsh Signature. ed25519 uses data[0..64); secp256k1 data[0..65). */
typedef struct ol_near_signature {
    ol_near_key_type type;
    uint8_t data[OL_NEAR_SECP256K1_SIG_LEN];
} ol_near_signature;

/* An ed25519 secret key in NEAR's form: 32-byte seed ‖ 32-byte public key. Key material: wipe
 * with ol_near_secret_key_wipe(). */
typedef struct ol_near_secret_key {
    uint8_t bytes[OL_NEAR_ED25519_SK_LEN];
} ol_near_secret_key;

/* Number of data bytes for the key type of a public key / signature (0 for an unknown type). */
size_t ol_near_public_key_len(ol_near_key_type t);
size_t ol_near_signature_len(ol_near_key_type t);

/* Parses "ed25519:<base58 32 bytes>", "secp256k1:<base58 64 bytes>", or a bare base58 string
 * (taken as ed25519, as near-api-js does). s is NUL-terminated. Returns OL_OK, OL_E_MALFORMED
 * (bad base58, wrong length), OL_E_UNSUPPORTED (unknown key type prefix). */
ol_err ol_near_public_key_parse(const char *s, ol_near_public_key *out, ol_diag *d);
/* Writes "ed25519:<base58>" (or "secp256k1:…"). Returns the length written (NUL excluded). */
size_t ol_near_public_key_format(const ol_near_public_key *pk, char out[OL_NEAR_KEY_STR_MAX]);
/* True if both keys have the same type and bytes. */
bool ol_near_public_key_eq(const ol_near_public_key *a, const ol_near_public_key *b);

/* Parses "ed25519:<base58>" (the prefix may be omitted) holding either the 64-byte
 * seed ‖ public form or the 32-byte seed form. The 64-byte form must be consistent: its public
 * half must be the key derived from its seed (OL_E_INVAL otherwise). Returns OL_OK,
 * OL_E_MALFORMED, OL_E_UNSUPPORTED (not ed25519), OL_E_INVAL. Error messages never contain the
 * key; intermediate copies are wiped. */
ol_err ol_near_secret_key_parse(const char *s, ol_near_secret_key *out, ol_diag *d);
/* Writes "ed25519:<base58 of 64 bytes>". Returns the length (NUL excluded). The caller wipes
 * out when done. */
size_t ol_near_secret_key_format(const ol_near_secret_key *sk, char out[OL_NEAR_KEY_STR_MAX]);
/* Derives the secret key of a 32-byte seed. */
void ol_near_secret_key_from_seed(const uint8_t seed[OL_NEAR_ED25519_SEED_LEN],
                                  ol_near_secret_key *out);
/* A fresh random key pair (libsodium randombytes). Returns OL_OK or OL_E_INTERNAL. */
ol_err ol_near_secret_key_generate(ol_near_secret_key *out, ol_diag *d);
/* The public key of a secret key. */
void ol_near_secret_key_public(const ol_near_secret_key *sk, ol_near_public_key *out);
/* sodium_memzero. */
void ol_near_secret_key_wipe(ol_near_secret_key *sk);

/* Signs msg[0..len) with ed25519. NEAR signs 32-byte hashes: pass the hash as msg. */
void ol_near_sign(const ol_near_secret_key *sk, const uint8_t *msg, size_t len,
                  ol_near_signature *out);
/* Verifies sig over msg with pk. Returns OL_OK (valid), OL_E_INVAL (does not verify, or key
 * and signature types differ), OL_E_UNSUPPORTED (secp256k1). */
ol_err ol_near_verify(const ol_near_public_key *pk, const uint8_t *msg, size_t len,
                      const ol_near_signature *sig, ol_diag *d);

/* Signature text: "ed25519:<base58 64 bytes>" ("secp256k1:" for 65 bytes). The parser also
 * accepts a bare base58 string as ed25519. */
ol_err ol_near_signature_parse(const char *s, ol_near_signature *out, ol_diag *d);
size_t ol_near_signature_format(const ol_near_signature *sig, char out[OL_NEAR_KEY_STR_MAX]);

/* ==================================== account ids ==================================== */

/* NEAR's rules (near-account-id): 2..64 characters of [a-z0-9] in parts separated by a single
 * '-', '_' or '.'; no leading, trailing or doubled separator. Returns OL_OK or OL_E_INVAL with
 * the reason (e.g. "account id 'A.near': invalid character 'A' at 0"). */
ol_err ol_near_account_id_validate(const char *s, size_t len, ol_diag *d);
bool ol_near_account_id_is_valid(const char *s, size_t len);

typedef enum ol_near_account_kind {
    OL_NEAR_ACCOUNT_NAMED = 0,
    OL_NEAR_ACCOUNT_NEAR_IMPLICIT = 1, /* 64 lowercase hex characters */
    OL_NEAR_ACCOUNT_ETH_IMPLICIT = 2,  /* "0x" + 40 lowercase hex characters */
} ol_near_account_kind;

/* The kind of a valid account id. */
ol_near_account_kind ol_near_account_id_kind(const char *s, size_t len);

/* The implicit account id of an ed25519 public key: lowercase hex of its 32 bytes. Returns
 * OL_OK, or OL_E_INVAL for a non-ed25519 key. */
ol_err ol_near_implicit_account_id(const ol_near_public_key *pk, char out[OL_NEAR_ACCOUNT_ID_MAX],
                                   ol_diag *d);

/* ===================================== amounts ===================================== */

/* An unsigned 128-bit integer (balances, deposits, stakes in yoctoNEAR). */
typedef struct ol_near_u128 {
    uint64_t lo;
    uint64_t hi;
} ol_near_u128;

#define OL_NEAR_U128_C(v) ((ol_near_u128){(uint64_t)(v), 0})

ol_near_u128 ol_near_u128_from_u64(uint64_t v);
/* -1, 0, 1. */
int ol_near_u128_cmp(ol_near_u128 a, ol_near_u128 b);
bool ol_near_u128_is_zero(ol_near_u128 a);
/* Checked arithmetic: on overflow (or underflow, or division by zero) *out is untouched and
 * OL_E_RANGE is returned. */
ol_err ol_near_u128_add(ol_near_u128 a, ol_near_u128 b, ol_near_u128 *out, ol_diag *d);
ol_err ol_near_u128_sub(ol_near_u128 a, ol_near_u128 b, ol_near_u128 *out, ol_diag *d);
ol_err ol_near_u128_mul(ol_near_u128 a, ol_near_u128 b, ol_near_u128 *out, ol_diag *d);
/* Quotient and remainder by a u64 (rem may be NULL). */
ol_err ol_near_u128_divmod_u64(ol_near_u128 a, uint64_t b, ol_near_u128 *quot, uint64_t *rem,
                               ol_diag *d);

/* Decimal digits only (no sign, no spaces, no leading '+'; leading zeros allowed), at most
 * 2^128 - 1. Returns OL_OK, OL_E_MALFORMED, OL_E_RANGE. */
ol_err ol_near_u128_parse(const char *s, size_t len, ol_near_u128 *out, ol_diag *d);
/* Decimal text; returns its length (NUL excluded). */
size_t ol_near_u128_format(ol_near_u128 v, char out[OL_NEAR_U128_STR_MAX]);

/* 1 NEAR = 10^24 yoctoNEAR. */
#define OL_NEAR_YOCTO_DECIMALS 24

/* Parses an amount for the command line:
 *   "<integer>" or "<integer> yocto" / "yoctoNEAR"  -> yoctoNEAR as written;
 *   "<decimal> NEAR" / "<decimal>NEAR" (case-insensitive unit, e.g. "1.5 NEAR", ".5 near")
 *                                                    -> decimal × 10^24, at most 24 fraction
 *                                                       digits (finer values are refused, never
 *                                                       rounded).
 * Returns OL_OK, OL_E_MALFORMED, OL_E_RANGE (above 2^128 - 1). */
ol_err ol_near_amount_parse(const char *s, size_t len, ol_near_u128 *out, ol_diag *d);
/* Writes yocto as NEAR: "1.5", "0.000000000000000000000001", "2" (no trailing zeros, no unit).
 * Returns the length (NUL excluded). */
size_t ol_near_amount_format_near(ol_near_u128 yocto, char out[OL_NEAR_AMOUNT_STR_MAX]);

/* ===================================== borsh ===================================== */

/* Writer: appends to an ol_near_buf (sticky errors, see above). Integers little-endian;
 * bytes/strings as u32 LE length ‖ data (OL_E_LIMIT if len > UINT32_MAX). */
void ol_near_borsh_put_u8(ol_near_buf *b, uint8_t v);
void ol_near_borsh_put_u32(ol_near_buf *b, uint32_t v);
void ol_near_borsh_put_u64(ol_near_buf *b, uint64_t v);
void ol_near_borsh_put_u128(ol_near_buf *b, ol_near_u128 v);
void ol_near_borsh_put_raw(ol_near_buf *b, const void *p, size_t len);      /* [u8; N] */
void ol_near_borsh_put_bytes(ol_near_buf *b, const uint8_t *p, size_t len); /* Vec<u8> */
void ol_near_borsh_put_str(ol_near_buf *b, const char *p, size_t len);      /* String */
void ol_near_borsh_put_public_key(ol_near_buf *b, const ol_near_public_key *pk);
void ol_near_borsh_put_signature(ol_near_buf *b, const ol_near_signature *sig);

/* Reader over p[0..len): never reads past len. Every getter names the field (`what`) in its
 * error and the offset where it failed; on error the outputs are untouched and the reader
 * position is unspecified. Errors: OL_E_MALFORMED (truncated, bad tag, bad UTF-8). */
typedef struct ol_near_borsh_reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
} ol_near_borsh_reader;

void ol_near_borsh_reader_init(ol_near_borsh_reader *r, const uint8_t *p, size_t len);
ol_err ol_near_borsh_get_u8(ol_near_borsh_reader *r, const char *what, uint8_t *out, ol_diag *d);
ol_err ol_near_borsh_get_u32(ol_near_borsh_reader *r, const char *what, uint32_t *out, ol_diag *d);
ol_err ol_near_borsh_get_u64(ol_near_borsh_reader *r, const char *what, uint64_t *out, ol_diag *d);
ol_err ol_near_borsh_get_u128(ol_near_borsh_reader *r, const char *what, ol_near_u128 *out,
                              ol_diag *d);
/* n raw bytes; *out points into the input. */
ol_err ol_near_borsh_get_raw(ol_near_borsh_reader *r, const char *what, size_t n,
                             const uint8_t **out, ol_diag *d);
/* Vec<u8>; out->p points into the input. */
ol_err ol_near_borsh_get_bytes(ol_near_borsh_reader *r, const char *what, ol_near_bytes *out,
                               ol_diag *d);
/* String (must be valid UTF-8); out->p points into the input (not NUL-terminated). */
ol_err ol_near_borsh_get_str(ol_near_borsh_reader *r, const char *what, ol_near_str *out,
                             ol_diag *d);
/* PublicKey / Signature: tag 0 ed25519 or 1 secp256k1; other tags OL_E_UNSUPPORTED. */
ol_err ol_near_borsh_get_public_key(ol_near_borsh_reader *r, const char *what,
                                    ol_near_public_key *out, ol_diag *d);
ol_err ol_near_borsh_get_signature(ol_near_borsh_reader *r, const char *what,
                                   ol_near_signature *out, ol_diag *d);
/* OL_OK if every byte was consumed, else OL_E_MALFORMED naming the trailing byte count. */
ol_err ol_near_borsh_expect_end(const ol_near_borsh_reader *r, const char *what, ol_diag *d);

/* ============================= access keys and actions ============================= */

/* AccessKey { nonce, permission }. permission: FullAccess, or FunctionCall with an optional
 * allowance, a receiver and method names (empty = any method). */
typedef struct ol_near_access_key {
    uint64_t nonce;
    bool full_access;
    /* FunctionCall permission (full_access == false): */
    bool has_allowance; /* false: None (unlimited) */
    ol_near_u128 allowance;
    ol_near_str receiver_id;         /* a borsh String in nearcore, not an AccountId */
    const ol_near_str *method_names; /* n_method_names entries */
    size_t n_method_names;
} ol_near_access_key;

/* Action variant index = borsh tag. */
typedef enum ol_near_action_kind {
    OL_NEAR_ACTION_CREATE_ACCOUNT = 0,
    OL_NEAR_ACTION_DEPLOY_CONTRACT = 1,
    OL_NEAR_ACTION_FUNCTION_CALL = 2,
    OL_NEAR_ACTION_TRANSFER = 3,
    OL_NEAR_ACTION_STAKE = 4,
    OL_NEAR_ACTION_ADD_KEY = 5,
    OL_NEAR_ACTION_DELETE_KEY = 6,
    OL_NEAR_ACTION_DELETE_ACCOUNT = 7,
    OL_NEAR_ACTION_DELEGATE = 8,
} ol_near_action_kind;

struct ol_near_signed_delegate;

typedef struct ol_near_action {
    ol_near_action_kind kind;
    union {
        struct {
            ol_near_bytes code;
        } deploy_contract;
        struct {
            ol_near_str method_name;
            ol_near_bytes args;
            uint64_t gas;
            ol_near_u128 deposit;
        } function_call;
        struct {
            ol_near_u128 deposit;
        } transfer;
        struct {
            ol_near_u128 stake;
            ol_near_public_key public_key;
        } stake;
        struct {
            ol_near_public_key public_key;
            ol_near_access_key access_key;
        } add_key;
        struct {
            ol_near_public_key public_key;
        } delete_key;
        struct {
            const char *beneficiary_id;
        } delete_account;
        struct {
            const struct ol_near_signed_delegate *signed_delegate;
        } delegate;
    };
} ol_near_action;

/* Name of a kind ("CreateAccount", "FunctionCall", ...); "?" for an unknown value. */
const char *ol_near_action_kind_name(ol_near_action_kind k);

/* ================================== transactions ================================== */

/* TransactionV0 (serialised without a leading tag). */
typedef struct ol_near_tx {
    const char *signer_id;
    ol_near_public_key public_key;
    uint64_t nonce;
    const char *receiver_id;
    uint8_t block_hash[OL_NEAR_HASH_LEN];
    const ol_near_action *actions;
    size_t n_actions;
} ol_near_tx;

typedef struct ol_near_signed_tx {
    ol_near_tx tx;
    ol_near_signature signature;
} ol_near_signed_tx;

/* Encoders append borsh to out and validate as they go: account ids by NEAR's rules, key and
 * signature types, nested Delegate inside a DelegateAction. Return OL_OK, OL_E_INVAL (invalid
 * field, named in the message), OL_E_NOMEM, OL_E_LIMIT. On error out may hold a partial
 * encoding (reset it before reuse). */
ol_err ol_near_access_key_encode(const ol_near_access_key *ak, ol_near_buf *out, ol_diag *d);
ol_err ol_near_action_encode(const ol_near_action *act, ol_near_buf *out, ol_diag *d);
ol_err ol_near_tx_encode(const ol_near_tx *tx, ol_near_buf *out, ol_diag *d);
ol_err ol_near_signed_tx_encode(const ol_near_signed_tx *stx, ol_near_buf *out, ol_diag *d);

/* tx_hash = sha256(borsh(tx)). a may be NULL. Returns as ol_near_tx_encode. */
ol_err ol_near_tx_hash(const ol_near_tx *tx, const ol_allocator *a, uint8_t hash[OL_NEAR_HASH_LEN],
                       ol_diag *d);

/* Signs tx with sk: hash = sha256(borsh(tx)), signature = ed25519(sk, hash). tx->public_key
 * must be sk's public key (OL_E_INVAL otherwise). Writes the hash and signature (either output
 * pointer may be NULL) and, if signed_out is not NULL, appends borsh(SignedTransaction) to it —
 * what send_tx takes, base64-encoded. Returns as ol_near_tx_encode. */
ol_err ol_near_tx_sign(const ol_near_tx *tx, const ol_near_secret_key *sk,
                       uint8_t hash[OL_NEAR_HASH_LEN], ol_near_signature *sig,
                       ol_near_buf *signed_out, ol_diag *d);

/* Verifies stx->signature over sha256(borsh(stx->tx)) with stx->tx.public_key. Returns OL_OK,
 * OL_E_INVAL (bad signature), OL_E_UNSUPPORTED, OL_E_NOMEM. */
ol_err ol_near_signed_tx_verify(const ol_near_signed_tx *stx, const ol_allocator *a, ol_diag *d);

/* Decoders read p[0..len) entirely (trailing bytes are an error) and place every string,
 * array and nested object in ar; account ids are validated and NUL-terminated, and strings
 * are checked to be UTF-8. Nothing in the result points into p. Return OL_OK, OL_E_MALFORMED
 * (truncated, bad tag, bad UTF-8, invalid account id, trailing bytes, nested Delegate),
 * OL_E_UNSUPPORTED (TransactionV1, action tags above 8, key types other than ed25519 and
 * secp256k1), OL_E_LIMIT (more than 65536 actions or method names), OL_E_NOMEM. On error *out is
 * untouched. */
ol_err ol_near_tx_decode(const uint8_t *p, size_t len, ol_near_arena *ar, ol_near_tx *out,
                         ol_diag *d);
ol_err ol_near_signed_tx_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                                ol_near_signed_tx *out, ol_diag *d);
/* A SignedTransaction or a bare Transaction: *is_signed tells which (for an unsigned one,
 * out->signature is zeroed). */
ol_err ol_near_tx_decode_any(const uint8_t *p, size_t len, ol_near_arena *ar,
                             ol_near_signed_tx *out, bool *is_signed, ol_diag *d);
ol_err ol_near_access_key_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                                 ol_near_access_key *out, ol_diag *d);

/* ============================ NEP-366 delegate actions ============================ */

typedef struct ol_near_delegate_action {
    const char *sender_id;
    const char *receiver_id;
    const ol_near_action *actions; /* Delegate (tag 8) is not allowed here */
    size_t n_actions;
    uint64_t nonce;
    uint64_t max_block_height;
    ol_near_public_key public_key;
} ol_near_delegate_action;

typedef struct ol_near_signed_delegate {
    ol_near_delegate_action delegate_action;
    ol_near_signature signature;
} ol_near_signed_delegate;

/* borsh(DelegateAction), without the NEP-461 prefix. */
ol_err ol_near_delegate_encode(const ol_near_delegate_action *da, ol_near_buf *out, ol_diag *d);
ol_err ol_near_signed_delegate_encode(const ol_near_signed_delegate *sd, ol_near_buf *out,
                                      ol_diag *d);
/* delegate_hash = sha256(u32 LE OL_NEAR_NEP366_PREFIX ‖ borsh(DelegateAction)). */
ol_err ol_near_delegate_hash(const ol_near_delegate_action *da, const ol_allocator *a,
                             uint8_t hash[OL_NEAR_HASH_LEN], ol_diag *d);
/* Signs the delegate hash; da->public_key must be sk's public key. Outputs as ol_near_tx_sign
 * (signed_out receives borsh(SignedDelegateAction), what gate.submit_intent takes in base64). */
ol_err ol_near_delegate_sign(const ol_near_delegate_action *da, const ol_near_secret_key *sk,
                             uint8_t hash[OL_NEAR_HASH_LEN], ol_near_signature *sig,
                             ol_near_buf *signed_out, ol_diag *d);
ol_err ol_near_signed_delegate_verify(const ol_near_signed_delegate *sd, const ol_allocator *a,
                                      ol_diag *d);
ol_err ol_near_delegate_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                               ol_near_delegate_action *out, ol_diag *d);
ol_err ol_near_signed_delegate_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                                      ol_near_signed_delegate *out, ol_diag *d);

/* ============================== NEP-413 messages ============================== */

/* Payload { message: String, nonce: [u8; 32], recipient: String, callback_url: Option<String> }.
 * callback_url.p == NULL means None. */
typedef struct ol_near_nep413_payload {
    ol_near_str message;
    uint8_t nonce[OL_NEAR_NEP413_NONCE_LEN];
    ol_near_str recipient;
    ol_near_str callback_url;
} ol_near_nep413_payload;

/* Appends u32 LE OL_NEAR_NEP413_PREFIX ‖ borsh(Payload): the preimage that is hashed. */
ol_err ol_near_nep413_preimage(const ol_near_nep413_payload *pl, ol_near_buf *out, ol_diag *d);
/* hash = sha256(preimage). */
ol_err ol_near_nep413_hash(const ol_near_nep413_payload *pl, const ol_allocator *a,
                           uint8_t hash[OL_NEAR_HASH_LEN], ol_diag *d);
/* signature = ed25519(sk, hash); hash may be NULL. */
ol_err ol_near_nep413_sign(const ol_near_nep413_payload *pl, const ol_near_secret_key *sk,
                           uint8_t hash[OL_NEAR_HASH_LEN], ol_near_signature *sig, ol_diag *d);
/* OL_OK if sig is pk's signature of the payload; OL_E_INVAL if not. (Whether pk is a
 * FullAccess key of the account is for the caller to check on chain.) */
ol_err ol_near_nep413_verify(const ol_near_nep413_payload *pl, const ol_near_public_key *pk,
                             const ol_near_signature *sig, const ol_allocator *a, ol_diag *d);

/* ====================================== JSON ====================================== */

/* The `--actions` JSON form (an array; amounts are decimal strings, gas a number, bytes base64):
 *   "CreateAccount"
 *   {"DeployContract":{"code_base64":"…"}}
 *   {"FunctionCall":{"method_name":"m","args_base64":"…" | "args_json":<any JSON>,
 *                    "gas":30000000000000,"deposit":"0"}}
 *   {"Transfer":{"deposit":"1"}}
 *   {"Stake":{"stake":"1","public_key":"ed25519:…"}}
 *   {"AddKey":{"public_key":"ed25519:…","access_key":{"nonce":0,"permission":"FullAccess"}}}
 *   {"AddKey":{"public_key":"…","access_key":{"nonce":0,"permission":{"FunctionCall":
 *       {"allowance":null | "<u128>","receiver_id":"r","method_names":["a","b"]}}}}}
 *   {"DeleteKey":{"public_key":"…"}}
 *   {"DeleteAccount":{"beneficiary_id":"…"}}
 *   {"Delegate":{"delegate_action":{"sender_id","receiver_id","actions":[…],"nonce",
 *                "max_block_height","public_key"},"signature":"ed25519:…"}}
 * args_json is serialised compactly (keys in their original order). "gas" and "nonce" may also
 * be decimal strings; amounts may also be written "1.5 NEAR" (ol_near_amount_parse). Unknown
 * keys are refused, so a typo never silently drops a field.
 * json[0..len) need not be NUL-terminated. Results live in ar. Returns OL_OK, OL_E_MALFORMED
 * (not JSON, or not this form: the message names the action index and field), OL_E_INVAL
 * (invalid account id, key, amount), OL_E_NOMEM. */
ol_err ol_near_actions_from_json(const char *json, size_t len, ol_near_arena *ar,
                                 const ol_near_action **actions, size_t *n_actions, ol_diag *d);
/* The same form, compact; *out is NUL-terminated and lives in ar. (FunctionCall args are
 * printed as args_base64.) */
ol_err ol_near_actions_to_json(const ol_near_action *actions, size_t n_actions, ol_near_arena *ar,
                               const char **out, ol_diag *d);
/* A transaction as JSON: {"signer_id","public_key","nonce","receiver_id","block_hash",
 * "actions":[…],"hash"} plus "signature" when sig is not NULL; "hash" is base58(tx_hash). */
ol_err ol_near_tx_to_json(const ol_near_tx *tx, const ol_near_signature *sig, ol_near_arena *ar,
                          const char **out, ol_diag *d);
/* A delegate action as JSON: {"sender_id","receiver_id","actions","nonce","max_block_height",
 * "public_key"} plus "signature" when sig is not NULL. */
ol_err ol_near_delegate_to_json(const ol_near_delegate_action *da, const ol_near_signature *sig,
                                ol_near_arena *ar, const char **out, ol_diag *d);

/* ================================ NEP-297 events ================================ */

/* A log line is an event iff it starts with exactly "EVENT_JSON:" followed by one JSON object
 * (surrounding whitespace allowed) with string members "standard", "version" and "event", and
 * an optional "data" of any type. */
typedef struct ol_near_event {
    const char *standard;
    const char *version;
    const char *event;
    const char *data_json; /* compact JSON of "data"; NULL when absent */
} ol_near_event;

#define OL_NEAR_EVENT_PREFIX "EVENT_JSON:"

/* Parses one log line line[0..len). Returns OL_OK (strings in ar), OL_E_NOTFOUND (not an
 * event: no prefix, bad JSON, not an object, a required member missing or not a string; the
 * message says which), OL_E_NOMEM. */
ol_err ol_near_event_parse(const char *line, size_t len, ol_near_arena *ar, ol_near_event *out,
                           ol_diag *d);

/* ============================ near-cli credential files ============================ */

/* {"account_id":"…","public_key":"ed25519:…","private_key":"ed25519:…"} */
typedef struct ol_near_credentials {
    char account_id[OL_NEAR_ACCOUNT_ID_MAX];
    ol_near_public_key public_key;
    ol_near_secret_key secret_key; /* key material: wipe with ol_near_credentials_wipe() */
} ol_near_credentials;

/* Reads a credentials file. "private_key" (or "secret_key", as some tools write) must be a
 * secret key whose public key equals "public_key"; account_id must be valid; other members are
 * ignored. Returns OL_OK, OL_E_IO, OL_E_MALFORMED, OL_E_INVAL. Messages never contain the key. */
ol_err ol_near_credentials_read(const char *path, ol_near_credentials *out, ol_diag *d);
/* Writes a credentials file with mode 0600, atomically (temporary file in the same directory,
 * fsync, then link/rename): the file is complete or absent, never partial. With
 * overwrite == false an existing file is left alone and OL_E_EXISTS returned. Returns OL_OK,
 * OL_E_EXISTS, OL_E_IO, OL_E_INVAL (invalid account id). */
ol_err ol_near_credentials_write(const char *path, const ol_near_credentials *c, bool overwrite,
                                 ol_diag *d);
/* "<home>/.near-credentials/<network>/<account_id>.json". network: [a-z0-9_-]+; account_id must
 * be valid (so the path cannot escape the directory). Returns OL_OK, OL_E_INVAL, OL_E_RANGE. */
ol_err ol_near_credentials_path(const char *home, const char *network, const char *account_id,
                                char *out, size_t cap, ol_diag *d);
void ol_near_credentials_wipe(ol_near_credentials *c);

#endif
