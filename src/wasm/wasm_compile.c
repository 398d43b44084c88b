/* Validation and compilation of function bodies, in one pass.
 *
 * The operand stack of WebAssembly becomes frame slots: the value at stack height h lives in slot
 * nlocals + h. `local.get` and constants are not copied eagerly: the compile-time stack records
 * them as deferred references, and instructions read locals and immediates directly. Deferred
 * entries are materialised when their local is overwritten, at control-flow joins and when they
 * must sit in a particular slot (call arguments, block results). A result that is immediately
 * stored with local.set is written straight into the local by patching the producer.
 *
 * Fuel: every reachable WebAssembly instruction adds its cost to a running total. A segment is
 * the straight-line run that begins where control can enter (function entry, a branch target,
 * the fall-through of a conditional branch) and ends at the next branch; its cost is written
 * into the instruction that enters it (the call, the branch), so charging costs no dispatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_int.h"
#include "wasm_ir.h"

#define T_UNKNOWN 0
#define NONE      UINT32_MAX
#define MAX_DEFER 32

enum { K_SLOT = 0, K_LOCAL, K_CONST };

typedef struct vent {
    uint8_t t; /* value type or T_UNKNOWN */
    uint8_t k; /* K_SLOT, K_LOCAL, K_CONST */
    uint32_t local;
    uint64_t imm;
} vent;

typedef struct blocktype {
    uint32_t np, nr;
    const ol_wasm_valtype *params;
    const ol_wasm_valtype *results;
} blocktype;

typedef struct ctrl {
    uint8_t op; /* 0 function, 0x02 block, 0x03 loop, 0x04 if */
    blocktype bt;
    uint32_t height;
    bool unreachable; /* validation: stack-polymorphic */
    bool entry_dead;  /* emission: the construct itself is unreachable */
    bool has_else;
    bool if_pending; /* the if's branch-on-false is not yet linked */
    uint32_t loop_cell;
    int32_t seg;  /* loop: header segment; block/if: label segment (-1: not targeted) */
    uint32_t fix; /* forward branch fixups (list head) */
    uint32_t if_ins, if_rel_cell, if_cost_cell;
    uint8_t if_rel_half, if_cost_half;
} ctrl;

typedef struct fixup {
    uint32_t cell;
    uint32_t base; /* cell of the branch instruction (rel fixups) */
    uint32_t next;
    uint8_t half;
} fixup;

typedef struct seg {
    uint64_t start;
    int64_t cost; /* -1 while open */
    uint32_t head;
} seg;

typedef struct comp {
    ol_wasm_module *m;
    const ol_allocator *a;
    ol_diag *d;
    ol__reader r;
    uint32_t fidx;
    const ol__functype *ft;
    uint32_t nlocals;     /* frame locals: declared ones plus the zero slot */
    uint32_t nlocal_decl; /* params + declared locals */
    uint32_t zslot;       /* offset of a local that is never written: always 0 */
    uint8_t *ltypes;
    size_t ins_off; /* module offset of the instruction being compiled */
    uint32_t opcode;

    vent *vs;
    uint32_t vh, vcap, vmax;
    uint32_t dl[MAX_DEFER]; /* stack indices of deferred entries, ascending */
    uint32_t nd;
    ctrl *cs;
    uint32_t ch, ccap;

    ol__cell *ir;
    uint32_t n, cap;
    uint32_t *offs;
    uint32_t noffs, offcap;
    fixup *fx;
    uint32_t nfx, fxcap;
    seg *sg;
    uint32_t nsg, sgcap;
    int32_t *open;
    uint32_t nopen, opencap;
    uint64_t cum;
    bool dead;
    uint32_t entry_cost;

    /* The last emitted instruction produced the value at stack index last_pos into the slot
     * field (last_dst_cell, last_dst_half); last_op is its opcode. */
    bool last_valid;
    uint32_t last_copy; /* cell of the last emitted copy while it is the last instruction */
    uint32_t last_ins, last_dst_cell, last_pos;
    uint8_t last_dst_half;
    ol__op last_op;
} comp;

#define TRY(x)           \
    do {                 \
        ol_err e_ = (x); \
        if (e_ != OL_OK) \
            return e_;   \
    } while (0)

static ol_err fail(comp *c, ol_err code, const char *what)
{
    return OL_FAIL(c->d, code, "code section, function %u @0x%zx (opcode 0x%x): %s", c->fidx,
                   c->ins_off, c->opcode, what);
}

static ol_err invalid(comp *c, const char *what)
{
    return fail(c, OL_E_INVALID_MODULE, what);
}

static ol_err malformed(comp *c, const char *what)
{
    return fail(c, OL_E_MALFORMED, what);
}

static ol_err rd_fail(comp *c, ol__rd_status st)
{
    return malformed(c, ol__rd_msg(st));
}

static ol_err grow_to(comp *c, void *p, uint32_t *cap, uint32_t need, size_t elsz, void **out)
{
    uint64_t ncap = *cap ? (uint64_t)*cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX / 2)
        return invalid(c, "function too large");
    void *q = ol_realloc(c->a, p, (size_t)*cap * elsz, (size_t)ncap * elsz);
    if (q == NULL)
        return OL_FAIL(c->d, OL_E_NOMEM, "compiling function %u", c->fidx);
    *out = q;
    *cap = (uint32_t)ncap;
    return OL_OK;
}
/* Ensures room for `need` elements in arr (capacity capv); returns from the caller on failure. */
#define GROW(arr, capv, need)                                             \
    do {                                                                  \
        if ((need) > (capv)) {                                            \
            void *np_ = NULL;                                             \
            TRY(grow_to(c, (arr), &(capv), (need), sizeof *(arr), &np_)); \
            (arr) = np_;                                                  \
        }                                                                 \
    } while (0)

/* ---------------------------------------------------------------------------------------------
 * Emission
 * ------------------------------------------------------------------------------------------- */

static uint32_t soff(const comp *c, uint32_t i)
{
    return (c->nlocals + i) * 8u;
}

static uint32_t loff(uint32_t x)
{
    return x * 8u;
}

/* Emits an instruction with `ncells` operand cells (zeroed); *at = its handler cell. */
static ol_err emit(comp *c, ol__op op, uint32_t ncells, uint32_t *at)
{
    GROW(c->ir, c->cap, c->n + 1 + ncells);
    GROW(c->offs, c->offcap, c->noffs + 2);
    *at = c->n;
    c->ir[c->n] = ol__wasm_op_cell(op);
    for (uint32_t i = 1; i <= ncells; i++)
        c->ir[c->n + i].u64 = 0;
    c->n += 1 + ncells;
    c->offs[c->noffs++] = *at;
    c->offs[c->noffs++] = (uint32_t)c->ins_off;
    c->last_valid = false;
    c->last_copy = NONE;
    return OL_OK;
}

static void set32(comp *c, uint32_t cell, unsigned half, uint32_t v)
{
    c->ir[cell].u32[half] = v;
}

/* Records that the instruction at `ins` wrote the value at stack index `pos` via slot field
 * (cell, half), so local.set/br_if can rewrite or fuse it. */
static void mark_last(comp *c, uint32_t ins, ol__op op, uint32_t cell, uint8_t half, uint32_t pos)
{
    c->last_valid = true;
    c->last_ins = ins;
    c->last_op = op;
    c->last_dst_cell = cell;
    c->last_dst_half = half;
    c->last_pos = pos;
}

/* Two copies in a row become one copy2 (executed in order). No label can fall between them:
 * last_copy is cleared around every control instruction, where all labels are placed. */
static ol_err emit_copy(comp *c, uint32_t s, uint32_t d)
{
    uint32_t at;
    if (s == d)
        return OL_OK;
    if (c->last_copy != NONE && c->last_copy + 2 == c->n) {
        GROW(c->ir, c->cap, c->n + 1);
        c->ir[c->last_copy] = ol__wasm_op_cell(OL__OP_copy2);
        c->ir[c->n].u32[0] = s;
        c->ir[c->n].u32[1] = d;
        c->n++;
        c->last_copy = NONE;
        c->last_valid = false;
        return OL_OK;
    }
    TRY(emit(c, OL__OP_copy, 1, &at));
    set32(c, at + 1, 0, s);
    set32(c, at + 1, 1, d);
    c->last_copy = at;
    return OL_OK;
}

static ol_err emit_const(comp *c, uint64_t v, uint32_t d)
{
    uint32_t at;
    if (v <= UINT32_MAX) {
        TRY(emit(c, OL__OP_const32, 1, &at));
        set32(c, at + 1, 0, d);
        set32(c, at + 1, 1, (uint32_t)v);
    } else {
        TRY(emit(c, OL__OP_const64, 2, &at));
        set32(c, at + 1, 0, d);
        c->ir[at + 2].u64 = v;
    }
    return OL_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Fuel segments
 * ------------------------------------------------------------------------------------------- */

static ol_err add_fix(comp *c, uint32_t cell, uint8_t half, uint32_t base, uint32_t *head)
{
    GROW(c->fx, c->fxcap, c->nfx + 1);
    c->fx[c->nfx] = (fixup){cell, base, *head, half};
    *head = c->nfx++;
    return OL_OK;
}

static ol_err new_seg(comp *c, int32_t *id)
{
    GROW(c->sg, c->sgcap, c->nsg + 1);
    c->sg[c->nsg] = (seg){c->cum, -1, NONE};
    *id = (int32_t)c->nsg++;
    return OL_OK;
}

static ol_err open_seg(comp *c, int32_t id)
{
    GROW(c->open, c->opencap, c->nopen + 1);
    c->sg[id].start = c->cum;
    c->open[c->nopen++] = id;
    return OL_OK;
}

static void write_cost(comp *c, uint32_t cell, uint8_t half, uint32_t cost)
{
    if (cell == NONE)
        c->entry_cost = cost;
    else
        set32(c, cell, half, cost);
}

static ol_err ref_cost(comp *c, int32_t id, uint32_t cell, uint8_t half)
{
    if (c->sg[id].cost >= 0) {
        write_cost(c, cell, half, (uint32_t)c->sg[id].cost);
        return OL_OK;
    }
    return add_fix(c, cell, half, 0, &c->sg[id].head);
}

/* Closes every open segment at the branch being emitted. */
static void finalize(comp *c)
{
    for (uint32_t i = 0; i < c->nopen; i++) {
        seg *s = &c->sg[c->open[i]];
        uint64_t cost = c->cum - s->start;
        if (cost > UINT32_MAX)
            cost = UINT32_MAX;
        s->cost = (int64_t)cost;
        for (uint32_t f = s->head; f != NONE; f = c->fx[f].next)
            write_cost(c, c->fx[f].cell, c->fx[f].half, (uint32_t)cost);
        s->head = NONE;
    }
    c->nopen = 0;
}

/* Opens a fresh segment for the fall-through of a conditional branch whose not-taken cost field
 * is (cell, half). */
static ol_err start_fallthrough(comp *c, uint32_t cell, uint8_t half)
{
    int32_t id;
    TRY(new_seg(c, &id));
    TRY(open_seg(c, id));
    return ref_cost(c, id, cell, half);
}

/* Links a branch at `ins` to label L: its rel field (rel_cell, rel_half) and taken-cost field. */
static ol_err link(comp *c, uint32_t li, uint32_t ins, uint32_t rel_cell, uint8_t rel_half,
                   uint32_t cost_cell, uint8_t cost_half)
{
    ctrl *L = &c->cs[li];
    if (L->op == 0x03) {
        set32(c, rel_cell, rel_half, (uint32_t)(int32_t)((int64_t)L->loop_cell - (int64_t)ins));
        return ref_cost(c, L->seg, cost_cell, cost_half);
    }
    TRY(add_fix(c, rel_cell, rel_half, ins, &c->cs[li].fix));
    if (c->cs[li].seg < 0) {
        int32_t id;
        TRY(new_seg(c, &id));
        c->cs[li].seg = id;
    }
    return ref_cost(c, c->cs[li].seg, cost_cell, cost_half);
}

/* ---------------------------------------------------------------------------------------------
 * The compile-time operand stack
 * ------------------------------------------------------------------------------------------- */

static ol_err push(comp *c, uint8_t t)
{
    GROW(c->vs, c->vcap, c->vh + 1);
    c->vs[c->vh++] = (vent){t, K_SLOT, 0, 0};
    if (c->vh > c->vmax) {
        c->vmax = c->vh;
        if ((uint64_t)c->nlocals + c->vmax > OL__MAX_FRAME_SLOTS)
            return invalid(c, "function needs too many value slots");
    }
    return OL_OK;
}

static void undefer(comp *c, uint32_t i)
{
    for (uint32_t j = 0; j < c->nd; j++) {
        if (c->dl[j] == i) {
            memmove(&c->dl[j], &c->dl[j + 1], (c->nd - j - 1) * sizeof c->dl[0]);
            c->nd--;
            return;
        }
    }
}

/* Writes the value of stack entry e (at stack index pos) into slot offset dst. */
static ol_err emit_entry_to(comp *c, const vent *e, uint32_t pos, uint32_t dst)
{
    if (e->k == K_LOCAL)
        return emit_copy(c, loff(e->local), dst);
    if (e->k == K_CONST)
        return emit_const(c, e->imm, dst);
    return emit_copy(c, soff(c, pos), dst);
}

/* Materialises the deferred entry at stack index i into its own slot. */
static ol_err mat(comp *c, uint32_t i)
{
    vent *e = &c->vs[i];
    if (e->k == K_SLOT)
        return OL_OK;
    TRY(emit_entry_to(c, e, i, soff(c, i)));
    c->vs[i].k = K_SLOT;
    undefer(c, i);
    return OL_OK;
}

/* Materialises every deferred entry at index >= from (their copies are independent). */
static ol_err mat_from(comp *c, uint32_t from)
{
    while (c->nd > 0 && c->dl[c->nd - 1] >= from)
        TRY(mat(c, c->dl[c->nd - 1]));
    return OL_OK;
}

static ol_err push_deferred(comp *c, uint8_t t, uint8_t k, uint32_t local, uint64_t imm)
{
    TRY(push(c, t));
    if (c->dead)
        return OL_OK;
    uint32_t i = c->vh - 1;
    if (c->nd == MAX_DEFER) {
        if (k == K_LOCAL)
            return emit_copy(c, loff(local), soff(c, i));
        return emit_const(c, imm, soff(c, i));
    }
    c->vs[i].k = k;
    c->vs[i].local = local;
    c->vs[i].imm = imm;
    c->dl[c->nd++] = i;
    return OL_OK;
}

static void truncate_stack(comp *c, uint32_t h)
{
    c->vh = h;
    while (c->nd > 0 && c->dl[c->nd - 1] >= h)
        c->nd--;
}

static const char *tname(uint8_t t)
{
    return t == T_UNKNOWN ? "unknown" : ol_wasm_valtype_name((ol_wasm_valtype)t);
}

/* Pops one value expecting type `expect` (T_UNKNOWN: any). *pos = its stack index. */
static ol_err pop(comp *c, uint8_t expect, vent *out, uint32_t *pos)
{
    ctrl *f = &c->cs[c->ch - 1];
    if (c->vh == f->height) {
        if (f->unreachable) {
            *out = (vent){T_UNKNOWN, K_SLOT, 0, 0};
            if (pos)
                *pos = c->vh;
            return OL_OK;
        }
        char msg[96];
        snprintf(msg, sizeof msg, "type mismatch: expected %s but the stack is empty",
                 tname(expect));
        return invalid(c, msg);
    }
    vent e = c->vs[c->vh - 1];
    if (expect != T_UNKNOWN && e.t != T_UNKNOWN && e.t != expect) {
        char msg[96];
        snprintf(msg, sizeof msg, "type mismatch: expected %s, found %s", tname(expect),
                 tname(e.t));
        return invalid(c, msg);
    }
    c->vh--;
    if (e.k != K_SLOT && c->nd > 0 && c->dl[c->nd - 1] == c->vh)
        c->nd--;
    *out = e;
    if (pos)
        *pos = c->vh;
    return OL_OK;
}

/* The slot offset an instruction reads for a popped entry (materialising a constant). */
static ol_err opnd(comp *c, vent *e, uint32_t pos, uint32_t *off)
{
    switch (e->k) {
    case K_LOCAL:
        *off = loff(e->local);
        return OL_OK;
    case K_CONST:
        if (e->imm == 0) {
            *off = c->zslot;
            return OL_OK;
        }
        TRY(emit_const(c, e->imm, soff(c, pos)));
        e->k = K_SLOT;
        *off = soff(c, pos);
        return OL_OK;
    default:
        *off = soff(c, pos);
        return OL_OK;
    }
}

/* Checks that the top of the stack holds exactly `types` (n values) for a frame end. */
static ol_err check_end_stack(comp *c, const ol_wasm_valtype *types, uint32_t n)
{
    ctrl *f = &c->cs[c->ch - 1];
    uint32_t have = c->vh - f->height;
    if (have > n || (!f->unreachable && have != n))
        return invalid(c, "type mismatch: wrong number of values at the end of a block");
    for (uint32_t j = 0; j < have; j++) {
        uint8_t t = c->vs[f->height + j].t;
        uint8_t want = (uint8_t)types[n - have + j];
        if (t != T_UNKNOWN && t != want)
            return invalid(c, "type mismatch at the end of a block");
    }
    return OL_OK;
}

/* Checks (without consuming) that the top of the stack can feed `types`. In unreachable code
 * this is the spec's pop_vals followed by push_vals of either the label types (br_if) or the
 * popped values themselves, whose type may stay unknown (br_table). */
static ol_err peek_types(comp *c, const ol_wasm_valtype *types, uint32_t n, bool push_actual)
{
    vent tmp[1];
    if (c->dead) {
        uint8_t got[OL__MAX_RESULTS + 1];
        if (n > OL__MAX_RESULTS)
            return invalid(c, "too many label values");
        for (uint32_t j = n; j-- > 0;) {
            TRY(pop(c, (uint8_t)types[j], tmp, NULL));
            got[j] = push_actual ? tmp[0].t : (uint8_t)types[j];
        }
        for (uint32_t j = 0; j < n; j++)
            TRY(push(c, got[j]));
        return OL_OK;
    }
    uint32_t save_vh = c->vh, save_nd = c->nd;
    uint32_t saved[MAX_DEFER];
    memcpy(saved, c->dl, sizeof saved);
    for (uint32_t j = n; j-- > 0;)
        TRY(pop(c, (uint8_t)types[j], tmp, NULL));
    /* Restore: popping below an unreachable frame's height never changes vh. */
    c->vh = save_vh;
    c->nd = save_nd;
    memcpy(c->dl, saved, sizeof saved);
    return OL_OK;
}

static const ol_wasm_valtype k_vt[] = {OL_WASM_I32, OL_WASM_I64,     OL_WASM_F32,
                                       OL_WASM_F64, OL_WASM_FUNCREF, OL_WASM_EXTERNREF};

static const ol_wasm_valtype *single_vt(uint8_t t)
{
    for (size_t i = 0; i < sizeof k_vt / sizeof k_vt[0]; i++)
        if (k_vt[i] == t)
            return &k_vt[i];
    return NULL;
}

/* Types carried by a branch to label li. */
static void label_types(const comp *c, uint32_t li, const ol_wasm_valtype **t, uint32_t *n)
{
    const ctrl *L = &c->cs[li];
    if (L->op == 0x03) {
        *t = L->bt.params;
        *n = L->bt.np;
    } else {
        *t = L->bt.results;
        *n = L->bt.nr;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Branches
 * ------------------------------------------------------------------------------------------- */

/* Moves the top n values into the slots of stack indices [dst, dst + n). */
static ol_err move_vals(comp *c, uint32_t n, uint32_t dst)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t sp = c->vh - n + i;
        vent *e = &c->vs[sp];
        TRY(emit_entry_to(c, e, sp, soff(c, dst + i)));
    }
    return OL_OK;
}

/* Emits the function return with the top nresults values as results. */
static ol_err emit_return(comp *c)
{
    uint32_t n = c->ft->nresults, at;
    if (n == 1 && c->vs[c->vh - 1].k == K_SLOT && c->last_valid && c->last_pos == c->vh - 1) {
        /* Nothing runs in this frame after the return, so the value may land in slot 0. */
        set32(c, c->last_dst_cell, c->last_dst_half, loff(0));
        finalize(c);
        return emit(c, OL__OP_return_, 0, &at);
    }
    for (uint32_t i = 0; i < n; i++) {
        vent *e = &c->vs[c->vh - n + i];
        if (e->k == K_LOCAL && e->local < n)
            TRY(mat(c, c->vh - n + i));
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t sp = c->vh - n + i;
        vent *e = &c->vs[sp];
        TRY(emit_entry_to(c, e, sp, loff(i)));
    }
    finalize(c);
    return emit(c, OL__OP_return_, 0, &at);
}

/* Unconditional branch to label li with its values on top of the stack (live code only). */
static ol_err emit_br(comp *c, uint32_t li)
{
    const ol_wasm_valtype *t;
    uint32_t n, at;
    if (li == 0)
        return emit_return(c);
    label_types(c, li, &t, &n);
    TRY(move_vals(c, n, c->cs[li].height));
    finalize(c);
    TRY(emit(c, OL__OP_br, 1, &at));
    return link(c, li, at, at + 1, 0, at + 1, 1);
}

typedef struct fuse {
    ol__op cmp, ncmp, br, nbr;
} fuse;

static const fuse k_fuse[] = {
#define OL__X(name, t, e, neg) {OL__OP_##name, OL__OP_##neg, OL__OP_br_##name, OL__OP_br_##neg},
    OL_WASM_CMPS(OL__X)
#undef OL__X
};

/* Where the fields of an emitted conditional branch are. */
typedef struct condbr {
    uint32_t ins, rel_cell, costt_cell, costnt_cell;
    uint8_t rel_half, costt_half, costnt_half;
} condbr;

/* Emits "branch if cond is `when`" for the popped condition entry. If the condition was produced
 * by the instruction just emitted and that is a comparison or eqz, fuses them. With do_mat, the
 * deferred entries from mat_from_index up are materialised before the branch (an `if` needs its
 * enclosing values in their slots on both paths). */
static ol_err emit_cond(comp *c, vent *cond, uint32_t pos, bool when, condbr *out,
                        uint32_t mat_from_index, bool do_mat)
{
    bool fusable = c->last_valid && c->last_pos == pos && cond->k == K_SLOT;
    ol__op lop = c->last_op;
    ol__cell saved[4];
    if (fusable) {
        bool is_cmp = lop == OL__OP_i32_eqz || lop == OL__OP_i64_eqz;
        for (size_t i = 0; !is_cmp && i < sizeof k_fuse / sizeof k_fuse[0]; i++)
            is_cmp = lop == k_fuse[i].cmp || lop == k_fuse[i].cmp + 1;
        fusable = is_cmp;
    }
    if (fusable) {
        uint32_t len = c->n - c->last_ins;
        memcpy(saved, &c->ir[c->last_ins], len * sizeof saved[0]);
        c->n = c->last_ins; /* take the comparison back */
        c->noffs -= 2;
    }
    if (do_mat)
        TRY(mat_from(c, mat_from_index));
    finalize(c);
    if (fusable && (lop == OL__OP_i32_eqz || lop == OL__OP_i64_eqz)) {
        bool is64 = lop == OL__OP_i64_eqz;
        /* eqz true <=> operand zero */
        ol__op op =
            when ? (is64 ? OL__OP_br_z64 : OL__OP_br_z) : (is64 ? OL__OP_br_nz64 : OL__OP_br_nz);
        TRY(emit(c, op, 2, &out->ins));
        set32(c, out->ins + 1, 0, saved[1].u32[0]);
        *out = (condbr){out->ins, out->ins + 2, out->ins + 2, out->ins + 1, 0, 1, 1};
        return OL_OK;
    }
    if (fusable) {
        const fuse *fu = NULL;
        bool ri = false;
        for (size_t i = 0; i < sizeof k_fuse / sizeof k_fuse[0]; i++) {
            if (lop == k_fuse[i].cmp || lop == k_fuse[i].cmp + 1) {
                fu = &k_fuse[i];
                ri = lop == k_fuse[i].cmp + 1;
            }
        }
        ol__op op = when ? fu->br : fu->nbr;
        if (!ri) {
            TRY(emit(c, op, 3, &out->ins));
            c->ir[out->ins + 1] = saved[1];
            *out = (condbr){out->ins, out->ins + 2, out->ins + 2, out->ins + 3, 0, 1, 0};
        } else {
            TRY(emit(c, (ol__op)(op + 1), 3, &out->ins));
            set32(c, out->ins + 1, 0, saved[1].u32[0]);
            c->ir[out->ins + 2] = saved[2];
            *out = (condbr){out->ins, out->ins + 3, out->ins + 3, out->ins + 1, 0, 1, 1};
        }
        return OL_OK;
    }
    uint32_t coff;
    TRY(opnd(c, cond, pos, &coff));
    if (do_mat)
        TRY(mat_from(c, mat_from_index));
    finalize(c);
    TRY(emit(c, when ? OL__OP_br_nz : OL__OP_br_z, 2, &out->ins));
    set32(c, out->ins + 1, 0, coff);
    *out = (condbr){out->ins, out->ins + 2, out->ins + 2, out->ins + 1, 0, 1, 1};
    return OL_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Control instructions
 * ------------------------------------------------------------------------------------------- */

static ol_err read_blocktype(comp *c, blocktype *bt)
{
    int64_t v;
    ol__rd_status st;
    if (c->r.p < c->r.end && (*c->r.p == 0x40 || ol__is_valtype(*c->r.p))) {
        uint8_t b = *c->r.p++;
        *bt = (blocktype){0, b == 0x40 ? 0u : 1u, NULL, b == 0x40 ? NULL : single_vt(b)};
        return OL_OK;
    }
    if ((st = ol__rd_sleb(&c->r, 33, &v)) != OL__RD_OK)
        return rd_fail(c, st);
    if (v < 0)
        return malformed(c, "malformed block type");
    if ((uint64_t)v >= c->m->ntypes)
        return invalid(c, "unknown type");
    const ol__functype *ft = &c->m->types[v];
    *bt = (blocktype){ft->nparams, ft->nresults, ft->vt, ft->vt + ft->nparams};
    return OL_OK;
}

static ol_err push_ctrl(comp *c, uint8_t op, const blocktype *bt)
{
    vent tmp;
    /* Params: validate, then they become the block's first values (already in their slots). */
    if (!c->dead)
        TRY(mat_from(c, c->cs[c->ch - 1].height));
    for (uint32_t j = bt->np; j-- > 0;)
        TRY(pop(c, (uint8_t)bt->params[j], &tmp, NULL));
    uint32_t height = c->vh;
    for (uint32_t j = 0; j < bt->np; j++)
        TRY(push(c, (uint8_t)bt->params[j]));
    GROW(c->cs, c->ccap, c->ch + 1);
    ctrl *f = &c->cs[c->ch++];
    memset(f, 0, sizeof *f);
    f->op = op;
    f->bt = *bt;
    f->height = height;
    f->entry_dead = c->dead;
    f->seg = -1;
    f->fix = NONE;
    return OL_OK;
}

/* Branch fixups of a forward label are resolved to the current position. */
static void resolve_fixups(comp *c, ctrl *f)
{
    for (uint32_t i = f->fix; i != NONE; i = c->fx[i].next)
        set32(c, c->fx[i].cell, c->fx[i].half,
              (uint32_t)(int32_t)((int64_t)c->n - (int64_t)c->fx[i].base));
    f->fix = NONE;
}

static void set_unreachable(comp *c)
{
    ctrl *f = &c->cs[c->ch - 1];
    truncate_stack(c, f->height);
    f->unreachable = true;
    c->dead = true;
    c->last_valid = false;
}

static ol_err op_end(comp *c)
{
    ctrl *f = &c->cs[c->ch - 1];
    TRY(check_end_stack(c, f->bt.results, f->bt.nr));
    if (f->op == 0x04 && !f->has_else) {
        /* The implicit else passes the params through as results. */
        if (f->bt.np != f->bt.nr ||
            (f->bt.np && memcmp(f->bt.params, f->bt.results, f->bt.np * sizeof f->bt.params[0])))
            return invalid(c, "type mismatch: if without else must have matching param and "
                              "result types");
    }
    if (c->ch == 1) {
        if (!c->dead)
            TRY(emit_return(c));
        c->ch = 0;
        return OL_OK;
    }
    bool fall = !c->dead;
    if (fall)
        TRY(mat_from(c, f->height));
    if (f->op == 0x04 && f->if_pending) {
        /* No else: the branch-on-false lands here. */
        if (f->seg < 0) {
            int32_t id;
            TRY(new_seg(c, &id));
            f = &c->cs[c->ch - 1];
            f->seg = id;
        }
        set32(c, f->if_rel_cell, f->if_rel_half,
              (uint32_t)(int32_t)((int64_t)c->n - (int64_t)f->if_ins));
        TRY(ref_cost(c, f->seg, f->if_cost_cell, f->if_cost_half));
        f->if_pending = false;
    }
    bool live = !f->entry_dead && (fall || (f->op != 0x03 && f->seg >= 0));
    if (f->op != 0x03) {
        resolve_fixups(c, f);
        if (f->seg >= 0)
            TRY(open_seg(c, f->seg));
    }
    blocktype bt = f->bt;
    uint32_t height = f->height;
    c->ch--;
    truncate_stack(c, height);
    for (uint32_t j = 0; j < bt.nr; j++)
        TRY(push(c, (uint8_t)bt.results[j]));
    c->dead = !live;
    c->last_valid = false;
    return OL_OK;
}

static ol_err op_else(comp *c)
{
    ctrl *f = &c->cs[c->ch - 1];
    if (f->op != 0x04 || f->has_else)
        return malformed(c, "else without matching if");
    TRY(check_end_stack(c, f->bt.results, f->bt.nr));
    if (!c->dead) {
        uint32_t at;
        TRY(mat_from(c, f->height));
        finalize(c);
        TRY(emit(c, OL__OP_br, 1, &at));
        TRY(link(c, c->ch - 1, at, at + 1, 0, at + 1, 1));
    }
    f = &c->cs[c->ch - 1];
    f->has_else = true;
    if (f->if_pending) {
        set32(c, f->if_rel_cell, f->if_rel_half,
              (uint32_t)(int32_t)((int64_t)c->n - (int64_t)f->if_ins));
        int32_t id;
        TRY(new_seg(c, &id));
        TRY(open_seg(c, id));
        f = &c->cs[c->ch - 1];
        TRY(ref_cost(c, id, f->if_cost_cell, f->if_cost_half));
        f->if_pending = false;
    }
    truncate_stack(c, f->height);
    for (uint32_t j = 0; j < f->bt.np; j++)
        TRY(push(c, (uint8_t)f->bt.params[j]));
    f = &c->cs[c->ch - 1];
    f->unreachable = false;
    c->dead = f->entry_dead;
    c->last_valid = false;
    return OL_OK;
}

static ol_err read_label(comp *c, uint32_t *li)
{
    uint32_t l;
    ol__rd_status st = ol__rd_u32(&c->r, &l);
    if (st != OL__RD_OK)
        return rd_fail(c, st);
    if (l >= c->ch)
        return invalid(c, "unknown label");
    *li = c->ch - 1 - l;
    return OL_OK;
}

static ol_err op_br_if(comp *c)
{
    uint32_t li, n, pos;
    const ol_wasm_valtype *t;
    vent cond;
    TRY(read_label(c, &li));
    TRY(pop(c, OL_WASM_I32, &cond, &pos));
    label_types(c, li, &t, &n);
    TRY(peek_types(c, t, n, false));
    if (c->dead)
        return OL_OK;
    bool in_place = true;
    if (li == 0) {
        in_place = false;
    } else {
        for (uint32_t i = 0; i < n; i++)
            if (c->vs[c->vh - n + i].k != K_SLOT)
                in_place = false;
        if (c->vh - n != c->cs[li].height)
            in_place = false;
    }
    condbr b;
    if (in_place) {
        TRY(emit_cond(c, &cond, pos, true, &b, 0, false));
        TRY(link(c, li, b.ins, b.rel_cell, b.rel_half, b.costt_cell, b.costt_half));
        return start_fallthrough(c, b.costnt_cell, b.costnt_half);
    }
    /* Values must move first: skip over the moves when the condition is false. */
    TRY(emit_cond(c, &cond, pos, false, &b, 0, false));
    TRY(emit_br(c, li));
    set32(c, b.rel_cell, b.rel_half, (uint32_t)(int32_t)((int64_t)c->n - (int64_t)b.ins));
    TRY(start_fallthrough(c, b.costt_cell, b.costt_half));
    /* The taken-cost field of the skip is the fall-through cost; the not-taken path of the skip
     * runs the moves and the branch, which charges the target; it costs nothing itself. */
    set32(c, b.costnt_cell, b.costnt_half, 0);
    return OL_OK;
}

static ol_err op_br_table(comp *c)
{
    uint32_t count, pos;
    ol__rd_status st = ol__rd_u32(&c->r, &count);
    if (st != OL__RD_OK)
        return rd_fail(c, st);
    if (count > (uint32_t)(c->r.end - c->r.p))
        return malformed(c, "unexpected end");
    uint32_t *labels = ol_malloc(c->a, ((size_t)count + 1) * sizeof *labels);
    if (labels == NULL)
        return OL_FAIL(c->d, OL_E_NOMEM, "br_table");
    ol_err rc = OL_OK;
    for (uint32_t i = 0; i <= count && rc == OL_OK; i++)
        rc = read_label(c, &labels[i]);
    if (rc != OL_OK)
        goto out;
    vent idx;
    if ((rc = pop(c, OL_WASM_I32, &idx, &pos)) != OL_OK)
        goto out;
    const ol_wasm_valtype *dt;
    uint32_t arity;
    label_types(c, labels[count], &dt, &arity);
    for (uint32_t i = 0; i <= count; i++) {
        const ol_wasm_valtype *t;
        uint32_t n;
        label_types(c, labels[i], &t, &n);
        if (n != arity) {
            rc = invalid(c, "type mismatch: br_table labels have different arities");
            goto out;
        }
        if ((rc = peek_types(c, t, n, true)) != OL_OK)
            goto out;
    }
    if (!c->dead) {
        uint32_t ioff, at;
        if ((rc = opnd(c, &idx, pos, &ioff)) != OL_OK)
            goto out;
        for (uint32_t i = 0; i < arity && rc == OL_OK; i++)
            rc = mat(c, c->vh - arity + i);
        if (rc != OL_OK)
            goto out;
        finalize(c);
        if ((rc = emit(c, OL__OP_br_table, 1 + count + 1, &at)) != OL_OK)
            goto out;
        set32(c, at + 1, 0, ioff);
        set32(c, at + 1, 1, count);
        for (uint32_t i = 0; i <= count && rc == OL_OK; i++) {
            uint32_t li = labels[i];
            if (li != 0 && c->cs[li].height == c->vh - arity)
                rc = link(c, li, at, at + 2 + i, 0, at + 2 + i, 1);
        }
        /* Targets whose values must move get a stub after the table. */
        for (uint32_t i = 0; i <= count && rc == OL_OK; i++) {
            uint32_t li = labels[i];
            if (li != 0 && c->cs[li].height == c->vh - arity)
                continue;
            set32(c, at + 2 + i, 0, c->n - at);
            set32(c, at + 2 + i, 1, 0);
            rc = emit_br(c, li);
        }
        if (rc != OL_OK)
            goto out;
    }
    set_unreachable(c);
out:
    ol_free(c->a, labels, ((size_t)count + 1) * sizeof *labels);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Operator tables
 * ------------------------------------------------------------------------------------------- */

#define VT_I32 OL_WASM_I32
#define VT_I64 OL_WASM_I64
#define VT_F32 OL_WASM_F32
#define VT_F64 OL_WASM_F64
#define VT_B32 OL_WASM_F32
#define VT_B64 OL_WASM_F64

typedef struct opinfo {
    uint16_t op; /* ol__op + 1 (0 = none) */
    uint8_t tin, tout;
    uint8_t kind; /* 1 binop with _ri, 2 unop, 3 load, 4 store */
    uint8_t size; /* load/store bytes */
} opinfo;

static const opinfo k_ops[256] = {
#define OL__X_BIN(opc, name, ti, to, e) [opc] = {OL__OP_##name + 1, VT_##ti, VT_##to, 1, 0},
    OL_WASM_BINOPS(OL__X_BIN)
#undef OL__X_BIN
#define OL__X_DIV(opc, name, t, s) [opc] = {OL__OP_##name + 1, VT_##t, VT_##t, 1, 0},
        OL_WASM_DIVOPS(OL__X_DIV)
#undef OL__X_DIV
#define OL__X_UN(opc, name, ti, to, e) [opc] = {OL__OP_##name + 1, VT_##ti, VT_##to, 2, 0},
            OL_WASM_UNOPS(OL__X_UN)
#undef OL__X_UN
#define OL__X_TR(opc, name, ti, to, f) [opc] = {OL__OP_##name + 1, VT_##ti, VT_##to, 2, 0},
                OL_WASM_TRUNCOPS(OL__X_TR)
#undef OL__X_TR
#define OL__X_LD(opc, name, t, n, ct, conv) [opc] = {OL__OP_##name + 1, OL_WASM_I32, VT_##t, 3, n},
                    OL_WASM_LOADS(OL__X_LD)
#undef OL__X_LD
#define OL__X_ST(opc, name, t, n, ct) [opc] = {OL__OP_##name + 1, VT_##t, 0, 4, n},
                        OL_WASM_STORES(OL__X_ST)
#undef OL__X_ST
};

/* 0xfc 0..7: saturating truncations. */
static const opinfo k_sat[8] = {
#define OL__X_UN(opc, name, ti, to, e) [opc] = {OL__OP_##name + 1, VT_##ti, VT_##to, 2, 0},
    OL_WASM_SATOPS(OL__X_UN)
#undef OL__X_UN
};

/* The operator with its operands exchanged (a op b == b op' a), or OL__OP_COUNT if none. */
static ol__op mirrored(ol__op op)
{
    switch (op) {
#define OL__SAME(n)            \
    case OL__OP_i32_##n:       \
        return OL__OP_i32_##n; \
    case OL__OP_i64_##n:       \
        return OL__OP_i64_##n;
#define OL__SWAP(n, m)         \
    case OL__OP_i32_##n:       \
        return OL__OP_i32_##m; \
    case OL__OP_i64_##n:       \
        return OL__OP_i64_##m;
        OL__SAME(add)
        OL__SAME(mul)
        OL__SAME(and)
        OL__SAME(or)
        OL__SAME(xor)
        OL__SAME(eq)
        OL__SAME(ne)
        OL__SWAP(lt_s, gt_s)
        OL__SWAP(lt_u, gt_u)
        OL__SWAP(gt_s, lt_s)
        OL__SWAP(gt_u, lt_u)
        OL__SWAP(le_s, ge_s)
        OL__SWAP(le_u, ge_u)
        OL__SWAP(ge_s, le_s)
        OL__SWAP(ge_u, le_u)
#undef OL__SAME
#undef OL__SWAP
    default:
        return OL__OP_COUNT;
    }
}

static ol_err op_binop(comp *c, const opinfo *oi)
{
    vent a, b;
    uint32_t pa, pb, offa, offb, at;
    ol__op op = (ol__op)(oi->op - 1);
    TRY(pop(c, oi->tin, &b, &pb));
    TRY(pop(c, oi->tin, &a, &pa));
    TRY(push(c, oi->tout));
    if (c->dead)
        return OL_OK;
    if (a.k == K_CONST && b.k != K_CONST && mirrored(op) != OL__OP_COUNT) {
        /* const op x: evaluate as x op' const. The result slot stays pa. */
        vent t = a;
        a = b;
        b = t;
        uint32_t tp = pa;
        pa = pb;
        pb = tp;
        op = mirrored(op);
        uint32_t offx, at2;
        TRY(opnd(c, &a, pa, &offx));
        TRY(emit(c, (ol__op)(op + 1), 2, &at2));
        set32(c, at2 + 1, 0, offx);
        set32(c, at2 + 1, 1, soff(c, pb));
        c->ir[at2 + 2].u64 = b.imm;
        mark_last(c, at2, (ol__op)(op + 1), at2 + 1, 1, pb);
        return OL_OK;
    }
    if (b.k == K_CONST && op == OL__OP_i32_and && a.k == K_SLOT && c->last_valid &&
        c->last_pos == pa && c->last_op == OL__OP_i32_shr_u_ri) {
        /* (x >> k) & m in one instruction. */
        uint32_t x = c->ir[c->last_ins + 1].u32[0];
        uint32_t k = (uint32_t)c->ir[c->last_ins + 2].u64;
        c->n = c->last_ins;
        c->noffs -= 2;
        TRY(emit(c, OL__OP_i32_shr_u_and, 2, &at));
        set32(c, at + 1, 0, x);
        set32(c, at + 1, 1, soff(c, pa));
        set32(c, at + 2, 0, k);
        set32(c, at + 2, 1, (uint32_t)b.imm);
        mark_last(c, at, OL__OP_i32_shr_u_and, at + 1, 1, pa);
        return OL_OK;
    }
    if (b.k == K_CONST) {
        TRY(opnd(c, &a, pa, &offa));
        TRY(emit(c, (ol__op)(op + 1), 2, &at));
        set32(c, at + 1, 0, offa);
        set32(c, at + 1, 1, soff(c, pa));
        c->ir[at + 2].u64 = b.imm;
        mark_last(c, at, (ol__op)(op + 1), at + 1, 1, pa);
        return OL_OK;
    }
    TRY(opnd(c, &a, pa, &offa));
    TRY(opnd(c, &b, pb, &offb));
    TRY(emit(c, op, 2, &at));
    set32(c, at + 1, 0, offa);
    set32(c, at + 1, 1, offb);
    set32(c, at + 2, 0, soff(c, pa));
    mark_last(c, at, op, at + 2, 0, pa);
    return OL_OK;
}

/* The comparison (register or immediate form) the last instruction performed, or NULL. */
static const fuse *last_cmp(const comp *c, bool *ri)
{
    for (size_t i = 0; c->last_valid && i < sizeof k_fuse / sizeof k_fuse[0]; i++) {
        if (c->last_op == k_fuse[i].cmp || c->last_op == k_fuse[i].cmp + 1) {
            *ri = c->last_op == k_fuse[i].cmp + 1;
            return &k_fuse[i];
        }
    }
    return NULL;
}

static ol_err op_unop(comp *c, const opinfo *oi)
{
    vent a;
    uint32_t pa, offa, at;
    ol__op op = (ol__op)(oi->op - 1);
    TRY(pop(c, oi->tin, &a, &pa));
    TRY(push(c, oi->tout));
    if (c->dead)
        return OL_OK;
    bool ri;
    const fuse *fu;
    if (op == OL__OP_i32_eqz && a.k == K_SLOT && c->last_pos == pa &&
        (fu = last_cmp(c, &ri)) != NULL) {
        /* eqz of a comparison just made: negate the comparison in place. */
        ol__op nop = (ol__op)(fu->ncmp + (ri ? 1 : 0));
        c->ir[c->last_ins] = ol__wasm_op_cell(nop);
        c->last_op = nop;
        return OL_OK;
    }
    TRY(opnd(c, &a, pa, &offa));
    TRY(emit(c, op, 1, &at));
    set32(c, at + 1, 0, offa);
    set32(c, at + 1, 1, soff(c, pa));
    mark_last(c, at, op, at + 1, 1, pa);
    return OL_OK;
}

static ol_err read_memarg(comp *c, uint32_t size, uint32_t *offset)
{
    uint32_t align;
    ol__rd_status st;
    if ((st = ol__rd_u32(&c->r, &align)) != OL__RD_OK)
        return rd_fail(c, st);
    if ((st = ol__rd_u32(&c->r, offset)) != OL__RD_OK)
        return rd_fail(c, st);
    if (align >= 32)
        return malformed(c, "malformed memop flags");
    if (c->m->nmems == 0)
        return invalid(c, "unknown memory 0");
    if ((1u << align) > size)
        return invalid(c, "alignment must not be larger than natural");
    return OL_OK;
}

/* A constant address moves into the offset (the address then reads the zero slot), as long as
 * the sum still fits the 32-bit offset field; the effective address is unchanged. */
static void fold_address(vent *a, uint32_t *offset)
{
    if (a->k == K_CONST && a->imm + *offset <= UINT32_MAX) {
        *offset = (uint32_t)(a->imm + *offset);
        a->imm = 0;
    }
}

/* If the address at stack index pa was just computed by an i32.add, takes the add back and
 * returns its operands: (x, y) for the register form (*ri false), (x, imm) otherwise. */
static bool take_address_add(comp *c, const vent *a, uint32_t pa, uint32_t *x, uint32_t *y,
                             bool *ri)
{
    if (a->k != K_SLOT || !c->last_valid || c->last_pos != pa ||
        (c->last_op != OL__OP_i32_add && c->last_op != OL__OP_i32_add_ri))
        return false;
    const ol__cell *ins = &c->ir[c->last_ins];
    *ri = c->last_op == OL__OP_i32_add_ri;
    *x = ins[1].u32[0];
    *y = *ri ? (uint32_t)ins[2].u64 : ins[1].u32[1];
    c->n = c->last_ins;
    c->noffs -= 2;
    c->last_valid = false;
    return true;
}

static ol_err op_load(comp *c, const opinfo *oi)
{
    vent a;
    uint32_t pa, offa, offset, at, x, y;
    bool ri;
    TRY(read_memarg(c, oi->size, &offset));
    TRY(pop(c, OL_WASM_I32, &a, &pa));
    TRY(push(c, oi->tout));
    if (c->dead)
        return OL_OK;
    if (take_address_add(c, &a, pa, &x, &y, &ri)) {
        ol__op op = (ol__op)(oi->op - 1 + (ri ? 2 : 1));
        TRY(emit(c, op, 2, &at));
        set32(c, at + 1, 0, x);
        if (ri) {
            set32(c, at + 1, 1, soff(c, pa));
            set32(c, at + 2, 0, y);
            set32(c, at + 2, 1, offset);
            mark_last(c, at, op, at + 1, 1, pa);
        } else {
            set32(c, at + 1, 1, y);
            set32(c, at + 2, 0, soff(c, pa));
            set32(c, at + 2, 1, offset);
            mark_last(c, at, op, at + 2, 0, pa);
        }
        return OL_OK;
    }
    fold_address(&a, &offset);
    TRY(opnd(c, &a, pa, &offa));
    TRY(emit(c, (ol__op)(oi->op - 1), 2, &at));
    set32(c, at + 1, 0, offa);
    set32(c, at + 1, 1, soff(c, pa));
    set32(c, at + 2, 0, offset);
    mark_last(c, at, (ol__op)(oi->op - 1), at + 1, 1, pa);
    return OL_OK;
}

static ol_err op_store(comp *c, const opinfo *oi)
{
    vent a, v;
    uint32_t pa, pv, offa, offv, offset, at, x, y;
    bool ri;
    TRY(read_memarg(c, oi->size, &offset));
    TRY(pop(c, oi->tin, &v, &pv));
    TRY(pop(c, OL_WASM_I32, &a, &pa));
    if (c->dead)
        return OL_OK;
    /* The value must not need a slot of its own: materialising it would overwrite the add's
     * second operand, which sits where the value goes. */
    bool value_free = v.k == K_LOCAL || (v.k == K_CONST && v.imm == 0);
    if (value_free && take_address_add(c, &a, pa, &x, &y, &ri)) {
        ol__op op = (ol__op)(oi->op - 1 + (ri ? 2 : 1));
        TRY(opnd(c, &v, pv, &offv));
        TRY(emit(c, op, 2, &at));
        set32(c, at + 1, 0, x);
        set32(c, at + 1, 1, ri ? offv : y);
        set32(c, at + 2, 0, ri ? y : offv);
        set32(c, at + 2, 1, offset);
        return OL_OK;
    }
    if (v.k == K_CONST && v.imm != 0) {
        /* The value travels in the instruction instead of a materialised slot. */
        ol__op op = (ol__op)(oi->op - 1 + 3);
        fold_address(&a, &offset);
        TRY(opnd(c, &a, pa, &offa));
        TRY(emit(c, op, 2, &at));
        set32(c, at + 1, 0, offa);
        set32(c, at + 1, 1, offset);
        c->ir[at + 2].u64 = v.imm;
        return OL_OK;
    }
    fold_address(&a, &offset);
    TRY(opnd(c, &a, pa, &offa));
    TRY(opnd(c, &v, pv, &offv));
    TRY(emit(c, (ol__op)(oi->op - 1), 2, &at));
    set32(c, at + 1, 0, offa);
    set32(c, at + 1, 1, offv);
    set32(c, at + 2, 0, offset);
    return OL_OK;
}

/* Pops `n` values of the given types (top last) and resolves their slots (live code only). */
static ol_err pop_args(comp *c, const uint8_t *types, uint32_t n, uint32_t *offs)
{
    vent e[4];
    uint32_t p[4];
    for (uint32_t j = n; j-- > 0;)
        TRY(pop(c, types[j], &e[j], &p[j]));
    if (c->dead)
        return OL_OK;
    for (uint32_t j = 0; j < n; j++)
        TRY(opnd(c, &e[j], p[j], &offs[j]));
    return OL_OK;
}

/* Emits an instruction whose operand cells hold the given 32-bit fields, in order. */
static ol_err emit_fields(comp *c, ol__op op, const uint32_t *f, uint32_t nf)
{
    uint32_t at;
    TRY(emit(c, op, (nf + 1) / 2, &at));
    for (uint32_t i = 0; i < nf; i++)
        set32(c, at + 1 + i / 2, i % 2, f[i]);
    return OL_OK;
}

static ol_err rd_idx(comp *c, uint32_t *v)
{
    ol__rd_status st = ol__rd_u32(&c->r, v);
    return st == OL__RD_OK ? OL_OK : rd_fail(c, st);
}

static ol_err rd_zero(comp *c)
{
    uint8_t b;
    ol__rd_status st = ol__rd_u8(&c->r, &b);
    if (st != OL__RD_OK)
        return rd_fail(c, st);
    if (b != 0)
        return malformed(c, "zero byte expected");
    return OL_OK;
}

static ol_err check_table(comp *c, uint32_t t)
{
    return t < c->m->ntables ? OL_OK : invalid(c, "unknown table");
}

static ol_err check_mem(comp *c)
{
    return c->m->nmems > 0 ? OL_OK : invalid(c, "unknown memory 0");
}

static ol_err check_data(comp *c, uint32_t x)
{
    if (!c->m->has_datacount)
        return malformed(c, "data count section required");
    return x < c->m->datacount ? OL_OK : invalid(c, "unknown data segment");
}

static ol_err op_prefix_fc(comp *c)
{
    uint32_t sub, x, y;
    uint32_t o[4];
    TRY(rd_idx(c, &sub));
    c->opcode = 0xfc00 | (sub & 0xff);
    if (sub < 8)
        return op_unop(c, &k_sat[sub]);
    const uint8_t i3[3] = {OL_WASM_I32, OL_WASM_I32, OL_WASM_I32};
    switch (sub) {
    case 8: /* memory.init */
        TRY(rd_idx(c, &x));
        TRY(rd_zero(c));
        TRY(check_mem(c));
        TRY(check_data(c, x));
        TRY(pop_args(c, i3, 3, o));
        if (c->dead)
            return OL_OK;
        o[3] = x;
        return emit_fields(c, OL__OP_memory_init, o, 4);
    case 9: /* data.drop */
        TRY(rd_idx(c, &x));
        TRY(check_data(c, x));
        if (c->dead)
            return OL_OK;
        return emit_fields(c, OL__OP_data_drop, &x, 1);
    case 10: /* memory.copy */
        TRY(rd_zero(c));
        TRY(rd_zero(c));
        TRY(check_mem(c));
        TRY(pop_args(c, i3, 3, o));
        if (c->dead)
            return OL_OK;
        o[3] = 0;
        return emit_fields(c, OL__OP_memory_copy, o, 4);
    case 11: /* memory.fill */
        TRY(rd_zero(c));
        TRY(check_mem(c));
        TRY(pop_args(c, i3, 3, o));
        if (c->dead)
            return OL_OK;
        o[3] = 0;
        return emit_fields(c, OL__OP_memory_fill, o, 4);
    case 12: { /* table.init elem table */
        TRY(rd_idx(c, &x));
        TRY(rd_idx(c, &y));
        TRY(check_table(c, y));
        if (x >= c->m->nelems)
            return invalid(c, "unknown elem segment");
        if (c->m->elems[x].type != c->m->tables[y].elem)
            return invalid(c, "type mismatch: element segment and table types differ");
        TRY(pop_args(c, i3, 3, o));
        if (c->dead)
            return OL_OK;
        uint32_t f[6] = {o[0], o[1], o[2], y, x, 0};
        return emit_fields(c, OL__OP_table_init, f, 6);
    }
    case 13: /* elem.drop */
        TRY(rd_idx(c, &x));
        if (x >= c->m->nelems)
            return invalid(c, "unknown elem segment");
        if (c->dead)
            return OL_OK;
        return emit_fields(c, OL__OP_elem_drop, &x, 1);
    case 14: { /* table.copy dst src */
        TRY(rd_idx(c, &x));
        TRY(rd_idx(c, &y));
        TRY(check_table(c, x));
        TRY(check_table(c, y));
        if (c->m->tables[x].elem != c->m->tables[y].elem)
            return invalid(c, "type mismatch: table types differ");
        TRY(pop_args(c, i3, 3, o));
        if (c->dead)
            return OL_OK;
        uint32_t f[6] = {o[0], o[1], o[2], x, y, 0};
        return emit_fields(c, OL__OP_table_copy, f, 6);
    }
    case 15: { /* table.grow */
        TRY(rd_idx(c, &x));
        TRY(check_table(c, x));
        const uint8_t t2[2] = {(uint8_t)c->m->tables[x].elem, OL_WASM_I32};
        TRY(pop_args(c, t2, 2, o));
        TRY(push(c, OL_WASM_I32));
        if (c->dead)
            return OL_OK;
        uint32_t f[4] = {o[0], o[1], soff(c, c->vh - 1), x};
        return emit_fields(c, OL__OP_table_grow, f, 4);
    }
    case 16: /* table.size */
        TRY(rd_idx(c, &x));
        TRY(check_table(c, x));
        TRY(push(c, OL_WASM_I32));
        if (c->dead)
            return OL_OK;
        o[0] = soff(c, c->vh - 1);
        o[1] = x;
        return emit_fields(c, OL__OP_table_size, o, 2);
    case 17: { /* table.fill */
        TRY(rd_idx(c, &x));
        TRY(check_table(c, x));
        const uint8_t t3[3] = {OL_WASM_I32, (uint8_t)c->m->tables[x].elem, OL_WASM_I32};
        TRY(pop_args(c, t3, 3, o));
        if (c->dead)
            return OL_OK;
        o[3] = x;
        return emit_fields(c, OL__OP_table_fill, o, 4);
    }
    default:
        return malformed(c, "illegal opcode");
    }
}

static ol_err op_call(comp *c, uint32_t fi, const ol__functype *ft, bool indirect, uint32_t table)
{
    vent idx = {0};
    uint32_t ipos = 0, ioff = 0, at;
    if (indirect)
        TRY(pop(c, OL_WASM_I32, &idx, &ipos));
    vent tmp;
    for (uint32_t j = ft->nparams; j-- > 0;)
        TRY(pop(c, (uint8_t)ft->vt[j], &tmp, NULL));
    uint32_t base = c->vh;
    if (!c->dead) {
        /* Pops above left the argument entries in place in vs[]; put them in their slots. */
        for (uint32_t j = 0; j < ft->nparams; j++) {
            vent *e = &c->vs[base + j];
            TRY(emit_entry_to(c, e, base + j, soff(c, base + j)));
        }
        if (indirect)
            TRY(opnd(c, &idx, ipos, &ioff));
    }
    for (uint32_t j = 0; j < ft->nresults; j++)
        TRY(push(c, (uint8_t)ft->vt[ft->nparams + j]));
    if (c->dead)
        return OL_OK;
    if (indirect) {
        TRY(emit(c, OL__OP_call_indirect, 2, &at));
        set32(c, at + 1, 0, soff(c, base));
        set32(c, at + 1, 1, table);
        set32(c, at + 2, 0, fi);
        set32(c, at + 2, 1, ioff);
    } else if (fi < c->m->nfunc_imports) {
        TRY(emit(c, OL__OP_call_func, 1, &at));
        set32(c, at + 1, 0, soff(c, base));
        set32(c, at + 1, 1, fi);
    } else {
        ol__funcbody *b = &c->m->bodies[fi - c->m->nfunc_imports];
        if (b->code == NULL) {
            /* Later functions get their (stable) code record now; compiling them fills it. */
            b->code = ol_calloc(c->a, 1, sizeof *b->code);
            if (b->code == NULL)
                return OL_FAIL(c->d, OL_E_NOMEM, "call");
        }
        TRY(emit(c, OL__OP_call, 2, &at));
        set32(c, at + 1, 0, soff(c, base));
        c->ir[at + 2].h = b->code;
    }
    return OL_OK;
}

static ol_err op_local(comp *c, uint8_t opc)
{
    uint32_t x, pos;
    vent e;
    TRY(rd_idx(c, &x));
    if (x >= c->nlocal_decl)
        return invalid(c, "unknown local");
    uint8_t t = c->ltypes[x];
    if (opc == 0x20)
        return push_deferred(c, t, K_LOCAL, x, 0);
    bool can_patch = c->last_valid;
    uint32_t lpos = c->last_pos, lcell = c->last_dst_cell;
    uint8_t lhalf = c->last_dst_half;
    TRY(pop(c, t, &e, &pos));
    if (!c->dead) {
        bool self = e.k == K_LOCAL && e.local == x;
        /* Deferred reads of x must see its old value. */
        for (uint32_t j = 0; j < c->nd && !self;) {
            uint32_t i = c->dl[j];
            if (c->vs[i].k == K_LOCAL && c->vs[i].local == x) {
                TRY(mat(c, i));
                can_patch = false;
            } else {
                j++;
            }
        }
        if (self) {
        } else if (e.k == K_SLOT) {
            if (can_patch && lpos == pos)
                set32(c, lcell, lhalf, loff(x));
            else
                TRY(emit_copy(c, soff(c, pos), loff(x)));
        } else if (e.k == K_LOCAL) {
            TRY(emit_copy(c, loff(e.local), loff(x)));
        } else {
            TRY(emit_const(c, e.imm, loff(x)));
        }
    }
    c->last_valid = false;
    if (opc == 0x22)
        return push_deferred(c, t, K_LOCAL, x, 0);
    return OL_OK;
}

static ol_err op_select(comp *c, uint8_t want)
{
    vent a, b, k;
    uint32_t pa, pb, pk, o[4], at;
    TRY(pop(c, OL_WASM_I32, &k, &pk));
    TRY(pop(c, want, &b, &pb));
    TRY(pop(c, want, &a, &pa));
    uint8_t t = want;
    if (want == T_UNKNOWN) {
        if ((a.t != T_UNKNOWN && !(a.t == OL_WASM_I32 || a.t == OL_WASM_I64 || a.t == OL_WASM_F32 ||
                                   a.t == OL_WASM_F64)) ||
            (b.t != T_UNKNOWN && !(b.t == OL_WASM_I32 || b.t == OL_WASM_I64 || b.t == OL_WASM_F32 ||
                                   b.t == OL_WASM_F64)))
            return invalid(c, "type mismatch: select without a type needs numeric operands");
        if (a.t != T_UNKNOWN && b.t != T_UNKNOWN && a.t != b.t)
            return invalid(c, "type mismatch: select operands differ");
        t = a.t != T_UNKNOWN ? a.t : b.t;
    }
    TRY(push(c, t));
    if (c->dead)
        return OL_OK;
    TRY(opnd(c, &a, pa, &o[0]));
    TRY(opnd(c, &b, pb, &o[1]));
    TRY(opnd(c, &k, pk, &o[2]));
    o[3] = soff(c, pa);
    TRY(emit(c, OL__OP_select, 2, &at));
    for (uint32_t i = 0; i < 4; i++)
        set32(c, at + 1 + i / 2, i % 2, o[i]);
    mark_last(c, at, OL__OP_select, at + 2, 1, pa);
    return OL_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The instruction loop
 * ------------------------------------------------------------------------------------------- */

static ol_err compile_body(comp *c)
{
    ol__rd_status st;
    while (c->ch > 0) {
        uint8_t opc;
        c->ins_off = ol__rd_off(&c->r);
        if ((st = ol__rd_u8(&c->r, &opc)) != OL__RD_OK)
            return malformed(c, "unexpected end of function body (END opcode expected)");
        c->opcode = opc;
        if (!c->dead && !(opc == 0x01 || opc == 0x02 || opc == 0x03 || opc == 0x05 || opc == 0x0b))
            c->cum++;
        bool control = opc <= 0x11;
        if (control)
            c->last_copy = NONE;
        const opinfo *oi = &k_ops[opc];
        if (oi->op != 0) {
            switch (oi->kind) {
            case 1:
                TRY(op_binop(c, oi));
                continue;
            case 2:
                TRY(op_unop(c, oi));
                continue;
            case 3:
                TRY(op_load(c, oi));
                continue;
            case 4:
                TRY(op_store(c, oi));
                continue;
            default:
                break;
            }
        }
        switch (opc) {
        case 0x00: /* unreachable */
            if (!c->dead) {
                uint32_t at;
                finalize(c);
                TRY(emit(c, OL__OP_unreachable, 0, &at));
            }
            set_unreachable(c);
            break;
        case 0x01: /* nop */
            break;
        case 0x02:
        case 0x03: {
            blocktype bt;
            TRY(read_blocktype(c, &bt));
            TRY(push_ctrl(c, opc, &bt));
            if (opc == 0x03 && !c->dead) {
                ctrl *f = &c->cs[c->ch - 1];
                int32_t id;
                f->loop_cell = c->n;
                TRY(new_seg(c, &id));
                TRY(open_seg(c, id));
                c->cs[c->ch - 1].seg = id;
            }
            c->last_valid = false;
            break;
        }
        case 0x04: {
            blocktype bt;
            vent cond;
            uint32_t pos;
            TRY(read_blocktype(c, &bt));
            TRY(pop(c, OL_WASM_I32, &cond, &pos));
            condbr b = {0};
            bool live = !c->dead;
            if (live)
                TRY(emit_cond(c, &cond, pos, false, &b, c->cs[c->ch - 1].height, true));
            TRY(push_ctrl(c, 0x04, &bt));
            if (live) {
                ctrl *f = &c->cs[c->ch - 1];
                f->if_pending = true;
                f->if_ins = b.ins;
                f->if_rel_cell = b.rel_cell;
                f->if_rel_half = b.rel_half;
                f->if_cost_cell = b.costt_cell;
                f->if_cost_half = b.costt_half;
                TRY(start_fallthrough(c, b.costnt_cell, b.costnt_half));
            }
            break;
        }
        case 0x05:
            TRY(op_else(c));
            break;
        case 0x0b:
            TRY(op_end(c));
            break;
        case 0x0c: { /* br */
            uint32_t li, n;
            const ol_wasm_valtype *t;
            vent tmp;
            TRY(read_label(c, &li));
            label_types(c, li, &t, &n);
            TRY(peek_types(c, t, n, false));
            if (!c->dead)
                TRY(emit_br(c, li));
            for (uint32_t j = n; j-- > 0;)
                TRY(pop(c, (uint8_t)t[j], &tmp, NULL));
            set_unreachable(c);
            break;
        }
        case 0x0d:
            TRY(op_br_if(c));
            break;
        case 0x0e:
            TRY(op_br_table(c));
            break;
        case 0x0f: { /* return */
            const ol_wasm_valtype *rt = c->ft->vt + c->ft->nparams;
            TRY(peek_types(c, rt, c->ft->nresults, false));
            if (!c->dead)
                TRY(emit_return(c));
            set_unreachable(c);
            break;
        }
        case 0x10: { /* call */
            uint32_t fi;
            TRY(rd_idx(c, &fi));
            if (fi >= c->m->nfuncs)
                return invalid(c, "unknown function");
            TRY(op_call(c, fi, &c->m->types[c->m->func_type[fi]], false, 0));
            break;
        }
        case 0x11: { /* call_indirect */
            uint32_t ti, tab;
            TRY(rd_idx(c, &ti));
            TRY(rd_idx(c, &tab));
            if (tab >= c->m->ntables)
                return invalid(c, "unknown table");
            if (ti >= c->m->ntypes)
                return invalid(c, "unknown type");
            if (c->m->tables[tab].elem != OL_WASM_FUNCREF)
                return invalid(c, "type mismatch: call_indirect needs a funcref table");
            TRY(op_call(c, ti, &c->m->types[ti], true, tab));
            break;
        }
        case 0x1a: { /* drop */
            vent tmp;
            TRY(pop(c, T_UNKNOWN, &tmp, NULL));
            break;
        }
        case 0x1b:
            TRY(op_select(c, T_UNKNOWN));
            break;
        case 0x1c: {
            uint32_t n;
            uint8_t t;
            TRY(rd_idx(c, &n));
            if (n != 1)
                return invalid(c, "invalid result arity for select");
            if ((st = ol__rd_u8(&c->r, &t)) != OL__RD_OK)
                return rd_fail(c, st);
            if (!ol__is_valtype(t))
                return malformed(c, "malformed value type");
            TRY(op_select(c, t));
            break;
        }
        case 0x20:
        case 0x21:
        case 0x22:
            TRY(op_local(c, opc));
            break;
        case 0x23: { /* global.get */
            uint32_t x, at;
            TRY(rd_idx(c, &x));
            if (x >= c->m->nglobals)
                return invalid(c, "unknown global");
            TRY(push(c, (uint8_t)c->m->globals[x].type));
            if (!c->dead) {
                TRY(emit(c, OL__OP_global_get, 1, &at));
                set32(c, at + 1, 0, soff(c, c->vh - 1));
                set32(c, at + 1, 1, x);
                mark_last(c, at, OL__OP_global_get, at + 1, 0, c->vh - 1);
            }
            break;
        }
        case 0x24: { /* global.set */
            uint32_t x, o;
            TRY(rd_idx(c, &x));
            if (x >= c->m->nglobals)
                return invalid(c, "unknown global");
            if (!c->m->globals[x].mut)
                return invalid(c, "global is immutable");
            uint8_t t = (uint8_t)c->m->globals[x].type;
            TRY(pop_args(c, &t, 1, &o));
            if (!c->dead) {
                uint32_t f[2] = {o, x};
                TRY(emit_fields(c, OL__OP_global_set, f, 2));
            }
            break;
        }
        case 0x25: /* table.get */
        case 0x26: /* table.set */ {
            uint32_t x, o[2];
            TRY(rd_idx(c, &x));
            TRY(check_table(c, x));
            uint8_t et = (uint8_t)c->m->tables[x].elem;
            if (opc == 0x25) {
                const uint8_t t1 = OL_WASM_I32;
                TRY(pop_args(c, &t1, 1, o));
                TRY(push(c, et));
                if (!c->dead) {
                    uint32_t f[4] = {o[0], soff(c, c->vh - 1), x, 0};
                    TRY(emit_fields(c, OL__OP_table_get, f, 4));
                }
            } else {
                const uint8_t t2[2] = {OL_WASM_I32, et};
                TRY(pop_args(c, t2, 2, o));
                if (!c->dead) {
                    uint32_t f[4] = {o[0], o[1], x, 0};
                    TRY(emit_fields(c, OL__OP_table_set, f, 4));
                }
            }
            break;
        }
        case 0x3f: /* memory.size */
        case 0x40: /* memory.grow */ {
            uint32_t o;
            TRY(rd_zero(c));
            TRY(check_mem(c));
            if (opc == 0x3f) {
                TRY(push(c, OL_WASM_I32));
                if (!c->dead) {
                    uint32_t f[2] = {soff(c, c->vh - 1), 0};
                    TRY(emit_fields(c, OL__OP_memory_size, f, 2));
                }
            } else {
                const uint8_t t1 = OL_WASM_I32;
                TRY(pop_args(c, &t1, 1, &o));
                TRY(push(c, OL_WASM_I32));
                if (!c->dead) {
                    uint32_t f[2] = {o, soff(c, c->vh - 1)};
                    TRY(emit_fields(c, OL__OP_memory_grow, f, 2));
                }
            }
            break;
        }
        case 0x41: {
            int64_t v;
            if ((st = ol__rd_sleb(&c->r, 32, &v)) != OL__RD_OK)
                return rd_fail(c, st);
            TRY(push_deferred(c, OL_WASM_I32, K_CONST, 0, (uint64_t)(uint32_t)v));
            break;
        }
        case 0x42: {
            int64_t v;
            if ((st = ol__rd_sleb(&c->r, 64, &v)) != OL__RD_OK)
                return rd_fail(c, st);
            TRY(push_deferred(c, OL_WASM_I64, K_CONST, 0, (uint64_t)v));
            break;
        }
        case 0x43:
        case 0x44: {
            uint64_t v;
            if ((st = ol__rd_fixed(&c->r, opc == 0x43 ? 4 : 8, &v)) != OL__RD_OK)
                return rd_fail(c, st);
            TRY(push_deferred(c, opc == 0x43 ? OL_WASM_F32 : OL_WASM_F64, K_CONST, 0, v));
            break;
        }
        case 0xbc: /* reinterpretations only retype the value */
        case 0xbd:
        case 0xbe:
        case 0xbf: {
            static const uint8_t from[4] = {OL_WASM_F32, OL_WASM_F64, OL_WASM_I32, OL_WASM_I64};
            static const uint8_t to[4] = {OL_WASM_I32, OL_WASM_I64, OL_WASM_F32, OL_WASM_F64};
            vent e;
            uint32_t pos;
            TRY(pop(c, from[opc - 0xbc], &e, &pos));
            TRY(push(c, to[opc - 0xbc]));
            if (!c->dead && e.k != K_SLOT) {
                c->vs[pos] = e;
                c->vs[pos].t = to[opc - 0xbc];
                c->dl[c->nd++] = pos; /* it was the top deferred entry before the pop */
            } else if (!c->dead && c->last_valid && c->last_pos == pos) {
                /* keep patchability, but not fusion: the producer's opcode no longer applies */
                c->last_op = OL__OP_COUNT;
            }
            break;
        }
        case 0xd0: { /* ref.null */
            uint8_t t;
            if ((st = ol__rd_u8(&c->r, &t)) != OL__RD_OK)
                return rd_fail(c, st);
            if (!ol__is_reftype(t))
                return malformed(c, "malformed reference type");
            TRY(push_deferred(c, t, K_CONST, 0, 0));
            break;
        }
        case 0xd1: { /* ref.is_null */
            vent e;
            uint32_t pos, o, at;
            TRY(pop(c, T_UNKNOWN, &e, &pos));
            if (e.t != T_UNKNOWN && !ol__is_reftype(e.t))
                return invalid(c, "type mismatch: ref.is_null needs a reference");
            TRY(push(c, OL_WASM_I32));
            if (!c->dead) {
                TRY(opnd(c, &e, pos, &o));
                TRY(emit(c, OL__OP_ref_is_null, 1, &at));
                set32(c, at + 1, 0, o);
                set32(c, at + 1, 1, soff(c, pos));
                mark_last(c, at, OL__OP_ref_is_null, at + 1, 1, pos);
            }
            break;
        }
        case 0xd2: { /* ref.func */
            uint32_t x;
            TRY(rd_idx(c, &x));
            if (x >= c->m->nfuncs)
                return invalid(c, "unknown function");
            if (!c->m->func_declared[x])
                return invalid(c, "undeclared function reference");
            TRY(push(c, OL_WASM_FUNCREF));
            if (!c->dead) {
                uint32_t f[2] = {soff(c, c->vh - 1), x};
                TRY(emit_fields(c, OL__OP_ref_func, f, 2));
            }
            break;
        }
        case 0xfc:
            TRY(op_prefix_fc(c));
            break;
        default:
            return malformed(c, "illegal opcode");
        }
        if (control)
            c->last_copy = NONE;
    }
    if (c->r.p != c->r.end)
        return malformed(c, "operators remaining after the end of the function");
    return OL_OK;
}

static ol_err read_locals(comp *c)
{
    uint32_t ngroups;
    ol__rd_status st;
    uint64_t total = c->ft->nparams;
    if ((st = ol__rd_u32(&c->r, &ngroups)) != OL__RD_OK)
        return rd_fail(c, st);
    const uint8_t *save = c->r.p;
    /* First pass: count (bounded), second pass: fill. */
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t n;
        uint8_t t;
        if ((st = ol__rd_u32(&c->r, &n)) != OL__RD_OK)
            return rd_fail(c, st);
        if ((st = ol__rd_u8(&c->r, &t)) != OL__RD_OK)
            return rd_fail(c, st);
        if (!ol__is_valtype(t))
            return malformed(c, "malformed value type in locals");
        total += n;
        if (total > OL__MAX_LOCALS)
            return malformed(c, "too many locals");
    }
    c->nlocal_decl = (uint32_t)total;
    c->nlocals = c->nlocal_decl + 1;
    c->zslot = loff(c->nlocal_decl);
    c->ltypes = ol_malloc(c->a, total ? total : 1);
    if (c->ltypes == NULL)
        return OL_FAIL(c->d, OL_E_NOMEM, "locals");
    for (uint32_t i = 0; i < c->ft->nparams; i++)
        c->ltypes[i] = (uint8_t)c->ft->vt[i];
    c->r.p = save;
    uint32_t k = c->ft->nparams;
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t n;
        uint8_t t;
        (void)ol__rd_u32(&c->r, &n);
        (void)ol__rd_u8(&c->r, &t);
        memset(c->ltypes + k, t, n);
        k += n;
    }
    return OL_OK;
}

/* The function's own frame, whose label is the return, and the entry segment. */
static ol_err begin_function(comp *c)
{
    int32_t entry;
    GROW(c->cs, c->ccap, 1);
    ctrl *f = &c->cs[c->ch++];
    memset(f, 0, sizeof *f);
    f->bt = (blocktype){0, c->ft->nresults, NULL, c->ft->vt + c->ft->nparams};
    f->seg = -1;
    f->fix = NONE;
    TRY(new_seg(c, &entry));
    TRY(open_seg(c, entry));
    return ref_cost(c, entry, NONE, 0);
}

/* Moves the finished code into *code, trimmed to size. */
static ol_err finish(comp *c, ol__code *code)
{
    ol__cell *ir =
        ol_realloc(c->a, c->ir, (size_t)c->cap * sizeof *c->ir, (size_t)c->n * sizeof *c->ir);
    if (ir == NULL)
        return OL_FAIL(c->d, OL_E_NOMEM, "function %u", c->fidx);
    c->ir = ir;
    c->cap = c->n;
    uint32_t *offs = ol_realloc(c->a, c->offs, (size_t)c->offcap * sizeof *c->offs,
                                (size_t)c->noffs * sizeof *c->offs);
    if (offs == NULL)
        return OL_FAIL(c->d, OL_E_NOMEM, "function %u", c->fidx);
    c->offs = offs;
    c->offcap = c->noffs;
    code->ir = c->ir;
    code->ncells = c->n;
    code->offsets = c->offs;
    code->noffsets = c->noffs / 2;
    c->ir = NULL;
    c->offs = NULL;
    c->cap = c->offcap = 0;
    code->func_index = c->fidx;
    code->nparams = c->ft->nparams;
    code->nresults = c->ft->nresults;
    code->nlocals = c->nlocals;
    code->frame_slots = c->nlocals + c->vmax + 1;
    code->entry_cost = c->entry_cost;
    return OL_OK;
}

static void comp_free(comp *c)
{
    const ol_allocator *a = c->a;
    ol_free(a, c->ltypes, c->nlocal_decl ? c->nlocal_decl : 1);
    ol_free(a, c->vs, (size_t)c->vcap * sizeof *c->vs);
    ol_free(a, c->cs, (size_t)c->ccap * sizeof *c->cs);
    ol_free(a, c->ir, (size_t)c->cap * sizeof *c->ir);
    ol_free(a, c->offs, (size_t)c->offcap * sizeof *c->offs);
    ol_free(a, c->fx, (size_t)c->fxcap * sizeof *c->fx);
    ol_free(a, c->sg, (size_t)c->sgcap * sizeof *c->sg);
    ol_free(a, c->open, (size_t)c->opencap * sizeof *c->open);
}

ol_err ol__wasm_compile(ol_wasm_module *m, const uint8_t *bytes, size_t len, uint32_t defined,
                        ol_diag *d)
{
    comp cc;
    comp *c = &cc;
    memset(c, 0, sizeof *c);
    c->m = m;
    c->a = &m->alloc;
    c->d = d;
    c->fidx = m->nfunc_imports + defined;
    c->last_copy = NONE;
    c->ft = &m->types[m->func_type[c->fidx]];
    ol__funcbody *body = &m->bodies[defined];
    if ((size_t)body->off + body->len > len)
        return OL_FAIL(d, OL_E_MALFORMED, "code section, function %u: body out of bounds", c->fidx);
    c->r = (ol__reader){bytes, bytes + body->off, bytes + body->off + body->len};
    c->ins_off = body->off;
    ol_err rc = read_locals(c);
    if (rc == OL_OK)
        rc = begin_function(c);
    if (rc == OL_OK)
        rc = compile_body(c);
    if (rc == OL_OK && (uint64_t)c->nlocals + c->vmax > OL__MAX_FRAME_SLOTS)
        rc = invalid(c, "function needs too many value slots");
    if (rc == OL_OK) {
        ol__code *code = body->code;
        if (code == NULL && (code = ol_calloc(c->a, 1, sizeof *code)) == NULL)
            rc = OL_FAIL(d, OL_E_NOMEM, "function %u", c->fidx);
        else
            body->code = code;
        if (rc == OL_OK)
            rc = finish(c, code);
    }
    comp_free(c);
    return rc;
}

void ol__wasm_code_free(const ol_allocator *a, ol__code *code)
{
    if (code == NULL)
        return;
    ol_free(a, code->ir, (size_t)code->ncells * sizeof *code->ir);
    ol_free(a, code->offsets, (size_t)code->noffsets * 2 * sizeof *code->offsets);
    ol_free(a, code, sizeof *code);
}

uint32_t ol__wasm_code_offset(const ol__code *code, const ol__cell *pc)
{
    if (code == NULL || code->noffsets == 0 || pc < code->ir)
        return 0;
    uint32_t cell = (uint32_t)(pc - code->ir);
    uint32_t lo = 0, hi = code->noffsets;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (code->offsets[2 * mid] <= cell)
            lo = mid;
        else
            hi = mid;
    }
    return code->offsets[2 * lo + 1];
}
