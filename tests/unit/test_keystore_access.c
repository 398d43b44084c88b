/* Access conditions: every kind, nesting (And/Or/Not inside each other), short-circuiting,
 * anchoring of AccountPattern (and patterns that try to escape it), bad patterns, limits
 * (depth, node count, list size, pattern length, catastrophic backtracking), chain conditions
 * refused without an RPC, strict shapes, and the canonical hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_int.h"
#include "test.h"

static ol_ks_access *parse_ok(const char *json)
{
    ol_ks_access *a = NULL;
    ol_diag d = {0};
    ol_err rc = ol_ks_access_parse(json, strlen(json), 0, &a, &d);
    if (rc != OL_OK)
        fprintf(stderr, "parse '%s': %s\n", json, d.msg);
    assert_int_equal(rc, OL_OK);
    return a;
}

static bool allows(const char *json, const char *caller)
{
    ol_ks_access *a = parse_ok(json);
    bool r = false;
    assert_int_equal(ol_ks_access_eval(a, caller, &r, NULL), OL_OK);
    ol_ks_access_free(a);
    return r;
}

static ol_err parse_err(const char *json, unsigned flags, char *msg, size_t cap)
{
    ol_ks_access *a = NULL;
    ol_diag d = {0};
    ol_err rc = ol_ks_access_parse(json, strlen(json), flags, &a, &d);
    if (rc == OL_OK)
        ol_ks_access_free(a);
    if (msg != NULL)
        snprintf(msg, cap, "%s", d.msg);
    return rc;
}

static void test_basic_kinds(void **state)
{
    (void)state;
    assert_true(allows("\"AllowAll\"", "anyone.near"));
    const char *wl = "{\"Whitelist\":{\"accounts\":[\"alice.near\",\"bob.near\"]}}";
    assert_true(allows(wl, "alice.near"));
    assert_true(allows(wl, "bob.near"));
    assert_false(allows(wl, "carol.near"));
    assert_false(allows(wl, "alice.nea"));
    assert_false(allows("{\"Whitelist\":{\"accounts\":[]}}", "alice.near"));
    const char *pat = "{\"AccountPattern\":{\"pattern\":\"[a-z]+\\\\.team\\\\.near\"}}";
    assert_true(allows(pat, "dev.team.near"));
    assert_false(allows(pat, "dev.team.near.evil.near"));
    assert_false(allows(pat, "x.dev.team.near"));
    assert_false(allows(pat, "team.near"));
}

static void test_pattern_anchoring(void **state)
{
    (void)state;
    /* Alternation stays anchored at both ends. */
    const char *alt = "{\"AccountPattern\":{\"pattern\":\"alice|bob\"}}";
    assert_true(allows(alt, "alice"));
    assert_true(allows(alt, "bob"));
    assert_false(allows(alt, "alicex"));
    assert_false(allows(alt, "xbob"));
    assert_false(allows(alt, "bob.near"));
    /* An attempt to close the wrapper group is an error, not a bypass. */
    char msg[256];
    assert_int_equal(parse_err("{\"AccountPattern\":{\"pattern\":\"a)|(b\"}}", 0, msg, sizeof msg),
                     OL_E_INVAL);
    assert_non_null(strstr(msg, "invalid regular expression"));
    assert_int_equal(parse_err("{\"AccountPattern\":{\"pattern\":\"[a-\"}}", 0, msg, sizeof msg),
                     OL_E_INVAL);
    assert_non_null(strstr(msg, "AccountPattern"));
    /* .* matches everything (the owner asked for it). */
    assert_true(allows("{\"AccountPattern\":{\"pattern\":\".*\"}}", "whoever.near"));
    /* Catastrophic backtracking hits the match limit instead of hanging. */
    ol_ks_access *a = parse_ok("{\"AccountPattern\":{\"pattern\":\"(a|a)*(a|a)*(a|a)*b\"}}");
    bool r = false;
    ol_diag d = {0};
    ol_err rc = ol_ks_access_eval(a, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                  &r, &d);
    assert_true(rc == OL_E_LIMIT || (rc == OL_OK && !r));
    ol_ks_access_free(a);
    /* Pattern length limit. */
    size_t big = OL_KS_ACCESS_PATTERN_MAX + 10;
    char *json = malloc(big + 64);
    assert_non_null(json);
    int n = snprintf(json, 64, "{\"AccountPattern\":{\"pattern\":\"");
    memset(json + n, 'a', big);
    strcpy(json + n + big, "\"}}");
    assert_int_equal(parse_err(json, 0, NULL, 0), OL_E_LIMIT);
    free(json);
}

static void test_logic_and_nesting(void **state)
{
    (void)state;
    const char *and_ = "{\"Logic\":{\"operator\":\"And\",\"conditions\":["
                       "{\"AccountPattern\":{\"pattern\":\".*\\\\.near\"}},"
                       "{\"Not\":{\"condition\":{\"Whitelist\":{\"accounts\":[\"eve.near\"]}}}}]}}";
    assert_true(allows(and_, "alice.near"));
    assert_false(allows(and_, "eve.near"));
    assert_false(allows(and_, "alice.testnet"));
    const char *or_ =
        "{\"Logic\":{\"operator\":\"Or\",\"conditions\":["
        "{\"Whitelist\":{\"accounts\":[\"alice.near\"]}},"
        "{\"Logic\":{\"operator\":\"And\",\"conditions\":["
        "{\"AccountPattern\":{\"pattern\":\"[a-z]+\\\\.dao\\\\.near\"}},"
        "{\"Not\":{\"condition\":{\"AccountPattern\":{\"pattern\":\"bad.*\"}}}}]}}]}}";
    assert_true(allows(or_, "alice.near"));
    assert_true(allows(or_, "good.dao.near"));
    assert_false(allows(or_, "bad.dao.near"));
    assert_false(allows(or_, "bob.near"));
    assert_false(allows("{\"Not\":{\"condition\":\"AllowAll\"}}", "alice.near"));
    assert_true(
        allows("{\"Not\":{\"condition\":{\"Not\":{\"condition\":\"AllowAll\"}}}}", "alice.near"));
    /* Short circuit: an Or whose first branch holds never reaches the chain condition... */
    const char *sc = "{\"Logic\":{\"operator\":\"Or\",\"conditions\":[\"AllowAll\","
                     "{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"1\"}}]}}";
    ol_ks_access *a = NULL;
    assert_int_equal(ol_ks_access_parse(sc, strlen(sc), OL_KS_ACCESS_ALLOW_CHAIN, &a, NULL), OL_OK);
    bool r = false;
    assert_int_equal(ol_ks_access_eval(a, "x.near", &r, NULL), OL_OK);
    assert_true(r);
    ol_ks_access_free(a);
    /* ...and an And that reaches it reports that it needs an RPC. */
    const char *ch = "{\"Logic\":{\"operator\":\"And\",\"conditions\":[\"AllowAll\","
                     "{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"1\"}}]}}";
    assert_int_equal(ol_ks_access_parse(ch, strlen(ch), OL_KS_ACCESS_ALLOW_CHAIN, &a, NULL), OL_OK);
    ol_diag d = {0};
    assert_int_equal(ol_ks_access_eval(a, "x.near", &r, &d), OL_E_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "needs a NEAR RPC"));
    ol_ks_access_free(a);
    /* Empty Logic is refused (no vacuous truth). */
    assert_int_equal(parse_err("{\"Logic\":{\"operator\":\"And\",\"conditions\":[]}}", 0, NULL, 0),
                     OL_E_INVAL);
}

static void test_limits(void **state)
{
    (void)state;
    /* Depth: OL_KS_ACCESS_MAX_DEPTH levels parse, one more does not. */
    char buf[4096];
    for (int depth = OL_KS_ACCESS_MAX_DEPTH; depth <= OL_KS_ACCESS_MAX_DEPTH + 1; depth++) {
        size_t o = 0;
        for (int i = 1; i < depth; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "{\"Not\":{\"condition\":");
        o += (size_t)snprintf(buf + o, sizeof buf - o, "\"AllowAll\"");
        for (int i = 1; i < depth; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "}}");
        ol_err want = depth <= OL_KS_ACCESS_MAX_DEPTH ? OL_OK : OL_E_LIMIT;
        assert_int_equal(parse_err(buf, 0, NULL, 0), want);
    }
    /* Node count. */
    size_t cap = 16 * (OL_KS_ACCESS_MAX_NODES + 2) + 128;
    char *big = malloc(cap);
    assert_non_null(big);
    size_t o = (size_t)snprintf(big, cap, "{\"Logic\":{\"operator\":\"Or\",\"conditions\":[");
    for (int i = 0; i < OL_KS_ACCESS_MAX_NODES; i++)
        o += (size_t)snprintf(big + o, cap - o, "%s\"AllowAll\"", i > 0 ? "," : "");
    snprintf(big + o, cap - o, "]}}");
    assert_int_equal(parse_err(big, 0, NULL, 0), OL_E_LIMIT);
    free(big);
    /* Whitelist size. */
    cap = 16 * (OL_KS_ACCESS_MAX_LIST + 2) + 128;
    big = malloc(cap);
    assert_non_null(big);
    o = (size_t)snprintf(big, cap, "{\"Whitelist\":{\"accounts\":[");
    for (int i = 0; i <= OL_KS_ACCESS_MAX_LIST; i++)
        o += (size_t)snprintf(big + o, cap - o, "%s\"a%d.near\"", i > 0 ? "," : "", i);
    snprintf(big + o, cap - o, "]}}");
    assert_int_equal(parse_err(big, 0, NULL, 0), OL_E_LIMIT);
    free(big);
}

static void test_chain_and_shapes(void **state)
{
    (void)state;
    static const char *const chain[] = {
        "{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"1000000000000000000000000\"}}",
        "{\"FtBalance\":{\"contract\":\"usdc.near\",\"operator\":\"Gt\",\"value\":\"5\"}}",
        "{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":null}}",
        "{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":\"7\"}}",
        "{\"DaoMember\":{\"dao_contract\":\"dao.sputnik-dao.near\",\"role\":\"council\"}}",
    };
    for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
        char msg[256];
        assert_int_equal(parse_err(chain[i], 0, msg, sizeof msg), OL_E_UNSUPPORTED);
        assert_non_null(strstr(msg, "needs a NEAR RPC"));
        assert_int_equal(parse_err(chain[i], OL_KS_ACCESS_ALLOW_CHAIN, NULL, 0), OL_OK);
    }
    static const char *const bad[] = {
        "\"DenyAll\"",
        "{}",
        "{\"Whitelist\":{\"accounts\":[\"Alice\"]}}",
        "{\"Whitelist\":{\"accounts\":\"alice.near\"}}",
        "{\"Whitelist\":{\"accounts\":[],\"extra\":1}}",
        "{\"Whitelist\":{}}",
        "{\"AccountPattern\":{\"pattern\":5}}",
        "{\"Logic\":{\"operator\":\"Xor\",\"conditions\":[\"AllowAll\"]}}",
        "{\"Logic\":{\"operator\":\"And\",\"conditions\":\"AllowAll\"}}",
        "{\"Not\":{\"condition\":\"Nope\"}}",
        "{\"Not\":\"AllowAll\"}",
        "{\"AllowAll\":{},\"Not\":{}}",
        "[\"AllowAll\"]",
        "{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"-1\"}}",
        "{\"NearBalance\":{\"operator\":\"Above\",\"value\":\"1\"}}",
        "{\"FtBalance\":{\"contract\":\"Bad Contract\",\"operator\":\"Gt\",\"value\":\"5\"}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ol_err rc = parse_err(bad[i], OL_KS_ACCESS_ALLOW_CHAIN, NULL, 0);
        assert_int_equal(rc, OL_E_INVAL);
    }
    assert_int_equal(parse_err("{\"Whitelist\":", 0, NULL, 0), OL_E_MALFORMED);
    /* A caller that is not an account id is an error, never "allowed". */
    ol_ks_access *a = parse_ok("\"AllowAll\"");
    bool r = false;
    assert_int_equal(ol_ks_access_eval(a, "Not An Account", &r, NULL), OL_E_INVAL);
    assert_int_equal(ol_ks_access_eval(a, NULL, &r, NULL), OL_E_INVAL);
    ol_ks_access_free(a);
}

static void test_canonical_hash(void **state)
{
    (void)state;
    ol_ks_access *a =
        parse_ok("{ \"Logic\" : { \"conditions\" : [ \"AllowAll\" , {\"Whitelist\":"
                 "{\"accounts\":[\"b.near\",\"a.near\"]}} ], \"operator\":\"Or\" } }");
    ol_ks_access *b = parse_ok("{\"Logic\":{\"operator\":\"Or\",\"conditions\":[\"AllowAll\","
                               "{\"Whitelist\":{\"accounts\":[\"b.near\",\"a.near\"]}}]}}");
    ol_ks_access *c = parse_ok("{\"Logic\":{\"operator\":\"And\",\"conditions\":[\"AllowAll\","
                               "{\"Whitelist\":{\"accounts\":[\"b.near\",\"a.near\"]}}]}}");
    uint8_t ha[32], hb[32], hc[32];
    assert_int_equal(ol_ks_access_hash(a, ha, NULL), OL_OK);
    assert_int_equal(ol_ks_access_hash(b, hb, NULL), OL_OK);
    assert_int_equal(ol_ks_access_hash(c, hc, NULL), OL_OK);
    assert_memory_equal(ha, hb, 32);
    assert_memory_not_equal(ha, hc, 32);
    char *s = NULL;
    size_t n = 0;
    assert_int_equal(ol_ks_access_canonical(a, &s, &n, NULL), OL_OK);
    assert_string_equal(s, "{\"Logic\":{\"conditions\":[\"AllowAll\",{\"Whitelist\":{\"accounts\":"
                           "[\"b.near\",\"a.near\"]}}],\"operator\":\"Or\"}}");
    assert_int_equal(n, strlen(s));
    /* The canonical form parses back to the same hash. */
    ol_ks_access *d2 = parse_ok(s);
    uint8_t hd[32];
    assert_int_equal(ol_ks_access_hash(d2, hd, NULL), OL_OK);
    assert_memory_equal(ha, hd, 32);
    free(s);
    ol_ks_access_free(a);
    ol_ks_access_free(b);
    ol_ks_access_free(c);
    ol_ks_access_free(d2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_kinds),       cmocka_unit_test(test_pattern_anchoring),
        cmocka_unit_test(test_logic_and_nesting), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_chain_and_shapes),  cmocka_unit_test(test_canonical_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
