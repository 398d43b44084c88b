/* Traps are values: every kind of trap comes back from ol_wasm_call as OL_E_TRAP with the right
 * kind, message, function index (in the module's function index space, imports first) and byte
 * offset of the trapping instruction, and leaves the store usable. Public API only.
 *
 * The module is embedded as bytes produced by `wat2wasm` (wabt 1.0.32) from the WAT shown above
 * it; regenerate it the same way when it changes. The offsets asserted are those `wasm-objdump -d`
 * prints for the trapping instructions (listed next to the expectations).
 */
#include "test.h"

/* test.h comes first (cmocka needs the standard headers it pulls in); then the rest. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ol/alloc.h"
#include "ol/err.h"
#include "ol/wasm.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* clang-format off */

/*
 * (module
 *   (type $v_i (func (result i32)))
 *   (import "env" "fail" (func $fail (param i32)))
 *   (import "env" "poke" (func $poke))
 *   (memory (export "mem") 1)
 *   (table $t 3 funcref)
 *   (elem (table $t) (i32.const 0) func $seven $ident)
 *   (func $seven (result i32) i32.const 7)
 *   (func $ident (param i32) (result i32) local.get 0)
 *   (func (export "unreachable") i32.const 1 drop unreachable)
 *   (func (export "load") (param i32) (result i32) local.get 0 i32.load offset=4)
 *   (func (export "store") (param i32) local.get 0 i64.const 1 i64.store)
 *   (func (export "fill") (param i32 i32) local.get 0 i32.const 0 local.get 1 memory.fill)
 *   (func (export "tget") (param i32) (result funcref) local.get 0 table.get $t)
 *   (func (export "div_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
 *   (func (export "rem_u") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_u)
 *   (func (export "trunc") (param f64) (result i32) local.get 0 i32.trunc_f64_s)
 *   (func (export "indirect") (param i32) (result i32)
 *     local.get 0 call_indirect $t (type $v_i))
 *   (func (export "host") (param i32) local.get 0 call $fail)
 *   (func $rec (export "rec") (param i32) (result i32)
 *     local.get 0 i32.const 1 i32.add call $rec)
 *   (func (export "nested") (result i32) i32.const 5 call $inner)
 *   (func $inner (param i32) (result i32) i32.const 0 local.get 0 i32.const 5 i32.sub i32.div_u)
 *   (func (export "spin") loop $l br $l end)
 *   (func (export "selfstop") call $poke loop $l br $l end))
 */
static const uint8_t wasm_traps[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x2c, 0x09, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00,
    0x60, 0x01, 0x7f, 0x01, 0x70, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7e, 0x7e, 0x01,
    0x7e, 0x60, 0x01, 0x7c, 0x01, 0x7f, 0x02, 0x17, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x66, 0x61,
    0x69, 0x6c, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x70, 0x6f, 0x6b, 0x65, 0x00, 0x02, 0x03,
    0x12, 0x11, 0x00, 0x03, 0x02, 0x03, 0x01, 0x04, 0x05, 0x06, 0x07, 0x08, 0x03, 0x01, 0x03, 0x00,
    0x03, 0x02, 0x02, 0x04, 0x04, 0x01, 0x70, 0x00, 0x03, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x7d,
    0x0f, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x0b, 0x75, 0x6e, 0x72, 0x65, 0x61, 0x63, 0x68, 0x61,
    0x62, 0x6c, 0x65, 0x00, 0x04, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x05, 0x05, 0x73, 0x74, 0x6f,
    0x72, 0x65, 0x00, 0x06, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x07, 0x04, 0x74, 0x67, 0x65, 0x74,
    0x00, 0x08, 0x05, 0x64, 0x69, 0x76, 0x5f, 0x73, 0x00, 0x09, 0x05, 0x72, 0x65, 0x6d, 0x5f, 0x75,
    0x00, 0x0a, 0x05, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x00, 0x0b, 0x08, 0x69, 0x6e, 0x64, 0x69, 0x72,
    0x65, 0x63, 0x74, 0x00, 0x0c, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x0d, 0x03, 0x72, 0x65, 0x63,
    0x00, 0x0e, 0x06, 0x6e, 0x65, 0x73, 0x74, 0x65, 0x64, 0x00, 0x0f, 0x04, 0x73, 0x70, 0x69, 0x6e,
    0x00, 0x11, 0x08, 0x73, 0x65, 0x6c, 0x66, 0x73, 0x74, 0x6f, 0x70, 0x00, 0x12, 0x09, 0x08, 0x01,
    0x00, 0x41, 0x00, 0x0b, 0x02, 0x02, 0x03, 0x0a, 0x8a, 0x01, 0x11, 0x04, 0x00, 0x41, 0x07, 0x0b,
    0x04, 0x00, 0x20, 0x00, 0x0b, 0x06, 0x00, 0x41, 0x01, 0x1a, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00,
    0x28, 0x02, 0x04, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x42, 0x01, 0x37, 0x03, 0x00, 0x0b, 0x0b, 0x00,
    0x20, 0x00, 0x41, 0x00, 0x20, 0x01, 0xfc, 0x0b, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x25, 0x00,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x82,
    0x0b, 0x05, 0x00, 0x20, 0x00, 0xaa, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x06,
    0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x10, 0x0e, 0x0b,
    0x06, 0x00, 0x41, 0x05, 0x10, 0x10, 0x0b, 0x0a, 0x00, 0x41, 0x00, 0x20, 0x00, 0x41, 0x05, 0x6b,
    0x6e, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x09, 0x00, 0x10, 0x01, 0x03, 0x40,
    0x0c, 0x00, 0x0b, 0x0b,
};
/* clang-format on */

/* Function indices in wasm_traps: the imports fail and poke are 0 and 1. */
enum {
    F_UNREACHABLE = 4,
    F_LOAD = 5,
    F_STORE = 6,
    F_FILL = 7,
    F_TGET = 8,
    F_DIV_S = 9,
    F_REM_U = 10,
    F_TRUNC = 11,
    F_INDIRECT = 12,
    F_HOST = 13,
    F_REC = 14,
    F_INNER = 16,
    F_SPIN = 17,
    F_SELFSTOP = 18,
};

typedef struct env {
    ol_alloc_counter mcount;
    ol_alloc_counter scount;
    ol_allocator malloc_;
    ol_allocator salloc;
    ol_wasm_module *m;
    ol_wasm_store *s;
    ol_wasm_instance *inst;
    int fail_calls;
} env;

/* env.fail(code): traps with a message of its own. */
static ol_err host_fail(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    (void)results;
    ((env *)ud)->fail_calls++;
    return ol_wasm_caller_trap(c, OL_WASM_TRAP_HOST, "guest asked to fail with %" PRIu32,
                               (uint32_t)args[0]);
}

/* env.poke: interrupts its own store, as a signal handler or watchdog would. */
static ol_err host_poke(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    (void)ud;
    (void)args;
    (void)results;
    ol_wasm_store_interrupt(ol_wasm_caller_store(c));
    return OL_OK;
}

static void env_open(env *e)
{
    memset(e, 0, sizeof *e);
    e->malloc_ = ol_alloc_counter_init(&e->mcount, NULL);
    e->salloc = ol_alloc_counter_init(&e->scount, NULL);
    ol_diag d = {0};
    ol_wasm_module_config mc = {.alloc = &e->malloc_};
    assert_int_equal(ol_wasm_module_new(wasm_traps, sizeof wasm_traps, &mc, &e->m, &d), OL_OK);
    /* A small call depth keeps the runaway recursion short. */
    ol_wasm_store_config sc = {.alloc = &e->salloc, .limits = {.max_call_depth = 500}};
    assert_int_equal(ol_wasm_store_new(&sc, &e->s, &d), OL_OK);
    static const ol_wasm_valtype i32[] = {OL_WASM_I32};
    ol_wasm_functype ft_fail = {1, 0, i32, NULL};
    ol_wasm_functype ft_poke = {0, 0, NULL, NULL};
    ol_wasm_extern imp[2] = {{.kind = OL_WASM_EXTERN_FUNC}, {.kind = OL_WASM_EXTERN_FUNC}};
    assert_int_equal(ol_wasm_func_new_host(e->s, &ft_fail, host_fail, e, &imp[0].of.func, &d),
                     OL_OK);
    assert_int_equal(ol_wasm_func_new_host(e->s, &ft_poke, host_poke, e, &imp[1].of.func, &d),
                     OL_OK);
    ol_wasm_trap trap;
    assert_int_equal(ol_wasm_instance_new(e->s, e->m, imp, 2, &e->inst, &trap, &d), OL_OK);
}

static void env_close(env *e)
{
    ol_wasm_store_free(e->s);
    assert_int_equal(e->scount.live, 0);
    ol_wasm_module_free(e->m);
    assert_int_equal(e->mcount.live, 0);
}

static ol_err call(const env *e, const char *name, const uint64_t *args, size_t nargs,
                   uint64_t *results, size_t nresults, ol_wasm_trap *trap)
{
    ol_wasm_func *f = ol_wasm_instance_func(e->inst, name);
    if (f == NULL)
        fail_msg("no exported function \"%s\"", name);
    /* A stale trap must never pass a check. */
    memset(trap, 0xa5, sizeof *trap);
    return ol_wasm_call(f, args, nargs, results, nresults, trap);
}

typedef struct trap_case {
    const char *name;
    uint32_t nargs;
    uint64_t args[2];
    uint32_t nresults;
    ol_wasm_trap_kind kind;
    uint32_t func_index;
    uint32_t offset;
    const char *msg;
} trap_case;

#define F64_3E9 0x41e65a0bc0000000u /* 3e9: above INT32_MAX */
#define F64_NAN 0x7ff8000000000000u

/* clang-format off: one case per entry reads better than one field per line */
static const trap_case trap_cases[] = {
    /* 00010a: unreachable */
    {"unreachable", 0, {0}, 0, OL_WASM_TRAP_UNREACHABLE, F_UNREACHABLE, 0x10a, "unreachable"},
    /* 000110: i32.load offset=4; 65529 + 4 + 4 bytes > 65536, and 2^32 - 1 + 4 must not wrap. */
    {"load", 1, {65529}, 1, OL_WASM_TRAP_MEMORY_OOB, F_LOAD, 0x110, "out of bounds memory access"},
    {"load",
     1,
     {0xffffffffu},
     1,
     OL_WASM_TRAP_MEMORY_OOB,
     F_LOAD,
     0x110,
     "out of bounds memory access"},
    /* 00011a: i64.store of 8 bytes at 65530. */
    {"store",
     1,
     {65530},
     0,
     OL_WASM_TRAP_MEMORY_OOB,
     F_STORE,
     0x11a,
     "out of bounds memory access"},
    /* 000126: memory.fill of 1000 bytes at 65000. */
    {"fill",
     2,
     {65000, 1000},
     0,
     OL_WASM_TRAP_MEMORY_OOB,
     F_FILL,
     0x126,
     "out of bounds memory access"},
    /* 00012e: table.get 3 of a 3-element table. */
    {"tget", 1, {3}, 1, OL_WASM_TRAP_TABLE_OOB, F_TGET, 0x12e, "out of bounds table access"},
    /* 000137: i32.div_s. */
    {"div_s", 2, {1, 0}, 1, OL_WASM_TRAP_DIV_BY_ZERO, F_DIV_S, 0x137, "integer divide by zero"},
    {"div_s",
     2,
     {0x80000000u, 0xffffffffu},
     1,
     OL_WASM_TRAP_INT_OVERFLOW,
     F_DIV_S,
     0x137,
     "integer overflow"},
    /* 00013f: i64.rem_u. */
    {"rem_u", 2, {1, 0}, 1, OL_WASM_TRAP_DIV_BY_ZERO, F_REM_U, 0x13f, "integer divide by zero"},
    /* 000145: i32.trunc_f64_s. */
    {"trunc",
     1,
     {F64_NAN},
     1,
     OL_WASM_TRAP_INVALID_CONVERSION,
     F_TRUNC,
     0x145,
     "invalid conversion to integer"},
    {"trunc", 1, {F64_3E9}, 1, OL_WASM_TRAP_INT_OVERFLOW, F_TRUNC, 0x145, "integer overflow"},
    /* 00014b: call_indirect (type 0: [] -> [i32]) on table [$seven, $ident, null]. */
    {"indirect",
     1,
     {1},
     1,
     OL_WASM_TRAP_INDIRECT_TYPE,
     F_INDIRECT,
     0x14b,
     "indirect call type mismatch"},
    {"indirect", 1, {2}, 1, OL_WASM_TRAP_INDIRECT_NULL, F_INDIRECT, 0x14b, "uninitialized element"},
    {"indirect", 1, {3}, 1, OL_WASM_TRAP_UNDEFINED_ELEMENT, F_INDIRECT, 0x14b, "undefined element"},
    {"indirect",
     1,
     {0x80000000u},
     1,
     OL_WASM_TRAP_UNDEFINED_ELEMENT,
     F_INDIRECT,
     0x14b,
     "undefined element"},
    /* 000153: call 0 <env.fail>: a host trap is reported at its call site. */
    {"host", 1, {42}, 0, OL_WASM_TRAP_HOST, F_HOST, 0x153, "guest asked to fail with 42"},
    /* 00015d: call 14 <rec>, the call that would exceed the depth limit. */
    {"rec", 1, {0}, 1, OL_WASM_TRAP_STACK_EXHAUSTED, F_REC, 0x15d, "call stack exhausted"},
    /* 000170: i32.div_u in the callee $inner (function 16), not in "nested". */
    {"nested", 0, {0}, 1, OL_WASM_TRAP_DIV_BY_ZERO, F_INNER, 0x170, "integer divide by zero"},
};
/* clang-format on */

/* Each kind arrives with its kind, message, function and offset; after it, the same store runs
 * the function normally. */
static void test_traps_kinds(void **state)
{
    (void)state;
    env e;
    env_open(&e);
    for (size_t i = 0; i < ARRAY_LEN(trap_cases); i++) {
        const trap_case *c = &trap_cases[i];
        uint64_t r[1] = {0};
        ol_wasm_trap trap;
        ol_err rc = call(&e, c->name, c->args, c->nargs, r, c->nresults, &trap);
        if (rc != OL_E_TRAP)
            fail_msg("case %zu (%s): %s, expected a trap", i, c->name, ol_err_name(rc));
        if (trap.kind != c->kind)
            fail_msg("case %zu (%s): trap %s (%s), expected %s", i, c->name,
                     ol_wasm_trap_name(trap.kind), trap.msg, ol_wasm_trap_name(c->kind));
        if (trap.func_index != c->func_index || trap.offset != c->offset)
            fail_msg("case %zu (%s): at func %" PRIu32 " offset %#" PRIx32
                     ", expected func %" PRIu32 " offset %#" PRIx32,
                     i, c->name, trap.func_index, trap.offset, c->func_index, c->offset);
        assert_string_equal(trap.msg, c->msg);
        if (c->kind != OL_WASM_TRAP_HOST)
            assert_string_equal(trap.msg, ol_wasm_trap_message(c->kind));
    }
    assert_int_equal(e.fail_calls, 1);

    /* The same functions with good arguments: the traps left nothing behind. */
    ol_wasm_trap trap;
    uint64_t r = 0;
    uint64_t a1[1] = {65528};
    assert_int_equal(call(&e, "load", a1, 1, &r, 1, &trap), OL_OK);
    assert_int_equal(r, 0);
    uint64_t a2[2] = {7, 0xfffffffeu};
    assert_int_equal(call(&e, "div_s", a2, 2, &r, 1, &trap), OL_OK);
    assert_int_equal(r, 0xfffffffdu);       /* 7 / -2 = -3 (rounds toward zero) */
    uint64_t a3[1] = {0xc004000000000000u}; /* -2.5 */
    assert_int_equal(call(&e, "trunc", a3, 1, &r, 1, &trap), OL_OK);
    assert_int_equal(r, 0xfffffffeu);
    uint64_t a4[1] = {0};
    assert_int_equal(call(&e, "indirect", a4, 1, &r, 1, &trap), OL_OK);
    assert_int_equal(r, 7);
    uint64_t a5[1] = {2};
    assert_int_equal(call(&e, "tget", a5, 1, &r, 1, &trap), OL_OK);
    assert_int_equal(r, 0);
    env_close(&e);
}

/* A trapping access writes nothing, not even the part that was in bounds. */
static void test_traps_no_partial_writes(void **state)
{
    (void)state;
    env e;
    env_open(&e);
    size_t len = 0;
    uint8_t *mem = ol_wasm_memory_data(ol_wasm_instance_memory(e.inst, "mem"), &len);
    assert_int_equal(len, 65536);
    ol_wasm_trap trap;
    uint64_t st[1] = {65530};
    assert_int_equal(call(&e, "store", st, 1, NULL, 0, &trap), OL_E_TRAP);
    uint64_t fill[2] = {65000, 1000};
    /* fill writes zeros; make them visible. */
    memset(mem + 64000, 0x77, 1536);
    assert_int_equal(call(&e, "fill", fill, 2, NULL, 0, &trap), OL_E_TRAP);
    for (size_t i = 64000; i < 65536; i++)
        assert_int_equal(mem[i], 0x77);
    /* In bounds, both work. */
    uint64_t st2[1] = {65528};
    assert_int_equal(call(&e, "store", st2, 1, NULL, 0, &trap), OL_OK);
    assert_int_equal(mem[65528], 1);
    uint64_t fill2[2] = {65000, 536};
    assert_int_equal(call(&e, "fill", fill2, 2, NULL, 0, &trap), OL_OK);
    assert_int_equal(mem[64999], 0x77);
    assert_int_equal(mem[65000], 0);
    assert_int_equal(mem[65535], 0);
    env_close(&e);
}

/* Out of fuel and interrupted are located like the others. */
static void test_traps_fuel_and_interrupt(void **state)
{
    (void)state;
    env e;
    env_open(&e);
    ol_wasm_trap trap;

    /* spin is `loop br 0 end`: every pass charges the 1 of its br (000176). With 10 units the
     * entry and 9 back-edges are paid, and the 10th back-edge is refused. */
    ol_wasm_store_set_fuel(e.s, 10);
    ol_err rc = call(&e, "spin", NULL, 0, NULL, 0, &trap);
    assert_int_equal(rc, OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_OUT_OF_FUEL);
    assert_int_equal(trap.func_index, F_SPIN);
    assert_int_equal(trap.offset, 0x176);
    assert_string_equal(trap.msg, "out of fuel");
    assert_int_equal(ol_wasm_store_fuel_consumed(e.s), 10);
    assert_int_equal(ol_wasm_store_fuel_remaining(e.s), 0);

    /* selfstop calls env.poke, which interrupts the store; the loop's back-edge (000180) sees
     * it. The call itself (00017c) was already under way and completes. */
    ol_wasm_store_set_fuel(e.s, 1000000);
    rc = call(&e, "selfstop", NULL, 0, NULL, 0, &trap);
    assert_int_equal(rc, OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_INTERRUPTED);
    assert_int_equal(trap.func_index, F_SELFSTOP);
    assert_int_equal(trap.offset, 0x180);
    assert_string_equal(trap.msg, "interrupted");
    /* call (1) and the entry of the loop (1), then the back-edge's charge (1) before its
     * interrupt check. */
    assert_int_equal(ol_wasm_store_fuel_consumed(e.s), 3);
    ol_wasm_store_clear_interrupt(e.s);

    /* The trap out-parameter may be NULL: the caller then learns only that it trapped. */
    ol_wasm_store_set_fuel(e.s, 5);
    assert_int_equal(ol_wasm_call(ol_wasm_instance_func(e.inst, "spin"), NULL, 0, NULL, 0, NULL),
                     OL_E_TRAP);
    assert_int_equal(
        ol_wasm_call(ol_wasm_instance_func(e.inst, "unreachable"), NULL, 0, NULL, 0, NULL),
        OL_E_TRAP);
    env_close(&e);
}

/* Names and messages of every kind are distinct static strings. */
static void test_traps_names(void **state)
{
    (void)state;
    assert_string_equal(ol_wasm_trap_name(OL_WASM_TRAP_MEMORY_OOB), "memory_oob");
    assert_string_equal(ol_wasm_trap_name(OL_WASM_TRAP_OUT_OF_FUEL), "out_of_fuel");
    assert_string_equal(ol_wasm_trap_message(OL_WASM_TRAP_INDIRECT_NULL), "uninitialized element");
    for (int a = 0; a < OL_WASM_TRAP_COUNT_; a++) {
        const char *na = ol_wasm_trap_name((ol_wasm_trap_kind)a);
        const char *ma = ol_wasm_trap_message((ol_wasm_trap_kind)a);
        assert_non_null(na);
        assert_non_null(ma);
        for (int b = a + 1; b < OL_WASM_TRAP_COUNT_; b++) {
            assert_string_not_equal(na, ol_wasm_trap_name((ol_wasm_trap_kind)b));
            assert_string_not_equal(ma, ol_wasm_trap_message((ol_wasm_trap_kind)b));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traps_kinds),
        cmocka_unit_test(test_traps_no_partial_writes),
        cmocka_unit_test(test_traps_fuel_and_interrupt),
        cmocka_unit_test(test_traps_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
