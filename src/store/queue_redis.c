/* The Redis queue backend (`redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`, hiredis 0.14).
 *
 * Redis holds delivery order and lease deadlines; the store stays the authority on a task's
 * state and attempt (ol_store_task_claim_id, ol_store_task_lapse), so settlement is exactly
 * once whatever happens to Redis. Keys, for a prefix P:
 *   P:ready     ZSET  task id -> queued time (the caller's now_ms; never Redis TIME)
 *   P:inflight  ZSET  task id -> lease deadline
 *   P:lease:ID  HASH  {worker, attempt}: attempt "0" while a claim is between Redis and the
 *                     store; worker "" once a sweeper revoked the lease
 *   P:events    the pub/sub channel of ol_queue_publish / ol_queue_subscribe
 * Every step that touches more than one key is one Lua script (atomic), and no script ever
 * leaves a task in both ready and inflight. Lease keys are built inside scripts, so this needs
 * one Redis instance (not Cluster).
 *
 * Why each step is safe when a coordinator dies half-way:
 *   - claim: the script moves the task to inflight with attempt "0" before the store claims it.
 *     Dying after the store claim leaves that entry to lapse; the sweeper's
 *     ol_store_task_lapse(attempt 0) re-queues whatever attempt the store holds.
 *   - complete: the store settles first; a lost acknowledgement leaves an inflight entry the
 *     sweeper finds lapsed and removes (the store answers NOOP).
 *   - sweep: leases are first revoked and parked until now + grace_ms, so a sweeper that dies
 *     mid-pass is finished by another after the grace.
 *   - push: a task committed but never pushed (or dropped by a race) is re-added by the
 *     reconciliation pass once the store has held it queued for grace_ms.
 *   - Redis itself loses data: a task the store holds under an external lease that Redis no
 *     longer knows is adopted into inflight as a lapsed, revoked lease (claimed at least
 *     grace_ms ago), so the next sweep ends that attempt through the store.
 *
 * Connections: a pool of pool_size redisContexts behind a mutex (a context is never shared
 * between threads); a pooled one is checked before use (a closed socket is readable) and made
 * again; the subscription thread owns its own. Every connect, command and wait is bounded:
 * connect_timeout_ms, command_timeout_ms (SO_RCVTIMEO/SO_SNDTIMEO), TCP keepalive, and the pool
 * wait.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis.h>
#include <sodium.h>

#include "ol/log.h"
#include "queue_int.h"
#include "store_int.h"

#define RQ_CLAIM_TRIES  64  /* stale entries (cancelled or finished calls) skipped per claim */
#define RQ_RECONCILE_N  200 /* tasks per reconciliation script call */
#define RQ_IDLE_MS      1000
#define RQ_KEY_MAX      (OL_QUEUE_PREFIX_MAX + 16)
#define RQ_LEASE_KEY    (RQ_KEY_MAX + OL_STORE_ID_MAX)
#define RQ_WHERE_MAX    300
#define RQ_PASSWORD_MAX 512

/* ------------------------------------ scripts ------------------------------------ */

enum {
    S_PUSH,
    S_CLAIM,
    S_SETLEASE,
    S_DROP,
    S_RENEW,
    S_ACK,
    S_TAKE,
    S_FINISH,
    S_RECONCILE,
    S_ADOPT,
    S_COUNT,
};

static const char *const script_name[S_COUNT] = {
    "push", "claim", "setlease", "drop", "renew", "ack", "take", "finish", "reconcile", "adopt",
};

static const char *const script_text[S_COUNT] = {
    /* PUSH  KEYS: ready inflight  ARGV: task score. Not while it is in flight. */
    "if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end\n"
    "return redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])\n",

    /* CLAIM  KEYS: ready inflight  ARGV: deadline lease-key-prefix worker. Pops the oldest
     * ready task into inflight with a lease of attempt "0"; a ready entry that is somehow also
     * in flight is discarded (it is already delivered). */
    "for i = 1, 64 do\n"
    "  local m = redis.call('ZPOPMIN', KEYS[1])\n"
    "  if m[1] == nil then return false end\n"
    "  if not redis.call('ZSCORE', KEYS[2], m[1]) then\n"
    "    local k = ARGV[2] .. m[1]\n"
    "    redis.call('ZADD', KEYS[2], ARGV[1], m[1])\n"
    "    redis.call('DEL', k)\n"
    "    redis.call('HSET', k, 'worker', ARGV[3], 'attempt', '0')\n"
    "    return m[1]\n"
    "  end\n"
    "end\n"
    "return false\n",

    /* SETLEASE  KEYS: inflight lease  ARGV: task worker attempt. Records the store's attempt
     * if the claim's entry is still there, unrevoked. */
    "if redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "   and redis.call('HGET', KEYS[2], 'worker') == ARGV[2]\n"
    "   and redis.call('HGET', KEYS[2], 'attempt') == '0' then\n"
    "  redis.call('HSET', KEYS[2], 'attempt', ARGV[3])\n"
    "  return 1\n"
    "end\n"
    "return 0\n",

    /* DROP  KEYS: inflight lease  ARGV: task worker. The store refused the claim. */
    "if redis.call('HGET', KEYS[2], 'worker') == ARGV[2]\n"
    "   and redis.call('HGET', KEYS[2], 'attempt') == '0' then\n"
    "  redis.call('ZREM', KEYS[1], ARGV[1])\n"
    "  redis.call('DEL', KEYS[2])\n"
    "  return 1\n"
    "end\n"
    "return 0\n",

    /* RENEW  KEYS: inflight lease  ARGV: task worker attempt deadline. */
    "if redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "   and redis.call('HGET', KEYS[2], 'worker') == ARGV[2]\n"
    "   and redis.call('HGET', KEYS[2], 'attempt') == ARGV[3] then\n"
    "  redis.call('ZADD', KEYS[1], 'XX', ARGV[4], ARGV[1])\n"
    "  return 1\n"
    "end\n"
    "return 0\n",

    /* ACK  KEYS: inflight lease  ARGV: task attempt. After the store settled. */
    "if redis.call('HGET', KEYS[2], 'attempt') == ARGV[2] then\n"
    "  redis.call('ZREM', KEYS[1], ARGV[1])\n"
    "  redis.call('DEL', KEYS[2])\n"
    "  return 1\n"
    "end\n"
    "return 0\n",

    /* TAKE  KEYS: inflight  ARGV: now limit parked-deadline lease-key-prefix. Revokes up to
     * `limit` lapsed leases (a late renew then fails) and parks them, returning id, attempt
     * pairs. */
    "local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])\n"
    "local out = {}\n"
    "for _, id in ipairs(ids) do\n"
    "  local k = ARGV[4] .. id\n"
    "  local a = redis.call('HGET', k, 'attempt') or '0'\n"
    "  redis.call('HSET', k, 'worker', '', 'attempt', a)\n"
    "  redis.call('ZADD', KEYS[1], ARGV[3], id)\n"
    "  out[#out + 1] = id\n"
    "  out[#out + 1] = a\n"
    "end\n"
    "return out\n",

    /* FINISH  KEYS: inflight ready lease  ARGV: task attempt requeue score. Ends a revoked
     * lease this sweeper took; back to ready when the store re-queued the task. */
    "if not redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "   or redis.call('HGET', KEYS[3], 'worker') ~= ''\n"
    "   or redis.call('HGET', KEYS[3], 'attempt') ~= ARGV[2] then\n"
    "  return 0\n"
    "end\n"
    "redis.call('ZREM', KEYS[1], ARGV[1])\n"
    "redis.call('DEL', KEYS[3])\n"
    "if ARGV[3] == '1' then redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[1]) end\n"
    "return 1\n",

    /* RECONCILE  KEYS: ready inflight  ARGV: task score pairs. Adds the ones Redis does not
     * know at all. */
    "local n = 0\n"
    "for i = 1, #ARGV, 2 do\n"
    "  if not redis.call('ZSCORE', KEYS[1], ARGV[i])\n"
    "     and not redis.call('ZSCORE', KEYS[2], ARGV[i]) then\n"
    "    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n",

    /* ADOPT  KEYS: ready inflight  ARGV: lease-key-prefix now, then task attempt pairs. A task
     * the store holds under an external lease that Redis does not know at all (Redis lost
     * data) goes into inflight already lapsed and revoked, so the next sweep ends that attempt
     * through the store like any other lapsed lease. */
    "local n = 0\n"
    "for i = 3, #ARGV, 2 do\n"
    "  if not redis.call('ZSCORE', KEYS[1], ARGV[i])\n"
    "     and not redis.call('ZSCORE', KEYS[2], ARGV[i]) then\n"
    "    local k = ARGV[1] .. ARGV[i]\n"
    "    redis.call('DEL', k)\n"
    "    redis.call('HSET', k, 'worker', '', 'attempt', ARGV[i + 1])\n"
    "    redis.call('ZADD', KEYS[2], ARGV[2], ARGV[i])\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n",
};

/* ------------------------------------ the queue ------------------------------------ */

typedef struct rconn {
    redisContext *c;
    bool in_use;
} rconn;

typedef struct redis_queue {
    ol_queue base;
    char host[256];
    int port;
    unsigned db;
    char user[128];                 /* "" when none (plain AUTH password) */
    char password[RQ_PASSWORD_MAX]; /* "" when none; zeroed at close */
    char where[RQ_WHERE_MAX];       /* "host:port" for messages: never the password */

    char k_ready[RQ_KEY_MAX], k_inflight[RQ_KEY_MAX], k_lease[RQ_KEY_MAX], k_events[RQ_KEY_MAX];
    char sha[S_COUNT][41];

    rconn *conns;
    size_t nconns;
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;

    redisContext *sub; /* the subscription thread's */
} redis_queue;

static redis_queue *RQ(ol_queue *q)
{
    return (redis_queue *)q;
}

static struct timeval ms_tv(uint32_t ms)
{
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    return tv;
}

/* ------------------------------------ URL ------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes src[0..n) into dst (cap bytes with the NUL). */
static bool pct_decode(char *dst, size_t cap, const char *src, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '%') {
            if (i + 2 >= n)
                return false;
            int h = hexval(src[i + 1]), l = hexval(src[i + 2]);
            if (h < 0 || l < 0)
                return false;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (c == '\0' || o + 1 >= cap)
            return false;
        dst[o++] = c;
    }
    dst[o] = '\0';
    return true;
}

/* rest: "[[USER]:PASSWORD@]HOST[:PORT][/DB]" (after "redis://"). */
static ol_err parse_url(redis_queue *r, const char *rest, ol_diag *d)
{
    if (strchr(rest, '?') != NULL || strchr(rest, '#') != NULL)
        return OL_FAIL(d, OL_E_INVAL, "redis URL: query parameters are not supported");
    const char *slash = strchr(rest, '/');
    size_t alen = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++) {
        if (rest[i] == '@')
            at = rest + i;
    }
    const char *host = rest;
    if (at != NULL) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        if (colon == NULL)
            return OL_FAIL(d, OL_E_INVAL,
                           "redis URL: the part before '@' must be :PASSWORD or USER:PASSWORD");
        if (!pct_decode(r->user, sizeof r->user, rest, (size_t)(colon - rest)))
            return OL_FAIL(d, OL_E_INVAL, "redis URL: bad user name");
        if (!pct_decode(r->password, sizeof r->password, colon + 1, (size_t)(at - colon - 1)))
            return OL_FAIL(d, OL_E_INVAL, "redis URL: bad password (percent-encoding or length)");
        if (r->password[0] == '\0')
            return OL_FAIL(d, OL_E_INVAL, "redis URL: empty password");
        host = at + 1;
    }
    size_t hlen = (size_t)(rest + alen - host);
    const char *port = NULL;
    if (hlen > 0 && host[0] == '[') {
        const char *close = memchr(host, ']', hlen);
        if (close == NULL)
            return OL_FAIL(d, OL_E_INVAL, "redis URL: unterminated '[' in the host");
        if (close + 1 < host + hlen) {
            if (close[1] != ':')
                return OL_FAIL(d, OL_E_INVAL, "redis URL: junk after ']' in the host");
            port = close + 2;
        }
        size_t n = (size_t)(close - host - 1);
        if (n == 0 || n >= sizeof r->host)
            return OL_FAIL(d, OL_E_INVAL, "redis URL: bad IPv6 host");
        memcpy(r->host, host + 1, n);
        r->host[n] = '\0';
    } else {
        const char *colon = memchr(host, ':', hlen);
        size_t n = colon != NULL ? (size_t)(colon - host) : hlen;
        if (colon != NULL)
            port = colon + 1;
        if (n == 0)
            return OL_FAIL(d, OL_E_INVAL, "redis URL: missing host");
        if (n >= sizeof r->host)
            return OL_FAIL(d, OL_E_INVAL, "redis URL: host name too long");
        memcpy(r->host, host, n);
        r->host[n] = '\0';
        for (size_t i = 0; i < n; i++) {
            char c = r->host[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_'))
                return OL_FAIL(d, OL_E_INVAL, "redis URL: bad character in host '%.64s'", r->host);
        }
    }
    r->port = 6379;
    if (port != NULL) {
        size_t n = (size_t)(rest + alen - port);
        unsigned long v = 0;
        if (n == 0 || n > 5)
            return OL_FAIL(d, OL_E_INVAL, "redis URL: bad port");
        for (size_t i = 0; i < n; i++) {
            if (port[i] < '0' || port[i] > '9')
                return OL_FAIL(d, OL_E_INVAL, "redis URL: bad port");
            v = v * 10 + (unsigned long)(port[i] - '0');
        }
        if (v == 0 || v > 65535)
            return OL_FAIL(d, OL_E_INVAL, "redis URL: port %lu out of range", v);
        r->port = (int)v;
    }
    r->db = 0;
    if (slash != NULL && slash[1] != '\0') {
        unsigned long v = 0;
        size_t n = strlen(slash + 1);
        if (n > 5)
            return OL_FAIL(d, OL_E_INVAL, "redis URL: bad database number");
        for (size_t i = 0; i < n; i++) {
            if (slash[1 + i] < '0' || slash[1 + i] > '9')
                return OL_FAIL(d, OL_E_INVAL, "redis URL: bad database number");
            v = v * 10 + (unsigned long)(slash[1 + i] - '0');
        }
        r->db = (unsigned)v;
    }
    if (strchr(r->host, ':') != NULL)
        snprintf(r->where, sizeof r->where, "[%s]:%d", r->host, r->port);
    else
        snprintf(r->where, sizeof r->where, "%s:%d", r->host, r->port);
    return OL_OK;
}

/* ---------------------------------- connections ---------------------------------- */

static void reply_msg(char *dst, size_t cap, const redisReply *rep)
{
    if (rep != NULL && rep->str != NULL)
        snprintf(dst, cap, "%.*s", (int)(rep->len > 150 ? 150 : rep->len), rep->str);
    else
        snprintf(dst, cap, "unexpected reply");
}

/* Connects, authenticates and selects the database. */
/* Runs one set-up command on a connection being made; on failure (an error reply, no reply, or
 * a reply that is not of want_type when want_type >= 0) frees c and fails naming `what` and the
 * server's reason, which never repeats a password ("WRONGPASS ..."). */
static ol_err setup_cmd(redis_queue *r, redisContext *c, int argc, const char **argv,
                        const size_t *lens, int want_type, const char *what, ol_diag *d)
{
    redisReply *rep = redisCommandArgv(c, argc, argv, lens);
    if (rep != NULL && rep->type != REDIS_REPLY_ERROR &&
        (want_type < 0 || rep->type == want_type)) {
        freeReplyObject(rep);
        return OL_OK;
    }
    char msg[160];
    if (rep != NULL)
        reply_msg(msg, sizeof msg, rep);
    else
        snprintf(msg, sizeof msg, "%s", c->errstr);
    freeReplyObject(rep);
    redisFree(c);
    return OL_FAIL(d, OL_E_IO, "redis %s: %s: %s", r->where, what, msg);
}

static ol_err rq_connect(redis_queue *r, redisContext **out, ol_diag *d)
{
    redisContext *c = redisConnectWithTimeout(r->host, r->port, ms_tv(r->base.connect_timeout_ms));
    if (c == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "redis %s: connection context", r->where);
    if (c->err != 0) {
        ol_err rc = OL_FAIL(d, OL_E_IO, "redis %s: cannot connect: %s", r->where, c->errstr);
        redisFree(c);
        return rc;
    }
    if (redisSetTimeout(c, ms_tv(r->base.command_timeout_ms)) != REDIS_OK ||
        redisEnableKeepAlive(c) != REDIS_OK) {
        ol_err rc = OL_FAIL(d, OL_E_IO, "redis %s: socket options: %s", r->where, c->errstr);
        redisFree(c);
        return rc;
    }
    if (r->password[0] != '\0') {
        const char *argv[3] = {"AUTH", r->user, r->password};
        size_t lens[3] = {4, strlen(r->user), strlen(r->password)};
        int argc = 3;
        if (r->user[0] == '\0') {
            argv[1] = r->password;
            lens[1] = lens[2];
            argc = 2;
        }
        ol_err rc = setup_cmd(r, c, argc, argv, lens, -1, "authentication failed", d);
        if (rc != OL_OK)
            return rc;
    }
    /* Named, so an operator (and the tests) can tell our connections apart in CLIENT LIST. */
    char name[16 + OL_QUEUE_PREFIX_MAX];
    snprintf(name, sizeof name, "outlayer/%s", r->base.prefix);
    const char *nargv[3] = {"CLIENT", "SETNAME", name};
    size_t nlens[3] = {6, 7, strlen(name)};
    ol_err rc = setup_cmd(r, c, 3, nargv, nlens, -1, "CLIENT SETNAME", d);
    if (rc != OL_OK)
        return rc;
    if (r->db != 0) {
        char db[16];
        snprintf(db, sizeof db, "%u", r->db);
        const char *argv[2] = {"SELECT", db};
        size_t lens[2] = {6, strlen(db)};
        char what[32];
        snprintf(what, sizeof what, "SELECT %u", r->db);
        if ((rc = setup_cmd(r, c, 2, argv, lens, -1, what, d)) != OL_OK)
            return rc;
    }
    *out = c;
    return OL_OK;
}

/* An idle pooled connection never has anything to read: if its socket is readable the server
 * closed it (restart, timeout, CLIENT KILL) and it must be made again. */
static bool conn_stale(redisContext *c)
{
    if (c->err != 0)
        return true;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    return poll(&p, 1, 0) != 0;
}

static ol_err conn_acquire(redis_queue *r, rconn **out, ol_diag *d)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    uint64_t wait_ms = (uint64_t)r->base.command_timeout_ms + r->base.connect_timeout_ms;
    until.tv_sec += (time_t)(wait_ms / 1000);
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    rconn *c = NULL;
    pthread_mutex_lock(&r->pool_mu);
    while (c == NULL) {
        for (size_t i = 0; i < r->nconns && c == NULL; i++) {
            if (!r->conns[i].in_use) {
                c = &r->conns[i];
                c->in_use = true;
            }
        }
        if (c == NULL && pthread_cond_timedwait(&r->pool_cv, &r->pool_mu, &until) != 0) {
            pthread_mutex_unlock(&r->pool_mu);
            return OL_FAIL(d, OL_E_IO, "redis %s: queue busy, no connection free", r->where);
        }
    }
    pthread_mutex_unlock(&r->pool_mu);
    if (c->c != NULL && conn_stale(c->c)) {
        OL_LOG(OL_LOG_WARN, "event=queue_reconnect backend=redis server=%s", r->where);
        redisFree(c->c);
        c->c = NULL;
    }
    if (c->c == NULL) {
        ol_err rc = rq_connect(r, &c->c, d);
        if (rc != OL_OK) {
            pthread_mutex_lock(&r->pool_mu);
            c->in_use = false;
            pthread_cond_signal(&r->pool_cv);
            pthread_mutex_unlock(&r->pool_mu);
            return rc;
        }
    }
    *out = c;
    return OL_OK;
}

static void conn_release(redis_queue *r, rconn *c)
{
    if (c->c != NULL && c->c->err != 0) {
        redisFree(c->c); /* broken mid-command: the next user connects afresh */
        c->c = NULL;
    }
    pthread_mutex_lock(&r->pool_mu);
    c->in_use = false;
    pthread_cond_signal(&r->pool_cv);
    pthread_mutex_unlock(&r->pool_mu);
}

/* Runs one command on a pooled connection. On OL_OK the caller owns *out (freeReplyObject),
 * which is never an error reply: those become OL_E_IO naming `what`. */
static ol_err rq_command(redis_queue *r, const char *what, int argc, const char **argv,
                         const size_t *lens, redisReply **out, ol_diag *d)
{
    rconn *c = NULL;
    ol_err rc = conn_acquire(r, &c, d);
    if (rc != OL_OK)
        return rc;
    redisReply *rep = redisCommandArgv(c->c, argc, argv, lens);
    if (rep == NULL) {
        rc = OL_FAIL(d, OL_E_IO, "redis %s: %s: %s", r->where, what, c->c->errstr);
    } else if (rep->type == REDIS_REPLY_ERROR) {
        char msg[160];
        reply_msg(msg, sizeof msg, rep);
        rc = OL_FAIL(d, OL_E_IO, "redis %s: %s: %s", r->where, what, msg);
        freeReplyObject(rep);
    } else {
        *out = rep;
    }
    conn_release(r, c);
    return rc;
}

/* Runs script `s` with `nkeys` keys followed by arguments (args[0..n)). EVALSHA first; after a
 * server restart emptied the script cache (NOSCRIPT) the text is sent once with EVAL. */
#define RQ_MAX_ARGS (2 * RQ_RECONCILE_N + 8)
static ol_err rq_script(redis_queue *r, int s, int nkeys, const char **args, const size_t *alens,
                        int n, redisReply **out, ol_diag *d)
{
    const char *argv[RQ_MAX_ARGS + 3];
    size_t lens[RQ_MAX_ARGS + 3];
    char nk[8];
    OL_ASSERT(n <= RQ_MAX_ARGS);
    snprintf(nk, sizeof nk, "%d", nkeys);
    argv[0] = "EVALSHA";
    lens[0] = 7;
    argv[1] = r->sha[s];
    lens[1] = strlen(r->sha[s]);
    argv[2] = nk;
    lens[2] = strlen(nk);
    for (int i = 0; i < n; i++) {
        argv[3 + i] = args[i];
        lens[3 + i] = alens != NULL ? alens[i] : strlen(args[i]);
    }
    rconn *c = NULL;
    ol_err rc = conn_acquire(r, &c, d);
    if (rc != OL_OK)
        return rc;
    redisReply *rep = redisCommandArgv(c->c, n + 3, argv, lens);
    if (rep != NULL && rep->type == REDIS_REPLY_ERROR && rep->str != NULL &&
        strncmp(rep->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(rep);
        argv[0] = "EVAL";
        lens[0] = 4;
        argv[1] = script_text[s];
        lens[1] = strlen(script_text[s]);
        rep = redisCommandArgv(c->c, n + 3, argv, lens);
    }
    if (rep == NULL) {
        rc = OL_FAIL(d, OL_E_IO, "redis %s: %s script: %s", r->where, script_name[s], c->c->errstr);
    } else if (rep->type == REDIS_REPLY_ERROR) {
        char msg[160];
        reply_msg(msg, sizeof msg, rep);
        rc = OL_FAIL(d, OL_E_IO, "redis %s: %s script: %s", r->where, script_name[s], msg);
        freeReplyObject(rep);
    } else {
        *out = rep;
    }
    conn_release(r, c);
    return rc;
}

/* A script whose answer is an integer (0/1 or a count). */
static ol_err rq_script_int(redis_queue *r, int s, int nkeys, const char **args, int n,
                            long long *res, ol_diag *d)
{
    redisReply *rep = NULL;
    ol_err rc = rq_script(r, s, nkeys, args, NULL, n, &rep, d);
    if (rc != OL_OK)
        return rc;
    if (rep->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(rep);
        return OL_FAIL(d, OL_E_IO, "redis %s: %s script: unexpected reply type", r->where,
                       script_name[s]);
    }
    *res = rep->integer;
    freeReplyObject(rep);
    return OL_OK;
}

static void lease_key(const redis_queue *r, const char *task_id, char out[RQ_LEASE_KEY])
{
    snprintf(out, RQ_LEASE_KEY, "%s%s", r->k_lease, task_id);
}

static void u64s(char out[24], uint64_t v)
{
    snprintf(out, 24, "%" PRIu64, v);
}

/* ------------------------------------ operations ------------------------------------ */

static ol_err rq_ping(ol_queue *q, ol_diag *d)
{
    redis_queue *r = RQ(q);
    const char *argv[1] = {"PING"};
    size_t lens[1] = {4};
    redisReply *rep = NULL;
    ol_err rc = rq_command(r, "PING", 1, argv, lens, &rep, d);
    if (rc == OL_OK)
        freeReplyObject(rep);
    return rc;
}

static ol_err rq_push_at(redis_queue *r, const char *task_id, uint64_t score, ol_diag *d)
{
    char sc[24];
    u64s(sc, score);
    const char *args[4] = {r->k_ready, r->k_inflight, task_id, sc};
    long long res = 0;
    return rq_script_int(r, S_PUSH, 2, args, 4, &res, d);
}

static ol_err rq_push(ol_queue *q, const char *task_id, uint64_t now_ms, ol_diag *d)
{
    return rq_push_at(RQ(q), task_id, now_ms, d);
}

/* The store claimed task t but the Redis lease was revoked meanwhile (a sweeper judged it
 * lapsed): give the attempt back so the task is delivered again rather than held by nobody. */
static void give_back(redis_queue *r, const ol_store_task *t, uint64_t now_ms)
{
    ol_diag d = {0};
    ol_store_lapse_result lr = OL_STORE_LAPSE_NOOP;
    ol_err rc = ol_store_task_lapse(r->base.store, t->id, t->attempt, now_ms, &lr, NULL, &d);
    if (rc == OL_OK && lr == OL_STORE_LAPSE_REQUEUED)
        rc = rq_push_at(r, t->id, now_ms, &d);
    if (rc != OL_OK)
        OL_LOG(OL_LOG_WARN, "event=queue_give_back_failed task=%s error=\"%s\"", t->id, d.msg);
}

static ol_err rq_claim(ol_queue *q, const char *worker_id, uint64_t now_ms, uint64_t lease_ms,
                       ol_store_task **out, ol_diag *d)
{
    redis_queue *r = RQ(q);
    char deadline[24];
    u64s(deadline, now_ms + lease_ms);
    for (int tries = 0; tries < RQ_CLAIM_TRIES; tries++) {
        const char *args[5] = {r->k_ready, r->k_inflight, deadline, r->k_lease, worker_id};
        redisReply *rep = NULL;
        ol_err rc = rq_script(r, S_CLAIM, 2, args, NULL, 5, &rep, d);
        if (rc != OL_OK)
            return rc;
        if (rep->type == REDIS_REPLY_NIL) {
            freeReplyObject(rep);
            return OL_FAIL(d, OL_E_NOTFOUND, "no task is queued");
        }
        if (rep->type != REDIS_REPLY_STRING || rep->len == 0 || rep->len > OL_STORE_ID_MAX) {
            freeReplyObject(rep);
            return OL_FAIL(d, OL_E_IO, "redis %s: claim script: unexpected reply", r->where);
        }
        char id[OL_STORE_ID_MAX + 1];
        memcpy(id, rep->str, rep->len);
        id[rep->len] = '\0';
        freeReplyObject(rep);

        char lk[RQ_LEASE_KEY];
        lease_key(r, id, lk);
        ol_store_task *t = NULL;
        ol_diag sd = {0};
        rc = ol_store_task_claim_id(q->store, id, worker_id, now_ms, &t, &sd);
        if (rc == OL_E_STATE || rc == OL_E_NOTFOUND) {
            /* Cancelled, finished, or unknown to the store: it has no business in the queue. */
            const char *dargs[4] = {r->k_inflight, lk, id, worker_id};
            long long res = 0;
            rc = rq_script_int(r, S_DROP, 2, dargs, 4, &res, d);
            if (rc != OL_OK)
                return rc;
            continue;
        }
        if (rc != OL_OK) {
            /* The store may or may not have committed: the entry (attempt "0") stays in flight
             * and the sweeper's lapse(attempt 0) settles either case. */
            *d = sd;
            return rc;
        }
        char att[24];
        u64s(att, t->attempt);
        const char *sargs[5] = {r->k_inflight, lk, id, worker_id, att};
        long long res = 0;
        rc = rq_script_int(r, S_SETLEASE, 2, sargs, 5, &res, d);
        if (rc != OL_OK) {
            /* Not delivered: the worker could never renew it. The attempt-0 entry lapses and
             * the sweeper re-queues the store's attempt. */
            ol_store_task_free(t);
            return rc;
        }
        if (res != 1) {
            give_back(r, t, now_ms);
            ol_store_task_free(t);
            continue;
        }
        t->lease_expires_ms = now_ms + lease_ms;
        *out = t;
        return OL_OK;
    }
    return OL_FAIL(d, OL_E_NOTFOUND, "no claimable task among the next %d queued", RQ_CLAIM_TRIES);
}

static ol_err rq_renew(ol_queue *q, const char *task_id, const char *worker_id, uint32_t attempt,
                       uint64_t now_ms, uint64_t lease_ms, ol_diag *d)
{
    redis_queue *r = RQ(q);
    char lk[RQ_LEASE_KEY], att[24], deadline[24];
    lease_key(r, task_id, lk);
    u64s(att, attempt);
    u64s(deadline, now_ms + lease_ms);
    const char *args[6] = {r->k_inflight, lk, task_id, worker_id, att, deadline};
    long long res = 0;
    ol_err rc = rq_script_int(r, S_RENEW, 2, args, 6, &res, d);
    if (rc != OL_OK)
        return rc;
    if (res != 1)
        return OL_FAIL(d, OL_E_STATE, "task %s attempt %" PRIu32 " is no longer leased to %s",
                       task_id, attempt, worker_id);
    return OL_OK;
}

static ol_err rq_complete(ol_queue *q, const ol_store_completion *c, uint64_t now_ms, bool *settled,
                          ol_diag *d)
{
    redis_queue *r = RQ(q);
    ol_err rc = ol_store_task_complete(q->store, c, now_ms, settled, d);
    if (rc != OL_OK)
        return rc;
    char lk[RQ_LEASE_KEY], att[24];
    lease_key(r, c->task_id, lk);
    u64s(att, c->attempt);
    const char *args[4] = {r->k_inflight, lk, c->task_id, att};
    long long res = 0;
    ol_diag ad = {0};
    if (rq_script_int(r, S_ACK, 2, args, 4, &res, &ad) != OL_OK)
        OL_LOG(OL_LOG_WARN, "event=queue_ack_failed task=%s error=\"%s\"", c->task_id, ad.msg);
    return OL_OK;
}

/* Appends a call id to one of a sweep's lists. */
static bool list_add(char (**list)[OL_STORE_ID_MAX + 1], size_t *n, const char *id)
{
    char(*p)[OL_STORE_ID_MAX + 1] = realloc(*list, (*n + 1) * sizeof **list);
    if (p == NULL)
        return false;
    ol__store_copy(p[*n], OL_STORE_ID_MAX + 1, id);
    *list = p;
    (*n)++;
    return true;
}

static void sweep_free(ol_store_sweep *s)
{
    free(s->failed);
    free(s->requeued);
    memset(s, 0, sizeof *s);
}

/* Step 1: lapsed leases. */
static ol_err sweep_lapsed(redis_queue *r, uint64_t now_ms, size_t limit, ol_store_sweep *out,
                           ol_diag *d)
{
    char now[24], lim[24], parked[24];
    u64s(now, now_ms);
    u64s(lim, limit);
    u64s(parked, now_ms + r->base.grace_ms);
    const char *args[5] = {r->k_inflight, now, lim, parked, r->k_lease};
    redisReply *rep = NULL;
    ol_err rc = rq_script(r, S_TAKE, 1, args, NULL, 5, &rep, d);
    if (rc != OL_OK)
        return rc;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements % 2 != 0) {
        freeReplyObject(rep);
        return OL_FAIL(d, OL_E_IO, "redis %s: take script: unexpected reply", r->where);
    }
    for (size_t i = 0; i + 1 < rep->elements && rc == OL_OK; i += 2) {
        const redisReply *e = rep->element[i], *a = rep->element[i + 1];
        if (e->type != REDIS_REPLY_STRING || a->type != REDIS_REPLY_STRING || e->len == 0 ||
            e->len > OL_STORE_ID_MAX || a->len == 0 || a->len > 10) {
            rc = OL_FAIL(d, OL_E_IO, "redis %s: take script: malformed lease", r->where);
            break;
        }
        char id[OL_STORE_ID_MAX + 1], att[16];
        memcpy(id, e->str, e->len);
        id[e->len] = '\0';
        memcpy(att, a->str, a->len);
        att[a->len] = '\0';
        char *end = NULL;
        unsigned long attempt = strtoul(att, &end, 10);
        if (end == att || *end != '\0' || attempt > UINT32_MAX) {
            rc = OL_FAIL(d, OL_E_IO, "redis %s: lease of %s has attempt '%s'", r->where, id, att);
            break;
        }
        ol_store_lapse_result lr = OL_STORE_LAPSE_NOOP;
        char call_id[OL_STORE_ID_MAX + 1] = "";
        rc = ol_store_task_lapse(r->base.store, id, (uint32_t)attempt, now_ms, &lr, call_id, d);
        if (rc == OL_E_NOTFOUND) {
            rc = OL_OK; /* unknown to the store: just forget it */
            lr = OL_STORE_LAPSE_NOOP;
        }
        if (rc != OL_OK)
            break;
        char lk[RQ_LEASE_KEY];
        lease_key(r, id, lk);
        const char *fargs[7] = {
            r->k_inflight, r->k_ready, lk, id, att, lr == OL_STORE_LAPSE_REQUEUED ? "1" : "0", now};
        long long res = 0;
        rc = rq_script_int(r, S_FINISH, 3, fargs, 7, &res, d);
        if (rc != OL_OK)
            break;
        bool ok = true;
        if (lr == OL_STORE_LAPSE_REQUEUED)
            ok = list_add(&out->requeued, &out->nrequeued, call_id);
        else if (lr == OL_STORE_LAPSE_FAILED)
            ok = list_add(&out->failed, &out->nfailed, call_id);
        if (!ok)
            rc = OL_FAIL(d, OL_E_NOMEM, "sweep result list");
    }
    freeReplyObject(rep);
    return rc;
}

/* Steps 3 and 4 collect store rows into a growable array before talking to Redis (a store
 * walk must not call out while it holds a connection). */
typedef struct batch {
    void *v;
    size_t n, cap, size;
    bool nomem;
} batch;

static int batch_add(batch *b, const void *row)
{
    if (b->n == b->cap) {
        size_t cap = b->cap != 0 ? b->cap * 2 : 64;
        void *v = realloc(b->v, cap * b->size);
        if (v == NULL) {
            b->nomem = true;
            return 1;
        }
        b->v = v;
        b->cap = cap;
    }
    memcpy((char *)b->v + b->n++ * b->size, row, b->size);
    return 0;
}

static int collect_queued(void *ud, const ol_store_queued *q)
{
    return batch_add(ud, q);
}

static int collect_leased(void *ud, const ol_store_leased *l)
{
    return batch_add(ud, l);
}

/* Step 4: leases the store holds for Redis but Redis lost (a restart without persistence).
 * Without this such a task would stay running forever once its worker is gone too. */
static ol_err sweep_adopt(redis_queue *r, uint64_t now_ms, size_t limit, ol_diag *d)
{
    batch b = {.size = sizeof(ol_store_leased)};
    ol_err rc = ol_store_task_external_list(r->base.store, now_ms - r->base.grace_ms, limit,
                                            collect_leased, &b, d);
    const ol_store_leased *v = b.v;
    if (rc == OL_OK && b.nomem)
        rc = OL_FAIL(d, OL_E_NOMEM, "lost-lease list");
    long long adopted = 0;
    char now[24];
    u64s(now, now_ms);
    for (size_t i = 0; rc == OL_OK && i < b.n; i += RQ_RECONCILE_N) {
        size_t m = b.n - i < RQ_RECONCILE_N ? b.n - i : RQ_RECONCILE_N;
        const char *args[4 + 2 * RQ_RECONCILE_N];
        char at[RQ_RECONCILE_N][24];
        args[0] = r->k_ready;
        args[1] = r->k_inflight;
        args[2] = r->k_lease;
        args[3] = now;
        for (size_t j = 0; j < m; j++) {
            u64s(at[j], v[i + j].attempt);
            args[4 + 2 * j] = v[i + j].task_id;
            args[5 + 2 * j] = at[j];
        }
        long long res = 0;
        rc = rq_script_int(r, S_ADOPT, 2, args, (int)(4 + 2 * m), &res, d);
        adopted += res;
    }
    if (adopted > 0)
        OL_LOG(OL_LOG_WARN, "event=queue_leases_adopted backend=redis tasks=%lld", adopted);
    free(b.v);
    return rc;
}

static ol_err sweep_reconcile(redis_queue *r, uint64_t now_ms, size_t limit, ol_diag *d)
{
    if (now_ms <= r->base.grace_ms)
        return OL_OK;
    batch b = {.size = sizeof(ol_store_queued)};
    ol_err rc = ol_store_task_queued_list(r->base.store, now_ms - r->base.grace_ms, limit,
                                          collect_queued, &b, d);
    const ol_store_queued *v = b.v;
    if (rc == OL_OK && b.nomem)
        rc = OL_FAIL(d, OL_E_NOMEM, "reconciliation list");
    long long added = 0;
    for (size_t i = 0; rc == OL_OK && i < b.n; i += RQ_RECONCILE_N) {
        size_t m = b.n - i < RQ_RECONCILE_N ? b.n - i : RQ_RECONCILE_N;
        const char *args[2 + 2 * RQ_RECONCILE_N];
        char sc[RQ_RECONCILE_N][24];
        args[0] = r->k_ready;
        args[1] = r->k_inflight;
        for (size_t j = 0; j < m; j++) {
            u64s(sc[j], v[i + j].queued_ms);
            args[2 + 2 * j] = v[i + j].task_id;
            args[3 + 2 * j] = sc[j];
        }
        long long res = 0;
        rc = rq_script_int(r, S_RECONCILE, 2, args, (int)(2 + 2 * m), &res, d);
        added += res;
    }
    if (added > 0)
        OL_LOG(OL_LOG_INFO, "event=queue_reconciled backend=redis tasks=%lld", added);
    free(b.v);
    if (rc == OL_OK)
        rc = sweep_adopt(r, now_ms, limit, d);
    return rc;
}

static ol_err rq_sweep(ol_queue *q, uint64_t now_ms, uint64_t queued_before_ms, size_t limit,
                       ol_store_sweep *out, ol_diag *d)
{
    redis_queue *r = RQ(q);
    ol_store_sweep res = {0};
    ol_err rc = sweep_lapsed(r, now_ms, limit, &res, d);
    if (rc == OL_OK) {
        /* The store's own pass: tasks queued too long (it never lapses external leases). */
        ol_store_sweep ss = {0};
        rc = ol_store_sweep_leases(q->store, now_ms, queued_before_ms, limit, &ss, d);
        for (size_t i = 0; rc == OL_OK && i < ss.nfailed; i++) {
            if (!list_add(&res.failed, &res.nfailed, ss.failed[i]))
                rc = OL_FAIL(d, OL_E_NOMEM, "sweep result list");
        }
        for (size_t i = 0; rc == OL_OK && i < ss.nrequeued; i++) {
            if (!list_add(&res.requeued, &res.nrequeued, ss.requeued[i]))
                rc = OL_FAIL(d, OL_E_NOMEM, "sweep result list");
        }
        sweep_free(&ss);
    }
    if (rc == OL_OK)
        rc = sweep_reconcile(r, now_ms, limit, d);
    if (rc != OL_OK) {
        sweep_free(&res);
        return rc;
    }
    *out = res;
    return OL_OK;
}

/* ---------------------------------- notifications ---------------------------------- */

static ol_err rq_publish(ol_queue *q, const char *payload, ol_diag *d)
{
    redis_queue *r = RQ(q);
    const char *argv[3] = {"PUBLISH", r->k_events, payload};
    size_t lens[3] = {7, strlen(r->k_events), strlen(payload)};
    redisReply *rep = NULL;
    ol_err rc = rq_command(r, "PUBLISH", 3, argv, lens, &rep, d);
    if (rc == OL_OK)
        freeReplyObject(rep);
    return rc;
}

static ol_err sub_connect(redis_queue *r, redisContext **out, ol_diag *d)
{
    redisContext *c = NULL;
    ol_err rc = rq_connect(r, &c, d);
    if (rc != OL_OK)
        return rc;
    const char *argv[2] = {"SUBSCRIBE", r->k_events};
    size_t lens[2] = {9, strlen(r->k_events)};
    rc = setup_cmd(r, c, 2, argv, lens, REDIS_REPLY_ARRAY, "SUBSCRIBE", d);
    if (rc != OL_OK)
        return rc;
    *out = c;
    return OL_OK;
}

static void sub_handle(redis_queue *r, const redisReply *rep)
{
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3)
        return;
    const redisReply *kind = rep->element[0], *payload = rep->element[2];
    if (kind->type == REDIS_REPLY_STRING && kind->len == 7 &&
        memcmp(kind->str, "message", 7) == 0 && payload->type == REDIS_REPLY_STRING)
        ol__queue_deliver(&r->base, payload->str, payload->len);
}

static void *sub_thread(void *arg)
{
    redis_queue *r = arg;
    ol_queue *q = &r->base;
    unsigned failures = 0;
    while (!atomic_load(&q->stopping)) {
        if (r->sub == NULL) {
            if (ol__queue_wait_stop(q, ol__queue_backoff_ms(failures)))
                break;
            ol_diag d = {0};
            if (sub_connect(r, &r->sub, &d) != OL_OK) {
                failures++;
                OL_LOG(OL_LOG_WARN, "event=queue_subscribe_retry backend=redis error=\"%s\"",
                       d.msg);
                continue;
            }
            failures = 0;
            OL_LOG(OL_LOG_INFO, "event=queue_subscribe_restored backend=redis server=%s", r->where);
        }
        /* Replies already read and buffered come first; only then wait for the socket. */
        void *rep = NULL;
        if (redisGetReplyFromReader(r->sub, &rep) != REDIS_OK) {
            redisFree(r->sub);
            r->sub = NULL;
            continue;
        }
        if (rep != NULL) {
            sub_handle(r, rep);
            freeReplyObject(rep);
            continue;
        }
        struct pollfd p[2] = {{.fd = r->sub->fd, .events = POLLIN},
                              {.fd = q->stop_rd, .events = POLLIN}};
        int n = poll(p, 2, RQ_IDLE_MS);
        if (n < 0 && errno != EINTR) {
            redisFree(r->sub);
            r->sub = NULL;
            continue;
        }
        if (p[1].revents != 0)
            break;
        if (p[0].revents != 0 && redisBufferRead(r->sub) != REDIS_OK) {
            OL_LOG(OL_LOG_WARN, "event=queue_subscribe_lost backend=redis server=%s error=\"%s\"",
                   r->where, r->sub->errstr);
            redisFree(r->sub);
            r->sub = NULL;
        }
    }
    return NULL;
}

static ol_err rq_subscribe(ol_queue *q, ol_diag *d)
{
    redis_queue *r = RQ(q);
    ol_err rc = sub_connect(r, &r->sub, d);
    if (rc != OL_OK)
        return rc;
    if (pthread_create(&q->thread, NULL, sub_thread, r) != 0) {
        redisFree(r->sub);
        r->sub = NULL;
        return OL_FAIL(d, OL_E_NOMEM, "cannot start the subscription thread");
    }
    return OL_OK;
}

/* ------------------------------------ open, close ------------------------------------ */

static void rq_close(ol_queue *q)
{
    redis_queue *r = RQ(q);
    if (r->sub != NULL)
        redisFree(r->sub);
    for (size_t i = 0; i < r->nconns; i++) {
        if (r->conns[i].c != NULL)
            redisFree(r->conns[i].c);
    }
    free(r->conns);
    pthread_cond_destroy(&r->pool_cv);
    pthread_mutex_destroy(&r->pool_mu);
    ol__queue_base_fini(q);
    sodium_memzero(r->password, sizeof r->password);
    free(r);
}

static const ol_queue_ops redis_ops = {
    .kind = "redis",
    .close = rq_close,
    .ping = rq_ping,
    .push = rq_push,
    .claim = rq_claim,
    .renew = rq_renew,
    .complete = rq_complete,
    .sweep = rq_sweep,
    .publish = rq_publish,
    .subscribe = rq_subscribe,
    .wake = NULL,
};

/* Loads every script once (SCRIPT LOAD also compiles it, so a broken script fails at open). */
static ol_err load_scripts(redis_queue *r, ol_diag *d)
{
    for (int s = 0; s < S_COUNT; s++) {
        const char *argv[3] = {"SCRIPT", "LOAD", script_text[s]};
        size_t lens[3] = {6, 4, strlen(script_text[s])};
        redisReply *rep = NULL;
        ol_err rc = rq_command(r, "SCRIPT LOAD", 3, argv, lens, &rep, d);
        if (rc != OL_OK)
            return rc;
        if (rep->type != REDIS_REPLY_STRING || rep->len != 40) {
            freeReplyObject(rep);
            return OL_FAIL(d, OL_E_IO, "redis %s: SCRIPT LOAD %s: unexpected reply", r->where,
                           script_name[s]);
        }
        memcpy(r->sha[s], rep->str, 40);
        r->sha[s][40] = '\0';
        freeReplyObject(rep);
    }
    return OL_OK;
}

ol_err ol__queue_redis_open(const char *rest, const ol_queue *proto, ol_queue **out, ol_diag *d)
{
    redis_queue *r = calloc(1, sizeof *r);
    if (r == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "redis queue");
    if (!ol__queue_base_init(&r->base, proto)) {
        free(r);
        return OL_FAIL(d, OL_E_NOMEM, "redis queue: mutex");
    }
    r->base.ops = &redis_ops;
    pthread_mutex_init(&r->pool_mu, NULL);
    pthread_cond_init(&r->pool_cv, NULL);
    ol_err rc = parse_url(r, rest, d);
    if (rc != OL_OK)
        goto fail;
    snprintf(r->k_ready, sizeof r->k_ready, "%s:ready", r->base.prefix);
    snprintf(r->k_inflight, sizeof r->k_inflight, "%s:inflight", r->base.prefix);
    snprintf(r->k_lease, sizeof r->k_lease, "%s:lease:", r->base.prefix);
    snprintf(r->k_events, sizeof r->k_events, "%s:events", r->base.prefix);
    r->nconns = r->base.pool_size;
    r->conns = calloc(r->nconns, sizeof *r->conns);
    if (r->conns == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "redis queue: pool of %zu", r->nconns);
        goto fail;
    }
    /* The first pooled connection is made now: a wrong address or password fails here. */
    rc = load_scripts(r, d);
    if (rc != OL_OK)
        goto fail;
    *out = &r->base;
    return OL_OK;
fail:
    rq_close(&r->base);
    return rc;
}
