/* The SDK's pure helpers checked inside the wasm they ship in: selftest() (a view) runs every
 * check and returns {"checks": N}, or panics naming the first check that failed. The chain test
 * calls it; the expectations are written out by hand, not computed by the code under test. */
#include "near_sdk.h"

static uint64_t checks;

static void check(bool ok, const char *what)
{
    checks++;
    if (!ok)
        near_panic3("selftest failed: ", what, NULL);
}

static bool parses(const char *s)
{
    near_json v;
    return near_json_parse(s, near_strlen(s), &v, NULL);
}

static near_json parse(const char *s)
{
    near_json v;
    const char *err = NULL;
    if (!near_json_parse(s, near_strlen(s), &v, &err))
        near_panic3("selftest: cannot parse: ", err, NULL);
    return v;
}

static bool u128_is(near_u128 v, const char *dec)
{
    char buf[NEAR_U128_MAX_DEC + 1];
    near_u128_format(v, buf);
    return near_streq(buf, dec);
}

static void json_reader(void)
{
    static const char *const good[] = {
        "0",
        "-0",
        "1.5e10",
        "-12.25E-3",
        "\"\"",
        "\"a\\u00e9\\ud83d\\ude00\\n\"",
        "[]",
        "{}",
        " { \"a\" : [ 1 , true , false , null , { } ] } ",
        "\"\xc3\xa9\xf0\x9f\x98\x80\"",
    };
    static const char *const bad[] = {
        "",
        " ",
        "01",
        "1.",
        ".5",
        "1e",
        "+1",
        "-",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\"}",
        "{a:1}",
        "[1 2]",
        "tru",
        "nul",
        "\"abc",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\x01\"",
        "\"\xc0\xaf\"",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xe2\x82\"",
        "1 2",
        "[",
        "{\"a\":1}}",
        "'a'",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        check(parses(good[i]), good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check(!parses(bad[i]), bad[i]);

    char deep[2 * NEAR_JSON_MAX_DEPTH + 3];
    for (int i = 0; i <= NEAR_JSON_MAX_DEPTH; i++) {
        deep[i] = '[';
        deep[2 * NEAR_JSON_MAX_DEPTH + 1 - i] = ']';
    }
    deep[2 * NEAR_JSON_MAX_DEPTH + 2] = '\0';
    check(!parses(deep), "depth 33 refused");
    check(parses(deep + 1) == false, "unbalanced refused");
    deep[2 * NEAR_JSON_MAX_DEPTH + 1] = '\0';
    check(parses(deep + 1), "depth 32 accepted");

    near_json o =
        parse("{\"a\":1,\"b\\u0022\":\"x\\\"y\",\"a\":2,\"n\":null,\"u\":\"340282366920938463"
              "463374607431768211455\",\"big\":18446744073709551616,\"arr\":[1,[2,3],{}]}");
    near_json v;
    uint64_t u;
    near_u128 w;
    check(near_json_get(&o, "a", &v) && near_json_u64(&v, &u) && u == 1, "first duplicate wins");
    check(near_json_get(&o, "b\"", &v) && near_json_str_eq(&v, "x\"y"), "escaped key and value");
    char *s;
    size_t len;
    check(near_json_str(&v, &s, &len) && len == 3 && near_streq(s, "x\"y"), "decoded string");
    check(near_json_get(&o, "n", &v) && v.type == NEAR_JSON_NULL, "null member");
    check(!near_json_get(&o, "missing", &v), "missing member");
    check(near_json_get(&o, "u", &v) && near_json_u128(&v, &w) &&
              u128_is(w, "340282366920938463463374607431768211455"),
          "u128 max from a string");
    check(!near_json_u64(&v, &u), "u128 max is no u64");
    check(near_json_get(&o, "big", &v) && !near_json_u64(&v, &u) && near_json_u128(&v, &w) &&
              w.hi == 1 && w.lo == 0,
          "2^64 as a number");
    check(near_json_get(&o, "arr", &v) && near_json_count(&v) == 3, "array count");
    check(near_json_count(&o) == 7, "object count");
    near_json_iter it = {0};
    near_json e;
    check(near_json_next(&v, &it, NULL, &e) && e.type == NEAR_JSON_NUMBER, "array element 0");
    check(near_json_next(&v, &it, NULL, &e) && e.type == NEAR_JSON_ARRAY && e.len == 5,
          "array element 1");
    check(near_json_next(&v, &it, NULL, &e) && e.type == NEAR_JSON_OBJECT, "array element 2");
    check(!near_json_next(&v, &it, NULL, &e), "array end");

    near_json f = parse("\"a\\u00e9\\ud83d\\ude00\\n\\/\"");
    check(near_json_str(&f, &s, &len) && len == 9 &&
              near_memeq(s, len, "a\xc3\xa9\xf0\x9f\x98\x80\n/", 9),
          "unicode escapes decode to UTF-8");
    near_json neg = parse("-1");
    near_json frac = parse("1.0");
    near_json str = parse("\"12a\"");
    check(!near_json_u64(&neg, &u) && !near_json_u64(&frac, &u) && !near_json_u64(&str, &u),
          "u64 refuses sign, fraction and letters");
}

static void json_writer(void)
{
    near_jw w;
    near_jw_init(&w);
    near_jw_object_begin(&w);
    near_jw_key(&w, "s");
    near_jw_str(&w, "q\"b\\n\n\x01\xc3\xa9");
    near_jw_key(&w, "n");
    near_jw_u64(&w, UINT64_MAX);
    near_jw_key(&w, "u");
    near_jw_u128(&w, near_u128_from_u64(7));
    near_jw_key(&w, "a");
    near_jw_array_begin(&w);
    near_jw_bool(&w, true);
    near_jw_null(&w);
    near_jw_raw(&w, " {\"x\": [1]} ", 12);
    near_jw_bytes_array(&w, (const uint8_t *)"\x00\xff", 2);
    near_jw_array_end(&w);
    near_jw_key(&w, "e");
    near_jw_object_begin(&w);
    near_jw_object_end(&w);
    near_jw_object_end(&w);
    size_t len;
    const char *out = near_jw_finish(&w, &len);
    static const char expect[] =
        "{\"s\":\"q\\\"b\\\\n\\n\\u0001\xc3\xa9\",\"n\":18446744073709551615,"
        "\"u\":\"7\",\"a\":[true,null,{\"x\": [1]},[0,255]],\"e\":{}}";
    check(near_memeq(out, len, expect, sizeof expect - 1), "writer output");
    check(parses(out), "writer output parses");
}

static void u128(void)
{
    near_u128 a, b, r;
    check(near_u128_parse("340282366920938463463374607431768211455", 39, &a) &&
              a.lo == UINT64_MAX && a.hi == UINT64_MAX,
          "parse max");
    check(!near_u128_parse("340282366920938463463374607431768211456", 39, &a), "parse max+1");
    check(!near_u128_parse("", 0, &a) && !near_u128_parse("1 ", 2, &a), "parse junk");
    check(near_u128_parse("000", 3, &a) && near_u128_is_zero(a), "parse zeros");
    check(u128_is(near_u128_from_u64(0), "0"), "format 0");
    near_u128_parse("1000000000000000000000000", 25, &a); /* 1 NEAR */
    check(u128_is(a, "1000000000000000000000000"), "format 1 NEAR");
    check(near_u128_mul_u64(a, 1000000000u, &r) && u128_is(r, "1000000000000000000000000000000000"),
          "10^9 NEAR");
    near_u128 max = {UINT64_MAX, UINT64_MAX};
    check(!near_u128_add(max, near_u128_from_u64(1), &r), "add overflow");
    check(!near_u128_sub(near_u128_from_u64(0), near_u128_from_u64(1), &r), "sub underflow");
    check(!near_u128_mul_u64(max, 2, &r), "mul overflow");
    b.lo = UINT64_MAX, b.hi = 0;
    check(near_u128_add(b, near_u128_from_u64(1), &r) && r.hi == 1 && r.lo == 0, "add carry");
    check(near_u128_sub(r, near_u128_from_u64(1), &r) && r.hi == 0 && r.lo == UINT64_MAX,
          "sub borrow");
    check(near_u128_mul_u64(b, UINT64_MAX, &r) &&
              u128_is(r, "340282366920938463426481119284349108225"),
          "(2^64-1)^2");
    uint64_t rem;
    r = near_u128_divmod_u64(max, 10, &rem);
    check(rem == 5 && u128_is(r, "34028236692093846346337460743176821145"), "max / 10");
    r = near_u128_divmod_u64(max, UINT64_MAX, &rem);
    check(rem == 0 && r.hi == 1 && r.lo == 1, "max / (2^64-1)");
    uint8_t le[16];
    near_u128_store(near_u128_from_u64(0x0102), le);
    check(le[0] == 2 && le[1] == 1 && le[2] == 0 && le[15] == 0, "store little endian");
    check(near_u128_cmp(near_u128_load(le), near_u128_from_u64(0x0102)) == 0, "load");
    check(u128_is(near_storage_cost(100), "1000000000000000000000"), "storage cost of 100 bytes");
}

static void misc(void)
{
    uint8_t b[2];
    char hex[5];
    check(near_hex_decode("aB0f", 4, b, 2) && b[0] == 0xab && b[1] == 0x0f, "hex decode");
    check(!near_hex_decode("ag", 2, b, 1) && !near_hex_decode("abc", 3, b, 2), "hex refuses");
    near_hex_encode(b, 2, hex);
    check(near_streq(hex, "ab0f"), "hex encode");
    check(near_account_id_valid("test.near", 9) && near_account_id_valid("a-b_c.d", 7) &&
              near_account_id_valid(
                  "0123456789012345678901234567890123456789012345678901234567890123", 64),
          "valid account ids");
    check(!near_account_id_valid("a", 1) && !near_account_id_valid("A.near", 6) &&
              !near_account_id_valid(".near", 5) && !near_account_id_valid("a..b", 4) &&
              !near_account_id_valid("near.", 5) &&
              !near_account_id_valid(
                  "01234567890123456789012345678901234567890123456789012345678901234", 65),
          "invalid account ids");
    uint64_t u;
    check(near_u64_parse("18446744073709551615", 20, &u) && u == UINT64_MAX, "u64 max");
    check(!near_u64_parse("18446744073709551616", 20, &u), "u64 max+1");
    uint8_t *p = near_alloc(100000); /* beyond the initial pages: memory.grow */
    p[99999] = 1;
    check(p[0] == 0 && ((uintptr_t)p & 15) == 0, "allocation zeroed and aligned");
}

/* selftest() -> {"checks": N} (view) */
NEAR_METHOD(selftest)
{
    json_reader();
    json_writer();
    u128();
    misc();
    near_jw w;
    near_jw_init(&w);
    near_jw_object_begin(&w);
    near_jw_key(&w, "checks");
    near_jw_u64(&w, checks);
    near_jw_object_end(&w);
    near_jw_return(&w);
}
