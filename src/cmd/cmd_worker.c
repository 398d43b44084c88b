/* `outlayer worker`: runs jobs for a coordinator (ol/worker.h). This file is only the option
 * table, the signal handlers and the exit status; everything else is in src/worker. */
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ol/config.h"
#include "ol/keystore.h"
#include "ol/log.h"
#include "ol/worker.h"

typedef struct worker_opts {
    char *coordinator_url;
    char *worker_token;
    char *data_dir;
    char *name;
    uint64_t concurrency;
    uint64_t wasm_cache_mb;
    uint64_t poll_timeout_ms;
    uint64_t shutdown_grace_ms;
    uint64_t http_timeout_ms;
    uint64_t register_timeout_ms;
    uint64_t unreachable_timeout_ms;
    char *keystore_url;
    char *keystore_token;
    char *log_level;
} worker_opts;

#define W(field) offsetof(worker_opts, field)
static const ol_opt worker_opt_list[] = {
    {"coordinator-url", OL_OPT_STR, "http://127.0.0.1:8080", 0, 0, "OUTLAYER_COORDINATOR_URL",
     "the coordinator's base URL", W(coordinator_url), 0},
    {"worker-token", OL_OPT_STR, "", 0, 0, "OUTLAYER_WORKER_TOKEN",
     "bearer token for the coordinator's worker routes (required)", W(worker_token), OL_OPT_SECRET},
    {"data-dir", OL_OPT_STR, "./.outlayer/worker", 0, 0, "OUTLAYER_WORKER_DATA_DIR",
     "evidence key (worker.key, 0600) and WASM cache (wasm/)", W(data_dir), 0},
    {"name", OL_OPT_STR, NULL, 0, 0, "OUTLAYER_WORKER_NAME",
     "name shown by the coordinator (default HOSTNAME-PID)", W(name), 0},
    {"concurrency", OL_OPT_U64, "0", 0, 256, "OUTLAYER_WORKER_CONCURRENCY",
     "jobs run at once; 0: the number of CPUs", W(concurrency), 0},
    {"wasm-cache-mb", OL_OPT_U64, "256", 1, 1048576, "OUTLAYER_WASM_CACHE_MB",
     "bound of the local cache of compiled modules (LRU by their memory), MiB", W(wasm_cache_mb),
     0},
    {"poll-timeout-ms", OL_OPT_U64, "30000", 100, 60000, "OUTLAYER_WORKER_POLL_TIMEOUT_MS",
     "long-poll duration of one request", W(poll_timeout_ms), 0},
    {"shutdown-grace-ms", OL_OPT_U64, "10000", 1, 3600000, "OUTLAYER_WORKER_SHUTDOWN_GRACE_MS",
     "on SIGTERM/SIGINT: time running jobs get to finish and report", W(shutdown_grace_ms), 0},
    {"http-timeout-ms", OL_OPT_U64, "15000", 100, 600000, "OUTLAYER_WORKER_HTTP_TIMEOUT_MS",
     "timeout of every other request to the coordinator", W(http_timeout_ms), 0},
    {"register-timeout-ms", OL_OPT_U64, "60000", 100, 3600000,
     "OUTLAYER_WORKER_REGISTER_TIMEOUT_MS", "give up if the first registration fails this long",
     W(register_timeout_ms), 0},
    {"unreachable-timeout-ms", OL_OPT_U64, "300000", 1000, 86400000,
     "OUTLAYER_WORKER_UNREACHABLE_TIMEOUT_MS",
     "exit when the coordinator has not answered for this long", W(unreachable_timeout_ms), 0},
    {"keystore-url", OL_OPT_STR, "", 0, 0, "OUTLAYER_WORKER_KEYSTORE_URL",
     "the keystore's base URL, for tasks that carry secrets (without it they complete as "
     "secrets_unavailable)",
     W(keystore_url), 0},
    {"keystore-token", OL_OPT_STR, "", 0, 0, "OUTLAYER_WORKER_KEYSTORE_TOKEN",
     "bearer token for the keystore's /decrypt (required with --keystore-url)", W(keystore_token),
     OL_OPT_SECRET},
    {"log-level", OL_OPT_STR, "info", 0, 0, "OUTLAYER_LOG_LEVEL", "error, warn, info or debug",
     W(log_level), 0},
};
#undef W

static ol_err worker_check(const void *cfg, ol_diag *d)
{
    const worker_opts *o = cfg;
    if (o->worker_token == NULL || o->worker_token[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL,
                       "worker: --worker-token (or OUTLAYER_WORKER_TOKEN) is required");
    if (o->data_dir == NULL || o->data_dir[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL, "worker: --data-dir must not be empty");
    if (!ol_log_level_parse(o->log_level, NULL))
        return OL_FAIL(d, OL_E_INVAL, "worker: --log-level must be error, warn, info or debug");
    if (o->keystore_url[0] != '\0' && o->keystore_token[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL,
                       "worker: --keystore-url needs --keystore-token (or "
                       "OUTLAYER_WORKER_KEYSTORE_TOKEN)");
    return OL_OK;
}

const ol_opt_table ol_cmd_worker_opts = {
    "worker",
    "usage: outlayer worker [OPTIONS]\n"
    "\n"
    "Registers with the coordinator, then runs its tasks: up to --concurrency jobs at once, each\n"
    "under its task's limits, with the WASM fetched by content hash into a local cache and every\n"
    "result signed with the worker's evidence key (created on first start in --data-dir).\n"
    "Tasks that carry secrets get them from --keystore-url, with a request signed by that key.\n"
    "SIGTERM or SIGINT stops polling; running jobs get --shutdown-grace-ms to finish.",
    worker_opt_list,
    sizeof worker_opt_list / sizeof worker_opt_list[0],
    worker_check,
};

const char ol_cmd_worker_usage[] =
    "usage: outlayer worker [OPTIONS]\n"
    "Runs jobs for a coordinator. `outlayer worker --help` lists the options (each also as an\n"
    "OUTLAYER_* environment variable or a config-file line); --print-config shows their values.\n";

static ol_worker *volatile g_worker;

static void on_signal(int sig)
{
    (void)sig;
    ol_worker *w = g_worker;
    if (w != NULL)
        ol_worker_stop(w); /* one atomic store */
}

int ol_cmd_worker(int argc, char **argv)
{
    worker_opts o;
    ol_opts_result res;
    ol_diag d = {0};
    ol_worker *w = NULL;
    int status = OL_EXIT_FAIL;
    memset(&res, 0, sizeof res);
    /* Before any JSON is parsed: the keystore's answers hold plaintext secrets, so every block
     * jansson frees is wiped (process-wide; set before threads start). */
    ol_ks_json_wipe_on_free();
    if (ol_opts_load(&ol_cmd_worker_opts, &o, argc - 1, argv + 1, NULL, &res, &d) != OL_OK) {
        ol_cmd_error("%s", d.msg);
        return OL_EXIT_USAGE;
    }
    if (res.help) {
        ol_opts_help(&ol_cmd_worker_opts, stdout);
        status = OL_EXIT_OK;
        goto out;
    }
    if (res.print_config) {
        ol_opts_print(&ol_cmd_worker_opts, &o, stdout);
        status = OL_EXIT_OK;
        goto out;
    }
    if (res.npos != 0) {
        ol_cmd_error("worker: unexpected argument '%s'", res.pos[0]);
        status = OL_EXIT_USAGE;
        goto out;
    }
    ol_log_level level = OL_LOG_INFO;
    ol_log_level_parse(o.log_level, &level);
    ol_log_set_level(level);

    ol_worker_config cfg = {
        .coordinator_url = o.coordinator_url,
        .token = o.worker_token,
        .data_dir = o.data_dir,
        .name = o.name,
        .concurrency = (unsigned)o.concurrency,
        .cache_bytes = (size_t)o.wasm_cache_mb << 20,
        .poll_timeout_ms = (uint32_t)o.poll_timeout_ms,
        .shutdown_grace_ms = (uint32_t)o.shutdown_grace_ms,
        .http_timeout_ms = (uint32_t)o.http_timeout_ms,
        .register_timeout_ms = (uint32_t)o.register_timeout_ms,
        .unreachable_timeout_ms = (uint32_t)o.unreachable_timeout_ms,
        .keystore_url = o.keystore_url,
        .keystore_token = o.keystore_token,
    };
    if (ol_worker_new(&cfg, &w, &d) != OL_OK) {
        ol_cmd_error("worker: %s", d.msg);
        goto out;
    }
    /* A peer closing a connection must not kill the process; signals only set a flag. */
    signal(SIGPIPE, SIG_IGN);
    g_worker = w;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    ol_err rc = ol_worker_run(w, &d);
    ol_worker_stats st;
    ol_worker_get_stats(w, &st);
    if (rc != OL_OK)
        ol_cmd_error("worker: %s", d.msg);
    else
        status = OL_EXIT_OK;
    if (st.abandoned > 0) {
        /* Threads are still inside runs and use the worker: leave it to the process exit. */
        w = NULL;
    }
out:
    g_worker = NULL;
    ol_worker_free(w);
    free(res.pos);
    ol_opts_free(&ol_cmd_worker_opts, &o);
    return status;
}
