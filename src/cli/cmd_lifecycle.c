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
#include "remote.h"
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

/* Parse the one ID|SEQ and resolve the id: in the store, opened read-only (*db), or through
 * the server (remote mode, *db NULL). */
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
    status = cli_store_open(c, true, db);
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

/* GET /v1/records/ID/WHAT (remote mode); a 404 is worded as embedded mode words it. */
static int
remote_doc(cli *c, const steme_id *id, const char *what, json_t **ret)
{
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(id->b, sizeof(id->b), hex);
    cli_path path;
    cli_path_init(&path, "/v1/records");
    cli_path_seg(&path, hex);
    cli_path_seg(&path, what);
    bool missing;
    int status = cli_remote_get(c, &path, ret, &missing);
    cli_path_free(&path);
    if (status == CLI_CONTINUE && missing)
        return not_found(c, STEME_ENOTFOUND, id, what);
    return status;
}

/* Print doc (stolen) as --json does. */
static int
print_json(cli *c, json_t *doc)
{
    return cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* ---------------------------------------------------------------------------------------------
 * state
 */

/* The rows of a state document (steme__json_state()). */
static bool
state_rows(cli_table *t, const json_t *doc)
{
    char conds[256] = "";
    size_t n = 0;
    const json_t *list = json_object_get(doc, "conditions");
    for (size_t i = 0; i < json_array_size(list) && n < sizeof(conds); i++) {
        const char *name = json_string_value(json_array_get(list, i));
        n += (size_t)snprintf(conds + n, sizeof(conds) - n, "%s%s", n > 0 ? ", " : "",
                              name != NULL ? name : "?");
    }
    const char *id = cli_jstr(doc, "id"), *stage = cli_jstr(doc, "stage");
    const char *qname = cli_jstr(doc, "quarantine_reason");
    const json_t *votes = json_object_get(doc, "votes"), *head = json_object_get(doc, "head");
    const char *head_id = cli_jstr(head, "id");
    uint64_t tainted = cli_ju64(doc, "tainted_parents");
    uint64_t superseded_by = cli_ju64(doc, "superseded_by"),
             retracted_by = cli_ju64(doc, "retracted_by");
    return cli_table_kv(t, "id", "%s", id != NULL ? id : "") &&
           cli_table_kv(t, "seq", "%" PRIu64, cli_ju64(doc, "seq")) &&
           cli_table_kv(t, "stage", "%s", stage != NULL ? stage : "?") &&
           cli_table_kv(t, "conditions", "%s", conds[0] != '\0' ? conds : "none") &&
           (qname == NULL || cli_table_kv(t, "quarantine", "%s", qname)) &&
           (tainted == 0 || cli_table_kv(t, "tainted_parents", "%" PRIu64 " (via seq %" PRIu64 ")",
                                         tainted, cli_ju64(doc, "via"))) &&
           (superseded_by == 0 ||
            cli_table_kv(t, "superseded_by", "seq %" PRIu64, superseded_by)) &&
           (retracted_by == 0 || cli_table_kv(t, "retracted_by", "seq %" PRIu64, retracted_by)) &&
           cli_table_kv(t, "votes", "%" PRIu64 " up, %" PRIu64 " down", cli_ju64(votes, "up"),
                        cli_ju64(votes, "down")) &&
           cli_table_kv(t, "head", "%s (seq %" PRIu64 ")", head_id != NULL ? head_id : "",
                        cli_ju64(head, "seq"));
}

/* The state document of assertion id, read from the store. */
static int
state_doc(cli *c, steme_db *db, const steme_id *id, json_t **ret)
{
    steme_state st;
    steme_id head;
    steme_entry *he = NULL;
    int err = steme_db_state(db, id, &st);
    if (err == STEME_OK)
        err = steme_db_head(db, id, &head);
    if (err == STEME_OK)
        err = steme_db_get(db, &head, 0, &he);
    if (err != STEME_OK)
        return not_found(c, err, id, "state");
    *ret = steme__json_state(id, &st, &head, he->seq);
    steme_entry_free(he);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

static int
run_state(cli *c, int argc, char **argv)
{
    steme_db *db = NULL;
    steme_id id;
    int status = open_target(c, &cli_cmd_state, argc, argv, &db, &id);
    if (status != CLI_CONTINUE)
        return status;
    json_t *doc = NULL;
    status = db != NULL ? state_doc(c, db, &id, &doc) : remote_doc(c, &id, "state", &doc);
    steme_db_close(db);
    if (status != CLI_CONTINUE)
        return status;
    if (c->json)
        return print_json(c, doc);
    cli_table t;
    cli_table_init(&t, 2);
    bool ok = state_rows(&t, doc);
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    json_decref(doc);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * history
 */

typedef struct historian {
    cli *c;
    steme_db *db;
    json_t *changes;
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
    bool ok = json_array_append_new(h->changes, steme__json_stage_change(ch, e)) == 0;
    steme_entry_free(e);
    if (!ok) {
        h->status = cli_error(h->c, STEME_ENOMEM, NULL, NULL);
        return 1;
    }
    return 0;
}

/* The history document of assertion id, read from the store. */
static int
history_doc(cli *c, steme_db *db, const steme_id *id, json_t **ret)
{
    historian h = {.c = c, .db = db, .changes = json_array(), .status = CLI_CONTINUE};
    if (h.changes == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    int err = steme_db_history(db, id, on_change, &h);
    steme_entry *e = NULL;
    if (err == STEME_OK && h.status == CLI_CONTINUE)
        err = steme_db_get(db, id, 0, &e);
    if (err != STEME_OK && h.status == CLI_CONTINUE)
        h.status = not_found(c, err, id, "history");
    if (h.status != CLI_CONTINUE) {
        json_decref(h.changes);
        steme_entry_free(e);
        return h.status;
    }
    *ret = steme__json_history(id, e->seq, h.changes);
    steme_entry_free(e);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* The table of a history document: SEQ, KIND (an event's type, else the record's kind),
 * CHANGE and CAUSE. */
static bool
print_history(const json_t *doc)
{
    cli_table t;
    cli_table_init(&t, 4);
    const char *header[] = {"SEQ", "KIND", "CHANGE", "CAUSE"};
    bool ok = cli_table_add(&t, header);
    const json_t *changes = json_object_get(doc, "changes");
    for (size_t i = 0; ok && i < json_array_size(changes); i++) {
        const json_t *ch = json_array_get(changes, i);
        const char *kind =
            cli_jstr(ch, "type") != NULL ? cli_jstr(ch, "type") : cli_jstr(ch, "kind");
        const char *from = cli_jstr(ch, "from"), *to = cli_jstr(ch, "to");
        const char *summary = cli_jstr(ch, "summary");
        char seq[24], change[64];
        snprintf(seq, sizeof(seq), "%" PRIu64, cli_ju64(ch, "seq"));
        if (from != NULL)
            snprintf(change, sizeof(change), "%s -> %s", from, to != NULL ? to : "?");
        else
            snprintf(change, sizeof(change), "-> %s", to != NULL ? to : "?");
        const char *row[] = {seq, kind != NULL ? kind : "?", change,
                             summary != NULL ? summary : ""};
        ok = cli_table_add(&t, row);
    }
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    return ok;
}

static int
run_history(cli *c, int argc, char **argv)
{
    steme_db *db = NULL;
    steme_id id;
    int status = open_target(c, &cli_cmd_history, argc, argv, &db, &id);
    if (status != CLI_CONTINUE)
        return status;
    json_t *doc = NULL;
    status = db != NULL ? history_doc(c, db, &id, &doc) : remote_doc(c, &id, "history", &doc);
    steme_db_close(db);
    if (status != CLI_CONTINUE)
        return status;
    if (c->json)
        return print_json(c, doc);
    bool ok = print_history(doc);
    json_decref(doc);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
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

/* One step of the path, appended to steps; the last one's entry and state are kept. */
static int
add_step(cli *c, steme_db *db, uint64_t seq, json_t *steps, steme_entry **keep, steme_state *st)
{
    steme_entry *e = NULL;
    int err = steme_db_get_seq(db, seq, &e);
    if (err == STEME_OK)
        err = steme_db_state(db, &e->id, st);
    if (err != STEME_OK) {
        steme_entry_free(e);
        return cli_error(c, err, NULL, "reading seq %" PRIu64 " of the path", seq);
    }
    if (json_array_append_new(steps, steme__json_path_step(e, st->stage)) != 0) {
        steme_entry_free(e);
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    if (keep != NULL)
        *keep = e;
    else
        steme_entry_free(e);
    return CLI_CONTINUE;
}

/* The provenance document of assertion id, read from the store. */
static int
provenance_doc(cli *c, steme_db *db, const steme_id *id, json_t **ret)
{
    uint64_t *path = NULL;
    size_t n = 0;
    steme_state state, root;
    steme_entry *root_e = NULL, *event = NULL;
    json_t *steps = NULL;
    int status;
    int err = steme_db_state(db, id, &state);
    if (err != STEME_OK)
        return not_found(c, err, id, "state");
    status = read_path(c, db, id, &path, &n);
    if (status != CLI_CONTINUE)
        return status;
    if (n == 0) {
        /* The path always holds at least the assertion itself (steme.h). */
        status = cli_error(c, STEME_ECORRUPT, NULL, "reading the provenance");
        goto out;
    }
    if ((steps = json_array()) == NULL) {
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
        goto out;
    }
    for (size_t i = 0; i < n && status == CLI_CONTINUE; i++)
        status = add_step(c, db, path[i], steps, i + 1 == n ? &root_e : NULL, &root);
    if (status != CLI_CONTINUE)
        goto out;
    if (root.retracted_by != 0 &&
        (err = steme_db_get_seq(db, root.retracted_by, &event)) != STEME_OK) {
        status = cli_error(c, err, NULL, "reading the root of the path");
        goto out;
    }
    *ret = steme__json_provenance(id, &state, steps, root_e, event);
    steps = NULL;
    if (*ret == NULL)
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
out:
    steme_entry_free(root_e);
    steme_entry_free(event);
    json_decref(steps);
    free(path);
    return status;
}

/* "key  value" lines (id, stage, steps, retracted_by, source), then the path as a table. */
static bool
print_trace(const json_t *doc)
{
    const json_t *path = json_object_get(doc, "path"),
                 *event = json_object_get(doc, "retracted_by");
    size_t n = json_array_size(path);
    const char *id = cli_jstr(doc, "id"), *stage = cli_jstr(doc, "stage");
    const char *source = cli_jstr(doc, "source"), *summary = cli_jstr(event, "summary");
    bool tainted = json_is_object(event);
    cli_table t, steps;
    cli_table_init(&t, 2);
    cli_table_init(&steps, 4);
    const char *header[] = {"SEQ", "ID", "STAGE", "SUMMARY"};
    bool ok = cli_table_kv(&t, "id", "%s", id != NULL ? id : "") &&
              cli_table_kv(&t, "stage", "%s", stage != NULL ? stage : "?") &&
              cli_table_kv(&t, "steps", "%zu%s", n,
                           n == 1 && !tainted ? " (not tainted: nothing to trace)" : "") &&
              (!tainted || cli_table_kv(&t, "retracted_by", "seq %" PRIu64 "  %s",
                                        cli_ju64(event, "seq"), summary != NULL ? summary : "")) &&
              cli_table_kv(&t, "source", "%s", source != NULL ? source : "") &&
              cli_table_add(&steps, header);
    for (size_t i = 0; ok && i < n; i++) {
        const json_t *step = json_array_get(path, i);
        const char *step_id = cli_jstr(step, "id"), *step_stage = cli_jstr(step, "stage");
        const char *step_summary = cli_jstr(step, "summary");
        char seq[24], short_id[CLI_SHORT_ID + 1];
        snprintf(seq, sizeof(seq), "%" PRIu64, cli_ju64(step, "seq"));
        snprintf(short_id, sizeof(short_id), "%s", step_id != NULL ? step_id : "");
        const char *row[] = {seq, short_id, step_stage != NULL ? step_stage : "?",
                             step_summary != NULL ? step_summary : ""};
        ok = cli_table_add(&steps, row);
    }
    if (ok) {
        cli_table_print(&t, stdout);
        printf("\npath:\n");
        cli_table_print(&steps, stdout);
    }
    cli_table_free(&t);
    cli_table_free(&steps);
    return ok;
}

static int
run_provenance(cli *c, int argc, char **argv)
{
    steme_db *db = NULL;
    steme_id id;
    int status = open_target(c, &cli_cmd_provenance, argc, argv, &db, &id);
    if (status != CLI_CONTINUE)
        return status;
    json_t *doc = NULL;
    status = db != NULL ? provenance_doc(c, db, &id, &doc) : remote_doc(c, &id, "provenance", &doc);
    steme_db_close(db);
    if (status != CLI_CONTINUE)
        return status;
    if (c->json)
        return print_json(c, doc);
    bool ok = print_trace(doc);
    json_decref(doc);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}
