/* near-cli credential files: {"account_id","public_key","private_key"}.
 *
 * Secret handling: the file is read into a buffer that is wiped before it is freed, the
 * private-key string inside jansson's parse tree is wiped before the tree is released, and the
 * text written is assembled in a stack buffer that is wiped on every path. Files are created
 * with mode 0600 under a temporary name in the target directory, fsynced, and then linked
 * (no overwrite) or renamed (overwrite) into place, so a reader sees a complete file or none.
 * No message names key material. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "near_int.h"

/* A credentials file is a few hundred bytes; anything much larger is not one. */
#define CREDS_MAX_FILE 65536

void ol_near_credentials_wipe(ol_near_credentials *c)
{
    sodium_memzero(c, sizeof *c);
}

/* Reads the whole (small) file into a sodium-wiped heap buffer. */
static ol_err read_small_file(const char *path, char **out, size_t *len, ol_diag *d)
{
    ol_err rc = OL_OK;
    char *buf = NULL;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return OL_FAIL(d, OL_E_IO, "credentials %s: %s", path, strerror(errno));
    if ((buf = malloc(CREDS_MAX_FILE + 1)) == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "credentials %s: out of memory", path);
        goto out;
    }
    for (;;) {
        ssize_t got = read(fd, buf + n, CREDS_MAX_FILE + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = OL_FAIL(d, OL_E_IO, "credentials %s: %s", path, strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > CREDS_MAX_FILE) {
            rc = OL_FAIL(d, OL_E_MALFORMED, "credentials %s: larger than %d bytes", path,
                         CREDS_MAX_FILE);
            goto out;
        }
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
out:
    if (buf != NULL) {
        sodium_memzero(buf, CREDS_MAX_FILE + 1);
        free(buf);
    }
    close(fd);
    return rc;
}

static void wipe_json_string(json_t *v)
{
    /* jansson owns this buffer and it is mutable; it is about to be freed with the tree. */
    if (json_is_string(v))
        sodium_memzero((void *)(uintptr_t)json_string_value(v), json_string_length(v));
}

ol_err ol_near_credentials_read(const char *path, ol_near_credentials *out, ol_diag *d)
{
    ol_err rc;
    char *text = NULL;
    size_t len = 0;
    json_t *root = NULL;
    json_t *sk_json = NULL;
    ol_near_credentials c;
    memset(&c, 0, sizeof c);

    if ((rc = read_small_file(path, &text, &len, d)) != OL_OK)
        return rc;
    json_error_t je;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        /* je.text may quote the input (the key); report only the position. */
        rc = OL_FAIL(d, OL_E_MALFORMED, "credentials %s: invalid JSON (line %d, column %d)", path,
                     je.line, je.column);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "credentials %s: not a JSON object", path);
        goto out;
    }
    json_t *acc = json_object_get(root, "account_id");
    json_t *pk = json_object_get(root, "public_key");
    sk_json = json_object_get(root, "private_key");
    if (sk_json == NULL)
        sk_json = json_object_get(root, "secret_key");
    if (!json_is_string(acc) || !json_is_string(pk) || !json_is_string(sk_json)) {
        rc = OL_FAIL(d, OL_E_MALFORMED,
                     "credentials %s: need string members account_id, public_key and "
                     "private_key",
                     path);
        goto out;
    }
    ol_diag sub = {0};
    size_t alen = json_string_length(acc);
    if (ol_near_account_id_validate(json_string_value(acc), alen, &sub) != OL_OK) {
        rc = OL_FAIL(d, OL_E_INVAL, "credentials %s: %s", path, sub.msg);
        goto out;
    }
    memcpy(c.account_id, json_string_value(acc), alen + 1);
    if (ol_near_public_key_parse(json_string_value(pk), &c.public_key, &sub) != OL_OK) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "credentials %s: %s", path, sub.msg);
        goto out;
    }
    if ((rc = ol_near_secret_key_parse(json_string_value(sk_json), &c.secret_key, &sub)) != OL_OK) {
        rc = OL_FAIL(d, rc, "credentials %s: %s", path, sub.msg);
        goto out;
    }
    ol_near_public_key derived;
    ol_near_secret_key_public(&c.secret_key, &derived);
    if (!ol_near_public_key_eq(&derived, &c.public_key)) {
        rc = OL_FAIL(d, OL_E_INVAL,
                     "credentials %s: public_key is not the public key of private_key", path);
        goto out;
    }
    *out = c;
    rc = OL_OK;
out:
    wipe_json_string(sk_json);
    json_decref(root);
    sodium_memzero(text, len);
    free(text);
    ol_near_credentials_wipe(&c);
    return rc;
}

static ol_err write_all(int fd, const char *p, size_t n, const char *path, ol_diag *d)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return OL_FAIL(d, OL_E_IO, "credentials %s: write: %s", path, strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return OL_OK;
}

/* fsyncs the directory holding path so the new name is durable (best effort: some file systems
 * refuse fsync on directories, which is not an error for us). */
static void sync_parent(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

ol_err ol_near_credentials_write(const char *path, const ol_near_credentials *c, bool overwrite,
                                 ol_diag *d)
{
    ol_err rc = OL_OK;
    char text[512];
    char pk[OL_NEAR_KEY_STR_MAX], sk[OL_NEAR_KEY_STR_MAX];
    char tmp[4096];
    int fd = -1;
    bool tmp_exists = false;
    ol_near_public_key derived;

    size_t alen = strnlen(c->account_id, sizeof c->account_id);
    ol_diag sub = {0};
    if (alen == sizeof c->account_id ||
        ol_near_account_id_validate(c->account_id, alen, &sub) != OL_OK)
        return OL_FAIL(d, OL_E_INVAL, "credentials: %s",
                       sub.msg[0] != '\0' ? sub.msg : "account id is not NUL-terminated");
    ol_near_secret_key_public(&c->secret_key, &derived);
    if (!ol_near_public_key_eq(&derived, &c->public_key))
        return OL_FAIL(d, OL_E_INVAL, "credentials: public_key is not the key of the secret key");
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= sizeof tmp)
        return OL_FAIL(d, OL_E_INVAL, "credentials: path too long");

    ol_near_public_key_format(&c->public_key, pk);
    ol_near_secret_key_format(&c->secret_key, sk);
    /* Account ids and base58 need no JSON escaping. */
    int n = snprintf(text, sizeof text,
                     "{\"account_id\":\"%s\",\"public_key\":\"%s\",\"private_key\":\"%s\"}\n",
                     c->account_id, pk, sk);
    sodium_memzero(sk, sizeof sk);
    if (n < 0 || (size_t)n >= sizeof text) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "credentials: text does not fit");
        goto out;
    }

    mode_t old_mask = umask(077); /* mkstemp uses 0600 already; belt and braces */
    fd = mkstemp(tmp);
    umask(old_mask);
    if (fd < 0) {
        rc = OL_FAIL(d, OL_E_IO, "credentials %s: cannot create a temporary file: %s", path,
                     strerror(errno));
        goto out;
    }
    tmp_exists = true;
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
        rc = OL_FAIL(d, OL_E_IO, "credentials %s: chmod: %s", path, strerror(errno));
        goto out;
    }
    if ((rc = write_all(fd, text, (size_t)n, path, d)) != OL_OK)
        goto out;
    if (fsync(fd) != 0) {
        rc = OL_FAIL(d, OL_E_IO, "credentials %s: fsync: %s", path, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = OL_FAIL(d, OL_E_IO, "credentials %s: close: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    if (overwrite) {
        if (rename(tmp, path) != 0) {
            rc = OL_FAIL(d, OL_E_IO, "credentials %s: rename: %s", path, strerror(errno));
            goto out;
        }
        tmp_exists = false;
    } else if (link(tmp, path) != 0) {
        int e = errno;
        rc = e == EEXIST ? OL_FAIL(d, OL_E_EXISTS, "credentials %s: file exists", path)
                         : OL_FAIL(d, OL_E_IO, "credentials %s: link: %s", path, strerror(e));
        goto out;
    }
    sync_parent(path);
out:
    if (fd >= 0)
        close(fd);
    if (tmp_exists)
        unlink(tmp);
    sodium_memzero(text, sizeof text);
    return rc;
}

static bool network_ok(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 64)
        return false;
    for (; *s != '\0'; s++) {
        char ch = *s;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

ol_err ol_near_credentials_path(const char *home, const char *network, const char *account_id,
                                char *out, size_t cap, ol_diag *d)
{
    if (home == NULL || *home == '\0')
        return OL_FAIL(d, OL_E_INVAL, "credentials: no home directory");
    if (!network_ok(network))
        return OL_FAIL(d, OL_E_INVAL, "credentials: invalid network name (want [a-z0-9_-]+)");
    ol_err rc = ol__near_account_field("credentials", account_id, d);
    if (rc != OL_OK)
        return rc;
    int n = snprintf(out, cap, "%s/.near-credentials/%s/%s.json", home, network, account_id);
    if (n < 0 || (size_t)n >= cap)
        return OL_FAIL(d, OL_E_RANGE, "credentials: path longer than %zu bytes", cap);
    return OL_OK;
}
