/* The sandbox chain: a local NEAR-compatible chain (issue #7). Accounts, access keys, contract
 * code and storage, blocks, transactions, receipts and outcomes live in SQLite in a data
 * directory and survive a restart. Contracts run on the metered engine with NEAR's host
 * functions (src/chain/chain_vm.h). Behaviour follows nearcore; facts in
 * ../shared/reference/near-protocol.md.
 *
 * One process owns a data directory at a time. An ol_chain is thread-safe: every public
 * function takes the chain's lock; RPC handlers run concurrently with block production.
 *
 * Finality: a single producer signs every block alone, so each block is final when produced
 * ("final", "near-final" and "optimistic" name the same head block).
 *
 * Queries (view_account, view_access_key, view_access_key_list, call_function, view_state,
 * view_code) read the state as of the end of the block they name: a block_id (height or hash)
 * or a finality (the head). Like a non-archival nearcore node, the sandbox keeps the state of
 * the last OL_CHAIN_STATE_HISTORY_DEFAULT blocks (ol_chain_set_state_history() changes it); a
 * query at an older block answers GARBAGE_COLLECTED_BLOCK (block headers, transactions and
 * outcomes are kept), one at a block that never existed UNKNOWN_BLOCK. An archival chain keeps
 * every block's state. A data dir created before state history existed has history from the
 * head it was first reopened at.
 */
#ifndef OL_CHAIN_H
#define OL_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/err.h"
#include "ol/near.h"

typedef struct ol_chain ol_chain;

#define OL_CHAIN_ROOT_ACCOUNT          "test.near"
/* 1,000,000,000 NEAR in yocto = 10^33. */
#define OL_CHAIN_GAS_PRICE             UINT64_C(100000000) /* yocto per gas, fixed */
/* Blocks whose state stays queryable: nearcore's default gc_num_epochs_to_keep (5) epochs of
 * mainnet's 43,200 blocks (6 hours at the default 100 ms block time). */
#define OL_CHAIN_STATE_HISTORY_DEFAULT UINT64_C(216000)

typedef struct ol_chain_config {
    const char *data_dir; /* created if missing; holds chain.db and test.near.json */
    const char *chain_id; /* NULL: "sandbox"; must match the stored chain on reopen */
} ol_chain_config;

/* Opens (or creates with genesis) the chain in cfg->data_dir. A new chain gets the root account
 * test.near with 1,000,000,000 NEAR and a fresh full-access key, written to
 * <data_dir>/test.near.json (near-cli credentials, mode 0600).
 * Returns OL_OK, OL_E_IO (directory or database), OL_E_INVAL (chain id differs from the stored
 * one), OL_E_MALFORMED (the database is not a sandbox chain), OL_E_NOMEM.
 * On OL_OK the caller owns *out; release with ol_chain_close(). */
ol_err ol_chain_open(const ol_chain_config *cfg, ol_chain **out, ol_diag *d);

/* Closes the database and frees the chain; wakes every waiter. NULL is a no-op. */
void ol_chain_close(ol_chain *c);

/* Produces the next block at timestamp ts_ns (nanoseconds since the Unix epoch; a value not
 * above the previous block's is raised to previous + 1): includes the pooled transactions,
 * executes the receipts due, processes yield timeouts, stores outcomes, commits atomically.
 * Returns OL_OK, OL_E_IO (database), OL_E_NOMEM. */
ol_err ol_chain_produce_block(ol_chain *c, uint64_t ts_ns, ol_diag *d);

/* How many recent blocks (the head included) keep a queryable state; 0: archival, every block.
 * Takes effect when the next block is produced; state already pruned does not come back. */
void ol_chain_set_state_history(ol_chain *c, uint64_t blocks);

/* The head block's height. */
uint64_t ol_chain_head_height(ol_chain *c);

/* The chain id (borrowed; valid until ol_chain_close). */
const char *ol_chain_id(const ol_chain *c);

/* Handles one JSON-RPC request body (the pure handler behind the HTTP server). Methods and
 * shapes as nearcore (near-protocol.md §4). Waits for transactions are bounded (10 s, then
 * TIMEOUT_ERROR with HTTP 408). On OL_OK the caller owns *resp (NUL-terminated JSON, free())
 * and *http_status is the status to answer with. Returns OL_OK or OL_E_NOMEM. */
ol_err ol_chain_rpc_handle(ol_chain *c, const char *body, size_t len, char **resp, size_t *resp_len,
                           int *http_status);

/* The RPC server (libmicrohttpd): POST / with a JSON-RPC body; GET /status answers the status
 * result. host is a dotted IPv4 address (e.g. "127.0.0.1"); port 0 picks an ephemeral port.
 * On OL_OK the caller owns *out; release with ol_chain_server_stop() before closing c. */
typedef struct ol_chain_server ol_chain_server;
ol_err ol_chain_server_start(ol_chain *c, const char *host, uint16_t port, ol_chain_server **out,
                             ol_diag *d);
uint16_t ol_chain_server_port(const ol_chain_server *s);
/* NULL is a no-op. */
void ol_chain_server_stop(ol_chain_server *s);

#endif
