/* Black-box tests of the engine's execution promises (include/ol/wasm.h), through the public API
 * only: exact fuel accounting, out-of-fuel behaviour, determinism, interrupts from another
 * thread, host functions, concurrent stores sharing one module, and NaN canonicalisation.
 *
 * Every expected fuel figure is computed by hand from the rule at the top of wasm.h (1 per
 * instruction; nop, block, loop, else and end cost 0; bulk operations add 1 per 64 bytes or per
 * 8 elements), never read back from the engine, so a change in what the engine charges fails
 * here. The arithmetic is spelled out next to each figure.
 *
 * The WebAssembly modules are embedded as bytes produced by `wat2wasm` (wabt 1.0.32) from the WAT
 * shown above each array; regenerate them the same way when a module changes. Offsets asserted
 * for traps are the byte offsets `wasm-objdump -d` prints for the trapping instruction.
 */
#include "test.h"

/* test.h comes first (cmocka needs the standard headers it pulls in); then the rest. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ol/alloc.h"
#include "ol/err.h"
#include "ol/wasm.h"
#include "support/faultsim.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------------------------
 * Modules (wat2wasm output)
 * ------------------------------------------------------------------------------------------- */

/* clang-format off */

/*
 * (module
 *   (type $ii (func (param i32) (result i32)))
 *   (import "env" "host" (func $host (param i32) (result i32)))
 *   (memory (export "mem") 1)
 *   (table $t 2 funcref)
 *   (table $t2 100 funcref)
 *   (elem (table $t) (i32.const 0) func $sq $cube)
 *   (data $d "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
 *   (func $sq (type $ii)
 *     local.get 0 local.get 0 i32.mul)
 *   (func $cube (type $ii)
 *     local.get 0 local.get 0 i32.mul local.get 0 i32.mul)
 *   (func $inc (type $ii)
 *     local.get 0 i32.const 1 i32.add)
 *   ;; sum of i*i for i in [0, n)
 *   (func (export "sum") (param $n i32) (result i32)
 *     (local $i i32) (local $acc i32)
 *     i32.const 0 local.set $i
 *     block $done
 *       loop $top
 *         local.get $i local.get $n i32.ge_u br_if $done
 *         local.get $acc local.get $i local.get $i i32.mul i32.add
 *         local.set $acc
 *         local.get $i i32.const 1 i32.add local.set $i
 *         br $top
 *       end
 *     end
 *     local.get $acc)
 *   (func (export "ifelse") (param $x i32) (result i32)
 *     local.get $x
 *     if (result i32)
 *       i32.const 10 local.get $x i32.mul
 *     else
 *       i32.const 7
 *     end
 *     i32.const 1 i32.add)
 *   (func (export "ifonly") (param $x i32) (result i32)
 *     (local $r i32)
 *     local.get $x
 *     if
 *       i32.const 5 local.set $r
 *     end
 *     local.get $r)
 *   (func (export "switch") (param $x i32) (result i32)
 *     block $d
 *       block $b2
 *         block $b1
 *           block $b0
 *             local.get $x
 *             br_table $b0 $b1 $b2 $d
 *           end
 *           i32.const 100 return
 *         end
 *         i32.const 200 i32.const 1 i32.add return
 *       end
 *       i32.const 300 i32.const 2 i32.mul i32.const 1 i32.sub return
 *     end
 *     i32.const -1)
 *   (func $sumsq (export "calls") (param $a i32) (param $b i32) (result i32)
 *     local.get $a call $sq
 *     local.get $b call $sq
 *     i32.add
 *     call $inc)
 *   (func (export "nest") (param $x i32) (result i32)
 *     local.get $x local.get $x call $sumsq)
 *   (func (export "indirect") (param $i i32) (param $x i32) (result i32)
 *     local.get $x local.get $i call_indirect $t (type $ii))
 *   (func (export "callhost") (param $x i32) (result i32)
 *     local.get $x call $host i32.const 1 i32.add)
 *   (func (export "fill") (param $d i32) (param $v i32) (param $n i32)
 *     local.get $d local.get $v local.get $n memory.fill)
 *   (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
 *     local.get $d local.get $s local.get $n memory.copy)
 *   (func (export "init") (param $d i32) (param $s i32) (param $n i32)
 *     local.get $d local.get $s local.get $n memory.init $d)
 *   (func (export "tfill") (param $i i32) (param $n i32)
 *     local.get $i ref.func $sq local.get $n table.fill $t2)
 *   (func (export "tgrow") (param $n i32) (result i32)
 *     ref.null func local.get $n table.grow $t2)
 *   (func (export "tcopy") (param $d i32) (param $s i32) (param $n i32)
 *     local.get $d local.get $s local.get $n table.copy $t2 $t2)
 *   (func (export "tget") (param $i i32) (result funcref)
 *     local.get $i table.get $t2)
 *   ;; mem[4*i] = i + 1 for i in [0, n), n >= 1 (a do-while loop)
 *   (func (export "storeloop") (param $n i32)
 *     (local $i i32)
 *     loop $top
 *       local.get $i i32.const 2 i32.shl
 *       local.get $i i32.const 1 i32.add local.tee $i
 *       i32.store
 *       local.get $i local.get $n i32.lt_u br_if $top
 *     end)
 *   ;; nop is free; drop and select cost 1 like any other instruction
 *   (func (export "misc") (param $x i32) (result i32)
 *     nop
 *     local.get $x drop
 *     i32.const 1 i32.const 2 local.get $x select)
 *   ;; the whole then-arm is one block: it is charged in full even when its i32.div_u traps
 *   (func (export "thenblock") (param $x i32) (result i32)
 *     local.get $x
 *     if (result i32)
 *       i32.const 1 local.get $x i32.const 1 i32.sub i32.div_u i32.const 3 i32.add
 *     else
 *       i32.const 0
 *     end)
 *   (func $mix (param $h i32) (param $i i32) (result i32)
 *     local.get $h local.get $i i32.xor i32.const 16777619 i32.mul)
 *   ;; FNV-1a over the numbers 0..n-1 (one call per number)
 *   (func (export "compute") (param $n i32) (result i32)
 *     (local $i i32) (local $h i32)
 *     i32.const 0x811c9dc5 local.set $h
 *     block $done
 *       loop $top
 *         local.get $i local.get $n i32.ge_u br_if $done
 *         local.get $h local.get $i call $mix local.set $h
 *         local.get $i i32.const 1 i32.add local.set $i
 *         br $top
 *       end
 *     end
 *     local.get $h))
 */
static const uint8_t wasm_fuel[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x20, 0x06, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x02, 0x7f, 0x7f,
    0x00, 0x60, 0x01, 0x7f, 0x01, 0x70, 0x60, 0x01, 0x7f, 0x00, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e,
    0x76, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x00, 0x03, 0x18, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x02, 0x02, 0x03, 0x00, 0x02, 0x04, 0x05, 0x00, 0x00,
    0x01, 0x00, 0x04, 0x07, 0x02, 0x70, 0x00, 0x02, 0x70, 0x00, 0x64, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0xaa, 0x01, 0x14, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x04,
    0x06, 0x69, 0x66, 0x65, 0x6c, 0x73, 0x65, 0x00, 0x05, 0x06, 0x69, 0x66, 0x6f, 0x6e, 0x6c, 0x79,
    0x00, 0x06, 0x06, 0x73, 0x77, 0x69, 0x74, 0x63, 0x68, 0x00, 0x07, 0x05, 0x63, 0x61, 0x6c, 0x6c,
    0x73, 0x00, 0x08, 0x04, 0x6e, 0x65, 0x73, 0x74, 0x00, 0x09, 0x08, 0x69, 0x6e, 0x64, 0x69, 0x72,
    0x65, 0x63, 0x74, 0x00, 0x0a, 0x08, 0x63, 0x61, 0x6c, 0x6c, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x0b,
    0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x0c, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x0d, 0x04, 0x69,
    0x6e, 0x69, 0x74, 0x00, 0x0e, 0x05, 0x74, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x0f, 0x05, 0x74, 0x67,
    0x72, 0x6f, 0x77, 0x00, 0x10, 0x05, 0x74, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x11, 0x04, 0x74, 0x67,
    0x65, 0x74, 0x00, 0x12, 0x09, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x13,
    0x04, 0x6d, 0x69, 0x73, 0x63, 0x00, 0x14, 0x09, 0x74, 0x68, 0x65, 0x6e, 0x62, 0x6c, 0x6f, 0x63,
    0x6b, 0x00, 0x15, 0x07, 0x63, 0x6f, 0x6d, 0x70, 0x75, 0x74, 0x65, 0x00, 0x17, 0x09, 0x08, 0x01,
    0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02, 0x0c, 0x01, 0x01, 0x0a, 0x90, 0x03, 0x17, 0x07, 0x00,
    0x20, 0x00, 0x20, 0x00, 0x6c, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x00, 0x6c, 0x20, 0x00, 0x6c,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x2a, 0x01, 0x02, 0x7f, 0x41, 0x00, 0x21,
    0x01, 0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, 0x20, 0x02, 0x20, 0x01,
    0x20, 0x01, 0x6c, 0x6a, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b,
    0x0b, 0x20, 0x02, 0x0b, 0x12, 0x00, 0x20, 0x00, 0x04, 0x7f, 0x41, 0x0a, 0x20, 0x00, 0x6c, 0x05,
    0x41, 0x07, 0x0b, 0x41, 0x01, 0x6a, 0x0b, 0x0f, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x04, 0x40, 0x41,
    0x05, 0x21, 0x01, 0x0b, 0x20, 0x01, 0x0b, 0x2d, 0x00, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02,
    0x40, 0x20, 0x00, 0x0e, 0x03, 0x00, 0x01, 0x02, 0x03, 0x0b, 0x41, 0xe4, 0x00, 0x0f, 0x0b, 0x41,
    0xc8, 0x01, 0x41, 0x01, 0x6a, 0x0f, 0x0b, 0x41, 0xac, 0x02, 0x41, 0x02, 0x6c, 0x41, 0x01, 0x6b,
    0x0f, 0x0b, 0x41, 0x7f, 0x0b, 0x0d, 0x00, 0x20, 0x00, 0x10, 0x01, 0x20, 0x01, 0x10, 0x01, 0x6a,
    0x10, 0x03, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x00, 0x10, 0x08, 0x0b, 0x09, 0x00, 0x20, 0x01,
    0x20, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b,
    0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0b, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20,
    0x02, 0xfc, 0x08, 0x00, 0x00, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0xd2, 0x01, 0x20, 0x01, 0xfc, 0x11,
    0x01, 0x0b, 0x09, 0x00, 0xd0, 0x70, 0x20, 0x00, 0xfc, 0x0f, 0x01, 0x0b, 0x0c, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x20, 0x02, 0xfc, 0x0e, 0x01, 0x01, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x25, 0x01, 0x0b,
    0x1d, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x41, 0x02, 0x74, 0x20, 0x01, 0x41, 0x01, 0x6a,
    0x22, 0x01, 0x36, 0x02, 0x00, 0x20, 0x01, 0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b, 0x0b, 0x0d, 0x00,
    0x01, 0x20, 0x00, 0x1a, 0x41, 0x01, 0x41, 0x02, 0x20, 0x00, 0x1b, 0x0b, 0x15, 0x00, 0x20, 0x00,
    0x04, 0x7f, 0x41, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x6e, 0x41, 0x03, 0x6a, 0x05, 0x41, 0x00,
    0x0b, 0x0b, 0x0d, 0x00, 0x20, 0x00, 0x20, 0x01, 0x73, 0x41, 0x93, 0x83, 0x80, 0x08, 0x6c, 0x0b,
    0x2c, 0x01, 0x02, 0x7f, 0x41, 0xc5, 0xbb, 0xf2, 0x88, 0x78, 0x21, 0x02, 0x02, 0x40, 0x03, 0x40,
    0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, 0x20, 0x02, 0x20, 0x01, 0x10, 0x16, 0x21, 0x02, 0x20,
    0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0x0b, 0x0b, 0x43, 0x01,
    0x01, 0x40, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64,
    0x65, 0x66, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64,
    0x65, 0x66, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64,
    0x65, 0x66, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64,
    0x65, 0x66,
};
/*
 * (module
 *   (type $v_i (func (param i32)))
 *   (import "env" "started" (func $started))
 *   (table $t 2 funcref)
 *   (elem (table $t) (i32.const 0) func $leaf $fan)
 *   (func $leaf (param i32))
 *   ;; 2^(n+1) - 1 calls of $fan and no branch at all: only a call can notice an interrupt
 *   (func $fan (param $n i32)
 *     local.get $n i32.const 1 i32.sub
 *     local.get $n i32.eqz i32.eqz
 *     call_indirect $t (type $v_i)
 *     local.get $n i32.const 1 i32.sub
 *     local.get $n i32.eqz i32.eqz
 *     call_indirect $t (type $v_i))
 *   (func (export "spin")
 *     call $started
 *     loop $l br $l end)
 *   (func (export "fanout") (param $n i32)
 *     call $started
 *     local.get $n call $fan))
 */
static const uint8_t wasm_intr[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60,
    0x00, 0x00, 0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x73, 0x74, 0x61, 0x72, 0x74, 0x65,
    0x64, 0x00, 0x01, 0x03, 0x05, 0x04, 0x00, 0x00, 0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02,
    0x07, 0x11, 0x02, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x03, 0x06, 0x66, 0x61, 0x6e, 0x6f, 0x75,
    0x74, 0x00, 0x04, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02, 0x0a, 0x32, 0x04,
    0x02, 0x00, 0x0b, 0x1a, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x20, 0x00, 0x45, 0x45, 0x11, 0x00,
    0x00, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x20, 0x00, 0x45, 0x45, 0x11, 0x00, 0x00, 0x0b, 0x09, 0x00,
    0x10, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x20, 0x00, 0x10, 0x02,
    0x0b,
};
/*
 * (module
 *   (import "env" "echo" (func $echo (param i32 i64 f32 f64 funcref externref)
 *                                    (result i32 i64 f32 f64 funcref externref)))
 *   (import "env" "sum" (func $sum (param i32 i32) (result i32)))
 *   (import "env" "fail" (func $fail (param i32) (result i32)))
 *   (import "env" "reenter" (func $reenter (param i32) (result i32)))
 *   (memory (export "mem") 1)
 *   (data (i32.const 16) "hello, host")
 *   (func (export "echo") (param i32 i64 f32 f64 funcref externref)
 *                         (result i32 i64 f32 f64 funcref externref)
 *     local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 call $echo)
 *   (func (export "sum") (param i32 i32) (result i32) local.get 0 local.get 1 call $sum)
 *   (func (export "fail") (param i32) (result i32) local.get 0 call $fail)
 *   (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
 *   (func (export "outer") (param i32) (result i32)
 *     local.get 0 call $reenter i32.const 1 i32.add))
 */
static const uint8_t wasm_host[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1b, 0x03, 0x60, 0x06, 0x7f, 0x7e, 0x7d,
    0x7c, 0x70, 0x6f, 0x06, 0x7f, 0x7e, 0x7d, 0x7c, 0x70, 0x6f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
    0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x2f, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x65, 0x63, 0x68,
    0x6f, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x01, 0x03, 0x65, 0x6e,
    0x76, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x72, 0x65, 0x65,
    0x6e, 0x74, 0x65, 0x72, 0x00, 0x02, 0x03, 0x06, 0x05, 0x00, 0x01, 0x02, 0x02, 0x02, 0x05, 0x03,
    0x01, 0x00, 0x01, 0x07, 0x2c, 0x06, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x04, 0x65, 0x63, 0x68,
    0x6f, 0x00, 0x04, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x05, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x06,
    0x06, 0x64, 0x6f, 0x75, 0x62, 0x6c, 0x65, 0x00, 0x07, 0x05, 0x6f, 0x75, 0x74, 0x65, 0x72, 0x00,
    0x08, 0x0a, 0x34, 0x05, 0x10, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x03, 0x20, 0x04,
    0x20, 0x05, 0x10, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x01, 0x0b, 0x06, 0x00,
    0x20, 0x00, 0x10, 0x02, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x02, 0x6c, 0x0b, 0x09, 0x00, 0x20,
    0x00, 0x10, 0x03, 0x41, 0x01, 0x6a, 0x0b, 0x0b, 0x11, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x0b, 0x68,
    0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x68, 0x6f, 0x73, 0x74,
};
/*
 * (module
 *   (func (export "f32div") (param f32 f32) (result f32) local.get 0 local.get 1 f32.div)
 *   (func (export "f32div00") (result f32) f32.const 0 f32.const 0 f32.div)
 *   (func (export "f64sqrt") (param f64) (result f64) local.get 0 f64.sqrt)
 *   (func (export "f64sqrtm1") (result f64) f64.const -1 f64.sqrt)
 *   (func (export "f32add") (param f32 f32) (result f32) local.get 0 local.get 1 f32.add)
 *   (func (export "f64mul") (param f64 f64) (result f64) local.get 0 local.get 1 f64.mul)
 *   (func (export "f32min") (param f32 f32) (result f32) local.get 0 local.get 1 f32.min)
 *   (func (export "f64floor") (param f64) (result f64) local.get 0 f64.floor)
 *   (func (export "promote") (param f32) (result f64) local.get 0 f64.promote_f32)
 *   (func (export "demote") (param f64) (result f32) local.get 0 f32.demote_f64)
 *   (func (export "f32neg") (param f32) (result f32) local.get 0 f32.neg)
 *   (func (export "f64neg") (param f64) (result f64) local.get 0 f64.neg)
 *   (func (export "f32abs") (param f32) (result f32) local.get 0 f32.abs)
 *   (func (export "f32copysign") (param f32 f32) (result f32)
 *     local.get 0 local.get 1 f32.copysign)
 *   (func (export "f32neg_const") (result f32) f32.const nan:0x200001 f32.neg)
 *   (func (export "f32bits") (param f32) (result i32) local.get 0 i32.reinterpret_f32))
 */
static const uint8_t wasm_nan[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x2e, 0x09, 0x60, 0x02, 0x7d, 0x7d, 0x01,
    0x7d, 0x60, 0x00, 0x01, 0x7d, 0x60, 0x01, 0x7c, 0x01, 0x7c, 0x60, 0x00, 0x01, 0x7c, 0x60, 0x02,
    0x7c, 0x7c, 0x01, 0x7c, 0x60, 0x01, 0x7d, 0x01, 0x7c, 0x60, 0x01, 0x7c, 0x01, 0x7d, 0x60, 0x01,
    0x7d, 0x01, 0x7d, 0x60, 0x01, 0x7d, 0x01, 0x7f, 0x03, 0x11, 0x10, 0x00, 0x01, 0x02, 0x03, 0x00,
    0x04, 0x00, 0x02, 0x05, 0x06, 0x07, 0x02, 0x07, 0x00, 0x01, 0x08, 0x07, 0xa6, 0x01, 0x10, 0x06,
    0x66, 0x33, 0x32, 0x64, 0x69, 0x76, 0x00, 0x00, 0x08, 0x66, 0x33, 0x32, 0x64, 0x69, 0x76, 0x30,
    0x30, 0x00, 0x01, 0x07, 0x66, 0x36, 0x34, 0x73, 0x71, 0x72, 0x74, 0x00, 0x02, 0x09, 0x66, 0x36,
    0x34, 0x73, 0x71, 0x72, 0x74, 0x6d, 0x31, 0x00, 0x03, 0x06, 0x66, 0x33, 0x32, 0x61, 0x64, 0x64,
    0x00, 0x04, 0x06, 0x66, 0x36, 0x34, 0x6d, 0x75, 0x6c, 0x00, 0x05, 0x06, 0x66, 0x33, 0x32, 0x6d,
    0x69, 0x6e, 0x00, 0x06, 0x08, 0x66, 0x36, 0x34, 0x66, 0x6c, 0x6f, 0x6f, 0x72, 0x00, 0x07, 0x07,
    0x70, 0x72, 0x6f, 0x6d, 0x6f, 0x74, 0x65, 0x00, 0x08, 0x06, 0x64, 0x65, 0x6d, 0x6f, 0x74, 0x65,
    0x00, 0x09, 0x06, 0x66, 0x33, 0x32, 0x6e, 0x65, 0x67, 0x00, 0x0a, 0x06, 0x66, 0x36, 0x34, 0x6e,
    0x65, 0x67, 0x00, 0x0b, 0x06, 0x66, 0x33, 0x32, 0x61, 0x62, 0x73, 0x00, 0x0c, 0x0b, 0x66, 0x33,
    0x32, 0x63, 0x6f, 0x70, 0x79, 0x73, 0x69, 0x67, 0x6e, 0x00, 0x0d, 0x0c, 0x66, 0x33, 0x32, 0x6e,
    0x65, 0x67, 0x5f, 0x63, 0x6f, 0x6e, 0x73, 0x74, 0x00, 0x0e, 0x07, 0x66, 0x33, 0x32, 0x62, 0x69,
    0x74, 0x73, 0x00, 0x0f, 0x0a, 0x7d, 0x10, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x95, 0x0b, 0x0d,
    0x00, 0x43, 0x00, 0x00, 0x00, 0x00, 0x43, 0x00, 0x00, 0x00, 0x00, 0x95, 0x0b, 0x05, 0x00, 0x20,
    0x00, 0x9f, 0x0b, 0x0c, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0xbf, 0x9f, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x92, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0xa2, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x96, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x9c, 0x0b, 0x05, 0x00,
    0x20, 0x00, 0xbb, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xb6, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x8c, 0x0b,
    0x05, 0x00, 0x20, 0x00, 0x9a, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x8b, 0x0b, 0x07, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x98, 0x0b, 0x08, 0x00, 0x43, 0x01, 0x00, 0xa0, 0x7f, 0x8c, 0x0b, 0x05, 0x00, 0x20,
    0x00, 0xbc, 0x0b,
};
/* clang-format on */

/* ---------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------- */

/* A module and a store, each on its own counting allocator so that a leak is attributed to the
 * object that caused it. Never copied: the allocators point into the struct. */
typedef struct env {
    ol_alloc_counter mcount;
    ol_alloc_counter scount;
    ol_allocator malloc_;
    ol_allocator salloc;
    ol_wasm_module *m;
    ol_wasm_store *s;
    ol_wasm_instance *inst;
} env;

static void env_open(env *e, const uint8_t *bytes, size_t len, const ol_wasm_limits *limits)
{
    memset(e, 0, sizeof *e);
    e->malloc_ = ol_alloc_counter_init(&e->mcount, NULL);
    e->salloc = ol_alloc_counter_init(&e->scount, NULL);
    ol_diag d = {0};
    ol_wasm_module_config mc = {.alloc = &e->malloc_};
    ol_err rc = ol_wasm_module_new(bytes, len, &mc, &e->m, &d);
    if (rc != OL_OK)
        fail_msg("module_new: %s: %s", ol_err_name(rc), d.msg);
    ol_wasm_store_config sc = {.alloc = &e->salloc};
    if (limits != NULL)
        sc.limits = *limits;
    rc = ol_wasm_store_new(&sc, &e->s, &d);
    if (rc != OL_OK)
        fail_msg("store_new: %s: %s", ol_err_name(rc), d.msg);
}

static void env_instantiate(env *e, const ol_wasm_extern *imports, size_t nimports)
{
    ol_diag d = {0};
    ol_wasm_trap trap;
    ol_err rc = ol_wasm_instance_new(e->s, e->m, imports, nimports, &e->inst, &trap, &d);
    if (rc != OL_OK)
        fail_msg("instance_new: %s: %s", ol_err_name(rc), d.msg);
}

/* Frees everything and checks that every byte came back. */
static void env_close(env *e)
{
    ol_wasm_store_free(e->s);
    assert_int_equal(e->scount.live, 0);
    ol_wasm_module_free(e->m);
    assert_int_equal(e->mcount.live, 0);
}

static ol_wasm_func *host_func(ol_wasm_store *s, const ol_wasm_valtype *params, uint32_t np,
                               const ol_wasm_valtype *results, uint32_t nr, ol_wasm_host_fn fn,
                               void *ud)
{
    ol_wasm_functype ft = {np, nr, params, results};
    ol_wasm_func *f = NULL;
    ol_diag d = {0};
    ol_err rc = ol_wasm_func_new_host(s, &ft, fn, ud, &f, &d);
    if (rc != OL_OK)
        fail_msg("func_new_host: %s: %s", ol_err_name(rc), d.msg);
    return f;
}

static ol_wasm_extern ext_func(ol_wasm_func *f)
{
    ol_wasm_extern x = {.kind = OL_WASM_EXTERN_FUNC, .of.func = f};
    return x;
}

static ol_wasm_func *export_func(const ol_wasm_instance *inst, const char *name)
{
    ol_wasm_func *f = ol_wasm_instance_func(inst, name);
    if (f == NULL)
        fail_msg("no exported function \"%s\"", name);
    return f;
}

/* Calls export `name`. The trap is reset first so that a stale one can never pass a check. */
static ol_err call(const env *e, const char *name, const uint64_t *args, size_t nargs,
                   uint64_t *results, size_t nresults, ol_wasm_trap *trap)
{
    memset(trap, 0, sizeof *trap);
    trap->kind = OL_WASM_TRAP_COUNT_;
    return ol_wasm_call(export_func(e->inst, name), args, nargs, results, nresults, trap);
}

/* Calls a function of one i32 argument and one result, which must succeed. */
static uint64_t call1(const env *e, const char *name, uint64_t arg)
{
    uint64_t r = 0;
    ol_wasm_trap trap;
    ol_err rc = call(e, name, &arg, 1, &r, 1, &trap);
    if (rc != OL_OK)
        fail_msg("%s(%" PRIu64 "): %s (%s)", name, arg, ol_err_name(rc), trap.msg);
    return r;
}

static void expect_trap(ol_err rc, const ol_wasm_trap *trap, ol_wasm_trap_kind kind,
                        uint32_t func_index, uint32_t offset)
{
    if (rc != OL_E_TRAP)
        fail_msg("expected a %s trap, got %s", ol_wasm_trap_name(kind), ol_err_name(rc));
    if (trap->kind != kind)
        fail_msg("expected a %s trap, got %s (%s)", ol_wasm_trap_name(kind),
                 ol_wasm_trap_name(trap->kind), trap->msg);
    assert_int_equal(trap->func_index, func_index);
    assert_int_equal(trap->offset, offset);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------------------------------
 * The fuel module
 * ------------------------------------------------------------------------------------------- */

/* Function indices in wasm_fuel (the import "host" is function 0). */
enum {
    FUEL_CALLHOST = 11,
    FUEL_STORELOOP = 19,
    FUEL_THENBLOCK = 21,
};

/* env.host: returns 2x and charges the fuel its ud says, as a host doing real work would. */
static ol_err host_double(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    ol_err rc = ol_wasm_caller_consume_fuel(c, *(const uint64_t *)ud);
    if (rc != OL_OK)
        return rc;
    results[0] = (uint32_t)args[0] * 2u;
    return OL_OK;
}

static const ol_wasm_valtype vt_i32[] = {OL_WASM_I32};

typedef struct fuel_env {
    env e;
    uint64_t host_fuel; /* what env.host charges per call */
} fuel_env;

static void fuel_open(fuel_env *fe)
{
    env_open(&fe->e, wasm_fuel, sizeof wasm_fuel, NULL);
    fe->host_fuel = 0;
    ol_wasm_extern imp =
        ext_func(host_func(fe->e.s, vt_i32, 1, vt_i32, 1, host_double, &fe->host_fuel));
    env_instantiate(&fe->e, &imp, 1);
}

/* The reference for "compute": FNV-1a style mixing of 0..n-1, one call per number. */
static uint32_t compute_ref(uint32_t n)
{
    uint32_t h = 0x811c9dc5u;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ i) * 16777619u;
    return h;
}

/* The fuel "compute" costs: 2 (const, local.set) before the loop; per iteration 4 for the test
 * (get, get, ge_u, br_if), 4 for get, get, call, local.set, 5 inside $mix (get, get, xor, const,
 * mul) and 5 for the increment and the back-edge (get, const, add, local.set, br) = 18; the
 * final test 4 and the local.get after the loop 1. */
static uint64_t compute_cost(uint32_t n)
{
    return 2 + 18 * (uint64_t)n + 4 + 1;
}

/* One call and its hand-computed cost. */
typedef struct fuel_case {
    const char *name;
    uint32_t nargs;
    uint64_t args[3];
    uint32_t nresults;
    uint64_t result;
    uint64_t host_fuel;
    uint64_t cost;
} fuel_case;

static const fuel_case fuel_cases[] = {
    /* sum(100): 2 (i32.const 0, local.set) before the loop. Each of the 100 iterations runs the
     * test (local.get, local.get, i32.ge_u, br_if = 4) and the body (local.get, local.get,
     * local.get, i32.mul, i32.add, local.set, local.get, i32.const, i32.add, local.set, br = 11),
     * 15 in all. The 101st test (4) exits to the local.get after the block (1); block, loop and
     * the ends are free. 2 + 100 * 15 + 4 + 1 = 1507. Sum of i*i below 100 = 328350. */
    {"sum", 1, {100}, 1, 328350, 0, 1507},
    /* sum(0): 2 + 4 + 1. */
    {"sum", 1, {0}, 1, 0, 0, 7},
    /* ifelse, then-arm: local.get, if, i32.const, local.get, i32.mul, then i32.const, i32.add
     * after the end = 7; 10 * 3 + 1 = 31. */
    {"ifelse", 1, {3}, 1, 31, 0, 7},
    /* ifelse, else-arm: local.get, if, i32.const 7, i32.const, i32.add = 5 (else is free). */
    {"ifelse", 1, {0}, 1, 8, 0, 5},
    /* ifonly taken: local.get, if, i32.const, local.set, local.get = 5. */
    {"ifonly", 1, {1}, 1, 5, 0, 5},
    /* ifonly not taken: local.get, if, local.get = 3. */
    {"ifonly", 1, {0}, 1, 0, 0, 3},
    /* switch: local.get + br_table = 2, then the arm: "i32.const 100, return" = 2. */
    {"switch", 1, {0}, 1, 100, 0, 4},
    /* arm 1: i32.const, i32.const, i32.add, return = 4. */
    {"switch", 1, {1}, 1, 201, 0, 6},
    /* arm 2: i32.const, i32.const, i32.mul, i32.const, i32.sub, return = 6. */
    {"switch", 1, {2}, 1, 599, 0, 8},
    /* default (index 3 and anything beyond): i32.const -1 after the outer block = 1. */
    {"switch", 1, {3}, 1, 0xffffffffu, 0, 3},
    {"switch", 1, {1000}, 1, 0xffffffffu, 0, 3},
    /* calls(3, 4): local.get, call, local.get, call, i32.add, call = 6, plus three callees of 3
     * each ($sq twice, $inc once) = 15; 9 + 16 + 1 = 26. */
    {"calls", 2, {3, 4}, 1, 26, 0, 15},
    /* nest(5): local.get, local.get, call = 3 + calls' 15 = 18; 25 + 25 + 1 = 51. */
    {"nest", 1, {5}, 1, 51, 0, 18},
    /* indirect(0, 5): local.get, local.get, call_indirect = 3 + $sq 3 = 6. */
    {"indirect", 2, {0, 5}, 1, 25, 0, 6},
    /* indirect(1, 3): 3 + $cube (get, get, mul, get, mul) 5 = 8. */
    {"indirect", 2, {1, 3}, 1, 27, 0, 8},
    /* callhost: local.get, call, i32.const, i32.add = 4; the host adds what it consumes. */
    {"callhost", 1, {20}, 1, 41, 0, 4},
    {"callhost", 1, {20}, 1, 41, 1000, 1004},
    /* fill: 3 local.get + memory.fill = 4, plus 1000 / 64 = 15 (rounded down). */
    {"fill", 3, {100, 0xab, 1000}, 0, 0, 0, 19},
    /* 63 bytes are below one unit; 64 make one; 0 bytes cost only the instructions. */
    {"fill", 3, {0, 1, 63}, 0, 0, 0, 4},
    {"fill", 3, {0, 1, 64}, 0, 0, 0, 5},
    {"fill", 3, {0, 1, 0}, 0, 0, 0, 4},
    /* copy of 128 bytes: 4 + 2. init of the whole 64-byte passive segment: 4 + 1. */
    {"copy", 3, {4096, 100, 128}, 0, 0, 0, 6},
    {"init", 3, {8192, 0, 64}, 0, 0, 0, 5},
    /* tfill: local.get, ref.func, local.get, table.fill = 4, plus 20 / 8 = 2. */
    {"tfill", 2, {0, 20}, 0, 0, 0, 6},
    {"tfill", 2, {0, 7}, 0, 0, 0, 4},
    /* tcopy of 24 elements: 4 + 3. */
    {"tcopy", 3, {50, 0, 24}, 0, 0, 0, 7},
    /* storeloop(10): the loop body is 12 instructions (get, const, shl, get, const, add, tee,
     * store, get, get, lt_u, br_if) and runs 10 times; leaving it costs nothing. */
    {"storeloop", 1, {10}, 0, 0, 0, 120},
    /* misc: nop 0, then local.get, drop, i32.const, i32.const, local.get, select at 1 each. */
    {"misc", 1, {0}, 1, 2, 0, 6},
    {"misc", 1, {7}, 1, 1, 0, 6},
    /* thenblock(2): local.get, if = 2; then-arm: i32.const, local.get, i32.const, i32.sub,
     * i32.div_u, i32.const, i32.add = 7; 1 / 1 + 3 = 4. */
    {"thenblock", 1, {2}, 1, 4, 0, 9},
    /* thenblock(0): 2 + i32.const 0 = 3. */
    {"thenblock", 1, {0}, 1, 0, 0, 3},
    /* compute(1000): 2 + 18 * 1000 + 5 = 18007. */
    {"compute", 1, {1000}, 1, 0, 0, 18007},
};

/* The expected result of a case ("compute" is checked against the C reference). */
static uint64_t case_result(const fuel_case *c)
{
    if (strcmp(c->name, "compute") == 0)
        return compute_ref((uint32_t)c->args[0]);
    return c->result;
}

static ol_err run_case(fuel_env *fe, const fuel_case *c, uint64_t *result, ol_wasm_trap *trap)
{
    fe->host_fuel = c->host_fuel;
    *result = 0;
    return call(&fe->e, c->name, c->args, c->nargs, result, c->nresults, trap);
}

/* ---------------------------------------------------------------------------------------------
 * 1. Fuel exactness
 * ------------------------------------------------------------------------------------------- */

static void test_fuel_exact(void **state)
{
    (void)state;
    fuel_env fe;
    fuel_open(&fe);
    assert_int_equal(compute_cost(1000), 18007);
    for (size_t i = 0; i < ARRAY_LEN(fuel_cases); i++) {
        const fuel_case *c = &fuel_cases[i];
        ol_wasm_store_set_fuel(fe.e.s, UINT64_MAX);
        uint64_t r;
        ol_wasm_trap trap;
        ol_err rc = run_case(&fe, c, &r, &trap);
        if (rc != OL_OK)
            fail_msg("case %zu (%s): %s (%s)", i, c->name, ol_err_name(rc), trap.msg);
        if (c->nresults == 1 && r != case_result(c))
            fail_msg("case %zu (%s): result %#" PRIx64 ", expected %#" PRIx64, i, c->name, r,
                     case_result(c));
        uint64_t used = ol_wasm_store_fuel_consumed(fe.e.s);
        if (used != c->cost)
            fail_msg("case %zu (%s %" PRIu64 "): consumed %" PRIu64 ", expected %" PRIu64, i,
                     c->name, c->args[0], used, c->cost);
        /* Unlimited fuel is still counted: remaining is the maximum less what was used. */
        assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), UINT64_MAX - c->cost);
    }
    env_close(&fe.e);
}

/* The bulk operations of the cases above did what they were charged for. */
static void test_fuel_bulk_effects(void **state)
{
    (void)state;
    fuel_env fe;
    fuel_open(&fe);
    ol_wasm_trap trap;
    uint64_t fill[3] = {100, 0xab, 1000};
    assert_int_equal(call(&fe.e, "fill", fill, 3, NULL, 0, &trap), OL_OK);
    size_t len = 0;
    const uint8_t *mem = ol_wasm_memory_data(ol_wasm_instance_memory(fe.e.inst, "mem"), &len);
    assert_int_equal(len, OL_WASM_PAGE_SIZE);
    assert_int_equal(mem[99], 0);
    for (size_t i = 100; i < 1100; i++)
        assert_int_equal(mem[i], 0xab);
    assert_int_equal(mem[1100], 0);

    /* table.fill stores 20 references to $sq from index 0; index 20 stays null. */
    uint64_t tfill[2] = {0, 20};
    assert_int_equal(call(&fe.e, "tfill", tfill, 2, NULL, 0, &trap), OL_OK);
    assert_int_not_equal(call1(&fe.e, "tget", 19), 0);
    assert_int_equal(call1(&fe.e, "tget", 20), 0);

    /* table.grow: ref.null, local.get, table.grow = 3, plus 16 / 8 = 2; the table had 100. */
    ol_wasm_store_set_fuel(fe.e.s, UINT64_MAX);
    assert_int_equal(call1(&fe.e, "tgrow", 16), 100);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 5);
    ol_wasm_store_set_fuel(fe.e.s, UINT64_MAX);
    assert_int_equal(call1(&fe.e, "tgrow", 7), 116);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 3);
    env_close(&fe.e);
}

/* ---------------------------------------------------------------------------------------------
 * 2. Out of fuel
 * ------------------------------------------------------------------------------------------- */

/* With exactly the cost a run succeeds and leaves 0; with one unit less it traps out of fuel,
 * having consumed no more than it was given. */
static void test_fuel_exact_budget(void **state)
{
    (void)state;
    fuel_env fe;
    fuel_open(&fe);
    for (size_t i = 0; i < ARRAY_LEN(fuel_cases); i++) {
        const fuel_case *c = &fuel_cases[i];
        uint64_t r;
        ol_wasm_trap trap;
        ol_wasm_store_set_fuel(fe.e.s, c->cost);
        ol_err rc = run_case(&fe, c, &r, &trap);
        if (rc != OL_OK)
            fail_msg("case %zu (%s) with fuel %" PRIu64 ": %s (%s)", i, c->name, c->cost,
                     ol_err_name(rc), trap.msg);
        if (c->nresults == 1)
            assert_int_equal(r, case_result(c));
        assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), c->cost);
        assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 0);

        ol_wasm_store_set_fuel(fe.e.s, c->cost - 1);
        rc = run_case(&fe, c, &r, &trap);
        if (rc != OL_E_TRAP || trap.kind != OL_WASM_TRAP_OUT_OF_FUEL)
            fail_msg("case %zu (%s) with fuel %" PRIu64 ": %s (%s), expected out of fuel", i,
                     c->name, c->cost - 1, ol_err_name(rc), trap.msg);
        assert_string_equal(trap.msg, "out of fuel");
        uint64_t used = ol_wasm_store_fuel_consumed(fe.e.s);
        assert_true(used < c->cost);
        assert_int_equal(used + ol_wasm_store_fuel_remaining(fe.e.s), c->cost - 1);
    }
    env_close(&fe.e);
}

/* storeloop(10) writes mem[4i] = i + 1 in a 12-instruction loop body. Given fuel for k whole
 * iterations and a remainder r < 12, exactly k stores happen: iteration k + 1 is refused before
 * its store runs. What was consumed is what was charged: 12k. */
static void test_fuel_trap_before_block(void **state)
{
    (void)state;
    fuel_env fe;
    fuel_open(&fe);
    ol_wasm_memory *m = ol_wasm_instance_memory(fe.e.inst, "mem");
    static const uint64_t rems[] = {0, 1, 11};
    for (uint32_t k = 0; k < 10; k++) {
        for (size_t ri = 0; ri < ARRAY_LEN(rems); ri++) {
            size_t len;
            uint8_t *mem = ol_wasm_memory_data(m, &len);
            memset(mem, 0, 64);
            uint64_t fuel = 12 * (uint64_t)k + rems[ri];
            ol_wasm_store_set_fuel(fe.e.s, fuel);
            uint64_t n = 10;
            ol_wasm_trap trap;
            ol_err rc = call(&fe.e, "storeloop", &n, 1, NULL, 0, &trap);
            if (k == 0)
                /* Not even the function's entry block could be paid: no wasm code ran. */
                expect_trap(rc, &trap, OL_WASM_TRAP_OUT_OF_FUEL, UINT32_MAX, 0);
            else
                /* Refused at the back-edge (the br_if at 0x24a) of iteration k. */
                expect_trap(rc, &trap, OL_WASM_TRAP_OUT_OF_FUEL, FUEL_STORELOOP, 0x24a);
            assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 12 * (uint64_t)k);
            assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), rems[ri]);
            for (uint32_t i = 0; i < 10; i++) {
                uint32_t w;
                memcpy(&w, mem + 4 * i, 4);
                assert_int_equal(w, i < k ? i + 1 : 0);
            }
        }
    }
    env_close(&fe.e);
}

/* A block whose instruction traps has been charged in full; a block that cannot be paid does not
 * run at all, so the trap is out of fuel rather than the division. */
static void test_fuel_trapping_block(void **state)
{
    (void)state;
    fuel_env fe;
    fuel_open(&fe);
    ol_wasm_trap trap;
    uint64_t x = 1;

    /* thenblock(1) divides by zero in its then-arm: 2 (local.get, if) + the 7 of the arm. */
    uint64_t r = 0;
    ol_wasm_store_set_fuel(fe.e.s, UINT64_MAX);
    ol_err rc = call(&fe.e, "thenblock", &x, 1, &r, 1, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_DIV_BY_ZERO, FUEL_THENBLOCK, 0x269);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 9);

    /* Exactly 9 still reaches the division. */
    ol_wasm_store_set_fuel(fe.e.s, 9);
    rc = call(&fe.e, "thenblock", &x, 1, &r, 1, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_DIV_BY_ZERO, FUEL_THENBLOCK, 0x269);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 0);

    /* With 8 the arm (7) cannot be paid after the entry (2): refused at the `if` (0x260). */
    ol_wasm_store_set_fuel(fe.e.s, 8);
    rc = call(&fe.e, "thenblock", &x, 1, &r, 1, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_OUT_OF_FUEL, FUEL_THENBLOCK, 0x260);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 2);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 6);

    /* With 1 not even the entry block (2) is paid. */
    ol_wasm_store_set_fuel(fe.e.s, 1);
    rc = call(&fe.e, "thenblock", &x, 1, &r, 1, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_OUT_OF_FUEL, UINT32_MAX, 0);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 0);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 1);
    env_close(&fe.e);
}

/* A host function that asks for more fuel than is left is refused and charged nothing; the
 * out-of-fuel trap it returns is reported at its call site. */
static void test_fuel_host_consume(void **state)
{
    (void)state;
    fuel_env fe;
    fuel_open(&fe);
    ol_wasm_trap trap;
    uint64_t x = 20, r = 0;

    fe.host_fuel = 50;
    /* callhost: 4 instructions + 50 from the host = 54; with 53 the host's request fails. */
    ol_wasm_store_set_fuel(fe.e.s, 53);
    ol_err rc = call(&fe.e, "callhost", &x, 1, &r, 1, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_OUT_OF_FUEL, FUEL_CALLHOST, 0x1da);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 4);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 49);

    ol_wasm_store_set_fuel(fe.e.s, 54);
    rc = call(&fe.e, "callhost", &x, 1, &r, 1, &trap);
    assert_int_equal(rc, OL_OK);
    assert_int_equal(r, 41);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 0);
    env_close(&fe.e);
}

/* set_fuel resets the consumed counter; remaining and consumed always add up to the budget. */
static void test_fuel_set_resets(void **state)
{
    (void)state;
    fuel_env fe;
    fuel_open(&fe);
    /* A new store has unlimited fuel and has consumed nothing. */
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 0);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), UINT64_MAX);

    assert_int_equal(call1(&fe.e, "sum", 100), 328350);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 1507);
    /* Consumption accumulates across calls until the next set_fuel. */
    assert_int_equal(call1(&fe.e, "sum", 0), 0);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 1514);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), UINT64_MAX - 1514);

    ol_wasm_store_set_fuel(fe.e.s, 1000);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 0);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 1000);
    assert_int_equal(call1(&fe.e, "sum", 0), 0);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 7);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 993);

    /* After running dry, set_fuel makes the store usable again. */
    ol_wasm_trap trap;
    uint64_t n = 100, r;
    assert_int_equal(call(&fe.e, "sum", &n, 1, &r, 1, &trap), OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_OUT_OF_FUEL);
    /* Both calls count against the one budget of 1000: 7, then whole blocks of at most 15. */
    assert_true(ol_wasm_store_fuel_consumed(fe.e.s) > 1000 - 15);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s) + ol_wasm_store_fuel_remaining(fe.e.s),
                     1000);
    ol_wasm_store_set_fuel(fe.e.s, 0);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 0);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 0);
    ol_wasm_store_set_fuel(fe.e.s, 1507);
    assert_int_equal(call1(&fe.e, "sum", 100), 328350);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), 0);
    ol_wasm_store_set_fuel(fe.e.s, UINT64_MAX);
    assert_int_equal(ol_wasm_store_fuel_consumed(fe.e.s), 0);
    assert_int_equal(ol_wasm_store_fuel_remaining(fe.e.s), UINT64_MAX);
    env_close(&fe.e);
}

/* ---------------------------------------------------------------------------------------------
 * 3. Determinism
 * ------------------------------------------------------------------------------------------- */

/* Runs compute(n) with `fuel` and reports the outcome. */
typedef struct outcome {
    ol_err rc;
    uint64_t result;
    uint64_t consumed;
    ol_wasm_trap trap;
} outcome;

static outcome run_compute(const env *e, uint64_t n, uint64_t fuel)
{
    outcome o;
    memset(&o, 0, sizeof o);
    ol_wasm_store_set_fuel(e->s, fuel);
    o.rc = call(e, "compute", &n, 1, &o.result, 1, &o.trap);
    o.consumed = ol_wasm_store_fuel_consumed(e->s);
    return o;
}

static void test_determinism(void **state)
{
    (void)state;
    /* The same inputs give the same result and fuel on every run, in the same store and in a
     * fresh one; so does running out of fuel, down to where the trap is reported. */
    outcome first_ok = {0}, first_oof = {0};
    for (int round = 0; round < 3; round++) {
        fuel_env fe;
        fuel_open(&fe);
        for (int rep = 0; rep < 3; rep++) {
            outcome ok = run_compute(&fe.e, 5000, UINT64_MAX);
            assert_int_equal(ok.rc, OL_OK);
            assert_int_equal(ok.result, compute_ref(5000));
            assert_int_equal(ok.consumed, compute_cost(5000));
            outcome oof = run_compute(&fe.e, 5000, 50000);
            assert_int_equal(oof.rc, OL_E_TRAP);
            assert_int_equal(oof.trap.kind, OL_WASM_TRAP_OUT_OF_FUEL);
            if (round == 0 && rep == 0) {
                first_ok = ok;
                first_oof = oof;
                continue;
            }
            assert_int_equal(ok.consumed, first_ok.consumed);
            assert_int_equal(oof.consumed, first_oof.consumed);
            assert_int_equal(oof.trap.func_index, first_oof.trap.func_index);
            assert_int_equal(oof.trap.offset, first_oof.trap.offset);
        }
        env_close(&fe.e);
    }
    /* 50000 fuel: 2 at entry, then whole blocks of the loop; the last one paid ends within 18
     * units of the budget. */
    assert_true(first_oof.consumed <= 50000 && first_oof.consumed > 50000 - 18);
}

/* ---------------------------------------------------------------------------------------------
 * 4. Interrupt
 * ------------------------------------------------------------------------------------------- */

/* Function indices in wasm_intr. */
enum { INTR_FAN = 2, INTR_SPIN = 3 };

typedef struct intr_ctx {
    ol_wasm_store *s;
    atomic_bool started; /* set by env.started once the guest runs */
    long delay_ms;
} intr_ctx;

static ol_err host_started(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    (void)c;
    (void)args;
    (void)results;
    atomic_store(&((intr_ctx *)ud)->started, true);
    return OL_OK;
}

static void *interrupter_main(void *p)
{
    intr_ctx *x = p;
    /* Waits (boundedly) until the guest is inside its endless code, so the interrupt is noticed
     * by the running loop and not by the entry check of ol_wasm_call. */
    for (int i = 0; i < 20000 && !atomic_load(&x->started); i++)
        sleep_ms(1);
    sleep_ms(x->delay_ms);
    ol_wasm_store_interrupt(x->s);
    return NULL;
}

typedef struct intr_env {
    env e;
    intr_ctx ctx;
} intr_env;

static void intr_open(intr_env *ie)
{
    env_open(&ie->e, wasm_intr, sizeof wasm_intr, NULL);
    ie->ctx.s = ie->e.s;
    atomic_store(&ie->ctx.started, false);
    ie->ctx.delay_ms = 20;
    ol_wasm_extern imp = ext_func(host_func(ie->e.s, NULL, 0, NULL, 0, host_started, &ie->ctx));
    env_instantiate(&ie->e, &imp, 1);
}

/* Fuel that `name`(arg) burns in about `seconds` on this build (sanitizer and -O0 builds are
 * many times slower than release ones), so that a watchdog budget ends a runaway guest after a
 * bounded time whatever the build. */
static uint64_t fuel_for_seconds(intr_env *ie, const char *name, uint64_t arg, double seconds)
{
    for (uint64_t probe = 1u << 20;; probe *= 4) {
        ol_wasm_trap trap;
        ol_wasm_store_set_fuel(ie->e.s, probe);
        double t0 = now_sec();
        ol_err rc = call(&ie->e, name, &arg, strcmp(name, "spin") == 0 ? 0 : 1, NULL, 0, &trap);
        double dt = now_sec() - t0;
        assert_int_equal(rc, OL_E_TRAP);
        assert_int_equal(trap.kind, OL_WASM_TRAP_OUT_OF_FUEL);
        if (dt > 0.05 || probe >= (1ull << 40)) {
            atomic_store(&ie->ctx.started, false);
            return (uint64_t)((double)probe / dt * seconds);
        }
    }
}

/* Interrupts `name`(arg) from another thread while it runs for ever. The watchdog budget (about
 * 10 s of running) ends the call with out-of-fuel, failing the test, if the interrupt is lost. */
static ol_err interrupt_from_thread(intr_env *ie, const char *name, uint64_t arg,
                                    ol_wasm_trap *trap)
{
    uint64_t watchdog = fuel_for_seconds(ie, name, arg, 10.0);
    ol_wasm_store_set_fuel(ie->e.s, watchdog);
    atomic_store(&ie->ctx.started, false);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, interrupter_main, &ie->ctx), 0);
    double t0 = now_sec();
    ol_err rc = call(&ie->e, name, &arg, strcmp(name, "spin") == 0 ? 0 : 1, NULL, 0, trap);
    double dt = now_sec() - t0;
    assert_int_equal(pthread_join(th, NULL), 0);
    if (rc == OL_E_TRAP && trap->kind == OL_WASM_TRAP_OUT_OF_FUEL)
        fail_msg("%s: the interrupt was not noticed within %.1f s", name, dt);
    /* Some fuel was burnt: the guest really ran before it was stopped. */
    assert_true(ol_wasm_store_fuel_consumed(ie->e.s) > 0);
    return rc;
}

static void test_interrupt_loop(void **state)
{
    (void)state;
    intr_env ie;
    intr_open(&ie);
    ol_wasm_trap trap;
    ol_err rc = interrupt_from_thread(&ie, "spin", 0, &trap);
    /* Noticed at the loop's back-edge, the br at 0x74. */
    expect_trap(rc, &trap, OL_WASM_TRAP_INTERRUPTED, INTR_SPIN, 0x74);
    assert_string_equal(trap.msg, "interrupted");

    /* The flag stays set: the next call stops before running anything. */
    ol_wasm_store_set_fuel(ie.e.s, UINT64_MAX);
    uint64_t n = 3;
    rc = call(&ie.e, "fanout", &n, 1, NULL, 0, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_INTERRUPTED, UINT32_MAX, 0);
    assert_int_equal(ol_wasm_store_fuel_consumed(ie.e.s), 0);

    /* Cleared, the store runs normally. fanout(3): call $started, local.get, call = 3, plus
     * $fan(3). $fan itself runs 14 instructions (two times get, const, sub, get, eqz, eqz,
     * call_indirect) and calls $fan(n-1) twice, or $leaf (empty: 0) for n = 0, so
     * T(n) = 14 + 2T(n-1), T(0) = 14: T(n) = 14(2^(n+1) - 1), T(3) = 210. */
    ol_wasm_store_clear_interrupt(ie.e.s);
    rc = call(&ie.e, "fanout", &n, 1, NULL, 0, &trap);
    assert_int_equal(rc, OL_OK);
    assert_int_equal(ol_wasm_store_fuel_consumed(ie.e.s), 213);
    env_close(&ie.e);
}

/* $fan has no branch at all and recurses without end in practice (2^61 calls for n = 60) at a
 * depth of at most 61 frames: only the check at calls can stop it. */
static void test_interrupt_calls(void **state)
{
    (void)state;
    intr_env ie;
    intr_open(&ie);
    ol_wasm_trap trap;
    ol_err rc = interrupt_from_thread(&ie, "fanout", 60, &trap);
    if (rc != OL_E_TRAP || trap.kind != OL_WASM_TRAP_INTERRUPTED)
        fail_msg("expected an interrupt, got %s (%s)", ol_err_name(rc), trap.msg);
    /* Reported in $fan at one of its two call_indirect instructions. */
    assert_int_equal(trap.func_index, INTR_FAN);
    assert_true(trap.offset == 0x5e || trap.offset == 0x6a);

    ol_wasm_store_clear_interrupt(ie.e.s);
    ol_wasm_store_set_fuel(ie.e.s, UINT64_MAX);
    uint64_t n = 3;
    assert_int_equal(call(&ie.e, "fanout", &n, 1, NULL, 0, &trap), OL_OK);
    assert_int_equal(ol_wasm_store_fuel_consumed(ie.e.s), 213);
    env_close(&ie.e);
}

/* An interrupt requested before the call stops it at entry; clearing it makes the store usable. */
static void test_interrupt_before_call(void **state)
{
    (void)state;
    intr_env ie;
    intr_open(&ie);
    ol_wasm_trap trap;
    ol_wasm_store_interrupt(ie.e.s);
    ol_wasm_store_interrupt(ie.e.s); /* idempotent */
    ol_err rc = call(&ie.e, "spin", NULL, 0, NULL, 0, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_INTERRUPTED, UINT32_MAX, 0);
    assert_false(atomic_load(&ie.ctx.started));
    ol_wasm_store_clear_interrupt(ie.e.s);
    uint64_t n = 0;
    /* fanout(0): 3 + T(0) = 3 + 14. */
    assert_int_equal(call(&ie.e, "fanout", &n, 1, NULL, 0, &trap), OL_OK);
    assert_int_equal(ol_wasm_store_fuel_consumed(ie.e.s), 17);
    assert_true(atomic_load(&ie.ctx.started));
    env_close(&ie.e);
}

/* ---------------------------------------------------------------------------------------------
 * 7. Host functions
 * ------------------------------------------------------------------------------------------- */

/* Function indices in wasm_host (imports echo, sum, fail, reenter are 0..3). */
enum { HOST_SUM = 5, HOST_FAIL = 6 };

typedef struct host_ctx {
    uint64_t echo_args[6];
    int echo_calls;
    ol_wasm_store *reenter_store; /* the store env.reenter must be called from */
    ol_wasm_func *dbl;            /* the exported "double" */
    ol_wasm_func *outer;          /* the exported "outer" */
    ol_wasm_func *sum_fn;         /* the host function env.sum itself */
    uint64_t inner_fuel;          /* fuel the innermost re-entrant call consumed */
} host_ctx;

/* env.echo: records its arguments and returns them, changed where a change is visible, with
 * junk above the 32 bits of the i32 and f32 results that the engine must not pass on. */
static ol_err host_echo(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    (void)c;
    host_ctx *h = ud;
    memcpy(h->echo_args, args, sizeof h->echo_args);
    h->echo_calls++;
    results[0] = 0xabcd000000000000u | (uint32_t)(args[0] + 1);
    results[1] = ~args[1];
    results[2] = 0x5555555500000000u | args[2];
    results[3] = args[3];
    results[4] = args[4];
    results[5] = args[5];
    return OL_OK;
}

/* env.sum(ptr, len): the sum of the bytes of the caller's memory in [ptr, ptr + len), bounds
 * checked as the API requires of hosts. */
static ol_err host_sum(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    (void)ud;
    ol_wasm_memory *mem = ol_wasm_caller_memory(c);
    if (mem == NULL)
        return ol_wasm_caller_trap(c, OL_WASM_TRAP_HOST, "sum: no memory");
    size_t len = 0;
    const uint8_t *p = ol_wasm_memory_data(mem, &len);
    uint64_t at = (uint32_t)args[0], n = (uint32_t)args[1];
    if (at + n > len)
        return ol_wasm_caller_trap(c, OL_WASM_TRAP_HOST,
                                   "sum: [%" PRIu64 ", %" PRIu64 ") is outside %zu bytes", at,
                                   at + n, len);
    uint32_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += p[at + i];
    results[0] = acc;
    return OL_OK;
}

/* env.fail(code): a trap with a message of its own, or (code 0) a bare error code. */
static ol_err host_fail(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    (void)ud;
    (void)results;
    int code = (int)(uint32_t)args[0];
    if (code == 0)
        return OL_E_IO;
    return ol_wasm_caller_trap(c, OL_WASM_TRAP_HOST, "custom failure %d: %s", code,
                               "the message is the host's");
}

/* env.reenter(n): calls back into the guest: outer(n - 1), or double(21) for n = 0. A trap of the
 * inner call is passed on as this function's own. */
static ol_err host_reenter(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    host_ctx *h = ud;
    ol_wasm_store *s = ol_wasm_caller_store(c);
    if (s != h->reenter_store)
        return ol_wasm_caller_trap(c, OL_WASM_TRAP_HOST, "reenter: wrong store");
    uint32_t n = (uint32_t)args[0];
    uint64_t arg = n == 0 ? 21 : n - 1;
    uint64_t before = ol_wasm_store_fuel_consumed(s);
    ol_wasm_trap t;
    memset(&t, 0, sizeof t);
    ol_err rc = ol_wasm_call(n == 0 ? h->dbl : h->outer, &arg, 1, results, 1, &t);
    if (rc != OL_OK)
        return ol_wasm_caller_trap(c, t.kind, "%s", t.msg);
    if (n == 0)
        h->inner_fuel = ol_wasm_store_fuel_consumed(s) - before;
    return OL_OK;
}

typedef struct host_env {
    env e;
    host_ctx ctx;
} host_env;

static const ol_wasm_valtype vt_all[] = {OL_WASM_I32, OL_WASM_I64,     OL_WASM_F32,
                                         OL_WASM_F64, OL_WASM_FUNCREF, OL_WASM_EXTERNREF};
static const ol_wasm_valtype vt_i32x2[] = {OL_WASM_I32, OL_WASM_I32};

static void host_open(host_env *he)
{
    env_open(&he->e, wasm_host, sizeof wasm_host, NULL);
    memset(&he->ctx, 0, sizeof he->ctx);
    ol_wasm_store *s = he->e.s;
    ol_wasm_extern imp[4] = {
        ext_func(host_func(s, vt_all, 6, vt_all, 6, host_echo, &he->ctx)),
        ext_func(host_func(s, vt_i32x2, 2, vt_i32, 1, host_sum, &he->ctx)),
        ext_func(host_func(s, vt_i32, 1, vt_i32, 1, host_fail, &he->ctx)),
        ext_func(host_func(s, vt_i32, 1, vt_i32, 1, host_reenter, &he->ctx)),
    };
    he->ctx.sum_fn = imp[1].of.func;
    env_instantiate(&he->e, imp, ARRAY_LEN(imp));
    he->ctx.reenter_store = s;
    he->ctx.dbl = export_func(he->e.inst, "double");
    he->ctx.outer = export_func(he->e.inst, "outer");
}

/* Values of every type cross into a host function and back unchanged (NaN payloads included),
 * with i32 and f32 slots cut to 32 bits in both directions. */
static void test_host_value_types(void **state)
{
    (void)state;
    host_env he;
    host_open(&he);
    uint64_t fref = ol_wasm_func_to_ref(he.ctx.dbl);
    assert_int_not_equal(fref, 0);
    uint64_t args[6] = {
        0xffffffff00000005u, /* i32 5, junk above that the engine must drop */
        0x8000000000000001u, /* i64 */
        0x7fa00001u,         /* f32 NaN with a payload */
        0xfff0000000000001u, /* f64 signalling NaN, negative */
        fref,                /* funcref */
        0x1234u,             /* externref: any non-zero handle of the embedder's */
    };
    uint64_t res[6] = {0};
    ol_wasm_trap trap;
    ol_wasm_store_set_fuel(he.e.s, UINT64_MAX);
    assert_int_equal(call(&he.e, "echo", args, 6, res, 6, &trap), OL_OK);
    assert_int_equal(he.ctx.echo_calls, 1);
    assert_int_equal(he.ctx.echo_args[0], 5);
    assert_int_equal(he.ctx.echo_args[1], 0x8000000000000001u);
    assert_int_equal(he.ctx.echo_args[2], 0x7fa00001u);
    assert_int_equal(he.ctx.echo_args[3], 0xfff0000000000001u);
    assert_int_equal(he.ctx.echo_args[4], fref);
    assert_int_equal(he.ctx.echo_args[5], 0x1234u);
    assert_int_equal(res[0], 6);
    assert_int_equal(res[1], 0x7ffffffffffffffeu);
    assert_int_equal(res[2], 0x7fa00001u);
    assert_int_equal(res[3], 0xfff0000000000001u);
    assert_int_equal(res[4], fref);
    assert_ptr_equal(ol_wasm_func_from_ref(res[4]), he.ctx.dbl);
    assert_int_equal(res[5], 0x1234u);
    /* 6 local.get + call = 7; the host charged nothing. */
    assert_int_equal(ol_wasm_store_fuel_consumed(he.e.s), 7);

    /* Null references and extreme numbers. */
    uint64_t args2[6] = {0xffffffffu, 0, 0x80000000u, 0x8000000000000000u, 0, 0};
    assert_int_equal(call(&he.e, "echo", args2, 6, res, 6, &trap), OL_OK);
    assert_int_equal(he.ctx.echo_args[0], 0xffffffffu);
    assert_int_equal(res[0], 0);
    assert_int_equal(res[1], UINT64_MAX);
    assert_int_equal(res[2], 0x80000000u);
    assert_int_equal(res[3], 0x8000000000000000u);
    assert_int_equal(res[4], 0);
    assert_int_equal(res[5], 0);

    /* Calling the exported function that calls the host with the wrong counts is refused. */
    assert_int_equal(call(&he.e, "echo", args, 5, res, 6, &trap), OL_E_INVAL);
    assert_int_equal(call(&he.e, "echo", args, 6, res, 5, &trap), OL_E_INVAL);
    assert_int_equal(he.ctx.echo_calls, 2);
    env_close(&he.e);
}

/* A host function reads the memory of the instance that called it. */
static void test_host_reads_caller_memory(void **state)
{
    (void)state;
    host_env he;
    host_open(&he);
    const char *text = "hello, host";
    uint32_t want = 0;
    for (const char *p = text; *p != '\0'; p++)
        want += (uint8_t)*p;
    uint64_t args[2] = {16, 11};
    uint64_t r = 0;
    ol_wasm_trap trap;
    assert_int_equal(call(&he.e, "sum", args, 2, &r, 1, &trap), OL_OK);
    assert_int_equal(r, want);

    /* What the host sees is the live memory: a change made through the API shows. */
    size_t len;
    uint8_t *mem = ol_wasm_memory_data(ol_wasm_instance_memory(he.e.inst, "mem"), &len);
    mem[16] = 'j';
    assert_int_equal(call(&he.e, "sum", args, 2, &r, 1, &trap), OL_OK);
    assert_int_equal(r, want - 'h' + 'j');

    /* The host's own bounds check turns into a trap with its message, at the call (0xab). */
    uint64_t bad[2] = {65530, 10};
    ol_err rc = call(&he.e, "sum", bad, 2, &r, 1, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_HOST, HOST_SUM, 0xab);
    assert_string_equal(trap.msg, "sum: [65530, 65540) is outside 65536 bytes");

    /* Called directly by the embedder, a host function has no calling instance, so no memory;
     * its trap is not located in any WebAssembly function. */
    rc = ol_wasm_call(he.ctx.sum_fn, args, 2, &r, 1, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_HOST, UINT32_MAX, 0);
    assert_string_equal(trap.msg, "sum: no memory");
    env_close(&he.e);
}

/* A host trap carries the host's kind and message out of ol_wasm_call, located at the call. */
static void test_host_trap_message(void **state)
{
    (void)state;
    host_env he;
    host_open(&he);
    ol_wasm_trap trap;
    uint64_t code = 7, r = 0;
    ol_err rc = call(&he.e, "fail", &code, 1, &r, 1, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_HOST, HOST_FAIL, 0xb2);
    assert_string_equal(trap.msg, "custom failure 7: the message is the host's");

    /* A bare error code without a recorded trap becomes a host trap naming the error. */
    code = 0;
    rc = call(&he.e, "fail", &code, 1, &r, 1, &trap);
    expect_trap(rc, &trap, OL_WASM_TRAP_HOST, HOST_FAIL, 0xb2);
    assert_string_equal(trap.msg, "host function failed: input/output error");

    /* The store is still usable. */
    assert_int_equal(call1(&he.e, "double", 21), 42);
    env_close(&he.e);
}

/* A host function calls back into WebAssembly; fuel is one budget for both levels. */
static void test_host_reentrant(void **state)
{
    (void)state;
    host_env he;
    host_open(&he);
    /* outer(0) = double(21) + 1 = 43. outer: local.get, call, i32.const, i32.add = 4; double:
     * local.get, i32.const, i32.mul = 3; 7 in all, 3 of them inside the host's call. */
    ol_wasm_store_set_fuel(he.e.s, UINT64_MAX);
    assert_int_equal(call1(&he.e, "outer", 0), 43);
    assert_int_equal(ol_wasm_store_fuel_consumed(he.e.s), 7);
    assert_int_equal(he.ctx.inner_fuel, 3);

    /* outer(n) re-enters n + 1 times: outer(n) = 43 + n, fuel 4(n + 1) + 3. */
    ol_wasm_store_set_fuel(he.e.s, UINT64_MAX);
    assert_int_equal(call1(&he.e, "outer", 10), 53);
    assert_int_equal(ol_wasm_store_fuel_consumed(he.e.s), 47);

    /* Exactly enough for all levels succeeds; one less fails in the innermost call, whose entry
     * cannot be paid, and every outer level passes the trap on. */
    ol_wasm_store_set_fuel(he.e.s, 47);
    assert_int_equal(call1(&he.e, "outer", 10), 53);
    assert_int_equal(ol_wasm_store_fuel_remaining(he.e.s), 0);
    ol_wasm_store_set_fuel(he.e.s, 46);
    uint64_t n = 10, r = 0;
    ol_wasm_trap trap;
    ol_err rc = call(&he.e, "outer", &n, 1, &r, 1, &trap);
    assert_int_equal(rc, OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_OUT_OF_FUEL);
    assert_string_equal(trap.msg, "out of fuel");
    assert_int_equal(ol_wasm_store_fuel_consumed(he.e.s), 44);

    /* Unbounded re-entry hits the engine's nesting bound: a clean trap, not a crash. */
    ol_wasm_store_set_fuel(he.e.s, UINT64_MAX);
    n = 100000;
    rc = call(&he.e, "outer", &n, 1, &r, 1, &trap);
    assert_int_equal(rc, OL_E_TRAP);
    assert_int_equal(trap.kind, OL_WASM_TRAP_STACK_EXHAUSTED);
    /* ... after which the store works as before. */
    ol_wasm_store_set_fuel(he.e.s, UINT64_MAX);
    assert_int_equal(call1(&he.e, "outer", 10), 53);
    assert_int_equal(ol_wasm_store_fuel_consumed(he.e.s), 47);
    env_close(&he.e);
}

/* ---------------------------------------------------------------------------------------------
 * 8. Concurrency
 * ------------------------------------------------------------------------------------------- */

typedef struct worker {
    const ol_wasm_module *m;
    uint32_t n;
    uint64_t result;
    uint64_t consumed;
    uint64_t sum_result;
    uint64_t sum_consumed;
    size_t live_after; /* bytes of the store's allocator still live after ol_wasm_store_free */
    int failed;        /* a step that failed, 0 if none */
} worker;

/* One store per thread around the shared module. No cmocka assertion here: they are not
 * thread-safe, so failures are reported back to the main thread. */
static void *worker_main(void *p)
{
    worker *w = p;
    ol_alloc_counter cnt;
    ol_allocator a = ol_alloc_counter_init(&cnt, NULL);
    ol_wasm_store_config sc = {.alloc = &a};
    ol_wasm_store *s = NULL;
    ol_diag d = {0};
    if (ol_wasm_store_new(&sc, &s, &d) != OL_OK) {
        w->failed = 1;
        return NULL;
    }
    uint64_t host_fuel = 0;
    ol_wasm_functype ft = {1, 1, vt_i32, vt_i32};
    ol_wasm_func *h = NULL;
    ol_wasm_instance *inst = NULL;
    ol_wasm_trap trap;
    if (ol_wasm_func_new_host(s, &ft, host_double, &host_fuel, &h, &d) != OL_OK) {
        w->failed = 2;
    } else {
        ol_wasm_extern imp = ext_func(h);
        if (ol_wasm_instance_new(s, w->m, &imp, 1, &inst, &trap, &d) != OL_OK)
            w->failed = 3;
    }
    if (w->failed == 0) {
        uint64_t arg = w->n;
        if (ol_wasm_call(ol_wasm_instance_func(inst, "compute"), &arg, 1, &w->result, 1, &trap) !=
            OL_OK)
            w->failed = 4;
        w->consumed = ol_wasm_store_fuel_consumed(s);
        ol_wasm_store_set_fuel(s, UINT64_MAX);
        arg = 1000;
        if (ol_wasm_call(ol_wasm_instance_func(inst, "sum"), &arg, 1, &w->sum_result, 1, &trap) !=
            OL_OK)
            w->failed = 5;
        w->sum_consumed = ol_wasm_store_fuel_consumed(s);
    }
    ol_wasm_store_free(s);
    w->live_after = cnt.live;
    return NULL;
}

static void test_concurrent_stores(void **state)
{
    (void)state;
    ol_wasm_module *m = NULL;
    ol_diag d = {0};
    /* The module uses the default allocator: a counting one is not safe to share between
     * threads, and the module must not allocate after compilation anyway. */
    assert_int_equal(ol_wasm_module_new(wasm_fuel, sizeof wasm_fuel, NULL, &m, &d), OL_OK);

    enum { NTHREADS = 4 };
    const uint32_t n = 300000;
    worker single = {.m = m, .n = n};
    worker_main(&single);
    assert_int_equal(single.failed, 0);
    assert_int_equal(single.result, compute_ref(n));
    assert_int_equal(single.consumed, compute_cost(n));
    /* sum(1000): 2 + 1000 * 15 + 5; the sum of i*i below 1000 is 332833500. */
    assert_int_equal(single.sum_result, 332833500u);
    assert_int_equal(single.sum_consumed, 15007);
    assert_int_equal(single.live_after, 0);

    worker w[NTHREADS];
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){.m = m, .n = n};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(w[i].failed, 0);
        assert_int_equal(w[i].result, single.result);
        assert_int_equal(w[i].consumed, single.consumed);
        assert_int_equal(w[i].sum_result, single.sum_result);
        assert_int_equal(w[i].sum_consumed, single.sum_consumed);
        assert_int_equal(w[i].live_after, 0);
    }
    ol_wasm_module_free(m);
}

/* ---------------------------------------------------------------------------------------------
 * 9. No leaks
 * ------------------------------------------------------------------------------------------- */

/* The life of the fuel module (a host import, two tables, element and data segments, a call into
 * the host) with one allocation failing: every step succeeds or reports OL_E_NOMEM, and what was
 * allocated comes back (checked by the fault loop after each run). */
static ol_err fuel_lifecycle(const ol_allocator *a, void *ud)
{
    (void)ud;
    /* The allocator's ud is its ol_alloc_counter: the countdown is below 0 once the injected
     * failure has happened. */
    const ol_alloc_counter *cnt = a->ud;
    ol_diag d = {0};
    ol_wasm_module *m = NULL;
    ol_wasm_store *s = NULL;
    ol_wasm_module_config mc = {.alloc = a};
    ol_err rc = ol_wasm_module_new(wasm_fuel, sizeof wasm_fuel, &mc, &m, &d);
    if (rc != OL_OK)
        return rc;
    ol_wasm_store_config sc = {.alloc = a, .limits = {.max_stack_bytes = 64 * 1024}};
    rc = ol_wasm_store_new(&sc, &s, &d);
    uint64_t host_fuel = 3;
    ol_wasm_func *h = NULL;
    if (rc == OL_OK) {
        ol_wasm_functype ft = {1, 1, vt_i32, vt_i32};
        rc = ol_wasm_func_new_host(s, &ft, host_double, &host_fuel, &h, &d);
    }
    ol_wasm_instance *inst = NULL;
    if (rc == OL_OK) {
        ol_wasm_extern imp = ext_func(h);
        rc = ol_wasm_instance_new(s, m, &imp, 1, &inst, NULL, &d);
    }
    if (rc == OL_OK) {
        uint64_t arg = 20, r = 0;
        ol_wasm_trap trap;
        rc = ol_wasm_call(ol_wasm_instance_func(inst, "callhost"), &arg, 1, &r, 1, &trap);
        if (rc == OL_E_TRAP)
            fail_msg("callhost: %s trap (%s)", ol_wasm_trap_name(trap.kind), trap.msg);
        if (rc == OL_E_NOMEM && cnt->fail_countdown >= 0)
            fail_msg("callhost: OL_E_NOMEM without an allocation failure");
        /* 4 instructions + the 3 the host consumes. */
        if (rc == OL_OK && (r != 41 || ol_wasm_store_fuel_consumed(s) != 7))
            fail_msg("callhost(20) = %" PRIu64 " for %" PRIu64 " fuel", r,
                     ol_wasm_store_fuel_consumed(s));
    }
    ol_wasm_store_free(s);
    ol_wasm_module_free(m);
    return rc;
}

static void test_fault_injection_lifecycle(void **state)
{
    (void)state;
    long allocs = ol_test_fault_loop(fuel_lifecycle, NULL, 10000);
    assert_true(allocs > 10);
}

/* ---------------------------------------------------------------------------------------------
 * 10. NaN canonicalisation
 * ------------------------------------------------------------------------------------------- */

typedef struct nan_case {
    const char *name;
    uint32_t nargs;
    uint64_t args[2];
    uint64_t result;
} nan_case;

#define F32_CANON 0x7fc00000u
#define F64_CANON 0x7ff8000000000000u
#define F32_ONE   0x3f800000u
#define F64_ONE   0x3ff0000000000000u
#define F64_INF   0x7ff0000000000000u

static const nan_case nan_cases[] = {
    /* 0/0 is the canonical NaN with the sign clear (x86 itself would give 0xffc00000). */
    {"f32div", 2, {0, 0}, F32_CANON},
    {"f32div", 2, {0x80000000u, 0}, F32_CANON},
    {"f32div00", 0, {0}, F32_CANON},
    {"f64sqrt", 1, {0xbff0000000000000u}, F64_CANON},
    {"f64sqrtm1", 0, {0}, F64_CANON},
    /* Arithmetic on a NaN operand also yields the canonical NaN, payload and sign dropped. */
    {"f32add", 2, {0x7fa00001u, F32_ONE}, F32_CANON},
    {"f32add", 2, {0xffc00000u, F32_ONE}, F32_CANON},
    {"f64mul", 2, {F64_INF, 0}, F64_CANON},
    {"f64mul", 2, {0xfff0000000000001u, F64_ONE}, F64_CANON},
    {"f32min", 2, {0x7fa00001u, F32_ONE}, F32_CANON},
    {"f64floor", 1, {0xfff0000000000001u}, F64_CANON},
    {"promote", 1, {0x7fa00001u}, F64_CANON},
    {"demote", 1, {0x7ff0000000000001u}, F32_CANON},
    /* Sign operations and reinterpretation keep the payload bit for bit. */
    {"f32neg", 1, {0x7fa00001u}, 0xffa00001u},
    {"f32neg", 1, {0xffa00001u}, 0x7fa00001u},
    {"f32neg_const", 0, {0}, 0xffa00001u},
    {"f64neg", 1, {0x7ff0000000000001u}, 0xfff0000000000001u},
    {"f32abs", 1, {0xffa00001u}, 0x7fa00001u},
    {"f32copysign", 2, {0x7fa00001u, 0xbf800000u}, 0xffa00001u},
    {"f32bits", 1, {0xff800001u}, 0xff800001u},
    /* Ordinary values are not disturbed: 1 / 0 = +inf, sqrt(1) = 1. */
    {"f32div", 2, {F32_ONE, 0}, 0x7f800000u},
    {"f64sqrt", 1, {F64_ONE}, F64_ONE},
};

static void test_nan_canonical(void **state)
{
    (void)state;
    env e;
    env_open(&e, wasm_nan, sizeof wasm_nan, NULL);
    env_instantiate(&e, NULL, 0);
    for (size_t i = 0; i < ARRAY_LEN(nan_cases); i++) {
        const nan_case *c = &nan_cases[i];
        uint64_t r = 0xdeadbeefdeadbeefu;
        ol_wasm_trap trap;
        ol_err rc = call(&e, c->name, c->args, c->nargs, &r, 1, &trap);
        if (rc != OL_OK)
            fail_msg("%s: %s (%s)", c->name, ol_err_name(rc), trap.msg);
        if (r != c->result)
            fail_msg("%s(%#" PRIx64 ", %#" PRIx64 ") = %#" PRIx64 ", expected %#" PRIx64, c->name,
                     c->args[0], c->args[1], r, c->result);
    }
    env_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuel_exact),
        cmocka_unit_test(test_fuel_bulk_effects),
        cmocka_unit_test(test_fuel_exact_budget),
        cmocka_unit_test(test_fuel_trap_before_block),
        cmocka_unit_test(test_fuel_trapping_block),
        cmocka_unit_test(test_fuel_host_consume),
        cmocka_unit_test(test_fuel_set_resets),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_interrupt_loop),
        cmocka_unit_test(test_interrupt_calls),
        cmocka_unit_test(test_interrupt_before_call),
        cmocka_unit_test(test_host_value_types),
        cmocka_unit_test(test_host_reads_caller_memory),
        cmocka_unit_test(test_host_trap_message),
        cmocka_unit_test(test_host_reentrant),
        cmocka_unit_test(test_concurrent_stores),
        cmocka_unit_test(test_fault_injection_lifecycle),
        cmocka_unit_test(test_nan_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
