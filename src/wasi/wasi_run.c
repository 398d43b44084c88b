/* ol_wasi_run() and ol_wasi_run_module(): (compile,) link every import against the preview1
 * host, instantiate, call `_start` under the limits, the deadline and the cancellation flag, and
 * assemble the run record. Both go through run_prepared(), so the record of a module is the same
 * whichever entry point ran it. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wasi_int.h"

static const char wasi_module[] = "wasi_snapshot_preview1";

const char *ol_wasi_status_name(ol_wasi_status s)
{
    switch (s) {
#define OL_WASI_STATUS_CASE(name, str) \
    case OL_WASI_##name:               \
        return str;
        OL_WASI_STATUS_MAP(OL_WASI_STATUS_CASE)
#undef OL_WASI_STATUS_CASE
    }
    return "unknown";
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------------------------------------
 * Host functions
 * ------------------------------------------------------------------------------------------- */

typedef struct binding {
    ol__wasi_ctx *ctx;
    const ol__wasi_def *def;
} binding;

static ol_err host_entry(ol_wasm_caller *caller, void *ud, const uint64_t *args, uint64_t *results)
{
    const binding *b = ud;
    ol__wasi_ctx *ctx = b->ctx;
    ol__wasi_call c = {.ctx = ctx, .caller = caller};
    ol_wasm_memory *m = ol_wasm_caller_memory(caller);
    if (m != NULL)
        c.mem = ol_wasm_memory_data(m, &c.mem_len);
    uint32_t r = b->def->fn(&c, args);
    if (r == OL__WASI_STOP) {
        if (c.out_of_fuel)
            return OL_E_TRAP; /* the engine's out-of-fuel trap is already set */
        ol_wasm_trap_kind kind =
            ctx->stop == OL__WASI_STOP_TIMEOUT ? OL_WASM_TRAP_INTERRUPTED : OL_WASM_TRAP_HOST;
        return ol_wasm_caller_trap(caller, kind, "%s", ctx->stop_msg);
    }
    if (b->def->results[0] != '\0')
        results[0] = r;
    return OL_OK;
}

/* The engine type of a definition; `vt` has room for 9 parameters and 1 result. */
static ol_wasm_functype def_type(const ol__wasi_def *def, ol_wasm_valtype *vt)
{
    uint32_t np = (uint32_t)strlen(def->params), nr = (uint32_t)strlen(def->results);
    for (uint32_t i = 0; i < np; i++)
        vt[i] = def->params[i] == 'I' ? OL_WASM_I64 : OL_WASM_I32;
    for (uint32_t i = 0; i < nr; i++)
        vt[np + i] = OL_WASM_I32;
    return (ol_wasm_functype){np, nr, vt, vt + np};
}

static bool same_type(const ol_wasm_functype *a, const ol_wasm_functype *b)
{
    if (a->nparams != b->nparams || a->nresults != b->nresults)
        return false;
    for (uint32_t i = 0; i < a->nparams; i++) {
        if (a->params[i] != b->params[i])
            return false;
    }
    for (uint32_t i = 0; i < a->nresults; i++) {
        if (a->results[i] != b->results[i])
            return false;
    }
    return true;
}

/* A name as a quoted string for messages: printable ASCII as is, other bytes as \hh; long names
 * are cut with "...". */
static void quote(char *buf, size_t cap, const char *s, size_t len)
{
    size_t k = 0;
    buf[k++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (k + 8 >= cap) {
            memcpy(buf + k, "...", 3);
            k += 3;
            break;
        }
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
            buf[k++] = (char)ch;
        else
            k += (size_t)snprintf(buf + k, cap - k, "\\%02x", ch);
    }
    buf[k++] = '"';
    buf[k] = '\0';
}

static void type_text(char *buf, size_t cap, const ol_wasm_functype *t)
{
    size_t k = (size_t)snprintf(buf, cap, "(func");
    for (uint32_t i = 0; i < t->nparams && k < cap; i++) {
        const char *n = t->params[i] == OL_WASM_I32   ? "i32"
                        : t->params[i] == OL_WASM_I64 ? "i64"
                        : t->params[i] == OL_WASM_F32 ? "f32"
                        : t->params[i] == OL_WASM_F64 ? "f64"
                                                      : "ref";
        k += (size_t)snprintf(buf + k, cap - k, "%s %s", i == 0 ? " (param" : "", n);
        if (i + 1 == t->nparams && k < cap)
            k += (size_t)snprintf(buf + k, cap - k, ")");
    }
    if (t->nresults > 0 && k < cap)
        k += (size_t)snprintf(buf + k, cap - k, " (result %s%s)",
                              t->results[0] == OL_WASM_I32 ? "i32" : "other",
                              t->nresults > 1 ? " ..." : "");
    if (k < cap)
        snprintf(buf + k, cap - k, ")");
}

/* snprintf for messages that are cut at the buffer's end on purpose (names can be long). */
static void msgf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void msgf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* Checks every import against the host; on success *defs[i] is the definition for import i.
 * Otherwise writes the reason into msg. */
static bool link_imports(const ol_wasm_module *m, const ol__wasi_def **defs, char *msg, size_t cap)
{
    uint32_t n = ol_wasm_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        const char *mod, *name;
        size_t mod_len, name_len;
        ol_wasm_externtype t;
        ol_wasm_module_import(m, i, &mod, &mod_len, &name, &name_len, &t);
        char qm[80], qn[80];
        quote(qm, sizeof qm, mod, mod_len);
        quote(qn, sizeof qn, name, name_len);
        if (mod_len != sizeof wasi_module - 1 || memcmp(mod, wasi_module, mod_len) != 0) {
            msgf(msg, cap,
                 "import %s %s is not provided (the host provides only "
                 "wasi_snapshot_preview1 functions)",
                 qm, qn);
            return false;
        }
        const ol__wasi_def *def = ol__wasi_find(name, name_len);
        if (t.kind != OL_WASM_EXTERN_FUNC || def == NULL) {
            msgf(msg, cap, "import %s %s is not provided (%s)", qm, qn,
                 def == NULL ? "not a wasi_snapshot_preview1 function"
                             : "the host provides it as a function");
            return false;
        }
        ol_wasm_valtype vt[10];
        ol_wasm_functype want = def_type(def, vt);
        if (!same_type(&t.func, &want)) {
            char have_s[96], want_s[96];
            type_text(have_s, sizeof have_s, &t.func);
            type_text(want_s, sizeof want_s, &want);
            msgf(msg, cap, "import %s %s has type %s but the host provides %s", qm, qn, have_s,
                 want_s);
            return false;
        }
        defs[i] = def;
    }
    return true;
}

/* Whether the module exports `_start` as a function taking and returning nothing. */
static bool has_start(const ol_wasm_module *m, char *msg, size_t cap)
{
    uint32_t n = ol_wasm_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        ol_wasm_externtype t;
        ol_wasm_module_export(m, i, &name, &len, &t);
        if (len != 6 || memcmp(name, "_start", 6) != 0)
            continue;
        if (t.kind != OL_WASM_EXTERN_FUNC || t.func.nparams != 0 || t.func.nresults != 0) {
            snprintf(msg, cap,
                     "export \"_start\" must be a function without parameters and "
                     "results");
            return false;
        }
        return true;
    }
    snprintf(msg, cap, "the module does not export \"_start\" (not a WASI command)");
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * The run
 * ------------------------------------------------------------------------------------------- */

typedef struct run_state {
    ol_wasi_status status;
    uint32_t exit_code;
    bool replay_diverged;
    bool cancelled;
    ol_wasm_trap trap;
    char error[320];
} run_state;

/* How a trapped instantiation or call ended. */
static void classify(run_state *st, const ol__wasi_ctx *ctx, const ol_wasi_config *cfg,
                     const ol_wasm_trap *trap)
{
    st->trap = *trap;
    switch (ctx->stop) {
    case OL__WASI_STOP_EXIT:
        st->status = ctx->exit_code == 0 ? OL_WASI_OK : OL_WASI_EXIT;
        st->exit_code = ctx->exit_code;
        st->trap = (ol_wasm_trap){.kind = OL_WASM_TRAP_NONE};
        return;
    case OL__WASI_STOP_OUTPUT:
        st->status = OL_WASI_OUTPUT_LIMIT;
        snprintf(st->error, sizeof st->error, "%s", ctx->stop_msg);
        return;
    case OL__WASI_STOP_DIVERGED:
        st->replay_diverged = true;
        st->status = OL_WASI_TRAP;
        snprintf(st->error, sizeof st->error, "%s", ctx->stop_msg);
        return;
    case OL__WASI_STOP_TRANSCRIPT:
    case OL__WASI_STOP_HOST:
        st->status = OL_WASI_TRAP;
        snprintf(st->error, sizeof st->error, "%s", ctx->stop_msg);
        return;
    case OL__WASI_STOP_TIMEOUT:
    case OL__WASI_RUNNING:
        break;
    }
    if (trap->kind == OL_WASM_TRAP_INTERRUPTED && atomic_load(&ctx->cancelled)) {
        st->status = OL_WASI_TIMEOUT;
        st->cancelled = true;
        snprintf(st->error, sizeof st->error, "the run was cancelled");
    } else if (trap->kind == OL_WASM_TRAP_INTERRUPTED && atomic_load(&ctx->timed_out)) {
        st->status = OL_WASI_TIMEOUT;
        snprintf(st->error, sizeof st->error, "the run exceeded the timeout of %" PRIu32 " ms",
                 cfg->timeout_ms);
    } else if (trap->kind == OL_WASM_TRAP_OUT_OF_FUEL) {
        st->status = OL_WASI_OUT_OF_FUEL;
        snprintf(st->error, sizeof st->error, "the limit of %" PRIu64 " instructions was reached",
                 cfg->max_instructions);
    } else {
        st->status = OL_WASI_TRAP;
        if (trap->func_index != UINT32_MAX)
            snprintf(st->error, sizeof st->error, "%s (function %" PRIu32 ", offset 0x%" PRIx32 ")",
                     trap->msg, trap->func_index, trap->offset);
        else
            snprintf(st->error, sizeof st->error, "%s", trap->msg);
    }
}

/* The result and its buffers are one allocation, released by ol_wasi_result_free(). */
typedef struct result_block {
    const ol_allocator *alloc;
    size_t size;
    ol_wasi_result r;
} result_block;

static ol_err build_result(const run_state *st, ol__wasi_ctx *ctx, const ol_allocator *a,
                           ol_wasi_result **out, ol_diag *d)
{
    const ol__wasi_buf *tr = &ctx->src.rec;
    size_t tr_len = ctx->src.keep ? tr->len : 0;
    size_t size = sizeof(result_block);
    size_t parts[3] = {ctx->out.len, ctx->err.len, tr_len};
    for (int i = 0; i < 3; i++) {
        if (parts[i] > SIZE_MAX - size)
            return OL_FAIL(d, OL_E_NOMEM, "result too large");
        size += parts[i];
    }
    result_block *b = ol_malloc(a, size);
    if (b == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "result: %zu bytes", size);
    memset(b, 0, sizeof *b);
    b->alloc = a;
    b->size = size;
    ol_wasi_result *r = &b->r;
    uint8_t *p = (uint8_t *)(b + 1);
    r->status = st->status;
    r->exit_code = st->exit_code;
    snprintf(r->error, sizeof r->error, "%s", st->error);
    r->replay_diverged = st->replay_diverged;
    r->cancelled = st->cancelled;
    r->trap = st->trap;
    if (ctx->out.len > 0)
        memcpy(p, ctx->out.p, ctx->out.len);
    r->output = p;
    r->output_len = ctx->out.len;
    p += ctx->out.len;
    if (ctx->err.len > 0)
        memcpy(p, ctx->err.p, ctx->err.len);
    r->err = p;
    r->err_len = ctx->err.len;
    r->err_dropped = ctx->err_dropped;
    p += ctx->err.len;
    if (ctx->src.keep) {
        if (tr_len > 0)
            memcpy(p, tr->p, tr_len);
        r->transcript = p;
        r->transcript_len = tr_len;
    }
    r->transcript_entries = ctx->src.entries;
    crypto_hash_sha256(r->output_sha256, r->output, r->output_len);
    *out = r;
    return OL_OK;
}

void ol_wasi_result_free(ol_wasi_result *r)
{
    if (r == NULL)
        return;
    result_block *b = (result_block *)((char *)r - offsetof(result_block, r));
    ol_free(b->alloc, b, b->size);
}

static ol_err resolve_config(ol_wasi_config *cfg, ol_diag *d)
{
    if (cfg->max_instructions == 0)
        cfg->max_instructions = OL_WASI_DEFAULT_MAX_INSTRUCTIONS;
    if (cfg->max_memory_mb == 0)
        cfg->max_memory_mb = OL_WASI_DEFAULT_MAX_MEMORY_MB;
    if (cfg->timeout_ms == 0)
        cfg->timeout_ms = OL_WASI_DEFAULT_TIMEOUT_MS;
    if (cfg->max_output_bytes == 0)
        cfg->max_output_bytes = OL_WASI_DEFAULT_MAX_OUTPUT;
    if (cfg->max_stderr_bytes == 0)
        cfg->max_stderr_bytes = OL_WASI_DEFAULT_MAX_STDERR;
    if (cfg->max_transcript_bytes == 0)
        cfg->max_transcript_bytes = OL_WASI_DEFAULT_MAX_TRANSCRIPT;
    if (cfg->max_memory_mb > OL_WASI_MAX_MEMORY_MB)
        return OL_FAIL(d, OL_E_INVAL, "max_memory_mb %" PRIu32 " exceeds %u", cfg->max_memory_mb,
                       OL_WASI_MAX_MEMORY_MB);
    if (cfg->source == OL_WASI_SOURCE_REPLAY) {
        if (cfg->record)
            return OL_FAIL(d, OL_E_INVAL, "record and replay exclude each other");
        if (cfg->transcript == NULL)
            return OL_FAIL(d, OL_E_INVAL, "replay needs a transcript");
    }
    return OL_OK;
}

/* Copies cfg_in, resolves the defaults and checks everything a run needs before it can start:
 * the limits, libsodium and a replay's transcript. */
static ol_err prepare(const ol_wasi_config *cfg_in, ol_wasi_config *cfg, ol_diag *d)
{
    *cfg = cfg_in != NULL ? *cfg_in : (ol_wasi_config){0};
    ol_err rc = resolve_config(cfg, d);
    if (rc != OL_OK)
        return rc;
    if (sodium_init() < 0)
        return OL_FAIL(d, OL_E_INTERNAL, "libsodium could not be initialised");
    if (cfg->source == OL_WASI_SOURCE_REPLAY)
        return ol_wasi_transcript_check(cfg->transcript, cfg->transcript_len,
                                        cfg->max_transcript_bytes, NULL, d);
    return OL_OK;
}

/* The run of module m under cfg (prepared), or, when m is NULL, the record of a module that
 * did not compile (`invalid` says why). wasm_sha256 goes into the record; t0 is when the
 * caller's call began. */
static ol_err run_prepared(const ol_wasm_module *m, const char *invalid,
                           const uint8_t wasm_sha256[32], const ol_wasi_config *cfg_p, uint64_t t0,
                           ol_wasi_result **out, ol_diag *d)
{
    ol_wasi_config cfg = *cfg_p;
    const ol_allocator *a = cfg.alloc != NULL ? cfg.alloc : ol_allocator_default();

    ol__wasi_ctx ctx;
    ol_err rc = ol__wasi_ctx_init(&ctx, &cfg, a, d);
    if (rc != OL_OK)
        return rc;

    ol_wasm_store *s = NULL;
    const ol__wasi_def **defs = NULL;
    binding *binds = NULL;
    ol_wasm_extern *imports = NULL;
    uint32_t nimp = 0;
    run_state st = {.status = OL_WASI_OK};
    ol_wasi_result *res = NULL;
    uint8_t tr_sha[32];
    ol_diag md = {0};

    /* Link. */
    if (m == NULL) {
        st.status = OL_WASI_INVALID_MODULE;
        snprintf(st.error, sizeof st.error, "%s", invalid);
        goto done;
    }
    nimp = ol_wasm_module_import_count(m);
    if (nimp > 0) {
        defs = ol_calloc(a, nimp, sizeof *defs);
        binds = ol_calloc(a, nimp, sizeof *binds);
        imports = ol_calloc(a, nimp, sizeof *imports);
        if (defs == NULL || binds == NULL || imports == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "imports: %" PRIu32, nimp);
            goto out;
        }
    }
    if (!link_imports(m, defs, st.error, sizeof st.error) ||
        !has_start(m, st.error, sizeof st.error)) {
        st.status = OL_WASI_INVALID_MODULE;
        goto done;
    }

    ol_wasm_store_config sc = {.alloc = a};
    sc.limits.max_memory_pages = cfg.max_memory_mb * (uint32_t)(1048576 / OL_WASM_PAGE_SIZE);
    rc = ol_wasm_store_new(&sc, &s, &md);
    if (rc != OL_OK) {
        (void)OL_FAIL(d, rc, "store: %s", md.msg);
        goto out;
    }
    ctx.store = s;
    for (uint32_t i = 0; i < nimp; i++) {
        ol_wasm_valtype vt[10];
        ol_wasm_functype ft = def_type(defs[i], vt);
        binds[i] = (binding){&ctx, defs[i]};
        ol_wasm_func *f;
        rc = ol_wasm_func_new_host(s, &ft, host_entry, &binds[i], &f, &md);
        if (rc != OL_OK) {
            (void)OL_FAIL(d, rc, "host function %s: %s", defs[i]->name, md.msg);
            goto out;
        }
        imports[i] = (ol_wasm_extern){.kind = OL_WASM_EXTERN_FUNC, .of.func = f};
    }

    /* Cancelled before it began: nothing runs. */
    if (cfg.cancel != NULL && atomic_load(cfg.cancel)) {
        st.status = OL_WASI_TIMEOUT;
        st.cancelled = true;
        snprintf(st.error, sizeof st.error, "the run was cancelled");
        goto done;
    }

    /* Run: fuel covers instantiation (segments, start function) and _start. */
    ol_wasm_store_set_fuel(s, cfg.max_instructions);
    rc = ol__wasi_timer_start(&ctx, cfg.timeout_ms, d);
    if (rc != OL_OK)
        goto out;
    ol_wasm_instance *inst = NULL;
    ol_wasm_trap trap = {.kind = OL_WASM_TRAP_NONE};
    rc = ol_wasm_instance_new(s, m, imports, nimp, &inst, &trap, &md);
    if (rc == OL_OK) {
        ol_wasm_func *start = ol_wasm_instance_func(inst, "_start");
        rc = ol_wasm_call(start, NULL, 0, NULL, 0, &trap);
        if (rc == OL_E_TRAP)
            classify(&st, &ctx, &cfg, &trap);
        else if (rc != OL_OK)
            (void)OL_FAIL(d, rc, "calling _start");
    } else if (rc == OL_E_TRAP) {
        classify(&st, &ctx, &cfg, &trap);
    } else if (rc == OL_E_LIMIT) {
        st.status = OL_WASI_MEMORY_LIMIT;
        snprintf(st.error, sizeof st.error, "%s (limit %" PRIu32 " MiB)", md.msg,
                 cfg.max_memory_mb);
    } else if (rc == OL_E_UNLINKABLE) {
        st.status = OL_WASI_INVALID_MODULE;
        snprintf(st.error, sizeof st.error, "%s: %s", ol_strerror(rc), md.msg);
    } else {
        (void)OL_FAIL(d, rc, "instantiating: %s", md.msg);
    }
    ol__wasi_timer_stop(&ctx);
    if (rc != OL_OK && rc != OL_E_TRAP && rc != OL_E_LIMIT && rc != OL_E_UNLINKABLE)
        goto out;
    rc = OL_OK;

done:
    if (ol__wasi_src_finish(&ctx.src, tr_sha) != OL__WASI_SRC_OK && !st.cancelled) {
        /* A replay that ended with entries unused did not reproduce the recorded run (a
         * cancelled one ended early by request). */
        if (st.status == OL_WASI_OK || st.status == OL_WASI_EXIT) {
            st.status = OL_WASI_TRAP;
            st.exit_code = 0;
            snprintf(st.error, sizeof st.error, "%s", ctx.src.msg);
        } else if (!st.replay_diverged && st.status != OL_WASI_INVALID_MODULE) {
            size_t k = strlen(st.error);
            snprintf(st.error + k, sizeof st.error - k, "; %s", ctx.src.msg);
        }
        if (st.status != OL_WASI_INVALID_MODULE)
            st.replay_diverged = true;
    }
    /* A run that failed after the store refused memory.grow at the memory limit ran out of memory
     * because of the limit: report that rather than the guest's reaction to it. */
    if (s != NULL && (st.status == OL_WASI_TRAP || st.status == OL_WASI_EXIT) &&
        !st.replay_diverged && ol_wasm_store_memory_limit_hits(s) > 0) {
        st.status = OL_WASI_MEMORY_LIMIT;
        snprintf(st.error, sizeof st.error,
                 "memory.grow was refused at the limit of %" PRIu32 " MiB", cfg.max_memory_mb);
    }
    rc = build_result(&st, &ctx, a, &res, d);
    if (rc != OL_OK)
        goto out;
    res->instructions = s != NULL ? ol_wasm_store_fuel_consumed(s) : 0;
    memcpy(res->transcript_sha256, tr_sha, 32);
    static const uint8_t empty[1];
    memcpy(res->wasm_sha256, wasm_sha256, 32);
    crypto_hash_sha256(res->input_sha256, cfg.input != NULL ? cfg.input : empty, cfg.input_len);
    res->time_ms = (mono_ns() - t0) / UINT64_C(1000000);
    *out = res;

out:
    ol__wasi_timer_stop(&ctx);
    ol_wasm_store_free(s);
    ol_free(a, defs, (size_t)nimp * sizeof *defs);
    ol_free(a, binds, (size_t)nimp * sizeof *binds);
    ol_free(a, imports, (size_t)nimp * sizeof *imports);
    ol__wasi_ctx_fini(&ctx);
    return rc;
}

ol_err ol_wasi_run_module(const ol_wasm_module *m, const uint8_t wasm_sha256[32],
                          const ol_wasi_config *cfg_in, ol_wasi_result **out, ol_diag *d)
{
    uint64_t t0 = mono_ns();
    if (m == NULL || wasm_sha256 == NULL)
        return OL_FAIL(d, OL_E_INVAL, "run_module: %s is NULL",
                       m == NULL ? "the module" : "the hash");
    ol_wasi_config cfg;
    ol_err rc = prepare(cfg_in, &cfg, d);
    if (rc != OL_OK)
        return rc;
    return run_prepared(m, NULL, wasm_sha256, &cfg, t0, out, d);
}

ol_err ol_wasi_run(const uint8_t *wasm, size_t wasm_len, const ol_wasi_config *cfg_in,
                   ol_wasi_result **out, ol_diag *d)
{
    uint64_t t0 = mono_ns();
    if (wasm == NULL && wasm_len > 0)
        return OL_FAIL(d, OL_E_INVAL, "wasm: %zu bytes but no buffer", wasm_len);
    ol_wasi_config cfg;
    ol_err rc = prepare(cfg_in, &cfg, d);
    if (rc != OL_OK)
        return rc;
    static const uint8_t empty[1];
    uint8_t sha[32];
    crypto_hash_sha256(sha, wasm != NULL ? wasm : empty, wasm_len);

    /* Compile; a module that does not compile still gets its record. */
    ol_wasm_module *m = NULL;
    ol_wasm_module_config mc = {.alloc = cfg.alloc};
    ol_diag md = {0};
    char invalid[320] = "";
    rc = ol_wasm_module_new(wasm, wasm_len, &mc, &m, &md);
    if (rc == OL_E_NOMEM)
        return OL_FAIL(d, rc, "compiling the module: %s", md.msg);
    if (rc != OL_OK)
        snprintf(invalid, sizeof invalid, "%s: %s", ol_strerror(rc), md.msg);
    rc = run_prepared(m, invalid, sha, &cfg, t0, out, d);
    ol_wasm_module_free(m);
    return rc;
}
