/* SPDX-License-Identifier: MIT */
/*
 * cmd_rebuild.c -- `steme rebuild`: recompute all derived state from the log and check that it
 * comes out byte for byte as the incrementally maintained state.
 *
 * Derived state (stages, sources, trust, reports) must be a function of the log alone
 * (docs/rules.md). Hashing it before and after a rebuild turns that promise into a check an
 * operator can run, and the exit status is the verdict, as for `steme check`.
 */
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

static int run_rebuild(cli *c, int argc, char **argv);

const cli_command cli_cmd_rebuild = {
    .name = "rebuild",
    .summary = "recompute derived state from the log and compare it with the old",
    .help = "Usage: steme rebuild\n"
            "\n"
            "Recompute every table of derived state -- lifecycle stages and their histories,\n"
            "the source registry, votes, epochs, gold standards, agents' trust, cascade\n"
            "reports -- from the log alone, in one write transaction, replacing what was\n"
            "there. The store hashes all derived state (BLAKE2b-256) before and after: the\n"
            "two hashes must be equal, since the state kept up to date record by record and\n"
            "the state replayed from the log must be the same bytes. Other processes may go\n"
            "on reading meanwhile; writers wait. The time taken grows with the log.\n"
            "\n"
            "Use it after an upgrade that changes how derived state is kept, or to verify a\n"
            "store ('steme check' verifies the log and its indexes; rebuild verifies the rest).\n"
            "\n"
            "Output: the hash before and after, and whether they match; with --quiet nothing\n"
            "on success; with --json {\"before\": HEX, \"after\": HEX, \"match\": BOOL}.\n"
            "\n"
            "Exit status: 0 when the hashes match; 1 when they differ (the rebuilt state is\n"
            "kept: it is the one the log implies), the rebuild failed or there is no store; 2\n"
            "on a usage error.\n",
    .run = run_rebuild,
};

static int
run_rebuild(cli *c, int argc, char **argv)
{
    int first;
    int status = cli_args_parse(c, &cli_cmd_rebuild, argc, argv, NULL, NULL, NULL, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);

    steme_db *db = NULL;
    status = cli_db_open(c, false, &db);
    if (status != CLI_CONTINUE)
        return status;
    uint8_t before[32], after[32];
    int err = steme_db_derived_hash(db, before);
    const char *step = "hashing the derived state";
    if (err == STEME_OK) {
        step = "rebuilding the derived state";
        err = steme_db_rebuild(db);
    }
    if (err == STEME_OK) {
        step = "hashing the rebuilt state";
        err = steme_db_derived_hash(db, after);
    }
    steme_db_close(db);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "%s", step);

    char hb[65], ha[65];
    steme_hex(before, sizeof(before), hb);
    steme_hex(after, sizeof(after), ha);
    bool match = memcmp(before, after, sizeof(before)) == 0;
    if (c->json) {
        if (cli_json_doc(c, steme__json_rebuild(before, after)) != CLI_CONTINUE)
            return CLI_EXIT_FAIL;
    } else if (!c->quiet || !match) {
        printf("before  %s\nafter   %s\nmatch   %s\n", hb, ha, match ? "yes" : "NO");
    }
    if (!match) {
        fprintf(stderr, "steme: rebuild: the derived state rebuilt from the log differs from "
                        "the incrementally maintained one\n");
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}
