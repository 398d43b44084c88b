/* `outlayer run`: run a WASI job locally exactly as a worker does (ol/wasi.h), with the
 * platform's limits, and optionally a seeded, recorded or replayed source of nondeterminism. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cmd.h"
#include "ol/wasi.h"

const char ol_cmd_run_usage[] =
    "usage: outlayer run FILE.wasm [--input STRING | --input-file PATH] [--env KEY=VALUE]...\n"
    "                    [--arg ARG]... [--max-instructions N] [--max-memory-mb N]\n"
    "                    [--timeout-ms N] [--max-output-bytes N]\n"
    "                    [--seed HEX | --record FILE | --replay FILE] [--json]\n"
    "\n"
    "Runs the WASI preview1 command FILE (its `_start`) as an OutLayer job: the input is its\n"
    "stdin, its stdout is the output, the environment holds only the --env entries, and argv is\n"
    "FILE's base name followed by the --arg values. There is no filesystem and no network.\n"
    "\n"
    "  --input STRING          the job input (default: empty)\n"
    "  --input-file PATH       the job input from a file (- for standard input)\n"
    "  --env KEY=VALUE         an environment variable (repeatable; a later KEY wins)\n"
    "  --arg ARG               a command-line argument (repeatable)\n"
    "  --max-instructions N    fuel limit (default 10000000000)\n"
    "  --max-memory-mb N       memory limit in MiB, 1..4096 (default 128)\n"
    "  --timeout-ms N          wall-clock limit (default 60000)\n"
    "  --max-output-bytes N    stdout limit; more stops the run (default 1048576). stderr is\n"
    "                          capped at 65536 bytes, the excess dropped.\n"
    "  --seed HEX              deterministic random bytes and a virtual clock from a seed of\n"
    "                          1..64 bytes (2..128 hex digits)\n"
    "  --record FILE           write every random byte and clock reading the job observed to\n"
    "                          FILE (docs/transcript.md)\n"
    "  --replay FILE           feed them back from FILE: same output, exit code, instructions\n"
    "  --json                  print one JSON object instead of the job's streams\n"
    "\n"
    "Without --json the job's stdout and stderr are copied to ours and, when the run did not end\n"
    "normally, one line `outlayer: STATUS: REASON` follows on stderr. With --json, stdout holds\n"
    "{\"status\", \"exit_code\", \"output\" (or \"output_base64\" when not UTF-8), \"stderr\",\n"
    "\"error\", \"instructions\", \"time_ms\", \"wasm_sha256\", \"input_sha256\", "
    "\"output_sha256\",\n"
    "\"transcript_sha256\"}. status: ok, exit, trap, out_of_fuel, timeout, memory_limit,\n"
    "output_limit, invalid_module. exit_code is the job's exit code for ok and exit, else null.\n"
    "\n"
    "Exit status: the job's exit code (0 for ok; codes above 255 give 255); 1 for an invalid\n"
    "module, an unreadable file or a malformed transcript; 2 for a usage error; 3 for a trap, a\n"
    "limit (out_of_fuel, timeout, memory_limit, output_limit) or a diverged replay.\n";

/* The largest transcript accepted for --replay. */
#define RUN_MAX_TRANSCRIPT OL_WASI_DEFAULT_MAX_TRANSCRIPT

typedef struct run_opts {
    const char *file;
    const char *input;
    const char *input_file;
    const char *seed_hex;
    const char *record;
    const char *replay;
    bool json;
    ol_wasi_config cfg;
    const char **env; /* argv entries; later duplicates removed */
    size_t nenv;
    const char **args;
    size_t nargs;
} run_opts;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("outlayer run: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nRun 'outlayer help run' for the usage.\n", stderr);
    return OL_EXIT_USAGE;
}

static bool parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    return ol_cmd_parse_u64(s, max, out) && *out >= min;
}

/* Adds KEY=VALUE, replacing an earlier entry with the same KEY. */
static void env_put(run_opts *o, const char *kv)
{
    size_t klen = (size_t)(strchr(kv, '=') - kv);
    for (size_t i = 0; i < o->nenv; i++) {
        if (strncmp(o->env[i], kv, klen + 1) == 0) {
            o->env[i] = kv;
            return;
        }
    }
    o->env[o->nenv++] = kv;
}

static int parse_args(int argc, char **argv, run_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->file != NULL)
                return usage_error("unexpected argument '%s'", a);
            o->file = a;
            continue;
        }
        if (ol_cmd_is_help(a)) {
            fputs(ol_cmd_run_usage, stdout);
            return -1;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (i + 1 >= argc)
            return usage_error("option %s needs a value", a);
        const char *v = argv[++i];
        uint64_t n;
        if (strcmp(a, "--input") == 0) {
            o->input = v;
        } else if (strcmp(a, "--input-file") == 0) {
            o->input_file = v;
        } else if (strcmp(a, "--env") == 0) {
            const char *eq = strchr(v, '=');
            if (eq == NULL || eq == v) /* the value may be a secret: never echo it */
                return usage_error("--env expects KEY=VALUE with a non-empty KEY");
            env_put(o, v);
        } else if (strcmp(a, "--arg") == 0) {
            o->args[o->nargs++] = v;
        } else if (strcmp(a, "--max-instructions") == 0) {
            if (!parse_num(v, 1, UINT64_MAX, &n))
                return usage_error("--max-instructions: '%s' is not a number >= 1", v);
            o->cfg.max_instructions = n;
        } else if (strcmp(a, "--max-memory-mb") == 0) {
            if (!parse_num(v, 1, OL_WASI_MAX_MEMORY_MB, &n))
                return usage_error("--max-memory-mb: '%s' is not a number in 1..4096", v);
            o->cfg.max_memory_mb = (uint32_t)n;
        } else if (strcmp(a, "--timeout-ms") == 0) {
            if (!parse_num(v, 1, UINT32_MAX, &n))
                return usage_error("--timeout-ms: '%s' is not a number in 1..4294967295", v);
            o->cfg.timeout_ms = (uint32_t)n;
        } else if (strcmp(a, "--max-output-bytes") == 0) {
            if (!parse_num(v, 1, UINT32_MAX, &n))
                return usage_error("--max-output-bytes: '%s' is not a number in 1..4294967295", v);
            o->cfg.max_output_bytes = (size_t)n;
        } else if (strcmp(a, "--seed") == 0) {
            o->seed_hex = v;
        } else if (strcmp(a, "--record") == 0) {
            o->record = v;
        } else if (strcmp(a, "--replay") == 0) {
            o->replay = v;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (o->file == NULL)
        return usage_error("missing FILE.wasm");
    if (o->input != NULL && o->input_file != NULL)
        return usage_error("--input and --input-file exclude each other");
    int sources = (o->seed_hex != NULL) + (o->record != NULL) + (o->replay != NULL);
    if (sources > 1)
        return usage_error("--seed, --record and --replay exclude each other");
    return 0;
}

/* Reads at most `max` bytes of `path`; a larger file is an error. */
static bool read_bounded(const char *path, size_t max, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        ol_cmd_error("cannot open %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = false;
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        ol_cmd_error("cannot read %s: out of memory", path);
        goto out;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                ol_cmd_error("%s: larger than the limit of %zu bytes", path, max);
                goto out;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                ol_cmd_error("cannot read %s: out of memory", path);
                goto out;
            }
            buf = nb;
            cap *= 2;
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
    if (n > max) {
        ol_cmd_error("%s: larger than the limit of %zu bytes", path, max);
        goto out;
    }
    *data = buf;
    *len = n;
    buf = NULL;
    ok = true;
out:
    free(buf);
    fclose(f);
    return ok;
}

/* Writes the file next to its final name, then renames it: no partial transcript is left. */
static bool write_atomic(const char *path, const uint8_t *p, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (tmp == NULL) {
        ol_cmd_error("cannot write %s: out of memory", path);
        return false;
    }
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    bool ok = false;
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        ol_cmd_error("cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    bool wrote = (len == 0 || fwrite(p, 1, len, f) == len);
    if (fclose(f) != 0 || !wrote) {
        ol_cmd_error("cannot write %s: %s", tmp, strerror(errno));
        remove(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        ol_cmd_error("cannot rename %s to %s: %s", tmp, path, strerror(errno));
        remove(tmp);
        goto out;
    }
    ok = true;
out:
    free(tmp);
    return ok;
}

static bool parse_seed(const char *hex, uint8_t *seed, size_t *len)
{
    size_t n = strlen(hex);
    const char *end;
    if (n == 0 || n % 2 != 0 || n > 2 * OL_WASI_MAX_SEED)
        return false;
    return sodium_hex2bin(seed, OL_WASI_MAX_SEED, hex, n, NULL, len, &end) == 0 && *end == '\0' &&
           *len == n / 2;
}

/* ---- JSON ---- */

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static bool utf8_valid(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* A JSON string of possibly invalid UTF-8: each invalid byte becomes U+FFFD. */
static json_t *json_lossy(const uint8_t *p, size_t n)
{
    if (utf8_valid(p, n))
        return json_stringn((const char *)p, n);
    char *buf = malloc(n * 3 + 1);
    if (buf == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t s = utf8_seq(p + i, n - i);
        if (s == 0) {
            memcpy(buf + k, "\xef\xbf\xbd", 3);
            k += 3;
            i++;
        } else {
            memcpy(buf + k, p + i, s);
            k += s;
            i += s;
        }
    }
    json_t *j = json_stringn(buf, k);
    free(buf);
    return j;
}

static json_t *json_hex(const uint8_t h[32])
{
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h, 32);
    return json_string(hex);
}

static json_t *json_base64(const uint8_t *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b = malloc(cap);
    if (b == NULL)
        return NULL;
    sodium_bin2base64(b, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_string(b);
    free(b);
    return j;
}

static bool print_json(const ol_wasi_result *r)
{
    json_t *o = json_object();
    if (o == NULL)
        return false;
    bool exited = r->status == OL_WASI_OK || r->status == OL_WASI_EXIT;
    int e = 0;
    e |= json_object_set_new(o, "status", json_string(ol_wasi_status_name(r->status)));
    e |= json_object_set_new(o, "exit_code",
                             exited ? json_integer((json_int_t)r->exit_code) : json_null());
    if (utf8_valid(r->output, r->output_len))
        e |= json_object_set_new(o, "output", json_stringn((const char *)r->output, r->output_len));
    else
        e |= json_object_set_new(o, "output_base64", json_base64(r->output, r->output_len));
    e |= json_object_set_new(o, "stderr", json_lossy(r->err, r->err_len));
    e |= json_object_set_new(o, "error", r->error[0] != '\0' ? json_string(r->error) : json_null());
    e |= json_object_set_new(o, "instructions", json_integer((json_int_t)r->instructions));
    e |= json_object_set_new(o, "time_ms", json_integer((json_int_t)r->time_ms));
    e |= json_object_set_new(o, "wasm_sha256", json_hex(r->wasm_sha256));
    e |= json_object_set_new(o, "input_sha256", json_hex(r->input_sha256));
    e |= json_object_set_new(o, "output_sha256", json_hex(r->output_sha256));
    e |= json_object_set_new(o, "transcript_sha256", json_hex(r->transcript_sha256));
    bool ok = e == 0 && json_dumpf(o, stdout, JSON_COMPACT) == 0 && fputc('\n', stdout) != EOF;
    json_decref(o);
    return ok;
}

/* ---- the command ---- */

static int exit_status(const ol_wasi_result *r)
{
    switch (r->status) {
    case OL_WASI_OK:
        return OL_EXIT_OK;
    case OL_WASI_EXIT:
        return r->exit_code > 255 ? 255 : (int)r->exit_code;
    case OL_WASI_INVALID_MODULE:
        return OL_EXIT_FAIL;
    case OL_WASI_TRAP:
    case OL_WASI_OUT_OF_FUEL:
    case OL_WASI_TIMEOUT:
    case OL_WASI_MEMORY_LIMIT:
    case OL_WASI_OUTPUT_LIMIT:
        break;
    }
    return OL_EXIT_TRAP;
}

int ol_cmd_run(int argc, char **argv)
{
    run_opts o = {0};
    int status = OL_EXIT_FAIL;
    uint8_t *wasm = NULL, *input = NULL, *transcript = NULL;
    size_t wasm_len = 0, input_len = 0, transcript_len = 0;
    uint8_t seed[OL_WASI_MAX_SEED];
    ol_wasi_result *r = NULL;
    char *prog = NULL;

    /* Every option takes at most one slot of each list. */
    o.env = calloc((size_t)argc + 1, sizeof *o.env);
    o.args = calloc((size_t)argc + 2, sizeof *o.args);
    if (o.env == NULL || o.args == NULL) {
        ol_cmd_error("out of memory");
        goto out;
    }
    o.nargs = 1; /* argv[0], set below */
    int pr = parse_args(argc, argv, &o);
    if (pr != 0) {
        status = pr < 0 ? OL_EXIT_OK : pr;
        goto out;
    }
    if (o.seed_hex != NULL) {
        size_t seed_len = 0;
        if (!parse_seed(o.seed_hex, seed, &seed_len)) {
            status = usage_error("--seed: '%s' is not 2..128 hex digits", o.seed_hex);
            goto out;
        }
        o.cfg.source = OL_WASI_SOURCE_SEEDED;
        o.cfg.seed = seed;
        o.cfg.seed_len = seed_len;
    }

    if (!ol_cmd_read_file(o.file, &wasm, &wasm_len))
        goto out;
    if (o.input_file != NULL) {
        if (!ol_cmd_read_file(o.input_file, &input, &input_len))
            goto out;
        o.cfg.input = input;
        o.cfg.input_len = input_len;
    } else if (o.input != NULL) {
        o.cfg.input = (const uint8_t *)o.input;
        o.cfg.input_len = strlen(o.input);
    }
    if (o.replay != NULL) {
        if (!read_bounded(o.replay, RUN_MAX_TRANSCRIPT, &transcript, &transcript_len))
            goto out;
        o.cfg.source = OL_WASI_SOURCE_REPLAY;
        o.cfg.transcript = transcript;
        o.cfg.transcript_len = transcript_len;
    }
    o.cfg.record = o.record != NULL;

    /* argv[0] is the file's base name, as a shell would give a program. */
    const char *base = strrchr(o.file, '/');
    prog = strdup(base != NULL ? base + 1 : o.file);
    if (prog == NULL) {
        ol_cmd_error("out of memory");
        goto out;
    }
    o.args[0] = prog;
    o.cfg.args = o.args;
    o.cfg.nargs = o.nargs;
    o.cfg.env = o.env;
    o.cfg.nenv = o.nenv;

    if (sodium_init() < 0) {
        ol_cmd_error("libsodium could not be initialised");
        goto out;
    }
    ol_diag d = {0};
    ol_err rc = ol_wasi_run(wasm, wasm_len, &o.cfg, &r, &d);
    if (rc != OL_OK) {
        if (o.replay != NULL && (rc == OL_E_MALFORMED || rc == OL_E_LIMIT))
            ol_cmd_error("%s: %s", o.replay, d.msg);
        else
            ol_cmd_error("%s: %s: %s", o.file, ol_strerror(rc), d.msg);
        goto out;
    }
    if (o.record != NULL && !write_atomic(o.record, r->transcript, r->transcript_len))
        goto out;

    if (o.json) {
        if (!print_json(r)) {
            ol_cmd_error("cannot print the JSON result");
            goto out;
        }
    } else {
        if (r->output_len > 0)
            fwrite(r->output, 1, r->output_len, stdout);
        fflush(stdout);
        if (r->err_len > 0)
            fwrite(r->err, 1, r->err_len, stderr);
        if (r->status != OL_WASI_OK && r->status != OL_WASI_EXIT)
            ol_cmd_error("%s: %s", ol_wasi_status_name(r->status), r->error);
    }
    status = exit_status(r);
out:
    ol_wasi_result_free(r);
    free(prog);
    free(wasm);
    free(input);
    free(transcript);
    free(o.env);
    free(o.args);
    return status;
}
