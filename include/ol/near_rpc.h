/* NEAR JSON-RPC client (libcurl + jansson).
 *
 * One `ol_near_rpc` handle talks to one RPC endpoint (a nearcore node, a provider, or the local
 * sandbox). Every call is a JSON-RPC 2.0 POST; results come back as jansson values exactly as the
 * node sent them, so nothing is lost between nearcore's shapes and the caller.
 *
 * Errors. Whatever went wrong is described by one value type, `ol_near_rpc_error`:
 *   - the structured envelope `{"error":{"name","cause":{"name","info"},"code","message","data"}}`,
 *   - the legacy view-call shape `{"result":{"error":"<text>","logs":[],...}}`,
 *   - transport failures (connection refused, timeouts), HTTP statuses without a JSON-RPC body,
 *     and responses that are not JSON-RPC at all (malformed or truncated),
 * all end up as (kind, cause name, message). Both shapes of a view-call error give the same cause
 * and message: a contract failure is CONTRACT_EXECUTION_ERROR with the VM error text, a missing
 * account UNKNOWN_ACCOUNT, a missing key UNKNOWN_ACCESS_KEY.
 *
 * Retries. HTTP 429 and 5xx, the node's TIMEOUT_ERROR and transient transport failures (timeout,
 * connection reset, empty or cut-off reply) are retried with exponential backoff, bounded both in
 * attempts and in total time (ol_near_rpc_opts). Resending an identical signed transaction is safe:
 * the same hash applies once. A refused connection or an unresolvable host is not retried, so a
 * wrong URL fails at once.
 *
 * Thread-safety: a handle is thread-compatible: use one per thread (the handle owns a curl easy
 * handle and its connection cache). Different handles may be used concurrently.
 */
#ifndef OL_NEAR_RPC_H
#define OL_NEAR_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ol/err.h"
#include "ol/near.h"

typedef struct ol_near_rpc ol_near_rpc;

/* ---- options ---- */

/* Limits and timeouts of a client. Every field has a default (ol_near_rpc_opts_default); zero
 * values passed to ol_near_rpc_new() are replaced by the defaults. */
typedef struct ol_near_rpc_opts {
    long connect_timeout_ms; /* TCP (+TLS) connect, per attempt. Default 10 000 */
    long request_timeout_ms; /* one whole attempt, connect included. Default 60 000 */
    long total_timeout_ms;   /* one call with all its retries and backoff. Default 120 000 */
    unsigned max_attempts;   /* attempts per call, the first included (1 = no retry; at most
                              * 100). Default 5 */
    long backoff_initial_ms; /* delay before the second attempt; doubles each time. Default 250 */
    long backoff_max_ms;     /* cap on one delay (also on a server's Retry-After). Default 8 000 */
    size_t max_response_len; /* larger response bodies fail with OL_E_LIMIT. Default 64 MiB */
    unsigned max_nonce_retries; /* signer helper: resends after InvalidNonce (at most 100).
                                 * Default 3 */
} ol_near_rpc_opts;

/* Fills `o` with the defaults above. */
void ol_near_rpc_opts_default(ol_near_rpc_opts *o);

/* ---- the error value ---- */

typedef enum ol_near_rpc_err_kind {
    OL_NEAR_RPC_ERR_NONE = 0,  /* no error recorded */
    OL_NEAR_RPC_ERR_TRANSPORT, /* no HTTP response: refused, unresolvable, timed out, reset */
    OL_NEAR_RPC_ERR_HTTP,      /* an HTTP error status without a JSON-RPC error body */
    OL_NEAR_RPC_ERR_RESPONSE,  /* a response that is not JSON-RPC: malformed, truncated, too big */
    OL_NEAR_RPC_ERR_SERVER,    /* the node answered with an error (either shape) */
} ol_near_rpc_err_kind;

/* What went wrong in one call. A plain value: no ownership, copyable. Strings are always
 * NUL-terminated and truncated to fit. */
typedef struct ol_near_rpc_error {
    ol_near_rpc_err_kind kind;
    /* SERVER: the envelope's "name": HANDLER_ERROR, REQUEST_VALIDATION_ERROR, INTERNAL_ERROR;
     * "" for the legacy result.error shape and for envelopes without a name. */
    char name[48];
    /* SERVER: the cause name, e.g. UNKNOWN_ACCOUNT, CONTRACT_EXECUTION_ERROR, TIMEOUT_ERROR,
     * INVALID_TRANSACTION, PARSE_ERROR; inferred for the legacy shape; "" when unknown.
     * TRANSPORT/HTTP/RESPONSE: "" */
    char cause[48];
    /* The most specific human-readable text: the VM error for contract failures, the node's
     * "data" text, or the compact JSON of a structured "data" (e.g. the TxExecutionError). */
    char message[1024];
    /* INVALID_TRANSACTION (or an outcome's InvalidTxError): the InvalidTxError variant
     * ("InvalidNonce", "Expired", "InvalidSignature", "NotEnoughBalance", ...); "" otherwise. */
    char tx_error[48];
    uint64_t ak_nonce; /* tx_error "InvalidNonce": the access key's current nonce */
    long code;         /* the JSON-RPC "code" (-32000 ...), 0 if none */
    long http_status;  /* status of the last HTTP response, 0 if none arrived */
    unsigned attempts; /* HTTP attempts made by the failing call */
    bool legacy;       /* SERVER: came as the legacy {"result":{"error":"..."}} shape */
} ol_near_rpc_error;

/* Clears `e` (NULL allowed). */
void ol_near_rpc_error_clear(ol_near_rpc_error *e);

/* "transport", "http", "response", "server", "none". Static strings. */
const char *ol_near_rpc_err_kind_name(ol_near_rpc_err_kind k);

/* True if `e` is a SERVER error whose cause name is `cause`. */
bool ol_near_rpc_error_is(const ol_near_rpc_error *e, const char *cause);

/* ---- client lifetime ---- */

/* Creates a client for `url` (http:// or https://; copied). `opts` may be NULL for defaults.
 * Returns: OL_OK, OL_E_INVAL (bad URL or options), OL_E_NOMEM, OL_E_INTERNAL (libcurl could not
 * be initialised).
 * Ownership: on OL_OK the caller owns `*out`; release with ol_near_rpc_free().
 * Thread-safety: may be called from any thread; the first call initialises libcurl once. */
ol_err ol_near_rpc_new(const char *url, const ol_near_rpc_opts *opts, ol_near_rpc **out,
                       ol_diag *d);

/* Frees a client; NULL is a no-op. */
void ol_near_rpc_free(ol_near_rpc *c);

/* The endpoint URL. Borrowed; valid until ol_near_rpc_free(c). */
const char *ol_near_rpc_url(const ol_near_rpc *c);

/* The options in effect (defaults filled in). */
void ol_near_rpc_get_opts(const ol_near_rpc *c, ol_near_rpc_opts *out);

/* ---- block references ---- */

typedef enum ol_near_rpc_block_kind {
    OL_NEAR_RPC_FINAL = 0,    /* "finality":"final" (a zeroed reference means this) */
    OL_NEAR_RPC_OPTIMISTIC,   /* "finality":"optimistic" */
    OL_NEAR_RPC_NEAR_FINAL,   /* "finality":"near-final" */
    OL_NEAR_RPC_BLOCK_HEIGHT, /* "block_id": <height> */
    OL_NEAR_RPC_BLOCK_HASH,   /* "block_id": "<base58 hash>" */
} ol_near_rpc_block_kind;

/* Which block a query reads. Functions taking a `const ol_near_rpc_block_ref *` accept NULL for
 * finality "final". */
typedef struct ol_near_rpc_block_ref {
    ol_near_rpc_block_kind kind;
    uint64_t height;  /* OL_NEAR_RPC_BLOCK_HEIGHT */
    const char *hash; /* OL_NEAR_RPC_BLOCK_HASH: base58 text; borrowed for the call */
} ol_near_rpc_block_ref;

/* Parses "final", "optimistic", "near-final", a decimal height, or a base58 block hash (32
 * bytes) into `out` (out->hash points into `s`).
 * Returns: OL_OK, OL_E_INVAL (none of those). */
ol_err ol_near_rpc_block_ref_parse(const char *s, ol_near_rpc_block_ref *out, ol_diag *d);

/* ---- wait levels for send_tx / tx / EXPERIMENTAL_tx_status ---- */

typedef enum ol_near_rpc_wait {
    OL_NEAR_RPC_WAIT_NONE = 0,
    OL_NEAR_RPC_WAIT_INCLUDED,
    OL_NEAR_RPC_WAIT_EXECUTED_OPTIMISTIC, /* nearcore's default */
    OL_NEAR_RPC_WAIT_INCLUDED_FINAL,
    OL_NEAR_RPC_WAIT_EXECUTED,
    OL_NEAR_RPC_WAIT_FINAL,
} ol_near_rpc_wait;

/* "NONE", "INCLUDED", ... as nearcore spells them. Static strings; NULL for a bad value. */
const char *ol_near_rpc_wait_name(ol_near_rpc_wait w);

/* Parses a wait level name (exact, upper case). Returns false if `s` is not one. */
bool ol_near_rpc_wait_parse(const char *s, ol_near_rpc_wait *out);

/* ---- calls ----
 *
 * Common contract of every call below:
 * Returns: OL_OK;
 *   OL_E_NOTFOUND  the node reports the thing missing (UNKNOWN_ACCOUNT, UNKNOWN_ACCESS_KEY,
 *                  UNKNOWN_BLOCK, UNKNOWN_TRANSACTION, UNKNOWN_RECEIPT, UNKNOWN_CHUNK,
 *                  UNKNOWN_EPOCH, NO_CONTRACT_CODE);
 *   OL_E_INVAL     bad arguments, or the node rejected the request (REQUEST_VALIDATION_ERROR,
 *                  INVALID_ACCOUNT, INVALID_TRANSACTION, ...);
 *   OL_E_STATE     any other error the node reports (CONTRACT_EXECUTION_ERROR, TIMEOUT_ERROR
 *                  after the last retry, INTERNAL_ERROR, ...);
 *   OL_E_IO        transport failure or an HTTP error status;
 *   OL_E_MALFORMED the response is not a JSON-RPC response (bad JSON, truncated, no result);
 *   OL_E_LIMIT     the response exceeds max_response_len;
 *   OL_E_NOMEM.
 * On failure `*e` (may be NULL) says what went wrong and `d` (may be NULL) carries one line
 * naming the method and the error.
 * Ownership: on OL_OK the caller owns `*result`; release with json_decref(). Outputs are written
 * only on success.
 */

/* Any method: POSTs {"jsonrpc":"2.0","id":"dontcare","method":method,"params":params} and
 * returns the "result" member. `params` is borrowed (NULL sends []). Retries as described at the
 * top of this file. The legacy result.error shape is only recognised for method "query". */
ol_err ol_near_rpc_call(ol_near_rpc *c, const char *method, json_t *params, json_t **result,
                        ol_near_rpc_error *e, ol_diag *d);

/* `status`: chain_id, protocol_version, sync_info ... */
ol_err ol_near_rpc_status(ol_near_rpc *c, json_t **result, ol_near_rpc_error *e, ol_diag *d);

/* `block` at `ref` (NULL = final): author, header {height, hash, ...}, chunks. */
ol_err ol_near_rpc_block(ol_near_rpc *c, const ol_near_rpc_block_ref *ref, json_t **result,
                         ol_near_rpc_error *e, ol_diag *d);

/* `gas_price` at a block height or hash, or the latest ([null]) when `ref` is NULL or a finality.
 * Result: {"gas_price":"<yocto per gas>"}. */
ol_err ol_near_rpc_gas_price(ol_near_rpc *c, const ol_near_rpc_block_ref *ref, json_t **result,
                             ol_near_rpc_error *e, ol_diag *d);

/* `query view_account`: amount, locked, code_hash, storage_usage, block_height, block_hash. */
ol_err ol_near_rpc_view_account(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                                const char *account_id, json_t **result, ol_near_rpc_error *e,
                                ol_diag *d);

/* `query view_access_key` for `public_key` ("ed25519:<base58>"): nonce, permission, block_*. */
ol_err ol_near_rpc_view_access_key(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                                   const char *account_id, const char *public_key, json_t **result,
                                   ol_near_rpc_error *e, ol_diag *d);

/* `query view_access_key_list`: {"keys":[{"public_key","access_key"}], block_*}. */
ol_err ol_near_rpc_view_access_key_list(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                                        const char *account_id, json_t **result,
                                        ol_near_rpc_error *e, ol_diag *d);

/* `query call_function` of `method` on `contract_id` with the raw argument bytes (usually JSON;
 * args_len 0 allowed). Result: {"result":[bytes],"logs":[...],block_*}; a contract failure in
 * either shape is an OL_E_STATE error with cause CONTRACT_EXECUTION_ERROR.
 * See ol_near_rpc_result_bytes() to get the returned bytes. */
ol_err ol_near_rpc_call_function(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                                 const char *contract_id, const char *method, const uint8_t *args,
                                 size_t args_len, json_t **result, ol_near_rpc_error *e,
                                 ol_diag *d);

/* `query view_state` of the keys starting with `prefix` (prefix_len 0 = all):
 * {"values":[{"key":"<b64>","value":"<b64>"}], block_*}. */
ol_err ol_near_rpc_view_state(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                              const char *account_id, const uint8_t *prefix, size_t prefix_len,
                              bool include_proof, json_t **result, ol_near_rpc_error *e,
                              ol_diag *d);

/* `query view_code`: {"code_base64","hash",block_*}. */
ol_err ol_near_rpc_view_code(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                             const char *account_id, json_t **result, ol_near_rpc_error *e,
                             ol_diag *d);

/* `send_tx` of a borsh SignedTransaction, waiting until `wait`. At NONE/INCLUDED/INCLUDED_FINAL
 * the node answers {"final_execution_status":...} only; at EXECUTED_OPTIMISTIC and above the
 * FinalExecutionOutcome. A transaction that executed and failed is still OL_OK: look at
 * result.status (ol_near_rpc_outcome_failure()). */
ol_err ol_near_rpc_send_tx(ol_near_rpc *c, const uint8_t *signed_tx, size_t signed_tx_len,
                           ol_near_rpc_wait wait, json_t **result, ol_near_rpc_error *e,
                           ol_diag *d);

/* `broadcast_tx_async`: submits without waiting. On OL_OK the caller owns `*tx_hash`, the base58
 * transaction hash the node returned (free()). */
ol_err ol_near_rpc_broadcast_tx_async(ol_near_rpc *c, const uint8_t *signed_tx,
                                      size_t signed_tx_len, char **tx_hash, ol_near_rpc_error *e,
                                      ol_diag *d);

/* `tx`: the outcome of transaction `tx_hash` (base58) sent by `sender_id`, waiting until `wait`. */
ol_err ol_near_rpc_tx(ol_near_rpc *c, const char *tx_hash, const char *sender_id,
                      ol_near_rpc_wait wait, json_t **result, ol_near_rpc_error *e, ol_diag *d);

/* `EXPERIMENTAL_tx_status`: like ol_near_rpc_tx() plus "receipts"; at early wait levels it still
 * returns the receipts_outcome seen so far (use it for yield-creating transactions). */
ol_err ol_near_rpc_tx_status(ol_near_rpc *c, const char *tx_hash, const char *sender_id,
                             ol_near_rpc_wait wait, json_t **result, ol_near_rpc_error *e,
                             ol_diag *d);

/* ---- reading results ---- */

/* The bytes a call_function result carries in "result" (a JSON array of 0..255 numbers).
 * Returns: OL_OK, OL_E_MALFORMED (not such an array), OL_E_NOMEM.
 * Ownership: on OL_OK the caller owns `*data` (free(); NULL when *len is 0). */
ol_err ol_near_rpc_result_bytes(const json_t *call_result, uint8_t **data, size_t *len, ol_diag *d);

/* If `outcome` (a FinalExecutionOutcome) has status {"Failure": ...}, fills `e` (kind SERVER,
 * cause "ActionError" or "InvalidTxError", message = the compact JSON of the failure, tx_error and
 * ak_nonce for InvalidTxError) and returns true; otherwise returns false and leaves `e` alone. */
bool ol_near_rpc_outcome_failure(const json_t *outcome, ol_near_rpc_error *e);

/* The final block's height and 32-byte hash (`block finality:final`).
 * Returns: as the calls, plus OL_E_MALFORMED when header.height/header.hash are missing or bad. */
ol_err ol_near_rpc_final_block(ol_near_rpc *c, uint64_t *height, uint8_t hash[OL_NEAR_HASH_LEN],
                               ol_near_rpc_error *e, ol_diag *d);

/* The current nonce of access key `public_key` of `account_id` at finality final.
 * Returns: as the calls, plus OL_E_MALFORMED when "nonce" is missing or not an integer. */
ol_err ol_near_rpc_access_key_nonce(ol_near_rpc *c, const char *account_id, const char *public_key,
                                    uint64_t *nonce, ol_near_rpc_error *e, ol_diag *d);

/* ---- the signer helper ---- */

/* Signs and sends one transaction the way a worker does:
 *   1. reads the access key's nonce (view_access_key at finality final) and the final block
 *      hash (block finality:final);
 *   2. builds TransactionV0 {signer_id, public key of sk, nonce + 1, receiver_id, block hash,
 *      actions}, signs it (sha256 of the borsh, ed25519) and sends it with send_tx/`wait`;
 *   3. on InvalidNonce (a concurrent sender used the nonce) re-reads the nonce and sends again
 *      with max(fresh nonce, ak_nonce reported) + 1, at most opts.max_nonce_retries times.
 *      If the rejected send had been retried at the HTTP level, an earlier copy may have landed:
 *      the transaction is first looked up by hash (`tx`) and its outcome returned if known, so a
 *      transaction is never executed twice.
 * The HTTP-level retries of ol_near_rpc_call() apply to each request.
 * A transaction that executed and failed is OL_OK with its outcome (see
 * ol_near_rpc_outcome_failure()).
 * Returns: as the calls; OL_E_INVAL also for invalid account ids or actions (checked before
 * anything is sent).
 * Ownership: on OL_OK the caller owns `*outcome` (json_decref()); `tx_hash` (may be NULL) gets
 * the base58 hash of the transaction that was accepted. `sk` is borrowed and never copied into
 * messages or logs. */
ol_err ol_near_rpc_sign_and_send(ol_near_rpc *c, const char *signer_id,
                                 const ol_near_secret_key *sk, const char *receiver_id,
                                 const ol_near_action *actions, size_t n_actions,
                                 ol_near_rpc_wait wait, json_t **outcome,
                                 char tx_hash[OL_NEAR_HASH_STR_MAX], ol_near_rpc_error *e,
                                 ol_diag *d);

#endif
