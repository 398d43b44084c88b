/* The option table of `outlayer coordinator`, and the money rules: the price of a run and the
 * derivation of a run's limits from its compute limit.
 *
 * Invariant (tested exhaustively on small values in test_coord_money.c): for every compute
 * limit L accepted by ol_coord_budget_derive(), price(max_instructions, max_execution_ms) <= L,
 * and a charge computed with the time capped at max_execution_ms can therefore never exceed L.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "coord_int.h"
#include "ol/keystore.h"
#include "ol/queue.h"

#define MIB      (1024u * 1024u)
#define O(field) offsetof(ol_coord_config, field)

/* The per-million price is bounded so that (instructions % 1e6) * price fits in 64 bits. */
#define PRICE_PER_MILLION_MAX UINT64_C(1000000000000)

static const ol_opt coord_opts[] = {
    {"db", OL_OPT_STR, "sqlite:./outlayer.db", 0, 0, "OUTLAYER_DB",
     "store URL (sqlite:PATH[?sync=full])", O(db), 0},
    {"host", OL_OPT_STR, "127.0.0.1", 0, 0, "OUTLAYER_HOST", "listen address (IPv4)", O(host), 0},
    {"port", OL_OPT_U64, "8080", 0, 65535, "OUTLAYER_PORT",
     "TCP port; 0 picks a free one (printed on stdout and written to --port-file)", O(port), 0},
    {"port-file", OL_OPT_STR, "", 0, 0, "OUTLAYER_PORT_FILE",
     "write the bound port to this file once listening", O(port_file), 0},
    {"admin-token", OL_OPT_STR, "", 0, 0, "OUTLAYER_ADMIN_TOKEN",
     "bearer token for /admin routes (only its SHA-256 is kept)", O(admin_token), OL_OPT_SECRET},
    {"admin-token-sha256", OL_OPT_STR, "", 0, 0, "OUTLAYER_ADMIN_TOKEN_SHA256",
     "SHA-256 (hex) of the admin token, instead of the token", O(admin_token_sha256), 0},
    {"worker-token", OL_OPT_STR, "", 0, 0, "OUTLAYER_WORKER_TOKEN",
     "a worker bearer token accepted besides those issued by POST /admin/worker-tokens",
     O(worker_token), OL_OPT_SECRET},
    {"worker-token-sha256", OL_OPT_STR, "", 0, 0, "OUTLAYER_WORKER_TOKEN_SHA256",
     "SHA-256 (hex) of that worker token, instead of the token", O(worker_token_sha256), 0},
    {"http-threads", OL_OPT_U64, "0", 0, 256, "OUTLAYER_HTTP_THREADS",
     "libmicrohttpd thread-pool size; 0 = number of cores", O(http_threads), 0},
    {"max-waiters", OL_OPT_U64, "4096", 1, 65536, "OUTLAYER_MAX_WAITERS",
     "requests that may wait at once (sync calls, long polls); more get 503", O(max_waiters), 0},
    {"max-body-bytes", OL_OPT_U64, "10Mi", 1024, 10 * MIB, "OUTLAYER_MAX_BODY_BYTES",
     "request body cap", O(max_body_bytes), 0},
    {"max-worker-body-bytes", OL_OPT_U64, "96Mi", MIB, 256 * MIB, "OUTLAYER_MAX_WORKER_BODY_BYTES",
     "body cap of a worker's POST /worker/complete (output and transcript, base64)",
     O(max_worker_body_bytes), 0},
    {"db-pool", OL_OPT_U64, "8", 1, 64, "OUTLAYER_DB_POOL", "database connections", O(db_pool), 0},
    {"db-busy-timeout-ms", OL_OPT_U64, "5000", 1, 600000, "OUTLAYER_DB_BUSY_TIMEOUT_MS",
     "how long to wait for a database lock held by another process", O(db_busy_timeout_ms), 0},
    {"queue", OL_OPT_STR, "sql", 0, 0, "OUTLAYER_QUEUE",
     "task queue (default sql): sql, the store's task table, or "
     "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]",
     O(queue), OL_OPT_SECRET},
    {"queue-prefix", OL_OPT_STR, OL_QUEUE_DEFAULT_PREFIX, 0, 0, "OUTLAYER_QUEUE_PREFIX",
     "Redis key prefix and notification channel; coordinators sharing work use the same one",
     O(queue_prefix), 0},

    {"price-base", OL_OPT_U64, "100", 0, OL_STORE_MONEY_MAX, "OUTLAYER_PRICE_BASE",
     "base fee per call, micro-USD", O(price_base), 0},
    {"price-per-million-instructions", OL_OPT_U64, "1", 0, PRICE_PER_MILLION_MAX,
     "OUTLAYER_PRICE_PER_MILLION_INSTRUCTIONS", "micro-USD per million instructions",
     O(price_per_million_instructions), 0},
    {"price-per-ms", OL_OPT_U64, "1", 0, UINT64_C(1000000000), "OUTLAYER_PRICE_PER_MS",
     "micro-USD per millisecond of run time", O(price_per_ms), 0},

    {"default-compute-limit", OL_OPT_U64, "10000", 1, OL_STORE_MONEY_MAX,
     "OUTLAYER_DEFAULT_COMPUTE_LIMIT", "X-Compute-Limit when absent, micro-USD",
     O(default_compute_limit), 0},
    {"min-compute-limit", OL_OPT_U64, "1000", 1, OL_STORE_MONEY_MAX, "OUTLAYER_MIN_COMPUTE_LIMIT",
     "smallest X-Compute-Limit accepted, micro-USD", O(min_compute_limit), 0},
    {"max-compute-limit", OL_OPT_U64, "1000000000", 1, OL_STORE_MONEY_MAX,
     "OUTLAYER_MAX_COMPUTE_LIMIT", "largest X-Compute-Limit accepted, micro-USD",
     O(max_compute_limit), 0},
    {"rate-limit-per-minute", OL_OPT_U64, "1000", 0, 100000000, "OUTLAYER_RATE_LIMIT_PER_MINUTE",
     "/call requests per payment key per minute; 0 = unlimited", O(rate_limit_per_minute), 0},
    {"max-concurrent-calls", OL_OPT_U64, "10", 0, 1000000, "OUTLAYER_MAX_CONCURRENT_CALLS",
     "unfinished calls per payment key; 0 = unlimited", O(max_concurrent_calls), 0},
    {"default-execution-ms", OL_OPT_U64, "60000", 1, 86400000, "OUTLAYER_DEFAULT_EXECUTION_MS",
     "run time limit when the body sets none (lowered to what half the budget buys)",
     O(default_execution_ms), 0},
    {"max-execution-ms", OL_OPT_U64, "180000", 1, 86400000, "OUTLAYER_MAX_EXECUTION_MS",
     "cap on resource_limits.max_execution_seconds", O(max_execution_ms), 0},
    {"max-instructions", OL_OPT_U64, "500000000000", 1, (uint64_t)INT64_MAX,
     "OUTLAYER_MAX_INSTRUCTIONS", "cap on the instruction budget of a run", O(max_instructions), 0},
    {"default-memory-mb", OL_OPT_U64, "128", 1, 4096, "OUTLAYER_DEFAULT_MEMORY_MB",
     "memory limit when the body sets none", O(default_memory_mb), 0},
    {"max-memory-mb", OL_OPT_U64, "1024", 1, 4096, "OUTLAYER_MAX_MEMORY_MB",
     "cap on resource_limits.max_memory_mb", O(max_memory_mb), 0},
    {"max-output-bytes", OL_OPT_U64, "1Mi", 1, 10 * MIB, "OUTLAYER_MAX_OUTPUT_BYTES",
     "stdout cap of a run", O(max_output_bytes), 0},
    {"max-input-bytes", OL_OPT_U64, "10Mi", 1, 10 * MIB, "OUTLAYER_MAX_INPUT_BYTES",
     "cap on the serialised input of a call", O(max_input_bytes), 0},

    {"lease-ms", OL_OPT_U64, "10000", 100, 3600000, "OUTLAYER_LEASE_MS",
     "task lease; the worker renews it while running", O(lease_ms), 0},
    {"heartbeat-ms", OL_OPT_U64, "3000", 100, 3600000, "OUTLAYER_HEARTBEAT_MS",
     "worker heartbeat interval (stale after 3 missed)", O(heartbeat_ms), 0},
    {"max-attempts", OL_OPT_U64, "3", 1, 100, "OUTLAYER_MAX_ATTEMPTS",
     "deliveries of a task before its call fails with worker_lost", O(max_attempts), 0},
    {"queue-wait-ms", OL_OPT_U64, "10000", 1, 3600000, "OUTLAYER_QUEUE_WAIT_MS",
     "a sync call waits this long for a worker, then 503", O(queue_wait_ms), 0},
    {"queue-ttl-ms", OL_OPT_U64, "600000", 1000, 604800000, "OUTLAYER_QUEUE_TTL_MS",
     "an async call unclaimed this long fails with no_worker_available", O(queue_ttl_ms), 0},
    {"sync-timeout-ms", OL_OPT_U64, "300000", 100, 3600000, "OUTLAYER_SYNC_TIMEOUT_MS",
     "a sync call answers 202 with its pending record after this long", O(sync_timeout_ms), 0},
    {"max-poll-ms", OL_OPT_U64, "60000", 0, 60000, "OUTLAYER_MAX_POLL_MS",
     "cap on a worker's long poll", O(max_poll_ms), 0},
    {"sweep-ms", OL_OPT_U64, "250", 10, 60000, "OUTLAYER_SWEEP_MS", "lease sweeper period",
     O(sweep_ms), 0},
    {"log-level", OL_OPT_STR, "info", 0, 0, "OUTLAYER_LOG_LEVEL", "error, warn, info or debug",
     O(log_level), 0},

    {"keystore-url", OL_OPT_STR, "", 0, 0, "OUTLAYER_KEYSTORE_URL",
     "base URL of the keystore (http:// or https://); empty: secrets cannot be stored",
     O(keystore_url), 0},
    {"keystore-token", OL_OPT_STR, "", 0, 0, "OUTLAYER_KEYSTORE_TOKEN",
     "the coordinator's bearer token at the keystore", O(keystore_token), OL_OPT_SECRET},
    {"signing-key-file", OL_OPT_STR, "", 0, 0, "OUTLAYER_SIGNING_KEY_FILE",
     "near-cli credentials JSON whose private_key signs run grants; empty: calls with "
     "secrets_ref run without secrets",
     O(signing_key_file), 0},
    {"grant-ttl-s", OL_OPT_U64, "300", 1, OL_KS_GRANT_TTL_MAX, "OUTLAYER_GRANT_TTL_S",
     "lifetime of a run grant (seconds)", O(grant_ttl_s), 0},
};

static bool hex64_ok(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return true;
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

ol_err ol__coord_config_check(const void *p, ol_diag *d)
{
    const ol_coord_config *c = p;
    ol_log_level lv;
    if (c->min_compute_limit > c->max_compute_limit)
        return OL_FAIL(d, OL_E_INVAL, "min-compute-limit is above max-compute-limit");
    if (c->default_compute_limit < c->min_compute_limit ||
        c->default_compute_limit > c->max_compute_limit)
        return OL_FAIL(d, OL_E_INVAL,
                       "default-compute-limit must be within min- and max-compute-limit");
    if (c->default_execution_ms > c->max_execution_ms)
        return OL_FAIL(d, OL_E_INVAL, "default-execution-ms is above max-execution-ms");
    if (c->default_memory_mb > c->max_memory_mb)
        return OL_FAIL(d, OL_E_INVAL, "default-memory-mb is above max-memory-mb");
    if (c->price_per_million_instructions > PRICE_PER_MILLION_MAX)
        return OL_FAIL(d, OL_E_INVAL, "price-per-million-instructions is too large");
    if (!hex64_ok(c->admin_token_sha256))
        return OL_FAIL(d, OL_E_INVAL, "admin-token-sha256 must be 64 hex digits");
    if (!hex64_ok(c->worker_token_sha256))
        return OL_FAIL(d, OL_E_INVAL, "worker-token-sha256 must be 64 hex digits");
    if (c->keystore_url != NULL && c->keystore_url[0] != '\0' &&
        strncmp(c->keystore_url, "http://", 7) != 0 && strncmp(c->keystore_url, "https://", 8) != 0)
        return OL_FAIL(d, OL_E_INVAL, "keystore-url must start with http:// or https://");
    if (c->keystore_url != NULL && c->keystore_url[0] != '\0' &&
        (c->keystore_token == NULL || c->keystore_token[0] == '\0'))
        return OL_FAIL(d, OL_E_INVAL,
                       "keystore-url needs keystore-token (the keystore "
                       "refuses requests without a bearer token)");
    if (c->grant_ttl_s < 1 || c->grant_ttl_s > OL_KS_GRANT_TTL_MAX)
        return OL_FAIL(d, OL_E_INVAL, "grant-ttl-s must be 1..%u", OL_KS_GRANT_TTL_MAX);
    if (!ol_log_level_parse(c->log_level, &lv))
        return OL_FAIL(d, OL_E_INVAL, "log-level must be error, warn, info or debug");
    return OL_OK;
}

const ol_opt_table ol_coord_opt_table = {
    "coordinator",
    "usage: outlayer coordinator [OPTIONS]\n"
    "\n"
    "Serves the OutLayer HTTPS API (docs/api.md) and the worker protocol\n"
    "(docs/platform-protocol.md) on a store (SQLite by default). Prints\n"
    "`outlayer coordinator listening on http://HOST:PORT` on stdout once ready; stops cleanly\n"
    "on SIGINT/SIGTERM. All state is in the store and survives a restart.",
    coord_opts,
    sizeof coord_opts / sizeof coord_opts[0],
    ol__coord_config_check,
};

void ol__coord_config_defaults(ol_coord_config *cfg)
{
    ol_opts_result res;
    char *const noenv[] = {NULL};
    /* Defaults never fail; the argument list is empty and the environment is ignored. */
    if (ol_opts_load(&ol_coord_opt_table, cfg, 0, NULL, noenv, &res, NULL) == OL_OK)
        free((void *)res.pos);
}

/* ------------------------------------ money ------------------------------------ */

ol_err ol_coord_price(const ol_coord_prices *p, uint64_t instructions, uint64_t time_ms,
                      uint64_t time_cap_ms, uint64_t *out, ol_diag *d)
{
    uint64_t q = instructions / 1000000, r = instructions % 1000000;
    uint64_t instr_cost, frac, time_cost, total;
    if (p->per_million_instructions > PRICE_PER_MILLION_MAX)
        return OL_FAIL(d, OL_E_RANGE, "price per million instructions too large");
    /* ceil(instructions * per_million / 1e6) = q * per_million + ceil(r * per_million / 1e6),
     * where r * per_million <= 1e6 * 1e12 fits in 64 bits. */
    frac = (r * p->per_million_instructions + 999999) / 1000000;
    if (time_cap_ms != 0 && time_ms > time_cap_ms)
        time_ms = time_cap_ms;
    if (__builtin_mul_overflow(q, p->per_million_instructions, &instr_cost) ||
        __builtin_add_overflow(instr_cost, frac, &instr_cost) ||
        __builtin_mul_overflow(time_ms, p->per_ms, &time_cost) ||
        __builtin_add_overflow(p->base, instr_cost, &total) ||
        __builtin_add_overflow(total, time_cost, &total))
        return OL_FAIL(d, OL_E_RANGE, "price overflows");
    *out = total;
    return OL_OK;
}

/* floor(rest * 1e6 / per_million), saturating at cap. */
static uint64_t instructions_for(uint64_t rest, uint64_t per_million, uint64_t cap)
{
    if (per_million == 0)
        return cap;
    uint64_t q = rest / per_million, r = rest % per_million;
    if (q > cap / 1000000)
        return cap;
    /* r < per_million <= 1e12, so r * 1e6 < 1e18 fits. */
    uint64_t n = q * 1000000 + (r * 1000000) / per_million;
    return n < cap ? n : cap;
}

ol_err ol_coord_budget_derive(const ol_coord_config *cfg, uint64_t compute_limit,
                              uint64_t req_instructions, uint64_t req_exec_ms,
                              uint64_t req_memory_mb, ol_coord_budget *out, ol_diag *d)
{
    uint64_t base = cfg->price_base, per_m = cfg->price_per_million_instructions;
    uint64_t per_ms = cfg->price_per_ms;
    if (compute_limit <= base)
        return OL_FAIL(d, OL_E_RANGE,
                       "compute limit %llu does not cover the base fee of %llu micro-USD",
                       (unsigned long long)compute_limit, (unsigned long long)base);
    uint64_t a = compute_limit - base;

    uint64_t ms;
    if (req_exec_ms != 0) {
        ms = req_exec_ms < cfg->max_execution_ms ? req_exec_ms : cfg->max_execution_ms;
        /* ms * per_ms >= a is "too low"; test without multiplying. */
        if (per_ms != 0 && ms >= (a + per_ms - 1) / per_ms)
            return OL_FAIL(d, OL_E_RANGE,
                           "compute limit %llu is too low for a %llu ms time limit "
                           "(%llu micro-USD per ms, base fee %llu)",
                           (unsigned long long)compute_limit, (unsigned long long)ms,
                           (unsigned long long)per_ms, (unsigned long long)base);
    } else {
        ms = cfg->default_execution_ms;
        if (per_ms != 0 && ms > (a / 2) / per_ms)
            ms = (a / 2) / per_ms;
        if (ms == 0)
            return OL_FAIL(d, OL_E_RANGE, "compute limit %llu is too low to run at all",
                           (unsigned long long)compute_limit);
    }
    uint64_t rest = a - ms * per_ms; /* ms * per_ms < a: no overflow, no underflow */

    uint64_t instr = instructions_for(rest, per_m, cfg->max_instructions);
    if (req_instructions != 0 && req_instructions < instr)
        instr = req_instructions;
    if (instr == 0)
        return OL_FAIL(d, OL_E_RANGE, "compute limit %llu is too low to run any instruction",
                       (unsigned long long)compute_limit);

    uint64_t mem = cfg->default_memory_mb;
    if (req_memory_mb != 0) {
        if (req_memory_mb > cfg->max_memory_mb)
            return OL_FAIL(d, OL_E_INVAL, "max_memory_mb must be 1..%llu",
                           (unsigned long long)cfg->max_memory_mb);
        mem = req_memory_mb;
    }
    out->max_instructions = instr;
    out->max_execution_ms = ms;
    out->max_memory_mb = (uint32_t)mem;
    return OL_OK;
}
