/* Secrets documents: validation (reserved names, PROTECTED_ prefix, directive syntax) and the
 * expansion of generate_outlayer_secret:KIND directives into fresh PROTECTED_ values.
 *
 * Every buffer that held a value is wiped before it is freed. jansson keeps its own copies of
 * strings; those are wiped through a wiping free function installed for the duration of the
 * expansion (see wipe_json()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <malloc.h>
#include <sodium.h>

#include "ks_int.h"

const char *const ol_ks_reserved_names[] = {
    "NEAR_SENDER_ID",
    "NEAR_CONTRACT_ID",
    "NEAR_BLOCK_HEIGHT",
    "NEAR_BLOCK_TIMESTAMP",
    "NEAR_RECEIPT_ID",
    "NEAR_PREDECESSOR_ID",
    "NEAR_SIGNER_PUBLIC_KEY",
    "NEAR_GAS_BURNT",
    "NEAR_USER_ACCOUNT_ID",
    "NEAR_PAYMENT_YOCTO",
    "NEAR_TRANSACTION_HASH",
    "NEAR_MAX_INSTRUCTIONS",
    "NEAR_MAX_MEMORY_MB",
    "NEAR_MAX_EXECUTION_SECONDS",
    "NEAR_REQUEST_ID",
    "NEAR_NETWORK_ID",
    "OUTLAYER_PROJECT_ID",
    "OUTLAYER_PROJECT_UUID",
    "OUTLAYER_EXECUTION_TYPE",
    "OUTLAYER_CALL_ID",
    "OUTLAYER_PROJECT_NAME",
    "OUTLAYER_PROJECT_OWNER",
    "ATTACHED_USD",
    "USD_PAYMENT",
    "WALLET_ID",
    "NEAR_RPC_PROXY_AVAILABLE",
};
const size_t ol_ks_reserved_count = sizeof ol_ks_reserved_names / sizeof ol_ks_reserved_names[0];

bool ol_ks_is_reserved_name(const char *name, size_t len)
{
    for (size_t i = 0; i < ol_ks_reserved_count; i++) {
        if (strlen(ol_ks_reserved_names[i]) == len &&
            memcmp(ol_ks_reserved_names[i], name, len) == 0)
            return true;
    }
    return false;
}

#define NAME_MAX_LEN 256

typedef enum gen_kind {
    GEN_HEX16,
    GEN_HEX32,
    GEN_HEX64,
    GEN_ED25519,
    GEN_ED25519_SEED,
    GEN_PASSWORD
} gen_kind;

/* Parses the part after the prefix: hex16 | hex32 | hex64 | ed25519 | ed25519_seed |
 * password[:N] (1 <= N <= OL_KS_PASSWORD_MAX, default 32). The directive is not a secret. */
static ol_err parse_directive(const char *name, const char *spec, size_t len, gen_kind *kind,
                              size_t *plen, ol_diag *d)
{
    static const struct {
        const char *s;
        gen_kind k;
    } kinds[] = {{"hex16", GEN_HEX16},
                 {"hex32", GEN_HEX32},
                 {"hex64", GEN_HEX64},
                 {"ed25519", GEN_ED25519},
                 {"ed25519_seed", GEN_ED25519_SEED}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strlen(kinds[i].s) == len && memcmp(kinds[i].s, spec, len) == 0) {
            *kind = kinds[i].k;
            *plen = 0;
            return OL_OK;
        }
    }
    if (len >= 8 && memcmp(spec, "password", 8) == 0) {
        size_t n = 32;
        if (len > 8) {
            if (spec[8] != ':' || len == 9 || len > 9 + 4)
                goto bad;
            n = 0;
            for (size_t i = 9; i < len; i++) {
                if (spec[i] < '0' || spec[i] > '9')
                    goto bad;
                n = n * 10 + (size_t)(spec[i] - '0');
            }
            if (n < 1 || n > OL_KS_PASSWORD_MAX)
                return OL_FAIL(d, OL_E_INVAL, "secret '%.64s': password length must be 1..%d", name,
                               OL_KS_PASSWORD_MAX);
        }
        *kind = GEN_PASSWORD;
        *plen = n;
        return OL_OK;
    }
bad:
    return OL_FAIL(d, OL_E_INVAL,
                   "secret '%.64s': unknown generation directive '%.40s' (hex16, hex32, hex64, "
                   "ed25519, ed25519_seed, password[:N])",
                   name, spec);
}

static bool is_directive(const char *v, size_t n)
{
    size_t pl = sizeof OL_KS_GENERATE_PREFIX - 1;
    return n >= pl && memcmp(v, OL_KS_GENERATE_PREFIX, pl) == 0;
}

ol_err ol__ks_secrets_check(const json_t *v, unsigned flags, ol_diag *d)
{
    if (!json_is_object(v))
        return OL_FAIL(d, OL_E_INVAL, "secrets must be a JSON object of string values");
    size_t directives = 0;
    const char *name;
    const json_t *val;
    json_object_foreach((json_t *)(uintptr_t)v, name, val)
    {
        size_t nl = strlen(name);
        if (nl == 0 || nl > NAME_MAX_LEN)
            return OL_FAIL(d, OL_E_INVAL, "secret names must have 1..%d bytes", NAME_MAX_LEN);
        for (size_t i = 0; i < nl; i++) {
            unsigned char c = (unsigned char)name[i];
            if (c < 0x20 || c == 0x7f || c == '=')
                return OL_FAIL(d, OL_E_INVAL,
                               "secret name '%.64s' contains '=' or a control character", name);
        }
        if (ol_ks_is_reserved_name(name, nl))
            return OL_FAIL(d, OL_E_INVAL,
                           "secret name '%s' is reserved: the platform sets it for every run",
                           name);
        bool protected_name =
            strncmp(name, OL_KS_PROTECTED_PREFIX, sizeof OL_KS_PROTECTED_PREFIX - 1) == 0;
        if (protected_name && !(flags & OL_KS_SECRETS_ALLOW_PROTECTED))
            return OL_FAIL(d, OL_E_INVAL,
                           "secret name '%.64s': the PROTECTED_ prefix is reserved for values "
                           "the keystore generates",
                           name);
        if (!json_is_string(val))
            return OL_FAIL(d, OL_E_INVAL, "secret '%.64s': the value must be a string", name);
        const char *s = json_string_value(val);
        size_t sl = json_string_length(val);
        if (strlen(s) != sl)
            return OL_FAIL(d, OL_E_INVAL, "secret '%.64s': the value contains a NUL character",
                           name);
        if (is_directive(s, sl) && !protected_name) {
            if (!(flags & OL_KS_SECRETS_ALLOW_DIRECTIVES))
                return OL_FAIL(d, OL_E_INVAL,
                               "secret '%.64s': generation directives are expanded only by the "
                               "keystore",
                               name);
            gen_kind k;
            size_t pl;
            size_t pre = sizeof OL_KS_GENERATE_PREFIX - 1;
            ol_err rc = parse_directive(name, s + pre, sl - pre, &k, &pl, d);
            if (rc != OL_OK)
                return rc;
            if (++directives > OL_KS_GENERATED_MAX)
                return OL_FAIL(d, OL_E_LIMIT, "at most %d generated secrets per request",
                               OL_KS_GENERATED_MAX);
            if (nl + sizeof OL_KS_PROTECTED_PREFIX - 1 > NAME_MAX_LEN)
                return OL_FAIL(d, OL_E_INVAL,
                               "secret name '%.64s' is too long for its PROTECTED_ form", name);
        }
    }
    return OL_OK;
}

ol_err ol_ks_secrets_validate(const char *json, size_t len, unsigned flags, ol_diag *d)
{
    json_error_t je;
    json_t *v = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (v == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "secrets are not JSON (line %d column %d)", je.line,
                       je.column);
    ol_err rc = ol__ks_secrets_check(v, flags, d);
    json_decref(v);
    return rc;
}

/* ================================ generated secrets ================================ */

static void hex_random(char *out, size_t nbytes)
{
    static const char hexd[] = "0123456789abcdef";
    uint8_t b[64];
    randombytes_buf(b, nbytes);
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hexd[b[i] >> 4];
        out[2 * i + 1] = hexd[b[i] & 15];
    }
    out[2 * nbytes] = '\0';
    sodium_memzero(b, sizeof b);
}

/* A fresh value into out (cap >= OL_KS_PASSWORD_MAX + 1). */
static ol_err generate(gen_kind k, size_t plen, char *out, ol_diag *d)
{
    switch (k) {
    case GEN_HEX16:
        hex_random(out, 16);
        return OL_OK;
    case GEN_HEX32:
    case GEN_ED25519_SEED:
        hex_random(out, 32);
        return OL_OK;
    case GEN_HEX64:
        hex_random(out, 64);
        return OL_OK;
    case GEN_ED25519: {
        /* The reference's form: "ed25519:" + base58 of the 32-byte secret (seed). */
        uint8_t seed[32];
        randombytes_buf(seed, sizeof seed);
        memcpy(out, "ed25519:", 8);
        size_t n = 0;
        ol_err rc =
            ol_near_base58_encode(seed, sizeof seed, out + 8, OL_KS_PASSWORD_MAX - 8, &n, d);
        sodium_memzero(seed, sizeof seed);
        return rc;
    }
    case GEN_PASSWORD: {
        static const char cs[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for (size_t i = 0; i < plen; i++)
            out[i] = cs[randombytes_uniform((uint32_t)(sizeof cs - 1))];
        out[plen] = '\0';
        return OL_OK;
    }
    }
    return OL_FAIL(d, OL_E_INTERNAL, "generation kind %d", (int)k);
}

/* Wipes every string of a parsed document in place (jansson owns them; their bytes are ours
 * to overwrite before json_decref frees them). */
static void wipe_json(json_t *v)
{
    if (v == NULL)
        return;
    const char *k;
    json_t *val;
    json_object_foreach(v, k, val)
    {
        if (json_is_string(val)) {
            /* json_string_value points at jansson's own buffer. */
            char *s = (char *)(uintptr_t)json_string_value(val);
            sodium_memzero(s, json_string_length(val));
        }
    }
}

/* jansson frees through this while ol_ks_json_wipe_on_free() is in effect. */
static void *wiping_malloc(size_t n)
{
    return malloc(n);
}

static void wiping_free(void *p)
{
    if (p != NULL) {
        sodium_memzero(p, malloc_usable_size(p));
        free(p);
    }
}

void ol_ks_json_wipe_on_free(void)
{
    json_set_alloc_funcs(wiping_malloc, wiping_free);
}

static ol_err names_add(json_t *arr, const char *name, ol_diag *d)
{
    if (arr != NULL && json_array_append_new(arr, json_string(name)) != 0)
        return OL_FAIL(d, OL_E_NOMEM, "names");
    return OL_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static void sort_names(json_t *arr)
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return;
    json_t **items = malloc(n * sizeof *items);
    if (items == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        items[i] = json_incref(json_array_get(arr, i));
    qsort(items, n, sizeof *items, cmp_str);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, items[i]);
    free(items);
}

ol_err ol_ks_secrets_expand(const char *json, size_t len, const char *keep, size_t keep_len,
                            bool replace, char **out, size_t *out_len, char **names, ol_diag *d)
{
    ol_err rc = OL_OK;
    json_error_t je;
    json_t *in = NULL, *old = NULL, *res = NULL, *nm = NULL;
    char *value = NULL;
    char *text = NULL;
    size_t text_cap = 0;
    char *name_buf = NULL;
    const size_t vcap = OL_KS_PASSWORD_MAX + 1;

    in = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (in == NULL) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "secrets are not JSON (line %d column %d)", je.line,
                     je.column);
        goto out;
    }
    if ((rc = ol__ks_secrets_check(in, OL_KS_SECRETS_ALLOW_DIRECTIVES, d)) != OL_OK)
        goto out;
    if (keep != NULL) {
        old = json_loadb(keep, keep_len, JSON_REJECT_DUPLICATES, &je);
        if (old == NULL || ol__ks_secrets_check(
                               old, OL_KS_SECRETS_ALLOW_PROTECTED | OL_KS_SECRETS_ALLOW_DIRECTIVES,
                               NULL) != OL_OK) {
            rc = OL_FAIL(d, OL_E_INVAL, "the previous secrets are not a valid secrets object");
            goto out;
        }
    }
    res = json_object();
    nm = json_pack("{s:[],s:[],s:[]}", "keys", "generated", "preserved");
    value = sodium_malloc(vcap);
    name_buf = malloc(NAME_MAX_LEN + 1);
    if (res == NULL || nm == NULL || value == NULL || name_buf == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "secrets expansion");
        goto out;
    }
    const char *k;
    json_t *v;
    /* 1. Previous PROTECTED_ values. */
    if (old != NULL) {
        json_object_foreach(old, k, v)
        {
            if (strncmp(k, OL_KS_PROTECTED_PREFIX, sizeof OL_KS_PROTECTED_PREFIX - 1) != 0)
                continue;
            if (json_object_set_new(res, k, json_string(json_string_value(v))) != 0) {
                rc = OL_FAIL(d, OL_E_NOMEM, "secrets expansion");
                goto out;
            }
            if ((rc = names_add(json_object_get(nm, "preserved"), k, d)) != OL_OK)
                goto out;
        }
    }
    /* 2. The new document: plain values as given, directives generated. */
    json_object_foreach(in, k, v)
    {
        const char *s = json_string_value(v);
        size_t sl = json_string_length(v);
        if (!is_directive(s, sl)) {
            if (json_object_set_new(res, k, json_string(s)) != 0) {
                rc = OL_FAIL(d, OL_E_NOMEM, "secrets expansion");
                goto out;
            }
            continue;
        }
        gen_kind kind;
        size_t plen;
        size_t pre = sizeof OL_KS_GENERATE_PREFIX - 1;
        if ((rc = parse_directive(k, s + pre, sl - pre, &kind, &plen, d)) != OL_OK)
            goto out;
        snprintf(name_buf, NAME_MAX_LEN + 1, "%s%s", OL_KS_PROTECTED_PREFIX, k);
        if (json_object_get(res, name_buf) != NULL) {
            bool preserved = old != NULL && json_object_get(old, name_buf) != NULL;
            if (!(preserved && replace)) {
                rc = OL_FAIL(d, OL_E_EXISTS,
                             "secret '%s' already exists; replacing a PROTECTED_ value must be "
                             "asked for explicitly",
                             name_buf);
                goto out;
            }
            /* Replaced: no longer "preserved". */
            json_t *pa = json_object_get(nm, "preserved");
            for (size_t i = 0; i < json_array_size(pa); i++) {
                if (strcmp(json_string_value(json_array_get(pa, i)), name_buf) == 0) {
                    json_array_remove(pa, i);
                    break;
                }
            }
        }
        if ((rc = generate(kind, plen, value, d)) != OL_OK)
            goto out;
        int r = json_object_set_new(res, name_buf, json_string(value));
        sodium_memzero(value, vcap);
        if (r != 0) {
            rc = OL_FAIL(d, OL_E_NOMEM, "secrets expansion");
            goto out;
        }
        if ((rc = names_add(json_object_get(nm, "generated"), name_buf, d)) != OL_OK)
            goto out;
    }
    json_object_foreach(res, k, v)
    {
        if ((rc = names_add(json_object_get(nm, "keys"), k, d)) != OL_OK)
            goto out;
    }
    sort_names(json_object_get(nm, "keys"));
    sort_names(json_object_get(nm, "generated"));
    sort_names(json_object_get(nm, "preserved"));
    size_t n = json_dumpb(res, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
    text = malloc(n + 1);
    text_cap = text != NULL ? n + 1 : 0;
    if (text == NULL || json_dumpb(res, text, n, JSON_COMPACT | JSON_SORT_KEYS) != n) {
        rc = OL_FAIL(d, OL_E_NOMEM, "secrets expansion");
        goto out;
    }
    text[n] = '\0';
    if (names != NULL) {
        *names = json_dumps(nm, JSON_COMPACT);
        if (*names == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "secrets expansion");
            goto out;
        }
    }
    *out = text;
    *out_len = n;
    text = NULL;
out:
    ol_ks_wipe_free(text, text_cap);
    wipe_json(in);
    wipe_json(old);
    wipe_json(res);
    json_decref(in);
    json_decref(old);
    json_decref(res);
    json_decref(nm);
    if (value != NULL) {
        sodium_memzero(value, vcap);
        sodium_free(value);
    }
    free(name_buf);
    return rc;
}
