/* Fuzz target: decode + validate + compile (ol_wasm_module_new), then every introspection call.
 *
 * Invariants checked beyond "no crash":
 *   - a failure is OL_E_MALFORMED, OL_E_INVALID_MODULE, OL_E_LIMIT or OL_E_UNSUPPORTED, and the
 *     diagnostic carries that code and a message;
 *   - every byte the engine allocated goes back (live bytes return to 0), even without LSan. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ol/wasm.h"

static void walk_externtype(const ol_wasm_externtype *t)
{
    if (t->kind == OL_WASM_EXTERN_FUNC) {
        /* Reads every type slot, so a dangling or short array shows up under ASan. */
        volatile unsigned sum = 0;
        for (uint32_t i = 0; i < t->func.nparams; i++)
            sum += (unsigned)t->func.params[i];
        for (uint32_t i = 0; i < t->func.nresults; i++)
            sum += (unsigned)t->func.results[i];
        (void)sum;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ol_alloc_counter counter;
    ol_allocator a = ol_alloc_counter_init(&counter, NULL);
    ol_wasm_module_config cfg = {.alloc = &a};
    ol_wasm_module *m = NULL;
    ol_diag d = {0};

    ol_err rc = ol_wasm_module_new(data, size, &cfg, &m, &d);
    if (rc != OL_OK) {
        bool expected = rc == OL_E_MALFORMED || rc == OL_E_INVALID_MODULE || rc == OL_E_LIMIT ||
                        rc == OL_E_UNSUPPORTED || rc == OL_E_NOMEM;
        if (!expected || d.code != rc || d.msg[0] == '\0' || m != NULL)
            abort();
    } else {
        uint32_t n = ol_wasm_module_import_count(m);
        for (uint32_t i = 0; i < n; i++) {
            const char *mod, *name;
            size_t mod_len, name_len;
            ol_wasm_externtype t;
            ol_wasm_module_import(m, i, &mod, &mod_len, &name, &name_len, &t);
            if (mod[mod_len] != '\0' || name[name_len] != '\0')
                abort();
            walk_externtype(&t);
        }
        n = ol_wasm_module_export_count(m);
        for (uint32_t i = 0; i < n; i++) {
            const char *name;
            size_t len;
            ol_wasm_externtype t;
            ol_wasm_module_export(m, i, &name, &len, &t);
            if (name[len] != '\0')
                abort();
            walk_externtype(&t);
        }
        (void)ol_wasm_module_func_count(m);
        ol_wasm_module_free(m);
    }
    if (counter.live != 0)
        abort();
    return 0;
}
