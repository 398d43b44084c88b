/* OutLayer guest SDK: errors, input/output, environment, randomness, SHA-256. The JSON reader
 * and writer are in outlayer_json.c. */
/* getentropy() is a BSD/GNU extension in wasi-libc (as in glibc): visible under -std=c11 only
 * with this. */
#define _DEFAULT_SOURCE
#include "outlayer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- errors ---- */

static _Noreturn void fail_v(int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static _Noreturn void fail_v(int code, const char *fmt, va_list ap)
{
    /* The platform discards a failed run's output and shows stderr instead; exit() still
     * flushes stdout, so a local run shows what the job wrote before failing. */
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    exit(code >= 1 && code <= 255 ? code : OL_EXIT_FAILURE);
}

void ol_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(OL_EXIT_FAILURE, fmt, ap);
}

void ol_fail_code(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(code, fmt, ap);
}

/* ---- input and output ---- */

static uint8_t *input_buf;
static size_t input_len;

const uint8_t *ol_input(size_t *len)
{
    if (input_buf == NULL) {
        /* read(2) on fd 0 rather than stdio: no second buffer, and the size is unknown until
         * end of file, so grow geometrically. One spare byte always remains for the NUL. */
        size_t cap = 4096, n = 0;
        uint8_t *buf = malloc(cap);
        if (buf == NULL)
            ol_fail("reading input: out of memory");
        for (;;) {
            if (cap - n < 2) {
                if (cap > SIZE_MAX / 2)
                    ol_fail("reading input: too large");
                uint8_t *grown = realloc(buf, cap * 2);
                if (grown == NULL)
                    ol_fail("reading input: out of memory (%zu bytes read)", n);
                buf = grown;
                cap *= 2;
            }
            ssize_t r = read(STDIN_FILENO, buf + n, cap - n - 1);
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                ol_fail("reading input: %s", strerror(errno));
            }
            if (r == 0)
                break;
            n += (size_t)r;
        }
        buf[n] = 0;
        input_buf = buf;
        input_len = n;
    }
    if (len != NULL)
        *len = input_len;
    return input_buf;
}

void ol_output(const void *p, size_t len)
{
    if (len > 0 && fwrite(p, 1, len, stdout) != len)
        ol_fail("writing output failed");
}

void ol_output_str(const char *s)
{
    ol_output(s, strlen(s));
}

/* ---- environment ---- */

const char *ol_env_get(const char *name)
{
    return getenv(name);
}

bool ol_env_has(const char *name)
{
    return getenv(name) != NULL;
}

bool ol_env_u64(const char *name, uint64_t *out)
{
    const char *s = getenv(name);
    if (s == NULL || *s == 0)
        return false;
    uint64_t v = 0;
    for (; *s != 0; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static const char *const sysvar_names[OL_SYSVAR_COUNT] = {
#define OL_SYSVAR_NAME_(e, f, n) n,
    OL_SYSVAR_MAP(OL_SYSVAR_NAME_)
#undef OL_SYSVAR_NAME_
};

const char *ol_sysvar_name(ol_sysvar v)
{
    return (unsigned)v < OL_SYSVAR_COUNT ? sysvar_names[v] : NULL;
}

const char *ol_sysvar_get(ol_sysvar v)
{
    const char *name = ol_sysvar_name(v);
    return name != NULL ? getenv(name) : NULL;
}

#define OL_SYSVAR_DEF_(e, f, n) \
    const char *ol_##f(void)    \
    {                           \
        return getenv(n);       \
    }
OL_SYSVAR_MAP(OL_SYSVAR_DEF_)
#undef OL_SYSVAR_DEF_

/* ---- randomness ---- */

void ol_random_bytes(void *buf, size_t len)
{
    /* getentropy() (WASI random_get underneath) serves at most 256 bytes per call. */
    uint8_t *p = buf;
    while (len > 0) {
        size_t n = len < 256 ? len : 256;
        if (getentropy(p, n) != 0)
            ol_fail("random bytes unavailable: %s", strerror(errno));
        p += n;
        len -= n;
    }
}

uint64_t ol_random_u64(void)
{
    uint8_t b[8];
    ol_random_bytes(b, sizeof b);
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof b; i++)
        v = v << 8 | b[i];
    return v;
}

int64_t ol_random_range(int64_t min, int64_t max)
{
    if (min > max)
        ol_fail("ol_random_range: min %lld is above max %lld", (long long)min, (long long)max);
    /* Work in uint64: max - min can exceed INT64_MAX. */
    uint64_t span = (uint64_t)max - (uint64_t)min;
    uint64_t x;
    if (span == UINT64_MAX) {
        x = ol_random_u64();
    } else {
        /* Reject the lowest 2^64 mod n draws so that every residue is equally likely; at most
         * half of all draws are rejected, so the loop ends quickly. */
        uint64_t n = span + 1;
        uint64_t threshold = (0 - n) % n;
        do
            x = ol_random_u64();
        while (x < threshold);
        x %= n;
    }
    /* min + x without signed overflow, mapped back through the two's complement. */
    uint64_t r = (uint64_t)min + x;
    return r <= (uint64_t)INT64_MAX ? (int64_t)r : -(int64_t)(UINT64_MAX - r) - 1;
}

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_compress(uint32_t h[8], const uint8_t block[64])
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
               (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                      sha256_k[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void ol_sha256_init(ol_sha256_ctx *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->block_len = 0;
}

void ol_sha256_update(ol_sha256_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->total += len;
    if (c->block_len > 0) {
        size_t n = 64 - c->block_len < len ? 64 - c->block_len : len;
        memcpy(c->block + c->block_len, p, n);
        c->block_len += n;
        p += n;
        len -= n;
        if (c->block_len < 64)
            return;
        sha256_compress(c->h, c->block);
        c->block_len = 0;
    }
    for (; len >= 64; p += 64, len -= 64)
        sha256_compress(c->h, p);
    memcpy(c->block, p, len);
    c->block_len = len;
}

void ol_sha256_final(ol_sha256_ctx *c, uint8_t out[OL_SHA256_LEN])
{
    uint64_t bits = c->total * 8;
    c->block[c->block_len++] = 0x80;
    if (c->block_len > 56) {
        memset(c->block + c->block_len, 0, 64 - c->block_len);
        sha256_compress(c->h, c->block);
        c->block_len = 0;
    }
    memset(c->block + c->block_len, 0, 56 - c->block_len);
    for (int i = 0; i < 8; i++)
        c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_compress(c->h, c->block);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

void ol_sha256(const void *p, size_t len, uint8_t out[OL_SHA256_LEN])
{
    ol_sha256_ctx c;
    ol_sha256_init(&c);
    ol_sha256_update(&c, p, len);
    ol_sha256_final(&c, out);
}

void ol_hex(const uint8_t *p, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * len] = 0;
}
