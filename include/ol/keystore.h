/* The keystore: per-code key derivation from a master secret, ECIES v1 (the reference's
 * ciphertext format), secrets JSON rules, generated secrets, access conditions and run grants.
 * docs/keystore.md describes the formats and the service built on this module.
 *
 * Keys. The 32-byte master secret lives in an ol_ks handle, in libsodium guarded memory
 * (sodium_malloc, read-only after loading) and is wiped when the handle is freed. Every key
 * derived from it lives only for the call that needs it, in guarded memory, and is wiped before
 * the call returns. No function of this module logs, and no error message ever contains key
 * material, a plaintext, or a secret value (secret *names* may appear).
 *
 * Seeds (compatible with the reference keystore):
 *     Project   "project:{project_id}:{owner}"
 *     WasmHash  "wasm_hash:{hash}:{owner}"                 (hash: 64 lowercase hex)
 *     Repo      "{normalized_repo}:{owner}" or "{normalized_repo}:{owner}:{branch}"
 * and the X25519 secret of a seed is HMAC-SHA256(master, "ecies:" || seed).
 *
 * Ciphertext (ECIES v1): 0x01 || ephemeral X25519 public key (32) || nonce (12) ||
 * ChaCha20-Poly1305-IETF ciphertext || tag (16); key = HKDF-SHA256(ikm = X25519 shared secret,
 * no salt, info "outlayer-keystore-v1", 32 bytes); no associated data; at most 10 MiB in all.
 *
 * Thread-safety: an ol_ks handle is immutable after ol_ks_new() and may be used by any number of
 * threads at once; an ol_ks_access tree likewise (evaluation does not modify it). Functions
 * require that sodium_init() succeeded (ol_ks_init() does it).
 */
#ifndef OL_KEYSTORE_H
#define OL_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/err.h"
#include "ol/near.h"

/* Initialises libsodium (idempotent). OL_OK or OL_E_INTERNAL. */
ol_err ol_ks_init(ol_diag *d);

/* ================================== sizes and limits ================================== */

#define OL_KS_MASTER_LEN       32
#define OL_KS_PK_LEN           32 /* X25519 public key */
#define OL_KS_NONCE_LEN        12
#define OL_KS_TAG_LEN          16
#define OL_KS_VERSION_V1       0x01
#define OL_KS_OVERHEAD         (1 + OL_KS_PK_LEN + OL_KS_NONCE_LEN + OL_KS_TAG_LEN) /* 61 */
#define OL_KS_MAX_CIPHERTEXT   (10u * 1024u * 1024u) /* whole ciphertext, header included */
#define OL_KS_HKDF_INFO        "outlayer-keystore-v1"
#define OL_KS_REPO_MAX         512  /* normalized repository, bytes */
#define OL_KS_BRANCH_MAX       255  /* as the reference contract */
#define OL_KS_PROJECT_ID_MAX   160  /* "{owner}/{name}" */
#define OL_KS_ID_MAX           128  /* call ids, worker ids */
#define OL_KS_PROFILE_MAX      64   /* profile names: [A-Za-z0-9_-]{1,64} */
#define OL_KS_SEED_MAX         1024 /* longest seed text, NUL excluded */
#define OL_KS_GENERATED_MAX    16   /* generation directives per request (reference) */
#define OL_KS_PASSWORD_MAX     1024 /* password:N upper bound */
#define OL_KS_PROTECTED_PREFIX "PROTECTED_"
#define OL_KS_GENERATE_PREFIX  "generate_outlayer_secret:"

/* =================================== the master key =================================== */

typedef struct ol_ks ol_ks;

/* Copies master[0..32) into guarded memory (the caller wipes its own copy). On OL_OK the caller
 * owns *out; release with ol_ks_free(). OL_E_NOMEM when guarded memory is unavailable. */
ol_err ol_ks_new(const uint8_t master[OL_KS_MASTER_LEN], ol_ks **out, ol_diag *d);

/* Reads a master key file: exactly 32 raw bytes, or 64 hex characters (one trailing newline
 * allowed). The file must not be readable by group or others (OL_E_INVAL otherwise). On OL_OK
 * the caller owns *out (ol_ks_free()). OL_E_IO, OL_E_INVAL, OL_E_NOMEM. */
ol_err ol_ks_load_file(const char *path, ol_ks **out, ol_diag *d);

/* Dev mode: loads path if it exists, else creates it (O_EXCL, mode 0600) with 32 fresh random
 * bytes and loads those. *created tells which (may be NULL). */
ol_err ol_ks_load_or_create_file(const char *path, ol_ks **out, bool *created, ol_diag *d);

/* Wipes the master and frees the handle. NULL is a no-op. */
void ol_ks_free(ol_ks *ks);

/* ===================================== accessors ===================================== */

/* The code identity a secret is bound to. The numeric values are the reference contract's
 * SecretAccessor variant order (System is not handled by this keystore). */
typedef enum ol_ks_accessor_kind {
    OL_KS_ACCESSOR_REPO = 0,
    OL_KS_ACCESSOR_WASM_HASH = 1,
    OL_KS_ACCESSOR_PROJECT = 2,
} ol_ks_accessor_kind;

/* A plain value: id is the normalized repository, the lowercase wasm hash, or the project id. */
typedef struct ol_ks_accessor {
    ol_ks_accessor_kind kind;
    char id[OL_KS_REPO_MAX + 1];
    bool has_branch; /* Repo only */
    char branch[OL_KS_BRANCH_MAX + 1];
} ol_ks_accessor;

/* The reference's repository normalisation: trim ASCII whitespace; drop one leading
 * "https://", "http://" or "ssh://"; then, if the rest starts with "git@", drop that and turn
 * every ':' into '/'; drop one trailing ".git". Writes a NUL-terminated string. OL_E_INVAL for an
 * empty result, OL_E_RANGE if it does not fit cap. */
ol_err ol_ks_normalize_repo(const char *repo, size_t len, char *out, size_t cap, ol_diag *d);

/* Parses the reference JSON shape: {"Repo":{"repo":"...","branch":"..."|null}},
 * {"WasmHash":{"hash":"<64 hex>"}} or {"Project":{"project_id":"owner/name"}}. The repository is
 * normalized and the hash lower-cased. OL_E_MALFORMED (not JSON), OL_E_INVAL (shape, values). */
ol_err ol_ks_accessor_parse(const char *json, size_t len, ol_ks_accessor *out, ol_diag *d);

/* The seed of (accessor, owner) (see the top of this file). owner must be a valid NEAR account
 * id. Writes a NUL-terminated string into out[0..cap) and its length into *out_len (may be
 * NULL). OL_E_INVAL, OL_E_RANGE. */
ol_err ol_ks_seed(const ol_ks_accessor *acc, const char *owner, char *out, size_t cap,
                  size_t *out_len, ol_diag *d);

/* The X25519 public key of a seed. OL_OK or OL_E_NOMEM (guarded memory). */
ol_err ol_ks_pubkey_for_seed(const ol_ks *ks, const char *seed, size_t seed_len,
                             uint8_t pk[OL_KS_PK_LEN], ol_diag *d);

/* The public key of (accessor, owner): ol_ks_seed() then ol_ks_pubkey_for_seed(). */
ol_err ol_ks_pubkey(const ol_ks *ks, const ol_ks_accessor *acc, const char *owner,
                    uint8_t pk[OL_KS_PK_LEN], ol_diag *d);

/* ====================================== ECIES v1 ====================================== */

/* HKDF-SHA256 (RFC 5869) built from HMAC-SHA256. salt may be NULL/0 (HashLen zero bytes).
 * out_len at most 255 * 32 (OL_E_INVAL otherwise). */
ol_err ol_ks_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                         const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len,
                         ol_diag *d);

/* Encrypts pt[0..len) to the X25519 public key pk (client side: a fresh ephemeral key and nonce
 * from the OS). On OL_OK the caller owns *out (free()). OL_E_LIMIT when the result would exceed
 * OL_KS_MAX_CIPHERTEXT, OL_E_INVAL for a low-order pk, OL_E_NOMEM. */
ol_err ol_ks_seal(const uint8_t pk[OL_KS_PK_LEN], const uint8_t *pt, size_t len, uint8_t **out,
                  size_t *out_len, ol_diag *d);

/* The parts of a ciphertext, borrowed from it. */
typedef struct ol_ks_sealed {
    const uint8_t *epk;   /* 32 bytes */
    const uint8_t *nonce; /* 12 bytes */
    const uint8_t *body;  /* ciphertext || tag */
    size_t body_len;      /* >= OL_KS_TAG_LEN */
} ol_ks_sealed;

/* Checks the framing only (version byte, sizes): OL_OK, OL_E_MALFORMED, OL_E_LIMIT. */
ol_err ol_ks_sealed_parse(const uint8_t *ct, size_t len, ol_ks_sealed *out, ol_diag *d);

/* Decrypts a ciphertext sealed to the key of seed. On OL_OK the caller owns *out (pt_len bytes
 * plus a NUL after them, malloc'd; release with ol_ks_wipe_free(*out, *out_len)). OL_E_MALFORMED
 * (framing), OL_E_INVAL (does not decrypt with this key: wrong seed, tampered), OL_E_NOMEM. */
ol_err ol_ks_open(const ol_ks *ks, const char *seed, size_t seed_len, const uint8_t *ct, size_t len,
                  uint8_t **out, size_t *out_len, ol_diag *d);

/* sodium_memzero(p, len) then free(p). NULL is a no-op. */
void ol_ks_wipe_free(void *p, size_t len);

/* =================================== secrets JSON =================================== */

/* The 26 names the platform sets itself (reference RESERVED_SECRET_KEYS / SYSTEM_ENV_VARS). */
extern const char *const ol_ks_reserved_names[];
extern const size_t ol_ks_reserved_count;
bool ol_ks_is_reserved_name(const char *name, size_t len);

#define OL_KS_SECRETS_ALLOW_PROTECTED  1u /* names may start with PROTECTED_ (decrypted data) */
#define OL_KS_SECRETS_ALLOW_DIRECTIVES 2u /* values may be generate_outlayer_secret:... */

/* Validates a secrets document: a JSON object whose values are strings; names 1..256 bytes
 * without '=', NUL or control characters; values without NUL; no reserved name; no
 * PROTECTED_ prefix unless allowed; generation directives only if allowed, then well formed and
 * at most OL_KS_GENERATED_MAX. The message names the offending secret (never its value).
 * OL_OK, OL_E_MALFORMED (not JSON), OL_E_INVAL. */
ol_err ol_ks_secrets_validate(const char *json, size_t len, unsigned flags, ol_diag *d);

/* Replaces every generation directive of a validated document by a fresh random value of its
 * kind, stored under "PROTECTED_" + its name, and merges `keep` (may be NULL: a previous
 * plaintext whose PROTECTED_ entries are carried over unchanged; other entries of keep are
 * dropped). A generated name that already exists in keep is refused (OL_E_EXISTS) unless
 * `replace` is true. On OL_OK the caller owns *out (compact JSON, NUL-terminated, malloc'd;
 * release with ol_ks_wipe_free(*out, *out_len)) and, when names != NULL, *names (a malloc'd
 * JSON text {"keys":[...],"generated":[...],"preserved":[...]} naming entries, never values;
 * free()). */
ol_err ol_ks_secrets_expand(const char *json, size_t len, const char *keep, size_t keep_len,
                            bool replace, char **out, size_t *out_len, char **names, ol_diag *d);

/* Process-wide: makes jansson wipe every block it frees (its parser buffers and strings may hold
 * plaintext). For the keystore daemon; call once in main() before threads start. */
void ol_ks_json_wipe_on_free(void);

/* ================================= access conditions ================================= */

typedef struct ol_ks_access ol_ks_access;

#define OL_KS_ACCESS_MAX_DEPTH   8    /* nesting of Logic/Not */
#define OL_KS_ACCESS_MAX_NODES   256  /* conditions in one tree */
#define OL_KS_ACCESS_MAX_LIST    1024 /* Whitelist accounts */
#define OL_KS_ACCESS_PATTERN_MAX 1024 /* AccountPattern bytes */

/* Parses an access condition (reference JSON): "AllowAll", {"Whitelist":{"accounts":[...]}},
 * {"AccountPattern":{"pattern":"..."}} (PCRE2, anchored at both ends, compiled now with limits),
 * {"Logic":{"operator":"And"|"Or","conditions":[...]}} (at least one), {"Not":{"condition":...}},
 * and the chain conditions {"NearBalance":{"operator":Op,"value":"yocto"}},
 * {"FtBalance":{"contract":acc,"operator":Op,"value":"n"}},
 * {"NftOwned":{"contract":acc,"token_id":s|null}}, {"DaoMember":{"dao_contract":acc,"role":s}}
 * with Op one of Gte Lte Gt Lt Eq Ne. Chain conditions are refused (OL_E_UNSUPPORTED, "needs a
 * NEAR RPC") unless OL_KS_ACCESS_ALLOW_CHAIN is given. On OL_OK the caller owns *out
 * (ol_ks_access_free()). OL_E_MALFORMED, OL_E_INVAL, OL_E_LIMIT, OL_E_UNSUPPORTED, OL_E_NOMEM. */
#define OL_KS_ACCESS_ALLOW_CHAIN 1u
ol_err ol_ks_access_parse(const char *json, size_t len, unsigned flags, ol_ks_access **out,
                          ol_diag *d);
void ol_ks_access_free(ol_ks_access *a);

/* Evaluates the condition for caller (a NEAR account id). *allowed is written on OL_OK only.
 * Logic short-circuits. A chain condition reached during evaluation gives OL_E_UNSUPPORTED
 * ("needs a NEAR RPC"); a pattern that exceeds its match limits gives OL_E_LIMIT. */
ol_err ol_ks_access_eval(const ol_ks_access *a, const char *caller, bool *allowed, ol_diag *d);

/* SHA-256 of the canonical JSON form of the tree (compact, object keys sorted), so two spellings
 * of one condition hash the same. OL_OK or OL_E_NOMEM. */
ol_err ol_ks_access_hash(const ol_ks_access *a, uint8_t out[32], ol_diag *d);

/* The canonical JSON text. On OL_OK the caller owns *out (free()). */
ol_err ol_ks_access_canonical(const ol_ks_access *a, char **out, size_t *out_len, ol_diag *d);

/* ==================================== run grants ==================================== */

/* A grant: the coordinator's statement that worker `worker_id` runs call `call_id` for `caller`
 * and may have the secret (accessor, profile, owner) whose ciphertext hashes to secret_sha256
 * and whose access condition hashes (ol_ks_access_hash) to access_sha256, until expires_at (unix
 * seconds). Its canonical serialisation and the JSON form are in docs/keystore.md. */
typedef struct ol_ks_grant {
    char call_id[OL_KS_ID_MAX + 1];
    char worker_id[OL_KS_ID_MAX + 1];
    ol_ks_accessor accessor;
    char profile[OL_KS_PROFILE_MAX + 1];
    char owner[OL_NEAR_ACCOUNT_ID_MAX];
    char caller[OL_NEAR_ACCOUNT_ID_MAX];
    uint64_t expires_at;
    uint8_t secret_sha256[32];
    uint8_t access_sha256[32];
} ol_ks_grant;

#define OL_KS_GRANT_DOMAIN  "outlayer-keystore-grant-v1"
#define OL_KS_GRANT_TTL_MAX 900u /* seconds: a verifier refuses grants that live longer */

/* Checks the fields (non-empty ids of printable ASCII, profile [A-Za-z0-9_-]{1,64}, valid
 * account ids). OL_OK or OL_E_INVAL. */
ol_err ol_ks_grant_check(const ol_ks_grant *g, ol_diag *d);

/* The canonical message that is hashed and signed. On OL_OK the caller owns *out (free()). */
ol_err ol_ks_grant_message(const ol_ks_grant *g, uint8_t **out, size_t *out_len, ol_diag *d);

/* Signs the grant with the coordinator key and writes its JSON form (with "signature"). On OL_OK
 * the caller owns *out (free()). */
ol_err ol_ks_grant_sign(const ol_ks_grant *g, const ol_near_secret_key *sk, char **out, ol_diag *d);

/* Parses the JSON form. OL_E_MALFORMED, OL_E_INVAL. */
ol_err ol_ks_grant_parse(const char *json, size_t len, ol_ks_grant *g, ol_near_signature *sig,
                         ol_diag *d);

/* Verifies: the signature by pk over the canonical message; now < expires_at <= now +
 * OL_KS_GRANT_TTL_MAX; and, when presenting_worker is not NULL, worker_id equals it. The keystore
 * passes NULL: it binds the grant to the worker with ol_ks_decrypt_request_verify() instead.
 * OL_OK or OL_E_INVAL with the reason (which names no secret). */
ol_err ol_ks_grant_verify(const ol_ks_grant *g, const ol_near_signature *sig,
                          const ol_near_public_key *pk, const char *presenting_worker, uint64_t now,
                          ol_diag *d);

/* The worker's proof that it is the worker the grant names. A grant's worker_id is the worker's
 * registered ed25519 public key ("ed25519:<base58>"); the worker signs, with that key,
 *     SHA-256(OL_KS_DECRYPT_DOMAIN || ol_ks_grant_message(g))
 * and sends it as "worker_signature" with POST /decrypt. A grant leaked to anyone else is useless
 * without the worker's secret key; bearer tokens only say "some worker". */
#define OL_KS_DECRYPT_DOMAIN "outlayer-keystore-decrypt-v1"

/* Signs the decrypt request for grant g with the worker key sk (ed25519). *out is written on
 * OL_OK only. OL_E_INVAL (grant fields), OL_E_NOMEM. */
ol_err ol_ks_decrypt_request_sign(const ol_ks_grant *g, const ol_near_secret_key *sk,
                                  ol_near_signature *out, ol_diag *d);

/* Verifies sig with the key named by g->worker_id. OL_OK; OL_E_INVAL when worker_id is not an
 * ed25519 public key or the signature does not verify (the message names neither key material
 * nor any secret); OL_E_NOMEM. */
ol_err ol_ks_decrypt_request_verify(const ol_ks_grant *g, const ol_near_signature *sig, ol_diag *d);

/* ============================ owner-signed requests (NEP-413) ============================
 * Secret operations on the coordinator are authorised by the owner's NEP-413 signature
 * (ol/near.h) over a message that names the operation and every input it acts on, with
 * recipient OL_KS_OWNER_RECIPIENT and a fresh 32-byte nonce (refused when replayed). The
 * message is this text, one field per line, '\n' after every line:
 *
 *     outlayer-owner-request-v1
 *     op: secrets.put | secrets.delete | secrets.list
 *     owner: <account id>
 *     accessor: <normalized compact accessor JSON, or "-" for list>
 *     profile: <profile, or "-" for list>
 *     ciphertext_sha256: <64 lowercase hex of the uploaded ciphertext, or "-">
 *     access_sha256: <64 lowercase hex of ol_ks_access_hash(), or "-">
 *     replace_protected: true | false
 *     timestamp_ms: <decimal unix milliseconds>
 *
 * A verifier rebuilds the text from the request itself (never trusts a message sent along) and
 * refuses a timestamp more than OL_KS_OWNER_MAX_SKEW_MS away from its clock. */

#define OL_KS_OWNER_RECIPIENT   "outlayer"
#define OL_KS_OWNER_MAX_SKEW_MS 300000u

typedef struct ol_ks_owner_op {
    const char *op;                   /* "secrets.put", "secrets.delete", "secrets.list" */
    const char *owner;                /* account id */
    const char *accessor;             /* normalized compact JSON; NULL for list */
    const char *profile;              /* NULL for list */
    const uint8_t *ciphertext_sha256; /* 32 bytes; NULL unless put */
    const uint8_t *access_sha256;     /* 32 bytes; NULL unless put */
    bool replace_protected;
    uint64_t timestamp_ms;
} ol_ks_owner_op;

/* The message text above. On OL_OK the caller owns *out (NUL-terminated; free()).
 * OL_E_INVAL (unknown op, a field containing a newline), OL_E_NOMEM. */
ol_err ol_ks_owner_message(const ol_ks_owner_op *op, char **out, size_t *out_len, ol_diag *d);

/* The accessor's normalized compact JSON text (the form secrets are stored and signed under):
 * {"Project":{"project_id":"..."}}, {"WasmHash":{"hash":"..."}},
 * {"Repo":{"repo":"...","branch":"..."|null}}. On OL_OK the caller owns *out (free()). */
ol_err ol_ks_accessor_json(const ol_ks_accessor *acc, char **out, ol_diag *d);

/* ================================== the HTTP service ================================== */

/* Routes (docs/keystore.md): GET /health (no auth); POST /pubkey (coordinator or worker token);
 * POST /decrypt (worker token + grant + worker_signature by the key the grant names);
 * POST /secrets/prepare (coordinator token). */
typedef struct ol_ks_service_config {
    const char *coordinator_public_key;   /* "ed25519:<base58>"; NULL/"": /decrypt refuses */
    const char *coordinator_token_sha256; /* comma-separated hex SHA-256 of coordinator tokens */
    const char *worker_tokens;            /* comma-separated [LABEL:]hex SHA-256 of a worker's
                                           * token; LABEL only names the worker in logs */
    size_t max_body;                      /* request body cap; 0 = OL_KS_MAX_BODY_DEFAULT */
} ol_ks_service_config;

/* Two base64 ciphertexts of the maximum size plus JSON around them. */
#define OL_KS_MAX_BODY_DEFAULT (2u * ((OL_KS_MAX_CIPHERTEXT + 2u) / 3u * 4u) + 65536u)

typedef struct ol_ks_service ol_ks_service;

/* ks is borrowed and must outlive the service. On OL_OK the caller owns *out
 * (ol_ks_service_free()). OL_E_INVAL names the bad option (never a token). */
ol_err ol_ks_service_new(const ol_ks *ks, const ol_ks_service_config *cfg, ol_ks_service **out,
                         ol_diag *d);
void ol_ks_service_free(ol_ks_service *s);
size_t ol_ks_service_max_body(const ol_ks_service *s);

typedef struct ol_ks_req {
    const char *method;
    const char *path;
    const char *authorization; /* the Authorization header; NULL when absent */
    const uint8_t *body;
    size_t body_len;
    bool body_too_large;
} ol_ks_req;

/* body is malloc'd (may hold plaintext): release with ol_ks_resp_fini(), which wipes it. */
typedef struct ol_ks_resp {
    unsigned status;
    char *body;
    size_t body_len;
} ol_ks_resp;

/* The pure handler: request + current unix time -> response. Thread-safe. */
void ol_ks_service_handle(const ol_ks_service *s, const ol_ks_req *req, uint64_t now,
                          ol_ks_resp *resp);
void ol_ks_resp_fini(ol_ks_resp *r);

/* The libmicrohttpd glue: a thread pool on host:port (0 = ephemeral; *bound gets the port). */
typedef struct ol_ks_server ol_ks_server;
ol_err ol_ks_server_start(const ol_ks_service *s, const char *host, uint16_t port, unsigned threads,
                          ol_ks_server **out, uint16_t *bound, ol_diag *d);
void ol_ks_server_stop(ol_ks_server *srv);

#endif
