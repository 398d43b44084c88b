/* Tests of the guest SDK, run as a WASI job: `outlayer run sdk_test.wasm --input sdk-test-input
 * --env OL_TEST_U64=18446744073709551615 --env OL_TEST_BAD=12x --env NEAR_SENDER_ID=alice.near`
 * (tests/integration/examples_test.sh). Prints one line per failed check on stderr and a summary
 * on stdout; exits 1 when a check failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outlayer.h"

static int checks, failures;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(bool ok, const char *what, int line)
{
    checks++;
    if (!ok) {
        failures++;
        fprintf(stderr, "FAIL line %d: %s\n", line, what);
    }
}

/* ---- writer ---- */

/* Compares the writer's document with `want`, then resets it. */
static bool jw_is(ol_json_writer *w, const char *want)
{
    size_t len;
    const char *got = ol_jw_result(w, &len);
    bool ok = got != NULL && len == strlen(want) && memcmp(got, want, len) == 0;
    if (!ok)
        fprintf(stderr, "  writer gave '%s' (error %s), want '%s'\n", got ? got : "(null)",
                ol_jw_error(w) ? ol_jw_error(w) : "none", want);
    ol_jw_fini(w);
    ol_jw_init(w);
    return ok;
}

static bool jw_fails(ol_json_writer *w, const char *want_error)
{
    const char *e = ol_jw_error(w);
    bool ok = e != NULL && strcmp(e, want_error) == 0 && ol_jw_result(w, NULL) == NULL;
    if (!ok)
        fprintf(stderr, "  writer error '%s', want '%s'\n", e ? e : "(none)", want_error);
    ol_jw_fini(w);
    ol_jw_init(w);
    return ok;
}

static void test_writer(void)
{
    ol_json_writer w;
    ol_jw_init(&w);

    ol_jw_object_begin(&w);
    ol_jw_key(&w, "a");
    ol_jw_int(&w, 1);
    ol_jw_key(&w, "b");
    ol_jw_array_begin(&w);
    ol_jw_bool(&w, true);
    ol_jw_bool(&w, false);
    ol_jw_null(&w);
    ol_jw_object_begin(&w);
    ol_jw_object_end(&w);
    ol_jw_array_begin(&w);
    ol_jw_array_end(&w);
    ol_jw_string(&w, NULL);
    ol_jw_array_end(&w);
    ol_jw_key(&w, "");
    ol_jw_string(&w, "");
    ol_jw_object_end(&w);
    CHECK(jw_is(&w, "{\"a\":1,\"b\":[true,false,null,{},[],null],\"\":\"\"}"));

    /* Escapes: the two mandatory ones, the short forms, \u00XX for the other controls; DEL
     * and '/' pass through. */
    ol_jw_string_n(&w, "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\0z", 16);
    CHECK(jw_is(&w, "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\\u0000z\""));
    /* Valid UTF-8 (2, 3, 4 bytes) passes through; each invalid byte becomes U+FFFD. */
    ol_jw_string(&w, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK(jw_is(&w, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""));
    ol_jw_string(&w, "a\xff"
                     "b\xc0\xaf"
                     "c\xed\xa0\x80"
                     "d\xe2\x82");
    CHECK(jw_is(&w, "\"a\xef\xbf\xbd"
                    "b\xef\xbf\xbd\xef\xbf\xbd"
                    "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                    "d\xef\xbf\xbd\xef\xbf\xbd\""));
    ol_jw_object_begin(&w);
    ol_jw_key(&w, "k\"\n\xff");
    ol_jw_int(&w, 0);
    ol_jw_object_end(&w);
    CHECK(jw_is(&w, "{\"k\\\"\\n\xef\xbf\xbd\":0}"));

    ol_jw_array_begin(&w);
    ol_jw_int(&w, INT64_MIN);
    ol_jw_int(&w, INT64_MAX);
    ol_jw_int(&w, -1);
    ol_jw_uint(&w, UINT64_MAX);
    ol_jw_uint(&w, 0);
    ol_jw_array_end(&w);
    CHECK(jw_is(&w, "[-9223372036854775808,9223372036854775807,-1,18446744073709551615,0]"));

    ol_jw_array_begin(&w);
    ol_jw_double(&w, 0.1);
    ol_jw_double(&w, 1.5);
    ol_jw_double(&w, -0.0);
    ol_jw_double(&w, 3.0);
    ol_jw_double(&w, 1e300);
    ol_jw_double(&w, 5e-324);
    ol_jw_double(&w, 0.1 + 0.2);
    ol_jw_double(&w, 1.0 / 3.0);
    ol_jw_double(&w, (double)NAN);
    ol_jw_double(&w, -(double)INFINITY);
    ol_jw_array_end(&w);
    CHECK(jw_is(&w, "[0.1,1.5,-0,3,1e+300,5e-324,0.30000000000000004,0.3333333333333333,"
                    "null,null]"));

    /* Every double written reads back to itself. */
    static const double ds[] = {0.1,
                                1.5,
                                -0.0,
                                3.0,
                                1e300,
                                5e-324,
                                0.30000000000000004,
                                1.0 / 3.0,
                                123456789012345678.0,
                                -2.5e-10,
                                1.7976931348623157e308};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        ol_jw_double(&w, ds[i]);
        size_t len;
        const char *s = ol_jw_result(&w, &len);
        ol_json_doc doc;
        bool ok = s != NULL && ol_json_parse((const uint8_t *)s, len, &doc) &&
                  doc.root->type == OL_JSON_NUMBER && doc.root->number == ds[i] &&
                  signbit(doc.root->number) == signbit(ds[i]) && len <= 24;
        if (!ok)
            fprintf(stderr, "  double %.17g wrote '%s'\n", ds[i], s ? s : "(null)");
        CHECK(ok);
        ol_json_doc_fini(&doc);
        ol_jw_fini(&w);
        ol_jw_init(&w);
    }
    ol_jw_double(&w, 0.1);
    CHECK(jw_is(&w, "0.1"));
    ol_jw_double(&w, 2.5);
    CHECK(jw_is(&w, "2.5"));
    ol_jw_double(&w, (double)NAN);
    CHECK(jw_is(&w, "null"));

    /* Misuse is remembered, and later calls do nothing. */
    ol_jw_object_begin(&w);
    ol_jw_int(&w, 1);
    ol_jw_key(&w, "a");
    CHECK(jw_fails(&w, "a value in an object without a key"));
    ol_jw_array_begin(&w);
    ol_jw_key(&w, "a");
    CHECK(jw_fails(&w, "a key outside an object"));
    ol_jw_object_begin(&w);
    ol_jw_key(&w, "a");
    ol_jw_key(&w, "b");
    CHECK(jw_fails(&w, "two keys in a row"));
    ol_jw_object_begin(&w);
    ol_jw_key(&w, "a");
    ol_jw_object_end(&w);
    CHECK(jw_fails(&w, "a key without a value"));
    ol_jw_array_begin(&w);
    ol_jw_object_end(&w);
    CHECK(jw_fails(&w, "object end without a matching begin"));
    ol_jw_array_end(&w);
    CHECK(jw_fails(&w, "array end without a matching begin"));
    ol_jw_int(&w, 1);
    ol_jw_int(&w, 2);
    CHECK(jw_fails(&w, "a second top-level value"));
    ol_jw_array_begin(&w);
    CHECK(jw_fails(&w, "incomplete document"));
    CHECK(jw_fails(&w, "incomplete document")); /* nothing written at all */
    for (int i = 0; i < OL_JSON_MAX_DEPTH; i++)
        ol_jw_array_begin(&w);
    for (int i = 0; i < OL_JSON_MAX_DEPTH; i++)
        ol_jw_array_end(&w);
    CHECK(ol_jw_error(&w) == NULL);
    ol_jw_fini(&w);
    ol_jw_init(&w);
    for (int i = 0; i <= OL_JSON_MAX_DEPTH; i++)
        ol_jw_array_begin(&w);
    CHECK(jw_fails(&w, "nesting deeper than OL_JSON_MAX_DEPTH"));

    /* A large document grows the buffer many times. */
    ol_jw_array_begin(&w);
    for (int i = 0; i < 100000; i++)
        ol_jw_int(&w, i);
    ol_jw_array_end(&w);
    size_t len;
    const char *s = ol_jw_result(&w, &len);
    CHECK(s != NULL && len == 588891 && strncmp(s + len - 7, ",99999]", 7) == 0);
    ol_jw_fini(&w);
}

/* ---- reader ---- */

static const ol_json *parse_ok(ol_json_doc *doc, const char *text)
{
    if (!ol_json_parse((const uint8_t *)text, strlen(text), doc)) {
        fprintf(stderr, "  parse of '%s' failed: %s\n", text, doc->error);
        return NULL;
    }
    return doc->root;
}

/* The parse of text[0..len) fails with an error containing `want`. */
static bool parse_fails_n(const char *text, size_t len, const char *want)
{
    ol_json_doc doc;
    bool parsed = ol_json_parse((const uint8_t *)text, len, &doc);
    bool ok = !parsed && doc.root == NULL && strstr(doc.error, want) != NULL;
    if (!ok)
        fprintf(stderr, "  parse of '%.*s': %s '%s', want an error with '%s'\n", (int)len, text,
                parsed ? "succeeded" : "error", parsed ? "" : doc.error, want);
    ol_json_doc_fini(&doc);
    return ok;
}

static bool parse_fails(const char *text, const char *want)
{
    return parse_fails_n(text, strlen(text), want);
}

/* Writes a parsed value back (for round trips). */
static void write_value(ol_json_writer *w, const ol_json *v)
{
    switch (v->type) {
    case OL_JSON_NULL:
        ol_jw_null(w);
        break;
    case OL_JSON_BOOL:
        ol_jw_bool(w, v->boolean);
        break;
    case OL_JSON_NUMBER:
        if (v->is_int)
            ol_jw_int(w, v->integer);
        else
            ol_jw_double(w, v->number);
        break;
    case OL_JSON_STRING:
        ol_jw_string_n(w, v->str, v->len);
        break;
    case OL_JSON_ARRAY:
    case OL_JSON_OBJECT:
        if (v->type == OL_JSON_ARRAY)
            ol_jw_array_begin(w);
        else
            ol_jw_object_begin(w);
        for (const ol_json *e = v->child; e != NULL; e = e->next) {
            if (v->type == OL_JSON_OBJECT)
                ol_jw_key_n(w, e->key, e->key_len);
            write_value(w, e);
        }
        if (v->type == OL_JSON_ARRAY)
            ol_jw_array_end(w);
        else
            ol_jw_object_end(w);
        break;
    }
}

/* Parses text, writes it back compactly and compares with `want`. */
static bool round_trip(const char *text, const char *want)
{
    ol_json_doc doc;
    ol_json_writer w;
    bool ok = false;
    ol_jw_init(&w);
    if (parse_ok(&doc, text) != NULL) {
        write_value(&w, doc.root);
        size_t len;
        const char *s = ol_jw_result(&w, &len);
        ok = s != NULL && len == strlen(want) && memcmp(s, want, len) == 0;
        if (!ok)
            fprintf(stderr, "  round trip of '%s' gave '%s', want '%s'\n", text, s ? s : "", want);
    }
    ol_jw_fini(&w);
    ol_json_doc_fini(&doc);
    return ok;
}

static void test_reader_values(void)
{
    ol_json_doc doc;
    const ol_json *v;
    int64_t i;
    double d;
    bool b;
    size_t len;
    const char *s;

    v = parse_ok(&doc, " {\"numbers\": [1, -2.5, 3e2], \"name\": \"x\\u00e9\", \"ok\": true,"
                       " \"none\": null, \"nested\": {\"a\": [[]]}}\r\n\t");
    CHECK(v != NULL && v->type == OL_JSON_OBJECT && v->count == 5);
    const ol_json *nums = ol_json_get(v, "numbers");
    CHECK(nums != NULL && nums->type == OL_JSON_ARRAY && nums->count == 3);
    CHECK(ol_json_int(ol_json_at(nums, 0), &i) && i == 1);
    CHECK(ol_json_at(nums, 0)->is_int && !ol_json_at(nums, 1)->is_int);
    CHECK(ol_json_double(ol_json_at(nums, 1), &d) && d == -2.5);
    CHECK(!ol_json_int(ol_json_at(nums, 1), &i));
    CHECK(ol_json_int(ol_json_at(nums, 2), &i) && i == 300); /* 3e2: integral and exact */
    CHECK(ol_json_at(nums, 3) == NULL && ol_json_at(v, 0) == NULL);
    s = ol_json_string(ol_json_get(v, "name"), &len);
    CHECK(s != NULL && len == 3 && memcmp(s, "x\xc3\xa9", 4) == 0);
    CHECK(ol_json_bool(ol_json_get(v, "ok"), &b) && b);
    CHECK(ol_json_get(v, "none") != NULL && ol_json_get(v, "none")->type == OL_JSON_NULL);
    CHECK(ol_json_get(v, "missing") == NULL && ol_json_get(nums, "numbers") == NULL);
    CHECK(ol_json_get(ol_json_get(v, "nested"), "a")->child->type == OL_JSON_ARRAY);
    CHECK(!ol_json_int(ol_json_get(v, "name"), &i) && ol_json_string(nums, NULL) == NULL);
    CHECK(!ol_json_bool(nums, &b) && !ol_json_double(NULL, &d) && !ol_json_int(NULL, &i));
    ol_json_doc_fini(&doc);

    /* Integers: exact over the whole int64 range, doubles beyond it. */
    v = parse_ok(&doc, "[9223372036854775807, -9223372036854775808, 9223372036854775808,"
                       " -0, 0, 18446744073709551616, 1e3, 1.0, 9007199254740993.0, 1E+2]");
    CHECK(v != NULL && v->count == 10);
    CHECK(ol_json_at(v, 0)->is_int && ol_json_at(v, 0)->integer == INT64_MAX);
    CHECK(ol_json_at(v, 1)->is_int && ol_json_at(v, 1)->integer == INT64_MIN);
    CHECK(!ol_json_at(v, 2)->is_int && ol_json_at(v, 2)->number == 9223372036854775808.0);
    CHECK(!ol_json_int(ol_json_at(v, 2), &i));
    CHECK(ol_json_at(v, 3)->is_int && ol_json_at(v, 3)->integer == 0);
    CHECK(!ol_json_at(v, 5)->is_int);
    CHECK(ol_json_int(ol_json_at(v, 6), &i) && i == 1000 && !ol_json_at(v, 6)->is_int);
    CHECK(ol_json_int(ol_json_at(v, 7), &i) && i == 1);
    CHECK(!ol_json_int(ol_json_at(v, 8), &i)); /* rounds to 2^53: not known to be exact */
    CHECK(ol_json_int(ol_json_at(v, 9), &i) && i == 100);
    ol_json_doc_fini(&doc);

    /* Strings: escapes, surrogate pairs, embedded NUL, raw UTF-8. */
    v = parse_ok(&doc, "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\ud83d\\ude00\", \"a\\u0000b\","
                       " \"\xe2\x82\xac\xf0\x9f\x98\x80\", \"\\u20AC\", \"\"]");
    CHECK(v != NULL && v->count == 6);
    s = ol_json_string(ol_json_at(v, 0), &len);
    CHECK(s != NULL && len == 8 && memcmp(s, "\"\\/\b\f\n\r\t", 9) == 0);
    s = ol_json_string(ol_json_at(v, 1), &len);
    CHECK(s != NULL && len == 4 && memcmp(s, "\xf0\x9f\x98\x80", 5) == 0);
    s = ol_json_string(ol_json_at(v, 2), &len);
    CHECK(s != NULL && len == 3 && memcmp(s, "a\0b", 4) == 0);
    s = ol_json_string(ol_json_at(v, 3), &len);
    CHECK(s != NULL && len == 7);
    s = ol_json_string(ol_json_at(v, 4), &len);
    CHECK(s != NULL && len == 3 && memcmp(s, "\xe2\x82\xac", 4) == 0);
    s = ol_json_string(ol_json_at(v, 5), &len);
    CHECK(s != NULL && len == 0 && s[0] == 0);
    ol_json_doc_fini(&doc);

    /* Repeated names: the last wins, as in JavaScript; keys are decoded. */
    v = parse_ok(&doc, "{\"a\": 1, \"b\": 2, \"a\": 3, \"\\u0061\\u0062\": 4}");
    CHECK(v != NULL && v->count == 4);
    CHECK(ol_json_int(ol_json_get(v, "a"), &i) && i == 3);
    CHECK(ol_json_int(ol_json_get(v, "ab"), &i) && i == 4);
    ol_json_doc_fini(&doc);

    /* Scalars at the top level. */
    CHECK(parse_ok(&doc, "42") != NULL && doc.root->is_int && doc.root->integer == 42);
    ol_json_doc_fini(&doc);
    CHECK(parse_ok(&doc, "\"s\"") != NULL && doc.root->type == OL_JSON_STRING);
    ol_json_doc_fini(&doc);
    CHECK(parse_ok(&doc, "null") != NULL && doc.root->type == OL_JSON_NULL);
    ol_json_doc_fini(&doc);
    CHECK(parse_ok(&doc, "false") != NULL && doc.root->type == OL_JSON_BOOL);
    ol_json_doc_fini(&doc);

    /* The input need not be NUL-terminated: only len bytes are read. */
    CHECK(ol_json_parse((const uint8_t *)"[12]34", 4, &doc) && doc.root->count == 1 &&
          doc.root->child->integer == 12);
    ol_json_doc_fini(&doc);
    CHECK(ol_json_parse((const uint8_t *)"123456", 3, &doc) && doc.root->integer == 123);
    ol_json_doc_fini(&doc);

    /* Nesting up to the limit parses; one deeper fails cleanly. Many nodes and long strings
     * grow the allocations. */
    char deep[2 * OL_JSON_MAX_NESTING + 3];
    for (int k = 0; k < OL_JSON_MAX_NESTING; k++) {
        deep[k] = '[';
        deep[2 * OL_JSON_MAX_NESTING - 1 - k] = ']';
    }
    CHECK(ol_json_parse((const uint8_t *)deep, 2 * OL_JSON_MAX_NESTING, &doc));
    ol_json_doc_fini(&doc);
    char deeper[2 * OL_JSON_MAX_NESTING + 3];
    deeper[0] = '[';
    memcpy(deeper + 1, deep, 2 * OL_JSON_MAX_NESTING);
    deeper[2 * OL_JSON_MAX_NESTING + 1] = ']';
    CHECK(parse_fails_n(deeper, 2 * OL_JSON_MAX_NESTING + 2, "nesting deeper than 128"));
    /* {"a":{"a":...}} nests objects the same way. */
    char objs[7 * (OL_JSON_MAX_NESTING + 1) + 2];
    size_t n = 0;
    for (int k = 0; k <= OL_JSON_MAX_NESTING; k++) {
        memcpy(objs + n, "{\"a\":", 5);
        n += 5;
    }
    objs[n++] = '1';
    CHECK(parse_fails_n(objs, n, "nesting deeper than 128"));

    size_t big = 200000;
    char *arr = malloc(2 * big + 1);
    CHECK(arr != NULL);
    if (arr != NULL) {
        for (size_t k = 0; k < big; k++) {
            arr[2 * k] = k == 0 ? '[' : ',';
            arr[2 * k + 1] = (char)('0' + k % 10);
        }
        arr[2 * big] = ']';
        CHECK(ol_json_parse((const uint8_t *)arr, 2 * big + 1, &doc) && doc.root->count == big);
        int64_t sum = 0;
        for (const ol_json *e = doc.root->child; e != NULL; e = e->next)
            sum += e->integer;
        CHECK(sum == 900000);
        ol_json_doc_fini(&doc);
        free(arr);
    }

    CHECK(parse_fails("[1, 1e400000000000000000000000]", "byte 4: number out of range"));
    CHECK(round_trip(" [ 1 , {\"k\" : [ ] } , \"\\u00e9\\n\" , -0.5e1, true, null ] ",
                     "[1,{\"k\":[]},\"\xc3\xa9\\n\",-5,true,null]"));
    CHECK(round_trip("{\"z\":{\"y\":{\"x\":[0.25,\"\\ud834\\udd1e\"]}}}",
                     "{\"z\":{\"y\":{\"x\":[0.25,\"\xf0\x9d\x84\x9e\"]}}}"));
}

static void test_reader_errors(void)
{
    CHECK(parse_fails("", "byte 0: empty input"));
    CHECK(parse_fails(" \n\t ", "byte 4: empty input"));
    CHECK(parse_fails("[", "byte 1: unexpected end of input"));
    CHECK(parse_fails("]", "byte 0: unexpected ']', expected a value"));
    CHECK(parse_fails("{", "byte 1: expected a string key, found end of input"));
    CHECK(parse_fails("{\"a\"}", "byte 4: expected ':' after a key, found '}'"));
    CHECK(parse_fails("{\"a\":}", "byte 5: unexpected '}', expected a value"));
    CHECK(parse_fails("{a:1}", "byte 1: expected a string key, found 'a'"));
    CHECK(parse_fails("[1,]", "byte 3: unexpected ']', expected a value"));
    CHECK(parse_fails("{\"a\":1,}", "byte 7: expected a string key, found '}'"));
    CHECK(parse_fails("[1 2]", "byte 3: expected ',' or ']', found '2'"));
    CHECK(parse_fails("{\"a\":1 \"b\":2}", "byte 7: expected ',' or '}', found '\"'"));
    CHECK(parse_fails("[1}", "byte 2: expected ',' or ']', found '}'"));
    CHECK(parse_fails("{\"a\":1]", "byte 6: expected ',' or '}', found ']'"));
    CHECK(parse_fails("[] []", "byte 3: unexpected '[' after the JSON value"));
    CHECK(parse_fails("1 x", "byte 2: unexpected 'x' after the JSON value"));
    CHECK(parse_fails("01", "leading zeros"));
    CHECK(parse_fails("-01", "leading zeros"));
    CHECK(parse_fails("1.", "expected a digit after '.'"));
    CHECK(parse_fails(".5", "unexpected '.'"));
    CHECK(parse_fails("+1", "unexpected '+'"));
    CHECK(parse_fails("-", "expected a digit"));
    CHECK(parse_fails("-a", "expected a digit"));
    CHECK(parse_fails("1e", "expected a digit in the exponent"));
    CHECK(parse_fails("1e+", "expected a digit in the exponent"));
    CHECK(parse_fails("0x10", "unexpected 'x' after the JSON value"));
    CHECK(parse_fails("1e400", "byte 0: number out of range"));
    CHECK(parse_fails("[-1e99999]", "byte 1: number out of range"));
    CHECK(parse_fails("NaN", "unexpected 'N'"));
    CHECK(parse_fails("Infinity", "unexpected 'I'"));
    CHECK(parse_fails("-Infinity", "expected a digit"));
    CHECK(parse_fails("tru", "invalid literal, expected 'true'"));
    CHECK(parse_fails("nul", "invalid literal, expected 'null'"));
    CHECK(parse_fails("falsy", "invalid literal, expected 'false'"));
    CHECK(parse_fails("truex", "unexpected 'x' after the JSON value"));
    CHECK(parse_fails("\"abc", "unterminated string"));
    CHECK(parse_fails("\"abc\\", "unterminated string"));
    CHECK(parse_fails("\"\\x\"", "invalid escape"));
    CHECK(parse_fails("\"\\u12\"", "\\u needs 4 hex digits"));
    CHECK(parse_fails("\"\\u12g4\"", "\\u needs 4 hex digits"));
    CHECK(parse_fails("\"\\ud800\"", "high surrogate \\ud800 without a low one"));
    CHECK(parse_fails("\"\\ud800\\u0041\"", "without a low one"));
    CHECK(parse_fails("\"\\udc00\"", "lone low surrogate \\udc00"));
    CHECK(parse_fails("\"a\x01\"", "control character 0x01"));
    CHECK(parse_fails("\"a\nb\"", "control character 0x0a"));
    CHECK(parse_fails("\"\xff\"", "byte 1: invalid UTF-8"));
    CHECK(parse_fails("\"\xc0\xaf\"", "invalid UTF-8"));          /* overlong '/' */
    CHECK(parse_fails("\"\xed\xa0\x80\"", "invalid UTF-8"));      /* encoded surrogate */
    CHECK(parse_fails("\"\xf4\x90\x80\x80\"", "invalid UTF-8"));  /* above U+10FFFF */
    CHECK(parse_fails("\"\xe2\x82\"", "invalid UTF-8"));          /* cut short */
    CHECK(parse_fails("\xef\xbb\xbf{}", "unexpected byte 0xef")); /* no BOM */
    CHECK(parse_fails("// c\n1", "unexpected '/'"));
    CHECK(parse_fails_n("[1,\0]", 5, "unexpected byte 0x00"));
    CHECK(parse_fails_n("\"a\0\"", 4, "control character 0x00"));
    CHECK(parse_fails("{\"a\" 1}", "expected ':'"));
    CHECK(parse_fails("[\"a\":1]", "expected ',' or ']'"));
}

/* Every prefix of a valid document, and every single-byte replacement, parses or fails cleanly;
 * what parses writes back to JSON that parses again. Run under the engine's bounds checks, a
 * stray read or write would trap. */
static void test_reader_mutations(void)
{
    static const char base[] =
        "{\"a\":[1,-2.5e3,true,false,null,\"x\\n\\u00e9\\ud83d\\ude00\xc3\xa9\"],\"b\":{\"c\":{}},"
        "\"d\":[[],[0]]}";
    static const uint8_t subst[] = {'"', '\\', '[', ']', '{',  '}',  ',',  ':', '0', 'e', '-',
                                    '.', ' ',  'u', 0,   0x80, 0xff, 0xc3, 'n', 't', 'f'};
    size_t len = sizeof base - 1;
    uint8_t *buf = malloc(len);
    int parsed = 0, failed = 0, bad = 0;
    if (buf == NULL) {
        CHECK(buf != NULL);
        return;
    }
    for (size_t cut = 0; cut <= len; cut++) {
        for (size_t pos = 0; pos <= (cut < len ? 0 : len - 1); pos++) {
            for (size_t k = 0; k < (cut < len ? 1 : sizeof subst); k++) {
                memcpy(buf, base, len);
                if (cut == len)
                    buf[pos] = subst[k];
                ol_json_doc doc;
                if (ol_json_parse(buf, cut, &doc)) {
                    parsed++;
                    ol_json_writer w;
                    ol_jw_init(&w);
                    write_value(&w, doc.root);
                    size_t out_len;
                    const char *out = ol_jw_result(&w, &out_len);
                    ol_json_doc again;
                    if (out == NULL)
                        bad++;
                    else if (!ol_json_parse((const uint8_t *)out, out_len, &again))
                        bad++;
                    if (out != NULL)
                        ol_json_doc_fini(&again);
                    ol_jw_fini(&w);
                } else {
                    failed++;
                    if (doc.root != NULL || strncmp(doc.error, "byte ", 5) != 0)
                        bad++;
                }
                ol_json_doc_fini(&doc);
            }
        }
    }
    free(buf);
    CHECK(bad == 0);
    CHECK(parsed > 0 && failed > 0);
}

/* ---- SHA-256, hex ---- */

static bool sha_is(const void *p, size_t len, const char *want)
{
    uint8_t d[OL_SHA256_LEN];
    char hex[2 * OL_SHA256_LEN + 1];
    ol_sha256(p, len, d);
    ol_hex(d, sizeof d, hex);
    if (strcmp(hex, want) != 0)
        fprintf(stderr, "  sha256 gave %s, want %s\n", hex, want);
    return strcmp(hex, want) == 0;
}

static void test_sha256(void)
{
    /* FIPS 180-4 examples and the empty string. */
    CHECK(sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    CHECK(sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK(sha_is(m448, strlen(m448),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    static uint8_t million[1000000];
    memset(million, 'a', sizeof million);
    CHECK(sha_is(million, sizeof million,
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));

    /* Incremental updates split anywhere give the one-shot digest (lengths around the 55/56/64
     * byte padding boundaries included). */
    uint8_t msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    bool all = true;
    for (size_t len = 0; len <= sizeof msg; len++) {
        uint8_t want[OL_SHA256_LEN];
        ol_sha256(msg, len, want);
        for (size_t cut = 0; cut <= len; cut += len < 70 ? 1 : 13) {
            ol_sha256_ctx c;
            uint8_t got[OL_SHA256_LEN];
            ol_sha256_init(&c);
            ol_sha256_update(&c, msg, cut);
            ol_sha256_update(&c, msg + cut, 0);
            ol_sha256_update(&c, msg + cut, len - cut);
            ol_sha256_final(&c, got);
            all = all && memcmp(got, want, sizeof got) == 0;
        }
    }
    CHECK(all);
    char hex[2 * OL_SHA256_LEN + 1];
    ol_hex((const uint8_t *)"\x00\x0f\xa5\xff", 4, hex);
    CHECK(strcmp(hex, "000fa5ff") == 0);
}

/* ---- randomness ---- */

static void test_random(void)
{
    bool ok = true;
    for (int i = 0; i < 200; i++)
        ok = ok && ol_random_range(5, 5) == 5;
    CHECK(ok);
    /* A small range: every value appears, none outside. */
    int seen[7] = {0};
    ok = true;
    for (int i = 0; i < 700; i++) {
        int64_t r = ol_random_range(-3, 3);
        if (r < -3 || r > 3)
            ok = false;
        else
            seen[r + 3]++;
    }
    CHECK(ok);
    for (int i = 0; i < 7; i++)
        CHECK(seen[i] > 0);
    /* The extremes: the full int64 range and ranges that touch it. */
    int neg = 0, pos = 0;
    for (int i = 0; i < 200; i++) {
        int64_t r = ol_random_range(INT64_MIN, INT64_MAX);
        if (r < 0)
            neg++;
        else
            pos++;
    }
    CHECK(neg > 0 && pos > 0);
    ok = true;
    for (int i = 0; i < 200; i++) {
        int64_t a = ol_random_range(INT64_MAX - 1, INT64_MAX);
        int64_t b = ol_random_range(INT64_MIN, INT64_MIN + 1);
        ok = ok && a >= INT64_MAX - 1 && b <= INT64_MIN + 1;
    }
    CHECK(ok);
    uint8_t big[1000];
    memset(big, 0, sizeof big);
    ol_random_bytes(big, sizeof big); /* more than one getentropy() call */
    int zeros = 0;
    for (size_t i = 0; i < sizeof big; i++)
        zeros += big[i] == 0;
    CHECK(zeros < 50);
    CHECK(ol_random_u64() != ol_random_u64());
}

/* ---- environment and input ---- */

static void test_env_and_input(void)
{
    uint64_t u = 7;
    CHECK(ol_env_u64("OL_TEST_U64", &u) && u == UINT64_MAX);
    u = 7;
    CHECK(!ol_env_u64("OL_TEST_BAD", &u) && u == 7);
    CHECK(!ol_env_u64("OL_TEST_UNSET", &u) && u == 7);
    CHECK(ol_env_has("OL_TEST_BAD") && !ol_env_has("OL_TEST_UNSET"));
    CHECK(ol_env_get("OL_TEST_UNSET") == NULL && strcmp(ol_env_get("OL_TEST_BAD"), "12x") == 0);

    CHECK(OL_SYSVAR_COUNT == 26);
    bool names_ok = true;
    for (int i = 0; i < OL_SYSVAR_COUNT; i++) {
        const char *n = ol_sysvar_name((ol_sysvar)i);
        names_ok = names_ok && n != NULL &&
                   (strncmp(n, "NEAR_", 5) == 0 || strncmp(n, "OUTLAYER_", 9) == 0 ||
                    strcmp(n, "ATTACHED_USD") == 0 || strcmp(n, "USD_PAYMENT") == 0 ||
                    strcmp(n, "WALLET_ID") == 0);
        for (int j = 0; j < i; j++)
            names_ok = names_ok && strcmp(n, ol_sysvar_name((ol_sysvar)j)) != 0;
    }
    CHECK(names_ok);
    CHECK(ol_sysvar_name(OL_SYSVAR_COUNT) == NULL && ol_sysvar_get(OL_SYSVAR_COUNT) == NULL);
    CHECK(strcmp(ol_sysvar_name(OL_SYSVAR_SENDER_ID), "NEAR_SENDER_ID") == 0);
    CHECK(ol_sender_id() != NULL && strcmp(ol_sender_id(), "alice.near") == 0);
    CHECK(ol_sysvar_get(OL_SYSVAR_SENDER_ID) == ol_sender_id());
    CHECK(ol_execution_type() == NULL && ol_rpc_proxy_available() == NULL);

    size_t len, len2;
    const uint8_t *in = ol_input(&len);
    CHECK(len == 14 && memcmp(in, "sdk-test-input", 15) == 0);
    CHECK(ol_input(&len2) == in && len2 == len && ol_input(NULL) == in);
}

int main(void)
{
    test_writer();
    test_reader_values();
    test_reader_errors();
    test_reader_mutations();
    test_sha256();
    test_random();
    test_env_and_input();
    printf("sdk_test: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
