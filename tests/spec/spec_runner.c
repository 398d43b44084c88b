/* spec_runner: runs WebAssembly spec test scripts (wast2json output) against the engine.
 *
 *   spec_runner [--fuel-report FILE] [--timeout SECONDS] [--no-fork] DIR_OR_JSON...
 *
 * A directory argument stands for every *.json in it and in its immediate subdirectories, plus
 * the .wast files named in its skipped.list (scripts deliberately not converted, e.g. SIMD),
 * whose commands are counted as skipped. Each script gets a fresh store and a fresh `spectest`
 * host module; modules it registers are visible to the later modules of the same script only.
 *
 * Invariant: every command of every script is counted exactly once, as passed, failed or
 * skipped; the last line of output is `spec: N passed, M failed, K skipped`. Failures print
 * `FAIL file:line command: reason`; a trap message that differs from the script's text only
 * prints a WARN line (messages are not part of the spec's semantics, the trap itself is).
 *
 * Each script runs in a forked child by default, so an engine crash or hang (SIGALRM after
 * --timeout) becomes one failure at the command that caused it instead of ending the run. The
 * counters live in a shared anonymous mapping, so a dead child's progress is not lost; the rest
 * of its script is not run and not counted. --no-fork runs in-process, for debuggers.
 *
 * --fuel-report writes "<script> <fuel>" per script: the store's total consumption (every
 * invoke and every start function), which must be the same in every build of the engine.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "ol/wasm.h"

/* Progress of one script, written by the child and read by the parent after it ends. */
typedef struct spec_counts {
    uint64_t passed;
    uint64_t failed;
    uint64_t skipped;
    uint64_t fuel;
    int line;        /* source line of the command in progress, for crash reports */
    char cmd[32];    /* its type */
    char name[64];   /* the script's .wast name, once known */
    bool done;       /* ran to the end (fuel is valid) */
    bool unreadable; /* the JSON could not be read or the store not set up */
} spec_counts;

typedef enum result { RES_PASS, RES_FAIL, RES_SKIP } result;

/* A name bound to an instance: `(module $M ...)` names and `(register "as" $M)` names. Both point
 * into the script's JSON, which lives as long as the script runs. */
typedef struct binding {
    const char *name;
    size_t len;
    ol_wasm_instance *inst;
} binding;

typedef struct binding_list {
    binding *v;
    size_t n, cap;
} binding_list;

typedef struct spectest_export {
    const char *name;
    ol_wasm_extern ext;
} spectest_export;

enum { SPECTEST_COUNT = 13 };

/* Everything one script needs. */
typedef struct script {
    const char *file; /* .wast name for messages */
    const char *dir;  /* directory of the JSON; module filenames are relative to it */
    ol_wasm_store *store;
    spectest_export spectest[SPECTEST_COUNT];
    ol_wasm_module **mods; /* every compiled module; freed after the store that used them */
    size_t nmods, capmods;
    binding_list named;
    binding_list registered;
    ol_wasm_instance *current; /* the last module instantiated by a `module` command */
    int line;
    const char *cmd;
} script;

/* What an action did. performed == false means it could not even be attempted (unknown module or
 * export, argument mismatch); why says which. Otherwise rc is OL_OK or OL_E_TRAP (trap filled). */
typedef struct action_out {
    bool performed;
    ol_err rc;
    ol_wasm_trap trap;
    uint64_t *vals;
    const ol_wasm_valtype *types;
    uint32_t nvals;
    ol_wasm_valtype global_type; /* storage for `types` of a get */
    char why[320];
} action_out;

static const ol_wasm_valtype VT_I32[] = {OL_WASM_I32};
static const ol_wasm_valtype VT_I64[] = {OL_WASM_I64};
static const ol_wasm_valtype VT_F32[] = {OL_WASM_F32};
static const ol_wasm_valtype VT_F64[] = {OL_WASM_F64};
static const ol_wasm_valtype VT_I32_F32[] = {OL_WASM_I32, OL_WASM_F32};
static const ol_wasm_valtype VT_F64_F64[] = {OL_WASM_F64, OL_WASM_F64};

/* ---------------------------------------------------------------------------------------------
 * Reporting
 * ------------------------------------------------------------------------------------------- */

static result failf(const script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static result failf(const script *s, const char *fmt, ...)
{
    va_list ap;
    printf("FAIL %s:%d %s: ", s->file, s->line, s->cmd);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    return RES_FAIL;
}

static void warnf(const script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(const script *s, const char *fmt, ...)
{
    va_list ap;
    printf("WARN %s:%d %s: ", s->file, s->line, s->cmd);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* Trap texts of the suite sometimes carry details ("uninitialized element 2") and engines may
 * add their own, so a prefix match in either direction counts as the same message. */
static bool messages_match(const char *got, const char *want)
{
    size_t lg = strlen(got), lw = strlen(want);
    size_t n = lg < lw ? lg : lw;
    return n > 0 && strncmp(got, want, n) == 0;
}

static void check_trap_text(const script *s, const json_t *cmd, const ol_wasm_trap *trap)
{
    const char *want = json_string_value(json_object_get(cmd, "text"));
    if (want != NULL && !messages_match(trap->msg, want))
        warnf(s, "trap message \"%s\", expected \"%s\"", trap->msg, want);
}

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------------------------- */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "spec_runner: out of memory\n");
        exit(2);
    }
    return q;
}

static char *join_path(const char *dir, const char *name)
{
    size_t ld = strlen(dir), ln = strlen(name);
    char *p = xrealloc(NULL, ld + ln + 2);
    memcpy(p, dir, ld);
    p[ld] = '/';
    memcpy(p + ld + 1, name, ln + 1);
    return p;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Reads a whole file. On success the caller frees *out. */
static bool read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL)
        return false;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool ok = !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *out = buf;
    *len = n;
    return true;
}

/* Decimal string of an unsigned bit pattern, at most `max`. */
static bool parse_u64(const char *str, uint64_t max, uint64_t *out)
{
    char *end;
    if (str == NULL || *str < '0' || *str > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(str, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = (uint64_t)v;
    return true;
}

static bool parse_valtype(const char *name, ol_wasm_valtype *out)
{
    static const struct {
        const char *name;
        ol_wasm_valtype type;
    } types[] = {
        {"i32", OL_WASM_I32}, {"i64", OL_WASM_I64},         {"f32", OL_WASM_F32},
        {"f64", OL_WASM_F64}, {"funcref", OL_WASM_FUNCREF}, {"externref", OL_WASM_EXTERNREF},
    };
    for (size_t i = 0; name != NULL && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(name, types[i].name) == 0) {
            *out = types[i].type;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Name bindings
 * ------------------------------------------------------------------------------------------- */

static void bind(binding_list *l, const char *name, size_t len, ol_wasm_instance *inst)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (binding){name, len, inst};
}

/* The latest binding wins: scripts reuse names for new modules. */
static ol_wasm_instance *lookup(const binding_list *l, const char *name, size_t len)
{
    for (size_t i = l->n; i-- > 0;) {
        if (l->v[i].len == len && memcmp(l->v[i].name, name, len) == 0)
            return l->v[i].inst;
    }
    return NULL;
}

/* The instance an action or register names ("module" / "name" field), or the current one. */
static ol_wasm_instance *target_instance(const script *s, const json_t *obj, const char *key,
                                         char *why, size_t whylen)
{
    const json_t *name = json_object_get(obj, key);
    if (name == NULL) {
        if (s->current == NULL)
            snprintf(why, whylen, "no current module (the last module command failed?)");
        return s->current;
    }
    const char *str = json_string_value(name);
    if (str == NULL) {
        snprintf(why, whylen, "\"%s\" is not a string", key);
        return NULL;
    }
    ol_wasm_instance *inst = lookup(&s->named, str, json_string_length(name));
    if (inst == NULL)
        snprintf(why, whylen, "unknown module %s", str);
    return inst;
}

/* ---------------------------------------------------------------------------------------------
 * The spectest host module
 * ------------------------------------------------------------------------------------------- */

/* The print functions only exist to be imported and called; output would flood the log. */
static ol_err spectest_print(ol_wasm_caller *caller, void *ud, const uint64_t *args,
                             uint64_t *results)
{
    (void)caller;
    (void)ud;
    (void)args;
    (void)results;
    return OL_OK;
}

static bool spectest_init(script *s, ol_diag *d)
{
    static const struct {
        const char *name;
        uint32_t nparams;
        const ol_wasm_valtype *params;
    } funcs[] = {
        {"print", 0, NULL},
        {"print_i32", 1, VT_I32},
        {"print_i64", 1, VT_I64},
        {"print_f32", 1, VT_F32},
        {"print_f64", 1, VT_F64},
        {"print_i32_f32", 2, VT_I32_F32},
        {"print_f64_f64", 2, VT_F64_F64},
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++, k++) {
        ol_wasm_functype ft = {funcs[i].nparams, 0, funcs[i].params, NULL};
        s->spectest[k].name = funcs[i].name;
        s->spectest[k].ext.kind = OL_WASM_EXTERN_FUNC;
        if (ol_wasm_func_new_host(s->store, &ft, spectest_print, NULL, &s->spectest[k].ext.of.func,
                                  d) != OL_OK)
            return false;
    }

    const struct {
        const char *name;
        ol_wasm_valtype type;
        uint64_t value;
    } globals[] = {
        {"global_i32", OL_WASM_I32, 666},
        {"global_i64", OL_WASM_I64, 666},
        {"global_f32", OL_WASM_F32, ol_wasm_f32_bits(666.6f)},
        {"global_f64", OL_WASM_F64, ol_wasm_f64_bits(666.6)},
    };
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++, k++) {
        s->spectest[k].name = globals[i].name;
        s->spectest[k].ext.kind = OL_WASM_EXTERN_GLOBAL;
        if (ol_wasm_global_new(s->store, globals[i].type, false, globals[i].value,
                               &s->spectest[k].ext.of.global, d) != OL_OK)
            return false;
    }

    s->spectest[k].name = "table";
    s->spectest[k].ext.kind = OL_WASM_EXTERN_TABLE;
    if (ol_wasm_table_new(s->store, OL_WASM_FUNCREF, 10, 20, 0, &s->spectest[k].ext.of.table, d) !=
        OL_OK)
        return false;
    k++;
    s->spectest[k].name = "memory";
    s->spectest[k].ext.kind = OL_WASM_EXTERN_MEMORY;
    if (ol_wasm_memory_new(s->store, 1, 2, &s->spectest[k].ext.of.memory, d) != OL_OK)
        return false;
    k++;
    return k == SPECTEST_COUNT;
}

/* ---------------------------------------------------------------------------------------------
 * Modules
 * ------------------------------------------------------------------------------------------- */

/* Compiles the command's "filename". On OL_OK the module belongs to the script (freed after the
 * store, as the engine requires) unless `keep` is false, in which case the caller frees it. */
static ol_err load_module(script *s, const json_t *cmd, bool keep, ol_wasm_module **out, ol_diag *d)
{
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (filename == NULL)
        return OL_FAIL(d, OL_E_INVAL, "command has no filename");
    char *path = join_path(s->dir, filename);
    bool ok = read_file(path, &bytes, &len);
    free(path);
    if (!ok)
        return OL_FAIL(d, OL_E_IO, "cannot read %s: %s", filename, strerror(errno));

    ol_wasm_module *m = NULL;
    ol_err rc = ol_wasm_module_new(bytes, len, NULL, &m, d);
    free(bytes);
    if (rc != OL_OK)
        return rc;
    if (keep) {
        if (s->nmods == s->capmods) {
            s->capmods = s->capmods ? s->capmods * 2 : 64;
            s->mods = xrealloc(s->mods, s->capmods * sizeof *s->mods);
        }
        s->mods[s->nmods++] = m;
    }
    *out = m;
    return OL_OK;
}

/* Finds every import by (module, name) among the spectest exports and the registered instances.
 * An import that does not exist is the runner's "unknown import"; kind and type mismatches are
 * left to the engine, which must reject them. */
static bool resolve_imports(const script *s, const ol_wasm_module *m, ol_wasm_extern *ext,
                            char *why, size_t whylen)
{
    uint32_t n = ol_wasm_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        const char *mod, *name;
        size_t mod_len, name_len;
        ol_wasm_externtype type;
        bool found = false;
        ol_wasm_module_import(m, i, &mod, &mod_len, &name, &name_len, &type);
        if (mod_len == 8 && memcmp(mod, "spectest", 8) == 0) {
            for (size_t k = 0; k < SPECTEST_COUNT && !found; k++) {
                if (strlen(s->spectest[k].name) == name_len &&
                    memcmp(s->spectest[k].name, name, name_len) == 0) {
                    ext[i] = s->spectest[k].ext;
                    found = true;
                }
            }
        } else {
            const ol_wasm_instance *inst = lookup(&s->registered, mod, mod_len);
            found = inst != NULL && ol_wasm_instance_export(inst, name, name_len, &ext[i]) == OL_OK;
        }
        if (!found) {
            snprintf(why, whylen, "unknown import \"%.*s\".\"%.*s\"", (int)mod_len, mod,
                     (int)name_len, name);
            return false;
        }
    }
    return true;
}

/* Resolves imports and instantiates. OL_E_UNLINKABLE with `why` filled when an import is
 * missing; otherwise the engine's result. */
static ol_err instantiate(script *s, const ol_wasm_module *m, ol_wasm_instance **inst,
                          ol_wasm_trap *trap, ol_diag *d, char *why, size_t whylen)
{
    uint32_t n = ol_wasm_module_import_count(m);
    ol_wasm_extern *ext = xrealloc(NULL, (n + 1u) * sizeof *ext);
    ol_err rc;
    why[0] = '\0';
    if (!resolve_imports(s, m, ext, why, whylen))
        rc = OL_E_UNLINKABLE;
    else
        rc = ol_wasm_instance_new(s->store, m, ext, n, inst, trap, d);
    if (rc != OL_OK && why[0] == '\0') {
        if (rc == OL_E_TRAP && trap != NULL)
            snprintf(why, whylen, "%s: trap: %s", ol_err_name(rc), trap->msg);
        else
            snprintf(why, whylen, "%s: %s", ol_err_name(rc), d->msg);
    }
    free(ext);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------------------------- */

/* An argument: {"type": T, "value": "<decimal bits>" | "null"}. */
static bool parse_arg(const json_t *v, ol_wasm_valtype want, uint64_t *out, char *why,
                      size_t whylen)
{
    const char *tname = json_string_value(json_object_get(v, "type"));
    const char *val = json_string_value(json_object_get(v, "value"));
    ol_wasm_valtype t;
    bool ok = false;
    if (!parse_valtype(tname, &t)) {
        snprintf(why, whylen, "unsupported argument type %s", tname ? tname : "(none)");
        return false;
    }
    if (t != want) {
        snprintf(why, whylen, "argument of type %s for a %s parameter", tname,
                 ol_wasm_valtype_name(want));
        return false;
    }
    switch (t) {
    case OL_WASM_I32:
    case OL_WASM_F32:
        ok = parse_u64(val, UINT32_MAX, out);
        break;
    case OL_WASM_I64:
    case OL_WASM_F64:
        ok = parse_u64(val, UINT64_MAX, out);
        break;
    case OL_WASM_FUNCREF:
        /* Scripts can only name the null function reference. */
        ok = val != NULL && strcmp(val, "null") == 0;
        *out = 0;
        break;
    case OL_WASM_EXTERNREF:
        /* The engine reserves handle 0 for null, so script reference N travels as N + 1. */
        if (val != NULL && strcmp(val, "null") == 0) {
            *out = 0;
            ok = true;
        } else if (parse_u64(val, UINT64_MAX - 1, out)) {
            *out += 1;
            ok = true;
        }
        break;
    }
    if (!ok)
        snprintf(why, whylen, "bad %s argument \"%s\"", tname, val ? val : "(none)");
    return ok;
}

/* Compares one result with its expectation; on mismatch describes it in `why`. */
static bool check_result(const json_t *e, ol_wasm_valtype got_type, uint64_t got, char *why,
                         size_t whylen)
{
    const char *tname = json_string_value(json_object_get(e, "type"));
    const json_t *jv = json_object_get(e, "value");
    const char *val = json_string_value(jv);
    ol_wasm_valtype t;
    uint64_t want = 0;

    if (!parse_valtype(tname, &t)) {
        snprintf(why, whylen, "unsupported expected type %s", tname ? tname : "(none)");
        return false;
    }
    if (t != got_type) {
        snprintf(why, whylen, "expected a %s, the export yields a %s", tname,
                 ol_wasm_valtype_name(got_type));
        return false;
    }
    if (jv != NULL && val == NULL) {
        snprintf(why, whylen, "expected %s value is not a string", tname);
        return false;
    }

    switch (t) {
    case OL_WASM_I32:
    case OL_WASM_I64:
        if (!parse_u64(val, t == OL_WASM_I32 ? UINT32_MAX : UINT64_MAX, &want))
            break;
        /* Compared on all 64 bits: the API promises zero upper bits for an i32 result. */
        if (got == want)
            return true;
        snprintf(why, whylen,
                 "got %s %" PRIu64 " (0x%" PRIx64 "), expected %" PRIu64 " (0x%" PRIx64 ")", tname,
                 got, got, want, want);
        return false;
    case OL_WASM_F32:
    case OL_WASM_F64: {
        bool f32 = t == OL_WASM_F32;
        uint64_t abs_mask = f32 ? 0x7fffffffu : 0x7fffffffffffffffu;
        uint64_t quiet_nan = f32 ? 0x7fc00000u : 0x7ff8000000000000u;
        bool ok;
        if (val != NULL && strcmp(val, "nan:canonical") == 0)
            ok = (got & abs_mask) == quiet_nan && (f32 ? got >> 32 == 0 : true);
        else if (val != NULL && strcmp(val, "nan:arithmetic") == 0)
            ok = (got & quiet_nan) == quiet_nan && (f32 ? got >> 32 == 0 : true);
        else if (parse_u64(val, f32 ? UINT32_MAX : UINT64_MAX, &want))
            ok = got == want;
        else
            break;
        if (ok)
            return true;
        if (f32)
            snprintf(why, whylen, "got f32 0x%08" PRIx64 " (%.9g), expected %s", got,
                     (double)ol_wasm_bits_f32(got), val);
        else
            snprintf(why, whylen, "got f64 0x%016" PRIx64 " (%.17g), expected %s", got,
                     ol_wasm_bits_f64(got), val);
        return false;
    }
    case OL_WASM_FUNCREF:
    case OL_WASM_EXTERNREF: {
        bool ok;
        if (val == NULL) {
            /* A bare type, as in (ref.func): any non-null reference. */
            ok = got != 0;
        } else if (strcmp(val, "null") == 0) {
            ok = got == 0;
        } else if (t == OL_WASM_EXTERNREF && parse_u64(val, UINT64_MAX - 1, &want)) {
            ok = got == want + 1;
        } else {
            break;
        }
        if (ok)
            return true;
        if (got == 0)
            snprintf(why, whylen, "got %s null, expected %s", tname, val ? val : "non-null");
        else if (t == OL_WASM_EXTERNREF)
            snprintf(why, whylen, "got externref %" PRIu64 ", expected %s", got - 1,
                     val ? val : "non-null");
        else
            snprintf(why, whylen, "got a non-null funcref, expected %s", val ? val : "non-null");
        return false;
    }
    }
    snprintf(why, whylen, "bad expected %s value \"%s\"", tname, val ? val : "(none)");
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Actions
 * ------------------------------------------------------------------------------------------- */

static void run_action(script *s, const json_t *action, action_out *out)
{
    const char *type = json_string_value(json_object_get(action, "type"));
    const json_t *field = json_object_get(action, "field");
    const char *fname = json_string_value(field);
    ol_wasm_extern ext;

    memset(out, 0, sizeof *out);
    if (type == NULL || fname == NULL) {
        snprintf(out->why, sizeof out->why, "action without type or field");
        return;
    }
    ol_wasm_instance *inst = target_instance(s, action, "module", out->why, sizeof out->why);
    if (inst == NULL)
        return;
    size_t flen = json_string_length(field);
    if (ol_wasm_instance_export(inst, fname, flen, &ext) != OL_OK) {
        snprintf(out->why, sizeof out->why, "no export \"%s\"", fname);
        return;
    }

    if (strcmp(type, "get") == 0) {
        if (ext.kind != OL_WASM_EXTERN_GLOBAL) {
            snprintf(out->why, sizeof out->why, "export \"%s\" is not a global", fname);
            return;
        }
        out->global_type = ol_wasm_global_type(ext.of.global);
        out->types = &out->global_type;
        out->vals = xrealloc(NULL, sizeof *out->vals);
        out->vals[0] = ol_wasm_global_get(ext.of.global);
        out->nvals = 1;
        out->rc = OL_OK;
        out->performed = true;
        return;
    }
    if (strcmp(type, "invoke") != 0) {
        snprintf(out->why, sizeof out->why, "unknown action type %s", type);
        return;
    }
    if (ext.kind != OL_WASM_EXTERN_FUNC) {
        snprintf(out->why, sizeof out->why, "export \"%s\" is not a function", fname);
        return;
    }

    ol_wasm_functype ft = ol_wasm_func_type(ext.of.func);
    const json_t *args = json_object_get(action, "args");
    size_t nargs = json_array_size(args);
    if (nargs != ft.nparams) {
        snprintf(out->why, sizeof out->why, "%zu arguments for %" PRIu32 " parameters", nargs,
                 ft.nparams);
        return;
    }
    uint64_t *argv = xrealloc(NULL, (nargs + 1) * sizeof *argv);
    for (size_t i = 0; i < nargs; i++) {
        if (!parse_arg(json_array_get(args, i), ft.params[i], &argv[i], out->why,
                       sizeof out->why)) {
            free(argv);
            return;
        }
    }
    out->vals = xrealloc(NULL, (ft.nresults + 1u) * sizeof *out->vals);
    /* Poisoned, so a result the engine forgets to write cannot pass for an expected 0. */
    memset(out->vals, 0xa5, (ft.nresults + 1u) * sizeof *out->vals);
    out->types = ft.results;
    out->nvals = ft.nresults;
    out->rc = ol_wasm_call(ext.of.func, argv, nargs, out->vals, ft.nresults, &out->trap);
    free(argv);
    if (out->rc != OL_OK && out->rc != OL_E_TRAP) {
        snprintf(out->why, sizeof out->why, "ol_wasm_call returned %s", ol_err_name(out->rc));
        return;
    }
    out->performed = true;
}

/* ---------------------------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------------------------- */

static result cmd_module(script *s, const json_t *cmd)
{
    ol_diag d = {0};
    ol_wasm_module *m = NULL;
    ol_wasm_instance *inst = NULL;
    ol_wasm_trap trap;
    char why[320];

    /* Whatever happens, later commands must not silently run against an older module. */
    s->current = NULL;
    ol_err rc = load_module(s, cmd, true, &m, &d);
    if (rc != OL_OK)
        return failf(s, "module rejected: %s: %s", ol_err_name(rc), d.msg);
    rc = instantiate(s, m, &inst, &trap, &d, why, sizeof why);
    if (rc != OL_OK)
        return failf(s, "instantiation failed: %s", why);
    const json_t *name = json_object_get(cmd, "name");
    if (json_string_value(name) != NULL)
        bind(&s->named, json_string_value(name), json_string_length(name), inst);
    s->current = inst;
    return RES_PASS;
}

static result cmd_register(script *s, const json_t *cmd)
{
    char why[320];
    const json_t *as = json_object_get(cmd, "as");
    if (json_string_value(as) == NULL)
        return failf(s, "register without \"as\"");
    ol_wasm_instance *inst = target_instance(s, cmd, "name", why, sizeof why);
    if (inst == NULL)
        return failf(s, "%s", why);
    bind(&s->registered, json_string_value(as), json_string_length(as), inst);
    return RES_PASS;
}

static result cmd_action(script *s, const json_t *cmd)
{
    action_out a;
    result r = RES_PASS;
    run_action(s, json_object_get(cmd, "action"), &a);
    if (!a.performed)
        r = failf(s, "%s", a.why);
    else if (a.rc == OL_E_TRAP)
        r = failf(s, "trapped: %s", a.trap.msg);
    free(a.vals);
    return r;
}

static result cmd_assert_return(script *s, const json_t *cmd)
{
    action_out a;
    result r = RES_PASS;
    char why[320];
    const json_t *expected = json_object_get(cmd, "expected");

    run_action(s, json_object_get(cmd, "action"), &a);
    if (!a.performed) {
        r = failf(s, "%s", a.why);
    } else if (a.rc == OL_E_TRAP) {
        r = failf(s, "trapped: %s", a.trap.msg);
    } else if (json_array_size(expected) != a.nvals) {
        r = failf(s, "%" PRIu32 " results, expected %zu", a.nvals, json_array_size(expected));
    } else {
        for (uint32_t i = 0; i < a.nvals && r == RES_PASS; i++) {
            if (!check_result(json_array_get(expected, i), a.types[i], a.vals[i], why, sizeof why))
                r = failf(s, "result %" PRIu32 ": %s", i, why);
        }
    }
    free(a.vals);
    return r;
}

/* assert_trap on an action, and assert_exhaustion. */
static result cmd_assert_trap_action(script *s, const json_t *cmd)
{
    action_out a;
    result r = RES_PASS;
    const char *want = json_string_value(json_object_get(cmd, "text"));

    run_action(s, json_object_get(cmd, "action"), &a);
    if (!a.performed)
        r = failf(s, "%s", a.why);
    else if (a.rc == OL_OK)
        r = failf(s, "returned normally, expected trap \"%s\"", want ? want : "");
    else
        check_trap_text(s, cmd, &a.trap);
    free(a.vals);
    return r;
}

/* Text-format modules only test the text parser, which is wast2json's business, not ours. */
static bool is_text_module(const json_t *cmd)
{
    const char *mt = json_string_value(json_object_get(cmd, "module_type"));
    return mt != NULL && strcmp(mt, "text") == 0;
}

/* assert_invalid and assert_malformed: the module must be rejected by ol_wasm_module_new. */
static result cmd_assert_rejected(script *s, const json_t *cmd, ol_err want)
{
    ol_diag d = {0};
    ol_wasm_module *m = NULL;
    const char *text = json_string_value(json_object_get(cmd, "text"));

    if (is_text_module(cmd))
        return RES_SKIP;
    ol_err rc = load_module(s, cmd, false, &m, &d);
    if (rc == OL_OK) {
        ol_wasm_module_free(m);
        return failf(s, "module accepted, expected \"%s\"", text ? text : "");
    }
    if (rc == OL_E_IO || rc == OL_E_INVAL)
        return failf(s, "%s", d.msg);
    if (rc != OL_E_MALFORMED && rc != OL_E_INVALID_MODULE)
        return failf(s, "module_new returned %s: %s", ol_err_name(rc), d.msg);
    /* Which side of the malformed/invalid line a check falls on is the engine's choice in a few
     * corners (e.g. limits decoded before validation), so a crossed class only warns. */
    if (rc != want)
        warnf(s, "rejected as %s, expected %s (\"%s\"): %s", ol_err_name(rc), ol_err_name(want),
              text ? text : "", d.msg);
    return RES_PASS;
}

static result cmd_assert_invalid(script *s, const json_t *cmd)
{
    return cmd_assert_rejected(s, cmd, OL_E_INVALID_MODULE);
}

static result cmd_assert_malformed(script *s, const json_t *cmd)
{
    return cmd_assert_rejected(s, cmd, OL_E_MALFORMED);
}

static result cmd_assert_unlinkable(script *s, const json_t *cmd)
{
    ol_diag d = {0};
    ol_wasm_module *m = NULL;
    ol_wasm_instance *inst = NULL;
    ol_wasm_trap trap;
    char why[320];

    if (is_text_module(cmd))
        return RES_SKIP;
    ol_err rc = load_module(s, cmd, true, &m, &d);
    if (rc != OL_OK)
        return failf(s, "module rejected: %s: %s", ol_err_name(rc), d.msg);
    rc = instantiate(s, m, &inst, &trap, &d, why, sizeof why);
    if (rc == OL_E_UNLINKABLE)
        return RES_PASS;
    if (rc == OL_OK)
        return failf(s, "module linked and instantiated, expected unlinkable");
    return failf(s, "expected unlinkable, got %s", why);
}

/* assert_uninstantiable, and assert_trap on a module: instantiation (start function or segment
 * initialisation) must trap. */
static result cmd_assert_uninstantiable(script *s, const json_t *cmd)
{
    ol_diag d = {0};
    ol_wasm_module *m = NULL;
    ol_wasm_instance *inst = NULL;
    ol_wasm_trap trap;
    char why[320];

    if (is_text_module(cmd))
        return RES_SKIP;
    ol_err rc = load_module(s, cmd, true, &m, &d);
    if (rc != OL_OK)
        return failf(s, "module rejected: %s: %s", ol_err_name(rc), d.msg);
    memset(&trap, 0, sizeof trap);
    rc = instantiate(s, m, &inst, &trap, &d, why, sizeof why);
    if (rc == OL_OK) {
        const char *text = json_string_value(json_object_get(cmd, "text"));
        return failf(s, "module instantiated, expected trap \"%s\"", text ? text : "");
    }
    if (rc != OL_E_TRAP)
        return failf(s, "expected an instantiation trap, got %s", why);
    check_trap_text(s, cmd, &trap);
    return RES_PASS;
}

/* wast2json writes (assert_trap (module ...)) either as assert_uninstantiable or as assert_trap
 * with a module filename instead of an action. */
static result cmd_assert_trap(script *s, const json_t *cmd)
{
    if (json_object_get(cmd, "action") == NULL && json_object_get(cmd, "filename") != NULL)
        return cmd_assert_uninstantiable(s, cmd);
    return cmd_assert_trap_action(s, cmd);
}

static const struct {
    const char *type;
    result (*run)(script *s, const json_t *cmd);
} COMMANDS[] = {
    {"module", cmd_module},
    {"register", cmd_register},
    {"action", cmd_action},
    {"assert_return", cmd_assert_return},
    {"assert_trap", cmd_assert_trap},
    {"assert_exhaustion", cmd_assert_trap_action},
    {"assert_invalid", cmd_assert_invalid},
    {"assert_malformed", cmd_assert_malformed},
    {"assert_unlinkable", cmd_assert_unlinkable},
    {"assert_uninstantiable", cmd_assert_uninstantiable},
};

static result run_command(script *s, const json_t *cmd)
{
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        if (strcmp(s->cmd, COMMANDS[i].type) == 0)
            return COMMANDS[i].run(s, cmd);
    }
    /* A command this runner does not know is a gap in coverage, never a silent pass. */
    return failf(s, "unknown command type");
}

/* ---------------------------------------------------------------------------------------------
 * Scripts
 * ------------------------------------------------------------------------------------------- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* Runs one JSON script, recording progress in *cnt as it goes. */
static void run_script(const char *path, spec_counts *cnt)
{
    json_error_t jerr;
    ol_diag d = {0};
    script s;
    memset(&s, 0, sizeof s);

    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        if (jerr.line > 0)
            printf("ERROR %s:%d: %s\n", path, jerr.line, jerr.text);
        else
            printf("ERROR %s: %s\n", path, jerr.text);
        cnt->unreadable = true;
        return;
    }
    const json_t *commands = json_object_get(root, "commands");
    const char *source = json_string_value(json_object_get(root, "source_filename"));
    if (!json_is_array(commands)) {
        printf("ERROR %s: no \"commands\" array\n", path);
        cnt->unreadable = true;
        json_decref(root);
        return;
    }
    copy_str(cnt->name, sizeof cnt->name, source ? base_name(source) : base_name(path));
    s.file = cnt->name;

    char *dir = xrealloc(NULL, strlen(path) + 2);
    strcpy(dir, path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        strcpy(dir, ".");
    s.dir = dir;

    if (ol_wasm_store_new(NULL, &s.store, &d) != OL_OK || !spectest_init(&s, &d)) {
        printf("ERROR %s: cannot set up the store and spectest module: %s\n", path, d.msg);
        cnt->unreadable = true;
        goto out;
    }

    for (size_t i = 0; i < json_array_size(commands); i++) {
        const json_t *cmd = json_array_get(commands, i);
        const char *type = json_string_value(json_object_get(cmd, "type"));
        s.line = (int)json_integer_value(json_object_get(cmd, "line"));
        s.cmd = type ? type : "(no type)";
        cnt->line = s.line;
        copy_str(cnt->cmd, sizeof cnt->cmd, s.cmd);
        switch (run_command(&s, cmd)) {
        case RES_PASS:
            cnt->passed++;
            break;
        case RES_FAIL:
            cnt->failed++;
            break;
        case RES_SKIP:
            cnt->skipped++;
            break;
        }
    }
    cnt->fuel = ol_wasm_store_fuel_consumed(s.store);
    cnt->done = true;

out:
    ol_wasm_store_free(s.store);
    for (size_t i = 0; i < s.nmods; i++)
        ol_wasm_module_free(s.mods[i]);
    free(s.mods);
    free(s.named.v);
    free(s.registered.v);
    free(dir);
    json_decref(root);
}

/* Runs a script in a child process so that a crash or hang costs one failure, not the run. */
static void run_isolated(const char *path, spec_counts *cnt, unsigned timeout, bool use_fork)
{
    if (!use_fork) {
        run_script(path, cnt);
        return;
    }
    /* Every stream, the fuel report included: whatever sits in a buffer at fork would be
     * written a second time by the child's exit(). */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        printf("ERROR %s: fork: %s\n", path, strerror(errno));
        cnt->unreadable = true;
        return;
    }
    if (pid == 0) {
        alarm(timeout);
        run_script(path, cnt);
        /* exit, not _exit: LeakSanitizer checks at exit, and the engine's leaks are ours to
         * catch. The stdio buffers hold only the child's own output (flushed before fork). */
        exit(0);
    }

    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            printf("ERROR %s: waitpid: %s\n", path, strerror(errno));
            cnt->unreadable = true;
            return;
        }
    }
    if (cnt->unreadable)
        return;
    if (cnt->done) {
        /* Finished, but a sanitizer (e.g. LeakSanitizer at exit) reported a problem. */
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("FAIL %s: exited with status %d after the script (sanitizer report above?)\n",
                   cnt->name, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            cnt->failed++;
        }
        return;
    }
    /* The command in progress did not finish: it is the one that failed. */
    const char *file = cnt->name[0] ? cnt->name : path;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        printf("FAIL %s:%d %s: timed out after %u s\n", file, cnt->line, cnt->cmd, timeout);
    else if (WIFSIGNALED(status))
        printf("FAIL %s:%d %s: crashed with signal %d (%s)\n", file, cnt->line, cnt->cmd,
               WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        printf("FAIL %s:%d %s: runner exited with status %d mid-script\n", file, cnt->line,
               cnt->cmd, WEXITSTATUS(status));
    cnt->failed++;
}

/* Counts the top-level forms of a .wast script; each becomes one wast2json command, so this is
 * the number of commands a skipped script would have had. Returns -1 if unreadable. */
static long count_wast_commands(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = 0;
    int depth = 0, c;
    if (f == NULL)
        return -1;
    while ((c = getc(f)) != EOF) {
        if (c == '"') {
            while ((c = getc(f)) != EOF && c != '"') {
                if (c == '\\')
                    (void)getc(f);
            }
        } else if (c == ';') {
            if ((c = getc(f)) == ';') {
                while ((c = getc(f)) != EOF && c != '\n')
                    ;
            } else if (c != EOF) {
                ungetc(c, f);
            }
        } else if (c == '(') {
            if ((c = getc(f)) == ';') {
                /* Block comments nest. */
                int level = 1, prev = 0;
                while (level > 0 && (c = getc(f)) != EOF) {
                    if (prev == '(' && c == ';') {
                        level++;
                        c = 0;
                    } else if (prev == ';' && c == ')') {
                        level--;
                        c = 0;
                    }
                    prev = c;
                }
            } else {
                if (c != EOF)
                    ungetc(c, f);
                if (depth++ == 0)
                    n++;
            }
        } else if (c == ')' && depth > 0) {
            depth--;
        }
    }
    fclose(f);
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Inputs
 * ------------------------------------------------------------------------------------------- */

typedef struct str_list {
    char **v;
    size_t n, cap;
} str_list;

static void push(str_list *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Adds the *.json of dir and, if `recurse`, of its immediate subdirectories. */
static bool collect_dir(const char *dir, bool recurse, str_list *out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        return false;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = join_path(dir, e->d_name);
        if (recurse && is_dir(path)) {
            collect_dir(path, false, out);
            free(path);
        } else if (has_suffix(e->d_name, ".json")) {
            push(out, path);
        } else {
            free(path);
        }
    }
    closedir(d);
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads DIR/skipped.list (one .wast path a line) if present. */
static void collect_skipped(const char *dir, str_list *out)
{
    char *path = join_path(dir, "skipped.list");
    FILE *f = fopen(path, "r");
    char line[4096];
    free(path);
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '\0')
            push(out, strcpy(xrealloc(NULL, strlen(line) + 1), line));
    }
    fclose(f);
}

static void usage(void)
{
    fprintf(stderr, "usage: spec_runner [--fuel-report FILE] [--timeout SECONDS] [--no-fork] "
                    "DIR_OR_JSON...\n");
}

int main(int argc, char **argv)
{
    const char *fuel_path = NULL;
    unsigned timeout = 300;
    bool use_fork = true;
    str_list scripts = {0}, skipped = {0};
    bool unreadable = false;
    uint64_t passed = 0, failed = 0, nskipped = 0;
    int i;

    /* Line-buffered so a FAIL line printed just before a crash reaches the log. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fuel-report") == 0 && i + 1 < argc) {
            fuel_path = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            uint64_t t;
            if (!parse_u64(argv[++i], UINT_MAX, &t) || t == 0) {
                usage();
                return 2;
            }
            timeout = (unsigned)t;
        } else if (strcmp(argv[i], "--no-fork") == 0) {
            use_fork = false;
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (argv[i][0] == '-') {
            usage();
            return 2;
        } else {
            break;
        }
    }
    if (i >= argc) {
        usage();
        return 2;
    }

    for (; i < argc; i++) {
        if (is_dir(argv[i])) {
            size_t first = scripts.n;
            if (!collect_dir(argv[i], true, &scripts)) {
                printf("ERROR %s: %s\n", argv[i], strerror(errno));
                unreadable = true;
            }
            qsort(scripts.v + first, scripts.n - first, sizeof *scripts.v, cmp_str);
            collect_skipped(argv[i], &skipped);
        } else {
            push(&scripts, strcpy(xrealloc(NULL, strlen(argv[i]) + 1), argv[i]));
        }
    }

    FILE *fuel = NULL;
    if (fuel_path != NULL && (fuel = fopen(fuel_path, "w")) == NULL) {
        printf("ERROR %s: %s\n", fuel_path, strerror(errno));
        return 2;
    }

    /* Shared with the children, so their counts survive a crash. */
    spec_counts *cnt =
        mmap(NULL, sizeof *cnt, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (cnt == MAP_FAILED) {
        printf("ERROR mmap: %s\n", strerror(errno));
        return 2;
    }

    for (size_t k = 0; k < scripts.n; k++) {
        memset(cnt, 0, sizeof *cnt);
        run_isolated(scripts.v[k], cnt, timeout, use_fork);
        if (cnt->unreadable) {
            unreadable = true;
            continue;
        }
        passed += cnt->passed;
        failed += cnt->failed;
        nskipped += cnt->skipped;
        printf("%s: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped", cnt->name,
               cnt->passed, cnt->failed, cnt->skipped);
        if (cnt->done)
            printf(", fuel %" PRIu64 "\n", cnt->fuel);
        else
            printf(", incomplete\n");
        if (fuel != NULL) {
            /* The report is keyed by the JSON's name; an incomplete script never matches. */
            char name[256];
            copy_str(name, sizeof name, base_name(scripts.v[k]));
            if (has_suffix(name, ".json"))
                name[strlen(name) - strlen(".json")] = '\0';
            if (cnt->done)
                fprintf(fuel, "%s %" PRIu64 "\n", name, cnt->fuel);
            else
                fprintf(fuel, "%s incomplete\n", name);
        }
    }

    for (size_t k = 0; k < skipped.n; k++) {
        long n = count_wast_commands(skipped.v[k]);
        if (n < 0) {
            printf("WARN %s: cannot read (%s); counted as 1 skipped command\n", skipped.v[k],
                   strerror(errno));
            n = 1;
        }
        printf("%s: skipped (%ld commands)\n", base_name(skipped.v[k]), n);
        nskipped += (uint64_t)n;
    }

    if (fuel != NULL && fclose(fuel) != 0) {
        printf("ERROR %s: %s\n", fuel_path, strerror(errno));
        unreadable = true;
    }
    munmap(cnt, sizeof *cnt);
    for (size_t k = 0; k < scripts.n; k++)
        free(scripts.v[k]);
    for (size_t k = 0; k < skipped.n; k++)
        free(skipped.v[k]);
    free(scripts.v);
    free(skipped.v);

    printf("spec: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", passed, failed,
           nskipped);
    return failed > 0 || unreadable ? 1 : 0;
}
