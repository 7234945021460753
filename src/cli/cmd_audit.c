/* SPDX-License-Identifier: MIT */
/*
 * cmd_audit.c -- `steme audit`: the query audit log (queries run with `steme query --audit`),
 * each row re-verified against the store on request. In remote mode the rows come from the
 * server's GET /v1/audit (admin), a page at a time, and print the same.
 */
#include <inttypes.h>
#include <stdio.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "remote.h"
#include "view.h"

static int run_audit(cli *c, int argc, char **argv);

const cli_command cli_cmd_audit = {
    .name = "audit",
    .summary = "who asked what, through which lens, at which position (query audit)",
    .help = "Usage: steme audit [--from N] [--limit N] [--verify]\n"
            "\n"
            "List the query audit: one row per answer of every query run with\n"
            "'steme query --audit' (or steme_query.audit), oldest first: row number, when it\n"
            "was asked, the asker, subject and predicate, the lens, the log position it was\n"
            "answered at, the reason (winner, tie, ...) and the receipt. The audit is not\n"
            "derived state: 'steme rebuild' keeps it.\n"
            "\n"
            "Options:\n"
            "  --from N     start at row N (default 1)\n"
            "  --limit N    at most N rows (default: all)\n"
            "  --verify     recompute each receipt at its position ('steme verify-receipt'):\n"
            "               the row shows verified yes or no\n"
            "\n"
            "Output: one line per row: id, time, asker, subject, predicate, lens, position,\n"
            "reason, receipt[, verified]. With --json an array of {\"id\", \"time\", \"asker\",\n"
            "\"subject\", \"predicate\", \"lens\", \"version\", \"position\", \"reason\",\n"
            "\"has_winner\", \"candidates\", \"receipt\"[, \"verified\"]}.\n"
            "\n"
            "Exit status: 0; 1 when there is no store or it cannot be read (or, with --verify,\n"
            "a receipt does not verify); 2 on a usage error.\n"
            "\n"
            "Example:\n"
            "  steme query drug:x dose --lens authority --audit --asker agent-7\n"
            "  steme audit --limit 20 --verify\n",
    .run = run_audit,
};

enum { OPT_FROM = CLI_OPT_BASE, OPT_LIMIT, OPT_VERIFY };

static const struct option audit_opts[] = {
    {"from", required_argument, NULL, OPT_FROM},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {NULL, 0, NULL, 0},
};

typedef struct audit_args {
    cli *c;
    steme_db *db;
    uint64_t from, limit;
    bool verify;
    json_t *rows;
    int err;
    bool mismatch;
} audit_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    audit_args *a = ctx;

    switch (opt) {
    case OPT_FROM:
        if (!cli_parse_u64(arg, &a->from))
            return cli_usage(c, "--from: '%s' is not a row number", arg);
        break;
    case OPT_LIMIT:
        if (!cli_parse_u64(arg, &a->limit) || a->limit == 0)
            return cli_usage(c, "--limit: '%s' is not a positive count", arg);
        break;
    case OPT_VERIFY:
        a->verify = true;
        break;
    }
    return CLI_CONTINUE;
}

static int
on_row(const steme_audit_entry *e, void *ctx)
{
    audit_args *a = ctx;
    bool match = false;

    if (a->verify) {
        steme_errinfo ei = {0};
        a->err =
            steme_db_verify_receipt(a->db, &e->query, e->position, e->receipt, &match, NULL, &ei);
        if (a->err != STEME_OK)
            return 1;
    }
    json_t *row = steme__json_audit_row(e, a->verify ? &match : NULL);
    if (row == NULL || json_array_append_new(a->rows, row) != 0) {
        a->err = STEME_ENOMEM;
        return 1;
    }
    return 0;
}

static int
take_row(cli *c, const json_t *row, void *ctx)
{
    audit_args *a = ctx;
    if (json_array_append(a->rows, (json_t *)row) != 0)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    return CLI_CONTINUE;
}

/* The rows through the server: GET /v1/audit, page after page. */
static int
remote_rows(cli *c, audit_args *a)
{
    cli_path path;
    cli_path_init(&path, "/v1/audit");
    if (a->verify)
        cli_path_arg(&path, "verify", "true");
    int status = cli_remote_pages_from(c, &path, a->from, "rows", a->limit, take_row, a);
    cli_path_free(&path);
    return status;
}

/* One row as a line: id, time, asker, subject, predicate, lens, position, reason, receipt and,
 * when verified, whether its receipt still holds. */
static void
print_row(const json_t *row)
{
    static const char *const names[] = {"time", "asker", "subject", "predicate", "lens"};
    printf("%" PRIu64, cli_ju64(row, "id"));
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = cli_jstr(row, names[i]);
        printf("  %s", v != NULL ? v : "");
    }
    const char *reason = cli_jstr(row, "reason"), *receipt = cli_jstr(row, "receipt");
    printf("  %" PRIu64 "  %s  %s", cli_ju64(row, "position"), reason != NULL ? reason : "",
           receipt != NULL ? receipt : "");
    const json_t *verified = json_object_get(row, "verified");
    if (json_is_boolean(verified))
        fputs(json_is_true(verified) ? "  verified yes" : "  verified NO", stdout);
    else if (verified != NULL) /* the server could not recompute it (docs/server.md) */
        printf("  unverifiable (%s)",
               cli_jstr(row, "unverifiable") != NULL ? cli_jstr(row, "unverifiable") : "?");
    putchar('\n');
}

static int
run_audit(cli *c, int argc, char **argv)
{
    audit_args a = {.c = c};
    int first, status;

    status = cli_args_parse(c, &cli_cmd_audit, argc, argv, audit_opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    if ((a.rows = json_array()) == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    if (cli_remote(c)) {
        status = remote_rows(c, &a);
    } else if ((status = cli_db_open(c, true, &a.db)) == CLI_CONTINUE) {
        int err = steme_db_audit(a.db, a.from, (size_t)a.limit, on_row, &a);
        if (err == STEME_OK)
            err = a.err;
        steme_db_close(a.db);
        if (err != STEME_OK)
            status = cli_error(c, err, NULL, "reading the query audit");
    }
    if (status != CLI_CONTINUE) {
        json_decref(a.rows);
        return status;
    }
    for (size_t i = 0; i < json_array_size(a.rows); i++) {
        const json_t *verified = json_object_get(json_array_get(a.rows, i), "verified");
        a.mismatch |= json_is_false(verified);
        if (!c->json)
            print_row(json_array_get(a.rows, i));
    }
    if (c->json)
        status = cli_json_doc(c, a.rows) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    else {
        json_decref(a.rows);
        status = CLI_EXIT_OK;
    }
    if (status == CLI_EXIT_OK && a.mismatch)
        status = CLI_EXIT_FAIL;
    return cli_finish(c, status);
}
