/* The worker's WASM cache: hash verification before insertion, LRU eviction by total size,
 * entries in use surviving eviction, concurrent inserts of one module sharing one copy, the
 * disk mirror (reloaded and re-verified, corrupt files dropped, trimmed to the bound at open),
 * and compiled modules: kept instead of bytes, sized by their memory, run with
 * ol_wasi_run_module to the record ol_wasi_run gives, and alive while a run uses one that was
 * evicted. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
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

/* A WASI command without imports: `_start` runs `i32.const k, drop` (k < 64), or spins forever
 * when spin is set. Different k give different modules. */
static uint8_t *command(uint8_t k, bool spin, size_t *len, uint8_t sha[32])
{
    static const uint8_t head[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* magic */
                                   0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* () -> () */
                                   0x03, 0x02, 0x01, 0x00,                         /* one func */
                                   0x07, 0x0a, 0x01, 0x06, '_',  's',  't',  'a',
                                   'r',  't',  0x00, 0x00};
    const uint8_t body_k[] = {0x0a, 0x07, 0x01, 0x05, 0x00, 0x41, k, 0x1a, 0x0b};
    static const uint8_t body_spin[] = {0x0a, 0x09, 0x01, 0x07, 0x00, 0x03,
                                        0x40, 0x0c, 0x00, 0x0b, 0x0b};
    const uint8_t *body = spin ? body_spin : body_k;
    size_t blen = spin ? sizeof body_spin : sizeof body_k;
    uint8_t *p = malloc(sizeof head + blen);
    assert_non_null(p);
    memcpy(p, head, sizeof head);
    memcpy(p + sizeof head, body, blen);
    *len = sizeof head + blen;
    crypto_hash_sha256(sha, p, *len);
    return p;
}

static void test_cache_keeps_compiled_modules(void **state)
{
    (void)state;
    ol__wcache c;
    ol_diag d = {0};
    uint8_t a[32];
    size_t len;
    uint8_t *bytes = command(1, false, &len, a);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, bytes, len);
    assert_int_equal(ol__wcache_init(&c, NULL, 1 << 20, &d), OL_OK);
    ol__wcache_entry *e = NULL;
    assert_int_equal(ol__wcache_put(&c, a, bytes, len, &e, &d), OL_OK);
    /* Compiled once; the bytes are gone; the size is the module's memory. */
    assert_non_null(e->module);
    assert_null(e->bytes);
    assert_int_equal(e->len, len);
    assert_true(e->size > 0);
    assert_int_equal(e->size, e->mem.live);
    assert_int_equal(c.total, e->size);
    /* The cached module runs to the record of the bytes. */
    ol_wasi_result *r1 = NULL, *r2 = NULL;
    assert_int_equal(ol_wasi_run_module(e->module, e->sha256, NULL, &r1, &d), OL_OK);
    assert_int_equal(ol_wasi_run(copy, len, NULL, &r2, &d), OL_OK);
    assert_int_equal(r1->status, OL_WASI_OK);
    assert_int_equal(r1->status, r2->status);
    assert_true(r1->instructions > 0);
    assert_int_equal(r1->instructions, r2->instructions);
    assert_memory_equal(r1->wasm_sha256, a, 32);
    assert_memory_equal(r1->wasm_sha256, r2->wasm_sha256, 32);
    assert_memory_equal(r1->transcript_sha256, r2->transcript_sha256, 32);
    ol_wasi_result_free(r1);
    ol_wasi_result_free(r2);
    /* A second get shares the same compiled module. */
    ol__wcache_entry *e2 = ol__wcache_get(&c, a);
    assert_ptr_equal(e2, e);
    ol__wcache_release(&c, e2);
    ol__wcache_release(&c, e);
    /* Bytes that do not compile are kept as bytes (ol_wasi_run reports why). */
    uint8_t b[32];
    uint8_t *junk = blob(10, 'j', b);
    assert_int_equal(ol__wcache_put(&c, b, junk, 10, &e, &d), OL_OK);
    assert_null(e->module);
    assert_ptr_equal(e->bytes, junk);
    assert_int_equal(e->size, 10);
    ol__wcache_release(&c, e);
    free(copy);
    ol__wcache_fini(&c);
}

typedef struct run_arg {
    const ol__wcache_entry *e;
    ol_wasi_result *r;
} run_arg;

static void *run_main(void *p)
{
    run_arg *ra = p;
    ol_wasi_config cfg = {.timeout_ms = 300};
    if (ol_wasi_run_module(ra->e->module, ra->e->sha256, &cfg, &ra->r, NULL) != OL_OK)
        ra->r = NULL;
    return NULL;
}

/* A run holds its entry; another insertion evicts it mid-run; the module stays valid until the
 * run is over and the entry released (ASan checks). */
static void test_cache_compiled_module_evicted_during_run(void **state)
{
    (void)state;
    ol__wcache c;
    ol_diag d = {0};
    uint8_t a[32], b[32];
    size_t la, lb;
    uint8_t *ba = command(0, true, &la, a);
    uint8_t *bb = command(2, false, &lb, b);
    /* Room for one compiled module only. */
    assert_int_equal(ol__wcache_init(&c, NULL, 1 << 20, &d), OL_OK);
    ol__wcache_entry *ea = NULL, *eb = NULL;
    assert_int_equal(ol__wcache_put(&c, a, ba, la, &ea, &d), OL_OK);
    c.cap = ea->size + ea->size / 2;
    assert_non_null(ea->module);
    run_arg ra = {ea, NULL};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, run_main, &ra), 0);
    usleep(50000);
    assert_int_equal(ol__wcache_put(&c, b, bb, lb, &eb, &d), OL_OK);
    assert_int_equal(c.evictions, 1);
    assert_false(ea->listed);
    assert_true(eb->listed);
    assert_null(ol__wcache_get(&c, a));
    pthread_join(th, NULL);
    assert_non_null(ra.r);
    assert_int_equal(ra.r->status, OL_WASI_TIMEOUT);
    assert_true(ra.r->instructions > 0);
    ol_wasi_result_free(ra.r);
    /* Still usable after eviction while referenced; freed by the last release. */
    ol_wasi_result *r = NULL;
    ol_wasi_config cfg = {.max_instructions = 100};
    assert_int_equal(ol_wasi_run_module(ea->module, ea->sha256, &cfg, &r, &d), OL_OK);
    assert_int_equal(r->status, OL_WASI_OUT_OF_FUEL);
    ol_wasi_result_free(r);
    ol__wcache_release(&c, ea);
    ol__wcache_release(&c, eb);
    assert_int_equal(c.count, 1);
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
    /* A module that compiles is compiled again when read back from the mirror. */
    uint8_t m[32];
    size_t mlen;
    uint8_t *mb = command(3, false, &mlen, m);
    assert_int_equal(ol__wcache_put(&c, m, mb, mlen, &e, &d), OL_OK);
    ol__wcache_release(&c, e);
    ol__wcache_fini(&c);
    assert_int_equal(ol__wcache_init(&c, dir, 1000, &d), OL_OK);
    e = ol__wcache_get(&c, m);
    assert_non_null(e);
    assert_non_null(e->module);
    assert_null(e->bytes);
    assert_int_equal(e->len, mlen);
    ol__wcache_release(&c, e);
    assert_int_not_equal(access(bpath, F_OK), 0);
    ol__wcache_fini(&c);

    /* Opening with a smaller bound trims the directory; temporary leftovers go too. */
    snprintf(path, sizeof path, "%s/leftover.wasm.1.tmp", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(ol__wcache_init(&c, dir, 20, &d), OL_OK);
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
        cmocka_unit_test(test_cache_keeps_compiled_modules),
        cmocka_unit_test(test_cache_compiled_module_evicted_during_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
