/* `outlayer secrets` and `outlayer owners`: the owner's side of the secrets flow (issue #6) and
 * the admin's registry of owner keys. docs/api.md describes the routes.
 *
 * `secrets put` encrypts on this machine: it asks the coordinator for the keystore's public key
 * of (accessor, owner), seals the secrets JSON to it (ECIES v1, ol_ks_seal) and uploads only the
 * ciphertext. The plaintext never leaves the process: the pre-check sent with /secrets/pubkey
 * carries the secret *names* with every value blanked (generation directives are kept, they are
 * not secret and the keystore checks their form), and every buffer that held the plaintext is
 * wiped (jansson included, through ol_ks_json_wipe_on_free()).
 *
 * Every secrets request is signed by the owner: a NEP-413 signature (recipient "outlayer", a
 * fresh 32-byte nonce) over ol_ks_owner_message(), with the key of a near-cli credentials file
 * (--key-file, or DATA_DIR/keys/OWNER.json as `outlayer dev` writes it). --sign-only prints the
 * signed request instead of sending it (offline signing; also how a test replays one).
 *
 * Like the other client commands: the URL from --url / OUTLAYER_URL, the admin token (owners)
 * from --admin-token / OUTLAYER_ADMIN_TOKEN, responses as JSON on stdout, errors on stderr with
 * the coordinator's code; exit 0 success, 1 failure, 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "cmd.h"
#include "ol/config.h"
#include "ol/keystore.h"
#include "ol/near.h"

/* ---- options ------------------------------------------------------------------------------ */

typedef struct sec_opts {
    char *url;
    char *admin_token;
    uint64_t timeout_ms;
    char *owner;
    char *profile;
    char *data;
    char *access;
    char *accessor;
    bool replace_protected;
    char *key_file;
    char *data_dir;
    bool sign_only;
    char *public_key;
} sec_opts;

#define S(field) offsetof(sec_opts, field)
#define SEC_URL                                                                                    \
    {                                                                                              \
        "url", OL_OPT_STR, "http://127.0.0.1:8080", 0, 0, "OUTLAYER_URL", "the coordinator's URL", \
            S(url), 0                                                                              \
    }
#define SEC_TIMEOUT                                                                    \
    {                                                                                  \
        "timeout-ms", OL_OPT_U64, "60000", 100, 3600000, "OUTLAYER_CLIENT_TIMEOUT_MS", \
            "request timeout", S(timeout_ms), 0                                        \
    }

static const ol_opt secrets_opt_list[] = {
    SEC_URL,
    SEC_TIMEOUT,
    {"owner", OL_OPT_STR, "", 0, 0, NULL, "the secrets' owner (NEAR account id)", S(owner), 0},
    {"profile", OL_OPT_STR, "default", 0, 0, NULL, "put, delete: the profile ([A-Za-z0-9_-]{1,64})",
     S(profile), 0},
    {"data", OL_OPT_STR, NULL, 0, 0, NULL,
     "put: the secrets, a JSON object of strings; @FILE reads a file, - or @- standard input",
     S(data), 0},
    {"access", OL_OPT_STR, "\"AllowAll\"", 0, 0, NULL, "put: the access condition (JSON, or @FILE)",
     S(access), 0},
    {"accessor", OL_OPT_STR, NULL, 0, 0, NULL,
     "put, delete: the code identity as JSON ({\"WasmHash\":...}, {\"Repo\":...}) instead of "
     "OWNER/PROJECT",
     S(accessor), 0},
    {"replace-protected", OL_OPT_BOOL, "false", 0, 0, NULL,
     "put: allow regenerating or dropping PROTECTED_ values", S(replace_protected), 0},
    {"key-file", OL_OPT_STR, NULL, 0, 0, "OUTLAYER_OWNER_KEY_FILE",
     "the owner's near-cli credentials JSON (default: DATA_DIR/keys/OWNER.json)", S(key_file), 0},
    {"data-dir", OL_OPT_STR, "./.outlayer", 0, 0, "OUTLAYER_DATA_DIR",
     "the `outlayer dev` data directory, where keys/OWNER.json is looked for", S(data_dir), 0},
    {"sign-only", OL_OPT_BOOL, "false", 0, 0, NULL,
     "print the signed request ({method, path, body}) instead of sending it", S(sign_only), 0},
};

static const ol_opt owners_opt_list[] = {
    SEC_URL,
    SEC_TIMEOUT,
    {"admin-token", OL_OPT_STR, "", 0, 0, "OUTLAYER_ADMIN_TOKEN", "the admin bearer token",
     S(admin_token), OL_OPT_SECRET},
    {"public-key", OL_OPT_STR, NULL, 0, 0, NULL, "add, remove: the owner's key, ed25519:<base58>",
     S(public_key), 0},
    {"owner", OL_OPT_STR, "", 0, 0, NULL, "list: only this owner's keys", S(owner), 0},
};
#undef S

static const ol_opt_table secrets_table = {
    "secrets",
    "usage: outlayer secrets put OWNER/PROJECT --owner ID [--profile P] --data JSON|@FILE|-\n"
    "                            [--access JSON] [--replace-protected] [--key-file F]\n"
    "       outlayer secrets put --accessor JSON --owner ID ...\n"
    "       outlayer secrets list --owner ID [--key-file F]\n"
    "       outlayer secrets delete OWNER/PROJECT|--accessor JSON --owner ID [--profile P]\n"
    "\n"
    "Stores secrets encrypted on this machine to the keystore key of the code and owner; they\n"
    "reach the program as environment variables in calls with \"secrets_ref\". A value\n"
    "generate_outlayer_secret:KIND is replaced inside the keystore by a random PROTECTED_ value.\n"
    "Requests are signed (NEP-413) with the owner's key: --key-file, or DATA_DIR/keys/OWNER.json\n"
    "(written by `outlayer dev`); the coordinator must know its public key (`outlayer owners`).",
    secrets_opt_list,
    sizeof secrets_opt_list / sizeof secrets_opt_list[0],
    NULL,
};

static const ol_opt_table owners_table = {
    "owners",
    "usage: outlayer owners add ID --public-key ed25519:...\n"
    "       outlayer owners list [--owner ID]\n"
    "       outlayer owners remove ID --public-key ed25519:...\n"
    "\n"
    "Registers the public keys that may sign an owner's secrets requests (admin token).",
    owners_opt_list,
    sizeof owners_opt_list / sizeof owners_opt_list[0],
    NULL,
};

const char ol_cmd_secrets_usage[] =
    "usage: outlayer secrets put OWNER/PROJECT --owner ID [--profile P] --data JSON|@FILE|-\n"
    "                            [--access JSON] [--replace-protected] [--key-file F]\n"
    "       outlayer secrets list --owner ID [--key-file F]\n"
    "       outlayer secrets delete OWNER/PROJECT --owner ID [--profile P] [--key-file F]\n"
    "Options: --url (OUTLAYER_URL), --accessor JSON, --sign-only; see --help.\n";
const char ol_cmd_owners_usage[] =
    "usage: outlayer owners add ID --public-key ed25519:...\n"
    "       outlayer owners list [--owner ID]\n"
    "       outlayer owners remove ID --public-key ed25519:...\n"
    "Options: --url (OUTLAYER_URL), --admin-token (OUTLAYER_ADMIN_TOKEN); see --help.\n";

/* ---- helpers ------------------------------------------------------------------------------ */

/* POSTs (or GETs, body NULL) JSON; on a response returns true with the status and the parsed
 * body (NULL when not JSON; the caller owns it). Prints transport errors. */
static bool send_json(const sec_opts *o, bool admin, const char *method, const char *path,
                      json_t *body, long *status, json_t **out)
{
    char hdr[512];
    const char *hdrs[2] = {NULL, NULL};
    char *text = NULL;
    ol_cmd_http_resp r = {0};
    *out = NULL;
    if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
        ol_cmd_error("%s %s: out of memory", method, path);
        return false;
    }
    if (admin) {
        snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", o->admin_token);
        hdrs[0] = hdr;
    }
    bool ok = ol_cmd_http(o->url, method, path, hdrs, text, text != NULL ? strlen(text) : 0, NULL,
                          (long)o->timeout_ms, status, &r);
    sodium_memzero(hdr, sizeof hdr);
    free(text);
    if (!ok) {
        ol_cmd_error("%s", r.err);
        ol_cmd_http_resp_free(&r);
        return false;
    }
    *out = r.body != NULL ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    ol_cmd_http_resp_free(&r);
    return true;
}

static bool valid_profile(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > OL_KS_PROFILE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool need_owner(const sec_opts *o, const char *cmd)
{
    ol_diag d = {0};
    if (o->owner == NULL || o->owner[0] == '\0') {
        ol_cmd_error("%s: --owner ID is required", cmd);
        return false;
    }
    if (ol_near_account_id_validate(o->owner, strlen(o->owner), &d) != OL_OK) {
        ol_cmd_error("%s: --owner: %s", cmd, d.msg);
        return false;
    }
    return true;
}

/* Reads all of f into a malloc'd, NUL-terminated buffer, wiping every buffer it outgrows (the
 * text may be secrets). On success the caller owns *out (release with ol_ks_wipe_free(*out,
 * *cap)). */
static bool read_stream_wiping(FILE *f, const char *name, char **out, size_t *len, size_t *cap)
{
    size_t c = 4096, n = 0;
    /* Unbuffered: stdio's own buffer would keep a copy that nobody wipes. */
    setvbuf(f, NULL, _IONBF, 0);
    char *buf = malloc(c);
    if (buf == NULL) {
        ol_cmd_error("%s: out of memory", name);
        return false;
    }
    for (;;) {
        if (c - n < 2) {
            if (c > (size_t)OL_KS_MAX_CIPHERTEXT) {
                ol_cmd_error("%s: more than %u bytes", name, (unsigned)OL_KS_MAX_CIPHERTEXT);
                ol_ks_wipe_free(buf, c);
                return false;
            }
            char *nb = malloc(c * 2);
            if (nb == NULL) {
                ol_cmd_error("%s: out of memory", name);
                ol_ks_wipe_free(buf, c);
                return false;
            }
            memcpy(nb, buf, n);
            ol_ks_wipe_free(buf, c);
            buf = nb;
            c *= 2;
        }
        size_t got = fread(buf + n, 1, c - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        ol_cmd_error("%s: read error", name);
        ol_ks_wipe_free(buf, c);
        return false;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    *cap = c;
    return true;
}

/* The value of option `what` (--data, --accessor): literal JSON, @FILE, or - / @- for standard
 * input. On success the caller owns *out (ol_ks_wipe_free(*out, *cap)). */
static bool read_data(const char *what, const char *spec, char **out, size_t *len, size_t *cap)
{
    if (strcmp(spec, "-") == 0 || strcmp(spec, "@-") == 0)
        return read_stream_wiping(stdin, "standard input", out, len, cap);
    if (spec[0] == '@') {
        FILE *f = fopen(spec + 1, "rb");
        if (f == NULL) {
            ol_cmd_error("%s %s: %s", what, spec + 1, strerror(errno));
            return false;
        }
        bool ok = read_stream_wiping(f, spec + 1, out, len, cap);
        fclose(f);
        return ok;
    }
    size_t n = strlen(spec);
    char *buf = malloc(n + 1);
    if (buf == NULL) {
        ol_cmd_error("%s: out of memory", what);
        return false;
    }
    memcpy(buf, spec, n + 1);
    *out = buf;
    *len = n;
    *cap = n + 1;
    return true;
}

/* The code identity: the OWNER/PROJECT positional or --accessor. Fills acc and *json (the
 * normalized compact form, malloc'd). */
static bool get_accessor(const sec_opts *o, const ol_opts_result *res, const char *cmd,
                         ol_ks_accessor *acc, char **json)
{
    ol_diag d = {0};
    char *text = NULL;
    bool ok = false;
    if (o->accessor != NULL && res->npos == 1) {
        char *a = NULL;
        if (!read_data("--accessor", o->accessor, &a, &(size_t){0}, &(size_t){0}))
            return false;
        text = a;
    } else if (o->accessor == NULL && res->npos == 2) {
        json_t *j = json_pack("{s:{s:s}}", "Project", "project_id", res->pos[1]);
        text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (text == NULL) {
            ol_cmd_error("%s: out of memory", cmd);
            return false;
        }
    } else {
        ol_cmd_error("%s: name the code either as OWNER/PROJECT or with --accessor JSON", cmd);
        return false;
    }
    if (ol_ks_accessor_parse(text, strlen(text), acc, &d) != OL_OK) {
        ol_cmd_error("%s: the accessor: %s", cmd, d.msg);
        goto out;
    }
    if (ol_ks_accessor_json(acc, json, &d) != OL_OK) {
        ol_cmd_error("%s: the accessor: %s", cmd, d.msg);
        goto out;
    }
    ok = true;
out:
    free(text);
    return ok;
}

/* The owner's signing key: --key-file, else DATA_DIR/keys/OWNER.json. The file's account must
 * be the owner (a near-cli key file names the account its key belongs to). */
static bool load_owner_key(const sec_opts *o, const char *cmd, ol_near_credentials *cr)
{
    char path[4200];
    ol_diag d = {0};
    struct stat sb;
    if (o->key_file != NULL && o->key_file[0] != '\0') {
        snprintf(path, sizeof path, "%s", o->key_file);
    } else {
        snprintf(path, sizeof path, "%s/keys/%s.json", o->data_dir, o->owner);
        if (stat(path, &sb) != 0) {
            ol_cmd_error("%s: no key for owner %s: pass --key-file F (near-cli credentials JSON) "
                         "or use `outlayer dev`, which writes one to %s",
                         cmd, o->owner, path);
            return false;
        }
    }
    if (ol_near_credentials_read(path, cr, &d) != OL_OK) {
        ol_cmd_error("%s: key file %s: %s", cmd, path, d.msg);
        return false;
    }
    if (strcmp(cr->account_id, o->owner) != 0) {
        ol_cmd_error("%s: key file %s is for account %s, not for the owner %s", cmd, path,
                     cr->account_id, o->owner);
        ol_near_credentials_wipe(cr);
        return false;
    }
    if (cr->public_key.type != OL_NEAR_KEY_ED25519) {
        ol_cmd_error("%s: key file %s: only ed25519 keys can sign", cmd, path);
        ol_near_credentials_wipe(cr);
        return false;
    }
    return true;
}

static uint64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The "auth" member: a NEP-413 signature of the owner message of op with a fresh nonce. On
 * success returns a new JSON object; NULL after printing why. */
static json_t *sign_request(const ol_ks_owner_op *op, const ol_near_credentials *cr,
                            const char *cmd)
{
    ol_diag d = {0};
    char *msg = NULL;
    size_t msg_len = 0;
    json_t *auth = NULL;
    if (ol_ks_owner_message(op, &msg, &msg_len, &d) != OL_OK) {
        ol_cmd_error("%s: %s", cmd, d.msg);
        return NULL;
    }
    ol_near_nep413_payload pl;
    memset(&pl, 0, sizeof pl);
    pl.message.p = msg;
    pl.message.len = msg_len;
    pl.recipient = ol_near_str_c(OL_KS_OWNER_RECIPIENT);
    pl.callback_url.p = NULL; /* None */
    randombytes_buf(pl.nonce, sizeof pl.nonce);
    ol_near_signature sig;
    char sig_s[OL_NEAR_KEY_STR_MAX], pk_s[OL_NEAR_KEY_STR_MAX], nonce_s[64];
    if (ol_near_nep413_sign(&pl, &cr->secret_key, NULL, &sig, &d) != OL_OK ||
        ol_near_base64_encode(pl.nonce, sizeof pl.nonce, nonce_s, sizeof nonce_s, NULL, &d) !=
            OL_OK) {
        ol_cmd_error("%s: signing: %s", cmd, d.msg);
        goto out;
    }
    ol_near_signature_format(&sig, sig_s);
    ol_near_public_key_format(&cr->public_key, pk_s);
    auth = json_pack("{s:s, s:s, s:I, s:s}", "public_key", pk_s, "nonce", nonce_s, "timestamp_ms",
                     (json_int_t)op->timestamp_ms, "signature", sig_s);
    if (auth == NULL)
        ol_cmd_error("%s: out of memory", cmd);
out:
    free(msg);
    return auth;
}

/* Sends a signed request, or with --sign-only prints it. Returns the exit status. */
static int send_signed(const sec_opts *o, const char *cmd, const char *path, json_t *body,
                       long ok_status)
{
    if (o->sign_only) {
        json_t *req = json_pack("{s:s, s:s, s:O}", "method", "POST", "path", path, "body", body);
        if (req == NULL) {
            ol_cmd_error("%s: out of memory", cmd);
            return OL_EXIT_FAIL;
        }
        ol_cmd_print_json(req);
        json_decref(req);
        return OL_EXIT_OK;
    }
    long status = 0;
    json_t *resp = NULL;
    if (!send_json(o, false, "POST", path, body, &status, &resp))
        return OL_EXIT_FAIL;
    int rc = OL_EXIT_FAIL;
    if (status == ok_status) {
        if (resp != NULL)
            ol_cmd_print_json(resp);
        rc = OL_EXIT_OK;
    } else {
        ol_cmd_http_error(cmd, status, resp);
    }
    json_decref(resp);
    return rc;
}

/* ---- secrets put -------------------------------------------------------------------------- */

/* A copy of a validated secrets document with every value blanked except generation
 * directives: enough for the keystore to check names and directives, nothing secret. */
static char *names_only(const char *plain, size_t len)
{
    json_t *doc = json_loadb(plain, len, 0, NULL);
    json_t *copy = json_object();
    char *out = NULL;
    const char *k;
    json_t *v;
    if (doc == NULL || copy == NULL)
        goto out;
    json_object_foreach(doc, k, v)
    {
        const char *s = json_string_value(v);
        bool directive =
            s != NULL && strncmp(s, OL_KS_GENERATE_PREFIX, strlen(OL_KS_GENERATE_PREFIX)) == 0;
        if (json_object_set_new(copy, k, json_string(directive ? s : "")) != 0)
            goto out;
    }
    out = json_dumps(copy, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
    json_decref(doc); /* jansson wipes what it frees (ol_ks_json_wipe_on_free) */
    json_decref(copy);
    return out;
}

static int secrets_put(const sec_opts *o, const ol_opts_result *res)
{
    const char *cmd = "secrets put";
    int rc = OL_EXIT_FAIL;
    ol_diag d = {0};
    ol_ks_accessor acc;
    char *acc_json = NULL, *plain = NULL, *names = NULL, *access_canon = NULL;
    const char *access_text = NULL;
    size_t plain_len = 0, plain_cap = 0, ct_len = 0;
    uint8_t *ct = NULL, *access_file = NULL;
    char *ct_b64 = NULL;
    ol_ks_access *access = NULL;
    json_t *pk_req = NULL, *pk_resp = NULL, *body = NULL, *auth = NULL, *acc_obj = NULL;
    json_t *access_obj = NULL;
    ol_near_credentials cr;
    bool have_key = false;
    memset(&cr, 0, sizeof cr);

    if (!need_owner(o, cmd))
        return OL_EXIT_USAGE;
    if (!valid_profile(o->profile)) {
        ol_cmd_error("%s: --profile '%s' must be 1..64 of A-Z a-z 0-9 _ -", cmd, o->profile);
        return OL_EXIT_USAGE;
    }
    if (o->data == NULL) {
        ol_cmd_error("%s: --data JSON (or @FILE, or - for standard input) is required", cmd);
        return OL_EXIT_USAGE;
    }
    if (!get_accessor(o, res, cmd, &acc, &acc_json))
        goto out;
    if (!(have_key = load_owner_key(o, cmd, &cr)))
        goto out;

    /* The access condition: parsed here so that the signature covers its canonical hash. */
    size_t access_len = 0;
    if (strcmp(o->access, "AllowAll") == 0) {
        access_text = "\"AllowAll\""; /* the bare word is what people type */
        access_len = strlen(access_text);
    } else if (o->access[0] == '@') {
        if (!ol_cmd_read_file(o->access + 1, &access_file, &access_len))
            goto out;
        access_text = (const char *)access_file;
    } else {
        access_text = o->access;
        access_len = strlen(o->access);
    }
    uint8_t access_sha[32];
    if (ol_ks_access_parse(access_text, access_len, 0, &access, &d) != OL_OK ||
        ol_ks_access_hash(access, access_sha, &d) != OL_OK ||
        ol_ks_access_canonical(access, &access_canon, &(size_t){0}, &d) != OL_OK) {
        ol_cmd_error("%s: --access: %s", cmd, d.msg);
        goto out;
    }
    if ((access_obj = json_loads(access_canon, JSON_DECODE_ANY, NULL)) == NULL) {
        ol_cmd_error("%s: --access: out of memory", cmd);
        goto out;
    }

    /* The plaintext, checked here first (reserved and PROTECTED_ names, directives). */
    if (!read_data("--data", o->data, &plain, &plain_len, &plain_cap))
        goto out;
    if (ol_ks_secrets_validate(plain, plain_len, OL_KS_SECRETS_ALLOW_DIRECTIVES, &d) != OL_OK) {
        ol_cmd_error("%s: --data: %s", cmd, d.msg);
        goto out;
    }
    if ((names = names_only(plain, plain_len)) == NULL) {
        ol_cmd_error("%s: out of memory", cmd);
        goto out;
    }

    /* The keystore's key for (accessor, owner), and its own check of the names. */
    if ((acc_obj = json_loads(acc_json, 0, NULL)) == NULL ||
        (pk_req = json_pack("{s:O, s:s, s:s}", "accessor", acc_obj, "owner", o->owner,
                            "secrets_json", names)) == NULL) {
        ol_cmd_error("%s: out of memory", cmd);
        goto out;
    }
    long status = 0;
    if (!send_json(o, false, "POST", "/secrets/pubkey", pk_req, &status, &pk_resp))
        goto out;
    if (status != 200) {
        ol_cmd_http_error(cmd, status, pk_resp);
        goto out;
    }
    const char *pk_hex = json_string_value(json_object_get(pk_resp, "pubkey"));
    uint8_t pk[OL_KS_PK_LEN];
    size_t pk_len = 0;
    if (pk_hex == NULL || strlen(pk_hex) != 2 * OL_KS_PK_LEN ||
        ol_near_hex_decode(pk_hex, strlen(pk_hex), pk, sizeof pk, &pk_len, &d) != OL_OK ||
        pk_len != OL_KS_PK_LEN) {
        ol_cmd_error("%s: /secrets/pubkey answered without a valid \"pubkey\" (64 hex)", cmd);
        goto out;
    }

    /* Encrypt, then forget the plaintext. */
    if (ol_ks_seal(pk, (const uint8_t *)plain, plain_len, &ct, &ct_len, &d) != OL_OK) {
        ol_cmd_error("%s: encrypting: %s", cmd, d.msg);
        goto out;
    }
    ol_ks_wipe_free(plain, plain_cap);
    plain = NULL;
    size_t b64_cap = ol_near_base64_encoded_max(ct_len);
    if ((ct_b64 = malloc(b64_cap)) == NULL ||
        ol_near_base64_encode(ct, ct_len, ct_b64, b64_cap, NULL, &d) != OL_OK) {
        ol_cmd_error("%s: out of memory", cmd);
        goto out;
    }
    uint8_t ct_sha[32];
    crypto_hash_sha256(ct_sha, ct, ct_len);

    ol_ks_owner_op op = {
        .op = "secrets.put",
        .owner = o->owner,
        .accessor = acc_json,
        .profile = o->profile,
        .ciphertext_sha256 = ct_sha,
        .access_sha256 = access_sha,
        .replace_protected = o->replace_protected,
        .timestamp_ms = unix_ms(),
    };
    if ((auth = sign_request(&op, &cr, cmd)) == NULL)
        goto out;
    body = json_pack("{s:O, s:s, s:s, s:s, s:O, s:b, s:O}", "accessor", acc_obj, "profile",
                     o->profile, "owner", o->owner, "ciphertext", ct_b64, "access", access_obj,
                     "replace_protected", o->replace_protected, "auth", auth);
    if (body == NULL) {
        ol_cmd_error("%s: out of memory", cmd);
        goto out;
    }
    rc = send_signed(o, cmd, "/secrets", body, 200);
out:
    if (have_key)
        ol_near_credentials_wipe(&cr);
    if (plain != NULL)
        ol_ks_wipe_free(plain, plain_cap);
    if (names != NULL)
        ol_ks_wipe_free(names, strlen(names));
    free(acc_json);
    free(access_file);
    free(access_canon);
    ol_ks_access_free(access);
    free(ct);
    free(ct_b64);
    json_decref(pk_req);
    json_decref(pk_resp);
    json_decref(body);
    json_decref(auth);
    json_decref(acc_obj);
    json_decref(access_obj);
    return rc;
}

/* ---- secrets list / delete ---------------------------------------------------------------- */

static int secrets_list(const sec_opts *o, const ol_opts_result *res)
{
    const char *cmd = "secrets list";
    if (res->npos != 1) {
        ol_cmd_error("%s: unexpected argument '%s' (use --owner ID)", cmd, res->pos[1]);
        return OL_EXIT_USAGE;
    }
    if (!need_owner(o, cmd))
        return OL_EXIT_USAGE;
    ol_near_credentials cr;
    if (!load_owner_key(o, cmd, &cr))
        return OL_EXIT_FAIL;
    ol_ks_owner_op op = {
        .op = "secrets.list",
        .owner = o->owner,
        .timestamp_ms = unix_ms(),
    };
    json_t *auth = sign_request(&op, &cr, cmd);
    ol_near_credentials_wipe(&cr);
    if (auth == NULL)
        return OL_EXIT_FAIL;
    json_t *body = json_pack("{s:s, s:o}", "owner", o->owner, "auth", auth);
    if (body == NULL) {
        ol_cmd_error("%s: out of memory", cmd);
        return OL_EXIT_FAIL;
    }
    int rc = send_signed(o, cmd, "/secrets/list", body, 200);
    json_decref(body);
    return rc;
}

static int secrets_delete(const sec_opts *o, const ol_opts_result *res)
{
    const char *cmd = "secrets delete";
    ol_ks_accessor acc;
    char *acc_json = NULL;
    json_t *acc_obj = NULL, *auth = NULL, *body = NULL;
    ol_near_credentials cr;
    int rc = OL_EXIT_FAIL;
    if (!need_owner(o, cmd))
        return OL_EXIT_USAGE;
    if (!valid_profile(o->profile)) {
        ol_cmd_error("%s: --profile '%s' must be 1..64 of A-Z a-z 0-9 _ -", cmd, o->profile);
        return OL_EXIT_USAGE;
    }
    if (!get_accessor(o, res, cmd, &acc, &acc_json))
        return OL_EXIT_FAIL;
    if (!load_owner_key(o, cmd, &cr))
        goto out;
    ol_ks_owner_op op = {
        .op = "secrets.delete",
        .owner = o->owner,
        .accessor = acc_json,
        .profile = o->profile,
        .timestamp_ms = unix_ms(),
    };
    auth = sign_request(&op, &cr, cmd);
    ol_near_credentials_wipe(&cr);
    if (auth == NULL)
        goto out;
    if ((acc_obj = json_loads(acc_json, 0, NULL)) == NULL ||
        (body = json_pack("{s:O, s:s, s:s, s:O}", "accessor", acc_obj, "profile", o->profile,
                          "owner", o->owner, "auth", auth)) == NULL) {
        ol_cmd_error("%s: out of memory", cmd);
        goto out;
    }
    rc = send_signed(o, cmd, "/secrets/delete", body, 200);
out:
    free(acc_json);
    json_decref(acc_obj);
    json_decref(auth);
    json_decref(body);
    return rc;
}

int ol_cmd_secrets(int argc, char **argv)
{
    sec_opts o;
    ol_opts_result res;
    int rc = ol_cmd_load_opts(&secrets_table, &o, sizeof o, &res, argc - 1, argv + 1);
    if (rc >= 0)
        goto out;
    rc = OL_EXIT_USAGE;
    if (res.npos < 1) {
        fputs(ol_cmd_secrets_usage, stderr);
        goto out;
    }
    if (sodium_init() < 0) {
        ol_cmd_error("libsodium failed to initialise");
        rc = OL_EXIT_FAIL;
        goto out;
    }
    /* Every block jansson frees may have held plaintext (the secrets document). Safe here: no
     * JSON value exists yet, and the wiping allocator is malloc/free underneath. */
    ol_ks_json_wipe_on_free();
    const char *sub = res.pos[0];
    if (strcmp(sub, "put") == 0) {
        rc = secrets_put(&o, &res);
    } else if (strcmp(sub, "list") == 0) {
        rc = secrets_list(&o, &res);
    } else if (strcmp(sub, "delete") == 0) {
        rc = secrets_delete(&o, &res);
    } else {
        ol_cmd_error("secrets: unknown subcommand '%s' (put, list, delete)", sub);
        fputs(ol_cmd_secrets_usage, stderr);
    }
out:
    if (o.data != NULL)
        sodium_memzero(o.data, strlen(o.data)); /* --data given literally holds the secrets */
    free(res.pos);
    ol_opts_free(&secrets_table, &o);
    return rc;
}

/* ---- owners ------------------------------------------------------------------------------- */

static bool need_admin(const sec_opts *o)
{
    if (o->admin_token == NULL || o->admin_token[0] == '\0') {
        ol_cmd_error("an admin token is required: --admin-token or OUTLAYER_ADMIN_TOKEN");
        return false;
    }
    return true;
}

/* The ID positional and --public-key of add/remove, checked. */
static bool owner_and_key(const sec_opts *o, const ol_opts_result *res, const char *cmd,
                          char pk_s[OL_NEAR_KEY_STR_MAX])
{
    ol_diag d = {0};
    ol_near_public_key pk;
    if (res->npos != 2) {
        ol_cmd_error("%s: give exactly one owner id", cmd);
        return false;
    }
    if (ol_near_account_id_validate(res->pos[1], strlen(res->pos[1]), &d) != OL_OK) {
        ol_cmd_error("%s: %s", cmd, d.msg);
        return false;
    }
    if (o->public_key == NULL) {
        ol_cmd_error("%s: --public-key ed25519:<base58> is required", cmd);
        return false;
    }
    if (ol_near_public_key_parse(o->public_key, &pk, &d) != OL_OK) {
        ol_cmd_error("%s: --public-key: %s", cmd, d.msg);
        return false;
    }
    if (pk.type != OL_NEAR_KEY_ED25519) {
        ol_cmd_error("%s: --public-key: only ed25519 keys can sign owner requests", cmd);
        return false;
    }
    ol_near_public_key_format(&pk, pk_s);
    return true;
}

int ol_cmd_owners(int argc, char **argv)
{
    sec_opts o;
    ol_opts_result res;
    json_t *body = NULL, *resp = NULL;
    int rc = ol_cmd_load_opts(&owners_table, &o, sizeof o, &res, argc - 1, argv + 1);
    if (rc >= 0)
        goto out;
    rc = OL_EXIT_USAGE;
    if (res.npos < 1) {
        fputs(ol_cmd_owners_usage, stderr);
        goto out;
    }
    const char *sub = res.pos[0];
    char pk_s[OL_NEAR_KEY_STR_MAX];
    const char *method = "POST", *path = NULL, *cmd = NULL;
    char list_path[128];
    long want = 200;
    if (strcmp(sub, "add") == 0 || strcmp(sub, "remove") == 0) {
        cmd = strcmp(sub, "add") == 0 ? "owners add" : "owners remove";
        if (!owner_and_key(&o, &res, cmd, pk_s))
            goto out;
        body = json_pack("{s:s, s:s}", "owner", res.pos[1], "public_key", pk_s);
        path = strcmp(sub, "add") == 0 ? "/admin/owners" : "/admin/owners/remove";
        want = strcmp(sub, "add") == 0 ? 201 : 200;
        if (body == NULL) {
            rc = OL_EXIT_FAIL;
            goto out;
        }
    } else if (strcmp(sub, "list") == 0) {
        cmd = "owners list";
        if (res.npos != 1) {
            ol_cmd_error("%s: unexpected argument '%s' (use --owner ID)", cmd, res.pos[1]);
            goto out;
        }
        method = "GET";
        if (o.owner[0] != '\0') {
            ol_diag d = {0};
            if (ol_near_account_id_validate(o.owner, strlen(o.owner), &d) != OL_OK) {
                ol_cmd_error("%s: --owner: %s", cmd, d.msg);
                goto out;
            }
            snprintf(list_path, sizeof list_path, "/admin/owners?owner=%s", o.owner);
        } else {
            snprintf(list_path, sizeof list_path, "/admin/owners");
        }
        path = list_path;
    } else {
        ol_cmd_error("owners: unknown subcommand '%s' (add, list, remove)", sub);
        fputs(ol_cmd_owners_usage, stderr);
        goto out;
    }
    rc = OL_EXIT_FAIL;
    if (!need_admin(&o))
        goto out;
    long status = 0;
    if (!send_json(&o, true, method, path, body, &status, &resp))
        goto out;
    if (status != want) {
        ol_cmd_http_error(cmd, status, resp);
        goto out;
    }
    if (resp != NULL)
        ol_cmd_print_json(resp);
    else
        printf("{}\n");
    rc = OL_EXIT_OK;
out:
    json_decref(body);
    json_decref(resp);
    free(res.pos);
    ol_opts_free(&owners_table, &o);
    return rc;
}
