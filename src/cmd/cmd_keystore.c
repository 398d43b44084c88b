/* `outlayer keystore`: the keystore service as its own process. Loads the option table, the
 * master secret (a 0600 file, or hex in the environment; in --dev mode generated on first start
 * into the data directory), serves HTTP until SIGINT/SIGTERM, then wipes the master and exits.
 * The bound port is printed on stdout and, with --port-file, written atomically to a file, so
 * tests can start it with --port 0. The master secret and tokens are never printed or logged. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "ol/config.h"
#include "ol/keystore.h"
#include "ol/log.h"

const char ol_cmd_keystore_usage[] =
    "usage: outlayer keystore [--master-key-file F | --dev [--data-dir D]] [--host ADDR]\n"
    "                         [--port N] [--port-file F] [--coordinator-public-key PK]\n"
    "                         [--coordinator-token-sha256 H,...] [--worker-tokens [LABEL:]H,...]\n"
    "\n"
    "Holds the master secret, derives per-code keys, and decrypts secrets for runs the\n"
    "coordinator has granted to the worker that signs the request with the key the grant\n"
    "names. Only SHA-256 hashes of the bearer tokens are configured.\n"
    "Run `outlayer keystore --help` for every option; docs/keystore.md describes the API.\n";

typedef struct ks_cfg {
    char *host;
    uint64_t port;
    char *port_file;
    char *master_key_file;
    char *master_key; /* hex, secret */
    bool dev;
    char *data_dir;
    char *coordinator_public_key;
    char *coordinator_token_sha256;
    char *worker_tokens;
    uint64_t http_threads;
    uint64_t max_body;
    char *log_level;
} ks_cfg;

#define O(f) offsetof(ks_cfg, f)
static const ol_opt ks_opts[] = {
    {"host", OL_OPT_STR, "127.0.0.1", 0, 0, "OUTLAYER_KEYSTORE_HOST", "IPv4 address to listen on",
     O(host), 0},
    {"port", OL_OPT_U64, "8081", 0, 65535, "OUTLAYER_KEYSTORE_PORT", "TCP port (0 = ephemeral)",
     O(port), 0},
    {"port-file", OL_OPT_STR, "", 0, 0, "OUTLAYER_KEYSTORE_PORT_FILE",
     "write the bound port to this file", O(port_file), 0},
    {"master-key-file", OL_OPT_STR, "", 0, 0, "OUTLAYER_KEYSTORE_MASTER_KEY_FILE",
     "file holding the 32-byte master secret (raw or 64 hex), mode 0600", O(master_key_file), 0},
    {"master-key", OL_OPT_STR, "", 0, 0, "OUTLAYER_KEYSTORE_MASTER_KEY",
     "the master secret as 64 hex (use the environment variable, not the flag)", O(master_key),
     OL_OPT_SECRET},
    {"dev", OL_OPT_BOOL, "false", 0, 0, "OUTLAYER_KEYSTORE_DEV",
     "development: without a master key, generate DATA_DIR/keystore-master.key on first start",
     O(dev), 0},
    {"data-dir", OL_OPT_STR, "./outlayer-data", 0, 0, "OUTLAYER_DATA_DIR",
     "data directory (dev mode)", O(data_dir), 0},
    {"coordinator-public-key", OL_OPT_STR, "", 0, 0, "OUTLAYER_KEYSTORE_COORDINATOR_PUBLIC_KEY",
     "ed25519:<base58> key that signs run grants (without it /decrypt refuses)",
     O(coordinator_public_key), 0},
    {"coordinator-token-sha256", OL_OPT_STR, "", 0, 0, "OUTLAYER_KEYSTORE_COORDINATOR_TOKEN_SHA256",
     "comma-separated hex SHA-256 of the coordinator's bearer tokens", O(coordinator_token_sha256),
     0},
    {"worker-tokens", OL_OPT_STR, "", 0, 0, "OUTLAYER_KEYSTORE_WORKER_TOKENS",
     "comma-separated [LABEL:]hex SHA-256 of the workers' bearer tokens (LABEL names a worker in "
     "logs; grants bind a run to a worker key, not to a token)",
     O(worker_tokens), 0},
    {"http-threads", OL_OPT_U64, "2", 1, 256, "OUTLAYER_KEYSTORE_HTTP_THREADS",
     "HTTP worker threads", O(http_threads), 0},
    {"max-body", OL_OPT_U64, "0", 0, 64u << 20, "OUTLAYER_KEYSTORE_MAX_BODY",
     "request body cap in bytes (0 = room for two 10 MiB ciphertexts)", O(max_body), 0},
    {"log-level", OL_OPT_STR, "info", 0, 0, "OUTLAYER_LOG_LEVEL", "error, warn, info or debug",
     O(log_level), 0},
};
#undef O

static ol_err ks_check(const void *p, ol_diag *d)
{
    const ks_cfg *c = p;
    if (!ol_log_level_parse(c->log_level, NULL))
        return OL_FAIL(d, OL_E_INVAL, "log-level must be error, warn, info or debug");
    if (c->master_key_file[0] != '\0' && c->master_key[0] != '\0')
        return OL_FAIL(d, OL_E_INVAL, "give either master-key-file or master-key, not both");
    return OL_OK;
}

static const ol_opt_table ks_table = {"keystore", ol_cmd_keystore_usage, ks_opts,
                                      sizeof ks_opts / sizeof ks_opts[0], ks_check};

static void wipe_string(char *s)
{
    if (s != NULL)
        sodium_memzero(s, strlen(s));
}

static bool write_port_file(const char *path, uint16_t port)
{
    size_t n = strlen(path) + 8;
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

/* The master secret from the configured source. */
static ol_err load_master(const ks_cfg *c, ol_ks **ks, ol_diag *d)
{
    if (c->master_key[0] != '\0') {
        uint8_t *key = sodium_malloc(OL_KS_MASTER_LEN);
        if (key == NULL)
            return OL_FAIL(d, OL_E_NOMEM, "guarded memory for the master key");
        size_t n = 0;
        ol_err rc = OL_OK;
        if (strlen(c->master_key) != 2 * OL_KS_MASTER_LEN ||
            sodium_hex2bin(key, OL_KS_MASTER_LEN, c->master_key, strlen(c->master_key), NULL, &n,
                           NULL) != 0 ||
            n != OL_KS_MASTER_LEN)
            rc = OL_FAIL(d, OL_E_INVAL, "master-key must be 64 hex characters");
        else
            rc = ol_ks_new(key, ks, d);
        sodium_memzero(key, OL_KS_MASTER_LEN);
        sodium_free(key);
        return rc;
    }
    if (c->master_key_file[0] != '\0')
        return ol_ks_load_file(c->master_key_file, ks, d);
    if (!c->dev)
        return OL_FAIL(d, OL_E_INVAL,
                       "no master secret: give --master-key-file (or "
                       "OUTLAYER_KEYSTORE_MASTER_KEY), or --dev");
    if (mkdir(c->data_dir, 0700) != 0 && errno != EEXIST)
        return OL_FAIL(d, OL_E_IO, "cannot create the data directory %s: %s", c->data_dir,
                       strerror(errno));
    size_t n = strlen(c->data_dir) + 32;
    char *path = malloc(n);
    if (path == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "path");
    snprintf(path, n, "%s/keystore-master.key", c->data_dir);
    bool created = false;
    ol_err rc = ol_ks_load_or_create_file(path, ks, &created, d);
    if (rc == OL_OK)
        OL_LOG(OL_LOG_INFO, "event=master_key source=dev_file created=%s path=\"%s\"",
               created ? "yes" : "no", path);
    free(path);
    return rc;
}

int ol_cmd_keystore(int argc, char **argv)
{
    ks_cfg cfg;
    ol_opts_result res;
    ol_diag d = {0};
    ol_ks *ks = NULL;
    ol_ks_service *svc = NULL;
    ol_ks_server *srv = NULL;
    int status = OL_EXIT_FAIL;

    /* Before anything parses JSON: every block jansson frees is wiped. */
    ol_ks_json_wipe_on_free();
    if (ol_opts_load(&ks_table, &cfg, argc - 1, argv + 1, NULL, &res, &d) != OL_OK) {
        fprintf(stderr, "outlayer keystore: %s\n", d.msg);
        return OL_EXIT_USAGE;
    }
    if (res.help) {
        ol_opts_help(&ks_table, stdout);
        status = OL_EXIT_OK;
        goto out;
    }
    if (res.print_config) {
        ol_opts_print(&ks_table, &cfg, stdout);
        status = OL_EXIT_OK;
        goto out;
    }
    if (res.npos > 0) {
        fprintf(stderr, "outlayer keystore: unexpected argument '%s'\n", res.pos[0]);
        status = OL_EXIT_USAGE;
        goto out;
    }
    ol_log_level level = OL_LOG_INFO;
    ol_log_level_parse(cfg.log_level, &level);
    ol_log_set_level(level);
    if (ol_ks_init(&d) != OL_OK) {
        fprintf(stderr, "outlayer keystore: %s\n", d.msg);
        goto out;
    }

    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    signal(SIGPIPE, SIG_IGN);

    ol_err rc = load_master(&cfg, &ks, &d);
    wipe_string(cfg.master_key);
    if (rc != OL_OK) {
        fprintf(stderr, "outlayer keystore: %s\n", d.msg);
        goto out;
    }
    ol_ks_service_config sc = {.coordinator_public_key = cfg.coordinator_public_key,
                               .coordinator_token_sha256 = cfg.coordinator_token_sha256,
                               .worker_tokens = cfg.worker_tokens,
                               .max_body = (size_t)cfg.max_body};
    if (ol_ks_service_new(ks, &sc, &svc, &d) != OL_OK) {
        fprintf(stderr, "outlayer keystore: %s\n", d.msg);
        status = OL_EXIT_USAGE;
        goto out;
    }
    if (cfg.coordinator_public_key[0] == '\0')
        OL_LOG(OL_LOG_WARN, "event=config msg=\"no coordinator-public-key: /decrypt refuses "
                            "every request\"");
    uint16_t port = 0;
    if (ol_ks_server_start(svc, cfg.host, (uint16_t)cfg.port, (unsigned)cfg.http_threads, &srv,
                           &port, &d) != OL_OK) {
        fprintf(stderr, "outlayer keystore: %s\n", d.msg);
        goto out;
    }
    if (cfg.port_file[0] != '\0' && !write_port_file(cfg.port_file, port)) {
        fprintf(stderr, "outlayer keystore: cannot write the port file %s: %s\n", cfg.port_file,
                strerror(errno));
        goto out;
    }
    printf("outlayer keystore listening on http://%s:%u\n", cfg.host, (unsigned)port);
    fflush(stdout);
    OL_LOG(OL_LOG_INFO, "event=started host=%s port=%u dev=%s grants=%s", cfg.host, (unsigned)port,
           cfg.dev ? "yes" : "no", cfg.coordinator_public_key[0] != '\0' ? "on" : "off");
    int sig = 0;
    while (sigwait(&stop_set, &sig) != 0)
        ;
    OL_LOG(OL_LOG_INFO, "event=stopping signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = OL_EXIT_OK;
out:
    ol_ks_server_stop(srv);
    ol_ks_service_free(svc);
    ol_ks_free(ks); /* wipes the master */
    wipe_string(cfg.master_key);
    ol_opts_free(&ks_table, &cfg);
    free((void *)res.pos);
    return status;
}
