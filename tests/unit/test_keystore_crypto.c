/* Keystore crypto: RFC 5869 HKDF-SHA256 vectors, ECIES v1 round trips and framing, tampering,
 * the 10 MiB limit, per-seed key separation (project A vs B vs owner C), the reference's repo
 * normalisation and seeds, master key files (mode, forms, dev creation). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ks_int.h"
#include "test.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
    size_t got = 0;
    assert_int_equal(sodium_hex2bin(out, n, h, strlen(h), NULL, &got, NULL), 0);
    assert_int_equal(got, n);
}

static const uint8_t master_bytes[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                         12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                         23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static ol_ks *new_ks(void)
{
    ol_ks *ks = NULL;
    assert_int_equal(ol_ks_new(master_bytes, &ks, NULL), OL_OK);
    return ks;
}

static void test_hkdf_rfc5869(void **state)
{
    (void)state;
    uint8_t ikm[80], salt[80], info[80], okm[82], want[82];
    /* Test case 1 */
    memset(ikm, 0x0b, 22);
    for (int i = 0; i < 13; i++)
        salt[i] = (uint8_t)i;
    for (int i = 0; i < 10; i++)
        info[i] = (uint8_t)(0xf0 + i);
    assert_int_equal(ol_ks_hkdf_sha256(salt, 13, ikm, 22, info, 10, okm, 42, NULL), OL_OK);
    unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
          want, 42);
    assert_memory_equal(okm, want, 42);
    /* Test case 2 */
    for (int i = 0; i < 80; i++) {
        ikm[i] = (uint8_t)i;
        salt[i] = (uint8_t)(0x60 + i);
        info[i] = (uint8_t)(0xb0 + i);
    }
    assert_int_equal(ol_ks_hkdf_sha256(salt, 80, ikm, 80, info, 80, okm, 82, NULL), OL_OK);
    unhex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c6"
          "5e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
          want, 82);
    assert_memory_equal(okm, want, 82);
    /* Test case 3: no salt, no info */
    memset(ikm, 0x0b, 22);
    assert_int_equal(ol_ks_hkdf_sha256(NULL, 0, ikm, 22, NULL, 0, okm, 42, NULL), OL_OK);
    unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
          want, 42);
    assert_memory_equal(okm, want, 42);
    /* Too long an output. */
    uint8_t big[1];
    assert_int_equal(ol_ks_hkdf_sha256(NULL, 0, ikm, 22, NULL, 0, big, 255 * 32 + 1, NULL),
                     OL_E_INVAL);
}

static void project_acc(ol_ks_accessor *a, const char *pid)
{
    char json[256];
    snprintf(json, sizeof json, "{\"Project\":{\"project_id\":\"%s\"}}", pid);
    assert_int_equal(ol_ks_accessor_parse(json, strlen(json), a, NULL), OL_OK);
}

static void seal_for(const ol_ks *ks, const ol_ks_accessor *a, const char *owner, const char *pt,
                     uint8_t **ct, size_t *ct_len)
{
    uint8_t pk[32];
    assert_int_equal(ol_ks_pubkey(ks, a, owner, pk, NULL), OL_OK);
    assert_int_equal(ol_ks_seal(pk, (const uint8_t *)pt, strlen(pt), ct, ct_len, NULL), OL_OK);
}

static ol_err open_for(const ol_ks *ks, const ol_ks_accessor *a, const char *owner,
                       const uint8_t *ct, size_t len, uint8_t **pt, size_t *pt_len)
{
    char seed[OL_KS_SEED_MAX + 1];
    size_t n = 0;
    assert_int_equal(ol_ks_seed(a, owner, seed, sizeof seed, &n, NULL), OL_OK);
    return ol_ks_open(ks, seed, n, ct, len, pt, pt_len, NULL);
}

static void test_round_trip(void **state)
{
    (void)state;
    ol_ks *ks = new_ks();
    ol_ks_accessor a;
    project_acc(&a, "alice.near/app");
    static const char *const texts[] = {"", "{}", "{\"API_KEY\":\"sk-123\"}"};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *ct = NULL, *pt = NULL;
        size_t ct_len = 0, pt_len = 0;
        seal_for(ks, &a, "alice.near", texts[i], &ct, &ct_len);
        assert_int_equal(ct_len, strlen(texts[i]) + OL_KS_OVERHEAD);
        assert_int_equal(ct[0], 0x01);
        assert_int_equal(open_for(ks, &a, "alice.near", ct, ct_len, &pt, &pt_len), OL_OK);
        assert_int_equal(pt_len, strlen(texts[i]));
        assert_memory_equal(pt, texts[i], pt_len);
        assert_int_equal(pt[pt_len], 0);
        ol_ks_wipe_free(pt, pt_len + 1);
        free(ct);
    }
    /* Large: 1 MiB of data. */
    size_t big = 1u << 20;
    uint8_t *data = malloc(big);
    assert_non_null(data);
    randombytes_buf(data, big);
    uint8_t pk[32], *ct = NULL, *pt = NULL;
    size_t ct_len = 0, pt_len = 0;
    assert_int_equal(ol_ks_pubkey(ks, &a, "alice.near", pk, NULL), OL_OK);
    assert_int_equal(ol_ks_seal(pk, data, big, &ct, &ct_len, NULL), OL_OK);
    assert_int_equal(open_for(ks, &a, "alice.near", ct, ct_len, &pt, &pt_len), OL_OK);
    assert_int_equal(pt_len, big);
    assert_memory_equal(pt, data, big);
    ol_ks_wipe_free(pt, pt_len + 1);
    free(ct);
    /* Two seals of one text differ (fresh ephemeral key and nonce). */
    uint8_t *c1 = NULL, *c2 = NULL;
    size_t l1 = 0, l2 = 0;
    seal_for(ks, &a, "alice.near", "same", &c1, &l1);
    seal_for(ks, &a, "alice.near", "same", &c2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_not_equal(c1, c2, l1);
    free(c1);
    free(c2);
    free(data);
    ol_ks_free(ks);
}

static void test_limit(void **state)
{
    (void)state;
    uint8_t pk[32];
    randombytes_buf(pk, sizeof pk);
    size_t max_pt = OL_KS_MAX_CIPHERTEXT - OL_KS_OVERHEAD;
    uint8_t *data = calloc(max_pt + 1, 1);
    assert_non_null(data);
    uint8_t *ct = NULL;
    size_t ct_len = 0;
    ol_diag d = {0};
    assert_int_equal(ol_ks_seal(pk, data, max_pt + 1, &ct, &ct_len, &d), OL_E_LIMIT);
    assert_int_equal(ol_ks_seal(pk, data, max_pt, &ct, &ct_len, NULL), OL_OK);
    assert_int_equal(ct_len, OL_KS_MAX_CIPHERTEXT);
    ol_ks_sealed sd;
    assert_int_equal(ol_ks_sealed_parse(ct, ct_len, &sd, NULL), OL_OK);
    assert_int_equal(ol_ks_sealed_parse(ct, ct_len + 1, &sd, NULL), OL_E_LIMIT);
    free(ct);
    free(data);
}

static void test_framing_and_tamper(void **state)
{
    (void)state;
    ol_ks *ks = new_ks();
    ol_ks_accessor a;
    project_acc(&a, "alice.near/app");
    uint8_t *ct = NULL, *pt = NULL;
    size_t ct_len = 0, pt_len = 0;
    seal_for(ks, &a, "alice.near", "{\"K\":\"v\"}", &ct, &ct_len);
    ol_diag d = {0};
    /* Every truncation is refused. */
    for (size_t n = 0; n < ct_len; n++) {
        ol_err rc = open_for(ks, &a, "alice.near", ct, n, &pt, &pt_len);
        assert_true(rc == OL_E_MALFORMED || rc == OL_E_INVAL);
    }
    /* Every single-bit flip is refused (version byte: malformed; the rest: does not decrypt). */
    for (size_t i = 0; i < ct_len; i++) {
        ct[i] ^= 0x01;
        ol_err rc =
            ol_ks_open(ks, "project:alice.near/app:alice.near", 33, ct, ct_len, &pt, &pt_len, &d);
        assert_int_equal(rc, i == 0 ? OL_E_MALFORMED : OL_E_INVAL);
        ct[i] ^= 0x01;
    }
    /* A low-order ephemeral key (all zero) is refused without a crash. */
    uint8_t saved[32];
    memcpy(saved, ct + 1, 32);
    memset(ct + 1, 0, 32);
    assert_int_equal(open_for(ks, &a, "alice.near", ct, ct_len, &pt, &pt_len), OL_E_INVAL);
    memcpy(ct + 1, saved, 32);
    /* Sealing to a low-order key is refused too. */
    uint8_t zero_pk[32] = {0}, *bad = NULL;
    size_t bad_len = 0;
    assert_int_equal(ol_ks_seal(zero_pk, (const uint8_t *)"x", 1, &bad, &bad_len, NULL),
                     OL_E_INVAL);
    /* The error message never contains the plaintext. */
    ct[ct_len - 1] ^= 0x80;
    assert_int_equal(
        ol_ks_open(ks, "project:alice.near/app:alice.near", 33, ct, ct_len, &pt, &pt_len, &d),
        OL_E_INVAL);
    assert_null(strstr(d.msg, "\"v\""));
    free(ct);
    ol_ks_free(ks);
}

/* A secret for project A is useless to project B and to owner C; the same master gives the same
 * keys, another master other keys. */
static void test_key_separation(void **state)
{
    (void)state;
    ol_ks *ks = new_ks();
    ol_ks_accessor pa, pb;
    project_acc(&pa, "alice.near/a");
    project_acc(&pb, "alice.near/b");
    uint8_t *ct = NULL, *pt = NULL;
    size_t ct_len = 0, pt_len = 0;
    seal_for(ks, &pa, "alice.near", "{\"TOKEN\":\"xyz\"}", &ct, &ct_len);
    assert_int_equal(open_for(ks, &pb, "alice.near", ct, ct_len, &pt, &pt_len), OL_E_INVAL);
    assert_int_equal(open_for(ks, &pa, "carol.near", ct, ct_len, &pt, &pt_len), OL_E_INVAL);
    assert_int_equal(open_for(ks, &pa, "alice.near", ct, ct_len, &pt, &pt_len), OL_OK);
    ol_ks_wipe_free(pt, pt_len + 1);
    uint8_t k1[32], k2[32], k3[32], k4[32];
    assert_int_equal(ol_ks_pubkey(ks, &pa, "alice.near", k1, NULL), OL_OK);
    assert_int_equal(ol_ks_pubkey(ks, &pb, "alice.near", k2, NULL), OL_OK);
    assert_int_equal(ol_ks_pubkey(ks, &pa, "carol.near", k3, NULL), OL_OK);
    assert_memory_not_equal(k1, k2, 32);
    assert_memory_not_equal(k1, k3, 32);
    uint8_t other[32];
    memcpy(other, master_bytes, 32);
    other[0] ^= 1;
    ol_ks *ks2 = NULL;
    assert_int_equal(ol_ks_new(other, &ks2, NULL), OL_OK);
    assert_int_equal(ol_ks_pubkey(ks2, &pa, "alice.near", k4, NULL), OL_OK);
    assert_memory_not_equal(k1, k4, 32);
    assert_int_equal(open_for(ks2, &pa, "alice.near", ct, ct_len, &pt, &pt_len), OL_E_INVAL);
    /* The derivation is HMAC-SHA256(master, "ecies:" || seed) as X25519 secret. */
    uint8_t sk[32], pk[32];
    const char *seed = "project:alice.near/a:alice.near";
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, master_bytes, 32);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)"ecies:", 6);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)seed, strlen(seed));
    crypto_auth_hmacsha256_final(&st, sk);
    crypto_scalarmult_base(pk, sk);
    assert_memory_equal(pk, k1, 32);
    assert_int_equal(ol__ks_open_with(sk, ct, ct_len, &pt, &pt_len, NULL), OL_OK);
    ol_ks_wipe_free(pt, pt_len + 1);
    free(ct);
    ol_ks_free(ks2);
    ol_ks_free(ks);
}

static void norm_is(const char *in, const char *want)
{
    char out[OL_KS_REPO_MAX + 1];
    assert_int_equal(ol_ks_normalize_repo(in, strlen(in), out, sizeof out, NULL), OL_OK);
    assert_string_equal(out, want);
}

static void test_repo_and_seeds(void **state)
{
    (void)state;
    /* The reference's own test list. */
    norm_is("https://github.com/alice/project", "github.com/alice/project");
    norm_is("http://github.com/alice/project", "github.com/alice/project");
    norm_is("ssh://git@github.com/alice/project", "github.com/alice/project");
    norm_is("git@github.com:alice/project", "github.com/alice/project");
    norm_is("git@github.com/alice/project", "github.com/alice/project");
    norm_is("github.com/alice/project.git", "github.com/alice/project");
    norm_is("github.com/alice/project", "github.com/alice/project");
    norm_is("gitlab.com/alice/project", "gitlab.com/alice/project");
    norm_is("  https://github.com/alice/project.git \n", "github.com/alice/project");
    char out[8];
    assert_int_equal(ol_ks_normalize_repo(" .git ", 6, out, sizeof out, NULL), OL_E_INVAL);
    assert_int_equal(ol_ks_normalize_repo("github.com/a/b", 14, out, sizeof out, NULL), OL_E_RANGE);

    ol_ks_accessor a;
    char seed[OL_KS_SEED_MAX + 1];
    size_t n = 0;
    const char *j = "{\"Repo\":{\"repo\":\"https://github.com/o/r.git\",\"branch\":\"main\"}}";
    assert_int_equal(ol_ks_accessor_parse(j, strlen(j), &a, NULL), OL_OK);
    assert_int_equal(ol_ks_seed(&a, "bob.near", seed, sizeof seed, &n, NULL), OL_OK);
    assert_string_equal(seed, "github.com/o/r:bob.near:main");
    assert_int_equal(n, strlen(seed));
    j = "{\"Repo\":{\"repo\":\"github.com/o/r\",\"branch\":null}}";
    assert_int_equal(ol_ks_accessor_parse(j, strlen(j), &a, NULL), OL_OK);
    assert_int_equal(ol_ks_seed(&a, "bob.near", seed, sizeof seed, NULL, NULL), OL_OK);
    assert_string_equal(seed, "github.com/o/r:bob.near");
    j = "{\"WasmHash\":{\"hash\":\"ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789"
        "\"}}";
    assert_int_equal(ol_ks_accessor_parse(j, strlen(j), &a, NULL), OL_OK);
    assert_int_equal(ol_ks_seed(&a, "bob.near", seed, sizeof seed, NULL, NULL), OL_OK);
    assert_string_equal(seed, "wasm_hash:abcdef0123456789abcdef0123456789abcdef0123456789abcdef01"
                              "23456789:bob.near");
    project_acc(&a, "alice.near/app");
    assert_int_equal(ol_ks_seed(&a, "bob.near", seed, sizeof seed, NULL, NULL), OL_OK);
    assert_string_equal(seed, "project:alice.near/app:bob.near");
    /* Refused: bad owner, ':' in repo or branch (ambiguous seeds), bad hash, bad project id,
     * unknown or extra accessor kinds. */
    ol_diag d = {0};
    assert_int_equal(ol_ks_seed(&a, "Bob", seed, sizeof seed, NULL, &d), OL_E_INVAL);
    static const char *const bad[] = {
        "{\"Repo\":{\"repo\":\"github.com/o/r:alice.near\"}}",
        "{\"Repo\":{\"repo\":\"github.com/o/r\",\"branch\":\"a:b\"}}",
        "{\"Repo\":{\"repo\":\"github.com/o/r\",\"branch\":\"\"}}",
        "{\"Repo\":{\"repo\":\"\"}}",
        "{\"WasmHash\":{\"hash\":\"abc\"}}",
        "{\"WasmHash\":{\"hash\":"
        "\"zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}",
        "{\"Project\":{\"project_id\":\"alice.near\"}}",
        "{\"Project\":{\"project_id\":\"Alice/app\"}}",
        "{\"Project\":{\"project_id\":\"alice.near/a/b\"}}",
        "{\"Project\":{\"project_id\":\"alice.near/a b\"}}",
        "{\"System\":\"PaymentKey\"}",
        "{\"Project\":{\"project_id\":\"a.near/x\"},\"Repo\":{\"repo\":\"x\"}}",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ol_ks_accessor_parse(bad[i], strlen(bad[i]), &a, &d), OL_E_INVAL);
    assert_int_equal(ol_ks_accessor_parse("{", 1, &a, &d), OL_E_MALFORMED);
}

static void test_master_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/ks_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    ol_ks *ks = NULL;
    ol_diag d = {0};
    /* Dev creation: 0600, 32 bytes, and the second start loads the same key. */
    snprintf(path, sizeof path, "%s/master.key", dir);
    bool created = false;
    assert_int_equal(ol_ks_load_or_create_file(path, &ks, &created, &d), OL_OK);
    assert_true(created);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    ol_ks_accessor a;
    project_acc(&a, "alice.near/app");
    uint8_t k1[32], k2[32];
    assert_int_equal(ol_ks_pubkey(ks, &a, "alice.near", k1, NULL), OL_OK);
    ol_ks_free(ks);
    assert_int_equal(ol_ks_load_or_create_file(path, &ks, &created, &d), OL_OK);
    assert_false(created);
    assert_int_equal(ol_ks_pubkey(ks, &a, "alice.near", k2, NULL), OL_OK);
    assert_memory_equal(k1, k2, 32);
    ol_ks_free(ks);
    /* Hex form with a newline gives the same key as the raw form of the same bytes. */
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, master_bytes, 32);
    snprintf(path, sizeof path, "%s/hex.key", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", hex);
    fclose(f);
    chmod(path, 0600);
    assert_int_equal(ol_ks_load_file(path, &ks, &d), OL_OK);
    ol_ks *ref = new_ks();
    assert_int_equal(ol_ks_pubkey(ks, &a, "alice.near", k1, NULL), OL_OK);
    assert_int_equal(ol_ks_pubkey(ref, &a, "alice.near", k2, NULL), OL_OK);
    assert_memory_equal(k1, k2, 32);
    ol_ks_free(ks);
    ol_ks_free(ref);
    /* Group-readable: refused, and the message does not contain the key. */
    chmod(path, 0640);
    assert_int_equal(ol_ks_load_file(path, &ks, &d), OL_E_INVAL);
    assert_null(strstr(d.msg, hex));
    /* Wrong sizes. */
    chmod(path, 0600);
    f = fopen(path, "w");
    fprintf(f, "abcd");
    fclose(f);
    assert_int_equal(ol_ks_load_file(path, &ks, &d), OL_E_INVAL);
    assert_int_equal(ol_ks_load_file("/nonexistent/x", &ks, &d), OL_E_IO);
    unlink(path);
    snprintf(path, sizeof path, "%s/master.key", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    if (ol_ks_init(NULL) != OL_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hkdf_rfc5869),   cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_limit),          cmocka_unit_test(test_framing_and_tamper),
        cmocka_unit_test(test_key_separation), cmocka_unit_test(test_repo_and_seeds),
        cmocka_unit_test(test_master_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
