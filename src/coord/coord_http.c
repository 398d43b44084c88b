/* Request and response helpers for the handlers: header and query lookup, bearer tokens,
 * JSON and error responses rendered into the request's arena, money and integer parsing.
 *
 * Invariant: every response body lives in the request arena (or is a static string), so a
 * handler never frees anything and the glue frees everything with the arena.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "coord_int.h"

static const char json_ct[] = "application/json";

void ol__resp_text(ol_near_arena *ar, ol_coord_resp *resp, unsigned status,
                   const char *content_type, const char *text, size_t len)
{
    char *p = ol_near_arena_alloc(ar, len + 1);
    resp->status = status;
    resp->content_type = content_type;
    resp->defer.kind = OL_COORD_DEFER_NONE;
    if (p == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\",\"code\":\"internal\"}";
        resp->status = 500;
        resp->content_type = json_ct;
        resp->body = (const uint8_t *)oom;
        resp->body_len = sizeof oom - 1;
        return;
    }
    if (len > 0)
        memcpy(p, text, len);
    resp->body = (const uint8_t *)p;
    resp->body_len = len;
}

void ol__resp_json(ol_near_arena *ar, ol_coord_resp *resp, unsigned status, json_t *body)
{
    /* Two passes: size, then into the arena (no intermediate malloc'd copy). */
    const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    size_t n = body != NULL ? json_dumpb(body, NULL, 0, flags) : 0;
    char *p = n > 0 ? ol_near_arena_alloc(ar, n + 1) : NULL;
    if (p == NULL || json_dumpb(body, p, n, flags) != n) {
        json_decref(body);
        static const char oom[] = "{\"error\":\"out of memory\",\"code\":\"internal\"}";
        resp->status = 500;
        resp->content_type = json_ct;
        resp->body = (const uint8_t *)oom;
        resp->body_len = sizeof oom - 1;
        resp->defer.kind = OL_COORD_DEFER_NONE;
        return;
    }
    json_decref(body);
    resp->status = status;
    resp->content_type = json_ct;
    resp->body = (const uint8_t *)p;
    resp->body_len = n;
    resp->defer.kind = OL_COORD_DEFER_NONE;
}

void ol__resp_error(ol_near_arena *ar, ol_coord_resp *resp, unsigned status, const char *code,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_object();
    /* json_string refuses invalid UTF-8; messages may quote client text, so fall back. */
    json_t *m = json_string(msg);
    if (m == NULL)
        m = json_string("(message not valid UTF-8)");
    json_object_set_new(o, "error", m);
    json_object_set_new(o, "code", json_string(code));
    ol__resp_json(ar, resp, status, o);
}

const char *ol__req_header(const ol_coord_req *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++) {
        if (req->headers[i].name != NULL && strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value != NULL ? req->headers[i].value : "";
    }
    return NULL;
}

const char *ol__req_query(const ol_coord_req *req, ol_near_arena *ar, const char *name)
{
    const char *q = req->query;
    size_t nl = strlen(name);
    while (q != NULL && *q != '\0') {
        const char *amp = strchr(q, '&');
        size_t len = amp != NULL ? (size_t)(amp - q) : strlen(q);
        if (len >= nl && strncmp(q, name, nl) == 0 && (len == nl || q[nl] == '=')) {
            const char *v = len == nl ? q + len : q + nl + 1;
            size_t vl = len == nl ? 0 : len - nl - 1;
            return ol_near_arena_strndup(ar, v, vl);
        }
        q = amp != NULL ? amp + 1 : NULL;
    }
    return NULL;
}

const char *ol__req_bearer(const ol_coord_req *req)
{
    const char *h = ol__req_header(req, "Authorization");
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h != '\0' ? h : NULL;
}

bool ol__parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (s == NULL || *s == '\0')
        return false;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t digit = (uint64_t)(*p - '0');
        if (v > (max - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

bool ol__json_money(json_t *v, uint64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0)
            return false;
        *out = (uint64_t)i;
        return (uint64_t)i <= OL_STORE_MONEY_MAX;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strlen(s) != json_string_length(v) || strlen(s) > 19)
            return false;
        return ol__parse_u64(s, OL_STORE_MONEY_MAX, out);
    }
    return false;
}

json_t *ol__json_u64s(uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    return json_string(buf);
}

void ol__uuid(char out[37])
{
    uint8_t b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    static const char hexd[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hexd[b[i] >> 4];
        out[o++] = hexd[b[i] & 15];
    }
    out[o] = '\0';
}

char *ol__b64(ol_near_arena *ar, const uint8_t *p, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = ol_near_arena_alloc(ar, cap);
    if (out == NULL)
        return NULL;
    sodium_bin2base64(out, cap, p != NULL ? p : (const uint8_t *)"", len,
                      sodium_base64_VARIANT_ORIGINAL);
    return out;
}

const char *ol__json_unknown_key(json_t *o, const char *const *keys, size_t n)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        (void)v;
        size_t i = 0;
        while (i < n && strcmp(keys[i], k) != 0)
            i++;
        if (i == n)
            return k;
    }
    return NULL;
}
