/* Fuzz target: compile, instantiate with every import satisfied by a dummy of the right type,
 * and call every exported function with zero arguments, all under small limits so that every
 * input terminates quickly: 16 memory pages, 1000 table elements, call depth 200, 64 KiB of
 * value stack, and 100000 fuel for instantiation and for each call.
 *
 * Invariants checked beyond "no crash":
 *   - a call returns OL_OK or OL_E_TRAP, and a trap has a real kind;
 *   - fuel consumed never exceeds the fuel given;
 *   - every byte allocated through the store's and module's allocator goes back. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ol/wasm.h"

enum {
    FUZZ_FUEL = 100000,
    /* A module may export thousands of functions; past this many calls an input only repeats
     * work already covered and slows the fuzzer down. */
    FUZZ_MAX_CALLS = 1000,
};

/* Returns each result as the argument of the same position and type, else zero (a null
 * reference for reference types), charges a little fuel, and traps when its first argument is
 * the i32 13, so that host fuel, host traps and values flowing through hosts all get exercised. */
static ol_err dummy_host(ol_wasm_caller *c, void *ud, const uint64_t *args, uint64_t *results)
{
    const ol_wasm_functype *t = ud;
    ol_err rc = ol_wasm_caller_consume_fuel(c, 10);
    if (rc != OL_OK)
        return rc;
    if (t->nparams > 0 && t->params[0] == OL_WASM_I32 && (uint32_t)args[0] == 13)
        return ol_wasm_caller_trap(c, OL_WASM_TRAP_HOST, "fuzz host trap");
    for (uint32_t i = 0; i < t->nresults; i++) {
        bool same = i < t->nparams && t->params[i] == t->results[i];
        results[i] = same ? args[i] : 0;
    }
    return OL_OK;
}

/* Creates a dummy for import i. Returns false when the limits refuse it (the input is then
 * simply not instantiable here). */
static bool make_import(ol_wasm_store *s, const ol_wasm_externtype *t, ol_wasm_functype *ft,
                        ol_wasm_extern *out)
{
    ol_err rc = OL_E_INVAL;
    out->kind = t->kind;
    switch (t->kind) {
    case OL_WASM_EXTERN_FUNC:
        *ft = t->func;
        rc = ol_wasm_func_new_host(s, ft, dummy_host, ft, &out->of.func, NULL);
        break;
    case OL_WASM_EXTERN_TABLE:
        rc = ol_wasm_table_new(s, t->table_elem, t->limits.min,
                               t->limits.has_max ? t->limits.max : UINT32_MAX, 0, &out->of.table,
                               NULL);
        break;
    case OL_WASM_EXTERN_MEMORY:
        rc = ol_wasm_memory_new(s, t->limits.min, t->limits.has_max ? t->limits.max : UINT32_MAX,
                                &out->of.memory, NULL);
        break;
    case OL_WASM_EXTERN_GLOBAL:
        rc = ol_wasm_global_new(s, t->global_type, t->global_mutable, 0, &out->of.global, NULL);
        break;
    }
    return rc == OL_OK;
}

static void check_outcome(ol_wasm_store *s, ol_err rc, const ol_wasm_trap *trap)
{
    if (rc != OL_OK && rc != OL_E_TRAP)
        abort();
    if (rc == OL_E_TRAP && (trap->kind == OL_WASM_TRAP_NONE || trap->kind >= OL_WASM_TRAP_COUNT_))
        abort();
    if (ol_wasm_store_fuel_consumed(s) > FUZZ_FUEL)
        abort();
}

static void call_exports(const ol_wasm_module *m, ol_wasm_store *s, ol_wasm_instance *inst)
{
    uint32_t n = ol_wasm_module_export_count(m);
    uint32_t calls = 0;
    for (uint32_t i = 0; i < n && calls < FUZZ_MAX_CALLS; i++) {
        const char *name;
        size_t len;
        ol_wasm_externtype t;
        ol_wasm_module_export(m, i, &name, &len, &t);
        if (t.kind != OL_WASM_EXTERN_FUNC)
            continue;
        ol_wasm_extern ext;
        if (ol_wasm_instance_export(inst, name, len, &ext) != OL_OK ||
            ext.kind != OL_WASM_EXTERN_FUNC)
            abort();
        ol_wasm_functype ft = ol_wasm_func_type(ext.of.func);
        uint64_t *args = calloc((size_t)ft.nparams + 1, sizeof *args);
        uint64_t *results = calloc((size_t)ft.nresults + 1, sizeof *results);
        if (args == NULL || results == NULL)
            abort();
        ol_wasm_trap trap = {0};
        ol_wasm_store_set_fuel(s, FUZZ_FUEL);
        ol_err rc = ol_wasm_call(ext.of.func, args, ft.nparams, results, ft.nresults, &trap);
        check_outcome(s, rc, &trap);
        free(args);
        free(results);
        calls++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ol_alloc_counter counter;
    ol_allocator a = ol_alloc_counter_init(&counter, NULL);
    ol_wasm_module_config mcfg = {.alloc = &a};
    ol_wasm_store_config scfg = {
        .alloc = &a,
        .limits = {.max_memory_pages = 16,
                   .max_table_elems = 1000,
                   .max_call_depth = 200,
                   .max_stack_bytes = 64 * 1024},
    };
    ol_wasm_module *m = NULL;
    ol_wasm_store *s = NULL;
    ol_wasm_extern *imports = NULL;
    ol_wasm_functype *functypes = NULL;

    if (ol_wasm_module_new(data, size, &mcfg, &m, NULL) != OL_OK)
        goto out;
    if (ol_wasm_store_new(&scfg, &s, NULL) != OL_OK)
        abort();

    uint32_t nimports = ol_wasm_module_import_count(m);
    imports = calloc((size_t)nimports + 1, sizeof *imports);
    functypes = calloc((size_t)nimports + 1, sizeof *functypes);
    if (imports == NULL || functypes == NULL)
        abort();
    for (uint32_t i = 0; i < nimports; i++) {
        const char *mod, *name;
        size_t mod_len, name_len;
        ol_wasm_externtype t;
        ol_wasm_module_import(m, i, &mod, &mod_len, &name, &name_len, &t);
        if (!make_import(s, &t, &functypes[i], &imports[i]))
            goto out;
    }

    ol_wasm_instance *inst = NULL;
    ol_wasm_trap trap = {0};
    ol_wasm_store_set_fuel(s, FUZZ_FUEL);
    ol_err rc = ol_wasm_instance_new(s, m, imports, nimports, &inst, &trap, NULL);
    if (rc == OL_OK || rc == OL_E_TRAP)
        check_outcome(s, rc, &trap);
    if (rc == OL_OK)
        call_exports(m, s, inst);
out:
    ol_wasm_store_free(s);
    ol_wasm_module_free(m);
    free(imports);
    free(functypes);
    if (counter.live != 0)
        abort();
    return 0;
}
