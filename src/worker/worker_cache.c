/* The worker's WASM cache: compiled modules keyed by the SHA-256 of their bytes, least recently
 * used evicted first once the total size passes the bound.
 *
 * Each module is compiled once, when it is inserted, with a counting allocator, and its size in
 * the cache is the memory the compiled module holds (the bytes are freed then: the disk mirror
 * has them). Bytes that do not compile are kept instead, so a run reports exactly what
 * ol_wasi_run() says about them.
 *
 * Invariants: an entry is in the list iff `listed`; `total` and `count` sum the listed entries'
 * `size` and total <= cap after every insertion; every listed entry's bytes hashed to its key
 * (checked before compiling, and again when a file of the disk mirror is read back); `refs`
 * counts the list's own reference plus one per caller holding the entry, and the entry (with its
 * compiled module) is freed when it drops to zero, so eviction never frees a module a run is
 * using, and ol_wasm_module_free() runs only after every run's store was freed.
 *
 * The disk mirror (DATA_DIR/wasm/<hex>.wasm, mode 0600) holds the same set as the list, so a
 * restarted worker does not fetch its modules again; it is written with a temporary file and a
 * rename, so a crash never leaves a partial module under a final name. File I/O happens outside
 * the mutex. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "worker_int.h"

#define TMP_SUFFIX ".tmp"

static void path_of(const ol__wcache *c, const uint8_t sha[32], char *out, size_t cap)
{
    char hex[65];
    ol__worker_hex32(sha, hex);
    snprintf(out, cap, "%s/%s.wasm", c->dir, hex);
}

static void entry_free(ol__wcache_entry *e)
{
    ol_wasm_module_free(e->module);
    free(e->bytes);
    free(e);
}

/* Unlinks e from the list (mutex held). The caller drops the list's reference. */
static void unlist(ol__wcache *c, ol__wcache_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
    e->listed = false;
    c->total -= e->size;
    c->count--;
}

static void push_front(ol__wcache *c, ol__wcache_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head != NULL)
        c->head->prev = e;
    c->head = e;
    if (c->tail == NULL)
        c->tail = e;
    e->listed = true;
    c->total += e->size;
    c->count++;
}

static ol__wcache_entry *find(ol__wcache *c, const uint8_t sha[32])
{
    for (ol__wcache_entry *e = c->head; e != NULL; e = e->next) {
        if (memcmp(e->sha256, sha, 32) == 0)
            return e;
    }
    return NULL;
}

/* ---- the disk mirror -------------------------------------------------------------------- */

typedef struct disk_file {
    char name[80];
    off_t size;
    time_t mtime;
} disk_file;

static int by_mtime(const void *a, const void *b)
{
    const disk_file *x = a;
    const disk_file *y = b;
    return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

/* Removes temporary leftovers and, oldest first, files beyond the bound. */
static ol_err trim_dir(const ol__wcache *c, ol_diag *d)
{
    DIR *dir = opendir(c->dir);
    disk_file *files = NULL;
    size_t n = 0, cap = 0;
    ol_err rc = OL_OK;
    if (dir == NULL)
        return OL_FAIL(d, OL_E_IO, "cannot open %s: %s", c->dir, strerror(errno));
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t len = strlen(de->d_name);
        char path[4096];
        struct stat st;
        if (de->d_name[0] == '.' || len >= sizeof files[0].name)
            continue;
        snprintf(path, sizeof path, "%s/%s", c->dir, de->d_name);
        if (len > sizeof TMP_SUFFIX &&
            strcmp(de->d_name + len - (sizeof TMP_SUFFIX - 1), TMP_SUFFIX) == 0) {
            unlink(path);
            continue;
        }
        if (len != 64 + 5 || strcmp(de->d_name + 64, ".wasm") != 0)
            continue;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            size_t ncap = cap == 0 ? 64 : cap * 2;
            disk_file *nf = realloc(files, ncap * sizeof *nf);
            if (nf == NULL) {
                rc = OL_FAIL(d, OL_E_NOMEM, "cache directory listing");
                goto out;
            }
            files = nf;
            cap = ncap;
        }
        memcpy(files[n].name, de->d_name, len + 1);
        files[n].size = st.st_size;
        files[n].mtime = st.st_mtime;
        n++;
    }
    if (n > 1)
        qsort(files, n, sizeof *files, by_mtime);
    /* Keep the newest files that fit: walk from the newest down. */
    size_t kept = 0;
    for (size_t i = n; i-- > 0;) {
        size_t sz = (size_t)files[i].size;
        if (sz <= c->cap - kept) {
            kept += sz;
            continue;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", c->dir, files[i].name);
        unlink(path);
    }
out:
    free(files);
    closedir(dir);
    return rc;
}

static void disk_write(const char *dir, const uint8_t sha[32], const uint8_t *p, size_t len)
{
    char hex[65], path[4096], tmp[4200];
    ol__worker_hex32(sha, hex);
    snprintf(path, sizeof path, "%s/%s.wasm", dir, hex);
    snprintf(tmp, sizeof tmp, "%s.%ld%s", path, (long)getpid(), TMP_SUFFIX);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return; /* the mirror is an optimisation: a failure only costs a fetch later */
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (close(fd) != 0 || off != len || rename(tmp, path) != 0)
        unlink(tmp);
}

/* Reads and verifies the mirror's file for sha; NULL when absent or corrupt (then removed). */
static uint8_t *disk_read(const char *path, const uint8_t sha[32], size_t cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    uint8_t *buf = NULL;
    struct stat st;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > cap)
        goto bad;
    size_t n = (size_t)st.st_size, off = 0;
    if ((buf = malloc(n)) == NULL)
        goto bad;
    while (off < n) {
        ssize_t r = read(fd, buf + off, n - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto bad;
        off += (size_t)r;
    }
    uint8_t got[32];
    crypto_hash_sha256(got, buf, n);
    if (sodium_memcmp(got, sha, 32) != 0)
        goto bad;
    close(fd);
    *len = n;
    return buf;
bad:
    free(buf);
    close(fd);
    unlink(path);
    return NULL;
}

/* ---- the cache ---------------------------------------------------------------------------- */

ol_err ol__wcache_init(ol__wcache *c, const char *dir, size_t cap, ol_diag *d)
{
    memset(c, 0, sizeof *c);
    c->cap = cap;
    if (pthread_mutex_init(&c->mu, NULL) != 0)
        return OL_FAIL(d, OL_E_INTERNAL, "pthread_mutex_init");
    if (dir == NULL)
        return OL_OK;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        pthread_mutex_destroy(&c->mu);
        return OL_FAIL(d, OL_E_IO, "cannot create %s: %s", dir, strerror(errno));
    }
    if ((c->dir = strdup(dir)) == NULL) {
        pthread_mutex_destroy(&c->mu);
        return OL_FAIL(d, OL_E_NOMEM, "cache directory name");
    }
    ol_err rc = trim_dir(c, d);
    if (rc != OL_OK) {
        free(c->dir);
        pthread_mutex_destroy(&c->mu);
    }
    return rc;
}

void ol__wcache_fini(ol__wcache *c)
{
    ol__wcache_entry *e = c->head;
    while (e != NULL) {
        ol__wcache_entry *next = e->next;
        OL_ASSERT(e->refs == 1);
        entry_free(e);
        e = next;
    }
    free(c->dir);
    pthread_mutex_destroy(&c->mu);
    memset(c, 0, sizeof *c);
}

ol__wcache_entry *ol__wcache_get(ol__wcache *c, const uint8_t sha256[32])
{
    pthread_mutex_lock(&c->mu);
    ol__wcache_entry *e = find(c, sha256);
    if (e != NULL) {
        if (e != c->head) {
            unlist(c, e);
            push_front(c, e);
        }
        e->refs++;
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    if (e != NULL || c->dir == NULL)
        return e;

    char path[4096];
    size_t len = 0;
    path_of(c, sha256, path, sizeof path);
    uint8_t *bytes = disk_read(path, sha256, c->cap, &len);
    if (bytes == NULL)
        return NULL;
    if (ol__wcache_put(c, sha256, bytes, len, &e, NULL) != OL_OK)
        return NULL;
    return e;
}

ol_err ol__wcache_put(ol__wcache *c, const uint8_t sha256[32], uint8_t *bytes, size_t len,
                      ol__wcache_entry **out, ol_diag *d)
{
    uint8_t got[32];
    crypto_hash_sha256(got, bytes, len);
    if (sodium_memcmp(got, sha256, 32) != 0) {
        char want[65], have[65];
        ol__worker_hex32(sha256, want);
        ol__worker_hex32(got, have);
        free(bytes);
        return OL_FAIL(d, OL_E_MALFORMED, "module hash mismatch: expected %s, got %s", want, have);
    }
    /* Already there (another slot inserted it): share it without compiling again. */
    pthread_mutex_lock(&c->mu);
    ol__wcache_entry *e = find(c, sha256);
    if (e != NULL)
        e->refs++;
    pthread_mutex_unlock(&c->mu);
    if (e != NULL) {
        free(bytes);
        *out = e;
        return OL_OK;
    }
    e = calloc(1, sizeof *e);
    if (e == NULL) {
        free(bytes);
        return OL_FAIL(d, OL_E_NOMEM, "cache entry");
    }
    memcpy(e->sha256, sha256, 32);
    e->len = len;
    e->refs = 1; /* the caller's */
    /* Compile outside the mutex; the counter measures what the module holds. */
    ol_allocator ma = ol_alloc_counter_init(&e->mem, NULL);
    ol_wasm_module_config mc = {.alloc = &ma};
    ol_diag md = {0};
    ol_err crc = ol_wasm_module_new(bytes, len, &mc, &e->module, &md);
    if (crc == OL_E_NOMEM) {
        free(bytes);
        free(e);
        return OL_FAIL(d, OL_E_NOMEM, "compiling the module: %s", md.msg);
    }
    if (crc == OL_OK) {
        e->size = e->mem.live;
    } else {
        e->module = NULL;
        e->bytes = bytes; /* ol_wasi_run() reports why it does not compile */
        e->size = len;
    }

    ol__wcache_entry *victims = NULL; /* evicted entries whose last reference was the list's */
    bool write_disk = false;
    pthread_mutex_lock(&c->mu);
    ol__wcache_entry *old = find(c, sha256);
    if (old != NULL) {
        /* Another thread inserted it first: share that copy. */
        old->refs++;
        pthread_mutex_unlock(&c->mu);
        if (e->bytes != bytes)
            free(bytes);
        entry_free(e);
        *out = old;
        return OL_OK;
    }
    if (e->size <= c->cap) {
        while (c->total > c->cap - e->size && c->tail != NULL) {
            ol__wcache_entry *v = c->tail;
            unlist(c, v);
            c->evictions++;
            if (c->dir != NULL) {
                char path[4096];
                path_of(c, v->sha256, path, sizeof path);
                unlink(path);
            }
            if (--v->refs == 0) {
                v->next = victims;
                victims = v;
            }
        }
        e->refs++; /* the list's */
        push_front(c, e);
        write_disk = c->dir != NULL;
    }
    pthread_mutex_unlock(&c->mu);
    while (victims != NULL) {
        ol__wcache_entry *next = victims->next;
        entry_free(victims);
        victims = next;
    }
    if (write_disk)
        disk_write(c->dir, sha256, bytes, len);
    if (e->bytes != bytes)
        free(bytes);
    *out = e;
    return OL_OK;
}

void ol__wcache_release(ol__wcache *c, ol__wcache_entry *e)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    bool last = --e->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last)
        entry_free(e);
}
