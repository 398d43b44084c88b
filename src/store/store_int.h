/* Private to src/store (and the store tests): the backend vtable.
 *
 * A backend is one file (store_sqlite.c, later store_pg.c) that defines an ol_store_ops and a
 * struct embedding `ol_store base` as its first member. store.c validates every argument the
 * same way for all backends (lengths, money bounds, non-NULL), then dispatches; a backend can
 * therefore assume well-formed arguments and only implements the storage semantics documented
 * in ol/store.h. The conformance suite (tests/unit/test_store_conformance.c) checks them.
 */
#ifndef OL_STORE_INT_H
#define OL_STORE_INT_H

#include "ol/store.h"

typedef struct ol_store_ops ol_store_ops;

struct ol_store {
    const ol_store_ops *ops;
    uint32_t schema_version;
};

struct ol_store_ops {
    const char *scheme; /* "sqlite" (URL "sqlite:PATH") */
    /* `rest` is the URL after "scheme:". */
    ol_err (*open)(const char *rest, const ol_store_options *opts, ol_store **out, ol_diag *d);
    void (*close)(ol_store *s);
    ol_err (*ping)(ol_store *s, ol_diag *d);

    ol_err (*project_create)(ol_store *s, const char *owner, const char *name, uint64_t now_ms,
                             ol_diag *d);
    ol_err (*project_get)(ol_store *s, const char *owner, const char *name, ol_store_project *out,
                          ol_diag *d);
    ol_err (*project_list)(ol_store *s, ol_store_project_cb cb, void *ud, ol_diag *d);
    ol_err (*version_add)(ol_store *s, const char *owner, const char *name, const uint8_t *bytes,
                          size_t len, const char *sha256, bool activate, uint64_t now_ms,
                          ol_diag *d);
    ol_err (*version_activate)(ol_store *s, const char *owner, const char *name, const char *sha256,
                               ol_diag *d);
    ol_err (*version_get)(ol_store *s, const char *owner, const char *name, const char *sha256,
                          ol_store_version *out, ol_diag *d);
    ol_err (*version_list)(ol_store *s, const char *owner, const char *name, ol_store_version_cb cb,
                           void *ud, ol_diag *d);
    ol_err (*wasm_get)(ol_store *s, const char *sha256, uint8_t **bytes, size_t *len, ol_diag *d);

    /* projects_text: the allowlist joined with '\n' ("" = any). */
    ol_err (*key_create)(ol_store *s, const ol_store_key_spec *spec, const char *projects_text,
                         uint64_t now_ms, uint32_t *nonce_out, ol_diag *d);
    ol_err (*key_get)(ol_store *s, const char *owner, uint32_t nonce, ol_store_key **out,
                      ol_diag *d);
    ol_err (*key_list)(ol_store *s, const char *owner, ol_store_key_cb cb, void *ud, ol_diag *d);
    ol_err (*key_top_up)(ol_store *s, const char *owner, uint32_t nonce, uint64_t amount,
                         ol_diag *d);

    ol_err (*call_submit)(ol_store *s, const ol_store_submit *sub, uint64_t now_ms,
                          ol_store_submit_result *result, ol_diag *d);
    ol_err (*call_get)(ol_store *s, const char *call_id, ol_store_call **out, ol_diag *d);
    ol_err (*call_cancel_queued)(ol_store *s, const char *call_id, const char *error_code,
                                 const char *error, uint64_t now_ms, ol_diag *d);

    ol_err (*task_claim)(ol_store *s, const char *worker_id, uint64_t now_ms, uint64_t lease_ms,
                         ol_store_task **out, ol_diag *d);
    ol_err (*task_renew)(ol_store *s, const char *task_id, const char *worker_id, uint32_t attempt,
                         uint64_t now_ms, uint64_t lease_ms, ol_diag *d);
    ol_err (*task_complete)(ol_store *s, const ol_store_completion *c, uint64_t now_ms,
                            bool *settled, ol_diag *d);
    ol_err (*sweep_leases)(ol_store *s, uint64_t now_ms, uint64_t queued_before_ms, size_t limit,
                           ol_store_sweep *out, ol_diag *d);

    ol_err (*task_claim_id)(ol_store *s, const char *task_id, const char *worker_id,
                            uint64_t now_ms, ol_store_task **out, ol_diag *d);
    ol_err (*task_lapse)(ol_store *s, const char *task_id, uint32_t attempt, uint64_t now_ms,
                         ol_store_lapse_result *result, char call_id_out[OL_STORE_ID_MAX + 1],
                         ol_diag *d);
    ol_err (*task_queued_list)(ol_store *s, uint64_t queued_before_ms, size_t limit,
                               ol_store_queued_cb cb, void *ud, ol_diag *d);

    ol_err (*task_external_list)(ol_store *s, uint64_t claimed_before_ms, size_t limit,
                                 ol_store_leased_cb cb, void *ud, ol_diag *d);

    ol_err (*worker_register)(ol_store *s, const uint8_t token_sha256[32], const char *name,
                              const char *public_key, uint32_t capacity, const char *new_id,
                              uint64_t now_ms, ol_store_worker *out, ol_diag *d);
    ol_err (*worker_get)(ol_store *s, const char *worker_id, ol_store_worker *out, ol_diag *d);
    ol_err (*worker_heartbeat)(ol_store *s, const char *worker_id, uint32_t running,
                               uint64_t now_ms, ol_diag *d);
    ol_err (*worker_list)(ol_store *s, ol_store_worker_cb cb, void *ud, ol_diag *d);
    ol_err (*worker_token_add)(ol_store *s, const uint8_t token_sha256[32], const char *name,
                               uint64_t now_ms, ol_diag *d);
    ol_err (*worker_token_check)(ol_store *s, const uint8_t token_sha256[32], ol_diag *d);

    ol_err (*earnings_get)(ol_store *s, const char *owner, ol_store_earnings *out, ol_diag *d);
    ol_err (*stats_get)(ol_store *s, ol_store_stats *out, ol_diag *d);

    ol_err (*secret_put)(ol_store *s, const char *accessor, const char *profile, const char *owner,
                         const uint8_t *ciphertext, size_t ciphertext_len, const char *access,
                         uint32_t expected_version, uint64_t now_ms, uint32_t *version_out,
                         ol_diag *d);
    ol_err (*secret_get)(ol_store *s, const char *accessor, const char *profile, const char *owner,
                         ol_store_secret **out, ol_diag *d);
    ol_err (*secret_list)(ol_store *s, const char *owner, ol_store_secret_cb cb, void *ud,
                          ol_diag *d);
    ol_err (*secret_delete)(ol_store *s, const char *accessor, const char *profile,
                            const char *owner, ol_diag *d);
    ol_err (*owner_key_add)(ol_store *s, const char *owner, const char *public_key, uint64_t now_ms,
                            ol_diag *d);
    ol_err (*owner_key_check)(ol_store *s, const char *owner, const char *public_key, ol_diag *d);
    ol_err (*owner_key_remove)(ol_store *s, const char *owner, const char *public_key, ol_diag *d);
    ol_err (*owner_key_list)(ol_store *s, const char *owner, ol_store_owner_key_cb cb, void *ud,
                             ol_diag *d);
    ol_err (*nonce_use)(ol_store *s, const char *owner, const char *nonce, uint64_t expires_ms,
                        uint64_t now_ms, ol_diag *d);

    /* Fault injection for the crash-safety tests: the `countdown`-th (0-based) statement step
     * inside a write transaction from now on fails as if the disk had failed (the transaction
     * rolls back); -1 disables. */
    void (*set_fault)(ol_store *s, long countdown);
};

/* The backends compiled in. */
extern const ol_store_ops ol__store_sqlite_ops;
extern const ol_store_ops ol__store_pg_ops; /* "postgres" (URL "postgres://...", store_pg.c) */

/* ---- helpers shared by backends (store.c) ---- */

/* Builds the one-block records. Every pointer argument may be NULL with length 0. On success
 * returns the record (free with the public _free()); NULL when out of memory. */
ol_store_key *ol__store_key_build(const ol_store_key *fixed, const char *projects_text);

/* Fills the variable parts of a call record laid out after the struct. The fixed fields are
 * copied from `fixed`; its pointer fields are the sources. */
ol_store_call *ol__store_call_build(const ol_store_call *fixed, const char *error,
                                    const uint8_t *input, size_t input_len, const uint8_t *output,
                                    size_t output_len, const char *stderr_text,
                                    const char *evidence, const uint8_t *transcript,
                                    size_t transcript_len, const char *task_json);

/* A secret record: the struct, then accessor, access and ciphertext (ciphertext may be NULL:
 * list walks), in one block. */
ol_store_secret *ol__store_secret_build(const ol_store_secret *fixed, const char *accessor,
                                        const char *access, const uint8_t *ciphertext,
                                        size_t ciphertext_len);

ol_store_task *ol__store_task_build(const ol_store_task *fixed, const uint8_t *input,
                                    size_t input_len, const char *task_json);

/* Safe copy of a NUL-terminated string into a fixed field (truncating; never overflowing). */
void ol__store_copy(char *dst, size_t cap, const char *src);

/* For tests: see set_fault above. */
void ol__store_set_fault(ol_store *s, long countdown);

#endif
