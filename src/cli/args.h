/* SPDX-License-Identifier: MIT */
/*
 * args.h -- option parsing for the steme command line: one getopt_long loop shared by every
 * command (so the global options work anywhere on the line and every error reads the same),
 * and strict parsers for the argument types the commands take.
 */
#ifndef STEME_CLI_ARGS_H
#define STEME_CLI_ARGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/* Option codes of the global options (-h and -q are also short options); a command's own
 * options use codes >= CLI_OPT_BASE, or a letter other than h and q to be also that short
 * option ('o' makes --output also -o). */
enum {
    CLI_OPT_HELP = 'h',
    CLI_OPT_QUIET = 'q',
    CLI_OPT_DB = 0x80,
    CLI_OPT_JSON,
    CLI_OPT_VERSION,
    CLI_OPT_URL,
    CLI_OPT_BASE = 0x100,
};

/* Called once per command option, in command-line order. Returns CLI_CONTINUE or an exit
 * status (after reporting, e.g. with cli_usage()). */
typedef int (*cli_opt_fn)(cli *c, int opt, const char *arg, void *ctx);

/*
 * Parse the options of command cmd in argv (argv[0] is the command's name). opts lists the
 * command's long options, ended by a zero entry (NULL for none). The global options --db,
 * --json, --quiet and --help are accepted anywhere. Positional arguments are permuted to the
 * end (GNU getopt); *ret_first is the index of the first. Returns CLI_CONTINUE, or an exit
 * status when parsing ends the command: --help prints the command's help (0), a bad option
 * is a usage error (2).
 */
int cli_args_parse(cli *c, const cli_command *cmd, int argc, char **argv, const struct option *opts,
                   cli_opt_fn fn, void *ctx, int *ret_first);

/* The global options a command accepts (--db, --url, --json, --quiet, --help), ended by a
 * zero entry; main() adds --version for its own loop. */
extern const struct option cli_global_options[];

/* Apply a global option (--db, --url, --json, --quiet) to c; false for any other code. */
bool cli_args_global(cli *c, int opt, const char *arg);

/*
 * Settle embedded or remote mode once every option is read (cli_args_parse() calls it): a flag
 * beats the environment (--db beats STEME_URL, --url beats STEME_DB); --db with --url, or
 * STEME_DB with STEME_URL and neither flag, is a usage error, and so is a URL that is not
 * http:// or https://, or a command that works on a local directory (init, keygen, rebuild,
 * backup, restore, demo load) in remote mode; `help`, which reads no store, is never refused.
 * Afterwards c->url is NULL in embedded mode. Returns CLI_CONTINUE or the usage error's status.
 */
int cli_args_mode(cli *c);

/*
 * Strict parsers: the whole string must match, no surrounding space; false on any
 * deviation. Integers: -?(0|[1-9][0-9]*) within range. Numbers: the JSON number grammar,
 * finite. Times: RFC 3339 (see steme__time_parse) or a count of milliseconds since the
 * epoch, within [0, STEME_TIME_MAX]. Ids and public keys: 64 hex digits. Confidence: a number
 * in [0, 1], stored in parts per million (rounded).
 */
bool cli_parse_u64(const char *s, uint64_t *ret);
bool cli_parse_i64(const char *s, int64_t *ret);
bool cli_parse_number(const char *s, double *ret);
bool cli_parse_time(const char *s, int64_t *ret);
bool cli_parse_id(const char *s, steme_id *ret);
bool cli_parse_pubkey(const char *s, steme_pubkey *ret);
bool cli_parse_confidence(const char *s, uint32_t *ret);

#endif
