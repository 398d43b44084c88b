/* The `outlayer` command line: the command table and helpers shared by the subcommand files.
 * Private to src/cmd. Each subcommand lives in its own cmd_<name>.c and is one row of
 * ol_cmd_table (main.c); adding a role (run, dev, coordinator, worker, ...) is a new file and a
 * new row, nothing else. */
#ifndef OL_CMD_H
#define OL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ol/config.h"
#include "ol/wasm.h"

#define OL_VERSION "0.1.0"

/* Exit statuses, the same for every subcommand. */
enum {
    OL_EXIT_OK = 0,    /* success; `wasm validate`: the module is valid */
    OL_EXIT_FAIL = 1,  /* the input was bad or an operation failed (message on stderr) */
    OL_EXIT_USAGE = 2, /* the command line was wrong */
    OL_EXIT_TRAP = 3,  /* the WebAssembly code trapped (message on stderr) */
};

/* One subcommand. run() gets the arguments from the subcommand's own name on (argv[0] is the
 * name) and returns an exit status. */
typedef struct ol_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary; /* one line for `outlayer help` */
    const char *usage;   /* full text for `outlayer help NAME`; ends with a newline */
} ol_cmd;

/* The top-level table (main.c). */
extern const ol_cmd ol_cmd_table[];
extern const size_t ol_cmd_table_len;

/* Finds `name` in a table of n commands; NULL if absent. */
const ol_cmd *ol_cmd_find(const ol_cmd *table, size_t n, const char *name);

/* The subcommands and their usage texts (each in its cmd_<name>.c). */
int ol_cmd_help(int argc, char **argv);
int ol_cmd_version(int argc, char **argv);
int ol_cmd_wasm(int argc, char **argv);
extern const char ol_cmd_help_usage[];
extern const char ol_cmd_version_usage[];
extern const char ol_cmd_wasm_usage[];
int ol_cmd_run(int argc, char **argv); /* cmd_run.c (WASI jobs) */
extern const char ol_cmd_run_usage[];
int ol_cmd_coordinator(int argc, char **argv); /* cmd_coordinator.c (issue #4) */
extern const char ol_cmd_coordinator_usage[];

/* The platform roles and the client commands (issue #4): cmd_worker.c, cmd_dev.c,
 * cmd_client.c (project, keys, call, verify). */
int ol_cmd_worker(int argc, char **argv);
int ol_cmd_dev(int argc, char **argv);
int ol_cmd_project(int argc, char **argv);
int ol_cmd_keys(int argc, char **argv);
int ol_cmd_call(int argc, char **argv);
int ol_cmd_verify(int argc, char **argv);
extern const char ol_cmd_worker_usage[];
extern const char ol_cmd_dev_usage[];
extern const char ol_cmd_project_usage[];
extern const char ol_cmd_keys_usage[];
extern const char ol_cmd_call_usage[];
extern const char ol_cmd_verify_usage[];

/* The keystore service (issue #6): cmd_keystore.c. */
int ol_cmd_keystore(int argc, char **argv);
extern const char ol_cmd_keystore_usage[];

/* The owner's secrets and the registry of owner keys (issue #6): cmd_secrets.c. */
int ol_cmd_secrets(int argc, char **argv);
int ol_cmd_owners(int argc, char **argv);
extern const char ol_cmd_secrets_usage[];
extern const char ol_cmd_owners_usage[];

/* The local NEAR-compatible chain (issue #7): cmd_sandbox.c. */
int ol_cmd_sandbox(int argc, char **argv);
extern const char ol_cmd_sandbox_usage[];

/* The list of commands, as `outlayer help` prints it. */
void ol_cmd_print_overview(FILE *f);

/* ---- helpers (cmd_util.c) ---- */

/* Prints "outlayer: <message>\n" on stderr. */
void ol_cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True for "-h", "--help" and "help". */
bool ol_cmd_is_help(const char *arg);

/* Reads a whole file ("-" = standard input). On success returns true and the caller owns *data
 * (free()); *len may be 0. On failure prints an error naming the file and returns false. */
bool ol_cmd_read_file(const char *path, uint8_t **data, size_t *len);

/* Parses an unsigned decimal or 0x-hex integer no greater than max (whole string). */
bool ol_cmd_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Parses `s` as a value of type t into a raw slot (see ol/wasm.h "Values"): integers in decimal
 * (optionally negative) or 0x hex, wrapping into the type's two's-complement range; floats in C
 * decimal or hex-float notation, "inf", "nan"; references only "null" (externref also accepts a
 * non-zero integer handle). Returns false if the text is not a value of that type. */
bool ol_cmd_parse_value(const char *s, ol_wasm_valtype t, uint64_t *out);

/* Writes "type:value" (e.g. "i32:42", "f64:0.1", "funcref:null") to f. Integers print as
 * unsigned decimal and floats in the shortest form that reads back to the same bits, NaNs with
 * their payload when it is not the canonical one ("nan:0x200000"). */
void ol_cmd_print_value(FILE *f, ol_wasm_valtype t, uint64_t v);

/* Writes an extern type in WebAssembly text syntax: "func (param i32) (result i64)",
 * "memory 1 2", "table 10 funcref", "global (mut i32)". */
void ol_cmd_print_externtype(FILE *f, const ol_wasm_externtype *t);

/* Writes a name as a quoted text-format string: printable ASCII as is, everything else \hh. */
void ol_cmd_print_name(FILE *f, const char *name, size_t len);

/* ---- client helpers (cmd_client.c), shared with `outlayer dev` ---- */

/* A response body (NUL-terminated when non-NULL) and, after a transport failure, why. */
typedef struct ol_cmd_http_resp {
    char *body;
    size_t len;
    char err[320];
} ol_cmd_http_resp;

/* One HTTP request to base+path. headers: NULL-terminated "Name: value" lines (may be NULL);
 * body NULL for none (then GET unless method says otherwise); content_type NULL: JSON.
 * Returns true when a response arrived (any status, in *status); false with resp->err set
 * otherwise. Prints nothing. Free resp with ol_cmd_http_resp_free(). */
bool ol_cmd_http(const char *base, const char *method, const char *path, const char *const *headers,
                 const void *body, size_t body_len, const char *content_type, long timeout_ms,
                 long *status, ol_cmd_http_resp *resp);
void ol_cmd_http_resp_free(ol_cmd_http_resp *r);

/* Prints j indented, in insertion order, on stdout. */
void ol_cmd_print_json(json_t *j);
/* Reports the coordinator's error body ({"error","code"}) of a non-2xx answer to `what`. */
void ol_cmd_http_error(const char *what, long status, json_t *body);

/* Loads the options of table t into o (zeroed first, so ol_opts_free() is safe on it whatever
 * happens). Returns -1 to go on, else the exit status to return (--help, --print-config, a
 * usage error already reported). */
int ol_cmd_load_opts(const ol_opt_table *t, void *o, size_t o_size, ol_opts_result *res, int argc,
                     char **argv);

#endif
