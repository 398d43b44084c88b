/* `outlayer near`: the dispatcher and offline commands live in cmd_near.c; the online commands
 * (view, call, account, keys, tx, block: anything taking --rpc) live in cmd_near_rpc.c. This
 * header is the contract between the two files. Private to src/cmd. */
#ifndef OL_CMD_NEAR_H
#define OL_CMD_NEAR_H

/* The `near` row of ol_cmd_table (cmd_near.c). argv[0] is "near". */
int ol_cmd_near(int argc, char **argv);
extern const char ol_cmd_near_usage[];

/* The online commands (cmd_near_rpc.c). ol_cmd_near() forwards to it, unchanged, any command
 * line whose first argument after "near" is an option it does not own (--rpc, --key-file, ...)
 * or one of: view, call, account, keys, tx, block. So argv[0] is "near" and argv[1..] are the
 * arguments as the user typed them, e.g. {"near", "--rpc", URL, "view", C, M, ARGS}.
 * Returns an exit status (OL_EXIT_*): JSON on stdout, errors on stderr. */
int ol_cmd_near_online(int argc, char **argv);

/* The usage lines of the online commands, each ending with a newline; ol_cmd_near_usage
 * does not repeat them, `outlayer near --help` prints both. */
extern const char ol_cmd_near_online_usage[];

#endif
