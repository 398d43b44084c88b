/* Modules: the public constructor (decode, then validate and compile every defined function)
 * and read-only introspection of imports and exports.
 *
 * Invariant: a module handed out by ol_wasm_module_new() is complete — every defined function
 * has compiled code — and is never modified afterwards, so any number of stores and threads may
 * share it. All of its memory flows through m->alloc, the allocator given at creation.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wasm_int.h"

ol_err ol_wasm_module_new(const uint8_t *bytes, size_t len, const ol_wasm_module_config *cfg,
                          ol_wasm_module **out, ol_diag *d)
{
    ol_err rc = OL_OK;
    const ol_allocator *a = cfg != NULL && cfg->alloc != NULL ? cfg->alloc : ol_allocator_default();
    ol_wasm_module *m = NULL;

    if (bytes == NULL && len != 0)
        return OL_FAIL(d, OL_E_INVAL, "module bytes are NULL with length %zu", len);
    m = ol_calloc(a, 1, sizeof *m);
    if (m == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "module: %zu bytes", sizeof *m);
    m->alloc = *a;

    rc = ol__wasm_decode(m, bytes, len, d);
    if (rc != OL_OK)
        goto out;
    /* Validation and compilation are eager: a module that loads never fails later for a
     * reason found in its own bytes. */
    for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
        rc = ol__wasm_compile(m, bytes, len, i, d);
        if (rc != OL_OK)
            goto out;
    }
    *out = m;
    m = NULL; /* moved */
out:
    if (m != NULL) {
        /* The diagnostic already names the failure; clearing must not touch it. */
        ol__wasm_module_clear(m);
        ol_free(a, m, sizeof *m);
    }
    return rc;
}

void ol_wasm_module_free(ol_wasm_module *m)
{
    if (m == NULL)
        return;
    /* The allocator lives inside m: keep a copy for the final free. */
    ol_allocator a = m->alloc;
    ol__wasm_module_clear(m);
    ol_free(&a, m, sizeof *m);
}

/* ---------------------------------------------------------------------------------------------
 * Introspection
 * ------------------------------------------------------------------------------------------- */

static ol_wasm_functype module_functype(const ol_wasm_module *m, uint32_t type_index)
{
    const ol__functype *t = &m->types[type_index];
    ol_wasm_functype ft;
    ft.nparams = t->nparams;
    ft.nresults = t->nresults;
    /* An empty list is NULL (vt itself is NULL for [] -> []; never form NULL + 0). */
    ft.params = t->nparams != 0 ? t->vt : NULL;
    ft.results = t->nresults != 0 ? t->vt + t->nparams : NULL;
    return ft;
}

/* The type of entity `index` of kind `kind` in m's index spaces (imports included). */
static void module_externtype(const ol_wasm_module *m, ol_wasm_extern_kind kind, uint32_t index,
                              ol_wasm_externtype *type)
{
    memset(type, 0, sizeof *type);
    type->kind = kind;
    switch (kind) {
    case OL_WASM_EXTERN_FUNC:
        type->func = module_functype(m, m->func_type[index]);
        break;
    case OL_WASM_EXTERN_TABLE:
        type->table_elem = m->tables[index].elem;
        type->limits = m->tables[index].limits;
        break;
    case OL_WASM_EXTERN_MEMORY:
        type->limits = m->mems[index];
        break;
    case OL_WASM_EXTERN_GLOBAL:
        type->global_type = m->globals[index].type;
        type->global_mutable = m->globals[index].mut;
        break;
    }
}

uint32_t ol_wasm_module_import_count(const ol_wasm_module *m)
{
    return m->nimports;
}

void ol_wasm_module_import(const ol_wasm_module *m, uint32_t i, const char **module_name,
                           size_t *module_len, const char **name, size_t *name_len,
                           ol_wasm_externtype *type)
{
    OL_ASSERT(i < m->nimports);
    const ol__import *imp = &m->imports[i];
    if (module_name != NULL)
        *module_name = imp->module;
    if (module_len != NULL)
        *module_len = imp->module_len;
    if (name != NULL)
        *name = imp->name;
    if (name_len != NULL)
        *name_len = imp->name_len;
    if (type != NULL)
        module_externtype(m, imp->kind, imp->index, type);
}

uint32_t ol_wasm_module_export_count(const ol_wasm_module *m)
{
    return m->nexports;
}

void ol_wasm_module_export(const ol_wasm_module *m, uint32_t i, const char **name, size_t *name_len,
                           ol_wasm_externtype *type)
{
    OL_ASSERT(i < m->nexports);
    const ol__export *ex = &m->exports[i];
    if (name != NULL)
        *name = ex->name;
    if (name_len != NULL)
        *name_len = ex->name_len;
    if (type != NULL)
        module_externtype(m, ex->kind, ex->index, type);
}

uint32_t ol_wasm_module_func_count(const ol_wasm_module *m)
{
    return m->nfuncs;
}
