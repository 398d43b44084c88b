/* Fuzz target: a raw HTTP/1.1 request (request line, headers, body) into the coordinator's
 * router and JSON handlers, without sockets. The coordinator runs on a throwaway SQLite store
 * seeded with a project (alice.near/app), a payment key (bob.near:1:<64 x 'a'>), the admin
 * token "fuzz-admin" and the worker token "fuzz-worker" (worker id "fuzz-w1"), so inputs can
 * reach past authentication. Waits are configured to end at once (sync calls give up on the
 * queue after 1 ms; polls never wait), so every input finishes quickly.
 *
 * The parser here is deliberately lenient (it is not under test): it only splits the input
 * into what libmicrohttpd would hand the glue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "fuzz.h"
#include "ol/coord.h"
#include "ol/log.h"

#define MAX_HDRS 32

static ol_store *store;
static ol_coord *coord;
static char dir[64];

static uint64_t fixed_now(void *ud)
{
    (void)ud;
    return 1700000000000ull;
}

static void cleanup(void)
{
    ol_coord_free(coord);
    ol_store_close(store);
    char p[128];
    snprintf(p, sizeof p, "%s/f.db", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/f.db-wal", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/f.db-shm", dir);
    unlink(p);
    rmdir(dir);
}

static void init(void)
{
    ol_log_set_level(OL_LOG_ERROR);
    if (sodium_init() < 0)
        abort();
    snprintf(dir, sizeof dir, "/tmp/ol-fuzz-coord-XXXXXX");
    if (mkdtemp(dir) == NULL)
        abort();
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/f.db", dir);
    if (ol_store_open(url, NULL, &store, NULL) != OL_OK)
        abort();
    ol_coord_config cfg;
    ol_opts_result res;
    char *noenv[] = {NULL};
    if (ol_opts_load(&ol_coord_opt_table, &cfg, 0, NULL, noenv, &res, NULL) != OL_OK)
        abort();
    free(res.pos);
    free(cfg.admin_token);
    cfg.admin_token = strdup("fuzz-admin");
    free(cfg.worker_token);
    cfg.worker_token = strdup("fuzz-worker");
    cfg.queue_wait_ms = 1;
    cfg.sync_timeout_ms = 100;
    cfg.max_poll_ms = 0;
    cfg.rate_limit_per_minute = 0;
    cfg.max_concurrent_calls = 0;
    if (ol_coord_new(&cfg, store, &coord, NULL) != OL_OK)
        abort();
    ol_opts_free(&ol_coord_opt_table, &cfg);
    ol_coord_set_clock(coord, fixed_now, NULL);

    static const uint8_t mod[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    ol_store_project_create(store, "alice.near", "app", 1, NULL);
    ol_store_version_add(store, "alice.near", "app", mod, sizeof mod, true, 1, NULL, NULL);
    char secret[65];
    memset(secret, 'a', 64);
    secret[64] = '\0';
    ol_store_key_spec spec = {
        .owner = "bob.near", .nonce = 1, .initial_balance = UINT64_C(1000000000000)};
    crypto_hash_sha256(spec.secret_sha256, (const uint8_t *)secret, 64);
    ol_store_key_create(store, &spec, 1, NULL, NULL);
    uint8_t th[32];
    crypto_hash_sha256(th, (const uint8_t *)"fuzz-worker", 11);
    ol_store_worker_register(store, th, "fuzz", "ed25519:11111111111111111111111111111111", 1,
                             "fuzz-w1", 1, NULL, NULL);
    atexit(cleanup);
}

/* A NUL-terminated copy of p[0..n). */
static char *dupn(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL)
        abort();
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (coord == NULL)
        init();
    /* Request line. */
    const uint8_t *end = data + size;
    const uint8_t *eol = memchr(data, '\n', size);
    if (eol == NULL)
        return 0;
    char *line = dupn(data, (size_t)(eol - data));
    size_t ll = strlen(line);
    if (ll > 0 && line[ll - 1] == '\r')
        line[ll - 1] = '\0';
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
    if (sp1 == NULL) {
        free(line);
        return 0;
    }
    *sp1 = '\0';
    if (sp2 != NULL)
        *sp2 = '\0';
    char *target = sp1 + 1;
    char *query = strchr(target, '?');
    if (query != NULL)
        *query++ = '\0';

    /* Headers until an empty line. */
    ol_coord_header hv[MAX_HDRS];
    char *hstore[MAX_HDRS];
    size_t nh = 0;
    const uint8_t *p = eol + 1;
    size_t content_length = SIZE_MAX;
    while (p < end) {
        const uint8_t *e = memchr(p, '\n', (size_t)(end - p));
        size_t n = e != NULL ? (size_t)(e - p) : (size_t)(end - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        const uint8_t *next = e != NULL ? e + 1 : end;
        if (n == 0) {
            p = next;
            break;
        }
        if (nh < MAX_HDRS) {
            char *h = dupn(p, n);
            char *colon = strchr(h, ':');
            if (colon != NULL) {
                *colon = '\0';
                char *v = colon + 1;
                while (*v == ' ' || *v == '\t')
                    v++;
                hv[nh].name = h;
                hv[nh].value = v;
                hstore[nh++] = h;
                if (strcasecmp(h, "Content-Length") == 0)
                    content_length = (size_t)strtoull(v, NULL, 10);
            } else {
                free(h);
            }
        }
        p = next;
    }
    size_t body_len = (size_t)(end - p);
    if (content_length < body_len)
        body_len = content_length;

    ol_coord_req req = {.method = line,
                        .path = target,
                        .query = query,
                        .headers = hv,
                        .nheaders = nh,
                        .body = body_len > 0 ? p : NULL,
                        .body_len = body_len};
    ol_near_arena *ar = NULL;
    if (ol_near_arena_new(NULL, &ar, NULL) != OL_OK)
        abort();
    ol_coord_resp resp;
    ol_coord_handle(coord, &req, ar, &resp);
    if (resp.defer.kind != OL_COORD_DEFER_NONE) {
        ol_coord_defer df = resp.defer;
        ol_coord_finish(coord, &df, ar, &resp);
    }
    /* Every response is a valid status with a body the glue can send. */
    if (resp.status < 100 || resp.status > 599 || (resp.body == NULL && resp.body_len != 0) ||
        resp.defer.kind != OL_COORD_DEFER_NONE)
        abort();
    ol_near_arena_free(ar);
    for (size_t i = 0; i < nh; i++)
        free(hstore[i]);
    free(line);
    return 0;
}
