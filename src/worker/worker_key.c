/* The worker's evidence key: an ed25519 key in DATA_DIR/worker.key, created on first start.
 *
 * The file holds "ed25519:<base58 of seed ‖ public key>\n" and is created with O_EXCL and mode
 * 0600, so two workers starting on one directory cannot both write it, and a key is never
 * readable by anyone else. A file that group or others may read is refused rather than used:
 * its key may have leaked. The key never reaches a log line or an error message. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "worker_int.h"

static ol_err load(const char *path, int fd, ol_near_secret_key *out, ol_diag *d)
{
    char buf[OL_NEAR_KEY_STR_MAX + 2];
    struct stat st;
    ol_err rc = OL_OK;
    size_t n = 0;
    if (fstat(fd, &st) != 0)
        return OL_FAIL(d, OL_E_IO, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return OL_FAIL(d, OL_E_INVAL, "%s: not a regular file", path);
    if ((st.st_mode & 077) != 0)
        return OL_FAIL(d, OL_E_INVAL,
                       "%s: mode %03o lets group or others read the key; it must be 0600", path,
                       (unsigned)(st.st_mode & 0777));
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = OL_FAIL(d, OL_E_IO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == sizeof buf - 1) {
            rc = OL_FAIL(d, OL_E_MALFORMED, "%s: longer than a key", path);
            goto out;
        }
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    if (ol_near_secret_key_parse(buf, out, NULL) != OL_OK)
        rc = OL_FAIL(d, OL_E_MALFORMED, "%s: not an ed25519 secret key", path);
out:
    sodium_memzero(buf, sizeof buf);
    return rc;
}

static ol_err create(const char *path, ol_near_secret_key *out, ol_diag *d)
{
    ol_near_secret_key sk;
    char text[OL_NEAR_KEY_STR_MAX + 1];
    ol_err rc = ol_near_secret_key_generate(&sk, d);
    if (rc != OL_OK)
        return rc;
    size_t len = ol_near_secret_key_format(&sk, text);
    text[len++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = OL_FAIL(d, errno == EEXIST ? OL_E_EXISTS : OL_E_IO, "cannot create %s: %s", path,
                     strerror(errno));
        goto out;
    }
    /* The umask may only have removed bits; make the mode exact anyway. */
    if (fchmod(fd, 0600) != 0) {
        rc = OL_FAIL(d, OL_E_IO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = OL_FAIL(d, OL_E_IO, "cannot write %s: %s", path, strerror(errno));
            goto fail;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        rc = OL_FAIL(d, OL_E_IO, "cannot sync %s: %s", path, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = OL_FAIL(d, OL_E_IO, "cannot close %s: %s", path, strerror(errno));
        goto fail;
    }
    *out = sk;
    goto out;
fail:
    if (fd >= 0)
        close(fd);
    unlink(path); /* no half-written key file under the final name */
out:
    sodium_memzero(text, sizeof text);
    ol_near_secret_key_wipe(&sk);
    return rc;
}

ol_err ol_worker_key_load_or_create(const char *path, ol_near_secret_key *out, bool *created,
                                    ol_diag *d)
{
    ol_err rc = ol_near_init(d);
    if (rc != OL_OK)
        return rc;
    /* Two attempts: a concurrent creator may win the O_EXCL race, then we load its key. */
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
            rc = load(path, fd, out, d);
            close(fd);
            if (rc == OL_OK && created != NULL)
                *created = false;
            return rc;
        }
        if (errno != ENOENT)
            return OL_FAIL(d, OL_E_IO, "cannot open %s: %s", path, strerror(errno));
        rc = create(path, out, d);
        if (rc == OL_OK && created != NULL)
            *created = true;
        if (rc != OL_E_EXISTS)
            return rc;
    }
    return OL_FAIL(d, OL_E_IO, "%s: created and removed concurrently", path);
}
