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

#endif
