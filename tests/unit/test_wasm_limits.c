/* Black-box tests of the store limits (ol_wasm_limits) and of memory accounting: memory and table
 * sizes, call depth, value-stack bytes, and that a module and a store give back every byte they
 * allocate, also when any one allocation fails. Public API only.
 *
 * The modules are embedded as bytes produced by `wat2wasm` (wabt 1.0.32) from the WAT shown above
 * each array; regenerate them the same way when a module changes. Offsets asserted for traps are
 * the byte offsets `wasm-objdump -d` prints for the trapping instruction.
 */
#include "test.h"

/* test.h comes first (cmocka needs the standard headers it pulls in); then the rest. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ol/alloc.h"
#include "ol/err.h"
#include "ol/wasm.h"
#include "support/faultsim.h"

/* clang-format off */

/*
 * (module
 *   (memory 1)
 *   (table $t 2 funcref)
 *   (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
 *   (func (export "size") (result i32) memory.size)
 *   (func (export "tgrow") (param i32) (result i32) ref.null func local.get 0 table.grow $t)
 *   (func (export "tsize") (result i32) table.size $t)
 *   ;; down(n) = n, n + 1 frames deep
 *   (func $down (export "down") (param $n i32) (result i32)
 *     local.get $n i32.eqz
 *     if (result i32)
 *       i32.const 0
 *     else
 *       local.get $n i32.const 1 i32.sub call $down i32.const 1 i32.add
 *     end)
 *   ;; as down, with 128 i64 locals (1 KiB) per frame
 *   (func $fat (export "fat") (param $n i32) (result i32)
 *     (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
 *     local.get $n i32.eqz
 *     if (result i32)
 *       i32.const 0
 *     else
 *       local.get $n i32.const 1 i32.sub call $fat i32.const 1 i32.add
 *     end))
 */
static const uint8_t wasm_limits[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x01, 0x7f, 0x03, 0x07, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x04, 0x04, 0x01,
    0x70, 0x00, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x2c, 0x06, 0x04, 0x67, 0x72, 0x6f, 0x77,
    0x00, 0x00, 0x04, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x01, 0x05, 0x74, 0x67, 0x72, 0x6f, 0x77, 0x00,
    0x02, 0x05, 0x74, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x03, 0x04, 0x64, 0x6f, 0x77, 0x6e, 0x00, 0x04,
    0x03, 0x66, 0x61, 0x74, 0x00, 0x05, 0x0a, 0x4c, 0x06, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b,
    0x04, 0x00, 0x3f, 0x00, 0x0b, 0x09, 0x00, 0xd0, 0x70, 0x20, 0x00, 0xfc, 0x0f, 0x00, 0x0b, 0x05,
    0x00, 0xfc, 0x10, 0x00, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20,
    0x00, 0x41, 0x01, 0x6b, 0x10, 0x04, 0x41, 0x01, 0x6a, 0x0b, 0x0b, 0x18, 0x01, 0x80, 0x01, 0x7e,
    0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x05, 0x41,
    0x01, 0x6a, 0x0b, 0x0b,
};
/*
 * (module (memory 5))
 */
static const uint8_t wasm_bigmem[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x05,
};
/*
 * (module (table 11 funcref))
 */
static const uint8_t wasm_bigtable[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x0b,
};
/* clang-format on */

/* Function indices in wasm_limits. */
enum { F_DOWN = 4, F_FAT = 5 };
/* The `call` instructions of $down and $fat. */
#define DOWN_CALL_OFFSET 0x84u
#define FAT_CALL_OFFSET  0x9du

#define I32_MINUS_ONE 0xffffffffu /* memory.grow and table.grow's failure, as an i32 result */

typedef struct env {
    ol_alloc_counter mcount;
    ol_alloc_counter scount;
    ol_allocator malloc_;
    ol_allocator salloc;
    ol_wasm_module *m;
    ol_wasm_store *s;
    ol_wasm_instance *inst;
} env;

/* Compiles wasm_limits and creates a store with `limits` (NULL: the defaults). */
static void env_open(env *e, const ol_wasm_limits *limits)
{
    memset(e, 0, sizeof *e);
    e->malloc_ = ol_alloc_counter_init(&e->mcount, NULL);
    e->salloc = ol_alloc_counter_init(&e->scount, NULL);
    ol_diag d = {0};
    ol_wasm_module_config mc = {.alloc = &e->malloc_};
    assert_int_equal(ol_wasm_module_new(wasm_limits, sizeof wasm_limits, &mc, &e->m, &d), OL_OK);
    ol_wasm_store_config sc = {.alloc = &e->salloc};
    if (limits != NULL)
        sc.limits = *limits;
    assert_int_equal(ol_wasm_store_new(&sc, &e->s, &d), OL_OK);
    ol_wasm_trap trap;
    ol_err rc = ol_wasm_instance_new(e->s, e->m, NULL, 0, &e->inst, &trap, &d);
    if (rc != OL_OK)
        fail_msg("instance_new: %s: %s", ol_err_name(rc), d.msg);
}

/* A heap env owned by the cmocka state: env_teardown frees it even when a check failed, so a
 * failing test reports its failure and no leaks besides. */
static env *env_new(void **state, const ol_wasm_limits *limits)
{
    env *e = malloc(sizeof *e);
    assert_non_null(e);
    memset(e, 0, sizeof *e);
    *state = e;
    env_open(e, limits);
    return e;
}

static int env_teardown(void **state)
{
    env *e = *state;
    if (e != NULL) {
        ol_wasm_store_free(e->s);
        ol_wasm_module_free(e->m);
        free(e);
        *state = NULL;
    }
    return 0;
}

/* Frees the store and the module, checking that every byte came back. */
static void env_close(env *e)
{
    ol_wasm_store_free(e->s);
    e->s = NULL;
    assert_int_equal(e->scount.live, 0);
    ol_wasm_module_free(e->m);
    e->m = NULL;
    assert_int_equal(e->mcount.live, 0);
}

static ol_err call(const env *e, const char *name, const uint64_t *args, size_t nargs,
                   uint64_t *results, size_t nresults, ol_wasm_trap *trap)
{
    ol_wasm_func *f = ol_wasm_instance_func(e->inst, name);
    if (f == NULL)
        fail_msg("no exported function \"%s\"", name);
    memset(trap, 0xa5, sizeof *trap);
    return ol_wasm_call(f, args, nargs, results, nresults, trap);
}

/* Calls name(arg) or name() (nargs 0), which must succeed, and returns its i32 result. */
static uint64_t call_ok(const env *e, const char *name, size_t nargs, uint64_t arg)
{
    uint64_t r = 0xdeadbeefdeadbeefu;
    ol_wasm_trap trap;
    ol_err rc = call(e, name, &arg, nargs, &r, 1, &trap);
    if (rc != OL_OK)
        fail_msg("%s(%" PRIu64 "): %s (%s)", name, arg, ol_err_name(rc), trap.msg);
    return r;
}

/* Calls name(arg), which must trap with `kind` at (func_index, offset). */
static void call_traps(const env *e, const char *name, uint64_t arg, ol_wasm_trap_kind kind,
                       uint32_t func_index, uint32_t offset)
{
    uint64_t r = 0;
    ol_wasm_trap trap;
    ol_err rc = call(e, name, &arg, 1, &r, 1, &trap);
    if (rc != OL_E_TRAP || trap.kind != kind)
        fail_msg("%s(%" PRIu64 "): %s (%s), expected %s", name, arg, ol_err_name(rc),
                 rc == OL_E_TRAP ? trap.msg : "-", ol_wasm_trap_name(kind));
    assert_int_equal(trap.func_index, func_index);
    assert_int_equal(trap.offset, offset);
}

/* Instantiates `bytes` in a store with `limits`; the instantiation must fail with `want`. */
static void expect_instantiate_fails(const uint8_t *bytes, size_t len, const ol_wasm_limits *lim,
                                     ol_err want, const char *needle)
{
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    ol_diag d = {0};
    ol_wasm_module *m = NULL;
    ol_wasm_store *s = NULL;
    ol_wasm_module_config mc = {.alloc = &a};
    ol_wasm_store_config sc = {.alloc = &a, .limits = *lim};
    assert_int_equal(ol_wasm_module_new(bytes, len, &mc, &m, &d), OL_OK);
    assert_int_equal(ol_wasm_store_new(&sc, &s, &d), OL_OK);
    ol_wasm_instance *inst = NULL;
    ol_wasm_trap trap;
    ol_err rc = ol_wasm_instance_new(s, m, NULL, 0, &inst, &trap, &d);
    if (rc != want)
        fail_msg("instantiation returned %s (%s), expected %s", ol_err_name(rc), d.msg,
                 ol_err_name(want));
    if (strstr(d.msg, needle) == NULL)
        fail_msg("diagnostic \"%s\" does not mention \"%s\"", d.msg, needle);
    /* The failure left the store good for a module within the limits. */
    ol_wasm_module *m2 = NULL;
    assert_int_equal(ol_wasm_module_new(wasm_limits, sizeof wasm_limits, &mc, &m2, &d), OL_OK);
    assert_int_equal(ol_wasm_instance_new(s, m2, NULL, 0, &inst, &trap, &d), OL_OK);
    uint64_t r = 0, arg = 5;
    assert_int_equal(ol_wasm_call(ol_wasm_instance_func(inst, "down"), &arg, 1, &r, 1, &trap),
                     OL_OK);
    assert_int_equal(r, 5);
    ol_wasm_store_free(s);
    ol_wasm_module_free(m2);
    ol_wasm_module_free(m);
    assert_int_equal(c.live, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Memory and table sizes
 * ------------------------------------------------------------------------------------------- */

static void test_limits_memory_pages(void **state)
{
    ol_wasm_limits lim = {.max_memory_pages = 4};
    env *e = env_new(state, &lim);
    assert_int_equal(call_ok(e, "size", 0, 0), 1);
    assert_int_equal(call_ok(e, "grow", 1, 3), 1); /* to 4 pages: returns the old size */
    assert_int_equal(call_ok(e, "size", 0, 0), 4);
    assert_int_equal(call_ok(e, "grow", 1, 1), I32_MINUS_ONE);
    assert_int_equal(call_ok(e, "grow", 1, 0x10000), I32_MINUS_ONE);
    assert_int_equal(call_ok(e, "grow", 1, 0xffffffffu), I32_MINUS_ONE);
    assert_int_equal(call_ok(e, "grow", 1, 0), 4);
    assert_int_equal(call_ok(e, "size", 0, 0), 4);
    env_close(e);
}

static void test_limits_memory_min_above_limit(void **state)
{
    (void)state;
    /* (memory 5) under a limit of 4 pages cannot be instantiated; under 5 it can. */
    ol_wasm_limits lim = {.max_memory_pages = 4};
    expect_instantiate_fails(wasm_bigmem, sizeof wasm_bigmem, &lim, OL_E_LIMIT, "limit");

    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    ol_diag d = {0};
    ol_wasm_module *m = NULL;
    ol_wasm_store *s = NULL;
    ol_wasm_module_config mc = {.alloc = &a};
    ol_wasm_store_config sc = {.alloc = &a, .limits = {.max_memory_pages = 5}};
    assert_int_equal(ol_wasm_module_new(wasm_bigmem, sizeof wasm_bigmem, &mc, &m, &d), OL_OK);
    assert_int_equal(ol_wasm_store_new(&sc, &s, &d), OL_OK);
    ol_wasm_instance *inst = NULL;
    assert_int_equal(ol_wasm_instance_new(s, m, NULL, 0, &inst, NULL, &d), OL_OK);
    ol_wasm_store_free(s);
    ol_wasm_module_free(m);
    assert_int_equal(c.live, 0);
}

static void test_limits_table_elems(void **state)
{
    ol_wasm_limits lim = {.max_table_elems = 10};
    env *e = env_new(state, &lim);
    assert_int_equal(call_ok(e, "tsize", 0, 0), 2);
    assert_int_equal(call_ok(e, "tgrow", 1, 8), 2);
    assert_int_equal(call_ok(e, "tsize", 0, 0), 10);
    assert_int_equal(call_ok(e, "tgrow", 1, 1), I32_MINUS_ONE);
    assert_int_equal(call_ok(e, "tgrow", 1, 0xffffffffu), I32_MINUS_ONE);
    assert_int_equal(call_ok(e, "tgrow", 1, 0), 10);
    assert_int_equal(call_ok(e, "tsize", 0, 0), 10);
    env_close(e);

    /* (table 11 funcref) under a limit of 10 elements cannot be instantiated. */
    expect_instantiate_fails(wasm_bigtable, sizeof wasm_bigtable, &lim, OL_E_LIMIT, "limit");
}

/* ---------------------------------------------------------------------------------------------
 * Call depth and stack bytes
 * ------------------------------------------------------------------------------------------- */

/* down(n) runs n + 1 frames deep: with a limit of 100 frames, down(99) is the deepest that fits
 * and down(100) is refused at the call that would make the 101st frame. */
static void test_limits_call_depth(void **state)
{
    ol_wasm_limits lim = {.max_call_depth = 100};
    env *e = env_new(state, &lim);
    assert_int_equal(call_ok(e, "down", 1, 99), 99);
    /* down(n): local.get, i32.eqz, if = 3 per frame; the else-arm local.get, i32.const, i32.sub,
     * call, i32.const, i32.add = 6 for each n > 0; i32.const 0 = 1 at the bottom: 9n + 4. */
    ol_wasm_store_set_fuel(e->s, UINT64_MAX);
    assert_int_equal(call_ok(e, "down", 1, 99), 99);
    assert_int_equal(ol_wasm_store_fuel_consumed(e->s), 9 * 99 + 4);
    call_traps(e, "down", 100, OL_WASM_TRAP_STACK_EXHAUSTED, F_DOWN, DOWN_CALL_OFFSET);
    call_traps(e, "down", 1000000, OL_WASM_TRAP_STACK_EXHAUSTED, F_DOWN, DOWN_CALL_OFFSET);
    /* The store survives and runs as before. */
    assert_int_equal(call_ok(e, "down", 1, 99), 99);
    assert_int_equal(call_ok(e, "down", 1, 0), 0);
    env_close(e);
}

/* The default limit is 10,000 frames. */
static void test_limits_call_depth_default(void **state)
{
    env *e = env_new(state, NULL);
    assert_int_equal(call_ok(e, "down", 1, 9999), 9999);
    call_traps(e, "down", 10000, OL_WASM_TRAP_STACK_EXHAUSTED, F_DOWN, DOWN_CALL_OFFSET);
    assert_int_equal(call_ok(e, "down", 1, 9999), 9999);
    env_close(e);
}

/* $fat has 129 slots of locals (over 1 KiB) per frame: with 64 KiB of value stack it runs out
 * of stack some 60 frames deep, far from the 10,000-frame depth limit, while $down's small
 * frames go 1000 deep in the same store. */
static void test_limits_stack_bytes(void **state)
{
    ol_wasm_limits lim = {.max_stack_bytes = 64 * 1024};
    env *e = env_new(state, &lim);
    assert_int_equal(call_ok(e, "fat", 1, 20), 20);
    call_traps(e, "fat", 100, OL_WASM_TRAP_STACK_EXHAUSTED, F_FAT, FAT_CALL_OFFSET);
    assert_int_equal(call_ok(e, "down", 1, 1000), 1000);
    /* Find the deepest fat(n) that fits: it must be well below 64 KiB / 1032 B = 63. */
    uint64_t deepest = 0;
    for (uint64_t n = 20; n < 100; n++) {
        uint64_t r = 0;
        ol_wasm_trap trap;
        if (call(e, "fat", &n, 1, &r, 1, &trap) != OL_OK) {
            assert_int_equal(trap.kind, OL_WASM_TRAP_STACK_EXHAUSTED);
            break;
        }
        assert_int_equal(r, n);
        deepest = n;
    }
    assert_true(deepest >= 40 && deepest < 63);
    assert_int_equal(call_ok(e, "fat", 1, deepest), deepest);
    env_close(e);
}

/* ---------------------------------------------------------------------------------------------
 * Memory accounting
 * ------------------------------------------------------------------------------------------- */

/* Everything a module and a store allocate goes through their allocators and comes back. */
static void test_leaks_lifecycle(void **state)
{
    env *e = env_new(state, NULL);
    assert_true(e->mcount.live > 0);
    size_t before = e->scount.live;
    assert_true(before > 0);
    /* Growing tables, calls (the first allocates the stacks) and traps. */
    assert_int_equal(call_ok(e, "tgrow", 1, 1000), 2);
    assert_int_equal(call_ok(e, "down", 1, 500), 500);
    call_traps(e, "down", 20000, OL_WASM_TRAP_STACK_EXHAUSTED, F_DOWN, DOWN_CALL_OFFSET);
    assert_true(e->scount.live > before);
    /* A second instance of the same module in the same store. */
    ol_wasm_instance *inst2 = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_wasm_instance_new(e->s, e->m, NULL, 0, &inst2, NULL, &d), OL_OK);
    uint64_t r = 0, arg = 3;
    assert_int_equal(ol_wasm_call(ol_wasm_instance_func(inst2, "down"), &arg, 1, &r, 1, NULL),
                     OL_OK);
    assert_int_equal(r, 3);
    /* The module outlives nothing it lent: freeing the store returns all of its bytes. */
    size_t module_live = e->mcount.live;
    ol_wasm_store_free(e->s);
    e->s = NULL;
    assert_int_equal(e->scount.live, 0);
    assert_int_equal(e->mcount.live, module_live);
    ol_wasm_module_free(e->m);
    e->m = NULL;
    assert_int_equal(e->mcount.live, 0);
}

/* The whole life of a guest with one allocation failing: module, store, instance, calls. */
static ol_err full_lifecycle(const ol_allocator *a, void *ud)
{
    (void)ud;
    /* ol_alloc_counter_init gives an allocator whose ud is the counter: its countdown is below 0
     * once the injected failure has happened. */
    const ol_alloc_counter *cnt = a->ud;
    ol_diag d = {0};
    ol_wasm_module *m = NULL;
    ol_wasm_store *s = NULL;
    ol_wasm_module_config mc = {.alloc = a};
    ol_err rc = ol_wasm_module_new(wasm_limits, sizeof wasm_limits, &mc, &m, &d);
    if (rc != OL_OK)
        return rc;
    ol_wasm_store_config sc = {.alloc = a, .limits = {.max_stack_bytes = 64 * 1024}};
    rc = ol_wasm_store_new(&sc, &s, &d);
    ol_wasm_instance *inst = NULL;
    if (rc == OL_OK)
        rc = ol_wasm_instance_new(s, m, NULL, 0, &inst, NULL, &d);
    if (rc == OL_OK) {
        uint64_t r = 0, arg = 10;
        ol_wasm_trap trap;
        memset(&trap, 0, sizeof trap);
        rc = ol_wasm_call(ol_wasm_instance_func(inst, "down"), &arg, 1, &r, 1, &trap);
        /* The first call allocates the value and call stacks: failing that is OL_E_NOMEM with
         * nothing run, never a trap. */
        if (rc == OL_E_TRAP)
            fail_msg("call: %s trap (%s)", ol_wasm_trap_name(trap.kind), trap.msg);
        if (rc == OL_E_NOMEM && cnt->fail_countdown >= 0)
            fail_msg("call: OL_E_NOMEM without an allocation failure");
        if (rc == OL_OK && r != 10)
            fail_msg("down(10) = %" PRIu64, r);
    }
    if (rc == OL_OK) {
        uint64_t r = 0, arg = 50;
        rc = ol_wasm_call(ol_wasm_instance_func(inst, "tgrow"), &arg, 1, &r, 1, NULL);
        if (rc != OL_OK)
            fail_msg("tgrow: %s", ol_err_name(rc));
        /* table.grow whose allocation fails reports -1 to the guest, as at a limit. */
        if (r == I32_MINUS_ONE) {
            if (cnt->fail_countdown >= 0)
                fail_msg("table.grow failed without an allocation failure");
            rc = OL_E_NOMEM;
        } else if (r != 2) {
            fail_msg("tgrow(50) = %" PRIu64, r);
        }
    }
    ol_wasm_store_free(s);
    ol_wasm_module_free(m);
    return rc;
}

static void test_leaks_fault_injection(void **state)
{
    (void)state;
    long allocs = ol_test_fault_loop(full_lifecycle, NULL, 10000);
    /* Module, store, instance, stacks and the grown table all allocate. */
    assert_true(allocs > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_limits_memory_pages, env_teardown),
        cmocka_unit_test(test_limits_memory_min_above_limit),
        cmocka_unit_test_teardown(test_limits_table_elems, env_teardown),
        cmocka_unit_test_teardown(test_limits_call_depth, env_teardown),
        cmocka_unit_test_teardown(test_limits_call_depth_default, env_teardown),
        cmocka_unit_test_teardown(test_limits_stack_bytes, env_teardown),
        cmocka_unit_test_teardown(test_leaks_lifecycle, env_teardown),
        cmocka_unit_test(test_leaks_fault_injection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
