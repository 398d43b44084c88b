/* Memory for results: the arena (bump allocation in chunks, freed at once) and the growable
 * byte buffer the borsh writer appends to.
 *
 * Invariants: every chunk came from the arena's allocator with exactly `size` bytes and is on
 * its list; `used <= cap` for the head chunk; a buffer's `p` has `cap` bytes from `a`, and once
 * `err` is set the buffer never changes again until reset. */
#include <stdalign.h>
#include <string.h>

#include <sodium.h>

#include "near_int.h"

typedef struct chunk {
    struct chunk *next;
    size_t size; /* bytes allocated for this chunk, header included */
    size_t cap;  /* payload bytes */
    size_t used;
} chunk;

#define ALIGN         (alignof(max_align_t))
#define ROUND_UP(n)   (((n) + ALIGN - 1) / ALIGN * ALIGN)
#define HEADER        ROUND_UP(sizeof(chunk))
#define CHUNK_PAYLOAD 4096u

struct ol_near_arena {
    ol_allocator alloc; /* a copy: the caller's struct need not outlive the arena */
    chunk *head;
};

static unsigned char *chunk_data(chunk *c)
{
    return (unsigned char *)c + HEADER;
}

ol_err ol_near_arena_new(const ol_allocator *a, ol_near_arena **out, ol_diag *d)
{
    if (a == NULL)
        a = ol_allocator_default();
    ol_near_arena *ar = ol_malloc(a, sizeof *ar);
    if (ar == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "arena: %zu bytes", sizeof *ar);
    ar->alloc = *a;
    ar->head = NULL;
    *out = ar;
    return OL_OK;
}

void ol_near_arena_free(ol_near_arena *ar)
{
    if (ar == NULL)
        return;
    ol_allocator a = ar->alloc;
    chunk *c = ar->head;
    while (c != NULL) {
        chunk *next = c->next;
        size_t size = c->size;
        sodium_memzero(c, size);
        ol_free(&a, c, size);
        c = next;
    }
    ol_free(&a, ar, sizeof *ar);
}

void *ol_near_arena_alloc(ol_near_arena *ar, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - HEADER - ALIGN)
        return NULL;
    size_t need = ROUND_UP(n);
    chunk *c = ar->head;
    if (c == NULL || c->cap - c->used < need) {
        size_t cap = need > CHUNK_PAYLOAD ? need : CHUNK_PAYLOAD;
        size_t size = HEADER + cap;
        chunk *nc = ol_malloc(&ar->alloc, size);
        if (nc == NULL)
            return NULL;
        nc->size = size;
        nc->cap = cap;
        nc->used = 0;
        if (c != NULL && need > CHUNK_PAYLOAD && c->cap - c->used >= CHUNK_PAYLOAD / 4) {
            /* A big block goes behind the head so the head's free space stays in use. */
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            ar->head = nc;
        }
        c = nc;
    }
    void *p = chunk_data(c) + c->used;
    c->used += need;
    memset(p, 0, n);
    return p;
}

char *ol_near_arena_strndup(ol_near_arena *ar, const char *p, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *s = ol_near_arena_alloc(ar, len + 1);
    if (s == NULL)
        return NULL;
    if (len > 0)
        memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

/* ---- ol_near_buf ---- */

void ol_near_buf_init(ol_near_buf *b, const ol_allocator *a)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->a = a;
    b->err = OL_OK;
}

void ol_near_buf_fini(ol_near_buf *b)
{
    if (b->p != NULL) {
        sodium_memzero(b->p, b->cap);
        ol_free(b->a, b->p, b->cap);
    }
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = OL_OK;
}

void ol_near_buf_reset(ol_near_buf *b)
{
    if (b->p != NULL)
        sodium_memzero(b->p, b->len);
    b->len = 0;
    b->err = OL_OK;
}

ol_err ol_near_buf_check(const ol_near_buf *b, ol_diag *d)
{
    switch (b->err) {
    case OL_OK:
        return OL_OK;
    case OL_E_NOMEM:
        return OL_FAIL(d, OL_E_NOMEM, "borsh: out of memory after %zu bytes", b->len);
    case OL_E_LIMIT:
        return OL_FAIL(d, OL_E_LIMIT, "borsh: a length does not fit a u32");
    default:
        return OL_FAIL(d, b->err, "borsh: write failed after %zu bytes", b->len);
    }
}

void ol_near_buf_append(ol_near_buf *b, const void *p, size_t len)
{
    if (b->err != OL_OK || len == 0)
        return;
    if (len > SIZE_MAX - b->len) {
        b->err = OL_E_NOMEM;
        return;
    }
    if (b->len + len > b->cap) {
        size_t ncap = b->cap == 0 ? 256 : b->cap;
        while (ncap < b->len + len)
            ncap = ncap > SIZE_MAX / 2 ? b->len + len : ncap * 2;
        uint8_t *np = ol_realloc(b->a, b->p, b->cap, ncap);
        if (np == NULL) {
            b->err = OL_E_NOMEM;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, p, len);
    b->len += len;
}
