/* The evidence record of a run: canonical serialisation, signing, verification and parsing
 * (ol/evidence.h; docs/platform-protocol.md, "Evidence record"). */
#include "ol/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void ol_evidence_hex(const uint8_t hash[32], char out[OL_EVIDENCE_SHA_HEX + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[64] = '\0';
}

/* Valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF) without NUL, within cap bytes. */
static bool utf8_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == cap)
        return false;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

static bool hex64(const char *s)
{
    if (strnlen(s, 65) != 64)
        return false;
    for (size_t i = 0; i < 64; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

ol_err ol_evidence_check(const ol_evidence_record *r, ol_diag *d)
{
    if (r->version != OL_EVIDENCE_VERSION)
        return OL_FAIL(d, OL_E_INVAL, "evidence version must be %d", OL_EVIDENCE_VERSION);
    const struct {
        const char *name;
        const char *v;
        size_t cap;
    } strs[] = {
        {"call_id", r->call_id, sizeof r->call_id},
        {"project_id", r->project_id, sizeof r->project_id},
        {"status", r->status, sizeof r->status},
        {"worker_id", r->worker_id, sizeof r->worker_id},
        {"worker_public_key", r->worker_public_key, sizeof r->worker_public_key},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (strs[i].v[0] == '\0' || !utf8_ok(strs[i].v, strs[i].cap))
            return OL_FAIL(d, OL_E_INVAL, "evidence %s must be non-empty UTF-8", strs[i].name);
    }
    const struct {
        const char *name;
        const char *v;
    } hashes[] = {{"wasm_sha256", r->wasm_sha256},
                  {"input_sha256", r->input_sha256},
                  {"output_sha256", r->output_sha256},
                  {"transcript_sha256", r->transcript_sha256}};
    for (size_t i = 0; i < 4; i++) {
        if (!hex64(hashes[i].v))
            return OL_FAIL(d, OL_E_INVAL, "evidence %s must be 64 lowercase hex digits",
                           hashes[i].name);
    }
    if (r->instructions > (uint64_t)INT64_MAX)
        return OL_FAIL(d, OL_E_INVAL, "evidence instructions out of range");
    ol_near_public_key pk;
    if (ol_near_public_key_parse(r->worker_public_key, &pk, NULL) != OL_OK ||
        pk.type != OL_NEAR_KEY_ED25519)
        return OL_FAIL(d, OL_E_INVAL, "evidence worker_public_key must be an ed25519 key");
    return OL_OK;
}

/* A tiny bounded writer: errors are sticky, checked once at the end. */
typedef struct cw {
    char *p;
    size_t cap, len;
    bool overflow;
} cw;

static void cw_put(cw *w, const char *s, size_t n)
{
    if (w->overflow || n >= w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

static void cw_str(cw *w, const char *s)
{
    static const char hexd[] = "0123456789abcdef";
    cw_put(w, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        char esc[7];
        switch (*p) {
        case '"':
            cw_put(w, "\\\"", 2);
            break;
        case '\\':
            cw_put(w, "\\\\", 2);
            break;
        case '\n':
            cw_put(w, "\\n", 2);
            break;
        case '\r':
            cw_put(w, "\\r", 2);
            break;
        case '\t':
            cw_put(w, "\\t", 2);
            break;
        case '\b':
            cw_put(w, "\\b", 2);
            break;
        case '\f':
            cw_put(w, "\\f", 2);
            break;
        default:
            if (*p < 0x20) {
                esc[0] = '\\';
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hexd[*p >> 4];
                esc[5] = hexd[*p & 15];
                cw_put(w, esc, 6);
            } else {
                cw_put(w, (const char *)p, 1);
            }
        }
    }
    cw_put(w, "\"", 1);
}

static void cw_key(cw *w, const char *k, bool first)
{
    if (!first)
        cw_put(w, ",", 1);
    cw_str(w, k);
    cw_put(w, ":", 1);
}

static void cw_u64(cw *w, uint64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    cw_put(w, buf, (size_t)n);
}

ol_err ol_evidence_canonical(const ol_evidence_record *r, char *out, size_t cap, size_t *len,
                             ol_diag *d)
{
    ol_err rc = ol_evidence_check(r, d);
    if (rc != OL_OK)
        return rc;
    if (cap == 0)
        return OL_FAIL(d, OL_E_RANGE, "evidence buffer too small");
    cw w = {out, cap, 0, false};
    out[0] = '\0';
    /* Keys in byte order. */
    cw_put(&w, "{", 1);
    cw_key(&w, "call_id", true);
    cw_str(&w, r->call_id);
    cw_key(&w, "exit_code", false);
    cw_u64(&w, r->exit_code);
    cw_key(&w, "input_sha256", false);
    cw_str(&w, r->input_sha256);
    cw_key(&w, "instructions", false);
    cw_u64(&w, r->instructions);
    cw_key(&w, "output_sha256", false);
    cw_str(&w, r->output_sha256);
    cw_key(&w, "project_id", false);
    cw_str(&w, r->project_id);
    cw_key(&w, "status", false);
    cw_str(&w, r->status);
    cw_key(&w, "transcript_sha256", false);
    cw_str(&w, r->transcript_sha256);
    cw_key(&w, "version", false);
    cw_u64(&w, r->version);
    cw_key(&w, "wasm_sha256", false);
    cw_str(&w, r->wasm_sha256);
    cw_key(&w, "worker_id", false);
    cw_str(&w, r->worker_id);
    cw_key(&w, "worker_public_key", false);
    cw_str(&w, r->worker_public_key);
    cw_put(&w, "}", 1);
    if (w.overflow)
        return OL_FAIL(d, OL_E_RANGE, "evidence buffer of %zu bytes too small", cap);
    if (len != NULL)
        *len = w.len;
    return OL_OK;
}

/* domain || canonical into buf; returns the length or 0 on error. */
static size_t signed_message(const ol_evidence_record *r, char *buf, size_t cap, ol_diag *d)
{
    size_t dl = sizeof OL_EVIDENCE_DOMAIN - 1, cl = 0;
    memcpy(buf, OL_EVIDENCE_DOMAIN, dl);
    if (ol_evidence_canonical(r, buf + dl, cap - dl, &cl, d) != OL_OK)
        return 0;
    return dl + cl;
}

ol_err ol_evidence_sign(const ol_evidence_record *r, const ol_near_secret_key *sk,
                        char sig[OL_NEAR_KEY_STR_MAX], ol_diag *d)
{
    char msg[OL_EVIDENCE_CANONICAL_MAX + 32];
    size_t n = signed_message(r, msg, sizeof msg, d);
    if (n == 0)
        return d != NULL && d->code != OL_OK ? d->code : OL_E_INVAL;
    ol_near_signature s;
    ol_near_sign(sk, (const uint8_t *)msg, n, &s);
    ol_near_signature_format(&s, sig);
    return OL_OK;
}

ol_err ol_evidence_verify(const ol_evidence_record *r, const char *signature,
                          const ol_near_public_key *pk, ol_diag *d)
{
    ol_near_public_key own;
    ol_near_signature s;
    char msg[OL_EVIDENCE_CANONICAL_MAX + 32];
    ol_diag tmp = {0};
    size_t n = signed_message(r, msg, sizeof msg, &tmp);
    if (n == 0)
        return OL_FAIL(d, OL_E_INVAL, "%s", tmp.msg);
    if (pk == NULL) {
        if (ol_near_public_key_parse(r->worker_public_key, &own, NULL) != OL_OK)
            return OL_FAIL(d, OL_E_INVAL, "evidence worker_public_key does not parse");
        pk = &own;
    }
    if (signature == NULL || ol_near_signature_parse(signature, &s, NULL) != OL_OK ||
        s.type != OL_NEAR_KEY_ED25519)
        return OL_FAIL(d, OL_E_INVAL, "evidence signature must be ed25519:<base58 64 bytes>");
    if (ol_near_verify(pk, (const uint8_t *)msg, n, &s, NULL) != OL_OK)
        return OL_FAIL(d, OL_E_STATE, "evidence signature does not verify");
    return OL_OK;
}

/* ------------------------------------ parsing ------------------------------------ */

static ol_err get_str(json_t *obj, const char *key, char *dst, size_t cap, ol_diag *d)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return OL_FAIL(d, OL_E_MALFORMED, "evidence record: \"%s\" must be a string", key);
    size_t n = json_string_length(v);
    if (n >= cap || memchr(json_string_value(v), '\0', n) != NULL)
        return OL_FAIL(d, OL_E_INVAL, "evidence record: \"%s\" is too long", key);
    memcpy(dst, json_string_value(v), n + 1);
    return OL_OK;
}

static ol_err get_uint(json_t *obj, const char *key, uint64_t max, uint64_t *out, ol_diag *d)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return OL_FAIL(d, OL_E_MALFORMED, "evidence record: \"%s\" must be an integer", key);
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i > max)
        return OL_FAIL(d, OL_E_INVAL, "evidence record: \"%s\" out of range", key);
    *out = (uint64_t)i;
    return OL_OK;
}

static const char *const record_keys[] = {"call_id",      "exit_code",         "input_sha256",
                                          "instructions", "output_sha256",     "project_id",
                                          "status",       "transcript_sha256", "version",
                                          "wasm_sha256",  "worker_id",         "worker_public_key"};

ol_err ol_evidence_from_json(json_t *env, ol_evidence_record *out, char sig[OL_NEAR_KEY_STR_MAX],
                             ol_diag *d)
{
    ol_evidence_record r;
    uint64_t u;
    ol_err rc;
    memset(&r, 0, sizeof r);
    if (!json_is_object(env) || json_object_size(env) != 2)
        return OL_FAIL(d, OL_E_MALFORMED,
                       "evidence must be an object with exactly \"record\" and \"signature\"");
    json_t *rec = json_object_get(env, "record");
    json_t *js = json_object_get(env, "signature");
    if (!json_is_object(rec) || !json_is_string(js))
        return OL_FAIL(d, OL_E_MALFORMED,
                       "evidence must be {\"record\": {...}, \"signature\": \"ed25519:...\"}");
    if (json_object_size(rec) != sizeof record_keys / sizeof record_keys[0])
        return OL_FAIL(d, OL_E_MALFORMED, "evidence record must have exactly %zu keys",
                       sizeof record_keys / sizeof record_keys[0]);
    for (size_t i = 0; i < sizeof record_keys / sizeof record_keys[0]; i++) {
        if (json_object_get(rec, record_keys[i]) == NULL)
            return OL_FAIL(d, OL_E_MALFORMED, "evidence record lacks \"%s\"", record_keys[i]);
    }
    if ((rc = get_uint(rec, "version", UINT32_MAX, &u, d)) != OL_OK)
        return rc;
    r.version = (uint32_t)u;
    if ((rc = get_uint(rec, "exit_code", UINT32_MAX, &u, d)) != OL_OK)
        return rc;
    r.exit_code = (uint32_t)u;
    if ((rc = get_uint(rec, "instructions", (uint64_t)INT64_MAX, &r.instructions, d)) != OL_OK)
        return rc;
    if ((rc = get_str(rec, "call_id", r.call_id, sizeof r.call_id, d)) != OL_OK ||
        (rc = get_str(rec, "project_id", r.project_id, sizeof r.project_id, d)) != OL_OK ||
        (rc = get_str(rec, "wasm_sha256", r.wasm_sha256, sizeof r.wasm_sha256, d)) != OL_OK ||
        (rc = get_str(rec, "input_sha256", r.input_sha256, sizeof r.input_sha256, d)) != OL_OK ||
        (rc = get_str(rec, "output_sha256", r.output_sha256, sizeof r.output_sha256, d)) != OL_OK ||
        (rc = get_str(rec, "transcript_sha256", r.transcript_sha256, sizeof r.transcript_sha256,
                      d)) != OL_OK ||
        (rc = get_str(rec, "status", r.status, sizeof r.status, d)) != OL_OK ||
        (rc = get_str(rec, "worker_id", r.worker_id, sizeof r.worker_id, d)) != OL_OK ||
        (rc = get_str(rec, "worker_public_key", r.worker_public_key, sizeof r.worker_public_key,
                      d)) != OL_OK)
        return rc;
    if ((rc = ol_evidence_check(&r, d)) != OL_OK)
        return rc;
    if (json_string_length(js) >= OL_NEAR_KEY_STR_MAX)
        return OL_FAIL(d, OL_E_INVAL, "evidence signature too long");
    if (sig != NULL)
        memcpy(sig, json_string_value(js), json_string_length(js) + 1);
    *out = r;
    return OL_OK;
}

ol_err ol_evidence_parse(const char *json, size_t len, ol_evidence_record *out,
                         char sig[OL_NEAR_KEY_STR_MAX], ol_diag *d)
{
    json_error_t je;
    json_t *env = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (env == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "evidence is not JSON: %s", je.text);
    ol_err rc = ol_evidence_from_json(env, out, sig, d);
    json_decref(env);
    return rc;
}

ol_err ol_evidence_envelope(const ol_evidence_record *r, const char *signature, char **out,
                            size_t *len, ol_diag *d)
{
    char canon[OL_EVIDENCE_CANONICAL_MAX];
    size_t cl = 0;
    ol_err rc = ol_evidence_canonical(r, canon, sizeof canon, &cl, d);
    if (rc != OL_OK)
        return rc;
    ol_near_signature s;
    if (signature == NULL || ol_near_signature_parse(signature, &s, NULL) != OL_OK)
        return OL_FAIL(d, OL_E_INVAL, "evidence signature must be ed25519:<base58>");
    char sigtext[OL_NEAR_KEY_STR_MAX];
    ol_near_signature_format(&s, sigtext);
    size_t cap = cl + strlen(sigtext) + 48;
    char *p = malloc(cap);
    if (p == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "evidence envelope");
    int n = snprintf(p, cap, "{\"record\":%s,\"signature\":\"%s\"}", canon, sigtext);
    *out = p;
    if (len != NULL)
        *len = (size_t)n;
    return OL_OK;
}
