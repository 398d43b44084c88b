/* The client commands against a coordinator (docs/api.md): `outlayer project`, `keys`, `call`
 * and `verify`, plus the small HTTP helper they and `outlayer dev` share.
 *
 * Every command reads the coordinator's URL from --url or OUTLAYER_URL and the admin token from
 * --admin-token or OUTLAYER_ADMIN_TOKEN (`outlayer dev` writes both to DATA_DIR/dev.env).
 * Responses are printed as JSON on stdout; errors go to stderr as `outlayer: ...` with the
 * coordinator's error code. Exit status: 0 success, 1 failure (HTTP error, failed call, failed
 * verification), 2 usage.
 *
 * `outlayer verify CALL_ID` trusts nothing the coordinator says: it checks the evidence
 * signature, that the record's hashes are those of the stored module, input, output and
 * transcript, that the signing key is the one the worker registered, and then replays the run
 * with the local engine (ol_worker_replay: the worker's own environment and limits rules, the
 * stored transcript) and compares the output hash and the instruction count bit for bit. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "cmd.h"
#include "ol/config.h"
#include "ol/coord.h"
#include "ol/worker.h"

/* ---- shared helpers ---------------------------------------------------------------------- */

#define HTTP_MAX_RESP ((size_t)256 << 20)

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    ol_cmd_http_resp *r = ud;
    size_t len = size * n;
    if (len > HTTP_MAX_RESP - r->len)
        return 0;
    char *np = realloc(r->body, r->len + len + 1);
    if (np == NULL)
        return 0;
    r->body = np;
    memcpy(r->body + r->len, p, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

bool ol_cmd_http(const char *base, const char *method, const char *path, const char *const *headers,
                 const void *body, size_t body_len, const char *content_type, long timeout_ms,
                 long *status, ol_cmd_http_resp *resp)
{
    static bool inited;
    char *url = NULL;
    struct curl_slist *hl = NULL;
    bool ok = false;
    CURL *c = NULL;
    resp->err[0] = '\0';
    if (!inited) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(resp->err, sizeof resp->err, "curl_global_init failed");
            return false;
        }
        inited = true;
    }
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    size_t ulen = blen + strlen(path) + 1;
    if ((url = malloc(ulen)) == NULL || (c = curl_easy_init()) == NULL) {
        snprintf(resp->err, sizeof resp->err, "out of memory");
        goto out;
    }
    snprintf(url, ulen, "%.*s%s", (int)blen, base, path);
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        struct curl_slist *nl = curl_slist_append(hl, headers[i]);
        if (nl == NULL)
            goto out;
        hl = nl;
    }
    char ct[128];
    snprintf(ct, sizeof ct, "Content-Type: %s",
             content_type != NULL ? content_type : "application/json");
    struct curl_slist *nl = curl_slist_append(hl, ct);
    if (nl == NULL || (nl = curl_slist_append(nl, "Expect:")) == NULL)
        goto out;
    hl = nl;
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    if (strcmp(method, body != NULL ? "POST" : "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        snprintf(resp->err, sizeof resp->err, "%s %s: %s", method, url,
                 errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    ok = true;
out:
    if (c != NULL)
        curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    free(url);
    return ok;
}

void ol_cmd_http_resp_free(ol_cmd_http_resp *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

/* ---- options ------------------------------------------------------------------------------ */

typedef struct client_opts {
    char *url;
    char *admin_token;
    char *key;
    char *wasm;
    bool activate;
    char *balance;
    char *projects;
    char *max_per_call;
    uint64_t nonce;
    char *input;
    char *input_file;
    bool async;
    char *compute_limit;
    char *deposit;
    char *version_key;
    uint64_t max_instructions;
    uint64_t max_memory_mb;
    uint64_t max_execution_seconds;
    char *secrets_profile;
    char *secrets_owner;
    uint64_t timeout_ms;
    bool json;
    char *evidence;
} client_opts;

#define C(field) offsetof(client_opts, field)
#define OPT_URL                                                                                    \
    {                                                                                              \
        "url", OL_OPT_STR, "http://127.0.0.1:8080", 0, 0, "OUTLAYER_URL", "the coordinator's URL", \
            C(url), 0                                                                              \
    }
#define OPT_ADMIN                                                                              \
    {                                                                                          \
        "admin-token", OL_OPT_STR, "", 0, 0, "OUTLAYER_ADMIN_TOKEN", "the admin bearer token", \
            C(admin_token), OL_OPT_SECRET                                                      \
    }
#define OPT_TIMEOUT                                                                     \
    {                                                                                   \
        "timeout-ms", OL_OPT_U64, "330000", 100, 3600000, "OUTLAYER_CLIENT_TIMEOUT_MS", \
            "request timeout", C(timeout_ms), 0                                         \
    }

static const ol_opt project_opt_list[] = {
    OPT_URL,
    OPT_ADMIN,
    OPT_TIMEOUT,
    {"wasm", OL_OPT_STR, NULL, 0, 0, NULL, "the module to upload (create, upload)", C(wasm), 0},
    {"activate", OL_OPT_BOOL, "false", 0, 0, NULL, "upload: make the new version active",
     C(activate), 0},
};

static const ol_opt keys_opt_list[] = {
    OPT_URL,
    OPT_ADMIN,
    OPT_TIMEOUT,
    {"balance", OL_OPT_STR, NULL, 0, 0, NULL, "create: initial balance, micro-USD", C(balance), 0},
    {"projects", OL_OPT_STR, "", 0, 0, NULL,
     "create: allowed projects, comma-separated owner/name or owner/* (default: any)", C(projects),
     0},
    {"max-per-call", OL_OPT_STR, "0", 0, 0, NULL,
     "create: bound on compute limit + deposit per call, micro-USD (0: none)", C(max_per_call), 0},
    {"nonce", OL_OPT_U64, "0", 0, 2147483647, NULL, "create: the key's nonce (0: next free)",
     C(nonce), 0},
};

static const ol_opt call_opt_list[] = {
    OPT_URL,
    OPT_TIMEOUT,
    {"key", OL_OPT_STR, "", 0, 0, "OUTLAYER_PAYMENT_KEY", "payment key owner:nonce:secret", C(key),
     OL_OPT_SECRET},
    {"input", OL_OPT_STR, NULL, 0, 0, NULL, "the input, JSON text", C(input), 0},
    {"input-file", OL_OPT_STR, NULL, 0, 0, NULL, "the input from a JSON file (- for stdin)",
     C(input_file), 0},
    {"async", OL_OPT_BOOL, "false", 0, 0, NULL, "return at once with the call id", C(async), 0},
    {"compute-limit", OL_OPT_STR, NULL, 0, 0, NULL, "X-Compute-Limit, micro-USD", C(compute_limit),
     0},
    {"deposit", OL_OPT_STR, NULL, 0, 0, NULL, "X-Attached-Deposit, micro-USD", C(deposit), 0},
    {"version-key", OL_OPT_STR, NULL, 0, 0, NULL, "run this version instead of the active one",
     C(version_key), 0},
    {"max-instructions", OL_OPT_U64, "0", 0, 0, NULL, "resource_limits.max_instructions",
     C(max_instructions), 0},
    {"max-memory-mb", OL_OPT_U64, "0", 0, 4096, NULL, "resource_limits.max_memory_mb",
     C(max_memory_mb), 0},
    {"max-execution-seconds", OL_OPT_U64, "0", 0, 86400, NULL,
     "resource_limits.max_execution_seconds", C(max_execution_seconds), 0},
    {"secrets-profile", OL_OPT_STR, NULL, 0, 0, NULL,
     "secrets_ref.profile: run with this secrets profile of the project", C(secrets_profile), 0},
    {"secrets-owner", OL_OPT_STR, NULL, 0, 0, NULL,
     "secrets_ref.account_id: the owner of the secrets (with --secrets-profile)", C(secrets_owner),
     0},
};

static const ol_opt verify_opt_list[] = {
    OPT_URL,
    OPT_ADMIN,
    OPT_TIMEOUT,
    {"key", OL_OPT_STR, "", 0, 0, "OUTLAYER_PAYMENT_KEY",
     "read the call with this payment key instead of the admin token", C(key), OL_OPT_SECRET},
    {"wasm", OL_OPT_STR, NULL, 0, 0, NULL,
     "the module to replay (default: fetched from the coordinator)", C(wasm), 0},
    {"json", OL_OPT_BOOL, "false", 0, 0, NULL, "print the report as JSON", C(json), 0},
    {"evidence", OL_OPT_STR, NULL, 0, 0, NULL,
     "read the evidence response (GET /calls/ID/evidence) from this file instead", C(evidence), 0},
};
#undef C

static const ol_opt_table project_table = {
    "project",
    "usage: outlayer project create OWNER/NAME --wasm FILE\n"
    "       outlayer project upload OWNER/NAME --wasm FILE [--activate]\n"
    "       outlayer project list\n"
    "\n"
    "Registers projects and uploads their versions (admin token required).",
    project_opt_list,
    sizeof project_opt_list / sizeof project_opt_list[0],
    NULL,
};

static const ol_opt_table keys_table = {
    "keys",
    "usage: outlayer keys create OWNER --balance MICRO_USD [--projects P,...] [--max-per-call N]\n"
    "       outlayer keys balance KEY\n"
    "\n"
    "Creates payment keys (admin token; the full key is printed once) and shows a key's balance.",
    keys_opt_list,
    sizeof keys_opt_list / sizeof keys_opt_list[0],
    NULL,
};

static const ol_opt_table call_table = {
    "call",
    "usage: outlayer call OWNER/NAME --key KEY --input JSON [--async] [--compute-limit N]\n"
    "                     [--secrets-profile P --secrets-owner ID]\n"
    "\n"
    "Calls a project over HTTPS and prints the response JSON. Exit status 1 when the call\n"
    "failed or the request was refused.",
    call_opt_list,
    sizeof call_opt_list / sizeof call_opt_list[0],
    NULL,
};

static const ol_opt_table verify_table = {
    "verify",
    "usage: outlayer verify CALL_ID [--key KEY] [--wasm FILE] [--evidence FILE] [--json]\n"
    "\n"
    "Fetches a call's evidence, input and transcript, checks the worker's signature and every\n"
    "hash, replays the run with the local engine and compares the output hash and the\n"
    "instruction count bit for bit. Exit status 0 when everything matches, 1 otherwise.\n"
    "With --evidence and --wasm it needs no coordinator (the registered-key check is then\n"
    "skipped when the coordinator cannot be reached).",
    verify_opt_list,
    sizeof verify_opt_list / sizeof verify_opt_list[0],
    NULL,
};

const char ol_cmd_project_usage[] =
    "usage: outlayer project create OWNER/NAME --wasm FILE\n"
    "       outlayer project upload OWNER/NAME --wasm FILE [--activate]\n"
    "       outlayer project list\n"
    "Options: --url (OUTLAYER_URL), --admin-token (OUTLAYER_ADMIN_TOKEN); see --help.\n";
const char ol_cmd_keys_usage[] =
    "usage: outlayer keys create OWNER --balance MICRO_USD [--projects P,...] [--max-per-call N]\n"
    "       outlayer keys balance KEY\n"
    "Options: --url (OUTLAYER_URL), --admin-token (OUTLAYER_ADMIN_TOKEN); see --help.\n";
const char ol_cmd_call_usage[] =
    "usage: outlayer call OWNER/NAME --key KEY --input JSON [--async] [--compute-limit N]\n"
    "Prints the response JSON; `outlayer call --help` lists every option.\n";
const char ol_cmd_verify_usage[] =
    "usage: outlayer verify CALL_ID [--key KEY] [--wasm FILE] [--json]\n"
    "Checks a call's signed evidence and replays it locally; exit 0 when it matches bit for bit.\n";

/* ---- requests ----------------------------------------------------------------------------- */

typedef struct req {
    const client_opts *o;
    const char *auth; /* "admin", "key" or NULL */
} req;

/* Sends one request; on success returns the parsed JSON body (or NULL for a non-JSON body) and
 * the status. Prints transport errors. */
static bool request(const client_opts *o, const char *auth, const char *method, const char *path,
                    const void *body, size_t len, const char *ctype, long *status, json_t **json,
                    ol_cmd_http_resp *raw)
{
    char hdr[512];
    const char *hdrs[2] = {NULL, NULL};
    ol_cmd_http_resp r = {0};
    if (auth != NULL && strcmp(auth, "admin") == 0) {
        snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", o->admin_token);
        hdrs[0] = hdr;
    } else if (auth != NULL && strcmp(auth, "key") == 0) {
        snprintf(hdr, sizeof hdr, "X-Payment-Key: %s", o->key);
        hdrs[0] = hdr;
    }
    bool ok =
        ol_cmd_http(o->url, method, path, hdrs, body, len, ctype, (long)o->timeout_ms, status, &r);
    sodium_memzero(hdr, sizeof hdr);
    if (!ok) {
        ol_cmd_error("%s", r.err);
        ol_cmd_http_resp_free(&r);
        return false;
    }
    *json = r.body != NULL ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    if (raw != NULL)
        *raw = r;
    else
        ol_cmd_http_resp_free(&r);
    return true;
}

static bool need_admin(const client_opts *o)
{
    if (o->admin_token == NULL || o->admin_token[0] == '\0') {
        ol_cmd_error("an admin token is required: --admin-token or OUTLAYER_ADMIN_TOKEN");
        return false;
    }
    return true;
}

/* OWNER/NAME with OWNER a NEAR account id and NAME [A-Za-z0-9._-]{1,64}; both URL-safe. */
static bool split_project(const char *s, char owner[65], char name[65])
{
    const char *slash = strchr(s, '/');
    if (slash == NULL || slash == s || slash - s > 64 || strlen(slash + 1) == 0 ||
        strlen(slash + 1) > 64) {
        ol_cmd_error("'%s' is not OWNER/NAME", s);
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (p == slash)
            continue;
        bool ok = isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-';
        if (!ok) {
            ol_cmd_error("'%s' is not OWNER/NAME (character '%c')", s, *p);
            return false;
        }
    }
    snprintf(owner, 65, "%.*s", (int)(slash - s), s);
    snprintf(name, 65, "%s", slash + 1);
    return true;
}

static bool safe_id(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)s[i]) && strchr("-_.:", s[i]) == NULL)
            return false;
    }
    return true;
}

/* A JSON amount: digits only, as a string (the API takes integers or decimal strings). */
static json_t *amount(const char *s, const char *what)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > 19 || strspn(s, "0123456789") != strlen(s)) {
        ol_cmd_error("%s must be a non-negative integer (micro-USD)", what);
        return NULL;
    }
    return json_string(s);
}

/* ---- project ------------------------------------------------------------------------------ */

static int upload(const client_opts *o, const char *owner, const char *name, bool activate,
                  json_t **out)
{
    uint8_t *wasm = NULL;
    size_t len = 0;
    long status = 0;
    json_t *j = NULL;
    char path[256];
    if (o->wasm == NULL) {
        ol_cmd_error("--wasm FILE is required");
        return OL_EXIT_USAGE;
    }
    if (!ol_cmd_read_file(o->wasm, &wasm, &len))
        return OL_EXIT_FAIL;
    snprintf(path, sizeof path, "/admin/projects/%s/%s/versions%s", owner, name,
             activate ? "?activate=true" : "");
    bool ok = request(o, "admin", "POST", path, len > 0 ? (const void *)wasm : "", len,
                      "application/wasm", &status, &j, NULL);
    free(wasm);
    if (!ok)
        return OL_EXIT_FAIL;
    if (status != 200 && status != 201) {
        ol_cmd_http_error("upload", status, j);
        json_decref(j);
        return OL_EXIT_FAIL;
    }
    *out = j;
    return OL_EXIT_OK;
}

int ol_cmd_project(int argc, char **argv)
{
    client_opts o;
    ol_opts_result res;
    int rc = ol_cmd_load_opts(&project_table, &o, sizeof o, &res, argc - 1, argv + 1);
    char owner[65], name[65];
    json_t *j = NULL;
    long status = 0;
    if (rc >= 0)
        goto out;
    rc = OL_EXIT_USAGE;
    if (res.npos < 1) {
        fputs(ol_cmd_project_usage, stderr);
        goto out;
    }
    const char *sub = res.pos[0];
    if (!need_admin(&o)) {
        rc = OL_EXIT_FAIL;
        goto out;
    }
    if (strcmp(sub, "list") == 0 && res.npos == 1) {
        rc = OL_EXIT_FAIL;
        if (!request(&o, "admin", "GET", "/admin/projects", NULL, 0, NULL, &status, &j, NULL))
            goto out;
        if (status != 200) {
            ol_cmd_http_error("project list", status, j);
            goto out;
        }
        ol_cmd_print_json(j);
        rc = OL_EXIT_OK;
    } else if ((strcmp(sub, "create") == 0 || strcmp(sub, "upload") == 0) && res.npos == 2) {
        if (!split_project(res.pos[1], owner, name))
            goto out;
        rc = OL_EXIT_FAIL;
        if (strcmp(sub, "create") == 0) {
            if (o.wasm == NULL) {
                ol_cmd_error("--wasm FILE is required");
                rc = OL_EXIT_USAGE;
                goto out;
            }
            json_t *body = json_pack("{s:s, s:s}", "owner", owner, "name", name);
            char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
            json_decref(body);
            if (text == NULL)
                goto out;
            bool ok = request(&o, "admin", "POST", "/admin/projects", text, strlen(text), NULL,
                              &status, &j, NULL);
            free(text);
            if (!ok)
                goto out;
            if (status != 201 && status != 200) {
                ol_cmd_http_error("project create", status, j);
                goto out;
            }
            json_decref(j);
            j = NULL;
        }
        rc = upload(&o, owner, name, strcmp(sub, "create") == 0 || o.activate, &j);
        if (rc == OL_EXIT_OK)
            ol_cmd_print_json(j);
    } else {
        fputs(ol_cmd_project_usage, stderr);
    }
out:
    json_decref(j);
    free(res.pos);
    ol_opts_free(&project_table, &o);
    return rc;
}

/* ---- keys --------------------------------------------------------------------------------- */

int ol_cmd_keys(int argc, char **argv)
{
    client_opts o;
    ol_opts_result res;
    int rc = ol_cmd_load_opts(&keys_table, &o, sizeof o, &res, argc - 1, argv + 1);
    json_t *j = NULL;
    json_t *body = NULL;
    long status = 0;
    if (rc >= 0)
        goto out;
    rc = OL_EXIT_USAGE;
    if (res.npos != 2) {
        fputs(ol_cmd_keys_usage, stderr);
        goto out;
    }
    const char *sub = res.pos[0];
    if (strcmp(sub, "create") == 0) {
        if (o.balance == NULL) {
            ol_cmd_error("--balance MICRO_USD is required");
            goto out;
        }
        rc = OL_EXIT_FAIL;
        if (!need_admin(&o))
            goto out;
        json_t *bal = amount(o.balance, "--balance");
        json_t *mpc = amount(o.max_per_call, "--max-per-call");
        json_t *projects = json_array();
        body = json_object();
        if (bal == NULL || mpc == NULL || projects == NULL || body == NULL) {
            json_decref(bal);
            json_decref(mpc);
            json_decref(projects);
            rc = OL_EXIT_USAGE;
            goto out;
        }
        for (const char *p = o.projects; p != NULL && *p != '\0';) {
            const char *comma = strchr(p, ',');
            size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
            if (n > 0)
                json_array_append_new(projects, json_stringn(p, n));
            p = comma != NULL ? comma + 1 : p + n;
        }
        json_object_set_new(body, "owner", json_string(res.pos[1]));
        json_object_set_new(body, "initial_balance", bal);
        json_object_set_new(body, "project_ids", projects);
        json_object_set_new(body, "max_per_call", mpc);
        json_object_set_new(body, "nonce", json_integer((json_int_t)o.nonce));
        char *text = json_dumps(body, JSON_COMPACT);
        if (text == NULL)
            goto out;
        bool ok = request(&o, "admin", "POST", "/admin/payment-keys", text, strlen(text), NULL,
                          &status, &j, NULL);
        free(text);
        if (!ok)
            goto out;
        if (status != 201 && status != 200) {
            ol_cmd_http_error("keys create", status, j);
            goto out;
        }
        ol_cmd_print_json(j);
        rc = OL_EXIT_OK;
    } else if (strcmp(sub, "balance") == 0) {
        rc = OL_EXIT_FAIL;
        /* keys_table has no "key" option: the slot is ours to fill and to free. */
        if ((o.key = strdup(res.pos[1])) == NULL)
            goto out;
        if (!request(&o, "key", "GET", "/payment-keys/balance", NULL, 0, NULL, &status, &j, NULL))
            goto out;
        if (status != 200) {
            ol_cmd_http_error("keys balance", status, j);
            goto out;
        }
        ol_cmd_print_json(j);
        rc = OL_EXIT_OK;
    } else {
        fputs(ol_cmd_keys_usage, stderr);
    }
out:
    json_decref(body);
    json_decref(j);
    free(res.pos);
    if (o.key != NULL) {
        sodium_memzero(o.key, strlen(o.key));
        free(o.key);
    }
    ol_opts_free(&keys_table, &o);
    return rc;
}

/* ---- call --------------------------------------------------------------------------------- */

int ol_cmd_call(int argc, char **argv)
{
    client_opts o;
    ol_opts_result res;
    int rc = ol_cmd_load_opts(&call_table, &o, sizeof o, &res, argc - 1, argv + 1);
    json_t *j = NULL;
    json_t *body = NULL;
    uint8_t *file = NULL;
    char owner[65], name[65];
    long status = 0;
    if (rc >= 0)
        goto out;
    rc = OL_EXIT_USAGE;
    if (res.npos != 1) {
        fputs(ol_cmd_call_usage, stderr);
        goto out;
    }
    if (!split_project(res.pos[0], owner, name))
        goto out;
    if (o.key == NULL || o.key[0] == '\0') {
        ol_cmd_error("--key KEY (or OUTLAYER_PAYMENT_KEY) is required");
        goto out;
    }
    if (o.input != NULL && o.input_file != NULL) {
        ol_cmd_error("--input and --input-file exclude each other");
        goto out;
    }
    if ((o.secrets_profile == NULL) != (o.secrets_owner == NULL)) {
        ol_cmd_error("--secrets-profile and --secrets-owner go together");
        goto out;
    }
    json_t *input = NULL;
    json_error_t je;
    if (o.input_file != NULL) {
        size_t len = 0;
        if (!ol_cmd_read_file(o.input_file, &file, &len)) {
            rc = OL_EXIT_FAIL;
            goto out;
        }
        input = json_loadb((const char *)file, len, JSON_DECODE_ANY, &je);
    } else {
        input = json_loads(o.input != NULL ? o.input : "null", JSON_DECODE_ANY, &je);
    }
    if (input == NULL) {
        ol_cmd_error("the input is not JSON: %s (line %d, column %d)", je.text, je.line, je.column);
        goto out;
    }
    body = json_object();
    json_object_set_new(body, "input", input);
    if (o.async)
        json_object_set_new(body, "async", json_true());
    if (o.version_key != NULL)
        json_object_set_new(body, "version_key", json_string(o.version_key));
    if (o.secrets_profile != NULL)
        json_object_set_new(
            body, "secrets_ref",
            json_pack("{s:s, s:s}", "profile", o.secrets_profile, "account_id", o.secrets_owner));
    if (o.max_instructions != 0 || o.max_memory_mb != 0 || o.max_execution_seconds != 0) {
        json_t *lim = json_object();
        if (o.max_instructions != 0)
            json_object_set_new(lim, "max_instructions",
                                json_integer((json_int_t)o.max_instructions));
        if (o.max_memory_mb != 0)
            json_object_set_new(lim, "max_memory_mb", json_integer((json_int_t)o.max_memory_mb));
        if (o.max_execution_seconds != 0)
            json_object_set_new(lim, "max_execution_seconds",
                                json_integer((json_int_t)o.max_execution_seconds));
        json_object_set_new(body, "resource_limits", lim);
    }
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        rc = OL_EXIT_FAIL;
        goto out;
    }
    char h_key[512], h_limit[64], h_dep[64];
    const char *hdrs[4] = {NULL, NULL, NULL, NULL};
    size_t nh = 0;
    snprintf(h_key, sizeof h_key, "X-Payment-Key: %s", o.key);
    hdrs[nh++] = h_key;
    if (o.compute_limit != NULL) {
        snprintf(h_limit, sizeof h_limit, "X-Compute-Limit: %s", o.compute_limit);
        hdrs[nh++] = h_limit;
    }
    if (o.deposit != NULL) {
        snprintf(h_dep, sizeof h_dep, "X-Attached-Deposit: %s", o.deposit);
        hdrs[nh++] = h_dep;
    }
    char path[256];
    snprintf(path, sizeof path, "/call/%s/%s", owner, name);
    ol_cmd_http_resp r = {0};
    bool ok = ol_cmd_http(o.url, "POST", path, hdrs, text, strlen(text), NULL, (long)o.timeout_ms,
                          &status, &r);
    sodium_memzero(h_key, sizeof h_key);
    free(text);
    rc = OL_EXIT_FAIL;
    if (!ok) {
        ol_cmd_error("%s", r.err);
        ol_cmd_http_resp_free(&r);
        goto out;
    }
    j = r.body != NULL ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    ol_cmd_http_resp_free(&r);
    if (j != NULL)
        ol_cmd_print_json(j);
    if (status != 200 && status != 202) {
        ol_cmd_http_error("call", status, j);
        goto out;
    }
    const char *st = json_string_value(json_object_get(j, "status"));
    if (st != NULL && strcmp(st, "failed") == 0) {
        const char *code = json_string_value(json_object_get(j, "error_code"));
        ol_cmd_error("call failed: %s", code != NULL ? code : "unknown");
        goto out;
    }
    rc = OL_EXIT_OK;
out:
    free(file);
    json_decref(body);
    json_decref(j);
    free(res.pos);
    ol_opts_free(&call_table, &o);
    return rc;
}

/* ---- verify ------------------------------------------------------------------------------- */

typedef struct vreport {
    json_t *checks; /* [{"check", "result": "ok|fail|skip", "detail"}] */
    bool all_ok;
    bool json;
} vreport;

enum { V_FAIL = 0, V_OK = 1, V_SKIP = 2 };

static void check(vreport *r, const char *name, int result, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records one check. A skipped check (something that could not be looked at, e.g. no
 * coordinator to ask for the registered key) does not fail the verification but is shown. */
static void check(vreport *r, const char *name, int result, const char *fmt, ...)
{
    static const char *const names[] = {"fail", "ok", "skip"};
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (result == V_FAIL)
        r->all_ok = false;
    json_array_append_new(r->checks, json_pack("{s:s, s:s, s:s}", "check", name, "result",
                                               names[result], "detail", detail));
    if (!r->json)
        printf("%-4s %-20s %s\n", result == V_FAIL ? "FAIL" : names[result], name, detail);
}

/* Decodes a base64 member of o into a new buffer; false when missing or malformed. */
static bool b64_member(json_t *o, const char *key, uint8_t **out, size_t *len)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return false;
    size_t max = ol_near_base64_decoded_max(json_string_length(v));
    uint8_t *buf = malloc(max > 0 ? max : 1);
    if (buf == NULL)
        return false;
    if (ol_near_base64_decode(json_string_value(v), json_string_length(v), buf, max, len, NULL) !=
        OL_OK) {
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

static void sha_hex(const uint8_t *p, size_t len, char out[65])
{
    uint8_t h[32];
    crypto_hash_sha256(h, p, len);
    ol_evidence_hex(h, out);
}

/* The task the run was given, rebuilt from the evidence response: its environment and limits
 * from a "task" object, a "task_json" string (the stored task description) or top-level "env"
 * and "limits", with the record's ids and the stored input. NULL when none is there. */
static char *task_of(json_t *ev, const ol_evidence_record *rec, const char *input_b64)
{
    json_t *src = json_object_get(ev, "task");
    json_t *parsed = NULL;
    json_t *tj = json_object_get(ev, "task_json");
    if (!json_is_object(src) && json_is_string(tj)) {
        parsed = json_loadb(json_string_value(tj), json_string_length(tj), 0, NULL);
        src = parsed;
    }
    if (!json_is_object(src))
        src = ev;
    json_t *env = json_object_get(src, "env");
    json_t *limits = json_object_get(src, "limits");
    char *s = NULL;
    if (json_is_object(limits)) {
        json_t *t =
            json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:O, s:O}", "task_id", "verify",
                      "call_id", rec->call_id, "project_id", rec->project_id, "version_key",
                      rec->wasm_sha256, "attempt", 1, "lease_ms", 1000, "input_base64", input_b64,
                      "env", json_is_object(env) ? env : json_null(), "limits", limits);
        s = t != NULL ? json_dumps(t, JSON_COMPACT) : NULL;
        json_decref(t);
    }
    json_decref(parsed);
    return s;
}

int ol_cmd_verify(int argc, char **argv)
{
    client_opts o;
    ol_opts_result res;
    int rc = ol_cmd_load_opts(&verify_table, &o, sizeof o, &res, argc - 1, argv + 1);
    json_t *ev = NULL;
    json_t *workers = NULL;
    char *env_text = NULL;
    char *task = NULL;
    uint8_t *input = NULL, *output = NULL, *transcript = NULL, *wasm = NULL;
    size_t input_len = 0, output_len = 0, transcript_len = 0, wasm_len = 0;
    ol_wasi_result *run = NULL;
    vreport rep = {.checks = json_array(), .all_ok = true};
    long status = 0;
    ol_diag d = {0};
    if (rc >= 0)
        goto out;
    rc = OL_EXIT_USAGE;
    rep.json = o.json;
    if (res.npos != 1) {
        fputs(ol_cmd_verify_usage, stderr);
        goto out;
    }
    const char *call_id = res.pos[0];
    if (!safe_id(call_id)) {
        ol_cmd_error("'%s' is not a call id", call_id);
        goto out;
    }
    rc = OL_EXIT_FAIL;
    bool by_key = o.key != NULL && o.key[0] != '\0';
    if (!by_key && o.evidence == NULL && !need_admin(&o))
        goto out;
    if (sodium_init() < 0) {
        ol_cmd_error("libsodium failed to initialise");
        goto out;
    }

    char path[256];
    if (o.evidence != NULL) {
        uint8_t *text = NULL;
        size_t tlen = 0;
        json_error_t je;
        if (!ol_cmd_read_file(o.evidence, &text, &tlen))
            goto out;
        ev = json_loadb((const char *)text, tlen, 0, &je);
        free(text);
        if (ev == NULL) {
            ol_cmd_error("%s: not JSON: %s (line %d)", o.evidence, je.text, je.line);
            goto out;
        }
    } else {
        snprintf(path, sizeof path, "/calls/%s/evidence", call_id);
        if (!request(&o, by_key ? "key" : "admin", "GET", path, NULL, 0, NULL, &status, &ev, NULL))
            goto out;
        if (status != 200) {
            ol_cmd_http_error("verify", status, ev);
            goto out;
        }
    }
    json_t *envelope = json_object_get(ev, "evidence");
    if (!json_is_object(envelope)) {
        ol_cmd_error("call %s has no evidence (status %s): it never ran on a worker", call_id,
                     json_string_value(json_object_get(ev, "status")) != NULL
                         ? json_string_value(json_object_get(ev, "status"))
                         : "unknown");
        goto out;
    }

    /* 1. The signature over the canonical record. */
    ol_evidence_record rec;
    char sig[OL_NEAR_KEY_STR_MAX];
    if ((env_text = json_dumps(envelope, JSON_COMPACT)) == NULL)
        goto out;
    if (ol_evidence_parse(env_text, strlen(env_text), &rec, sig, &d) != OL_OK) {
        check(&rep, "record", false, "%s", d.msg);
        goto report;
    }
    ol_err vr = ol_evidence_verify(&rec, sig, NULL, &d);
    check(&rep, "signature", vr == OL_OK, "%s by %s (worker %s)",
          vr == OL_OK ? "valid ed25519 signature" : d.msg, rec.worker_public_key, rec.worker_id);

    /* 2. The signing key is the one the worker registered. */
    ol_cmd_http_resp wr = {0};
    status = 0;
    bool reached = ol_cmd_http(o.url, "GET", "/public/workers", NULL, NULL, 0, NULL,
                               (long)o.timeout_ms, &status, &wr);
    if (reached && wr.body != NULL)
        workers = json_loadb(wr.body, wr.len, 0, NULL);
    ol_cmd_http_resp_free(&wr);
    if (!reached && o.evidence != NULL) {
        check(&rep, "worker key", V_SKIP, "no coordinator at %s to ask", o.url);
    } else if (status == 200) {
        const char *registered = NULL;
        size_t i;
        json_t *w;
        json_array_foreach(json_object_get(workers, "workers"), i, w)
        {
            const char *id = json_string_value(json_object_get(w, "worker_id"));
            if (id != NULL && strcmp(id, rec.worker_id) == 0)
                registered = json_string_value(json_object_get(w, "public_key"));
        }
        bool same = registered != NULL && strcmp(registered, rec.worker_public_key) == 0;
        check(&rep, "worker key", same, "%s",
              registered == NULL ? "the worker is not listed by the coordinator"
              : same             ? "the key the worker registered"
                                 : "differs from the key the worker registered");
    } else {
        check(&rep, "worker key", false, "cannot list the coordinator's workers");
    }

    /* 3. The record describes this call and the stored bytes. */
    const char *pid = json_string_value(json_object_get(ev, "project_id"));
    const char *vk = json_string_value(json_object_get(ev, "version_key"));
    check(&rep, "call",
          strcmp(rec.call_id, call_id) == 0 && pid != NULL && strcmp(rec.project_id, pid) == 0,
          "call %s, project %s", rec.call_id, rec.project_id);
    char h[65] = "";
    bool have_in = b64_member(ev, "input_base64", &input, &input_len);
    bool have_out = b64_member(ev, "output_base64", &output, &output_len);
    bool have_tr = b64_member(ev, "transcript_base64", &transcript, &transcript_len);
    if (have_in)
        sha_hex(input, input_len, h);
    check(&rep, "input", have_in && strcmp(h, rec.input_sha256) == 0, "sha256 %s (%zu bytes)",
          rec.input_sha256, input_len);
    if (have_out)
        sha_hex(output, output_len, h);
    check(&rep, "stored output", have_out && strcmp(h, rec.output_sha256) == 0,
          "sha256 %s (%zu bytes)", rec.output_sha256, output_len);
    if (have_tr)
        sha_hex(transcript, transcript_len, h);
    check(&rep, "transcript", have_tr && strcmp(h, rec.transcript_sha256) == 0,
          "sha256 %s (%zu bytes)", rec.transcript_sha256, transcript_len);

    /* 4. The module. */
    if (o.wasm != NULL) {
        if (!ol_cmd_read_file(o.wasm, &wasm, &wasm_len))
            goto out;
    } else {
        ol_cmd_http_resp raw = {0};
        json_t *ignored = NULL;
        snprintf(path, sizeof path, "/wasm/%s", rec.wasm_sha256);
        if (request(&o, by_key ? NULL : "admin", "GET", path, NULL, 0, NULL, &status, &ignored,
                    &raw) &&
            status == 200) {
            wasm = (uint8_t *)raw.body;
            wasm_len = raw.len;
            raw.body = NULL;
        } else if (status != 0) {
            ol_cmd_error("cannot fetch module %s (HTTP %ld); pass it with --wasm FILE",
                         rec.wasm_sha256, status);
        }
        json_decref(ignored);
        ol_cmd_http_resp_free(&raw);
    }
    if (wasm != NULL)
        sha_hex(wasm, wasm_len, h);
    check(&rep, "module",
          wasm != NULL && strcmp(h, rec.wasm_sha256) == 0 &&
              (vk == NULL || strcmp(vk, rec.wasm_sha256) == 0),
          "sha256 %s (%zu bytes)", rec.wasm_sha256, wasm_len);
    if (wasm == NULL || !have_in || !have_tr) {
        check(&rep, "replay", V_FAIL, "not attempted: %s missing",
              wasm == NULL ? "the module"
              : !have_in   ? "the input"
                           : "the transcript");
        goto report;
    }

    /* 5. The replay. */
    if (strcmp(rec.status, "timeout") == 0) {
        check(&rep, "replay", false, "the run ended by its wall-clock limit: not reproducible");
        goto report;
    }
    json_t *in_v = json_object_get(ev, "input_base64");
    if ((task = task_of(ev, &rec, json_string_value(in_v))) == NULL) {
        check(&rep, "replay", false,
              "the coordinator did not return the run's environment and limits");
        goto report;
    }
    if (ol_worker_replay(wasm, wasm_len, task, strlen(task), transcript, transcript_len, &run,
                         &d) != OL_OK) {
        check(&rep, "replay", false, "%s", d.msg);
        goto report;
    }
    char out_hex[65];
    ol_evidence_hex(run->output_sha256, out_hex);
    check(&rep, "replay status",
          strcmp(ol_wasi_status_name(run->status), rec.status) == 0 &&
              run->exit_code == rec.exit_code && !run->replay_diverged,
          "%s exit %" PRIu32 " (recorded %s exit %" PRIu32 ")%s", ol_wasi_status_name(run->status),
          run->exit_code, rec.status, rec.exit_code,
          run->replay_diverged ? ", replay diverged" : "");
    check(&rep, "replay output", strcmp(out_hex, rec.output_sha256) == 0, "sha256 %s (recorded %s)",
          out_hex, rec.output_sha256);
    check(&rep, "replay instructions", run->instructions == rec.instructions,
          "%" PRIu64 " (recorded %" PRIu64 ")", run->instructions, rec.instructions);

report:
    rc = rep.all_ok ? OL_EXIT_OK : OL_EXIT_FAIL;
    if (rep.json) {
        json_t *j = json_pack("{s:s, s:b, s:O}", "call_id", call_id, "verified", rep.all_ok,
                              "checks", rep.checks);
        ol_cmd_print_json(j);
        json_decref(j);
    } else {
        printf("%s\n",
               rep.all_ok ? "verified: output and instructions match bit for bit" : "NOT verified");
    }
out:
    ol_wasi_result_free(run);
    free(task);
    free(env_text);
    free(input);
    free(output);
    free(transcript);
    free(wasm);
    json_decref(workers);
    json_decref(ev);
    json_decref(rep.checks);
    free(res.pos);
    ol_opts_free(&verify_table, &o);
    return rc;
}
