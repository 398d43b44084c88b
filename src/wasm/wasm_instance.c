/* Stores, the objects they own, instantiation, exports and the public call entry.
 *
 * Ownership: every object created in a store (host functions, memories, tables, globals,
 * instances with their defined functions and globals) is allocated in a "box" whose header links
 * it into the store's object list, newest first. ol_wasm_store_free() walks the list once; a
 * failed constructor pops back to the head it started from, so a failure leaves the store as it
 * was. All memory flows through the store's allocator with exact sizes, except the linear-memory
 * reservations, which are mmap'ed and munmap'ed.
 *
 * Signatures are interned per store: structurally equal function types get the same id, so the
 * interpreter's call_indirect check and import matching are one integer comparison. Each
 * signature's value-type array is its own allocation and never moves; ol_wasm_func.vt points at
 * it. A linear-probing hash index keeps interning O(1) for modules with many types.
 *
 * Linear memory: the effective maximum is reserved up front (PROT_NONE, no swap reservation) and
 * pages are made accessible as the memory grows, so data never moves and new pages read zero.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm_int.h"

/* A memory reserves up to 65536 pages (4 GiB) of address space. */
_Static_assert(sizeof(size_t) >= 8, "linear memories need a 64-bit address space");

#define DEFAULT_MAX_MEMORY_PAGES 16384u
#define DEFAULT_MAX_TABLE_ELEMS  1000000u
#define DEFAULT_MAX_CALL_DEPTH   10000u
#define DEFAULT_MAX_STACK_BYTES  (8u * 1024u * 1024u)
#define DEFAULT_MAX_INSTANCES    10000u

/* ---------------------------------------------------------------------------------------------
 * Object boxes and the store's private part
 * ------------------------------------------------------------------------------------------- */

typedef enum obj_kind {
    OBJ_FUNC,
    OBJ_MEMORY,
    OBJ_TABLE,
    OBJ_GLOBAL,
    OBJ_INSTANCE,
} obj_kind;

typedef struct obj_hdr {
    struct obj_hdr *next; /* older object */
    obj_kind kind;
} obj_hdr;

typedef struct func_box {
    obj_hdr hdr;
    ol_wasm_func f;
} func_box;

typedef struct memory_box {
    obj_hdr hdr;
    ol_wasm_memory mem;
} memory_box;

typedef struct table_box {
    obj_hdr hdr;
    ol_wasm_table t;
} table_box;

typedef struct global_box {
    obj_hdr hdr;
    ol_wasm_global g;
} global_box;

/* An instance and the objects that only it defines. Its tables and memories are separate boxes:
 * they carry their own resources and may outlive a failed instantiation in imported form. */
typedef struct inst_box {
    obj_hdr hdr;
    ol_wasm_instance inst;
    ol_wasm_func *own_funcs;     /* module->nfuncs - nfunc_imports */
    ol_wasm_global *own_globals; /* module->nglobals - nglobal_imports */
} inst_box;

typedef struct store_priv {
    obj_hdr *objects;       /* newest first */
    uint32_t *sig_index;    /* open addressing; 0 = empty, else signature id + 1 */
    uint32_t sig_index_cap; /* 0 or a power of two; load kept at most 1/2 */
} store_priv;

/* The store and its private part in one allocation; s->objects points at priv. */
typedef struct store_box {
    ol_wasm_store s;
    store_priv priv;
} store_box;

static store_priv *store_priv_of(const ol_wasm_store *s)
{
    return s->objects;
}

static void obj_push(ol_wasm_store *s, obj_hdr *h, obj_kind kind)
{
    store_priv *p = store_priv_of(s);
    h->kind = kind;
    h->next = p->objects;
    p->objects = h;
}

static void inst_box_free(ol_wasm_store *s, inst_box *b)
{
    const ol_allocator *a = &s->alloc;
    const ol_wasm_module *m = b->inst.module;
    ol_wasm_instance *inst = &b->inst;

    if (inst->elem_items != NULL) {
        for (uint32_t i = 0; i < m->nelems; i++)
            ol_free(a, inst->elem_items[i], (size_t)m->elems[i].count * sizeof(uint64_t));
    }
    ol_free(a, inst->elem_items, (size_t)m->nelems * sizeof *inst->elem_items);
    ol_free(a, inst->elem_len, (size_t)m->nelems * sizeof *inst->elem_len);
    ol_free(a, inst->data_len, (size_t)m->ndatas * sizeof *inst->data_len);
    ol_free(a, inst->type_sig, (size_t)m->ntypes * sizeof *inst->type_sig);
    ol_free(a, inst->funcs, (size_t)m->nfuncs * sizeof *inst->funcs);
    ol_free(a, inst->tables, (size_t)m->ntables * sizeof *inst->tables);
    ol_free(a, inst->globals, (size_t)m->nglobals * sizeof *inst->globals);
    ol_free(a, b->own_funcs, (size_t)(m->nfuncs - m->nfunc_imports) * sizeof *b->own_funcs);
    ol_free(a, b->own_globals, (size_t)(m->nglobals - m->nglobal_imports) * sizeof *b->own_globals);
    ol_free(a, b, sizeof *b);
}

static void obj_free(ol_wasm_store *s, obj_hdr *h)
{
    const ol_allocator *a = &s->alloc;
    switch (h->kind) {
    case OBJ_FUNC:
        ol_free(a, h, sizeof(func_box));
        break;
    case OBJ_MEMORY: {
        memory_box *b = (memory_box *)h;
        if (b->mem.reserved != 0)
            munmap(b->mem.data, b->mem.reserved);
        ol_free(a, b, sizeof *b);
        break;
    }
    case OBJ_TABLE: {
        table_box *b = (table_box *)h;
        ol_free(a, b->t.elems, (size_t)b->t.cap * sizeof *b->t.elems);
        ol_free(a, b, sizeof *b);
        break;
    }
    case OBJ_GLOBAL:
        ol_free(a, h, sizeof(global_box));
        break;
    case OBJ_INSTANCE:
        inst_box_free(s, (inst_box *)h);
        break;
    }
}

/* Frees every object newer than `mark` (NULL: all of them). */
static void objects_rollback(ol_wasm_store *s, const obj_hdr *mark)
{
    store_priv *p = store_priv_of(s);
    while (p->objects != mark && p->objects != NULL) {
        obj_hdr *h = p->objects;
        p->objects = h->next;
        obj_free(s, h);
    }
}

/* i32 and f32 travel in the low 32 bits of a slot; the upper bits are zero inside the engine. */
static uint64_t value_normalize(ol_wasm_valtype t, uint64_t v)
{
    return t == OL_WASM_I32 || t == OL_WASM_F32 ? v & 0xffffffffu : v;
}

/* ---------------------------------------------------------------------------------------------
 * Signature interning
 * ------------------------------------------------------------------------------------------- */

static uint32_t sig_hash(uint32_t nparams, uint32_t nresults, const ol_wasm_valtype *vt)
{
    /* FNV-1a over the counts and the value types. */
    uint32_t h = 2166136261u;
    size_t n = (size_t)nparams + nresults;
    h = (h ^ nparams) * 16777619u;
    h = (h ^ nresults) * 16777619u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint32_t)vt[i]) * 16777619u;
    return h;
}

static bool sig_equal(const ol__functype *t, uint32_t nparams, uint32_t nresults,
                      const ol_wasm_valtype *vt)
{
    size_t n = (size_t)nparams + nresults;
    if (t->nparams != nparams || t->nresults != nresults)
        return false;
    return n == 0 || memcmp(t->vt, vt, n * sizeof *vt) == 0;
}

static void sig_index_put(uint32_t *index, uint32_t cap, const ol__functype *t, uint32_t id)
{
    uint32_t mask = cap - 1;
    uint32_t i = sig_hash(t->nparams, t->nresults, t->vt) & mask;
    while (index[i] != 0)
        i = (i + 1) & mask;
    index[i] = id + 1;
}

static ol_err sig_index_grow(ol_wasm_store *s)
{
    store_priv *p = store_priv_of(s);
    uint32_t cap = p->sig_index_cap != 0 ? p->sig_index_cap * 2 : 16;
    uint32_t *index;

    if (cap == 0 || cap > UINT32_MAX / 2)
        return OL_E_LIMIT;
    index = ol_calloc(&s->alloc, cap, sizeof *index);
    if (index == NULL)
        return OL_E_NOMEM;
    /* Reinserting in id order gives the table that inserting one by one would have built, which
     * sigs_rollback() relies on. */
    for (uint32_t id = 0; id < s->nsigs; id++)
        sig_index_put(index, cap, &s->sigs[id], id);
    ol_free(&s->alloc, p->sig_index, (size_t)p->sig_index_cap * sizeof *p->sig_index);
    p->sig_index = index;
    p->sig_index_cap = cap;
    return OL_OK;
}

ol_err ol__wasm_store_sig(ol_wasm_store *s, uint32_t nparams, uint32_t nresults,
                          const ol_wasm_valtype *vt, uint32_t *id)
{
    store_priv *p = store_priv_of(s);
    size_t n = (size_t)nparams + nresults;
    ol_wasm_valtype *copy = NULL;
    ol_err rc;

    if (p->sig_index_cap != 0) {
        uint32_t mask = p->sig_index_cap - 1;
        for (uint32_t i = sig_hash(nparams, nresults, vt) & mask;; i = (i + 1) & mask) {
            uint32_t e = p->sig_index[i];
            if (e == 0)
                break;
            if (sig_equal(&s->sigs[e - 1], nparams, nresults, vt)) {
                *id = e - 1;
                return OL_OK;
            }
        }
    }

    /* Every step below either succeeds or changes nothing observable. */
    if ((uint64_t)s->nsigs * 2 + 2 > p->sig_index_cap) {
        rc = sig_index_grow(s);
        if (rc != OL_OK)
            return rc;
    }
    if (s->nsigs == s->sigs_cap) {
        uint32_t cap = s->sigs_cap != 0 ? s->sigs_cap * 2 : 8;
        ol__functype *sigs;
        if (cap <= s->sigs_cap)
            return OL_E_LIMIT;
        sigs = ol_realloc(&s->alloc, s->sigs, (size_t)s->sigs_cap * sizeof *s->sigs,
                          (size_t)cap * sizeof *s->sigs);
        if (sigs == NULL)
            return OL_E_NOMEM;
        s->sigs = sigs;
        s->sigs_cap = cap;
    }
    if (n != 0) {
        copy = ol_malloc(&s->alloc, n * sizeof *copy);
        if (copy == NULL)
            return OL_E_NOMEM;
        memcpy(copy, vt, n * sizeof *copy);
    }
    s->sigs[s->nsigs].nparams = nparams;
    s->sigs[s->nsigs].nresults = nresults;
    s->sigs[s->nsigs].vt = copy;
    sig_index_put(p->sig_index, p->sig_index_cap, &s->sigs[s->nsigs], s->nsigs);
    *id = s->nsigs++;
    return OL_OK;
}

/* Forgets the signatures interned since the store had `mark` of them. Removing the newest
 * entries of a linear-probing table in reverse insertion order restores it exactly: each sits in
 * the first slot that was empty when it went in, and nothing inserted after it remains.
 * Capacities are kept (freed with the store). */
static void sigs_rollback(ol_wasm_store *s, uint32_t mark)
{
    store_priv *p = store_priv_of(s);
    while (s->nsigs > mark) {
        uint32_t id = --s->nsigs;
        ol__functype *t = &s->sigs[id];
        uint32_t mask = p->sig_index_cap - 1;
        for (uint32_t i = sig_hash(t->nparams, t->nresults, t->vt) & mask;; i = (i + 1) & mask) {
            if (p->sig_index[i] == id + 1) {
                p->sig_index[i] = 0;
                break;
            }
        }
        ol_free(&s->alloc, t->vt, ((size_t)t->nparams + t->nresults) * sizeof *t->vt);
        t->vt = NULL;
    }
}

static void func_init_sig(ol_wasm_func *f, const ol_wasm_store *s, uint32_t sig)
{
    f->sig = sig;
    f->nparams = s->sigs[sig].nparams;
    f->nresults = s->sigs[sig].nresults;
    f->vt = s->sigs[sig].vt;
}

/* ---------------------------------------------------------------------------------------------
 * Stores
 * ------------------------------------------------------------------------------------------- */

ol_err ol_wasm_store_new(const ol_wasm_store_config *cfg, ol_wasm_store **out, ol_diag *d)
{
    const ol_allocator *a = cfg != NULL && cfg->alloc != NULL ? cfg->alloc : ol_allocator_default();
    store_box *b = ol_calloc(a, 1, sizeof *b);
    ol_wasm_store *s;
    ol_wasm_limits *l;

    if (b == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "store: %zu bytes", sizeof *b);
    s = &b->s;
    s->alloc = *a;
    l = &s->limits;
    if (cfg != NULL)
        *l = cfg->limits;
    if (l->max_memory_pages == 0)
        l->max_memory_pages = DEFAULT_MAX_MEMORY_PAGES;
    if (l->max_memory_pages > OL__MAX_MEMORY_PAGES)
        l->max_memory_pages = OL__MAX_MEMORY_PAGES;
    if (l->max_table_elems == 0)
        l->max_table_elems = DEFAULT_MAX_TABLE_ELEMS;
    if (l->max_call_depth == 0)
        l->max_call_depth = DEFAULT_MAX_CALL_DEPTH;
    if (l->max_stack_bytes == 0)
        l->max_stack_bytes = DEFAULT_MAX_STACK_BYTES;
    if (l->max_instances == 0)
        l->max_instances = DEFAULT_MAX_INSTANCES;
    s->fuel = UINT64_MAX;
    s->fuel_initial = UINT64_MAX;
    atomic_init(&s->interrupt, false);
    s->objects = &b->priv;
    *out = s;
    return OL_OK;
}

void ol_wasm_store_free(ol_wasm_store *s)
{
    if (s == NULL)
        return;
    store_box *b = (store_box *)s; /* s is the first member */
    store_priv *p = &b->priv;
    ol_allocator a = s->alloc; /* lives inside the block freed last */

    objects_rollback(s, NULL);
    for (uint32_t i = 0; i < s->nsigs; i++) {
        const ol__functype *t = &s->sigs[i];
        ol_free(&a, t->vt, ((size_t)t->nparams + t->nresults) * sizeof *t->vt);
    }
    ol_free(&a, s->sigs, (size_t)s->sigs_cap * sizeof *s->sigs);
    ol_free(&a, p->sig_index, (size_t)p->sig_index_cap * sizeof *p->sig_index);
    /* The interpreter allocates the stacks lazily through s->alloc. */
    if (s->stack != NULL)
        ol_free(&a, s->stack, (size_t)(s->stack_end - s->stack) * sizeof *s->stack);
    if (s->frames != NULL)
        ol_free(&a, s->frames, (size_t)s->nframes * sizeof *s->frames);
    ol_free(&a, b, sizeof *b);
}

void ol_wasm_store_set_fuel(ol_wasm_store *s, uint64_t fuel)
{
    s->fuel = fuel;
    s->fuel_initial = fuel;
}

uint64_t ol_wasm_store_fuel_consumed(const ol_wasm_store *s)
{
    return s->fuel_initial - s->fuel;
}

uint64_t ol_wasm_store_fuel_remaining(const ol_wasm_store *s)
{
    return s->fuel;
}

void ol_wasm_store_interrupt(ol_wasm_store *s)
{
    atomic_store(&s->interrupt, true);
}

void ol_wasm_store_clear_interrupt(ol_wasm_store *s)
{
    atomic_store(&s->interrupt, false);
}

/* ---------------------------------------------------------------------------------------------
 * Memories
 * ------------------------------------------------------------------------------------------- */

/* decl_max: UINT32_MAX for none. */
static ol_err memory_create(ol_wasm_store *s, uint32_t min, uint32_t decl_max, ol_wasm_memory **out,
                            ol_diag *d)
{
    uint32_t emax = decl_max != UINT32_MAX ? decl_max : OL__MAX_MEMORY_PAGES;
    memory_box *b;
    size_t reserve;
    void *data = NULL;

    if (decl_max != UINT32_MAX && decl_max > OL__MAX_MEMORY_PAGES)
        return OL_FAIL(d, OL_E_INVAL, "memory maximum of %u pages is above %u", decl_max,
                       OL__MAX_MEMORY_PAGES);
    if (min > decl_max)
        return OL_FAIL(d, OL_E_INVAL, "memory minimum of %u pages is above its maximum of %u", min,
                       decl_max);
    if (emax > s->limits.max_memory_pages)
        emax = s->limits.max_memory_pages;
    if (min > emax)
        return OL_FAIL(d, OL_E_LIMIT, "memory of %u pages exceeds the limit of %u pages", min,
                       emax);

    reserve = (size_t)emax * OL_WASM_PAGE_SIZE;
    if (reserve != 0) {
        data = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (data == MAP_FAILED)
            return OL_FAIL(d, OL_E_NOMEM, "cannot reserve %zu bytes for a memory", reserve);
        if (min != 0 &&
            mprotect(data, (size_t)min * OL_WASM_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
            munmap(data, reserve);
            return OL_FAIL(d, OL_E_NOMEM, "cannot commit %u pages of memory", min);
        }
    }
    b = ol_calloc(&s->alloc, 1, sizeof *b);
    if (b == NULL) {
        if (data != NULL)
            munmap(data, reserve);
        return OL_FAIL(d, OL_E_NOMEM, "memory: %zu bytes", sizeof *b);
    }
    b->mem.store = s;
    b->mem.data = data;
    b->mem.pages = min;
    b->mem.len = (uint64_t)min * OL_WASM_PAGE_SIZE;
    b->mem.max_pages = emax;
    b->mem.decl_max = decl_max;
    b->mem.reserved = reserve;
    obj_push(s, &b->hdr, OBJ_MEMORY);
    *out = &b->mem;
    return OL_OK;
}

ol_err ol_wasm_memory_new(ol_wasm_store *s, uint32_t min_pages, uint32_t max_pages,
                          ol_wasm_memory **out, ol_diag *d)
{
    return memory_create(s, min_pages, max_pages, out, d);
}

int64_t ol__wasm_memory_grow(ol_wasm_memory *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    if (delta == 0)
        return old;
    if ((uint64_t)old + delta > mem->max_pages) {
        /* Count refusals the module's own maximum would have allowed: the embedder's limit, not
         * the program, decided (the WASI runner reports these as memory_limit). */
        uint64_t decl = mem->decl_max == UINT32_MAX ? OL__MAX_MEMORY_PAGES : mem->decl_max;
        if ((uint64_t)old + delta <= decl)
            mem->store->memory_limit_hits++;
        return -1;
    }
    /* Inside the reservation: the base never moves, and fresh anonymous pages read zero. */
    if (mprotect(mem->data + mem->len, (size_t)delta * OL_WASM_PAGE_SIZE, PROT_READ | PROT_WRITE) !=
        0)
        return -1;
    mem->pages = old + delta;
    mem->len = (uint64_t)mem->pages * OL_WASM_PAGE_SIZE;
    return old;
}

uint64_t ol_wasm_store_memory_limit_hits(const ol_wasm_store *s)
{
    return s->memory_limit_hits;
}

uint8_t *ol_wasm_memory_data(ol_wasm_memory *mem, size_t *len)
{
    if (len != NULL)
        *len = (size_t)mem->len;
    return mem->data;
}

uint32_t ol_wasm_memory_pages(const ol_wasm_memory *mem)
{
    return mem->pages;
}

int64_t ol_wasm_memory_grow(ol_wasm_memory *mem, uint32_t delta)
{
    if (mem == NULL)
        return -1;
    return ol__wasm_memory_grow(mem, delta);
}

/* ---------------------------------------------------------------------------------------------
 * Tables
 * ------------------------------------------------------------------------------------------- */

static uint32_t table_max(const ol_wasm_table *t)
{
    uint32_t lim = t->store->limits.max_table_elems;
    return t->decl_max < lim ? t->decl_max : lim;
}

/* decl_max: UINT32_MAX for none. */
static ol_err table_create(ol_wasm_store *s, ol_wasm_valtype elem, uint32_t min, uint32_t decl_max,
                           uint64_t init, ol_wasm_table **out, ol_diag *d)
{
    uint32_t emax = decl_max < s->limits.max_table_elems ? decl_max : s->limits.max_table_elems;
    table_box *b;

    if (!ol__is_reftype((uint8_t)elem))
        return OL_FAIL(d, OL_E_INVAL, "table element type 0x%02x is not a reference type",
                       (unsigned)elem);
    if (min > decl_max)
        return OL_FAIL(d, OL_E_INVAL, "table minimum of %u elements is above its maximum of %u",
                       min, decl_max);
    if (min > emax)
        return OL_FAIL(d, OL_E_LIMIT, "table of %u elements exceeds the limit of %u elements", min,
                       emax);
    b = ol_calloc(&s->alloc, 1, sizeof *b);
    if (b == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "table: %zu bytes", sizeof *b);
    if (min != 0) {
        b->t.elems = ol_malloc(&s->alloc, (size_t)min * sizeof *b->t.elems);
        if (b->t.elems == NULL) {
            ol_free(&s->alloc, b, sizeof *b);
            return OL_FAIL(d, OL_E_NOMEM, "table of %u elements", min);
        }
        for (uint32_t i = 0; i < min; i++)
            b->t.elems[i] = init;
    }
    b->t.store = s;
    b->t.size = min;
    b->t.cap = min;
    b->t.decl_max = decl_max;
    b->t.elem = elem;
    obj_push(s, &b->hdr, OBJ_TABLE);
    *out = &b->t;
    return OL_OK;
}

ol_err ol_wasm_table_new(ol_wasm_store *s, ol_wasm_valtype elem, uint32_t min, uint32_t max,
                         uint64_t init, ol_wasm_table **out, ol_diag *d)
{
    return table_create(s, elem, min, max, init, out, d);
}

int64_t ol__wasm_table_grow(ol_wasm_table *t, uint32_t delta, uint64_t init)
{
    const ol_allocator *a = &t->store->alloc;
    uint32_t old = t->size;
    uint32_t emax = table_max(t);
    uint32_t need;

    if (delta == 0)
        return old;
    if ((uint64_t)old + delta > emax)
        return -1;
    need = old + delta;
    if (need > t->cap) {
        /* Doubling (bounded by the maximum) keeps a guest that grows one element at a time to
         * O(log n) reallocations; the exact size is the fallback when memory is tight. */
        uint32_t cap = t->cap > emax / 2 ? emax : t->cap * 2;
        uint64_t *elems;
        if (cap < need)
            cap = need;
        elems =
            ol_realloc(a, t->elems, (size_t)t->cap * sizeof *elems, (size_t)cap * sizeof *elems);
        if (elems == NULL && cap > need) {
            cap = need;
            elems = ol_realloc(a, t->elems, (size_t)t->cap * sizeof *elems,
                               (size_t)cap * sizeof *elems);
        }
        if (elems == NULL)
            return -1;
        t->elems = elems;
        t->cap = cap;
    }
    for (uint32_t i = old; i < need; i++)
        t->elems[i] = init;
    t->size = need;
    return old;
}

uint32_t ol_wasm_table_size(const ol_wasm_table *t)
{
    return t->size;
}

ol_err ol_wasm_table_get(const ol_wasm_table *t, uint32_t i, uint64_t *ref)
{
    if (i >= t->size)
        return OL_E_RANGE;
    *ref = t->elems[i];
    return OL_OK;
}

ol_err ol_wasm_table_set(ol_wasm_table *t, uint32_t i, uint64_t ref)
{
    if (i >= t->size)
        return OL_E_RANGE;
    t->elems[i] = ref;
    return OL_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Globals
 * ------------------------------------------------------------------------------------------- */

ol_err ol_wasm_global_new(ol_wasm_store *s, ol_wasm_valtype type, bool is_mutable, uint64_t value,
                          ol_wasm_global **out, ol_diag *d)
{
    global_box *b;

    if (!ol__is_valtype((uint8_t)type))
        return OL_FAIL(d, OL_E_INVAL, "global type 0x%02x is not a value type", (unsigned)type);
    b = ol_calloc(&s->alloc, 1, sizeof *b);
    if (b == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "global: %zu bytes", sizeof *b);
    b->g.store = s;
    b->g.type = type;
    b->g.mut = is_mutable;
    b->g.value = value_normalize(type, value);
    obj_push(s, &b->hdr, OBJ_GLOBAL);
    *out = &b->g;
    return OL_OK;
}

ol_wasm_valtype ol_wasm_global_type(const ol_wasm_global *g)
{
    return g->type;
}

bool ol_wasm_global_is_mutable(const ol_wasm_global *g)
{
    return g->mut;
}

uint64_t ol_wasm_global_get(const ol_wasm_global *g)
{
    return g->value;
}

ol_err ol_wasm_global_set(ol_wasm_global *g, uint64_t value)
{
    if (!g->mut)
        return OL_E_STATE;
    g->value = value_normalize(g->type, value);
    return OL_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Host functions
 * ------------------------------------------------------------------------------------------- */

ol_err ol_wasm_func_new_host(ol_wasm_store *s, const ol_wasm_functype *type, ol_wasm_host_fn fn,
                             void *ud, ol_wasm_func **out, ol_diag *d)
{
    ol_err rc = OL_OK;
    uint32_t sig_mark = s->nsigs;
    ol_wasm_valtype small[32];
    ol_wasm_valtype *vt = small;
    size_t n = 0;
    uint32_t sig;
    func_box *b;

    if (type == NULL || fn == NULL)
        return OL_FAIL(d, OL_E_INVAL, "host function needs a type and a callback");
    if (type->nparams > OL__MAX_PARAMS || type->nresults > OL__MAX_RESULTS)
        return OL_FAIL(d, OL_E_LIMIT, "host function with %u params and %u results (limit %u/%u)",
                       type->nparams, type->nresults, OL__MAX_PARAMS, OL__MAX_RESULTS);
    if ((type->nparams != 0 && type->params == NULL) ||
        (type->nresults != 0 && type->results == NULL))
        return OL_FAIL(d, OL_E_INVAL, "host function type has NULL value-type arrays");
    n = (size_t)type->nparams + type->nresults;
    if (n > sizeof small / sizeof small[0]) {
        vt = ol_malloc(&s->alloc, n * sizeof *vt);
        if (vt == NULL)
            return OL_FAIL(d, OL_E_NOMEM, "host function type of %zu values", n);
    }
    /* The signature table wants params and results contiguous. */
    for (uint32_t i = 0; i < type->nparams; i++)
        vt[i] = type->params[i];
    for (uint32_t i = 0; i < type->nresults; i++)
        vt[type->nparams + i] = type->results[i];
    for (size_t i = 0; i < n; i++) {
        if (!ol__is_valtype((uint8_t)vt[i])) {
            rc = OL_FAIL(d, OL_E_INVAL, "host function type: 0x%02x is not a value type",
                         (unsigned)vt[i]);
            goto out;
        }
    }
    rc = ol__wasm_store_sig(s, type->nparams, type->nresults, vt, &sig);
    if (rc != OL_OK) {
        rc = OL_FAIL(d, rc, "interning a host function type");
        goto out;
    }
    b = ol_calloc(&s->alloc, 1, sizeof *b);
    if (b == NULL) {
        rc = OL_FAIL(d, OL_E_NOMEM, "host function: %zu bytes", sizeof *b);
        goto out;
    }
    b->f.store = s;
    func_init_sig(&b->f, s, sig);
    b->f.fn = fn;
    b->f.ud = ud;
    obj_push(s, &b->hdr, OBJ_FUNC);
    *out = &b->f;
out:
    if (rc != OL_OK)
        sigs_rollback(s, sig_mark);
    if (vt != small)
        ol_free(&s->alloc, vt, n * sizeof *vt);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Instantiation
 * ------------------------------------------------------------------------------------------- */

static const char *kind_name(ol_wasm_extern_kind k)
{
    switch (k) {
    case OL_WASM_EXTERN_FUNC:
        return "func";
    case OL_WASM_EXTERN_TABLE:
        return "table";
    case OL_WASM_EXTERN_MEMORY:
        return "memory";
    case OL_WASM_EXTERN_GLOBAL:
        return "global";
    }
    return "unknown kind";
}

/* Limits subtyping (spec "import subtyping"): the actual object is at least as large as the
 * declared minimum, and if a maximum is declared, the object has one no larger. */
static bool limits_match(uint32_t size, uint32_t actual_max, const ol_wasm_limits_type *decl)
{
    if (size < decl->min)
        return false;
    if (!decl->has_max)
        return true;
    return actual_max != UINT32_MAX && actual_max <= decl->max;
}

/* Checks import i against its declaration and records it in the instance. */
static ol_err link_import(ol_wasm_store *s, const ol_wasm_module *m, uint32_t i,
                          const ol_wasm_extern *ex, ol_wasm_instance *inst, ol_diag *d)
{
    const ol__import *imp = &m->imports[i];
    const char *why = NULL;
    bool foreign = false;
    bool missing = false;

    if (ex->kind != imp->kind) {
        return OL_FAIL(d, OL_E_UNLINKABLE,
                       "import %u \"%s\".\"%s\": incompatible import type (expected %s, got %s)", i,
                       imp->module, imp->name, kind_name(imp->kind), kind_name(ex->kind));
    }
    switch (imp->kind) {
    case OL_WASM_EXTERN_FUNC: {
        const ol_wasm_func *f = ex->of.func;
        if (f == NULL)
            missing = true;
        else if (f->store != s)
            foreign = true;
        else if (f->sig != inst->type_sig[m->func_type[imp->index]])
            why = "function signature differs";
        else
            inst->funcs[imp->index] = ex->of.func;
        break;
    }
    case OL_WASM_EXTERN_TABLE: {
        const ol_wasm_table *t = ex->of.table;
        const ol__table_type *tt = &m->tables[imp->index];
        if (t == NULL)
            missing = true;
        else if (t->store != s)
            foreign = true;
        else if (t->elem != tt->elem)
            why = "table element type differs";
        else if (!limits_match(t->size, t->decl_max, &tt->limits))
            why = "table limits do not match";
        else
            inst->tables[imp->index] = ex->of.table;
        break;
    }
    case OL_WASM_EXTERN_MEMORY: {
        const ol_wasm_memory *mem = ex->of.memory;
        if (mem == NULL)
            missing = true;
        else if (mem->store != s)
            foreign = true;
        else if (!limits_match(mem->pages, mem->decl_max, &m->mems[imp->index]))
            why = "memory limits do not match";
        else if (imp->index == 0)
            inst->mem = ex->of.memory;
        break;
    }
    case OL_WASM_EXTERN_GLOBAL: {
        const ol_wasm_global *g = ex->of.global;
        const ol__global_type *gt = &m->globals[imp->index];
        if (g == NULL)
            missing = true;
        else if (g->store != s)
            foreign = true;
        else if (g->type != gt->type)
            why = "global value type differs";
        else if (g->mut != gt->mut)
            why = "global mutability differs";
        else
            inst->globals[imp->index] = ex->of.global;
        break;
    }
    }
    if (missing)
        return OL_FAIL(d, OL_E_UNLINKABLE, "import %u \"%s\".\"%s\": NULL %s given", i, imp->module,
                       imp->name, kind_name(imp->kind));
    if (foreign)
        return OL_FAIL(d, OL_E_UNLINKABLE, "import %u \"%s\".\"%s\": %s belongs to another store",
                       i, imp->module, imp->name, kind_name(imp->kind));
    if (why != NULL)
        return OL_FAIL(d, OL_E_UNLINKABLE, "import %u \"%s\".\"%s\": incompatible import type (%s)",
                       i, imp->module, imp->name, why);
    return OL_OK;
}

/* Evaluates a constant expression of the instance. Validation guarantees the indices; the
 * checks keep a decoder bug from becoming a wild read (only globals[0, nglobals_ready) exist). */
static bool const_eval(const ol_wasm_instance *inst, const ol__constexpr *ce,
                       uint32_t nglobals_ready, uint64_t *v)
{
    switch (ce->kind) {
    case OL__CE_CONST:
        *v = value_normalize(ce->type, ce->value);
        return true;
    case OL__CE_REF_NULL:
        *v = 0;
        return true;
    case OL__CE_REF_FUNC:
        if (OL_NEVER(ce->value >= inst->module->nfuncs))
            return false;
        *v = ol_wasm_func_to_ref(inst->funcs[ce->value]);
        return true;
    case OL__CE_GLOBAL_GET:
        if (OL_NEVER(ce->value >= nglobals_ready))
            return false;
        *v = inst->globals[ce->value]->value;
        return true;
    }
    return false;
}

/* Allocates the instance's arrays (zeroed). */
static ol_err inst_alloc_arrays(ol_wasm_store *s, const ol_wasm_module *m, inst_box *b, ol_diag *d)
{
    const ol_allocator *a = &s->alloc;
    ol_wasm_instance *inst = &b->inst;

    inst->funcs = ol_calloc(a, m->nfuncs, sizeof *inst->funcs);
    inst->tables = ol_calloc(a, m->ntables, sizeof *inst->tables);
    inst->globals = ol_calloc(a, m->nglobals, sizeof *inst->globals);
    inst->type_sig = ol_calloc(a, m->ntypes, sizeof *inst->type_sig);
    inst->elem_items = ol_calloc(a, m->nelems, sizeof *inst->elem_items);
    inst->elem_len = ol_calloc(a, m->nelems, sizeof *inst->elem_len);
    inst->data_len = ol_calloc(a, m->ndatas, sizeof *inst->data_len);
    b->own_funcs = ol_calloc(a, m->nfuncs - m->nfunc_imports, sizeof *b->own_funcs);
    b->own_globals = ol_calloc(a, m->nglobals - m->nglobal_imports, sizeof *b->own_globals);
    if (inst->funcs == NULL || inst->tables == NULL || inst->globals == NULL ||
        inst->type_sig == NULL || inst->elem_items == NULL || inst->elem_len == NULL ||
        inst->data_len == NULL || b->own_funcs == NULL || b->own_globals == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "instance of a module with %u functions", m->nfuncs);
    return OL_OK;
}

/* Steps before any side effect: defined functions, tables, memories, globals and the passive
 * element segments' references. */
static ol_err inst_define(ol_wasm_store *s, const ol_wasm_module *m, inst_box *b, ol_diag *d)
{
    ol_wasm_instance *inst = &b->inst;

    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        ol_wasm_func *f = &b->own_funcs[i - m->nfunc_imports];
        f->store = s;
        func_init_sig(f, s, inst->type_sig[m->func_type[i]]);
        f->inst = inst;
        f->code = m->bodies[i - m->nfunc_imports].code;
        inst->funcs[i] = f;
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        const ol__table_type *tt = &m->tables[i];
        ol_err rc =
            table_create(s, tt->elem, tt->limits.min,
                         tt->limits.has_max ? tt->limits.max : UINT32_MAX, 0, &inst->tables[i], d);
        if (rc != OL_OK)
            return rc;
    }
    for (uint32_t i = m->nmem_imports; i < m->nmems; i++) {
        const ol_wasm_limits_type *lt = &m->mems[i];
        ol_wasm_memory *mem;
        ol_err rc = memory_create(s, lt->min, lt->has_max ? lt->max : UINT32_MAX, &mem, d);
        if (rc != OL_OK)
            return rc;
        if (i == 0)
            inst->mem = mem;
    }
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        const ol__global_type *gt = &m->globals[i];
        ol_wasm_global *g = &b->own_globals[i - m->nglobal_imports];
        uint64_t v;
        if (!const_eval(inst, &gt->init, i, &v))
            return OL_FAIL(d, OL_E_INTERNAL, "global %u: initialiser refers to an unknown index",
                           i);
        g->store = s;
        g->type = gt->type;
        g->mut = gt->mut;
        g->value = v;
        inst->globals[i] = g;
    }
    /* Active and declarative segments are applied (or not) and dropped during instantiation;
     * only passive ones keep their references. */
    for (uint32_t i = 0; i < m->nelems; i++) {
        const ol__elem *e = &m->elems[i];
        if (e->mode != OL__SEG_PASSIVE)
            continue;
        inst->elem_items[i] = ol_calloc(&s->alloc, e->count, sizeof *inst->elem_items[i]);
        if (inst->elem_items[i] == NULL)
            return OL_FAIL(d, OL_E_NOMEM, "element segment %u of %u items", i, e->count);
        for (uint32_t j = 0; j < e->count; j++) {
            if (!const_eval(inst, &e->items[j], m->nglobals, &inst->elem_items[i][j]))
                return OL_FAIL(d, OL_E_INTERNAL, "element segment %u: item %u is malformed", i, j);
        }
        inst->elem_len[i] = e->count;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        if (m->datas[i].mode == OL__SEG_PASSIVE)
            inst->data_len[i] = m->datas[i].len;
    }
    return OL_OK;
}

/* Active element then data segments, in order; the first out-of-bounds one traps, and writes
 * made before it stay (spec 2.0). */
static ol_err inst_init_segments(const ol_wasm_module *m, ol_wasm_instance *inst,
                                 ol_wasm_trap *trap, ol_diag *d)
{
    for (uint32_t i = 0; i < m->nelems; i++) {
        const ol__elem *e = &m->elems[i];
        ol_wasm_table *t;
        uint64_t off;
        if (e->mode != OL__SEG_ACTIVE)
            continue;
        t = inst->tables[e->table];
        if (!const_eval(inst, &e->offset, m->nglobals, &off))
            return OL_FAIL(d, OL_E_INTERNAL, "element segment %u: malformed offset", i);
        off = (uint32_t)off;
        if (off + e->count > t->size) {
            ol__wasm_trap_set(trap, OL_WASM_TRAP_TABLE_OOB, UINT32_MAX, 0);
            return OL_FAIL(d, OL_E_TRAP, "element segment %u: %s", i, trap->msg);
        }
        for (uint32_t j = 0; j < e->count; j++) {
            uint64_t v;
            if (!const_eval(inst, &e->items[j], m->nglobals, &v))
                return OL_FAIL(d, OL_E_INTERNAL, "element segment %u: item %u is malformed", i, j);
            t->elems[off + j] = v;
        }
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const ol__data *dd = &m->datas[i];
        ol_wasm_memory *mem = inst->mem;
        uint64_t off;
        if (dd->mode != OL__SEG_ACTIVE)
            continue;
        if (OL_NEVER(mem == NULL || dd->mem != 0) ||
            !const_eval(inst, &dd->offset, m->nglobals, &off))
            return OL_FAIL(d, OL_E_INTERNAL, "data segment %u: malformed target", i);
        off = (uint32_t)off;
        if (off + dd->len > mem->len) {
            ol__wasm_trap_set(trap, OL_WASM_TRAP_MEMORY_OOB, UINT32_MAX, 0);
            return OL_FAIL(d, OL_E_TRAP, "data segment %u: %s", i, trap->msg);
        }
        if (dd->len != 0)
            memcpy(mem->data + off, dd->bytes, dd->len);
    }
    return OL_OK;
}

ol_err ol_wasm_instance_new(ol_wasm_store *s, const ol_wasm_module *m,
                            const ol_wasm_extern *imports, size_t nimports, ol_wasm_instance **out,
                            ol_wasm_trap *trap, ol_diag *d)
{
    ol_err rc = OL_OK;
    ol_wasm_trap local_trap;
    const obj_hdr *obj_mark = store_priv_of(s)->objects;
    uint32_t sig_mark = s->nsigs;
    bool committed = false;
    inst_box *b;
    ol_wasm_instance *inst;

    if (trap == NULL)
        trap = &local_trap;
    if (s->ninstances >= s->limits.max_instances)
        return OL_FAIL(d, OL_E_LIMIT, "store already holds %u instances (limit %u)", s->ninstances,
                       s->limits.max_instances);
    if (nimports != m->nimports)
        return OL_FAIL(d, OL_E_UNLINKABLE, "module has %u imports, %zu given", m->nimports,
                       nimports);
    if (nimports != 0 && imports == NULL)
        return OL_FAIL(d, OL_E_INVAL, "imports array is NULL");

    /* The box goes on the object list first: from here on, popping back to obj_mark releases
     * everything, whatever step fails. */
    b = ol_calloc(&s->alloc, 1, sizeof *b);
    if (b == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "instance: %zu bytes", sizeof *b);
    inst = &b->inst;
    inst->store = s;
    inst->module = m;
    obj_push(s, &b->hdr, OBJ_INSTANCE);

    rc = inst_alloc_arrays(s, m, b, d);
    if (rc != OL_OK)
        goto out;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const ol__functype *t = &m->types[i];
        rc = ol__wasm_store_sig(s, t->nparams, t->nresults, t->vt, &inst->type_sig[i]);
        if (rc != OL_OK) {
            rc = OL_FAIL(d, rc, "interning type %u", i);
            goto out;
        }
    }
    for (uint32_t i = 0; i < m->nimports; i++) {
        rc = link_import(s, m, i, &imports[i], inst, d);
        if (rc != OL_OK)
            goto out;
    }
    rc = inst_define(s, m, b, d);
    if (rc != OL_OK)
        goto out;

    /* Point of no return: segment initialisation may store references to this instance's
     * functions into imported tables, so from here on its objects stay owned by the store even
     * if instantiation traps (the instance itself is then not returned). */
    committed = true;
    s->ninstances++;
    rc = inst_init_segments(m, inst, trap, d);
    if (rc != OL_OK)
        goto out;
    if (m->has_start) {
        rc = ol__wasm_invoke(inst->funcs[m->start], NULL, NULL, trap);
        if (rc == OL_E_TRAP) {
            rc = OL_FAIL(d, OL_E_TRAP, "start function %u: %s", m->start, trap->msg);
            goto out;
        }
        if (rc != OL_OK) {
            rc = OL_FAIL(d, rc, "start function %u: %s", m->start, ol_strerror(rc));
            goto out;
        }
    }
    *out = inst;
out:
    if (rc != OL_OK && !committed) {
        objects_rollback(s, obj_mark);
        sigs_rollback(s, sig_mark);
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Exports
 * ------------------------------------------------------------------------------------------- */

ol_err ol_wasm_instance_export(const ol_wasm_instance *inst, const char *name, size_t len,
                               ol_wasm_extern *out)
{
    const ol_wasm_module *m = inst->module;

    for (uint32_t i = 0; i < m->nexports; i++) {
        const ol__export *ex = &m->exports[i];
        if (ex->name_len != len || (len != 0 && memcmp(ex->name, name, len) != 0))
            continue;
        out->kind = ex->kind;
        switch (ex->kind) {
        case OL_WASM_EXTERN_FUNC:
            out->of.func = inst->funcs[ex->index];
            break;
        case OL_WASM_EXTERN_TABLE:
            out->of.table = inst->tables[ex->index];
            break;
        case OL_WASM_EXTERN_MEMORY:
            /* WebAssembly 2.0 has at most one memory. */
            out->of.memory = inst->mem;
            break;
        case OL_WASM_EXTERN_GLOBAL:
            out->of.global = inst->globals[ex->index];
            break;
        }
        return OL_OK;
    }
    return OL_E_NOTFOUND;
}

ol_wasm_func *ol_wasm_instance_func(const ol_wasm_instance *inst, const char *name)
{
    ol_wasm_extern ex;
    if (ol_wasm_instance_export(inst, name, strlen(name), &ex) != OL_OK ||
        ex.kind != OL_WASM_EXTERN_FUNC)
        return NULL;
    return ex.of.func;
}

ol_wasm_memory *ol_wasm_instance_memory(const ol_wasm_instance *inst, const char *name)
{
    ol_wasm_extern ex;
    if (ol_wasm_instance_export(inst, name, strlen(name), &ex) != OL_OK ||
        ex.kind != OL_WASM_EXTERN_MEMORY)
        return NULL;
    return ex.of.memory;
}

/* ---------------------------------------------------------------------------------------------
 * Calling
 * ------------------------------------------------------------------------------------------- */

ol_wasm_functype ol_wasm_func_type(const ol_wasm_func *f)
{
    ol_wasm_functype ft;
    ft.nparams = f->nparams;
    ft.nresults = f->nresults;
    /* An empty list is NULL, as in ol_wasm_module_import(). */
    ft.params = f->nparams != 0 ? f->vt : NULL;
    ft.results = f->nresults != 0 ? f->vt + f->nparams : NULL;
    return ft;
}

ol_err ol_wasm_call(ol_wasm_func *f, const uint64_t *args, size_t nargs, uint64_t *results,
                    size_t nresults, ol_wasm_trap *trap)
{
    ol_wasm_trap local_trap;

    if (f == NULL || nargs != f->nparams || nresults != f->nresults)
        return OL_E_INVAL;
    if ((nargs != 0 && args == NULL) || (nresults != 0 && results == NULL))
        return OL_E_INVAL;
    if (trap == NULL)
        trap = &local_trap;
    /* ol__wasm_invoke() clears the upper bits of i32/f32 arguments and results. */
    return ol__wasm_invoke(f, args, results, trap);
}

uint64_t ol_wasm_func_to_ref(const ol_wasm_func *f)
{
    return (uint64_t)(uintptr_t)f;
}

ol_wasm_func *ol_wasm_func_from_ref(uint64_t ref)
{
    return (ol_wasm_func *)(uintptr_t)ref;
}

/* ---------------------------------------------------------------------------------------------
 * Inside a host function
 * ------------------------------------------------------------------------------------------- */

ol_wasm_memory *ol_wasm_caller_memory(ol_wasm_caller *c)
{
    return c->inst != NULL ? c->inst->mem : NULL;
}

ol_wasm_store *ol_wasm_caller_store(ol_wasm_caller *c)
{
    return c->store;
}

ol_err ol_wasm_caller_consume_fuel(ol_wasm_caller *c, uint64_t n)
{
    ol_wasm_store *s = c->store;
    if (s->fuel < n) {
        ol__wasm_trap_set(c->trap, OL_WASM_TRAP_OUT_OF_FUEL, UINT32_MAX, 0);
        return OL_E_TRAP;
    }
    s->fuel -= n;
    return OL_OK;
}

ol_err ol_wasm_caller_trap(ol_wasm_caller *c, ol_wasm_trap_kind kind, const char *fmt, ...)
{
    ol_wasm_trap *t = c->trap;
    va_list ap;

    if (t == NULL)
        return OL_E_TRAP;
    t->kind = kind;
    t->func_index = UINT32_MAX;
    t->offset = 0;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
    return OL_E_TRAP;
}
