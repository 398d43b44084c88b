/* The worker process: registration, the job slots, lease renewal, heartbeats and shutdown.
 *
 * Threads: `concurrency` slot threads, each with its own HTTP connection, loop poll → fetch →
 * run → complete, so up to `concurrency` jobs run at once, each under its own task's limits and
 * deadline (each run has its own timer), on the cache's compiled module. One keeper thread renews
 * the lease of every running job at a third of its lease and sends heartbeats. The thread that
 * called ol_worker_run() only waits for a stop and then for the slots.
 *
 * State shared between threads lives in `struct ol_worker` under `mu`: each slot's current task
 * (id, attempt, lease, last renewal) and whether the slot thread has exited. `lost` is set by the
 * keeper when a renewal answers 409: the lease is someone else's now, so the run is cancelled
 * (cfg.cancel: it stops within OL_WASI_CANCEL_POLL_MS) and the slot drops its result instead of
 * reporting it.
 *
 * Shutdown has two flags: `stop` ends polling (an aborted long poll returns within about a
 * second, libcurl's idle progress interval); `halt`, set when the grace period has run out,
 * aborts every request still in flight. Every wait is a timed wait on `cv`, bounded in time,
 * and every retry loop is bounded in count.
 *
 * Secrets: a slot whose task carries secrets asks the keystore (its own keep-alive connection,
 * bounded by the request timeout) before the run, through worker_secrets.c; a refusal completes
 * the task without running it, and the secret environment entries are wiped as soon as the run
 * returns, before the completion is sent. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ol/log.h"
#include "worker_int.h"

#define MAX_POLL_MS     60000u
#define COMPLETE_TRIES  40u    /* completion attempts for one result (network/5xx) */
#define COMPLETE_MIN_MS 10000u /* ... for at least this long (a coordinator restart) */
#define FETCH_TRIES     3u     /* module fetch attempts */
#define BACKOFF_MIN_MS  50u
#define BACKOFF_MAX_MS  2000u
#define KEEPER_TICK_MS  200u  /* the keeper wakes at least this often */
#define HALT_WAIT_MS    3000u /* after the grace: time for aborted requests to unwind */
#define REQ_MAX_RESP    ((size_t)1 << 20)

typedef struct slot {
    ol_worker *w;
    unsigned idx;
    pthread_t th;
    bool started;
    ol__whttp http;
    ol__whttp ks_http; /* to the keystore; valid when ks_open */
    bool ks_open;
    /* under w->mu */
    bool busy;
    bool running; /* inside ol_wasi_run */
    bool exited;
    char task_id[OL__WORKER_ID_MAX];
    uint32_t attempt;
    uint32_t lease_ms;
    uint64_t renewed_ms; /* monotonic ms of the claim or the last successful renewal */
    bool fetching;       /* downloading the module fetch_sha256 */
    uint8_t fetch_sha256[32];
    atomic_bool lost;
} slot;

struct ol_worker {
    char *url;
    char *token;
    char *ks_url;   /* NULL: no keystore */
    char *ks_token; /* secret */
    char *data_dir;
    char *name;
    unsigned concurrency;
    size_t cache_bytes;
    uint32_t poll_ms, grace_ms, http_ms, register_ms, unreachable_ms;

    ol_near_secret_key sk;
    char pk[OL_NEAR_KEY_STR_MAX];
    char worker_id[OL__WORKER_ID_MAX];
    uint32_t heartbeat_ms;
    ol__wcache cache;
    bool cache_open;

    atomic_bool stop;
    atomic_bool halt;
    atomic_bool fatal; /* ol_worker_run must return an error (fatal_diag) */
    _Atomic uint64_t last_contact_ms;

    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    bool sync_init;
    slot *slots;
    ol_diag fatal_diag;
    bool registering;

    _Atomic uint64_t tasks_run, tasks_reported, tasks_dropped, cache_hits, cache_fetches;
    unsigned abandoned;
};

/* ---- small helpers -------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits on w->cv for at most ms (mutex held by the caller). */
static void timed_wait(ol_worker *w, uint32_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)ms * 1000000u;
    ts.tv_sec += (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    pthread_cond_timedwait(&w->cv, &w->mu, &ts);
}

/* Sleeps ms unless the flag is set first (bounded by ms). */
static void nap(ol_worker *w, uint32_t ms, const atomic_bool *flag)
{
    uint64_t end = now_ms() + ms;
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < 64 && !atomic_load(flag); i++) {
        uint64_t t = now_ms();
        if (t >= end)
            break;
        timed_wait(w, (uint32_t)(end - t < 100 ? end - t : 100));
    }
    pthread_mutex_unlock(&w->mu);
}

static void set_fatal(ol_worker *w, const ol_diag *d)
{
    pthread_mutex_lock(&w->mu);
    if (!atomic_load(&w->fatal)) {
        w->fatal_diag = *d;
        atomic_store(&w->fatal, true);
    }
    atomic_store(&w->stop, true);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/* The error text of a coordinator error body, or "" (borrowed from root). */
static const char *error_text(json_t *root)
{
    json_t *e = json_object_get(root, "error");
    return json_is_string(e) ? json_string_value(e) : "";
}

static bool valid_id(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len >= OL__WORKER_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == ':';
        if (!ok)
            return false;
    }
    return true;
}

/* ---- registration --------------------------------------------------------------------- */

/* One registration request. OL_E_IO: try again later; OL_E_INVAL: the token was refused. */
static ol_err register_once(ol_worker *w, ol__whttp *h, ol_diag *d)
{
    ol__wbuf resp = {0};
    json_t *root = NULL;
    char *body = NULL;
    long status = 0;
    ol_err rc = OL_OK;
    json_t *req = json_pack("{s:s, s:s, s:I}", "worker_name", w->name, "public_key", w->pk,
                            "capacity", (json_int_t)w->concurrency);
    if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "registration body");
        goto out;
    }
    if ((rc = ol__whttp_do(h, "POST", "/worker/register", body, strlen(body), w->http_ms,
                           REQ_MAX_RESP, &status, &resp, d)) != OL_OK)
        goto out;
    root = json_loadb(resp.p != NULL ? resp.p : "", resp.len, 0, NULL);
    if (status == 401 || status == 403) {
        rc = OL_FAIL(d, OL_E_INVAL, "the coordinator refused the worker token (HTTP %ld: %s)",
                     status, error_text(root));
        goto out;
    }
    if (status != 200) {
        rc = OL_FAIL(d, status >= 500 ? OL_E_IO : OL_E_INVAL, "register: HTTP %ld: %s", status,
                     error_text(root));
        goto out;
    }
    json_t *id = json_object_get(root, "worker_id");
    json_t *hb = json_object_get(root, "heartbeat_ms");
    if (!json_is_string(id) || !valid_id(json_string_value(id))) {
        rc = OL_FAIL(d, OL_E_MALFORMED, "register: no valid \"worker_id\" in the answer");
        goto out;
    }
    pthread_mutex_lock(&w->mu);
    snprintf(w->worker_id, sizeof w->worker_id, "%s", json_string_value(id));
    w->heartbeat_ms = 5000;
    if (json_is_integer(hb) && json_integer_value(hb) >= 100 && json_integer_value(hb) <= 600000)
        w->heartbeat_ms = (uint32_t)json_integer_value(hb);
    pthread_mutex_unlock(&w->mu);
    atomic_store(&w->last_contact_ms, now_ms());
out:
    json_decref(root);
    json_decref(req);
    free(body);
    ol__wbuf_fini(&resp);
    return rc;
}

/* Registers, retrying with a growing backoff for at most `limit_ms`. */
static ol_err register_retry(ol_worker *w, ol__whttp *h, uint32_t limit_ms, ol_diag *d)
{
    uint64_t end = now_ms() + limit_ms;
    uint32_t backoff = BACKOFF_MIN_MS;
    ol_err rc = OL_E_IO;
    /* Bounded in count too: limit_ms / BACKOFF_MIN_MS tries at most. */
    for (uint32_t i = 0; i <= limit_ms / BACKOFF_MIN_MS && !atomic_load(&w->stop); i++) {
        ol_diag d1 = {0};
        rc = register_once(w, h, &d1);
        if (rc == OL_OK)
            return OL_OK;
        if (rc != OL_E_IO || now_ms() + backoff >= end) {
            if (d != NULL)
                *d = d1;
            return rc;
        }
        OL_LOG(OL_LOG_WARN, "event=register_retry err=\"%s\"", d1.msg);
        nap(w, backoff, &w->stop);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    return atomic_load(&w->stop) ? OL_FAIL(d, OL_E_IO, "stopped before registering") : rc;
}

/* A slot saw 404 for its worker id (the coordinator forgot it): one slot registers again,
 * the others wait for it. */
static void reregister(ol_worker *w, ol__whttp *h)
{
    pthread_mutex_lock(&w->mu);
    if (w->registering) {
        for (int i = 0; i < 50 && w->registering && !atomic_load(&w->stop); i++)
            timed_wait(w, 100);
        pthread_mutex_unlock(&w->mu);
        return;
    }
    w->registering = true;
    pthread_mutex_unlock(&w->mu);
    ol_diag d = {0};
    ol_err rc = register_retry(w, h, w->register_ms, &d);
    if (rc == OL_OK)
        OL_LOG(OL_LOG_INFO, "event=registered worker=%s", w->worker_id);
    else if (!atomic_load(&w->stop))
        set_fatal(w, &d);
    pthread_mutex_lock(&w->mu);
    w->registering = false;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* ---- the keeper: renewals and heartbeats ------------------------------------------------ */

typedef struct renewal {
    slot *s;
    char task_id[OL__WORKER_ID_MAX];
    uint32_t attempt;
} renewal;

static void renew_one(ol_worker *w, ol__whttp *h, const renewal *r)
{
    ol__wbuf resp = {0};
    long status = 0;
    ol_diag d = {0};
    char *body = NULL;
    json_t *req = json_pack("{s:s, s:s, s:I}", "worker_id", w->worker_id, "task_id", r->task_id,
                            "attempt", (json_int_t)r->attempt);
    if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL) {
        OL_LOG(OL_LOG_ERROR, "event=renew_failed task=%s err=\"out of memory\"", r->task_id);
        goto out;
    }
    ol_err rc = ol__whttp_do(h, "POST", "/worker/renew", body, strlen(body), w->http_ms,
                             REQ_MAX_RESP, &status, &resp, &d);
    if (rc != OL_OK) {
        OL_LOG(OL_LOG_WARN, "event=renew_failed task=%s err=\"%s\"", r->task_id, d.msg);
        goto out;
    }
    atomic_store(&w->last_contact_ms, now_ms());
    pthread_mutex_lock(&w->mu);
    bool same = r->s->busy && strcmp(r->s->task_id, r->task_id) == 0 && r->s->attempt == r->attempt;
    if (same && status == 200) {
        json_t *root = json_loadb(resp.p != NULL ? resp.p : "", resp.len, 0, NULL);
        json_t *lm = json_object_get(root, "lease_ms");
        if (json_is_integer(lm) && json_integer_value(lm) >= 100 &&
            json_integer_value(lm) <= 3600000)
            r->s->lease_ms = (uint32_t)json_integer_value(lm);
        json_decref(root);
        r->s->renewed_ms = now_ms();
    } else if (same && status == 409) {
        atomic_store(&r->s->lost, true);
    }
    pthread_mutex_unlock(&w->mu);
    if (status == 409)
        OL_LOG(OL_LOG_WARN, "event=lease_lost task=%s attempt=%" PRIu32, r->task_id, r->attempt);
    else if (status != 200)
        OL_LOG(OL_LOG_WARN, "event=renew_failed task=%s http=%ld", r->task_id, status);
out:
    free(body);
    json_decref(req);
    ol__wbuf_fini(&resp);
}

static void heartbeat(ol_worker *w, ol__whttp *h)
{
    json_t *running = json_array();
    json_t *req = NULL;
    char *body = NULL;
    ol__wbuf resp = {0};
    long status = 0;
    ol_diag d = {0};
    if (running == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    for (unsigned i = 0; i < w->concurrency; i++) {
        if (w->slots[i].busy)
            json_array_append_new(running, json_string(w->slots[i].task_id));
    }
    req = json_pack("{s:s, s:O}", "worker_id", w->worker_id, "running", running);
    pthread_mutex_unlock(&w->mu);
    if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL)
        goto out;
    if (ol__whttp_do(h, "POST", "/worker/heartbeat", body, strlen(body), w->http_ms, REQ_MAX_RESP,
                     &status, &resp, &d) != OL_OK) {
        OL_LOG(OL_LOG_WARN, "event=heartbeat_failed err=\"%s\"", d.msg);
        goto out;
    }
    atomic_store(&w->last_contact_ms, now_ms());
    if (status != 200)
        OL_LOG(OL_LOG_WARN, "event=heartbeat_failed http=%ld", status);
out:
    ol__wbuf_fini(&resp);
    free(body);
    json_decref(req);
    json_decref(running);
}

typedef struct keeper {
    ol_worker *w;
    ol__whttp http;
    atomic_bool done;
} keeper;

static void *keeper_main(void *arg)
{
    keeper *k = arg;
    ol_worker *w = k->w;
    renewal *due = calloc(w->concurrency, sizeof *due);
    uint64_t next_hb = 0;
    if (due == NULL) {
        ol_diag d = {0};
        (void)OL_FAIL(&d, OL_E_NOMEM, "keeper");
        set_fatal(w, &d);
        return NULL;
    }
    while (!atomic_load(&k->done)) {
        size_t n = 0;
        uint64_t t = now_ms();
        pthread_mutex_lock(&w->mu);
        for (unsigned i = 0; i < w->concurrency; i++) {
            slot *s = &w->slots[i];
            if (s->busy && !atomic_load(&s->lost) && t >= s->renewed_ms + s->lease_ms / 3) {
                due[n].s = s;
                memcpy(due[n].task_id, s->task_id, sizeof due[n].task_id);
                due[n].attempt = s->attempt;
                n++;
            }
        }
        uint32_t hb_ms = w->heartbeat_ms;
        pthread_mutex_unlock(&w->mu);
        for (size_t i = 0; i < n; i++)
            renew_one(w, &k->http, &due[i]);
        if (t >= next_hb && !atomic_load(&w->halt)) {
            heartbeat(w, &k->http);
            next_hb = now_ms() + hb_ms;
        }
        pthread_mutex_lock(&w->mu);
        if (!atomic_load(&k->done))
            timed_wait(w, KEEPER_TICK_MS);
        pthread_mutex_unlock(&w->mu);
    }
    free(due);
    return NULL;
}

/* ---- one job ---------------------------------------------------------------------------- */

/* Another slot is downloading this module (mutex held). */
static bool fetch_in_flight(const ol_worker *w, const uint8_t sha[32])
{
    for (unsigned i = 0; i < w->concurrency; i++) {
        if (w->slots[i].fetching && memcmp(w->slots[i].fetch_sha256, sha, 32) == 0)
            return true;
    }
    return false;
}

static ol__wcache_entry *download(slot *s, const ol__wtask *t, ol_diag *d)
{
    ol_worker *w = s->w;
    ol__wcache_entry *e = NULL;
    char path[100];
    snprintf(path, sizeof path, "/wasm/%s", t->version_key);
    ol_err rc = OL_E_IO;
    for (unsigned i = 0; i < FETCH_TRIES && !atomic_load(&w->halt); i++) {
        ol__wbuf resp = {0};
        long status = 0;
        if (i > 0)
            nap(w, BACKOFF_MIN_MS << (2 * i), &w->halt);
        rc = ol__whttp_do(&s->http, "GET", path, NULL, 0, w->http_ms, OL_WORKER_MAX_WASM_BYTES,
                          &status, &resp, d);
        if (rc == OL_OK && status != 200) {
            rc = OL_FAIL(d, status >= 500 ? OL_E_IO : OL_E_NOTFOUND, "GET %s: HTTP %ld", path,
                         status);
        }
        if (rc != OL_OK) {
            ol__wbuf_fini(&resp);
            if (rc != OL_E_IO)
                return NULL;
            continue;
        }
        atomic_fetch_add(&w->cache_fetches, 1);
        uint8_t *bytes = (uint8_t *)resp.p;
        size_t len = resp.len;
        resp.p = NULL;
        /* Takes the bytes; verifies the hash before anything else sees them. */
        if (ol__wcache_put(&w->cache, t->wasm_sha256, bytes, len, &e, d) != OL_OK)
            return NULL;
        return e;
    }
    return NULL;
}

/* The task's module from the cache, or downloaded once: when several slots miss the same
 * module at once, one downloads it and the others wait for it (bounded by the request
 * timeout) instead of fetching the same bytes in parallel. */
static ol__wcache_entry *fetch_module(slot *s, const ol__wtask *t, ol_diag *d)
{
    ol_worker *w = s->w;
    ol__wcache_entry *e = ol__wcache_get(&w->cache, t->wasm_sha256);
    if (e != NULL) {
        atomic_fetch_add(&w->cache_hits, 1);
        return e;
    }
    /* Wait while another slot downloads it, then claim the download (one critical section, so
     * two slots cannot both claim it). Bounded by the request timeout. */
    pthread_mutex_lock(&w->mu);
    uint64_t end = now_ms() + w->http_ms;
    while (fetch_in_flight(w, t->wasm_sha256) && now_ms() < end && !atomic_load(&w->halt))
        timed_wait(w, KEEPER_TICK_MS);
    memcpy(s->fetch_sha256, t->wasm_sha256, 32);
    s->fetching = true;
    pthread_mutex_unlock(&w->mu);
    /* The slot that downloaded it may have finished just now. */
    if ((e = ol__wcache_get(&w->cache, t->wasm_sha256)) != NULL)
        atomic_fetch_add(&w->cache_hits, 1);
    else
        e = download(s, t, d);
    pthread_mutex_lock(&w->mu);
    s->fetching = false;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return e;
}

/* Sends the completion, retrying network failures and 5xx a bounded number of times. */
static void complete(slot *s, const ol__wtask *t, const char *body, size_t len)
{
    ol_worker *w = s->w;
    uint32_t backoff = BACKOFF_MIN_MS;
    /* Retried while the lease could still be ours (twice its length, at least 10 s): after
     * that the coordinator has delivered the task again and would answer 409 anyway. */
    uint64_t lease2 = (uint64_t)t->lease_ms * 2;
    uint64_t end = now_ms() + (lease2 > COMPLETE_MIN_MS ? lease2 : COMPLETE_MIN_MS);
    for (unsigned i = 0; i < COMPLETE_TRIES && now_ms() < end; i++) {
        ol__wbuf resp = {0};
        long status = 0;
        ol_diag d = {0};
        if (atomic_load(&s->lost)) {
            atomic_fetch_add(&w->tasks_dropped, 1);
            OL_LOG(OL_LOG_WARN, "event=result_dropped task=%s call=%s reason=lease_lost",
                   t->task_id, t->call_id);
            return;
        }
        ol_err rc = ol__whttp_do(&s->http, "POST", "/worker/complete", body, len, w->http_ms,
                                 REQ_MAX_RESP, &status, &resp, &d);
        if (rc == OL_OK)
            atomic_store(&w->last_contact_ms, now_ms());
        if (rc == OL_OK && status == 200) {
            json_t *root = json_loadb(resp.p != NULL ? resp.p : "", resp.len, 0, NULL);
            bool settled = json_is_true(json_object_get(root, "settled"));
            json_decref(root);
            ol__wbuf_fini(&resp);
            atomic_fetch_add(&w->tasks_reported, 1);
            OL_LOG(OL_LOG_DEBUG, "event=reported task=%s call=%s settled=%s", t->task_id,
                   t->call_id, settled ? "true" : "false");
            return;
        }
        if (rc == OL_OK && status >= 400 && status < 500) {
            json_t *root = json_loadb(resp.p != NULL ? resp.p : "", resp.len, 0, NULL);
            OL_LOG(status == 409 ? OL_LOG_WARN : OL_LOG_ERROR,
                   "event=result_dropped task=%s call=%s http=%ld err=\"%s\"", t->task_id,
                   t->call_id, status, error_text(root));
            json_decref(root);
            ol__wbuf_fini(&resp);
            atomic_fetch_add(&w->tasks_dropped, 1);
            return;
        }
        ol__wbuf_fini(&resp);
        if (rc == OL_OK)
            OL_LOG(OL_LOG_WARN, "event=complete_retry task=%s http=%ld", t->task_id, status);
        else
            OL_LOG(OL_LOG_WARN, "event=complete_retry task=%s err=\"%s\"", t->task_id, d.msg);
        if (atomic_load(&w->halt))
            break;
        nap(w, backoff, &w->halt);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    atomic_fetch_add(&w->tasks_dropped, 1);
    OL_LOG(OL_LOG_ERROR, "event=result_dropped task=%s call=%s reason=unreachable", t->task_id,
           t->call_id);
}

static void run_job(slot *s, ol__wtask *t)
{
    ol_worker *w = s->w;
    ol__wcache_entry *mod = NULL;
    ol_wasi_result *r = NULL;
    char *body = NULL;
    size_t body_len = 0;
    ol_diag d = {0};

    pthread_mutex_lock(&w->mu);
    s->busy = true;
    memcpy(s->task_id, t->task_id, strlen(t->task_id) + 1);
    s->attempt = t->attempt;
    s->lease_ms = t->lease_ms;
    s->renewed_ms = now_ms();
    atomic_store(&s->lost, false);
    pthread_mutex_unlock(&w->mu);

    mod = fetch_module(s, t, &d);
    if (mod == NULL) {
        if (d.code == OL_E_MALFORMED) {
            /* The coordinator served bytes that are not the registered version: report it as
             * an invalid module (a platform failure, not charged) instead of letting the call
             * wait out its leases. */
            OL_LOG(OL_LOG_ERROR, "event=module_rejected task=%s call=%s err=\"%s\"", t->task_id,
                   t->call_id, d.msg);
            if (ol__worker_complete_body(t, NULL, w->worker_id, w->pk, &w->sk, &body, &body_len,
                                         &d) == OL_OK)
                complete(s, t, body, body_len);
        } else {
            atomic_fetch_add(&w->tasks_dropped, 1);
            OL_LOG(OL_LOG_ERROR, "event=fetch_failed task=%s call=%s err=\"%s\"", t->task_id,
                   t->call_id, d.msg);
        }
        goto out;
    }

    /* Secrets first: nothing runs without the secrets the task asks for. */
    char smsg[512];
    ol__wsecrets sr = ol__worker_secrets(s->ks_open ? &s->ks_http : NULL, w->http_ms, &w->sk, w->pk,
                                         t, smsg, sizeof smsg);
    if (sr == OL__WSECRETS_DENIED || sr == OL__WSECRETS_UNAVAILABLE) {
        const char *st = sr == OL__WSECRETS_DENIED ? OL__WORKER_STATUS_ACCESS_DENIED
                                                   : OL__WORKER_STATUS_SECRETS_UNAVAILABLE;
        OL_LOG(OL_LOG_WARN, "event=secrets_refused task=%s call=%s status=%s err=\"%s\"",
               t->task_id, t->call_id, st, smsg);
        if (ol__worker_norun_body(t, st, smsg, w->worker_id, w->pk, &w->sk, &body, &body_len, &d) ==
            OL_OK) {
            complete(s, t, body, body_len);
        } else {
            atomic_fetch_add(&w->tasks_dropped, 1);
            OL_LOG(OL_LOG_ERROR, "event=result_dropped task=%s call=%s err=\"%s\"", t->task_id,
                   t->call_id, d.msg);
        }
        goto out;
    }

    ol_wasi_config cfg;
    ol__wtask_wasi_config(t, &cfg);
    /* A renewal answered 409: the lease is someone else's, so the run stops early. */
    cfg.cancel = &s->lost;
    pthread_mutex_lock(&w->mu);
    s->running = true;
    pthread_mutex_unlock(&w->mu);
    /* The cache's compiled module (shared; our reference keeps it alive through the run), or,
     * for bytes that do not compile, ol_wasi_run for their invalid_module record. */
    ol_err rc = mod->module != NULL ? ol_wasi_run_module(mod->module, mod->sha256, &cfg, &r, &d)
                                    : ol_wasi_run(mod->bytes, mod->len, &cfg, &r, &d);
    /* The run has its own (wiped) copy of the environment and is over: the secrets go now,
     * not after the completion's retries. */
    ol__wtask_drop_secrets(t);
    pthread_mutex_lock(&w->mu);
    s->running = false;
    pthread_mutex_unlock(&w->mu);
    if (rc != OL_OK) {
        atomic_fetch_add(&w->tasks_dropped, 1);
        OL_LOG(OL_LOG_ERROR, "event=run_failed task=%s call=%s err=\"%s\"", t->task_id, t->call_id,
               d.msg);
        goto out;
    }
    atomic_fetch_add(&w->tasks_run, 1);
    OL_LOG(OL_LOG_INFO,
           "event=run task=%s call=%s attempt=%" PRIu32 " status=%s instructions=%" PRIu64
           " time_ms=%" PRIu64,
           t->task_id, t->call_id, t->attempt, ol_wasi_status_name(r->status), r->instructions,
           r->time_ms);
    if (atomic_load(&s->lost)) {
        atomic_fetch_add(&w->tasks_dropped, 1);
        OL_LOG(OL_LOG_WARN, "event=result_dropped task=%s call=%s reason=lease_lost cancelled=%s",
               t->task_id, t->call_id, r->cancelled ? "true" : "false");
        goto out;
    }
    if (ol__worker_complete_body(t, r, w->worker_id, w->pk, &w->sk, &body, &body_len, &d) !=
        OL_OK) {
        atomic_fetch_add(&w->tasks_dropped, 1);
        OL_LOG(OL_LOG_ERROR, "event=result_dropped task=%s call=%s err=\"%s\"", t->task_id,
               t->call_id, d.msg);
        goto out;
    }
    complete(s, t, body, body_len);
out:
    free(body);
    ol_wasi_result_free(r);
    ol__wcache_release(&w->cache, mod);
    pthread_mutex_lock(&w->mu);
    s->busy = false;
    pthread_mutex_unlock(&w->mu);
}

/* ---- a slot --------------------------------------------------------------------------- */

static void *slot_main(void *arg)
{
    slot *s = arg;
    ol_worker *w = s->w;
    uint32_t backoff = BACKOFF_MIN_MS;
    char path[256];
    while (!atomic_load(&w->stop)) {
        ol__wbuf resp = {0};
        long status = 0;
        ol_diag d = {0};
        pthread_mutex_lock(&w->mu);
        snprintf(path, sizeof path, "/worker/poll?worker_id=%s&timeout_ms=%" PRIu32, w->worker_id,
                 w->poll_ms);
        pthread_mutex_unlock(&w->mu);
        s->http.cancel = &w->stop;
        ol_err rc = ol__whttp_do(&s->http, "GET", path, NULL, 0, w->poll_ms + w->http_ms,
                                 OL_WORKER_MAX_WASM_BYTES, &status, &resp, &d);
        s->http.cancel = &w->halt;
        if (rc != OL_OK) {
            ol__wbuf_fini(&resp);
            if (atomic_load(&w->stop))
                break;
            uint64_t since = now_ms() - atomic_load(&w->last_contact_ms);
            if (since > w->unreachable_ms) {
                ol_diag fd = {0};
                (void)OL_FAIL(&fd, OL_E_IO, "coordinator unreachable for %" PRIu64 " ms: %s", since,
                              d.msg);
                set_fatal(w, &fd);
                break;
            }
            OL_LOG(OL_LOG_WARN, "event=poll_failed slot=%u err=\"%s\"", s->idx, d.msg);
            nap(w, backoff, &w->stop);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        backoff = BACKOFF_MIN_MS;
        atomic_store(&w->last_contact_ms, now_ms());
        if (status == 204) {
            ol__wbuf_fini(&resp);
            continue;
        }
        if (status == 200) {
            ol__wtask t;
            if (ol__wtask_parse(resp.p, resp.len, &t, &d) != OL_OK) {
                /* Without a valid task there is nothing to report against; the lease lapses
                 * and the coordinator's attempt limit ends the call. */
                atomic_fetch_add(&w->tasks_dropped, 1);
                OL_LOG(OL_LOG_ERROR, "event=bad_task slot=%u err=\"%s\"", s->idx, d.msg);
            } else {
                run_job(s, &t);
                ol__wtask_fini(&t);
            }
            ol__wbuf_fini(&resp);
            continue;
        }
        json_t *root = json_loadb(resp.p != NULL ? resp.p : "", resp.len, 0, NULL);
        ol__wbuf_fini(&resp);
        if (status == 401 || status == 403) {
            ol_diag fd = {0};
            (void)OL_FAIL(&fd, OL_E_INVAL,
                          "the coordinator refused the worker token (HTTP %ld: %s)", status,
                          error_text(root));
            json_decref(root);
            set_fatal(w, &fd);
            break;
        }
        OL_LOG(OL_LOG_WARN, "event=poll_failed slot=%u http=%ld err=\"%s\"", s->idx, status,
               error_text(root));
        json_decref(root);
        if (status == 404)
            reregister(w, &s->http);
        else
            nap(w, backoff, &w->stop);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    pthread_mutex_lock(&w->mu);
    s->exited = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- the public API ------------------------------------------------------------------- */

ol_err ol_worker_new(const ol_worker_config *cfg, ol_worker **out, ol_diag *d)
{
    ol_err rc = OL_OK;
    if (cfg == NULL || cfg->coordinator_url == NULL || cfg->coordinator_url[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL, "worker: the coordinator URL is required");
    if (cfg->token == NULL || cfg->token[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL, "worker: the worker token is required");
    if (cfg->data_dir == NULL || cfg->data_dir[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL, "worker: the data directory is required");
    if (cfg->concurrency > OL_WORKER_MAX_CONCURRENCY)
        return OL_FAIL(d, OL_E_INVAL, "worker: concurrency %u is over %u", cfg->concurrency,
                       OL_WORKER_MAX_CONCURRENCY);
    if (cfg->poll_timeout_ms > MAX_POLL_MS)
        return OL_FAIL(d, OL_E_INVAL, "worker: poll timeout %" PRIu32 " ms is over %u",
                       cfg->poll_timeout_ms, MAX_POLL_MS);
    if (strncmp(cfg->coordinator_url, "http://", 7) != 0 &&
        strncmp(cfg->coordinator_url, "https://", 8) != 0)
        return OL_FAIL(d, OL_E_INVAL, "worker: the coordinator URL must start with http(s)://");
    bool has_ks = cfg->keystore_url != NULL && cfg->keystore_url[0] != '\0';
    if (has_ks && strncmp(cfg->keystore_url, "http://", 7) != 0 &&
        strncmp(cfg->keystore_url, "https://", 8) != 0)
        return OL_FAIL(d, OL_E_INVAL, "worker: the keystore URL must start with http(s)://");
    if (has_ks && (cfg->keystore_token == NULL || cfg->keystore_token[0] == '\0'))
        return OL_FAIL(d, OL_E_INVAL,
                       "worker: a keystore URL needs the worker's keystore token as well");

    ol_worker *w = calloc(1, sizeof *w);
    if (w == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "worker");
    w->concurrency = cfg->concurrency;
    if (w->concurrency == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        w->concurrency = n < 1                           ? 1u
                         : n > OL_WORKER_MAX_CONCURRENCY ? OL_WORKER_MAX_CONCURRENCY
                                                         : (unsigned)n;
    }
    w->cache_bytes = cfg->cache_bytes != 0 ? cfg->cache_bytes : OL_WORKER_DEFAULT_CACHE_BYTES;
    w->poll_ms = cfg->poll_timeout_ms != 0 ? cfg->poll_timeout_ms : OL_WORKER_DEFAULT_POLL_MS;
    w->grace_ms = cfg->shutdown_grace_ms != 0 ? cfg->shutdown_grace_ms : OL_WORKER_DEFAULT_GRACE_MS;
    w->http_ms = cfg->http_timeout_ms != 0 ? cfg->http_timeout_ms : OL_WORKER_DEFAULT_HTTP_MS;
    w->register_ms =
        cfg->register_timeout_ms != 0 ? cfg->register_timeout_ms : OL_WORKER_DEFAULT_REGISTER_MS;
    w->unreachable_ms = cfg->unreachable_timeout_ms != 0 ? cfg->unreachable_timeout_ms
                                                         : OL_WORKER_DEFAULT_UNREACHABLE_MS;
    w->url = strdup(cfg->coordinator_url);
    w->token = strdup(cfg->token);
    w->data_dir = strdup(cfg->data_dir);
    if (has_ks && ((w->ks_url = strdup(cfg->keystore_url)) == NULL ||
                   (w->ks_token = strdup(cfg->keystore_token)) == NULL)) {
        rc = OL_FAIL(d, OL_E_NOMEM, "worker");
        goto out;
    }
    if (cfg->name != NULL) {
        w->name = dup_or_null(cfg->name);
    } else {
        char host[128] = "worker";
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        size_t nlen = strlen(host) + 24;
        if ((w->name = malloc(nlen)) != NULL)
            snprintf(w->name, nlen, "%s-%ld", host, (long)getpid());
    }
    w->slots = calloc(w->concurrency, sizeof *w->slots);
    if (w->url == NULL || w->token == NULL || w->data_dir == NULL || w->name == NULL ||
        w->slots == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "worker");
        goto out;
    }

    pthread_condattr_t ca;
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "pthread_mutex_init");
        goto out;
    }
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int ce = pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (ce != 0) {
        pthread_mutex_destroy(&w->mu);
        rc = OL_FAIL(d, OL_E_INTERNAL, "pthread_cond_init");
        goto out;
    }
    w->sync_init = true;

    if (mkdir(w->data_dir, 0700) != 0 && errno != EEXIST) {
        rc = OL_FAIL(d, OL_E_IO, "cannot create %s: %s", w->data_dir, strerror(errno));
        goto out;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", w->data_dir, OL_WORKER_KEY_FILE);
    bool created = false;
    if ((rc = ol_worker_key_load_or_create(path, &w->sk, &created, d)) != OL_OK)
        goto out;
    ol_near_public_key pk;
    ol_near_secret_key_public(&w->sk, &pk);
    ol_near_public_key_format(&pk, w->pk);
    if (created)
        OL_LOG(OL_LOG_INFO, "event=key_created path=%s public_key=%s", path, w->pk);

    snprintf(path, sizeof path, "%s/wasm", w->data_dir);
    if ((rc = ol__wcache_init(&w->cache, path, w->cache_bytes, d)) != OL_OK)
        goto out;
    w->cache_open = true;
    if ((rc = ol__whttp_global_init(d)) != OL_OK)
        goto out;
    for (unsigned i = 0; i < w->concurrency; i++) {
        w->slots[i].w = w;
        w->slots[i].idx = i;
        if ((rc = ol__whttp_init(&w->slots[i].http, w->url, w->token, &w->halt, d)) != OL_OK)
            goto out;
        if (w->ks_url != NULL) {
            if ((rc = ol__whttp_init(&w->slots[i].ks_http, w->ks_url, w->ks_token, &w->halt, d)) !=
                OL_OK)
                goto out;
            w->slots[i].ks_open = true;
        }
    }
    *out = w;
    w = NULL;
out:
    ol_worker_free(w);
    return rc;
}

ol_err ol_worker_run(ol_worker *w, ol_diag *d)
{
    keeper k = {.w = w};
    pthread_t keeper_th;
    bool keeper_started = false;
    ol_err rc = ol__whttp_init(&k.http, w->url, w->token, &w->halt, d);
    if (rc != OL_OK)
        return rc;
    atomic_store(&w->last_contact_ms, now_ms());
    if ((rc = register_retry(w, &k.http, w->register_ms, d)) != OL_OK)
        goto out;
    OL_LOG(OL_LOG_INFO,
           "event=registered worker=%s name=%s public_key=%s concurrency=%u heartbeat_ms=%" PRIu32
           " keystore=%s",
           w->worker_id, w->name, w->pk, w->concurrency, w->heartbeat_ms,
           w->ks_url != NULL ? w->ks_url : "none");

    if (pthread_create(&keeper_th, NULL, keeper_main, &k) != 0) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "cannot start the keeper thread");
        goto out;
    }
    keeper_started = true;
    for (unsigned i = 0; i < w->concurrency; i++) {
        if (pthread_create(&w->slots[i].th, NULL, slot_main, &w->slots[i]) != 0) {
            ol_diag fd = {0};
            (void)OL_FAIL(&fd, OL_E_INTERNAL, "cannot start slot thread %u", i);
            set_fatal(w, &fd);
            break;
        }
        w->slots[i].started = true;
    }

    /* Serve until stopped. Each wait is bounded; the loop ends on a stop or a fatal error. */
    pthread_mutex_lock(&w->mu);
    while (!atomic_load(&w->stop))
        timed_wait(w, KEEPER_TICK_MS);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    OL_LOG(OL_LOG_INFO, "event=stopping grace_ms=%" PRIu32, w->grace_ms);

    /* Polls end within about a second; running jobs get the grace period, leases renewed. */
    uint64_t end = now_ms() + w->grace_ms;
    unsigned pending = 0;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        pending = 0;
        for (unsigned i = 0; i < w->concurrency; i++)
            pending += w->slots[i].started && !w->slots[i].exited;
        uint64_t t = now_ms();
        if (pending == 0 || t >= end)
            break;
        timed_wait(w, (uint32_t)(end - t < KEEPER_TICK_MS ? end - t : KEEPER_TICK_MS));
    }
    pthread_mutex_unlock(&w->mu);
    if (pending > 0) {
        /* The grace is over: abort requests in flight and give them a bounded time to unwind. */
        atomic_store(&w->halt, true);
        end = now_ms() + HALT_WAIT_MS;
        pthread_mutex_lock(&w->mu);
        for (;;) {
            pending = 0;
            for (unsigned i = 0; i < w->concurrency; i++)
                pending += w->slots[i].started && !w->slots[i].exited;
            uint64_t t = now_ms();
            if (pending == 0 || t >= end)
                break;
            timed_wait(w, (uint32_t)(end - t < KEEPER_TICK_MS ? end - t : KEEPER_TICK_MS));
        }
        pthread_mutex_unlock(&w->mu);
    }
    for (unsigned i = 0; i < w->concurrency; i++) {
        slot *s = &w->slots[i];
        pthread_mutex_lock(&w->mu);
        bool exited = s->exited;
        pthread_mutex_unlock(&w->mu);
        if (!s->started)
            continue;
        if (exited) {
            pthread_join(s->th, NULL);
            s->started = false;
        } else {
            /* Still inside a run: abandoned. Its lease lapses and the task is redelivered. */
            OL_LOG(OL_LOG_WARN, "event=abandoned task=%s", s->task_id);
            pthread_detach(s->th);
            w->abandoned++;
        }
    }
    if (atomic_load(&w->fatal)) {
        if (d != NULL)
            *d = w->fatal_diag;
        rc = w->fatal_diag.code != OL_OK ? w->fatal_diag.code : OL_E_INTERNAL;
    }
out:
    if (keeper_started) {
        atomic_store(&k.done, true);
        atomic_store(&w->halt, true);
        pthread_mutex_lock(&w->mu);
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(keeper_th, NULL);
    }
    ol__whttp_fini(&k.http);
    OL_LOG(OL_LOG_INFO,
           "event=stopped tasks_run=%" PRIu64 " reported=%" PRIu64 " dropped=%" PRIu64
           " abandoned=%u",
           atomic_load(&w->tasks_run), atomic_load(&w->tasks_reported),
           atomic_load(&w->tasks_dropped), w->abandoned);
    return rc;
}

void ol_worker_stop(ol_worker *w)
{
    atomic_store(&w->stop, true);
}

void ol_worker_get_stats(ol_worker *w, ol_worker_stats *out)
{
    memset(out, 0, sizeof *out);
    out->tasks_run = atomic_load(&w->tasks_run);
    out->tasks_reported = atomic_load(&w->tasks_reported);
    out->tasks_dropped = atomic_load(&w->tasks_dropped);
    out->cache_hits = atomic_load(&w->cache_hits);
    out->cache_fetches = atomic_load(&w->cache_fetches);
    pthread_mutex_lock(&w->mu);
    out->abandoned = w->abandoned;
    pthread_mutex_unlock(&w->mu);
}

const char *ol_worker_public_key(const ol_worker *w)
{
    return w->pk;
}

void ol_worker_free(ol_worker *w)
{
    if (w == NULL)
        return;
    if (w->slots != NULL) {
        for (unsigned i = 0; i < w->concurrency; i++) {
            ol__whttp_fini(&w->slots[i].http);
            if (w->slots[i].ks_open)
                ol__whttp_fini(&w->slots[i].ks_http);
        }
        free(w->slots);
    }
    if (w->cache_open)
        ol__wcache_fini(&w->cache);
    if (w->sync_init) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
    ol_near_secret_key_wipe(&w->sk);
    if (w->token != NULL) {
        sodium_memzero(w->token, strlen(w->token));
        free(w->token);
    }
    if (w->ks_token != NULL) {
        sodium_memzero(w->ks_token, strlen(w->ks_token));
        free(w->ks_token);
    }
    free(w->ks_url);
    free(w->url);
    free(w->data_dir);
    free(w->name);
    free(w);
}
