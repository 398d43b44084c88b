/* The NEAR JSON-RPC client against a real HTTP server on 127.0.0.1 (tests/unit/support/
 * near_rpc_server.c) that answers with recorded nearcore response shapes
 * (tests/unit/fixtures/near_rpc/). Covers every method and the parameters it sends, both shapes
 * of view errors, bounded retries (the server counts the attempts it saw), InvalidNonce recovery
 * in the signer helper, broken responses, refused connections, and the `outlayer near` online
 * commands run as a child process against the same server. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <spawn.h>

#include "ol/log.h"
#include "ol/near.h"
#include "ol/near_rpc.h"
#include "support/near_rpc_server.h"
#include "test.h"

extern char **environ;

#define FIXTURES OL_SOURCE_DIR "/tests/unit/fixtures/near_rpc/"

/* The V1 key of near-protocol.md §2.6 and the block hash of fixtures/near_rpc/block.json. */
#define SK_V1                                                                                     \
    "ed25519:3hoMW1HvnRLSFCLZnvPzWeoGwtdHzke34B2cTHM8rhcbG3TbuLKtShTv3DvyejnXKXKBiV7YPkLeqUHN1gh" \
    "nqpFv"
#define PK_V1      "ed25519:Anu7LYDfpLtkP7E16LT9imXF694BdQaa9ufVkQiwTQxC"
#define BLOCK_HASH "BfNJYwfApYV8y1qNbrqyV41jmbRYQTjnK9jpSczem5sm"
#define TX_HASH    "CGsjqVe3Fock5F7hx7uHFG2g6NJnksGbQ2WgVQGaGyzW"
#define AK_NONCE   UINT64_C(187309654000001)
#define VM_ERROR   "wasm execution failed with error: MethodResolveError(MethodNotFound)"

/* ---------------------------------------------------------------------------------------- */
/* A fake node: routes (method, request_type) to a list of canned answers, counts every hit,  */
/* and keeps the parsed requests.                                                           */

typedef struct canned {
    int status;          /* 0 means 200 */
    const char *fixture; /* file in FIXTURES, or NULL */
    const char *body;    /* inline body when fixture is NULL */
    const char *headers;
    long delay_ms;
    long truncate_at; /* > 0: send only this many bytes of the body */
    bool no_length;
    bool hang_up; /* close without any answer */
} canned;

#define MAX_ROUTES 16
#define MAX_CANNED 8
#define MAX_LOG    64

typedef struct route {
    char method[64];
    char request_type[64]; /* "" = any */
    canned answers[MAX_CANNED];
    size_t n_answers;
    unsigned hits;
} route;

typedef struct fake_node {
    pthread_mutex_t mu;
    route routes[MAX_ROUTES];
    size_t n_routes;
    unsigned requests;
    unsigned unrouted;
    json_t *log[MAX_LOG];
    size_t n_log;
    ol_test_http_server *srv;
} fake_node;

/* Runs on the server thread, so it must not use cmocka's assertions: a missing fixture becomes
 * a body that makes the client's checks fail with the file name in the message. */
static char *read_fixture(const char *name, size_t *len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s", FIXTURES, name);
    char *buf = malloc(1 << 20);
    if (buf == NULL)
        return NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        *len = (size_t)snprintf(buf, 1 << 20, "missing fixture %s: %s", path, strerror(errno));
        return buf;
    }
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void node_handler(void *ud, const char *body, size_t len, ol_test_http_response *resp)
{
    fake_node *n = ud;
    json_t *req = json_loadb(body, len, 0, NULL);
    const char *method = json_string_value(json_object_get(req, "method"));
    const char *rtype =
        json_string_value(json_object_get(json_object_get(req, "params"), "request_type"));
    canned a = {.status = 0};
    bool routed = false;

    pthread_mutex_lock(&n->mu);
    n->requests++;
    if (req != NULL && n->n_log < MAX_LOG)
        n->log[n->n_log++] = json_incref(req);
    for (size_t i = 0; method != NULL && i < n->n_routes; i++) {
        route *r = &n->routes[i];
        if (strcmp(r->method, method) != 0)
            continue;
        if (r->request_type[0] != '\0' && (rtype == NULL || strcmp(rtype, r->request_type) != 0))
            continue;
        a = r->answers[r->hits < r->n_answers ? r->hits : r->n_answers - 1];
        r->hits++;
        routed = true;
        break;
    }
    if (!routed)
        n->unrouted++;
    pthread_mutex_unlock(&n->mu);
    json_decref(req);

    if (!routed) {
        static const char nf[] =
            "{\"jsonrpc\":\"2.0\",\"id\":\"dontcare\",\"error\":{\"name\":"
            "\"REQUEST_VALIDATION_ERROR\",\"cause\":{\"name\":\"METHOD_NOT_FOUND\",\"info\":{}},"
            "\"code\":-32601,\"message\":\"Method not found\",\"data\":\"unrouted\"}}";
        resp->body = strdup(nf);
        resp->body_len = strlen(nf);
        return;
    }
    if (a.hang_up) {
        resp->status = 0;
        return;
    }
    resp->status = a.status != 0 ? a.status : 200;
    resp->extra_headers = a.headers;
    resp->delay_ms = a.delay_ms;
    resp->no_content_length = a.no_length;
    if (a.fixture != NULL) {
        resp->body = read_fixture(a.fixture, &resp->body_len);
    } else if (a.body != NULL) {
        resp->body = strdup(a.body);
        resp->body_len = strlen(a.body);
    }
    if (a.truncate_at > 0) {
        resp->truncate = true;
        resp->truncate_at = (size_t)a.truncate_at;
    }
}

static void route_add(fake_node *n, const char *method, const char *rtype, const canned *answers,
                      size_t count)
{
    assert_true(n->n_routes < MAX_ROUTES && count > 0 && count <= MAX_CANNED);
    route *r = &n->routes[n->n_routes++];
    memset(r, 0, sizeof *r);
    snprintf(r->method, sizeof r->method, "%s", method);
    snprintf(r->request_type, sizeof r->request_type, "%s", rtype ? rtype : "");
    memcpy(r->answers, answers, count * sizeof *answers);
    r->n_answers = count;
}

#define ROUTE(n, method, rtype, ...)                                 \
    route_add((n), (method), (rtype), (const canned[]){__VA_ARGS__}, \
              sizeof((const canned[]){__VA_ARGS__}) / sizeof(canned))

static unsigned hits(fake_node *n, const char *method, const char *rtype)
{
    unsigned h = 0;
    pthread_mutex_lock(&n->mu);
    for (size_t i = 0; i < n->n_routes; i++) {
        if (strcmp(n->routes[i].method, method) == 0 &&
            strcmp(n->routes[i].request_type, rtype ? rtype : "") == 0)
            h = n->routes[i].hits;
    }
    pthread_mutex_unlock(&n->mu);
    return h;
}

static unsigned total_requests(fake_node *n)
{
    pthread_mutex_lock(&n->mu);
    unsigned r = n->requests;
    pthread_mutex_unlock(&n->mu);
    return r;
}

/* The i-th logged request (borrowed until teardown). */
static json_t *logged(fake_node *n, size_t i)
{
    pthread_mutex_lock(&n->mu);
    json_t *r = i < n->n_log ? n->log[i] : NULL;
    pthread_mutex_unlock(&n->mu);
    assert_non_null(r);
    return r;
}

static json_t *last_params(fake_node *n)
{
    pthread_mutex_lock(&n->mu);
    size_t count = n->n_log;
    pthread_mutex_unlock(&n->mu);
    assert_true(count > 0);
    return json_object_get(logged(n, count - 1), "params");
}

static int node_setup(void **state)
{
    fake_node *n = calloc(1, sizeof *n);
    assert_non_null(n);
    pthread_mutex_init(&n->mu, NULL);
    assert_int_equal(ol_test_http_server_start(node_handler, n, &n->srv), 0);
    *state = n;
    return 0;
}

static int node_teardown(void **state)
{
    fake_node *n = *state;
    ol_test_http_server_stop(n->srv);
    for (size_t i = 0; i < n->n_log; i++)
        json_decref(n->log[i]);
    pthread_mutex_destroy(&n->mu);
    free(n);
    return 0;
}

/* A client with fast backoff so retry tests take milliseconds. */
static ol_near_rpc *client_opts(fake_node *n, const ol_near_rpc_opts *o)
{
    ol_near_rpc *c = NULL;
    ol_diag d = {0};
    ol_near_rpc_opts opts;
    if (o != NULL) {
        opts = *o;
    } else {
        memset(&opts, 0, sizeof opts);
        opts.backoff_initial_ms = 2;
        opts.backoff_max_ms = 10;
        opts.request_timeout_ms = 5000;
        opts.total_timeout_ms = 20000;
        opts.max_attempts = 4;
    }
    if (ol_near_rpc_new(ol_test_http_server_url(n->srv), &opts, &c, &d) != OL_OK)
        fail_msg("ol_near_rpc_new: %s", d.msg);
    return c;
}

static ol_near_rpc *client(fake_node *n)
{
    return client_opts(n, NULL);
}

static long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

static void assert_str_member(const json_t *o, const char *key, const char *want)
{
    const char *got = json_string_value(json_object_get(o, key));
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("member %s: expected \"%s\", got \"%s\"", key, want, got ? got : "(none)");
}

/* ---------------------------------------------------------------------------------------- */
/* Every method: what is sent and what comes back.                                          */

static void test_near_rpc_status(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "status", NULL, {.fixture = "status.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_status(c, &res, &e, &d), OL_OK);
    assert_str_member(res, "chain_id", "testnet");
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(res, "sync_info"), "latest_block_height")),
                     187310138);
    json_t *req = logged(n, 0);
    assert_str_member(req, "jsonrpc", "2.0");
    assert_str_member(req, "id", "dontcare");
    assert_str_member(req, "method", "status");
    assert_true(json_is_array(json_object_get(req, "params")));
    assert_int_equal(json_array_size(json_object_get(req, "params")), 0);
    assert_int_equal(e.kind, OL_NEAR_RPC_ERR_NONE);
    json_decref(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_block_refs(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "block", NULL, {.fixture = "block.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};

    assert_int_equal(ol_near_rpc_block(c, NULL, &res, NULL, &d), OL_OK);
    assert_str_member(json_object_get(res, "header"), "hash", BLOCK_HASH);
    assert_str_member(last_params(n), "finality", "final");
    json_decref(res);

    ol_near_rpc_block_ref ref = {.kind = OL_NEAR_RPC_BLOCK_HEIGHT, .height = 187310138};
    assert_int_equal(ol_near_rpc_block(c, &ref, &res, NULL, &d), OL_OK);
    assert_int_equal(json_integer_value(json_object_get(last_params(n), "block_id")), 187310138);
    assert_null(json_object_get(last_params(n), "finality"));
    json_decref(res);

    ref = (ol_near_rpc_block_ref){.kind = OL_NEAR_RPC_BLOCK_HASH, .hash = BLOCK_HASH};
    assert_int_equal(ol_near_rpc_block(c, &ref, &res, NULL, &d), OL_OK);
    assert_str_member(last_params(n), "block_id", BLOCK_HASH);
    json_decref(res);

    ref = (ol_near_rpc_block_ref){.kind = OL_NEAR_RPC_OPTIMISTIC};
    assert_int_equal(ol_near_rpc_block(c, &ref, &res, NULL, &d), OL_OK);
    assert_str_member(last_params(n), "finality", "optimistic");
    json_decref(res);

    ref = (ol_near_rpc_block_ref){.kind = OL_NEAR_RPC_NEAR_FINAL};
    assert_int_equal(ol_near_rpc_block(c, &ref, &res, NULL, &d), OL_OK);
    assert_str_member(last_params(n), "finality", "near-final");
    json_decref(res);

    /* The final-block helper decodes header.height and header.hash. */
    uint64_t height = 0;
    uint8_t hash[32], want[32];
    assert_int_equal(ol_near_rpc_final_block(c, &height, hash, NULL, &d), OL_OK);
    assert_int_equal(height, 187310138);
    assert_int_equal(ol_near_hash_parse(BLOCK_HASH, want, NULL), OL_OK);
    assert_memory_equal(hash, want, 32);
    assert_int_equal(hits(n, "block", NULL), 6);
    ol_near_rpc_free(c);
}

static void test_near_rpc_gas_price(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "gas_price", NULL, {.fixture = "gas_price.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_gas_price(c, NULL, &res, NULL, &d), OL_OK);
    assert_str_member(res, "gas_price", "100000000");
    json_t *p = last_params(n);
    assert_int_equal(json_array_size(p), 1);
    assert_true(json_is_null(json_array_get(p, 0)));
    json_decref(res);

    ol_near_rpc_block_ref ref = {.kind = OL_NEAR_RPC_BLOCK_HEIGHT, .height = 17};
    assert_int_equal(ol_near_rpc_gas_price(c, &ref, &res, NULL, &d), OL_OK);
    assert_int_equal(json_integer_value(json_array_get(last_params(n), 0)), 17);
    json_decref(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_view_account(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_account", {.fixture = "view_account.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_view_account(c, NULL, "test.near", &res, NULL, &d), OL_OK);
    assert_str_member(res, "amount", "399992611103597728750000000");
    assert_str_member(res, "code_hash", "11111111111111111111111111111111");
    json_t *p = last_params(n);
    assert_str_member(p, "request_type", "view_account");
    assert_str_member(p, "finality", "final");
    assert_str_member(p, "account_id", "test.near");
    json_decref(res);

    /* Bad arguments fail before anything is sent. */
    unsigned before = total_requests(n);
    assert_int_equal(ol_near_rpc_view_account(c, NULL, "", &res, NULL, &d), OL_E_INVAL);
    assert_int_equal(total_requests(n), before);
    ol_near_rpc_free(c);
}

static void test_near_rpc_view_access_key(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_access_key", {.fixture = "view_access_key.json"});
    ROUTE(n, "query", "view_access_key_list", {.fixture = "view_access_key_list.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    ol_near_rpc_block_ref ref = {.kind = OL_NEAR_RPC_OPTIMISTIC};
    assert_int_equal(ol_near_rpc_view_access_key(c, &ref, "test.near", PK_V1, &res, NULL, &d),
                     OL_OK);
    assert_str_member(res, "permission", "FullAccess");
    json_t *p = last_params(n);
    assert_str_member(p, "public_key", PK_V1);
    assert_str_member(p, "finality", "optimistic");
    json_decref(res);

    uint64_t nonce = 0;
    assert_int_equal(ol_near_rpc_access_key_nonce(c, "test.near", PK_V1, &nonce, NULL, &d), OL_OK);
    assert_int_equal(nonce, AK_NONCE);

    assert_int_equal(ol_near_rpc_view_access_key_list(c, NULL, "test.near", &res, NULL, &d), OL_OK);
    json_t *keys = json_object_get(res, "keys");
    assert_int_equal(json_array_size(keys), 2);
    json_t *fc = json_object_get(
        json_object_get(json_object_get(json_array_get(keys, 1), "access_key"), "permission"),
        "FunctionCall");
    assert_str_member(fc, "receiver_id", "c.near");
    assert_str_member(last_params(n), "request_type", "view_access_key_list");
    json_decref(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_call_function(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "call_function", {.fixture = "call_function.json"},
          {.fixture = "call_function_empty.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    const char *args = "{\"a\":1}";
    assert_int_equal(ol_near_rpc_call_function(c, NULL, "counter.test.near", "get_state",
                                               (const uint8_t *)args, strlen(args), &res, NULL, &d),
                     OL_OK);
    json_t *p = last_params(n);
    assert_str_member(p, "request_type", "call_function");
    assert_str_member(p, "account_id", "counter.test.near");
    assert_str_member(p, "method_name", "get_state");
    assert_str_member(p, "args_base64", "eyJhIjoxfQ==");
    assert_str_member(p, "finality", "final");

    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(ol_near_rpc_result_bytes(res, &bytes, &len, &d), OL_OK);
    const char *want = "{\"owner\":\"test.near\",\"count\":7}";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(bytes, want, len);
    assert_string_equal(json_string_value(json_array_get(json_object_get(res, "logs"), 0)),
                        "get_state called");
    free(bytes);
    json_decref(res);

    /* No args, empty result. */
    assert_int_equal(
        ol_near_rpc_call_function(c, NULL, "counter.test.near", "reset", NULL, 0, &res, NULL, &d),
        OL_OK);
    assert_str_member(last_params(n), "args_base64", "");
    static uint8_t sentinel[1];
    bytes = sentinel;
    assert_int_equal(ol_near_rpc_result_bytes(res, &bytes, &len, &d), OL_OK);
    assert_int_equal(len, 0);
    assert_null(bytes);
    json_decref(res);

    /* A result that is not a byte array. */
    json_t *bad = json_pack("{s:[i,i]}", "result", 1, 300);
    assert_int_equal(ol_near_rpc_result_bytes(bad, &bytes, &len, &d), OL_E_MALFORMED);
    assert_contains(d.msg, "element 1");
    json_decref(bad);
    ol_near_rpc_free(c);
}

static void test_near_rpc_view_state_and_code(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_state", {.fixture = "view_state.json"});
    ROUTE(n, "query", "view_code", {.fixture = "view_code.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_view_state(c, NULL, "counter.test.near", (const uint8_t *)"STATE",
                                            5, false, &res, NULL, &d),
                     OL_OK);
    json_t *p = last_params(n);
    assert_str_member(p, "prefix_base64", "U1RBVEU=");
    assert_null(json_object_get(p, "include_proof"));
    assert_str_member(json_array_get(json_object_get(res, "values"), 0), "key", "U1RBVEU=");
    json_decref(res);

    assert_int_equal(
        ol_near_rpc_view_state(c, NULL, "counter.test.near", NULL, 0, true, &res, NULL, &d), OL_OK);
    p = last_params(n);
    assert_str_member(p, "prefix_base64", "");
    assert_true(json_is_true(json_object_get(p, "include_proof")));
    json_decref(res);

    ol_near_rpc_block_ref ref = {.kind = OL_NEAR_RPC_BLOCK_HEIGHT, .height = 187310138};
    assert_int_equal(ol_near_rpc_view_code(c, &ref, "counter.test.near", &res, NULL, &d), OL_OK);
    assert_str_member(res, "code_base64", "AGFzbQEAAAA=");
    assert_str_member(last_params(n), "request_type", "view_code");
    assert_int_equal(json_integer_value(json_object_get(last_params(n), "block_id")), 187310138);
    json_decref(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_send_and_track(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "send_tx", NULL, {.fixture = "send_tx_final.json"}, {.fixture = "send_tx_none.json"});
    ROUTE(n, "broadcast_tx_async", NULL, {.fixture = "broadcast_tx_async.json"});
    ROUTE(n, "tx", NULL, {.fixture = "tx.json"});
    ROUTE(n, "EXPERIMENTAL_tx_status", NULL, {.fixture = "experimental_tx_status.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    const uint8_t stx[] = {1, 2, 3, 4, 5};

    assert_int_equal(
        ol_near_rpc_send_tx(c, stx, sizeof stx, OL_NEAR_RPC_WAIT_FINAL, &res, NULL, &d), OL_OK);
    assert_str_member(last_params(n), "signed_tx_base64", "AQIDBAU=");
    assert_str_member(last_params(n), "wait_until", "FINAL");
    assert_str_member(res, "final_execution_status", "FINAL");
    assert_str_member(json_object_get(res, "status"), "SuccessValue", "Nw==");
    assert_false(ol_near_rpc_outcome_failure(res, NULL));
    json_decref(res);

    assert_int_equal(ol_near_rpc_send_tx(c, stx, sizeof stx, OL_NEAR_RPC_WAIT_NONE, &res, NULL, &d),
                     OL_OK);
    assert_str_member(last_params(n), "wait_until", "NONE");
    assert_str_member(res, "final_execution_status", "NONE");
    json_decref(res);

    char *hash = NULL;
    assert_int_equal(ol_near_rpc_broadcast_tx_async(c, stx, sizeof stx, &hash, NULL, &d), OL_OK);
    assert_string_equal(hash, TX_HASH);
    json_t *p = last_params(n);
    assert_true(json_is_array(p));
    assert_string_equal(json_string_value(json_array_get(p, 0)), "AQIDBAU=");
    free(hash);

    assert_int_equal(
        ol_near_rpc_tx(c, TX_HASH, "test.near", OL_NEAR_RPC_WAIT_EXECUTED, &res, NULL, &d), OL_OK);
    p = last_params(n);
    assert_str_member(p, "tx_hash", TX_HASH);
    assert_str_member(p, "sender_account_id", "test.near");
    assert_str_member(p, "wait_until", "EXECUTED");
    assert_str_member(json_object_get(res, "transaction"), "hash", TX_HASH);
    assert_null(json_object_get(res, "receipts"));
    json_decref(res);

    assert_int_equal(
        ol_near_rpc_tx_status(c, TX_HASH, "test.near", OL_NEAR_RPC_WAIT_NONE, &res, NULL, &d),
        OL_OK);
    assert_str_member(logged(n, 4), "method", "EXPERIMENTAL_tx_status");
    assert_str_member(last_params(n), "wait_until", "NONE");
    assert_int_equal(json_array_size(json_object_get(res, "receipts")), 1);
    json_decref(res);

    /* A bad wait level never reaches the wire. */
    unsigned before = total_requests(n);
    assert_int_equal(ol_near_rpc_tx(c, TX_HASH, "test.near", (ol_near_rpc_wait)42, &res, NULL, &d),
                     OL_E_INVAL);
    assert_int_equal(total_requests(n), before);
    ol_near_rpc_free(c);
}

static void test_near_rpc_generic_call(void **state)
{
    fake_node *n = *state;
    ROUTE(
        n, "EXPERIMENTAL_protocol_config", NULL,
        {.body = "{\"jsonrpc\":\"2.0\",\"id\":\"dontcare\",\"result\":{\"protocol_version\":73}}"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    json_t *params = json_pack("{s:s}", "finality", "final");
    assert_int_equal(ol_near_rpc_call(c, "EXPERIMENTAL_protocol_config", params, &res, NULL, &d),
                     OL_OK);
    assert_int_equal(json_integer_value(json_object_get(res, "protocol_version")), 73);
    assert_str_member(last_params(n), "finality", "final");
    json_decref(res);
    json_decref(params);

    /* An unknown method: the node's REQUEST_VALIDATION_ERROR, not retried. */
    ol_near_rpc_error e;
    assert_int_equal(ol_near_rpc_call(c, "no_such_method", NULL, &res, &e, &d), OL_E_INVAL);
    assert_string_equal(e.name, "REQUEST_VALIDATION_ERROR");
    assert_string_equal(e.cause, "METHOD_NOT_FOUND");
    assert_int_equal(e.code, -32601);
    assert_int_equal(e.attempts, 1);
    ol_near_rpc_free(c);
}

/* ---------------------------------------------------------------------------------------- */
/* Errors: both shapes give one error value.                                                */

static void test_near_rpc_view_error_both_shapes(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "call_function", {.fixture = "call_function_error_legacy.json"},
          {.fixture = "call_function_error_structured.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error legacy, structured;
    ol_diag d1 = {0}, d2 = {0};

    ol_err r1 = ol_near_rpc_call_function(c, NULL, "counter.test.near", "nope", NULL, 0, &res,
                                          &legacy, &d1);
    ol_err r2 = ol_near_rpc_call_function(c, NULL, "counter.test.near", "nope", NULL, 0, &res,
                                          &structured, &d2);
    assert_null(res);
    assert_int_equal(r1, OL_E_STATE);
    assert_int_equal(r2, OL_E_STATE);
    assert_int_equal(legacy.kind, OL_NEAR_RPC_ERR_SERVER);
    assert_int_equal(structured.kind, OL_NEAR_RPC_ERR_SERVER);
    assert_string_equal(legacy.cause, "CONTRACT_EXECUTION_ERROR");
    assert_string_equal(structured.cause, "CONTRACT_EXECUTION_ERROR");
    assert_string_equal(legacy.message, VM_ERROR);
    assert_string_equal(structured.message, VM_ERROR);
    assert_true(legacy.legacy);
    assert_false(structured.legacy);
    assert_string_equal(structured.name, "HANDLER_ERROR");
    assert_int_equal(structured.code, -32000);
    assert_true(ol_near_rpc_error_is(&legacy, "CONTRACT_EXECUTION_ERROR"));
    assert_contains(d1.msg, "CONTRACT_EXECUTION_ERROR");
    assert_contains(d1.msg, "MethodNotFound");
    assert_string_equal(d1.msg, d2.msg);
    /* A contract error is an answer, not a transient failure: one attempt each. */
    assert_int_equal(hits(n, "query", "call_function"), 2);
    ol_near_rpc_free(c);
}

static void test_near_rpc_missing_account_and_key(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_account", {.fixture = "error_unknown_account.json"},
          {.fixture = "error_unknown_account_legacy.json"});
    ROUTE(n, "query", "view_access_key", {.fixture = "error_unknown_access_key.json"},
          {.fixture = "error_unknown_access_key_legacy.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error a, b;
    ol_diag d = {0};

    assert_int_equal(ol_near_rpc_view_account(c, NULL, "nobody.testnet", &res, &a, &d),
                     OL_E_NOTFOUND);
    assert_int_equal(ol_near_rpc_view_account(c, NULL, "nobody.testnet", &res, &b, &d),
                     OL_E_NOTFOUND);
    assert_string_equal(a.cause, "UNKNOWN_ACCOUNT");
    assert_string_equal(b.cause, "UNKNOWN_ACCOUNT");
    assert_string_equal(a.message, "account nobody.testnet does not exist while viewing");
    assert_string_equal(a.message, b.message);

    assert_int_equal(ol_near_rpc_view_access_key(c, NULL, "test.near", PK_V1, &res, &a, &d),
                     OL_E_NOTFOUND);
    assert_int_equal(ol_near_rpc_view_access_key(c, NULL, "test.near", PK_V1, &res, &b, &d),
                     OL_E_NOTFOUND);
    assert_string_equal(a.cause, "UNKNOWN_ACCESS_KEY");
    assert_string_equal(b.cause, "UNKNOWN_ACCESS_KEY");
    assert_string_equal(a.message, b.message);
    assert_contains(a.message, PK_V1);
    assert_null(res);
    assert_int_equal(total_requests(n), 4);
    ol_near_rpc_free(c);
}

static void test_near_rpc_error_envelopes(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "block", NULL, {.fixture = "error_unknown_block.json"});
    ROUTE(n, "tx", NULL, {.fixture = "error_unknown_transaction.json"});
    ROUTE(n, "send_tx", NULL, {.fixture = "error_expired.json"});
    ROUTE(n, "status", NULL, {.status = 400, .fixture = "error_parse.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};

    ol_near_rpc_block_ref ref = {.kind = OL_NEAR_RPC_BLOCK_HEIGHT, .height = 999999999999};
    assert_int_equal(ol_near_rpc_block(c, &ref, &res, &e, &d), OL_E_NOTFOUND);
    assert_string_equal(e.cause, "UNKNOWN_BLOCK");
    assert_contains(e.message, "BLOCK HEIGHT: 999999999999");

    assert_int_equal(ol_near_rpc_tx(c, TX_HASH, "test.near", OL_NEAR_RPC_WAIT_FINAL, &res, &e, &d),
                     OL_E_NOTFOUND);
    assert_string_equal(e.cause, "UNKNOWN_TRANSACTION");

    const uint8_t stx[] = {9};
    assert_int_equal(ol_near_rpc_send_tx(c, stx, sizeof stx, OL_NEAR_RPC_WAIT_FINAL, &res, &e, &d),
                     OL_E_INVAL);
    assert_string_equal(e.cause, "INVALID_TRANSACTION");
    assert_string_equal(e.tx_error, "Expired");
    assert_string_equal(e.message, "{\"TxExecutionError\":{\"InvalidTxError\":\"Expired\"}}");

    /* A 400 with the node's envelope is the node's error, and is not retried. */
    assert_int_equal(ol_near_rpc_status(c, &res, &e, &d), OL_E_INVAL);
    assert_string_equal(e.name, "REQUEST_VALIDATION_ERROR");
    assert_string_equal(e.cause, "PARSE_ERROR");
    assert_int_equal(e.http_status, 400);
    assert_int_equal(e.code, -32700);
    assert_contains(e.message, "missing field `finality`");
    assert_int_equal(hits(n, "status", NULL), 1);
    assert_null(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_outcome_failure(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "send_tx", NULL, {.fixture = "send_tx_failure.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    const uint8_t stx[] = {1};
    assert_int_equal(ol_near_rpc_send_tx(c, stx, sizeof stx, OL_NEAR_RPC_WAIT_FINAL, &res, &e, &d),
                     OL_OK);
    assert_true(ol_near_rpc_outcome_failure(res, &e));
    assert_string_equal(e.cause, "ActionError");
    assert_contains(e.message, "Smart contract panicked: counter overflow");
    json_decref(res);

    json_t *itx = json_loads("{\"status\":{\"Failure\":{\"InvalidTxError\":{\"InvalidNonce\":"
                             "{\"tx_nonce\":5,\"ak_nonce\":9}}}}}",
                             0, NULL);
    assert_true(ol_near_rpc_outcome_failure(itx, &e));
    assert_string_equal(e.cause, "InvalidTxError");
    assert_string_equal(e.tx_error, "InvalidNonce");
    assert_int_equal(e.ak_nonce, 9);
    json_decref(itx);
    ol_near_rpc_free(c);
}

/* ---------------------------------------------------------------------------------------- */
/* Retries: bounded, counted by the server.                                                 */

static void test_near_rpc_retry_503_then_ok(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "status", NULL, {.status = 503, .body = "<html>busy</html>"},
          {.status = 503, .body = ""}, {.fixture = "status.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_status(c, &res, NULL, &d), OL_OK);
    assert_int_equal(hits(n, "status", NULL), 3);
    json_decref(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_retry_429_retry_after(void **state)
{
    fake_node *n = *state;
    /* Retry-After: 30 is capped by backoff_max_ms (10 ms here), so this stays fast. */
    ROUTE(n, "gas_price", NULL,
          {.status = 429, .headers = "Retry-After: 30\r\n", .body = "{\"message\":\"slow down\"}"},
          {.fixture = "gas_price.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    long t0 = mono_ms();
    assert_int_equal(ol_near_rpc_gas_price(c, NULL, &res, NULL, &d), OL_OK);
    assert_true(mono_ms() - t0 < 3000);
    assert_int_equal(hits(n, "gas_price", NULL), 2);
    json_decref(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_retry_bounded_count(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "status", NULL, {.status = 503, .body = "<html><body>upstream unavailable</body>"});
    ol_near_rpc *c = client(n); /* max_attempts 4 */
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_status(c, &res, &e, &d), OL_E_IO);
    assert_int_equal(hits(n, "status", NULL), 4);
    assert_int_equal(e.attempts, 4);
    assert_int_equal(e.kind, OL_NEAR_RPC_ERR_HTTP);
    assert_int_equal(e.http_status, 503);
    assert_contains(e.message, "HTTP 503");
    assert_contains(e.message, "upstream unavailable");
    assert_contains(d.msg, "4 attempts");
    assert_null(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_retry_timeout_error(void **state)
{
    fake_node *n = *state;
    /* nearcore answers TIMEOUT_ERROR with HTTP 408; resending the same signed tx is safe. */
    ROUTE(n, "send_tx", NULL, {.status = 408, .fixture = "error_timeout.json"},
          {.status = 408, .fixture = "error_timeout.json"}, {.fixture = "send_tx_final.json"});
    ROUTE(n, "tx", NULL, {.status = 408, .fixture = "error_timeout.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    const uint8_t stx[] = {7, 7};
    assert_int_equal(ol_near_rpc_send_tx(c, stx, sizeof stx, OL_NEAR_RPC_WAIT_FINAL, &res, &e, &d),
                     OL_OK);
    assert_int_equal(hits(n, "send_tx", NULL), 3);
    json_decref(res);
    /* Every attempt sent the identical transaction. */
    for (size_t i = 0; i < 3; i++)
        assert_str_member(json_object_get(logged(n, i), "params"), "signed_tx_base64", "Bwc=");

    /* Always TIMEOUT_ERROR: bounded, and the last error says so. */
    res = NULL;
    assert_int_equal(ol_near_rpc_tx(c, TX_HASH, "test.near", OL_NEAR_RPC_WAIT_FINAL, &res, &e, &d),
                     OL_E_STATE);
    assert_int_equal(hits(n, "tx", NULL), 4);
    assert_string_equal(e.cause, "TIMEOUT_ERROR");
    assert_string_equal(e.message, "Timeout");
    assert_int_equal(e.http_status, 408);
    assert_null(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_retry_internal_error(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "block", NULL, {.status = 500, .fixture = "error_internal.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_block(c, NULL, &res, &e, &d), OL_E_STATE);
    assert_int_equal(hits(n, "block", NULL), 4);
    assert_string_equal(e.name, "INTERNAL_ERROR");
    assert_string_equal(e.cause, "INTERNAL_ERROR");
    assert_string_equal(e.message, "Node is syncing");
    ol_near_rpc_free(c);
}

static void test_near_rpc_retry_total_time_bound(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "status", NULL, {.status = 502, .body = "bad gateway"});
    ol_near_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.max_attempts = 50;
    o.backoff_initial_ms = 60;
    o.backoff_max_ms = 60;
    o.total_timeout_ms = 300;
    ol_near_rpc *c = client_opts(n, &o);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    long t0 = mono_ms();
    assert_int_equal(ol_near_rpc_status(c, &res, &e, &d), OL_E_IO);
    long took = mono_ms() - t0;
    assert_true(took < 2000);
    assert_true(e.attempts >= 2 && e.attempts < 50);
    assert_int_equal(hits(n, "status", NULL), e.attempts);
    assert_contains(d.msg, "time limit");
    ol_near_rpc_free(c);
}

static void test_near_rpc_request_timeout(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "status", NULL, {.delay_ms = 3000, .fixture = "status.json"});
    ol_near_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.max_attempts = 2;
    o.backoff_initial_ms = 1;
    o.request_timeout_ms = 200;
    ol_near_rpc *c = client_opts(n, &o);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    long t0 = mono_ms();
    assert_int_equal(ol_near_rpc_status(c, &res, &e, &d), OL_E_IO);
    assert_true(mono_ms() - t0 < 2500);
    assert_int_equal(e.kind, OL_NEAR_RPC_ERR_TRANSPORT);
    assert_int_equal(e.attempts, 2);
    assert_contains(e.message, "no answer");
    assert_contains(e.message, "within 200 ms");
    ol_near_rpc_free(c);
}

static void test_near_rpc_no_retry_on_answers(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_account", {.fixture = "error_unknown_account.json"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_view_account(c, NULL, "nobody.testnet", &res, NULL, &d),
                     OL_E_NOTFOUND);
    assert_int_equal(hits(n, "query", "view_account"), 1);
    assert_contains(d.msg, "near rpc query: UNKNOWN_ACCOUNT: account nobody.testnet");
    ol_near_rpc_free(c);
}

/* ---------------------------------------------------------------------------------------- */
/* Broken responses and transports.                                                         */

static void test_near_rpc_malformed_json(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "status", NULL, {.body = "{\"jsonrpc\":\"2.0\",\"result\": {oops}"});
    ROUTE(n, "block", NULL, {.body = ""});
    ROUTE(n, "gas_price", NULL, {.body = "{\"jsonrpc\":\"2.0\",\"id\":\"dontcare\"}"});
    ROUTE(n, "tx", NULL, {.body = "[1,2,3]"});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};

    assert_int_equal(ol_near_rpc_status(c, &res, &e, &d), OL_E_MALFORMED);
    assert_int_equal(e.kind, OL_NEAR_RPC_ERR_RESPONSE);
    assert_contains(e.message, "malformed JSON");
    assert_contains(e.message, "column");
    assert_int_equal(hits(n, "status", NULL), 1);

    assert_int_equal(ol_near_rpc_block(c, NULL, &res, &e, &d), OL_E_MALFORMED);
    assert_contains(e.message, "empty response body");

    assert_int_equal(ol_near_rpc_gas_price(c, NULL, &res, &e, &d), OL_E_MALFORMED);
    assert_contains(e.message, "neither \"result\" nor \"error\"");

    assert_int_equal(ol_near_rpc_tx(c, TX_HASH, "a.near", OL_NEAR_RPC_WAIT_NONE, &res, &e, &d),
                     OL_E_MALFORMED);
    assert_contains(e.message, "not a JSON-RPC object");
    assert_null(res);

    /* broadcast_tx_async must return a hash string. */
    ROUTE(n, "broadcast_tx_async", NULL,
          {.body = "{\"jsonrpc\":\"2.0\",\"id\":\"dontcare\",\"result\":42}"});
    char *hash = NULL;
    const uint8_t stx[] = {1};
    assert_int_equal(ol_near_rpc_broadcast_tx_async(c, stx, 1, &hash, &e, &d), OL_E_MALFORMED);
    assert_null(hash);
    ol_near_rpc_free(c);
}

static void test_near_rpc_truncated_body(void **state)
{
    fake_node *n = *state;
    /* Content-Length promises more than arrives: a transport-level cut, retried, then a clear
     * error. */
    ROUTE(n, "block", NULL, {.fixture = "block.json", .truncate_at = 100});
    /* No Content-Length, connection closed mid-JSON: the JSON is incomplete. */
    ROUTE(n, "status", NULL, {.fixture = "status.json", .truncate_at = 120, .no_length = true});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};

    assert_int_equal(ol_near_rpc_block(c, NULL, &res, &e, &d), OL_E_MALFORMED);
    assert_int_equal(e.kind, OL_NEAR_RPC_ERR_RESPONSE);
    assert_contains(e.message, "truncated");
    assert_int_equal(hits(n, "block", NULL), 4);
    assert_int_equal(e.attempts, 4);

    assert_int_equal(ol_near_rpc_status(c, &res, &e, &d), OL_E_MALFORMED);
    assert_contains(e.message, "truncated body");
    assert_int_equal(hits(n, "status", NULL), 1);
    assert_null(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_hang_up_then_ok(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "status", NULL, {.hang_up = true}, {.fixture = "status.json"});
    ROUTE(n, "block", NULL, {.hang_up = true});
    ol_near_rpc *c = client(n);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_status(c, &res, &e, &d), OL_OK);
    assert_int_equal(hits(n, "status", NULL), 2);
    json_decref(res);
    res = NULL;

    assert_int_equal(ol_near_rpc_block(c, NULL, &res, &e, &d), OL_E_IO);
    assert_int_equal(e.kind, OL_NEAR_RPC_ERR_TRANSPORT);
    assert_int_equal(hits(n, "block", NULL), 4);
    assert_null(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_response_too_large(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "block", NULL, {.fixture = "block.json"});
    ol_near_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.max_response_len = 256;
    ol_near_rpc *c = client_opts(n, &o);
    json_t *res = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_block(c, NULL, &res, &e, &d), OL_E_LIMIT);
    assert_contains(e.message, "256-byte limit");
    assert_int_equal(hits(n, "block", NULL), 1);
    ol_near_rpc_free(c);
}

static void test_near_rpc_connection_refused(void **state)
{
    (void)state;
    unsigned short port = ol_test_http_closed_port();
    assert_true(port != 0);
    char url[128];
    /* The path and query stand for a provider API key: it must not appear in errors. */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/v3/SECRETKEY?apikey=SECRET2", (unsigned)port);
    ol_near_rpc *c = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_new(url, NULL, &c, &d), OL_OK);
    json_t *res = NULL;
    ol_near_rpc_error e;
    long t0 = mono_ms();
    assert_int_equal(ol_near_rpc_status(c, &res, &e, &d), OL_E_IO);
    assert_true(mono_ms() - t0 < 1000);
    assert_int_equal(e.kind, OL_NEAR_RPC_ERR_TRANSPORT);
    assert_int_equal(e.attempts, 1);
    assert_int_equal(e.http_status, 0);
    assert_contains(e.message, "cannot connect to http://127.0.0.1:");
    assert_contains(d.msg, "near rpc status: cannot connect");
    assert_null(strstr(d.msg, "SECRET"));
    assert_null(strstr(e.message, "SECRET"));
    assert_null(res);
    ol_near_rpc_free(c);
}

static void test_near_rpc_new_rejects(void **state)
{
    (void)state;
    ol_near_rpc *c = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_new("ftp://127.0.0.1/", NULL, &c, &d), OL_E_INVAL);
    assert_int_equal(ol_near_rpc_new("127.0.0.1:3030", NULL, &c, &d), OL_E_INVAL);
    assert_int_equal(ol_near_rpc_new(NULL, NULL, &c, &d), OL_E_INVAL);
    ol_near_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.max_attempts = 1000;
    assert_int_equal(ol_near_rpc_new("http://127.0.0.1:1/", &o, &c, &d), OL_E_INVAL);
    o.max_attempts = 0;
    o.request_timeout_ms = -1;
    assert_int_equal(ol_near_rpc_new("http://127.0.0.1:1/", &o, &c, &d), OL_E_INVAL);
    assert_null(c);

    /* Zeroed options mean the defaults. */
    memset(&o, 0, sizeof o);
    assert_int_equal(ol_near_rpc_new("https://rpc.testnet.near.org", &o, &c, &d), OL_OK);
    ol_near_rpc_opts got, def;
    ol_near_rpc_get_opts(c, &got);
    ol_near_rpc_opts_default(&def);
    assert_int_equal(got.connect_timeout_ms, def.connect_timeout_ms);
    assert_int_equal(got.request_timeout_ms, def.request_timeout_ms);
    assert_int_equal(got.total_timeout_ms, def.total_timeout_ms);
    assert_int_equal(got.max_attempts, def.max_attempts);
    assert_int_equal(got.backoff_initial_ms, def.backoff_initial_ms);
    assert_int_equal(got.backoff_max_ms, def.backoff_max_ms);
    assert_int_equal(got.max_response_len, def.max_response_len);
    assert_int_equal(got.max_nonce_retries, def.max_nonce_retries);
    assert_string_equal(ol_near_rpc_url(c), "https://rpc.testnet.near.org");
    ol_near_rpc_free(c);
    ol_near_rpc_free(NULL);
}

static void test_near_rpc_names_and_refs(void **state)
{
    (void)state;
    ol_near_rpc_wait w;
    for (int i = OL_NEAR_RPC_WAIT_NONE; i <= OL_NEAR_RPC_WAIT_FINAL; i++) {
        const char *name = ol_near_rpc_wait_name((ol_near_rpc_wait)i);
        assert_non_null(name);
        assert_true(ol_near_rpc_wait_parse(name, &w));
        assert_int_equal(w, i);
    }
    assert_string_equal(ol_near_rpc_wait_name(OL_NEAR_RPC_WAIT_EXECUTED_OPTIMISTIC),
                        "EXECUTED_OPTIMISTIC");
    assert_false(ol_near_rpc_wait_parse("final", &w));
    assert_null(ol_near_rpc_wait_name((ol_near_rpc_wait)99));

    ol_near_rpc_block_ref r;
    ol_diag d = {0};
    assert_int_equal(ol_near_rpc_block_ref_parse("final", &r, &d), OL_OK);
    assert_int_equal(r.kind, OL_NEAR_RPC_FINAL);
    assert_int_equal(ol_near_rpc_block_ref_parse("optimistic", &r, &d), OL_OK);
    assert_int_equal(r.kind, OL_NEAR_RPC_OPTIMISTIC);
    assert_int_equal(ol_near_rpc_block_ref_parse("near-final", &r, &d), OL_OK);
    assert_int_equal(r.kind, OL_NEAR_RPC_NEAR_FINAL);
    assert_int_equal(ol_near_rpc_block_ref_parse("187310138", &r, &d), OL_OK);
    assert_int_equal(r.kind, OL_NEAR_RPC_BLOCK_HEIGHT);
    assert_int_equal(r.height, 187310138);
    assert_int_equal(ol_near_rpc_block_ref_parse(BLOCK_HASH, &r, &d), OL_OK);
    assert_int_equal(r.kind, OL_NEAR_RPC_BLOCK_HASH);
    assert_string_equal(r.hash, BLOCK_HASH);
    assert_int_equal(ol_near_rpc_block_ref_parse("99999999999999999999", &r, &d), OL_E_INVAL);
    assert_int_equal(ol_near_rpc_block_ref_parse("latest", &r, &d), OL_E_INVAL);
    assert_int_equal(ol_near_rpc_block_ref_parse("", &r, &d), OL_E_INVAL);
    assert_int_equal(ol_near_rpc_block_ref_parse("3xyz0OIl", &r, &d), OL_E_INVAL);

    assert_string_equal(ol_near_rpc_err_kind_name(OL_NEAR_RPC_ERR_SERVER), "server");
    ol_near_rpc_error e;
    ol_near_rpc_error_clear(&e);
    assert_false(ol_near_rpc_error_is(&e, ""));
    assert_false(ol_near_rpc_error_is(NULL, "X"));
}

/* One client per thread: handles are independent. */
typedef struct thread_job {
    fake_node *n;
    int ok;
} thread_job;

static void *thread_main(void *arg)
{
    thread_job *j = arg;
    ol_near_rpc *c = NULL;
    ol_near_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.backoff_initial_ms = 1;
    if (ol_near_rpc_new(ol_test_http_server_url(j->n->srv), &o, &c, NULL) != OL_OK)
        return NULL;
    for (int i = 0; i < 10; i++) {
        json_t *res = NULL;
        if (ol_near_rpc_status(c, &res, NULL, NULL) == OL_OK)
            j->ok++;
        json_decref(res);
    }
    ol_near_rpc_free(c);
    return NULL;
}

static void test_near_rpc_one_client_per_thread(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "status", NULL, {.fixture = "status.json"});
    pthread_t t[4];
    thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){.n = n, .ok = 0};
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(jobs[i].ok, 10);
    }
    assert_int_equal(hits(n, "status", NULL), 40);
}

/* ---------------------------------------------------------------------------------------- */
/* The signer helper.                                                                       */

/* Decodes and verifies the signed transaction of the i-th logged request (a send_tx). */
static void sent_tx(fake_node *n, size_t i, ol_near_arena *ar, ol_near_signed_tx *out)
{
    json_t *req = logged(n, i);
    assert_str_member(req, "method", "send_tx");
    const char *b64 =
        json_string_value(json_object_get(json_object_get(req, "params"), "signed_tx_base64"));
    assert_non_null(b64);
    size_t cap = ol_near_base64_decoded_max(strlen(b64)), len = 0;
    uint8_t *raw = malloc(cap);
    assert_non_null(raw);
    ol_diag d = {0};
    if (ol_near_base64_decode(b64, strlen(b64), raw, cap, &len, &d) != OL_OK ||
        ol_near_signed_tx_decode(raw, len, ar, out, &d) != OL_OK ||
        ol_near_signed_tx_verify(out, NULL, &d) != OL_OK)
        fail_msg("request %zu: %s", i, d.msg);
    free(raw);
}

/* Index of the n-th logged request with `method` (0-based). */
static size_t find_logged(fake_node *n, const char *method, unsigned nth)
{
    pthread_mutex_lock(&n->mu);
    size_t count = n->n_log;
    pthread_mutex_unlock(&n->mu);
    for (size_t i = 0; i < count; i++) {
        const char *m = json_string_value(json_object_get(logged(n, i), "method"));
        if (m != NULL && strcmp(m, method) == 0 && nth-- == 0)
            return i;
    }
    fail_msg("no request #%u for %s", nth, method);
    return 0;
}

static void function_call(ol_near_action *act)
{
    memset(act, 0, sizeof *act);
    act->kind = OL_NEAR_ACTION_FUNCTION_CALL;
    act->function_call.method_name = ol_near_str_c("increment");
    act->function_call.args.p = (const uint8_t *)"{\"by\":1}";
    act->function_call.args.len = 8;
    act->function_call.gas = UINT64_C(30000000000000);
    act->function_call.deposit = OL_NEAR_U128_C(0);
}

static void load_key(ol_near_secret_key *sk)
{
    ol_diag d = {0};
    assert_int_equal(ol_near_init(&d), OL_OK);
    assert_int_equal(ol_near_secret_key_parse(SK_V1, sk, &d), OL_OK);
}

static void test_near_rpc_signer_sends(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_access_key", {.fixture = "view_access_key.json"});
    ROUTE(n, "block", NULL, {.fixture = "block.json"});
    ROUTE(n, "send_tx", NULL, {.fixture = "send_tx_final.json"});
    ol_near_rpc *c = client(n);
    ol_near_secret_key sk;
    ol_near_action act;
    json_t *outcome = NULL;
    char hash[OL_NEAR_HASH_STR_MAX];
    ol_near_rpc_error e;
    ol_diag d = {0};
    load_key(&sk);
    function_call(&act);

    if (ol_near_rpc_sign_and_send(c, "test.near", &sk, "counter.test.near", &act, 1,
                                  OL_NEAR_RPC_WAIT_FINAL, &outcome, hash, &e, &d) != OL_OK)
        fail_msg("sign_and_send: %s", d.msg);
    assert_str_member(outcome, "final_execution_status", "FINAL");
    assert_int_equal(hits(n, "query", "view_access_key"), 1);
    assert_int_equal(hits(n, "block", NULL), 1);
    assert_int_equal(hits(n, "send_tx", NULL), 1);
    assert_int_equal(e.kind, OL_NEAR_RPC_ERR_NONE);

    /* What went out: the key's public key and nonce + 1, the final block's hash, the action,
     * a valid signature, and the hash reported back. */
    json_t *vak = json_object_get(logged(n, find_logged(n, "query", 0)), "params");
    assert_str_member(vak, "public_key", PK_V1);
    assert_str_member(vak, "account_id", "test.near");
    assert_str_member(vak, "finality", "final");
    assert_str_member(json_object_get(logged(n, find_logged(n, "block", 0)), "params"), "finality",
                      "final");
    assert_str_member(json_object_get(logged(n, find_logged(n, "send_tx", 0)), "params"),
                      "wait_until", "FINAL");

    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, &d), OL_OK);
    ol_near_signed_tx stx;
    sent_tx(n, find_logged(n, "send_tx", 0), ar, &stx);
    assert_string_equal(stx.tx.signer_id, "test.near");
    assert_string_equal(stx.tx.receiver_id, "counter.test.near");
    assert_int_equal(stx.tx.nonce, AK_NONCE + 1);
    uint8_t bh[32];
    assert_int_equal(ol_near_hash_parse(BLOCK_HASH, bh, NULL), OL_OK);
    assert_memory_equal(stx.tx.block_hash, bh, 32);
    assert_int_equal(stx.tx.n_actions, 1);
    assert_int_equal(stx.tx.actions[0].kind, OL_NEAR_ACTION_FUNCTION_CALL);
    assert_int_equal(stx.tx.actions[0].function_call.gas, UINT64_C(30000000000000));
    char pk[OL_NEAR_KEY_STR_MAX];
    ol_near_public_key_format(&stx.tx.public_key, pk);
    assert_string_equal(pk, PK_V1);
    uint8_t th[32];
    char th_text[OL_NEAR_HASH_STR_MAX];
    assert_int_equal(ol_near_tx_hash(&stx.tx, NULL, th, &d), OL_OK);
    ol_near_hash_format(th, th_text);
    assert_string_equal(hash, th_text);

    ol_near_arena_free(ar);
    json_decref(outcome);
    ol_near_secret_key_wipe(&sk);
    ol_near_rpc_free(c);
}

static void test_near_rpc_signer_invalid_nonce_rereads(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_access_key", {.fixture = "view_access_key.json"},
          {.fixture = "view_access_key_bumped.json"});
    ROUTE(n, "block", NULL, {.fixture = "block.json"});
    ROUTE(n, "send_tx", NULL, {.fixture = "error_invalid_nonce.json"},
          {.fixture = "send_tx_final.json"});
    ol_near_rpc *c = client(n);
    ol_near_secret_key sk;
    ol_near_action act;
    json_t *outcome = NULL;
    ol_diag d = {0};
    load_key(&sk);
    function_call(&act);

    if (ol_near_rpc_sign_and_send(c, "test.near", &sk, "counter.test.near", &act, 1,
                                  OL_NEAR_RPC_WAIT_EXECUTED_OPTIMISTIC, &outcome, NULL, NULL,
                                  &d) != OL_OK)
        fail_msg("sign_and_send: %s", d.msg);
    assert_int_equal(hits(n, "query", "view_access_key"), 2);
    assert_int_equal(hits(n, "send_tx", NULL), 2);
    assert_int_equal(hits(n, "block", NULL), 1);

    ol_near_arena *ar = NULL;
    assert_int_equal(ol_near_arena_new(NULL, &ar, &d), OL_OK);
    ol_near_signed_tx first, second;
    sent_tx(n, find_logged(n, "send_tx", 0), ar, &first);
    sent_tx(n, find_logged(n, "send_tx", 1), ar, &second);
    assert_int_equal(first.tx.nonce, UINT64_C(187309654000002));
    /* max(re-read nonce 187309654000007, reported ak_nonce 187309654000005) + 1 */
    assert_int_equal(second.tx.nonce, UINT64_C(187309654000008));
    assert_memory_equal(first.tx.block_hash, second.tx.block_hash, 32);

    ol_near_arena_free(ar);
    json_decref(outcome);
    ol_near_secret_key_wipe(&sk);
    ol_near_rpc_free(c);
}

static void test_near_rpc_signer_invalid_nonce_bounded(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_access_key", {.fixture = "view_access_key.json"});
    ROUTE(n, "block", NULL, {.fixture = "block.json"});
    ROUTE(n, "send_tx", NULL, {.fixture = "error_invalid_nonce.json"});
    ol_near_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.backoff_initial_ms = 1;
    o.max_nonce_retries = 2;
    ol_near_rpc *c = client_opts(n, &o);
    ol_near_secret_key sk;
    ol_near_action act;
    json_t *outcome = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    load_key(&sk);
    function_call(&act);

    assert_int_equal(ol_near_rpc_sign_and_send(c, "test.near", &sk, "counter.test.near", &act, 1,
                                               OL_NEAR_RPC_WAIT_FINAL, &outcome, NULL, &e, &d),
                     OL_E_STATE);
    assert_null(outcome);
    assert_int_equal(hits(n, "send_tx", NULL), 3);
    assert_int_equal(hits(n, "query", "view_access_key"), 3);
    assert_string_equal(e.tx_error, "InvalidNonce");
    assert_int_equal(e.ak_nonce, UINT64_C(187309654000005));
    assert_contains(d.msg, "InvalidNonce 3 times");
    assert_null(strstr(d.msg, "3hoMW1"));
    ol_near_secret_key_wipe(&sk);
    ol_near_rpc_free(c);
}

static void test_near_rpc_signer_retried_send_landed(void **state)
{
    fake_node *n = *state;
    /* The first send gets a 503 but lands; its HTTP retry then meets its own nonce. The signer
     * must find the landed transaction instead of signing a second one. */
    ROUTE(n, "query", "view_access_key", {.fixture = "view_access_key.json"});
    ROUTE(n, "block", NULL, {.fixture = "block.json"});
    ROUTE(n, "send_tx", NULL, {.status = 503, .body = "busy"},
          {.fixture = "error_invalid_nonce.json"});
    ROUTE(n, "tx", NULL, {.fixture = "tx.json"});
    ol_near_rpc *c = client(n);
    ol_near_secret_key sk;
    ol_near_action act;
    json_t *outcome = NULL;
    char hash[OL_NEAR_HASH_STR_MAX];
    ol_diag d = {0};
    load_key(&sk);
    function_call(&act);

    if (ol_near_rpc_sign_and_send(c, "test.near", &sk, "counter.test.near", &act, 1,
                                  OL_NEAR_RPC_WAIT_FINAL, &outcome, hash, NULL, &d) != OL_OK)
        fail_msg("sign_and_send: %s", d.msg);
    assert_int_equal(hits(n, "send_tx", NULL), 2);
    assert_int_equal(hits(n, "tx", NULL), 1);
    assert_int_equal(hits(n, "query", "view_access_key"), 1);
    json_t *p = json_object_get(logged(n, find_logged(n, "tx", 0)), "params");
    assert_str_member(p, "tx_hash", hash);
    assert_str_member(p, "sender_account_id", "test.near");
    /* Both sends carried the same signed transaction. */
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(logged(n, find_logged(n, "send_tx", 0)), "params"),
                            "signed_tx_base64")),
                        json_string_value(json_object_get(
                            json_object_get(logged(n, find_logged(n, "send_tx", 1)), "params"),
                            "signed_tx_base64")));
    assert_str_member(outcome, "final_execution_status", "FINAL");
    json_decref(outcome);
    ol_near_secret_key_wipe(&sk);
    ol_near_rpc_free(c);
}

static void test_near_rpc_signer_rejects_before_sending(void **state)
{
    fake_node *n = *state;
    ol_near_rpc *c = client(n);
    ol_near_secret_key sk;
    ol_near_action act;
    json_t *outcome = NULL;
    ol_diag d = {0};
    load_key(&sk);
    function_call(&act);
    assert_int_equal(ol_near_rpc_sign_and_send(c, "Bad..Name", &sk, "counter.test.near", &act, 1,
                                               OL_NEAR_RPC_WAIT_FINAL, &outcome, NULL, NULL, &d),
                     OL_E_INVAL);
    assert_int_equal(ol_near_rpc_sign_and_send(c, "test.near", &sk, "", &act, 1,
                                               OL_NEAR_RPC_WAIT_FINAL, &outcome, NULL, NULL, &d),
                     OL_E_INVAL);
    assert_int_equal(total_requests(n), 0);
    assert_null(outcome);
    ol_near_secret_key_wipe(&sk);
    ol_near_rpc_free(c);
}

static void test_near_rpc_signer_unknown_key(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_access_key", {.fixture = "error_unknown_access_key_legacy.json"});
    ol_near_rpc *c = client(n);
    ol_near_secret_key sk;
    ol_near_action act;
    json_t *outcome = NULL;
    ol_near_rpc_error e;
    ol_diag d = {0};
    load_key(&sk);
    function_call(&act);
    assert_int_equal(ol_near_rpc_sign_and_send(c, "test.near", &sk, "counter.test.near", &act, 1,
                                               OL_NEAR_RPC_WAIT_FINAL, &outcome, NULL, &e, &d),
                     OL_E_NOTFOUND);
    assert_string_equal(e.cause, "UNKNOWN_ACCESS_KEY");
    assert_int_equal(total_requests(n), 1);
    ol_near_secret_key_wipe(&sk);
    ol_near_rpc_free(c);
}

/* ---------------------------------------------------------------------------------------- */
/* The CLI: the built `outlayer` binary against the same server.                            */

typedef struct cli_result {
    int status;
    char out[65536];
    char err[8192];
} cli_result;

/* The outlayer binary: $OL_OUTLAYER_BIN, or ../../outlayer next to this test binary. */
static bool outlayer_path(char *out, size_t cap)
{
    const char *env = getenv("OL_OUTLAYER_BIN");
    if (env != NULL) {
        snprintf(out, cap, "%s", env);
        return access(out, X_OK) == 0;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return false;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL)
        return false;
    *slash = '\0';
    int k = snprintf(out, cap, "%s/../../outlayer", self);
    return k > 0 && (size_t)k < cap && access(out, X_OK) == 0;
}

static void slurp(int fd, char *buf, size_t cap)
{
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, cap - 1);
    buf[n > 0 ? n : 0] = '\0';
}

/* Runs outlayer with argv (NULL-terminated, argv[0] ignored), at most 20 s. */
static void run_cli(const char *const *args, cli_result *r)
{
    char bin[PATH_MAX];
    if (!outlayer_path(bin, sizeof bin)) {
        if (getenv("CI") != NULL)
            fail_msg("outlayer binary not found (set OL_OUTLAYER_BIN)");
        skip();
    }
    char out_path[] = "/tmp/ol-near-rpc-out-XXXXXX";
    char err_path[] = "/tmp/ol-near-rpc-err-XXXXXX";
    int ofd = mkstemp(out_path), efd = mkstemp(err_path);
    assert_true(ofd >= 0 && efd >= 0);
    unlink(out_path);
    unlink(err_path);

    char *argv[32];
    size_t i = 0;
    argv[i++] = bin;
    for (size_t k = 1; args[k] != NULL && i < 31; k++)
        argv[i++] = (char *)(uintptr_t)args[k];
    argv[i] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, ofd, 1);
    posix_spawn_file_actions_adddup2(&fa, efd, 2);
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);

    int wstatus = 0;
    bool done = false;
    for (int waited = 0; waited < 20000; waited += 10) {
        pid_t w = waitpid(pid, &wstatus, WNOHANG);
        if (w == pid) {
            done = true;
            break;
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &wstatus, 0);
        fail_msg("outlayer %s did not finish within 20 s", args[1]);
    }
    assert_true(WIFEXITED(wstatus));
    r->status = WEXITSTATUS(wstatus);
    slurp(ofd, r->out, sizeof r->out);
    slurp(efd, r->err, sizeof r->err);
    close(ofd);
    close(efd);
}

static json_t *cli_json(const cli_result *r)
{
    json_error_t jerr;
    json_t *v = json_loads(r->out, JSON_DECODE_ANY, &jerr);
    if (v == NULL)
        fail_msg("stdout is not JSON (%s): %s\nstderr: %s", jerr.text, r->out, r->err);
    return v;
}

static void expect_ok(const cli_result *r)
{
    if (r->status != 0)
        fail_msg("exit %d\nstdout: %s\nstderr: %s", r->status, r->out, r->err);
}

static void test_near_rpc_cli_reads(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "call_function", {.fixture = "call_function.json"},
          {.fixture = "call_function.json"}, {.fixture = "call_function_binary.json"});
    ROUTE(n, "query", "view_account", {.fixture = "view_account.json"});
    ROUTE(n, "query", "view_access_key_list", {.fixture = "view_access_key_list.json"});
    ROUTE(n, "tx", NULL, {.fixture = "tx.json"});
    ROUTE(n, "block", NULL, {.fixture = "block.json"});
    const char *url = ol_test_http_server_url(n->srv);
    cli_result *r = malloc(sizeof *r);
    assert_non_null(r);

    const char *view[] = {"outlayer",          "near",      "--rpc",     url, "view",
                          "counter.test.near", "get_state", "{\"a\":1}", NULL};
    run_cli(view, r);
    expect_ok(r);
    json_t *v = cli_json(r);
    assert_str_member(json_object_get(v, "result"), "owner", "test.near");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "result"), "count")), 7);
    assert_int_equal(json_integer_value(json_object_get(v, "block_height")), 187444191);
    assert_int_equal(json_array_size(json_object_get(v, "logs")), 1);
    assert_string_equal(r->err, "");
    assert_str_member(last_params(n), "args_base64", "eyJhIjoxfQ==");
    json_decref(v);

    /* Options after the command, default args {}. */
    const char *view2[] = {"outlayer",  "near",    "view",       "counter.test.near",
                           "get_state", "--block", "optimistic", "--rpc",
                           url,         NULL};
    run_cli(view2, r);
    expect_ok(r);
    assert_str_member(last_params(n), "args_base64", "e30=");
    assert_str_member(last_params(n), "finality", "optimistic");

    /* A return value that is not JSON comes back as base64. */
    char rpc_opt[96];
    snprintf(rpc_opt, sizeof rpc_opt, "--rpc=%s", url);
    const char *view3[] = {"outlayer", "near",    rpc_opt,     "view", "counter.test.near",
                           "get_raw",  "--block", "187444191", NULL};
    run_cli(view3, r);
    expect_ok(r);
    v = cli_json(r);
    assert_true(json_is_null(json_object_get(v, "result")));
    assert_str_member(v, "result_base64", "AQID");
    assert_int_equal(json_integer_value(json_object_get(last_params(n), "block_id")), 187444191);
    json_decref(v);

    const char *account[] = {"outlayer", "near", "--rpc", url, "account", "test.near", NULL};
    run_cli(account, r);
    expect_ok(r);
    v = cli_json(r);
    assert_str_member(v, "amount", "399992611103597728750000000");
    json_decref(v);

    const char *keys[] = {"outlayer", "near", "--rpc", url, "keys", "test.near", NULL};
    run_cli(keys, r);
    expect_ok(r);
    v = cli_json(r);
    assert_int_equal(json_array_size(json_object_get(v, "keys")), 2);
    json_decref(v);

    const char *tx[] = {"outlayer", "near", "--rpc", url, "tx", TX_HASH, "test.near", NULL};
    run_cli(tx, r);
    expect_ok(r);
    v = cli_json(r);
    assert_str_member(json_object_get(v, "transaction"), "hash", TX_HASH);
    assert_str_member(last_params(n), "sender_account_id", "test.near");
    json_decref(v);

    const char *block[] = {"outlayer", "near", "--rpc", url, "block", NULL};
    run_cli(block, r);
    expect_ok(r);
    v = cli_json(r);
    assert_str_member(json_object_get(v, "header"), "hash", BLOCK_HASH);
    assert_str_member(last_params(n), "finality", "final");
    json_decref(v);

    const char *block_h[] = {"outlayer", "near", "--rpc", url, "block", "187310138", NULL};
    run_cli(block_h, r);
    expect_ok(r);
    assert_int_equal(json_integer_value(json_object_get(last_params(n), "block_id")), 187310138);

    const char *block_hash[] = {"outlayer", "near", "--rpc", url, "block", BLOCK_HASH, NULL};
    run_cli(block_hash, r);
    expect_ok(r);
    assert_str_member(last_params(n), "block_id", BLOCK_HASH);
    free(r);
}

static void test_near_rpc_cli_call(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_access_key", {.fixture = "view_access_key.json"});
    ROUTE(n, "block", NULL, {.fixture = "block.json"});
    ROUTE(n, "send_tx", NULL, {.fixture = "send_tx_final.json"},
          {.fixture = "send_tx_failure.json"});
    const char *url = ol_test_http_server_url(n->srv);
    cli_result *r = malloc(sizeof *r);
    assert_non_null(r);

    char dir[] = "/tmp/ol-near-rpc-keys-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char key_file[PATH_MAX];
    snprintf(key_file, sizeof key_file, "%s/test.near.json", dir);
    FILE *f = fopen(key_file, "w");
    assert_non_null(f);
    fprintf(f, "{\"account_id\":\"test.near\",\"public_key\":\"%s\",\"private_key\":\"%s\"}\n",
            PK_V1, SK_V1);
    fclose(f);
    chmod(key_file, 0600);

    const char *call[] = {"outlayer",   "near",       "--rpc",     url,
                          "--key-file", key_file,     "call",      "counter.test.near",
                          "increment",  "{\"by\":1}", "--deposit", "1.5 NEAR",
                          "--gas",      "50 Tgas",    "--wait",    "FINAL",
                          NULL};
    run_cli(call, r);
    expect_ok(r);
    json_t *v = cli_json(r);
    assert_str_member(v, "final_execution_status", "FINAL");
    json_decref(v);
    assert_null(strstr(r->err, "3hoMW1"));
    assert_str_member(last_params(n), "wait_until", "FINAL");

    ol_near_arena *ar = NULL;
    ol_diag d = {0};
    assert_int_equal(ol_near_arena_new(NULL, &ar, &d), OL_OK);
    ol_near_signed_tx stx;
    sent_tx(n, find_logged(n, "send_tx", 0), ar, &stx);
    assert_string_equal(stx.tx.signer_id, "test.near");
    assert_string_equal(stx.tx.receiver_id, "counter.test.near");
    assert_int_equal(stx.tx.nonce, AK_NONCE + 1);
    const ol_near_action *a = &stx.tx.actions[0];
    assert_int_equal(a->kind, OL_NEAR_ACTION_FUNCTION_CALL);
    assert_int_equal(a->function_call.gas, UINT64_C(50000000000000));
    assert_int_equal(a->function_call.args.len, 8);
    assert_memory_equal(a->function_call.args.p, "{\"by\":1}", 8);
    char dep[OL_NEAR_U128_STR_MAX];
    ol_near_u128_format(a->function_call.deposit, dep);
    assert_string_equal(dep, "1500000000000000000000000");
    ol_near_arena_free(ar);

    /* The transaction executes and fails: the outcome on stdout, exit 1, why on stderr. */
    const char *call2[] = {"outlayer",   "near",   "--rpc", url,
                           "--key-file", key_file, "call",  "counter.test.near",
                           "increment",  NULL};
    run_cli(call2, r);
    assert_int_equal(r->status, 1);
    v = cli_json(r);
    assert_non_null(json_object_get(json_object_get(v, "status"), "Failure"));
    json_decref(v);
    assert_contains(r->err, "failed: ActionError");
    assert_contains(r->err, "counter overflow");
    assert_str_member(last_params(n), "wait_until", "EXECUTED_OPTIMISTIC");

    /* call without --key-file is a usage error, nothing sent. */
    unsigned before = total_requests(n);
    const char *nokey[] = {"outlayer",          "near", "--rpc", url, "call",
                           "counter.test.near", "m",    NULL};
    run_cli(nokey, r);
    assert_int_equal(r->status, 2);
    assert_contains(r->err, "--key-file");
    assert_int_equal(total_requests(n), before);

    unlink(key_file);
    rmdir(dir);
    free(r);
}

static void test_near_rpc_cli_errors(void **state)
{
    fake_node *n = *state;
    ROUTE(n, "query", "view_account", {.fixture = "error_unknown_account.json"});
    ROUTE(n, "query", "call_function", {.fixture = "call_function_error_legacy.json"});
    const char *url = ol_test_http_server_url(n->srv);
    cli_result *r = malloc(sizeof *r);
    assert_non_null(r);

    const char *account[] = {"outlayer", "near", "--rpc", url, "account", "nobody.testnet", NULL};
    run_cli(account, r);
    assert_int_equal(r->status, 1);
    assert_string_equal(r->out, "");
    assert_contains(r->err, "UNKNOWN_ACCOUNT");
    assert_contains(r->err, "nobody.testnet does not exist");

    const char *view[] = {"outlayer",          "near", "--rpc", url, "view",
                          "counter.test.near", "nope", NULL};
    run_cli(view, r);
    assert_int_equal(r->status, 1);
    assert_string_equal(r->out, "");
    assert_contains(r->err, "CONTRACT_EXECUTION_ERROR");
    assert_contains(r->err, "MethodNotFound");

    /* Bad input is refused before anything is sent. */
    unsigned before = total_requests(n);
    const char *badjson[] = {"outlayer", "near", "--rpc", url, "view",
                             "c.near",   "m",    "{oops", NULL};
    run_cli(badjson, r);
    assert_int_equal(r->status, 1);
    assert_contains(r->err, "JSON_ARGS is not JSON");
    const char *badacct[] = {"outlayer", "near", "--rpc", url, "account", "Not_Valid!", NULL};
    run_cli(badacct, r);
    assert_int_equal(r->status, 1);
    const char *norpc[] = {"outlayer", "near", "account", "test.near", NULL};
    run_cli(norpc, r);
    assert_int_equal(r->status, 2);
    assert_contains(r->err, "--rpc");
    const char *extra[] = {"outlayer", "near", "--rpc", url, "block", "1", "2", NULL};
    run_cli(extra, r);
    assert_int_equal(r->status, 2);
    const char *badtx[] = {"outlayer", "near", "--rpc", url, "tx", "nothex", "a.near", NULL};
    run_cli(badtx, r);
    assert_int_equal(r->status, 1);
    const char *badwait[] = {"outlayer", "near",   "--rpc",  url,    "tx",
                             TX_HASH,    "a.near", "--wait", "SOON", NULL};
    run_cli(badwait, r);
    assert_int_equal(r->status, 1);
    assert_contains(r->err, "--wait");
    assert_int_equal(total_requests(n), before);

    /* Nothing listening: a clear error, quickly. */
    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%u/", (unsigned)ol_test_http_closed_port());
    const char *refused[] = {"outlayer", "near", "--rpc", dead, "block", NULL};
    long t0 = mono_ms();
    run_cli(refused, r);
    assert_true(mono_ms() - t0 < 5000);
    assert_int_equal(r->status, 1);
    assert_contains(r->err, "cannot connect");
    free(r);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, node_setup, node_teardown)
    const struct CMUnitTest tests[] = {
        T(test_near_rpc_status),
        T(test_near_rpc_block_refs),
        T(test_near_rpc_gas_price),
        T(test_near_rpc_view_account),
        T(test_near_rpc_view_access_key),
        T(test_near_rpc_call_function),
        T(test_near_rpc_view_state_and_code),
        T(test_near_rpc_send_and_track),
        T(test_near_rpc_generic_call),
        T(test_near_rpc_view_error_both_shapes),
        T(test_near_rpc_missing_account_and_key),
        T(test_near_rpc_error_envelopes),
        T(test_near_rpc_outcome_failure),
        T(test_near_rpc_retry_503_then_ok),
        T(test_near_rpc_retry_429_retry_after),
        T(test_near_rpc_retry_bounded_count),
        T(test_near_rpc_retry_timeout_error),
        T(test_near_rpc_retry_internal_error),
        T(test_near_rpc_retry_total_time_bound),
        T(test_near_rpc_request_timeout),
        T(test_near_rpc_no_retry_on_answers),
        T(test_near_rpc_malformed_json),
        T(test_near_rpc_truncated_body),
        T(test_near_rpc_hang_up_then_ok),
        T(test_near_rpc_response_too_large),
        cmocka_unit_test(test_near_rpc_connection_refused),
        cmocka_unit_test(test_near_rpc_new_rejects),
        cmocka_unit_test(test_near_rpc_names_and_refs),
        T(test_near_rpc_one_client_per_thread),
        T(test_near_rpc_signer_sends),
        T(test_near_rpc_signer_invalid_nonce_rereads),
        T(test_near_rpc_signer_invalid_nonce_bounded),
        T(test_near_rpc_signer_retried_send_landed),
        T(test_near_rpc_signer_rejects_before_sending),
        T(test_near_rpc_signer_unknown_key),
        T(test_near_rpc_cli_reads),
        T(test_near_rpc_cli_call),
        T(test_near_rpc_cli_errors),
    };
#undef T
    /* Retry warnings would drown the test output. */
    ol_log_set_level(OL_LOG_ERROR);
    /* The server is on 127.0.0.1: a proxy from the environment (also inherited by the CLI
     * children) must not be asked to reach it. */
    static const char *const proxies[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                          "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++)
        unsetenv(proxies[i]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
