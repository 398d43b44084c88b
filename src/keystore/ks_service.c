/* The keystore's HTTP handlers, as one pure function of (request, time) -> response.
 *
 * Authentication: bearer tokens, of which only SHA-256 hashes are configured; a presented token
 * is hashed and compared with every configured hash in constant time (no early exit). A worker
 * token only says "a worker" (its optional label names it in logs): which worker may have a
 * secret is decided by the grant, whose worker_id is the worker's ed25519 public key, and the
 * request's worker_signature made with that key (ol_ks_decrypt_request_verify). A token, or a
 * grant seen in transit, is not enough to decrypt.
 *
 * /decrypt never reveals whether a secret exists or what it holds to a caller the access
 * condition does not admit: the grant is verified, the ciphertext and the condition are checked
 * against the hashes the grant signs, the condition is evaluated for the grant's caller, and
 * only then is anything decrypted. A denied caller gets the same answer whatever the ciphertext.
 *
 * Logging: one line per request (route, status, error code, who). Never a body, a token, a
 * plaintext or a secret name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "ks_int.h"
#include "ol/log.h"

typedef struct token_entry {
    uint8_t hash[32];
    char label[OL_KS_ID_MAX + 1]; /* the label; "" for coordinator and unlabelled tokens */
} token_entry;

struct ol_ks_service {
    const ol_ks *ks;
    bool has_coord_pk;
    ol_near_public_key coord_pk;
    token_entry *coord;
    size_t ncoord;
    token_entry *workers;
    size_t nworkers;
    size_t max_body;
};

static ol_err parse_hash(const char *s, size_t n, uint8_t out[32], const char *what, size_t idx,
                         ol_diag *d)
{
    size_t got = 0;
    if (n != 64 || ol_near_hex_decode(s, n, out, 32, &got, NULL) != OL_OK || got != 32)
        return OL_FAIL(d, OL_E_INVAL, "%s entry %zu: expected 64 hex characters (a SHA-256)", what,
                       idx);
    return OL_OK;
}

/* Parses a comma-separated list; with_id: entries are LABEL:HASH or HASH. */
static ol_err parse_tokens(const char *list, bool with_id, const char *what, token_entry **out,
                           size_t *n_out, ol_diag *d)
{
    *out = NULL;
    *n_out = 0;
    if (list == NULL || *list == '\0')
        return OL_OK;
    size_t cap = 1;
    for (const char *p = list; *p != '\0'; p++)
        cap += *p == ',';
    token_entry *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "token list");
    size_t n = 0;
    const char *p = list;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len > 0) {
            const char *h = p;
            size_t hl = len;
            const char *colon = with_id ? memchr(p, ':', len) : NULL;
            if (colon != NULL) {
                size_t il = (size_t)(colon - p);
                if (il == 0 || il > OL_KS_ID_MAX) {
                    free(t);
                    return OL_FAIL(d, OL_E_INVAL,
                                   "%s entry %zu: expected LABEL:SHA256HEX or SHA256HEX, with a "
                                   "label of 1..%d characters",
                                   what, n + 1, OL_KS_ID_MAX);
                }
                for (size_t i = 0; i < il; i++) {
                    char c = p[i];
                    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
                        free(t);
                        return OL_FAIL(d, OL_E_INVAL,
                                       "%s entry %zu: labels allow only [A-Za-z0-9._-]", what,
                                       n + 1);
                    }
                }
                memcpy(t[n].label, p, il);
                h = colon + 1;
                hl = len - il - 1;
            }
            ol_err rc = parse_hash(h, hl, t[n].hash, what, n + 1, d);
            if (rc != OL_OK) {
                free(t);
                return rc;
            }
            n++;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    *out = t;
    *n_out = n;
    return OL_OK;
}

ol_err ol_ks_service_new(const ol_ks *ks, const ol_ks_service_config *cfg, ol_ks_service **out,
                         ol_diag *d)
{
    ol_ks_service *s = calloc(1, sizeof *s);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "keystore service");
    s->ks = ks;
    s->max_body = cfg->max_body != 0 ? cfg->max_body : OL_KS_MAX_BODY_DEFAULT;
    ol_err rc = OL_OK;
    if (cfg->coordinator_public_key != NULL && cfg->coordinator_public_key[0] != '\0') {
        if (ol_near_public_key_parse(cfg->coordinator_public_key, &s->coord_pk, NULL) != OL_OK ||
            s->coord_pk.type != OL_NEAR_KEY_ED25519) {
            rc = OL_FAIL(d, OL_E_INVAL,
                         "coordinator-public-key: expected \"ed25519:<base58 32 bytes>\"");
            goto fail;
        }
        s->has_coord_pk = true;
    }
    if ((rc = parse_tokens(cfg->coordinator_token_sha256, false, "coordinator-token-sha256",
                           &s->coord, &s->ncoord, d)) != OL_OK)
        goto fail;
    if ((rc = parse_tokens(cfg->worker_tokens, true, "worker-tokens", &s->workers, &s->nworkers,
                           d)) != OL_OK)
        goto fail;
    *out = s;
    return OL_OK;
fail:
    ol_ks_service_free(s);
    return rc;
}

void ol_ks_service_free(ol_ks_service *s)
{
    if (s == NULL)
        return;
    free(s->coord);
    free(s->workers);
    free(s);
}

size_t ol_ks_service_max_body(const ol_ks_service *s)
{
    return s->max_body;
}

void ol_ks_resp_fini(ol_ks_resp *r)
{
    if (r == NULL)
        return;
    ol_ks_wipe_free(r->body, r->body_len);
    r->body = NULL;
    r->body_len = 0;
}

/* ===================================== responses ===================================== */

static void resp_json(ol_ks_resp *resp, unsigned status, json_t *body)
{
    size_t n = body != NULL ? json_dumpb(body, NULL, 0, JSON_COMPACT) : 0;
    char *p = n > 0 ? malloc(n + 1) : NULL;
    if (p != NULL && json_dumpb(body, p, n, JSON_COMPACT) != n) {
        ol_ks_wipe_free(p, n + 1);
        p = NULL;
    }
    json_decref(body);
    if (p == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\",\"code\":\"internal\"}";
        p = malloc(sizeof oom);
        resp->status = 500;
        resp->body = p;
        resp->body_len = p != NULL ? sizeof oom - 1 : 0;
        if (p != NULL)
            memcpy(p, oom, sizeof oom);
        return;
    }
    p[n] = '\0';
    resp->status = status;
    resp->body = p;
    resp->body_len = n;
}

static void resp_error(ol_ks_resp *resp, unsigned status, const char *code, const char *msg)
{
    json_t *m = json_string(msg);
    if (m == NULL)
        m = json_string("(message not valid UTF-8)");
    resp_json(resp, status, json_pack("{s:o,s:s}", "error", m, "code", code));
}

/* Maps a library error to a response. */
static void resp_diag(ol_ks_resp *resp, ol_err rc, const ol_diag *d)
{
    switch (rc) {
    case OL_E_NOMEM:
    case OL_E_INTERNAL:
        resp_error(resp, 500, "internal", "internal error");
        return;
    case OL_E_UNSUPPORTED:
        resp_error(resp, 501, "unsupported", d->msg);
        return;
    case OL_E_LIMIT:
        resp_error(resp, 413, "too_large", d->msg);
        return;
    case OL_E_EXISTS:
        resp_error(resp, 409, "conflict", d->msg);
        return;
    default:
        resp_error(resp, 400, "bad_request", d->msg);
        return;
    }
}

/* =================================== authentication =================================== */

typedef enum who_kind { WHO_NONE, WHO_COORD, WHO_WORKER } who_kind;

typedef struct who {
    who_kind kind;
    const char *label; /* the token's label, "" when it has none */
} who;

static who authenticate(const ol_ks_service *s, const char *auth)
{
    who w = {WHO_NONE, NULL};
    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
        return w;
    const char *tok = auth + 7;
    while (*tok == ' ')
        tok++;
    size_t n = strlen(tok);
    if (n == 0)
        return w;
    uint8_t h[32];
    crypto_hash_sha256(h, (const uint8_t *)tok, n);
    /* Compare with every entry, without stopping at a match. */
    for (size_t i = 0; i < s->ncoord; i++) {
        if (sodium_memcmp(h, s->coord[i].hash, 32) == 0)
            w.kind = WHO_COORD;
    }
    for (size_t i = 0; i < s->nworkers; i++) {
        if (sodium_memcmp(h, s->workers[i].hash, 32) == 0 && w.kind == WHO_NONE) {
            w.kind = WHO_WORKER;
            w.label = s->workers[i].label;
        }
    }
    sodium_memzero(h, sizeof h);
    return w;
}

/* ====================================== helpers ====================================== */

/* Decodes a base64 member into a malloc'd buffer. */
static ol_err b64_member(const json_t *o, const char *key, uint8_t **out, size_t *out_len,
                         ol_diag *d)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return OL_FAIL(d, OL_E_INVAL, "'%s' must be a base64 string", key);
    size_t sl = json_string_length(v);
    size_t cap = ol_near_base64_decoded_max(sl);
    if (cap > OL_KS_MAX_CIPHERTEXT + 3)
        return OL_FAIL(d, OL_E_LIMIT, "'%s' exceeds the %u-byte ciphertext limit", key,
                       OL_KS_MAX_CIPHERTEXT);
    uint8_t *buf = malloc(cap > 0 ? cap : 1);
    if (buf == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "ciphertext");
    size_t n = 0;
    if (ol_near_base64_decode(json_string_value(v), sl, buf, cap, &n, NULL) != OL_OK) {
        free(buf);
        return OL_FAIL(d, OL_E_INVAL, "'%s' is not canonical base64", key);
    }
    *out = buf;
    *out_len = n;
    return OL_OK;
}

static ol_err owner_member(const json_t *o, char out[OL_NEAR_ACCOUNT_ID_MAX], ol_diag *d)
{
    ol_err rc = ol__ks_json_str(o, "owner", "request", false, out, OL_NEAR_ACCOUNT_ID_MAX, d);
    if (rc != OL_OK)
        return rc;
    if (!ol__ks_account_ok(out, strlen(out)))
        return OL_FAIL(d, OL_E_INVAL, "owner '%s' is not a NEAR account id", out);
    return OL_OK;
}

/* ======================================= routes ======================================= */

static const char *handle_pubkey(const ol_ks_service *s, const json_t *body, ol_ks_resp *resp)
{
    ol_diag d = {0};
    ol_ks_accessor acc;
    char owner[OL_NEAR_ACCOUNT_ID_MAX];
    ol_err rc = ol__ks_accessor_from_json(json_object_get(body, "accessor"), &acc, &d);
    if (rc == OL_OK)
        rc = owner_member(body, owner, &d);
    const json_t *sj = json_object_get(body, "secrets_json");
    if (rc == OL_OK && sj != NULL && !json_is_null(sj)) {
        /* A JSON text (as the reference) or the object itself. */
        if (json_is_string(sj))
            rc = ol_ks_secrets_validate(json_string_value(sj), json_string_length(sj),
                                        OL_KS_SECRETS_ALLOW_DIRECTIVES, &d);
        else
            rc = ol__ks_secrets_check(sj, OL_KS_SECRETS_ALLOW_DIRECTIVES, &d);
    }
    uint8_t pk[OL_KS_PK_LEN];
    if (rc == OL_OK)
        rc = ol_ks_pubkey(s->ks, &acc, owner, pk, &d);
    if (rc != OL_OK) {
        resp_diag(resp, rc, &d);
        return rc == OL_E_NOMEM ? "internal" : "bad_request";
    }
    char hex[2 * OL_KS_PK_LEN + 1];
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    resp_json(resp, 200,
              json_pack("{s:s,s:o,s:s}", "pubkey", hex, "accessor", ol__ks_accessor_to_json(&acc),
                        "owner", owner));
    return NULL;
}

static const char *handle_decrypt(const ol_ks_service *s, const json_t *body, uint64_t now,
                                  ol_ks_resp *resp)
{
    ol_diag d = {0};
    const char *code = NULL;
    ol_ks_grant g;
    ol_near_signature sig;
    uint8_t *ct = NULL, *pt = NULL;
    size_t ct_len = 0, pt_len = 0;
    char *gtext = NULL;
    ol_ks_access *acc = NULL;
    json_t *secrets = NULL;
    ol_err rc;

    if (!s->has_coord_pk) {
        resp_error(resp, 503, "unavailable",
                   "this keystore has no coordinator public key configured; it grants nothing");
        return "unavailable";
    }
    /* 1. The grant: well formed, signed by the coordinator, unexpired; presented by the worker
     *    it names (a signature by the key in worker_id). */
    const json_t *gj = json_object_get(body, "grant");
    if (!json_is_object(gj) || (gtext = json_dumps(gj, JSON_COMPACT)) == NULL) {
        resp_error(resp, 400, "bad_request", "'grant' must be the grant object");
        code = "bad_request";
        goto out;
    }
    if ((rc = ol_ks_grant_parse(gtext, strlen(gtext), &g, &sig, &d)) != OL_OK) {
        resp_diag(resp, rc, &d);
        code = "bad_request";
        goto out;
    }
    if (ol_ks_grant_verify(&g, &sig, &s->coord_pk, NULL, now, &d) != OL_OK) {
        resp_error(resp, 403, "grant_refused", d.msg);
        code = "grant_refused";
        goto out;
    }
    const json_t *ws = json_object_get(body, "worker_signature");
    ol_near_signature wsig;
    if (!json_is_string(ws)) {
        resp_error(resp, 403, "grant_refused",
                   "'worker_signature' (the worker's signature of the grant) is required");
        code = "grant_refused";
        goto out;
    }
    if (ol_near_signature_parse(json_string_value(ws), &wsig, NULL) != OL_OK) {
        resp_error(resp, 403, "grant_refused",
                   "'worker_signature' must be \"ed25519:<base58 64 bytes>\"");
        code = "grant_refused";
        goto out;
    }
    if ((rc = ol_ks_decrypt_request_verify(&g, &wsig, &d)) != OL_OK) {
        if (rc == OL_E_NOMEM) {
            resp_diag(resp, rc, &d);
            code = "internal";
        } else {
            resp_error(resp, 403, "grant_refused", d.msg);
            code = "grant_refused";
        }
        goto out;
    }
    /* 2. The ciphertext and the condition are the ones the grant covers. */
    if ((rc = b64_member(body, "ciphertext", &ct, &ct_len, &d)) != OL_OK) {
        resp_diag(resp, rc, &d);
        code = "bad_request";
        goto out;
    }
    uint8_t h[32];
    crypto_hash_sha256(h, ct, ct_len);
    if (sodium_memcmp(h, g.secret_sha256, 32) != 0) {
        resp_error(resp, 403, "grant_refused", "grant: does not cover this ciphertext");
        code = "grant_refused";
        goto out;
    }
    const json_t *aj = json_object_get(body, "access");
    if (aj == NULL) {
        resp_error(resp, 400, "bad_request", "'access' (the access condition) is required");
        code = "bad_request";
        goto out;
    }
    if ((rc = ol__ks_access_from_json(aj, 0, &acc, &d)) != OL_OK) {
        resp_diag(resp, rc, &d);
        code = rc == OL_E_UNSUPPORTED ? "unsupported" : "bad_request";
        goto out;
    }
    if ((rc = ol_ks_access_hash(acc, h, &d)) != OL_OK) {
        resp_diag(resp, rc, &d);
        code = "internal";
        goto out;
    }
    if (sodium_memcmp(h, g.access_sha256, 32) != 0) {
        resp_error(resp, 403, "grant_refused", "grant: does not cover this access condition");
        code = "grant_refused";
        goto out;
    }
    /* 3. The condition, for the grant's caller. */
    bool allowed = false;
    if ((rc = ol_ks_access_eval(acc, g.caller, &allowed, &d)) != OL_OK) {
        resp_diag(resp, rc, &d);
        code = rc == OL_E_UNSUPPORTED ? "unsupported" : "internal";
        goto out;
    }
    if (!allowed) {
        resp_error(resp, 403, "access_denied",
                   "access denied: the caller does not satisfy the secret's access condition");
        code = "access_denied";
        goto out;
    }
    /* 4. Decrypt with the key of (accessor, owner) and check the plaintext's shape. */
    char seed[OL_KS_SEED_MAX + 1];
    size_t seed_len = 0;
    if ((rc = ol_ks_seed(&g.accessor, g.owner, seed, sizeof seed, &seed_len, &d)) != OL_OK) {
        resp_diag(resp, rc, &d);
        code = "bad_request";
        goto out;
    }
    if ((rc = ol_ks_open(s->ks, seed, seed_len, ct, ct_len, &pt, &pt_len, &d)) != OL_OK) {
        if (rc == OL_E_NOMEM) {
            resp_diag(resp, rc, &d);
            code = "internal";
        } else {
            resp_error(resp, 422, "undecryptable",
                       "the ciphertext does not decrypt with the key of this accessor and owner");
            code = "undecryptable";
        }
        goto out;
    }
    json_error_t je;
    secrets = json_loadb((const char *)pt, pt_len, JSON_REJECT_DUPLICATES, &je);
    if (secrets == NULL ||
        ol__ks_secrets_check(secrets, OL_KS_SECRETS_ALLOW_PROTECTED, NULL) != OL_OK) {
        resp_error(resp, 422, "invalid_secrets",
                   "the decrypted secrets are not a valid secrets object");
        code = "invalid_secrets";
        goto out;
    }
    resp_json(resp, 200, json_pack("{s:O}", "secrets", secrets));
out:
    if (secrets != NULL) {
        const char *k;
        json_t *v;
        json_object_foreach(secrets, k, v)
        {
            if (json_is_string(v))
                sodium_memzero((char *)(uintptr_t)json_string_value(v), json_string_length(v));
        }
        json_decref(secrets);
    }
    ol_ks_wipe_free(pt, pt_len + 1);
    free(ct);
    free(gtext);
    ol_ks_access_free(acc);
    return code;
}

static const char *handle_prepare(const ol_ks_service *s, const json_t *body, ol_ks_resp *resp)
{
    ol_diag d = {0};
    const char *code = "bad_request";
    ol_ks_accessor acc;
    char owner[OL_NEAR_ACCOUNT_ID_MAX];
    char seed[OL_KS_SEED_MAX + 1];
    size_t seed_len = 0;
    uint8_t *ct = NULL, *prev = NULL, *pt = NULL, *ppt = NULL, *sealed = NULL;
    size_t ct_len = 0, prev_len = 0, pt_len = 0, ppt_len = 0, sealed_len = 0;
    char *merged = NULL, *names = NULL, *b64 = NULL;
    size_t merged_len = 0;
    json_t *nm = NULL;
    ol_err rc;

    if ((rc = ol__ks_accessor_from_json(json_object_get(body, "accessor"), &acc, &d)) != OL_OK ||
        (rc = owner_member(body, owner, &d)) != OL_OK ||
        (rc = ol_ks_seed(&acc, owner, seed, sizeof seed, &seed_len, &d)) != OL_OK ||
        (rc = b64_member(body, "ciphertext", &ct, &ct_len, &d)) != OL_OK)
        goto fail;
    const json_t *pj = json_object_get(body, "previous_ciphertext");
    if (pj != NULL && !json_is_null(pj) &&
        (rc = b64_member(body, "previous_ciphertext", &prev, &prev_len, &d)) != OL_OK)
        goto fail;
    const json_t *rj = json_object_get(body, "replace_protected");
    if (rj != NULL && !json_is_boolean(rj)) {
        rc = OL_FAIL(&d, OL_E_INVAL, "'replace_protected' must be a boolean");
        goto fail;
    }
    if ((rc = ol_ks_open(s->ks, seed, seed_len, ct, ct_len, &pt, &pt_len, &d)) != OL_OK) {
        if (rc != OL_E_NOMEM)
            rc = OL_FAIL(&d, OL_E_INVAL,
                         "'ciphertext' does not decrypt with the key of this accessor and owner");
        goto fail;
    }
    if (prev != NULL &&
        (rc = ol_ks_open(s->ks, seed, seed_len, prev, prev_len, &ppt, &ppt_len, &d)) != OL_OK) {
        if (rc != OL_E_NOMEM)
            rc = OL_FAIL(&d, OL_E_INVAL,
                         "'previous_ciphertext' does not decrypt with the key of "
                         "this accessor and owner");
        goto fail;
    }
    if ((rc = ol_ks_secrets_expand((const char *)pt, pt_len, (const char *)ppt, ppt_len,
                                   json_is_true(rj), &merged, &merged_len, &names, &d)) != OL_OK)
        goto fail;
    uint8_t pk[OL_KS_PK_LEN];
    if ((rc = ol_ks_pubkey_for_seed(s->ks, seed, seed_len, pk, &d)) != OL_OK ||
        (rc = ol_ks_seal(pk, (const uint8_t *)merged, merged_len, &sealed, &sealed_len, &d)) !=
            OL_OK)
        goto fail;
    b64 = ol_near_base64_alloc(sealed, sealed_len);
    nm = json_loads(names, 0, NULL);
    if (b64 == NULL || nm == NULL || json_object_set_new(nm, "ciphertext", json_string(b64)) != 0) {
        rc = OL_FAIL(&d, OL_E_NOMEM, "response");
        goto fail;
    }
    resp_json(resp, 200, nm);
    nm = NULL;
    code = NULL;
    goto out;
fail:
    resp_diag(resp, rc, &d);
    code = rc == OL_E_NOMEM ? "internal" : rc == OL_E_EXISTS ? "conflict" : "bad_request";
out:
    json_decref(nm);
    free(b64);
    free(names);
    free(sealed);
    ol_ks_wipe_free(merged, merged_len + 1);
    ol_ks_wipe_free(pt, pt_len + 1);
    ol_ks_wipe_free(ppt, ppt_len + 1);
    free(ct);
    free(prev);
    return code;
}

void ol_ks_service_handle(const ol_ks_service *s, const ol_ks_req *req, uint64_t now,
                          ol_ks_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    const char *route = "other";
    const char *code = NULL;
    who w = {WHO_NONE, NULL};
    json_t *body = NULL;
    static const char *const routes[] = {"/health", "/pubkey", "/decrypt", "/secrets/prepare"};
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(req->path, routes[i]) == 0)
            route = routes[i];
    }
    if (strcmp(route, "other") == 0) {
        resp_error(resp, 404, "not_found", "no such route");
        code = "not_found";
        goto out;
    }
    if (strcmp(route, "/health") == 0) {
        if (strcmp(req->method, "GET") != 0) {
            resp_error(resp, 405, "method_not_allowed", "use GET");
            code = "method_not_allowed";
        } else {
            resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
        }
        goto out;
    }
    if (strcmp(req->method, "POST") != 0) {
        resp_error(resp, 405, "method_not_allowed", "use POST");
        code = "method_not_allowed";
        goto out;
    }
    w = authenticate(s, req->authorization);
    if (w.kind == WHO_NONE) {
        resp_error(resp, 401, "unauthorized", "a valid bearer token is required");
        code = "unauthorized";
        goto out;
    }
    bool coord_only = strcmp(route, "/secrets/prepare") == 0;
    bool worker_only = strcmp(route, "/decrypt") == 0;
    if ((coord_only && w.kind != WHO_COORD) || (worker_only && w.kind != WHO_WORKER)) {
        resp_error(resp, 403, "forbidden",
                   coord_only ? "this route is for the coordinator" : "this route is for workers");
        code = "forbidden";
        goto out;
    }
    if (req->body_too_large || req->body_len > s->max_body) {
        resp_error(resp, 413, "too_large", "request body too large");
        code = "too_large";
        goto out;
    }
    json_error_t je;
    body = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(body)) {
        char msg[200];
        snprintf(msg, sizeof msg, "the body must be a JSON object%s%s", body == NULL ? ": " : "",
                 body == NULL ? je.text : "");
        resp_error(resp, 400, "bad_request", msg);
        code = "bad_request";
        goto out;
    }
    if (strcmp(route, "/pubkey") == 0)
        code = handle_pubkey(s, body, resp);
    else if (worker_only)
        code = handle_decrypt(s, body, now, resp);
    else
        code = handle_prepare(s, body, resp);
out:
    if (body != NULL)
        json_decref(body);
    OL_LOG(code != NULL ? OL_LOG_WARN : OL_LOG_INFO,
           "event=request method=%.8s route=%s status=%u code=%s who=%s%s%.128s", req->method,
           route, resp->status, code != NULL ? code : "ok",
           w.kind == WHO_COORD    ? "coordinator"
           : w.kind == WHO_WORKER ? "worker"
                                  : "none",
           w.kind == WHO_WORKER && w.label[0] != '\0' ? " worker_label=" : "",
           w.kind == WHO_WORKER ? w.label : "");
}
