/* Tasks as the coordinator delivers them (docs/platform-protocol.md, GET /worker/poll), checked
 * field by field before anything runs, and the environment a run sees.
 *
 * The environment: the task's variables, then the limit variables (NEAR_MAX_*) written by the
 * worker from the limits it actually enforces, and, for an HTTPS run, every system name of the
 * reference (§4.6) the task did not set, with the reference's HTTPS value (chain values empty,
 * payments "0"; project variables stay absent when there is no project). The result is sorted
 * by name, one entry per name, so the same task always gives the guest the same environ bytes.
 * Values are never logged nor put in an error message: they may be secrets.
 *
 * Secrets (ol__wtask_add_secrets) join the environment after the keystore answered: never under
 * a reserved system name, never over a name the task already sets (the reference's
 * merge_env_vars removes every system name from the secrets first, then writes the system
 * values). Their entries are remembered so they can be wiped right after the run. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "worker_int.h"

/* The 26 reserved names of the reference (worker SYSTEM_ENV_VARS = keystore
 * RESERVED_SECRET_KEYS). */
const char *const ol__worker_system_env[] = {
    "NEAR_SENDER_ID",
    "NEAR_USER_ACCOUNT_ID",
    "NEAR_PREDECESSOR_ID",
    "NEAR_SIGNER_PUBLIC_KEY",
    "NEAR_NETWORK_ID",
    "OUTLAYER_EXECUTION_TYPE",
    "NEAR_REQUEST_ID",
    "OUTLAYER_CALL_ID",
    "NEAR_TRANSACTION_HASH",
    "NEAR_RECEIPT_ID",
    "NEAR_CONTRACT_ID",
    "NEAR_BLOCK_HEIGHT",
    "NEAR_BLOCK_TIMESTAMP",
    "NEAR_GAS_BURNT",
    "NEAR_PAYMENT_YOCTO",
    "ATTACHED_USD",
    "USD_PAYMENT",
    "NEAR_MAX_INSTRUCTIONS",
    "NEAR_MAX_MEMORY_MB",
    "NEAR_MAX_EXECUTION_SECONDS",
    "OUTLAYER_PROJECT_ID",
    "OUTLAYER_PROJECT_UUID",
    "OUTLAYER_PROJECT_NAME",
    "OUTLAYER_PROJECT_OWNER",
    "WALLET_ID",
    "NEAR_RPC_PROXY_AVAILABLE",
};
const size_t ol__worker_system_env_count =
    sizeof ol__worker_system_env / sizeof ol__worker_system_env[0];

/* HTTPS defaults for system names the coordinator did not send (reference §4.6). The chain
 * values are empty on this path; the project variables and WALLET_ID are absent rather than
 * empty when not given, as the reference does. */
static const struct {
    const char *name;
    const char *value;
} https_defaults[] = {
    {"NEAR_PREDECESSOR_ID", ""},   {"NEAR_SIGNER_PUBLIC_KEY", ""}, {"NEAR_REQUEST_ID", ""},
    {"NEAR_TRANSACTION_HASH", ""}, {"NEAR_RECEIPT_ID", ""},        {"NEAR_CONTRACT_ID", ""},
    {"NEAR_BLOCK_HEIGHT", ""},     {"NEAR_BLOCK_TIMESTAMP", ""},   {"NEAR_GAS_BURNT", ""},
    {"NEAR_PAYMENT_YOCTO", "0"},   {"ATTACHED_USD", "0"},          {"USD_PAYMENT", "0"},
};

void ol__worker_hex32(const uint8_t h[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[64] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* A required string field of 1..127 printable ASCII bytes (ids travel in URLs and logs). */
static ol_err get_id(json_t *o, const char *key, const char **out, ol_diag *d)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return OL_FAIL(d, OL_E_MALFORMED, "task: \"%s\" missing or not a string", key);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0 || len >= OL__WORKER_ID_MAX)
        return OL_FAIL(d, OL_E_MALFORMED, "task: \"%s\" must be 1..%d bytes", key,
                       OL__WORKER_ID_MAX - 1);
    for (size_t i = 0; i < len; i++) {
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return OL_FAIL(d, OL_E_MALFORMED, "task: \"%s\" has a byte outside printable ASCII",
                           key);
    }
    *out = s;
    return OL_OK;
}

static ol_err get_uint(json_t *o, const char *obj, const char *key, uint64_t min, uint64_t max,
                       bool required, uint64_t *out, ol_diag *d)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v)) {
        if (required)
            return OL_FAIL(d, OL_E_MALFORMED, "%s: \"%s\" missing", obj, key);
        return OL_OK; /* *out keeps its default */
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return OL_FAIL(d, OL_E_MALFORMED, "%s: \"%s\" is not a non-negative integer", obj, key);
    uint64_t x = (uint64_t)json_integer_value(v);
    if (x < min || x > max)
        return OL_FAIL(d, OL_E_RANGE, "%s: \"%s\" = %" PRIu64 " is outside %" PRIu64 "..%" PRIu64,
                       obj, key, x, min, max);
    *out = x;
    return OL_OK;
}

static bool valid_env_name(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '=' || s[i] == '\0')
            return false;
    }
    return true;
}

static int cmp_env(const void *a, const void *b)
{
    const char *x = *(const char *const *)a;
    const char *y = *(const char *const *)b;
    /* Compare the names only (up to '='); names are unique after building. */
    for (;; x++, y++) {
        unsigned char cx = *x == '=' ? 0 : (unsigned char)*x;
        unsigned char cy = *y == '=' ? 0 : (unsigned char)*y;
        if (cx != cy || cx == 0)
            return (cx > cy) - (cx < cy);
    }
}

static bool env_has(char **env, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
            return true;
    }
    return false;
}

static char *env_entry(const char *name, size_t nlen, const char *value, size_t vlen)
{
    char *e = malloc(nlen + vlen + 2);
    if (e == NULL)
        return NULL;
    memcpy(e, name, nlen);
    e[nlen] = '=';
    memcpy(e + nlen + 1, value, vlen);
    e[nlen + 1 + vlen] = '\0';
    return e;
}

static ol_err build_env(ol__wtask *t, json_t *env, ol_diag *d)
{
    size_t n_in = env != NULL ? json_object_size(env) : 0;
    size_t cap = n_in + ol__worker_system_env_count + 1;
    char **v = calloc(cap, sizeof *v);
    size_t n = 0;
    ol_err rc = OL_OK;
    if (v == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "task environment");
    static const char *const limit_names[] = {"NEAR_MAX_INSTRUCTIONS", "NEAR_MAX_MEMORY_MB",
                                              "NEAR_MAX_EXECUTION_SECONDS"};
    bool https = false;
    if (env != NULL) {
        const char *key;
        json_t *val;
        json_object_foreach(env, key, val)
        {
            size_t klen = strlen(key);
            if (!valid_env_name(key, klen)) {
                rc = OL_FAIL(d, OL_E_MALFORMED, "task: env has an empty name or one with '='");
                goto out;
            }
            if (!json_is_string(val)) {
                rc = OL_FAIL(d, OL_E_MALFORMED, "task: env \"%s\" is not a string", key);
                goto out;
            }
            const char *s = json_string_value(val);
            size_t slen = json_string_length(val);
            if (memchr(s, '\0', slen) != NULL) {
                rc = OL_FAIL(d, OL_E_MALFORMED, "task: env \"%s\" contains NUL", key);
                goto out;
            }
            bool is_limit = false;
            for (size_t i = 0; i < 3; i++)
                is_limit |= strcmp(key, limit_names[i]) == 0;
            if (is_limit)
                continue; /* the worker writes these from the limits it enforces */
            if (strcmp(key, "OUTLAYER_EXECUTION_TYPE") == 0 && strcmp(s, "HTTPS") == 0)
                https = true;
            if ((v[n] = env_entry(key, klen, s, slen)) == NULL) {
                rc = OL_FAIL(d, OL_E_NOMEM, "task environment");
                goto out;
            }
            n++;
        }
    }
    char num[32];
    uint64_t limits[3] = {t->max_instructions, t->max_memory_mb,
                          (t->max_execution_ms + 999) / 1000};
    for (size_t i = 0; i < 3; i++) {
        int len = snprintf(num, sizeof num, "%" PRIu64, limits[i]);
        if ((v[n] = env_entry(limit_names[i], strlen(limit_names[i]), num, (size_t)len)) == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "task environment");
            goto out;
        }
        n++;
    }
    if (https) {
        for (size_t i = 0; i < sizeof https_defaults / sizeof https_defaults[0]; i++) {
            if (env_has(v, n, https_defaults[i].name))
                continue;
            OL_ASSERT(n < cap);
            v[n] = env_entry(https_defaults[i].name, strlen(https_defaults[i].name),
                             https_defaults[i].value, strlen(https_defaults[i].value));
            if (v[n] == NULL) {
                rc = OL_FAIL(d, OL_E_NOMEM, "task environment");
                goto out;
            }
            n++;
        }
    }
    qsort(v, n, sizeof *v, cmp_env);
    t->env = v;
    t->nenv = n;
    v = NULL;
out:
    if (v != NULL) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
    }
    return rc;
}

ol_err ol__wtask_parse(const char *body, size_t len, ol__wtask *t, ol_diag *d)
{
    json_error_t je;
    ol_err rc = OL_OK;
    ol__wtask x;
    memset(&x, 0, sizeof x);
    x.root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (x.root == NULL) {
        /* jansson quotes the text "near" the error, which may be an env value: cut it. */
        char *near = strstr(je.text, " near ");
        if (near != NULL)
            *near = '\0';
        return OL_FAIL(d, OL_E_MALFORMED, "task: not JSON (%s at byte %d)", je.text, je.position);
    }
    if (!json_is_object(x.root)) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "task: not a JSON object");
        goto out;
    }
    if ((rc = get_id(x.root, "task_id", &x.task_id, d)) != OL_OK ||
        (rc = get_id(x.root, "call_id", &x.call_id, d)) != OL_OK ||
        (rc = get_id(x.root, "project_id", &x.project_id, d)) != OL_OK)
        goto out;

    uint64_t u = 0;
    if ((rc = get_uint(x.root, "task", "attempt", 1, UINT32_MAX, true, &u, d)) != OL_OK)
        goto out;
    x.attempt = (uint32_t)u;
    if ((rc = get_uint(x.root, "task", "lease_ms", 100, 3600000, true, &u, d)) != OL_OK)
        goto out;
    x.lease_ms = (uint32_t)u;

    const char *vk = NULL;
    if ((rc = get_id(x.root, "version_key", &vk, d)) != OL_OK)
        goto out;
    if (strlen(vk) != 64) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "task: \"version_key\" is not 64 hex digits");
        goto out;
    }
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(vk[2 * i]), lo = hexval(vk[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            rc = OL_FAIL(d, OL_E_MALFORMED, "task: \"version_key\" is not lowercase hex");
            goto out;
        }
        x.wasm_sha256[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(x.version_key, vk, 65);

    json_t *in = json_object_get(x.root, "input_base64");
    if (!json_is_string(in)) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "task: \"input_base64\" missing or not a string");
        goto out;
    }
    size_t b64len = json_string_length(in);
    size_t max = ol_near_base64_decoded_max(b64len);
    if ((x.input = malloc(max > 0 ? max : 1)) == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "task input (%zu bytes)", max);
        goto out;
    }
    if (ol_near_base64_decode(json_string_value(in), b64len, x.input, max, &x.input_len, NULL) !=
        OL_OK) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "task: \"input_base64\" is not canonical base64");
        goto out;
    }

    json_t *lim = json_object_get(x.root, "limits");
    if (!json_is_object(lim)) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "task: \"limits\" missing or not an object");
        goto out;
    }
    x.max_instructions = OL_WASI_DEFAULT_MAX_INSTRUCTIONS;
    if ((rc = get_uint(lim, "limits", "max_instructions", 1, UINT64_MAX >> 1, false,
                       &x.max_instructions, d)) != OL_OK)
        goto out;
    u = OL_WASI_DEFAULT_MAX_MEMORY_MB;
    if ((rc = get_uint(lim, "limits", "max_memory_mb", 1, OL_WASI_MAX_MEMORY_MB, false, &u, d)) !=
        OL_OK)
        goto out;
    x.max_memory_mb = (uint32_t)u;
    u = OL_WASI_DEFAULT_TIMEOUT_MS;
    if ((rc = get_uint(lim, "limits", "max_execution_ms", 1, 3600000, false, &u, d)) != OL_OK)
        goto out;
    x.max_execution_ms = (uint32_t)u;
    u = OL_WASI_DEFAULT_MAX_OUTPUT;
    if ((rc = get_uint(lim, "limits", "max_output_bytes", 1, (uint64_t)64 << 20, false, &u, d)) !=
        OL_OK)
        goto out;
    x.max_output_bytes = (size_t)u;

    json_t *env = json_object_get(x.root, "env");
    if (env != NULL && !json_is_null(env) && !json_is_object(env)) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "task: \"env\" is not an object");
        goto out;
    }
    if ((rc = build_env(&x, json_is_object(env) ? env : NULL, d)) != OL_OK)
        goto out;

    /* "secrets": what the worker presents to the keystore; its contents are checked there. */
    json_t *sec = json_object_get(x.root, "secrets");
    if (sec != NULL && !json_is_null(sec)) {
        json_t *ct = json_object_get(sec, "ciphertext");
        json_t *acc = json_object_get(sec, "access");
        if (!json_is_object(sec) || !json_is_object(json_object_get(sec, "grant")) ||
            !json_is_string(ct) || json_string_length(ct) == 0 || acc == NULL ||
            json_is_null(acc)) {
            rc = OL_FAIL(d, OL_E_MALFORMED,
                         "task: \"secrets\" must be {\"grant\": {...}, \"ciphertext\": "
                         "\"<base64>\", \"access\": <condition>}");
            goto out;
        }
        x.secrets = sec;
    }
    *t = x;
    memset(&x, 0, sizeof x);
out:
    ol__wtask_fini(&x);
    return rc;
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (char *const *)a;
    uintptr_t y = (uintptr_t) * (char *const *)b;
    return (x > y) - (x < y);
}

static bool reserved_name(const char *name, size_t len)
{
    for (size_t i = 0; i < ol__worker_system_env_count; i++) {
        if (strlen(ol__worker_system_env[i]) == len &&
            memcmp(ol__worker_system_env[i], name, len) == 0)
            return true;
    }
    return false;
}

/* True when env (sorted by name) has an entry named name[0..len). */
static bool env_has_n(char **env, size_t n, const char *name, size_t len)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *e = env[mid];
        const char *eq = strchr(e, '=');
        size_t el = eq != NULL ? (size_t)(eq - e) : strlen(e);
        size_t m = el < len ? el : len;
        int c = memcmp(e, name, m);
        if (c == 0)
            c = (el > len) - (el < len);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

ol_err ol__wtask_add_secrets(ol__wtask *t, const json_t *secrets, size_t *dropped, ol_diag *d)
{
    if (!json_is_object(secrets))
        return OL_FAIL(d, OL_E_MALFORMED, "secrets: not a JSON object");
    size_t n = json_object_size(secrets);
    size_t skipped = 0;
    /* Check everything first, so that a bad document adds nothing. */
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)(uintptr_t)secrets, key, val)
    {
        if (!valid_env_name(key, strlen(key)))
            return OL_FAIL(d, OL_E_MALFORMED, "secrets: a name is empty or contains '='");
        if (!json_is_string(val))
            return OL_FAIL(d, OL_E_MALFORMED, "secrets: a value is not a string");
        if (memchr(json_string_value(val), '\0', json_string_length(val)) != NULL)
            return OL_FAIL(d, OL_E_MALFORMED, "secrets: a value contains NUL");
    }
    char **env = calloc(t->nenv + n + 1, sizeof *env);
    char **added = calloc(t->nsecret_env + n + 1, sizeof *added);
    size_t na = 0;
    if (env == NULL || added == NULL) {
        free(env);
        free(added);
        return OL_FAIL(d, OL_E_NOMEM, "secrets environment");
    }
    json_object_foreach((json_t *)(uintptr_t)secrets, key, val)
    {
        size_t klen = strlen(key);
        /* System values always win; so does anything the task itself sets. */
        if (reserved_name(key, klen) || env_has_n(t->env, t->nenv, key, klen)) {
            skipped++;
            continue;
        }
        char *e = env_entry(key, klen, json_string_value(val), json_string_length(val));
        if (e == NULL) {
            for (size_t i = 0; i < na; i++) {
                sodium_memzero(added[i], strlen(added[i]));
                free(added[i]);
            }
            free(env);
            free(added);
            return OL_FAIL(d, OL_E_NOMEM, "secrets environment");
        }
        added[na++] = e;
    }
    memcpy(env, t->env, t->nenv * sizeof *env);
    memcpy(env + t->nenv, added, na * sizeof *env);
    size_t total = t->nenv + na;
    qsort(env, total, sizeof *env, cmp_env);
    if (t->nsecret_env > 0)
        memcpy(added + na, t->secret_env, t->nsecret_env * sizeof *added);
    qsort(added, na + t->nsecret_env, sizeof *added, cmp_ptr);
    free(t->env);
    free(t->secret_env);
    t->env = env;
    t->nenv = total;
    t->secret_env = added;
    t->nsecret_env += na;
    if (dropped != NULL)
        *dropped = skipped;
    return OL_OK;
}

void ol__wtask_drop_secrets(ol__wtask *t)
{
    if (t->nsecret_env == 0)
        return;
    size_t o = 0;
    for (size_t i = 0; i < t->nenv; i++) {
        char *e = t->env[i];
        if (bsearch(&e, t->secret_env, t->nsecret_env, sizeof *t->secret_env, cmp_ptr) != NULL) {
            sodium_memzero(e, strlen(e));
            free(e);
            continue;
        }
        t->env[o++] = e;
    }
    t->nenv = o;
    free(t->secret_env);
    t->secret_env = NULL;
    t->nsecret_env = 0;
}

void ol__wtask_fini(ol__wtask *t)
{
    if (t->env != NULL) {
        for (size_t i = 0; i < t->nenv; i++) {
            /* Values may be secrets. */
            sodium_memzero(t->env[i], strlen(t->env[i]));
            free(t->env[i]);
        }
        free(t->env);
    }
    free(t->secret_env); /* its entries were in env */
    free(t->input);
    if (t->root != NULL)
        json_decref(t->root);
    memset(t, 0, sizeof *t);
}

void ol__wtask_wasi_config(const ol__wtask *t, ol_wasi_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->input = t->input;
    cfg->input_len = t->input_len;
    cfg->env = (const char *const *)t->env;
    cfg->nenv = t->nenv;
    cfg->max_instructions = t->max_instructions;
    cfg->max_memory_mb = t->max_memory_mb;
    cfg->timeout_ms = t->max_execution_ms;
    cfg->max_output_bytes = t->max_output_bytes;
    cfg->max_transcript_bytes = OL__WORKER_MAX_TRANSCRIPT;
    cfg->source = OL_WASI_SOURCE_LIVE;
    cfg->record = true;
}

ol_err ol_worker_replay(const uint8_t *wasm, size_t wasm_len, const char *task_json,
                        size_t task_len, const uint8_t *transcript, size_t transcript_len,
                        ol_wasi_result **out, ol_diag *d)
{
    ol__wtask t;
    ol_wasi_config cfg;
    ol_err rc = ol__wtask_parse(task_json, task_len, &t, d);
    if (rc != OL_OK)
        return rc;
    ol__wtask_wasi_config(&t, &cfg);
    cfg.source = OL_WASI_SOURCE_REPLAY;
    cfg.record = false;
    cfg.transcript = transcript;
    cfg.transcript_len = transcript_len;
    /* The recording is bounded by the worker's cap; a replay accepts what a worker can send. */
    cfg.max_transcript_bytes = OL__WORKER_MAX_TRANSCRIPT;
    /* Another machine may be slower: the wall clock only decides runs that ended by it, and
     * those cannot be replayed exactly anyway. */
    uint64_t slack = (uint64_t)cfg.timeout_ms * 4;
    cfg.timeout_ms = slack < 60000 ? 60000u : slack > 600000 ? 600000u : (uint32_t)slack;
    rc = ol_wasi_run(wasm, wasm_len, &cfg, out, d);
    ol__wtask_fini(&t);
    return rc;
}
