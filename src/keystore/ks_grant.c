/* Run grants: the coordinator's signed, short-lived permission for one worker to have one secret
 * decrypted for one call and caller. The canonical message (docs/keystore.md):
 *
 *   "outlayer-keystore-grant-v1"                      26 raw bytes (domain separation)
 *   call_id, worker_id                                borsh String (u32 LE length || bytes)
 *   accessor                                          u8 kind (0 Repo, 1 WasmHash, 2 Project)
 *                                                     Repo: String repo, u8 has_branch
 *                                                           [, String branch]
 *                                                     WasmHash: String hash; Project: String id
 *   profile, owner, caller                            String
 *   expires_at                                        u64 LE (unix seconds)
 *   secret_sha256, access_sha256                      32 raw bytes each
 *
 * signature = ed25519(coordinator key, SHA-256(message)).
 *
 * The worker binding: worker_id is the worker's ed25519 public key, and the worker presents
 * worker_signature = ed25519(worker key, SHA-256("outlayer-keystore-decrypt-v1" || message)).
 * The second domain keeps a worker signature from ever being taken for a grant signature (or
 * the reverse) should one key serve both roles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ks_int.h"

static ol_err id_ok(const char *s, size_t cap, const char *what, ol_diag *d)
{
    size_t n = strnlen(s, cap);
    if (n == 0 || n == cap)
        return OL_FAIL(d, OL_E_INVAL, "grant: %s must have 1..%zu characters", what, cap - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f)
            return OL_FAIL(d, OL_E_INVAL, "grant: %s must be printable ASCII without spaces", what);
    }
    return OL_OK;
}

ol_err ol_ks_grant_check(const ol_ks_grant *g, ol_diag *d)
{
    ol_err rc;
    if ((rc = id_ok(g->call_id, sizeof g->call_id, "call_id", d)) != OL_OK ||
        (rc = id_ok(g->worker_id, sizeof g->worker_id, "worker_id", d)) != OL_OK)
        return rc;
    if ((rc = ol__ks_accessor_check(&g->accessor, d)) != OL_OK)
        return rc;
    size_t pl = strnlen(g->profile, sizeof g->profile);
    if (pl == 0 || pl == sizeof g->profile)
        return OL_FAIL(d, OL_E_INVAL, "grant: profile must have 1..%d characters",
                       OL_KS_PROFILE_MAX);
    for (size_t i = 0; i < pl; i++) {
        char c = g->profile[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return OL_FAIL(d, OL_E_INVAL, "grant: profile allows only [A-Za-z0-9_-]");
    }
    if (!ol__ks_account_ok(g->owner, strnlen(g->owner, sizeof g->owner)))
        return OL_FAIL(d, OL_E_INVAL, "grant: owner is not a NEAR account id");
    if (!ol__ks_account_ok(g->caller, strnlen(g->caller, sizeof g->caller)))
        return OL_FAIL(d, OL_E_INVAL, "grant: caller is not a NEAR account id");
    return OL_OK;
}

ol_err ol_ks_grant_message(const ol_ks_grant *g, uint8_t **out, size_t *out_len, ol_diag *d)
{
    ol_err rc = ol_ks_grant_check(g, d);
    if (rc != OL_OK)
        return rc;
    ol_near_buf b;
    ol_near_buf_init(&b, NULL);
    ol_near_borsh_put_raw(&b, OL_KS_GRANT_DOMAIN, sizeof OL_KS_GRANT_DOMAIN - 1);
    ol_near_borsh_put_str(&b, g->call_id, strlen(g->call_id));
    ol_near_borsh_put_str(&b, g->worker_id, strlen(g->worker_id));
    ol_near_borsh_put_u8(&b, (uint8_t)g->accessor.kind);
    ol_near_borsh_put_str(&b, g->accessor.id, strlen(g->accessor.id));
    if (g->accessor.kind == OL_KS_ACCESSOR_REPO) {
        ol_near_borsh_put_u8(&b, g->accessor.has_branch ? 1 : 0);
        if (g->accessor.has_branch)
            ol_near_borsh_put_str(&b, g->accessor.branch, strlen(g->accessor.branch));
    }
    ol_near_borsh_put_str(&b, g->profile, strlen(g->profile));
    ol_near_borsh_put_str(&b, g->owner, strlen(g->owner));
    ol_near_borsh_put_str(&b, g->caller, strlen(g->caller));
    ol_near_borsh_put_u64(&b, g->expires_at);
    ol_near_borsh_put_raw(&b, g->secret_sha256, 32);
    ol_near_borsh_put_raw(&b, g->access_sha256, 32);
    if ((rc = ol_near_buf_check(&b, d)) != OL_OK) {
        ol_near_buf_fini(&b);
        return rc;
    }
    /* Hand the buffer over as a plain malloc'd copy (the buffer's allocator is the default). */
    uint8_t *p = malloc(b.len);
    if (p == NULL) {
        ol_near_buf_fini(&b);
        return OL_FAIL(d, OL_E_NOMEM, "grant message");
    }
    memcpy(p, b.p, b.len);
    *out = p;
    *out_len = b.len;
    ol_near_buf_fini(&b);
    return OL_OK;
}

static ol_err grant_digest(const ol_ks_grant *g, uint8_t h[32], ol_diag *d)
{
    uint8_t *msg = NULL;
    size_t n = 0;
    ol_err rc = ol_ks_grant_message(g, &msg, &n, d);
    if (rc != OL_OK)
        return rc;
    crypto_hash_sha256(h, msg, n);
    free(msg);
    return OL_OK;
}

static void hex32(const uint8_t in[32], char out[65])
{
    sodium_bin2hex(out, 65, in, 32);
}

ol_err ol_ks_grant_sign(const ol_ks_grant *g, const ol_near_secret_key *sk, char **out, ol_diag *d)
{
    uint8_t h[32];
    ol_err rc = grant_digest(g, h, d);
    if (rc != OL_OK)
        return rc;
    ol_near_signature sig;
    ol_near_sign(sk, h, sizeof h, &sig);
    char sig_text[OL_NEAR_KEY_STR_MAX];
    ol_near_signature_format(&sig, sig_text);
    char sh[65], ah[65];
    hex32(g->secret_sha256, sh);
    hex32(g->access_sha256, ah);
    json_t *acc = ol__ks_accessor_to_json(&g->accessor);
    json_t *o = acc == NULL
                    ? NULL
                    : json_pack("{s:i,s:s,s:s,s:o,s:s,s:s,s:s,s:I,s:s,s:s,s:s}", "version", 1,
                                "call_id", g->call_id, "worker_id", g->worker_id, "accessor", acc,
                                "profile", g->profile, "owner", g->owner, "caller", g->caller,
                                "expires_at", (json_int_t)g->expires_at, "secret_sha256", sh,
                                "access_sha256", ah, "signature", sig_text);
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "grant JSON");
    *out = s;
    return OL_OK;
}

static ol_err hex_field(const json_t *o, const char *key, uint8_t out[32], ol_diag *d)
{
    const json_t *v = json_object_get(o, key);
    size_t n = 0;
    if (!json_is_string(v) || json_string_length(v) != 64 ||
        ol_near_hex_decode(json_string_value(v), 64, out, 32, &n, NULL) != OL_OK || n != 32)
        return OL_FAIL(d, OL_E_INVAL, "grant: %s must be 64 hex characters", key);
    return OL_OK;
}

ol_err ol_ks_grant_parse(const char *json, size_t len, ol_ks_grant *g, ol_near_signature *sig,
                         ol_diag *d)
{
    json_error_t je;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (o == NULL)
        return OL_FAIL(d, OL_E_MALFORMED, "grant is not JSON: %s", je.text);
    ol_err rc = OL_OK;
    ol_ks_grant tmp;
    ol_near_signature s;
    memset(&tmp, 0, sizeof tmp);
    if (!json_is_object(o)) {
        rc = OL_FAIL(d, OL_E_INVAL, "grant must be a JSON object");
        goto out;
    }
    const json_t *ver = json_object_get(o, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
        rc = OL_FAIL(d, OL_E_INVAL, "grant: version must be 1");
        goto out;
    }
    const json_t *exp = json_object_get(o, "expires_at");
    if (!json_is_integer(exp) || json_integer_value(exp) <= 0) {
        rc = OL_FAIL(d, OL_E_INVAL, "grant: expires_at must be a positive integer");
        goto out;
    }
    tmp.expires_at = (uint64_t)json_integer_value(exp);
    if ((rc = ol__ks_json_str(o, "call_id", "grant", false, tmp.call_id, sizeof tmp.call_id, d)) !=
            OL_OK ||
        (rc = ol__ks_json_str(o, "worker_id", "grant", false, tmp.worker_id, sizeof tmp.worker_id,
                              d)) != OL_OK ||
        (rc = ol__ks_json_str(o, "profile", "grant", false, tmp.profile, sizeof tmp.profile, d)) !=
            OL_OK ||
        (rc = ol__ks_json_str(o, "owner", "grant", false, tmp.owner, sizeof tmp.owner, d)) !=
            OL_OK ||
        (rc = ol__ks_json_str(o, "caller", "grant", false, tmp.caller, sizeof tmp.caller, d)) !=
            OL_OK ||
        (rc = hex_field(o, "secret_sha256", tmp.secret_sha256, d)) != OL_OK ||
        (rc = hex_field(o, "access_sha256", tmp.access_sha256, d)) != OL_OK)
        goto out;
    if ((rc = ol__ks_accessor_from_json(json_object_get(o, "accessor"), &tmp.accessor, d)) != OL_OK)
        goto out;
    const json_t *sv = json_object_get(o, "signature");
    if (!json_is_string(sv) || ol_near_signature_parse(json_string_value(sv), &s, NULL) != OL_OK ||
        s.type != OL_NEAR_KEY_ED25519) {
        rc = OL_FAIL(d, OL_E_INVAL, "grant: signature must be \"ed25519:<base58>\"");
        goto out;
    }
    if ((rc = ol_ks_grant_check(&tmp, d)) != OL_OK)
        goto out;
    *g = tmp;
    *sig = s;
out:
    json_decref(o);
    return rc;
}

ol_err ol_ks_grant_verify(const ol_ks_grant *g, const ol_near_signature *sig,
                          const ol_near_public_key *pk, const char *presenting_worker, uint64_t now,
                          ol_diag *d)
{
    uint8_t h[32];
    ol_err rc = grant_digest(g, h, d);
    if (rc != OL_OK)
        return rc;
    if (ol_near_verify(pk, h, sizeof h, sig, NULL) != OL_OK)
        return OL_FAIL(d, OL_E_INVAL,
                       "grant: the signature does not verify with the "
                       "coordinator key");
    if (g->expires_at <= now)
        return OL_FAIL(d, OL_E_INVAL, "grant: expired");
    if (g->expires_at - now > OL_KS_GRANT_TTL_MAX)
        return OL_FAIL(d, OL_E_INVAL, "grant: lives longer than %u seconds", OL_KS_GRANT_TTL_MAX);
    if (presenting_worker != NULL && strcmp(g->worker_id, presenting_worker) != 0)
        return OL_FAIL(d, OL_E_INVAL, "grant: issued to another worker");
    return OL_OK;
}

static ol_err decrypt_digest(const ol_ks_grant *g, uint8_t h[32], ol_diag *d)
{
    uint8_t *msg = NULL;
    size_t n = 0;
    ol_err rc = ol_ks_grant_message(g, &msg, &n, d);
    if (rc != OL_OK)
        return rc;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)OL_KS_DECRYPT_DOMAIN,
                              sizeof OL_KS_DECRYPT_DOMAIN - 1);
    crypto_hash_sha256_update(&st, msg, n);
    crypto_hash_sha256_final(&st, h);
    free(msg);
    return OL_OK;
}

ol_err ol_ks_decrypt_request_sign(const ol_ks_grant *g, const ol_near_secret_key *sk,
                                  ol_near_signature *out, ol_diag *d)
{
    uint8_t h[32];
    ol_err rc = decrypt_digest(g, h, d);
    if (rc != OL_OK)
        return rc;
    ol_near_sign(sk, h, sizeof h, out);
    return OL_OK;
}

ol_err ol_ks_decrypt_request_verify(const ol_ks_grant *g, const ol_near_signature *sig, ol_diag *d)
{
    ol_near_public_key wk;
    if (ol_near_public_key_parse(g->worker_id, &wk, NULL) != OL_OK ||
        wk.type != OL_NEAR_KEY_ED25519)
        return OL_FAIL(d, OL_E_INVAL,
                       "grant: worker_id is not a worker's ed25519 public key "
                       "(\"ed25519:<base58>\")");
    if (sig->type != OL_NEAR_KEY_ED25519)
        return OL_FAIL(d, OL_E_INVAL, "worker_signature must be an ed25519 signature");
    uint8_t h[32];
    ol_err rc = decrypt_digest(g, h, d);
    if (rc != OL_OK)
        return rc;
    if (ol_near_verify(&wk, h, sizeof h, sig, NULL) != OL_OK)
        return OL_FAIL(d, OL_E_INVAL,
                       "worker_signature does not verify with the worker key the grant names");
    return OL_OK;
}
