/* SPDX-License-Identifier: MIT */
/*
 * cmd_quarantine.c -- `steme quarantine list|approve|reject`: the claims held back for an
 * admin's decision, and the decisions.
 *
 * A claim goes to quarantine when its author's trust is below the threshold or its text
 * trips a content-defense rule (docs/trust.md). It is stored and logged like any other, but
 * does not count as active until an admin approves it; a rejection is final.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "remote.h"
#include "signing.h"
#include "view.h"

static int run_quarantine(cli *c, int argc, char **argv);
static int run_list(cli *c, int argc, char **argv);
static int run_approve(cli *c, int argc, char **argv);
static int run_reject(cli *c, int argc, char **argv);

static const cli_subcommand quarantine_subs[] = {
    {"list", "quarantine list", run_list},
    {"approve", "quarantine approve", run_approve},
    {"reject", "quarantine reject", run_reject},
    {NULL, NULL, NULL},
};

const cli_command cli_cmd_quarantine = {
    .name = "quarantine",
    .summary = "list claims held for review; approve or reject them (admin)",
    .help = "Usage: steme quarantine list\n"
            "       steme quarantine approve ID|SEQ [--reason R] [--key FILE]\n"
            "       steme quarantine reject ID|SEQ [--reason R] [--key FILE]\n"
            "\n"
            "An assertion goes to quarantine instead of becoming active when its author's\n"
            "trust is below the quarantine threshold, or when its text matches a content-\n"
            "defense rule (prompt-injection-style payloads, link spam; docs/trust.md).\n"
            "\n"
            "list     the assertions awaiting a decision, oldest first\n"
            "approve  an admin lets the assertion ID (or the one at log position SEQ) in: its\n"
            "         stage becomes what it would otherwise be (usually active)\n"
            "reject   an admin turns it down: its stage becomes rejected, and whatever is\n"
            "         derived from it becomes suspect\n"
            "Both are quarantine_decision events: signed, logged and replayable.\n"
            "\n"
            "Options:\n"
            "  --reason R   why (kept in the log)\n"
            "  --key FILE   the admin key that signs the decision (default:\n"
            "               $STEME_ADMIN_KEY_FILE, else DIR/admin.key)\n"
            "\n"
            "Output: list prints a table: SEQ, RECORDED_AT, ID (first 12 hex digits), AGENT\n"
            "(first 12 hex digits of the author's key), REASON (low_trust, prompt_injection or\n"
            "link_spam) and the claim's summary; with --json JSON Lines, one object per\n"
            "assertion as 'steme --json get' prints it plus \"quarantine_reason\". approve\n"
            "and reject print the event's id, seq and status, the target and its new stage;\n"
            "with --quiet the event's id alone; with --json {\"id\", \"seq\", \"status\",\n"
            "\"target\", \"decision\", \"stage\"}.\n"
            "\n"
            "Exit status: 0 on success (also when nothing awaits a decision); 1 when a\n"
            "decision was refused (\"steme: quarantine approve: FIELD: RULE\": not signed by an\n"
            "admin, or the assertion is not in quarantine), the key could not be loaded or\n"
            "there is no store; 2 on a usage error.\n"
            "\n"
            "Examples:\n"
            "  steme quarantine list\n"
            "  steme quarantine approve 412 --reason 'checked against the label'\n"
            "  steme quarantine reject 5f0c...e1 --reason spam\n",
    .run = run_quarantine,
    .subs = quarantine_subs,
};

enum {
    OPT_KEY = CLI_OPT_BASE,
    OPT_REASON,
};

typedef struct decision_args {
    const char *key_file; /* NULL: the admin key's default */
    const char *reason;
} decision_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    decision_args *a = ctx;
    if (opt == OPT_KEY)
        a->key_file = arg;
    else if (opt == OPT_REASON)
        a->reason = arg;
    return CLI_CONTINUE;
}

static int
run_quarantine(cli *c, int argc, char **argv)
{
    return cli_dispatch(c, &cli_cmd_quarantine, argc, argv);
}

/* ---------------------------------------------------------------------------------------------
 * list
 */

typedef struct quarantine_lister {
    cli *c;
    steme_db *db;
    cli_table t;
    uint64_t count;
    int status;
} quarantine_lister;

/* One assertion awaiting a decision: a JSON line (steme__json_quarantined()), or a row. */
static int
list_one(cli *c, const steme_entry *e, const char *reason, const json_t *doc, quarantine_lister *l)
{
    l->count++;
    if (c->json)
        return cli_json_line(c, json_incref((json_t *)doc)) == CLI_CONTINUE ? CLI_CONTINUE
                                                                            : CLI_EXIT_FAIL;
    char seq[24], when[32], id[2 * STEME_ID_SIZE + 1], agent[2 * STEME_PUBKEY_SIZE + 1];
    snprintf(seq, sizeof(seq), "%" PRIu64, e->seq);
    cli_fmt_time(e->recorded_at, when);
    steme_hex(e->id.b, sizeof(e->id.b), id);
    id[CLI_SHORT_ID] = '\0';
    steme_hex(e->record.assertion.agent.b, STEME_PUBKEY_SIZE, agent);
    agent[CLI_SHORT_ID] = '\0';
    char *summary = steme__fmt_summary(e);
    const char *row[] = {
        seq, when, id, agent, reason != NULL ? reason : "?", summary != NULL ? summary : ""};
    bool ok = summary != NULL && cli_table_add(&l->t, row);
    free(summary);
    return ok ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

static int
on_entry(const steme_entry *e, void *ctx)
{
    quarantine_lister *l = ctx;
    steme_state st;
    /* A nested read inside the listing's snapshot, which the store allows (steme.h). */
    int err = steme_db_state(l->db, &e->id, &st);
    if (err != STEME_OK) {
        l->status = cli_error(l->c, err, NULL, "reading the state of seq %" PRIu64, e->seq);
        return 1;
    }
    json_t *doc = l->c->json ? steme__json_quarantined(e, &st) : NULL;
    if (l->c->json && doc == NULL)
        l->status = cli_error(l->c, STEME_ENOMEM, NULL, NULL);
    else
        l->status = list_one(l->c, e, steme__fmt_quarantine_reason(st.quarantine_reason), doc, l);
    json_decref(doc);
    return l->status != CLI_CONTINUE;
}

/* One entry of a page of GET /v1/quarantine. */
static int
on_remote_entry(cli *c, const json_t *item, void *ctx)
{
    cli_json_entry je;
    if (!cli_entry_from_json(item, &je) || je.e.record.kind != STEME_RECORD_ASSERTION)
        return cli_fail(c, "invalid", "the server listed something that is not an assertion");
    return list_one(c, &je.e, cli_jstr(item, "quarantine_reason"), item, ctx);
}

static int
run_list(cli *c, int argc, char **argv)
{
    int first;
    int status = cli_args_parse(c, &cli_cmd_quarantine, argc, argv, NULL, NULL, NULL, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    steme_db *db = NULL;
    status = cli_store_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    quarantine_lister l = {.c = c, .db = db, .status = CLI_CONTINUE};
    cli_table_init(&l.t, 6);
    const char *header[] = {"SEQ", "RECORDED_AT", "ID", "AGENT", "REASON", "SUMMARY"};
    if (!c->json && !cli_table_add(&l.t, header))
        l.status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    if (l.status == CLI_CONTINUE && db == NULL) {
        cli_path path;
        cli_path_init(&path, "/v1/quarantine");
        l.status = cli_remote_pages(c, &path, 0, "entries", 0, on_remote_entry, &l, NULL);
        cli_path_free(&path);
    } else if (l.status == CLI_CONTINUE) {
        int err = steme_db_quarantine(db, on_entry, &l);
        if (err != STEME_OK && l.status == CLI_CONTINUE)
            l.status = cli_error(c, err, NULL, "listing the quarantine");
    }
    steme_db_close(db);
    if (l.status == CLI_CONTINUE && !c->json) {
        if (l.count == 0)
            printf("nothing in quarantine\n");
        else
            cli_table_print(&l.t, stdout);
    }
    cli_table_free(&l.t);
    return l.status == CLI_CONTINUE ? CLI_EXIT_OK : l.status;
}

/* ---------------------------------------------------------------------------------------------
 * approve and reject
 */

/* What a decision left (embedded mode): {"target", "decision", "stage"}. */
static int
decided(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx, json_t **ret)
{
    (void)r;
    const steme_event *ev = ctx;
    steme_state st;
    int err = steme_db_state(db, &ev->target, &st);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the state of the target");
    *ret = steme__json_decision(&ev->target, (steme_decision)ev->decision, st.stage);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

static int
decide(cli *c, int argc, char **argv, steme_decision decision)
{
    static const struct option opts[] = {
        {"reason", required_argument, NULL, OPT_REASON},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    decision_args a = {0};
    int first;
    int status = cli_args_parse(c, &cli_cmd_quarantine, argc, argv, opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the ID or SEQ of the assertion"
                                          : "expected one ID or SEQ");
    cli_ref ref;
    if (!cli_ref_parse(argv[first], &ref))
        return cli_usage(c, "'%s' is neither an id (64 hex digits) nor a log position",
                         argv[first]);

    steme_keypair *kp = NULL;
    status = cli_admin_key_open(c, a.key_file, &kp);
    if (status != CLI_CONTINUE)
        return status;
    steme_db *db = NULL;
    status = cli_store_open(c, false, &db);
    if (status != CLI_CONTINUE)
        goto out_free_key;
    steme_id target;
    status = cli_ref_id(c, db, &ref, &target);
    if (status != CLI_CONTINUE)
        goto out_close_db;
    steme_record rec;
    cli_event_init(&rec, STEME_EVENT_QUARANTINE_DECISION, kp);
    rec.event.target = target;
    rec.event.decision = (uint8_t)decision;
    rec.event.reason = steme_str_c(a.reason);
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(target.b, sizeof(target.b), hex);
    cli_path route;
    cli_path_init(&route, "/v1/quarantine");
    cli_path_seg(&route, hex);
    cli_path_seg(&route, decision == STEME_DECISION_APPROVE ? "approve" : "reject");
    json_t *doc = NULL;
    status = cli_store(c, db, &route, &rec, kp, decided, &rec.event, &doc);
    cli_path_free(&route);
    if (status != CLI_CONTINUE)
        goto out_close_db;

    const char *target_hex = cli_jstr(doc, "target"), *what = cli_jstr(doc, "decision");
    const char *stage = cli_jstr(doc, "stage");
    cli_table t;
    cli_table_init(&t, 2);
    if (cli_table_kv(&t, "target", "%s", target_hex != NULL ? target_hex : hex) &&
        cli_table_kv(&t, "decision", "%s", what != NULL ? what : "?") &&
        cli_table_kv(&t, "stage", "%s", stage != NULL ? stage : "?")) {
        status = cli_print_stored(c, doc, &t);
    } else {
        json_decref(doc);
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    cli_table_free(&t);
out_close_db:
    steme_db_close(db);
out_free_key:
    steme_keypair_free(kp);
    return status;
}

static int
run_approve(cli *c, int argc, char **argv)
{
    return decide(c, argc, argv, STEME_DECISION_APPROVE);
}

static int
run_reject(cli *c, int argc, char **argv)
{
    return decide(c, argc, argv, STEME_DECISION_REJECT);
}
