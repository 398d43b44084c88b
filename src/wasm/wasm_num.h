/* Exact WebAssembly numeric semantics as small inline functions, free of C undefined behaviour.
 *
 * Values travel as the interpreter stores them: i32 as uint32_t, i64 as uint64_t, f32 as float,
 * f64 as double. Integer operations are done in unsigned arithmetic (wrap-around is defined
 * there); where a signed view is needed it is taken with memcpy, which is exact because the
 * intN_t types are two's complement without padding (C11 7.20.1.1). No signed shift, no
 * out-of-range conversion, no shift by the type width, no INT_MIN / -1 ever happens here.
 *
 * Floats follow the "Determinism" contract of ol/wasm.h: every NaN produced by add, sub, mul,
 * div, sqrt, min, max, ceil, floor, trunc, nearest, demote and promote is the canonical NaN with
 * the sign bit clear; abs, neg and copysign are pure bit operations that keep NaN payloads.
 *
 * Floating-point environment: nothing here reads or writes it. Operations that IEEE 754 defines
 * as correctly rounded in the current rounding direction (add, sub, mul, div, sqrt, demote,
 * int -> float) use the hardware and so assume the default environment (round to nearest even,
 * no flush-to-zero), which the engine never changes. Operations whose WebAssembly result does not
 * depend on a rounding direction are computed so that they do not: ceil, floor, trunc and nearest
 * are integer arithmetic on the bit pattern, and float -> int conversions truncate (C conversion
 * semantics, the cvtt* instructions) after an exact range check.
 *
 * Preconditions are the interpreter's: it traps on division by zero and on INT_MIN / -1 before
 * calling div_s/rem_s.
 */
#ifndef OL_WASM_NUM_H
#define OL_WASM_NUM_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ol/wasm.h"

/* float and double must be IEEE binary32/binary64 evaluated at their own precision: with x87
 * excess precision (FLT_EVAL_METHOD 2) an f32 add would be rounded twice. */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "wasm_num.h needs FLT_EVAL_METHOD == 0 (SSE2 or another IEEE unit without excess precision)"
#endif
_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128,
               "float must be IEEE 754 binary32");
_Static_assert(sizeof(double) == 8 && DBL_MANT_DIG == 53 && DBL_MAX_EXP == 1024,
               "double must be IEEE 754 binary64");

#define OL__NUM_F32_NAN  0x7fc00000u                  /* canonical NaN, sign clear */
#define OL__NUM_F64_NAN  UINT64_C(0x7ff8000000000000) /* canonical NaN, sign clear */
#define OL__NUM_F32_SIGN 0x80000000u
#define OL__NUM_F64_SIGN UINT64_C(0x8000000000000000)

/* ---------------------------------------------------------------------------------------------
 * Bit views (memcpy compiles to a register move; pointer casts would break aliasing rules)
 * ------------------------------------------------------------------------------------------- */
static inline uint32_t ol__num_f32_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float ol__num_f32_from_bits(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static inline uint64_t ol__num_f64_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double ol__num_f64_from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* The signed view of an i32/i64. A cast would be implementation-defined for values above
 * INTn_MAX; memcpy between uintN_t and intN_t is exact by C11 7.20.1.1. */
static inline int32_t ol__num_s32(uint32_t u)
{
    int32_t s;
    memcpy(&s, &u, sizeof s);
    return s;
}

static inline int64_t ol__num_s64(uint64_t u)
{
    int64_t s;
    memcpy(&s, &u, sizeof s);
    return s;
}

/* ---------------------------------------------------------------------------------------------
 * Integer operations
 * ------------------------------------------------------------------------------------------- */

/* The builtins are undefined for 0, hence the test; with lzcnt/tzcnt the compiler drops it. */
static inline uint32_t ol__i32_clz(uint32_t x)
{
    return x != 0 ? (uint32_t)__builtin_clz(x) : 32u;
}

static inline uint32_t ol__i32_ctz(uint32_t x)
{
    return x != 0 ? (uint32_t)__builtin_ctz(x) : 32u;
}

static inline uint32_t ol__i32_popcnt(uint32_t x)
{
    return (uint32_t)__builtin_popcount(x);
}

static inline uint64_t ol__i64_clz(uint64_t x)
{
    return x != 0 ? (uint64_t)__builtin_clzll(x) : 64u;
}

static inline uint64_t ol__i64_ctz(uint64_t x)
{
    return x != 0 ? (uint64_t)__builtin_ctzll(x) : 64u;
}

static inline uint64_t ol__i64_popcnt(uint64_t x)
{
    return (uint64_t)__builtin_popcountll(x);
}

/* Both shift counts are masked, so a count of 0 never shifts by the full width (undefined in C);
 * compilers recognise the pattern as one rol/ror. */
static inline uint32_t ol__i32_rotl(uint32_t x, uint32_t n)
{
    return (x << (n & 31u)) | (x >> ((0u - n) & 31u));
}

static inline uint32_t ol__i32_rotr(uint32_t x, uint32_t n)
{
    return (x >> (n & 31u)) | (x << ((0u - n) & 31u));
}

static inline uint64_t ol__i64_rotl(uint64_t x, uint64_t n)
{
    return (x << (n & 63u)) | (x >> ((0u - n) & 63u));
}

static inline uint64_t ol__i64_rotr(uint64_t x, uint64_t n)
{
    return (x >> (n & 63u)) | (x << ((0u - n) & 63u));
}

/* Arithmetic shift without the implementation-defined signed >>: flip a negative value to its
 * complement (non-negative), shift logically, flip back. m is all ones iff x is negative. */
static inline uint32_t ol__i32_shr_s(uint32_t x, uint32_t n)
{
    uint32_t m = 0u - (x >> 31);
    return ((x ^ m) >> (n & 31u)) ^ m;
}

static inline uint64_t ol__i64_shr_s(uint64_t x, uint64_t n)
{
    uint64_t m = 0u - (x >> 63);
    return ((x ^ m) >> (n & 63u)) ^ m;
}

/* PRECONDITION: b != 0 and not (a == INT32_MIN && b == -1); the interpreter traps on both. */
static inline uint32_t ol__i32_div_s(uint32_t a, uint32_t b)
{
    OL_ASSERT(b != 0 && !(a == 0x80000000u && b == UINT32_MAX));
    return (uint32_t)(ol__num_s32(a) / ol__num_s32(b));
}

/* PRECONDITION: b != 0. x rem -1 is 0 for every x; C leaves INT32_MIN % -1 undefined (x86 idiv
 * faults on it), so -1 is answered without dividing. */
static inline uint32_t ol__i32_rem_s(uint32_t a, uint32_t b)
{
    OL_ASSERT(b != 0);
    if (b == UINT32_MAX) {
        return 0;
    }
    return (uint32_t)(ol__num_s32(a) % ol__num_s32(b));
}

static inline uint64_t ol__i64_div_s(uint64_t a, uint64_t b)
{
    OL_ASSERT(b != 0 && !(a == OL__NUM_F64_SIGN && b == UINT64_MAX));
    return (uint64_t)(ol__num_s64(a) / ol__num_s64(b));
}

static inline uint64_t ol__i64_rem_s(uint64_t a, uint64_t b)
{
    OL_ASSERT(b != 0);
    if (b == UINT64_MAX) {
        return 0;
    }
    return (uint64_t)(ol__num_s64(a) % ol__num_s64(b));
}

/* Sign extension in unsigned arithmetic: (v ^ s) - s maps the low field's sign bit s onto all
 * higher bits (modulo 2^N), avoiding implementation-defined narrowing to int8_t/int16_t. */
static inline uint32_t ol__i32_extend8_s(uint32_t x)
{
    return ((x & 0xffu) ^ 0x80u) - 0x80u;
}

static inline uint32_t ol__i32_extend16_s(uint32_t x)
{
    return ((x & 0xffffu) ^ 0x8000u) - 0x8000u;
}

static inline uint64_t ol__i64_extend8_s(uint64_t x)
{
    return ((x & 0xffu) ^ 0x80u) - 0x80u;
}

static inline uint64_t ol__i64_extend16_s(uint64_t x)
{
    return ((x & 0xffffu) ^ 0x8000u) - 0x8000u;
}

static inline uint64_t ol__i64_extend32_s(uint64_t x)
{
    return ((x & 0xffffffffu) ^ 0x80000000u) - 0x80000000u;
}

/* ---------------------------------------------------------------------------------------------
 * Float arithmetic with canonical NaN results
 * ------------------------------------------------------------------------------------------- */

/* Hardware NaNs are not canonical in our sense: x86 produces 0xffc00000 (sign set) for invalid
 * operations and propagates input payloads; every NaN-producing operation goes through these. */
static inline float ol__f32_canon(float x)
{
    return isnan(x) ? ol__num_f32_from_bits(OL__NUM_F32_NAN) : x;
}

static inline double ol__f64_canon(double x)
{
    return isnan(x) ? ol__num_f64_from_bits(OL__NUM_F64_NAN) : x;
}

static inline float ol__f32_add(float a, float b)
{
    return ol__f32_canon(a + b);
}

static inline float ol__f32_sub(float a, float b)
{
    return ol__f32_canon(a - b);
}

static inline float ol__f32_mul(float a, float b)
{
    return ol__f32_canon(a * b);
}

static inline float ol__f32_div(float a, float b)
{
    return ol__f32_canon(a / b);
}

static inline double ol__f64_add(double a, double b)
{
    return ol__f64_canon(a + b);
}

static inline double ol__f64_sub(double a, double b)
{
    return ol__f64_canon(a - b);
}

static inline double ol__f64_mul(double a, double b)
{
    return ol__f64_canon(a * b);
}

static inline double ol__f64_div(double a, double b)
{
    return ol__f64_canon(a / b);
}

/* fminf/fmaxf would return the non-NaN operand and may order ±0 either way; WebAssembly wants
 * NaN if either is NaN and -0 < +0. Equal operands have equal bits except for ±0, where OR of
 * the bits picks -0 (min) and AND picks +0 (max). isunordered does not raise on quiet NaNs. */
static inline float ol__f32_min(float a, float b)
{
    if (isunordered(a, b)) {
        return ol__num_f32_from_bits(OL__NUM_F32_NAN);
    }
    if (a == b) {
        return ol__num_f32_from_bits(ol__num_f32_bits(a) | ol__num_f32_bits(b));
    }
    return a < b ? a : b;
}

static inline float ol__f32_max(float a, float b)
{
    if (isunordered(a, b)) {
        return ol__num_f32_from_bits(OL__NUM_F32_NAN);
    }
    if (a == b) {
        return ol__num_f32_from_bits(ol__num_f32_bits(a) & ol__num_f32_bits(b));
    }
    return a > b ? a : b;
}

static inline double ol__f64_min(double a, double b)
{
    if (isunordered(a, b)) {
        return ol__num_f64_from_bits(OL__NUM_F64_NAN);
    }
    if (a == b) {
        return ol__num_f64_from_bits(ol__num_f64_bits(a) | ol__num_f64_bits(b));
    }
    return a < b ? a : b;
}

static inline double ol__f64_max(double a, double b)
{
    if (isunordered(a, b)) {
        return ol__num_f64_from_bits(OL__NUM_F64_NAN);
    }
    if (a == b) {
        return ol__num_f64_from_bits(ol__num_f64_bits(a) & ol__num_f64_bits(b));
    }
    return a > b ? a : b;
}

/* sqrt is correctly rounded by IEEE 754 (sqrtss/sqrtsd); only its NaN needs fixing. */
static inline float ol__f32_sqrt(float x)
{
    return ol__f32_canon(sqrtf(x));
}

static inline double ol__f64_sqrt(double x)
{
    return ol__f64_canon(sqrt(x));
}

/* Rounding to an integer: ceil, floor, trunc and nearest (half to even).
 *
 * Done on the bit pattern in integer arithmetic, because the float routes depend on the rounding
 * mode: rint and x + 2^52 - 2^52 obviously, but so does libm floor once gcc -O2 inlines it as
 * (double)(long)x - 1.0 (under FE_DOWNWARD that gives floor(0.4) = -0). Here no float operation
 * runs at all.
 *
 * With |x| = a as bits: from 2^23 (2^52) up every float is an integer (or inf/NaN). For
 * 1 <= |x| the low s = 150 - biased exponent bits (1075 - e for f64) are the fraction and the
 * integer part's unit is bit s; for s = 23 (52) that bit is the exponent's low bit, 1 exactly as
 * the implicit leading 1 is. Below 1 the integer part is 0 and the unit is the pattern of 1.0.
 * The magnitude is truncated, then rounded away from zero by one unit when the mode asks for it;
 * a carry out of the fraction field bumps the exponent, which is the right next binade. The sign
 * is put back unchanged, so ceil(-0.5) = -0, trunc(-0.9) = -0, nearest(-0.5) = -0 as the spec
 * requires. After inlining, mode is a constant and the switch disappears. */
enum { OL__NUM_TRUNC, OL__NUM_FLOOR, OL__NUM_CEIL, OL__NUM_NEAREST };

static inline int ol__num_round_away(int mode, int neg, int has_frac, int above_half, int tie_odd)
{
    switch (mode) {
    case OL__NUM_FLOOR:
        return neg && has_frac;
    case OL__NUM_CEIL:
        return !neg && has_frac;
    case OL__NUM_NEAREST:
        return above_half || tie_odd;
    default:
        return 0;
    }
}

static inline float ol__num_f32_round(float x, int mode)
{
    uint32_t b = ol__num_f32_bits(x);
    uint32_t sign = b & OL__NUM_F32_SIGN;
    uint32_t a = b ^ sign;
    uint32_t unit, frac, half, odd;

    if (a >= 0x4b000000u) { /* |x| >= 2^23: integral already, or infinite, or NaN */
        return ol__f32_canon(x);
    }
    if (a < 0x3f800000u) { /* |x| < 1 */
        unit = 0x3f800000u;
        frac = a;
        half = 0x3f000000u; /* comparing non-negative patterns compares the values */
        odd = 0;
    } else {
        uint32_t s = 150u - (a >> 23); /* 1..23 fraction bits */
        unit = 1u << s;
        frac = a & (unit - 1u);
        half = unit >> 1;
        odd = (a >> s) & 1u;
    }
    a -= frac;
    if (ol__num_round_away(mode, sign != 0, frac != 0, frac > half, frac == half && odd)) {
        a += unit;
    }
    return ol__num_f32_from_bits(a | sign);
}

static inline double ol__num_f64_round(double x, int mode)
{
    uint64_t b = ol__num_f64_bits(x);
    uint64_t sign = b & OL__NUM_F64_SIGN;
    uint64_t a = b ^ sign;
    uint64_t unit, frac, half, odd;

    if (a >= UINT64_C(0x4330000000000000)) { /* |x| >= 2^52 */
        return ol__f64_canon(x);
    }
    if (a < UINT64_C(0x3ff0000000000000)) { /* |x| < 1 */
        unit = UINT64_C(0x3ff0000000000000);
        frac = a;
        half = UINT64_C(0x3fe0000000000000);
        odd = 0;
    } else {
        uint64_t s = 1075u - (a >> 52); /* 1..52 fraction bits */
        unit = UINT64_C(1) << s;
        frac = a & (unit - 1u);
        half = unit >> 1;
        odd = (a >> s) & 1u;
    }
    a -= frac;
    if (ol__num_round_away(mode, sign != 0, frac != 0, frac > half, frac == half && odd)) {
        a += unit;
    }
    return ol__num_f64_from_bits(a | sign);
}

static inline float ol__f32_ceil(float x)
{
    return ol__num_f32_round(x, OL__NUM_CEIL);
}

static inline float ol__f32_floor(float x)
{
    return ol__num_f32_round(x, OL__NUM_FLOOR);
}

static inline float ol__f32_trunc(float x)
{
    return ol__num_f32_round(x, OL__NUM_TRUNC);
}

static inline float ol__f32_nearest(float x)
{
    return ol__num_f32_round(x, OL__NUM_NEAREST);
}

static inline double ol__f64_ceil(double x)
{
    return ol__num_f64_round(x, OL__NUM_CEIL);
}

static inline double ol__f64_floor(double x)
{
    return ol__num_f64_round(x, OL__NUM_FLOOR);
}

static inline double ol__f64_trunc(double x)
{
    return ol__num_f64_round(x, OL__NUM_TRUNC);
}

static inline double ol__f64_nearest(double x)
{
    return ol__num_f64_round(x, OL__NUM_NEAREST);
}

/* Pure bit operations: NaN payloads and signs pass through unchanged, as the spec requires. */
static inline uint32_t ol__f32_abs_bits(uint32_t x)
{
    return x & ~OL__NUM_F32_SIGN;
}

static inline uint32_t ol__f32_neg_bits(uint32_t x)
{
    return x ^ OL__NUM_F32_SIGN;
}

static inline uint32_t ol__f32_copysign_bits(uint32_t a, uint32_t b)
{
    return (a & ~OL__NUM_F32_SIGN) | (b & OL__NUM_F32_SIGN);
}

static inline uint64_t ol__f64_abs_bits(uint64_t x)
{
    return x & ~OL__NUM_F64_SIGN;
}

static inline uint64_t ol__f64_neg_bits(uint64_t x)
{
    return x ^ OL__NUM_F64_SIGN;
}

static inline uint64_t ol__f64_copysign_bits(uint64_t a, uint64_t b)
{
    return (a & ~OL__NUM_F64_SIGN) | (b & OL__NUM_F64_SIGN);
}

static inline float ol__f32_demote_f64(double x)
{
    return ol__f32_canon((float)x);
}

static inline double ol__f64_promote_f32(float x)
{
    return ol__f64_canon((double)x);
}

/* ---------------------------------------------------------------------------------------------
 * Float -> integer conversions
 *
 * x is accepted iff trunc(x) fits the target. The bounds are powers of two, exact in both float
 * types, so each check is one or two exact comparisons that NaN fails:
 *   signed N-bit:   -2^(N-1) <= x < 2^(N-1) for f32 and for f64 when N = 64 (there is no float
 *                   strictly between -2^(N-1) - 1 and -2^(N-1)); -2^31 - 1 < x for f64 -> i32,
 *                   which admits -2147483648.9.
 *   unsigned N-bit: -1 < x < 2^N (trunc of (-1, 0) is 0).
 * After the check the C conversion is defined (C11 6.3.1.4 and its footnote) and truncates
 * whatever the rounding mode.
 * ------------------------------------------------------------------------------------------- */

static inline ol_wasm_trap_kind ol__num_trunc_fail(int is_nan)
{
    return is_nan ? OL_WASM_TRAP_INVALID_CONVERSION : OL_WASM_TRAP_INT_OVERFLOW;
}

static inline ol_wasm_trap_kind ol__i32_trunc_f32_s(float x, uint32_t *r)
{
    if (OL_LIKELY(x >= -2147483648.0f && x < 2147483648.0f)) {
        *r = (uint32_t)(int32_t)x;
        return OL_WASM_TRAP_NONE;
    }
    return ol__num_trunc_fail(isnan(x));
}

static inline ol_wasm_trap_kind ol__i32_trunc_f32_u(float x, uint32_t *r)
{
    if (OL_LIKELY(x > -1.0f && x < 4294967296.0f)) {
        *r = (uint32_t)x;
        return OL_WASM_TRAP_NONE;
    }
    return ol__num_trunc_fail(isnan(x));
}

static inline ol_wasm_trap_kind ol__i32_trunc_f64_s(double x, uint32_t *r)
{
    if (OL_LIKELY(x > -2147483649.0 && x < 2147483648.0)) {
        *r = (uint32_t)(int32_t)x;
        return OL_WASM_TRAP_NONE;
    }
    return ol__num_trunc_fail(isnan(x));
}

static inline ol_wasm_trap_kind ol__i32_trunc_f64_u(double x, uint32_t *r)
{
    if (OL_LIKELY(x > -1.0 && x < 4294967296.0)) {
        *r = (uint32_t)x;
        return OL_WASM_TRAP_NONE;
    }
    return ol__num_trunc_fail(isnan(x));
}

static inline ol_wasm_trap_kind ol__i64_trunc_f32_s(float x, uint64_t *r)
{
    if (OL_LIKELY(x >= -9223372036854775808.0f && x < 9223372036854775808.0f)) {
        *r = (uint64_t)(int64_t)x;
        return OL_WASM_TRAP_NONE;
    }
    return ol__num_trunc_fail(isnan(x));
}

static inline ol_wasm_trap_kind ol__i64_trunc_f32_u(float x, uint64_t *r)
{
    if (OL_LIKELY(x > -1.0f && x < 18446744073709551616.0f)) {
        *r = (uint64_t)x;
        return OL_WASM_TRAP_NONE;
    }
    return ol__num_trunc_fail(isnan(x));
}

static inline ol_wasm_trap_kind ol__i64_trunc_f64_s(double x, uint64_t *r)
{
    if (OL_LIKELY(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) {
        *r = (uint64_t)(int64_t)x;
        return OL_WASM_TRAP_NONE;
    }
    return ol__num_trunc_fail(isnan(x));
}

static inline ol_wasm_trap_kind ol__i64_trunc_f64_u(double x, uint64_t *r)
{
    if (OL_LIKELY(x > -1.0 && x < 18446744073709551616.0)) {
        *r = (uint64_t)x;
        return OL_WASM_TRAP_NONE;
    }
    return ol__num_trunc_fail(isnan(x));
}

/* Saturating forms: NaN -> 0, below range -> minimum, above -> maximum. The lower clamp uses
 * x < -2^(N-1) for every source type: values in (-2^(N-1) - 1, -2^(N-1)) clamp to the minimum,
 * which is also what truncating them gives. */
static inline uint32_t ol__i32_trunc_sat_f32_s(float x)
{
    if (isnan(x)) {
        return 0;
    }
    if (x < -2147483648.0f) {
        return 0x80000000u;
    }
    if (x >= 2147483648.0f) {
        return 0x7fffffffu;
    }
    return (uint32_t)(int32_t)x;
}

static inline uint32_t ol__i32_trunc_sat_f32_u(float x)
{
    if (!(x > -1.0f)) { /* NaN or x <= -1 */
        return 0;
    }
    if (x >= 4294967296.0f) {
        return UINT32_MAX;
    }
    return (uint32_t)x;
}

static inline uint32_t ol__i32_trunc_sat_f64_s(double x)
{
    if (isnan(x)) {
        return 0;
    }
    if (x < -2147483648.0) {
        return 0x80000000u;
    }
    if (x >= 2147483648.0) {
        return 0x7fffffffu;
    }
    return (uint32_t)(int32_t)x;
}

static inline uint32_t ol__i32_trunc_sat_f64_u(double x)
{
    if (!(x > -1.0)) {
        return 0;
    }
    if (x >= 4294967296.0) {
        return UINT32_MAX;
    }
    return (uint32_t)x;
}

static inline uint64_t ol__i64_trunc_sat_f32_s(float x)
{
    if (isnan(x)) {
        return 0;
    }
    if (x < -9223372036854775808.0f) {
        return OL__NUM_F64_SIGN; /* INT64_MIN's bits */
    }
    if (x >= 9223372036854775808.0f) {
        return UINT64_C(0x7fffffffffffffff);
    }
    return (uint64_t)(int64_t)x;
}

static inline uint64_t ol__i64_trunc_sat_f32_u(float x)
{
    if (!(x > -1.0f)) {
        return 0;
    }
    if (x >= 18446744073709551616.0f) {
        return UINT64_MAX;
    }
    return (uint64_t)x;
}

static inline uint64_t ol__i64_trunc_sat_f64_s(double x)
{
    if (isnan(x)) {
        return 0;
    }
    if (x < -9223372036854775808.0) {
        return OL__NUM_F64_SIGN;
    }
    if (x >= 9223372036854775808.0) {
        return UINT64_C(0x7fffffffffffffff);
    }
    return (uint64_t)(int64_t)x;
}

static inline uint64_t ol__i64_trunc_sat_f64_u(double x)
{
    if (!(x > -1.0)) {
        return 0;
    }
    if (x >= 18446744073709551616.0) {
        return UINT64_MAX;
    }
    return (uint64_t)x;
}

/* ---------------------------------------------------------------------------------------------
 * Integer -> float conversions
 *
 * Each is one C conversion, rounded once to nearest even (Annex F; the cvtsi2ss/sd family on
 * x86-64). u64 -> f32 must not go through double: rounding to 53 bits and then to 24 can land
 * on the wrong side of a tie (0x8000008000000001 would become 2^63 instead of 2^63 + 2^40).
 * The compilers' direct u64 -> float sequence halves the value with a sticky low bit, which
 * rounds correctly.
 * ------------------------------------------------------------------------------------------- */
static inline float ol__f32_convert_i32_s(uint32_t x)
{
    return (float)ol__num_s32(x);
}

static inline float ol__f32_convert_i32_u(uint32_t x)
{
    return (float)x;
}

static inline float ol__f32_convert_i64_s(uint64_t x)
{
    return (float)ol__num_s64(x);
}

static inline float ol__f32_convert_i64_u(uint64_t x)
{
    return (float)x;
}

static inline double ol__f64_convert_i32_s(uint32_t x)
{
    return (double)ol__num_s32(x); /* exact */
}

static inline double ol__f64_convert_i32_u(uint32_t x)
{
    return (double)x; /* exact */
}

static inline double ol__f64_convert_i64_s(uint64_t x)
{
    return (double)ol__num_s64(x);
}

static inline double ol__f64_convert_i64_u(uint64_t x)
{
    return (double)x;
}

#endif
