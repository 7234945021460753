/* SPDX-License-Identifier: MIT */
/*
 * cmd_lifecycle.c -- why a claim stands where it stands: `steme state ID` (its stage and the
 * conditions behind it now), `steme history ID` (every change of stage with the record that
 * caused it) and `steme provenance ID` (the path back to the retraction that tainted it).
 *
 * These are the audit trail of the knowledge rules: each answer names log positions, so that
 * every step can be read back with `steme get SEQ`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "signing.h"
#include "view.h"

static int run_state(cli *c, int argc, char **argv);
static int run_history(cli *c, int argc, char **argv);
static int run_provenance(cli *c, int argc, char **argv);

const cli_command cli_cmd_state = {
    .name = "state",
    .summary = "show a claim's lifecycle stage and why",
    .help =
        "Usage: steme state ID|SEQ\n"
        "\n"
        "Show the lifecycle of the assertion ID (or the one at log position SEQ) now: its\n"
        "stage, and what it derives from (docs/rules.md). The stage is the first of these\n"
        "that holds: rejected (an admin rejected it out of quarantine), retracted (its\n"
        "source was retracted, or its author or an editor retracted it), superseded (a\n"
        "later assertion replaces it), suspect (something it is derived from is retracted\n"
        "or suspect), deprecated (its epoch was superseded and it was not re-affirmed),\n"
        "quarantined (awaiting an admin), disputed (at least 2 standing down-votes and\n"
        "more down- than up-votes), else active.\n"
        "\n"
        "Output: \"key  value\" lines:\n"
        "  stage            the stage\n"
        "  conditions       the conditions set: rejected, retracted_source,\n"
        "                   retracted_author, superseded, deprecated, quarantined (or none)\n"
        "  quarantine       why it went to quarantine, when it did\n"
        "  tainted_parents  how many of its derived_from parents are retracted, rejected\n"
        "                   or suspect; via: the lowest seq among them ('steme provenance')\n"
        "  superseded_by    the seq of the assertion that replaced it\n"
        "  retracted_by     the seq of the event that retracted it\n"
        "  votes            standing up- and down-votes\n"
        "  head             the current head of its supersession chain (itself when it is\n"
        "                   not superseded): id and seq\n"
        "With --json {\"id\", \"seq\", \"stage\", \"conditions\": [...], \"quarantine_reason\",\n"
        "\"tainted_parents\", \"via\", \"superseded_by\", \"retracted_by\" (null when none),\n"
        "\"votes\": {\"up\", \"down\"}, \"head\": {\"id\", \"seq\"}}.\n"
        "\n"
        "Exit status: 0 on success; 1 when there is no such assertion or no store; 2 on a\n"
        "usage error.\n"
        "\n"
        "Example:\n"
        "  steme state 12\n",
    .run = run_state,
};

const cli_command cli_cmd_history = {
    .name = "history",
    .summary = "list a claim's stage changes with their causes",
    .help = "Usage: steme history ID|SEQ\n"
            "\n"
            "List every change of stage of the assertion ID (or the one at log position SEQ),\n"
            "oldest first, each with the record that caused it: the assertion itself at birth,\n"
            "then votes, retractions (of the claim, of its source, of something it derives\n"
            "from), supersessions, epoch supersessions, re-affirmations and quarantine\n"
            "decisions. A retraction undone by a reinstatement shows as two changes.\n"
            "\n"
            "Output: a table: SEQ (the log position of the cause; 'steme get SEQ' shows it),\n"
            "KIND (assertion, vote, or the event's type), CHANGE (FROM -> TO) and CAUSE (the\n"
            "cause's one-line summary). With --json {\"id\", \"seq\", \"changes\": [{\"seq\",\n"
            "\"id\", \"kind\", \"type\" (an event's type, else null), \"summary\", \"from\" (null\n"
            "at birth), \"to\"}, ...]}.\n"
            "\n"
            "Exit status: 0 on success; 1 when there is no such assertion or no store; 2 on a\n"
            "usage error.\n"
            "\n"
            "Example:\n"
            "  steme history 12\n",
    .run = run_history,
};

const cli_command cli_cmd_provenance = {
    .name = "provenance",
    .summary = "trace a suspect or retracted claim back to its retraction",
    .help =
        "Usage: steme provenance ID|SEQ\n"
        "\n"
        "Show how the assertion ID (or the one at log position SEQ) came to be tainted:\n"
        "the path of derived_from links from it back to the retracted (or rejected) claim\n"
        "at the root, the event that retracted that claim, and the source it cites. Each\n"
        "step follows the parent with the lowest log position among the tainted ones, so\n"
        "the path is the same every time it is asked. A claim that is not tainted has a\n"
        "path of one step, itself, and no retracting event.\n"
        "\n"
        "Output: \"key  value\" lines (id, stage, steps, retracted_by: the event's seq and\n"
        "summary, source), then the path as a table: SEQ, ID (first 12 hex digits), STAGE\n"
        "and SUMMARY, from the claim to the root. With --json {\"id\", \"seq\", \"stage\",\n"
        "\"path\": [{\"seq\", \"id\", \"stage\", \"summary\"}, ...], \"retracted_by\": {\"seq\",\n"
        "\"id\", \"type\", \"summary\", \"source\"} or null, \"source\": the root's source}.\n"
        "\n"
        "Exit status: 0 on success; 1 when there is no such assertion or no store; 2 on a\n"
        "usage error.\n"
        "\n"
        "Example:\n"
        "  steme provenance 57\n",
    .run = run_provenance,
};

/* Longest provenance path read; deeper chains are refused rather than cut short. */
#define MAX_PATH (1u << 20)

/* Parse the one ID|SEQ, open the store read-only and resolve the id. */
static int
open_target(cli *c, const cli_command *cmd, int argc, char **argv, steme_db **db, steme_id *id)
{
    int first;
    int status = cli_args_parse(c, cmd, argc, argv, NULL, NULL, NULL, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the ID or SEQ of the assertion"
                                          : "expected one ID or SEQ");
    cli_ref ref;
    if (!cli_ref_parse(argv[first], &ref))
        return cli_usage(c, "'%s' is neither an id (64 hex digits) nor a log position",
                         argv[first]);
    status = cli_db_open(c, true, db);
    if (status != CLI_CONTINUE)
        return status;
    status = cli_ref_id(c, *db, &ref, id);
    if (status != CLI_CONTINUE) {
        steme_db_close(*db);
        *db = NULL;
    }
    return status;
}

static int
not_found(cli *c, int err, const steme_id *id, const char *what)
{
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(id->b, sizeof(id->b), hex);
    if (err == STEME_ENOTFOUND)
        return cli_fail(c, "not_found", "no assertion with id %s", hex);
    return cli_error(c, err, NULL, "reading the %s of %s", what, hex);
}

/* The kind shown for a cause: an event's type, else the record's kind. */
static const char *
kind_of(const steme_entry *e)
{
    const char *name = e->record.kind == STEME_RECORD_EVENT
                           ? steme_event_type_name(e->record.event.type)
                           : steme_record_kind_name(e->record.kind);
    return name != NULL ? name : "?";
}

/* ---------------------------------------------------------------------------------------------
 * state
 */

static bool
state_rows(cli_table *t, const steme_id *id, const steme_state *st, const steme_id *head,
           uint64_t head_seq)
{
    char hex[2 * STEME_ID_SIZE + 1], head_hex[2 * STEME_ID_SIZE + 1], conds[128] = "";
    steme_hex(id->b, sizeof(id->b), hex);
    steme_hex(head->b, sizeof(head->b), head_hex);
    for (size_t i = 0; i < STEME__FMT_N_CONDITIONS; i++) {
        if ((st->conditions & steme__fmt_conditions[i].bit) != 0) {
            if (conds[0] != '\0')
                strcat(conds, ", ");
            strcat(conds, steme__fmt_conditions[i].name);
        }
    }
    const char *qname = steme_quarantine_reason_name(st->quarantine_reason);
    bool ok = cli_table_kv(t, "id", "%s", hex) && cli_table_kv(t, "seq", "%" PRIu64, st->seq) &&
              cli_table_kv(t, "stage", "%s", steme__fmt_stage(st->stage)) &&
              cli_table_kv(t, "conditions", "%s", conds[0] != '\0' ? conds : "none");
    if (ok && st->quarantine_reason != STEME_QUARANTINE_NONE)
        ok = cli_table_kv(t, "quarantine", "%s", qname != NULL ? qname : "?");
    if (ok && st->tainted_parents > 0)
        ok = cli_table_kv(t, "tainted_parents", "%" PRIu32 " (via seq %" PRIu64 ")",
                          st->tainted_parents, st->via);
    if (ok && st->superseded_by != 0)
        ok = cli_table_kv(t, "superseded_by", "seq %" PRIu64, st->superseded_by);
    if (ok && st->retracted_by != 0)
        ok = cli_table_kv(t, "retracted_by", "seq %" PRIu64, st->retracted_by);
    return ok && cli_table_kv(t, "votes", "%" PRIu32 " up, %" PRIu32 " down", st->up, st->down) &&
           cli_table_kv(t, "head", "%s (seq %" PRIu64 ")", head_hex, head_seq);
}

static int
run_state(cli *c, int argc, char **argv)
{
    steme_db *db = NULL;
    steme_id id;
    int status = open_target(c, &cli_cmd_state, argc, argv, &db, &id);
    if (status != CLI_CONTINUE)
        return status;
    steme_state st;
    steme_id head;
    steme_entry *he = NULL;
    int err = steme_db_state(db, &id, &st);
    if (err == STEME_OK)
        err = steme_db_head(db, &id, &head);
    if (err == STEME_OK)
        err = steme_db_get(db, &head, 0, &he);
    steme_db_close(db);
    if (err != STEME_OK)
        return not_found(c, err, &id, "state");
    uint64_t head_seq = he->seq;
    steme_entry_free(he);

    if (c->json)
        return cli_json_doc(c, steme__json_state(&id, &st, &head, head_seq)) == CLI_CONTINUE
                   ? CLI_EXIT_OK
                   : CLI_EXIT_FAIL;
    cli_table t;
    cli_table_init(&t, 2);
    bool ok = state_rows(&t, &id, &st, &head, head_seq);
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * history
 */

typedef struct historian {
    cli *c;
    steme_db *db;
    json_t *changes; /* --json */
    cli_table t;
    int status;
} historian;

static int
on_change(const steme_stage_change *ch, void *ctx)
{
    historian *h = ctx;
    steme_entry *e = NULL;
    /* A nested read inside the history's snapshot, which the store allows (steme.h). */
    int err = steme_db_get_seq(h->db, ch->cause, &e);
    if (err != STEME_OK) {
        h->status = cli_error(h->c, err, NULL, "reading the cause at seq %" PRIu64, ch->cause);
        return 1;
    }
    bool ok;
    if (h->c->json) {
        ok = json_array_append_new(h->changes, steme__json_stage_change(ch, e)) == 0;
    } else {
        char *summary = steme__fmt_summary(e);
        char seq[24], change[48];
        snprintf(seq, sizeof(seq), "%" PRIu64, e->seq);
        snprintf(change, sizeof(change), "%s -> %s",
                 ch->from != 0 ? steme__fmt_stage(ch->from) : "", steme__fmt_stage(ch->to));
        const char *row[] = {seq, kind_of(e), ch->from != 0 ? change : change + 1, summary};
        ok = summary != NULL && cli_table_add(&h->t, row);
        free(summary);
    }
    steme_entry_free(e);
    if (!ok) {
        h->status = cli_error(h->c, STEME_ENOMEM, NULL, NULL);
        return 1;
    }
    return 0;
}

static int
run_history(cli *c, int argc, char **argv)
{
    steme_db *db = NULL;
    steme_id id;
    int status = open_target(c, &cli_cmd_history, argc, argv, &db, &id);
    if (status != CLI_CONTINUE)
        return status;
    historian h = {.c = c, .db = db, .status = CLI_EXIT_OK};
    cli_table_init(&h.t, 4);
    const char *header[] = {"SEQ", "KIND", "CHANGE", "CAUSE"};
    if (c->json ? (h.changes = json_array()) == NULL : !cli_table_add(&h.t, header))
        h.status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    int err = h.status == CLI_EXIT_OK ? steme_db_history(db, &id, on_change, &h) : STEME_OK;
    steme_entry *e = NULL;
    if (err == STEME_OK && h.status == CLI_EXIT_OK && c->json)
        err = steme_db_get(db, &id, 0, &e);
    steme_db_close(db);
    if (err != STEME_OK)
        h.status = not_found(c, err, &id, "history");
    if (h.status == CLI_EXIT_OK && c->json) {
        json_t *j = steme__json_history(&id, e->seq, h.changes);
        h.changes = NULL;
        h.status = cli_json_doc(c, j) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    } else if (h.status == CLI_EXIT_OK) {
        cli_table_print(&h.t, stdout);
    }
    steme_entry_free(e);
    json_decref(h.changes);
    cli_table_free(&h.t);
    return h.status;
}

/* ---------------------------------------------------------------------------------------------
 * provenance
 */

/* The path from id back to its root, in a buffer grown until it fits (*ret freed by caller). */
static int
read_path(cli *c, steme_db *db, const steme_id *id, uint64_t **ret, size_t *ret_n)
{
    for (size_t cap = 256;; cap *= 4) {
        uint64_t *path = malloc(cap * sizeof(*path));
        if (path == NULL)
            return cli_error(c, STEME_ENOMEM, NULL, NULL);
        int err = steme_db_provenance(db, id, path, cap, ret_n);
        if (err == STEME_OK) {
            *ret = path;
            return CLI_CONTINUE;
        }
        free(path);
        if (err != STEME_ELIMIT || cap >= MAX_PATH)
            return not_found(c, err, id, "provenance");
    }
}

/* One step of the path: {"seq", "id", "stage", "summary"} or a table row. */
static int
add_step(cli *c, steme_db *db, uint64_t seq, json_t *steps, cli_table *t, steme_entry **keep)
{
    steme_entry *e = NULL;
    steme_state st;
    int err = steme_db_get_seq(db, seq, &e);
    if (err == STEME_OK)
        err = steme_db_state(db, &e->id, &st);
    if (err != STEME_OK) {
        steme_entry_free(e);
        return cli_error(c, err, NULL, "reading seq %" PRIu64 " of the path", seq);
    }
    bool ok;
    if (steps != NULL) {
        ok = json_array_append_new(steps, steme__json_path_step(e, st.stage)) == 0;
    } else {
        char *summary = steme__fmt_summary(e);
        char seq_text[24], hex[2 * STEME_ID_SIZE + 1];
        snprintf(seq_text, sizeof(seq_text), "%" PRIu64, seq);
        steme_hex(e->id.b, sizeof(e->id.b), hex);
        hex[CLI_SHORT_ID] = '\0';
        const char *row[] = {seq_text, hex, steme__fmt_stage(st.stage), summary};
        ok = summary != NULL && cli_table_add(t, row);
        free(summary);
    }
    if (!ok) {
        steme_entry_free(e);
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    if (keep != NULL)
        *keep = e;
    else
        steme_entry_free(e);
    return CLI_CONTINUE;
}

typedef struct trace {
    steme_state state;   /* of the claim asked about */
    steme_state root;    /* of the last step */
    steme_entry *root_e; /* the last step */
    steme_entry *event;  /* the root's retracting event, NULL when none */
    json_t *steps;       /* --json */
    cli_table path;      /* text */
} trace;

static int
print_trace(cli *c, const steme_id *id, trace *tr, size_t n)
{
    if (c->json) {
        json_t *j = steme__json_provenance(id, &tr->state, tr->steps, tr->root_e, tr->event);
        tr->steps = NULL;
        return cli_json_doc(c, j) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    steme_str source = tr->root_e->record.assertion.source;
    char *event_summary = tr->event != NULL ? steme__fmt_summary(tr->event) : NULL;
    if (tr->event != NULL && event_summary == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    int status = CLI_EXIT_OK;
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(id->b, sizeof(id->b), hex);
    cli_table t;
    cli_table_init(&t, 2);
    bool ok = cli_table_kv(&t, "id", "%s", hex) &&
              cli_table_kv(&t, "stage", "%s", steme__fmt_stage(tr->state.stage)) &&
              cli_table_kv(&t, "steps", "%zu%s", n,
                           n == 1 && tr->event == NULL ? " (not tainted: nothing to trace)" : "");
    if (ok && tr->event != NULL)
        ok = cli_table_kv(&t, "retracted_by", "seq %" PRIu64 "  %s", tr->event->seq, event_summary);
    ok = ok && cli_table_kv(&t, "source", "%.*s", (int)source.len, source.ptr);
    if (ok) {
        cli_table_print(&t, stdout);
        printf("\npath:\n");
        cli_table_print(&tr->path, stdout);
    } else {
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    cli_table_free(&t);
    free(event_summary);
    return status;
}

static int
run_provenance(cli *c, int argc, char **argv)
{
    steme_db *db = NULL;
    steme_id id;
    int status = open_target(c, &cli_cmd_provenance, argc, argv, &db, &id);
    if (status != CLI_CONTINUE)
        return status;
    uint64_t *path = NULL;
    size_t n = 0;
    trace tr;
    memset(&tr, 0, sizeof(tr));
    cli_table_init(&tr.path, 4);
    int err = steme_db_state(db, &id, &tr.state);
    if (err != STEME_OK) {
        status = not_found(c, err, &id, "state");
        goto out;
    }
    status = read_path(c, db, &id, &path, &n);
    if (status != CLI_CONTINUE)
        goto out;
    if (n == 0) {
        /* The path always holds at least the assertion itself (steme.h). */
        status = cli_error(c, STEME_ECORRUPT, NULL, "reading the provenance");
        goto out;
    }
    const char *header[] = {"SEQ", "ID", "STAGE", "SUMMARY"};
    if (c->json ? (tr.steps = json_array()) == NULL : !cli_table_add(&tr.path, header)) {
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
        goto out;
    }
    for (size_t i = 0; i < n && status == CLI_CONTINUE; i++)
        status = add_step(c, db, path[i], tr.steps, &tr.path, i + 1 == n ? &tr.root_e : NULL);
    if (status != CLI_CONTINUE)
        goto out;
    err = steme_db_state(db, &tr.root_e->id, &tr.root);
    if (err == STEME_OK && tr.root.retracted_by != 0)
        err = steme_db_get_seq(db, tr.root.retracted_by, &tr.event);
    if (err != STEME_OK) {
        status = cli_error(c, err, NULL, "reading the root of the path");
        goto out;
    }
    status = print_trace(c, &id, &tr, n);
out:
    steme_db_close(db);
    steme_entry_free(tr.root_e);
    steme_entry_free(tr.event);
    json_decref(tr.steps);
    cli_table_free(&tr.path);
    free(path);
    return status == CLI_CONTINUE ? CLI_EXIT_OK : status;
}
