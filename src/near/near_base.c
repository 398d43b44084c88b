/* Text encodings NEAR uses: base58 (Bitcoin alphabet) for hashes, keys and signatures, base64
 * (standard, padded) for borsh payloads and call arguments, hex for implicit accounts and
 * debugging; plus SHA-256, UTF-8 validation and libsodium initialisation.
 *
 * Invariant: no encoder or decoder writes outside out[0..cap), and no decoder reads outside
 * s[0..len); every size computation is checked before it is used. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "near_int.h"

ol_err ol_near_init(ol_diag *d)
{
    /* sodium_init() is itself thread-safe and returns 1 when already initialised. */
    if (sodium_init() < 0)
        return OL_FAIL(d, OL_E_INTERNAL, "libsodium initialisation failed");
    return OL_OK;
}

ol_near_str ol_near_str_c(const char *s)
{
    ol_near_str r = {s, s == NULL ? 0 : strlen(s)};
    return r;
}

void ol_near_sha256(const uint8_t *p, size_t len, uint8_t out[OL_NEAR_HASH_LEN])
{
    static const uint8_t empty[1];
    crypto_hash_sha256(out, p == NULL ? empty : p, (unsigned long long)len);
}

/* ---- base58 ---- */

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Digit value of an alphabet character, -1 otherwise. */
static int b58_digit(unsigned char c)
{
    const char *hit = c == 0 ? NULL : strchr(b58_alphabet, c);
    return hit == NULL ? -1 : (int)(hit - b58_alphabet);
}

size_t ol_near_base58_encoded_max(size_t len)
{
    /* log(256)/log(58) < 1.38; one digit of slack and the NUL. */
    return len / 100 * 138 + (len % 100) * 138 / 100 + 2;
}

ol_err ol_near_base58_encode(const uint8_t *p, size_t len, char *out, size_t cap, size_t *out_len,
                             ol_diag *d)
{
    if (cap == 0)
        return OL_FAIL(d, OL_E_RANGE, "base58: output buffer is empty");
    size_t zeros = 0;
    while (zeros < len && p[zeros] == 0)
        zeros++;
    if (zeros >= cap)
        return OL_FAIL(d, OL_E_RANGE, "base58: %zu bytes do not fit %zu characters", len, cap);
    /* Base-58 digits of the number, least significant first, stored after the '1's. */
    uint8_t *digits = (uint8_t *)out + zeros;
    size_t room = cap - zeros - 1; /* keep one byte for the NUL */
    size_t used = 0;
    for (size_t i = zeros; i < len; i++) {
        uint32_t carry = p[i];
        for (size_t j = 0; j < used; j++) {
            carry += (uint32_t)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry != 0) {
            if (used == room)
                return OL_FAIL(d, OL_E_RANGE, "base58: %zu bytes do not fit %zu characters", len,
                               cap);
            digits[used++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    for (size_t i = 0; i < used / 2; i++) {
        uint8_t t = digits[i];
        digits[i] = digits[used - 1 - i];
        digits[used - 1 - i] = t;
    }
    for (size_t i = 0; i < used; i++)
        digits[i] = (uint8_t)b58_alphabet[digits[i]];
    memset(out, '1', zeros);
    out[zeros + used] = '\0';
    if (out_len != NULL)
        *out_len = zeros + used;
    return OL_OK;
}

ol_err ol_near_base58_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                             ol_diag *d)
{
    size_t ones = 0;
    while (ones < len && s[ones] == '1')
        ones++;
    if (ones > cap)
        return OL_FAIL(d, OL_E_RANGE, "base58: decodes to more than %zu bytes", cap);
    /* The number's bytes, least significant first, stored after the zero bytes. */
    uint8_t *num = out + ones;
    size_t room = cap - ones;
    size_t used = 0;
    for (size_t i = ones; i < len; i++) {
        int v = b58_digit((unsigned char)s[i]);
        if (v < 0)
            return OL_FAIL(d, OL_E_MALFORMED, "base58: invalid character 0x%02x at offset %zu",
                           (unsigned)(unsigned char)s[i], i);
        uint32_t carry = (uint32_t)v;
        for (size_t j = 0; j < used; j++) {
            carry += (uint32_t)num[j] * 58;
            num[j] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        while (carry != 0) {
            if (used == room)
                return OL_FAIL(d, OL_E_RANGE, "base58: decodes to more than %zu bytes", cap);
            num[used++] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
    }
    for (size_t i = 0; i < used / 2; i++) {
        uint8_t t = num[i];
        num[i] = num[used - 1 - i];
        num[used - 1 - i] = t;
    }
    memset(out, 0, ones);
    if (out_len != NULL)
        *out_len = ones + used;
    return OL_OK;
}

/* ---- base64 ---- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

size_t ol_near_base64_encoded_max(size_t len)
{
    return (len / 3 + (len % 3 != 0)) * 4 + 1;
}

size_t ol_near_base64_decoded_max(size_t len)
{
    return len / 4 * 3 + 3;
}

ol_err ol_near_base64_encode(const uint8_t *p, size_t len, char *out, size_t cap, size_t *out_len,
                             ol_diag *d)
{
    size_t groups = len / 3 + (len % 3 != 0);
    if (groups > (SIZE_MAX - 1) / 4 || groups * 4 + 1 > cap)
        return OL_FAIL(d, OL_E_RANGE, "base64: %zu bytes do not fit %zu characters", len, cap);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    if (out_len != NULL)
        *out_len = o;
    return OL_OK;
}

char *ol_near_base64_alloc(const uint8_t *p, size_t len)
{
    size_t cap = ol_near_base64_encoded_max(len);
    char *s = malloc(cap);
    if (s != NULL && ol_near_base64_encode(p, len, s, cap, NULL, NULL) != OL_OK) {
        free(s);
        s = NULL;
    }
    return s;
}

ol_err ol_near_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                             ol_diag *d)
{
    if (len % 4 != 0)
        return OL_FAIL(d, OL_E_MALFORMED, "base64: length %zu is not a multiple of 4", len);
    size_t pad = 0;
    if (len > 0 && s[len - 1] == '=')
        pad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
    size_t n = len / 4 * 3 - pad;
    if (n > cap)
        return OL_FAIL(d, OL_E_RANGE, "base64: %zu bytes do not fit %zu", n, cap);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        bool last = i + 4 == len;
        for (size_t k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)s[i + k];
            int x;
            if (c == '=' && last && k >= 4 - pad) {
                x = 0;
            } else if ((x = b64_digit(c)) < 0) {
                return OL_FAIL(d, OL_E_MALFORMED, "base64: invalid character 0x%02x at offset %zu",
                               (unsigned)c, i + k);
            }
            v = v << 6 | (uint32_t)x;
        }
        /* Canonical form: the bits that padding drops must be zero. */
        if (last && ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)))
            return OL_FAIL(d, OL_E_MALFORMED, "base64: non-zero padding bits at offset %zu",
                           len - pad - 1);
        out[o++] = (uint8_t)(v >> 16);
        if (!last || pad < 2)
            out[o++] = (uint8_t)(v >> 8);
        if (!last || pad < 1)
            out[o++] = (uint8_t)v;
    }
    if (out_len != NULL)
        *out_len = o;
    return OL_OK;
}

/* ---- hex ---- */

ol_err ol_near_hex_encode(const uint8_t *p, size_t len, char *out, size_t cap, size_t *out_len,
                          ol_diag *d)
{
    static const char digits[] = "0123456789abcdef";
    if (len > (SIZE_MAX - 1) / 2 || len * 2 + 1 > cap)
        return OL_FAIL(d, OL_E_RANGE, "hex: %zu bytes do not fit %zu characters", len, cap);
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * len] = '\0';
    if (out_len != NULL)
        *out_len = 2 * len;
    return OL_OK;
}

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ol_err ol_near_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                          ol_diag *d)
{
    if (len % 2 != 0)
        return OL_FAIL(d, OL_E_MALFORMED, "hex: odd length %zu", len);
    if (len / 2 > cap)
        return OL_FAIL(d, OL_E_RANGE, "hex: %zu bytes do not fit %zu", len / 2, cap);
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_digit((unsigned char)s[i]);
        int lo = hex_digit((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) {
            size_t at = hi < 0 ? i : i + 1;
            return OL_FAIL(d, OL_E_MALFORMED, "hex: invalid character 0x%02x at offset %zu",
                           (unsigned)(unsigned char)s[at], at);
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    if (out_len != NULL)
        *out_len = len / 2;
    return OL_OK;
}

/* ---- hashes ---- */

ol_err ol_near_hash_parse(const char *s, uint8_t hash[OL_NEAR_HASH_LEN], ol_diag *d)
{
    if (s == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "hash: missing");
    uint8_t tmp[OL_NEAR_HASH_LEN];
    size_t n = 0;
    ol_err rc = ol_near_base58_decode(s, strlen(s), tmp, sizeof tmp, &n, d);
    if (rc == OL_E_RANGE)
        return OL_FAIL(d, OL_E_MALFORMED, "hash: more than 32 bytes of base58");
    if (rc != OL_OK)
        return rc; /* OL_E_MALFORMED, message set by the decoder */
    if (n != OL_NEAR_HASH_LEN)
        return OL_FAIL(d, OL_E_MALFORMED, "hash: %zu bytes of base58, expected 32", n);
    memcpy(hash, tmp, OL_NEAR_HASH_LEN);
    return OL_OK;
}

void ol_near_hash_format(const uint8_t hash[OL_NEAR_HASH_LEN], char out[OL_NEAR_HASH_STR_MAX])
{
    /* 32 bytes always fit 48 characters. */
    ol_err rc =
        ol_near_base58_encode(hash, OL_NEAR_HASH_LEN, out, OL_NEAR_HASH_STR_MAX, NULL, NULL);
    OL_ASSERT(rc == OL_OK);
    (void)rc;
}

/* ---- UTF-8 ---- */

bool ol__near_utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            if (c == 0xe0)
                lo = 0xa0; /* no overlong 3-byte forms */
            else if (c == 0xed)
                hi = 0x9f; /* no surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            if (c == 0xf0)
                lo = 0x90; /* no overlong 4-byte forms */
            else if (c == 0xf4)
                hi = 0x8f; /* nothing above U+10FFFF */
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
        }
        i += n + 1;
    }
    return true;
}
