/* NEAR JSON-RPC client: one POST per attempt through a reused curl easy handle, bounded retries,
 * and the mapping of every failure (transport, HTTP status, malformed body, both shapes of node
 * errors) onto one ol_near_rpc_error.
 *
 * Invariants: a call either returns OL_OK with exactly the node's "result" value, or fails with
 * `*e` and the diagnostic filled and no output written. Every call is bounded: at most
 * opts.max_attempts HTTP attempts, and never longer than opts.total_timeout_ms in all (each
 * attempt's curl timeout is clipped to the time left, and a backoff that would cross the limit is
 * not slept). Error texts name the endpoint by scheme://host:port only: provider URLs often carry
 * API keys in their path or query. */
#include "ol/near_rpc.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "ol/log.h"
#include "ol/near.h"

struct ol_near_rpc {
    char *url;         /* as given; used for requests only */
    char *url_display; /* scheme://host[:port], for messages */
    CURL *curl;
    struct curl_slist *headers;
    ol_near_rpc_opts opts;
    /* Per-attempt state, reset before each attempt. */
    char *body;
    size_t body_len;
    size_t body_cap;
    bool body_too_large;
    long retry_after_ms; /* from a Retry-After header in seconds; -1 if none */
    char curl_err[CURL_ERROR_SIZE];
};

/* ---- small helpers ---- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void set_message(ol_near_rpc_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_message(ol_near_rpc_error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Sleeps `ms` milliseconds; resumes after signals, at most 64 times. */
static void sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    for (int i = 0; i < 64; i++) {
        if (nanosleep(&ts, &ts) == 0 || errno != EINTR)
            break;
    }
}

/* A printable excerpt of a response body for messages: at most `max` bytes, control and non-ASCII
 * bytes as '?', "..." when cut. */
static void excerpt(const char *p, size_t len, char *out, size_t cap)
{
    size_t max = cap > 4 ? cap - 4 : 0;
    size_t n = len < max ? len : max;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        out[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    if (n < len && cap >= 4) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* ---- options, error values, names ---- */

void ol_near_rpc_opts_default(ol_near_rpc_opts *o)
{
    o->connect_timeout_ms = 10000;
    o->request_timeout_ms = 60000;
    o->total_timeout_ms = 120000;
    o->max_attempts = 5;
    o->backoff_initial_ms = 250;
    o->backoff_max_ms = 8000;
    o->max_response_len = (size_t)64 << 20;
    o->max_nonce_retries = 3;
}

void ol_near_rpc_error_clear(ol_near_rpc_error *e)
{
    if (e != NULL)
        memset(e, 0, sizeof *e);
}

const char *ol_near_rpc_err_kind_name(ol_near_rpc_err_kind k)
{
    switch (k) {
    case OL_NEAR_RPC_ERR_NONE:
        return "none";
    case OL_NEAR_RPC_ERR_TRANSPORT:
        return "transport";
    case OL_NEAR_RPC_ERR_HTTP:
        return "http";
    case OL_NEAR_RPC_ERR_RESPONSE:
        return "response";
    case OL_NEAR_RPC_ERR_SERVER:
        return "server";
    }
    return "none";
}

bool ol_near_rpc_error_is(const ol_near_rpc_error *e, const char *cause)
{
    return e != NULL && e->kind == OL_NEAR_RPC_ERR_SERVER && strcmp(e->cause, cause) == 0;
}

static const char *const wait_names[] = {
    [OL_NEAR_RPC_WAIT_NONE] = "NONE",
    [OL_NEAR_RPC_WAIT_INCLUDED] = "INCLUDED",
    [OL_NEAR_RPC_WAIT_EXECUTED_OPTIMISTIC] = "EXECUTED_OPTIMISTIC",
    [OL_NEAR_RPC_WAIT_INCLUDED_FINAL] = "INCLUDED_FINAL",
    [OL_NEAR_RPC_WAIT_EXECUTED] = "EXECUTED",
    [OL_NEAR_RPC_WAIT_FINAL] = "FINAL",
};

const char *ol_near_rpc_wait_name(ol_near_rpc_wait w)
{
    if ((unsigned)w >= sizeof wait_names / sizeof wait_names[0])
        return NULL;
    return wait_names[w];
}

bool ol_near_rpc_wait_parse(const char *s, ol_near_rpc_wait *out)
{
    for (size_t i = 0; i < sizeof wait_names / sizeof wait_names[0]; i++) {
        if (strcmp(s, wait_names[i]) == 0) {
            *out = (ol_near_rpc_wait)i;
            return true;
        }
    }
    return false;
}

/* ---- client lifetime ---- */

/* Process-wide library initialisation, done once by whichever thread creates the first client:
 * written only inside pthread_once, read-only afterwards. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;
static int sodium_rc = -1;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    sodium_rc = sodium_init();
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    ol_near_rpc *c = ud;
    size_t n = size * nmemb;
    if (n > c->opts.max_response_len - c->body_len) {
        c->body_too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (c->body_len + n + 1 > c->body_cap) {
        size_t ncap = c->body_cap == 0 ? 16384 : c->body_cap;
        while (ncap < c->body_len + n + 1)
            ncap *= 2;
        char *nb = realloc(c->body, ncap);
        if (nb == NULL)
            return 0;
        c->body = nb;
        c->body_cap = ncap;
    }
    memcpy(c->body + c->body_len, ptr, n);
    c->body_len += n;
    c->body[c->body_len] = '\0';
    return n;
}

/* Picks up "Retry-After: <seconds>" (the HTTP-date form is ignored). */
static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    ol_near_rpc *c = ud;
    size_t n = size * nitems;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(buf, name, sizeof name - 1) == 0) {
        long secs = 0;
        size_t i = sizeof name - 1;
        while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
            i++;
        size_t digits = 0;
        while (i < n && buf[i] >= '0' && buf[i] <= '9' && digits < 6) {
            secs = secs * 10 + (buf[i] - '0');
            i++;
            digits++;
        }
        if (digits > 0)
            c->retry_after_ms = secs * 1000L;
    }
    return n;
}

/* scheme://host[:port] of `url`, or NULL if curl cannot parse it as an http(s) URL. */
static char *display_url(const char *url)
{
    char *out = NULL, *scheme = NULL, *host = NULL, *port = NULL;
    CURLU *u = curl_url();
    if (u == NULL)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto out;
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
        goto out;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL;
    size_t need = strlen(scheme) + 3 + strlen(host) + (port ? strlen(port) + 1 : 0) + 1;
    out = malloc(need);
    if (out != NULL)
        snprintf(out, need, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

ol_err ol_near_rpc_new(const char *url, const ol_near_rpc_opts *opts, ol_near_rpc **out, ol_diag *d)
{
    ol_err rc = OL_OK;
    ol_near_rpc *c = NULL;
    if (url == NULL || out == NULL)
        return OL_FAIL(d, OL_E_INVAL, "near rpc: no URL given");
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return OL_FAIL(d, OL_E_INVAL, "near rpc: URL must start with http:// or https://");

    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK || sodium_rc < 0)
        return OL_FAIL(d, OL_E_INTERNAL, "near rpc: libcurl or libsodium failed to initialise");

    c = calloc(1, sizeof *c);
    if (c == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "near rpc: client");
    ol_near_rpc_opts_default(&c->opts);
    if (opts != NULL) {
        if (opts->connect_timeout_ms < 0 || opts->request_timeout_ms < 0 ||
            opts->total_timeout_ms < 0 || opts->backoff_initial_ms < 0 ||
            opts->backoff_max_ms < 0) {
            rc = OL_FAIL(d, OL_E_INVAL, "near rpc: negative timeout in options");
            goto out;
        }
        if (opts->connect_timeout_ms > 0)
            c->opts.connect_timeout_ms = opts->connect_timeout_ms;
        if (opts->request_timeout_ms > 0)
            c->opts.request_timeout_ms = opts->request_timeout_ms;
        if (opts->total_timeout_ms > 0)
            c->opts.total_timeout_ms = opts->total_timeout_ms;
        if (opts->max_attempts > 0)
            c->opts.max_attempts = opts->max_attempts;
        if (opts->backoff_initial_ms > 0)
            c->opts.backoff_initial_ms = opts->backoff_initial_ms;
        if (opts->backoff_max_ms > 0)
            c->opts.backoff_max_ms = opts->backoff_max_ms;
        if (opts->max_response_len > 0)
            c->opts.max_response_len = opts->max_response_len;
        if (opts->max_nonce_retries > 0)
            c->opts.max_nonce_retries = opts->max_nonce_retries;
    }
    if (c->opts.max_attempts > 100 || c->opts.max_nonce_retries > 100) {
        rc = OL_FAIL(d, OL_E_INVAL, "near rpc: max_attempts %u / max_nonce_retries %u over 100",
                     c->opts.max_attempts, c->opts.max_nonce_retries);
        goto out;
    }

    c->url = strdup(url);
    if (c->url == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "near rpc: URL");
        goto out;
    }
    c->url_display = display_url(url);
    if (c->url_display == NULL) {
        rc = OL_FAIL(d, OL_E_INVAL, "near rpc: cannot parse the URL");
        goto out;
    }
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "near rpc: curl_easy_init failed");
        goto out;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *h2 = h ? curl_slist_append(h, "Accept: application/json") : NULL;
    /* No "Expect: 100-continue" round trip for large signed transactions. */
    struct curl_slist *h3 = h2 ? curl_slist_append(h2, "Expect:") : NULL;
    if (h3 == NULL) {
        curl_slist_free_all(h2 ? h2 : h);
        rc = OL_FAIL(d, OL_E_NOMEM, "near rpc: headers");
        goto out;
    }
    c->headers = h3;

    CURL *k = c->curl;
    CURLcode cc = CURLE_OK;
    if ((cc = curl_easy_setopt(k, CURLOPT_URL, c->url)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https")) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_HTTPHEADER, c->headers)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_USERAGENT, "outlayer-near-rpc/1")) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_ACCEPT_ENCODING, "")) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms)) !=
            CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_WRITEDATA, c)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_HEADERDATA, c)) != CURLE_OK ||
        (cc = curl_easy_setopt(k, CURLOPT_ERRORBUFFER, c->curl_err)) != CURLE_OK) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "near rpc: curl option: %s", curl_easy_strerror(cc));
        goto out;
    }
    *out = c;
    c = NULL; /* moved */
out:
    ol_near_rpc_free(c);
    return rc;
}

void ol_near_rpc_free(ol_near_rpc *c)
{
    if (c == NULL)
        return;
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    free(c->body);
    free(c->url_display);
    free(c->url);
    free(c);
}

const char *ol_near_rpc_url(const ol_near_rpc *c)
{
    return c->url;
}

void ol_near_rpc_get_opts(const ol_near_rpc *c, ol_near_rpc_opts *out)
{
    *out = c->opts;
}

/* ---- mapping node errors ---- */

/* The ol_err for a node-reported error, by envelope name and cause. */
static ol_err server_err_code(const char *name, const char *cause)
{
    static const char *const notfound[] = {
        "UNKNOWN_ACCOUNT", "UNKNOWN_ACCESS_KEY", "UNKNOWN_BLOCK", "UNKNOWN_TRANSACTION",
        "UNKNOWN_RECEIPT", "UNKNOWN_CHUNK",      "UNKNOWN_EPOCH", "NO_CONTRACT_CODE",
    };
    static const char *const inval[] = {
        "INVALID_ACCOUNT", "INVALID_TRANSACTION", "INVALID_SHARD_ID",
        "PARSE_ERROR",     "METHOD_NOT_FOUND",
    };
    for (size_t i = 0; i < sizeof notfound / sizeof notfound[0]; i++) {
        if (strcmp(cause, notfound[i]) == 0)
            return OL_E_NOTFOUND;
    }
    for (size_t i = 0; i < sizeof inval / sizeof inval[0]; i++) {
        if (strcmp(cause, inval[i]) == 0)
            return OL_E_INVAL;
    }
    if (strcmp(name, "REQUEST_VALIDATION_ERROR") == 0)
        return OL_E_INVAL;
    return OL_E_STATE;
}

/* Fills tx_error/ak_nonce from an InvalidTxError value: "Expired" or {"InvalidNonce":{...}}. */
static void read_invalid_tx(json_t *itx, ol_near_rpc_error *e)
{
    if (json_is_string(itx)) {
        copy_str(e->tx_error, sizeof e->tx_error, json_string_value(itx));
        return;
    }
    if (!json_is_object(itx) || json_object_size(itx) != 1)
        return;
    const char *variant = json_object_iter_key(json_object_iter(itx));
    copy_str(e->tx_error, sizeof e->tx_error, variant);
    if (strcmp(variant, "InvalidNonce") == 0) {
        json_t *ak = json_object_get(json_object_get(itx, "InvalidNonce"), "ak_nonce");
        if (json_is_integer(ak) && json_integer_value(ak) >= 0)
            e->ak_nonce = (uint64_t)json_integer_value(ak);
    }
}

/* Compact JSON text of `v` into e->message. */
static void message_from_json(ol_near_rpc_error *e, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s == NULL) {
        set_message(e, "(unprintable error data)");
        return;
    }
    copy_str(e->message, sizeof e->message, s);
    free(s);
}

/* Reads a JSON-RPC "error" object (any vintage of nearcore's envelope) into `e`. */
static ol_err read_envelope(const json_t *err, long http_status, ol_near_rpc_error *e)
{
    const json_t *cause = json_object_get(err, "cause");
    const json_t *info = json_object_get(cause, "info");
    const json_t *data = json_object_get(err, "data");
    const char *name = json_string_value(json_object_get(err, "name"));
    const char *cname = json_string_value(json_object_get(cause, "name"));
    const json_t *code = json_object_get(err, "code");

    e->kind = OL_NEAR_RPC_ERR_SERVER;
    e->http_status = http_status;
    copy_str(e->name, sizeof e->name, name ? name : "");
    /* REQUEST_VALIDATION_ERROR etc. without a cause object: the name is all there is. */
    copy_str(e->cause, sizeof e->cause, cname ? cname : (name && !cause ? name : ""));
    e->code = json_is_integer(code) ? (long)json_integer_value(code) : 0;

    const char *vm_error = json_string_value(json_object_get(info, "vm_error"));
    const char *err_msg = json_string_value(json_object_get(info, "error_message"));
    const char *top_msg = json_string_value(json_object_get(err, "message"));
    if (cname != NULL && strcmp(cname, "CONTRACT_EXECUTION_ERROR") == 0 && vm_error != NULL)
        copy_str(e->message, sizeof e->message, vm_error);
    else if (json_is_string(data) && json_string_length(data) > 0)
        copy_str(e->message, sizeof e->message, json_string_value(data));
    else if (json_is_object(data) || json_is_array(data))
        message_from_json(e, data);
    else if (err_msg != NULL)
        copy_str(e->message, sizeof e->message, err_msg);
    else if (top_msg != NULL)
        copy_str(e->message, sizeof e->message, top_msg);
    else
        set_message(e, "(the node gave no message)");

    json_t *itx = json_object_get(json_object_get(data, "TxExecutionError"), "InvalidTxError");
    if (itx != NULL)
        read_invalid_tx(itx, e);
    return server_err_code(e->name, e->cause);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The legacy view-call shape {"result":{"error":"<text>",...}} -> the cause its structured twin
 * carries. nearcore keeps this shape for contract failures and missing access keys; older nodes
 * also used it for missing accounts and code. */
static ol_err read_legacy(const char *text, long http_status, ol_near_rpc_error *e)
{
    const char *cause = "CONTRACT_EXECUTION_ERROR";
    bool missing = strstr(text, "does not exist while viewing") != NULL;
    if (missing && starts_with(text, "account "))
        cause = "UNKNOWN_ACCOUNT";
    else if (missing && starts_with(text, "access key "))
        cause = "UNKNOWN_ACCESS_KEY";
    else if (missing && (starts_with(text, "contract code") || starts_with(text, "Contract code")))
        cause = "NO_CONTRACT_CODE";
    e->kind = OL_NEAR_RPC_ERR_SERVER;
    e->http_status = http_status;
    e->legacy = true;
    e->name[0] = '\0';
    copy_str(e->cause, sizeof e->cause, cause);
    copy_str(e->message, sizeof e->message, text);
    return server_err_code("", cause);
}

/* ---- one HTTP attempt ---- */

static bool curl_retryable(CURLcode cc)
{
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

/* Runs one POST and classifies the outcome. On OL_OK `*result` is the "result" member (owned).
 * Otherwise `e` is filled and `*retry` tells whether another attempt may help. */
static ol_err attempt(ol_near_rpc *c, const char *method, const char *req, size_t req_len,
                      long timeout_ms, json_t **result, ol_near_rpc_error *e, bool *retry)
{
    ol_err rc = OL_OK;
    json_t *root = NULL;
    *retry = false;
    c->body_len = 0;
    if (c->body != NULL)
        c->body[0] = '\0';
    c->body_too_large = false;
    c->retry_after_ms = -1;
    c->curl_err[0] = '\0';

    CURL *k = c->curl;
    if (curl_easy_setopt(k, CURLOPT_POSTFIELDS, req) != CURLE_OK ||
        curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req_len) != CURLE_OK ||
        curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK) {
        e->kind = OL_NEAR_RPC_ERR_TRANSPORT;
        set_message(e, "cannot configure the HTTP request");
        return OL_E_INTERNAL;
    }
    CURLcode cc = curl_easy_perform(k);
    long status = 0;
    curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &status);
    e->http_status = status;

    if (cc != CURLE_OK) {
        const char *why = c->curl_err[0] != '\0' ? c->curl_err : curl_easy_strerror(cc);
        if (c->body_too_large) {
            e->kind = OL_NEAR_RPC_ERR_RESPONSE;
            set_message(e, "response from %s is larger than the %zu-byte limit", c->url_display,
                        c->opts.max_response_len);
            return OL_E_LIMIT;
        }
        if (cc == CURLE_WRITE_ERROR) {
            e->kind = OL_NEAR_RPC_ERR_RESPONSE;
            set_message(e, "out of memory reading the response from %s", c->url_display);
            return OL_E_NOMEM;
        }
        if (cc == CURLE_PARTIAL_FILE) {
            e->kind = OL_NEAR_RPC_ERR_RESPONSE;
            set_message(e, "response body from %s truncated (%s)", c->url_display, why);
            *retry = true;
            return OL_E_MALFORMED;
        }
        e->kind = OL_NEAR_RPC_ERR_TRANSPORT;
        if (cc == CURLE_COULDNT_CONNECT)
            set_message(e, "cannot connect to %s: %s", c->url_display, why);
        else if (cc == CURLE_OPERATION_TIMEDOUT)
            set_message(e, "no answer from %s within %ld ms: %s", c->url_display, timeout_ms, why);
        else
            set_message(e, "request to %s failed: %s", c->url_display, why);
        *retry = curl_retryable(cc);
        return OL_E_IO;
    }

    json_error_t jerr;
    if (c->body_len > 0)
        root = json_loadb(c->body, c->body_len, 0, &jerr);
    const json_t *err = json_object_get(root, "error");
    bool status_retry = status == 429 || (status >= 500 && status <= 599);

    if (json_is_object(err)) {
        /* The node's envelope, whatever the HTTP status (nearcore uses 200, 400, 408, 500). */
        rc = read_envelope(err, status, e);
        *retry = status_retry || strcmp(e->cause, "TIMEOUT_ERROR") == 0;
        goto out;
    }
    if (status != 200) {
        char ex[160];
        excerpt(c->body ? c->body : "", c->body_len, ex, sizeof ex);
        e->kind = OL_NEAR_RPC_ERR_HTTP;
        if (c->body_len > 0)
            set_message(e, "HTTP %ld from %s: %s", status, c->url_display, ex);
        else
            set_message(e, "HTTP %ld from %s with an empty body", status, c->url_display);
        *retry = status_retry;
        rc = OL_E_IO;
        goto out;
    }
    if (c->body_len == 0) {
        e->kind = OL_NEAR_RPC_ERR_RESPONSE;
        set_message(e, "empty response body from %s", c->url_display);
        rc = OL_E_MALFORMED;
        goto out;
    }
    if (root == NULL) {
        e->kind = OL_NEAR_RPC_ERR_RESPONSE;
        if (jerr.position >= (int)c->body_len || strstr(jerr.text, "premature end") != NULL)
            set_message(e, "response from %s ends inside its JSON (truncated body, %zu bytes)",
                        c->url_display, c->body_len);
        else
            set_message(e, "malformed JSON in the response from %s: %s (line %d, column %d)",
                        c->url_display, jerr.text, jerr.line, jerr.column);
        rc = OL_E_MALFORMED;
        goto out;
    }
    if (!json_is_object(root)) {
        e->kind = OL_NEAR_RPC_ERR_RESPONSE;
        set_message(e, "response from %s is not a JSON-RPC object", c->url_display);
        rc = OL_E_MALFORMED;
        goto out;
    }
    json_t *res = json_object_get(root, "result");
    if (res == NULL) {
        e->kind = OL_NEAR_RPC_ERR_RESPONSE;
        set_message(e, "response from %s has neither \"result\" nor \"error\"", c->url_display);
        rc = OL_E_MALFORMED;
        goto out;
    }
    const json_t *legacy = json_object_get(res, "error");
    if (strcmp(method, "query") == 0 && json_is_string(legacy)) {
        rc = read_legacy(json_string_value(legacy), status, e);
        goto out;
    }
    *result = json_incref(res);
out:
    json_decref(root);
    return rc;
}

/* ---- the call loop ---- */

/* Backoff before attempt n+1 (n >= 1): initial * 2^(n-1), capped. */
static long backoff_ms(const ol_near_rpc_opts *o, unsigned n)
{
    long delay = o->backoff_initial_ms;
    for (unsigned i = 1; i < n && delay < o->backoff_max_ms; i++)
        delay *= 2;
    return delay < o->backoff_max_ms ? delay : o->backoff_max_ms;
}

ol_err ol_near_rpc_call(ol_near_rpc *c, const char *method, json_t *params, json_t **result,
                        ol_near_rpc_error *e, ol_diag *d)
{
    ol_err rc = OL_OK;
    ol_near_rpc_error local;
    json_t *req = NULL;
    json_t *empty = NULL;
    char *text = NULL;
    if (e == NULL)
        e = &local;
    ol_near_rpc_error_clear(e);
    if (c == NULL || method == NULL || result == NULL)
        return OL_FAIL(d, OL_E_INVAL, "near rpc: missing client, method or result pointer");

    if (params == NULL)
        params = empty = json_array();
    if (params != NULL)
        req = json_pack("{s:s, s:s, s:s, s:O}", "jsonrpc", "2.0", "id", "dontcare", "method",
                        method, "params", params);
    text = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
    if (text == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "near rpc %s: building the request", method);
        goto out;
    }
    size_t text_len = strlen(text);

    long start = now_ms();
    long total = c->opts.total_timeout_ms;
    bool gave_up_time = false;
    for (unsigned n = 1;; n++) {
        long left = total - (now_ms() - start);
        if (left <= 0) {
            gave_up_time = true;
            break;
        }
        long timeout = c->opts.request_timeout_ms < left ? c->opts.request_timeout_ms : left;
        bool retry = false;
        json_t *res = NULL;
        ol_near_rpc_error_clear(e);
        rc = attempt(c, method, text, text_len, timeout, &res, e, &retry);
        e->attempts = n;
        if (rc == OL_OK) {
            *result = res;
            goto out;
        }
        if (!retry || n >= c->opts.max_attempts)
            break;
        long delay = backoff_ms(&c->opts, n);
        if (c->retry_after_ms > delay)
            delay = c->retry_after_ms < c->opts.backoff_max_ms ? c->retry_after_ms
                                                               : c->opts.backoff_max_ms;
        if (now_ms() - start + delay >= total) {
            gave_up_time = true;
            break;
        }
        OL_LOG(OL_LOG_WARN,
               "near_rpc_retry method=%s attempt=%u kind=%s cause=%s status=%ld "
               "delay_ms=%ld",
               method, n, ol_near_rpc_err_kind_name(e->kind), e->cause[0] ? e->cause : "-",
               e->http_status, delay);
        sleep_ms(delay);
    }

    char what[sizeof e->message + 128];
    if (e->kind == OL_NEAR_RPC_ERR_SERVER)
        snprintf(what, sizeof what, "%s%s%s", e->cause[0] ? e->cause : e->name,
                 e->cause[0] || e->name[0] ? ": " : "", e->message);
    else
        snprintf(what, sizeof what, "%s", e->message);
    if (e->attempts > 1 || gave_up_time)
        rc = OL_FAIL(d, rc, "near rpc %s: %s (%u attempt%s%s)", method, what, e->attempts,
                     e->attempts == 1 ? "" : "s", gave_up_time ? ", time limit reached" : "");
    else
        rc = OL_FAIL(d, rc, "near rpc %s: %s", method, what);
out:
    free(text);
    json_decref(req);
    json_decref(empty);
    return rc;
}

/* ---- parameters ---- */

/* Adds the block reference to a params object: finality or block_id. */
static int add_block_ref(json_t *params, const ol_near_rpc_block_ref *ref)
{
    ol_near_rpc_block_ref fin = {.kind = OL_NEAR_RPC_FINAL};
    if (ref == NULL)
        ref = &fin;
    switch (ref->kind) {
    case OL_NEAR_RPC_FINAL:
        return json_object_set_new(params, "finality", json_string("final"));
    case OL_NEAR_RPC_OPTIMISTIC:
        return json_object_set_new(params, "finality", json_string("optimistic"));
    case OL_NEAR_RPC_NEAR_FINAL:
        return json_object_set_new(params, "finality", json_string("near-final"));
    case OL_NEAR_RPC_BLOCK_HEIGHT:
        if (ref->height > (uint64_t)INT64_MAX)
            return -1;
        return json_object_set_new(params, "block_id", json_integer((json_int_t)ref->height));
    case OL_NEAR_RPC_BLOCK_HASH:
        if (ref->hash == NULL)
            return -1;
        return json_object_set_new(params, "block_id", json_string(ref->hash));
    }
    return -1;
}

/* base64 (standard, padded) of bytes into a new JSON string; NULL on failure. */
static json_t *json_base64(const uint8_t *p, size_t len)
{
    if (len > (SIZE_MAX / 4) * 3 - 8)
        return NULL;
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    if (s == NULL)
        return NULL;
    sodium_bin2base64(s, cap, len > 0 ? p : (const uint8_t *)"", len,
                      sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* Runs a `query` of `request_type` with the block reference and the already-built `params`
 * (taken: freed here in every case). */
static ol_err query(ol_near_rpc *c, const char *request_type, const ol_near_rpc_block_ref *ref,
                    json_t *params, json_t **result, ol_near_rpc_error *e, ol_diag *d)
{
    ol_err rc;
    if (params == NULL ||
        json_object_set_new(params, "request_type", json_string(request_type)) != 0) {
        ol_near_rpc_error_clear(e);
        rc = OL_FAIL(d, OL_E_NOMEM, "near rpc query %s: building params", request_type);
        goto out;
    }
    if (add_block_ref(params, ref) != 0) {
        ol_near_rpc_error_clear(e);
        rc = OL_FAIL(d, OL_E_INVAL, "near rpc query %s: bad block reference", request_type);
        goto out;
    }
    rc = ol_near_rpc_call(c, "query", params, result, e, d);
out:
    json_decref(params);
    return rc;
}

static bool bad_str(const char *s)
{
    return s == NULL || s[0] == '\0';
}

ol_err ol_near_rpc_status(ol_near_rpc *c, json_t **result, ol_near_rpc_error *e, ol_diag *d)
{
    json_t *params = json_array();
    if (params == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "near rpc status: params");
    ol_err rc = ol_near_rpc_call(c, "status", params, result, e, d);
    json_decref(params);
    return rc;
}

ol_err ol_near_rpc_block(ol_near_rpc *c, const ol_near_rpc_block_ref *ref, json_t **result,
                         ol_near_rpc_error *e, ol_diag *d)
{
    ol_err rc;
    json_t *params = json_object();
    if (params == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "near rpc block: params");
    if (add_block_ref(params, ref) != 0)
        rc = OL_FAIL(d, OL_E_INVAL, "near rpc block: bad block reference");
    else
        rc = ol_near_rpc_call(c, "block", params, result, e, d);
    json_decref(params);
    return rc;
}

ol_err ol_near_rpc_gas_price(ol_near_rpc *c, const ol_near_rpc_block_ref *ref, json_t **result,
                             ol_near_rpc_error *e, ol_diag *d)
{
    ol_err rc;
    json_t *id = NULL;
    if (ref == NULL || ref->kind == OL_NEAR_RPC_FINAL || ref->kind == OL_NEAR_RPC_OPTIMISTIC ||
        ref->kind == OL_NEAR_RPC_NEAR_FINAL)
        id = json_null();
    else if (ref->kind == OL_NEAR_RPC_BLOCK_HEIGHT && ref->height <= (uint64_t)INT64_MAX)
        id = json_integer((json_int_t)ref->height);
    else if (ref->kind == OL_NEAR_RPC_BLOCK_HASH && ref->hash != NULL)
        id = json_string(ref->hash);
    else
        return OL_FAIL(d, OL_E_INVAL, "near rpc gas_price: bad block reference");
    json_t *params = json_array();
    if (params == NULL || id == NULL || json_array_append_new(params, id) != 0) {
        if (params == NULL)
            json_decref(id);
        json_decref(params);
        return OL_FAIL(d, OL_E_NOMEM, "near rpc gas_price: params");
    }
    rc = ol_near_rpc_call(c, "gas_price", params, result, e, d);
    json_decref(params);
    return rc;
}

ol_err ol_near_rpc_view_account(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                                const char *account_id, json_t **result, ol_near_rpc_error *e,
                                ol_diag *d)
{
    if (bad_str(account_id))
        return OL_FAIL(d, OL_E_INVAL, "near rpc view_account: no account id");
    return query(c, "view_account", ref, json_pack("{s:s}", "account_id", account_id), result, e,
                 d);
}

ol_err ol_near_rpc_view_access_key(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                                   const char *account_id, const char *public_key, json_t **result,
                                   ol_near_rpc_error *e, ol_diag *d)
{
    if (bad_str(account_id) || bad_str(public_key))
        return OL_FAIL(d, OL_E_INVAL, "near rpc view_access_key: no account id or public key");
    return query(c, "view_access_key", ref,
                 json_pack("{s:s, s:s}", "account_id", account_id, "public_key", public_key),
                 result, e, d);
}

ol_err ol_near_rpc_view_access_key_list(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                                        const char *account_id, json_t **result,
                                        ol_near_rpc_error *e, ol_diag *d)
{
    if (bad_str(account_id))
        return OL_FAIL(d, OL_E_INVAL, "near rpc view_access_key_list: no account id");
    return query(c, "view_access_key_list", ref, json_pack("{s:s}", "account_id", account_id),
                 result, e, d);
}

ol_err ol_near_rpc_call_function(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                                 const char *contract_id, const char *method, const uint8_t *args,
                                 size_t args_len, json_t **result, ol_near_rpc_error *e, ol_diag *d)
{
    if (bad_str(contract_id) || bad_str(method) || (args == NULL && args_len > 0))
        return OL_FAIL(d, OL_E_INVAL, "near rpc call_function: no contract, method or args");
    json_t *b64 = json_base64(args, args_len);
    if (b64 == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "near rpc call_function: args");
    return query(c, "call_function", ref,
                 json_pack("{s:s, s:s, s:o}", "account_id", contract_id, "method_name", method,
                           "args_base64", b64),
                 result, e, d);
}

ol_err ol_near_rpc_view_state(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                              const char *account_id, const uint8_t *prefix, size_t prefix_len,
                              bool include_proof, json_t **result, ol_near_rpc_error *e, ol_diag *d)
{
    if (bad_str(account_id) || (prefix == NULL && prefix_len > 0))
        return OL_FAIL(d, OL_E_INVAL, "near rpc view_state: no account id or prefix");
    json_t *b64 = json_base64(prefix, prefix_len);
    if (b64 == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "near rpc view_state: prefix");
    json_t *params = json_pack("{s:s, s:o}", "account_id", account_id, "prefix_base64", b64);
    if (params != NULL && include_proof &&
        json_object_set_new(params, "include_proof", json_true()) != 0) {
        json_decref(params);
        params = NULL;
    }
    return query(c, "view_state", ref, params, result, e, d);
}

ol_err ol_near_rpc_view_code(ol_near_rpc *c, const ol_near_rpc_block_ref *ref,
                             const char *account_id, json_t **result, ol_near_rpc_error *e,
                             ol_diag *d)
{
    if (bad_str(account_id))
        return OL_FAIL(d, OL_E_INVAL, "near rpc view_code: no account id");
    return query(c, "view_code", ref, json_pack("{s:s}", "account_id", account_id), result, e, d);
}

ol_err ol_near_rpc_send_tx(ol_near_rpc *c, const uint8_t *signed_tx, size_t signed_tx_len,
                           ol_near_rpc_wait wait, json_t **result, ol_near_rpc_error *e, ol_diag *d)
{
    const char *w = ol_near_rpc_wait_name(wait);
    if (signed_tx == NULL || signed_tx_len == 0 || w == NULL)
        return OL_FAIL(d, OL_E_INVAL, "near rpc send_tx: no transaction or bad wait level");
    json_t *b64 = json_base64(signed_tx, signed_tx_len);
    json_t *params = b64 ? json_pack("{s:o, s:s}", "signed_tx_base64", b64, "wait_until", w) : NULL;
    if (params == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "near rpc send_tx: params");
    ol_err rc = ol_near_rpc_call(c, "send_tx", params, result, e, d);
    json_decref(params);
    return rc;
}

ol_err ol_near_rpc_broadcast_tx_async(ol_near_rpc *c, const uint8_t *signed_tx,
                                      size_t signed_tx_len, char **tx_hash, ol_near_rpc_error *e,
                                      ol_diag *d)
{
    if (signed_tx == NULL || signed_tx_len == 0 || tx_hash == NULL)
        return OL_FAIL(d, OL_E_INVAL, "near rpc broadcast_tx_async: no transaction");
    json_t *b64 = json_base64(signed_tx, signed_tx_len);
    json_t *params = b64 ? json_pack("[o]", b64) : NULL;
    if (params == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "near rpc broadcast_tx_async: params");
    json_t *res = NULL;
    ol_err rc = ol_near_rpc_call(c, "broadcast_tx_async", params, &res, e, d);
    json_decref(params);
    if (rc != OL_OK)
        return rc;
    if (!json_is_string(res) || json_string_length(res) == 0) {
        json_decref(res);
        if (e != NULL) {
            e->kind = OL_NEAR_RPC_ERR_RESPONSE;
            set_message(e, "broadcast_tx_async result is not a transaction hash string");
        }
        return OL_FAIL(d, OL_E_MALFORMED,
                       "near rpc broadcast_tx_async: result is not a transaction hash string");
    }
    char *h = strdup(json_string_value(res));
    json_decref(res);
    if (h == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "near rpc broadcast_tx_async: hash");
    *tx_hash = h;
    return OL_OK;
}

static ol_err tx_common(ol_near_rpc *c, const char *method, const char *tx_hash,
                        const char *sender_id, ol_near_rpc_wait wait, json_t **result,
                        ol_near_rpc_error *e, ol_diag *d)
{
    const char *w = ol_near_rpc_wait_name(wait);
    if (bad_str(tx_hash) || bad_str(sender_id) || w == NULL)
        return OL_FAIL(d, OL_E_INVAL, "near rpc %s: no hash or sender, or bad wait level", method);
    json_t *params = json_pack("{s:s, s:s, s:s}", "tx_hash", tx_hash, "sender_account_id",
                               sender_id, "wait_until", w);
    if (params == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "near rpc %s: params", method);
    ol_err rc = ol_near_rpc_call(c, method, params, result, e, d);
    json_decref(params);
    return rc;
}

ol_err ol_near_rpc_tx(ol_near_rpc *c, const char *tx_hash, const char *sender_id,
                      ol_near_rpc_wait wait, json_t **result, ol_near_rpc_error *e, ol_diag *d)
{
    return tx_common(c, "tx", tx_hash, sender_id, wait, result, e, d);
}

ol_err ol_near_rpc_tx_status(ol_near_rpc *c, const char *tx_hash, const char *sender_id,
                             ol_near_rpc_wait wait, json_t **result, ol_near_rpc_error *e,
                             ol_diag *d)
{
    return tx_common(c, "EXPERIMENTAL_tx_status", tx_hash, sender_id, wait, result, e, d);
}

/* ---- reading results ---- */

ol_err ol_near_rpc_result_bytes(const json_t *call_result, uint8_t **data, size_t *len, ol_diag *d)
{
    const json_t *arr = json_object_get(call_result, "result");
    if (!json_is_array(arr))
        return OL_FAIL(d, OL_E_MALFORMED, "call_function result has no \"result\" byte array");
    size_t n = json_array_size(arr);
    uint8_t *buf = NULL;
    if (n > 0) {
        buf = malloc(n);
        if (buf == NULL)
            return OL_FAIL(d, OL_E_NOMEM, "call_function result: %zu bytes", n);
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255) {
            free(buf);
            return OL_FAIL(d, OL_E_MALFORMED,
                           "call_function result: element %zu is not a byte value", i);
        }
        buf[i] = (uint8_t)json_integer_value(v);
    }
    *data = buf;
    *len = n;
    return OL_OK;
}

bool ol_near_rpc_outcome_failure(const json_t *outcome, ol_near_rpc_error *e)
{
    const json_t *fail = json_object_get(json_object_get(outcome, "status"), "Failure");
    if (fail == NULL)
        return false;
    if (e == NULL)
        return true;
    ol_near_rpc_error_clear(e);
    e->kind = OL_NEAR_RPC_ERR_SERVER;
    const char *cause = "Failure";
    if (json_object_get(fail, "ActionError") != NULL)
        cause = "ActionError";
    else if (json_object_get(fail, "InvalidTxError") != NULL)
        cause = "InvalidTxError";
    copy_str(e->cause, sizeof e->cause, cause);
    message_from_json(e, fail);
    json_t *itx = json_object_get(fail, "InvalidTxError");
    if (itx != NULL)
        read_invalid_tx(itx, e);
    return true;
}

ol_err ol_near_rpc_access_key_nonce(ol_near_rpc *c, const char *account_id, const char *public_key,
                                    uint64_t *nonce, ol_near_rpc_error *e, ol_diag *d)
{
    json_t *res = NULL;
    ol_err rc = ol_near_rpc_view_access_key(c, NULL, account_id, public_key, &res, e, d);
    if (rc != OL_OK)
        return rc;
    const json_t *n = json_object_get(res, "nonce");
    if (!json_is_integer(n) || json_integer_value(n) < 0) {
        json_decref(res);
        if (e != NULL) {
            e->kind = OL_NEAR_RPC_ERR_RESPONSE;
            set_message(e, "view_access_key result has no integer \"nonce\"");
        }
        return OL_FAIL(d, OL_E_MALFORMED, "near rpc view_access_key: no integer \"nonce\"");
    }
    *nonce = (uint64_t)json_integer_value(n);
    json_decref(res);
    return OL_OK;
}

ol_err ol_near_rpc_final_block(ol_near_rpc *c, uint64_t *height, uint8_t hash[OL_NEAR_HASH_LEN],
                               ol_near_rpc_error *e, ol_diag *d)
{
    ol_err rc;
    json_t *res = NULL;
    uint8_t h[OL_NEAR_HASH_LEN];
    if ((rc = ol_near_rpc_block(c, NULL, &res, e, d)) != OL_OK)
        return rc;
    const json_t *header = json_object_get(res, "header");
    const json_t *jh = json_object_get(header, "height");
    const char *jhash = json_string_value(json_object_get(header, "hash"));
    if (!json_is_integer(jh) || json_integer_value(jh) < 0 || jhash == NULL ||
        ol_near_hash_parse(jhash, h, NULL) != OL_OK) {
        json_decref(res);
        if (e != NULL) {
            e->kind = OL_NEAR_RPC_ERR_RESPONSE;
            set_message(e, "block result has no header.height / base58 header.hash");
        }
        return OL_FAIL(d, OL_E_MALFORMED,
                       "near rpc block: result has no header.height / base58 header.hash");
    }
    *height = (uint64_t)json_integer_value(jh);
    memcpy(hash, h, sizeof h);
    json_decref(res);
    return OL_OK;
}

ol_err ol_near_rpc_block_ref_parse(const char *s, ol_near_rpc_block_ref *out, ol_diag *d)
{
    ol_near_rpc_block_ref r = {.kind = OL_NEAR_RPC_FINAL};
    uint8_t h[OL_NEAR_HASH_LEN];
    if (s == NULL || s[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL, "empty block reference");
    if (strcmp(s, "final") == 0) {
        r.kind = OL_NEAR_RPC_FINAL;
    } else if (strcmp(s, "optimistic") == 0) {
        r.kind = OL_NEAR_RPC_OPTIMISTIC;
    } else if (strcmp(s, "near-final") == 0) {
        r.kind = OL_NEAR_RPC_NEAR_FINAL;
    } else if (strspn(s, "0123456789") == strlen(s)) {
        uint64_t v = 0;
        for (const char *p = s; *p != '\0'; p++) {
            uint64_t digit = (uint64_t)(*p - '0');
            if (v > ((uint64_t)INT64_MAX - digit) / 10)
                return OL_FAIL(d, OL_E_INVAL, "block height '%s' is too large", s);
            v = v * 10 + digit;
        }
        r.kind = OL_NEAR_RPC_BLOCK_HEIGHT;
        r.height = v;
    } else if (ol_near_hash_parse(s, h, NULL) == OL_OK) {
        r.kind = OL_NEAR_RPC_BLOCK_HASH;
        r.hash = s;
    } else {
        return OL_FAIL(d, OL_E_INVAL,
                       "block reference '%.64s' is not final, optimistic, near-final, a height "
                       "or a base58 block hash",
                       s);
    }
    *out = r;
    return OL_OK;
}
