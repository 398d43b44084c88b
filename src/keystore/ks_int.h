/* Keystore internals shared by the src/keystore files and exposed to its tests. Never included
 * outside src/keystore and tests. */
#ifndef OL_KS_INT_H
#define OL_KS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ol/keystore.h"

/* Seals with a caller-chosen ephemeral secret and nonce (deterministic test vectors and the
 * cross-implementation test). Same contract as ol_ks_seal() otherwise. */
ol_err ol__ks_seal_with(const uint8_t pk[OL_KS_PK_LEN], const uint8_t esk[32],
                        const uint8_t nonce[OL_KS_NONCE_LEN], const uint8_t *pt, size_t len,
                        uint8_t **out, size_t *out_len, ol_diag *d);

/* Decrypts with an explicit X25519 secret (the derived key); used by ol_ks_open() and tests. */
ol_err ol__ks_open_with(const uint8_t sk[32], const uint8_t *ct, size_t len, uint8_t **out,
                        size_t *out_len, ol_diag *d);

/* The accessor of a parsed JSON value (shape as ol_ks_accessor_parse()). */
ol_err ol__ks_accessor_from_json(const json_t *v, ol_ks_accessor *out, ol_diag *d);
/* Checks an accessor's fields (as ol_ks_accessor_parse() leaves them). */
ol_err ol__ks_accessor_check(const ol_ks_accessor *acc, ol_diag *d);
/* The reference JSON shape of an accessor (new reference; NULL when out of memory). */
json_t *ol__ks_accessor_to_json(const ol_ks_accessor *acc);

/* An access condition from a parsed JSON value. */
ol_err ol__ks_access_from_json(const json_t *v, unsigned flags, ol_ks_access **out, ol_diag *d);

/* Secrets validation on a parsed value. */
ol_err ol__ks_secrets_check(const json_t *v, unsigned flags, ol_diag *d);

/* True when s[0..len) is a NEAR account id (ol_near's rules). */
bool ol__ks_account_ok(const char *s, size_t len);

/* Copies a JSON string member into out[0..cap) (NUL-terminated). Missing, not a string,
 * containing NUL, empty (unless allow_empty) or too long: OL_E_INVAL naming `what`. */
ol_err ol__ks_json_str(const json_t *obj, const char *key, const char *what, bool allow_empty,
                       char *out, size_t cap, ol_diag *d);

#endif
