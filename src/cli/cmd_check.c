/* SPDX-License-Identifier: MIT */
/*
 * cmd_check.c -- `steme check`: verify the whole store against its log.
 *
 * The exit status is the verdict, so that a cron job or a backup script can run
 * `steme check && ...` without parsing anything.
 */
#include <inttypes.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "remote.h"
#include "view.h"

static int run_check(cli *c, int argc, char **argv);

const cli_command cli_cmd_check = {
    .name = "check",
    .summary = "verify every record, signature and index entry",
    .help = "Usage: steme check\n"
            "\n"
            "Verify the whole store from one consistent snapshot: every record in the log\n"
            "decodes canonically, hashes to its id and carries a valid signature of its\n"
            "author; every index entry a record implies exists, and every index entry points\n"
            "to a record that implies it. Other processes may keep reading and writing\n"
            "meanwhile. The time taken grows with the size of the store.\n"
            "\n"
            "Output: one line per problem (\"problem  INDEX  seq N  WHAT\"), then a summary of\n"
            "what was checked; with --quiet only the summary. With --json one object:\n"
            "{\"db\", \"records\", \"signatures\", \"index_entries\", \"problems\": COUNT,\n"
            "\"details\": [{\"index\", \"what\", \"seq\"}, ...]} (the first 1000 problems;\n"
            "\"details_truncated\": true when there were more).\n"
            "\n"
            "Exit status: 0 when no problem was found; 1 when there were problems or the\n"
            "check could not run (no store, a read error); 2 on a usage error.\n",
    .run = run_check,
};

typedef struct checker {
    cli *c;
    json_t *details; /* --json: the problems, up to STEME__JSON_MAX_PROBLEMS */
    uint64_t seen;
} checker;

static void
on_problem(const char *index, const char *what, uint64_t seq, void *ctx)
{
    checker *k = ctx;
    k->seen++;
    if (k->c->json) {
        if (k->details != NULL && json_array_size(k->details) < STEME__JSON_MAX_PROBLEMS)
            json_array_append_new(k->details, steme__json_problem(index, what, seq));
        return;
    }
    if (!k->c->quiet)
        printf("problem  %s  seq %" PRIu64 "  %s\n", index, seq, what);
}

/* The summary line of a check document (steme__json_check()); the verdict as exit status. */
static int
print_summary(const json_t *doc)
{
    uint64_t problems = cli_ju64(doc, "problems");
    printf("%s: %" PRIu64 " records, %" PRIu64 " signatures, %" PRIu64
           " index entries checked; %" PRIu64 " problem%s\n",
           problems == 0 ? "ok" : "FAILED", cli_ju64(doc, "records"), cli_ju64(doc, "signatures"),
           cli_ju64(doc, "index_entries"), problems, problems == 1 ? "" : "s");
    return problems == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* The check through the server (POST /v1/admin/check, admin): its document, whose details
 * are the first problems the server keeps. */
static int
remote_check(cli *c)
{
    cli_path path;
    cli_path_init(&path, "/v1/admin/check");
    json_t *doc = NULL;
    int status = cli_remote_post(c, &path, NULL, &doc);
    cli_path_free(&path);
    if (status != CLI_CONTINUE)
        return status;
    status = cli_ju64(doc, "problems") == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? status : CLI_EXIT_FAIL;
    const json_t *details = json_object_get(doc, "details");
    for (size_t i = 0; !c->quiet && i < json_array_size(details); i++) {
        const json_t *p = json_array_get(details, i);
        const char *index = cli_jstr(p, "index"), *what = cli_jstr(p, "what");
        printf("problem  %s  seq %" PRIu64 "  %s\n", index != NULL ? index : "?",
               cli_ju64(p, "seq"), what != NULL ? what : "?");
    }
    status = print_summary(doc);
    json_decref(doc);
    return status;
}

static int
run_check(cli *c, int argc, char **argv)
{
    int first;
    int status = cli_args_parse(c, &cli_cmd_check, argc, argv, NULL, NULL, NULL, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    if (cli_remote(c))
        return remote_check(c);

    steme_db *db = NULL;
    status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    checker k = {.c = c, .details = c->json ? json_array() : NULL};
    steme_check_report rep = {0};
    int err = steme_db_check(db, &rep, on_problem, &k);
    steme_db_close(db);
    if (err != STEME_OK) {
        json_decref(k.details);
        return cli_error(c, err, NULL, "checking %s (after %" PRIu64 " problems)", c->db_dir,
                         k.seen);
    }
    status = rep.problems == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    json_t *doc = steme__json_check(c->db_dir, &rep, k.details);
    if (doc == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? status : CLI_EXIT_FAIL;
    /* The problems were printed as they were found. */
    status = print_summary(doc);
    json_decref(doc);
    return status;
}
