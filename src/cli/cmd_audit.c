/* SPDX-License-Identifier: MIT */
/*
 * cmd_audit.c -- `steme audit`: the query audit log (queries run with `steme query --audit`),
 * each row re-verified against the store on request.
 */
#include <inttypes.h>
#include <stdio.h>

#include "args.h"
#include "cli.h"
#include "output.h"

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
    char when[32], receipt[65];
    bool match = false;

    cli_fmt_time(e->time, when);
    steme_hex(e->receipt, 32, receipt);
    if (a->verify) {
        steme_errinfo ei = {0};
        a->err =
            steme_db_verify_receipt(a->db, &e->query, e->position, e->receipt, &match, NULL, &ei);
        if (a->err != STEME_OK)
            return 1;
        a->mismatch |= !match;
    }
    if (a->c->json) {
        json_array_append_new(a->rows, steme__json_audit_row(e, a->verify ? &match : NULL));
    } else {
        printf("%" PRIu64 "  %s  %.*s  %.*s  %.*s  %s  %" PRIu64 "  %.*s  %s%s\n", e->id, when,
               (int)e->asker.len, e->asker.ptr, (int)e->query.subject.len, e->query.subject.ptr,
               (int)e->query.predicate.len, e->query.predicate.ptr, e->query.lens, e->position,
               (int)e->reason.len, e->reason.ptr, receipt,
               a->verify ? (match ? "  verified yes" : "  verified NO") : "");
    }
    return 0;
}

static int
run_audit(cli *c, int argc, char **argv)
{
    audit_args a = {.c = c};
    int first, status, err;

    status = cli_args_parse(c, &cli_cmd_audit, argc, argv, audit_opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    if ((status = cli_db_open(c, true, &a.db)) != CLI_CONTINUE)
        return status;
    a.rows = c->json ? json_array() : NULL;
    err = steme_db_audit(a.db, a.from, (size_t)a.limit, on_row, &a);
    if (err == STEME_OK)
        err = a.err;
    steme_db_close(a.db);
    if (err != STEME_OK) {
        json_decref(a.rows);
        return cli_error(c, err, NULL, "reading the query audit");
    }
    if (c->json)
        status = cli_json_doc(c, a.rows) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    else
        status = CLI_EXIT_OK;
    if (status == CLI_EXIT_OK && a.mismatch)
        status = CLI_EXIT_FAIL;
    return cli_finish(c, status);
}
