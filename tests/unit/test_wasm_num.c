/* Unit tests for wasm_num.h, the WebAssembly numeric semantics used by the interpreter.
 *
 * Three kinds of checks:
 *   - hand-written edge cases for every function (the boundaries the spec cares about);
 *   - independent references over structured and pseudo-random inputs: bit-by-bit loops for
 *     integer ops, an integer round-to-nearest-even for int -> float, long double truncation for
 *     float -> int, nearbyint (in the default rounding mode) for nearest, a total-order key for
 *     min/max;
 *   - the WebAssembly spec tests' own cases for these operations (spec_cases below).
 * Floats are always compared as bit patterns, so -0 vs +0 and NaN payloads count. The random
 * generator has a fixed seed: a failure reproduces exactly.
 */
#include "test.h"
#include "wasm_num.h"

/* After the unit under test, so that wasm_num.h is seen to include what it needs. */
#include <fenv.h>
#include <inttypes.h>

#define SENT32      0xa5a5a5a5u                  /* *r must keep this when a conversion traps */
#define SENT64      UINT64_C(0xa5a5a5a5a5a5a5a5) /* (outputs are written only on success) */
#define F32_NAN     0x7fc00000u
#define F64_NAN     UINT64_C(0x7ff8000000000000)
#define MAX_PRINTED 40 /* failures printed per test; all are counted */

/* ---------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------- */
static uint32_t bits32(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static float flt32(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static uint64_t bits64(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double dbl64(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* splitmix64: small, fixed seed, good enough to spread bits. */
static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A random f32 pattern whose biased exponent is in [lo, hi]: uniform bit patterns would almost
 * never land near the interesting boundaries. */
static uint32_t rnd_f32_exp(uint64_t *s, uint32_t lo, uint32_t hi)
{
    uint64_t r = rnd(s);
    uint32_t e = lo + (uint32_t)((r >> 32) % (hi - lo + 1u));
    return ((uint32_t)(r >> 31) & 0x80000000u) | (e << 23) | ((uint32_t)r & 0x7fffffu);
}

static uint64_t rnd_f64_exp(uint64_t *s, uint64_t lo, uint64_t hi)
{
    uint64_t r = rnd(s);
    uint64_t e = lo + (rnd(s) % (hi - lo + 1u));
    return (r & UINT64_C(0x8000000000000000)) | (e << 52) | (r & UINT64_C(0xfffffffffffff));
}

/* Counts a failure and prints the first MAX_PRINTED of them, so one run shows the pattern. */
#define EXPECT(fails, cond, ...)           \
    do {                                   \
        if (!(cond)) {                     \
            if ((fails)++ < MAX_PRINTED) { \
                print_error(__VA_ARGS__);  \
            }                              \
        }                                  \
    } while (0)

#define assert_f32_bits(x, want) assert_int_equal(bits32(x), (want))
#define assert_f64_bits(x, want) assert_int_equal(bits64(x), (want))

/* NaN inputs of every kind: quiet and signaling, both signs, small and full payloads. */
static const uint32_t nan32[] = {0x7fc00000u, 0xffc00000u, 0x7fa00000u, 0xffa00000u, 0x7f800001u,
                                 0xff800001u, 0x7fffffffu, 0xffffffffu, 0x7fc00001u, 0x7f812345u};
static const uint64_t nan64[] = {UINT64_C(0x7ff8000000000000), UINT64_C(0xfff8000000000000),
                                 UINT64_C(0x7ff4000000000000), UINT64_C(0xfff4000000000000),
                                 UINT64_C(0x7ff0000000000001), UINT64_C(0xfff0000000000001),
                                 UINT64_C(0x7fffffffffffffff), UINT64_C(0xffffffffffffffff),
                                 UINT64_C(0x7ff8000000000001), UINT64_C(0x7ff00000f1e27a6b)};
/* Non-NaN specials: ±0, ±min subnormal, ±min normal, ±0.5, ±1, ±2pi, ±max, ±inf. */
static const uint32_t val32[] = {0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u,
                                 0x00800000u, 0x80800000u, 0x3f000000u, 0xbf000000u,
                                 0x3f800000u, 0xbf800000u, 0x40c90fdbu, 0xc0c90fdbu,
                                 0x7f7fffffu, 0xff7fffffu, 0x7f800000u, 0xff800000u};
static const uint64_t val64[] = {
    UINT64_C(0x0000000000000000), UINT64_C(0x8000000000000000), UINT64_C(0x0000000000000001),
    UINT64_C(0x8000000000000001), UINT64_C(0x0010000000000000), UINT64_C(0x8010000000000000),
    UINT64_C(0x3fe0000000000000), UINT64_C(0xbfe0000000000000), UINT64_C(0x3ff0000000000000),
    UINT64_C(0xbff0000000000000), UINT64_C(0x401921fb54442d18), UINT64_C(0xc01921fb54442d18),
    UINT64_C(0x7fefffffffffffff), UINT64_C(0xffefffffffffffff), UINT64_C(0x7ff0000000000000),
    UINT64_C(0xfff0000000000000)};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------------------------
 * Integer operations
 * ------------------------------------------------------------------------------------------- */
static uint64_t ref_clz(uint64_t x, unsigned width)
{
    uint64_t n = 0;
    for (unsigned i = width; i-- > 0 && !((x >> i) & 1u);) {
        n++;
    }
    return n;
}

static uint64_t ref_ctz(uint64_t x, unsigned width)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < width && !((x >> i) & 1u); i++) {
        n++;
    }
    return n;
}

static uint64_t ref_popcnt(uint64_t x)
{
    uint64_t n = 0;
    for (; x != 0; x >>= 1) {
        n += x & 1u;
    }
    return n;
}

static void test_wasm_num_bit_counts(void **state)
{
    (void)state;
    assert_int_equal(ol__i32_clz(0), 32);
    assert_int_equal(ol__i32_ctz(0), 32);
    assert_int_equal(ol__i32_popcnt(0), 0);
    assert_int_equal(ol__i64_clz(0), 64);
    assert_int_equal(ol__i64_ctz(0), 64);
    assert_int_equal(ol__i64_popcnt(0), 0);
    assert_int_equal(ol__i32_clz(UINT32_MAX), 0);
    assert_int_equal(ol__i32_ctz(UINT32_MAX), 0);
    assert_int_equal(ol__i32_popcnt(UINT32_MAX), 32);
    assert_int_equal(ol__i64_clz(UINT64_MAX), 0);
    assert_int_equal(ol__i64_ctz(UINT64_MAX), 0);
    assert_int_equal(ol__i64_popcnt(UINT64_MAX), 64);
    assert_int_equal(ol__i32_popcnt(0xdeadbeefu), 24);
    assert_int_equal(ol__i64_popcnt(UINT64_C(0xaaaaaaaa55555555)), 32);
    assert_int_equal(ol__i64_clz(0xffffffffu), 32); /* the high half only */
    assert_int_equal(ol__i64_ctz(UINT64_C(0x100000000)), 32);
    for (unsigned k = 0; k < 32; k++) {
        uint32_t p = 1u << k;
        assert_int_equal(ol__i32_clz(p), 31 - k);
        assert_int_equal(ol__i32_ctz(p), k);
        assert_int_equal(ol__i32_popcnt(p - 1u), k);
        assert_int_equal(ol__i32_clz(p | 1u), 31 - k);
        assert_int_equal(ol__i32_ctz(p | 0x80000000u), k);
    }
    for (unsigned k = 0; k < 64; k++) {
        uint64_t p = UINT64_C(1) << k;
        assert_int_equal(ol__i64_clz(p), 63 - k);
        assert_int_equal(ol__i64_ctz(p), k);
        assert_int_equal(ol__i64_popcnt(p - 1u), k);
        assert_int_equal(ol__i64_clz(p | 1u), 63 - k);
        assert_int_equal(ol__i64_ctz(p | UINT64_C(0x8000000000000000)), k);
    }
    uint64_t s = 1;
    for (int i = 0; i < 20000; i++) {
        uint64_t x = rnd(&s) >> (rnd(&s) & 63u); /* vary the leading-zero count */
        uint32_t x32 = (uint32_t)x;
        assert_int_equal(ol__i32_clz(x32), ref_clz(x32, 32));
        assert_int_equal(ol__i32_ctz(x32), ref_ctz(x32, 32));
        assert_int_equal(ol__i32_popcnt(x32), ref_popcnt(x32));
        assert_int_equal(ol__i64_clz(x), ref_clz(x, 64));
        assert_int_equal(ol__i64_ctz(x), ref_ctz(x, 64));
        assert_int_equal(ol__i64_popcnt(x), ref_popcnt(x));
    }
}

static uint64_t ref_rotl(uint64_t x, uint64_t n, unsigned width)
{
    uint64_t mask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1u;
    for (uint64_t i = 0; i < n % width; i++) {
        x = ((x << 1) | (x >> (width - 1))) & mask;
    }
    return x;
}

static void test_wasm_num_rotate(void **state)
{
    (void)state;
    assert_int_equal(ol__i32_rotl(0xabcd9876u, 1), 0x579b30edu);
    assert_int_equal(ol__i32_rotl(0xfe00dc00u, 4), 0xe00dc00fu);
    assert_int_equal(ol__i32_rotr(0xb0c1d2e3u, 5), 0x1d860e97u);
    assert_int_equal(ol__i32_rotl(1, 32), 1);
    assert_int_equal(ol__i32_rotr(1, 32), 1);
    assert_int_equal(ol__i32_rotl(1, 0), 1);
    assert_int_equal(ol__i32_rotl(1, 31), 0x80000000u);
    assert_int_equal(ol__i32_rotr(1, 1), 0x80000000u);
    assert_int_equal(ol__i32_rotl(0x00008000u, 37), 0x00100000u);          /* count mod 32 */
    assert_int_equal(ol__i32_rotr(0x12345678u, 0xffffffe4u), 0x81234567u); /* 4 mod 32 */
    assert_int_equal(ol__i64_rotl(1, 64), 1);
    assert_int_equal(ol__i64_rotl(1, 63), UINT64_C(0x8000000000000000));
    assert_int_equal(ol__i64_rotr(1, 1), UINT64_C(0x8000000000000000));
    assert_int_equal(ol__i64_rotl(UINT64_C(0xabd1234ef567809c), 63), UINT64_C(0x55e891a77ab3c04e));
    assert_int_equal(ol__i64_rotr(UINT64_C(0xabcd1234ef567809), 0xfffffffffffffff5u),
                     UINT64_C(0x6891a77ab3c04d5e)); /* only the low 6 bits of the count */
    uint64_t s = 2;
    for (int i = 0; i < 3000; i++) {
        uint64_t x = rnd(&s);
        uint64_t n = i < 200 ? (uint64_t)i : rnd(&s);
        uint32_t x32 = (uint32_t)x, n32 = (uint32_t)n;
        assert_int_equal(ol__i32_rotl(x32, n32), ref_rotl(x32, n32, 32));
        assert_int_equal(ol__i32_rotr(x32, n32), ref_rotl(x32, 32u - n32 % 32u, 32));
        assert_int_equal(ol__i64_rotl(x, n), ref_rotl(x, n, 64));
        assert_int_equal(ol__i64_rotr(x, n), ref_rotl(x, 64u - n % 64u, 64));
    }
}

/* Arithmetic shift one bit at a time, keeping the sign bit. */
static uint64_t ref_shr_s(uint64_t x, uint64_t n, unsigned width)
{
    uint64_t sign = UINT64_C(1) << (width - 1);
    for (uint64_t i = 0; i < n % width; i++) {
        x = (x >> 1) | (x & sign);
    }
    return x;
}

static void test_wasm_num_shr_s(void **state)
{
    (void)state;
    assert_int_equal(ol__i32_shr_s(0x80000000u, 31), UINT32_MAX);
    assert_int_equal(ol__i32_shr_s(0x80000000u, 32), 0x80000000u); /* count masked to 0 */
    assert_int_equal(ol__i32_shr_s(0x80000000u, 33), 0xc0000000u);
    assert_int_equal(ol__i32_shr_s(0x7fffffffu, 31), 0);
    assert_int_equal(ol__i32_shr_s(0xfffffffeu, 1), UINT32_MAX);  /* -2 >> 1 = -1 */
    assert_int_equal(ol__i32_shr_s(0xfffffff9u, 1), 0xfffffffcu); /* -7 >> 1 = -4 (floor) */
    assert_int_equal(ol__i32_shr_s(UINT32_MAX, UINT32_MAX), UINT32_MAX);
    assert_int_equal(ol__i64_shr_s(UINT64_C(0x8000000000000000), 63), UINT64_MAX);
    assert_int_equal(ol__i64_shr_s(UINT64_C(0x8000000000000000), 64), UINT64_C(0x8000000000000000));
    assert_int_equal(ol__i64_shr_s(UINT64_C(0x8000000000000000), 65), UINT64_C(0xc000000000000000));
    assert_int_equal(ol__i64_shr_s(UINT64_C(0x7fffffffffffffff), 63), 0);
    assert_int_equal(ol__i64_shr_s(0x80000000u, 31), 1); /* not sign-extended from bit 31 */
    uint64_t s = 3;
    for (int i = 0; i < 3000; i++) {
        uint64_t x = rnd(&s);
        uint64_t n = i < 200 ? (uint64_t)i : rnd(&s);
        uint32_t x32 = (uint32_t)x, n32 = (uint32_t)n;
        assert_int_equal(ol__i32_shr_s(x32, n32), ref_shr_s(x32, n32, 32));
        assert_int_equal(ol__i64_shr_s(x, n), ref_shr_s(x, n, 64));
    }
}

/* Signed division through magnitudes, never touching a signed type. */
static void ref_divrem_s64(uint64_t a, uint64_t b, uint64_t *q, uint64_t *r)
{
    uint64_t na = a >> 63, nb = b >> 63;
    uint64_t ma = na ? 0u - a : a, mb = nb ? 0u - b : b;
    *q = (na ^ nb) ? 0u - ma / mb : ma / mb;
    *r = na ? 0u - ma % mb : ma % mb;
}

static uint64_t sext32(uint32_t x)
{
    return (x & 0x80000000u) ? (uint64_t)x | UINT64_C(0xffffffff00000000) : x;
}

static void check_divrem32(uint32_t a, uint32_t b)
{
    uint64_t q, r;
    ref_divrem_s64(sext32(a), sext32(b), &q, &r);
    if (!(a == 0x80000000u && b == UINT32_MAX)) { /* div_s precondition */
        assert_int_equal(ol__i32_div_s(a, b), (uint32_t)q);
    }
    assert_int_equal(ol__i32_rem_s(a, b), (uint32_t)r);
}

static void check_divrem64(uint64_t a, uint64_t b)
{
    uint64_t q, r;
    ref_divrem_s64(a, b, &q, &r);
    if (!(a == UINT64_C(0x8000000000000000) && b == UINT64_MAX)) {
        assert_int_equal(ol__i64_div_s(a, b), q);
        assert_int_equal(a, q * b + r); /* the identity the spec defines rem by */
    }
    assert_int_equal(ol__i64_rem_s(a, b), r);
}

static void test_wasm_num_div_rem_s(void **state)
{
    (void)state;
    /* Truncation toward zero; the remainder takes the dividend's sign. */
    assert_int_equal(ol__i32_div_s(7, 2), 3);
    assert_int_equal(ol__i32_div_s((uint32_t)-7, 2), (uint32_t)-3);
    assert_int_equal(ol__i32_div_s(7, (uint32_t)-2), (uint32_t)-3);
    assert_int_equal(ol__i32_div_s((uint32_t)-7, (uint32_t)-2), 3);
    assert_int_equal(ol__i32_rem_s(7, 2), 1);
    assert_int_equal(ol__i32_rem_s((uint32_t)-7, 2), (uint32_t)-1);
    assert_int_equal(ol__i32_rem_s(7, (uint32_t)-2), 1);
    assert_int_equal(ol__i32_rem_s((uint32_t)-7, (uint32_t)-2), (uint32_t)-1);
    assert_int_equal(ol__i32_div_s(0x80000000u, 1), 0x80000000u);
    assert_int_equal(ol__i32_div_s(0x80000000u, 2), 0xc0000000u);
    assert_int_equal(ol__i32_div_s(0x7fffffffu, UINT32_MAX), 0x80000001u);
    assert_int_equal(ol__i32_div_s(0x80000000u, 0x80000000u), 1);
    assert_int_equal(ol__i32_div_s(UINT32_MAX, 0x80000000u), 0);
    /* INT_MIN rem -1 is 0 (C's INT_MIN % -1 is undefined and faults on x86). */
    assert_int_equal(ol__i32_rem_s(0x80000000u, UINT32_MAX), 0);
    assert_int_equal(ol__i32_rem_s(0x80000000u, 2), 0);
    assert_int_equal(ol__i32_rem_s(0x80000000u, 3), (uint32_t)-2);
    assert_int_equal(ol__i32_rem_s(UINT32_MAX, 0x80000000u), UINT32_MAX);
    assert_int_equal(ol__i32_rem_s(0x7fffffffu, 0x80000000u), 0x7fffffffu);
    assert_int_equal(ol__i64_div_s(UINT64_C(0x8000000000000000), 1), UINT64_C(0x8000000000000000));
    assert_int_equal(ol__i64_div_s(UINT64_C(0x7fffffffffffffff), UINT64_MAX),
                     UINT64_C(0x8000000000000001));
    assert_int_equal(ol__i64_rem_s(UINT64_C(0x8000000000000000), UINT64_MAX), 0);
    assert_int_equal(ol__i64_rem_s(UINT64_C(0x8000000000000000), 3), (uint64_t)-2);
    assert_int_equal(ol__i64_rem_s(UINT64_MAX, UINT64_C(0x8000000000000000)), UINT64_MAX);

    static const uint64_t edge[] = {0,
                                    1,
                                    2,
                                    3,
                                    7,
                                    0x7fffffff,
                                    0x80000000,
                                    0x80000001,
                                    0xfffffffe,
                                    0xffffffff,
                                    UINT64_C(0x7fffffffffffffff),
                                    UINT64_C(0x8000000000000000),
                                    UINT64_C(0x8000000000000001),
                                    UINT64_MAX - 6,
                                    UINT64_MAX - 1,
                                    UINT64_MAX};
    for (size_t i = 0; i < COUNT(edge); i++) {
        for (size_t j = 0; j < COUNT(edge); j++) {
            if ((uint32_t)edge[j] != 0) {
                check_divrem32((uint32_t)edge[i], (uint32_t)edge[j]);
            }
            if (edge[j] != 0) {
                check_divrem64(edge[i], edge[j]);
            }
        }
    }
    uint64_t s = 4;
    for (int i = 0; i < 20000; i++) {
        uint64_t a = rnd(&s) >> (rnd(&s) & 63u);
        uint64_t b = rnd(&s) >> (rnd(&s) & 63u);
        if (rnd(&s) & 1u) {
            b = 0u - b; /* plenty of negative divisors, including small ones */
        }
        if ((uint32_t)b != 0) {
            check_divrem32((uint32_t)a, (uint32_t)b);
        }
        if (b != 0) {
            check_divrem64(a, b);
        }
    }
}

static void test_wasm_num_extend(void **state)
{
    (void)state;
    assert_int_equal(ol__i32_extend8_s(0x7fu), 0x7fu);
    assert_int_equal(ol__i32_extend8_s(0x80u), 0xffffff80u);
    assert_int_equal(ol__i32_extend8_s(0x01234580u), 0xffffff80u); /* upper bits ignored */
    assert_int_equal(ol__i32_extend8_s(0xfedcba7fu), 0x7fu);
    assert_int_equal(ol__i32_extend16_s(0x8000u), 0xffff8000u);
    assert_int_equal(ol__i32_extend16_s(0xfedc7fffu), 0x7fffu);
    assert_int_equal(ol__i64_extend8_s(UINT64_C(0x0123456789abcd80)), UINT64_C(0xffffffffffffff80));
    assert_int_equal(ol__i64_extend16_s(UINT64_C(0xfedcba9876547fff)), 0x7fffu);
    assert_int_equal(ol__i64_extend32_s(0x7fffffffu), 0x7fffffffu);
    assert_int_equal(ol__i64_extend32_s(0x80000000u), UINT64_C(0xffffffff80000000));
    assert_int_equal(ol__i64_extend32_s(UINT64_C(0x0123456789abcdef)),
                     UINT64_C(0xffffffff89abcdef));
    assert_int_equal(ol__i64_extend32_s(UINT64_C(0xfedcba9800000000)), 0);
    /* Every 16-bit value, with junk above it. */
    for (uint32_t v = 0; v <= 0xffffu; v++) {
        uint32_t junk = v * 0x9e3779b9u & 0xffff0000u;
        uint32_t e8 = (v & 0x80u) ? (v & 0xffu) | 0xffffff00u : (v & 0xffu);
        uint32_t e16 = (v & 0x8000u) ? v | 0xffff0000u : v;
        assert_int_equal(ol__i32_extend8_s(v | junk), e8);
        assert_int_equal(ol__i32_extend16_s(v | junk), e16);
        uint64_t j64 = (uint64_t)junk << 32 | junk;
        assert_int_equal(ol__i64_extend8_s(v | j64), sext32(e8));
        assert_int_equal(ol__i64_extend16_s(v | j64), sext32(e16));
    }
    uint64_t s = 5;
    for (int i = 0; i < 20000; i++) {
        uint64_t x = rnd(&s);
        assert_int_equal(ol__i64_extend32_s(x), sext32((uint32_t)x));
    }
}

/* ---------------------------------------------------------------------------------------------
 * Float arithmetic and NaN canonicalisation
 * ------------------------------------------------------------------------------------------- */
static void test_wasm_num_canon(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(nan32); i++) {
        assert_f32_bits(ol__f32_canon(flt32(nan32[i])), F32_NAN);
    }
    for (size_t i = 0; i < COUNT(nan64); i++) {
        assert_f64_bits(ol__f64_canon(dbl64(nan64[i])), F64_NAN);
    }
    for (size_t i = 0; i < COUNT(val32); i++) {
        assert_f32_bits(ol__f32_canon(flt32(val32[i])), val32[i]);
    }
    for (size_t i = 0; i < COUNT(val64); i++) {
        assert_f64_bits(ol__f64_canon(dbl64(val64[i])), val64[i]);
    }
}

/* Any NaN operand, in either position, gives exactly the canonical NaN. */
static void test_wasm_num_arith_nan_inputs(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(nan32); i++) {
        float n = flt32(nan32[i]);
        for (size_t j = 0; j < COUNT(val32) + COUNT(nan32); j++) {
            float v = j < COUNT(val32) ? flt32(val32[j]) : flt32(nan32[j - COUNT(val32)]);
            assert_f32_bits(ol__f32_add(n, v), F32_NAN);
            assert_f32_bits(ol__f32_add(v, n), F32_NAN);
            assert_f32_bits(ol__f32_sub(n, v), F32_NAN);
            assert_f32_bits(ol__f32_sub(v, n), F32_NAN);
            assert_f32_bits(ol__f32_mul(n, v), F32_NAN);
            assert_f32_bits(ol__f32_mul(v, n), F32_NAN);
            assert_f32_bits(ol__f32_div(n, v), F32_NAN);
            assert_f32_bits(ol__f32_div(v, n), F32_NAN);
            assert_f32_bits(ol__f32_min(n, v), F32_NAN);
            assert_f32_bits(ol__f32_min(v, n), F32_NAN);
            assert_f32_bits(ol__f32_max(n, v), F32_NAN);
            assert_f32_bits(ol__f32_max(v, n), F32_NAN);
        }
        assert_f32_bits(ol__f32_sqrt(n), F32_NAN);
        assert_f32_bits(ol__f32_ceil(n), F32_NAN);
        assert_f32_bits(ol__f32_floor(n), F32_NAN);
        assert_f32_bits(ol__f32_trunc(n), F32_NAN);
        assert_f32_bits(ol__f32_nearest(n), F32_NAN);
        assert_f64_bits(ol__f64_promote_f32(n), F64_NAN);
    }
    for (size_t i = 0; i < COUNT(nan64); i++) {
        double n = dbl64(nan64[i]);
        for (size_t j = 0; j < COUNT(val64) + COUNT(nan64); j++) {
            double v = j < COUNT(val64) ? dbl64(val64[j]) : dbl64(nan64[j - COUNT(val64)]);
            assert_f64_bits(ol__f64_add(n, v), F64_NAN);
            assert_f64_bits(ol__f64_add(v, n), F64_NAN);
            assert_f64_bits(ol__f64_sub(n, v), F64_NAN);
            assert_f64_bits(ol__f64_sub(v, n), F64_NAN);
            assert_f64_bits(ol__f64_mul(n, v), F64_NAN);
            assert_f64_bits(ol__f64_mul(v, n), F64_NAN);
            assert_f64_bits(ol__f64_div(n, v), F64_NAN);
            assert_f64_bits(ol__f64_div(v, n), F64_NAN);
            assert_f64_bits(ol__f64_min(n, v), F64_NAN);
            assert_f64_bits(ol__f64_min(v, n), F64_NAN);
            assert_f64_bits(ol__f64_max(n, v), F64_NAN);
            assert_f64_bits(ol__f64_max(v, n), F64_NAN);
        }
        assert_f64_bits(ol__f64_sqrt(n), F64_NAN);
        assert_f64_bits(ol__f64_ceil(n), F64_NAN);
        assert_f64_bits(ol__f64_floor(n), F64_NAN);
        assert_f64_bits(ol__f64_trunc(n), F64_NAN);
        assert_f64_bits(ol__f64_nearest(n), F64_NAN);
        assert_f32_bits(ol__f32_demote_f64(n), F32_NAN);
    }
}

/* Invalid operations on non-NaN operands: x86 answers with 0xffc00000 (sign set), which must not
 * leak out. Exact results keep their sign, zeros and subnormals included (no flush to zero). */
static void test_wasm_num_arith_invalid_and_exact(void **state)
{
    (void)state;
    const float inf = flt32(0x7f800000u), ninf = flt32(0xff800000u);
    const float z = flt32(0), nz = flt32(0x80000000u);
    assert_f32_bits(ol__f32_add(inf, ninf), F32_NAN);
    assert_f32_bits(ol__f32_sub(inf, inf), F32_NAN);
    assert_f32_bits(ol__f32_mul(z, inf), F32_NAN);
    assert_f32_bits(ol__f32_mul(ninf, nz), F32_NAN);
    assert_f32_bits(ol__f32_div(z, nz), F32_NAN);
    assert_f32_bits(ol__f32_div(ninf, inf), F32_NAN);
    assert_f32_bits(ol__f32_sqrt(-1.0f), F32_NAN);
    assert_f32_bits(ol__f32_sqrt(ninf), F32_NAN);
    assert_f32_bits(ol__f32_sqrt(flt32(0x80000001u)), F32_NAN);
    assert_f32_bits(ol__f32_add(nz, nz), 0x80000000u);
    assert_f32_bits(ol__f32_add(nz, z), 0);
    assert_f32_bits(ol__f32_sub(1.0f, 1.0f), 0);
    assert_f32_bits(ol__f32_sub(nz, z), 0x80000000u);
    assert_f32_bits(ol__f32_mul(-1.0f, z), 0x80000000u);
    assert_f32_bits(ol__f32_div(1.0f, ninf), 0x80000000u);
    assert_f32_bits(ol__f32_div(1.0f, nz), 0xff800000u);
    assert_f32_bits(ol__f32_div(-1.0f, z), 0xff800000u);
    assert_f32_bits(ol__f32_sqrt(nz), 0x80000000u);
    assert_f32_bits(ol__f32_sqrt(inf), 0x7f800000u);
    assert_f32_bits(ol__f32_sqrt(4.0f), 0x40000000u);
    assert_f32_bits(ol__f32_add(flt32(1), flt32(1)), 2u);                /* subnormals */
    assert_f32_bits(ol__f32_mul(flt32(0x00800000u), 0.5f), 0x00400000u); /* no FTZ */
    assert_f32_bits(ol__f32_mul(flt32(1), 0.5f), 0);                     /* tie to even */
    assert_f32_bits(ol__f32_mul(flt32(3), 0.5f), 2u);                    /* tie to even */
    assert_f32_bits(ol__f32_mul(flt32(0x7f7fffffu), 2.0f), 0x7f800000u); /* overflow */
    assert_f32_bits(ol__f32_add(16777216.0f, 1.0f), 0x4b800000u);        /* 2^24 + 1: tie */
    assert_f32_bits(ol__f32_add(16777218.0f, 1.0f), 0x4b800002u);        /* 2^24 + 3: tie up */

    const double dinf = dbl64(UINT64_C(0x7ff0000000000000));
    const double dz = dbl64(0), dnz = dbl64(UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_add(dinf, -dinf), F64_NAN);
    assert_f64_bits(ol__f64_sub(dinf, dinf), F64_NAN);
    assert_f64_bits(ol__f64_mul(dz, dinf), F64_NAN);
    assert_f64_bits(ol__f64_div(dz, dnz), F64_NAN);
    assert_f64_bits(ol__f64_div(dinf, -dinf), F64_NAN);
    assert_f64_bits(ol__f64_sqrt(-1.0), F64_NAN);
    assert_f64_bits(ol__f64_sqrt(dbl64(UINT64_C(0x8000000000000001))), F64_NAN);
    assert_f64_bits(ol__f64_add(dnz, dnz), UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_add(dnz, dz), 0);
    assert_f64_bits(ol__f64_mul(-1.0, dz), UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_div(1.0, dnz), UINT64_C(0xfff0000000000000));
    assert_f64_bits(ol__f64_sqrt(dnz), UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_mul(dbl64(1), 0.5), 0);
    assert_f64_bits(ol__f64_mul(dbl64(UINT64_C(0x0010000000000000)), 0.5),
                    UINT64_C(0x0008000000000000));
    assert_f64_bits(ol__f64_add(9007199254740992.0, 1.0), UINT64_C(0x4340000000000000));
    assert_f64_bits(ol__f64_add(9007199254740994.0, 1.0), UINT64_C(0x4340000000000002));
}

/* The order WebAssembly min/max use on non-NaNs: -inf < ... < -0 < +0 < ... < +inf. Mapping a
 * sign-magnitude pattern to this key makes it an ordinary integer comparison. */
static int64_t key32(uint32_t b)
{
    return (b >> 31) ? -(int64_t)(b & 0x7fffffffu) - 1 : (int64_t)b;
}

static int64_t key64(uint64_t b)
{
    return (b >> 63) ? -(int64_t)(b & UINT64_C(0x7fffffffffffffff)) - 1 : (int64_t)b;
}

static void test_wasm_num_min_max(void **state)
{
    (void)state;
    const float z = flt32(0), nz = flt32(0x80000000u);
    assert_f32_bits(ol__f32_min(nz, z), 0x80000000u);
    assert_f32_bits(ol__f32_min(z, nz), 0x80000000u);
    assert_f32_bits(ol__f32_max(nz, z), 0);
    assert_f32_bits(ol__f32_max(z, nz), 0);
    assert_f32_bits(ol__f32_min(nz, nz), 0x80000000u);
    assert_f32_bits(ol__f32_max(nz, nz), 0x80000000u);
    assert_f32_bits(ol__f32_max(z, z), 0);
    const double dz = dbl64(0), dnz = dbl64(UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_min(dnz, dz), UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_min(dz, dnz), UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_max(dnz, dz), 0);
    assert_f64_bits(ol__f64_max(dz, dnz), 0);
    assert_f64_bits(ol__f64_max(dnz, dnz), UINT64_C(0x8000000000000000));

    /* Every pair of specials, plus random pairs. */
    uint64_t s = 6;
    for (int i = 0; i < 20000; i++) {
        uint32_t a = i < 256 ? val32[i % 16] : rnd_f32_exp(&s, 0, 254);
        uint32_t b = i < 256 ? val32[i / 16] : (i & 1) ? a ^ 0x80000000u : rnd_f32_exp(&s, 0, 254);
        uint32_t lo = key32(a) <= key32(b) ? a : b, hi = key32(a) <= key32(b) ? b : a;
        assert_f32_bits(ol__f32_min(flt32(a), flt32(b)), lo);
        assert_f32_bits(ol__f32_max(flt32(a), flt32(b)), hi);
        uint64_t c = i < 256 ? val64[i % 16] : rnd_f64_exp(&s, 0, 2046);
        uint64_t d = i < 256   ? val64[i / 16]
                     : (i & 1) ? c ^ UINT64_C(0x8000000000000000)
                               : rnd_f64_exp(&s, 0, 2046);
        uint64_t lo64 = key64(c) <= key64(d) ? c : d, hi64 = key64(c) <= key64(d) ? d : c;
        assert_f64_bits(ol__f64_min(dbl64(c), dbl64(d)), lo64);
        assert_f64_bits(ol__f64_max(dbl64(c), dbl64(d)), hi64);
    }
}

static void test_wasm_num_ceil_floor_trunc_sqrt(void **state)
{
    (void)state;
    assert_f32_bits(ol__f32_ceil(-0.5f), 0x80000000u); /* -0, not +0 */
    assert_f32_bits(ol__f32_ceil(0.5f), 0x3f800000u);
    assert_f32_bits(ol__f32_ceil(flt32(0x80000001u)), 0x80000000u);
    assert_f32_bits(ol__f32_floor(-0.5f), 0xbf800000u);
    assert_f32_bits(ol__f32_floor(flt32(1)), 0);
    assert_f32_bits(ol__f32_floor(flt32(0x80000000u)), 0x80000000u);
    assert_f32_bits(ol__f32_trunc(-0.9f), 0x80000000u);
    assert_f32_bits(ol__f32_trunc(8388607.5f), 0x4afffffeu);
    assert_f32_bits(ol__f32_ceil(8388607.5f), 0x4b000000u);
    assert_f32_bits(ol__f32_floor(-8388607.5f), 0xcb000000u);
    assert_f32_bits(ol__f32_ceil(flt32(0x7f7fffffu)), 0x7f7fffffu);
    assert_f32_bits(ol__f32_floor(flt32(0xff800000u)), 0xff800000u);
    assert_f32_bits(ol__f32_sqrt(2.0f), 0x3fb504f3u);
    assert_f64_bits(ol__f64_ceil(-0.5), UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_floor(-0.5), UINT64_C(0xbff0000000000000));
    assert_f64_bits(ol__f64_trunc(-0.9), UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_ceil(4503599627370495.5), UINT64_C(0x4330000000000000));
    assert_f64_bits(ol__f64_floor(-4503599627370495.5), UINT64_C(0xc330000000000000));
    assert_f64_bits(ol__f64_trunc(4503599627370495.5), UINT64_C(0x432ffffffffffffe));
    assert_f64_bits(ol__f64_sqrt(2.0), UINT64_C(0x3ff6a09e667f3bcd));
    /* |x| < 1 and the zeros: the sign stays, only a rounding away from zero gives +-1. */
    assert_f32_bits(ol__f32_ceil(flt32(0)), 0);
    assert_f32_bits(ol__f32_ceil(flt32(1)), 0x3f800000u);
    assert_f32_bits(ol__f32_floor(flt32(0x80000001u)), 0xbf800000u);
    assert_f32_bits(ol__f32_trunc(flt32(0x80000000u)), 0x80000000u);
    assert_f32_bits(ol__f32_floor(-1.0f), 0xbf800000u);
    assert_f32_bits(ol__f32_ceil(-1.5f), 0xbf800000u);
    assert_f32_bits(ol__f32_floor(-1.5f), 0xc0000000u);
    assert_f32_bits(ol__f32_ceil(flt32(0x3f7fffffu)), 0x3f800000u);
    assert_f64_bits(ol__f64_floor(dbl64(UINT64_C(0x8000000000000000))),
                    UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_ceil(dbl64(1)), UINT64_C(0x3ff0000000000000));
    assert_f64_bits(ol__f64_floor(dbl64(UINT64_C(0x8000000000000001))),
                    UINT64_C(0xbff0000000000000));
    assert_f64_bits(ol__f64_ceil(dbl64(UINT64_C(0xbfefffffffffffff))),
                    UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_ceil(4503599627370497.0), UINT64_C(0x4330000000000001));
}

static void test_wasm_num_nearest_cases(void **state)
{
    (void)state;
    assert_f32_bits(ol__f32_nearest(0.5f), 0);
    assert_f32_bits(ol__f32_nearest(1.5f), 0x40000000u);
    assert_f32_bits(ol__f32_nearest(2.5f), 0x40000000u);
    assert_f32_bits(ol__f32_nearest(3.5f), 0x40800000u);
    assert_f32_bits(ol__f32_nearest(-0.5f), 0x80000000u); /* -0.0 */
    assert_f32_bits(ol__f32_nearest(-1.5f), 0xc0000000u);
    assert_f32_bits(ol__f32_nearest(-2.5f), 0xc0000000u);
    assert_f32_bits(ol__f32_nearest(0.75f), 0x3f800000u);
    assert_f32_bits(ol__f32_nearest(-0.25f), 0x80000000u);
    assert_f32_bits(ol__f32_nearest(flt32(0x3effffffu)), 0);           /* 0.49999997 */
    assert_f32_bits(ol__f32_nearest(flt32(0x3f000001u)), 0x3f800000u); /* 0.50000006 */
    assert_f32_bits(ol__f32_nearest(flt32(0xbf000001u)), 0xbf800000u);
    assert_f32_bits(ol__f32_nearest(flt32(0x3fbfffffu)), 0x3f800000u); /* just below 1.5 */
    assert_f32_bits(ol__f32_nearest(flt32(0x3fc00001u)), 0x40000000u); /* just above 1.5 */
    assert_f32_bits(ol__f32_nearest(8388607.5f), 0x4b000000u);         /* -> 2^23, next binade */
    assert_f32_bits(ol__f32_nearest(8388606.5f), 0x4afffffcu);         /* tie to 8388606 */
    assert_f32_bits(ol__f32_nearest(-8388605.5f), 0xcafffffcu);        /* tie to -8388606 */
    assert_f32_bits(ol__f32_nearest(8388608.0f), 0x4b000000u);
    assert_f32_bits(ol__f32_nearest(8388609.0f), 0x4b000001u);
    assert_f32_bits(ol__f32_nearest(flt32(0x7f7fffffu)), 0x7f7fffffu);
    assert_f32_bits(ol__f32_nearest(flt32(0xff800000u)), 0xff800000u);
    assert_f32_bits(ol__f32_nearest(flt32(1)), 0);
    assert_f32_bits(ol__f32_nearest(flt32(0x80000001u)), 0x80000000u);
    assert_f32_bits(ol__f32_nearest(flt32(0x80000000u)), 0x80000000u);

    assert_f64_bits(ol__f64_nearest(0.5), 0);
    assert_f64_bits(ol__f64_nearest(1.5), UINT64_C(0x4000000000000000));
    assert_f64_bits(ol__f64_nearest(2.5), UINT64_C(0x4000000000000000));
    assert_f64_bits(ol__f64_nearest(-0.5), UINT64_C(0x8000000000000000));
    assert_f64_bits(ol__f64_nearest(-2.5), UINT64_C(0xc000000000000000));
    assert_f64_bits(ol__f64_nearest(dbl64(UINT64_C(0x3fdfffffffffffff))), 0);
    assert_f64_bits(ol__f64_nearest(dbl64(UINT64_C(0x3fe0000000000001))),
                    UINT64_C(0x3ff0000000000000));
    /* 2^52 - 0.5: the odd 2^52 - 1 rounds up into the next binade. */
    assert_f64_bits(ol__f64_nearest(4503599627370495.5), UINT64_C(0x4330000000000000));
    assert_f64_bits(ol__f64_nearest(-4503599627370495.5), UINT64_C(0xc330000000000000));
    assert_f64_bits(ol__f64_nearest(4503599627370494.5), UINT64_C(0x432ffffffffffffc));
    assert_f64_bits(ol__f64_nearest(4503599627370497.0), UINT64_C(0x4330000000000001));
    assert_f64_bits(ol__f64_nearest(1e300), bits64(1e300));
    assert_f64_bits(ol__f64_nearest(dbl64(UINT64_C(0xffefffffffffffff))),
                    UINT64_C(0xffefffffffffffff));
    assert_f64_bits(ol__f64_nearest(dbl64(UINT64_C(0x7ff0000000000000))),
                    UINT64_C(0x7ff0000000000000));
    assert_f64_bits(ol__f64_nearest(dbl64(UINT64_C(0x8000000000000001))),
                    UINT64_C(0x8000000000000000));
}

/* libm in the default rounding mode is a fine reference in a test (nearbyint rounds half to
 * even there), though not in the engine, where it would follow whatever mode the host left. */
static void check_round_f32(float x, int *fails)
{
    float want[4] = {ceilf(x), floorf(x), truncf(x), nearbyintf(x)};
    float got[4] = {ol__f32_ceil(x), ol__f32_floor(x), ol__f32_trunc(x), ol__f32_nearest(x)};
    static const char *const names[4] = {"ceil", "floor", "trunc", "nearest"};
    for (int k = 0; k < 4; k++) {
        uint32_t w = isnan(x) ? F32_NAN : bits32(want[k]), g = bits32(got[k]);
        EXPECT(*fails, g == w, "f32.%s(0x%08" PRIx32 ") = 0x%08" PRIx32 ", want 0x%08" PRIx32 "\n",
               names[k], bits32(x), g, w);
    }
}

static void check_round_f64(double x, int *fails)
{
    double want[4] = {ceil(x), floor(x), trunc(x), nearbyint(x)};
    double got[4] = {ol__f64_ceil(x), ol__f64_floor(x), ol__f64_trunc(x), ol__f64_nearest(x)};
    static const char *const names[4] = {"ceil", "floor", "trunc", "nearest"};
    for (int k = 0; k < 4; k++) {
        uint64_t w = isnan(x) ? F64_NAN : bits64(want[k]), g = bits64(got[k]);
        EXPECT(*fails, g == w,
               "f64.%s(0x%016" PRIx64 ") = 0x%016" PRIx64 ", want 0x%016" PRIx64 "\n", names[k],
               bits64(x), g, w);
    }
}

static void test_wasm_num_round_reference(void **state)
{
    (void)state;
    int fails = 0;
    uint64_t s = 7;
    assert_int_equal(fegetround(), FE_TONEAREST);
    for (int i = 0; i < 300000; i++) {
        /* Mostly 2^-8 .. 2^25 (every code path), sometimes any pattern at all. */
        check_round_f32(flt32((i & 7) ? rnd_f32_exp(&s, 119, 152) : (uint32_t)rnd(&s)), &fails);
        check_round_f64(dbl64((i & 7) ? rnd_f64_exp(&s, 1015, 1077) : rnd(&s)), &fails);
    }
    for (size_t i = 0; i < COUNT(val32); i++) {
        check_round_f32(flt32(val32[i]), &fails);
    }
    for (size_t i = 0; i < COUNT(val64); i++) {
        check_round_f64(dbl64(val64[i]), &fails);
    }
    /* Every half-integer below 2^17 and its neighbours, both signs; for f64 the same count
     * spread up to 2^52 (k * 2^35 + 0.5 is exact there). */
    for (uint32_t k = 0; k < (1u << 17); k++) {
        float h = (float)k + 0.5f;
        check_round_f32(h, &fails);
        check_round_f32(-h, &fails);
        check_round_f32(nextafterf(h, 0.0f), &fails);
        check_round_f32(-nextafterf(h, 1e30f), &fails);
        check_round_f32((float)k, &fails);
        double hd = (double)k * 34359738368.0 + 0.5;
        check_round_f64(hd, &fails);
        check_round_f64(-hd, &fails);
        check_round_f64(nextafter(hd, 0.0), &fails);
        check_round_f64(-nextafter(hd, 1e300), &fails);
    }
    assert_int_equal(fails, 0);
}

/* The operations whose WebAssembly result has no rounding direction must give the same bits in
 * every rounding mode: a host (or a linked library) that changes the mode must not change what a
 * guest computes there. The inputs are read through volatile so nothing is folded at compile
 * time in the default mode. */
static void test_wasm_num_rounding_mode_independent(void **state)
{
    (void)state;
    static volatile const float in32[] = {
        0.5f, 1.5f,     2.5f,          -0.5f,          -1.5f,        -2.5f,
        0.4f, -0.6f,    0.7f,          1.25f,          -3.75f,       8388607.5f,
        1e9f, -7.5e-3f, 2147483520.0f, -2147483648.0f, 4294967040.5f};
    static volatile const double in64[] = {0.5,
                                           1.5,
                                           2.5,
                                           -0.5,
                                           -1.5,
                                           -2.5,
                                           0.4,
                                           -0.6,
                                           0.7,
                                           4503599627370495.5,
                                           -4503599627370494.5,
                                           1e17,
                                           -2147483648.9,
                                           2147483647.9,
                                           4294967295.9,
                                           -0.9,
                                           9223372036854774784.0,
                                           18446744073709549568.0};
    enum { N32 = COUNT(in32), N64 = COUNT(in64), PER = 8 };
    uint64_t ref[COUNT(in32) + COUNT(in64)][PER];
    static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    int fails = 0;
    for (size_t m = 0; m < COUNT(modes); m++) {
        assert_int_equal(fesetround(modes[m]), 0);
        for (size_t i = 0; i < N32 + N64; i++) {
            uint64_t r[PER] = {0};
            uint32_t t32 = 0;
            uint64_t t64 = 0;
            if (i < N32) {
                float x = in32[i];
                r[0] = bits32(ol__f32_nearest(x));
                r[1] = bits32(ol__f32_ceil(x));
                r[2] = bits32(ol__f32_floor(x));
                r[3] = bits32(ol__f32_trunc(x));
                r[4] = (uint64_t)ol__i32_trunc_f32_s(x, &t32) << 32 | t32;
                r[5] = ol__i32_trunc_sat_f32_u(x);
                r[6] = (uint64_t)ol__i64_trunc_f32_s(x, &t64) << 32 ^ t64;
                r[7] = ol__i64_trunc_sat_f32_u(x);
            } else {
                double x = in64[i - N32];
                r[0] = bits64(ol__f64_nearest(x));
                r[1] = bits64(ol__f64_ceil(x));
                r[2] = bits64(ol__f64_floor(x));
                r[3] = bits64(ol__f64_trunc(x));
                r[4] = (uint64_t)ol__i32_trunc_f64_s(x, &t32) << 32 | t32;
                r[5] = ol__i32_trunc_sat_f64_u(x);
                r[6] = (uint64_t)ol__i64_trunc_f64_u(x, &t64) << 32 ^ t64;
                r[7] = ol__i64_trunc_sat_f64_s(x);
            }
            for (int k = 0; k < PER; k++) {
                if (m == 0) {
                    ref[i][k] = r[k];
                }
                EXPECT(fails, r[k] == ref[i][k],
                       "mode %zu input %zu result %d: 0x%" PRIx64 " vs 0x%" PRIx64 "\n", m, i, k,
                       r[k], ref[i][k]);
            }
        }
    }
    fesetround(FE_TONEAREST); /* before any assert can longjmp out */
    assert_int_equal(fails, 0);
    assert_int_equal(ref[1][0], 0x40000000u); /* nearest(1.5f) = 2, computed in FE_TONEAREST */
}

static void test_wasm_num_sign_bits(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(nan32) + COUNT(val32); i++) {
        uint32_t a = i < COUNT(nan32) ? nan32[i] : val32[i - COUNT(nan32)];
        assert_int_equal(ol__f32_abs_bits(a), a & 0x7fffffffu);
        assert_int_equal(ol__f32_neg_bits(a), a ^ 0x80000000u);
        assert_int_equal(ol__f32_copysign_bits(a, 0x7fc00000u), a & 0x7fffffffu);
        assert_int_equal(ol__f32_copysign_bits(a, 0xff800001u), a | 0x80000000u);
        assert_int_equal(ol__f32_copysign_bits(a, a), a);
    }
    for (size_t i = 0; i < COUNT(nan64) + COUNT(val64); i++) {
        uint64_t a = i < COUNT(nan64) ? nan64[i] : val64[i - COUNT(nan64)];
        assert_int_equal(ol__f64_abs_bits(a), a & UINT64_C(0x7fffffffffffffff));
        assert_int_equal(ol__f64_neg_bits(a), a ^ UINT64_C(0x8000000000000000));
        assert_int_equal(ol__f64_copysign_bits(a, 0), a & UINT64_C(0x7fffffffffffffff));
        assert_int_equal(ol__f64_copysign_bits(a, UINT64_C(0xfff0000000000001)),
                         a | UINT64_C(0x8000000000000000));
    }
    assert_int_equal(ol__f32_neg_bits(0x7fa00000u), 0xffa00000u); /* signaling stays signaling */
    assert_int_equal(ol__f32_abs_bits(0xffa00000u), 0x7fa00000u);
    assert_int_equal(ol__f64_neg_bits(UINT64_C(0x7ff4000000000000)), UINT64_C(0xfff4000000000000));
}

static void test_wasm_num_demote_promote(void **state)
{
    (void)state;
    /* Round trips of every non-NaN float are exact; promotion never rounds. */
    uint64_t s = 8;
    for (int i = 0; i < 100000; i++) {
        uint32_t a = (uint32_t)rnd(&s);
        if ((a & 0x7f800000u) == 0x7f800000u && (a & 0x7fffffu) != 0) {
            continue;
        }
        double d = ol__f64_promote_f32(flt32(a));
        assert_f32_bits(ol__f32_demote_f64(d), a);
        assert_true((double)flt32(a) == d || (a & 0x7fffffffu) == 0);
    }
    assert_f64_bits(ol__f64_promote_f32(flt32(1)), UINT64_C(0x36a0000000000000)); /* 2^-149 */
    assert_f64_bits(ol__f64_promote_f32(flt32(0x80000000u)), UINT64_C(0x8000000000000000));
    /* FLT_MAX plus half an ulp is a tie and goes to even, which is infinity; just below stays. */
    assert_f32_bits(ol__f32_demote_f64(dbl64(UINT64_C(0x47effffff0000000))), 0x7f800000u);
    assert_f32_bits(ol__f32_demote_f64(dbl64(UINT64_C(0x47efffffefffffff))), 0x7f7fffffu);
    assert_f32_bits(ol__f32_demote_f64(dbl64(UINT64_C(0x47efffffe0000000))), 0x7f7fffffu);
    assert_f32_bits(ol__f32_demote_f64(dbl64(UINT64_C(0x36a0000000000000))), 1u);
    assert_f32_bits(ol__f32_demote_f64(dbl64(UINT64_C(0x3690000000000000))), 0); /* 2^-150: tie */
    assert_f32_bits(ol__f32_demote_f64(dbl64(UINT64_C(0xb690000000000001))), 0x80000001u);
    /* A NaN whose payload lives only in the bits demotion drops is still a NaN, and canonical. */
    assert_f32_bits(ol__f32_demote_f64(dbl64(UINT64_C(0x7ff0000000000001))), F32_NAN);
    assert_f32_bits(ol__f32_demote_f64(dbl64(UINT64_C(0xfff0000020000000))), F32_NAN);
    assert_f64_bits(ol__f64_promote_f32(flt32(0xff800001u)), F64_NAN);
}

/* ---------------------------------------------------------------------------------------------
 * Float -> integer: trapping and saturating
 *
 * The reference truncates in long double, whose 64-bit significand holds every float and double
 * as well as the exact integer limits (2^63 - 1, 2^64 - 1), and compares with the limits.
 * ------------------------------------------------------------------------------------------- */
typedef ol_wasm_trap_kind (*trunc32_fn)(float, uint64_t *);
typedef ol_wasm_trap_kind (*trunc64_fn)(double, uint64_t *);
typedef uint64_t (*sat32_fn)(float);
typedef uint64_t (*sat64_fn)(double);

/* Uniform wrappers; *r starts as the sentinel, so a write on trap is visible. */
#define TRUNC_WRAP(name, ftype, rtype, sent)                \
    static ol_wasm_trap_kind w_##name(ftype x, uint64_t *r) \
    {                                                       \
        rtype v = sent;                                     \
        ol_wasm_trap_kind k = ol__##name(x, &v);            \
        *r = v;                                             \
        return k;                                           \
    }
#define SAT_WRAP(name, ftype)         \
    static uint64_t w_##name(ftype x) \
    {                                 \
        return ol__##name(x);         \
    }
TRUNC_WRAP(i32_trunc_f32_s, float, uint32_t, SENT32)
TRUNC_WRAP(i32_trunc_f32_u, float, uint32_t, SENT32)
TRUNC_WRAP(i64_trunc_f32_s, float, uint64_t, SENT64)
TRUNC_WRAP(i64_trunc_f32_u, float, uint64_t, SENT64)
TRUNC_WRAP(i32_trunc_f64_s, double, uint32_t, SENT32)
TRUNC_WRAP(i32_trunc_f64_u, double, uint32_t, SENT32)
TRUNC_WRAP(i64_trunc_f64_s, double, uint64_t, SENT64)
TRUNC_WRAP(i64_trunc_f64_u, double, uint64_t, SENT64)
SAT_WRAP(i32_trunc_sat_f32_s, float)
SAT_WRAP(i32_trunc_sat_f32_u, float)
SAT_WRAP(i64_trunc_sat_f32_s, float)
SAT_WRAP(i64_trunc_sat_f32_u, float)
SAT_WRAP(i32_trunc_sat_f64_s, double)
SAT_WRAP(i32_trunc_sat_f64_u, double)
SAT_WRAP(i64_trunc_sat_f64_s, double)
SAT_WRAP(i64_trunc_sat_f64_u, double)

typedef struct trunc_target {
    const char *name;
    long double lo, hi; /* the integer range */
    uint64_t mask;      /* result width */
    uint64_t sent;
} trunc_target;

static const trunc_target targets[4] = {
    {"i32_s", -2147483648.0L, 2147483647.0L, 0xffffffffu, SENT32},
    {"i32_u", 0.0L, 4294967295.0L, 0xffffffffu, SENT32},
    {"i64_s", -9223372036854775808.0L, 9223372036854775807.0L, UINT64_MAX, SENT64},
    {"i64_u", 0.0L, 18446744073709551615.0L, UINT64_MAX, SENT64},
};
static const trunc32_fn trunc32[4] = {w_i32_trunc_f32_s, w_i32_trunc_f32_u, w_i64_trunc_f32_s,
                                      w_i64_trunc_f32_u};
static const trunc64_fn trunc64[4] = {w_i32_trunc_f64_s, w_i32_trunc_f64_u, w_i64_trunc_f64_s,
                                      w_i64_trunc_f64_u};
static const sat32_fn sat32[4] = {w_i32_trunc_sat_f32_s, w_i32_trunc_sat_f32_u,
                                  w_i64_trunc_sat_f32_s, w_i64_trunc_sat_f32_u};
static const sat64_fn sat64[4] = {w_i32_trunc_sat_f64_s, w_i32_trunc_sat_f64_u,
                                  w_i64_trunc_sat_f64_s, w_i64_trunc_sat_f64_u};

static uint64_t ld_to_bits(long double t, uint64_t mask)
{
    return (t < 0 ? (uint64_t)(int64_t)t : (uint64_t)t) & mask;
}

/* Checks all eight conversions of one value (x is a float or double widened exactly). */
static void check_trunc(long double x, int is_f32, uint64_t in_bits, int *fails)
{
    for (int k = 0; k < 4; k++) {
        const trunc_target *tg = &targets[k];
        ol_wasm_trap_kind want_k = OL_WASM_TRAP_NONE;
        uint64_t want = tg->sent, want_sat = 0;
        if (isnan(x)) {
            want_k = OL_WASM_TRAP_INVALID_CONVERSION;
        } else {
            long double t = truncl(x);
            if (t < tg->lo || t > tg->hi) {
                want_k = OL_WASM_TRAP_INT_OVERFLOW;
                want_sat = ld_to_bits(t < tg->lo ? tg->lo : tg->hi, tg->mask);
            } else {
                want = want_sat = ld_to_bits(t, tg->mask);
            }
        }
        uint64_t got = 0;
        ol_wasm_trap_kind got_k =
            is_f32 ? trunc32[k](flt32((uint32_t)in_bits), &got) : trunc64[k](dbl64(in_bits), &got);
        uint64_t got_sat = is_f32 ? sat32[k](flt32((uint32_t)in_bits)) : sat64[k](dbl64(in_bits));
        EXPECT(*fails, got_k == want_k && got == want,
               "%s_trunc_%s(0x%" PRIx64 "): trap %d value 0x%" PRIx64
               ", want trap %d value 0x%" PRIx64 "\n",
               tg->name, is_f32 ? "f32" : "f64", in_bits, (int)got_k, got, (int)want_k, want);
        EXPECT(*fails, got_sat == want_sat,
               "%s_trunc_sat_%s(0x%" PRIx64 ") = 0x%" PRIx64 ", want 0x%" PRIx64 "\n", tg->name,
               is_f32 ? "f32" : "f64", in_bits, got_sat, want_sat);
    }
}

static void check_trunc_f32(float x, int *fails)
{
    check_trunc((long double)x, 1, bits32(x), fails);
}

static void check_trunc_f64(double x, int *fails)
{
    check_trunc((long double)x, 0, bits64(x), fails);
}

_Static_assert(LDBL_MANT_DIG >= 64, "the reference needs a 64-bit long double significand");

static void test_wasm_num_trunc_boundaries(void **state)
{
    (void)state;
    int fails = 0;
    /* Both sides of every limit: +-2^31, -2^31 - 1, 2^32, +-2^63, 2^64, -1, 0, 1. */
    static const double edges[] = {2147483648.0,
                                   -2147483648.0,
                                   -2147483649.0,
                                   4294967296.0,
                                   9223372036854775808.0,
                                   -9223372036854775808.0,
                                   18446744073709551616.0,
                                   -1.0,
                                   0.0,
                                   1.0,
                                   0.5,
                                   -0.5};
    for (size_t i = 0; i < COUNT(edges); i++) {
        for (int dir = -1; dir <= 1; dir += 2) {
            float f = (float)edges[i];
            double d = edges[i];
            for (int n = 0; n < 40; n++) {
                check_trunc_f32(f, &fails);
                check_trunc_f32(-f, &fails);
                check_trunc_f64(d, &fails);
                check_trunc_f64(-d, &fails);
                f = nextafterf(f, dir < 0 ? -1e30f : 1e30f);
                d = nextafter(d, dir < 0 ? -1e300 : 1e300);
            }
        }
    }
    for (size_t i = 0; i < COUNT(val32); i++) {
        check_trunc_f32(flt32(val32[i]), &fails);
    }
    for (size_t i = 0; i < COUNT(nan32); i++) {
        check_trunc_f32(flt32(nan32[i]), &fails);
    }
    for (size_t i = 0; i < COUNT(val64); i++) {
        check_trunc_f64(dbl64(val64[i]), &fails);
    }
    for (size_t i = 0; i < COUNT(nan64); i++) {
        check_trunc_f64(dbl64(nan64[i]), &fails);
    }
    assert_int_equal(fails, 0);

    /* The brief's examples, spelled out. */
    uint32_t r = 0;
    uint64_t r64 = 0;
    assert_int_equal(ol__i32_trunc_f32_s(-2147483648.0f, &r), OL_WASM_TRAP_NONE);
    assert_int_equal(r, 0x80000000u);
    r = SENT32;
    assert_int_equal(ol__i32_trunc_f32_s(2147483648.0f, &r), OL_WASM_TRAP_INT_OVERFLOW);
    assert_int_equal(r, SENT32);
    assert_int_equal(ol__i32_trunc_f64_s(-2147483648.9, &r), OL_WASM_TRAP_NONE);
    assert_int_equal(r, 0x80000000u);
    assert_int_equal(ol__i32_trunc_f64_s(2147483647.9, &r), OL_WASM_TRAP_NONE);
    assert_int_equal(r, 0x7fffffffu);
    assert_int_equal(ol__i32_trunc_f64_s(-2147483649.0, &r), OL_WASM_TRAP_INT_OVERFLOW);
    assert_int_equal(ol__i32_trunc_f64_u(-0.9, &r), OL_WASM_TRAP_NONE);
    assert_int_equal(r, 0);
    assert_int_equal(ol__i32_trunc_f32_u(-0.9f, &r), OL_WASM_TRAP_NONE);
    assert_int_equal(ol__i64_trunc_f64_u(-0.9, &r64), OL_WASM_TRAP_NONE);
    assert_int_equal(r64, 0);
    assert_int_equal(ol__i64_trunc_f32_u(-1.0f, &r64), OL_WASM_TRAP_INT_OVERFLOW);
    assert_int_equal(ol__i32_trunc_f32_s(flt32(0x7fa00000u), &r), OL_WASM_TRAP_INVALID_CONVERSION);
    assert_int_equal(ol__i64_trunc_f64_u(dbl64(UINT64_C(0xfff8000000000000)), &r64),
                     OL_WASM_TRAP_INVALID_CONVERSION);
    assert_int_equal(ol__i64_trunc_f64_s(-9223372036854775808.0, &r64), OL_WASM_TRAP_NONE);
    assert_int_equal(r64, UINT64_C(0x8000000000000000));
    assert_int_equal(ol__i64_trunc_f64_u(18446744073709549568.0, &r64), OL_WASM_TRAP_NONE);
    assert_int_equal(r64, UINT64_C(0xfffffffffffff800));
    assert_int_equal(ol__i32_trunc_sat_f64_s(-1e300), 0x80000000u);
    assert_int_equal(ol__i64_trunc_sat_f32_s(flt32(0x7f800000u)), UINT64_C(0x7fffffffffffffff));
    assert_int_equal(ol__i64_trunc_sat_f32_u(flt32(0xffc00000u)), 0);
    assert_int_equal(ol__i32_trunc_sat_f32_u(4294967296.0f), UINT32_MAX);
}

static void test_wasm_num_trunc_random(void **state)
{
    (void)state;
    int fails = 0;
    uint64_t s = 9;
    for (int i = 0; i < 200000; i++) {
        /* Exponents from 2^-3 to 2^66 cover every limit; one in eight is any pattern at all. */
        check_trunc_f32(flt32((i & 7) ? rnd_f32_exp(&s, 124, 193) : (uint32_t)rnd(&s)), &fails);
        check_trunc_f64(dbl64((i & 7) ? rnd_f64_exp(&s, 1020, 1089) : rnd(&s)), &fails);
    }
    assert_int_equal(fails, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Integer -> float
 *
 * Reference: round the magnitude to `mant` significant bits, nearest with ties to even, in
 * integer arithmetic only, then assemble sign, exponent and fraction.
 * ------------------------------------------------------------------------------------------- */
static uint64_t ref_to_float(uint64_t mag, int neg, unsigned mant, unsigned bias)
{
    if (mag == 0) {
        return 0;
    }
    unsigned n = 64;
    while (!((mag >> (n - 1)) & 1u)) {
        n--; /* n = bit length */
    }
    uint64_t m;
    if (n <= mant) {
        m = mag << (mant - n);
    } else {
        unsigned sh = n - mant;
        uint64_t rest = mag & ((UINT64_C(1) << sh) - 1u), half = UINT64_C(1) << (sh - 1);
        m = mag >> sh;
        if (rest > half || (rest == half && (m & 1u))) {
            m++;
            if (m >> mant) { /* carried into a new bit: 1.11..1 rounded to 10.00..0 */
                m >>= 1;
                n++;
            }
        }
    }
    uint64_t bits =
        (uint64_t)(n - 1u + bias) << (mant - 1u) | (m & ((UINT64_C(1) << (mant - 1u)) - 1u));
    return neg ? bits | UINT64_C(1) << (mant - 1u + (mant == 24 ? 8u : 11u)) : bits;
}

static void check_convert(uint64_t v, int *fails)
{
    uint32_t v32 = (uint32_t)v;
    uint64_t mag32 = (v32 >> 31) ? (uint64_t)(0u - v32) : v32, mag64 = (v >> 63) ? 0u - v : v;
    struct {
        const char *name;
        uint64_t got, want, in;
    } c[8] = {
        {"f32.convert_i32_s", bits32(ol__f32_convert_i32_s(v32)),
         ref_to_float(mag32, (int)(v32 >> 31), 24, 127), v32},
        {"f32.convert_i32_u", bits32(ol__f32_convert_i32_u(v32)), ref_to_float(v32, 0, 24, 127),
         v32},
        {"f32.convert_i64_s", bits32(ol__f32_convert_i64_s(v)),
         ref_to_float(mag64, (int)(v >> 63), 24, 127), v},
        {"f32.convert_i64_u", bits32(ol__f32_convert_i64_u(v)), ref_to_float(v, 0, 24, 127), v},
        {"f64.convert_i32_s", bits64(ol__f64_convert_i32_s(v32)),
         ref_to_float(mag32, (int)(v32 >> 31), 53, 1023), v32},
        {"f64.convert_i32_u", bits64(ol__f64_convert_i32_u(v32)), ref_to_float(v32, 0, 53, 1023),
         v32},
        {"f64.convert_i64_s", bits64(ol__f64_convert_i64_s(v)),
         ref_to_float(mag64, (int)(v >> 63), 53, 1023), v},
        {"f64.convert_i64_u", bits64(ol__f64_convert_i64_u(v)), ref_to_float(v, 0, 53, 1023), v},
    };
    for (int k = 0; k < 8; k++) {
        EXPECT(*fails, c[k].got == c[k].want,
               "%s(0x%" PRIx64 ") = 0x%" PRIx64 ", want 0x%" PRIx64 "\n", c[k].name, c[k].in,
               c[k].got, c[k].want);
    }
}

static void test_wasm_num_convert(void **state)
{
    (void)state;
    /* The double-rounding trap: via double, 0x8000008000000001 would round to 2^63 + 2^40 (a tie
     * in f32) and then to even, 2^63; rounded once it is just above the tie: 2^63 + 2^40. */
    assert_f32_bits(ol__f32_convert_i64_u(UINT64_C(0x8000008000000001)), 0x5f000001u);
    assert_f32_bits(ol__f32_convert_i64_u(UINT64_MAX), 0x5f800000u); /* 2^64 */
    assert_f32_bits(ol__f32_convert_i64_u(UINT64_C(0xfffffe8000000001)), 0x5f7fffffu);
    assert_f32_bits(ol__f32_convert_i64_u(UINT64_C(0x0020000020000001)), 0x5a000001u);
    assert_f32_bits(ol__f32_convert_i64_s(UINT64_C(0x8000004000000001)), 0xdeffffffu);
    assert_f32_bits(ol__f32_convert_i64_s(UINT64_C(0x8000000000000000)), 0xdf000000u);
    assert_f32_bits(ol__f32_convert_i32_u(0x80000081u), 0x4f000001u);
    assert_f32_bits(ol__f32_convert_i32_u(UINT32_MAX), 0x4f800000u);
    assert_f32_bits(ol__f32_convert_i32_s(0x80000000u), 0xcf000000u);
    assert_f32_bits(ol__f32_convert_i32_s(16777217u), 0x4b800000u);
    assert_f64_bits(ol__f64_convert_i64_u(UINT64_C(0x8000000000000401)),
                    UINT64_C(0x43e0000000000001));
    assert_f64_bits(ol__f64_convert_i64_u(UINT64_MAX), UINT64_C(0x43f0000000000000));
    assert_f64_bits(ol__f64_convert_i64_s(UINT64_C(0x8000000000000000)),
                    UINT64_C(0xc3e0000000000000));
    assert_f64_bits(ol__f64_convert_i64_s((uint64_t)-9007199254740993), /* tie to even */
                    UINT64_C(0xc340000000000000));
    assert_f64_bits(ol__f64_convert_i32_s(UINT32_MAX), UINT64_C(0xbff0000000000000));
    assert_f64_bits(ol__f64_convert_i32_u(UINT32_MAX), UINT64_C(0x41efffffffe00000));

    int fails = 0;
    uint64_t s = 10;
    /* Values of every bit length, exactly at, just below and just above each f32/f64 tie. */
    for (unsigned n = 1; n <= 64; n++) {
        for (int i = 0; i < 200; i++) {
            uint64_t top = UINT64_C(1) << (n - 1);
            uint64_t v = top | (rnd(&s) & (top - 1u));
            for (unsigned mant = 24; mant <= 53; mant += 29) {
                if (n > mant) {
                    unsigned sh = n - mant;
                    uint64_t tie = (v & ~((UINT64_C(1) << sh) - 1u)) | UINT64_C(1) << (sh - 1);
                    check_convert(tie, &fails);
                    check_convert(tie - 1u, &fails);
                    check_convert(tie + 1u, &fails);
                    check_convert(0u - tie, &fails);
                    check_convert(0u - tie - 1u, &fails);
                }
            }
            check_convert(v, &fails);
            check_convert(0u - v, &fails);
        }
    }
    for (int i = 0; i < 200000; i++) {
        check_convert(rnd(&s), &fails);
    }
    assert_int_equal(fails, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Cases from the WebAssembly spec tests (testsuite commit a8101597): every assertion of i32.wast,
 * i64.wast, f32.wast, f64.wast, f32_bitwise.wast, f64_bitwise.wast, float_misc.wast and
 * conversions.wast on an operation of this header, except the traps the interpreter raises
 * before calling one (divide by zero, INT_MIN / -1), copysign of the bitwise files (covered
 * above) and f32/f64 add..max of f32.wast/f64.wast (the same grid as the min/max test; plain
 * arithmetic only needs its NaNs canonicalised). Operands and results are bit patterns.
 * "nan:canonical" and "nan:arithmetic" results are both expected as the canonical NaN, which
 * this engine guarantees. A trap row carries 0 as its value: the output must stay untouched.
 * ------------------------------------------------------------------------------------------- */
/* Every operation of wasm_num.h, one per line. */
#define NUM_OPS(X)         \
    X(I32_CLZ)             \
    X(I32_CTZ)             \
    X(I32_POPCNT)          \
    X(I32_ROTL)            \
    X(I32_ROTR)            \
    X(I32_SHR_S)           \
    X(I32_DIV_S)           \
    X(I32_REM_S)           \
    X(I32_EXTEND8_S)       \
    X(I32_EXTEND16_S)      \
    X(I64_CLZ)             \
    X(I64_CTZ)             \
    X(I64_POPCNT)          \
    X(I64_ROTL)            \
    X(I64_ROTR)            \
    X(I64_SHR_S)           \
    X(I64_DIV_S)           \
    X(I64_REM_S)           \
    X(I64_EXTEND8_S)       \
    X(I64_EXTEND16_S)      \
    X(I64_EXTEND32_S)      \
    X(F32_ADD)             \
    X(F32_SUB)             \
    X(F32_MUL)             \
    X(F32_DIV)             \
    X(F32_MIN)             \
    X(F32_MAX)             \
    X(F32_SQRT)            \
    X(F32_CEIL)            \
    X(F32_FLOOR)           \
    X(F32_TRUNC)           \
    X(F32_NEAREST)         \
    X(F32_ABS)             \
    X(F32_NEG)             \
    X(F32_COPYSIGN)        \
    X(F64_ADD)             \
    X(F64_SUB)             \
    X(F64_MUL)             \
    X(F64_DIV)             \
    X(F64_MIN)             \
    X(F64_MAX)             \
    X(F64_SQRT)            \
    X(F64_CEIL)            \
    X(F64_FLOOR)           \
    X(F64_TRUNC)           \
    X(F64_NEAREST)         \
    X(F64_ABS)             \
    X(F64_NEG)             \
    X(F64_COPYSIGN)        \
    X(F32_DEMOTE_F64)      \
    X(F64_PROMOTE_F32)     \
    X(I32_TRUNC_F32_S)     \
    X(I32_TRUNC_F32_U)     \
    X(I32_TRUNC_F64_S)     \
    X(I32_TRUNC_F64_U)     \
    X(I64_TRUNC_F32_S)     \
    X(I64_TRUNC_F32_U)     \
    X(I64_TRUNC_F64_S)     \
    X(I64_TRUNC_F64_U)     \
    X(I32_TRUNC_SAT_F32_S) \
    X(I32_TRUNC_SAT_F32_U) \
    X(I32_TRUNC_SAT_F64_S) \
    X(I32_TRUNC_SAT_F64_U) \
    X(I64_TRUNC_SAT_F32_S) \
    X(I64_TRUNC_SAT_F32_U) \
    X(I64_TRUNC_SAT_F64_S) \
    X(I64_TRUNC_SAT_F64_U) \
    X(F32_CONVERT_I32_S)   \
    X(F32_CONVERT_I32_U)   \
    X(F32_CONVERT_I64_S)   \
    X(F32_CONVERT_I64_U)   \
    X(F64_CONVERT_I32_S)   \
    X(F64_CONVERT_I32_U)   \
    X(F64_CONVERT_I64_S)   \
    X(F64_CONVERT_I64_U)

typedef enum num_op {
#define NUM_OP_ENUM(name) OP_##name,
    NUM_OPS(NUM_OP_ENUM)
#undef NUM_OP_ENUM
} num_op;

static const char *const op_names[] = {
#define NUM_OP_NAME(name) #name,
    NUM_OPS(NUM_OP_NAME)
#undef NUM_OP_NAME
};

/* Runs one operation on raw operand bits; *out gets the result bits (0 after a clean trap). */
static ol_wasm_trap_kind run_op(num_op op, uint64_t a, uint64_t b, uint64_t *out)
{
    uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
    float fa = flt32(a32), fb = flt32(b32);
    double da = dbl64(a), db = dbl64(b);
    ol_wasm_trap_kind k = OL_WASM_TRAP_NONE;
    uint64_t r = 0;
    switch (op) {
    case OP_I32_CLZ:
        r = ol__i32_clz(a32);
        break;
    case OP_I32_CTZ:
        r = ol__i32_ctz(a32);
        break;
    case OP_I32_POPCNT:
        r = ol__i32_popcnt(a32);
        break;
    case OP_I32_ROTL:
        r = ol__i32_rotl(a32, b32);
        break;
    case OP_I32_ROTR:
        r = ol__i32_rotr(a32, b32);
        break;
    case OP_I32_SHR_S:
        r = ol__i32_shr_s(a32, b32);
        break;
    case OP_I32_DIV_S:
        r = ol__i32_div_s(a32, b32);
        break;
    case OP_I32_REM_S:
        r = ol__i32_rem_s(a32, b32);
        break;
    case OP_I32_EXTEND8_S:
        r = ol__i32_extend8_s(a32);
        break;
    case OP_I32_EXTEND16_S:
        r = ol__i32_extend16_s(a32);
        break;
    case OP_I64_CLZ:
        r = ol__i64_clz(a);
        break;
    case OP_I64_CTZ:
        r = ol__i64_ctz(a);
        break;
    case OP_I64_POPCNT:
        r = ol__i64_popcnt(a);
        break;
    case OP_I64_ROTL:
        r = ol__i64_rotl(a, b);
        break;
    case OP_I64_ROTR:
        r = ol__i64_rotr(a, b);
        break;
    case OP_I64_SHR_S:
        r = ol__i64_shr_s(a, b);
        break;
    case OP_I64_DIV_S:
        r = ol__i64_div_s(a, b);
        break;
    case OP_I64_REM_S:
        r = ol__i64_rem_s(a, b);
        break;
    case OP_I64_EXTEND8_S:
        r = ol__i64_extend8_s(a);
        break;
    case OP_I64_EXTEND16_S:
        r = ol__i64_extend16_s(a);
        break;
    case OP_I64_EXTEND32_S:
        r = ol__i64_extend32_s(a);
        break;
    case OP_F32_ADD:
        r = bits32(ol__f32_add(fa, fb));
        break;
    case OP_F32_SUB:
        r = bits32(ol__f32_sub(fa, fb));
        break;
    case OP_F32_MUL:
        r = bits32(ol__f32_mul(fa, fb));
        break;
    case OP_F32_DIV:
        r = bits32(ol__f32_div(fa, fb));
        break;
    case OP_F32_MIN:
        r = bits32(ol__f32_min(fa, fb));
        break;
    case OP_F32_MAX:
        r = bits32(ol__f32_max(fa, fb));
        break;
    case OP_F32_SQRT:
        r = bits32(ol__f32_sqrt(fa));
        break;
    case OP_F32_CEIL:
        r = bits32(ol__f32_ceil(fa));
        break;
    case OP_F32_FLOOR:
        r = bits32(ol__f32_floor(fa));
        break;
    case OP_F32_TRUNC:
        r = bits32(ol__f32_trunc(fa));
        break;
    case OP_F32_NEAREST:
        r = bits32(ol__f32_nearest(fa));
        break;
    case OP_F32_ABS:
        r = ol__f32_abs_bits(a32);
        break;
    case OP_F32_NEG:
        r = ol__f32_neg_bits(a32);
        break;
    case OP_F32_COPYSIGN:
        r = ol__f32_copysign_bits(a32, b32);
        break;
    case OP_F64_ADD:
        r = bits64(ol__f64_add(da, db));
        break;
    case OP_F64_SUB:
        r = bits64(ol__f64_sub(da, db));
        break;
    case OP_F64_MUL:
        r = bits64(ol__f64_mul(da, db));
        break;
    case OP_F64_DIV:
        r = bits64(ol__f64_div(da, db));
        break;
    case OP_F64_MIN:
        r = bits64(ol__f64_min(da, db));
        break;
    case OP_F64_MAX:
        r = bits64(ol__f64_max(da, db));
        break;
    case OP_F64_SQRT:
        r = bits64(ol__f64_sqrt(da));
        break;
    case OP_F64_CEIL:
        r = bits64(ol__f64_ceil(da));
        break;
    case OP_F64_FLOOR:
        r = bits64(ol__f64_floor(da));
        break;
    case OP_F64_TRUNC:
        r = bits64(ol__f64_trunc(da));
        break;
    case OP_F64_NEAREST:
        r = bits64(ol__f64_nearest(da));
        break;
    case OP_F64_ABS:
        r = ol__f64_abs_bits(a);
        break;
    case OP_F64_NEG:
        r = ol__f64_neg_bits(a);
        break;
    case OP_F64_COPYSIGN:
        r = ol__f64_copysign_bits(a, b);
        break;
    case OP_F32_DEMOTE_F64:
        r = bits32(ol__f32_demote_f64(da));
        break;
    case OP_F64_PROMOTE_F32:
        r = bits64(ol__f64_promote_f32(fa));
        break;
    case OP_I32_TRUNC_F32_S:
        k = w_i32_trunc_f32_s(fa, &r);
        break;
    case OP_I32_TRUNC_F32_U:
        k = w_i32_trunc_f32_u(fa, &r);
        break;
    case OP_I32_TRUNC_F64_S:
        k = w_i32_trunc_f64_s(da, &r);
        break;
    case OP_I32_TRUNC_F64_U:
        k = w_i32_trunc_f64_u(da, &r);
        break;
    case OP_I64_TRUNC_F32_S:
        k = w_i64_trunc_f32_s(fa, &r);
        break;
    case OP_I64_TRUNC_F32_U:
        k = w_i64_trunc_f32_u(fa, &r);
        break;
    case OP_I64_TRUNC_F64_S:
        k = w_i64_trunc_f64_s(da, &r);
        break;
    case OP_I64_TRUNC_F64_U:
        k = w_i64_trunc_f64_u(da, &r);
        break;
    case OP_I32_TRUNC_SAT_F32_S:
        r = ol__i32_trunc_sat_f32_s(fa);
        break;
    case OP_I32_TRUNC_SAT_F32_U:
        r = ol__i32_trunc_sat_f32_u(fa);
        break;
    case OP_I32_TRUNC_SAT_F64_S:
        r = ol__i32_trunc_sat_f64_s(da);
        break;
    case OP_I32_TRUNC_SAT_F64_U:
        r = ol__i32_trunc_sat_f64_u(da);
        break;
    case OP_I64_TRUNC_SAT_F32_S:
        r = ol__i64_trunc_sat_f32_s(fa);
        break;
    case OP_I64_TRUNC_SAT_F32_U:
        r = ol__i64_trunc_sat_f32_u(fa);
        break;
    case OP_I64_TRUNC_SAT_F64_S:
        r = ol__i64_trunc_sat_f64_s(da);
        break;
    case OP_I64_TRUNC_SAT_F64_U:
        r = ol__i64_trunc_sat_f64_u(da);
        break;
    case OP_F32_CONVERT_I32_S:
        r = bits32(ol__f32_convert_i32_s(a32));
        break;
    case OP_F32_CONVERT_I32_U:
        r = bits32(ol__f32_convert_i32_u(a32));
        break;
    case OP_F32_CONVERT_I64_S:
        r = bits32(ol__f32_convert_i64_s(a));
        break;
    case OP_F32_CONVERT_I64_U:
        r = bits32(ol__f32_convert_i64_u(a));
        break;
    case OP_F64_CONVERT_I32_S:
        r = bits64(ol__f64_convert_i32_s(a32));
        break;
    case OP_F64_CONVERT_I32_U:
        r = bits64(ol__f64_convert_i32_u(a32));
        break;
    case OP_F64_CONVERT_I64_S:
        r = bits64(ol__f64_convert_i64_s(a));
        break;
    case OP_F64_CONVERT_I64_U:
        r = bits64(ol__f64_convert_i64_u(a));
        break;
    }
    if (k != OL_WASM_TRAP_NONE) {
        r = (r == SENT32 || r == SENT64) ? 0 : r; /* anything else: written despite the trap */
    }
    *out = r;
    return k;
}

typedef struct spec_case {
    num_op op;
    uint64_t a, b, want;
    ol_wasm_trap_kind trap;
    const char *file;
    int line;
} spec_case;

#define T(kind)    OL_WASM_TRAP_##kind
#define W(f, line) SRC_##f, line
#define SRC_i32    "i32.wast"
#define SRC_i64    "i64.wast"
#define SRC_f32    "f32.wast"
#define SRC_f64    "f64.wast"
#define SRC_f32b   "f32_bitwise.wast"
#define SRC_f64b   "f64_bitwise.wast"
#define SRC_misc   "float_misc.wast"
#define SRC_conv   "conversions.wast"

/* {op, operand a, operand b (0 if unary), result, trap (0 = none), where} */
static const spec_case spec_cases[] = {
    /* i32.wast */
    {OP_I32_DIV_S, 1, 1, 1, 0, W(i32, 68)},
    {OP_I32_DIV_S, 0, 1, 0, 0, W(i32, 69)},
    {OP_I32_DIV_S, 0, 0xffffffff, 0, 0, W(i32, 70)},
    {OP_I32_DIV_S, 0xffffffff, 0xffffffff, 1, 0, W(i32, 71)},
    {OP_I32_DIV_S, 0x80000000, 2, 0xc0000000, 0, W(i32, 72)},
    {OP_I32_DIV_S, 0x80000001, 0x3e8, 0xffdf3b65, 0, W(i32, 73)},
    {OP_I32_DIV_S, 5, 2, 2, 0, W(i32, 74)},
    {OP_I32_DIV_S, 0xfffffffb, 2, 0xfffffffe, 0, W(i32, 75)},
    {OP_I32_DIV_S, 5, 0xfffffffe, 0xfffffffe, 0, W(i32, 76)},
    {OP_I32_DIV_S, 0xfffffffb, 0xfffffffe, 2, 0, W(i32, 77)},
    {OP_I32_DIV_S, 7, 3, 2, 0, W(i32, 78)},
    {OP_I32_DIV_S, 0xfffffff9, 3, 0xfffffffe, 0, W(i32, 79)},
    {OP_I32_DIV_S, 7, 0xfffffffd, 0xfffffffe, 0, W(i32, 80)},
    {OP_I32_DIV_S, 0xfffffff9, 0xfffffffd, 2, 0, W(i32, 81)},
    {OP_I32_DIV_S, 0xb, 5, 2, 0, W(i32, 82)},
    {OP_I32_DIV_S, 0x11, 7, 2, 0, W(i32, 83)},
    {OP_I32_REM_S, 0x7fffffff, 0xffffffff, 0, 0, W(i32, 104)},
    {OP_I32_REM_S, 1, 1, 0, 0, W(i32, 105)},
    {OP_I32_REM_S, 0, 1, 0, 0, W(i32, 106)},
    {OP_I32_REM_S, 0, 0xffffffff, 0, 0, W(i32, 107)},
    {OP_I32_REM_S, 0xffffffff, 0xffffffff, 0, 0, W(i32, 108)},
    {OP_I32_REM_S, 0x80000000, 0xffffffff, 0, 0, W(i32, 109)},
    {OP_I32_REM_S, 0x80000000, 2, 0, 0, W(i32, 110)},
    {OP_I32_REM_S, 0x80000001, 0x3e8, 0xfffffd79, 0, W(i32, 111)},
    {OP_I32_REM_S, 5, 2, 1, 0, W(i32, 112)},
    {OP_I32_REM_S, 0xfffffffb, 2, 0xffffffff, 0, W(i32, 113)},
    {OP_I32_REM_S, 5, 0xfffffffe, 1, 0, W(i32, 114)},
    {OP_I32_REM_S, 0xfffffffb, 0xfffffffe, 0xffffffff, 0, W(i32, 115)},
    {OP_I32_REM_S, 7, 3, 1, 0, W(i32, 116)},
    {OP_I32_REM_S, 0xfffffff9, 3, 0xffffffff, 0, W(i32, 117)},
    {OP_I32_REM_S, 7, 0xfffffffd, 1, 0, W(i32, 118)},
    {OP_I32_REM_S, 0xfffffff9, 0xfffffffd, 0xffffffff, 0, W(i32, 119)},
    {OP_I32_REM_S, 0xb, 5, 1, 0, W(i32, 120)},
    {OP_I32_REM_S, 0x11, 7, 3, 0, W(i32, 121)},
    {OP_I32_SHR_S, 1, 1, 0, 0, W(i32, 181)},
    {OP_I32_SHR_S, 1, 0, 1, 0, W(i32, 182)},
    {OP_I32_SHR_S, 0xffffffff, 1, 0xffffffff, 0, W(i32, 183)},
    {OP_I32_SHR_S, 0x7fffffff, 1, 0x3fffffff, 0, W(i32, 184)},
    {OP_I32_SHR_S, 0x80000000, 1, 0xc0000000, 0, W(i32, 185)},
    {OP_I32_SHR_S, 0x40000000, 1, 0x20000000, 0, W(i32, 186)},
    {OP_I32_SHR_S, 1, 0x20, 1, 0, W(i32, 187)},
    {OP_I32_SHR_S, 1, 0x21, 0, 0, W(i32, 188)},
    {OP_I32_SHR_S, 1, 0xffffffff, 0, 0, W(i32, 189)},
    {OP_I32_SHR_S, 1, 0x7fffffff, 0, 0, W(i32, 190)},
    {OP_I32_SHR_S, 1, 0x80000000, 1, 0, W(i32, 191)},
    {OP_I32_SHR_S, 0x80000000, 0x1f, 0xffffffff, 0, W(i32, 192)},
    {OP_I32_SHR_S, 0xffffffff, 0x20, 0xffffffff, 0, W(i32, 193)},
    {OP_I32_SHR_S, 0xffffffff, 0x21, 0xffffffff, 0, W(i32, 194)},
    {OP_I32_SHR_S, 0xffffffff, 0xffffffff, 0xffffffff, 0, W(i32, 195)},
    {OP_I32_SHR_S, 0xffffffff, 0x7fffffff, 0xffffffff, 0, W(i32, 196)},
    {OP_I32_SHR_S, 0xffffffff, 0x80000000, 0xffffffff, 0, W(i32, 197)},
    {OP_I32_ROTL, 1, 1, 2, 0, W(i32, 217)},
    {OP_I32_ROTL, 1, 0, 1, 0, W(i32, 218)},
    {OP_I32_ROTL, 0xffffffff, 1, 0xffffffff, 0, W(i32, 219)},
    {OP_I32_ROTL, 1, 0x20, 1, 0, W(i32, 220)},
    {OP_I32_ROTL, 0xabcd9876, 1, 0x579b30ed, 0, W(i32, 221)},
    {OP_I32_ROTL, 0xfe00dc00, 4, 0xe00dc00f, 0, W(i32, 222)},
    {OP_I32_ROTL, 0xb0c1d2e3, 5, 0x183a5c76, 0, W(i32, 223)},
    {OP_I32_ROTL, 0x8000, 0x25, 0x100000, 0, W(i32, 224)},
    {OP_I32_ROTL, 0xb0c1d2e3, 0xff05, 0x183a5c76, 0, W(i32, 225)},
    {OP_I32_ROTL, 0x769abcdf, 0xffffffed, 0x579beed3, 0, W(i32, 226)},
    {OP_I32_ROTL, 0x769abcdf, 0x8000000d, 0x579beed3, 0, W(i32, 227)},
    {OP_I32_ROTL, 1, 0x1f, 0x80000000, 0, W(i32, 228)},
    {OP_I32_ROTL, 0x80000000, 1, 1, 0, W(i32, 229)},
    {OP_I32_ROTR, 1, 1, 0x80000000, 0, W(i32, 231)},
    {OP_I32_ROTR, 1, 0, 1, 0, W(i32, 232)},
    {OP_I32_ROTR, 0xffffffff, 1, 0xffffffff, 0, W(i32, 233)},
    {OP_I32_ROTR, 1, 0x20, 1, 0, W(i32, 234)},
    {OP_I32_ROTR, 0xff00cc00, 1, 0x7f806600, 0, W(i32, 235)},
    {OP_I32_ROTR, 0x80000, 4, 0x8000, 0, W(i32, 236)},
    {OP_I32_ROTR, 0xb0c1d2e3, 5, 0x1d860e97, 0, W(i32, 237)},
    {OP_I32_ROTR, 0x8000, 0x25, 0x400, 0, W(i32, 238)},
    {OP_I32_ROTR, 0xb0c1d2e3, 0xff05, 0x1d860e97, 0, W(i32, 239)},
    {OP_I32_ROTR, 0x769abcdf, 0xffffffed, 0xe6fbb4d5, 0, W(i32, 240)},
    {OP_I32_ROTR, 0x769abcdf, 0x8000000d, 0xe6fbb4d5, 0, W(i32, 241)},
    {OP_I32_ROTR, 1, 0x1f, 2, 0, W(i32, 242)},
    {OP_I32_ROTR, 0x80000000, 0x1f, 1, 0, W(i32, 243)},
    {OP_I32_CLZ, 0xffffffff, 0, 0, 0, W(i32, 245)},
    {OP_I32_CLZ, 0, 0, 0x20, 0, W(i32, 246)},
    {OP_I32_CLZ, 0x8000, 0, 0x10, 0, W(i32, 247)},
    {OP_I32_CLZ, 0xff, 0, 0x18, 0, W(i32, 248)},
    {OP_I32_CLZ, 0x80000000, 0, 0, 0, W(i32, 249)},
    {OP_I32_CLZ, 1, 0, 0x1f, 0, W(i32, 250)},
    {OP_I32_CLZ, 2, 0, 0x1e, 0, W(i32, 251)},
    {OP_I32_CLZ, 0x7fffffff, 0, 1, 0, W(i32, 252)},
    {OP_I32_CTZ, 0xffffffff, 0, 0, 0, W(i32, 254)},
    {OP_I32_CTZ, 0, 0, 0x20, 0, W(i32, 255)},
    {OP_I32_CTZ, 0x8000, 0, 0xf, 0, W(i32, 256)},
    {OP_I32_CTZ, 0x10000, 0, 0x10, 0, W(i32, 257)},
    {OP_I32_CTZ, 0x80000000, 0, 0x1f, 0, W(i32, 258)},
    {OP_I32_CTZ, 0x7fffffff, 0, 0, 0, W(i32, 259)},
    {OP_I32_POPCNT, 0xffffffff, 0, 0x20, 0, W(i32, 261)},
    {OP_I32_POPCNT, 0, 0, 0, 0, W(i32, 262)},
    {OP_I32_POPCNT, 0x8000, 0, 1, 0, W(i32, 263)},
    {OP_I32_POPCNT, 0x80008000, 0, 2, 0, W(i32, 264)},
    {OP_I32_POPCNT, 0x7fffffff, 0, 0x1f, 0, W(i32, 265)},
    {OP_I32_POPCNT, 0xaaaaaaaa, 0, 0x10, 0, W(i32, 266)},
    {OP_I32_POPCNT, 0x55555555, 0, 0x10, 0, W(i32, 267)},
    {OP_I32_POPCNT, 0xdeadbeef, 0, 0x18, 0, W(i32, 268)},
    {OP_I32_EXTEND8_S, 0, 0, 0, 0, W(i32, 270)},
    {OP_I32_EXTEND8_S, 0x7f, 0, 0x7f, 0, W(i32, 271)},
    {OP_I32_EXTEND8_S, 0x80, 0, 0xffffff80, 0, W(i32, 272)},
    {OP_I32_EXTEND8_S, 0xff, 0, 0xffffffff, 0, W(i32, 273)},
    {OP_I32_EXTEND8_S, 0x1234500, 0, 0, 0, W(i32, 274)},
    {OP_I32_EXTEND8_S, 0xfedcba80, 0, 0xffffff80, 0, W(i32, 275)},
    {OP_I32_EXTEND8_S, 0xffffffff, 0, 0xffffffff, 0, W(i32, 276)},
    {OP_I32_EXTEND16_S, 0, 0, 0, 0, W(i32, 278)},
    {OP_I32_EXTEND16_S, 0x7fff, 0, 0x7fff, 0, W(i32, 279)},
    {OP_I32_EXTEND16_S, 0x8000, 0, 0xffff8000, 0, W(i32, 280)},
    {OP_I32_EXTEND16_S, 0xffff, 0, 0xffffffff, 0, W(i32, 281)},
    {OP_I32_EXTEND16_S, 0x1230000, 0, 0, 0, W(i32, 282)},
    {OP_I32_EXTEND16_S, 0xfedc8000, 0, 0xffff8000, 0, W(i32, 283)},
    {OP_I32_EXTEND16_S, 0xffffffff, 0, 0xffffffff, 0, W(i32, 284)},
    /* i64.wast */
    {OP_I64_DIV_S, 1, 1, 1, 0, W(i64, 69)},
    {OP_I64_DIV_S, 0, 1, 0, 0, W(i64, 70)},
    {OP_I64_DIV_S, 0, 0xffffffffffffffff, 0, 0, W(i64, 71)},
    {OP_I64_DIV_S, 0xffffffffffffffff, 0xffffffffffffffff, 1, 0, W(i64, 72)},
    {OP_I64_DIV_S, 0x8000000000000000, 2, 0xc000000000000000, 0, W(i64, 73)},
    {OP_I64_DIV_S, 0x8000000000000001, 0x3e8, 0xffdf3b645a1cac09, 0, W(i64, 74)},
    {OP_I64_DIV_S, 5, 2, 2, 0, W(i64, 75)},
    {OP_I64_DIV_S, 0xfffffffffffffffb, 2, 0xfffffffffffffffe, 0, W(i64, 76)},
    {OP_I64_DIV_S, 5, 0xfffffffffffffffe, 0xfffffffffffffffe, 0, W(i64, 77)},
    {OP_I64_DIV_S, 0xfffffffffffffffb, 0xfffffffffffffffe, 2, 0, W(i64, 78)},
    {OP_I64_DIV_S, 7, 3, 2, 0, W(i64, 79)},
    {OP_I64_DIV_S, 0xfffffffffffffff9, 3, 0xfffffffffffffffe, 0, W(i64, 80)},
    {OP_I64_DIV_S, 7, 0xfffffffffffffffd, 0xfffffffffffffffe, 0, W(i64, 81)},
    {OP_I64_DIV_S, 0xfffffffffffffff9, 0xfffffffffffffffd, 2, 0, W(i64, 82)},
    {OP_I64_DIV_S, 0xb, 5, 2, 0, W(i64, 83)},
    {OP_I64_DIV_S, 0x11, 7, 2, 0, W(i64, 84)},
    {OP_I64_REM_S, 0x7fffffffffffffff, 0xffffffffffffffff, 0, 0, W(i64, 105)},
    {OP_I64_REM_S, 1, 1, 0, 0, W(i64, 106)},
    {OP_I64_REM_S, 0, 1, 0, 0, W(i64, 107)},
    {OP_I64_REM_S, 0, 0xffffffffffffffff, 0, 0, W(i64, 108)},
    {OP_I64_REM_S, 0xffffffffffffffff, 0xffffffffffffffff, 0, 0, W(i64, 109)},
    {OP_I64_REM_S, 0x8000000000000000, 0xffffffffffffffff, 0, 0, W(i64, 110)},
    {OP_I64_REM_S, 0x8000000000000000, 2, 0, 0, W(i64, 111)},
    {OP_I64_REM_S, 0x8000000000000001, 0x3e8, 0xfffffffffffffcd9, 0, W(i64, 112)},
    {OP_I64_REM_S, 5, 2, 1, 0, W(i64, 113)},
    {OP_I64_REM_S, 0xfffffffffffffffb, 2, 0xffffffffffffffff, 0, W(i64, 114)},
    {OP_I64_REM_S, 5, 0xfffffffffffffffe, 1, 0, W(i64, 115)},
    {OP_I64_REM_S, 0xfffffffffffffffb, 0xfffffffffffffffe, 0xffffffffffffffff, 0, W(i64, 116)},
    {OP_I64_REM_S, 7, 3, 1, 0, W(i64, 117)},
    {OP_I64_REM_S, 0xfffffffffffffff9, 3, 0xffffffffffffffff, 0, W(i64, 118)},
    {OP_I64_REM_S, 7, 0xfffffffffffffffd, 1, 0, W(i64, 119)},
    {OP_I64_REM_S, 0xfffffffffffffff9, 0xfffffffffffffffd, 0xffffffffffffffff, 0, W(i64, 120)},
    {OP_I64_REM_S, 0xb, 5, 1, 0, W(i64, 121)},
    {OP_I64_REM_S, 0x11, 7, 3, 0, W(i64, 122)},
    {OP_I64_SHR_S, 1, 1, 0, 0, W(i64, 182)},
    {OP_I64_SHR_S, 1, 0, 1, 0, W(i64, 183)},
    {OP_I64_SHR_S, 0xffffffffffffffff, 1, 0xffffffffffffffff, 0, W(i64, 184)},
    {OP_I64_SHR_S, 0x7fffffffffffffff, 1, 0x3fffffffffffffff, 0, W(i64, 185)},
    {OP_I64_SHR_S, 0x8000000000000000, 1, 0xc000000000000000, 0, W(i64, 186)},
    {OP_I64_SHR_S, 0x4000000000000000, 1, 0x2000000000000000, 0, W(i64, 187)},
    {OP_I64_SHR_S, 1, 0x40, 1, 0, W(i64, 188)},
    {OP_I64_SHR_S, 1, 0x41, 0, 0, W(i64, 189)},
    {OP_I64_SHR_S, 1, 0xffffffffffffffff, 0, 0, W(i64, 190)},
    {OP_I64_SHR_S, 1, 0x7fffffffffffffff, 0, 0, W(i64, 191)},
    {OP_I64_SHR_S, 1, 0x8000000000000000, 1, 0, W(i64, 192)},
    {OP_I64_SHR_S, 0x8000000000000000, 0x3f, 0xffffffffffffffff, 0, W(i64, 193)},
    {OP_I64_SHR_S, 0xffffffffffffffff, 0x40, 0xffffffffffffffff, 0, W(i64, 194)},
    {OP_I64_SHR_S, 0xffffffffffffffff, 0x41, 0xffffffffffffffff, 0, W(i64, 195)},
    {OP_I64_SHR_S, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0, W(i64, 196)},
    {OP_I64_SHR_S, 0xffffffffffffffff, 0x7fffffffffffffff, 0xffffffffffffffff, 0, W(i64, 197)},
    {OP_I64_SHR_S, 0xffffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0, W(i64, 198)},
    {OP_I64_ROTL, 1, 1, 2, 0, W(i64, 218)},
    {OP_I64_ROTL, 1, 0, 1, 0, W(i64, 219)},
    {OP_I64_ROTL, 0xffffffffffffffff, 1, 0xffffffffffffffff, 0, W(i64, 220)},
    {OP_I64_ROTL, 1, 0x40, 1, 0, W(i64, 221)},
    {OP_I64_ROTL, 0xabcd987602468ace, 1, 0x579b30ec048d159d, 0, W(i64, 222)},
    {OP_I64_ROTL, 0xfe000000dc000000, 4, 0xe000000dc000000f, 0, W(i64, 223)},
    {OP_I64_ROTL, 0xabcd1234ef567809, 0x35, 0x13579a2469deacf, 0, W(i64, 224)},
    {OP_I64_ROTL, 0xabd1234ef567809c, 0x3f, 0x55e891a77ab3c04e, 0, W(i64, 225)},
    {OP_I64_ROTL, 0xabcd1234ef567809, 0xf5, 0x13579a2469deacf, 0, W(i64, 226)},
    {OP_I64_ROTL, 0xabcd7294ef567809, 0xffffffffffffffed, 0xcf013579ae529dea, 0, W(i64, 227)},
    {OP_I64_ROTL, 0xabd1234ef567809c, 0x800000000000003f, 0x55e891a77ab3c04e, 0, W(i64, 228)},
    {OP_I64_ROTL, 1, 0x3f, 0x8000000000000000, 0, W(i64, 229)},
    {OP_I64_ROTL, 0x8000000000000000, 1, 1, 0, W(i64, 230)},
    {OP_I64_ROTR, 1, 1, 0x8000000000000000, 0, W(i64, 232)},
    {OP_I64_ROTR, 1, 0, 1, 0, W(i64, 233)},
    {OP_I64_ROTR, 0xffffffffffffffff, 1, 0xffffffffffffffff, 0, W(i64, 234)},
    {OP_I64_ROTR, 1, 0x40, 1, 0, W(i64, 235)},
    {OP_I64_ROTR, 0xabcd987602468ace, 1, 0x55e6cc3b01234567, 0, W(i64, 236)},
    {OP_I64_ROTR, 0xfe000000dc000000, 4, 0xfe000000dc00000, 0, W(i64, 237)},
    {OP_I64_ROTR, 0xabcd1234ef567809, 0x35, 0x6891a77ab3c04d5e, 0, W(i64, 238)},
    {OP_I64_ROTR, 0xabd1234ef567809c, 0x3f, 0x57a2469deacf0139, 0, W(i64, 239)},
    {OP_I64_ROTR, 0xabcd1234ef567809, 0xf5, 0x6891a77ab3c04d5e, 0, W(i64, 240)},
    {OP_I64_ROTR, 0xabcd7294ef567809, 0xffffffffffffffed, 0x94a77ab3c04d5e6b, 0, W(i64, 241)},
    {OP_I64_ROTR, 0xabd1234ef567809c, 0x800000000000003f, 0x57a2469deacf0139, 0, W(i64, 242)},
    {OP_I64_ROTR, 1, 0x3f, 2, 0, W(i64, 243)},
    {OP_I64_ROTR, 0x8000000000000000, 0x3f, 1, 0, W(i64, 244)},
    {OP_I64_CLZ, 0xffffffffffffffff, 0, 0, 0, W(i64, 246)},
    {OP_I64_CLZ, 0, 0, 0x40, 0, W(i64, 247)},
    {OP_I64_CLZ, 0x8000, 0, 0x30, 0, W(i64, 248)},
    {OP_I64_CLZ, 0xff, 0, 0x38, 0, W(i64, 249)},
    {OP_I64_CLZ, 0x8000000000000000, 0, 0, 0, W(i64, 250)},
    {OP_I64_CLZ, 1, 0, 0x3f, 0, W(i64, 251)},
    {OP_I64_CLZ, 2, 0, 0x3e, 0, W(i64, 252)},
    {OP_I64_CLZ, 0x7fffffffffffffff, 0, 1, 0, W(i64, 253)},
    {OP_I64_CTZ, 0xffffffffffffffff, 0, 0, 0, W(i64, 255)},
    {OP_I64_CTZ, 0, 0, 0x40, 0, W(i64, 256)},
    {OP_I64_CTZ, 0x8000, 0, 0xf, 0, W(i64, 257)},
    {OP_I64_CTZ, 0x10000, 0, 0x10, 0, W(i64, 258)},
    {OP_I64_CTZ, 0x8000000000000000, 0, 0x3f, 0, W(i64, 259)},
    {OP_I64_CTZ, 0x7fffffffffffffff, 0, 0, 0, W(i64, 260)},
    {OP_I64_POPCNT, 0xffffffffffffffff, 0, 0x40, 0, W(i64, 262)},
    {OP_I64_POPCNT, 0, 0, 0, 0, W(i64, 263)},
    {OP_I64_POPCNT, 0x8000, 0, 1, 0, W(i64, 264)},
    {OP_I64_POPCNT, 0x8000800080008000, 0, 4, 0, W(i64, 265)},
    {OP_I64_POPCNT, 0x7fffffffffffffff, 0, 0x3f, 0, W(i64, 266)},
    {OP_I64_POPCNT, 0xaaaaaaaa55555555, 0, 0x20, 0, W(i64, 267)},
    {OP_I64_POPCNT, 0x99999999aaaaaaaa, 0, 0x20, 0, W(i64, 268)},
    {OP_I64_POPCNT, 0xdeadbeefdeadbeef, 0, 0x30, 0, W(i64, 269)},
    {OP_I64_EXTEND8_S, 0, 0, 0, 0, W(i64, 271)},
    {OP_I64_EXTEND8_S, 0x7f, 0, 0x7f, 0, W(i64, 272)},
    {OP_I64_EXTEND8_S, 0x80, 0, 0xffffffffffffff80, 0, W(i64, 273)},
    {OP_I64_EXTEND8_S, 0xff, 0, 0xffffffffffffffff, 0, W(i64, 274)},
    {OP_I64_EXTEND8_S, 0x123456789abcd00, 0, 0, 0, W(i64, 275)},
    {OP_I64_EXTEND8_S, 0xfedcba9876543280, 0, 0xffffffffffffff80, 0, W(i64, 276)},
    {OP_I64_EXTEND8_S, 0xffffffffffffffff, 0, 0xffffffffffffffff, 0, W(i64, 277)},
    {OP_I64_EXTEND16_S, 0, 0, 0, 0, W(i64, 279)},
    {OP_I64_EXTEND16_S, 0x7fff, 0, 0x7fff, 0, W(i64, 280)},
    {OP_I64_EXTEND16_S, 0x8000, 0, 0xffffffffffff8000, 0, W(i64, 281)},
    {OP_I64_EXTEND16_S, 0xffff, 0, 0xffffffffffffffff, 0, W(i64, 282)},
    {OP_I64_EXTEND16_S, 0x123456789abc0000, 0, 0, 0, W(i64, 283)},
    {OP_I64_EXTEND16_S, 0xfedcba9876548000, 0, 0xffffffffffff8000, 0, W(i64, 284)},
    {OP_I64_EXTEND16_S, 0xffffffffffffffff, 0, 0xffffffffffffffff, 0, W(i64, 285)},
    {OP_I64_EXTEND32_S, 0, 0, 0, 0, W(i64, 287)},
    {OP_I64_EXTEND32_S, 0x7fff, 0, 0x7fff, 0, W(i64, 288)},
    {OP_I64_EXTEND32_S, 0x8000, 0, 0x8000, 0, W(i64, 289)},
    {OP_I64_EXTEND32_S, 0xffff, 0, 0xffff, 0, W(i64, 290)},
    {OP_I64_EXTEND32_S, 0x7fffffff, 0, 0x7fffffff, 0, W(i64, 291)},
    {OP_I64_EXTEND32_S, 0x80000000, 0, 0xffffffff80000000, 0, W(i64, 292)},
    {OP_I64_EXTEND32_S, 0xffffffff, 0, 0xffffffffffffffff, 0, W(i64, 293)},
    {OP_I64_EXTEND32_S, 0x123456700000000, 0, 0, 0, W(i64, 294)},
    {OP_I64_EXTEND32_S, 0xfedcba9880000000, 0, 0xffffffff80000000, 0, W(i64, 295)},
    {OP_I64_EXTEND32_S, 0xffffffffffffffff, 0, 0xffffffffffffffff, 0, W(i64, 296)},
    /* f32.wast */
    {OP_F32_SQRT, 0x80000000, 0, 0x80000000, 0, W(f32, 2419)},
    {OP_F32_SQRT, 0, 0, 0, 0, W(f32, 2420)},
    {OP_F32_SQRT, 0x80000001, 0, 0x7fc00000, 0, W(f32, 2421)},
    {OP_F32_SQRT, 1, 0, 0x1a3504f3, 0, W(f32, 2422)},
    {OP_F32_SQRT, 0x80800000, 0, 0x7fc00000, 0, W(f32, 2423)},
    {OP_F32_SQRT, 0x800000, 0, 0x20000000, 0, W(f32, 2424)},
    {OP_F32_SQRT, 0xbf000000, 0, 0x7fc00000, 0, W(f32, 2425)},
    {OP_F32_SQRT, 0x3f000000, 0, 0x3f3504f3, 0, W(f32, 2426)},
    {OP_F32_SQRT, 0xbf800000, 0, 0x7fc00000, 0, W(f32, 2427)},
    {OP_F32_SQRT, 0x3f800000, 0, 0x3f800000, 0, W(f32, 2428)},
    {OP_F32_SQRT, 0xc0c90fdb, 0, 0x7fc00000, 0, W(f32, 2429)},
    {OP_F32_SQRT, 0x40c90fdb, 0, 0x40206c99, 0, W(f32, 2430)},
    {OP_F32_SQRT, 0xff7fffff, 0, 0x7fc00000, 0, W(f32, 2431)},
    {OP_F32_SQRT, 0x7f7fffff, 0, 0x5f7fffff, 0, W(f32, 2432)},
    {OP_F32_SQRT, 0xff800000, 0, 0x7fc00000, 0, W(f32, 2433)},
    {OP_F32_SQRT, 0x7f800000, 0, 0x7f800000, 0, W(f32, 2434)},
    {OP_F32_SQRT, 0xffc00000, 0, 0x7fc00000, 0, W(f32, 2435)},
    {OP_F32_SQRT, 0xffa00000, 0, 0x7fc00000, 0, W(f32, 2436)},
    {OP_F32_SQRT, 0x7fc00000, 0, 0x7fc00000, 0, W(f32, 2437)},
    {OP_F32_SQRT, 0x7fa00000, 0, 0x7fc00000, 0, W(f32, 2438)},
    {OP_F32_FLOOR, 0x80000000, 0, 0x80000000, 0, W(f32, 2439)},
    {OP_F32_FLOOR, 0, 0, 0, 0, W(f32, 2440)},
    {OP_F32_FLOOR, 0x80000001, 0, 0xbf800000, 0, W(f32, 2441)},
    {OP_F32_FLOOR, 1, 0, 0, 0, W(f32, 2442)},
    {OP_F32_FLOOR, 0x80800000, 0, 0xbf800000, 0, W(f32, 2443)},
    {OP_F32_FLOOR, 0x800000, 0, 0, 0, W(f32, 2444)},
    {OP_F32_FLOOR, 0xbf000000, 0, 0xbf800000, 0, W(f32, 2445)},
    {OP_F32_FLOOR, 0x3f000000, 0, 0, 0, W(f32, 2446)},
    {OP_F32_FLOOR, 0xbf800000, 0, 0xbf800000, 0, W(f32, 2447)},
    {OP_F32_FLOOR, 0x3f800000, 0, 0x3f800000, 0, W(f32, 2448)},
    {OP_F32_FLOOR, 0xc0c90fdb, 0, 0xc0e00000, 0, W(f32, 2449)},
    {OP_F32_FLOOR, 0x40c90fdb, 0, 0x40c00000, 0, W(f32, 2450)},
    {OP_F32_FLOOR, 0xff7fffff, 0, 0xff7fffff, 0, W(f32, 2451)},
    {OP_F32_FLOOR, 0x7f7fffff, 0, 0x7f7fffff, 0, W(f32, 2452)},
    {OP_F32_FLOOR, 0xff800000, 0, 0xff800000, 0, W(f32, 2453)},
    {OP_F32_FLOOR, 0x7f800000, 0, 0x7f800000, 0, W(f32, 2454)},
    {OP_F32_FLOOR, 0xffc00000, 0, 0x7fc00000, 0, W(f32, 2455)},
    {OP_F32_FLOOR, 0xffa00000, 0, 0x7fc00000, 0, W(f32, 2456)},
    {OP_F32_FLOOR, 0x7fc00000, 0, 0x7fc00000, 0, W(f32, 2457)},
    {OP_F32_FLOOR, 0x7fa00000, 0, 0x7fc00000, 0, W(f32, 2458)},
    {OP_F32_CEIL, 0x80000000, 0, 0x80000000, 0, W(f32, 2459)},
    {OP_F32_CEIL, 0, 0, 0, 0, W(f32, 2460)},
    {OP_F32_CEIL, 0x80000001, 0, 0x80000000, 0, W(f32, 2461)},
    {OP_F32_CEIL, 1, 0, 0x3f800000, 0, W(f32, 2462)},
    {OP_F32_CEIL, 0x80800000, 0, 0x80000000, 0, W(f32, 2463)},
    {OP_F32_CEIL, 0x800000, 0, 0x3f800000, 0, W(f32, 2464)},
    {OP_F32_CEIL, 0xbf000000, 0, 0x80000000, 0, W(f32, 2465)},
    {OP_F32_CEIL, 0x3f000000, 0, 0x3f800000, 0, W(f32, 2466)},
    {OP_F32_CEIL, 0xbf800000, 0, 0xbf800000, 0, W(f32, 2467)},
    {OP_F32_CEIL, 0x3f800000, 0, 0x3f800000, 0, W(f32, 2468)},
    {OP_F32_CEIL, 0xc0c90fdb, 0, 0xc0c00000, 0, W(f32, 2469)},
    {OP_F32_CEIL, 0x40c90fdb, 0, 0x40e00000, 0, W(f32, 2470)},
    {OP_F32_CEIL, 0xff7fffff, 0, 0xff7fffff, 0, W(f32, 2471)},
    {OP_F32_CEIL, 0x7f7fffff, 0, 0x7f7fffff, 0, W(f32, 2472)},
    {OP_F32_CEIL, 0xff800000, 0, 0xff800000, 0, W(f32, 2473)},
    {OP_F32_CEIL, 0x7f800000, 0, 0x7f800000, 0, W(f32, 2474)},
    {OP_F32_CEIL, 0xffc00000, 0, 0x7fc00000, 0, W(f32, 2475)},
    {OP_F32_CEIL, 0xffa00000, 0, 0x7fc00000, 0, W(f32, 2476)},
    {OP_F32_CEIL, 0x7fc00000, 0, 0x7fc00000, 0, W(f32, 2477)},
    {OP_F32_CEIL, 0x7fa00000, 0, 0x7fc00000, 0, W(f32, 2478)},
    {OP_F32_TRUNC, 0x80000000, 0, 0x80000000, 0, W(f32, 2479)},
    {OP_F32_TRUNC, 0, 0, 0, 0, W(f32, 2480)},
    {OP_F32_TRUNC, 0x80000001, 0, 0x80000000, 0, W(f32, 2481)},
    {OP_F32_TRUNC, 1, 0, 0, 0, W(f32, 2482)},
    {OP_F32_TRUNC, 0x80800000, 0, 0x80000000, 0, W(f32, 2483)},
    {OP_F32_TRUNC, 0x800000, 0, 0, 0, W(f32, 2484)},
    {OP_F32_TRUNC, 0xbf000000, 0, 0x80000000, 0, W(f32, 2485)},
    {OP_F32_TRUNC, 0x3f000000, 0, 0, 0, W(f32, 2486)},
    {OP_F32_TRUNC, 0xbf800000, 0, 0xbf800000, 0, W(f32, 2487)},
    {OP_F32_TRUNC, 0x3f800000, 0, 0x3f800000, 0, W(f32, 2488)},
    {OP_F32_TRUNC, 0xc0c90fdb, 0, 0xc0c00000, 0, W(f32, 2489)},
    {OP_F32_TRUNC, 0x40c90fdb, 0, 0x40c00000, 0, W(f32, 2490)},
    {OP_F32_TRUNC, 0xff7fffff, 0, 0xff7fffff, 0, W(f32, 2491)},
    {OP_F32_TRUNC, 0x7f7fffff, 0, 0x7f7fffff, 0, W(f32, 2492)},
    {OP_F32_TRUNC, 0xff800000, 0, 0xff800000, 0, W(f32, 2493)},
    {OP_F32_TRUNC, 0x7f800000, 0, 0x7f800000, 0, W(f32, 2494)},
    {OP_F32_TRUNC, 0xffc00000, 0, 0x7fc00000, 0, W(f32, 2495)},
    {OP_F32_TRUNC, 0xffa00000, 0, 0x7fc00000, 0, W(f32, 2496)},
    {OP_F32_TRUNC, 0x7fc00000, 0, 0x7fc00000, 0, W(f32, 2497)},
    {OP_F32_TRUNC, 0x7fa00000, 0, 0x7fc00000, 0, W(f32, 2498)},
    {OP_F32_NEAREST, 0x80000000, 0, 0x80000000, 0, W(f32, 2499)},
    {OP_F32_NEAREST, 0, 0, 0, 0, W(f32, 2500)},
    {OP_F32_NEAREST, 0x80000001, 0, 0x80000000, 0, W(f32, 2501)},
    {OP_F32_NEAREST, 1, 0, 0, 0, W(f32, 2502)},
    {OP_F32_NEAREST, 0x80800000, 0, 0x80000000, 0, W(f32, 2503)},
    {OP_F32_NEAREST, 0x800000, 0, 0, 0, W(f32, 2504)},
    {OP_F32_NEAREST, 0xbf000000, 0, 0x80000000, 0, W(f32, 2505)},
    {OP_F32_NEAREST, 0x3f000000, 0, 0, 0, W(f32, 2506)},
    {OP_F32_NEAREST, 0xbf800000, 0, 0xbf800000, 0, W(f32, 2507)},
    {OP_F32_NEAREST, 0x3f800000, 0, 0x3f800000, 0, W(f32, 2508)},
    {OP_F32_NEAREST, 0xc0c90fdb, 0, 0xc0c00000, 0, W(f32, 2509)},
    {OP_F32_NEAREST, 0x40c90fdb, 0, 0x40c00000, 0, W(f32, 2510)},
    {OP_F32_NEAREST, 0xff7fffff, 0, 0xff7fffff, 0, W(f32, 2511)},
    {OP_F32_NEAREST, 0x7f7fffff, 0, 0x7f7fffff, 0, W(f32, 2512)},
    {OP_F32_NEAREST, 0xff800000, 0, 0xff800000, 0, W(f32, 2513)},
    {OP_F32_NEAREST, 0x7f800000, 0, 0x7f800000, 0, W(f32, 2514)},
    {OP_F32_NEAREST, 0xffc00000, 0, 0x7fc00000, 0, W(f32, 2515)},
    {OP_F32_NEAREST, 0xffa00000, 0, 0x7fc00000, 0, W(f32, 2516)},
    {OP_F32_NEAREST, 0x7fc00000, 0, 0x7fc00000, 0, W(f32, 2517)},
    {OP_F32_NEAREST, 0x7fa00000, 0, 0x7fc00000, 0, W(f32, 2518)},
    /* f32_bitwise.wast */
    {OP_F32_ABS, 0x80000000, 0, 0, 0, W(f32b, 334)},
    {OP_F32_ABS, 0, 0, 0, 0, W(f32b, 335)},
    {OP_F32_ABS, 0x80000001, 0, 1, 0, W(f32b, 336)},
    {OP_F32_ABS, 1, 0, 1, 0, W(f32b, 337)},
    {OP_F32_ABS, 0x80800000, 0, 0x800000, 0, W(f32b, 338)},
    {OP_F32_ABS, 0x800000, 0, 0x800000, 0, W(f32b, 339)},
    {OP_F32_ABS, 0xbf000000, 0, 0x3f000000, 0, W(f32b, 340)},
    {OP_F32_ABS, 0x3f000000, 0, 0x3f000000, 0, W(f32b, 341)},
    {OP_F32_ABS, 0xbf800000, 0, 0x3f800000, 0, W(f32b, 342)},
    {OP_F32_ABS, 0x3f800000, 0, 0x3f800000, 0, W(f32b, 343)},
    {OP_F32_ABS, 0xc0c90fdb, 0, 0x40c90fdb, 0, W(f32b, 344)},
    {OP_F32_ABS, 0x40c90fdb, 0, 0x40c90fdb, 0, W(f32b, 345)},
    {OP_F32_ABS, 0xff7fffff, 0, 0x7f7fffff, 0, W(f32b, 346)},
    {OP_F32_ABS, 0x7f7fffff, 0, 0x7f7fffff, 0, W(f32b, 347)},
    {OP_F32_ABS, 0xff800000, 0, 0x7f800000, 0, W(f32b, 348)},
    {OP_F32_ABS, 0x7f800000, 0, 0x7f800000, 0, W(f32b, 349)},
    {OP_F32_ABS, 0xffc00000, 0, 0x7fc00000, 0, W(f32b, 350)},
    {OP_F32_ABS, 0x7fc00000, 0, 0x7fc00000, 0, W(f32b, 351)},
    {OP_F32_NEG, 0x80000000, 0, 0, 0, W(f32b, 352)},
    {OP_F32_NEG, 0, 0, 0x80000000, 0, W(f32b, 353)},
    {OP_F32_NEG, 0x80000001, 0, 1, 0, W(f32b, 354)},
    {OP_F32_NEG, 1, 0, 0x80000001, 0, W(f32b, 355)},
    {OP_F32_NEG, 0x80800000, 0, 0x800000, 0, W(f32b, 356)},
    {OP_F32_NEG, 0x800000, 0, 0x80800000, 0, W(f32b, 357)},
    {OP_F32_NEG, 0xbf000000, 0, 0x3f000000, 0, W(f32b, 358)},
    {OP_F32_NEG, 0x3f000000, 0, 0xbf000000, 0, W(f32b, 359)},
    {OP_F32_NEG, 0xbf800000, 0, 0x3f800000, 0, W(f32b, 360)},
    {OP_F32_NEG, 0x3f800000, 0, 0xbf800000, 0, W(f32b, 361)},
    {OP_F32_NEG, 0xc0c90fdb, 0, 0x40c90fdb, 0, W(f32b, 362)},
    {OP_F32_NEG, 0x40c90fdb, 0, 0xc0c90fdb, 0, W(f32b, 363)},
    {OP_F32_NEG, 0xff7fffff, 0, 0x7f7fffff, 0, W(f32b, 364)},
    {OP_F32_NEG, 0x7f7fffff, 0, 0xff7fffff, 0, W(f32b, 365)},
    {OP_F32_NEG, 0xff800000, 0, 0x7f800000, 0, W(f32b, 366)},
    {OP_F32_NEG, 0x7f800000, 0, 0xff800000, 0, W(f32b, 367)},
    {OP_F32_NEG, 0xffc00000, 0, 0x7fc00000, 0, W(f32b, 368)},
    {OP_F32_NEG, 0x7fc00000, 0, 0xffc00000, 0, W(f32b, 369)},
    /* f64.wast */
    {OP_F64_SQRT, 0x8000000000000000, 0, 0x8000000000000000, 0, W(f64, 2419)},
    {OP_F64_SQRT, 0, 0, 0, 0, W(f64, 2420)},
    {OP_F64_SQRT, 0x8000000000000001, 0, 0x7ff8000000000000, 0, W(f64, 2421)},
    {OP_F64_SQRT, 1, 0, 0x1e60000000000000, 0, W(f64, 2422)},
    {OP_F64_SQRT, 0x8010000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2423)},
    {OP_F64_SQRT, 0x10000000000000, 0, 0x2000000000000000, 0, W(f64, 2424)},
    {OP_F64_SQRT, 0xbfe0000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2425)},
    {OP_F64_SQRT, 0x3fe0000000000000, 0, 0x3fe6a09e667f3bcd, 0, W(f64, 2426)},
    {OP_F64_SQRT, 0xbff0000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2427)},
    {OP_F64_SQRT, 0x3ff0000000000000, 0, 0x3ff0000000000000, 0, W(f64, 2428)},
    {OP_F64_SQRT, 0xc01921fb54442d18, 0, 0x7ff8000000000000, 0, W(f64, 2429)},
    {OP_F64_SQRT, 0x401921fb54442d18, 0, 0x40040d931ff62705, 0, W(f64, 2430)},
    {OP_F64_SQRT, 0xffefffffffffffff, 0, 0x7ff8000000000000, 0, W(f64, 2431)},
    {OP_F64_SQRT, 0x7fefffffffffffff, 0, 0x5fefffffffffffff, 0, W(f64, 2432)},
    {OP_F64_SQRT, 0xfff0000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2433)},
    {OP_F64_SQRT, 0x7ff0000000000000, 0, 0x7ff0000000000000, 0, W(f64, 2434)},
    {OP_F64_SQRT, 0xfff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2435)},
    {OP_F64_SQRT, 0xfff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2436)},
    {OP_F64_SQRT, 0x7ff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2437)},
    {OP_F64_SQRT, 0x7ff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2438)},
    {OP_F64_FLOOR, 0x8000000000000000, 0, 0x8000000000000000, 0, W(f64, 2439)},
    {OP_F64_FLOOR, 0, 0, 0, 0, W(f64, 2440)},
    {OP_F64_FLOOR, 0x8000000000000001, 0, 0xbff0000000000000, 0, W(f64, 2441)},
    {OP_F64_FLOOR, 1, 0, 0, 0, W(f64, 2442)},
    {OP_F64_FLOOR, 0x8010000000000000, 0, 0xbff0000000000000, 0, W(f64, 2443)},
    {OP_F64_FLOOR, 0x10000000000000, 0, 0, 0, W(f64, 2444)},
    {OP_F64_FLOOR, 0xbfe0000000000000, 0, 0xbff0000000000000, 0, W(f64, 2445)},
    {OP_F64_FLOOR, 0x3fe0000000000000, 0, 0, 0, W(f64, 2446)},
    {OP_F64_FLOOR, 0xbff0000000000000, 0, 0xbff0000000000000, 0, W(f64, 2447)},
    {OP_F64_FLOOR, 0x3ff0000000000000, 0, 0x3ff0000000000000, 0, W(f64, 2448)},
    {OP_F64_FLOOR, 0xc01921fb54442d18, 0, 0xc01c000000000000, 0, W(f64, 2449)},
    {OP_F64_FLOOR, 0x401921fb54442d18, 0, 0x4018000000000000, 0, W(f64, 2450)},
    {OP_F64_FLOOR, 0xffefffffffffffff, 0, 0xffefffffffffffff, 0, W(f64, 2451)},
    {OP_F64_FLOOR, 0x7fefffffffffffff, 0, 0x7fefffffffffffff, 0, W(f64, 2452)},
    {OP_F64_FLOOR, 0xfff0000000000000, 0, 0xfff0000000000000, 0, W(f64, 2453)},
    {OP_F64_FLOOR, 0x7ff0000000000000, 0, 0x7ff0000000000000, 0, W(f64, 2454)},
    {OP_F64_FLOOR, 0xfff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2455)},
    {OP_F64_FLOOR, 0xfff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2456)},
    {OP_F64_FLOOR, 0x7ff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2457)},
    {OP_F64_FLOOR, 0x7ff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2458)},
    {OP_F64_CEIL, 0x8000000000000000, 0, 0x8000000000000000, 0, W(f64, 2459)},
    {OP_F64_CEIL, 0, 0, 0, 0, W(f64, 2460)},
    {OP_F64_CEIL, 0x8000000000000001, 0, 0x8000000000000000, 0, W(f64, 2461)},
    {OP_F64_CEIL, 1, 0, 0x3ff0000000000000, 0, W(f64, 2462)},
    {OP_F64_CEIL, 0x8010000000000000, 0, 0x8000000000000000, 0, W(f64, 2463)},
    {OP_F64_CEIL, 0x10000000000000, 0, 0x3ff0000000000000, 0, W(f64, 2464)},
    {OP_F64_CEIL, 0xbfe0000000000000, 0, 0x8000000000000000, 0, W(f64, 2465)},
    {OP_F64_CEIL, 0x3fe0000000000000, 0, 0x3ff0000000000000, 0, W(f64, 2466)},
    {OP_F64_CEIL, 0xbff0000000000000, 0, 0xbff0000000000000, 0, W(f64, 2467)},
    {OP_F64_CEIL, 0x3ff0000000000000, 0, 0x3ff0000000000000, 0, W(f64, 2468)},
    {OP_F64_CEIL, 0xc01921fb54442d18, 0, 0xc018000000000000, 0, W(f64, 2469)},
    {OP_F64_CEIL, 0x401921fb54442d18, 0, 0x401c000000000000, 0, W(f64, 2470)},
    {OP_F64_CEIL, 0xffefffffffffffff, 0, 0xffefffffffffffff, 0, W(f64, 2471)},
    {OP_F64_CEIL, 0x7fefffffffffffff, 0, 0x7fefffffffffffff, 0, W(f64, 2472)},
    {OP_F64_CEIL, 0xfff0000000000000, 0, 0xfff0000000000000, 0, W(f64, 2473)},
    {OP_F64_CEIL, 0x7ff0000000000000, 0, 0x7ff0000000000000, 0, W(f64, 2474)},
    {OP_F64_CEIL, 0xfff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2475)},
    {OP_F64_CEIL, 0xfff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2476)},
    {OP_F64_CEIL, 0x7ff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2477)},
    {OP_F64_CEIL, 0x7ff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2478)},
    {OP_F64_TRUNC, 0x8000000000000000, 0, 0x8000000000000000, 0, W(f64, 2479)},
    {OP_F64_TRUNC, 0, 0, 0, 0, W(f64, 2480)},
    {OP_F64_TRUNC, 0x8000000000000001, 0, 0x8000000000000000, 0, W(f64, 2481)},
    {OP_F64_TRUNC, 1, 0, 0, 0, W(f64, 2482)},
    {OP_F64_TRUNC, 0x8010000000000000, 0, 0x8000000000000000, 0, W(f64, 2483)},
    {OP_F64_TRUNC, 0x10000000000000, 0, 0, 0, W(f64, 2484)},
    {OP_F64_TRUNC, 0xbfe0000000000000, 0, 0x8000000000000000, 0, W(f64, 2485)},
    {OP_F64_TRUNC, 0x3fe0000000000000, 0, 0, 0, W(f64, 2486)},
    {OP_F64_TRUNC, 0xbff0000000000000, 0, 0xbff0000000000000, 0, W(f64, 2487)},
    {OP_F64_TRUNC, 0x3ff0000000000000, 0, 0x3ff0000000000000, 0, W(f64, 2488)},
    {OP_F64_TRUNC, 0xc01921fb54442d18, 0, 0xc018000000000000, 0, W(f64, 2489)},
    {OP_F64_TRUNC, 0x401921fb54442d18, 0, 0x4018000000000000, 0, W(f64, 2490)},
    {OP_F64_TRUNC, 0xffefffffffffffff, 0, 0xffefffffffffffff, 0, W(f64, 2491)},
    {OP_F64_TRUNC, 0x7fefffffffffffff, 0, 0x7fefffffffffffff, 0, W(f64, 2492)},
    {OP_F64_TRUNC, 0xfff0000000000000, 0, 0xfff0000000000000, 0, W(f64, 2493)},
    {OP_F64_TRUNC, 0x7ff0000000000000, 0, 0x7ff0000000000000, 0, W(f64, 2494)},
    {OP_F64_TRUNC, 0xfff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2495)},
    {OP_F64_TRUNC, 0xfff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2496)},
    {OP_F64_TRUNC, 0x7ff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2497)},
    {OP_F64_TRUNC, 0x7ff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2498)},
    {OP_F64_NEAREST, 0x8000000000000000, 0, 0x8000000000000000, 0, W(f64, 2499)},
    {OP_F64_NEAREST, 0, 0, 0, 0, W(f64, 2500)},
    {OP_F64_NEAREST, 0x8000000000000001, 0, 0x8000000000000000, 0, W(f64, 2501)},
    {OP_F64_NEAREST, 1, 0, 0, 0, W(f64, 2502)},
    {OP_F64_NEAREST, 0x8010000000000000, 0, 0x8000000000000000, 0, W(f64, 2503)},
    {OP_F64_NEAREST, 0x10000000000000, 0, 0, 0, W(f64, 2504)},
    {OP_F64_NEAREST, 0xbfe0000000000000, 0, 0x8000000000000000, 0, W(f64, 2505)},
    {OP_F64_NEAREST, 0x3fe0000000000000, 0, 0, 0, W(f64, 2506)},
    {OP_F64_NEAREST, 0xbff0000000000000, 0, 0xbff0000000000000, 0, W(f64, 2507)},
    {OP_F64_NEAREST, 0x3ff0000000000000, 0, 0x3ff0000000000000, 0, W(f64, 2508)},
    {OP_F64_NEAREST, 0xc01921fb54442d18, 0, 0xc018000000000000, 0, W(f64, 2509)},
    {OP_F64_NEAREST, 0x401921fb54442d18, 0, 0x4018000000000000, 0, W(f64, 2510)},
    {OP_F64_NEAREST, 0xffefffffffffffff, 0, 0xffefffffffffffff, 0, W(f64, 2511)},
    {OP_F64_NEAREST, 0x7fefffffffffffff, 0, 0x7fefffffffffffff, 0, W(f64, 2512)},
    {OP_F64_NEAREST, 0xfff0000000000000, 0, 0xfff0000000000000, 0, W(f64, 2513)},
    {OP_F64_NEAREST, 0x7ff0000000000000, 0, 0x7ff0000000000000, 0, W(f64, 2514)},
    {OP_F64_NEAREST, 0xfff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2515)},
    {OP_F64_NEAREST, 0xfff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2516)},
    {OP_F64_NEAREST, 0x7ff8000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2517)},
    {OP_F64_NEAREST, 0x7ff4000000000000, 0, 0x7ff8000000000000, 0, W(f64, 2518)},
    /* f64_bitwise.wast */
    {OP_F64_ABS, 0x8000000000000000, 0, 0, 0, W(f64b, 334)},
    {OP_F64_ABS, 0, 0, 0, 0, W(f64b, 335)},
    {OP_F64_ABS, 0x8000000000000001, 0, 1, 0, W(f64b, 336)},
    {OP_F64_ABS, 1, 0, 1, 0, W(f64b, 337)},
    {OP_F64_ABS, 0x8010000000000000, 0, 0x10000000000000, 0, W(f64b, 338)},
    {OP_F64_ABS, 0x10000000000000, 0, 0x10000000000000, 0, W(f64b, 339)},
    {OP_F64_ABS, 0xbfe0000000000000, 0, 0x3fe0000000000000, 0, W(f64b, 340)},
    {OP_F64_ABS, 0x3fe0000000000000, 0, 0x3fe0000000000000, 0, W(f64b, 341)},
    {OP_F64_ABS, 0xbff0000000000000, 0, 0x3ff0000000000000, 0, W(f64b, 342)},
    {OP_F64_ABS, 0x3ff0000000000000, 0, 0x3ff0000000000000, 0, W(f64b, 343)},
    {OP_F64_ABS, 0xc01921fb54442d18, 0, 0x401921fb54442d18, 0, W(f64b, 344)},
    {OP_F64_ABS, 0x401921fb54442d18, 0, 0x401921fb54442d18, 0, W(f64b, 345)},
    {OP_F64_ABS, 0xffefffffffffffff, 0, 0x7fefffffffffffff, 0, W(f64b, 346)},
    {OP_F64_ABS, 0x7fefffffffffffff, 0, 0x7fefffffffffffff, 0, W(f64b, 347)},
    {OP_F64_ABS, 0xfff0000000000000, 0, 0x7ff0000000000000, 0, W(f64b, 348)},
    {OP_F64_ABS, 0x7ff0000000000000, 0, 0x7ff0000000000000, 0, W(f64b, 349)},
    {OP_F64_ABS, 0xfff8000000000000, 0, 0x7ff8000000000000, 0, W(f64b, 350)},
    {OP_F64_ABS, 0x7ff8000000000000, 0, 0x7ff8000000000000, 0, W(f64b, 351)},
    {OP_F64_NEG, 0x8000000000000000, 0, 0, 0, W(f64b, 352)},
    {OP_F64_NEG, 0, 0, 0x8000000000000000, 0, W(f64b, 353)},
    {OP_F64_NEG, 0x8000000000000001, 0, 1, 0, W(f64b, 354)},
    {OP_F64_NEG, 1, 0, 0x8000000000000001, 0, W(f64b, 355)},
    {OP_F64_NEG, 0x8010000000000000, 0, 0x10000000000000, 0, W(f64b, 356)},
    {OP_F64_NEG, 0x10000000000000, 0, 0x8010000000000000, 0, W(f64b, 357)},
    {OP_F64_NEG, 0xbfe0000000000000, 0, 0x3fe0000000000000, 0, W(f64b, 358)},
    {OP_F64_NEG, 0x3fe0000000000000, 0, 0xbfe0000000000000, 0, W(f64b, 359)},
    {OP_F64_NEG, 0xbff0000000000000, 0, 0x3ff0000000000000, 0, W(f64b, 360)},
    {OP_F64_NEG, 0x3ff0000000000000, 0, 0xbff0000000000000, 0, W(f64b, 361)},
    {OP_F64_NEG, 0xc01921fb54442d18, 0, 0x401921fb54442d18, 0, W(f64b, 362)},
    {OP_F64_NEG, 0x401921fb54442d18, 0, 0xc01921fb54442d18, 0, W(f64b, 363)},
    {OP_F64_NEG, 0xffefffffffffffff, 0, 0x7fefffffffffffff, 0, W(f64b, 364)},
    {OP_F64_NEG, 0x7fefffffffffffff, 0, 0xffefffffffffffff, 0, W(f64b, 365)},
    {OP_F64_NEG, 0xfff0000000000000, 0, 0x7ff0000000000000, 0, W(f64b, 366)},
    {OP_F64_NEG, 0x7ff0000000000000, 0, 0xfff0000000000000, 0, W(f64b, 367)},
    {OP_F64_NEG, 0xfff8000000000000, 0, 0x7ff8000000000000, 0, W(f64b, 368)},
    {OP_F64_NEG, 0x7ff8000000000000, 0, 0xfff8000000000000, 0, W(f64b, 369)},
    /* float_misc.wast */
    {OP_F32_ADD, 0x3f8fcd6f, 0x2f07bc16, 0x3f8fcd6f, 0, W(misc, 50)},
    {OP_F64_ADD, 0x3ff1f9add3739636, 0x3de0f782bf7cc83f, 0x3ff1f9add37c11f7, 0, W(misc, 51)},
    {OP_F32_ADD, 0x3f800000, 0x33800000, 0x3f800000, 0, W(misc, 55)},
    {OP_F32_ADD, 0x3f800000, 0x33800001, 0x3f800001, 0, W(misc, 56)},
    {OP_F64_ADD, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000000, 0, W(misc, 57)},
    {OP_F64_ADD, 0x3ff0000000000000, 0x3ca0000000000001, 0x3ff0000000000001, 0, W(misc, 58)},
    {OP_F32_ADD, 1, 0x7fffff, 0x800000, 0, W(misc, 61)},
    {OP_F64_ADD, 1, 0xfffffffffffff, 0x10000000000000, 0, W(misc, 62)},
    {OP_F32_ADD, 0x4f000000, 0x44800800, 0x4f000004, 0, W(misc, 67)},
    {OP_F64_ADD, 0x43e0000000000000, 0x4090010000000000, 0x43e0000000000001, 0, W(misc, 68)},
    {OP_F64_ADD, 0x80f0000000000000, 0x1716, 0x80efffffffffffff, 0, W(misc, 72)},
    {OP_F64_ADD, 0x4340000000000000, 0x3ff0000a7c5ac472, 0x4340000000000001, 0, W(misc, 75)},
    {OP_F64_ADD, 0x4340000000000001, 0x3fefffe000000000, 0x4340000000000001, 0, W(misc, 78)},
    {OP_F32_ADD, 0x4b000000, 0x3f000000, 0x4b000000, 0, W(misc, 81)},
    {OP_F32_ADD, 0x4b000001, 0x3f000000, 0x4b000002, 0, W(misc, 82)},
    {OP_F64_ADD, 0x4330000000000000, 0x3fe0000000000000, 0x4330000000000000, 0, W(misc, 83)},
    {OP_F64_ADD, 0x4330000000000001, 0x3fe0000000000000, 0x4330000000000002, 0, W(misc, 84)},
    {OP_F32_ADD, 0xf29cb3ad, 0xe3b64a6, 0xf29cb3ad, 0, W(misc, 87)},
    {OP_F32_ADD, 0x61360792, 0xd995c968, 0x61360666, 0, W(misc, 88)},
    {OP_F32_ADD, 0x1673118c, 0x17ba55f, 0x1673118c, 0, W(misc, 89)},
    {OP_F32_ADD, 0x531538ea, 0xdb64f886, 0xdb64f7f1, 0, W(misc, 90)},
    {OP_F32_ADD, 0x387c7b9b, 0x74bdea2f, 0x74bdea2f, 0, W(misc, 91)},
    {OP_F64_ADD, 0x262f33e1fbca27aa, 0xcf86b192891ed610, 0xcf86b192891ed610, 0, W(misc, 92)},
    {OP_F64_ADD, 0xc4b46f75d130eeb1, 0x34725275d6f7a4ac, 0xc4b46f75d130eeb1, 0, W(misc, 93)},
    {OP_F64_ADD, 0x36b04dec9265a731, 0xbf311eed4e8c127c, 0xbf311eed4e8c127c, 0, W(misc, 94)},
    {OP_F64_ADD, 0x5f005773b7166b0a, 0x441134022f2da37b, 0x5f005773b7166b0a, 0, W(misc, 95)},
    {OP_F64_ADD, 0x540ef4f794282a82, 0x58914a82266bade0, 0x58914a82266bade0, 0, W(misc, 96)},
    {OP_F32_ADD, 0x638dfcbb, 0xc9bfac34, 0x638dfcbb, 0, W(misc, 99)},
    {OP_F32_ADD, 0x293fce36, 0x98dcdd87, 0x293fce36, 0, W(misc, 100)},
    {OP_F32_ADD, 0xaa9968de, 0x7e7be90a, 0x7e7be90a, 0, W(misc, 101)},
    {OP_F32_ADD, 0xa9c72e07, 0x8a9d7d26, 0xa9c72e07, 0, W(misc, 102)},
    {OP_F32_ADD, 0x3a89e6bc, 0x8a1d798b, 0x3a89e6bc, 0, W(misc, 103)},
    {OP_F64_ADD, 0x4b2f8dd15ca97d4a, 0x9f0367317d1fe8bf, 0x4b2f8dd15ca97d4a, 0, W(misc, 104)},
    {OP_F64_ADD, 0x49a5db08d739228c, 0xbc2fb316fa147dcb, 0x49a5db08d739228c, 0, W(misc, 105)},
    {OP_F64_ADD, 0x26bbbb403cb85c07, 0x82c7e44046b8bbf3, 0x26bbbb403cb85c07, 0, W(misc, 106)},
    {OP_F64_ADD, 0xc9234d38af291831, 0xc8a9890b47439953, 0xc92366c1ba705bca, 0, W(misc, 107)},
    {OP_F64_ADD, 0xc02b61dedf4e0306, 0x52109e2f31773c4a, 0x52109e2f31773c4a, 0, W(misc, 108)},
    {OP_F32_ADD, 0x85094dec, 0x2a63a809, 0x2a63a809, 0, W(misc, 111)},
    {OP_F32_ADD, 0xb7e10251, 0x32405899, 0xb7e0ea46, 0, W(misc, 112)},
    {OP_F32_ADD, 0xd1ef660e, 0x963446d, 0xd1ef660e, 0, W(misc, 113)},
    {OP_F32_ADD, 0x4b0e735, 0xcebb9449, 0xcebb9449, 0, W(misc, 114)},
    {OP_F32_ADD, 0x839ee413, 0x6f7e1fb3, 0x6f7e1fb3, 0, W(misc, 115)},
    {OP_F64_ADD, 0xf6bf68acc263a0f, 0xfeb5f9352965e5a6, 0xfeb5f9352965e5a6, 0, W(misc, 116)},
    {OP_F64_ADD, 0xe0376eaa70911f51, 0xdec2d746324ce47a, 0xe0376eaa963fabb6, 0, W(misc, 117)},
    {OP_F64_ADD, 0x838b637d82c15a7a, 0x2e4cc654ccab4152, 0x2e4cc654ccab4152, 0, W(misc, 118)},
    {OP_F64_ADD, 0xa02a5b1fb66e846e, 0xa34bdd36f0bb5cc, 0xa02a5b1fb66e846e, 0, W(misc, 119)},
    {OP_F64_ADD, 0xfc514108da880f9e, 0x71f417f35701e89f, 0xfc514108da880f9e, 0, W(misc, 120)},
    {OP_F64_ADD, 0xf23fa0caf21ffebc, 0x7394ca8fdcff89f9, 0x7394ca8f5e7c5e31, 0, W(misc, 123)},
    {OP_F64_ADD, 0x70f016f1fcbdfd38, 0x6e9375dffcbc9a2c, 0x70f016f1fcbe4b0f, 0, W(misc, 124)},
    {OP_F64_ADD, 0xe6fdffda6d5bff3a, 0x6a1f9e8cc2dff782, 0x6a1f9e8cc2dff77b, 0, W(misc, 125)},
    {OP_F64_ADD, 0x5cefff4b43687dfb, 0x6040fd5617c4a809, 0x6040fd5617c4a809, 0, W(misc, 126)},
    {OP_F64_ADD, 0x1c535d380035da2, 0x3ccce37dddbb73b, 0x3ccce37ddf0ed0f, 0, W(misc, 127)},
    {OP_F64_ADD, 0xeefd91cd3fc0c66f, 0xfb74e18c80229734, 0xfb74e18c80229734, 0, W(misc, 130)},
    {OP_F64_ADD, 0x4c0afc70fd36e372, 0xd10bd10a9b377b46, 0xd10bd10a9b377b46, 0, W(misc, 131)},
    {OP_F64_ADD, 0xd2d2abd570b078b2, 0x258b3c1ad759cb5b, 0xd2d2abd570b078b2, 0, W(misc, 132)},
    {OP_F64_ADD, 0xac25b2ae84c0686c, 0xdd1dba7a1c022823, 0xdd1dba7a1c022823, 0, W(misc, 133)},
    {OP_F64_ADD, 0xb39ac627bd7cbf38, 0x212312e265b8d59, 0xb39ac627bd7cbf38, 0, W(misc, 134)},
    {OP_F32_ADD, 0x7995c8d0, 0x7f65e6a9, 0x7f65f962, 0, W(misc, 137)},
    {OP_F32_ADD, 0x7f4b79c9, 0xf5359ff6, 0x7f4b79be, 0, W(misc, 138)},
    {OP_F32_ADD, 0x7a89978e, 0xff31eb19, 0xff31a64d, 0, W(misc, 139)},
    {OP_F32_ADD, 0xfb8eed32, 0xff778170, 0xff789f4a, 0, W(misc, 140)},
    {OP_F32_ADD, 0xff256c6d, 0xfe757041, 0xff62c87d, 0, W(misc, 141)},
    {OP_F64_ADD, 0x7fe017099f2a4b8b, 0x7d41f63b28f05454, 0x7fe017099f2a5009, 0, W(misc, 142)},
    {OP_F64_ADD, 0x7fed88b6c74984ef, 0x7dd33b444775eabc, 0x7fed88b6c7532291, 0, W(misc, 143)},
    {OP_F64_ADD, 0xffe84576422fdf50, 0x7f360ee6aa12fb9c, 0xffe842b4655a9cf1, 0, W(misc, 144)},
    {OP_F64_ADD, 0xfe89aaace3e79f7d, 0x7fee4068af295cb6, 0x7fee4068487ea926, 0, W(misc, 145)},
    {OP_F64_ADD, 0x7fe06cdae79f27b9, 0xfdee05cb0c96f975, 0x7fe06cdae78121ee, 0, W(misc, 146)},
    {OP_F32_ADD, 0x5a8688, 0x26f, 0x5a88f7, 0, W(misc, 149)},
    {OP_F32_ADD, 0x25, 0x80000002, 0x23, 0, W(misc, 150)},
    {OP_F32_ADD, 0x80000008, 0x387940, 0x387938, 0, W(misc, 151)},
    {OP_F32_ADD, 0x80000014, 0x2a12029, 0x2a12028, 0, W(misc, 152)},
    {OP_F32_ADD, 0x1c5, 0x80005cbe, 0x80005af9, 0, W(misc, 153)},
    {OP_F64_ADD, 0x14774c681d1e21, 0x802271e58e9f58ca, 0x80106c7eb5219373, 0, W(misc, 154)},
    {OP_F64_ADD, 0x210b3a75e31916, 0x802ffb82b0e868a7, 0x801de090760a9f22, 0, W(misc, 155)},
    {OP_F64_ADD, 0x8006b58448b8098a, 0x801579796ed04cbe, 0x801c2efdb7885648, 0, W(misc, 156)},
    {OP_F64_ADD, 0x39eb9e7baae8d1, 0x803d58e136f8c6ee, 0x800db50aed377874, 0, W(misc, 157)},
    {OP_F64_ADD, 0x801f1115deeafa0b, 0x1221b1c87dca29, 0x800cef64166d2fe2, 0, W(misc, 158)},
    {OP_F32_ADD, 0x7f7ffffe, 0x73800000, 0x7f7fffff, 0, W(misc, 162)},
    {OP_F64_ADD, 0x7feffffffffffffe, 0x7ca0000000000000, 0x7fefffffffffffff, 0, W(misc, 163)},
    {OP_F32_ADD, 0x40000000, 0x40000000, 0x40800000, 0, W(misc, 166)},
    {OP_F64_ADD, 0x4000000000000000, 0x4000000000000000, 0x4010000000000000, 0, W(misc, 167)},
    {OP_F32_ADD, 0x7f7fffff, 0x72ffffff, 0x7f7fffff, 0, W(misc, 170)},
    {OP_F32_ADD, 0x7f7fffff, 0x73000000, 0x7f800000, 0, W(misc, 171)},
    {OP_F64_ADD, 0x7fefffffffffffff, 0x7c8fffffffffffff, 0x7fefffffffffffff, 0, W(misc, 172)},
    {OP_F64_ADD, 0x7fefffffffffffff, 0x7c90000000000000, 0x7ff0000000000000, 0, W(misc, 173)},
    {OP_F32_SUB, 0x47800000, 0x2d000000, 0x47800000, 0, W(misc, 177)},
    {OP_F64_SUB, 0x40f0000000000000, 0x3da0000000000000, 0x40efffffffffffff, 0, W(misc, 178)},
    {OP_F32_SUB, 0x3f800000, 0x33000000, 0x3f800000, 0, W(misc, 182)},
    {OP_F32_SUB, 0x3f800000, 0x33000001, 0x3f7fffff, 0, W(misc, 183)},
    {OP_F64_SUB, 0x3ff0000000000000, 0x3c90000000000000, 0x3ff0000000000000, 0, W(misc, 184)},
    {OP_F64_SUB, 0x3ff0000000000000, 0x3c90000000000001, 0x3fefffffffffffff, 0, W(misc, 185)},
    {OP_F32_SUB, 0xaf71233, 0xfb0b13bf, 0x7b0b13bf, 0, W(misc, 188)},
    {OP_F32_SUB, 0xfb2237cf, 0xd521cb52, 0xfb2237cf, 0, W(misc, 189)},
    {OP_F32_SUB, 0x3fba3b9e, 0x96d12a89, 0x3fba3b9e, 0, W(misc, 190)},
    {OP_F32_SUB, 0x549a2e2, 0x19b3c961, 0x99b3c961, 0, W(misc, 191)},
    {OP_F32_SUB, 0x36cf67d2, 0x8a4325a2, 0x36cf67d2, 0, W(misc, 192)},
    {OP_F64_SUB, 0xab25b798875e7845, 0x878b5147117452fe, 0xab25b798875e7845, 0, W(misc, 193)},
    {OP_F64_SUB, 0xe276c87baeb6d72d, 0xb6164fb35d4b5571, 0xe276c87baeb6d72d, 0, W(misc, 194)},
    {OP_F64_SUB, 0x232b3d369fcf74b0, 0x8baea1668c0dec93, 0x232b3d369fcf74b0, 0, W(misc, 195)},
    {OP_F64_SUB, 0x120abd449353ead, 0xc990422ea3e82ee9, 0x4990422ea3e82ee9, 0, W(misc, 196)},
    {OP_F64_SUB, 0xb70aadbc6b43cc3d, 0x9e4e7f922ef1ee58, 0xb70aadbc6b43cc3d, 0, W(misc, 197)},
    {OP_F32_SUB, 0xf5b0f131, 0xf7dd79f2, 0x77d26adf, 0, W(misc, 200)},
    {OP_F32_SUB, 0xf631617b, 0x42b728a5, 0xf631617b, 0, W(misc, 201)},
    {OP_F32_SUB, 0x96143e4a, 0x338797ce, 0xb38797ce, 0, W(misc, 202)},
    {OP_F32_SUB, 0x9964412e, 0xb9a5756b, 0x39a5756b, 0, W(misc, 203)},
    {OP_F32_SUB, 0xf114bb52, 0x226371dc, 0xf114bb52, 0, W(misc, 204)},
    {OP_F64_SUB, 0xcc976cb28ae6c045, 0xf840611f2af4e9b9, 0x7840611f2af4e9b9, 0, W(misc, 205)},
    {OP_F64_SUB, 0x28fbaf35eff22e9e, 0x23c5c3e08ecf73ec, 0x28fbaf35eff22e9e, 0, W(misc, 206)},
    {OP_F64_SUB, 0xb378fd354b376f1f, 0x203513c860f386ff, 0xb378fd354b376f1f, 0, W(misc, 207)},
    {OP_F64_SUB, 0x81f760d447230ae6, 0xab716f788438ae3e, 0x2b716f788438ae3e, 0, W(misc, 208)},
    {OP_F64_SUB, 0xc6f73aab4fcfc7a0, 0x4aa7c589f990b884, 0xcaa7c589f990b884, 0, W(misc, 209)},
    {OP_F32_SUB, 0x6f751326, 0x384294c4, 0x6f751326, 0, W(misc, 212)},
    {OP_F32_SUB, 0xc90a763e, 0xae0569ff, 0xc90a763e, 0, W(misc, 213)},
    {OP_F32_SUB, 0xad9928ed, 0xa3a4e4bf, 0xad9928e3, 0, W(misc, 214)},
    {OP_F32_SUB, 0xb889ab2f, 0x3917c4d4, 0xb95c9a6c, 0, W(misc, 215)},
    {OP_F32_SUB, 0xaf30195b, 0x8bdda8cb, 0xaf30195b, 0, W(misc, 216)},
    {OP_F64_SUB, 0xb62b5b0797af4910, 0xed1694b8348189e8, 0x6d1694b8348189e8, 0, W(misc, 217)},
    {OP_F64_SUB, 0xef672b142826ed73, 0xf86010477bc9afbd, 0x786010477bc9afbd, 0, W(misc, 218)},
    {OP_F64_SUB, 0xe383273b6bb94cf, 0x4b41a93f948a2abb, 0xcb41a93f948a2abb, 0, W(misc, 219)},
    {OP_F64_SUB, 0x9c2207e7156cbf20, 0x1dfcf3f12fd3814d, 0x9dfcf3f13063c086, 0, W(misc, 220)},
    {OP_F64_SUB, 0x9d0837e6844f1718, 0xbf11c29b757f98ab, 0x3f11c29b757f98ab, 0, W(misc, 221)},
    {OP_F64_SUB, 0x3b1c21151a709b6c, 0x38c0a12fff8910f6, 0x3b1c21151a701663, 0, W(misc, 224)},
    {OP_F64_SUB, 0x29c57912aae2f64, 0xddbfbd4800b7cf, 0x29c579128d2338f, 0, W(misc, 225)},
    {OP_F64_SUB, 0x301ffef4399af9c6, 0x337edb96dfaea8b1, 0xb37edb96dfaea8b1, 0, W(misc, 226)},
    {OP_F64_SUB, 0xbd8363eee391cde2, 0xbbaa65462000265f, 0xbd8363eee32838c9, 0, W(misc, 227)},
    {OP_F64_SUB, 0x3e659016dba002a1, 0x3fc5d4374f124ccc, 0xbfc5d436f8d1f15d, 0, W(misc, 228)},
    {OP_F64_SUB, 0x8d118196bca005cf, 0x901db7b01ce3f52f, 0x101db7b01ce3f51d, 0, W(misc, 231)},
    {OP_F64_SUB, 0xc20d17b3528d2190, 0x56efd739d4ea220a, 0xd6efd739d4ea220a, 0, W(misc, 232)},
    {OP_F64_SUB, 0x471dea46994de319, 0x1b1b5b19cd55c7d3, 0x471dea46994de319, 0, W(misc, 233)},
    {OP_F64_SUB, 0x216b60f9b2fbd9ec, 0x9496f81c59ec5b8e, 0x216b60f9b2fbd9ec, 0, W(misc, 234)},
    {OP_F64_SUB, 0x3c65e423fe8571f4, 0x1959624ed7c162df, 0x3c65e423fe8571f4, 0, W(misc, 235)},
    {OP_F32_SUB, 0x41b92023, 0x40490fdb, 0x419ffe28, 0, W(misc, 239)},
    {OP_F64_SUB, 0x403724046eb0933a, 0x400921fb54442d18, 0x4033ffc504280d97, 0, W(misc, 240)},
    {OP_F32_SUB, 0x4a371afc, 0x4a371af8, 0x3f800000, 0, W(misc, 243)},
    {OP_F32_SUB, 0x49f423f8, 0x49f423d8, 0x40800000, 0, W(misc, 244)},
    {OP_F32_SUB, 0x49f423f8, 0x49f423c8, 0x40c00000, 0, W(misc, 245)},
    {OP_F32_SUB, 0x48c35040, 0x48c35020, 0x3f800000, 0, W(misc, 246)},
    {OP_F32_SUB, 0x48c35040, 0x48c35000, 0x40000000, 0, W(misc, 247)},
    {OP_F64_SUB, 0x432550f7dca6fffe, 0x432550f7dca6fffc, 0x3ff0000000000000, 0, W(misc, 248)},
    {OP_F64_SUB, 0x431c6bf52633fffc, 0x431c6bf52633ffec, 0x4010000000000000, 0, W(misc, 249)},
    {OP_F64_SUB, 0x431c6bf52633fffc, 0x431c6bf52633ffe4, 0x4018000000000000, 0, W(misc, 250)},
    {OP_F64_SUB, 0x42f6bcc41e900020, 0x42f6bcc41e900010, 0x3ff0000000000000, 0, W(misc, 251)},
    {OP_F64_SUB, 0x42f6bcc41e900020, 0x42f6bcc41e900000, 0x4000000000000000, 0, W(misc, 252)},
    {OP_F32_SUB, 0x800000, 0x7fffff, 1, 0, W(misc, 255)},
    {OP_F64_SUB, 0x10000000000000, 0xfffffffffffff, 1, 0, W(misc, 256)},
    {OP_F32_SUB, 0x3f800001, 0x3f7fffff, 0x34400000, 0, W(misc, 259)},
    {OP_F32_SUB, 0x3f800001, 0x3f800000, 0x34000000, 0, W(misc, 260)},
    {OP_F32_SUB, 0x3f800000, 0x3f7fffff, 0x33800000, 0, W(misc, 261)},
    {OP_F64_SUB, 0x3ff0000000000001, 0x3fefffffffffffff, 0x3cb8000000000000, 0, W(misc, 262)},
    {OP_F64_SUB, 0x3ff0000000000001, 0x3ff0000000000000, 0x3cb0000000000000, 0, W(misc, 263)},
    {OP_F64_SUB, 0x3ff0000000000000, 0x3fefffffffffffff, 0x3ca0000000000000, 0, W(misc, 264)},
    {OP_F32_SUB, 0x7f7fffff, 0x72ffffff, 0x7f7fffff, 0, W(misc, 268)},
    {OP_F32_SUB, 0x7f7fffff, 0x73000000, 0x7f7ffffe, 0, W(misc, 269)},
    {OP_F64_SUB, 0x7fefffffffffffff, 0x7c8fffffffffffff, 0x7fefffffffffffff, 0, W(misc, 270)},
    {OP_F64_SUB, 0x7fefffffffffffff, 0x7c90000000000000, 0x7feffffffffffffe, 0, W(misc, 271)},
    {OP_F32_MUL, 0x58635fa9, 0x58635fa9, 0x7149f2c9, 0, W(misc, 274)},
    {OP_F32_MUL, 0x60ad78ec, 0x60ad78ec, 0x7f800000, 0, W(misc, 275)},
    {OP_F32_MUL, 0x69045951, 0x69045951, 0x7f800000, 0, W(misc, 276)},
    {OP_F64_MUL, 0x430c6bf526340000, 0x430c6bf526340000, 0x46293e5939a08cea, 0, W(misc, 277)},
    {OP_F64_MUL, 0x4415af1d78b58c40, 0x4415af1d78b58c40, 0x483d6329f1c35ca5, 0, W(misc, 278)},
    {OP_F64_MUL, 0x45208b2a2c280291, 0x45208b2a2c280291, 0x4a511b0ec57e649b, 0, W(misc, 279)},
    {OP_F32_MUL, 0x4edc672f, 0x5094ac4f, 0x60000001, 0, W(misc, 284)},
    {OP_F64_MUL, 0x41db8ce5d7c00000, 0x42129589d27c0000, 0x4400000000000001, 0, W(misc, 285)},
    {OP_F32_MUL, 0x429a3333, 0x44548000, 0x477fff00, 0, W(misc, 289)},
    {OP_F64_MUL, 0x4053466666666666, 0x408a900000000000, 0x40efffdfffffffff, 0, W(misc, 290)},
    {OP_F32_MUL, 0xde0a6f97, 0x2dba443c, 0xcc4973f4, 0, W(misc, 293)},
    {OP_F32_MUL, 0xf2ab14f1, 0x8ce19809, 0x4016c302, 0, W(misc, 294)},
    {OP_F32_MUL, 0xedd8bb4a, 0x8f725ab5, 0x3dcd2dd7, 0, W(misc, 295)},
    {OP_F32_MUL, 0xe70b1353, 0x9a62beb8, 0x41f65d57, 0, W(misc, 296)},
    {OP_F32_MUL, 0x5a3d67b9, 0x423644d6, 0x5d06daab, 0, W(misc, 297)},
    {OP_F64_MUL, 0xda825c293f6f37e4, 0x7b0f5fd4fa41c6d8, 0xfff0000000000000, 0, W(misc, 298)},
    {OP_F64_MUL, 0x825cc1ae79fffc5b, 0xb24c36ccc2861ca6, 0, 0, W(misc, 299)},
    {OP_F64_MUL, 0x65dc0232b3e64b56, 0xc69f6939cf3affaa, 0xec8b7e3aedf190d3, 0, W(misc, 300)},
    {OP_F64_MUL, 0xac660f289966b271, 0x64628a5497f0c259, 0xd0d98fc50bcec259, 0, W(misc, 301)},
    {OP_F64_MUL, 0x71a37dab12d3afa2, 0xa581e156bd393f1, 0x3c0d6126554b8298, 0, W(misc, 302)},
    {OP_F32_MUL, 0x931fabd1, 0xed820eb4, 0x41223cd8, 0, W(misc, 305)},
    {OP_F32_MUL, 0x642682c1, 0x4937021d, 0x6dee11b0, 0, W(misc, 306)},
    {OP_F32_MUL, 0xaf97ed00, 0xe4f0b98e, 0x550edc4f, 0, W(misc, 307)},
    {OP_F32_MUL, 0x613de47f, 0xc71d6ac9, 0xe8e988af, 0, W(misc, 308)},
    {OP_F32_MUL, 0x4ec9b3a1, 0xe0d3d0c8, 0xf026e38d, 0, W(misc, 309)},
    {OP_F64_MUL, 0x980ba737b4ca3b13, 0x2c58923309857438, 0x84753bc0d07baa37, 0, W(misc, 310)},
    {OP_F64_MUL, 0x2eb7c1932e610219, 0x9842605db646489f, 0x870b48da2b0d2ae3, 0, W(misc, 311)},
    {OP_F64_MUL, 0xd48e43cdf3b21080, 0xf4299d96abbd61d1, 0x7ff0000000000000, 0, W(misc, 312)},
    {OP_F64_MUL, 0x7b24c19466551da3, 0x2480bdcd6c7646e9, 0x5fb5b7cd8c3f638a, 0, W(misc, 313)},
    {OP_F64_MUL, 0x552ff1da1726e3df, 0xca8043c44f52b158, 0xdfc03c9364bb585c, 0, W(misc, 314)},
    {OP_F32_MUL, 0xd6c83f45, 0xef2e9b34, 0x7f800000, 0, W(misc, 317)},
    {OP_F32_MUL, 0xbe464fba, 0xe715a29, 0x8d3af6e6, 0, W(misc, 318)},
    {OP_F32_MUL, 0xb666302d, 0x7476190d, 0xeb5d48d2, 0, W(misc, 319)},
    {OP_F32_MUL, 0xdbafddbd, 0xfd44b2f, 0xac11d747, 0, W(misc, 320)},
    {OP_F32_MUL, 0xc7fdbf89, 0x41d380d, 0x8c9bd606, 0, W(misc, 321)},
    {OP_F64_MUL, 0xa0f5b0266454c26b, 0xdb0af5787e3e0399, 0x3c12457d81949e0b, 0, W(misc, 322)},
    {OP_F64_MUL, 0x5dd0d54a82393d45, 0x903425760807ceae, 0xae1532068c8d0d5d, 0, W(misc, 323)},
    {OP_F64_MUL, 0xcabb532af9817860, 0x566ada95085ba36f, 0xe136ee38c1e01864, 0, W(misc, 324)},
    {OP_F64_MUL, 0x6ffe132f4d49d1ce, 0xd75a75afe9a7d864, 0xfff0000000000000, 0, W(misc, 325)},
    {OP_F64_MUL, 0x45068bbf1cfff90a, 0x44509cd17d652c50, 0x496768b8d67d7940, 0, W(misc, 326)},
    {OP_F64_MUL, 0x2aaf99fb602c89b7, 0x1c06caab46a31a2e, 0x6c68201f986e9d7, 0, W(misc, 329)},
    {OP_F64_MUL, 0xbf686999c5eee379, 0x6d26e3b9e0d53e0d, 0xeca17654a0ef35f5, 0, W(misc, 330)},
    {OP_F64_MUL, 0xd6e069571b176f90, 0x973e248b6ab0a0e3, 0x2e2eeaff575cae1d, 0, W(misc, 331)},
    {OP_F64_MUL, 0x706c217645777dd2, 0x43bd93f5715dd646, 0x743a0064aa1d920d, 0, W(misc, 332)},
    {OP_F64_MUL, 0xaeb848981b6e694a, 0x77ff5aacb64a0d19, 0xe6c7cb2296e6c2e5, 0, W(misc, 333)},
    {OP_F64_MUL, 0x1a8db3bd2a286944, 0x256ce910af1d55ca, 0xd6accdd538a39, 0, W(misc, 336)},
    {OP_F64_MUL, 0xbc6aca2239160120, 0x8392b2b4958dd228, 0xfa74eccae5615, 0, W(misc, 337)},
    {OP_F64_MUL, 0xa17bd062def16cff, 0x9e77ddd91a0c4c0e, 0xa5f4d7769d90d, 0, W(misc, 338)},
    {OP_F64_MUL, 0x8fbc6a56169e9ce0, 0x300517d55a474122, 0x80012baf260afb77, 0, W(misc, 339)},
    {OP_F64_MUL, 0x9fb08951b0b41705, 0xa04102dc27168d09, 0x8ca6dbf3f592b, 0, W(misc, 340)},
    {OP_F64_MUL, 0x7538d0dea50c8c9b, 0x8e21cac31d87a24, 0x3e2c177311f7cd73, 0, W(misc, 343)},
    {OP_F64_MUL, 0x3f898049118e3063, 0x36a6362525151b58, 0x3641b358514103f9, 0, W(misc, 344)},
    {OP_F64_MUL, 0xc00ea65cb0631323, 0x3d6fce683201a19b, 0xbd8e76dc8c223667, 0, W(misc, 345)},
    {OP_F64_MUL, 0x28ae4d235961d543, 0x332bc56f20ef9a48, 0x1bea4c09efcb71d6, 0, W(misc, 346)},
    {OP_F64_MUL, 0xc4cb9612e66faba8, 0x2a3e2bc6aa782273, 0xaf1a026ea4f81db1, 0, W(misc, 347)},
    {OP_F32_MUL, 0x1a000000, 0x1a000000, 0, 0, W(misc, 350)},
    {OP_F32_MUL, 0x1a000001, 0x1a000001, 1, 0, W(misc, 351)},
    {OP_F64_MUL, 0x1e56a09e667f3bcc, 0x1e56a09e667f3bcc, 0, 0, W(misc, 352)},
    {OP_F64_MUL, 0x1e56a09e667f3bcd, 0x1e56a09e667f3bcd, 1, 0, W(misc, 353)},
    {OP_F32_MUL, 0x5f7fffff, 0x5f7fffff, 0x7f7ffffe, 0, W(misc, 356)},
    {OP_F32_MUL, 0x5f800000, 0x5f800000, 0x7f800000, 0, W(misc, 357)},
    {OP_F64_MUL, 0x5fefffffffffffff, 0x5fefffffffffffff, 0x7feffffffffffffe, 0, W(misc, 358)},
    {OP_F64_MUL, 0x5ff0000000000000, 0x5ff0000000000000, 0x7ff0000000000000, 0, W(misc, 359)},
    {OP_F32_MUL, 0x3f800001, 0x3f800001, 0x3f800002, 0, W(misc, 362)},
    {OP_F32_MUL, 0x3f7fffff, 0x3f7fffff, 0x3f7ffffe, 0, W(misc, 363)},
    {OP_F64_MUL, 0x3ff0000000000001, 0x3ff0000000000001, 0x3ff0000000000002, 0, W(misc, 364)},
    {OP_F64_MUL, 0x3fefffffffffffff, 0x3fefffffffffffff, 0x3feffffffffffffe, 0, W(misc, 365)},
    {OP_F32_MUL, 0x3f800001, 0x3f7fffff, 0x3f800000, 0, W(misc, 368)},
    {OP_F32_MUL, 0x3f800002, 0x3f7ffffe, 0x3f800001, 0, W(misc, 369)},
    {OP_F64_MUL, 0x3ff0000000000001, 0x3fefffffffffffff, 0x3ff0000000000000, 0, W(misc, 370)},
    {OP_F64_MUL, 0x3ff0000000000002, 0x3feffffffffffffe, 0x3ff0000000000001, 0, W(misc, 371)},
    {OP_F32_MUL, 0x800000, 0x34000000, 1, 0, W(misc, 375)},
    {OP_F64_MUL, 0x10000000000000, 0x3cb0000000000000, 1, 0, W(misc, 376)},
    {OP_F32_MUL, 0xc1800300, 0x34000, 0x80340138, 0, W(misc, 379)},
    {OP_F32_DIV, 0x3f8fcd6f, 0x42c80000, 0x3c381132, 0, W(misc, 382)},
    {OP_F32_DIV, 0x4b000bf3, 0x4b3ffff9, 0x3f2abaa0, 0, W(misc, 383)},
    {OP_F32_DIV, 0x47800000, 0x2d000000, 0x5a000000, 0, W(misc, 384)},
    {OP_F32_DIV, 0x3fee5fb5, 0x7f7fffff, 0x3b97ed, 0, W(misc, 385)},
    {OP_F32_DIV, 0x40800000, 0x40400000, 0x3faaaaab, 0, W(misc, 386)},
    {OP_F64_DIV, 0x3ff1f9add3739636, 0x4059000000000000, 0x3f8702262d60c045, 0, W(misc, 387)},
    {OP_F64_DIV, 0x4160017e60000000, 0x4167ffff20000000, 0x3fe55753f1d9ba27, 0, W(misc, 388)},
    {OP_F64_DIV, 0x40f0000000000000, 0x3da0000000000000, 0x4340000000000000, 0, W(misc, 389)},
    {OP_F64_DIV, 0x3ffdcbf6a0000000, 0x7fefffffffffffff, 0x772fda8000000, 0, W(misc, 390)},
    {OP_F64_DIV, 0x4010000000000000, 0x4008000000000000, 0x3ff5555555555555, 0, W(misc, 391)},
    {OP_F32_DIV, 0x4a800bf6, 0x4a3ffffc, 0x3faabaa1, 0, W(misc, 395)},
    {OP_F64_DIV, 0x4150017ec0000000, 0x4147ffff80000000, 0x3ff557541c7c6b43, 0, W(misc, 396)},
    {OP_F32_DIV, 0x27b5362d, 0x7f7d05b8, 0, 0, W(misc, 399)},
    {OP_F32_DIV, 0x1430b7d9, 0x619990b9, 0, 0, W(misc, 400)},
    {OP_F32_DIV, 0xc7cb73bc, 0x17f5862b, 0xef542205, 0, W(misc, 401)},
    {OP_F32_DIV, 0x99f13120, 0x82f691b7, 0x567a6ac2, 0, W(misc, 402)},
    {OP_F32_DIV, 0xd4711ba7, 0x17b8fe6e, 0xfc26d383, 0, W(misc, 403)},
    {OP_F64_DIV, 0x492163c09d0c38c1, 0x4dee04cc737348e6, 0x3b2289921caeed23, 0, W(misc, 404)},
    {OP_F64_DIV, 0x18dd6867e741e0a9, 0x33335eb19a9aae4, 0x55987e342d11f519, 0, W(misc, 405)},
    {OP_F64_DIV, 0xd29d5edf648aeb98, 0x67f0dda15b079355, 0xaa9bdceaf9734b5c, 0, W(misc, 406)},
    {OP_F64_DIV, 0xeb2b683e3934aeda, 0x4f5c364e1df00dff, 0xdbbf16456e7afe3b, 0, W(misc, 407)},
    {OP_F64_DIV, 0xe1b44ca7539cc851, 0x5c458501bccc58fe, 0xc55e2f8657e0924e, 0, W(misc, 408)},
    {OP_F32_DIV, 0xe26162a5, 0x948068a1, 0x7f800000, 0, W(misc, 411)},
    {OP_F32_DIV, 0x28f1ad5f, 0x55e34ef8, 0x1288175a, 0, W(misc, 412)},
    {OP_F32_DIV, 0x3fa2ff95, 0xec0f43aa, 0x9311a1a7, 0, W(misc, 413)},
    {OP_F32_DIV, 0x2646d8c5, 0x28f8cf, 0x661b4dcb, 0, W(misc, 414)},
    {OP_F32_DIV, 0x6cbc2cc8, 0x6b29a0a2, 0x410dfeee, 0, W(misc, 415)},
    {OP_F64_DIV, 0xf331c4f47eb51, 0xd69c7ff45bf6f03a, 0x8000000000000000, 0, W(misc, 416)},
    {OP_F64_DIV, 0x8240fc8707b9d19c, 0x1e777524d5f4a563, 0xa3b72c1a937d2310, 0, W(misc, 417)},
    {OP_F64_DIV, 0xa6cedb3aa64bb338, 0xc2c1c7c164320e40, 0x23fbc44cc1c5ae63, 0, W(misc, 418)},
    {OP_F64_DIV, 0xc4f6534b34e8686b, 0xe8c34a7fc59e3c3, 0xf6595421bf291b66, 0, W(misc, 419)},
    {OP_F64_DIV, 0xceb91f58d7ed1237, 0xc36f190d808383c8, 0x4b39d9eb0836f906, 0, W(misc, 420)},
    {OP_F32_DIV, 0x4cb25952, 0x474aba9, 0x7f800000, 0, W(misc, 423)},
    {OP_F32_DIV, 0xe629e4db, 0x4d6b44d0, 0xd838dd52, 0, W(misc, 424)},
    {OP_F32_DIV, 0x52b32545, 0xefacedd1, 0xa28499fa, 0, W(misc, 425)},
    {OP_F32_DIV, 0xf74cf07d, 0xc4615ad4, 0x7268cef3, 0, W(misc, 426)},
    {OP_F32_DIV, 0xedad40ad, 0xc65ac105, 0x66cac05c, 0, W(misc, 427)},
    {OP_F64_DIV, 0x97081fd1e2af7beb, 0x14cedefc4eae536c, 0xc22901abdd91b661, 0, W(misc, 428)},
    {OP_F64_DIV, 0xf0d47cf932953c43, 0x9d6bc40496b1f2a1, 0x7ff0000000000000, 0, W(misc, 429)},
    {OP_F64_DIV, 0x9152bd2e8fbdcad7, 0x3beb115674cc476e, 0x95562752bf19fa81, 0, W(misc, 430)},
    {OP_F64_DIV, 0xd3cf923e3fea9efe, 0x9b38044c74d27a39, 0x7885086518cc7186, 0, W(misc, 431)},
    {OP_F64_DIV, 0x4b4516ed2051d6bb, 0xcd5c9f455eb9c2ee, 0xbdd79414d67f2889, 0, W(misc, 432)},
    {OP_F64_DIV, 0xe489c52726aed366, 0xcc27d0568c75660f, 0x5851507ca2a65f23, 0, W(misc, 435)},
    {OP_F64_DIV, 0xe21522672f461667, 0xd4936d36572c9f71, 0x4d71681369370619, 0, W(misc, 436)},
    {OP_F64_DIV, 0x4b801051b4e8cd61, 0xfc42cbb5ca3d33eb, 0x8f2b59471598a2f3, 0, W(misc, 437)},
    {OP_F64_DIV, 0x4d85f93bb80fc2cb, 0x5aa7e051aae9f0ed, 0x32cd732fa926ba4f, 0, W(misc, 438)},
    {OP_F64_DIV, 0xf38e251d762163cc, 0x55c3ee63581e1796, 0xddb8330077d90a07, 0, W(misc, 439)},
    {OP_F64_DIV, 0x3ffdcbf69f10006d, 0x7fefffffffffffff, 0x772fda7c4001b, 0, W(misc, 442)},
    {OP_F64_DIV, 0xce14169442fbca, 0x40b505451d62ff7d, 0xb727e85f38b39, 0, W(misc, 443)},
    {OP_F64_DIV, 0xb6fd3ebe726ec964, 0xf6f4a7bfc0b83608, 0x5a9d8c50cbf87, 0, W(misc, 444)},
    {OP_F64_DIV, 0xa766c3def770aee1, 0xe768b84724347598, 0x3af0707fcd0c7, 0, W(misc, 445)},
    {OP_F64_DIV, 0xa716abda1bb3cb3, 0x4a56c9c7198eb1e6, 0xc3a8fd6741649, 0, W(misc, 446)},
    {OP_F64_DIV, 0x127057d6ab553ca, 0xc162abf1e98660eb, 0x80004ee8d8ec01cd, 0, W(misc, 447)},
    {OP_F32_DIV, 0x6c56d4d5, 0x54b4c426, 0x57181f17, 0, W(misc, 450)},
    {OP_F32_DIV, 0x6cc140e4, 0xf4b1441e, 0xb78b8b4e, 0, W(misc, 451)},
    {OP_F32_DIV, 0x682e35f1, 0x3f680eff, 0x68402f19, 0, W(misc, 452)},
    {OP_F32_DIV, 0xc95de929, 0xd07dd4a8, 0x385fceab, 0, W(misc, 453)},
    {OP_F32_DIV, 0xaa87a0eb, 0xdb9f96df, 0xe59906c, 0, W(misc, 454)},
    {OP_F64_DIV, 0x43cb2348a1c81899, 0x8a24a58aad903dd3, 0xf99507c1e2a41b35, 0, W(misc, 455)},
    {OP_F64_DIV, 0x37d23fa5137a918a, 0x9f67268db1951263, 0xd8593965e0d896be, 0, W(misc, 456)},
    {OP_F64_DIV, 0x69cdcb3915d82dee, 0x67d50caaa1dc6b19, 0x41e6a58ec814b09d, 0, W(misc, 457)},
    {OP_F64_DIV, 0xcb5046e378c0cc46, 0x704ac925009a922b, 0x9af3720aa94dab18, 0, W(misc, 458)},
    {OP_F64_DIV, 0x8988945fd69d8e11, 0x9790a37870af809a, 0x31e7a2e286c62382, 0, W(misc, 459)},
    {OP_F64_DIV, 0x3c682002af0ea1f3, 0x3ffd0a9b0c2fa339, 0x3c5a952fbd1fc17c, 0, W(misc, 462)},
    {OP_F64_DIV, 0x3991e12b515db471, 0xbd541fc3c94fba50, 0xbc2c6e50cccb7cb6, 0, W(misc, 463)},
    {OP_F64_DIV, 0x3d6aba5adcd6f583, 0x38f17dfac639ce0f, 0x446872b0a008c326, 0, W(misc, 464)},
    {OP_F64_DIV, 0x458cf82510d0ae6b, 0x4600207d86498053, 0x3f7cbdc804e2cf14, 0, W(misc, 465)},
    {OP_F64_DIV, 0x3f44c82cbb508e21, 0xc336b57208c2d5d5, 0xbbfd48e8b369129a, 0, W(misc, 466)},
    {OP_F32_DIV, 0x800000, 0x7fffff, 0x3f800001, 0, W(misc, 469)},
    {OP_F32_DIV, 0x7fffff, 0x800000, 0x3f7ffffe, 0, W(misc, 470)},
    {OP_F64_DIV, 0x10000000000000, 0xfffffffffffff, 0x3ff0000000000001, 0, W(misc, 471)},
    {OP_F64_DIV, 0xfffffffffffff, 0x10000000000000, 0x3feffffffffffffe, 0, W(misc, 472)},
    {OP_F32_DIV, 0x347fffff, 0x7f7fffff, 0, 0, W(misc, 475)},
    {OP_F32_DIV, 0x34800000, 0x7f7fffff, 1, 0, W(misc, 476)},
    {OP_F64_DIV, 0x3cbfffffffffffff, 0x7fefffffffffffff, 0, 0, W(misc, 477)},
    {OP_F64_DIV, 0x3cc0000000000000, 0x7fefffffffffffff, 1, 0, W(misc, 478)},
    {OP_F32_DIV, 0x3f800000, 0x200000, 0x7f800000, 0, W(misc, 481)},
    {OP_F32_DIV, 0x3f800000, 0x200001, 0x7f7ffff8, 0, W(misc, 482)},
    {OP_F64_DIV, 0x3ff0000000000000, 0x4000000000000, 0x7ff0000000000000, 0, W(misc, 483)},
    {OP_F64_DIV, 0x3ff0000000000000, 0x4000000000001, 0x7feffffffffffff8, 0, W(misc, 484)},
    {OP_F32_DIV, 0x3f800000, 0x7e800001, 0x7fffff, 0, W(misc, 487)},
    {OP_F32_DIV, 0x3f800000, 0x7e800000, 0x800000, 0, W(misc, 488)},
    {OP_F64_DIV, 0x3ff0000000000000, 0x7fd0000000000001, 0xfffffffffffff, 0, W(misc, 489)},
    {OP_F64_DIV, 0x3ff0000000000000, 0x7fd0000000000000, 0x10000000000000, 0, W(misc, 490)},
    {OP_F32_DIV, 0x3f800000, 0x40400000, 0x3eaaaaab, 0, W(misc, 500)},
    {OP_F32_DIV, 0x40400000, 0x41100000, 0x3eaaaaab, 0, W(misc, 501)},
    {OP_F32_DIV, 0x41100000, 0x41d80000, 0x3eaaaaab, 0, W(misc, 502)},
    {OP_F64_DIV, 0x3ff0000000000000, 0x4008000000000000, 0x3fd5555555555555, 0, W(misc, 503)},
    {OP_F64_DIV, 0x4008000000000000, 0x4022000000000000, 0x3fd5555555555555, 0, W(misc, 504)},
    {OP_F64_DIV, 0x4022000000000000, 0x403b000000000000, 0x3fd5555555555555, 0, W(misc, 505)},
    {OP_F32_DIV, 0x3f800001, 0x3f7fffff, 0x3f800002, 0, W(misc, 508)},
    {OP_F32_DIV, 0x3f7fffff, 0x3f800001, 0x3f7ffffd, 0, W(misc, 509)},
    {OP_F32_DIV, 0x3f800000, 0x3f7fffff, 0x3f800001, 0, W(misc, 510)},
    {OP_F32_DIV, 0x3f800000, 0x3f800001, 0x3f7ffffe, 0, W(misc, 511)},
    {OP_F64_DIV, 0x3ff0000000000001, 0x3fefffffffffffff, 0x3ff0000000000002, 0, W(misc, 512)},
    {OP_F64_DIV, 0x3fefffffffffffff, 0x3ff0000000000001, 0x3feffffffffffffd, 0, W(misc, 513)},
    {OP_F64_DIV, 0x3ff0000000000000, 0x3fefffffffffffff, 0x3ff0000000000001, 0, W(misc, 514)},
    {OP_F64_DIV, 0x3ff0000000000000, 0x3ff0000000000001, 0x3feffffffffffffe, 0, W(misc, 515)},
    {OP_F32_SQRT, 0x432b0000, 0, 0x41513a26, 0, W(misc, 519)},
    {OP_F32_SQRT, 0x342ca6fe, 0, 0x39d23c4e, 0, W(misc, 520)},
    {OP_F64_SQRT, 0x4065600000000000, 0, 0x402a2744ce9674f5, 0, W(misc, 521)},
    {OP_F64_SQRT, 0x3e8594dfc70aa105, 0, 0x3f3a4789c0e37f99, 0, W(misc, 522)},
    {OP_F64_SQRT, 0x35b0263fcc94f259, 0, 0x3ad0131485de579f, 0, W(misc, 525)},
    {OP_F64_SQRT, 0x551352dfa278c43d, 0, 0x4a8195607dac5417, 0, W(misc, 526)},
    {OP_F64_SQRT, 0x591b15daa23924fa, 0, 0x4c84d143db561493, 0, W(misc, 527)},
    {OP_F64_SQRT, 0x3da518c8e68cb753, 0, 0x3ec9fb8ef1ad5bfd, 0, W(misc, 528)},
    {OP_F64_SQRT, 0x28d86d8b6518078e, 0, 0x3463c5142a48fcad, 0, W(misc, 529)},
    {OP_F64_SQRT, 0x3fefffffffffffff, 0, 0x3fefffffffffffff, 0, W(misc, 533)},
    {OP_F32_SQRT, 0x3e04c032, 0, 0x3eb85918, 0, W(misc, 536)},
    {OP_F32_SQRT, 0x71ecdf78, 0, 0x58ae2029, 0, W(misc, 537)},
    {OP_F32_SQRT, 0x3da15adb, 0, 0x3e8fb687, 0, W(misc, 538)},
    {OP_F32_SQRT, 0x1c1b4268, 0, 0x2dc75d71, 0, W(misc, 539)},
    {OP_F32_SQRT, 0x3a6c5e27, 0, 0x3cf5fcf5, 0, W(misc, 540)},
    {OP_F64_SQRT, 0x635c39f220d5704, 0, 0x2312a92bc24ceae9, 0, W(misc, 541)},
    {OP_F64_SQRT, 0x6d653521a635745c, 0, 0x56aa0cfdc4ef8ff1, 0, W(misc, 542)},
    {OP_F64_SQRT, 0x580dfd5bbc9f4678, 0, 0x4bfefa817117c94c, 0, W(misc, 543)},
    {OP_F64_SQRT, 0x46833f9640811cd4, 0, 0x4338d17c9243baa3, 0, W(misc, 544)},
    {OP_F64_SQRT, 0x7e66c0ef0267ff45, 0, 0x5f2afbcfae3f2b40, 0, W(misc, 545)},
    {OP_F32_SQRT, 0x4d135317, 0, 0x46423428, 0, W(misc, 548)},
    {OP_F32_SQRT, 0x70b3001, 0, 0x233cc3b1, 0, W(misc, 549)},
    {OP_F32_SQRT, 0x381efda8, 0, 0x3bc9bf1c, 0, W(misc, 550)},
    {OP_F32_SQRT, 0x3987596, 0, 0x218bb203, 0, W(misc, 551)},
    {OP_F32_SQRT, 0x265b82e, 0, 0x20f28105, 0, W(misc, 552)},
    {OP_F64_SQRT, 0x6b6edae8aea05430, 0, 0x55af6c1ea4fc8dd2, 0, W(misc, 553)},
    {OP_F64_SQRT, 0x104f7ee4bda5c9c3, 0, 0x281fbf30bdaf11c5, 0, W(misc, 554)},
    {OP_F64_SQRT, 0x3e1a48f348266ad1, 0, 0x3f0481ee7540baf7, 0, W(misc, 555)},
    {OP_F64_SQRT, 0x30dfeb5a1ce3ed9c, 0, 0x3866995060c20d46, 0, W(misc, 556)},
    {OP_F64_SQRT, 0x7a1957d9796e3834, 0, 0x5d042305213157ba, 0, W(misc, 557)},
    {OP_F32_SQRT, 0x7ab2bc3e, 0, 0x5d174152, 0, W(misc, 560)},
    {OP_F32_SQRT, 0x4739b022, 0, 0x435a0720, 0, W(misc, 561)},
    {OP_F32_SQRT, 0x3f500768, 0, 0x3f66c576, 0, W(misc, 562)},
    {OP_F32_SQRT, 0x143d2640, 0, 0x29dc0cf2, 0, W(misc, 563)},
    {OP_F32_SQRT, 0x10ae926a, 0, 0x28157baf, 0, W(misc, 564)},
    {OP_F64_SQRT, 0x6e1a008948ead274, 0, 0x5704659b37c39b19, 0, W(misc, 565)},
    {OP_F64_SQRT, 0x28270f6199ed21f5, 0, 0x340b2a2bddf3300d, 0, W(misc, 566)},
    {OP_F64_SQRT, 0x7c435c1d49f2a352, 0, 0x5e18e3d9f01a9716, 0, W(misc, 567)},
    {OP_F64_SQRT, 0x3d23fbdcfb2b2a15, 0, 0x3e8949ba4feca42a, 0, W(misc, 568)},
    {OP_F64_SQRT, 0x213c201b94757145, 0, 0x3095369ee6bf2967, 0, W(misc, 569)},
    {OP_F64_SQRT, 0x83c360e8d0032ad0, 0, 0x7ff8000000000000, 0, W(misc, 572)},
    {OP_F64_SQRT, 0x466d9a6f5eef0503, 0, 0x432ec73f56c166f6, 0, W(misc, 573)},
    {OP_F64_SQRT, 0x107aa051a5c4ec27, 0, 0x2834a3e771ff5149, 0, W(misc, 574)},
    {OP_F64_SQRT, 0x2ebe5522a741babe, 0, 0x375607ae2b6feb7d, 0, W(misc, 575)},
    {OP_F64_SQRT, 0x6364832badc0c061, 0, 0x51a99ec7934139b2, 0, W(misc, 576)},
    {OP_F32_SQRT, 0x3f800001, 0, 0x3f800000, 0, W(misc, 579)},
    {OP_F32_SQRT, 0x3f800002, 0, 0x3f800001, 0, W(misc, 580)},
    {OP_F64_SQRT, 0x3ff0000000000001, 0, 0x3ff0000000000000, 0, W(misc, 581)},
    {OP_F64_SQRT, 0x3ff0000000000002, 0, 0x3ff0000000000001, 0, W(misc, 582)},
    {OP_F32_SQRT, 0x3f7ffffe, 0, 0x3f7fffff, 0, W(misc, 585)},
    {OP_F32_SQRT, 0x3f7ffffd, 0, 0x3f7ffffe, 0, W(misc, 586)},
    {OP_F64_SQRT, 0x3feffffffffffffe, 0, 0x3fefffffffffffff, 0, W(misc, 587)},
    {OP_F64_SQRT, 0x3feffffffffffffd, 0, 0x3feffffffffffffe, 0, W(misc, 588)},
    {OP_F32_SQRT, 0x3e7fffff, 0, 0x3effffff, 0, W(misc, 591)},
    {OP_F32_SQRT, 0x3e800000, 0, 0x3f000000, 0, W(misc, 592)},
    {OP_F32_SQRT, 0x3e800001, 0, 0x3f000000, 0, W(misc, 593)},
    {OP_F32_SQRT, 0x3e800002, 0, 0x3f000001, 0, W(misc, 594)},
    {OP_F64_SQRT, 0x3fcfffffffffffff, 0, 0x3fdfffffffffffff, 0, W(misc, 595)},
    {OP_F64_SQRT, 0x3fd0000000000000, 0, 0x3fe0000000000000, 0, W(misc, 596)},
    {OP_F64_SQRT, 0x3fd0000000000001, 0, 0x3fe0000000000000, 0, W(misc, 597)},
    {OP_F64_SQRT, 0x3fd0000000000002, 0, 0x3fe0000000000001, 0, W(misc, 598)},
    {OP_F32_SQRT, 0x527da0ea, 0, 0x48fecfc0, 0, W(misc, 602)},
    {OP_F64_SQRT, 0x424fb41d442eeb1b, 0, 0x411fd9f808a0b68d, 0, W(misc, 603)},
    {OP_F32_SQRT, 0x501e30d9, 0, 0x47c93d00, 0, W(misc, 607)},
    {OP_F32_SQRT, 0x592b5ea7, 0, 0x4c517406, 0, W(misc, 608)},
    {OP_F32_SQRT, 0x55b2f816, 0, 0x4a975aa2, 0, W(misc, 609)},
    {OP_F32_SQRT, 0x4e932c06, 0, 0x4709406b, 0, W(misc, 610)},
    {OP_F64_SQRT, 0x4203c61b11200000, 0, 0x40f927a000000000, 0, W(misc, 611)},
    {OP_F64_SQRT, 0x43256bd4e65c8548, 0, 0x418a2e80d0000000, 0, W(misc, 612)},
    {OP_F64_SQRT, 0x42b65f02cc93a100, 0, 0x4152eb5440000000, 0, W(misc, 613)},
    {OP_F64_SQRT, 0x41d26580b4c00000, 0, 0x40e1280d62b818cf, 0, W(misc, 614)},
    {OP_F32_SQRT, 0x3f040bfe, 0, 0x3f37dbcf, 0, W(misc, 618)},
    {OP_F32_SQRT, 0x3f00bdcc, 0, 0x3f358af7, 0, W(misc, 619)},
    {OP_F64_SQRT, 0x3fe0817fc0000000, 0, 0x3fe6fb79d0dfaffa, 0, W(misc, 620)},
    {OP_F64_SQRT, 0x3fe017b980000000, 0, 0x3fe6b15ed0071b95, 0, W(misc, 621)},
    {OP_F32_SQRT, 0x41100000, 0, 0x40400000, 0, W(misc, 625)},
    {OP_F32_SQRT, 0x43090000, 0, 0x413b4673, 0, W(misc, 626)},
    {OP_F32_SQRT, 0x3fe30aef, 0, 0x3faa7968, 0, W(misc, 627)},
    {OP_F32_SQRT, 0x447a0000, 0, 0x41fcfb72, 0, W(misc, 628)},
    {OP_F64_SQRT, 0x4022000000000000, 0, 0x4008000000000000, 0, W(misc, 629)},
    {OP_F64_SQRT, 0x4061200000000000, 0, 0x402768ce6d3c11e0, 0, W(misc, 630)},
    {OP_F64_SQRT, 0x3ffc615df07a57d3, 0, 0x3ff54f2d015acf09, 0, W(misc, 631)},
    {OP_F64_SQRT, 0x408f400000000000, 0, 0x403f9f6e4990f227, 0, W(misc, 632)},
    {OP_F32_ABS, 0x7f80f1e2, 0, 0x7f80f1e2, 0, W(misc, 636)},
    {OP_F32_ABS, 0xff80f1e2, 0, 0x7f80f1e2, 0, W(misc, 637)},
    {OP_F64_ABS, 0x7ff00000f1e27a6b, 0, 0x7ff00000f1e27a6b, 0, W(misc, 638)},
    {OP_F64_ABS, 0xfff00000f1e27a6b, 0, 0x7ff00000f1e27a6b, 0, W(misc, 639)},
    {OP_F32_NEG, 0x7f80f1e2, 0, 0xff80f1e2, 0, W(misc, 641)},
    {OP_F32_NEG, 0xff80f1e2, 0, 0x7f80f1e2, 0, W(misc, 642)},
    {OP_F64_NEG, 0x7ff00000f1e27a6b, 0, 0xfff00000f1e27a6b, 0, W(misc, 643)},
    {OP_F64_NEG, 0xfff00000f1e27a6b, 0, 0x7ff00000f1e27a6b, 0, W(misc, 644)},
    {OP_F32_COPYSIGN, 0x7f80f1e2, 0x7fc00000, 0x7f80f1e2, 0, W(misc, 646)},
    {OP_F32_COPYSIGN, 0x7f80f1e2, 0xffc00000, 0xff80f1e2, 0, W(misc, 647)},
    {OP_F32_COPYSIGN, 0xff80f1e2, 0x7fc00000, 0x7f80f1e2, 0, W(misc, 648)},
    {OP_F32_COPYSIGN, 0xff80f1e2, 0xffc00000, 0xff80f1e2, 0, W(misc, 649)},
    {OP_F64_COPYSIGN, 0x7ff00000f1e27a6b, 0x7ff8000000000000, 0x7ff00000f1e27a6b, 0, W(misc, 650)},
    {OP_F64_COPYSIGN, 0x7ff00000f1e27a6b, 0xfff8000000000000, 0xfff00000f1e27a6b, 0, W(misc, 651)},
    {OP_F64_COPYSIGN, 0xfff00000f1e27a6b, 0x7ff8000000000000, 0x7ff00000f1e27a6b, 0, W(misc, 652)},
    {OP_F64_COPYSIGN, 0xfff00000f1e27a6b, 0xfff8000000000000, 0xfff00000f1e27a6b, 0, W(misc, 653)},
    {OP_F32_CEIL, 0x3f7fffff, 0, 0x3f800000, 0, W(misc, 656)},
    {OP_F32_CEIL, 0x3f800001, 0, 0x40000000, 0, W(misc, 657)},
    {OP_F64_CEIL, 0x3fefffffffffffff, 0, 0x3ff0000000000000, 0, W(misc, 658)},
    {OP_F64_CEIL, 0x3ff0000000000001, 0, 0x4000000000000000, 0, W(misc, 659)},
    {OP_F32_CEIL, 0x4affffff, 0, 0x4b000000, 0, W(misc, 662)},
    {OP_F32_CEIL, 0xcaffffff, 0, 0xcafffffe, 0, W(misc, 663)},
    {OP_F64_CEIL, 0x432fffffffffffff, 0, 0x4330000000000000, 0, W(misc, 664)},
    {OP_F64_CEIL, 0xc32fffffffffffff, 0, 0xc32ffffffffffffe, 0, W(misc, 665)},
    {OP_F32_CEIL, 0x4b7fffff, 0, 0x4b7fffff, 0, W(misc, 669)},
    {OP_F32_CEIL, 0xcb7fffff, 0, 0xcb7fffff, 0, W(misc, 670)},
    {OP_F64_CEIL, 0x433fffffffffffff, 0, 0x433fffffffffffff, 0, W(misc, 671)},
    {OP_F64_CEIL, 0xc33fffffffffffff, 0, 0xc33fffffffffffff, 0, W(misc, 672)},
    {OP_F32_FLOOR, 0xbf7fffff, 0, 0xbf800000, 0, W(misc, 675)},
    {OP_F32_FLOOR, 0xbf800001, 0, 0xc0000000, 0, W(misc, 676)},
    {OP_F64_FLOOR, 0xbfefffffffffffff, 0, 0xbff0000000000000, 0, W(misc, 677)},
    {OP_F64_FLOOR, 0xbff0000000000001, 0, 0xc000000000000000, 0, W(misc, 678)},
    {OP_F32_FLOOR, 0xcaffffff, 0, 0xcb000000, 0, W(misc, 681)},
    {OP_F32_FLOOR, 0x4affffff, 0, 0x4afffffe, 0, W(misc, 682)},
    {OP_F64_FLOOR, 0xc32fffffffffffff, 0, 0xc330000000000000, 0, W(misc, 683)},
    {OP_F64_FLOOR, 0x432fffffffffffff, 0, 0x432ffffffffffffe, 0, W(misc, 684)},
    {OP_F32_FLOOR, 0x47ad0f80, 0, 0x47ad0f80, 0, W(misc, 688)},
    {OP_F64_FLOOR, 0x40f5a1f000000000, 0, 0x40f5a1f000000000, 0, W(misc, 689)},
    {OP_F32_TRUNC, 0xcaffffff, 0, 0xcafffffe, 0, W(misc, 692)},
    {OP_F32_TRUNC, 0x4affffff, 0, 0x4afffffe, 0, W(misc, 693)},
    {OP_F64_TRUNC, 0xc32fffffffffffff, 0, 0xc32ffffffffffffe, 0, W(misc, 694)},
    {OP_F64_TRUNC, 0x432fffffffffffff, 0, 0x432ffffffffffffe, 0, W(misc, 695)},
    {OP_F32_NEAREST, 0x4b000001, 0, 0x4b000001, 0, W(misc, 700)},
    {OP_F32_NEAREST, 0x4b000002, 0, 0x4b000002, 0, W(misc, 701)},
    {OP_F32_NEAREST, 0x3effffff, 0, 0, 0, W(misc, 702)},
    {OP_F32_NEAREST, 0x577fffff, 0, 0x577fffff, 0, W(misc, 703)},
    {OP_F64_NEAREST, 0x4330000000000001, 0, 0x4330000000000001, 0, W(misc, 704)},
    {OP_F64_NEAREST, 0x4330000000000002, 0, 0x4330000000000002, 0, W(misc, 705)},
    {OP_F64_NEAREST, 0x3fdfffffffffffff, 0, 0, 0, W(misc, 706)},
    {OP_F64_NEAREST, 0x468fffffffffffff, 0, 0x468fffffffffffff, 0, W(misc, 707)},
    {OP_F32_NEAREST, 0x40900000, 0, 0x40800000, 0, W(misc, 711)},
    {OP_F32_NEAREST, 0xc0900000, 0, 0xc0800000, 0, W(misc, 712)},
    {OP_F32_NEAREST, 0xc0600000, 0, 0xc0800000, 0, W(misc, 713)},
    {OP_F64_NEAREST, 0x4012000000000000, 0, 0x4010000000000000, 0, W(misc, 714)},
    {OP_F64_NEAREST, 0xc012000000000000, 0, 0xc010000000000000, 0, W(misc, 715)},
    {OP_F64_NEAREST, 0xc00c000000000000, 0, 0xc010000000000000, 0, W(misc, 716)},
    {OP_F32_NEAREST, 0xcaffffff, 0, 0xcb000000, 0, W(misc, 719)},
    {OP_F32_NEAREST, 0x4affffff, 0, 0x4b000000, 0, W(misc, 720)},
    {OP_F64_NEAREST, 0xc32fffffffffffff, 0, 0xc330000000000000, 0, W(misc, 721)},
    {OP_F64_NEAREST, 0x432fffffffffffff, 0, 0x4330000000000000, 0, W(misc, 722)},
    /* conversions.wast */
    {OP_I32_TRUNC_F32_S, 0, 0, 0, 0, W(conv, 64)},
    {OP_I32_TRUNC_F32_S, 0x80000000, 0, 0, 0, W(conv, 65)},
    {OP_I32_TRUNC_F32_S, 1, 0, 0, 0, W(conv, 66)},
    {OP_I32_TRUNC_F32_S, 0x80000001, 0, 0, 0, W(conv, 67)},
    {OP_I32_TRUNC_F32_S, 0x3f800000, 0, 1, 0, W(conv, 68)},
    {OP_I32_TRUNC_F32_S, 0x3f8ccccd, 0, 1, 0, W(conv, 69)},
    {OP_I32_TRUNC_F32_S, 0x3fc00000, 0, 1, 0, W(conv, 70)},
    {OP_I32_TRUNC_F32_S, 0xbf800000, 0, 0xffffffff, 0, W(conv, 71)},
    {OP_I32_TRUNC_F32_S, 0xbf8ccccd, 0, 0xffffffff, 0, W(conv, 72)},
    {OP_I32_TRUNC_F32_S, 0xbfc00000, 0, 0xffffffff, 0, W(conv, 73)},
    {OP_I32_TRUNC_F32_S, 0xbff33333, 0, 0xffffffff, 0, W(conv, 74)},
    {OP_I32_TRUNC_F32_S, 0xc0000000, 0, 0xfffffffe, 0, W(conv, 75)},
    {OP_I32_TRUNC_F32_S, 0x4effffff, 0, 0x7fffff80, 0, W(conv, 76)},
    {OP_I32_TRUNC_F32_S, 0xcf000000, 0, 0x80000000, 0, W(conv, 77)},
    {OP_I32_TRUNC_F32_S, 0x4f000000, 0, 0, T(INT_OVERFLOW), W(conv, 78)},
    {OP_I32_TRUNC_F32_S, 0xcf000001, 0, 0, T(INT_OVERFLOW), W(conv, 79)},
    {OP_I32_TRUNC_F32_S, 0x7f800000, 0, 0, T(INT_OVERFLOW), W(conv, 80)},
    {OP_I32_TRUNC_F32_S, 0xff800000, 0, 0, T(INT_OVERFLOW), W(conv, 81)},
    {OP_I32_TRUNC_F32_S, 0x7fc00000, 0, 0, T(INVALID_CONVERSION), W(conv, 82)},
    {OP_I32_TRUNC_F32_S, 0x7fa00000, 0, 0, T(INVALID_CONVERSION), W(conv, 83)},
    {OP_I32_TRUNC_F32_S, 0xffc00000, 0, 0, T(INVALID_CONVERSION), W(conv, 84)},
    {OP_I32_TRUNC_F32_S, 0xffa00000, 0, 0, T(INVALID_CONVERSION), W(conv, 85)},
    {OP_I32_TRUNC_F32_U, 0, 0, 0, 0, W(conv, 87)},
    {OP_I32_TRUNC_F32_U, 0x80000000, 0, 0, 0, W(conv, 88)},
    {OP_I32_TRUNC_F32_U, 1, 0, 0, 0, W(conv, 89)},
    {OP_I32_TRUNC_F32_U, 0x80000001, 0, 0, 0, W(conv, 90)},
    {OP_I32_TRUNC_F32_U, 0x3f800000, 0, 1, 0, W(conv, 91)},
    {OP_I32_TRUNC_F32_U, 0x3f8ccccd, 0, 1, 0, W(conv, 92)},
    {OP_I32_TRUNC_F32_U, 0x3fc00000, 0, 1, 0, W(conv, 93)},
    {OP_I32_TRUNC_F32_U, 0x3ff33333, 0, 1, 0, W(conv, 94)},
    {OP_I32_TRUNC_F32_U, 0x40000000, 0, 2, 0, W(conv, 95)},
    {OP_I32_TRUNC_F32_U, 0x4f000000, 0, 0x80000000, 0, W(conv, 96)},
    {OP_I32_TRUNC_F32_U, 0x4f7fffff, 0, 0xffffff00, 0, W(conv, 97)},
    {OP_I32_TRUNC_F32_U, 0xbf666666, 0, 0, 0, W(conv, 98)},
    {OP_I32_TRUNC_F32_U, 0xbf7fffff, 0, 0, 0, W(conv, 99)},
    {OP_I32_TRUNC_F32_U, 0x4f800000, 0, 0, T(INT_OVERFLOW), W(conv, 100)},
    {OP_I32_TRUNC_F32_U, 0xbf800000, 0, 0, T(INT_OVERFLOW), W(conv, 101)},
    {OP_I32_TRUNC_F32_U, 0x7f800000, 0, 0, T(INT_OVERFLOW), W(conv, 102)},
    {OP_I32_TRUNC_F32_U, 0xff800000, 0, 0, T(INT_OVERFLOW), W(conv, 103)},
    {OP_I32_TRUNC_F32_U, 0x7fc00000, 0, 0, T(INVALID_CONVERSION), W(conv, 104)},
    {OP_I32_TRUNC_F32_U, 0x7fa00000, 0, 0, T(INVALID_CONVERSION), W(conv, 105)},
    {OP_I32_TRUNC_F32_U, 0xffc00000, 0, 0, T(INVALID_CONVERSION), W(conv, 106)},
    {OP_I32_TRUNC_F32_U, 0xffa00000, 0, 0, T(INVALID_CONVERSION), W(conv, 107)},
    {OP_I32_TRUNC_F64_S, 0, 0, 0, 0, W(conv, 109)},
    {OP_I32_TRUNC_F64_S, 0x8000000000000000, 0, 0, 0, W(conv, 110)},
    {OP_I32_TRUNC_F64_S, 1, 0, 0, 0, W(conv, 111)},
    {OP_I32_TRUNC_F64_S, 0x8000000000000001, 0, 0, 0, W(conv, 112)},
    {OP_I32_TRUNC_F64_S, 0x3ff0000000000000, 0, 1, 0, W(conv, 113)},
    {OP_I32_TRUNC_F64_S, 0x3ff199999999999a, 0, 1, 0, W(conv, 114)},
    {OP_I32_TRUNC_F64_S, 0x3ff8000000000000, 0, 1, 0, W(conv, 115)},
    {OP_I32_TRUNC_F64_S, 0xbff0000000000000, 0, 0xffffffff, 0, W(conv, 116)},
    {OP_I32_TRUNC_F64_S, 0xbff199999999999a, 0, 0xffffffff, 0, W(conv, 117)},
    {OP_I32_TRUNC_F64_S, 0xbff8000000000000, 0, 0xffffffff, 0, W(conv, 118)},
    {OP_I32_TRUNC_F64_S, 0xbffe666666666666, 0, 0xffffffff, 0, W(conv, 119)},
    {OP_I32_TRUNC_F64_S, 0xc000000000000000, 0, 0xfffffffe, 0, W(conv, 120)},
    {OP_I32_TRUNC_F64_S, 0x41dfffffffc00000, 0, 0x7fffffff, 0, W(conv, 121)},
    {OP_I32_TRUNC_F64_S, 0xc1e0000000000000, 0, 0x80000000, 0, W(conv, 122)},
    {OP_I32_TRUNC_F64_S, 0xc1e00000001ccccd, 0, 0x80000000, 0, W(conv, 123)},
    {OP_I32_TRUNC_F64_S, 0x41dffffffff9999a, 0, 0x7fffffff, 0, W(conv, 124)},
    {OP_I32_TRUNC_F64_S, 0x41e0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 125)},
    {OP_I32_TRUNC_F64_S, 0xc1e0000000200000, 0, 0, T(INT_OVERFLOW), W(conv, 126)},
    {OP_I32_TRUNC_F64_S, 0x7ff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 127)},
    {OP_I32_TRUNC_F64_S, 0xfff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 128)},
    {OP_I32_TRUNC_F64_S, 0x7ff8000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 129)},
    {OP_I32_TRUNC_F64_S, 0x7ff4000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 130)},
    {OP_I32_TRUNC_F64_S, 0xfff8000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 131)},
    {OP_I32_TRUNC_F64_S, 0xfff4000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 132)},
    {OP_I32_TRUNC_F64_U, 0, 0, 0, 0, W(conv, 134)},
    {OP_I32_TRUNC_F64_U, 0x8000000000000000, 0, 0, 0, W(conv, 135)},
    {OP_I32_TRUNC_F64_U, 1, 0, 0, 0, W(conv, 136)},
    {OP_I32_TRUNC_F64_U, 0x8000000000000001, 0, 0, 0, W(conv, 137)},
    {OP_I32_TRUNC_F64_U, 0x3ff0000000000000, 0, 1, 0, W(conv, 138)},
    {OP_I32_TRUNC_F64_U, 0x3ff199999999999a, 0, 1, 0, W(conv, 139)},
    {OP_I32_TRUNC_F64_U, 0x3ff8000000000000, 0, 1, 0, W(conv, 140)},
    {OP_I32_TRUNC_F64_U, 0x3ffe666666666666, 0, 1, 0, W(conv, 141)},
    {OP_I32_TRUNC_F64_U, 0x4000000000000000, 0, 2, 0, W(conv, 142)},
    {OP_I32_TRUNC_F64_U, 0x41e0000000000000, 0, 0x80000000, 0, W(conv, 143)},
    {OP_I32_TRUNC_F64_U, 0x41efffffffe00000, 0, 0xffffffff, 0, W(conv, 144)},
    {OP_I32_TRUNC_F64_U, 0xbfeccccccccccccd, 0, 0, 0, W(conv, 145)},
    {OP_I32_TRUNC_F64_U, 0xbfefffffffffffff, 0, 0, 0, W(conv, 146)},
    {OP_I32_TRUNC_F64_U, 0x4197d78400000000, 0, 0x5f5e100, 0, W(conv, 147)},
    {OP_I32_TRUNC_F64_U, 0xbfeccccccccccccd, 0, 0, 0, W(conv, 148)},
    {OP_I32_TRUNC_F64_U, 0x41effffffffccccd, 0, 0xffffffff, 0, W(conv, 149)},
    {OP_I32_TRUNC_F64_U, 0x41f0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 150)},
    {OP_I32_TRUNC_F64_U, 0xbff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 151)},
    {OP_I32_TRUNC_F64_U, 0x4341c37937e08000, 0, 0, T(INT_OVERFLOW), W(conv, 152)},
    {OP_I32_TRUNC_F64_U, 0x46293e5939a08cea, 0, 0, T(INT_OVERFLOW), W(conv, 153)},
    {OP_I32_TRUNC_F64_U, 0x43e0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 154)},
    {OP_I32_TRUNC_F64_U, 0x7ff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 155)},
    {OP_I32_TRUNC_F64_U, 0xfff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 156)},
    {OP_I32_TRUNC_F64_U, 0x7ff8000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 157)},
    {OP_I32_TRUNC_F64_U, 0x7ff4000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 158)},
    {OP_I32_TRUNC_F64_U, 0xfff8000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 159)},
    {OP_I32_TRUNC_F64_U, 0xfff4000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 160)},
    {OP_I64_TRUNC_F32_S, 0, 0, 0, 0, W(conv, 162)},
    {OP_I64_TRUNC_F32_S, 0x80000000, 0, 0, 0, W(conv, 163)},
    {OP_I64_TRUNC_F32_S, 1, 0, 0, 0, W(conv, 164)},
    {OP_I64_TRUNC_F32_S, 0x80000001, 0, 0, 0, W(conv, 165)},
    {OP_I64_TRUNC_F32_S, 0x3f800000, 0, 1, 0, W(conv, 166)},
    {OP_I64_TRUNC_F32_S, 0x3f8ccccd, 0, 1, 0, W(conv, 167)},
    {OP_I64_TRUNC_F32_S, 0x3fc00000, 0, 1, 0, W(conv, 168)},
    {OP_I64_TRUNC_F32_S, 0xbf800000, 0, 0xffffffffffffffff, 0, W(conv, 169)},
    {OP_I64_TRUNC_F32_S, 0xbf8ccccd, 0, 0xffffffffffffffff, 0, W(conv, 170)},
    {OP_I64_TRUNC_F32_S, 0xbfc00000, 0, 0xffffffffffffffff, 0, W(conv, 171)},
    {OP_I64_TRUNC_F32_S, 0xbff33333, 0, 0xffffffffffffffff, 0, W(conv, 172)},
    {OP_I64_TRUNC_F32_S, 0xc0000000, 0, 0xfffffffffffffffe, 0, W(conv, 173)},
    {OP_I64_TRUNC_F32_S, 0x4f800000, 0, 0x100000000, 0, W(conv, 174)},
    {OP_I64_TRUNC_F32_S, 0xcf800000, 0, 0xffffffff00000000, 0, W(conv, 175)},
    {OP_I64_TRUNC_F32_S, 0x5effffff, 0, 0x7fffff8000000000, 0, W(conv, 176)},
    {OP_I64_TRUNC_F32_S, 0xdf000000, 0, 0x8000000000000000, 0, W(conv, 177)},
    {OP_I64_TRUNC_F32_S, 0x5f000000, 0, 0, T(INT_OVERFLOW), W(conv, 178)},
    {OP_I64_TRUNC_F32_S, 0xdf000001, 0, 0, T(INT_OVERFLOW), W(conv, 179)},
    {OP_I64_TRUNC_F32_S, 0x7f800000, 0, 0, T(INT_OVERFLOW), W(conv, 180)},
    {OP_I64_TRUNC_F32_S, 0xff800000, 0, 0, T(INT_OVERFLOW), W(conv, 181)},
    {OP_I64_TRUNC_F32_S, 0x7fc00000, 0, 0, T(INVALID_CONVERSION), W(conv, 182)},
    {OP_I64_TRUNC_F32_S, 0x7fa00000, 0, 0, T(INVALID_CONVERSION), W(conv, 183)},
    {OP_I64_TRUNC_F32_S, 0xffc00000, 0, 0, T(INVALID_CONVERSION), W(conv, 184)},
    {OP_I64_TRUNC_F32_S, 0xffa00000, 0, 0, T(INVALID_CONVERSION), W(conv, 185)},
    {OP_I64_TRUNC_F32_U, 0, 0, 0, 0, W(conv, 187)},
    {OP_I64_TRUNC_F32_U, 0x80000000, 0, 0, 0, W(conv, 188)},
    {OP_I64_TRUNC_F32_U, 1, 0, 0, 0, W(conv, 189)},
    {OP_I64_TRUNC_F32_U, 0x80000001, 0, 0, 0, W(conv, 190)},
    {OP_I64_TRUNC_F32_U, 0x3f800000, 0, 1, 0, W(conv, 191)},
    {OP_I64_TRUNC_F32_U, 0x3f8ccccd, 0, 1, 0, W(conv, 192)},
    {OP_I64_TRUNC_F32_U, 0x3fc00000, 0, 1, 0, W(conv, 193)},
    {OP_I64_TRUNC_F32_U, 0x4f800000, 0, 0x100000000, 0, W(conv, 194)},
    {OP_I64_TRUNC_F32_U, 0x5f7fffff, 0, 0xffffff0000000000, 0, W(conv, 195)},
    {OP_I64_TRUNC_F32_U, 0xbf666666, 0, 0, 0, W(conv, 196)},
    {OP_I64_TRUNC_F32_U, 0xbf7fffff, 0, 0, 0, W(conv, 197)},
    {OP_I64_TRUNC_F32_U, 0x5f800000, 0, 0, T(INT_OVERFLOW), W(conv, 198)},
    {OP_I64_TRUNC_F32_U, 0xbf800000, 0, 0, T(INT_OVERFLOW), W(conv, 199)},
    {OP_I64_TRUNC_F32_U, 0x7f800000, 0, 0, T(INT_OVERFLOW), W(conv, 200)},
    {OP_I64_TRUNC_F32_U, 0xff800000, 0, 0, T(INT_OVERFLOW), W(conv, 201)},
    {OP_I64_TRUNC_F32_U, 0x7fc00000, 0, 0, T(INVALID_CONVERSION), W(conv, 202)},
    {OP_I64_TRUNC_F32_U, 0x7fa00000, 0, 0, T(INVALID_CONVERSION), W(conv, 203)},
    {OP_I64_TRUNC_F32_U, 0xffc00000, 0, 0, T(INVALID_CONVERSION), W(conv, 204)},
    {OP_I64_TRUNC_F32_U, 0xffa00000, 0, 0, T(INVALID_CONVERSION), W(conv, 205)},
    {OP_I64_TRUNC_F64_S, 0, 0, 0, 0, W(conv, 207)},
    {OP_I64_TRUNC_F64_S, 0x8000000000000000, 0, 0, 0, W(conv, 208)},
    {OP_I64_TRUNC_F64_S, 1, 0, 0, 0, W(conv, 209)},
    {OP_I64_TRUNC_F64_S, 0x8000000000000001, 0, 0, 0, W(conv, 210)},
    {OP_I64_TRUNC_F64_S, 0x3ff0000000000000, 0, 1, 0, W(conv, 211)},
    {OP_I64_TRUNC_F64_S, 0x3ff199999999999a, 0, 1, 0, W(conv, 212)},
    {OP_I64_TRUNC_F64_S, 0x3ff8000000000000, 0, 1, 0, W(conv, 213)},
    {OP_I64_TRUNC_F64_S, 0xbff0000000000000, 0, 0xffffffffffffffff, 0, W(conv, 214)},
    {OP_I64_TRUNC_F64_S, 0xbff199999999999a, 0, 0xffffffffffffffff, 0, W(conv, 215)},
    {OP_I64_TRUNC_F64_S, 0xbff8000000000000, 0, 0xffffffffffffffff, 0, W(conv, 216)},
    {OP_I64_TRUNC_F64_S, 0xbffe666666666666, 0, 0xffffffffffffffff, 0, W(conv, 217)},
    {OP_I64_TRUNC_F64_S, 0xc000000000000000, 0, 0xfffffffffffffffe, 0, W(conv, 218)},
    {OP_I64_TRUNC_F64_S, 0x41f0000000000000, 0, 0x100000000, 0, W(conv, 219)},
    {OP_I64_TRUNC_F64_S, 0xc1f0000000000000, 0, 0xffffffff00000000, 0, W(conv, 220)},
    {OP_I64_TRUNC_F64_S, 0x43dfffffffffffff, 0, 0x7ffffffffffffc00, 0, W(conv, 221)},
    {OP_I64_TRUNC_F64_S, 0xc3e0000000000000, 0, 0x8000000000000000, 0, W(conv, 222)},
    {OP_I64_TRUNC_F64_S, 0x43e0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 223)},
    {OP_I64_TRUNC_F64_S, 0xc3e0000000000001, 0, 0, T(INT_OVERFLOW), W(conv, 224)},
    {OP_I64_TRUNC_F64_S, 0x7ff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 225)},
    {OP_I64_TRUNC_F64_S, 0xfff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 226)},
    {OP_I64_TRUNC_F64_S, 0x7ff8000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 227)},
    {OP_I64_TRUNC_F64_S, 0x7ff4000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 228)},
    {OP_I64_TRUNC_F64_S, 0xfff8000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 229)},
    {OP_I64_TRUNC_F64_S, 0xfff4000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 230)},
    {OP_I64_TRUNC_F64_U, 0, 0, 0, 0, W(conv, 232)},
    {OP_I64_TRUNC_F64_U, 0x8000000000000000, 0, 0, 0, W(conv, 233)},
    {OP_I64_TRUNC_F64_U, 1, 0, 0, 0, W(conv, 234)},
    {OP_I64_TRUNC_F64_U, 0x8000000000000001, 0, 0, 0, W(conv, 235)},
    {OP_I64_TRUNC_F64_U, 0x3ff0000000000000, 0, 1, 0, W(conv, 236)},
    {OP_I64_TRUNC_F64_U, 0x3ff199999999999a, 0, 1, 0, W(conv, 237)},
    {OP_I64_TRUNC_F64_U, 0x3ff8000000000000, 0, 1, 0, W(conv, 238)},
    {OP_I64_TRUNC_F64_U, 0x41efffffffe00000, 0, 0xffffffff, 0, W(conv, 239)},
    {OP_I64_TRUNC_F64_U, 0x41f0000000000000, 0, 0x100000000, 0, W(conv, 240)},
    {OP_I64_TRUNC_F64_U, 0x43efffffffffffff, 0, 0xfffffffffffff800, 0, W(conv, 241)},
    {OP_I64_TRUNC_F64_U, 0xbfeccccccccccccd, 0, 0, 0, W(conv, 242)},
    {OP_I64_TRUNC_F64_U, 0xbfefffffffffffff, 0, 0, 0, W(conv, 243)},
    {OP_I64_TRUNC_F64_U, 0x4197d78400000000, 0, 0x5f5e100, 0, W(conv, 244)},
    {OP_I64_TRUNC_F64_U, 0x4341c37937e08000, 0, 0x2386f26fc10000, 0, W(conv, 245)},
    {OP_I64_TRUNC_F64_U, 0x43e0000000000000, 0, 0x8000000000000000, 0, W(conv, 246)},
    {OP_I64_TRUNC_F64_U, 0x43f0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 247)},
    {OP_I64_TRUNC_F64_U, 0xbff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 248)},
    {OP_I64_TRUNC_F64_U, 0x7ff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 249)},
    {OP_I64_TRUNC_F64_U, 0xfff0000000000000, 0, 0, T(INT_OVERFLOW), W(conv, 250)},
    {OP_I64_TRUNC_F64_U, 0x7ff8000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 251)},
    {OP_I64_TRUNC_F64_U, 0x7ff4000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 252)},
    {OP_I64_TRUNC_F64_U, 0xfff8000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 253)},
    {OP_I64_TRUNC_F64_U, 0xfff4000000000000, 0, 0, T(INVALID_CONVERSION), W(conv, 254)},
    {OP_F32_CONVERT_I32_S, 1, 0, 0x3f800000, 0, W(conv, 256)},
    {OP_F32_CONVERT_I32_S, 0xffffffff, 0, 0xbf800000, 0, W(conv, 257)},
    {OP_F32_CONVERT_I32_S, 0, 0, 0, 0, W(conv, 258)},
    {OP_F32_CONVERT_I32_S, 0x7fffffff, 0, 0x4f000000, 0, W(conv, 259)},
    {OP_F32_CONVERT_I32_S, 0x80000000, 0, 0xcf000000, 0, W(conv, 260)},
    {OP_F32_CONVERT_I32_S, 0x499602d2, 0, 0x4e932c06, 0, W(conv, 261)},
    {OP_I32_TRUNC_SAT_F32_S, 0, 0, 0, 0, W(conv, 265)},
    {OP_I32_TRUNC_SAT_F32_S, 0x80000000, 0, 0, 0, W(conv, 266)},
    {OP_I32_TRUNC_SAT_F32_S, 1, 0, 0, 0, W(conv, 267)},
    {OP_I32_TRUNC_SAT_F32_S, 0x80000001, 0, 0, 0, W(conv, 268)},
    {OP_I32_TRUNC_SAT_F32_S, 0x3f800000, 0, 1, 0, W(conv, 269)},
    {OP_I32_TRUNC_SAT_F32_S, 0x3f8ccccd, 0, 1, 0, W(conv, 270)},
    {OP_I32_TRUNC_SAT_F32_S, 0x3fc00000, 0, 1, 0, W(conv, 271)},
    {OP_I32_TRUNC_SAT_F32_S, 0xbf800000, 0, 0xffffffff, 0, W(conv, 272)},
    {OP_I32_TRUNC_SAT_F32_S, 0xbf8ccccd, 0, 0xffffffff, 0, W(conv, 273)},
    {OP_I32_TRUNC_SAT_F32_S, 0xbfc00000, 0, 0xffffffff, 0, W(conv, 274)},
    {OP_I32_TRUNC_SAT_F32_S, 0xbff33333, 0, 0xffffffff, 0, W(conv, 275)},
    {OP_I32_TRUNC_SAT_F32_S, 0xc0000000, 0, 0xfffffffe, 0, W(conv, 276)},
    {OP_I32_TRUNC_SAT_F32_S, 0x4effffff, 0, 0x7fffff80, 0, W(conv, 277)},
    {OP_I32_TRUNC_SAT_F32_S, 0xcf000000, 0, 0x80000000, 0, W(conv, 278)},
    {OP_I32_TRUNC_SAT_F32_S, 0x4f000000, 0, 0x7fffffff, 0, W(conv, 279)},
    {OP_I32_TRUNC_SAT_F32_S, 0xcf000001, 0, 0x80000000, 0, W(conv, 280)},
    {OP_I32_TRUNC_SAT_F32_S, 0x7f800000, 0, 0x7fffffff, 0, W(conv, 281)},
    {OP_I32_TRUNC_SAT_F32_S, 0xff800000, 0, 0x80000000, 0, W(conv, 282)},
    {OP_I32_TRUNC_SAT_F32_S, 0x7fc00000, 0, 0, 0, W(conv, 283)},
    {OP_I32_TRUNC_SAT_F32_S, 0x7fa00000, 0, 0, 0, W(conv, 284)},
    {OP_I32_TRUNC_SAT_F32_S, 0xffc00000, 0, 0, 0, W(conv, 285)},
    {OP_I32_TRUNC_SAT_F32_S, 0xffa00000, 0, 0, 0, W(conv, 286)},
    {OP_I32_TRUNC_SAT_F32_U, 0, 0, 0, 0, W(conv, 288)},
    {OP_I32_TRUNC_SAT_F32_U, 0x80000000, 0, 0, 0, W(conv, 289)},
    {OP_I32_TRUNC_SAT_F32_U, 1, 0, 0, 0, W(conv, 290)},
    {OP_I32_TRUNC_SAT_F32_U, 0x80000001, 0, 0, 0, W(conv, 291)},
    {OP_I32_TRUNC_SAT_F32_U, 0x3f800000, 0, 1, 0, W(conv, 292)},
    {OP_I32_TRUNC_SAT_F32_U, 0x3f8ccccd, 0, 1, 0, W(conv, 293)},
    {OP_I32_TRUNC_SAT_F32_U, 0x3fc00000, 0, 1, 0, W(conv, 294)},
    {OP_I32_TRUNC_SAT_F32_U, 0x3ff33333, 0, 1, 0, W(conv, 295)},
    {OP_I32_TRUNC_SAT_F32_U, 0x40000000, 0, 2, 0, W(conv, 296)},
    {OP_I32_TRUNC_SAT_F32_U, 0x4f000000, 0, 0x80000000, 0, W(conv, 297)},
    {OP_I32_TRUNC_SAT_F32_U, 0x4f7fffff, 0, 0xffffff00, 0, W(conv, 298)},
    {OP_I32_TRUNC_SAT_F32_U, 0xbf666666, 0, 0, 0, W(conv, 299)},
    {OP_I32_TRUNC_SAT_F32_U, 0xbf7fffff, 0, 0, 0, W(conv, 300)},
    {OP_I32_TRUNC_SAT_F32_U, 0x4f800000, 0, 0xffffffff, 0, W(conv, 301)},
    {OP_I32_TRUNC_SAT_F32_U, 0xbf800000, 0, 0, 0, W(conv, 302)},
    {OP_I32_TRUNC_SAT_F32_U, 0x7f800000, 0, 0xffffffff, 0, W(conv, 303)},
    {OP_I32_TRUNC_SAT_F32_U, 0xff800000, 0, 0, 0, W(conv, 304)},
    {OP_I32_TRUNC_SAT_F32_U, 0x7fc00000, 0, 0, 0, W(conv, 305)},
    {OP_I32_TRUNC_SAT_F32_U, 0x7fa00000, 0, 0, 0, W(conv, 306)},
    {OP_I32_TRUNC_SAT_F32_U, 0xffc00000, 0, 0, 0, W(conv, 307)},
    {OP_I32_TRUNC_SAT_F32_U, 0xffa00000, 0, 0, 0, W(conv, 308)},
    {OP_I32_TRUNC_SAT_F64_S, 0, 0, 0, 0, W(conv, 310)},
    {OP_I32_TRUNC_SAT_F64_S, 0x8000000000000000, 0, 0, 0, W(conv, 311)},
    {OP_I32_TRUNC_SAT_F64_S, 1, 0, 0, 0, W(conv, 312)},
    {OP_I32_TRUNC_SAT_F64_S, 0x8000000000000001, 0, 0, 0, W(conv, 313)},
    {OP_I32_TRUNC_SAT_F64_S, 0x3ff0000000000000, 0, 1, 0, W(conv, 314)},
    {OP_I32_TRUNC_SAT_F64_S, 0x3ff199999999999a, 0, 1, 0, W(conv, 315)},
    {OP_I32_TRUNC_SAT_F64_S, 0x3ff8000000000000, 0, 1, 0, W(conv, 316)},
    {OP_I32_TRUNC_SAT_F64_S, 0xbff0000000000000, 0, 0xffffffff, 0, W(conv, 317)},
    {OP_I32_TRUNC_SAT_F64_S, 0xbff199999999999a, 0, 0xffffffff, 0, W(conv, 318)},
    {OP_I32_TRUNC_SAT_F64_S, 0xbff8000000000000, 0, 0xffffffff, 0, W(conv, 319)},
    {OP_I32_TRUNC_SAT_F64_S, 0xbffe666666666666, 0, 0xffffffff, 0, W(conv, 320)},
    {OP_I32_TRUNC_SAT_F64_S, 0xc000000000000000, 0, 0xfffffffe, 0, W(conv, 321)},
    {OP_I32_TRUNC_SAT_F64_S, 0x41dfffffffc00000, 0, 0x7fffffff, 0, W(conv, 322)},
    {OP_I32_TRUNC_SAT_F64_S, 0xc1e0000000000000, 0, 0x80000000, 0, W(conv, 323)},
    {OP_I32_TRUNC_SAT_F64_S, 0x41e0000000000000, 0, 0x7fffffff, 0, W(conv, 324)},
    {OP_I32_TRUNC_SAT_F64_S, 0xc1e0000000200000, 0, 0x80000000, 0, W(conv, 325)},
    {OP_I32_TRUNC_SAT_F64_S, 0x7ff0000000000000, 0, 0x7fffffff, 0, W(conv, 326)},
    {OP_I32_TRUNC_SAT_F64_S, 0xfff0000000000000, 0, 0x80000000, 0, W(conv, 327)},
    {OP_I32_TRUNC_SAT_F64_S, 0x7ff8000000000000, 0, 0, 0, W(conv, 328)},
    {OP_I32_TRUNC_SAT_F64_S, 0x7ff4000000000000, 0, 0, 0, W(conv, 329)},
    {OP_I32_TRUNC_SAT_F64_S, 0xfff8000000000000, 0, 0, 0, W(conv, 330)},
    {OP_I32_TRUNC_SAT_F64_S, 0xfff4000000000000, 0, 0, 0, W(conv, 331)},
    {OP_I32_TRUNC_SAT_F64_U, 0, 0, 0, 0, W(conv, 333)},
    {OP_I32_TRUNC_SAT_F64_U, 0x8000000000000000, 0, 0, 0, W(conv, 334)},
    {OP_I32_TRUNC_SAT_F64_U, 1, 0, 0, 0, W(conv, 335)},
    {OP_I32_TRUNC_SAT_F64_U, 0x8000000000000001, 0, 0, 0, W(conv, 336)},
    {OP_I32_TRUNC_SAT_F64_U, 0x3ff0000000000000, 0, 1, 0, W(conv, 337)},
    {OP_I32_TRUNC_SAT_F64_U, 0x3ff199999999999a, 0, 1, 0, W(conv, 338)},
    {OP_I32_TRUNC_SAT_F64_U, 0x3ff8000000000000, 0, 1, 0, W(conv, 339)},
    {OP_I32_TRUNC_SAT_F64_U, 0x3ffe666666666666, 0, 1, 0, W(conv, 340)},
    {OP_I32_TRUNC_SAT_F64_U, 0x4000000000000000, 0, 2, 0, W(conv, 341)},
    {OP_I32_TRUNC_SAT_F64_U, 0x41e0000000000000, 0, 0x80000000, 0, W(conv, 342)},
    {OP_I32_TRUNC_SAT_F64_U, 0x41efffffffe00000, 0, 0xffffffff, 0, W(conv, 343)},
    {OP_I32_TRUNC_SAT_F64_U, 0xbfeccccccccccccd, 0, 0, 0, W(conv, 344)},
    {OP_I32_TRUNC_SAT_F64_U, 0xbfefffffffffffff, 0, 0, 0, W(conv, 345)},
    {OP_I32_TRUNC_SAT_F64_U, 0x4197d78400000000, 0, 0x5f5e100, 0, W(conv, 346)},
    {OP_I32_TRUNC_SAT_F64_U, 0x41f0000000000000, 0, 0xffffffff, 0, W(conv, 347)},
    {OP_I32_TRUNC_SAT_F64_U, 0xbff0000000000000, 0, 0, 0, W(conv, 348)},
    {OP_I32_TRUNC_SAT_F64_U, 0x4341c37937e08000, 0, 0xffffffff, 0, W(conv, 349)},
    {OP_I32_TRUNC_SAT_F64_U, 0x46293e5939a08cea, 0, 0xffffffff, 0, W(conv, 350)},
    {OP_I32_TRUNC_SAT_F64_U, 0x43e0000000000000, 0, 0xffffffff, 0, W(conv, 351)},
    {OP_I32_TRUNC_SAT_F64_U, 0x7ff0000000000000, 0, 0xffffffff, 0, W(conv, 352)},
    {OP_I32_TRUNC_SAT_F64_U, 0xfff0000000000000, 0, 0, 0, W(conv, 353)},
    {OP_I32_TRUNC_SAT_F64_U, 0x7ff8000000000000, 0, 0, 0, W(conv, 354)},
    {OP_I32_TRUNC_SAT_F64_U, 0x7ff4000000000000, 0, 0, 0, W(conv, 355)},
    {OP_I32_TRUNC_SAT_F64_U, 0xfff8000000000000, 0, 0, 0, W(conv, 356)},
    {OP_I32_TRUNC_SAT_F64_U, 0xfff4000000000000, 0, 0, 0, W(conv, 357)},
    {OP_I64_TRUNC_SAT_F32_S, 0, 0, 0, 0, W(conv, 359)},
    {OP_I64_TRUNC_SAT_F32_S, 0x80000000, 0, 0, 0, W(conv, 360)},
    {OP_I64_TRUNC_SAT_F32_S, 1, 0, 0, 0, W(conv, 361)},
    {OP_I64_TRUNC_SAT_F32_S, 0x80000001, 0, 0, 0, W(conv, 362)},
    {OP_I64_TRUNC_SAT_F32_S, 0x3f800000, 0, 1, 0, W(conv, 363)},
    {OP_I64_TRUNC_SAT_F32_S, 0x3f8ccccd, 0, 1, 0, W(conv, 364)},
    {OP_I64_TRUNC_SAT_F32_S, 0x3fc00000, 0, 1, 0, W(conv, 365)},
    {OP_I64_TRUNC_SAT_F32_S, 0xbf800000, 0, 0xffffffffffffffff, 0, W(conv, 366)},
    {OP_I64_TRUNC_SAT_F32_S, 0xbf8ccccd, 0, 0xffffffffffffffff, 0, W(conv, 367)},
    {OP_I64_TRUNC_SAT_F32_S, 0xbfc00000, 0, 0xffffffffffffffff, 0, W(conv, 368)},
    {OP_I64_TRUNC_SAT_F32_S, 0xbff33333, 0, 0xffffffffffffffff, 0, W(conv, 369)},
    {OP_I64_TRUNC_SAT_F32_S, 0xc0000000, 0, 0xfffffffffffffffe, 0, W(conv, 370)},
    {OP_I64_TRUNC_SAT_F32_S, 0x4f800000, 0, 0x100000000, 0, W(conv, 371)},
    {OP_I64_TRUNC_SAT_F32_S, 0xcf800000, 0, 0xffffffff00000000, 0, W(conv, 372)},
    {OP_I64_TRUNC_SAT_F32_S, 0x5effffff, 0, 0x7fffff8000000000, 0, W(conv, 373)},
    {OP_I64_TRUNC_SAT_F32_S, 0xdf000000, 0, 0x8000000000000000, 0, W(conv, 374)},
    {OP_I64_TRUNC_SAT_F32_S, 0x5f000000, 0, 0x7fffffffffffffff, 0, W(conv, 375)},
    {OP_I64_TRUNC_SAT_F32_S, 0xdf000001, 0, 0x8000000000000000, 0, W(conv, 376)},
    {OP_I64_TRUNC_SAT_F32_S, 0x7f800000, 0, 0x7fffffffffffffff, 0, W(conv, 377)},
    {OP_I64_TRUNC_SAT_F32_S, 0xff800000, 0, 0x8000000000000000, 0, W(conv, 378)},
    {OP_I64_TRUNC_SAT_F32_S, 0x7fc00000, 0, 0, 0, W(conv, 379)},
    {OP_I64_TRUNC_SAT_F32_S, 0x7fa00000, 0, 0, 0, W(conv, 380)},
    {OP_I64_TRUNC_SAT_F32_S, 0xffc00000, 0, 0, 0, W(conv, 381)},
    {OP_I64_TRUNC_SAT_F32_S, 0xffa00000, 0, 0, 0, W(conv, 382)},
    {OP_I64_TRUNC_SAT_F32_U, 0, 0, 0, 0, W(conv, 384)},
    {OP_I64_TRUNC_SAT_F32_U, 0x80000000, 0, 0, 0, W(conv, 385)},
    {OP_I64_TRUNC_SAT_F32_U, 1, 0, 0, 0, W(conv, 386)},
    {OP_I64_TRUNC_SAT_F32_U, 0x80000001, 0, 0, 0, W(conv, 387)},
    {OP_I64_TRUNC_SAT_F32_U, 0x3f800000, 0, 1, 0, W(conv, 388)},
    {OP_I64_TRUNC_SAT_F32_U, 0x3f8ccccd, 0, 1, 0, W(conv, 389)},
    {OP_I64_TRUNC_SAT_F32_U, 0x3fc00000, 0, 1, 0, W(conv, 390)},
    {OP_I64_TRUNC_SAT_F32_U, 0x4f800000, 0, 0x100000000, 0, W(conv, 391)},
    {OP_I64_TRUNC_SAT_F32_U, 0x5f7fffff, 0, 0xffffff0000000000, 0, W(conv, 392)},
    {OP_I64_TRUNC_SAT_F32_U, 0xbf666666, 0, 0, 0, W(conv, 393)},
    {OP_I64_TRUNC_SAT_F32_U, 0xbf7fffff, 0, 0, 0, W(conv, 394)},
    {OP_I64_TRUNC_SAT_F32_U, 0x5f800000, 0, 0xffffffffffffffff, 0, W(conv, 395)},
    {OP_I64_TRUNC_SAT_F32_U, 0xbf800000, 0, 0, 0, W(conv, 396)},
    {OP_I64_TRUNC_SAT_F32_U, 0x7f800000, 0, 0xffffffffffffffff, 0, W(conv, 397)},
    {OP_I64_TRUNC_SAT_F32_U, 0xff800000, 0, 0, 0, W(conv, 398)},
    {OP_I64_TRUNC_SAT_F32_U, 0x7fc00000, 0, 0, 0, W(conv, 399)},
    {OP_I64_TRUNC_SAT_F32_U, 0x7fa00000, 0, 0, 0, W(conv, 400)},
    {OP_I64_TRUNC_SAT_F32_U, 0xffc00000, 0, 0, 0, W(conv, 401)},
    {OP_I64_TRUNC_SAT_F32_U, 0xffa00000, 0, 0, 0, W(conv, 402)},
    {OP_I64_TRUNC_SAT_F64_S, 0, 0, 0, 0, W(conv, 404)},
    {OP_I64_TRUNC_SAT_F64_S, 0x8000000000000000, 0, 0, 0, W(conv, 405)},
    {OP_I64_TRUNC_SAT_F64_S, 1, 0, 0, 0, W(conv, 406)},
    {OP_I64_TRUNC_SAT_F64_S, 0x8000000000000001, 0, 0, 0, W(conv, 407)},
    {OP_I64_TRUNC_SAT_F64_S, 0x3ff0000000000000, 0, 1, 0, W(conv, 408)},
    {OP_I64_TRUNC_SAT_F64_S, 0x3ff199999999999a, 0, 1, 0, W(conv, 409)},
    {OP_I64_TRUNC_SAT_F64_S, 0x3ff8000000000000, 0, 1, 0, W(conv, 410)},
    {OP_I64_TRUNC_SAT_F64_S, 0xbff0000000000000, 0, 0xffffffffffffffff, 0, W(conv, 411)},
    {OP_I64_TRUNC_SAT_F64_S, 0xbff199999999999a, 0, 0xffffffffffffffff, 0, W(conv, 412)},
    {OP_I64_TRUNC_SAT_F64_S, 0xbff8000000000000, 0, 0xffffffffffffffff, 0, W(conv, 413)},
    {OP_I64_TRUNC_SAT_F64_S, 0xbffe666666666666, 0, 0xffffffffffffffff, 0, W(conv, 414)},
    {OP_I64_TRUNC_SAT_F64_S, 0xc000000000000000, 0, 0xfffffffffffffffe, 0, W(conv, 415)},
    {OP_I64_TRUNC_SAT_F64_S, 0x41f0000000000000, 0, 0x100000000, 0, W(conv, 416)},
    {OP_I64_TRUNC_SAT_F64_S, 0xc1f0000000000000, 0, 0xffffffff00000000, 0, W(conv, 417)},
    {OP_I64_TRUNC_SAT_F64_S, 0x43dfffffffffffff, 0, 0x7ffffffffffffc00, 0, W(conv, 418)},
    {OP_I64_TRUNC_SAT_F64_S, 0xc3e0000000000000, 0, 0x8000000000000000, 0, W(conv, 419)},
    {OP_I64_TRUNC_SAT_F64_S, 0x43e0000000000000, 0, 0x7fffffffffffffff, 0, W(conv, 420)},
    {OP_I64_TRUNC_SAT_F64_S, 0xc3e0000000000001, 0, 0x8000000000000000, 0, W(conv, 421)},
    {OP_I64_TRUNC_SAT_F64_S, 0x7ff0000000000000, 0, 0x7fffffffffffffff, 0, W(conv, 422)},
    {OP_I64_TRUNC_SAT_F64_S, 0xfff0000000000000, 0, 0x8000000000000000, 0, W(conv, 423)},
    {OP_I64_TRUNC_SAT_F64_S, 0x7ff8000000000000, 0, 0, 0, W(conv, 424)},
    {OP_I64_TRUNC_SAT_F64_S, 0x7ff4000000000000, 0, 0, 0, W(conv, 425)},
    {OP_I64_TRUNC_SAT_F64_S, 0xfff8000000000000, 0, 0, 0, W(conv, 426)},
    {OP_I64_TRUNC_SAT_F64_S, 0xfff4000000000000, 0, 0, 0, W(conv, 427)},
    {OP_I64_TRUNC_SAT_F64_U, 0, 0, 0, 0, W(conv, 429)},
    {OP_I64_TRUNC_SAT_F64_U, 0x8000000000000000, 0, 0, 0, W(conv, 430)},
    {OP_I64_TRUNC_SAT_F64_U, 1, 0, 0, 0, W(conv, 431)},
    {OP_I64_TRUNC_SAT_F64_U, 0x8000000000000001, 0, 0, 0, W(conv, 432)},
    {OP_I64_TRUNC_SAT_F64_U, 0x3ff0000000000000, 0, 1, 0, W(conv, 433)},
    {OP_I64_TRUNC_SAT_F64_U, 0x3ff199999999999a, 0, 1, 0, W(conv, 434)},
    {OP_I64_TRUNC_SAT_F64_U, 0x3ff8000000000000, 0, 1, 0, W(conv, 435)},
    {OP_I64_TRUNC_SAT_F64_U, 0x41efffffffe00000, 0, 0xffffffff, 0, W(conv, 436)},
    {OP_I64_TRUNC_SAT_F64_U, 0x41f0000000000000, 0, 0x100000000, 0, W(conv, 437)},
    {OP_I64_TRUNC_SAT_F64_U, 0x43efffffffffffff, 0, 0xfffffffffffff800, 0, W(conv, 438)},
    {OP_I64_TRUNC_SAT_F64_U, 0xbfeccccccccccccd, 0, 0, 0, W(conv, 439)},
    {OP_I64_TRUNC_SAT_F64_U, 0xbfefffffffffffff, 0, 0, 0, W(conv, 440)},
    {OP_I64_TRUNC_SAT_F64_U, 0x4197d78400000000, 0, 0x5f5e100, 0, W(conv, 441)},
    {OP_I64_TRUNC_SAT_F64_U, 0x4341c37937e08000, 0, 0x2386f26fc10000, 0, W(conv, 442)},
    {OP_I64_TRUNC_SAT_F64_U, 0x43e0000000000000, 0, 0x8000000000000000, 0, W(conv, 443)},
    {OP_I64_TRUNC_SAT_F64_U, 0x43f0000000000000, 0, 0xffffffffffffffff, 0, W(conv, 444)},
    {OP_I64_TRUNC_SAT_F64_U, 0xbff0000000000000, 0, 0, 0, W(conv, 445)},
    {OP_I64_TRUNC_SAT_F64_U, 0x7ff0000000000000, 0, 0xffffffffffffffff, 0, W(conv, 446)},
    {OP_I64_TRUNC_SAT_F64_U, 0xfff0000000000000, 0, 0, 0, W(conv, 447)},
    {OP_I64_TRUNC_SAT_F64_U, 0x7ff8000000000000, 0, 0, 0, W(conv, 448)},
    {OP_I64_TRUNC_SAT_F64_U, 0x7ff4000000000000, 0, 0, 0, W(conv, 449)},
    {OP_I64_TRUNC_SAT_F64_U, 0xfff8000000000000, 0, 0, 0, W(conv, 450)},
    {OP_I64_TRUNC_SAT_F64_U, 0xfff4000000000000, 0, 0, 0, W(conv, 451)},
    {OP_F32_CONVERT_I32_S, 0x1000001, 0, 0x4b800000, 0, W(conv, 454)},
    {OP_F32_CONVERT_I32_S, 0xfeffffff, 0, 0xcb800000, 0, W(conv, 455)},
    {OP_F32_CONVERT_I32_S, 0x1000003, 0, 0x4b800002, 0, W(conv, 456)},
    {OP_F32_CONVERT_I32_S, 0xfefffffd, 0, 0xcb800002, 0, W(conv, 457)},
    {OP_F32_CONVERT_I64_S, 1, 0, 0x3f800000, 0, W(conv, 459)},
    {OP_F32_CONVERT_I64_S, 0xffffffffffffffff, 0, 0xbf800000, 0, W(conv, 460)},
    {OP_F32_CONVERT_I64_S, 0, 0, 0, 0, W(conv, 461)},
    {OP_F32_CONVERT_I64_S, 0x7fffffffffffffff, 0, 0x5f000000, 0, W(conv, 462)},
    {OP_F32_CONVERT_I64_S, 0x8000000000000000, 0, 0xdf000000, 0, W(conv, 463)},
    {OP_F32_CONVERT_I64_S, 0x11db9e76a2483, 0, 0x578edcf4, 0, W(conv, 464)},
    {OP_F32_CONVERT_I64_S, 0x1000001, 0, 0x4b800000, 0, W(conv, 466)},
    {OP_F32_CONVERT_I64_S, 0xfffffffffeffffff, 0, 0xcb800000, 0, W(conv, 467)},
    {OP_F32_CONVERT_I64_S, 0x1000003, 0, 0x4b800002, 0, W(conv, 468)},
    {OP_F32_CONVERT_I64_S, 0xfffffffffefffffd, 0, 0xcb800002, 0, W(conv, 469)},
    {OP_F32_CONVERT_I64_S, 0x7fffff4000000001, 0, 0x5effffff, 0, W(conv, 471)},
    {OP_F32_CONVERT_I64_S, 0x8000004000000001, 0, 0xdeffffff, 0, W(conv, 472)},
    {OP_F32_CONVERT_I64_S, 0x20000020000001, 0, 0x5a000001, 0, W(conv, 473)},
    {OP_F32_CONVERT_I64_S, 0xffdfffffdfffffff, 0, 0xda000001, 0, W(conv, 474)},
    {OP_F64_CONVERT_I32_S, 1, 0, 0x3ff0000000000000, 0, W(conv, 476)},
    {OP_F64_CONVERT_I32_S, 0xffffffff, 0, 0xbff0000000000000, 0, W(conv, 477)},
    {OP_F64_CONVERT_I32_S, 0, 0, 0, 0, W(conv, 478)},
    {OP_F64_CONVERT_I32_S, 0x7fffffff, 0, 0x41dfffffffc00000, 0, W(conv, 479)},
    {OP_F64_CONVERT_I32_S, 0x80000000, 0, 0xc1e0000000000000, 0, W(conv, 480)},
    {OP_F64_CONVERT_I32_S, 0x3ade68b1, 0, 0x41cd6f3458800000, 0, W(conv, 481)},
    {OP_F64_CONVERT_I64_S, 1, 0, 0x3ff0000000000000, 0, W(conv, 483)},
    {OP_F64_CONVERT_I64_S, 0xffffffffffffffff, 0, 0xbff0000000000000, 0, W(conv, 484)},
    {OP_F64_CONVERT_I64_S, 0, 0, 0, 0, W(conv, 485)},
    {OP_F64_CONVERT_I64_S, 0x7fffffffffffffff, 0, 0x43e0000000000000, 0, W(conv, 486)},
    {OP_F64_CONVERT_I64_S, 0x8000000000000000, 0, 0xc3e0000000000000, 0, W(conv, 487)},
    {OP_F64_CONVERT_I64_S, 0x10969d374b968e, 0, 0x4330969d374b968e, 0, W(conv, 488)},
    {OP_F64_CONVERT_I64_S, 0x20000000000001, 0, 0x4340000000000000, 0, W(conv, 490)},
    {OP_F64_CONVERT_I64_S, 0xffdfffffffffffff, 0, 0xc340000000000000, 0, W(conv, 491)},
    {OP_F64_CONVERT_I64_S, 0x20000000000003, 0, 0x4340000000000002, 0, W(conv, 492)},
    {OP_F64_CONVERT_I64_S, 0xffdffffffffffffd, 0, 0xc340000000000002, 0, W(conv, 493)},
    {OP_F32_CONVERT_I32_U, 1, 0, 0x3f800000, 0, W(conv, 495)},
    {OP_F32_CONVERT_I32_U, 0, 0, 0, 0, W(conv, 496)},
    {OP_F32_CONVERT_I32_U, 0x7fffffff, 0, 0x4f000000, 0, W(conv, 497)},
    {OP_F32_CONVERT_I32_U, 0x80000000, 0, 0x4f000000, 0, W(conv, 498)},
    {OP_F32_CONVERT_I32_U, 0x12345678, 0, 0x4d91a2b4, 0, W(conv, 499)},
    {OP_F32_CONVERT_I32_U, 0xffffffff, 0, 0x4f800000, 0, W(conv, 500)},
    {OP_F32_CONVERT_I32_U, 0x80000080, 0, 0x4f000000, 0, W(conv, 501)},
    {OP_F32_CONVERT_I32_U, 0x80000081, 0, 0x4f000001, 0, W(conv, 502)},
    {OP_F32_CONVERT_I32_U, 0x80000082, 0, 0x4f000001, 0, W(conv, 503)},
    {OP_F32_CONVERT_I32_U, 0xfffffe80, 0, 0x4f7ffffe, 0, W(conv, 504)},
    {OP_F32_CONVERT_I32_U, 0xfffffe81, 0, 0x4f7fffff, 0, W(conv, 505)},
    {OP_F32_CONVERT_I32_U, 0xfffffe82, 0, 0x4f7fffff, 0, W(conv, 506)},
    {OP_F32_CONVERT_I32_U, 0x1000001, 0, 0x4b800000, 0, W(conv, 508)},
    {OP_F32_CONVERT_I32_U, 0x1000003, 0, 0x4b800002, 0, W(conv, 509)},
    {OP_F32_CONVERT_I64_U, 1, 0, 0x3f800000, 0, W(conv, 511)},
    {OP_F32_CONVERT_I64_U, 0, 0, 0, 0, W(conv, 512)},
    {OP_F32_CONVERT_I64_U, 0x7fffffffffffffff, 0, 0x5f000000, 0, W(conv, 513)},
    {OP_F32_CONVERT_I64_U, 0x8000000000000000, 0, 0x5f000000, 0, W(conv, 514)},
    {OP_F32_CONVERT_I64_U, 0xffffffffffffffff, 0, 0x5f800000, 0, W(conv, 515)},
    {OP_F32_CONVERT_I64_U, 0x1000001, 0, 0x4b800000, 0, W(conv, 517)},
    {OP_F32_CONVERT_I64_U, 0x1000003, 0, 0x4b800002, 0, W(conv, 518)},
    {OP_F32_CONVERT_I64_U, 0x20000020000001, 0, 0x5a000001, 0, W(conv, 520)},
    {OP_F32_CONVERT_I64_U, 0x7fffffbfffffffff, 0, 0x5effffff, 0, W(conv, 521)},
    {OP_F32_CONVERT_I64_U, 0x8000008000000001, 0, 0x5f000001, 0, W(conv, 522)},
    {OP_F32_CONVERT_I64_U, 0xfffffe8000000001, 0, 0x5f7fffff, 0, W(conv, 523)},
    {OP_F64_CONVERT_I32_U, 1, 0, 0x3ff0000000000000, 0, W(conv, 525)},
    {OP_F64_CONVERT_I32_U, 0, 0, 0, 0, W(conv, 526)},
    {OP_F64_CONVERT_I32_U, 0x7fffffff, 0, 0x41dfffffffc00000, 0, W(conv, 527)},
    {OP_F64_CONVERT_I32_U, 0x80000000, 0, 0x41e0000000000000, 0, W(conv, 528)},
    {OP_F64_CONVERT_I32_U, 0xffffffff, 0, 0x41efffffffe00000, 0, W(conv, 529)},
    {OP_F64_CONVERT_I64_U, 1, 0, 0x3ff0000000000000, 0, W(conv, 531)},
    {OP_F64_CONVERT_I64_U, 0, 0, 0, 0, W(conv, 532)},
    {OP_F64_CONVERT_I64_U, 0x7fffffffffffffff, 0, 0x43e0000000000000, 0, W(conv, 533)},
    {OP_F64_CONVERT_I64_U, 0x8000000000000000, 0, 0x43e0000000000000, 0, W(conv, 534)},
    {OP_F64_CONVERT_I64_U, 0xffffffffffffffff, 0, 0x43f0000000000000, 0, W(conv, 535)},
    {OP_F64_CONVERT_I64_U, 0x8000000000000400, 0, 0x43e0000000000000, 0, W(conv, 536)},
    {OP_F64_CONVERT_I64_U, 0x8000000000000401, 0, 0x43e0000000000001, 0, W(conv, 537)},
    {OP_F64_CONVERT_I64_U, 0x8000000000000402, 0, 0x43e0000000000001, 0, W(conv, 538)},
    {OP_F64_CONVERT_I64_U, 0xfffffffffffff400, 0, 0x43effffffffffffe, 0, W(conv, 539)},
    {OP_F64_CONVERT_I64_U, 0xfffffffffffff401, 0, 0x43efffffffffffff, 0, W(conv, 540)},
    {OP_F64_CONVERT_I64_U, 0xfffffffffffff402, 0, 0x43efffffffffffff, 0, W(conv, 541)},
    {OP_F64_CONVERT_I64_U, 0x20000000000001, 0, 0x4340000000000000, 0, W(conv, 543)},
    {OP_F64_CONVERT_I64_U, 0x20000000000003, 0, 0x4340000000000002, 0, W(conv, 544)},
    {OP_F64_PROMOTE_F32, 0, 0, 0, 0, W(conv, 546)},
    {OP_F64_PROMOTE_F32, 0x80000000, 0, 0x8000000000000000, 0, W(conv, 547)},
    {OP_F64_PROMOTE_F32, 1, 0, 0x36a0000000000000, 0, W(conv, 548)},
    {OP_F64_PROMOTE_F32, 0x80000001, 0, 0xb6a0000000000000, 0, W(conv, 549)},
    {OP_F64_PROMOTE_F32, 0x3f800000, 0, 0x3ff0000000000000, 0, W(conv, 550)},
    {OP_F64_PROMOTE_F32, 0xbf800000, 0, 0xbff0000000000000, 0, W(conv, 551)},
    {OP_F64_PROMOTE_F32, 0xff7fffff, 0, 0xc7efffffe0000000, 0, W(conv, 552)},
    {OP_F64_PROMOTE_F32, 0x7f7fffff, 0, 0x47efffffe0000000, 0, W(conv, 553)},
    {OP_F64_PROMOTE_F32, 0x4000000, 0, 0x3880000000000000, 0, W(conv, 555)},
    {OP_F64_PROMOTE_F32, 0x7e47c33f, 0, 0x47c8f867e0000000, 0, W(conv, 557)},
    {OP_F64_PROMOTE_F32, 0x7f800000, 0, 0x7ff0000000000000, 0, W(conv, 558)},
    {OP_F64_PROMOTE_F32, 0xff800000, 0, 0xfff0000000000000, 0, W(conv, 559)},
    {OP_F64_PROMOTE_F32, 0x7fc00000, 0, 0x7ff8000000000000, 0, W(conv, 560)},
    {OP_F64_PROMOTE_F32, 0x7fa00000, 0, 0x7ff8000000000000, 0, W(conv, 561)},
    {OP_F64_PROMOTE_F32, 0xffc00000, 0, 0x7ff8000000000000, 0, W(conv, 562)},
    {OP_F64_PROMOTE_F32, 0xffa00000, 0, 0x7ff8000000000000, 0, W(conv, 563)},
    {OP_F32_DEMOTE_F64, 0, 0, 0, 0, W(conv, 565)},
    {OP_F32_DEMOTE_F64, 0x8000000000000000, 0, 0x80000000, 0, W(conv, 566)},
    {OP_F32_DEMOTE_F64, 1, 0, 0, 0, W(conv, 567)},
    {OP_F32_DEMOTE_F64, 0x8000000000000001, 0, 0x80000000, 0, W(conv, 568)},
    {OP_F32_DEMOTE_F64, 0x3ff0000000000000, 0, 0x3f800000, 0, W(conv, 569)},
    {OP_F32_DEMOTE_F64, 0xbff0000000000000, 0, 0xbf800000, 0, W(conv, 570)},
    {OP_F32_DEMOTE_F64, 0x380fffffe0000000, 0, 0x800000, 0, W(conv, 571)},
    {OP_F32_DEMOTE_F64, 0xb80fffffe0000000, 0, 0x80800000, 0, W(conv, 572)},
    {OP_F32_DEMOTE_F64, 0x380fffffdfffffff, 0, 0x7fffff, 0, W(conv, 573)},
    {OP_F32_DEMOTE_F64, 0xb80fffffdfffffff, 0, 0x807fffff, 0, W(conv, 574)},
    {OP_F32_DEMOTE_F64, 0x36a0000000000000, 0, 1, 0, W(conv, 575)},
    {OP_F32_DEMOTE_F64, 0xb6a0000000000000, 0, 0x80000001, 0, W(conv, 576)},
    {OP_F32_DEMOTE_F64, 0x47efffffd0000000, 0, 0x7f7ffffe, 0, W(conv, 577)},
    {OP_F32_DEMOTE_F64, 0xc7efffffd0000000, 0, 0xff7ffffe, 0, W(conv, 578)},
    {OP_F32_DEMOTE_F64, 0x47efffffd0000001, 0, 0x7f7fffff, 0, W(conv, 579)},
    {OP_F32_DEMOTE_F64, 0xc7efffffd0000001, 0, 0xff7fffff, 0, W(conv, 580)},
    {OP_F32_DEMOTE_F64, 0x47efffffe0000000, 0, 0x7f7fffff, 0, W(conv, 581)},
    {OP_F32_DEMOTE_F64, 0xc7efffffe0000000, 0, 0xff7fffff, 0, W(conv, 582)},
    {OP_F32_DEMOTE_F64, 0x47efffffefffffff, 0, 0x7f7fffff, 0, W(conv, 583)},
    {OP_F32_DEMOTE_F64, 0xc7efffffefffffff, 0, 0xff7fffff, 0, W(conv, 584)},
    {OP_F32_DEMOTE_F64, 0x47effffff0000000, 0, 0x7f800000, 0, W(conv, 585)},
    {OP_F32_DEMOTE_F64, 0xc7effffff0000000, 0, 0xff800000, 0, W(conv, 586)},
    {OP_F32_DEMOTE_F64, 0x3880000000000000, 0, 0x4000000, 0, W(conv, 587)},
    {OP_F32_DEMOTE_F64, 0x47c8f867e0000000, 0, 0x7e47c33f, 0, W(conv, 588)},
    {OP_F32_DEMOTE_F64, 0x7ff0000000000000, 0, 0x7f800000, 0, W(conv, 589)},
    {OP_F32_DEMOTE_F64, 0xfff0000000000000, 0, 0xff800000, 0, W(conv, 590)},
    {OP_F32_DEMOTE_F64, 0x3ff0000000000001, 0, 0x3f800000, 0, W(conv, 591)},
    {OP_F32_DEMOTE_F64, 0x3fefffffffffffff, 0, 0x3f800000, 0, W(conv, 592)},
    {OP_F32_DEMOTE_F64, 0x3ff0000010000000, 0, 0x3f800000, 0, W(conv, 593)},
    {OP_F32_DEMOTE_F64, 0x3ff0000010000001, 0, 0x3f800001, 0, W(conv, 594)},
    {OP_F32_DEMOTE_F64, 0x3ff000002fffffff, 0, 0x3f800001, 0, W(conv, 595)},
    {OP_F32_DEMOTE_F64, 0x3ff0000030000000, 0, 0x3f800002, 0, W(conv, 596)},
    {OP_F32_DEMOTE_F64, 0x3ff0000050000000, 0, 0x3f800002, 0, W(conv, 597)},
    {OP_F32_DEMOTE_F64, 0x4170000010000000, 0, 0x4b800000, 0, W(conv, 598)},
    {OP_F32_DEMOTE_F64, 0x4170000010000001, 0, 0x4b800001, 0, W(conv, 599)},
    {OP_F32_DEMOTE_F64, 0x417000002fffffff, 0, 0x4b800001, 0, W(conv, 600)},
    {OP_F32_DEMOTE_F64, 0x4170000030000000, 0, 0x4b800002, 0, W(conv, 601)},
    {OP_F32_DEMOTE_F64, 0x46b4eae4f7024c70, 0, 0x75a75728, 0, W(conv, 602)},
    {OP_F32_DEMOTE_F64, 0x38ea12e71e358685, 0, 0x7509739, 0, W(conv, 603)},
    {OP_F32_DEMOTE_F64, 0x380cb98354d521ff, 0, 0x72e60d, 0, W(conv, 604)},
    {OP_F32_DEMOTE_F64, 0xc006972b30cfb562, 0, 0xc034b95a, 0, W(conv, 605)},
    {OP_F32_DEMOTE_F64, 0xc6fbedbe4819d4c4, 0, 0xf7df6df2, 0, W(conv, 606)},
    {OP_F32_DEMOTE_F64, 0x7ff8000000000000, 0, 0x7fc00000, 0, W(conv, 607)},
    {OP_F32_DEMOTE_F64, 0x7ff4000000000000, 0, 0x7fc00000, 0, W(conv, 608)},
    {OP_F32_DEMOTE_F64, 0xfff8000000000000, 0, 0x7fc00000, 0, W(conv, 609)},
    {OP_F32_DEMOTE_F64, 0xfff4000000000000, 0, 0x7fc00000, 0, W(conv, 610)},
    {OP_F32_DEMOTE_F64, 0x10000000000000, 0, 0, 0, W(conv, 611)},
    {OP_F32_DEMOTE_F64, 0x8010000000000000, 0, 0x80000000, 0, W(conv, 612)},
    {OP_F32_DEMOTE_F64, 0x3690000000000000, 0, 0, 0, W(conv, 613)},
    {OP_F32_DEMOTE_F64, 0xb690000000000000, 0, 0x80000000, 0, W(conv, 614)},
    {OP_F32_DEMOTE_F64, 0x3690000000000001, 0, 1, 0, W(conv, 615)},
    {OP_F32_DEMOTE_F64, 0xb690000000000001, 0, 0x80000001, 0, W(conv, 616)},
};

static void test_wasm_num_spec_cases(void **state)
{
    (void)state;
    int fails = 0;
    for (size_t i = 0; i < COUNT(spec_cases); i++) {
        const spec_case *c = &spec_cases[i];
        uint64_t got = 0;
        ol_wasm_trap_kind k = run_op(c->op, c->a, c->b, &got);
        EXPECT(fails, k == c->trap && got == c->want,
               "%s:%d %s(0x%" PRIx64 ", 0x%" PRIx64 "): trap %d value 0x%" PRIx64
               ", want trap %d value 0x%" PRIx64 "\n",
               c->file, c->line, op_names[c->op], c->a, c->b, (int)k, got, (int)c->trap, c->want);
    }
    assert_int_equal(fails, 0);
    assert_true(COUNT(spec_cases) > 1400); /* the table was not cut short */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wasm_num_bit_counts),
        cmocka_unit_test(test_wasm_num_rotate),
        cmocka_unit_test(test_wasm_num_shr_s),
        cmocka_unit_test(test_wasm_num_div_rem_s),
        cmocka_unit_test(test_wasm_num_extend),
        cmocka_unit_test(test_wasm_num_canon),
        cmocka_unit_test(test_wasm_num_arith_nan_inputs),
        cmocka_unit_test(test_wasm_num_arith_invalid_and_exact),
        cmocka_unit_test(test_wasm_num_min_max),
        cmocka_unit_test(test_wasm_num_ceil_floor_trunc_sqrt),
        cmocka_unit_test(test_wasm_num_nearest_cases),
        cmocka_unit_test(test_wasm_num_round_reference),
        cmocka_unit_test(test_wasm_num_rounding_mode_independent),
        cmocka_unit_test(test_wasm_num_sign_bits),
        cmocka_unit_test(test_wasm_num_demote_promote),
        cmocka_unit_test(test_wasm_num_trunc_boundaries),
        cmocka_unit_test(test_wasm_num_trunc_random),
        cmocka_unit_test(test_wasm_num_convert),
        cmocka_unit_test(test_wasm_num_spec_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
