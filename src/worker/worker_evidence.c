/* A finished run as the coordinator receives it: the completion body of
 * docs/platform-protocol.md with the evidence record signed by the worker's key.
 *
 * The record is built from the run's own hashes (ol_wasi_result), never from what the task
 * claimed, so it states what actually ran: the SHA-256 of the module bytes executed, of the
 * stdin given, of the stdout produced and of the transcript recorded. The canonical form and the
 * signature come from ol_evidence_* (ol/evidence.h), the same code the coordinator and `outlayer
 * verify` check it with.
 *
 * A task that did not run (its module rejected, its secrets refused or unavailable) gets a record
 * with that status, 0 instructions and the hashes of empty output and transcript. Records never
 * hold anything derived from the environment, so secret values cannot reach them (the guest's
 * own output is its business).
 *
 * stderr is guest-controlled bytes; JSON strings must be UTF-8, so invalid sequences are
 * replaced by U+FFFD (output and transcript travel as base64 and are exact). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ol/evidence.h"
#include "worker_int.h"

/* Length of the valid UTF-8 sequence at p[0..n), or 0 when it is not one. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

/* A JSON string of p[0..n) with invalid UTF-8 replaced by U+FFFD; NULL when out of memory. */
static json_t *utf8_string(const uint8_t *p, size_t n)
{
    char *buf = malloc(n * 3 + 1);
    size_t o = 0;
    if (buf == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(p + i, n - i);
        if (len == 0) {
            memcpy(buf + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            continue;
        }
        memcpy(buf + o, p + i, len);
        o += len;
        i += len;
    }
    json_t *s = json_stringn(buf, o);
    free(buf);
    return s;
}

static json_t *base64_string(const uint8_t *p, size_t n)
{
    size_t cap = ol_near_base64_encoded_max(n);
    char *buf = malloc(cap);
    size_t len = 0;
    json_t *s = NULL;
    if (buf == NULL)
        return NULL;
    if (ol_near_base64_encode(p, n, buf, cap, &len, NULL) == OL_OK)
        s = json_stringn(buf, len);
    free(buf);
    return s;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* The record for run r (NULL: the task did not run, with status norun). */
static void fill_record(const ol__wtask *t, const ol_wasi_result *r, const char *norun,
                        const char *worker_id, const char *worker_pk, ol_evidence_record *rec)
{
    uint8_t h[32];
    memset(rec, 0, sizeof *rec);
    rec->version = OL_EVIDENCE_VERSION;
    copy_str(rec->call_id, sizeof rec->call_id, t->call_id);
    copy_str(rec->project_id, sizeof rec->project_id, t->project_id);
    copy_str(rec->worker_id, sizeof rec->worker_id, worker_id);
    copy_str(rec->worker_public_key, sizeof rec->worker_public_key, worker_pk);
    if (r != NULL) {
        ol_evidence_hex(r->wasm_sha256, rec->wasm_sha256);
        ol_evidence_hex(r->input_sha256, rec->input_sha256);
        ol_evidence_hex(r->output_sha256, rec->output_sha256);
        ol_evidence_hex(r->transcript_sha256, rec->transcript_sha256);
        rec->instructions = r->instructions;
        copy_str(rec->status, sizeof rec->status, ol_wasi_status_name(r->status));
        rec->exit_code = r->exit_code;
        return;
    }
    ol_evidence_hex(t->wasm_sha256, rec->wasm_sha256);
    crypto_hash_sha256(h, t->input, t->input_len);
    ol_evidence_hex(h, rec->input_sha256);
    crypto_hash_sha256(h, (const uint8_t *)"", 0);
    ol_evidence_hex(h, rec->output_sha256);
    ol_evidence_hex(h, rec->transcript_sha256);
    copy_str(rec->status, sizeof rec->status, norun);
}

static ol_err evidence(const ol__wtask *t, const ol_wasi_result *r, const char *norun,
                       const char *worker_id, const char *worker_pk, const ol_near_secret_key *sk,
                       json_t **record, char sig[OL_NEAR_KEY_STR_MAX], ol_diag *d)
{
    ol_evidence_record rec;
    char canon[OL_EVIDENCE_CANONICAL_MAX];
    size_t clen = 0;
    ol_err rc;
    fill_record(t, r, norun, worker_id, worker_pk, &rec);
    if ((rc = ol_evidence_canonical(&rec, canon, sizeof canon, &clen, d)) != OL_OK)
        return rc;
    if ((rc = ol_evidence_sign(&rec, sk, sig, d)) != OL_OK)
        return rc;
    json_t *obj = json_loadb(canon, clen, 0, NULL);
    if (obj == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "evidence record");
    *record = obj;
    return OL_OK;
}

ol_err ol__worker_evidence(const ol__wtask *t, const ol_wasi_result *r, const char *worker_id,
                           const char *worker_pk, const ol_near_secret_key *sk, json_t **record,
                           char sig[OL_NEAR_KEY_STR_MAX], ol_diag *d)
{
    return evidence(t, r, ol_wasi_status_name(OL_WASI_INVALID_MODULE), worker_id, worker_pk, sk,
                    record, sig, d);
}

/* The completion body of run r, or (r == NULL) of a task that did not run: status norun with
 * message norun_error. */
static ol_err complete_body(const ol__wtask *t, const ol_wasi_result *r, const char *norun,
                            const char *norun_error, const char *worker_id, const char *worker_pk,
                            const ol_near_secret_key *sk, char **body, size_t *len, ol_diag *d)
{
    json_t *record = NULL;
    json_t *o = NULL;
    char sig[OL_NEAR_KEY_STR_MAX];
    ol_err rc = evidence(t, r, norun, worker_id, worker_pk, sk, &record, sig, d);
    if (rc != OL_OK)
        return rc;
    static const uint8_t empty[1] = {0};
    const uint8_t *out = r != NULL && r->output_len > 0 ? r->output : empty;
    size_t out_len = r != NULL ? r->output_len : 0;
    const uint8_t *err = r != NULL && r->err_len > 0 ? r->err : empty;
    size_t err_len = r != NULL ? r->err_len : 0;
    const uint8_t *tr = r != NULL && r->transcript_len > 0 ? r->transcript : empty;
    size_t tr_len = r != NULL ? r->transcript_len : 0;
    const char *status = r != NULL ? ol_wasi_status_name(r->status) : norun;
    const char *error = r != NULL ? (r->error[0] != '\0' ? r->error : NULL) : norun_error;
    json_t *output_b64 = base64_string(out, out_len);
    json_t *stderr_s = utf8_string(err, err_len);
    json_t *tr_b64 = base64_string(tr, tr_len);
    json_t *error_s =
        error != NULL ? utf8_string((const uint8_t *)error, strlen(error)) : json_null();
    if (output_b64 == NULL || stderr_s == NULL || tr_b64 == NULL || error_s == NULL) {
        json_decref(output_b64);
        json_decref(stderr_s);
        json_decref(tr_b64);
        json_decref(error_s);
        rc = OL_FAIL(d, OL_E_NOMEM, "completion body");
        goto out;
    }
    o = json_pack("{s:s, s:s, s:I, s:s, s:I, s:o, s:o, s:o, s:I, s:I, s:o, s:{s:O, s:s}}",
                  "worker_id", worker_id, "task_id", t->task_id, "attempt", (json_int_t)t->attempt,
                  "status", status, "exit_code", (json_int_t)(r != NULL ? r->exit_code : 0),
                  "output_base64", output_b64, "stderr", stderr_s, "error", error_s, "instructions",
                  (json_int_t)(r != NULL ? r->instructions : 0), "time_ms",
                  (json_int_t)(r != NULL ? r->time_ms : 0), "transcript_base64", tr_b64, "evidence",
                  "record", record, "signature", sig);
    if (o == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "completion body");
        goto out;
    }
    char *text = json_dumps(o, JSON_COMPACT);
    if (text == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "completion body");
        goto out;
    }
    *body = text;
    *len = strlen(text);
out:
    json_decref(o);
    json_decref(record);
    return rc;
}

ol_err ol__worker_complete_body(const ol__wtask *t, const ol_wasi_result *r, const char *worker_id,
                                const char *worker_pk, const ol_near_secret_key *sk, char **body,
                                size_t *len, ol_diag *d)
{
    return complete_body(t, r, ol_wasi_status_name(OL_WASI_INVALID_MODULE),
                         "the module served for this version does not match its hash", worker_id,
                         worker_pk, sk, body, len, d);
}

ol_err ol__worker_norun_body(const ol__wtask *t, const char *status, const char *error,
                             const char *worker_id, const char *worker_pk,
                             const ol_near_secret_key *sk, char **body, size_t *len, ol_diag *d)
{
    return complete_body(t, NULL, status, error, worker_id, worker_pk, sk, body, len, d);
}
