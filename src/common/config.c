/* The generic option loader behind every subcommand's option table (ol/config.h).
 *
 * Invariant: an option's slot is always in a defined state — its default first, then each
 * source overwrites it in precedence order (file, environment, flags), so the last writer wins
 * and a failure at any step leaves nothing owned (every STR slot is freed before returning an
 * error). A secret's value never reaches a message.
 */
#include "ol/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OPTS_FILE_MAX ((size_t)1 << 20) /* config files above 1 MiB are refused */
#define OPTS_LINE_MAX 4096

extern char **environ;

static bool name_char_eq(char a, char b)
{
    if (a == '_')
        a = '-';
    if (b == '_')
        b = '-';
    return a == b;
}

const ol_opt *ol_opts_find(const ol_opt_table *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->nopts; i++) {
        const char *n = t->opts[i].name;
        size_t nl = strlen(n);
        if (nl != len)
            continue;
        size_t k = 0;
        while (k < len && name_char_eq(n[k], name[k]))
            k++;
        if (k == len)
            return &t->opts[i];
    }
    return NULL;
}

static void *slot(const ol_opt *o, void *cfg)
{
    return (char *)cfg + o->offset;
}

static const void *cslot(const ol_opt *o, const void *cfg)
{
    return (const char *)cfg + o->offset;
}

/* Parses an unsigned integer with an optional k/m/g (x1000) or Ki/Mi/Gi (x1024) suffix. */
static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    if (!isdigit((unsigned char)s[0]))
        return false;
    for (; isdigit((unsigned char)s[i]); i++) {
        uint64_t digit = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    uint64_t mul = 1;
    const char *suf = s + i;
    if (*suf != '\0') {
        bool bin = suf[1] == 'i';
        uint64_t base = bin ? 1024 : 1000;
        switch (suf[0]) {
        case 'k':
        case 'K':
            mul = base;
            break;
        case 'm':
        case 'M':
            mul = base * base;
            break;
        case 'g':
        case 'G':
            mul = base * base * base;
            break;
        default:
            return false;
        }
        if (suf[bin ? 2 : 1] != '\0')
            return false;
    }
    if (mul != 1 && v > UINT64_MAX / mul)
        return false;
    *out = v * mul;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

ol_err ol_opt_set(const ol_opt *o, void *cfg, const char *text, const char *where, ol_diag *d)
{
    bool secret = (o->flags & OL_OPT_SECRET) != 0;
    switch (o->type) {
    case OL_OPT_STR: {
        char *copy = strdup(text);
        if (copy == NULL)
            return OL_FAIL(d, OL_E_NOMEM, "option %s", o->name);
        char **p = slot(o, cfg);
        free(*p);
        *p = copy;
        return OL_OK;
    }
    case OL_OPT_U64: {
        uint64_t v;
        if (!parse_u64(text, &v)) {
            if (secret)
                return OL_FAIL(d, OL_E_INVAL, "%s: %s must be an unsigned integer", where, o->name);
            return OL_FAIL(d, OL_E_INVAL, "%s: %s must be an unsigned integer, not '%.64s'", where,
                           o->name, text);
        }
        uint64_t max = o->max == 0 ? UINT64_MAX : o->max;
        if (v < o->min || v > max)
            return OL_FAIL(d, OL_E_INVAL, "%s: %s must be in %llu..%llu", where, o->name,
                           (unsigned long long)o->min, (unsigned long long)max);
        uint64_t *p = slot(o, cfg);
        *p = v;
        return OL_OK;
    }
    case OL_OPT_BOOL: {
        bool v;
        if (!parse_bool(text, &v))
            return OL_FAIL(d, OL_E_INVAL, "%s: %s must be true or false", where, o->name);
        bool *p = slot(o, cfg);
        *p = v;
        return OL_OK;
    }
    }
    return OL_FAIL(d, OL_E_INVAL, "option %s has an unknown type", o->name);
}

void ol_opts_free(const ol_opt_table *t, void *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < t->nopts; i++) {
        if (t->opts[i].type != OL_OPT_STR)
            continue;
        char **p = slot(&t->opts[i], cfg);
        free(*p);
        *p = NULL;
    }
}

static ol_err set_defaults(const ol_opt_table *t, void *cfg, ol_diag *d)
{
    /* Every slot gets a defined value before anything can fail, so ol_opts_free() is safe. */
    for (size_t i = 0; i < t->nopts; i++) {
        const ol_opt *o = &t->opts[i];
        switch (o->type) {
        case OL_OPT_STR:
            *(char **)slot(o, cfg) = NULL;
            break;
        case OL_OPT_U64:
            *(uint64_t *)slot(o, cfg) = 0;
            break;
        case OL_OPT_BOOL:
            *(bool *)slot(o, cfg) = false;
            break;
        }
    }
    for (size_t i = 0; i < t->nopts; i++) {
        const ol_opt *o = &t->opts[i];
        if (o->def == NULL)
            continue;
        ol_err rc = ol_opt_set(o, cfg, o->def, "default", d);
        if (rc != OL_OK)
            return rc;
    }
    return OL_OK;
}

static const char *env_get(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; envp != NULL && envp[i] != NULL; i++) {
        if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
            return envp[i] + n + 1;
    }
    return NULL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* Reads `key = value` lines. Unknown keys and malformed lines are errors citing file:line. */
static ol_err load_file(const ol_opt_table *t, void *cfg, const char *path, ol_diag *d)
{
    ol_err rc = OL_OK;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return OL_FAIL(d, OL_E_IO, "config file %s: %s", path, strerror(errno));
    char line[OPTS_LINE_MAX];
    char where[600];
    unsigned long lineno = 0;
    size_t total = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        size_t ll = strlen(line);
        total += ll;
        snprintf(where, sizeof where, "%s:%lu", path, lineno);
        if (total > OPTS_FILE_MAX) {
            rc = OL_FAIL(d, OL_E_INVAL, "%s: config file larger than %zu bytes", where,
                         OPTS_FILE_MAX);
            goto out;
        }
        if (ll == sizeof line - 1 && line[ll - 1] != '\n' && !feof(f)) {
            rc = OL_FAIL(d, OL_E_INVAL, "%s: line longer than %d bytes", where, OPTS_LINE_MAX - 2);
            goto out;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            rc = OL_FAIL(d, OL_E_INVAL, "%s: expected `name = value`", where);
            goto out;
        }
        *eq = '\0';
        char *key = trim(s);
        char *val = trim(eq + 1);
        size_t vl = strlen(val);
        if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
            val[vl - 1] = '\0';
            val++;
        }
        const ol_opt *o = ol_opts_find(t, key, strlen(key));
        if (o == NULL) {
            rc =
                OL_FAIL(d, OL_E_INVAL, "%s: unknown option '%.64s' for %s", where, key, t->command);
            goto out;
        }
        rc = ol_opt_set(o, cfg, val, where, d);
        if (rc != OL_OK)
            goto out;
    }
    if (ferror(f))
        rc = OL_FAIL(d, OL_E_IO, "config file %s: read error", path);
out:
    fclose(f);
    return rc;
}

/* Is argv[i] `--name` or `--name=...`? Sets *val to the text after '=' (NULL if none). */
static bool is_flag(const char *arg, const char *name, const char **val)
{
    size_t n = strlen(name);
    if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, n) != 0)
        return false;
    if (arg[2 + n] == '\0') {
        *val = NULL;
        return true;
    }
    if (arg[2 + n] == '=') {
        *val = arg + 3 + n;
        return true;
    }
    return false;
}

ol_err ol_opts_load(const ol_opt_table *t, void *cfg, int argc, char *const *argv,
                    char *const *envp, ol_opts_result *res, ol_diag *d)
{
    ol_err rc;
    if (envp == NULL)
        envp = environ;
    memset(res, 0, sizeof *res);
    const char **pos = calloc((size_t)(argc > 0 ? argc : 1), sizeof *pos);
    if (pos == NULL)
        return OL_FAIL(d, OL_E_NOMEM, "arguments");
    size_t npos = 0;
    rc = set_defaults(t, cfg, d);
    if (rc != OL_OK)
        goto fail;

    /* Pass 1: the meta flags (--help, --print-config, --config). */
    const char *config_path = env_get(envp, "OUTLAYER_CONFIG");
    for (int i = 0; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            res->help = true;
        else if (strcmp(argv[i], "--print-config") == 0)
            res->print_config = true;
        else if (is_flag(argv[i], "config", &v)) {
            if (v == NULL) {
                if (i + 1 >= argc) {
                    rc = OL_FAIL(d, OL_E_INVAL, "--config needs a file name");
                    goto fail;
                }
                v = argv[++i];
            }
            config_path = v;
        }
    }
    if (config_path != NULL && config_path[0] != '\0') {
        if (strlen(config_path) >= sizeof res->config_path) {
            rc = OL_FAIL(d, OL_E_INVAL, "config file name too long");
            goto fail;
        }
        rc = load_file(t, cfg, config_path, d);
        if (rc != OL_OK)
            goto fail;
        strcpy(res->config_path, config_path);
    }

    /* The environment. */
    for (size_t i = 0; i < t->nopts; i++) {
        const ol_opt *o = &t->opts[i];
        const char *v = o->env != NULL ? env_get(envp, o->env) : NULL;
        if (v == NULL)
            continue;
        rc = ol_opt_set(o, cfg, v, o->env, d);
        if (rc != OL_OK)
            goto fail;
    }

    /* Pass 2: flags and positionals. */
    bool only_pos = false;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *v;
        if (only_pos || arg[0] != '-' || strcmp(arg, "-") == 0) {
            pos[npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 ||
            strcmp(arg, "--print-config") == 0)
            continue;
        if (is_flag(arg, "config", &v)) {
            if (v == NULL)
                i++;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            rc = OL_FAIL(d, OL_E_INVAL, "unknown option '%.64s' for %s", arg, t->command);
            goto fail;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq != NULL ? (size_t)(eq - name) : strlen(name);
        const ol_opt *o = ol_opts_find(t, name, nlen);
        char where[80];
        if (o == NULL && nlen > 3 && strncmp(name, "no-", 3) == 0 && eq == NULL) {
            const ol_opt *b = ol_opts_find(t, name + 3, nlen - 3);
            if (b != NULL && b->type == OL_OPT_BOOL) {
                *(bool *)slot(b, cfg) = false;
                continue;
            }
        }
        if (o == NULL) {
            rc = OL_FAIL(d, OL_E_INVAL, "unknown option '--%.*s' for %s",
                         (int)(nlen > 64 ? 64 : nlen), name, t->command);
            goto fail;
        }
        snprintf(where, sizeof where, "--%s", o->name);
        if (eq != NULL) {
            v = eq + 1;
        } else if (o->type == OL_OPT_BOOL) {
            v = "true";
        } else {
            if (i + 1 >= argc) {
                rc = OL_FAIL(d, OL_E_INVAL, "--%s needs a value", o->name);
                goto fail;
            }
            v = argv[++i];
        }
        rc = ol_opt_set(o, cfg, v, where, d);
        if (rc != OL_OK)
            goto fail;
    }

    if (t->check != NULL && !res->help) {
        rc = t->check(cfg, d);
        if (rc != OL_OK)
            goto fail;
    }
    res->pos = pos;
    res->npos = npos;
    return OL_OK;
fail:
    free(pos);
    ol_opts_free(t, cfg);
    memset(res, 0, sizeof *res);
    return rc;
}

static const char *type_meta(const ol_opt *o)
{
    switch (o->type) {
    case OL_OPT_STR:
        return "TEXT";
    case OL_OPT_U64:
        return "N";
    case OL_OPT_BOOL:
        return "BOOL";
    }
    return "?";
}

void ol_opts_help(const ol_opt_table *t, FILE *f)
{
    if (t->usage != NULL)
        fprintf(f, "%s\n", t->usage);
    fprintf(f, "Options (flags > environment > config file > defaults):\n");
    for (size_t i = 0; i < t->nopts; i++) {
        const ol_opt *o = &t->opts[i];
        fprintf(f, "  --%s=%s\n      %s\n      ", o->name, type_meta(o), o->help);
        if (o->env != NULL)
            fprintf(f, "env %s; ", o->env);
        if (o->flags & OL_OPT_SECRET)
            fprintf(f, "secret");
        else if (o->def == NULL || o->def[0] == '\0')
            fprintf(f, "default: none");
        else
            fprintf(f, "default: %s", o->def);
        if (o->type == OL_OPT_U64 && (o->min != 0 || o->max != 0)) {
            if (o->max != 0)
                fprintf(f, "; range %llu..%llu", (unsigned long long)o->min,
                        (unsigned long long)o->max);
            else
                fprintf(f, "; at least %llu", (unsigned long long)o->min);
        }
        fputc('\n', f);
    }
    fprintf(f, "  --config=FILE\n      a file of `name = value` lines; env OUTLAYER_CONFIG\n"
               "  --print-config\n      print the effective configuration and exit\n"
               "  --help\n      this text\n");
}

void ol_opts_print(const ol_opt_table *t, const void *cfg, FILE *f)
{
    fprintf(f, "# outlayer %s: effective configuration\n", t->command);
    for (size_t i = 0; i < t->nopts; i++) {
        const ol_opt *o = &t->opts[i];
        fprintf(f, "%s = ", o->name);
        switch (o->type) {
        case OL_OPT_STR: {
            const char *v = *(char *const *)cslot(o, cfg);
            if (o->flags & OL_OPT_SECRET) {
                fprintf(f, "%s", v != NULL && v[0] != '\0' ? "<set>" : "<unset>");
                break;
            }
            if (v == NULL)
                v = "";
            size_t n = strlen(v);
            bool quote = n > 0 && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' ||
                                   v[n - 1] == '\t' || v[0] == '"');
            fprintf(f, quote ? "\"%s\"" : "%s", v);
            break;
        }
        case OL_OPT_U64:
            if (o->flags & OL_OPT_SECRET)
                fprintf(f, "<set>");
            else
                fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)cslot(o, cfg));
            break;
        case OL_OPT_BOOL:
            fprintf(f, "%s", *(const bool *)cslot(o, cfg) ? "true" : "false");
            break;
        }
        fputc('\n', f);
    }
}
