/* SPDX-License-Identifier: MIT */
/*
 * lifecycle.c -- the lifecycle of assertions (docs/rules.md, "Lifecycle"): the state row an
 * assertion gets at birth, supersession, standing votes, retraction by the author (or an
 * editor), quarantine decisions, and the history of stage changes with their causes. Epochs
 * and re-affirmation are in epochs.c, sources in sources.c, the taint walk in cascade.c.
 *
 * A state row holds conditions (retracted_source, superseded, quarantined, ...) and counts
 * (tainted parents, votes); the stage is computed from them in a fixed order. Keeping the
 * conditions rather than only a stage is what makes every change reversible exactly: a
 * reinstatement clears one condition and the stage follows.
 */
#include <string.h>

#include "bytes.h"
#include "cand_rows.h"
#include "query.h"
#include "rules.h"

/* Field names of list elements, as static strings for steme_errinfo. */
#define IDX10(p, d)                                                                                \
    p "[" #d "0]", p "[" #d "1]", p "[" #d "2]", p "[" #d "3]", p "[" #d "4]", p "[" #d "5]",      \
        p "[" #d "6]", p "[" #d "7]", p "[" #d "8]", p "[" #d "9]"
#define IDX0_9(p)                                                                                  \
    p "[0]", p "[1]", p "[2]", p "[3]", p "[4]", p "[5]", p "[6]", p "[7]", p "[8]", p "[9]"

static const char *const supersedes_field[STEME_MAX_SUPERSEDES] = {
    IDX0_9("supersedes"), "supersedes[10]", "supersedes[11]", "supersedes[12]",
    "supersedes[13]",     "supersedes[14]", "supersedes[15]",
};

static const char *const derived_from_field[STEME_MAX_DERIVED_FROM] = {
    IDX0_9("derived_from"),   IDX10("derived_from", 1), IDX10("derived_from", 2),
    IDX10("derived_from", 3), IDX10("derived_from", 4), IDX10("derived_from", 5),
    "derived_from[60]",       "derived_from[61]",       "derived_from[62]",
    "derived_from[63]",
};

/* ---------------------------------------------------------------------------------------------
 * State rows
 */

bool
steme__tainted(const steme__state_row *row)
{
    return (row->conditions & (STEME_COND_REJECTED | STEME_COND_RETRACTED_SOURCE |
                               STEME_COND_RETRACTED_AUTHOR)) != 0 ||
           row->tainted_parents > 0;
}

steme_stage
steme__stage_of(const steme__state_row *row)
{
    uint16_t c = row->conditions;

    if (c & STEME_COND_REJECTED)
        return STEME_STAGE_REJECTED;
    if (c & (STEME_COND_RETRACTED_SOURCE | STEME_COND_RETRACTED_AUTHOR))
        return STEME_STAGE_RETRACTED;
    if (c & STEME_COND_SUPERSEDED)
        return STEME_STAGE_SUPERSEDED;
    if (row->tainted_parents > 0)
        return STEME_STAGE_SUSPECT;
    if (c & STEME_COND_DEPRECATED)
        return STEME_STAGE_DEPRECATED;
    if (c & STEME_COND_QUARANTINED)
        return STEME_STAGE_QUARANTINED;
    if (row->down >= STEME__DISPUTE_MIN_DOWN && row->down > row->up)
        return STEME_STAGE_DISPUTED;
    return STEME_STAGE_ACTIVE;
}

/* Record from -> to caused by cause. One record can move an assertion more than once (a
 * reinstatement takes a child from retracted through suspect to active); the history keeps
 * one entry per cause, from the stage before the record to the stage after it, and none when
 * the record ends where it began. The value layout is rows.c's: version, from, to. */
static steme_err
history_record(steme__txn *t, uint64_t seq, uint64_t cause, uint8_t from, uint8_t to)
{
    uint8_t k[16];
    steme__val v;
    steme_err err;

    steme__key_seq(k, seq);
    steme__key_seq(k + 8, cause);
    err = steme__tget(t, STEME__T_HISTORY, k, sizeof(k), &v);
    if (err == STEME_OK) {
        if (v.n != 3 || v.p[0] != STEME__ROW_VERSION)
            return STEME_ECORRUPT;
        from = v.p[1];
        if (from == to)
            return steme__tdel(t, STEME__T_HISTORY, k, sizeof(k));
    } else if (err != STEME_ENOTFOUND) {
        return err;
    }
    return steme__history_add(t, seq, cause, from, to);
}

/* Any change of a state row (stage, votes) may change the answers of its key: stamp the key
 * for the materialized views and carry the new stage and votes into the assertion's row of
 * the candidate table, which a query reads instead of the state row. */
static steme_err
state_changed(steme__txn *t, uint64_t seq, const steme__state_row *row)
{
    steme_entry e;
    steme_err err = steme__txn_get_seq(t, seq, &e);

    if (err != STEME_OK)
        return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
    if (e.record.kind != STEME_RECORD_ASSERTION)
        return STEME_ECORRUPT;
    uint8_t key[16];
    steme__assertion_key(t, &e, key); /* computed on the verify pool for a new record */
    err = steme__stamp_key_hashed(t, key);
    return err == STEME_OK ? steme__query_cand_state(t, &e, key, row) : err;
}

steme_err
steme__state_save(steme__txn *t, uint64_t seq, steme__state_row *row, uint64_t cause)
{
    uint8_t from = row->stage, to = (uint8_t)steme__stage_of(row);
    steme_err err;

    row->stage = to;
    err = steme__state_put(t, seq, row);
    if (err == STEME_OK)
        err = state_changed(t, seq, row);
    if (err != STEME_OK || from == to)
        return err;
    return history_record(t, seq, cause, from, to);
}

/* The state of an existing assertion; a zero row (stage 0) for one appended before the
 * rules existed, so that the rules still apply to it. */
static steme_err
state_load(steme__txn *t, uint64_t seq, steme__state_row *ret)
{
    steme_err err = steme__state_get(t, seq, ret);
    if (err == STEME_ENOTFOUND) {
        memset(ret, 0, sizeof(*ret));
        return STEME_OK;
    }
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Admission
 */

steme_err
steme__admit_target(steme__txn *t, const steme_id *id, const char *field, steme_errinfo *ei,
                    steme_entry *ret)
{
    steme_err err = steme__txn_get_id(t, id, 0, ret);
    if (err == STEME_ENOTFOUND)
        return steme__refuse(ei, field, "no such assertion");
    if (err != STEME_OK)
        return err;
    if (ret->record.kind != STEME_RECORD_ASSERTION)
        return steme__refuse(ei, field, "is not an assertion");
    return STEME_OK;
}

/* True when author may act on an assertion by owner: its own, or with the editor role. */
static bool
may_act_on(steme__txn *t, const steme_pubkey *author, const steme_pubkey *owner)
{
    if (memcmp(author->b, owner->b, STEME_PUBKEY_SIZE) == 0)
        return true;
    return steme__role(t, author) >= STEME_ROLE_EDITOR;
}

static steme_err
admit_assertion(steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    const steme_assertion *a = &e->record.assertion;
    steme__state_row row;
    steme_entry target;
    steme_err err;

    for (size_t i = 0; i < a->n_supersedes; i++) {
        const char *field = supersedes_field[i];

        /* Content addressing makes this impossible to sign, but the rule is cheap. */
        if (memcmp(a->supersedes[i].b, e->id.b, STEME_ID_SIZE) == 0)
            return steme__refuse(ei, field, "is the record itself");
        err = steme__admit_target(t, &a->supersedes[i], field, ei, &target);
        if (err != STEME_OK)
            return err;
        err = state_load(t, target.seq, &row);
        if (err != STEME_OK)
            return err;
        if (row.conditions & (STEME_COND_RETRACTED_SOURCE | STEME_COND_RETRACTED_AUTHOR))
            return steme__refuse(ei, field, "is retracted");
        /* Only a chain's head can be superseded, which is also why no chain can close into a
         * cycle: the new record would have to be superseded already. */
        if (row.conditions & STEME_COND_SUPERSEDED)
            return steme__refuse(ei, field, "is already superseded");
        if (!may_act_on(t, &a->agent, &target.record.assertion.agent))
            return steme__refuse(ei, field,
                                 "belongs to another agent; superseding it needs the editor role");
    }
    for (size_t i = 0; i < a->n_derived_from; i++) {
        const char *field = derived_from_field[i];

        if (memcmp(a->derived_from[i].b, e->id.b, STEME_ID_SIZE) == 0)
            return steme__refuse(ei, field, "is the record itself");
        err = steme__admit_target(t, &a->derived_from[i], field, ei, &target);
        if (err != STEME_OK)
            return err;
    }
    return steme__epochs_admit_assertion(t, e, ei);
}

static steme_err
admit_vote(steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    steme_entry target;
    return steme__admit_target(t, &e->record.vote.target, "target", ei, &target);
}

static steme_err
admit_retract(steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    const steme_event *ev = &e->record.event;
    steme__state_row row;
    steme_entry target;
    steme_err err;

    err = steme__admit_target(t, &ev->target, "target", ei, &target);
    if (err != STEME_OK)
        return err;
    if (!may_act_on(t, &ev->agent, &target.record.assertion.agent))
        return steme__refuse(ei, "target",
                             "belongs to another agent; retracting it needs the editor role");
    err = state_load(t, target.seq, &row);
    if (err != STEME_OK)
        return err;
    /* A retraction through its source does not stop the author's own: the source may come
     * back, the author's retraction is for good. */
    if (row.conditions & STEME_COND_RETRACTED_AUTHOR)
        return steme__refuse(ei, "target", "is already retracted");
    return STEME_OK;
}

static steme_err
admit_decision(steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    steme__state_row row;
    steme_entry target;
    steme_err err;

    err = steme__admit_target(t, &e->record.event.target, "target", ei, &target);
    if (err != STEME_OK)
        return err;
    err = state_load(t, target.seq, &row);
    if (err != STEME_OK)
        return err;
    if (!(row.conditions & STEME_COND_QUARANTINED))
        return steme__refuse(ei, "target", "is not quarantined");
    return STEME_OK;
}

steme_err
steme__lifecycle_admit(steme__rules *r, steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    (void)r;
    switch (e->record.kind) {
    case STEME_RECORD_ASSERTION:
        return admit_assertion(t, e, ei);
    case STEME_RECORD_VOTE:
        return admit_vote(t, e, ei);
    case STEME_RECORD_EVENT:
        break;
    }
    switch (e->record.event.type) {
    case STEME_EVENT_ASSERTION_RETRACT:
        return admit_retract(t, e, ei);
    case STEME_EVENT_QUARANTINE_DECISION:
        return admit_decision(t, e, ei);
    case STEME_EVENT_EPOCH_OPEN:
    case STEME_EVENT_EPOCH_SUPERSEDE:
    case STEME_EVENT_REAFFIRM:
        return steme__epochs_admit(t, e, ei);
    default:
        return STEME_OK;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Application
 */

/* The seq of the assertion with id, 0 when there is none (a log written without the rules). */
static steme_err
assertion_seq(steme__txn *t, const steme_id *id, uint64_t *ret)
{
    steme_entry e;
    steme_err err = steme__txn_get_id(t, id, 0, &e);

    *ret = 0;
    if (err == STEME_ENOTFOUND)
        return STEME_OK;
    if (err != STEME_OK)
        return err;
    if (e.record.kind == STEME_RECORD_ASSERTION)
        *ret = e.seq;
    return STEME_OK;
}

static steme_err
apply_assertion(steme__rules *r, steme__txn *t, const steme_entry *e)
{
    const steme_assertion *a = &e->record.assertion;
    steme__state_row row = {0}; /* stage 0: the history entry is a birth */
    steme_quarantine_reason reason = STEME_QUARANTINE_NONE;
    uint64_t retracted_by;
    bool deprecated;
    steme_err err;

    err = steme__sources_on_assertion(t, e, &retracted_by);
    if (err != STEME_OK)
        return err;
    if (retracted_by != 0) {
        row.conditions |= STEME_COND_RETRACTED_SOURCE;
        row.retracted_by = retracted_by;
    }

    for (size_t i = 0; i < a->n_derived_from; i++) {
        steme__state_row parent;
        uint64_t seq;

        if ((err = assertion_seq(t, &a->derived_from[i], &seq)) != STEME_OK)
            return err;
        if (seq == 0)
            continue;
        if ((err = state_load(t, seq, &parent)) != STEME_OK)
            return err;
        if (steme__tainted(&parent)) {
            row.tainted_parents++;
            if (row.via == 0 || seq < row.via)
                row.via = seq;
        }
    }

    err = steme__epochs_on_assertion(t, e, &deprecated);
    if (err != STEME_OK)
        return err;
    if (deprecated)
        row.conditions |= STEME_COND_DEPRECATED;

    err = steme__trust_on_assertion(r, t, e, &reason);
    if (err != STEME_OK)
        return err;
    if (reason != STEME_QUARANTINE_NONE) {
        uint8_t k[8];
        row.conditions |= STEME_COND_QUARANTINED;
        row.quarantine_reason = (uint8_t)reason;
        steme__key_seq(k, e->seq);
        err = steme__tput(t, STEME__T_QUEUE, k, sizeof(k), "", 0);
        if (err != STEME_OK)
            return err;
    }

    for (size_t i = 0; i < a->n_supersedes; i++) {
        steme__state_row target;
        uint64_t seq;

        if ((err = assertion_seq(t, &a->supersedes[i], &seq)) != STEME_OK)
            return err;
        if (seq == 0)
            continue;
        if ((err = state_load(t, seq, &target)) != STEME_OK)
            return err;
        target.conditions |= STEME_COND_SUPERSEDED;
        target.superseded_by = e->seq;
        if ((err = steme__state_save(t, seq, &target, e->seq)) != STEME_OK)
            return err;
    }
    if ((err = steme__state_save(t, e->seq, &row, e->seq)) != STEME_OK)
        return err;
    /* After the state rows: whether the key is settled depends on this assertion's stage and
     * on the targets it superseded. */
    return steme__consensus_on_assertion(t, e);
}

static steme_err
apply_vote(steme__rules *r, steme__txn *t, const steme_entry *e)
{
    const steme_vote *v = &e->record.vote;
    steme__vote_row old = {0}, now = {.value = v->value, .seq = e->seq};
    steme__state_row row;
    steme_entry target;
    uint64_t seq;
    steme_err err;

    if ((err = assertion_seq(t, &v->target, &seq)) != STEME_OK)
        return err;
    if (seq == 0)
        return STEME_OK;
    err = steme__vote_get(t, seq, &v->agent, &old);
    if (err != STEME_OK && err != STEME_ENOTFOUND)
        return err;
    if (err == STEME_ENOTFOUND)
        old.value = 0;
    if ((err = steme__vote_put(t, seq, &v->agent, &now)) != STEME_OK)
        return err;
    if ((err = state_load(t, seq, &row)) != STEME_OK)
        return err;
    /* The standing vote replaces the earlier one in effect. */
    if (old.value > 0 && row.up > 0)
        row.up--;
    else if (old.value < 0 && row.down > 0)
        row.down--;
    if (v->value > 0)
        row.up++;
    else
        row.down++;
    if ((err = steme__state_save(t, seq, &row, e->seq)) != STEME_OK)
        return err;
    /* Fetched after the writes: an entry borrows pages that writes may move. */
    if ((err = steme__txn_get_seq(t, seq, &target)) != STEME_OK)
        return err;
    return steme__trust_on_vote(r, t, e, &target, old.value);
}

/* Queue an assertion whose taint a decision or retraction flipped, walk from it, and store
 * the report under the event. */
static steme_err
cascade_from(steme__txn *t, uint64_t seq, bool flipped, int delta, uint64_t cause)
{
    steme_cascade_report report = {.event_seq = cause, .total = 1, .depths = 1};
    steme_err err;

    report.per_depth[0] = 1;
    if (flipped) {
        if ((err = steme__cascade_push(t, 0, seq)) != STEME_OK)
            return err;
        if ((err = steme__cascade_run(t, delta, cause, &report)) != STEME_OK)
            return err;
    }
    return steme__report_put(t, cause, &report);
}

static steme_err
apply_retract(steme__txn *t, const steme_entry *e)
{
    steme__state_row row;
    uint64_t seq;
    bool was;
    steme_err err;

    if ((err = assertion_seq(t, &e->record.event.target, &seq)) != STEME_OK)
        return err;
    if (seq == 0)
        return STEME_OK;
    if ((err = state_load(t, seq, &row)) != STEME_OK)
        return err;
    was = steme__tainted(&row);
    row.conditions |= STEME_COND_RETRACTED_AUTHOR;
    row.retracted_by = e->seq;
    if ((err = steme__state_save(t, seq, &row, e->seq)) != STEME_OK)
        return err;
    return cascade_from(t, seq, !was, 1, e->seq);
}

/* A rejected assertion is taken back as if never accepted: the targets it superseded are
 * heads again. */
static steme_err
unsupersede(steme__txn *t, uint64_t rejected, uint64_t cause)
{
    steme_id targets[STEME_MAX_SUPERSEDES];
    steme_entry e;
    size_t n;
    steme_err err;

    if ((err = steme__txn_get_seq(t, rejected, &e)) != STEME_OK)
        return err;
    n = e.record.assertion.n_supersedes;
    if (n == 0)
        return STEME_OK;
    memcpy(targets, e.record.assertion.supersedes, n * sizeof(targets[0]));
    for (size_t i = 0; i < n; i++) {
        steme__state_row row;
        uint64_t seq;

        if ((err = assertion_seq(t, &targets[i], &seq)) != STEME_OK)
            return err;
        if (seq == 0)
            continue;
        if ((err = state_load(t, seq, &row)) != STEME_OK)
            return err;
        if (row.superseded_by != rejected)
            continue;
        row.conditions &= (uint16_t)~STEME_COND_SUPERSEDED;
        row.superseded_by = 0;
        if ((err = steme__state_save(t, seq, &row, cause)) != STEME_OK)
            return err;
    }
    return STEME_OK;
}

static steme_err
apply_decision(steme__txn *t, const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    steme__state_row row;
    uint8_t k[8];
    uint64_t seq;
    bool was;
    steme_err err;

    if ((err = assertion_seq(t, &ev->target, &seq)) != STEME_OK)
        return err;
    if (seq == 0)
        return STEME_OK;
    if ((err = state_load(t, seq, &row)) != STEME_OK)
        return err;
    steme__key_seq(k, seq);
    if ((err = steme__tdel(t, STEME__T_QUEUE, k, sizeof(k))) != STEME_OK)
        return err;
    was = steme__tainted(&row);
    /* quarantine_reason stays: it says why the assertion was held. */
    row.conditions &= (uint16_t)~STEME_COND_QUARANTINED;
    if (ev->decision == STEME_DECISION_APPROVE)
        return steme__state_save(t, seq, &row, e->seq);

    row.conditions |= STEME_COND_REJECTED;
    if ((err = steme__state_save(t, seq, &row, e->seq)) != STEME_OK)
        return err;
    if ((err = unsupersede(t, seq, e->seq)) != STEME_OK)
        return err;
    return cascade_from(t, seq, !was, 1, e->seq);
}

steme_err
steme__lifecycle_apply(steme__rules *r, steme__txn *t, const steme_entry *e)
{
    switch (e->record.kind) {
    case STEME_RECORD_ASSERTION:
        return apply_assertion(r, t, e);
    case STEME_RECORD_VOTE:
        return apply_vote(r, t, e);
    case STEME_RECORD_EVENT:
        break;
    }
    switch (e->record.event.type) {
    case STEME_EVENT_ASSERTION_RETRACT:
        return apply_retract(t, e);
    case STEME_EVENT_QUARANTINE_DECISION:
        return apply_decision(t, e);
    case STEME_EVENT_EPOCH_OPEN:
    case STEME_EVENT_EPOCH_SUPERSEDE:
    case STEME_EVENT_REAFFIRM:
        return steme__epochs_apply(t, e);
    default:
        return STEME_OK;
    }
}
