/* Private to src/chain/vm_*.c: shared between preparation and the host-function table. */
#ifndef OL_CHAIN_VM_INT_H
#define OL_CHAIN_VM_INT_H

#include "chain_vm.h"
#include "ol/wasm.h"

/* PrepareError variants (and LinkError) of contract preparation. */
typedef enum vm_prep_err {
    VM_PREP_OK = 0,
    VM_PREP_DESERIALIZATION,
    VM_PREP_INSTANTIATE,
    VM_PREP_MEMORY,
    VM_PREP_TOO_MANY_FUNCTIONS,
    VM_PREP_TOO_MANY_LOCALS,
    VM_PREP_LINK,
} vm_prep_err;

/* Validates and rewrites code as nearcore does. Returns OL_OK with *perr == VM_PREP_OK and *out
 * (caller owns; ol_wasm_module_free), or OL_OK with *perr set (msg holds a LinkError's text),
 * or OL_E_NOMEM. */
ol_err ol__chain_vm_prepare(const ol_chain_params *prm, const uint8_t *code, size_t len,
                            ol_wasm_module **out, vm_prep_err *perr, char *msg, size_t msg_cap);

/* Index of the host function called name in the table, or -1. */
int ol__chain_vm_host_find(const char *name, size_t len);
/* Whether the import's type is the host function's. */
bool ol__chain_vm_host_type_eq(int idx, const ol_wasm_functype *t);

/* secp256k1 public-key recovery (vm_crypto.c) for ecrecover: the key that signed the 32-byte
 * hash with signature r||s and recovery id v (bit 0: parity of R.y, bit 1: R.x = r + n), with
 * near-crypto's range checks (r < n; s < n, or s <= n/2 when reject_high_s). Returns 1 with the
 * uncompressed key x||y (no 0x04 tag) in out, 0 when no key is recovered, -1 when OpenSSL
 * cannot allocate. */
int ol__chain_secp256k1_recover(const uint8_t hash[32], const uint8_t sig[64], unsigned v,
                                bool reject_high_s, uint8_t out[64]);
/* Whether r||s is a P-256 signature at all (0 < r, s < n): nearcore stops with 0 before reading
 * the message otherwise. */
bool ol__chain_p256_sig_parses(const uint8_t sig[64]);
/* ECDSA P-256 verification of r||s over msg taken as the prehash (as RustCrypto's
 * verify_prehash: < 16 bytes invalid, > 32 bytes cut to 32), with pk a 33-byte compressed SEC1
 * key. Returns 1 valid, 0 invalid (including a key that is not on the curve), -1 when OpenSSL
 * cannot allocate. */
int ol__chain_p256_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
                          const uint8_t pk[33]);

#endif
