/* Contract preparation as nearcore's prepare_v2: validate, check imports, normalise memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_vm.h"
#include "vm_int.h"

/* LEB128 u32 reader; false when malformed or past end. */
static bool vm_leb_u32(const uint8_t *p, size_t len, size_t *pos, uint32_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*pos >= len)
            return false;
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (v > UINT32_MAX)
                return false;
            *out = (uint32_t)v;
            return true;
        }
    }
    return false;
}

static size_t vm_leb_put(uint8_t *o, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        o[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

/* The module rewritten as nearcore does: the memory section dropped and the memory imported as
 * env.memory (initial..max pages) after the contract's own imports. Custom sections dropped
 * (discard_custom_sections). The input has been validated already. */
static ol_err vm_rewrite(const uint8_t *code, size_t len, uint32_t initial, uint32_t max,
                         uint8_t **out, size_t *out_len)
{
    uint8_t mem_import[32];
    size_t mi = 0;
    mem_import[mi++] = 3;
    memcpy(mem_import + mi, "env", 3);
    mi += 3;
    mem_import[mi++] = 6;
    memcpy(mem_import + mi, "memory", 6);
    mi += 6;
    mem_import[mi++] = 0x02;
    mem_import[mi++] = 0x01;
    mi += vm_leb_put(mem_import + mi, initial);
    mi += vm_leb_put(mem_import + mi, max);

    uint8_t *o = malloc(len + 64);
    if (o == NULL)
        return OL_E_NOMEM;
    size_t n = 0, pos = 8;
    bool imports_done = false;
    memcpy(o, code, 8);
    n = 8;
    while (pos < len) {
        uint8_t id = code[pos++];
        uint32_t size;
        if (!vm_leb_u32(code, len, &pos, &size) || size > len - pos) {
            free(o);
            return OL_E_MALFORMED;
        }
        const uint8_t *body = code + pos;
        pos += size;
        if (id == 0 || id == 5)
            continue;
        if (id == 2) {
            size_t bp = 0;
            uint32_t count;
            uint8_t hdr[5];
            if (!vm_leb_u32(body, size, &bp, &count)) {
                free(o);
                return OL_E_MALFORMED;
            }
            size_t hn = vm_leb_put(hdr, count + 1);
            size_t new_size = hn + (size - bp) + mi;
            o[n++] = 2;
            n += vm_leb_put(o + n, (uint32_t)new_size);
            memcpy(o + n, hdr, hn);
            n += hn;
            memcpy(o + n, body + bp, size - bp);
            n += size - bp;
            memcpy(o + n, mem_import, mi);
            n += mi;
            imports_done = true;
            continue;
        }
        if (id != 1 && !imports_done) {
            o[n++] = 2;
            n += vm_leb_put(o + n, (uint32_t)(1 + mi));
            o[n++] = 1;
            memcpy(o + n, mem_import, mi);
            n += mi;
            imports_done = true;
        }
        o[n++] = id;
        n += vm_leb_put(o + n, size);
        memcpy(o + n, body, size);
        n += size;
    }
    if (!imports_done) {
        o[n++] = 2;
        n += vm_leb_put(o + n, (uint32_t)(1 + mi));
        o[n++] = 1;
        memcpy(o + n, mem_import, mi);
        n += mi;
    }
    *out = o;
    *out_len = n;
    return OL_OK;
}

/* Counts code-section locals (nearcore's max_locals_per_contract); false when malformed. */
static bool vm_count_locals(const uint8_t *code, size_t len, uint64_t *locals)
{
    size_t pos = 8;
    *locals = 0;
    while (pos < len) {
        uint8_t id = code[pos++];
        uint32_t size, count;
        if (!vm_leb_u32(code, len, &pos, &size) || size > len - pos)
            return false;
        if (id == 10) {
            size_t p = pos, end = pos + size;
            if (!vm_leb_u32(code, end, &p, &count))
                return false;
            for (uint32_t f = 0; f < count; f++) {
                uint32_t body, ngroups;
                if (!vm_leb_u32(code, end, &p, &body) || body > end - p)
                    return false;
                size_t q = p, bend = p + body;
                if (!vm_leb_u32(code, bend, &q, &ngroups))
                    return false;
                for (uint32_t g = 0; g < ngroups; g++) {
                    uint32_t n;
                    if (!vm_leb_u32(code, bend, &q, &n) || q >= bend)
                        return false;
                    q++;
                    *locals += n;
                }
                p = bend;
            }
        }
        pos += size;
    }
    return true;
}

ol_err ol__chain_vm_prepare(const ol_chain_params *prm, const uint8_t *code, size_t len,
                            ol_wasm_module **out, vm_prep_err *perr, char *msg, size_t msg_cap)
{
    ol_wasm_module *orig = NULL, *m = NULL;
    uint8_t *rewritten = NULL;
    size_t rlen = 0;
    ol_diag d = {0};
    ol_err rc = OL_OK;
    uint64_t locals;

    *perr = VM_PREP_OK;
    msg[0] = '\0';
    rc = ol_wasm_module_new(code, len, NULL, &orig, &d);
    if (rc == OL_E_NOMEM)
        goto out;
    if (rc != OL_OK) {
        rc = OL_OK;
        *perr = VM_PREP_DESERIALIZATION;
        goto out;
    }
    /* Features NEAR rejects that the engine accepts: multi-value results. */
    for (uint32_t i = 0; i < ol_wasm_module_export_count(orig); i++) {
        const char *name;
        size_t nlen;
        ol_wasm_externtype t;
        ol_wasm_module_export(orig, i, &name, &nlen, &t);
        if (t.kind == OL_WASM_EXTERN_FUNC && t.func.nresults > 1) {
            *perr = VM_PREP_DESERIALIZATION;
            goto out;
        }
    }
    uint32_t nimports = ol_wasm_module_import_count(orig);
    for (uint32_t i = 0; i < nimports; i++) {
        const char *mod, *name;
        size_t mlen, nlen;
        ol_wasm_externtype t;
        ol_wasm_module_import(orig, i, &mod, &mlen, &name, &nlen, &t);
        if (mlen != 3 || memcmp(mod, "env", 3) != 0) {
            *perr = VM_PREP_INSTANTIATE;
            goto out;
        }
        if (t.kind == OL_WASM_EXTERN_MEMORY) {
            *perr = VM_PREP_MEMORY;
            goto out;
        }
        if (t.kind != OL_WASM_EXTERN_FUNC) {
            *perr = VM_PREP_INSTANTIATE;
            goto out;
        }
        if (t.func.nresults > 1) {
            *perr = VM_PREP_DESERIALIZATION;
            goto out;
        }
    }
    if (ol_wasm_module_func_count(orig) > prm->max_functions_number_per_contract) {
        *perr = VM_PREP_TOO_MANY_FUNCTIONS;
        goto out;
    }
    if (!vm_count_locals(code, len, &locals)) {
        *perr = VM_PREP_DESERIALIZATION;
        goto out;
    }
    if (locals > prm->max_locals_per_contract) {
        *perr = VM_PREP_TOO_MANY_LOCALS;
        goto out;
    }
    rc = vm_rewrite(code, len, prm->initial_memory_pages, prm->max_memory_pages, &rewritten, &rlen);
    if (rc == OL_E_MALFORMED) {
        rc = OL_OK;
        *perr = VM_PREP_DESERIALIZATION;
        goto out;
    }
    if (rc != OL_OK)
        goto out;
    rc = ol_wasm_module_new(rewritten, rlen, NULL, &m, &d);
    if (rc == OL_E_NOMEM)
        goto out;
    if (rc != OL_OK) {
        rc = OL_OK;
        *perr = VM_PREP_DESERIALIZATION;
        goto out;
    }
    /* Link: every function import must be a host function this VM provides, with its type. */
    for (uint32_t i = 0; i < nimports; i++) {
        const char *mod, *name;
        size_t mlen, nlen;
        ol_wasm_externtype t;
        ol_wasm_module_import(m, i, &mod, &mlen, &name, &nlen, &t);
        int idx = ol__chain_vm_host_find(name, nlen);
        if (idx < 0) {
            snprintf(msg, msg_cap, "unknown import: `env::%.*s` has not been defined",
                     (int)(nlen > 200 ? 200 : nlen), name);
            *perr = VM_PREP_LINK;
            goto out;
        }
        if (!ol__chain_vm_host_type_eq(idx, &t.func)) {
            snprintf(msg, msg_cap, "incompatible import type for `env::%.*s`",
                     (int)(nlen > 200 ? 200 : nlen), name);
            *perr = VM_PREP_LINK;
            goto out;
        }
    }
    *out = m;
    m = NULL;
out:
    ol_wasm_module_free(m);
    ol_wasm_module_free(orig);
    free(rewritten);
    return rc;
}
