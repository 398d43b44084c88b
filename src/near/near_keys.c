/* Keys, signatures and account ids.
 *
 * Text forms are "<type>:<base58>" with type ed25519 or secp256k1; a bare base58 string is read
 * as ed25519 (near-api-js PublicKey.fromString). Secret keys are ed25519 only and are kept in
 * NEAR's 64-byte seed ‖ public form; every temporary copy of secret bytes is wiped before the
 * function returns, on every path, and no diagnostic ever quotes secret text. */
#include <string.h>

#include <sodium.h>

#include "near_int.h"

const char *ol__near_key_type_name(ol_near_key_type t)
{
    switch (t) {
    case OL_NEAR_KEY_ED25519:
        return "ed25519";
    case OL_NEAR_KEY_SECP256K1:
        return "secp256k1";
    }
    return NULL;
}

size_t ol_near_public_key_len(ol_near_key_type t)
{
    switch (t) {
    case OL_NEAR_KEY_ED25519:
        return OL_NEAR_ED25519_PK_LEN;
    case OL_NEAR_KEY_SECP256K1:
        return OL_NEAR_SECP256K1_PK_LEN;
    }
    return 0;
}

size_t ol_near_signature_len(ol_near_key_type t)
{
    switch (t) {
    case OL_NEAR_KEY_ED25519:
        return OL_NEAR_ED25519_SIG_LEN;
    case OL_NEAR_KEY_SECP256K1:
        return OL_NEAR_SECP256K1_SIG_LEN;
    }
    return 0;
}

size_t ol__near_key_text(ol_near_key_type t, const uint8_t *data, size_t n,
                         char out[OL_NEAR_KEY_STR_MAX])
{
    const char *name = ol__near_key_type_name(t);
    if (name == NULL)
        name = "unknown";
    size_t nl = strlen(name);
    memcpy(out, name, nl);
    out[nl] = ':';
    size_t bl = 0;
    /* ≤ 65 bytes always fit: 65 * 1.38 + 2 < 128 - 11. */
    ol_err rc =
        ol_near_base58_encode(data, n, out + nl + 1, OL_NEAR_KEY_STR_MAX - nl - 1, &bl, NULL);
    OL_ASSERT(rc == OL_OK);
    (void)rc;
    return nl + 1 + bl;
}

/* Splits "<type>:<rest>"; no ':' means ed25519. Sets *body to the base58 part. */
static ol_err split_type(const char *what, const char *s, ol_near_key_type *type, const char **body,
                         ol_diag *d)
{
    const char *colon = strchr(s, ':');
    if (colon == NULL) {
        *type = OL_NEAR_KEY_ED25519;
        *body = s;
        return OL_OK;
    }
    size_t n = (size_t)(colon - s);
    if (n == 7 && memcmp(s, "ed25519", 7) == 0) {
        *type = OL_NEAR_KEY_ED25519;
    } else if (n == 9 && memcmp(s, "secp256k1", 9) == 0) {
        *type = OL_NEAR_KEY_SECP256K1;
    } else {
        /* The type prefix is not secret; cap what we quote. */
        return OL_FAIL(d, OL_E_UNSUPPORTED, "%s: unknown key type '%.*s'", what,
                       (int)(n > 16 ? 16 : n), s);
    }
    *body = colon + 1;
    return OL_OK;
}

/* Decodes base58 key data of exactly `want` bytes into out. Never quotes the input. */
static ol_err decode_exact(const char *what, const char *b58, uint8_t *out, size_t cap, size_t *got,
                           ol_diag *d)
{
    ol_err rc = ol_near_base58_decode(b58, strlen(b58), out, cap, got, d);
    if (rc == OL_E_RANGE)
        return OL_FAIL(d, OL_E_MALFORMED, "%s: more than %zu bytes of base58", what, cap);
    if (rc != OL_OK)
        return OL_FAIL(d, OL_E_MALFORMED, "%s: invalid base58", what);
    return OL_OK;
}

ol_err ol_near_public_key_parse(const char *s, ol_near_public_key *out, ol_diag *d)
{
    if (s == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "public key: missing");
    ol_near_key_type t;
    const char *body;
    ol_err rc = split_type("public key", s, &t, &body, d);
    if (rc != OL_OK)
        return rc;
    size_t want = ol_near_public_key_len(t);
    uint8_t buf[OL_NEAR_SECP256K1_PK_LEN];
    size_t got = 0;
    if ((rc = decode_exact("public key", body, buf, sizeof buf, &got, d)) != OL_OK)
        return rc;
    if (got != want)
        return OL_FAIL(d, OL_E_MALFORMED, "public key: %s key of %zu bytes, expected %zu",
                       ol__near_key_type_name(t), got, want);
    memset(out, 0, sizeof *out);
    out->type = t;
    memcpy(out->data, buf, want);
    return OL_OK;
}

size_t ol_near_public_key_format(const ol_near_public_key *pk, char out[OL_NEAR_KEY_STR_MAX])
{
    return ol__near_key_text(pk->type, pk->data, ol_near_public_key_len(pk->type), out);
}

bool ol_near_public_key_eq(const ol_near_public_key *a, const ol_near_public_key *b)
{
    return a->type == b->type && memcmp(a->data, b->data, ol_near_public_key_len(a->type)) == 0;
}

ol_err ol_near_signature_parse(const char *s, ol_near_signature *out, ol_diag *d)
{
    if (s == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "signature: missing");
    ol_near_key_type t;
    const char *body;
    ol_err rc = split_type("signature", s, &t, &body, d);
    if (rc != OL_OK)
        return rc;
    size_t want = ol_near_signature_len(t);
    uint8_t buf[OL_NEAR_SECP256K1_SIG_LEN];
    size_t got = 0;
    if ((rc = decode_exact("signature", body, buf, sizeof buf, &got, d)) != OL_OK)
        return rc;
    if (got != want)
        return OL_FAIL(d, OL_E_MALFORMED, "signature: %s signature of %zu bytes, expected %zu",
                       ol__near_key_type_name(t), got, want);
    memset(out, 0, sizeof *out);
    out->type = t;
    memcpy(out->data, buf, want);
    return OL_OK;
}

size_t ol_near_signature_format(const ol_near_signature *sig, char out[OL_NEAR_KEY_STR_MAX])
{
    return ol__near_key_text(sig->type, sig->data, ol_near_signature_len(sig->type), out);
}

/* ---- secret keys ---- */

void ol_near_secret_key_from_seed(const uint8_t seed[OL_NEAR_ED25519_SEED_LEN],
                                  ol_near_secret_key *out)
{
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    /* libsodium's secret key is exactly NEAR's seed ‖ public form. */
    crypto_sign_seed_keypair(pk, out->bytes, seed);
}

ol_err ol_near_secret_key_generate(ol_near_secret_key *out, ol_diag *d)
{
    ol_err rc = ol_near_init(d);
    if (rc != OL_OK)
        return rc;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    if (crypto_sign_keypair(pk, out->bytes) != 0)
        return OL_FAIL(d, OL_E_INTERNAL, "ed25519 key generation failed");
    return OL_OK;
}

ol_err ol_near_secret_key_parse(const char *s, ol_near_secret_key *out, ol_diag *d)
{
    if (s == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "secret key: missing");
    ol_near_key_type t;
    const char *body;
    ol_err rc = split_type("secret key", s, &t, &body, d);
    if (rc != OL_OK)
        return rc;
    if (t != OL_NEAR_KEY_ED25519)
        return OL_FAIL(d, OL_E_UNSUPPORTED, "secret key: only ed25519 secret keys are supported");

    uint8_t raw[OL_NEAR_ED25519_SK_LEN];
    ol_near_secret_key derived;
    size_t got = 0;
    if ((rc = decode_exact("secret key", body, raw, sizeof raw, &got, d)) != OL_OK)
        goto out;
    if (got != OL_NEAR_ED25519_SK_LEN && got != OL_NEAR_ED25519_SEED_LEN) {
        rc = OL_FAIL(d, OL_E_MALFORMED,
                     "secret key: %zu bytes, expected 64 (seed and public key) or 32 (seed)", got);
        goto out;
    }
    ol_near_secret_key_from_seed(raw, &derived);
    if (got == OL_NEAR_ED25519_SK_LEN &&
        sodium_memcmp(derived.bytes + OL_NEAR_ED25519_SEED_LEN, raw + OL_NEAR_ED25519_SEED_LEN,
                      OL_NEAR_ED25519_PK_LEN) != 0) {
        rc = OL_FAIL(d, OL_E_INVAL,
                     "secret key: its public half is not the key derived from its seed");
        goto out;
    }
    memcpy(out->bytes, derived.bytes, sizeof out->bytes);
    rc = OL_OK;
out:
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(&derived, sizeof derived);
    return rc;
}

size_t ol_near_secret_key_format(const ol_near_secret_key *sk, char out[OL_NEAR_KEY_STR_MAX])
{
    return ol__near_key_text(OL_NEAR_KEY_ED25519, sk->bytes, OL_NEAR_ED25519_SK_LEN, out);
}

void ol_near_secret_key_public(const ol_near_secret_key *sk, ol_near_public_key *out)
{
    memset(out, 0, sizeof *out);
    out->type = OL_NEAR_KEY_ED25519;
    memcpy(out->data, sk->bytes + OL_NEAR_ED25519_SEED_LEN, OL_NEAR_ED25519_PK_LEN);
}

void ol_near_secret_key_wipe(ol_near_secret_key *sk)
{
    sodium_memzero(sk, sizeof *sk);
}

void ol_near_sign(const ol_near_secret_key *sk, const uint8_t *msg, size_t len,
                  ol_near_signature *out)
{
    static const uint8_t empty[1];
    memset(out, 0, sizeof *out);
    out->type = OL_NEAR_KEY_ED25519;
    crypto_sign_detached(out->data, NULL, msg == NULL ? empty : msg, (unsigned long long)len,
                         sk->bytes);
}

ol_err ol_near_verify(const ol_near_public_key *pk, const uint8_t *msg, size_t len,
                      const ol_near_signature *sig, ol_diag *d)
{
    static const uint8_t empty[1];
    if (pk->type != sig->type)
        return OL_FAIL(d, OL_E_INVAL, "signature: %s signature for a %s key",
                       ol__near_key_type_name(sig->type) ? ol__near_key_type_name(sig->type) : "?",
                       ol__near_key_type_name(pk->type) ? ol__near_key_type_name(pk->type) : "?");
    if (pk->type != OL_NEAR_KEY_ED25519)
        return OL_FAIL(d, OL_E_UNSUPPORTED, "signature: only ed25519 signatures can be verified");
    if (crypto_sign_verify_detached(sig->data, msg == NULL ? empty : msg, (unsigned long long)len,
                                    pk->data) != 0)
        return OL_FAIL(d, OL_E_INVAL, "signature does not verify with this public key");
    return OL_OK;
}

/* ---- account ids ---- */

static bool is_sep(unsigned char c)
{
    return c == '-' || c == '_' || c == '.';
}

ol_err ol_near_account_id_validate(const char *s, size_t len, ol_diag *d)
{
    /* The order of the checks follows near-account-id's validate(), so the first error reported
     * is the one nearcore reports. */
    if (s == NULL)
        return OL_FAIL(d, OL_E_INVAL, "account id: missing");
    if (len < OL_NEAR_ACCOUNT_ID_MIN_LEN)
        return OL_FAIL(d, OL_E_INVAL, "account id: too short (%zu characters, minimum 2)", len);
    if (len > OL_NEAR_ACCOUNT_ID_MAX_LEN)
        return OL_FAIL(d, OL_E_INVAL, "account id: too long (%zu characters, maximum 64)", len);
    bool last_sep = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool sep;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            sep = false;
        } else if (is_sep(c)) {
            sep = true;
        } else {
            if (c >= 0x20 && c < 0x7f)
                return OL_FAIL(d, OL_E_INVAL, "account id: invalid character '%c' at %zu", c, i);
            return OL_FAIL(d, OL_E_INVAL, "account id: invalid byte 0x%02x at %zu", (unsigned)c, i);
        }
        if (sep && last_sep) /* quotes only the characters checked so far, all printable */
            return OL_FAIL(d, OL_E_INVAL, "account id '%.*s': %s separator at %zu", (int)(i + 1), s,
                           i == 0 ? "leading" : "doubled", i);
        last_sep = sep;
    }
    if (last_sep)
        return OL_FAIL(d, OL_E_INVAL, "account id '%.*s': trailing separator", (int)len, s);
    return OL_OK;
}

bool ol_near_account_id_is_valid(const char *s, size_t len)
{
    return ol_near_account_id_validate(s, len, NULL) == OL_OK;
}

static bool all_lower_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

ol_near_account_kind ol_near_account_id_kind(const char *s, size_t len)
{
    if (len == 64 && all_lower_hex(s, len))
        return OL_NEAR_ACCOUNT_NEAR_IMPLICIT;
    if (len == 42 && s[0] == '0' && s[1] == 'x' && all_lower_hex(s + 2, 40))
        return OL_NEAR_ACCOUNT_ETH_IMPLICIT;
    return OL_NEAR_ACCOUNT_NAMED;
}

ol_err ol_near_implicit_account_id(const ol_near_public_key *pk, char out[OL_NEAR_ACCOUNT_ID_MAX],
                                   ol_diag *d)
{
    if (pk->type != OL_NEAR_KEY_ED25519)
        return OL_FAIL(d, OL_E_INVAL, "implicit account ids exist only for ed25519 keys");
    return ol_near_hex_encode(pk->data, OL_NEAR_ED25519_PK_LEN, out, OL_NEAR_ACCOUNT_ID_MAX, NULL,
                              d);
}

ol_err ol__near_account_field(const char *what, const char *id, ol_diag *d)
{
    if (id == NULL)
        return OL_FAIL(d, OL_E_INVAL, "%s: missing account id", what);
    size_t len = strnlen(id, OL_NEAR_ACCOUNT_ID_MAX_LEN + 1);
    ol_diag sub = {0};
    if (ol_near_account_id_validate(id, len, &sub) != OL_OK)
        return OL_FAIL(d, OL_E_INVAL, "%s: %s", what, sub.msg);
    return OL_OK;
}
