/* Private header of the sandbox chain (src/chain). Never included outside src/chain and its
 * unit tests.
 *
 * Layers:
 *   chain_state.c    SQLite: schema, accounts, keys, code, contract storage, blocks,
 *                    transactions, receipts, queues, outcomes; state history (undo log) for
 *                    queries at past blocks, and its retention window
 *   chain_tx.c       transaction validation (stateless and against state) and costs
 *   chain_runtime.c  applying a block: transactions -> receipts, actions, refunds, data
 *                    receipts, yield timeouts, delegate actions
 *   chain_view.c     JSON views in nearcore's shapes (actions, outcomes, errors, blocks)
 *   chain_rpc.c      JSON-RPC handlers (pure: request text -> response text)
 *   chain_server.c   libmicrohttpd glue
 *   chain.c          open/close/genesis, block production entry point
 *
 * Locking: c->mu guards everything in struct ol_chain (database included). Block production
 * holds it for the whole block; RPC handlers hold it per query and release it while waiting on
 * c->block_cv.
 */
#ifndef OL_CHAIN_INT_H
#define OL_CHAIN_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "chain_vm.h"
#include "ol/chain.h"
#include "ol/err.h"
#include "ol/near.h"

/* ---- protocol parameters (near-protocol.md §6; nearcore parameters.snap) ---- */

#define OL__CHAIN_NONCE_MULT          UINT64_C(1000000)
#define OL__CHAIN_VALIDITY_PERIOD     UINT64_C(86400)
#define OL__CHAIN_MAX_TX_SIZE         UINT64_C(1572864)
#define OL__CHAIN_MAX_PREPAID_GAS     UINT64_C(1000000000000000) /* 1 PGas */
#define OL__CHAIN_MAX_ACTIONS         100u
#define OL__CHAIN_MAX_METHOD_NAME     256u
#define OL__CHAIN_MAX_METHOD_NAMES_B  2000u
#define OL__CHAIN_MAX_ARGS            UINT64_C(4194304)
#define OL__CHAIN_MAX_CODE            UINT64_C(4194304)
#define OL__CHAIN_YIELD_TIMEOUT       UINT64_C(200)
#define OL__CHAIN_STORAGE_PER_BYTE    UINT64_C(10000000000000000000) /* 10^19 */
#define OL__CHAIN_ACCOUNT_BYTES       UINT64_C(100)
#define OL__CHAIN_RECORD_BYTES        UINT64_C(40)
#define OL__CHAIN_ZERO_BALANCE_LIMIT  UINT64_C(770)
#define OL__CHAIN_GAS_LIMIT_PER_CHUNK UINT64_C(1000000000000000)
#define OL__CHAIN_PROTOCOL_VERSION    73

/* ---- the chain object ---- */

typedef struct ol__chain_pool_tx {
    uint8_t hash[OL_NEAR_HASH_LEN];
    uint8_t *bytes; /* borsh SignedTransaction, malloc'd */
    size_t len;
} ol__chain_pool_tx;

/* A transaction dropped when its block was built (invalid by then): kept so waiters learn why. */
typedef struct ol__chain_dropped {
    uint8_t hash[OL_NEAR_HASH_LEN];
    char *error_json; /* the InvalidTxError JSON, malloc'd */
} ol__chain_dropped;

#define OL__CHAIN_DROPPED_MAX 256

#define OL__CHAIN_STMT_CACHE 80

struct ol_chain {
    pthread_mutex_t mu;
    pthread_cond_t block_cv;
    sqlite3 *db;
    struct {
        const char *sql; /* static string: cached by address */
        sqlite3_stmt *st;
    } stmts[OL__CHAIN_STMT_CACHE];
    size_t nstmts;
    char chain_id[64];
    char data_dir[4096];
    uint64_t height;
    uint8_t head_hash[OL_NEAR_HASH_LEN];
    uint64_t head_ts;
    uint8_t genesis_hash[OL_NEAR_HASH_LEN];
    uint64_t genesis_height;
    ol__chain_pool_tx *pool;
    size_t npool, pool_cap;
    ol__chain_dropped dropped[OL__CHAIN_DROPPED_MAX];
    size_t ndropped_next;
    bool closing;
    ol_chain_vm *vm;
    const ol_chain_params *params;
    /* State history (chain_state.c): the block whose changes the state writers are recording
     * (the block being applied), the earliest block whose state can still be read, and how many
     * recent blocks stay readable (0: archival, all of them). */
    uint64_t write_height;
    uint64_t state_from;
    uint64_t history_blocks;
};

/* ---- accounts ---- */

typedef struct ol__chain_account {
    ol_near_u128 amount;
    ol_near_u128 locked;
    uint8_t code_hash[OL_NEAR_HASH_LEN]; /* zeros: no contract */
    uint64_t storage_usage;
} ol__chain_account;

/* ---- receipts ---- */

typedef struct ol__chain_data_recv {
    uint8_t data_id[OL_NEAR_HASH_LEN];
    char receiver_id[OL_NEAR_ACCOUNT_ID_MAX];
} ol__chain_data_recv;

typedef struct ol__chain_receipt {
    uint8_t id[OL_NEAR_HASH_LEN];
    uint8_t tx_hash[OL_NEAR_HASH_LEN]; /* the transaction whose DAG this receipt belongs to */
    char predecessor_id[OL_NEAR_ACCOUNT_ID_MAX];
    char receiver_id[OL_NEAR_ACCOUNT_ID_MAX];
    bool is_data;
    /* action receipts */
    char signer_id[OL_NEAR_ACCOUNT_ID_MAX];
    ol_near_public_key signer_pk;
    ol_near_u128 gas_price;
    bool is_yield;
    const ol_near_action *actions; /* in the block arena */
    size_t n_actions;
    ol__chain_data_recv *out_data;
    size_t n_out_data;
    uint8_t (*input_ids)[OL_NEAR_HASH_LEN];
    size_t n_input;
    /* data receipts */
    uint8_t data_id[OL_NEAR_HASH_LEN];
    bool has_data;
    const uint8_t *data;
    size_t data_len;
    bool is_resume;
} ol__chain_receipt;

/* ---- state (chain_state.c) ----
 * Every function returns OL_OK, OL_E_NOTFOUND (for getters), OL_E_IO (SQLite, message names
 * the statement), OL_E_MALFORMED (a stored row that does not decode), OL_E_NOMEM. */

ol_err ol__chain_db_open(ol_chain *c, const char *path, ol_diag *d);
void ol__chain_db_close(ol_chain *c);
ol_err ol__chain_db_exec(ol_chain *c, const char *sql, ol_diag *d);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; savepoints for receipts. */
ol_err ol__chain_db_begin(ol_chain *c, ol_diag *d);
ol_err ol__chain_db_commit(ol_chain *c, ol_diag *d);
void ol__chain_db_rollback(ol_chain *c);
ol_err ol__chain_db_savepoint(ol_chain *c, ol_diag *d);
ol_err ol__chain_db_release(ol_chain *c, ol_diag *d);
ol_err ol__chain_db_rollback_to(ol_chain *c, ol_diag *d);

ol_err ol__chain_meta_get(ol_chain *c, const char *key, uint8_t **val, size_t *len, ol_diag *d);
ol_err ol__chain_meta_put(ol_chain *c, const char *key, const void *val, size_t len, ol_diag *d);

ol_err ol__chain_account_get(ol_chain *c, const char *id, ol__chain_account *out, ol_diag *d);
ol_err ol__chain_account_put(ol_chain *c, const char *id, const ol__chain_account *a, ol_diag *d);
/* Removes the account with its keys and storage (not the shared code blob). */
ol_err ol__chain_account_delete(ol_chain *c, const char *id, ol_diag *d);

/* Access keys: stored as borsh AccessKey, decoded into ar. */
ol_err ol__chain_key_get(ol_chain *c, const char *id, const ol_near_public_key *pk,
                         ol_near_arena *ar, ol_near_access_key *out, ol_diag *d);
ol_err ol__chain_key_put(ol_chain *c, const char *id, const ol_near_public_key *pk,
                         const ol_near_access_key *ak, ol_diag *d);
ol_err ol__chain_key_delete(ol_chain *c, const char *id, const ol_near_public_key *pk, ol_diag *d);
/* Calls fn for every key of the account, in public-key byte order. */
typedef ol_err (*ol__chain_key_fn)(void *ud, const ol_near_public_key *pk,
                                   const ol_near_access_key *ak);
ol_err ol__chain_key_list(ol_chain *c, const char *id, ol__chain_key_fn fn, void *ud, ol_diag *d);
/* Bytes an access key record counts for in storage_usage (borsh key + borsh value + 40). */
uint64_t ol__chain_key_storage(const ol_near_public_key *pk, const ol_near_access_key *ak);

ol_err ol__chain_code_get(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN], uint8_t **code,
                          size_t *len, ol_diag *d); /* *code malloc'd */
ol_err ol__chain_code_put(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN], const uint8_t *code,
                          size_t len, ol_diag *d);

/* Contract storage of account id. get: *val malloc'd (NULL when len 0). */
ol_err ol__chain_data_get(ol_chain *c, const char *id, const uint8_t *key, size_t klen,
                          uint8_t **val, size_t *vlen, ol_diag *d);
ol_err ol__chain_data_put(ol_chain *c, const char *id, const uint8_t *key, size_t klen,
                          const uint8_t *val, size_t vlen, ol_diag *d);
ol_err ol__chain_data_delete(ol_chain *c, const char *id, const uint8_t *key, size_t klen,
                             ol_diag *d);
typedef ol_err (*ol__chain_data_fn)(void *ud, const uint8_t *key, size_t klen, const uint8_t *val,
                                    size_t vlen);
ol_err ol__chain_data_list(ol_chain *c, const char *id, const uint8_t *prefix, size_t plen,
                           ol__chain_data_fn fn, void *ud, ol_diag *d);

/* ---- state history (chain_state.c) ----
 * Queries at a past block read the state as of the end of that block. The writers above record,
 * for every record a block changes, its value from before that block in an undo log (stamped
 * with c->write_height); the readers below answer for the end of block `height` from the undo
 * log and the current tables. A height at or above the head reads the current tables. Heights
 * below c->state_from were pruned (the caller answers GARBAGE_COLLECTED_BLOCK). */
ol_err ol__chain_account_get_at(ol_chain *c, const char *id, uint64_t height,
                                ol__chain_account *out, ol_diag *d);
ol_err ol__chain_key_get_at(ol_chain *c, const char *id, const ol_near_public_key *pk,
                            uint64_t height, ol_near_arena *ar, ol_near_access_key *out,
                            ol_diag *d);
ol_err ol__chain_key_list_at(ol_chain *c, const char *id, uint64_t height, ol__chain_key_fn fn,
                             void *ud, ol_diag *d);
ol_err ol__chain_data_get_at(ol_chain *c, const char *id, const uint8_t *key, size_t klen,
                             uint64_t height, uint8_t **val, size_t *vlen, ol_diag *d);
ol_err ol__chain_data_list_at(ol_chain *c, const char *id, const uint8_t *prefix, size_t plen,
                              uint64_t height, ol__chain_data_fn fn, void *ud, ol_diag *d);
/* Reads c->state_from from the database; a database from before the undo log starts its history
 * at the current head (older blocks have no recorded state). */
ol_err ol__chain_history_load(ol_chain *c, ol_diag *d);
/* Stores c->state_from (genesis). */
ol_err ol__chain_history_store(ol_chain *c, ol_diag *d);
/* Inside the block transaction of block `head`: drops the undo rows no readable block needs
 * once the retention window moves past them. *state_from: the earliest readable block after
 * this block commits (assign it to c->state_from then). */
ol_err ol__chain_history_prune(ol_chain *c, uint64_t head, uint64_t *state_from, ol_diag *d);

/* Blocks. */
typedef struct ol__chain_block {
    uint64_t height;
    uint8_t hash[OL_NEAR_HASH_LEN];
    uint8_t prev_hash[OL_NEAR_HASH_LEN];
    uint64_t timestamp;
    uint64_t gas_used;
    ol_near_u128 tokens_burnt;
    uint8_t chunk_hash[OL_NEAR_HASH_LEN];
    uint8_t tx_root[OL_NEAR_HASH_LEN];
    uint8_t outcome_root[OL_NEAR_HASH_LEN];
    uint32_t n_txs;
    uint32_t n_receipts;
} ol__chain_block;

ol_err ol__chain_block_put(ol_chain *c, const ol__chain_block *b, ol_diag *d);
ol_err ol__chain_block_by_height(ol_chain *c, uint64_t height, ol__chain_block *out, ol_diag *d);
ol_err ol__chain_block_by_hash(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN],
                               ol__chain_block *out, ol_diag *d);

/* Transactions (borsh SignedTransaction) and where they landed. */
ol_err ol__chain_tx_put(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN], const char *signer_id,
                        const uint8_t *bytes, size_t len, uint64_t height, ol_diag *d);
/* *bytes malloc'd. */
ol_err ol__chain_tx_get(ol_chain *c, const uint8_t hash[OL_NEAR_HASH_LEN], char signer_id[65],
                        uint8_t **bytes, size_t *len, uint64_t *height, ol_diag *d);

/* Receipts: stored encoded; decoded into ar. */
ol_err ol__chain_receipt_put(ol_chain *c, const ol__chain_receipt *r, ol_diag *d);
ol_err ol__chain_receipt_get(ol_chain *c, const uint8_t id[OL_NEAR_HASH_LEN], ol_near_arena *ar,
                             ol__chain_receipt *out, ol_diag *d);
ol_err ol__chain_receipt_encode(const ol__chain_receipt *r, ol_near_buf *out, ol_diag *d);
ol_err ol__chain_receipt_decode(const uint8_t *p, size_t len, ol_near_arena *ar,
                                ol__chain_receipt *out, ol_diag *d);

/* The delayed queue: receipts to process at a block height (in insertion order). */
ol_err ol__chain_queue_push(ol_chain *c, const uint8_t id[OL_NEAR_HASH_LEN], uint64_t height,
                            ol_diag *d);
/* Pops the first receipt due at or before height; OL_E_NOTFOUND when none. */
ol_err ol__chain_queue_pop(ol_chain *c, uint64_t height, uint8_t id[OL_NEAR_HASH_LEN], ol_diag *d);

/* Postponed action receipts and received data. */
ol_err ol__chain_postponed_put(ol_chain *c, const uint8_t receipt_id[OL_NEAR_HASH_LEN],
                               uint32_t missing, ol_diag *d);
ol_err ol__chain_postponed_get(ol_chain *c, const uint8_t receipt_id[OL_NEAR_HASH_LEN],
                               uint32_t *missing, ol_diag *d);
ol_err ol__chain_postponed_delete(ol_chain *c, const uint8_t receipt_id[OL_NEAR_HASH_LEN],
                                  ol_diag *d);
/* data_id -> the receipt waiting for it. */
ol_err ol__chain_awaiting_put(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN],
                              const uint8_t receipt_id[OL_NEAR_HASH_LEN], ol_diag *d);
ol_err ol__chain_awaiting_get(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN],
                              uint8_t receipt_id[OL_NEAR_HASH_LEN], ol_diag *d);
ol_err ol__chain_awaiting_delete(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN], ol_diag *d);
/* Received data (has_data false: the promise failed). get: *data malloc'd. */
ol_err ol__chain_rdata_put(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN], bool has_data,
                           const uint8_t *data, size_t len, ol_diag *d);
ol_err ol__chain_rdata_get(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN], bool *has_data,
                           uint8_t **data, size_t *len, ol_diag *d);
ol_err ol__chain_rdata_delete(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN], ol_diag *d);

/* Yield timeouts: (data_id, account, expires_at). */
ol_err ol__chain_yield_put(ol_chain *c, const uint8_t data_id[OL_NEAR_HASH_LEN],
                           const char *account_id, uint64_t expires_at, ol_diag *d);
/* Pops the first entry with expires_at <= height. OL_E_NOTFOUND when none. */
ol_err ol__chain_yield_pop(ol_chain *c, uint64_t height, uint8_t data_id[OL_NEAR_HASH_LEN],
                           char account_id[65], ol_diag *d);

/* Outcomes (of the transaction, id = tx hash, and of every receipt). A receipt gets a row with
 * executed = false when it is created; the row is completed when it runs. */
typedef struct ol__chain_outcome {
    uint8_t id[OL_NEAR_HASH_LEN];
    uint8_t tx_hash[OL_NEAR_HASH_LEN];
    bool is_tx;
    bool executed;
    uint64_t height;
    uint8_t block_hash[OL_NEAR_HASH_LEN];
    char executor_id[OL_NEAR_ACCOUNT_ID_MAX];
    uint64_t gas_burnt;
    ol_near_u128 tokens_burnt;
    char *logs_json;        /* JSON array text; owned (malloc) by whoever filled it */
    char *receipt_ids_json; /* JSON array of base58 ids */
    char *status_json;      /* JSON of ExecutionStatusView */
} ol__chain_outcome;

ol_err ol__chain_outcome_put(ol_chain *c, const ol__chain_outcome *o, ol_diag *d);
/* Strings malloc'd; free with ol__chain_outcome_fini(). */
ol_err ol__chain_outcome_get(ol_chain *c, const uint8_t id[OL_NEAR_HASH_LEN],
                             ol__chain_outcome *out, ol_diag *d);
void ol__chain_outcome_fini(ol__chain_outcome *o);

/* ---- transactions (chain_tx.c) ---- */

/* Gas and balance a transaction costs when it is converted into a receipt. */
typedef struct ol__chain_tx_cost {
    uint64_t gas_burnt;     /* burnt at conversion */
    uint64_t gas_remaining; /* prepaid for the receipt and what it spawns */
    ol_near_u128 burnt_amount;
    ol_near_u128 total_cost; /* gas (burnt + remaining) x price + deposits */
} ol__chain_tx_cost;

/* Validation failure: InvalidTxError JSON text (caller frees) or OL_OK. The chain_tx functions
 * return OL_E_INVAL with *err_json set for an invalid transaction, other codes for internal
 * failures. */
ol_err ol__chain_tx_compute_cost(const ol_near_tx *tx, ol__chain_tx_cost *out, ol_diag *d);
/* Actions validation (ActionsValidation / ReceiptValidation rules). Returns NULL or a JSON
 * ActionsValidationError (malloc'd). */
char *ol__chain_actions_validate(const ol_near_action *acts, size_t n, const char *receiver_id);
/* Stateless checks: size, actions, signature, block hash window. */
ol_err ol__chain_tx_validate(ol_chain *c, const ol_near_signed_tx *stx, size_t size,
                             char **err_json, ol_diag *d);
/* State checks and charging (nonce, key permissions, balance, allowance, storage): with
 * charge == true the signer and key are updated in the database. height: the block that
 * includes the transaction. */
ol_err ol__chain_tx_verify(ol_chain *c, const ol_near_signed_tx *stx, uint64_t height, bool charge,
                           ol__chain_tx_cost *cost, char **err_json, ol_diag *d);

/* Fee helpers shared with the runtime (parameters of chain_vm.h). */
/* Σ send fees of actions (Delegate: its own fee plus the inner actions'). */
ol_err ol__chain_total_send_fees(const ol_near_action *acts, size_t n, bool sir,
                                 const char *receiver_id, uint64_t *out);
/* Σ (inner receipt send + inner send fees) of Delegate actions. */
ol_err ol__chain_total_prepaid_send_fees(const ol_near_action *acts, size_t n, uint64_t *out);
/* Σ exec fees (Delegate: inner receipt exec + inner exec fees). */
ol_err ol__chain_total_prepaid_exec_fees(const ol_near_action *acts, size_t n,
                                         const char *receiver_id, uint64_t *out);
/* Σ gas attached to function calls (inner Delegate actions included). */
ol_err ol__chain_total_prepaid_gas(const ol_near_action *acts, size_t n, uint64_t *out);
ol_err ol__chain_total_deposit(const ol_near_action *acts, size_t n, ol_near_u128 *out);

/* Storage staking: OL_OK, or the amount missing in *missing (OL_E_LIMIT). */
ol_err ol__chain_check_storage(const ol__chain_account *a, ol_near_u128 *missing);

/* ---- runtime (chain_runtime.c) ---- */

/* Applies one block at height h (called inside a database transaction): transactions, then
 * the receipts due, then yield timeouts. Fills b->gas_used, tokens_burnt, n_txs, n_receipts. */
ol_err ol__chain_apply_block(ol_chain *c, ol__chain_block *b, ol__chain_pool_tx *txs, size_t ntx,
                             ol_diag *d);

/* ---- views (chain_view.c) ---- */

/* Appends compact JSON of x to a jansson value; NULL on out of memory. */
json_t *ol__chain_json_u128(ol_near_u128 v);
json_t *ol__chain_json_hash(const uint8_t h[OL_NEAR_HASH_LEN]);
json_t *ol__chain_json_pk(const ol_near_public_key *pk);
json_t *ol__chain_json_action(const ol_near_action *a);
json_t *ol__chain_json_actions(const ol_near_action *acts, size_t n);
json_t *ol__chain_json_access_key(const ol_near_access_key *ak);
/* json_dumps compact; malloc'd (NULL on out of memory). Steals v. */
char *ol__chain_json_take_text(json_t *v);

/* Hash helper: sha256 of the concatenation of parts. */
void ol__chain_hash_parts(uint8_t out[OL_NEAR_HASH_LEN], const void *p1, size_t l1, const void *p2,
                          size_t l2, const void *p3, size_t l3);

#endif
