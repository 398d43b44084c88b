/* The transcript (docs/transcript.md, src/wasi/wasi_source.c): validation of untrusted text, the
 * canonical encoding written while recording, and the replay cursor. */
#include "test.h"

/* test.h comes first (cmocka needs the standard headers it pulls in); then the rest. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ol/wasi.h"
#include "wasi_int.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define HDR          "outlayer-transcript 1\n"

static ol_err check(const char *s, size_t *n, ol_diag *d)
{
    return ol_wasi_transcript_check((const uint8_t *)s, strlen(s), 0, n, d);
}

static void test_wasi_transcript_valid(void **state)
{
    (void)state;
    const struct {
        const char *text;
        size_t entries;
    } ok[] = {
        {HDR, 0},
        {HDR "clock 0 0\n", 1},
        {HDR "clock 1 18446744073709551615\n", 1},
        {HDR "random 00\n", 1},
        {HDR "random 0123456789abcdef\n", 1},
        {HDR "clock 0 5\nclock 0 3\n", 2}, /* realtime may go back */
        {HDR "clock 1 5\nclock 1 5\nclock 2 9\nclock 3 1\nrandom ff\nclock 1 6\n", 6},
    };
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        size_t n = 99;
        ol_diag d = {0};
        if (check(ok[i].text, &n, &d) != OL_OK)
            fail_msg("case %zu: %s", i, d.msg);
        assert_int_equal(n, ok[i].entries);
    }
    assert_int_equal(check(HDR, NULL, NULL), OL_OK);
}

static void test_wasi_transcript_invalid(void **state)
{
    (void)state;
    const struct {
        const char *text;
        const char *msg;
    } bad[] = {
        {"", "line 1"},
        {"outlayer-transcript 1", "line 1"},   /* no newline */
        {"outlayer-transcript 2\n", "line 1"}, /* unknown version */
        {"Outlayer-transcript 1\n", "line 1"},
        {"outlayer-transcript 1\r\n", "line 1"},
        {HDR "clock 4 1\n", "line 2: clock id"}, /* unknown clock */
        {HDR "clock 10 1\n", "line 2: clock id"},
        {HDR "clock 1  1\n", "line 2: clock value"}, /* double space */
        {HDR "clock 1 01\n", "line 2: clock value"}, /* leading zero */
        {HDR "clock 1 -1\n", "line 2: clock value"},
        {HDR "clock 1 18446744073709551616\n", "line 2: clock value"}, /* 2^64 */
        {HDR "clock 1 1", "line 2: clock value"},                      /* no newline */
        {HDR "clock 1 1 \n", "line 2: clock value"},
        {HDR "clock 1 1\r\n", "line 2: clock value"},
        {HDR "clock 1\n", "line 2: clock id"},
        {HDR "clock 1 9\nclock 1 8\n", "line 3: monotonic clock goes back from 9 to 8"},
        {HDR "clock 2 9\nclock 2 8\n", "line 3: process_cputime clock goes back"},
        {HDR "random \n", "line 2: random"},   /* empty */
        {HDR "random 0\n", "line 2: random"},  /* odd */
        {HDR "random 0A\n", "line 2: random"}, /* uppercase */
        {HDR "random 0g\n", "line 2: random"},
        {HDR "random 00", "line 2: random"},
        {HDR "random 00 \n", "line 2: random"},
        {HDR "\n", "line 2: expected"},
        {HDR "clock 1 1\n\n", "line 3: expected"},
        {HDR "rand 00\n", "line 2: expected"},
        {HDR "random", "line 2: expected"},
        {HDR "clock", "line 2: expected"},
        {HDR "clock 1 1\nrandom 00\nclock 1 2\nfoo\n", "line 5"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        ol_diag d = {0};
        size_t n = 99;
        if (check(bad[i].text, &n, &d) != OL_E_MALFORMED)
            fail_msg("case %zu accepted", i);
        assert_int_equal(n, 99); /* untouched on error */
        if (strstr(d.msg, bad[i].msg) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, d.msg, bad[i].msg);
    }
    /* Embedded NUL bytes are not text. */
    static const uint8_t nul[] = "outlayer-transcript 1\nclock 1 1\0\n";
    assert_int_equal(ol_wasi_transcript_check(nul, sizeof nul - 1, 0, NULL, NULL), OL_E_MALFORMED);
}

static void test_wasi_transcript_size_limit(void **state)
{
    (void)state;
    const char *t = HDR "random 0011\n";
    size_t len = strlen(t);
    ol_diag d = {0};
    assert_int_equal(ol_wasi_transcript_check((const uint8_t *)t, len, len, NULL, &d), OL_OK);
    assert_int_equal(ol_wasi_transcript_check((const uint8_t *)t, len, len - 1, NULL, &d),
                     OL_E_LIMIT);
    assert_non_null(strstr(d.msg, "exceeds the limit"));
}

/* Records with a SEEDED source, checks the exact text, then replays it through a REPLAY source. */
static void test_wasi_transcript_roundtrip(void **state)
{
    (void)state;
    static const uint8_t seed[] = {7, 7};
    ol_wasi_config cfg = {.source = OL_WASI_SOURCE_SEEDED,
                          .seed = seed,
                          .seed_len = 2,
                          .record = true,
                          .max_transcript_bytes = OL_WASI_DEFAULT_MAX_TRANSCRIPT};
    ol__wasi_src src;
    assert_int_equal(ol__wasi_src_init(&src, &cfg, NULL, NULL), OL_OK);
    uint64_t ns[3];
    uint8_t r1[3], r2[700];
    assert_int_equal(ol__wasi_src_clock(&src, 1, &ns[0]), OL__WASI_SRC_OK);
    assert_int_equal(ol__wasi_src_random(&src, r1, sizeof r1), OL__WASI_SRC_OK);
    ol__wasi_src_slept(&src, 5);
    assert_int_equal(ol__wasi_src_clock(&src, 0, &ns[1]), OL__WASI_SRC_OK);
    assert_int_equal(ol__wasi_src_random(&src, r2, sizeof r2), OL__WASI_SRC_OK);
    assert_int_equal(ol__wasi_src_clock(&src, 3, &ns[2]), OL__WASI_SRC_OK);
    assert_int_equal(ns[0], OL_WASI_VCLOCK_STEP_NS);
    assert_int_equal(ns[1], OL_WASI_VCLOCK_REALTIME_BASE_NS + 2 * OL_WASI_VCLOCK_STEP_NS + 5);
    assert_int_equal(ns[2], 3 * OL_WASI_VCLOCK_STEP_NS + 5);
    uint8_t sha[32];
    assert_int_equal(ol__wasi_src_finish(&src, sha), OL__WASI_SRC_OK);
    assert_int_equal(src.entries, 5);

    /* The exact text. */
    char want[2048];
    int k = snprintf(want, sizeof want,
                     HDR "clock 1 1000000\nrandom %02x%02x%02x\nclock 0 %llu\nrandom ", r1[0],
                     r1[1], r1[2], (unsigned long long)ns[1]);
    for (size_t i = 0; i < sizeof r2; i++)
        k += snprintf(want + k, sizeof want - (size_t)k, "%02x", r2[i]);
    k += snprintf(want + k, sizeof want - (size_t)k, "\nclock 3 %llu\n", (unsigned long long)ns[2]);
    size_t want_len = strlen(want);
    assert_int_equal(src.rec.len, want_len);
    assert_memory_equal(src.rec.p, want, want_len);
    uint8_t h[32];
    crypto_hash_sha256(h, (const uint8_t *)want, want_len);
    assert_memory_equal(sha, h, 32);
    assert_int_equal(ol_wasi_transcript_check(src.rec.p, src.rec.len, 0, NULL, NULL), OL_OK);

    /* Replay gives the same values in the same order. */
    ol_wasi_config rc = {
        .source = OL_WASI_SOURCE_REPLAY, .transcript = src.rec.p, .transcript_len = src.rec.len};
    ol__wasi_src rep;
    assert_int_equal(ol__wasi_src_init(&rep, &rc, NULL, NULL), OL_OK);
    uint64_t v;
    uint8_t b1[3], b2[700];
    assert_int_equal(ol__wasi_src_clock(&rep, 1, &v), OL__WASI_SRC_OK);
    assert_int_equal(v, ns[0]);
    assert_int_equal(ol__wasi_src_random(&rep, b1, 3), OL__WASI_SRC_OK);
    assert_memory_equal(b1, r1, 3);
    ol__wasi_src_slept(&rep, 5); /* nothing in replay */
    assert_int_equal(ol__wasi_src_clock(&rep, 0, &v), OL__WASI_SRC_OK);
    assert_int_equal(v, ns[1]);
    /* A request of the wrong size consumes nothing. */
    uint8_t tmp[8];
    memset(tmp, 0x5a, sizeof tmp);
    assert_int_equal(ol__wasi_src_random(&rep, tmp, 8), OL__WASI_SRC_DIVERGED);
    assert_non_null(strstr(rep.msg, "random (8 bytes) but transcript entry 4 (line 5) is random "
                                    "(700 bytes)"));
    assert_int_equal(tmp[0], 0x5a);
    assert_int_equal(ol__wasi_src_random(&rep, b2, sizeof b2), OL__WASI_SRC_OK);
    assert_memory_equal(b2, r2, sizeof r2);
    /* Before the last entry, finishing reports it unused. */
    uint8_t sha2[32];
    assert_int_equal(ol__wasi_src_finish(&rep, sha2), OL__WASI_SRC_DIVERGED);
    assert_non_null(strstr(rep.msg, "1 transcript entries unused (next: entry 5, line 6, clock "
                                    "thread_cputime)"));
    assert_int_equal(ol__wasi_src_clock(&rep, 3, &v), OL__WASI_SRC_OK);
    assert_int_equal(v, ns[2]);
    assert_int_equal(ol__wasi_src_clock(&rep, 3, &v), OL__WASI_SRC_DIVERGED);
    assert_non_null(strstr(rep.msg, "clock thread_cputime but the transcript ended after 5"));
    assert_int_equal(ol__wasi_src_finish(&rep, sha2), OL__WASI_SRC_OK);
    assert_memory_equal(sha2, sha, 32);
    ol__wasi_src_fini(&rep);
    ol__wasi_src_fini(&src);
}

/* LIVE and SEEDED sources hash what they would record without keeping it. */
static void test_wasi_transcript_hash_without_keeping(void **state)
{
    (void)state;
    static const uint8_t seed[] = {1, 2, 3};
    ol_wasi_config cfg = {.source = OL_WASI_SOURCE_SEEDED,
                          .seed = seed,
                          .seed_len = 3,
                          .max_transcript_bytes = OL_WASI_DEFAULT_MAX_TRANSCRIPT};
    ol__wasi_src a, b;
    assert_int_equal(ol__wasi_src_init(&a, &cfg, NULL, NULL), OL_OK);
    cfg.record = true;
    assert_int_equal(ol__wasi_src_init(&b, &cfg, NULL, NULL), OL_OK);
    uint8_t buf[100];
    uint64_t v;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ol__wasi_src_random(&a, buf, (size_t)i + 1), OL__WASI_SRC_OK);
        assert_int_equal(ol__wasi_src_random(&b, buf, (size_t)i + 1), OL__WASI_SRC_OK);
        assert_int_equal(ol__wasi_src_clock(&a, (uint32_t)i % 4, &v), OL__WASI_SRC_OK);
        assert_int_equal(ol__wasi_src_clock(&b, (uint32_t)i % 4, &v), OL__WASI_SRC_OK);
    }
    assert_null(a.rec.p);
    assert_non_null(b.rec.p);
    uint8_t ha[32], hb[32];
    ol__wasi_src_finish(&a, ha);
    ol__wasi_src_finish(&b, hb);
    assert_memory_equal(ha, hb, 32);
    ol__wasi_src_fini(&a);
    ol__wasi_src_fini(&b);
}

/* The cap applies in every mode, before anything is handed out. */
static void test_wasi_transcript_cap(void **state)
{
    (void)state;
    ol_wasi_config cfg = {.source = OL_WASI_SOURCE_LIVE, .max_transcript_bytes = 22 + 12};
    ol__wasi_src s;
    assert_int_equal(ol__wasi_src_init(&s, &cfg, NULL, NULL), OL_OK);
    uint8_t buf[4] = {0xaa, 0xaa, 0xaa, 0xaa};
    assert_int_equal(ol__wasi_src_random(&s, buf, 3), OL__WASI_SRC_LIMIT); /* 14 > 12 */
    assert_int_equal(buf[0], 0xaa);
    assert_non_null(strstr(s.msg, "limit of 34 bytes"));
    assert_int_equal(ol__wasi_src_random(&s, buf, 2), OL__WASI_SRC_OK); /* "random xxxx\n" = 12 */
    uint64_t v = 77;
    assert_int_equal(ol__wasi_src_clock(&s, 0, &v), OL__WASI_SRC_LIMIT);
    assert_int_equal(v, 77);
    assert_int_equal(s.entries, 1);
    ol__wasi_src_fini(&s);
    cfg.max_transcript_bytes = 10; /* below the header */
    assert_int_equal(ol__wasi_src_init(&s, &cfg, NULL, NULL), OL_E_INVAL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wasi_transcript_valid),
        cmocka_unit_test(test_wasi_transcript_invalid),
        cmocka_unit_test(test_wasi_transcript_size_limit),
        cmocka_unit_test(test_wasi_transcript_roundtrip),
        cmocka_unit_test(test_wasi_transcript_hash_without_keeping),
        cmocka_unit_test(test_wasi_transcript_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
