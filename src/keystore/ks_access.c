/* Access conditions: parse (strict: unknown fields are errors, bounded depth, node count and
 * sizes), evaluate for a caller, canonicalise and hash.
 *
 * AccountPattern uses PCRE2 anchored at both ends by compile options (PCRE2_ANCHORED |
 * PCRE2_ENDANCHORED) rather than by wrapping the text as \A(?:p)\z, which an unbalanced pattern
 * such as "a)|(b" could escape. Patterns are compiled at parse time with a length and nesting
 * limit, and matched with match, depth and heap limits, so no pattern can take unbounded time or
 * memory. A tree is immutable after parsing; evaluation allocates its own match data, so one
 * tree may be evaluated by many threads at once. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <sodium.h>

#include "ks_int.h"

#define MATCH_LIMIT    100000u
#define DEPTH_LIMIT    1000u
#define HEAP_LIMIT_KIB 1024u
#define PARENS_LIMIT   32u

typedef enum node_kind {
    N_ALL,
    N_WHITELIST,
    N_PATTERN,
    N_AND,
    N_OR,
    N_NOT,
    N_NEAR_BALANCE,
    N_FT_BALANCE,
    N_NFT_OWNED,
    N_DAO_MEMBER,
} node_kind;

static const char *const op_names[] = {"Gte", "Lte", "Gt", "Lt", "Eq", "Ne"};

typedef struct node {
    node_kind kind;
    size_t n;           /* children (And/Or/Not) or accounts (Whitelist) */
    struct node **kids; /* n children */
    char **accounts;    /* n accounts */
    char *pattern;      /* AccountPattern text */
    pcre2_code *re;     /* compiled pattern */
    int op;             /* index into op_names */
    char *value;        /* NearBalance / FtBalance amount */
    char *contract;     /* FtBalance / NftOwned / DaoMember contract */
    char *token_id;     /* NftOwned; NULL = any token */
    char *role;         /* DaoMember */
} node;

struct ol_ks_access {
    node *root;
    pcre2_match_context *mctx;
};

typedef struct parse_ctx {
    unsigned flags;
    size_t nodes;
    ol_diag *d;
} parse_ctx;

static void node_free(node *n)
{
    if (n == NULL)
        return;
    if (n->kids != NULL) {
        for (size_t i = 0; i < n->n; i++)
            node_free(n->kids[i]);
        free(n->kids);
    }
    if (n->accounts != NULL) {
        for (size_t i = 0; i < n->n; i++)
            free(n->accounts[i]);
        free(n->accounts);
    }
    free(n->pattern);
    pcre2_code_free(n->re);
    free(n->value);
    free(n->contract);
    free(n->token_id);
    free(n->role);
    free(n);
}

void ol_ks_access_free(ol_ks_access *a)
{
    if (a == NULL)
        return;
    node_free(a->root);
    pcre2_match_context_free(a->mctx);
    free(a);
}

/* The object body of a tagged condition must have exactly these fields (optional ones may be
 * absent). */
static ol_err fields_ok(const json_t *body, const char *tag, const char *const *req, size_t nreq,
                        const char *opt, ol_diag *d)
{
    if (!json_is_object(body))
        return OL_FAIL(d, OL_E_INVAL, "%s: the value must be an object", tag);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)(uintptr_t)body, k, v)
    {
        (void)v;
        bool known = opt != NULL && strcmp(k, opt) == 0;
        for (size_t i = 0; i < nreq && !known; i++)
            known = strcmp(k, req[i]) == 0;
        if (!known)
            return OL_FAIL(d, OL_E_INVAL, "%s: unknown field '%.40s'", tag, k);
    }
    for (size_t i = 0; i < nreq; i++) {
        if (json_object_get(body, req[i]) == NULL)
            return OL_FAIL(d, OL_E_INVAL, "%s: missing field '%s'", tag, req[i]);
    }
    return OL_OK;
}

static ol_err dup_str(const json_t *obj, const char *key, const char *tag, size_t max, char **out,
                      ol_diag *d)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return OL_FAIL(d, OL_E_INVAL, "%s: '%s' must be a string", tag, key);
    size_t n = json_string_length(v);
    if (n > max)
        return OL_FAIL(d, OL_E_LIMIT, "%s: '%s' is longer than %zu bytes", tag, key, max);
    if (strlen(json_string_value(v)) != n)
        return OL_FAIL(d, OL_E_INVAL, "%s: '%s' contains a NUL character", tag, key);
    char *s = malloc(n + 1);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "access condition");
    memcpy(s, json_string_value(v), n + 1);
    *out = s;
    return OL_OK;
}

static ol_err account_field(const json_t *obj, const char *key, const char *tag, char **out,
                            ol_diag *d)
{
    ol_err rc = dup_str(obj, key, tag, OL_NEAR_ACCOUNT_ID_MAX_LEN, out, d);
    if (rc == OL_E_LIMIT)
        return OL_FAIL(d, OL_E_INVAL, "%s: '%s' is not a NEAR account id", tag, key);
    if (rc != OL_OK)
        return rc;
    if (!ol__ks_account_ok(*out, strlen(*out)))
        return OL_FAIL(d, OL_E_INVAL, "%s: '%s' ('%s') is not a NEAR account id", tag, key, *out);
    return OL_OK;
}

static ol_err op_field(const json_t *obj, const char *tag, int *op, ol_diag *d)
{
    const json_t *v = json_object_get(obj, "operator");
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    for (int i = 0; i < (int)(sizeof op_names / sizeof op_names[0]); i++) {
        if (strcmp(s, op_names[i]) == 0) {
            *op = i;
            return OL_OK;
        }
    }
    return OL_FAIL(d, OL_E_INVAL, "%s: operator must be one of Gte, Lte, Gt, Lt, Eq, Ne", tag);
}

static ol_err amount_field(const json_t *obj, const char *tag, char **out, ol_diag *d)
{
    ol_err rc = dup_str(obj, "value", tag, OL_NEAR_U128_STR_MAX, out, d);
    if (rc != OL_OK)
        return rc;
    ol_near_u128 u;
    if (ol_near_u128_parse(*out, strlen(*out), &u, NULL) != OL_OK)
        return OL_FAIL(d, OL_E_INVAL, "%s: value must be a decimal u128 string", tag);
    return OL_OK;
}

static ol_err compile_pattern(node *n, ol_diag *d)
{
    ol_err rc = OL_OK;
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (cc == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "regex compile context");
    pcre2_set_max_pattern_length(cc, OL_KS_ACCESS_PATTERN_MAX);
    pcre2_set_parens_nest_limit(cc, PARENS_LIMIT);
    int err = 0;
    PCRE2_SIZE off = 0;
    uint32_t opts = PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C |
                    PCRE2_NO_AUTO_CAPTURE;
    n->re = pcre2_compile((PCRE2_SPTR)n->pattern, strlen(n->pattern), opts, &err, &off, cc);
    if (n->re == NULL) {
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(err, msg, sizeof msg) < 0)
            strcpy((char *)msg, "unknown error");
        rc = OL_FAIL(d, OL_E_INVAL, "AccountPattern: invalid regular expression at offset %zu: %s",
                     (size_t)off, (const char *)msg);
    }
    pcre2_compile_context_free(cc);
    return rc;
}

static ol_err parse_node(const json_t *v, unsigned depth, parse_ctx *pc, node **out);

static ol_err parse_list(const json_t *arr, const char *tag, unsigned depth, parse_ctx *pc, node *n)
{
    ol_diag *d = pc->d;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return OL_FAIL(d, OL_E_INVAL, "%s: 'conditions' must be a non-empty array", tag);
    size_t cnt = json_array_size(arr);
    if (cnt > OL_KS_ACCESS_MAX_NODES)
        return OL_FAIL(d, OL_E_LIMIT, "access condition has more than %d conditions",
                       OL_KS_ACCESS_MAX_NODES);
    n->kids = calloc(cnt, sizeof *n->kids);
    if (n->kids == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "access condition");
    for (size_t i = 0; i < cnt; i++) {
        ol_err rc = parse_node(json_array_get(arr, i), depth + 1, pc, &n->kids[i]);
        n->n = i + 1;
        if (rc != OL_OK)
            return rc;
    }
    return OL_OK;
}

static ol_err parse_body(const char *tag, const json_t *body, unsigned depth, parse_ctx *pc,
                         node *n)
{
    ol_diag *d = pc->d;
    ol_err rc;
    bool chain = false;
    if (strcmp(tag, "Whitelist") == 0) {
        static const char *const req[] = {"accounts"};
        if ((rc = fields_ok(body, tag, req, 1, NULL, d)) != OL_OK)
            return rc;
        n->kind = N_WHITELIST;
        const json_t *arr = json_object_get(body, "accounts");
        if (!json_is_array(arr))
            return OL_FAIL(d, OL_E_INVAL, "Whitelist: 'accounts' must be an array");
        size_t cnt = json_array_size(arr);
        if (cnt > OL_KS_ACCESS_MAX_LIST)
            return OL_FAIL(d, OL_E_LIMIT, "Whitelist: more than %d accounts",
                           OL_KS_ACCESS_MAX_LIST);
        n->accounts = calloc(cnt > 0 ? cnt : 1, sizeof *n->accounts);
        if (n->accounts == NULL)
            return OL_FAIL(d, OL_E_NOMEM, "access condition");
        for (size_t i = 0; i < cnt; i++) {
            const json_t *a = json_array_get(arr, i);
            if (!json_is_string(a) || json_string_length(a) > OL_NEAR_ACCOUNT_ID_MAX_LEN ||
                !ol__ks_account_ok(json_string_value(a), json_string_length(a)))
                return OL_FAIL(d, OL_E_INVAL, "Whitelist: account %zu is not a NEAR account id", i);
            n->accounts[i] = strdup(json_string_value(a));
            n->n = i + 1;
            if (n->accounts[i] == NULL)
                return OL_FAIL(d, OL_E_NOMEM, "access condition");
        }
        return OL_OK;
    }
    if (strcmp(tag, "AccountPattern") == 0) {
        static const char *const req[] = {"pattern"};
        if ((rc = fields_ok(body, tag, req, 1, NULL, d)) != OL_OK)
            return rc;
        n->kind = N_PATTERN;
        if ((rc = dup_str(body, "pattern", tag, OL_KS_ACCESS_PATTERN_MAX, &n->pattern, d)) != OL_OK)
            return rc;
        return compile_pattern(n, d);
    }
    if (strcmp(tag, "Logic") == 0) {
        static const char *const req[] = {"operator", "conditions"};
        if ((rc = fields_ok(body, tag, req, 2, NULL, d)) != OL_OK)
            return rc;
        const json_t *op = json_object_get(body, "operator");
        const char *s = json_is_string(op) ? json_string_value(op) : "";
        if (strcmp(s, "And") == 0)
            n->kind = N_AND;
        else if (strcmp(s, "Or") == 0)
            n->kind = N_OR;
        else
            return OL_FAIL(d, OL_E_INVAL, "Logic: operator must be \"And\" or \"Or\"");
        return parse_list(json_object_get(body, "conditions"), tag, depth, pc, n);
    }
    if (strcmp(tag, "Not") == 0) {
        static const char *const req[] = {"condition"};
        if ((rc = fields_ok(body, tag, req, 1, NULL, d)) != OL_OK)
            return rc;
        n->kind = N_NOT;
        n->kids = calloc(1, sizeof *n->kids);
        if (n->kids == NULL)
            return OL_FAIL(d, OL_E_NOMEM, "access condition");
        n->n = 1;
        return parse_node(json_object_get(body, "condition"), depth + 1, pc, &n->kids[0]);
    }
    if (strcmp(tag, "NearBalance") == 0) {
        static const char *const req[] = {"operator", "value"};
        chain = true;
        n->kind = N_NEAR_BALANCE;
        if ((rc = fields_ok(body, tag, req, 2, NULL, d)) != OL_OK ||
            (rc = op_field(body, tag, &n->op, d)) != OL_OK ||
            (rc = amount_field(body, tag, &n->value, d)) != OL_OK)
            return rc;
    } else if (strcmp(tag, "FtBalance") == 0) {
        static const char *const req[] = {"contract", "operator", "value"};
        chain = true;
        n->kind = N_FT_BALANCE;
        if ((rc = fields_ok(body, tag, req, 3, NULL, d)) != OL_OK ||
            (rc = account_field(body, "contract", tag, &n->contract, d)) != OL_OK ||
            (rc = op_field(body, tag, &n->op, d)) != OL_OK ||
            (rc = amount_field(body, tag, &n->value, d)) != OL_OK)
            return rc;
    } else if (strcmp(tag, "NftOwned") == 0) {
        static const char *const req[] = {"contract"};
        chain = true;
        n->kind = N_NFT_OWNED;
        if ((rc = fields_ok(body, tag, req, 1, "token_id", d)) != OL_OK ||
            (rc = account_field(body, "contract", tag, &n->contract, d)) != OL_OK)
            return rc;
        const json_t *t = json_object_get(body, "token_id");
        if (t != NULL && !json_is_null(t) &&
            (rc = dup_str(body, "token_id", tag, 256, &n->token_id, d)) != OL_OK)
            return rc;
    } else if (strcmp(tag, "DaoMember") == 0) {
        static const char *const req[] = {"dao_contract", "role"};
        chain = true;
        n->kind = N_DAO_MEMBER;
        if ((rc = fields_ok(body, tag, req, 2, NULL, d)) != OL_OK ||
            (rc = account_field(body, "dao_contract", tag, &n->contract, d)) != OL_OK ||
            (rc = dup_str(body, "role", tag, 256, &n->role, d)) != OL_OK)
            return rc;
    } else {
        return OL_FAIL(d, OL_E_INVAL,
                       "unknown access condition '%.40s' (AllowAll, Whitelist, AccountPattern, "
                       "Logic, Not, NearBalance, FtBalance, NftOwned, DaoMember)",
                       tag);
    }
    if (chain && !(pc->flags & OL_KS_ACCESS_ALLOW_CHAIN))
        return OL_FAIL(d, OL_E_UNSUPPORTED,
                       "access condition %s needs a NEAR RPC, which this keystore does not have "
                       "configured",
                       tag);
    return OL_OK;
}

static ol_err parse_node(const json_t *v, unsigned depth, parse_ctx *pc, node **out)
{
    ol_diag *d = pc->d;
    if (depth > OL_KS_ACCESS_MAX_DEPTH)
        return OL_FAIL(d, OL_E_LIMIT, "access condition nested deeper than %d",
                       OL_KS_ACCESS_MAX_DEPTH);
    if (++pc->nodes > OL_KS_ACCESS_MAX_NODES)
        return OL_FAIL(d, OL_E_LIMIT, "access condition has more than %d conditions",
                       OL_KS_ACCESS_MAX_NODES);
    node *n = calloc(1, sizeof *n);
    if (n == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "access condition");
    ol_err rc = OL_OK;
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "AllowAll") == 0)
            n->kind = N_ALL;
        else
            rc = OL_FAIL(d, OL_E_INVAL, "unknown access condition \"%.40s\"", json_string_value(v));
    } else if (json_is_object(v) && json_object_size(v) == 1) {
        const char *tag = json_object_iter_key(json_object_iter((json_t *)(uintptr_t)v));
        rc = parse_body(tag, json_object_get(v, tag), depth, pc, n);
    } else {
        rc = OL_FAIL(d, OL_E_INVAL,
                     "an access condition is \"AllowAll\" or an object with exactly one key");
    }
    if (rc != OL_OK) {
        node_free(n);
        return rc;
    }
    *out = n;
    return OL_OK;
}

ol_err ol__ks_access_from_json(const json_t *v, unsigned flags, ol_ks_access **out, ol_diag *d)
{
    parse_ctx pc = {.flags = flags, .nodes = 0, .d = d};
    ol_ks_access *a = calloc(1, sizeof *a);
    if (a == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "access condition");
    ol_err rc = parse_node(v, 1, &pc, &a->root);
    if (rc == OL_OK) {
        a->mctx = pcre2_match_context_create(NULL);
        if (a->mctx == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "regex match context");
        } else {
            pcre2_set_match_limit(a->mctx, MATCH_LIMIT);
            pcre2_set_depth_limit(a->mctx, DEPTH_LIMIT);
            pcre2_set_heap_limit(a->mctx, HEAP_LIMIT_KIB);
        }
    }
    if (rc != OL_OK) {
        ol_ks_access_free(a);
        return rc;
    }
    *out = a;
    return OL_OK;
}

ol_err ol_ks_access_parse(const char *json, size_t len, unsigned flags, ol_ks_access **out,
                          ol_diag *d)
{
    json_error_t je;
    json_t *v = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (v == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "access condition is not JSON: %s", je.text);
    ol_err rc = ol__ks_access_from_json(v, flags, out, d);
    json_decref(v);
    return rc;
}

/* ===================================== evaluation ===================================== */

static ol_err eval_node(const ol_ks_access *a, const node *n, const char *caller, size_t clen,
                        bool *res, ol_diag *d)
{
    ol_err rc;
    switch (n->kind) {
    case N_ALL:
        *res = true;
        return OL_OK;
    case N_WHITELIST:
        *res = false;
        for (size_t i = 0; i < n->n && !*res; i++)
            *res = strcmp(n->accounts[i], caller) == 0;
        return OL_OK;
    case N_PATTERN: {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(n->re, NULL);
        if (md == NULL)
            return OL_FAIL(d, OL_E_NOMEM, "regex match data");
        int r = pcre2_match(n->re, (PCRE2_SPTR)caller, clen, 0, 0, md, a->mctx);
        pcre2_match_data_free(md);
        if (r >= 0) {
            *res = true;
            return OL_OK;
        }
        if (r == PCRE2_ERROR_NOMATCH) {
            *res = false;
            return OL_OK;
        }
        if (r == PCRE2_ERROR_MATCHLIMIT || r == PCRE2_ERROR_DEPTHLIMIT ||
            r == PCRE2_ERROR_HEAPLIMIT || r == PCRE2_ERROR_NOMEMORY)
            return OL_FAIL(d, OL_E_LIMIT, "AccountPattern: the match exceeded its limits");
        return OL_FAIL(d, OL_E_INTERNAL, "AccountPattern: match error %d", r);
    }
    case N_AND:
    case N_OR: {
        bool want = n->kind == N_OR; /* the value that decides early */
        for (size_t i = 0; i < n->n; i++) {
            bool r = false;
            if ((rc = eval_node(a, n->kids[i], caller, clen, &r, d)) != OL_OK)
                return rc;
            if (r == want) {
                *res = want;
                return OL_OK;
            }
        }
        *res = !want;
        return OL_OK;
    }
    case N_NOT: {
        bool r = false;
        if ((rc = eval_node(a, n->kids[0], caller, clen, &r, d)) != OL_OK)
            return rc;
        *res = !r;
        return OL_OK;
    }
    case N_NEAR_BALANCE:
    case N_FT_BALANCE:
    case N_NFT_OWNED:
    case N_DAO_MEMBER:
        break;
    }
    static const char *const names[] = {[N_NEAR_BALANCE] = "NearBalance",
                                        [N_FT_BALANCE] = "FtBalance",
                                        [N_NFT_OWNED] = "NftOwned",
                                        [N_DAO_MEMBER] = "DaoMember"};
    return OL_FAIL(d, OL_E_UNSUPPORTED,
                   "access condition %s needs a NEAR RPC, which this keystore does not have "
                   "configured",
                   names[n->kind]);
}

ol_err ol_ks_access_eval(const ol_ks_access *a, const char *caller, bool *allowed, ol_diag *d)
{
    size_t clen = caller != NULL ? strlen(caller) : 0;
    if (caller == NULL || !ol__ks_account_ok(caller, clen))
        return OL_FAIL(d, OL_E_INVAL, "the caller is not a NEAR account id");
    bool r = false;
    ol_err rc = eval_node(a, a->root, caller, clen, &r, d);
    if (rc == OL_OK)
        *allowed = r;
    return rc;
}

/* ================================= canonical form ================================= */

static json_t *node_json(const node *n)
{
    json_t *arr = NULL;
    switch (n->kind) {
    case N_ALL:
        return json_string("AllowAll");
    case N_WHITELIST:
        arr = json_array();
        for (size_t i = 0; arr != NULL && i < n->n; i++) {
            if (json_array_append_new(arr, json_string(n->accounts[i])) != 0) {
                json_decref(arr);
                return NULL;
            }
        }
        return json_pack("{s:{s:o}}", "Whitelist", "accounts", arr);
    case N_PATTERN:
        return json_pack("{s:{s:s}}", "AccountPattern", "pattern", n->pattern);
    case N_AND:
    case N_OR:
        arr = json_array();
        for (size_t i = 0; arr != NULL && i < n->n; i++) {
            json_t *k = node_json(n->kids[i]);
            if (k == NULL || json_array_append_new(arr, k) != 0) {
                json_decref(arr);
                return NULL;
            }
        }
        return json_pack("{s:{s:s,s:o}}", "Logic", "operator", n->kind == N_AND ? "And" : "Or",
                         "conditions", arr);
    case N_NOT: {
        json_t *k = node_json(n->kids[0]);
        return k != NULL ? json_pack("{s:{s:o}}", "Not", "condition", k) : NULL;
    }
    case N_NEAR_BALANCE:
        return json_pack("{s:{s:s,s:s}}", "NearBalance", "operator", op_names[n->op], "value",
                         n->value);
    case N_FT_BALANCE:
        return json_pack("{s:{s:s,s:s,s:s}}", "FtBalance", "contract", n->contract, "operator",
                         op_names[n->op], "value", n->value);
    case N_NFT_OWNED:
        return json_pack("{s:{s:s,s:s?}}", "NftOwned", "contract", n->contract, "token_id",
                         n->token_id);
    case N_DAO_MEMBER:
        return json_pack("{s:{s:s,s:s}}", "DaoMember", "dao_contract", n->contract, "role",
                         n->role);
    }
    return NULL;
}

ol_err ol_ks_access_canonical(const ol_ks_access *a, char **out, size_t *out_len, ol_diag *d)
{
    json_t *v = node_json(a->root);
    char *s = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "canonical access condition");
    *out = s;
    if (out_len != NULL)
        *out_len = strlen(s);
    return OL_OK;
}

ol_err ol_ks_access_hash(const ol_ks_access *a, uint8_t out[32], ol_diag *d)
{
    char *s = NULL;
    size_t n = 0;
    ol_err rc = ol_ks_access_canonical(a, &s, &n, d);
    if (rc != OL_OK)
        return rc;
    crypto_hash_sha256(out, (const uint8_t *)s, n);
    free(s);
    return OL_OK;
}
