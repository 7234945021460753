/* SPDX-License-Identifier: MIT */
/*
 * ingest_effect.c -- what a stored record did, as the members the CLI prints after the
 * command that writes such a record (`steme vote`, `steme source retract`, ...): the same
 * views (views.h), so that a script moving from `steme --json` to the server reads the same
 * answer for each record.
 *
 * These are reads made after the write, so they show the store as it is now (a later write
 * may already have changed it), exactly as the CLI does. A read that fails leaves the members
 * out: the record is stored whatever they say. The cascades that new records run (source
 * retraction and reinstatement, epoch supersession, assertion retraction) are counted in the
 * metrics here, where their reports are read anyway.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "metrics.h"
#include "views.h"

/* A record string as a NUL-terminated copy (free it); NULL when out of memory. */
static char *
dup_str(steme_str s)
{
    return strndup(s.len ? s.ptr : "", s.len);
}

/* {what: name, "report"} for an event that cascades, as `steme source retract` and `steme
 * epoch supersede` print it. */
static json_t *
cascade(srv_req *r, const char *what, steme_str name, const steme_ingest_result *res, bool count)
{
    steme_cascade_report rep;
    if (steme_db_report(r->s->db, res->seq, &rep) != STEME_OK)
        return NULL;
    if (count)
        srv_metrics_cascade(r->s->metrics, rep.total);
    char *n = dup_str(name);
    json_t *j = n ? steme__json_cascade(what, n, &rep) : NULL;
    free(n);
    return j;
}

/* {"source": {SOURCE}} after a registration, as `steme source add` prints it. */
static json_t *
source(srv_req *r, steme_str id)
{
    steme_source_info info;
    if (steme_db_source(r->s->db, id, &info) != STEME_OK)
        return NULL;
    return json_pack("{s:o}", "source", steme__json_source(&info));
}

/* {"agent", "name", "role"} as the agent now is, as `steme agent set` prints it. */
static json_t *
profile(srv_req *r, const steme_pubkey *key)
{
    steme_agent_info a;
    steme_entry *e = NULL;
    if (steme_db_agent(r->s->db, key, 0, &a) != STEME_OK)
        return NULL;
    char *name = NULL;
    if (a.profile_seq != 0 && steme_db_get_seq(r->s->db, a.profile_seq, &e) == STEME_OK &&
        e->record.kind == STEME_RECORD_EVENT && e->record.event.display_name.len > 0)
        name = dup_str(e->record.event.display_name);
    steme_entry_free(e);
    json_t *j = steme__json_profile(key, name, a.role);
    free(name);
    return j;
}

/* What acting on an assertion left: votes, retraction (with its report), re-affirmation. */
static json_t *
on_target(srv_req *r, const steme_record *rec, const steme_ingest_result *res)
{
    const steme_id *target =
        rec->kind == STEME_RECORD_VOTE ? &rec->vote.target : &rec->event.target;
    steme_state st;
    if (steme_db_state(r->s->db, target, &st) != STEME_OK)
        return NULL;
    if (rec->kind == STEME_RECORD_VOTE)
        return steme__json_voted(target, rec->vote.value, &st);
    if (rec->event.type == STEME_EVENT_ASSERTION_RETRACT) {
        steme_cascade_report rep;
        bool has = steme_db_report(r->s->db, res->seq, &rep) == STEME_OK;
        if (has && !res->duplicate)
            srv_metrics_cascade(r->s->metrics, rep.total);
        return steme__json_retracted(target, &st, has ? &rep : NULL);
    }
    if (rec->event.type == STEME_EVENT_QUARANTINE_DECISION)
        return steme__json_decision(target, (steme_decision)rec->event.decision, st.stage);
    char *epoch = dup_str(rec->event.epoch);
    json_t *j = epoch ? steme__json_reaffirmed(target, epoch, &st) : NULL;
    free(epoch);
    return j;
}

static json_t *
event_effect(srv_req *r, const steme_event *ev, const steme_record *rec,
             const steme_ingest_result *res)
{
    char *a = NULL, *b = NULL;
    json_t *j = NULL;
    switch (ev->type) {
    case STEME_EVENT_SOURCE_REGISTER:
        return source(r, ev->source);
    case STEME_EVENT_SOURCE_RETRACT:
        return cascade(r, "source", ev->source, res, !res->duplicate);
    case STEME_EVENT_SOURCE_REINSTATE:
        return cascade(r, "source", ev->source, res, !res->duplicate);
    case STEME_EVENT_EPOCH_OPEN:
        if ((a = dup_str(ev->epoch)))
            j = steme__json_epoch(a);
        free(a);
        return j;
    case STEME_EVENT_EPOCH_SUPERSEDE:
        return cascade(r, "epoch", ev->epoch, res, !res->duplicate);
    case STEME_EVENT_GOLD_SET:
        a = dup_str(ev->subject);
        b = dup_str(ev->predicate);
        if (a && b)
            j = steme__json_gold_set(a, b, &ev->value);
        free(a);
        free(b);
        return j;
    case STEME_EVENT_AGENT_PROFILE:
        return profile(r, &ev->target_agent);
    case STEME_EVENT_ASSERTION_RETRACT:
    case STEME_EVENT_QUARANTINE_DECISION:
    case STEME_EVENT_REAFFIRM:
        return on_target(r, rec, res);
    }
    return NULL;
}

json_t *
srv_ingest_effect(srv_req *r, const steme_record *rec, const steme_ingest_result *res)
{
    switch (rec->kind) {
    case STEME_RECORD_ASSERTION: {
        /* A supersession of one claim answers as `steme supersede` does: where the chain now
         * ends. A plain assertion has nothing to add. */
        const steme_assertion *as = &rec->assertion;
        steme_id head;
        if (as->n_supersedes != 1 || steme_db_head(r->s->db, &as->supersedes[0], &head) != STEME_OK)
            return NULL;
        return steme__json_superseded(&as->supersedes[0], &head);
    }
    case STEME_RECORD_VOTE:
        return on_target(r, rec, res);
    case STEME_RECORD_EVENT:
        return event_effect(r, &rec->event, rec, res);
    }
    return NULL;
}
