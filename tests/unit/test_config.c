/* The option loader (ol/config.h): precedence defaults < file < environment < flags, value
 * syntax, errors that name their source, --help / --print-config from the table, secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ol/config.h"
#include "ol/coord.h"
#include "test.h"

/* A mutable copy of a string literal (argv and envp entries are char *). */
#define S(x) ((char[]){x})

typedef struct tcfg {
    char *name;
    uint64_t port;
    bool verbose;
    char *token;
    uint64_t size;
} tcfg;

static ol_err tcheck(const void *p, ol_diag *d)
{
    const tcfg *c = p;
    if (c->port == 13)
        return OL_FAIL(d, OL_E_INVAL, "port 13 is unlucky");
    return OL_OK;
}

static const ol_opt topts[] = {
    {"name", OL_OPT_STR, "default-name", 0, 0, "OUTLAYER_T_NAME", "a name", offsetof(tcfg, name),
     0},
    {"port", OL_OPT_U64, "8080", 0, 65535, "OUTLAYER_T_PORT", "a port", offsetof(tcfg, port), 0},
    {"verbose", OL_OPT_BOOL, "false", 0, 0, "OUTLAYER_T_VERBOSE", "chatty", offsetof(tcfg, verbose),
     0},
    {"token", OL_OPT_STR, "", 0, 0, "OUTLAYER_T_TOKEN", "a secret", offsetof(tcfg, token),
     OL_OPT_SECRET},
    {"max-size", OL_OPT_U64, "1Ki", 1, 0, "OUTLAYER_T_MAX_SIZE", "bytes", offsetof(tcfg, size), 0},
};

static const ol_opt_table ttable = {"test", "usage: test [OPTIONS]", topts,
                                    sizeof topts / sizeof topts[0], tcheck};

static char tmpfile_path[64];

static const char *write_file(const char *text)
{
    snprintf(tmpfile_path, sizeof tmpfile_path, "/tmp/ol-config-test-XXXXXX");
    int fd = mkstemp(tmpfile_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return tmpfile_path;
}

static ol_err load(tcfg *c, int argc, char **argv, char **envp, ol_opts_result *res, ol_diag *d)
{
    char *empty[] = {NULL};
    return ol_opts_load(&ttable, c, argc, argv, envp != NULL ? envp : empty, res, d);
}

static void test_config_defaults(void **state)
{
    (void)state;
    tcfg c;
    ol_opts_result res;
    ol_diag d = {0};
    assert_int_equal(load(&c, 0, NULL, NULL, &res, &d), OL_OK);
    assert_string_equal(c.name, "default-name");
    assert_int_equal(c.port, 8080);
    assert_false(c.verbose);
    assert_string_equal(c.token, "");
    assert_int_equal(c.size, 1024);
    assert_int_equal(res.npos, 0);
    assert_false(res.help);
    ol_opts_free(&ttable, &c);
    free(res.pos);
}

static void test_config_precedence(void **state)
{
    (void)state;
    tcfg c;
    ol_opts_result res;
    ol_diag d = {0};
    const char *path = write_file("# a comment\n\nname = from-file\nport=1000\n"
                                  "max_size = 2k\nverbose = yes\n");
    char cfgflag[128];
    snprintf(cfgflag, sizeof cfgflag, "--config=%s", path);
    /* file only */
    char *argv1[] = {cfgflag};
    assert_int_equal(load(&c, 1, argv1, NULL, &res, &d), OL_OK);
    assert_string_equal(c.name, "from-file");
    assert_int_equal(c.port, 1000);
    assert_int_equal(c.size, 2000);
    assert_true(c.verbose);
    assert_string_equal(res.config_path, path);
    ol_opts_free(&ttable, &c);
    free(res.pos);
    /* env beats file */
    char *env[] = {S("OUTLAYER_T_PORT=2000"), S("OUTLAYER_T_NAME=from-env"), NULL};
    assert_int_equal(load(&c, 1, argv1, env, &res, &d), OL_OK);
    assert_string_equal(c.name, "from-env");
    assert_int_equal(c.port, 2000);
    ol_opts_free(&ttable, &c);
    free(res.pos);
    /* flags beat env; both flag forms; --no-bool */
    char *argv2[] = {cfgflag, S("--port"), S("3000"), S("--name=from-flag"), S("--no-verbose")};
    assert_int_equal(load(&c, 5, argv2, env, &res, &d), OL_OK);
    assert_string_equal(c.name, "from-flag");
    assert_int_equal(c.port, 3000);
    assert_false(c.verbose);
    ol_opts_free(&ttable, &c);
    free(res.pos);
    /* OUTLAYER_CONFIG names the file too */
    char envcfg[128];
    snprintf(envcfg, sizeof envcfg, "OUTLAYER_CONFIG=%s", path);
    char *env2[] = {envcfg, NULL};
    assert_int_equal(load(&c, 0, NULL, env2, &res, &d), OL_OK);
    assert_string_equal(c.name, "from-file");
    ol_opts_free(&ttable, &c);
    free(res.pos);
    unlink(path);
}

static void test_config_positionals_and_meta(void **state)
{
    (void)state;
    tcfg c;
    ol_opts_result res;
    ol_diag d = {0};
    char *argv[] = {S("one"), S("--verbose"), S("two"), S("--help"), S("--"), S("--port"), S("-")};
    assert_int_equal(load(&c, 7, argv, NULL, &res, &d), OL_OK);
    assert_true(res.help);
    assert_true(c.verbose);
    assert_int_equal(res.npos, 4);
    assert_string_equal(res.pos[0], "one");
    assert_string_equal(res.pos[1], "two");
    assert_string_equal(res.pos[2], "--port");
    assert_string_equal(res.pos[3], "-");
    assert_int_equal(c.port, 8080);
    ol_opts_free(&ttable, &c);
    free(res.pos);
    char *argv2[] = {S("--print-config")};
    assert_int_equal(load(&c, 1, argv2, NULL, &res, &d), OL_OK);
    assert_true(res.print_config);
    ol_opts_free(&ttable, &c);
    free(res.pos);
}

static void expect_error(int argc, char **argv, char **env, ol_err want, const char *substr)
{
    tcfg c;
    ol_opts_result res;
    ol_diag d = {0};
    assert_int_equal(load(&c, argc, argv, env, &res, &d), want);
    if (strstr(d.msg, substr) == NULL)
        fail_msg("message '%s' lacks '%s'", d.msg, substr);
    assert_null(res.pos);
}

static void test_config_errors(void **state)
{
    (void)state;
    char *a1[] = {S("--nope=1")};
    expect_error(1, a1, NULL, OL_E_INVAL, "unknown option '--nope'");
    char *a2[] = {S("--port"), S("99999")};
    expect_error(2, a2, NULL, OL_E_INVAL, "--port: port must be in 0..65535");
    char *a3[] = {S("--port")};
    expect_error(1, a3, NULL, OL_E_INVAL, "--port needs a value");
    char *a4[] = {S("--port=12x")};
    expect_error(1, a4, NULL, OL_E_INVAL, "unsigned integer, not '12x'");
    char *a5[] = {S("--verbose=maybe")};
    expect_error(1, a5, NULL, OL_E_INVAL, "true or false");
    char *env[] = {S("OUTLAYER_T_PORT=abc"), NULL};
    expect_error(0, NULL, env, OL_E_INVAL, "OUTLAYER_T_PORT: port must be");
    char *a6[] = {S("--port=13")};
    expect_error(1, a6, NULL, OL_E_INVAL, "unlucky");
    char *a7[] = {S("-x")};
    expect_error(1, a7, NULL, OL_E_INVAL, "unknown option '-x'");
    char *a8[] = {S("--max-size=0")};
    expect_error(1, a8, NULL, OL_E_INVAL, "max-size must be in 1..");
    char *a9[] = {S("--port=18446744073709551616")};
    expect_error(1, a9, NULL, OL_E_INVAL, "unsigned integer");
    char *a10[] = {S("--config=/nonexistent/ol.conf")};
    expect_error(1, a10, NULL, OL_E_IO, "/nonexistent/ol.conf");

    const char *path = write_file("name = ok\nport = 70000\n");
    char flag[128];
    snprintf(flag, sizeof flag, "--config=%s", path);
    char *a11[] = {flag};
    char want[128];
    snprintf(want, sizeof want, "%s:2: port must be", path);
    expect_error(1, a11, NULL, OL_E_INVAL, want);
    unlink(path);
    path = write_file("bogus = 1\n");
    snprintf(flag, sizeof flag, "--config=%s", path);
    snprintf(want, sizeof want, "%s:1: unknown option 'bogus'", path);
    expect_error(1, a11, NULL, OL_E_INVAL, want);
    unlink(path);
    path = write_file("just words\n");
    snprintf(flag, sizeof flag, "--config=%s", path);
    expect_error(1, a11, NULL, OL_E_INVAL, "expected `name = value`");
    unlink(path);
    /* A secret's value never appears in a message. */
    char *a12[] = {S("--token=sekrit-value"), S("--port=x-sekrit")};
    tcfg c;
    ol_opts_result res;
    ol_diag d = {0};
    assert_int_equal(load(&c, 2, a12, NULL, &res, &d), OL_E_INVAL);
    assert_null(strstr(d.msg, "sekrit-value"));
}

static void test_config_print_and_help(void **state)
{
    (void)state;
    tcfg c;
    ol_opts_result res;
    ol_diag d = {0};
    char *argv[] = {S("--token=very-secret"), S("--name=  spaced  ")};
    assert_int_equal(load(&c, 2, argv, NULL, &res, &d), OL_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ol_opts_print(&ttable, &c, f);
    fclose(f);
    assert_non_null(strstr(buf, "port = 8080\n"));
    assert_non_null(strstr(buf, "token = <set>\n"));
    assert_non_null(strstr(buf, "name = \"  spaced  \"\n"));
    assert_null(strstr(buf, "very-secret"));
    /* The printed text reads back (without the secret) to the same values. */
    free(buf);
    ol_opts_free(&ttable, &c);
    free(res.pos);

    f = open_memstream(&buf, &len);
    ol_opts_help(&ttable, f);
    fclose(f);
    assert_non_null(strstr(buf, "usage: test [OPTIONS]"));
    assert_non_null(strstr(buf, "--port=N"));
    assert_non_null(strstr(buf, "env OUTLAYER_T_PORT; default: 8080; range 0..65535"));
    assert_non_null(strstr(buf, "--token=TEXT"));
    assert_non_null(strstr(buf, "secret"));
    free(buf);
}

static void test_config_print_roundtrip(void **state)
{
    (void)state;
    tcfg c, c2;
    ol_opts_result res;
    ol_diag d = {0};
    char *argv[] = {S("--name=  a b  "), S("--port=4242"), S("--verbose"), S("--max-size=5Mi")};
    assert_int_equal(load(&c, 4, argv, NULL, &res, &d), OL_OK);
    free(res.pos);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ol_opts_print(&ttable, &c, f);
    fclose(f);
    /* Drop the secret line (printed as <unset>) and load the rest as a file. */
    char *tok = strstr(buf, "token = ");
    assert_non_null(tok);
    tok[0] = '#';
    const char *path = write_file(buf);
    char flag[128];
    snprintf(flag, sizeof flag, "--config=%s", path);
    char *argv2[] = {flag};
    assert_int_equal(load(&c2, 1, argv2, NULL, &res, &d), OL_OK);
    free(res.pos);
    assert_string_equal(c2.name, c.name);
    assert_int_equal(c2.port, 4242);
    assert_true(c2.verbose);
    assert_int_equal(c2.size, 5u << 20);
    ol_opts_free(&ttable, &c);
    ol_opts_free(&ttable, &c2);
    unlink(path);
    free(buf);
}

/* The coordinator's own table loads its defaults, passes its check and refuses
 * inconsistent combinations. */
static void test_config_coordinator_table(void **state)
{
    (void)state;
    ol_coord_config c;
    ol_opts_result res;
    ol_diag d = {0};
    char *empty[] = {NULL};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &c, 0, NULL, empty, &res, &d), OL_OK);
    assert_int_equal(c.port, 8080);
    assert_int_equal(c.default_compute_limit, 10000);
    assert_int_equal(c.min_compute_limit, 1000);
    assert_int_equal(c.rate_limit_per_minute, 1000);
    assert_int_equal(c.max_concurrent_calls, 10);
    assert_int_equal(c.max_body_bytes, 10u << 20);
    assert_int_equal(c.lease_ms, 10000);
    assert_int_equal(c.max_attempts, 3);
    assert_string_equal(c.db, "sqlite:./outlayer.db");
    ol_opts_free(&ol_coord_opt_table, &c);
    free(res.pos);
    char *bad[] = {S("--min-compute-limit=20000")};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &c, 1, bad, empty, &res, &d), OL_E_INVAL);
    assert_non_null(strstr(d.msg, "default-compute-limit"));
    char *bad2[] = {S("--max-body-bytes=20Mi")};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &c, 1, bad2, empty, &res, &d), OL_E_INVAL);
    char *bad3[] = {S("--log-level=loud")};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &c, 1, bad3, empty, &res, &d), OL_E_INVAL);
    char *bad4[] = {S("--admin-token-sha256=xyz")};
    assert_int_equal(ol_opts_load(&ol_coord_opt_table, &c, 1, bad4, empty, &res, &d), OL_E_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_precedence),
        cmocka_unit_test(test_config_positionals_and_meta),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_config_print_and_help),
        cmocka_unit_test(test_config_print_roundtrip),
        cmocka_unit_test(test_config_coordinator_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
