/* Stores, host objects, signature interning, instantiation and the call/caller API
 * (src/wasm/wasm_instance.c, src/wasm/wasm_module.c).
 *
 * Every test creates its store through a counting allocator and ends with zero live bytes, so a
 * leak anywhere fails the test that caused it. The fault-injection tests fail the Nth allocation
 * for N = 0, 1, 2, ... until the operation succeeds.
 *
 * The WebAssembly modules below are embedded as bytes produced by `wat2wasm` (wabt 1.0.32) from
 * the WAT shown next to each; regenerate them the same way when a module changes.
 */
#include "test.h"

/* test.h comes first (cmocka needs the standard headers it pulls in); then the rest. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ol/alloc.h"
#include "ol/err.h"
#include "ol/wasm.h"
#include "wasm_int.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------------------------
 * Modules (wat2wasm output)
 * ------------------------------------------------------------------------------------------- */

/* clang-format off */

/* (module) */
static const uint8_t wasm_empty[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

/*
 * (module
 *   (import "env" "f" (func (param i32) (result i32)))
 *   (import "env" "t" (table 2 10 funcref))
 *   (import "env" "m" (memory 1 4))
 *   (import "env" "g" (global (mut i64))))
 */
static const uint8_t wasm_imports[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x27, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x66, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x01,
    0x74, 0x01, 0x70, 0x01, 0x02, 0x0a, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x6d, 0x02, 0x01, 0x01, 0x04,
    0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7e, 0x01,
};

/*
 * (module
 *   (import "env" "t" (table 3 funcref))
 *   (import "env" "m" (memory 1))
 *   (func $a (result i32) i32.const 1)
 *   (func $b (result i32) i32.const 2)
 *   (elem (i32.const 0) $a $b)
 *   (elem (i32.const 2) $b $a)
 *   (data (i32.const 0) "hi"))
 */
static const uint8_t wasm_elem_oob[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x02,
    0x14, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x74, 0x01, 0x70, 0x00, 0x03, 0x03, 0x65, 0x6e, 0x76,
    0x01, 0x6d, 0x02, 0x00, 0x01, 0x03, 0x03, 0x02, 0x00, 0x00, 0x09, 0x0f, 0x02, 0x00, 0x41, 0x00,
    0x0b, 0x02, 0x00, 0x01, 0x00, 0x41, 0x02, 0x0b, 0x02, 0x01, 0x00, 0x0a, 0x0b, 0x02, 0x04, 0x00,
    0x41, 0x01, 0x0b, 0x04, 0x00, 0x41, 0x02, 0x0b, 0x0b, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02,
    0x68, 0x69,
};

/*
 * (module
 *   (import "env" "m" (memory 1))
 *   (import "env" "off" (global i32))
 *   (data (i32.const 0) "abc")
 *   (data (global.get 0) "q")
 *   (data (i32.const 65535) "xy")
 *   (data (i32.const 10) "zz"))
 */
static const uint8_t wasm_data_oob[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x15, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x01,
    0x6d, 0x02, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6f, 0x66, 0x66, 0x03, 0x7f, 0x00, 0x0b,
    0x1f, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x61, 0x62, 0x63, 0x00, 0x23, 0x00, 0x0b, 0x01, 0x71,
    0x00, 0x41, 0xff, 0xff, 0x03, 0x0b, 0x02, 0x78, 0x79, 0x00, 0x41, 0x0a, 0x0b, 0x02, 0x7a, 0x7a,
};

/*
 * (module
 *   (import "env" "m" (memory 1))
 *   (global $g (mut i32) (i32.const 41))
 *   (func $start
 *     (global.set $g (i32.add (global.get $g) (i32.const 1)))
 *     (i32.store (i32.const 100) (global.get $g)))
 *   (start $start)
 *   (export "g" (global $g)))
 */
static const uint8_t wasm_start[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x0a,
    0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x6d, 0x02, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00, 0x06, 0x06,
    0x01, 0x7f, 0x01, 0x41, 0x29, 0x0b, 0x07, 0x05, 0x01, 0x01, 0x67, 0x03, 0x00, 0x08, 0x01, 0x00,
    0x0a, 0x13, 0x01, 0x11, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x41, 0xe4, 0x00, 0x23,
    0x00, 0x36, 0x02, 0x00, 0x0b,
};

/*
 * (module
 *   (import "env" "m" (memory 1))
 *   (data (i32.const 0) "x")
 *   (func $start unreachable)
 *   (start $start))
 */
static const uint8_t wasm_start_trap[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x0a,
    0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x6d, 0x02, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00, 0x08, 0x01,
    0x00, 0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b, 0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01,
    0x78,
};

/*
 * (module
 *   (import "env" "base" (global i32))
 *   (table $t (export "tab") 4 funcref)
 *   (memory $m (export "mem") 1 2)
 *   (global $ref (export "ref") funcref (ref.func $add))
 *   (global $copy (export "copy") i32 (global.get 0))
 *   (global $cnt (export "cnt") (mut i64) (i64.const -1))
 *   (func $add (export "add") (param i32 i32) (result i32)
 *     local.get 0 local.get 1 i32.add)
 *   (func $ext (export "extend") (param i32) (result i64)
 *     local.get 0 i64.extend_i32_u)
 *   (func (export "a\00b") (result i32) i32.const 7)
 *   (func $get (export "get") (param i32) (result i32)
 *     (call_indirect (result i32) (local.get 0)))
 *   (func $seven (result i32) i32.const 7)
 *   (elem (table $t) (i32.const 1) func $seven $add)
 *   (elem $pas funcref (ref.func $add) (ref.null func))
 *   (elem declare func $ext)
 *   (data (memory $m) (i32.const 8) "data")
 *   (data $pd "passive"))
 */
static const uint8_t wasm_exports[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x15, 0x04, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7e, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02,
    0x0d, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x62, 0x61, 0x73, 0x65, 0x03, 0x7f, 0x00, 0x03, 0x06,
    0x05, 0x00, 0x01, 0x02, 0x03, 0x02, 0x04, 0x04, 0x01, 0x70, 0x00, 0x04, 0x05, 0x04, 0x01, 0x01,
    0x01, 0x02, 0x06, 0x10, 0x03, 0x70, 0x00, 0xd2, 0x00, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b, 0x7e,
    0x01, 0x42, 0x7f, 0x0b, 0x07, 0x3b, 0x09, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x00, 0x03, 0x72, 0x65, 0x66, 0x03, 0x01, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x03, 0x02,
    0x03, 0x63, 0x6e, 0x74, 0x03, 0x03, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x06, 0x65, 0x78, 0x74,
    0x65, 0x6e, 0x64, 0x00, 0x01, 0x03, 0x61, 0x00, 0x62, 0x00, 0x02, 0x03, 0x67, 0x65, 0x74, 0x00,
    0x03, 0x09, 0x15, 0x03, 0x00, 0x41, 0x01, 0x0b, 0x02, 0x04, 0x00, 0x05, 0x70, 0x02, 0xd2, 0x00,
    0x0b, 0xd0, 0x70, 0x0b, 0x03, 0x00, 0x01, 0x01, 0x0a, 0x21, 0x05, 0x07, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x6a, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xad, 0x0b, 0x04, 0x00, 0x41, 0x07, 0x0b, 0x07, 0x00,
    0x20, 0x00, 0x11, 0x02, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x07, 0x0b, 0x0b, 0x13, 0x02, 0x00, 0x41,
    0x08, 0x0b, 0x04, 0x64, 0x61, 0x74, 0x61, 0x01, 0x07, 0x70, 0x61, 0x73, 0x73, 0x69, 0x76, 0x65,
};

/*
 * (module
 *   (import "env" "log" (func $log (param i32 i32) (result i32)))
 *   (import "env" "burn" (func $burn (param i64)))
 *   (memory (export "mem") 1)
 *   (data (i32.const 16) "hello")
 *   (func (export "call_log") (param i32 i32) (result i32)
 *     local.get 0 local.get 1 call $log)
 *   (func (export "burn") (param i64)
 *     local.get 0 call $burn))
 */
static const uint8_t wasm_host[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x60, 0x01, 0x7e, 0x00, 0x02, 0x16, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6c, 0x6f, 0x67,
    0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x62, 0x75, 0x72, 0x6e, 0x00, 0x01, 0x03, 0x03, 0x02,
    0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x19, 0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00,
    0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x6c, 0x6f, 0x67, 0x00, 0x02, 0x04, 0x62, 0x75, 0x72, 0x6e,
    0x00, 0x03, 0x0a, 0x11, 0x02, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x00, 0x0b, 0x06, 0x00,
    0x20, 0x00, 0x10, 0x01, 0x0b, 0x0b, 0x0b, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x05, 0x68, 0x65, 0x6c,
    0x6c, 0x6f,
};

/*
 * (module
 *   (import "env" "h" (func $h (param i32) (result i32)))
 *   (import "env" "g" (global i32))
 *   (table 2 funcref)
 *   (memory 1 3)
 *   (global $m (mut i64) (i64.const 5))
 *   (global $r funcref (ref.func $f))
 *   (func $f (export "f") (param i32) (result i32) local.get 0 call $h)
 *   (func $s (global.set $m (i64.const 6)))
 *   (elem (i32.const 0) $f $s)
 *   (elem $p func $f $s)
 *   (data (i32.const 0) "abc")
 *   (data $d "pass")
 *   (export "mem" (memory 0))
 *   (start $s))
 */
static const uint8_t wasm_full[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x00, 0x02, 0x12, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x68, 0x00, 0x00, 0x03, 0x65,
    0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f, 0x00, 0x03, 0x03, 0x02, 0x00, 0x01, 0x04, 0x04, 0x01, 0x70,
    0x00, 0x02, 0x05, 0x04, 0x01, 0x01, 0x01, 0x03, 0x06, 0x0b, 0x02, 0x7e, 0x01, 0x42, 0x05, 0x0b,
    0x70, 0x00, 0xd2, 0x01, 0x0b, 0x07, 0x0b, 0x02, 0x01, 0x66, 0x00, 0x01, 0x03, 0x6d, 0x65, 0x6d,
    0x02, 0x00, 0x08, 0x01, 0x02, 0x09, 0x0d, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02, 0x01,
    0x00, 0x02, 0x01, 0x02, 0x0a, 0x0f, 0x02, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x06, 0x00,
    0x42, 0x06, 0x24, 0x01, 0x0b, 0x0b, 0x0f, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x61, 0x62, 0x63,
    0x01, 0x04, 0x70, 0x61, 0x73, 0x73,
};

/*
 * (module
 *   (import "env" "h" (func $h (param i32) (result i32)))
 *   (import "env" "g" (global i32))
 *   (table 2 funcref)
 *   (memory 1 3)
 *   (global $m (mut i64) (i64.const 5))
 *   (global $r funcref (ref.func $f))
 *   (func $f (export "f") (param i32) (result i32) local.get 0 call $h)
 *   (func $s (global.set $m (i64.const 6)))
 *   (elem (i32.const 0) $f $s)
 *   (elem $p func $f $s)
 *   (data (i32.const 0) "abc")
 *   (data $d "pass")
 *   (export "mem" (memory 0)))
 */
static const uint8_t wasm_nostart[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x00, 0x02, 0x12, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x68, 0x00, 0x00, 0x03, 0x65,
    0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f, 0x00, 0x03, 0x03, 0x02, 0x00, 0x01, 0x04, 0x04, 0x01, 0x70,
    0x00, 0x02, 0x05, 0x04, 0x01, 0x01, 0x01, 0x03, 0x06, 0x0b, 0x02, 0x7e, 0x01, 0x42, 0x05, 0x0b,
    0x70, 0x00, 0xd2, 0x01, 0x0b, 0x07, 0x0b, 0x02, 0x01, 0x66, 0x00, 0x01, 0x03, 0x6d, 0x65, 0x6d,
    0x02, 0x00, 0x09, 0x0d, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01,
    0x02, 0x0a, 0x0f, 0x02, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x06, 0x00, 0x42, 0x06, 0x24,
    0x01, 0x0b, 0x0b, 0x0f, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x61, 0x62, 0x63, 0x01, 0x04, 0x70,
    0x61, 0x73, 0x73,
};

/* clang-format on */

/* A store whose every byte is counted; the counter must outlive the store. */
typedef struct counted_store {
    ol_alloc_counter counter;
    ol_allocator alloc;
    ol_wasm_store *s;
} counted_store;

static void counted_store_open(counted_store *cs, const ol_wasm_limits *limits)
{
    ol_wasm_store_config cfg;
    ol_diag d;
    memset(&cfg, 0, sizeof cfg);
    memset(&d, 0, sizeof d);
    cs->alloc = ol_alloc_counter_init(&cs->counter, NULL);
    cfg.alloc = &cs->alloc;
    if (limits != NULL)
        cfg.limits = *limits;
    assert_int_equal(ol_wasm_store_new(&cfg, &cs->s, &d), OL_OK);
}

static void counted_store_close(counted_store *cs)
{
    ol_wasm_store_free(cs->s);
    cs->s = NULL;
    assert_int_equal(cs->counter.live, 0);
}

static bool all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != 0)
            return false;
    }
    return true;
}

static ol_err host_nop(ol_wasm_caller *caller, void *ud, const uint64_t *args, uint64_t *results)
{
    (void)caller;
    (void)ud;
    (void)args;
    (void)results;
    return OL_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Stores
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_instance_store_defaults(void **state)
{
    (void)state;
    ol_wasm_store *s = NULL;
    ol_diag d;
    memset(&d, 0, sizeof d);

    assert_int_equal(ol_wasm_store_new(NULL, &s, &d), OL_OK);
    assert_int_equal(s->limits.max_memory_pages, 16384);
    assert_int_equal(s->limits.max_table_elems, 1000000);
    assert_int_equal(s->limits.max_call_depth, 10000);
    assert_int_equal(s->limits.max_stack_bytes, 8u * 1024u * 1024u);
    assert_int_equal(s->limits.max_instances, 10000);
    assert_true(ol_wasm_store_fuel_remaining(s) == UINT64_MAX);
    assert_true(ol_wasm_store_fuel_consumed(s) == 0);
    ol_wasm_store_free(s);
    ol_wasm_store_free(NULL);
}

static void test_wasm_instance_store_limits(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_limits l = {.max_memory_pages = 100000,
                        .max_table_elems = 7,
                        .max_call_depth = 3,
                        .max_stack_bytes = 4096,
                        .max_instances = 2};

    counted_store_open(&cs, &l);
    assert_true(cs.counter.live > 0);
    assert_int_equal(cs.s->limits.max_memory_pages, 65536); /* hard cap */
    assert_int_equal(cs.s->limits.max_table_elems, 7);
    assert_int_equal(cs.s->limits.max_call_depth, 3);
    assert_int_equal(cs.s->limits.max_stack_bytes, 4096);
    assert_int_equal(cs.s->limits.max_instances, 2);
    counted_store_close(&cs);
}

static void test_wasm_instance_store_fuel(void **state)
{
    (void)state;
    counted_store cs;
    counted_store_open(&cs, NULL);

    ol_wasm_store_set_fuel(cs.s, 100);
    assert_true(ol_wasm_store_fuel_remaining(cs.s) == 100);
    assert_true(ol_wasm_store_fuel_consumed(cs.s) == 0);
    cs.s->fuel -= 30; /* what the interpreter does */
    assert_true(ol_wasm_store_fuel_remaining(cs.s) == 70);
    assert_true(ol_wasm_store_fuel_consumed(cs.s) == 30);
    ol_wasm_store_set_fuel(cs.s, UINT64_MAX);
    cs.s->fuel -= 5;
    assert_true(ol_wasm_store_fuel_consumed(cs.s) == 5);
    assert_true(ol_wasm_store_fuel_remaining(cs.s) == UINT64_MAX - 5);
    counted_store_close(&cs);
}

static void test_wasm_instance_store_interrupt(void **state)
{
    (void)state;
    counted_store cs;
    counted_store_open(&cs, NULL);

    assert_false(atomic_load(&cs.s->interrupt));
    ol_wasm_store_interrupt(cs.s);
    assert_true(atomic_load(&cs.s->interrupt));
    ol_wasm_store_interrupt(cs.s);
    assert_true(atomic_load(&cs.s->interrupt));
    ol_wasm_store_clear_interrupt(cs.s);
    assert_false(atomic_load(&cs.s->interrupt));
    counted_store_close(&cs);
}

/* The interpreter allocates the stacks lazily through s->alloc; the store frees them. */
static void test_wasm_instance_store_frees_stacks(void **state)
{
    (void)state;
    counted_store cs;
    counted_store_open(&cs, NULL);
    ol_wasm_store *s = cs.s;

    s->stack = ol_malloc(&s->alloc, 128 * sizeof *s->stack);
    assert_non_null(s->stack);
    s->stack_end = s->stack + 128;
    s->stack_top = s->stack;
    s->frames = ol_malloc(&s->alloc, 16 * sizeof *s->frames);
    assert_non_null(s->frames);
    s->nframes = 16;
    counted_store_close(&cs);
}

/* ---------------------------------------------------------------------------------------------
 * Memories
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_instance_memory_grow(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_memory *mem = NULL;
    ol_diag d;
    size_t len = 0;
    uint8_t *base;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_memory_new(cs.s, 1, 3, &mem, &d), OL_OK);
    assert_int_equal(ol_wasm_memory_pages(mem), 1);
    base = ol_wasm_memory_data(mem, &len);
    assert_non_null(base);
    assert_int_equal(len, OL_WASM_PAGE_SIZE);
    assert_true(all_zero(base, len));
    base[0] = 1;
    base[len - 1] = 2;

    assert_int_equal(ol_wasm_memory_grow(mem, 0), 1);
    assert_int_equal(ol_wasm_memory_grow(mem, 1), 1);
    assert_int_equal(ol_wasm_memory_grow(mem, 1), 2);
    assert_int_equal(ol_wasm_memory_pages(mem), 3);
    assert_int_equal(ol_wasm_memory_grow(mem, 1), -1); /* declared maximum */
    assert_int_equal(ol_wasm_memory_grow(mem, UINT32_MAX), -1);
    assert_int_equal(ol__wasm_memory_grow(mem, 1), -1);
    assert_int_equal(ol_wasm_memory_pages(mem), 3);

    /* Data never moves; old bytes stay, new pages read zero and are writable. */
    assert_ptr_equal(ol_wasm_memory_data(mem, &len), base);
    assert_int_equal(len, 3 * OL_WASM_PAGE_SIZE);
    assert_int_equal(base[0], 1);
    assert_int_equal(base[OL_WASM_PAGE_SIZE - 1], 2);
    assert_true(all_zero(base + OL_WASM_PAGE_SIZE, 2 * OL_WASM_PAGE_SIZE));
    base[len - 1] = 3;
    assert_int_equal(ol_wasm_memory_grow(NULL, 1), -1);
    counted_store_close(&cs);
}

static void test_wasm_instance_memory_limits(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_limits l = {.max_memory_pages = 10};
    ol_wasm_memory *mem = NULL;
    ol_diag d;
    size_t len = 1;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, &l);

    /* Minimum above the store limit: an error naming both numbers. */
    assert_int_equal(ol_wasm_memory_new(cs.s, 11, UINT32_MAX, &mem, &d), OL_E_LIMIT);
    assert_int_equal(d.code, OL_E_LIMIT);
    assert_non_null(strstr(d.msg, "11"));
    assert_non_null(strstr(d.msg, "10"));
    assert_int_equal(ol_wasm_memory_new(cs.s, 11, 20, &mem, &d), OL_E_LIMIT);
    /* Malformed limits. */
    assert_int_equal(ol_wasm_memory_new(cs.s, 3, 2, &mem, &d), OL_E_INVAL);
    assert_int_equal(ol_wasm_memory_new(cs.s, 0, 65537, &mem, &d), OL_E_INVAL);

    /* No declared maximum: the store limit is the effective one. */
    assert_int_equal(ol_wasm_memory_new(cs.s, 2, UINT32_MAX, &mem, &d), OL_OK);
    assert_int_equal(mem->decl_max, UINT32_MAX);
    assert_int_equal(mem->max_pages, 10);
    assert_int_equal(ol_wasm_memory_grow(mem, 9), -1);
    assert_int_equal(ol_wasm_memory_grow(mem, 8), 2);
    assert_int_equal(ol_wasm_memory_grow(mem, 1), -1);
    assert_true(all_zero(ol_wasm_memory_data(mem, &len), len));
    assert_int_equal(len, 10u * OL_WASM_PAGE_SIZE);

    /* A declared maximum above the store limit is capped, but remembered for import matching. */
    assert_int_equal(ol_wasm_memory_new(cs.s, 0, 1000, &mem, &d), OL_OK);
    assert_int_equal(mem->decl_max, 1000);
    assert_int_equal(mem->max_pages, 10);

    /* A zero-page reservation. */
    assert_int_equal(ol_wasm_memory_new(cs.s, 0, 0, &mem, &d), OL_OK);
    ol_wasm_memory_data(mem, &len);
    assert_int_equal(len, 0);
    assert_int_equal(ol_wasm_memory_pages(mem), 0);
    assert_int_equal(ol_wasm_memory_grow(mem, 0), 0);
    assert_int_equal(ol_wasm_memory_grow(mem, 1), -1);
    counted_store_close(&cs);
}

static void test_wasm_instance_memory_hard_cap(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_limits l = {.max_memory_pages = UINT32_MAX};
    ol_wasm_memory *mem = NULL;
    ol_diag d;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, &l);
    /* 4 GiB of address space, none of it committed beyond one page. */
    assert_int_equal(ol_wasm_memory_new(cs.s, 1, UINT32_MAX, &mem, &d), OL_OK);
    assert_int_equal(mem->max_pages, 65536);
    assert_int_equal(ol_wasm_memory_grow(mem, 65536), -1);
    assert_int_equal(ol_wasm_memory_new(cs.s, 65537, UINT32_MAX, &mem, &d), OL_E_LIMIT);
    counted_store_close(&cs);
}

/* ---------------------------------------------------------------------------------------------
 * Tables and globals
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_instance_table_basics(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_table *t = NULL;
    ol_diag d;
    uint64_t ref = 1;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_table_new(cs.s, OL_WASM_EXTERNREF, 2, 5, 77, &t, &d), OL_OK);
    assert_int_equal(ol_wasm_table_size(t), 2);
    assert_int_equal(ol_wasm_table_get(t, 0, &ref), OL_OK);
    assert_true(ref == 77);
    assert_int_equal(ol_wasm_table_get(t, 1, &ref), OL_OK);
    assert_true(ref == 77);
    assert_int_equal(ol_wasm_table_get(t, 2, &ref), OL_E_RANGE);
    assert_int_equal(ol_wasm_table_set(t, 1, 9), OL_OK);
    assert_int_equal(ol_wasm_table_set(t, 2, 9), OL_E_RANGE);
    assert_int_equal(ol_wasm_table_get(t, 1, &ref), OL_OK);
    assert_true(ref == 9);

    assert_int_equal(ol__wasm_table_grow(t, 0, 5), 2);
    assert_int_equal(ol__wasm_table_grow(t, 2, 5), 2);
    assert_int_equal(ol__wasm_table_grow(t, 2, 5), -1); /* declared maximum */
    assert_int_equal(ol__wasm_table_grow(t, UINT32_MAX, 5), -1);
    assert_int_equal(ol__wasm_table_grow(t, 1, 6), 4);
    assert_int_equal(ol_wasm_table_size(t), 5);
    assert_int_equal(ol_wasm_table_get(t, 1, &ref), OL_OK);
    assert_true(ref == 9);
    assert_int_equal(ol_wasm_table_get(t, 3, &ref), OL_OK);
    assert_true(ref == 5);
    assert_int_equal(ol_wasm_table_get(t, 4, &ref), OL_OK);
    assert_true(ref == 6);

    assert_int_equal(ol_wasm_table_new(cs.s, OL_WASM_I32, 0, 1, 0, &t, &d), OL_E_INVAL);
    assert_int_equal(ol_wasm_table_new(cs.s, OL_WASM_FUNCREF, 3, 2, 0, &t, &d), OL_E_INVAL);
    counted_store_close(&cs);
}

static void test_wasm_instance_table_limits(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_limits l = {.max_table_elems = 100};
    ol_wasm_table *t = NULL;
    ol_diag d;
    uint64_t ref = 1;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, &l);
    assert_int_equal(ol_wasm_table_new(cs.s, OL_WASM_FUNCREF, 101, UINT32_MAX, 0, &t, &d),
                     OL_E_LIMIT);
    assert_non_null(strstr(d.msg, "101"));
    assert_non_null(strstr(d.msg, "100"));

    /* Empty table, grown one element at a time up to the store limit. */
    assert_int_equal(ol_wasm_table_new(cs.s, OL_WASM_FUNCREF, 0, UINT32_MAX, 0, &t, &d), OL_OK);
    assert_int_equal(ol_wasm_table_size(t), 0);
    assert_int_equal(ol_wasm_table_get(t, 0, &ref), OL_E_RANGE);
    for (uint32_t i = 0; i < 100; i++)
        assert_int_equal(ol__wasm_table_grow(t, 1, i + 1), i);
    assert_int_equal(ol__wasm_table_grow(t, 1, 0), -1);
    assert_true(t->cap <= 100);
    for (uint32_t i = 0; i < 100; i++) {
        assert_int_equal(ol_wasm_table_get(t, i, &ref), OL_OK);
        assert_true(ref == i + 1);
    }
    counted_store_close(&cs);
}

static void test_wasm_instance_globals(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_global *g = NULL;
    ol_diag d;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    /* i32 and f32 live in the low 32 bits; upper input bits are ignored. */
    assert_int_equal(ol_wasm_global_new(cs.s, OL_WASM_I32, true, 0xdeadbeef00000005u, &g, &d),
                     OL_OK);
    assert_int_equal(ol_wasm_global_type(g), OL_WASM_I32);
    assert_true(ol_wasm_global_is_mutable(g));
    assert_true(ol_wasm_global_get(g) == 5);
    assert_int_equal(ol_wasm_global_set(g, 0xffffffffffffffffu), OL_OK);
    assert_true(ol_wasm_global_get(g) == 0xffffffffu);

    assert_int_equal(ol_wasm_global_new(cs.s, OL_WASM_I64, false, 0xdeadbeef00000005u, &g, &d),
                     OL_OK);
    assert_false(ol_wasm_global_is_mutable(g));
    assert_true(ol_wasm_global_get(g) == 0xdeadbeef00000005u);
    assert_int_equal(ol_wasm_global_set(g, 1), OL_E_STATE);
    assert_true(ol_wasm_global_get(g) == 0xdeadbeef00000005u);

    assert_int_equal(ol_wasm_global_new(cs.s, OL_WASM_F32, false, ol_wasm_f32_bits(1.5f), &g, &d),
                     OL_OK);
    assert_true(ol_wasm_bits_f32(ol_wasm_global_get(g)) == 1.5f);
    assert_int_equal(ol_wasm_global_new(cs.s, (ol_wasm_valtype)0x40, false, 0, &g, &d), OL_E_INVAL);
    counted_store_close(&cs);
}

/* ---------------------------------------------------------------------------------------------
 * Host functions and signature interning
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_instance_host_sig_interning(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_func *f1 = NULL, *f2 = NULL, *f3 = NULL, *f4 = NULL;
    ol_diag d;
    static const ol_wasm_valtype p[] = {OL_WASM_I32, OL_WASM_I64};
    static const ol_wasm_valtype r[] = {OL_WASM_F64};
    ol_wasm_functype t1 = {2, 1, p, r};
    ol_wasm_functype t2 = {1, 2, p, p}; /* [i32] -> [i32 i64]: same flat list, other split */
    ol_wasm_functype t0 = {0, 0, NULL, NULL};
    ol_wasm_functype ft;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t1, host_nop, NULL, &f1, &d), OL_OK);
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t1, host_nop, &cs, &f2, &d), OL_OK);
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t2, host_nop, NULL, &f3, &d), OL_OK);
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t0, host_nop, NULL, &f4, &d), OL_OK);
    assert_ptr_not_equal(f1, f2);
    assert_int_equal(f1->sig, f2->sig);
    assert_ptr_equal(f1->vt, f2->vt); /* shared, owned by the signature table */
    assert_int_not_equal(f1->sig, f3->sig);
    assert_int_not_equal(f1->sig, f4->sig);
    assert_int_equal(cs.s->nsigs, 3);
    assert_ptr_equal(f2->ud, &cs);
    assert_null(f1->code);

    ft = ol_wasm_func_type(f1);
    assert_int_equal(ft.nparams, 2);
    assert_int_equal(ft.nresults, 1);
    assert_int_equal(ft.params[0], OL_WASM_I32);
    assert_int_equal(ft.params[1], OL_WASM_I64);
    assert_int_equal(ft.results[0], OL_WASM_F64);
    ft = ol_wasm_func_type(f4);
    assert_int_equal(ft.nparams, 0);
    assert_int_equal(ft.nresults, 0);
    assert_null(ft.params);
    assert_null(ft.results);

    /* Interning directly: same id for the same structure. */
    uint32_t id = 99;
    static const ol_wasm_valtype flat[] = {OL_WASM_I32, OL_WASM_I64, OL_WASM_F64};
    assert_int_equal(ol__wasm_store_sig(cs.s, 2, 1, flat, &id), OL_OK);
    assert_int_equal(id, f1->sig);
    assert_int_equal(ol__wasm_store_sig(cs.s, 0, 0, NULL, &id), OL_OK);
    assert_int_equal(id, f4->sig);
    assert_int_equal(cs.s->nsigs, 3);
    counted_store_close(&cs);
}

/* Many distinct signatures: the table and its hash index grow, earlier vt arrays never move. */
static void test_wasm_instance_host_sig_many(void **state)
{
    (void)state;
    counted_store cs;
    ol_diag d;
    enum { N = 300 };
    static ol_wasm_func *fs[N];
    static const ol_wasm_valtype *vts[N];
    static const ol_wasm_valtype kinds[] = {OL_WASM_I32, OL_WASM_I64, OL_WASM_F32, OL_WASM_F64};
    ol_wasm_valtype params[8];

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    for (unsigned i = 0; i < N; i++) {
        /* i in base 4 over 4 digits, plus one more param for i >= 256: all distinct. */
        uint32_t np = i >= 256 ? 5 : 4;
        for (uint32_t k = 0; k < np; k++)
            params[k] = kinds[(i >> (2 * (k % 4))) & 3];
        ol_wasm_functype t = {np, 0, params, NULL};
        assert_int_equal(ol_wasm_func_new_host(cs.s, &t, host_nop, NULL, &fs[i], &d), OL_OK);
        vts[i] = fs[i]->vt;
    }
    assert_int_equal(cs.s->nsigs, N);
    for (unsigned i = 0; i < N; i++) {
        uint32_t np = i >= 256 ? 5 : 4;
        uint32_t id = UINT32_MAX;
        assert_ptr_equal(fs[i]->vt, vts[i]);
        assert_ptr_equal(cs.s->sigs[fs[i]->sig].vt, vts[i]);
        for (uint32_t k = 0; k < np; k++)
            params[k] = kinds[(i >> (2 * (k % 4))) & 3];
        assert_memory_equal(fs[i]->vt, params, np * sizeof params[0]);
        assert_int_equal(ol__wasm_store_sig(cs.s, np, 0, params, &id), OL_OK);
        assert_int_equal(id, fs[i]->sig);
    }
    assert_int_equal(cs.s->nsigs, N);
    counted_store_close(&cs);
}

static void test_wasm_instance_host_errors(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_func *f = NULL;
    ol_diag d;
    static ol_wasm_valtype big[OL__MAX_PARAMS + 1];
    ol_wasm_valtype bad[2] = {OL_WASM_I32, (ol_wasm_valtype)0x40};
    ol_wasm_functype t;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    for (size_t i = 0; i < ARRAY_LEN(big); i++)
        big[i] = OL_WASM_I64;

    t = (ol_wasm_functype){OL__MAX_PARAMS + 1, 0, big, NULL};
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t, host_nop, NULL, &f, &d), OL_E_LIMIT);
    t = (ol_wasm_functype){2, 0, bad, NULL};
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t, host_nop, NULL, &f, &d), OL_E_INVAL);
    t = (ol_wasm_functype){0, 2, NULL, bad};
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t, host_nop, NULL, &f, &d), OL_E_INVAL);
    t = (ol_wasm_functype){1, 0, NULL, NULL};
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t, host_nop, NULL, &f, &d), OL_E_INVAL);
    t = (ol_wasm_functype){0, 0, NULL, NULL};
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t, NULL, NULL, &f, &d), OL_E_INVAL);
    assert_int_equal(cs.s->nsigs, 0);

    /* The largest host type (through the heap path for the temporary flat list). */
    t = (ol_wasm_functype){OL__MAX_PARAMS, OL__MAX_RESULTS, big, big};
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t, host_nop, NULL, &f, &d), OL_OK);
    assert_int_equal(ol_wasm_func_type(f).nparams, OL__MAX_PARAMS);
    assert_int_equal(ol_wasm_func_type(f).nresults, OL__MAX_RESULTS);
    counted_store_close(&cs);
}

/* ---------------------------------------------------------------------------------------------
 * Calls, references, the caller API (without WebAssembly code)
 * ------------------------------------------------------------------------------------------- */

static void test_wasm_instance_func_refs(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_func *f = NULL;
    ol_wasm_functype t = {0, 0, NULL, NULL};
    ol_diag d;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t, host_nop, NULL, &f, &d), OL_OK);
    assert_true(ol_wasm_func_to_ref(NULL) == 0);
    assert_null(ol_wasm_func_from_ref(0));
    assert_true(ol_wasm_func_to_ref(f) != 0);
    assert_ptr_equal(ol_wasm_func_from_ref(ol_wasm_func_to_ref(f)), f);
    counted_store_close(&cs);
}

static void test_wasm_instance_call_counts(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_func *f = NULL;
    static const ol_wasm_valtype p[] = {OL_WASM_I32};
    ol_wasm_functype t = {1, 1, p, p};
    uint64_t args[2] = {1, 2};
    uint64_t res[2];
    ol_diag d;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_func_new_host(cs.s, &t, host_nop, NULL, &f, &d), OL_OK);
    assert_int_equal(ol_wasm_call(f, args, 0, res, 1, NULL), OL_E_INVAL);
    assert_int_equal(ol_wasm_call(f, args, 2, res, 1, NULL), OL_E_INVAL);
    assert_int_equal(ol_wasm_call(f, args, 1, res, 0, NULL), OL_E_INVAL);
    assert_int_equal(ol_wasm_call(f, args, 1, res, 2, NULL), OL_E_INVAL);
    assert_int_equal(ol_wasm_call(f, NULL, 1, res, 1, NULL), OL_E_INVAL);
    assert_int_equal(ol_wasm_call(f, args, 1, NULL, 1, NULL), OL_E_INVAL);
    assert_int_equal(ol_wasm_call(NULL, NULL, 0, NULL, 0, NULL), OL_E_INVAL);
    counted_store_close(&cs);
}

static void test_wasm_instance_caller_api(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_trap trap;
    ol_wasm_caller c;

    counted_store_open(&cs, NULL);
    memset(&trap, 0, sizeof trap);
    c.store = cs.s;
    c.inst = NULL;
    c.trap = &trap;

    assert_ptr_equal(ol_wasm_caller_store(&c), cs.s);
    assert_null(ol_wasm_caller_memory(&c));

    ol_wasm_store_set_fuel(cs.s, 50);
    assert_int_equal(ol_wasm_caller_consume_fuel(&c, 20), OL_OK);
    assert_true(ol_wasm_store_fuel_remaining(cs.s) == 30);
    assert_int_equal(ol_wasm_caller_consume_fuel(&c, 31), OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_OUT_OF_FUEL);
    assert_string_equal(trap.msg, "out of fuel");
    assert_true(ol_wasm_store_fuel_remaining(cs.s) == 30); /* charges nothing */
    assert_int_equal(ol_wasm_caller_consume_fuel(&c, 30), OL_OK);
    assert_true(ol_wasm_store_fuel_remaining(cs.s) == 0);
    assert_true(ol_wasm_store_fuel_consumed(cs.s) == 50);

    assert_int_equal(ol_wasm_caller_trap(&c, OL_WASM_TRAP_HOST, "bad pointer %u+%d", 7u, 3),
                     OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_HOST);
    assert_int_equal(trap.func_index, UINT32_MAX);
    assert_int_equal(trap.offset, 0);
    assert_string_equal(trap.msg, "bad pointer 7+3");
    counted_store_close(&cs);
}

/* ---------------------------------------------------------------------------------------------
 * Fault injection: every allocation of store and object creation may fail; the outcome is OL_OK
 * or OL_E_NOMEM and nothing leaks.
 * ------------------------------------------------------------------------------------------- */

static ol_err build_objects(const ol_allocator *a)
{
    ol_wasm_store_config cfg;
    ol_wasm_store *s = NULL;
    ol_wasm_memory *mem;
    ol_wasm_table *t;
    ol_wasm_global *g;
    ol_wasm_func *f;
    static ol_wasm_valtype many[40];
    ol_wasm_functype ft;
    ol_err rc;

    for (size_t i = 0; i < ARRAY_LEN(many); i++)
        many[i] = (i & 1) != 0 ? OL_WASM_I32 : OL_WASM_F64;
    memset(&cfg, 0, sizeof cfg);
    cfg.alloc = a;
    rc = ol_wasm_store_new(&cfg, &s, NULL);
    if (rc != OL_OK)
        return rc;
    rc = ol_wasm_memory_new(s, 1, 2, &mem, NULL);
    if (rc != OL_OK)
        goto out;
    rc = ol_wasm_table_new(s, OL_WASM_FUNCREF, 3, UINT32_MAX, 0, &t, NULL);
    if (rc != OL_OK)
        goto out;
    if (ol__wasm_table_grow(t, 10, 0) < 0) {
        rc = OL_E_NOMEM;
        goto out;
    }
    rc = ol_wasm_global_new(s, OL_WASM_I64, true, 1, &g, NULL);
    if (rc != OL_OK)
        goto out;
    /* Distinct signatures, enough to grow the signature table and its index. */
    for (uint32_t i = 0; i < 20; i++) {
        ft = (ol_wasm_functype){i, 1, many, many};
        rc = ol_wasm_func_new_host(s, &ft, host_nop, NULL, &f, NULL);
        if (rc != OL_OK)
            goto out;
    }
    ft = (ol_wasm_functype){40, 0, many, NULL}; /* heap path for the flat list */
    rc = ol_wasm_func_new_host(s, &ft, host_nop, NULL, &f, NULL);
out:
    ol_wasm_store_free(s);
    return rc;
}

static void test_wasm_instance_fault_injection_objects(void **state)
{
    (void)state;
    for (long n = 0;; n++) {
        ol_alloc_counter c;
        ol_allocator a = ol_alloc_counter_init(&c, NULL);
        c.fail_countdown = n;
        ol_err rc = build_objects(&a);
        assert_true(rc == OL_OK || rc == OL_E_NOMEM);
        assert_int_equal(c.live, 0);
        if (rc == OL_OK) {
            assert_true(n > 20);
            break;
        }
        assert_true(n < 10000);
    }
}

/* A failed host-function creation leaves the signature table as it was. */
static void test_wasm_instance_host_failure_rolls_back(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_func *f = NULL;
    static const ol_wasm_valtype p[] = {OL_WASM_I32, OL_WASM_F32};
    ol_diag d;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    for (long n = 0;; n++) {
        uint32_t nsigs = cs.s->nsigs;
        cs.counter.fail_countdown = n;
        ol_wasm_functype t = {2, (uint32_t)(n % 2), p, p};
        ol_err rc = ol_wasm_func_new_host(cs.s, &t, host_nop, NULL, &f, &d);
        cs.counter.fail_countdown = -1;
        if (rc == OL_OK)
            break;
        assert_int_equal(rc, OL_E_NOMEM);
        assert_int_equal(cs.s->nsigs, nsigs);
        assert_true(n < 100);
    }
    counted_store_close(&cs);
}

/* ---------------------------------------------------------------------------------------------
 * Instantiation (needs the decoder, compiler and interpreter)
 * ------------------------------------------------------------------------------------------- */

static ol_wasm_module *module_load(const uint8_t *bytes, size_t len)
{
    ol_wasm_module *m = NULL;
    ol_diag d;
    memset(&d, 0, sizeof d);
    ol_err rc = ol_wasm_module_new(bytes, len, NULL, &m, &d);
    if (rc != OL_OK)
        print_error("module: %s: %s\n", ol_err_name(rc), d.msg);
    assert_int_equal(rc, OL_OK);
    return m;
}
#define MODULE_LOAD(bytes) module_load((bytes), sizeof(bytes))

static ol_wasm_extern ext_func(ol_wasm_func *f)
{
    ol_wasm_extern e;
    e.kind = OL_WASM_EXTERN_FUNC;
    e.of.func = f;
    return e;
}

static ol_wasm_extern ext_table(ol_wasm_table *t)
{
    ol_wasm_extern e;
    e.kind = OL_WASM_EXTERN_TABLE;
    e.of.table = t;
    return e;
}

static ol_wasm_extern ext_memory(ol_wasm_memory *mem)
{
    ol_wasm_extern e;
    e.kind = OL_WASM_EXTERN_MEMORY;
    e.of.memory = mem;
    return e;
}

static ol_wasm_extern ext_global(ol_wasm_global *g)
{
    ol_wasm_extern e;
    e.kind = OL_WASM_EXTERN_GLOBAL;
    e.of.global = g;
    return e;
}

static const ol_wasm_valtype vt_i32[] = {OL_WASM_I32, OL_WASM_I32};
static const ol_wasm_valtype vt_i64[] = {OL_WASM_I64};

/* (i32) -> i32: x + 1 */
static ol_err host_inc(ol_wasm_caller *caller, void *ud, const uint64_t *args, uint64_t *results)
{
    (void)caller;
    (void)ud;
    results[0] = (uint32_t)args[0] + 1u;
    return OL_OK;
}

typedef struct log_buf {
    char text[32];
    uint32_t len;
    ol_wasm_memory *seen;
} log_buf;

/* (ptr i32, len i32) -> i32: copies guest bytes into the log_buf, bounds-checked. */
static ol_err host_log(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    log_buf *lb = ud;
    ol_wasm_memory *mem = ol_wasm_caller_memory(c);
    uint32_t ptr = (uint32_t)args[0];
    uint32_t len = (uint32_t)args[1];
    size_t mlen = 0;
    const uint8_t *base;

    if (mem == NULL)
        return ol_wasm_caller_trap(c, OL_WASM_TRAP_HOST, "log: no memory");
    base = ol_wasm_memory_data(mem, &mlen);
    if ((uint64_t)ptr + len > mlen || len >= sizeof lb->text)
        return ol_wasm_caller_trap(c, OL_WASM_TRAP_HOST, "log: %u+%u out of bounds", ptr, len);
    memcpy(lb->text, base + ptr, len);
    lb->text[len] = '\0';
    lb->len = len;
    lb->seen = mem;
    results[0] = len;
    return OL_OK;
}

/* (n i64) -> (): charges n units of fuel. */
static ol_err host_burn(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    (void)ud;
    (void)results;
    return ol_wasm_caller_consume_fuel(c, args[0]);
}

static void test_wasm_instance_module_introspection(void **state)
{
    (void)state;
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    ol_wasm_module_config cfg = {.alloc = &a};
    ol_wasm_module *m = NULL;
    const char *mod = NULL, *name = NULL;
    size_t mod_len = 0, name_len = 0;
    ol_wasm_externtype t;
    ol_diag d;

    memset(&d, 0, sizeof d);
    assert_int_equal(ol_wasm_module_new(wasm_imports, sizeof wasm_imports, &cfg, &m, &d), OL_OK);
    assert_true(c.live > 0);
    assert_int_equal(ol_wasm_module_import_count(m), 4);
    assert_int_equal(ol_wasm_module_export_count(m), 0);
    assert_int_equal(ol_wasm_module_func_count(m), 1);

    ol_wasm_module_import(m, 0, &mod, &mod_len, &name, &name_len, &t);
    assert_string_equal(mod, "env");
    assert_int_equal(mod_len, 3);
    assert_string_equal(name, "f");
    assert_int_equal(name_len, 1);
    assert_int_equal(t.kind, OL_WASM_EXTERN_FUNC);
    assert_int_equal(t.func.nparams, 1);
    assert_int_equal(t.func.nresults, 1);
    assert_int_equal(t.func.params[0], OL_WASM_I32);
    assert_int_equal(t.func.results[0], OL_WASM_I32);

    ol_wasm_module_import(m, 1, NULL, NULL, &name, NULL, &t);
    assert_string_equal(name, "t");
    assert_int_equal(t.kind, OL_WASM_EXTERN_TABLE);
    assert_int_equal(t.table_elem, OL_WASM_FUNCREF);
    assert_int_equal(t.limits.min, 2);
    assert_true(t.limits.has_max);
    assert_int_equal(t.limits.max, 10);

    ol_wasm_module_import(m, 2, NULL, NULL, NULL, NULL, &t);
    assert_int_equal(t.kind, OL_WASM_EXTERN_MEMORY);
    assert_int_equal(t.limits.min, 1);
    assert_true(t.limits.has_max);
    assert_int_equal(t.limits.max, 4);

    ol_wasm_module_import(m, 3, NULL, NULL, NULL, NULL, &t);
    assert_int_equal(t.kind, OL_WASM_EXTERN_GLOBAL);
    assert_int_equal(t.global_type, OL_WASM_I64);
    assert_true(t.global_mutable);
    ol_wasm_module_free(m);
    assert_int_equal(c.live, 0);

    m = MODULE_LOAD(wasm_exports);
    assert_int_equal(ol_wasm_module_export_count(m), 9);
    assert_int_equal(ol_wasm_module_func_count(m), 5);
    bool seen_nul = false, seen_add = false;
    for (uint32_t i = 0; i < ol_wasm_module_export_count(m); i++) {
        ol_wasm_module_export(m, i, &name, &name_len, &t);
        if (name_len == 3 && memcmp(name, "a\0b", 3) == 0) {
            seen_nul = true;
            assert_int_equal(t.kind, OL_WASM_EXTERN_FUNC);
            assert_int_equal(t.func.nparams, 0);
            assert_null(t.func.params);
            assert_int_equal(t.func.nresults, 1);
        }
        if (name_len == 3 && memcmp(name, "add", 3) == 0) {
            seen_add = true;
            assert_int_equal(t.func.nparams, 2);
        }
        if (strcmp(name, "mem") == 0) {
            assert_int_equal(t.kind, OL_WASM_EXTERN_MEMORY);
            assert_int_equal(t.limits.max, 2);
        }
        if (strcmp(name, "cnt") == 0) {
            assert_int_equal(t.kind, OL_WASM_EXTERN_GLOBAL);
            assert_int_equal(t.global_type, OL_WASM_I64);
            assert_true(t.global_mutable);
        }
    }
    assert_true(seen_nul);
    assert_true(seen_add);
    ol_wasm_module_free(m);
    ol_wasm_module_free(NULL);
}

static void test_wasm_instance_module_errors(void **state)
{
    (void)state;
    static const uint8_t junk[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05};
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    ol_wasm_module_config cfg = {.alloc = &a};
    ol_wasm_module *m = (ol_wasm_module *)&c; /* sentinel: must stay untouched */
    ol_diag d;

    memset(&d, 0, sizeof d);
    assert_int_equal(ol_wasm_module_new(junk, sizeof junk, &cfg, &m, &d), OL_E_MALFORMED);
    assert_int_equal(d.code, OL_E_MALFORMED);
    assert_true(d.msg[0] != '\0');
    assert_ptr_equal(m, &c);
    assert_int_equal(c.live, 0);
    assert_int_equal(ol_wasm_module_new(junk, 3, &cfg, &m, &d), OL_E_MALFORMED);
    assert_int_equal(c.live, 0);
}

/* Every allocation of module creation may fail; nothing leaks. */
static void test_wasm_instance_fault_injection_module(void **state)
{
    (void)state;
    for (long n = 0;; n++) {
        ol_alloc_counter c;
        ol_allocator a = ol_alloc_counter_init(&c, NULL);
        ol_wasm_module_config cfg = {.alloc = &a};
        ol_wasm_module *m = NULL;
        c.fail_countdown = n;
        ol_err rc = ol_wasm_module_new(wasm_exports, sizeof wasm_exports, &cfg, &m, NULL);
        assert_true(rc == OL_OK || rc == OL_E_NOMEM);
        if (rc == OL_OK)
            ol_wasm_module_free(m);
        assert_int_equal(c.live, 0);
        if (rc == OL_OK)
            break;
        assert_true(n < 100000);
    }
}

typedef struct import_set {
    ol_wasm_func *f;
    ol_wasm_table *t;
    ol_wasm_memory *m;
    ol_wasm_global *g;
} import_set;

/* Instantiates wasm_imports with `set`; expects failure `want` (OL_OK for success). A failure
 * must leave the store exactly as it was. */
static void expect_link(counted_store *cs, const ol_wasm_module *m, import_set set, ol_err want,
                        const char *msg_part)
{
    ol_wasm_extern ex[4] = {ext_func(set.f), ext_table(set.t), ext_memory(set.m),
                            ext_global(set.g)};
    ol_wasm_instance *inst = NULL;
    size_t live = cs->counter.live;
    uint32_t nsigs = cs->s->nsigs;
    uint32_t ninst = cs->s->ninstances;
    ol_diag d;

    memset(&d, 0, sizeof d);
    ol_err rc = ol_wasm_instance_new(cs->s, m, ex, 4, &inst, NULL, &d);
    if (rc != want)
        print_error("link: got %s (%s)\n", ol_err_name(rc), d.msg);
    assert_int_equal(rc, want);
    if (want == OL_OK) {
        assert_non_null(inst);
        assert_int_equal(cs->s->ninstances, ninst + 1);
        return;
    }
    assert_null(inst);
    assert_int_equal(d.code, want);
    if (msg_part != NULL && strstr(d.msg, msg_part) == NULL)
        print_error("message \"%s\" lacks \"%s\"\n", d.msg, msg_part);
    if (msg_part != NULL)
        assert_non_null(strstr(d.msg, msg_part));
    assert_int_equal(cs->counter.live, live);
    assert_int_equal(cs->s->nsigs, nsigs);
    assert_int_equal(cs->s->ninstances, ninst);
}

static void test_wasm_instance_import_matching(void **state)
{
    (void)state;
    counted_store cs, other;
    ol_wasm_module *m = MODULE_LOAD(wasm_imports);
    ol_wasm_functype ft_ok = {1, 1, vt_i32, vt_i32};
    ol_wasm_functype ft_bad = {1, 1, vt_i64, vt_i32};
    import_set good, bad;
    ol_wasm_func *f_bad = NULL, *f_foreign = NULL;
    ol_wasm_table *t_small, *t_nomax, *t_bigmax, *t_ext, *t_larger;
    ol_wasm_memory *m_small, *m_nomax, *m_bigmax, *m_larger;
    ol_wasm_global *g_const, *g_i32;
    ol_wasm_instance *inst = NULL;
    ol_diag d;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    counted_store_open(&other, NULL);
    ol_wasm_store *s = cs.s;
    assert_int_equal(ol_wasm_func_new_host(s, &ft_ok, host_inc, NULL, &good.f, &d), OL_OK);
    assert_int_equal(ol_wasm_table_new(s, OL_WASM_FUNCREF, 2, 10, 0, &good.t, &d), OL_OK);
    assert_int_equal(ol_wasm_memory_new(s, 1, 4, &good.m, &d), OL_OK);
    assert_int_equal(ol_wasm_global_new(s, OL_WASM_I64, true, 0, &good.g, &d), OL_OK);
    assert_int_equal(ol_wasm_func_new_host(s, &ft_bad, host_inc, NULL, &f_bad, &d), OL_OK);
    assert_int_equal(ol_wasm_func_new_host(other.s, &ft_ok, host_inc, NULL, &f_foreign, &d), OL_OK);
    assert_int_equal(ol_wasm_table_new(s, OL_WASM_FUNCREF, 1, 10, 0, &t_small, &d), OL_OK);
    assert_int_equal(ol_wasm_table_new(s, OL_WASM_FUNCREF, 2, UINT32_MAX, 0, &t_nomax, &d), OL_OK);
    assert_int_equal(ol_wasm_table_new(s, OL_WASM_FUNCREF, 2, 11, 0, &t_bigmax, &d), OL_OK);
    assert_int_equal(ol_wasm_table_new(s, OL_WASM_EXTERNREF, 2, 10, 0, &t_ext, &d), OL_OK);
    assert_int_equal(ol_wasm_table_new(s, OL_WASM_FUNCREF, 5, 8, 0, &t_larger, &d), OL_OK);
    assert_int_equal(ol_wasm_memory_new(s, 0, 4, &m_small, &d), OL_OK);
    assert_int_equal(ol_wasm_memory_new(s, 1, UINT32_MAX, &m_nomax, &d), OL_OK);
    assert_int_equal(ol_wasm_memory_new(s, 1, 5, &m_bigmax, &d), OL_OK);
    assert_int_equal(ol_wasm_memory_new(s, 2, 3, &m_larger, &d), OL_OK);
    assert_int_equal(ol_wasm_global_new(s, OL_WASM_I64, false, 0, &g_const, &d), OL_OK);
    assert_int_equal(ol_wasm_global_new(s, OL_WASM_I32, true, 0, &g_i32, &d), OL_OK);

    /* Wrong count. */
    ol_wasm_extern ex[4] = {ext_func(good.f), ext_table(good.t), ext_memory(good.m),
                            ext_global(good.g)};
    assert_int_equal(ol_wasm_instance_new(s, m, ex, 3, &inst, NULL, &d), OL_E_UNLINKABLE);
    assert_int_equal(ol_wasm_instance_new(s, m, NULL, 0, &inst, NULL, &d), OL_E_UNLINKABLE);
    /* Wrong kind. */
    ex[0] = ext_table(good.t);
    assert_int_equal(ol_wasm_instance_new(s, m, ex, 4, &inst, NULL, &d), OL_E_UNLINKABLE);
    assert_non_null(strstr(d.msg, "incompatible import type"));
    assert_non_null(strstr(d.msg, "\"env\".\"f\""));
    assert_null(inst);

    bad = good;
    bad.f = f_bad;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "incompatible import type");
    bad.f = f_foreign;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "another store");
    bad.f = NULL;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "\"env\".\"f\"");
    bad = good;
    bad.t = t_small;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "\"env\".\"t\": incompatible import type");
    bad.t = t_nomax;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "incompatible import type");
    bad.t = t_bigmax;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "incompatible import type");
    bad.t = t_ext;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "incompatible import type");
    bad = good;
    bad.m = m_small;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "\"env\".\"m\": incompatible import type");
    bad.m = m_nomax;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "incompatible import type");
    bad.m = m_bigmax;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "incompatible import type");
    bad = good;
    bad.g = g_const;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "\"env\".\"g\": incompatible import type");
    bad.g = g_i32;
    expect_link(&cs, m, bad, OL_E_UNLINKABLE, "incompatible import type");

    /* Exact and larger-but-compatible imports both link. */
    expect_link(&cs, m, good, OL_OK, NULL);
    bad = good;
    bad.t = t_larger;
    bad.m = m_larger;
    expect_link(&cs, m, bad, OL_OK, NULL);

    counted_store_close(&other);
    counted_store_close(&cs);
    ol_wasm_module_free(m);
}

/* An active element segment out of bounds traps; the earlier segment's writes into the imported
 * table stay, and the functions they reference stay callable. */
static void test_wasm_instance_elem_oob(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_module *m = MODULE_LOAD(wasm_elem_oob);
    ol_wasm_instance *inst = (ol_wasm_instance *)&cs; /* sentinel */
    ol_wasm_table *t = NULL;
    ol_wasm_memory *mem = NULL;
    ol_wasm_trap trap;
    uint64_t ref = 0, res = 0;
    size_t len = 0;
    ol_diag d;

    memset(&d, 0, sizeof d);
    memset(&trap, 0, sizeof trap);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_table_new(cs.s, OL_WASM_FUNCREF, 3, UINT32_MAX, 0, &t, &d), OL_OK);
    assert_int_equal(ol_wasm_memory_new(cs.s, 1, UINT32_MAX, &mem, &d), OL_OK);
    ol_wasm_extern ex[2] = {ext_table(t), ext_memory(mem)};

    assert_int_equal(ol_wasm_instance_new(cs.s, m, ex, 2, &inst, &trap, &d), OL_E_TRAP);
    assert_ptr_equal(inst, &cs);
    assert_int_equal(trap.kind, OL_WASM_TRAP_TABLE_OOB);
    assert_string_equal(trap.msg, "out of bounds table access");
    assert_int_equal(d.code, OL_E_TRAP);

    assert_int_equal(ol_wasm_table_get(t, 0, &ref), OL_OK);
    assert_non_null(ol_wasm_func_from_ref(ref));
    assert_int_equal(ol_wasm_call(ol_wasm_func_from_ref(ref), NULL, 0, &res, 1, NULL), OL_OK);
    assert_true(res == 1);
    assert_int_equal(ol_wasm_table_get(t, 1, &ref), OL_OK);
    assert_int_equal(ol_wasm_call(ol_wasm_func_from_ref(ref), NULL, 0, &res, 1, NULL), OL_OK);
    assert_true(res == 2);
    assert_int_equal(ol_wasm_table_get(t, 2, &ref), OL_OK);
    assert_true(ref == 0); /* the failing segment wrote nothing */
    /* Data segments come after element segments: none applied. */
    assert_true(all_zero(ol_wasm_memory_data(mem, &len), 2));

    /* trap may be NULL. */
    assert_int_equal(ol_wasm_instance_new(cs.s, m, ex, 2, &inst, NULL, &d), OL_E_TRAP);
    counted_store_close(&cs);
    ol_wasm_module_free(m);
}

static void test_wasm_instance_data_oob(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_module *m = MODULE_LOAD(wasm_data_oob);
    ol_wasm_instance *inst = NULL;
    ol_wasm_memory *mem = NULL;
    ol_wasm_global *off = NULL;
    ol_wasm_trap trap;
    size_t len = 0;
    const uint8_t *p;
    ol_diag d;

    memset(&d, 0, sizeof d);
    memset(&trap, 0, sizeof trap);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_memory_new(cs.s, 1, UINT32_MAX, &mem, &d), OL_OK);
    assert_int_equal(ol_wasm_global_new(cs.s, OL_WASM_I32, false, 5, &off, &d), OL_OK);
    ol_wasm_extern ex[2] = {ext_memory(mem), ext_global(off)};

    assert_int_equal(ol_wasm_instance_new(cs.s, m, ex, 2, &inst, &trap, &d), OL_E_TRAP);
    assert_null(inst);
    assert_int_equal(trap.kind, OL_WASM_TRAP_MEMORY_OOB);
    assert_string_equal(trap.msg, "out of bounds memory access");
    p = ol_wasm_memory_data(mem, &len);
    assert_memory_equal(p, "abc", 3);
    assert_int_equal(p[5], 'q');
    assert_int_equal(p[10], 0);
    assert_int_equal(p[65535], 0);
    counted_store_close(&cs);
    ol_wasm_module_free(m);
}

static void test_wasm_instance_start(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_module *m = MODULE_LOAD(wasm_start);
    ol_wasm_module *mt = MODULE_LOAD(wasm_start_trap);
    ol_wasm_instance *inst = NULL;
    ol_wasm_memory *mem = NULL;
    ol_wasm_extern g;
    ol_wasm_trap trap;
    size_t len = 0;
    const uint8_t *p;
    ol_diag d;

    memset(&d, 0, sizeof d);
    memset(&trap, 0, sizeof trap);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_memory_new(cs.s, 1, UINT32_MAX, &mem, &d), OL_OK);
    ol_wasm_extern ex[1] = {ext_memory(mem)};

    assert_int_equal(ol_wasm_instance_new(cs.s, m, ex, 1, &inst, &trap, &d), OL_OK);
    assert_int_equal(ol_wasm_instance_export(inst, "g", 1, &g), OL_OK);
    assert_int_equal(g.kind, OL_WASM_EXTERN_GLOBAL);
    assert_true(ol_wasm_global_get(g.of.global) == 42);
    p = ol_wasm_memory_data(mem, &len);
    assert_int_equal(p[100], 42);
    assert_int_equal(p[101], 0);

    inst = NULL;
    assert_int_equal(ol_wasm_instance_new(cs.s, mt, ex, 1, &inst, &trap, &d), OL_E_TRAP);
    assert_null(inst);
    assert_int_equal(trap.kind, OL_WASM_TRAP_UNREACHABLE);
    assert_int_equal(d.code, OL_E_TRAP);
    assert_int_equal(p[0], 'x'); /* data segments run before the start function */
    counted_store_close(&cs);
    ol_wasm_module_free(m);
    ol_wasm_module_free(mt);
}

static void test_wasm_instance_exports(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_module *m = MODULE_LOAD(wasm_exports);
    ol_wasm_instance *inst = NULL;
    ol_wasm_global *base = NULL;
    ol_wasm_extern e;
    ol_wasm_trap trap;
    ol_wasm_func *add, *f;
    uint64_t args[2], res[1], ref;
    size_t len = 0;
    ol_diag d;

    memset(&d, 0, sizeof d);
    memset(&trap, 0, sizeof trap);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_global_new(cs.s, OL_WASM_I32, false, 0x1234, &base, &d), OL_OK);
    ol_wasm_extern ex[1] = {ext_global(base)};
    assert_int_equal(ol_wasm_instance_new(cs.s, m, ex, 1, &inst, &trap, &d), OL_OK);

    /* Functions; i32 arguments ignore their upper bits and results come back zero-extended. */
    add = ol_wasm_instance_func(inst, "add");
    assert_non_null(add);
    assert_int_equal(ol_wasm_func_type(add).nparams, 2);
    assert_int_equal(ol_wasm_func_type(add).results[0], OL_WASM_I32);
    args[0] = 3;
    args[1] = 4;
    assert_int_equal(ol_wasm_call(add, args, 2, res, 1, &trap), OL_OK);
    assert_true(res[0] == 7);
    args[0] = 0xffffffff00000003u;
    args[1] = 0xabcd0000ffffffffu;
    assert_int_equal(ol_wasm_call(add, args, 2, res, 1, &trap), OL_OK);
    assert_true(res[0] == 2);
    f = ol_wasm_instance_func(inst, "extend");
    args[0] = 0xffffffff80000000u;
    assert_int_equal(ol_wasm_call(f, args, 1, res, 1, &trap), OL_OK);
    assert_true(res[0] == 0x80000000u);

    /* Names are byte strings and may contain NUL. */
    assert_int_equal(ol_wasm_instance_export(inst, "a\0b", 3, &e), OL_OK);
    assert_int_equal(e.kind, OL_WASM_EXTERN_FUNC);
    assert_int_equal(ol_wasm_call(e.of.func, NULL, 0, res, 1, NULL), OL_OK);
    assert_true(res[0] == 7);
    assert_null(ol_wasm_instance_func(inst, "a"));
    assert_int_equal(ol_wasm_instance_export(inst, "nope", 4, &e), OL_E_NOTFOUND);
    assert_int_equal(ol_wasm_instance_export(inst, "ad", 2, &e), OL_E_NOTFOUND);
    assert_null(ol_wasm_instance_func(inst, "mem"));
    assert_null(ol_wasm_instance_memory(inst, "add"));

    /* Memory with its active data segment. */
    ol_wasm_memory *mem = ol_wasm_instance_memory(inst, "mem");
    assert_non_null(mem);
    assert_ptr_equal(mem, inst->mem);
    assert_int_equal(ol_wasm_memory_pages(mem), 1);
    assert_memory_equal(ol_wasm_memory_data(mem, &len) + 8, "data", 4);
    assert_int_equal(ol_wasm_memory_grow(mem, 1), 1);
    assert_int_equal(ol_wasm_memory_grow(mem, 1), -1);

    /* Table with its active element segment, used by call_indirect. */
    assert_int_equal(ol_wasm_instance_export(inst, "tab", 3, &e), OL_OK);
    assert_int_equal(e.kind, OL_WASM_EXTERN_TABLE);
    assert_int_equal(ol_wasm_table_size(e.of.table), 4);
    assert_int_equal(ol_wasm_table_get(e.of.table, 0, &ref), OL_OK);
    assert_true(ref == 0);
    assert_int_equal(ol_wasm_table_get(e.of.table, 2, &ref), OL_OK);
    assert_ptr_equal(ol_wasm_func_from_ref(ref), add);
    f = ol_wasm_instance_func(inst, "get");
    args[0] = 1;
    assert_int_equal(ol_wasm_call(f, args, 1, res, 1, &trap), OL_OK);
    assert_true(res[0] == 7);
    args[0] = 2; /* add: wrong signature */
    assert_int_equal(ol_wasm_call(f, args, 1, res, 1, &trap), OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_INDIRECT_TYPE);
    args[0] = 0;
    assert_int_equal(ol_wasm_call(f, args, 1, res, 1, &trap), OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_INDIRECT_NULL);

    /* Globals: ref.func, global.get of an import, a mutable i64. */
    assert_int_equal(ol_wasm_instance_export(inst, "ref", 3, &e), OL_OK);
    assert_int_equal(e.kind, OL_WASM_EXTERN_GLOBAL);
    assert_int_equal(ol_wasm_global_type(e.of.global), OL_WASM_FUNCREF);
    assert_ptr_equal(ol_wasm_func_from_ref(ol_wasm_global_get(e.of.global)), add);
    assert_int_equal(ol_wasm_instance_export(inst, "copy", 4, &e), OL_OK);
    assert_true(ol_wasm_global_get(e.of.global) == 0x1234);
    assert_false(ol_wasm_global_is_mutable(e.of.global));
    assert_int_equal(ol_wasm_instance_export(inst, "cnt", 3, &e), OL_OK);
    assert_true(ol_wasm_global_get(e.of.global) == UINT64_MAX);
    assert_int_equal(ol_wasm_global_set(e.of.global, 3), OL_OK);

    /* Segment state: active and declarative dropped, passive kept. */
    assert_int_equal(inst->elem_len[0], 0);
    assert_int_equal(inst->elem_len[1], 2);
    assert_ptr_equal(ol_wasm_func_from_ref(inst->elem_items[1][0]), add);
    assert_true(inst->elem_items[1][1] == 0);
    assert_int_equal(inst->elem_len[2], 0);
    assert_int_equal(inst->data_len[0], 0);
    assert_int_equal(inst->data_len[1], 7);
    counted_store_close(&cs);
    ol_wasm_module_free(m);
}

static void test_wasm_instance_host_calls(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_module *m = MODULE_LOAD(wasm_host);
    ol_wasm_functype ft_log = {2, 1, vt_i32, vt_i32};
    ol_wasm_functype ft_burn = {1, 0, vt_i64, NULL};
    ol_wasm_func *log_fn = NULL, *burn_fn = NULL, *call_log, *burn;
    ol_wasm_instance *inst = NULL;
    ol_wasm_trap trap;
    uint64_t args[2], res[1];
    uint64_t base_cost;
    log_buf lb;
    ol_diag d;

    memset(&d, 0, sizeof d);
    memset(&trap, 0, sizeof trap);
    memset(&lb, 0, sizeof lb);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_func_new_host(cs.s, &ft_log, host_log, &lb, &log_fn, &d), OL_OK);
    assert_int_equal(ol_wasm_func_new_host(cs.s, &ft_burn, host_burn, NULL, &burn_fn, &d), OL_OK);
    ol_wasm_extern ex[2] = {ext_func(log_fn), ext_func(burn_fn)};
    assert_int_equal(ol_wasm_instance_new(cs.s, m, ex, 2, &inst, &trap, &d), OL_OK);
    call_log = ol_wasm_instance_func(inst, "call_log");
    burn = ol_wasm_instance_func(inst, "burn");
    assert_non_null(call_log);
    assert_non_null(burn);

    /* The host reads the calling instance's memory. */
    args[0] = 16;
    args[1] = 5;
    assert_int_equal(ol_wasm_call(call_log, args, 2, res, 1, &trap), OL_OK);
    assert_true(res[0] == 5);
    assert_string_equal(lb.text, "hello");
    assert_ptr_equal(lb.seen, ol_wasm_instance_memory(inst, "mem"));

    /* ... and traps with its own message. */
    args[0] = 65534;
    assert_int_equal(ol_wasm_call(call_log, args, 2, res, 1, &trap), OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_HOST);
    assert_string_equal(trap.msg, "log: 65534+5 out of bounds");

    /* Called directly, a host function has no calling instance and so no memory. */
    args[0] = 16;
    assert_int_equal(ol_wasm_call(log_fn, args, 2, res, 1, &trap), OL_E_TRAP);
    assert_string_equal(trap.msg, "log: no memory");

    /* Fuel charged by the host adds exactly to the count. */
    ol_wasm_store_set_fuel(cs.s, 1000);
    args[0] = 0;
    assert_int_equal(ol_wasm_call(burn, args, 1, NULL, 0, &trap), OL_OK);
    base_cost = ol_wasm_store_fuel_consumed(cs.s);
    assert_true(base_cost > 0);
    ol_wasm_store_set_fuel(cs.s, 1000);
    args[0] = 100;
    assert_int_equal(ol_wasm_call(burn, args, 1, NULL, 0, &trap), OL_OK);
    assert_true(ol_wasm_store_fuel_consumed(cs.s) == base_cost + 100);
    assert_true(ol_wasm_store_fuel_remaining(cs.s) == 1000 - base_cost - 100);

    ol_wasm_store_set_fuel(cs.s, 50);
    assert_int_equal(ol_wasm_call(burn, args, 1, NULL, 0, &trap), OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_OUT_OF_FUEL);
    assert_true(ol_wasm_store_fuel_consumed(cs.s) <= 50);
    counted_store_close(&cs);
    ol_wasm_module_free(m);
}

static void test_wasm_instance_max_instances(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_limits l = {.max_instances = 2};
    ol_wasm_module *m = MODULE_LOAD(wasm_empty);
    ol_wasm_instance *inst = NULL;
    ol_diag d;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, &l);
    assert_int_equal(ol_wasm_instance_new(cs.s, m, NULL, 0, &inst, NULL, &d), OL_OK);
    assert_int_equal(ol_wasm_instance_new(cs.s, m, NULL, 0, &inst, NULL, &d), OL_OK);
    assert_int_equal(ol_wasm_instance_new(cs.s, m, NULL, 0, &inst, NULL, &d), OL_E_LIMIT);
    assert_int_equal(d.code, OL_E_LIMIT);
    counted_store_close(&cs);
    ol_wasm_module_free(m);
}

/* Store, imports and instance (with a start function) under a failing allocator. */
static ol_err build_instance(const ol_allocator *a, const ol_wasm_module *m, ol_wasm_trap *trap)
{
    ol_wasm_store_config cfg;
    ol_wasm_store *s = NULL;
    ol_wasm_functype ft = {1, 1, vt_i32, vt_i32};
    ol_wasm_func *h, *f;
    ol_wasm_global *g;
    ol_wasm_instance *inst;
    uint64_t arg = 3, res = 0;
    ol_err rc;

    memset(&cfg, 0, sizeof cfg);
    cfg.alloc = a;
    cfg.limits.max_stack_bytes = 64 * 1024;
    cfg.limits.max_call_depth = 100;
    rc = ol_wasm_store_new(&cfg, &s, NULL);
    if (rc != OL_OK)
        return rc;
    rc = ol_wasm_func_new_host(s, &ft, host_inc, NULL, &h, NULL);
    if (rc != OL_OK)
        goto out;
    rc = ol_wasm_global_new(s, OL_WASM_I32, false, 1, &g, NULL);
    if (rc != OL_OK)
        goto out;
    ol_wasm_extern ex[2] = {ext_func(h), ext_global(g)};
    rc = ol_wasm_instance_new(s, m, ex, 2, &inst, trap, NULL);
    if (rc != OL_OK)
        goto out;
    f = ol_wasm_instance_func(inst, "f");
    rc = ol_wasm_call(f, &arg, 1, &res, 1, trap);
    if (rc == OL_OK && res != 4)
        rc = OL_E_INTERNAL;
out:
    ol_wasm_store_free(s);
    return rc;
}

static void test_wasm_instance_fault_injection_instantiate(void **state)
{
    (void)state;
    ol_wasm_module *m = MODULE_LOAD(wasm_full);
    for (long n = 0;; n++) {
        ol_alloc_counter c;
        ol_allocator a = ol_alloc_counter_init(&c, NULL);
        ol_wasm_trap trap;
        memset(&trap, 0, sizeof trap);
        c.fail_countdown = n;
        ol_err rc = build_instance(&a, m, &trap);
        if (rc != OL_OK && rc != OL_E_NOMEM)
            print_error("n=%ld: %s\n", n, ol_err_name(rc));
        assert_true(rc == OL_OK || rc == OL_E_NOMEM);
        assert_int_equal(c.live, 0);
        if (rc == OL_OK)
            break;
        assert_true(n < 10000);
    }
    ol_wasm_module_free(m);
}

/* A failure before segment initialisation leaves the store exactly as it was. */
static void test_wasm_instance_failure_rolls_back(void **state)
{
    (void)state;
    counted_store cs;
    ol_wasm_module *m = MODULE_LOAD(wasm_nostart);
    ol_wasm_functype ft = {1, 1, vt_i32, vt_i32};
    ol_wasm_func *h = NULL;
    ol_wasm_global *g = NULL;
    ol_wasm_instance *inst = NULL;
    ol_diag d;

    memset(&d, 0, sizeof d);
    counted_store_open(&cs, NULL);
    assert_int_equal(ol_wasm_func_new_host(cs.s, &ft, host_inc, NULL, &h, &d), OL_OK);
    assert_int_equal(ol_wasm_global_new(cs.s, OL_WASM_I32, false, 1, &g, &d), OL_OK);
    ol_wasm_extern ex[2] = {ext_func(h), ext_global(g)};
    for (long n = 0;; n++) {
        size_t live = cs.counter.live;
        uint32_t nsigs = cs.s->nsigs;
        cs.counter.fail_countdown = n;
        ol_err rc = ol_wasm_instance_new(cs.s, m, ex, 2, &inst, NULL, &d);
        cs.counter.fail_countdown = -1;
        if (rc == OL_OK)
            break;
        assert_int_equal(rc, OL_E_NOMEM);
        assert_int_equal(cs.counter.live, live);
        assert_int_equal(cs.s->nsigs, nsigs);
        assert_int_equal(cs.s->ninstances, 0);
        assert_true(n < 1000);
    }
    assert_int_equal(cs.s->ninstances, 1);
    counted_store_close(&cs);
    ol_wasm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wasm_instance_store_defaults),
        cmocka_unit_test(test_wasm_instance_store_limits),
        cmocka_unit_test(test_wasm_instance_store_fuel),
        cmocka_unit_test(test_wasm_instance_store_interrupt),
        cmocka_unit_test(test_wasm_instance_store_frees_stacks),
        cmocka_unit_test(test_wasm_instance_memory_grow),
        cmocka_unit_test(test_wasm_instance_memory_limits),
        cmocka_unit_test(test_wasm_instance_memory_hard_cap),
        cmocka_unit_test(test_wasm_instance_table_basics),
        cmocka_unit_test(test_wasm_instance_table_limits),
        cmocka_unit_test(test_wasm_instance_globals),
        cmocka_unit_test(test_wasm_instance_host_sig_interning),
        cmocka_unit_test(test_wasm_instance_host_sig_many),
        cmocka_unit_test(test_wasm_instance_host_errors),
        cmocka_unit_test(test_wasm_instance_func_refs),
        cmocka_unit_test(test_wasm_instance_call_counts),
        cmocka_unit_test(test_wasm_instance_caller_api),
        cmocka_unit_test(test_wasm_instance_fault_injection_objects),
        cmocka_unit_test(test_wasm_instance_host_failure_rolls_back),
        cmocka_unit_test(test_wasm_instance_module_introspection),
        cmocka_unit_test(test_wasm_instance_module_errors),
        cmocka_unit_test(test_wasm_instance_fault_injection_module),
        cmocka_unit_test(test_wasm_instance_import_matching),
        cmocka_unit_test(test_wasm_instance_elem_oob),
        cmocka_unit_test(test_wasm_instance_data_oob),
        cmocka_unit_test(test_wasm_instance_start),
        cmocka_unit_test(test_wasm_instance_exports),
        cmocka_unit_test(test_wasm_instance_host_calls),
        cmocka_unit_test(test_wasm_instance_max_instances),
        cmocka_unit_test(test_wasm_instance_fault_injection_instantiate),
        cmocka_unit_test(test_wasm_instance_failure_rolls_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
