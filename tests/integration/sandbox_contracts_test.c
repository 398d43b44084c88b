/* The SDK's test contracts against the real RPC of a running `outlayer sandbox`.
 *
 * usage: sandbox_contracts_test OUTLAYER CONTRACTS_DIR [SCENARIO...]
 *
 * Starts `outlayer sandbox` on 127.0.0.1 with an ephemeral port and a fresh data directory,
 * creates accounts, deploys and calls through the `outlayer near` command line exactly as a user
 * would (create-account, deploy, call, view), and sends what the command line cannot express
 * (function-call keys, delegate actions, transactions left pending on a yield) through the
 * JSON-RPC client library. After every scenario the balances of the accounts involved are checked
 * to the yocto: each signer pays exactly the tokens burnt by its transaction's outcomes plus the
 * deposits that stayed with their receivers; receivers gain exactly those deposits; refunds
 * (unused gas, deposits of failed receipts) come back exactly; storage usage moves by exactly
 * key + value + 40 bytes per record.
 *
 * Each scenario prints "ok: ..." or "FAIL: ..." lines; the exit status is 1 if any check failed.
 * Scenarios: counter promise yield yield_timeout storage panic view fc_keys delegate selftest
 * (default: all). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ol/near.h"
#include "ol/near_rpc.h"

#define GAS_PRICE   UINT64_C(100000000) /* yocto per gas: the sandbox's fixed price */
#define TGAS        UINT64_C(1000000000000)
#define NEAR_YOCTO  "000000000000000000000000"
#define BLOCK_MS    100 /* the sandbox's block time for most scenarios */
#define FAST_MS     10  /* for the 200-block yield timeout */
#define YIELD_WAIT  200 /* yield_timeout_length_in_blocks */
#define MAX_ACCOUNT 32

static const char *outlayer_bin;
static const char *contracts_dir;
static char work_dir[256];
static char sandbox_dir[300];
static char rpc_url[128];
static pid_t sandbox_pid = -1;
static ol_near_rpc *rpc;
static int passed, failed;
static int sandbox_runs;

/* ---------------------------------------------------------------- checks */

static void report(bool ok, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void report(bool ok, const char *fmt, va_list ap)
{
    fputs(ok ? "ok: " : "FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
}

static bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(ok, fmt, ap);
    va_end(ap);
    return ok;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("  ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
}

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void stop_sandbox(void);

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("FATAL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    stop_sandbox();
    exit(1);
}

/* A compact dump of v for messages (static buffer, truncated). */
static const char *dump(const json_t *v)
{
    static char buf[2048];
    if (v == NULL)
        return "(null)";
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(buf, sizeof buf, "%s", s != NULL ? s : "?");
    free(s);
    return buf;
}

/* ---------------------------------------------------------------- u128 */

static ol_near_u128 u128_of(const char *s)
{
    ol_near_u128 v = OL_NEAR_U128_C(0);
    if (s == NULL || ol_near_u128_parse(s, strlen(s), &v, NULL) != OL_OK)
        die("not a u128: %s", s != NULL ? s : "(null)");
    return v;
}

static ol_near_u128 u128_add(ol_near_u128 a, ol_near_u128 b)
{
    ol_near_u128 r;
    if (ol_near_u128_add(a, b, &r, NULL) != OL_OK)
        die("u128 overflow");
    return r;
}

static ol_near_u128 u128_sub(ol_near_u128 a, ol_near_u128 b)
{
    ol_near_u128 r;
    if (ol_near_u128_sub(a, b, &r, NULL) != OL_OK)
        die("u128 underflow");
    return r;
}

static ol_near_u128 u128_mul(ol_near_u128 a, uint64_t b)
{
    ol_near_u128 r;
    if (ol_near_u128_mul(a, OL_NEAR_U128_C(b), &r, NULL) != OL_OK)
        die("u128 overflow");
    return r;
}

static bool u128_eq(ol_near_u128 a, ol_near_u128 b)
{
    return ol_near_u128_cmp(a, b) == 0;
}

/* Rotating static buffers so that several numbers fit in one message. */
static const char *u128_str(ol_near_u128 v)
{
    static char bufs[8][OL_NEAR_U128_STR_MAX];
    static int next;
    char *b = bufs[next++ % 8];
    ol_near_u128_format(v, b);
    return b;
}

/* A signed difference after - before, as text. */
static const char *delta_str(ol_near_u128 before, ol_near_u128 after)
{
    static char bufs[4][OL_NEAR_U128_STR_MAX + 1];
    static int next;
    char *b = bufs[next++ % 4];
    if (ol_near_u128_cmp(after, before) >= 0)
        snprintf(b, OL_NEAR_U128_STR_MAX + 1, "+%s", u128_str(u128_sub(after, before)));
    else
        snprintf(b, OL_NEAR_U128_STR_MAX + 1, "-%s", u128_str(u128_sub(before, after)));
    return b;
}

/* ---------------------------------------------------------------- the sandbox */

static void stop_sandbox(void)
{
    if (sandbox_pid > 0) {
        kill(sandbox_pid, SIGTERM);
        int st;
        for (int i = 0; i < 100; i++) {
            if (waitpid(sandbox_pid, &st, WNOHANG) == sandbox_pid) {
                sandbox_pid = -1;
                break;
            }
            usleep(50000);
        }
        if (sandbox_pid > 0) {
            kill(sandbox_pid, SIGKILL);
            waitpid(sandbox_pid, &st, 0);
            sandbox_pid = -1;
        }
    }
    ol_near_rpc_free(rpc);
    rpc = NULL;
}

/* The first http://127.0.0.1:PORT URL in the sandbox's output, if printed yet. */
static bool find_url(const char *log_path)
{
    FILE *f = fopen(log_path, "r");
    if (f == NULL)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        char *p = strstr(line, "http://127.0.0.1:");
        if (p == NULL)
            continue;
        size_t n = strspn(p + 17, "0123456789");
        if (n == 0 || n > 5)
            continue;
        snprintf(rpc_url, sizeof rpc_url, "%.*s", (int)(17 + n), p);
        found = true;
    }
    fclose(f);
    return found;
}

/* Starts `outlayer sandbox` with a fresh data directory and the given block time; waits for
 * its URL and its first block. */
static void start_sandbox(int block_ms)
{
    char log_path[400], ms[16];
    snprintf(sandbox_dir, sizeof sandbox_dir, "%s/chain%d", work_dir, ++sandbox_runs);
    snprintf(log_path, sizeof log_path, "%s.log", sandbox_dir);
    snprintf(ms, sizeof ms, "%d", block_ms);
    rpc_url[0] = '\0';
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        FILE *lf = freopen(log_path, "w", stdout);
        if (lf == NULL || dup2(fileno(stdout), 2) < 0)
            _exit(127);
        execl(outlayer_bin, outlayer_bin, "sandbox", "--data-dir", sandbox_dir, "--port", "0",
              "--block-time-ms", ms, (char *)NULL);
        _exit(127);
    }
    sandbox_pid = pid;
    for (int i = 0; i < 200 && !find_url(log_path); i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            sandbox_pid = -1;
            die("outlayer sandbox exited (status %d) before printing its URL; see %s", st,
                log_path);
        }
        usleep(50000);
    }
    if (rpc_url[0] == '\0')
        die("outlayer sandbox printed no http://127.0.0.1:PORT URL in 10 s; see %s", log_path);
    ol_diag d = {0};
    if (ol_near_rpc_new(rpc_url, NULL, &rpc, &d) != OL_OK)
        die("rpc client: %s", d.msg);
    for (int i = 0; i < 200; i++) {
        uint64_t h;
        uint8_t hash[OL_NEAR_HASH_LEN];
        if (ol_near_rpc_final_block(rpc, &h, hash, NULL, NULL) == OL_OK && h > 0)
            return;
        usleep(50000);
    }
    die("the sandbox at %s produced no block in 10 s", rpc_url);
}

static uint64_t head_height(void)
{
    uint64_t h;
    uint8_t hash[OL_NEAR_HASH_LEN];
    ol_diag d = {0};
    if (ol_near_rpc_final_block(rpc, &h, hash, NULL, &d) != OL_OK)
        die("block: %s", d.msg);
    return h;
}

/* ---------------------------------------------------------------- the CLI */

typedef struct cli_result {
    int status;     /* exit status (-1 if it did not exit) */
    json_t *out;    /* stdout parsed as JSON, or NULL */
    char err[4096]; /* stderr */
} cli_result;

static void cli_free(cli_result *r)
{
    json_decref(r->out);
    r->out = NULL;
}

/* Runs `outlayer near --rpc URL [--key-file F] ARGS...` (NULL-terminated). */
static cli_result cli(const char *key_file, ...)
{
    const char *argv[40];
    int n = 0;
    argv[n++] = outlayer_bin;
    argv[n++] = "near";
    argv[n++] = "--rpc";
    argv[n++] = rpc_url;
    if (key_file != NULL) {
        argv[n++] = "--key-file";
        argv[n++] = key_file;
    }
    va_list ap;
    va_start(ap, key_file);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 38)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;

    char out_path[400], err_path[400];
    snprintf(out_path, sizeof out_path, "%s/cli.out", work_dir);
    snprintf(err_path, sizeof err_path, "%s/cli.err", work_dir);
    cli_result r;
    memset(&r, 0, sizeof r);
    r.status = -1;
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        if (freopen(out_path, "w", stdout) == NULL || freopen(err_path, "w", stderr) == NULL)
            _exit(127);
        char *copy[40]; /* execv's argv is not const */
        for (int i = 0; i <= n; i++)
            copy[i] = argv[i] != NULL ? strdup(argv[i]) : NULL;
        execv(outlayer_bin, copy);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
        r.status = WEXITSTATUS(st);
    r.out = json_load_file(out_path, JSON_DECODE_ANY, NULL);
    FILE *f = fopen(err_path, "r");
    if (f != NULL) {
        size_t k = fread(r.err, 1, sizeof r.err - 1, f);
        r.err[k] = '\0';
        fclose(f);
    }
    return r;
}

/* ---------------------------------------------------------------- accounts */

typedef struct account {
    char id[OL_NEAR_ACCOUNT_ID_MAX];
    char key_file[400];
    ol_near_secret_key sk;
    char pk[OL_NEAR_KEY_STR_MAX];
} account;

static account accounts[MAX_ACCOUNT];
static int n_accounts;
static account root;

static void load_root(void)
{
    ol_near_credentials c;
    ol_diag d = {0};
    snprintf(root.key_file, sizeof root.key_file, "%s/test.near.json", sandbox_dir);
    if (ol_near_credentials_read(root.key_file, &c, &d) != OL_OK)
        die("%s: %s", root.key_file, d.msg);
    snprintf(root.id, sizeof root.id, "%s", c.account_id);
    root.sk = c.secret_key;
    ol_near_public_key_format(&c.public_key, root.pk);
}

/* A fresh ed25519 key, its credentials file for account `id`. */
static void new_key(account *a, const char *id)
{
    ol_diag d = {0};
    ol_near_credentials c;
    memset(&c, 0, sizeof c);
    snprintf(a->id, sizeof a->id, "%s", id);
    if (ol_near_secret_key_generate(&a->sk, &d) != OL_OK)
        die("keygen: %s", d.msg);
    snprintf(c.account_id, sizeof c.account_id, "%s", id);
    c.secret_key = a->sk;
    ol_near_secret_key_public(&a->sk, &c.public_key);
    ol_near_public_key_format(&c.public_key, a->pk);
    static int n_keys; /* several keys of one account get several files */
    snprintf(a->key_file, sizeof a->key_file, "%s/%s.%d.json", work_dir, id, ++n_keys);
    if (ol_near_credentials_write(a->key_file, &c, true, &d) != OL_OK)
        die("%s: %s", a->key_file, d.msg);
}

/* `outlayer near create-account NAME.test.near --master test.near --initial-balance N`. */
static account *create_account(const char *name, const char *near_amount)
{
    if (n_accounts == MAX_ACCOUNT)
        die("too many accounts");
    account *a = &accounts[n_accounts++];
    char id[2 * OL_NEAR_ACCOUNT_ID_MAX];
    if ((size_t)snprintf(id, sizeof id, "%s.%s", name, root.id) >= OL_NEAR_ACCOUNT_ID_MAX)
        die("account id %s.%s too long", name, root.id);
    new_key(a, id);
    cli_result r = cli(root.key_file, "create-account", id, "--master", root.id,
                       "--initial-balance", near_amount, "--public-key", a->pk, (char *)NULL);
    if (r.status != 0)
        die("create-account %s: status %d: %s %s", id, r.status, r.err, dump(r.out));
    cli_free(&r);
    return a;
}

static json_t *view_account(const char *id)
{
    json_t *res = NULL;
    ol_diag d = {0};
    if (ol_near_rpc_view_account(rpc, NULL, id, &res, NULL, &d) != OL_OK)
        die("view_account %s: %s", id, d.msg);
    return res;
}

static ol_near_u128 balance(const char *id)
{
    json_t *v = view_account(id);
    ol_near_u128 b = u128_of(json_string_value(json_object_get(v, "amount")));
    json_decref(v);
    return b;
}

static uint64_t storage_usage(const char *id)
{
    json_t *v = view_account(id);
    uint64_t u = (uint64_t)json_integer_value(json_object_get(v, "storage_usage"));
    json_decref(v);
    return u;
}

static void deploy(const account *a, const char *contract)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s.wasm", contracts_dir, contract);
    cli_result r = cli(a->key_file, "deploy", a->id, path, (char *)NULL);
    if (r.status != 0)
        die("deploy %s to %s: status %d: %s %s", contract, a->id, r.status, r.err, dump(r.out));
    cli_free(&r);
}

/* ---------------------------------------------------------------- outcomes */

/* Σ tokens_burnt over the transaction outcome and every receipt outcome. */
static ol_near_u128 tokens_burnt(const json_t *fo)
{
    ol_near_u128 sum = u128_of(json_string_value(json_object_get(
        json_object_get(json_object_get(fo, "transaction_outcome"), "outcome"), "tokens_burnt")));
    size_t i;
    json_t *ro;
    json_array_foreach(json_object_get(fo, "receipts_outcome"), i, ro)
    {
        sum = u128_add(sum, u128_of(json_string_value(
                                json_object_get(json_object_get(ro, "outcome"), "tokens_burnt"))));
    }
    return sum;
}

/* Whether any receipt outcome logged a line containing text. */
static bool logged(const json_t *fo, const char *text)
{
    size_t i, j;
    json_t *ro, *line;
    json_array_foreach(json_object_get(fo, "receipts_outcome"), i, ro)
    {
        json_array_foreach(json_object_get(json_object_get(ro, "outcome"), "logs"), j, line)
        {
            if (json_is_string(line) && strstr(json_string_value(line), text) != NULL)
                return true;
        }
    }
    return false;
}

/* The decoded SuccessValue of the outcome's status (NUL-terminated, caller frees), or NULL. */
static char *success_value(const json_t *fo)
{
    const char *b64 =
        json_string_value(json_object_get(json_object_get(fo, "status"), "SuccessValue"));
    if (b64 == NULL)
        return NULL;
    size_t cap = ol_near_base64_decoded_max(strlen(b64)) + 1, n = 0;
    char *out = malloc(cap);
    if (out == NULL ||
        ol_near_base64_decode(b64, strlen(b64), (uint8_t *)out, cap, &n, NULL) != OL_OK) {
        free(out);
        return NULL;
    }
    out[n] = '\0';
    return out;
}

/* The decoded SuccessValue of the first receipt executed by `executor` (caller frees), or NULL.
 * A relayed delegate's transaction ends with the Delegate receipt's empty value, as in
 * nearcore; the inner call's value is in the receipt it created. */
static char *receipt_value(const json_t *fo, const char *executor)
{
    size_t i;
    json_t *ro;
    json_array_foreach(json_object_get(fo, "receipts_outcome"), i, ro)
    {
        json_t *o = json_object_get(ro, "outcome");
        if (strcmp(json_string_value(json_object_get(o, "executor_id")), executor) == 0) {
            json_t *wrap = json_pack("{sO}", "status", json_object_get(o, "status"));
            char *v = success_value(wrap);
            json_decref(wrap);
            return v;
        }
    }
    return NULL;
}

static bool success_is(const json_t *fo, const char *expect)
{
    char *v = success_value(fo);
    bool ok = v != NULL && strcmp(v, expect) == 0;
    if (!ok)
        note("status: %s (expected SuccessValue %s)", dump(json_object_get(fo, "status")), expect);
    free(v);
    return ok;
}

/* The compact JSON of status.Failure, or "" when the transaction did not fail. */
static const char *failure(const json_t *fo)
{
    static char buf[2048];
    json_t *f = json_object_get(json_object_get(fo, "status"), "Failure");
    if (f == NULL)
        return "";
    snprintf(buf, sizeof buf, "%s", dump(f));
    return buf;
}

/* nearcore's exec fees of an action receipt (parameters.snap): burnt before the code runs. */
#define EXEC_RECEIPT_CREATION UINT64_C(108059500000)
#define EXEC_FUNCTION_CALL    UINT64_C(780000000000)
#define EXEC_FC_PER_BYTE      UINT64_C(2235934)

/* What `account` earned as contract rewards in the transaction of outcome fo: nearcore pays
 * the receiver `who` of every action receipt 30% of the gas its code burnt, i.e. of the receipt's
 * gas_burnt minus the receipt's exec fees (receipt creation, and per FunctionCall the base and
 * per-byte fee of method name + arguments), failed receipts included. The receipts' actions
 * come from EXPERIMENTAL_tx_status. */
static ol_near_u128 rewards(const json_t *fo, const char *who)
{
    json_t *tx = json_object_get(fo, "transaction");
    const char *hash = json_string_value(json_object_get(tx, "hash"));
    const char *signer = json_string_value(json_object_get(tx, "signer_id"));
    json_t *st = NULL;
    ol_diag d = {0};
    if (hash == NULL || signer == NULL ||
        ol_near_rpc_tx_status(rpc, hash, signer, OL_NEAR_RPC_WAIT_FINAL, &st, NULL, &d) != OL_OK)
        die("EXPERIMENTAL_tx_status %s: %s", hash != NULL ? hash : "?", d.msg);
    ol_near_u128 total = OL_NEAR_U128_C(0);
    size_t i, j, k;
    json_t *rc, *ro, *act;
    json_array_foreach(json_object_get(st, "receipts"), i, rc)
    {
        const char *rid = json_string_value(json_object_get(rc, "receipt_id"));
        json_t *ar = json_object_get(json_object_get(rc, "receipt"), "Action");
        if (ar == NULL || rid == NULL ||
            strcmp(json_string_value(json_object_get(rc, "receiver_id")), who) != 0)
            continue;
        uint64_t fees = EXEC_RECEIPT_CREATION;
        bool calls = false;
        json_array_foreach(json_object_get(ar, "actions"), j, act)
        {
            json_t *fc = json_object_get(act, "FunctionCall");
            if (fc == NULL)
                continue;
            calls = true;
            const char *args = json_string_value(json_object_get(fc, "args"));
            size_t args_len = 0;
            uint8_t scratch[8192];
            if (args != NULL && ol_near_base64_decode(args, strlen(args), scratch, sizeof scratch,
                                                      &args_len, NULL) != OL_OK)
                die("receipt %s: arguments not base64", rid);
            size_t name_len = strlen(json_string_value(json_object_get(fc, "method_name")));
            fees += EXEC_FUNCTION_CALL + EXEC_FC_PER_BYTE * (uint64_t)(name_len + args_len);
        }
        if (!calls)
            continue;
        json_array_foreach(json_object_get(fo, "receipts_outcome"), k, ro)
        {
            if (strcmp(json_string_value(json_object_get(ro, "id")), rid) != 0)
                continue;
            uint64_t burnt = (uint64_t)json_integer_value(
                json_object_get(json_object_get(ro, "outcome"), "gas_burnt"));
            uint64_t code_gas = burnt > fees ? burnt - fees : 0;
            uint64_t reward_gas = code_gas / 10 * 3 + code_gas % 10 * 3 / 10;
            total = u128_add(total, u128_mul(OL_NEAR_U128_C(reward_gas), GAS_PRICE));
        }
    }
    json_decref(st);
    return total;
}

/* ---------------------------------------------------------------- transactions */

static ol_near_rpc_error last_error;

/* Signs with `sk` as `signer` and sends actions (the JSON form of ol_near_actions_from_json),
 * waiting until `wait`. Returns the outcome, or NULL when the node rejected the transaction
 * (last_error says why). hash (may be NULL) gets the transaction hash. */
static json_t *send_actions(const char *signer, const ol_near_secret_key *sk, const char *receiver,
                            const char *actions_json, ol_near_rpc_wait wait,
                            char hash[OL_NEAR_HASH_STR_MAX])
{
    ol_near_arena *ar = NULL;
    ol_diag d = {0};
    const ol_near_action *acts;
    size_t n;
    json_t *out = NULL;
    char h[OL_NEAR_HASH_STR_MAX];
    if (ol_near_arena_new(NULL, &ar, &d) != OL_OK ||
        ol_near_actions_from_json(actions_json, strlen(actions_json), ar, &acts, &n, &d) != OL_OK)
        die("actions %s: %s", actions_json, d.msg);
    ol_near_rpc_error_clear(&last_error);
    if (ol_near_rpc_sign_and_send(rpc, signer, sk, receiver, acts, n, wait, &out, h, &last_error,
                                  &d) != OL_OK) {
        out = NULL;
        if (last_error.kind != OL_NEAR_RPC_ERR_SERVER)
            die("send_tx: %s", d.msg);
    }
    if (hash != NULL)
        snprintf(hash, OL_NEAR_HASH_STR_MAX, "%s", h);
    ol_near_arena_free(ar);
    return out;
}

/* One FunctionCall through `outlayer near call` (waiting for FINAL): the outcome, printed also
 * when the transaction failed. */
static json_t *call(const account *signer, const char *contract, const char *method,
                    const char *args, const char *deposit, const char *gas)
{
    cli_result r = cli(signer->key_file, "call", contract, method, args, "--deposit",
                       deposit != NULL ? deposit : "0", "--gas", gas != NULL ? gas : "30 Tgas",
                       "--wait", "FINAL", (char *)NULL);
    if (r.out == NULL)
        die("call %s.%s: status %d, no outcome: %s", contract, method, r.status, r.err);
    if ((r.status == 0) != (failure(r.out)[0] == '\0'))
        check(false, "call %s.%s: exit status %d does not match the outcome %s", contract, method,
              r.status, dump(json_object_get(r.out, "status")));
    return r.out;
}

/* `outlayer near view`: the result JSON (caller decrefs) or NULL with the error in err. */
static json_t *view(const char *contract, const char *method, const char *args, char *err,
                    size_t err_cap)
{
    cli_result r = cli(NULL, "view", contract, method, args, (char *)NULL);
    if (r.status != 0) {
        snprintf(err, err_cap, "%s", r.err);
        cli_free(&r);
        return NULL;
    }
    json_t *res = json_incref(json_object_get(r.out, "result"));
    cli_free(&r);
    return res;
}

/* The view result compactly, or "ERROR: ..." */
static const char *view_text(const char *contract, const char *method, const char *args)
{
    static char buf[4200];
    char err[4096];
    json_t *v = view(contract, method, args, err, sizeof err);
    if (v == NULL)
        snprintf(buf, sizeof buf, "ERROR: %s", err);
    else
        snprintf(buf, sizeof buf, "%s", dump(v));
    json_decref(v);
    return buf;
}

/* ---------------------------------------------------------------- balance books */

/* Balances of up to 8 accounts before a step; expect() then checks each one's change. */
typedef struct book {
    const char *ids[8];
    ol_near_u128 before[8];
    int n;
} book;

static void book_open(book *b, const char *const *ids)
{
    memset(b, 0, sizeof *b);
    for (; ids[b->n] != NULL; b->n++) {
        b->ids[b->n] = ids[b->n];
        b->before[b->n] = balance(ids[b->n]);
    }
}

/* Checks that account `id` changed by exactly +gain -loss since book_open. */
static void expect_change(const book *b, const char *what, const char *id, ol_near_u128 gain,
                          ol_near_u128 loss)
{
    for (int i = 0; i < b->n; i++) {
        if (strcmp(b->ids[i], id) != 0)
            continue;
        ol_near_u128 after = balance(id);
        ol_near_u128 expect = u128_sub(u128_add(b->before[i], gain), loss);
        check(u128_eq(after, expect), "%s: balance of %s changed by %s (expected %s)", what, id,
              delta_str(b->before[i], after), delta_str(b->before[i], expect));
        return;
    }
    die("account %s not in the book", id);
}

static const ol_near_u128 ZERO = {0, 0};

static ol_near_u128 near(uint64_t n)
{
    return u128_mul(u128_of("1" NEAR_YOCTO), n);
}

/* ---------------------------------------------------------------- scenarios */

static void scenario_counter(void)
{
    account *c = create_account("counter", "10 NEAR");
    account *u = create_account("cu", "10 NEAR");
    deploy(c, "counter");
    uint64_t usage0 = storage_usage(c->id);

    book b;
    book_open(&b, (const char *const[]){u->id, c->id, NULL});
    json_t *o = call(u, c->id, "increment", "{}", NULL, NULL);
    check(success_is(o, "1"), "counter: increment returns 1");
    check(logged(o, "count=1"), "counter: logs count=1");
    check(logged(o, "EVENT_JSON:{\"standard\":\"counter\",\"version\":\"1.0.0\",\"event\":"
                    "\"count_changed\",\"data\":[{\"count\":1,\"by\":\""),
          "counter: NEP-297 event logged");
    ol_near_u128 burnt = tokens_burnt(o);
    expect_change(&b, "counter increment", u->id, ZERO, burnt);
    expect_change(&b, "counter increment", c->id, rewards(o, c->id), ZERO);
    check(storage_usage(c->id) == usage0 + 5 + 8 + 40,
          "counter: storage usage grew by key 5 + value 8 + 40 (%llu -> %llu)",
          (unsigned long long)usage0, (unsigned long long)storage_usage(c->id));
    json_decref(o);

    o = call(u, c->id, "add", "{\"by\":\"41\"}", NULL, NULL);
    check(success_is(o, "42"), "counter: add by \"41\" returns 42");
    json_decref(o);
    check(strcmp(view_text(c->id, "get", "{}"), "42") == 0, "counter: view get = 42 (%s)",
          view_text(c->id, "get", "{}"));

    book_open(&b, (const char *const[]){u->id, c->id, NULL});
    o = call(u, c->id, "increment", "{}", "1", NULL);
    check(strstr(failure(o), "Smart contract panicked: method is not payable") != NULL,
          "counter: a deposit on a non-payable method fails (%s)", failure(o));
    /* The failed receipt's deposit comes back: the signer pays only the gas burnt. */
    expect_change(&b, "counter payable refusal", u->id, ZERO, tokens_burnt(o));
    expect_change(&b, "counter payable refusal", c->id, rewards(o, c->id), ZERO);
    json_decref(o);

    o = call(u, c->id, "reset", "{}", NULL, NULL);
    check(failure(o)[0] == '\0' && storage_usage(c->id) == usage0,
          "counter: reset gives the record's storage back (%llu)",
          (unsigned long long)storage_usage(c->id));
    json_decref(o);
    o = call(u, c->id, "no_such_method", "{}", NULL, NULL);
    check(strstr(failure(o), "MethodNotFound") != NULL, "counter: unknown method (%s)", failure(o));
    json_decref(o);
}

static void scenario_promise(void)
{
    account *a = create_account("caller", "10 NEAR");
    account *callee = create_account("callee", "10 NEAR");
    account *u = create_account("pu", "10 NEAR");
    deploy(a, "promise_chain");
    deploy(callee, "promise_chain");
    char args[256];

    book b;
    book_open(&b, (const char *const[]){u->id, a->id, callee->id, NULL});
    snprintf(args, sizeof args, "{\"target\":\"%s\",\"value\":21}", callee->id);
    json_t *o = call(u, a->id, "call_other", args, "1 NEAR", "100 Tgas");
    check(success_is(o, "42"), "promise: callback returns echo(21) = 42");
    check(logged(o, "echo 21") && logged(o, "echo ok: 42"), "promise: callee and callback logs");
    expect_change(&b, "promise success", u->id, ZERO, u128_add(tokens_burnt(o), near(1)));
    expect_change(&b, "promise success", a->id, rewards(o, a->id), ZERO);
    expect_change(&b, "promise success", callee->id, u128_add(near(1), rewards(o, callee->id)),
                  ZERO);
    json_decref(o);

    book_open(&b, (const char *const[]){u->id, a->id, callee->id, NULL});
    snprintf(args, sizeof args, "{\"target\":\"%s\",\"value\":13}", callee->id);
    o = call(u, a->id, "call_other", args, "1 NEAR", "100 Tgas");
    check(success_is(o, "\"failed\""), "promise: callback sees the Failed result");
    check(logged(o, "echo failed"), "promise: the callback logged the failure");
    /* The callee's receipt failed: its deposit is refunded to its predecessor, the caller
     * contract (predecessor "system"), not to the user. */
    expect_change(&b, "promise failure", u->id, ZERO, u128_add(tokens_burnt(o), near(1)));
    expect_change(&b, "promise failure", a->id, u128_add(near(1), rewards(o, a->id)), ZERO);
    expect_change(&b, "promise failure", callee->id, rewards(o, callee->id), ZERO);
    json_decref(o);

    snprintf(args, sizeof args, "{\"target\":\"%s\",\"a\":1,\"b\":13}", callee->id);
    book_open(&b, (const char *const[]){u->id, NULL});
    o = call(u, a->id, "call_both", args, NULL, "100 Tgas");
    check(success_is(o, "[2,null]"), "promise: promise_and callback sees [2, Failed]");
    expect_change(&b, "promise_and", u->id, ZERO, tokens_burnt(o));
    json_decref(o);
    check(strcmp(view_text(a->id, "stats", "{}"), "{\"last\":42,\"failures\":1}") == 0,
          "promise: caller state %s", view_text(a->id, "stats", "{}"));
}

/* The first receipt outcome's log line starting with prefix (copied into out). */
static bool find_log(const json_t *fo, const char *prefix, char *out, size_t cap)
{
    size_t i, j;
    json_t *ro, *line;
    json_array_foreach(json_object_get(fo, "receipts_outcome"), i, ro)
    {
        json_array_foreach(json_object_get(json_object_get(ro, "outcome"), "logs"), j, line)
        {
            const char *s = json_string_value(line);
            if (s != NULL && strncmp(s, prefix, strlen(prefix)) == 0) {
                snprintf(out, cap, "%s", s + strlen(prefix));
                return true;
            }
        }
    }
    return false;
}

/* Polls EXPERIMENTAL_tx_status (wait NONE) until the first receipt has executed; returns the
 * status result. Waiting for more would block until the yield resolves (near-protocol.md §1.7). */
static json_t *wait_first_receipt(const char *hash, const char *sender)
{
    for (int i = 0; i < 400; i++) {
        json_t *st = NULL;
        if (ol_near_rpc_tx_status(rpc, hash, sender, OL_NEAR_RPC_WAIT_NONE, &st, NULL, NULL) ==
            OL_OK) {
            json_t *r0 = json_array_get(json_object_get(st, "receipts_outcome"), 0);
            if (json_is_object(json_object_get(json_object_get(r0, "outcome"), "status")))
                return st;
            json_decref(st);
        }
        usleep(25000);
    }
    die("transaction %s: its first receipt did not execute", hash);
}

static json_t *tx_final(const char *hash, const char *sender)
{
    json_t *o = NULL;
    ol_diag d = {0};
    for (int i = 0; i < 60; i++) { /* the node answers TIMEOUT_ERROR after 10 s */
        if (ol_near_rpc_tx(rpc, hash, sender, OL_NEAR_RPC_WAIT_FINAL, &o, NULL, &d) == OL_OK)
            return o;
    }
    die("tx %s: %s", hash, d.msg);
}

static json_t *request_yield(const account *u, const account *y, const char *msg, char *hash,
                             char data_id[80])
{
    char actions[512];
    snprintf(actions, sizeof actions,
             "[{\"FunctionCall\":{\"method_name\":\"request\",\"args_json\":{\"msg\":\"%s\"},"
             "\"gas\":100000000000000,\"deposit\":\"0\"}}]",
             msg);
    json_t *sent = send_actions(u->id, &u->sk, y->id, actions, OL_NEAR_RPC_WAIT_NONE, hash);
    if (sent == NULL)
        die("request: rejected: %s", last_error.message);
    json_decref(sent);
    json_t *st = wait_first_receipt(hash, u->id);
    if (!find_log(st, "data_id=", data_id, 80))
        die("request: no data_id log in %s", dump(st));
    return st;
}

static void scenario_yield(void)
{
    account *y = create_account("yield", "10 NEAR");
    account *y2 = create_account("yield2", "10 NEAR");
    account *u = create_account("yu", "10 NEAR");
    deploy(y, "yield_echo");
    deploy(y2, "yield_echo");

    book b;
    book_open(&b, (const char *const[]){u->id, y->id, NULL});
    char hash[OL_NEAR_HASH_STR_MAX], data_id[80], args[1400];
    json_t *st = request_yield(u, y, "hello", hash, data_id);
    check(strlen(data_id) == 64, "yield: request logged a 32-byte data id %s", data_id);
    check(!json_is_object(json_object_get(st, "status")) ||
              json_object_get(json_object_get(st, "status"), "SuccessValue") == NULL,
          "yield: the requesting transaction is unfinished (%s)",
          dump(json_object_get(st, "status")));
    json_decref(st);
    check(strstr(view_text(y->id, "pending", "{}"), data_id) != NULL, "yield: pending in state");

    /* Another contract cannot resume it: the yield belongs to the account that created it. */
    snprintf(args, sizeof args, "{\"data_id\":\"%s\",\"payload\":\"intruder\"}", data_id);
    json_t *o = call(u, y2->id, "respond", args, NULL, "50 Tgas");
    check(success_is(o, "[false]"), "yield: resume from another account finds nothing");
    ol_near_u128 burnt_other = tokens_burnt(o);
    json_decref(o);

    /* A payload above 1024 bytes is refused. */
    char big[1100];
    memset(big, 'p', 1025);
    big[1025] = '\0';
    snprintf(args, sizeof args, "{\"data_id\":\"%s\",\"payload\":\"%s\"}", data_id, big);
    o = call(u, y->id, "respond", args, NULL, "50 Tgas");
    ol_near_u128 y_rewards = rewards(o, y->id);
    check(strstr(failure(o), "Yield resume payload is 1025 bytes which exceeds the 1024") != NULL,
          "yield: a 1025-byte payload fails with YieldPayloadLength (%s)", failure(o));
    ol_near_u128 burnt_big = tokens_burnt(o);
    json_decref(o);

    /* Two resumes in one call: both succeed while the yield is pending; the first wins. */
    snprintf(args, sizeof args, "{\"data_id\":\"%s\",\"payload\":\"pong\",\"again\":\"ping\"}",
             data_id);
    o = call(u, y->id, "respond", args, NULL, "50 Tgas");
    check(success_is(o, "[true,true]"), "yield: resume accepted twice while pending");
    ol_near_u128 burnt_resume = tokens_burnt(o);
    y_rewards = u128_add(y_rewards, rewards(o, y->id));
    json_decref(o);

    json_t *fo = tx_final(hash, u->id);
    check(success_is(fo, "\"echo:pong\""), "yield: the request returns the first payload");
    check(logged(fo, "resumed hello"), "yield: callback log in the request's outcome");
    check(logged(fo, "EVENT_JSON:{\"standard\":\"yield-echo\""), "yield: event logged");
    expect_change(
        &b, "yield round trip", u->id, ZERO,
        u128_add(u128_add(tokens_burnt(fo), burnt_other), u128_add(burnt_big, burnt_resume)));
    expect_change(&b, "yield round trip", y->id, u128_add(y_rewards, rewards(fo, y->id)), ZERO);
    json_decref(fo);
    check(strcmp(view_text(y->id, "pending", "{}"), "null") == 0, "yield: pending cleared");

    snprintf(args, sizeof args, "{\"data_id\":\"%s\",\"payload\":\"late\"}", data_id);
    o = call(u, y->id, "respond", args, NULL, "50 Tgas");
    check(success_is(o, "[false]"), "yield: resume after the callback ran finds nothing");
    json_decref(o);
}

static void scenario_yield_timeout(void)
{
    stop_sandbox();
    start_sandbox(FAST_MS);
    load_root();
    account *y = create_account("yieldt", "10 NEAR");
    account *u = create_account("ytu", "10 NEAR");
    deploy(y, "yield_echo");
    book b;
    book_open(&b, (const char *const[]){u->id, y->id, NULL});
    char hash[OL_NEAR_HASH_STR_MAX], data_id[80];
    json_t *st = request_yield(u, y, "nobody", hash, data_id);
    json_decref(st);
    uint64_t h0 = head_height();
    json_t *fo = tx_final(hash, u->id);
    uint64_t h1 = head_height();
    check(success_is(fo, "\"timeout\""), "yield timeout: the callback got Failed");
    check(logged(fo, "timeout for nobody"), "yield timeout: callback log");
    check(h1 >= h0 + YIELD_WAIT - 5,
          "yield timeout: resolved after about 200 blocks (%llu -> %llu)", (unsigned long long)h0,
          (unsigned long long)h1);
    expect_change(&b, "yield timeout", u->id, ZERO, tokens_burnt(fo));
    expect_change(&b, "yield timeout", y->id, rewards(fo, y->id), ZERO);
    json_decref(fo);
    char args[256];
    snprintf(args, sizeof args, "{\"data_id\":\"%s\",\"payload\":\"too late\"}", data_id);
    json_t *o = call(u, y->id, "respond", args, NULL, "50 Tgas");
    check(success_is(o, "[false]"), "yield timeout: resume after the timeout finds nothing");
    json_decref(o);
    stop_sandbox();
    start_sandbox(BLOCK_MS);
    load_root();
}

static void scenario_storage(void)
{
    /* 3 NEAR stakes 300 000 bytes: the contract (~12 KB) and a 100 KB record fit, 300 KB not. */
    account *s = create_account("stake", "3 NEAR");
    account *u = create_account("su", "10 NEAR");
    deploy(s, "storage_stake");
    uint64_t u0 = storage_usage(s->id);

    book b;
    book_open(&b, (const char *const[]){u->id, s->id, NULL});
    json_t *o = call(u, s->id, "put", "{\"key\":\"abc\",\"value\":\"0123456789\"}", NULL, NULL);
    char expect[32];
    snprintf(expect, sizeof expect, "%llu", (unsigned long long)(u0 + 3 + 10 + 40));
    check(success_is(o, expect), "storage: storage_usage() after a put is usage + 3 + 10 + 40");
    check(storage_usage(s->id) == u0 + 53, "storage: view_account storage_usage + 53");
    expect_change(&b, "storage put", u->id, ZERO, tokens_burnt(o));
    expect_change(&b, "storage put", s->id, rewards(o, s->id), ZERO);
    json_decref(o);

    o = call(u, s->id, "put", "{\"key\":\"abc\",\"value\":\"01234\"}", NULL, NULL);
    check(storage_usage(s->id) == u0 + 48, "storage: overwrite with a shorter value (-5)");
    json_decref(o);

    uint64_t before = storage_usage(s->id);
    ol_near_u128 bal = balance(s->id);
    uint64_t size = 300000;
    book_open(&b, (const char *const[]){u->id, s->id, NULL});
    o = call(u, s->id, "put_bytes", "{\"key\":\"big\",\"size\":300000}", NULL, "100 Tgas");
    const char *f = failure(o);
    check(strstr(f, "LackBalanceForState") != NULL && strstr(f, s->id) != NULL,
          "storage: a write beyond the staked balance fails with LackBalanceForState (%s)", f);
    ol_near_u128 need =
        u128_mul(OL_NEAR_U128_C(before + 3 + size + 40), UINT64_C(10000000000000000000));
    char amount[80];
    snprintf(amount, sizeof amount, "\"amount\":\"%s\"", u128_str(u128_sub(need, bal)));
    check(strstr(f, amount) != NULL,
          "storage: LackBalanceForState amount = required - balance (%s)", amount);
    check(logged(o, "stored bytes: 300000"), "storage: the failed receipt's log is kept");
    check(storage_usage(s->id) == before, "storage: usage rolled back (%llu)",
          (unsigned long long)storage_usage(s->id));
    check(strcmp(view_text(s->id, "get", "{\"key\":\"big\"}"), "null") == 0,
          "storage: the record was rolled back");
    expect_change(&b, "storage LackBalanceForState", u->id, ZERO, tokens_burnt(o));
    expect_change(&b, "storage LackBalanceForState", s->id, rewards(o, s->id), ZERO);
    json_decref(o);

    o = call(u, s->id, "put_bytes", "{\"key\":\"mid\",\"size\":100000}", NULL, "100 Tgas");
    check(failure(o)[0] == '\0' && storage_usage(s->id) == before + 3 + 100000 + 40,
          "storage: a 100 KB record within the stake (%s)", failure(o));
    json_decref(o);
    o = call(u, s->id, "remove", "{\"key\":\"mid\"}", NULL, NULL);
    check(success_is(o, "true") && storage_usage(s->id) == before, "storage: remove frees it");
    json_decref(o);

    /* Sending the staked balance away is refused too: a transfer that would leave 0.01 NEAR,
     * which stakes only 1 000 bytes, fails (InvalidTxError LackBalanceForState) and costs
     * nothing. */
    char send_all[256];
    ol_near_u128 keep = u128_of("10000000000000000000000");
    ol_near_u128 rest = u128_sub(balance(s->id), keep);
    snprintf(send_all, sizeof send_all, "[{\"Transfer\":{\"deposit\":\"%s\"}}]", u128_str(rest));
    book_open(&b, (const char *const[]){u->id, s->id, NULL});
    json_t *t = send_actions(s->id, &s->sk, u->id, send_all, OL_NEAR_RPC_WAIT_FINAL, NULL);
    check((t == NULL && strstr(last_error.message, "LackBalanceForState") != NULL) ||
              strstr(failure(t), "LackBalanceForState") != NULL,
          "storage: a transfer below the stake is refused (%s %s)", failure(t), last_error.message);
    if (t == NULL)
        expect_change(&b, "storage transfer refused", s->id, ZERO, ZERO);
    json_decref(t);
}

static void scenario_panic(void)
{
    account *p = create_account("panicker", "10 NEAR");
    account *u = create_account("pnu", "10 NEAR");
    deploy(p, "panicker");
    json_t *o = call(u, p->id, "set", "{\"value\":5}", NULL, NULL);
    json_decref(o);
    uint64_t usage = storage_usage(p->id);

    book b;
    book_open(&b, (const char *const[]){u->id, p->id, NULL});
    o = call(u, p->id, "write_then_panic", "{\"value\":9}", "2 NEAR", NULL);
    check(strstr(failure(o), "{\"FunctionCallError\":{\"ExecutionError\":\"Smart contract "
                             "panicked: boom\"}}") != NULL,
          "panic: ExecutionError \"Smart contract panicked: boom\" (%s)", failure(o));
    check(logged(o, "wrote 9 and now panic"), "panic: the log before the panic is kept");
    check(logged(o, "EVENT_JSON:{\"standard\":\"panicker\""), "panic: the event is kept");
    check(strcmp(view_text(p->id, "get", "{}"), "5") == 0, "panic: state rolled back (get = %s)",
          view_text(p->id, "get", "{}"));
    check(storage_usage(p->id) == usage, "panic: storage usage unchanged");
    /* The 2 NEAR deposit is refunded; the gas burnt is not. */
    expect_change(&b, "panic", u->id, ZERO, tokens_burnt(o));
    expect_change(&b, "panic", p->id, rewards(o, p->id), ZERO);
    json_decref(o);

    o = call(u, p->id, "trap", "{}", NULL, NULL);
    check(strstr(failure(o), "WebAssembly trap") != NULL && logged(o, "about to trap"),
          "panic: unreachable is a WebAssembly trap, its log kept (%s)", failure(o));
    json_decref(o);

    book_open(&b, (const char *const[]){u->id, NULL});
    o = call(u, p->id, "burn", "{\"rounds\":100000000000}", NULL, "5 Tgas");
    check(strstr(failure(o), "Exceeded the prepaid gas") != NULL, "panic: GasExceeded (%s)",
          failure(o));
    uint64_t gas_sum = 0;
    size_t i;
    json_t *ro;
    json_array_foreach(json_object_get(o, "receipts_outcome"), i, ro)
    {
        gas_sum += (uint64_t)json_integer_value(
            json_object_get(json_object_get(ro, "outcome"), "gas_burnt"));
    }
    check(gas_sum >= 5 * TGAS, "panic: the receipts burnt all 5 Tgas prepaid (%llu)",
          (unsigned long long)gas_sum);
    expect_change(&b, "GasExceeded", u->id, ZERO, tokens_burnt(o));
    json_decref(o);
}

static void scenario_view(void)
{
    account *v = create_account("views", "10 NEAR");
    deploy(v, "view_prohibited");
    const char *ok = view_text(v->id, "allowed", "{}");
    check(strstr(ok,
                 "\"sha256_abc\":"
                 "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"") != NULL &&
              strstr(ok, "\"deposit\":\"0\"") != NULL,
          "view: allowed host functions work in a view (%s)", ok);
    static const char *const prohibited[][2] = {
        {"try_storage_write", "storage_write"}, {"try_storage_remove", "storage_remove"},
        {"try_signer", "signer_account_id"},    {"try_predecessor", "predecessor_account_id"},
        {"try_prepaid_gas", "prepaid_gas"},     {"try_promise", "promise_batch_create"},
        {"try_yield", "promise_yield_create"},
    };
    for (size_t i = 0; i < sizeof prohibited / sizeof prohibited[0]; i++) {
        const char *r = view_text(v->id, prohibited[i][0], "{}");
        check(strstr(r, "ProhibitedInView") != NULL && strstr(r, prohibited[i][1]) != NULL,
              "view: %s refused with ProhibitedInView %s (%s)", prohibited[i][0], prohibited[i][1],
              r);
    }
    account *u = create_account("vu", "10 NEAR");
    json_t *o = call(u, v->id, "try_storage_write", "{}", NULL, NULL);
    check(success_is(o, "\"written\""), "view: the same write works in a transaction");
    json_decref(o);
    check(strstr(view_text(v->id, "allowed", "{}"), "\"stored\":true") != NULL,
          "view: and is visible to views");
}

static void scenario_fc_keys(void)
{
    account *c = create_account("fck", "10 NEAR");
    account *other = create_account("fcother", "10 NEAR");
    account *u = create_account("fcu", "10 NEAR");
    deploy(c, "fc_keys");
    deploy(other, "fc_keys");

    account k; /* a second key of u, limited to c.allowed_a/allowed_b and 1 NEAR of fees */
    new_key(&k, u->id);
    char actions[1024];
    snprintf(actions, sizeof actions,
             "[{\"AddKey\":{\"public_key\":\"%s\",\"access_key\":{\"nonce\":0,\"permission\":"
             "{\"FunctionCall\":{\"allowance\":\"1000000000000000000000000\",\"receiver_id\":"
             "\"%s\",\"method_names\":[\"allowed_a\",\"allowed_b\"]}}}}}]",
             k.pk, c->id);
    json_t *o = send_actions(u->id, &u->sk, u->id, actions, OL_NEAR_RPC_WAIT_FINAL, NULL);
    check(o != NULL && failure(o)[0] == '\0', "fc_keys: add a function-call key (%s)",
          o != NULL ? failure(o) : last_error.message);
    json_decref(o);

    book b;
    book_open(&b, (const char *const[]){u->id, c->id, NULL});
    o = call(&k, c->id, "allowed_a", "{}", NULL, NULL);
    check(success_is(o, "1"), "fc_keys: permitted method with the function-call key");
    expect_change(&b, "fc key call", u->id, ZERO, tokens_burnt(o));
    json_decref(o);
    json_t *akv = NULL;
    if (ol_near_rpc_view_access_key(rpc, NULL, u->id, k.pk, &akv, NULL, NULL) == OL_OK) {
        const char *left = json_string_value(json_object_get(
            json_object_get(json_object_get(akv, "permission"), "FunctionCall"), "allowance"));
        /* The allowance pays the transaction's whole prepaid cost and gets no refund. */
        check(left != NULL && ol_near_u128_cmp(u128_of(left), near(1)) < 0,
              "fc_keys: the allowance was charged (%s left)", left != NULL ? left : "?");
    } else {
        check(false, "fc_keys: view_access_key of the function-call key");
    }
    json_decref(akv);

    static const struct {
        const char *receiver_kind, *method, *deposit, *expect;
    } bad[] = {
        {"c", "other", NULL, "MethodNameMismatch"},
        {"other", "allowed_a", NULL, "ReceiverMismatch"},
        {"c", "allowed_b", "1", "DepositWithFunctionCall"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        book_open(&b, (const char *const[]){u->id, NULL});
        const char *recv = strcmp(bad[i].receiver_kind, "c") == 0 ? c->id : other->id;
        cli_result r =
            cli(k.key_file, "call", recv, bad[i].method, "{}", "--deposit",
                bad[i].deposit != NULL ? bad[i].deposit : "0", "--wait", "FINAL", (char *)NULL);
        check(r.status != 0 && strstr(r.err, bad[i].expect) != NULL,
              "fc_keys: %s.%s refused with %s (status %d: %s)", recv, bad[i].method, bad[i].expect,
              r.status, r.err);
        expect_change(&b, "fc key refusal", u->id, ZERO, ZERO);
        cli_free(&r);
    }

    account small; /* an allowance below one call's prepaid gas */
    new_key(&small, u->id);
    snprintf(actions, sizeof actions,
             "[{\"AddKey\":{\"public_key\":\"%s\",\"access_key\":{\"nonce\":0,\"permission\":"
             "{\"FunctionCall\":{\"allowance\":\"1000\",\"receiver_id\":\"%s\","
             "\"method_names\":[]}}}}}]",
             small.pk, c->id);
    o = send_actions(u->id, &u->sk, u->id, actions, OL_NEAR_RPC_WAIT_FINAL, NULL);
    json_decref(o);
    cli_result r =
        cli(small.key_file, "call", c->id, "other", "{}", "--wait", "FINAL", (char *)NULL);
    check(r.status != 0 && strstr(r.err, "NotEnoughAllowance") != NULL,
          "fc_keys: allowance below the cost refused with NotEnoughAllowance (%s)", r.err);
    cli_free(&r);

    /* The contract manages keys of its own account through promise batch actions. */
    char args[512], hex[65];
    ol_near_public_key pub;
    ol_near_secret_key_public(&small.sk, &pub);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", pub.data[i]);
    snprintf(args, sizeof args,
             "{\"public_key_hex\":\"%s\",\"receiver\":\"%s\",\"methods\":\"allowed_a,allowed_b\","
             "\"allowance\":\"0\"}",
             hex, c->id);
    o = call(c, c->id, "add_key", args, NULL, "50 Tgas");
    check(failure(o)[0] == '\0', "fc_keys: add_key through a batch promise (%s)", failure(o));
    json_decref(o);
    json_t *keys = NULL;
    ol_near_rpc_view_access_key(rpc, NULL, c->id, small.pk, &keys, NULL, NULL);
    json_t *perm = json_object_get(json_object_get(keys, "permission"), "FunctionCall");
    check(perm != NULL && json_is_null(json_object_get(perm, "allowance")) &&
              json_array_size(json_object_get(perm, "method_names")) == 2,
          "fc_keys: the contract's new key has unlimited allowance and two methods (%s)",
          dump(keys));
    json_decref(keys);
    o = call(u, c->id, "add_key", args, NULL, "50 Tgas");
    check(strstr(failure(o), "method is private") != NULL, "fc_keys: add_key is private (%s)",
          failure(o));
    json_decref(o);
}

static void scenario_delegate(void)
{
    account *t = create_account("dtarget", "10 NEAR");
    account *s = create_account("dsender", "10 NEAR");
    account *r = create_account("relayer", "10 NEAR");
    deploy(t, "delegate_target");

    uint64_t ak_nonce = 0;
    ol_diag d = {0};
    if (ol_near_rpc_access_key_nonce(rpc, s->id, s->pk, &ak_nonce, NULL, &d) != OL_OK)
        die("nonce: %s", d.msg);
    uint64_t h = head_height();

    /* The sender signs the delegate action; the relayer wraps it in its own transaction. */
    ol_near_arena *ar = NULL;
    const ol_near_action *inner;
    size_t n_inner;
    static const char inner_json[] =
        "[{\"FunctionCall\":{\"method_name\":\"whoami\",\"args_json\":{},\"gas\":30000000000000,"
        "\"deposit\":\"5\"}}]";
    if (ol_near_arena_new(NULL, &ar, &d) != OL_OK ||
        ol_near_actions_from_json(inner_json, strlen(inner_json), ar, &inner, &n_inner, &d) !=
            OL_OK)
        die("delegate actions: %s", d.msg);

    for (int round = 0; round < 3; round++) {
        ol_near_signed_delegate sd;
        memset(&sd, 0, sizeof sd);
        sd.delegate_action.sender_id = s->id;
        sd.delegate_action.receiver_id = t->id;
        sd.delegate_action.actions = inner;
        sd.delegate_action.n_actions = n_inner;
        /* round 0: valid; round 1: the same nonce again; round 2: expired (a fresh nonce, so
         * that only the height is wrong) */
        sd.delegate_action.nonce = ak_nonce + (round == 2 ? 2 : 1);
        sd.delegate_action.max_block_height = round == 2 ? h : h + 100;
        ol_near_secret_key_public(&s->sk, &sd.delegate_action.public_key);
        if (ol_near_delegate_sign(&sd.delegate_action, &s->sk, NULL, &sd.signature, NULL, &d) !=
            OL_OK)
            die("sign delegate: %s", d.msg);
        ol_near_action act;
        memset(&act, 0, sizeof act);
        act.kind = OL_NEAR_ACTION_DELEGATE;
        act.delegate.signed_delegate = &sd;

        book b;
        book_open(&b, (const char *const[]){s->id, r->id, t->id, NULL});
        json_t *o = NULL;
        char hash[OL_NEAR_HASH_STR_MAX];
        ol_near_rpc_error_clear(&last_error);
        if (ol_near_rpc_sign_and_send(rpc, r->id, &r->sk, s->id, &act, 1, OL_NEAR_RPC_WAIT_FINAL,
                                      &o, hash, &last_error, &d) != OL_OK)
            die("relay: %s", d.msg);
        if (round == 0) {
            char expect[512];
            snprintf(expect, sizeof expect,
                     "{\"predecessor\":\"%s\",\"signer\":\"%s\",\"signer_pk\":\"", s->id, r->id);
            char *v = receipt_value(o, t->id);
            check(v != NULL && strncmp(v, expect, strlen(expect)) == 0 &&
                      strstr(v, "\"deposit\":\"5\"") != NULL,
                  "delegate: predecessor is the sender, signer the relayer (%s; status %s)",
                  v != NULL ? v : "-", dump(json_object_get(o, "status")));
            free(v);
            /* The relayer's transaction pays everything: the gas and the inner deposit (nearcore
             * counts a Delegate's inner deposits in the transaction's cost). */
            expect_change(&b, "delegate", r->id, ZERO,
                          u128_add(tokens_burnt(o), OL_NEAR_U128_C(5)));
            expect_change(&b, "delegate", s->id, ZERO, ZERO);
            expect_change(&b, "delegate", t->id, u128_add(OL_NEAR_U128_C(5), rewards(o, t->id)),
                          ZERO);
            uint64_t after = 0;
            ol_near_rpc_access_key_nonce(rpc, s->id, s->pk, &after, NULL, NULL);
            check(after == ak_nonce + 1, "delegate: the sender's key nonce is now the delegate's");
        } else {
            const char *want = round == 1 ? "DelegateActionInvalidNonce" : "DelegateActionExpired";
            check(strstr(failure(o), want) != NULL, "delegate: %s (%s)", want, failure(o));
            expect_change(&b, want, r->id, ZERO, tokens_burnt(o));
            expect_change(&b, want, s->id, ZERO, ZERO);
            expect_change(&b, want, t->id, ZERO, ZERO);
        }
        json_decref(o);
    }
    ol_near_arena_free(ar);
}

static void scenario_selftest(void)
{
    account *c = create_account("selftest", "10 NEAR");
    deploy(c, "sdk_selftest");
    const char *r = view_text(c->id, "selftest", "{}");
    check(strncmp(r, "{\"checks\":", 10) == 0, "selftest: the SDK's checks inside the chain (%s)",
          r);
}

/* ---------------------------------------------------------------- main */

typedef struct scenario {
    const char *name;
    void (*run)(void);
} scenario;

static const scenario scenarios[] = {
    {"selftest", scenario_selftest}, {"counter", scenario_counter},
    {"promise", scenario_promise},   {"yield", scenario_yield},
    {"storage", scenario_storage},   {"panic", scenario_panic},
    {"view", scenario_view},         {"fc_keys", scenario_fc_keys},
    {"delegate", scenario_delegate}, {"yield_timeout", scenario_yield_timeout},
};

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s OUTLAYER CONTRACTS_DIR [SCENARIO...]\n", argv[0]);
        return 2;
    }
    outlayer_bin = argv[1];
    contracts_dir = argv[2];
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(work_dir, sizeof work_dir, "%s/ol-sandbox-contracts-XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(work_dir) == NULL)
        die("mkdtemp: %s", strerror(errno));
    ol_diag d = {0};
    if (ol_near_init(&d) != OL_OK)
        die("init: %s", d.msg);

    start_sandbox(BLOCK_MS);
    load_root();
    note("sandbox at %s, data in %s", rpc_url, sandbox_dir);
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        bool wanted = argc == 3;
        for (int a = 3; a < argc; a++)
            wanted = wanted || strcmp(argv[a], scenarios[i].name) == 0;
        if (!wanted)
            continue;
        printf("== %s\n", scenarios[i].name);
        scenarios[i].run();
    }
    stop_sandbox();
    printf("%d passed, %d failed\n", passed, failed);
    if (failed == 0 && getenv("OL_KEEP") == NULL) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", work_dir);
        if (system(cmd) != 0)
            note("could not remove %s", work_dir);
    } else {
        note("kept %s", work_dir);
    }
    return failed == 0 ? 0 : 1;
}
