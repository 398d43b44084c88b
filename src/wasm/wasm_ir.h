/* Internal opcodes of the compiled code, generated from wasm_ops.def. Shared by the compiler
 * (which emits them) and the interpreter (which implements them). */
#ifndef OL_WASM_IR_H
#define OL_WASM_IR_H

#include "wasm_int.h"
#include "wasm_ops.def"

typedef enum ol__op {
#define OL__X_BIN(opc, name, ti, to, e) OL__OP_##name, OL__OP_##name##_ri,
    OL_WASM_BINOPS(OL__X_BIN)
#undef OL__X_BIN
#define OL__X_DIV(opc, name, t, s) OL__OP_##name, OL__OP_##name##_ri,
        OL_WASM_DIVOPS(OL__X_DIV)
#undef OL__X_DIV
#define OL__X_UN(opc, name, ti, to, e) OL__OP_##name,
            OL_WASM_UNOPS(OL__X_UN) OL_WASM_SATOPS(OL__X_UN)
#undef OL__X_UN
#define OL__X_TR(opc, name, ti, to, f) OL__OP_##name,
                OL_WASM_TRUNCOPS(OL__X_TR)
#undef OL__X_TR
#define OL__X_LD(opc, name, t, n, ct, conv) OL__OP_##name, OL__OP_##name##_rr, OL__OP_##name##_ri,
                    OL_WASM_LOADS(OL__X_LD)
#undef OL__X_LD
#define OL__X_ST(opc, name, t, n, ct) \
    OL__OP_##name, OL__OP_##name##_rr, OL__OP_##name##_ri, OL__OP_##name##_vi,
                        OL_WASM_STORES(OL__X_ST)
#undef OL__X_ST
#define OL__X_CMP(name, t, e, neg) OL__OP_br_##name, OL__OP_br_##name##_ri,
                            OL_WASM_CMPS(OL__X_CMP)
#undef OL__X_CMP
#define OL__X_MISC(name) OL__OP_##name,
                                OL_WASM_MISC_OPS(OL__X_MISC)
#undef OL__X_MISC
                                    OL__OP_COUNT
} ol__op;

/* The handler cell for an opcode: a label address (computed-goto build) or the opcode number
 * (switch build). Defined in wasm_exec.c. */
ol__cell ol__wasm_op_cell(ol__op op);

#endif
