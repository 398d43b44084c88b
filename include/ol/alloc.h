/* The one allocator hook (Lua's lua_Alloc shape). All library memory flows through it. */
#ifndef OL_ALLOC_H
#define OL_ALLOC_H

#include <stddef.h>

/* nsize == 0: free p (osize is its size) and return NULL.
 * p == NULL: allocate nsize bytes (osize is 0).
 * otherwise: resize p from osize to nsize bytes; on failure return NULL and leave p intact. */
typedef void *(*ol_realloc_fn)(void *ud, void *p, size_t osize, size_t nsize);

typedef struct ol_allocator {
    ol_realloc_fn fn;
    void *ud;
} ol_allocator;

/* The default allocator (malloc/realloc/free). Static storage; never freed. */
const ol_allocator *ol_allocator_default(void);

/* Convenience wrappers. `a` may be NULL for the default allocator. */
void *ol_malloc(const ol_allocator *a, size_t n);
void *ol_calloc(const ol_allocator *a, size_t count, size_t size); /* zeroed; overflow -> NULL */
void *ol_realloc(const ol_allocator *a, void *p, size_t osize, size_t nsize);
void ol_free(const ol_allocator *a, void *p, size_t size);

/* A counting wrapper: tracks live bytes and enforces a cap (0 = none). Used for per-tenant
 * limits and in tests for leak accounting. */
typedef struct ol_alloc_counter {
    ol_allocator inner; /* the allocator that does the work */
    size_t live;        /* bytes currently allocated through this counter */
    size_t peak;
    size_t limit;        /* allocation that would exceed this fails; 0 = unlimited */
    long fail_countdown; /* fault injection: the Nth allocation (0-based) fails; -1 = never */
} ol_alloc_counter;

/* Initialises `c` around `inner` (NULL = default). Returns an allocator whose ud is `c`;
 * `c` must outlive every allocation made through it. */
ol_allocator ol_alloc_counter_init(ol_alloc_counter *c, const ol_allocator *inner);

#endif
