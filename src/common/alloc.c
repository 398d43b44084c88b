#include "ol/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *default_realloc(void *ud, void *p, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, nsize);
}

static const ol_allocator default_allocator = {default_realloc, NULL};

const ol_allocator *ol_allocator_default(void)
{
    return &default_allocator;
}

void *ol_malloc(const ol_allocator *a, size_t n)
{
    if (a == NULL)
        a = &default_allocator;
    if (n == 0)
        n = 1;
    return a->fn(a->ud, NULL, 0, n);
}

void *ol_calloc(const ol_allocator *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    void *p = ol_malloc(a, n);
    if (p != NULL)
        memset(p, 0, n == 0 ? 1 : n);
    return p;
}

void *ol_realloc(const ol_allocator *a, void *p, size_t osize, size_t nsize)
{
    if (a == NULL)
        a = &default_allocator;
    if (p == NULL)
        return ol_malloc(a, nsize);
    if (nsize == 0)
        nsize = 1;
    return a->fn(a->ud, p, osize, nsize);
}

void ol_free(const ol_allocator *a, void *p, size_t size)
{
    if (p == NULL)
        return;
    if (a == NULL)
        a = &default_allocator;
    a->fn(a->ud, p, size == 0 ? 1 : size, 0);
}

static void *counter_realloc(void *ud, void *p, size_t osize, size_t nsize)
{
    ol_alloc_counter *c = ud;
    if (nsize == 0) {
        c->inner.fn(c->inner.ud, p, osize, 0);
        c->live -= osize;
        return NULL;
    }
    if (c->fail_countdown >= 0 && c->fail_countdown-- == 0)
        return NULL;
    size_t grow = nsize > osize ? nsize - osize : 0;
    if (c->limit != 0 && c->live + grow > c->limit)
        return NULL;
    void *q = c->inner.fn(c->inner.ud, p, osize, nsize);
    if (q == NULL)
        return NULL;
    c->live = c->live - osize + nsize;
    if (c->live > c->peak)
        c->peak = c->live;
    return q;
}

ol_allocator ol_alloc_counter_init(ol_alloc_counter *c, const ol_allocator *inner)
{
    memset(c, 0, sizeof *c);
    c->inner = inner != NULL ? *inner : default_allocator;
    c->fail_countdown = -1;
    return (ol_allocator){counter_realloc, c};
}
