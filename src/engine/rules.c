/* SPDX-License-Identifier: MIT */
/*
 * rules.c -- the knowledge rules' entry points: the admit and apply hooks the store runs for
 * every new record inside the append transaction, dispatching by record kind and event type
 * to lifecycle.c, sources.c and trust.c; roles and admin-only events; agent profiles and
 * per-agent counts.
 */
#include <string.h>

#include "alloc.h"
#include "crypto.h"
#include "cand_rows.h"
#include "query.h"
#include "rules.h"

steme_err
steme__rules_new(steme__rules **ret)
{
    steme__rules *r = steme__calloc(1, sizeof(*r));
    if (r == NULL)
        return STEME_ENOMEM;
    steme_err err = steme__defense_new(&r->defense);
    if (err != STEME_OK) {
        steme__free(r);
        return err;
    }
    *ret = r;
    return STEME_OK;
}

void
steme__rules_free(steme__rules *r)
{
    if (r == NULL)
        return;
    steme__defense_free(r->defense);
    steme__free(r);
}

steme_err
steme__refuse(steme_errinfo *ei, const char *field, const char *rule)
{
    if (ei != NULL) {
        ei->field = field;
        ei->rule = rule;
        ei->offset = 0;
    }
    return STEME_EINVAL;
}

steme_err
steme__agent_load(steme__txn *t, const steme_pubkey *pk, steme__agent_row *ret)
{
    steme_err err = steme__agent_get(t, pk, ret);
    if (err != STEME_ENOTFOUND)
        return err;
    memset(ret, 0, sizeof(*ret));
    ret->alpha = STEME__TRUST_PRIOR_ALPHA;
    ret->beta = STEME__TRUST_PRIOR_BETA;
    return STEME_OK;
}

steme_role
steme__role(steme__txn *t, const steme_pubkey *pk)
{
    steme_pubkey genesis;
    steme__agent_row row;

    if (steme__txn_genesis_admin(t, &genesis) == STEME_OK &&
        memcmp(genesis.b, pk->b, STEME_PUBKEY_SIZE) == 0)
        return STEME_ROLE_ADMIN;
    if (steme__agent_get(t, pk, &row) == STEME_OK)
        return (steme_role)row.role;
    return STEME_ROLE_NONE;
}

steme_err
steme__find_assertion(steme__txn *t, const steme_id *id, steme_entry *ret)
{
    steme_err err = steme__txn_get_id(t, id, 0, ret);
    if (err != STEME_OK)
        return err;
    return ret->record.kind == STEME_RECORD_ASSERTION ? STEME_OK : STEME_ENOTFOUND;
}

/* ---------------------------------------------------------------------------------------------
 * Hints: work done on the verification threads
 */

void
steme__rules_prepare(const steme__rules *r, const steme_record *rec, const steme__strhash *h,
                     steme__hint *ret)
{
    steme_quarantine_reason reason;

    memset(ret, 0, sizeof(*ret));
    if (rec->kind != STEME_RECORD_ASSERTION)
        return;
    ret->has_key = true;
    memcpy(ret->key, h->subject, 8);
    memcpy(ret->key + 8, h->predicate, 8);
    if (steme__defense_scan_alloc(r->defense, rec, &reason)) {
        ret->defense = (uint8_t)reason;
        ret->defense_gen = steme__defense_generation(r->defense);
    }
}

/* The hint applies to e only while e's apply hook runs: the store sets it per record, and
 * the seq check keeps a rule that looks at another entry from taking it for that one's. */
static const steme__hint *
hint_for(steme__txn *t, const steme_entry *e)
{
    const steme__hint *h = steme__txn_hint(t);
    return h != NULL && e->seq == steme__txn_applying(t) ? h : NULL;
}

void
steme__assertion_key(steme__txn *t, const steme_entry *e, uint8_t ret[16])
{
    const steme__hint *h = hint_for(t, e);
    const steme_assertion *a = &e->record.assertion;

    if (h != NULL && h->has_key) {
        memcpy(ret, h->key, 16);
        return;
    }
    steme__hash64(a->subject.len ? a->subject.ptr : "", a->subject.len, ret);
    steme__hash64(a->predicate.len ? a->predicate.ptr : "", a->predicate.len, ret + 8);
}

steme_quarantine_reason
steme__assertion_defense(const steme__rules *r, steme__txn *t, const steme_entry *e)
{
    const steme__hint *h = hint_for(t, e);

    if (h != NULL && h->defense_gen != 0 && h->defense_gen == steme__defense_generation(r->defense))
        return (steme_quarantine_reason)h->defense;
    /* Not scanned before the commit, or against other rules: scan now. */
    return steme__defense_scan(r->defense, &e->record);
}

/* ---------------------------------------------------------------------------------------------
 * Admission
 */

bool
steme_event_admin_only(steme_event_type type)
{
    switch (type) {
    case STEME_EVENT_SOURCE_REGISTER:
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
    case STEME_EVENT_EPOCH_OPEN:
    case STEME_EVENT_EPOCH_SUPERSEDE:
    case STEME_EVENT_GOLD_SET:
    case STEME_EVENT_QUARANTINE_DECISION:
        return true;
    case STEME_EVENT_ASSERTION_RETRACT:
    case STEME_EVENT_AGENT_PROFILE:
    case STEME_EVENT_REAFFIRM:
        break;
    }
    return false;
}

static steme_err
admit_profile(steme__txn *t, const steme_event *ev, steme_errinfo *ei)
{
    bool self = memcmp(ev->agent.b, ev->target_agent.b, STEME_PUBKEY_SIZE) == 0;
    bool admin = steme__role(t, &ev->agent) == STEME_ROLE_ADMIN;
    char role[STEME_MAX_NAME + 1];

    if (!self && !admin)
        return steme__refuse(ei, "target_agent", "only an admin may write another agent's profile");
    memcpy(role, ev->role.ptr ? ev->role.ptr : "", ev->role.len);
    role[ev->role.len] = '\0';
    if (steme_role_parse(role) < 0)
        return steme__refuse(ei, "role", "unknown role (none, editor or admin)");
    if (ev->role.len > 0 && !admin)
        return steme__refuse(ei, "role", "only an admin may grant a role");
    return STEME_OK;
}

steme_err
steme__rules_admit(void *ctx, steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    steme__rules *r = ctx;
    const steme_record *rec = &e->record;

    if (rec->kind != STEME_RECORD_EVENT)
        return steme__lifecycle_admit(r, t, e, ei);

    const steme_event *ev = &rec->event;
    if (steme_event_admin_only(ev->type) && steme__role(t, &ev->agent) != STEME_ROLE_ADMIN)
        return steme__refuse(ei, "agent", "this event type needs an admin's signature");
    switch (ev->type) {
    case STEME_EVENT_SOURCE_REGISTER:
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        return steme__sources_admit(r, t, e, ei);
    case STEME_EVENT_GOLD_SET:
        return steme__gold_admit(r, t, e, ei);
    case STEME_EVENT_AGENT_PROFILE:
        return admit_profile(t, ev, ei);
    case STEME_EVENT_EPOCH_OPEN:
    case STEME_EVENT_EPOCH_SUPERSEDE:
    case STEME_EVENT_ASSERTION_RETRACT:
    case STEME_EVENT_QUARANTINE_DECISION:
    case STEME_EVENT_REAFFIRM:
        break;
    }
    return steme__lifecycle_admit(r, t, e, ei);
}

/* ---------------------------------------------------------------------------------------------
 * Application
 */

static steme_err
apply_profile(steme__txn *t, const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    steme__agent_row row;
    char role[STEME_MAX_NAME + 1];
    steme_err err = steme__agent_load(t, &ev->target_agent, &row);
    if (err != STEME_OK)
        return err;
    memcpy(role, ev->role.ptr ? ev->role.ptr : "", ev->role.len);
    role[ev->role.len] = '\0';
    bool was = row.evidence > 0 || row.role != STEME_ROLE_NONE;
    /* An agent's own profile (no role) keeps the role an admin granted. */
    if (ev->role.len > 0 || steme__role(t, &ev->agent) == STEME_ROLE_ADMIN)
        row.role = (uint8_t)steme_role_parse(role);
    row.profile_seq = e->seq;
    err = steme__established_changed(t, &ev->target_agent, was,
                                     row.evidence > 0 || row.role != STEME_ROLE_NONE);
    if (err != STEME_OK)
        return err;
    return steme__agent_put(t, &ev->target_agent, &row);
}

/* Count the record for its author. */
static steme_err
count_for_author(steme__txn *t, const steme_record *rec)
{
    const steme_pubkey *pk = steme_record_author(rec);
    steme__agent_row row;
    steme_err err = steme__agent_load(t, pk, &row);
    if (err != STEME_OK)
        return err;
    switch (rec->kind) {
    case STEME_RECORD_ASSERTION:
        row.assertions++;
        break;
    case STEME_RECORD_VOTE:
        row.votes++;
        break;
    case STEME_RECORD_EVENT:
        row.events++;
        break;
    }
    return steme__agent_put(t, pk, &row);
}

/* An assertion that went to quarantine counts against its author. */
static steme_err
count_quarantine(steme__txn *t, const steme_entry *e)
{
    steme__state_row st;
    steme__agent_row row;
    steme_err err = steme__state_get(t, e->seq, &st);
    if (err != STEME_OK || !(st.conditions & STEME_COND_QUARANTINED))
        return err;
    err = steme__agent_load(t, &e->record.assertion.agent, &row);
    if (err != STEME_OK)
        return err;
    row.quarantined++;
    return steme__agent_put(t, &e->record.assertion.agent, &row);
}

steme_err
steme__rules_apply(void *ctx, steme__txn *t, const steme_entry *e)
{
    steme__rules *r = ctx;
    const steme_record *rec = &e->record;
    steme_err err = count_for_author(t, rec);
    if (err != STEME_OK)
        return err;

    switch (rec->kind) {
    case STEME_RECORD_ASSERTION:
        err = steme__lifecycle_apply(r, t, e);
        if (err == STEME_OK)
            err = steme__query_cand_put(t, e);
        return err != STEME_OK ? err : count_quarantine(t, e);
    case STEME_RECORD_VOTE:
        return steme__lifecycle_apply(r, t, e);
    case STEME_RECORD_EVENT:
        break;
    }
    switch (rec->event.type) {
    case STEME_EVENT_SOURCE_REGISTER:
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        return steme__sources_apply(r, t, e);
    case STEME_EVENT_GOLD_SET:
        return steme__gold_apply(r, t, e);
    case STEME_EVENT_AGENT_PROFILE:
        return apply_profile(t, e);
    case STEME_EVENT_EPOCH_OPEN:
    case STEME_EVENT_EPOCH_SUPERSEDE:
    case STEME_EVENT_ASSERTION_RETRACT:
    case STEME_EVENT_QUARANTINE_DECISION:
    case STEME_EVENT_REAFFIRM:
        break;
    }
    return steme__lifecycle_apply(r, t, e);
}
