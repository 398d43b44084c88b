/* Keccak-256/512 (original Keccak padding 0x01, as NEAR's sha3::Keccak*) and RIPEMD-160. */
#include <string.h>

#include "chain_vm.h"

/* ------------------------------------ Keccak-f[1600] ------------------------------------ */

static const uint64_t vm_keccak_rc[24] = {
    0x0000000000000001u, 0x0000000000008082u, 0x800000000000808Au, 0x8000000080008000u,
    0x000000000000808Bu, 0x0000000080000001u, 0x8000000080008081u, 0x8000000000008009u,
    0x000000000000008Au, 0x0000000000000088u, 0x0000000080008009u, 0x000000008000000Au,
    0x000000008000808Bu, 0x800000000000008Bu, 0x8000000000008089u, 0x8000000000008003u,
    0x8000000000008002u, 0x8000000000000080u, 0x000000000000800Au, 0x800000008000000Au,
    0x8000000080008081u, 0x8000000000008080u, 0x0000000080000001u, 0x8000000080008008u,
};
static const unsigned vm_keccak_rotc[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                            27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned vm_keccak_piln[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                            15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

static uint64_t vm_rotl64(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64 - n));
}

static void vm_keccakf(uint64_t st[25])
{
    uint64_t bc[5], t;
    for (int r = 0; r < 24; r++) {
        for (int i = 0; i < 5; i++)
            bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
        for (int i = 0; i < 5; i++) {
            t = bc[(i + 4) % 5] ^ vm_rotl64(bc[(i + 1) % 5], 1);
            for (int j = 0; j < 25; j += 5)
                st[j + i] ^= t;
        }
        t = st[1];
        for (int i = 0; i < 24; i++) {
            unsigned j = vm_keccak_piln[i];
            bc[0] = st[j];
            st[j] = vm_rotl64(t, vm_keccak_rotc[i]);
            t = bc[0];
        }
        for (int j = 0; j < 25; j += 5) {
            for (int i = 0; i < 5; i++)
                bc[i] = st[j + i];
            for (int i = 0; i < 5; i++)
                st[j + i] ^= (~bc[(i + 1) % 5]) & bc[(i + 2) % 5];
        }
        st[0] ^= vm_keccak_rc[r];
    }
}

static void vm_keccak(const uint8_t *p, size_t len, size_t rate, uint8_t *out, size_t out_len)
{
    uint64_t st[25];
    uint8_t block[200];
    memset(st, 0, sizeof st);
    for (;;) {
        size_t n = len < rate ? len : rate;
        memset(block, 0, rate);
        if (n > 0)
            memcpy(block, p, n);
        if (n == rate) {
            p += n;
            len -= n;
        } else {
            block[n] ^= 0x01;
            block[rate - 1] ^= 0x80;
        }
        for (size_t i = 0; i < rate / 8; i++) {
            uint64_t w = 0;
            for (int b = 7; b >= 0; b--)
                w = (w << 8) | block[i * 8 + (size_t)b];
            st[i] ^= w;
        }
        vm_keccakf(st);
        if (n != rate)
            break;
    }
    for (size_t i = 0; i < out_len; i++)
        out[i] = (uint8_t)(st[i / 8] >> (8 * (i % 8)));
}

void ol__chain_keccak256(const uint8_t *p, size_t len, uint8_t out[32])
{
    vm_keccak(p, len, 136, out, 32);
}

void ol__chain_keccak512(const uint8_t *p, size_t len, uint8_t out[64])
{
    vm_keccak(p, len, 72, out, 64);
}

/* -------------------------------------- RIPEMD-160 -------------------------------------- */

static const uint8_t vm_rmd_r[80] = {0, 1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,
                                     7, 4,  13, 1,  10, 6,  15, 3,  12, 0, 9,  5,  2,  14, 11, 8,
                                     3, 10, 14, 4,  9,  15, 8,  1,  2,  7, 0,  6,  13, 11, 5,  12,
                                     1, 9,  11, 10, 0,  8,  12, 4,  13, 3, 7,  15, 14, 5,  6,  2,
                                     4, 0,  5,  9,  7,  12, 2,  10, 14, 1, 3,  8,  11, 6,  15, 13};
static const uint8_t vm_rmd_rp[80] = {5,  14, 7,  0, 9, 2,  11, 4,  13, 6,  15, 8,  1,  10, 3,  12,
                                      6,  11, 3,  7, 0, 13, 5,  10, 14, 15, 8,  12, 4,  9,  1,  2,
                                      15, 5,  1,  3, 7, 14, 6,  9,  11, 8,  12, 2,  10, 0,  4,  13,
                                      8,  6,  4,  1, 3, 11, 15, 0,  5,  12, 2,  13, 9,  7,  10, 14,
                                      12, 15, 10, 4, 1, 5,  8,  7,  6,  2,  13, 14, 0,  3,  9,  11};
static const uint8_t vm_rmd_s[80] = {11, 14, 15, 12, 5,  8,  7,  9,  11, 13, 14, 15, 6,  7,  9,  8,
                                     7,  6,  8,  13, 11, 9,  7,  15, 7,  12, 15, 9,  11, 7,  13, 12,
                                     11, 13, 6,  7,  14, 9,  13, 15, 14, 8,  13, 6,  5,  12, 7,  5,
                                     11, 12, 14, 15, 14, 15, 9,  8,  9,  14, 5,  6,  8,  6,  5,  12,
                                     9,  15, 5,  11, 6,  8,  13, 12, 5,  12, 13, 14, 11, 8,  5,  6};
static const uint8_t vm_rmd_sp[80] = {
    8,  9,  9,  11, 13, 15, 15, 5, 7,  7,  8,  11, 14, 14, 12, 6,  9,  13, 15, 7,
    12, 8,  9,  11, 7,  7,  12, 7, 6,  15, 13, 11, 9,  7,  15, 11, 8,  6,  6,  14,
    12, 13, 5,  14, 13, 13, 7,  5, 15, 5,  8,  11, 14, 14, 6,  14, 6,  9,  12, 9,
    12, 5,  15, 8,  8,  5,  12, 9, 12, 5,  14, 6,  8,  13, 6,  5,  15, 13, 11, 11};
static const uint32_t vm_rmd_k[5] = {0x00000000u, 0x5A827999u, 0x6ED9EBA1u, 0x8F1BBCDCu,
                                     0xA953FD4Eu};
static const uint32_t vm_rmd_kp[5] = {0x50A28BE6u, 0x5C4DD124u, 0x6D703EF3u, 0x7A6D76E9u,
                                      0x00000000u};

static uint32_t vm_rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t vm_rmd_f(int j, uint32_t x, uint32_t y, uint32_t z)
{
    switch (j / 16) {
    case 0:
        return x ^ y ^ z;
    case 1:
        return (x & y) | (~x & z);
    case 2:
        return (x | ~y) ^ z;
    case 3:
        return (x & z) | (y & ~z);
    default:
        return x ^ (y | ~z);
    }
}

static void vm_rmd_block(uint32_t h[5], const uint8_t *b)
{
    uint32_t x[16];
    for (int i = 0; i < 16; i++)
        x[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
               (uint32_t)b[4 * i + 3] << 24;
    uint32_t a = h[0], bb = h[1], c = h[2], dd = h[3], e = h[4];
    uint32_t ap = a, bp = bb, cp = c, dp = dd, ep = e, t;
    for (int j = 0; j < 80; j++) {
        t = vm_rotl32(a + vm_rmd_f(j, bb, c, dd) + x[vm_rmd_r[j]] + vm_rmd_k[j / 16], vm_rmd_s[j]) +
            e;
        a = e;
        e = dd;
        dd = vm_rotl32(c, 10);
        c = bb;
        bb = t;
        t = vm_rotl32(ap + vm_rmd_f(79 - j, bp, cp, dp) + x[vm_rmd_rp[j]] + vm_rmd_kp[j / 16],
                      vm_rmd_sp[j]) +
            ep;
        ap = ep;
        ep = dp;
        dp = vm_rotl32(cp, 10);
        cp = bp;
        bp = t;
    }
    t = h[1] + c + dp;
    h[1] = h[2] + dd + ep;
    h[2] = h[3] + e + ap;
    h[3] = h[4] + a + bp;
    h[4] = h[0] + bb + cp;
    h[0] = t;
}

void ol__chain_ripemd160(const uint8_t *p, size_t len, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    uint8_t tail[128];
    uint64_t bits = (uint64_t)len * 8;
    size_t full = len / 64 * 64, rest = len - full, tail_len;

    for (size_t i = 0; i < full; i += 64)
        vm_rmd_block(h, p + i);
    memset(tail, 0, sizeof tail);
    if (rest > 0)
        memcpy(tail, p + full, rest);
    tail[rest] = 0x80;
    tail_len = rest + 9 <= 64 ? 64 : 128;
    for (int i = 0; i < 8; i++)
        tail[tail_len - 8 + (size_t)i] = (uint8_t)(bits >> (8 * i));
    for (size_t i = 0; i < tail_len; i += 64)
        vm_rmd_block(h, tail + i);
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 4; k++)
            out[4 * i + k] = (uint8_t)(h[i] >> (8 * k));
}
