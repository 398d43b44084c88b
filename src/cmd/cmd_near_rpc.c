/* `outlayer near` online commands: view, call, account, keys, tx, block against any NEAR
 * JSON-RPC endpoint (--rpc URL). cmd_near.c forwards the whole command line here unchanged.
 *
 * Every command prints one JSON document on stdout and nothing else; errors go to stderr as
 * "outlayer: ..." with exit status 1 (2 for a wrong command line). The secret key read from
 * --key-file lives on this stack frame only, is handed to the signer and wiped before return;
 * no message ever contains it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cmd.h"
#include "cmd_near.h"
#include "ol/near.h"
#include "ol/near_rpc.h"

const char ol_cmd_near_online_usage[] =
    "  outlayer near --rpc URL view CONTRACT METHOD [JSON_ARGS] [--block REF]\n"
    "      call a view method; prints {\"result\",\"logs\",\"block_height\",\"block_hash\"}\n"
    "      (\"result\" is the returned JSON, or null with \"result_base64\" if it is not JSON)\n"
    "  outlayer near --rpc URL --key-file F call CONTRACT METHOD [JSON_ARGS]\n"
    "               [--deposit AMOUNT] [--gas GAS] [--wait LEVEL]\n"
    "      sign with the near-cli credentials file F (its account is the signer), send, and\n"
    "      print the execution outcome; exit 1 if the transaction failed.\n"
    "      AMOUNT: yoctoNEAR or \"1.5 NEAR\" (default 0); GAS: gas units or \"30 Tgas\"\n"
    "      (default 30 Tgas); LEVEL: NONE, INCLUDED, EXECUTED_OPTIMISTIC (default),\n"
    "      INCLUDED_FINAL, EXECUTED, FINAL\n"
    "  outlayer near --rpc URL account ID [--block REF]     the account (balance, storage, code)\n"
    "  outlayer near --rpc URL keys ID [--block REF]        the account's access keys\n"
    "  outlayer near --rpc URL tx HASH SENDER [--wait LEVEL] a transaction's outcome\n"
    "  outlayer near --rpc URL block [HEIGHT|HASH|final|optimistic]   a block (default final)\n"
    "      REF: final (default), optimistic, near-final, a block height or a block hash.\n"
    "      JSON_ARGS defaults to {}. Options may come before or after the command.\n";

#define DEFAULT_GAS UINT64_C(30000000000000) /* 30 Tgas */

/* The parsed command line. Every pointer borrows from argv. */
typedef struct near_args {
    const char *rpc;
    const char *key_file;
    const char *deposit;
    const char *gas;
    const char *wait;
    const char *block;
    const char *pos[8];
    int npos;
} near_args;

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

/* Options with a value, as "--name VALUE" or "--name=VALUE". */
static const char **option_slot(near_args *a, const char *name)
{
    if (strcmp(name, "--rpc") == 0)
        return &a->rpc;
    if (strcmp(name, "--key-file") == 0)
        return &a->key_file;
    if (strcmp(name, "--deposit") == 0)
        return &a->deposit;
    if (strcmp(name, "--gas") == 0)
        return &a->gas;
    if (strcmp(name, "--wait") == 0)
        return &a->wait;
    if (strcmp(name, "--block") == 0)
        return &a->block;
    return NULL;
}

/* Returns -1 on success, else an exit status (help printed or usage error). */
static int parse_args(int argc, char **argv, near_args *a)
{
    bool only_positional = false;
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!only_positional && strcmp(s, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (!only_positional && (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)) {
            fputs("usage:\n", stdout);
            fputs(ol_cmd_near_online_usage, stdout);
            return OL_EXIT_OK;
        }
        if (!only_positional && strncmp(s, "--", 2) == 0) {
            char name[32];
            const char *eq = strchr(s, '=');
            size_t nlen = eq ? (size_t)(eq - s) : strlen(s);
            if (nlen >= sizeof name)
                return usage_error("unknown option '%.40s'", s);
            memcpy(name, s, nlen);
            name[nlen] = '\0';
            const char **slot = option_slot(a, name);
            if (slot == NULL)
                return usage_error("unknown option '%s'", name);
            if (*slot != NULL)
                return usage_error("option %s given twice", name);
            if (eq != NULL) {
                *slot = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return usage_error("option %s needs a value", name);
                *slot = argv[++i];
            }
            continue;
        }
        if (a->npos >= (int)(sizeof a->pos / sizeof a->pos[0]))
            return usage_error("too many arguments");
        a->pos[a->npos++] = s;
    }
    return -1;
}

/* Writes a JSON value on stdout, indented, with a final newline. */
static int print_json(const json_t *v)
{
    if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY) != 0) {
        ol_cmd_error("cannot write the result");
        return OL_EXIT_FAIL;
    }
    fputc('\n', stdout);
    return OL_EXIT_OK;
}

static bool valid_account(const char *what, const char *id)
{
    ol_diag d = {0};
    if (ol_near_account_id_validate(id, strlen(id), &d) == OL_OK)
        return true;
    ol_cmd_error("%s: %s", what, d.msg);
    return false;
}

/* Parses --block into `ref` (default: final). */
static bool parse_block(const near_args *a, ol_near_rpc_block_ref *ref)
{
    ol_diag d = {0};
    memset(ref, 0, sizeof *ref);
    if (a->block == NULL)
        return true;
    if (ol_near_rpc_block_ref_parse(a->block, ref, &d) != OL_OK) {
        ol_cmd_error("--block: %s", d.msg);
        return false;
    }
    return true;
}

static bool parse_wait(const near_args *a, ol_near_rpc_wait *w)
{
    *w = OL_NEAR_RPC_WAIT_EXECUTED_OPTIMISTIC;
    if (a->wait == NULL)
        return true;
    if (ol_near_rpc_wait_parse(a->wait, w))
        return true;
    ol_cmd_error("--wait: '%s' is not NONE, INCLUDED, EXECUTED_OPTIMISTIC, INCLUDED_FINAL, "
                 "EXECUTED or FINAL",
                 a->wait);
    return false;
}

/* "30000000000000", "30 Tgas", "30Tgas" (whole Tgas only). */
static bool parse_gas(const char *s, uint64_t *out)
{
    char digits[32];
    size_t n = strspn(s, "0123456789");
    const char *rest = s + n;
    while (*rest == ' ')
        rest++;
    if (n == 0 || n >= sizeof digits)
        return false;
    memcpy(digits, s, n);
    digits[n] = '\0';
    uint64_t v;
    if (*rest == '\0')
        return ol_cmd_parse_u64(digits, UINT64_MAX, out);
    if (strcasecmp(rest, "tgas") != 0 || !ol_cmd_parse_u64(digits, UINT64_MAX / 1000000000000u, &v))
        return false;
    *out = v * UINT64_C(1000000000000);
    return true;
}

/* JSON_ARGS: must be JSON; the bytes are sent as typed. */
static bool check_json_args(const char *s)
{
    json_error_t jerr;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &jerr);
    if (v == NULL) {
        ol_cmd_error("JSON_ARGS is not JSON: %s (column %d)", jerr.text, jerr.column);
        return false;
    }
    json_decref(v);
    return true;
}

static int rpc_failed(const ol_diag *d)
{
    ol_cmd_error("%s", d->msg);
    return OL_EXIT_FAIL;
}

/* view CONTRACT METHOD [JSON_ARGS] */
static int cmd_view(ol_near_rpc *c, const near_args *a)
{
    int status = OL_EXIT_FAIL;
    ol_diag d = {0};
    ol_near_rpc_block_ref ref;
    json_t *res = NULL, *out = NULL, *value = NULL;
    uint8_t *bytes = NULL;
    size_t nbytes = 0;
    if (a->npos < 3 || a->npos > 4)
        return usage_error("view takes CONTRACT METHOD [JSON_ARGS]");
    const char *args = a->npos == 4 ? a->pos[3] : "{}";
    if (!valid_account("CONTRACT", a->pos[1]) || !check_json_args(args) || !parse_block(a, &ref))
        return OL_EXIT_FAIL;
    if (ol_near_rpc_call_function(c, &ref, a->pos[1], a->pos[2], (const uint8_t *)args,
                                  strlen(args), &res, NULL, &d) != OL_OK)
        return rpc_failed(&d);
    if (ol_near_rpc_result_bytes(res, &bytes, &nbytes, &d) != OL_OK) {
        status = rpc_failed(&d);
        goto out;
    }
    out = json_object();
    if (out == NULL)
        goto nomem;
    value = nbytes > 0 ? json_loadb((const char *)bytes, nbytes, JSON_DECODE_ANY, NULL) : NULL;
    if (value != NULL) {
        if (json_object_set_new(out, "result", value) != 0)
            goto nomem;
    } else {
        size_t cap = ol_near_base64_encoded_max(nbytes);
        char *b64 = malloc(cap);
        if (b64 == NULL || ol_near_base64_encode(bytes, nbytes, b64, cap, NULL, NULL) != OL_OK) {
            free(b64);
            goto nomem;
        }
        int bad = json_object_set_new(out, "result", json_null()) ||
                  (nbytes > 0 && json_object_set_new(out, "result_base64", json_string(b64)));
        free(b64);
        if (bad)
            goto nomem;
    }
    const char *copy[] = {"logs", "block_height", "block_hash"};
    for (size_t i = 0; i < sizeof copy / sizeof copy[0]; i++) {
        json_t *v = json_object_get(res, copy[i]);
        if (v != NULL && json_object_set(out, copy[i], v) != 0)
            goto nomem;
    }
    status = print_json(out);
    goto out;
nomem:
    ol_cmd_error("out of memory");
    status = OL_EXIT_FAIL;
out:
    free(bytes);
    json_decref(out);
    json_decref(res);
    return status;
}

/* call CONTRACT METHOD [JSON_ARGS] --key-file F [--deposit A] [--gas G] [--wait W] */
static int cmd_call(ol_near_rpc *c, const near_args *a)
{
    int status = OL_EXIT_FAIL;
    ol_diag d = {0};
    ol_near_credentials cred;
    json_t *outcome = NULL;
    ol_near_u128 deposit = OL_NEAR_U128_C(0);
    uint64_t gas = DEFAULT_GAS;
    ol_near_rpc_wait wait;
    char hash[OL_NEAR_HASH_STR_MAX];

    memset(&cred, 0, sizeof cred);
    if (a->npos < 3 || a->npos > 4)
        return usage_error("call takes CONTRACT METHOD [JSON_ARGS]");
    if (a->key_file == NULL)
        return usage_error("call needs --key-file F (a near-cli credentials file: "
                           "{\"account_id\",\"public_key\",\"private_key\"})");
    const char *args = a->npos == 4 ? a->pos[3] : "{}";
    if (!valid_account("CONTRACT", a->pos[1]) || !check_json_args(args) || !parse_wait(a, &wait))
        return OL_EXIT_FAIL;
    if (a->deposit != NULL &&
        ol_near_amount_parse(a->deposit, strlen(a->deposit), &deposit, &d) != OL_OK) {
        ol_cmd_error("--deposit: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    if (a->gas != NULL && !parse_gas(a->gas, &gas)) {
        ol_cmd_error("--gas: '%s' is not a gas amount (e.g. 30000000000000 or \"30 Tgas\")",
                     a->gas);
        return OL_EXIT_FAIL;
    }
    if (ol_near_credentials_read(a->key_file, &cred, &d) != OL_OK) {
        ol_cmd_error("--key-file: %s", d.msg);
        goto out;
    }

    ol_near_action act;
    memset(&act, 0, sizeof act);
    act.kind = OL_NEAR_ACTION_FUNCTION_CALL;
    act.function_call.method_name = ol_near_str_c(a->pos[2]);
    act.function_call.args.p = (const uint8_t *)args;
    act.function_call.args.len = strlen(args);
    act.function_call.gas = gas;
    act.function_call.deposit = deposit;
    if (ol_near_rpc_sign_and_send(c, cred.account_id, &cred.secret_key, a->pos[1], &act, 1, wait,
                                  &outcome, hash, NULL, &d) != OL_OK) {
        status = rpc_failed(&d);
        goto out;
    }
    status = print_json(outcome);
    ol_near_rpc_error fe;
    if (status == OL_EXIT_OK && ol_near_rpc_outcome_failure(outcome, &fe)) {
        ol_cmd_error("transaction %s failed: %s: %s", hash, fe.cause, fe.message);
        status = OL_EXIT_FAIL;
    }
out:
    ol_near_credentials_wipe(&cred);
    json_decref(outcome);
    return status;
}

/* account ID / keys ID */
static int cmd_account_or_keys(ol_near_rpc *c, const near_args *a, bool keys)
{
    ol_diag d = {0};
    ol_near_rpc_block_ref ref;
    json_t *res = NULL;
    if (a->npos != 2)
        return usage_error("%s takes one account ID", keys ? "keys" : "account");
    if (!valid_account("ID", a->pos[1]) || !parse_block(a, &ref))
        return OL_EXIT_FAIL;
    ol_err rc = keys ? ol_near_rpc_view_access_key_list(c, &ref, a->pos[1], &res, NULL, &d)
                     : ol_near_rpc_view_account(c, &ref, a->pos[1], &res, NULL, &d);
    if (rc != OL_OK)
        return rpc_failed(&d);
    int status = print_json(res);
    json_decref(res);
    return status;
}

/* tx HASH SENDER */
static int cmd_tx(ol_near_rpc *c, const near_args *a)
{
    ol_diag d = {0};
    uint8_t h[OL_NEAR_HASH_LEN];
    ol_near_rpc_wait wait;
    json_t *res = NULL;
    if (a->npos != 3)
        return usage_error("tx takes HASH SENDER");
    if (ol_near_hash_parse(a->pos[1], h, &d) != OL_OK) {
        ol_cmd_error("HASH: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    if (!valid_account("SENDER", a->pos[2]) || !parse_wait(a, &wait))
        return OL_EXIT_FAIL;
    if (ol_near_rpc_tx(c, a->pos[1], a->pos[2], wait, &res, NULL, &d) != OL_OK)
        return rpc_failed(&d);
    int status = print_json(res);
    json_decref(res);
    return status;
}

/* block [HEIGHT|HASH|final|optimistic|near-final] */
static int cmd_block(ol_near_rpc *c, const near_args *a)
{
    ol_diag d = {0};
    ol_near_rpc_block_ref ref;
    json_t *res = NULL;
    memset(&ref, 0, sizeof ref);
    if (a->npos > 2)
        return usage_error("block takes at most one HEIGHT or HASH");
    if (a->block != NULL)
        return usage_error("block takes the block as an argument, not --block");
    if (a->npos == 2 && ol_near_rpc_block_ref_parse(a->pos[1], &ref, &d) != OL_OK) {
        ol_cmd_error("%s", d.msg);
        return OL_EXIT_FAIL;
    }
    if (ol_near_rpc_block(c, &ref, &res, NULL, &d) != OL_OK)
        return rpc_failed(&d);
    int status = print_json(res);
    json_decref(res);
    return status;
}

int ol_cmd_near_online(int argc, char **argv)
{
    near_args a;
    ol_diag d = {0};
    ol_near_rpc *c = NULL;
    int status = parse_args(argc, argv, &a);
    if (status >= 0)
        return status;
    if (a.npos == 0)
        return usage_error("near: which command? (view, call, account, keys, tx, block)");
    const char *cmd = a.pos[0];
    static const char *const known[] = {"view", "call", "account", "keys", "tx", "block"};
    bool found = false;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        found = found || strcmp(cmd, known[i]) == 0;
    if (!found)
        return usage_error("near: unknown command '%s'", cmd);
    if (a.rpc == NULL)
        return usage_error("near %s needs --rpc URL (e.g. https://rpc.testnet.near.org)", cmd);
    if (strcmp(cmd, "call") != 0) {
        const char *stray = a.key_file  ? "--key-file"
                            : a.deposit ? "--deposit"
                            : a.gas     ? "--gas"
                                        : NULL;
        if (stray != NULL)
            return usage_error("%s is only for call", stray);
        if (a.wait != NULL && strcmp(cmd, "tx") != 0)
            return usage_error("--wait is only for call and tx");
    } else if (a.block != NULL) {
        return usage_error("--block is not for call (transactions use the final block)");
    }
    if (ol_near_init(&d) != OL_OK || ol_near_rpc_new(a.rpc, NULL, &c, &d) != OL_OK) {
        ol_cmd_error("--rpc: %s", d.msg);
        return d.code == OL_E_INVAL ? OL_EXIT_USAGE : OL_EXIT_FAIL;
    }
    if (strcmp(cmd, "view") == 0)
        status = cmd_view(c, &a);
    else if (strcmp(cmd, "call") == 0)
        status = cmd_call(c, &a);
    else if (strcmp(cmd, "account") == 0)
        status = cmd_account_or_keys(c, &a, false);
    else if (strcmp(cmd, "keys") == 0)
        status = cmd_account_or_keys(c, &a, true);
    else if (strcmp(cmd, "tx") == 0)
        status = cmd_tx(c, &a);
    else
        status = cmd_block(c, &a);
    ol_near_rpc_free(c);
    return status;
}
