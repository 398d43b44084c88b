/* Accessors and seeds: the reference's repository normalisation, the accessor JSON shapes and
 * the seed strings the X25519 keys are derived from.
 *
 * Unambiguous seeds. A seed joins its parts with ':', so no part may contain one: a repository
 * "github.com/o/r:alice.near" with owner "main" would otherwise have the seed of repository
 * "github.com/o/r", owner "alice.near", branch "main" -- and its owner could have alice's
 * secrets decrypted for their own runs. Owners are NEAR account ids (no ':'); repositories,
 * branches and project ids are refused when they contain ':' (git refs cannot contain one). */
#include <ctype.h>
#include <string.h>

#include "ks_int.h"

bool ol__ks_account_ok(const char *s, size_t len)
{
    return ol_near_account_id_is_valid(s, len);
}

ol_err ol__ks_json_str(const json_t *obj, const char *key, const char *what, bool allow_empty,
                       char *out, size_t cap, ol_diag *d)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return OL_FAIL(d, OL_E_INVAL, "%s: \"%s\" must be a string", what, key);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n)
        return OL_FAIL(d, OL_E_INVAL, "%s: \"%s\" contains a NUL character", what, key);
    if (n == 0 && !allow_empty)
        return OL_FAIL(d, OL_E_INVAL, "%s: \"%s\" is empty", what, key);
    if (n >= cap)
        return OL_FAIL(d, OL_E_INVAL, "%s: \"%s\" is longer than %zu bytes", what, key, cap - 1);
    memcpy(out, s, n + 1);
    return OL_OK;
}

static bool has_prefix(const char *s, size_t len, const char *p)
{
    size_t pl = strlen(p);
    return len >= pl && memcmp(s, p, pl) == 0;
}

ol_err ol_ks_normalize_repo(const char *repo, size_t len, char *out, size_t cap, ol_diag *d)
{
    const char *s = repo;
    size_t n = len;
    /* Rust's str::trim: Unicode whitespace; repository names are ASCII, so ASCII suffices. */
    while (n > 0 && isspace((unsigned char)s[0])) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    static const char *const schemes[] = {"https://", "http://", "ssh://"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        if (has_prefix(s, n, schemes[i])) {
            s += strlen(schemes[i]);
            n -= strlen(schemes[i]);
            break;
        }
    }
    bool git_at = has_prefix(s, n, "git@");
    if (git_at) {
        s += 4;
        n -= 4;
    }
    if (n >= 4 && memcmp(s + n - 4, ".git", 4) == 0)
        n -= 4;
    if (n == 0)
        return OL_FAIL(d, OL_E_INVAL, "repository is empty");
    if (n >= cap)
        return OL_FAIL(d, OL_E_RANGE, "repository is longer than %zu bytes", cap - 1);
    for (size_t i = 0; i < n; i++)
        out[i] = git_at && s[i] == ':' ? '/' : s[i];
    out[n] = '\0';
    return OL_OK;
}

/* A seed part: printable ASCII other than ':' and space. */
static ol_err part_ok(const char *s, size_t n, const char *what, ol_diag *d)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == ':')
            return OL_FAIL(d, OL_E_INVAL,
                           "%s: character 0x%02x at %zu is not allowed (printable ASCII "
                           "without ':' or space)",
                           what, c, i);
    }
    return OL_OK;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* "owner/name": owner a NEAR account id, name [A-Za-z0-9_-]{1,64}. */
static ol_err project_id_ok(const char *s, ol_diag *d)
{
    const char *slash = strchr(s, '/');
    if (slash == NULL || strchr(slash + 1, '/') != NULL)
        return OL_FAIL(d, OL_E_INVAL, "project_id '%.160s' is not OWNER/NAME", s);
    size_t ol = (size_t)(slash - s);
    if (!ol__ks_account_ok(s, ol))
        return OL_FAIL(d, OL_E_INVAL, "project_id '%.160s': the owner is not a NEAR account id", s);
    size_t nl = strlen(slash + 1);
    if (nl == 0 || nl > 64)
        return OL_FAIL(d, OL_E_INVAL, "project_id '%.160s': the name must have 1..64 characters",
                       s);
    for (size_t i = 0; i < nl; i++) {
        if (!name_char(slash[1 + i]))
            return OL_FAIL(d, OL_E_INVAL, "project_id '%.160s': the name allows only [A-Za-z0-9_-]",
                           s);
    }
    return OL_OK;
}

ol_err ol__ks_accessor_check(const ol_ks_accessor *acc, ol_diag *d)
{
    size_t n = strnlen(acc->id, sizeof acc->id);
    if (n == 0 || n == sizeof acc->id)
        return OL_FAIL(d, OL_E_INVAL, "accessor: empty or unterminated identity");
    switch (acc->kind) {
    case OL_KS_ACCESSOR_REPO: {
        ol_err rc = part_ok(acc->id, n, "repo", d);
        if (rc != OL_OK)
            return rc;
        if (acc->has_branch) {
            size_t bl = strnlen(acc->branch, sizeof acc->branch);
            if (bl == 0 || bl == sizeof acc->branch)
                return OL_FAIL(d, OL_E_INVAL, "branch must have 1..%d characters",
                               OL_KS_BRANCH_MAX);
            return part_ok(acc->branch, bl, "branch", d);
        }
        return OL_OK;
    }
    case OL_KS_ACCESSOR_WASM_HASH:
        if (n != 64)
            return OL_FAIL(d, OL_E_INVAL, "wasm hash must be 64 hex characters");
        for (size_t i = 0; i < n; i++) {
            char c = acc->id[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                return OL_FAIL(d, OL_E_INVAL, "wasm hash must be 64 lowercase hex characters");
        }
        return OL_OK;
    case OL_KS_ACCESSOR_PROJECT:
        if (n > OL_KS_PROJECT_ID_MAX)
            return OL_FAIL(d, OL_E_INVAL, "project_id is longer than %d bytes",
                           OL_KS_PROJECT_ID_MAX);
        return project_id_ok(acc->id, d);
    }
    return OL_FAIL(d, OL_E_INVAL, "unknown accessor kind %d", (int)acc->kind);
}

ol_err ol__ks_accessor_from_json(const json_t *v, ol_ks_accessor *out, ol_diag *d)
{
    ol_ks_accessor acc;
    memset(&acc, 0, sizeof acc);
    if (!json_is_object(v) || json_object_size(v) != 1)
        return OL_FAIL(d, OL_E_INVAL,
                       "accessor must be one of {\"Repo\":{...}}, {\"WasmHash\":{...}}, "
                       "{\"Project\":{...}}");
    const char *tag = json_object_iter_key(json_object_iter((json_t *)(uintptr_t)v));
    const json_t *body = json_object_get(v, tag);
    if (!json_is_object(body))
        return OL_FAIL(d, OL_E_INVAL, "accessor %.32s: the value must be an object", tag);
    ol_err rc;
    if (strcmp(tag, "Repo") == 0) {
        acc.kind = OL_KS_ACCESSOR_REPO;
        char raw[OL_KS_REPO_MAX + 64];
        if ((rc = ol__ks_json_str(body, "repo", "accessor Repo", false, raw, sizeof raw, d)) !=
            OL_OK)
            return rc;
        if ((rc = ol_ks_normalize_repo(raw, strlen(raw), acc.id, sizeof acc.id, d)) != OL_OK)
            return rc;
        const json_t *b = json_object_get(body, "branch");
        if (b != NULL && !json_is_null(b)) {
            if ((rc = ol__ks_json_str(body, "branch", "accessor Repo", false, acc.branch,
                                      sizeof acc.branch, d)) != OL_OK)
                return rc;
            acc.has_branch = true;
        }
    } else if (strcmp(tag, "WasmHash") == 0) {
        acc.kind = OL_KS_ACCESSOR_WASM_HASH;
        if ((rc = ol__ks_json_str(body, "hash", "accessor WasmHash", false, acc.id, 65, d)) !=
            OL_OK)
            return rc;
        for (char *p = acc.id; *p != '\0'; p++)
            *p = (char)tolower((unsigned char)*p);
    } else if (strcmp(tag, "Project") == 0) {
        acc.kind = OL_KS_ACCESSOR_PROJECT;
        if ((rc = ol__ks_json_str(body, "project_id", "accessor Project", false, acc.id,
                                  OL_KS_PROJECT_ID_MAX + 1, d)) != OL_OK)
            return rc;
    } else {
        return OL_FAIL(d, OL_E_INVAL, "unknown accessor '%.32s' (Repo, WasmHash or Project)", tag);
    }
    if ((rc = ol__ks_accessor_check(&acc, d)) != OL_OK)
        return rc;
    *out = acc;
    return OL_OK;
}

json_t *ol__ks_accessor_to_json(const ol_ks_accessor *acc)
{
    switch (acc->kind) {
    case OL_KS_ACCESSOR_REPO:
        return json_pack("{s:{s:s,s:s?}}", "Repo", "repo", acc->id, "branch",
                         acc->has_branch ? acc->branch : NULL);
    case OL_KS_ACCESSOR_WASM_HASH:
        return json_pack("{s:{s:s}}", "WasmHash", "hash", acc->id);
    case OL_KS_ACCESSOR_PROJECT:
        return json_pack("{s:{s:s}}", "Project", "project_id", acc->id);
    }
    return NULL;
}

ol_err ol_ks_accessor_parse(const char *json, size_t len, ol_ks_accessor *out, ol_diag *d)
{
    json_error_t je;
    json_t *v = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (v == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "accessor is not JSON: %s", je.text);
    ol_err rc = ol__ks_accessor_from_json(v, out, d);
    json_decref(v);
    return rc;
}

ol_err ol_ks_seed(const ol_ks_accessor *acc, const char *owner, char *out, size_t cap,
                  size_t *out_len, ol_diag *d)
{
    ol_err rc = ol__ks_accessor_check(acc, d);
    if (rc != OL_OK)
        return rc;
    if (owner == NULL || !ol__ks_account_ok(owner, strlen(owner)))
        return OL_FAIL(d, OL_E_INVAL, "owner '%.64s' is not a NEAR account id",
                       owner != NULL ? owner : "");
    int n = -1;
    switch (acc->kind) {
    case OL_KS_ACCESSOR_REPO:
        if (acc->has_branch)
            n = snprintf(out, cap, "%s:%s:%s", acc->id, owner, acc->branch);
        else
            n = snprintf(out, cap, "%s:%s", acc->id, owner);
        break;
    case OL_KS_ACCESSOR_WASM_HASH:
        n = snprintf(out, cap, "wasm_hash:%s:%s", acc->id, owner);
        break;
    case OL_KS_ACCESSOR_PROJECT:
        n = snprintf(out, cap, "project:%s:%s", acc->id, owner);
        break;
    }
    if (n < 0 || (size_t)n >= cap)
        return OL_FAIL(d, OL_E_RANGE, "seed does not fit %zu bytes", cap);
    if (out_len != NULL)
        *out_len = (size_t)n;
    return OL_OK;
}
