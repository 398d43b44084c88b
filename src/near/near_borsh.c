/* Borsh primitives: a writer that appends to an ol_near_buf and a bounds-checked reader.
 *
 * Reader invariant: r->pos <= r->len at all times, and every access first checks that the
 * bytes it needs lie inside [pos, len) using subtraction (len - pos), which cannot overflow.
 * Errors name the field and the offset, never the field's contents. */
#include <string.h>

#include "near_int.h"

/* ---- writer ---- */

void ol_near_borsh_put_u8(ol_near_buf *b, uint8_t v)
{
    ol_near_buf_append(b, &v, 1);
}

void ol_near_borsh_put_u32(ol_near_buf *b, uint32_t v)
{
    uint8_t t[4];
    for (int i = 0; i < 4; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    ol_near_buf_append(b, t, sizeof t);
}

void ol_near_borsh_put_u64(ol_near_buf *b, uint64_t v)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    ol_near_buf_append(b, t, sizeof t);
}

void ol_near_borsh_put_u128(ol_near_buf *b, ol_near_u128 v)
{
    ol_near_borsh_put_u64(b, v.lo);
    ol_near_borsh_put_u64(b, v.hi);
}

void ol_near_borsh_put_raw(ol_near_buf *b, const void *p, size_t len)
{
    ol_near_buf_append(b, p, len);
}

void ol_near_borsh_put_bytes(ol_near_buf *b, const uint8_t *p, size_t len)
{
    if (len > UINT32_MAX) {
        if (b->err == OL_OK)
            b->err = OL_E_LIMIT;
        return;
    }
    ol_near_borsh_put_u32(b, (uint32_t)len);
    ol_near_buf_append(b, p, len);
}

void ol_near_borsh_put_str(ol_near_buf *b, const char *p, size_t len)
{
    ol_near_borsh_put_bytes(b, (const uint8_t *)p, len);
}

void ol_near_borsh_put_public_key(ol_near_buf *b, const ol_near_public_key *pk)
{
    ol_near_borsh_put_u8(b, (uint8_t)pk->type);
    ol_near_buf_append(b, pk->data, ol_near_public_key_len(pk->type));
}

void ol_near_borsh_put_signature(ol_near_buf *b, const ol_near_signature *sig)
{
    ol_near_borsh_put_u8(b, (uint8_t)sig->type);
    ol_near_buf_append(b, sig->data, ol_near_signature_len(sig->type));
}

/* ---- reader ---- */

void ol_near_borsh_reader_init(ol_near_borsh_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
}

/* Makes sure n bytes remain; the error says how many the field needed. */
static ol_err need(const ol_near_borsh_reader *r, const char *what, size_t n, ol_diag *d)
{
    if (r->len - r->pos < n)
        return OL_FAIL(d, OL_E_MALFORMED,
                       "borsh: truncated at offset %zu reading %s (%zu bytes needed, %zu left)",
                       r->pos, what, n, r->len - r->pos);
    return OL_OK;
}

static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

ol_err ol_near_borsh_get_u8(ol_near_borsh_reader *r, const char *what, uint8_t *out, ol_diag *d)
{
    ol_err rc = need(r, what, 1, d);
    if (rc != OL_OK)
        return rc;
    *out = r->p[r->pos++];
    return OL_OK;
}

ol_err ol_near_borsh_get_u32(ol_near_borsh_reader *r, const char *what, uint32_t *out, ol_diag *d)
{
    ol_err rc = need(r, what, 4, d);
    if (rc != OL_OK)
        return rc;
    *out = (uint32_t)load_le(r->p + r->pos, 4);
    r->pos += 4;
    return OL_OK;
}

ol_err ol_near_borsh_get_u64(ol_near_borsh_reader *r, const char *what, uint64_t *out, ol_diag *d)
{
    ol_err rc = need(r, what, 8, d);
    if (rc != OL_OK)
        return rc;
    *out = load_le(r->p + r->pos, 8);
    r->pos += 8;
    return OL_OK;
}

ol_err ol_near_borsh_get_u128(ol_near_borsh_reader *r, const char *what, ol_near_u128 *out,
                              ol_diag *d)
{
    ol_err rc = need(r, what, 16, d);
    if (rc != OL_OK)
        return rc;
    out->lo = load_le(r->p + r->pos, 8);
    out->hi = load_le(r->p + r->pos + 8, 8);
    r->pos += 16;
    return OL_OK;
}

ol_err ol_near_borsh_get_raw(ol_near_borsh_reader *r, const char *what, size_t n,
                             const uint8_t **out, ol_diag *d)
{
    ol_err rc = need(r, what, n, d);
    if (rc != OL_OK)
        return rc;
    *out = r->p + r->pos;
    r->pos += n;
    return OL_OK;
}

ol_err ol_near_borsh_get_bytes(ol_near_borsh_reader *r, const char *what, ol_near_bytes *out,
                               ol_diag *d)
{
    size_t start = r->pos;
    uint32_t n = 0;
    ol_err rc = ol_near_borsh_get_u32(r, what, &n, d);
    if (rc != OL_OK)
        return rc;
    if (r->len - r->pos < n) {
        rc = OL_FAIL(d, OL_E_MALFORMED,
                     "borsh: %s at offset %zu declares %u bytes but only %zu remain", what, start,
                     (unsigned)n, r->len - r->pos);
        r->pos = start;
        return rc;
    }
    out->p = r->p + r->pos;
    out->len = n;
    r->pos += n;
    return OL_OK;
}

ol_err ol_near_borsh_get_str(ol_near_borsh_reader *r, const char *what, ol_near_str *out,
                             ol_diag *d)
{
    size_t start = r->pos;
    ol_near_bytes b;
    ol_err rc = ol_near_borsh_get_bytes(r, what, &b, d);
    if (rc != OL_OK)
        return rc;
    if (!ol__near_utf8_valid(b.p, b.len)) {
        r->pos = start;
        return OL_FAIL(d, OL_E_MALFORMED, "borsh: %s at offset %zu is not valid UTF-8", what,
                       start);
    }
    out->p = (const char *)b.p;
    out->len = b.len;
    return OL_OK;
}

static ol_err get_key_type(ol_near_borsh_reader *r, const char *what, ol_near_key_type *out,
                           ol_diag *d)
{
    uint8_t tag = 0;
    size_t at = r->pos;
    ol_err rc = ol_near_borsh_get_u8(r, what, &tag, d);
    if (rc != OL_OK)
        return rc;
    if (tag > OL_NEAR_KEY_SECP256K1)
        return OL_FAIL(d, OL_E_UNSUPPORTED,
                       "borsh: %s at offset %zu has key type %u (only 0 ed25519 and 1 secp256k1 "
                       "are supported)",
                       what, at, (unsigned)tag);
    *out = (ol_near_key_type)tag;
    return OL_OK;
}

ol_err ol_near_borsh_get_public_key(ol_near_borsh_reader *r, const char *what,
                                    ol_near_public_key *out, ol_diag *d)
{
    ol_near_key_type t;
    const uint8_t *data;
    ol_err rc = get_key_type(r, what, &t, d);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_raw(r, what, ol_near_public_key_len(t), &data, d);
    if (rc != OL_OK)
        return rc;
    memset(out, 0, sizeof *out);
    out->type = t;
    memcpy(out->data, data, ol_near_public_key_len(t));
    return OL_OK;
}

ol_err ol_near_borsh_get_signature(ol_near_borsh_reader *r, const char *what,
                                   ol_near_signature *out, ol_diag *d)
{
    ol_near_key_type t;
    const uint8_t *data;
    ol_err rc = get_key_type(r, what, &t, d);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_raw(r, what, ol_near_signature_len(t), &data, d);
    if (rc != OL_OK)
        return rc;
    memset(out, 0, sizeof *out);
    out->type = t;
    memcpy(out->data, data, ol_near_signature_len(t));
    return OL_OK;
}

ol_err ol_near_borsh_expect_end(const ol_near_borsh_reader *r, const char *what, ol_diag *d)
{
    if (r->pos != r->len)
        return OL_FAIL(d, OL_E_MALFORMED, "borsh: %zu trailing bytes after %s at offset %zu",
                       r->len - r->pos, what, r->pos);
    return OL_OK;
}
