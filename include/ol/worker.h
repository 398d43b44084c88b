/* `outlayer worker`: the process that executes HTTPS-path jobs for a coordinator.
 *
 * A worker registers with the coordinator (bearer token; its ed25519 evidence key, generated on
 * first start into its data directory with mode 0600), then runs `concurrency` slots. Each slot
 * long-polls GET /worker/poll for one task, fetches the task's WASM by content hash through a
 * local cache (SHA-256 verified before use, compiled once and kept in memory as a compiled
 * module shared by every run of it, LRU by total size; the bytes are mirrored in DATA_DIR/wasm),
 * runs it with ol_wasi_run_module() under the task's limits and environment, and reports POST
 * /worker/complete with the output, the transcript and a signed evidence record. While a job
 * runs, a renewal thread keeps its lease (POST /worker/renew); a 409 there means the lease is no
 * longer ours: the run is cancelled (ol/wasi.h, "Cancellation") and the slot drops its result.
 * A heartbeat thread reports the running task ids. The wire contract is
 * docs/platform-protocol.md.
 *
 * Secrets (docs/keystore.md, "integration"): a task may carry "secrets" (a grant the coordinator
 * signed for this worker's key, the ciphertext and its access condition). Before the run, the
 * worker asks the keystore (POST /decrypt, keystore_token) with a worker_signature made with its
 * evidence key, and injects the plaintext as environment variables; system variables always
 * win over a secret of the same name (secrets with a system name are dropped). The plaintext is
 * wiped as soon as the environment is built, and the secret entries right after the run. A
 * denial by the secret's access condition completes the task as "access_denied"; any other
 * failure (no keystore configured, unreachable, grant refused, undecryptable) as
 * "secrets_unavailable". Neither runs the program. Secret values never reach a log line, an
 * error message or the evidence record.
 *
 * Shutdown: ol_worker_stop() (safe in a signal handler) stops polling at once; running jobs
 * then have shutdown_grace_ms to finish and report. A job still running after that is abandoned:
 * its lease lapses on the coordinator, which delivers the task again.
 *
 * Logging goes through ol/log.h, one logfmt line per event with `task=` and `call=`. The bearer
 * token and the secret key are never logged, and task environments (which may hold secrets)
 * never appear in a log line or an error message. */
#ifndef OL_WORKER_H
#define OL_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ol/err.h"
#include "ol/near.h"
#include "ol/wasi.h"

/* Defaults for fields left 0 in ol_worker_config. */
#define OL_WORKER_DEFAULT_CACHE_BYTES    ((size_t)256 << 20) /* 256 MiB of compiled modules */
#define OL_WORKER_DEFAULT_POLL_MS        30000u              /* long-poll timeout per request */
#define OL_WORKER_DEFAULT_GRACE_MS       10000u              /* shutdown: time left to runs */
#define OL_WORKER_DEFAULT_HTTP_MS        15000u              /* every non-poll request */
#define OL_WORKER_DEFAULT_REGISTER_MS    60000u              /* first registration must succeed */
#define OL_WORKER_DEFAULT_UNREACHABLE_MS 300000u             /* coordinator gone this long: exit */
#define OL_WORKER_MAX_CONCURRENCY        256u
#define OL_WORKER_MAX_WASM_BYTES         ((size_t)64 << 20) /* largest module fetched */

/* The name of the evidence key file inside the data directory. */
#define OL_WORKER_KEY_FILE "worker.key"

typedef struct ol_worker_config {
    const char *coordinator_url;     /* "http://127.0.0.1:8080"; required */
    const char *token;               /* bearer token; required; a secret (never logged) */
    const char *data_dir;            /* key file and WASM cache; created 0700 when missing */
    const char *name;                /* worker_name at registration; NULL: "HOSTNAME-PID" */
    unsigned concurrency;            /* job slots; 0: the number of online CPUs */
    size_t cache_bytes;              /* bound on the compiled modules' memory; 0: default */
    uint32_t poll_timeout_ms;        /* 0: default; at most 60000 (the protocol's cap) */
    uint32_t shutdown_grace_ms;      /* 0: default */
    uint32_t http_timeout_ms;        /* 0: default */
    uint32_t register_timeout_ms;    /* 0: default */
    uint32_t unreachable_timeout_ms; /* 0: default */
    const char *keystore_url;        /* "http://127.0.0.1:8081"; NULL or "": none (tasks that
                                      * carry secrets complete as secrets_unavailable) */
    const char *keystore_token;      /* bearer token at the keystore; required with keystore_url;
                                      * a secret (never logged) */
} ol_worker_config;

/* Counters, for logs and tests. Plain values. */
typedef struct ol_worker_stats {
    uint64_t tasks_run;      /* jobs executed */
    uint64_t tasks_reported; /* completions the coordinator accepted (settled or repeat) */
    uint64_t tasks_dropped;  /* results dropped: lease lost (409) or not reportable */
    uint64_t cache_hits;     /* modules found in the cache */
    uint64_t cache_fetches;  /* modules fetched from the coordinator */
    unsigned abandoned;      /* jobs still running when ol_worker_run() returned */
} ol_worker_stats;

typedef struct ol_worker ol_worker;

/* Checks cfg (a keystore URL needs a keystore token), creates the data directory, loads the
 * evidence key (or generates it on first start into DATA_DIR/worker.key, mode 0600; a key file
 * readable by group or others is refused) and opens the WASM cache. Nothing touches the network
 * yet. Returns: OL_OK, OL_E_INVAL (a missing or out-of-range field), OL_E_IO (the data directory or
 * key file), OL_E_MALFORMED (a key file that does not parse), OL_E_NOMEM, OL_E_INTERNAL.
 * Ownership: cfg's strings are copied. On OL_OK the caller owns *out; release with
 * ol_worker_free(). */
ol_err ol_worker_new(const ol_worker_config *cfg, ol_worker **out, ol_diag *d);

/* Registers (retrying for at most register_timeout_ms), then serves tasks until
 * ol_worker_stop() or until the coordinator has been unreachable for unreachable_timeout_ms.
 * Returns after the slots finished or the shutdown grace ran out.
 * Returns: OL_OK (stopped), OL_E_IO (registration failed or the coordinator stayed
 * unreachable), OL_E_INVAL (the coordinator refused the token), OL_E_INTERNAL (threads).
 * If stats->abandoned (ol_worker_get_stats) is non-zero, jobs are still running on their
 * threads: do not call ol_worker_free(); end the process instead (their leases lapse).
 * Thread-safety: call once, from one thread. */
ol_err ol_worker_run(ol_worker *w, ol_diag *d);

/* Asks ol_worker_run() to stop. Only sets an atomic flag: safe from a signal handler and from
 * any thread. */
void ol_worker_stop(ol_worker *w);

/* A snapshot of the counters. Safe from any thread. */
void ol_worker_get_stats(ol_worker *w, ol_worker_stats *out);

/* "ed25519:<base58>" of the evidence key. Borrowed; valid until ol_worker_free(). */
const char *ol_worker_public_key(const ol_worker *w);

/* NULL is a no-op. Wipes the secret key. Must not be called while ol_worker_run() runs. */
void ol_worker_free(ol_worker *w);

/* Loads the ed25519 key of `path` ("ed25519:<base58>" on one line), or, when the file does not
 * exist, generates one and writes it there with mode 0600 (exclusive create; the directory must
 * exist). *created (may be NULL) says which. A key file with group or other permission bits is
 * refused (OL_E_INVAL). The key never appears in an error message.
 * Returns: OL_OK, OL_E_IO, OL_E_MALFORMED, OL_E_INVAL, OL_E_INTERNAL. */
ol_err ol_worker_key_load_or_create(const char *path, ol_near_secret_key *out, bool *created,
                                    ol_diag *d);

/* Replays a finished run exactly as a worker ran it: task_json[0..task_len) is a task of the
 * poll shape (docs/platform-protocol.md: ids, version_key, input_base64, env, limits), from
 * which the run's environment and limits are derived by the same code the worker uses, and the
 * run's random bytes and clock readings come from `transcript` (REPLAY mode of ol/wasi.h). The
 * wall-clock limit is relaxed (a slower machine must not fail a replay), so a run that ended by
 * its timeout is not reproducible. For `outlayer verify`.
 * Returns: OL_OK with the run record (whatever its status; a diverging replay has
 * replay_diverged set), OL_E_MALFORMED / OL_E_RANGE (task or transcript), OL_E_NOMEM,
 * OL_E_INTERNAL. On OL_OK the caller owns *out; release with ol_wasi_result_free(). */
ol_err ol_worker_replay(const uint8_t *wasm, size_t wasm_len, const char *task_json,
                        size_t task_len, const uint8_t *transcript, size_t transcript_len,
                        ol_wasi_result **out, ol_diag *d);

#endif
