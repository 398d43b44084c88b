/* near-cli credential files: written with mode 0600 and exact content, never overwritten unless
 * asked, no temporary file left behind; read back; every kind of bad file refused without the
 * key appearing in the message; the ~/.near-credentials path. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ol/near.h"
#include "test.h"

#define SK     \
    "ed25519:" \
    "3hoMW1HvnRLSFCLZnvPzWeoGwtdHzke34B2cTHM8rhcbG3TbuLKtShTv3DvyejnXKXKBiV7YPkLeqUHN1ghnqpFv"
#define PK  "ed25519:Anu7LYDfpLtkP7E16LT9imXF694BdQaa9ufVkQiwTQxC"
#define PK2 "ed25519:2RM3EotCzEiVobm6aMjaup43k8cFffR4KHFtrqbZ79Qy"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/ol_near_creds_XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    return rmdir(dir);
}

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void write_text(const char *name, const char *text)
{
    char p[256];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static size_t count_files(void)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static ol_near_credentials creds(const char *account)
{
    ol_near_credentials c;
    memset(&c, 0, sizeof c);
    snprintf(c.account_id, sizeof c.account_id, "%s", account);
    assert_int_equal(ol_near_secret_key_parse(SK, &c.secret_key, NULL), OL_OK);
    ol_near_secret_key_public(&c.secret_key, &c.public_key);
    return c;
}

static void test_write_and_read(void **state)
{
    (void)state;
    char p[256];
    path_of(p, sizeof p, "test.near.json");
    ol_near_credentials c = creds("test.near");
    ol_diag d = {0};
    assert_int_equal(ol_near_credentials_write(p, &c, false, &d), OL_OK);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_string_equal(read_text(p), "{\"account_id\":\"test.near\",\"public_key\":\"" PK
                                      "\",\"private_key\":\"" SK "\"}\n");
    assert_int_equal(count_files(), 1); /* no temporary left */

    ol_near_credentials back;
    assert_int_equal(ol_near_credentials_read(p, &back, &d), OL_OK);
    assert_string_equal(back.account_id, "test.near");
    assert_true(ol_near_public_key_eq(&back.public_key, &c.public_key));
    assert_memory_equal(back.secret_key.bytes, c.secret_key.bytes, 64);

    /* No overwrite by default: the file keeps its content. */
    ol_near_credentials other = creds("other.near");
    assert_int_equal(ol_near_credentials_write(p, &other, false, &d), OL_E_EXISTS);
    assert_non_null(strstr(read_text(p), "\"test.near\""));
    assert_int_equal(count_files(), 1);
    /* With overwrite it is replaced, still 0600. */
    assert_int_equal(ol_near_credentials_write(p, &other, true, &d), OL_OK);
    assert_non_null(strstr(read_text(p), "\"other.near\""));
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(count_files(), 1);

    ol_near_credentials_wipe(&c);
    ol_near_credentials_wipe(&other);
    ol_near_credentials_wipe(&back);
    for (size_t i = 0; i < sizeof back; i++)
        assert_int_equal(((const unsigned char *)&back)[i], 0);
}

static void test_write_errors(void **state)
{
    (void)state;
    char p[256];
    ol_diag d = {0};
    ol_near_credentials c = creds("Bad.Account");
    path_of(p, sizeof p, "x.json");
    assert_int_equal(ol_near_credentials_write(p, &c, false, &d), OL_E_INVAL);
    c = creds("ok.near");
    c.public_key.data[0] ^= 1;
    assert_int_equal(ol_near_credentials_write(p, &c, false, &d), OL_E_INVAL);
    c = creds("ok.near");
    assert_int_equal(ol_near_credentials_write("/nonexistent-dir/x.json", &c, false, &d), OL_E_IO);
    assert_null(strstr(d.msg, "3hoMW"));
    assert_int_equal(count_files(), 0);
    ol_near_credentials_wipe(&c);
}

static void test_read_variants(void **state)
{
    (void)state;
    char p[256];
    ol_near_credentials c;
    /* "secret_key" instead of "private_key", the 32-byte seed form, extra members. */
    write_text("alias.json", "{\"account_id\":\"a0dfa70b1573f54869a046262c35bd56f1e10584bc685c69697"
                             "e90393e151d07\",\"public_key\":\"ed25519:Bpz2oUnMM8MM8trXmdAJW5sS1Tt"
                             "PkMot4cosa16ZeYFQ\",\"secret_key\":\"ed25519:4RDn17Y8bm6FRg57BhW7eVn"
                             "rHTF2nsmRfkj1nPXR1zYB\",\"master_seed_phrase\":\"x\"}");
    path_of(p, sizeof p, "alias.json");
    ol_diag d = {0};
    if (ol_near_credentials_read(p, &c, &d) != OL_OK)
        fail_msg("%s", d.msg);
    assert_int_equal(strlen(c.account_id), 64);
    ol_near_credentials_wipe(&c);
}

static void bad_file(const char *text, ol_err want, const char *fragment)
{
    char p[256];
    write_text("bad.json", text);
    path_of(p, sizeof p, "bad.json");
    ol_near_credentials c;
    memset(&c, 0x5a, sizeof c);
    ol_diag d = {0};
    ol_err rc = ol_near_credentials_read(p, &c, &d);
    if (rc != want)
        fail_msg("%s: got %s (%s)", text, ol_err_name(rc), d.msg);
    if (strstr(d.msg, fragment) == NULL)
        fail_msg("%s: '%s' lacks '%s'", text, d.msg, fragment);
    /* The key's text never appears in the message. */
    assert_null(strstr(d.msg, "3hoMW1"));
    assert_null(strstr(d.msg, "ghnqpFv"));
    assert_int_equal(((unsigned char *)&c)[0], 0x5a); /* untouched */
    unlink(p);
}

static void test_bad_files(void **state)
{
    (void)state;
    bad_file("", OL_E_MALFORMED, "invalid JSON");
    bad_file("{\"private_key\":\"" SK "\"", OL_E_MALFORMED, "invalid JSON");
    bad_file("[\"" SK "\"]", OL_E_MALFORMED, "not a JSON object");
    bad_file("{\"account_id\":\"test.near\",\"public_key\":\"" PK "\"}", OL_E_MALFORMED,
             "private_key");
    bad_file("{\"account_id\":\"test.near\",\"private_key\":\"" SK "\"}", OL_E_MALFORMED,
             "public_key");
    bad_file("{\"account_id\":7,\"public_key\":\"" PK "\",\"private_key\":\"" SK "\"}",
             OL_E_MALFORMED, "account_id");
    bad_file("{\"account_id\":\"Test\",\"public_key\":\"" PK "\",\"private_key\":\"" SK "\"}",
             OL_E_INVAL, "account id");
    bad_file("{\"account_id\":\"test.near\",\"public_key\":\"" PK2 "\",\"private_key\":\"" SK "\"}",
             OL_E_INVAL, "is not the public key");
    bad_file("{\"account_id\":\"test.near\",\"public_key\":\"" PK "\",\"private_key\":\"" SK "0\"}",
             OL_E_MALFORMED, "secret key");
    bad_file("{\"account_id\":\"test.near\",\"public_key\":\"" PK "\",\"private_key\":\"" SK "1\"}",
             OL_E_MALFORMED, "secret key");
    bad_file("{\"account_id\":\"test.near\",\"public_key\":\"ed25519:xyz\",\"private_key\":\"" SK
             "\"}",
             OL_E_MALFORMED, "public key");
    bad_file("{\"account_id\":\"test.near\",\"account_id\":\"b.near\",\"public_key\":\"" PK
             "\",\"private_key\":\"" SK "\"}",
             OL_E_MALFORMED, "invalid JSON");
    /* Too big to be a credentials file. */
    char *big = malloc(70000);
    assert_non_null(big);
    memset(big, ' ', 69999);
    big[0] = '{';
    big[69998] = '}';
    big[69999] = '\0';
    bad_file(big, OL_E_MALFORMED, "larger than");
    free(big);

    ol_near_credentials c;
    ol_diag d = {0};
    char p[256];
    path_of(p, sizeof p, "missing.json");
    assert_int_equal(ol_near_credentials_read(p, &c, &d), OL_E_IO);
    assert_non_null(strstr(d.msg, "missing.json"));
}

static void test_path(void **state)
{
    (void)state;
    char out[256];
    ol_diag d = {0};
    assert_int_equal(
        ol_near_credentials_path("/home/u", "testnet", "alice.testnet", out, sizeof out, &d),
        OL_OK);
    assert_string_equal(out, "/home/u/.near-credentials/testnet/alice.testnet.json");
    assert_int_equal(
        ol_near_credentials_path("/home/u", "../etc", "alice.testnet", out, sizeof out, &d),
        OL_E_INVAL);
    assert_int_equal(ol_near_credentials_path("/home/u", "testnet", "../../x", out, sizeof out, &d),
                     OL_E_INVAL);
    assert_int_equal(ol_near_credentials_path("/home/u", "testnet", NULL, out, sizeof out, &d),
                     OL_E_INVAL);
    assert_int_equal(ol_near_credentials_path("", "testnet", "a.near", out, sizeof out, &d),
                     OL_E_INVAL);
    assert_int_equal(ol_near_credentials_path("/home/u", "testnet", "alice.testnet", out, 20, &d),
                     OL_E_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_variants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test(test_path),
    };
    if (ol_near_init(NULL) != OL_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
