/* The worker's HTTP client: one libcurl easy handle per thread, reused so that the connection
 * to the coordinator stays open between requests (a poll, a fetch and a completion per job cost
 * no new TCP handshakes). Every request has a timeout; a long poll is also aborted when the
 * worker's cancel flag is set (libcurl calls the progress callback at least once a second while
 * idle, which bounds how long a stop waits). Response bodies are capped; a body that may hold
 * plaintext secrets (the keystore's /decrypt answer) is grown without realloc, so that no copy is
 * left behind unwiped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "worker_int.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

ol_err ol__whttp_global_init(ol_diag *d)
{
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return OL_FAIL(d, OL_E_INTERNAL, "curl_global_init: %s", curl_easy_strerror(global_rc));
    return OL_OK;
}

void ol__wbuf_fini(ol__wbuf *b)
{
    if (b->wipe && b->p != NULL)
        sodium_memzero(b->p, b->cap);
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    ol__wbuf *b = ud;
    size_t len = size * n;
    if (len > b->max - b->len) {
        b->over = true;
        return 0; /* aborts the transfer */
    }
    if (b->len + len + 1 > b->cap) {
        size_t ncap = b->cap == 0 ? 4096 : b->cap;
        while (ncap < b->len + len + 1)
            ncap *= 2;
        char *np;
        if (b->wipe) {
            /* realloc may move the block and leave the old one unwiped. */
            if ((np = malloc(ncap)) == NULL)
                return 0;
            if (b->p != NULL) {
                memcpy(np, b->p, b->len);
                sodium_memzero(b->p, b->cap);
                free(b->p);
            }
        } else if ((np = realloc(b->p, ncap)) == NULL) {
            return 0;
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
    return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    const ol__whttp *h = ud;
    /* Only before the answer starts: a long poll whose task is already arriving is read to the
     * end, so a stop does not drop a task the coordinator has just leased to us. */
    return h->cancel != NULL && atomic_load(h->cancel) && dlnow == 0 ? 1 : 0;
}

ol_err ol__whttp_init(ol__whttp *h, const char *base, const char *token, const atomic_bool *cancel,
                      ol_diag *d)
{
    ol_err rc = ol__whttp_global_init(d);
    char *auth = NULL;
    memset(h, 0, sizeof *h);
    if (rc != OL_OK)
        return rc;
    h->cancel = cancel;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    if ((h->base = malloc(blen + 1)) == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "url");
        goto out;
    }
    memcpy(h->base, base, blen);
    h->base[blen] = '\0';
    if ((h->curl = curl_easy_init()) == NULL) {
        rc = OL_FAIL(d, OL_E_INTERNAL, "curl_easy_init failed");
        goto out;
    }
    struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/json");
    if (l == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "headers");
        goto out;
    }
    h->hdrs = l;
    /* libcurl otherwise sends "Expect: 100-continue" for bodies over 1 KiB and waits for the
     * interim answer: a round trip per completion. */
    if ((l = curl_slist_append(h->hdrs, "Expect:")) == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "headers");
        goto out;
    }
    h->hdrs = l;
    if (token != NULL) {
        size_t alen = strlen(token) + sizeof "Authorization: Bearer ";
        if ((auth = malloc(alen)) == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "headers");
            goto out;
        }
        snprintf(auth, alen, "Authorization: Bearer %s", token);
        if ((l = curl_slist_append(h->hdrs, auth)) == NULL) {
            rc = OL_FAIL(d, OL_E_NOMEM, "headers");
            goto out;
        }
        h->hdrs = l;
    }
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, h); /* h must not move after init */
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->hdrs);
    curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
out:
    if (auth != NULL) {
        /* The token is a secret: do not leave it in freed memory. */
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    if (rc != OL_OK)
        ol__whttp_fini(h);
    return rc;
}

void ol__whttp_fini(ol__whttp *h)
{
    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->hdrs);
    free(h->base);
    memset(h, 0, sizeof *h);
}

ol_err ol__whttp_do(ol__whttp *h, const char *method, const char *path, const char *body,
                    size_t body_len, uint32_t timeout_ms, size_t max_resp, long *status,
                    ol__wbuf *resp, ol_diag *d)
{
    char *url = NULL;
    ol_err rc = OL_OK;
    size_t ulen = strlen(h->base) + strlen(path) + 1;
    resp->len = 0;
    resp->over = false;
    resp->max = max_resp;
    if (resp->p != NULL)
        resp->p[0] = '\0';
    if ((url = malloc(ulen)) == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "url");
    snprintf(url, ulen, "%s%s", h->base, path);

    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
                     strcmp(method, body != NULL ? "POST" : "GET") == 0 ? NULL : method);
    h->errbuf[0] = '\0';
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        if (resp->over) {
            rc = OL_FAIL(d, OL_E_LIMIT, "%s %s: response larger than %zu bytes", method, path,
                         max_resp);
        } else if (cc == CURLE_ABORTED_BY_CALLBACK) {
            rc = OL_FAIL(d, OL_E_IO, "%s %s: cancelled", method, path);
        } else if (cc == CURLE_WRITE_ERROR) {
            rc = OL_FAIL(d, OL_E_NOMEM, "%s %s: out of memory for the response", method, path);
        } else {
            rc = OL_FAIL(d, OL_E_IO, "%s %s: %s", method, path,
                         h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(cc));
        }
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
out:
    free(url);
    return rc;
}
