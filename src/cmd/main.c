/* `outlayer`: the one executable of OutLayer. main() only dispatches on the first argument
 * through ol_cmd_table; every subcommand is one row here and one cmd_<name>.c file. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_near.h"

const ol_cmd ol_cmd_table[] = {
    {"help", ol_cmd_help, "show help for outlayer or one of its commands", ol_cmd_help_usage},
    {"version", ol_cmd_version, "print the version", ol_cmd_version_usage},
    {"wasm", ol_cmd_wasm, "validate, inspect and invoke WebAssembly modules", ol_cmd_wasm_usage},
    {"run", ol_cmd_run, "run a WASI job with metering, limits, record/replay", ol_cmd_run_usage},
    {"near", ol_cmd_near, "NEAR keys, offline signing, RPC view/call", ol_cmd_near_usage},
    {"coordinator", ol_cmd_coordinator, "serve the HTTPS API and the worker protocol",
     ol_cmd_coordinator_usage},
    {"sandbox", ol_cmd_sandbox, "a local NEAR-compatible chain with JSON-RPC",
     ol_cmd_sandbox_usage},
    {"keystore", ol_cmd_keystore, "hold the master secret and decrypt secrets for granted runs",
     ol_cmd_keystore_usage},
    {"dev", ol_cmd_dev, "the whole stack locally: keystore + coordinator + workers",
     ol_cmd_dev_usage},
    {"worker", ol_cmd_worker, "run jobs for a coordinator", ol_cmd_worker_usage},
    {"project", ol_cmd_project, "create projects and upload versions", ol_cmd_project_usage},
    {"keys", ol_cmd_keys, "create payment keys, show balances", ol_cmd_keys_usage},
    {"call", ol_cmd_call, "call a project over HTTPS", ol_cmd_call_usage},
    {"secrets", ol_cmd_secrets, "store, list and delete encrypted secrets (owner-signed)",
     ol_cmd_secrets_usage},
    {"owners", ol_cmd_owners, "register the keys that sign owners' secrets requests",
     ol_cmd_owners_usage},
    {"verify", ol_cmd_verify, "check a call's evidence and replay it", ol_cmd_verify_usage},
};

const size_t ol_cmd_table_len = sizeof ol_cmd_table / sizeof ol_cmd_table[0];

const ol_cmd *ol_cmd_find(const ol_cmd *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        ol_cmd_print_overview(stderr);
        return OL_EXIT_USAGE;
    }

    const char *name = argv[1];
    if (ol_cmd_is_help(name))
        name = "help";
    else if (strcmp(name, "--version") == 0)
        name = "version";

    const ol_cmd *c = ol_cmd_find(ol_cmd_table, ol_cmd_table_len, name);
    if (c == NULL) {
        ol_cmd_error("unknown command '%s'; run 'outlayer help' for the list", argv[1]);
        return OL_EXIT_USAGE;
    }
    int status = c->run(argc - 1, argv + 1);
    /* A full disk or a closed pipe must not pass for success. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        ol_cmd_error("error writing to standard output");
        return OL_EXIT_FAIL;
    }
    return status;
}
