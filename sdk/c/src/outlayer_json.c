/* OutLayer guest SDK: a JSON writer (escaping, shortest doubles) and a strict JSON reader (a
 * read-only tree; iterative, so nesting costs no C stack). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outlayer.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is invalid: a stray
 * continuation byte, an overlong form, a surrogate, above U+10FFFF, or cut off by the end. */
static size_t utf8_seq(const uint8_t *p, size_t avail)
{
    uint8_t c = p[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
        return 0;
    if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
        return 0;
    return n;
}

/* ================================ writer ================================ */

void ol_jw_init(ol_json_writer *w)
{
    memset(w, 0, sizeof *w);
}

void ol_jw_fini(ol_json_writer *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

static void jw_error(ol_json_writer *w, const char *msg)
{
    if (w->error == NULL)
        w->error = msg;
}

/* Room for n more bytes plus the NUL that ol_jw_result() relies on. */
static bool jw_reserve(ol_json_writer *w, size_t n)
{
    if (w->error != NULL)
        return false;
    if (w->cap - w->len > n)
        return true;
    size_t cap = w->cap != 0 ? w->cap : 256;
    while (cap - w->len <= n) {
        if (cap > SIZE_MAX / 2) {
            jw_error(w, "out of memory");
            return false;
        }
        cap *= 2;
    }
    char *buf = realloc(w->buf, cap);
    if (buf == NULL) {
        jw_error(w, "out of memory");
        return false;
    }
    w->buf = buf;
    w->cap = cap;
    return true;
}

static void jw_put(ol_json_writer *w, const char *s, size_t n)
{
    if (!jw_reserve(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = 0;
}

static void jw_putc(ol_json_writer *w, char c)
{
    jw_put(w, &c, 1);
}

static bool jw_in_object(const ol_json_writer *w)
{
    return w->depth > 0 && w->stack[w->depth - 1] == 'o';
}

/* Before any value: is one allowed here? Writes the separating comma in arrays (in objects the
 * key wrote it). */
static bool jw_value_begin(ol_json_writer *w)
{
    if (w->error != NULL)
        return false;
    if (w->complete) {
        jw_error(w, "a second top-level value");
        return false;
    }
    if (jw_in_object(w)) {
        if (!w->have_key) {
            jw_error(w, "a value in an object without a key");
            return false;
        }
        w->have_key = false;
    } else if (w->need_comma) {
        jw_putc(w, ',');
    }
    return true;
}

static void jw_value_end(ol_json_writer *w)
{
    if (w->depth == 0)
        w->complete = true;
    else
        w->need_comma = true;
}

static void jw_open(ol_json_writer *w, char kind, char c)
{
    if (!jw_value_begin(w))
        return;
    if (w->depth == OL_JSON_MAX_DEPTH) {
        jw_error(w, "nesting deeper than OL_JSON_MAX_DEPTH");
        return;
    }
    jw_putc(w, c);
    w->stack[w->depth++] = (uint8_t)kind;
    w->need_comma = false;
}

static void jw_close(ol_json_writer *w, char kind, char c)
{
    if (w->error != NULL)
        return;
    if (w->depth == 0 || w->stack[w->depth - 1] != (uint8_t)kind) {
        jw_error(w, kind == 'o' ? "object end without a matching begin"
                                : "array end without a matching begin");
        return;
    }
    if (w->have_key) {
        jw_error(w, "a key without a value");
        return;
    }
    jw_putc(w, c);
    w->depth--;
    jw_value_end(w);
}

void ol_jw_object_begin(ol_json_writer *w)
{
    jw_open(w, 'o', '{');
}

void ol_jw_object_end(ol_json_writer *w)
{
    jw_close(w, 'o', '}');
}

void ol_jw_array_begin(ol_json_writer *w)
{
    jw_open(w, 'a', '[');
}

void ol_jw_array_end(ol_json_writer *w)
{
    jw_close(w, 'a', ']');
}

/* The quoted, escaped string. */
static void jw_quoted(ol_json_writer *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = (const uint8_t *)s;
    jw_putc(w, '"');
    size_t i = 0;
    while (i < len && w->error == NULL) {
        /* Copy the longest run that needs no escaping in one go. */
        size_t run = i;
        while (run < len && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            jw_put(w, s + i, run - i);
            i = run;
            continue;
        }
        uint8_t c = p[i];
        if (c >= 0x80) {
            size_t n = utf8_seq(p + i, len - i);
            if (n == 0) {
                jw_put(w, "\xef\xbf\xbd", 3); /* U+FFFD for each invalid byte */
                n = 1;
            } else {
                jw_put(w, s + i, n);
            }
            i += n;
            continue;
        }
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
            break;
        }
        jw_put(w, esc, n);
        i++;
    }
    jw_putc(w, '"');
}

void ol_jw_key_n(ol_json_writer *w, const char *key, size_t len)
{
    if (w->error != NULL)
        return;
    if (!jw_in_object(w)) {
        jw_error(w, "a key outside an object");
        return;
    }
    if (w->have_key) {
        jw_error(w, "two keys in a row");
        return;
    }
    if (w->need_comma)
        jw_putc(w, ',');
    jw_quoted(w, key, len);
    jw_putc(w, ':');
    w->have_key = true;
}

void ol_jw_key(ol_json_writer *w, const char *key)
{
    ol_jw_key_n(w, key, strlen(key));
}

void ol_jw_string_n(ol_json_writer *w, const char *s, size_t len)
{
    if (!jw_value_begin(w))
        return;
    jw_quoted(w, s, len);
    jw_value_end(w);
}

void ol_jw_string(ol_json_writer *w, const char *s)
{
    if (s == NULL)
        ol_jw_null(w);
    else
        ol_jw_string_n(w, s, strlen(s));
}

/* Decimal digits of v, right-aligned in buf[0..24); returns the first. */
static char *u64_digits(uint64_t v, char buf[24])
{
    char *p = buf + 24;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return p;
}

void ol_jw_uint(ol_json_writer *w, uint64_t v)
{
    char buf[24];
    if (!jw_value_begin(w))
        return;
    char *p = u64_digits(v, buf);
    jw_put(w, p, (size_t)(buf + 24 - p));
    jw_value_end(w);
}

void ol_jw_int(ol_json_writer *w, int64_t v)
{
    char buf[24];
    if (!jw_value_begin(w))
        return;
    /* The magnitude in uint64: -INT64_MIN does not fit int64. */
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = u64_digits(mag, buf);
    if (v < 0)
        *--p = '-';
    jw_put(w, p, (size_t)(buf + 24 - p));
    jw_value_end(w);
}

void ol_jw_double(ol_json_writer *w, double v)
{
    if (!isfinite(v)) {
        ol_jw_null(w);
        return;
    }
    if (!jw_value_begin(w))
        return;
    /* The shortest %g form that reads back exactly; 17 significant digits always do. %g never
     * produces anything JSON rejects for a finite value ("1e+20", "-0", "0.5"). */
    char buf[40];
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    jw_put(w, buf, (size_t)n);
    jw_value_end(w);
}

void ol_jw_bool(ol_json_writer *w, bool v)
{
    if (!jw_value_begin(w))
        return;
    if (v)
        jw_put(w, "true", 4);
    else
        jw_put(w, "false", 5);
    jw_value_end(w);
}

void ol_jw_null(ol_json_writer *w)
{
    if (!jw_value_begin(w))
        return;
    jw_put(w, "null", 4);
    jw_value_end(w);
}

const char *ol_jw_error(const ol_json_writer *w)
{
    if (w->error != NULL)
        return w->error;
    return w->complete ? NULL : "incomplete document";
}

const char *ol_jw_result(const ol_json_writer *w, size_t *len)
{
    if (ol_jw_error(w) != NULL)
        return NULL;
    if (len != NULL)
        *len = w->len;
    return w->buf;
}

void ol_jw_output(ol_json_writer *w)
{
    size_t len;
    const char *s = ol_jw_result(w, &len);
    if (s == NULL)
        ol_fail("JSON output: %s", ol_jw_error(w));
    ol_output(s, len);
    ol_jw_fini(w);
}

/* ================================ reader ================================ */

/* Nodes come from chunks that double in size; decoded strings and keys go to one buffer as large
 * as the input, which always suffices: a JSON string of k source bytes (quotes included) decodes
 * to at most k - 2 bytes, and needs one more for its NUL. */
typedef struct jr_chunk {
    struct jr_chunk *next;
    size_t used, cap;
    ol_json nodes[];
} jr_chunk;

typedef struct jr_mem {
    jr_chunk *chunks;
    char *strings;
} jr_mem;

typedef struct jr {
    const uint8_t *p;
    size_t len, pos;
    jr_mem *mem;
    size_t str_used;
    ol_json_doc *doc;
} jr;

static bool jr_fail(jr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the first error, prefixed with the byte offset; always returns false. */
static bool jr_fail(jr *r, const char *fmt, ...)
{
    char *e = r->doc->error;
    size_t cap = sizeof r->doc->error;
    if (e[0] != 0)
        return false;
    int n = snprintf(e, cap, "byte %zu: ", r->pos);
    if (n > 0 && (size_t)n < cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e + n, cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Names the byte at the current position for an error message. */
static const char *jr_what(const jr *r, char buf[16])
{
    if (r->pos >= r->len)
        return "end of input";
    uint8_t c = r->p[r->pos];
    if (c > 0x20 && c < 0x7f)
        snprintf(buf, 16, "'%c'", c);
    else
        snprintf(buf, 16, "byte 0x%02x", c);
    return buf;
}

static ol_json *jr_node(jr *r, ol_json_type type)
{
    jr_chunk *c = r->mem->chunks;
    if (c == NULL || c->used == c->cap) {
        size_t cap = c != NULL && c->cap < 4096 ? c->cap * 2 : c != NULL ? c->cap : 16;
        jr_chunk *n = malloc(sizeof *n + cap * sizeof n->nodes[0]);
        if (n == NULL) {
            jr_fail(r, "out of memory");
            return NULL;
        }
        n->next = c;
        n->used = 0;
        n->cap = cap;
        r->mem->chunks = n;
        c = n;
    }
    ol_json *v = &c->nodes[c->used++];
    *v = (ol_json){.type = type};
    return v;
}

static void jr_ws(jr *r)
{
    while (r->pos < r->len) {
        uint8_t c = r->p[r->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        r->pos++;
    }
}

static int jr_hex4(const jr *r, size_t at)
{
    if (r->len - at < 4)
        return -1;
    int v = 0;
    for (size_t i = 0; i < 4; i++) {
        uint8_t c = r->p[at + i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A string starting at the opening quote: decoded into the string buffer. */
static bool jr_string(jr *r, const char **out, size_t *out_len)
{
    char *dst = r->mem->strings + r->str_used;
    size_t n = 0;
    r->pos++; /* the opening quote */
    for (;;) {
        if (r->pos >= r->len)
            return jr_fail(r, "unterminated string");
        uint8_t c = r->p[r->pos];
        if (c == '"') {
            r->pos++;
            break;
        }
        if (c < 0x20)
            return jr_fail(r, "control character 0x%02x in a string (must be escaped)", c);
        if (c >= 0x80) {
            size_t k = utf8_seq(r->p + r->pos, r->len - r->pos);
            if (k == 0)
                return jr_fail(r, "invalid UTF-8 in a string");
            memcpy(dst + n, r->p + r->pos, k);
            n += k;
            r->pos += k;
            continue;
        }
        if (c != '\\') {
            dst[n++] = (char)c;
            r->pos++;
            continue;
        }
        if (r->pos + 1 >= r->len)
            return jr_fail(r, "unterminated string");
        uint8_t e = r->p[r->pos + 1];
        char simple = 0;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            simple = (char)e;
            break;
        case 'b':
            simple = '\b';
            break;
        case 'f':
            simple = '\f';
            break;
        case 'n':
            simple = '\n';
            break;
        case 'r':
            simple = '\r';
            break;
        case 't':
            simple = '\t';
            break;
        case 'u':
            break;
        default:
            return jr_fail(r, "invalid escape in a string");
        }
        if (e != 'u') {
            dst[n++] = simple;
            r->pos += 2;
            continue;
        }
        int hi = jr_hex4(r, r->pos + 2);
        if (hi < 0)
            return jr_fail(r, "\\u needs 4 hex digits");
        uint32_t cp = (uint32_t)hi;
        size_t used = 6;
        if (cp >= 0xdc00 && cp <= 0xdfff)
            return jr_fail(r, "lone low surrogate \\u%04x", (unsigned)cp);
        if (cp >= 0xd800 && cp <= 0xdbff) {
            int lo = -1;
            if (r->len - r->pos >= 12 && r->p[r->pos + 6] == '\\' && r->p[r->pos + 7] == 'u')
                lo = jr_hex4(r, r->pos + 8);
            if (lo < 0xdc00 || lo > 0xdfff)
                return jr_fail(r, "high surrogate \\u%04x without a low one", (unsigned)cp);
            cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
            used = 12;
        }
        n += utf8_put(dst + n, cp);
        r->pos += used;
    }
    dst[n] = 0;
    r->str_used += n + 1;
    *out = dst;
    *out_len = n;
    return true;
}

static bool jr_number(jr *r, ol_json *v)
{
    size_t start = r->pos;
    bool neg = false, is_int = true;
    if (r->p[r->pos] == '-') {
        neg = true;
        r->pos++;
    }
    if (r->pos >= r->len || r->p[r->pos] < '0' || r->p[r->pos] > '9')
        return jr_fail(r, "expected a digit");
    /* Integer part, accumulated exactly while it fits. */
    uint64_t mag = 0;
    bool fits = true;
    if (r->p[r->pos] == '0') {
        r->pos++;
        if (r->pos < r->len && r->p[r->pos] >= '0' && r->p[r->pos] <= '9')
            return jr_fail(r, "leading zeros are not allowed in numbers");
    } else {
        while (r->pos < r->len && r->p[r->pos] >= '0' && r->p[r->pos] <= '9') {
            unsigned d = (unsigned)(r->p[r->pos] - '0');
            if (mag > (UINT64_MAX - d) / 10)
                fits = false;
            else
                mag = mag * 10 + d;
            r->pos++;
        }
    }
    if (r->pos < r->len && r->p[r->pos] == '.') {
        is_int = false;
        r->pos++;
        if (r->pos >= r->len || r->p[r->pos] < '0' || r->p[r->pos] > '9')
            return jr_fail(r, "expected a digit after '.'");
        while (r->pos < r->len && r->p[r->pos] >= '0' && r->p[r->pos] <= '9')
            r->pos++;
    }
    if (r->pos < r->len && (r->p[r->pos] == 'e' || r->p[r->pos] == 'E')) {
        is_int = false;
        r->pos++;
        if (r->pos < r->len && (r->p[r->pos] == '+' || r->p[r->pos] == '-'))
            r->pos++;
        if (r->pos >= r->len || r->p[r->pos] < '0' || r->p[r->pos] > '9')
            return jr_fail(r, "expected a digit in the exponent");
        while (r->pos < r->len && r->p[r->pos] >= '0' && r->p[r->pos] <= '9')
            r->pos++;
    }
    if (is_int && fits) {
        /* Converting the exact integer rounds the way strtod would, at a fraction of its cost:
         * arrays of integers are the common case. */
        v->number = neg ? -(double)mag : (double)mag;
    } else {
        /* strtod on a NUL-terminated copy of exactly the validated text: the input is neither
         * NUL-terminated nor limited to JSON's grammar beyond this span. */
        size_t n = r->pos - start;
        char small[64];
        char *text = n < sizeof small ? small : malloc(n + 1);
        if (text == NULL)
            return jr_fail(r, "out of memory");
        memcpy(text, r->p + start, n);
        text[n] = 0;
        v->number = strtod(text, NULL);
        if (text != small)
            free(text);
        if (isinf(v->number)) {
            r->pos = start;
            return jr_fail(r, "number out of range");
        }
    }
    if (is_int && fits && mag <= (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
        v->is_int = true;
        if (!neg)
            v->integer = (int64_t)mag;
        else if (mag == (uint64_t)INT64_MAX + 1)
            v->integer = INT64_MIN;
        else
            v->integer = -(int64_t)mag;
    }
    return true;
}

static bool jr_literal(jr *r, const char *word, size_t n)
{
    if (r->len - r->pos < n || memcmp(r->p + r->pos, word, n) != 0)
        return jr_fail(r, "invalid literal, expected '%s'", word);
    r->pos += n;
    return true;
}

typedef struct jr_open {
    ol_json *node;
    ol_json *last; /* last child so far */
} jr_open;

/* The whole document, iteratively: `stack` holds the open containers. */
static bool jr_document(jr *r, const ol_json **root)
{
    jr_open stack[OL_JSON_MAX_NESTING];
    size_t depth = 0;
    char what[16];

    jr_ws(r);
    if (r->pos >= r->len)
        return jr_fail(r, "empty input: expected a JSON value");
    for (;;) {
        /* Expecting a value; in an object, its key first. */
        const char *key = NULL;
        size_t key_len = 0;
        jr_ws(r);
        if (depth > 0 && stack[depth - 1].node->type == OL_JSON_OBJECT) {
            if (r->pos >= r->len || r->p[r->pos] != '"')
                return jr_fail(r, "expected a string key, found %s", jr_what(r, what));
            if (!jr_string(r, &key, &key_len))
                return false;
            jr_ws(r);
            if (r->pos >= r->len || r->p[r->pos] != ':')
                return jr_fail(r, "expected ':' after a key, found %s", jr_what(r, what));
            r->pos++;
            jr_ws(r);
        }
        if (r->pos >= r->len)
            return jr_fail(r, "unexpected end of input, expected a value");
        uint8_t c = r->p[r->pos];
        ol_json *v;
        bool ok = true;
        switch (c) {
        case '{':
        case '[':
            /* Counted here, empty or not: the limit is on containers within containers. */
            if (depth == OL_JSON_MAX_NESTING)
                return jr_fail(r, "nesting deeper than %d", OL_JSON_MAX_NESTING);
            v = jr_node(r, c == '{' ? OL_JSON_OBJECT : OL_JSON_ARRAY);
            break;
        case '"':
            v = jr_node(r, OL_JSON_STRING);
            ok = v != NULL && jr_string(r, &v->str, &v->len);
            break;
        case 't':
        case 'f':
            v = jr_node(r, OL_JSON_BOOL);
            ok = v != NULL && (c == 't' ? jr_literal(r, "true", 4) : jr_literal(r, "false", 5));
            if (v != NULL)
                v->boolean = c == 't';
            break;
        case 'n':
            v = jr_node(r, OL_JSON_NULL);
            ok = v != NULL && jr_literal(r, "null", 4);
            break;
        default:
            if (c != '-' && (c < '0' || c > '9'))
                return jr_fail(r, "unexpected %s, expected a value", jr_what(r, what));
            v = jr_node(r, OL_JSON_NUMBER);
            ok = v != NULL && jr_number(r, v);
            break;
        }
        if (v == NULL || !ok)
            return false;
        v->key = key;
        v->key_len = key_len;
        if (depth == 0) {
            *root = v;
        } else {
            jr_open *parent = &stack[depth - 1];
            if (parent->last != NULL)
                parent->last->next = v;
            else
                parent->node->child = v;
            parent->last = v;
            parent->node->count++;
        }
        if (v->type == OL_JSON_OBJECT || v->type == OL_JSON_ARRAY) {
            r->pos++;
            jr_ws(r);
            uint8_t close = v->type == OL_JSON_OBJECT ? '}' : ']';
            if (r->pos < r->len && r->p[r->pos] == close) {
                r->pos++; /* empty: complete at once */
            } else {
                stack[depth].node = v;
                stack[depth].last = NULL;
                depth++;
                continue;
            }
        }
        /* A value is complete: a comma, the end of its container(s), or the end of input. */
        for (;;) {
            jr_ws(r);
            if (depth == 0) {
                if (r->pos < r->len)
                    return jr_fail(r, "unexpected %s after the JSON value", jr_what(r, what));
                return true;
            }
            bool obj = stack[depth - 1].node->type == OL_JSON_OBJECT;
            if (r->pos < r->len && r->p[r->pos] == ',') {
                r->pos++;
                break;
            }
            if (r->pos < r->len && r->p[r->pos] == (obj ? '}' : ']')) {
                r->pos++;
                depth--;
                continue;
            }
            return jr_fail(r, "expected ',' or '%c', found %s", obj ? '}' : ']', jr_what(r, what));
        }
    }
}

bool ol_json_parse(const uint8_t *p, size_t len, ol_json_doc *doc)
{
    doc->root = NULL;
    doc->error[0] = 0;
    doc->mem_ = NULL;
    jr r = {.p = p, .len = len, .doc = doc};
    jr_mem *mem = calloc(1, sizeof *mem);
    if (mem == NULL) {
        jr_fail(&r, "out of memory");
        return false;
    }
    doc->mem_ = mem;
    r.mem = mem;
    mem->strings = malloc(len + 1);
    if (mem->strings == NULL) {
        jr_fail(&r, "out of memory");
        return false;
    }
    const ol_json *root = NULL;
    if (!jr_document(&r, &root))
        return false;
    doc->root = root;
    return true;
}

void ol_json_doc_fini(ol_json_doc *doc)
{
    jr_mem *mem = doc->mem_;
    if (mem != NULL) {
        while (mem->chunks != NULL) {
            jr_chunk *next = mem->chunks->next;
            free(mem->chunks);
            mem->chunks = next;
        }
        free(mem->strings);
        free(mem);
    }
    doc->root = NULL;
    doc->mem_ = NULL;
}

const ol_json *ol_input_json(void)
{
    static ol_json_doc doc;
    if (doc.root == NULL) {
        size_t len;
        const uint8_t *p = ol_input(&len);
        if (!ol_json_parse(p, len, &doc))
            ol_fail("invalid JSON input: %s", doc.error);
    }
    return doc.root;
}

const ol_json *ol_json_get(const ol_json *v, const char *key)
{
    if (v == NULL || v->type != OL_JSON_OBJECT)
        return NULL;
    size_t n = strlen(key);
    const ol_json *found = NULL;
    for (const ol_json *m = v->child; m != NULL; m = m->next)
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            found = m;
    return found;
}

const ol_json *ol_json_at(const ol_json *v, size_t i)
{
    if (v == NULL || v->type != OL_JSON_ARRAY)
        return NULL;
    const ol_json *e = v->child;
    for (; e != NULL && i > 0; i--)
        e = e->next;
    return e;
}

const char *ol_json_type_name(ol_json_type t)
{
    switch (t) {
    case OL_JSON_NULL:
        return "null";
    case OL_JSON_BOOL:
        return "boolean";
    case OL_JSON_NUMBER:
        return "number";
    case OL_JSON_STRING:
        return "string";
    case OL_JSON_ARRAY:
        return "array";
    case OL_JSON_OBJECT:
        return "object";
    }
    return "unknown";
}

bool ol_json_int(const ol_json *v, int64_t *out)
{
    if (v == NULL || v->type != OL_JSON_NUMBER)
        return false;
    if (v->is_int) {
        *out = v->integer;
        return true;
    }
    /* 5.0 or 1e3: exact only while every integer is representable, below 2^53 (2^53 itself may
     * be 2^53 + 1 rounded). */
    double d = v->number;
    if (d != floor(d) || fabs(d) >= 9007199254740992.0)
        return false;
    *out = (int64_t)d;
    return true;
}

bool ol_json_double(const ol_json *v, double *out)
{
    if (v == NULL || v->type != OL_JSON_NUMBER)
        return false;
    *out = v->number;
    return true;
}

bool ol_json_bool(const ol_json *v, bool *out)
{
    if (v == NULL || v->type != OL_JSON_BOOL)
        return false;
    *out = v->boolean;
    return true;
}

const char *ol_json_string(const ol_json *v, size_t *len)
{
    if (v == NULL || v->type != OL_JSON_STRING)
        return NULL;
    if (len != NULL)
        *len = v->len;
    return v->str;
}
