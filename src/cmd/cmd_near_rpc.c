/* `outlayer near` online commands: view, call, account, keys, tx, block, and the transaction
 * commands create-account, deploy, send, add-key, delete-key, against any NEAR
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
    "  outlayer near --rpc URL --key-file F create-account NEW_ID --master ID\n"
    "               --initial-balance AMOUNT [--public-key PK] [--wait LEVEL]\n"
    "      CreateAccount + Transfer + AddKey (full access) signed by ID (F's account). Without\n"
    "      --public-key a new key pair is written to NEW_ID.json next to F (mode 0600).\n"
    "  outlayer near --rpc URL --key-file F deploy ACCOUNT FILE.wasm [--wait LEVEL]\n"
    "  outlayer near --rpc URL --key-file F send FROM TO AMOUNT [--wait LEVEL]\n"
    "  outlayer near --rpc URL --key-file F add-key ACCOUNT PK [--allowance AMOUNT\n"
    "               --receiver ID [--method-names a,b]] [--wait LEVEL]\n"
    "      full access unless --receiver is given (then a function-call key)\n"
    "  outlayer near --rpc URL --key-file F delete-key ACCOUNT PK [--wait LEVEL]\n"
    "      These print the execution outcome; exit 1 if the transaction failed.\n"
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
    const char *master;
    const char *initial_balance;
    const char *public_key;
    const char *allowance;
    const char *receiver;
    const char *method_names;
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
    if (strcmp(name, "--master") == 0)
        return &a->master;
    if (strcmp(name, "--initial-balance") == 0)
        return &a->initial_balance;
    if (strcmp(name, "--public-key") == 0)
        return &a->public_key;
    if (strcmp(name, "--allowance") == 0)
        return &a->allowance;
    if (strcmp(name, "--receiver") == 0)
        return &a->receiver;
    if (strcmp(name, "--method-names") == 0)
        return &a->method_names;
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

/* ---- transaction commands: create-account, deploy, send, add-key, delete-key ---- */

static bool is_tx_cmd(const char *cmd)
{
    return strcmp(cmd, "create-account") == 0 || strcmp(cmd, "deploy") == 0 ||
           strcmp(cmd, "send") == 0 || strcmp(cmd, "add-key") == 0 ||
           strcmp(cmd, "delete-key") == 0;
}

/* Signs actions with the key file's account, sends, prints the outcome. */
static int send_actions(ol_near_rpc *c, const near_args *a, const ol_near_credentials *cred,
                        const char *receiver, const ol_near_action *acts, size_t n)
{
    ol_diag d = {0};
    json_t *outcome = NULL;
    ol_near_rpc_wait wait;
    char hash[OL_NEAR_HASH_STR_MAX];
    if (!parse_wait(a, &wait))
        return OL_EXIT_FAIL;
    if (ol_near_rpc_sign_and_send(c, cred->account_id, &cred->secret_key, receiver, acts, n, wait,
                                  &outcome, hash, NULL, &d) != OL_OK)
        return rpc_failed(&d);
    int status = print_json(outcome);
    ol_near_rpc_error fe;
    if (status == OL_EXIT_OK && ol_near_rpc_outcome_failure(outcome, &fe)) {
        ol_cmd_error("transaction %s failed: %s: %s", hash, fe.cause, fe.message);
        status = OL_EXIT_FAIL;
    }
    json_decref(outcome);
    return status;
}

static bool parse_amount(const char *what, const char *s, ol_near_u128 *out)
{
    ol_diag d = {0};
    if (ol_near_amount_parse(s, strlen(s), out, &d) == OL_OK)
        return true;
    ol_cmd_error("%s: %s", what, d.msg);
    return false;
}

static bool parse_pk(const char *what, const char *s, ol_near_public_key *pk)
{
    ol_diag d = {0};
    if (ol_near_public_key_parse(s, pk, &d) == OL_OK)
        return true;
    ol_cmd_error("%s: %s", what, d.msg);
    return false;
}

static bool signer_is(const ol_near_credentials *cred, const char *what, const char *id)
{
    if (strcmp(cred->account_id, id) == 0)
        return true;
    ol_cmd_error("%s %s: --key-file holds the key of %s; the signer must be %s", what, id,
                 cred->account_id, id);
    return false;
}

static int cmd_create_account(ol_near_rpc *c, const near_args *a, const ol_near_credentials *cred)
{
    ol_near_action acts[3];
    ol_near_u128 amount;
    ol_near_credentials nc;
    char path[4096];
    int status = OL_EXIT_FAIL;
    memset(acts, 0, sizeof acts);
    memset(&nc, 0, sizeof nc);
    if (a->npos != 2)
        return usage_error("create-account takes NEW_ID");
    if (a->master == NULL || a->initial_balance == NULL)
        return usage_error("create-account needs --master ID and --initial-balance AMOUNT");
    if (!valid_account("NEW_ID", a->pos[1]) || !valid_account("--master", a->master) ||
        !signer_is(cred, "--master", a->master) ||
        !parse_amount("--initial-balance", a->initial_balance, &amount))
        return OL_EXIT_FAIL;
    if (a->public_key != NULL) {
        if (!parse_pk("--public-key", a->public_key, &nc.public_key))
            return OL_EXIT_FAIL;
    } else {
        ol_diag d = {0};
        const char *slash = strrchr(a->key_file, '/');
        int dirlen = slash ? (int)(slash - a->key_file) : 1;
        snprintf(path, sizeof path, "%.*s/%s.json", dirlen, slash ? a->key_file : ".", a->pos[1]);
        snprintf(nc.account_id, sizeof nc.account_id, "%s", a->pos[1]);
        if (ol_near_secret_key_generate(&nc.secret_key, &d) != OL_OK) {
            ol_cmd_error("%s", d.msg);
            goto out;
        }
        ol_near_secret_key_public(&nc.secret_key, &nc.public_key);
        if (ol_near_credentials_write(path, &nc, false, &d) != OL_OK) {
            ol_cmd_error("%s: %s", path, d.msg);
            goto out;
        }
        fprintf(stderr, "outlayer: the key of %s is in %s\n", a->pos[1], path);
    }
    acts[0].kind = OL_NEAR_ACTION_CREATE_ACCOUNT;
    acts[1].kind = OL_NEAR_ACTION_TRANSFER;
    acts[1].transfer.deposit = amount;
    acts[2].kind = OL_NEAR_ACTION_ADD_KEY;
    acts[2].add_key.public_key = nc.public_key;
    acts[2].add_key.access_key.full_access = true;
    status = send_actions(c, a, cred, a->pos[1], acts, 3);
out:
    ol_near_credentials_wipe(&nc);
    return status;
}

static int cmd_deploy(ol_near_rpc *c, const near_args *a, const ol_near_credentials *cred)
{
    uint8_t *code = NULL;
    size_t len = 0;
    if (a->npos != 3)
        return usage_error("deploy takes ACCOUNT FILE.wasm");
    if (!valid_account("ACCOUNT", a->pos[1]) || !ol_cmd_read_file(a->pos[2], &code, &len))
        return OL_EXIT_FAIL;
    ol_near_action act;
    memset(&act, 0, sizeof act);
    act.kind = OL_NEAR_ACTION_DEPLOY_CONTRACT;
    act.deploy_contract.code.p = code;
    act.deploy_contract.code.len = len;
    int status = send_actions(c, a, cred, a->pos[1], &act, 1);
    free(code);
    return status;
}

static int cmd_send(ol_near_rpc *c, const near_args *a, const ol_near_credentials *cred)
{
    ol_near_action act;
    memset(&act, 0, sizeof act);
    if (a->npos != 4)
        return usage_error("send takes FROM TO AMOUNT");
    if (!valid_account("FROM", a->pos[1]) || !valid_account("TO", a->pos[2]) ||
        !signer_is(cred, "FROM", a->pos[1]) ||
        !parse_amount("AMOUNT", a->pos[3], &act.transfer.deposit))
        return OL_EXIT_FAIL;
    act.kind = OL_NEAR_ACTION_TRANSFER;
    return send_actions(c, a, cred, a->pos[2], &act, 1);
}

static int cmd_add_key(ol_near_rpc *c, const near_args *a, const ol_near_credentials *cred)
{
    ol_near_action act;
    ol_near_str names[64];
    char buf[2048];
    memset(&act, 0, sizeof act);
    if (a->npos != 3)
        return usage_error("add-key takes ACCOUNT PK");
    if (!valid_account("ACCOUNT", a->pos[1]) || !parse_pk("PK", a->pos[2], &act.add_key.public_key))
        return OL_EXIT_FAIL;
    act.kind = OL_NEAR_ACTION_ADD_KEY;
    ol_near_access_key *ak = &act.add_key.access_key;
    if (a->receiver == NULL) {
        if (a->allowance != NULL || a->method_names != NULL)
            return usage_error("--allowance and --method-names need --receiver");
        ak->full_access = true;
    } else {
        if (!valid_account("--receiver", a->receiver))
            return OL_EXIT_FAIL;
        ak->receiver_id = ol_near_str_c(a->receiver);
        if (a->allowance != NULL) {
            if (!parse_amount("--allowance", a->allowance, &ak->allowance))
                return OL_EXIT_FAIL;
            ak->has_allowance = true;
        }
        if (a->method_names != NULL && a->method_names[0] != '\0') {
            if (strlen(a->method_names) >= sizeof buf)
                return usage_error("--method-names is too long");
            snprintf(buf, sizeof buf, "%s", a->method_names);
            size_t n = 0;
            for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL;
                 t = strtok_r(NULL, ",", &save)) {
                if (n == sizeof names / sizeof names[0])
                    return usage_error("--method-names: at most 64 names");
                names[n++] = ol_near_str_c(t);
            }
            ak->method_names = names;
            ak->n_method_names = n;
        }
    }
    return send_actions(c, a, cred, a->pos[1], &act, 1);
}

static int cmd_delete_key(ol_near_rpc *c, const near_args *a, const ol_near_credentials *cred)
{
    ol_near_action act;
    memset(&act, 0, sizeof act);
    if (a->npos != 3)
        return usage_error("delete-key takes ACCOUNT PK");
    if (!valid_account("ACCOUNT", a->pos[1]) ||
        !parse_pk("PK", a->pos[2], &act.delete_key.public_key))
        return OL_EXIT_FAIL;
    act.kind = OL_NEAR_ACTION_DELETE_KEY;
    return send_actions(c, a, cred, a->pos[1], &act, 1);
}

static int cmd_tx_command(ol_near_rpc *c, const near_args *a)
{
    ol_diag d = {0};
    ol_near_credentials cred;
    memset(&cred, 0, sizeof cred);
    if (a->key_file == NULL)
        return usage_error("%s needs --key-file F (a near-cli credentials file)", a->pos[0]);
    if (ol_near_credentials_read(a->key_file, &cred, &d) != OL_OK) {
        ol_cmd_error("--key-file: %s", d.msg);
        return OL_EXIT_FAIL;
    }
    int status;
    const char *cmd = a->pos[0];
    if (strcmp(cmd, "create-account") == 0)
        status = cmd_create_account(c, a, &cred);
    else if (strcmp(cmd, "deploy") == 0)
        status = cmd_deploy(c, a, &cred);
    else if (strcmp(cmd, "send") == 0)
        status = cmd_send(c, a, &cred);
    else if (strcmp(cmd, "add-key") == 0)
        status = cmd_add_key(c, a, &cred);
    else
        status = cmd_delete_key(c, a, &cred);
    ol_near_credentials_wipe(&cred);
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
        return usage_error("near: which command? (view, call, account, keys, tx, block, "
                           "create-account, deploy, send, add-key, delete-key)");
    const char *cmd = a.pos[0];
    static const char *const known[] = {"view",    "call",       "account",       "keys",
                                        "tx",      "block",      "deploy",        "send",
                                        "add-key", "delete-key", "create-account"};
    bool found = false;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        found = found || strcmp(cmd, known[i]) == 0;
    if (!found)
        return usage_error("near: unknown command '%s'", cmd);
    if (a.rpc == NULL)
        return usage_error("near %s needs --rpc URL (e.g. https://rpc.testnet.near.org)", cmd);
    const char *own = a.master            ? "--master"
                      : a.initial_balance ? "--initial-balance"
                      : a.public_key      ? "--public-key"
                                          : NULL;
    if (own != NULL && strcmp(cmd, "create-account") != 0)
        return usage_error("%s is only for create-account", own);
    own = a.allowance      ? "--allowance"
          : a.receiver     ? "--receiver"
          : a.method_names ? "--method-names"
                           : NULL;
    if (own != NULL && strcmp(cmd, "add-key") != 0)
        return usage_error("%s is only for add-key", own);
    if (is_tx_cmd(cmd)) {
        if (a.block != NULL || a.deposit != NULL || a.gas != NULL)
            return usage_error("%s takes no --block, --deposit or --gas", cmd);
    } else if (strcmp(cmd, "call") != 0) {
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
    else if (is_tx_cmd(cmd))
        status = cmd_tx_command(c, &a);
    else
        status = cmd_block(c, &a);
    ol_near_rpc_free(c);
    return status;
}
