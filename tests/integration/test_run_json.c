/* `outlayer run --json`: the schema, parsed with jansson, for every status.
 *
 * usage: test_run_json OUTLAYER DIR
 *   DIR holds the run_<name>.wasm guests and test_run_imports.wasm (see run_test.sh).
 *
 * Every object must have exactly these keys, in this order:
 *   status, exit_code, output | output_base64, stderr, error, instructions, time_ms,
 *   wasm_sha256, input_sha256, output_sha256, transcript_sha256
 * with status one of the eight names, exit_code an integer for ok/exit and null otherwise,
 * error null for ok/exit and a non-empty string otherwise, instructions and time_ms
 * non-negative integers, and the hashes 64 lowercase hex digits that match the bytes. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

static const char *outlayer;
static const char *dir;
static char tmpdir[] = "/tmp/test_run_json.XXXXXX";
static int failures;
static int checks;

static void fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(const char *what, const char *fmt, ...)
{
    va_list ap;
    failures++;
    printf("FAIL: %s: ", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static bool expect(const char *what, bool cond, const char *detail)
{
    checks++;
    if (!cond)
        fail(what, "%s", detail);
    return cond;
}

/* Reads a whole file; NULL on failure. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

static void hex_sha256(char out[65], const uint8_t *p, size_t n)
{
    uint8_t h[32];
    crypto_hash_sha256(h, p, n);
    sodium_bin2hex(out, 65, h, 32);
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (const char *c = s; *c; c++) {
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    }
    return true;
}

typedef struct expect_run {
    const char *name;
    const char *wasm; /* file in DIR */
    const uint8_t *input;
    size_t input_len;
    const char *flags; /* extra command-line flags */
    const char *status;
    long long exit_code; /* for ok/exit */
    int process_status;  /* expected exit status of outlayer */
    const uint8_t *output;
    size_t output_len;
    bool output_is_base64;
    const char *stderr_text;  /* NULL: not checked */
    const char *error_substr; /* NULL for ok/exit */
} expect_run;

static void run_case(const expect_run *e)
{
    char in_path[64], wasm_path[512], cmd[2048];
    snprintf(in_path, sizeof in_path, "%s/in", tmpdir);
    snprintf(wasm_path, sizeof wasm_path, "%s/%s", dir, e->wasm);
    FILE *f = fopen(in_path, "wb");
    if (f == NULL || fwrite(e->input, 1, e->input_len, f) != e->input_len || fclose(f) != 0) {
        fail(e->name, "cannot write the input: %s", strerror(errno));
        return;
    }
    snprintf(cmd, sizeof cmd, "'%s' run '%s' --input-file '%s' --json %s", outlayer, wasm_path,
             in_path, e->flags);
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        fail(e->name, "popen: %s", strerror(errno));
        return;
    }
    json_error_t jerr;
    json_t *o = json_loadf(p, JSON_ALLOW_NUL, &jerr);
    int st = pclose(p);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (o == NULL) {
        fail(e->name, "not JSON: %s (line %d)", jerr.text, jerr.line);
        return;
    }
    char detail[256];
    snprintf(detail, sizeof detail, "outlayer exited %d, expected %d", code, e->process_status);
    expect(e->name, code == e->process_status, detail);
    expect(e->name, json_is_object(o), "not an object");

    /* The keys, in order. */
    static const char *const keys[] = {
        "status",       "exit_code",     "output",           "stderr",
        "error",        "instructions",  "time_ms",          "wasm_sha256",
        "input_sha256", "output_sha256", "transcript_sha256"};
    size_t k = 0;
    const char *key;
    json_t *v;
    bool order_ok = json_object_size(o) == 11;
    json_object_foreach(o, key, v)
    {
        const char *want = keys[k < 11 ? k : 10];
        if (k == 2 && e->output_is_base64)
            want = "output_base64";
        if (k >= 11 || strcmp(key, want) != 0)
            order_ok = false;
        k++;
    }
    expect(e->name, order_ok, "keys are not exactly the documented ones in order");

    const char *status = json_string_value(json_object_get(o, "status"));
    snprintf(detail, sizeof detail, "status %s, expected %s", status ? status : "(none)",
             e->status);
    expect(e->name, status != NULL && strcmp(status, e->status) == 0, detail);

    bool exited = strcmp(e->status, "ok") == 0 || strcmp(e->status, "exit") == 0;
    json_t *ec = json_object_get(o, "exit_code");
    if (exited) {
        snprintf(detail, sizeof detail, "exit_code %lld, expected %lld",
                 json_is_integer(ec) ? (long long)json_integer_value(ec) : -1LL, e->exit_code);
        expect(e->name, json_is_integer(ec) && json_integer_value(ec) == e->exit_code, detail);
        expect(e->name, json_is_null(json_object_get(o, "error")), "error is not null");
    } else {
        expect(e->name, json_is_null(ec), "exit_code is not null");
        const char *err = json_string_value(json_object_get(o, "error"));
        snprintf(detail, sizeof detail, "error \"%s\" lacks \"%s\"", err ? err : "(none)",
                 e->error_substr);
        expect(e->name, err != NULL && strstr(err, e->error_substr) != NULL, detail);
    }

    /* Output, as text or base64, must be the expected bytes; its hash must match. */
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (e->output_is_base64) {
        const char *b64 = json_string_value(json_object_get(o, "output_base64"));
        if (expect(e->name, b64 != NULL, "output_base64 missing")) {
            out = malloc(strlen(b64) + 1);
            if (out == NULL ||
                sodium_base642bin(out, strlen(b64) + 1, b64, strlen(b64), NULL, &out_len, NULL,
                                  sodium_base64_VARIANT_ORIGINAL) != 0)
                expect(e->name, false, "output_base64 does not decode");
        }
    } else {
        json_t *s = json_object_get(o, "output");
        if (expect(e->name, json_is_string(s), "output is not a string")) {
            out_len = json_string_length(s);
            out = malloc(out_len + 1);
            if (out != NULL)
                memcpy(out, json_string_value(s), out_len);
        }
    }
    if (out != NULL || out_len == 0) {
        bool same =
            out_len == e->output_len && (out_len == 0 || memcmp(out, e->output, out_len) == 0);
        snprintf(detail, sizeof detail, "output differs (%zu bytes, expected %zu)", out_len,
                 e->output_len);
        expect(e->name, same, detail);
        char hx[65];
        hex_sha256(hx, out != NULL ? out : (const uint8_t *)"", out_len);
        const char *oh = json_string_value(json_object_get(o, "output_sha256"));
        expect(e->name, oh != NULL && strcmp(oh, hx) == 0, "output_sha256 does not match");
    }
    free(out);

    json_t *se = json_object_get(o, "stderr");
    expect(e->name, json_is_string(se), "stderr is not a string");
    if (e->stderr_text != NULL && json_is_string(se)) {
        snprintf(detail, sizeof detail, "stderr \"%s\", expected \"%s\"", json_string_value(se),
                 e->stderr_text);
        expect(e->name, strcmp(json_string_value(se), e->stderr_text) == 0, detail);
    }

    json_t *ins = json_object_get(o, "instructions");
    json_t *tm = json_object_get(o, "time_ms");
    expect(e->name, json_is_integer(ins) && json_integer_value(ins) >= 0,
           "instructions is not a non-negative integer");
    expect(e->name, json_is_integer(tm) && json_integer_value(tm) >= 0,
           "time_ms is not a non-negative integer");
    /* Nothing runs for an invalid module or one refused its memory. */
    if (strcmp(e->status, "invalid_module") == 0 || strcmp(e->status, "memory_limit") == 0)
        expect(e->name, json_integer_value(ins) == 0, "instructions of a module that never ran");
    else
        expect(e->name, json_integer_value(ins) > 0, "instructions is 0");

    static const char *const hashes[] = {"wasm_sha256", "input_sha256", "output_sha256",
                                         "transcript_sha256"};
    for (int i = 0; i < 4; i++) {
        const char *h = json_string_value(json_object_get(o, hashes[i]));
        snprintf(detail, sizeof detail, "%s is not 64 lowercase hex digits", hashes[i]);
        expect(e->name, h != NULL && is_hex64(h), detail);
    }
    size_t wlen = 0;
    uint8_t *wasm = slurp(wasm_path, &wlen);
    char hx[65];
    if (wasm != NULL) {
        hex_sha256(hx, wasm, wlen);
        const char *wh = json_string_value(json_object_get(o, "wasm_sha256"));
        expect(e->name, wh != NULL && strcmp(wh, hx) == 0, "wasm_sha256 does not match");
        free(wasm);
    }
    hex_sha256(hx, e->input, e->input_len);
    const char *ih = json_string_value(json_object_get(o, "input_sha256"));
    expect(e->name, ih != NULL && strcmp(ih, hx) == 0, "input_sha256 does not match");
    json_decref(o);
}

#define S(s) (const uint8_t *)(s), sizeof(s) - 1

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_run_json OUTLAYER DIR\n");
        return 2;
    }
    outlayer = argv[1];
    dir = argv[2];
    if (sodium_init() < 0 || mkdtemp(tmpdir) == NULL) {
        fprintf(stderr, "test_run_json: setup failed\n");
        return 1;
    }
    static const uint8_t binary[] = {0xff, 0xfe, 'a', 0x00, 0xc3, 0x28};
    static const uint8_t five_k[5000] = {0};
    const expect_run cases[] = {
        {"ok", "run_echo.wasm", S("hello \xc3\xa9 \"quoted\" \\ \n\t"), "", "ok", 0, 0,
         S("hello \xc3\xa9 \"quoted\" \\ \n\t"), false, "", NULL},
        {"ok, empty", "run_echo.wasm", S(""), "", "ok", 0, 0, S(""), false, "", NULL},
        {"exit", "run_exit.wasm", S("3"), "", "exit", 3, 3, S("exiting with 3\n"), false, "bye\n",
         NULL},
        {"exit 4000000000", "run_exit.wasm", S("4000000000"), "", "exit", 4000000000LL, 255,
         S("exiting with 4000000000\n"), false, "bye\n", NULL},
        {"exit 0 is ok", "run_exit.wasm", S("0"), "", "ok", 0, 0, S("exiting with 0\n"), false,
         "bye\n", NULL},
        {"binary output", "run_exit.wasm", S("binary"), "", "ok", 0, 0, binary, sizeof binary, true,
         "bad \xef\xbf\xbd( utf-8", NULL},
        {"trap", "run_exit.wasm", S("trap"), "", "trap", 0, 3, S(""), false, "",
         "unreachable (function "},
        {"out_of_fuel", "run_exit.wasm", S("spin"), "--max-instructions 100000", "out_of_fuel", 0,
         3, S(""), false, "", "the limit of 100000 instructions was reached"},
        {"timeout", "run_exit.wasm", S("spin"), "--timeout-ms 100", "timeout", 0, 3, S(""), false,
         "", "the run exceeded the timeout of 100 ms"},
        {"memory_limit", "run_bigmem.wasm", S(""), "", "memory_limit", 0, 3, S(""), false, "",
         "exceeds the limit of 2048 pages (limit 128 MiB)"},
        {"output_limit", "run_echo.wasm", five_k, sizeof five_k, "--max-output-bytes 4096",
         "output_limit", 0, 3, five_k, 4096, false, "", "stdout exceeded the limit of 4096"},
        {"invalid_module", "test_run_imports.wasm", S(""), "", "invalid_module", 0, 1, S(""), false,
         "", "import \"env\" \"host_add\" is not provided"},
        {"invalid_module, no _start", "test_run_nostart.wasm", S(""), "", "invalid_module", 0, 1,
         S(""), false, "", "does not export \"_start\""},
        {"seeded", "run_random.wasm", S(""), "--seed 00", "ok", 0, 0, NULL, 0, false, "", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].output == NULL) {
            /* The seeded output is not known in advance: take it from a first run. */
            char cmd[1024];
            snprintf(cmd, sizeof cmd, "'%s' run '%s/%s' %s > '%s/seeded.out'", outlayer, dir,
                     cases[i].wasm, cases[i].flags, tmpdir);
            char path[128];
            snprintf(path, sizeof path, "%s/seeded.out", tmpdir);
            size_t len = 0;
            uint8_t *want = system(cmd) == 0 ? slurp(path, &len) : NULL;
            if (want == NULL) {
                fail(cases[i].name, "first run failed");
                continue;
            }
            expect_run e = cases[i];
            e.output = want;
            e.output_len = len;
            run_case(&e);
            free(want);
            remove(path);
            continue;
        }
        run_case(&cases[i]);
    }
    char in_path[64];
    snprintf(in_path, sizeof in_path, "%s/in", tmpdir);
    remove(in_path);
    rmdir(tmpdir);
    printf("test_run_json: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
