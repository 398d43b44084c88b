/* The JSON forms of actions and transactions (jansson): the `--actions` form the CLI reads and
 * `decode-tx` prints (ol/near.h documents it). Parsing is strict — unknown members, wrong
 * types and invalid values are errors naming the path (e.g. "actions[2].FunctionCall.gas") —
 * and printing emits exactly what parsing reads back, so print(parse(x)) is stable.
 *
 * Everything returned lives in the caller's arena; jansson objects never escape this file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "near_int.h"

#define PATH_MAX_LEN 160

typedef struct jctx {
    ol_near_arena *ar;
    ol_diag *d;
} jctx;

static ol_err nomem(jctx *c, const char *path)
{
    return OL_FAIL(c->d, OL_E_NOMEM, "%s: out of memory", path);
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a JSON value";
}

/* Paths only name things in error messages: a path too long keeps its start and ends in "...". */
static void sub_path(char out[PATH_MAX_LEN], const char *path, const char *key)
{
    if (snprintf(out, PATH_MAX_LEN, "%s.%s", path, key) >= PATH_MAX_LEN)
        memcpy(out + PATH_MAX_LEN - 4, "...", 4);
}

/* Refuses members of obj other than the NULL-terminated list `allowed`. */
static ol_err only_keys(jctx *c, const char *path, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0)
                ok = true;
        }
        if (!ok)
            return OL_FAIL(c->d, OL_E_MALFORMED, "%s: unknown member \"%.40s\"", path, key);
    }
    return OL_OK;
}

static ol_err member(jctx *c, const char *path, json_t *obj, const char *key, json_t **out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: missing member \"%s\"", path, key);
    *out = v;
    return OL_OK;
}

/* Key and signature texts are parsed as C strings, so one with an embedded NUL ("\u0000") would
 * be read only up to it: refuse it instead. */
static bool has_nul(const json_t *v)
{
    return strlen(json_string_value(v)) != json_string_length(v);
}

static ol_err want_object(jctx *c, const char *path, json_t *v)
{
    if (!json_is_object(v))
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: expected an object, got %s", path,
                       json_type_name(v));
    return OL_OK;
}

static ol_err get_string(jctx *c, const char *path, json_t *obj, const char *key, ol_near_str *out)
{
    char p[PATH_MAX_LEN];
    json_t *v;
    sub_path(p, path, key);
    ol_err rc = member(c, path, obj, key, &v);
    if (rc != OL_OK)
        return rc;
    if (!json_is_string(v))
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: expected a string, got %s", p, json_type_name(v));
    size_t len = json_string_length(v);
    char *copy = ol_near_arena_strndup(c->ar, json_string_value(v), len);
    if (copy == NULL)
        return nomem(c, p);
    out->p = copy;
    out->len = len;
    return OL_OK;
}

static ol_err get_account(jctx *c, const char *path, json_t *obj, const char *key, const char **out)
{
    char p[PATH_MAX_LEN];
    ol_near_str s;
    sub_path(p, path, key);
    ol_err rc = get_string(c, path, obj, key, &s);
    if (rc != OL_OK)
        return rc;
    ol_diag sub = {0};
    if (ol_near_account_id_validate(s.p, s.len, &sub) != OL_OK)
        return OL_FAIL(c->d, OL_E_INVAL, "%s: %s", p, sub.msg);
    *out = s.p;
    return OL_OK;
}

/* A u64 as a non-negative JSON integer or a decimal string. */
static ol_err get_u64(jctx *c, const char *path, json_t *obj, const char *key, uint64_t *out)
{
    char p[PATH_MAX_LEN];
    json_t *v;
    sub_path(p, path, key);
    ol_err rc = member(c, path, obj, key, &v);
    if (rc != OL_OK)
        return rc;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0)
            return OL_FAIL(c->d, OL_E_INVAL, "%s: negative", p);
        *out = (uint64_t)i;
        return OL_OK;
    }
    if (!json_is_string(v))
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: expected an integer, got %s", p,
                       json_type_name(v));
    ol_near_u128 x;
    ol_diag sub = {0};
    if (ol_near_u128_parse(json_string_value(v), json_string_length(v), &x, &sub) != OL_OK)
        return OL_FAIL(c->d, OL_E_INVAL, "%s: %s", p, sub.msg);
    if (x.hi != 0)
        return OL_FAIL(c->d, OL_E_INVAL, "%s: exceeds 2^64 - 1", p);
    *out = x.lo;
    return OL_OK;
}

/* A u128 amount: a decimal string of yoctoNEAR (or "1.5 NEAR", see ol_near_amount_parse). */
static ol_err amount_of(jctx *c, const char *p, json_t *v, ol_near_u128 *out)
{
    if (!json_is_string(v))
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: expected a decimal string of yoctoNEAR, got %s",
                       p, json_type_name(v));
    ol_diag sub = {0};
    if (ol_near_amount_parse(json_string_value(v), json_string_length(v), out, &sub) != OL_OK)
        return OL_FAIL(c->d, OL_E_INVAL, "%s: %s", p, sub.msg);
    return OL_OK;
}

static ol_err get_amount(jctx *c, const char *path, json_t *obj, const char *key, ol_near_u128 *out)
{
    char p[PATH_MAX_LEN];
    json_t *v;
    sub_path(p, path, key);
    ol_err rc = member(c, path, obj, key, &v);
    if (rc != OL_OK)
        return rc;
    return amount_of(c, p, v, out);
}

static ol_err get_public_key(jctx *c, const char *path, json_t *obj, const char *key,
                             ol_near_public_key *out)
{
    char p[PATH_MAX_LEN];
    json_t *v;
    sub_path(p, path, key);
    ol_err rc = member(c, path, obj, key, &v);
    if (rc != OL_OK)
        return rc;
    if (!json_is_string(v) || has_nul(v))
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: expected a key string, got %s", p,
                       json_is_string(v) ? "a string with a NUL" : json_type_name(v));
    ol_diag sub = {0};
    if ((rc = ol_near_public_key_parse(json_string_value(v), out, &sub)) != OL_OK)
        return OL_FAIL(c->d, OL_E_INVAL, "%s: %s", p, sub.msg);
    return OL_OK;
}

static ol_err get_base64(jctx *c, const char *path, json_t *obj, const char *key,
                         ol_near_bytes *out)
{
    char p[PATH_MAX_LEN];
    json_t *v;
    sub_path(p, path, key);
    ol_err rc = member(c, path, obj, key, &v);
    if (rc != OL_OK)
        return rc;
    if (!json_is_string(v))
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: expected a base64 string, got %s", p,
                       json_type_name(v));
    size_t slen = json_string_length(v);
    size_t cap = ol_near_base64_decoded_max(slen);
    uint8_t *buf = ol_near_arena_alloc(c->ar, cap);
    if (buf == NULL)
        return nomem(c, p);
    size_t n = 0;
    ol_diag sub = {0};
    if (ol_near_base64_decode(json_string_value(v), slen, buf, cap, &n, &sub) != OL_OK)
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: %s", p, sub.msg);
    out->p = buf;
    out->len = n;
    return OL_OK;
}

/* Serialises any JSON value compactly into the arena. */
static ol_err dump_into_arena(jctx *c, const char *path, const json_t *v, size_t flags,
                              const char **out, size_t *len)
{
    char *s = json_dumps(v, flags);
    if (s == NULL)
        return OL_FAIL(c->d, OL_E_NOMEM, "%s: JSON serialisation failed", path);
    size_t n = strlen(s);
    char *copy = ol_near_arena_strndup(c->ar, s, n);
    json_free_t free_fn = NULL;
    json_get_alloc_funcs(NULL, &free_fn);
    free_fn(s);
    if (copy == NULL)
        return nomem(c, path);
    *out = copy;
    if (len != NULL)
        *len = n;
    return OL_OK;
}

/* ---- parsing ---- */

static ol_err parse_actions(jctx *c, const char *path, json_t *arr, bool in_delegate,
                            const ol_near_action **out, size_t *n_out);

static ol_err parse_access_key(jctx *c, const char *path, json_t *v, ol_near_access_key *out)
{
    static const char *const ak_keys[] = {"nonce", "permission", NULL};
    static const char *const fc_keys[] = {"allowance", "receiver_id", "method_names", NULL};
    ol_near_access_key ak;
    memset(&ak, 0, sizeof ak);
    char p[PATH_MAX_LEN];
    json_t *perm;
    ol_err rc = want_object(c, path, v);
    if (rc == OL_OK)
        rc = only_keys(c, path, v, ak_keys);
    if (rc == OL_OK)
        rc = get_u64(c, path, v, "nonce", &ak.nonce);
    if (rc == OL_OK)
        rc = member(c, path, v, "permission", &perm);
    if (rc != OL_OK)
        return rc;
    sub_path(p, path, "permission");
    if (json_is_string(perm) && strcmp(json_string_value(perm), "FullAccess") == 0) {
        ak.full_access = true;
        *out = ak;
        return OL_OK;
    }
    json_t *fc = json_is_object(perm) && json_object_size(perm) == 1
                     ? json_object_get(perm, "FunctionCall")
                     : NULL;
    if (fc == NULL)
        return OL_FAIL(c->d, OL_E_MALFORMED,
                       "%s: expected \"FullAccess\" or {\"FunctionCall\":{...}}", p);
    char fp[PATH_MAX_LEN];
    sub_path(fp, p, "FunctionCall");
    json_t *allowance, *names;
    if ((rc = want_object(c, fp, fc)) != OL_OK || (rc = only_keys(c, fp, fc, fc_keys)) != OL_OK)
        return rc;
    allowance = json_object_get(fc, "allowance");
    if (allowance != NULL && !json_is_null(allowance)) {
        char ap[PATH_MAX_LEN];
        sub_path(ap, fp, "allowance");
        if ((rc = amount_of(c, ap, allowance, &ak.allowance)) != OL_OK)
            return rc;
        ak.has_allowance = true;
    }
    if ((rc = get_string(c, fp, fc, "receiver_id", &ak.receiver_id)) != OL_OK)
        return rc;
    names = json_object_get(fc, "method_names");
    if (names != NULL && !json_is_array(names))
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s.method_names: expected an array, got %s", fp,
                       json_type_name(names));
    size_t n = names == NULL ? 0 : json_array_size(names);
    if (n > OL__NEAR_MAX_VEC)
        return OL_FAIL(c->d, OL_E_LIMIT, "%s.method_names: more than %u names", fp,
                       OL__NEAR_MAX_VEC);
    ol_near_str *list = NULL;
    if (n > 0 && (list = ol_near_arena_alloc(c->ar, n * sizeof *list)) == NULL)
        return nomem(c, fp);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(names, i);
        if (!json_is_string(s))
            return OL_FAIL(c->d, OL_E_MALFORMED, "%s.method_names[%zu]: expected a string, got %s",
                           fp, i, json_type_name(s));
        char *copy = ol_near_arena_strndup(c->ar, json_string_value(s), json_string_length(s));
        if (copy == NULL)
            return nomem(c, fp);
        list[i].p = copy;
        list[i].len = json_string_length(s);
    }
    ak.method_names = list;
    ak.n_method_names = n;
    *out = ak;
    return OL_OK;
}

static ol_err parse_delegate_action(jctx *c, const char *path, json_t *v,
                                    ol_near_delegate_action *out)
{
    static const char *const keys[] = {"sender_id",        "receiver_id", "actions", "nonce",
                                       "max_block_height", "public_key",  NULL};
    ol_near_delegate_action da;
    memset(&da, 0, sizeof da);
    json_t *acts;
    char p[PATH_MAX_LEN];
    ol_err rc = want_object(c, path, v);
    if (rc == OL_OK)
        rc = only_keys(c, path, v, keys);
    if (rc == OL_OK)
        rc = get_account(c, path, v, "sender_id", &da.sender_id);
    if (rc == OL_OK)
        rc = get_account(c, path, v, "receiver_id", &da.receiver_id);
    if (rc == OL_OK)
        rc = member(c, path, v, "actions", &acts);
    if (rc == OL_OK) {
        sub_path(p, path, "actions");
        rc = parse_actions(c, p, acts, true, &da.actions, &da.n_actions);
    }
    if (rc == OL_OK)
        rc = get_u64(c, path, v, "nonce", &da.nonce);
    if (rc == OL_OK)
        rc = get_u64(c, path, v, "max_block_height", &da.max_block_height);
    if (rc == OL_OK)
        rc = get_public_key(c, path, v, "public_key", &da.public_key);
    if (rc == OL_OK)
        *out = da;
    return rc;
}

static ol_err parse_action(jctx *c, const char *path, json_t *v, bool in_delegate,
                           ol_near_action *out)
{
    ol_near_action a;
    memset(&a, 0, sizeof a);
    const char *name;
    json_t *body = NULL;
    if (json_is_string(v)) {
        name = json_string_value(v);
        if (strcmp(name, "CreateAccount") != 0)
            return OL_FAIL(c->d, OL_E_MALFORMED,
                           "%s: only \"CreateAccount\" may be written as a bare string", path);
    } else if (json_is_object(v) && json_object_size(v) == 1) {
        void *it = json_object_iter(v);
        name = json_object_iter_key(it);
        body = json_object_iter_value(it);
    } else {
        return OL_FAIL(c->d, OL_E_MALFORMED,
                       "%s: expected \"CreateAccount\" or an object with one member naming the "
                       "action, got %s",
                       path, json_type_name(v));
    }
    char p[PATH_MAX_LEN];
    sub_path(p, path, name);
    ol_err rc = body != NULL ? want_object(c, p, body) : OL_OK;
    if (rc != OL_OK)
        return rc;
    if (strcmp(name, "CreateAccount") == 0) {
        if (body != NULL && json_object_size(body) != 0)
            return OL_FAIL(c->d, OL_E_MALFORMED, "%s: takes no members", p);
        a.kind = OL_NEAR_ACTION_CREATE_ACCOUNT;
    } else if (strcmp(name, "DeployContract") == 0) {
        static const char *const keys[] = {"code_base64", NULL};
        a.kind = OL_NEAR_ACTION_DEPLOY_CONTRACT;
        rc = only_keys(c, p, body, keys);
        if (rc == OL_OK)
            rc = get_base64(c, p, body, "code_base64", &a.deploy_contract.code);
    } else if (strcmp(name, "FunctionCall") == 0) {
        static const char *const keys[] = {"method_name", "args_base64", "args_json",
                                           "gas",         "deposit",     NULL};
        a.kind = OL_NEAR_ACTION_FUNCTION_CALL;
        rc = only_keys(c, p, body, keys);
        if (rc == OL_OK)
            rc = get_string(c, p, body, "method_name", &a.function_call.method_name);
        json_t *b64 = json_object_get(body, "args_base64");
        json_t *js = json_object_get(body, "args_json");
        if (rc == OL_OK && b64 != NULL && js != NULL)
            rc = OL_FAIL(c->d, OL_E_MALFORMED, "%s: give args_base64 or args_json, not both", p);
        if (rc == OL_OK && b64 != NULL)
            rc = get_base64(c, p, body, "args_base64", &a.function_call.args);
        if (rc == OL_OK && js != NULL) {
            const char *s;
            size_t n = 0;
            char jp[PATH_MAX_LEN];
            sub_path(jp, p, "args_json");
            rc = dump_into_arena(c, jp, js, JSON_COMPACT | JSON_ENCODE_ANY, &s, &n);
            a.function_call.args.p = (const uint8_t *)s;
            a.function_call.args.len = n;
        }
        if (rc == OL_OK)
            rc = get_u64(c, p, body, "gas", &a.function_call.gas);
        if (rc == OL_OK)
            rc = get_amount(c, p, body, "deposit", &a.function_call.deposit);
    } else if (strcmp(name, "Transfer") == 0) {
        static const char *const keys[] = {"deposit", NULL};
        a.kind = OL_NEAR_ACTION_TRANSFER;
        rc = only_keys(c, p, body, keys);
        if (rc == OL_OK)
            rc = get_amount(c, p, body, "deposit", &a.transfer.deposit);
    } else if (strcmp(name, "Stake") == 0) {
        static const char *const keys[] = {"stake", "public_key", NULL};
        a.kind = OL_NEAR_ACTION_STAKE;
        rc = only_keys(c, p, body, keys);
        if (rc == OL_OK)
            rc = get_amount(c, p, body, "stake", &a.stake.stake);
        if (rc == OL_OK)
            rc = get_public_key(c, p, body, "public_key", &a.stake.public_key);
    } else if (strcmp(name, "AddKey") == 0) {
        static const char *const keys[] = {"public_key", "access_key", NULL};
        a.kind = OL_NEAR_ACTION_ADD_KEY;
        json_t *ak;
        char ap[PATH_MAX_LEN];
        sub_path(ap, p, "access_key");
        rc = only_keys(c, p, body, keys);
        if (rc == OL_OK)
            rc = get_public_key(c, p, body, "public_key", &a.add_key.public_key);
        if (rc == OL_OK)
            rc = member(c, p, body, "access_key", &ak);
        if (rc == OL_OK)
            rc = parse_access_key(c, ap, ak, &a.add_key.access_key);
    } else if (strcmp(name, "DeleteKey") == 0) {
        static const char *const keys[] = {"public_key", NULL};
        a.kind = OL_NEAR_ACTION_DELETE_KEY;
        rc = only_keys(c, p, body, keys);
        if (rc == OL_OK)
            rc = get_public_key(c, p, body, "public_key", &a.delete_key.public_key);
    } else if (strcmp(name, "DeleteAccount") == 0) {
        static const char *const keys[] = {"beneficiary_id", NULL};
        a.kind = OL_NEAR_ACTION_DELETE_ACCOUNT;
        rc = only_keys(c, p, body, keys);
        if (rc == OL_OK)
            rc = get_account(c, p, body, "beneficiary_id", &a.delete_account.beneficiary_id);
    } else if (strcmp(name, "Delegate") == 0) {
        static const char *const keys[] = {"delegate_action", "signature", NULL};
        if (in_delegate)
            return OL_FAIL(c->d, OL_E_MALFORMED, "%s: a delegate action cannot contain a Delegate",
                           p);
        a.kind = OL_NEAR_ACTION_DELEGATE;
        ol_near_signed_delegate *sd = ol_near_arena_alloc(c->ar, sizeof *sd);
        json_t *da, *sig;
        char dp[PATH_MAX_LEN];
        sub_path(dp, p, "delegate_action");
        if (sd == NULL)
            return nomem(c, p);
        rc = only_keys(c, p, body, keys);
        if (rc == OL_OK)
            rc = member(c, p, body, "delegate_action", &da);
        if (rc == OL_OK)
            rc = parse_delegate_action(c, dp, da, &sd->delegate_action);
        if (rc == OL_OK)
            rc = member(c, p, body, "signature", &sig);
        if (rc == OL_OK) {
            ol_diag sub = {0};
            if (!json_is_string(sig) || has_nul(sig) ||
                ol_near_signature_parse(json_string_value(sig), &sd->signature, &sub) != OL_OK)
                rc = OL_FAIL(c->d, OL_E_INVAL, "%s.signature: %s", p,
                             json_is_string(sig) && !has_nul(sig) ? sub.msg
                                                                  : "expected a signature string");
        }
        a.delegate.signed_delegate = sd;
    } else {
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: unknown action \"%.40s\"", path, name);
    }
    if (rc == OL_OK)
        *out = a;
    return rc;
}

static ol_err parse_actions(jctx *c, const char *path, json_t *arr, bool in_delegate,
                            const ol_near_action **out, size_t *n_out)
{
    if (!json_is_array(arr))
        return OL_FAIL(c->d, OL_E_MALFORMED, "%s: expected an array, got %s", path,
                       json_type_name(arr));
    size_t n = json_array_size(arr);
    if (n > OL__NEAR_MAX_VEC)
        return OL_FAIL(c->d, OL_E_LIMIT, "%s: more than %u actions", path, OL__NEAR_MAX_VEC);
    ol_near_action *acts = NULL;
    if (n > 0 && (acts = ol_near_arena_alloc(c->ar, n * sizeof *acts)) == NULL)
        return nomem(c, path);
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX_LEN];
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        ol_err rc = parse_action(c, p, json_array_get(arr, i), in_delegate, &acts[i]);
        if (rc != OL_OK)
            return rc;
    }
    *out = acts;
    *n_out = n;
    return OL_OK;
}

ol_err ol_near_actions_from_json(const char *json, size_t len, ol_near_arena *ar,
                                 const ol_near_action **actions, size_t *n_actions, ol_diag *d)
{
    jctx c = {ar, d};
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (root == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "actions: invalid JSON at line %d column %d: %s", je.line,
                       je.column, je.text);
    const ol_near_action *acts = NULL;
    size_t n = 0;
    ol_err rc = parse_actions(&c, "actions", root, false, &acts, &n);
    json_decref(root);
    if (rc == OL_OK) {
        *actions = acts;
        *n_actions = n;
    }
    return rc;
}

/* ---- printing ---- */

/* Builders return NULL on failure (out of memory, or a string jansson refuses: not UTF-8). */

static json_t *j_str(ol_near_str s)
{
    return json_stringn(s.p == NULL ? "" : s.p, s.len);
}

static json_t *j_u64(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX)
        return json_integer((json_int_t)v);
    char buf[OL_NEAR_U128_STR_MAX];
    ol_near_u128_format(ol_near_u128_from_u64(v), buf);
    return json_string(buf);
}

static json_t *j_u128(ol_near_u128 v)
{
    char buf[OL_NEAR_U128_STR_MAX];
    ol_near_u128_format(v, buf);
    return json_string(buf);
}

static json_t *j_key(const ol_near_public_key *pk)
{
    char buf[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(pk, buf);
    return json_string(buf);
}

static json_t *j_sig(const ol_near_signature *sig)
{
    char buf[OL_NEAR_KEY_STR_MAX];
    ol_near_signature_format(sig, buf);
    return json_string(buf);
}

static json_t *j_base64(ol_near_bytes b)
{
    size_t cap = ol_near_base64_encoded_max(b.len);
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    json_t *r = NULL;
    if (ol_near_base64_encode(b.p, b.len, buf, cap, NULL, NULL) == OL_OK)
        r = json_string(buf);
    free(buf);
    return r;
}

static json_t *j_account(const char *id)
{
    return json_string(id == NULL ? "" : id);
}

/* json_object_set_new that tracks failure: once *ok is false nothing more is added. */
static void put(json_t *obj, const char *key, json_t *v, bool *ok)
{
    if (v == NULL || obj == NULL || json_object_set_new(obj, key, v) != 0)
        *ok = false;
}

static json_t *j_actions(const ol_near_action *acts, size_t n);

static json_t *j_delegate(const ol_near_delegate_action *da, const ol_near_signature *sig)
{
    bool ok = true;
    json_t *o = json_object();
    put(o, "sender_id", j_account(da->sender_id), &ok);
    put(o, "receiver_id", j_account(da->receiver_id), &ok);
    put(o, "actions", j_actions(da->actions, da->n_actions), &ok);
    put(o, "nonce", j_u64(da->nonce), &ok);
    put(o, "max_block_height", j_u64(da->max_block_height), &ok);
    put(o, "public_key", j_key(&da->public_key), &ok);
    if (sig != NULL)
        put(o, "signature", j_sig(sig), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *j_access_key(const ol_near_access_key *ak)
{
    bool ok = true;
    json_t *o = json_object();
    put(o, "nonce", j_u64(ak->nonce), &ok);
    if (ak->full_access) {
        put(o, "permission", json_string("FullAccess"), &ok);
    } else {
        json_t *fc = json_object();
        json_t *names = json_array();
        put(fc, "allowance", ak->has_allowance ? j_u128(ak->allowance) : json_null(), &ok);
        put(fc, "receiver_id", j_str(ak->receiver_id), &ok);
        for (size_t i = 0; ok && i < ak->n_method_names; i++) {
            json_t *s = j_str(ak->method_names[i]);
            if (s == NULL || names == NULL || json_array_append_new(names, s) != 0)
                ok = false;
        }
        put(fc, "method_names", names, &ok);
        json_t *perm = json_object();
        put(perm, "FunctionCall", fc, &ok);
        put(o, "permission", perm, &ok);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *j_action(const ol_near_action *a)
{
    if (a->kind == OL_NEAR_ACTION_CREATE_ACCOUNT)
        return json_string("CreateAccount");
    bool ok = true;
    json_t *body = json_object();
    switch (a->kind) {
    case OL_NEAR_ACTION_CREATE_ACCOUNT:
        break;
    case OL_NEAR_ACTION_DEPLOY_CONTRACT:
        put(body, "code_base64", j_base64(a->deploy_contract.code), &ok);
        break;
    case OL_NEAR_ACTION_FUNCTION_CALL:
        put(body, "method_name", j_str(a->function_call.method_name), &ok);
        put(body, "args_base64", j_base64(a->function_call.args), &ok);
        put(body, "gas", j_u64(a->function_call.gas), &ok);
        put(body, "deposit", j_u128(a->function_call.deposit), &ok);
        break;
    case OL_NEAR_ACTION_TRANSFER:
        put(body, "deposit", j_u128(a->transfer.deposit), &ok);
        break;
    case OL_NEAR_ACTION_STAKE:
        put(body, "stake", j_u128(a->stake.stake), &ok);
        put(body, "public_key", j_key(&a->stake.public_key), &ok);
        break;
    case OL_NEAR_ACTION_ADD_KEY:
        put(body, "public_key", j_key(&a->add_key.public_key), &ok);
        put(body, "access_key", j_access_key(&a->add_key.access_key), &ok);
        break;
    case OL_NEAR_ACTION_DELETE_KEY:
        put(body, "public_key", j_key(&a->delete_key.public_key), &ok);
        break;
    case OL_NEAR_ACTION_DELETE_ACCOUNT:
        put(body, "beneficiary_id", j_account(a->delete_account.beneficiary_id), &ok);
        break;
    case OL_NEAR_ACTION_DELEGATE: {
        const ol_near_signed_delegate *sd = a->delegate.signed_delegate;
        if (sd == NULL) {
            ok = false;
            break;
        }
        put(body, "delegate_action", j_delegate(&sd->delegate_action, NULL), &ok);
        put(body, "signature", j_sig(&sd->signature), &ok);
        break;
    }
    default:
        ok = false;
        break;
    }
    json_t *o = json_object();
    put(o, ol_near_action_kind_name(a->kind), body, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *j_actions(const ol_near_action *acts, size_t n)
{
    json_t *arr = json_array();
    if (arr == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *a = j_action(&acts[i]);
        if (a == NULL || json_array_append_new(arr, a) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* Dumps a built value (NULL = building failed) into the arena and releases it. */
static ol_err finish(jctx *c, const char *what, json_t *v, const char **out)
{
    if (v == NULL)
        return OL_FAIL(c->d, OL_E_INVAL,
                       "%s: cannot be written as JSON (out of memory, or a string that is not "
                       "UTF-8)",
                       what);
    ol_err rc = dump_into_arena(c, what, v, JSON_COMPACT, out, NULL);
    json_decref(v);
    return rc;
}

ol_err ol_near_actions_to_json(const ol_near_action *actions, size_t n_actions, ol_near_arena *ar,
                               const char **out, ol_diag *d)
{
    jctx c = {ar, d};
    if (actions == NULL && n_actions > 0)
        return OL_FAIL(d, OL_E_INVAL, "actions: NULL array with %zu entries", n_actions);
    return finish(&c, "actions", j_actions(actions, n_actions), out);
}

ol_err ol_near_tx_to_json(const ol_near_tx *tx, const ol_near_signature *sig, ol_near_arena *ar,
                          const char **out, ol_diag *d)
{
    jctx c = {ar, d};
    uint8_t hash[OL_NEAR_HASH_LEN];
    char hash_b58[OL_NEAR_HASH_STR_MAX], block_b58[OL_NEAR_HASH_STR_MAX];
    ol_err rc = ol_near_tx_hash(tx, NULL, hash, d);
    if (rc != OL_OK)
        return rc;
    ol_near_hash_format(hash, hash_b58);
    ol_near_hash_format(tx->block_hash, block_b58);
    bool ok = true;
    json_t *o = json_object();
    put(o, "signer_id", j_account(tx->signer_id), &ok);
    put(o, "public_key", j_key(&tx->public_key), &ok);
    put(o, "nonce", j_u64(tx->nonce), &ok);
    put(o, "receiver_id", j_account(tx->receiver_id), &ok);
    put(o, "block_hash", json_string(block_b58), &ok);
    put(o, "actions", j_actions(tx->actions, tx->n_actions), &ok);
    if (sig != NULL)
        put(o, "signature", j_sig(sig), &ok);
    put(o, "hash", json_string(hash_b58), &ok);
    if (!ok) {
        json_decref(o);
        o = NULL;
    }
    return finish(&c, "transaction", o, out);
}

ol_err ol_near_delegate_to_json(const ol_near_delegate_action *da, const ol_near_signature *sig,
                                ol_near_arena *ar, const char **out, ol_diag *d)
{
    jctx c = {ar, d};
    return finish(&c, "delegate action", j_delegate(da, sig), out);
}
