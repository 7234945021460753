/* SPDX-License-Identifier: MIT */
/*
 * cli.h -- what the files of the steme command line share: the invocation context, the
 * command table and the exit statuses.
 *
 * Each command group lives in its own cmd_*.c file and exports one or more `cli_command`
 * entries (name, one-line summary, full help text, run function); steme.c lists them in one
 * table and dispatches. A new command (remote mode, sources, votes, queries) is one new file
 * and one new table line. A command with subcommands (`steme source add`) lists them in
 * `subs` and dispatches with cli_dispatch(); its help text documents them all, like a man page
 * documents every form of a tool. The CLI uses only the public API (steme.h) and the JSON form
 * (record_json.h): never LMDB or libsodium directly.
 *
 * Names shared between the CLI's files carry the prefix cli_ rather than steme__, so that
 * they can never collide with libsteme's internals at link time.
 */
#ifndef STEME_CLI_CLI_H
#define STEME_CLI_CLI_H

#include <stdbool.h>

#include "steme.h"

/* Exit statuses (documented in `steme help`). */
#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1 /* the command failed: refused record, missing store, I/O error */
#define CLI_EXIT_USAGE 2 /* the command line is wrong: unknown option, missing argument */

/* Returned by option callbacks and cli_args_parse() to mean "go on". */
#define CLI_CONTINUE (-1)

/* One invocation: global options and the command being run (for error messages). */
typedef struct cli {
    const char *cmd;    /* the command's name, "steme" before one is known */
    const char *db_dir; /* --db, $STEME_DB, else ./steme-data */
    const char *url;    /* remote mode (remote.h): --url, else $STEME_URL; NULL: embedded */
    bool db_given;      /* --db was on the command line */
    bool url_given;     /* --url was on the command line */
    bool json;          /* --json: JSON on stdout, errors also as JSON */
    bool quiet;         /* --quiet: summaries instead of per-item chatter */
} cli;

/* A subcommand: argv[0] is the subcommand's name; returns an exit status. */
typedef struct cli_subcommand {
    const char *name;     /* "add" */
    const char *fullname; /* "source add": c->cmd while it runs, so errors name it */
    int (*run)(cli *c, int argc, char **argv);
} cli_subcommand;

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `steme help` */
    const char *help;    /* the complete text of `steme help NAME` */
    /* argv[0] is the command name; returns an exit status. */
    int (*run)(cli *c, int argc, char **argv);
    const cli_subcommand *subs; /* ended by a zero entry; NULL for a plain command */
} cli_command;

extern const cli_command cli_cmd_init;
extern const cli_command cli_cmd_keygen;
extern const cli_command cli_cmd_assert;
extern const cli_command cli_cmd_get;
extern const cli_command cli_cmd_log;
extern const cli_command cli_cmd_list;
extern const cli_command cli_cmd_stats;
extern const cli_command cli_cmd_check;
extern const cli_command cli_cmd_export;
extern const cli_command cli_cmd_import;
extern const cli_command cli_cmd_source;
extern const cli_command cli_cmd_impact;
extern const cli_command cli_cmd_vote;
extern const cli_command cli_cmd_supersede;
extern const cli_command cli_cmd_retract;
extern const cli_command cli_cmd_reaffirm;
extern const cli_command cli_cmd_epoch;
extern const cli_command cli_cmd_gold;
extern const cli_command cli_cmd_trust;
extern const cli_command cli_cmd_agent;
extern const cli_command cli_cmd_quarantine;
extern const cli_command cli_cmd_history;
extern const cli_command cli_cmd_provenance;
extern const cli_command cli_cmd_state;
extern const cli_command cli_cmd_rebuild;
extern const cli_command cli_cmd_backup;
extern const cli_command cli_cmd_restore;
extern const cli_command cli_cmd_query;
extern const cli_command cli_cmd_audit;
extern const cli_command cli_cmd_compare_lenses;
extern const cli_command cli_cmd_verify_receipt;
extern const cli_command cli_cmd_key;
extern const cli_command cli_cmd_demo;

/* The default key file: $STEME_KEY_FILE, else ./steme.key. */
const char *cli_default_key_file(void);

/* The default admin key file: $STEME_ADMIN_KEY_FILE, else DIR/admin.key for the store in
 * c->db_dir. Returns a new string (free it), NULL when out of memory. */
char *cli_default_admin_key_file(const cli *c);

/*
 * Run the subcommand named by argv[1] of group cmd (argv[0] is the group's name). The
 * subcommand must come right after the group's name; `GROUP --help` prints the group's help.
 * A missing or unknown subcommand is a usage error. Returns an exit status.
 */
int cli_dispatch(cli *c, const cli_command *cmd, int argc, char **argv);

/*
 * Open the store named by c->db_dir for a command. Never creates one (that is `steme init`):
 * a missing store is reported with a hint. On failure the error has been printed and the
 * exit status is returned; on success *ret is set and CLI_CONTINUE returned.
 */
int cli_db_open(cli *c, bool read_only, steme_db **ret);

#endif
