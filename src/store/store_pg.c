/* The PostgreSQL backend (`postgres://USER:PASSWORD@HOST:PORT/DB?param=...`, any libpq URI):
 * the SQLite schema expressed for PostgreSQL, versioned migrations applied at open under an
 * advisory lock, a small pool of connections with statements prepared once per connection, and
 * every multi-row change in one READ COMMITTED transaction that takes row locks in a fixed
 * order, retried a bounded number of times on a serialisation failure, a deadlock, or a
 * session lost before COMMIT. Pooled sessions are checked before use and re-made after a
 * server restart or failover (see run(), tx_run()).
 *
 * Concurrency. Any number of coordinators (processes) may share the database; inside one
 * process the pool hands each operation its own connection (a PGconn is never shared).
 *   - Money: submission locks the payment key row (SELECT ... FOR UPDATE) before it checks the
 *     balance and reserves; settlement locks the task row, then the call row, then the key row,
 *     so a concurrent submission or settlement of the same key waits and re-reads. A call
 *     becomes terminal only in settle(), which refuses a call that already is (the call row is
 *     locked while it looks), so money settles exactly once across coordinators.
 *   - Queue: claims pick a row with FOR UPDATE SKIP LOCKED (no two claimers get the same task,
 *     and no claimer waits for another) and are one statement each. Renewals are one
 *     conditional UPDATE. The sweep locks the lapsed and stale task rows it handles (SKIP
 *     LOCKED), then settles failures in payment-key order, so two sweeps never deadlock.
 *   - Lock order in every transaction: tasks, calls, payment_keys, earnings, totals. The run
 *     totals are sharded over PG_TOTAL_SLOTS rows and added once, as the last statement before
 *     COMMIT, so the shared counters never serialise settlements for longer than a commit.
 *   - Waits are bounded: connect_timeout and TCP keepalives on every connection, lock_timeout
 *     (the busy timeout of ol_store_options), statement_timeout and
 *     idle_in_transaction_session_timeout per session, and the pool wait.
 *
 * Invariants kept by the SQL are those of store_sqlite.c (CHECK constraints of migration 1):
 * spent + reserved <= initial_balance per key; inflight and reserved are the sum over the key's
 * non-terminal calls; a terminal call holds no reservation. Identifiers are TEXT COLLATE "C"
 * (byte order, as SQLite's BINARY); opaque payloads (input, output, stderr, evidence, error
 * text, task description, transcript) are BYTEA and come back byte for byte.
 *
 * A later queue backend (Redis) replaces claim/renew/sweep only: settlement (settle()) stays
 * the single SQL path that makes a call terminal and moves money.
 */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ol/log.h"
#include "store_int.h"

#define PG_NSTMT        96 /* prepared statements per connection */
#define PG_MAXP         20 /* parameters per statement */
#define PG_TX_TRIES     8  /* attempts of a transaction that hit a serialisation failure */
#define PG_TOTAL_SLOTS  16 /* rows of the `totals` table (migration 1 creates 0..15) */
#define PG_STMT_TIMEOUT 60000u
#define PG_MIN_SERVER   120000 /* PostgreSQL 12 */
/* pg_advisory_xact_lock key held while migrating ("ol_migr" in ASCII). */
#define PG_MIGRATE_LOCK "31362879528200050"

typedef struct pg_totals {
    uint64_t completed, failed, instructions, time_ms, ran, charged, charged_calls;
    bool dirty;
} pg_totals;

typedef struct pg_conn {
    PGconn *db;
    const char *prepared[PG_NSTMT]; /* SQL text by address; slot i is statement "ol<i>" */
    size_t nprepared;
    bool in_use;
    bool writing;   /* inside a write: fault injection applies */
    bool retry;     /* rerun the transaction: serialisation failure, deadlock, lost session */
    bool autoretry; /* outside transactions: a statement may be re-sent after reconnecting */
    unsigned slot;  /* this connection's row of `totals` */
    pg_totals tot;  /* added to `totals` just before COMMIT */
} pg_conn;

typedef struct pg_store {
    ol_store base;
    pg_conn *conns;
    size_t nconns;
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    uint32_t busy_timeout_ms;
    char *url;
    atomic_long fault; /* countdown of write statements to fail; -1 = off */
} pg_store;

static pg_store *PG(ol_store *s)
{
    return (pg_store *)s;
}

/* ----------------------------------- schema ----------------------------------- */

/* Migration N is migrations[N-1], a NULL-terminated list of statements run in one
 * transaction; never edit one that has shipped, append a new one. */
static const char *const migration_1[] = {
    /* The initial schema: store_sqlite.c's migration 1 in PostgreSQL types. */
    "CREATE TABLE wasm_blobs("
    "  sha256 TEXT COLLATE \"C\" PRIMARY KEY, bytes BYTEA NOT NULL, size BIGINT NOT NULL,"
    "  created_ms BIGINT NOT NULL)",
    "CREATE TABLE projects("
    "  owner TEXT COLLATE \"C\" NOT NULL, name TEXT COLLATE \"C\" NOT NULL,"
    "  active_version TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
    "  created_ms BIGINT NOT NULL, PRIMARY KEY(owner, name))",
    "CREATE TABLE versions("
    "  seq BIGINT GENERATED ALWAYS AS IDENTITY,"
    "  owner TEXT COLLATE \"C\" NOT NULL, name TEXT COLLATE \"C\" NOT NULL,"
    "  sha256 TEXT COLLATE \"C\" NOT NULL REFERENCES wasm_blobs(sha256),"
    "  created_ms BIGINT NOT NULL, PRIMARY KEY(owner, name, sha256),"
    "  FOREIGN KEY(owner, name) REFERENCES projects(owner, name))",
    "CREATE TABLE payment_keys("
    "  owner TEXT COLLATE \"C\" NOT NULL, nonce BIGINT NOT NULL, secret_sha256 BYTEA NOT NULL,"
    "  initial_balance BIGINT NOT NULL, spent BIGINT NOT NULL DEFAULT 0,"
    "  reserved BIGINT NOT NULL DEFAULT 0, max_per_call BIGINT NOT NULL DEFAULT 0,"
    "  projects TEXT NOT NULL DEFAULT '', inflight BIGINT NOT NULL DEFAULT 0,"
    "  created_ms BIGINT NOT NULL, last_used_ms BIGINT NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(owner, nonce),"
    "  CHECK(initial_balance >= 0 AND spent >= 0 AND reserved >= 0 AND inflight >= 0"
    "        AND spent + reserved <= initial_balance))",
    "CREATE TABLE calls("
    "  id TEXT COLLATE \"C\" PRIMARY KEY, task_id TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    "  key_owner TEXT COLLATE \"C\" NOT NULL, key_nonce BIGINT NOT NULL,"
    "  project_owner TEXT COLLATE \"C\" NOT NULL, project_name TEXT COLLATE \"C\" NOT NULL,"
    "  version TEXT COLLATE \"C\" NOT NULL, status SMALLINT NOT NULL, is_async SMALLINT NOT NULL,"
    "  compute_limit BIGINT NOT NULL, attached_deposit BIGINT NOT NULL,"
    "  reserved BIGINT NOT NULL, charged BIGINT NOT NULL DEFAULT 0,"
    "  paid BIGINT NOT NULL DEFAULT 0,"
    "  error_code TEXT NOT NULL DEFAULT '', error BYTEA NOT NULL DEFAULT '',"
    "  run_status TEXT NOT NULL DEFAULT '', exit_code BIGINT NOT NULL DEFAULT 0,"
    "  instructions BIGINT NOT NULL DEFAULT 0, time_ms BIGINT NOT NULL DEFAULT 0,"
    "  worker_id TEXT COLLATE \"C\" NOT NULL DEFAULT '', attempts BIGINT NOT NULL DEFAULT 0,"
    "  created_ms BIGINT NOT NULL, started_ms BIGINT NOT NULL DEFAULT 0,"
    "  completed_ms BIGINT NOT NULL DEFAULT 0,"
    "  input BYTEA NOT NULL, output BYTEA, stderr BYTEA, evidence BYTEA, transcript BYTEA,"
    "  task_json BYTEA NOT NULL,"
    "  CHECK(status BETWEEN 0 AND 3), CHECK(charged + paid <= compute_limit + attached_deposit),"
    "  CHECK(status < 2 OR reserved = 0))",
    "CREATE INDEX calls_status ON calls(status)",
    "CREATE INDEX calls_key ON calls(key_owner, key_nonce)",
    "CREATE TABLE tasks("
    "  seq BIGINT GENERATED ALWAYS AS IDENTITY,"
    "  id TEXT COLLATE \"C\" PRIMARY KEY,"
    "  call_id TEXT COLLATE \"C\" NOT NULL UNIQUE REFERENCES calls(id),"
    "  state SMALLINT NOT NULL DEFAULT 0, attempt BIGINT NOT NULL DEFAULT 0,"
    "  max_attempts BIGINT NOT NULL, worker_id TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
    "  lease_expires_ms BIGINT NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL,"
    "  queued_ms BIGINT NOT NULL, done_worker TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
    "  done_attempt BIGINT NOT NULL DEFAULT 0, CHECK(state BETWEEN 0 AND 2))",
    "CREATE INDEX tasks_queued ON tasks(queued_ms, seq) WHERE state = 0",
    "CREATE INDEX tasks_leased ON tasks(lease_expires_ms) WHERE state = 1",
    "CREATE TABLE workers("
    "  id TEXT COLLATE \"C\" PRIMARY KEY, token_sha256 BYTEA NOT NULL,"
    "  public_key TEXT COLLATE \"C\" NOT NULL, name TEXT NOT NULL, capacity BIGINT NOT NULL,"
    "  running BIGINT NOT NULL DEFAULT 0, registered_ms BIGINT NOT NULL,"
    "  last_seen_ms BIGINT NOT NULL, UNIQUE(token_sha256, public_key))",
    "CREATE TABLE worker_tokens("
    "  token_sha256 BYTEA PRIMARY KEY, name TEXT NOT NULL, created_ms BIGINT NOT NULL)",
    "CREATE TABLE earnings("
    "  owner TEXT COLLATE \"C\" PRIMARY KEY, balance BIGINT NOT NULL,"
    "  total_earned BIGINT NOT NULL, updated_ms BIGINT NOT NULL,"
    "  CHECK(balance >= 0 AND total_earned >= balance))",
    "CREATE TABLE earnings_history("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, owner TEXT COLLATE \"C\" NOT NULL,"
    "  project_name TEXT COLLATE \"C\" NOT NULL, call_id TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    "  amount BIGINT NOT NULL, created_ms BIGINT NOT NULL)",
    /* Sharded counters: a settlement adds to one row, the stats sum them. */
    "CREATE TABLE totals("
    "  slot INTEGER PRIMARY KEY CHECK(slot >= 0 AND slot < 16), completed BIGINT NOT NULL,"
    "  failed BIGINT NOT NULL, instructions BIGINT NOT NULL, time_ms BIGINT NOT NULL,"
    "  ran BIGINT NOT NULL, charged BIGINT NOT NULL, charged_calls BIGINT NOT NULL)",
    "INSERT INTO totals SELECT g, 0, 0, 0, 0, 0, 0, 0 FROM generate_series(0, 15) g",
    NULL,
};

static const char *const migration_2[] = {
    /* Secrets stored by the coordinator, owner keys, replay nonces (issue #6). */
    "CREATE TABLE secrets("
    "  accessor TEXT COLLATE \"C\" NOT NULL, profile TEXT COLLATE \"C\" NOT NULL,"
    "  owner TEXT COLLATE \"C\" NOT NULL, ciphertext BYTEA NOT NULL, access TEXT NOT NULL,"
    "  version BIGINT NOT NULL, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,"
    "  PRIMARY KEY(accessor, profile, owner), CHECK(version >= 1))",
    "CREATE INDEX secrets_owner ON secrets(owner, accessor, profile)",
    "CREATE TABLE owner_keys("
    "  owner TEXT COLLATE \"C\" NOT NULL, public_key TEXT COLLATE \"C\" NOT NULL,"
    "  created_ms BIGINT NOT NULL, PRIMARY KEY(owner, public_key))",
    "CREATE TABLE request_nonces("
    "  owner TEXT COLLATE \"C\" NOT NULL, nonce TEXT COLLATE \"C\" NOT NULL,"
    "  expires_ms BIGINT NOT NULL, PRIMARY KEY(owner, nonce))",
    "CREATE INDEX request_nonces_expiry ON request_nonces(expires_ms)",
    NULL,
};

static const char *const *const migrations[] = {migration_1, migration_2};

#define PG_NMIGRATIONS ((uint32_t)(sizeof migrations / sizeof migrations[0]))

/* ------------------------------ parameters, results ------------------------------ */

typedef struct pg_params {
    int n;
    bool too_big;
    const char *v[PG_MAXP];
    int len[PG_MAXP];
    int fmt[PG_MAXP];
    char num[PG_MAXP][24];
} pg_params;

static void P0(pg_params *p)
{
    p->n = 0;
    p->too_big = false;
}

static int pslot(pg_params *p)
{
    OL_ASSERT(p->n < PG_MAXP);
    return p->n++;
}

/* Text (NUL-terminated); NULL binds SQL NULL. */
static void pt(pg_params *p, const char *s)
{
    int i = pslot(p);
    p->v[i] = s;
    p->len[i] = 0;
    p->fmt[i] = 0;
}

static void pi(pg_params *p, uint64_t x)
{
    int i = pslot(p);
    snprintf(p->num[i], sizeof p->num[i], "%" PRIu64, x);
    p->v[i] = p->num[i];
    p->len[i] = 0;
    p->fmt[i] = 0;
}

/* Bytes, sent in binary format (bytea, or text with an explicit length). NULL with length 0
 * is an empty value, not SQL NULL. */
static void pb(pg_params *p, const void *b, size_t n)
{
    int i = pslot(p);
    if (n > (size_t)INT_MAX) {
        p->too_big = true;
        n = 0;
    }
    p->v[i] = b != NULL ? (const char *)b : "";
    p->len[i] = (int)n;
    p->fmt[i] = 1;
}

/* Results come back in binary format: integers big-endian (bigint, integer, smallint, bool). */
static uint64_t cu(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    int n = PQgetlength(r, row, col);
    if (n < 1 || n > 8 || (p[0] & 0x80) != 0)
        return 0; /* negative values never occur (CHECK constraints); read as 0 like SQLite */
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* libpq terminates every value with a NUL, binary ones included. */
static const char *ct(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

static const uint8_t *cblob(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : (const uint8_t *)PQgetvalue(r, row, col);
}

static size_t cn(const PGresult *r, int row, int col)
{
    return (size_t)PQgetlength(r, row, col);
}

static bool cnull(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) != 0;
}

static uint64_t changes(PGresult *r)
{
    return strtoull(PQcmdTuples(r), NULL, 10);
}

/* --------------------------------- errors, statements --------------------------------- */

/* One line of a server or libpq message (they end in newlines). */
static void clean_msg(char *dst, size_t cap, const char *src)
{
    ol__store_copy(dst, cap, src != NULL ? src : "unknown error");
    for (char *q = dst; *q != '\0'; q++) {
        if (*q == '\n' || *q == '\r') {
            if (q[1] == '\0') {
                *q = '\0';
                break;
            }
            *q = ' ';
        }
    }
}

static ol_err pg_fail(pg_conn *c, const PGresult *r, const char *what, ol_diag *d)
{
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *m = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[160];
    clean_msg(msg, sizeof msg, m != NULL ? m : PQerrorMessage(c->db));
    if (state == NULL)
        return OL_FAIL(d, OL_E_IO, "%s: %s", what, msg);
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
        c->retry = true; /* serialization_failure, deadlock_detected */
        return OL_FAIL(d, OL_E_IO, "%s: %s (%s)", what, msg, state);
    }
    if (state[0] == '2' && state[1] == '3') /* integrity constraint violation */
        return OL_FAIL(d, OL_E_EXISTS, "%s: %s", what, msg);
    if (strcmp(state, "22003") == 0) /* numeric_value_out_of_range: a bigint sum overflowed */
        return OL_FAIL(d, OL_E_RANGE, "%s: %s", what, msg);
    if (strcmp(state, "22021") == 0 || strcmp(state, "22P05") == 0) /* bad encoding */
        return OL_FAIL(d, OL_E_INVAL, "%s: %s", what, msg);
    if (strcmp(state, "53200") == 0)
        return OL_FAIL(d, OL_E_NOMEM, "%s: %s", what, msg);
    return OL_FAIL(d, OL_E_IO, "%s: %s (%s)", what, msg, state);
}

static ol_err conn_check(pg_store *s, pg_conn *c, ol_diag *d);

static bool broken(const pg_conn *c)
{
    return PQstatus(c->db) != CONNECTION_OK;
}

static ol_err run_once(pg_store *s, pg_conn *c, const char *sql, const pg_params *p, PGresult **res,
                       const char *what, ol_diag *d)
{
    if (p->too_big)
        return OL_FAIL(d, OL_E_RANGE, "%s: a value is larger than 2 GiB", what);
    if (c->writing) {
        long f = atomic_load(&s->fault);
        while (f >= 0 && !atomic_compare_exchange_weak(&s->fault, &f, f - 1))
            ;
        if (f == 0)
            return OL_FAIL(d, OL_E_IO, "%s: injected fault", what);
    }
    size_t i = 0;
    while (i < c->nprepared && c->prepared[i] != sql)
        i++;
    char name[16];
    snprintf(name, sizeof name, "ol%zu", i);
    if (i == c->nprepared && i < PG_NSTMT) {
        PGresult *pr = PQprepare(c->db, name, sql, 0, NULL);
        if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
            ol_err rc = pg_fail(c, pr, what, d);
            PQclear(pr);
            return rc;
        }
        PQclear(pr);
        c->prepared[c->nprepared++] = sql;
    }
    PGresult *r = i < PG_NSTMT ? PQexecPrepared(c->db, name, p->n, p->v, p->len, p->fmt, 1)
                               : PQexecParams(c->db, sql, p->n, NULL, p->v, p->len, p->fmt, 1);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        *res = r;
        return OL_OK;
    }
    ol_err rc = pg_fail(c, r, what, d);
    PQclear(r);
    return rc;
}

/* Runs `sql` (prepared on first use on this connection) with p's parameters, rows in binary.
 * Clears *res first; on OL_OK *res holds the result (the caller PQclear()s it, or passes it
 * back here). Inside a write, counts down the injected fault.
 *
 * Outside a transaction, on an operation that allows it (c->autoretry: reads and idempotent
 * one-statement writes), a statement that failed because the session died (the server
 * restarted or ended it after conn_check looked) is sent once more on a new session. Inside a
 * transaction nothing has committed yet, and tx_run reruns the whole body instead. */
static ol_err run(pg_store *s, pg_conn *c, const char *sql, const pg_params *p, PGresult **res,
                  const char *what, ol_diag *d)
{
    PQclear(*res);
    *res = NULL;
    ol_err rc = run_once(s, c, sql, p, res, what, d);
    if (rc != OL_OK && c->autoretry && broken(c)) {
        c->autoretry = false;
        if (conn_check(s, c, NULL) == OL_OK)
            rc = run_once(s, c, sql, p, res, what, d);
    }
    return rc;
}

/* run() for a query that yields at most one row of interest: OL_E_NOTFOUND (no diag) when it
 * yields none. */
static ol_err row1(pg_store *s, pg_conn *c, const char *sql, const pg_params *p, PGresult **res,
                   const char *what, ol_diag *d)
{
    ol_err rc = run(s, c, sql, p, res, what, d);
    if (rc == OL_OK && PQntuples(*res) == 0)
        return OL_E_NOTFOUND;
    return rc;
}

/* A command without parameters or rows (BEGIN, COMMIT, SET ...), simple query protocol. */
static ol_err simple(pg_conn *c, const char *sql, const char *what, ol_diag *d)
{
    PGresult *r = PQexec(c->db, sql);
    ol_err rc = OL_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = pg_fail(c, r, what, d);
    PQclear(r);
    return rc;
}

/* -------------------------------- connections -------------------------------- */

/* Server notices (warnings) go to the log sink: library modules never print. */
static void notice_to_log(void *ud, const char *message)
{
    (void)ud;
    char msg[200];
    clean_msg(msg, sizeof msg, message);
    OL_LOG(OL_LOG_WARN, "event=store_notice backend=postgres msg=\"%s\"", msg);
}

/* Per-session settings: every wait on the server is bounded. */
static ol_err session_setup(pg_store *s, pg_conn *c, ol_diag *d)
{
    const char *enc = PQparameterStatus(c->db, "server_encoding");
    if (enc == NULL || (strcmp(enc, "UTF8") != 0 && strcmp(enc, "SQL_ASCII") != 0))
        return OL_FAIL(d, OL_E_UNSUPPORTED, "postgres: the database encoding is %s, not UTF8",
                       enc != NULL ? enc : "unknown");
    if (PQserverVersion(c->db) < PG_MIN_SERVER)
        return OL_FAIL(d, OL_E_UNSUPPORTED, "postgres: server version %d is older than 12",
                       PQserverVersion(c->db));
    char sql[256];
    PQsetNoticeProcessor(c->db, notice_to_log, NULL);
    snprintf(sql, sizeof sql,
             "SET client_min_messages = warning; SET lock_timeout = %" PRIu32 ";"
             " SET statement_timeout = %u; SET idle_in_transaction_session_timeout = %u",
             s->busy_timeout_ms, PG_STMT_TIMEOUT, PG_STMT_TIMEOUT);
    c->nprepared = 0;
    return simple(c, sql, "postgres: session settings", d);
}

static ol_err conn_open(pg_store *s, pg_conn *c, ol_diag *d)
{
    /* Our defaults first; the URL (dbname, expanded) comes last and overrides them. */
    static const char *const keys[] = {"connect_timeout",  "keepalives",
                                       "keepalives_idle",  "keepalives_interval",
                                       "keepalives_count", "tcp_user_timeout",
                                       "application_name", "client_encoding",
                                       "dbname",           NULL};
    const char *const vals[] = {"10",    "1",        "30",   "10",   "3",
                                "60000", "outlayer", "UTF8", s->url, NULL};
    c->db = PQconnectdbParams(keys, vals, 1);
    if (c->db == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "postgres: connection");
    if (PQstatus(c->db) != CONNECTION_OK) {
        char msg[200];
        clean_msg(msg, sizeof msg, PQerrorMessage(c->db));
        return OL_FAIL(d, OL_E_IO, "postgres: cannot connect: %s", msg);
    }
    return session_setup(s, c, d);
}

/* A pooled connection is checked before use: a server restart or a terminated backend shows
 * up here (PQconsumeInput reads the EOF without blocking) and the connection is re-made, so
 * an operation never starts on a dead socket. */
static ol_err conn_check(pg_store *s, pg_conn *c, ol_diag *d)
{
    if (PQstatus(c->db) == CONNECTION_OK && PQconsumeInput(c->db) &&
        PQstatus(c->db) == CONNECTION_OK) {
        PGTransactionStatusType ts = PQtransactionStatus(c->db);
        if (ts == PQTRANS_IDLE)
            return OL_OK;
        if ((ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) &&
            simple(c, "ROLLBACK", "rollback", NULL) == OL_OK)
            return OL_OK;
    }
    OL_LOG(OL_LOG_WARN, "event=store_reconnect backend=postgres");
    PQreset(c->db);
    if (PQstatus(c->db) != CONNECTION_OK) {
        char msg[200];
        clean_msg(msg, sizeof msg, PQerrorMessage(c->db));
        return OL_FAIL(d, OL_E_IO, "postgres: reconnect failed: %s", msg);
    }
    return session_setup(s, c, d);
}

/* Waits (bounded) for a free connection. */
static ol_err conn_acquire(pg_store *s, pg_conn **out, ol_diag *d)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(s->busy_timeout_ms / 1000 + 1);
    pthread_mutex_lock(&s->pool_mu);
    pg_conn *c = NULL;
    while (c == NULL) {
        for (size_t i = 0; i < s->nconns && c == NULL; i++) {
            if (!s->conns[i].in_use) {
                c = &s->conns[i];
                c->in_use = true;
            }
        }
        if (c == NULL && pthread_cond_timedwait(&s->pool_cv, &s->pool_mu, &until) != 0) {
            pthread_mutex_unlock(&s->pool_mu);
            return OL_FAIL(d, OL_E_IO, "store busy: no database connection free");
        }
    }
    pthread_mutex_unlock(&s->pool_mu);
    ol_err rc = conn_check(s, c, d);
    if (rc != OL_OK) {
        pthread_mutex_lock(&s->pool_mu);
        c->in_use = false;
        pthread_cond_signal(&s->pool_cv);
        pthread_mutex_unlock(&s->pool_mu);
        return rc;
    }
    c->retry = false;
    c->autoretry = false;
    *out = c;
    return OL_OK;
}

static void conn_release(pg_store *s, pg_conn *c)
{
    c->writing = false;
    c->autoretry = false;
    pthread_mutex_lock(&s->pool_mu);
    c->in_use = false;
    pthread_cond_signal(&s->pool_cv);
    pthread_mutex_unlock(&s->pool_mu);
}

/* ---- transactions ---- */

typedef ol_err (*tx_fn)(pg_store *s, pg_conn *c, void *arg, ol_diag *d);

static const char SQL_TOTALS_ADD[] =
    "UPDATE totals SET completed = completed + $1, failed = failed + $2,"
    " instructions = instructions + $3, time_ms = time_ms + $4, ran = ran + $5,"
    " charged = charged + $6, charged_calls = charged_calls + $7 WHERE slot = $8";

static ol_err totals_flush(pg_store *s, pg_conn *c, ol_diag *d)
{
    pg_params p;
    PGresult *r = NULL;
    P0(&p);
    pi(&p, c->tot.completed);
    pi(&p, c->tot.failed);
    pi(&p, c->tot.instructions);
    pi(&p, c->tot.time_ms);
    pi(&p, c->tot.ran);
    pi(&p, c->tot.charged);
    pi(&p, c->tot.charged_calls);
    pi(&p, c->slot);
    ol_err rc = run(s, c, SQL_TOTALS_ADD, &p, &r, "totals", d);
    PQclear(r);
    return rc;
}

static void backoff(pg_conn *c, unsigned attempt)
{
    /* 1..3 ms times the attempt, varied per connection so colliding retries spread out. */
    long ms = (long)attempt * (1 + (long)((c->slot + attempt) % 3));
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs fn in a READ COMMITTED transaction on a pooled connection: commits when it returns
 * OL_OK (after adding the run totals it gathered), else rolls back. A serialisation failure,
 * a deadlock, a session lost before COMMIT was sent (nothing committed: the body reruns on a
 * new session), or a body that asks by setting c->retry, reruns the whole body, up to
 * PG_TX_TRIES times; bodies therefore write their outputs into `arg` only on success. A
 * session lost during COMMIT is not retried: the outcome is unknown, the caller gets OL_E_IO. */
static ol_err tx_run(pg_store *s, tx_fn fn, void *arg, ol_diag *d)
{
    pg_conn *c;
    ol_err rc = conn_acquire(s, &c, d);
    if (rc != OL_OK)
        return rc;
    for (unsigned attempt = 1;; attempt++) {
        c->retry = false;
        memset(&c->tot, 0, sizeof c->tot);
        if (broken(c) && (rc = conn_check(s, c, d)) != OL_OK)
            break;
        rc = simple(c, "BEGIN", "begin", d);
        if (rc != OL_OK && broken(c))
            c->retry = true;
        if (rc == OL_OK) {
            c->writing = true;
            rc = fn(s, c, arg, d);
            if (rc == OL_OK && c->tot.dirty)
                rc = totals_flush(s, c, d);
            c->writing = false;
            if (rc != OL_OK && broken(c))
                c->retry = true;
            if (rc == OL_OK) {
                PGresult *r = PQexec(c->db, "COMMIT");
                if (PQresultStatus(r) != PGRES_COMMAND_OK)
                    rc = pg_fail(c, r, "commit", d);
                else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
                    rc = OL_FAIL(d, OL_E_IO, "commit: the transaction was rolled back");
                PQclear(r);
            } else {
                simple(c, "ROLLBACK", "rollback", NULL);
            }
        }
        if (!c->retry || attempt >= PG_TX_TRIES)
            break;
        backoff(c, attempt);
    }
    conn_release(s, c);
    return rc;
}

/* -------------------------------- open / close -------------------------------- */

static void pg_close(ol_store *base)
{
    pg_store *s = PG(base);
    for (size_t i = 0; i < s->nconns; i++)
        PQfinish(s->conns[i].db); /* NULL-safe */
    free(s->conns);
    free(s->url);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_cond_destroy(&s->pool_cv);
    free(s);
}

/* Text-format scalar of a simple query. */
static ol_err query_u64(pg_conn *c, const char *sql, uint64_t *out, const char *what, ol_diag *d)
{
    PGresult *r = PQexec(c->db, sql);
    ol_err rc = OL_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = pg_fail(c, r, what, d);
    else if (PQntuples(r) != 1)
        rc = OL_FAIL(d, OL_E_IO, "%s: no row", what);
    else
        *out = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return rc;
}

/* Applies every missing migration, each in its own transaction holding an advisory lock, so
 * coordinators starting at once against one database apply each exactly once. */
static ol_err migrate(pg_conn *c, uint32_t *version, ol_diag *d)
{
    for (;;) {
        ol_err rc = simple(c,
                           "BEGIN; SET LOCAL lock_timeout = 60000;"
                           " SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ");"
                           " CREATE TABLE IF NOT EXISTS schema_migrations("
                           "version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL)",
                           "begin migration", d);
        if (rc != OL_OK)
            goto fail;
        uint64_t v = 0;
        rc = query_u64(c, "SELECT coalesce(max(version), 0) FROM schema_migrations", &v,
                       "schema version", d);
        if (rc != OL_OK)
            goto fail;
        if (v > PG_NMIGRATIONS) {
            rc = OL_FAIL(d, OL_E_STATE,
                         "database schema version %" PRIu64 " is newer than this build's %" PRIu32,
                         v, PG_NMIGRATIONS);
            goto fail;
        }
        if (v == PG_NMIGRATIONS) {
            simple(c, "COMMIT", "commit", NULL);
            *version = (uint32_t)v;
            return OL_OK;
        }
        for (const char *const *st = migrations[v]; *st != NULL && rc == OL_OK; st++)
            rc = simple(c, *st, "migration", d);
        if (rc != OL_OK)
            goto fail;
        char ins[160];
        snprintf(ins, sizeof ins,
                 "INSERT INTO schema_migrations VALUES(%" PRIu64
                 ", (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
                 v + 1);
        rc = simple(c, ins, "record migration", d);
        if (rc != OL_OK)
            goto fail;
        rc = simple(c, "COMMIT", "commit migration", d);
        if (rc != OL_OK)
            goto fail;
        OL_LOG(OL_LOG_INFO, "event=store_migrated backend=postgres version=%" PRIu64, v + 1);
        continue;
    fail:
        simple(c, "ROLLBACK", "rollback", NULL);
        return rc;
    }
}

static ol_err pg_open(const char *rest, const ol_store_options *opts, ol_store **out, ol_diag *d)
{
    ol_err rc = OL_OK;
    if (strncmp(rest, "//", 2) != 0)
        return OL_FAIL(d, OL_E_INVAL, "postgres: URL must be postgres://[USER[:PASSWORD]@]HOST...");
    if (!PQisthreadsafe())
        return OL_FAIL(d, OL_E_UNSUPPORTED, "libpq was built without thread support");
    size_t n = strlen(rest);
    pg_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "store");
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_cond_init(&s->pool_cv, NULL);
    atomic_init(&s->fault, -1);
    s->busy_timeout_ms = opts->busy_timeout_ms;
    s->url = malloc(n + sizeof "postgres:");
    s->conns = calloc(opts->pool_size, sizeof *s->conns);
    if (s->url == NULL || s->conns == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "store connections");
        goto fail;
    }
    memcpy(s->url, "postgres:", sizeof "postgres:" - 1);
    memcpy(s->url + sizeof "postgres:" - 1, rest, n + 1);
    /* A malformed URL is the caller's error, not the server's: check it before connecting.
     * (libpq's message never repeats the password.) */
    char *perr = NULL;
    PQconninfoOption *info = PQconninfoParse(s->url, &perr);
    if (info == NULL) {
        char msg[160];
        clean_msg(msg, sizeof msg, perr != NULL ? perr : "out of memory");
        PQfreemem(perr);
        rc = OL_FAIL(d, OL_E_INVAL, "postgres: bad URL: %s", msg);
        goto fail;
    }
    PQconninfoFree(info);
    unsigned seed = (unsigned)getpid() * 7u;
    for (uint32_t i = 0; i < opts->pool_size; i++) {
        pg_conn *c = &s->conns[i];
        s->nconns = i + 1;
        c->slot = (seed + i) % PG_TOTAL_SLOTS;
        rc = conn_open(s, c, d);
        if (rc != OL_OK)
            goto fail;
        if (i == 0) {
            rc = migrate(c, &s->base.schema_version, d);
            if (rc != OL_OK)
                goto fail;
        }
    }
    *out = &s->base;
    return OL_OK;
fail:
    pg_close(&s->base);
    return rc;
}

static void pg_set_fault(ol_store *base, long countdown)
{
    atomic_store(&PG(base)->fault, countdown);
}

#define TRY(expr)        \
    do {                 \
        rc = (expr);     \
        if (rc != OL_OK) \
            goto out;    \
    } while (0)

/* A one-statement operation on a pooled connection (autocommit: the statement is atomic).
 * Only for reads and for writes that may safely be sent twice (see run()); other writes go
 * through tx_run, even when they are one statement (one_tx). */
#define ONE_BEGIN(write)                \
    pg_store *s = PG(base);             \
    pg_conn *c;                         \
    PGresult *r = NULL;                 \
    pg_params p;                        \
    P0(&p);                             \
    ol_err rc = conn_acquire(s, &c, d); \
    if (rc != OL_OK)                    \
        return rc;                      \
    c->autoretry = true;                \
    c->writing = (write)

#define ONE_END()       \
    PQclear(r);         \
    conn_release(s, c); \
    return rc

/* A write of one statement that must not be sent twice, as a transaction (see tx_run). */
typedef struct one_args {
    const char *sql, *what;
    const pg_params *p;
    uint64_t changes; /* out: rows changed */
} one_args;

static ol_err one_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    one_args *a = arg;
    PGresult *r = NULL;
    ol_err rc = run(s, c, a->sql, a->p, &r, a->what, d);
    if (rc == OL_OK)
        a->changes = changes(r);
    PQclear(r);
    return rc;
}

static ol_err pg_ping(ol_store *base, ol_diag *d)
{
    ONE_BEGIN(false);
    rc = row1(s, c, "SELECT count(*) FROM totals", &p, &r, "ping", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_IO, "ping: no row");
    ONE_END();
}

/* ---------------------------------- registry ---------------------------------- */

static const char SQL_PROJECT_INSERT[] =
    "INSERT INTO projects(owner, name, active_version, created_ms) VALUES($1, $2, '', $3)";
static const char SQL_PROJECT_GET[] =
    "SELECT p.owner, p.name, p.active_version, p.created_ms,"
    " (SELECT count(*) FROM versions v WHERE v.owner = p.owner AND v.name = p.name)"
    " FROM projects p WHERE p.owner = $1 AND p.name = $2";
static const char SQL_PROJECT_LIST[] =
    "SELECT p.owner, p.name, p.active_version, p.created_ms,"
    " (SELECT count(*) FROM versions v WHERE v.owner = p.owner AND v.name = p.name)"
    " FROM projects p ORDER BY p.owner, p.name";

static ol_err pg_project_create(ol_store *base, const char *owner, const char *name,
                                uint64_t now_ms, ol_diag *d)
{
    pg_params p;
    P0(&p);
    pt(&p, owner);
    pt(&p, name);
    pi(&p, now_ms);
    one_args a = {.sql = SQL_PROJECT_INSERT, .what = "insert project", .p = &p};
    ol_err rc = tx_run(PG(base), one_tx, &a, d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "project %s/%s already exists", owner, name);
    return rc;
}

static void project_from_row(const PGresult *r, int i, ol_store_project *pr)
{
    memset(pr, 0, sizeof *pr);
    ol__store_copy(pr->owner, sizeof pr->owner, ct(r, i, 0));
    ol__store_copy(pr->name, sizeof pr->name, ct(r, i, 1));
    ol__store_copy(pr->active_version, sizeof pr->active_version, ct(r, i, 2));
    pr->created_ms = cu(r, i, 3);
    pr->nversions = (uint32_t)cu(r, i, 4);
}

static ol_err pg_project_get(ol_store *base, const char *owner, const char *name,
                             ol_store_project *outp, ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, owner);
    pt(&p, name);
    rc = row1(s, c, SQL_PROJECT_GET, &p, &r, "get project", d);
    if (rc == OL_OK)
        project_from_row(r, 0, outp);
    else if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no project %s/%s", owner, name);
    ONE_END();
}

static ol_err pg_project_list(ol_store *base, ol_store_project_cb cb, void *ud, ol_diag *d)
{
    ONE_BEGIN(false);
    rc = run(s, c, SQL_PROJECT_LIST, &p, &r, "list projects", d);
    for (int i = 0; rc == OL_OK && i < PQntuples(r); i++) {
        ol_store_project pr;
        project_from_row(r, i, &pr);
        if (cb(ud, &pr) != 0)
            break;
    }
    ONE_END();
}

static const char SQL_PROJECT_LOCK[] =
    "SELECT active_version FROM projects WHERE owner = $1 AND name = $2 FOR UPDATE";
static const char SQL_BLOB_INSERT[] =
    "INSERT INTO wasm_blobs(sha256, bytes, size, created_ms) VALUES($1, $2, $3, $4)"
    " ON CONFLICT DO NOTHING";
static const char SQL_VERSION_INSERT[] =
    "INSERT INTO versions(owner, name, sha256, created_ms) VALUES($1, $2, $3, $4)"
    " ON CONFLICT DO NOTHING";
static const char SQL_PROJECT_SET_ACTIVE[] =
    "UPDATE projects SET active_version = $1 WHERE owner = $2 AND name = $3";
static const char SQL_VERSION_ACTIVATE[] =
    "UPDATE projects SET active_version = $1 WHERE owner = $2 AND name = $3"
    " AND EXISTS (SELECT 1 FROM versions v WHERE v.owner = $2 AND v.name = $3"
    " AND v.sha256 = $1)";
/* One statement, one snapshot: $3 NULL asks for the active version. */
static const char SQL_VERSION_GET[] =
    "SELECT p.active_version, v.sha256, b.size, v.created_ms, p.active_version = v.sha256"
    " FROM projects p"
    " LEFT JOIN versions v ON v.owner = p.owner AND v.name = p.name"
    "  AND v.sha256 = coalesce($3::text, p.active_version)"
    " LEFT JOIN wasm_blobs b ON b.sha256 = v.sha256"
    " WHERE p.owner = $1 AND p.name = $2";
static const char SQL_VERSION_LIST[] =
    "SELECT v.sha256, b.size, v.created_ms, p.active_version = v.sha256"
    " FROM projects p"
    " LEFT JOIN versions v ON v.owner = p.owner AND v.name = p.name"
    " LEFT JOIN wasm_blobs b ON b.sha256 = v.sha256"
    " WHERE p.owner = $1 AND p.name = $2 ORDER BY v.seq";
static const char SQL_WASM_GET[] = "SELECT bytes FROM wasm_blobs WHERE sha256 = $1";

typedef struct version_add_args {
    const char *owner, *name, *sha256;
    const uint8_t *bytes;
    size_t len;
    bool activate;
    uint64_t now_ms;
} version_add_args;

static ol_err version_add_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    version_add_args *a = arg;
    PGresult *r = NULL;
    pg_params p;
    P0(&p);
    pt(&p, a->owner);
    pt(&p, a->name);
    ol_err rc = row1(s, c, SQL_PROJECT_LOCK, &p, &r, "project", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no project %s/%s", a->owner, a->name);
    if (rc != OL_OK)
        goto out;
    bool had_active = ct(r, 0, 0)[0] != '\0';
    P0(&p);
    pt(&p, a->sha256);
    pb(&p, a->bytes, a->len);
    pi(&p, a->len);
    pi(&p, a->now_ms);
    TRY(run(s, c, SQL_BLOB_INSERT, &p, &r, "insert wasm", d));
    P0(&p);
    pt(&p, a->owner);
    pt(&p, a->name);
    pt(&p, a->sha256);
    pi(&p, a->now_ms);
    TRY(run(s, c, SQL_VERSION_INSERT, &p, &r, "insert version", d));
    if (a->activate || !had_active) {
        P0(&p);
        pt(&p, a->sha256);
        pt(&p, a->owner);
        pt(&p, a->name);
        TRY(run(s, c, SQL_PROJECT_SET_ACTIVE, &p, &r, "activate version", d));
    }
out:
    PQclear(r);
    return rc;
}

static ol_err pg_version_add(ol_store *base, const char *owner, const char *name,
                             const uint8_t *bytes, size_t len, const char *sha256, bool activate,
                             uint64_t now_ms, ol_diag *d)
{
    version_add_args a = {.owner = owner,
                          .name = name,
                          .sha256 = sha256,
                          .bytes = bytes,
                          .len = len,
                          .activate = activate,
                          .now_ms = now_ms};
    return tx_run(PG(base), version_add_tx, &a, d);
}

static ol_err pg_version_activate(ol_store *base, const char *owner, const char *name,
                                  const char *sha256, ol_diag *d)
{
    ONE_BEGIN(true);
    pt(&p, sha256);
    pt(&p, owner);
    pt(&p, name);
    rc = run(s, c, SQL_VERSION_ACTIVATE, &p, &r, "activate version", d);
    if (rc == OL_OK && changes(r) == 0)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no version %.16s… of %s/%s", sha256, owner, name);
    ONE_END();
}

static void version_from_row(const PGresult *r, int i, int col, ol_store_version *v)
{
    memset(v, 0, sizeof *v);
    ol__store_copy(v->sha256, sizeof v->sha256, ct(r, i, col));
    v->size = cu(r, i, col + 1);
    v->created_ms = cu(r, i, col + 2);
    v->active = cu(r, i, col + 3) != 0;
}

static ol_err pg_version_get(ol_store *base, const char *owner, const char *name,
                             const char *sha256, ol_store_version *outv, ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, owner);
    pt(&p, name);
    pt(&p, sha256); /* NULL: the active one */
    rc = row1(s, c, SQL_VERSION_GET, &p, &r, "version", d);
    if (rc == OL_E_NOTFOUND) {
        rc = sha256 != NULL
                 ? OL_FAIL(d, OL_E_NOTFOUND, "no version %.16s… of %s/%s", sha256, owner, name)
                 : OL_FAIL(d, OL_E_NOTFOUND, "no project %s/%s", owner, name);
    } else if (rc == OL_OK && sha256 == NULL && ct(r, 0, 0)[0] == '\0') {
        rc = OL_FAIL(d, OL_E_NOTFOUND, "project %s/%s has no active version", owner, name);
    } else if (rc == OL_OK && cnull(r, 0, 1)) {
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no version %.16s… of %s/%s",
                     sha256 != NULL ? sha256 : ct(r, 0, 0), owner, name);
    } else if (rc == OL_OK) {
        version_from_row(r, 0, 1, outv);
    }
    ONE_END();
}

static ol_err pg_version_list(ol_store *base, const char *owner, const char *name,
                              ol_store_version_cb cb, void *ud, ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, owner);
    pt(&p, name);
    rc = row1(s, c, SQL_VERSION_LIST, &p, &r, "list versions", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no project %s/%s", owner, name);
    for (int i = 0; rc == OL_OK && i < PQntuples(r) && !cnull(r, i, 0); i++) {
        ol_store_version v;
        version_from_row(r, i, 0, &v);
        if (cb(ud, &v) != 0)
            break;
    }
    ONE_END();
}

static ol_err pg_wasm_get(ol_store *base, const char *sha256, uint8_t **bytes, size_t *len,
                          ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, sha256);
    rc = row1(s, c, SQL_WASM_GET, &p, &r, "wasm", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no wasm %.16s…", sha256);
    if (rc == OL_OK) {
        size_t n = cn(r, 0, 0);
        uint8_t *b = malloc(n > 0 ? n : 1);
        if (b == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "wasm %zu bytes", n);
        } else {
            if (n > 0)
                memcpy(b, cblob(r, 0, 0), n);
            *bytes = b;
            *len = n;
        }
    }
    ONE_END();
}

/* -------------------------------- payment keys -------------------------------- */

static const char SQL_KEY_NEXT_NONCE[] =
    "SELECT coalesce(max(nonce), 0) + 1 FROM payment_keys WHERE owner = $1";
static const char SQL_KEY_INSERT[] =
    "INSERT INTO payment_keys(owner, nonce, secret_sha256, initial_balance, max_per_call,"
    " projects, created_ms) VALUES($1, $2, $3, $4, $5, $6, $7)";
#define KEY_COLS                                                                             \
    "owner, nonce, secret_sha256, initial_balance, spent, reserved, max_per_call, projects," \
    " inflight, created_ms, last_used_ms"
static const char SQL_KEY_GET[] =
    "SELECT " KEY_COLS " FROM payment_keys WHERE owner = $1 AND nonce = $2";
static const char SQL_KEY_LIST_ALL[] =
    "SELECT " KEY_COLS " FROM payment_keys ORDER BY owner, nonce";
static const char SQL_KEY_LIST_OWNER[] =
    "SELECT " KEY_COLS " FROM payment_keys WHERE owner = $1 ORDER BY nonce";
static const char SQL_KEY_TOP_UP[] =
    "UPDATE payment_keys SET initial_balance = initial_balance + $1"
    " WHERE owner = $2 AND nonce = $3";

typedef struct key_create_args {
    const ol_store_key_spec *spec;
    const char *projects_text;
    uint64_t now_ms;
    uint32_t nonce; /* out */
} key_create_args;

static ol_err key_create_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    key_create_args *a = arg;
    const ol_store_key_spec *spec = a->spec;
    PGresult *r = NULL;
    pg_params p;
    uint32_t nonce = spec->nonce;
    ol_err rc = OL_OK;
    if (nonce == 0) {
        P0(&p);
        pt(&p, spec->owner);
        TRY(row1(s, c, SQL_KEY_NEXT_NONCE, &p, &r, "next nonce", d));
        uint64_t n = cu(r, 0, 0);
        if (n > (uint64_t)INT32_MAX) {
            rc = OL_FAIL(d, OL_E_INVAL, "owner %s has used every nonce", spec->owner);
            goto out;
        }
        nonce = (uint32_t)n;
    }
    P0(&p);
    pt(&p, spec->owner);
    pi(&p, nonce);
    pb(&p, spec->secret_sha256, 32);
    pi(&p, spec->initial_balance);
    pi(&p, spec->max_per_call);
    pt(&p, a->projects_text);
    pi(&p, a->now_ms);
    rc = run(s, c, SQL_KEY_INSERT, &p, &r, "insert key", d);
    if (rc == OL_E_EXISTS) {
        /* Another coordinator took the nonce we picked: pick again. */
        if (spec->nonce == 0)
            c->retry = true;
        rc = OL_FAIL(d, OL_E_EXISTS, "payment key %s:%" PRIu32 " already exists", spec->owner,
                     nonce);
    }
    if (rc == OL_OK)
        a->nonce = nonce;
out:
    PQclear(r);
    return rc;
}

static ol_err pg_key_create(ol_store *base, const ol_store_key_spec *spec,
                            const char *projects_text, uint64_t now_ms, uint32_t *nonce_out,
                            ol_diag *d)
{
    key_create_args a = {.spec = spec, .projects_text = projects_text, .now_ms = now_ms};
    ol_err rc = tx_run(PG(base), key_create_tx, &a, d);
    if (rc == OL_OK && nonce_out != NULL)
        *nonce_out = a.nonce;
    return rc;
}

static ol_store_key *key_from_row(const PGresult *r, int i)
{
    ol_store_key k;
    memset(&k, 0, sizeof k);
    ol__store_copy(k.owner, sizeof k.owner, ct(r, i, 0));
    k.nonce = (uint32_t)cu(r, i, 1);
    if (cn(r, i, 2) == 32)
        memcpy(k.secret_sha256, cblob(r, i, 2), 32);
    k.initial_balance = cu(r, i, 3);
    k.spent = cu(r, i, 4);
    k.reserved = cu(r, i, 5);
    k.max_per_call = cu(r, i, 6);
    k.inflight = (uint32_t)cu(r, i, 8);
    k.created_ms = cu(r, i, 9);
    k.last_used_ms = cu(r, i, 10);
    return ol__store_key_build(&k, ct(r, i, 7));
}

static ol_err pg_key_get(ol_store *base, const char *owner, uint32_t nonce, ol_store_key **outk,
                         ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, owner);
    pi(&p, nonce);
    rc = row1(s, c, SQL_KEY_GET, &p, &r, "get key", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no payment key %s:%" PRIu32, owner, nonce);
    if (rc == OL_OK) {
        ol_store_key *k = key_from_row(r, 0);
        if (k == NULL)
            rc = OL_FAIL(d, OL_E_NOMEM, "key record");
        else
            *outk = k;
    }
    ONE_END();
}

static ol_err pg_key_list(ol_store *base, const char *owner, ol_store_key_cb cb, void *ud,
                          ol_diag *d)
{
    ONE_BEGIN(false);
    if (owner != NULL)
        pt(&p, owner);
    rc = run(s, c, owner != NULL ? SQL_KEY_LIST_OWNER : SQL_KEY_LIST_ALL, &p, &r, "list keys", d);
    for (int i = 0; rc == OL_OK && i < PQntuples(r); i++) {
        ol_store_key *k = key_from_row(r, i);
        if (k == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "key record");
            break;
        }
        int stop = cb(ud, k);
        ol_store_key_free(k);
        if (stop != 0)
            break;
    }
    ONE_END();
}

static ol_err pg_key_top_up(ol_store *base, const char *owner, uint32_t nonce, uint64_t amount,
                            ol_diag *d)
{
    pg_params p;
    P0(&p);
    pi(&p, amount);
    pt(&p, owner);
    pi(&p, nonce);
    one_args a = {.sql = SQL_KEY_TOP_UP, .what = "top up", .p = &p};
    ol_err rc = tx_run(PG(base), one_tx, &a, d);
    if (rc == OL_E_RANGE)
        rc = OL_FAIL(d, OL_E_RANGE, "balance would exceed %llu micro-USD",
                     (unsigned long long)OL_STORE_MONEY_MAX);
    else if (rc == OL_OK && a.changes == 0)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no payment key %s:%" PRIu32, owner, nonce);
    return rc;
}

/* ------------------------------------ calls ------------------------------------ */

static const char SQL_KEY_LOCK[] =
    "SELECT initial_balance, spent, reserved, inflight FROM payment_keys"
    " WHERE owner = $1 AND nonce = $2 FOR UPDATE";
static const char SQL_KEY_RESERVE[] =
    "UPDATE payment_keys SET reserved = reserved + $1, inflight = inflight + 1,"
    " last_used_ms = $2 WHERE owner = $3 AND nonce = $4";
static const char SQL_CALL_INSERT[] =
    "INSERT INTO calls(id, task_id, key_owner, key_nonce, project_owner, project_name, version,"
    " status, is_async, compute_limit, attached_deposit, reserved, created_ms, input, task_json)"
    " VALUES($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, $13, $14)";
static const char SQL_TASK_INSERT[] =
    "INSERT INTO tasks(id, call_id, max_attempts, created_ms, queued_ms)"
    " VALUES($1, $2, $3, $4, $5)";

typedef struct submit_args {
    const ol_store_submit *sub;
    uint64_t now_ms;
    ol_store_submit_result result; /* out */
} submit_args;

static ol_err submit_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    submit_args *a = arg;
    const ol_store_submit *sub = a->sub;
    uint64_t total = sub->compute_limit + sub->attached_deposit; /* bounded by store.c */
    PGresult *r = NULL;
    pg_params p;
    P0(&p);
    pt(&p, sub->key_owner);
    pi(&p, sub->key_nonce);
    /* The key row stays locked until COMMIT: concurrent submissions and settlements of this
     * key queue here and see this reservation. */
    ol_err rc = row1(s, c, SQL_KEY_LOCK, &p, &r, "key", d);
    if (rc == OL_E_NOTFOUND) {
        a->result = OL_STORE_SUBMIT_NO_KEY;
        rc = OL_OK;
        goto out;
    }
    if (rc != OL_OK)
        goto out;
    uint64_t initial = cu(r, 0, 0), spent = cu(r, 0, 1), reserved = cu(r, 0, 2);
    uint64_t inflight = cu(r, 0, 3);
    if (!OL_ALWAYS(spent <= initial && reserved <= initial - spent)) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "key %s:%" PRIu32 " violates spent + reserved <= initial",
                     sub->key_owner, sub->key_nonce);
        goto out;
    }
    /* The concurrency cap first (see store_sqlite.c): at the cap the answer is "wait". */
    if (sub->max_concurrent != 0 && inflight >= sub->max_concurrent) {
        a->result = OL_STORE_SUBMIT_TOO_MANY;
        goto out;
    }
    if (initial - spent - reserved < total) {
        a->result = OL_STORE_SUBMIT_INSUFFICIENT;
        goto out;
    }
    P0(&p);
    pi(&p, total);
    pi(&p, a->now_ms);
    pt(&p, sub->key_owner);
    pi(&p, sub->key_nonce);
    TRY(run(s, c, SQL_KEY_RESERVE, &p, &r, "reserve", d));
    P0(&p);
    pt(&p, sub->call_id);
    pt(&p, sub->task_id);
    pt(&p, sub->key_owner);
    pi(&p, sub->key_nonce);
    pt(&p, sub->project_owner);
    pt(&p, sub->project_name);
    pt(&p, sub->version);
    pi(&p, sub->is_async ? 1 : 0);
    pi(&p, sub->compute_limit);
    pi(&p, sub->attached_deposit);
    pi(&p, total);
    pi(&p, a->now_ms);
    pb(&p, sub->input, sub->input_len);
    pb(&p, sub->task_json, sub->task_json_len);
    rc = run(s, c, SQL_CALL_INSERT, &p, &r, "insert call", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "call id %s or task id %s already used", sub->call_id,
                     sub->task_id);
    if (rc != OL_OK)
        goto out;
    P0(&p);
    pt(&p, sub->task_id);
    pt(&p, sub->call_id);
    pi(&p, sub->max_attempts);
    pi(&p, a->now_ms);
    pi(&p, a->now_ms);
    rc = run(s, c, SQL_TASK_INSERT, &p, &r, "insert task", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "task id %s already used", sub->task_id);
    if (rc == OL_OK)
        a->result = OL_STORE_SUBMIT_OK;
out:
    PQclear(r);
    return rc;
}

static ol_err pg_call_submit(ol_store *base, const ol_store_submit *sub, uint64_t now_ms,
                             ol_store_submit_result *result, ol_diag *d)
{
    submit_args a = {.sub = sub, .now_ms = now_ms, .result = OL_STORE_SUBMIT_OK};
    ol_err rc = tx_run(PG(base), submit_tx, &a, d);
    if (rc == OL_OK)
        *result = a.result;
    return rc;
}

#define CALL_COLS                                                                             \
    "id, task_id, key_owner, key_nonce, project_owner, project_name, version, status,"        \
    " is_async, compute_limit, attached_deposit, reserved, charged, paid, error_code, error," \
    " run_status, exit_code, instructions, time_ms, worker_id, attempts, created_ms,"         \
    " started_ms, completed_ms, input, output, stderr, evidence, transcript, task_json"
static const char SQL_CALL_GET[] = "SELECT " CALL_COLS " FROM calls WHERE id = $1";

static ol_store_call *call_from_row(const PGresult *r)
{
    ol_store_call c;
    memset(&c, 0, sizeof c);
    ol__store_copy(c.id, sizeof c.id, ct(r, 0, 0));
    ol__store_copy(c.task_id, sizeof c.task_id, ct(r, 0, 1));
    ol__store_copy(c.key_owner, sizeof c.key_owner, ct(r, 0, 2));
    c.key_nonce = (uint32_t)cu(r, 0, 3);
    ol__store_copy(c.project_owner, sizeof c.project_owner, ct(r, 0, 4));
    ol__store_copy(c.project_name, sizeof c.project_name, ct(r, 0, 5));
    ol__store_copy(c.version, sizeof c.version, ct(r, 0, 6));
    c.status = (ol_store_call_status)cu(r, 0, 7);
    c.is_async = cu(r, 0, 8) != 0;
    c.compute_limit = cu(r, 0, 9);
    c.attached_deposit = cu(r, 0, 10);
    c.reserved = cu(r, 0, 11);
    c.charged = cu(r, 0, 12);
    c.paid = cu(r, 0, 13);
    ol__store_copy(c.error_code, sizeof c.error_code, ct(r, 0, 14));
    ol__store_copy(c.run_status, sizeof c.run_status, ct(r, 0, 16));
    c.exit_code = (uint32_t)cu(r, 0, 17);
    c.instructions = cu(r, 0, 18);
    c.time_ms = cu(r, 0, 19);
    ol__store_copy(c.worker_id, sizeof c.worker_id, ct(r, 0, 20));
    c.attempts = (uint32_t)cu(r, 0, 21);
    c.created_ms = cu(r, 0, 22);
    c.started_ms = cu(r, 0, 23);
    c.completed_ms = cu(r, 0, 24);
    return ol__store_call_build(&c, ct(r, 0, 15), cblob(r, 0, 25), cn(r, 0, 25), cblob(r, 0, 26),
                                cn(r, 0, 26), ct(r, 0, 27), ct(r, 0, 28), cblob(r, 0, 29),
                                cn(r, 0, 29), ct(r, 0, 30));
}

static ol_err pg_call_get(ol_store *base, const char *call_id, ol_store_call **outc, ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, call_id);
    rc = row1(s, c, SQL_CALL_GET, &p, &r, "get call", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no call %s", call_id);
    if (rc == OL_OK) {
        ol_store_call *call = call_from_row(r);
        if (call == NULL)
            rc = OL_FAIL(d, OL_E_NOMEM, "call record");
        else
            *outc = call;
    }
    ONE_END();
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
    " attached_deposit, status FROM calls WHERE id = $1 FOR UPDATE";
static const char SQL_SETTLE_KEY_GET[] =
    "SELECT spent, reserved, inflight, initial_balance FROM payment_keys"
    " WHERE owner = $1 AND nonce = $2 FOR UPDATE";
static const char SQL_SETTLE_KEY_SET[] =
    "UPDATE payment_keys SET spent = $1, reserved = $2, inflight = inflight - 1"
    " WHERE owner = $3 AND nonce = $4";
static const char SQL_SETTLE_CALL_SET[] =
    "UPDATE calls SET status = $1, error_code = $2, error = $3, run_status = $4, exit_code = $5,"
    " instructions = $6, time_ms = $7, charged = $8, paid = $9, reserved = 0, completed_ms = $10,"
    " output = $11, stderr = $12, evidence = $13, transcript = $14 WHERE id = $15";
static const char SQL_EARN_ADD[] =
    "INSERT INTO earnings(owner, balance, total_earned, updated_ms) VALUES($1, $2, $2, $3)"
    " ON CONFLICT(owner) DO UPDATE SET balance = earnings.balance + excluded.balance,"
    " total_earned = earnings.total_earned + excluded.total_earned,"
    " updated_ms = excluded.updated_ms";
static const char SQL_EARN_HISTORY[] =
    "INSERT INTO earnings_history(owner, project_name, call_id, amount, created_ms)"
    " VALUES($1, $2, $3, $4, $5)";
static const char SQL_TASK_DONE[] =
    "UPDATE tasks SET state = 2, done_worker = $1, done_attempt = $2, lease_expires_ms = 0"
    " WHERE call_id = $3";

static void pbs(pg_params *p, const char *text) /* optional text payload as bytea */
{
    if (text == NULL)
        pt(p, NULL);
    else
        pb(p, text, strlen(text));
}

static ol_err settle(pg_store *s, pg_conn *c, const settle_args *a, uint64_t now_ms, ol_diag *d)
{
    ol_err rc;
    PGresult *r = NULL;
    pg_params p;
    char key_owner[OL_STORE_OWNER_MAX + 1], powner[OL_STORE_OWNER_MAX + 1];
    char pname[OL_STORE_NAME_MAX + 1];

    P0(&p);
    pt(&p, a->call_id);
    rc = row1(s, c, SQL_SETTLE_CALL_GET, &p, &r, "settle: call", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no call %s", a->call_id);
    if (rc != OL_OK)
        goto out;
    ol__store_copy(key_owner, sizeof key_owner, ct(r, 0, 0));
    uint64_t key_nonce = cu(r, 0, 1);
    ol__store_copy(powner, sizeof powner, ct(r, 0, 2));
    ol__store_copy(pname, sizeof pname, ct(r, 0, 3));
    uint64_t call_reserved = cu(r, 0, 4), limit = cu(r, 0, 5), deposit = cu(r, 0, 6);
    uint64_t status = cu(r, 0, 7);
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

    P0(&p);
    pt(&p, key_owner);
    pi(&p, key_nonce);
    rc = row1(s, c, SQL_SETTLE_KEY_GET, &p, &r, "settle: key", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_INTERNAL, "call %s has no payment key", a->call_id);
    if (rc != OL_OK)
        goto out;
    uint64_t spent = cu(r, 0, 0), reserved = cu(r, 0, 1), inflight = cu(r, 0, 2);
    uint64_t initial = cu(r, 0, 3);
    uint64_t new_spent;
    if (!OL_ALWAYS(reserved >= call_reserved && inflight > 0) ||
        __builtin_add_overflow(spent, a->charge + paid, &new_spent) ||
        !OL_ALWAYS(new_spent + (reserved - call_reserved) <= initial)) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "settle: key %s:%" PRIu64 " accounting out of balance",
                     key_owner, key_nonce);
        goto out;
    }
    P0(&p);
    pi(&p, new_spent);
    pi(&p, reserved - call_reserved);
    pt(&p, key_owner);
    pi(&p, key_nonce);
    TRY(run(s, c, SQL_SETTLE_KEY_SET, &p, &r, "settle: key", d));

    P0(&p);
    pi(&p, a->success ? OL_STORE_CALL_COMPLETED : OL_STORE_CALL_FAILED);
    pt(&p, a->success ? "" : a->error_code);
    pbs(&p, a->error != NULL ? a->error : "");
    pt(&p, a->run_status != NULL ? a->run_status : "");
    pi(&p, a->exit_code);
    pi(&p, a->instructions);
    pi(&p, a->time_ms);
    pi(&p, a->charge);
    pi(&p, paid);
    pi(&p, now_ms);
    if (a->output != NULL)
        pb(&p, a->output, a->output_len);
    else
        pt(&p, NULL);
    pbs(&p, a->stderr_text);
    pbs(&p, a->evidence);
    if (a->transcript != NULL)
        pb(&p, a->transcript, a->transcript_len);
    else
        pt(&p, NULL);
    pt(&p, a->call_id);
    TRY(run(s, c, SQL_SETTLE_CALL_SET, &p, &r, "settle: call", d));

    if (paid > 0) {
        P0(&p);
        pt(&p, powner);
        pi(&p, paid);
        pi(&p, now_ms);
        rc = run(s, c, SQL_EARN_ADD, &p, &r, "earnings", d);
        if (rc == OL_E_RANGE)
            rc = OL_FAIL(d, OL_E_RANGE, "earnings of %s would overflow", powner);
        if (rc != OL_OK)
            goto out;
        P0(&p);
        pt(&p, powner);
        pt(&p, pname);
        pt(&p, a->call_id);
        pi(&p, paid);
        pi(&p, now_ms);
        TRY(run(s, c, SQL_EARN_HISTORY, &p, &r, "earnings history", d));
    }

    P0(&p);
    pt(&p, a->done_worker);
    pi(&p, a->done_attempt);
    pt(&p, a->call_id);
    TRY(run(s, c, SQL_TASK_DONE, &p, &r, "task done", d));

    /* Added to `totals` once per transaction, just before COMMIT (see tx_run). */
    c->tot.dirty = true;
    c->tot.completed += a->success ? 1 : 0;
    c->tot.failed += a->success ? 0 : 1;
    c->tot.instructions += a->instructions;
    c->tot.time_ms += a->time_ms;
    c->tot.ran += (a->instructions > 0 || a->time_ms > 0) ? 1 : 0;
    c->tot.charged += a->charge;
    c->tot.charged_calls += a->charge > 0 ? 1 : 0;
out:
    PQclear(r);
    return rc;
}

static const char SQL_CANCEL_GET[] =
    "SELECT t.state, c.status FROM tasks t JOIN calls c ON c.id = t.call_id WHERE c.id = $1"
    " FOR UPDATE OF t";

typedef struct cancel_args {
    const char *call_id, *error_code, *error;
    uint64_t now_ms;
} cancel_args;

static ol_err cancel_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    cancel_args *a = arg;
    PGresult *r = NULL;
    pg_params p;
    P0(&p);
    pt(&p, a->call_id);
    ol_err rc = row1(s, c, SQL_CANCEL_GET, &p, &r, "call", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no call %s", a->call_id);
    if (rc != OL_OK)
        goto out;
    if (cu(r, 0, 0) != 0 || cu(r, 0, 1) >= OL_STORE_CALL_COMPLETED) {
        rc = OL_FAIL(d, OL_E_STATE, "call %s is no longer queued", a->call_id);
        goto out;
    }
    settle_args sa = {.call_id = a->call_id,
                      .success = false,
                      .error_code = a->error_code,
                      .error = a->error,
                      .done_worker = ""};
    rc = settle(s, c, &sa, a->now_ms, d);
out:
    PQclear(r);
    return rc;
}

static ol_err pg_call_cancel_queued(ol_store *base, const char *call_id, const char *error_code,
                                    const char *error, uint64_t now_ms, ol_diag *d)
{
    cancel_args a = {
        .call_id = call_id, .error_code = error_code, .error = error, .now_ms = now_ms};
    return tx_run(PG(base), cancel_tx, &a, d);
}

/* ------------------------------------ queue ------------------------------------ */

/* A claim is one statement: pick (skipping rows another claimer holds), lease, mark the call
 * running, and return the task. $1 worker, $2 lease end, $3 now. It may be sent again after a
 * lost session (run()): had the first one committed, its lease lapses unseen and the task is
 * delivered again, as after any worker that dies holding a lease. */
#define CLAIM_SQL(pick)                                                                        \
    "WITH pick AS (" pick "),"                                                                 \
    " t AS (UPDATE tasks SET state = 1, attempt = tasks.attempt + 1, worker_id = $1,"          \
    "  lease_expires_ms = $2 FROM pick WHERE tasks.id = pick.id"                               \
    "  RETURNING tasks.id, tasks.call_id, tasks.worker_id, tasks.attempt, tasks.max_attempts," \
    "  tasks.lease_expires_ms),"                                                               \
    " c AS (UPDATE calls SET status = 1, started_ms = $3, attempts = calls.attempts + 1,"      \
    "  worker_id = $1 FROM t WHERE calls.id = t.call_id"                                       \
    "  RETURNING calls.id, calls.project_owner, calls.project_name, calls.version,"            \
    "  calls.input, calls.task_json)"                                                          \
    " SELECT t.id, t.call_id, c.project_owner, c.project_name, c.version, t.worker_id,"        \
    "  t.attempt, t.max_attempts, t.lease_expires_ms, c.input, c.task_json"                    \
    " FROM t JOIN c ON c.id = t.call_id"
static const char SQL_CLAIM_QUEUED[] =
    CLAIM_SQL("SELECT id FROM tasks WHERE state = 0 ORDER BY queued_ms, seq LIMIT 1"
              " FOR UPDATE SKIP LOCKED");
static const char SQL_CLAIM_LAPSED[] =
    CLAIM_SQL("SELECT id FROM tasks WHERE state = 1 AND lease_expires_ms <= $3"
              " AND attempt < max_attempts ORDER BY lease_expires_ms LIMIT 1"
              " FOR UPDATE SKIP LOCKED");

/* The task record of a claim's result row; NULL when out of memory. */
static ol_store_task *task_from_row(const PGresult *r)
{
    ol_store_task f;
    memset(&f, 0, sizeof f);
    ol__store_copy(f.id, sizeof f.id, ct(r, 0, 0));
    ol__store_copy(f.call_id, sizeof f.call_id, ct(r, 0, 1));
    ol__store_copy(f.project_owner, sizeof f.project_owner, ct(r, 0, 2));
    ol__store_copy(f.project_name, sizeof f.project_name, ct(r, 0, 3));
    ol__store_copy(f.version, sizeof f.version, ct(r, 0, 4));
    ol__store_copy(f.worker_id, sizeof f.worker_id, ct(r, 0, 5));
    f.attempt = (uint32_t)cu(r, 0, 6);
    f.max_attempts = (uint32_t)cu(r, 0, 7);
    f.lease_expires_ms = cu(r, 0, 8);
    return ol__store_task_build(&f, cblob(r, 0, 9), cn(r, 0, 9), ct(r, 0, 10));
}

static ol_err pg_task_claim(ol_store *base, const char *worker_id, uint64_t now_ms,
                            uint64_t lease_ms, ol_store_task **outt, ol_diag *d)
{
    ONE_BEGIN(true);
    pt(&p, worker_id);
    pi(&p, now_ms + lease_ms);
    pi(&p, now_ms);
    rc = row1(s, c, SQL_CLAIM_QUEUED, &p, &r, "claim", d);
    if (rc == OL_E_NOTFOUND)
        rc = row1(s, c, SQL_CLAIM_LAPSED, &p, &r, "claim", d);
    if (rc == OL_OK) {
        ol_store_task *t = task_from_row(r);
        if (t == NULL)
            rc = OL_FAIL(d, OL_E_NOMEM, "task record");
        else
            *outt = t;
        /* Out of memory after the claim: the lease lapses and the task is delivered again. */
    }
    ONE_END();
}

static const char SQL_TASK_RENEW[] =
    "UPDATE tasks SET lease_expires_ms = $1 WHERE id = $2 AND state = 1 AND worker_id = $3"
    " AND attempt = $4";
static const char SQL_TASK_EXISTS[] = "SELECT 1 FROM tasks WHERE id = $1";

static ol_err pg_task_renew(ol_store *base, const char *task_id, const char *worker_id,
                            uint32_t attempt, uint64_t now_ms, uint64_t lease_ms, ol_diag *d)
{
    ONE_BEGIN(true);
    pi(&p, now_ms + lease_ms);
    pt(&p, task_id);
    pt(&p, worker_id);
    pi(&p, attempt);
    TRY(run(s, c, SQL_TASK_RENEW, &p, &r, "renew", d));
    if (changes(r) == 0) {
        P0(&p);
        pt(&p, task_id);
        rc = row1(s, c, SQL_TASK_EXISTS, &p, &r, "task", d);
        if (rc == OL_E_NOTFOUND)
            rc = OL_FAIL(d, OL_E_NOTFOUND, "no task %s", task_id);
        else if (rc == OL_OK)
            rc = OL_FAIL(d, OL_E_STATE, "task %s attempt %" PRIu32 " is no longer leased to %s",
                         task_id, attempt, worker_id);
    }
out:
    ONE_END();
}

static const char SQL_TASK_LEASE_LOCK[] =
    "SELECT state, worker_id, attempt, call_id, done_worker, done_attempt FROM tasks"
    " WHERE id = $1 FOR UPDATE";

typedef struct complete_args {
    const ol_store_completion *cp;
    uint64_t now_ms;
    bool settled; /* out */
} complete_args;

static ol_err complete_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    complete_args *a = arg;
    const ol_store_completion *cp = a->cp;
    char call_id[OL_STORE_ID_MAX + 1];
    PGresult *r = NULL;
    pg_params p;
    P0(&p);
    pt(&p, cp->task_id);
    ol_err rc = row1(s, c, SQL_TASK_LEASE_LOCK, &p, &r, "task", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no task %s", cp->task_id);
    if (rc != OL_OK)
        goto out;
    uint64_t state = cu(r, 0, 0), attempt = cu(r, 0, 2);
    bool holder = strcmp(ct(r, 0, 1), cp->worker_id) == 0 && attempt == cp->attempt;
    bool repeat =
        state == 2 && strcmp(ct(r, 0, 4), cp->worker_id) == 0 && cu(r, 0, 5) == cp->attempt;
    ol__store_copy(call_id, sizeof call_id, ct(r, 0, 3));
    if (repeat) {
        a->settled = false; /* idempotent repeat: nothing changes */
        goto out;
    }
    if (state != 1 || !holder) {
        rc = OL_FAIL(d, OL_E_STATE, "task %s attempt %" PRIu32 " no longer holds the lease",
                     cp->task_id, cp->attempt);
        goto out;
    }
    settle_args sa = {.call_id = call_id,
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
    TRY(settle(s, c, &sa, a->now_ms, d));
    a->settled = true;
out:
    PQclear(r);
    return rc;
}

static ol_err pg_task_complete(ol_store *base, const ol_store_completion *cp, uint64_t now_ms,
                               bool *settled, ol_diag *d)
{
    complete_args a = {.cp = cp, .now_ms = now_ms, .settled = false};
    ol_err rc = tx_run(PG(base), complete_tx, &a, d);
    if (rc == OL_OK)
        *settled = a.settled;
    return rc;
}

static const char SQL_SWEEP_LAPSED[] =
    "SELECT t.id, t.call_id, t.attempt, t.max_attempts, c.key_owner, c.key_nonce"
    " FROM tasks t JOIN calls c ON c.id = t.call_id"
    " WHERE t.state = 1 AND t.lease_expires_ms <= $1 ORDER BY t.lease_expires_ms LIMIT $2"
    " FOR UPDATE OF t SKIP LOCKED";
static const char SQL_SWEEP_REQUEUE[] =
    "UPDATE tasks SET state = 0, queued_ms = $1, lease_expires_ms = 0 WHERE id = $2";
static const char SQL_SWEEP_CALL_PENDING[] = "UPDATE calls SET status = 0 WHERE id = $1";
static const char SQL_SWEEP_STALE[] =
    "SELECT t.call_id, c.key_owner, c.key_nonce FROM tasks t JOIN calls c ON c.id = t.call_id"
    " WHERE t.state = 0 AND t.queued_ms < $1 ORDER BY t.queued_ms LIMIT $2"
    " FOR UPDATE OF t SKIP LOCKED";

typedef struct doomed {
    char call_id[OL_STORE_ID_MAX + 1];
    char key_owner[OL_STORE_OWNER_MAX + 1];
    uint64_t key_nonce;
    bool stale; /* no_worker_available; else worker_lost */
} doomed;

/* Payment-key order: every sweep locks keys in the same order. */
static int doomed_cmp(const void *a, const void *b)
{
    const doomed *x = a, *y = b;
    int k = strcmp(x->key_owner, y->key_owner);
    if (k != 0)
        return k;
    if (x->key_nonce != y->key_nonce)
        return x->key_nonce < y->key_nonce ? -1 : 1;
    return strcmp(x->call_id, y->call_id);
}

typedef struct sweep_args {
    uint64_t now_ms, queued_before_ms;
    size_t limit;
    ol_store_sweep out; /* out */
} sweep_args;

static ol_err sweep_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    sweep_args *a = arg;
    size_t limit = a->limit, ndoomed = 0, nrequeued = 0;
    PGresult *r = NULL;
    pg_params p;
    ol_err rc = OL_OK;
    /* A rerun (tx_run's retry after a failed COMMIT) starts over. */
    free(a->out.failed);
    free(a->out.requeued);
    memset(&a->out, 0, sizeof a->out);
    doomed *dm = calloc(limit, sizeof *dm);
    char(*failed)[OL_STORE_ID_MAX + 1] = calloc(limit, sizeof *failed);
    char(*requeued)[OL_STORE_ID_MAX + 1] = calloc(limit, sizeof *requeued);
    if (dm == NULL || failed == NULL || requeued == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "sweep");
        goto out;
    }
    /* Lapsed leases: requeue those with attempts left, collect the rest. */
    P0(&p);
    pi(&p, a->now_ms);
    pi(&p, limit);
    TRY(run(s, c, SQL_SWEEP_LAPSED, &p, &r, "sweep", d));
    int nl = PQntuples(r);
    PGresult *lapsed = r;
    r = NULL;
    for (int i = 0; i < nl && rc == OL_OK; i++) {
        if (cu(lapsed, i, 2) >= cu(lapsed, i, 3)) {
            doomed *x = &dm[ndoomed++];
            ol__store_copy(x->call_id, sizeof x->call_id, ct(lapsed, i, 1));
            ol__store_copy(x->key_owner, sizeof x->key_owner, ct(lapsed, i, 4));
            x->key_nonce = cu(lapsed, i, 5);
            continue;
        }
        P0(&p);
        pi(&p, a->now_ms);
        pt(&p, ct(lapsed, i, 0));
        rc = run(s, c, SQL_SWEEP_REQUEUE, &p, &r, "requeue", d);
        if (rc != OL_OK)
            break;
        P0(&p);
        pt(&p, ct(lapsed, i, 1));
        rc = run(s, c, SQL_SWEEP_CALL_PENDING, &p, &r, "requeue call", d);
        if (rc == OL_OK)
            ol__store_copy(requeued[nrequeued++], sizeof requeued[0], ct(lapsed, i, 1));
    }
    PQclear(lapsed);
    if (rc != OL_OK)
        goto out;
    /* Calls queued too long. */
    if (a->queued_before_ms > 0 && ndoomed < limit) {
        P0(&p);
        pi(&p, a->queued_before_ms);
        pi(&p, limit - ndoomed);
        TRY(run(s, c, SQL_SWEEP_STALE, &p, &r, "sweep stale", d));
        for (int i = 0; i < PQntuples(r) && ndoomed < limit; i++) {
            doomed *x = &dm[ndoomed++];
            ol__store_copy(x->call_id, sizeof x->call_id, ct(r, i, 0));
            ol__store_copy(x->key_owner, sizeof x->key_owner, ct(r, i, 1));
            x->key_nonce = cu(r, i, 2);
            x->stale = true;
        }
    }
    qsort(dm, ndoomed, sizeof *dm, doomed_cmp);
    for (size_t i = 0; i < ndoomed; i++) {
        settle_args sa = {.call_id = dm[i].call_id, .success = false, .done_worker = ""};
        if (dm[i].stale) {
            sa.error_code = "no_worker_available";
            sa.error = "no worker claimed the call in time";
        } else {
            sa.error_code = "worker_lost";
            sa.error = "the worker running the call stopped renewing its lease on every attempt";
        }
        TRY(settle(s, c, &sa, a->now_ms, d));
        memcpy(failed[i], dm[i].call_id, sizeof failed[0]);
    }
    a->out.nfailed = ndoomed;
    a->out.nrequeued = nrequeued;
    a->out.failed = ndoomed > 0 ? failed : NULL;
    a->out.requeued = nrequeued > 0 ? requeued : NULL;
    if (ndoomed > 0)
        failed = NULL; /* moved */
    if (nrequeued > 0)
        requeued = NULL; /* moved */
out:
    PQclear(r);
    free(dm);
    free(failed);
    free(requeued);
    return rc;
}

static ol_err pg_sweep_leases(ol_store *base, uint64_t now_ms, uint64_t queued_before_ms,
                              size_t limit, ol_store_sweep *outs, ol_diag *d)
{
    sweep_args a = {.now_ms = now_ms, .queued_before_ms = queued_before_ms, .limit = limit};
    ol_err rc = tx_run(PG(base), sweep_tx, &a, d);
    if (rc != OL_OK) {
        /* A body that succeeded, then failed to commit, handed over its lists. */
        free(a.out.failed);
        free(a.out.requeued);
        return rc;
    }
    *outs = a.out;
    return OL_OK;
}

static const char SQL_CLAIM_ID[] =
    CLAIM_SQL("SELECT id FROM tasks WHERE id = $4 AND state = 0 FOR UPDATE");

static ol_err pg_task_claim_id(ol_store *base, const char *task_id, const char *worker_id,
                               uint64_t now_ms, ol_store_task **outt, ol_diag *d)
{
    ONE_BEGIN(true);
    pt(&p, worker_id);
    pi(&p, OL_STORE_LEASE_EXTERNAL);
    pi(&p, now_ms);
    pt(&p, task_id);
    rc = row1(s, c, SQL_CLAIM_ID, &p, &r, "claim", d);
    if (rc == OL_OK) {
        ol_store_task *t = task_from_row(r);
        if (t == NULL)
            rc = OL_FAIL(d, OL_E_NOMEM, "task record");
        else
            *outt = t;
    } else if (rc == OL_E_NOTFOUND) {
        P0(&p);
        pt(&p, task_id);
        rc = row1(s, c, SQL_TASK_EXISTS, &p, &r, "task", d);
        if (rc == OL_E_NOTFOUND)
            rc = OL_FAIL(d, OL_E_NOTFOUND, "no task %s", task_id);
        else if (rc == OL_OK)
            rc = OL_FAIL(d, OL_E_STATE, "task %s is not queued", task_id);
    }
    ONE_END();
}

static const char SQL_LAPSE_LOCK[] =
    "SELECT state, attempt, max_attempts, call_id, lease_expires_ms FROM tasks"
    " WHERE id = $1 FOR UPDATE";

typedef struct lapse_args {
    const char *task_id;
    uint32_t attempt;
    uint64_t now_ms;
    ol_store_lapse_result result;      /* out */
    char call_id[OL_STORE_ID_MAX + 1]; /* out */
} lapse_args;

static ol_err lapse_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    lapse_args *a = arg;
    PGresult *r = NULL;
    pg_params p;
    P0(&p);
    pt(&p, a->task_id);
    a->result = OL_STORE_LAPSE_NOOP;
    ol_err rc = row1(s, c, SQL_LAPSE_LOCK, &p, &r, "task", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no task %s", a->task_id);
    if (rc != OL_OK)
        goto out;
    uint64_t state = cu(r, 0, 0), cur = cu(r, 0, 1), max = cu(r, 0, 2);
    bool external = cu(r, 0, 4) == OL_STORE_LEASE_EXTERNAL;
    ol__store_copy(a->call_id, sizeof a->call_id, ct(r, 0, 3));
    /* Only an external lease is the caller's to end: a lease of the SQL queue lapses by time. */
    if (state != 1 || !external || (a->attempt != 0 && cur != a->attempt))
        goto out;
    if (cur >= max) {
        settle_args sa = {.call_id = a->call_id,
                          .success = false,
                          .error_code = "worker_lost",
                          .error = "the worker running the call stopped renewing its lease on "
                                   "every attempt",
                          .done_worker = ""};
        TRY(settle(s, c, &sa, a->now_ms, d));
        a->result = OL_STORE_LAPSE_FAILED;
    } else {
        P0(&p);
        pi(&p, a->now_ms);
        pt(&p, a->task_id);
        TRY(run(s, c, SQL_SWEEP_REQUEUE, &p, &r, "requeue", d));
        P0(&p);
        pt(&p, a->call_id);
        TRY(run(s, c, SQL_SWEEP_CALL_PENDING, &p, &r, "requeue call", d));
        a->result = OL_STORE_LAPSE_REQUEUED;
    }
out:
    PQclear(r);
    return rc;
}

static ol_err pg_task_lapse(ol_store *base, const char *task_id, uint32_t attempt, uint64_t now_ms,
                            ol_store_lapse_result *result, char call_id[OL_STORE_ID_MAX + 1],
                            ol_diag *d)
{
    lapse_args a = {.task_id = task_id, .attempt = attempt, .now_ms = now_ms};
    ol_err rc = tx_run(PG(base), lapse_tx, &a, d);
    if (rc == OL_OK) {
        *result = a.result;
        memcpy(call_id, a.call_id, sizeof a.call_id);
    }
    return rc;
}

static const char SQL_QUEUED_LIST[] =
    "SELECT id, call_id, queued_ms FROM tasks WHERE state = 0 AND queued_ms < $1"
    " ORDER BY queued_ms, seq LIMIT $2";

static ol_err pg_task_queued_list(ol_store *base, uint64_t queued_before_ms, size_t limit,
                                  ol_store_queued_cb cb, void *ud, ol_diag *d)
{
    ONE_BEGIN(false);
    pi(&p, queued_before_ms);
    pi(&p, limit);
    rc = run(s, c, SQL_QUEUED_LIST, &p, &r, "list queued tasks", d);
    for (int i = 0; rc == OL_OK && i < PQntuples(r); i++) {
        ol_store_queued q;
        ol__store_copy(q.task_id, sizeof q.task_id, ct(r, i, 0));
        ol__store_copy(q.call_id, sizeof q.call_id, ct(r, i, 1));
        q.queued_ms = cu(r, i, 2);
        if (cb(ud, &q) != 0)
            break;
    }
    ONE_END();
}

static const char SQL_EXTERNAL_LIST[] =
    "SELECT t.id, t.call_id, t.attempt, c.started_ms FROM tasks t JOIN calls c ON c.id = t.call_id"
    " WHERE t.state = 1 AND t.lease_expires_ms = $1 AND c.started_ms < $2"
    " ORDER BY c.started_ms LIMIT $3";

static ol_err pg_task_external_list(ol_store *base, uint64_t claimed_before_ms, size_t limit,
                                    ol_store_leased_cb cb, void *ud, ol_diag *d)
{
    ONE_BEGIN(false);
    pi(&p, OL_STORE_LEASE_EXTERNAL);
    pi(&p, claimed_before_ms);
    pi(&p, limit);
    rc = run(s, c, SQL_EXTERNAL_LIST, &p, &r, "list leased tasks", d);
    for (int i = 0; rc == OL_OK && i < PQntuples(r); i++) {
        ol_store_leased l;
        ol__store_copy(l.task_id, sizeof l.task_id, ct(r, i, 0));
        ol__store_copy(l.call_id, sizeof l.call_id, ct(r, i, 1));
        l.attempt = (uint32_t)cu(r, i, 2);
        l.claimed_ms = cu(r, i, 3);
        if (cb(ud, &l) != 0)
            break;
    }
    ONE_END();
}

/* ----------------------------------- workers ----------------------------------- */

#define WORKER_COLS \
    "id, name, public_key, token_sha256, capacity, running, registered_ms, last_seen_ms"
static const char SQL_WORKER_FIND[] =
    "SELECT " WORKER_COLS " FROM workers WHERE token_sha256 = $1 AND public_key = $2"
    " FOR UPDATE";
static const char SQL_WORKER_UPDATE[] =
    "UPDATE workers SET name = $1, capacity = $2, last_seen_ms = $3 WHERE id = $4";
static const char SQL_WORKER_INSERT[] =
    "INSERT INTO workers(id, token_sha256, public_key, name, capacity, registered_ms,"
    " last_seen_ms) VALUES($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (token_sha256, public_key) DO NOTHING";
static const char SQL_WORKER_GET[] = "SELECT " WORKER_COLS " FROM workers WHERE id = $1";
static const char SQL_WORKER_LIST[] =
    "SELECT " WORKER_COLS " FROM workers ORDER BY last_seen_ms DESC, id";
static const char SQL_WORKER_BEAT[] =
    "UPDATE workers SET running = $1, last_seen_ms = $2 WHERE id = $3";
static const char SQL_WTOKEN_INSERT[] =
    "INSERT INTO worker_tokens(token_sha256, name, created_ms) VALUES($1, $2, $3)";
static const char SQL_WTOKEN_GET[] = "SELECT 1 FROM worker_tokens WHERE token_sha256 = $1";

static void worker_from_row(const PGresult *r, int i, ol_store_worker *w)
{
    memset(w, 0, sizeof *w);
    ol__store_copy(w->id, sizeof w->id, ct(r, i, 0));
    ol__store_copy(w->name, sizeof w->name, ct(r, i, 1));
    ol__store_copy(w->public_key, sizeof w->public_key, ct(r, i, 2));
    if (cn(r, i, 3) == 32)
        memcpy(w->token_sha256, cblob(r, i, 3), 32);
    w->capacity = (uint32_t)cu(r, i, 4);
    w->running = (uint32_t)cu(r, i, 5);
    w->registered_ms = cu(r, i, 6);
    w->last_seen_ms = cu(r, i, 7);
}

typedef struct register_args {
    const uint8_t *token_sha256;
    const char *name, *public_key, *new_id;
    uint32_t capacity;
    uint64_t now_ms;
    ol_store_worker w; /* out */
} register_args;

static ol_err register_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    register_args *a = arg;
    PGresult *r = NULL;
    pg_params p;
    P0(&p);
    pb(&p, a->token_sha256, 32);
    pt(&p, a->public_key);
    ol_err rc = row1(s, c, SQL_WORKER_FIND, &p, &r, "find worker", d);
    if (rc == OL_OK) {
        ol_store_worker w;
        worker_from_row(r, 0, &w);
        P0(&p);
        pt(&p, a->name);
        pi(&p, a->capacity);
        pi(&p, a->now_ms);
        pt(&p, w.id);
        TRY(run(s, c, SQL_WORKER_UPDATE, &p, &r, "update worker", d));
        ol__store_copy(w.name, sizeof w.name, a->name);
        w.capacity = a->capacity;
        w.last_seen_ms = a->now_ms;
        a->w = w;
        goto out;
    }
    if (rc != OL_E_NOTFOUND)
        goto out;
    P0(&p);
    pt(&p, a->new_id);
    pb(&p, a->token_sha256, 32);
    pt(&p, a->public_key);
    pt(&p, a->name);
    pi(&p, a->capacity);
    pi(&p, a->now_ms);
    pi(&p, a->now_ms);
    rc = run(s, c, SQL_WORKER_INSERT, &p, &r, "insert worker", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "worker id %s already used", a->new_id);
    if (rc != OL_OK)
        goto out;
    if (changes(r) == 0) {
        /* The same worker registered at this moment through another connection: find it. */
        c->retry = true;
        rc = OL_FAIL(d, OL_E_IO, "worker registration raced with itself");
        goto out;
    }
    memset(&a->w, 0, sizeof a->w);
    ol__store_copy(a->w.id, sizeof a->w.id, a->new_id);
    ol__store_copy(a->w.name, sizeof a->w.name, a->name);
    ol__store_copy(a->w.public_key, sizeof a->w.public_key, a->public_key);
    memcpy(a->w.token_sha256, a->token_sha256, 32);
    a->w.capacity = a->capacity;
    a->w.registered_ms = a->w.last_seen_ms = a->now_ms;
out:
    PQclear(r);
    return rc;
}

static ol_err pg_worker_register(ol_store *base, const uint8_t token_sha256[32], const char *name,
                                 const char *public_key, uint32_t capacity, const char *new_id,
                                 uint64_t now_ms, ol_store_worker *outw, ol_diag *d)
{
    register_args a = {.token_sha256 = token_sha256,
                       .name = name,
                       .public_key = public_key,
                       .new_id = new_id,
                       .capacity = capacity,
                       .now_ms = now_ms};
    ol_err rc = tx_run(PG(base), register_tx, &a, d);
    if (rc == OL_OK && outw != NULL)
        *outw = a.w;
    return rc;
}

static ol_err pg_worker_get(ol_store *base, const char *worker_id, ol_store_worker *outw,
                            ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, worker_id);
    rc = row1(s, c, SQL_WORKER_GET, &p, &r, "get worker", d);
    if (rc == OL_OK)
        worker_from_row(r, 0, outw);
    else if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no worker %s", worker_id);
    ONE_END();
}

static ol_err pg_worker_heartbeat(ol_store *base, const char *worker_id, uint32_t running,
                                  uint64_t now_ms, ol_diag *d)
{
    ONE_BEGIN(true);
    pi(&p, running);
    pi(&p, now_ms);
    pt(&p, worker_id);
    rc = run(s, c, SQL_WORKER_BEAT, &p, &r, "heartbeat", d);
    if (rc == OL_OK && changes(r) == 0)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no worker %s", worker_id);
    ONE_END();
}

static ol_err pg_worker_list(ol_store *base, ol_store_worker_cb cb, void *ud, ol_diag *d)
{
    ONE_BEGIN(false);
    rc = run(s, c, SQL_WORKER_LIST, &p, &r, "list workers", d);
    for (int i = 0; rc == OL_OK && i < PQntuples(r); i++) {
        ol_store_worker w;
        worker_from_row(r, i, &w);
        if (cb(ud, &w) != 0)
            break;
    }
    ONE_END();
}

static ol_err pg_worker_token_add(ol_store *base, const uint8_t token_sha256[32], const char *name,
                                  uint64_t now_ms, ol_diag *d)
{
    pg_params p;
    P0(&p);
    pb(&p, token_sha256, 32);
    pt(&p, name);
    pi(&p, now_ms);
    one_args a = {.sql = SQL_WTOKEN_INSERT, .what = "insert worker token", .p = &p};
    ol_err rc = tx_run(PG(base), one_tx, &a, d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "worker token already registered");
    return rc;
}

static ol_err pg_worker_token_check(ol_store *base, const uint8_t token_sha256[32], ol_diag *d)
{
    ONE_BEGIN(false);
    pb(&p, token_sha256, 32);
    rc = row1(s, c, SQL_WTOKEN_GET, &p, &r, "worker token", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "unknown worker token");
    ONE_END();
}

/* ------------------------------- earnings, stats ------------------------------- */

static const char SQL_EARN_GET[] =
    "SELECT balance, total_earned, updated_ms FROM earnings WHERE owner = $1";

static ol_err pg_earnings_get(ol_store *base, const char *owner, ol_store_earnings *oute,
                              ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, owner);
    rc = row1(s, c, SQL_EARN_GET, &p, &r, "earnings", d);
    memset(oute, 0, sizeof *oute);
    if (rc == OL_OK) {
        oute->balance = cu(r, 0, 0);
        oute->total_earned = cu(r, 0, 1);
        oute->updated_ms = cu(r, 0, 2);
    } else if (rc == OL_E_NOTFOUND) {
        rc = OL_OK;
    }
    ONE_END();
}

/* One statement, one snapshot. */
static const char SQL_STATS[] =
    "SELECT t.completed, t.failed, t.instructions, t.time_ms, t.ran, t.charged, t.charged_calls,"
    " (SELECT count(*) FROM calls WHERE status = 0), (SELECT count(*) FROM calls WHERE status = 1),"
    " (SELECT count(*) FROM tasks WHERE state = 0), (SELECT count(*) FROM tasks WHERE state = 1),"
    " (SELECT count(*) FROM workers), (SELECT count(*) FROM projects),"
    " (SELECT count(*) FROM payment_keys),"
    " (SELECT count(DISTINCT owner) FROM payment_keys WHERE last_used_ms > 0)"
    " FROM (SELECT sum(completed)::bigint AS completed, sum(failed)::bigint AS failed,"
    "  sum(instructions)::bigint AS instructions, sum(time_ms)::bigint AS time_ms,"
    "  sum(ran)::bigint AS ran, sum(charged)::bigint AS charged,"
    "  sum(charged_calls)::bigint AS charged_calls FROM totals) t";

static ol_err pg_stats_get(ol_store *base, ol_store_stats *o, ol_diag *d)
{
    ONE_BEGIN(false);
    rc = row1(s, c, SQL_STATS, &p, &r, "stats", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_IO, "stats: no row");
    if (rc == OL_OK) {
        memset(o, 0, sizeof *o);
        o->calls[OL_STORE_CALL_COMPLETED] = cu(r, 0, 0);
        o->calls[OL_STORE_CALL_FAILED] = cu(r, 0, 1);
        o->total_instructions = cu(r, 0, 2);
        o->total_time_ms = cu(r, 0, 3);
        o->ran_calls = cu(r, 0, 4);
        o->total_charged = cu(r, 0, 5);
        o->calls_charged = cu(r, 0, 6);
        o->calls[OL_STORE_CALL_PENDING] = cu(r, 0, 7);
        o->calls[OL_STORE_CALL_RUNNING] = cu(r, 0, 8);
        o->queue_depth = cu(r, 0, 9);
        o->leased = cu(r, 0, 10);
        o->workers = cu(r, 0, 11);
        o->projects = cu(r, 0, 12);
        o->keys = cu(r, 0, 13);
        o->unique_users = cu(r, 0, 14);
    }
    ONE_END();
}

/* ------------------------------ secrets, owner keys ------------------------------ */

static const char SQL_SECRET_VERSION[] =
    "SELECT version FROM secrets WHERE accessor = $1 AND profile = $2 AND owner = $3"
    " FOR UPDATE";
static const char SQL_SECRET_INSERT[] =
    "INSERT INTO secrets(accessor, profile, owner, ciphertext, access, version, created_ms,"
    " updated_ms) VALUES($1, $2, $3, $4, $5, 1, $6, $6)";
static const char SQL_SECRET_UPDATE[] =
    "UPDATE secrets SET ciphertext = $4, access = $5, version = version + 1, updated_ms = $6"
    " WHERE accessor = $1 AND profile = $2 AND owner = $3";
static const char SQL_SECRET_GET[] =
    "SELECT accessor, profile, owner, ciphertext, access, version, created_ms, updated_ms"
    " FROM secrets WHERE accessor = $1 AND profile = $2 AND owner = $3";
static const char SQL_SECRET_LIST[] =
    "SELECT accessor, profile, owner, octet_length(ciphertext), access, version, created_ms,"
    " updated_ms FROM secrets WHERE owner = $1 ORDER BY accessor, profile";
static const char SQL_SECRET_DELETE[] =
    "DELETE FROM secrets WHERE accessor = $1 AND profile = $2 AND owner = $3";

typedef struct secret_put_args {
    const char *accessor, *profile, *owner, *access;
    const uint8_t *ct;
    size_t ct_len;
    uint32_t expected;
    uint64_t now_ms;
    uint32_t version; /* out */
} secret_put_args;

static ol_err secret_put_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    secret_put_args *a = arg;
    PGresult *r = NULL;
    pg_params p;
    P0(&p);
    pt(&p, a->accessor);
    pt(&p, a->profile);
    pt(&p, a->owner);
    ol_err rc = row1(s, c, SQL_SECRET_VERSION, &p, &r, "secret", d);
    if (rc != OL_OK && rc != OL_E_NOTFOUND)
        goto out;
    uint64_t cur = rc == OL_OK ? cu(r, 0, 0) : 0;
    rc = OL_OK;
    if (cur != a->expected) {
        rc = cur == 0
                 ? OL_FAIL(d, OL_E_NOTFOUND, "no secret %s for %s to update", a->profile, a->owner)
                 : OL_FAIL(d, OL_E_STATE, "secret %s of %s is at version %" PRIu64 ", not %" PRIu32,
                           a->profile, a->owner, cur, a->expected);
        goto out;
    }
    pb(&p, a->ct, a->ct_len);
    pt(&p, a->access);
    pi(&p, a->now_ms);
    /* Two first writers race on the primary key: the loser gets OL_E_EXISTS -> a conflict. */
    rc = run(s, c, cur == 0 ? SQL_SECRET_INSERT : SQL_SECRET_UPDATE, &p, &r, "write secret", d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_STATE, "secret %s of %s was created meanwhile", a->profile, a->owner);
    if (rc == OL_OK)
        a->version = (uint32_t)cur + 1;
out:
    PQclear(r);
    return rc;
}

static ol_err pg_secret_put(ol_store *base, const char *accessor, const char *profile,
                            const char *owner, const uint8_t *ciphertext, size_t ciphertext_len,
                            const char *access, uint32_t expected_version, uint64_t now_ms,
                            uint32_t *version_out, ol_diag *d)
{
    secret_put_args a = {.accessor = accessor,
                         .profile = profile,
                         .owner = owner,
                         .access = access,
                         .ct = ciphertext,
                         .ct_len = ciphertext_len,
                         .expected = expected_version,
                         .now_ms = now_ms};
    ol_err rc = tx_run(PG(base), secret_put_tx, &a, d);
    if (rc == OL_OK)
        *version_out = a.version;
    return rc;
}

static void secret_from_row(const PGresult *r, int i, ol_store_secret *x)
{
    memset(x, 0, sizeof *x);
    ol__store_copy(x->profile, sizeof x->profile, ct(r, i, 1));
    ol__store_copy(x->owner, sizeof x->owner, ct(r, i, 2));
    x->version = (uint32_t)cu(r, i, 5);
    x->created_ms = cu(r, i, 6);
    x->updated_ms = cu(r, i, 7);
}

static ol_err pg_secret_get(ol_store *base, const char *accessor, const char *profile,
                            const char *owner, ol_store_secret **outx, ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, accessor);
    pt(&p, profile);
    pt(&p, owner);
    rc = row1(s, c, SQL_SECRET_GET, &p, &r, "secret", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "no secret %s of %s for that accessor", profile, owner);
    if (rc == OL_OK) {
        ol_store_secret f;
        secret_from_row(r, 0, &f);
        *outx = ol__store_secret_build(&f, ct(r, 0, 0), ct(r, 0, 4), cblob(r, 0, 3), cn(r, 0, 3));
        if (*outx == NULL)
            rc = OL_FAIL(d, OL_E_NOMEM, "secret record");
    }
    ONE_END();
}

static ol_err pg_secret_list(ol_store *base, const char *owner, ol_store_secret_cb cb, void *ud,
                             ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, owner);
    rc = run(s, c, SQL_SECRET_LIST, &p, &r, "list secrets", d);
    for (int i = 0; rc == OL_OK && i < PQntuples(r); i++) {
        ol_store_secret x;
        secret_from_row(r, i, &x);
        x.accessor = ct(r, i, 0);
        x.access = ct(r, i, 4);
        x.ciphertext_len = (size_t)cu(r, i, 3);
        if (cb(ud, &x) != 0)
            break;
    }
    ONE_END();
}

/* A one-statement delete whose "no row" outcome is OL_E_NOTFOUND with `missing`. */
static ol_err delete_one(ol_store *base, const char *sql, const pg_params *p, const char *missing,
                         ol_diag *d)
{
    one_args a = {.sql = sql, .what = "delete", .p = p};
    ol_err rc = tx_run(PG(base), one_tx, &a, d);
    if (rc == OL_OK && a.changes == 0)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "%s", missing);
    return rc;
}

static ol_err pg_secret_delete(ol_store *base, const char *accessor, const char *profile,
                               const char *owner, ol_diag *d)
{
    pg_params p;
    P0(&p);
    pt(&p, accessor);
    pt(&p, profile);
    pt(&p, owner);
    return delete_one(base, SQL_SECRET_DELETE, &p, "no such secret", d);
}

static const char SQL_OKEY_INSERT[] =
    "INSERT INTO owner_keys(owner, public_key, created_ms) VALUES($1, $2, $3)";
static const char SQL_OKEY_CHECK[] =
    "SELECT 1 FROM owner_keys WHERE owner = $1 AND public_key = $2";
static const char SQL_OKEY_DELETE[] = "DELETE FROM owner_keys WHERE owner = $1 AND public_key = $2";
static const char SQL_OKEY_LIST[] =
    "SELECT owner, public_key, created_ms FROM owner_keys"
    " WHERE $1::text IS NULL OR owner = $1::text ORDER BY owner, public_key";
static const char SQL_NONCE_GC[] = "DELETE FROM request_nonces WHERE expires_ms < $1";
static const char SQL_NONCE_INSERT[] =
    "INSERT INTO request_nonces(owner, nonce, expires_ms) VALUES($1, $2, $3)";

static ol_err pg_owner_key_add(ol_store *base, const char *owner, const char *public_key,
                               uint64_t now_ms, ol_diag *d)
{
    pg_params p;
    P0(&p);
    pt(&p, owner);
    pt(&p, public_key);
    pi(&p, now_ms);
    one_args a = {.sql = SQL_OKEY_INSERT, .what = "insert owner key", .p = &p};
    ol_err rc = tx_run(PG(base), one_tx, &a, d);
    if (rc == OL_E_EXISTS)
        rc = OL_FAIL(d, OL_E_EXISTS, "%s is already a key of %s", public_key, owner);
    return rc;
}

static ol_err pg_owner_key_check(ol_store *base, const char *owner, const char *public_key,
                                 ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, owner);
    pt(&p, public_key);
    rc = row1(s, c, SQL_OKEY_CHECK, &p, &r, "owner key", d);
    if (rc == OL_E_NOTFOUND)
        rc = OL_FAIL(d, OL_E_NOTFOUND, "not a registered key of %s", owner);
    ONE_END();
}

static ol_err pg_owner_key_remove(ol_store *base, const char *owner, const char *public_key,
                                  ol_diag *d)
{
    pg_params p;
    P0(&p);
    pt(&p, owner);
    pt(&p, public_key);
    return delete_one(base, SQL_OKEY_DELETE, &p, "not a registered key of the owner", d);
}

static ol_err pg_owner_key_list(ol_store *base, const char *owner, ol_store_owner_key_cb cb,
                                void *ud, ol_diag *d)
{
    ONE_BEGIN(false);
    pt(&p, owner); /* NULL: every owner */
    rc = run(s, c, SQL_OKEY_LIST, &p, &r, "list owner keys", d);
    for (int i = 0; rc == OL_OK && i < PQntuples(r); i++)
        if (cb(ud, ct(r, i, 0), ct(r, i, 1), cu(r, i, 2)) != 0)
            break;
    ONE_END();
}

typedef struct nonce_args {
    const char *owner, *nonce;
    uint64_t expires_ms, now_ms;
} nonce_args;

static ol_err nonce_tx(pg_store *s, pg_conn *c, void *arg, ol_diag *d)
{
    nonce_args *a = arg;
    PGresult *r = NULL;
    pg_params p;
    P0(&p);
    pi(&p, a->now_ms);
    ol_err rc = run(s, c, SQL_NONCE_GC, &p, &r, "expire nonces", d);
    if (rc == OL_OK) {
        P0(&p);
        pt(&p, a->owner);
        pt(&p, a->nonce);
        pi(&p, a->expires_ms);
        rc = run(s, c, SQL_NONCE_INSERT, &p, &r, "record nonce", d);
        if (rc == OL_E_EXISTS)
            rc = OL_FAIL(d, OL_E_EXISTS, "the request's nonce was used before (a replay)");
    }
    PQclear(r);
    return rc;
}

static ol_err pg_nonce_use(ol_store *base, const char *owner, const char *nonce,
                           uint64_t expires_ms, uint64_t now_ms, ol_diag *d)
{
    nonce_args a = {.owner = owner, .nonce = nonce, .expires_ms = expires_ms, .now_ms = now_ms};
    return tx_run(PG(base), nonce_tx, &a, d);
}

const ol_store_ops ol__store_pg_ops = {
    .scheme = "postgres",
    .open = pg_open,
    .close = pg_close,
    .ping = pg_ping,
    .project_create = pg_project_create,
    .project_get = pg_project_get,
    .project_list = pg_project_list,
    .version_add = pg_version_add,
    .version_activate = pg_version_activate,
    .version_get = pg_version_get,
    .version_list = pg_version_list,
    .wasm_get = pg_wasm_get,
    .key_create = pg_key_create,
    .key_get = pg_key_get,
    .key_list = pg_key_list,
    .key_top_up = pg_key_top_up,
    .call_submit = pg_call_submit,
    .call_get = pg_call_get,
    .call_cancel_queued = pg_call_cancel_queued,
    .task_claim = pg_task_claim,
    .task_renew = pg_task_renew,
    .task_complete = pg_task_complete,
    .sweep_leases = pg_sweep_leases,
    .task_claim_id = pg_task_claim_id,
    .task_lapse = pg_task_lapse,
    .task_queued_list = pg_task_queued_list,
    .task_external_list = pg_task_external_list,
    .worker_register = pg_worker_register,
    .worker_get = pg_worker_get,
    .worker_heartbeat = pg_worker_heartbeat,
    .worker_list = pg_worker_list,
    .worker_token_add = pg_worker_token_add,
    .worker_token_check = pg_worker_token_check,
    .earnings_get = pg_earnings_get,
    .stats_get = pg_stats_get,
    .secret_put = pg_secret_put,
    .secret_get = pg_secret_get,
    .secret_list = pg_secret_list,
    .secret_delete = pg_secret_delete,
    .owner_key_add = pg_owner_key_add,
    .owner_key_check = pg_owner_key_check,
    .owner_key_remove = pg_owner_key_remove,
    .owner_key_list = pg_owner_key_list,
    .nonce_use = pg_nonce_use,
    .set_fault = pg_set_fault,
};
