/* Private helpers shared by the files of src/near. Never included outside the module. */
#ifndef OL_NEAR_INT_H
#define OL_NEAR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/near.h"

/* Upper bound on element counts the borsh decoders accept for one Vec (actions, method names):
 * far above nearcore's limits (100 actions per receipt, 2000 bytes of method names), low enough
 * that a hostile count cannot make the decoder allocate more than a few MiB. */
#define OL__NEAR_MAX_VEC 65536u

/* True if p[0..len) is valid UTF-8 as Rust's str::from_utf8 defines it: shortest forms only,
 * no surrogates, nothing above U+10FFFF. */
bool ol__near_utf8_valid(const uint8_t *p, size_t len);

/* "ed25519" / "secp256k1" for a key type; NULL for an unknown one. */
const char *ol__near_key_type_name(ol_near_key_type t);

/* The text form "<type>:<base58 data>" of n key bytes; returns its length. */
size_t ol__near_key_text(ol_near_key_type t, const uint8_t *data, size_t n,
                         char out[OL_NEAR_KEY_STR_MAX]);

/* Validates an account id given as a NUL-terminated C string, naming the field in the error
 * (NULL is an error too). Returns OL_OK or OL_E_INVAL. */
ol_err ol__near_account_field(const char *what, const char *id, ol_diag *d);

/* sha256(prefix_u32_le ‖ borsh) where borsh is produced by enc(obj) (prefix 0: no prefix). */
typedef ol_err (*ol__near_encode_fn)(const void *obj, ol_near_buf *out, ol_diag *d);
ol_err ol__near_hash_of(ol__near_encode_fn enc, const void *obj, uint32_t prefix,
                        const ol_allocator *a, uint8_t hash[OL_NEAR_HASH_LEN], ol_diag *d);

#endif
