/* Helpers shared by the subcommands: error output, whole-file reading, and the text forms of
 * WebAssembly values and types. Values travel as raw 64-bit slots (ol/wasm.h); this file is the
 * only place that turns them into text and back, so every command prints them the same way. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

void ol_cmd_error(const char *fmt, ...)
{
    va_list ap;
    fputs("outlayer: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool ol_cmd_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 || strcmp(arg, "help") == 0;
}

bool ol_cmd_read_file(const char *path, uint8_t **data, size_t *len)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL) {
        ol_cmd_error("cannot open %s: %s", path, strerror(errno));
        return false;
    }
    uint8_t *buf = NULL;
    size_t n = 0;
    size_t cap = 0;
    bool ok = false;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap == 0 ? 65536 : cap * 2;
            uint8_t *nbuf = ncap > cap ? realloc(buf, ncap) : NULL;
            if (nbuf == NULL) {
                ol_cmd_error("cannot read %s: out of memory after %zu bytes", path, n);
                goto out;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        ol_cmd_error("cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    *data = buf;
    *len = n;
    buf = NULL; /* moved */
    ok = true;
out:
    free(buf);
    if (!is_stdin)
        fclose(f);
    return ok;
}

bool ol_cmd_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return false;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        unsigned digit;
        if (*s >= '0' && *s <= '9')
            digit = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            digit = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            digit = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (v > (max - digit) / base)
            return false;
        v = v * base + digit;
    }
    *out = v;
    return true;
}

/* An integer of `bits` bits: -2^(bits-1) .. 2^bits - 1, stored in two's complement. */
static bool parse_int(const char *s, unsigned bits, uint64_t *out)
{
    uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    bool neg = false;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    uint64_t mag;
    if (!ol_cmd_parse_u64(s, neg ? UINT64_C(1) << (bits - 1) : mask, &mag))
        return false;
    *out = (neg ? 0 - mag : mag) & mask;
    return true;
}

/* "nan", "-nan", "+nan" and "nan:0xPAYLOAD" (the text format's syntax). Returns false when s is
 * not a NaN spelling at all; *ok tells whether a NaN spelling was well formed. */
static bool parse_nan(const char *s, unsigned mant_bits, uint64_t *bits, bool *ok)
{
    bool neg = false;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    if (strncmp(s, "nan", 3) != 0)
        return false;
    uint64_t mant_mask = (UINT64_C(1) << mant_bits) - 1;
    uint64_t payload = UINT64_C(1) << (mant_bits - 1); /* canonical: top mantissa bit only */
    *ok = true;
    if (s[3] == ':') {
        if (strncmp(s + 4, "0x", 2) != 0 || !ol_cmd_parse_u64(s + 4, mant_mask, &payload) ||
            payload == 0)
            *ok = false;
    } else if (s[3] != '\0') {
        *ok = false;
    }
    uint64_t exp_bits = mant_bits == 23 ? UINT64_C(0xff) : UINT64_C(0x7ff);
    unsigned width = mant_bits == 23 ? 32 : 64;
    *bits = ((uint64_t)neg << (width - 1)) | (exp_bits << mant_bits) | payload;
    return true;
}

static bool parse_float(const char *s, bool is_f32, uint64_t *out)
{
    bool nan_ok;
    if (parse_nan(s, is_f32 ? 23 : 52, out, &nan_ok))
        return nan_ok;
    /* strtod skips leading white space and accepts an empty prefix; neither is a value here. */
    if (*s == '\0' || *s == ' ' || *s == '\t' || *s == '\n')
        return false;
    char *end;
    errno = 0;
    if (is_f32) {
        float v = strtof(s, &end);
        if (*end != '\0')
            return false;
        uint32_t b;
        memcpy(&b, &v, sizeof b);
        *out = b;
    } else {
        double v = strtod(s, &end);
        if (*end != '\0')
            return false;
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        *out = b;
    }
    return true;
}

bool ol_cmd_parse_value(const char *s, ol_wasm_valtype t, uint64_t *out)
{
    switch (t) {
    case OL_WASM_I32:
        return parse_int(s, 32, out);
    case OL_WASM_I64:
        return parse_int(s, 64, out);
    case OL_WASM_F32:
        return parse_float(s, true, out);
    case OL_WASM_F64:
        return parse_float(s, false, out);
    case OL_WASM_FUNCREF:
        if (strcmp(s, "null") != 0)
            return false;
        *out = 0;
        return true;
    case OL_WASM_EXTERNREF:
        if (strcmp(s, "null") == 0) {
            *out = 0;
            return true;
        }
        return ol_cmd_parse_u64(s, UINT64_MAX, out) && *out != 0;
    }
    return false;
}

/* Shortest decimal that reads back to the same value: tries 1..17 significant digits. */
static void print_f64(FILE *f, double v)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

static void print_f32(FILE *f, float v)
{
    char buf[40];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

/* NaN and infinity from the bit pattern; returns false for finite values. */
static bool print_special(FILE *f, uint64_t bits, unsigned mant_bits)
{
    unsigned width = mant_bits == 23 ? 32 : 64;
    uint64_t exp_mask = mant_bits == 23 ? UINT64_C(0xff) : UINT64_C(0x7ff);
    uint64_t mant = bits & ((UINT64_C(1) << mant_bits) - 1);
    bool neg = (bits >> (width - 1)) & 1;
    if (((bits >> mant_bits) & exp_mask) != exp_mask)
        return false;
    if (mant == 0)
        fputs(neg ? "-inf" : "inf", f);
    else if (mant == UINT64_C(1) << (mant_bits - 1))
        fputs(neg ? "-nan" : "nan", f);
    else
        fprintf(f, "%snan:0x%" PRIx64, neg ? "-" : "", mant);
    return true;
}

void ol_cmd_print_value(FILE *f, ol_wasm_valtype t, uint64_t v)
{
    fprintf(f, "%s:", ol_wasm_valtype_name(t));
    switch (t) {
    case OL_WASM_I32:
        fprintf(f, "%" PRIu32, (uint32_t)v);
        return;
    case OL_WASM_I64:
        fprintf(f, "%" PRIu64, v);
        return;
    case OL_WASM_F32: {
        uint32_t b = (uint32_t)v;
        float x;
        memcpy(&x, &b, sizeof x);
        if (!print_special(f, b, 23))
            print_f32(f, x);
        return;
    }
    case OL_WASM_F64: {
        double x;
        memcpy(&x, &v, sizeof x);
        if (!print_special(f, v, 52))
            print_f64(f, x);
        return;
    }
    case OL_WASM_FUNCREF:
        /* A funcref handle is a host pointer: printing it would make output vary per run. */
        fputs(v == 0 ? "null" : "non-null", f);
        return;
    case OL_WASM_EXTERNREF:
        if (v == 0)
            fputs("null", f);
        else
            fprintf(f, "%" PRIu64, v);
        return;
    }
    fprintf(f, "0x%" PRIx64, v);
}

static void print_types(FILE *f, const char *what, uint32_t n, const ol_wasm_valtype *types)
{
    if (n == 0)
        return;
    fprintf(f, " (%s", what);
    for (uint32_t i = 0; i < n; i++)
        fprintf(f, " %s", ol_wasm_valtype_name(types[i]));
    fputc(')', f);
}

static void print_limits(FILE *f, const ol_wasm_limits_type *l)
{
    fprintf(f, " %" PRIu32, l->min);
    if (l->has_max)
        fprintf(f, " %" PRIu32, l->max);
}

void ol_cmd_print_externtype(FILE *f, const ol_wasm_externtype *t)
{
    switch (t->kind) {
    case OL_WASM_EXTERN_FUNC:
        fputs("func", f);
        print_types(f, "param", t->func.nparams, t->func.params);
        print_types(f, "result", t->func.nresults, t->func.results);
        return;
    case OL_WASM_EXTERN_TABLE:
        fputs("table", f);
        print_limits(f, &t->limits);
        fprintf(f, " %s", ol_wasm_valtype_name(t->table_elem));
        return;
    case OL_WASM_EXTERN_MEMORY:
        fputs("memory", f);
        print_limits(f, &t->limits);
        return;
    case OL_WASM_EXTERN_GLOBAL:
        if (t->global_mutable)
            fprintf(f, "global (mut %s)", ol_wasm_valtype_name(t->global_type));
        else
            fprintf(f, "global %s", ol_wasm_valtype_name(t->global_type));
        return;
    }
    fputs("unknown", f);
}

void ol_cmd_print_name(FILE *f, const char *name, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            fputc(c, f);
        else
            fprintf(f, "\\%02x", c);
    }
    fputc('"', f);
}

int ol_cmd_load_opts(const ol_opt_table *t, void *o, size_t o_size, ol_opts_result *res, int argc,
                     char **argv)
{
    ol_diag d = {0};
    memset(res, 0, sizeof *res);
    memset(o, 0, o_size);
    if (ol_opts_load(t, o, argc, argv, NULL, res, &d) != OL_OK) {
        ol_cmd_error("%s", d.msg);
        return OL_EXIT_USAGE;
    }
    if (res->help) {
        ol_opts_help(t, stdout);
        return OL_EXIT_OK;
    }
    if (res->print_config) {
        ol_opts_print(t, o, stdout);
        return OL_EXIT_OK;
    }
    return -1;
}

void ol_cmd_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s != NULL) {
        puts(s);
        free(s);
    }
}

void ol_cmd_http_error(const char *what, long status, json_t *body)
{
    const char *code = json_string_value(json_object_get(body, "code"));
    const char *msg = json_string_value(json_object_get(body, "error"));
    ol_cmd_error("%s: HTTP %ld %s: %s", what, status, code != NULL ? code : "",
                 msg != NULL ? msg : "(no error body)");
}
