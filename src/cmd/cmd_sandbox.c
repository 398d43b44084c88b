/* `outlayer sandbox`: a local NEAR-compatible chain (src/chain) with its JSON-RPC server.
 * Produces a block every --block-time-ms until SIGINT/SIGTERM. The stop signals are blocked in
 * every thread and the main loop waits for them with sigtimedwait(), which is also the block
 * timer, so nothing runs in signal context. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "ol/chain.h"
#include "ol/log.h"

const char ol_cmd_sandbox_usage[] =
    "usage: outlayer sandbox [--data-dir D] [--port 3030] [--host 127.0.0.1]\n"
    "                        [--block-time-ms 100] [--chain-id sandbox] [--log-level L]\n"
    "                        [--state-history-blocks N | --archival]\n"
    "\n"
    "Runs a local NEAR-compatible chain: contracts run on OutLayer's engine with NEAR's host\n"
    "functions, and the node answers NEAR JSON-RPC on http://HOST:PORT/ (port 0: any free\n"
    "port). A new data dir gets the root account test.near with 1,000,000,000 NEAR and a\n"
    "full-access key in D/test.near.json (near-cli credentials). State lives in D/chain.db\n"
    "and survives a restart. Prints \"rpc: URL\", \"key_file: PATH\" and \"chain_id: ID\" on\n"
    "standard output once the server listens. Stops on SIGINT/SIGTERM.\n"
    "  --data-dir D         default ./.outlayer/sandbox\n"
    "  --block-time-ms N    interval between blocks, 1..60000 (default 100)\n"
    "  --log-level L        error, warn, info (default) or debug\n"
    "  --state-history-blocks N\n"
    "                       queries can read the state of the last N blocks (default 216000,\n"
    "                       nearcore's 5 epochs); older ones answer GARBAGE_COLLECTED_BLOCK\n"
    "  --archival           keep the state of every block (same as --state-history-blocks 0)\n";

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
    va_list ap;
    fputs("outlayer: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nrun 'outlayer help sandbox' for usage\n", stderr);
    return OL_EXIT_USAGE;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

int ol_cmd_sandbox(int argc, char **argv)
{
    const char *data_dir = "./.outlayer/sandbox", *chain_id = "sandbox", *host = "127.0.0.1";
    const char *log_level = "info";
    uint64_t port = 3030, block_ms = 100, history = OL_CHAIN_STATE_HISTORY_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (ol_cmd_is_help(a)) {
            fputs(ol_cmd_sandbox_usage, stdout);
            return OL_EXIT_OK;
        }
        if (strcmp(a, "--archival") == 0) {
            history = 0;
            continue;
        }
        if (i + 1 >= argc)
            return usage("unknown argument or missing value: '%s'", a);
        const char *v = argv[++i];
        if (strcmp(a, "--data-dir") == 0)
            data_dir = v;
        else if (strcmp(a, "--chain-id") == 0)
            chain_id = v;
        else if (strcmp(a, "--host") == 0)
            host = v;
        else if (strcmp(a, "--log-level") == 0)
            log_level = v;
        else if (strcmp(a, "--port") == 0) {
            if (!ol_cmd_parse_u64(v, 65535, &port))
                return usage("--port: '%s' is not a port number", v);
        } else if (strcmp(a, "--state-history-blocks") == 0) {
            if (!ol_cmd_parse_u64(v, UINT64_MAX, &history))
                return usage("--state-history-blocks: '%s' is not a number of blocks", v);
        } else if (strcmp(a, "--block-time-ms") == 0) {
            if (!ol_cmd_parse_u64(v, 60000, &block_ms) || block_ms == 0)
                return usage("--block-time-ms: '%s' is not 1..60000", v);
        } else {
            return usage("unknown option '%s'", a);
        }
    }
    ol_log_level lvl;
    if (!ol_log_level_parse(log_level, &lvl))
        return usage("--log-level: '%s' is not error, warn, info or debug", log_level);
    ol_log_set_level(lvl);

    /* Block the stop signals before any thread starts; the main loop sigtimedwait()s. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    ol_diag d = {0};
    ol_chain *c = NULL;
    ol_chain_server *srv = NULL;
    int status = OL_EXIT_FAIL;
    ol_chain_config cfg = {data_dir, chain_id};
    if (ol_chain_open(&cfg, &c, &d) != OL_OK) {
        ol_cmd_error("sandbox: %s", d.msg);
        return d.code == OL_E_INVAL ? OL_EXIT_USAGE : OL_EXIT_FAIL;
    }
    ol_chain_set_state_history(c, history);
    if (ol_chain_server_start(c, host, (uint16_t)port, &srv, &d) != OL_OK) {
        ol_cmd_error("sandbox: %s", d.msg);
        goto out;
    }
    printf("rpc: http://%s:%u\nkey_file: %s/%s.json\nchain_id: %s\n", host,
           (unsigned)ol_chain_server_port(srv), data_dir, OL_CHAIN_ROOT_ACCOUNT, chain_id);
    fflush(stdout);
    OL_LOG(OL_LOG_INFO, "event=sandbox_started port=%u height=%llu",
           (unsigned)ol_chain_server_port(srv), (unsigned long long)ol_chain_head_height(c));
    for (;;) {
        struct timespec ts = {(time_t)(block_ms / 1000), (long)(block_ms % 1000) * 1000000L};
        int sig = sigtimedwait(&stop, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            OL_LOG(OL_LOG_INFO, "event=stopping signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
            break;
        }
        if (sig < 0 && errno != EAGAIN && errno != EINTR) {
            ol_cmd_error("sandbox: sigtimedwait: %s", strerror(errno));
            goto out;
        }
        if (ol_chain_produce_block(c, now_ns(), &d) != OL_OK) {
            ol_cmd_error("sandbox: block production failed: %s", d.msg);
            goto out;
        }
    }
    status = OL_EXIT_OK;
out:
    ol_chain_server_stop(srv);
    ol_chain_close(c);
    return status;
}
