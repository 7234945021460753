/* SPDX-License-Identifier: MIT */
/*
 * views_rules.c -- the JSON views of what the knowledge rules derive (see views.h): an
 * assertion's lifecycle (state, history, provenance), sources, agents and their trust, cascade
 * reports, gold standards, and the answers to the writes that change them.
 */
#include <stdlib.h>

#include "record_json.h"
#include "fmt.h"
#include "views.h"

/* ---------------------------------------------------------------------------------------------
 * Lifecycle
 */

static json_t *
conditions_json(uint32_t conditions)
{
    json_t *conds = json_array();
    for (size_t i = 0; conds != NULL && i < STEME__FMT_N_CONDITIONS; i++) {
        if ((conditions & steme__fmt_conditions[i].bit) != 0)
            json_array_append_new(conds, json_string(steme__fmt_conditions[i].name));
    }
    return conds;
}

json_t *
steme__json_state(const steme_id *id, const steme_state *st, const steme_id *head,
                  uint64_t head_seq)
{
    json_t *conds = conditions_json(st->conditions);
    if (conds == NULL)
        return NULL;
    const char *qname = steme_quarantine_reason_name(st->quarantine_reason);
    json_t *reason = st->quarantine_reason != STEME_QUARANTINE_NONE && qname != NULL
                         ? json_string(qname)
                         : json_null();
    return json_pack("{s:o, s:I, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:{s:I, s:I}, s:{s:o, s:I}}",
                     "id", steme__json_hex(id->b, sizeof(id->b)), "seq", (json_int_t)st->seq,
                     "stage", steme__fmt_stage(st->stage), "conditions", conds, "quarantine_reason",
                     reason, "tainted_parents", (json_int_t)st->tainted_parents, "via",
                     steme__json_seq(st->via), "superseded_by", steme__json_seq(st->superseded_by),
                     "retracted_by", steme__json_seq(st->retracted_by), "votes", "up",
                     (json_int_t)st->up, "down", (json_int_t)st->down, "head", "id",
                     steme__json_hex(head->b, sizeof(head->b)), "seq", (json_int_t)head_seq);
}

json_t *
steme__json_stage_change(const steme_stage_change *ch, const steme_entry *cause)
{
    char *summary = steme__fmt_summary(cause);
    if (summary == NULL)
        return NULL;
    const char *type = cause->record.kind == STEME_RECORD_EVENT
                           ? steme_event_type_name(cause->record.event.type)
                           : NULL;
    json_t *j =
        json_pack("{s:I, s:o, s:s, s:o, s:s, s:o, s:s}", "seq", (json_int_t)cause->seq, "id",
                  steme__json_hex(cause->id.b, sizeof(cause->id.b)), "kind",
                  steme_record_kind_name(cause->record.kind), "type",
                  type != NULL ? json_string(type) : json_null(), "summary", summary, "from",
                  ch->from != 0 ? json_string(steme__fmt_stage(ch->from)) : json_null(), "to",
                  steme__fmt_stage(ch->to));
    free(summary);
    return j;
}

json_t *
steme__json_history(const steme_id *id, uint64_t seq, json_t *changes)
{
    return json_pack("{s:o, s:I, s:o}", "id", steme__json_hex(id->b, sizeof(id->b)), "seq",
                     (json_int_t)seq, "changes", changes);
}

json_t *
steme__json_path_step(const steme_entry *e, steme_stage stage)
{
    char *summary = steme__fmt_summary(e);
    if (summary == NULL)
        return NULL;
    json_t *j = json_pack("{s:I, s:o, s:s, s:s}", "seq", (json_int_t)e->seq, "id",
                          steme__json_hex(e->id.b, sizeof(e->id.b)), "stage",
                          steme__fmt_stage(stage), "summary", summary);
    free(summary);
    return j;
}

/* The event that retracted the root of a provenance path: {"seq", "id", "type", "summary",
 * "source"}, or null when none. */
static json_t *
retracted_by_json(const steme_entry *event)
{
    if (event == NULL)
        return json_null();
    char *summary = steme__fmt_summary(event);
    if (summary == NULL)
        return NULL;
    const steme_event *ev = &event->record.event;
    const char *type = steme_event_type_name(ev->type);
    json_t *j =
        json_pack("{s:I, s:o, s:s, s:s, s:o}", "seq", (json_int_t)event->seq, "id",
                  steme__json_hex(event->id.b, STEME_ID_SIZE), "type", type != NULL ? type : "?",
                  "summary", summary, "source", steme__json_str_or_null(ev->source));
    free(summary);
    return j;
}

json_t *
steme__json_provenance(const steme_id *id, const steme_state *st, json_t *path,
                       const steme_entry *root, const steme_entry *event)
{
    steme_str source = root->record.assertion.source;
    return json_pack("{s:o, s:I, s:s, s:o, s:o, s:o}", "id", steme__json_hex(id->b, sizeof(id->b)),
                     "seq", (json_int_t)st->seq, "stage", steme__fmt_stage(st->stage), "path", path,
                     "retracted_by", retracted_by_json(event), "source",
                     json_stringn(source.ptr, source.len));
}

/* ---------------------------------------------------------------------------------------------
 * Sources and agents
 */

json_t *
steme__json_source(const steme_source_info *s)
{
    return json_pack(
        "{s:o, s:s, s:f, s:s, s:b, s:o, s:o, s:I, s:f}", "id", steme__json_text(s->id), "tier",
        steme__fmt_tier(s->tier), "weight", (double)s->weight / STEME_CONFIDENCE_ONE, "status",
        steme__fmt_source_status(s->status), "registered", s->status != STEME_SOURCE_UNREGISTERED,
        "registered_seq", steme__json_seq(s->registered_seq), "status_seq",
        steme__json_seq(s->status_seq), "assertions", (json_int_t)s->assertions, "reliability",
        s->reliability);
}

json_t *
steme__json_registered(const steme_source_info *s)
{
    return json_pack("{s:o}", "source", steme__json_source(s));
}

json_t *
steme__json_source_detail(const steme_source_info *s, const steme_entry *reg,
                          const steme_entry *set)
{
    steme_str none = {0};
    steme_str title = reg != NULL ? reg->record.event.title : none;
    steme_str url = reg != NULL ? reg->record.event.url : none;
    steme_str reason = set != NULL ? set->record.event.reason : none;
    json_t *j = steme__json_source(s);
    if (j == NULL)
        return NULL;
    if (json_object_set_new(j, "title", steme__json_str_or_null(title)) != 0 ||
        json_object_set_new(j, "url", steme__json_str_or_null(url)) != 0 ||
        json_object_set_new(j, "reason", steme__json_str_or_null(reason)) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *
steme__json_agent(const steme_agent_info *a, const char *name)
{
    return json_pack("{s:o, s:o, s:s, s:o, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I}", "key",
                     steme__json_hex(a->key.b, sizeof(a->key.b)), "name",
                     name != NULL ? steme__json_text(name) : json_null(), "role",
                     steme__fmt_role(a->role), "profile_seq", steme__json_seq(a->profile_seq),
                     "trust", a->trust, "alpha", a->alpha, "beta", a->beta, "evidence",
                     (json_int_t)a->evidence, "assertions", (json_int_t)a->assertions, "votes",
                     (json_int_t)a->votes, "events", (json_int_t)a->events, "quarantined",
                     (json_int_t)a->quarantined, "rejections", (json_int_t)a->rejections);
}

json_t *
steme__json_profile(const steme_pubkey *key, const char *name, steme_role role)
{
    return json_pack("{s:o, s:o, s:s}", "agent", steme__json_hex(key->b, sizeof(key->b)), "name",
                     name != NULL ? steme__json_text(name) : json_null(), "role",
                     steme__fmt_role(role));
}

/* ---------------------------------------------------------------------------------------------
 * Cascades and epochs
 */

/* Slots of a report that hold counts: the last one also counts everything deeper. */
static uint32_t
report_depths(const steme_cascade_report *r)
{
    return r->depths < STEME_REPORT_DEPTHS ? r->depths : STEME_REPORT_DEPTHS;
}

json_t *
steme__json_report(const steme_cascade_report *r)
{
    json_t *per = json_array();
    for (uint32_t d = 0; per != NULL && d < report_depths(r); d++) {
        if (json_array_append_new(per, json_integer((json_int_t)r->per_depth[d])) != 0) {
            json_decref(per);
            per = NULL;
        }
    }
    if (per == NULL)
        return NULL;
    return json_pack("{s:I, s:o}", "total", (json_int_t)r->total, "per_depth", per);
}

json_t *
steme__json_impact(const char *source, const steme_cascade_report *r)
{
    json_t *j = json_pack("{s:o}", "source", steme__json_text(source));
    json_t *report = steme__json_report(r);
    if (j == NULL || report == NULL || json_object_update(j, report) != 0) {
        json_decref(j);
        j = NULL;
    }
    json_decref(report);
    return j;
}

json_t *
steme__json_cascade(const char *what, const char *name, const steme_cascade_report *r)
{
    return json_pack("{s:o, s:o}", what, steme__json_text(name), "report", steme__json_report(r));
}

json_t *
steme__json_epoch(const char *name)
{
    return json_pack("{s:o}", "epoch", steme__json_text(name));
}

/* ---------------------------------------------------------------------------------------------
 * Gold standards and quarantine decisions
 */

json_t *
steme__json_gold_set(const char *subject, const char *predicate, const steme_value *v)
{
    return json_pack("{s:o, s:o, s:o}", "subject", steme__json_text(subject), "predicate",
                     steme__json_text(predicate), "value", steme__json_value(v));
}

json_t *
steme__json_gold(const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    char when[32];
    steme__time_format(e->recorded_at, when);
    return json_pack("{s:s%, s:s%, s:o, s:o, s:I, s:s, s:o}", "subject", ev->subject.ptr,
                     ev->subject.len, "predicate", ev->predicate.ptr, ev->predicate.len, "value",
                     steme__json_value(&ev->value), "id", steme__json_hex(e->id.b, sizeof(e->id.b)),
                     "seq", (json_int_t)e->seq, "recorded_at", when, "agent",
                     steme__json_hex(ev->agent.b, sizeof(ev->agent.b)));
}

json_t *
steme__json_decision(const steme_id *target, steme_decision d, steme_stage stage)
{
    return json_pack("{s:o, s:s, s:s}", "target", steme__json_hex(target->b, sizeof(target->b)),
                     "decision", d == STEME_DECISION_APPROVE ? "approve" : "reject", "stage",
                     steme__fmt_stage(stage));
}

/* ---------------------------------------------------------------------------------------------
 * What acting on a claim left
 */

json_t *
steme__json_voted(const steme_id *target, int vote, const steme_state *st)
{
    return json_pack("{s:o, s:i, s:s, s:{s:I, s:I}}", "target",
                     steme__json_hex(target->b, sizeof(target->b)), "value", vote, "stage",
                     steme__fmt_stage(st->stage), "votes", "up", (json_int_t)st->up, "down",
                     (json_int_t)st->down);
}

json_t *
steme__json_retracted(const steme_id *target, const steme_state *st, const steme_cascade_report *r)
{
    return json_pack("{s:o, s:s, s:o}", "target", steme__json_hex(target->b, sizeof(target->b)),
                     "stage", steme__fmt_stage(st->stage), "report",
                     r != NULL ? steme__json_report(r) : json_null());
}

json_t *
steme__json_reaffirmed(const steme_id *target, const char *epoch, const steme_state *st)
{
    return json_pack("{s:o, s:o, s:s}", "target", steme__json_hex(target->b, sizeof(target->b)),
                     "epoch", steme__json_text(epoch), "stage", steme__fmt_stage(st->stage));
}

json_t *
steme__json_superseded(const steme_id *old, const steme_id *head)
{
    return json_pack("{s:o, s:o}", "supersedes", steme__json_hex(old->b, sizeof(old->b)), "head",
                     steme__json_hex(head->b, sizeof(head->b)));
}
