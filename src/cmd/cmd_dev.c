/* `outlayer dev`: the whole HTTPS stack on one machine, in one command.
 *
 * It generates an admin token and a worker token, starts the keystore, the coordinator and the
 * workers as child processes of this same executable (/proc/self/exe), waits until the keystore
 * and the coordinator answer /health and every worker shows up online in /public/workers, writes
 * DATA_DIR/dev.env (mode 0600) with OUTLAYER_URL, OUTLAYER_ADMIN_TOKEN and OUTLAYER_DATA_DIR,
 * prints the token and a `ready` line, and then supervises.
 *
 * Secrets (issue #6): the keystore runs in its --dev mode (master key generated once into
 * DATA_DIR/keystore-master.key). The coordinator's grant key is generated once into
 * DATA_DIR/coordinator-key.json (near-cli format, 0600) and its public key given to the
 * keystore; the coordinator and the workers get fresh keystore bearer tokens of which the
 * keystore is told only the SHA-256. For each owner of --owners, an ed25519 key is generated once
 * into DATA_DIR/keys/OWNER.json (near-cli format, 0600, never overwritten) and registered with
 * the coordinator (POST /admin/owners), so `outlayer secrets` can sign for that owner at once.
 * Ctrl-C (SIGINT) or SIGTERM stops the children in the reverse order of their start (workers first,
 * so they report what they are running while the coordinator is still up): each gets SIGINT, a
 * bounded wait, then SIGKILL. A child that dies on its own stops the rest too.
 *
 * The children are rows of `roles` below: a role says how many instances it has, how to build
 * an instance's argv, and how to tell that it is ready. The sandbox chain is a further row when
 * it exists.
 *
 * Secrets travel to the children in their environment (OUTLAYER_ADMIN_TOKEN,
 * OUTLAYER_WORKER_TOKEN, OUTLAYER_KEYSTORE_TOKEN, OUTLAYER_WORKER_KEYSTORE_TOKEN, and the
 * database and queue URLs, which may hold passwords), never on a command line where `ps` would
 * show them. Each child runs in
 * its own process group, so a terminal's Ctrl-C reaches only this supervisor, and gets
 * PR_SET_PDEATHSIG, so it cannot outlive a supervisor that was killed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cmd.h"
#include "ol/config.h"
#include "ol/coord.h"
#include "ol/log.h"
#include "ol/near.h"

#define DEV_MAX_CHILDREN 64
#define DEV_MAX_ARGS     16
#define DEV_TICK_MS      50
#define DEV_MAX_OWNERS   32

typedef struct dev_opts {
    char *data_dir;
    char *host;
    uint64_t port;
    uint64_t workers;
    uint64_t worker_concurrency;
    char *admin_token;
    uint64_t startup_timeout_ms;
    uint64_t shutdown_timeout_ms;
    char *log_level;
    char *db;
    char *queue;
    char *owners;
} dev_opts;

#define D(field) offsetof(dev_opts, field)
static const ol_opt dev_opt_list[] = {
    {"data-dir", OL_OPT_STR, "./.outlayer", 0, 0, "OUTLAYER_DATA_DIR",
     "database, worker keys and caches, dev.env", D(data_dir), 0},
    {"host", OL_OPT_STR, "127.0.0.1", 0, 0, "OUTLAYER_DEV_HOST", "coordinator listen address",
     D(host), 0},
    {"port", OL_OPT_U64, "8080", 0, 65535, "OUTLAYER_DEV_PORT",
     "coordinator port; 0: an ephemeral port (see dev.env)", D(port), 0},
    {"workers", OL_OPT_U64, "1", 0, DEV_MAX_CHILDREN - 1, "OUTLAYER_DEV_WORKERS",
     "worker processes", D(workers), 0},
    {"worker-concurrency", OL_OPT_U64, "0", 0, 256, "OUTLAYER_DEV_WORKER_CONCURRENCY",
     "jobs per worker process; 0: the number of CPUs", D(worker_concurrency), 0},
    {"admin-token", OL_OPT_STR, "", 0, 0, "OUTLAYER_DEV_ADMIN_TOKEN",
     "use this admin token instead of generating one", D(admin_token), OL_OPT_SECRET},
    {"startup-timeout-ms", OL_OPT_U64, "30000", 100, 600000, "OUTLAYER_DEV_STARTUP_TIMEOUT_MS",
     "how long each child may take to become ready", D(startup_timeout_ms), 0},
    {"shutdown-timeout-ms", OL_OPT_U64, "15000", 100, 600000, "OUTLAYER_DEV_SHUTDOWN_TIMEOUT_MS",
     "after SIGINT, how long a child may take to exit before SIGKILL", D(shutdown_timeout_ms), 0},
    {"log-level", OL_OPT_STR, "info", 0, 0, "OUTLAYER_LOG_LEVEL",
     "log level of the children: error, warn, info or debug", D(log_level), 0},
    {"db", OL_OPT_STR, "", 0, 0, "OUTLAYER_DB",
     "the coordinator's store URL (default: sqlite:DATA_DIR/outlayer.db)", D(db), OL_OPT_SECRET},
    {"queue", OL_OPT_STR, "", 0, 0, "OUTLAYER_DEV_QUEUE",
     "the coordinator's queue URL (e.g. redis://127.0.0.1:6379; default: the store's own)",
     D(queue), OL_OPT_SECRET},
    {"owners", OL_OPT_STR, "alice.near", 0, 0, "OUTLAYER_DEV_OWNERS",
     "comma-separated owners to give a signing key (DATA_DIR/keys/OWNER.json) for `outlayer "
     "secrets`",
     D(owners), 0},
};
#undef D

static ol_err dev_check(const void *cfg, ol_diag *d)
{
    const dev_opts *o = cfg;
    if (o->data_dir == NULL || o->data_dir[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL, "dev: --data-dir must not be empty");
    if (!ol_log_level_parse(o->log_level, NULL))
        return OL_FAIL(d, OL_E_INVAL, "dev: --log-level must be error, warn, info or debug");
    /* Each owner names a file under DATA_DIR/keys: only valid account ids. */
    const char *p = o->owners;
    size_t count = 0;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        if (n > 0) {
            ol_diag why = {0};
            if (ol_near_account_id_validate(p, n, &why) != OL_OK)
                return OL_FAIL(d, OL_E_INVAL, "dev: --owners: %s", why.msg);
            if (++count > DEV_MAX_OWNERS)
                return OL_FAIL(d, OL_E_INVAL, "dev: --owners: at most %d owners", DEV_MAX_OWNERS);
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return OL_OK;
}

const ol_opt_table ol_cmd_dev_opts = {
    "dev",
    "usage: outlayer dev [OPTIONS]\n"
    "\n"
    "Starts a keystore, a coordinator and --workers worker processes on this machine with their\n"
    "data in --data-dir, prints a fresh admin token, writes DATA_DIR/dev.env (OUTLAYER_URL,\n"
    "OUTLAYER_ADMIN_TOKEN and OUTLAYER_DATA_DIR, mode 0600) for the client commands, prints\n"
    "`ready`, and runs until Ctrl-C. Each owner of --owners gets a signing key in\n"
    "DATA_DIR/keys/OWNER.json, registered with the coordinator, for `outlayer secrets`.\n"
    "Coordinator options can be set through their OUTLAYER_* environment variables.",
    dev_opt_list,
    sizeof dev_opt_list / sizeof dev_opt_list[0],
    dev_check,
};

const char ol_cmd_dev_usage[] =
    "usage: outlayer dev [OPTIONS]\n"
    "Starts the whole stack locally (keystore + coordinator + workers) until Ctrl-C.\n"
    "`outlayer dev --help` lists the options.\n";

/* ---- state ------------------------------------------------------------------------------ */

typedef struct dev_child {
    char name[32];
    pid_t pid;
    bool exited;
    int wstatus;
} dev_child;

typedef struct dev_owner {
    char id[OL_NEAR_ACCOUNT_ID_MAX];
    char public_key[OL_NEAR_KEY_STR_MAX];
} dev_owner;

typedef struct dev_state {
    const dev_opts *o;
    char self[4096];        /* this executable */
    char url[256];          /* the coordinator's base URL, once known */
    char keystore_url[256]; /* the keystore's, once known */
    char admin_token[65];
    char worker_token[65];
    char coord_ks_token[65];  /* the coordinator's bearer token at the keystore */
    char worker_ks_token[65]; /* the workers' */
    char coord_ks_sha[65];    /* their SHA-256, for the keystore */
    char worker_ks_sha[65];
    char coord_public_key[OL_NEAR_KEY_STR_MAX]; /* signs grants */
    dev_owner owners[DEV_MAX_OWNERS];
    size_t nowners;
    dev_child children[DEV_MAX_CHILDREN];
    size_t nchildren;
} dev_state;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal may cut it short: the callers re-check their flags */
}

static void dev_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void dev_log(const char *fmt, ...)
{
    va_list ap;
    fputs("outlayer dev: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Reaps children that exited (never blocks). Returns the first newly exited one, or NULL. */
static dev_child *reap(dev_state *st)
{
    dev_child *first = NULL;
    for (size_t i = 0; i < st->nchildren; i++) {
        dev_child *c = &st->children[i];
        if (c->exited)
            continue;
        pid_t r = waitpid(c->pid, &c->wstatus, WNOHANG);
        if (r == c->pid) {
            c->exited = true;
            if (first == NULL)
                first = c;
        }
    }
    return first;
}

static void describe_exit(const dev_child *c, char *out, size_t cap)
{
    if (WIFEXITED(c->wstatus))
        snprintf(out, cap, "exit status %d", WEXITSTATUS(c->wstatus));
    else if (WIFSIGNALED(c->wstatus))
        snprintf(out, cap, "signal %d", WTERMSIG(c->wstatus));
    else
        snprintf(out, cap, "status %d", c->wstatus);
}

/* Starts `self argv...` as a child named `name`. Returns false (with a message) on failure. */
static bool spawn(dev_state *st, const char *name, char *const argv[])
{
    if (st->nchildren == DEV_MAX_CHILDREN) {
        dev_log("too many children");
        return false;
    }
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        dev_log("cannot start %s: %s", name, strerror(errno));
        return false;
    }
    if (pid == 0) {
        /* Child: its own process group (the terminal's Ctrl-C goes to the supervisor only),
         * killed if the supervisor dies, default signal dispositions. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(st->self, argv);
        _exit(127);
    }
    dev_child *c = &st->children[st->nchildren++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->pid = pid;
    dev_log("started %s (pid %ld)", name, (long)pid);
    return true;
}

/* ---- roles ------------------------------------------------------------------------------ */

typedef struct dev_role {
    const char *name;
    unsigned (*count)(const dev_state *st);
    /* Fills argv (NULL-terminated) for instance i, using buf for the strings. */
    void (*argv)(dev_state *st, unsigned i, char *argv[DEV_MAX_ARGS], char buf[][512]);
    /* After every instance started: waits until they are ready; false on failure. */
    bool (*ready)(dev_state *st, uint64_t deadline_ms);
} dev_role;

/* argv strings must be writable (execv takes char *const[]). */
static char arg_outlayer[] = "outlayer";
static char arg_coordinator[] = "coordinator";
static char arg_worker[] = "worker";
static char arg_keystore[] = "keystore";
static char arg_dev_flag[] = "--dev";

static unsigned one(const dev_state *st)
{
    (void)st;
    return 1;
}

static unsigned worker_count(const dev_state *st)
{
    return (unsigned)st->o->workers;
}

static void coord_argv(dev_state *st, unsigned i, char *argv[DEV_MAX_ARGS], char buf[][512])
{
    (void)i;
    const dev_opts *o = st->o;
    size_t n = 0;
    size_t k = 0;
    argv[n++] = arg_outlayer;
    argv[n++] = arg_coordinator;
    /* The store (and the queue) URL travel in the environment: they may hold a password. */
    snprintf(buf[k++], 512, "--host=%s", o->host);
    snprintf(buf[k++], 512, "--port=%" PRIu64, o->port);
    snprintf(buf[k++], 512, "--port-file=%s/coordinator.port", o->data_dir);
    snprintf(buf[k++], 512, "--log-level=%s", o->log_level);
    snprintf(buf[k++], 512, "--keystore-url=%s", st->keystore_url);
    snprintf(buf[k++], 512, "--signing-key-file=%s/coordinator-key.json", o->data_dir);
    for (size_t j = 0; j < k; j++)
        argv[n++] = buf[j];
    argv[n] = NULL;
}

static void worker_argv(dev_state *st, unsigned i, char *argv[DEV_MAX_ARGS], char buf[][512])
{
    const dev_opts *o = st->o;
    size_t n = 0;
    argv[n++] = arg_outlayer;
    argv[n++] = arg_worker;
    snprintf(buf[0], 512, "--coordinator-url=%s", st->url);
    snprintf(buf[1], 512, "--data-dir=%s/worker-%u", o->data_dir, i + 1);
    snprintf(buf[2], 512, "--name=dev-worker-%u", i + 1);
    snprintf(buf[3], 512, "--concurrency=%" PRIu64, o->worker_concurrency);
    snprintf(buf[4], 512, "--log-level=%s", o->log_level);
    snprintf(buf[5], 512, "--keystore-url=%s", st->keystore_url);
    for (size_t k = 0; k < 6; k++)
        argv[n++] = buf[k];
    argv[n] = NULL;
}

static void keystore_argv(dev_state *st, unsigned i, char *argv[DEV_MAX_ARGS], char buf[][512])
{
    (void)i;
    const dev_opts *o = st->o;
    size_t n = 0, k = 0;
    argv[n++] = arg_outlayer;
    argv[n++] = arg_keystore;
    argv[n++] = arg_dev_flag;
    /* Only the children on this machine talk to it, whatever --host the coordinator has. */
    snprintf(buf[k++], 512, "--host=127.0.0.1");
    snprintf(buf[k++], 512, "--port=0");
    snprintf(buf[k++], 512, "--data-dir=%s", o->data_dir);
    snprintf(buf[k++], 512, "--port-file=%s/keystore.port", o->data_dir);
    snprintf(buf[k++], 512, "--coordinator-public-key=%s", st->coord_public_key);
    snprintf(buf[k++], 512, "--coordinator-token-sha256=%s", st->coord_ks_sha);
    snprintf(buf[k++], 512, "--worker-tokens=dev-workers:%s", st->worker_ks_sha);
    snprintf(buf[k++], 512, "--log-level=%s", o->log_level);
    for (size_t j = 0; j < k; j++)
        argv[n++] = buf[j];
    argv[n] = NULL;
}

/* Reads the port the coordinator bound from its port file. */
static bool read_port(const char *path, unsigned *port)
{
    FILE *f = fopen(path, "r");
    unsigned p = 0;
    if (f == NULL)
        return false;
    int n = fscanf(f, "%u", &p);
    fclose(f);
    if (n != 1 || p == 0 || p > 65535)
        return false;
    *port = p;
    return true;
}

/* True when a child of `st` exited; prints which. */
static bool child_died(dev_state *st)
{
    dev_child *c = reap(st);
    if (c == NULL)
        return false;
    char how[64];
    describe_exit(c, how, sizeof how);
    dev_log("%s exited during startup (%s)", c->name, how);
    return true;
}

/* Waits for `who` to write DATA_DIR/<port_file>, then to answer GET /health with 200 on host;
 * writes its base URL into url. */
static bool service_ready(dev_state *st, const char *who, const char *port_file, const char *host,
                          char *url, size_t url_cap, uint64_t deadline)
{
    char path[4200];
    unsigned port = 0;
    snprintf(path, sizeof path, "%s/%s", st->o->data_dir, port_file);
    /* Bounded: by the deadline, and in count by deadline / tick. */
    while (!read_port(path, &port)) {
        if (g_stop || child_died(st) || now_ms() >= deadline) {
            if (!g_stop && now_ms() >= deadline)
                dev_log("the %s did not write %s in time", who, path);
            return false;
        }
        sleep_ms(DEV_TICK_MS);
    }
    snprintf(url, url_cap, "http://%s:%u", host, port);
    for (;;) {
        long status = 0;
        ol_cmd_http_resp r = {0};
        if (ol_cmd_http(url, "GET", "/health", NULL, NULL, 0, NULL, 2000, &status, &r) &&
            status == 200) {
            ol_cmd_http_resp_free(&r);
            return true;
        }
        ol_cmd_http_resp_free(&r);
        if (g_stop || child_died(st) || now_ms() >= deadline) {
            if (!g_stop && now_ms() >= deadline)
                dev_log("the %s at %s did not become healthy in time", who, url);
            return false;
        }
        sleep_ms(DEV_TICK_MS);
    }
}

static bool keystore_ready(dev_state *st, uint64_t deadline)
{
    return service_ready(st, "keystore", "keystore.port", "127.0.0.1", st->keystore_url,
                         sizeof st->keystore_url, deadline);
}

/* Registers every owner key with the coordinator; one already registered is fine. */
static bool register_owners(dev_state *st)
{
    char auth[128];
    const char *hdrs[2] = {auth, NULL};
    bool ok = true;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", st->admin_token);
    for (size_t i = 0; i < st->nowners && ok; i++) {
        const dev_owner *ow = &st->owners[i];
        json_t *j = json_pack("{s:s, s:s}", "owner", ow->id, "public_key", ow->public_key);
        char *body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        long status = 0;
        ol_cmd_http_resp r = {0};
        if (body == NULL) {
            dev_log("out of memory");
            ok = false;
        } else if (!ol_cmd_http(st->url, "POST", "/admin/owners", hdrs, body, strlen(body), NULL,
                                10000, &status, &r)) {
            dev_log("cannot register the key of owner %s: %s", ow->id, r.err);
            ok = false;
        } else if (status != 201 && status != 409) {
            dev_log("cannot register the key of owner %s: HTTP %ld %s", ow->id, status,
                    r.body != NULL ? r.body : "");
            ok = false;
        }
        free(body);
        ol_cmd_http_resp_free(&r);
    }
    sodium_memzero(auth, sizeof auth);
    return ok;
}

static bool coord_ready(dev_state *st, uint64_t deadline)
{
    const char *host = strcmp(st->o->host, "0.0.0.0") == 0 ? "127.0.0.1" : st->o->host;
    return service_ready(st, "coordinator", "coordinator.port", host, st->url, sizeof st->url,
                         deadline) &&
           register_owners(st);
}

/* Counts online workers whose name starts with "dev-worker-". */
static unsigned online_workers(const dev_state *st)
{
    long status = 0;
    ol_cmd_http_resp r = {0};
    unsigned n = 0;
    if (!ol_cmd_http(st->url, "GET", "/public/workers", NULL, NULL, 0, NULL, 2000, &status, &r) ||
        status != 200) {
        ol_cmd_http_resp_free(&r);
        return 0;
    }
    json_t *root = json_loadb(r.body, r.len, 0, NULL);
    json_t *ws = json_object_get(root, "workers");
    size_t i;
    json_t *w;
    json_array_foreach(ws, i, w)
    {
        const char *name = json_string_value(json_object_get(w, "worker_name"));
        const char *status_s = json_string_value(json_object_get(w, "status"));
        if (name != NULL && status_s != NULL && strncmp(name, "dev-worker-", 11) == 0 &&
            strcmp(status_s, "online") == 0)
            n++;
    }
    json_decref(root);
    ol_cmd_http_resp_free(&r);
    return n;
}

static bool workers_ready(dev_state *st, uint64_t deadline)
{
    unsigned want = (unsigned)st->o->workers;
    for (;;) {
        /* Workers of an earlier run keep their names; count at least `want`. */
        if (online_workers(st) >= want)
            return true;
        if (g_stop || child_died(st) || now_ms() >= deadline) {
            if (!g_stop && now_ms() >= deadline)
                dev_log("the workers did not register in time");
            return false;
        }
        sleep_ms(DEV_TICK_MS * 2);
    }
}

/* Started in this order, stopped in the reverse order. */
static const dev_role roles[] = {
    {"keystore", one, keystore_argv, keystore_ready},
    {"coordinator", one, coord_argv, coord_ready},
    {"worker", worker_count, worker_argv, workers_ready},
};

/* ---- shutdown ----------------------------------------------------------------------------- */

/* SIGINT to every live child, last started first, each with a bounded wait, then SIGKILL. */
static void stop_children(dev_state *st)
{
    uint64_t timeout = st->o->shutdown_timeout_ms;
    for (size_t k = st->nchildren; k-- > 0;) {
        dev_child *c = &st->children[k];
        reap(st);
        if (c->exited)
            continue;
        kill(c->pid, SIGINT);
        uint64_t end = now_ms() + timeout;
        while (!c->exited && now_ms() < end) {
            sleep_ms(DEV_TICK_MS);
            reap(st);
        }
        if (!c->exited) {
            dev_log("%s did not stop within %" PRIu64 " ms: SIGKILL", c->name, timeout);
            kill(c->pid, SIGKILL);
            if (waitpid(c->pid, &c->wstatus, 0) == c->pid)
                c->exited = true;
        }
        char how[64];
        describe_exit(c, how, sizeof how);
        dev_log("stopped %s (%s)", c->name, how);
    }
}

/* ---- the command -------------------------------------------------------------------------- */

static bool write_env_file(const dev_state *st)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/dev.env", st->o->data_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        dev_log("cannot create %s: %s", tmp, strerror(errno));
        return false;
    }
    char text[4608], dir[4096];
    /* Absolute, so that the file works from any directory. */
    if (realpath(st->o->data_dir, dir) == NULL)
        snprintf(dir, sizeof dir, "%s", st->o->data_dir);
    int len = snprintf(text, sizeof text,
                       "OUTLAYER_URL=%s\nOUTLAYER_ADMIN_TOKEN=%s\nOUTLAYER_DATA_DIR=%s\n", st->url,
                       st->admin_token, dir);
    bool ok = fchmod(fd, 0600) == 0 && write(fd, text, (size_t)len) == (ssize_t)len;
    ok = close(fd) == 0 && ok;
    sodium_memzero(text, sizeof text);
    if (!ok || rename(tmp, path) != 0) {
        dev_log("cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

static void random_hex(char out[65])
{
    uint8_t b[32];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(out, 65, b, sizeof b);
    sodium_memzero(b, sizeof b);
}

static void sha256_hex(const char *s, char out[65])
{
    uint8_t h[32];
    crypto_hash_sha256(h, (const uint8_t *)s, strlen(s));
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Loads the key file at path, or creates it (0600, near-cli format) with a fresh key for
 * account (NULL: the key's implicit account). Writes its public key. Never overwrites a file:
 * a key that exists may already be registered or trusted somewhere. */
static bool load_or_create_key(const char *path, const char *account,
                               char public_key[OL_NEAR_KEY_STR_MAX])
{
    ol_near_credentials c;
    ol_diag d = {0};
    ol_err rc = ol_near_credentials_read(path, &c, &d);
    if (rc == OL_E_IO && access(path, F_OK) != 0) {
        memset(&c, 0, sizeof c);
        if (ol_near_secret_key_generate(&c.secret_key, &d) != OL_OK) {
            dev_log("cannot generate a key for %s: %s", path, d.msg);
            return false;
        }
        ol_near_secret_key_public(&c.secret_key, &c.public_key);
        if (account != NULL)
            snprintf(c.account_id, sizeof c.account_id, "%s", account);
        else
            ol_near_implicit_account_id(&c.public_key, c.account_id, &d);
        rc = ol_near_credentials_write(path, &c, false, &d);
        if (rc == OL_E_EXISTS) { /* another dev on the same directory was quicker */
            ol_near_credentials_wipe(&c);
            rc = ol_near_credentials_read(path, &c, &d);
        } else if (rc == OL_OK) {
            dev_log("wrote the key %s", path);
        }
    }
    if (rc != OL_OK) {
        dev_log("key file %s: %s", path, d.msg);
        return false;
    }
    if (account != NULL && strcmp(c.account_id, account) != 0) {
        dev_log("key file %s is for account %s, not %s", path, c.account_id, account);
        ol_near_credentials_wipe(&c);
        return false;
    }
    ol_near_public_key_format(&c.public_key, public_key);
    ol_near_credentials_wipe(&c);
    return true;
}

/* The coordinator's grant key and the owners' keys (see the top of this file). */
static bool prepare_keys(dev_state *st)
{
    const dev_opts *o = st->o;
    char path[4200];
    snprintf(path, sizeof path, "%s/coordinator-key.json", o->data_dir);
    if (!load_or_create_key(path, NULL, st->coord_public_key))
        return false;
    if (o->owners[0] == '\0')
        return true;
    snprintf(path, sizeof path, "%s/keys", o->data_dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        dev_log("cannot create %s: %s", path, strerror(errno));
        return false;
    }
    for (const char *p = o->owners; *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n > 0 && st->nowners < DEV_MAX_OWNERS) {
            dev_owner *ow = &st->owners[st->nowners++];
            snprintf(ow->id, sizeof ow->id, "%.*s", (int)n, p);
            snprintf(path, sizeof path, "%s/keys/%s.json", o->data_dir, ow->id);
            if (!load_or_create_key(path, ow->id, ow->public_key))
                return false;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return true;
}

/* The store and queue URLs for the coordinator, through its own environment variables. */
static bool set_store_env(dev_state *st)
{
    const dev_opts *o = st->o;
    char db[4200];
    if (o->db[0] != '\0')
        snprintf(db, sizeof db, "%s", o->db);
    else
        snprintf(db, sizeof db, "sqlite:%s/outlayer.db", o->data_dir);
    const ol_opt *dbo = ol_opts_find(&ol_coord_opt_table, "db", 2);
    if (dbo == NULL || dbo->env == NULL || setenv(dbo->env, db, 1) != 0) {
        dev_log("cannot pass the store URL to the coordinator");
        return false;
    }
    sodium_memzero(db, sizeof db);
    if (o->queue[0] == '\0')
        return true;
    const ol_opt *qo = ol_opts_find(&ol_coord_opt_table, "queue", 5);
    if (qo == NULL || qo->env == NULL) {
        dev_log("--queue: this coordinator has no queue option");
        return false;
    }
    if (setenv(qo->env, o->queue, 1) != 0) {
        dev_log("cannot pass the queue URL to the coordinator");
        return false;
    }
    return true;
}

int ol_cmd_dev(int argc, char **argv)
{
    dev_opts o;
    ol_opts_result res;
    ol_diag d = {0};
    int status = OL_EXIT_FAIL;
    dev_state *st = NULL;
    memset(&res, 0, sizeof res);
    if (ol_opts_load(&ol_cmd_dev_opts, &o, argc - 1, argv + 1, NULL, &res, &d) != OL_OK) {
        ol_cmd_error("%s", d.msg);
        return OL_EXIT_USAGE;
    }
    if (res.help) {
        ol_opts_help(&ol_cmd_dev_opts, stdout);
        status = OL_EXIT_OK;
        goto out;
    }
    if (res.print_config) {
        ol_opts_print(&ol_cmd_dev_opts, &o, stdout);
        status = OL_EXIT_OK;
        goto out;
    }
    if (res.npos != 0) {
        ol_cmd_error("dev: unexpected argument '%s'", res.pos[0]);
        status = OL_EXIT_USAGE;
        goto out;
    }
    if (sodium_init() < 0) {
        ol_cmd_error("dev: libsodium failed to initialise");
        goto out;
    }
    if ((st = calloc(1, sizeof *st)) == NULL) {
        ol_cmd_error("dev: out of memory");
        goto out;
    }
    st->o = &o;
    ssize_t n = readlink("/proc/self/exe", st->self, sizeof st->self - 1);
    if (n <= 0) {
        ol_cmd_error("dev: cannot find this executable: %s", strerror(errno));
        goto out;
    }
    st->self[n] = '\0';
    if (mkdir(o.data_dir, 0700) != 0 && errno != EEXIST) {
        ol_cmd_error("dev: cannot create %s: %s", o.data_dir, strerror(errno));
        goto out;
    }
    char port_file[4200];
    snprintf(port_file, sizeof port_file, "%s/coordinator.port", o.data_dir);
    unlink(port_file); /* a stale one would point at an old port */
    snprintf(port_file, sizeof port_file, "%s/keystore.port", o.data_dir);
    unlink(port_file);
    if (!prepare_keys(st) || !set_store_env(st))
        goto out;

    if (o.admin_token[0] != '\0')
        snprintf(st->admin_token, sizeof st->admin_token, "%s", o.admin_token);
    else
        random_hex(st->admin_token);
    random_hex(st->worker_token);
    random_hex(st->coord_ks_token);
    random_hex(st->worker_ks_token);
    sha256_hex(st->coord_ks_token, st->coord_ks_sha);
    sha256_hex(st->worker_ks_token, st->worker_ks_sha);
    /* The children read their secrets from the environment they inherit. */
    if (setenv("OUTLAYER_ADMIN_TOKEN", st->admin_token, 1) != 0 ||
        setenv("OUTLAYER_WORKER_TOKEN", st->worker_token, 1) != 0 ||
        setenv("OUTLAYER_KEYSTORE_TOKEN", st->coord_ks_token, 1) != 0 ||
        setenv("OUTLAYER_WORKER_KEYSTORE_TOKEN", st->worker_ks_token, 1) != 0) {
        ol_cmd_error("dev: cannot set the environment");
        goto out;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    bool ok = true;
    for (size_t r = 0; r < sizeof roles / sizeof roles[0] && ok; r++) {
        unsigned count = roles[r].count(st);
        for (unsigned i = 0; i < count && ok; i++) {
            char *cargv[DEV_MAX_ARGS];
            char buf[DEV_MAX_ARGS][512];
            char name[32];
            roles[r].argv(st, i, cargv, buf);
            if (count > 1)
                snprintf(name, sizeof name, "%s-%u", roles[r].name, i + 1);
            else
                snprintf(name, sizeof name, "%s", roles[r].name);
            ok = spawn(st, name, cargv);
        }
        if (ok && count > 0)
            ok = roles[r].ready(st, now_ms() + o.startup_timeout_ms);
    }
    if (!ok || g_stop) {
        stop_children(st);
        status = g_stop ? OL_EXIT_OK : OL_EXIT_FAIL;
        goto out;
    }
    if (!write_env_file(st)) {
        stop_children(st);
        goto out;
    }
    printf("coordinator: %s\n", st->url);
    printf("keystore:    %s\n", st->keystore_url);
    printf("workers:     %" PRIu64 "\n", o.workers);
    for (size_t i = 0; i < st->nowners; i++)
        printf("owner key:   %s %s (%s/keys/%s.json)\n", st->owners[i].id, st->owners[i].public_key,
               o.data_dir, st->owners[i].id);
    printf("admin token: %s\n", st->admin_token);
    printf("env file:    %s/dev.env  (set -a; . %s/dev.env; set +a)\n", o.data_dir, o.data_dir);
    printf("ready\n");
    fflush(stdout);

    /* Supervise until a signal or a child's death. Each sleep is bounded; the loop ends on
     * either event. */
    status = OL_EXIT_OK;
    while (!g_stop) {
        dev_child *c = reap(st);
        if (c != NULL) {
            char how[64];
            describe_exit(c, how, sizeof how);
            dev_log("%s exited (%s); stopping the others", c->name, how);
            status = OL_EXIT_FAIL;
            break;
        }
        sleep_ms(DEV_TICK_MS * 4);
    }
    dev_log("shutting down");
    stop_children(st);
out:
    if (st != NULL) {
        sodium_memzero(st->admin_token, sizeof st->admin_token);
        sodium_memzero(st->worker_token, sizeof st->worker_token);
        sodium_memzero(st->coord_ks_token, sizeof st->coord_ks_token);
        sodium_memzero(st->worker_ks_token, sizeof st->worker_ks_token);
        free(st);
    }
    free(res.pos);
    ol_opts_free(&ol_cmd_dev_opts, &o);
    return status;
}
