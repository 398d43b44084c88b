/* NEAR's host functions on the metered engine, the gas counter, and running one method.
 *
 * Every host function follows nearcore's logic.rs step for step: the same charges in the same
 * order (so a call that runs out of gas fails at the same point), the same checks, the same
 * errors. Gas: wasm instructions are the engine's fuel x wasm_regular_op_cost; the fuel given to
 * the engine is always floor((limit - burnt) / op_cost), so a basic block that would cross the
 * limit does not start, and is recomputed after every host call. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chain_vm.h"
#include "vm_int.h"

/* ===================================== host errors ===================================== */

typedef enum vm_herr {
    H_NONE = 0,
    H_BadUTF16,
    H_BadUTF8,
    H_GasExceeded,
    H_GasLimitExceeded,
    H_BalanceExceeded,
    H_EmptyMethodName,
    H_GuestPanic,
    H_IntegerOverflow,
    H_InvalidPromiseIndex,
    H_CannotAppendActionToJointPromise,
    H_CannotReturnJointPromise,
    H_InvalidPromiseResultIndex,
    H_InvalidRegisterId,
    H_MemoryAccessViolation,
    H_InvalidAccountId,
    H_InvalidPublicKey,
    H_ProhibitedInView,
    H_NumberOfLogsExceeded,
    H_KeyLengthExceeded,
    H_ValueLengthExceeded,
    H_TotalLogLengthExceeded,
    H_NumberPromisesExceeded,
    H_NumberInputDataDependenciesExceeded,
    H_ReturnedValueLengthExceeded,
    H_ContractSizeExceeded,
    H_Deprecated,
    H_Ed25519VerifyInvalidInput,
    H_ECRecoverError,
    H_P256VerifyInvalidInput,
    H_YieldPayloadLength,
    H_DataIdMalformed,
} vm_herr;

/* ==================================== small helpers ==================================== */

typedef struct vm_str {
    char *p;
    size_t len, cap;
    bool oom;
} vm_str;

static void vm_str_add(vm_str *s, const char *p, size_t n)
{
    if (s->oom)
        return;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *np = realloc(s->p, cap);
        if (np == NULL) {
            s->oom = true;
            return;
        }
        s->p = np;
        s->cap = cap;
    }
    memcpy(s->p + s->len, p, n);
    s->len += n;
    s->p[s->len] = '\0';
}

static void vm_str_fmt(vm_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vm_str_fmt(vm_str *s, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        vm_str_add(s, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Rust's Debug of a str: "..." with \" \\ \n \r \t \0 and \u{..} for other controls. */
static void vm_str_rust_quote(vm_str *s, const char *p, size_t n)
{
    vm_str_add(s, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"')
            vm_str_add(s, "\\\"", 2);
        else if (c == '\\')
            vm_str_add(s, "\\\\", 2);
        else if (c == '\n')
            vm_str_add(s, "\\n", 2);
        else if (c == '\r')
            vm_str_add(s, "\\r", 2);
        else if (c == '\t')
            vm_str_add(s, "\\t", 2);
        else if (c == 0)
            vm_str_add(s, "\\0", 2);
        else if (c < 0x20 || c == 0x7f)
            vm_str_fmt(s, "\\u{%x}", c);
        else
            vm_str_add(s, (const char *)&p[i], 1);
    }
    vm_str_add(s, "\"", 1);
}

/* A JSON string literal. */
static void vm_str_json_quote(vm_str *s, const char *p, size_t n)
{
    vm_str_add(s, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"')
            vm_str_add(s, "\\\"", 2);
        else if (c == '\\')
            vm_str_add(s, "\\\\", 2);
        else if (c == '\n')
            vm_str_add(s, "\\n", 2);
        else if (c == '\r')
            vm_str_add(s, "\\r", 2);
        else if (c == '\t')
            vm_str_add(s, "\\t", 2);
        else if (c < 0x20)
            vm_str_fmt(s, "\\u%04x", c);
        else
            vm_str_add(s, (const char *)&p[i], 1);
    }
    vm_str_add(s, "\"", 1);
}

static bool vm_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i - 1 < need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += need + 1;
    }
    return true;
}

/* ======================================= arena ======================================= */

typedef struct vm_blk {
    struct vm_blk *next;
    max_align_t data[];
} vm_blk;

typedef struct vm_arena {
    vm_blk *head;
} vm_arena;

static void *vm_arena_alloc(vm_arena *a, size_t n)
{
    vm_blk *b = malloc(sizeof *b + (n ? n : 1));
    if (b == NULL)
        return NULL;
    b->next = a->head;
    a->head = b;
    return b->data;
}

static void *vm_arena_dup(vm_arena *a, const void *p, size_t n, bool nul)
{
    uint8_t *d = vm_arena_alloc(a, n + (nul ? 1 : 0));
    if (d == NULL)
        return NULL;
    if (n)
        memcpy(d, p, n);
    if (nul)
        d[n] = 0;
    return d;
}

static void vm_arena_free(vm_arena *a)
{
    while (a && a->head) {
        vm_blk *b = a->head;
        a->head = b->next;
        free(b);
    }
}

/* ====================================== the VM ====================================== */

#define VM_CACHE_DEFAULT 64

typedef struct vm_cache_entry {
    uint8_t hash[OL_NEAR_HASH_LEN];
    ol_wasm_module *module; /* NULL when preparation failed */
    vm_prep_err perr;
    char msg[256];
    uint64_t used; /* LRU tick */
} vm_cache_entry;

struct ol_chain_vm {
    const ol_chain_params *p;
    pthread_mutex_t lock;
    vm_cache_entry *cache;
    size_t n_cache, cap_cache;
    uint64_t tick;
    /* modules evicted while possibly in use are kept until the VM is freed */
    ol_wasm_module **retired;
    size_t n_retired;
};

typedef struct vm_reg {
    uint64_t id;
    uint8_t *data;
    size_t len;
} vm_reg;

typedef struct vm_promise {
    bool joint;
    uint64_t receipt;
    uint64_t *deps;
    size_t n_deps;
} vm_promise;

typedef struct vm_rcpt {
    char *receiver;
    size_t receiver_len;
    uint64_t *deps;
    size_t n_deps;
    ol_near_action *acts;
    uint64_t *weights;
    size_t n_acts, cap_acts;
    bool is_yield;
    uint8_t data_id[OL_NEAR_HASH_LEN];
} vm_rcpt;

typedef struct vm_run vm_run;
typedef int (*vm_host_impl)(vm_run *v, const uint64_t *a, uint64_t *r);

typedef struct vm_import {
    vm_run *v;
    int idx;
} vm_import;

struct vm_run {
    const ol_chain_params *p;
    const ol_chain_vm_context *ctx;
    const ol_chain_vm_ext *ext;
    ol_wasm_store *store;
    ol_wasm_memory *mem;
    vm_arena *arena;
    /* gas (nearcore's GasCounter) */
    uint64_t burnt, promises_gas, max_burnt, prepaid, limit;
    /* economics */
    ol_near_u128 balance;
    uint64_t storage_usage;
    /* errors */
    vm_herr herr;
    uint64_t ha, hb;
    char *hmsg;
    size_t hmsg_len;
    ol_err internal; /* a callback failed or OOM: not a contract error */
    /* state */
    vm_reg *regs;
    size_t n_regs, cap_regs;
    uint64_t regs_usage;
    char **logs;
    size_t n_logs, cap_logs;
    uint64_t total_log_length;
    ol_chain_vm_return_kind ret_kind;
    uint8_t *ret;
    size_t ret_len;
    uint64_t ret_receipt;
    vm_promise *proms;
    size_t n_proms, cap_proms;
    vm_rcpt *rcpts;
    size_t n_rcpts, cap_rcpts;
    ol_chain_vm_resume *resumes;
    size_t n_resumes, cap_resumes;
};

/* Grows *arr (element size es) to hold n + 1 elements. */
static bool vm_grow(void **arr, size_t *cap, size_t n, size_t es)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 8;
    void *np = realloc(*arr, nc * es);
    if (np == NULL)
        return false;
    *arr = np;
    *cap = nc;
    return true;
}

static int vm_fail(vm_run *v, vm_herr h, uint64_t a, uint64_t b)
{
    v->herr = h;
    v->ha = a;
    v->hb = b;
    return -1;
}

static int vm_fail_msg(vm_run *v, vm_herr h, const char *msg, size_t len)
{
    free(v->hmsg);
    v->hmsg = malloc(len + 1);
    if (v->hmsg == NULL) {
        v->internal = OL_E_NOMEM;
        return -1;
    }
    memcpy(v->hmsg, msg, len);
    v->hmsg[len] = '\0';
    v->hmsg_len = len;
    return vm_fail(v, h, 0, 0);
}

static int vm_oom(vm_run *v)
{
    v->internal = OL_E_NOMEM;
    return -1;
}

/* ======================================== gas ======================================== */

static int vm_process_gas_limit(vm_run *v, uint64_t new_burnt, uint64_t new_used)
{
    uint64_t hard = v->prepaid < v->max_burnt ? v->prepaid : v->max_burnt;
    v->burnt = new_burnt < hard ? new_burnt : hard;
    uint64_t used_limit = v->prepaid < new_used ? v->prepaid : new_used;
    v->promises_gas = used_limit > v->burnt ? used_limit - v->burnt : 0;
    return vm_fail(v, new_burnt > v->max_burnt ? H_GasLimitExceeded : H_GasExceeded, 0, 0);
}

static int vm_burn(vm_run *v, uint64_t g)
{
    uint64_t nb;
    if (__builtin_add_overflow(v->burnt, g, &nb))
        return vm_fail(v, H_IntegerOverflow, 0, 0);
    if (nb <= v->limit) {
        v->burnt = nb;
        return 0;
    }
    return vm_process_gas_limit(v, nb, nb + v->promises_gas);
}

static int vm_deduct(vm_run *v, uint64_t burn, uint64_t use)
{
    uint64_t pg = use - burn, npg, nb, nu;
    if (__builtin_add_overflow(v->promises_gas, pg, &npg) ||
        __builtin_add_overflow(v->burnt, burn, &nb) || __builtin_add_overflow(nb, npg, &nu))
        return vm_fail(v, H_IntegerOverflow, 0, 0);
    if (nb <= v->max_burnt && nu <= v->prepaid) {
        if (pg != 0 && !v->ctx->is_view) {
            uint64_t l = v->prepaid - npg;
            v->limit = v->max_burnt < l ? v->max_burnt : l;
        }
        v->burnt = nb;
        v->promises_gas = npg;
        return 0;
    }
    return vm_process_gas_limit(v, nb, nu);
}

static int vm_pay(vm_run *v, ol_chain_ext c)
{
    return vm_burn(v, v->p->ext[c]);
}

static int vm_pay_per(vm_run *v, ol_chain_ext c, uint64_t n)
{
    uint64_t g;
    if (__builtin_mul_overflow(n, v->p->ext[c], &g))
        return vm_fail(v, H_IntegerOverflow, 0, 0);
    return vm_burn(v, g);
}

static int vm_pay_action(vm_run *v, const ol_chain_fee *f, bool sir)
{
    uint64_t burn = ol_chain_fee_send(f, sir), use;
    if (__builtin_add_overflow(burn, f->execution, &use))
        return vm_fail(v, H_IntegerOverflow, 0, 0);
    return vm_deduct(v, burn, use);
}

static int vm_pay_action_bytes(vm_run *v, const ol_chain_fee *f, uint64_t n, bool sir)
{
    uint64_t burn, e, use;
    if (__builtin_mul_overflow(ol_chain_fee_send(f, sir), n, &burn) ||
        __builtin_mul_overflow(f->execution, n, &e) || __builtin_add_overflow(burn, e, &use))
        return vm_fail(v, H_IntegerOverflow, 0, 0);
    return vm_deduct(v, burn, use);
}

static uint64_t vm_fuel_left(const vm_run *v)
{
    return v->burnt >= v->limit ? 0 : (v->limit - v->burnt) / v->p->wasm_regular_op_cost;
}

/* Folds the fuel the engine consumed since the last sync into burnt gas. */
static void vm_sync_in(vm_run *v)
{
    v->burnt += ol_wasm_store_fuel_consumed(v->store) * v->p->wasm_regular_op_cost;
    ol_wasm_store_set_fuel(v->store, 0);
}

static void vm_sync_out(vm_run *v)
{
    ol_wasm_store_set_fuel(v->store, vm_fuel_left(v));
}

/* ================================= memory and registers ================================= */

static int vm_mem_view(vm_run *v, uint64_t ptr, uint64_t len, const uint8_t **out)
{
    size_t size;
    if (vm_pay(v, OL_CHAIN_EXT_READ_MEMORY_BASE) ||
        vm_pay_per(v, OL_CHAIN_EXT_READ_MEMORY_BYTE, len))
        return -1;
    uint8_t *base = ol_wasm_memory_data(v->mem, &size);
    if (ptr > size || len > size - ptr)
        return vm_fail(v, H_MemoryAccessViolation, 0, 0);
    *out = base + ptr;
    return 0;
}

static int vm_mem_get(vm_run *v, uint64_t ptr, void *buf, size_t n)
{
    const uint8_t *p;
    if (vm_mem_view(v, ptr, n, &p))
        return -1;
    memcpy(buf, p, n);
    return 0;
}

static int vm_mem_set(vm_run *v, uint64_t ptr, const void *buf, size_t n)
{
    size_t size;
    if (vm_pay(v, OL_CHAIN_EXT_WRITE_MEMORY_BASE) ||
        vm_pay_per(v, OL_CHAIN_EXT_WRITE_MEMORY_BYTE, n))
        return -1;
    uint8_t *base = ol_wasm_memory_data(v->mem, &size);
    if (ptr > size || n > size - ptr)
        return vm_fail(v, H_MemoryAccessViolation, 0, 0);
    if (n)
        memcpy(base + ptr, buf, n);
    return 0;
}

static int vm_mem_get_u128(vm_run *v, uint64_t ptr, ol_near_u128 *out)
{
    uint8_t b[16];
    if (vm_mem_get(v, ptr, b, 16))
        return -1;
    out->lo = out->hi = 0;
    for (int i = 7; i >= 0; i--) {
        out->lo = (out->lo << 8) | b[i];
        out->hi = (out->hi << 8) | b[8 + i];
    }
    return 0;
}

static int vm_mem_set_u128(vm_run *v, uint64_t ptr, ol_near_u128 x)
{
    uint8_t b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(x.lo >> (8 * i));
        b[8 + i] = (uint8_t)(x.hi >> (8 * i));
    }
    return vm_mem_set(v, ptr, b, 16);
}

static vm_reg *vm_reg_find(vm_run *v, uint64_t id)
{
    for (size_t i = 0; i < v->n_regs; i++)
        if (v->regs[i].id == id)
            return &v->regs[i];
    return NULL;
}

static int vm_reg_get(vm_run *v, uint64_t id, const uint8_t **p, size_t *len)
{
    vm_reg *r = vm_reg_find(v, id);
    if (r == NULL)
        return vm_fail(v, H_InvalidRegisterId, id, 0);
    if (vm_pay(v, OL_CHAIN_EXT_READ_REGISTER_BASE) ||
        vm_pay_per(v, OL_CHAIN_EXT_READ_REGISTER_BYTE, r->len))
        return -1;
    *p = r->data;
    *len = r->len;
    return 0;
}

static int vm_reg_set_ex(vm_run *v, uint64_t id, const void *data, size_t len, bool charge_bytes)
{
    if (vm_pay(v, OL_CHAIN_EXT_WRITE_REGISTER_BASE))
        return -1;
    if (charge_bytes && vm_pay_per(v, OL_CHAIN_EXT_WRITE_REGISTER_BYTE, len))
        return -1;
    if (len > v->p->max_register_size || v->n_regs >= v->p->max_number_registers)
        return vm_fail(v, H_MemoryAccessViolation, 0, 0);
    vm_reg *r = vm_reg_find(v, id);
    uint64_t usage = v->regs_usage - (r ? r->len + 8 : 0) + len + 8;
    if (usage > v->p->registers_memory_limit)
        return vm_fail(v, H_MemoryAccessViolation, 0, 0);
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return vm_oom(v);
    if (len)
        memcpy(copy, data, len);
    if (r == NULL) {
        if (!vm_grow((void **)&v->regs, &v->cap_regs, v->n_regs, sizeof *v->regs)) {
            free(copy);
            return vm_oom(v);
        }
        r = &v->regs[v->n_regs++];
        r->id = id;
    } else {
        free(r->data);
    }
    r->data = copy;
    r->len = len;
    v->regs_usage = usage;
    return 0;
}

static int vm_reg_set(vm_run *v, uint64_t id, const void *data, size_t len)
{
    return vm_reg_set_ex(v, id, data, len, true);
}

/* nearcore's get_memory_or_register: len == u64::MAX reads register ptr. */
static int vm_mem_or_reg(vm_run *v, uint64_t ptr, uint64_t len, const uint8_t **p, size_t *n)
{
    if (len == UINT64_MAX)
        return vm_reg_get(v, ptr, p, n);
    if (vm_mem_view(v, ptr, len, p))
        return -1;
    *n = (size_t)len;
    return 0;
}

/* Like vm_mem_or_reg, but an arena copy (stable across register writes). */
static int vm_mem_or_reg_dup(vm_run *v, uint64_t ptr, uint64_t len, uint8_t **p, size_t *n)
{
    const uint8_t *q;
    if (vm_mem_or_reg(v, ptr, len, &q, n))
        return -1;
    *p = vm_arena_dup(v->arena, q, *n, true);
    return *p == NULL ? vm_oom(v) : 0;
}

static int vm_view_check(vm_run *v, const char *name)
{
    if (!v->ctx->is_view)
        return 0;
    return vm_fail_msg(v, H_ProhibitedInView, name, strlen(name));
}

/* ===================================== host functions ===================================== */

#define H(name)     static int h_##name(vm_run *v, const uint64_t *a, uint64_t *r)
#define UNUSED_ARGS ((void)a, (void)r)
#define TRY(x)         \
    do {               \
        if ((x) != 0)  \
            return -1; \
    } while (0)

H(read_register)
{
    const uint8_t *p;
    size_t n;
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_reg_get(v, a[0], &p, &n));
    return vm_mem_set(v, a[1], p, n);
}

H(register_len)
{
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    vm_reg *g = vm_reg_find(v, a[0]);
    *r = g ? g->len : UINT64_MAX;
    return 0;
}

H(write_register)
{
    const uint8_t *p;
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_mem_view(v, a[2], a[1], &p));
    return vm_reg_set(v, a[0], p, (size_t)a[1]);
}

static int vm_ctx_str(vm_run *v, const char *piv, ol_near_str s, uint64_t reg)
{
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    if (piv != NULL)
        TRY(vm_view_check(v, piv));
    return vm_reg_set(v, reg, s.p, s.len);
}

H(current_account_id)
{
    (void)r;
    return vm_ctx_str(v, NULL, v->ctx->current_account_id, a[0]);
}

H(signer_account_id)
{
    (void)r;
    return vm_ctx_str(v, "signer_account_id", v->ctx->signer_account_id, a[0]);
}

H(signer_account_pk)
{
    uint8_t pk[1 + OL_NEAR_SECP256K1_PK_LEN];
    size_t n = ol_near_public_key_len(v->ctx->signer_account_pk.type);
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "signer_account_pk"));
    pk[0] = (uint8_t)v->ctx->signer_account_pk.type;
    memcpy(pk + 1, v->ctx->signer_account_pk.data, n);
    return vm_reg_set(v, a[0], pk, n + 1);
}

H(predecessor_account_id)
{
    (void)r;
    return vm_ctx_str(v, "predecessor_account_id", v->ctx->predecessor_account_id, a[0]);
}

H(refund_to_account_id)
{
    ol_near_str s = v->ctx->refund_to_account_id;
    (void)r;
    if (s.p == NULL)
        s = v->ctx->predecessor_account_id;
    return vm_ctx_str(v, "refund_to_account_id", s, a[0]);
}

H(chain_id)
{
    (void)r;
    return vm_ctx_str(v, NULL, v->ctx->chain_id, a[0]);
}

H(input)
{
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    /* deterministic_account_ids: the input's bytes are not charged as a register write */
    return vm_reg_set_ex(v, a[0], v->ctx->input, v->ctx->input_len, false);
}

H(block_index)
{
    (void)a;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    *r = v->ctx->block_height;
    return 0;
}

H(block_timestamp)
{
    (void)a;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    *r = v->ctx->block_timestamp;
    return 0;
}

H(epoch_height)
{
    (void)a;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    *r = v->ctx->epoch_height;
    return 0;
}

H(storage_usage)
{
    (void)a;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    *r = v->storage_usage;
    return 0;
}

H(current_contract_code)
{
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_reg_set(v, a[0], v->ctx->code_hash, OL_NEAR_HASH_LEN));
    *r = 1;
    return 0;
}

H(account_balance)
{
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    return vm_mem_set_u128(v, a[0], v->balance);
}

H(account_locked_balance)
{
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    return vm_mem_set_u128(v, a[0], v->ctx->account_locked_balance);
}

H(attached_deposit)
{
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    return vm_mem_set_u128(v, a[0], v->ctx->attached_deposit);
}

H(prepaid_gas)
{
    (void)a;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "prepaid_gas"));
    *r = v->ctx->prepaid_gas;
    return 0;
}

H(used_gas)
{
    (void)a;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "used_gas"));
    *r = v->burnt + v->promises_gas;
    return 0;
}

H(random_seed)
{
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    return vm_reg_set(v, a[0], v->ctx->random_seed, 32);
}

static void sha256_into(const uint8_t *p, size_t n, uint8_t *out)
{
    crypto_hash_sha256(out, p, n);
}

/* The shape every hashing host function shares: the base cost, the input from memory or a
 * register, a cost per unit of input (bytes, or 64-byte blocks for ripemd160), the digest into
 * a register. */
static int vm_hash(vm_run *v, const uint64_t *a, ol_chain_ext base, ol_chain_ext per,
                   bool per_block, void (*fn)(const uint8_t *, size_t, uint8_t *), size_t out_len)
{
    const uint8_t *p;
    size_t n;
    uint8_t h[64];
    TRY(vm_pay(v, base));
    TRY(vm_mem_or_reg(v, a[1], a[0], &p, &n));
    TRY(vm_pay_per(v, per, per_block ? ((uint64_t)n + 8) / 64 + 1 : (uint64_t)n));
    fn(p, n, h);
    return vm_reg_set(v, a[2], h, out_len);
}

H(sha256)
{
    (void)r;
    return vm_hash(v, a, OL_CHAIN_EXT_SHA256_BASE, OL_CHAIN_EXT_SHA256_BYTE, false, sha256_into,
                   32);
}

H(keccak256)
{
    (void)r;
    return vm_hash(v, a, OL_CHAIN_EXT_KECCAK256_BASE, OL_CHAIN_EXT_KECCAK256_BYTE, false,
                   ol__chain_keccak256, 32);
}

H(keccak512)
{
    (void)r;
    return vm_hash(v, a, OL_CHAIN_EXT_KECCAK512_BASE, OL_CHAIN_EXT_KECCAK512_BYTE, false,
                   ol__chain_keccak512, 64);
}

H(ripemd160)
{
    (void)r;
    return vm_hash(v, a, OL_CHAIN_EXT_RIPEMD160_BASE, OL_CHAIN_EXT_RIPEMD160_BLOCK, true,
                   ol__chain_ripemd160, 20);
}

H(ed25519_verify)
{
    const uint8_t *p;
    size_t n;
    uint8_t sig[64], pk[32];
    uint8_t *msg;
    size_t msg_len;
    TRY(vm_pay(v, OL_CHAIN_EXT_ED25519_VERIFY_BASE));
    TRY(vm_mem_or_reg(v, a[1], a[0], &p, &n));
    if (n != 64) {
        static const char m[] = "invalid signature length";
        return vm_fail_msg(v, H_Ed25519VerifyInvalidInput, m, sizeof m - 1);
    }
    memcpy(sig, p, 64);
    if (sig[63] & 0xe0) {
        *r = 0;
        return 0;
    }
    TRY(vm_mem_or_reg_dup(v, a[3], a[2], &msg, &msg_len));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_ED25519_VERIFY_BYTE, msg_len));
    TRY(vm_mem_or_reg(v, a[5], a[4], &p, &n));
    if (n != 32) {
        static const char m[] = "invalid public key length";
        return vm_fail_msg(v, H_Ed25519VerifyInvalidInput, m, sizeof m - 1);
    }
    memcpy(pk, p, 32);
    *r = crypto_sign_verify_detached(sig, msg, msg_len, pk) == 0 ? 1 : 0;
    return 0;
}

/* nearcore's ECRecoverError: msg is pre, the number x, post. */
static int vm_ecrecover_fail(vm_run *v, const char *pre, uint64_t x, const char *post)
{
    char m[128];
    int n = snprintf(m, sizeof m, "%s%llu%s", pre, (unsigned long long)x, post);
    return vm_fail_msg(v, H_ECRecoverError, m, n < 0 ? 0 : (size_t)n);
}

H(ecrecover)
{
    const uint8_t *p;
    size_t n;
    uint8_t sig[64], hash[32], pk[64];
    /* a: hash_len, hash_ptr, sig_len, sig_ptr, v, malleability_flag, register_id. nearcore
     * reads the signature first, then checks v, then reads the hash. */
    TRY(vm_pay(v, OL_CHAIN_EXT_ECRECOVER_BASE));
    TRY(vm_mem_or_reg(v, a[3], a[2], &p, &n));
    if (n != 64)
        return vm_ecrecover_fail(v, "The length of the signature: ", n,
                                 ", exceeds the limit of 64 bytes");
    memcpy(sig, p, 64);
    if (a[4] >= 4)
        return vm_ecrecover_fail(v, "V recovery byte 0 through 3 are valid but was provided ", a[4],
                                 "");
    TRY(vm_mem_or_reg(v, a[1], a[0], &p, &n));
    if (n != 32)
        return vm_ecrecover_fail(v, "The length of the hash: ", n,
                                 ", exceeds the limit of 32 bytes");
    memcpy(hash, p, 32);
    if (a[5] > 1)
        return vm_ecrecover_fail(v, "Malleability flag needs to be 0 or 1, but is instead ", a[5],
                                 "");
    int rc = ol__chain_secp256k1_recover(hash, sig, (unsigned)a[4], a[5] == 1, pk);
    if (rc < 0)
        return vm_oom(v);
    if (rc == 0) {
        *r = 0;
        return 0;
    }
    TRY(vm_reg_set(v, a[6], pk, 64));
    *r = 1;
    return 0;
}

H(p256_verify)
{
    const uint8_t *p, *msg;
    size_t n, msg_len;
    uint8_t sig[64], pk[33];
    TRY(vm_pay(v, OL_CHAIN_EXT_P256_VERIFY_BASE));
    TRY(vm_mem_or_reg(v, a[1], a[0], &p, &n));
    if (n != 64) {
        static const char m[] = "invalid signature length";
        return vm_fail_msg(v, H_P256VerifyInvalidInput, m, sizeof m - 1);
    }
    memcpy(sig, p, 64);
    /* an unparseable signature answers 0 before the message is read (and paid for) */
    if (!ol__chain_p256_sig_parses(sig)) {
        *r = 0;
        return 0;
    }
    /* msg stays valid across the key read: reads move neither memory nor registers */
    TRY(vm_mem_or_reg(v, a[3], a[2], &msg, &msg_len));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_P256_VERIFY_BYTE, msg_len));
    TRY(vm_mem_or_reg(v, a[5], a[4], &p, &n));
    if (n != 33) {
        static const char m[] = "invalid public key length";
        return vm_fail_msg(v, H_P256VerifyInvalidInput, m, sizeof m - 1);
    }
    memcpy(pk, p, 33);
    int rc = ol__chain_p256_verify(sig, msg, msg_len, pk);
    if (rc < 0)
        return vm_oom(v);
    *r = (uint64_t)rc;
    return 0;
}

H(gas)
{
    (void)r;
    return vm_burn(v, (a[0] & 0xffffffffu) * v->p->wasm_regular_op_cost);
}

H(validator_stake)
{
    const uint8_t *p;
    size_t n;
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_mem_or_reg(v, a[1], a[0], &p, &n));
    TRY(vm_pay(v, OL_CHAIN_EXT_UTF8_DECODING_BASE));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_UTF8_DECODING_BYTE, n));
    if (!vm_utf8_valid(p, n))
        return vm_fail(v, H_BadUTF8, 0, 0);
    if (!ol_near_account_id_is_valid((const char *)p, n))
        return vm_fail(v, H_InvalidAccountId, 0, 0);
    TRY(vm_pay(v, OL_CHAIN_EXT_VALIDATOR_STAKE_BASE));
    /* The sandbox has no validators: every account's stake is 0. */
    return vm_mem_set_u128(v, a[2], OL_NEAR_U128_C(0));
}

H(validator_total_stake)
{
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_pay(v, OL_CHAIN_EXT_VALIDATOR_TOTAL_STAKE_BASE));
    return vm_mem_set_u128(v, a[0], OL_NEAR_U128_C(0));
}

/* ------------------------------------ return, logs, panic ------------------------------------ */

H(value_return)
{
    const uint8_t *p;
    size_t n;
    uint64_t burn = 0;
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_mem_or_reg(v, a[1], a[0], &p, &n));
    if (n > v->p->max_length_returned_data)
        return vm_fail(v, H_ReturnedValueLengthExceeded, n, v->p->max_length_returned_data);
    for (size_t i = 0; i < v->ctx->n_output_data_receivers; i++) {
        ol_near_str rcv = v->ctx->output_data_receivers[i];
        bool sir = rcv.len == v->ctx->current_account_id.len &&
                   memcmp(rcv.p, v->ctx->current_account_id.p, rcv.len) == 0;
        const ol_chain_fee *f = &v->p->data_receipt_creation_per_byte;
        uint64_t per, g;
        if (__builtin_add_overflow(ol_chain_fee_send(f, sir), f->execution, &per) ||
            __builtin_mul_overflow(per, (uint64_t)n, &g) || __builtin_add_overflow(burn, g, &burn))
            return vm_fail(v, H_IntegerOverflow, 0, 0);
    }
    TRY(vm_deduct(v, burn, burn));
    uint8_t *copy = vm_arena_dup(v->arena, p, n, false);
    if (copy == NULL)
        return vm_oom(v);
    v->ret = copy;
    v->ret_len = n;
    v->ret_kind = OL_CHAIN_VM_RETURN_VALUE;
    return 0;
}

/* nearcore's get_utf8_string; *out is an arena copy, NUL-terminated. */
static int vm_get_utf8(vm_run *v, uint64_t len, uint64_t ptr, char **out, size_t *out_len)
{
    uint64_t max_len = v->p->max_total_log_length > v->total_log_length
                           ? v->p->max_total_log_length - v->total_log_length
                           : 0;
    const uint8_t *p;
    size_t n;
    TRY(vm_pay(v, OL_CHAIN_EXT_UTF8_DECODING_BASE));
    if (len != UINT64_MAX) {
        if (len > max_len)
            return vm_fail(v, H_TotalLogLengthExceeded, v->total_log_length + len,
                           v->p->max_total_log_length);
        TRY(vm_mem_view(v, ptr, len, &p));
        n = (size_t)len;
    } else {
        size_t size;
        n = 0;
        for (uint64_t i = 0; i <= max_len; i++) {
            uint8_t b;
            if (ptr + i < ptr)
                return vm_fail(v, H_MemoryAccessViolation, 0, 0);
            TRY(vm_mem_get(v, ptr + i, &b, 1));
            if (b == 0)
                break;
            if (i == max_len)
                return vm_fail(v, H_TotalLogLengthExceeded, v->total_log_length + max_len + 1,
                               v->p->max_total_log_length);
            n++;
        }
        p = ol_wasm_memory_data(v->mem, &size) + ptr;
    }
    TRY(vm_pay_per(v, OL_CHAIN_EXT_UTF8_DECODING_BYTE, n));
    if (!vm_utf8_valid(p, n))
        return vm_fail(v, H_BadUTF8, 0, 0);
    *out = vm_arena_dup(v->arena, p, n, true);
    if (*out == NULL)
        return vm_oom(v);
    *out_len = n;
    return 0;
}

/* nearcore's get_utf16_string: *out is UTF-8 (arena). */
static int vm_get_utf16(vm_run *v, uint64_t len, uint64_t ptr, char **out, size_t *out_len)
{
    uint64_t max_len = v->p->max_total_log_length > v->total_log_length
                           ? v->p->max_total_log_length - v->total_log_length
                           : 0;
    const uint8_t *p;
    size_t size;
    TRY(vm_pay(v, OL_CHAIN_EXT_UTF16_DECODING_BASE));
    if (len == UINT64_MAX) {
        len = 0;
        for (;;) {
            uint8_t b[2];
            uint64_t at = ptr + len < ptr ? UINT64_MAX : ptr + len;
            TRY(vm_mem_get(v, at, b, 2));
            if (b[0] == 0 && b[1] == 0)
                break;
            len += 2;
            if (len > max_len)
                return vm_fail(v, H_TotalLogLengthExceeded, v->total_log_length + len,
                               v->p->max_total_log_length);
        }
        uint8_t *base = ol_wasm_memory_data(v->mem, &size);
        if (ptr > size || len > size - ptr)
            return vm_fail(v, H_MemoryAccessViolation, 0, 0);
        p = base + ptr;
    } else {
        TRY(vm_mem_view(v, ptr, len, &p));
    }
    if (len % 2 != 0)
        return vm_fail(v, H_BadUTF16, 0, 0);
    if (len > max_len)
        return vm_fail(v, H_TotalLogLengthExceeded, v->total_log_length + len,
                       v->p->max_total_log_length);
    TRY(vm_pay_per(v, OL_CHAIN_EXT_UTF16_DECODING_BYTE, len));
    char *o = vm_arena_alloc(v->arena, (size_t)len * 2 + 1);
    size_t on = 0;
    if (o == NULL)
        return vm_oom(v);
    for (uint64_t i = 0; i < len; i += 2) {
        uint32_t c = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
        if (c >= 0xd800 && c <= 0xdbff) {
            if (i + 2 >= len)
                return vm_fail(v, H_BadUTF16, 0, 0);
            uint32_t lo = (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8;
            if (lo < 0xdc00 || lo > 0xdfff)
                return vm_fail(v, H_BadUTF16, 0, 0);
            c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        } else if (c >= 0xdc00 && c <= 0xdfff) {
            return vm_fail(v, H_BadUTF16, 0, 0);
        }
        if (c < 0x80) {
            o[on++] = (char)c;
        } else if (c < 0x800) {
            o[on++] = (char)(0xc0 | (c >> 6));
            o[on++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            o[on++] = (char)(0xe0 | (c >> 12));
            o[on++] = (char)(0x80 | ((c >> 6) & 0x3f));
            o[on++] = (char)(0x80 | (c & 0x3f));
        } else {
            o[on++] = (char)(0xf0 | (c >> 18));
            o[on++] = (char)(0x80 | ((c >> 12) & 0x3f));
            o[on++] = (char)(0x80 | ((c >> 6) & 0x3f));
            o[on++] = (char)(0x80 | (c & 0x3f));
        }
    }
    o[on] = '\0';
    *out = o;
    *out_len = on;
    return 0;
}

static int vm_check_log_count(vm_run *v)
{
    if (v->n_logs >= v->p->max_number_logs)
        return vm_fail(v, H_NumberOfLogsExceeded, v->p->max_number_logs, 0);
    return 0;
}

static int vm_push_log(vm_run *v, char *msg, size_t len)
{
    uint64_t total;
    if (__builtin_add_overflow(v->total_log_length, (uint64_t)len, &total) ||
        total > v->p->max_total_log_length)
        return vm_fail(v, H_TotalLogLengthExceeded, v->total_log_length + len,
                       v->p->max_total_log_length);
    v->total_log_length = total;
    if (!vm_grow((void **)&v->logs, &v->cap_logs, v->n_logs, sizeof *v->logs))
        return vm_oom(v);
    v->logs[v->n_logs++] = msg;
    return 0;
}

H(log_utf8)
{
    char *m;
    size_t n;
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_check_log_count(v));
    TRY(vm_get_utf8(v, a[0], a[1], &m, &n));
    TRY(vm_pay(v, OL_CHAIN_EXT_LOG_BASE));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_LOG_BYTE, n));
    return vm_push_log(v, m, n);
}

H(log_utf16)
{
    char *m;
    size_t n;
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_check_log_count(v));
    TRY(vm_get_utf16(v, a[0], a[1], &m, &n));
    TRY(vm_pay(v, OL_CHAIN_EXT_LOG_BASE));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_LOG_BYTE, n));
    return vm_push_log(v, m, n);
}

H(panic)
{
    static const char m[] = "explicit guest panic";
    UNUSED_ARGS;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    return vm_fail_msg(v, H_GuestPanic, m, sizeof m - 1);
}

H(panic_utf8)
{
    char *m;
    size_t n;
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_get_utf8(v, a[0], a[1], &m, &n));
    return vm_fail_msg(v, H_GuestPanic, m, n);
}

H(abort)
{
    uint32_t msg_ptr = (uint32_t)a[0], file_ptr = (uint32_t)a[1];
    uint32_t line = (uint32_t)a[2], col = (uint32_t)a[3];
    uint8_t lb[4];
    uint32_t msg_len, file_len;
    char *msg, *file;
    size_t mn, fn;
    vm_str s = {0};
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    if (msg_ptr < 4 || file_ptr < 4)
        return vm_fail(v, H_BadUTF16, 0, 0);
    TRY(vm_check_log_count(v));
    TRY(vm_mem_get(v, msg_ptr - 4, lb, 4));
    msg_len =
        (uint32_t)lb[0] | (uint32_t)lb[1] << 8 | (uint32_t)lb[2] << 16 | (uint32_t)lb[3] << 24;
    TRY(vm_mem_get(v, file_ptr - 4, lb, 4));
    file_len =
        (uint32_t)lb[0] | (uint32_t)lb[1] << 8 | (uint32_t)lb[2] << 16 | (uint32_t)lb[3] << 24;
    TRY(vm_get_utf16(v, msg_len, msg_ptr, &msg, &mn));
    TRY(vm_get_utf16(v, file_len, file_ptr, &file, &fn));
    vm_str_fmt(&s, "ABORT: %s, filename: \"%s\" line: %u col: %u", msg, file, line, col);
    if (s.oom) {
        free(s.p);
        return vm_oom(v);
    }
    size_t body_len = s.len - 7;
    int rc = vm_pay(v, OL_CHAIN_EXT_LOG_BASE);
    if (rc == 0)
        rc = vm_pay_per(v, OL_CHAIN_EXT_LOG_BYTE, body_len);
    char *log = rc == 0 ? vm_arena_dup(v->arena, s.p, s.len, true) : NULL;
    if (rc == 0 && log == NULL)
        rc = vm_oom(v);
    if (rc == 0)
        rc = vm_push_log(v, log, s.len);
    if (rc == 0)
        rc = vm_fail_msg(v, H_GuestPanic, s.p + 7, body_len);
    free(s.p);
    return rc ? -1 : 0;
}

/* ---------------------------------------- promises ---------------------------------------- */

static int vm_read_account(vm_run *v, uint64_t ptr, uint64_t len, char **out, size_t *out_len)
{
    uint8_t *p;
    size_t n;
    TRY(vm_mem_or_reg_dup(v, ptr, len, &p, &n));
    TRY(vm_pay(v, OL_CHAIN_EXT_UTF8_DECODING_BASE));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_UTF8_DECODING_BYTE, n));
    if (!vm_utf8_valid(p, n))
        return vm_fail(v, H_BadUTF8, 0, 0);
    if (!ol_near_account_id_is_valid((const char *)p, n))
        return vm_fail(v, H_InvalidAccountId, 0, 0);
    *out = (char *)p;
    *out_len = n;
    return 0;
}

static bool vm_is_current(const vm_run *v, const char *id, size_t len)
{
    return len == v->ctx->current_account_id.len &&
           memcmp(id, v->ctx->current_account_id.p, len) == 0;
}

static int vm_push_promise(vm_run *v, bool joint, uint64_t receipt, uint64_t *deps, size_t nd,
                           uint64_t *idx)
{
    if (!vm_grow((void **)&v->proms, &v->cap_proms, v->n_proms, sizeof *v->proms))
        return vm_oom(v);
    *idx = v->n_proms;
    v->proms[v->n_proms++] = (vm_promise){joint, receipt, deps, nd};
    if (v->n_proms > v->p->max_promises_per_function_call_action)
        return vm_fail(v, H_NumberPromisesExceeded, v->n_proms,
                       v->p->max_promises_per_function_call_action);
    return 0;
}

static int vm_pay_new_receipt(vm_run *v, bool sir, const bool *deps, size_t nd)
{
    const ol_chain_fee *rc = &v->p->action_receipt_creation,
                       *db = &v->p->data_receipt_creation_base;
    uint64_t burn = ol_chain_fee_send(rc, sir), use = rc->execution;
    for (size_t i = 0; i < nd; i++)
        if (__builtin_add_overflow(burn, ol_chain_fee_send(db, deps[i]), &burn) ||
            __builtin_add_overflow(burn, db->execution, &burn))
            return vm_fail(v, H_IntegerOverflow, 0, 0);
    if (__builtin_add_overflow(use, burn, &use))
        return vm_fail(v, H_IntegerOverflow, 0, 0);
    return vm_deduct(v, burn, use);
}

static int vm_new_receipt(vm_run *v, char *receiver, size_t rlen, uint64_t *deps, size_t nd,
                          uint64_t *idx)
{
    if (!vm_grow((void **)&v->rcpts, &v->cap_rcpts, v->n_rcpts, sizeof *v->rcpts))
        return vm_oom(v);
    vm_rcpt *rc = &v->rcpts[v->n_rcpts];
    memset(rc, 0, sizeof *rc);
    rc->receiver = receiver;
    rc->receiver_len = rlen;
    rc->deps = deps;
    rc->n_deps = nd;
    *idx = v->n_rcpts++;
    return 0;
}

static int vm_receipt_of(vm_run *v, uint64_t pidx, uint64_t *ridx, bool *sir)
{
    if (pidx >= v->n_proms)
        return vm_fail(v, H_InvalidPromiseIndex, pidx, 0);
    if (v->proms[pidx].joint)
        return vm_fail(v, H_CannotAppendActionToJointPromise, 0, 0);
    *ridx = v->proms[pidx].receipt;
    vm_rcpt *rc = &v->rcpts[*ridx];
    *sir = vm_is_current(v, rc->receiver, rc->receiver_len);
    return 0;
}

static int vm_append(vm_run *v, uint64_t ridx, const ol_near_action *act, uint64_t weight)
{
    vm_rcpt *rc = &v->rcpts[ridx];
    if (rc->n_acts == rc->cap_acts) {
        size_t nc = rc->cap_acts ? rc->cap_acts * 2 : 4;
        ol_near_action *na = realloc(rc->acts, nc * sizeof *na);
        if (na == NULL)
            return vm_oom(v);
        rc->acts = na;
        uint64_t *nw = realloc(rc->weights, nc * sizeof *nw);
        if (nw == NULL)
            return vm_oom(v);
        rc->weights = nw;
        rc->cap_acts = nc;
    }
    rc->acts[rc->n_acts] = *act;
    rc->weights[rc->n_acts] = weight;
    rc->n_acts++;
    return 0;
}

static int vm_deduct_balance(vm_run *v, ol_near_u128 amount)
{
    if (ol_near_u128_sub(v->balance, amount, &v->balance, NULL) != OL_OK)
        return vm_fail(v, H_BalanceExceeded, 0, 0);
    return 0;
}

/* A borsh PublicKey: decoded later (nearcore reports InvalidPublicKey after charging fees). */
static bool vm_decode_pk(const uint8_t *p, size_t n, ol_near_public_key *pk)
{
    memset(pk, 0, sizeof *pk);
    if (n == 33 && p[0] == 0) {
        pk->type = OL_NEAR_KEY_ED25519;
        memcpy(pk->data, p + 1, 32);
        return true;
    }
    if (n == 65 && p[0] == 1) {
        pk->type = OL_NEAR_KEY_SECP256K1;
        memcpy(pk->data, p + 1, 64);
        return true;
    }
    return false;
}

H(promise_batch_create)
{
    char *acc;
    size_t alen;
    uint64_t ridx;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_create"));
    TRY(vm_read_account(v, a[1], a[0], &acc, &alen));
    TRY(vm_pay_new_receipt(v, vm_is_current(v, acc, alen), NULL, 0));
    TRY(vm_new_receipt(v, acc, alen, NULL, 0, &ridx));
    return vm_push_promise(v, false, ridx, NULL, 0, r);
}

H(promise_batch_then)
{
    char *acc;
    size_t alen, nd;
    uint64_t ridx, *deps;
    bool *depsir;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_then"));
    TRY(vm_read_account(v, a[2], a[1], &acc, &alen));
    if (a[0] >= v->n_proms)
        return vm_fail(v, H_InvalidPromiseIndex, a[0], 0);
    vm_promise *pr = &v->proms[a[0]];
    nd = pr->joint ? pr->n_deps : 1;
    deps = vm_arena_alloc(v->arena, nd * sizeof *deps);
    depsir = vm_arena_alloc(v->arena, nd * sizeof *depsir);
    if (deps == NULL || depsir == NULL)
        return vm_oom(v);
    if (pr->joint)
        memcpy(deps, pr->deps, nd * sizeof *deps);
    else
        deps[0] = pr->receipt;
    for (size_t i = 0; i < nd; i++) {
        vm_rcpt *dr = &v->rcpts[deps[i]];
        depsir[i] = dr->receiver_len == alen && memcmp(dr->receiver, acc, alen) == 0;
    }
    TRY(vm_pay_new_receipt(v, vm_is_current(v, acc, alen), depsir, nd));
    TRY(vm_new_receipt(v, acc, alen, deps, nd, &ridx));
    return vm_push_promise(v, false, ridx, NULL, 0, r);
}

H(promise_and)
{
    const uint8_t *p;
    uint64_t mem_len, *deps = NULL;
    size_t nd = 0, cap = 0;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_and"));
    TRY(vm_pay(v, OL_CHAIN_EXT_PROMISE_AND_BASE));
    if (__builtin_mul_overflow(a[1], (uint64_t)8, &mem_len))
        return vm_fail(v, H_IntegerOverflow, 0, 0);
    TRY(vm_pay_per(v, OL_CHAIN_EXT_PROMISE_AND_PER_PROMISE, mem_len));
    TRY(vm_mem_view(v, a[0], mem_len, &p));
    for (uint64_t i = 0; i < a[1]; i++) {
        uint64_t idx = 0;
        for (int b = 7; b >= 0; b--)
            idx = (idx << 8) | p[i * 8 + (uint64_t)b];
        if (idx >= v->n_proms) {
            free(deps);
            return vm_fail(v, H_InvalidPromiseIndex, idx, 0);
        }
        vm_promise *pr = &v->proms[idx];
        size_t add = pr->joint ? pr->n_deps : 1;
        if (nd + add > cap) {
            size_t nc = (nd + add) * 2;
            uint64_t *n2 = realloc(deps, nc * sizeof *n2);
            if (n2 == NULL) {
                free(deps);
                return vm_oom(v);
            }
            deps = n2;
            cap = nc;
        }
        if (pr->joint)
            memcpy(deps + nd, pr->deps, add * sizeof *deps);
        else
            deps[nd] = pr->receipt;
        nd += add;
        if (nd > v->p->max_number_input_data_dependencies) {
            free(deps);
            return vm_fail(v, H_NumberInputDataDependenciesExceeded, nd,
                           v->p->max_number_input_data_dependencies);
        }
    }
    uint64_t *copy = vm_arena_dup(v->arena, deps, nd * sizeof *deps, false);
    free(deps);
    if (copy == NULL)
        return vm_oom(v);
    return vm_push_promise(v, true, 0, copy, nd, r);
}

H(promise_batch_action_create_account)
{
    uint64_t ridx;
    bool sir;
    ol_near_action act = {.kind = OL_NEAR_ACTION_CREATE_ACCOUNT};
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_action_create_account"));
    TRY(vm_receipt_of(v, a[0], &ridx, &sir));
    TRY(vm_pay_action(v, &v->p->action_create_account, sir));
    return vm_append(v, ridx, &act, 0);
}

H(promise_batch_action_deploy_contract)
{
    uint8_t *code;
    size_t n;
    uint64_t ridx;
    bool sir;
    ol_near_action act = {.kind = OL_NEAR_ACTION_DEPLOY_CONTRACT};
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_action_deploy_contract"));
    TRY(vm_mem_or_reg_dup(v, a[2], a[1], &code, &n));
    if (n > v->p->max_contract_size)
        return vm_fail(v, H_ContractSizeExceeded, n, v->p->max_contract_size);
    TRY(vm_receipt_of(v, a[0], &ridx, &sir));
    TRY(vm_pay_action(v, &v->p->action_deploy_contract, sir));
    TRY(vm_pay_action_bytes(v, &v->p->action_deploy_contract_per_byte, n, sir));
    act.deploy_contract.code = (ol_near_bytes){code, n};
    return vm_append(v, ridx, &act, 0);
}

static int vm_fc_weight(vm_run *v, const uint64_t *a, uint64_t weight)
{
    ol_near_u128 amount;
    uint8_t *name, *args;
    size_t nlen, alen;
    uint64_t ridx;
    bool sir;
    ol_near_action act = {.kind = OL_NEAR_ACTION_FUNCTION_CALL};
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_action_function_call"));
    TRY(vm_mem_get_u128(v, a[5], &amount));
    TRY(vm_mem_or_reg_dup(v, a[2], a[1], &name, &nlen));
    if (nlen == 0)
        return vm_fail(v, H_EmptyMethodName, 0, 0);
    TRY(vm_mem_or_reg_dup(v, a[4], a[3], &args, &alen));
    TRY(vm_receipt_of(v, a[0], &ridx, &sir));
    TRY(vm_pay_action(v, &v->p->action_function_call, sir));
    TRY(vm_pay_action_bytes(v, &v->p->action_function_call_per_byte, (uint64_t)nlen + alen, sir));
    TRY(vm_deduct(v, 0, a[6]));
    TRY(vm_deduct_balance(v, amount));
    act.function_call.method_name = (ol_near_str){(const char *)name, nlen};
    act.function_call.args = (ol_near_bytes){args, alen};
    act.function_call.gas = a[6];
    act.function_call.deposit = amount;
    return vm_append(v, ridx, &act, weight);
}

H(promise_batch_action_function_call)
{
    (void)r;
    return vm_fc_weight(v, a, 0);
}

H(promise_batch_action_function_call_weight)
{
    (void)r;
    return vm_fc_weight(v, a, a[7]);
}

H(promise_create)
{
    uint64_t idx, fa[7];
    TRY(h_promise_batch_create(v, a, &idx));
    fa[0] = idx;
    memcpy(fa + 1, a + 2, 6 * sizeof *fa);
    TRY(vm_fc_weight(v, fa, 0));
    *r = idx;
    return 0;
}

H(promise_then)
{
    uint64_t idx, fa[7];
    TRY(h_promise_batch_then(v, a, &idx));
    fa[0] = idx;
    memcpy(fa + 1, a + 3, 6 * sizeof *fa);
    TRY(vm_fc_weight(v, fa, 0));
    *r = idx;
    return 0;
}

H(promise_batch_action_transfer)
{
    ol_near_u128 amount;
    uint64_t ridx, send, exec;
    bool sir;
    ol_near_action act = {.kind = OL_NEAR_ACTION_TRANSFER};
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_action_transfer"));
    TRY(vm_mem_get_u128(v, a[1], &amount));
    TRY(vm_receipt_of(v, a[0], &ridx, &sir));
    act.transfer.deposit = amount;
    if (ol_chain_action_fees(v->p, &act, v->rcpts[ridx].receiver, v->rcpts[ridx].receiver_len, sir,
                             &send, &exec, NULL) != OL_OK)
        return vm_fail(v, H_IntegerOverflow, 0, 0);
    uint64_t use;
    if (__builtin_add_overflow(send, exec, &use))
        return vm_fail(v, H_IntegerOverflow, 0, 0);
    TRY(vm_deduct(v, send, use));
    TRY(vm_deduct_balance(v, amount));
    return vm_append(v, ridx, &act, 0);
}

H(promise_batch_action_stake)
{
    ol_near_u128 amount;
    const uint8_t *p;
    size_t n;
    uint64_t ridx;
    bool sir, ok;
    ol_near_action act = {.kind = OL_NEAR_ACTION_STAKE};
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_action_stake"));
    TRY(vm_mem_get_u128(v, a[1], &amount));
    TRY(vm_mem_or_reg(v, a[3], a[2], &p, &n));
    ok = vm_decode_pk(p, n, &act.stake.public_key);
    TRY(vm_receipt_of(v, a[0], &ridx, &sir));
    TRY(vm_pay_action(v, &v->p->action_stake, sir));
    if (!ok)
        return vm_fail(v, H_InvalidPublicKey, 0, 0);
    act.stake.stake = amount;
    return vm_append(v, ridx, &act, 0);
}

H(promise_batch_action_add_key_with_full_access)
{
    const uint8_t *p;
    size_t n;
    uint64_t ridx;
    bool sir, ok;
    ol_near_action act = {.kind = OL_NEAR_ACTION_ADD_KEY};
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_action_add_key_with_full_access"));
    TRY(vm_mem_or_reg(v, a[2], a[1], &p, &n));
    ok = vm_decode_pk(p, n, &act.add_key.public_key);
    TRY(vm_receipt_of(v, a[0], &ridx, &sir));
    TRY(vm_pay_action(v, &v->p->action_add_full_access_key, sir));
    if (!ok)
        return vm_fail(v, H_InvalidPublicKey, 0, 0);
    act.add_key.access_key.nonce = a[3];
    act.add_key.access_key.full_access = true;
    return vm_append(v, ridx, &act, 0);
}

H(promise_batch_action_add_key_with_function_call)
{
    const uint8_t *p;
    uint8_t *names;
    size_t n, names_len;
    uint64_t ridx, nbytes = 0;
    bool sir, ok;
    ol_near_u128 allowance;
    char *recv;
    size_t recv_len, count = 0;
    ol_near_str *list = NULL;
    ol_near_action act = {.kind = OL_NEAR_ACTION_ADD_KEY};
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_action_add_key_with_function_call"));
    TRY(vm_mem_or_reg(v, a[2], a[1], &p, &n));
    ok = vm_decode_pk(p, n, &act.add_key.public_key);
    TRY(vm_mem_get_u128(v, a[4], &allowance));
    TRY(vm_read_account(v, a[6], a[5], &recv, &recv_len));
    TRY(vm_mem_or_reg_dup(v, a[8], a[7], &names, &names_len));
    if (names_len > 0) {
        count = 1;
        for (size_t i = 0; i < names_len; i++)
            count += names[i] == ',';
        list = vm_arena_alloc(v->arena, count * sizeof *list);
        if (list == NULL)
            return vm_oom(v);
        size_t start = 0, k = 0;
        for (size_t i = 0; i <= names_len; i++) {
            if (i == names_len || names[i] == ',') {
                if (i == start)
                    return vm_fail(v, H_EmptyMethodName, 0, 0);
                if (!vm_utf8_valid(names + start, i - start))
                    return vm_fail(v, H_BadUTF8, 0, 0);
                list[k++] = (ol_near_str){(const char *)names + start, i - start};
                nbytes += (uint64_t)(i - start) + 1;
                start = i + 1;
            }
        }
    }
    TRY(vm_receipt_of(v, a[0], &ridx, &sir));
    TRY(vm_pay_action(v, &v->p->action_add_function_call_key, sir));
    TRY(vm_pay_action_bytes(v, &v->p->action_add_function_call_key_per_byte, nbytes, sir));
    if (!ok)
        return vm_fail(v, H_InvalidPublicKey, 0, 0);
    act.add_key.access_key.nonce = a[3];
    act.add_key.access_key.full_access = false;
    act.add_key.access_key.has_allowance = !ol_near_u128_is_zero(allowance);
    act.add_key.access_key.allowance = allowance;
    act.add_key.access_key.receiver_id = (ol_near_str){recv, recv_len};
    act.add_key.access_key.method_names = list;
    act.add_key.access_key.n_method_names = count;
    return vm_append(v, ridx, &act, 0);
}

H(promise_batch_action_delete_key)
{
    const uint8_t *p;
    size_t n;
    uint64_t ridx;
    bool sir, ok;
    ol_near_action act = {.kind = OL_NEAR_ACTION_DELETE_KEY};
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_action_delete_key"));
    TRY(vm_mem_or_reg(v, a[2], a[1], &p, &n));
    ok = vm_decode_pk(p, n, &act.delete_key.public_key);
    TRY(vm_receipt_of(v, a[0], &ridx, &sir));
    TRY(vm_pay_action(v, &v->p->action_delete_key, sir));
    if (!ok)
        return vm_fail(v, H_InvalidPublicKey, 0, 0);
    return vm_append(v, ridx, &act, 0);
}

H(promise_batch_action_delete_account)
{
    char *ben;
    size_t blen;
    uint64_t ridx;
    bool sir;
    ol_near_action act = {.kind = OL_NEAR_ACTION_DELETE_ACCOUNT};
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_batch_action_delete_account"));
    TRY(vm_read_account(v, a[2], a[1], &ben, &blen));
    TRY(vm_receipt_of(v, a[0], &ridx, &sir));
    TRY(vm_pay_action(v, &v->p->action_delete_account, sir));
    act.delete_account.beneficiary_id = ben;
    return vm_append(v, ridx, &act, 0);
}

H(promise_yield_create)
{
    uint8_t *name, *args;
    size_t nlen, alen;
    uint64_t ridx;
    static const bool dep_sir[1] = {true};
    ol_near_action act = {.kind = OL_NEAR_ACTION_FUNCTION_CALL};
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_yield_create"));
    TRY(vm_pay(v, OL_CHAIN_EXT_YIELD_CREATE_BASE));
    TRY(vm_mem_or_reg_dup(v, a[1], a[0], &name, &nlen));
    if (nlen == 0)
        return vm_fail(v, H_EmptyMethodName, 0, 0);
    TRY(vm_mem_or_reg_dup(v, a[3], a[2], &args, &alen));
    uint64_t nbytes = (uint64_t)nlen + alen;
    TRY(vm_pay_per(v, OL_CHAIN_EXT_YIELD_CREATE_BYTE, nbytes));
    TRY(vm_deduct(v, 0, a[4]));
    TRY(vm_pay_new_receipt(v, true, dep_sir, 1));
    char *self =
        vm_arena_dup(v->arena, v->ctx->current_account_id.p, v->ctx->current_account_id.len, true);
    if (self == NULL)
        return vm_oom(v);
    TRY(vm_new_receipt(v, self, v->ctx->current_account_id.len, NULL, 0, &ridx));
    v->rcpts[ridx].is_yield = true;
    ol_err e = v->ext->data_id_new(v->ext->ud, v->rcpts[ridx].data_id);
    if (e != OL_OK) {
        v->internal = e;
        return -1;
    }
    TRY(vm_push_promise(v, false, ridx, NULL, 0, r));
    TRY(vm_pay_action(v, &v->p->action_function_call, true));
    TRY(vm_pay_action_bytes(v, &v->p->action_function_call_per_byte, nbytes, true));
    act.function_call.method_name = (ol_near_str){(const char *)name, nlen};
    act.function_call.args = (ol_near_bytes){args, alen};
    act.function_call.gas = a[4];
    act.function_call.deposit = OL_NEAR_U128_C(0);
    TRY(vm_append(v, ridx, &act, a[5]));
    return vm_reg_set(v, a[6], v->rcpts[ridx].data_id, OL_NEAR_HASH_LEN);
}

H(promise_yield_resume)
{
    uint8_t *id, *payload;
    size_t idlen, plen;
    bool found = false;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_submit_data"));
    TRY(vm_pay(v, OL_CHAIN_EXT_YIELD_RESUME_BASE));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_YIELD_RESUME_BYTE, a[2]));
    TRY(vm_mem_or_reg_dup(v, a[1], a[0], &id, &idlen));
    TRY(vm_mem_or_reg_dup(v, a[3], a[2], &payload, &plen));
    if (plen > v->p->max_yield_payload_size)
        return vm_fail(v, H_YieldPayloadLength, plen, v->p->max_yield_payload_size);
    if (idlen != OL_NEAR_HASH_LEN)
        return vm_fail(v, H_DataIdMalformed, 0, 0);
    ol_err e = v->ext->yield_exists(v->ext->ud, id, &found);
    if (e != OL_OK) {
        v->internal = e;
        return -1;
    }
    if (found) {
        if (!vm_grow((void **)&v->resumes, &v->cap_resumes, v->n_resumes, sizeof *v->resumes))
            return vm_oom(v);
        ol_chain_vm_resume *rs = &v->resumes[v->n_resumes++];
        memcpy(rs->data_id, id, OL_NEAR_HASH_LEN);
        rs->payload = payload;
        rs->len = plen;
    }
    *r = found ? 1 : 0;
    return 0;
}

H(promise_results_count)
{
    (void)a;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_results_count"));
    *r = v->ctx->n_promise_results;
    return 0;
}

H(promise_result)
{
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "promise_result"));
    if (a[0] >= v->ctx->n_promise_results)
        return vm_fail(v, H_InvalidPromiseResultIndex, a[0], 0);
    const ol_chain_promise_result *pr = &v->ctx->promise_results[a[0]];
    switch (pr->status) {
    case OL_CHAIN_PROMISE_SUCCESSFUL:
        TRY(vm_reg_set_ex(v, a[1], pr->data, pr->len, false));
        *r = 1;
        return 0;
    case OL_CHAIN_PROMISE_FAILED:
        *r = 2;
        return 0;
    default:
        *r = 0;
        return 0;
    }
}

H(promise_return)
{
    (void)r;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_pay(v, OL_CHAIN_EXT_PROMISE_RETURN));
    TRY(vm_view_check(v, "promise_return"));
    if (a[0] >= v->n_proms)
        return vm_fail(v, H_InvalidPromiseIndex, a[0], 0);
    if (v->proms[a[0]].joint)
        return vm_fail(v, H_CannotReturnJointPromise, 0, 0);
    v->ret_kind = OL_CHAIN_VM_RETURN_RECEIPT;
    v->ret_receipt = v->proms[a[0]].receipt;
    return 0;
}

/* ----------------------------------------- storage ----------------------------------------- */

static int vm_key(vm_run *v, uint64_t ptr, uint64_t len, uint8_t **k, size_t *n)
{
    TRY(vm_mem_or_reg_dup(v, ptr, len, k, n));
    if (*n > v->p->max_length_storage_key)
        return vm_fail(v, H_KeyLengthExceeded, *n, v->p->max_length_storage_key);
    return 0;
}

static int vm_ext_err(vm_run *v, ol_err e)
{
    if (e == OL_OK)
        return 0;
    v->internal = e;
    return -1;
}

H(storage_write)
{
    uint8_t *key, *val, *old = NULL;
    size_t klen, vlen, olen = 0;
    bool found = false;
    const uint8_t *ov;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "storage_write"));
    TRY(vm_pay(v, OL_CHAIN_EXT_STORAGE_WRITE_BASE));
    TRY(vm_key(v, a[1], a[0], &key, &klen));
    TRY(vm_mem_or_reg_dup(v, a[3], a[2], &val, &vlen));
    if (vlen > v->p->max_length_storage_value)
        return vm_fail(v, H_ValueLengthExceeded, vlen, v->p->max_length_storage_value);
    TRY(vm_pay_per(v, OL_CHAIN_EXT_STORAGE_WRITE_KEY_BYTE, klen));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_STORAGE_WRITE_VALUE_BYTE, vlen));
    TRY(vm_ext_err(v, v->ext->storage_get(v->ext->ud, key, klen, &found, &ov, &olen)));
    if (found) {
        old = vm_arena_dup(v->arena, ov, olen, false);
        if (old == NULL)
            return vm_oom(v);
        TRY(vm_pay_per(v, OL_CHAIN_EXT_STORAGE_WRITE_EVICTED_BYTE, olen));
    }
    TRY(vm_ext_err(v, v->ext->storage_set(v->ext->ud, key, klen, val, vlen)));
    if (found) {
        v->storage_usage = v->storage_usage - olen + vlen;
        TRY(vm_reg_set(v, a[4], old, olen));
        *r = 1;
        return 0;
    }
    v->storage_usage += vlen + klen + v->p->storage_num_extra_bytes_record;
    *r = 0;
    return 0;
}

H(storage_read)
{
    uint8_t *key;
    size_t klen, vlen;
    bool found = false;
    const uint8_t *val;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_pay(v, OL_CHAIN_EXT_STORAGE_READ_BASE));
    TRY(vm_key(v, a[1], a[0], &key, &klen));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_STORAGE_READ_KEY_BYTE, klen));
    TRY(vm_ext_err(v, v->ext->storage_get(v->ext->ud, key, klen, &found, &val, &vlen)));
    if (!found) {
        *r = 0;
        return 0;
    }
    uint8_t *copy = vm_arena_dup(v->arena, val, vlen, false);
    if (copy == NULL)
        return vm_oom(v);
    TRY(vm_pay_per(v, OL_CHAIN_EXT_STORAGE_READ_VALUE_BYTE, vlen));
    if (vlen > 4000) { /* INLINE_DISK_VALUE_THRESHOLD */
        TRY(vm_pay(v, OL_CHAIN_EXT_STORAGE_LARGE_READ_OVERHEAD_BASE));
        TRY(vm_pay_per(v, OL_CHAIN_EXT_STORAGE_LARGE_READ_OVERHEAD_BYTE, vlen));
    }
    TRY(vm_reg_set(v, a[2], copy, vlen));
    *r = 1;
    return 0;
}

H(storage_remove)
{
    uint8_t *key, *old;
    size_t klen, olen;
    bool found = false;
    const uint8_t *ov;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_view_check(v, "storage_remove"));
    TRY(vm_pay(v, OL_CHAIN_EXT_STORAGE_REMOVE_BASE));
    TRY(vm_key(v, a[1], a[0], &key, &klen));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_STORAGE_REMOVE_KEY_BYTE, klen));
    TRY(vm_ext_err(v, v->ext->storage_get(v->ext->ud, key, klen, &found, &ov, &olen)));
    if (!found) {
        *r = 0;
        return 0;
    }
    old = vm_arena_dup(v->arena, ov, olen, false);
    if (old == NULL)
        return vm_oom(v);
    TRY(vm_pay_per(v, OL_CHAIN_EXT_STORAGE_REMOVE_RET_VALUE_BYTE, olen));
    TRY(vm_ext_err(v, v->ext->storage_remove(v->ext->ud, key, klen)));
    v->storage_usage -= olen + klen + v->p->storage_num_extra_bytes_record;
    TRY(vm_reg_set(v, a[2], old, olen));
    *r = 1;
    return 0;
}

H(storage_has_key)
{
    uint8_t *key;
    size_t klen;
    bool found = false;
    TRY(vm_pay(v, OL_CHAIN_EXT_BASE));
    TRY(vm_pay(v, OL_CHAIN_EXT_STORAGE_HAS_KEY_BASE));
    TRY(vm_key(v, a[1], a[0], &key, &klen));
    TRY(vm_pay_per(v, OL_CHAIN_EXT_STORAGE_HAS_KEY_BYTE, klen));
    TRY(vm_ext_err(v, v->ext->storage_has(v->ext->ud, key, klen, &found)));
    *r = found ? 1 : 0;
    return 0;
}

static int vm_deprecated(vm_run *v, const char *name)
{
    return vm_fail_msg(v, H_Deprecated, name, strlen(name));
}

H(storage_iter_prefix)
{
    UNUSED_ARGS;
    return vm_deprecated(v, "storage_iter_prefix");
}

H(storage_iter_range)
{
    UNUSED_ARGS;
    return vm_deprecated(v, "storage_iter_range");
}

H(storage_iter_next)
{
    UNUSED_ARGS;
    return vm_deprecated(v, "storage_iter_next");
}

/* ==================================== the import table ==================================== */

/* X(name, number of i64 params (or i32 for abort/gas: see vm_host_i32), result: 0 none,
 * 1 i64, 2 i32) */
#define VM_HOST_MAP(X)                                       \
    X(read_register, 2, 0)                                   \
    X(register_len, 1, 1)                                    \
    X(write_register, 3, 0)                                  \
    X(current_account_id, 1, 0)                              \
    X(signer_account_id, 1, 0)                               \
    X(signer_account_pk, 1, 0)                               \
    X(predecessor_account_id, 1, 0)                          \
    X(refund_to_account_id, 1, 0)                            \
    X(chain_id, 1, 0)                                        \
    X(input, 1, 0)                                           \
    X(block_index, 0, 1)                                     \
    X(block_timestamp, 0, 1)                                 \
    X(epoch_height, 0, 1)                                    \
    X(storage_usage, 0, 1)                                   \
    X(current_contract_code, 1, 1)                           \
    X(account_balance, 1, 0)                                 \
    X(account_locked_balance, 1, 0)                          \
    X(attached_deposit, 1, 0)                                \
    X(prepaid_gas, 0, 1)                                     \
    X(used_gas, 0, 1)                                        \
    X(random_seed, 1, 0)                                     \
    X(sha256, 3, 0)                                          \
    X(keccak256, 3, 0)                                       \
    X(keccak512, 3, 0)                                       \
    X(ripemd160, 3, 0)                                       \
    X(ed25519_verify, 6, 1)                                  \
    X(ecrecover, 7, 1)                                       \
    X(p256_verify, 6, 1)                                     \
    X(value_return, 2, 0)                                    \
    X(panic, 0, 0)                                           \
    X(panic_utf8, 2, 0)                                      \
    X(log_utf8, 2, 0)                                        \
    X(log_utf16, 2, 0)                                       \
    X(abort, 4, 0)                                           \
    X(gas, 1, 0)                                             \
    X(promise_create, 8, 1)                                  \
    X(promise_then, 9, 1)                                    \
    X(promise_and, 2, 1)                                     \
    X(promise_batch_create, 2, 1)                            \
    X(promise_batch_then, 3, 1)                              \
    X(promise_batch_action_create_account, 1, 0)             \
    X(promise_batch_action_deploy_contract, 3, 0)            \
    X(promise_batch_action_function_call, 7, 0)              \
    X(promise_batch_action_function_call_weight, 8, 0)       \
    X(promise_batch_action_transfer, 2, 0)                   \
    X(promise_batch_action_stake, 4, 0)                      \
    X(promise_batch_action_add_key_with_full_access, 4, 0)   \
    X(promise_batch_action_add_key_with_function_call, 9, 0) \
    X(promise_batch_action_delete_key, 3, 0)                 \
    X(promise_batch_action_delete_account, 3, 0)             \
    X(promise_yield_create, 7, 1)                            \
    X(promise_yield_resume, 4, 2)                            \
    X(promise_results_count, 0, 1)                           \
    X(promise_result, 2, 1)                                  \
    X(promise_return, 1, 0)                                  \
    X(storage_write, 5, 1)                                   \
    X(storage_read, 3, 1)                                    \
    X(storage_remove, 3, 1)                                  \
    X(storage_has_key, 2, 1)                                 \
    X(storage_iter_prefix, 2, 1)                             \
    X(storage_iter_range, 4, 1)                              \
    X(storage_iter_next, 3, 1)                               \
    X(validator_stake, 3, 0)                                 \
    X(validator_total_stake, 1, 0)

typedef struct vm_host_def {
    const char *name;
    vm_host_impl fn;
    uint32_t nparams;
    uint32_t result;
} vm_host_def;

static const vm_host_def vm_hosts[] = {
#define VM_HOST_DEF(n, np, res) {#n, h_##n, np, res},
    VM_HOST_MAP(VM_HOST_DEF)
#undef VM_HOST_DEF
};

#define VM_NHOSTS (sizeof vm_hosts / sizeof vm_hosts[0])

static const ol_wasm_valtype vm_i64s[9] = {OL_WASM_I64, OL_WASM_I64, OL_WASM_I64,
                                           OL_WASM_I64, OL_WASM_I64, OL_WASM_I64,
                                           OL_WASM_I64, OL_WASM_I64, OL_WASM_I64};
static const ol_wasm_valtype vm_i32s[4] = {OL_WASM_I32, OL_WASM_I32, OL_WASM_I32, OL_WASM_I32};

static ol_wasm_functype vm_host_type(int idx)
{
    const vm_host_def *h = &vm_hosts[idx];
    ol_wasm_functype t;
    bool i32_params = strcmp(h->name, "abort") == 0 || strcmp(h->name, "gas") == 0;
    t.nparams = h->nparams;
    t.params = i32_params ? vm_i32s : vm_i64s;
    t.nresults = h->result ? 1 : 0;
    t.results = h->result == 2 ? vm_i32s : vm_i64s;
    return t;
}

int ol__chain_vm_host_find(const char *name, size_t len)
{
    for (size_t i = 0; i < VM_NHOSTS; i++)
        if (strlen(vm_hosts[i].name) == len && memcmp(vm_hosts[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

bool ol__chain_vm_host_type_eq(int idx, const ol_wasm_functype *t)
{
    ol_wasm_functype h = vm_host_type(idx);
    if (h.nparams != t->nparams || h.nresults != t->nresults)
        return false;
    for (uint32_t i = 0; i < h.nparams; i++)
        if (h.params[i] != t->params[i])
            return false;
    return h.nresults == 0 || h.results[0] == t->results[0];
}

static ol_err vm_trampoline(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    const vm_import *imp = ud;
    vm_run *v = imp->v;
    const vm_host_def *h = &vm_hosts[imp->idx];
    uint64_t a[9], r = 0;
    vm_sync_in(v);
    for (uint32_t i = 0; i < h->nparams; i++)
        a[i] = args[i];
    if (h->fn(v, a, &r) != 0) {
        ol_wasm_store_set_fuel(v->store, 0);
        return ol_wasm_caller_trap(c, OL_WASM_TRAP_HOST, "%s", h->name);
    }
    if (h->result == 1)
        results[0] = r;
    else if (h->result == 2)
        results[0] = r & 0xffffffffu;
    vm_sync_out(v);
    return OL_OK;
}

/* ======================================== errors ======================================== */

static const char *vm_herr_name(vm_herr h)
{
    switch (h) {
#define N(x)    \
    case H_##x: \
        return #x;
        N(BadUTF16)
        N(BadUTF8)
        N(GasExceeded)
        N(GasLimitExceeded)
        N(BalanceExceeded)
        N(EmptyMethodName)
        N(GuestPanic)
        N(IntegerOverflow)
        N(InvalidPromiseIndex)
        N(CannotAppendActionToJointPromise)
        N(CannotReturnJointPromise)
        N(InvalidPromiseResultIndex)
        N(InvalidRegisterId)
        N(MemoryAccessViolation)
        N(InvalidAccountId)
        N(InvalidPublicKey)
        N(ProhibitedInView)
        N(NumberOfLogsExceeded)
        N(KeyLengthExceeded)
        N(ValueLengthExceeded)
        N(TotalLogLengthExceeded)
        N(NumberPromisesExceeded)
        N(NumberInputDataDependenciesExceeded)
        N(ReturnedValueLengthExceeded)
        N(ContractSizeExceeded)
        N(Deprecated)
        N(Ed25519VerifyInvalidInput)
        N(ECRecoverError)
        N(P256VerifyInvalidInput)
        N(YieldPayloadLength)
        N(DataIdMalformed)
#undef N
    default:
        return "?";
    }
}

/* Fills display and the Debug body ("Name" or "Name { f: v }") of a host error. */
static void vm_herr_text(vm_herr h, uint64_t a, uint64_t b, const char *s, size_t sl, vm_str *disp,
                         vm_str *dbg)
{
    const char *nm = vm_herr_name(h);
    vm_str_add(dbg, nm, strlen(nm));
    switch (h) {
    case H_BadUTF8:
        vm_str_fmt(disp, "String encoding is bad UTF-8 sequence.");
        break;
    case H_BadUTF16:
        vm_str_fmt(disp, "String encoding is bad UTF-16 sequence.");
        break;
    case H_GasExceeded:
        vm_str_fmt(disp, "Exceeded the prepaid gas.");
        break;
    case H_GasLimitExceeded:
        vm_str_fmt(disp, "Exceeded the maximum amount of gas allowed to burn per contract.");
        break;
    case H_BalanceExceeded:
        vm_str_fmt(disp, "Exceeded the account balance.");
        break;
    case H_EmptyMethodName:
        vm_str_fmt(disp, "Tried to call an empty method name.");
        break;
    case H_GuestPanic:
        vm_str_fmt(disp, "Smart contract panicked: ");
        vm_str_add(disp, s, sl);
        vm_str_fmt(dbg, " { panic_msg: ");
        vm_str_rust_quote(dbg, s, sl);
        vm_str_fmt(dbg, " }");
        break;
    case H_IntegerOverflow:
        vm_str_fmt(disp, "Integer overflow.");
        break;
    case H_InvalidPromiseIndex:
        vm_str_fmt(disp, "%llu does not correspond to existing promises", (unsigned long long)a);
        vm_str_fmt(dbg, " { promise_idx: %llu }", (unsigned long long)a);
        break;
    case H_CannotAppendActionToJointPromise:
        vm_str_fmt(disp, "Actions can only be appended to non-joint promise.");
        break;
    case H_CannotReturnJointPromise:
        vm_str_fmt(disp, "Returning joint promise is currently prohibited.");
        break;
    case H_InvalidPromiseResultIndex:
        vm_str_fmt(disp, "Accessed invalid promise result index: %llu", (unsigned long long)a);
        vm_str_fmt(dbg, " { result_idx: %llu }", (unsigned long long)a);
        break;
    case H_InvalidRegisterId:
        vm_str_fmt(disp, "Accessed invalid register id: %llu", (unsigned long long)a);
        vm_str_fmt(dbg, " { register_id: %llu }", (unsigned long long)a);
        break;
    case H_MemoryAccessViolation:
        vm_str_fmt(disp, "Accessed memory outside the bounds.");
        break;
    case H_InvalidAccountId:
        vm_str_fmt(disp, "VM Logic returned an invalid account id");
        break;
    case H_InvalidPublicKey:
        vm_str_fmt(disp, "VM Logic provided an invalid public key");
        break;
    case H_ProhibitedInView:
        vm_str_add(disp, s, sl);
        vm_str_fmt(disp, " is not allowed in view calls");
        vm_str_fmt(dbg, " { method_name: ");
        vm_str_rust_quote(dbg, s, sl);
        vm_str_fmt(dbg, " }");
        break;
    case H_NumberOfLogsExceeded:
        vm_str_fmt(disp, "The number of logs will exceed the limit %llu", (unsigned long long)a);
        vm_str_fmt(dbg, " { limit: %llu }", (unsigned long long)a);
        break;
    case H_KeyLengthExceeded:
        vm_str_fmt(disp, "The length of a storage key %llu exceeds the limit %llu",
                   (unsigned long long)a, (unsigned long long)b);
        vm_str_fmt(dbg, " { length: %llu, limit: %llu }", (unsigned long long)a,
                   (unsigned long long)b);
        break;
    case H_ValueLengthExceeded:
        vm_str_fmt(disp, "The length of a storage value %llu exceeds the limit %llu",
                   (unsigned long long)a, (unsigned long long)b);
        vm_str_fmt(dbg, " { length: %llu, limit: %llu }", (unsigned long long)a,
                   (unsigned long long)b);
        break;
    case H_TotalLogLengthExceeded:
        vm_str_fmt(disp, "The length of a log message %llu exceeds the limit %llu",
                   (unsigned long long)a, (unsigned long long)b);
        vm_str_fmt(dbg, " { length: %llu, limit: %llu }", (unsigned long long)a,
                   (unsigned long long)b);
        break;
    case H_NumberPromisesExceeded:
        vm_str_fmt(disp, "The number of promises within a FunctionCall %llu exceeds the limit %llu",
                   (unsigned long long)a, (unsigned long long)b);
        vm_str_fmt(dbg, " { number_of_promises: %llu, limit: %llu }", (unsigned long long)a,
                   (unsigned long long)b);
        break;
    case H_NumberInputDataDependenciesExceeded:
        vm_str_fmt(disp, "The number of input data dependencies %llu exceeds the limit %llu",
                   (unsigned long long)a, (unsigned long long)b);
        vm_str_fmt(dbg, " { number_of_input_data_dependencies: %llu, limit: %llu }",
                   (unsigned long long)a, (unsigned long long)b);
        break;
    case H_ReturnedValueLengthExceeded:
        vm_str_fmt(disp, "The length of a returned value %llu exceeds the limit %llu",
                   (unsigned long long)a, (unsigned long long)b);
        vm_str_fmt(dbg, " { length: %llu, limit: %llu }", (unsigned long long)a,
                   (unsigned long long)b);
        break;
    case H_ContractSizeExceeded:
        vm_str_fmt(disp,
                   "The size of a contract code in DeployContract action %llu exceeds the limit "
                   "%llu",
                   (unsigned long long)a, (unsigned long long)b);
        vm_str_fmt(dbg, " { size: %llu, limit: %llu }", (unsigned long long)a,
                   (unsigned long long)b);
        break;
    case H_Deprecated:
        vm_str_fmt(disp, "Attempted to call deprecated host function ");
        vm_str_add(disp, s, sl);
        vm_str_fmt(dbg, " { method_name: ");
        vm_str_rust_quote(dbg, s, sl);
        vm_str_fmt(dbg, " }");
        break;
    case H_Ed25519VerifyInvalidInput:
        vm_str_fmt(disp, "ED25519 signature verification error: ");
        vm_str_add(disp, s, sl);
        vm_str_fmt(dbg, " { msg: ");
        vm_str_rust_quote(dbg, s, sl);
        vm_str_fmt(dbg, " }");
        break;
    case H_ECRecoverError:
        vm_str_fmt(disp, "ECDSA recover error: ");
        vm_str_add(disp, s, sl);
        vm_str_fmt(dbg, " { msg: ");
        vm_str_rust_quote(dbg, s, sl);
        vm_str_fmt(dbg, " }");
        break;
    case H_P256VerifyInvalidInput:
        /* Worded as its sibling Ed25519VerifyInvalidInput; the message itself ("invalid
         * signature length" / "invalid public key length") is nearcore's. */
        vm_str_fmt(disp, "P256 signature verification error: ");
        vm_str_add(disp, s, sl);
        vm_str_fmt(dbg, " { msg: ");
        vm_str_rust_quote(dbg, s, sl);
        vm_str_fmt(dbg, " }");
        break;
    case H_YieldPayloadLength:
        vm_str_fmt(disp, "Yield resume payload is %llu bytes which exceeds the %llu byte limit",
                   (unsigned long long)a, (unsigned long long)b);
        vm_str_fmt(dbg, " { length: %llu, limit: %llu }", (unsigned long long)a,
                   (unsigned long long)b);
        break;
    case H_DataIdMalformed:
        vm_str_fmt(disp, "yield resumption token is malformed");
        break;
    default:
        break;
    }
}

static const char *vm_prep_name(vm_prep_err e)
{
    switch (e) {
    case VM_PREP_DESERIALIZATION:
        return "Deserialization";
    case VM_PREP_INSTANTIATE:
        return "Instantiate";
    case VM_PREP_MEMORY:
        return "Memory";
    case VM_PREP_TOO_MANY_FUNCTIONS:
        return "TooManyFunctions";
    case VM_PREP_TOO_MANY_LOCALS:
        return "TooManyLocals";
    default:
        return "?";
    }
}

static const char *vm_prep_display(vm_prep_err e)
{
    switch (e) {
    case VM_PREP_DESERIALIZATION:
        return "Error happened while deserializing the module.";
    case VM_PREP_INSTANTIATE:
        return "Error happened during instantiation.";
    case VM_PREP_MEMORY:
        return "Error creating memory.";
    case VM_PREP_TOO_MANY_FUNCTIONS:
        return "Too many functions in contract.";
    case VM_PREP_TOO_MANY_LOCALS:
        return "Too many locals declared in the contract.";
    default:
        return "?";
    }
}

/* Moves the built strings into err; OL_E_NOMEM when any failed. */
static ol_err vm_err_set(ol_chain_vm_error *err, ol_chain_vm_error_kind kind, const char *name,
                         vm_str *disp, vm_str *json, vm_str *dbg)
{
    if (disp->oom || json->oom || dbg->oom || !disp->p || !json->p || !dbg->p) {
        free(disp->p);
        free(json->p);
        free(dbg->p);
        return OL_E_NOMEM;
    }
    err->kind = kind;
    err->name = name;
    err->display = disp->p;
    err->json = json->p;
    err->debug = dbg->p;
    return OL_OK;
}

static ol_err vm_err_prepare(ol_chain_vm_error *err, vm_prep_err pe, const char *link_msg)
{
    vm_str disp = {0}, json = {0}, dbg = {0};
    if (pe == VM_PREP_LINK) {
        vm_str_add(&disp, link_msg, strlen(link_msg));
        vm_str_fmt(&json, "{\"LinkError\":{\"msg\":");
        vm_str_json_quote(&json, link_msg, strlen(link_msg));
        vm_str_fmt(&json, "}}");
        vm_str_fmt(&dbg, "LinkError { msg: ");
        vm_str_rust_quote(&dbg, link_msg, strlen(link_msg));
        vm_str_fmt(&dbg, " }");
        return vm_err_set(err, OL_CHAIN_VM_ERR_LINK, "LinkError", &disp, &json, &dbg);
    }
    vm_str_fmt(&disp, "PrepareError: %s", vm_prep_display(pe));
    vm_str_fmt(&json, "{\"CompilationError\":{\"PrepareError\":\"%s\"}}", vm_prep_name(pe));
    vm_str_fmt(&dbg, "CompilationError(PrepareError(%s))", vm_prep_name(pe));
    return vm_err_set(err, OL_CHAIN_VM_ERR_COMPILATION, "PrepareError", &disp, &json, &dbg);
}

static ol_err vm_err_simple(ol_chain_vm_error *err, ol_chain_vm_error_kind kind, const char *name,
                            const char *display, const char *outer)
{
    vm_str disp = {0}, json = {0}, dbg = {0};
    vm_str_add(&disp, display, strlen(display));
    if (kind == OL_CHAIN_VM_ERR_METHOD_RESOLVE) {
        vm_str_fmt(&json, "{\"MethodResolveError\":\"%s\"}", name);
    } else {
        vm_str_fmt(&json, "{\"ExecutionError\":");
        vm_str_json_quote(&json, display, strlen(display));
        vm_str_fmt(&json, "}");
    }
    vm_str_fmt(&dbg, "%s(%s)", outer, name);
    return vm_err_set(err, kind, name, &disp, &json, &dbg);
}

static ol_err vm_err_host(ol_chain_vm_error *err, vm_herr h, uint64_t a, uint64_t b, const char *s,
                          size_t sl)
{
    vm_str disp = {0}, json = {0}, dbg = {0};
    vm_str_fmt(&dbg, "HostError(");
    vm_herr_text(h, a, b, s ? s : "", s ? sl : 0, &disp, &dbg);
    vm_str_fmt(&dbg, ")");
    vm_str_fmt(&json, "{\"ExecutionError\":");
    if (disp.p)
        vm_str_json_quote(&json, disp.p, disp.len);
    vm_str_fmt(&json, "}");
    return vm_err_set(err, OL_CHAIN_VM_ERR_HOST, vm_herr_name(h), &disp, &json, &dbg);
}

void ol_chain_vm_error_fini(ol_chain_vm_error *err)
{
    if (err == NULL)
        return;
    free(err->display);
    free(err->json);
    free(err->debug);
    memset(err, 0, sizeof *err);
}

/* ========================================= the VM ========================================= */

ol_err ol_chain_vm_new(const ol_chain_vm_config *cfg, ol_chain_vm **out, ol_diag *d)
{
    ol_chain_vm *vm = calloc(1, sizeof *vm);
    if (vm == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "chain vm");
    vm->p = cfg && cfg->params ? cfg->params : ol_chain_params_default();
    vm->cap_cache = cfg && cfg->cache_capacity ? cfg->cache_capacity : VM_CACHE_DEFAULT;
    vm->cache = calloc(vm->cap_cache, sizeof *vm->cache);
    if (vm->cache == NULL || pthread_mutex_init(&vm->lock, NULL) != 0) {
        free(vm->cache);
        free(vm);
        return OL_FAIL(d, OL_E_NOMEM, "chain vm cache");
    }
    if (sodium_init() < 0) {
        pthread_mutex_destroy(&vm->lock);
        free(vm->cache);
        free(vm);
        return OL_FAIL(d, OL_E_INTERNAL, "sodium_init failed");
    }
    *out = vm;
    return OL_OK;
}

void ol_chain_vm_free(ol_chain_vm *vm)
{
    if (vm == NULL)
        return;
    for (size_t i = 0; i < vm->n_cache; i++)
        ol_wasm_module_free(vm->cache[i].module);
    for (size_t i = 0; i < vm->n_retired; i++)
        ol_wasm_module_free(vm->retired[i]);
    free(vm->retired);
    free(vm->cache);
    pthread_mutex_destroy(&vm->lock);
    free(vm);
}

const ol_chain_params *ol_chain_vm_params(const ol_chain_vm *vm)
{
    return vm->p;
}

/* Looks up or prepares code. On OL_OK *m is the module (borrowed; modules live until the VM
 * is freed) or NULL with *perr/msg set. */
static ol_err vm_get_module(ol_chain_vm *vm, const uint8_t *code, size_t len,
                            const uint8_t hash[OL_NEAR_HASH_LEN], ol_wasm_module **m,
                            vm_prep_err *perr, char *msg, size_t msg_cap)
{
    ol_err rc = OL_OK;
    pthread_mutex_lock(&vm->lock);
    for (size_t i = 0; i < vm->n_cache; i++) {
        vm_cache_entry *e = &vm->cache[i];
        if (memcmp(e->hash, hash, OL_NEAR_HASH_LEN) == 0) {
            e->used = ++vm->tick;
            *m = e->module;
            *perr = e->perr;
            snprintf(msg, msg_cap, "%s", e->msg);
            pthread_mutex_unlock(&vm->lock);
            return OL_OK;
        }
    }
    pthread_mutex_unlock(&vm->lock);

    ol_wasm_module *mod = NULL;
    vm_prep_err pe;
    char buf[256];
    rc = ol__chain_vm_prepare(vm->p, code, len, &mod, &pe, buf, sizeof buf);
    if (rc != OL_OK)
        return rc;

    pthread_mutex_lock(&vm->lock);
    vm_cache_entry *slot;
    if (vm->n_cache < vm->cap_cache) {
        slot = &vm->cache[vm->n_cache++];
    } else {
        slot = &vm->cache[0];
        for (size_t i = 1; i < vm->n_cache; i++)
            if (vm->cache[i].used < slot->used)
                slot = &vm->cache[i];
        if (slot->module != NULL) {
            ol_wasm_module **nr = realloc(vm->retired, (vm->n_retired + 1) * sizeof *vm->retired);
            if (nr == NULL) {
                pthread_mutex_unlock(&vm->lock);
                ol_wasm_module_free(mod);
                return OL_E_NOMEM;
            }
            vm->retired = nr;
            vm->retired[vm->n_retired++] = slot->module;
        }
    }
    memcpy(slot->hash, hash, OL_NEAR_HASH_LEN);
    slot->module = mod;
    slot->perr = pe;
    snprintf(slot->msg, sizeof slot->msg, "%s", buf);
    slot->used = ++vm->tick;
    pthread_mutex_unlock(&vm->lock);
    *m = mod;
    *perr = pe;
    snprintf(msg, msg_cap, "%s", buf);
    return OL_OK;
}

ol_err ol_chain_vm_check_code(ol_chain_vm *vm, const uint8_t *code, size_t code_len,
                              ol_chain_vm_error *err, ol_diag *d)
{
    uint8_t hash[OL_NEAR_HASH_LEN];
    ol_wasm_module *m;
    vm_prep_err pe;
    char msg[256];
    memset(err, 0, sizeof *err);
    crypto_hash_sha256(hash, code, code_len);
    ol_err rc = vm_get_module(vm, code, code_len, hash, &m, &pe, msg, sizeof msg);
    if (rc != OL_OK)
        return OL_FAIL(d, rc, "preparing contract");
    if (m == NULL && vm_err_prepare(err, pe, msg) != OL_OK)
        return OL_FAIL(d, OL_E_NOMEM, "error text");
    return OL_OK;
}

void ol_chain_vm_outcome_fini(ol_chain_vm_outcome *o)
{
    if (o == NULL)
        return;
    ol_chain_vm_error_fini(&o->error);
    vm_arena_free(o->arena_);
    free(o->arena_);
    memset(o, 0, sizeof *o);
}

static vm_herr vm_trap_to_host(ol_wasm_trap_kind k, const char **wasm_trap)
{
    *wasm_trap = NULL;
    switch (k) {
    case OL_WASM_TRAP_UNREACHABLE:
        *wasm_trap = "Unreachable";
        break;
    case OL_WASM_TRAP_MEMORY_OOB:
        *wasm_trap = "MemoryOutOfBounds";
        break;
    case OL_WASM_TRAP_TABLE_OOB:
    case OL_WASM_TRAP_UNDEFINED_ELEMENT:
        *wasm_trap = "CallIndirectOOB";
        break;
    case OL_WASM_TRAP_DIV_BY_ZERO:
    case OL_WASM_TRAP_INT_OVERFLOW:
    case OL_WASM_TRAP_INVALID_CONVERSION:
        *wasm_trap = "IllegalArithmetic";
        break;
    case OL_WASM_TRAP_INDIRECT_NULL:
        *wasm_trap = "IndirectCallToNull";
        break;
    case OL_WASM_TRAP_INDIRECT_TYPE:
        *wasm_trap = "IncorrectCallIndirectSignature";
        break;
    case OL_WASM_TRAP_STACK_EXHAUSTED:
        return H_MemoryAccessViolation; /* finite-wasm's stack limit */
    default:
        *wasm_trap = "GenericTrap";
        break;
    }
    return H_NONE;
}

static const char *vm_wasm_trap_display(const char *name)
{
    static const struct {
        const char *n, *d;
    } t[] = {
        {"Unreachable", "WebAssembly trap: An `unreachable` opcode was executed."},
        {"MemoryOutOfBounds", "WebAssembly trap: Memory out of bounds trap."},
        {"CallIndirectOOB", "WebAssembly trap: Call indirect out of bounds trap."},
        {"IllegalArithmetic", "WebAssembly trap: An arithmetic exception, e.g. divided by zero."},
        {"IndirectCallToNull", "WebAssembly trap: Indirect call to null."},
        {"IncorrectCallIndirectSignature",
         "WebAssembly trap: Call indirect incorrect signature trap."},
        {"GenericTrap", "WebAssembly trap: Generic trap."},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].n, name) == 0)
            return t[i].d;
    return "WebAssembly trap: Generic trap.";
}

/* Distributes unused gas among function calls with a weight (nearcore's distribute_gas). */
static void vm_distribute_gas(vm_run *v)
{
    __extension__ typedef unsigned __int128 u128;
    u128 sum = 0;
    uint64_t unused = v->prepaid - (v->burnt + v->promises_gas);
    vm_rcpt *last_r = NULL;
    size_t last_a = 0;
    for (size_t i = 0; i < v->n_rcpts; i++)
        for (size_t k = 0; k < v->rcpts[i].n_acts; k++)
            if (v->rcpts[i].weights[k]) {
                sum += v->rcpts[i].weights[k];
                last_r = &v->rcpts[i];
                last_a = k;
            }
    if (sum == 0 || unused == 0 || v->ctx->is_view)
        return;
    uint64_t distributed = 0;
    for (size_t i = 0; i < v->n_rcpts; i++)
        for (size_t k = 0; k < v->rcpts[i].n_acts; k++)
            if (v->rcpts[i].weights[k]) {
                uint64_t g = (uint64_t)((u128)unused * v->rcpts[i].weights[k] / sum);
                v->rcpts[i].acts[k].function_call.gas += g;
                distributed += g;
            }
    last_r->acts[last_a].function_call.gas += unused - distributed;
    v->promises_gas += unused;
}

static void vm_run_fini(vm_run *v)
{
    for (size_t i = 0; i < v->n_regs; i++)
        free(v->regs[i].data);
    free(v->regs);
    free(v->logs);
    free(v->proms);
    for (size_t i = 0; i < v->n_rcpts; i++) {
        free(v->rcpts[i].acts);
        free(v->rcpts[i].weights);
    }
    free(v->rcpts);
    free(v->resumes);
    free(v->hmsg);
}

/* Copies the run's results into the outcome (arena-owned). */
static ol_err vm_finish(vm_run *v, bool ok, ol_chain_vm_outcome *o)
{
    o->burnt_gas = v->burnt;
    o->used_gas = v->burnt + v->promises_gas;
    o->logs = vm_arena_alloc(v->arena, (v->n_logs ? v->n_logs : 1) * sizeof *o->logs);
    if (o->logs == NULL)
        return OL_E_NOMEM;
    if (v->n_logs)
        memcpy(o->logs, v->logs, v->n_logs * sizeof *o->logs);
    o->n_logs = v->n_logs;
    if (!ok) {
        o->balance = v->ctx->account_balance;
        o->storage_usage = v->ctx->storage_usage;
        o->return_kind = OL_CHAIN_VM_RETURN_NONE;
        return OL_OK;
    }
    o->balance = v->balance;
    o->storage_usage = v->storage_usage;
    o->return_kind = v->ret_kind;
    o->return_data = v->ret;
    o->return_len = v->ret_len;
    o->return_receipt = v->ret_receipt;
    if (v->n_rcpts) {
        o->receipts = vm_arena_alloc(v->arena, v->n_rcpts * sizeof *o->receipts);
        if (o->receipts == NULL)
            return OL_E_NOMEM;
        for (size_t i = 0; i < v->n_rcpts; i++) {
            vm_rcpt *rc = &v->rcpts[i];
            ol_chain_vm_receipt *orc = &o->receipts[i];
            memset(orc, 0, sizeof *orc);
            orc->receiver_id = (ol_near_str){rc->receiver, rc->receiver_len};
            orc->deps = rc->deps;
            orc->n_deps = rc->n_deps;
            orc->actions = vm_arena_dup(v->arena, rc->acts, rc->n_acts * sizeof *rc->acts, false);
            if (orc->actions == NULL)
                return OL_E_NOMEM;
            orc->n_actions = rc->n_acts;
            orc->is_yield = rc->is_yield;
            memcpy(orc->yield_data_id, rc->data_id, OL_NEAR_HASH_LEN);
        }
        o->n_receipts = v->n_rcpts;
    }
    if (v->n_resumes) {
        o->resumes = vm_arena_dup(v->arena, v->resumes, v->n_resumes * sizeof *v->resumes, false);
        if (o->resumes == NULL)
            return OL_E_NOMEM;
        o->n_resumes = v->n_resumes;
    }
    return OL_OK;
}

ol_err ol_chain_vm_run(ol_chain_vm *vm, const uint8_t *code, size_t code_len,
                       const char *method_name, size_t method_len, const ol_chain_vm_context *ctx,
                       const ol_chain_vm_ext *ext, ol_chain_vm_outcome *out, ol_diag *d)
{
    vm_run v;
    ol_chain_vm_outcome o;
    ol_wasm_store *store = NULL;
    ol_wasm_extern *imports = NULL;
    vm_import *imps = NULL;
    ol_err rc = OL_OK;
    ol_wasm_trap trap;
    bool ok = false;

    memset(&v, 0, sizeof v);
    memset(&o, 0, sizeof o);
    memset(out, 0, sizeof *out);
    o.arena_ = calloc(1, sizeof(vm_arena));
    if (o.arena_ == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "outcome");
    v.arena = o.arena_;
    v.p = vm->p;
    v.ctx = ctx;
    v.ext = ext;
    v.max_burnt = ctx->is_view ? vm->p->max_gas_burnt_view : vm->p->max_gas_burnt;
    v.prepaid = ctx->is_view ? UINT64_MAX : ctx->prepaid_gas;
    v.limit = v.max_burnt < v.prepaid ? v.max_burnt : v.prepaid;
    if (ol_near_u128_add(ctx->account_balance, OL_NEAR_U128_C(0), &v.balance, NULL) != OL_OK)
        v.balance = ctx->account_balance;
    v.storage_usage = ctx->storage_usage;

    /* before_loading_executable */
    if (method_len == 0) {
        rc = vm_err_simple(&o.error, OL_CHAIN_VM_ERR_METHOD_RESOLVE, "MethodEmptyName",
                           "MethodEmptyName", "MethodResolveError");
        goto finish;
    }
    if (code == NULL || code_len == 0) {
        vm_str disp = {0}, json = {0}, dbg = {0};
        const ol_near_str *acc = &ctx->current_account_id;
        vm_str_fmt(&disp, "cannot find contract code for account %.*s", (int)acc->len, acc->p);
        vm_str_fmt(&json, "{\"CompilationError\":{\"CodeDoesNotExist\":{\"account_id\":");
        vm_str_json_quote(&json, acc->p, acc->len);
        vm_str_fmt(&json, "}}}");
        vm_str_fmt(&dbg, "CompilationError(CodeDoesNotExist { account_id: ");
        vm_str_rust_quote(&dbg, acc->p, acc->len);
        vm_str_fmt(&dbg, " })");
        rc = vm_err_set(&o.error, OL_CHAIN_VM_ERR_COMPILATION, "CodeDoesNotExist", &disp, &json,
                        &dbg);
        goto finish;
    }

    ol_wasm_module *m;
    vm_prep_err pe;
    char msg[256];
    rc = vm_get_module(vm, code, code_len, ctx->code_hash, &m, &pe, msg, sizeof msg);
    if (rc != OL_OK)
        goto out;
    if (m == NULL) {
        rc = vm_err_prepare(&o.error, pe, msg);
        goto finish;
    }
    /* after_loading_executable (fix_contract_loading_cost = false) */
    if (vm_pay_per(&v, OL_CHAIN_EXT_CONTRACT_LOADING_BYTES, code_len) ||
        vm_pay(&v, OL_CHAIN_EXT_CONTRACT_LOADING_BASE)) {
        rc = vm_err_host(&o.error, H_GasExceeded, 0, 0, NULL, 0);
        goto finish;
    }
    /* method lookup */
    {
        bool found = false, sig_ok = false;
        for (uint32_t i = 0; i < ol_wasm_module_export_count(m); i++) {
            const char *name;
            size_t nlen;
            ol_wasm_externtype t;
            ol_wasm_module_export(m, i, &name, &nlen, &t);
            if (t.kind == OL_WASM_EXTERN_FUNC && nlen == method_len &&
                memcmp(name, method_name, nlen) == 0) {
                found = true;
                sig_ok = t.func.nparams == 0 && t.func.nresults == 0;
            }
        }
        if (!found || !sig_ok) {
            const char *n = !found ? "MethodNotFound" : "MethodInvalidSignature";
            rc =
                vm_err_simple(&o.error, OL_CHAIN_VM_ERR_METHOD_RESOLVE, n, n, "MethodResolveError");
            goto finish;
        }
    }

    ol_wasm_store_config scfg = {0};
    scfg.limits.max_memory_pages = vm->p->max_memory_pages;
    scfg.limits.max_table_elems = (uint32_t)vm->p->max_elements_per_contract_table;
    rc = ol_wasm_store_new(&scfg, &store, d);
    if (rc != OL_OK)
        goto out;
    v.store = store;
    rc = ol_wasm_memory_new(store, vm->p->initial_memory_pages, vm->p->max_memory_pages, &v.mem, d);
    if (rc != OL_OK)
        goto out;
    uint32_t nimp = ol_wasm_module_import_count(m);
    imports = calloc(nimp, sizeof *imports);
    imps = calloc(nimp, sizeof *imps);
    if ((nimp && imports == NULL) || (nimp && imps == NULL)) {
        rc = OL_FAIL(d, OL_E_NOMEM, "imports");
        goto out;
    }
    for (uint32_t i = 0; i < nimp; i++) {
        const char *mod, *name;
        size_t mlen, nlen;
        ol_wasm_externtype t;
        ol_wasm_module_import(m, i, &mod, &mlen, &name, &nlen, &t);
        if (t.kind == OL_WASM_EXTERN_MEMORY) {
            imports[i].kind = OL_WASM_EXTERN_MEMORY;
            imports[i].of.memory = v.mem;
            continue;
        }
        int idx = ol__chain_vm_host_find(name, nlen);
        if (idx < 0) {
            rc = OL_FAIL(d, OL_E_INTERNAL, "prepared module imports an unknown function");
            goto out;
        }
        ol_wasm_functype ft = vm_host_type(idx);
        imps[i].v = &v;
        imps[i].idx = idx;
        imports[i].kind = OL_WASM_EXTERN_FUNC;
        rc = ol_wasm_func_new_host(store, &ft, vm_trampoline, &imps[i], &imports[i].of.func, d);
        if (rc != OL_OK)
            goto out;
    }

    ol_wasm_store_set_fuel(store, vm_fuel_left(&v));
    ol_wasm_instance *inst = NULL;
    memset(&trap, 0, sizeof trap);
    rc = ol_wasm_instance_new(store, m, imports, nimp, &inst, &trap, d);
    if (rc == OL_OK) {
        ol_wasm_func *f = NULL;
        ol_wasm_extern ex;
        if (ol_wasm_instance_export(inst, method_name, method_len, &ex) == OL_OK &&
            ex.kind == OL_WASM_EXTERN_FUNC)
            f = ex.of.func;
        if (f == NULL) {
            rc = OL_FAIL(d, OL_E_INTERNAL, "exported method vanished");
            goto out;
        }
        memset(&trap, 0, sizeof trap);
        rc = ol_wasm_call(f, NULL, 0, NULL, 0, &trap);
    }
    if (rc == OL_E_NOMEM)
        goto out;
    if (rc == OL_E_UNLINKABLE || rc == OL_E_LIMIT) {
        rc = vm_err_prepare(&o.error, VM_PREP_INSTANTIATE, "");
        goto finish;
    }
    if (v.internal != OL_OK) {
        rc = OL_FAIL(d, v.internal, "external state callback failed");
        goto out;
    }
    if (rc == OL_OK) {
        vm_sync_in(&v);
        ok = true;
        vm_distribute_gas(&v);
        goto finish;
    }
    if (rc != OL_E_TRAP)
        goto out;
    if (trap.kind == OL_WASM_TRAP_HOST) {
        rc = vm_err_host(&o.error, v.herr, v.ha, v.hb, v.hmsg, v.hmsg_len);
        goto finish;
    }
    if (trap.kind == OL_WASM_TRAP_OUT_OF_FUEL) {
        uint64_t left = ol_wasm_store_fuel_remaining(store);
        vm_sync_in(&v);
        uint64_t nb = v.burnt + (left + 1) * vm->p->wasm_regular_op_cost;
        if (nb < v.burnt)
            nb = UINT64_MAX;
        vm_process_gas_limit(&v, nb, nb + v.promises_gas);
        rc = vm_err_host(&o.error, v.herr, 0, 0, NULL, 0);
        goto finish;
    }
    vm_sync_in(&v);
    {
        const char *wt;
        vm_herr h = vm_trap_to_host(trap.kind, &wt);
        if (h != H_NONE)
            rc = vm_err_host(&o.error, h, 0, 0, NULL, 0);
        else
            rc = vm_err_simple(&o.error, OL_CHAIN_VM_ERR_WASM_TRAP, wt, vm_wasm_trap_display(wt),
                               "WasmTrap");
    }

finish:
    if (rc != OL_OK) {
        rc = OL_FAIL(d, rc, "building the outcome");
        goto out;
    }
    rc = vm_finish(&v, ok, &o);
    if (rc != OL_OK) {
        rc = OL_FAIL(d, rc, "building the outcome");
        goto out;
    }
    *out = o;
    memset(&o, 0, sizeof o);
out:
    ol_wasm_store_free(store);
    free(imports);
    free(imps);
    vm_run_fini(&v);
    ol_chain_vm_outcome_fini(&o);
    return rc;
}
