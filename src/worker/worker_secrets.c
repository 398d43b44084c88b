/* Secrets for one run (issue #6; docs/keystore.md, "integration").
 *
 * A task that references secrets carries {grant, ciphertext, access}: the grant is the
 * coordinator's signed statement that the worker whose key it names may have this secret for
 * this call and caller. The worker proves it is that worker by signing the grant with its own
 * evidence key (ol_ks_decrypt_request_sign) and POSTs everything to the keystore's /decrypt with
 * its keystore bearer token. The keystore checks the grant, the signature, that the ciphertext and
 * condition are the ones granted, and the condition for the caller, and only then decrypts.
 *
 * The answer is the only place plaintext exists in the worker: it is read into a body that is
 * wiped when it grows and when it is freed, parsed once, copied into the task's environment, and
 * every parsed string is wiped before the JSON tree is freed (jansson's own buffers are wiped too
 * when the process enabled ol_ks_json_wipe_on_free(), which `outlayer worker` does). Nothing here
 * logs or returns a secret name or value; the messages name the keystore's error code. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ol/keystore.h"
#include "ol/log.h"
#include "worker_int.h"

/* The largest /decrypt answer read: a 10 MiB plaintext, JSON-escaped. */
#define KS_MAX_RESP ((size_t)64 << 20)

static void say(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
}

/* Wipes every string value of a parsed secrets document (keys are names, not secrets). */
static void wipe_values(json_t *v)
{
    const char *k;
    json_t *x;
    if (!json_is_object(v))
        return;
    json_object_foreach(v, k, x)
    {
        if (json_is_string(x))
            sodium_memzero((char *)(uintptr_t)json_string_value(x), json_string_length(x));
    }
}

/* A printable copy of a short keystore text (its error code or message) for our message. */
static void clip(const json_t *v, char *out, size_t cap)
{
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    size_t o = 0;
    for (size_t i = 0; s[i] != '\0' && o + 1 < cap; i++)
        out[o++] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
    out[o] = '\0';
}

ol__wsecrets ol__worker_secrets(ol__whttp *ks, uint32_t timeout_ms, const ol_near_secret_key *sk,
                                const char *pk, ol__wtask *t, char *msg, size_t cap)
{
    ol__wsecrets out = OL__WSECRETS_UNAVAILABLE;
    char *gtext = NULL, *body = NULL;
    json_t *req = NULL, *root = NULL;
    ol__wbuf resp = {.wipe = true};
    ol_diag d = {0};
    long status = 0;

    msg[0] = '\0';
    if (t->secrets == NULL)
        return OL__WSECRETS_NONE;
    if (ks == NULL) {
        say(msg, cap,
            "secrets unavailable: this worker has no keystore configured (--keystore-url)");
        return OL__WSECRETS_UNAVAILABLE;
    }

    /* The grant as the coordinator signed it; the worker signs the same canonical message. */
    json_t *gj = json_object_get(t->secrets, "grant");
    ol_ks_grant g;
    ol_near_signature gsig, wsig;
    if ((gtext = json_dumps(gj, JSON_COMPACT)) == NULL) {
        say(msg, cap, "secrets unavailable: out of memory");
        goto out;
    }
    if (ol_ks_grant_parse(gtext, strlen(gtext), &g, &gsig, &d) != OL_OK) {
        say(msg, cap, "secrets unavailable: the task's grant is invalid: %s", d.msg);
        goto out;
    }
    if (strcmp(g.worker_id, pk) != 0) {
        /* The keystore would refuse it; say so plainly instead. */
        say(msg, cap, "secrets unavailable: the grant names another worker key than this worker's");
        goto out;
    }
    if (ol_ks_decrypt_request_sign(&g, sk, &wsig, &d) != OL_OK) {
        say(msg, cap, "secrets unavailable: cannot sign the decrypt request: %s", d.msg);
        goto out;
    }
    char wsig_text[OL_NEAR_KEY_STR_MAX];
    ol_near_signature_format(&wsig, wsig_text);
    req = json_pack("{s:O, s:O, s:O, s:s}", "grant", gj, "ciphertext",
                    json_object_get(t->secrets, "ciphertext"), "access",
                    json_object_get(t->secrets, "access"), "worker_signature", wsig_text);
    if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL) {
        say(msg, cap, "secrets unavailable: out of memory");
        goto out;
    }

    if (ol__whttp_do(ks, "POST", "/decrypt", body, strlen(body), timeout_ms, KS_MAX_RESP, &status,
                     &resp, &d) != OL_OK) {
        say(msg, cap, "secrets unavailable: the keystore did not answer: %s", d.msg);
        goto out;
    }
    json_error_t je;
    root = json_loadb(resp.p != NULL ? resp.p : "", resp.len, JSON_REJECT_DUPLICATES, &je);
    if (status == 200) {
        json_t *secrets = json_object_get(root, "secrets");
        size_t dropped = 0;
        if (!json_is_object(secrets)) {
            say(msg, cap,
                "secrets unavailable: the keystore's answer (HTTP 200) has no \"secrets\" object");
            goto out;
        }
        if (ol__wtask_add_secrets(t, secrets, &dropped, &d) != OL_OK) {
            say(msg, cap, "secrets unavailable: %s", d.msg);
            goto out;
        }
        OL_LOG(OL_LOG_INFO, "event=secrets task=%s call=%s injected=%zu dropped_reserved=%zu",
               t->task_id, t->call_id, json_object_size(secrets) - dropped, dropped);
        out = OL__WSECRETS_INJECTED;
        goto out;
    }
    char code[48], err[200];
    clip(json_object_get(root, "code"), code, sizeof code);
    clip(json_object_get(root, "error"), err, sizeof err);
    if (status == 403 && strcmp(code, "access_denied") == 0) {
        say(msg, cap,
            "access denied: the secret's access condition does not admit the caller %s "
            "(keystore code access_denied)",
            g.caller);
        out = OL__WSECRETS_DENIED;
        goto out;
    }
    say(msg, cap, "secrets unavailable: the keystore refused (HTTP %ld, code %s): %s", status,
        code[0] != '\0' ? code : "none", err);
out:
    if (root != NULL) {
        wipe_values(json_object_get(root, "secrets"));
        json_decref(root);
    }
    ol__wbuf_fini(&resp);
    json_decref(req);
    free(body);
    free(gtext);
    return out;
}
