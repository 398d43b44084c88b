/* `outlayer help [COMMAND]`: the command list, or one command's usage text, both taken from
 * ol_cmd_table so that help can never disagree with what main() dispatches. */
#include <stdio.h>

#include "cmd.h"

const char ol_cmd_help_usage[] = "usage: outlayer help [COMMAND]\n"
                                 "Lists the commands, or shows the usage of COMMAND.\n";

void ol_cmd_print_overview(FILE *f)
{
    fprintf(f, "usage: outlayer COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < ol_cmd_table_len; i++)
        fprintf(f, "  %-10s %s\n", ol_cmd_table[i].name, ol_cmd_table[i].summary);
    fprintf(f, "\nRun 'outlayer help COMMAND' for the usage of one command.\n");
}

int ol_cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        ol_cmd_print_overview(stdout);
        return OL_EXIT_OK;
    }
    if (argc > 2) {
        fputs(ol_cmd_help_usage, stderr);
        return OL_EXIT_USAGE;
    }
    const ol_cmd *c = ol_cmd_find(ol_cmd_table, ol_cmd_table_len, argv[1]);
    if (c == NULL) {
        ol_cmd_error("unknown command '%s'; run 'outlayer help' for the list", argv[1]);
        return OL_EXIT_USAGE;
    }
    fputs(c->usage, stdout);
    return OL_EXIT_OK;
}
