/* SQLite persistence of the sandbox chain: one database file (WAL), one connection used under
 * the chain's lock. A block is applied inside one transaction; a receipt runs inside a
 * savepoint so a failed receipt rolls back its state changes alone.
 *
 * Amounts are stored as 16-byte little-endian blobs (u128), hashes and public keys as their
 * borsh bytes, access keys as borsh AccessKey, receipts in the encoding of
 * ol__chain_receipt_encode().
 *
 * State history. The tables accounts, access_keys and data hold the head's state, so block
 * application and head queries pay nothing extra to read. Every write to them first records
 * the record's previous value in undo(kind, account_id, k, height, v): height is the block
 * being applied (c->write_height), v the value before that block (NULL: absent). INSERT OR
 * IGNORE keeps the first row of a block, i.e. the value from before the block; a failed
 * receipt's savepoint rollback removes its rows with its changes. The state at the end of
 * block H is, per record, the v of its earliest undo row with height > H, or the current value
 * when no block after H changed it. Only values that were overwritten are stored, and a row with
 * height <= the earliest readable block (c->state_from) can never be such an earliest row,
 * so pruning the retention window is one range delete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"

#define SCHEMA_VERSION "1"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, amount BLOB NOT NULL,"
    " locked BLOB NOT NULL, code_hash BLOB NOT NULL, storage_usage INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS access_keys(account_id TEXT NOT NULL, pk BLOB NOT NULL,"
    " ak BLOB NOT NULL, PRIMARY KEY(account_id, pk));"
    "CREATE TABLE IF NOT EXISTS code(hash BLOB PRIMARY KEY, code BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS data(account_id TEXT NOT NULL, k BLOB NOT NULL,"
    " v BLOB NOT NULL, PRIMARY KEY(account_id, k));"
    "CREATE TABLE IF NOT EXISTS blocks(height INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE,"
    " prev_hash BLOB NOT NULL, ts INTEGER NOT NULL, gas_used INTEGER NOT NULL,"
    " tokens_burnt BLOB NOT NULL, chunk_hash BLOB NOT NULL, tx_root BLOB NOT NULL,"
    " outcome_root BLOB NOT NULL, n_txs INTEGER NOT NULL, n_receipts INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS txs(hash BLOB PRIMARY KEY, signer_id TEXT NOT NULL,"
    " body BLOB NOT NULL, height INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS receipts(id BLOB PRIMARY KEY, body BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS queue(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " receipt_id BLOB NOT NULL, height INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS queue_h ON queue(height, seq);"
    "CREATE TABLE IF NOT EXISTS postponed(receipt_id BLOB PRIMARY KEY, missing INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS awaiting(data_id BLOB PRIMARY KEY, receipt_id BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rdata(data_id BLOB PRIMARY KEY, has_data INTEGER NOT NULL,"
    " data BLOB);"
    "CREATE TABLE IF NOT EXISTS yields(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " data_id BLOB NOT NULL, account_id TEXT NOT NULL, expires_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS yields_h ON yields(expires_at, seq);"
    "CREATE TABLE IF NOT EXISTS outcomes(id BLOB PRIMARY KEY, tx_hash BLOB NOT NULL,"
    " is_tx INTEGER NOT NULL, executed INTEGER NOT NULL, height INTEGER NOT NULL,"
    " block_hash BLOB NOT NULL, executor_id TEXT NOT NULL, gas_burnt INTEGER NOT NULL,"
    " tokens_burnt BLOB NOT NULL, logs TEXT NOT NULL, receipt_ids TEXT NOT NULL,"
    " status TEXT NOT NULL);"
    /* The undo log of the state history (see "state history" below). v NULL: the record did
     * not exist before block `height`. */
    "CREATE TABLE IF NOT EXISTS undo(kind INTEGER NOT NULL, account_id TEXT NOT NULL,"
    " k BLOB NOT NULL, height INTEGER NOT NULL, v BLOB,"
    " PRIMARY KEY(kind, account_id, k, height)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS undo_h ON undo(height);";

/* ---- statements: prepared once, cached by the address of their SQL text ---- */

static sqlite3_stmt *stmt(ol_chain *c, const char *sql, ol_diag *d)
{
    for (size_t i = 0; i < c->nstmts; i++) {
        if (c->stmts[i].sql == sql) {
            sqlite3_reset(c->stmts[i].st);
            sqlite3_clear_bindings(c->stmts[i].st);
            return c->stmts[i].st;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        (void)OL_FAIL(d, OL_E_IO, "sqlite prepare: %s", sqlite3_errmsg(c->db));
        return NULL;
    }
    if (c->nstmts < OL__CHAIN_STMT_CACHE) {
        c->stmts[c->nstmts].sql = sql;
        c->stmts[c->nstmts].st = st;
        c->nstmts++;
    } else {
        /* Cannot happen: the number of distinct statements is fixed by this file. */
        OL_ASSERT(0);
        sqlite3_finalize(st);
        (void)OL_FAIL(d, OL_E_INTERNAL, "statement cache full");
        return NULL;
    }
    return st;
}

static ol_err step_done(ol_chain *c, sqlite3_stmt *st, ol_diag *d)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return OL_FAIL(d, OL_E_IO, "sqlite: %s", sqlite3_errmsg(c->db));
    return OL_OK;
}

/* SQLITE_ROW -> OL_OK, SQLITE_DONE -> OL_E_NOTFOUND (quietly), else OL_E_IO. */
static ol_err step_row(ol_chain *c, sqlite3_stmt *st, ol_diag *d)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return OL_OK;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return OL_E_NOTFOUND;
    return OL_FAIL(d, OL_E_IO, "sqlite: %s", sqlite3_errmsg(c->db));
}

static void bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    sqlite3_bind_blob64(st, i, n ? p : "", (sqlite3_uint64)n, SQLITE_TRANSIENT);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
    sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static uint64_t col_u64(sqlite3_stmt *st, int i)
{
    return (uint64_t)sqlite3_column_int64(st, i);
}

static void u128_to_le(ol_near_u128 v, uint8_t out[16])
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(v.lo >> (8 * i));
        out[8 + i] = (uint8_t)(v.hi >> (8 * i));
    }
}

static ol_near_u128 u128_from_col(sqlite3_stmt *st, int i)
{
    ol_near_u128 v = {0, 0};
    const uint8_t *p = sqlite3_column_blob(st, i);
    if (p == NULL || sqlite3_column_bytes(st, i) != 16)
        return v;
    for (int k = 0; k < 8; k++) {
        v.lo |= (uint64_t)p[k] << (8 * k);
        v.hi |= (uint64_t)p[8 + k] << (8 * k);
    }
    return v;
}

static void bind_u128(sqlite3_stmt *st, int i, ol_near_u128 v)
{
    uint8_t b[16];
    u128_to_le(v, b);
    bind_blob(st, i, b, 16);
}

static void col_hash(sqlite3_stmt *st, int i, uint8_t out[OL_NEAR_HASH_LEN])
{
    const void *p = sqlite3_column_blob(st, i);
    memset(out, 0, OL_NEAR_HASH_LEN);
    if (p != NULL && sqlite3_column_bytes(st, i) == OL_NEAR_HASH_LEN)
        memcpy(out, p, OL_NEAR_HASH_LEN);
}

/* A malloc'd copy of a blob column (NULL for an empty one). */
static ol_err col_dup(sqlite3_stmt *st, int i, uint8_t **out, size_t *len, ol_diag *d)
{
    int n = sqlite3_column_bytes(st, i);
    const void *p = sqlite3_column_blob(st, i);
    *out = NULL;
    *len = 0;
    if (n <= 0)
        return OL_OK;
    uint8_t *b = malloc((size_t)n);
    if (b == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "%d bytes", n);
    memcpy(b, p, (size_t)n);
    *out = b;
    *len = (size_t)n;
    return OL_OK;
}

static void pk_bytes(const ol_near_public_key *pk, uint8_t out[1 + OL_NEAR_SECP256K1_PK_LEN],
                     size_t *len)
{
    size_t n = ol_near_public_key_len(pk->type);
    out[0] = (uint8_t)pk->type;
    memcpy(out + 1, pk->data, n);
    *len = 1 + n;
}

/* ---- state history: recording (see the top of this file) ---- */

enum { UNDO_ACCOUNT = 0, UNDO_KEY = 1, UNDO_DATA = 2 };

/* An account in the undo log: amount ‖ locked (u128 LE) ‖ code_hash ‖ storage_usage (u64 LE). */
#define ACCOUNT_ENC_LEN (16 + 16 + OL_NEAR_HASH_LEN + 8)

static void account_encode(const ol__chain_account *a, uint8_t out[ACCOUNT_ENC_LEN])
{
    u128_to_le(a->amount, out);
    u128_to_le(a->locked, out + 16);
    memcpy(out + 32, a->code_hash, OL_NEAR_HASH_LEN);
    for (int i = 0; i < 8; i++)
        out[32 + OL_NEAR_HASH_LEN + i] = (uint8_t)(a->storage_usage >> (8 * i));
}

static ol_err account_decode(const uint8_t *p, size_t n, ol__chain_account *out, ol_diag *d)
{
    if (p == NULL || n != ACCOUNT_ENC_LEN)
        return OL_FAIL(d, OL_E_MALFORMED, "undo log: account record of %zu bytes", n);
    memset(out, 0, sizeof *out);
    for (int i = 0; i < 8; i++) {
        out->amount.lo |= (uint64_t)p[i] << (8 * i);
        out->amount.hi |= (uint64_t)p[8 + i] << (8 * i);
        out->locked.lo |= (uint64_t)p[16 + i] << (8 * i);
        out->locked.hi |= (uint64_t)p[24 + i] << (8 * i);
        out->storage_usage |= (uint64_t)p[32 + OL_NEAR_HASH_LEN + i] << (8 * i);
    }
    memcpy(out->code_hash, p + 32, OL_NEAR_HASH_LEN);
    return OL_OK;
}

/* Rows stamped at or below state_from are never read, so genesis (and any write outside a block,
 * which should not happen) records nothing. */
static bool undo_on(const ol_chain *c)
{
    return c->write_height > c->state_from;
}

/* Records the value of an access key or storage entry from before the block being applied. */
static ol_err undo_record(ol_chain *c, int kind, const char *id, const uint8_t *k, size_t klen,
                          ol_diag *d)
{
    static const char key_sql[] =
        "INSERT OR IGNORE INTO undo(kind, account_id, k, height, v) VALUES(1, ?1, ?2, ?3,"
        " (SELECT ak FROM access_keys WHERE account_id = ?1 AND pk = ?2))";
    static const char data_sql[] =
        "INSERT OR IGNORE INTO undo(kind, account_id, k, height, v) VALUES(2, ?1, ?2, ?3,"
        " (SELECT v FROM data WHERE account_id = ?1 AND k = ?2))";
    if (!undo_on(c))
        return OL_OK;
    sqlite3_stmt *st = stmt(c, kind == UNDO_KEY ? key_sql : data_sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    bind_blob(st, 2, k, klen);
    bind_u64(st, 3, c->write_height);
    return step_done(c, st, d);
}

/* Records an account's value from before the block being applied. */
static ol_err undo_account(ol_chain *c, const char *id, ol_diag *d)
{
    static const char sql[] = "INSERT OR IGNORE INTO undo(kind, account_id, k, height, v)"
                              " VALUES(0, ?1, x'', ?2, ?3)";
    if (!undo_on(c))
        return OL_OK;
    ol__chain_account old;
    uint8_t enc[ACCOUNT_ENC_LEN];
    ol_err rc = ol__chain_account_get(c, id, &old, d);
    if (rc != OL_OK && rc != OL_E_NOTFOUND)
        return rc;
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    bind_u64(st, 2, c->write_height);
    if (rc == OL_OK) {
        account_encode(&old, enc);
        bind_blob(st, 3, enc, sizeof enc);
    } else {
        sqlite3_bind_null(st, 3);
    }
    return step_done(c, st, d);
}

static ol_err each_key_row(ol_chain *c, sqlite3_stmt *st, ol__chain_key_fn fn, void *ud,
                           ol_diag *d);

/* ---- open/close, transactions ---- */

ol_err ol__chain_db_open(ol_chain *c, const char *path, ol_diag *d)
{
    if (sqlite3_open_v2(path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        ol_err rc = OL_FAIL(d, OL_E_IO, "open %s: %s", path,
                            c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close_v2(c->db);
        c->db = NULL;
        return rc;
    }
    sqlite3_busy_timeout(c->db, 5000);
    ol_err rc = ol__chain_db_exec(c, "PRAGMA journal_mode=WAL", d);
    if (rc == OL_OK)
        rc = ol__chain_db_exec(c, "PRAGMA synchronous=NORMAL", d);
    if (rc == OL_OK)
        rc = ol__chain_db_exec(c, schema_sql, d);
    if (rc != OL_OK) {
        ol__chain_db_close(c);
        return rc;
    }
    return OL_OK;
}

void ol__chain_db_close(ol_chain *c)
{
    for (size_t i = 0; i < c->nstmts; i++)
        sqlite3_finalize(c->stmts[i].st);
    c->nstmts = 0;
    if (c->db != NULL)
        sqlite3_close_v2(c->db);
    c->db = NULL;
}

ol_err ol__chain_db_exec(ol_chain *c, const char *sql, ol_diag *d)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ol_err rc = OL_FAIL(d, OL_E_IO, "sqlite: %s", msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return rc;
    }
    return OL_OK;
}

ol_err ol__chain_db_begin(ol_chain *c, ol_diag *d)
{
    return ol__chain_db_exec(c, "BEGIN IMMEDIATE", d);
}

ol_err ol__chain_db_commit(ol_chain *c, ol_diag *d)
{
    return ol__chain_db_exec(c, "COMMIT", d);
}

void ol__chain_db_rollback(ol_chain *c)
{
    (void)ol__chain_db_exec(c, "ROLLBACK", NULL);
}

ol_err ol__chain_db_savepoint(ol_chain *c, ol_diag *d)
{
    return ol__chain_db_exec(c, "SAVEPOINT receipt", d);
}

ol_err ol__chain_db_release(ol_chain *c, ol_diag *d)
{
    return ol__chain_db_exec(c, "RELEASE receipt", d);
}

ol_err ol__chain_db_rollback_to(ol_chain *c, ol_diag *d)
{
    ol_err rc = ol__chain_db_exec(c, "ROLLBACK TO receipt", d);
    if (rc == OL_OK)
        rc = ol__chain_db_exec(c, "RELEASE receipt", d);
    return rc;
}

/* ---- meta ---- */

ol_err ol__chain_meta_get(ol_chain *c, const char *key, uint8_t **val, size_t *len, ol_diag *d)
{
    static const char sql[] = "SELECT v FROM meta WHERE k = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return d ? d->code : OL_E_IO;
    bind_text(st, 1, key);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    rc = col_dup(st, 0, val, len, d);
    sqlite3_reset(st);
    return rc;
}

ol_err ol__chain_meta_put(ol_chain *c, const char *key, const void *val, size_t len, ol_diag *d)
{
    static const char sql[] = "INSERT OR REPLACE INTO meta(k, v) VALUES(?1, ?2)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, key);
    bind_blob(st, 2, val, len);
    return step_done(c, st, d);
}

/* ---- accounts ---- */

ol_err ol__chain_account_get(ol_chain *c, const char *id, ol__chain_account *out, ol_diag *d)
{
    static const char sql[] =
        "SELECT amount, locked, code_hash, storage_usage FROM accounts WHERE id = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    out->amount = u128_from_col(st, 0);
    out->locked = u128_from_col(st, 1);
    col_hash(st, 2, out->code_hash);
    out->storage_usage = col_u64(st, 3);
    sqlite3_reset(st);
    return OL_OK;
}

ol_err ol__chain_account_put(ol_chain *c, const char *id, const ol__chain_account *a, ol_diag *d)
{
    static const char sql[] = "INSERT OR REPLACE INTO accounts(id, amount, locked, code_hash,"
                              " storage_usage) VALUES(?1, ?2, ?3, ?4, ?5)";
    ol_err rc = undo_account(c, id, d);
    if (rc != OL_OK)
        return rc;
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    bind_u128(st, 2, a->amount);
    bind_u128(st, 3, a->locked);
    bind_blob(st, 4, a->code_hash, OL_NEAR_HASH_LEN);
    bind_u64(st, 5, a->storage_usage);
    return step_done(c, st, d);
}

ol_err ol__chain_account_delete(ol_chain *c, const char *id, ol_diag *d)
{
    static const char sql1[] = "DELETE FROM accounts WHERE id = ?1";
    static const char sql2[] = "DELETE FROM access_keys WHERE account_id = ?1";
    static const char sql3[] = "DELETE FROM data WHERE account_id = ?1";
    static const char undo_keys[] =
        "INSERT OR IGNORE INTO undo(kind, account_id, k, height, v)"
        " SELECT 1, account_id, pk, ?2, ak FROM access_keys WHERE account_id = ?1";
    static const char undo_data[] =
        "INSERT OR IGNORE INTO undo(kind, account_id, k, height, v)"
        " SELECT 2, account_id, k, ?2, v FROM data WHERE account_id = ?1";
    ol_err urc = undo_account(c, id, d);
    if (urc != OL_OK)
        return urc;
    if (undo_on(c)) {
        const char *usqls[] = {undo_keys, undo_data};
        for (size_t i = 0; i < 2; i++) {
            sqlite3_stmt *st = stmt(c, usqls[i], d);
            if (st == NULL)
                return OL_E_IO;
            bind_text(st, 1, id);
            bind_u64(st, 2, c->write_height);
            ol_err rc = step_done(c, st, d);
            if (rc != OL_OK)
                return rc;
        }
    }
    const char *sqls[] = {sql1, sql2, sql3};
    for (size_t i = 0; i < 3; i++) {
        sqlite3_stmt *st = stmt(c, sqls[i], d);
        if (st == NULL)
            return OL_E_IO;
        bind_text(st, 1, id);
        ol_err rc = step_done(c, st, d);
        if (rc != OL_OK)
            return rc;
    }
    return OL_OK;
}

/* ---- access keys ---- */

uint64_t ol__chain_key_storage(const ol_near_public_key *pk, const ol_near_access_key *ak)
{
    uint64_t n = 1 + ol_near_public_key_len(pk->type); /* borsh PublicKey */
    n += 8 + 1;                                        /* nonce, permission tag */
    if (!ak->full_access) {
        n += ak->has_allowance ? 17 : 1;
        n += 4 + ak->receiver_id.len + 4;
        for (size_t i = 0; i < ak->n_method_names; i++)
            n += 4 + ak->method_names[i].len;
    }
    return n + OL__CHAIN_RECORD_BYTES;
}

ol_err ol__chain_key_get(ol_chain *c, const char *id, const ol_near_public_key *pk,
                         ol_near_arena *ar, ol_near_access_key *out, ol_diag *d)
{
    static const char sql[] = "SELECT ak FROM access_keys WHERE account_id = ?1 AND pk = ?2";
    uint8_t pkb[1 + OL_NEAR_SECP256K1_PK_LEN];
    size_t pklen;
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    pk_bytes(pk, pkb, &pklen);
    bind_text(st, 1, id);
    bind_blob(st, 2, pkb, pklen);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    rc = ol_near_access_key_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                                   ar, out, d);
    sqlite3_reset(st);
    return rc;
}

ol_err ol__chain_key_put(ol_chain *c, const char *id, const ol_near_public_key *pk,
                         const ol_near_access_key *ak, ol_diag *d)
{
    static const char sql[] = "INSERT OR REPLACE INTO access_keys(account_id, pk, ak)"
                              " VALUES(?1, ?2, ?3)";
    uint8_t pkb[1 + OL_NEAR_SECP256K1_PK_LEN];
    size_t pklen;
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    pk_bytes(pk, pkb, &pklen);
    ol_err rc = ol_near_access_key_encode(ak, &b, d);
    if (rc == OL_OK)
        rc = undo_record(c, UNDO_KEY, id, pkb, pklen, d);
    if (rc != OL_OK)
        goto out;
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL) {
        rc = OL_E_IO;
        goto out;
    }
    bind_text(st, 1, id);
    bind_blob(st, 2, pkb, pklen);
    bind_blob(st, 3, b.p, b.len);
    rc = step_done(c, st, d);
out:
    ol_near_buf_fini(&b);
    return rc;
}

ol_err ol__chain_key_delete(ol_chain *c, const char *id, const ol_near_public_key *pk, ol_diag *d)
{
    static const char sql[] = "DELETE FROM access_keys WHERE account_id = ?1 AND pk = ?2";
    uint8_t pkb[1 + OL_NEAR_SECP256K1_PK_LEN];
    size_t pklen;
    pk_bytes(pk, pkb, &pklen);
    ol_err rc = undo_record(c, UNDO_KEY, id, pkb, pklen, d);
    if (rc != OL_OK)
        return rc;
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    bind_blob(st, 2, pkb, pklen);
    return step_done(c, st, d);
}

ol_err ol__chain_key_list(ol_chain *c, const char *id, ol__chain_key_fn fn, void *ud, ol_diag *d)
{
    static const char sql[] = "SELECT pk, ak FROM access_keys WHERE account_id = ?1 ORDER BY pk";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    return each_key_row(c, st, fn, ud, d);
}

/* ---- code ---- */

ol_err ol__chain_code_get(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN], uint8_t **code,
                          size_t *len, ol_diag *d)
{
    static const char sql[] = "SELECT code FROM code WHERE hash = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, hash, OL_NEAR_HASH_LEN);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    rc = col_dup(st, 0, code, len, d);
    sqlite3_reset(st);
    return rc;
}

ol_err ol__chain_code_put(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN], const uint8_t *code,
                          size_t len, ol_diag *d)
{
    static const char sql[] = "INSERT OR IGNORE INTO code(hash, code) VALUES(?1, ?2)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, hash, OL_NEAR_HASH_LEN);
    bind_blob(st, 2, code, len);
    return step_done(c, st, d);
}

/* ---- contract storage ---- */

ol_err ol__chain_data_get(ol_chain *c, const char *id, const uint8_t *key, size_t klen,
                          uint8_t **val, size_t *vlen, ol_diag *d)
{
    static const char sql[] = "SELECT v FROM data WHERE account_id = ?1 AND k = ?2";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    bind_blob(st, 2, key, klen);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    rc = col_dup(st, 0, val, vlen, d);
    sqlite3_reset(st);
    return rc;
}

ol_err ol__chain_data_put(ol_chain *c, const char *id, const uint8_t *key, size_t klen,
                          const uint8_t *val, size_t vlen, ol_diag *d)
{
    static const char sql[] = "INSERT OR REPLACE INTO data(account_id, k, v) VALUES(?1, ?2, ?3)";
    ol_err rc = undo_record(c, UNDO_DATA, id, key, klen, d);
    if (rc != OL_OK)
        return rc;
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    bind_blob(st, 2, key, klen);
    bind_blob(st, 3, val, vlen);
    return step_done(c, st, d);
}

ol_err ol__chain_data_delete(ol_chain *c, const char *id, const uint8_t *key, size_t klen,
                             ol_diag *d)
{
    static const char sql[] = "DELETE FROM data WHERE account_id = ?1 AND k = ?2";
    ol_err rc = undo_record(c, UNDO_DATA, id, key, klen, d);
    if (rc != OL_OK)
        return rc;
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    bind_blob(st, 2, key, klen);
    return step_done(c, st, d);
}

ol_err ol__chain_data_list(ol_chain *c, const char *id, const uint8_t *prefix, size_t plen,
                           ol__chain_data_fn fn, void *ud, ol_diag *d)
{
    /* Blobs compare bytewise (memcmp), so the prefix range is [prefix, next); filter exactly. */
    static const char sql[] = "SELECT k, v FROM data WHERE account_id = ?1 AND k >= ?2 ORDER BY k";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    bind_blob(st, 2, prefix, plen);
    for (;;) {
        ol_err rc = step_row(c, st, d);
        if (rc == OL_E_NOTFOUND)
            return OL_OK;
        if (rc != OL_OK)
            return rc;
        const uint8_t *k = sqlite3_column_blob(st, 0);
        size_t kl = (size_t)sqlite3_column_bytes(st, 0);
        if (kl < plen || (plen > 0 && memcmp(k, prefix, plen) != 0)) {
            sqlite3_reset(st);
            return OL_OK;
        }
        rc = fn(ud, k, kl, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
        if (rc != OL_OK) {
            sqlite3_reset(st);
            return rc;
        }
    }
}

/* ---- state history: reading ---- */

/* The undo row that decides a record's value at the end of block `height`: OL_OK with the row
 * on *out (column 0 is the value, NULL when the record did not exist; reset *out when done), or
 * OL_E_NOTFOUND when no block after `height` changed the record (its current value holds). */
static ol_err undo_row(ol_chain *c, int kind, const char *id, const uint8_t *k, size_t klen,
                       uint64_t height, sqlite3_stmt **out, ol_diag *d)
{
    static const char sql[] = "SELECT v FROM undo WHERE kind = ?1 AND account_id = ?2 AND k = ?3"
                              " AND height > ?4 ORDER BY height LIMIT 1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_u64(st, 1, (uint64_t)kind);
    bind_text(st, 2, id);
    bind_blob(st, 3, k, klen);
    bind_u64(st, 4, height);
    ol_err rc = step_row(c, st, d);
    if (rc == OL_OK)
        *out = st;
    return rc;
}

ol_err ol__chain_account_get_at(ol_chain *c, const char *id, uint64_t height,
                                ol__chain_account *out, ol_diag *d)
{
    sqlite3_stmt *st = NULL;
    ol_err rc = height >= c->height ? OL_E_NOTFOUND
                                    : undo_row(c, UNDO_ACCOUNT, id, NULL, 0, height, &st, d);
    if (rc == OL_E_NOTFOUND)
        return ol__chain_account_get(c, id, out, d);
    if (rc != OL_OK)
        return rc;
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
        rc = OL_E_NOTFOUND;
    else
        rc =
            account_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), out, d);
    sqlite3_reset(st);
    return rc;
}

ol_err ol__chain_key_get_at(ol_chain *c, const char *id, const ol_near_public_key *pk,
                            uint64_t height, ol_near_arena *ar, ol_near_access_key *out, ol_diag *d)
{
    uint8_t pkb[1 + OL_NEAR_SECP256K1_PK_LEN];
    size_t pklen;
    sqlite3_stmt *st = NULL;
    pk_bytes(pk, pkb, &pklen);
    ol_err rc =
        height >= c->height ? OL_E_NOTFOUND : undo_row(c, UNDO_KEY, id, pkb, pklen, height, &st, d);
    if (rc == OL_E_NOTFOUND)
        return ol__chain_key_get(c, id, pk, ar, out, d);
    if (rc != OL_OK)
        return rc;
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
        rc = OL_E_NOTFOUND;
    else
        rc = ol_near_access_key_decode(sqlite3_column_blob(st, 0),
                                       (size_t)sqlite3_column_bytes(st, 0), ar, out, d);
    sqlite3_reset(st);
    return rc;
}

ol_err ol__chain_data_get_at(ol_chain *c, const char *id, const uint8_t *key, size_t klen,
                             uint64_t height, uint8_t **val, size_t *vlen, ol_diag *d)
{
    sqlite3_stmt *st = NULL;
    ol_err rc =
        height >= c->height ? OL_E_NOTFOUND : undo_row(c, UNDO_DATA, id, key, klen, height, &st, d);
    if (rc == OL_E_NOTFOUND)
        return ol__chain_data_get(c, id, key, klen, val, vlen, d);
    if (rc != OL_OK)
        return rc;
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
        rc = OL_E_NOTFOUND;
    else
        rc = col_dup(st, 0, val, vlen, d);
    sqlite3_reset(st);
    return rc;
}

/* Scans at a past block: every record of the account changed after `height` takes the value
 * of its earliest such undo row (SQLite takes a bare column from the row MIN() picked), the
 * others their current value; absent records drop out. Sorted by key bytes, as at the head. */
static const char keys_at_sql[] =
    "WITH u(k, v, h) AS (SELECT k, v, MIN(height) FROM undo WHERE kind = 1 AND account_id = ?1"
    " AND height > ?2 GROUP BY k)"
    " SELECT k, v FROM u WHERE v IS NOT NULL UNION ALL SELECT pk, ak FROM access_keys"
    " WHERE account_id = ?1 AND pk NOT IN (SELECT k FROM u) ORDER BY 1";

#define DATA_AT_SQL(RANGE)                                                                      \
    "WITH u(k, v, h) AS (SELECT k, v, MIN(height) FROM undo WHERE kind = 2 AND account_id = ?1" \
    " AND height > ?2 AND k >= ?3" RANGE " GROUP BY k)"                                         \
    " SELECT k, v FROM u WHERE v IS NOT NULL UNION ALL SELECT k, v FROM data"                   \
    " WHERE account_id = ?1 AND k >= ?3" RANGE " AND k NOT IN (SELECT k FROM u) ORDER BY 1"

static const char data_at_bounded_sql[] = DATA_AT_SQL(" AND k < ?4");
static const char data_at_open_sql[] = DATA_AT_SQL("");

/* Calls fn for each (public key, access key) row of st, a statement selecting (pk, ak). */
static ol_err each_key_row(ol_chain *c, sqlite3_stmt *st, ol__chain_key_fn fn, void *ud, ol_diag *d)
{
    ol_near_arena *ar = NULL;
    ol_err rc = ol_near_arena_new(NULL, &ar, d);
    if (rc != OL_OK) {
        sqlite3_reset(st);
        return rc;
    }
    for (;;) {
        rc = step_row(c, st, d);
        if (rc == OL_E_NOTFOUND) {
            rc = OL_OK;
            break;
        }
        if (rc != OL_OK)
            break;
        ol_near_public_key pk;
        ol_near_access_key ak;
        ol_near_borsh_reader r;
        memset(&pk, 0, sizeof pk);
        ol_near_borsh_reader_init(&r, sqlite3_column_blob(st, 0),
                                  (size_t)sqlite3_column_bytes(st, 0));
        rc = ol_near_borsh_get_public_key(&r, "public key", &pk, d);
        if (rc == OL_OK)
            rc = ol_near_access_key_decode(sqlite3_column_blob(st, 1),
                                           (size_t)sqlite3_column_bytes(st, 1), ar, &ak, d);
        if (rc == OL_OK)
            rc = fn(ud, &pk, &ak);
        if (rc != OL_OK) {
            sqlite3_reset(st);
            break;
        }
    }
    ol_near_arena_free(ar);
    return rc;
}

ol_err ol__chain_key_list_at(ol_chain *c, const char *id, uint64_t height, ol__chain_key_fn fn,
                             void *ud, ol_diag *d)
{
    if (height >= c->height)
        return ol__chain_key_list(c, id, fn, ud, d);
    sqlite3_stmt *st = stmt(c, keys_at_sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_text(st, 1, id);
    bind_u64(st, 2, height);
    return each_key_row(c, st, fn, ud, d);
}

/* The smallest key above every key starting with prefix: the prefix without its trailing 0xff
 * bytes, last byte + 1. *end NULL (no bound) when the prefix is empty or all 0xff; then every
 * key >= prefix starts with it. *end malloc'd. */
static ol_err prefix_end(const uint8_t *prefix, size_t plen, uint8_t **end, size_t *elen,
                         ol_diag *d)
{
    *end = NULL;
    *elen = 0;
    while (plen > 0 && prefix[plen - 1] == 0xff)
        plen--;
    if (plen == 0)
        return OL_OK;
    uint8_t *e = malloc(plen);
    if (e == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "%zu bytes", plen);
    memcpy(e, prefix, plen);
    e[plen - 1]++;
    *end = e;
    *elen = plen;
    return OL_OK;
}

ol_err ol__chain_data_list_at(ol_chain *c, const char *id, const uint8_t *prefix, size_t plen,
                              uint64_t height, ol__chain_data_fn fn, void *ud, ol_diag *d)
{
    if (height >= c->height)
        return ol__chain_data_list(c, id, prefix, plen, fn, ud, d);
    uint8_t *end = NULL;
    size_t elen = 0;
    ol_err rc = prefix_end(prefix, plen, &end, &elen, d);
    if (rc != OL_OK)
        return rc;
    sqlite3_stmt *st = stmt(c, end ? data_at_bounded_sql : data_at_open_sql, d);
    if (st == NULL) {
        free(end);
        return OL_E_IO;
    }
    bind_text(st, 1, id);
    bind_u64(st, 2, height);
    bind_blob(st, 3, prefix, plen);
    if (end != NULL)
        bind_blob(st, 4, end, elen);
    free(end);
    for (;;) {
        rc = step_row(c, st, d);
        if (rc == OL_E_NOTFOUND)
            return OL_OK;
        if (rc != OL_OK)
            return rc;
        rc = fn(ud, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
        if (rc != OL_OK) {
            sqlite3_reset(st);
            return rc;
        }
    }
}

/* ---- state history: retention ---- */

static ol_err put_state_from(ol_chain *c, uint64_t v, ol_diag *d)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return ol__chain_meta_put(c, "state_from", b, sizeof b, d);
}

ol_err ol__chain_history_store(ol_chain *c, ol_diag *d)
{
    return put_state_from(c, c->state_from, d);
}

ol_err ol__chain_history_load(ol_chain *c, ol_diag *d)
{
    uint8_t *v = NULL;
    size_t n = 0;
    ol_err rc = ol__chain_meta_get(c, "state_from", &v, &n, d);
    if (rc == OL_E_NOTFOUND) {
        c->state_from = c->height;
        return ol__chain_history_store(c, d);
    }
    if (rc != OL_OK)
        return rc;
    if (n != 8) {
        free(v);
        return OL_FAIL(d, OL_E_MALFORMED, "meta state_from: %zu bytes", n);
    }
    c->state_from = 0;
    for (int i = 0; i < 8; i++)
        c->state_from |= (uint64_t)v[i] << (8 * i);
    free(v);
    return OL_OK;
}

ol_err ol__chain_history_prune(ol_chain *c, uint64_t head, uint64_t *state_from, ol_diag *d)
{
    static const char sql[] = "DELETE FROM undo WHERE height <= ?1";
    *state_from = c->state_from;
    if (c->history_blocks == 0 || head < c->history_blocks)
        return OL_OK;
    uint64_t from = head - c->history_blocks + 1;
    if (from <= c->state_from)
        return OL_OK;
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_u64(st, 1, from);
    ol_err rc = step_done(c, st, d);
    if (rc == OL_OK)
        rc = put_state_from(c, from, d);
    if (rc == OL_OK)
        *state_from = from; /* the caller adopts it once the block commits */
    return rc;
}

/* ---- blocks ---- */

ol_err ol__chain_block_put(ol_chain *c, const ol__chain_block *b, ol_diag *d)
{
    static const char sql[] =
        "INSERT INTO blocks(height, hash, prev_hash, ts, gas_used, tokens_burnt, chunk_hash,"
        " tx_root, outcome_root, n_txs, n_receipts) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_u64(st, 1, b->height);
    bind_blob(st, 2, b->hash, OL_NEAR_HASH_LEN);
    bind_blob(st, 3, b->prev_hash, OL_NEAR_HASH_LEN);
    bind_u64(st, 4, b->timestamp);
    bind_u64(st, 5, b->gas_used);
    bind_u128(st, 6, b->tokens_burnt);
    bind_blob(st, 7, b->chunk_hash, OL_NEAR_HASH_LEN);
    bind_blob(st, 8, b->tx_root, OL_NEAR_HASH_LEN);
    bind_blob(st, 9, b->outcome_root, OL_NEAR_HASH_LEN);
    bind_u64(st, 10, b->n_txs);
    bind_u64(st, 11, b->n_receipts);
    return step_done(c, st, d);
}

static void block_from_row(sqlite3_stmt *st, ol__chain_block *out)
{
    out->height = col_u64(st, 0);
    col_hash(st, 1, out->hash);
    col_hash(st, 2, out->prev_hash);
    out->timestamp = col_u64(st, 3);
    out->gas_used = col_u64(st, 4);
    out->tokens_burnt = u128_from_col(st, 5);
    col_hash(st, 6, out->chunk_hash);
    col_hash(st, 7, out->tx_root);
    col_hash(st, 8, out->outcome_root);
    out->n_txs = (uint32_t)col_u64(st, 9);
    out->n_receipts = (uint32_t)col_u64(st, 10);
}

ol_err ol__chain_block_by_height(ol_chain *c, uint64_t height, ol__chain_block *out, ol_diag *d)
{
    static const char sql[] = "SELECT height, hash, prev_hash, ts, gas_used, tokens_burnt,"
                              " chunk_hash, tx_root, outcome_root, n_txs, n_receipts"
                              " FROM blocks WHERE height = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_u64(st, 1, height);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    block_from_row(st, out);
    sqlite3_reset(st);
    return OL_OK;
}

ol_err ol__chain_block_by_hash(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN],
                               ol__chain_block *out, ol_diag *d)
{
    static const char sql[] = "SELECT height, hash, prev_hash, ts, gas_used, tokens_burnt,"
                              " chunk_hash, tx_root, outcome_root, n_txs, n_receipts"
                              " FROM blocks WHERE hash = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, hash, OL_NEAR_HASH_LEN);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    block_from_row(st, out);
    sqlite3_reset(st);
    return OL_OK;
}

/* ---- transactions ---- */

ol_err ol__chain_tx_put(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN], const char *signer_id,
                        const uint8_t *bytes, size_t len, uint64_t height, ol_diag *d)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO txs(hash, signer_id, body, height) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, hash, OL_NEAR_HASH_LEN);
    bind_text(st, 2, signer_id);
    bind_blob(st, 3, bytes, len);
    bind_u64(st, 4, height);
    return step_done(c, st, d);
}

ol_err ol__chain_tx_get(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN], char signer_id[65],
                        uint8_t **bytes, size_t *len, uint64_t *height, ol_diag *d)
{
    static const char sql[] = "SELECT signer_id, body, height FROM txs WHERE hash = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, hash, OL_NEAR_HASH_LEN);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    const char *s = (const char *)sqlite3_column_text(st, 0);
    snprintf(signer_id, OL_NEAR_ACCOUNT_ID_MAX, "%s", s ? s : "");
    rc = col_dup(st, 1, bytes, len, d);
    *height = col_u64(st, 2);
    sqlite3_reset(st);
    return rc;
}

/* ---- receipts ----
 * Encoding (borsh-style): u8 kind (0 action, 1 data) ‖ [32] tx_hash ‖ String predecessor ‖
 * String receiver ‖
 *   action: u8 is_yield ‖ u128 gas_price ‖ u32 n ‖ n × ([32] data_id ‖ String receiver) ‖
 *           u32 m ‖ m × [32] ‖ Vec<u8> borsh(TransactionV0 {signer_id, signer_pk, 0, receiver,
 *           zeros, actions}) — the actions travel inside a transaction so the NEAR module's
 *           validating decoder reads them back;
 *   data:   [32] data_id ‖ u8 has_data ‖ Vec<u8> data ‖ u8 is_resume. */

ol_err ol__chain_receipt_encode(const ol__chain_receipt *r, ol_near_buf *out, ol_diag *d)
{
    ol_near_borsh_put_u8(out, r->is_data ? 1 : 0);
    ol_near_borsh_put_raw(out, r->tx_hash, OL_NEAR_HASH_LEN);
    ol_near_borsh_put_str(out, r->predecessor_id, strlen(r->predecessor_id));
    ol_near_borsh_put_str(out, r->receiver_id, strlen(r->receiver_id));
    if (r->is_data) {
        ol_near_borsh_put_raw(out, r->data_id, OL_NEAR_HASH_LEN);
        ol_near_borsh_put_u8(out, r->has_data ? 1 : 0);
        ol_near_borsh_put_bytes(out, r->data, r->data_len);
        ol_near_borsh_put_u8(out, r->is_resume ? 1 : 0);
        return ol_near_buf_check(out, d);
    }
    ol_near_borsh_put_u8(out, r->is_yield ? 1 : 0);
    ol_near_borsh_put_u128(out, r->gas_price);
    ol_near_borsh_put_u32(out, (uint32_t)r->n_out_data);
    for (size_t i = 0; i < r->n_out_data; i++) {
        ol_near_borsh_put_raw(out, r->out_data[i].data_id, OL_NEAR_HASH_LEN);
        ol_near_borsh_put_str(out, r->out_data[i].receiver_id, strlen(r->out_data[i].receiver_id));
    }
    ol_near_borsh_put_u32(out, (uint32_t)r->n_input);
    for (size_t i = 0; i < r->n_input; i++)
        ol_near_borsh_put_raw(out, r->input_ids[i], OL_NEAR_HASH_LEN);
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.signer_id = r->signer_id;
    tx.public_key = r->signer_pk;
    tx.receiver_id = r->receiver_id;
    tx.actions = r->actions;
    tx.n_actions = r->n_actions;
    ol_near_buf inner;
    ol_near_buf_init(&inner, NULL);
    ol_err rc = ol_near_tx_encode(&tx, &inner, d);
    if (rc == OL_OK)
        ol_near_borsh_put_bytes(out, inner.p, inner.len);
    ol_near_buf_fini(&inner);
    if (rc != OL_OK)
        return rc;
    return ol_near_buf_check(out, d);
}

static ol_err get_account_str(ol_near_borsh_reader *rd, const char *what,
                              char out[OL_NEAR_ACCOUNT_ID_MAX], ol_diag *d)
{
    ol_near_str s;
    ol_err rc = ol_near_borsh_get_str(rd, what, &s, d);
    if (rc != OL_OK)
        return rc;
    if (s.len >= OL_NEAR_ACCOUNT_ID_MAX)
        return OL_FAIL(d, OL_E_MALFORMED, "%s: too long", what);
    memcpy(out, s.p, s.len);
    out[s.len] = '\0';
    return OL_OK;
}

ol_err ol__chain_receipt_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                                ol__chain_receipt *out, ol_diag *d)
{
    ol__chain_receipt r;
    ol_near_borsh_reader rd;
    uint8_t kind = 0, flag = 0;
    const uint8_t *raw = NULL;
    memset(&r, 0, sizeof r);
    ol_near_borsh_reader_init(&rd, p, len);
    ol_err rc = ol_near_borsh_get_u8(&rd, "kind", &kind, d);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_raw(&rd, "tx_hash", OL_NEAR_HASH_LEN, &raw, d);
    if (rc == OL_OK)
        memcpy(r.tx_hash, raw, OL_NEAR_HASH_LEN);
    if (rc == OL_OK)
        rc = get_account_str(&rd, "predecessor", r.predecessor_id, d);
    if (rc == OL_OK)
        rc = get_account_str(&rd, "receiver", r.receiver_id, d);
    if (rc != OL_OK)
        return rc;
    r.is_data = kind == 1;
    if (r.is_data) {
        ol_near_bytes data;
        rc = ol_near_borsh_get_raw(&rd, "data_id", OL_NEAR_HASH_LEN, &raw, d);
        if (rc == OL_OK)
            memcpy(r.data_id, raw, OL_NEAR_HASH_LEN);
        if (rc == OL_OK)
            rc = ol_near_borsh_get_u8(&rd, "has_data", &flag, d);
        r.has_data = flag != 0;
        if (rc == OL_OK)
            rc = ol_near_borsh_get_bytes(&rd, "data", &data, d);
        if (rc == OL_OK)
            rc = ol_near_borsh_get_u8(&rd, "is_resume", &flag, d);
        if (rc != OL_OK)
            return rc;
        r.is_resume = flag != 0;
        if (data.len > 0) {
            uint8_t *copy = ol_near_arena_alloc(ar, data.len);
            if (copy == NULL)
                return OL_FAIL(d, OL_E_NOMEM, "receipt data");
            memcpy(copy, data.p, data.len);
            r.data = copy;
        }
        r.data_len = data.len;
        *out = r;
        return OL_OK;
    }
    uint32_t n = 0;
    rc = ol_near_borsh_get_u8(&rd, "is_yield", &flag, d);
    r.is_yield = flag != 0;
    if (rc == OL_OK)
        rc = ol_near_borsh_get_u128(&rd, "gas_price", &r.gas_price, d);
    if (rc == OL_OK)
        rc = ol_near_borsh_get_u32(&rd, "n_out", &n, d);
    if (rc != OL_OK)
        return rc;
    if (n > 4096)
        return OL_FAIL(d, OL_E_MALFORMED, "receipt: %u output data receivers", n);
    r.n_out_data = n;
    if (n > 0 && (r.out_data = ol_near_arena_alloc(ar, n * sizeof *r.out_data)) == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "receipt");
    for (uint32_t i = 0; i < n && rc == OL_OK; i++) {
        rc = ol_near_borsh_get_raw(&rd, "data_id", OL_NEAR_HASH_LEN, &raw, d);
        if (rc == OL_OK)
            memcpy(r.out_data[i].data_id, raw, OL_NEAR_HASH_LEN);
        if (rc == OL_OK)
            rc = get_account_str(&rd, "data receiver", r.out_data[i].receiver_id, d);
    }
    if (rc == OL_OK)
        rc = ol_near_borsh_get_u32(&rd, "n_in", &n, d);
    if (rc != OL_OK)
        return rc;
    if (n > 4096)
        return OL_FAIL(d, OL_E_MALFORMED, "receipt: %u input data ids", n);
    r.n_input = n;
    if (n > 0 && (r.input_ids = ol_near_arena_alloc(ar, n * sizeof *r.input_ids)) == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "receipt");
    for (uint32_t i = 0; i < n && rc == OL_OK; i++) {
        rc = ol_near_borsh_get_raw(&rd, "input data id", OL_NEAR_HASH_LEN, &raw, d);
        if (rc == OL_OK)
            memcpy(r.input_ids[i], raw, OL_NEAR_HASH_LEN);
    }
    ol_near_bytes inner;
    if (rc == OL_OK)
        rc = ol_near_borsh_get_bytes(&rd, "actions", &inner, d);
    if (rc != OL_OK)
        return rc;
    ol_near_tx tx;
    rc = ol_near_tx_decode(inner.p, inner.len, ar, &tx, d);
    if (rc != OL_OK)
        return rc;
    snprintf(r.signer_id, sizeof r.signer_id, "%s", tx.signer_id);
    r.signer_pk = tx.public_key;
    r.actions = tx.actions;
    r.n_actions = tx.n_actions;
    *out = r;
    return OL_OK;
}

ol_err ol__chain_receipt_put(ol_chain *c, const ol__chain_receipt *r, ol_diag *d)
{
    static const char sql[] = "INSERT OR REPLACE INTO receipts(id, body) VALUES(?1, ?2)";
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    ol_err rc = ol__chain_receipt_encode(r, &b, d);
    if (rc == OL_OK) {
        sqlite3_stmt *st = stmt(c, sql, d);
        if (st == NULL) {
            rc = OL_E_IO;
        } else {
            bind_blob(st, 1, r->id, OL_NEAR_HASH_LEN);
            bind_blob(st, 2, b.p, b.len);
            rc = step_done(c, st, d);
        }
    }
    ol_near_buf_fini(&b);
    return rc;
}

ol_err ol__chain_receipt_get(ol_chain *c, const uint8_t id[OL_NEAR_HASH_LEN], ol_near_arena *ar,
                             ol__chain_receipt *out, ol_diag *d)
{
    static const char sql[] = "SELECT body FROM receipts WHERE id = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, id, OL_NEAR_HASH_LEN);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    rc = ol__chain_receipt_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                                  ar, out, d);
    sqlite3_reset(st);
    if (rc == OL_OK)
        memcpy(out->id, id, OL_NEAR_HASH_LEN);
    return rc;
}

/* ---- queues ---- */

ol_err ol__chain_queue_push(ol_chain *c, const uint8_t id[OL_NEAR_HASH_LEN], uint64_t height,
                            ol_diag *d)
{
    static const char sql[] = "INSERT INTO queue(receipt_id, height) VALUES(?1, ?2)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, id, OL_NEAR_HASH_LEN);
    bind_u64(st, 2, height);
    return step_done(c, st, d);
}

ol_err ol__chain_queue_pop(ol_chain *c, uint64_t height, uint8_t id[OL_NEAR_HASH_LEN], ol_diag *d)
{
    static const char sel[] =
        "SELECT seq, receipt_id FROM queue WHERE height <= ?1 ORDER BY seq LIMIT 1";
    static const char del[] = "DELETE FROM queue WHERE seq = ?1";
    sqlite3_stmt *st = stmt(c, sel, d);
    if (st == NULL)
        return OL_E_IO;
    bind_u64(st, 1, height);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    uint64_t seq = col_u64(st, 0);
    col_hash(st, 1, id);
    sqlite3_reset(st);
    st = stmt(c, del, d);
    if (st == NULL)
        return OL_E_IO;
    bind_u64(st, 1, seq);
    return step_done(c, st, d);
}

ol_err ol__chain_postponed_put(ol_chain *c, const uint8_t receipt_id[OL_NEAR_HASH_LEN],
                               uint32_t missing, ol_diag *d)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO postponed(receipt_id, missing) VALUES(?1, ?2)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, receipt_id, OL_NEAR_HASH_LEN);
    bind_u64(st, 2, missing);
    return step_done(c, st, d);
}

ol_err ol__chain_postponed_get(ol_chain *c, const uint8_t receipt_id[OL_NEAR_HASH_LEN],
                               uint32_t *missing, ol_diag *d)
{
    static const char sql[] = "SELECT missing FROM postponed WHERE receipt_id = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, receipt_id, OL_NEAR_HASH_LEN);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    *missing = (uint32_t)col_u64(st, 0);
    sqlite3_reset(st);
    return OL_OK;
}

ol_err ol__chain_postponed_delete(ol_chain *c, const uint8_t receipt_id[OL_NEAR_HASH_LEN],
                                  ol_diag *d)
{
    static const char sql[] = "DELETE FROM postponed WHERE receipt_id = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, receipt_id, OL_NEAR_HASH_LEN);
    return step_done(c, st, d);
}

ol_err ol__chain_awaiting_put(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN],
                              const uint8_t receipt_id[OL_NEAR_HASH_LEN], ol_diag *d)
{
    static const char sql[] = "INSERT OR REPLACE INTO awaiting(data_id, receipt_id) VALUES(?1, ?2)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, data_id, OL_NEAR_HASH_LEN);
    bind_blob(st, 2, receipt_id, OL_NEAR_HASH_LEN);
    return step_done(c, st, d);
}

ol_err ol__chain_awaiting_get(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN],
                              uint8_t receipt_id[OL_NEAR_HASH_LEN], ol_diag *d)
{
    static const char sql[] = "SELECT receipt_id FROM awaiting WHERE data_id = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, data_id, OL_NEAR_HASH_LEN);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    col_hash(st, 0, receipt_id);
    sqlite3_reset(st);
    return OL_OK;
}

ol_err ol__chain_awaiting_delete(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN], ol_diag *d)
{
    static const char sql[] = "DELETE FROM awaiting WHERE data_id = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, data_id, OL_NEAR_HASH_LEN);
    return step_done(c, st, d);
}

ol_err ol__chain_rdata_put(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN], bool has_data,
                           const uint8_t *data, size_t len, ol_diag *d)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO rdata(data_id, has_data, data) VALUES(?1, ?2, ?3)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, data_id, OL_NEAR_HASH_LEN);
    bind_u64(st, 2, has_data ? 1 : 0);
    bind_blob(st, 3, data, len);
    return step_done(c, st, d);
}

ol_err ol__chain_rdata_get(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN], bool *has_data,
                           uint8_t **data, size_t *len, ol_diag *d)
{
    static const char sql[] = "SELECT has_data, data FROM rdata WHERE data_id = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, data_id, OL_NEAR_HASH_LEN);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    *has_data = col_u64(st, 0) != 0;
    rc = col_dup(st, 1, data, len, d);
    sqlite3_reset(st);
    return rc;
}

ol_err ol__chain_rdata_delete(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN], ol_diag *d)
{
    static const char sql[] = "DELETE FROM rdata WHERE data_id = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, data_id, OL_NEAR_HASH_LEN);
    return step_done(c, st, d);
}

ol_err ol__chain_yield_put(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN],
                           const char *account_id, uint64_t expires_at, ol_diag *d)
{
    static const char sql[] =
        "INSERT INTO yields(data_id, account_id, expires_at) VALUES(?1, ?2, ?3)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, data_id, OL_NEAR_HASH_LEN);
    bind_text(st, 2, account_id);
    bind_u64(st, 3, expires_at);
    return step_done(c, st, d);
}

ol_err ol__chain_yield_pop(ol_chain *c, uint64_t height, uint8_t data_id[OL_NEAR_HASH_LEN],
                           char account_id[65], ol_diag *d)
{
    static const char sel[] = "SELECT seq, data_id, account_id FROM yields WHERE expires_at <= ?1"
                              " ORDER BY expires_at, seq LIMIT 1";
    static const char del[] = "DELETE FROM yields WHERE seq = ?1";
    sqlite3_stmt *st = stmt(c, sel, d);
    if (st == NULL)
        return OL_E_IO;
    bind_u64(st, 1, height);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    uint64_t seq = col_u64(st, 0);
    col_hash(st, 1, data_id);
    const char *s = (const char *)sqlite3_column_text(st, 2);
    snprintf(account_id, OL_NEAR_ACCOUNT_ID_MAX, "%s", s ? s : "");
    sqlite3_reset(st);
    st = stmt(c, del, d);
    if (st == NULL)
        return OL_E_IO;
    bind_u64(st, 1, seq);
    return step_done(c, st, d);
}

/* ---- outcomes ---- */

ol_err ol__chain_outcome_put(ol_chain *c, const ol__chain_outcome *o, ol_diag *d)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO outcomes(id, tx_hash, is_tx, executed, height, block_hash,"
        " executor_id, gas_burnt, tokens_burnt, logs, receipt_ids, status)"
        " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, o->id, OL_NEAR_HASH_LEN);
    bind_blob(st, 2, o->tx_hash, OL_NEAR_HASH_LEN);
    bind_u64(st, 3, o->is_tx ? 1 : 0);
    bind_u64(st, 4, o->executed ? 1 : 0);
    bind_u64(st, 5, o->height);
    bind_blob(st, 6, o->block_hash, OL_NEAR_HASH_LEN);
    bind_text(st, 7, o->executor_id);
    bind_u64(st, 8, o->gas_burnt);
    bind_u128(st, 9, o->tokens_burnt);
    bind_text(st, 10, o->logs_json ? o->logs_json : "[]");
    bind_text(st, 11, o->receipt_ids_json ? o->receipt_ids_json : "[]");
    bind_text(st, 12, o->status_json ? o->status_json : "\"Unknown\"");
    return step_done(c, st, d);
}

static char *col_strdup(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return strdup(s ? s : "");
}

ol_err ol__chain_outcome_get(ol_chain *c, const uint8_t id[OL_NEAR_HASH_LEN],
                             ol__chain_outcome *out, ol_diag *d)
{
    static const char sql[] =
        "SELECT tx_hash, is_tx, executed, height, block_hash, executor_id, gas_burnt,"
        " tokens_burnt, logs, receipt_ids, status FROM outcomes WHERE id = ?1";
    sqlite3_stmt *st = stmt(c, sql, d);
    if (st == NULL)
        return OL_E_IO;
    bind_blob(st, 1, id, OL_NEAR_HASH_LEN);
    ol_err rc = step_row(c, st, d);
    if (rc != OL_OK)
        return rc;
    ol__chain_outcome o;
    memset(&o, 0, sizeof o);
    memcpy(o.id, id, OL_NEAR_HASH_LEN);
    col_hash(st, 0, o.tx_hash);
    o.is_tx = col_u64(st, 1) != 0;
    o.executed = col_u64(st, 2) != 0;
    o.height = col_u64(st, 3);
    col_hash(st, 4, o.block_hash);
    const char *s = (const char *)sqlite3_column_text(st, 5);
    snprintf(o.executor_id, sizeof o.executor_id, "%s", s ? s : "");
    o.gas_burnt = col_u64(st, 6);
    o.tokens_burnt = u128_from_col(st, 7);
    o.logs_json = col_strdup(st, 8);
    o.receipt_ids_json = col_strdup(st, 9);
    o.status_json = col_strdup(st, 10);
    sqlite3_reset(st);
    if (o.logs_json == NULL || o.receipt_ids_json == NULL || o.status_json == NULL) {
        ol__chain_outcome_fini(&o);
        return OL_FAIL(d, OL_E_NOMEM, "outcome");
    }
    *out = o;
    return OL_OK;
}

void ol__chain_outcome_fini(ol__chain_outcome *o)
{
    free(o->logs_json);
    free(o->receipt_ids_json);
    free(o->status_json);
    o->logs_json = o->receipt_ids_json = o->status_json = NULL;
}
