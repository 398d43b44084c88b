/* Binary decoder: WebAssembly 2.0 bytes (no SIMD) -> struct ol_wasm_module, with every
 * module-level validation rule. Function bodies are only delimited (bodies[i].off/len);
 * wasm_compile.c decodes and validates their instructions.
 *
 * Invariants:
 *  - Every array the module owns holds exactly `count` elements of its type, where count is the
 *    field beside it, and both change in one step after a successful allocation. A module
 *    abandoned at any point can therefore be released by ol__wasm_module_clear().
 *  - A reader never passes the end of the section it decodes, and no array is allocated for a
 *    count before that count has been checked against the bytes left to describe it (and against
 *    the OL__MAX_* limits), so hostile input costs at most a fixed multiple of its own size
 *    (under 64 bytes of allocation per input byte).
 *  - Malformed beats invalid: the spec decodes the whole binary before validating it, so the
 *    first validation error is only remembered (dec.inv) and reported once the rest of the module
 *    has decoded. The one exception is a constant expression holding a non-constant instruction,
 *    whose end cannot be found without the instruction decoder; decoding stops there.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_int.h"

/* Section ids (binary format 5.5.2). */
enum {
    SEC_CUSTOM = 0,
    SEC_TYPE = 1,
    SEC_IMPORT = 2,
    SEC_FUNCTION = 3,
    SEC_TABLE = 4,
    SEC_MEMORY = 5,
    SEC_GLOBAL = 6,
    SEC_EXPORT = 7,
    SEC_START = 8,
    SEC_ELEMENT = 9,
    SEC_CODE = 10,
    SEC_DATA = 11,
    SEC_DATACOUNT = 12,
    SEC_MAX_ = 12,
};

/* Opcodes that may appear in a Wasm 2.0 constant expression. */
enum {
    OP_END = 0x0b,
    OP_GLOBAL_GET = 0x23,
    OP_I32_CONST = 0x41,
    OP_I64_CONST = 0x42,
    OP_F32_CONST = 0x43,
    OP_F64_CONST = 0x44,
    OP_REF_NULL = 0xd0,
    OP_REF_FUNC = 0xd2,
};

static const char *const section_names[SEC_MAX_ + 1] = {
    "custom section", "type section",   "import section",    "function section", "table section",
    "memory section", "global section", "export section",    "start section",    "element section",
    "code section",   "data section",   "datacount section",
};

/* Position of each non-custom section in the required order; datacount (12) sits between
 * element (9) and code (10). */
static const unsigned char section_rank[SEC_MAX_ + 1] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

typedef struct dec {
    ol_wasm_module *m;
    ol_diag *d;
    const char *where; /* "type section", "module header", ...: prefix of every message */
    bool in_section;   /* running out of bytes is "end of section" rather than "end of module" */
    ol_diag inv;       /* first validation error; code OL_OK while there is none */
} dec;

/* Formats "<where> @0x<off>: <msg>". A validation error goes to st->inv (first one wins) and
 * anything else straight to the caller's diagnostic. Returns code. */
__attribute__((format(printf, 6, 7))) static ol_err
dec_fail_at(dec *st, ol_err code, const char *file, int line, size_t off, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (code == OL_E_INVALID_MODULE) {
        if (st->inv.code == OL_OK)
            ol__diag_set(&st->inv, code, file, line, "%s @0x%zx: %s", st->where, off, msg);
    } else {
        ol__diag_set(st->d, code, file, line, "%s @0x%zx: %s", st->where, off, msg);
    }
    return code;
}

#define DEC_FAIL(st, code, off, ...) \
    dec_fail_at((st), (code), __FILE__, __LINE__, (off), __VA_ARGS__)
#define DEC_MALFORMED(st, off, ...) DEC_FAIL((st), OL_E_MALFORMED, (off), __VA_ARGS__)
/* Records a validation error and lets decoding go on (see "Malformed beats invalid"). */
#define DEC_INVALID(st, off, ...)   ((void)DEC_FAIL((st), OL_E_INVALID_MODULE, (off), __VA_ARGS__))
#define DEC_NOMEM(st, off, size) \
    DEC_FAIL((st), OL_E_NOMEM, (off), "out of memory (%zu bytes)", (size_t)(size))

#define TRY(expr)                \
    do {                         \
        ol_err try_rc_ = (expr); \
        if (try_rc_ != OL_OK)    \
            return try_rc_;      \
    } while (0)

/* ---------------------------------------------------------------------------------------------
 * Primitive readers: every failure becomes a malformed-module diagnostic at the value's offset.
 * ------------------------------------------------------------------------------------------- */

static size_t rd_left(const ol__reader *r)
{
    return (size_t)(r->end - r->p);
}

static ol_err rd_error(dec *st, ol__rd_status s, size_t off)
{
    if (s == OL__RD_EOF)
        return DEC_MALFORMED(st, off, "%s",
                             st->in_section ? "unexpected end of section or function"
                                            : "unexpected end");
    return DEC_MALFORMED(st, off, "%s", ol__rd_msg(s));
}

static ol_err rd_u8(dec *st, ol__reader *r, uint8_t *v)
{
    size_t off = ol__rd_off(r);
    ol__rd_status s = ol__rd_u8(r, v);
    return s == OL__RD_OK ? OL_OK : rd_error(st, s, off);
}

static ol_err rd_u32(dec *st, ol__reader *r, uint32_t *v)
{
    size_t off = ol__rd_off(r);
    ol__rd_status s = ol__rd_u32(r, v);
    return s == OL__RD_OK ? OL_OK : rd_error(st, s, off);
}

static ol_err rd_sleb(dec *st, ol__reader *r, unsigned bits, int64_t *v)
{
    size_t off = ol__rd_off(r);
    ol__rd_status s = ol__rd_sleb(r, bits, v);
    return s == OL__RD_OK ? OL_OK : rd_error(st, s, off);
}

static ol_err rd_fixed(dec *st, ol__reader *r, size_t n, uint64_t *v)
{
    size_t off = ol__rd_off(r);
    ol__rd_status s = ol__rd_fixed(r, n, v);
    return s == OL__RD_OK ? OL_OK : rd_error(st, s, off);
}

/* A vector length. Every element takes at least one byte, so a count the rest of the section
 * cannot hold is rejected before anything is allocated for it. (A tighter per-kind minimum
 * would bound allocations better but would report some truncated entries differently from the
 * spec, which first finds the error inside them.) `max` is the engine's limit (0: none). */
static ol_err rd_count(dec *st, ol__reader *r, uint32_t *n, uint32_t max, const char *what)
{
    size_t off = ol__rd_off(r);
    TRY(rd_u32(st, r, n));
    if (*n > rd_left(r))
        return DEC_MALFORMED(st, off,
                             "unexpected end of section or function (%" PRIu32
                             " %s declared, %zu bytes left)",
                             *n, what, rd_left(r));
    if (max != 0 && *n > max)
        return DEC_FAIL(st, OL_E_INVALID_MODULE, off,
                        "too many %s: %" PRIu32 " (limit %" PRIu32 ")", what, *n, max);
    return OL_OK;
}

/* The spec reads these one-byte codes as signed LEB128, so a set continuation bit is an
 * over-long integer rather than an unknown code. */
static ol_err bad_type_byte(dec *st, size_t off, uint8_t b, const char *what)
{
    if (b & 0x80)
        return DEC_MALFORMED(st, off, "integer representation too long");
    return DEC_MALFORMED(st, off, "malformed %s 0x%02x", what, b);
}

static ol_err rd_valtype(dec *st, ol__reader *r, ol_wasm_valtype *t)
{
    size_t off = ol__rd_off(r);
    uint8_t b;
    TRY(rd_u8(st, r, &b));
    if (!ol__is_valtype(b))
        return bad_type_byte(st, off, b, "value type");
    *t = (ol_wasm_valtype)b;
    return OL_OK;
}

static ol_err rd_reftype(dec *st, ol__reader *r, ol_wasm_valtype *t)
{
    size_t off = ol__rd_off(r);
    uint8_t b;
    TRY(rd_u8(st, r, &b));
    if (!ol__is_reftype(b))
        return bad_type_byte(st, off, b, "reference type");
    *t = (ol_wasm_valtype)b;
    return OL_OK;
}

static ol_err rd_limits(dec *st, ol__reader *r, ol_wasm_limits_type *lim)
{
    size_t off = ol__rd_off(r);
    uint8_t flags;
    TRY(rd_u8(st, r, &flags));
    /* Like the spec's decoder, treat the flag byte as a 1-bit LEB128 value. */
    if (flags & 0x80)
        return DEC_MALFORMED(st, off, "limits flags 0x%02x: integer representation too long",
                             flags);
    if (flags > 1)
        return DEC_MALFORMED(st, off, "limits flags 0x%02x: integer too large", flags);
    lim->has_max = flags == 1;
    TRY(rd_u32(st, r, &lim->min));
    lim->max = 0;
    if (lim->has_max)
        TRY(rd_u32(st, r, &lim->max));
    return OL_OK;
}

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the first continuation byte */
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c == 0xe0) {
            need = 2;
            lo = 0xa0;
        } else if (c == 0xed) {
            need = 2;
            hi = 0x9f;
        } else if (c >= 0xe1 && c <= 0xef) {
            need = 2;
        } else if (c == 0xf0) {
            need = 3;
            lo = 0x90;
        } else if (c >= 0xf1 && c <= 0xf3) {
            need = 3;
        } else if (c == 0xf4) {
            need = 3;
            hi = 0x8f;
        } else {
            return false;
        }
        if (n - i - 1 < need)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        }
        i += need + 1;
    }
    return true;
}

/* A name. With out != NULL, stores a NUL-terminated copy (n + 1 bytes) and its length, both
 * only on success. */
static ol_err rd_name(dec *st, ol__reader *r, char **out, uint32_t *out_len)
{
    size_t off = ol__rd_off(r);
    uint32_t n;
    TRY(rd_u32(st, r, &n));
    if (n > rd_left(r))
        return DEC_MALFORMED(st, off, "length out of bounds (name of %" PRIu32 " bytes)", n);
    if (!utf8_valid(r->p, n))
        return DEC_MALFORMED(st, off, "malformed UTF-8 encoding");
    if (out != NULL) {
        char *s = ol_malloc(&st->m->alloc, (size_t)n + 1);
        if (s == NULL)
            return DEC_NOMEM(st, off, (size_t)n + 1);
        memcpy(s, r->p, n);
        s[n] = '\0';
        *out = s;
        *out_len = n;
    }
    r->p += n;
    return OL_OK;
}

/* Grows an array of `count` elements of esz bytes by `add` zeroed ones. Returns the new array,
 * or NULL with the old one untouched. */
static void *grow_array(dec *st, void *p, uint32_t count, uint32_t add, size_t esz)
{
    size_t osz = (size_t)count * esz, nsz = ((size_t)count + add) * esz;
    uint8_t *q = ol_realloc(&st->m->alloc, p, osz, nsz);
    if (q != NULL)
        memset(q + osz, 0, nsz - osz);
    return q;
}

/* C.refs: ref.func inside a body may only name a function declared here. The array is sized
 * by nfuncs, which is final here: only sections after the function section mark. */
static ol_err mark_declared(dec *st, size_t off, uint32_t func)
{
    ol_wasm_module *m = st->m;
    if (m->func_declared == NULL) {
        m->func_declared = ol_calloc(&m->alloc, m->nfuncs, 1);
        if (m->func_declared == NULL)
            return DEC_NOMEM(st, off, m->nfuncs);
    }
    m->func_declared[func] = 1;
    return OL_OK;
}

/* Type of function `func`, or NULL when either index is out of range (already reported). */
static const ol__functype *func_functype(const ol_wasm_module *m, uint32_t func)
{
    if (func >= m->nfuncs || m->func_type[func] >= m->ntypes)
        return NULL;
    return &m->types[m->func_type[func]];
}

static void check_table_limits(dec *st, size_t off, const ol_wasm_limits_type *lim)
{
    /* No size cap here: the store applies its table limit at instantiation. */
    if (lim->has_max && lim->min > lim->max)
        DEC_INVALID(st, off, "size minimum must not be greater than maximum");
}

static void check_memory_limits(dec *st, size_t off, const ol_wasm_limits_type *lim)
{
    if (lim->min > OL__MAX_MEMORY_PAGES || (lim->has_max && lim->max > OL__MAX_MEMORY_PAGES))
        DEC_INVALID(st, off, "memory size must be at most 65536 pages (4GiB)");
    else if (lim->has_max && lim->min > lim->max)
        DEC_INVALID(st, off, "size minimum must not be greater than maximum");
}

/* ---------------------------------------------------------------------------------------------
 * Constant expressions
 * ------------------------------------------------------------------------------------------- */

/* Whether a one-byte opcode exists in Wasm 2.0 without SIMD (0xfc is checked with its
 * sub-opcode by the caller). */
static bool is_opcode(uint8_t op)
{
    return (op <= 0x11 && (op < 0x06 || op > 0x0a)) || (op >= 0x1a && op <= 0x1c) ||
           (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xc4) || (op >= 0xd0 && op <= 0xd2) ||
           op == 0xfc;
}

/* A constant expression holding some other instruction. The spec decodes before it validates,
 * so an opcode that does not exist is malformed, and a real one is invalid. Either way the
 * expression's end cannot be found without the instruction decoder: decoding stops here. */
static ol_err non_constant(dec *st, ol__reader *r, size_t off, uint8_t op)
{
    if (!is_opcode(op))
        return DEC_MALFORMED(st, off, "illegal opcode 0x%02x", op);
    if (op == 0xfc) {
        uint32_t sub;
        TRY(rd_u32(st, r, &sub));
        if (sub > 17) /* 0..7 saturating truncation, 8..17 bulk memory and tables */
            return DEC_MALFORMED(st, off, "illegal opcode 0xfc %" PRIu32, sub);
        return DEC_FAIL(st, OL_E_INVALID_MODULE, off,
                        "constant expression required (opcode 0xfc %" PRIu32 ")", sub);
    }
    return DEC_FAIL(st, OL_E_INVALID_MODULE, off, "constant expression required (opcode 0x%02x)",
                    op);
}

/* Decodes a constant expression up to and including its `end` and checks it yields exactly one
 * value of type `want`. Wasm 2.0 allows one instruction; a longer sequence of constant
 * instructions is well-formed but leaves the wrong stack ("type mismatch"), as in the spec.
 * global.get may only read an imported immutable global (2.0 validates constant expressions
 * against the imported globals only). */
static ol_err rd_constexpr(dec *st, ol__reader *r, ol_wasm_valtype want, ol__constexpr *ce)
{
    ol_wasm_module *m = st->m;
    size_t start = ol__rd_off(r);
    size_t ninstr = 0;
    bool known = true; /* false once an operand was invalid: its type is then unknown */

    for (;;) {
        size_t off = ol__rd_off(r);
        uint8_t op;
        uint32_t idx;
        int64_t sv;
        uint64_t bits;
        ol__constexpr cur = {.kind = OL__CE_CONST, .type = want, .value = 0};

        TRY(rd_u8(st, r, &op));
        if (op == OP_END)
            break;
        switch (op) {
        case OP_I32_CONST:
            TRY(rd_sleb(st, r, 32, &sv));
            cur.type = OL_WASM_I32;
            cur.value = (uint32_t)sv; /* slot bits: upper half zero */
            break;
        case OP_I64_CONST:
            TRY(rd_sleb(st, r, 64, &sv));
            cur.type = OL_WASM_I64;
            cur.value = (uint64_t)sv;
            break;
        case OP_F32_CONST:
            TRY(rd_fixed(st, r, 4, &bits));
            cur.type = OL_WASM_F32;
            cur.value = bits;
            break;
        case OP_F64_CONST:
            TRY(rd_fixed(st, r, 8, &bits));
            cur.type = OL_WASM_F64;
            cur.value = bits;
            break;
        case OP_REF_NULL:
            TRY(rd_reftype(st, r, &cur.type));
            cur.kind = OL__CE_REF_NULL;
            break;
        case OP_REF_FUNC:
            TRY(rd_u32(st, r, &idx));
            cur.kind = OL__CE_REF_FUNC;
            cur.type = OL_WASM_FUNCREF;
            cur.value = idx;
            if (idx >= m->nfuncs)
                DEC_INVALID(st, off, "unknown function %" PRIu32, idx);
            else
                TRY(mark_declared(st, off, idx));
            break;
        case OP_GLOBAL_GET:
            TRY(rd_u32(st, r, &idx));
            cur.kind = OL__CE_GLOBAL_GET;
            cur.value = idx;
            if (idx >= m->nglobal_imports) {
                DEC_INVALID(st, off, "unknown global %" PRIu32, idx);
                known = false;
            } else {
                cur.type = m->globals[idx].type;
                if (m->globals[idx].mut)
                    DEC_INVALID(st, off,
                                "constant expression required (global %" PRIu32 " is mutable)",
                                idx);
            }
            break;
        default:
            return non_constant(st, r, off, op);
        }
        if (ninstr++ == 0)
            *ce = cur;
    }
    if (ninstr != 1 || (known && ce->type != want))
        DEC_INVALID(st, start, "type mismatch in constant expression");
    return OL_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Sections
 * ------------------------------------------------------------------------------------------- */

static ol_err sec_type(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    uint32_t n;

    TRY(rd_count(st, r, &n, OL__MAX_TYPES, "types"));
    if (n == 0)
        return OL_OK;
    m->types = ol_calloc(&m->alloc, n, sizeof *m->types);
    if (m->types == NULL)
        return DEC_NOMEM(st, ol__rd_off(r), (size_t)n * sizeof *m->types);
    m->ntypes = n;

    for (uint32_t i = 0; i < n; i++) {
        size_t off = ol__rd_off(r);
        uint8_t form;
        uint32_t np, nr;
        ol_wasm_valtype t;

        TRY(rd_u8(st, r, &form));
        if (form != 0x60)
            return bad_type_byte(st, off, form, "function type");
        TRY(rd_count(st, r, &np, OL__MAX_PARAMS, "parameters"));
        const uint8_t *params = r->p;
        for (uint32_t j = 0; j < np; j++)
            TRY(rd_valtype(st, r, &t));
        TRY(rd_count(st, r, &nr, OL__MAX_RESULTS, "results"));
        const uint8_t *results = r->p;
        for (uint32_t j = 0; j < nr; j++)
            TRY(rd_valtype(st, r, &t));
        if (np + nr == 0)
            continue;
        /* Each value type is one byte, now known to be valid: copy them from the input. */
        size_t size = ((size_t)np + nr) * sizeof(ol_wasm_valtype);
        ol_wasm_valtype *vt = ol_malloc(&m->alloc, size);
        if (vt == NULL)
            return DEC_NOMEM(st, off, size);
        for (uint32_t j = 0; j < np; j++)
            vt[j] = (ol_wasm_valtype)params[j];
        for (uint32_t j = 0; j < nr; j++)
            vt[np + j] = (ol_wasm_valtype)results[j];
        m->types[i].vt = vt;
        m->types[i].nparams = np;
        m->types[i].nresults = nr;
    }
    return OL_OK;
}

/* One import. The section is read twice (see sec_import): with imp == NULL only to check it and
 * count each kind, then again to fill imp and the index spaces. next[kind] is the index the
 * import takes in its kind's space. */
static ol_err import_entry(dec *st, ol__reader *r, ol__import *imp, uint32_t next[4])
{
    ol_wasm_module *m = st->m;
    size_t off;
    uint8_t kind;

    if (imp != NULL) {
        TRY(rd_name(st, r, &imp->module, &imp->module_len));
        TRY(rd_name(st, r, &imp->name, &imp->name_len));
    } else {
        TRY(rd_name(st, r, NULL, NULL));
        TRY(rd_name(st, r, NULL, NULL));
    }
    off = ol__rd_off(r);
    TRY(rd_u8(st, r, &kind));
    if (kind > OL_WASM_EXTERN_GLOBAL)
        return DEC_MALFORMED(st, off, "malformed import kind 0x%02x", kind);
    uint32_t idx = next[kind]++;
    if (imp != NULL) {
        imp->kind = (ol_wasm_extern_kind)kind;
        imp->index = idx;
    }

    off = ol__rd_off(r);
    switch ((ol_wasm_extern_kind)kind) {
    case OL_WASM_EXTERN_FUNC: {
        uint32_t type;
        TRY(rd_u32(st, r, &type));
        if (type >= m->ntypes)
            DEC_INVALID(st, off, "unknown type %" PRIu32, type);
        if (imp != NULL)
            m->func_type[idx] = type;
        break;
    }
    case OL_WASM_EXTERN_TABLE: {
        ol__table_type tt;
        TRY(rd_reftype(st, r, &tt.elem));
        TRY(rd_limits(st, r, &tt.limits));
        check_table_limits(st, off, &tt.limits);
        if (imp != NULL)
            m->tables[idx] = tt;
        break;
    }
    case OL_WASM_EXTERN_MEMORY: {
        ol_wasm_limits_type lim;
        TRY(rd_limits(st, r, &lim));
        check_memory_limits(st, off, &lim);
        if (imp != NULL)
            m->mems[idx] = lim;
        break;
    }
    case OL_WASM_EXTERN_GLOBAL: {
        ol__global_type g = {0};
        uint8_t mut;
        TRY(rd_valtype(st, r, &g.type));
        size_t moff = ol__rd_off(r);
        TRY(rd_u8(st, r, &mut));
        if (mut > 1)
            return DEC_MALFORMED(st, moff, "malformed mutability 0x%02x", mut);
        g.mut = mut == 1;
        if (imp != NULL)
            m->globals[idx] = g;
        break;
    }
    }
    return OL_OK;
}

static ol_err sec_import(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    uint32_t n, count[4] = {0}, next[4] = {0};

    TRY(rd_count(st, r, &n, OL__MAX_IMPORTS, "imports"));
    const uint8_t *first = r->p;
    size_t off = ol__rd_off(r);

    /* Pass 1 sizes each index space so it is allocated once, at its exact size. */
    for (uint32_t i = 0; i < n; i++)
        TRY(import_entry(st, r, NULL, count));
    if (n == 0)
        return OL_OK;

    m->imports = ol_calloc(&m->alloc, n, sizeof *m->imports);
    if (m->imports == NULL)
        return DEC_NOMEM(st, off, (size_t)n * sizeof *m->imports);
    m->nimports = n;
    if (count[OL_WASM_EXTERN_FUNC] > 0) {
        m->func_type = ol_calloc(&m->alloc, count[OL_WASM_EXTERN_FUNC], sizeof *m->func_type);
        if (m->func_type == NULL)
            return DEC_NOMEM(st, off, count[OL_WASM_EXTERN_FUNC] * sizeof *m->func_type);
        m->nfuncs = m->nfunc_imports = count[OL_WASM_EXTERN_FUNC];
    }
    if (count[OL_WASM_EXTERN_TABLE] > 0) {
        m->tables = ol_calloc(&m->alloc, count[OL_WASM_EXTERN_TABLE], sizeof *m->tables);
        if (m->tables == NULL)
            return DEC_NOMEM(st, off, count[OL_WASM_EXTERN_TABLE] * sizeof *m->tables);
        m->ntables = m->ntable_imports = count[OL_WASM_EXTERN_TABLE];
    }
    if (count[OL_WASM_EXTERN_MEMORY] > 0) {
        m->mems = ol_calloc(&m->alloc, count[OL_WASM_EXTERN_MEMORY], sizeof *m->mems);
        if (m->mems == NULL)
            return DEC_NOMEM(st, off, count[OL_WASM_EXTERN_MEMORY] * sizeof *m->mems);
        m->nmems = m->nmem_imports = count[OL_WASM_EXTERN_MEMORY];
    }
    if (count[OL_WASM_EXTERN_GLOBAL] > 0) {
        m->globals = ol_calloc(&m->alloc, count[OL_WASM_EXTERN_GLOBAL], sizeof *m->globals);
        if (m->globals == NULL)
            return DEC_NOMEM(st, off, count[OL_WASM_EXTERN_GLOBAL] * sizeof *m->globals);
        m->nglobals = m->nglobal_imports = count[OL_WASM_EXTERN_GLOBAL];
    }

    /* Pass 2 cannot meet a decoding error pass 1 did not; validation errors repeat harmlessly
     * because only the first is kept. */
    r->p = first;
    for (uint32_t i = 0; i < n; i++)
        TRY(import_entry(st, r, &m->imports[i], next));
    if (m->nmems > 1)
        DEC_INVALID(st, off, "multiple memories");
    return OL_OK;
}

static ol_err sec_function(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t n;

    TRY(rd_count(st, r, &n, 0, "functions"));
    if (n > OL__MAX_FUNCS - m->nfunc_imports)
        return DEC_FAIL(st, OL_E_INVALID_MODULE, off,
                        "too many functions: %" PRIu32 " imported + %" PRIu32 " (limit %u)",
                        m->nfunc_imports, n, OL__MAX_FUNCS);
    if (n == 0)
        return OL_OK;
    uint32_t *ft = grow_array(st, m->func_type, m->nfuncs, n, sizeof *ft);
    if (ft == NULL)
        return DEC_NOMEM(st, off, ((size_t)m->nfuncs + n) * sizeof *ft);
    m->func_type = ft;
    m->nfuncs += n;
    /* Sized nfuncs - nfunc_imports, like the clearing code expects. */
    m->bodies = ol_calloc(&m->alloc, n, sizeof *m->bodies);
    if (m->bodies == NULL)
        return DEC_NOMEM(st, off, (size_t)n * sizeof *m->bodies);

    for (uint32_t i = 0; i < n; i++) {
        size_t toff = ol__rd_off(r);
        uint32_t type;
        TRY(rd_u32(st, r, &type));
        if (type >= m->ntypes)
            DEC_INVALID(st, toff, "unknown type %" PRIu32, type);
        ft[m->nfunc_imports + i] = type;
    }
    return OL_OK;
}

static ol_err sec_table(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t n;

    TRY(rd_count(st, r, &n, 0, "tables"));
    if (n > OL__MAX_TABLES - m->ntable_imports)
        return DEC_FAIL(st, OL_E_INVALID_MODULE, off,
                        "too many tables: %" PRIu32 " imported + %" PRIu32 " (limit %u)",
                        m->ntable_imports, n, OL__MAX_TABLES);
    if (n == 0)
        return OL_OK;
    ol__table_type *t = grow_array(st, m->tables, m->ntables, n, sizeof *t);
    if (t == NULL)
        return DEC_NOMEM(st, off, ((size_t)m->ntables + n) * sizeof *t);
    m->tables = t;
    uint32_t base = m->ntables;
    m->ntables += n;

    for (uint32_t i = 0; i < n; i++) {
        size_t toff = ol__rd_off(r);
        TRY(rd_reftype(st, r, &t[base + i].elem));
        TRY(rd_limits(st, r, &t[base + i].limits));
        check_table_limits(st, toff, &t[base + i].limits);
    }
    return OL_OK;
}

static ol_err sec_memory(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t n;

    TRY(rd_count(st, r, &n, 0, "memories"));
    if (n == 0)
        return OL_OK;
    ol_wasm_limits_type *lim = grow_array(st, m->mems, m->nmems, n, sizeof *lim);
    if (lim == NULL)
        return DEC_NOMEM(st, off, ((size_t)m->nmems + n) * sizeof *lim);
    m->mems = lim;
    uint32_t base = m->nmems;
    m->nmems += n;

    for (uint32_t i = 0; i < n; i++) {
        size_t moff = ol__rd_off(r);
        TRY(rd_limits(st, r, &lim[base + i]));
        check_memory_limits(st, moff, &lim[base + i]);
    }
    if (m->nmems > 1)
        DEC_INVALID(st, off, "multiple memories");
    return OL_OK;
}

static ol_err sec_global(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t n;

    TRY(rd_count(st, r, &n, 0, "globals"));
    if (n > OL__MAX_GLOBALS - m->nglobal_imports)
        return DEC_FAIL(st, OL_E_INVALID_MODULE, off,
                        "too many globals: %" PRIu32 " imported + %" PRIu32 " (limit %u)",
                        m->nglobal_imports, n, OL__MAX_GLOBALS);
    if (n == 0)
        return OL_OK;
    ol__global_type *g = grow_array(st, m->globals, m->nglobals, n, sizeof *g);
    if (g == NULL)
        return DEC_NOMEM(st, off, ((size_t)m->nglobals + n) * sizeof *g);
    m->globals = g;
    uint32_t base = m->nglobals;
    m->nglobals += n;

    for (uint32_t i = 0; i < n; i++) {
        ol__global_type *gl = &g[base + i];
        uint8_t mut;
        TRY(rd_valtype(st, r, &gl->type));
        size_t moff = ol__rd_off(r);
        TRY(rd_u8(st, r, &mut));
        if (mut > 1)
            return DEC_MALFORMED(st, moff, "malformed mutability 0x%02x", mut);
        gl->mut = mut == 1;
        TRY(rd_constexpr(st, r, gl->type, &gl->init));
    }
    return OL_OK;
}

/* Sort key for the duplicate-name check: name order, then position in the section. */
typedef struct export_key {
    const ol__export *e;
    size_t off;
} export_key;

static int export_key_cmp(const void *a, const void *b)
{
    const export_key *x = a, *y = b;
    if (x->e->name_len != y->e->name_len)
        return x->e->name_len < y->e->name_len ? -1 : 1;
    int c = memcmp(x->e->name, y->e->name, x->e->name_len);
    if (c != 0)
        return c;
    return x->off < y->off ? -1 : x->off > y->off;
}

static bool same_name(const ol__export *x, const ol__export *y)
{
    return x->name_len == y->name_len && memcmp(x->name, y->name, x->name_len) == 0;
}

/* Sorting keeps the check O(n log n): a quadratic scan of 100,000 hostile names is too slow. */
static void check_export_names(dec *st, export_key *keys, uint32_t n)
{
    qsort(keys, n, sizeof *keys, export_key_cmp);
    /* Report the earliest second occurrence, as a front-to-back check would. */
    const export_key *dup = NULL;
    for (uint32_t i = 1; i < n; i++) {
        if (same_name(keys[i - 1].e, keys[i].e) && (dup == NULL || keys[i].off < dup->off))
            dup = &keys[i];
    }
    if (dup != NULL) {
        int shown = dup->e->name_len > 64 ? 64 : (int)dup->e->name_len;
        DEC_INVALID(st, dup->off, "duplicate export name \"%.*s\"", shown, dup->e->name);
    }
}

static ol_err sec_export(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t n;
    ol_err rc = OL_OK;
    export_key *keys = NULL;
    size_t keys_size = 0;

    TRY(rd_count(st, r, &n, OL__MAX_EXPORTS, "exports"));
    if (n == 0)
        return OL_OK;
    m->exports = ol_calloc(&m->alloc, n, sizeof *m->exports);
    if (m->exports == NULL)
        return DEC_NOMEM(st, off, (size_t)n * sizeof *m->exports);
    m->nexports = n;
    keys_size = (size_t)n * sizeof *keys;
    keys = ol_malloc(&m->alloc, keys_size);
    if (keys == NULL) {
        rc = DEC_NOMEM(st, off, keys_size);
        goto out;
    }

    for (uint32_t i = 0; i < n; i++) {
        ol__export *e = &m->exports[i];
        size_t eoff = ol__rd_off(r);
        uint8_t kind;
        uint32_t idx, limit = 0;
        const char *what = "";

        keys[i] = (export_key){e, eoff};
        if ((rc = rd_name(st, r, &e->name, &e->name_len)) != OL_OK)
            goto out;
        size_t koff = ol__rd_off(r);
        if ((rc = rd_u8(st, r, &kind)) != OL_OK)
            goto out;
        if (kind > OL_WASM_EXTERN_GLOBAL) {
            rc = DEC_MALFORMED(st, koff, "malformed export kind 0x%02x", kind);
            goto out;
        }
        e->kind = (ol_wasm_extern_kind)kind;
        size_t ioff = ol__rd_off(r);
        if ((rc = rd_u32(st, r, &idx)) != OL_OK)
            goto out;
        e->index = idx;
        switch (e->kind) {
        case OL_WASM_EXTERN_FUNC:
            limit = m->nfuncs;
            what = "function";
            break;
        case OL_WASM_EXTERN_TABLE:
            limit = m->ntables;
            what = "table";
            break;
        case OL_WASM_EXTERN_MEMORY:
            limit = m->nmems;
            what = "memory";
            break;
        case OL_WASM_EXTERN_GLOBAL:
            limit = m->nglobals;
            what = "global";
            break;
        }
        if (idx >= limit) {
            DEC_INVALID(st, ioff, "unknown %s %" PRIu32, what, idx);
        } else if (e->kind == OL_WASM_EXTERN_FUNC) {
            if ((rc = mark_declared(st, ioff, idx)) != OL_OK)
                goto out;
        }
    }
    check_export_names(st, keys, n);
out:
    ol_free(&m->alloc, keys, keys_size);
    return rc;
}

static ol_err sec_start(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t idx;

    TRY(rd_u32(st, r, &idx));
    m->has_start = true;
    m->start = idx;
    if (idx >= m->nfuncs) {
        DEC_INVALID(st, off, "unknown function %" PRIu32, idx);
    } else {
        const ol__functype *ft = func_functype(m, idx);
        if (ft != NULL && (ft->nparams != 0 || ft->nresults != 0))
            DEC_INVALID(st, off, "start function %" PRIu32 " must have type [] -> []", idx);
    }
    return OL_OK;
}

/* Element segment flags (binary format 5.5.12): bit 0 set = not active (passive, or declarative
 * with bit 1); for active segments bit 1 = explicit table index; bit 2 = items are constant
 * expressions rather than function indices. Flags 0 and 4 imply funcref; the others state an
 * element kind (function indices) or a reference type (expressions). */
static ol_err elem_entry(dec *st, ol__reader *r, ol__elem *e)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t flags, n;

    TRY(rd_u32(st, r, &flags));
    if (flags > 7)
        return DEC_MALFORMED(st, off, "malformed elements segment kind %" PRIu32, flags);
    bool exprs = (flags & 4) != 0;
    e->type = OL_WASM_FUNCREF;
    e->table = 0;
    if (flags & 1) {
        e->mode = (flags & 2) ? OL__SEG_DECLARATIVE : OL__SEG_PASSIVE;
    } else {
        e->mode = OL__SEG_ACTIVE;
        if (flags & 2)
            TRY(rd_u32(st, r, &e->table));
        TRY(rd_constexpr(st, r, OL_WASM_I32, &e->offset));
    }
    if (flags & 3) {
        if (exprs) {
            TRY(rd_reftype(st, r, &e->type));
        } else {
            size_t koff = ol__rd_off(r);
            uint8_t kind;
            TRY(rd_u8(st, r, &kind));
            if (kind != 0x00)
                return DEC_MALFORMED(st, koff, "malformed elements segment kind 0x%02x", kind);
        }
    }
    if (e->mode == OL__SEG_ACTIVE) {
        if (e->table >= m->ntables)
            DEC_INVALID(st, off, "unknown table %" PRIu32, e->table);
        else if (m->tables[e->table].elem != e->type)
            DEC_INVALID(st, off, "type mismatch: element segment of %s for a table of %s",
                        e->type == OL_WASM_FUNCREF ? "funcref" : "externref",
                        m->tables[e->table].elem == OL_WASM_FUNCREF ? "funcref" : "externref");
    }

    size_t noff = ol__rd_off(r);
    TRY(rd_count(st, r, &n, 0, "elements"));
    if (n == 0)
        return OL_OK;
    ol__constexpr *items = ol_calloc(&m->alloc, n, sizeof *items);
    if (items == NULL)
        return DEC_NOMEM(st, noff, (size_t)n * sizeof *items);
    e->items = items;
    e->count = n;
    for (uint32_t i = 0; i < n; i++) {
        if (exprs) {
            TRY(rd_constexpr(st, r, e->type, &items[i]));
            continue;
        }
        size_t ioff = ol__rd_off(r);
        uint32_t idx;
        TRY(rd_u32(st, r, &idx));
        items[i] = (ol__constexpr){OL__CE_REF_FUNC, OL_WASM_FUNCREF, idx};
        if (idx >= m->nfuncs)
            DEC_INVALID(st, ioff, "unknown function %" PRIu32, idx);
        else
            TRY(mark_declared(st, ioff, idx));
    }
    return OL_OK;
}

static ol_err sec_element(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t n;

    TRY(rd_count(st, r, &n, OL__MAX_SEGMENTS, "element segments"));
    if (n == 0)
        return OL_OK;
    m->elems = ol_calloc(&m->alloc, n, sizeof *m->elems);
    if (m->elems == NULL)
        return DEC_NOMEM(st, off, (size_t)n * sizeof *m->elems);
    m->nelems = n;
    for (uint32_t i = 0; i < n; i++)
        TRY(elem_entry(st, r, &m->elems[i]));
    return OL_OK;
}

static ol_err sec_datacount(dec *st, ol__reader *r)
{
    TRY(rd_u32(st, r, &st->m->datacount));
    st->m->has_datacount = true;
    return OL_OK;
}

static ol_err sec_code(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t n, ndefined = m->nfuncs - m->nfunc_imports;

    TRY(rd_count(st, r, &n, 0, "function bodies"));
    if (n != ndefined)
        return DEC_MALFORMED(st, off,
                             "function and code section have inconsistent lengths (%" PRIu32
                             " functions, %" PRIu32 " bodies)",
                             ndefined, n);
    for (uint32_t i = 0; i < n; i++) {
        size_t boff = ol__rd_off(r);
        uint32_t size;
        TRY(rd_u32(st, r, &size));
        if (size > rd_left(r))
            return DEC_MALFORMED(st, boff,
                                 "unexpected end of section or function (body of %" PRIu32
                                 " bytes, %zu left)",
                                 size, rd_left(r));
        /* The module is at most 4 GiB (checked up front), so offsets fit. */
        m->bodies[i].off = (uint32_t)ol__rd_off(r);
        m->bodies[i].len = size;
        r->p += size;
    }
    return OL_OK;
}

static ol_err data_entry(dec *st, ol__reader *r, ol__data *dseg)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t flags, len;

    TRY(rd_u32(st, r, &flags));
    if (flags > 2)
        return DEC_MALFORMED(st, off, "malformed data segment kind %" PRIu32, flags);
    if (flags == 1) {
        dseg->mode = OL__SEG_PASSIVE;
    } else {
        dseg->mode = OL__SEG_ACTIVE;
        dseg->mem = 0;
        if (flags == 2)
            TRY(rd_u32(st, r, &dseg->mem));
        if (dseg->mem >= m->nmems)
            DEC_INVALID(st, off, "unknown memory %" PRIu32, dseg->mem);
        TRY(rd_constexpr(st, r, OL_WASM_I32, &dseg->offset));
    }
    size_t loff = ol__rd_off(r);
    TRY(rd_u32(st, r, &len));
    if (len > rd_left(r))
        return DEC_MALFORMED(
            st, loff, "unexpected end of section or function (data of %" PRIu32 " bytes, %zu left)",
            len, rd_left(r));
    if (len > 0) {
        /* Copied: the input is only borrowed for the duration of the decode. */
        uint8_t *bytes = ol_malloc(&m->alloc, len);
        if (bytes == NULL)
            return DEC_NOMEM(st, loff, len);
        memcpy(bytes, r->p, len);
        dseg->bytes = bytes;
        dseg->len = len;
        r->p += len;
    }
    return OL_OK;
}

static ol_err sec_data(dec *st, ol__reader *r)
{
    ol_wasm_module *m = st->m;
    size_t off = ol__rd_off(r);
    uint32_t n;

    TRY(rd_count(st, r, &n, OL__MAX_SEGMENTS, "data segments"));
    if (m->has_datacount && n != m->datacount)
        return DEC_MALFORMED(st, off,
                             "data count and data section have inconsistent lengths (%" PRIu32
                             " and %" PRIu32 ")",
                             m->datacount, n);
    if (n == 0)
        return OL_OK;
    m->datas = ol_calloc(&m->alloc, n, sizeof *m->datas);
    if (m->datas == NULL)
        return DEC_NOMEM(st, off, (size_t)n * sizeof *m->datas);
    m->ndatas = n;
    for (uint32_t i = 0; i < n; i++)
        TRY(data_entry(st, r, &m->datas[i]));
    return OL_OK;
}

static ol_err sec_custom(dec *st, ol__reader *r)
{
    /* Only the name is specified; the payload is opaque to the engine. */
    TRY(rd_name(st, r, NULL, NULL));
    r->p = r->end;
    return OL_OK;
}

static ol_err decode_section(dec *st, unsigned id, ol__reader *r)
{
    switch (id) {
    case SEC_CUSTOM:
        return sec_custom(st, r);
    case SEC_TYPE:
        return sec_type(st, r);
    case SEC_IMPORT:
        return sec_import(st, r);
    case SEC_FUNCTION:
        return sec_function(st, r);
    case SEC_TABLE:
        return sec_table(st, r);
    case SEC_MEMORY:
        return sec_memory(st, r);
    case SEC_GLOBAL:
        return sec_global(st, r);
    case SEC_EXPORT:
        return sec_export(st, r);
    case SEC_START:
        return sec_start(st, r);
    case SEC_ELEMENT:
        return sec_element(st, r);
    case SEC_CODE:
        return sec_code(st, r);
    case SEC_DATA:
        return sec_data(st, r);
    case SEC_DATACOUNT:
        return sec_datacount(st, r);
    }
    return DEC_MALFORMED(st, ol__rd_off(r), "malformed section id %u", id);
}

static ol_err decode_module(dec *st, const uint8_t *bytes, size_t len)
{
    ol_wasm_module *m = st->m;
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    unsigned last_rank = 0;
    bool seen_code = false, seen_data = false;

    st->where = "module header";
    st->in_section = false;
    if (len < 4)
        return DEC_MALFORMED(st, len, "unexpected end");
    if (memcmp(bytes, magic, 4) != 0)
        return DEC_MALFORMED(st, 0, "magic header not detected");
    if (len < 8)
        return DEC_MALFORMED(st, len, "unexpected end");
    if (memcmp(bytes + 4, version, 4) != 0)
        return DEC_MALFORMED(st, 4, "unknown binary version");
    if (len > UINT32_MAX)
        return DEC_FAIL(st, OL_E_INVALID_MODULE, 0, "module of %zu bytes exceeds the 4 GiB limit",
                        len);

    ol__reader top = {bytes, bytes + 8, bytes + len};
    while (top.p < top.end) {
        size_t hdr = ol__rd_off(&top);
        uint8_t id;
        uint32_t size;

        st->where = "module";
        st->in_section = false;
        TRY(rd_u8(st, &top, &id));
        if (id > SEC_MAX_)
            return DEC_MALFORMED(st, hdr, "malformed section id %u", id);
        st->where = section_names[id];
        TRY(rd_u32(st, &top, &size));
        if (size > rd_left(&top))
            return DEC_MALFORMED(st, hdr,
                                 "length out of bounds (section of %" PRIu32 " bytes, %zu left)",
                                 size, rd_left(&top));
        if (id != SEC_CUSTOM) {
            /* The spec's decoder reads sections in a fixed order, so a repeated or misplaced
             * section is simply content it does not expect. */
            if (section_rank[id] <= last_rank)
                return DEC_MALFORMED(st, hdr, "unexpected content after last section");
            last_rank = section_rank[id];
        }
        ol__reader r = {bytes, top.p, top.p + size};
        top.p += size;
        st->in_section = true;
        TRY(decode_section(st, id, &r));
        if (r.p != r.end)
            return DEC_MALFORMED(st, ol__rd_off(&r), "section size mismatch");
        seen_code |= id == SEC_CODE;
        seen_data |= id == SEC_DATA;
    }

    st->where = "module";
    st->in_section = false;
    if (!seen_code && m->nfuncs != m->nfunc_imports)
        return DEC_MALFORMED(st, len,
                             "function and code section have inconsistent lengths (%" PRIu32
                             " functions, no code section)",
                             m->nfuncs - m->nfunc_imports);
    if (!seen_data && m->has_datacount && m->datacount != 0)
        return DEC_MALFORMED(st, len,
                             "data count and data section have inconsistent lengths (%" PRIu32
                             " and no data section)",
                             m->datacount);
    /* The compiler indexes func_declared for every function, referenced or not. */
    if (m->func_declared == NULL && m->nfuncs > 0) {
        m->func_declared = ol_calloc(&m->alloc, m->nfuncs, 1);
        if (m->func_declared == NULL)
            return DEC_NOMEM(st, len, m->nfuncs);
    }
    return OL_OK;
}

ol_err ol__wasm_decode(ol_wasm_module *m, const uint8_t *bytes, size_t len, ol_diag *d)
{
    dec st = {.m = m, .d = d, .where = "module header"};

    if (bytes == NULL && len != 0)
        return OL_FAIL(d, OL_E_INVAL, "module bytes are NULL with length %zu", len);
    /* A module zeroed without an allocator gets the default one, so that clearing it later frees
     * through the same hook. */
    if (m->alloc.fn == NULL)
        m->alloc = *ol_allocator_default();
    ol_err rc = decode_module(&st, bytes, len);
    if (rc == OL_OK && st.inv.code != OL_OK)
        rc = OL_E_INVALID_MODULE;
    if (rc == OL_E_INVALID_MODULE && d != NULL)
        *d = st.inv;
    return rc;
}

void ol__wasm_module_clear(ol_wasm_module *m)
{
    const ol_allocator *a = &m->alloc;

    for (uint32_t i = 0; i < m->ntypes; i++) {
        const ol__functype *t = &m->types[i];
        ol_free(a, t->vt, ((size_t)t->nparams + t->nresults) * sizeof *t->vt);
    }
    ol_free(a, m->types, (size_t)m->ntypes * sizeof *m->types);

    for (uint32_t i = 0; i < m->nimports; i++) {
        ol_free(a, m->imports[i].module, (size_t)m->imports[i].module_len + 1);
        ol_free(a, m->imports[i].name, (size_t)m->imports[i].name_len + 1);
    }
    ol_free(a, m->imports, (size_t)m->nimports * sizeof *m->imports);

    uint32_t ndefined = m->nfuncs - m->nfunc_imports;
    if (m->bodies != NULL) {
        for (uint32_t i = 0; i < ndefined; i++) {
            if (m->bodies[i].code != NULL)
                ol__wasm_code_free(a, m->bodies[i].code);
        }
    }
    ol_free(a, m->bodies, (size_t)ndefined * sizeof *m->bodies);
    ol_free(a, m->func_type, (size_t)m->nfuncs * sizeof *m->func_type);
    ol_free(a, m->func_declared, m->nfuncs);

    ol_free(a, m->tables, (size_t)m->ntables * sizeof *m->tables);
    ol_free(a, m->mems, (size_t)m->nmems * sizeof *m->mems);
    ol_free(a, m->globals, (size_t)m->nglobals * sizeof *m->globals);

    for (uint32_t i = 0; i < m->nexports; i++)
        ol_free(a, m->exports[i].name, (size_t)m->exports[i].name_len + 1);
    ol_free(a, m->exports, (size_t)m->nexports * sizeof *m->exports);

    for (uint32_t i = 0; i < m->nelems; i++)
        ol_free(a, m->elems[i].items, (size_t)m->elems[i].count * sizeof *m->elems[i].items);
    ol_free(a, m->elems, (size_t)m->nelems * sizeof *m->elems);

    for (uint32_t i = 0; i < m->ndatas; i++)
        ol_free(a, m->datas[i].bytes, m->datas[i].len);
    ol_free(a, m->datas, (size_t)m->ndatas * sizeof *m->datas);

    ol_allocator keep = m->alloc;
    memset(m, 0, sizeof *m);
    m->alloc = keep;
}
