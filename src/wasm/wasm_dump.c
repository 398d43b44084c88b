/* A readable listing of compiled code, for engine developers (`outlayer wasm dump`). */
#include <stdio.h>

#include "wasm_int.h"
#include "wasm_ir.h"

static const char *const k_names[OL__OP_COUNT] = {
#define OL__N_BIN(opc, name, ti, to, e) #name, #name "_ri",
    OL_WASM_BINOPS(OL__N_BIN)
#undef OL__N_BIN
#define OL__N_DIV(opc, name, t, s) #name, #name "_ri",
        OL_WASM_DIVOPS(OL__N_DIV)
#undef OL__N_DIV
#define OL__N_UN(opc, name, ti, to, e) #name,
            OL_WASM_UNOPS(OL__N_UN) OL_WASM_SATOPS(OL__N_UN)
#undef OL__N_UN
#define OL__N_TR(opc, name, ti, to, f) #name,
                OL_WASM_TRUNCOPS(OL__N_TR)
#undef OL__N_TR
#define OL__N_LD(opc, name, t, n, ct, conv) #name, #name "_rr", #name "_ri",
                    OL_WASM_LOADS(OL__N_LD)
#undef OL__N_LD
#define OL__N_ST(opc, name, t, n, ct) #name, #name "_rr", #name "_ri", #name "_vi",
                        OL_WASM_STORES(OL__N_ST)
#undef OL__N_ST
#define OL__N_CMP(name, t, e, neg) "br_" #name, "br_" #name "_ri",
                            OL_WASM_CMPS(OL__N_CMP)
#undef OL__N_CMP
#define OL__N_MISC(name) #name,
                                OL_WASM_MISC_OPS(OL__N_MISC)
#undef OL__N_MISC
};

/* Finds the opcode of a handler cell (linear: this is a debugging aid). */
static int op_of(ol__cell c)
{
    for (int op = 0; op < OL__OP_COUNT; op++) {
        ol__cell k = ol__wasm_op_cell((ol__op)op);
        if (k.u64 == c.u64)
            return op;
    }
    return -1;
}

void ol__wasm_code_dump(void *out, const ol__code *code)
{
    FILE *f = out;
    fprintf(f, "func %u: params %u results %u locals %u frame %u entry-cost %u\n", code->func_index,
            code->nparams, code->nresults, code->nlocals, code->frame_slots, code->entry_cost);
    /* Instruction boundaries are the cells recorded in the offset map. */
    for (uint32_t i = 0; i < code->noffsets; i++) {
        uint32_t at = code->offsets[2 * i];
        uint32_t end = i + 1 < code->noffsets ? code->offsets[2 * i + 2] : code->ncells;
        int op = op_of(code->ir[at]);
        fprintf(f, "  %5u  @0x%05x  %-22s", at, code->offsets[2 * i + 1],
                op >= 0 ? k_names[op] : "?");
        for (uint32_t c = at + 1; c < end; c++)
            fprintf(f, " [%d %d]", code->ir[c].i32[0], code->ir[c].i32[1]);
        fputc('\n', f);
    }
}
