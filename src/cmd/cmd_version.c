/* `outlayer version`: the version of the binary and what its WebAssembly engine supports. */
#include <stdio.h>

#include "cmd.h"

const char ol_cmd_version_usage[] = "usage: outlayer version\n"
                                    "Prints the version of outlayer and of its WebAssembly "
                                    "engine.\n";

int ol_cmd_version(int argc, char **argv)
{
    if (argc > 1 && ol_cmd_is_help(argv[1])) {
        fputs(ol_cmd_version_usage, stdout);
        return OL_EXIT_OK;
    }
    if (argc > 1) {
        fputs(ol_cmd_version_usage, stderr);
        return OL_EXIT_USAGE;
    }
    printf("outlayer %s\n", OL_VERSION);
    printf("wasm engine: WebAssembly 2.0 without SIMD, metered (1 fuel unit per instruction)\n");
    return OL_EXIT_OK;
}
