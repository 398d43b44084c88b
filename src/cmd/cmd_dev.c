/* `outlayer dev`: the whole HTTPS stack on one machine, in one command.
 *
 * It generates an admin token and a worker token, starts the coordinator and the workers as
 * child processes of this same executable (/proc/self/exe), waits until the coordinator answers
 * /health and every worker shows up online in /public/workers, writes DATA_DIR/dev.env (mode
 * 0600) with OUTLAYER_URL and OUTLAYER_ADMIN_TOKEN, prints the token and a `ready` line, and then
 * supervises. Ctrl-C (SIGINT) or SIGTERM stops the children in the reverse order of their start
 * (workers first, so they report what they are running while the coordinator is still up): each
 * gets SIGINT, a bounded wait, then SIGKILL. A child that dies on its own stops the rest too.
 *
 * The children are rows of `roles` below: a role says how many instances it has, how to build
 * an instance's argv, and how to tell that it is ready. The keystore and the sandbox chain are
 * further rows when they exist.
 *
 * Secrets travel to the children in their environment (OUTLAYER_ADMIN_TOKEN,
 * OUTLAYER_WORKER_TOKEN), never on a command line where `ps` would show them. Each child runs in
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
#include "ol/log.h"

#define DEV_MAX_CHILDREN 64
#define DEV_MAX_ARGS     16
#define DEV_TICK_MS      50

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
};
#undef D

static ol_err dev_check(const void *cfg, ol_diag *d)
{
    const dev_opts *o = cfg;
    if (o->data_dir == NULL || o->data_dir[0] == '\0')
        return OL_FAIL(d, OL_E_INVAL, "dev: --data-dir must not be empty");
    if (!ol_log_level_parse(o->log_level, NULL))
        return OL_FAIL(d, OL_E_INVAL, "dev: --log-level must be error, warn, info or debug");
    return OL_OK;
}

const ol_opt_table ol_cmd_dev_opts = {
    "dev",
    "usage: outlayer dev [OPTIONS]\n"
    "\n"
    "Starts a coordinator and --workers worker processes on this machine with their data in\n"
    "--data-dir, prints a fresh admin token, writes DATA_DIR/dev.env (OUTLAYER_URL and\n"
    "OUTLAYER_ADMIN_TOKEN, mode 0600) for the client commands, prints `ready`, and runs until\n"
    "Ctrl-C. Coordinator options can be set through their OUTLAYER_* environment variables.",
    dev_opt_list,
    sizeof dev_opt_list / sizeof dev_opt_list[0],
    dev_check,
};

const char ol_cmd_dev_usage[] =
    "usage: outlayer dev [OPTIONS]\n"
    "Starts the whole stack locally (coordinator + workers) until Ctrl-C. `outlayer dev --help`\n"
    "lists the options.\n";

/* ---- state ------------------------------------------------------------------------------ */

typedef struct dev_child {
    char name[32];
    pid_t pid;
    bool exited;
    int wstatus;
} dev_child;

typedef struct dev_state {
    const dev_opts *o;
    char self[4096]; /* this executable */
    char url[256];   /* the coordinator's base URL, once known */
    char admin_token[65];
    char worker_token[65];
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
    argv[n++] = arg_outlayer;
    argv[n++] = arg_coordinator;
    snprintf(buf[0], 512, "--db=sqlite:%s/outlayer.db", o->data_dir);
    snprintf(buf[1], 512, "--host=%s", o->host);
    snprintf(buf[2], 512, "--port=%" PRIu64, o->port);
    snprintf(buf[3], 512, "--port-file=%s/coordinator.port", o->data_dir);
    snprintf(buf[4], 512, "--log-level=%s", o->log_level);
    for (size_t k = 0; k < 5; k++)
        argv[n++] = buf[k];
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
    for (size_t k = 0; k < 5; k++)
        argv[n++] = buf[k];
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

static bool coord_ready(dev_state *st, uint64_t deadline)
{
    char path[4200];
    unsigned port = 0;
    snprintf(path, sizeof path, "%s/coordinator.port", st->o->data_dir);
    /* Bounded: by the deadline, and in count by deadline / tick. */
    while (!read_port(path, &port)) {
        if (g_stop || child_died(st) || now_ms() >= deadline) {
            if (!g_stop && now_ms() >= deadline)
                dev_log("the coordinator did not write %s in time", path);
            return false;
        }
        sleep_ms(DEV_TICK_MS);
    }
    const char *host = strcmp(st->o->host, "0.0.0.0") == 0 ? "127.0.0.1" : st->o->host;
    snprintf(st->url, sizeof st->url, "http://%s:%u", host, port);
    for (;;) {
        long status = 0;
        ol_cmd_http_resp r = {0};
        if (ol_cmd_http(st->url, "GET", "/health", NULL, NULL, 0, NULL, 2000, &status, &r) &&
            status == 200) {
            ol_cmd_http_resp_free(&r);
            return true;
        }
        ol_cmd_http_resp_free(&r);
        if (g_stop || child_died(st) || now_ms() >= deadline) {
            if (!g_stop && now_ms() >= deadline)
                dev_log("the coordinator at %s did not become healthy in time", st->url);
            return false;
        }
        sleep_ms(DEV_TICK_MS);
    }
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
    char text[512];
    int len = snprintf(text, sizeof text, "OUTLAYER_URL=%s\nOUTLAYER_ADMIN_TOKEN=%s\n", st->url,
                       st->admin_token);
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

    if (o.admin_token[0] != '\0')
        snprintf(st->admin_token, sizeof st->admin_token, "%s", o.admin_token);
    else
        random_hex(st->admin_token);
    random_hex(st->worker_token);
    /* The children read their secrets from the environment they inherit. */
    if (setenv("OUTLAYER_ADMIN_TOKEN", st->admin_token, 1) != 0 ||
        setenv("OUTLAYER_WORKER_TOKEN", st->worker_token, 1) != 0) {
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
    printf("workers:     %" PRIu64 "\n", o.workers);
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
        free(st);
    }
    free(res.pos);
    ol_opts_free(&ol_cmd_dev_opts, &o);
    return status;
}
