/* Engine-private definitions shared by the files of src/wasm. Never included outside it.
 *
 *   wasm_decode.c    bytes -> ol_wasm_module (sections, index spaces, const exprs), module-level
 *                    validation; function bodies are left as byte ranges.
 *   wasm_compile.c   validates each function body and compiles it to the internal code (ol__code).
 *   wasm_exec.c      the interpreter (one dispatch loop; switch or computed goto).
 *   wasm_instance.c  stores, host objects, instantiation, exports, the public call entry.
 *   wasm_num.h       exact WebAssembly numeric semantics as inline functions (no C UB).
 */
#ifndef OL_WASM_INT_H
#define OL_WASM_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ol/wasm.h"

/* ---------------------------------------------------------------------------------------------
 * Implementation limits (beyond the ones in ol_wasm_limits). Exceeding one is a validation
 * error naming the limit, never a crash.
 * ------------------------------------------------------------------------------------------- */
#define OL__MAX_TYPES        1000000u
#define OL__MAX_FUNCS        1000000u
#define OL__MAX_IMPORTS      100000u
#define OL__MAX_EXPORTS      100000u
#define OL__MAX_GLOBALS      1000000u
#define OL__MAX_TABLES       100000u
#define OL__MAX_SEGMENTS     100000u
#define OL__MAX_PARAMS       1000u
#define OL__MAX_RESULTS      1000u
#define OL__MAX_LOCALS       50000u   /* per function, including params */
#define OL__MAX_FRAME_SLOTS  1000000u /* locals + operand stack height, per function */
#define OL__MAX_MEMORY_PAGES 65536u
#define OL__MAX_TABLE_ELEMS  10000000u /* declared table minimum */
#define OL__MAX_HOST_NEST    64u       /* host -> wasm re-entry depth */

/* ---------------------------------------------------------------------------------------------
 * Byte reader (LEB128 as the spec requires: bounded length, unused bits zero/sign-consistent)
 * ------------------------------------------------------------------------------------------- */
typedef struct ol__reader {
    const uint8_t *base; /* start of the module: offsets in messages are p - base */
    const uint8_t *p;
    const uint8_t *end;
} ol__reader;

typedef enum ol__rd_status {
    OL__RD_OK = 0,
    OL__RD_EOF,      /* "unexpected end" */
    OL__RD_TOO_LONG, /* "integer representation too long" */
    OL__RD_TOO_BIG,  /* "integer too large" (unused bits not zero / sign-extended) */
} ol__rd_status;

static inline size_t ol__rd_off(const ol__reader *r)
{
    return (size_t)(r->p - r->base);
}

/* Every reader writes *v on all paths (0 on failure), so callers never see an unset value. */
static inline ol__rd_status ol__rd_u8(ol__reader *r, uint8_t *v)
{
    *v = 0;
    if (r->p >= r->end)
        return OL__RD_EOF;
    *v = *r->p++;
    return OL__RD_OK;
}

/* Unsigned LEB128 of at most `bits` (32 or 64) bits. */
static inline ol__rd_status ol__rd_uleb(ol__reader *r, unsigned bits, uint64_t *v)
{
    uint64_t result = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    *v = 0;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end)
            return OL__RD_EOF;
        uint8_t b = *r->p++;
        if (i == maxbytes - 1) {
            if (b & 0x80)
                return OL__RD_TOO_LONG;
            unsigned used = bits - shift; /* bits still available in this byte */
            if (used < 7 && (b >> used) != 0)
                return OL__RD_TOO_BIG;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
    }
    *v = result;
    return OL__RD_OK;
}

/* Signed LEB128 of at most `bits` (32, 33 or 64) bits, sign-extended to 64. */
static inline ol__rd_status ol__rd_sleb(ol__reader *r, unsigned bits, int64_t *v)
{
    uint64_t result = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    uint8_t b = 0;
    *v = 0;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end)
            return OL__RD_EOF;
        b = *r->p++;
        if (i == maxbytes - 1) {
            if (b & 0x80)
                return OL__RD_TOO_LONG;
            /* The unused high bits of the last byte must all equal the sign bit. */
            unsigned used = bits - shift; /* 1..7 meaningful bits incl. sign */
            if (used < 7) {
                int8_t sb = (int8_t)(uint8_t)(b << 1); /* drop continuation bit */
                int8_t rest = (int8_t)(sb >> used);    /* arithmetic: high bits incl. sign */
                if (rest != 0 && rest != -1)
                    return OL__RD_TOO_BIG;
            }
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        result |= ~(uint64_t)0 << shift;
    memcpy(v, &result, sizeof result);
    return OL__RD_OK;
}

static inline ol__rd_status ol__rd_u32(ol__reader *r, uint32_t *v)
{
    uint64_t x;
    ol__rd_status st = ol__rd_uleb(r, 32, &x);
    *v = (uint32_t)x;
    return st;
}

static inline ol__rd_status ol__rd_fixed(ol__reader *r, size_t n, uint64_t *v)
{
    *v = 0;
    if ((size_t)(r->end - r->p) < n)
        return OL__RD_EOF;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    *v = x;
    return OL__RD_OK;
}

static inline const char *ol__rd_msg(ol__rd_status st)
{
    switch (st) {
    case OL__RD_OK:
        return "ok";
    case OL__RD_EOF:
        return "unexpected end";
    case OL__RD_TOO_LONG:
        return "integer representation too long";
    case OL__RD_TOO_BIG:
        return "integer too large";
    }
    return "?";
}

/* ---------------------------------------------------------------------------------------------
 * The decoded module
 * ------------------------------------------------------------------------------------------- */

static inline bool ol__is_valtype(uint8_t b)
{
    return b == OL_WASM_I32 || b == OL_WASM_I64 || b == OL_WASM_F32 || b == OL_WASM_F64 ||
           b == OL_WASM_FUNCREF || b == OL_WASM_EXTERNREF;
}
static inline bool ol__is_reftype(uint8_t b)
{
    return b == OL_WASM_FUNCREF || b == OL_WASM_EXTERNREF;
}

/* A function type: vt[0..nparams) params, vt[nparams..nparams+nresults) results. */
typedef struct ol__functype {
    uint32_t nparams;
    uint32_t nresults;
    ol_wasm_valtype *vt; /* owned by the module; NULL when both counts are 0 */
} ol__functype;

/* A constant expression (Wasm 2.0: exactly one instruction then `end`). */
typedef enum ol__ce_kind {
    OL__CE_CONST = 0,  /* i32/i64/f32/f64.const: value holds the slot bits */
    OL__CE_REF_NULL,   /* value 0 */
    OL__CE_REF_FUNC,   /* value = function index */
    OL__CE_GLOBAL_GET, /* value = global index (an imported global, per 2.0 validation) */
} ol__ce_kind;

typedef struct ol__constexpr {
    ol__ce_kind kind;
    ol_wasm_valtype type; /* type of the result */
    uint64_t value;
} ol__constexpr;

typedef struct ol__import {
    char *module; /* NUL-terminated copy, owned */
    uint32_t module_len;
    char *name; /* NUL-terminated copy, owned */
    uint32_t name_len;
    ol_wasm_extern_kind kind;
    uint32_t index; /* index in its kind's index space (imports come first) */
} ol__import;

typedef struct ol__table_type {
    ol_wasm_valtype elem;
    ol_wasm_limits_type limits;
} ol__table_type;

typedef struct ol__global_type {
    ol_wasm_valtype type;
    bool mut;
    ol__constexpr init; /* defined globals only */
} ol__global_type;

typedef struct ol__export {
    char *name; /* NUL-terminated copy, owned */
    uint32_t name_len;
    ol_wasm_extern_kind kind;
    uint32_t index;
} ol__export;

typedef enum ol__seg_mode {
    OL__SEG_ACTIVE = 0,
    OL__SEG_PASSIVE,
    OL__SEG_DECLARATIVE, /* elements only */
} ol__seg_mode;

typedef struct ol__elem {
    ol__seg_mode mode;
    ol_wasm_valtype type; /* FUNCREF or EXTERNREF */
    uint32_t table;       /* active */
    ol__constexpr offset; /* active; type i32 */
    uint32_t count;
    ol__constexpr *items; /* count items, owned; each REF_NULL, REF_FUNC or GLOBAL_GET */
} ol__elem;

typedef struct ol__data {
    ol__seg_mode mode;
    uint32_t mem;         /* active */
    ol__constexpr offset; /* active; type i32 */
    uint32_t len;
    uint8_t *bytes; /* owned copy; NULL when len == 0 */
} ol__data;

typedef union ol__cell ol__cell;
typedef struct ol__code ol__code;

typedef struct ol__funcbody {
    uint32_t off;   /* offset of the body (after its size prefix) in the module bytes */
    uint32_t len;   /* body size in bytes (locals + expression) */
    ol__code *code; /* compiled code, owned; set by ol__wasm_compile */
} ol__funcbody;

struct ol_wasm_module {
    ol_allocator alloc;

    uint32_t ntypes;
    ol__functype *types;

    uint32_t nimports;
    ol__import *imports;

    /* Function index space: imports first. func_type[i] is a type index. */
    uint32_t nfuncs, nfunc_imports;
    uint32_t *func_type;
    ol__funcbody *bodies; /* nfuncs - nfunc_imports entries */

    uint32_t ntables, ntable_imports;
    ol__table_type *tables;

    uint32_t nmems, nmem_imports; /* Wasm 2.0: nmems <= 1 */
    ol_wasm_limits_type *mems;

    uint32_t nglobals, nglobal_imports;
    ol__global_type *globals;

    uint32_t nexports;
    ol__export *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    ol__elem *elems;

    bool has_datacount;
    uint32_t datacount;
    uint32_t ndatas;
    ol__data *datas;

    /* C.refs: functions that may appear in ref.func inside function bodies (referenced by
     * element segments, global initialisers or exports). nfuncs bytes, 0/1. */
    uint8_t *func_declared;
};

/* Fills m (zeroed by the caller, alloc set) from the binary. On failure m may be partially
 * filled; ol__wasm_module_clear() releases whatever was allocated. Does not compile bodies. */
ol_err ol__wasm_decode(ol_wasm_module *m, const uint8_t *bytes, size_t len, ol_diag *d);
/* Releases everything m owns (including compiled code), leaving m zeroed but for alloc. */
void ol__wasm_module_clear(ol_wasm_module *m);

/* ---------------------------------------------------------------------------------------------
 * Compiled code
 *
 * A function compiles to an array of 64-bit cells. Each instruction is a handler cell (a label
 * address in the computed-goto build, an opcode number in the switch build) followed by operand
 * cells. Operands are 32-bit fields packed two per cell; a "slot" operand is the byte offset of
 * a 64-bit value slot from the frame pointer. A frame is [params | locals | operand stack].
 * ------------------------------------------------------------------------------------------- */
union ol__cell {
    const void *h;
    uint64_t u64;
    int64_t i64;
    uint32_t u32[2];
    int32_t i32[2];
};

struct ol__code {
    ol__cell *ir;
    uint32_t ncells;
    uint32_t func_index; /* in the module's function index space */
    uint32_t nparams;
    uint32_t nresults;
    uint32_t nlocals;     /* params + declared locals */
    uint32_t frame_slots; /* nlocals + maximum operand height (+ compiler scratch) */
    uint32_t entry_cost;  /* fuel of the entry block */
    uint32_t noffsets;    /* pairs in offsets */
    uint32_t *offsets;    /* (cell index, module byte offset) pairs sorted by cell index */
};

/* Validates and compiles defined function `defined` (0-based among defined functions) of m, whose
 * bytes are `bytes` (the same buffer given to the decoder). Sets m->bodies[defined].code. */
ol_err ol__wasm_compile(ol_wasm_module *m, const uint8_t *bytes, size_t len, uint32_t defined,
                        ol_diag *d);
void ol__wasm_code_free(const ol_allocator *a, ol__code *c);

/* Writes a listing of the compiled code to f (a FILE *; void * keeps stdio out of this header). */
void ol__wasm_code_dump(void *f, const ol__code *c);

/* Byte offset in the module of the instruction whose handler cell is at `pc`. */
uint32_t ol__wasm_code_offset(const ol__code *c, const ol__cell *pc);

/* ---------------------------------------------------------------------------------------------
 * Runtime objects (all owned by their store)
 * ------------------------------------------------------------------------------------------- */

struct ol_wasm_memory {
    ol_wasm_store *store;
    uint8_t *data; /* mmap'ed reservation; [0, len) readable/writable */
    uint64_t len;  /* bytes = pages * 64 KiB */
    uint32_t pages;
    uint32_t max_pages; /* effective maximum: min(declared, store limit) */
    uint32_t decl_max;  /* declared maximum, UINT32_MAX if none (for import matching) */
    size_t reserved;    /* bytes reserved by mmap */
};

struct ol_wasm_table {
    ol_wasm_store *store;
    uint64_t *elems; /* size entries (allocated cap) */
    uint32_t size;
    uint32_t cap;
    uint32_t decl_max; /* declared maximum, UINT32_MAX if none */
    ol_wasm_valtype elem;
};

struct ol_wasm_global {
    ol_wasm_store *store;
    uint64_t value;
    ol_wasm_valtype type;
    bool mut;
};

struct ol_wasm_func {
    ol_wasm_store *store;
    uint32_t sig; /* store-interned signature id: equal ids <=> equal types */
    uint32_t nparams;
    uint32_t nresults;
    ol_wasm_valtype *vt; /* params then results; owned by the store's signature table */
    /* WebAssembly function: */
    ol_wasm_instance *inst;
    const ol__code *code;
    /* Host function (code == NULL): */
    ol_wasm_host_fn fn;
    void *ud;
};

struct ol_wasm_instance {
    ol_wasm_store *store;
    const ol_wasm_module *module;
    ol_wasm_func **funcs;     /* module->nfuncs */
    ol_wasm_table **tables;   /* module->ntables */
    ol_wasm_memory *mem;      /* memory 0 or NULL */
    ol_wasm_global **globals; /* module->nglobals */
    uint32_t *type_sig;       /* module->ntypes: store signature id of each type */
    uint64_t **elem_items;    /* module->nelems: evaluated references */
    uint32_t *elem_len;       /* current length; 0 once dropped (and for active/declarative) */
    uint32_t *data_len;       /* module->ndatas: current length; 0 once dropped/active */
};

/* One activation record on the store's call stack (saved caller state). */
typedef struct ol__frame {
    const ol__cell *ret_pc;
    uint64_t *fp;
    ol_wasm_instance *inst;
    const ol__code *code;
} ol__frame;

struct ol_wasm_caller {
    ol_wasm_store *store;
    ol_wasm_instance *inst; /* instance whose code called the host function */
    ol_wasm_trap *trap;     /* where a host trap is recorded */
};

struct ol_wasm_store {
    ol_allocator alloc;
    ol_wasm_limits limits; /* defaults applied */

    uint64_t memory_limit_hits; /* memory.grow refused by limits.max_memory_pages */
    uint64_t fuel;              /* remaining */
    uint64_t fuel_initial;      /* as last set */
    atomic_bool interrupt;

    /* Value stack (slots) and call stack, allocated on first call. */
    uint64_t *stack;
    uint64_t *stack_end;
    uint64_t *stack_top; /* first free slot (for re-entrant calls) */
    ol__frame *frames;
    uint32_t nframes;   /* capacity = limits.max_call_depth */
    uint32_t depth;     /* frames in use */
    uint32_t host_nest; /* active host -> wasm re-entries */

    /* Interned signatures and everything the store owns. */
    uint32_t nsigs, sigs_cap;
    ol__functype *sigs;
    uint32_t ninstances;
    /* Object lists (owner bookkeeping), managed by wasm_instance.c. */
    void *objects;
};

/* Interns a signature; *id is equal for structurally equal types. */
ol_err ol__wasm_store_sig(ol_wasm_store *s, uint32_t nparams, uint32_t nresults,
                          const ol_wasm_valtype *vt, uint32_t *id);
/* memory.grow semantics: old page count, or -1. Never touches the host allocator's limits in a
 * way a guest could exhaust: growth stops at max_pages. */
int64_t ol__wasm_memory_grow(ol_wasm_memory *mem, uint32_t delta);
/* table.grow semantics: old size, or -1. New elements are `init`. */
int64_t ol__wasm_table_grow(ol_wasm_table *t, uint32_t delta, uint64_t init);

/* Runs f (WebAssembly or host) with args (f->nparams slots), writing f->nresults slots to
 * results. OL_OK, OL_E_TRAP with *trap filled (trap non-NULL), or OL_E_NOMEM when the store's
 * stacks could not be allocated (nothing ran). Charges f's entry block. */
ol_err ol__wasm_invoke(ol_wasm_func *f, const uint64_t *args, uint64_t *results,
                       ol_wasm_trap *trap);

/* Fills a trap of `kind` with its standard message. */
void ol__wasm_trap_set(ol_wasm_trap *t, ol_wasm_trap_kind kind, uint32_t func_index,
                       uint32_t offset);

#endif
