/* The wasi_snapshot_preview1 functions, one handler each, and the table that names them.
 *
 * Every handler checks its arguments in the order documented in ol/wasi.h — descriptor
 * (EBADF), then every guest pointer (EFAULT), then values — and writes or consumes nothing
 * before all checks pass. Guest addresses are 32-bit; every range check is done in 64-bit
 * arithmetic against the memory's length at the time of the call. Multi-byte values in guest
 * memory are little-endian, written byte by byte. */
#include <string.h>

#include "wasi_int.h"

/* ---------------------------------------------------------------------------------------------
 * Guest memory and arguments
 * ------------------------------------------------------------------------------------------- */

static uint32_t a32(const uint64_t *args, unsigned i)
{
    return (uint32_t)args[i];
}

/* [ptr, ptr + len) lies inside the memory. */
static bool ok_range(const ol__wasi_call *c, uint64_t ptr, uint64_t len)
{
    return c->mem != NULL && ptr <= c->mem_len && len <= c->mem_len - ptr;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

bool ol__wasi_charge(ol__wasi_call *c, uint64_t n)
{
    if (n == 0)
        return true;
    if (c->caller != NULL && ol_wasm_caller_consume_fuel(c->caller, n) != OL_OK) {
        c->out_of_fuel = true;
        return false;
    }
    c->charged += n;
    return true;
}

static uint32_t stop(ol__wasi_call *c, ol__wasi_stop_kind kind, const char *msg)
{
    ol__wasi_ctx *ctx = c->ctx;
    ctx->stop = kind;
    snprintf(ctx->stop_msg, sizeof ctx->stop_msg, "%s", msg);
    return OL__WASI_STOP;
}

/* Turns a source failure into a stop (DIVERGED, LIMIT) or a host failure (NOMEM). */
static uint32_t src_failed(ol__wasi_call *c, ol__wasi_src_rc rc)
{
    ol__wasi_ctx *ctx = c->ctx;
    switch (rc) {
    case OL__WASI_SRC_DIVERGED:
        return stop(c, OL__WASI_STOP_DIVERGED, ctx->src.msg);
    case OL__WASI_SRC_LIMIT:
        return stop(c, OL__WASI_STOP_TRANSCRIPT, ctx->src.msg);
    case OL__WASI_SRC_NOMEM:
    case OL__WASI_SRC_OK:
        break;
    }
    return stop(c, OL__WASI_STOP_HOST, "host out of memory recording the transcript");
}

/* The open descriptor fd, or NULL. */
static ol__wasi_fd *fd_get(ol__wasi_call *c, uint32_t fd)
{
    if (fd >= OL__WASI_NSTD || !c->ctx->fds[fd].open)
        return NULL;
    return &c->ctx->fds[fd];
}

/* ---------------------------------------------------------------------------------------------
 * args and environment
 * ------------------------------------------------------------------------------------------- */

static uint32_t strs_sizes(ol__wasi_call *c, const ol__wasi_strs *s, const uint64_t *args)
{
    uint32_t count_ptr = a32(args, 0), size_ptr = a32(args, 1);
    if (!ok_range(c, count_ptr, 4) || !ok_range(c, size_ptr, 4))
        return OL__WASI_EFAULT;
    put32(c->mem + count_ptr, s->n);
    put32(c->mem + size_ptr, (uint32_t)s->len);
    return OL__WASI_ESUCCESS;
}

static uint32_t strs_get(ol__wasi_call *c, const ol__wasi_strs *s, const uint64_t *args)
{
    uint32_t vec_ptr = a32(args, 0), buf_ptr = a32(args, 1);
    if (!ok_range(c, vec_ptr, (uint64_t)s->n * 4) || !ok_range(c, buf_ptr, s->len))
        return OL__WASI_EFAULT;
    if (!ol__wasi_charge(c, ((uint64_t)s->n * 4 + s->len) / 64))
        return OL__WASI_STOP;
    size_t off = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        put32(c->mem + vec_ptr + 4 * (uint64_t)i, buf_ptr + (uint32_t)off);
        off += strlen((const char *)s->buf + off) + 1;
    }
    if (s->len > 0)
        memmove(c->mem + buf_ptr, s->buf, s->len);
    return OL__WASI_ESUCCESS;
}

static uint32_t h_args_get(ol__wasi_call *c, const uint64_t *args)
{
    return strs_get(c, &c->ctx->args, args);
}

static uint32_t h_args_sizes_get(ol__wasi_call *c, const uint64_t *args)
{
    return strs_sizes(c, &c->ctx->args, args);
}

static uint32_t h_environ_get(ol__wasi_call *c, const uint64_t *args)
{
    return strs_get(c, &c->ctx->env, args);
}

static uint32_t h_environ_sizes_get(ol__wasi_call *c, const uint64_t *args)
{
    return strs_sizes(c, &c->ctx->env, args);
}

/* ---------------------------------------------------------------------------------------------
 * Clocks and randomness
 * ------------------------------------------------------------------------------------------- */

static uint32_t h_clock_res_get(ol__wasi_call *c, const uint64_t *args)
{
    uint32_t id = a32(args, 0), ptr = a32(args, 1);
    if (!ok_range(c, ptr, 8))
        return OL__WASI_EFAULT;
    if (id >= OL__WASI_NCLOCKS)
        return OL__WASI_EINVAL;
    put64(c->mem + ptr, 1);
    return OL__WASI_ESUCCESS;
}

static uint32_t h_clock_time_get(ol__wasi_call *c, const uint64_t *args)
{
    uint32_t id = a32(args, 0), ptr = a32(args, 2); /* args[1]: precision, ignored */
    if (!ok_range(c, ptr, 8))
        return OL__WASI_EFAULT;
    if (id >= OL__WASI_NCLOCKS)
        return OL__WASI_EINVAL;
    uint64_t ns;
    ol__wasi_src_rc rc = ol__wasi_src_clock(&c->ctx->src, id, &ns);
    if (rc != OL__WASI_SRC_OK)
        return src_failed(c, rc);
    put64(c->mem + ptr, ns);
    return OL__WASI_ESUCCESS;
}

static uint32_t h_random_get(ol__wasi_call *c, const uint64_t *args)
{
    uint32_t ptr = a32(args, 0), len = a32(args, 1);
    if (!ok_range(c, ptr, len))
        return OL__WASI_EFAULT;
    if (len == 0)
        return OL__WASI_ESUCCESS; /* nothing observed, nothing recorded */
    if (!ol__wasi_charge(c, len / 64))
        return OL__WASI_STOP;
    ol__wasi_src_rc rc = ol__wasi_src_random(&c->ctx->src, c->mem + ptr, len);
    if (rc != OL__WASI_SRC_OK)
        return src_failed(c, rc);
    return OL__WASI_ESUCCESS;
}

/* ---------------------------------------------------------------------------------------------
 * Reading and writing the standard streams
 * ------------------------------------------------------------------------------------------- */

/* Checks an iovec array and every buffer it names; sets *total to the sum of the lengths. */
static bool check_iovs(const ol__wasi_call *c, uint32_t iovs, uint32_t n, uint64_t *total)
{
    if (!ok_range(c, iovs, (uint64_t)n * 8))
        return false;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *v = c->mem + iovs + 8 * (uint64_t)i;
        uint32_t buf = get32(v), len = get32(v + 4);
        if (!ok_range(c, buf, len))
            return false;
        sum += len; /* at most 2^32 iovecs of < 2^32 bytes: no overflow */
    }
    *total = sum;
    return true;
}

static uint32_t h_fd_write(ol__wasi_call *c, const uint64_t *args)
{
    uint32_t fdn = a32(args, 0), iovs = a32(args, 1), n = a32(args, 2), res = a32(args, 3);
    ol__wasi_ctx *ctx = c->ctx;
    ol__wasi_fd *fd = fd_get(c, fdn);
    uint64_t total;
    if (fd == NULL || fdn == 0)
        return OL__WASI_EBADF;
    if (!ok_range(c, res, 4) || !check_iovs(c, iovs, n, &total))
        return OL__WASI_EFAULT;
    if (!(fd->rights & OL__WASI_RIGHT_FD_WRITE))
        return OL__WASI_ENOTCAPABLE;
    if (!ol__wasi_charge(c, n + total / 64))
        return OL__WASI_STOP;
    bool is_out = fdn == 1;
    ol__wasi_buf *b = is_out ? &ctx->out : &ctx->err;
    size_t max = is_out ? ctx->out_max : ctx->err_max;
    uint64_t room = max - b->len;
    uint64_t take_all = total < room ? total : room;
    uint64_t left = take_all;
    /* The iovecs are read again here: an earlier buffer never overlaps what we write (we only
     * read guest memory), so they are exactly the ones just checked. */
    for (uint32_t i = 0; i < n && left > 0; i++) {
        const uint8_t *v = c->mem + iovs + 8 * (uint64_t)i;
        uint32_t buf = get32(v), len = get32(v + 4);
        size_t k = (size_t)(len < left ? len : left);
        if (ol__wasi_buf_append(b, ctx->alloc, c->mem + buf, k, max) != OL_OK)
            return stop(c, OL__WASI_STOP_HOST, "host out of memory buffering the output");
        left -= k;
    }
    if (total > room) {
        if (is_out) {
            char msg[96];
            snprintf(msg, sizeof msg, "stdout exceeded the limit of %zu bytes", ctx->out_max);
            return stop(c, OL__WASI_STOP_OUTPUT, msg);
        }
        ctx->err_dropped += total - room;
    }
    /* POSIX caps a write at SSIZE_MAX; WASI's size is 32-bit. A guest writing 4 GiB in one call
     * would need 4 GiB of memory, which the limits exclude, so total fits. */
    put32(c->mem + res, (uint32_t)total);
    return OL__WASI_ESUCCESS;
}

static uint32_t h_fd_read(ol__wasi_call *c, const uint64_t *args)
{
    uint32_t fdn = a32(args, 0), iovs = a32(args, 1), n = a32(args, 2), res = a32(args, 3);
    ol__wasi_ctx *ctx = c->ctx;
    ol__wasi_fd *fd = fd_get(c, fdn);
    uint64_t total;
    if (fd == NULL || fdn != 0)
        return OL__WASI_EBADF;
    if (!ok_range(c, res, 4) || !check_iovs(c, iovs, n, &total))
        return OL__WASI_EFAULT;
    if (!(fd->rights & OL__WASI_RIGHT_FD_READ))
        return OL__WASI_ENOTCAPABLE;
    uint64_t avail = ctx->input_len - ctx->input_pos;
    if (!ol__wasi_charge(c, n + (total < avail ? total : avail) / 64))
        return OL__WASI_STOP;
    uint64_t got = 0;
    for (uint32_t i = 0; i < n && ctx->input_pos < ctx->input_len; i++) {
        /* Data copied into an earlier buffer may overwrite later iovecs: check each again. */
        const uint8_t *v = c->mem + iovs + 8 * (uint64_t)i;
        uint32_t buf = get32(v), len = get32(v + 4);
        if (!ok_range(c, buf, len))
            break;
        size_t k = ctx->input_len - ctx->input_pos;
        if (len < k)
            k = len;
        memcpy(c->mem + buf, ctx->input + ctx->input_pos, k);
        ctx->input_pos += k;
        got += k;
    }
    put32(c->mem + res, (uint32_t)got);
    return OL__WASI_ESUCCESS;
}

/* ---------------------------------------------------------------------------------------------
 * Descriptor state
 * ------------------------------------------------------------------------------------------- */

static uint32_t h_fd_close(ol__wasi_call *c, const uint64_t *args)
{
    ol__wasi_fd *fd = fd_get(c, a32(args, 0));
    if (fd == NULL)
        return OL__WASI_EBADF;
    fd->open = false;
    return OL__WASI_ESUCCESS;
}

static uint32_t h_fd_fdstat_get(ol__wasi_call *c, const uint64_t *args)
{
    uint32_t ptr = a32(args, 1);
    ol__wasi_fd *fd = fd_get(c, a32(args, 0));
    if (fd == NULL)
        return OL__WASI_EBADF;
    if (!ok_range(c, ptr, 24))
        return OL__WASI_EFAULT;
    uint8_t *p = c->mem + ptr;
    memset(p, 0, 24);
    p[0] = OL__WASI_FILETYPE_UNKNOWN; /* a pipe: neither a tty nor a file */
    put16(p + 2, fd->flags);
    put64(p + 8, fd->rights);
    put64(p + 16, 0);
    return OL__WASI_ESUCCESS;
}

static uint32_t h_fd_fdstat_set_flags(ol__wasi_call *c, const uint64_t *args)
{
    ol__wasi_fd *fd = fd_get(c, a32(args, 0));
    uint32_t flags = (uint16_t)args[1];
    if (fd == NULL)
        return OL__WASI_EBADF;
    if (!(fd->rights & OL__WASI_RIGHT_FD_SET_FLAGS))
        return OL__WASI_ENOTCAPABLE;
    /* APPEND and NONBLOCK change nothing on a captured stream; the sync flags are unsupported. */
    if (flags & ~(uint32_t)(OL__WASI_FDFLAGS_APPEND | OL__WASI_FDFLAGS_NONBLOCK))
        return OL__WASI_ENOTSUP;
    fd->flags = (uint16_t)flags;
    return OL__WASI_ESUCCESS;
}

static uint32_t h_fd_fdstat_set_rights(ol__wasi_call *c, const uint64_t *args)
{
    ol__wasi_fd *fd = fd_get(c, a32(args, 0));
    uint64_t base = args[1], inheriting = args[2];
    if (fd == NULL)
        return OL__WASI_EBADF;
    /* Rights can only be dropped; there are none to inherit. */
    if ((base & ~fd->rights) != 0 || inheriting != 0)
        return OL__WASI_ENOTCAPABLE;
    fd->rights = base;
    return OL__WASI_ESUCCESS;
}

static uint32_t h_fd_filestat_get(ol__wasi_call *c, const uint64_t *args)
{
    uint32_t ptr = a32(args, 1);
    ol__wasi_fd *fd = fd_get(c, a32(args, 0));
    if (fd == NULL)
        return OL__WASI_EBADF;
    if (!ok_range(c, ptr, 64))
        return OL__WASI_EFAULT;
    if (!(fd->rights & OL__WASI_RIGHT_FD_FILESTAT))
        return OL__WASI_ENOTCAPABLE;
    /* dev, ino, nlink, size and the three times are 0; the filetype is that of fdstat. */
    memset(c->mem + ptr, 0, 64);
    c->mem[ptr + 16] = OL__WASI_FILETYPE_UNKNOWN;
    return OL__WASI_ESUCCESS;
}

/* fd_seek(fd, offset, whence, *newoffset) and fd_tell(fd, *offset): streams cannot seek. */
static uint32_t h_fd_seek(ol__wasi_call *c, const uint64_t *args)
{
    if (fd_get(c, a32(args, 0)) == NULL)
        return OL__WASI_EBADF;
    if (!ok_range(c, a32(args, 3), 8))
        return OL__WASI_EFAULT;
    return OL__WASI_ESPIPE;
}

static uint32_t h_fd_tell(ol__wasi_call *c, const uint64_t *args)
{
    if (fd_get(c, a32(args, 0)) == NULL)
        return OL__WASI_EBADF;
    if (!ok_range(c, a32(args, 1), 8))
        return OL__WASI_EFAULT;
    return OL__WASI_ESPIPE;
}

/* fd_pread(fd, iovs, n, offset, *nread), fd_pwrite(fd, iovs, n, offset, *nwritten). */
static uint32_t h_fd_pread_pwrite(ol__wasi_call *c, const uint64_t *args)
{
    if (fd_get(c, a32(args, 0)) == NULL)
        return OL__WASI_EBADF;
    if (!ok_range(c, a32(args, 1), (uint64_t)a32(args, 2) * 8) || !ok_range(c, a32(args, 4), 4))
        return OL__WASI_EFAULT;
    return OL__WASI_ESPIPE;
}

/* No preopened directories: every descriptor answers EBADF, which ends wasi-libc's scan. */
static uint32_t h_fd_prestat(ol__wasi_call *c, const uint64_t *args)
{
    (void)c;
    (void)args;
    return OL__WASI_EBADF;
}

/* Descriptor operations a stream does not support (fd_advise, fd_allocate, fd_datasync, fd_sync,
 * fd_filestat_set_size, fd_filestat_set_times): EBADF unless open, then ENOTCAPABLE. */
static uint32_t h_fd_unsupported(ol__wasi_call *c, const uint64_t *args)
{
    if (fd_get(c, a32(args, 0)) == NULL)
        return OL__WASI_EBADF;
    return OL__WASI_ENOTCAPABLE;
}

/* fd_readdir(fd, buf, len, cookie, *used): streams are not directories. */
static uint32_t h_fd_readdir(ol__wasi_call *c, const uint64_t *args)
{
    if (fd_get(c, a32(args, 0)) == NULL)
        return OL__WASI_EBADF;
    if (!ok_range(c, a32(args, 1), a32(args, 2)) || !ok_range(c, a32(args, 4), 4))
        return OL__WASI_EFAULT;
    return OL__WASI_ENOTCAPABLE;
}

static uint32_t h_fd_renumber(ol__wasi_call *c, const uint64_t *args)
{
    if (fd_get(c, a32(args, 0)) == NULL || fd_get(c, a32(args, 1)) == NULL)
        return OL__WASI_EBADF;
    return OL__WASI_ENOTCAPABLE;
}

/* ---------------------------------------------------------------------------------------------
 * Paths and sockets: there is no filesystem and there are no sockets
 * ------------------------------------------------------------------------------------------- */

/* The path functions take their base directory as argument 0; path_link takes a second one as
 * argument 4 and path_rename as argument 3; path_symlink takes its only one as argument 2. An fd
 * that is not open is EBADF; a stream is not a directory, and nothing else is open: ENOTCAPABLE. */
static uint32_t path_check(ol__wasi_call *c, uint32_t fd1, bool two, uint32_t fd2)
{
    if (fd_get(c, fd1) == NULL || (two && fd_get(c, fd2) == NULL))
        return OL__WASI_EBADF;
    return OL__WASI_ENOTCAPABLE;
}

static uint32_t h_path_one(ol__wasi_call *c, const uint64_t *args)
{
    return path_check(c, a32(args, 0), false, 0);
}

static uint32_t h_path_link(ol__wasi_call *c, const uint64_t *args)
{
    return path_check(c, a32(args, 0), true, a32(args, 4));
}

static uint32_t h_path_rename(ol__wasi_call *c, const uint64_t *args)
{
    return path_check(c, a32(args, 0), true, a32(args, 3));
}

static uint32_t h_path_symlink(ol__wasi_call *c, const uint64_t *args)
{
    return path_check(c, a32(args, 2), false, 0);
}

static uint32_t h_sock(ol__wasi_call *c, const uint64_t *args)
{
    if (fd_get(c, a32(args, 0)) == NULL)
        return OL__WASI_EBADF;
    return OL__WASI_ENOTSOCK;
}

/* ---------------------------------------------------------------------------------------------
 * poll_oneoff
 * ------------------------------------------------------------------------------------------- */

enum { SUB_SIZE = 48, EVENT_SIZE = 32 };
enum { EV_CLOCK = 0, EV_FD_READ = 1, EV_FD_WRITE = 2 };

/* Readiness of an fd subscription: every open stream is always ready (the input is in memory,
 * the output is captured). Sets *nbytes (bytes readable or writable before the cap) and *hangup. */
static uint16_t fd_ready(ol__wasi_call *c, uint8_t type, uint32_t fdn, uint64_t *nbytes,
                         bool *hangup)
{
    ol__wasi_ctx *ctx = c->ctx;
    *nbytes = 0;
    *hangup = false;
    if (fd_get(c, fdn) == NULL)
        return OL__WASI_EBADF;
    if (type == EV_FD_READ) {
        if (fdn != 0)
            return OL__WASI_EBADF;
        *nbytes = ctx->input_len - ctx->input_pos;
        *hangup = *nbytes == 0;
        return OL__WASI_ESUCCESS;
    }
    if (fdn == 0)
        return OL__WASI_EBADF;
    *nbytes = fdn == 1 ? ctx->out_max - ctx->out.len : ctx->err_max - ctx->err.len;
    return OL__WASI_ESUCCESS;
}

static void put_event(uint8_t *ev, uint64_t userdata, uint16_t err, uint8_t type, uint64_t nbytes,
                      bool hangup)
{
    memset(ev, 0, EVENT_SIZE);
    put64(ev, userdata);
    put16(ev + 8, err);
    ev[10] = type;
    put64(ev + 16, nbytes);
    put16(ev + 24, hangup ? 1 : 0);
}

/* poll_oneoff(in, out, nsubscriptions, *nevents).
 *
 * Streams are always ready, so when any fd subscription (or an invalid one) is present the call
 * returns at once with those events and the clock subscriptions whose timeout is already 0.
 * Otherwise it sleeps until the earliest clock timeout and reports every clock subscription due
 * at that time. Absolute timeouts read their clock from the source (a recorded value); relative
 * ones read nothing. The sleep is real in LIVE mode (ended by the deadline), virtual in SEEDED
 * mode, and skipped in REPLAY mode, where the clock readings come from the transcript anyway. */
static uint32_t h_poll_oneoff(ol__wasi_call *c, const uint64_t *args)
{
    uint32_t in = a32(args, 0), out = a32(args, 1), n = a32(args, 2), res = a32(args, 3);
    ol__wasi_ctx *ctx = c->ctx;
    if (!ok_range(c, in, (uint64_t)n * SUB_SIZE) || !ok_range(c, out, (uint64_t)n * EVENT_SIZE) ||
        !ok_range(c, res, 4))
        return OL__WASI_EFAULT;
    if (n == 0)
        return OL__WASI_EINVAL;
    if (!ol__wasi_charge(c, n))
        return OL__WASI_STOP;

    /* Pass 1: validate tags, find whether anything is ready now, read clocks for absolute
     * subscriptions (once per clock id), and find the earliest clock timeout. */
    bool any_ready = false;
    bool have_now[OL__WASI_NCLOCKS] = {false};
    uint64_t now[OL__WASI_NCLOCKS] = {0};
    uint64_t earliest = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = c->mem + in + (uint64_t)i * SUB_SIZE;
        uint8_t tag = s[8];
        if (tag != EV_CLOCK) {
            any_ready = true; /* fd events, and invalid tags reported as EINVAL events */
            continue;
        }
        uint32_t id = get32(s + 16);
        uint64_t timeout = get64(s + 24);
        uint16_t flags = get16(s + 40);
        if (id >= OL__WASI_NCLOCKS) {
            any_ready = true;
            continue;
        }
        if (flags & 1) {
            if (!have_now[id]) {
                ol__wasi_src_rc rc = ol__wasi_src_clock(&ctx->src, id, &now[id]);
                if (rc != OL__WASI_SRC_OK)
                    return src_failed(c, rc);
                have_now[id] = true;
            }
            timeout = timeout > now[id] ? timeout - now[id] : 0;
        }
        if (timeout < earliest)
            earliest = timeout;
    }
    uint64_t due; /* clock subscriptions with a relative timeout <= due fire */
    if (any_ready) {
        due = 0;
    } else {
        due = earliest;
        if (due > 0) {
            if (ctx->src.mode == OL_WASI_SOURCE_LIVE) {
                if (!ol__wasi_ctx_sleep(ctx, due))
                    return stop(c, OL__WASI_STOP_TIMEOUT, "the deadline passed in poll_oneoff");
            }
            ol__wasi_src_slept(&ctx->src, due);
        }
    }

    /* Pass 2: write the events, in subscription order. */
    uint32_t nev = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = c->mem + in + (uint64_t)i * SUB_SIZE;
        uint64_t userdata = get64(s);
        uint8_t tag = s[8];
        uint8_t *ev = c->mem + out + (uint64_t)nev * EVENT_SIZE;
        if (tag == EV_CLOCK) {
            uint32_t id = get32(s + 16);
            uint64_t timeout = get64(s + 24);
            uint16_t flags = get16(s + 40);
            if (id >= OL__WASI_NCLOCKS) {
                put_event(ev, userdata, OL__WASI_EINVAL, EV_CLOCK, 0, false);
                nev++;
                continue;
            }
            if (flags & 1)
                timeout = timeout > now[id] ? timeout - now[id] : 0;
            if (timeout <= due) {
                put_event(ev, userdata, OL__WASI_ESUCCESS, EV_CLOCK, 0, false);
                nev++;
            }
        } else if (tag == EV_FD_READ || tag == EV_FD_WRITE) {
            uint64_t nbytes;
            bool hangup;
            uint16_t e = fd_ready(c, tag, get32(s + 16), &nbytes, &hangup);
            put_event(ev, userdata, e, tag, nbytes, hangup);
            nev++;
        } else {
            put_event(ev, userdata, OL__WASI_EINVAL, tag, 0, false);
            nev++;
        }
    }
    put32(c->mem + res, nev);
    return OL__WASI_ESUCCESS;
}

/* ---------------------------------------------------------------------------------------------
 * Process
 * ------------------------------------------------------------------------------------------- */

static uint32_t h_proc_exit(ol__wasi_call *c, const uint64_t *args)
{
    char msg[48];
    c->ctx->exit_code = a32(args, 0);
    snprintf(msg, sizeof msg, "proc_exit(%u)", (unsigned)c->ctx->exit_code);
    return stop(c, OL__WASI_STOP_EXIT, msg);
}

static uint32_t h_proc_raise(ol__wasi_call *c, const uint64_t *args)
{
    (void)c;
    (void)args;
    return OL__WASI_ENOSYS;
}

static uint32_t h_sched_yield(ol__wasi_call *c, const uint64_t *args)
{
    (void)c;
    (void)args;
    return OL__WASI_ESUCCESS;
}

/* ---------------------------------------------------------------------------------------------
 * The table (witx order, then proc_raise)
 * ------------------------------------------------------------------------------------------- */

const ol__wasi_def ol__wasi_defs[] = {
    {"args_get", "ii", "i", h_args_get},
    {"args_sizes_get", "ii", "i", h_args_sizes_get},
    {"environ_get", "ii", "i", h_environ_get},
    {"environ_sizes_get", "ii", "i", h_environ_sizes_get},
    {"clock_res_get", "ii", "i", h_clock_res_get},
    {"clock_time_get", "iIi", "i", h_clock_time_get},
    {"fd_advise", "iIIi", "i", h_fd_unsupported},
    {"fd_allocate", "iII", "i", h_fd_unsupported},
    {"fd_close", "i", "i", h_fd_close},
    {"fd_datasync", "i", "i", h_fd_unsupported},
    {"fd_fdstat_get", "ii", "i", h_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii", "i", h_fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII", "i", h_fd_fdstat_set_rights},
    {"fd_filestat_get", "ii", "i", h_fd_filestat_get},
    {"fd_filestat_set_size", "iI", "i", h_fd_unsupported},
    {"fd_filestat_set_times", "iIIi", "i", h_fd_unsupported},
    {"fd_pread", "iiiIi", "i", h_fd_pread_pwrite},
    {"fd_prestat_get", "ii", "i", h_fd_prestat},
    {"fd_prestat_dir_name", "iii", "i", h_fd_prestat},
    {"fd_pwrite", "iiiIi", "i", h_fd_pread_pwrite},
    {"fd_read", "iiii", "i", h_fd_read},
    {"fd_readdir", "iiiIi", "i", h_fd_readdir},
    {"fd_renumber", "ii", "i", h_fd_renumber},
    {"fd_seek", "iIii", "i", h_fd_seek},
    {"fd_sync", "i", "i", h_fd_unsupported},
    {"fd_tell", "ii", "i", h_fd_tell},
    {"fd_write", "iiii", "i", h_fd_write},
    {"path_create_directory", "iii", "i", h_path_one},
    {"path_filestat_get", "iiiii", "i", h_path_one},
    {"path_filestat_set_times", "iiiiIIi", "i", h_path_one},
    {"path_link", "iiiiiii", "i", h_path_link},
    {"path_open", "iiiiiIIii", "i", h_path_one},
    {"path_readlink", "iiiiii", "i", h_path_one},
    {"path_remove_directory", "iii", "i", h_path_one},
    {"path_rename", "iiiiii", "i", h_path_rename},
    {"path_symlink", "iiiii", "i", h_path_symlink},
    {"path_unlink_file", "iii", "i", h_path_one},
    {"poll_oneoff", "iiii", "i", h_poll_oneoff},
    {"proc_exit", "i", "", h_proc_exit},
    {"sched_yield", "", "i", h_sched_yield},
    {"random_get", "ii", "i", h_random_get},
    {"sock_accept", "iii", "i", h_sock},
    {"sock_recv", "iiiiii", "i", h_sock},
    {"sock_send", "iiiii", "i", h_sock},
    {"sock_shutdown", "ii", "i", h_sock},
    {"proc_raise", "i", "i", h_proc_raise},
};

const size_t ol__wasi_ndefs = sizeof ol__wasi_defs / sizeof ol__wasi_defs[0];

const ol__wasi_def *ol__wasi_find(const char *name, size_t len)
{
    for (size_t i = 0; i < ol__wasi_ndefs; i++) {
        if (strlen(ol__wasi_defs[i].name) == len && memcmp(ol__wasi_defs[i].name, name, len) == 0)
            return &ol__wasi_defs[i];
    }
    return NULL;
}

size_t ol_wasi_func_count(void)
{
    return ol__wasi_ndefs;
}

const char *ol_wasi_func_name(size_t i)
{
    return i < ol__wasi_ndefs ? ol__wasi_defs[i].name : NULL;
}
