/* The sandbox chain: open (with genesis), close, block production. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "chain_int.h"
#include "ol/log.h"

#define ROOT_BALANCE   "1000000000000000000000000000000000" /* 10^9 NEAR = 10^33 yocto */
#define GENESIS_HEIGHT 1

static ol_err load_head(ol_chain *c, ol_diag *d)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT MAX(height) FROM blocks", -1, &st, NULL) != SQLITE_OK)
        return OL_FAIL(d, OL_E_IO, "sqlite: %s", sqlite3_errmsg(c->db));
    int rc = sqlite3_step(st);
    bool have = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    uint64_t h = have ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (!have)
        return OL_E_NOTFOUND;
    ol__chain_block b;
    ol_err e = ol__chain_block_by_height(c, h, &b, d);
    if (e != OL_OK)
        return e == OL_E_NOTFOUND ? OL_FAIL(d, OL_E_MALFORMED, "head block missing") : e;
    c->height = b.height;
    memcpy(c->head_hash, b.hash, OL_NEAR_HASH_LEN);
    c->head_ts = b.timestamp;
    return OL_OK;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static void block_hash(ol__chain_block *b)
{
    uint8_t hdr[8 + 8];
    for (int i = 0; i < 8; i++) {
        hdr[i] = (uint8_t)(b->height >> (8 * i));
        hdr[8 + i] = (uint8_t)(b->timestamp >> (8 * i));
    }
    ol__chain_hash_parts(b->chunk_hash, "chunk", 5, hdr, sizeof hdr, b->tx_root, OL_NEAR_HASH_LEN);
    ol__chain_hash_parts(b->hash, hdr, sizeof hdr, b->prev_hash, OL_NEAR_HASH_LEN, b->chunk_hash,
                         OL_NEAR_HASH_LEN);
}

static ol_err genesis(ol_chain *c, ol_diag *d)
{
    ol_near_credentials cred;
    ol_near_access_key ak;
    ol__chain_account acc;
    char path[4200];
    ol_err e;
    memset(&cred, 0, sizeof cred);
    memset(&ak, 0, sizeof ak);
    memset(&acc, 0, sizeof acc);
    if ((e = ol_near_secret_key_generate(&cred.secret_key, d)) != OL_OK)
        return e;
    ol_near_secret_key_public(&cred.secret_key, &cred.public_key);
    snprintf(cred.account_id, sizeof cred.account_id, "%s", OL_CHAIN_ROOT_ACCOUNT);
    ak.full_access = true;
    if ((e = ol_near_u128_parse(ROOT_BALANCE, strlen(ROOT_BALANCE), &acc.amount, d)) != OL_OK)
        goto out;
    acc.storage_usage = OL__CHAIN_ACCOUNT_BYTES + ol__chain_key_storage(&cred.public_key, &ak);
    ol__chain_block b;
    memset(&b, 0, sizeof b);
    b.height = GENESIS_HEIGHT;
    b.timestamp = now_ns();
    block_hash(&b);
    /* Genesis state has no earlier block to undo to: history starts here. */
    c->write_height = GENESIS_HEIGHT;
    c->state_from = GENESIS_HEIGHT;
    if ((e = ol__chain_db_begin(c, d)) != OL_OK)
        goto out;
    if ((e = ol__chain_meta_put(c, "chain_id", c->chain_id, strlen(c->chain_id), d)) != OL_OK ||
        (e = ol__chain_history_store(c, d)) != OL_OK ||
        (e = ol__chain_account_put(c, OL_CHAIN_ROOT_ACCOUNT, &acc, d)) != OL_OK ||
        (e = ol__chain_key_put(c, OL_CHAIN_ROOT_ACCOUNT, &cred.public_key, &ak, d)) != OL_OK ||
        (e = ol__chain_block_put(c, &b, d)) != OL_OK) {
        ol__chain_db_rollback(c);
        goto out;
    }
    snprintf(path, sizeof path, "%s/%s.json", c->data_dir, OL_CHAIN_ROOT_ACCOUNT);
    if ((e = ol_near_credentials_write(path, &cred, true, d)) != OL_OK) {
        ol__chain_db_rollback(c);
        goto out;
    }
    if ((e = ol__chain_db_commit(c, d)) != OL_OK) {
        ol__chain_db_rollback(c);
        goto out;
    }
    c->height = b.height;
    memcpy(c->head_hash, b.hash, OL_NEAR_HASH_LEN);
    c->head_ts = b.timestamp;
out:
    ol_near_credentials_wipe(&cred);
    return e;
}

ol_err ol_chain_open(const ol_chain_config *cfg, ol_chain **out, ol_diag *d)
{
    const char *chain_id = cfg->chain_id ? cfg->chain_id : "sandbox";
    char path[4200];
    if (cfg->data_dir == NULL || strlen(cfg->data_dir) >= 4000)
        return OL_FAIL(d, OL_E_INVAL, "data dir missing or too long");
    if (strlen(chain_id) == 0 || strlen(chain_id) >= 64)
        return OL_FAIL(d, OL_E_INVAL, "chain id must be 1..63 characters");
    ol_err e = ol_near_init(d);
    if (e != OL_OK)
        return e;
    if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
        return OL_FAIL(d, OL_E_IO, "mkdir %s: %s", cfg->data_dir, strerror(errno));
    ol_chain *c = calloc(1, sizeof *c);
    if (c == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "chain");
    snprintf(c->data_dir, sizeof c->data_dir, "%s", cfg->data_dir);
    snprintf(c->chain_id, sizeof c->chain_id, "%s", chain_id);
    c->params = ol_chain_params_default();
    c->history_blocks = OL_CHAIN_STATE_HISTORY_DEFAULT;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->block_cv, NULL);
    if ((e = ol_chain_vm_new(NULL, &c->vm, d)) != OL_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/chain.db", cfg->data_dir);
    if ((e = ol__chain_db_open(c, path, d)) != OL_OK)
        goto fail;
    uint8_t *stored = NULL;
    size_t slen = 0;
    e = ol__chain_meta_get(c, "chain_id", &stored, &slen, d);
    if (e == OL_E_NOTFOUND) {
        if ((e = genesis(c, d)) != OL_OK)
            goto fail;
    } else if (e != OL_OK) {
        goto fail;
    } else {
        bool same = slen == strlen(chain_id) && memcmp(stored, chain_id, slen) == 0;
        if (!same) {
            e = OL_FAIL(d, OL_E_INVAL, "data dir %s holds chain '%.*s', not '%s'", cfg->data_dir,
                        (int)(slen > 63 ? 63 : slen), stored ? (const char *)stored : "", chain_id);
            free(stored);
            goto fail;
        }
        free(stored);
        if ((e = load_head(c, d)) != OL_OK) {
            if (e == OL_E_NOTFOUND)
                e = OL_FAIL(d, OL_E_MALFORMED, "%s: no blocks", path);
            goto fail;
        }
        if ((e = ol__chain_history_load(c, d)) != OL_OK)
            goto fail;
    }
    ol__chain_block g;
    if ((e = ol__chain_block_by_height(c, GENESIS_HEIGHT, &g, d)) != OL_OK) {
        if (e == OL_E_NOTFOUND)
            e = OL_FAIL(d, OL_E_MALFORMED, "%s: no genesis block", path);
        goto fail;
    }
    memcpy(c->genesis_hash, g.hash, OL_NEAR_HASH_LEN);
    c->genesis_height = GENESIS_HEIGHT;
    *out = c;
    return OL_OK;
fail:
    ol_chain_close(c);
    return e;
}

void ol_chain_close(ol_chain *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    c->closing = true;
    pthread_cond_broadcast(&c->block_cv);
    pthread_mutex_unlock(&c->mu);
    ol__chain_db_close(c);
    for (size_t i = 0; i < c->npool; i++)
        free(c->pool[i].bytes);
    free(c->pool);
    for (size_t i = 0; i < OL__CHAIN_DROPPED_MAX; i++)
        free(c->dropped[i].error_json);
    ol_chain_vm_free(c->vm);
    pthread_cond_destroy(&c->block_cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

ol_err ol_chain_produce_block(ol_chain *c, uint64_t ts_ns, ol_diag *d)
{
    ol_err e;
    pthread_mutex_lock(&c->mu);
    ol__chain_pool_tx *txs = c->pool;
    size_t ntx = c->npool;
    c->pool = NULL;
    c->npool = c->pool_cap = 0;
    ol__chain_block b;
    memset(&b, 0, sizeof b);
    b.height = c->height + 1;
    b.timestamp = ts_ns > c->head_ts ? ts_ns : c->head_ts + 1;
    memcpy(b.prev_hash, c->head_hash, OL_NEAR_HASH_LEN);
    {
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        for (size_t i = 0; i < ntx; i++)
            crypto_hash_sha256_update(&st, txs[i].hash, OL_NEAR_HASH_LEN);
        crypto_hash_sha256_final(&st, b.tx_root);
    }
    block_hash(&b);
    c->write_height = b.height;
    uint64_t state_from = c->state_from;
    if ((e = ol__chain_db_begin(c, d)) != OL_OK)
        goto out;
    if ((e = ol__chain_apply_block(c, &b, txs, ntx, d)) != OL_OK ||
        (e = ol__chain_block_put(c, &b, d)) != OL_OK ||
        (e = ol__chain_history_prune(c, b.height, &state_from, d)) != OL_OK ||
        (e = ol__chain_db_commit(c, d)) != OL_OK) {
        ol__chain_db_rollback(c);
        OL_LOG(OL_LOG_ERROR, "chain: block %llu failed: %s", (unsigned long long)b.height,
               d ? d->msg : "?");
        goto out;
    }
    c->height = b.height;
    memcpy(c->head_hash, b.hash, OL_NEAR_HASH_LEN);
    c->head_ts = b.timestamp;
    c->state_from = state_from;
    pthread_cond_broadcast(&c->block_cv);
out:
    for (size_t i = 0; i < ntx; i++)
        free(txs[i].bytes);
    free(txs);
    pthread_mutex_unlock(&c->mu);
    return e;
}

void ol_chain_set_state_history(ol_chain *c, uint64_t blocks)
{
    pthread_mutex_lock(&c->mu);
    c->history_blocks = blocks;
    pthread_mutex_unlock(&c->mu);
}

uint64_t ol_chain_head_height(ol_chain *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t h = c->height;
    pthread_mutex_unlock(&c->mu);
    return h;
}

const char *ol_chain_id(const ol_chain *c)
{
    return c->chain_id;
}
