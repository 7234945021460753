/* SPDX-License-Identifier: MIT */
/*
 * steme.c -- main() of the steme command line: global options, the command table and its
 * dispatch, `steme help`, `steme --version`, and the helpers every command shares (where the
 * store and the key file are).
 *
 * The tool runs in embedded mode: it opens the store directory itself through libsteme, like
 * the sqlite3 shell; or in remote mode (--url, $STEME_URL), where the same commands speak to a
 * stemedb server (remote.h, docs/remote.md). Commands are looked up in one table, so the
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
    .help = "Usage: steme help [COMMAND [SUBCOMMAND]]\n"
            "\n"
            "Without COMMAND, print the overview of steme: its commands, global options,\n"
            "environment and exit statuses. With COMMAND, print that command's complete help,\n"
            "the same text as 'steme COMMAND --help'. A command with subcommands (source,\n"
            "epoch, gold, trust, agent, quarantine) has one help text for all of them, which\n"
            "'steme help COMMAND SUBCOMMAND' also prints.\n"
            "\n"
            "Exit status: 0, or 2 when COMMAND is not a command or SUBCOMMAND not one of\n"
            "its subcommands.\n",
    .run = run_help,
};

/* In the order `steme help` lists them; a section title starts each group. */
typedef struct command_line {
    const char *section; /* NULL: same section as the line before */
    const cli_command *cmd;
} command_line;

/* clang-format off */
static const command_line commands[] = {
    {"Store and keys", &cli_cmd_init},
    {NULL, &cli_cmd_keygen},
    {NULL, &cli_cmd_stats},
    {NULL, &cli_cmd_check},
    {NULL, &cli_cmd_rebuild},
    {NULL, &cli_cmd_backup},
    {NULL, &cli_cmd_restore},
    {"Claims", &cli_cmd_assert},
    {NULL, &cli_cmd_supersede},
    {NULL, &cli_cmd_vote},
    {NULL, &cli_cmd_retract},
    {NULL, &cli_cmd_reaffirm},
    {"Reading", &cli_cmd_get},
    {NULL, &cli_cmd_log},
    {NULL, &cli_cmd_list},
    {NULL, &cli_cmd_state},
    {NULL, &cli_cmd_history},
    {NULL, &cli_cmd_provenance},
    {"Import and export", &cli_cmd_export},
    {NULL, &cli_cmd_import},
    {"Queries and lenses", &cli_cmd_query},
    {NULL, &cli_cmd_compare_lenses},
    {NULL, &cli_cmd_verify_receipt},
    {NULL, &cli_cmd_audit},
    {"Sources and epochs (admin)", &cli_cmd_source},
    {NULL, &cli_cmd_impact},
    {NULL, &cli_cmd_epoch},
    {"Trust and moderation", &cli_cmd_gold},
    {NULL, &cli_cmd_trust},
    {NULL, &cli_cmd_agent},
    {NULL, &cli_cmd_quarantine},
    {"HTTP API access (admin)", &cli_cmd_key},
    {"Demo", &cli_cmd_demo},
    {"", &cmd_help},
};
/* clang-format on */

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const cli_command *
find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].cmd->name, name) == 0)
            return commands[i].cmd;
    }
    return NULL;
}

static const cli_subcommand *
find_sub(const cli_command *cmd, const char *name)
{
    for (const cli_subcommand *s = cmd->subs; s != NULL && s->name != NULL; s++) {
        if (strcmp(s->name, name) == 0)
            return s;
    }
    return NULL;
}

/* "add, list, show" for messages. */
static const char *
sub_names(const cli_command *cmd)
{
    static char names[256];
    size_t n = 0;
    names[0] = '\0';
    for (const cli_subcommand *s = cmd->subs; s != NULL && s->name != NULL; s++) {
        int w = snprintf(names + n, sizeof(names) - n, "%s%s", n > 0 ? ", " : "", s->name);
        if (w < 0 || (size_t)w >= sizeof(names) - n)
            break;
        n += (size_t)w;
    }
    return names;
}

static void
print_overview(FILE *f)
{
    fputs("Usage: steme [--db DIR | --url URL] [--json] [--quiet] COMMAND [ARGS...]\n"
          "       steme help [COMMAND [SUBCOMMAND]]\n"
          "       steme --version\n"
          "\n"
          "steme is the command line of StemeDB, a database of claims about the world: signed,\n"
          "immutable, content-addressed assertions with their sources and evidence, kept in an\n"
          "append-only log. It works on an embedded store, a directory on this machine that\n"
          "it opens directly (several steme processes may use one store at the same time),\n"
          "or, in remote mode, on the store of a stemedb server (--url).\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (commands[i].section != NULL && i > 0)
            fputs("\n", f);
        if (commands[i].section != NULL && commands[i].section[0] != '\0')
            fprintf(f, " %s:\n", commands[i].section);
        fprintf(f, "  %-10s  %s\n", commands[i].cmd->name, commands[i].cmd->summary);
    }
    fputs("\n"
          "Global options (before the command, or after it -- after the subcommand for\n"
          "commands that have one, such as 'source add'):\n"
          "  --db DIR      the store directory (default: $STEME_DB, else ./steme-data)\n"
          "  --url URL     remote mode: run the command against the stemedb server at URL\n"
          "                (http:// or https://; default $STEME_URL), with the API key in\n"
          "                $STEME_API_KEY. Records are still signed here, with local key\n"
          "                files. init, keygen, rebuild, backup, restore and demo load work\n"
          "                on a local directory and refuse remote mode. Give it before the\n"
          "                command: after assert, supersede or source add, --url is the\n"
          "                evidence's or the source's URL. docs/remote.md\n"
          "  --json        print JSON instead of tables: one document, or JSON Lines (one\n"
          "                object per line) for commands that stream records or rows (log,\n"
          "                list, assert --file, source list, trust show, quarantine list).\n"
          "                Errors are then also printed on stdout as\n"
          "                {\"error\": CODE, \"message\": TEXT, \"field\": FIELD or null}.\n"
          "  -q, --quiet   print less: summaries instead of one line per item, no notes\n"
          "  -h, --help    print help (after a command: that command's help)\n"
          "  --version     print the version of steme and exit\n"
          "\n"
          "Records are identified by their id, 64 hex digits (the BLAKE2b-256 hash of the\n"
          "record's canonical encoding), and by their position in the log, seq, which counts\n"
          "from 1; commands that name an assertion take either. Times are written in RFC 3339\n"
          "(2024-05-01T12:00:00Z, any offset, fractions to the millisecond) or as milliseconds\n"
          "since 1970-01-01T00:00:00Z; they are printed in UTC with milliseconds.\n"
          "\n"
          "Every claim has a lifecycle stage derived from the log (docs/rules.md): active,\n"
          "disputed, quarantined, deprecated, suspect, superseded, retracted or rejected.\n"
          "Sources, epochs, gold standards, roles and quarantine decisions are events signed\n"
          "by an admin key; 'steme init' creates the store's first one (DIR/admin.key).\n"
          "\n"
          "Errors are one line on stderr: \"steme: COMMAND: FIELD: RULE\" for a refused record\n"
          "(the field is named as in the JSON form), else \"steme: COMMAND: MESSAGE\". JSON error\n"
          "codes: usage, invalid, not_found, exists, permission, bad_signature, corrupt,\n"
          "version, limit, busy, denied, no_memory, system; in remote mode also unreachable,\n"
          "unauthorized, forbidden and the server's own (docs/server.md, docs/remote.md).\n"
          "\n"
          "Environment:\n"
          "  STEME_DB              the store directory when --db is not given\n"
          "  STEME_KEY_FILE        an agent's key file: the default of 'keygen --out' and of\n"
          "                        --key for commands an agent signs (default ./steme.key)\n"
          "  STEME_ADMIN_KEY_FILE  the admin key file: the default of 'init --admin-key' and\n"
          "                        of --key for admin commands (default DIR/admin.key; in\n"
          "                        remote mode there is no default)\n"
          "  STEME_URL             remote mode: the server when --url is not given\n"
          "  STEME_API_KEY         remote mode: the server's API key (stk_...), sent in the\n"
          "                        Authorization header and never printed\n"
          "  STEME_CA_CERT         remote mode: a CA certificate file (PEM) to trust, for a\n"
          "                        server whose certificate is self-signed\n"
          "\n"
          "Exit status:\n"
          "  0  success\n"
          "  1  the command failed: a refused record, no store, a missing record, problems\n"
          "     found by 'check', a rebuild that differs, an I/O error\n"
          "  2  usage error: unknown command or option, missing or malformed argument\n"
          "\n"
          "Examples:\n"
          "  steme init\n"
          "  steme keygen --out me.key\n"
          "  steme source add fda:label:lipitor:2024 --tier regulatory\n"
          "  steme assert --key me.key --subject drug:atorvastatin \\\n"
          "      --predicate adverse_event.myalgia.incidence --value 0.2 --unit % \\\n"
          "      --source fda:label:lipitor:2024\n"
          "  steme assert --key me.key --file samples/drug-safety-sample.jsonl\n"
          "  steme list --subject drug:atorvastatin\n"
          "  steme impact fda:label:lipitor:2024\n"
          "  steme --json log --limit 0 | jq -r .id\n"
          "  STEME_API_KEY=stk_... steme --url http://127.0.0.1:18180 query drug:x\n"
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
    if (argc - first > 2)
        return cli_usage(c, "expected at most a command and a subcommand");
    if (argc - first == 0) {
        print_overview(stdout);
        return CLI_EXIT_OK;
    }
    const cli_command *cmd = find_command(argv[first]);
    if (cmd == NULL)
        return cli_usage(c, "no command named '%s'", argv[first]);
    if (argc - first == 2 && find_sub(cmd, argv[first + 1]) == NULL)
        return cli_usage(c, "'%s' has no subcommand '%s'", cmd->name, argv[first + 1]);
    fputs(cmd->help, stdout);
    return CLI_EXIT_OK;
}

int
cli_dispatch(cli *c, const cli_command *cmd, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc >= 2) {
            fputs(cmd->help, stdout);
            return CLI_EXIT_OK;
        }
        return cli_usage(c, "missing the subcommand (%s)", sub_names(cmd));
    }
    const cli_subcommand *sub = find_sub(cmd, argv[1]);
    if (sub == NULL) {
        /* Options before the subcommand would be parsed without knowing it: say where
         * they go rather than guessing. */
        if (argv[1][0] == '-')
            return cli_usage(c,
                             "the subcommand (%s) comes first; options follow it, or go "
                             "before '%s'",
                             sub_names(cmd), cmd->name);
        return cli_usage(c, "unknown subcommand '%s' (%s)", argv[1], sub_names(cmd));
    }
    c->cmd = sub->fullname;
    return sub->run(c, argc - 1, argv + 1);
}

const char *
cli_default_key_file(void)
{
    const char *env = getenv("STEME_KEY_FILE");
    return env != NULL && env[0] != '\0' ? env : "./steme.key";
}

char *
cli_default_admin_key_file(const cli *c)
{
    const char *env = getenv("STEME_ADMIN_KEY_FILE");
    char *path = NULL;
    if (env != NULL && env[0] != '\0')
        return strdup(env);
    if (asprintf(&path, "%s/admin.key", c->db_dir) < 0)
        return NULL;
    return path;
}

int
cli_db_open(cli *c, bool read_only, steme_db **ret)
{
    /* Every command with a remote mode branches before it gets here. */
    if (c->url != NULL)
        return cli_usage(c,
                         "'%s' has no remote mode: it works on a local store (give --db, not "
                         "%s)",
                         c->cmd, c->url_given ? "--url" : "STEME_URL");
    steme_db_options opts;
    steme_db_options_init(&opts);
    opts.create = false;
    opts.read_only = read_only;
    int err = steme_db_open(c->db_dir, &opts, ret);
    if (err == STEME_EUPGRADE) {
        /* A store of an earlier build: its derived tables are rebuilt from the log by a
         * writable open (the log itself is untouched), then the command goes on. */
        if (!c->quiet)
            fprintf(stderr,
                    "steme: %s: the store in %s was written by an earlier build; rebuilding "
                    "its derived tables from the log once\n",
                    c->cmd, c->db_dir);
        opts.read_only = false;
        if ((err = steme_db_open(c->db_dir, &opts, ret)) == STEME_OK && read_only) {
            steme_db_close(*ret);
            opts.read_only = true;
            err = steme_db_open(c->db_dir, &opts, ret);
        }
    }
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
        {"url", required_argument, NULL, CLI_OPT_URL},
        {"json", no_argument, NULL, CLI_OPT_JSON},
        {"quiet", no_argument, NULL, CLI_OPT_QUIET},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        {"version", no_argument, NULL, CLI_OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    /* clang-format on */
    const char *env_db = getenv("STEME_DB");
    const char *env_url = getenv("STEME_URL");
    cli c = {
        .cmd = "steme",
        .db_dir = env_db != NULL && env_db[0] != '\0' ? env_db : "./steme-data",
        .url = env_url != NULL && env_url[0] != '\0' ? env_url : NULL,
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
