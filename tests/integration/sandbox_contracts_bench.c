/* Load driver for `make bench-sandbox`: transfers per second and function calls per second that
 * a running `outlayer sandbox` takes through its JSON-RPC.
 *
 * usage: sandbox_contracts_bench --outlayer OUTLAYER --counter COUNTER.wasm [--senders N]
 *        [--txs N] [--block-time-ms MS]
 *
 * Setup (not timed): starts `outlayer sandbox` on 127.0.0.1 (ephemeral port, fresh data
 * directory); the root account test.near creates N sender accounts, each with its own key, and
 * an account holding the counter contract (tests/contracts/counter.c). Then, per phase, every
 * sender thread signs its transactions locally (consecutive nonces, one recent block hash) and
 * submits them with broadcast_tx_async as fast as the node accepts them; the phase ends when every
 * transaction has a final outcome (`tx` with wait_until FINAL). Rate = transactions / (time from
 * the first submission to the last final outcome), so block production and receipt execution
 * are included, not just the RPC's acceptance. Every outcome must be a success. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ol/near.h"
#include "ol/near_rpc.h"

#define MAX_SENDERS 64

typedef struct sender {
    char id[OL_NEAR_ACCOUNT_ID_MAX];
    ol_near_secret_key sk;
    ol_near_public_key pk;
    char pk_text[OL_NEAR_KEY_STR_MAX];
    char (*hashes)[OL_NEAR_HASH_STR_MAX];
    int failures;
    char error[256];
} sender;

static const char *rpc_url;
static char rpc_url_buf[128];
static char contract_id[OL_NEAR_ACCOUNT_ID_MAX];
static const char *receiver_id;
static int n_txs = 200;
static bool function_calls;
static sender senders[MAX_SENDERS];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t sandbox_pid = -1;

static void stop_sandbox(void)
{
    if (sandbox_pid > 0) {
        int st;
        kill(sandbox_pid, SIGTERM);
        waitpid(sandbox_pid, &st, 0);
        sandbox_pid = -1;
    }
}

static _Noreturn void die(const char *what, const char *msg)
{
    fprintf(stderr, "sandbox_contracts_bench: %s: %s\n", what, msg);
    stop_sandbox();
    exit(1);
}

/* Starts the sandbox in dir (its output in dir.log) and waits for its URL. */
static void start_sandbox(const char *outlayer, const char *dir, const char *block_ms)
{
    char log_path[300];
    snprintf(log_path, sizeof log_path, "%s.log", dir);
    sandbox_pid = fork();
    if (sandbox_pid < 0)
        die("fork", "failed");
    if (sandbox_pid == 0) {
        if (freopen(log_path, "w", stdout) == NULL || freopen(log_path, "a", stderr) == NULL)
            _exit(127);
        execl(outlayer, outlayer, "sandbox", "--data-dir", dir, "--port", "0", "--block-time-ms",
              block_ms, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && rpc_url == NULL; i++) {
        usleep(50000);
        FILE *f = fopen(log_path, "r");
        char line[1024];
        while (f != NULL && rpc_url == NULL && fgets(line, sizeof line, f) != NULL) {
            char *p = strstr(line, "http://127.0.0.1:");
            size_t n = p != NULL ? strspn(p + 17, "0123456789") : 0;
            if (n > 0 && n <= 5) {
                snprintf(rpc_url_buf, sizeof rpc_url_buf, "%.*s", (int)(17 + n), p);
                rpc_url = rpc_url_buf;
            }
        }
        if (f != NULL)
            fclose(f);
    }
    if (rpc_url == NULL)
        die("outlayer sandbox", "no http://127.0.0.1:PORT URL printed in 10 s");
}

/* Signs one transaction of sender s with nonce and block hash; returns the borsh bytes. */
static void sign(const sender *s, uint64_t nonce, const uint8_t block[OL_NEAR_HASH_LEN],
                 ol_near_buf *out)
{
    static const char args[] = "{}";
    ol_near_action act;
    memset(&act, 0, sizeof act);
    if (function_calls) {
        act.kind = OL_NEAR_ACTION_FUNCTION_CALL;
        act.function_call.method_name = ol_near_str_c("increment");
        act.function_call.args.p = (const uint8_t *)args;
        act.function_call.args.len = 2;
        act.function_call.gas = UINT64_C(10000000000000);
    } else {
        act.kind = OL_NEAR_ACTION_TRANSFER;
        act.transfer.deposit = OL_NEAR_U128_C(1);
    }
    ol_near_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.signer_id = s->id;
    tx.public_key = s->pk;
    tx.nonce = nonce;
    tx.receiver_id = function_calls ? contract_id : receiver_id;
    memcpy(tx.block_hash, block, OL_NEAR_HASH_LEN);
    tx.actions = &act;
    tx.n_actions = 1;
    ol_diag d = {0};
    ol_near_buf_reset(out);
    if (ol_near_tx_sign(&tx, &s->sk, NULL, NULL, out, &d) != OL_OK ||
        ol_near_buf_check(out, &d) != OL_OK)
        die("sign", d.msg);
}

static void *run_sender(void *arg)
{
    sender *s = arg;
    ol_near_rpc *c = NULL;
    ol_diag d = {0};
    uint64_t nonce, height;
    uint8_t block[OL_NEAR_HASH_LEN];
    ol_near_buf buf;
    ol_near_buf_init(&buf, NULL);
    if (ol_near_rpc_new(rpc_url, NULL, &c, &d) != OL_OK ||
        ol_near_rpc_access_key_nonce(c, s->id, s->pk_text, &nonce, NULL, &d) != OL_OK ||
        ol_near_rpc_final_block(c, &height, block, NULL, &d) != OL_OK) {
        snprintf(s->error, sizeof s->error, "%s", d.msg);
        s->failures = n_txs;
        goto out;
    }
    for (int i = 0; i < n_txs; i++) {
        char *hash = NULL;
        sign(s, nonce + 1 + (uint64_t)i, block, &buf);
        if (ol_near_rpc_broadcast_tx_async(c, buf.p, buf.len, &hash, NULL, &d) != OL_OK) {
            snprintf(s->error, sizeof s->error, "broadcast: %.200s", d.msg);
            s->failures++;
            s->hashes[i][0] = '\0';
            continue;
        }
        snprintf(s->hashes[i], OL_NEAR_HASH_STR_MAX, "%s", hash);
        free(hash);
    }
    for (int i = 0; i < n_txs; i++) {
        if (s->hashes[i][0] == '\0')
            continue;
        json_t *o = NULL;
        ol_near_rpc_error e;
        ol_err rc;
        do { /* the node answers TIMEOUT_ERROR after 10 s; a fresh hash may be unknown yet */
            rc = ol_near_rpc_tx(c, s->hashes[i], s->id, OL_NEAR_RPC_WAIT_FINAL, &o, &e, &d);
        } while (rc == OL_E_NOTFOUND ||
                 (rc == OL_E_STATE && ol_near_rpc_error_is(&e, "TIMEOUT_ERROR")));
        if (rc != OL_OK || ol_near_rpc_outcome_failure(o, &e)) {
            snprintf(s->error, sizeof s->error, "tx %s: %.160s", s->hashes[i],
                     rc != OL_OK ? d.msg : e.message);
            s->failures++;
        }
        json_decref(o);
    }
out:
    ol_near_buf_fini(&buf);
    ol_near_rpc_free(c);
    return NULL;
}

/* One timed phase over all senders; prints and returns transactions per second. */
static double phase(int n_senders, bool calls)
{
    pthread_t th[MAX_SENDERS];
    function_calls = calls;
    for (int i = 0; i < n_senders; i++) {
        senders[i].failures = 0;
        senders[i].error[0] = '\0';
        memset(senders[i].hashes, 0, (size_t)n_txs * OL_NEAR_HASH_STR_MAX);
    }
    double t0 = now_s();
    for (int i = 0; i < n_senders; i++)
        pthread_create(&th[i], NULL, run_sender, &senders[i]);
    for (int i = 0; i < n_senders; i++)
        pthread_join(th[i], NULL);
    double dt = now_s() - t0;
    int total = n_senders * n_txs, failures = 0;
    for (int i = 0; i < n_senders; i++) {
        failures += senders[i].failures;
        if (senders[i].error[0] != '\0')
            fprintf(stderr, "sender %s: %s\n", senders[i].id, senders[i].error);
    }
    if (failures != 0) {
        fprintf(stderr, "%d of %d transactions failed\n", failures, total);
        exit(1);
    }
    double rate = (double)total / dt;
    printf("%s: %d transactions from %d senders in %.2f s: %.1f per second\n",
           calls ? "function calls" : "transfers", total, n_senders, dt, rate);
    return rate;
}

/* Sends CreateAccount + Transfer 10 NEAR + AddKey (+ DeployContract when code is not NULL) to
 * new account id from root, waiting for the final outcome. */
static void create_account(ol_near_rpc *c, const ol_near_credentials *root, const char *id,
                           const ol_near_public_key *pk, const uint8_t *code, size_t code_len)
{
    ol_diag d = {0};
    ol_near_action acts[4];
    memset(acts, 0, sizeof acts);
    acts[0].kind = OL_NEAR_ACTION_CREATE_ACCOUNT;
    acts[1].kind = OL_NEAR_ACTION_TRANSFER;
    ol_near_amount_parse("10 NEAR", 7, &acts[1].transfer.deposit, &d);
    acts[2].kind = OL_NEAR_ACTION_ADD_KEY;
    acts[2].add_key.public_key = *pk;
    acts[2].add_key.access_key.full_access = true;
    acts[3].kind = OL_NEAR_ACTION_DEPLOY_CONTRACT;
    acts[3].deploy_contract.code.p = code;
    acts[3].deploy_contract.code.len = code_len;
    json_t *o = NULL;
    ol_near_rpc_error e;
    if (ol_near_rpc_sign_and_send(c, root->account_id, &root->secret_key, id, acts,
                                  code != NULL ? 4 : 3, OL_NEAR_RPC_WAIT_FINAL, &o, NULL, &e,
                                  &d) != OL_OK)
        die(id, d.msg);
    if (ol_near_rpc_outcome_failure(o, &e))
        die(id, e.message);
    json_decref(o);
}

/* Creates sender accounts b<i>.<root> with 10 NEAR and a fresh key each. */
static void create_senders(ol_near_rpc *c, const ol_near_credentials *root, int n)
{
    for (int i = 0; i < n; i++) {
        sender *s = &senders[i];
        ol_diag d = {0};
        snprintf(s->id, sizeof s->id, "b%d.%.40s", i, root->account_id);
        if (ol_near_secret_key_generate(&s->sk, &d) != OL_OK)
            die("keygen", d.msg);
        ol_near_secret_key_public(&s->sk, &s->pk);
        ol_near_public_key_format(&s->pk, s->pk_text);
        create_account(c, root, s->id, &s->pk, NULL, 0);
        s->hashes = calloc((size_t)n_txs, OL_NEAR_HASH_STR_MAX);
        if (s->hashes == NULL)
            die("memory", "out of memory");
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die(path, "cannot open");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, k;
    do {
        if (n == cap) {
            cap = cap == 0 ? 65536 : 2 * cap;
            uint8_t *nb = realloc(buf, cap);
            if (nb == NULL)
                die(path, "out of memory");
            buf = nb;
        }
        k = fread(buf + n, 1, cap - n, f);
        n += k;
    } while (k > 0);
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    const char *outlayer = NULL, *counter = NULL, *block_ms = "100";
    int n_senders = 4;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--outlayer") == 0)
            outlayer = argv[i + 1];
        else if (strcmp(argv[i], "--counter") == 0)
            counter = argv[i + 1];
        else if (strcmp(argv[i], "--block-time-ms") == 0)
            block_ms = argv[i + 1];
        else if (strcmp(argv[i], "--senders") == 0)
            n_senders = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--txs") == 0)
            n_txs = atoi(argv[i + 1]);
        else
            die("unknown option", argv[i]);
    }
    if (outlayer == NULL || counter == NULL || n_senders < 1 || n_senders > MAX_SENDERS ||
        n_txs < 1)
        die("usage", "--outlayer OUTLAYER --counter COUNTER.wasm [--senders 1..64] [--txs N] "
                     "[--block-time-ms MS]");
    char dir[] = "/tmp/ol-bench-sandbox-XXXXXX";
    if (mkdtemp(dir) == NULL)
        die("mkdtemp", "failed");
    char data_dir[64], key_file[128];
    snprintf(data_dir, sizeof data_dir, "%s/chain", dir);
    snprintf(key_file, sizeof key_file, "%s/test.near.json", data_dir);
    start_sandbox(outlayer, data_dir, block_ms);

    ol_diag d = {0};
    ol_near_credentials root;
    ol_near_rpc *c = NULL;
    if (ol_near_init(&d) != OL_OK || ol_near_credentials_read(key_file, &root, &d) != OL_OK ||
        ol_near_rpc_new(rpc_url, NULL, &c, &d) != OL_OK)
        die("setup", d.msg);
    receiver_id = root.account_id;
    size_t code_len;
    uint8_t *code = read_file(counter, &code_len);
    snprintf(contract_id, sizeof contract_id, "counter.%.40s", root.account_id);
    ol_near_public_key root_pk;
    ol_near_secret_key_public(&root.secret_key, &root_pk);
    create_account(c, &root, contract_id, &root_pk, code, code_len);
    free(code);
    create_senders(c, &root, n_senders);

    printf("sandbox %s, block time %s ms, %d senders x %d transactions\n", rpc_url, block_ms,
           n_senders, n_txs);
    double transfers = phase(n_senders, false);
    double calls = phase(n_senders, true);
    printf("| %s ms | %d | %d | %.1f | %.1f |\n", block_ms, n_senders, n_senders * n_txs, transfers,
           calls);
    ol_near_credentials_wipe(&root);
    ol_near_rpc_free(c);
    for (int i = 0; i < n_senders; i++)
        free(senders[i].hashes);
    stop_sandbox();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
