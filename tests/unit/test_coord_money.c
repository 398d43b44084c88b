/* The money rules of ol/coord.h: the price (the one rounding: the instruction term rounds up)
 * and the budget derived from a compute limit, checked on examples and exhaustively over a
 * grid: the derived limits never cost more than the compute limit, and the instruction budget
 * is the largest that does. (Balances after mixed outcomes: test_coord_routes.c.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ol/coord.h"
#include "test.h"

static ol_coord_config defaults(void)
{
    ol_coord_config c;
    ol_opts_result res;
    char *noenv[] = {NULL};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &c, 0, NULL, noenv, &res, NULL), OL_OK);
    free(res.pos);
    return c;
}

static uint64_t price(const ol_coord_prices *p, uint64_t instr, uint64_t ms, uint64_t cap)
{
    uint64_t v = 0;
    assert_int_equal(ol_coord_price(p, instr, ms, cap, &v, NULL), OL_OK);
    return v;
}

static void test_coord_money_price_examples(void **state)
{
    (void)state;
    ol_coord_prices p = {100, 1, 1};
    assert_int_equal(price(&p, 0, 0, 0), 100);
    assert_int_equal(price(&p, 1, 0, 0), 101);       /* rounds up */
    assert_int_equal(price(&p, 1000000, 0, 0), 101); /* exact */
    assert_int_equal(price(&p, 1000001, 0, 0), 102);
    assert_int_equal(price(&p, 2500000, 10, 0), 113);
    assert_int_equal(price(&p, 0, 5000, 0), 5100);
    assert_int_equal(price(&p, 0, 5000, 4950), 5050); /* time capped */
    ol_coord_prices q = {0, 7, 0};
    assert_int_equal(price(&q, 142857, 0, 0), 1); /* 0.999999 -> 1 */
    assert_int_equal(price(&q, 142858, 0, 0), 2); /* 1.000006 -> 2 */
    assert_int_equal(price(&q, 3000000, 0, 0), 21);
    ol_coord_prices big = {0, UINT64_C(1000000000000), 0};
    assert_int_equal(price(&big, 999999, 0, 0), UINT64_C(999999000000));
    ol_coord_prices z = {0, 0, 0};
    assert_int_equal(price(&z, UINT64_MAX, UINT64_MAX, 0), 0);
    /* Overflow is an error, never a wrap. */
    uint64_t v = 7;
    ol_coord_prices ov = {UINT64_MAX, 1, 0};
    assert_int_equal(ol_coord_price(&ov, 1, 0, 0, &v, NULL), OL_E_RANGE);
    assert_int_equal(v, 7);
    ol_coord_prices ov2 = {0, 0, 2};
    assert_int_equal(ol_coord_price(&ov2, 0, UINT64_MAX, 0, &v, NULL), OL_E_RANGE);
    ol_coord_prices ov3 = {0, UINT64_C(1000000000000), 0};
    assert_int_equal(ol_coord_price(&ov3, UINT64_MAX, 0, 0, &v, NULL), OL_E_RANGE);
}

static void test_coord_money_budget_examples(void **state)
{
    (void)state;
    ol_coord_config c = defaults();
    ol_coord_budget b;
    ol_diag d = {0};
    assert_int_equal(ol_coord_budget_derive(&c, 10000, 0, 0, 0, &b, &d), OL_OK);
    assert_int_equal(b.max_execution_ms, 4950);
    assert_int_equal(b.max_instructions, UINT64_C(4950000000));
    assert_int_equal(b.max_memory_mb, 128);
    assert_int_equal(ol_coord_budget_derive(&c, 1000, 0, 0, 64, &b, &d), OL_OK);
    assert_int_equal(b.max_execution_ms, 450);
    assert_int_equal(b.max_instructions, UINT64_C(450000000));
    assert_int_equal(b.max_memory_mb, 64);
    /* A requested time is honoured and priced first; instructions get the rest. */
    assert_int_equal(ol_coord_budget_derive(&c, 10000, 0, 2000, 0, &b, &d), OL_OK);
    assert_int_equal(b.max_execution_ms, 2000);
    assert_int_equal(b.max_instructions, UINT64_C(7900000000));
    /* Requested instructions only lower the budget. */
    assert_int_equal(ol_coord_budget_derive(&c, 10000, 1000, 0, 0, &b, &d), OL_OK);
    assert_int_equal(b.max_instructions, 1000);
    assert_int_equal(ol_coord_budget_derive(&c, 10000, UINT64_C(99000000000), 0, 0, &b, &d), OL_OK);
    assert_int_equal(b.max_instructions, UINT64_C(4950000000));
    /* Huge limits are capped by the configuration. */
    assert_int_equal(ol_coord_budget_derive(&c, UINT64_C(1000000000), 0, 0, 0, &b, &d), OL_OK);
    assert_int_equal(b.max_execution_ms, 60000);
    assert_int_equal(b.max_instructions, UINT64_C(500000000000));
    assert_int_equal(ol_coord_budget_derive(&c, UINT64_C(1000000000), 0, 999999000, 0, &b, &d),
                     OL_OK);
    assert_int_equal(b.max_execution_ms, 180000);
    /* Refusals. */
    assert_int_equal(ol_coord_budget_derive(&c, 100, 0, 0, 0, &b, &d), OL_E_RANGE);
    assert_int_equal(ol_coord_budget_derive(&c, 101, 0, 0, 0, &b, &d), OL_E_RANGE); /* A/2 = 0 */
    assert_int_equal(ol_coord_budget_derive(&c, 10000, 0, 9900, 0, &b, &d), OL_E_RANGE);
    assert_int_equal(ol_coord_budget_derive(&c, 10000, 0, 9899, 0, &b, &d), OL_OK);
    assert_int_equal(b.max_instructions, 1000000);
    assert_int_equal(ol_coord_budget_derive(&c, 10000, 0, 0, 2000, &b, &d), OL_E_INVAL);
    ol_opts_free(&ol_coord_opt_table, &c);
}

/* The invariant over a grid of prices, limits and requests. */
static void test_coord_money_budget_never_exceeds_limit(void **state)
{
    (void)state;
    ol_coord_config c = defaults();
    static const ol_coord_prices prices[] = {
        {100, 1, 1},     {1000, 1, 1}, {7, 3, 2},      {100, 0, 1}, {100, 1, 0},
        {1, 1000000, 0}, {50, 13, 7},  {0, 999983, 3}, {0, 0, 0},   {3, 1, 1000}};
    static const uint64_t req_ms[] = {0, 1, 5, 100, 1000, 60000, 500000};
    static const uint64_t req_in[] = {0, 1, 1000, 1000000000};
    unsigned long checked = 0, tight = 0;
    for (size_t pi = 0; pi < sizeof prices / sizeof prices[0]; pi++) {
        const ol_coord_prices *p = &prices[pi];
        c.price_base = p->base;
        c.price_per_million_instructions = p->per_million_instructions;
        c.price_per_ms = p->per_ms;
        for (uint64_t l = p->base; l < p->base + 4000; l += (l < p->base + 200 ? 1 : 37)) {
            for (size_t mi = 0; mi < sizeof req_ms / sizeof req_ms[0]; mi++) {
                for (size_t ii = 0; ii < sizeof req_in / sizeof req_in[0]; ii++) {
                    ol_coord_budget b;
                    if (ol_coord_budget_derive(&c, l, req_in[ii], req_ms[mi], 0, &b, NULL) != OL_OK)
                        continue;
                    checked++;
                    assert_true(b.max_instructions >= 1 && b.max_execution_ms >= 1);
                    assert_true(b.max_execution_ms <= c.max_execution_ms);
                    assert_true(b.max_instructions <= c.max_instructions);
                    uint64_t v = price(p, b.max_instructions, b.max_execution_ms, 0);
                    if (v > l)
                        fail_msg("prices %zu L=%llu: price %llu of (%llu instr, %llu ms)", pi,
                                 (unsigned long long)l, (unsigned long long)v,
                                 (unsigned long long)b.max_instructions,
                                 (unsigned long long)b.max_execution_ms);
                    /* A reported time above the limit is charged at the limit. */
                    assert_true(price(p, b.max_instructions, b.max_execution_ms * 10 + 7,
                                      b.max_execution_ms) <= l);
                    /* Without a request the budget is the largest that fits. */
                    if (req_in[ii] == 0 && p->per_million_instructions != 0 &&
                        b.max_instructions < c.max_instructions) {
                        assert_true(price(p, b.max_instructions + 1, b.max_execution_ms, 0) > l);
                        tight++;
                    }
                }
            }
        }
    }
    assert_true(checked > 10000);
    assert_true(tight > 1000);
    ol_opts_free(&ol_coord_opt_table, &c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coord_money_price_examples),
        cmocka_unit_test(test_coord_money_budget_examples),
        cmocka_unit_test(test_coord_money_budget_never_exceeds_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
