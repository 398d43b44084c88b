/* The worker's evidence key file: created once with mode 0600 and loaded back unchanged, never
 * quoted in an error, refused when group or others may read it, refused when malformed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ol/worker.h"
#include "test.h"

static void test_key_created_0600_and_reloaded(void **state)
{
    (void)state;
    char dir[] = "/tmp/ol-test-worker-key-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/worker.key", dir);
    ol_near_secret_key a, b;
    bool created = false;
    ol_diag d = {0};
    mode_t old = umask(0);
    assert_int_equal(ol_worker_key_load_or_create(path, &a, &created, &d), OL_OK);
    umask(old);
    assert_true(created);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(ol_worker_key_load_or_create(path, &b, &created, &d), OL_OK);
    assert_false(created);
    assert_memory_equal(a.bytes, b.bytes, sizeof a.bytes);

    /* Readable by others: refused, and the message does not contain the key. */
    FILE *f = fopen(path, "r");
    char text[200] = "";
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    text[strcspn(text, "\n")] = '\0';
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(ol_worker_key_load_or_create(path, &b, &created, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "0600"));
    assert_null(strstr(d.msg, text + 8));

    /* Malformed content. */
    assert_int_equal(chmod(path, 0600), 0);
    f = fopen(path, "w");
    fputs("ed25519:not-a-key\n", f);
    fclose(f);
    assert_int_equal(ol_worker_key_load_or_create(path, &b, &created, &d), OL_E_MALFORMED);

    ol_near_secret_key_wipe(&a);
    ol_near_secret_key_wipe(&b);
    unlink(path);
    rmdir(dir);
}

static void test_key_missing_directory(void **state)
{
    (void)state;
    ol_near_secret_key k;
    ol_diag d = {0};
    assert_int_equal(ol_worker_key_load_or_create("/nonexistent-dir-ol/worker.key", &k, NULL, &d),
                     OL_E_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_created_0600_and_reloaded),
        cmocka_unit_test(test_key_missing_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
