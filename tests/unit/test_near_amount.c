/* u128 yoctoNEAR amounts: decimal parse/format at the edges (0, 2^64, 2^128 - 1), overflow by one,
 * malformed text, checked add/sub/mul/div, and the "1.5 NEAR" conversion both ways. */
#include <string.h>

#include "ol/near.h"
#include "test.h"

#define U128_MAX_STR "340282366920938463463374607431768211455"

static ol_near_u128 parse(const char *s)
{
    ol_near_u128 v;
    ol_diag d = {0};
    if (ol_near_u128_parse(s, strlen(s), &v, &d) != OL_OK)
        fail_msg("parse '%s': %s", s, d.msg);
    return v;
}

static void format_is(ol_near_u128 v, const char *want)
{
    char out[OL_NEAR_U128_STR_MAX];
    size_t n = ol_near_u128_format(v, out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_u128_text(void **state)
{
    (void)state;
    format_is(OL_NEAR_U128_C(0), "0");
    format_is(OL_NEAR_U128_C(1), "1");
    format_is((ol_near_u128){UINT64_MAX, 0}, "18446744073709551615");
    format_is((ol_near_u128){0, 1}, "18446744073709551616");
    format_is((ol_near_u128){UINT64_MAX, UINT64_MAX}, U128_MAX_STR);
    ol_near_u128 v = parse(U128_MAX_STR);
    assert_int_equal(v.lo, UINT64_MAX);
    assert_int_equal(v.hi, UINT64_MAX);
    v = parse("18446744073709551616");
    assert_int_equal(v.lo, 0);
    assert_int_equal(v.hi, 1);
    v = parse("000123");
    assert_int_equal(v.lo, 123);
    const char *yocto = "1000000000000000000000000";
    format_is(parse(yocto), yocto);

    ol_diag d = {0};
    assert_int_equal(ol_near_u128_parse("340282366920938463463374607431768211456", 39, &v, &d),
                     OL_E_RANGE);
    assert_int_equal(ol_near_u128_parse("3402823669209384634633746074317682114550", 40, &v, &d),
                     OL_E_RANGE);
    static const char *const bad[] = {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1e3", "abc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ol_near_u128_parse(bad[i], strlen(bad[i]), &v, &d), OL_E_MALFORMED);
    assert_int_equal(ol_near_u128_parse(NULL, 0, &v, &d), OL_E_MALFORMED);
    assert_int_equal(ol_near_u128_parse("12\0"
                                        "3",
                                        4, &v, &d),
                     OL_E_MALFORMED);
}

static void test_u128_arithmetic(void **state)
{
    (void)state;
    ol_near_u128 max = {UINT64_MAX, UINT64_MAX};
    ol_near_u128 one = OL_NEAR_U128_C(1);
    ol_near_u128 r = OL_NEAR_U128_C(77);
    ol_diag d = {0};
    assert_int_equal(ol_near_u128_add(max, one, &r, &d), OL_E_RANGE);
    assert_int_equal(r.lo, 77); /* untouched on error */
    assert_int_equal(ol_near_u128_add((ol_near_u128){UINT64_MAX, 0}, one, &r, NULL), OL_OK);
    assert_int_equal(r.lo, 0);
    assert_int_equal(r.hi, 1);
    assert_int_equal(ol_near_u128_sub(r, one, &r, NULL), OL_OK);
    assert_int_equal(r.lo, UINT64_MAX);
    assert_int_equal(r.hi, 0);
    assert_int_equal(ol_near_u128_sub(OL_NEAR_U128_C(0), one, &r, &d), OL_E_RANGE);
    assert_int_equal(ol_near_u128_mul((ol_near_u128){0, 1}, (ol_near_u128){0, 1}, &r, &d),
                     OL_E_RANGE);
    assert_int_equal(ol_near_u128_mul(max, OL_NEAR_U128_C(1), &r, NULL), OL_OK);
    assert_int_equal(ol_near_u128_mul(max, OL_NEAR_U128_C(2), &r, &d), OL_E_RANGE);
    assert_int_equal(ol_near_u128_mul(max, OL_NEAR_U128_C(0), &r, NULL), OL_OK);
    assert_true(ol_near_u128_is_zero(r));
    /* 10^24 * 340282366920938 fits; * 340282366920939 does not. */
    ol_near_u128 near = parse("1000000000000000000000000");
    assert_int_equal(ol_near_u128_mul(near, OL_NEAR_U128_C(340282366920938ull), &r, NULL), OL_OK);
    assert_int_equal(ol_near_u128_mul(near, OL_NEAR_U128_C(340282366920939ull), &r, &d),
                     OL_E_RANGE);
    ol_near_u128 q;
    uint64_t rem = 0;
    assert_int_equal(ol_near_u128_divmod_u64(max, 10, &q, &rem, NULL), OL_OK);
    assert_int_equal(rem, 5);
    format_is(q, "34028236692093846346337460743176821145");
    assert_int_equal(ol_near_u128_divmod_u64(max, 0, &q, &rem, &d), OL_E_RANGE);
    assert_int_equal(ol_near_u128_cmp(max, one), 1);
    assert_int_equal(ol_near_u128_cmp(one, max), -1);
    assert_int_equal(ol_near_u128_cmp(one, OL_NEAR_U128_C(1)), 0);
    assert_int_equal(ol_near_u128_cmp((ol_near_u128){5, 0}, (ol_near_u128){4, 1}), -1);
    assert_int_equal(ol_near_u128_from_u64(9).lo, 9);
}

static void amount_is(const char *text, const char *yocto)
{
    ol_near_u128 v;
    ol_diag d = {0};
    if (ol_near_amount_parse(text, strlen(text), &v, &d) != OL_OK)
        fail_msg("amount '%s': %s", text, d.msg);
    format_is(v, yocto);
}

static void test_amount_parse(void **state)
{
    (void)state;
    amount_is("1.5 NEAR", "1500000000000000000000000");
    amount_is("1.5NEAR", "1500000000000000000000000");
    amount_is("1.5 near", "1500000000000000000000000");
    amount_is("  2 Near ", "2000000000000000000000000");
    amount_is(".5 NEAR", "500000000000000000000000");
    amount_is("0.03 NEAR", "30000000000000000000000");
    amount_is("0.000000000000000000000001 NEAR", "1");
    amount_is("0.0000000000000000000000010000 NEAR", "1"); /* zeros past 24 places are fine */
    amount_is("1000", "1000");
    amount_is("1000 yocto", "1000");
    amount_is("1000 yoctoNEAR", "1000");
    amount_is("0", "0");
    amount_is("340282366920938.463463374607431768211455 NEAR", U128_MAX_STR);
    amount_is(U128_MAX_STR, U128_MAX_STR);

    ol_near_u128 v;
    ol_diag d = {0};
    static const char *const malformed[] = {"",        "NEAR", ". NEAR",   "1.5",      "1.5 yocto",
                                            "1 NEARS", "1 N",  "-1 NEAR",  "1,5 NEAR", "1.5.1 NEAR",
                                            "1e24",    "0x10", "1 NEAR x", "abc"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        if (ol_near_amount_parse(malformed[i], strlen(malformed[i]), &v, &d) != OL_E_MALFORMED)
            fail_msg("'%s' should be malformed", malformed[i]);
    }
    static const char *const range[] = {
        "0.0000000000000000000000001 NEAR", /* finer than a yocto */
        "340282366920938.463463374607431768211456 NEAR",
        "340282366920939 NEAR",
        "340282366920938463463374607431768211456",
        "99999999999999999999999999999999999999999 NEAR",
    };
    for (size_t i = 0; i < sizeof range / sizeof range[0]; i++) {
        if (ol_near_amount_parse(range[i], strlen(range[i]), &v, &d) != OL_E_RANGE)
            fail_msg("'%s' should be out of range", range[i]);
    }
    assert_int_equal(ol_near_amount_parse(NULL, 0, &v, &d), OL_E_MALFORMED);
}

static void near_is(const char *yocto, const char *want)
{
    char out[OL_NEAR_AMOUNT_STR_MAX];
    size_t n = ol_near_amount_format_near(parse(yocto), out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_amount_format(void **state)
{
    (void)state;
    near_is("0", "0");
    near_is("1", "0.000000000000000000000001");
    near_is("1500000000000000000000000", "1.5");
    near_is("2000000000000000000000000", "2");
    near_is("30000000000000000000000", "0.03");
    near_is(U128_MAX_STR, "340282366920938.463463374607431768211455");
    /* Round trip through the parser. */
    char out[OL_NEAR_AMOUNT_STR_MAX + 8];
    ol_near_amount_format_near(parse("123456789012345678901234567"), out);
    strcat(out, " NEAR");
    amount_is(out, "123456789012345678901234567");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u128_text),
        cmocka_unit_test(test_u128_arithmetic),
        cmocka_unit_test(test_amount_parse),
        cmocka_unit_test(test_amount_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
