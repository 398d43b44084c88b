/* `outlayer wasm invoke|validate|info`: the engine from the command line.
 *
 * invoke provides no system interface: the only imports it can satisfy are those of the
 * `spectest` module that the WebAssembly spec tests import (so any spec-suite module runs), and
 * it refuses any other import by name before instantiating. Fuel is counted from the moment the
 * instance is created, so the figure printed covers the start function, segment initialisation
 * and the call. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char ol_cmd_wasm_usage[] =
    "usage: outlayer wasm invoke FILE.wasm FUNC [ARGS...] [--fuel N] [--max-memory-pages N]\n"
    "       outlayer wasm validate FILE.wasm\n"
    "       outlayer wasm info FILE.wasm\n"
    "\n"
    "invoke    Instantiate FILE and call its exported function FUNC. Each ARG is read as the\n"
    "          matching parameter type: i32/i64 in decimal (may be negative) or 0x hex, f32/f64\n"
    "          in decimal or hex-float notation, inf, nan. The results are printed on stdout,\n"
    "          one per line as type:value (integers as unsigned decimal, floats in the shortest\n"
    "          form that reads back exactly); then `fuel: N` on stderr, the fuel consumed by\n"
    "          instantiation and the call (also after a trap).\n"
    "          --fuel N              trap with `out of fuel` past N units (default: unlimited,\n"
    "                                still counted)\n"
    "          --max-memory-pages N  cap each memory at N pages of 64 KiB (default 16384)\n"
    "          Imports: only the `spectest` module of the spec tests is provided (print,\n"
    "          print_i32, print_i64, print_f32, print_f64, print_i32_f32, print_f64_f64,\n"
    "          global_i32/i64/f32/f64 = 666, table, memory); any other import is refused.\n"
    "validate  Decode and validate FILE; print `ok`, or the diagnostic and exit 1.\n"
    "info      List FILE's imports and exports with their types.\n"
    "\n"
    "FILE may be - for standard input. Exit status: 0 success; 1 unreadable, malformed,\n"
    "invalid or unlinkable module, or bad argument value; 2 usage error; 3 trap, printed as\n"
    "`trap: MESSAGE (function N, offset 0xNN)` with the function index and the byte offset of\n"
    "the trapping instruction in FILE.\n";

/* ---- loading ---- */

/* Reads and compiles `path`; prints a diagnostic naming the file on failure. */
static ol_wasm_module *load_module(const char *path)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (!ol_cmd_read_file(path, &bytes, &len))
        return NULL;
    ol_wasm_module *m = NULL;
    ol_diag d = {0};
    ol_err rc = ol_wasm_module_new(bytes, len, NULL, &m, &d);
    free(bytes);
    if (rc != OL_OK) {
        if (d.msg[0] != '\0')
            ol_cmd_error("%s: %s: %s", path, ol_strerror(rc), d.msg);
        else
            ol_cmd_error("%s: %s", path, ol_strerror(rc));
        return NULL;
    }
    return m;
}

/* ---- the spectest host module ---- */

typedef struct spectest_func {
    const char *name;
    uint32_t nparams;
    ol_wasm_valtype params[2];
} spectest_func;

static const spectest_func spectest_funcs[] = {
    {"print", 0, {OL_WASM_I32, OL_WASM_I32}},
    {"print_i32", 1, {OL_WASM_I32, OL_WASM_I32}},
    {"print_i64", 1, {OL_WASM_I64, OL_WASM_I64}},
    {"print_f32", 1, {OL_WASM_F32, OL_WASM_F32}},
    {"print_f64", 1, {OL_WASM_F64, OL_WASM_F64}},
    {"print_i32_f32", 2, {OL_WASM_I32, OL_WASM_F32}},
    {"print_f64_f64", 2, {OL_WASM_F64, OL_WASM_F64}},
};

#define SPECTEST_NFUNCS (sizeof spectest_funcs / sizeof spectest_funcs[0])

/* Prints the call on stdout, as the guest's own output. ud is the index in spectest_funcs. */
static ol_err spectest_print(ol_wasm_caller *caller, void *ud, const uint64_t *args,
                             uint64_t *results)
{
    (void)caller;
    (void)results;
    const spectest_func *sf = &spectest_funcs[(uintptr_t)ud];
    printf("spectest.%s(", sf->name);
    for (uint32_t i = 0; i < sf->nparams; i++) {
        if (i > 0)
            fputs(", ", stdout);
        ol_cmd_print_value(stdout, sf->params[i], args[i]);
    }
    fputs(")\n", stdout);
    return OL_OK;
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(name, want, len) == 0;
}

/* Creates the spectest export called `name` in s. OL_E_NOTFOUND if spectest has no such
 * export; otherwise the engine's result (OL_E_LIMIT when the store's limits refuse it). */
static ol_err spectest_provide(ol_wasm_store *s, const char *name, size_t len, ol_wasm_extern *out,
                               ol_diag *d)
{
    for (uintptr_t i = 0; i < SPECTEST_NFUNCS; i++) {
        if (!name_is(name, len, spectest_funcs[i].name))
            continue;
        ol_wasm_functype ft = {spectest_funcs[i].nparams, 0, spectest_funcs[i].params, NULL};
        out->kind = OL_WASM_EXTERN_FUNC;
        return ol_wasm_func_new_host(s, &ft, spectest_print, (void *)i, &out->of.func, d);
    }
    /* The values wabt's spectest host uses, which the spec tests' expectations assume. */
    static const struct {
        const char *name;
        ol_wasm_valtype type;
    } globals[] = {
        {"global_i32", OL_WASM_I32},
        {"global_i64", OL_WASM_I64},
        {"global_f32", OL_WASM_F32},
        {"global_f64", OL_WASM_F64},
    };
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
        if (!name_is(name, len, globals[i].name))
            continue;
        uint64_t v = 666;
        if (globals[i].type == OL_WASM_F32)
            v = ol_wasm_f32_bits(666.6f);
        else if (globals[i].type == OL_WASM_F64)
            v = ol_wasm_f64_bits(666.6);
        out->kind = OL_WASM_EXTERN_GLOBAL;
        return ol_wasm_global_new(s, globals[i].type, false, v, &out->of.global, d);
    }
    if (name_is(name, len, "table")) {
        out->kind = OL_WASM_EXTERN_TABLE;
        return ol_wasm_table_new(s, OL_WASM_FUNCREF, 10, 20, 0, &out->of.table, d);
    }
    if (name_is(name, len, "memory")) {
        out->kind = OL_WASM_EXTERN_MEMORY;
        return ol_wasm_memory_new(s, 1, 2, &out->of.memory, d);
    }
    return OL_E_NOTFOUND;
}

/* Prints `import "mod" "name" (type)` for messages about import i. */
static void print_import(const ol_wasm_module *m, uint32_t i)
{
    const char *mod, *name;
    size_t mod_len, name_len;
    ol_wasm_externtype t;
    ol_wasm_module_import(m, i, &mod, &mod_len, &name, &name_len, &t);
    fprintf(stderr, "import ");
    ol_cmd_print_name(stderr, mod, mod_len);
    fputc(' ', stderr);
    ol_cmd_print_name(stderr, name, name_len);
    fputs(" (", stderr);
    ol_cmd_print_externtype(stderr, &t);
    fputc(')', stderr);
}

/* Fills imports[] from spectest. Every import that cannot be provided is named on stderr. */
static bool resolve_imports(const char *path, const ol_wasm_module *m, ol_wasm_store *s,
                            ol_wasm_extern *imports)
{
    bool ok = true;
    uint32_t n = ol_wasm_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        const char *mod, *name;
        size_t mod_len, name_len;
        ol_wasm_externtype t;
        ol_wasm_module_import(m, i, &mod, &mod_len, &name, &name_len, &t);
        ol_diag d = {0};
        ol_err rc = OL_E_NOTFOUND;
        if (name_is(mod, mod_len, "spectest"))
            rc = spectest_provide(s, name, name_len, &imports[i], &d);
        if (rc == OL_OK)
            continue;
        ok = false;
        fprintf(stderr, "outlayer: %s: cannot invoke: ", path);
        print_import(m, i);
        if (rc == OL_E_NOTFOUND)
            fputs(" is not provided (`outlayer wasm invoke` provides only the spectest module)\n",
                  stderr);
        else
            fprintf(stderr, ": %s: %s\n", ol_strerror(rc), d.msg);
    }
    return ok;
}

/* ---- invoke ---- */

static void print_trap(const ol_wasm_trap *t)
{
    const char *msg = t->msg[0] != '\0' ? t->msg : ol_wasm_trap_message(t->kind);
    if (t->func_index == UINT32_MAX)
        fprintf(stderr, "trap: %s\n", msg);
    else
        fprintf(stderr, "trap: %s (function %" PRIu32 ", offset 0x%" PRIx32 ")\n", msg,
                t->func_index, t->offset);
}

/* Finds FUNC among the module's exports and returns its type; prints why not otherwise. */
static bool find_func_export(const char *path, const ol_wasm_module *m, const char *func,
                             ol_wasm_functype *type)
{
    uint32_t n = ol_wasm_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        ol_wasm_externtype t;
        ol_wasm_module_export(m, i, &name, &len, &t);
        if (!name_is(name, len, func))
            continue;
        if (t.kind != OL_WASM_EXTERN_FUNC) {
            fprintf(stderr, "outlayer: %s: export \"%s\" is not a function but a ", path, func);
            ol_cmd_print_externtype(stderr, &t);
            fputc('\n', stderr);
            return false;
        }
        *type = t.func;
        return true;
    }
    fprintf(stderr, "outlayer: %s: no exported function \"%s\"; exported functions:", path, func);
    bool any = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        ol_wasm_externtype t;
        ol_wasm_module_export(m, i, &name, &len, &t);
        if (t.kind != OL_WASM_EXTERN_FUNC)
            continue;
        fputc(' ', stderr);
        ol_cmd_print_name(stderr, name, len);
        any = true;
    }
    fputs(any ? "\n" : " none\n", stderr);
    return false;
}

static void print_param_list(const ol_wasm_functype *t)
{
    for (uint32_t i = 0; i < t->nparams; i++)
        fprintf(stderr, "%s%s", i > 0 ? " " : "", ol_wasm_valtype_name(t->params[i]));
}

typedef struct invoke_opts {
    const char *file;
    const char *func;
    char **args; /* positional arguments after FUNC */
    size_t nargs;
    uint64_t fuel; /* UINT64_MAX: unlimited */
    uint32_t max_memory_pages;
} invoke_opts;

/* Returns OL_EXIT_OK, or OL_EXIT_USAGE after printing why. Options may appear anywhere; `--`
 * ends them (a negative number is never taken for an option: options start with "--"). */
static int parse_invoke_args(int argc, char **argv, invoke_opts *o, char **positional)
{
    size_t npos = 0;
    bool opts_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts_done || strncmp(a, "--", 2) != 0) {
            positional[npos++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            opts_done = true;
            continue;
        }
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        size_t key_len = eq != NULL ? (size_t)(eq - a) : strlen(a);
        bool is_fuel = key_len == 6 && strncmp(a, "--fuel", 6) == 0;
        bool is_pages = key_len == 18 && strncmp(a, "--max-memory-pages", 18) == 0;
        if (!is_fuel && !is_pages) {
            ol_cmd_error("wasm invoke: unknown option '%s'", a);
            return OL_EXIT_USAGE;
        }
        if (eq != NULL) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            ol_cmd_error("wasm invoke: %s needs a value", a);
            return OL_EXIT_USAGE;
        }
        uint64_t v;
        if (is_fuel) {
            if (!ol_cmd_parse_u64(val, UINT64_MAX, &v)) {
                ol_cmd_error("wasm invoke: --fuel wants a non-negative integer, not '%s'", val);
                return OL_EXIT_USAGE;
            }
            o->fuel = v;
        } else {
            if (!ol_cmd_parse_u64(val, 65536, &v) || v == 0) {
                ol_cmd_error("wasm invoke: --max-memory-pages wants 1..65536, not '%s'", val);
                return OL_EXIT_USAGE;
            }
            o->max_memory_pages = (uint32_t)v;
        }
    }
    if (npos < 2) {
        ol_cmd_error("wasm invoke: needs FILE.wasm and FUNC");
        fputs("usage: outlayer wasm invoke FILE.wasm FUNC [ARGS...] [--fuel N] "
              "[--max-memory-pages N]\n",
              stderr);
        return OL_EXIT_USAGE;
    }
    o->file = positional[0];
    o->func = positional[1];
    o->args = positional + 2;
    o->nargs = npos - 2;
    return OL_EXIT_OK;
}

static int wasm_invoke(int argc, char **argv)
{
    int status = OL_EXIT_FAIL;
    ol_wasm_module *m = NULL;
    ol_wasm_store *s = NULL;
    ol_wasm_extern *imports = NULL;
    uint64_t *args = NULL;
    uint64_t *results = NULL;
    invoke_opts o = {.fuel = UINT64_MAX};
    char **positional = calloc((size_t)argc + 1, sizeof *positional);
    if (positional == NULL) {
        ol_cmd_error("out of memory");
        return OL_EXIT_FAIL;
    }
    status = parse_invoke_args(argc, argv, &o, positional);
    if (status != OL_EXIT_OK)
        goto out;
    status = OL_EXIT_FAIL;

    if ((m = load_module(o.file)) == NULL)
        goto out;

    ol_wasm_functype ft;
    if (!find_func_export(o.file, m, o.func, &ft))
        goto out;
    if (o.nargs != ft.nparams) {
        fprintf(stderr, "outlayer: %s takes %" PRIu32 " argument%s (", o.func, ft.nparams,
                ft.nparams == 1 ? "" : "s");
        print_param_list(&ft);
        fprintf(stderr, "), got %zu\n", o.nargs);
        status = OL_EXIT_USAGE;
        goto out;
    }
    args = calloc((size_t)ft.nparams + 1, sizeof *args);
    results = calloc((size_t)ft.nresults + 1, sizeof *results);
    if (args == NULL || results == NULL) {
        ol_cmd_error("out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < ft.nparams; i++) {
        if (!ol_cmd_parse_value(o.args[i], ft.params[i], &args[i])) {
            ol_cmd_error("%s: argument %" PRIu32 " is not a %s: '%s'", o.func, i + 1,
                         ol_wasm_valtype_name(ft.params[i]), o.args[i]);
            status = OL_EXIT_USAGE;
            goto out;
        }
    }

    ol_diag d = {0};
    ol_wasm_store_config cfg = {.limits = {.max_memory_pages = o.max_memory_pages}};
    ol_err rc = ol_wasm_store_new(&cfg, &s, &d);
    if (rc != OL_OK) {
        ol_cmd_error("cannot create a store: %s: %s", ol_strerror(rc), d.msg);
        goto out;
    }
    uint32_t nimports = ol_wasm_module_import_count(m);
    imports = calloc((size_t)nimports + 1, sizeof *imports);
    if (imports == NULL) {
        ol_cmd_error("out of memory");
        goto out;
    }
    if (!resolve_imports(o.file, m, s, imports))
        goto out;

    ol_wasm_store_set_fuel(s, o.fuel);
    ol_wasm_trap trap = {0};
    ol_wasm_instance *inst = NULL;
    rc = ol_wasm_instance_new(s, m, imports, nimports, &inst, &trap, &d);
    if (rc == OL_E_TRAP) {
        print_trap(&trap);
        fprintf(stderr, "fuel: %" PRIu64 "\n", ol_wasm_store_fuel_consumed(s));
        status = OL_EXIT_TRAP;
        goto out;
    }
    if (rc != OL_OK) {
        ol_cmd_error("%s: cannot instantiate: %s: %s", o.file, ol_strerror(rc), d.msg);
        goto out;
    }
    ol_wasm_func *f = ol_wasm_instance_func(inst, o.func);
    if (f == NULL) {
        ol_cmd_error("%s: instance has no function \"%s\"", o.file, o.func);
        goto out;
    }
    rc = ol_wasm_call(f, args, ft.nparams, results, ft.nresults, &trap);
    if (rc == OL_OK) {
        for (uint32_t i = 0; i < ft.nresults; i++) {
            ol_cmd_print_value(stdout, ft.results[i], results[i]);
            fputc('\n', stdout);
        }
        /* Results first: the fuel line on stderr must not interleave with them. */
        fflush(stdout);
        status = OL_EXIT_OK;
    } else if (rc == OL_E_TRAP) {
        fflush(stdout);
        print_trap(&trap);
        status = OL_EXIT_TRAP;
    } else {
        ol_cmd_error("%s: call failed: %s", o.func, ol_strerror(rc));
        goto out;
    }
    fprintf(stderr, "fuel: %" PRIu64 "\n", ol_wasm_store_fuel_consumed(s));
out:
    ol_wasm_store_free(s);
    ol_wasm_module_free(m);
    free(imports);
    free(args);
    free(results);
    free(positional);
    return status;
}

/* ---- validate, info ---- */

static const char *single_file(int argc, char **argv, const char *usage)
{
    if (argc != 2 || strncmp(argv[1], "--", 2) == 0) {
        fputs(usage, stderr);
        return NULL;
    }
    return argv[1];
}

static int wasm_validate(int argc, char **argv)
{
    const char *path = single_file(argc, argv, "usage: outlayer wasm validate FILE.wasm\n");
    if (path == NULL)
        return OL_EXIT_USAGE;
    ol_wasm_module *m = load_module(path);
    if (m == NULL)
        return OL_EXIT_FAIL;
    ol_wasm_module_free(m);
    puts("ok");
    return OL_EXIT_OK;
}

static int wasm_info(int argc, char **argv)
{
    const char *path = single_file(argc, argv, "usage: outlayer wasm info FILE.wasm\n");
    if (path == NULL)
        return OL_EXIT_USAGE;
    ol_wasm_module *m = load_module(path);
    if (m == NULL)
        return OL_EXIT_FAIL;

    uint32_t nimports = ol_wasm_module_import_count(m);
    uint32_t nfunc_imports = 0;
    printf("imports: %" PRIu32 "\n", nimports);
    for (uint32_t i = 0; i < nimports; i++) {
        const char *mod, *name;
        size_t mod_len, name_len;
        ol_wasm_externtype t;
        ol_wasm_module_import(m, i, &mod, &mod_len, &name, &name_len, &t);
        fputs("  ", stdout);
        ol_cmd_print_name(stdout, mod, mod_len);
        fputc(' ', stdout);
        ol_cmd_print_name(stdout, name, name_len);
        fputs(": ", stdout);
        ol_cmd_print_externtype(stdout, &t);
        fputc('\n', stdout);
        nfunc_imports += t.kind == OL_WASM_EXTERN_FUNC;
    }
    uint32_t nexports = ol_wasm_module_export_count(m);
    printf("exports: %" PRIu32 "\n", nexports);
    for (uint32_t i = 0; i < nexports; i++) {
        const char *name;
        size_t len;
        ol_wasm_externtype t;
        ol_wasm_module_export(m, i, &name, &len, &t);
        fputs("  ", stdout);
        ol_cmd_print_name(stdout, name, len);
        fputs(": ", stdout);
        ol_cmd_print_externtype(stdout, &t);
        fputc('\n', stdout);
    }
    printf("functions: %" PRIu32 " (%" PRIu32 " imported)\n", ol_wasm_module_func_count(m),
           nfunc_imports);
    ol_wasm_module_free(m);
    return OL_EXIT_OK;
}

/* ---- dispatch ---- */

static const ol_cmd wasm_cmds[] = {
    {"invoke", wasm_invoke, "call an exported function", ol_cmd_wasm_usage},
    {"validate", wasm_validate, "decode and validate a module", ol_cmd_wasm_usage},
    {"info", wasm_info, "list imports and exports", ol_cmd_wasm_usage},
};

int ol_cmd_wasm(int argc, char **argv)
{
    if (argc < 2) {
        fputs(ol_cmd_wasm_usage, stderr);
        return OL_EXIT_USAGE;
    }
    if (ol_cmd_is_help(argv[1])) {
        fputs(ol_cmd_wasm_usage, stdout);
        return OL_EXIT_OK;
    }
    const ol_cmd *c = ol_cmd_find(wasm_cmds, sizeof wasm_cmds / sizeof wasm_cmds[0], argv[1]);
    if (c == NULL) {
        ol_cmd_error("wasm: unknown subcommand '%s' (invoke, validate, info)", argv[1]);
        return OL_EXIT_USAGE;
    }
    if (argc > 2 && ol_cmd_is_help(argv[2]) && strcmp(argv[2], "help") != 0) {
        fputs(c->usage, stdout);
        return OL_EXIT_OK;
    }
    return c->run(argc - 1, argv + 1);
}
