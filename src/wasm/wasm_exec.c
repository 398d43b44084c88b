/* The interpreter: one dispatch loop over the compiled code (see wasm_compile.c), written once
 * with macros that build either a `switch` or computed goto (OL_USE_JUMPTABLE).
 *
 * Hot state lives in locals: pc, fp (frame base), the memory base and length, and fuel. They
 * are written back to the store only when leaving the loop (return, trap, host call).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "wasm_int.h"
#include "wasm_ir.h"
#include "wasm_num.h"

#ifndef OL_WASM_METERING
#define OL_WASM_METERING 1
#endif
#ifndef OL_USE_JUMPTABLE
#define OL_USE_JUMPTABLE 0
#endif

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "linear memory accesses assume a little-endian host");

/* Slot access: `off` is a byte offset from the frame base. */
#define S(off) (*(uint64_t *)((char *)fp + (off)))

#define CT_I32 uint32_t
#define CT_I64 uint64_t
#define CT_F32 float
#define CT_F64 double
#define CT_B32 uint32_t
#define CT_B64 uint64_t

/* Slots hold f32 in their low 32 bits and f64 as is (bit views from wasm_num.h). */
#define bits_f32(v) ol__num_f32_from_bits((uint32_t)(v))
#define bits_f64(v) ol__num_f64_from_bits(v)
#define f32_slot(f) ((uint64_t)ol__num_f32_bits(f))
#define f64_slot(f) ol__num_f64_bits(f)

#define RD_I32(off)    ((uint32_t)S(off))
#define RD_I64(off)    (S(off))
#define RD_F32(off)    bits_f32(S(off))
#define RD_F64(off)    bits_f64(S(off))
#define RD_B32(off)    RD_I32(off)
#define RD_B64(off)    RD_I64(off)
#define IM_I32(v)      ((uint32_t)(v))
#define IM_I64(v)      ((uint64_t)(v))
#define IM_F32(v)      bits_f32(v)
#define IM_F64(v)      bits_f64(v)
#define IM_B32(v)      IM_I32(v)
#define IM_B64(v)      IM_I64(v)
#define WR_I32(off, v) (S(off) = (uint64_t)(uint32_t)(v))
#define WR_I64(off, v) (S(off) = (uint64_t)(v))
#define WR_F32(off, v) (S(off) = f32_slot(v))
#define WR_F64(off, v) (S(off) = f64_slot(v))
#define WR_B32(off, v) WR_I32(off, v)
#define WR_B64(off, v) WR_I64(off, v)

/* Trapping integer division, named after the instruction. */
static inline ol_wasm_trap_kind ex_i32_div_s(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0)
        return OL_WASM_TRAP_DIV_BY_ZERO;
    if (a == 0x80000000u && b == 0xffffffffu)
        return OL_WASM_TRAP_INT_OVERFLOW;
    *r = ol__i32_div_s(a, b);
    return OL_WASM_TRAP_NONE;
}
static inline ol_wasm_trap_kind ex_i32_div_u(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0)
        return OL_WASM_TRAP_DIV_BY_ZERO;
    *r = a / b;
    return OL_WASM_TRAP_NONE;
}
static inline ol_wasm_trap_kind ex_i32_rem_s(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0)
        return OL_WASM_TRAP_DIV_BY_ZERO;
    *r = ol__i32_rem_s(a, b);
    return OL_WASM_TRAP_NONE;
}
static inline ol_wasm_trap_kind ex_i32_rem_u(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0)
        return OL_WASM_TRAP_DIV_BY_ZERO;
    *r = a % b;
    return OL_WASM_TRAP_NONE;
}
static inline ol_wasm_trap_kind ex_i64_div_s(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0)
        return OL_WASM_TRAP_DIV_BY_ZERO;
    if (a == 0x8000000000000000u && b == UINT64_MAX)
        return OL_WASM_TRAP_INT_OVERFLOW;
    *r = ol__i64_div_s(a, b);
    return OL_WASM_TRAP_NONE;
}
static inline ol_wasm_trap_kind ex_i64_div_u(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0)
        return OL_WASM_TRAP_DIV_BY_ZERO;
    *r = a / b;
    return OL_WASM_TRAP_NONE;
}
static inline ol_wasm_trap_kind ex_i64_rem_s(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0)
        return OL_WASM_TRAP_DIV_BY_ZERO;
    *r = ol__i64_rem_s(a, b);
    return OL_WASM_TRAP_NONE;
}
static inline ol_wasm_trap_kind ex_i64_rem_u(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0)
        return OL_WASM_TRAP_DIV_BY_ZERO;
    *r = a % b;
    return OL_WASM_TRAP_NONE;
}

/* Zeroes a callee's locals. Every frame has at least one (the compiler's zero slot), and most
 * have a few: stores inline instead of a libc call on the hottest path of calls. */
static inline void zero_locals(uint64_t *p, uint32_t n)
{
    if (OL_LIKELY(n <= 4)) {
        p[0] = 0;
        if (n > 1)
            p[1] = 0;
        if (n > 2)
            p[2] = 0;
        if (n > 3)
            p[3] = 0;
        return;
    }
    memset(p, 0, (size_t)n * sizeof *p);
}

/* i32/f32 slots hold their value in the low 32 bits with the upper bits zero; values that come
 * from outside (host arguments and results) are normalised to that. */
static inline uint64_t normalise(ol_wasm_valtype t, uint64_t v)
{
    return (t == OL_WASM_I32 || t == OL_WASM_F32) ? (uint64_t)(uint32_t)v : v;
}

/* ---------------------------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------------------------- */
#if OL_USE_JUMPTABLE
#define OP(name) L_##name:
#define NEXT()   goto * pc->h
#else
#define OP(name) case OL__OP_##name:
#define NEXT()   goto dispatch
#endif

#define TRAP(kind)                \
    do {                          \
        tk = OL_WASM_TRAP_##kind; \
        goto trap;                \
    } while (0)
#define TRAP_K(k)  \
    do {           \
        tk = (k);  \
        goto trap; \
    } while (0)

#if OL_WASM_METERING
#define CHARGE(k)                   \
    do {                            \
        uint64_t k_ = (k);          \
        if (OL_UNLIKELY(fuel < k_)) \
            TRAP(OUT_OF_FUEL);      \
        fuel -= k_;                 \
    } while (0)
#else
#define CHARGE(k) ((void)(k))
#endif

#define CHECK_INTERRUPT()                                                  \
    do {                                                                   \
        if (OL_UNLIKELY(atomic_load_explicit(intr, memory_order_relaxed))) \
            TRAP(INTERRUPTED);                                             \
    } while (0)

/* A taken branch: charge the block it enters, honour interrupts, jump. */
#define TAKE(rel, cost)       \
    do {                      \
        CHARGE(cost);         \
        CHECK_INTERRUPT();    \
        pc += (int32_t)(rel); \
        NEXT();               \
    } while (0)

#define RELOAD_MEM()                    \
    do {                                \
        ol_wasm_memory *m_ = inst->mem; \
        mem = m_ ? m_->data : NULL;     \
        mlen = m_ ? m_->len : 0;        \
    } while (0)

#define A32  pc[1].u32[0]
#define B32  pc[1].u32[1]
#define C32  pc[2].u32[0]
#define D32  pc[2].u32[1]
#define E32  pc[3].u32[0]
#define F32F pc[3].u32[1]

/* Runs `code` with frame fp until its return. With table_out non-NULL, only reports the label
 * table of the computed-goto build. */
static ol_err run(ol_wasm_store *s, ol_wasm_instance *inst, const ol__code *code, uint64_t *fp,
                  ol_wasm_trap *trap, const void *const **table_out)
{
#if OL_USE_JUMPTABLE
    static const void *const labels[OL__OP_COUNT] = {
#define OL__L_BIN(opc, name, ti, to, e) &&L_##name, &&L_##name##_ri,
        OL_WASM_BINOPS(OL__L_BIN)
#undef OL__L_BIN
#define OL__L_DIV(opc, name, t, sg) &&L_##name, &&L_##name##_ri,
            OL_WASM_DIVOPS(OL__L_DIV)
#undef OL__L_DIV
#define OL__L_UN(opc, name, ti, to, e) &&L_##name,
                OL_WASM_UNOPS(OL__L_UN) OL_WASM_SATOPS(OL__L_UN)
#undef OL__L_UN
#define OL__L_TR(opc, name, ti, to, f) &&L_##name,
                    OL_WASM_TRUNCOPS(OL__L_TR)
#undef OL__L_TR
#define OL__L_LD(opc, name, t, n, ct, conv) &&L_##name, &&L_##name##_rr, &&L_##name##_ri,
                        OL_WASM_LOADS(OL__L_LD)
#undef OL__L_LD
#define OL__L_ST(opc, name, t, n, ct) &&L_##name, &&L_##name##_rr, &&L_##name##_ri, &&L_##name##_vi,
                            OL_WASM_STORES(OL__L_ST)
#undef OL__L_ST
#define OL__L_CMP(name, t, e, neg) &&L_br_##name, &&L_br_##name##_ri,
                                OL_WASM_CMPS(OL__L_CMP)
#undef OL__L_CMP
#define OL__L_MISC(name) &&L_##name,
                                    OL_WASM_MISC_OPS(OL__L_MISC)
#undef OL__L_MISC
    };
    if (table_out != NULL) {
        *table_out = labels;
        return OL_OK;
    }
#else
    (void)table_out;
#endif
    const ol__cell *pc = code->ir;
    uint8_t *mem;
    uint64_t mlen;
    uint64_t fuel = s->fuel;
    atomic_bool *intr = &s->interrupt;
    ol__frame *frames = s->frames;
    uint32_t depth = s->depth;
    const uint32_t base_depth = depth;
    const uint32_t nframes = s->nframes;
    uint64_t *const stack_end = s->stack_end;
    ol_wasm_trap_kind tk = OL_WASM_TRAP_NONE;
    /* Call target state shared by the call instructions. */
    ol_wasm_func *cf;
    uint64_t *nfp;
    const ol__cell *ret;

    RELOAD_MEM();
    if (depth >= nframes)
        TRAP(STACK_EXHAUSTED);
    frames[depth++] = (ol__frame){NULL, fp, inst, code}; /* sentinel: returning here exits */

#if OL_USE_JUMPTABLE
    NEXT();
#else
dispatch:
    switch ((ol__op)pc->u64) {
#endif

    /* ---- pure operators ---- */
#define OL__H_BIN(opc, name, ti, to, expr)                \
    OP(name)                                              \
    {                                                     \
        CT_##ti a = RD_##ti(A32), b = RD_##ti(B32);       \
        WR_##to(C32, (expr));                             \
        pc += 3;                                          \
        NEXT();                                           \
    }                                                     \
    OP(name##_ri)                                         \
    {                                                     \
        CT_##ti a = RD_##ti(A32), b = IM_##ti(pc[2].u64); \
        WR_##to(B32, (expr));                             \
        pc += 3;                                          \
        NEXT();                                           \
    }
    OL_WASM_BINOPS(OL__H_BIN)
#undef OL__H_BIN

#define OL__H_DIV(opc, name, t, sg)                                           \
    OP(name)                                                                  \
    {                                                                         \
        CT_##t r = 0;                                                         \
        ol_wasm_trap_kind k_ = ex_##name(RD_##t(A32), RD_##t(B32), &r);       \
        if (OL_UNLIKELY(k_ != OL_WASM_TRAP_NONE))                             \
            TRAP_K(k_);                                                       \
        WR_##t(C32, r);                                                       \
        pc += 3;                                                              \
        NEXT();                                                               \
    }                                                                         \
    OP(name##_ri)                                                             \
    {                                                                         \
        CT_##t r = 0;                                                         \
        ol_wasm_trap_kind k_ = ex_##name(RD_##t(A32), IM_##t(pc[2].u64), &r); \
        if (OL_UNLIKELY(k_ != OL_WASM_TRAP_NONE))                             \
            TRAP_K(k_);                                                       \
        WR_##t(B32, r);                                                       \
        pc += 3;                                                              \
        NEXT();                                                               \
    }
    OL_WASM_DIVOPS(OL__H_DIV)
#undef OL__H_DIV

#define OL__H_UN(opc, name, ti, to, expr) \
    OP(name)                              \
    {                                     \
        CT_##ti a = RD_##ti(A32);         \
        WR_##to(B32, (expr));             \
        pc += 2;                          \
        NEXT();                           \
    }
    OL_WASM_UNOPS(OL__H_UN)
    OL_WASM_SATOPS(OL__H_UN)
#undef OL__H_UN

#define OL__H_TR(opc, name, ti, to, fn)              \
    OP(name)                                         \
    {                                                \
        CT_##to r = 0;                               \
        ol_wasm_trap_kind k_ = fn(RD_##ti(A32), &r); \
        if (OL_UNLIKELY(k_ != OL_WASM_TRAP_NONE))    \
            TRAP_K(k_);                              \
        WR_##to(B32, r);                             \
        pc += 2;                                     \
        NEXT();                                      \
    }
    OL_WASM_TRUNCOPS(OL__H_TR)
#undef OL__H_TR

    /* ---- memory ---- */
/* Loads and stores come in three forms: address in a slot; address = slot + slot; address =
 * slot + immediate (the last two fuse an i32.add, keeping its 32-bit wrap-around). */
#define OL__LOAD_AT(ea_expr, dst, n, ct, conv) \
    {                                          \
        uint64_t ea = (ea_expr);               \
        if (OL_UNLIKELY(ea + (n) > mlen))      \
            TRAP(MEMORY_OOB);                  \
        ct v;                                  \
        memcpy(&v, mem + ea, n);               \
        S(dst) = (conv);                       \
        pc += 3;                               \
        NEXT();                                \
    }
#define OL__H_LD(opc, name, t, n, ct, conv)                                              \
    OP(name)                                                                             \
    OL__LOAD_AT((uint64_t)RD_I32(A32) + C32, B32, n, ct, conv)                           \
    OP(name##_rr)                                                                        \
    OL__LOAD_AT((uint64_t)(uint32_t)(RD_I32(A32) + RD_I32(B32)) + D32, C32, n, ct, conv) \
    OP(name##_ri)                                                                        \
    OL__LOAD_AT((uint64_t)(uint32_t)(RD_I32(A32) + C32) + D32, B32, n, ct, conv)
    OL_WASM_LOADS(OL__H_LD)
#undef OL__H_LD

#define OL__STORE_AT(ea_expr, val_expr, n, ct) \
    {                                          \
        uint64_t ea = (ea_expr);               \
        if (OL_UNLIKELY(ea + (n) > mlen))      \
            TRAP(MEMORY_OOB);                  \
        ct v = (ct)(val_expr);                 \
        memcpy(mem + ea, &v, n);               \
        pc += 3;                               \
        NEXT();                                \
    }
#define OL__H_ST(opc, name, t, n, ct)                                                  \
    OP(name)                                                                           \
    OL__STORE_AT((uint64_t)RD_I32(A32) + C32, S(B32), n, ct)                           \
    OP(name##_rr)                                                                      \
    OL__STORE_AT((uint64_t)(uint32_t)(RD_I32(A32) + RD_I32(B32)) + D32, S(C32), n, ct) \
    OP(name##_ri)                                                                      \
    OL__STORE_AT((uint64_t)(uint32_t)(RD_I32(A32) + C32) + D32, S(B32), n, ct)         \
    OP(name##_vi)                                                                      \
    OL__STORE_AT((uint64_t)RD_I32(A32) + B32, pc[2].u64, n, ct)
    OL_WASM_STORES(OL__H_ST)
#undef OL__H_ST

    /* ---- compare and branch ---- */
#define OL__H_CMP(name, t, expr, neg)                  \
    OP(br_##name)                                      \
    {                                                  \
        CT_##t a = RD_##t(A32), b = RD_##t(B32);       \
        if (expr)                                      \
            TAKE(pc[2].i32[0], D32);                   \
        CHARGE(E32);                                   \
        pc += 4;                                       \
        NEXT();                                        \
    }                                                  \
    OP(br_##name##_ri)                                 \
    {                                                  \
        CT_##t a = RD_##t(A32), b = IM_##t(pc[2].u64); \
        if (expr)                                      \
            TAKE(pc[3].i32[0], F32F);                  \
        CHARGE(B32);                                   \
        pc += 4;                                       \
        NEXT();                                        \
    }
    OL_WASM_CMPS(OL__H_CMP)
#undef OL__H_CMP

    OP(br)
    {
        TAKE(pc[1].i32[0], B32);
    }
    OP(br_nz)
    {
        if (RD_I32(A32) != 0)
            TAKE(pc[2].i32[0], D32);
        CHARGE(B32);
        pc += 3;
        NEXT();
    }
    OP(br_z)
    {
        if (RD_I32(A32) == 0)
            TAKE(pc[2].i32[0], D32);
        CHARGE(B32);
        pc += 3;
        NEXT();
    }
    OP(br_nz64)
    {
        if (RD_I64(A32) != 0)
            TAKE(pc[2].i32[0], D32);
        CHARGE(B32);
        pc += 3;
        NEXT();
    }
    OP(br_z64)
    {
        if (RD_I64(A32) == 0)
            TAKE(pc[2].i32[0], D32);
        CHARGE(B32);
        pc += 3;
        NEXT();
    }
    OP(br_table)
    {
        uint32_t i = RD_I32(A32);
        if (i > B32)
            i = B32;
        const ol__cell *e = &pc[2 + i];
        TAKE(e->i32[0], e->u32[1]);
    }
    OP(unreachable)
    {
        TRAP(UNREACHABLE);
    }

    /* ---- moves ---- */
    OP(copy)
    {
        S(B32) = S(A32);
        pc += 2;
        NEXT();
    }
    OP(copy2)
    {
        S(B32) = S(A32);
        S(D32) = S(C32);
        pc += 3;
        NEXT();
    }
    OP(i32_shr_u_and)
    {
        WR_I32(B32, (RD_I32(A32) >> (C32 & 31)) & D32);
        pc += 3;
        NEXT();
    }
    OP(const32)
    {
        S(A32) = B32;
        pc += 2;
        NEXT();
    }
    OP(const64)
    {
        S(A32) = pc[2].u64;
        pc += 3;
        NEXT();
    }
    OP(select)
    {
        S(D32) = RD_I32(C32) ? S(A32) : S(B32);
        pc += 3;
        NEXT();
    }
    OP(global_get)
    {
        S(A32) = inst->globals[B32]->value;
        pc += 2;
        NEXT();
    }
    OP(global_set)
    {
        inst->globals[B32]->value = S(A32);
        pc += 2;
        NEXT();
    }
    OP(ref_func)
    {
        S(A32) = (uint64_t)(uintptr_t)inst->funcs[B32];
        pc += 2;
        NEXT();
    }
    OP(ref_is_null)
    {
        WR_I32(B32, S(A32) == 0);
        pc += 2;
        NEXT();
    }

    /* ---- calls ---- */
    OP(call)
    {
        const ol__code *cc = pc[2].h;
        nfp = (uint64_t *)((char *)fp + A32);
        if (OL_UNLIKELY(depth >= nframes || nfp + cc->frame_slots > stack_end))
            TRAP(STACK_EXHAUSTED);
        CHARGE(cc->entry_cost);
        CHECK_INTERRUPT();
        frames[depth++] = (ol__frame){pc + 3, fp, inst, code};
        zero_locals(nfp + cc->nparams, cc->nlocals - cc->nparams);
        fp = nfp;
        code = cc;
        pc = cc->ir;
        NEXT();
    }
    OP(call_func)
    {
        cf = inst->funcs[B32];
        nfp = (uint64_t *)((char *)fp + A32);
        ret = pc + 2;
        goto call_any;
    }
    OP(call_indirect)
    {
        ol_wasm_table *t = inst->tables[B32];
        uint32_t i = RD_I32(D32);
        if (OL_UNLIKELY(i >= t->size))
            TRAP(UNDEFINED_ELEMENT);
        cf = (ol_wasm_func *)(uintptr_t)t->elems[i];
        if (OL_UNLIKELY(cf == NULL))
            TRAP(INDIRECT_NULL);
        if (OL_UNLIKELY(cf->sig != inst->type_sig[C32]))
            TRAP(INDIRECT_TYPE);
        nfp = (uint64_t *)((char *)fp + A32);
        ret = pc + 3;
        goto call_any;
    }
    OP(return_)
    {
        const ol__frame *fr = &frames[--depth];
        if (fr->ret_pc == NULL)
            goto done;
        pc = fr->ret_pc;
        fp = fr->fp;
        code = fr->code;
        inst = fr->inst;
        RELOAD_MEM();
        NEXT();
    }

    /* ---- memory instructions ---- */
    OP(memory_size)
    {
        WR_I32(A32, inst->mem->pages);
        pc += 2;
        NEXT();
    }
    OP(memory_grow)
    {
        int64_t r = ol__wasm_memory_grow(inst->mem, RD_I32(A32));
        WR_I32(B32, (uint32_t)r);
        RELOAD_MEM();
        pc += 2;
        NEXT();
    }
    OP(memory_fill)
    {
        uint64_t d = RD_I32(A32), n = RD_I32(C32);
        if (OL_UNLIKELY(d + n > mlen))
            TRAP(MEMORY_OOB);
        CHARGE(n / 64);
        memset(mem + d, (int)(uint8_t)RD_I32(B32), (size_t)n);
        pc += 3;
        NEXT();
    }
    OP(memory_copy)
    {
        uint64_t d = RD_I32(A32), sr = RD_I32(B32), n = RD_I32(C32);
        if (OL_UNLIKELY(d + n > mlen || sr + n > mlen))
            TRAP(MEMORY_OOB);
        CHARGE(n / 64);
        memmove(mem + d, mem + sr, (size_t)n);
        pc += 3;
        NEXT();
    }
    OP(memory_init)
    {
        uint64_t d = RD_I32(A32), sr = RD_I32(B32), n = RD_I32(C32);
        uint32_t seg = D32;
        if (OL_UNLIKELY(sr + n > inst->data_len[seg] || d + n > mlen))
            TRAP(MEMORY_OOB);
        CHARGE(n / 64);
        if (n != 0)
            memcpy(mem + d, inst->module->datas[seg].bytes + sr, (size_t)n);
        pc += 3;
        NEXT();
    }
    OP(data_drop)
    {
        inst->data_len[A32] = 0;
        pc += 2;
        NEXT();
    }

    /* ---- tables ---- */
    OP(table_get)
    {
        ol_wasm_table *t = inst->tables[C32];
        uint32_t i = RD_I32(A32);
        if (OL_UNLIKELY(i >= t->size))
            TRAP(TABLE_OOB);
        S(B32) = t->elems[i];
        pc += 3;
        NEXT();
    }
    OP(table_set)
    {
        ol_wasm_table *t = inst->tables[C32];
        uint32_t i = RD_I32(A32);
        if (OL_UNLIKELY(i >= t->size))
            TRAP(TABLE_OOB);
        t->elems[i] = S(B32);
        pc += 3;
        NEXT();
    }
    OP(table_size)
    {
        WR_I32(A32, inst->tables[B32]->size);
        pc += 2;
        NEXT();
    }
    OP(table_grow)
    {
        uint32_t n = RD_I32(B32);
        CHARGE(n / 8);
        int64_t r = ol__wasm_table_grow(inst->tables[D32], n, S(A32));
        WR_I32(C32, (uint32_t)r);
        pc += 3;
        NEXT();
    }
    OP(table_fill)
    {
        ol_wasm_table *t = inst->tables[D32];
        uint64_t i = RD_I32(A32), n = RD_I32(C32);
        uint64_t v = S(B32);
        if (OL_UNLIKELY(i + n > t->size))
            TRAP(TABLE_OOB);
        CHARGE(n / 8);
        for (uint64_t j = 0; j < n; j++)
            t->elems[i + j] = v;
        pc += 3;
        NEXT();
    }
    OP(table_copy)
    {
        ol_wasm_table *td = inst->tables[D32], *ts = inst->tables[E32];
        uint64_t d = RD_I32(A32), sr = RD_I32(B32), n = RD_I32(C32);
        if (OL_UNLIKELY(d + n > td->size || sr + n > ts->size))
            TRAP(TABLE_OOB);
        CHARGE(n / 8);
        if (n != 0)
            memmove(td->elems + d, ts->elems + sr, (size_t)n * sizeof *td->elems);
        pc += 4;
        NEXT();
    }
    OP(table_init)
    {
        ol_wasm_table *t = inst->tables[D32];
        uint32_t seg = E32;
        uint64_t d = RD_I32(A32), sr = RD_I32(B32), n = RD_I32(C32);
        if (OL_UNLIKELY(sr + n > inst->elem_len[seg] || d + n > t->size))
            TRAP(TABLE_OOB);
        CHARGE(n / 8);
        if (n != 0)
            memcpy(t->elems + d, inst->elem_items[seg] + sr, (size_t)n * sizeof *t->elems);
        pc += 4;
        NEXT();
    }
    OP(elem_drop)
    {
        inst->elem_len[A32] = 0;
        pc += 2;
        NEXT();
    }

#if !OL_USE_JUMPTABLE
default:
    TRAP(UNREACHABLE);
}
#endif

call_any :
    /* cf: callee, nfp: its frame (arguments in place), ret: where the caller continues. */
    if (cf->code != NULL)
{
    const ol__code *cc = cf->code;
    if (OL_UNLIKELY(depth >= nframes || nfp + cc->frame_slots > stack_end))
        TRAP(STACK_EXHAUSTED);
    CHARGE(cc->entry_cost);
    CHECK_INTERRUPT();
    frames[depth++] = (ol__frame){ret, fp, inst, code};
    zero_locals(nfp + cc->nparams, cc->nlocals - cc->nparams);
    fp = nfp;
    code = cc;
    inst = cf->inst;
    RELOAD_MEM();
    pc = cc->ir;
    NEXT();
}
else
{
    uint32_t np = cf->nparams, nr = cf->nresults;
    if (OL_UNLIKELY(nfp + np + nr > stack_end))
        TRAP(STACK_EXHAUSTED);
    CHECK_INTERRUPT();
    for (uint32_t i = 0; i < np; i++)
        nfp[i] = normalise(cf->vt[i], nfp[i]);
    ol_wasm_caller caller = {s, inst, trap};
    uint64_t *saved_top = s->stack_top;
    s->stack_top = nfp + np + nr;
    s->depth = depth;
    s->fuel = fuel;
    trap->kind = OL_WASM_TRAP_NONE;
    ol_err e = cf->fn(&caller, cf->ud, nfp, nfp + np);
    s->stack_top = saved_top;
    fuel = s->fuel;
    if (OL_UNLIKELY(e != OL_OK)) {
        if (trap->kind == OL_WASM_TRAP_NONE) {
            ol__wasm_trap_set(trap, OL_WASM_TRAP_HOST, 0, 0);
            snprintf(trap->msg, sizeof trap->msg, "host function failed: %s", ol_strerror(e));
        }
        trap->func_index = code->func_index;
        trap->offset = ol__wasm_code_offset(code, pc);
        goto unwind;
    }
    for (uint32_t i = 0; i < nr; i++)
        nfp[i] = normalise(cf->vt[np + i], nfp[np + i]);
    RELOAD_MEM();
    pc = ret;
    NEXT();
}

trap : ol__wasm_trap_set(trap, tk, code->func_index, ol__wasm_code_offset(code, pc));
unwind : s->fuel = fuel;
s->depth = base_depth;
return OL_E_TRAP;
done : s->fuel = fuel;
s->depth = base_depth;
return OL_OK;
}

ol__cell ol__wasm_op_cell(ol__op op)
{
    ol__cell c;
#if OL_USE_JUMPTABLE
    const void *const *table = NULL;
    run(NULL, NULL, NULL, NULL, NULL, &table);
    c.h = table[op];
#else
        c.u64 = (uint64_t)op;
#endif
    return c;
}

/* The value and call stacks are allocated on first use, sized by the store's limits. Every
 * active WebAssembly function has exactly one entry in frames[] (the caller state saved by a call,
 * or the sentinel of an invocation for its top function), so the depth limit is the capacity. */
static ol_err ensure_stacks(ol_wasm_store *s)
{
    if (s->stack != NULL)
        return OL_OK;
    size_t slots = s->limits.max_stack_bytes / sizeof(uint64_t);
    uint32_t nframes = s->limits.max_call_depth;
    uint64_t *stack = ol_malloc(&s->alloc, slots * sizeof *stack);
    if (stack == NULL)
        return OL_E_NOMEM;
    ol__frame *frames = ol_malloc(&s->alloc, (size_t)nframes * sizeof *frames);
    if (frames == NULL) {
        ol_free(&s->alloc, stack, slots * sizeof *stack);
        return OL_E_NOMEM;
    }
    s->stack = stack;
    s->stack_end = stack + slots;
    s->stack_top = stack;
    s->frames = frames;
    s->nframes = nframes;
    s->depth = 0;
    return OL_OK;
}

ol_err ol__wasm_invoke(ol_wasm_func *f, const uint64_t *args, uint64_t *results, ol_wasm_trap *trap)
{
    ol_wasm_store *s = f->store;
    ol_err rc = ensure_stacks(s);
    if (rc != OL_OK)
        return rc;
    if (s->host_nest >= OL__MAX_HOST_NEST) {
        ol__wasm_trap_set(trap, OL_WASM_TRAP_STACK_EXHAUSTED, UINT32_MAX, 0);
        return OL_E_TRAP;
    }
    uint64_t *fp = s->stack_top;
    uint32_t np = f->nparams, nr = f->nresults;
    if (f->code == NULL) {
        /* A host function called directly. */
        if (fp + np + nr > s->stack_end) {
            ol__wasm_trap_set(trap, OL_WASM_TRAP_STACK_EXHAUSTED, UINT32_MAX, 0);
            return OL_E_TRAP;
        }
        for (uint32_t i = 0; i < np; i++)
            fp[i] = normalise(f->vt[i], args[i]);
        ol_wasm_caller caller = {s, NULL, trap};
        s->stack_top = fp + np + nr;
        s->host_nest++;
        trap->kind = OL_WASM_TRAP_NONE;
        rc = f->fn(&caller, f->ud, fp, fp + np);
        s->host_nest--;
        s->stack_top = fp;
        if (rc != OL_OK) {
            if (trap->kind == OL_WASM_TRAP_NONE) {
                ol__wasm_trap_set(trap, OL_WASM_TRAP_HOST, UINT32_MAX, 0);
                snprintf(trap->msg, sizeof trap->msg, "host function failed: %s", ol_strerror(rc));
            }
            return OL_E_TRAP;
        }
        for (uint32_t i = 0; i < nr; i++)
            results[i] = normalise(f->vt[np + i], fp[np + i]);
        return OL_OK;
    }
    const ol__code *code = f->code;
    if (fp + code->frame_slots > s->stack_end) {
        ol__wasm_trap_set(trap, OL_WASM_TRAP_STACK_EXHAUSTED, code->func_index, 0);
        return OL_E_TRAP;
    }
    if (atomic_load_explicit(&s->interrupt, memory_order_relaxed)) {
        ol__wasm_trap_set(trap, OL_WASM_TRAP_INTERRUPTED, UINT32_MAX, 0);
        return OL_E_TRAP;
    }
#if OL_WASM_METERING
    if (s->fuel < code->entry_cost) {
        ol__wasm_trap_set(trap, OL_WASM_TRAP_OUT_OF_FUEL, UINT32_MAX, 0);
        return OL_E_TRAP;
    }
    s->fuel -= code->entry_cost;
#endif
    for (uint32_t i = 0; i < np; i++)
        fp[i] = normalise(f->vt[i], args[i]);
    memset(fp + np, 0, (size_t)(code->nlocals - np) * sizeof *fp);
    s->host_nest++;
    rc = run(s, f->inst, code, fp, trap, NULL);
    s->host_nest--;
    if (rc == OL_OK) {
        for (uint32_t i = 0; i < nr; i++)
            results[i] = normalise(f->vt[np + i], fp[i]);
    }
    return rc;
}
