/* Trap values, value-type names and float bit helpers. */
#include <stdio.h>
#include <string.h>

#include "wasm_int.h"

const char *ol_wasm_trap_message(ol_wasm_trap_kind kind)
{
    switch (kind) {
#define OL_TRAP_MSG(name, msg) \
    case OL_WASM_TRAP_##name:  \
        return msg;
        OL_WASM_TRAP_MAP(OL_TRAP_MSG)
#undef OL_TRAP_MSG
    case OL_WASM_TRAP_COUNT_:
        break;
    }
    return "unknown trap";
}

const char *ol_wasm_trap_name(ol_wasm_trap_kind kind)
{
    static const char *const names[] = {
        "none",
        "unreachable",
        "memory_oob",
        "table_oob",
        "div_by_zero",
        "int_overflow",
        "invalid_conversion",
        "indirect_null",
        "indirect_type",
        "undefined_element",
        "stack_exhausted",
        "out_of_fuel",
        "interrupted",
        "host",
    };
    _Static_assert(sizeof names / sizeof names[0] == OL_WASM_TRAP_COUNT_, "trap names");
    if ((unsigned)kind < OL_WASM_TRAP_COUNT_)
        return names[kind];
    return "unknown";
}

void ol__wasm_trap_set(ol_wasm_trap *t, ol_wasm_trap_kind kind, uint32_t func_index,
                       uint32_t offset)
{
    if (t == NULL)
        return;
    t->kind = kind;
    t->func_index = func_index;
    t->offset = offset;
    snprintf(t->msg, sizeof t->msg, "%s", ol_wasm_trap_message(kind));
}

const char *ol_wasm_valtype_name(ol_wasm_valtype t)
{
    switch (t) {
    case OL_WASM_I32:
        return "i32";
    case OL_WASM_I64:
        return "i64";
    case OL_WASM_F32:
        return "f32";
    case OL_WASM_F64:
        return "f64";
    case OL_WASM_FUNCREF:
        return "funcref";
    case OL_WASM_EXTERNREF:
        return "externref";
    }
    return "unknown";
}

uint64_t ol_wasm_f32_bits(float v)
{
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

uint64_t ol_wasm_f64_bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

float ol_wasm_bits_f32(uint64_t bits)
{
    uint32_t b = (uint32_t)bits;
    float v;
    memcpy(&v, &b, sizeof v);
    return v;
}

double ol_wasm_bits_f64(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}
