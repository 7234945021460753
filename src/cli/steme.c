/* SPDX-License-Identifier: MIT */
/*
 * steme.c -- main() of the steme command line: global options, the command table and its
 * dispatch, `steme help`, `steme --version`, and the helpers every command shares (where the
 * store and the key file are).
 *
 * The tool runs in embedded mode: it opens the store directory itself through libsteme, like
 * the sqlite3 shell. Commands are looked up in one table, so remote mode (--url) and the
 * commands of later issues are new cmd_*.c files and new table lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

static int run_help(cli *c, int argc, char **argv);

static const cli_command cmd_help = {
    .name = "help",
    .summary = "show the help of steme or of one command",
    .help = "Usage: steme help [COMMAND]\n"
            "\n"
            "Without COMMAND, print the overview of steme: its commands, global options,\n"
            "environment and exit statuses. With COMMAND, print that command's complete help,\n"
            "the same text as 'steme COMMAND --help'.\n"
            "\n"
            "Exit status: 0, or 2 when COMMAND is not a command.\n",
    .run = run_help,
};

/* In the order `steme help` lists them. */
/* clang-format off */
static const cli_command *const commands[] = {
    &cli_cmd_init,
    &cli_cmd_keygen,
    &cli_cmd_assert,
    &cli_cmd_get,
    &cli_cmd_log,
    &cli_cmd_list,
    &cli_cmd_stats,
    &cli_cmd_check,
    &cmd_help,
};
/* clang-format on */

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const cli_command *
find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    }
    return NULL;
}

static void
print_overview(FILE *f)
{
    fputs("Usage: steme [--db DIR] [--json] [--quiet] COMMAND [ARGS...]\n"
          "       steme help [COMMAND]\n"
          "       steme --version\n"
          "\n"
          "steme is the command line of StemeDB, a database of claims about the world: signed,\n"
          "immutable, content-addressed assertions with their sources and evidence, kept in an\n"
          "append-only log. It works on an embedded store, a directory on this machine that\n"
          "it opens directly (several steme processes may use one store at the same time).\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-8s  %s\n", commands[i]->name, commands[i]->summary);
    fputs("\n"
          "Global options (before or after the command):\n"
          "  --db DIR      the store directory (default: $STEME_DB, else ./steme-data)\n"
          "  --json        print JSON instead of tables: one document, or JSON Lines (one\n"
          "                object per line) for commands that stream records (log, list,\n"
          "                assert --file). Errors are then also printed on stdout as\n"
          "                {\"error\": CODE, \"message\": TEXT, \"field\": FIELD or null}.\n"
          "  -q, --quiet   print less: summaries instead of one line per item, no notes\n"
          "  -h, --help    print help (after a command: that command's help)\n"
          "  --version     print the version of steme and exit\n"
          "\n"
          "Records are identified by their id, 64 hex digits (the BLAKE2b-256 hash of the\n"
          "record's canonical encoding), and by their position in the log, seq, which counts\n"
          "from 1. Times are written in RFC 3339 (2024-05-01T12:00:00Z, any offset, fractions\n"
          "to the millisecond) or as milliseconds since 1970-01-01T00:00:00Z; they are\n"
          "printed in UTC with milliseconds.\n"
          "\n"
          "Errors are one line on stderr: \"steme: COMMAND: FIELD: RULE\" for a refused record\n"
          "(the field is named as in the JSON form), else \"steme: COMMAND: MESSAGE\". JSON error\n"
          "codes: usage, invalid, not_found, exists, permission, bad_signature, corrupt,\n"
          "version, limit, busy, no_memory, system.\n"
          "\n"
          "Environment:\n"
          "  STEME_DB        the store directory when --db is not given\n"
          "  STEME_KEY_FILE  the key file of 'keygen' and 'assert' when --out or --key is not\n"
          "                  given (default ./steme.key)\n"
          "\n"
          "Exit status:\n"
          "  0  success\n"
          "  1  the command failed: a refused record, no store, a missing record, problems\n"
          "     found by 'check', an I/O error\n"
          "  2  usage error: unknown command or option, missing or malformed argument\n"
          "\n"
          "Examples:\n"
          "  steme init\n"
          "  steme keygen --out me.key\n"
          "  steme assert --key me.key --subject drug:atorvastatin \\\n"
          "      --predicate adverse_event.myalgia.incidence --value 0.2 --unit % \\\n"
          "      --source fda:label:lipitor:2024\n"
          "  steme assert --key me.key --file samples/drug-safety-sample.jsonl\n"
          "  steme list --subject drug:atorvastatin\n"
          "  steme --json log --limit 0 | jq -r .id\n"
          "\n"
          "'steme help COMMAND' documents each command in full.\n",
          f);
}

static int
run_help(cli *c, int argc, char **argv)
{
    int first;
    int status = cli_args_parse(c, &cmd_help, argc, argv, NULL, NULL, NULL, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first > 1)
        return cli_usage(c, "expected at most one command name");
    if (argc - first == 0) {
        print_overview(stdout);
        return CLI_EXIT_OK;
    }
    const cli_command *cmd = find_command(argv[first]);
    if (cmd == NULL)
        return cli_usage(c, "no command named '%s'", argv[first]);
    fputs(cmd->help, stdout);
    return CLI_EXIT_OK;
}

const char *
cli_default_key_file(void)
{
    const char *env = getenv("STEME_KEY_FILE");
    return env != NULL && env[0] != '\0' ? env : "./steme.key";
}

int
cli_db_open(cli *c, bool read_only, steme_db **ret)
{
    steme_db_options opts;
    steme_db_options_init(&opts);
    opts.create = false;
    opts.read_only = read_only;
    int err = steme_db_open(c->db_dir, &opts, ret);
    if (err == STEME_OK)
        return CLI_CONTINUE;
    if (err == STEME_ENOTFOUND || err == (STEME_ESYSERR | ENOENT))
        return cli_fail(c, "not_found",
                        "no store in %s (create one with 'steme init', or name another with "
                        "--db or STEME_DB)",
                        c->db_dir);
    return cli_error(c, err, NULL, "opening the store in %s", c->db_dir);
}

int
main(int argc, char **argv)
{
    /* clang-format off */
    static const struct option opts[] = {
        {"db", required_argument, NULL, CLI_OPT_DB},
        {"json", no_argument, NULL, CLI_OPT_JSON},
        {"quiet", no_argument, NULL, CLI_OPT_QUIET},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        {"version", no_argument, NULL, CLI_OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    /* clang-format on */
    const char *env_db = getenv("STEME_DB");
    cli c = {
        .cmd = "steme",
        .db_dir = env_db != NULL && env_db[0] != '\0' ? env_db : "./steme-data",
    };
    bool version = false;

    /* "+" stops at the command name: what follows belongs to the command's own loop. */
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "+:hq", opts, NULL)) != -1) {
        switch (opt) {
        case CLI_OPT_HELP:
            print_overview(stdout);
            return cli_finish(&c, CLI_EXIT_OK);
        case CLI_OPT_VERSION:
            version = true;
            break;
        case ':':
            return cli_usage(&c, "option %s needs a value", argv[optind - 1]);
        case '?':
            if (optopt >= CLI_OPT_DB)
                return cli_usage(&c, "option %s takes no value", argv[optind - 1]);
            if (optopt != 0)
                return cli_usage(&c, "unknown option -%c", optopt);
            return cli_usage(&c, "unknown or ambiguous option %s", argv[optind - 1]);
        default:
            cli_args_global(&c, opt, optarg);
        }
    }
    if (version) {
        if (c.json)
            printf("{\"version\": \"%s\"}\n", STEME_VERSION_STRING);
        else
            printf("steme %s\n", STEME_VERSION_STRING);
        return cli_finish(&c, CLI_EXIT_OK);
    }
    if (optind >= argc)
        return cli_usage(&c, "no command given");

    const cli_command *cmd = find_command(argv[optind]);
    if (cmd == NULL)
        return cli_usage(&c, "unknown command '%s'", argv[optind]);
    c.cmd = cmd->name;
    int status = cmd->run(&c, argc - optind, argv + optind);
    return cli_finish(&c, status);
}
