/* Text encodings of src/near: base58 (Bitcoin alphabet, leading zeros), base64 (standard,
 * canonical padding), hex; 32-byte hash text; SHA-256; UTF-8 validation as Rust defines it; the
 * arena and the byte buffer. Includes round trips over every length and every byte value. */
#include <stdlib.h>
#include <string.h>

#include "near_int.h"
#include "ol/near.h"
#include "support/faultsim.h"
#include "test.h"

static void b58_is(const uint8_t *p, size_t len, const char *want)
{
    char out[256];
    size_t n = 0;
    assert_int_equal(ol_near_base58_encode(p, len, out, sizeof out, &n, NULL), OL_OK);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    uint8_t back[128];
    size_t m = 0;
    assert_int_equal(ol_near_base58_decode(want, strlen(want), back, sizeof back, &m, NULL), OL_OK);
    assert_int_equal(m, len);
    if (len > 0)
        assert_memory_equal(back, p, len);
}

static void test_base58_vectors(void **state)
{
    (void)state;
    static const uint8_t zeros[32];
    b58_is(zeros, 32, "11111111111111111111111111111111"); /* the "no contract" code hash */
    b58_is(zeros, 0, "");
    b58_is(zeros, 1, "1");
    b58_is((const uint8_t *)"hello world", 11, "StV1DL6CwTryKyV");
    static const uint8_t z61[] = {0, 0, 0x28, 0x7f, 0xb4, 0xcd};
    b58_is(z61, sizeof z61, "11233QC4");
    static const uint8_t ff[] = {0xff};
    b58_is(ff, 1, "5Q");
    static const uint8_t v1_block[32] = {0x0f, 0xa4, 0x73, 0xfd, 0x26, 0x90, 0x1d, 0xf2,
                                         0x96, 0xbe, 0x6a, 0xdc, 0x4c, 0xc4, 0xdf, 0x34,
                                         0xd0, 0x40, 0xef, 0xa2, 0x43, 0x52, 0x24, 0xb6,
                                         0x98, 0x69, 0x10, 0xe6, 0x30, 0xc2, 0xfe, 0xf6};
    b58_is(v1_block, 32, "244ZQ9cgj3CQ6bWBdytfrJMuMQ1jdXLFGnr4HhvtCTnM");
}

static void test_base58_bad_input(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n;
    ol_diag d = {0};
    /* 0, O, I and l are not in the alphabet, nor are '+', ' ', or non-ASCII bytes. */
    static const char *const bad[] = {"0",   "abc0", "O",        "I",    "l",
                                      "ab+", "a b",  "\xc3\xa9", "abc\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ol_near_base58_decode(bad[i], strlen(bad[i]), out, sizeof out, &n, &d),
                         OL_E_MALFORMED);
        assert_non_null(strstr(d.msg, "invalid character"));
    }
    /* An embedded NUL is an invalid character too (length-delimited input). */
    assert_int_equal(ol_near_base58_decode("ab\0c", 4, out, sizeof out, &n, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "offset 2"));
    /* Output too small: by value and by leading ones. */
    assert_int_equal(ol_near_base58_decode("5Q", 2, out, 0, &n, &d), OL_E_RANGE);
    assert_int_equal(ol_near_base58_decode("111", 3, out, 2, &n, &d), OL_E_RANGE);
    assert_int_equal(
        ol_near_base58_decode("11111111111111111111111111111111z", 33, out, 32, &n, &d),
        OL_E_RANGE);
    char small[4];
    static const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(ol_near_base58_encode(data, 8, small, sizeof small, &n, &d), OL_E_RANGE);
    static const uint8_t z[4];
    assert_int_equal(ol_near_base58_encode(z, 4, small, sizeof small, &n, &d), OL_E_RANGE);
    assert_int_equal(ol_near_base58_encode(z, 3, small, sizeof small, &n, &d), OL_OK);
    assert_string_equal(small, "111");
    assert_int_equal(ol_near_base58_encode(z, 0, small, 0, &n, &d), OL_E_RANGE);
}

static void test_base58_round_trip_all_lengths(void **state)
{
    (void)state;
    uint8_t data[100];
    char text[200];
    uint8_t back[100];
    for (size_t len = 0; len <= sizeof data; len++) {
        for (int variant = 0; variant < 3; variant++) {
            for (size_t i = 0; i < len; i++)
                data[i] = variant == 0   ? (uint8_t)(i * 37 + 11)
                          : variant == 1 ? 0xff
                                         : (uint8_t)(i < len / 2 ? 0 : i);
            size_t n = 0, m = 0;
            assert_true(ol_near_base58_encoded_max(len) <= sizeof text);
            assert_int_equal(
                ol_near_base58_encode(data, len, text, ol_near_base58_encoded_max(len), &n, NULL),
                OL_OK);
            assert_int_equal(ol_near_base58_decode(text, n, back, len, &m, NULL), OL_OK);
            assert_int_equal(m, len);
            if (len > 0)
                assert_memory_equal(back, data, len);
        }
    }
}

static void test_base64(void **state)
{
    (void)state;
    static const struct {
        const char *plain, *enc;
    } v[] = {{"", ""},
             {"f", "Zg=="},
             {"fo", "Zm8="},
             {"foo", "Zm9v"},
             {"foob", "Zm9vYg=="},
             {"fooba", "Zm9vYmE="},
             {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[32];
        size_t n;
        size_t pl = strlen(v[i].plain);
        assert_int_equal(
            ol_near_base64_encode((const uint8_t *)v[i].plain, pl, out, sizeof out, &n, NULL),
            OL_OK);
        assert_string_equal(out, v[i].enc);
        assert_int_equal(ol_near_base64_encoded_max(pl), strlen(v[i].enc) + 1);
        uint8_t back[32];
        assert_int_equal(
            ol_near_base64_decode(v[i].enc, strlen(v[i].enc), back, sizeof back, &n, NULL), OL_OK);
        assert_int_equal(n, pl);
        assert_memory_equal(back, v[i].plain, pl);
    }
    /* All 256 byte values, both 62/63 characters. */
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char text[400];
    uint8_t back[260];
    size_t n, m;
    assert_int_equal(ol_near_base64_encode(all, 256, text, sizeof text, &n, NULL), OL_OK);
    assert_non_null(strchr(text, '+'));
    assert_non_null(strchr(text, '/'));
    assert_int_equal(ol_near_base64_decode(text, n, back, sizeof back, &m, NULL), OL_OK);
    assert_int_equal(m, 256);
    assert_memory_equal(back, all, 256);
    /* The V5 NEP-413 nonce. */
    assert_int_equal(ol_near_base64_decode("KNV0cOpvJ50D5vfF9pqWom8wo2sliQ4W+Wa7uZ3Uk6Y=", 44, back,
                                           sizeof back, &m, NULL),
                     OL_OK);
    assert_int_equal(m, 32);
    assert_int_equal(back[0], 0x28);
    assert_int_equal(back[31], 0xa6);
}

static void test_base64_bad_input(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n;
    ol_diag d = {0};
    static const char *const bad[] = {
        "Zg=",      /* length not a multiple of 4 */
        "Zg",       /* unpadded */
        "Z===",     /* three pads */
        "=Zg=",     /* pad first */
        "Zg==Zg==", /* pad in the middle */
        "Zm9v\n",
        "Zm 9",
        "Zm-_", /* URL-safe alphabet is not standard base64 */
        "Zh==", /* non-zero bits under the padding */
        "Zm9=", /* ditto for one pad */
        "Zm9vY\xc3\xa9=",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ol_near_base64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n, &d),
                         OL_E_MALFORMED);
    assert_int_equal(ol_near_base64_decode("Zm9vYmFy", 8, out, 5, &n, &d), OL_E_RANGE);
    char small[8];
    assert_int_equal(
        ol_near_base64_encode((const uint8_t *)"foobar", 6, small, sizeof small, &n, &d),
        OL_E_RANGE);
}

static void test_hex(void **state)
{
    (void)state;
    static const uint8_t data[] = {0x00, 0x01, 0xab, 0xff};
    char out[16];
    size_t n;
    assert_int_equal(ol_near_hex_encode(data, 4, out, sizeof out, &n, NULL), OL_OK);
    assert_string_equal(out, "0001abff");
    uint8_t back[4];
    assert_int_equal(ol_near_hex_decode("0001ABff", 8, back, 4, &n, NULL), OL_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(back, data, 4);
    ol_diag d = {0};
    assert_int_equal(ol_near_hex_decode("abc", 3, back, 4, &n, &d), OL_E_MALFORMED);
    assert_int_equal(ol_near_hex_decode("0g", 2, back, 4, &n, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "offset 1"));
    assert_int_equal(ol_near_hex_decode("0011223344", 10, back, 4, &n, &d), OL_E_RANGE);
    assert_int_equal(ol_near_hex_encode(data, 4, out, 8, &n, &d), OL_E_RANGE);
}

static void test_hash_text(void **state)
{
    (void)state;
    uint8_t h[32];
    ol_diag d = {0};
    assert_int_equal(ol_near_hash_parse("244ZQ9cgj3CQ6bWBdytfrJMuMQ1jdXLFGnr4HhvtCTnM", h, &d),
                     OL_OK);
    char out[OL_NEAR_HASH_STR_MAX];
    ol_near_hash_format(h, out);
    assert_string_equal(out, "244ZQ9cgj3CQ6bWBdytfrJMuMQ1jdXLFGnr4HhvtCTnM");
    /* 31 bytes, 33 bytes, bad character, empty, NULL. */
    assert_int_equal(ol_near_hash_parse("1111111111111111111111111111111", h, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "31 bytes"));
    assert_int_equal(ol_near_hash_parse("111111111111111111111111111111111", h, &d),
                     OL_E_MALFORMED);
    assert_int_equal(ol_near_hash_parse("244ZQ9cgj3CQ6bWBdytfrJMuMQ1jdXLFGnr4HhvtCTn0", h, &d),
                     OL_E_MALFORMED);
    assert_int_equal(ol_near_hash_parse("", h, &d), OL_E_MALFORMED);
    assert_int_equal(ol_near_hash_parse(NULL, h, &d), OL_E_MALFORMED);
    /* A long string is refused without decoding it all into a small buffer. */
    char big[2001];
    memset(big, 'z', 2000);
    big[2000] = '\0';
    assert_int_equal(ol_near_hash_parse(big, h, &d), OL_E_MALFORMED);
}

static void test_sha256(void **state)
{
    (void)state;
    uint8_t h[32];
    char hex[65];
    ol_near_sha256(NULL, 0, h);
    ol_near_hex_encode(h, 32, hex, sizeof hex, NULL, NULL);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ol_near_sha256((const uint8_t *)"abc", 3, h);
    ol_near_hex_encode(h, 32, hex, sizeof hex, NULL, NULL);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
    } v[] = {
        {"", true},
        {"plain ascii", true},
        {"\xc3\xa9", true},          /* é */
        {"\xe2\x82\xac", true},      /* € */
        {"\xf0\x9f\x98\x80", true},  /* emoji */
        {"\xf4\x8f\xbf\xbf", true},  /* U+10FFFF */
        {"\xed\x9f\xbf", true},      /* U+D7FF */
        {"\xee\x80\x80", true},      /* U+E000 */
        {"\x80", false},             /* lone continuation */
        {"\xc3", false},             /* truncated */
        {"\xc0\xaf", false},         /* overlong / */
        {"\xc1\xbf", false},         /* overlong */
        {"\xe0\x80\xaf", false},     /* overlong 3-byte */
        {"\xed\xa0\x80", false},     /* surrogate D800 */
        {"\xf0\x80\x80\xaf", false}, /* overlong 4-byte */
        {"\xf4\x90\x80\x80", false}, /* above U+10FFFF */
        {"\xf5\x80\x80\x80", false},
        {"\xff", false},
        {"\xe2\x82", false},
        {"\xe2\x28\xa1", false},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_int_equal(ol__near_utf8_valid((const uint8_t *)v[i].s, strlen(v[i].s)), v[i].ok);
    /* NUL is valid UTF-8. */
    assert_true(ol__near_utf8_valid((const uint8_t *)"a\0b", 3));
}

static void test_buf_and_arena(void **state)
{
    (void)state;
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    assert_int_equal(ol_near_buf_check(&b, NULL), OL_OK);
    for (int i = 0; i < 1000; i++)
        ol_near_borsh_put_u32(&b, (uint32_t)i);
    assert_int_equal(b.len, 4000);
    assert_int_equal(b.p[3996], (uint8_t)999);
    assert_int_equal(b.p[3997], 3);
    ol_near_buf_reset(&b);
    assert_int_equal(b.len, 0);
    ol_near_borsh_put_u128(&b, (ol_near_u128){0x0807060504030201ull, 0x100f0e0d0c0b0a09ull});
    for (int i = 0; i < 16; i++)
        assert_int_equal(b.p[i], i + 1);
    ol_near_buf_fini(&b);

    /* A sticky allocation failure. */
    ol_alloc_counter c;
    ol_allocator a = ol_alloc_counter_init(&c, NULL);
    c.fail_countdown = 0;
    ol_near_buf_init(&b, &a);
    ol_near_borsh_put_u8(&b, 1);
    ol_near_borsh_put_u8(&b, 2);
    c.fail_countdown = -1;
    ol_near_borsh_put_u8(&b, 3); /* stays failed */
    ol_diag d = {0};
    assert_int_equal(ol_near_buf_check(&b, &d), OL_E_NOMEM);
    assert_int_equal(b.len, 0);
    ol_near_buf_fini(&b);
    assert_int_equal(c.live, 0);

    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(&a, &ar, NULL), OL_OK);
    char *s = ol_near_arena_strndup(ar, "hello", 3);
    assert_string_equal(s, "hel");
    void *big = ol_near_arena_alloc(ar, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    uint64_t *small = ol_near_arena_alloc(ar, 8);
    assert_non_null(small);
    assert_int_equal((uintptr_t)small % _Alignof(max_align_t), 0);
    assert_int_equal(*small, 0);
    for (int i = 0; i < 1000; i++)
        assert_non_null(ol_near_arena_alloc(ar, 37));
    assert_string_equal(s, "hel");
    assert_null(ol_near_arena_alloc(ar, SIZE_MAX - 8));
    ol_near_arena_free(ar);
    ol_near_arena_free(NULL);
    assert_int_equal(c.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base58_vectors),
        cmocka_unit_test(test_base58_bad_input),
        cmocka_unit_test(test_base58_round_trip_all_lengths),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_base64_bad_input),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_hash_text),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_buf_and_arena),
    };
    if (ol_near_init(NULL) != OL_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
