/* Unit tests of src/common: the error list and diagnostics, the allocator wrappers, the counting
 * allocator's accounting, limit and fault injection, and the log sink and level. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ol/alloc.h"
#include "ol/err.h"
#include "ol/log.h"
#include "support/faultsim.h"
#include "test.h"

/* ---- errors ---- */

static void test_err_names_and_messages(void **state)
{
    (void)state;
#define CHECK_ERR(name, val, msg)                       \
    assert_int_equal(OL_##name, val);                   \
    assert_string_equal(ol_err_name(OL_##name), #name); \
    assert_string_equal(ol_strerror(OL_##name), msg);
    OL_ERR_MAP(CHECK_ERR)
#undef CHECK_ERR
}

static void test_err_codes_are_distinct(void **state)
{
    (void)state;
    static const int codes[] = {
#define ERR_CODE(name, val, msg) val,
        OL_ERR_MAP(ERR_CODE)
#undef ERR_CODE
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        assert_true(codes[i] <= 0); /* 0 is success, errors are negative */
        for (size_t j = i + 1; j < n; j++)
            assert_int_not_equal(codes[i], codes[j]);
    }
}

static void test_err_unknown_code(void **state)
{
    (void)state;
    assert_string_equal(ol_strerror((ol_err)-999), "unknown error");
    assert_string_equal(ol_err_name((ol_err)-999), "E_UNKNOWN");
    assert_string_equal(ol_strerror((ol_err)7), "unknown error");
}

static void test_diag_records_birthplace(void **state)
{
    (void)state;
    ol_diag d;
    memset(&d, 0xa5, sizeof d);
    int line = __LINE__ + 1;
    ol_err rc = OL_FAIL(&d, OL_E_INVAL, "bad key %s (%d)", "alpha", 7);
    assert_int_equal(rc, OL_E_INVAL);
    assert_int_equal(d.code, OL_E_INVAL);
    assert_string_equal(d.file, __FILE__);
    assert_int_equal(d.line, line);
    assert_string_equal(d.msg, "bad key alpha (7)");
}

static void test_diag_null_is_allowed(void **state)
{
    (void)state;
    assert_int_equal(OL_FAIL(NULL, OL_E_IO, "no diag %d", 1), OL_E_IO);
    ol_diag_clear(NULL);
}

static void test_diag_truncates_long_messages(void **state)
{
    (void)state;
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ol_diag d;
    (void)OL_FAIL(&d, OL_E_RANGE, "%s", big);
    assert_int_equal(strlen(d.msg), sizeof d.msg - 1);
    assert_int_equal(d.msg[sizeof d.msg - 2], 'x');
}

static void test_diag_clear_zeroes(void **state)
{
    (void)state;
    ol_diag d;
    (void)OL_FAIL(&d, OL_E_NOMEM, "something");
    ol_diag_clear(&d);
    assert_int_equal(d.code, OL_OK);
    assert_null(d.file);
    assert_int_equal(d.line, 0);
    assert_string_equal(d.msg, "");
}

static void test_always_never_pass_values_through(void **state)
{
    (void)state;
    int x = 3;
    assert_true(OL_ALWAYS(x == 3));
    assert_true(!OL_NEVER(x == 4)); /* assert_false trips gcc -Wsign-conversion */
    assert_true(OL_LIKELY(x > 0));
    assert_true(!OL_UNLIKELY(x < 0));
}

/* ---- allocator wrappers ---- */

static void test_alloc_default_round_trip(void **state)
{
    (void)state;
    const ol_allocator *a = ol_allocator_default();
    assert_non_null(a);
    assert_non_null(a->fn);
    assert_ptr_equal(ol_allocator_default(), a);

    unsigned char *p = ol_malloc(NULL, 16);
    assert_non_null(p);
    memset(p, 7, 16);
    p = ol_realloc(a, p, 16, 4096);
    assert_non_null(p);
    for (int i = 0; i < 16; i++)
        assert_int_equal(p[i], 7);
    ol_free(a, p, 4096);
    ol_free(NULL, NULL, 0);
}

static void test_alloc_zero_sizes(void **state)
{
    (void)state;
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    /* Zero-byte requests still give a unique pointer (accounted as 1 byte), never NULL. */
    void *p = ol_malloc(&a, 0);
    assert_non_null(p);
    assert_int_equal(c.live, 1);
    void *q = ol_calloc(&a, 0, 8);
    assert_non_null(q);
    assert_int_equal(c.live, 2);
    ol_free(&a, p, 0);
    ol_free(&a, q, 0);
    assert_int_equal(c.live, 0);
}

static void test_calloc_zeroes_and_checks_overflow(void **state)
{
    (void)state;
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    unsigned char *p = ol_calloc(&a, 100, 3);
    assert_non_null(p);
    for (int i = 0; i < 300; i++)
        assert_int_equal(p[i], 0);
    assert_int_equal(c.live, 300);
    ol_free(&a, p, 300);

    assert_null(ol_calloc(&a, SIZE_MAX, 2));
    assert_null(ol_calloc(&a, SIZE_MAX / 2 + 1, 2));
    assert_int_equal(c.live, 0);
    assert_int_equal(c.peak, 300);
}

static void test_realloc_null_allocates(void **state)
{
    (void)state;
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    void *p = ol_realloc(&a, NULL, 0, 64);
    assert_non_null(p);
    assert_int_equal(c.live, 64);
    ol_free(&a, p, 64);
    assert_int_equal(c.live, 0);
}

static void test_free_null_is_noop(void **state)
{
    (void)state;
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    ol_free(&a, NULL, 123);
    assert_int_equal(c.live, 0);
}

/* ---- the counting allocator ---- */

static void test_counter_init(void **state)
{
    (void)state;
    ol_alloc_counter c;
    memset(&c, 0xff, sizeof c);
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    assert_ptr_equal(a.ud, &c);
    assert_non_null(a.fn);
    assert_int_equal(c.live, 0);
    assert_int_equal(c.peak, 0);
    assert_int_equal(c.limit, 0);
    assert_int_equal(c.fail_countdown, -1);
}

static void test_counter_tracks_live_and_peak(void **state)
{
    (void)state;
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    void *p = ol_malloc(&a, 100);
    void *q = ol_malloc(&a, 50);
    assert_non_null(p);
    assert_non_null(q);
    assert_int_equal(c.live, 150);
    assert_int_equal(c.peak, 150);
    ol_free(&a, p, 100);
    assert_int_equal(c.live, 50);
    assert_int_equal(c.peak, 150);
    q = ol_realloc(&a, q, 50, 200);
    assert_non_null(q);
    assert_int_equal(c.live, 200);
    assert_int_equal(c.peak, 200);
    q = ol_realloc(&a, q, 200, 10);
    assert_non_null(q);
    assert_int_equal(c.live, 10);
    ol_free(&a, q, 10);
    assert_int_equal(c.live, 0);
    assert_int_equal(c.peak, 200);
}

static void test_counter_limit(void **state)
{
    (void)state;
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    c.limit = 100;
    unsigned char *p = ol_malloc(&a, 60);
    assert_non_null(p);
    memset(p, 0x5a, 60);
    assert_null(ol_malloc(&a, 41)); /* 60 + 41 > 100 */
    assert_int_equal(c.live, 60);
    /* A failed resize leaves the block allocated and unchanged. */
    assert_null(ol_realloc(&a, p, 60, 120));
    assert_int_equal(c.live, 60);
    for (int i = 0; i < 60; i++)
        assert_int_equal(p[i], 0x5a);
    /* Exactly at the limit is allowed; shrinking always is. */
    void *q = ol_malloc(&a, 40);
    assert_non_null(q);
    assert_int_equal(c.live, 100);
    p = ol_realloc(&a, p, 60, 30);
    assert_non_null(p);
    assert_int_equal(c.live, 70);
    ol_free(&a, p, 30);
    ol_free(&a, q, 40);
    assert_int_equal(c.live, 0);
}

static void test_counter_fail_countdown_is_one_shot(void **state)
{
    (void)state;
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    c.fail_countdown = 2;
    void *p0 = ol_malloc(&a, 8);
    void *p1 = ol_malloc(&a, 8);
    void *p2 = ol_malloc(&a, 8); /* allocation #2 fails */
    void *p3 = ol_malloc(&a, 8); /* and only that one */
    assert_non_null(p0);
    assert_non_null(p1);
    assert_null(p2);
    assert_non_null(p3);
    assert_int_equal(c.fail_countdown, -1);
    assert_int_equal(c.live, 24);
    ol_free(&a, p0, 8);
    ol_free(&a, p1, 8);
    ol_free(&a, p3, 8);
    assert_int_equal(c.live, 0);
}

static void test_counter_failed_realloc_keeps_block(void **state)
{
    (void)state;
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    char *p = ol_malloc(&a, 6);
    assert_non_null(p);
    memcpy(p, "hello", 6);
    c.fail_countdown = 0;
    assert_null(ol_realloc(&a, p, 6, 1000));
    assert_string_equal(p, "hello");
    assert_int_equal(c.live, 6);
    ol_free(&a, p, 6);
    assert_int_equal(c.live, 0);
}

static void test_counter_stacks_on_counter(void **state)
{
    (void)state;
    ol_alloc_counter outer, inner;
    ol_allocator ia = ol_alloc_counter_init(&inner, NULL);
    ol_allocator oa = ol_alloc_counter_init(&outer, &ia);
    inner.limit = 64;
    void *p = ol_malloc(&oa, 48);
    assert_non_null(p);
    assert_int_equal(outer.live, 48);
    assert_int_equal(inner.live, 48);
    /* The inner limit refuses; the outer counter must not count what it did not get. */
    assert_null(ol_malloc(&oa, 32));
    assert_int_equal(outer.live, 48);
    assert_int_equal(inner.live, 48);
    ol_free(&oa, p, 48);
    assert_int_equal(outer.live, 0);
    assert_int_equal(inner.live, 0);
}

/* An operation for the fault loop: three allocations, each failure unwound completely. */
static ol_err build_three(const ol_allocator *a, void *ud)
{
    int *calls = ud;
    ol_err rc = OL_OK;
    (*calls)++;
    char *x = NULL, *y = NULL, *z = NULL;
    if ((x = ol_malloc(a, 10)) == NULL || (y = ol_calloc(a, 4, 5)) == NULL) {
        rc = OL_E_NOMEM;
        goto out;
    }
    if ((z = ol_realloc(a, NULL, 0, 30)) == NULL) {
        rc = OL_E_NOMEM;
        goto out;
    }
out:
    ol_free(a, z, 30);
    ol_free(a, y, 20);
    ol_free(a, x, 10);
    return rc;
}

static void test_fault_loop_covers_every_allocation(void **state)
{
    (void)state;
    int calls = 0;
    assert_int_equal(ol_test_fault_loop(build_three, &calls, 100), 3);
    assert_int_equal(calls, 4); /* fail #0, #1, #2, then one clean run */
}

/* ---- logging ---- */

typedef struct capture {
    int count;
    ol_log_level level;
    char msg[2048];
} capture;

static void capture_sink(void *ud, ol_log_level level, const char *msg)
{
    capture *c = ud;
    c->count++;
    c->level = level;
    snprintf(c->msg, sizeof c->msg, "%s", msg);
}

static int evaluated;

static int side_effect(void)
{
    return ++evaluated;
}

static int log_reset(void **state)
{
    (void)state;
    ol_log_set_sink(NULL, NULL);
    ol_log_set_level(OL_LOG_INFO);
    return 0;
}

static void test_log_default_level_is_info(void **state)
{
    (void)state;
    assert_int_equal(ol_log_get_level(), OL_LOG_INFO);
    ol_log_set_level(OL_LOG_DEBUG);
    assert_int_equal(ol_log_get_level(), OL_LOG_DEBUG);
}

static void test_log_sink_receives_formatted_message(void **state)
{
    (void)state;
    capture c = {0};
    ol_log_set_sink(capture_sink, &c);
    ol_log_write(OL_LOG_WARN, "x=%d y=%s", 5, "z");
    assert_int_equal(c.count, 1);
    assert_int_equal(c.level, OL_LOG_WARN);
    assert_string_equal(c.msg, "x=5 y=z");
}

static void test_log_level_filters_before_evaluating(void **state)
{
    (void)state;
    capture c = {0};
    ol_log_set_sink(capture_sink, &c);
    ol_log_set_level(OL_LOG_WARN);
    evaluated = 0;
    OL_LOG(OL_LOG_INFO, "n=%d", side_effect());
    OL_LOG(OL_LOG_DEBUG, "n=%d", side_effect());
    assert_int_equal(c.count, 0);
    assert_int_equal(evaluated, 0);
    OL_LOG(OL_LOG_ERROR, "n=%d", side_effect());
    OL_LOG(OL_LOG_WARN, "n=%d", side_effect());
    assert_int_equal(c.count, 2);
    assert_int_equal(evaluated, 2);
    assert_string_equal(c.msg, "n=2");
}

static void test_log_truncates_long_messages(void **state)
{
    (void)state;
    capture c = {0};
    ol_log_set_sink(capture_sink, &c);
    char big[1500];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ol_log_write(OL_LOG_ERROR, "%s", big);
    assert_int_equal(c.count, 1);
    assert_int_equal(strlen(c.msg), 1023);
}

static void test_log_level_names(void **state)
{
    (void)state;
    assert_string_equal(ol_log_level_name(OL_LOG_ERROR), "error");
    assert_string_equal(ol_log_level_name(OL_LOG_WARN), "warn");
    assert_string_equal(ol_log_level_name(OL_LOG_INFO), "info");
    assert_string_equal(ol_log_level_name(OL_LOG_DEBUG), "debug");
    assert_string_equal(ol_log_level_name((ol_log_level)42), "unknown");
}

/* The default sink writes one logfmt line to stderr: ts=<UTC>Z level=<level> <message>. */
static void test_log_default_sink_writes_logfmt(void **state)
{
    (void)state;
    capture c = {0};
    ol_log_set_sink(capture_sink, &c);
    ol_log_set_sink(NULL, NULL); /* back to the default */

    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    ol_log_write(OL_LOG_WARN, "hello %s", "world");
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);

    char line[256] = {0};
    rewind(tmp);
    assert_non_null(fgets(line, sizeof line, tmp));
    fclose(tmp);
    assert_int_equal(c.count, 0);
    /* ts=YYYY-MM-DDTHH:MM:SS.mmmZ */
    assert_int_equal(strncmp(line, "ts=", 3), 0);
    assert_int_equal(line[7], '-');
    assert_int_equal(line[13], 'T');
    assert_int_equal(line[26], 'Z');
    assert_string_equal(line + 27, " level=warn hello world\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_names_and_messages),
        cmocka_unit_test(test_err_codes_are_distinct),
        cmocka_unit_test(test_err_unknown_code),
        cmocka_unit_test(test_diag_records_birthplace),
        cmocka_unit_test(test_diag_null_is_allowed),
        cmocka_unit_test(test_diag_truncates_long_messages),
        cmocka_unit_test(test_diag_clear_zeroes),
        cmocka_unit_test(test_always_never_pass_values_through),
        cmocka_unit_test(test_alloc_default_round_trip),
        cmocka_unit_test(test_alloc_zero_sizes),
        cmocka_unit_test(test_calloc_zeroes_and_checks_overflow),
        cmocka_unit_test(test_realloc_null_allocates),
        cmocka_unit_test(test_free_null_is_noop),
        cmocka_unit_test(test_counter_init),
        cmocka_unit_test(test_counter_tracks_live_and_peak),
        cmocka_unit_test(test_counter_limit),
        cmocka_unit_test(test_counter_fail_countdown_is_one_shot),
        cmocka_unit_test(test_counter_failed_realloc_keeps_block),
        cmocka_unit_test(test_counter_stacks_on_counter),
        cmocka_unit_test(test_fault_loop_covers_every_allocation),
        cmocka_unit_test_setup_teardown(test_log_default_level_is_info, log_reset, log_reset),
        cmocka_unit_test_setup_teardown(test_log_sink_receives_formatted_message, log_reset,
                                        log_reset),
        cmocka_unit_test_setup_teardown(test_log_level_filters_before_evaluating, log_reset,
                                        log_reset),
        cmocka_unit_test_setup_teardown(test_log_truncates_long_messages, log_reset, log_reset),
        cmocka_unit_test_setup_teardown(test_log_level_names, log_reset, log_reset),
        cmocka_unit_test_setup_teardown(test_log_default_sink_writes_logfmt, log_reset, log_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
