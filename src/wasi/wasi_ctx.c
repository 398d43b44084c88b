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
    atomic_init(&ctx->cancelled, false);
    ctx->cancel = cfg->cancel;
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

/* The watchdog: one thread per process, started by the first run, that enforces the deadline
 * and the cancellation flag of every run in progress (a thread per run cost a clone and a join
 * per job, a large part of a short job's time). Runs register their context for the duration of
 * instantiation and `_start`; the watchdog sleeps until the earliest deadline (or the next
 * cancellation poll when a run has a flag), fires the runs that are due and forgets them.
 *
 * Locking: `wd.mu` guards the list and every registered context's `has_timer`, `wd_prev` and
 * `wd_next`; firing a context happens under `wd.mu`, then ctx->mu (to wake a LIVE sleep), never
 * the other way round. A context is unlinked under `wd.mu` by ol__wasi_timer_stop() or by the
 * watchdog when it fires, so after timer_stop returns the watchdog never touches it again. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC; signalled when a run registers */
    bool started;
    ol__wasi_ctx *head;
} wd = {.mu = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t wd_cv_once = PTHREAD_ONCE_INIT;
static bool wd_cv_ok;

static void wd_cv_init(void)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return;
    wd_cv_ok =
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&wd.cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
}

static void wd_unlink(ol__wasi_ctx *ctx)
{
    if (ctx->wd_prev != NULL)
        ctx->wd_prev->wd_next = ctx->wd_next;
    else
        wd.head = ctx->wd_next;
    if (ctx->wd_next != NULL)
        ctx->wd_next->wd_prev = ctx->wd_prev;
    ctx->wd_prev = ctx->wd_next = NULL;
    ctx->has_timer = false;
}

/* Stops a run that is due (wd.mu held): the flag says why; the store is interrupted and a LIVE
 * sleep wakes up. */
static void wd_fire(ol__wasi_ctx *ctx, bool cancel)
{
    wd_unlink(ctx);
    pthread_mutex_lock(&ctx->mu);
    atomic_store(cancel ? &ctx->cancelled : &ctx->timed_out, true);
    ol_wasm_store_interrupt(ctx->store);
    pthread_cond_broadcast(&ctx->cv);
    pthread_mutex_unlock(&ctx->mu);
}

static void *wd_main(void *arg)
{
    (void)arg;
    const uint64_t poll = (uint64_t)OL_WASI_CANCEL_POLL_MS * UINT64_C(1000000);
    pthread_mutex_lock(&wd.mu);
    for (;;) {
        uint64_t now = mono_ns();
        uint64_t until = UINT64_MAX;
        ol__wasi_ctx *next;
        for (ol__wasi_ctx *ctx = wd.head; ctx != NULL; ctx = next) {
            next = ctx->wd_next;
            bool cancel = ctx->cancel != NULL && atomic_load(ctx->cancel);
            if (cancel || now >= ctx->deadline_ns) {
                wd_fire(ctx, cancel);
                continue;
            }
            if (ctx->deadline_ns < until)
                until = ctx->deadline_ns;
            if (ctx->cancel != NULL && now + poll < until)
                until = now + poll;
        }
        if (until == UINT64_MAX) {
            pthread_cond_wait(&wd.cv, &wd.mu);
        } else {
            struct timespec ts = to_ts(until);
            pthread_cond_timedwait(&wd.cv, &wd.mu, &ts);
        }
    }
    return NULL;
}

ol_err ol__wasi_timer_start(ol__wasi_ctx *ctx, uint32_t timeout_ms, ol_diag *d)
{
    OL_ASSERT(ctx->store != NULL && !ctx->has_timer);
    pthread_once(&wd_cv_once, wd_cv_init);
    if (!wd_cv_ok)
        return OL_FAIL(d, OL_E_INTERNAL, "pthread_cond_init (watchdog)");
    ctx->deadline_ns = mono_ns() + (uint64_t)timeout_ms * UINT64_C(1000000);
    ctx->done = false;
    ctx->timed = true;
    pthread_mutex_lock(&wd.mu);
    if (!wd.started) {
        pthread_attr_t at;
        pthread_t th;
        int e = pthread_attr_init(&at);
        if (e == 0) {
            pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
            e = pthread_create(&th, &at, wd_main, NULL);
            pthread_attr_destroy(&at);
        }
        if (e != 0) {
            pthread_mutex_unlock(&wd.mu);
            return OL_FAIL(d, OL_E_INTERNAL, "cannot start the watchdog thread: %s", strerror(e));
        }
        wd.started = true;
    }
    ctx->wd_prev = NULL;
    ctx->wd_next = wd.head;
    if (wd.head != NULL)
        wd.head->wd_prev = ctx;
    wd.head = ctx;
    ctx->has_timer = true;
    pthread_cond_signal(&wd.cv);
    pthread_mutex_unlock(&wd.mu);
    return OL_OK;
}

void ol__wasi_timer_stop(ol__wasi_ctx *ctx)
{
    pthread_mutex_lock(&wd.mu);
    if (ctx->has_timer)
        wd_unlink(ctx);
    pthread_mutex_unlock(&wd.mu);
    pthread_mutex_lock(&ctx->mu);
    ctx->done = true;
    pthread_mutex_unlock(&ctx->mu);
}

bool ol__wasi_ctx_sleep(ol__wasi_ctx *ctx, uint64_t ns)
{
    uint64_t now = mono_ns();
    uint64_t wake = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    if (!ctx->timed) {
        /* Handler tests only: a plain bounded sleep. */
        struct timespec ts = to_ts(ns);
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        return true;
    }
    pthread_mutex_lock(&ctx->mu);
    while (!atomic_load(&ctx->timed_out) && !atomic_load(&ctx->cancelled) && !ctx->done) {
        now = mono_ns();
        if (now >= wake)
            break;
        /* The timer thread fires at the deadline or on a cancellation and broadcasts, so this
         * never waits past either. */
        uint64_t until = wake < ctx->deadline_ns ? wake : ctx->deadline_ns;
        if (until <= now)
            until = now + 1000000;
        struct timespec ts = to_ts(until);
        pthread_cond_timedwait(&ctx->cv, &ctx->mu, &ts);
    }
    bool ok = !atomic_load(&ctx->timed_out) && !atomic_load(&ctx->cancelled);
    pthread_mutex_unlock(&ctx->mu);
    return ok;
}
