/* Elliptic-curve primitives of the host functions ecrecover (secp256k1 public-key recovery) and
 * p256_verify (ECDSA over NIST P-256 on a caller-supplied prehash), on OpenSSL 3.
 *
 * Only APIs that OpenSSL 3 does not deprecate are used: EC_GROUP/EC_POINT/BIGNUM arithmetic for
 * the recovery (OpenSSL has no recovery API), and EVP_PKEY verification for P-256 so that the
 * check itself is OpenSSL's ECDSA verifier. Every failure of the inputs is answered with 0 (no
 * key / invalid signature), as nearcore does; -1 is reserved for OpenSSL failing to allocate. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "vm_int.h"

/* Big-endian 32-byte constants; memcmp on equal-length big-endian strings is numeric order. */
static const uint8_t secp256k1_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};
/* floor(n / 2) + 1: with the malleability flag s must be below it (near-crypto's bound). */
static const uint8_t secp256k1_half_n_plus_1[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa1,
};
static const uint8_t p256_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static bool vm_is_zero32(const uint8_t *p)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < 32; i++)
        acc |= p[i];
    return acc == 0;
}

/* A scalar of a signature is usable when 0 < x < n. */
static bool vm_scalar_ok(const uint8_t *x, const uint8_t n[32])
{
    return !vm_is_zero32(x) && memcmp(x, n, 32) < 0;
}

int ol__chain_secp256k1_recover(const uint8_t hash[32], const uint8_t sig[64], unsigned v,
                                bool reject_high_s, uint8_t out[64])
{
    /* near-crypto's check_signature_values: r < n, and s < n (or s <= n/2 with the flag).
     * libsecp256k1 then refuses r == 0 or s == 0 while recovering. */
    if (v > 3 || memcmp(sig, secp256k1_n, 32) >= 0 ||
        memcmp(sig + 32, reject_high_s ? secp256k1_half_n_plus_1 : secp256k1_n, 32) >= 0 ||
        vm_is_zero32(sig) || vm_is_zero32(sig + 32))
        return 0;

    int rc = -1;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp256k1);
    BN_CTX *ctx = BN_CTX_new();
    EC_POINT *R = NULL, *Q = NULL;
    bool started = false;
    if (g == NULL || ctx == NULL)
        goto out;
    BN_CTX_start(ctx);
    started = true;
    BIGNUM *r = BN_CTX_get(ctx), *s = BN_CTX_get(ctx), *e = BN_CTX_get(ctx);
    BIGNUM *x = BN_CTX_get(ctx), *p = BN_CTX_get(ctx), *rinv = BN_CTX_get(ctx);
    BIGNUM *t = BN_CTX_get(ctx), *u1 = BN_CTX_get(ctx), *u2 = BN_CTX_get(ctx);
    BIGNUM *zero = BN_CTX_get(ctx);
    const BIGNUM *n = EC_GROUP_get0_order(g);
    R = EC_POINT_new(g);
    Q = EC_POINT_new(g);
    if (zero == NULL || n == NULL || R == NULL || Q == NULL || BN_bin2bn(sig, 32, r) == NULL ||
        BN_bin2bn(sig + 32, 32, s) == NULL || BN_bin2bn(hash, 32, e) == NULL ||
        !EC_GROUP_get_curve(g, p, NULL, NULL, ctx))
        goto out;
    BN_zero(zero);

    /* R's x coordinate is r, or r + n when bit 1 of v says r overflowed the order; it must be
     * a field element. Bit 0 of v is the parity of R's y. */
    if (!BN_copy(x, r) || ((v & 2) != 0 && !BN_add(x, x, n)))
        goto out;
    if (BN_cmp(x, p) >= 0) {
        rc = 0;
        goto out;
    }
    /* Fails when x^3 + 7 has no square root, i.e. no point has this x: no key. (An allocation
     * failure inside lands here too; it cannot be told apart and also means "no key".) */
    if (!EC_POINT_set_compressed_coordinates(g, R, x, (int)(v & 1), ctx)) {
        rc = 0;
        goto out;
    }

    /* Q = r^-1 (sR - eG) = (-e r^-1) G + (s r^-1) R. e needs no truncation: the order of
     * secp256k1 has 256 bits; BN_mod_mul reduces e mod n as libsecp256k1 does. */
    if (BN_mod_inverse(rinv, r, n, ctx) == NULL || !BN_mod_mul(t, e, rinv, n, ctx) ||
        !BN_mod_sub(u1, zero, t, n, ctx) || !BN_mod_mul(u2, s, rinv, n, ctx) ||
        !EC_POINT_mul(g, Q, u1, R, u2, ctx))
        goto out;
    if (EC_POINT_is_at_infinity(g, Q)) {
        rc = 0;
        goto out;
    }
    uint8_t buf[65];
    if (EC_POINT_point2oct(g, Q, POINT_CONVERSION_UNCOMPRESSED, buf, sizeof buf, ctx) != 65)
        goto out;
    memcpy(out, buf + 1, 64);
    rc = 1;
out:
    EC_POINT_free(Q);
    EC_POINT_free(R);
    if (started)
        BN_CTX_end(ctx);
    BN_CTX_free(ctx);
    EC_GROUP_free(g);
    /* Rejected inputs leave entries in the thread's OpenSSL error queue; drop them so they
     * neither accumulate nor surface in an unrelated OpenSSL user on this thread. */
    ERR_clear_error();
    return rc;
}

bool ol__chain_p256_sig_parses(const uint8_t sig[64])
{
    return vm_scalar_ok(sig, p256_n) && vm_scalar_ok(sig + 32, p256_n);
}

/* The P-256 public key of a 33-byte compressed SEC1 encoding; NULL when the bytes are not a
 * point of the curve (or on allocation failure: *oom). */
static EVP_PKEY *vm_p256_key(const uint8_t pk[33], bool *oom)
{
    /* OSSL_PARAM takes mutable buffers; these copies keep the caller's bytes const. */
    static char group[] = SN_X9_62_prime256v1;
    uint8_t key[33];
    memcpy(key, pk, sizeof key);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, key, sizeof key),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (kctx == NULL || EVP_PKEY_fromdata_init(kctx) <= 0) {
        *oom = true;
    } else if (EVP_PKEY_fromdata(kctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        /* The decoder refuses tags other than 02/03, x >= p and x with no point. */
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(kctx);
    return pkey;
}

int ol__chain_p256_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
                          const uint8_t pk[33])
{
    /* nearcore verifies with RustCrypto's verify_prehash: a prehash shorter than half the field
     * (16 bytes) is an error (-> 0), a longer one than the field is cut to its leftmost 32
     * bytes, a shorter one is read as a big-endian number. OpenSSL's ECDSA treats the digest
     * the same way, so it gets min(len, 32) bytes. */
    if (msg_len < 16 || !ol__chain_p256_sig_parses(sig))
        return 0;
    size_t tbs_len = msg_len > 32 ? 32 : msg_len;

    int rc = -1;
    bool oom = false;
    EVP_PKEY *pkey = vm_p256_key(pk, &oom);
    EVP_PKEY_CTX *vctx = NULL;
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;
    if (pkey == NULL) {
        rc = oom ? -1 : 0;
        goto out;
    }
    /* EVP verification takes the signature DER-encoded. */
    es = ECDSA_SIG_new();
    r = BN_bin2bn(sig, 32, NULL);
    s = BN_bin2bn(sig + 32, 32, NULL);
    if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s))
        goto out;
    r = s = NULL; /* owned by es now */
    int der_len = i2d_ECDSA_SIG(es, &der);
    if (der_len <= 0)
        goto out;
    vctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (vctx == NULL || EVP_PKEY_verify_init(vctx) <= 0)
        goto out;
    /* 1: valid; 0: invalid; < 0: an error, which for well-formed inputs means invalid too */
    rc = EVP_PKEY_verify(vctx, der, (size_t)der_len, msg, tbs_len) == 1 ? 1 : 0;
out:
    OPENSSL_free(der);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    EVP_PKEY_CTX_free(vctx);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return rc;
}
