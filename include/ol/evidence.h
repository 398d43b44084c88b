/* The evidence record of an HTTPS-path run (docs/platform-protocol.md, "Evidence record"): its
 * canonical serialisation, ed25519 signature, verification and parsing.
 *
 * One module shared by every party that handles a record: the worker signs it, the coordinator
 * verifies a worker's record against the worker's registered key before accepting a result, and
 * `outlayer verify` checks it again. It depends only on common and near (keys, signatures),
 * libsodium and jansson, so the worker and the coordinator use the same code without depending
 * on each other.
 *
 * Invariant: the canonical text is a pure function of the record's field values; parsing the
 * canonical text of a record gives back the same record, and serialising again gives the same
 * bytes, so a signature made over one serialisation verifies over the other.
 *
 * Thread-safety: every function is a pure function of its arguments.
 */
#ifndef OL_EVIDENCE_H
#define OL_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/err.h"
#include "ol/near.h"

#define OL_EVIDENCE_VERSION       1
#define OL_EVIDENCE_DOMAIN        "outlayer-evidence-v1\n"
#define OL_EVIDENCE_CANONICAL_MAX 4096 /* canonical text of any valid record, NUL included */

/* Field sizes (without the NUL). The coordinator's store uses the same (ol/coord.h checks). */
#define OL_EVIDENCE_ID_MAX      64  /* call and worker ids */
#define OL_EVIDENCE_PROJECT_MAX 129 /* "owner/name": 64 + 1 + 64 */
#define OL_EVIDENCE_SHA_HEX     64  /* lowercase hex SHA-256 */
#define OL_EVIDENCE_STATUS_MAX  32  /* "ok", "out_of_fuel", ... */
#define OL_EVIDENCE_PUBKEY_MAX  128 /* "ed25519:<base58>" */

/* The record of docs/platform-protocol.md ("Evidence record"). Strings are NUL-terminated;
 * hashes are lowercase hex SHA-256. */
typedef struct ol_evidence_record {
    uint32_t version; /* OL_EVIDENCE_VERSION */
    char call_id[OL_EVIDENCE_ID_MAX + 1];
    char project_id[OL_EVIDENCE_PROJECT_MAX + 1];
    char wasm_sha256[OL_EVIDENCE_SHA_HEX + 1];
    char input_sha256[OL_EVIDENCE_SHA_HEX + 1];
    char output_sha256[OL_EVIDENCE_SHA_HEX + 1];
    char transcript_sha256[OL_EVIDENCE_SHA_HEX + 1];
    uint64_t instructions; /* at most INT64_MAX (JSON integers are read as int64) */
    char status[OL_EVIDENCE_STATUS_MAX + 1];
    uint32_t exit_code;
    char worker_id[OL_EVIDENCE_ID_MAX + 1];
    char worker_public_key[OL_EVIDENCE_PUBKEY_MAX + 1]; /* "ed25519:<base58>" */
} ol_evidence_record;

/* Lowercase hex of a 32-byte hash into out (65 bytes with the NUL). */
void ol_evidence_hex(const uint8_t hash[32], char out[OL_EVIDENCE_SHA_HEX + 1]);

/* Checks a record's fields (version 1, 64-hex hashes, non-empty ids, a parseable ed25519 key,
 * instructions <= INT64_MAX). OL_OK or OL_E_INVAL naming the field. */
ol_err ol_evidence_check(const ol_evidence_record *r, ol_diag *d);

/* The canonical serialisation (keys sorted by byte value, no whitespace, integers in decimal,
 * strings escaping only '"', '\\' and control characters, \uXXXX lowercase for controls other
 * than \n \r \t \b \f) into out[0..cap), NUL-terminated, length in *len (may be NULL).
 * OL_OK, OL_E_INVAL (record fails ol_evidence_check), OL_E_RANGE (cap too small). */
ol_err ol_evidence_canonical(const ol_evidence_record *r, char *out, size_t cap, size_t *len,
                             ol_diag *d);

/* Signs OL_EVIDENCE_DOMAIN || canonical(r) with sk (ed25519) and writes "ed25519:<base58>" to
 * sig. OL_OK, OL_E_INVAL (record or key type). */
ol_err ol_evidence_sign(const ol_evidence_record *r, const ol_near_secret_key *sk,
                        char sig[OL_NEAR_KEY_STR_MAX], ol_diag *d);

/* Verifies `signature` ("ed25519:<base58>") over the record with pk, or with the record's own
 * worker_public_key when pk is NULL. OL_OK; OL_E_INVAL (bad record or signature text);
 * OL_E_STATE (the signature does not verify). */
ol_err ol_evidence_verify(const ol_evidence_record *r, const char *signature,
                          const ol_near_public_key *pk, ol_diag *d);

/* Parses the envelope {"record": {...}, "signature": "..."} (record with exactly the keys of
 * the protocol, right types) from json[0..len). sig may be NULL. Does not verify.
 * OL_OK, OL_E_MALFORMED (not JSON / wrong shape, naming the key), OL_E_INVAL (field values). */
ol_err ol_evidence_parse(const char *json, size_t len, ol_evidence_record *out,
                         char sig[OL_NEAR_KEY_STR_MAX], ol_diag *d);

/* Writes the envelope {"record":<canonical>,"signature":"..."} (malloc'd, NUL-terminated).
 * On OL_OK the caller owns *out (free()). OL_E_INVAL, OL_E_NOMEM. */
ol_err ol_evidence_envelope(const ol_evidence_record *r, const char *signature, char **out,
                            size_t *len, ol_diag *d);

/* ol_evidence_parse() on an envelope already parsed by jansson (borrowed; a json_t). For
 * callers that receive the evidence inside a larger JSON body (the completion). */
struct json_t;
ol_err ol_evidence_from_json(struct json_t *env, ol_evidence_record *out,
                             char sig[OL_NEAR_KEY_STR_MAX], ol_diag *d);

#endif
