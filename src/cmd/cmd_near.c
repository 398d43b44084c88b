/* `outlayer near`: the dispatcher and the offline commands (keys, signing, decoding). The online
 * commands (anything talking to an RPC node) are in cmd_near_rpc.c; cmd_near.h is the contract.
 *
 * Every command prints one JSON document on stdout and nothing else; errors go to stderr as
 * "outlayer: ..." with exit status 1 (2 for a wrong command line). Secret keys given on the
 * command line are overwritten in argv as soon as they are parsed (so they leave
 * /proc/PID/cmdline), secret keys read from stdin or a key file live in wiped buffers, and no
 * message ever contains one. */
#include "cmd_near.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cmd.h"
#include "ol/near.h"

const char ol_cmd_near_usage[] =
    "usage: outlayer near COMMAND [OPTIONS]\n"
    "\n"
    "Offline commands (no network):\n"
    "  outlayer near keygen [--account-id ID] [--out FILE]\n"
    "      new ed25519 key pair; prints {\"account_id\",\"public_key\",\"private_key\",\n"
    "      \"implicit_account_id\"}. With --out, writes a near-cli credentials file (mode 0600,\n"
    "      never overwriting one) and prints the same without private_key, plus \"file\".\n"
    "      The account id defaults to the key's implicit account.\n"
    "  outlayer near public-key KEY\n"
    "      prints {\"public_key\",\"implicit_account_id\"}\n"
    "  outlayer near sign-tx KEY [--signer ID] --receiver ID --nonce N --block-hash B58\n"
    "                        --actions JSON\n"
    "      prints {\"tx_borsh_hex\",\"tx_hash\",\"signature\",\"signed_tx_base64\"}\n"
    "  outlayer near decode-tx BASE64\n"
    "      a borsh Transaction or SignedTransaction (base64; - reads standard input) as JSON:\n"
    "      {\"signer_id\",\"public_key\",\"nonce\",\"receiver_id\",\"block_hash\",\"actions\",\n"
    "      \"hash\",\"signed\"} plus \"signature\" and \"signature_valid\" when signed\n"
    "  outlayer near sign-message KEY --message TEXT --nonce-base64 B64 --recipient ID\n"
    "                             [--callback-url URL]\n"
    "      NEP-413; prints {\"hash_hex\",\"signature_base64\",\"signature\",\"public_key\"}\n"
    "  outlayer near verify-message --public-key PK --signature SIG --message TEXT\n"
    "                               --nonce-base64 B64 --recipient ID [--callback-url URL]\n"
    "      prints {\"valid\",\"hash_hex\"}; exit 0 if the signature is valid, 1 if not.\n"
    "      SIG is base64 (wallet output) or ed25519:<base58>\n"
    "  outlayer near sign-delegate KEY [--sender ID] --receiver ID --nonce N\n"
    "                              --max-block-height H --actions JSON\n"
    "      NEP-366; prints {\"delegate_hash_hex\",\"signature\",\"signed_delegate_base64\"}\n"
    "\n"
    "  KEY is --secret-key SK (ed25519:<base58> of 64 or 32 bytes; - reads a line from standard\n"
    "  input) or --key-file FILE (a near-cli credentials file, whose account is then the default\n"
    "  signer/sender).\n"
    "  JSON for --actions is an array, or @FILE to read it from a file:\n"
    "    [\"CreateAccount\", {\"DeployContract\":{\"code_base64\":\"...\"}},\n"
    "     {\"FunctionCall\":{\"method_name\":\"m\",\"args_json\":{...} | \"args_base64\":\"...\",\n"
    "                      \"gas\":30000000000000,\"deposit\":\"0\"}},\n"
    "     {\"Transfer\":{\"deposit\":\"1\"}},\n"
    "     {\"Stake\":{\"stake\":\"1\",\"public_key\":\"ed25519:...\"}},\n"
    "     {\"AddKey\":{\"public_key\":\"...\",\n"
    "                 \"access_key\":{\"nonce\":0,\"permission\":\"FullAccess\"}}},\n"
    "     {\"AddKey\":{\"public_key\":\"...\",\"access_key\":{\"nonce\":0,\"permission\":\n"
    "        {\"FunctionCall\":\n"
    "        {\"allowance\":null,\"receiver_id\":\"r\",\"method_names\":[\"a\",\"b\"]}}}}},\n"
    "     {\"DeleteKey\":{\"public_key\":\"...\"}},\n"
    "     {\"DeleteAccount\":{\"beneficiary_id\":\"...\"}}]\n"
    "  Amounts are decimal strings of yoctoNEAR (\"1.5 NEAR\" is accepted too).\n"
    "\n"
    "Online commands (view, call, account, keys, tx, block): see 'outlayer near --help'.\n";

/* `outlayer near --help`: both halves. */
static void print_full_usage(FILE *f)
{
    fputs(ol_cmd_near_usage, f);
    fputs("\nOnline commands (JSON-RPC):\n", f);
    fputs(ol_cmd_near_online_usage, f);
}

/* ---- command-line parsing ---- */

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("outlayer: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nrun 'outlayer near --help' for usage\n", stderr);
    return OL_EXIT_USAGE;
}

/* One option taking a value; slot points into argv (writable, so secrets can be wiped). */
typedef struct opt {
    const char *name;
    char *value;
} opt;

#define MAX_OPTS 10
#define MAX_POS  2

typedef struct args {
    opt opts[MAX_OPTS];
    size_t nopts;
    char *pos[MAX_POS];
    size_t npos;
    size_t maxpos;
} args;

static void opt_add(args *a, const char *name)
{
    OL_ASSERT(a->nopts < MAX_OPTS);
    a->opts[a->nopts].name = name;
    a->opts[a->nopts].value = NULL;
    a->nopts++;
}

static char *opt_get(const args *a, const char *name)
{
    for (size_t i = 0; i < a->nopts; i++) {
        if (strcmp(a->opts[i].name, name) == 0)
            return a->opts[i].value;
    }
    return NULL;
}

/* Parses argv[1..] ("--name VALUE", "--name=VALUE", positionals, "--"). Returns -1 on success,
 * else an exit status (help printed, or a usage error). */
static int parse_args(const char *cmd, int argc, char **argv, args *a)
{
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        char *s = argv[i];
        if (!only_pos && strcmp(s, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)) {
            print_full_usage(stdout);
            return OL_EXIT_OK;
        }
        if (!only_pos && s[0] == '-' && s[1] == '-') {
            char *eq = strchr(s, '=');
            size_t nlen = eq != NULL ? (size_t)(eq - s) : strlen(s);
            opt *o = NULL;
            for (size_t k = 0; k < a->nopts; k++) {
                if (strlen(a->opts[k].name) == nlen && memcmp(a->opts[k].name, s, nlen) == 0)
                    o = &a->opts[k];
            }
            if (o == NULL)
                return usage_error("near %s: unknown option '%.*s'", cmd,
                                   (int)(nlen > 40 ? 40 : nlen), s);
            if (o->value != NULL)
                return usage_error("near %s: option %s given twice", cmd, o->name);
            if (eq != NULL) {
                o->value = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return usage_error("near %s: option %s needs a value", cmd, o->name);
                o->value = argv[++i];
            }
            continue;
        }
        if (a->npos >= a->maxpos)
            return usage_error("near %s: unexpected argument '%.40s'", cmd, s);
        a->pos[a->npos++] = s;
    }
    return -1;
}

static int require(const char *cmd, const args *a, const char *const *names)
{
    for (size_t i = 0; names[i] != NULL; i++) {
        if (opt_get(a, names[i]) == NULL)
            return usage_error("near %s: %s is required", cmd, names[i]);
    }
    return -1;
}

/* ---- inputs ---- */

/* The signing key: --secret-key SK (or - for a line of standard input) or --key-file FILE.
 * account (may be NULL) receives the key file's account id, or "" for --secret-key. */
static int load_key(const char *cmd, const args *a, ol_near_secret_key *sk,
                    char account[OL_NEAR_ACCOUNT_ID_MAX])
{
    char *text = opt_get(a, "--secret-key");
    const char *file = opt_get(a, "--key-file");
    ol_diag d = {0};
    if ((text == NULL) == (file == NULL))
        return usage_error("near %s: give the key as --secret-key SK or --key-file FILE", cmd);
    if (file != NULL) {
        ol_near_credentials c;
        if (ol_near_credentials_read(file, &c, &d) != OL_OK) {
            ol_cmd_error("%s", d.msg);
            return OL_EXIT_FAIL;
        }
        *sk = c.secret_key;
        if (account != NULL)
            memcpy(account, c.account_id, sizeof c.account_id);
        ol_near_credentials_wipe(&c);
        return -1;
    }
    if (account != NULL)
        account[0] = '\0';
    ol_err rc;
    if (strcmp(text, "-") == 0) {
        char line[512];
        if (fgets(line, sizeof line, stdin) == NULL) {
            ol_cmd_error("--secret-key -: nothing on standard input");
            return OL_EXIT_FAIL;
        }
        line[strcspn(line, "\r\n")] = '\0';
        rc = ol_near_secret_key_parse(line, sk, &d);
        sodium_memzero(line, sizeof line);
    } else {
        rc = ol_near_secret_key_parse(text, sk, &d);
        /* Hide the key from /proc/PID/cmdline and ps from now on. */
        sodium_memzero(text, strlen(text));
    }
    if (rc != OL_OK) {
        ol_cmd_error("--secret-key: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    return -1;
}

/* --actions JSON or @FILE, parsed into ar. */
static int load_actions(const char *cmd, const char *spec, ol_near_arena *ar,
                        const ol_near_action **acts, size_t *n)
{
    ol_diag d = {0};
    uint8_t *file = NULL;
    size_t len = 0;
    const char *json = spec;
    if (spec[0] == '@') {
        if (!ol_cmd_read_file(spec + 1, &file, &len))
            return OL_EXIT_FAIL;
        json = (const char *)file;
    } else {
        len = strlen(spec);
    }
    ol_err rc = ol_near_actions_from_json(json, len, ar, acts, n, &d);
    free(file);
    if (rc != OL_OK) {
        ol_cmd_error("near %s: --actions: %s", cmd, d.msg);
        return OL_EXIT_FAIL;
    }
    return -1;
}

static int parse_u64_opt(const char *name, const char *s, uint64_t *out)
{
    if (!ol_cmd_parse_u64(s, UINT64_MAX, out))
        return usage_error("%s: '%.40s' is not an unsigned 64-bit integer", name, s);
    return -1;
}

static int check_account(const char *name, const char *id)
{
    ol_diag d = {0};
    if (ol_near_account_id_validate(id, strlen(id), &d) != OL_OK) {
        ol_cmd_error("%s: %s", name, d.msg);
        return OL_EXIT_FAIL;
    }
    return -1;
}

/* 32 bytes of NEP-413 nonce from base64. */
static int load_nonce(const char *s, uint8_t nonce[OL_NEAR_NEP413_NONCE_LEN])
{
    uint8_t buf[OL_NEAR_NEP413_NONCE_LEN + 3];
    size_t n = 0;
    ol_diag d = {0};
    if (ol_near_base64_decode(s, strlen(s), buf, sizeof buf, &n, &d) != OL_OK) {
        ol_cmd_error("--nonce-base64: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    if (n != OL_NEAR_NEP413_NONCE_LEN) {
        ol_cmd_error("--nonce-base64: %zu bytes, expected 32", n);
        return OL_EXIT_FAIL;
    }
    memcpy(nonce, buf, OL_NEAR_NEP413_NONCE_LEN);
    return -1;
}

/* ---- output ---- */

/* Prints v (indented, newline-terminated) and releases it. NULL means building it failed. */
static int print_json(json_t *v)
{
    int status = OL_EXIT_OK;
    if (v == NULL || json_dumpf(v, stdout, JSON_INDENT(2)) != 0) {
        ol_cmd_error("cannot write the result");
        status = OL_EXIT_FAIL;
    } else {
        fputc('\n', stdout);
    }
    json_decref(v);
    return status;
}

/* json_object_set_new that turns any failure into a NULL result at the end. */
static void put(json_t *o, const char *key, json_t *v, bool *ok)
{
    if (o == NULL || v == NULL || json_object_set_new(o, key, v) != 0)
        *ok = false;
}

static json_t *finish(json_t *o, bool ok)
{
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *j_hex(const uint8_t *p, size_t len)
{
    char *buf = malloc(len * 2 + 1);
    json_t *r = NULL;
    if (buf != NULL && ol_near_hex_encode(p, len, buf, len * 2 + 1, NULL, NULL) == OL_OK)
        r = json_string(buf);
    free(buf);
    return r;
}

static json_t *j_base64(const uint8_t *p, size_t len)
{
    size_t cap = ol_near_base64_encoded_max(len);
    char *buf = malloc(cap);
    json_t *r = NULL;
    if (buf != NULL && ol_near_base64_encode(p, len, buf, cap, NULL, NULL) == OL_OK)
        r = json_string(buf);
    free(buf);
    return r;
}

static json_t *j_pk(const ol_near_public_key *pk)
{
    char buf[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(pk, buf);
    return json_string(buf);
}

static json_t *j_sig(const ol_near_signature *sig)
{
    char buf[OL_NEAR_KEY_STR_MAX];
    ol_near_signature_format(sig, buf);
    return json_string(buf);
}

/* ---- keygen ---- */

static int cmd_keygen(int argc, char **argv)
{
    args a = {.maxpos = 0};
    opt_add(&a, "--account-id");
    opt_add(&a, "--out");
    int status = parse_args("keygen", argc, argv, &a);
    if (status >= 0)
        return status;
    const char *account = opt_get(&a, "--account-id");
    const char *out = opt_get(&a, "--out");
    if (account != NULL && (status = check_account("--account-id", account)) >= 0)
        return status;

    ol_near_credentials c;
    ol_diag d = {0};
    char implicit[OL_NEAR_ACCOUNT_ID_MAX];
    memset(&c, 0, sizeof c);
    if (ol_near_secret_key_generate(&c.secret_key, &d) != OL_OK) {
        ol_cmd_error("keygen: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    ol_near_secret_key_public(&c.secret_key, &c.public_key);
    ol_near_implicit_account_id(&c.public_key, implicit, NULL);
    snprintf(c.account_id, sizeof c.account_id, "%s", account != NULL ? account : implicit);

    bool ok = true;
    json_t *o = json_object();
    put(o, "account_id", json_string(c.account_id), &ok);
    put(o, "public_key", j_pk(&c.public_key), &ok);
    if (out != NULL) {
        if (ol_near_credentials_write(out, &c, false, &d) != OL_OK) {
            ol_cmd_error("keygen: %s", d.msg);
            status = OL_EXIT_FAIL;
            goto out;
        }
        put(o, "file", json_string(out), &ok);
    } else {
        char sk[OL_NEAR_KEY_STR_MAX];
        ol_near_secret_key_format(&c.secret_key, sk);
        put(o, "private_key", json_string(sk), &ok);
        sodium_memzero(sk, sizeof sk);
    }
    put(o, "implicit_account_id", json_string(implicit), &ok);
    status = print_json(finish(o, ok));
    o = NULL;
out:
    json_decref(o);
    ol_near_credentials_wipe(&c);
    return status;
}

/* ---- public-key ---- */

static int cmd_public_key(int argc, char **argv)
{
    args a = {.maxpos = 0};
    opt_add(&a, "--secret-key");
    opt_add(&a, "--key-file");
    int status = parse_args("public-key", argc, argv, &a);
    if (status >= 0)
        return status;
    ol_near_secret_key sk;
    if ((status = load_key("public-key", &a, &sk, NULL)) >= 0)
        return status;
    ol_near_public_key pk;
    char implicit[OL_NEAR_ACCOUNT_ID_MAX];
    ol_near_secret_key_public(&sk, &pk);
    ol_near_secret_key_wipe(&sk);
    ol_near_implicit_account_id(&pk, implicit, NULL);
    bool ok = true;
    json_t *o = json_object();
    put(o, "public_key", j_pk(&pk), &ok);
    put(o, "implicit_account_id", json_string(implicit), &ok);
    return print_json(finish(o, ok));
}

/* ---- sign-tx ---- */

static int cmd_sign_tx(int argc, char **argv)
{
    static const char *const required[] = {"--receiver", "--nonce", "--block-hash", "--actions",
                                           NULL};
    args a = {.maxpos = 0};
    opt_add(&a, "--secret-key");
    opt_add(&a, "--key-file");
    opt_add(&a, "--signer");
    opt_add(&a, "--receiver");
    opt_add(&a, "--nonce");
    opt_add(&a, "--block-hash");
    opt_add(&a, "--actions");
    int status = parse_args("sign-tx", argc, argv, &a);
    if (status >= 0 || (status = require("sign-tx", &a, required)) >= 0)
        return status;

    ol_near_secret_key sk;
    char file_account[OL_NEAR_ACCOUNT_ID_MAX];
    ol_near_arena *ar = NULL;
    ol_near_buf signed_tx;
    ol_near_buf body;
    ol_diag d = {0};
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    ol_near_buf_init(&signed_tx, NULL);
    ol_near_buf_init(&body, NULL);
    if ((status = load_key("sign-tx", &a, &sk, file_account)) >= 0)
        return status;

    tx.signer_id = opt_get(&a, "--signer") != NULL ? opt_get(&a, "--signer") : file_account;
    tx.receiver_id = opt_get(&a, "--receiver");
    if (tx.signer_id[0] == '\0') {
        status = usage_error("near sign-tx: --signer is required with --secret-key");
        goto out;
    }
    if ((status = check_account("--signer", tx.signer_id)) >= 0 ||
        (status = check_account("--receiver", tx.receiver_id)) >= 0 ||
        (status = parse_u64_opt("--nonce", opt_get(&a, "--nonce"), &tx.nonce)) >= 0)
        goto out;
    if (ol_near_hash_parse(opt_get(&a, "--block-hash"), tx.block_hash, &d) != OL_OK) {
        ol_cmd_error("--block-hash: %s", d.msg);
        status = OL_EXIT_FAIL;
        goto out;
    }
    if (ol_near_arena_new(NULL, &ar, &d) != OL_OK) {
        ol_cmd_error("%s", d.msg);
        status = OL_EXIT_FAIL;
        goto out;
    }
    if ((status = load_actions("sign-tx", opt_get(&a, "--actions"), ar, &tx.actions,
                               &tx.n_actions)) >= 0)
        goto out;
    ol_near_secret_key_public(&sk, &tx.public_key);

    uint8_t hash[OL_NEAR_HASH_LEN];
    ol_near_signature sig;
    if (ol_near_tx_encode(&tx, &body, &d) != OL_OK ||
        ol_near_tx_sign(&tx, &sk, hash, &sig, &signed_tx, &d) != OL_OK) {
        ol_cmd_error("sign-tx: %s", d.msg);
        status = OL_EXIT_FAIL;
        goto out;
    }
    char hash_b58[OL_NEAR_HASH_STR_MAX];
    ol_near_hash_format(hash, hash_b58);
    bool ok = true;
    json_t *o = json_object();
    put(o, "tx_borsh_hex", j_hex(body.p, body.len), &ok);
    put(o, "tx_hash", json_string(hash_b58), &ok);
    put(o, "signature", j_sig(&sig), &ok);
    put(o, "signed_tx_base64", j_base64(signed_tx.p, signed_tx.len), &ok);
    status = print_json(finish(o, ok));
out:
    ol_near_secret_key_wipe(&sk);
    ol_near_arena_free(ar);
    ol_near_buf_fini(&signed_tx);
    ol_near_buf_fini(&body);
    return status;
}

/* ---- decode-tx ---- */

static int cmd_decode_tx(int argc, char **argv)
{
    args a = {.maxpos = 1};
    int status = parse_args("decode-tx", argc, argv, &a);
    if (status >= 0)
        return status;
    if (a.npos != 1)
        return usage_error("near decode-tx: give the transaction as base64 (or - for stdin)");

    uint8_t *text = NULL;
    size_t text_len = 0;
    uint8_t *bytes = NULL;
    ol_near_arena *ar = NULL;
    json_t *o = NULL;
    ol_diag d = {0};
    if (strcmp(a.pos[0], "-") == 0) {
        if (!ol_cmd_read_file("-", &text, &text_len))
            return OL_EXIT_FAIL;
        while (text_len > 0 && (text[text_len - 1] == '\n' || text[text_len - 1] == '\r' ||
                                text[text_len - 1] == ' '))
            text_len--;
    }
    const char *b64 = text != NULL ? (const char *)text : a.pos[0];
    size_t b64_len = text != NULL ? text_len : strlen(a.pos[0]);
    size_t cap = ol_near_base64_decoded_max(b64_len);
    size_t len = 0;
    if ((bytes = malloc(cap)) == NULL) {
        ol_cmd_error("decode-tx: out of memory");
        status = OL_EXIT_FAIL;
        goto out;
    }
    if (ol_near_base64_decode(b64, b64_len, bytes, cap, &len, &d) != OL_OK) {
        ol_cmd_error("decode-tx: %s", d.msg);
        status = OL_EXIT_FAIL;
        goto out;
    }
    ol_near_signed_tx stx;
    bool is_signed = false;
    const char *json = NULL;
    if (ol_near_arena_new(NULL, &ar, &d) != OL_OK ||
        ol_near_tx_decode_any(bytes, len, ar, &stx, &is_signed, &d) != OL_OK ||
        ol_near_tx_to_json(&stx.tx, is_signed ? &stx.signature : NULL, ar, &json, &d) != OL_OK) {
        ol_cmd_error("decode-tx: %s", d.msg);
        status = OL_EXIT_FAIL;
        goto out;
    }
    json_error_t je;
    if ((o = json_loads(json, 0, &je)) == NULL) {
        ol_cmd_error("decode-tx: out of memory");
        status = OL_EXIT_FAIL;
        goto out;
    }
    bool ok = true;
    put(o, "signed", json_boolean(is_signed), &ok);
    if (is_signed) {
        bool valid = ol_near_signed_tx_verify(&stx, NULL, NULL) == OL_OK;
        put(o, "signature_valid", json_boolean(valid), &ok);
    }
    status = print_json(finish(o, ok));
    o = NULL;
out:
    json_decref(o);
    ol_near_arena_free(ar);
    free(bytes);
    free(text);
    return status;
}

/* ---- NEP-413 ---- */

static const char *const nep413_required[] = {"--message", "--nonce-base64", "--recipient", NULL};

static void nep413_opts(args *a)
{
    opt_add(a, "--message");
    opt_add(a, "--nonce-base64");
    opt_add(a, "--recipient");
    opt_add(a, "--callback-url");
}

/* Fills pl from the options (strings borrowed from argv). */
static int nep413_payload(const args *a, ol_near_nep413_payload *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->message = ol_near_str_c(opt_get(a, "--message"));
    pl->recipient = ol_near_str_c(opt_get(a, "--recipient"));
    pl->callback_url = ol_near_str_c(opt_get(a, "--callback-url")); /* NULL -> None */
    return load_nonce(opt_get(a, "--nonce-base64"), pl->nonce);
}

static int cmd_sign_message(int argc, char **argv)
{
    args a = {.maxpos = 0};
    opt_add(&a, "--secret-key");
    opt_add(&a, "--key-file");
    nep413_opts(&a);
    int status = parse_args("sign-message", argc, argv, &a);
    if (status >= 0 || (status = require("sign-message", &a, nep413_required)) >= 0)
        return status;
    ol_near_nep413_payload pl;
    if ((status = nep413_payload(&a, &pl)) >= 0)
        return status;
    ol_near_secret_key sk;
    if ((status = load_key("sign-message", &a, &sk, NULL)) >= 0)
        return status;

    uint8_t hash[OL_NEAR_HASH_LEN];
    ol_near_signature sig;
    ol_near_public_key pk;
    ol_diag d = {0};
    ol_err rc = ol_near_nep413_sign(&pl, &sk, hash, &sig, &d);
    ol_near_secret_key_public(&sk, &pk);
    ol_near_secret_key_wipe(&sk);
    if (rc != OL_OK) {
        ol_cmd_error("sign-message: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    bool ok = true;
    json_t *o = json_object();
    put(o, "hash_hex", j_hex(hash, sizeof hash), &ok);
    put(o, "signature_base64", j_base64(sig.data, OL_NEAR_ED25519_SIG_LEN), &ok);
    put(o, "signature", j_sig(&sig), &ok);
    put(o, "public_key", j_pk(&pk), &ok);
    return print_json(finish(o, ok));
}

/* A signature as wallets print it (base64 of 64 bytes) or as ed25519:<base58>. */
static int load_signature(const char *s, ol_near_signature *sig)
{
    ol_diag d = {0};
    if (strchr(s, ':') != NULL) {
        if (ol_near_signature_parse(s, sig, &d) != OL_OK) {
            ol_cmd_error("--signature: %s", d.msg);
            return OL_EXIT_FAIL;
        }
        return -1;
    }
    uint8_t buf[OL_NEAR_ED25519_SIG_LEN + 3];
    size_t n = 0;
    if (ol_near_base64_decode(s, strlen(s), buf, sizeof buf, &n, &d) != OL_OK) {
        ol_cmd_error("--signature: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    if (n != OL_NEAR_ED25519_SIG_LEN) {
        ol_cmd_error("--signature: %zu bytes, expected 64", n);
        return OL_EXIT_FAIL;
    }
    memset(sig, 0, sizeof *sig);
    sig->type = OL_NEAR_KEY_ED25519;
    memcpy(sig->data, buf, OL_NEAR_ED25519_SIG_LEN);
    return -1;
}

static int cmd_verify_message(int argc, char **argv)
{
    static const char *const required[] = {"--public-key", "--signature", NULL};
    args a = {.maxpos = 0};
    opt_add(&a, "--public-key");
    opt_add(&a, "--signature");
    nep413_opts(&a);
    int status = parse_args("verify-message", argc, argv, &a);
    if (status >= 0 || (status = require("verify-message", &a, required)) >= 0 ||
        (status = require("verify-message", &a, nep413_required)) >= 0)
        return status;
    ol_near_nep413_payload pl;
    ol_near_public_key pk;
    ol_near_signature sig;
    ol_diag d = {0};
    if ((status = nep413_payload(&a, &pl)) >= 0 ||
        (status = load_signature(opt_get(&a, "--signature"), &sig)) >= 0)
        return status;
    if (ol_near_public_key_parse(opt_get(&a, "--public-key"), &pk, &d) != OL_OK) {
        ol_cmd_error("--public-key: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    uint8_t hash[OL_NEAR_HASH_LEN];
    if (ol_near_nep413_hash(&pl, NULL, hash, &d) != OL_OK) {
        ol_cmd_error("verify-message: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    ol_err rc = ol_near_verify(&pk, hash, sizeof hash, &sig, &d);
    if (rc != OL_OK && rc != OL_E_INVAL) {
        ol_cmd_error("verify-message: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    bool ok = true;
    json_t *o = json_object();
    put(o, "valid", json_boolean(rc == OL_OK), &ok);
    put(o, "hash_hex", j_hex(hash, sizeof hash), &ok);
    status = print_json(finish(o, ok));
    if (status == OL_EXIT_OK && rc != OL_OK) {
        ol_cmd_error("verify-message: the signature is not valid for this key and message");
        status = OL_EXIT_FAIL;
    }
    return status;
}

/* ---- sign-delegate ---- */

static int cmd_sign_delegate(int argc, char **argv)
{
    static const char *const required[] = {"--receiver", "--nonce", "--max-block-height",
                                           "--actions", NULL};
    args a = {.maxpos = 0};
    opt_add(&a, "--secret-key");
    opt_add(&a, "--key-file");
    opt_add(&a, "--sender");
    opt_add(&a, "--receiver");
    opt_add(&a, "--nonce");
    opt_add(&a, "--max-block-height");
    opt_add(&a, "--actions");
    int status = parse_args("sign-delegate", argc, argv, &a);
    if (status >= 0 || (status = require("sign-delegate", &a, required)) >= 0)
        return status;

    ol_near_secret_key sk;
    char file_account[OL_NEAR_ACCOUNT_ID_MAX];
    ol_near_arena *ar = NULL;
    ol_near_buf signed_da;
    ol_diag d = {0};
    ol_near_delegate_action da;
    memset(&da, 0, sizeof da);
    ol_near_buf_init(&signed_da, NULL);
    if ((status = load_key("sign-delegate", &a, &sk, file_account)) >= 0)
        return status;

    da.sender_id = opt_get(&a, "--sender") != NULL ? opt_get(&a, "--sender") : file_account;
    da.receiver_id = opt_get(&a, "--receiver");
    if (da.sender_id[0] == '\0') {
        status = usage_error("near sign-delegate: --sender is required with --secret-key");
        goto out;
    }
    if ((status = check_account("--sender", da.sender_id)) >= 0 ||
        (status = check_account("--receiver", da.receiver_id)) >= 0 ||
        (status = parse_u64_opt("--nonce", opt_get(&a, "--nonce"), &da.nonce)) >= 0 ||
        (status = parse_u64_opt("--max-block-height", opt_get(&a, "--max-block-height"),
                                &da.max_block_height)) >= 0)
        goto out;
    if (ol_near_arena_new(NULL, &ar, &d) != OL_OK) {
        ol_cmd_error("%s", d.msg);
        status = OL_EXIT_FAIL;
        goto out;
    }
    if ((status = load_actions("sign-delegate", opt_get(&a, "--actions"), ar, &da.actions,
                               &da.n_actions)) >= 0)
        goto out;
    ol_near_secret_key_public(&sk, &da.public_key);

    uint8_t hash[OL_NEAR_HASH_LEN];
    ol_near_signature sig;
    if (ol_near_delegate_sign(&da, &sk, hash, &sig, &signed_da, &d) != OL_OK) {
        ol_cmd_error("sign-delegate: %s", d.msg);
        status = OL_EXIT_FAIL;
        goto out;
    }
    bool ok = true;
    json_t *o = json_object();
    put(o, "delegate_hash_hex", j_hex(hash, sizeof hash), &ok);
    put(o, "signature", j_sig(&sig), &ok);
    put(o, "signed_delegate_base64", j_base64(signed_da.p, signed_da.len), &ok);
    status = print_json(finish(o, ok));
out:
    ol_near_secret_key_wipe(&sk);
    ol_near_arena_free(ar);
    ol_near_buf_fini(&signed_da);
    return status;
}

/* ---- dispatch ---- */

typedef struct near_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
} near_cmd;

static const near_cmd offline_cmds[] = {
    {"keygen", cmd_keygen},
    {"public-key", cmd_public_key},
    {"sign-tx", cmd_sign_tx},
    {"decode-tx", cmd_decode_tx},
    {"sign-message", cmd_sign_message},
    {"verify-message", cmd_verify_message},
    {"sign-delegate", cmd_sign_delegate},
};

int ol_cmd_near(int argc, char **argv)
{
    if (argc < 2) {
        print_full_usage(stderr);
        return OL_EXIT_USAGE;
    }
    if (ol_cmd_is_help(argv[1])) {
        print_full_usage(stdout);
        return OL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof offline_cmds / sizeof offline_cmds[0]; i++) {
        if (strcmp(argv[1], offline_cmds[i].name) == 0) {
            ol_diag d = {0};
            if (ol_near_init(&d) != OL_OK) {
                ol_cmd_error("%s", d.msg);
                return OL_EXIT_FAIL;
            }
            return offline_cmds[i].run(argc - 1, argv + 1);
        }
    }
    return ol_cmd_near_online(argc, argv);
}
