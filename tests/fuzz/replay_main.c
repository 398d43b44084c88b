/* Replays fuzz inputs through LLVMFuzzerTestOneInput as an ordinary program (SQLite's
 * fuzzcheck), so every build -- gcc included, with or without sanitizers -- runs the checked-in
 * corpus as a ctest.
 *
 * usage: replay_<target> DIR|FILE...
 * Every regular file of each directory runs once, in name order so that a failure reproduces
 * the same way. When an input crashes, its path is printed before the process dies. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* The input being run, for the crash handler (async-signal-safe: written before each input). */
static const char *volatile current_path;
static volatile size_t current_len;

static void on_crash(int sig)
{
    static const char prefix[] = "replay: crashed on input ";
    const char *p = current_path;
    if (p != NULL) {
        ssize_t w = write(STDERR_FILENO, prefix, sizeof prefix - 1);
        w = write(STDERR_FILENO, p, current_len);
        w = write(STDERR_FILENO, "\n", 1);
        (void)w;
    }
    /* SA_RESETHAND restored the default action: die of the same signal, as the caller expects. */
    raise(sig);
}

static void install_crash_handler(void)
{
    static const int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_crash;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = (int)SA_RESETHAND;
        sigaction(sigs[i], &sa, NULL);
    }
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    int rc = 0;
    for (;;) {
        if (len == cap) {
            cap = cap == 0 ? 4096 : cap * 2;
            uint8_t *nbuf = realloc(buf, cap);
            if (nbuf == NULL) {
                fprintf(stderr, "replay: out of memory reading %s\n", path);
                rc = -1;
                goto out;
            }
            buf = nbuf;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        rc = -1;
        goto out;
    }
    /* Exactly `len` bytes, like libFuzzer: a copy of the right size lets ASan catch reads past
     * the end of the input. */
    uint8_t *exact = malloc(len == 0 ? 1 : len);
    if (exact == NULL) {
        rc = -1;
        goto out;
    }
    memcpy(exact, buf, len);
    current_len = strlen(path);
    current_path = path;
    LLVMFuzzerTestOneInput(exact, len);
    current_path = NULL;
    free(exact);
out:
    free(buf);
    fclose(f);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir; returns the number run, or -1 on error. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **paths = NULL;
    size_t n = 0;
    size_t cap = 0;
    long result = -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t plen = strlen(dir) + 1 + strlen(e->d_name) + 1;
        char *p = malloc(plen);
        if (p == NULL)
            goto out;
        snprintf(p, plen, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        if (n == cap) {
            cap = cap == 0 ? 256 : cap * 2;
            char **np = realloc(paths, cap * sizeof *paths);
            if (np == NULL) {
                free(p);
                goto out;
            }
            paths = np;
        }
        paths[n++] = p;
    }
    if (n > 0) /* qsort(NULL, 0, ...) is undefined */
        qsort(paths, n, sizeof *paths, cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (run_file(paths[i]) != 0)
            goto out;
    }
    result = (long)n;
out:
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    closedir(d);
    return result;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    install_crash_handler();
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        long n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : (run_file(argv[i]) == 0 ? 1 : -1);
        if (n < 0)
            return 1;
        printf("replay: %ld inputs from %s\n", n, argv[i]);
        total += n;
    }
    /* An empty corpus would make this test pass while testing nothing. */
    if (total == 0) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    printf("replay: %ld inputs passed\n", total);
    return 0;
}
