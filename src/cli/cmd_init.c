/* SPDX-License-Identifier: MIT */
/*
 * cmd_init.c -- `steme init`: create an empty store.
 *
 * Every other command opens the store without creating it, so that a mistyped --db is an
 * error rather than a new, empty database; init is the one place a store comes into being,
 * and it refuses to "create" one that is already there.
 */
#include <errno.h>

#include "args.h"
#include "cli.h"
#include "output.h"

static int run_init(cli *c, int argc, char **argv);

const cli_command cli_cmd_init = {
    .name = "init",
    .summary = "create an empty store",
    .help = "Usage: steme [--db DIR] init\n"
            "\n"
            "Create an empty StemeDB store in DIR (--db, else $STEME_DB, else ./steme-data).\n"
            "The directory is created if it does not exist. A store that already exists is\n"
            "left untouched and reported as an error: init never resets a database.\n"
            "\n"
            "Output: a line naming the store (nothing with --quiet); with --json\n"
            "{\"db\": DIR, \"format_version\": N}.\n"
            "\n"
            "Exit status: 0 when the store was created; 1 when one already exists in DIR or\n"
            "it could not be created (permissions, a file that is not a store); 2 on a\n"
            "usage error.\n"
            "\n"
            "Example:\n"
            "  steme --db /var/lib/steme init\n",
    .run = run_init,
};

static int
run_init(cli *c, int argc, char **argv)
{
    int first;
    int status = cli_args_parse(c, &cli_cmd_init, argc, argv, NULL, NULL, NULL, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);

    steme_db_options opts;
    steme_db_options_init(&opts);
    opts.create = false;
    steme_db *db = NULL;
    int err = steme_db_open(c->db_dir, &opts, &db);
    if (err == STEME_OK) {
        steme_db_close(db);
        return cli_fail(c, "exists", "a store already exists in %s (init never resets one)",
                        c->db_dir);
    }
    if (err != STEME_ENOTFOUND && err != (STEME_ESYSERR | ENOENT))
        return cli_error(c, err, NULL, "%s", c->db_dir);

    opts.create = true;
    err = steme_db_open(c->db_dir, &opts, &db);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "creating a store in %s", c->db_dir);
    steme_stats st = {0};
    err = steme_db_stats(db, &st);
    steme_db_close(db);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the new store in %s", c->db_dir);

    if (c->json) {
        json_t *j = json_pack("{s:o, s:I}", "db", cli_json_text(c->db_dir), "format_version",
                              (json_int_t)st.format_version);
        return cli_json_doc(c, j) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (!c->quiet)
        printf("created an empty store in %s (format version %u)\n", c->db_dir, st.format_version);
    return CLI_EXIT_OK;
}
