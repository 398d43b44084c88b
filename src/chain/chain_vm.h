/* The contract VM of the sandbox chain: NEAR's host-function ABI on our metered engine.
 *
 * This is the boundary between the chain runtime (state, blocks, receipts, RPC) and the VM
 * (contract preparation, host functions, gas). The runtime calls ol_chain_vm_run() once per
 * FunctionCall action of a receipt (or per view call); the VM instantiates the contract, runs the
 * method, and answers with an outcome: the return value, the logs, the gas, the new balance and
 * storage usage, the receipts the contract created and the yields it resumed, or NEAR's error.
 * The engine knows nothing of NEAR; this module is its NEAR embedder. Module-private to
 * src/chain: files of the chain include it as "chain_vm.h".
 *
 * What the runtime owns, and the VM never does
 *   - State. Storage reads and writes go through ol_chain_vm_ext callbacks on the *current*
 *     account. Writes are applied immediately by the runtime; when the outcome is a failure the
 *     runtime rolls back every state change of the receipt (NEAR's rule) and keeps the logs.
 *   - Ids. Receipt ids and data ids are the runtime's. The VM numbers the receipts it creates
 *     0, 1, 2, ... in outcome order (NEAR's ReceiptIndex); dependencies refer to those indices;
 *     the runtime maps them to ids when it turns the outcome into receipts. The one id the
 *     contract sees during execution, the data id of promise_yield_create, comes from the
 *     ext->data_id_new callback.
 *   - Yields. promise_yield_create produces a receipt with is_yield set and its data id; the
 *     runtime registers the pending yield (and its timeout) only if the outcome succeeded.
 *     promise_yield_resume asks ext->yield_exists() and records (data id, payload) in the
 *     outcome; the runtime delivers it (first payload wins) only if the outcome succeeded.
 *
 * Gas (NEAR's GasCounter)
 *   burnt = engine fuel x wasm_regular_op_cost + host-function costs (base, memory, register,
 *   per-byte costs of the parameter table) + contract loading + send fees of created receipts.
 *   used = burnt + gas prepaid to created receipts (their exec fees and attached gas).
 *   A charge that would make used > prepaid_gas fails with GasExceeded; one that would make
 *   burnt > max_gas_burnt (max_gas_burnt_view in views) fails with GasLimitExceeded (preferred
 *   when both). On such a failure burnt is clamped to min(prepaid_gas, max_gas_burnt), exactly
 *   as nearcore's process_gas_limit. The engine's fuel is set from the remaining gas so that a
 *   basic block that would cross the limit does not start. Views are not limited by prepaid
 *   gas, only by max_gas_burnt_view. Unused gas is shared among function calls created with a
 *   gas weight when the method succeeds (then used == prepaid_gas).
 *
 * Thread safety: an ol_chain_vm may run methods on several threads at once (its module cache is
 * locked); each run uses its own engine store.
 */
#ifndef OL_CHAIN_VM_H
#define OL_CHAIN_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/alloc.h"
#include "ol/err.h"
#include "ol/near.h"

/* =========================================================================================
 * The parameter table (vm_gas.c): nearcore's latest runtime config (parameters.snap)
 * ======================================================================================= */

/* An action fee: burnt on the sender when the receipt is created (send_sir when sender is
 * receiver, send_not_sir otherwise) and on the receiver when it executes (execution). */
typedef struct ol_chain_fee {
    uint64_t send_sir;
    uint64_t send_not_sir;
    uint64_t execution;
} ol_chain_fee;

/* X(field, send_sir, send_not_sir, execution) */
#define OL_CHAIN_ACTION_FEE_MAP(X)                                            \
    X(action_receipt_creation, 108059500000, 108059500000, 108059500000)      \
    X(data_receipt_creation_base, 36486732312, 36486732312, 36486732312)      \
    X(data_receipt_creation_per_byte, 17212011, 47683715, 17212011)           \
    X(action_create_account, 3850000000000, 3850000000000, 3850000000000)     \
    X(action_delete_account, 147489000000, 147489000000, 147489000000)        \
    X(action_deploy_contract, 184765750000, 184765750000, 184765750000)       \
    X(action_deploy_contract_per_byte, 6812999, 47683715, 64572944)           \
    X(action_function_call, 200000000000, 200000000000, 780000000000)         \
    X(action_function_call_per_byte, 2235934, 47683715, 2235934)              \
    X(action_transfer, 115123062500, 115123062500, 115123062500)              \
    X(action_stake, 141715687500, 141715687500, 102217625000)                 \
    X(action_add_full_access_key, 101765125000, 101765125000, 101765125000)   \
    X(action_add_function_call_key, 102217625000, 102217625000, 102217625000) \
    X(action_add_function_call_key_per_byte, 1925331, 47683715, 1925331)      \
    X(action_delete_key, 94946625000, 94946625000, 94946625000)               \
    X(action_delegate, 200000000000, 200000000000, 200000000000)

/* Host-function costs. X(NAME, value) — the parameter is wasm_<lowercase name>. */
#define OL_CHAIN_EXT_MAP(X)                     \
    X(BASE, 264768111)                          \
    X(CONTRACT_LOADING_BASE, 35445963)          \
    X(CONTRACT_LOADING_BYTES, 1089295)          \
    X(READ_MEMORY_BASE, 2609863200)             \
    X(READ_MEMORY_BYTE, 3801333)                \
    X(WRITE_MEMORY_BASE, 2803794861)            \
    X(WRITE_MEMORY_BYTE, 2723772)               \
    X(READ_REGISTER_BASE, 2517165186)           \
    X(READ_REGISTER_BYTE, 98562)                \
    X(WRITE_REGISTER_BASE, 2865522486)          \
    X(WRITE_REGISTER_BYTE, 3801564)             \
    X(UTF8_DECODING_BASE, 3111779061)           \
    X(UTF8_DECODING_BYTE, 291580479)            \
    X(UTF16_DECODING_BASE, 3543313050)          \
    X(UTF16_DECODING_BYTE, 163577493)           \
    X(SHA256_BASE, 4540970250)                  \
    X(SHA256_BYTE, 24117351)                    \
    X(KECCAK256_BASE, 5879491275)               \
    X(KECCAK256_BYTE, 21471105)                 \
    X(KECCAK512_BASE, 5811388236)               \
    X(KECCAK512_BYTE, 36649701)                 \
    X(RIPEMD160_BASE, 853675086)                \
    X(RIPEMD160_BLOCK, 680107584)               \
    X(ECRECOVER_BASE, 278821988457)             \
    X(ED25519_VERIFY_BASE, 210000000000)        \
    X(ED25519_VERIFY_BYTE, 9000000)             \
    X(P256_VERIFY_BASE, 1300000000000)          \
    X(P256_VERIFY_BYTE, 13000000)               \
    X(LOG_BASE, 3543313050)                     \
    X(LOG_BYTE, 13198791)                       \
    X(STORAGE_WRITE_BASE, 64196736000)          \
    X(STORAGE_WRITE_KEY_BYTE, 70482867)         \
    X(STORAGE_WRITE_VALUE_BYTE, 31018539)       \
    X(STORAGE_WRITE_EVICTED_BYTE, 32117307)     \
    X(STORAGE_READ_BASE, 56356845749)           \
    X(STORAGE_READ_KEY_BYTE, 30952533)          \
    X(STORAGE_READ_VALUE_BYTE, 5611004)         \
    X(STORAGE_REMOVE_BASE, 53473030500)         \
    X(STORAGE_REMOVE_KEY_BYTE, 38220384)        \
    X(STORAGE_REMOVE_RET_VALUE_BYTE, 11531556)  \
    X(STORAGE_HAS_KEY_BASE, 54039896625)        \
    X(STORAGE_HAS_KEY_BYTE, 30790845)           \
    X(TOUCHING_TRIE_NODE, 2280000000)           \
    X(READ_CACHED_TRIE_NODE, 2280000000)        \
    X(PROMISE_AND_BASE, 1465013400)             \
    X(PROMISE_AND_PER_PROMISE, 5452176)         \
    X(PROMISE_RETURN, 560152386)                \
    X(YIELD_CREATE_BASE, 153411779276)          \
    X(YIELD_CREATE_BYTE, 15643988)              \
    X(YIELD_RESUME_BASE, 1195627285210)         \
    X(YIELD_RESUME_BYTE, 47683715)              \
    X(VALIDATOR_STAKE_BASE, 911834726400)       \
    X(VALIDATOR_TOTAL_STAKE_BASE, 911834726400) \
    X(STORAGE_LARGE_READ_OVERHEAD_BASE, 1)      \
    X(STORAGE_LARGE_READ_OVERHEAD_BYTE, 1)

typedef enum ol_chain_ext {
#define OL_CHAIN_EXT_ENUM(name, v) OL_CHAIN_EXT_##name,
    OL_CHAIN_EXT_MAP(OL_CHAIN_EXT_ENUM)
#undef OL_CHAIN_EXT_ENUM
        OL_CHAIN_EXT_COUNT_
} ol_chain_ext;

typedef struct ol_chain_params {
#define OL_CHAIN_FEE_FIELD(f, a, b, c) ol_chain_fee f;
    OL_CHAIN_ACTION_FEE_MAP(OL_CHAIN_FEE_FIELD)
#undef OL_CHAIN_FEE_FIELD
    uint64_t ext[OL_CHAIN_EXT_COUNT_];
    uint64_t wasm_regular_op_cost;           /* 822,756 per engine fuel unit */
    uint64_t max_gas_burnt;                  /* 10^15 per receipt */
    uint64_t max_gas_burnt_view;             /* 10^15 per view call */
    uint64_t max_total_prepaid_gas;          /* 10^15 per transaction */
    ol_near_u128 storage_amount_per_byte;    /* 10^19 yocto */
    uint64_t storage_num_bytes_account;      /* 100 */
    uint64_t storage_num_extra_bytes_record; /* 40 */
    uint64_t min_gas_price;                  /* 10^8 yocto per gas: the sandbox's fixed price */
    uint64_t max_stack_height;               /* 262,144 */
    uint32_t initial_memory_pages;           /* 1,024: every contract memory is normalised */
    uint32_t max_memory_pages;               /* 2,048 */
    uint64_t registers_memory_limit;         /* 1 GiB */
    uint64_t max_register_size;              /* 100 MiB */
    uint64_t max_number_registers;           /* 100 */
    uint64_t max_number_logs;                /* 100 */
    uint64_t max_total_log_length;           /* 16,384 */
    uint64_t max_actions_per_receipt;        /* 100 */
    uint64_t max_number_bytes_method_names;  /* 2,000 */
    uint64_t max_length_method_name;         /* 256 */
    uint64_t max_arguments_length;           /* 4 MiB */
    uint64_t max_length_returned_data;       /* 4 MiB */
    uint64_t max_contract_size;              /* 4 MiB */
    uint64_t max_transaction_size;           /* 1,572,864 */
    uint64_t max_receipt_size;               /* 4 MiB */
    uint64_t max_length_storage_key;         /* 2,048 */
    uint64_t max_length_storage_value;       /* 4 MiB */
    uint64_t max_promises_per_function_call_action; /* 1,024 */
    uint64_t max_number_input_data_dependencies;    /* 128 */
    uint64_t max_functions_number_per_contract;     /* 10,000 */
    uint64_t max_locals_per_contract;               /* 1,000,000 */
    uint64_t max_tables_per_contract;               /* 1 */
    uint64_t max_elements_per_contract_table;       /* 10,000 */
    uint64_t max_function_body_size;                /* 196,608 */
    uint64_t yield_timeout_length_in_blocks;        /* 200 */
    uint64_t max_yield_payload_size;                /* 1,024 */
} ol_chain_params;

/* The table above. Static; never NULL. */
const ol_chain_params *ol_chain_params_default(void);

/* fee->send_sir or fee->send_not_sir. */
uint64_t ol_chain_fee_send(const ol_chain_fee *fee, bool sender_is_receiver);

/* The send and execution fees of one action sent to receiver_id, as nearcore's
 * total_send_fees / exec_fee: base + per-byte parts (FunctionCall: method name + args bytes;
 * DeployContract: code bytes; AddKey with a function-call permission: sum over method names of
 * (len + 1)); Transfer to a NEAR-implicit account adds create_account + add_full_access_key, to
 * an ETH-implicit account create_account. For a Delegate action only the action_delegate fee
 * itself is returned (the inner actions are the runtime's to add). Does not include
 * action_receipt_creation. Returns OL_OK or OL_E_RANGE on overflow. */
ol_err ol_chain_action_fees(const ol_chain_params *p, const ol_near_action *act,
                            const char *receiver_id, size_t receiver_len, bool sender_is_receiver,
                            uint64_t *send, uint64_t *exec, ol_diag *d);

/* =========================================================================================
 * Errors (NEAR's FunctionCallError, exactly)
 * ======================================================================================= */

typedef enum ol_chain_vm_error_kind {
    OL_CHAIN_VM_OK = 0,
    OL_CHAIN_VM_ERR_COMPILATION,    /* CompilationError(PrepareError(..)) / CodeDoesNotExist */
    OL_CHAIN_VM_ERR_LINK,           /* LinkError { msg } */
    OL_CHAIN_VM_ERR_METHOD_RESOLVE, /* MethodResolveError(MethodNotFound | ...) */
    OL_CHAIN_VM_ERR_WASM_TRAP,      /* WasmTrap(..) */
    OL_CHAIN_VM_ERR_HOST,           /* HostError(..) */
} ol_chain_vm_error_kind;

/* A contract failure. The three strings are ready to use:
 *   name     the innermost variant: "GuestPanic", "GasExceeded", "MethodNotFound",
 *            "PrepareError", "LinkError", "Unreachable", ...
 *   display  nearcore's Display text, which is what an outcome shows as
 *            {"ExecutionError": display} for WasmTrap and HostError, e.g.
 *            "Smart contract panicked: boom", "Exceeded the prepaid gas.",
 *            "WebAssembly trap: An `unreachable` opcode was executed."
 *   json     the FunctionCallError as RPC shows it inside
 *            {"ActionError":{"index":i,"kind":{"FunctionCallError": json}}}:
 *            {"ExecutionError":"..."} | {"MethodResolveError":"MethodNotFound"} |
 *            {"CompilationError":{"PrepareError":"Deserialization"}} |
 *            {"CompilationError":{"CodeDoesNotExist":{"account_id":"a.near"}}} |
 *            {"LinkError":{"msg":"..."}}
 *   debug    Rust's Debug of the FunctionCallError, used by view-call errors ("wasm execution
 *            failed with error: " + debug), e.g. HostError(GuestPanic { panic_msg: "boom" }),
 *            MethodResolveError(MethodNotFound), HostError(ProhibitedInView { method_name:
 *            "storage_write" }). */
typedef struct ol_chain_vm_error {
    ol_chain_vm_error_kind kind;
    const char *name; /* static */
    char *display;    /* owned by the outcome */
    char *json;       /* owned by the outcome */
    char *debug;      /* owned by the outcome */
} ol_chain_vm_error;

/* =========================================================================================
 * Inputs
 * ======================================================================================= */

typedef enum ol_chain_promise_status {
    OL_CHAIN_PROMISE_NOT_READY = 0,
    OL_CHAIN_PROMISE_SUCCESSFUL = 1,
    OL_CHAIN_PROMISE_FAILED = 2,
} ol_chain_promise_status;

/* One input of a callback (a data receipt): status and, for SUCCESSFUL, the data. */
typedef struct ol_chain_promise_result {
    ol_chain_promise_status status;
    const uint8_t *data; /* may be NULL when len == 0 */
    size_t len;
} ol_chain_promise_result;

/* Everything a method sees about the world. All pointers are borrowed for the call. */
typedef struct ol_chain_vm_context {
    ol_near_str current_account_id;
    ol_near_str signer_account_id;
    ol_near_public_key signer_account_pk;
    ol_near_str predecessor_account_id;
    ol_near_str refund_to_account_id; /* {NULL,0}: the predecessor */
    ol_near_str chain_id;             /* e.g. "sandbox" */
    const uint8_t *input;             /* the call's arguments */
    size_t input_len;
    uint64_t block_height;
    uint64_t block_timestamp; /* ns since the Unix epoch */
    uint64_t epoch_height;
    ol_near_u128 account_balance; /* already including attached_deposit, as nearcore does */
    ol_near_u128 account_locked_balance;
    uint64_t storage_usage;
    ol_near_u128 attached_deposit;
    uint64_t prepaid_gas; /* the FunctionCall action's gas; ignored for views */
    uint8_t random_seed[32];
    bool is_view;
    const ol_chain_promise_result *promise_results; /* n_promise_results entries */
    size_t n_promise_results;
    uint8_t code_hash[OL_NEAR_HASH_LEN]; /* sha256 of the contract code (current_contract_code) */
    /* Accounts that receive this receipt's result as data (value_return pays the data receipt
     * bytes for each, as nearcore does). */
    const ol_near_str *output_data_receivers;
    size_t n_output_data_receivers;
} ol_chain_vm_context;

/* External state: callbacks into the runtime. Every callback returns OL_OK, or an error that
 * aborts the run as a runtime failure (ol_chain_vm_run returns it; not a contract error). */
typedef struct ol_chain_vm_ext {
    void *ud;
    /* Looks up key in the current account's storage. On *found the value is borrowed until the
     * next callback. */
    ol_err (*storage_get)(void *ud, const uint8_t *key, size_t key_len, bool *found,
                          const uint8_t **value, size_t *value_len);
    ol_err (*storage_set)(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value,
                          size_t value_len);
    ol_err (*storage_remove)(void *ud, const uint8_t *key, size_t key_len);
    ol_err (*storage_has)(void *ud, const uint8_t *key, size_t key_len, bool *found);
    /* A fresh data id for promise_yield_create (the runtime's id scheme). */
    ol_err (*data_id_new)(void *ud, uint8_t out[OL_NEAR_HASH_LEN]);
    /* Whether a yield with this data id, created by the current account, is still pending. */
    ol_err (*yield_exists)(void *ud, const uint8_t data_id[OL_NEAR_HASH_LEN], bool *found);
} ol_chain_vm_ext;

/* =========================================================================================
 * Outputs
 * ======================================================================================= */

/* A receipt created by the method (promise_create / promise_then / promise_batch_* /
 * promise_yield_create). Receipt i of the outcome is NEAR's ReceiptIndex i. */
typedef struct ol_chain_vm_receipt {
    ol_near_str receiver_id;
    /* Indices of earlier receipts of this outcome whose results this one receives as its
     * input data, in order (promise_then on a promise_and gives several). */
    const uint64_t *deps;
    size_t n_deps;
    /* Actions, with gas weights already applied to function calls' gas. Every variant
     * 0..7 may appear; strings and bytes are owned by the outcome. */
    const ol_near_action *actions;
    size_t n_actions;
    /* promise_yield_create: the callback receipt waits for data id yield_data_id (resumed or
     * timed out by the runtime), and has no deps. */
    bool is_yield;
    uint8_t yield_data_id[OL_NEAR_HASH_LEN];
} ol_chain_vm_receipt;

/* A successful promise_yield_resume: deliver payload to the yield data_id. */
typedef struct ol_chain_vm_resume {
    uint8_t data_id[OL_NEAR_HASH_LEN];
    const uint8_t *payload;
    size_t len;
} ol_chain_vm_resume;

typedef enum ol_chain_vm_return_kind {
    OL_CHAIN_VM_RETURN_NONE = 0,    /* ReturnData::None: SuccessValue("") */
    OL_CHAIN_VM_RETURN_VALUE = 1,   /* value_return: SuccessValue(bytes) */
    OL_CHAIN_VM_RETURN_RECEIPT = 2, /* promise_return: SuccessReceiptId of receipt index */
} ol_chain_vm_return_kind;

/* What ol_chain_vm_run answers. On failure (error.kind != OK) logs, gas and the error are
 * meaningful; receipts and resumes are empty; return is NONE; balance and storage_usage are
 * those of the context (state changes are to be rolled back). */
typedef struct ol_chain_vm_outcome {
    ol_chain_vm_error error;
    ol_chain_vm_return_kind return_kind;
    const uint8_t *return_data; /* VALUE */
    size_t return_len;
    uint64_t return_receipt; /* RECEIPT: index into receipts */
    char **logs;             /* n_logs NUL-terminated UTF-8 lines, kept on failure */
    size_t n_logs;
    uint64_t burnt_gas;
    uint64_t used_gas;    /* burnt + prepaid to created receipts */
    ol_near_u128 balance; /* the account's balance after deposits attached to promises */
    uint64_t storage_usage;
    ol_chain_vm_receipt *receipts;
    size_t n_receipts;
    ol_chain_vm_resume *resumes;
    size_t n_resumes;
    /* internal: the allocation arena of the outcome */
    void *arena_;
} ol_chain_vm_outcome;

/* Frees everything the outcome owns; the struct may be reused. Zeroed outcome: no-op. */
void ol_chain_vm_outcome_fini(ol_chain_vm_outcome *o);

/* =========================================================================================
 * The VM
 * ======================================================================================= */

typedef struct ol_chain_vm ol_chain_vm;

typedef struct ol_chain_vm_config {
    const ol_chain_params *params; /* NULL: ol_chain_params_default() */
    const ol_allocator *alloc;     /* NULL: default */
    size_t cache_capacity;         /* prepared modules kept; 0: 64 */
} ol_chain_vm_config;

/* On OL_OK the caller owns *out; release with ol_chain_vm_free(). cfg may be NULL. */
ol_err ol_chain_vm_new(const ol_chain_vm_config *cfg, ol_chain_vm **out, ol_diag *d);
void ol_chain_vm_free(ol_chain_vm *vm);
const ol_chain_params *ol_chain_vm_params(const ol_chain_vm *vm);

/* Prepares code as NEAR does before running it (imports only from "env" and only host functions
 * this VM provides, with their signatures; memory defined by the contract; the accepted wasm
 * features; size and count limits) and caches the result by sha256(code). The runtime may call
 * it on DeployContract to refuse a contract early. Returns OL_OK with err->kind == OK, or OL_OK
 * with err filled (COMPILATION or LINK, strings owned by the caller: free with
 * ol_chain_vm_error_fini), or a runtime error (OL_E_NOMEM). */
ol_err ol_chain_vm_check_code(ol_chain_vm *vm, const uint8_t *code, size_t code_len,
                              ol_chain_vm_error *err, ol_diag *d);
void ol_chain_vm_error_fini(ol_chain_vm_error *err);

/* Runs method_name of the contract `code` (code_len bytes; NULL/0: the account has no contract,
 * giving CompilationError(CodeDoesNotExist)). ctx->code_hash must be sha256(code) and keys the
 * prepared-module cache. Returns OL_OK with *out filled — a contract failure is an OL_OK run
 * whose out->error.kind != OK — or a runtime error (a callback's error, OL_E_NOMEM), in which
 * case *out is zeroed. On OL_OK the caller owns *out; release with
 * ol_chain_vm_outcome_fini(). */
ol_err ol_chain_vm_run(ol_chain_vm *vm, const uint8_t *code, size_t code_len,
                       const char *method_name, size_t method_len, const ol_chain_vm_context *ctx,
                       const ol_chain_vm_ext *ext, ol_chain_vm_outcome *out, ol_diag *d);

/* =========================================================================================
 * Internal (src/chain/vm_*.c only)
 * ======================================================================================= */

/* Keccak-256 / Keccak-512 (the original Keccak padding, as Ethereum and NEAR), RIPEMD-160. */
void ol__chain_keccak256(const uint8_t *p, size_t len, uint8_t out[32]);
void ol__chain_keccak512(const uint8_t *p, size_t len, uint8_t out[64]);
void ol__chain_ripemd160(const uint8_t *p, size_t len, uint8_t out[20]);

#endif
