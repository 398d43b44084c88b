/* The run context: standard streams, args and environment as the guest sees them, the source,
 * and the wall-clock deadline (a timer thread that interrupts the store, and the interruptible
 * sleep poll_oneoff uses in LIVE mode). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "wasi_int.h"

/* Packs n NUL-terminated strings back to back. `what` names the list in errors; entries are
 * never printed (environment values may be secrets). */
static ol_err pack_strs(ol__wasi_strs *s, const char *const *v, size_t n, bool is_env,
                        const ol_allocator *a, ol_diag *d)
{
    const char *what = is_env ? "env" : "args";
    size_t total = 0;
    if (n > 0 && v == NULL)
        return OL_FAIL(d, OL_E_INVAL, "%s: %zu entries but no array", what, n);
    if (n > UINT32_MAX / 4)
        return OL_FAIL(d, OL_E_INVAL, "%s: too many entries (%zu)", what, n);
    for (size_t i = 0; i < n; i++) {
        if (v[i] == NULL)
            return OL_FAIL(d, OL_E_INVAL, "%s: entry %zu is NULL", what, i);
        size_t len = strlen(v[i]) + 1;
        if (is_env) {
            const char *eq = strchr(v[i], '=');
            if (eq == NULL || eq == v[i])
                return OL_FAIL(d, OL_E_INVAL,
                               "env: entry %zu is not KEY=VALUE with a non-empty KEY", i);
        }
        if (len > UINT32_MAX - total)
            return OL_FAIL(d, OL_E_INVAL, "%s: more than 4 GiB in total", what);
        total += len;
    }
    s->buf = NULL;
    s->len = total;
    s->n = (uint32_t)n;
    if (total == 0)
        return OL_OK;
    s->buf = ol_malloc(a, total);
    if (s->buf == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "%s: %zu bytes", what, total);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(s->buf + off, v[i], len);
        off += len;
    }
    return OL_OK;
}

static void free_strs(ol__wasi_strs *s, const ol_allocator *a, bool wipe)
{
    if (s->buf != NULL && wipe)
        sodium_memzero(s->buf, s->len);
    ol_free(a, s->buf, s->len);
    s->buf = NULL;
}

ol_err ol__wasi_ctx_init(ol__wasi_ctx *ctx, const ol_wasi_config *cfg, const ol_allocator *a,
                         ol_diag *d)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = a;
    ctx->input = cfg->input;
    ctx->input_len = cfg->input_len;
    ctx->out_max = cfg->max_output_bytes;
    ctx->err_max = cfg->max_stderr_bytes;
    atomic_init(&ctx->timed_out, false);
    if (cfg->input == NULL && cfg->input_len > 0)
        return OL_FAIL(d, OL_E_INVAL, "input: %zu bytes but no buffer", cfg->input_len);
    static const uint64_t rights[OL__WASI_NSTD] = {
        OL__WASI_RIGHT_FD_READ | OL__WASI_RIGHT_FD_SET_FLAGS | OL__WASI_RIGHT_FD_FILESTAT |
            OL__WASI_RIGHT_POLL_FD_RW,
        OL__WASI_RIGHT_FD_WRITE | OL__WASI_RIGHT_FD_SET_FLAGS | OL__WASI_RIGHT_FD_FILESTAT |
            OL__WASI_RIGHT_POLL_FD_RW,
        OL__WASI_RIGHT_FD_WRITE | OL__WASI_RIGHT_FD_SET_FLAGS | OL__WASI_RIGHT_FD_FILESTAT |
            OL__WASI_RIGHT_POLL_FD_RW,
    };
    for (unsigned i = 0; i < OL__WASI_NSTD; i++)
        ctx->fds[i] = (ol__wasi_fd){.open = true, .flags = 0, .rights = rights[i]};
    ol_err rc = pack_strs(&ctx->args, cfg->args, cfg->nargs, false, a, d);
    if (rc != OL_OK)
        return rc;
    rc = pack_strs(&ctx->env, cfg->env, cfg->nenv, true, a, d);
    if (rc != OL_OK)
        goto fail;
    rc = ol__wasi_src_init(&ctx->src, cfg, a, d);
    if (rc != OL_OK)
        goto fail;
    if (pthread_mutex_init(&ctx->mu, NULL) != 0) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "pthread_mutex_init");
        goto fail_src;
    }
    pthread_condattr_t ca;
    bool ca_ok = pthread_condattr_init(&ca) == 0;
    if (!ca_ok || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&ctx->cv, &ca) != 0) {
        if (ca_ok)
            pthread_condattr_destroy(&ca);
        pthread_mutex_destroy(&ctx->mu);
        rc = OL_FAIL(d, OL_E_INTERNAL, "pthread_cond_init");
        goto fail_src;
    }
    pthread_condattr_destroy(&ca);
    return OL_OK;
fail_src:
    ol__wasi_src_fini(&ctx->src);
fail:
    free_strs(&ctx->args, a, false);
    free_strs(&ctx->env, a, true);
    return rc;
}

void ol__wasi_ctx_fini(ol__wasi_ctx *ctx)
{
    ol__wasi_timer_stop(ctx);
    pthread_cond_destroy(&ctx->cv);
    pthread_mutex_destroy(&ctx->mu);
    ol__wasi_src_fini(&ctx->src);
    free_strs(&ctx->args, ctx->alloc, false);
    free_strs(&ctx->env, ctx->alloc, true);
    ol__wasi_buf_free(&ctx->out, ctx->alloc);
    ol__wasi_buf_free(&ctx->err, ctx->alloc);
}

/* ---------------------------------------------------------------------------------------------
 * The deadline
 * ------------------------------------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static struct timespec to_ts(uint64_t ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / UINT64_C(1000000000));
    ts.tv_nsec = (long)(ns % UINT64_C(1000000000));
    return ts;
}

/* Waits on the condition until done or the deadline; every wait is bounded by the deadline. */
static void *timer_main(void *arg)
{
    ol__wasi_ctx *ctx = arg;
    pthread_mutex_lock(&ctx->mu);
    while (!ctx->done) {
        if (mono_ns() >= ctx->deadline_ns) {
            atomic_store(&ctx->timed_out, true);
            ol_wasm_store_interrupt(ctx->store);
            pthread_cond_broadcast(&ctx->cv);
            break;
        }
        struct timespec ts = to_ts(ctx->deadline_ns);
        pthread_cond_timedwait(&ctx->cv, &ctx->mu, &ts);
    }
    pthread_mutex_unlock(&ctx->mu);
    return NULL;
}

ol_err ol__wasi_timer_start(ol__wasi_ctx *ctx, uint32_t timeout_ms, ol_diag *d)
{
    OL_ASSERT(ctx->store != NULL && !ctx->has_timer);
    ctx->deadline_ns = mono_ns() + (uint64_t)timeout_ms * UINT64_C(1000000);
    ctx->done = false;
    int e = pthread_create(&ctx->timer, NULL, timer_main, ctx);
    if (e != 0)
        return OL_FAIL(d, OL_E_INTERNAL, "cannot start the timer thread: %s", strerror(e));
    ctx->has_timer = true;
    return OL_OK;
}

void ol__wasi_timer_stop(ol__wasi_ctx *ctx)
{
    if (!ctx->has_timer)
        return;
    pthread_mutex_lock(&ctx->mu);
    ctx->done = true;
    pthread_cond_broadcast(&ctx->cv);
    pthread_mutex_unlock(&ctx->mu);
    pthread_join(ctx->timer, NULL);
    ctx->has_timer = false;
}

bool ol__wasi_ctx_sleep(ol__wasi_ctx *ctx, uint64_t ns)
{
    uint64_t now = mono_ns();
    uint64_t wake = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    if (!ctx->has_timer) {
        /* Handler tests only: a plain bounded sleep. */
        struct timespec ts = to_ts(ns);
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        return true;
    }
    pthread_mutex_lock(&ctx->mu);
    while (!atomic_load(&ctx->timed_out) && !ctx->done) {
        now = mono_ns();
        if (now >= wake)
            break;
        /* The timer thread fires at the deadline and broadcasts, so this never waits past it. */
        uint64_t until = wake < ctx->deadline_ns ? wake : ctx->deadline_ns;
        if (until <= now)
            until = now + 1000000;
        struct timespec ts = to_ts(until);
        pthread_cond_timedwait(&ctx->cv, &ctx->mu, &ts);
    }
    bool ok = !atomic_load(&ctx->timed_out);
    pthread_mutex_unlock(&ctx->mu);
    return ok;
}
