/* The master key handle, HKDF-SHA256, per-seed X25519 keys and ECIES v1 seal/open.
 *
 * Key hygiene: the master lives in sodium_malloc'd memory made read-only after loading; every
 * derived value (the seed's X25519 secret, the ephemeral secret, the shared secret, HKDF's PRK
 * and output) lives in one per-call sodium_malloc'd scratch block that is wiped and freed before
 * the call returns. Nothing here logs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ks_int.h"

struct ol_ks {
    uint8_t *master; /* OL_KS_MASTER_LEN bytes, sodium_malloc, read-only */
};

/* Everything secret one operation derives. */
typedef struct ks_scratch {
    uint8_t sk[32];     /* the seed's or the ephemeral X25519 secret */
    uint8_t shared[32]; /* X25519 output */
    uint8_t prk[32];    /* HKDF extract */
    uint8_t t[32];      /* HKDF expand block */
    uint8_t key[32];    /* ChaCha20-Poly1305 key */
    crypto_auth_hmacsha256_state st;
} ks_scratch;

static ks_scratch *scratch_new(void)
{
    ks_scratch *s = sodium_malloc(sizeof *s);
    if (s != NULL)
        sodium_memzero(s, sizeof *s);
    return s;
}

static void scratch_free(ks_scratch *s)
{
    if (s == NULL)
        return;
    sodium_memzero(s, sizeof *s);
    sodium_free(s);
}

ol_err ol_ks_init(ol_diag *d)
{
    if (sodium_init() < 0)
        return OL_FAIL(d, OL_E_INTERNAL, "libsodium initialisation failed");
    return OL_OK;
}

void ol_ks_wipe_free(void *p, size_t len)
{
    if (p == NULL)
        return;
    sodium_memzero(p, len);
    free(p);
}

/* ==================================== master key ==================================== */

ol_err ol_ks_new(const uint8_t master[OL_KS_MASTER_LEN], ol_ks **out, ol_diag *d)
{
    ol_ks *ks = calloc(1, sizeof *ks);
    if (ks == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "keystore handle");
    ks->master = sodium_malloc(OL_KS_MASTER_LEN);
    if (ks->master == NULL) {
        free(ks);
        return OL_FAIL(d, OL_E_NOMEM, "guarded memory for the master key");
    }
    memcpy(ks->master, master, OL_KS_MASTER_LEN);
    sodium_mprotect_readonly(ks->master);
    *out = ks;
    return OL_OK;
}

void ol_ks_free(ol_ks *ks)
{
    if (ks == NULL)
        return;
    if (ks->master != NULL) {
        sodium_mprotect_readwrite(ks->master);
        sodium_memzero(ks->master, OL_KS_MASTER_LEN);
        sodium_free(ks->master);
    }
    free(ks);
}

/* Reads at most cap bytes of fd into buf; *n the count. Refuses files longer than cap. */
static ol_err read_small(int fd, const char *path, uint8_t *buf, size_t cap, size_t *n, ol_diag *d)
{
    size_t got = 0;
    for (;;) {
        if (got == cap) {
            uint8_t extra;
            ssize_t r = read(fd, &extra, 1);
            if (r > 0)
                return OL_FAIL(d, OL_E_INVAL, "master key file %s is too long", path);
            if (r < 0 && errno == EINTR)
                continue;
            break;
        }
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return OL_FAIL(d, OL_E_IO, "cannot read %s: %s", path, strerror(errno));
        if (r == 0)
            break;
        got += (size_t)r;
    }
    *n = got;
    return OL_OK;
}

ol_err ol_ks_load_file(const char *path, ol_ks **out, ol_diag *d)
{
    ol_err rc = OL_OK;
    uint8_t *buf = sodium_malloc(80);
    uint8_t *key = sodium_malloc(OL_KS_MASTER_LEN);
    int fd = -1;
    if (buf == NULL || key == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "guarded memory for the master key");
        goto out;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        rc = OL_FAIL(d, OL_E_IO, "cannot open the master key file %s: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = OL_FAIL(d, OL_E_INVAL, "master key file %s is not a regular file", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        rc = OL_FAIL(d, OL_E_INVAL,
                     "master key file %s is accessible by group or others (mode %03o); "
                     "chmod 600 it",
                     path, (unsigned)(st.st_mode & 0777));
        goto out;
    }
    size_t n = 0;
    if ((rc = read_small(fd, path, buf, 80, &n, d)) != OL_OK)
        goto out;
    if (n == OL_KS_MASTER_LEN) {
        memcpy(key, buf, OL_KS_MASTER_LEN);
    } else {
        size_t hl = n;
        if (hl > 0 && buf[hl - 1] == '\n')
            hl--;
        if (hl > 0 && buf[hl - 1] == '\r')
            hl--;
        size_t bin_len = 0;
        if (hl != 2 * OL_KS_MASTER_LEN ||
            sodium_hex2bin(key, OL_KS_MASTER_LEN, (const char *)buf, hl, NULL, &bin_len, NULL) !=
                0 ||
            bin_len != OL_KS_MASTER_LEN) {
            rc = OL_FAIL(d, OL_E_INVAL,
                         "master key file %s must hold 32 raw bytes or 64 hex characters", path);
            goto out;
        }
    }
    rc = ol_ks_new(key, out, d);
out:
    if (fd >= 0)
        close(fd);
    if (buf != NULL) {
        sodium_memzero(buf, 80);
        sodium_free(buf);
    }
    if (key != NULL) {
        sodium_memzero(key, OL_KS_MASTER_LEN);
        sodium_free(key);
    }
    return rc;
}

ol_err ol_ks_load_or_create_file(const char *path, ol_ks **out, bool *created, ol_diag *d)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno != EEXIST)
            return OL_FAIL(d, OL_E_IO, "cannot create the master key file %s: %s", path,
                           strerror(errno));
        if (created != NULL)
            *created = false;
        return ol_ks_load_file(path, out, d);
    }
    ol_err rc = OL_OK;
    uint8_t *key = sodium_malloc(OL_KS_MASTER_LEN);
    if (key == NULL) {
        close(fd);
        unlink(path);
        return OL_FAIL(d, OL_E_NOMEM, "guarded memory for the master key");
    }
    randombytes_buf(key, OL_KS_MASTER_LEN);
    size_t off = 0;
    while (off < OL_KS_MASTER_LEN) {
        ssize_t w = write(fd, key + off, OL_KS_MASTER_LEN - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = OL_FAIL(d, OL_E_IO, "cannot write the master key file %s: %s", path,
                         strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    if (rc == OL_OK && fsync(fd) != 0)
        rc = OL_FAIL(d, OL_E_IO, "cannot sync %s: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == OL_OK)
        rc = OL_FAIL(d, OL_E_IO, "cannot close %s: %s", path, strerror(errno));
    if (rc == OL_OK)
        rc = ol_ks_new(key, out, d);
    else
        unlink(path);
    if (rc == OL_OK && created != NULL)
        *created = true;
    sodium_memzero(key, OL_KS_MASTER_LEN);
    sodium_free(key);
    return rc;
}

/* ======================================= HKDF ======================================= */

/* HKDF with the caller's scratch (no allocation). */
static ol_err hkdf(ks_scratch *s, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                   size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out,
                   size_t out_len, ol_diag *d)
{
    if (out_len > 255u * 32u)
        return OL_FAIL(d, OL_E_INVAL, "HKDF output of %zu bytes exceeds 255*32", out_len);
    static const uint8_t zeros[32] = {0};
    if (salt == NULL || salt_len == 0) {
        salt = zeros;
        salt_len = sizeof zeros;
    }
    /* Extract: PRK = HMAC(salt, IKM). */
    crypto_auth_hmacsha256_init(&s->st, salt, salt_len);
    crypto_auth_hmacsha256_update(&s->st, ikm, ikm_len);
    crypto_auth_hmacsha256_final(&s->st, s->prk);
    /* Expand: T(i) = HMAC(PRK, T(i-1) || info || i). */
    size_t done = 0;
    uint8_t counter = 1;
    while (done < out_len) {
        crypto_auth_hmacsha256_init(&s->st, s->prk, sizeof s->prk);
        if (counter > 1)
            crypto_auth_hmacsha256_update(&s->st, s->t, sizeof s->t);
        if (info_len > 0)
            crypto_auth_hmacsha256_update(&s->st, info, info_len);
        crypto_auth_hmacsha256_update(&s->st, &counter, 1);
        crypto_auth_hmacsha256_final(&s->st, s->t);
        size_t n = out_len - done < 32 ? out_len - done : 32;
        memcpy(out + done, s->t, n);
        done += n;
        counter++;
    }
    sodium_memzero(s->prk, sizeof s->prk);
    sodium_memzero(s->t, sizeof s->t);
    sodium_memzero(&s->st, sizeof s->st);
    return OL_OK;
}

ol_err ol_ks_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                         const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len,
                         ol_diag *d)
{
    ks_scratch *s = scratch_new();
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "guarded memory");
    ol_err rc = hkdf(s, salt, salt_len, ikm, ikm_len, info, info_len, out, out_len, d);
    scratch_free(s);
    return rc;
}

/* =============================== per-seed X25519 keys =============================== */

static void derive_sk(const ol_ks *ks, ks_scratch *s, const char *seed, size_t seed_len)
{
    static const char prefix[] = "ecies:";
    crypto_auth_hmacsha256_init(&s->st, ks->master, OL_KS_MASTER_LEN);
    crypto_auth_hmacsha256_update(&s->st, (const uint8_t *)prefix, sizeof prefix - 1);
    crypto_auth_hmacsha256_update(&s->st, (const uint8_t *)seed, seed_len);
    crypto_auth_hmacsha256_final(&s->st, s->sk);
    sodium_memzero(&s->st, sizeof s->st);
}

ol_err ol_ks_pubkey_for_seed(const ol_ks *ks, const char *seed, size_t seed_len,
                             uint8_t pk[OL_KS_PK_LEN], ol_diag *d)
{
    ks_scratch *s = scratch_new();
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "guarded memory");
    derive_sk(ks, s, seed, seed_len);
    crypto_scalarmult_base(pk, s->sk);
    scratch_free(s);
    return OL_OK;
}

ol_err ol_ks_pubkey(const ol_ks *ks, const ol_ks_accessor *acc, const char *owner,
                    uint8_t pk[OL_KS_PK_LEN], ol_diag *d)
{
    char seed[OL_KS_SEED_MAX + 1];
    size_t n = 0;
    ol_err rc = ol_ks_seed(acc, owner, seed, sizeof seed, &n, d);
    if (rc != OL_OK)
        return rc;
    return ol_ks_pubkey_for_seed(ks, seed, n, pk, d);
}

/* ===================================== ECIES v1 ===================================== */

ol_err ol_ks_sealed_parse(const uint8_t *ct, size_t len, ol_ks_sealed *out, ol_diag *d)
{
    if (len > OL_KS_MAX_CIPHERTEXT)
        return OL_FAIL(d, OL_E_LIMIT, "ciphertext of %zu bytes exceeds %u", len,
                       OL_KS_MAX_CIPHERTEXT);
    if (len == 0 || ct == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "empty ciphertext");
    if (ct[0] != OL_KS_VERSION_V1)
        return OL_FAIL(d, OL_E_MALFORMED, "ciphertext version 0x%02x is not ECIES v1 (0x01)",
                       ct[0]);
    if (len < OL_KS_OVERHEAD)
        return OL_FAIL(d, OL_E_MALFORMED, "ciphertext of %zu bytes is shorter than %d", len,
                       OL_KS_OVERHEAD);
    out->epk = ct + 1;
    out->nonce = ct + 1 + OL_KS_PK_LEN;
    out->body = ct + 1 + OL_KS_PK_LEN + OL_KS_NONCE_LEN;
    out->body_len = len - 1 - OL_KS_PK_LEN - OL_KS_NONCE_LEN;
    return OL_OK;
}

/* key = HKDF(X25519(sk, peer)). Fails for a low-order peer (all-zero shared secret). */
static ol_err shared_key(ks_scratch *s, const uint8_t peer[32], ol_diag *d)
{
    if (crypto_scalarmult(s->shared, s->sk, peer) != 0)
        return OL_FAIL(d, OL_E_INVAL, "X25519 with a low-order public key");
    static const char info[] = OL_KS_HKDF_INFO;
    ol_err rc = hkdf(s, NULL, 0, s->shared, sizeof s->shared, (const uint8_t *)info,
                     sizeof info - 1, s->key, sizeof s->key, d);
    sodium_memzero(s->shared, sizeof s->shared);
    return rc;
}

static ol_err seal_scratch(ks_scratch *s, const uint8_t pk[OL_KS_PK_LEN],
                           const uint8_t nonce[OL_KS_NONCE_LEN], const uint8_t *pt, size_t len,
                           uint8_t **out, size_t *out_len, ol_diag *d)
{
    if (len > OL_KS_MAX_CIPHERTEXT - OL_KS_OVERHEAD)
        return OL_FAIL(d, OL_E_LIMIT, "plaintext of %zu bytes exceeds the %u-byte ciphertext limit",
                       len, OL_KS_MAX_CIPHERTEXT);
    size_t total = OL_KS_OVERHEAD + len;
    uint8_t *buf = malloc(total);
    if (buf == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "%zu-byte ciphertext", total);
    buf[0] = OL_KS_VERSION_V1;
    crypto_scalarmult_base(buf + 1, s->sk);
    memcpy(buf + 1 + OL_KS_PK_LEN, nonce, OL_KS_NONCE_LEN);
    ol_err rc = shared_key(s, pk, d);
    if (rc != OL_OK) {
        free(buf);
        return rc;
    }
    unsigned long long clen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(buf + 1 + OL_KS_PK_LEN + OL_KS_NONCE_LEN, &clen, pt,
                                              len, NULL, 0, NULL, nonce, s->key);
    sodium_memzero(s->key, sizeof s->key);
    *out = buf;
    *out_len = total;
    return OL_OK;
}

ol_err ol__ks_seal_with(const uint8_t pk[OL_KS_PK_LEN], const uint8_t esk[32],
                        const uint8_t nonce[OL_KS_NONCE_LEN], const uint8_t *pt, size_t len,
                        uint8_t **out, size_t *out_len, ol_diag *d)
{
    ks_scratch *s = scratch_new();
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "guarded memory");
    memcpy(s->sk, esk, 32);
    ol_err rc = seal_scratch(s, pk, nonce, pt, len, out, out_len, d);
    scratch_free(s);
    return rc;
}

ol_err ol_ks_seal(const uint8_t pk[OL_KS_PK_LEN], const uint8_t *pt, size_t len, uint8_t **out,
                  size_t *out_len, ol_diag *d)
{
    ks_scratch *s = scratch_new();
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "guarded memory");
    uint8_t nonce[OL_KS_NONCE_LEN];
    randombytes_buf(s->sk, sizeof s->sk);
    randombytes_buf(nonce, sizeof nonce);
    ol_err rc = seal_scratch(s, pk, nonce, pt, len, out, out_len, d);
    scratch_free(s);
    return rc;
}

static ol_err open_scratch(ks_scratch *s, const uint8_t *ct, size_t len, uint8_t **out,
                           size_t *out_len, ol_diag *d)
{
    ol_ks_sealed sd;
    ol_err rc = ol_ks_sealed_parse(ct, len, &sd, d);
    if (rc != OL_OK)
        return rc;
    if ((rc = shared_key(s, sd.epk, d)) != OL_OK)
        return OL_FAIL(d, OL_E_INVAL, "the ciphertext does not decrypt with this key");
    size_t pt_cap = sd.body_len - OL_KS_TAG_LEN;
    uint8_t *pt = malloc(pt_cap + 1);
    if (pt == NULL) {
        sodium_memzero(s->key, sizeof s->key);
        return OL_FAIL(d, OL_E_NOMEM, "%zu-byte plaintext", pt_cap);
    }
    unsigned long long plen = 0;
    int r = crypto_aead_chacha20poly1305_ietf_decrypt(pt, &plen, NULL, sd.body, sd.body_len, NULL,
                                                      0, sd.nonce, s->key);
    sodium_memzero(s->key, sizeof s->key);
    if (r != 0) {
        ol_ks_wipe_free(pt, pt_cap + 1);
        return OL_FAIL(d, OL_E_INVAL, "the ciphertext does not decrypt with this key");
    }
    pt[plen] = 0;
    *out = pt;
    *out_len = (size_t)plen;
    return OL_OK;
}

ol_err ol__ks_open_with(const uint8_t sk[32], const uint8_t *ct, size_t len, uint8_t **out,
                        size_t *out_len, ol_diag *d)
{
    ks_scratch *s = scratch_new();
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "guarded memory");
    memcpy(s->sk, sk, 32);
    ol_err rc = open_scratch(s, ct, len, out, out_len, d);
    scratch_free(s);
    return rc;
}

ol_err ol_ks_open(const ol_ks *ks, const char *seed, size_t seed_len, const uint8_t *ct, size_t len,
                  uint8_t **out, size_t *out_len, ol_diag *d)
{
    ks_scratch *s = scratch_new();
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "guarded memory");
    derive_sk(ks, s, seed, seed_len);
    ol_err rc = open_scratch(s, ct, len, out, out_len, d);
    scratch_free(s);
    return rc;
}
