/* `outlayer coordinator`: loads the option table (flags > env > config file > defaults), opens
 * the store (migrations run at open), serves HTTP until SIGINT/SIGTERM, then stops cleanly.
 *
 * Signals are handled without a handler: they are blocked in every thread before any thread
 * starts, and the main thread sigwait()s for them, so nothing runs in signal context.
 * The bound port is printed on stdout (`outlayer coordinator listening on http://H:P`) and, with
 * --port-file, written atomically to a file, so tests can start it with --port 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "ol/config.h"
#include "ol/coord.h"
#include "ol/log.h"
#include "ol/store.h"

const char ol_cmd_coordinator_usage[] =
    "usage: outlayer coordinator [--db sqlite:PATH|postgres://...] [--queue sql|redis://...]\n"
    "                            [--host ADDR] [--port N] [--port-file F]\n"
    "                            [--admin-token T] [--worker-token T] [OPTION=VALUE...]\n"
    "\n"
    "Serves the OutLayer HTTPS API and the worker protocol on a store (default SQLite).\n"
    "Every option can also come from OUTLAYER_<NAME> or a --config file; run\n"
    "`outlayer coordinator --help` for the full list with defaults, and --print-config for the\n"
    "effective values. docs/api.md describes the routes.\n";

static void wipe_string(char *s)
{
    if (s != NULL)
        sodium_memzero(s, strlen(s));
}

/* What a log line may say about a store or queue URL: "sqlite:PATH" as given (it holds no
 * secret), "sql", or the scheme and HOST[:PORT] of a network URL — never its user, password,
 * path or parameters. */
static void url_where(const char *url, char *out, size_t cap)
{
    const char *sep = url != NULL ? strstr(url, "://") : NULL;
    if (url == NULL || url[0] == '\0') {
        snprintf(out, cap, "sql");
        return;
    }
    if (sep == NULL) {
        snprintf(out, cap, "%.200s",
                 strncmp(url, "sqlite:", 7) == 0 || strcmp(url, "sql") == 0 ? url
                                                                            : "(unrecognised URL)");
        return;
    }
    /* The host follows the last '@' anywhere (a password with an unencoded '/' or '@' must not
     * be mistaken for it) and ends at the path, query or fragment. */
    const char *at = strrchr(sep + 3, '@');
    const char *host = at != NULL ? at + 1 : sep + 3;
    int slen = (int)(sep - url) > 16 ? 16 : (int)(sep - url);
    int hlen = (int)strcspn(host, "/?#");
    if (hlen == 0)
        snprintf(out, cap, "%.*s (default host)", slen, url);
    else
        snprintf(out, cap, "%.*s %.*s", slen, url, hlen > 200 ? 200 : hlen, host);
}

/* Writes the port to path via a temporary file and rename(), so a reader never sees a partial
 * file. */
static bool write_port_file(const char *path, uint16_t port)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (tmp == NULL)
        return false;
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    bool ok = f != NULL && fprintf(f, "%u\n", (unsigned)port) > 0;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok;
}

int ol_cmd_coordinator(int argc, char **argv)
{
    ol_coord_config cfg;
    ol_opts_result res;
    ol_diag d = {0};
    ol_store *store = NULL;
    ol_coord *coord = NULL;
    ol_coord_server *srv = NULL;
    int status = OL_EXIT_FAIL;

    if (ol_opts_load(&ol_coord_opt_table, &cfg, argc - 1, argv + 1, NULL, &res, &d) != OL_OK) {
        fprintf(stderr, "outlayer coordinator: %s\n", d.msg);
        return OL_EXIT_USAGE;
    }
    if (res.help) {
        ol_opts_help(&ol_coord_opt_table, stdout);
        status = OL_EXIT_OK;
        goto out;
    }
    if (res.print_config) {
        ol_opts_print(&ol_coord_opt_table, &cfg, stdout);
        status = OL_EXIT_OK;
        goto out;
    }
    if (res.npos > 0) {
        fprintf(stderr, "outlayer coordinator: unexpected argument '%s'\n", res.pos[0]);
        status = OL_EXIT_USAGE;
        goto out;
    }
    ol_log_level level = OL_LOG_INFO;
    if (strcmp(cfg.log_level, "error") == 0)
        level = OL_LOG_ERROR;
    else if (strcmp(cfg.log_level, "warn") == 0)
        level = OL_LOG_WARN;
    else if (strcmp(cfg.log_level, "debug") == 0)
        level = OL_LOG_DEBUG;
    ol_log_set_level(level);
    if (sodium_init() < 0) {
        fprintf(stderr, "outlayer coordinator: libsodium initialisation failed\n");
        goto out;
    }

    /* Block the stop signals in every thread (threads inherit the mask); main sigwait()s. */
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    signal(SIGPIPE, SIG_IGN);

    ol_store_options so = {.busy_timeout_ms = (uint32_t)cfg.db_busy_timeout_ms,
                           .pool_size = (uint32_t)cfg.db_pool};
    if (ol_store_open(cfg.db, &so, &store, &d) != OL_OK) {
        fprintf(stderr, "outlayer coordinator: cannot open the store: %s\n", d.msg);
        goto out;
    }
    if (ol_coord_new(&cfg, store, &coord, &d) != OL_OK) {
        fprintf(stderr, "outlayer coordinator: %s\n", d.msg);
        goto out;
    }
    bool admin_on = cfg.admin_token[0] != '\0' || cfg.admin_token_sha256[0] != '\0';
    char db_where[256], queue_where[256];
    url_where(cfg.db, db_where, sizeof db_where);
    url_where(cfg.queue, queue_where, sizeof queue_where);
    /* Only the hashes are kept from here on (the keystore token lives in the coordinator; the
     * queue's password, in its open connections). */
    wipe_string(cfg.admin_token);
    wipe_string(cfg.worker_token);
    wipe_string(cfg.keystore_token);
    wipe_string(cfg.queue);
    uint16_t port = 0;
    if (ol_coord_server_start(coord, &srv, &port, &d) != OL_OK) {
        fprintf(stderr, "outlayer coordinator: %s\n", d.msg);
        goto out;
    }
    if (cfg.port_file[0] != '\0' && !write_port_file(cfg.port_file, port)) {
        fprintf(stderr, "outlayer coordinator: cannot write the port file %s: %s\n", cfg.port_file,
                strerror(errno));
        goto out;
    }
    printf("outlayer coordinator listening on http://%s:%u\n", cfg.host, (unsigned)port);
    fflush(stdout);
    OL_LOG(OL_LOG_INFO,
           "event=started db=\"%s\" schema=%" PRIu32 " queue=\"%s\" queue_prefix=%s port=%u "
           "admin=%s",
           db_where, ol_store_schema_version(store), queue_where, cfg.queue_prefix, (unsigned)port,
           admin_on ? "on" : "off");

    int sig = 0;
    while (sigwait(&stop_set, &sig) != 0)
        ;
    OL_LOG(OL_LOG_INFO, "event=stopping signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = OL_EXIT_OK;
out:
    ol_coord_server_stop(srv);
    ol_coord_free(coord);
    ol_store_close(store);
    wipe_string(cfg.admin_token);
    wipe_string(cfg.worker_token);
    wipe_string(cfg.keystore_token);
    wipe_string(cfg.queue);
    ol_opts_free(&ol_coord_opt_table, &cfg);
    free((void *)res.pos);
    return status;
}
