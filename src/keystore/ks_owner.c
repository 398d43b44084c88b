/* Owner-signed requests: the exact message text an owner signs (NEP-413) to store, list or
 * delete secrets on the coordinator, and the accessor's normalized JSON text those requests
 * (and the store) name secrets by. The client (`outlayer secrets`) and the coordinator build the
 * text with the same function, so the two can never drift apart; the coordinator rebuilds it
 * from the request's own fields and never trusts a message sent along. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ks_int.h"

#define OWNER_HEADER "outlayer-owner-request-v1"
/* One field per line, '\n' after each (include/ol/keystore.h). */
#define OWNER_FMT                          \
    OWNER_HEADER "\n"                      \
                 "op: %s\n"                \
                 "owner: %s\n"             \
                 "accessor: %s\n"          \
                 "profile: %s\n"           \
                 "ciphertext_sha256: %s\n" \
                 "access_sha256: %s\n"     \
                 "replace_protected: %s\n" \
                 "timestamp_ms: %" PRIu64 "\n"

ol_err ol_ks_accessor_json(const ol_ks_accessor *acc, char **out, ol_diag *d)
{
    ol_err rc = ol__ks_accessor_check(acc, d);
    if (rc != OL_OK)
        return rc;
    json_t *v = ol__ks_accessor_to_json(acc);
    /* Insertion order (jansson keeps it) is the documented order: "repo" before "branch". */
    char *s = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "accessor JSON");
    *out = s;
    return OL_OK;
}

/* One field: present and free of line breaks (a '\n' or '\r' inside a field could make two
 * different requests print the same text). */
static ol_err field_ok(const char *v, const char *what, ol_diag *d)
{
    if (v == NULL || v[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL, "owner request: %s is required", what);
    if (strpbrk(v, "\r\n") != NULL)
        return OL_FAIL(d, OL_E_INVAL, "owner request: %s contains a line break", what);
    return OL_OK;
}

ol_err ol_ks_owner_message(const ol_ks_owner_op *op, char **out, size_t *out_len, ol_diag *d)
{
    if (op == NULL || op->op == NULL)
        return OL_FAIL(d, OL_E_INVAL, "owner request: op is required");
    bool list = strcmp(op->op, "secrets.list") == 0;
    if (!list && strcmp(op->op, "secrets.put") != 0 && strcmp(op->op, "secrets.delete") != 0)
        return OL_FAIL(d, OL_E_INVAL,
                       "owner request: unknown op (expected secrets.put, secrets.delete or "
                       "secrets.list)");
    ol_err rc = field_ok(op->owner, "owner", d);
    if (rc != OL_OK)
        return rc;
    const char *accessor = "-", *profile = "-";
    if (!list) {
        if ((rc = field_ok(op->accessor, "accessor", d)) != OL_OK ||
            (rc = field_ok(op->profile, "profile", d)) != OL_OK)
            return rc;
        accessor = op->accessor;
        profile = op->profile;
    }
    char ct_hex[65] = "-", acc_hex[65] = "-";
    if (op->ciphertext_sha256 != NULL)
        sodium_bin2hex(ct_hex, sizeof ct_hex, op->ciphertext_sha256, 32);
    if (op->access_sha256 != NULL)
        sodium_bin2hex(acc_hex, sizeof acc_hex, op->access_sha256, 32);
    const char *rp = op->replace_protected ? "true" : "false";
    int n = snprintf(NULL, 0, OWNER_FMT, op->op, op->owner, accessor, profile, ct_hex, acc_hex, rp,
                     op->timestamp_ms);
    if (n < 0)
        return OL_FAIL(d, OL_E_INTERNAL, "owner request: formatting failed");
    char *s = malloc((size_t)n + 1);
    if (s == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "owner request message");
    snprintf(s, (size_t)n + 1, OWNER_FMT, op->op, op->owner, accessor, profile, ct_hex, acc_hex, rp,
             op->timestamp_ms);
    *out = s;
    if (out_len != NULL)
        *out_len = (size_t)n;
    return OL_OK;
}
