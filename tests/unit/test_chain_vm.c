/* The sandbox chain's contract VM (src/chain/vm_*.c): host functions, errors, gas, preparation,
 * Keccak/RIPEMD-160 vectors. Test contracts are WAT (in the comments) assembled with wat2wasm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chain_vm.h"
#include "test.h"

/*
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "log_utf8" (func $log_utf8 (param i64 i64)))
  (import "env" "panic_utf8" (func $panic_utf8 (param i64 i64)))
  (import "env" "storage_write" (func $storage_write (param i64 i64 i64 i64 i64) (result i64)))
  (import "env" "storage_read" (func $storage_read (param i64 i64 i64) (result i64)))
  (import "env" "sha256" (func $sha256 (param i64 i64 i64)))
  (import "env" "keccak256" (func $keccak256 (param i64 i64 i64)))
  (import "env" "ripemd160" (func $ripemd160 (param i64 i64 i64)))
  (import "env" "signer_account_id" (func $signer (param i64)))
  (import "env" "promise_batch_create" (func $pbc (param i64 i64) (result i64)))
  (import "env" "promise_batch_action_transfer" (func $pbt (param i64 i64)))
  (import "env" "promise_yield_create" (func $pyc (param i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_yield_resume" (func $pyr (param i64 i64 i64 i64) (result i32)))
  (memory 1)
  (data (i32.const 0) "hello")
  (data (i32.const 16) "key")
  (data (i32.const 32) "bob.near")
  (data (i32.const 48) "\0a")
  (data (i32.const 64) "cb")
  (data (i32.const 80) "\ff")
  (func (export "noop"))
  (func (export "echo") (call $input (i64.const 0)) (call $value_return (i64.const -1) (i64.const
0))) (func (export "log_panic") (call $log_utf8 (i64.const 5) (i64.const 0)) (call $panic_utf8
(i64.const 5) (i64.const 0))) (func (export "write") (drop (call $storage_write (i64.const 3)
(i64.const 16) (i64.const 5) (i64.const 0) (i64.const 1)))) (func (export "read") (if (i32.wrap_i64
(call $storage_read (i64.const 3) (i64.const 16) (i64.const 2))) (then (call $value_return
(i64.const -1) (i64.const 2))))) (func (export "sha") (call $input (i64.const 0)) (call $sha256
(i64.const -1) (i64.const 0) (i64.const 1)) (call $value_return (i64.const -1) (i64.const 1))) (func
(export "keccak") (call $input (i64.const 0)) (call $keccak256 (i64.const -1) (i64.const 0)
(i64.const 1)) (call $value_return (i64.const -1) (i64.const 1))) (func (export "ripemd") (call
$input (i64.const 0)) (call $ripemd160 (i64.const -1) (i64.const 0) (i64.const 1)) (call
$value_return (i64.const -1) (i64.const 1))) (func (export "bad_reg") (call $read_register
(i64.const 7) (i64.const 0))) (func (export "oob") (call $log_utf8 (i64.const 10) (i64.const
268435456))) (func (export "bad_utf8") (call $log_utf8 (i64.const 1) (i64.const 80))) (func (export
"signer") (call $signer (i64.const 0))) (func (export "spin") (loop $l (br $l))) (func (export
"transfer") (call $pbt (call $pbc (i64.const 8) (i64.const 32)) (i64.const 48))) (func (export
"yield") (drop (call $pyc (i64.const 2) (i64.const 64) (i64.const 0) (i64.const 0) (i64.const
1000000000000) (i64.const 0) (i64.const 3))) (call $value_return (i64.const -1) (i64.const 3)))
  (func (export "resume")
    (call $input (i64.const 0))
    (drop (call $pyr (i64.const -1) (i64.const 0) (i64.const 5) (i64.const 0))))
  (func (export "sig") (param i32))
  (func (export "trap") unreachable)
)
*/
static const uint8_t wasm_main[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x40, 0x0a, 0x60, 0x01, 0x7e, 0x00, 0x60,
    0x02, 0x7e, 0x7e, 0x00, 0x60, 0x05, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x01, 0x7e, 0x60, 0x03, 0x7e,
    0x7e, 0x7e, 0x01, 0x7e, 0x60, 0x03, 0x7e, 0x7e, 0x7e, 0x00, 0x60, 0x02, 0x7e, 0x7e, 0x01, 0x7e,
    0x60, 0x07, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x01, 0x7e, 0x60, 0x04, 0x7e, 0x7e, 0x7e,
    0x7e, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x02, 0xb5, 0x02, 0x0f, 0x03, 0x65,
    0x6e, 0x76, 0x05, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x0d, 0x72,
    0x65, 0x61, 0x64, 0x5f, 0x72, 0x65, 0x67, 0x69, 0x73, 0x74, 0x65, 0x72, 0x00, 0x01, 0x03, 0x65,
    0x6e, 0x76, 0x0c, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x5f, 0x72, 0x65, 0x74, 0x75, 0x72, 0x6e, 0x00,
    0x01, 0x03, 0x65, 0x6e, 0x76, 0x08, 0x6c, 0x6f, 0x67, 0x5f, 0x75, 0x74, 0x66, 0x38, 0x00, 0x01,
    0x03, 0x65, 0x6e, 0x76, 0x0a, 0x70, 0x61, 0x6e, 0x69, 0x63, 0x5f, 0x75, 0x74, 0x66, 0x38, 0x00,
    0x01, 0x03, 0x65, 0x6e, 0x76, 0x0d, 0x73, 0x74, 0x6f, 0x72, 0x61, 0x67, 0x65, 0x5f, 0x77, 0x72,
    0x69, 0x74, 0x65, 0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x0c, 0x73, 0x74, 0x6f, 0x72, 0x61, 0x67,
    0x65, 0x5f, 0x72, 0x65, 0x61, 0x64, 0x00, 0x03, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x73, 0x68, 0x61,
    0x32, 0x35, 0x36, 0x00, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x09, 0x6b, 0x65, 0x63, 0x63, 0x61, 0x6b,
    0x32, 0x35, 0x36, 0x00, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x09, 0x72, 0x69, 0x70, 0x65, 0x6d, 0x64,
    0x31, 0x36, 0x30, 0x00, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x11, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72,
    0x5f, 0x61, 0x63, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x5f, 0x69, 0x64, 0x00, 0x00, 0x03, 0x65, 0x6e,
    0x76, 0x14, 0x70, 0x72, 0x6f, 0x6d, 0x69, 0x73, 0x65, 0x5f, 0x62, 0x61, 0x74, 0x63, 0x68, 0x5f,
    0x63, 0x72, 0x65, 0x61, 0x74, 0x65, 0x00, 0x05, 0x03, 0x65, 0x6e, 0x76, 0x1d, 0x70, 0x72, 0x6f,
    0x6d, 0x69, 0x73, 0x65, 0x5f, 0x62, 0x61, 0x74, 0x63, 0x68, 0x5f, 0x61, 0x63, 0x74, 0x69, 0x6f,
    0x6e, 0x5f, 0x74, 0x72, 0x61, 0x6e, 0x73, 0x66, 0x65, 0x72, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76,
    0x14, 0x70, 0x72, 0x6f, 0x6d, 0x69, 0x73, 0x65, 0x5f, 0x79, 0x69, 0x65, 0x6c, 0x64, 0x5f, 0x63,
    0x72, 0x65, 0x61, 0x74, 0x65, 0x00, 0x06, 0x03, 0x65, 0x6e, 0x76, 0x14, 0x70, 0x72, 0x6f, 0x6d,
    0x69, 0x73, 0x65, 0x5f, 0x79, 0x69, 0x65, 0x6c, 0x64, 0x5f, 0x72, 0x65, 0x73, 0x75, 0x6d, 0x65,
    0x00, 0x07, 0x03, 0x13, 0x12, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
    0x08, 0x08, 0x08, 0x08, 0x08, 0x09, 0x08, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x96, 0x01, 0x12,
    0x04, 0x6e, 0x6f, 0x6f, 0x70, 0x00, 0x0f, 0x04, 0x65, 0x63, 0x68, 0x6f, 0x00, 0x10, 0x09, 0x6c,
    0x6f, 0x67, 0x5f, 0x70, 0x61, 0x6e, 0x69, 0x63, 0x00, 0x11, 0x05, 0x77, 0x72, 0x69, 0x74, 0x65,
    0x00, 0x12, 0x04, 0x72, 0x65, 0x61, 0x64, 0x00, 0x13, 0x03, 0x73, 0x68, 0x61, 0x00, 0x14, 0x06,
    0x6b, 0x65, 0x63, 0x63, 0x61, 0x6b, 0x00, 0x15, 0x06, 0x72, 0x69, 0x70, 0x65, 0x6d, 0x64, 0x00,
    0x16, 0x07, 0x62, 0x61, 0x64, 0x5f, 0x72, 0x65, 0x67, 0x00, 0x17, 0x03, 0x6f, 0x6f, 0x62, 0x00,
    0x18, 0x08, 0x62, 0x61, 0x64, 0x5f, 0x75, 0x74, 0x66, 0x38, 0x00, 0x19, 0x06, 0x73, 0x69, 0x67,
    0x6e, 0x65, 0x72, 0x00, 0x1a, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x1b, 0x08, 0x74, 0x72, 0x61,
    0x6e, 0x73, 0x66, 0x65, 0x72, 0x00, 0x1c, 0x05, 0x79, 0x69, 0x65, 0x6c, 0x64, 0x00, 0x1d, 0x06,
    0x72, 0x65, 0x73, 0x75, 0x6d, 0x65, 0x00, 0x1e, 0x03, 0x73, 0x69, 0x67, 0x00, 0x1f, 0x04, 0x74,
    0x72, 0x61, 0x70, 0x00, 0x20, 0x0a, 0xf9, 0x01, 0x12, 0x02, 0x00, 0x0b, 0x0c, 0x00, 0x42, 0x00,
    0x10, 0x00, 0x42, 0x7f, 0x42, 0x00, 0x10, 0x02, 0x0b, 0x0e, 0x00, 0x42, 0x05, 0x42, 0x00, 0x10,
    0x03, 0x42, 0x05, 0x42, 0x00, 0x10, 0x04, 0x0b, 0x0f, 0x00, 0x42, 0x03, 0x42, 0x10, 0x42, 0x05,
    0x42, 0x00, 0x42, 0x01, 0x10, 0x05, 0x1a, 0x0b, 0x14, 0x00, 0x42, 0x03, 0x42, 0x10, 0x42, 0x02,
    0x10, 0x06, 0xa7, 0x04, 0x40, 0x42, 0x7f, 0x42, 0x02, 0x10, 0x02, 0x0b, 0x0b, 0x14, 0x00, 0x42,
    0x00, 0x10, 0x00, 0x42, 0x7f, 0x42, 0x00, 0x42, 0x01, 0x10, 0x07, 0x42, 0x7f, 0x42, 0x01, 0x10,
    0x02, 0x0b, 0x14, 0x00, 0x42, 0x00, 0x10, 0x00, 0x42, 0x7f, 0x42, 0x00, 0x42, 0x01, 0x10, 0x08,
    0x42, 0x7f, 0x42, 0x01, 0x10, 0x02, 0x0b, 0x14, 0x00, 0x42, 0x00, 0x10, 0x00, 0x42, 0x7f, 0x42,
    0x00, 0x42, 0x01, 0x10, 0x09, 0x42, 0x7f, 0x42, 0x01, 0x10, 0x02, 0x0b, 0x08, 0x00, 0x42, 0x07,
    0x42, 0x00, 0x10, 0x01, 0x0b, 0x0c, 0x00, 0x42, 0x0a, 0x42, 0x80, 0x80, 0x80, 0x80, 0x01, 0x10,
    0x03, 0x0b, 0x09, 0x00, 0x42, 0x01, 0x42, 0xd0, 0x00, 0x10, 0x03, 0x0b, 0x06, 0x00, 0x42, 0x00,
    0x10, 0x0a, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x0c, 0x00, 0x42, 0x08, 0x42,
    0x20, 0x10, 0x0b, 0x42, 0x30, 0x10, 0x0c, 0x0b, 0x1f, 0x00, 0x42, 0x02, 0x42, 0xc0, 0x00, 0x42,
    0x00, 0x42, 0x00, 0x42, 0x80, 0xa0, 0x94, 0xa5, 0x8d, 0x1d, 0x42, 0x00, 0x42, 0x03, 0x10, 0x0d,
    0x1a, 0x42, 0x7f, 0x42, 0x03, 0x10, 0x02, 0x0b, 0x11, 0x00, 0x42, 0x00, 0x10, 0x00, 0x42, 0x7f,
    0x42, 0x00, 0x42, 0x05, 0x42, 0x00, 0x10, 0x0e, 0x1a, 0x0b, 0x02, 0x00, 0x0b, 0x03, 0x00, 0x00,
    0x0b, 0x0b, 0x35, 0x06, 0x00, 0x41, 0x00, 0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x41,
    0x10, 0x0b, 0x03, 0x6b, 0x65, 0x79, 0x00, 0x41, 0x20, 0x0b, 0x08, 0x62, 0x6f, 0x62, 0x2e, 0x6e,
    0x65, 0x61, 0x72, 0x00, 0x41, 0x30, 0x0b, 0x01, 0x0a, 0x00, 0x41, 0xc0, 0x00, 0x0b, 0x02, 0x63,
    0x62, 0x00, 0x41, 0xd0, 0x00, 0x0b, 0x01, 0xff,
};

/*
(module
  (import "env" "bls12381_p1_sum" (func (param i64 i64 i64) (result i64)))
  (memory 1)
  (func (export "main")))
*/
static const uint8_t wasm_link[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x02, 0x60, 0x03, 0x7e, 0x7e,
    0x7e, 0x01, 0x7e, 0x60, 0x00, 0x00, 0x02, 0x17, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x0f, 0x62,
    0x6c, 0x73, 0x31, 0x32, 0x33, 0x38, 0x31, 0x5f, 0x70, 0x31, 0x5f, 0x73, 0x75, 0x6d, 0x00,
    0x00, 0x03, 0x02, 0x01, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x08, 0x01, 0x04, 0x6d,
    0x61, 0x69, 0x6e, 0x00, 0x01, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
};

/*
(module
  (import "wasi" "fd_write" (func (param i32)))
  (func (export "main")))
*/
static const uint8_t wasm_othermod[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00,
    0x60, 0x00, 0x00, 0x02, 0x11, 0x01, 0x04, 0x77, 0x61, 0x73, 0x69, 0x08, 0x66, 0x64, 0x5f,
    0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x00, 0x03, 0x02, 0x01, 0x01, 0x07, 0x08, 0x01, 0x04,
    0x6d, 0x61, 0x69, 0x6e, 0x00, 0x01, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
};

/*
(module
  (import "env" "memory" (memory 1))
  (func (export "main")))
*/
static const uint8_t wasm_memimport[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00,
    0x00, 0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f,
    0x72, 0x79, 0x02, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04,
    0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
};

/* ------------------------------------ a mock runtime ------------------------------------ */

typedef struct kv {
    uint8_t key[64];
    size_t klen;
    uint8_t val[256];
    size_t vlen;
} kv;

typedef struct mock {
    kv items[16];
    size_t n;
    int yields_pending; /* yield_exists answers true when > 0 */
} mock;

static kv *mock_find(mock *m, const uint8_t *k, size_t kl)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->items[i].klen == kl && memcmp(m->items[i].key, k, kl) == 0)
            return &m->items[i];
    return NULL;
}

static ol_err m_get(void *ud, const uint8_t *k, size_t kl, bool *found, const uint8_t **v,
                    size_t *vl)
{
    kv *e = mock_find(ud, k, kl);
    *found = e != NULL;
    if (e) {
        *v = e->val;
        *vl = e->vlen;
    }
    return OL_OK;
}

static ol_err m_set(void *ud, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    mock *m = ud;
    kv *e = mock_find(m, k, kl);
    if (e == NULL) {
        e = &m->items[m->n++];
        memcpy(e->key, k, kl);
        e->klen = kl;
    }
    memcpy(e->val, v, vl);
    e->vlen = vl;
    return OL_OK;
}

static ol_err m_remove(void *ud, const uint8_t *k, size_t kl)
{
    mock *m = ud;
    kv *e = mock_find(m, k, kl);
    if (e)
        *e = m->items[--m->n];
    return OL_OK;
}

static ol_err m_has(void *ud, const uint8_t *k, size_t kl, bool *found)
{
    *found = mock_find(ud, k, kl) != NULL;
    return OL_OK;
}

static ol_err m_data_id(void *ud, uint8_t out[OL_NEAR_HASH_LEN])
{
    (void)ud;
    memset(out, 0xab, OL_NEAR_HASH_LEN);
    return OL_OK;
}

static ol_err m_yield_exists(void *ud, const uint8_t id[OL_NEAR_HASH_LEN], bool *found)
{
    mock *m = ud;
    *found = m->yields_pending > 0 && id[0] == 0xab;
    return OL_OK;
}

typedef struct fixture {
    ol_chain_vm *vm;
    mock st;
    ol_chain_vm_ext ext;
    ol_chain_vm_context ctx;
    ol_chain_vm_outcome out;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(ol_chain_vm_new(NULL, &f->vm, NULL), OL_OK);
    f->ext = (ol_chain_vm_ext){&f->st, m_get, m_set, m_remove, m_has, m_data_id, m_yield_exists};
    f->ctx.current_account_id = ol_near_str_c("alice.near");
    f->ctx.signer_account_id = ol_near_str_c("alice.near");
    f->ctx.predecessor_account_id = ol_near_str_c("alice.near");
    f->ctx.chain_id = ol_near_str_c("sandbox");
    f->ctx.account_balance = OL_NEAR_U128_C(1000);
    f->ctx.storage_usage = 100;
    f->ctx.prepaid_gas = 300000000000000u;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ol_chain_vm_outcome_fini(&f->out);
    ol_chain_vm_free(f->vm);
    free(f);
    return 0;
}

static void run(fixture *f, const uint8_t *code, size_t len, const char *method)
{
    ol_diag d = {0};
    ol_chain_vm_outcome_fini(&f->out);
    crypto_hash_sha256(f->ctx.code_hash, code, len);
    ol_err rc =
        ol_chain_vm_run(f->vm, code, len, method, strlen(method), &f->ctx, &f->ext, &f->out, &d);
    if (rc != OL_OK)
        fprintf(stderr, "run: %s\n", d.msg);
    assert_int_equal(rc, OL_OK);
}

#define RUN(f, name, method) run(f, wasm_##name, sizeof wasm_##name, method)

static uint64_t loading_cost(size_t code_len)
{
    const ol_chain_params *p = ol_chain_params_default();
    return p->ext[OL_CHAIN_EXT_CONTRACT_LOADING_BASE] +
           p->ext[OL_CHAIN_EXT_CONTRACT_LOADING_BYTES] * code_len;
}

/* ----------------------------------------- tests ----------------------------------------- */

static void test_hash_vectors(void **state)
{
    uint8_t h[64];
    char hex[129];
    (void)state;
    ol__chain_keccak256((const uint8_t *)"", 0, h);
    sodium_bin2hex(hex, sizeof hex, h, 32);
    assert_string_equal(hex, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    ol__chain_keccak256((const uint8_t *)"abc", 3, h);
    sodium_bin2hex(hex, sizeof hex, h, 32);
    assert_string_equal(hex, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    ol__chain_keccak512((const uint8_t *)"", 0, h);
    sodium_bin2hex(hex, sizeof hex, h, 64);
    assert_string_equal(hex, "0eab42de4c3ceb9235fc91acffe746b29c29a8c366b7c60e4e67c466f36a4304"
                             "c00fa9caf9d87976ba469bcbe06713b435f091ef2769fb160cdab33d3670680e");
    ol__chain_ripemd160((const uint8_t *)"", 0, h);
    sodium_bin2hex(hex, sizeof hex, h, 20);
    assert_string_equal(hex, "9c1185a5c5e9fc54612808977ee8f548b2258d31");
    ol__chain_ripemd160((const uint8_t *)"abc", 3, h);
    sodium_bin2hex(hex, sizeof hex, h, 20);
    assert_string_equal(hex, "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    static const char m56[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    ol__chain_ripemd160((const uint8_t *)m56, sizeof m56 - 1, h);
    sodium_bin2hex(hex, sizeof hex, h, 20);
    assert_string_equal(hex, "12a053384a9c0c88e405a06c27dcf49ada62eb2b");
    /* 136 bytes: exactly one Keccak-256 rate block, padding in a block of its own */
    uint8_t big[136];
    memset(big, 'a', sizeof big);
    ol__chain_keccak256(big, sizeof big, h);
    sodium_bin2hex(hex, sizeof hex, h, 32);
    assert_int_equal(strlen(hex), 64);
}

static void test_echo_and_exact_gas(void **state)
{
    fixture *f = *state;
    const ol_chain_params *p = ol_chain_params_default();
    f->ctx.input = (const uint8_t *)"abc";
    f->ctx.input_len = 3;
    RUN(f, main, "echo");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_OK);
    assert_int_equal(f->out.return_kind, OL_CHAIN_VM_RETURN_VALUE);
    assert_int_equal(f->out.return_len, 3);
    assert_memory_equal(f->out.return_data, "abc", 3);
    /* 5 instructions (i64.const, call, i64.const, i64.const, call), input (base + register
     * write base: input bytes are free), value_return from a register. */
    uint64_t want = loading_cost(sizeof wasm_main) + 5 * p->wasm_regular_op_cost +
                    p->ext[OL_CHAIN_EXT_BASE] + p->ext[OL_CHAIN_EXT_WRITE_REGISTER_BASE] +
                    p->ext[OL_CHAIN_EXT_BASE] + p->ext[OL_CHAIN_EXT_READ_REGISTER_BASE] +
                    3 * p->ext[OL_CHAIN_EXT_READ_REGISTER_BYTE];
    assert_int_equal(f->out.burnt_gas, want);
    assert_int_equal(f->out.used_gas, want);

    /* GasExceeded at the exact boundary */
    f->ctx.prepaid_gas = want;
    RUN(f, main, "echo");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_OK);
    assert_int_equal(f->out.burnt_gas, want);
    f->ctx.prepaid_gas = want - 1;
    RUN(f, main, "echo");
    assert_string_equal(f->out.error.name, "GasExceeded");
    assert_string_equal(f->out.error.display, "Exceeded the prepaid gas.");
    assert_int_equal(f->out.burnt_gas, want - 1);
}

static void test_noop_gas(void **state)
{
    fixture *f = *state;
    RUN(f, main, "noop");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_OK);
    assert_int_equal(f->out.burnt_gas, loading_cost(sizeof wasm_main));
    assert_int_equal(f->out.return_kind, OL_CHAIN_VM_RETURN_NONE);
}

static void test_spin_gas_exceeded(void **state)
{
    fixture *f = *state;
    f->ctx.prepaid_gas = 10000000000000u;
    RUN(f, main, "spin");
    assert_string_equal(f->out.error.name, "GasExceeded");
    assert_string_equal(f->out.error.json, "{\"ExecutionError\":\"Exceeded the prepaid gas.\"}");
    assert_string_equal(f->out.error.debug, "HostError(GasExceeded)");
    assert_int_equal(f->out.burnt_gas, 10000000000000u);
}

static void test_panic_keeps_logs(void **state)
{
    fixture *f = *state;
    RUN(f, main, "log_panic");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_ERR_HOST);
    assert_string_equal(f->out.error.name, "GuestPanic");
    assert_string_equal(f->out.error.display, "Smart contract panicked: hello");
    assert_string_equal(f->out.error.json,
                        "{\"ExecutionError\":\"Smart contract panicked: hello\"}");
    assert_string_equal(f->out.error.debug, "HostError(GuestPanic { panic_msg: \"hello\" })");
    assert_int_equal(f->out.n_logs, 1);
    assert_string_equal(f->out.logs[0], "hello");
    assert_true(f->out.burnt_gas > loading_cost(sizeof wasm_main));
}

static void test_storage(void **state)
{
    fixture *f = *state;
    RUN(f, main, "write");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_OK);
    assert_int_equal(f->out.storage_usage, 100 + 3 + 5 + 40);
    assert_int_equal(f->st.n, 1);
    RUN(f, main, "read");
    assert_int_equal(f->out.return_len, 5);
    assert_memory_equal(f->out.return_data, "hello", 5);
    /* views may read but not write */
    f->ctx.is_view = true;
    RUN(f, main, "read");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_OK);
    RUN(f, main, "write");
    assert_string_equal(f->out.error.name, "ProhibitedInView");
    assert_string_equal(f->out.error.display, "storage_write is not allowed in view calls");
    assert_string_equal(f->out.error.debug,
                        "HostError(ProhibitedInView { method_name: \"storage_write\" })");
    RUN(f, main, "signer");
    assert_string_equal(f->out.error.display, "signer_account_id is not allowed in view calls");
}

static void test_hash_host_functions(void **state)
{
    fixture *f = *state;
    char hex[129];
    f->ctx.input = (const uint8_t *)"abc";
    f->ctx.input_len = 3;
    RUN(f, main, "sha");
    sodium_bin2hex(hex, sizeof hex, f->out.return_data, f->out.return_len);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    RUN(f, main, "keccak");
    sodium_bin2hex(hex, sizeof hex, f->out.return_data, f->out.return_len);
    assert_string_equal(hex, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    RUN(f, main, "ripemd");
    sodium_bin2hex(hex, sizeof hex, f->out.return_data, f->out.return_len);
    assert_string_equal(hex, "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
}

static void test_host_errors(void **state)
{
    fixture *f = *state;
    RUN(f, main, "bad_reg");
    assert_string_equal(f->out.error.name, "InvalidRegisterId");
    assert_string_equal(f->out.error.display, "Accessed invalid register id: 7");
    assert_string_equal(f->out.error.debug, "HostError(InvalidRegisterId { register_id: 7 })");
    RUN(f, main, "oob");
    assert_string_equal(f->out.error.name, "MemoryAccessViolation");
    assert_string_equal(f->out.error.display, "Accessed memory outside the bounds.");
    RUN(f, main, "bad_utf8");
    assert_string_equal(f->out.error.name, "BadUTF8");
    RUN(f, main, "trap");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_ERR_WASM_TRAP);
    assert_string_equal(f->out.error.display,
                        "WebAssembly trap: An `unreachable` opcode was executed.");
    RUN(f, main, "missing");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_ERR_METHOD_RESOLVE);
    assert_string_equal(f->out.error.json, "{\"MethodResolveError\":\"MethodNotFound\"}");
    assert_string_equal(f->out.error.debug, "MethodResolveError(MethodNotFound)");
    RUN(f, main, "sig");
    assert_string_equal(f->out.error.name, "MethodInvalidSignature");
}

static void test_prepare_errors(void **state)
{
    fixture *f = *state;
    ol_chain_vm_error err;
    RUN(f, link, "main");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_ERR_LINK);
    assert_string_equal(f->out.error.display,
                        "unknown import: `env::bls12381_p1_sum` has not been defined");
    assert_int_equal(f->out.burnt_gas, 0);
    assert_int_equal(ol_chain_vm_check_code(f->vm, wasm_link, sizeof wasm_link, &err, NULL), OL_OK);
    assert_int_equal(err.kind, OL_CHAIN_VM_ERR_LINK);
    ol_chain_vm_error_fini(&err);
    assert_int_equal(ol_chain_vm_check_code(f->vm, wasm_main, sizeof wasm_main, &err, NULL), OL_OK);
    assert_int_equal(err.kind, OL_CHAIN_VM_OK);
    RUN(f, othermod, "main");
    assert_string_equal(f->out.error.json,
                        "{\"CompilationError\":{\"PrepareError\":\"Instantiate\"}}");
    RUN(f, memimport, "main");
    assert_string_equal(f->out.error.display, "PrepareError: Error creating memory.");
    static const uint8_t junk[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00};
    run(f, junk, sizeof junk, "main");
    assert_string_equal(f->out.error.debug, "CompilationError(PrepareError(Deserialization))");
    run(f, NULL, 0, "main");
    assert_string_equal(f->out.error.json,
                        "{\"CompilationError\":{\"CodeDoesNotExist\":{\"account_id\":\"alice."
                        "near\"}}}");
}

static void test_promise_transfer(void **state)
{
    fixture *f = *state;
    const ol_chain_params *p = ol_chain_params_default();
    RUN(f, main, "transfer");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_OK);
    assert_int_equal(f->out.n_receipts, 1);
    assert_int_equal(f->out.receipts[0].receiver_id.len, 8);
    assert_memory_equal(f->out.receipts[0].receiver_id.p, "bob.near", 8);
    assert_int_equal(f->out.receipts[0].n_actions, 1);
    assert_int_equal(f->out.receipts[0].actions[0].kind, OL_NEAR_ACTION_TRANSFER);
    assert_int_equal(f->out.receipts[0].actions[0].transfer.deposit.lo, 10);
    assert_int_equal(f->out.balance.lo, 990);
    /* used - burnt = exec fees prepaid for the receipt */
    assert_int_equal(f->out.used_gas - f->out.burnt_gas,
                     p->action_receipt_creation.execution + p->action_transfer.execution);
    f->ctx.account_balance = OL_NEAR_U128_C(5);
    RUN(f, main, "transfer");
    assert_string_equal(f->out.error.name, "BalanceExceeded");
    assert_int_equal(f->out.n_receipts, 0);
}

static void test_yield(void **state)
{
    fixture *f = *state;
    RUN(f, main, "yield");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_OK);
    assert_int_equal(f->out.n_receipts, 1);
    assert_true(f->out.receipts[0].is_yield);
    assert_int_equal(f->out.receipts[0].yield_data_id[0], 0xab);
    assert_int_equal(f->out.return_len, 32);
    assert_int_equal(f->out.receipts[0].actions[0].function_call.gas, 1000000000000u);
    assert_true(f->out.used_gas - f->out.burnt_gas >= 1000000000000u);

    uint8_t id[32];
    memset(id, 0xab, sizeof id);
    f->ctx.input = id;
    f->ctx.input_len = 32;
    f->st.yields_pending = 1;
    RUN(f, main, "resume");
    assert_int_equal(f->out.error.kind, OL_CHAIN_VM_OK);
    assert_int_equal(f->out.n_resumes, 1);
    assert_int_equal(f->out.resumes[0].len, 5);
    assert_memory_equal(f->out.resumes[0].payload, "hello", 5);
    f->st.yields_pending = 0;
    RUN(f, main, "resume");
    assert_int_equal(f->out.n_resumes, 0);
    f->ctx.input_len = 31;
    RUN(f, main, "resume");
    assert_string_equal(f->out.error.name, "DataIdMalformed");
    f->ctx.is_view = true;
    RUN(f, main, "yield");
    assert_string_equal(f->out.error.display, "promise_yield_create is not allowed in view calls");
}

static void test_action_fees(void **state)
{
    const ol_chain_params *p = ol_chain_params_default();
    ol_near_action a = {.kind = OL_NEAR_ACTION_TRANSFER};
    uint64_t s, e;
    (void)state;
    assert_int_equal(ol_chain_action_fees(p, &a, "bob.near", 8, false, &s, &e, NULL), OL_OK);
    assert_int_equal(s, 115123062500u);
    static const char imp[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_int_equal(ol_chain_action_fees(p, &a, imp, 64, false, &s, &e, NULL), OL_OK);
    assert_int_equal(s, 115123062500u + 3850000000000u + 101765125000u);
    a.kind = OL_NEAR_ACTION_FUNCTION_CALL;
    a.function_call.method_name = ol_near_str_c("go");
    a.function_call.args = (ol_near_bytes){(const uint8_t *)"{}", 2};
    assert_int_equal(ol_chain_action_fees(p, &a, "bob.near", 8, true, &s, &e, NULL), OL_OK);
    assert_int_equal(s, 200000000000u + 4 * 2235934u);
    assert_int_equal(e, 780000000000u + 4 * 2235934u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_action_fees),
        cmocka_unit_test_setup_teardown(test_echo_and_exact_gas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_noop_gas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spin_gas_exceeded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_panic_keeps_logs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_host_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_promise_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yield, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
