/* Every route of the coordinator as a pure function of (request, arena) -> response, and the
 * router. The HTTP glue (coord_server.c) only converts libmicrohttpd's view of a request into
 * an ol_coord_req and sends the ol_coord_resp back.
 *
 * Invariants
 *   - Every input is validated before it reaches the store; every refusal is a 4xx with
 *     {"error", "code"} (docs/api.md lists the codes).
 *   - Secrets (payment-key secrets, bearer tokens) are only ever hashed and compared with
 *     sodium_memcmp; they are never logged, stored or echoed.
 *   - Money moves only inside store transactions (reserve at submit, settle at completion,
 *     cancellation or lease expiry); the handlers compute amounts, the store applies them once.
 *   - A deferred response increments c->waiting; ol_coord_finish() decrements it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "coord_int.h"
#include "ol/wasm.h"

#define MAX_SEGS       8
#define MAX_SEG_LEN    256
#define STDERR_KEEP    (64u * 1024u)
#define MAX_TRANSCRIPT ((size_t)64 << 20)

static const char *const run_statuses[] = {
    "ok",           "exit",         "trap",           "out_of_fuel",   "timeout",
    "memory_limit", "output_limit", "invalid_module", "access_denied", "secrets_unavailable"};

/* ------------------------------------- lifecycle ------------------------------------- */

static uint64_t real_now(void *ud)
{
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t ol__coord_now(ol_coord *c)
{
    return c->now(c->now_ud);
}

void ol_coord_set_clock(ol_coord *c, uint64_t (*now_ms)(void *ud), void *ud)
{
    c->now = now_ms != NULL ? now_ms : real_now;
    c->now_ud = now_ms != NULL ? ud : NULL;
}

static bool hash_from_hex(const char *hex, uint8_t out[32])
{
    size_t n = 0;
    return sodium_hex2bin(out, 32, hex, strlen(hex), NULL, &n, NULL) == 0 && n == 32;
}

static char *dup_or_empty(const char *s)
{
    char *p = strdup(s != NULL ? s : "");
    if (p == NULL)
        ol_panic("out of memory copying the configuration");
    return p;
}

ol_err ol_coord_new(const ol_coord_config *cfg, ol_store *store, ol_coord **out, ol_diag *d)
{
    ol_err rc = ol__coord_config_check(cfg, d);
    if (rc != OL_OK)
        return rc;
    if (sodium_init() < 0)
        return OL_FAIL(d, OL_E_INTERNAL, "libsodium initialisation failed");
    ol_coord *c = calloc(1, sizeof *c);
    if (c == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "coordinator");
    c->cfg = *cfg;
    c->cfg.db = dup_or_empty(cfg->db);
    c->cfg.host = dup_or_empty(cfg->host);
    c->cfg.port_file = dup_or_empty(cfg->port_file);
    c->cfg.log_level = dup_or_empty(cfg->log_level);
    c->cfg.queue_prefix = dup_or_empty(cfg->queue_prefix);
    c->cfg.queue = NULL; /* may carry a password; the open queue is all we need */
    /* Tokens: keep only their hashes. */
    c->cfg.admin_token = NULL;
    c->cfg.worker_token = NULL;
    c->cfg.admin_token_sha256 = NULL;
    c->cfg.worker_token_sha256 = NULL;
    if (cfg->admin_token != NULL && cfg->admin_token[0] != '\0') {
        crypto_hash_sha256(c->admin_hash, (const uint8_t *)cfg->admin_token,
                           strlen(cfg->admin_token));
        c->admin_enabled = true;
    } else if (cfg->admin_token_sha256 != NULL && cfg->admin_token_sha256[0] != '\0') {
        c->admin_enabled = hash_from_hex(cfg->admin_token_sha256, c->admin_hash);
    }
    if (cfg->worker_token != NULL && cfg->worker_token[0] != '\0') {
        crypto_hash_sha256(c->worker_hash, (const uint8_t *)cfg->worker_token,
                           strlen(cfg->worker_token));
        c->worker_token_enabled = true;
    } else if (cfg->worker_token_sha256 != NULL && cfg->worker_token_sha256[0] != '\0') {
        c->worker_token_enabled = hash_from_hex(cfg->worker_token_sha256, c->worker_hash);
    }
    c->store = store;
    c->prices.base = cfg->price_base;
    c->prices.per_million_instructions = cfg->price_per_million_instructions;
    c->prices.per_ms = cfg->price_per_ms;
    c->now = real_now;
    atomic_init(&c->shutdown, false);
    atomic_init(&c->waiting, 0);
    ol__coord_waiters_init(&c->w);
    ol__coord_rate_init(&c->rate);
    if ((rc = ol__coord_secrets_init(c, cfg, d)) != OL_OK ||
        (rc = ol__coord_queue_open(c, cfg, d)) != OL_OK) {
        ol_coord_free(c);
        return rc;
    }
    *out = c;
    return OL_OK;
}

void ol_coord_shutdown(ol_coord *c)
{
    atomic_store(&c->shutdown, true);
    ol__coord_notify_all(c);
}

void ol_coord_free(ol_coord *c)
{
    if (c == NULL)
        return;
    ol_coord_shutdown(c);
    /* Before the waiters go: the subscription thread wakes them until it is joined. */
    ol__coord_queue_close(c);
    ol__coord_waiters_fini(&c->w);
    ol__coord_rate_fini(&c->rate);
    ol__coord_secrets_fini(c);
    free(c->cfg.db);
    free(c->cfg.host);
    free(c->cfg.port_file);
    free(c->cfg.log_level);
    free(c->cfg.queue_prefix);
    sodium_memzero(c, sizeof *c);
    free(c);
}

/* ------------------------------------ request context ------------------------------------ */

typedef struct rq {
    ol_coord *c;
    const ol_coord_req *req;
    ol_near_arena *ar;
    ol_coord_resp *resp;
    const char *seg[MAX_SEGS];
    size_t nseg;
    uint64_t now;
} rq;

#define ERR(r, status, code, ...) ol__resp_error((r)->ar, (r)->resp, (status), (code), __VA_ARGS__)

static void internal_error(rq *r, const ol_diag *d)
{
    OL_LOG(OL_LOG_ERROR, "event=internal_error path=%s msg=\"%s\"", r->req->path, d->msg);
    if (d->code == OL_E_IO)
        ERR(r, 503, "unavailable", "the store is unavailable, try again");
    else
        ERR(r, 500, "internal", "internal error");
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > OL_STORE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static bool valid_owner(const char *s)
{
    return ol_near_account_id_is_valid(s, strlen(s));
}

/* Parses the body as a JSON object (an empty body is {} when empty_ok). NULL after answering
 * 400. The caller owns the result. */
static json_t *body_object(rq *r, bool empty_ok)
{
    const ol_coord_req *q = r->req;
    if (q->body_len == 0) {
        if (empty_ok)
            return json_object();
        ERR(r, 400, "invalid_json", "the request body must be a JSON object");
        return NULL;
    }
    json_error_t je;
    json_t *o = json_loadb((const char *)q->body, q->body_len, JSON_REJECT_DUPLICATES, &je);
    if (o == NULL) {
        ERR(r, 400, "invalid_json", "the body is not valid JSON: %s (line %d, column %d)", je.text,
            je.line, je.column);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        ERR(r, 400, "invalid_json", "the request body must be a JSON object");
        return NULL;
    }
    return o;
}

/* Refuses keys outside `keys` (so typos do not pass silently). */
static bool only_keys(rq *r, json_t *o, const char *const *keys, size_t n, const char *what)
{
    const char *k = ol__json_unknown_key(o, keys, n);
    if (k != NULL)
        ERR(r, 400, "bad_request", "unknown key \"%.64s\" in %s", k, what);
    return k == NULL;
}

/* Optional string member (NULL when absent or null); false after answering 400. */
static bool opt_str(rq *r, json_t *o, const char *key, size_t max, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_string(v) || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        ERR(r, 400, "bad_request", "\"%s\" must be a string of at most %zu bytes", key, max);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

static bool req_str(rq *r, json_t *o, const char *key, size_t max, const char **out)
{
    if (!opt_str(r, o, key, max, out))
        return false;
    if (*out == NULL) {
        ERR(r, 400, "bad_request", "\"%s\" is required", key);
        return false;
    }
    return true;
}

/* Optional integer member within [min, max] (def when absent or null). */
static bool opt_uint(rq *r, json_t *o, const char *key, uint64_t min, uint64_t max, uint64_t def,
                     uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v)) {
        *out = def;
        return true;
    }
    json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
    if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
        ERR(r, 400, "bad_request", "\"%s\" must be an integer in %" PRIu64 "..%" PRIu64, key, min,
            max);
        return false;
    }
    *out = (uint64_t)i;
    return true;
}

static bool admin_ok(rq *r)
{
    ol_coord *c = r->c;
    if (!c->admin_enabled) {
        ERR(r, 401, "unauthorized", "admin routes are disabled: no admin token is configured");
        return false;
    }
    const char *tok = ol__req_bearer(r->req);
    uint8_t h[32];
    if (tok != NULL)
        crypto_hash_sha256(h, (const uint8_t *)tok, strlen(tok));
    if (tok == NULL || sodium_memcmp(h, c->admin_hash, 32) != 0) {
        ERR(r, 401, "unauthorized", "missing or wrong admin bearer token");
        return false;
    }
    return true;
}

/* The bearer of a worker route: the configured worker token or an issued one. */
static bool worker_auth(rq *r, uint8_t hash[32])
{
    ol_coord *c = r->c;
    const char *tok = ol__req_bearer(r->req);
    if (tok == NULL) {
        ERR(r, 401, "unauthorized", "missing worker bearer token");
        return false;
    }
    crypto_hash_sha256(hash, (const uint8_t *)tok, strlen(tok));
    if (c->worker_token_enabled && sodium_memcmp(hash, c->worker_hash, 32) == 0)
        return true;
    ol_diag d = {0};
    ol_err rc = ol_store_worker_token_check(c->store, hash, &d);
    if (rc == OL_OK)
        return true;
    if (rc == OL_E_NOTFOUND)
        ERR(r, 401, "unauthorized", "unknown worker token");
    else
        internal_error(r, &d);
    return false;
}

bool ol__coord_worker_bearer_ok(ol_coord *c, const char *authorization)
{
    ol_coord_header h = {"Authorization", authorization};
    ol_coord_req q = {.headers = &h, .nheaders = authorization != NULL ? 1 : 0};
    const char *tok = ol__req_bearer(&q);
    uint8_t hash[32];
    if (tok == NULL)
        return false;
    crypto_hash_sha256(hash, (const uint8_t *)tok, strlen(tok));
    if (c->worker_token_enabled && sodium_memcmp(hash, c->worker_hash, 32) == 0)
        return true;
    return ol_store_worker_token_check(c->store, hash, NULL) == OL_OK;
}

/* The worker `id` must exist and belong to the token. */
static bool worker_owned(rq *r, const uint8_t hash[32], const char *id, ol_store_worker *w)
{
    ol_diag d = {0};
    ol_err rc = ol_store_worker_get(r->c->store, id != NULL ? id : "", w, &d);
    if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "not_found", "unknown worker id (register first)");
        return false;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        return false;
    }
    if (sodium_memcmp(w->token_sha256, hash, 32) != 0) {
        ERR(r, 403, "forbidden", "this worker id belongs to another token");
        return false;
    }
    return true;
}

/* Parses X-Payment-Key `owner:nonce:secret` and authenticates it. NULL after answering 401.
 * The caller frees the key. */
static ol_store_key *key_auth(rq *r)
{
    const char *h = ol__req_header(r->req, "X-Payment-Key");
    if (h == NULL || h[0] == '\0') {
        ERR(r, 401, "missing_payment_key", "the X-Payment-Key header is required");
        return NULL;
    }
    const char *c1 = strchr(h, ':');
    const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
    char owner[OL_STORE_OWNER_MAX + 1];
    char secret[65];
    uint64_t nonce = 0;
    size_t ol = c1 != NULL ? (size_t)(c1 - h) : 0;
    size_t nl = c2 != NULL ? (size_t)(c2 - c1 - 1) : 0;
    bool ok = c2 != NULL && ol > 0 && ol <= OL_STORE_OWNER_MAX && nl > 0 && nl <= 10 &&
              strlen(c2 + 1) == 64;
    if (ok) {
        memcpy(owner, h, ol);
        owner[ol] = '\0';
        char ntext[11];
        memcpy(ntext, c1 + 1, nl);
        ntext[nl] = '\0';
        ok = valid_owner(owner) && ol__parse_u64(ntext, UINT32_MAX, &nonce) && nonce >= 1 &&
             nonce <= (uint64_t)INT32_MAX;
        for (size_t i = 0; ok && i < 64; i++) {
            char ch = c2[1 + i];
            if (ch >= 'A' && ch <= 'F')
                ch = (char)(ch - 'A' + 'a');
            ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
            secret[i] = ch;
        }
        secret[64] = '\0';
    }
    if (!ok) {
        ERR(r, 401, "invalid_payment_key",
            "X-Payment-Key must be owner:nonce:secret with a 64-hex-digit secret");
        return NULL;
    }
    uint8_t hash[32];
    crypto_hash_sha256(hash, (const uint8_t *)secret, 64);
    sodium_memzero(secret, sizeof secret);
    ol_store_key *k = NULL;
    ol_diag d = {0};
    ol_err rc = ol_store_key_get(r->c->store, owner, (uint32_t)nonce, &k, &d);
    if (rc != OL_OK && rc != OL_E_NOTFOUND) {
        internal_error(r, &d);
        return NULL;
    }
    /* Compare even for an unknown key so both failures cost the same. */
    static const uint8_t zero[32];
    bool match = sodium_memcmp(k != NULL ? k->secret_sha256 : zero, hash, 32) == 0;
    if (k == NULL || !match) {
        ol_store_key_free(k);
        ERR(r, 401, "invalid_payment_key", "unknown payment key or wrong secret");
        return NULL;
    }
    return k;
}

static json_t *jstr_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *jms(uint64_t ms)
{
    return ms != 0 ? json_integer((json_int_t)ms) : json_null();
}

static json_t *key_json(const ol_store_key *k)
{
    json_t *o = json_object();
    json_t *pa = json_array();
    for (size_t i = 0; i < k->nprojects; i++)
        json_array_append_new(pa, json_string(k->projects[i]));
    uint64_t avail = k->initial_balance - k->spent - k->reserved;
    json_object_set_new(o, "owner", json_string(k->owner));
    json_object_set_new(o, "nonce", json_integer(k->nonce));
    json_object_set_new(o, "initial_balance", ol__json_u64s(k->initial_balance));
    json_object_set_new(o, "spent", ol__json_u64s(k->spent));
    json_object_set_new(o, "reserved", ol__json_u64s(k->reserved));
    json_object_set_new(o, "available", ol__json_u64s(avail));
    json_object_set_new(o, "max_per_call", ol__json_u64s(k->max_per_call));
    json_object_set_new(o, "project_ids", pa);
    json_object_set_new(o, "inflight", json_integer(k->inflight));
    json_object_set_new(o, "created_at", json_integer((json_int_t)k->created_ms));
    json_object_set_new(o, "last_used_at", jms(k->last_used_ms));
    return o;
}

/* Loads JSON text (any value); NULL when empty or invalid. */
static json_t *parse_any(const void *p, size_t len)
{
    if (p == NULL || len == 0)
        return NULL;
    return json_loadb(p, len, JSON_DECODE_ANY, NULL);
}

static json_t *call_json(const ol_store_call *k)
{
    json_t *o = json_object();
    char project[OL_STORE_PROJECT_MAX + 1], poll[OL_STORE_ID_MAX + 16];
    snprintf(project, sizeof project, "%s/%s", k->project_owner, k->project_name);
    snprintf(poll, sizeof poll, "/calls/%s", k->id);
    bool terminal = k->status >= OL_STORE_CALL_COMPLETED;
    json_t *output = terminal ? parse_any(k->output, k->output_len) : NULL;
    json_t *ev = k->evidence[0] != '\0' ? json_loads(k->evidence, 0, NULL) : NULL;
    json_object_set_new(o, "call_id", json_string(k->id));
    json_object_set_new(o, "status", json_string(ol_store_call_status_name(k->status)));
    json_object_set_new(o, "project_id", json_string(project));
    json_object_set_new(o, "version_key", json_string(k->version));
    json_object_set_new(o, "output", output != NULL ? output : json_null());
    json_object_set_new(o, "error", jstr_or_null(k->error));
    json_object_set_new(o, "error_code", jstr_or_null(k->error_code));
    json_object_set_new(o, "compute_cost", ol__json_u64s(k->charged));
    json_object_set_new(o, "attached_deposit", ol__json_u64s(k->attached_deposit));
    json_object_set_new(o, "compute_limit", ol__json_u64s(k->compute_limit));
    json_object_set_new(o, "instructions", json_integer((json_int_t)k->instructions));
    json_object_set_new(o, "time_ms", json_integer((json_int_t)k->time_ms));
    json_object_set_new(o, "attempts", json_integer(k->attempts));
    json_object_set_new(o, "created_at", json_integer((json_int_t)k->created_ms));
    json_object_set_new(o, "started_at", jms(k->started_ms));
    json_object_set_new(o, "completed_at", jms(k->completed_ms));
    json_object_set_new(o, "evidence", ev != NULL ? ev : json_null());
    json_object_set_new(o, "poll_url", json_string(poll));
    return o;
}

/* ---------------------------------------- /call ---------------------------------------- */

static const char *const call_keys[] = {"input", "resource_limits", "async", "version_key",
                                        "secrets_ref"};
static const char *const limit_keys[] = {"max_instructions", "max_memory_mb",
                                         "max_execution_seconds"};

static void set_env(json_t *env, const char *k, const char *v)
{
    json_object_set_new(env, k, json_string(v));
}

static void set_env_u64(json_t *env, const char *k, uint64_t v)
{
    json_object_set_new(env, k, ol__json_u64s(v));
}

/* The task description handed to the worker: the system env vars of an HTTPS run (reference
 * §4.6) and the limits. Chain values are empty on this path. */
static char *task_json(rq *r, const char *call_id, const ol_store_key *key, const char *powner,
                       const char *pname, uint64_t deposit, const ol_coord_budget *b,
                       json_t *secrets_ref)
{
    char project[OL_STORE_PROJECT_MAX + 1];
    snprintf(project, sizeof project, "%s/%s", powner, pname);
    json_t *env = json_object();
    set_env(env, "OUTLAYER_EXECUTION_TYPE", "HTTPS");
    set_env(env, "OUTLAYER_CALL_ID", call_id);
    set_env(env, "NEAR_SENDER_ID", key->owner);
    set_env(env, "NEAR_USER_ACCOUNT_ID", key->owner);
    set_env(env, "OUTLAYER_PROJECT_ID", project);
    set_env(env, "OUTLAYER_PROJECT_NAME", pname);
    set_env(env, "OUTLAYER_PROJECT_OWNER", powner);
    set_env_u64(env, "USD_PAYMENT", deposit);
    set_env(env, "ATTACHED_USD", "0");
    set_env(env, "NEAR_PAYMENT_YOCTO", "0");
    set_env_u64(env, "NEAR_MAX_INSTRUCTIONS", b->max_instructions);
    set_env_u64(env, "NEAR_MAX_MEMORY_MB", b->max_memory_mb);
    set_env_u64(env, "NEAR_MAX_EXECUTION_SECONDS", (b->max_execution_ms + 999) / 1000);
    static const char *const empty[] = {"NEAR_NETWORK_ID",        "NEAR_REQUEST_ID",
                                        "NEAR_TRANSACTION_HASH",  "NEAR_RECEIPT_ID",
                                        "NEAR_CONTRACT_ID",       "NEAR_PREDECESSOR_ID",
                                        "NEAR_SIGNER_PUBLIC_KEY", "NEAR_BLOCK_HEIGHT",
                                        "NEAR_BLOCK_TIMESTAMP",   "NEAR_GAS_BURNT"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
        set_env(env, empty[i], "");
    json_t *limits = json_object();
    json_object_set_new(limits, "max_instructions", json_integer((json_int_t)b->max_instructions));
    json_object_set_new(limits, "max_memory_mb", json_integer(b->max_memory_mb));
    json_object_set_new(limits, "max_execution_ms", json_integer((json_int_t)b->max_execution_ms));
    json_object_set_new(limits, "max_output_bytes",
                        json_integer((json_int_t)r->c->cfg.max_output_bytes));
    json_t *t = json_object();
    json_object_set_new(t, "env", env);
    json_object_set_new(t, "limits", limits);
    /* Resolved when a worker claims the task (coord_secrets.c), never sent as is. */
    if (secrets_ref != NULL)
        json_object_set(t, "secrets_ref", secrets_ref);
    char *s = json_dumps(t, JSON_COMPACT);
    json_decref(t);
    return s;
}

static bool header_u64(rq *r, const char *name, uint64_t def, uint64_t *out, const char *code)
{
    const char *h = ol__req_header(r->req, name);
    if (h == NULL) {
        *out = def;
        return true;
    }
    while (*h == ' ')
        h++;
    char buf[24];
    size_t n = strlen(h);
    while (n > 0 && h[n - 1] == ' ')
        n--;
    if (n == 0 || n >= sizeof buf) {
        ERR(r, 400, code, "%s must be a whole number of micro-USD", name);
        return false;
    }
    memcpy(buf, h, n);
    buf[n] = '\0';
    if (!ol__parse_u64(buf, OL_STORE_MONEY_MAX, out)) {
        ERR(r, 400, code, "%s must be a whole number of micro-USD", name);
        return false;
    }
    return true;
}

static void h_call(rq *r)
{
    ol_coord *c = r->c;
    const ol_coord_config *cfg = &c->cfg;
    const char *powner = r->seg[1], *pname = r->seg[2];
    ol_store_key *key = NULL;
    json_t *body = NULL, *sref = NULL;
    char *input = NULL, *tj = NULL;
    ol_diag d = {0};
    char keyid[OL_STORE_OWNER_MAX + 16];

    if ((key = key_auth(r)) == NULL)
        goto out;
    snprintf(keyid, sizeof keyid, "%s:%" PRIu32, key->owner, key->nonce);
    unsigned retry = 0;
    if (!ol__coord_rate_take(&c->rate, keyid, r->now, cfg->rate_limit_per_minute, &retry)) {
        ERR(r, 429, "rate_limited", "payment key %s exceeded %" PRIu64 " calls per minute", keyid,
            cfg->rate_limit_per_minute);
        r->resp->retry_after_s = retry;
        goto out;
    }
    uint64_t limit, deposit;
    if (!header_u64(r, "X-Compute-Limit", cfg->default_compute_limit, &limit,
                    "invalid_compute_limit") ||
        !header_u64(r, "X-Attached-Deposit", 0, &deposit, "invalid_deposit"))
        goto out;
    if (limit < cfg->min_compute_limit || limit > cfg->max_compute_limit) {
        ERR(r, 400, "invalid_compute_limit",
            "X-Compute-Limit must be %" PRIu64 "..%" PRIu64 " micro-USD", cfg->min_compute_limit,
            cfg->max_compute_limit);
        goto out;
    }
    if (deposit > OL_STORE_MONEY_MAX - limit) {
        ERR(r, 400, "invalid_deposit", "X-Attached-Deposit is too large");
        goto out;
    }
    if (key->max_per_call != 0 && limit + deposit > key->max_per_call) {
        ERR(r, 400, "max_per_call_exceeded",
            "compute limit + deposit (%" PRIu64 ") exceeds the key's max_per_call (%" PRIu64 ")",
            limit + deposit, key->max_per_call);
        goto out;
    }
    if (!valid_owner(powner) || !valid_name(pname)) {
        ERR(r, 400, "bad_request",
            "project must be /call/{owner}/{name}: an account id and "
            "[A-Za-z0-9._-]{1,64}");
        goto out;
    }
    char project[OL_STORE_PROJECT_MAX + 1];
    snprintf(project, sizeof project, "%s/%s", powner, pname);
    if (!ol_store_key_allows(key, project)) {
        ERR(r, 403, "project_not_allowed", "this payment key may not call %s", project);
        goto out;
    }

    /* Body. */
    if ((body = body_object(r, true)) == NULL)
        goto out;
    if (!only_keys(r, body, call_keys, sizeof call_keys / sizeof call_keys[0], "the body"))
        goto out;
    json_t *jasync = json_object_get(body, "async");
    if (jasync != NULL && !json_is_boolean(jasync) && !json_is_null(jasync)) {
        ERR(r, 400, "bad_request", "\"async\" must be true or false");
        goto out;
    }
    bool is_async = json_is_true(jasync);
    json_t *jref = json_object_get(body, "secrets_ref");
    if (jref != NULL && !json_is_null(jref)) {
        coord_sreq sx = {r->c, r->req, r->ar, r->resp, r->now};
        if ((sref = ol__coord_secrets_ref(&sx, jref, key->owner)) == NULL)
            goto out;
    }
    const char *version_key;
    if (!opt_str(r, body, "version_key", OL_STORE_SHA_HEX, &version_key))
        goto out;
    uint64_t req_instr = 0, req_mem = 0, req_secs = 0;
    json_t *rl = json_object_get(body, "resource_limits");
    if (rl != NULL && !json_is_null(rl)) {
        if (!json_is_object(rl)) {
            ERR(r, 400, "invalid_resource_limits", "\"resource_limits\" must be an object");
            goto out;
        }
        if (!only_keys(r, rl, limit_keys, 3, "resource_limits") ||
            !opt_uint(r, rl, "max_instructions", 1, (uint64_t)INT64_MAX, 0, &req_instr) ||
            !opt_uint(r, rl, "max_memory_mb", 1, 4096, 0, &req_mem) ||
            !opt_uint(r, rl, "max_execution_seconds", 1, 86400, 0, &req_secs)) {
            ERR(r, 400, "invalid_resource_limits",
                "resource_limits: max_instructions >= 1, max_memory_mb 1..4096, "
                "max_execution_seconds 1..86400, no other keys");
            goto out;
        }
    }
    json_t *jin = json_object_get(body, "input");
    input = json_dumps(jin != NULL ? jin : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    if (input == NULL) {
        ERR(r, 500, "internal", "out of memory");
        goto out;
    }
    size_t input_len = strlen(input);
    if (input_len > cfg->max_input_bytes) {
        ERR(r, 400, "bad_request", "the input is %zu bytes; at most %" PRIu64 " are accepted",
            input_len, cfg->max_input_bytes);
        goto out;
    }

    /* Project and version. */
    ol_store_project proj;
    ol_err rc = ol_store_project_get(c->store, powner, pname, &proj, &d);
    if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "project_not_found", "no project %s", project);
        goto out;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    ol_store_version ver;
    rc = ol_store_version_get(c->store, powner, pname, version_key, &ver, &d);
    if (rc == OL_E_NOTFOUND) {
        if (version_key != NULL)
            ERR(r, 404, "version_not_found", "project %s has no version %s", project, version_key);
        else
            ERR(r, 404, "version_not_found", "project %s has no active version", project);
        goto out;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        goto out;
    }

    /* The run's limits, from the compute limit. */
    ol_coord_budget b;
    rc = ol_coord_budget_derive(cfg, limit, req_instr, req_secs * 1000, req_mem, &b, &d);
    if (rc != OL_OK) {
        ERR(r, 400, rc == OL_E_RANGE ? "compute_limit_too_low" : "invalid_resource_limits", "%s",
            d.msg);
        goto out;
    }
    if (!is_async && atomic_load(&c->waiting) >= cfg->max_waiters) {
        ERR(r, 503, "unavailable", "too many requests waiting; retry, or use \"async\": true");
        r->resp->retry_after_s = 1;
        goto out;
    }

    char call_id[37], task_id[37];
    ol__uuid(call_id);
    ol__uuid(task_id);
    tj = task_json(r, call_id, key, powner, pname, deposit, &b, sref);
    if (tj == NULL) {
        ERR(r, 500, "internal", "out of memory");
        goto out;
    }
    ol_store_submit sub = {
        .call_id = call_id,
        .task_id = task_id,
        .key_owner = key->owner,
        .key_nonce = key->nonce,
        .project_owner = powner,
        .project_name = pname,
        .version = ver.sha256,
        .compute_limit = limit,
        .attached_deposit = deposit,
        .max_concurrent =
            (uint32_t)(cfg->max_concurrent_calls > UINT32_MAX ? UINT32_MAX
                                                              : cfg->max_concurrent_calls),
        .input = (const uint8_t *)input,
        .input_len = input_len,
        .task_json = tj,
        .task_json_len = strlen(tj),
        .is_async = is_async,
        .max_attempts = (uint32_t)cfg->max_attempts,
    };
    ol_store_submit_result res;
    rc = ol_store_call_submit(c->store, &sub, r->now, &res, &d);
    if (rc != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    switch (res) {
    case OL_STORE_SUBMIT_OK:
        break;
    case OL_STORE_SUBMIT_NO_KEY:
        ERR(r, 401, "invalid_payment_key", "unknown payment key or wrong secret");
        goto out;
    case OL_STORE_SUBMIT_INSUFFICIENT:
        ERR(r, 402, "insufficient_balance",
            "payment key %s has less than %" PRIu64 " micro-USD available", keyid, limit + deposit);
        goto out;
    case OL_STORE_SUBMIT_TOO_MANY:
        ERR(r, 429, "too_many_concurrent_calls",
            "payment key %s already has %" PRIu64 " unfinished calls", keyid,
            cfg->max_concurrent_calls);
        r->resp->retry_after_s = 1;
        goto out;
    }
    /* The store holds the task now; a push that fails (or never happens because we die here)
     * only delays it: the sweep's reconciliation makes a task the store holds as queued but the
     * queue does not know deliverable again after the grace period. So it is logged, not an
     * error, and the caller gets its answer. */
    if ((rc = ol_queue_push(c->queue, task_id, r->now, &d)) != OL_OK)
        OL_LOG(OL_LOG_WARN, "event=queue_push_failed call=%s task=%s msg=\"%s\"", call_id, task_id,
               d.msg);
    ol__coord_work_added(c, 1);
    OL_LOG(OL_LOG_INFO,
           "event=call_submitted call=%s project=%s version=%.12s key=%s limit=%" PRIu64
           " deposit=%" PRIu64 " max_instructions=%" PRIu64 " max_ms=%" PRIu64 " async=%d",
           call_id, project, ver.sha256, keyid, limit, deposit, b.max_instructions,
           b.max_execution_ms, is_async ? 1 : 0);
    if (is_async) {
        json_t *o = json_object();
        char poll[64];
        snprintf(poll, sizeof poll, "/calls/%s", call_id);
        json_object_set_new(o, "call_id", json_string(call_id));
        json_object_set_new(o, "status", json_string("pending"));
        json_object_set_new(o, "poll_url", json_string(poll));
        ol__resp_json(r->ar, r->resp, 202, o);
        goto out;
    }
    atomic_fetch_add(&c->waiting, 1);
    r->resp->status = 200;
    r->resp->defer.kind = OL_COORD_DEFER_CALL;
    memcpy(r->resp->defer.id, call_id, sizeof call_id);
    r->resp->defer.wait_ms = cfg->sync_timeout_ms;
out:
    free(tj);
    free(input);
    json_decref(sref);
    json_decref(body);
    ol_store_key_free(key);
}

void ol__coord_finish_call(ol_coord *c, const ol_coord_defer *df, ol_near_arena *ar,
                           ol_coord_resp *resp)
{
    rq rr = {.c = c, .ar = ar, .resp = resp};
    rq *r = &rr;
    ol_coord_req dummy = {.path = "/call"};
    r->req = &dummy;
    coord_waiter *w = ol__coord_waiter_get(c, df->id);
    uint64_t start = ol__coord_mono_ms();
    uint64_t overall = start + df->wait_ms;
    uint64_t pending_since = 0;
    for (;;) {
        uint64_t gen = ol__coord_waiter_gen(c, w);
        ol_store_call *call = NULL;
        ol_diag d = {0};
        ol_err rc = ol_store_call_get(c->store, df->id, &call, &d);
        if (rc != OL_OK) {
            internal_error(r, &d);
            break;
        }
        if (call->status >= OL_STORE_CALL_COMPLETED) {
            ol__resp_json(ar, resp, 200, call_json(call));
            ol_store_call_free(call);
            break;
        }
        uint64_t now = ol__coord_mono_ms();
        uint64_t deadline = overall;
        if (call->status == OL_STORE_CALL_PENDING) {
            if (pending_since == 0)
                pending_since = now;
            uint64_t qdl = pending_since + c->cfg.queue_wait_ms;
            if (now >= qdl && !atomic_load(&c->shutdown)) {
                char msg[96];
                snprintf(msg, sizeof msg, "no worker claimed the call within %" PRIu64 " ms",
                         c->cfg.queue_wait_ms);
                rc = ol_store_call_cancel_queued(c->store, df->id, "no_worker_available", msg,
                                                 ol__coord_now(c), &d);
                if (rc == OL_OK) {
                    OL_LOG(OL_LOG_WARN, "event=call_cancelled call=%s reason=no_worker_available",
                           df->id);
                    /* The task stays in a Redis queue until a claim drops it (its call is no
                     * longer pending); only other readers of the call need to hear of it. */
                    ol__coord_call_changed(c, df->id);
                    ol__resp_error(ar, resp, 503, "no_worker_available",
                                   "no worker claimed call %s within %" PRIu64
                                   " ms; it was cancelled and not charged",
                                   df->id, c->cfg.queue_wait_ms);
                    resp->retry_after_s = 1;
                    ol_store_call_free(call);
                    break;
                }
                ol_store_call_free(call);
                if (rc == OL_E_STATE)
                    continue; /* claimed or settled meanwhile: read it again */
                internal_error(r, &d);
                break;
            }
            if (qdl < deadline)
                deadline = qdl;
        } else {
            pending_since = 0;
        }
        if (now >= overall || atomic_load(&c->shutdown)) {
            /* Still in flight: answer with the record; the call settles normally. */
            ol__resp_json(ar, resp, 202, call_json(call));
            ol_store_call_free(call);
            break;
        }
        ol_store_call_free(call);
        ol__coord_waiter_wait(c, w, gen, deadline);
    }
    ol__coord_waiter_put(c, w);
}

/* ----------------------------------- /calls, balance ----------------------------------- */

/* Loads the call of seg[1] for its owner (payment key of the same owner, or admin). NULL after
 * answering. */
static ol_store_call *call_for_reader(rq *r)
{
    const char *id = r->seg[1];
    bool admin = false;
    if (ol__req_bearer(r->req) != NULL && ol__req_header(r->req, "X-Payment-Key") == NULL) {
        if (!admin_ok(r))
            return NULL;
        admin = true;
    }
    ol_store_key *key = NULL;
    if (!admin && (key = key_auth(r)) == NULL)
        return NULL;
    ol_store_call *call = NULL;
    ol_diag d = {0};
    ol_err rc = ol_store_call_get(r->c->store, id, &call, &d);
    if (rc == OL_OK && !admin && strcmp(call->key_owner, key->owner) != 0) {
        ol_store_call_free(call);
        call = NULL;
        rc = OL_E_NOTFOUND;
    }
    ol_store_key_free(key);
    if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "call_not_found", "no call %.64s for this owner", id);
        return NULL;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        return NULL;
    }
    return call;
}

static void h_call_get(rq *r)
{
    ol_store_call *call = call_for_reader(r);
    if (call == NULL)
        return;
    ol__resp_json(r->ar, r->resp, 200, call_json(call));
    ol_store_call_free(call);
}

static void h_call_evidence(rq *r)
{
    ol_store_call *call = call_for_reader(r);
    if (call == NULL)
        return;
    json_t *o = json_object();
    char project[OL_STORE_PROJECT_MAX + 1];
    snprintf(project, sizeof project, "%s/%s", call->project_owner, call->project_name);
    bool terminal = call->status >= OL_STORE_CALL_COMPLETED;
    json_t *ev = call->evidence[0] != '\0' ? json_loads(call->evidence, 0, NULL) : NULL;
    char *in64 = ol__b64(r->ar, call->input, call->input_len);
    char *out64 = ol__b64(r->ar, call->output, terminal ? call->output_len : 0);
    char *tr64 = ol__b64(r->ar, call->transcript, call->transcript_len);
    if (in64 == NULL || out64 == NULL || tr64 == NULL) {
        json_decref(o);
        json_decref(ev);
        ol_store_call_free(call);
        ERR(r, 500, "internal", "out of memory");
        return;
    }
    json_object_set_new(o, "call_id", json_string(call->id));
    json_object_set_new(o, "status", json_string(ol_store_call_status_name(call->status)));
    json_object_set_new(o, "project_id", json_string(project));
    json_object_set_new(o, "version_key", json_string(call->version));
    json_object_set_new(o, "run_status", jstr_or_null(call->run_status));
    json_object_set_new(o, "exit_code", json_integer(call->exit_code));
    json_object_set_new(o, "instructions", json_integer((json_int_t)call->instructions));
    json_object_set_new(o, "input_base64", json_string(in64));
    json_object_set_new(o, "output_base64", json_string(out64));
    json_object_set_new(o, "transcript_base64", json_string(tr64));
    json_object_set_new(o, "evidence", ev != NULL ? ev : json_null());
    /* The run's environment and limits exactly as the worker got them, so that a replay sees
     * what the run saw (system values only: no secrets travel on this path). */
    json_t *tj = json_loads(call->task_json, 0, NULL);
    json_t *env = json_object_get(tj, "env"), *limits = json_object_get(tj, "limits");
    json_object_set(o, "env", json_is_object(env) ? env : json_null());
    json_object_set(o, "limits", json_is_object(limits) ? limits : json_null());
    json_decref(tj);
    ol__resp_json(r->ar, r->resp, 200, o);
    ol_store_call_free(call);
}

static void h_balance(rq *r)
{
    ol_store_key *k = key_auth(r);
    if (k == NULL)
        return;
    json_t *o = key_json(k);
    json_object_del(o, "inflight");
    ol__resp_json(r->ar, r->resp, 200, o);
    ol_store_key_free(k);
}

/* ---------------------------------------- admin ---------------------------------------- */

static const char *const project_keys[] = {"owner", "name"};

static void h_admin_project_create(rq *r)
{
    if (!admin_ok(r))
        return;
    json_t *b = body_object(r, false);
    const char *owner, *name;
    if (b == NULL)
        return;
    if (!only_keys(r, b, project_keys, 2, "the body") || !req_str(r, b, "owner", 64, &owner) ||
        !req_str(r, b, "name", 64, &name))
        goto out;
    ol_diag d = {0};
    if (ol_near_account_id_validate(owner, strlen(owner), &d) != OL_OK) {
        ERR(r, 400, "bad_request", "owner: %s", d.msg);
        goto out;
    }
    if (!valid_name(name)) {
        ERR(r, 400, "bad_request", "name must match [A-Za-z0-9._-]{1,64}");
        goto out;
    }
    ol_err rc = ol_store_project_create(r->c->store, owner, name, r->now, &d);
    if (rc == OL_E_EXISTS) {
        ERR(r, 409, "project_exists", "project %s/%s already exists", owner, name);
        goto out;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    char project[OL_STORE_PROJECT_MAX + 1];
    snprintf(project, sizeof project, "%s/%s", owner, name);
    OL_LOG(OL_LOG_INFO, "event=project_created project=%s", project);
    json_t *o = json_object();
    json_object_set_new(o, "project_id", json_string(project));
    json_object_set_new(o, "owner", json_string(owner));
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "created_at", json_integer((json_int_t)r->now));
    ol__resp_json(r->ar, r->resp, 201, o);
out:
    json_decref(b);
}

static int collect_version(void *ud, const ol_store_version *v)
{
    json_t *arr = ud;
    json_t *o = json_object();
    json_object_set_new(o, "version_key", json_string(v->sha256));
    json_object_set_new(o, "size", json_integer((json_int_t)v->size));
    json_object_set_new(o, "active", json_boolean(v->active));
    json_object_set_new(o, "created_at", json_integer((json_int_t)v->created_ms));
    json_array_append_new(arr, o);
    return 0;
}

static json_t *project_json(rq *r, const ol_store_project *p, ol_diag *d)
{
    char project[OL_STORE_PROJECT_MAX + 1];
    snprintf(project, sizeof project, "%s/%s", p->owner, p->name);
    json_t *versions = json_array();
    if (ol_store_version_list(r->c->store, p->owner, p->name, collect_version, versions, d) !=
        OL_OK) {
        json_decref(versions);
        return NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "project_id", json_string(project));
    json_object_set_new(o, "owner", json_string(p->owner));
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "active_version", jstr_or_null(p->active_version));
    json_object_set_new(o, "created_at", json_integer((json_int_t)p->created_ms));
    json_object_set_new(o, "versions", versions);
    return o;
}

typedef struct project_vec {
    ol_store_project *v;
    size_t n, cap;
    bool oom;
} project_vec;

static int collect_project(void *ud, const ol_store_project *p)
{
    project_vec *pv = ud;
    if (pv->n == pv->cap) {
        size_t ncap = pv->cap == 0 ? 16 : pv->cap * 2;
        ol_store_project *nv = realloc(pv->v, ncap * sizeof *nv);
        if (nv == NULL) {
            pv->oom = true;
            return 1;
        }
        pv->v = nv;
        pv->cap = ncap;
    }
    pv->v[pv->n++] = *p;
    return 0;
}

static void h_admin_projects(rq *r)
{
    if (!admin_ok(r))
        return;
    project_vec pv = {0};
    ol_diag d = {0};
    /* Collect first: store callbacks must not call back into the store. */
    if (ol_store_project_list(r->c->store, collect_project, &pv, &d) != OL_OK) {
        free(pv.v);
        internal_error(r, &d);
        return;
    }
    if (pv.oom) {
        free(pv.v);
        ERR(r, 500, "internal", "out of memory");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < pv.n; i++) {
        json_t *o = project_json(r, &pv.v[i], &d);
        if (o == NULL) {
            json_decref(arr);
            free(pv.v);
            internal_error(r, &d);
            return;
        }
        json_array_append_new(arr, o);
    }
    free(pv.v);
    json_t *o = json_object();
    json_object_set_new(o, "projects", arr);
    ol__resp_json(r->ar, r->resp, 200, o);
}

/* Validates seg[2], seg[3] as owner/name of an existing project. */
static bool path_project(rq *r, ol_store_project *p)
{
    const char *owner = r->seg[2], *name = r->seg[3];
    if (!valid_owner(owner) || !valid_name(name)) {
        ERR(r, 400, "bad_request", "project must be {owner}/{name}");
        return false;
    }
    ol_diag d = {0};
    ol_err rc = ol_store_project_get(r->c->store, owner, name, p, &d);
    if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "project_not_found", "no project %s/%s", owner, name);
        return false;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        return false;
    }
    return true;
}

static void h_admin_project_get(rq *r)
{
    ol_store_project p;
    ol_diag d = {0};
    if (!admin_ok(r) || !path_project(r, &p))
        return;
    json_t *o = project_json(r, &p, &d);
    if (o == NULL) {
        internal_error(r, &d);
        return;
    }
    ol__resp_json(r->ar, r->resp, 200, o);
}

static void h_admin_version_upload(rq *r)
{
    ol_store_project p;
    ol_diag d = {0};
    if (!admin_ok(r) || !path_project(r, &p))
        return;
    const char *act = ol__req_query(r->req, r->ar, "activate");
    bool activate = false;
    if (act != NULL) {
        if (strcmp(act, "true") == 0 || strcmp(act, "1") == 0 || act[0] == '\0')
            activate = true;
        else if (strcmp(act, "false") != 0 && strcmp(act, "0") != 0) {
            ERR(r, 400, "bad_request", "activate must be true or false");
            return;
        }
    }
    const uint8_t *bytes = r->req->body;
    size_t len = r->req->body_len;
    if (len == 0) {
        ERR(r, 400, "invalid_module", "the body must be the wasm module's bytes");
        return;
    }
    ol_wasm_module *m = NULL;
    if (ol_wasm_module_new(bytes, len, NULL, &m, &d) != OL_OK) {
        if (d.code == OL_E_NOMEM)
            ERR(r, 500, "internal", "out of memory validating the module");
        else
            ERR(r, 400, "invalid_module", "the module does not validate: %s", d.msg);
        return;
    }
    ol_wasm_module_free(m);
    uint8_t h[32];
    char hex[OL_STORE_SHA_HEX + 1];
    crypto_hash_sha256(h, bytes, len);
    ol_evidence_hex(h, hex);
    ol_store_version existing;
    bool existed =
        ol_store_version_get(r->c->store, p.owner, p.name, hex, &existing, NULL) == OL_OK;
    ol_err rc =
        ol_store_version_add(r->c->store, p.owner, p.name, bytes, len, activate, r->now, hex, &d);
    if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "project_not_found", "no project %s/%s", p.owner, p.name);
        return;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        return;
    }
    ol_store_version v;
    if (ol_store_version_get(r->c->store, p.owner, p.name, hex, &v, &d) != OL_OK) {
        internal_error(r, &d);
        return;
    }
    char project[OL_STORE_PROJECT_MAX + 1];
    snprintf(project, sizeof project, "%s/%s", p.owner, p.name);
    OL_LOG(OL_LOG_INFO, "event=version_uploaded project=%s version=%s size=%zu active=%d", project,
           hex, len, v.active ? 1 : 0);
    json_t *o = json_object();
    json_object_set_new(o, "project_id", json_string(project));
    json_object_set_new(o, "version_key", json_string(hex));
    json_object_set_new(o, "size", json_integer((json_int_t)len));
    json_object_set_new(o, "active", json_boolean(v.active));
    ol__resp_json(r->ar, r->resp, existed ? 200 : 201, o);
}

static void h_admin_activate(rq *r)
{
    ol_store_project p;
    ol_diag d = {0};
    if (!admin_ok(r) || !path_project(r, &p))
        return;
    json_t *b = body_object(r, false);
    static const char *const keys[] = {"version_key"};
    const char *vk;
    if (b == NULL)
        return;
    if (!only_keys(r, b, keys, 1, "the body") || !req_str(r, b, "version_key", 64, &vk))
        goto out;
    ol_err rc = ol_store_version_activate(r->c->store, p.owner, p.name, vk, &d);
    if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "version_not_found", "project %s/%s has no version %s", p.owner, p.name, vk);
        goto out;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    char project[OL_STORE_PROJECT_MAX + 1];
    snprintf(project, sizeof project, "%s/%s", p.owner, p.name);
    OL_LOG(OL_LOG_INFO, "event=version_activated project=%s version=%s", project, vk);
    json_t *o = json_object();
    json_object_set_new(o, "project_id", json_string(project));
    json_object_set_new(o, "version_key", json_string(vk));
    json_object_set_new(o, "active", json_true());
    ol__resp_json(r->ar, r->resp, 200, o);
out:
    json_decref(b);
}

/* "owner/name", or an owner wildcard (owner, slash, star). */
static bool valid_allow_entry(const char *s)
{
    const char *slash = strchr(s, '/');
    if (slash == NULL || (size_t)(slash - s) > OL_STORE_OWNER_MAX)
        return false;
    char owner[OL_STORE_OWNER_MAX + 1];
    memcpy(owner, s, (size_t)(slash - s));
    owner[slash - s] = '\0';
    return valid_owner(owner) && (strcmp(slash + 1, "*") == 0 || valid_name(slash + 1));
}

static void h_admin_key_create(rq *r)
{
    static const char *const keys[] = {"owner", "initial_balance", "project_ids", "max_per_call",
                                       "nonce"};
    if (!admin_ok(r))
        return;
    json_t *b = body_object(r, false);
    const char *owner;
    const char *projects[OL_STORE_MAX_PROJECTS];
    size_t np = 0;
    uint64_t initial = 0, max_per_call = 0, nonce = 0;
    ol_diag d = {0};
    if (b == NULL)
        return;
    if (!only_keys(r, b, keys, 5, "the body") || !req_str(r, b, "owner", 64, &owner) ||
        !opt_uint(r, b, "nonce", 0, (uint64_t)INT32_MAX, 0, &nonce))
        goto out;
    if (ol_near_account_id_validate(owner, strlen(owner), &d) != OL_OK) {
        ERR(r, 400, "bad_request", "owner: %s", d.msg);
        goto out;
    }
    json_t *ib = json_object_get(b, "initial_balance");
    json_t *mp = json_object_get(b, "max_per_call");
    if (ib == NULL || !ol__json_money(ib, &initial)) {
        ERR(r, 400, "bad_request",
            "\"initial_balance\" (micro-USD) is required: an integer or a "
            "decimal string, at most 2^63-1");
        goto out;
    }
    if (mp != NULL && !json_is_null(mp) && !ol__json_money(mp, &max_per_call)) {
        ERR(r, 400, "bad_request", "\"max_per_call\" must be micro-USD (0 = no bound)");
        goto out;
    }
    json_t *pa = json_object_get(b, "project_ids");
    if (pa != NULL && !json_is_null(pa)) {
        if (!json_is_array(pa) || json_array_size(pa) > OL_STORE_MAX_PROJECTS) {
            ERR(r, 400, "bad_request", "\"project_ids\" must be an array of at most %d entries",
                OL_STORE_MAX_PROJECTS);
            goto out;
        }
        size_t i;
        json_t *e;
        json_array_foreach(pa, i, e)
        {
            if (!json_is_string(e) || !valid_allow_entry(json_string_value(e))) {
                ERR(r, 400, "bad_request", "project_ids[%zu] must be \"owner/name\" or \"owner/*\"",
                    i);
                goto out;
            }
            projects[np++] = json_string_value(e);
        }
    }
    uint8_t raw[32], hash[32];
    char secret[65];
    randombytes_buf(raw, sizeof raw);
    ol_evidence_hex(raw, secret);
    crypto_hash_sha256(hash, (const uint8_t *)secret, 64);
    ol_store_key_spec spec = {.owner = owner,
                              .nonce = (uint32_t)nonce,
                              .initial_balance = initial,
                              .max_per_call = max_per_call,
                              .projects = projects,
                              .nprojects = np};
    memcpy(spec.secret_sha256, hash, 32);
    uint32_t used = 0;
    ol_err rc = ol_store_key_create(r->c->store, &spec, r->now, &used, &d);
    if (rc == OL_E_EXISTS) {
        ERR(r, 409, "key_exists", "payment key %s:%" PRIu64 " already exists", owner, nonce);
        goto wipe;
    }
    if (rc == OL_E_INVAL) {
        ERR(r, 400, "bad_request", "%s", d.msg);
        goto wipe;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        goto wipe;
    }
    OL_LOG(OL_LOG_INFO, "event=payment_key_created key=%s:%" PRIu32 " initial=%" PRIu64, owner,
           used, initial);
    char full[OL_STORE_OWNER_MAX + 80];
    snprintf(full, sizeof full, "%s:%" PRIu32 ":%s", owner, used, secret);
    json_t *o = json_object();
    json_t *pj = json_array();
    for (size_t i = 0; i < np; i++)
        json_array_append_new(pj, json_string(projects[i]));
    json_object_set_new(o, "key", json_string(full));
    json_object_set_new(o, "owner", json_string(owner));
    json_object_set_new(o, "nonce", json_integer(used));
    json_object_set_new(o, "initial_balance", ol__json_u64s(initial));
    json_object_set_new(o, "max_per_call", ol__json_u64s(max_per_call));
    json_object_set_new(o, "project_ids", pj);
    ol__resp_json(r->ar, r->resp, 201, o);
    sodium_memzero(full, sizeof full);
wipe:
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(raw, sizeof raw);
out:
    json_decref(b);
}

static int collect_key(void *ud, const ol_store_key *k)
{
    json_array_append_new((json_t *)ud, key_json(k));
    return 0;
}

static void h_admin_keys(rq *r)
{
    if (!admin_ok(r))
        return;
    const char *owner = ol__req_query(r->req, r->ar, "owner");
    if (owner != NULL && !valid_owner(owner)) {
        ERR(r, 400, "bad_request", "owner must be an account id");
        return;
    }
    json_t *arr = json_array();
    ol_diag d = {0};
    if (ol_store_key_list(r->c->store, owner, collect_key, arr, &d) != OL_OK) {
        json_decref(arr);
        internal_error(r, &d);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "keys", arr);
    ol__resp_json(r->ar, r->resp, 200, o);
}

static void h_admin_topup(rq *r)
{
    static const char *const keys[] = {"amount"};
    if (!admin_ok(r))
        return;
    const char *owner = r->seg[2];
    uint64_t nonce, amount;
    if (!valid_owner(owner) || !ol__parse_u64(r->seg[3], (uint64_t)INT32_MAX, &nonce) ||
        nonce == 0) {
        ERR(r, 400, "bad_request", "path must be /admin/payment-keys/{owner}/{nonce}/top-up");
        return;
    }
    json_t *b = body_object(r, false);
    ol_diag d = {0};
    ol_store_key *k = NULL;
    if (b == NULL)
        return;
    if (!only_keys(r, b, keys, 1, "the body"))
        goto out;
    if (!ol__json_money(json_object_get(b, "amount"), &amount)) {
        ERR(r, 400, "bad_request", "\"amount\" (micro-USD) is required");
        goto out;
    }
    ol_err rc = ol_store_key_top_up(r->c->store, owner, (uint32_t)nonce, amount, &d);
    if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "not_found", "no payment key %s:%" PRIu64, owner, nonce);
        goto out;
    }
    if (rc == OL_E_RANGE) {
        ERR(r, 400, "bad_request", "%s", d.msg);
        goto out;
    }
    if (rc != OL_OK ||
        (rc = ol_store_key_get(r->c->store, owner, (uint32_t)nonce, &k, &d)) != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    OL_LOG(OL_LOG_INFO, "event=payment_key_top_up key=%s:%" PRIu64 " amount=%" PRIu64, owner, nonce,
           amount);
    ol__resp_json(r->ar, r->resp, 200, key_json(k));
out:
    ol_store_key_free(k);
    json_decref(b);
}

static void h_admin_worker_token(rq *r)
{
    static const char *const keys[] = {"name"};
    if (!admin_ok(r))
        return;
    json_t *b = body_object(r, true);
    const char *name;
    if (b == NULL)
        return;
    if (!only_keys(r, b, keys, 1, "the body") ||
        !opt_str(r, b, "name", OL_STORE_WORKER_NAME, &name))
        goto out;
    if (name == NULL || name[0] == '\0')
        name = "worker";
    uint8_t raw[32], hash[32];
    char token[65];
    randombytes_buf(raw, sizeof raw);
    ol_evidence_hex(raw, token);
    crypto_hash_sha256(hash, (const uint8_t *)token, 64);
    ol_diag d = {0};
    if (ol_store_worker_token_add(r->c->store, hash, name, r->now, &d) != OL_OK) {
        internal_error(r, &d);
    } else {
        OL_LOG(OL_LOG_INFO, "event=worker_token_issued name=\"%s\"", name);
        json_t *o = json_object();
        json_object_set_new(o, "token", json_string(token));
        json_object_set_new(o, "name", json_string(name));
        ol__resp_json(r->ar, r->resp, 201, o);
    }
    sodium_memzero(token, sizeof token);
    sodium_memzero(raw, sizeof raw);
out:
    json_decref(b);
}

/* ---------------------------------------- workers ---------------------------------------- */

static void h_w_register(rq *r)
{
    static const char *const keys[] = {"worker_name", "public_key", "capacity"};
    uint8_t th[32];
    if (!worker_auth(r, th))
        return;
    json_t *b = body_object(r, false);
    const char *name, *pk_text;
    uint64_t capacity;
    if (b == NULL)
        return;
    if (!only_keys(r, b, keys, 3, "the body") ||
        !req_str(r, b, "worker_name", OL_STORE_WORKER_NAME, &name) ||
        !req_str(r, b, "public_key", OL_STORE_PUBKEY_MAX, &pk_text) ||
        !opt_uint(r, b, "capacity", 1, 4096, 1, &capacity))
        goto out;
    ol_near_public_key pk;
    if (name[0] == '\0' || ol_near_public_key_parse(pk_text, &pk, NULL) != OL_OK ||
        pk.type != OL_NEAR_KEY_ED25519) {
        ERR(r, 400, "bad_request",
            "worker_name must be non-empty and public_key an ed25519:<base58> key");
        goto out;
    }
    char canon[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&pk, canon);
    char new_id[37];
    ol__uuid(new_id);
    ol_store_worker w;
    ol_diag d = {0};
    if (ol_store_worker_register(r->c->store, th, name, canon, (uint32_t)capacity, new_id, r->now,
                                 &w, &d) != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    OL_LOG(OL_LOG_INFO, "event=worker_registered worker=%s name=\"%s\" capacity=%" PRIu64, w.id,
           name, capacity);
    json_t *o = json_object();
    json_object_set_new(o, "worker_id", json_string(w.id));
    json_object_set_new(o, "lease_ms", json_integer((json_int_t)r->c->cfg.lease_ms));
    json_object_set_new(o, "heartbeat_ms", json_integer((json_int_t)r->c->cfg.heartbeat_ms));
    ol__resp_json(r->ar, r->resp, 200, o);
out:
    json_decref(b);
}

static void h_w_heartbeat(rq *r)
{
    static const char *const keys[] = {"worker_id", "running"};
    uint8_t th[32];
    ol_store_worker w;
    if (!worker_auth(r, th))
        return;
    json_t *b = body_object(r, false);
    const char *id;
    if (b == NULL)
        return;
    if (!only_keys(r, b, keys, 2, "the body") || !req_str(r, b, "worker_id", 64, &id))
        goto out;
    json_t *running = json_object_get(b, "running");
    if (running != NULL && !json_is_array(running) && !json_is_null(running)) {
        ERR(r, 400, "bad_request", "\"running\" must be an array of task ids");
        goto out;
    }
    if (!worker_owned(r, th, id, &w))
        goto out;
    ol_diag d = {0};
    size_t n = json_is_array(running) ? json_array_size(running) : 0;
    if (ol_store_worker_heartbeat(r->c->store, id, (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n),
                                  r->now, &d) != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    ol__resp_json(r->ar, r->resp, 200, json_object());
out:
    json_decref(b);
}

static json_t *task_response(ol_coord *c, const ol_store_task *t, ol_near_arena *ar)
{
    char project[OL_STORE_PROJECT_MAX + 1];
    snprintf(project, sizeof project, "%s/%s", t->project_owner, t->project_name);
    json_t *tj = json_loads(t->task_json, 0, NULL);
    char *in64 = ol__b64(ar, t->input, t->input_len);
    if (tj == NULL || in64 == NULL) {
        json_decref(tj);
        return NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "task_id", json_string(t->id));
    json_object_set_new(o, "attempt", json_integer(t->attempt));
    json_object_set_new(o, "lease_ms", json_integer((json_int_t)c->cfg.lease_ms));
    json_object_set_new(o, "call_id", json_string(t->call_id));
    json_object_set_new(o, "project_id", json_string(project));
    json_object_set_new(o, "version_key", json_string(t->version));
    json_object_set_new(o, "input_base64", json_string(in64));
    json_object_set(o, "env", json_object_get(tj, "env"));
    json_object_set(o, "limits", json_object_get(tj, "limits"));
    json_decref(tj);
    return o;
}

/* Claims one task for worker_id. OL_OK with a 200 written, OL_E_NOTFOUND when none (nothing
 * written), else an error response written. */
static ol_err try_claim(ol_coord *c, const char *worker_id, ol_near_arena *ar, ol_coord_resp *resp)
{
    ol_store_task *t = NULL;
    ol_diag d = {0};
    ol_err rc = ol_queue_claim(c->queue, worker_id, ol__coord_now(c), c->cfg.lease_ms, &t, &d);
    if (rc == OL_E_NOTFOUND)
        return rc;
    if (rc != OL_OK) {
        OL_LOG(OL_LOG_ERROR, "event=claim_failed worker=%s queue=%s msg=\"%s\"", worker_id,
               ol_queue_kind(c->queue), d.msg);
        ol__resp_error(ar, resp, 503, "unavailable",
                       "the store or the task queue is unavailable, try again");
        return rc;
    }
    OL_LOG(OL_LOG_INFO, "event=task_claimed call=%s task=%s worker=%s attempt=%" PRIu32, t->call_id,
           t->id, worker_id, t->attempt);
    json_t *o = task_response(c, t, ar);
    if (o != NULL && (rc = ol__coord_secrets_attach(c, t, o, &d)) != OL_OK) {
        /* The lease lapses and the task is delivered again (with a fresh grant). */
        OL_LOG(OL_LOG_ERROR, "event=secrets_attach_failed call=%s worker=%s msg=\"%s\"", t->call_id,
               worker_id, d.msg);
        ol_store_task_free(t);
        json_decref(o);
        ol__resp_error(ar, resp, 503, "unavailable", "the task's secrets could not be resolved");
        return rc;
    }
    ol_store_task_free(t);
    if (o == NULL) {
        /* The lease lapses and the task is delivered again. */
        ol__resp_error(ar, resp, 500, "internal", "out of memory");
        return OL_E_NOMEM;
    }
    ol__resp_json(ar, resp, 200, o);
    return OL_OK;
}

static void h_w_poll(rq *r)
{
    uint8_t th[32];
    ol_store_worker w;
    if (!worker_auth(r, th))
        return;
    const char *id = ol__req_query(r->req, r->ar, "worker_id");
    const char *tm = ol__req_query(r->req, r->ar, "timeout_ms");
    uint64_t timeout = 0;
    if (id == NULL || id[0] == '\0') {
        ERR(r, 400, "bad_request", "worker_id is required");
        return;
    }
    if (tm != NULL && !ol__parse_u64(tm, 60000, &timeout)) {
        ERR(r, 400, "bad_request", "timeout_ms must be 0..60000");
        return;
    }
    if (!worker_owned(r, th, id, &w))
        return;
    if (timeout > r->c->cfg.max_poll_ms)
        timeout = r->c->cfg.max_poll_ms;
    if (try_claim(r->c, id, r->ar, r->resp) != OL_E_NOTFOUND)
        return;
    if (timeout == 0 || atomic_load(&r->c->waiting) >= r->c->cfg.max_waiters) {
        ol__resp_text(r->ar, r->resp, 204, "application/json", "", 0);
        return;
    }
    atomic_fetch_add(&r->c->waiting, 1);
    r->resp->status = 204;
    r->resp->defer.kind = OL_COORD_DEFER_POLL;
    memcpy(r->resp->defer.id, w.id, sizeof w.id);
    r->resp->defer.wait_ms = timeout;
}

void ol__coord_finish_poll(ol_coord *c, const ol_coord_defer *df, ol_near_arena *ar,
                           ol_coord_resp *resp)
{
    uint64_t deadline = ol__coord_mono_ms() + df->wait_ms;
    for (;;) {
        uint64_t gen = ol__coord_queue_gen(c);
        if (try_claim(c, df->id, ar, resp) != OL_E_NOTFOUND)
            return;
        if (atomic_load(&c->shutdown) || ol__coord_mono_ms() >= deadline)
            break;
        ol__coord_queue_wait(c, gen, deadline);
    }
    ol__resp_text(ar, resp, 204, "application/json", "", 0);
}

static void h_w_renew(rq *r)
{
    static const char *const keys[] = {"worker_id", "task_id", "attempt"};
    uint8_t th[32];
    ol_store_worker w;
    if (!worker_auth(r, th))
        return;
    json_t *b = body_object(r, false);
    const char *id, *task;
    uint64_t attempt;
    if (b == NULL)
        return;
    if (!only_keys(r, b, keys, 3, "the body") || !req_str(r, b, "worker_id", 64, &id) ||
        !req_str(r, b, "task_id", 64, &task) ||
        !opt_uint(r, b, "attempt", 1, UINT32_MAX, 0, &attempt))
        goto out;
    if (attempt == 0) {
        ERR(r, 400, "bad_request", "\"attempt\" is required");
        goto out;
    }
    if (!worker_owned(r, th, id, &w))
        goto out;
    ol_diag d = {0};
    ol_err rc =
        ol_queue_renew(r->c->queue, task, id, (uint32_t)attempt, r->now, r->c->cfg.lease_ms, &d);
    if (rc == OL_E_INVAL) {
        ERR(r, 400, "bad_request", "%s", d.msg);
    } else if (rc == OL_E_STATE) {
        ERR(r, 409, "lease_lost", "task %s attempt %" PRIu64 " is no longer leased to you", task,
            attempt);
    } else if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "not_found", "no task %s", task);
    } else if (rc != OL_OK) {
        internal_error(r, &d);
    } else {
        json_t *o = json_object();
        json_object_set_new(o, "lease_ms", json_integer((json_int_t)r->c->cfg.lease_ms));
        ol__resp_json(r->ar, r->resp, 200, o);
    }
out:
    json_decref(b);
}

/* Decodes a base64 member (absent or null: empty) into the arena. */
static bool b64_member(rq *r, json_t *b, const char *key, size_t max, const uint8_t **out,
                       size_t *len)
{
    json_t *v = json_object_get(b, key);
    *out = (const uint8_t *)"";
    *len = 0;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_string(v)) {
        ERR(r, 400, "bad_request", "\"%s\" must be a base64 string", key);
        return false;
    }
    size_t tl = json_string_length(v);
    size_t cap = tl / 4 * 3 + 3;
    uint8_t *p = ol_near_arena_alloc(r->ar, cap + 1);
    size_t n = 0;
    if (p == NULL) {
        ERR(r, 500, "internal", "out of memory");
        return false;
    }
    if (sodium_base642bin(p, cap, json_string_value(v), tl, NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        ERR(r, 400, "bad_request", "\"%s\" is not valid base64", key);
        return false;
    }
    if (n > max) {
        ERR(r, 400, "bad_request", "\"%s\" decodes to %zu bytes; at most %zu", key, n, max);
        return false;
    }
    *out = p;
    *len = n;
    return true;
}

static bool is_run_status(const char *s)
{
    for (size_t i = 0; i < sizeof run_statuses / sizeof run_statuses[0]; i++) {
        if (strcmp(run_statuses[i], s) == 0)
            return true;
    }
    return false;
}

/* The call's limits as submitted (task_json). */
static void call_limits(const ol_store_call *call, uint64_t *max_instr, uint64_t *max_ms)
{
    json_t *t = json_loads(call->task_json, 0, NULL);
    json_t *l = json_object_get(t, "limits");
    json_t *mi = json_object_get(l, "max_instructions");
    json_t *mm = json_object_get(l, "max_execution_ms");
    *max_instr = json_is_integer(mi) ? (uint64_t)json_integer_value(mi) : 0;
    *max_ms = json_is_integer(mm) ? (uint64_t)json_integer_value(mm) : 0;
    json_decref(t);
}

static void h_w_complete(rq *r)
{
    static const char *const keys[] = {
        "worker_id", "task_id", "attempt",      "status",  "exit_code",         "output_base64",
        "stderr",    "error",   "instructions", "time_ms", "transcript_base64", "evidence"};
    ol_coord *c = r->c;
    uint8_t th[32];
    ol_store_worker w;
    ol_store_call *call = NULL;
    char *envelope = NULL;
    if (!worker_auth(r, th))
        return;
    json_t *b = body_object(r, false);
    const char *id, *task, *status, *stderr_text, *error;
    uint64_t attempt, exit_code, instructions, time_ms;
    const uint8_t *output, *transcript;
    size_t output_len, transcript_len;
    ol_diag d = {0};
    if (b == NULL)
        return;
    if (!only_keys(r, b, keys, sizeof keys / sizeof keys[0], "the body") ||
        !req_str(r, b, "worker_id", 64, &id) || !req_str(r, b, "task_id", 64, &task) ||
        !opt_uint(r, b, "attempt", 1, UINT32_MAX, 0, &attempt) ||
        !req_str(r, b, "status", 32, &status) ||
        !opt_uint(r, b, "exit_code", 0, UINT32_MAX, 0, &exit_code) ||
        !opt_str(r, b, "stderr", (size_t)1 << 20, &stderr_text) ||
        !opt_str(r, b, "error", 4096, &error) ||
        !opt_uint(r, b, "instructions", 0, (uint64_t)INT64_MAX, 0, &instructions) ||
        !opt_uint(r, b, "time_ms", 0, (uint64_t)INT64_MAX, 0, &time_ms) ||
        !b64_member(r, b, "output_base64", c->cfg.max_output_bytes, &output, &output_len) ||
        !b64_member(r, b, "transcript_base64", MAX_TRANSCRIPT, &transcript, &transcript_len))
        goto out;
    if (attempt == 0) {
        ERR(r, 400, "bad_request", "\"attempt\" is required");
        goto out;
    }
    if (!is_run_status(status)) {
        ERR(r, 400, "bad_request",
            "\"status\" must be ok, exit, trap, out_of_fuel, timeout, memory_limit, "
            "output_limit, invalid_module, access_denied or secrets_unavailable");
        goto out;
    }
    if (!worker_owned(r, th, id, &w))
        goto out;

    /* Evidence: parse, match it against the result and the call, verify the signature. */
    ol_evidence_record rec;
    char sig[OL_NEAR_KEY_STR_MAX];
    if (ol_evidence_from_json(json_object_get(b, "evidence"), &rec, sig, &d) != OL_OK) {
        ERR(r, 400, "bad_evidence", "%s", d.msg);
        goto out;
    }
    ol_err rc = ol_store_call_get(c->store, rec.call_id, &call, &d);
    if (rc == OL_E_NOTFOUND || (rc == OL_OK && strcmp(call->task_id, task) != 0)) {
        ERR(r, 400, "bad_evidence", "evidence call_id does not belong to task %s", task);
        goto out;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    uint8_t h[32];
    char hex[OL_STORE_SHA_HEX + 1], project[OL_STORE_PROJECT_MAX + 1];
    const char *mismatch = NULL;
    snprintf(project, sizeof project, "%s/%s", call->project_owner, call->project_name);
    if (strcmp(rec.project_id, project) != 0)
        mismatch = "project_id";
    else if (strcmp(rec.wasm_sha256, call->version) != 0)
        mismatch = "wasm_sha256";
    if (mismatch == NULL) {
        crypto_hash_sha256(h, call->input, call->input_len);
        ol_evidence_hex(h, hex);
        if (strcmp(rec.input_sha256, hex) != 0)
            mismatch = "input_sha256";
    }
    if (mismatch == NULL) {
        crypto_hash_sha256(h, output, output_len);
        ol_evidence_hex(h, hex);
        if (strcmp(rec.output_sha256, hex) != 0)
            mismatch = "output_sha256";
    }
    if (mismatch == NULL && transcript_len > 0) {
        crypto_hash_sha256(h, transcript, transcript_len);
        ol_evidence_hex(h, hex);
        if (strcmp(rec.transcript_sha256, hex) != 0)
            mismatch = "transcript_sha256";
    }
    if (mismatch == NULL) {
        if (rec.instructions != instructions)
            mismatch = "instructions";
        else if (strcmp(rec.status, status) != 0)
            mismatch = "status";
        else if (rec.exit_code != exit_code)
            mismatch = "exit_code";
        else if (strcmp(rec.worker_id, id) != 0)
            mismatch = "worker_id";
    }
    ol_near_public_key reg, claimed;
    if (mismatch == NULL &&
        (ol_near_public_key_parse(w.public_key, &reg, NULL) != OL_OK ||
         ol_near_public_key_parse(rec.worker_public_key, &claimed, NULL) != OL_OK ||
         !ol_near_public_key_eq(&reg, &claimed)))
        mismatch = "worker_public_key";
    if (mismatch != NULL) {
        ERR(r, 400, "bad_evidence", "evidence %s does not match the reported result", mismatch);
        goto out;
    }
    if (ol_evidence_verify(&rec, sig, &reg, &d) != OL_OK) {
        ERR(r, 400, "bad_evidence", "%s (against the registered key of worker %s)", d.msg, id);
        goto out;
    }

    /* Outcome and charge. */
    uint64_t max_instr, max_ms;
    call_limits(call, &max_instr, &max_ms);
    if (max_instr != 0 && instructions > max_instr) {
        ERR(r, 400, "bad_request", "instructions %" PRIu64 " exceed the task's limit %" PRIu64,
            instructions, max_instr);
        goto out;
    }
    bool success = false;
    const char *code = status;
    char msg[640];
    msg[0] = '\0';
    if (strcmp(status, "ok") == 0) {
        json_error_t je;
        json_t *j = output_len > 0
                        ? json_loadb((const char *)output, output_len, JSON_DECODE_ANY, &je)
                        : NULL;
        if (j != NULL) {
            success = true;
            code = "";
            json_decref(j);
        } else {
            code = "invalid_output";
            if (output_len == 0)
                snprintf(msg, sizeof msg,
                         "the program wrote nothing to stdout; on the HTTPS "
                         "path its output must be JSON");
            else
                snprintf(msg, sizeof msg,
                         "the program's stdout is not valid JSON: %s (line %d, column %d)", je.text,
                         je.line, je.column);
        }
    } else if (strcmp(status, "exit") == 0) {
        snprintf(msg, sizeof msg, "the program exited with code %" PRIu64 "%s%s", exit_code,
                 error != NULL ? ": " : "", error != NULL ? error : "");
    } else {
        snprintf(msg, sizeof msg, "%s", error != NULL ? error : status);
    }
    uint64_t charge = 0;
    if (strcmp(status, "access_denied") == 0) {
        /* Refused before anything ran: the base fee, as a run of 0 instructions and 0 ms. */
        if (ol_coord_price(&c->prices, 0, 0, 0, &charge, &d) != OL_OK ||
            charge > call->compute_limit)
            charge = call->compute_limit;
    } else if (strcmp(status, "invalid_module") != 0 &&
               strcmp(status, "secrets_unavailable") != 0) {
        /* secrets_unavailable, like invalid_module, is the platform's failure: not charged. */
        if (ol_coord_price(&c->prices, instructions, time_ms, max_ms, &charge, &d) != OL_OK)
            charge = call->compute_limit;
        if (!OL_ALWAYS(charge <= call->compute_limit))
            charge = call->compute_limit;
    }
    size_t env_len = 0;
    if (ol_evidence_envelope(&rec, sig, &envelope, &env_len, &d) != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    char stderr_keep[STDERR_KEEP + 1];
    const char *stderr_store = NULL;
    if (stderr_text != NULL) {
        size_t sl = strlen(stderr_text);
        if (sl > STDERR_KEEP) {
            /* Cut on a UTF-8 boundary. */
            sl = STDERR_KEEP;
            while (sl > 0 && ((unsigned char)stderr_text[sl] & 0xc0) == 0x80)
                sl--;
        }
        memcpy(stderr_keep, stderr_text, sl);
        stderr_keep[sl] = '\0';
        stderr_store = stderr_keep;
    }
    ol_store_completion comp = {.task_id = task,
                                .worker_id = id,
                                .attempt = (uint32_t)attempt,
                                .success = success,
                                .error_code = code,
                                .error = msg,
                                .run_status = status,
                                .exit_code = (uint32_t)exit_code,
                                .instructions = instructions,
                                .time_ms = time_ms,
                                .charge = charge,
                                .output = output,
                                .output_len = output_len,
                                .stderr_text = stderr_store,
                                .evidence = envelope,
                                .transcript = transcript,
                                .transcript_len = transcript_len};
    bool settled = false;
    uint64_t now = ol__coord_now(c);
    rc = ol_queue_complete(c->queue, &comp, now, &settled, &d);
    if (rc == OL_E_INVAL) {
        ERR(r, 400, "bad_request", "%s", d.msg);
        goto out;
    }
    if (rc == OL_E_STATE) {
        ERR(r, 409, "lease_lost", "task %s attempt %" PRIu64 " no longer holds the lease", task,
            attempt);
        goto out;
    }
    if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "not_found", "no task %s", task);
        goto out;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        goto out;
    }
    if (settled) {
        /* The synchronous caller may wait on another coordinator. */
        ol__coord_call_changed(c, call->id);
        ol__coord_observe_latency(c, now > call->created_ms ? now - call->created_ms : 0);
        OL_LOG(OL_LOG_INFO,
               "event=call_settled call=%s status=%s code=%s run_status=%s instructions=%" PRIu64
               " time_ms=%" PRIu64 " charged=%" PRIu64 " worker=%s attempt=%" PRIu64,
               call->id, success ? "completed" : "failed", success ? "-" : code, status,
               instructions, time_ms, charge, id, attempt);
    }
    json_t *o = json_object();
    json_object_set_new(o, "settled", json_boolean(settled));
    ol__resp_json(r->ar, r->resp, 200, o);
out:
    free(envelope);
    ol_store_call_free(call);
    json_decref(b);
}

/* True when the bearer is the admin token (no error response either way). */
static bool bearer_is_admin(rq *r)
{
    const char *tok = ol__req_bearer(r->req);
    uint8_t h[32];
    if (!r->c->admin_enabled || tok == NULL)
        return false;
    crypto_hash_sha256(h, (const uint8_t *)tok, strlen(tok));
    return sodium_memcmp(h, r->c->admin_hash, 32) == 0;
}

/* Module bytes by content hash: for workers, and for the admin (outlayer verify replays runs). */
static void h_wasm(rq *r)
{
    uint8_t th[32];
    if (!bearer_is_admin(r) && !worker_auth(r, th))
        return;
    const char *sha = r->seg[1];
    uint8_t *bytes = NULL;
    size_t len = 0;
    ol_diag d = {0};
    ol_err rc = ol_store_wasm_get(r->c->store, sha, &bytes, &len, &d);
    if (rc == OL_E_NOTFOUND) {
        ERR(r, 404, "not_found", "no wasm module %.64s", sha);
        return;
    }
    if (rc != OL_OK) {
        internal_error(r, &d);
        return;
    }
    ol__resp_text(r->ar, r->resp, 200, "application/wasm", (const char *)bytes, len);
    free(bytes);
}

/* --------------------------------------- operations --------------------------------------- */

/* 200 when both the store and the queue answer; else 503 naming which does not (a coordinator
 * that cannot deliver tasks is as unusable as one without its database). */
static void h_health(rq *r)
{
    ol_diag d = {0};
    bool store_ok = ol_store_ping(r->c->store, &d) == OL_OK;
    bool queue_ok = ol_queue_ping(r->c->queue, &d) == OL_OK;
    json_t *o = json_object();
    json_t *q = json_object();
    json_object_set_new(q, "kind", json_string(ol_queue_kind(r->c->queue)));
    json_object_set_new(q, "status", json_string(queue_ok ? "ok" : "failing"));
    if (store_ok && queue_ok) {
        json_object_set_new(o, "status", json_string("ok"));
        json_object_set_new(o, "queue", q);
        ol__resp_json(r->ar, r->resp, 200, o);
        return;
    }
    json_object_set_new(o, "status", json_string("unavailable"));
    json_object_set_new(o, "error",
                        json_string(!store_ok && !queue_ok ? "neither the store nor the task "
                                                             "queue answers"
                                    : !store_ok            ? "the store does not answer"
                                                           : "the task queue does not answer"));
    json_object_set_new(o, "code", json_string("unavailable"));
    json_object_set_new(o, "queue", q);
    ol__resp_json(r->ar, r->resp, 503, o);
}

static void h_metrics(rq *r)
{
    ol__coord_metrics_text(r->c, r->ar, r->resp);
}

typedef struct wlist {
    json_t *arr;
    uint64_t now, stale_after, online;
} wlist;

static int collect_worker(void *ud, const ol_store_worker *w)
{
    wlist *wl = ud;
    bool online = w->last_seen_ms + wl->stale_after >= wl->now;
    wl->online += online;
    if (wl->arr == NULL)
        return 0;
    json_t *o = json_object();
    json_object_set_new(o, "worker_id", json_string(w->id));
    json_object_set_new(o, "worker_name", json_string(w->name));
    json_object_set_new(o, "status", json_string(online ? "online" : "stale"));
    json_object_set_new(o, "capacity", json_integer(w->capacity));
    json_object_set_new(o, "running", json_integer(w->running));
    json_object_set_new(o, "public_key", json_string(w->public_key));
    json_object_set_new(o, "registered_at", json_integer((json_int_t)w->registered_ms));
    json_object_set_new(o, "last_heartbeat_at", json_integer((json_int_t)w->last_seen_ms));
    json_array_append_new(wl->arr, o);
    return 0;
}

static void h_public_workers(rq *r)
{
    wlist wl = {json_array(), r->now, 3 * r->c->cfg.heartbeat_ms, 0};
    ol_diag d = {0};
    if (ol_store_worker_list(r->c->store, collect_worker, &wl, &d) != OL_OK) {
        json_decref(wl.arr);
        internal_error(r, &d);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "workers", wl.arr);
    ol__resp_json(r->ar, r->resp, 200, o);
}

static void h_public_stats(rq *r)
{
    ol_store_stats st;
    ol_diag d = {0};
    wlist wl = {NULL, r->now, 3 * r->c->cfg.heartbeat_ms, 0};
    if (ol_store_stats_get(r->c->store, &st, &d) != OL_OK ||
        ol_store_worker_list(r->c->store, collect_worker, &wl, &d) != OL_OK) {
        internal_error(r, &d);
        return;
    }
    uint64_t total = st.calls[0] + st.calls[1] + st.calls[2] + st.calls[3];
    json_t *o = json_object();
    json_object_set_new(o, "total_calls", json_integer((json_int_t)total));
    json_object_set_new(o, "completed_calls",
                        json_integer((json_int_t)st.calls[OL_STORE_CALL_COMPLETED]));
    json_object_set_new(o, "failed_calls",
                        json_integer((json_int_t)st.calls[OL_STORE_CALL_FAILED]));
    json_object_set_new(o, "pending_calls",
                        json_integer((json_int_t)st.calls[OL_STORE_CALL_PENDING]));
    json_object_set_new(o, "running_calls",
                        json_integer((json_int_t)st.calls[OL_STORE_CALL_RUNNING]));
    json_object_set_new(o, "total_instructions", json_integer((json_int_t)st.total_instructions));
    json_object_set_new(
        o, "average_time_ms",
        json_integer((json_int_t)(st.ran_calls > 0 ? st.total_time_ms / st.ran_calls : 0)));
    json_object_set_new(o, "unique_users", json_integer((json_int_t)st.unique_users));
    json_object_set_new(o, "active_workers", json_integer((json_int_t)wl.online));
    json_object_set_new(o, "total_workers", json_integer((json_int_t)st.workers));
    json_object_set_new(o, "queue_depth", json_integer((json_int_t)st.queue_depth));
    json_object_set_new(o, "projects", json_integer((json_int_t)st.projects));
    ol__resp_json(r->ar, r->resp, 200, o);
}

/* The secrets routes live in coord_secrets.c. */
static void sroute(rq *r, void (*fn)(const coord_sreq *x), bool admin)
{
    if (admin && !admin_ok(r))
        return;
    coord_sreq x = {r->c, r->req, r->ar, r->resp, r->now};
    fn(&x);
}

static void h_secrets_pubkey(rq *r)
{
    sroute(r, ol__coord_h_secrets_pubkey, false);
}

static void h_secrets_put(rq *r)
{
    sroute(r, ol__coord_h_secrets_put, false);
}

static void h_secrets_list(rq *r)
{
    sroute(r, ol__coord_h_secrets_list, false);
}

static void h_secrets_delete(rq *r)
{
    sroute(r, ol__coord_h_secrets_delete, false);
}

static void h_coord_public_key(rq *r)
{
    sroute(r, ol__coord_h_public_key, false);
}

static void h_admin_owners_add(rq *r)
{
    sroute(r, ol__coord_h_owners_add, true);
}

static void h_admin_owners_list(rq *r)
{
    sroute(r, ol__coord_h_owners_list, true);
}

static void h_admin_owners_remove(rq *r)
{
    sroute(r, ol__coord_h_owners_remove, true);
}

static void h_earnings(rq *r)
{
    const char *owner = r->seg[2];
    if (!valid_owner(owner)) {
        ERR(r, 400, "bad_request", "owner must be an account id");
        return;
    }
    ol_store_earnings e;
    ol_diag d = {0};
    if (ol_store_earnings_get(r->c->store, owner, &e, &d) != OL_OK) {
        internal_error(r, &d);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "owner", json_string(owner));
    json_object_set_new(o, "balance", ol__json_u64s(e.balance));
    json_object_set_new(o, "total_earned", ol__json_u64s(e.total_earned));
    json_object_set_new(o, "updated_at", jms(e.updated_ms));
    ol__resp_json(r->ar, r->resp, 200, o);
}

/* ----------------------------------------- router ----------------------------------------- */

typedef struct route {
    const char *method;
    const char *pat[6]; /* literal segments; "*" matches any one segment */
    size_t n;
    void (*fn)(rq *r);
} route;

static const route routes[] = {
    {"GET", {"health"}, 1, h_health},
    {"GET", {"metrics"}, 1, h_metrics},
    {"GET", {"public", "stats"}, 2, h_public_stats},
    {"GET", {"public", "workers"}, 2, h_public_workers},
    {"GET", {"public", "project-earnings", "*"}, 3, h_earnings},
    {"POST", {"call", "*", "*"}, 3, h_call},
    {"GET", {"calls", "*"}, 2, h_call_get},
    {"GET", {"calls", "*", "evidence"}, 3, h_call_evidence},
    {"GET", {"payment-keys", "balance"}, 2, h_balance},
    {"POST", {"admin", "projects"}, 2, h_admin_project_create},
    {"GET", {"admin", "projects"}, 2, h_admin_projects},
    {"GET", {"admin", "projects", "*", "*"}, 4, h_admin_project_get},
    {"POST", {"admin", "projects", "*", "*", "versions"}, 5, h_admin_version_upload},
    {"POST", {"admin", "projects", "*", "*", "activate"}, 5, h_admin_activate},
    {"POST", {"admin", "payment-keys"}, 2, h_admin_key_create},
    {"GET", {"admin", "payment-keys"}, 2, h_admin_keys},
    {"POST", {"admin", "payment-keys", "*", "*", "top-up"}, 5, h_admin_topup},
    {"POST", {"admin", "worker-tokens"}, 2, h_admin_worker_token},
    {"POST", {"worker", "register"}, 2, h_w_register},
    {"POST", {"worker", "heartbeat"}, 2, h_w_heartbeat},
    {"GET", {"worker", "poll"}, 2, h_w_poll},
    {"POST", {"worker", "renew"}, 2, h_w_renew},
    {"POST", {"worker", "complete"}, 2, h_w_complete},
    {"GET", {"wasm", "*"}, 2, h_wasm},
    {"POST", {"secrets", "pubkey"}, 2, h_secrets_pubkey},
    {"POST", {"secrets"}, 1, h_secrets_put},
    {"POST", {"secrets", "list"}, 2, h_secrets_list},
    {"POST", {"secrets", "delete"}, 2, h_secrets_delete},
    {"GET", {"coordinator", "public-key"}, 2, h_coord_public_key},
    {"POST", {"admin", "owners"}, 2, h_admin_owners_add},
    {"GET", {"admin", "owners"}, 2, h_admin_owners_list},
    {"POST", {"admin", "owners", "remove"}, 3, h_admin_owners_remove},
};

/* Splits the path into arena copies of its segments. False after answering 404/400. */
static bool split_path(rq *r)
{
    const char *p = r->req->path;
    if (p == NULL || p[0] != '/') {
        ERR(r, 400, "bad_request", "the path must start with /");
        return false;
    }
    p++;
    r->nseg = 0;
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (r->nseg == MAX_SEGS || n == 0 || n > MAX_SEG_LEN) {
            ERR(r, 404, "not_found", "no such route");
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            char ch = p[i];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == '~')) {
                ERR(r, 400, "bad_request", "path segment %zu has an invalid character",
                    r->nseg + 1);
                return false;
            }
        }
        char *s = ol_near_arena_strndup(r->ar, p, n);
        if (s == NULL) {
            ERR(r, 500, "internal", "out of memory");
            return false;
        }
        r->seg[r->nseg++] = s;
        if (slash == NULL)
            break;
        p = slash + 1;
        if (*p == '\0') {
            ERR(r, 404, "not_found", "no such route (trailing slash)");
            return false;
        }
    }
    return true;
}

void ol_coord_handle(ol_coord *c, const ol_coord_req *req, ol_near_arena *ar, ol_coord_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    rq r = {.c = c, .req = req, .ar = ar, .resp = resp, .now = ol__coord_now(c)};
    const char *method = req->method != NULL ? req->method : "";
    if (atomic_load(&c->shutdown)) {
        ERR(&r, 503, "unavailable", "the coordinator is shutting down");
        goto done;
    }
    if (req->body_too_large) {
        ERR(&r, 413, "body_too_large",
            "the request body exceeds the cap (%" PRIu64 " bytes; %" PRIu64
            " for worker completions)",
            c->cfg.max_body_bytes, c->cfg.max_worker_body_bytes);
        goto done;
    }
    if (strcmp(method, "OPTIONS") == 0) {
        ol__resp_text(ar, resp, 204, "text/plain", "", 0);
        goto done;
    }
    if (strcmp(method, "HEAD") == 0)
        method = "GET"; /* libmicrohttpd drops the body */
    if (!split_path(&r))
        goto done;
    bool path_known = false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const route *rt = &routes[i];
        if (rt->n != r.nseg)
            continue;
        size_t k = 0;
        while (k < rt->n && (strcmp(rt->pat[k], "*") == 0 || strcmp(rt->pat[k], r.seg[k]) == 0))
            k++;
        if (k != rt->n)
            continue;
        path_known = true;
        if (strcmp(rt->method, method) == 0) {
            rt->fn(&r);
            goto done;
        }
    }
    if (path_known)
        ERR(&r, 405, "method_not_allowed", "%.16s is not allowed on this path", method);
    else
        ERR(&r, 404, "not_found", "no such route");
done:
    if (resp->defer.kind == OL_COORD_DEFER_NONE)
        ol__coord_count_status(c, resp->status);
    OL_LOG(OL_LOG_DEBUG, "event=http method=%.16s path=\"%.200s\" status=%u deferred=%d", method,
           req->path != NULL ? req->path : "", resp->status, (int)resp->defer.kind);
}

void ol_coord_finish(ol_coord *c, const ol_coord_defer *df, ol_near_arena *ar, ol_coord_resp *resp)
{
    ol_coord_defer copy = *df; /* resp may alias df */
    memset(resp, 0, sizeof *resp);
    switch (copy.kind) {
    case OL_COORD_DEFER_CALL:
        ol__coord_finish_call(c, &copy, ar, resp);
        break;
    case OL_COORD_DEFER_POLL:
        ol__coord_finish_poll(c, &copy, ar, resp);
        break;
    case OL_COORD_DEFER_NONE:
        ol__resp_error(ar, resp, 500, "internal", "nothing to finish");
        ol__coord_count_status(c, resp->status);
        return;
    }
    atomic_fetch_sub(&c->waiting, 1);
    ol__coord_count_status(c, resp->status);
}

ol_err ol_coord_sweep(ol_coord *c, ol_diag *d)
{
    uint64_t now = ol__coord_now(c);
    uint64_t ttl = c->cfg.queue_ttl_ms;
    ol_store_sweep sw;
    ol_err rc = ol_queue_sweep(c->queue, now, now > ttl ? now - ttl : 0, 0, &sw, d);
    if (rc != OL_OK)
        return rc;
    /* Every call is in at most one pass's lists, whichever coordinator ran it (the store
     * decides each lapse and failure once), so each is logged and announced once. */
    for (size_t i = 0; i < sw.nfailed; i++)
        OL_LOG(OL_LOG_WARN, "event=call_failed_by_sweeper call=%s", sw.failed[i]);
    for (size_t i = 0; i < sw.nrequeued; i++)
        OL_LOG(OL_LOG_WARN, "event=lease_lapsed call=%s (requeued)", sw.requeued[i]);
    ol__coord_sweep_notify(c, &sw);
    free(sw.failed);
    free(sw.requeued);
    ol__coord_rate_gc(&c->rate, now);
    return OL_OK;
}
