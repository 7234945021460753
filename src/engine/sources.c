/* SPDX-License-Identifier: MIT */
/*
 * sources.c -- the source registry (docs/rules.md, "Sources"): registration with a tier and an
 * authority weight, the unregistered sources that assertions cite, and source retraction and
 * reinstatement with their cascade.
 *
 * A retraction sets the retracted_source condition on every assertion citing the source, and
 * those whose taint flips seed the cascade (cascade.c). A reinstatement clears exactly that
 * condition and walks the same graph with decrements. The walk is one function,
 * steme__source_cascade, that needs no record: the real event and steme_db_impact's dry run
 * (queries.c) run the same code.
 */
#include <string.h>

#include "rules.h"

uint32_t
steme__tier_weight(steme_tier tier)
{
    switch (tier) {
    case STEME_TIER_REGULATORY:
        return 1000000;
    case STEME_TIER_PEER_REVIEWED:
        return 850000;
    case STEME_TIER_EXPERT:
        return 600000;
    case STEME_TIER_PREPRINT:
        return 500000;
    case STEME_TIER_ANECDOTAL:
        return 200000;
    case STEME_TIER_UNVERIFIED:
        break;
    }
    return 100000;
}

/* A source first seen now: unregistered until an admin registers it. */
static void
source_new(steme__source_row *row)
{
    memset(row, 0, sizeof(*row));
    row->status = STEME_SOURCE_UNREGISTERED;
    row->tier = STEME_TIER_UNVERIFIED;
    row->weight = steme__tier_weight(STEME_TIER_UNVERIFIED);
    row->alpha = STEME__TRUST_PRIOR_ALPHA;
    row->beta = STEME__TRUST_PRIOR_BETA;
}

steme_err
steme__sources_on_assertion(steme__txn *t, const steme_entry *e, uint64_t *ret_retracted_by)
{
    steme_str id = e->record.assertion.source;
    steme__source_row row;
    steme_err err;

    err = steme__source_get(t, id, &row);
    if (err == STEME_ENOTFOUND)
        source_new(&row);
    else if (err != STEME_OK)
        return err;
    row.assertions++;
    err = steme__source_put(t, id, &row);
    if (err != STEME_OK)
        return err;
    *ret_retracted_by = row.status == STEME_SOURCE_RETRACTED ? row.status_seq : 0;
    return STEME_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Admission
 */

steme_err
steme__sources_admit(steme__rules *r, steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    const steme_event *ev = &e->record.event;
    steme__source_row row;
    steme_err err;

    (void)r;
    if (e->record.kind != STEME_RECORD_EVENT)
        return STEME_OK;
    switch (ev->type) {
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        break;
    default:
        /* Registering creates or updates: there is nothing to refuse beyond the codec's
         * checks and the admin signature (rules.c). */
        return STEME_OK;
    }
    err = steme__source_get(t, ev->source, &row);
    if (err == STEME_ENOTFOUND)
        return steme__refuse(ei, "source", "not registered or cited");
    if (err != STEME_OK)
        return err;
    if (ev->type == STEME_EVENT_SOURCE_RETRACT && row.status == STEME_SOURCE_RETRACTED)
        return steme__refuse(ei, "source", "is already retracted");
    if (ev->type == STEME_EVENT_SOURCE_REINSTATE && row.status != STEME_SOURCE_RETRACTED)
        return steme__refuse(ei, "source", "is not retracted");
    return STEME_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Retraction and reinstatement
 */

typedef struct hit {
    steme__txn *t;
    bool retract;
    uint64_t cause;
    steme_cascade_report *report;
    steme_err err;
} hit;

/* Set or clear retracted_source on one assertion citing the source. */
static steme_err
hit_assertion(hit *h, uint64_t seq)
{
    steme__state_row row;
    bool was;
    steme_err err;

    err = steme__state_get(h->t, seq, &row);
    if (err == STEME_ENOTFOUND)
        return STEME_OK; /* appended before the rules existed */
    if (err != STEME_OK)
        return err;
    was = steme__tainted(&row);
    if (h->retract) {
        row.conditions |= STEME_COND_RETRACTED_SOURCE;
        /* The author's retraction is permanent and names its own event; keep it. */
        if (!(row.conditions & STEME_COND_RETRACTED_AUTHOR))
            row.retracted_by = h->cause;
    } else {
        row.conditions &= (uint16_t)~STEME_COND_RETRACTED_SOURCE;
        if (!(row.conditions & STEME_COND_RETRACTED_AUTHOR))
            row.retracted_by = 0;
    }
    err = steme__state_save(h->t, seq, &row, h->cause);
    if (err != STEME_OK)
        return err;
    h->report->per_depth[0]++;
    h->report->total++;
    if (steme__tainted(&row) == was)
        return STEME_OK;
    return steme__cascade_push(h->t, 0, seq);
}

static int
hit_one(const steme_entry *e, void *ctx)
{
    hit *h = ctx;

    /* The source index also holds the source's own events. */
    if (e->record.kind != STEME_RECORD_ASSERTION)
        return 0;
    h->err = hit_assertion(h, e->seq);
    return h->err != STEME_OK;
}

steme_err
steme__source_cascade(steme__txn *t, steme_str source, bool retract, uint64_t cause,
                      steme_cascade_report *ret)
{
    steme_list_options q = {.index = STEME_INDEX_SOURCE, .source = source};
    steme_cascade_report report = {.event_seq = cause, .depths = 1};
    hit h = {.t = t, .retract = retract, .cause = cause, .report = &report};
    steme__source_row row;
    steme_err err;

    err = steme__source_get(t, source, &row);
    if (err != STEME_OK)
        return err;
    if (retract)
        row.status = STEME_SOURCE_RETRACTED;
    else
        row.status = row.registered_seq != 0 ? STEME_SOURCE_ACTIVE : STEME_SOURCE_UNREGISTERED;
    row.status_seq = cause;
    err = steme__source_put(t, source, &row);
    if (err != STEME_OK)
        return err;

    /* hit_one writes state, history and scratch rows, never the source index it walks. */
    err = steme__txn_list(t, &q, hit_one, &h);
    if (err == STEME_OK)
        err = h.err;
    if (err == STEME_OK)
        err = steme__cascade_run(t, retract ? 1 : -1, cause, &report);
    if (err != STEME_OK)
        return err;
    *ret = report;
    return STEME_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Application
 */

static steme_err
apply_register(steme__txn *t, const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    steme__source_row row;
    steme_err err;

    err = steme__source_get(t, ev->source, &row);
    if (err == STEME_ENOTFOUND)
        source_new(&row);
    else if (err != STEME_OK)
        return err;
    /* Registering a retracted source updates its entry but does not reinstate it: that takes
     * a source_reinstate, which cascades. */
    if (row.status != STEME_SOURCE_RETRACTED)
        row.status = STEME_SOURCE_ACTIVE;
    row.tier = ev->tier;
    row.weight = ev->weight != 0 ? ev->weight : steme__tier_weight((steme_tier)ev->tier);
    row.registered_seq = e->seq;
    /* Tier and weight feed every lens and the tier filter of every key citing the source. */
    if ((err = steme__stamp_global(t, STEME__STAMP_SOURCE)) != STEME_OK)
        return err;
    return steme__source_put(t, ev->source, &row);
}

steme_err
steme__sources_apply(steme__rules *r, steme__txn *t, const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    steme_cascade_report report;
    steme_err err;

    (void)r;
    if (e->record.kind != STEME_RECORD_EVENT)
        return STEME_OK;
    switch (ev->type) {
    case STEME_EVENT_SOURCE_REGISTER:
        return apply_register(t, e);
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        break;
    default:
        return STEME_OK;
    }
    err = steme__source_cascade(t, ev->source, ev->type == STEME_EVENT_SOURCE_RETRACT, e->seq,
                                &report);
    if (err == STEME_ENOTFOUND)
        return STEME_ECORRUPT; /* admit saw the source */
    if (err != STEME_OK)
        return err;
    return steme__report_put(t, e->seq, &report);
}
