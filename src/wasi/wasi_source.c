/* The one source of the values a guest may observe that are not functions of its inputs: random
 * bytes and clock readings. LIVE asks the OS, SEEDED derives them from a seed, REPLAY reads them
 * back from a transcript. Whatever the mode, every value handed out is appended to the run's
 * transcript (docs/transcript.md), hashed as it goes, and kept when recording.
 *
 * The transcript is text, one value per line:
 *     outlayer-transcript 1
 *     clock <id> <nanoseconds>
 *     random <lowercase hex>
 * with exactly one canonical spelling for every sequence of values, so that its hash identifies
 * the sequence. Transcripts given for replay are untrusted: ol_wasi_transcript_check() validates
 * the whole text before the run starts, and the replay cursor then relies on that. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wasi_int.h"

static const char tr_header[] = "outlayer-transcript 1\n";
#define TR_HEADER_LEN (sizeof tr_header - 1)

static const char *const clock_names[OL__WASI_NCLOCKS] = {"realtime", "monotonic",
                                                          "process_cputime", "thread_cputime"};

/* ---------------------------------------------------------------------------------------------
 * Buffers
 * ------------------------------------------------------------------------------------------- */

ol_err ol__wasi_buf_append(ol__wasi_buf *b, const ol_allocator *a, const void *p, size_t n,
                           size_t max)
{
    if (n == 0)
        return OL_OK;
    if (n > max || b->len > max - n)
        return OL_E_LIMIT;
    if (b->len + n > b->cap) {
        size_t ncap = b->cap < 4096 ? 4096 : b->cap;
        while (ncap < b->len + n)
            ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
        if (ncap > max)
            ncap = max;
        uint8_t *np = ol_realloc(a, b->p, b->cap, ncap);
        if (np == NULL)
            return OL_E_NOMEM;
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return OL_OK;
}

void ol__wasi_buf_free(ol__wasi_buf *b, const ol_allocator *a)
{
    ol_free(a, b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---------------------------------------------------------------------------------------------
 * Validation
 * ------------------------------------------------------------------------------------------- */

static bool is_hex_lower(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static unsigned hex_val(uint8_t c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* Parses a canonical decimal u64 (no sign, no leading zeros except "0") at p[*i] up to `end`.
 * Stops at the first non-digit. */
static bool parse_dec(const uint8_t *p, size_t end, size_t *i, uint64_t *out)
{
    size_t j = *i;
    uint64_t v = 0;
    while (j < end && p[j] >= '0' && p[j] <= '9') {
        unsigned dgt = (unsigned)(p[j] - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            return false;
        v = v * 10 + dgt;
        j++;
    }
    if (j == *i || (p[*i] == '0' && j - *i > 1))
        return false;
    *i = j;
    *out = v;
    return true;
}

ol_err ol_wasi_transcript_check(const uint8_t *p, size_t len, size_t max_bytes, size_t *nentries,
                                ol_diag *d)
{
    if (max_bytes == 0)
        max_bytes = OL_WASI_DEFAULT_MAX_TRANSCRIPT;
    if (len > max_bytes)
        return OL_FAIL(d, OL_E_LIMIT, "transcript: %zu bytes exceeds the limit of %zu bytes", len,
                       max_bytes);
    if (len < TR_HEADER_LEN || memcmp(p, tr_header, TR_HEADER_LEN) != 0)
        return OL_FAIL(d, OL_E_MALFORMED,
                       "transcript: line 1: expected the header \"outlayer-transcript 1\"");
    uint64_t last[OL__WASI_NCLOCKS] = {0};
    size_t n = 0;
    size_t line = 2;
    size_t i = TR_HEADER_LEN;
    while (i < len) {
        if (len - i > 6 && memcmp(p + i, "clock ", 6) == 0) {
            i += 6;
            if (i + 2 > len || p[i] < '0' || p[i] > '3' || p[i + 1] != ' ')
                return OL_FAIL(d, OL_E_MALFORMED,
                               "transcript: line %zu: clock id must be 0..3 followed by a space",
                               line);
            unsigned id = (unsigned)(p[i] - '0');
            i += 2;
            uint64_t ns;
            if (!parse_dec(p, len, &i, &ns) || i >= len || p[i] != '\n')
                return OL_FAIL(d, OL_E_MALFORMED,
                               "transcript: line %zu: clock value must be a canonical decimal "
                               "u64 ending the line",
                               line);
            if (id != OL__WASI_CLOCK_REALTIME && ns < last[id])
                return OL_FAIL(d, OL_E_MALFORMED,
                               "transcript: line %zu: %s clock goes back from %" PRIu64
                               " to %" PRIu64,
                               line, clock_names[id], last[id], ns);
            last[id] = ns;
            i++;
        } else if (len - i > 7 && memcmp(p + i, "random ", 7) == 0) {
            i += 7;
            size_t start = i;
            while (i < len && is_hex_lower(p[i]))
                i++;
            size_t digits = i - start;
            if (digits == 0 || digits % 2 != 0 || i >= len || p[i] != '\n')
                return OL_FAIL(d, OL_E_MALFORMED,
                               "transcript: line %zu: random bytes must be a non-empty even "
                               "number of lowercase hex digits ending the line",
                               line);
            i++;
        } else {
            return OL_FAIL(d, OL_E_MALFORMED,
                           "transcript: line %zu: expected \"clock \" or \"random \"", line);
        }
        n++;
        line++;
    }
    if (nentries != NULL)
        *nentries = n;
    return OL_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Recording
 * ------------------------------------------------------------------------------------------- */

static ol__wasi_src_rc limit_msg(ol__wasi_src *src)
{
    snprintf(src->msg, sizeof src->msg,
             "the transcript would exceed its limit of %zu bytes (%zu values observed)",
             src->max_bytes, src->entries);
    return OL__WASI_SRC_LIMIT;
}

/* Appends encoded bytes whose total size was checked against the cap. */
static ol__wasi_src_rc emit(ol__wasi_src *src, const void *p, size_t n)
{
    crypto_hash_sha256_update(&src->sha, p, n);
    src->bytes += n;
    if (src->keep && ol__wasi_buf_append(&src->rec, src->alloc, p, n, src->max_bytes) != OL_OK)
        return OL__WASI_SRC_NOMEM;
    return OL__WASI_SRC_OK;
}

static ol__wasi_src_rc record_clock(ol__wasi_src *src, uint32_t id, uint64_t ns)
{
    char line[48];
    int k = snprintf(line, sizeof line, "clock %" PRIu32 " %" PRIu64 "\n", id, ns);
    size_t n = (size_t)k;
    if (n > src->max_bytes - src->bytes)
        return limit_msg(src);
    return emit(src, line, n);
}

static ol__wasi_src_rc record_random(ol__wasi_src *src, const uint8_t *p, size_t n)
{
    /* "random " + 2n hex digits + "\n", computed without overflow. */
    size_t room = src->max_bytes - src->bytes;
    if (room < 8 || (room - 8) / 2 < n)
        return limit_msg(src);
    static const char hex[] = "0123456789abcdef";
    char chunk[1024];
    ol__wasi_src_rc rc = emit(src, "random ", 7);
    for (size_t i = 0; rc == OL__WASI_SRC_OK && i < n;) {
        size_t k = 0;
        for (; i < n && k < sizeof chunk; i++) {
            chunk[k++] = hex[p[i] >> 4];
            chunk[k++] = hex[p[i] & 15];
        }
        rc = emit(src, chunk, k);
    }
    if (rc == OL__WASI_SRC_OK)
        rc = emit(src, "\n", 1);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Replay cursor (the transcript is known valid)
 * ------------------------------------------------------------------------------------------- */

typedef struct tr_entry {
    bool is_clock;
    uint32_t id;
    uint64_t ns;
    size_t hex_start; /* random: offset of the first digit */
    size_t nbytes;    /* random: decoded length */
    size_t next;      /* offset after the entry */
} tr_entry;

static void tr_parse(const ol__wasi_src *src, tr_entry *e)
{
    const uint8_t *p = src->tr;
    size_t i = src->pos;
    if (p[i] == 'c') {
        e->is_clock = true;
        e->id = (uint32_t)(p[i + 6] - '0');
        i += 8;
        uint64_t ns = 0;
        parse_dec(p, src->tr_len, &i, &ns);
        e->ns = ns;
        e->next = i + 1;
    } else {
        e->is_clock = false;
        i += 7;
        e->hex_start = i;
        while (p[i] != '\n')
            i++;
        e->nbytes = (i - e->hex_start) / 2;
        e->next = i + 1;
    }
}

static void describe_entry(const tr_entry *e, char *buf, size_t len)
{
    if (e->is_clock)
        snprintf(buf, len, "clock %s", clock_names[e->id]);
    else
        snprintf(buf, len, "random (%zu bytes)", e->nbytes);
}

static ol__wasi_src_rc diverged(ol__wasi_src *src, const char *wanted, const tr_entry *e)
{
    if (e == NULL) {
        snprintf(src->msg, sizeof src->msg,
                 "replay diverged: the guest asked for %s but the transcript ended after %zu "
                 "entries",
                 wanted, src->entries);
    } else {
        char have[64];
        describe_entry(e, have, sizeof have);
        snprintf(src->msg, sizeof src->msg,
                 "replay diverged: the guest asked for %s but transcript entry %zu (line %zu) "
                 "is %s",
                 wanted, src->entries + 1, src->entries + 2, have);
    }
    return OL__WASI_SRC_DIVERGED;
}

/* ---------------------------------------------------------------------------------------------
 * The source
 * ------------------------------------------------------------------------------------------- */

ol_err ol__wasi_src_init(ol__wasi_src *src, const ol_wasi_config *cfg, const ol_allocator *a,
                         ol_diag *d)
{
    memset(src, 0, sizeof *src);
    src->mode = cfg->source;
    src->alloc = a;
    src->max_bytes = cfg->max_transcript_bytes;
    src->ks_pos = 64;
    crypto_hash_sha256_init(&src->sha);
    switch (cfg->source) {
    case OL_WASI_SOURCE_LIVE:
        break;
    case OL_WASI_SOURCE_SEEDED:
        if (cfg->seed == NULL || cfg->seed_len == 0 || cfg->seed_len > OL_WASI_MAX_SEED)
            return OL_FAIL(d, OL_E_INVAL, "seed must be 1..%u bytes", OL_WASI_MAX_SEED);
        crypto_hash_sha256(src->key, cfg->seed, cfg->seed_len);
        break;
    case OL_WASI_SOURCE_REPLAY:
        src->tr = cfg->transcript;
        src->tr_len = cfg->transcript_len;
        src->pos = TR_HEADER_LEN;
        return OL_OK;
    default:
        return OL_FAIL(d, OL_E_INVAL, "unknown source mode %d", (int)cfg->source);
    }
    src->keep = cfg->record;
    if (src->max_bytes < TR_HEADER_LEN)
        return OL_FAIL(d, OL_E_INVAL, "transcript limit of %zu bytes is below the header size",
                       src->max_bytes);
    if (emit(src, tr_header, TR_HEADER_LEN) != OL__WASI_SRC_OK) {
        ol__wasi_src_fini(src);
        return OL_FAIL(d, OL_E_NOMEM, "transcript buffer");
    }
    return OL_OK;
}

void ol__wasi_src_fini(ol__wasi_src *src)
{
    ol__wasi_buf_free(&src->rec, src->alloc);
    sodium_memzero(src->key, sizeof src->key);
    sodium_memzero(src->ks, sizeof src->ks);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t live_clock(uint32_t id)
{
    static const clockid_t ids[OL__WASI_NCLOCKS] = {
        CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
    struct timespec ts;
    if (OL_NEVER(clock_gettime(ids[id], &ts) != 0) || ts.tv_sec < 0)
        return 0;
    return add_sat((uint64_t)ts.tv_sec * UINT64_C(1000000000), (uint64_t)ts.tv_nsec);
}

ol__wasi_src_rc ol__wasi_src_clock(ol__wasi_src *src, uint32_t id, uint64_t *ns)
{
    OL_ASSERT(id < OL__WASI_NCLOCKS);
    uint64_t v = 0;
    if (src->mode == OL_WASI_SOURCE_REPLAY) {
        char wanted[48];
        snprintf(wanted, sizeof wanted, "clock %s", clock_names[id]);
        if (src->pos >= src->tr_len)
            return diverged(src, wanted, NULL);
        tr_entry e;
        tr_parse(src, &e);
        if (!e.is_clock || e.id != id)
            return diverged(src, wanted, &e);
        src->pos = e.next;
        src->entries++;
        *ns = e.ns;
        return OL__WASI_SRC_OK;
    }
    if (src->mode == OL_WASI_SOURCE_SEEDED) {
        uint64_t t = add_sat(src->vclock_ns, OL_WASI_VCLOCK_STEP_NS);
        v = id == OL__WASI_CLOCK_REALTIME ? add_sat(OL_WASI_VCLOCK_REALTIME_BASE_NS, t) : t;
        ol__wasi_src_rc rc = record_clock(src, id, v);
        if (rc != OL__WASI_SRC_OK)
            return rc;
        src->vclock_ns = t;
    } else {
        v = live_clock(id);
        ol__wasi_src_rc rc = record_clock(src, id, v);
        if (rc != OL__WASI_SRC_OK)
            return rc;
    }
    src->entries++;
    *ns = v;
    return OL__WASI_SRC_OK;
}

static void seeded_bytes(ol__wasi_src *src, uint8_t *p, size_t n)
{
    static const uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {0};
    while (n > 0) {
        if (src->ks_pos < 64) {
            size_t k = 64 - src->ks_pos < n ? 64 - src->ks_pos : n;
            memcpy(p, src->ks + src->ks_pos, k);
            src->ks_pos += (unsigned)k;
            p += k;
            n -= k;
            continue;
        }
        if (n >= 64) {
            /* Whole blocks straight into the destination (keystream = encryption of zeros). */
            size_t k = n - n % 64;
            memset(p, 0, k);
            crypto_stream_chacha20_xor_ic(p, p, k, nonce, src->block, src->key);
            src->block += k / 64;
            p += k;
            n -= k;
            continue;
        }
        memset(src->ks, 0, sizeof src->ks);
        crypto_stream_chacha20_xor_ic(src->ks, src->ks, sizeof src->ks, nonce, src->block,
                                      src->key);
        src->block++;
        src->ks_pos = 0;
    }
}

ol__wasi_src_rc ol__wasi_src_random(ol__wasi_src *src, uint8_t *p, size_t n)
{
    OL_ASSERT(n > 0);
    if (src->mode == OL_WASI_SOURCE_REPLAY) {
        char wanted[48];
        snprintf(wanted, sizeof wanted, "random (%zu bytes)", n);
        if (src->pos >= src->tr_len)
            return diverged(src, wanted, NULL);
        tr_entry e;
        tr_parse(src, &e);
        if (e.is_clock || e.nbytes != n)
            return diverged(src, wanted, &e);
        const uint8_t *h = src->tr + e.hex_start;
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)(hex_val(h[2 * i]) << 4 | hex_val(h[2 * i + 1]));
        src->pos = e.next;
        src->entries++;
        return OL__WASI_SRC_OK;
    }
    /* The size check comes first so that nothing is written when the cap would be passed. */
    size_t room = src->max_bytes - src->bytes;
    if (room < 8 || (room - 8) / 2 < n)
        return limit_msg(src);
    if (src->mode == OL_WASI_SOURCE_SEEDED)
        seeded_bytes(src, p, n);
    else
        randombytes_buf(p, n);
    ol__wasi_src_rc rc = record_random(src, p, n);
    if (rc != OL__WASI_SRC_OK)
        return rc;
    src->entries++;
    return OL__WASI_SRC_OK;
}

void ol__wasi_src_slept(ol__wasi_src *src, uint64_t ns)
{
    if (src->mode == OL_WASI_SOURCE_SEEDED)
        src->vclock_ns = add_sat(src->vclock_ns, ns);
}

ol__wasi_src_rc ol__wasi_src_finish(ol__wasi_src *src, uint8_t sha256[32])
{
    if (src->mode != OL_WASI_SOURCE_REPLAY) {
        crypto_hash_sha256_final(&src->sha, sha256);
        return OL__WASI_SRC_OK;
    }
    crypto_hash_sha256(sha256, src->tr, src->tr_len);
    if (src->pos < src->tr_len) {
        size_t left = 0;
        for (size_t i = src->pos; i < src->tr_len; i++)
            left += src->tr[i] == '\n';
        tr_entry e;
        tr_parse(src, &e);
        char have[64];
        describe_entry(&e, have, sizeof have);
        snprintf(src->msg, sizeof src->msg,
                 "replay diverged: the run ended with %zu transcript entries unused (next: entry "
                 "%zu, line %zu, %s)",
                 left, src->entries + 1, src->entries + 2, have);
        return OL__WASI_SRC_DIVERGED;
    }
    return OL__WASI_SRC_OK;
}
