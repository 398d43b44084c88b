/* The storage interface: picks a backend by URL scheme and validates every argument the same
 * way for all backends before dispatching through the vtable (store_int.h).
 *
 * Invariant: a backend function is only ever called with arguments that pass the checks here
 * (bounded string lengths, money within OL_STORE_MONEY_MAX, non-NULL outputs), so backends
 * agree on what is rejected and the conformance suite tests those rules once.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store_int.h"

static const ol_store_ops *const backends[] = {&ol__store_sqlite_ops, &ol__store_pg_ops};

void ol__store_copy(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t n = src != NULL ? strnlen(src, cap - 1) : 0;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Length within 1..max (or 0..max when empty_ok). */
static bool len_ok(const char *s, size_t max, bool empty_ok)
{
    if (s == NULL)
        return false;
    size_t n = strnlen(s, max + 1);
    return n <= max && (empty_ok || n > 0);
}

#define CHECK_STR(s, max, what)                                                               \
    do {                                                                                      \
        if (!len_ok((s), (max), false))                                                       \
            return OL_FAIL(d, OL_E_INVAL, "%s must be 1..%d characters", (what), (int)(max)); \
    } while (0)

static bool is_hex64(const char *s)
{
    if (s == NULL || strlen(s) != OL_STORE_SHA_HEX)
        return false;
    for (size_t i = 0; i < OL_STORE_SHA_HEX; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

ol_err ol_store_open(const char *url, const ol_store_options *opts, ol_store **out, ol_diag *d)
{
    if (url == NULL || out == NULL)
        return OL_FAIL(d, OL_E_INVAL, "store URL missing");
    const char *colon = strchr(url, ':');
    if (colon == NULL || colon == url)
        return OL_FAIL(d, OL_E_INVAL, "store URL '%.80s' has no scheme (expected sqlite:PATH)",
                       url);
    size_t slen = (size_t)(colon - url);
    ol_store_options o = {0};
    if (opts != NULL)
        o = *opts;
    if (o.busy_timeout_ms == 0)
        o.busy_timeout_ms = OL_STORE_DEFAULT_BUSY;
    if (o.pool_size == 0)
        o.pool_size = OL_STORE_DEFAULT_POOL;
    if (sodium_init() < 0)
        return OL_FAIL(d, OL_E_INTERNAL, "libsodium initialisation failed");
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        const ol_store_ops *ops = backends[i];
        if (strlen(ops->scheme) == slen && strncmp(ops->scheme, url, slen) == 0) {
            ol_store *s = NULL;
            ol_err rc = ops->open(colon + 1, &o, &s, d);
            if (rc != OL_OK)
                return rc;
            s->ops = ops;
            *out = s;
            return OL_OK;
        }
    }
    return OL_FAIL(d, OL_E_UNSUPPORTED, "no store backend for scheme '%.*s'", (int)slen, url);
}

void ol_store_close(ol_store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

uint32_t ol_store_schema_version(const ol_store *s)
{
    return s->schema_version;
}

ol_err ol_store_ping(ol_store *s, ol_diag *d)
{
    return s->ops->ping(s, d);
}

void ol__store_set_fault(ol_store *s, long countdown)
{
    if (s->ops->set_fault != NULL)
        s->ops->set_fault(s, countdown);
}

/* ---------------------------------- registry ---------------------------------- */

ol_err ol_store_project_create(ol_store *s, const char *owner, const char *name, uint64_t now_ms,
                               ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "project owner");
    CHECK_STR(name, OL_STORE_NAME_MAX, "project name");
    return s->ops->project_create(s, owner, name, now_ms, d);
}

ol_err ol_store_project_get(ol_store *s, const char *owner, const char *name, ol_store_project *out,
                            ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "project owner");
    CHECK_STR(name, OL_STORE_NAME_MAX, "project name");
    return s->ops->project_get(s, owner, name, out, d);
}

ol_err ol_store_project_list(ol_store *s, ol_store_project_cb cb, void *ud, ol_diag *d)
{
    return s->ops->project_list(s, cb, ud, d);
}

ol_err ol_store_version_add(ol_store *s, const char *owner, const char *name, const uint8_t *bytes,
                            size_t len, bool activate, uint64_t now_ms,
                            char sha256_out[OL_STORE_SHA_HEX + 1], ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "project owner");
    CHECK_STR(name, OL_STORE_NAME_MAX, "project name");
    if (bytes == NULL || len == 0)
        return OL_FAIL(d, OL_E_INVAL, "empty wasm module");
    uint8_t h[crypto_hash_sha256_BYTES];
    char hex[OL_STORE_SHA_HEX + 1];
    crypto_hash_sha256(h, bytes, len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    ol_err rc = s->ops->version_add(s, owner, name, bytes, len, hex, activate, now_ms, d);
    if (rc == OL_OK && sha256_out != NULL)
        memcpy(sha256_out, hex, sizeof hex);
    return rc;
}

ol_err ol_store_version_activate(ol_store *s, const char *owner, const char *name,
                                 const char *sha256, ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "project owner");
    CHECK_STR(name, OL_STORE_NAME_MAX, "project name");
    if (!is_hex64(sha256))
        return OL_FAIL(d, OL_E_NOTFOUND, "version key must be 64 lowercase hex digits");
    return s->ops->version_activate(s, owner, name, sha256, d);
}

ol_err ol_store_version_get(ol_store *s, const char *owner, const char *name, const char *sha256,
                            ol_store_version *out, ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "project owner");
    CHECK_STR(name, OL_STORE_NAME_MAX, "project name");
    if (sha256 != NULL && !is_hex64(sha256))
        return OL_FAIL(d, OL_E_NOTFOUND, "version key must be 64 lowercase hex digits");
    return s->ops->version_get(s, owner, name, sha256, out, d);
}

ol_err ol_store_version_list(ol_store *s, const char *owner, const char *name,
                             ol_store_version_cb cb, void *ud, ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "project owner");
    CHECK_STR(name, OL_STORE_NAME_MAX, "project name");
    return s->ops->version_list(s, owner, name, cb, ud, d);
}

ol_err ol_store_wasm_get(ol_store *s, const char *sha256, uint8_t **bytes, size_t *len, ol_diag *d)
{
    if (!is_hex64(sha256))
        return OL_FAIL(d, OL_E_NOTFOUND, "wasm hash must be 64 lowercase hex digits");
    return s->ops->wasm_get(s, sha256, bytes, len, d);
}

/* -------------------------------- payment keys -------------------------------- */

ol_err ol_store_key_create(ol_store *s, const ol_store_key_spec *spec, uint64_t now_ms,
                           uint32_t *nonce_out, ol_diag *d)
{
    CHECK_STR(spec->owner, OL_STORE_OWNER_MAX, "key owner");
    if (spec->initial_balance > OL_STORE_MONEY_MAX || spec->max_per_call > OL_STORE_MONEY_MAX)
        return OL_FAIL(d, OL_E_INVAL, "amounts must be at most %llu micro-USD",
                       (unsigned long long)OL_STORE_MONEY_MAX);
    if (spec->nonce > (uint32_t)INT32_MAX)
        return OL_FAIL(d, OL_E_INVAL, "nonce must be at most 2^31-1");
    if (spec->nprojects > OL_STORE_MAX_PROJECTS)
        return OL_FAIL(d, OL_E_INVAL, "at most %d projects per key", OL_STORE_MAX_PROJECTS);
    size_t total = 1;
    for (size_t i = 0; i < spec->nprojects; i++) {
        const char *p = spec->projects[i];
        if (!len_ok(p, OL_STORE_PROJECT_MAX, false) || strchr(p, '\n') != NULL ||
            strchr(p, '/') == NULL)
            return OL_FAIL(d, OL_E_INVAL, "project %zu of the allowlist is not owner/name", i);
        total += strlen(p) + 1;
    }
    char *text = malloc(total);
    if (text == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "allowlist");
    size_t at = 0;
    for (size_t i = 0; i < spec->nprojects; i++) {
        size_t n = strlen(spec->projects[i]);
        if (i > 0)
            text[at++] = '\n';
        memcpy(text + at, spec->projects[i], n);
        at += n;
    }
    text[at] = '\0';
    ol_err rc = s->ops->key_create(s, spec, text, now_ms, nonce_out, d);
    free(text);
    return rc;
}

ol_err ol_store_key_get(ol_store *s, const char *owner, uint32_t nonce, ol_store_key **out,
                        ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "key owner");
    return s->ops->key_get(s, owner, nonce, out, d);
}

void ol_store_key_free(ol_store_key *k)
{
    free(k);
}

ol_err ol_store_key_list(ol_store *s, const char *owner, ol_store_key_cb cb, void *ud, ol_diag *d)
{
    if (owner != NULL)
        CHECK_STR(owner, OL_STORE_OWNER_MAX, "key owner");
    return s->ops->key_list(s, owner, cb, ud, d);
}

ol_err ol_store_key_top_up(ol_store *s, const char *owner, uint32_t nonce, uint64_t amount,
                           ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "key owner");
    if (amount > OL_STORE_MONEY_MAX)
        return OL_FAIL(d, OL_E_RANGE, "amount above %llu", (unsigned long long)OL_STORE_MONEY_MAX);
    return s->ops->key_top_up(s, owner, nonce, amount, d);
}

bool ol_store_key_allows(const ol_store_key *k, const char *project_id)
{
    if (k->nprojects == 0)
        return true;
    const char *slash = strchr(project_id, '/');
    size_t owner_len = slash != NULL ? (size_t)(slash - project_id) : 0;
    for (size_t i = 0; i < k->nprojects; i++) {
        const char *p = k->projects[i];
        if (strcmp(p, project_id) == 0)
            return true;
        size_t n = strlen(p);
        /* An owner wildcard (owner, slash, star) covers every project of owner. */
        if (slash != NULL && n == owner_len + 2 && p[n - 1] == '*' && p[n - 2] == '/' &&
            strncmp(p, project_id, owner_len) == 0)
            return true;
    }
    return false;
}

ol_store_key *ol__store_key_build(const ol_store_key *fixed, const char *projects_text)
{
    if (projects_text == NULL)
        projects_text = "";
    size_t tl = strlen(projects_text);
    size_t n = 0;
    if (tl > 0) {
        n = 1;
        for (size_t i = 0; i < tl; i++)
            n += projects_text[i] == '\n';
    }
    size_t size = sizeof(ol_store_key) + n * sizeof(char *) + tl + 1;
    ol_store_key *k = malloc(size);
    if (k == NULL)
        return NULL;
    *k = *fixed;
    const char **arr = (const char **)(k + 1);
    char *text = (char *)(arr + n);
    memcpy(text, projects_text, tl + 1);
    size_t idx = 0;
    if (tl > 0) {
        arr[idx++] = text;
        for (size_t i = 0; i < tl; i++) {
            if (text[i] == '\n') {
                text[i] = '\0';
                arr[idx++] = text + i + 1;
            }
        }
    }
    k->projects = arr;
    k->nprojects = n;
    return k;
}

/* ------------------------------------ calls ------------------------------------ */

const char *ol_store_call_status_name(ol_store_call_status st)
{
    switch (st) {
    case OL_STORE_CALL_PENDING:
        return "pending";
    case OL_STORE_CALL_RUNNING:
        return "running";
    case OL_STORE_CALL_COMPLETED:
        return "completed";
    case OL_STORE_CALL_FAILED:
        return "failed";
    }
    return "unknown";
}

ol_err ol_store_call_submit(ol_store *s, const ol_store_submit *sub, uint64_t now_ms,
                            ol_store_submit_result *result, ol_diag *d)
{
    CHECK_STR(sub->call_id, OL_STORE_ID_MAX, "call id");
    CHECK_STR(sub->task_id, OL_STORE_ID_MAX, "task id");
    CHECK_STR(sub->key_owner, OL_STORE_OWNER_MAX, "key owner");
    CHECK_STR(sub->project_owner, OL_STORE_OWNER_MAX, "project owner");
    CHECK_STR(sub->project_name, OL_STORE_NAME_MAX, "project name");
    if (!is_hex64(sub->version))
        return OL_FAIL(d, OL_E_INVAL, "version must be 64 lowercase hex digits");
    if (sub->compute_limit > OL_STORE_MONEY_MAX || sub->attached_deposit > OL_STORE_MONEY_MAX ||
        sub->compute_limit + sub->attached_deposit > OL_STORE_MONEY_MAX)
        return OL_FAIL(d, OL_E_RANGE, "compute limit + deposit above %llu",
                       (unsigned long long)OL_STORE_MONEY_MAX);
    if (sub->max_attempts == 0)
        return OL_FAIL(d, OL_E_INVAL, "max_attempts must be at least 1");
    if (sub->input == NULL && sub->input_len != 0)
        return OL_FAIL(d, OL_E_INVAL, "input missing");
    if (sub->task_json == NULL)
        return OL_FAIL(d, OL_E_INVAL, "task description missing");
    return s->ops->call_submit(s, sub, now_ms, result, d);
}

ol_err ol_store_call_get(ol_store *s, const char *call_id, ol_store_call **out, ol_diag *d)
{
    if (!len_ok(call_id, OL_STORE_ID_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such call");
    return s->ops->call_get(s, call_id, out, d);
}

void ol_store_call_free(ol_store_call *c)
{
    free(c);
}

ol_err ol_store_call_cancel_queued(ol_store *s, const char *call_id, const char *error_code,
                                   const char *error, uint64_t now_ms, ol_diag *d)
{
    if (!len_ok(call_id, OL_STORE_ID_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such call");
    CHECK_STR(error_code, OL_STORE_CODE_MAX, "error code");
    return s->ops->call_cancel_queued(s, call_id, error_code, error != NULL ? error : "", now_ms,
                                      d);
}

/* Lays out a record followed by its variable parts. Each part gets a NUL after it so text
 * parts are C strings; binary parts simply ignore it. */
typedef struct part {
    const void *src;
    size_t len;
    size_t slot; /* offset of the pointer field that gets the copy's address */
} part;

static void *build_block(const void *fixed, size_t fixed_size, part *parts, size_t nparts)
{
    size_t size = fixed_size;
    for (size_t i = 0; i < nparts; i++)
        size += parts[i].len + 1;
    uint8_t *blk = malloc(size);
    if (blk == NULL)
        return NULL;
    memcpy(blk, fixed, fixed_size);
    size_t at = fixed_size;
    for (size_t i = 0; i < nparts; i++) {
        uint8_t *dst = blk + at;
        if (parts[i].len > 0)
            memcpy(dst, parts[i].src, parts[i].len);
        dst[parts[i].len] = 0;
        memcpy(blk + parts[i].slot, &dst, sizeof dst);
        at += parts[i].len + 1;
    }
    return blk;
}

ol_store_call *ol__store_call_build(const ol_store_call *fixed, const char *error,
                                    const uint8_t *input, size_t input_len, const uint8_t *output,
                                    size_t output_len, const char *stderr_text,
                                    const char *evidence, const uint8_t *transcript,
                                    size_t transcript_len, const char *task_json)
{
    part parts[] = {
        {error, error != NULL ? strlen(error) : 0, offsetof(ol_store_call, error)},
        {input, input_len, offsetof(ol_store_call, input)},
        {output, output_len, offsetof(ol_store_call, output)},
        {stderr_text, stderr_text != NULL ? strlen(stderr_text) : 0,
         offsetof(ol_store_call, stderr_text)},
        {evidence, evidence != NULL ? strlen(evidence) : 0, offsetof(ol_store_call, evidence)},
        {transcript, transcript_len, offsetof(ol_store_call, transcript)},
        {task_json, task_json != NULL ? strlen(task_json) : 0, offsetof(ol_store_call, task_json)},
    };
    ol_store_call *c = build_block(fixed, sizeof *fixed, parts, sizeof parts / sizeof parts[0]);
    if (c != NULL) {
        c->input_len = input_len;
        c->output_len = output_len;
        c->transcript_len = transcript_len;
    }
    return c;
}

ol_store_task *ol__store_task_build(const ol_store_task *fixed, const uint8_t *input,
                                    size_t input_len, const char *task_json)
{
    part parts[] = {
        {input, input_len, offsetof(ol_store_task, input)},
        {task_json, task_json != NULL ? strlen(task_json) : 0, offsetof(ol_store_task, task_json)},
    };
    ol_store_task *t = build_block(fixed, sizeof *fixed, parts, 2);
    if (t != NULL)
        t->input_len = input_len;
    return t;
}

/* ------------------------------------ queue ------------------------------------ */

ol_err ol_store_task_claim(ol_store *s, const char *worker_id, uint64_t now_ms, uint64_t lease_ms,
                           ol_store_task **out, ol_diag *d)
{
    CHECK_STR(worker_id, OL_STORE_ID_MAX, "worker id");
    if (lease_ms == 0 || lease_ms > (uint64_t)INT64_MAX - now_ms)
        return OL_FAIL(d, OL_E_INVAL, "lease must be positive");
    return s->ops->task_claim(s, worker_id, now_ms, lease_ms, out, d);
}

void ol_store_task_free(ol_store_task *t)
{
    free(t);
}

ol_err ol_store_task_renew(ol_store *s, const char *task_id, const char *worker_id,
                           uint32_t attempt, uint64_t now_ms, uint64_t lease_ms, ol_diag *d)
{
    if (!len_ok(task_id, OL_STORE_ID_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such task");
    CHECK_STR(worker_id, OL_STORE_ID_MAX, "worker id");
    if (lease_ms == 0 || lease_ms > (uint64_t)INT64_MAX - now_ms)
        return OL_FAIL(d, OL_E_INVAL, "lease must be positive");
    return s->ops->task_renew(s, task_id, worker_id, attempt, now_ms, lease_ms, d);
}

ol_err ol_store_task_complete(ol_store *s, const ol_store_completion *c, uint64_t now_ms,
                              bool *settled, ol_diag *d)
{
    if (!len_ok(c->task_id, OL_STORE_ID_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such task");
    CHECK_STR(c->worker_id, OL_STORE_ID_MAX, "worker id");
    if (!c->success)
        CHECK_STR(c->error_code, OL_STORE_CODE_MAX, "error code");
    if (c->run_status != NULL && !len_ok(c->run_status, OL_STORE_CODE_MAX, true))
        return OL_FAIL(d, OL_E_INVAL, "run status too long");
    if (c->charge > OL_STORE_MONEY_MAX || c->instructions > (uint64_t)INT64_MAX ||
        c->time_ms > (uint64_t)INT64_MAX)
        return OL_FAIL(d, OL_E_RANGE, "charge, instructions or time out of range");
    if ((c->output == NULL && c->output_len != 0) ||
        (c->transcript == NULL && c->transcript_len != 0))
        return OL_FAIL(d, OL_E_INVAL, "output or transcript missing");
    return s->ops->task_complete(s, c, now_ms, settled, d);
}

ol_err ol_store_sweep_leases(ol_store *s, uint64_t now_ms, uint64_t queued_before_ms, size_t limit,
                             ol_store_sweep *out, ol_diag *d)
{
    if (limit == 0)
        limit = 1000;
    return s->ops->sweep_leases(s, now_ms, queued_before_ms, limit, out, d);
}

ol_err ol_store_task_claim_id(ol_store *s, const char *task_id, const char *worker_id,
                              uint64_t now_ms, ol_store_task **out, ol_diag *d)
{
    if (!len_ok(task_id, OL_STORE_ID_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such task");
    CHECK_STR(worker_id, OL_STORE_ID_MAX, "worker id");
    return s->ops->task_claim_id(s, task_id, worker_id, now_ms, out, d);
}

ol_err ol_store_task_lapse(ol_store *s, const char *task_id, uint32_t attempt, uint64_t now_ms,
                           ol_store_lapse_result *result, char call_id_out[OL_STORE_ID_MAX + 1],
                           ol_diag *d)
{
    if (!len_ok(task_id, OL_STORE_ID_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such task");
    char ignored[OL_STORE_ID_MAX + 1];
    return s->ops->task_lapse(s, task_id, attempt, now_ms, result,
                              call_id_out != NULL ? call_id_out : ignored, d);
}

ol_err ol_store_task_queued_list(ol_store *s, uint64_t queued_before_ms, size_t limit,
                                 ol_store_queued_cb cb, void *ud, ol_diag *d)
{
    if (limit == 0)
        limit = 1000;
    if (queued_before_ms > (uint64_t)INT64_MAX)
        queued_before_ms = (uint64_t)INT64_MAX;
    return s->ops->task_queued_list(s, queued_before_ms, limit, cb, ud, d);
}

ol_err ol_store_task_external_list(ol_store *s, uint64_t claimed_before_ms, size_t limit,
                                   ol_store_leased_cb cb, void *ud, ol_diag *d)
{
    if (limit == 0)
        limit = 1000;
    if (claimed_before_ms > (uint64_t)INT64_MAX)
        claimed_before_ms = (uint64_t)INT64_MAX;
    return s->ops->task_external_list(s, claimed_before_ms, limit, cb, ud, d);
}

/* ----------------------------------- workers ----------------------------------- */

ol_err ol_store_worker_register(ol_store *s, const uint8_t token_sha256[32], const char *name,
                                const char *public_key, uint32_t capacity, const char *new_id,
                                uint64_t now_ms, ol_store_worker *out, ol_diag *d)
{
    CHECK_STR(name, OL_STORE_WORKER_NAME, "worker name");
    CHECK_STR(public_key, OL_STORE_PUBKEY_MAX, "worker public key");
    CHECK_STR(new_id, OL_STORE_ID_MAX, "worker id");
    return s->ops->worker_register(s, token_sha256, name, public_key, capacity, new_id, now_ms, out,
                                   d);
}

ol_err ol_store_worker_get(ol_store *s, const char *worker_id, ol_store_worker *out, ol_diag *d)
{
    if (!len_ok(worker_id, OL_STORE_ID_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such worker");
    return s->ops->worker_get(s, worker_id, out, d);
}

ol_err ol_store_worker_heartbeat(ol_store *s, const char *worker_id, uint32_t running,
                                 uint64_t now_ms, ol_diag *d)
{
    if (!len_ok(worker_id, OL_STORE_ID_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such worker");
    return s->ops->worker_heartbeat(s, worker_id, running, now_ms, d);
}

ol_err ol_store_worker_list(ol_store *s, ol_store_worker_cb cb, void *ud, ol_diag *d)
{
    return s->ops->worker_list(s, cb, ud, d);
}

ol_err ol_store_worker_token_add(ol_store *s, const uint8_t token_sha256[32], const char *name,
                                 uint64_t now_ms, ol_diag *d)
{
    CHECK_STR(name, OL_STORE_WORKER_NAME, "token name");
    return s->ops->worker_token_add(s, token_sha256, name, now_ms, d);
}

ol_err ol_store_worker_token_check(ol_store *s, const uint8_t token_sha256[32], ol_diag *d)
{
    return s->ops->worker_token_check(s, token_sha256, d);
}

/* ------------------------------- earnings, stats ------------------------------- */

ol_err ol_store_earnings_get(ol_store *s, const char *owner, ol_store_earnings *out, ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "owner");
    return s->ops->earnings_get(s, owner, out, d);
}

ol_err ol_store_stats_get(ol_store *s, ol_store_stats *out, ol_diag *d)
{
    return s->ops->stats_get(s, out, d);
}

/* ----------------------------------- secrets ----------------------------------- */

#define CHECK_SECRET_ID(accessor, profile, owner)                      \
    do {                                                               \
        CHECK_STR(accessor, OL_STORE_ACCESSOR_MAX, "secret accessor"); \
        CHECK_STR(profile, OL_STORE_PROFILE_MAX, "secret profile");    \
        CHECK_STR(owner, OL_STORE_OWNER_MAX, "secret owner");          \
    } while (0)

ol_store_secret *ol__store_secret_build(const ol_store_secret *fixed, const char *accessor,
                                        const char *access, const uint8_t *ciphertext,
                                        size_t ciphertext_len)
{
    part parts[] = {
        {accessor, accessor != NULL ? strlen(accessor) : 0, offsetof(ol_store_secret, accessor)},
        {access, access != NULL ? strlen(access) : 0, offsetof(ol_store_secret, access)},
        {ciphertext, ciphertext != NULL ? ciphertext_len : 0,
         offsetof(ol_store_secret, ciphertext)},
    };
    ol_store_secret *x = build_block(fixed, sizeof *fixed, parts, ciphertext != NULL ? 3 : 2);
    if (x != NULL) {
        x->ciphertext_len = ciphertext_len;
        if (ciphertext == NULL)
            x->ciphertext = NULL;
    }
    return x;
}

ol_err ol_store_secret_put(ol_store *s, const char *accessor, const char *profile,
                           const char *owner, const uint8_t *ciphertext, size_t ciphertext_len,
                           const char *access, uint32_t expected_version, uint64_t now_ms,
                           uint32_t *version_out, ol_diag *d)
{
    CHECK_SECRET_ID(accessor, profile, owner);
    CHECK_STR(access, OL_STORE_ACCESS_MAX, "access condition");
    if (ciphertext == NULL || ciphertext_len == 0 || ciphertext_len > OL_STORE_SECRET_MAX)
        return OL_FAIL(d, OL_E_INVAL, "secret ciphertext must be 1..%u bytes",
                       (unsigned)OL_STORE_SECRET_MAX);
    if (expected_version == UINT32_MAX)
        return OL_FAIL(d, OL_E_RANGE, "secret version overflow");
    uint32_t ignored;
    return s->ops->secret_put(s, accessor, profile, owner, ciphertext, ciphertext_len, access,
                              expected_version, now_ms,
                              version_out != NULL ? version_out : &ignored, d);
}

ol_err ol_store_secret_get(ol_store *s, const char *accessor, const char *profile,
                           const char *owner, ol_store_secret **out, ol_diag *d)
{
    if (!len_ok(accessor, OL_STORE_ACCESSOR_MAX, false) ||
        !len_ok(profile, OL_STORE_PROFILE_MAX, false) || !len_ok(owner, OL_STORE_OWNER_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such secret");
    return s->ops->secret_get(s, accessor, profile, owner, out, d);
}

void ol_store_secret_free(ol_store_secret *x)
{
    free(x);
}

ol_err ol_store_secret_list(ol_store *s, const char *owner, ol_store_secret_cb cb, void *ud,
                            ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "owner");
    return s->ops->secret_list(s, owner, cb, ud, d);
}

ol_err ol_store_secret_delete(ol_store *s, const char *accessor, const char *profile,
                              const char *owner, ol_diag *d)
{
    if (!len_ok(accessor, OL_STORE_ACCESSOR_MAX, false) ||
        !len_ok(profile, OL_STORE_PROFILE_MAX, false) || !len_ok(owner, OL_STORE_OWNER_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "no such secret");
    return s->ops->secret_delete(s, accessor, profile, owner, d);
}

/* ---------------------------------- owner keys ---------------------------------- */

ol_err ol_store_owner_key_add(ol_store *s, const char *owner, const char *public_key,
                              uint64_t now_ms, ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "owner");
    CHECK_STR(public_key, OL_STORE_PUBKEY_MAX, "owner public key");
    return s->ops->owner_key_add(s, owner, public_key, now_ms, d);
}

ol_err ol_store_owner_key_check(ol_store *s, const char *owner, const char *public_key, ol_diag *d)
{
    if (!len_ok(owner, OL_STORE_OWNER_MAX, false) ||
        !len_ok(public_key, OL_STORE_PUBKEY_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "not a registered key of the owner");
    return s->ops->owner_key_check(s, owner, public_key, d);
}

ol_err ol_store_owner_key_remove(ol_store *s, const char *owner, const char *public_key, ol_diag *d)
{
    if (!len_ok(owner, OL_STORE_OWNER_MAX, false) ||
        !len_ok(public_key, OL_STORE_PUBKEY_MAX, false))
        return OL_FAIL(d, OL_E_NOTFOUND, "not a registered key of the owner");
    return s->ops->owner_key_remove(s, owner, public_key, d);
}

ol_err ol_store_owner_key_list(ol_store *s, const char *owner, ol_store_owner_key_cb cb, void *ud,
                               ol_diag *d)
{
    if (owner != NULL)
        CHECK_STR(owner, OL_STORE_OWNER_MAX, "owner");
    return s->ops->owner_key_list(s, owner, cb, ud, d);
}

ol_err ol_store_nonce_use(ol_store *s, const char *owner, const char *nonce, uint64_t expires_ms,
                          uint64_t now_ms, ol_diag *d)
{
    CHECK_STR(owner, OL_STORE_OWNER_MAX, "owner");
    CHECK_STR(nonce, OL_STORE_NONCE_MAX, "nonce");
    if (expires_ms > (uint64_t)INT64_MAX || now_ms > (uint64_t)INT64_MAX)
        return OL_FAIL(d, OL_E_RANGE, "nonce expiry out of range");
    return s->ops->nonce_use(s, owner, nonce, expires_ms, now_ms, d);
}
