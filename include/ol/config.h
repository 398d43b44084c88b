/* Configuration: one static table per subcommand describes every option once (Redis's
 * static_configs[]): its name, type, default, bounds, environment variable and help text, and
 * where its value lives in the subcommand's own config struct. One generic loader fills that
 * struct from, in increasing precedence,
 *
 *     defaults  <  config file  <  environment (OUTLAYER_*)  <  command-line flags
 *
 * and the same table generates `--help` and `--print-config`.
 *
 * Declaring a table (e.g. in the file that owns the struct):
 *
 *     typedef struct my_cfg { char *db; uint64_t port; bool verbose; char *token; } my_cfg;
 *     static const ol_opt my_opts[] = {
 *         {"db", OL_OPT_STR, "sqlite:./x.db", 0, 0, "OUTLAYER_DB", "database URL",
 *          offsetof(my_cfg, db), 0},
 *         {"port", OL_OPT_U64, "8080", 0, 65535, "OUTLAYER_PORT", "TCP port",
 *          offsetof(my_cfg, port), 0},
 *         {"verbose", OL_OPT_BOOL, "false", 0, 0, "OUTLAYER_VERBOSE", "more logs",
 *          offsetof(my_cfg, verbose), 0},
 *         {"token", OL_OPT_STR, "", 0, 0, "OUTLAYER_TOKEN", "bearer token",
 *          offsetof(my_cfg, token), OL_OPT_SECRET},
 *     };
 *     const ol_opt_table my_table = {"my-command", "usage line", my_opts,
 *                                    sizeof my_opts / sizeof my_opts[0], NULL};
 *
 * Slot types: OL_OPT_STR -> char * (owned by the struct; ol_opts_free() releases it),
 * OL_OPT_U64 -> uint64_t, OL_OPT_BOOL -> bool.
 *
 * Syntax
 *   flags:   --name=value, --name value; booleans also as --name / --no-name. `--` ends the
 *            options; everything that is not an option is a positional argument, returned in
 *            order. `--config FILE` (or OUTLAYER_CONFIG) names the config file, `--help` and
 *            `--print-config` are recognised for every table.
 *   env:     the option's `env` name, e.g. OUTLAYER_PORT=9000.
 *   file:    `name = value` lines; `#` starts a comment line; blank lines ignored; `-` and `_`
 *            are interchangeable in names; values are taken verbatim after trimming spaces
 *            (quote with "..." to keep leading/trailing spaces). Errors cite file:line.
 *   U64:     decimal digits, optionally with one suffix k/m/g (x1000) or Ki/Mi/Gi (x1024),
 *            within [min, max] (max 0 = UINT64_MAX).
 *   BOOL:    true/false, yes/no, on/off, 1/0.
 *
 * Secrets (OL_OPT_SECRET) print as "<set>"/"<unset>" in --print-config and never appear in an
 * error message.
 *
 * Thread-safety: a loaded struct is immutable afterwards and may be shared read-only.
 */
#ifndef OL_CONFIG_H
#define OL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ol/err.h"

typedef enum ol_opt_type {
    OL_OPT_STR = 0,
    OL_OPT_U64 = 1,
    OL_OPT_BOOL = 2,
} ol_opt_type;

/* Flags of an option. */
#define OL_OPT_SECRET 1u /* never printed, never echoed in errors */

typedef struct ol_opt {
    const char *name; /* "port": flag --port, file key port */
    ol_opt_type type;
    const char *def;   /* the default, in the option's text syntax; NULL = unset (STR: NULL) */
    uint64_t min, max; /* U64 bounds (max 0 = no upper bound) */
    const char *env;   /* "OUTLAYER_PORT"; NULL = none */
    const char *help;  /* one line */
    size_t offset;     /* offsetof(the struct, the slot) */
    unsigned flags;    /* OL_OPT_SECRET */
} ol_opt;

typedef struct ol_opt_table {
    const char *command; /* "coordinator": names the table in messages and --help */
    const char *usage;   /* the help text's first paragraph (may be NULL) */
    const ol_opt *opts;
    size_t nopts;
    /* Optional whole-struct check run after loading (cross-field rules). Returns OL_OK or an
     * error with a message in d. */
    ol_err (*check)(const void *cfg, ol_diag *d);
} ol_opt_table;

/* What ol_opts_load() found besides option values. */
typedef struct ol_opts_result {
    bool help;         /* --help was given: print ol_opts_help() and exit 0 */
    bool print_config; /* --print-config was given */
    const char **pos;  /* positional arguments in order (borrowed from argv); malloc'd array */
    size_t npos;
    char config_path[512]; /* the config file used, "" when none */
} ol_opts_result;

/* Fills `cfg` (a struct of the table's shape; its slots need not be initialised) from defaults,
 * the config file, `envp` (NULL: the process environment) and argv[0..argc) (argv[0] is the
 * first argument to parse, not a program name). On OL_OK the caller owns the strings stored in
 * cfg (ol_opts_free()) and res->pos (free()). On error nothing is owned and the message names
 * the option and where its value came from (flag, VAR, file:line).
 * Returns OL_OK, OL_E_INVAL (unknown option, bad value, out of range, missing value, check
 * failed), OL_E_IO (unreadable config file), OL_E_NOMEM. */
ol_err ol_opts_load(const ol_opt_table *t, void *cfg, int argc, char *const *argv,
                    char *const *envp, ol_opts_result *res, ol_diag *d);

/* Frees the strings of cfg's STR slots and sets them to NULL. cfg may be NULL. */
void ol_opts_free(const ol_opt_table *t, void *cfg);

/* Writes the help text: usage, then one block per option (flag, env, default, help). */
void ol_opts_help(const ol_opt_table *t, FILE *f);

/* Writes the effective values in config-file syntax, one `name = value` per line (secrets as
 * <set>/<unset>); the output is itself a valid config file when no secret is set. */
void ol_opts_print(const ol_opt_table *t, const void *cfg, FILE *f);

/* Finds an option by name ('-' and '_' equivalent); NULL when absent. */
const ol_opt *ol_opts_find(const ol_opt_table *t, const char *name, size_t len);

/* Parses one value of option o from text into cfg's slot (used by the loader; exposed for
 * tests). `where` names the source for messages. OL_OK, OL_E_INVAL, OL_E_NOMEM. */
ol_err ol_opt_set(const ol_opt *o, void *cfg, const char *text, const char *where, ol_diag *d);

#endif
