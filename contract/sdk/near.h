/* NEAR host functions: every import a contract may use, module "env", as nearcore's imports.rs
 * and near-sys declare them (near-protocol.md §1).
 *
 * ABI: every pointer, length, register id, gas amount and index is a u64 (wasm i64) even on
 * wasm32, so pass pointers as NEAR_PTR(p). u128 amounts live in wasm memory as 16 bytes little
 * endian and are passed by pointer. "PIV" marks functions prohibited in view calls
 * (HostError::ProhibitedInView). For most (len, ptr) inputs, len == UINT64_MAX means "the bytes of
 * register ptr"; for log_utf8/panic_utf8 it means a NUL-terminated string at ptr.
 *
 * Declarations carry explicit import_module/import_name attributes so that wasm-ld imports them
 * from "env" without --allow-undefined: anything else left undefined (a forgotten memcpy, a
 * compiler-rt helper) stays a link error instead of becoming an "env" import that the chain
 * rejects at deploy time. Only the functions a contract calls end up in its import section.
 *
 * The BLS12-381 and alt_bn128 families are declared for completeness; a chain that does not
 * provide them refuses a contract importing them at deploy time (LinkError naming the import). */
#ifndef NEAR_H
#define NEAR_H

#include <stdint.h>

#define NEAR_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* A pointer as the u64 the host ABI takes. */
#define NEAR_PTR(p) ((uint64_t)(uintptr_t)(p))

/* ---- §1.1 registers ---- */
NEAR_IMPORT(read_register) void read_register(uint64_t register_id, uint64_t ptr);
/* UINT64_MAX when the register was never written. */
NEAR_IMPORT(register_len) uint64_t register_len(uint64_t register_id);
NEAR_IMPORT(write_register)
void write_register(uint64_t register_id, uint64_t data_len, uint64_t data_ptr);

/* ---- §1.2 context ---- */
NEAR_IMPORT(current_account_id) void current_account_id(uint64_t register_id);
NEAR_IMPORT(signer_account_id) void signer_account_id(uint64_t register_id); /* PIV */
NEAR_IMPORT(signer_account_pk) void signer_account_pk(uint64_t register_id); /* PIV, borsh key */
NEAR_IMPORT(predecessor_account_id) void predecessor_account_id(uint64_t register_id); /* PIV */
NEAR_IMPORT(input) void input(uint64_t register_id);
NEAR_IMPORT(block_index) uint64_t block_index(void);
NEAR_IMPORT(block_timestamp) uint64_t block_timestamp(void); /* ns since the Unix epoch */
NEAR_IMPORT(epoch_height) uint64_t epoch_height(void);
NEAR_IMPORT(storage_usage) uint64_t storage_usage(void); /* bytes, updated live */

/* ---- §1.3 economics (u128 out-parameters) ---- */
NEAR_IMPORT(account_balance) void account_balance(uint64_t balance_ptr);
NEAR_IMPORT(account_locked_balance) void account_locked_balance(uint64_t balance_ptr);
NEAR_IMPORT(attached_deposit) void attached_deposit(uint64_t balance_ptr);
NEAR_IMPORT(prepaid_gas) uint64_t prepaid_gas(void); /* PIV */
NEAR_IMPORT(used_gas) uint64_t used_gas(void);       /* PIV */

/* ---- §1.4 math and crypto ---- */
NEAR_IMPORT(random_seed) void random_seed(uint64_t register_id); /* 32 bytes */
NEAR_IMPORT(sha256) void sha256(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(keccak256) void keccak256(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(keccak512) void keccak512(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(ripemd160) void ripemd160(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
/* 1 and the 64-byte public key in the register, or 0. */
NEAR_IMPORT(ecrecover)
uint64_t ecrecover(uint64_t hash_len, uint64_t hash_ptr, uint64_t sig_len, uint64_t sig_ptr,
                   uint64_t v, uint64_t malleability_flag, uint64_t register_id);
/* 1 valid, 0 invalid. Raw 64-byte signature and 32-byte key; NEAR signs sha256(message). */
NEAR_IMPORT(ed25519_verify)
uint64_t ed25519_verify(uint64_t sig_len, uint64_t sig_ptr, uint64_t msg_len, uint64_t msg_ptr,
                        uint64_t pub_key_len, uint64_t pub_key_ptr);
NEAR_IMPORT(alt_bn128_g1_multiexp)
void alt_bn128_g1_multiexp(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(alt_bn128_g1_sum)
void alt_bn128_g1_sum(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(alt_bn128_pairing_check)
uint64_t alt_bn128_pairing_check(uint64_t value_len, uint64_t value_ptr);
NEAR_IMPORT(bls12381_p1_sum)
uint64_t bls12381_p1_sum(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(bls12381_p2_sum)
uint64_t bls12381_p2_sum(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(bls12381_g1_multiexp)
uint64_t bls12381_g1_multiexp(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(bls12381_g2_multiexp)
uint64_t bls12381_g2_multiexp(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(bls12381_map_fp_to_g1)
uint64_t bls12381_map_fp_to_g1(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(bls12381_map_fp2_to_g2)
uint64_t bls12381_map_fp2_to_g2(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(bls12381_pairing_check)
uint64_t bls12381_pairing_check(uint64_t value_len, uint64_t value_ptr);
NEAR_IMPORT(bls12381_p1_decompress)
uint64_t bls12381_p1_decompress(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);
NEAR_IMPORT(bls12381_p2_decompress)
uint64_t bls12381_p2_decompress(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);

/* ---- §1.5 return value, logs, panics ---- */
NEAR_IMPORT(value_return) void value_return(uint64_t value_len, uint64_t value_ptr);
NEAR_IMPORT(panic) _Noreturn void panic(void); /* "explicit guest panic" */
NEAR_IMPORT(panic_utf8) _Noreturn void panic_utf8(uint64_t len, uint64_t ptr);
NEAR_IMPORT(log_utf8) void log_utf8(uint64_t len, uint64_t ptr);
NEAR_IMPORT(log_utf16) void log_utf16(uint64_t len, uint64_t ptr);
/* AssemblyScript's abort (i32 arguments). The C name differs from the import name because
 * `abort` is a C library function with another signature. */
__attribute__((import_module("env"), import_name("abort"))) _Noreturn void
near_host_abort(uint32_t msg_ptr, uint32_t filename_ptr, uint32_t line, uint32_t col);

/* ---- §1.6 promises (all PIV) ---- */
NEAR_IMPORT(promise_create)
uint64_t promise_create(uint64_t account_id_len, uint64_t account_id_ptr,
                        uint64_t function_name_len, uint64_t function_name_ptr,
                        uint64_t arguments_len, uint64_t arguments_ptr, uint64_t amount_ptr,
                        uint64_t gas);
NEAR_IMPORT(promise_then)
uint64_t promise_then(uint64_t promise_index, uint64_t account_id_len, uint64_t account_id_ptr,
                      uint64_t function_name_len, uint64_t function_name_ptr,
                      uint64_t arguments_len, uint64_t arguments_ptr, uint64_t amount_ptr,
                      uint64_t gas);
/* promise_idx_ptr: an array of promise_idx_count u64 indices. */
NEAR_IMPORT(promise_and) uint64_t promise_and(uint64_t promise_idx_ptr, uint64_t promise_idx_count);
NEAR_IMPORT(promise_batch_create)
uint64_t promise_batch_create(uint64_t account_id_len, uint64_t account_id_ptr);
NEAR_IMPORT(promise_batch_then)
uint64_t promise_batch_then(uint64_t promise_index, uint64_t account_id_len,
                            uint64_t account_id_ptr);
NEAR_IMPORT(promise_batch_action_create_account)
void promise_batch_action_create_account(uint64_t promise_index);
NEAR_IMPORT(promise_batch_action_deploy_contract)
void promise_batch_action_deploy_contract(uint64_t promise_index, uint64_t code_len,
                                          uint64_t code_ptr);
NEAR_IMPORT(promise_batch_action_function_call)
void promise_batch_action_function_call(uint64_t promise_index, uint64_t function_name_len,
                                        uint64_t function_name_ptr, uint64_t arguments_len,
                                        uint64_t arguments_ptr, uint64_t amount_ptr, uint64_t gas);
NEAR_IMPORT(promise_batch_action_function_call_weight)
void promise_batch_action_function_call_weight(uint64_t promise_index, uint64_t function_name_len,
                                               uint64_t function_name_ptr, uint64_t arguments_len,
                                               uint64_t arguments_ptr, uint64_t amount_ptr,
                                               uint64_t gas, uint64_t gas_weight);
NEAR_IMPORT(promise_batch_action_transfer)
void promise_batch_action_transfer(uint64_t promise_index, uint64_t amount_ptr);
NEAR_IMPORT(promise_batch_action_stake)
void promise_batch_action_stake(uint64_t promise_index, uint64_t amount_ptr,
                                uint64_t public_key_len, uint64_t public_key_ptr);
/* Public keys are borsh PublicKey bytes (0x00 ‖ 32 for ed25519). */
NEAR_IMPORT(promise_batch_action_add_key_with_full_access)
void promise_batch_action_add_key_with_full_access(uint64_t promise_index, uint64_t public_key_len,
                                                   uint64_t public_key_ptr, uint64_t nonce);
/* function_names: one comma-separated string; an allowance of 0 means unlimited. */
NEAR_IMPORT(promise_batch_action_add_key_with_function_call)
void promise_batch_action_add_key_with_function_call(
    uint64_t promise_index, uint64_t public_key_len, uint64_t public_key_ptr, uint64_t nonce,
    uint64_t allowance_ptr, uint64_t receiver_id_len, uint64_t receiver_id_ptr,
    uint64_t function_names_len, uint64_t function_names_ptr);
NEAR_IMPORT(promise_batch_action_delete_key)
void promise_batch_action_delete_key(uint64_t promise_index, uint64_t public_key_len,
                                     uint64_t public_key_ptr);
NEAR_IMPORT(promise_batch_action_delete_account)
void promise_batch_action_delete_account(uint64_t promise_index, uint64_t beneficiary_id_len,
                                         uint64_t beneficiary_id_ptr);
NEAR_IMPORT(promise_results_count) uint64_t promise_results_count(void);
/* 0 NotReady, 1 Successful (value in the register), 2 Failed. */
NEAR_IMPORT(promise_result) uint64_t promise_result(uint64_t result_idx, uint64_t register_id);
NEAR_IMPORT(promise_return) void promise_return(uint64_t promise_idx);

/* ---- §1.7 yield / resume (NEP-519; PIV) ---- */
/* Schedules `function_name(arguments)` on this account, resumed by promise_yield_resume or failed
 * after 200 blocks; writes the 32-byte data id to register_id; returns a promise index. */
NEAR_IMPORT(promise_yield_create)
uint64_t promise_yield_create(uint64_t function_name_len, uint64_t function_name_ptr,
                              uint64_t arguments_len, uint64_t arguments_ptr, uint64_t gas,
                              uint64_t gas_weight, uint64_t register_id);
/* 1 if a pending yield with that data id exists (its callback gets the first payload), else 0. */
NEAR_IMPORT(promise_yield_resume)
uint32_t promise_yield_resume(uint64_t data_id_len, uint64_t data_id_ptr, uint64_t payload_len,
                              uint64_t payload_ptr);

/* ---- §1.8 storage ---- */
/* PIV. 1 if a value was replaced (the old value goes to register_id), else 0. */
NEAR_IMPORT(storage_write)
uint64_t storage_write(uint64_t key_len, uint64_t key_ptr, uint64_t value_len, uint64_t value_ptr,
                       uint64_t register_id);
NEAR_IMPORT(storage_read)
uint64_t storage_read(uint64_t key_len, uint64_t key_ptr, uint64_t register_id);
NEAR_IMPORT(storage_remove) /* PIV */
uint64_t storage_remove(uint64_t key_len, uint64_t key_ptr, uint64_t register_id);
NEAR_IMPORT(storage_has_key) uint64_t storage_has_key(uint64_t key_len, uint64_t key_ptr);

/* Deprecated: nearcore answers every call with HostError::Deprecated. */
NEAR_IMPORT(storage_iter_prefix)
uint64_t storage_iter_prefix(uint64_t prefix_len, uint64_t prefix_ptr);
NEAR_IMPORT(storage_iter_range)
uint64_t storage_iter_range(uint64_t start_len, uint64_t start_ptr, uint64_t end_len,
                            uint64_t end_ptr);
NEAR_IMPORT(storage_iter_next)
uint64_t storage_iter_next(uint64_t iterator_id, uint64_t key_register_id,
                           uint64_t value_register_id);

/* ---- §1.9 validators ---- */
NEAR_IMPORT(validator_stake)
void validator_stake(uint64_t account_id_len, uint64_t account_id_ptr, uint64_t stake_ptr);
NEAR_IMPORT(validator_total_stake) void validator_total_stake(uint64_t stake_ptr);

/* ---- legacy and newer protocol versions: import only what the target chain provides ---- */
NEAR_IMPORT(gas) void gas(uint32_t opcodes); /* legacy: burns opcodes × regular_op_cost */
NEAR_IMPORT(chain_id) void chain_id(uint64_t register_id); /* PV85+ */
NEAR_IMPORT(current_contract_code) uint64_t current_contract_code(uint64_t register_id);
NEAR_IMPORT(refund_to_account_id) void refund_to_account_id(uint64_t register_id); /* PIV */
NEAR_IMPORT(p256_verify)
uint64_t p256_verify(uint64_t sig_len, uint64_t sig_ptr, uint64_t msg_len, uint64_t msg_ptr,
                     uint64_t pub_key_len, uint64_t pub_key_ptr);
NEAR_IMPORT(promise_set_refund_to)
void promise_set_refund_to(uint64_t promise_index, uint64_t account_id_len,
                           uint64_t account_id_ptr);

#endif
