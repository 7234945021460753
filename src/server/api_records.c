/* SPDX-License-Identifier: MIT */
/*
 * api_records.c -- the record routes: ingest of signed records (any record, or one kind:
 * votes, supersessions, retractions, re-affirmations), one record by id with its lifecycle
 * (state, history, provenance), the log and the index listings in order, cascade reports.
 *
 * The answers are the CLI's --json documents (views.h): GET /v1/records/{id} is `steme get
 * --json`, /state /history /provenance are the commands of those names, /v1/log and /v1/list
 * page through what `steme log` and `steme list` print. Reads run on the store's snapshots;
 * a listing is one snapshot per page.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "ingest.h"
#include "params.h"
#include "views.h"

/* Longest provenance path read; deeper chains are refused rather than cut short (as the CLI). */
#define MAX_PATH (1u << 20)

/* ---- writes ------------------------------------------------------------------------------- */

void
srv_api_ingest(srv_req *r)
{
    if (srv_args_only(r, NULL))
        srv_ingest(r, NULL);
}

void
srv_api_ingest_votes(srv_req *r)
{
    static const srv_ingest_want want = {.kind = STEME_RECORD_VOTE};
    if (srv_args_only(r, NULL))
        srv_ingest(r, &want);
}

void
srv_api_ingest_supersessions(srv_req *r)
{
    static const srv_ingest_want want = {.kind = STEME_RECORD_ASSERTION, .supersedes = true};
    if (srv_args_only(r, NULL))
        srv_ingest(r, &want);
}

void
srv_api_ingest_retractions(srv_req *r)
{
    static const srv_ingest_want want = {.kind = STEME_RECORD_EVENT,
                                         .types = {STEME_EVENT_ASSERTION_RETRACT}};
    if (srv_args_only(r, NULL))
        srv_ingest(r, &want);
}

void
srv_api_ingest_reaffirmations(srv_req *r)
{
    static const srv_ingest_want want = {.kind = STEME_RECORD_EVENT,
                                         .types = {STEME_EVENT_REAFFIRM}};
    if (srv_args_only(r, NULL))
        srv_ingest(r, &want);
}

/* ---- one record --------------------------------------------------------------------------- */

/* The record named by the path's {id} (an id or a log position), as of as_of (0: now). False
 * after answering (404 when there is none). */
static bool
fetch(srv_req *r, uint64_t as_of, bool has_as_of, steme_entry **ret)
{
    steme_id id;
    uint64_t seq = 0;
    bool by_id;
    if (!srv_param_ref(r, "id", &id, &seq, &by_id))
        return false;
    steme_entry *e = NULL;
    steme_err err;
    if (has_as_of && as_of == 0)
        err = STEME_ENOTFOUND; /* as_of=0: before the first record (as `steme get --as-of 0`) */
    else if (by_id)
        err = steme_db_get(r->s->db, &id, as_of, &e);
    else
        err = steme_db_get_seq(r->s->db, seq, &e);
    if (err == STEME_OK && has_as_of && e->seq > as_of) {
        steme_entry_free(e);
        err = STEME_ENOTFOUND;
    }
    if (err == STEME_ENOTFOUND) {
        char when[64] = "";
        if (has_as_of)
            snprintf(when, sizeof(when), " as of log position %" PRIu64, as_of);
        srv_fail(r, 404, "not_found", "id", "no record %s %s%s",
                 by_id ? "with id" : "at log position", srv_param(r, "id"), when);
        return false;
    }
    if (err != STEME_OK) {
        srv_fail_err(r, err, NULL, "reading the record");
        return false;
    }
    *ret = e;
    return true;
}

/* The assertion named by {id} now. False after answering (404 for a vote or an event too). */
static bool
fetch_assertion(srv_req *r, steme_entry **ret)
{
    steme_entry *e;
    if (!fetch(r, 0, false, &e))
        return false;
    if (e->record.kind != STEME_RECORD_ASSERTION) {
        srv_fail(r, 404, "not_found", "id", "record %s is %s, not an assertion", srv_param(r, "id"),
                 e->record.kind == STEME_RECORD_VOTE ? "a vote" : "an event");
        steme_entry_free(e);
        return false;
    }
    *ret = e;
    return true;
}

/* The stage of assertion e as of as_of (0: now); 0 for votes, events and assertions without
 * derived state. */
static steme_err
stage_of(srv_req *r, const steme_entry *e, uint64_t as_of, steme_stage *ret)
{
    *ret = 0;
    if (e->record.kind != STEME_RECORD_ASSERTION)
        return STEME_OK;
    steme_err err = steme__json_stage_at(r->s->db, &e->id, as_of, ret);
    return err == STEME_ENOTFOUND ? STEME_OK : err;
}

void
srv_api_record_get(srv_req *r)
{
    static const char *const args[] = {"as_of", NULL};
    uint64_t as_of;
    bool has_as_of;
    steme_entry *e;
    if (!srv_args_only(r, args) || !srv_arg_as_of(r, &as_of, &has_as_of) ||
        !fetch(r, as_of, has_as_of, &e))
        return;
    steme_stage stage;
    steme_err err = stage_of(r, e, as_of, &stage);
    if (err != STEME_OK)
        srv_fail_err(r, err, NULL, "reading the stage");
    else
        srv_ok(r, steme__json_entry(e, stage));
    steme_entry_free(e);
}

void
srv_api_record_state(srv_req *r)
{
    steme_entry *e, *he = NULL;
    if (!srv_args_only(r, NULL) || !fetch_assertion(r, &e))
        return;
    steme_state st;
    steme_id head;
    steme_err err = steme_db_state(r->s->db, &e->id, &st);
    if (err == STEME_OK)
        err = steme_db_head(r->s->db, &e->id, &head);
    if (err == STEME_OK)
        err = steme_db_get(r->s->db, &head, 0, &he);
    if (err != STEME_OK)
        srv_fail_err(r, err, NULL, "reading the state");
    else
        srv_ok(r, steme__json_state(&e->id, &st, &head, he->seq));
    steme_entry_free(he);
    steme_entry_free(e);
}

typedef struct historian {
    steme_db *db;
    json_t *changes;
    steme_err err;
} historian;

static int
on_change(const steme_stage_change *ch, void *ctx)
{
    historian *h = ctx;
    steme_entry *cause = NULL;
    /* A nested read inside the history's snapshot, which the store allows (steme.h). */
    h->err = steme_db_get_seq(h->db, ch->cause, &cause);
    if (h->err != STEME_OK)
        return 1;
    json_t *j = steme__json_stage_change(ch, cause);
    steme_entry_free(cause);
    if (!j || json_array_append_new(h->changes, j) != 0) {
        h->err = STEME_ENOMEM;
        return 1;
    }
    return 0;
}

void
srv_api_record_history(srv_req *r)
{
    steme_entry *e;
    if (!srv_args_only(r, NULL) || !fetch_assertion(r, &e))
        return;
    historian h = {r->s->db, json_array(), STEME_OK};
    steme_err err = h.changes ? steme_db_history(r->s->db, &e->id, on_change, &h) : STEME_ENOMEM;
    if (err == STEME_OK)
        err = h.err;
    if (err != STEME_OK) {
        json_decref(h.changes);
        srv_fail_err(r, err, NULL, "reading the history");
    } else {
        srv_ok(r, steme__json_history(&e->id, e->seq, h.changes));
    }
    steme_entry_free(e);
}

/* The path from id back to its root, in a buffer grown until it fits (*ret freed by caller). */
static steme_err
read_path(steme_db *db, const steme_id *id, uint64_t **ret, size_t *ret_n)
{
    for (size_t cap = 256;; cap *= 4) {
        uint64_t *path = malloc(cap * sizeof(*path));
        if (!path)
            return STEME_ENOMEM;
        steme_err err = steme_db_provenance(db, id, path, cap, ret_n);
        if (err == STEME_OK && *ret_n > 0) {
            *ret = path;
            return STEME_OK;
        }
        free(path);
        if (err == STEME_OK) /* the path always holds the assertion itself (steme.h) */
            return STEME_ECORRUPT;
        if (err != STEME_ELIMIT || cap >= MAX_PATH)
            return err;
    }
}

/* The provenance document of assertion e: its path (steps), the root's retracting event. */
static steme_err
provenance(steme_db *db, const steme_entry *e, json_t **ret)
{
    steme_state st, root_st = {0};
    uint64_t *path = NULL;
    size_t n = 0;
    steme_entry *root = NULL, *event = NULL;
    json_t *steps = json_array();
    steme_err err = steps ? steme_db_state(db, &e->id, &st) : STEME_ENOMEM;
    if (err == STEME_OK)
        err = read_path(db, &e->id, &path, &n);
    for (size_t i = 0; err == STEME_OK && i < n; i++) {
        steme_entry *step = NULL;
        steme_state step_st;
        err = steme_db_get_seq(db, path[i], &step);
        if (err == STEME_OK)
            err = steme_db_state(db, &step->id, &step_st);
        json_t *j = err == STEME_OK ? steme__json_path_step(step, step_st.stage) : NULL;
        if (err == STEME_OK && (!j || json_array_append_new(steps, j) != 0))
            err = STEME_ENOMEM;
        if (i + 1 == n && err == STEME_OK) {
            root = step;
            root_st = step_st;
        } else {
            steme_entry_free(step);
        }
    }
    if (err == STEME_OK && root_st.retracted_by != 0)
        err = steme_db_get_seq(db, root_st.retracted_by, &event);
    if (err == STEME_OK) {
        *ret = steme__json_provenance(&e->id, &st, steps, root, event);
        steps = NULL;
        if (!*ret)
            err = STEME_ENOMEM;
    }
    json_decref(steps);
    steme_entry_free(root);
    steme_entry_free(event);
    free(path);
    return err;
}

void
srv_api_record_provenance(srv_req *r)
{
    steme_entry *e;
    if (!srv_args_only(r, NULL) || !fetch_assertion(r, &e))
        return;
    json_t *j = NULL;
    steme_err err = provenance(r->s->db, e, &j);
    if (err != STEME_OK)
        srv_fail_err(r, err, NULL, "reading the provenance");
    else
        srv_ok(r, j);
    steme_entry_free(e);
}

/* ---- the log and the index listings ------------------------------------------------------- */

typedef struct page {
    steme_db *db;
    uint64_t as_of; /* for the stages shown: 0 = now */
    size_t limit;
    json_t *entries;
    uint64_t last; /* seq of the last entry taken */
    bool more;     /* an entry beyond the page exists */
    steme_err err;
} page;

static int
on_entry(const steme_entry *e, void *ctx)
{
    page *p = ctx;
    if (json_array_size(p->entries) == p->limit) {
        p->more = true;
        return 1;
    }
    /* A nested read inside the listing's snapshot (steme.h allows it), as `steme list`. */
    steme_stage stage = 0;
    if (e->record.kind == STEME_RECORD_ASSERTION) {
        steme_err err = steme__json_stage_at(p->db, &e->id, p->as_of, &stage);
        if (err != STEME_OK && err != STEME_ENOTFOUND) {
            p->err = err;
            return 1;
        }
    }
    json_t *j = steme__json_entry(e, stage);
    if (!j || json_array_append_new(p->entries, j) != 0) {
        p->err = STEME_ENOMEM;
        return 1;
    }
    p->last = e->seq;
    return 0;
}

/* Walk opts (its as_of, after and index set) one page at a time and answer {"entries",
 * "next_cursor"}. */
static void
list_page(srv_req *r, steme_list_options *opts, bool has_as_of, size_t limit)
{
    page p = {.db = r->s->db, .as_of = opts->as_of, .limit = limit, .entries = json_array()};
    /* One entry past the page tells whether another page follows. */
    opts->limit = limit + 1;
    steme_err err = p.entries ? STEME_OK : STEME_ENOMEM;
    /* as_of=0: before the first record, so nothing (the engine's 0 means "now"). */
    if (err == STEME_OK && !(has_as_of && opts->as_of == 0))
        err = steme_db_list(r->s->db, opts, on_entry, &p);
    if (err == STEME_OK)
        err = p.err;
    if (err != STEME_OK) {
        json_decref(p.entries);
        srv_fail_err(r, err, NULL, "listing records");
        return;
    }
    srv_ok(r, json_pack("{s:o, s:o}", "entries", p.entries, "next_cursor",
                        srv_cursor_seq(p.last, !p.more)));
}

void
srv_api_log(srv_req *r)
{
    static const char *const args[] = {"limit", "cursor", "after", NULL};
    steme_list_options opts = {.index = STEME_INDEX_LOG};
    size_t limit;
    if (srv_args_only(r, args) && srv_arg_limit(r, &limit) && srv_arg_after(r, &opts.after))
        list_page(r, &opts, false, limit);
}

/* The selectors of /v1/list; exactly one is given (predicate only with subject). */
static const char *const selectors[] = {"subject",      "source",     "agent",
                                        "derived_from", "supersedes", "target"};
#define N_SELECTORS (sizeof(selectors) / sizeof(selectors[0]))

void
srv_api_list(srv_req *r)
{
    static const char *const args[] = {"subject",      "predicate",  "source", "agent",
                                       "derived_from", "supersedes", "target", "as_of",
                                       "limit",        "cursor",     "after",  NULL};
    steme_list_options opts = {0};
    size_t limit;
    bool has_as_of;
    if (!srv_args_only(r, args) || !srv_arg_as_of(r, &opts.as_of, &has_as_of) ||
        !srv_arg_limit(r, &limit) || !srv_arg_after(r, &opts.after))
        return;

    const char *given = NULL;
    for (size_t i = 0; i < N_SELECTORS; i++) {
        if (!srv_arg(r, selectors[i]))
            continue;
        if (given) {
            srv_fail(r, 400, "invalid", selectors[i],
                     "%s: cannot be combined with %s (give exactly one of subject, source, "
                     "agent, derived_from, supersedes, target)",
                     selectors[i], given);
            return;
        }
        given = selectors[i];
    }
    if (!given) {
        srv_fail(r, 400, "invalid", "subject",
                 "give exactly one of subject (with an optional predicate), source, agent, "
                 "derived_from, supersedes, target");
        return;
    }
    const char *predicate = NULL, *text = NULL;
    if (!srv_arg_text(r, "predicate", STEME_MAX_PREDICATE, &predicate))
        return;
    if (predicate && strcmp(given, "subject") != 0) {
        srv_fail(r, 400, "invalid", "predicate", "predicate: needs subject");
        return;
    }
    bool present;
    if (strcmp(given, "subject") == 0) {
        if (!srv_arg_text(r, "subject", STEME_MAX_SUBJECT, &text))
            return;
        opts.index = predicate ? STEME_INDEX_SUBJECT_PREDICATE : STEME_INDEX_SUBJECT;
        opts.subject = steme_str_c(text);
        opts.predicate = steme_str_c(predicate);
    } else if (strcmp(given, "source") == 0) {
        if (!srv_arg_text(r, "source", STEME_MAX_SOURCE, &text))
            return;
        opts.index = STEME_INDEX_SOURCE;
        opts.source = steme_str_c(text);
    } else if (strcmp(given, "agent") == 0) {
        if (!srv_arg_hex(r, "agent", opts.agent.b, sizeof(opts.agent.b), &present))
            return;
        opts.index = STEME_INDEX_AGENT;
    } else {
        if (!srv_arg_hex(r, given, opts.ref.b, sizeof(opts.ref.b), &present))
            return;
        opts.index = strcmp(given, "derived_from") == 0 ? STEME_INDEX_DERIVED_FROM
                     : strcmp(given, "supersedes") == 0 ? STEME_INDEX_SUPERSEDES
                                                        : STEME_INDEX_TARGET;
    }
    list_page(r, &opts, has_as_of, limit);
}

void
srv_api_report(srv_req *r)
{
    const char *s = srv_param(r, "seq");
    uint64_t seq = 0;
    /* The same rule as a log position in the query string: decimal, no sign, no leading 0. */
    bool ok = s && *s >= '1' && *s <= '9' && strlen(s) <= 20;
    for (const char *p = s; ok && *p; p++) {
        unsigned d = (unsigned)(*p - '0');
        ok = d <= 9 && seq <= (UINT64_MAX - d) / 10;
        seq = seq * 10 + d;
    }
    if (!ok) {
        srv_fail(r, 400, "invalid", "seq", "seq: must be a log position (a number from 1)");
        return;
    }
    if (!srv_args_only(r, NULL))
        return;
    steme_cascade_report rep;
    steme_err err = steme_db_report(r->s->db, seq, &rep);
    if (err == STEME_ENOTFOUND) {
        srv_fail(r, 404, "not_found", "seq",
                 "no cascade report at log position %" PRIu64
                 " (reports are kept for source retractions and reinstatements, epoch "
                 "supersessions and assertion retractions)",
                 seq);
        return;
    }
    if (err != STEME_OK) {
        srv_fail_err(r, err, NULL, "reading the report");
        return;
    }
    json_t *j = json_pack("{s:I}", "seq", (json_int_t)seq);
    json_t *report = steme__json_report(&rep);
    if (!j || !report || json_object_update(j, report) != 0) {
        json_decref(j);
        j = NULL;
    }
    json_decref(report);
    srv_ok(r, j);
}
