/* The coordinator's side of secrets (issue #6; docs/api.md "Secrets"): encrypted secrets stored
 * per (accessor, profile, owner), owner keys and NEP-413 owner authentication, the keystore
 * client, and the run grants attached to a claimed task.
 *
 * Trust
 *   - The coordinator never sees a plaintext. It stores ECIES ciphertexts; the keystore decrypts
 *     them to validate and expand an upload (/secrets/prepare) and, for a worker holding a grant
 *     this coordinator signed, to run a call (/decrypt).
 *   - An owner authorises every write, list and delete with a NEP-413 signature over a text that
 *     names the operation and everything it acts on (ol_ks_owner_message()), rebuilt here from
 *     the request itself. The checks run in the order key registered -> clock skew -> signature
 *     -> nonce, so a forged request never burns a nonce its owner might still use.
 *   - A grant names the claiming worker's registered public key, the call, the caller (the
 *     payment key's owner) and the hashes of the exact ciphertext and access condition sent
 *     along, so a worker cannot use it for another worker, call, secret or condition.
 *   - Secrets are looked up when a worker claims the task, not at submit: an update made after
 *     the call was submitted is what runs.
 *
 * Logging: event, owner, profile, version, call and worker ids only; never a body, a
 * ciphertext, a token, a secret name or a value.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "coord_int.h"
#include "ol/keystore.h"

#define KS_CONNECT_TIMEOUT_MS 5000L
#define KS_TIMEOUT_MS         30000L /* a 10 MiB ciphertext each way on a LAN fits easily */
#define KS_RESP_MAX           ((size_t)32 << 20)

/* ====================================== keystore client ====================================== */

struct coord_ks_http {
    char *base; /* without a trailing '/' */
    char *auth; /* "Authorization: Bearer <token>" (secret; wiped on free) */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_once_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    curl_once_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct ks_buf {
    char *p;
    size_t len, cap;
    bool too_big;
} ks_buf;

static size_t ks_on_write(char *p, size_t size, size_t n, void *ud)
{
    ks_buf *b = ud;
    size_t len = size * n;
    if (len > KS_RESP_MAX - b->len) {
        b->too_big = true;
        return 0; /* aborts the transfer */
    }
    if (b->len + len + 1 > b->cap) {
        size_t ncap = b->cap == 0 ? 4096 : b->cap;
        while (ncap < b->len + len + 1)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (np == NULL)
            return 0;
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
    return len;
}

static ol_err ks_http_post(void *ud, const char *path, const char *body, size_t body_len,
                           unsigned *status, char **resp, size_t *resp_len, ol_diag *d)
{
    struct coord_ks_http *h = ud;
    size_t ul = strlen(h->base) + strlen(path) + 1;
    char *url = malloc(ul);
    if (url == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "keystore request");
    snprintf(url, ul, "%s%s", h->base, path);
    CURL *k = curl_easy_init();
    struct curl_slist *hdrs = NULL, *tmp;
    ks_buf b = {0};
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    ol_err rc = OL_OK;
    if (k == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "keystore request: curl_easy_init failed");
        goto out;
    }
    if ((tmp = curl_slist_append(hdrs, "Content-Type: application/json")) == NULL ||
        (hdrs = tmp, tmp = curl_slist_append(hdrs, h->auth)) == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "keystore request headers");
        goto out;
    }
    hdrs = tmp;
    CURLcode cc;
    if ((cc = curl_easy_setopt(k, CURLOPT_URL, url)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https")) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_HTTPHEADER, hdrs)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_USERAGENT, "outlayer-coordinator/1")) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT_MS, KS_CONNECT_TIMEOUT_MS)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, KS_TIMEOUT_MS)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_POSTFIELDS, body)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, ks_on_write)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_WRITEDATA, &b)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_ERRORBUFFER, errbuf)) != CURLE_OK) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "keystore request: %s", curl_easy_strerror(cc));
        goto out;
    }
    cc = curl_easy_perform(k);
    if (cc != CURLE_OK) {
        rc = OL_FAIL(d, OL_E_IO, "keystore %s%s: %s", h->base, path,
                     b.too_big        ? "response too large"
                     : errbuf[0] != 0 ? errbuf
                                      : curl_easy_strerror(cc));
        goto out;
    }
    long code = 0;
    curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &code);
    if (b.p == NULL && (b.p = calloc(1, 1)) == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "keystore response");
        goto out;
    }
    *status = (unsigned)code;
    *resp = b.p;
    *resp_len = b.len;
    b.p = NULL;
out:
    free(b.p);
    /* libcurl copied the Authorization line: wipe the copy before it is freed. */
    for (struct curl_slist *it = hdrs; it != NULL; it = it->next)
        sodium_memzero(it->data, strlen(it->data));
    curl_slist_free_all(hdrs);
    if (k != NULL)
        curl_easy_cleanup(k);
    free(url);
    return rc;
}

static void ks_http_free(struct coord_ks_http *h)
{
    if (h == NULL)
        return;
    if (h->auth != NULL) {
        sodium_memzero(h->auth, strlen(h->auth));
        free(h->auth);
    }
    free(h->base);
    free(h);
}

static ol_err ks_http_new(const char *url, const char *token, struct coord_ks_http **out,
                          ol_diag *d)
{
    pthread_once(&curl_once, curl_init_once);
    if (curl_once_rc != CURLE_OK)
        return OL_FAIL(d, OL_E_INTERNAL, "curl_global_init: %s", curl_easy_strerror(curl_once_rc));
    struct coord_ks_http *h = calloc(1, sizeof *h);
    if (h == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "keystore client");
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    size_t al = strlen(token) + sizeof "Authorization: Bearer ";
    h->base = strndup(url, n);
    h->auth = malloc(al);
    if (h->base == NULL || h->auth == NULL) {
        ks_http_free(h);
        return OL_FAIL(d, OL_E_NOMEM, "keystore client");
    }
    snprintf(h->auth, al, "Authorization: Bearer %s", token);
    *out = h;
    return OL_OK;
}

void ol_coord_set_keystore(ol_coord *c, ol_coord_keystore_fn fn, void *ud)
{
    c->ks_fn = fn;
    c->ks_ud = fn != NULL ? ud : NULL;
}

ol_err ol__coord_secrets_init(ol_coord *c, const ol_coord_config *cfg, ol_diag *d)
{
    /* The copy in c->cfg must not point at the caller's strings (nor keep the token). */
    c->cfg.keystore_url = NULL;
    c->cfg.keystore_token = NULL;
    c->cfg.signing_key_file = NULL;
    c->grant_ttl_s = cfg->grant_ttl_s;
    atomic_init(&c->warned_no_grant_key, false);
    if (cfg->signing_key_file != NULL && cfg->signing_key_file[0] != '\0') {
        ol_near_credentials cr;
        ol_diag kd = {0};
        ol_err rc = ol_near_credentials_read(cfg->signing_key_file, &cr, &kd);
        if (rc != OL_OK) {
            ol_near_credentials_wipe(&cr);
            return OL_FAIL(d, rc, "signing-key-file %s: %s", cfg->signing_key_file, kd.msg);
        }
        c->grant_sk = cr.secret_key;
        ol_near_public_key_format(&cr.public_key, c->grant_pk);
        ol_near_credentials_wipe(&cr);
        c->has_grant_key = true;
    }
    if (cfg->keystore_url != NULL && cfg->keystore_url[0] != '\0') {
        ol_err rc =
            ks_http_new(cfg->keystore_url, cfg->keystore_token != NULL ? cfg->keystore_token : "",
                        &c->ks_http, d);
        if (rc != OL_OK)
            return rc;
        c->ks_fn = ks_http_post;
        c->ks_ud = c->ks_http;
    }
    OL_LOG(OL_LOG_INFO, "event=secrets_config keystore=%s grant_key=%s grant_ttl_s=%" PRIu64,
           c->ks_http != NULL ? c->ks_http->base : "none", c->has_grant_key ? c->grant_pk : "none",
           c->grant_ttl_s);
    return OL_OK;
}

void ol__coord_secrets_fini(ol_coord *c)
{
    ks_http_free(c->ks_http);
    c->ks_http = NULL;
    c->ks_fn = NULL;
    ol_near_secret_key_wipe(&c->grant_sk);
    c->has_grant_key = false;
}

/* ========================================= helpers ========================================= */

#define ERR(x, status, code, ...) ol__resp_error((x)->ar, (x)->resp, (status), (code), __VA_ARGS__)

static void internal(const coord_sreq *x, const char *what, const ol_diag *d)
{
    OL_LOG(OL_LOG_ERROR, "event=internal_error route=%s msg=\"%s\"", what, d->msg);
    if (d->code == OL_E_IO)
        ERR(x, 503, "unavailable", "the store is unavailable, try again");
    else
        ERR(x, 500, "internal", "internal error");
}

/* The body as a JSON object; NULL after answering 400. */
static json_t *body_object(const coord_sreq *x)
{
    const ol_coord_req *q = x->req;
    if (q->body_len == 0) {
        ERR(x, 400, "invalid_request", "the request body must be a JSON object");
        return NULL;
    }
    json_error_t je;
    json_t *o = json_loadb((const char *)q->body, q->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        if (o == NULL)
            ERR(x, 400, "invalid_request", "the body is not valid JSON: %s (line %d, column %d)",
                je.text, je.line, je.column);
        else
            ERR(x, 400, "invalid_request", "the request body must be a JSON object");
        json_decref(o);
        return NULL;
    }
    return o;
}

static bool only_keys(const coord_sreq *x, json_t *o, const char *const *keys, size_t n,
                      const char *what)
{
    const char *k = ol__json_unknown_key(o, keys, n);
    if (k != NULL)
        ERR(x, 400, "invalid_request", "unknown key \"%.64s\" in %s", k, what);
    return k == NULL;
}

/* A required string member without NUL, 1..max bytes. */
static const char *req_str(const coord_sreq *x, json_t *o, const char *key, size_t max)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        ERR(x, 400, "invalid_request", "\"%s\" must be a string of 1..%zu bytes", key, max);
        return NULL;
    }
    return json_string_value(v);
}

static const char *req_owner(const coord_sreq *x, json_t *o)
{
    const char *owner = req_str(x, o, "owner", OL_STORE_OWNER_MAX);
    ol_diag d = {0};
    if (owner != NULL && ol_near_account_id_validate(owner, strlen(owner), &d) != OL_OK) {
        ERR(x, 400, "invalid_request", "owner: %s", d.msg);
        return NULL;
    }
    return owner;
}

static bool profile_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > OL_KS_PROFILE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static const char *req_profile(const coord_sreq *x, json_t *o)
{
    json_t *v = json_object_get(o, "profile");
    const char *p = json_is_string(v) ? json_string_value(v) : NULL;
    if (p == NULL || strlen(p) != json_string_length(v) || !profile_ok(p)) {
        ERR(x, 400, "invalid_request", "\"profile\" must match [A-Za-z0-9_-]{1,64}");
        return NULL;
    }
    return p;
}

/* The accessor member: parsed, normalized; *text (malloc'd, free()) is its stored form. */
static bool req_accessor(const coord_sreq *x, json_t *o, ol_ks_accessor *acc, char **text)
{
    json_t *v = json_object_get(o, "accessor");
    *text = NULL;
    if (v == NULL) {
        ERR(x, 400, "invalid_request", "\"accessor\" is required");
        return false;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    ol_diag d = {0};
    ol_err rc = s != NULL ? ol_ks_accessor_parse(s, strlen(s), acc, &d)
                          : OL_FAIL(&d, OL_E_NOMEM, "accessor");
    free(s);
    if (rc == OL_OK)
        rc = ol_ks_accessor_json(acc, text, &d);
    if (rc == OL_E_NOMEM) {
        ERR(x, 500, "internal", "out of memory");
        return false;
    }
    if (rc != OL_OK) {
        ERR(x, 400, "invalid_request", "accessor: %s", d.msg);
        return false;
    }
    if (strlen(*text) > OL_STORE_ACCESSOR_MAX) {
        free(*text);
        *text = NULL;
        ERR(x, 400, "invalid_request", "accessor: longer than %d bytes", OL_STORE_ACCESSOR_MAX);
        return false;
    }
    return true;
}

static ol_err ct_from_b64(const char *b64, size_t len, uint8_t **out, size_t *out_len, ol_diag *d)
{
    size_t cap = ol_near_base64_decoded_max(len);
    if (cap > OL_STORE_SECRET_MAX + 3)
        return OL_FAIL(d, OL_E_LIMIT, "larger than %u bytes", OL_STORE_SECRET_MAX);
    uint8_t *p = malloc(cap > 0 ? cap : 1);
    if (p == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "ciphertext");
    size_t n = 0;
    if (ol_near_base64_decode(b64, len, p, cap, &n, NULL) != OL_OK) {
        free(p);
        return OL_FAIL(d, OL_E_MALFORMED, "not canonical base64");
    }
    if (n > OL_STORE_SECRET_MAX) {
        free(p);
        return OL_FAIL(d, OL_E_LIMIT, "larger than %u bytes", OL_STORE_SECRET_MAX);
    }
    *out = p;
    *out_len = n;
    return OL_OK;
}

/* ==================================== owner authentication ==================================== */

static const char *const auth_keys[] = {"public_key", "nonce", "timestamp_ms", "signature"};

/* Verifies body.auth for the operation `op` (every field but timestamp_ms set by the caller).
 * false after answering (400 for a malformed auth object, 401 for a refusal). */
static bool owner_auth(const coord_sreq *x, json_t *body, ol_ks_owner_op *op)
{
    ol_coord *c = x->c;
    json_t *a = json_object_get(body, "auth");
    if (!json_is_object(a)) {
        ERR(x, 400, "invalid_request",
            "\"auth\" is required: {\"public_key\", \"nonce\", \"timestamp_ms\", \"signature\"}");
        return false;
    }
    if (!only_keys(x, a, auth_keys, sizeof auth_keys / sizeof auth_keys[0], "auth"))
        return false;
    const char *pk_text = req_str(x, a, "public_key", OL_NEAR_KEY_STR_MAX - 1);
    const char *nonce_text = pk_text != NULL ? req_str(x, a, "nonce", 64) : NULL;
    const char *sig_text =
        nonce_text != NULL ? req_str(x, a, "signature", OL_NEAR_KEY_STR_MAX - 1) : NULL;
    if (sig_text == NULL)
        return false;
    json_t *ts = json_object_get(a, "timestamp_ms");
    if (!json_is_integer(ts) || json_integer_value(ts) < 0) {
        ERR(x, 400, "invalid_request", "auth.timestamp_ms must be unix milliseconds");
        return false;
    }
    uint64_t ts_ms = (uint64_t)json_integer_value(ts);
    uint8_t nonce[OL_NEAR_NEP413_NONCE_LEN];
    size_t nl = 0;
    if (ol_near_base64_decode(nonce_text, strlen(nonce_text), nonce, sizeof nonce, &nl, NULL) !=
            OL_OK ||
        nl != sizeof nonce) {
        ERR(x, 400, "invalid_request", "auth.nonce must be the base64 of 32 bytes");
        return false;
    }
    ol_near_public_key pk;
    ol_near_signature sig;
    if (ol_near_public_key_parse(pk_text, &pk, NULL) != OL_OK || pk.type != OL_NEAR_KEY_ED25519) {
        ERR(x, 401, "unauthorized", "auth.public_key must be an ed25519:<base58> key");
        return false;
    }
    if (ol_near_signature_parse(sig_text, &sig, NULL) != OL_OK || sig.type != OL_NEAR_KEY_ED25519) {
        ERR(x, 401, "unauthorized", "auth.signature must be an ed25519:<base58> signature");
        return false;
    }
    char canon[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&pk, canon);

    /* 1. The key belongs to the owner. */
    ol_diag d = {0};
    ol_err rc = ol_store_owner_key_check(c->store, op->owner, canon, &d);
    if (rc == OL_E_NOTFOUND) {
        OL_LOG(OL_LOG_WARN, "event=owner_auth_refused op=%s owner=%s reason=unknown_key", op->op,
               op->owner);
        ERR(x, 401, "unauthorized", "public key %s is not registered for owner %s", canon,
            op->owner);
        return false;
    }
    if (rc != OL_OK) {
        internal(x, "owner_auth", &d);
        return false;
    }
    /* 2. The timestamp is near our clock. */
    uint64_t skew = ts_ms > x->now ? ts_ms - x->now : x->now - ts_ms;
    if (skew > OL_KS_OWNER_MAX_SKEW_MS) {
        OL_LOG(OL_LOG_WARN, "event=owner_auth_refused op=%s owner=%s reason=timestamp", op->op,
               op->owner);
        ERR(x, 401, "unauthorized",
            "auth.timestamp_ms is more than %u s away from the coordinator's clock (expired or "
            "wrong clock)",
            OL_KS_OWNER_MAX_SKEW_MS / 1000u);
        return false;
    }
    /* 3. The signature covers this very request. */
    op->timestamp_ms = ts_ms;
    char *msg = NULL;
    size_t msg_len = 0;
    if ((rc = ol_ks_owner_message(op, &msg, &msg_len, &d)) != OL_OK) {
        if (rc == OL_E_NOMEM)
            ERR(x, 500, "internal", "out of memory");
        else
            ERR(x, 400, "invalid_request", "%s", d.msg);
        return false;
    }
    ol_near_nep413_payload pl = {
        .message = {msg, msg_len},
        .recipient = {OL_KS_OWNER_RECIPIENT, sizeof OL_KS_OWNER_RECIPIENT - 1},
        .callback_url = {NULL, 0}};
    memcpy(pl.nonce, nonce, sizeof nonce);
    rc = ol_near_nep413_verify(&pl, &pk, &sig, NULL, &d);
    free(msg);
    if (rc != OL_OK) {
        OL_LOG(OL_LOG_WARN, "event=owner_auth_refused op=%s owner=%s reason=signature", op->op,
               op->owner);
        ERR(x, 401, "unauthorized",
            "auth.signature does not verify over this request (NEP-413, recipient \"%s\")",
            OL_KS_OWNER_RECIPIENT);
        return false;
    }
    /* 4. The nonce is fresh (shared by every coordinator on this store). */
    char nhex[2 * OL_NEAR_NEP413_NONCE_LEN + 1];
    sodium_bin2hex(nhex, sizeof nhex, nonce, sizeof nonce);
    rc = ol_store_nonce_use(c->store, op->owner, nhex, ts_ms + OL_KS_OWNER_MAX_SKEW_MS, x->now, &d);
    if (rc == OL_E_EXISTS) {
        OL_LOG(OL_LOG_WARN, "event=owner_auth_refused op=%s owner=%s reason=replay", op->op,
               op->owner);
        ERR(x, 401, "unauthorized", "auth.nonce was used before (a replayed request)");
        return false;
    }
    if (rc != OL_OK) {
        internal(x, "owner_auth", &d);
        return false;
    }
    return true;
}

/* ====================================== keystore calls ====================================== */

/* POSTs `body` (stolen) to the keystore. OL_OK with *status and *out (the parsed body, or NULL
 * when it is not JSON); otherwise the response is written (503 keystore_unavailable). */
static bool ks_call(const coord_sreq *x, const char *path, json_t *body, unsigned *status,
                    json_t **out)
{
    ol_coord *c = x->c;
    *out = NULL;
    if (c->ks_fn == NULL) {
        json_decref(body);
        ERR(x, 503, "keystore_unavailable",
            "this coordinator has no keystore configured (--keystore-url)");
        return false;
    }
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        ERR(x, 500, "internal", "out of memory");
        return false;
    }
    char *resp = NULL;
    size_t resp_len = 0;
    ol_diag d = {0};
    ol_err rc = c->ks_fn(c->ks_ud, path, text, strlen(text), status, &resp, &resp_len, &d);
    free(text);
    if (rc != OL_OK) {
        OL_LOG(OL_LOG_ERROR, "event=keystore_unreachable path=%s msg=\"%s\"", path, d.msg);
        ERR(x, 503, "keystore_unavailable", "the keystore is unavailable, try again");
        x->resp->retry_after_s = 1;
        return false;
    }
    *out = json_loadb(resp, resp_len, 0, NULL);
    free(resp);
    return true;
}

/* Answers for a keystore refusal. */
static void ks_refused(const coord_sreq *x, const char *path, unsigned status, json_t *kj)
{
    json_t *e = json_object_get(kj, "error");
    json_t *k = json_object_get(kj, "code");
    const char *msg = json_is_string(e) ? json_string_value(e) : "(no message)";
    const char *kcode = json_is_string(k) ? json_string_value(k) : "-";
    switch (status) {
    case 400:
    case 422:
        ERR(x, 400, "invalid_secrets", "keystore: %s", msg);
        return;
    case 409:
        ERR(x, 409, "conflict", "keystore: %s", msg);
        return;
    case 413:
        ERR(x, 413, "too_large", "keystore: %s", msg);
        return;
    default:
        /* 401/403: a configuration mistake (token); 5xx: the keystore's own trouble. */
        OL_LOG(OL_LOG_ERROR, "event=keystore_refused path=%s status=%u code=%.32s", path, status,
               kcode);
        ERR(x, 503, "keystore_unavailable", "the keystore refused the request (HTTP %u, %.32s)",
            status, kcode);
        return;
    }
}

/* ======================================== the routes ======================================== */

static const char *const pubkey_keys[] = {"accessor", "owner", "secrets_json"};

void ol__coord_h_secrets_pubkey(const coord_sreq *x)
{
    json_t *b = body_object(x);
    char *acc_text = NULL;
    json_t *kj = NULL;
    ol_ks_accessor acc;
    if (b == NULL)
        return;
    const char *owner;
    if (!only_keys(x, b, pubkey_keys, 3, "the body") || (owner = req_owner(x, b)) == NULL ||
        !req_accessor(x, b, &acc, &acc_text))
        goto out;
    json_t *sj = json_object_get(b, "secrets_json");
    if (sj != NULL && !json_is_null(sj) && !json_is_string(sj) && !json_is_object(sj)) {
        ERR(x, 400, "invalid_request",
            "\"secrets_json\" must be a JSON text or an object of string values");
        goto out;
    }
    json_t *kb = json_pack("{s:o,s:s}", "accessor", json_loads(acc_text, 0, NULL), "owner", owner);
    if (kb != NULL && sj != NULL && !json_is_null(sj))
        json_object_set(kb, "secrets_json", sj);
    unsigned st = 0;
    if (!ks_call(x, "/pubkey", kb, &st, &kj))
        goto out;
    json_t *pk = json_object_get(kj, "pubkey");
    if (st != 200 || !json_is_string(pk)) {
        if (st == 200)
            st = 502;
        ks_refused(x, "/pubkey", st, kj);
        goto out;
    }
    json_t *o = json_pack("{s:o,s:s,s:O}", "accessor", json_loads(acc_text, 0, NULL), "owner",
                          owner, "pubkey", pk);
    ol__resp_json(x->ar, x->resp, 200, o);
out:
    json_decref(kj);
    free(acc_text);
    json_decref(b);
}

static const char *const put_keys[] = {"accessor", "profile",           "owner", "ciphertext",
                                       "access",   "replace_protected", "auth"};

/* Parses the access condition (default AllowAll) without chain conditions. */
static bool access_of(const coord_sreq *x, json_t *v, char **canon, uint8_t hash[32])
{
    char *text = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("\"AllowAll\"");
    ol_ks_access *a = NULL;
    ol_diag d = {0};
    size_t cl = 0;
    ol_err rc = text != NULL ? ol_ks_access_parse(text, strlen(text), 0, &a, &d)
                             : OL_FAIL(&d, OL_E_NOMEM, "access");
    free(text);
    if (rc == OL_OK && (rc = ol_ks_access_canonical(a, canon, &cl, &d)) == OL_OK)
        rc = ol_ks_access_hash(a, hash, &d);
    ol_ks_access_free(a);
    if (rc == OL_E_NOMEM) {
        ERR(x, 500, "internal", "out of memory");
        return false;
    }
    if (rc == OL_E_UNSUPPORTED) {
        ERR(x, 400, "invalid_access",
            "access: %s (chain conditions need a NEAR RPC, which this coordinator does not "
            "have)",
            d.msg);
        return false;
    }
    if (rc != OL_OK) {
        ERR(x, 400, "invalid_access", "access: %s", d.msg);
        return false;
    }
    if (cl > OL_STORE_ACCESS_MAX) {
        free(*canon);
        *canon = NULL;
        ERR(x, 400, "invalid_access", "access: longer than %u bytes", OL_STORE_ACCESS_MAX);
        return false;
    }
    return true;
}

static json_t *names_of(json_t *kj, const char *key)
{
    json_t *v = json_object_get(kj, key);
    return json_is_array(v) ? json_incref(v) : json_array();
}

void ol__coord_h_secrets_put(const coord_sreq *x)
{
    ol_coord *c = x->c;
    json_t *b = body_object(x);
    char *acc_text = NULL, *access = NULL, *prev64 = NULL;
    uint8_t *ct = NULL, *nct = NULL;
    size_t ct_len = 0, nct_len = 0;
    ol_store_secret *cur = NULL;
    json_t *kj = NULL;
    ol_ks_accessor acc;
    ol_diag d = {0};
    if (b == NULL)
        return;
    const char *owner, *profile, *ct64;
    if (!only_keys(x, b, put_keys, sizeof put_keys / sizeof put_keys[0], "the body") ||
        (owner = req_owner(x, b)) == NULL || (profile = req_profile(x, b)) == NULL ||
        !req_accessor(x, b, &acc, &acc_text))
        goto out;
    json_t *cv = json_object_get(b, "ciphertext");
    if (!json_is_string(cv)) {
        ERR(x, 400, "invalid_request", "\"ciphertext\" must be the base64 of an ECIES ciphertext");
        goto out;
    }
    ct64 = json_string_value(cv);
    ol_err rc = ct_from_b64(ct64, json_string_length(cv), &ct, &ct_len, &d);
    ol_ks_sealed sealed;
    if (rc == OL_OK)
        rc = ol_ks_sealed_parse(ct, ct_len, &sealed, &d);
    if (rc == OL_E_NOMEM) {
        ERR(x, 500, "internal", "out of memory");
        goto out;
    }
    if (rc != OL_OK) {
        ERR(x, rc == OL_E_LIMIT ? 413 : 400, rc == OL_E_LIMIT ? "too_large" : "invalid_request",
            "ciphertext: %s", d.msg);
        goto out;
    }
    uint8_t ct_hash[32], access_hash[32];
    crypto_hash_sha256(ct_hash, ct, ct_len);
    if (!access_of(x, json_object_get(b, "access"), &access, access_hash))
        goto out;
    json_t *rp = json_object_get(b, "replace_protected");
    if (rp != NULL && !json_is_boolean(rp)) {
        ERR(x, 400, "invalid_request", "\"replace_protected\" must be true or false");
        goto out;
    }
    bool replace = json_is_true(rp);
    if (c->ks_fn == NULL) {
        /* Before the signature check, so a client's nonce is not spent on a request that
         * cannot succeed. */
        ERR(x, 503, "keystore_unavailable",
            "this coordinator has no keystore configured (--keystore-url)");
        goto out;
    }
    ol_ks_owner_op op = {.op = "secrets.put",
                         .owner = owner,
                         .accessor = acc_text,
                         .profile = profile,
                         .ciphertext_sha256 = ct_hash,
                         .access_sha256 = access_hash,
                         .replace_protected = replace};
    if (!owner_auth(x, b, &op))
        goto out;

    /* The current version: the keystore carries its PROTECTED_ values over, and the store
     * refuses the write if it changed meanwhile. */
    uint32_t expected = 0;
    rc = ol_store_secret_get(c->store, acc_text, profile, owner, &cur, &d);
    if (rc == OL_OK) {
        expected = cur->version;
        if ((prev64 = ol_near_base64_alloc(cur->ciphertext, cur->ciphertext_len)) == NULL) {
            ERR(x, 500, "internal", "out of memory");
            goto out;
        }
    } else if (rc != OL_E_NOTFOUND) {
        internal(x, "secrets.put", &d);
        goto out;
    }
    json_t *kb = json_pack("{s:o,s:s,s:s,s:b}", "accessor", json_loads(acc_text, 0, NULL), "owner",
                           owner, "ciphertext", ct64, "replace_protected", replace);
    if (kb != NULL && prev64 != NULL)
        json_object_set_new(kb, "previous_ciphertext", json_string(prev64));
    unsigned st = 0;
    if (!ks_call(x, "/secrets/prepare", kb, &st, &kj))
        goto out;
    json_t *ncv = json_object_get(kj, "ciphertext");
    if (st != 200 || !json_is_string(ncv)) {
        if (st == 200)
            st = 502;
        ks_refused(x, "/secrets/prepare", st, kj);
        goto out;
    }
    if ((rc = ct_from_b64(json_string_value(ncv), json_string_length(ncv), &nct, &nct_len, &d)) !=
        OL_OK) {
        if (rc == OL_E_NOMEM) {
            ERR(x, 500, "internal", "out of memory");
        } else if (rc == OL_E_LIMIT) {
            /* Generated values pushed a near-limit upload over the cap. */
            ERR(x, 413, "too_large", "the prepared ciphertext is %s", d.msg);
        } else {
            OL_LOG(OL_LOG_ERROR, "event=keystore_bad_response path=/secrets/prepare msg=\"%s\"",
                   d.msg);
            ERR(x, 503, "keystore_unavailable", "the keystore's answer is unusable");
        }
        goto out;
    }
    uint32_t version = 0;
    rc = ol_store_secret_put(c->store, acc_text, profile, owner, nct, nct_len, access, expected,
                             x->now, &version, &d);
    if (rc == OL_E_STATE || rc == OL_E_NOTFOUND) {
        OL_LOG(OL_LOG_WARN, "event=secret_conflict owner=%s profile=%s expected_version=%" PRIu32,
               owner, profile, expected);
        ERR(x, 409, "conflict",
            "the secret changed while this update was prepared (concurrent update); retry");
        goto out;
    }
    if (rc == OL_E_INVAL) {
        ERR(x, 400, "invalid_request", "%s", d.msg);
        goto out;
    }
    if (rc != OL_OK) {
        internal(x, "secrets.put", &d);
        goto out;
    }
    OL_LOG(OL_LOG_INFO, "event=secret_stored owner=%s profile=%s version=%" PRIu32 " created=%d",
           owner, profile, version, expected == 0 ? 1 : 0);
    json_t *o = json_object();
    json_object_set_new(o, "accessor", json_loads(acc_text, 0, NULL));
    json_object_set_new(o, "profile", json_string(profile));
    json_object_set_new(o, "owner", json_string(owner));
    json_object_set_new(o, "version", json_integer(version));
    json_object_set_new(o, "created", json_boolean(expected == 0));
    json_object_set_new(o, "keys", names_of(kj, "keys"));
    json_object_set_new(o, "generated", names_of(kj, "generated"));
    json_object_set_new(o, "preserved", names_of(kj, "preserved"));
    ol__resp_json(x->ar, x->resp, 200, o);
out:
    json_decref(kj);
    ol_store_secret_free(cur);
    free(prev64);
    free(nct);
    free(ct);
    free(access);
    free(acc_text);
    json_decref(b);
}

static int collect_secret(void *ud, const ol_store_secret *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "accessor", json_loads(s->accessor, 0, NULL));
    json_object_set_new(o, "profile", json_string(s->profile));
    json_object_set_new(o, "owner", json_string(s->owner));
    json_object_set_new(o, "version", json_integer(s->version));
    json_object_set_new(o, "size", json_integer((json_int_t)s->ciphertext_len));
    json_object_set_new(o, "access", json_loads(s->access, JSON_DECODE_ANY, NULL));
    json_object_set_new(o, "created_ms", json_integer((json_int_t)s->created_ms));
    json_object_set_new(o, "updated_ms", json_integer((json_int_t)s->updated_ms));
    json_array_append_new((json_t *)ud, o);
    return 0;
}

static const char *const list_keys[] = {"owner", "auth"};

void ol__coord_h_secrets_list(const coord_sreq *x)
{
    json_t *b = body_object(x);
    if (b == NULL)
        return;
    const char *owner;
    if (!only_keys(x, b, list_keys, 2, "the body") || (owner = req_owner(x, b)) == NULL)
        goto out;
    ol_ks_owner_op op = {.op = "secrets.list", .owner = owner};
    if (!owner_auth(x, b, &op))
        goto out;
    json_t *arr = json_array();
    ol_diag d = {0};
    if (ol_store_secret_list(x->c->store, owner, collect_secret, arr, &d) != OL_OK) {
        json_decref(arr);
        internal(x, "secrets.list", &d);
        goto out;
    }
    OL_LOG(OL_LOG_INFO, "event=secrets_listed owner=%s count=%zu", owner, json_array_size(arr));
    json_t *o = json_object();
    json_object_set_new(o, "secrets", arr);
    ol__resp_json(x->ar, x->resp, 200, o);
out:
    json_decref(b);
}

static const char *const delete_keys[] = {"accessor", "profile", "owner", "auth"};

void ol__coord_h_secrets_delete(const coord_sreq *x)
{
    json_t *b = body_object(x);
    char *acc_text = NULL;
    ol_ks_accessor acc;
    if (b == NULL)
        return;
    const char *owner, *profile;
    if (!only_keys(x, b, delete_keys, 4, "the body") || (owner = req_owner(x, b)) == NULL ||
        (profile = req_profile(x, b)) == NULL || !req_accessor(x, b, &acc, &acc_text))
        goto out;
    ol_ks_owner_op op = {
        .op = "secrets.delete", .owner = owner, .accessor = acc_text, .profile = profile};
    if (!owner_auth(x, b, &op))
        goto out;
    ol_diag d = {0};
    ol_err rc = ol_store_secret_delete(x->c->store, acc_text, profile, owner, &d);
    if (rc == OL_E_NOTFOUND) {
        ERR(x, 404, "not_found", "owner %s has no secret for this accessor and profile %s", owner,
            profile);
        goto out;
    }
    if (rc != OL_OK) {
        internal(x, "secrets.delete", &d);
        goto out;
    }
    OL_LOG(OL_LOG_INFO, "event=secret_deleted owner=%s profile=%s", owner, profile);
    ol__resp_json(x->ar, x->resp, 200, json_pack("{s:b}", "deleted", 1));
out:
    free(acc_text);
    json_decref(b);
}

void ol__coord_h_public_key(const coord_sreq *x)
{
    if (!x->c->has_grant_key) {
        ERR(x, 503, "no_signing_key",
            "this coordinator has no grant signing key configured (--signing-key-file)");
        return;
    }
    ol__resp_json(x->ar, x->resp, 200, json_pack("{s:s}", "public_key", x->c->grant_pk));
}

/* ----------------------------------------- owner keys ----------------------------------------- */

static const char *const owner_keys[] = {"owner", "public_key"};

/* The body {owner, public_key}; the key in canonical form. false after answering 400. */
static bool owner_key_body(const coord_sreq *x, json_t *b, const char **owner,
                           char canon[OL_NEAR_KEY_STR_MAX])
{
    if (!only_keys(x, b, owner_keys, 2, "the body") || (*owner = req_owner(x, b)) == NULL)
        return false;
    const char *pk_text = req_str(x, b, "public_key", OL_NEAR_KEY_STR_MAX - 1);
    ol_near_public_key pk;
    if (pk_text == NULL)
        return false;
    if (ol_near_public_key_parse(pk_text, &pk, NULL) != OL_OK || pk.type != OL_NEAR_KEY_ED25519) {
        ERR(x, 400, "invalid_request", "\"public_key\" must be an ed25519:<base58> key");
        return false;
    }
    ol_near_public_key_format(&pk, canon);
    return true;
}

void ol__coord_h_owners_add(const coord_sreq *x)
{
    json_t *b = body_object(x);
    const char *owner;
    char canon[OL_NEAR_KEY_STR_MAX];
    if (b == NULL)
        return;
    if (!owner_key_body(x, b, &owner, canon))
        goto out;
    ol_diag d = {0};
    ol_err rc = ol_store_owner_key_add(x->c->store, owner, canon, x->now, &d);
    if (rc == OL_E_EXISTS) {
        ERR(x, 409, "conflict", "%s is already a key of owner %s", canon, owner);
        goto out;
    }
    if (rc == OL_E_INVAL) {
        ERR(x, 400, "invalid_request", "%s", d.msg);
        goto out;
    }
    if (rc != OL_OK) {
        internal(x, "owners.add", &d);
        goto out;
    }
    OL_LOG(OL_LOG_INFO, "event=owner_key_added owner=%s public_key=%s", owner, canon);
    ol__resp_json(x->ar, x->resp, 201,
                  json_pack("{s:s,s:s,s:I}", "owner", owner, "public_key", canon, "created_ms",
                            (json_int_t)x->now));
out:
    json_decref(b);
}

static int collect_owner_key(void *ud, const char *owner, const char *public_key,
                             uint64_t created_ms)
{
    json_array_append_new((json_t *)ud,
                          json_pack("{s:s,s:s,s:I}", "owner", owner, "public_key", public_key,
                                    "created_ms", (json_int_t)created_ms));
    return 0;
}

void ol__coord_h_owners_list(const coord_sreq *x)
{
    const char *owner = ol__req_query(x->req, x->ar, "owner");
    if (owner != NULL && !ol_near_account_id_is_valid(owner, strlen(owner))) {
        ERR(x, 400, "invalid_request", "owner must be a NEAR account id");
        return;
    }
    json_t *arr = json_array();
    ol_diag d = {0};
    if (ol_store_owner_key_list(x->c->store, owner, collect_owner_key, arr, &d) != OL_OK) {
        json_decref(arr);
        internal(x, "owners.list", &d);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "owners", arr);
    ol__resp_json(x->ar, x->resp, 200, o);
}

void ol__coord_h_owners_remove(const coord_sreq *x)
{
    json_t *b = body_object(x);
    const char *owner;
    char canon[OL_NEAR_KEY_STR_MAX];
    if (b == NULL)
        return;
    if (!owner_key_body(x, b, &owner, canon))
        goto out;
    ol_diag d = {0};
    ol_err rc = ol_store_owner_key_remove(x->c->store, owner, canon, &d);
    if (rc == OL_E_NOTFOUND) {
        ERR(x, 404, "not_found", "%s is not a key of owner %s", canon, owner);
        goto out;
    }
    if (rc != OL_OK) {
        internal(x, "owners.remove", &d);
        goto out;
    }
    OL_LOG(OL_LOG_INFO, "event=owner_key_removed owner=%s public_key=%s", owner, canon);
    ol__resp_json(x->ar, x->resp, 200, json_pack("{s:b}", "removed", 1));
out:
    json_decref(b);
}

/* --------------------------------------- /call and poll --------------------------------------- */

static const char *const ref_keys[] = {"profile", "account_id"};

json_t *ol__coord_secrets_ref(const coord_sreq *x, json_t *v, const char *caller)
{
    if (!json_is_object(v)) {
        ERR(x, 400, "bad_request",
            "\"secrets_ref\" must be {\"profile\": \"...\", \"account_id\": \"...\"}");
        return NULL;
    }
    const char *k;
    json_t *m;
    json_object_foreach(v, k, m)
    {
        (void)m;
        if (strcmp(k, ref_keys[0]) != 0 && strcmp(k, ref_keys[1]) != 0) {
            ERR(x, 400, "bad_request", "unknown key \"%.64s\" in secrets_ref", k);
            return NULL;
        }
    }
    json_t *p = json_object_get(v, "profile"), *a = json_object_get(v, "account_id");
    if (!json_is_string(p) || strlen(json_string_value(p)) != json_string_length(p) ||
        !profile_ok(json_string_value(p))) {
        ERR(x, 400, "bad_request", "secrets_ref.profile must match [A-Za-z0-9_-]{1,64}");
        return NULL;
    }
    if (!json_is_string(a) ||
        !ol_near_account_id_is_valid(json_string_value(a), json_string_length(a))) {
        ERR(x, 400, "bad_request", "secrets_ref.account_id must be a NEAR account id");
        return NULL;
    }
    return json_pack("{s:O,s:O,s:s}", "profile", p, "account_id", a, "caller", caller);
}

/* Copies a string member of the task description (written by this coordinator). */
static bool ref_member(json_t *ref, const char *key, char *out, size_t cap)
{
    json_t *v = json_object_get(ref, key);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= cap)
        return false;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return true;
}

ol_err ol__coord_secrets_attach(ol_coord *c, const ol_store_task *t, json_t *out, ol_diag *d)
{
    json_t *tj = json_loads(t->task_json, 0, NULL);
    json_t *ref = json_object_get(tj, "secrets_ref");
    ol_store_secret *sec = NULL;
    ol_ks_access *acc = NULL;
    char *acc_text = NULL, *grant = NULL, *ct64 = NULL;
    ol_err rc = OL_OK;
    if (ref == NULL)
        goto out;
    ol_ks_grant g;
    memset(&g, 0, sizeof g);
    if (!ref_member(ref, "profile", g.profile, sizeof g.profile) ||
        !ref_member(ref, "account_id", g.owner, sizeof g.owner) ||
        !ref_member(ref, "caller", g.caller, sizeof g.caller)) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "task %s: malformed secrets_ref in its description", t->id);
        goto out;
    }
    if (!c->has_grant_key) {
        bool expected = false;
        if (atomic_compare_exchange_strong(&c->warned_no_grant_key, &expected, true))
            OL_LOG(OL_LOG_WARN,
                   "event=secrets_skipped call=%s reason=\"no --signing-key-file: calls with "
                   "secrets_ref run without secrets\"",
                   t->call_id);
        goto out;
    }
    g.accessor.kind = OL_KS_ACCESSOR_PROJECT;
    snprintf(g.accessor.id, sizeof g.accessor.id, "%s/%s", t->project_owner, t->project_name);
    if ((rc = ol_ks_accessor_json(&g.accessor, &acc_text, d)) != OL_OK)
        goto out;
    rc = ol_store_secret_get(c->store, acc_text, g.profile, g.owner, &sec, d);
    if (rc == OL_E_NOTFOUND) {
        /* As the reference: a missing profile runs without secrets. */
        OL_LOG(OL_LOG_INFO, "event=secrets_absent call=%s owner=%s profile=%s", t->call_id, g.owner,
               g.profile);
        rc = OL_OK;
        goto out;
    }
    if (rc != OL_OK)
        goto out;
    ol_store_worker w;
    if ((rc = ol_store_worker_get(c->store, t->worker_id, &w, d)) != OL_OK)
        goto out;
    if ((rc = ol_ks_access_parse(sec->access, strlen(sec->access), 0, &acc, d)) != OL_OK ||
        (rc = ol_ks_access_hash(acc, g.access_sha256, d)) != OL_OK)
        goto out;
    crypto_hash_sha256(g.secret_sha256, sec->ciphertext, sec->ciphertext_len);
    snprintf(g.call_id, sizeof g.call_id, "%s", t->call_id);
    snprintf(g.worker_id, sizeof g.worker_id, "%s", w.public_key);
    g.expires_at = ol__coord_now(c) / 1000u + c->grant_ttl_s;
    if ((rc = ol_ks_grant_sign(&g, &c->grant_sk, &grant, d)) != OL_OK)
        goto out;
    json_t *gj = json_loads(grant, 0, NULL);
    json_t *aj = json_loads(sec->access, JSON_DECODE_ANY, NULL);
    ct64 = ol_near_base64_alloc(sec->ciphertext, sec->ciphertext_len);
    json_t *s = NULL;
    if (gj != NULL && aj != NULL && ct64 != NULL) {
        /* "o" steals gj and aj, on failure too (jansson >= 2.13). */
        s = json_pack("{s:o,s:s,s:o}", "grant", gj, "ciphertext", ct64, "access", aj);
    } else {
        json_decref(gj);
        json_decref(aj);
    }
    if (s == NULL || json_object_set_new(out, "secrets", s) != 0) {
        rc = OL_FAIL(d, OL_E_NOMEM, "task secrets");
        goto out;
    }
    OL_LOG(OL_LOG_INFO,
           "event=grant_issued call=%s worker=%s owner=%s profile=%s version=%" PRIu32
           " expires_at=%" PRIu64,
           t->call_id, t->worker_id, g.owner, g.profile, sec->version, g.expires_at);
out:
    free(ct64);
    free(grant);
    free(acc_text);
    ol_ks_access_free(acc);
    ol_store_secret_free(sec);
    json_decref(tj);
    return rc;
}
