/* The SQLite backend (`sqlite:PATH[?sync=full]`): WAL journal, a busy timeout for other
 * processes, versioned migrations applied at open, a small pool of connections, and every
 * change inside one BEGIN IMMEDIATE transaction.
 *
 * Concurrency. SQLite allows one writer at a time; its busy handler waits for a lock by
 * sleeping (1 ms, 2 ms, 5 ms, ... up to 100 ms steps), which would turn contention between our
 * own threads into latency. So write transactions of this process are serialised by one mutex
 * (`write_mu`) taken before a connection is acquired, and the busy timeout only ever applies
 * to other processes. Readers use any free pooled connection and, in WAL mode, never block
 * or get blocked. Lock order: write_mu, then pool_mu.
 *
 * Invariants kept by the SQL (see also the CHECK constraints of migration 1):
 *   - payment_keys: spent + reserved <= initial_balance; inflight = number of the key's calls
 *     whose status is pending or running; reserved = sum of those calls' `reserved`.
 *   - calls: a terminal call has reserved = 0; settle() is the only code that makes a call
 *     terminal, and it refuses a call that already is.
 *   - tasks: state 0 queued, 1 leased, 2 done; a done task records who completed it
 *     (done_worker, done_attempt; empty when the platform ended it).
 * Statements are reset when a connection goes back to the pool, so no read snapshot outlives
 * the operation that took it.
 */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "ol/log.h"
#include "store_int.h"

#define SQ_STMT_CACHE 96

typedef struct sq_conn {
    sqlite3 *db;
    struct {
        const char *sql; /* static string: cached by address */
        sqlite3_stmt *st;
    } cache[SQ_STMT_CACHE];
    size_t ncache;
    bool in_use;
    bool in_write_tx;
} sq_conn;

typedef struct sq_store {
    ol_store base;
    sq_conn *conns;
    size_t nconns;
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    pthread_mutex_t write_mu;
    uint32_t busy_timeout_ms;
    atomic_long fault; /* countdown of write-transaction steps to fail; -1 = off */
} sq_store;

/* ----------------------------------- schema ----------------------------------- */

/* Migration N is migrations[N-1]; never edit one that has shipped, append a new one. */
static const char *const migrations[] = {
    /* 1: the initial schema. */
    "CREATE TABLE wasm_blobs("
    "  sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL, size INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL);"
    "CREATE TABLE projects("
    "  owner TEXT NOT NULL, name TEXT NOT NULL, active_version TEXT NOT NULL DEFAULT '',"
    "  created_ms INTEGER NOT NULL, PRIMARY KEY(owner, name));"
    "CREATE TABLE versions("
    "  owner TEXT NOT NULL, name TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL REFERENCES wasm_blobs(sha256), created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(owner, name, sha256),"
    "  FOREIGN KEY(owner, name) REFERENCES projects(owner, name));"
    "CREATE TABLE payment_keys("
    "  owner TEXT NOT NULL, nonce INTEGER NOT NULL, secret_sha256 BLOB NOT NULL,"
    "  initial_balance INTEGER NOT NULL, spent INTEGER NOT NULL DEFAULT 0,"
    "  reserved INTEGER NOT NULL DEFAULT 0, max_per_call INTEGER NOT NULL DEFAULT 0,"
    "  projects TEXT NOT NULL DEFAULT '', inflight INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(owner, nonce),"
    "  CHECK(initial_balance >= 0 AND spent >= 0 AND reserved >= 0 AND inflight >= 0"
    "        AND spent + reserved <= initial_balance));"
    "CREATE TABLE calls("
    "  id TEXT PRIMARY KEY, task_id TEXT NOT NULL UNIQUE,"
    "  key_owner TEXT NOT NULL, key_nonce INTEGER NOT NULL,"
    "  project_owner TEXT NOT NULL, project_name TEXT NOT NULL, version TEXT NOT NULL,"
    "  status INTEGER NOT NULL, is_async INTEGER NOT NULL,"
    "  compute_limit INTEGER NOT NULL, attached_deposit INTEGER NOT NULL,"
    "  reserved INTEGER NOT NULL, charged INTEGER NOT NULL DEFAULT 0,"
    "  paid INTEGER NOT NULL DEFAULT 0,"
    "  error_code TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',"
    "  run_status TEXT NOT NULL DEFAULT '', exit_code INTEGER NOT NULL DEFAULT 0,"
    "  instructions INTEGER NOT NULL DEFAULT 0, time_ms INTEGER NOT NULL DEFAULT 0,"
    "  worker_id TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL DEFAULT 0,"
    "  completed_ms INTEGER NOT NULL DEFAULT 0,"
    "  input BLOB NOT NULL, output BLOB, stderr TEXT, evidence TEXT, transcript BLOB,"
    "  task_json TEXT NOT NULL,"
    "  CHECK(status BETWEEN 0 AND 3), CHECK(charged + paid <= compute_limit + attached_deposit),"
    "  CHECK(status < 2 OR reserved = 0));"
    "CREATE INDEX calls_status ON calls(status);"
    "CREATE INDEX calls_key ON calls(key_owner, key_nonce);"
    "CREATE TABLE tasks("
    "  id TEXT PRIMARY KEY, call_id TEXT NOT NULL UNIQUE REFERENCES calls(id),"
    "  state INTEGER NOT NULL DEFAULT 0, attempt INTEGER NOT NULL DEFAULT 0,"
    "  max_attempts INTEGER NOT NULL, worker_id TEXT NOT NULL DEFAULT '',"
    "  lease_expires_ms INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
    "  queued_ms INTEGER NOT NULL, done_worker TEXT NOT NULL DEFAULT '',"
    "  done_attempt INTEGER NOT NULL DEFAULT 0, CHECK(state BETWEEN 0 AND 2));"
    "CREATE INDEX tasks_queue ON tasks(state, queued_ms);"
    "CREATE INDEX tasks_lease ON tasks(state, lease_expires_ms);"
    "CREATE TABLE workers("
    "  id TEXT PRIMARY KEY, token_sha256 BLOB NOT NULL, public_key TEXT NOT NULL,"
    "  name TEXT NOT NULL, capacity INTEGER NOT NULL, running INTEGER NOT NULL DEFAULT 0,"
    "  registered_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,"
    "  UNIQUE(token_sha256, public_key));"
    "CREATE TABLE worker_tokens("
    "  token_sha256 BLOB PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE earnings("
    "  owner TEXT PRIMARY KEY, balance INTEGER NOT NULL, total_earned INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL, CHECK(balance >= 0 AND total_earned >= balance));"
    "CREATE TABLE earnings_history("
    "  id INTEGER PRIMARY KEY, owner TEXT NOT NULL, project_name TEXT NOT NULL,"
    "  call_id TEXT NOT NULL UNIQUE, amount INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE totals("
    "  id INTEGER PRIMARY KEY CHECK(id = 1), completed INTEGER NOT NULL, failed INTEGER NOT NULL,"
    "  instructions INTEGER NOT NULL, time_ms INTEGER NOT NULL, ran INTEGER NOT NULL,"
    "  charged INTEGER NOT NULL, charged_calls INTEGER NOT NULL);"
    "INSERT INTO totals VALUES(1, 0, 0, 0, 0, 0, 0, 0);",
    /* 2: secrets stored by the coordinator, owner keys, replay nonces (issue #6). */
    "CREATE TABLE secrets("
    "  accessor TEXT NOT NULL, profile TEXT NOT NULL, owner TEXT NOT NULL,"
    "  ciphertext BLOB NOT NULL, access TEXT NOT NULL, version INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(accessor, profile, owner), CHECK(version >= 1));"
    "CREATE INDEX secrets_owner ON secrets(owner, accessor, profile);"
    "CREATE TABLE owner_keys("
    "  owner TEXT NOT NULL, public_key TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(owner, public_key));"
    "CREATE TABLE request_nonces("
    "  owner TEXT NOT NULL, nonce TEXT NOT NULL, expires_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(owner, nonce));"
    "CREATE INDEX request_nonces_expiry ON request_nonces(expires_ms);",
};

#define SQ_NMIGRATIONS ((uint32_t)(sizeof migrations / sizeof migrations[0]))

/* ------------------------------ connections, errors ------------------------------ */

static ol_err sq_err(ol_diag *d, sqlite3 *db, int rc, const char *what)
{
    int base = rc & 0xff;
    const char *msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (base == SQLITE_CONSTRAINT)
        return OL_FAIL(d, OL_E_EXISTS, "%s: %s", what, msg);
    if (base == SQLITE_NOMEM)
        return OL_FAIL(d, OL_E_NOMEM, "%s: %s", what, msg);
    return OL_FAIL(d, OL_E_IO, "%s: %s", what, msg);
}

static sq_store *SQ(ol_store *s)
{
    return (sq_store *)s;
}

/* Waits for a free connection. Operations are short, so the wait is bounded generously. */
static ol_err conn_acquire(sq_store *s, sq_conn **out, ol_diag *d)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(s->busy_timeout_ms / 1000 + 1);
    pthread_mutex_lock(&s->pool_mu);
    for (;;) {
        for (size_t i = 0; i < s->nconns; i++) {
            if (!s->conns[i].in_use) {
                s->conns[i].in_use = true;
                pthread_mutex_unlock(&s->pool_mu);
                *out = &s->conns[i];
                return OL_OK;
            }
        }
        if (pthread_cond_timedwait(&s->pool_cv, &s->pool_mu, &until) != 0) {
            pthread_mutex_unlock(&s->pool_mu);
            return OL_FAIL(d, OL_E_IO, "store busy: no database connection free");
        }
    }
}

static void conn_release(sq_store *s, sq_conn *c)
{
    /* No statement may keep a read snapshot open past the operation. */
    for (sqlite3_stmt *st = sqlite3_next_stmt(c->db, NULL); st != NULL;
         st = sqlite3_next_stmt(c->db, st)) {
        if (sqlite3_stmt_busy(st))
            sqlite3_reset(st);
    }
    pthread_mutex_lock(&s->pool_mu);
    c->in_use = false;
    pthread_cond_signal(&s->pool_cv);
    pthread_mutex_unlock(&s->pool_mu);
}

/* A cached prepared statement, reset and with bindings cleared. NULL on error (d set). */
static sqlite3_stmt *stmt(sq_conn *c, const char *sql, ol_diag *d)
{
    for (size_t i = 0; i < c->ncache; i++) {
        if (c->cache[i].sql == sql) {
            sqlite3_stmt *st = c->cache[i].st;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        sq_err(d, c->db, rc, "prepare");
        return NULL;
    }
    if (c->ncache < SQ_STMT_CACHE) {
        c->cache[c->ncache].sql = sql;
        c->cache[c->ncache].st = st;
        c->ncache++;
    }
    /* A full cache cannot happen with the fixed statement set; the statement then stays
     * uncached and sqlite3_close_v2 finalises it at close. */
    return st;
}

/* Not an SQLite result code: the step failed by fault injection. */
#define SQ_INJECTED (-1)

/* sqlite3_step with fault injection inside write transactions (write transactions are
 * serialised by write_mu, so the countdown needs no compare-and-swap). */
static int step(sq_store *s, sq_conn *c, sqlite3_stmt *st)
{
    if (c->in_write_tx) {
        long f = atomic_load(&s->fault);
        if (f >= 0) {
            atomic_store(&s->fault, f - 1);
            if (f == 0)
                return SQ_INJECTED;
        }
    }
    return sqlite3_step(st);
}

/* Runs a statement expected to finish without rows. */
static ol_err exec_st(sq_store *s, sq_conn *c, sqlite3_stmt *st, const char *what, ol_diag *d)
{
    int rc = step(s, c, st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        ol_err e = rc == SQ_INJECTED ? OL_FAIL(d, OL_E_IO, "%s: injected fault", what)
                                     : sq_err(d, c->db, rc, what);
        sqlite3_reset(st);
        return e;
    }
    sqlite3_reset(st);
    return OL_OK;
}

/* Steps a query: OL_OK with a row, OL_E_NOTFOUND when none, else an error. */
static ol_err row(sq_store *s, sq_conn *c, sqlite3_stmt *st, const char *what, ol_diag *d)
{
    int rc = step(s, c, st);
    if (rc == SQLITE_ROW)
        return OL_OK;
    if (rc == SQLITE_DONE)
        return OL_E_NOTFOUND;
    if (rc == SQ_INJECTED)
        return OL_FAIL(d, OL_E_IO, "%s: injected fault", what);
    return sq_err(d, c->db, rc, what);
}

static void bt(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bi(sqlite3_stmt *st, int i, uint64_t v)
{
    sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static void bb(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    if (p == NULL)
        sqlite3_bind_zeroblob(st, i, 0);
    else
        sqlite3_bind_blob64(st, i, p, (sqlite3_uint64)n, SQLITE_STATIC);
}

static uint64_t cu(sqlite3_stmt *st, int i)
{
    sqlite3_int64 v = sqlite3_column_int64(st, i);
    return v < 0 ? 0 : (uint64_t)v;
}

static const char *ct(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t != NULL ? (const char *)t : "";
}

static size_t cn(sqlite3_stmt *st, int i)
{
    return (size_t)sqlite3_column_bytes(st, i);
}

/* ---- transactions ---- */

static ol_err tx_begin(sq_store *s, sq_conn **out, ol_diag *d)
{
    pthread_mutex_lock(&s->write_mu);
    sq_conn *c = NULL;
    ol_err rc = conn_acquire(s, &c, d);
    if (rc != OL_OK) {
        pthread_mutex_unlock(&s->write_mu);
        return rc;
    }
    int src = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = sq_err(d, c->db, src, "begin");
        conn_release(s, c);
        pthread_mutex_unlock(&s->write_mu);
        return rc;
    }
    c->in_write_tx = true;
    *out = c;
    return OL_OK;
}

/* Commits when rc is OL_OK, else rolls back; returns the final status. */
static ol_err tx_end(sq_store *s, sq_conn *c, ol_err rc, ol_diag *d)
{
    c->in_write_tx = false;
    /* Reset first: an active statement would make COMMIT fail with SQLITE_BUSY. */
    for (sqlite3_stmt *st = sqlite3_next_stmt(c->db, NULL); st != NULL;
         st = sqlite3_next_stmt(c->db, st))
        sqlite3_reset(st);
    if (rc == OL_OK) {
        int src = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
        if (src != SQLITE_OK) {
            rc = sq_err(d, c->db, src, "commit");
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        }
    } else {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    conn_release(s, c);
    pthread_mutex_unlock(&s->write_mu);
    return rc;
}

static ol_err rd_begin(sq_store *s, sq_conn **out, ol_diag *d)
{
    return conn_acquire(s, out, d);
}

static void rd_end(sq_store *s, sq_conn *c)
{
    conn_release(s, c);
}

/* -------------------------------- open / close -------------------------------- */

static void sq_close(ol_store *base)
{
    sq_store *s = SQ(base);
    for (size_t i = 0; i < s->nconns; i++) {
        sq_conn *c = &s->conns[i];
        for (size_t k = 0; k < c->ncache; k++)
            sqlite3_finalize(c->cache[k].st);
        if (c->db != NULL)
            sqlite3_close_v2(c->db);
    }
    free(s->conns);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_cond_destroy(&s->pool_cv);
    pthread_mutex_destroy(&s->write_mu);
    free(s);
}

static ol_err exec_sql(sqlite3 *db, const char *sql, const char *what, ol_diag *d)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        ol_err e = OL_FAIL(d, (rc & 0xff) == SQLITE_NOMEM ? OL_E_NOMEM : OL_E_IO, "%s: %s", what,
                           msg != NULL ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return e;
    }
    return OL_OK;
}

static ol_err schema_version(sqlite3 *db, uint32_t *out, ol_diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return sq_err(d, db, rc, "schema version");
    rc = sqlite3_step(st);
    ol_err e = OL_OK;
    if (rc == SQLITE_ROW)
        *out = (uint32_t)sqlite3_column_int64(st, 0);
    else
        e = sq_err(d, db, rc, "schema version");
    sqlite3_finalize(st);
    return e;
}

/* Applies every missing migration, each in its own IMMEDIATE transaction that re-reads the
 * version, so several processes opening the same file at once apply each exactly once. */
static ol_err migrate(sqlite3 *db, uint32_t *version, ol_diag *d)
{
    ol_err rc = exec_sql(db,
                         "CREATE TABLE IF NOT EXISTS schema_migrations("
                         "version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)",
                         "create schema_migrations", d);
    if (rc != OL_OK)
        return rc;
    for (;;) {
        rc = exec_sql(db, "BEGIN IMMEDIATE", "begin migration", d);
        if (rc != OL_OK)
            return rc;
        uint32_t v = 0;
        rc = schema_version(db, &v, d);
        if (rc != OL_OK)
            goto fail;
        if (v > SQ_NMIGRATIONS) {
            rc = OL_FAIL(d, OL_E_STATE,
                         "database schema version %" PRIu32 " is newer than this build's %" PRIu32,
                         v, SQ_NMIGRATIONS);
            goto fail;
        }
        if (v == SQ_NMIGRATIONS) {
            exec_sql(db, "COMMIT", "commit", NULL);
            *version = v;
            return OL_OK;
        }
        rc = exec_sql(db, migrations[v], "migration", d);
        if (rc != OL_OK)
            goto fail;
        char ins[128];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(ins, sizeof ins, "INSERT INTO schema_migrations VALUES(%" PRIu32 ", %lld)", v + 1,
                 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        rc = exec_sql(db, ins, "record migration", d);
        if (rc != OL_OK)
            goto fail;
        rc = exec_sql(db, "COMMIT", "commit migration", d);
        if (rc != OL_OK)
            goto fail;
        OL_LOG(OL_LOG_INFO, "event=store_migrated version=%" PRIu32, v + 1);
    }
fail:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static ol_err sq_open(const char *rest, const ol_store_options *opts, ol_store **out, ol_diag *d)
{
    ol_err rc = OL_OK;
    char path[4096];
    bool sync_full = false;
    const char *q = strchr(rest, '?');
    size_t plen = q != NULL ? (size_t)(q - rest) : strlen(rest);
    if (plen == 0 || plen >= sizeof path)
        return OL_FAIL(d, OL_E_INVAL, "sqlite: URL needs a file path (sqlite:PATH)");
    memcpy(path, rest, plen);
    path[plen] = '\0';
    if (q != NULL) {
        if (strcmp(q, "?sync=full") == 0)
            sync_full = true;
        else if (strcmp(q, "?sync=normal") != 0)
            return OL_FAIL(d, OL_E_INVAL, "sqlite: unknown URL parameter '%.40s'", q + 1);
    }
    if (!sqlite3_threadsafe())
        return OL_FAIL(d, OL_E_UNSUPPORTED, "sqlite3 was built without thread support");

    sq_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "store");
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_cond_init(&s->pool_cv, NULL);
    pthread_mutex_init(&s->write_mu, NULL);
    atomic_init(&s->fault, -1);
    s->busy_timeout_ms = opts->busy_timeout_ms;
    s->conns = calloc(opts->pool_size, sizeof *s->conns);
    if (s->conns == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "store connections");
        goto fail;
    }
    for (uint32_t i = 0; i < opts->pool_size; i++) {
        sq_conn *c = &s->conns[i];
        int src = sqlite3_open_v2(
            path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        s->nconns = i + 1;
        if (src != SQLITE_OK) {
            rc = OL_FAIL(d, OL_E_IO, "sqlite: cannot open %s: %s", path,
                         c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(src));
            goto fail;
        }
        sqlite3_extended_result_codes(c->db, 1);
        sqlite3_busy_timeout(
            c->db, (int)(opts->busy_timeout_ms > INT_MAX ? INT_MAX : opts->busy_timeout_ms));
        if (i == 0) {
            /* WAL is a property of the file: set once, check it took. */
            sqlite3_stmt *st = NULL;
            src = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
            if (src == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
                strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0) {
                sqlite3_finalize(st);
            } else {
                sqlite3_finalize(st);
                rc = OL_FAIL(d, OL_E_IO, "sqlite: cannot enable WAL on %s: %s", path,
                             sqlite3_errmsg(c->db));
                goto fail;
            }
        }
        rc = exec_sql(c->db,
                      sync_full ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"
                                : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
                      "sqlite pragmas", d);
        if (rc != OL_OK)
            goto fail;
        if (i == 0) {
            rc = migrate(c->db, &s->base.schema_version, d);
            if (rc != OL_OK)
                goto fail;
        }
    }
    *out = &s->base;
    return OL_OK;
fail:
    sq_close(&s->base);
    return rc;
}

static ol_err sq_ping(ol_store *base, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    sqlite3_stmt *st = stmt(c, "SELECT count(*) FROM totals", d);
    rc = st == NULL ? OL_E_IO : row(s, c, st, "ping", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_IO, "ping: no row");
    rd_end(s, c);
    return rc;
}

static void sq_set_fault(ol_store *base, long countdown)
{
    atomic_store(&SQ(base)->fault, countdown);
}

/* Shorthand: prepare or bail out to `out` with rc set. */
#define PREP(st, sql)             \
    do {                          \
        (st) = stmt(c, (sql), d); \
        if ((st) == NULL) {       \
            rc = OL_E_IO;         \
            goto out;             \
        }                         \
    } while (0)

#define TRY(expr)        \
    do {                 \
        rc = (expr);     \
        if (rc != OL_OK) \
            goto out;    \
    } while (0)

/* ---------------------------------- registry ---------------------------------- */

static const char SQL_PROJECT_INSERT[] =
    "INSERT INTO projects(owner, name, active_version, created_ms) VALUES(?, ?, '', ?)";
static const char SQL_PROJECT_GET[] =
    "SELECT p.owner, p.name, p.active_version, p.created_ms,"
    " (SELECT count(*) FROM versions v WHERE v.owner = p.owner AND v.name = p.name)"
    " FROM projects p WHERE p.owner = ? AND p.name = ?";
static const char SQL_PROJECT_LIST[] =
    "SELECT p.owner, p.name, p.active_version, p.created_ms,"
    " (SELECT count(*) FROM versions v WHERE v.owner = p.owner AND v.name = p.name)"
    " FROM projects p ORDER BY p.owner, p.name";

static ol_err sq_project_create(ol_store *base, const char *owner, const char *name,
                                uint64_t now_ms, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_PROJECT_INSERT);
    bt(st, 1, owner);
    bt(st, 2, name);
    bi(st, 3, now_ms);
    rc = exec_st(s, c, st, "insert project", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "project %s/%s already exists", owner, name);
out:
    return tx_end(s, c, rc, d);
}

static void project_from_row(sqlite3_stmt *st, ol_store_project *p)
{
    memset(p, 0, sizeof *p);
    ol__store_copy(p->owner, sizeof p->owner, ct(st, 0));
    ol__store_copy(p->name, sizeof p->name, ct(st, 1));
    ol__store_copy(p->active_version, sizeof p->active_version, ct(st, 2));
    p->created_ms = cu(st, 3);
    p->nversions = (uint32_t)cu(st, 4);
}

static ol_err sq_project_get(ol_store *base, const char *owner, const char *name,
                             ol_store_project *outp, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_PROJECT_GET);
    bt(st, 1, owner);
    bt(st, 2, name);
    rc = row(s, c, st, "get project", d);
    if (rc == OL_OK)
        project_from_row(st, outp);
    else if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no project %s/%s", owner, name);
out:
    rd_end(s, c);
    return rc;
}

static ol_err sq_project_list(ol_store *base, ol_store_project_cb cb, void *ud, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_PROJECT_LIST);
    for (;;) {
        rc = row(s, c, st, "list projects", d);
        if (rc != OL_OK)
            break;
        ol_store_project p;
        project_from_row(st, &p);
        if (cb(ud, &p) != 0)
            break;
    }
    if (rc == OL_E_NOTFOUND || rc == OL_OK)
        rc = OL_OK;
out:
    rd_end(s, c);
    return rc;
}

static const char SQL_PROJECT_ACTIVE[] =
    "SELECT active_version FROM projects WHERE owner = ? AND name = ?";
static const char SQL_BLOB_INSERT[] =
    "INSERT OR IGNORE INTO wasm_blobs(sha256, bytes, size, created_ms) VALUES(?, ?, ?, ?)";
static const char SQL_VERSION_INSERT[] =
    "INSERT OR IGNORE INTO versions(owner, name, sha256, created_ms) VALUES(?, ?, ?, ?)";
static const char SQL_PROJECT_SET_ACTIVE[] =
    "UPDATE projects SET active_version = ? WHERE owner = ? AND name = ?";
static const char SQL_VERSION_EXISTS[] =
    "SELECT 1 FROM versions WHERE owner = ? AND name = ? AND sha256 = ?";
static const char SQL_VERSION_GET[] =
    "SELECT v.sha256, b.size, v.created_ms, p.active_version = v.sha256"
    " FROM versions v JOIN wasm_blobs b ON b.sha256 = v.sha256"
    " JOIN projects p ON p.owner = v.owner AND p.name = v.name"
    " WHERE v.owner = ? AND v.name = ? AND v.sha256 = ?";
static const char SQL_VERSION_LIST[] =
    "SELECT v.sha256, b.size, v.created_ms, p.active_version = v.sha256"
    " FROM versions v JOIN wasm_blobs b ON b.sha256 = v.sha256"
    " JOIN projects p ON p.owner = v.owner AND p.name = v.name"
    " WHERE v.owner = ? AND v.name = ? ORDER BY v.rowid";
static const char SQL_WASM_GET[] = "SELECT bytes FROM wasm_blobs WHERE sha256 = ?";

static ol_err sq_version_add(ol_store *base, const char *owner, const char *name,
                             const uint8_t *bytes, size_t len, const char *sha256, bool activate,
                             uint64_t now_ms, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_PROJECT_ACTIVE);
    bt(st, 1, owner);
    bt(st, 2, name);
    rc = row(s, c, st, "project", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no project %s/%s", owner, name);
    if (rc != OL_OK)
        goto out;
    bool had_active = ct(st, 0)[0] != '\0';
    sqlite3_reset(st);
    PREP(st, SQL_BLOB_INSERT);
    bt(st, 1, sha256);
    bb(st, 2, bytes, len);
    bi(st, 3, len);
    bi(st, 4, now_ms);
    TRY(exec_st(s, c, st, "insert wasm", d));
    PREP(st, SQL_VERSION_INSERT);
    bt(st, 1, owner);
    bt(st, 2, name);
    bt(st, 3, sha256);
    bi(st, 4, now_ms);
    TRY(exec_st(s, c, st, "insert version", d));
    if (activate || !had_active) {
        PREP(st, SQL_PROJECT_SET_ACTIVE);
        bt(st, 1, sha256);
        bt(st, 2, owner);
        bt(st, 3, name);
        TRY(exec_st(s, c, st, "activate version", d));
    }
out:
    return tx_end(s, c, rc, d);
}

static ol_err sq_version_activate(ol_store *base, const char *owner, const char *name,
                                  const char *sha256, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_VERSION_EXISTS);
    bt(st, 1, owner);
    bt(st, 2, name);
    bt(st, 3, sha256);
    rc = row(s, c, st, "version", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no version %.16s… of %s/%s", sha256, owner, name);
    if (rc != OL_OK)
        goto out;
    sqlite3_reset(st);
    PREP(st, SQL_PROJECT_SET_ACTIVE);
    bt(st, 1, sha256);
    bt(st, 2, owner);
    bt(st, 3, name);
    TRY(exec_st(s, c, st, "activate version", d));
out:
    return tx_end(s, c, rc, d);
}

static void version_from_row(sqlite3_stmt *st, ol_store_version *v)
{
    memset(v, 0, sizeof *v);
    ol__store_copy(v->sha256, sizeof v->sha256, ct(st, 0));
    v->size = cu(st, 1);
    v->created_ms = cu(st, 2);
    v->active = sqlite3_column_int(st, 3) != 0;
}

static ol_err sq_version_get(ol_store *base, const char *owner, const char *name,
                             const char *sha256, ol_store_version *outv, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    char active[OL_STORE_SHA_HEX + 1];
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    /* Both reads in one snapshot. */
    if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = sq_err(d, c->db, sqlite3_errcode(c->db), "begin");
        goto out;
    }
    if (sha256 == NULL) {
        PREP(st, SQL_PROJECT_ACTIVE);
        bt(st, 1, owner);
        bt(st, 2, name);
        rc = row(s, c, st, "project", d);
        if (rc == OL_E_NOTFOUND)
            rc = OL_FAIL(d, OL_E_NOTFOUND, "no project %s/%s", owner, name);
        if (rc != OL_OK)
            goto out;
        ol__store_copy(active, sizeof active, ct(st, 0));
        sqlite3_reset(st);
        if (active[0] == '\0') {
            rc = OL_FAIL(d, OL_E_NOTFOUND, "project %s/%s has no active version", owner, name);
            goto out;
        }
        sha256 = active;
    }
    PREP(st, SQL_VERSION_GET);
    bt(st, 1, owner);
    bt(st, 2, name);
    bt(st, 3, sha256);
    rc = row(s, c, st, "version", d);
    if (rc == OL_OK)
        version_from_row(st, outv);
    else if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no version %.16s… of %s/%s", sha256, owner, name);
out:
    if (!sqlite3_get_autocommit(c->db)) {
        sqlite3_stmt *x = NULL;
        while ((x = sqlite3_next_stmt(c->db, x)) != NULL)
            sqlite3_reset(x);
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    }
    rd_end(s, c);
    return rc;
}

static ol_err sq_version_list(ol_store *base, const char *owner, const char *name,
                              ol_store_version_cb cb, void *ud, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_PROJECT_ACTIVE);
    bt(st, 1, owner);
    bt(st, 2, name);
    rc = row(s, c, st, "project", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no project %s/%s", owner, name);
    if (rc != OL_OK)
        goto out;
    sqlite3_reset(st);
    PREP(st, SQL_VERSION_LIST);
    bt(st, 1, owner);
    bt(st, 2, name);
    for (;;) {
        rc = row(s, c, st, "list versions", d);
        if (rc != OL_OK)
            break;
        ol_store_version v;
        version_from_row(st, &v);
        if (cb(ud, &v) != 0)
            break;
    }
    if (rc == OL_E_NOTFOUND)
        rc = OL_OK;
out:
    rd_end(s, c);
    return rc;
}

static ol_err sq_wasm_get(ol_store *base, const char *sha256, uint8_t **bytes, size_t *len,
                          ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_WASM_GET);
    bt(st, 1, sha256);
    rc = row(s, c, st, "wasm", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no wasm %.16s…", sha256);
    if (rc != OL_OK)
        goto out;
    size_t n = cn(st, 0);
    uint8_t *p = malloc(n > 0 ? n : 1);
    if (p == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "wasm %zu bytes", n);
        goto out;
    }
    if (n > 0)
        memcpy(p, sqlite3_column_blob(st, 0), n);
    *bytes = p;
    *len = n;
out:
    rd_end(s, c);
    return rc;
}

/* -------------------------------- payment keys -------------------------------- */

static const char SQL_KEY_NEXT_NONCE[] =
    "SELECT coalesce(max(nonce), 0) + 1 FROM payment_keys WHERE owner = ?";
static const char SQL_KEY_INSERT[] =
    "INSERT INTO payment_keys(owner, nonce, secret_sha256, initial_balance, max_per_call,"
    " projects, created_ms) VALUES(?, ?, ?, ?, ?, ?, ?)";
#define KEY_COLS                                                                             \
    "owner, nonce, secret_sha256, initial_balance, spent, reserved, max_per_call, projects," \
    " inflight, created_ms, last_used_ms"
static const char SQL_KEY_GET[] =
    "SELECT " KEY_COLS " FROM payment_keys WHERE owner = ? AND nonce = ?";
static const char SQL_KEY_LIST_ALL[] =
    "SELECT " KEY_COLS " FROM payment_keys ORDER BY owner, nonce";
static const char SQL_KEY_LIST_OWNER[] =
    "SELECT " KEY_COLS " FROM payment_keys WHERE owner = ? ORDER BY nonce";
static const char SQL_KEY_BALANCE[] =
    "SELECT initial_balance, spent, reserved, inflight FROM payment_keys"
    " WHERE owner = ? AND nonce = ?";
static const char SQL_KEY_SET_INITIAL[] =
    "UPDATE payment_keys SET initial_balance = ? WHERE owner = ? AND nonce = ?";

static ol_err sq_key_create(ol_store *base, const ol_store_key_spec *spec,
                            const char *projects_text, uint64_t now_ms, uint32_t *nonce_out,
                            ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    uint32_t nonce = spec->nonce;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    if (nonce == 0) {
        PREP(st, SQL_KEY_NEXT_NONCE);
        bt(st, 1, spec->owner);
        TRY(row(s, c, st, "next nonce", d));
        uint64_t n = cu(st, 0);
        sqlite3_reset(st);
        if (n > (uint64_t)INT32_MAX) {
            rc = OL_FAIL(d, OL_E_INVAL, "owner %s has used every nonce", spec->owner);
            goto out;
        }
        nonce = (uint32_t)n;
    }
    PREP(st, SQL_KEY_INSERT);
    bt(st, 1, spec->owner);
    bi(st, 2, nonce);
    bb(st, 3, spec->secret_sha256, 32);
    bi(st, 4, spec->initial_balance);
    bi(st, 5, spec->max_per_call);
    bt(st, 6, projects_text);
    bi(st, 7, now_ms);
    rc = exec_st(s, c, st, "insert key", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "payment key %s:%" PRIu32 " already exists", spec->owner,
                     nonce);
out:
    rc = tx_end(s, c, rc, d);
    if (rc == OL_OK && nonce_out != NULL)
        *nonce_out = nonce;
    return rc;
}

static ol_store_key *key_from_row(sqlite3_stmt *st)
{
    ol_store_key k;
    memset(&k, 0, sizeof k);
    ol__store_copy(k.owner, sizeof k.owner, ct(st, 0));
    k.nonce = (uint32_t)cu(st, 1);
    if (cn(st, 2) == 32)
        memcpy(k.secret_sha256, sqlite3_column_blob(st, 2), 32);
    k.initial_balance = cu(st, 3);
    k.spent = cu(st, 4);
    k.reserved = cu(st, 5);
    k.max_per_call = cu(st, 6);
    k.inflight = (uint32_t)cu(st, 8);
    k.created_ms = cu(st, 9);
    k.last_used_ms = cu(st, 10);
    return ol__store_key_build(&k, ct(st, 7));
}

static ol_err sq_key_get(ol_store *base, const char *owner, uint32_t nonce, ol_store_key **outk,
                         ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_KEY_GET);
    bt(st, 1, owner);
    bi(st, 2, nonce);
    rc = row(s, c, st, "get key", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no payment key %s:%" PRIu32, owner, nonce);
    if (rc != OL_OK)
        goto out;
    ol_store_key *k = key_from_row(st);
    if (k == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "key record");
        goto out;
    }
    *outk = k;
out:
    rd_end(s, c);
    return rc;
}

static ol_err sq_key_list(ol_store *base, const char *owner, ol_store_key_cb cb, void *ud,
                          ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, owner != NULL ? SQL_KEY_LIST_OWNER : SQL_KEY_LIST_ALL);
    if (owner != NULL)
        bt(st, 1, owner);
    for (;;) {
        rc = row(s, c, st, "list keys", d);
        if (rc != OL_OK)
            break;
        ol_store_key *k = key_from_row(st);
        if (k == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "key record");
            break;
        }
        int stop = cb(ud, k);
        ol_store_key_free(k);
        if (stop != 0)
            break;
    }
    if (rc == OL_E_NOTFOUND)
        rc = OL_OK;
out:
    rd_end(s, c);
    return rc;
}

static ol_err sq_key_top_up(ol_store *base, const char *owner, uint32_t nonce, uint64_t amount,
                            ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_KEY_BALANCE);
    bt(st, 1, owner);
    bi(st, 2, nonce);
    rc = row(s, c, st, "key", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no payment key %s:%" PRIu32, owner, nonce);
    if (rc != OL_OK)
        goto out;
    uint64_t initial = cu(st, 0), sum;
    sqlite3_reset(st);
    if (__builtin_add_overflow(initial, amount, &sum) || sum > OL_STORE_MONEY_MAX) {
        rc = OL_FAIL(d, OL_E_RANGE, "balance would exceed %llu micro-USD",
                     (unsigned long long)OL_STORE_MONEY_MAX);
        goto out;
    }
    PREP(st, SQL_KEY_SET_INITIAL);
    bi(st, 1, sum);
    bt(st, 2, owner);
    bi(st, 3, nonce);
    TRY(exec_st(s, c, st, "top up", d));
out:
    return tx_end(s, c, rc, d);
}

/* ------------------------------------ calls ------------------------------------ */

static const char SQL_KEY_RESERVE[] =
    "UPDATE payment_keys SET reserved = reserved + ?, inflight = inflight + 1, last_used_ms = ?"
    " WHERE owner = ? AND nonce = ?";
static const char SQL_CALL_INSERT[] =
    "INSERT INTO calls(id, task_id, key_owner, key_nonce, project_owner, project_name, version,"
    " status, is_async, compute_limit, attached_deposit, reserved, created_ms, input, task_json)"
    " VALUES(?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_TASK_INSERT[] =
    "INSERT INTO tasks(id, call_id, max_attempts, created_ms, queued_ms) VALUES(?, ?, ?, ?, ?)";

static ol_err sq_call_submit(ol_store *base, const ol_store_submit *sub, uint64_t now_ms,
                             ol_store_submit_result *result, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_store_submit_result res = OL_STORE_SUBMIT_OK;
    uint64_t total = sub->compute_limit + sub->attached_deposit; /* bounded by store.c */
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_KEY_BALANCE);
    bt(st, 1, sub->key_owner);
    bi(st, 2, sub->key_nonce);
    rc = row(s, c, st, "key", d);
    if (rc == OL_E_NOTFOUND) {
        res = OL_STORE_SUBMIT_NO_KEY;
        rc = OL_OK;
        goto decided;
    }
    if (rc != OL_OK)
        goto out;
    uint64_t initial = cu(st, 0), spent = cu(st, 1), reserved = cu(st, 2);
    uint64_t inflight = cu(st, 3);
    sqlite3_reset(st);
    if (!OL_ALWAYS(spent <= initial && reserved <= initial - spent)) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "key %s:%" PRIu32 " violates spent + reserved <= initial",
                     sub->key_owner, sub->key_nonce);
        goto out;
    }
    /* The concurrency cap first: at the cap the balance is held by calls in flight, and the
     * right answer is "wait" (429), not "top up" (402). */
    if (sub->max_concurrent != 0 && inflight >= sub->max_concurrent) {
        res = OL_STORE_SUBMIT_TOO_MANY;
        goto decided;
    }
    uint64_t available = initial - spent - reserved;
    if (available < total) {
        res = OL_STORE_SUBMIT_INSUFFICIENT;
        goto decided;
    }
    PREP(st, SQL_KEY_RESERVE);
    bi(st, 1, total);
    bi(st, 2, now_ms);
    bt(st, 3, sub->key_owner);
    bi(st, 4, sub->key_nonce);
    TRY(exec_st(s, c, st, "reserve", d));
    PREP(st, SQL_CALL_INSERT);
    bt(st, 1, sub->call_id);
    bt(st, 2, sub->task_id);
    bt(st, 3, sub->key_owner);
    bi(st, 4, sub->key_nonce);
    bt(st, 5, sub->project_owner);
    bt(st, 6, sub->project_name);
    bt(st, 7, sub->version);
    bi(st, 8, sub->is_async ? 1 : 0);
    bi(st, 9, sub->compute_limit);
    bi(st, 10, sub->attached_deposit);
    bi(st, 11, total);
    bi(st, 12, now_ms);
    bb(st, 13, sub->input != NULL ? sub->input : (const uint8_t *)"", sub->input_len);
    sqlite3_bind_text(st, 14, sub->task_json, (int)sub->task_json_len, SQLITE_STATIC);
    rc = exec_st(s, c, st, "insert call", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "call id %s or task id %s already used", sub->call_id,
                     sub->task_id);
    if (rc != OL_OK)
        goto out;
    PREP(st, SQL_TASK_INSERT);
    bt(st, 1, sub->task_id);
    bt(st, 2, sub->call_id);
    bi(st, 3, sub->max_attempts);
    bi(st, 4, now_ms);
    bi(st, 5, now_ms);
    rc = exec_st(s, c, st, "insert task", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "task id %s already used", sub->task_id);
    goto out;
decided:
    /* A refusal writes nothing: roll back the (read-only) transaction. */
    tx_end(s, c, OL_E_STATE, NULL);
    *result = res;
    return OL_OK;
out:
    rc = tx_end(s, c, rc, d);
    if (rc == OL_OK)
        *result = OL_STORE_SUBMIT_OK;
    return rc;
}

#define CALL_COLS                                                                             \
    "id, task_id, key_owner, key_nonce, project_owner, project_name, version, status,"        \
    " is_async, compute_limit, attached_deposit, reserved, charged, paid, error_code, error," \
    " run_status, exit_code, instructions, time_ms, worker_id, attempts, created_ms,"         \
    " started_ms, completed_ms, input, output, stderr, evidence, transcript, task_json"
static const char SQL_CALL_GET[] = "SELECT " CALL_COLS " FROM calls WHERE id = ?";

static ol_store_call *call_from_row(sqlite3_stmt *st)
{
    ol_store_call c;
    memset(&c, 0, sizeof c);
    ol__store_copy(c.id, sizeof c.id, ct(st, 0));
    ol__store_copy(c.task_id, sizeof c.task_id, ct(st, 1));
    ol__store_copy(c.key_owner, sizeof c.key_owner, ct(st, 2));
    c.key_nonce = (uint32_t)cu(st, 3);
    ol__store_copy(c.project_owner, sizeof c.project_owner, ct(st, 4));
    ol__store_copy(c.project_name, sizeof c.project_name, ct(st, 5));
    ol__store_copy(c.version, sizeof c.version, ct(st, 6));
    c.status = (ol_store_call_status)cu(st, 7);
    c.is_async = cu(st, 8) != 0;
    c.compute_limit = cu(st, 9);
    c.attached_deposit = cu(st, 10);
    c.reserved = cu(st, 11);
    c.charged = cu(st, 12);
    c.paid = cu(st, 13);
    ol__store_copy(c.error_code, sizeof c.error_code, ct(st, 14));
    ol__store_copy(c.run_status, sizeof c.run_status, ct(st, 16));
    c.exit_code = (uint32_t)cu(st, 17);
    c.instructions = cu(st, 18);
    c.time_ms = cu(st, 19);
    ol__store_copy(c.worker_id, sizeof c.worker_id, ct(st, 20));
    c.attempts = (uint32_t)cu(st, 21);
    c.created_ms = cu(st, 22);
    c.started_ms = cu(st, 23);
    c.completed_ms = cu(st, 24);
    /* Column pointers stay valid until the next step/reset; the builder copies them now. */
    const char *error = ct(st, 15);
    const uint8_t *input = sqlite3_column_blob(st, 25);
    size_t input_len = cn(st, 25);
    const uint8_t *output = sqlite3_column_blob(st, 26);
    size_t output_len = cn(st, 26);
    const char *err_text = ct(st, 27);
    const char *evidence = ct(st, 28);
    const uint8_t *transcript = sqlite3_column_blob(st, 29);
    size_t transcript_len = cn(st, 29);
    const char *task_json = ct(st, 30);
    return ol__store_call_build(&c, error, input, input_len, output, output_len, err_text, evidence,
                                transcript, transcript_len, task_json);
}

static ol_err sq_call_get(ol_store *base, const char *call_id, ol_store_call **outc, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_CALL_GET);
    bt(st, 1, call_id);
    rc = row(s, c, st, "get call", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no call %s", call_id);
    if (rc != OL_OK)
        goto out;
    ol_store_call *call = call_from_row(st);
    if (call == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "call record");
        goto out;
    }
    *outc = call;
out:
    rd_end(s, c);
    return rc;
}

/* ---- settlement: the only way a call becomes terminal ---- */

typedef struct settle_args {
    const char *call_id;
    bool success;
    const char *error_code;
    const char *error;
    const char *run_status;
    uint32_t exit_code;
    uint64_t instructions, time_ms, charge;
    const uint8_t *output;
    size_t output_len;
    const char *stderr_text;
    const char *evidence;
    const uint8_t *transcript;
    size_t transcript_len;
    const char *done_worker; /* "" when the platform ended the call */
    uint32_t done_attempt;
} settle_args;

static const char SQL_SETTLE_CALL_GET[] =
    "SELECT key_owner, key_nonce, project_owner, project_name, reserved, compute_limit,"
    " attached_deposit, status FROM calls WHERE id = ?";
static const char SQL_SETTLE_KEY_GET[] =
    "SELECT spent, reserved, inflight, initial_balance FROM payment_keys"
    " WHERE owner = ? AND nonce = ?";
static const char SQL_SETTLE_KEY_SET[] =
    "UPDATE payment_keys SET spent = ?, reserved = ?, inflight = inflight - 1"
    " WHERE owner = ? AND nonce = ?";
static const char SQL_SETTLE_CALL_SET[] =
    "UPDATE calls SET status = ?, error_code = ?, error = ?, run_status = ?, exit_code = ?,"
    " instructions = ?, time_ms = ?, charged = ?, paid = ?, reserved = 0, completed_ms = ?,"
    " output = ?, stderr = ?, evidence = ?, transcript = ? WHERE id = ?";
static const char SQL_EARN_GET[] = "SELECT balance, total_earned FROM earnings WHERE owner = ?";
static const char SQL_EARN_SET[] =
    "INSERT INTO earnings(owner, balance, total_earned, updated_ms) VALUES(?, ?, ?, ?)"
    " ON CONFLICT(owner) DO UPDATE SET balance = excluded.balance,"
    " total_earned = excluded.total_earned, updated_ms = excluded.updated_ms";
static const char SQL_EARN_HISTORY[] =
    "INSERT INTO earnings_history(owner, project_name, call_id, amount, created_ms)"
    " VALUES(?, ?, ?, ?, ?)";
static const char SQL_TOTALS_ADD[] =
    "UPDATE totals SET completed = completed + ?, failed = failed + ?,"
    " instructions = instructions + ?, time_ms = time_ms + ?, ran = ran + ?,"
    " charged = charged + ?, charged_calls = charged_calls + ? WHERE id = 1";
static const char SQL_TASK_DONE[] =
    "UPDATE tasks SET state = 2, done_worker = ?, done_attempt = ?, lease_expires_ms = 0"
    " WHERE call_id = ?";

static ol_err settle(sq_store *s, sq_conn *c, const settle_args *a, uint64_t now_ms, ol_diag *d)
{
    ol_err rc;
    sqlite3_stmt *st;
    char key_owner[OL_STORE_OWNER_MAX + 1], powner[OL_STORE_OWNER_MAX + 1];
    char pname[OL_STORE_NAME_MAX + 1];

    PREP(st, SQL_SETTLE_CALL_GET);
    bt(st, 1, a->call_id);
    rc = row(s, c, st, "settle: call", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no call %s", a->call_id);
    if (rc != OL_OK)
        goto out;
    ol__store_copy(key_owner, sizeof key_owner, ct(st, 0));
    uint64_t key_nonce = cu(st, 1);
    ol__store_copy(powner, sizeof powner, ct(st, 2));
    ol__store_copy(pname, sizeof pname, ct(st, 3));
    uint64_t call_reserved = cu(st, 4), limit = cu(st, 5), deposit = cu(st, 6);
    uint64_t status = cu(st, 7);
    sqlite3_reset(st);
    if (status >= OL_STORE_CALL_COMPLETED) {
        rc = OL_FAIL(d, OL_E_STATE, "call %s is already settled", a->call_id);
        goto out;
    }
    if (a->charge > limit) {
        rc = OL_FAIL(d, OL_E_RANGE, "charge %" PRIu64 " above the compute limit %" PRIu64,
                     a->charge, limit);
        goto out;
    }
    uint64_t paid = a->success ? deposit : 0;

    PREP(st, SQL_SETTLE_KEY_GET);
    bt(st, 1, key_owner);
    bi(st, 2, key_nonce);
    rc = row(s, c, st, "settle: key", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_INTERNAL, "call %s has no payment key", a->call_id);
    if (rc != OL_OK)
        goto out;
    uint64_t spent = cu(st, 0), reserved = cu(st, 1), inflight = cu(st, 2);
    uint64_t initial = cu(st, 3);
    sqlite3_reset(st);
    uint64_t new_spent;
    if (!OL_ALWAYS(reserved >= call_reserved && inflight > 0) ||
        __builtin_add_overflow(spent, a->charge + paid, &new_spent) ||
        !OL_ALWAYS(new_spent + (reserved - call_reserved) <= initial)) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "settle: key %s:%" PRIu64 " accounting out of balance",
                     key_owner, key_nonce);
        goto out;
    }
    PREP(st, SQL_SETTLE_KEY_SET);
    bi(st, 1, new_spent);
    bi(st, 2, reserved - call_reserved);
    bt(st, 3, key_owner);
    bi(st, 4, key_nonce);
    TRY(exec_st(s, c, st, "settle: key", d));

    PREP(st, SQL_SETTLE_CALL_SET);
    bi(st, 1, a->success ? OL_STORE_CALL_COMPLETED : OL_STORE_CALL_FAILED);
    bt(st, 2, a->success ? "" : a->error_code);
    bt(st, 3, a->error != NULL ? a->error : "");
    bt(st, 4, a->run_status != NULL ? a->run_status : "");
    bi(st, 5, a->exit_code);
    bi(st, 6, a->instructions);
    bi(st, 7, a->time_ms);
    bi(st, 8, a->charge);
    bi(st, 9, paid);
    bi(st, 10, now_ms);
    if (a->output != NULL)
        bb(st, 11, a->output, a->output_len);
    if (a->stderr_text != NULL)
        bt(st, 12, a->stderr_text);
    if (a->evidence != NULL)
        bt(st, 13, a->evidence);
    if (a->transcript != NULL)
        bb(st, 14, a->transcript, a->transcript_len);
    bt(st, 15, a->call_id);
    TRY(exec_st(s, c, st, "settle: call", d));

    if (paid > 0) {
        PREP(st, SQL_EARN_GET);
        bt(st, 1, powner);
        rc = row(s, c, st, "earnings", d);
        uint64_t bal = 0, total = 0;
        if (rc == OL_OK) {
            bal = cu(st, 0);
            total = cu(st, 1);
        } else if (rc != OL_E_NOTFOUND) {
            goto out;
        }
        sqlite3_reset(st);
        if (__builtin_add_overflow(bal, paid, &bal) ||
            __builtin_add_overflow(total, paid, &total) || total > OL_STORE_MONEY_MAX) {
            rc = OL_FAIL(d, OL_E_RANGE, "earnings of %s would overflow", powner);
            goto out;
        }
        PREP(st, SQL_EARN_SET);
        bt(st, 1, powner);
        bi(st, 2, bal);
        bi(st, 3, total);
        bi(st, 4, now_ms);
        TRY(exec_st(s, c, st, "earnings", d));
        PREP(st, SQL_EARN_HISTORY);
        bt(st, 1, powner);
        bt(st, 2, pname);
        bt(st, 3, a->call_id);
        bi(st, 4, paid);
        bi(st, 5, now_ms);
        TRY(exec_st(s, c, st, "earnings history", d));
    }

    PREP(st, SQL_TOTALS_ADD);
    bi(st, 1, a->success ? 1 : 0);
    bi(st, 2, a->success ? 0 : 1);
    bi(st, 3, a->instructions);
    bi(st, 4, a->time_ms);
    bi(st, 5, (a->instructions > 0 || a->time_ms > 0) ? 1 : 0);
    bi(st, 6, a->charge);
    bi(st, 7, a->charge > 0 ? 1 : 0);
    TRY(exec_st(s, c, st, "totals", d));

    PREP(st, SQL_TASK_DONE);
    bt(st, 1, a->done_worker);
    bi(st, 2, a->done_attempt);
    bt(st, 3, a->call_id);
    TRY(exec_st(s, c, st, "task done", d));
out:
    return rc;
}

static const char SQL_CANCEL_GET[] =
    "SELECT t.state, c.status FROM tasks t JOIN calls c ON c.id = t.call_id WHERE c.id = ?";

static ol_err sq_call_cancel_queued(ol_store *base, const char *call_id, const char *error_code,
                                    const char *error, uint64_t now_ms, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_CANCEL_GET);
    bt(st, 1, call_id);
    rc = row(s, c, st, "call", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no call %s", call_id);
    if (rc != OL_OK)
        goto out;
    uint64_t state = cu(st, 0), status = cu(st, 1);
    sqlite3_reset(st);
    if (state != 0 || status >= OL_STORE_CALL_COMPLETED) {
        rc = OL_FAIL(d, OL_E_STATE, "call %s is no longer queued", call_id);
        goto out;
    }
    settle_args a = {.call_id = call_id,
                     .success = false,
                     .error_code = error_code,
                     .error = error,
                     .done_worker = ""};
    rc = settle(s, c, &a, now_ms, d);
out:
    return tx_end(s, c, rc, d);
}

/* ------------------------------------ queue ------------------------------------ */

static const char SQL_CLAIM_ANY[] =
    "SELECT 1 WHERE EXISTS (SELECT 1 FROM tasks WHERE state = 0)"
    " OR EXISTS (SELECT 1 FROM tasks WHERE state = 1 AND lease_expires_ms <= ?"
    " AND attempt < max_attempts)";
static const char SQL_CLAIM_QUEUED[] =
    "SELECT id FROM tasks WHERE state = 0 ORDER BY queued_ms, rowid LIMIT 1";
static const char SQL_CLAIM_LAPSED[] =
    "SELECT id FROM tasks WHERE state = 1 AND lease_expires_ms <= ? AND attempt < max_attempts"
    " ORDER BY lease_expires_ms LIMIT 1";
static const char SQL_CLAIM_SET[] =
    "UPDATE tasks SET state = 1, attempt = attempt + 1, worker_id = ?, lease_expires_ms = ?"
    " WHERE id = ?";
static const char SQL_CLAIM_CALL[] =
    "UPDATE calls SET status = 1, started_ms = ?, attempts = attempts + 1, worker_id = ?"
    " WHERE id = (SELECT call_id FROM tasks WHERE id = ?)";
static const char SQL_TASK_GET[] =
    "SELECT t.id, t.call_id, c.project_owner, c.project_name, c.version, t.worker_id,"
    " t.attempt, t.max_attempts, t.lease_expires_ms, c.input, c.task_json"
    " FROM tasks t JOIN calls c ON c.id = t.call_id WHERE t.id = ?";

/* Inside a write transaction: leases task `id` to worker_id until lease_expires_ms (attempt + 1,
 * the call becomes running) and reads the claimed task back. */
static ol_err claim_set(sq_store *s, sq_conn *c, const char *id, const char *worker_id,
                        uint64_t now_ms, uint64_t lease_expires_ms, ol_store_task **outt,
                        ol_diag *d)
{
    sqlite3_stmt *st;
    ol_err rc = OL_OK;
    PREP(st, SQL_CLAIM_SET);
    bt(st, 1, worker_id);
    bi(st, 2, lease_expires_ms);
    bt(st, 3, id);
    TRY(exec_st(s, c, st, "claim task", d));
    PREP(st, SQL_CLAIM_CALL);
    bi(st, 1, now_ms);
    bt(st, 2, worker_id);
    bt(st, 3, id);
    TRY(exec_st(s, c, st, "claim call", d));
    PREP(st, SQL_TASK_GET);
    bt(st, 1, id);
    TRY(row(s, c, st, "claimed task", d));
    ol_store_task f;
    memset(&f, 0, sizeof f);
    ol__store_copy(f.id, sizeof f.id, ct(st, 0));
    ol__store_copy(f.call_id, sizeof f.call_id, ct(st, 1));
    ol__store_copy(f.project_owner, sizeof f.project_owner, ct(st, 2));
    ol__store_copy(f.project_name, sizeof f.project_name, ct(st, 3));
    ol__store_copy(f.version, sizeof f.version, ct(st, 4));
    ol__store_copy(f.worker_id, sizeof f.worker_id, ct(st, 5));
    f.attempt = (uint32_t)cu(st, 6);
    f.max_attempts = (uint32_t)cu(st, 7);
    f.lease_expires_ms = cu(st, 8);
    *outt = ol__store_task_build(&f, sqlite3_column_blob(st, 9), cn(st, 9), ct(st, 10));
    if (*outt == NULL)
        rc = OL_FAIL(d, OL_E_NOMEM, "task record");
out:
    return rc;
}

static ol_err sq_task_claim(ol_store *base, const char *worker_id, uint64_t now_ms,
                            uint64_t lease_ms, ol_store_task **outt, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    char id[OL_STORE_ID_MAX + 1];
    ol_store_task *t = NULL;
    /* Cheap look first, without the write lock: pollers woken for a task another poller took
     * should not queue up behind writers. The transaction below decides. */
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    st = stmt(c, SQL_CLAIM_ANY, d);
    if (st == NULL) {
        rc = OL_E_IO;
        goto out_peek;
    }
    bi(st, 1, now_ms);
    rc = row(s, c, st, "claimable", d);
out_peek:
    rd_end(s, c);
    if (rc != OL_OK)
        return rc;
    rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_CLAIM_QUEUED);
    rc = row(s, c, st, "claim", d);
    if (rc == OL_E_NOTFOUND) {
        PREP(st, SQL_CLAIM_LAPSED);
        bi(st, 1, now_ms);
        rc = row(s, c, st, "claim", d);
    }
    if (rc != OL_OK)
        goto out; /* OL_E_NOTFOUND: nothing claimable, and nothing written */
    ol__store_copy(id, sizeof id, ct(st, 0));
    sqlite3_reset(st);
    rc = claim_set(s, c, id, worker_id, now_ms, now_ms + lease_ms, &t, d);
out:
    rc = tx_end(s, c, rc, d);
    if (rc == OL_OK)
        *outt = t;
    else
        ol_store_task_free(t);
    return rc;
}

static const char SQL_TASK_STATE[] = "SELECT state FROM tasks WHERE id = ?";

static ol_err sq_task_claim_id(ol_store *base, const char *task_id, const char *worker_id,
                               uint64_t now_ms, ol_store_task **outt, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_store_task *t = NULL;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_TASK_STATE);
    bt(st, 1, task_id);
    rc = row(s, c, st, "task", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no task %s", task_id);
    if (rc != OL_OK)
        goto out;
    if (cu(st, 0) != 0) {
        rc = OL_FAIL(d, OL_E_STATE, "task %s is not queued", task_id);
        goto out;
    }
    sqlite3_reset(st);
    rc = claim_set(s, c, task_id, worker_id, now_ms, OL_STORE_LEASE_EXTERNAL, &t, d);
out:
    rc = tx_end(s, c, rc, d);
    if (rc == OL_OK)
        *outt = t;
    else
        ol_store_task_free(t);
    return rc;
}

static const char SQL_TASK_LEASE_GET[] =
    "SELECT state, worker_id, attempt, call_id, done_worker, done_attempt FROM tasks"
    " WHERE id = ?";
static const char SQL_TASK_RENEW[] = "UPDATE tasks SET lease_expires_ms = ? WHERE id = ?";

static ol_err sq_task_renew(ol_store *base, const char *task_id, const char *worker_id,
                            uint32_t attempt, uint64_t now_ms, uint64_t lease_ms, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_TASK_LEASE_GET);
    bt(st, 1, task_id);
    rc = row(s, c, st, "task", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no task %s", task_id);
    if (rc != OL_OK)
        goto out;
    if (cu(st, 0) != 1 || strcmp(ct(st, 1), worker_id) != 0 || cu(st, 2) != attempt) {
        rc = OL_FAIL(d, OL_E_STATE, "task %s attempt %" PRIu32 " is no longer leased to %s",
                     task_id, attempt, worker_id);
        goto out;
    }
    sqlite3_reset(st);
    PREP(st, SQL_TASK_RENEW);
    bi(st, 1, now_ms + lease_ms);
    bt(st, 2, task_id);
    TRY(exec_st(s, c, st, "renew", d));
out:
    return tx_end(s, c, rc, d);
}

static ol_err sq_task_complete(ol_store *base, const ol_store_completion *cp, uint64_t now_ms,
                               bool *settled, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    char call_id[OL_STORE_ID_MAX + 1];
    bool did = false;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_TASK_LEASE_GET);
    bt(st, 1, cp->task_id);
    rc = row(s, c, st, "task", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no task %s", cp->task_id);
    if (rc != OL_OK)
        goto out;
    uint64_t state = cu(st, 0), attempt = cu(st, 2);
    bool holder = strcmp(ct(st, 1), cp->worker_id) == 0 && attempt == cp->attempt;
    bool repeat = state == 2 && strcmp(ct(st, 4), cp->worker_id) == 0 && cu(st, 5) == cp->attempt;
    ol__store_copy(call_id, sizeof call_id, ct(st, 3));
    sqlite3_reset(st);
    if (repeat) {
        rc = OL_OK; /* idempotent repeat: nothing changes */
        goto out;
    }
    if (state != 1 || !holder) {
        rc = OL_FAIL(d, OL_E_STATE, "task %s attempt %" PRIu32 " no longer holds the lease",
                     cp->task_id, cp->attempt);
        goto out;
    }
    settle_args a = {.call_id = call_id,
                     .success = cp->success,
                     .error_code = cp->error_code != NULL ? cp->error_code : "",
                     .error = cp->error,
                     .run_status = cp->run_status,
                     .exit_code = cp->exit_code,
                     .instructions = cp->instructions,
                     .time_ms = cp->time_ms,
                     .charge = cp->charge,
                     .output = cp->output != NULL ? cp->output : (const uint8_t *)"",
                     .output_len = cp->output_len,
                     .stderr_text = cp->stderr_text,
                     .evidence = cp->evidence,
                     .transcript = cp->transcript,
                     .transcript_len = cp->transcript_len,
                     .done_worker = cp->worker_id,
                     .done_attempt = cp->attempt};
    TRY(settle(s, c, &a, now_ms, d));
    did = true;
out:
    rc = tx_end(s, c, rc, d);
    if (rc == OL_OK)
        *settled = did;
    return rc;
}

static const char SQL_SWEEP_LAPSED[] =
    "SELECT id, call_id, attempt, max_attempts FROM tasks"
    " WHERE state = 1 AND lease_expires_ms <= ? ORDER BY lease_expires_ms LIMIT ?";
static const char SQL_SWEEP_REQUEUE[] =
    "UPDATE tasks SET state = 0, queued_ms = ?, lease_expires_ms = 0 WHERE id = ?";
static const char SQL_SWEEP_CALL_PENDING[] = "UPDATE calls SET status = 0 WHERE id = ?";
static const char SQL_SWEEP_STALE[] =
    "SELECT call_id FROM tasks WHERE state = 0 AND queued_ms < ? ORDER BY queued_ms LIMIT ?";

typedef struct lapsed {
    char id[OL_STORE_ID_MAX + 1];
    char call_id[OL_STORE_ID_MAX + 1];
    bool exhausted;
} lapsed;

static ol_err sq_sweep_leases(ol_store *base, uint64_t now_ms, uint64_t queued_before_ms,
                              size_t limit, ol_store_sweep *outs, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    lapsed *lp = NULL;
    size_t nlp = 0, nrequeued = 0, nfailed = 0;
    char(*failed)[OL_STORE_ID_MAX + 1] = NULL;
    char(*requeued)[OL_STORE_ID_MAX + 1] = NULL;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    lp = calloc(limit, sizeof *lp);
    failed = calloc(limit, sizeof *failed);
    requeued = calloc(limit, sizeof *requeued);
    if (lp == NULL || failed == NULL || requeued == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "sweep");
        goto out;
    }
    /* Collect first, then change: never modify rows under an open cursor. */
    PREP(st, SQL_SWEEP_LAPSED);
    bi(st, 1, now_ms);
    bi(st, 2, limit);
    while ((rc = row(s, c, st, "sweep", d)) == OL_OK && nlp < limit) {
        ol__store_copy(lp[nlp].id, sizeof lp[nlp].id, ct(st, 0));
        ol__store_copy(lp[nlp].call_id, sizeof lp[nlp].call_id, ct(st, 1));
        lp[nlp].exhausted = cu(st, 2) >= cu(st, 3);
        nlp++;
    }
    if (rc != OL_E_NOTFOUND && rc != OL_OK)
        goto out;
    rc = OL_OK;
    sqlite3_reset(st);
    for (size_t i = 0; i < nlp; i++) {
        if (lp[i].exhausted) {
            settle_args a = {.call_id = lp[i].call_id,
                             .success = false,
                             .error_code = "worker_lost",
                             .error = "the worker running the call stopped renewing its lease "
                                      "on every attempt",
                             .done_worker = ""};
            TRY(settle(s, c, &a, now_ms, d));
            memcpy(failed[nfailed++], lp[i].call_id, sizeof failed[0]);
        } else {
            PREP(st, SQL_SWEEP_REQUEUE);
            bi(st, 1, now_ms);
            bt(st, 2, lp[i].id);
            TRY(exec_st(s, c, st, "requeue", d));
            PREP(st, SQL_SWEEP_CALL_PENDING);
            bt(st, 1, lp[i].call_id);
            TRY(exec_st(s, c, st, "requeue call", d));
            memcpy(requeued[nrequeued++], lp[i].call_id, sizeof requeued[0]);
        }
    }
    if (queued_before_ms > 0 && nfailed < limit) {
        nlp = 0;
        PREP(st, SQL_SWEEP_STALE);
        bi(st, 1, queued_before_ms);
        bi(st, 2, limit - nfailed);
        while ((rc = row(s, c, st, "sweep stale", d)) == OL_OK && nlp < limit)
            ol__store_copy(lp[nlp++].call_id, sizeof lp[0].call_id, ct(st, 0));
        if (rc != OL_E_NOTFOUND && rc != OL_OK)
            goto out;
        rc = OL_OK;
        sqlite3_reset(st);
        for (size_t i = 0; i < nlp && nfailed < limit; i++) {
            settle_args a = {.call_id = lp[i].call_id,
                             .success = false,
                             .error_code = "no_worker_available",
                             .error = "no worker claimed the call in time",
                             .done_worker = ""};
            TRY(settle(s, c, &a, now_ms, d));
            memcpy(failed[nfailed++], lp[i].call_id, sizeof failed[0]);
        }
    }
out:
    free(lp);
    rc = tx_end(s, c, rc, d);
    if (rc != OL_OK) {
        free(failed);
        free(requeued);
        return rc;
    }
    if (nfailed == 0) {
        free(failed);
        failed = NULL;
    }
    if (nrequeued == 0) {
        free(requeued);
        requeued = NULL;
    }
    outs->failed = failed;
    outs->nfailed = nfailed;
    outs->requeued = requeued;
    outs->nrequeued = nrequeued;
    return OL_OK;
}

static const char SQL_LAPSE_GET[] =
    "SELECT state, attempt, max_attempts, call_id, lease_expires_ms FROM tasks WHERE id = ?";

static ol_err sq_task_lapse(ol_store *base, const char *task_id, uint32_t attempt, uint64_t now_ms,
                            ol_store_lapse_result *result, char call_id[OL_STORE_ID_MAX + 1],
                            ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_store_lapse_result res = OL_STORE_LAPSE_NOOP;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_LAPSE_GET);
    bt(st, 1, task_id);
    rc = row(s, c, st, "task", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no task %s", task_id);
    if (rc != OL_OK)
        goto out;
    uint64_t state = cu(st, 0), cur = cu(st, 1), max = cu(st, 2);
    bool external = cu(st, 4) == OL_STORE_LEASE_EXTERNAL;
    ol__store_copy(call_id, OL_STORE_ID_MAX + 1, ct(st, 3));
    sqlite3_reset(st);
    /* Only an external lease is the caller's to end: a lease of the SQL queue lapses by time. */
    if (state != 1 || !external || (attempt != 0 && cur != attempt))
        goto out;
    if (cur >= max) {
        settle_args a = {.call_id = call_id,
                         .success = false,
                         .error_code = "worker_lost",
                         .error = "the worker running the call stopped renewing its lease "
                                  "on every attempt",
                         .done_worker = ""};
        TRY(settle(s, c, &a, now_ms, d));
        res = OL_STORE_LAPSE_FAILED;
    } else {
        PREP(st, SQL_SWEEP_REQUEUE);
        bi(st, 1, now_ms);
        bt(st, 2, task_id);
        TRY(exec_st(s, c, st, "requeue", d));
        PREP(st, SQL_SWEEP_CALL_PENDING);
        bt(st, 1, call_id);
        TRY(exec_st(s, c, st, "requeue call", d));
        res = OL_STORE_LAPSE_REQUEUED;
    }
out:
    rc = tx_end(s, c, rc, d);
    if (rc == OL_OK)
        *result = res;
    return rc;
}

static const char SQL_QUEUED_LIST[] =
    "SELECT id, call_id, queued_ms FROM tasks"
    " WHERE state = 0 AND queued_ms < ? ORDER BY queued_ms LIMIT ?";

static ol_err sq_task_queued_list(ol_store *base, uint64_t queued_before_ms, size_t limit,
                                  ol_store_queued_cb cb, void *ud, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_QUEUED_LIST);
    bi(st, 1, queued_before_ms);
    bi(st, 2, limit);
    for (;;) {
        rc = row(s, c, st, "list queued tasks", d);
        if (rc != OL_OK)
            break;
        ol_store_queued q;
        ol__store_copy(q.task_id, sizeof q.task_id, ct(st, 0));
        ol__store_copy(q.call_id, sizeof q.call_id, ct(st, 1));
        q.queued_ms = cu(st, 2);
        if (cb(ud, &q) != 0)
            break;
    }
    if (rc == OL_E_NOTFOUND)
        rc = OL_OK;
out:
    rd_end(s, c);
    return rc;
}

static const char SQL_EXTERNAL_LIST[] =
    "SELECT t.id, t.call_id, t.attempt, c.started_ms FROM tasks t JOIN calls c ON c.id = t.call_id"
    " WHERE t.state = 1 AND t.lease_expires_ms = ? AND c.started_ms < ?"
    " ORDER BY c.started_ms LIMIT ?";

static ol_err sq_task_external_list(ol_store *base, uint64_t claimed_before_ms, size_t limit,
                                    ol_store_leased_cb cb, void *ud, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_EXTERNAL_LIST);
    bi(st, 1, OL_STORE_LEASE_EXTERNAL);
    bi(st, 2, claimed_before_ms);
    bi(st, 3, limit);
    for (;;) {
        rc = row(s, c, st, "list leased tasks", d);
        if (rc != OL_OK)
            break;
        ol_store_leased l;
        ol__store_copy(l.task_id, sizeof l.task_id, ct(st, 0));
        ol__store_copy(l.call_id, sizeof l.call_id, ct(st, 1));
        l.attempt = (uint32_t)cu(st, 2);
        l.claimed_ms = cu(st, 3);
        if (cb(ud, &l) != 0)
            break;
    }
    if (rc == OL_E_NOTFOUND)
        rc = OL_OK;
out:
    rd_end(s, c);
    return rc;
}

/* ----------------------------------- workers ----------------------------------- */

#define WORKER_COLS \
    "id, name, public_key, token_sha256, capacity, running, registered_ms, last_seen_ms"
static const char SQL_WORKER_FIND[] =
    "SELECT " WORKER_COLS " FROM workers WHERE token_sha256 = ? AND public_key = ?";
static const char SQL_WORKER_UPDATE[] =
    "UPDATE workers SET name = ?, capacity = ?, last_seen_ms = ? WHERE id = ?";
static const char SQL_WORKER_INSERT[] =
    "INSERT INTO workers(id, token_sha256, public_key, name, capacity, registered_ms,"
    " last_seen_ms) VALUES(?, ?, ?, ?, ?, ?, ?)";
static const char SQL_WORKER_GET[] = "SELECT " WORKER_COLS " FROM workers WHERE id = ?";
static const char SQL_WORKER_LIST[] =
    "SELECT " WORKER_COLS " FROM workers ORDER BY last_seen_ms DESC, id";
static const char SQL_WORKER_BEAT[] =
    "UPDATE workers SET running = ?, last_seen_ms = ? WHERE id = ?";
static const char SQL_WTOKEN_INSERT[] =
    "INSERT INTO worker_tokens(token_sha256, name, created_ms) VALUES(?, ?, ?)";
static const char SQL_WTOKEN_GET[] = "SELECT 1 FROM worker_tokens WHERE token_sha256 = ?";

static void worker_from_row(sqlite3_stmt *st, ol_store_worker *w)
{
    memset(w, 0, sizeof *w);
    ol__store_copy(w->id, sizeof w->id, ct(st, 0));
    ol__store_copy(w->name, sizeof w->name, ct(st, 1));
    ol__store_copy(w->public_key, sizeof w->public_key, ct(st, 2));
    if (cn(st, 3) == 32)
        memcpy(w->token_sha256, sqlite3_column_blob(st, 3), 32);
    w->capacity = (uint32_t)cu(st, 4);
    w->running = (uint32_t)cu(st, 5);
    w->registered_ms = cu(st, 6);
    w->last_seen_ms = cu(st, 7);
}

static ol_err sq_worker_register(ol_store *base, const uint8_t token_sha256[32], const char *name,
                                 const char *public_key, uint32_t capacity, const char *new_id,
                                 uint64_t now_ms, ol_store_worker *outw, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_store_worker w;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_WORKER_FIND);
    bb(st, 1, token_sha256, 32);
    bt(st, 2, public_key);
    rc = row(s, c, st, "find worker", d);
    if (rc == OL_OK) {
        worker_from_row(st, &w);
        sqlite3_reset(st);
        PREP(st, SQL_WORKER_UPDATE);
        bt(st, 1, name);
        bi(st, 2, capacity);
        bi(st, 3, now_ms);
        bt(st, 4, w.id);
        TRY(exec_st(s, c, st, "update worker", d));
        ol__store_copy(w.name, sizeof w.name, name);
        w.capacity = capacity;
        w.last_seen_ms = now_ms;
        goto out;
    }
    if (rc != OL_E_NOTFOUND)
        goto out;
    PREP(st, SQL_WORKER_INSERT);
    bt(st, 1, new_id);
    bb(st, 2, token_sha256, 32);
    bt(st, 3, public_key);
    bt(st, 4, name);
    bi(st, 5, capacity);
    bi(st, 6, now_ms);
    bi(st, 7, now_ms);
    rc = exec_st(s, c, st, "insert worker", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "worker id %s already used", new_id);
    if (rc != OL_OK)
        goto out;
    memset(&w, 0, sizeof w);
    ol__store_copy(w.id, sizeof w.id, new_id);
    ol__store_copy(w.name, sizeof w.name, name);
    ol__store_copy(w.public_key, sizeof w.public_key, public_key);
    memcpy(w.token_sha256, token_sha256, 32);
    w.capacity = capacity;
    w.registered_ms = w.last_seen_ms = now_ms;
out:
    rc = tx_end(s, c, rc, d);
    if (rc == OL_OK && outw != NULL)
        *outw = w;
    return rc;
}

static ol_err sq_worker_get(ol_store *base, const char *worker_id, ol_store_worker *outw,
                            ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_WORKER_GET);
    bt(st, 1, worker_id);
    rc = row(s, c, st, "get worker", d);
    if (rc == OL_OK)
        worker_from_row(st, outw);
    else if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no worker %s", worker_id);
out:
    rd_end(s, c);
    return rc;
}

static ol_err sq_worker_heartbeat(ol_store *base, const char *worker_id, uint32_t running,
                                  uint64_t now_ms, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_WORKER_BEAT);
    bi(st, 1, running);
    bi(st, 2, now_ms);
    bt(st, 3, worker_id);
    TRY(exec_st(s, c, st, "heartbeat", d));
    if (sqlite3_changes(c->db) == 0)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no worker %s", worker_id);
out:
    return tx_end(s, c, rc, d);
}

static ol_err sq_worker_list(ol_store *base, ol_store_worker_cb cb, void *ud, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_WORKER_LIST);
    for (;;) {
        rc = row(s, c, st, "list workers", d);
        if (rc != OL_OK)
            break;
        ol_store_worker w;
        worker_from_row(st, &w);
        if (cb(ud, &w) != 0)
            break;
    }
    if (rc == OL_E_NOTFOUND)
        rc = OL_OK;
out:
    rd_end(s, c);
    return rc;
}

static ol_err sq_worker_token_add(ol_store *base, const uint8_t token_sha256[32], const char *name,
                                  uint64_t now_ms, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_WTOKEN_INSERT);
    bb(st, 1, token_sha256, 32);
    bt(st, 2, name);
    bi(st, 3, now_ms);
    rc = exec_st(s, c, st, "insert worker token", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "worker token already registered");
out:
    return tx_end(s, c, rc, d);
}

static ol_err sq_worker_token_check(ol_store *base, const uint8_t token_sha256[32], ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_WTOKEN_GET);
    bb(st, 1, token_sha256, 32);
    rc = row(s, c, st, "worker token", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "unknown worker token");
out:
    rd_end(s, c);
    return rc;
}

/* ------------------------------- earnings, stats ------------------------------- */

static ol_err sq_earnings_get(ol_store *base, const char *owner, ol_store_earnings *oute,
                              ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, "SELECT balance, total_earned, updated_ms FROM earnings WHERE owner = ?");
    bt(st, 1, owner);
    rc = row(s, c, st, "earnings", d);
    memset(oute, 0, sizeof *oute);
    if (rc == OL_OK) {
        oute->balance = cu(st, 0);
        oute->total_earned = cu(st, 1);
        oute->updated_ms = cu(st, 2);
    } else if (rc == OL_E_NOTFOUND) {
        rc = OL_OK;
    }
out:
    rd_end(s, c);
    return rc;
}

static const char SQL_STATS_TOTALS[] =
    "SELECT completed, failed, instructions, time_ms, ran, charged, charged_calls FROM totals";
static const char SQL_STATS_STATUS[] = "SELECT count(*) FROM calls WHERE status = ?";
static const char SQL_STATS_TASKS[] = "SELECT count(*) FROM tasks WHERE state = ?";
static const char SQL_STATS_MISC[] =
    "SELECT (SELECT count(*) FROM workers), (SELECT count(*) FROM projects),"
    " (SELECT count(*) FROM payment_keys),"
    " (SELECT count(DISTINCT owner) FROM payment_keys WHERE last_used_ms > 0)";

static ol_err sq_stats_get(ol_store *base, ol_store_stats *o, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    memset(o, 0, sizeof *o);
    if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = sq_err(d, c->db, sqlite3_errcode(c->db), "begin");
        goto out;
    }
    PREP(st, SQL_STATS_TOTALS);
    TRY(row(s, c, st, "totals", d));
    o->calls[OL_STORE_CALL_COMPLETED] = cu(st, 0);
    o->calls[OL_STORE_CALL_FAILED] = cu(st, 1);
    o->total_instructions = cu(st, 2);
    o->total_time_ms = cu(st, 3);
    o->ran_calls = cu(st, 4);
    o->total_charged = cu(st, 5);
    o->calls_charged = cu(st, 6);
    sqlite3_reset(st);
    for (int k = 0; k < 2; k++) {
        PREP(st, SQL_STATS_STATUS);
        bi(st, 1, (uint64_t)k);
        TRY(row(s, c, st, "status count", d));
        o->calls[k] = cu(st, 0);
        sqlite3_reset(st);
        PREP(st, SQL_STATS_TASKS);
        bi(st, 1, (uint64_t)k);
        TRY(row(s, c, st, "task count", d));
        if (k == 0)
            o->queue_depth = cu(st, 0);
        else
            o->leased = cu(st, 0);
        sqlite3_reset(st);
    }
    PREP(st, SQL_STATS_MISC);
    TRY(row(s, c, st, "stats", d));
    o->workers = cu(st, 0);
    o->projects = cu(st, 1);
    o->keys = cu(st, 2);
    o->unique_users = cu(st, 3);
out:
    if (!sqlite3_get_autocommit(c->db)) {
        sqlite3_stmt *x = NULL;
        while ((x = sqlite3_next_stmt(c->db, x)) != NULL)
            sqlite3_reset(x);
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    }
    rd_end(s, c);
    return rc;
}

/* ------------------------------ secrets, owner keys ------------------------------ */

static const char SQL_SECRET_VERSION[] =
    "SELECT version FROM secrets WHERE accessor = ? AND profile = ? AND owner = ?";
static const char SQL_SECRET_INSERT[] =
    "INSERT INTO secrets(accessor, profile, owner, ciphertext, access, version, created_ms,"
    " updated_ms) VALUES(?, ?, ?, ?, ?, 1, ?, ?)";
static const char SQL_SECRET_UPDATE[] =
    "UPDATE secrets SET ciphertext = ?, access = ?, version = version + 1, updated_ms = ?"
    " WHERE accessor = ? AND profile = ? AND owner = ?";
static const char SQL_SECRET_GET[] =
    "SELECT accessor, profile, owner, ciphertext, access, version, created_ms, updated_ms"
    " FROM secrets WHERE accessor = ? AND profile = ? AND owner = ?";
static const char SQL_SECRET_LIST[] =
    "SELECT accessor, profile, owner, length(ciphertext), access, version, created_ms,"
    " updated_ms FROM secrets WHERE owner = ? ORDER BY accessor, profile";
static const char SQL_SECRET_DELETE[] =
    "DELETE FROM secrets WHERE accessor = ? AND profile = ? AND owner = ?";

static ol_err sq_secret_put(ol_store *base, const char *accessor, const char *profile,
                            const char *owner, const uint8_t *ciphertext, size_t ciphertext_len,
                            const char *access, uint32_t expected_version, uint64_t now_ms,
                            uint32_t *version_out, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_SECRET_VERSION);
    bt(st, 1, accessor);
    bt(st, 2, profile);
    bt(st, 3, owner);
    rc = row(s, c, st, "secret", d);
    if (rc != OL_OK && rc != OL_E_NOTFOUND)
        goto out;
    uint64_t cur = rc == OL_OK ? cu(st, 0) : 0;
    sqlite3_reset(st);
    if (cur != expected_version) {
        rc = cur == 0
                 ? OL_FAIL(d, OL_E_NOTFOUND, "no secret %s for %s to update", profile, owner)
                 : OL_FAIL(d, OL_E_STATE, "secret %s of %s is at version %" PRIu64 ", not %" PRIu32,
                           profile, owner, cur, expected_version);
        goto out;
    }
    if (cur == 0) {
        PREP(st, SQL_SECRET_INSERT);
        bt(st, 1, accessor);
        bt(st, 2, profile);
        bt(st, 3, owner);
        bb(st, 4, ciphertext, ciphertext_len);
        bt(st, 5, access);
        bi(st, 6, now_ms);
        bi(st, 7, now_ms);
        TRY(exec_st(s, c, st, "insert secret", d));
    } else {
        PREP(st, SQL_SECRET_UPDATE);
        bb(st, 1, ciphertext, ciphertext_len);
        bt(st, 2, access);
        bi(st, 3, now_ms);
        bt(st, 4, accessor);
        bt(st, 5, profile);
        bt(st, 6, owner);
        TRY(exec_st(s, c, st, "update secret", d));
    }
    *version_out = (uint32_t)cur + 1;
out:
    return tx_end(s, c, rc, d);
}

static void secret_from_row(sqlite3_stmt *st, ol_store_secret *x)
{
    memset(x, 0, sizeof *x);
    ol__store_copy(x->profile, sizeof x->profile, ct(st, 1));
    ol__store_copy(x->owner, sizeof x->owner, ct(st, 2));
    x->version = (uint32_t)cu(st, 5);
    x->created_ms = cu(st, 6);
    x->updated_ms = cu(st, 7);
}

static ol_err sq_secret_get(ol_store *base, const char *accessor, const char *profile,
                            const char *owner, ol_store_secret **outx, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_SECRET_GET);
    bt(st, 1, accessor);
    bt(st, 2, profile);
    bt(st, 3, owner);
    rc = row(s, c, st, "secret", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no secret %s of %s for that accessor", profile, owner);
    if (rc != OL_OK)
        goto out;
    ol_store_secret f;
    secret_from_row(st, &f);
    *outx = ol__store_secret_build(&f, ct(st, 0), ct(st, 4), sqlite3_column_blob(st, 3), cn(st, 3));
    if (*outx == NULL)
        rc = OL_FAIL(d, OL_E_NOMEM, "secret record");
out:
    rd_end(s, c);
    return rc;
}

static ol_err sq_secret_list(ol_store *base, const char *owner, ol_store_secret_cb cb, void *ud,
                             ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_SECRET_LIST);
    bt(st, 1, owner);
    for (;;) {
        rc = row(s, c, st, "list secrets", d);
        if (rc != OL_OK)
            break;
        ol_store_secret x;
        secret_from_row(st, &x);
        x.accessor = ct(st, 0);
        x.access = ct(st, 4);
        x.ciphertext_len = (size_t)cu(st, 3);
        if (cb(ud, &x) != 0)
            break;
    }
    if (rc == OL_E_NOTFOUND)
        rc = OL_OK;
out:
    rd_end(s, c);
    return rc;
}

/* One-statement write whose "no row" outcome is OL_E_NOTFOUND with `missing` as the message. */
static ol_err write3(sq_store *s, const char *sql, const char *a, const char *b, const char *c3,
                     const char *missing, ol_diag *d)
{
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, sql);
    bt(st, 1, a);
    bt(st, 2, b);
    if (c3 != NULL)
        bt(st, 3, c3);
    TRY(exec_st(s, c, st, "delete", d));
    if (sqlite3_changes(c->db) == 0)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "%s", missing);
out:
    return tx_end(s, c, rc, d);
}

static ol_err sq_secret_delete(ol_store *base, const char *accessor, const char *profile,
                               const char *owner, ol_diag *d)
{
    return write3(SQ(base), SQL_SECRET_DELETE, accessor, profile, owner, "no such secret", d);
}

static const char SQL_OKEY_INSERT[] =
    "INSERT INTO owner_keys(owner, public_key, created_ms) VALUES(?, ?, ?)";
static const char SQL_OKEY_CHECK[] = "SELECT 1 FROM owner_keys WHERE owner = ? AND public_key = ?";
static const char SQL_OKEY_DELETE[] = "DELETE FROM owner_keys WHERE owner = ? AND public_key = ?";
static const char SQL_OKEY_LIST[] = "SELECT owner, public_key, created_ms FROM owner_keys"
                                    " WHERE ?1 IS NULL OR owner = ?1 ORDER BY owner, public_key";
static const char SQL_NONCE_GC[] = "DELETE FROM request_nonces WHERE expires_ms < ?";
static const char SQL_NONCE_INSERT[] =
    "INSERT INTO request_nonces(owner, nonce, expires_ms) VALUES(?, ?, ?)";

static ol_err sq_owner_key_add(ol_store *base, const char *owner, const char *public_key,
                               uint64_t now_ms, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_OKEY_INSERT);
    bt(st, 1, owner);
    bt(st, 2, public_key);
    bi(st, 3, now_ms);
    rc = exec_st(s, c, st, "insert owner key", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "%s is already a key of %s", public_key, owner);
out:
    return tx_end(s, c, rc, d);
}

static ol_err sq_owner_key_check(ol_store *base, const char *owner, const char *public_key,
                                 ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_OKEY_CHECK);
    bt(st, 1, owner);
    bt(st, 2, public_key);
    rc = row(s, c, st, "owner key", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "not a registered key of %s", owner);
out:
    rd_end(s, c);
    return rc;
}

static ol_err sq_owner_key_remove(ol_store *base, const char *owner, const char *public_key,
                                  ol_diag *d)
{
    return write3(SQ(base), SQL_OKEY_DELETE, owner, public_key, NULL,
                  "not a registered key of the owner", d);
}

static ol_err sq_owner_key_list(ol_store *base, const char *owner, ol_store_owner_key_cb cb,
                                void *ud, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = rd_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_OKEY_LIST);
    if (owner != NULL)
        bt(st, 1, owner);
    else
        sqlite3_bind_null(st, 1);
    for (;;) {
        rc = row(s, c, st, "list owner keys", d);
        if (rc != OL_OK)
            break;
        if (cb(ud, ct(st, 0), ct(st, 1), cu(st, 2)) != 0)
            break;
    }
    if (rc == OL_E_NOTFOUND)
        rc = OL_OK;
out:
    rd_end(s, c);
    return rc;
}

static ol_err sq_nonce_use(ol_store *base, const char *owner, const char *nonce,
                           uint64_t expires_ms, uint64_t now_ms, ol_diag *d)
{
    sq_store *s = SQ(base);
    sq_conn *c;
    sqlite3_stmt *st;
    ol_err rc = tx_begin(s, &c, d);
    if (rc != OL_OK)
        return rc;
    PREP(st, SQL_NONCE_GC);
    bi(st, 1, now_ms);
    TRY(exec_st(s, c, st, "expire nonces", d));
    PREP(st, SQL_NONCE_INSERT);
    bt(st, 1, owner);
    bt(st, 2, nonce);
    bi(st, 3, expires_ms);
    rc = exec_st(s, c, st, "record nonce", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "the request's nonce was used before (a replay)");
out:
    return tx_end(s, c, rc, d);
}

const ol_store_ops ol__store_sqlite_ops = {
    .scheme = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .ping = sq_ping,
    .project_create = sq_project_create,
    .project_get = sq_project_get,
    .project_list = sq_project_list,
    .version_add = sq_version_add,
    .version_activate = sq_version_activate,
    .version_get = sq_version_get,
    .version_list = sq_version_list,
    .wasm_get = sq_wasm_get,
    .key_create = sq_key_create,
    .key_get = sq_key_get,
    .key_list = sq_key_list,
    .key_top_up = sq_key_top_up,
    .call_submit = sq_call_submit,
    .call_get = sq_call_get,
    .call_cancel_queued = sq_call_cancel_queued,
    .task_claim = sq_task_claim,
    .task_renew = sq_task_renew,
    .task_complete = sq_task_complete,
    .sweep_leases = sq_sweep_leases,
    .task_claim_id = sq_task_claim_id,
    .task_lapse = sq_task_lapse,
    .task_queued_list = sq_task_queued_list,
    .task_external_list = sq_task_external_list,
    .worker_register = sq_worker_register,
    .worker_get = sq_worker_get,
    .worker_heartbeat = sq_worker_heartbeat,
    .worker_list = sq_worker_list,
    .worker_token_add = sq_worker_token_add,
    .worker_token_check = sq_worker_token_check,
    .earnings_get = sq_earnings_get,
    .stats_get = sq_stats_get,
    .secret_put = sq_secret_put,
    .secret_get = sq_secret_get,
    .secret_list = sq_secret_list,
    .secret_delete = sq_secret_delete,
    .owner_key_add = sq_owner_key_add,
    .owner_key_check = sq_owner_key_check,
    .owner_key_remove = sq_owner_key_remove,
    .owner_key_list = sq_owner_key_list,
    .nonce_use = sq_nonce_use,
    .set_fault = sq_set_fault,
};
