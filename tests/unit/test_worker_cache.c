/* The worker's WASM cache: hash verification before insertion, LRU eviction by total size,
 * entries in use surviving eviction, concurrent inserts of one module sharing one copy, and the
 * disk mirror (reloaded and re-verified, corrupt files dropped, trimmed to the bound at open). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "test.h"
#include "worker_int.h"

static uint8_t *blob(size_t len, uint8_t fill, uint8_t sha[32])
{
    uint8_t *p = malloc(len);
    assert_non_null(p);
    memset(p, fill, len);
    crypto_hash_sha256(sha, p, len);
    return p;
}

static void test_cache_rejects_hash_mismatch(void **state)
{
    (void)state;
    ol__wcache c;
    ol_diag d = {0};
    uint8_t sha[32];
    assert_int_equal(ol__wcache_init(&c, NULL, 1000, &d), OL_OK);
    uint8_t *p = blob(10, 1, sha);
    sha[0] ^= 1;
    ol__wcache_entry *e = NULL;
    assert_int_equal(ol__wcache_put(&c, sha, p, 10, &e, &d), OL_E_MALFORMED);
    assert_non_null(strstr(d.msg, "hash mismatch"));
    assert_null(e);
    assert_int_equal(c.count, 0);
    assert_null(ol__wcache_get(&c, sha));
    ol__wcache_fini(&c);
}

static void test_cache_lru_eviction_by_size(void **state)
{
    (void)state;
    ol__wcache c;
    ol_diag d = {0};
    uint8_t a[32], b[32], x[32];
    assert_int_equal(ol__wcache_init(&c, NULL, 250, &d), OL_OK);
    ol__wcache_entry *e = NULL;
    assert_int_equal(ol__wcache_put(&c, a, blob(100, 'a', a), 100, &e, &d), OL_OK);
    ol__wcache_release(&c, e);
    assert_int_equal(ol__wcache_put(&c, b, blob(100, 'b', b), 100, &e, &d), OL_OK);
    ol__wcache_release(&c, e);
    assert_int_equal(c.total, 200);
    /* Touch a: b becomes the least recently used. */
    e = ol__wcache_get(&c, a);
    assert_non_null(e);
    ol__wcache_release(&c, e);
    assert_int_equal(ol__wcache_put(&c, x, blob(100, 'x', x), 100, &e, &d), OL_OK);
    ol__wcache_release(&c, e);
    assert_int_equal(c.count, 2);
    assert_int_equal(c.total, 200);
    assert_null(ol__wcache_get(&c, b));
    e = ol__wcache_get(&c, a);
    assert_non_null(e);
    ol__wcache_release(&c, e);
    assert_int_equal(c.evictions, 1);
    ol__wcache_fini(&c);
}

static void test_cache_entry_in_use_survives_eviction(void **state)
{
    (void)state;
    ol__wcache c;
    ol_diag d = {0};
    uint8_t a[32], b[32];
    assert_int_equal(ol__wcache_init(&c, NULL, 150, &d), OL_OK);
    ol__wcache_entry *ea = NULL, *eb = NULL;
    assert_int_equal(ol__wcache_put(&c, a, blob(100, 'a', a), 100, &ea, &d), OL_OK);
    /* ea is held (a run uses it) while b evicts it. */
    assert_int_equal(ol__wcache_put(&c, b, blob(100, 'b', b), 100, &eb, &d), OL_OK);
    assert_int_equal(c.count, 1);
    assert_false(ea->listed);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(ea->bytes[i], 'a');
    ol__wcache_release(&c, ea); /* frees it: ASan checks the bytes were valid until here */
    ol__wcache_release(&c, eb);
    ol__wcache_fini(&c);
}

static void test_cache_oversized_module_not_kept(void **state)
{
    (void)state;
    ol__wcache c;
    ol_diag d = {0};
    uint8_t a[32];
    assert_int_equal(ol__wcache_init(&c, NULL, 50, &d), OL_OK);
    ol__wcache_entry *e = NULL;
    assert_int_equal(ol__wcache_put(&c, a, blob(100, 'a', a), 100, &e, &d), OL_OK);
    assert_non_null(e);
    assert_int_equal(e->len, 100);
    assert_int_equal(c.count, 0);
    ol__wcache_release(&c, e);
    ol__wcache_fini(&c);
}

static void test_cache_duplicate_insert_shares(void **state)
{
    (void)state;
    ol__wcache c;
    ol_diag d = {0};
    uint8_t a[32], a2[32];
    assert_int_equal(ol__wcache_init(&c, NULL, 1000, &d), OL_OK);
    ol__wcache_entry *e1 = NULL, *e2 = NULL;
    assert_int_equal(ol__wcache_put(&c, a, blob(10, 'a', a), 10, &e1, &d), OL_OK);
    assert_int_equal(ol__wcache_put(&c, a2, blob(10, 'a', a2), 10, &e2, &d), OL_OK);
    assert_ptr_equal(e1, e2);
    assert_int_equal(c.count, 1);
    ol__wcache_release(&c, e1);
    ol__wcache_release(&c, e2);
    ol__wcache_fini(&c);
}

static void tmpdir(char *out, size_t cap)
{
    snprintf(out, cap, "/tmp/ol-test-worker-cache-XXXXXX");
    assert_non_null(mkdtemp(out));
}

static void rmtree(const char *dir)
{
    DIR *dd = opendir(dir);
    if (dd == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(dd)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rmtree(p);
        else
            unlink(p);
    }
    closedir(dd);
    rmdir(dir);
}

static size_t count_files(const char *dir)
{
    DIR *dd = opendir(dir);
    size_t n = 0;
    assert_non_null(dd);
    struct dirent *de;
    while ((de = readdir(dd)) != NULL)
        n += de->d_name[0] != '.';
    closedir(dd);
    return n;
}

static void test_cache_disk_mirror(void **state)
{
    (void)state;
    char root[64], dir[128], path[256];
    tmpdir(root, sizeof root);
    snprintf(dir, sizeof dir, "%s/wasm", root);
    ol__wcache c;
    ol_diag d = {0};
    uint8_t a[32], b[32];
    assert_int_equal(ol__wcache_init(&c, dir, 1000, &d), OL_OK);
    ol__wcache_entry *e = NULL;
    assert_int_equal(ol__wcache_put(&c, a, blob(100, 'a', a), 100, &e, &d), OL_OK);
    ol__wcache_release(&c, e);
    assert_int_equal(ol__wcache_put(&c, b, blob(100, 'b', b), 100, &e, &d), OL_OK);
    ol__wcache_release(&c, e);
    ol__wcache_fini(&c);
    assert_int_equal(count_files(dir), 2);
    char hex[65];
    ol__worker_hex32(a, hex);
    snprintf(path, sizeof path, "%s/%s.wasm", dir, hex);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* A fresh cache finds a on disk; a corrupted b is dropped, not served. */
    char bpath[256];
    ol__worker_hex32(b, hex);
    snprintf(bpath, sizeof bpath, "%s/%s.wasm", dir, hex);
    int fd = open(bpath, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "X", 1), 1);
    close(fd);
    assert_int_equal(ol__wcache_init(&c, dir, 1000, &d), OL_OK);
    e = ol__wcache_get(&c, a);
    assert_non_null(e);
    assert_int_equal(e->len, 100);
    assert_int_equal(e->bytes[99], 'a');
    ol__wcache_release(&c, e);
    assert_null(ol__wcache_get(&c, b));
    assert_int_not_equal(access(bpath, F_OK), 0);
    ol__wcache_fini(&c);

    /* Opening with a smaller bound trims the directory; temporary leftovers go too. */
    snprintf(path, sizeof path, "%s/leftover.wasm.1.tmp", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(ol__wcache_init(&c, dir, 50, &d), OL_OK);
    assert_int_equal(count_files(dir), 0);
    ol__wcache_fini(&c);
    rmtree(root);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_rejects_hash_mismatch),
        cmocka_unit_test(test_cache_lru_eviction_by_size),
        cmocka_unit_test(test_cache_entry_in_use_survives_eviction),
        cmocka_unit_test(test_cache_oversized_module_not_kept),
        cmocka_unit_test(test_cache_duplicate_insert_shares),
        cmocka_unit_test(test_cache_disk_mirror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
