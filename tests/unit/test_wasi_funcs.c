/* The preview1 handlers (src/wasi/wasi_funcs.c), called directly on a 64 KiB byte array that
 * stands in for guest memory: every function's behaviour, its argument-check order, its fuel
 * charges, and EFAULT for every kind of bad pointer. Nothing here instantiates a module; the
 * same functions are exercised through the engine in test_wasi_run.c. */
#include "test.h"

/* test.h comes first (cmocka needs the standard headers it pulls in); then the rest. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ol/wasi.h"
#include "wasi_int.h"

#define MEM_LEN 65536u
#define BAD     0xfffffff0u

typedef struct fx {
    ol_wasi_config cfg;
    ol__wasi_ctx ctx;
    uint8_t mem[MEM_LEN];
    ol__wasi_call call;
    bool no_memory;
} fx;

static fx F;

static void cfg_defaults(ol_wasi_config *cfg)
{
    cfg->max_instructions = OL_WASI_DEFAULT_MAX_INSTRUCTIONS;
    cfg->max_memory_mb = OL_WASI_DEFAULT_MAX_MEMORY_MB;
    cfg->timeout_ms = OL_WASI_DEFAULT_TIMEOUT_MS;
    cfg->max_output_bytes = OL_WASI_DEFAULT_MAX_OUTPUT;
    cfg->max_stderr_bytes = OL_WASI_DEFAULT_MAX_STDERR;
    cfg->max_transcript_bytes = OL_WASI_DEFAULT_MAX_TRANSCRIPT;
}

/* A context for `cfg` (fields left 0 get the defaults). */
static void fx_open(const ol_wasi_config *cfg)
{
    memset(&F, 0, sizeof F);
    if (cfg != NULL)
        F.cfg = *cfg;
    ol_wasi_config def = {0};
    cfg_defaults(&def);
    if (F.cfg.max_output_bytes == 0)
        F.cfg.max_output_bytes = def.max_output_bytes;
    if (F.cfg.max_stderr_bytes == 0)
        F.cfg.max_stderr_bytes = def.max_stderr_bytes;
    if (F.cfg.max_transcript_bytes == 0)
        F.cfg.max_transcript_bytes = def.max_transcript_bytes;
    ol_diag d = {0};
    assert_int_equal(ol__wasi_ctx_init(&F.ctx, &F.cfg, ol_allocator_default(), &d), OL_OK);
}

static void fx_close(void)
{
    ol__wasi_ctx_fini(&F.ctx);
}

static uint32_t do_call(const char *name, const uint64_t *args, size_t nargs)
{
    const ol__wasi_def *def = ol__wasi_find(name, strlen(name));
    assert_non_null(def);
    assert_int_equal(strlen(def->params), nargs);
    F.call = (ol__wasi_call){
        .ctx = &F.ctx, .mem = F.no_memory ? NULL : F.mem, .mem_len = F.no_memory ? 0 : MEM_LEN};
    return def->fn(&F.call, args);
}

#define CALL(name, ...)                            \
    do_call(name, (const uint64_t[]){__VA_ARGS__}, \
            sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))

static void wr32(uint32_t at, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        F.mem[at + i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint32_t at, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        F.mem[at + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t rd32(uint32_t at)
{
    return (uint32_t)F.mem[at] | (uint32_t)F.mem[at + 1] << 8 | (uint32_t)F.mem[at + 2] << 16 |
           (uint32_t)F.mem[at + 3] << 24;
}

static uint64_t rd64(uint32_t at)
{
    return (uint64_t)rd32(at) | (uint64_t)rd32(at + 4) << 32;
}

static uint16_t rd16(uint32_t at)
{
    return (uint16_t)(F.mem[at] | F.mem[at + 1] << 8);
}

/* An iovec at `at`. */
static void iov(uint32_t at, uint32_t buf, uint32_t len)
{
    wr32(at, buf);
    wr32(at + 4, len);
}

/* True when the whole memory still holds `byte` (nothing was written). */
static bool mem_all(uint8_t byte)
{
    for (size_t i = 0; i < MEM_LEN; i++) {
        if (F.mem[i] != byte)
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------------------------- */

/* The core signatures of every preview1 function (wasi-libc's api.h, witx e840fe4) plus
 * proc_raise: name, params ('i' i32, 'I' i64), results. */
static const struct {
    const char *name, *params, *results;
} expected_sigs[] = {
    {"args_get", "ii", "i"},
    {"args_sizes_get", "ii", "i"},
    {"environ_get", "ii", "i"},
    {"environ_sizes_get", "ii", "i"},
    {"clock_res_get", "ii", "i"},
    {"clock_time_get", "iIi", "i"},
    {"fd_advise", "iIIi", "i"},
    {"fd_allocate", "iII", "i"},
    {"fd_close", "i", "i"},
    {"fd_datasync", "i", "i"},
    {"fd_fdstat_get", "ii", "i"},
    {"fd_fdstat_set_flags", "ii", "i"},
    {"fd_fdstat_set_rights", "iII", "i"},
    {"fd_filestat_get", "ii", "i"},
    {"fd_filestat_set_size", "iI", "i"},
    {"fd_filestat_set_times", "iIIi", "i"},
    {"fd_pread", "iiiIi", "i"},
    {"fd_prestat_get", "ii", "i"},
    {"fd_prestat_dir_name", "iii", "i"},
    {"fd_pwrite", "iiiIi", "i"},
    {"fd_read", "iiii", "i"},
    {"fd_readdir", "iiiIi", "i"},
    {"fd_renumber", "ii", "i"},
    {"fd_seek", "iIii", "i"},
    {"fd_sync", "i", "i"},
    {"fd_tell", "ii", "i"},
    {"fd_write", "iiii", "i"},
    {"path_create_directory", "iii", "i"},
    {"path_filestat_get", "iiiii", "i"},
    {"path_filestat_set_times", "iiiiIIi", "i"},
    {"path_link", "iiiiiii", "i"},
    {"path_open", "iiiiiIIii", "i"},
    {"path_readlink", "iiiiii", "i"},
    {"path_remove_directory", "iii", "i"},
    {"path_rename", "iiiiii", "i"},
    {"path_symlink", "iiiii", "i"},
    {"path_unlink_file", "iii", "i"},
    {"poll_oneoff", "iiii", "i"},
    {"proc_exit", "i", ""},
    {"proc_raise", "i", "i"},
    {"random_get", "ii", "i"},
    {"sched_yield", "", "i"},
    {"sock_accept", "iii", "i"},
    {"sock_recv", "iiiiii", "i"},
    {"sock_send", "iiiii", "i"},
    {"sock_shutdown", "ii", "i"},
};

static void test_wasi_table_complete(void **state)
{
    (void)state;
    size_t n = sizeof expected_sigs / sizeof expected_sigs[0];
    assert_int_equal(ol_wasi_func_count(), n);
    assert_int_equal(ol__wasi_ndefs, n);
    for (size_t i = 0; i < n; i++) {
        const ol__wasi_def *d = ol__wasi_find(expected_sigs[i].name, strlen(expected_sigs[i].name));
        assert_non_null(d);
        assert_string_equal(d->params, expected_sigs[i].params);
        assert_string_equal(d->results, expected_sigs[i].results);
        assert_non_null(d->fn);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(ol_wasi_func_name(i), ol_wasi_func_name(j));
    }
    assert_null(ol_wasi_func_name(n));
    assert_null(ol__wasi_find("fd_frobnicate", 13));
    assert_null(ol__wasi_find("fd_write\0x", 10)); /* names compare with their length */
    assert_null(ol__wasi_find("fd_writ", 7));
}

/* ---------------------------------------------------------------------------------------------
 * args and environ
 * ------------------------------------------------------------------------------------------- */

static void test_wasi_args(void **state)
{
    (void)state;
    const char *argv[] = {"prog.wasm", "a b", ""};
    ol_wasi_config cfg = {.args = argv, .nargs = 3};
    fx_open(&cfg);
    assert_int_equal(CALL("args_sizes_get", 100, 104), 0);
    assert_int_equal(rd32(100), 3);
    assert_int_equal(rd32(104), 10 + 4 + 1);
    assert_int_equal(CALL("args_get", 200, 300), 0);
    assert_int_equal(rd32(200), 300);
    assert_int_equal(rd32(204), 310);
    assert_int_equal(rd32(208), 314);
    assert_memory_equal(F.mem + 300, "prog.wasm\0a b\0", 15);
    /* Exactly at the end of memory is fine; one byte further is EFAULT. */
    assert_int_equal(CALL("args_get", MEM_LEN - 12, MEM_LEN - 15), 0);
    memset(F.mem, 0xaa, MEM_LEN);
    assert_int_equal(CALL("args_get", MEM_LEN - 11, 300), OL__WASI_EFAULT);
    assert_int_equal(CALL("args_get", 200, MEM_LEN - 14), OL__WASI_EFAULT);
    assert_int_equal(CALL("args_get", BAD, 300), OL__WASI_EFAULT);
    assert_int_equal(CALL("args_sizes_get", MEM_LEN - 3, 0), OL__WASI_EFAULT);
    assert_int_equal(CALL("args_sizes_get", 0, BAD), OL__WASI_EFAULT);
    assert_true(mem_all(0xaa)); /* nothing written on failure */
    fx_close();
}

static void test_wasi_args_empty(void **state)
{
    (void)state;
    fx_open(NULL);
    assert_int_equal(CALL("args_sizes_get", 0, 4), 0);
    assert_int_equal(rd32(0), 0);
    assert_int_equal(rd32(4), 0);
    /* Zero-length ranges still have to start inside memory (at most at its end). */
    assert_int_equal(CALL("args_get", MEM_LEN, MEM_LEN), 0);
    assert_int_equal(CALL("args_get", MEM_LEN + 1, 0), OL__WASI_EFAULT);
    assert_int_equal(CALL("environ_get", 0, MEM_LEN + 1), OL__WASI_EFAULT);
    fx_close();
}

static void test_wasi_environ(void **state)
{
    (void)state;
    const char *env[] = {"A=1", "SECRET=s3cr=t", "EMPTY="};
    ol_wasi_config cfg = {.env = env, .nenv = 3};
    fx_open(&cfg);
    assert_int_equal(CALL("environ_sizes_get", 0, 4), 0);
    assert_int_equal(rd32(0), 3);
    assert_int_equal(rd32(4), 4 + 14 + 7);
    assert_int_equal(CALL("environ_get", 64, 1000), 0);
    assert_int_equal(rd32(64), 1000);
    assert_int_equal(rd32(68), 1004);
    assert_int_equal(rd32(72), 1018);
    assert_memory_equal(F.mem + 1000, "A=1\0SECRET=s3cr=t\0EMPTY=\0", 25);
    assert_int_equal(CALL("environ_get", BAD, 1000), OL__WASI_EFAULT);
    assert_int_equal(CALL("environ_sizes_get", BAD, 0), OL__WASI_EFAULT);
    /* 3 pointers (12 bytes) + 25 bytes = 37 < 64: no data charge */
    assert_int_equal(CALL("environ_get", 64, 1000), 0);
    assert_int_equal(F.call.charged, 0);
    fx_close();
}

static void test_wasi_env_rejected(void **state)
{
    (void)state;
    const char *bad1[] = {"NOEQUALS"};
    const char *bad2[] = {"=value-that-is-secret"};
    const char *const *cases[] = {bad1, bad2};
    for (int i = 0; i < 2; i++) {
        ol_wasi_config cfg = {.env = cases[i], .nenv = 1};
        cfg_defaults(&cfg);
        ol__wasi_ctx ctx;
        ol_diag d = {0};
        assert_int_equal(ol__wasi_ctx_init(&ctx, &cfg, NULL, &d), OL_E_INVAL);
        assert_non_null(strstr(d.msg, "entry 0"));
        assert_null(strstr(d.msg, "secret")); /* values never reach messages */
        assert_null(strstr(d.msg, "NOEQUALS"));
    }
}

/* ---------------------------------------------------------------------------------------------
 * Clocks and random
 * ------------------------------------------------------------------------------------------- */

static const uint8_t seed[] = {0x00, 0xff, 0x10};

static void test_wasi_clock_res(void **state)
{
    (void)state;
    fx_open(NULL);
    for (uint32_t id = 0; id < 4; id++) {
        wr64(8, 0);
        assert_int_equal(CALL("clock_res_get", id, 8), 0);
        assert_int_equal(rd64(8), 1);
    }
    assert_int_equal(CALL("clock_res_get", 4, 8), OL__WASI_EINVAL);
    assert_int_equal(CALL("clock_res_get", 0, MEM_LEN - 7), OL__WASI_EFAULT);
    assert_int_equal(CALL("clock_res_get", 99, BAD), OL__WASI_EFAULT); /* pointer first */
    assert_int_equal(F.ctx.src.entries, 0);                            /* not a reading */
    fx_close();
}

static void test_wasi_clock_seeded(void **state)
{
    (void)state;
    ol_wasi_config cfg = {.source = OL_WASI_SOURCE_SEEDED, .seed = seed, .seed_len = 3};
    fx_open(&cfg);
    const uint64_t step = OL_WASI_VCLOCK_STEP_NS, base = OL_WASI_VCLOCK_REALTIME_BASE_NS;
    assert_int_equal(CALL("clock_time_get", 1, 0, 8), 0);
    assert_int_equal(rd64(8), step);
    assert_int_equal(CALL("clock_time_get", 0, 1000, 8), 0);
    assert_int_equal(rd64(8), base + 2 * step);
    assert_int_equal(CALL("clock_time_get", 2, 0, 8), 0);
    assert_int_equal(rd64(8), 3 * step);
    assert_int_equal(CALL("clock_time_get", 3, 0, 8), 0);
    assert_int_equal(rd64(8), 4 * step);
    assert_int_equal(F.ctx.src.entries, 4);
    /* Errors consume nothing. */
    assert_int_equal(CALL("clock_time_get", 4, 0, 8), OL__WASI_EINVAL);
    assert_int_equal(CALL("clock_time_get", 1, 0, BAD), OL__WASI_EFAULT);
    assert_int_equal(CALL("clock_time_get", 1, 0, MEM_LEN - 4), OL__WASI_EFAULT);
    assert_int_equal(F.ctx.src.entries, 4);
    assert_int_equal(CALL("clock_time_get", 1, 0, 8), 0);
    assert_int_equal(rd64(8), 5 * step);
    fx_close();
}

static void test_wasi_clock_live(void **state)
{
    (void)state;
    fx_open(NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t before = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    assert_int_equal(CALL("clock_time_get", 0, 0, 8), 0);
    uint64_t rt = rd64(8);
    assert_true(rt >= before && rt - before < UINT64_C(5000000000));
    assert_int_equal(CALL("clock_time_get", 1, 0, 16), 0);
    assert_int_equal(CALL("clock_time_get", 1, 0, 24), 0);
    assert_true(rd64(24) >= rd64(16));
    assert_int_equal(CALL("clock_time_get", 2, 0, 16), 0);
    assert_int_equal(CALL("clock_time_get", 3, 0, 16), 0);
    assert_int_equal(F.ctx.src.entries, 5);
    fx_close();
}

/* The seeded stream is the ChaCha20 keystream under SHA-256(seed), whatever the call sizes. */
static void test_wasi_random_seeded_stream(void **state)
{
    (void)state;
    enum { TOTAL = 5 + 70 + 1 + 64 + 200 + 3 };
    uint8_t key[32], expect[TOTAL], zero[TOTAL] = {0}, nonce[8] = {0};
    crypto_hash_sha256(key, seed, sizeof seed);
    crypto_stream_chacha20_xor_ic(expect, zero, TOTAL, nonce, 0, key);

    ol_wasi_config cfg = {.source = OL_WASI_SOURCE_SEEDED, .seed = seed, .seed_len = 3};
    fx_open(&cfg);
    const uint32_t sizes[] = {5, 70, 1, 64, 200, 3};
    uint32_t at = 1024;
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(CALL("random_get", at, sizes[i]), 0);
        assert_int_equal(F.call.charged, sizes[i] / 64);
        at += sizes[i];
    }
    assert_memory_equal(F.mem + 1024, expect, TOTAL);
    assert_int_equal(F.ctx.src.entries, 6);
    fx_close();
}

static void test_wasi_random_errors(void **state)
{
    (void)state;
    fx_open(NULL);
    assert_int_equal(CALL("random_get", 0, 0), 0); /* nothing observed */
    assert_int_equal(CALL("random_get", MEM_LEN, 0), 0);
    assert_int_equal(F.ctx.src.entries, 0);
    assert_int_equal(CALL("random_get", MEM_LEN - 3, 4), OL__WASI_EFAULT);
    assert_int_equal(CALL("random_get", BAD, 32), OL__WASI_EFAULT);
    assert_int_equal(CALL("random_get", 0, BAD), OL__WASI_EFAULT);
    assert_int_equal(F.ctx.src.entries, 0);
    /* Live bytes: two 32-byte reads differ (fails with probability 2^-256). */
    assert_int_equal(CALL("random_get", 0, 32), 0);
    assert_int_equal(CALL("random_get", 32, 32), 0);
    assert_memory_not_equal(F.mem, F.mem + 32, 32);
    fx_close();
}

/* ---------------------------------------------------------------------------------------------
 * fd_write, fd_read
 * ------------------------------------------------------------------------------------------- */

static void test_wasi_fd_write(void **state)
{
    (void)state;
    fx_open(NULL);
    memcpy(F.mem + 1000, "hello, world", 12);
    iov(0, 1000, 5);
    iov(8, 1005, 0);
    iov(16, 1005, 7);
    assert_int_equal(CALL("fd_write", 1, 0, 3, 100), 0);
    assert_int_equal(rd32(100), 12);
    assert_int_equal(F.call.charged, 3); /* 1 per iovec, 12 bytes < 64 */
    assert_int_equal(CALL("fd_write", 2, 0, 1, 100), 0);
    assert_int_equal(F.ctx.out.len, 12);
    assert_memory_equal(F.ctx.out.p, "hello, world", 12);
    assert_int_equal(F.ctx.err.len, 5);
    assert_memory_equal(F.ctx.err.p, "hello", 5);
    /* Zero iovecs write nothing. */
    assert_int_equal(CALL("fd_write", 1, 0, 0, 100), 0);
    assert_int_equal(rd32(100), 0);

    /* Bad descriptors, then bad pointers: nothing written. */
    assert_int_equal(CALL("fd_write", 0, 0, 1, 100), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_write", 3, 0, 1, 100), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_write", BAD, BAD, 1, BAD), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_write", 1, 0, 1, MEM_LEN - 2), OL__WASI_EFAULT);
    assert_int_equal(CALL("fd_write", 1, MEM_LEN - 4, 1, 100), OL__WASI_EFAULT);
    assert_int_equal(CALL("fd_write", 1, 0, BAD, 100), OL__WASI_EFAULT);
    iov(24, MEM_LEN - 2, 3); /* second iovec overruns memory */
    assert_int_equal(CALL("fd_write", 1, 16, 2, 100), OL__WASI_EFAULT);
    iov(24, BAD, 1);
    assert_int_equal(CALL("fd_write", 1, 16, 2, 100), OL__WASI_EFAULT);
    assert_int_equal(F.ctx.out.len, 12);

    /* Data charge: 1 per 64 bytes. */
    iov(0, 0, 640);
    assert_int_equal(CALL("fd_write", 1, 0, 1, 100), 0);
    assert_int_equal(F.call.charged, 1 + 10);

    /* A closed stream is EBADF. */
    assert_int_equal(CALL("fd_close", 1), 0);
    iov(0, 1000, 5);
    assert_int_equal(CALL("fd_write", 1, 0, 1, 100), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_close", 1), OL__WASI_EBADF);
    fx_close();
}

static void test_wasi_fd_write_no_memory(void **state)
{
    (void)state;
    fx_open(NULL);
    F.no_memory = true;
    assert_int_equal(CALL("fd_write", 1, 0, 0, 0), OL__WASI_EFAULT);
    assert_int_equal(CALL("clock_time_get", 0, 0, 0), OL__WASI_EFAULT);
    assert_int_equal(CALL("random_get", 0, 0), OL__WASI_EFAULT);
    assert_int_equal(CALL("args_sizes_get", 0, 0), OL__WASI_EFAULT);
    assert_int_equal(CALL("fd_close", 2), 0); /* no pointers: works */
    assert_int_equal(CALL("fd_seek", 1, 0, 0, 0), OL__WASI_EFAULT);
    assert_int_equal(do_call("sched_yield", NULL, 0), 0);
    fx_close();
}

static void test_wasi_stdout_cap(void **state)
{
    (void)state;
    ol_wasi_config cfg = {.max_output_bytes = 10};
    fx_open(&cfg);
    memcpy(F.mem + 1000, "0123456789abcdef", 16);
    iov(0, 1000, 6);
    assert_int_equal(CALL("fd_write", 1, 0, 1, 100), 0);
    assert_int_equal(CALL("fd_write", 1, 0, 1, 100), OL__WASI_STOP);
    assert_int_equal(F.ctx.stop, OL__WASI_STOP_OUTPUT);
    assert_non_null(strstr(F.ctx.stop_msg, "10 bytes"));
    /* Exactly the cap is kept: the first 10 bytes written. */
    assert_int_equal(F.ctx.out.len, 10);
    assert_memory_equal(F.ctx.out.p, "0123450123", 10);
    fx_close();
}

static void test_wasi_stderr_cap(void **state)
{
    (void)state;
    ol_wasi_config cfg = {.max_stderr_bytes = 10};
    fx_open(&cfg);
    memcpy(F.mem + 1000, "0123456789abcdef", 16);
    iov(0, 1000, 6);
    iov(8, 1006, 10);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(CALL("fd_write", 2, 0, 2, 100), 0);
        assert_int_equal(rd32(100), 16); /* the guest sees everything written */
    }
    assert_int_equal(F.ctx.stop, OL__WASI_RUNNING);
    assert_int_equal(F.ctx.err.len, 10);
    assert_memory_equal(F.ctx.err.p, "0123456789", 10);
    assert_int_equal(F.ctx.err_dropped, 48 - 10);
    fx_close();
}

static void test_wasi_fd_read(void **state)
{
    (void)state;
    const char *in = "the quick brown fox";
    ol_wasi_config cfg = {.input = (const uint8_t *)in, .input_len = strlen(in)};
    fx_open(&cfg);
    iov(0, 1000, 4);
    iov(8, 2000, 6);
    assert_int_equal(CALL("fd_read", 0, 0, 2, 100), 0);
    assert_int_equal(rd32(100), 10);
    assert_memory_equal(F.mem + 1000, "the ", 4);
    assert_memory_equal(F.mem + 2000, "quick ", 6);
    assert_int_equal(F.call.charged, 2);
    iov(0, 3000, 100);
    assert_int_equal(CALL("fd_read", 0, 0, 1, 100), 0);
    assert_int_equal(rd32(100), 9);
    assert_memory_equal(F.mem + 3000, "brown fox", 9);
    assert_int_equal(CALL("fd_read", 0, 0, 1, 100), 0); /* end of input */
    assert_int_equal(rd32(100), 0);

    assert_int_equal(CALL("fd_read", 1, 0, 1, 100), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_read", 2, 0, 1, 100), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_read", 7, 0, 1, 100), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_read", 0, BAD, 1, 100), OL__WASI_EFAULT);
    assert_int_equal(CALL("fd_read", 0, 0, 1, BAD), OL__WASI_EFAULT);
    iov(0, MEM_LEN - 10, 11);
    assert_int_equal(CALL("fd_read", 0, 0, 1, 100), OL__WASI_EFAULT);
    fx_close();
}

static void test_wasi_fd_read_charge(void **state)
{
    (void)state;
    static uint8_t in[1000];
    ol_wasi_config cfg = {.input = in, .input_len = sizeof in};
    fx_open(&cfg);
    iov(0, 0, 60000);
    /* The data charge counts the bytes actually moved: 1000 / 64 = 15. */
    assert_int_equal(CALL("fd_read", 0, 0, 1, 60000), 0);
    assert_int_equal(F.call.charged, 1 + 15);
    fx_close();
}

/* ---------------------------------------------------------------------------------------------
 * Descriptor state
 * ------------------------------------------------------------------------------------------- */

static void test_wasi_fdstat(void **state)
{
    (void)state;
    fx_open(NULL);
    memset(F.mem, 0xcc, 64);
    assert_int_equal(CALL("fd_fdstat_get", 1, 8), 0);
    assert_int_equal(F.mem[8], OL__WASI_FILETYPE_UNKNOWN);
    assert_int_equal(rd16(10), 0);
    uint64_t rights = rd64(16);
    assert_true(rights & OL__WASI_RIGHT_FD_WRITE);
    assert_false(rights & OL__WASI_RIGHT_FD_READ);
    assert_false(rights & (UINT64_C(1) << 2)); /* no FD_SEEK: isatty-style checks see a pipe */
    assert_int_equal(rd64(24), 0);
    assert_int_equal(CALL("fd_fdstat_get", 0, 8), 0);
    assert_true(rd64(16) & OL__WASI_RIGHT_FD_READ);

    assert_int_equal(CALL("fd_fdstat_get", 3, 8), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_fdstat_get", 1, MEM_LEN - 23), OL__WASI_EFAULT);
    assert_int_equal(CALL("fd_fdstat_get", 3, BAD), OL__WASI_EBADF); /* descriptor first */

    /* set_flags: APPEND and NONBLOCK are kept, the sync flags are unsupported. */
    assert_int_equal(CALL("fd_fdstat_set_flags", 1, 1), 0);
    assert_int_equal(CALL("fd_fdstat_get", 1, 8), 0);
    assert_int_equal(rd16(10), 1);
    assert_int_equal(CALL("fd_fdstat_set_flags", 1, 5), 0);
    assert_int_equal(CALL("fd_fdstat_set_flags", 1, 2), OL__WASI_ENOTSUP);
    assert_int_equal(CALL("fd_fdstat_set_flags", 1, 16), OL__WASI_ENOTSUP);
    assert_int_equal(CALL("fd_fdstat_set_flags", 9, 0), OL__WASI_EBADF);

    /* set_rights: rights can be dropped, never added. */
    assert_int_equal(CALL("fd_fdstat_set_rights", 1, rights | OL__WASI_RIGHT_FD_READ, 0),
                     OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_fdstat_set_rights", 1, rights, 1), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_fdstat_set_rights", 9, 0, 0), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_fdstat_set_rights", 1, rights & ~OL__WASI_RIGHT_FD_WRITE, 0), 0);
    iov(0, 100, 1);
    assert_int_equal(CALL("fd_write", 1, 0, 1, 40), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_fdstat_set_rights", 0, 0, 0), 0);
    assert_int_equal(CALL("fd_read", 0, 0, 1, 40), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_fdstat_set_flags", 0, 0), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_filestat_get", 0, 100), OL__WASI_ENOTCAPABLE);
    fx_close();
}

static void test_wasi_filestat(void **state)
{
    (void)state;
    fx_open(NULL);
    memset(F.mem, 0xcc, 200);
    assert_int_equal(CALL("fd_filestat_get", 2, 64), 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(F.mem[64 + i], 0); /* zero sizes and times, filetype unknown */
    assert_int_equal(F.mem[63], 0xcc);
    assert_int_equal(F.mem[128], 0xcc);
    assert_int_equal(CALL("fd_filestat_get", 5, 64), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_filestat_get", 2, MEM_LEN - 63), OL__WASI_EFAULT);
    fx_close();
}

static void test_wasi_seek_tell(void **state)
{
    (void)state;
    fx_open(NULL);
    for (uint32_t fd = 0; fd < 3; fd++) {
        assert_int_equal(CALL("fd_seek", fd, 0, 0, 8), OL__WASI_ESPIPE);
        assert_int_equal(CALL("fd_seek", fd, 5, 1, 8), OL__WASI_ESPIPE);
        assert_int_equal(CALL("fd_tell", fd, 8), OL__WASI_ESPIPE);
        assert_int_equal(CALL("fd_seek", fd, 0, 0, MEM_LEN - 7), OL__WASI_EFAULT);
        assert_int_equal(CALL("fd_tell", fd, BAD), OL__WASI_EFAULT);
    }
    assert_int_equal(CALL("fd_seek", 3, 0, 0, 8), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_tell", 3, 8), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_pread", 0, 0, 0, 0, 8), OL__WASI_ESPIPE);
    assert_int_equal(CALL("fd_pwrite", 1, 0, 0, 0, 8), OL__WASI_ESPIPE);
    assert_int_equal(CALL("fd_pwrite", 1, BAD, 1, 0, 8), OL__WASI_EFAULT);
    assert_int_equal(CALL("fd_pread", 0, 0, 0, 0, BAD), OL__WASI_EFAULT);
    assert_int_equal(CALL("fd_pread", 4, 0, 0, 0, 8), OL__WASI_EBADF);
    fx_close();
}

static void test_wasi_prestat(void **state)
{
    (void)state;
    fx_open(NULL);
    for (uint32_t fd = 0; fd < 8; fd++) {
        assert_int_equal(CALL("fd_prestat_get", fd, 8), OL__WASI_EBADF);
        assert_int_equal(CALL("fd_prestat_dir_name", fd, 8, 16), OL__WASI_EBADF);
    }
    assert_int_equal(CALL("fd_prestat_get", 3, BAD), OL__WASI_EBADF);
    fx_close();
}

/* Every function a sandbox without a filesystem and sockets refuses: EBADF for a descriptor
 * that is not open, otherwise the errno listed. */
static void test_wasi_sandbox_refusals(void **state)
{
    (void)state;
    fx_open(NULL);
    assert_int_equal(CALL("fd_advise", 1, 0, 0, 0), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_allocate", 1, 0, 10), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_datasync", 1), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_sync", 2), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_filestat_set_size", 1, 0), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_filestat_set_times", 1, 0, 0, 0), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_readdir", 0, 100, 10, 0, 8), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_readdir", 0, BAD, 10, 0, 8), OL__WASI_EFAULT);
    assert_int_equal(CALL("fd_renumber", 1, 2), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("fd_renumber", 1, 3), OL__WASI_EBADF);
    assert_int_equal(CALL("fd_renumber", 3, 1), OL__WASI_EBADF);
    for (uint32_t fd = 3; fd < 6; fd++) {
        assert_int_equal(CALL("fd_advise", fd, 0, 0, 0), OL__WASI_EBADF);
        assert_int_equal(CALL("fd_allocate", fd, 0, 10), OL__WASI_EBADF);
        assert_int_equal(CALL("fd_datasync", fd), OL__WASI_EBADF);
        assert_int_equal(CALL("fd_sync", fd), OL__WASI_EBADF);
        assert_int_equal(CALL("fd_filestat_set_size", fd, 0), OL__WASI_EBADF);
        assert_int_equal(CALL("fd_filestat_set_times", fd, 0, 0, 0), OL__WASI_EBADF);
        assert_int_equal(CALL("fd_readdir", fd, 100, 10, 0, 8), OL__WASI_EBADF);
    }
    /* Paths: fd 3 is where a preopen would be; there is none. */
    assert_int_equal(CALL("path_open", 3, 0, 100, 4, 0, 0, 0, 0, 200), OL__WASI_EBADF);
    assert_int_equal(CALL("path_open", 1, 0, 100, 4, 0, 0, 0, 0, 200), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("path_create_directory", 3, 100, 4), OL__WASI_EBADF);
    assert_int_equal(CALL("path_create_directory", 0, 100, 4), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("path_filestat_get", 3, 0, 100, 4, 200), OL__WASI_EBADF);
    assert_int_equal(CALL("path_filestat_set_times", 2, 0, 100, 4, 0, 0, 0), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("path_link", 1, 0, 100, 2, 2, 100, 4), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("path_link", 1, 0, 100, 2, 3, 100, 4), OL__WASI_EBADF);
    assert_int_equal(CALL("path_readlink", 3, 100, 4, 200, 10, 300), OL__WASI_EBADF);
    assert_int_equal(CALL("path_remove_directory", 1, 100, 4), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("path_rename", 1, 100, 4, 2, 100, 4), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("path_rename", 1, 100, 4, 7, 100, 4), OL__WASI_EBADF);
    assert_int_equal(CALL("path_symlink", 100, 4, 1, 100, 4), OL__WASI_ENOTCAPABLE);
    assert_int_equal(CALL("path_symlink", 100, 4, 3, 100, 4), OL__WASI_EBADF);
    assert_int_equal(CALL("path_unlink_file", 3, 100, 4), OL__WASI_EBADF);
    /* Sockets. */
    assert_int_equal(CALL("sock_accept", 1, 0, 8), OL__WASI_ENOTSOCK);
    assert_int_equal(CALL("sock_accept", 3, 0, 8), OL__WASI_EBADF);
    assert_int_equal(CALL("sock_recv", 0, 0, 1, 0, 8, 12), OL__WASI_ENOTSOCK);
    assert_int_equal(CALL("sock_send", 1, 0, 1, 0, 8), OL__WASI_ENOTSOCK);
    assert_int_equal(CALL("sock_shutdown", 2, 3), OL__WASI_ENOTSOCK);
    assert_int_equal(CALL("sock_shutdown", 4, 3), OL__WASI_EBADF);
    /* Process. */
    assert_int_equal(CALL("proc_raise", 9), OL__WASI_ENOSYS);
    assert_int_equal(do_call("sched_yield", NULL, 0), 0);
    assert_int_equal(F.ctx.stop, OL__WASI_RUNNING);
    fx_close();
}

static void test_wasi_proc_exit(void **state)
{
    (void)state;
    fx_open(NULL);
    assert_int_equal(CALL("proc_exit", 0xfffffffeu), OL__WASI_STOP);
    assert_int_equal(F.ctx.stop, OL__WASI_STOP_EXIT);
    assert_int_equal(F.ctx.exit_code, 0xfffffffeu);
    fx_close();
}

/* ---------------------------------------------------------------------------------------------
 * poll_oneoff
 * ------------------------------------------------------------------------------------------- */

enum { SUBS = 1024, EVS = 4096, NEV = 60000 };

static void sub_clock(uint32_t i, uint64_t userdata, uint32_t id, uint64_t timeout, bool abs)
{
    uint32_t s = SUBS + 48 * i;
    memset(F.mem + s, 0, 48);
    wr64(s, userdata);
    F.mem[s + 8] = 0;
    wr32(s + 16, id);
    wr64(s + 24, timeout);
    F.mem[s + 40] = abs ? 1 : 0;
}

static void sub_fd(uint32_t i, uint64_t userdata, uint8_t type, uint32_t fd)
{
    uint32_t s = SUBS + 48 * i;
    memset(F.mem + s, 0, 48);
    wr64(s, userdata);
    F.mem[s + 8] = type;
    wr32(s + 16, fd);
}

static void check_event(uint32_t i, uint64_t userdata, uint16_t err, uint8_t type, uint64_t nbytes,
                        uint16_t flags)
{
    uint32_t e = EVS + 32 * i;
    assert_int_equal(rd64(e), userdata);
    assert_int_equal(rd16(e + 8), err);
    assert_int_equal(F.mem[e + 10], type);
    assert_int_equal(rd64(e + 16), nbytes);
    assert_int_equal(rd16(e + 24), flags);
}

static void test_wasi_poll_clock_seeded(void **state)
{
    (void)state;
    ol_wasi_config cfg = {.source = OL_WASI_SOURCE_SEEDED, .seed = seed, .seed_len = 3};
    fx_open(&cfg);
    /* Two relative clocks: only the earlier fires, and the virtual clock advances by it. */
    sub_clock(0, 11, 1, 5000000, false);
    sub_clock(1, 22, 1, 2000000, false);
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 2, NEV), 0);
    assert_int_equal(rd32(NEV), 1);
    check_event(0, 22, 0, 0, 0, 0);
    assert_int_equal(F.call.charged, 2);
    assert_int_equal(F.ctx.src.entries, 0); /* relative timeouts read no clock */
    assert_int_equal(CALL("clock_time_get", 1, 0, 8), 0);
    assert_int_equal(rd64(8), 2000000 + OL_WASI_VCLOCK_STEP_NS);

    /* An absolute timeout reads the clock once (a recorded value) and sleeps the difference. */
    uint64_t now = rd64(8);
    sub_clock(0, 33, 1, now + OL_WASI_VCLOCK_STEP_NS + 7000000, true);
    sub_clock(1, 44, 4, 0, false); /* unknown clock: an EINVAL event, ready at once */
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 2, NEV), 0);
    assert_int_equal(rd32(NEV), 1);
    check_event(0, 44, OL__WASI_EINVAL, 0, 0, 0);
    assert_int_equal(F.ctx.src.entries, 2);
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 1, NEV), 0);
    assert_int_equal(rd32(NEV), 1);
    check_event(0, 33, 0, 0, 0, 0);
    assert_int_equal(CALL("clock_time_get", 1, 0, 8), 0);
    /* read at now+step, slept 7 ms, read again: now + step + 7 ms + step */
    assert_int_equal(rd64(8), now + 2 * OL_WASI_VCLOCK_STEP_NS + 7000000);

    /* An absolute time already passed fires at once. */
    sub_clock(0, 55, 0, 1, true);
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 1, NEV), 0);
    assert_int_equal(rd32(NEV), 1);
    check_event(0, 55, 0, 0, 0, 0);
    fx_close();
}

static void test_wasi_poll_fds(void **state)
{
    (void)state;
    const char *in = "abc";
    ol_wasi_config cfg = {.input = (const uint8_t *)in, .input_len = 3, .max_output_bytes = 100};
    fx_open(&cfg);
    sub_clock(0, 1, 1, UINT64_C(1000000000000), false); /* would be 1000 s: does not fire */
    sub_fd(1, 2, 1, 0);                                 /* stdin readable, 3 bytes */
    sub_fd(2, 3, 2, 1);                                 /* stdout writable, 100 bytes */
    sub_fd(3, 4, 1, 1);                                 /* reading stdout: EBADF */
    sub_fd(4, 5, 2, 9);                                 /* fd 9: EBADF */
    sub_clock(5, 6, 0, 0, false);                       /* timeout 0: fires now */
    sub_fd(6, 7, 9, 0);                                 /* unknown tag: EINVAL */
    uint64_t t0 = (uint64_t)time(NULL);
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 7, NEV), 0);
    assert_true((uint64_t)time(NULL) - t0 < 5); /* did not sleep */
    assert_int_equal(rd32(NEV), 6);
    check_event(0, 2, 0, 1, 3, 0);
    check_event(1, 3, 0, 2, 100, 0);
    check_event(2, 4, OL__WASI_EBADF, 1, 0, 0);
    check_event(3, 5, OL__WASI_EBADF, 2, 0, 0);
    check_event(4, 6, 0, 0, 0, 0);
    check_event(5, 7, OL__WASI_EINVAL, 9, 0, 0);
    /* At the end of the input a read subscription reports hang-up. */
    iov(0, 100, 10);
    assert_int_equal(CALL("fd_read", 0, 0, 1, 8), 0);
    sub_fd(0, 8, 1, 0);
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 1, NEV), 0);
    check_event(0, 8, 0, 1, 0, 1);
    fx_close();
}

static void test_wasi_poll_errors(void **state)
{
    (void)state;
    fx_open(NULL);
    memset(F.mem + EVS, 0xee, 64);
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 0, NEV), OL__WASI_EINVAL);
    assert_int_equal(CALL("poll_oneoff", BAD, EVS, 1, NEV), OL__WASI_EFAULT);
    assert_int_equal(CALL("poll_oneoff", SUBS, BAD, 1, NEV), OL__WASI_EFAULT);
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 1, BAD), OL__WASI_EFAULT);
    assert_int_equal(CALL("poll_oneoff", MEM_LEN - 47, EVS, 1, NEV), OL__WASI_EFAULT);
    assert_int_equal(CALL("poll_oneoff", SUBS, MEM_LEN - 31, 1, NEV), OL__WASI_EFAULT);
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 2000, NEV), OL__WASI_EFAULT);
    assert_int_equal(F.mem[EVS], 0xee);
    fx_close();
}

static void test_wasi_poll_live_sleeps(void **state)
{
    (void)state;
    fx_open(NULL);
    struct timespec a, b;
    sub_clock(0, 9, 1, 20000000, false); /* 20 ms */
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(CALL("poll_oneoff", SUBS, EVS, 1, NEV), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    int64_t ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    assert_true(ms >= 19 && ms < 5000);
    check_event(0, 9, 0, 0, 0, 0);
    fx_close();
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wasi_table_complete),
        cmocka_unit_test(test_wasi_args),
        cmocka_unit_test(test_wasi_args_empty),
        cmocka_unit_test(test_wasi_environ),
        cmocka_unit_test(test_wasi_env_rejected),
        cmocka_unit_test(test_wasi_clock_res),
        cmocka_unit_test(test_wasi_clock_seeded),
        cmocka_unit_test(test_wasi_clock_live),
        cmocka_unit_test(test_wasi_random_seeded_stream),
        cmocka_unit_test(test_wasi_random_errors),
        cmocka_unit_test(test_wasi_fd_write),
        cmocka_unit_test(test_wasi_fd_write_no_memory),
        cmocka_unit_test(test_wasi_stdout_cap),
        cmocka_unit_test(test_wasi_stderr_cap),
        cmocka_unit_test(test_wasi_fd_read),
        cmocka_unit_test(test_wasi_fd_read_charge),
        cmocka_unit_test(test_wasi_fdstat),
        cmocka_unit_test(test_wasi_filestat),
        cmocka_unit_test(test_wasi_seek_tell),
        cmocka_unit_test(test_wasi_prestat),
        cmocka_unit_test(test_wasi_sandbox_refusals),
        cmocka_unit_test(test_wasi_proc_exit),
        cmocka_unit_test(test_wasi_poll_clock_seeded),
        cmocka_unit_test(test_wasi_poll_fds),
        cmocka_unit_test(test_wasi_poll_errors),
        cmocka_unit_test(test_wasi_poll_live_sleeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
