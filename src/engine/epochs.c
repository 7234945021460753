/* SPDX-License-Identifier: MIT */
/*
 * epochs.c -- named epochs and re-affirmation (docs/rules.md, "Epochs").
 *
 * An assertion is a member of the epoch it names and of every epoch it was re-affirmed in.
 * It is deprecated while some epoch it is a member of has been superseded and it has not
 * been re-affirmed in that epoch's successor (or in a later epoch of the successor chain).
 * Superseding an epoch applies that rule to the epoch's members at once (and stores how many
 * it deprecated, like a cascade report); a re-affirmation recomputes it for one assertion,
 * which is how a re-affirmation after the supersession lifts the deprecation, and how chains
 * of epochs (A -> B -> C) work: an assertion re-affirmed in B is a member of B, and
 * deprecated again when B is superseded unless it is re-affirmed in C too; an assertion of A
 * that missed B can still be re-affirmed in C.
 *
 * Tables: STEME__T_EPOCH (name -> status), STEME__T_EPOCH_MEMBER (hash64(name) || seq), and
 * STEME__T_REAFFIRM (seq || hash64(name) -> the reaffirm event). Epoch names are keyed by
 * their 64-bit hash in the last two; only admins open epochs, so a collision would take an
 * admin opening two names with the same 64-bit BLAKE2b prefix.
 */
#include <assert.h>
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "rules.h"

/* Longer successor chains than this mean a damaged store (there are not that many epochs). */
#define MAX_CHAIN 100000

static void
name_hash(steme_str name, uint8_t out[8])
{
    steme__hash64(name.len ? name.ptr : "", name.len, out);
}

static steme_err
member_put(steme__txn *t, steme_str epoch, uint64_t seq)
{
    uint8_t k[16];

    name_hash(epoch, k);
    steme__key_seq(k + 8, seq);
    return steme__tput(t, STEME__T_EPOCH_MEMBER, k, sizeof(k), "", 0);
}

static void
reaffirm_key(uint8_t k[16], uint64_t seq, steme_str epoch)
{
    steme__key_seq(k, seq);
    name_hash(epoch, k + 8);
}

/* STEME_OK when the assertion at seq was re-affirmed in epoch, STEME_ENOTFOUND when not. */
static steme_err
reaffirmed_in(steme__txn *t, uint64_t seq, steme_str epoch)
{
    uint8_t k[16];
    steme__val v;

    reaffirm_key(k, seq, epoch);
    return steme__tget(t, STEME__T_REAFFIRM, k, sizeof(k), &v);
}

/* Refuse unless epoch names an open epoch. */
static steme_err
require_open(steme__txn *t, steme_str epoch, const char *field, const char *superseded_rule,
             steme_errinfo *ei)
{
    steme__epoch_row row;
    steme_err err = steme__epoch_get(t, epoch, &row);

    if (err == STEME_ENOTFOUND)
        return steme__refuse(ei, field, "no such epoch");
    if (err != STEME_OK)
        return err;
    if (row.status != STEME__EPOCH_OPEN)
        return steme__refuse(ei, field, superseded_rule);
    return STEME_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Admission
 */

steme_err
steme__epochs_admit_assertion(steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    steme_str epoch = e->record.assertion.epoch;

    /* A new claim cannot enter an epoch that is already over: it would be born deprecated,
     * and nothing could re-affirm it before it was (docs/rules.md). */
    if (epoch.len == 0)
        return STEME_OK;
    return require_open(t, epoch, "epoch", "is superseded", ei);
}

static steme_err
admit_reaffirm(steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    const steme_event *ev = &e->record.event;
    steme_entry target;
    steme_str own;
    steme_err err;

    err = steme__admit_target(t, &ev->target, "target", ei, &target);
    if (err != STEME_OK)
        return err;
    if (memcmp(ev->agent.b, target.record.assertion.agent.b, STEME_PUBKEY_SIZE) != 0 &&
        steme__role(t, &ev->agent) < STEME_ROLE_EDITOR)
        return steme__refuse(ei, "target",
                             "belongs to another agent; re-affirming it needs the editor role");
    err = require_open(t, ev->epoch, "epoch", "is superseded", ei);
    if (err != STEME_OK)
        return err;
    own = target.record.assertion.epoch;
    if (own.len == ev->epoch.len && memcmp(own.ptr, ev->epoch.ptr, own.len) == 0)
        return steme__refuse(ei, "epoch", "is the assertion's own epoch");
    err = reaffirmed_in(t, target.seq, ev->epoch);
    if (err == STEME_OK)
        return steme__refuse(ei, "epoch", "already re-affirms the assertion");
    return err == STEME_ENOTFOUND ? STEME_OK : err;
}

steme_err
steme__epochs_admit(steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    const steme_event *ev = &e->record.event;
    steme__epoch_row row;
    steme_err err;

    switch (ev->type) {
    case STEME_EVENT_EPOCH_OPEN:
        err = steme__epoch_get(t, ev->epoch, &row);
        if (err == STEME_OK)
            return steme__refuse(ei, "epoch", "already exists");
        return err == STEME_ENOTFOUND ? STEME_OK : err;
    case STEME_EVENT_EPOCH_SUPERSEDE:
        /* The codec already refuses a successor equal to the epoch. */
        err = require_open(t, ev->epoch, "epoch", "is already superseded", ei);
        if (err != STEME_OK)
            return err;
        return require_open(t, ev->successor, "successor", "is superseded", ei);
    case STEME_EVENT_REAFFIRM:
        return admit_reaffirm(t, e, ei);
    default:
        return STEME_OK;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Application
 */

steme_err
steme__epochs_on_assertion(steme__txn *t, const steme_entry *e, bool *ret_deprecated)
{
    steme_str epoch = e->record.assertion.epoch;
    steme__epoch_row row;
    steme_err err;

    *ret_deprecated = false;
    if (epoch.len == 0)
        return STEME_OK;
    err = member_put(t, epoch, e->seq);
    if (err != STEME_OK)
        return err;
    /* Admission keeps superseded epochs out; a log written without the rules may not. */
    err = steme__epoch_get(t, epoch, &row);
    if (err == STEME_OK)
        *ret_deprecated = row.status == STEME__EPOCH_SUPERSEDED;
    return err == STEME_ENOTFOUND ? STEME_OK : err;
}

/* ---------------------------------------------------------------------------------------------
 * Whether an assertion is deprecated now
 */

typedef struct recheck {
    steme__txn *t;
    uint64_t seq;
    /* A dry-run supersession (superseded_seq 0: no event names the successor). */
    const steme_str *dry_epoch, *dry_successor;
    bool deprecated;
    steme_err err;
} recheck;

static bool
str_eq(steme_str a, steme_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* The successor of the superseded epoch `name` (row): named by its epoch_supersede event, or
 * by the dry run in progress. */
static steme_err
successor_of(const recheck *rc, steme_str name, const steme__epoch_row *row, steme_str *ret)
{
    steme_entry ev;
    steme_err err;

    if (row->superseded_seq == 0) {
        if (rc->dry_epoch == NULL || !str_eq(*rc->dry_epoch, name))
            return STEME_ECORRUPT;
        *ret = *rc->dry_successor;
        return STEME_OK;
    }
    err = steme__txn_get_seq(rc->t, row->superseded_seq, &ev);
    if (err != STEME_OK)
        return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
    if (ev.record.kind != STEME_RECORD_EVENT)
        return STEME_ECORRUPT;
    *ret = ev.record.event.successor;
    return STEME_OK;
}

/* Whether membership in epoch deprecates the assertion: the epoch was superseded, and the
 * assertion was re-affirmed in none of the epochs that followed it (its successor, the
 * successor's successor, ... up to the open epoch at the end of the chain). A chain cannot
 * loop: only an open epoch can be a successor, and a superseded epoch never opens again. */
static steme_err
deprecates(recheck *rc, steme_str epoch)
{
    steme__epoch_row row;
    unsigned steps = 0;
    steme_err err;

    if (epoch.len == 0)
        return STEME_OK;
    err = steme__epoch_get(rc->t, epoch, &row);
    if (err == STEME_ENOTFOUND)
        return STEME_OK;
    for (; err == STEME_OK && row.status == STEME__EPOCH_SUPERSEDED; steps++) {
        steme_str next;

        if (steps == MAX_CHAIN)
            return STEME_ECORRUPT;
        if ((err = successor_of(rc, epoch, &row, &next)) != STEME_OK)
            return err;
        if (next.len == 0) {
            steps++; /* a dry run superseding by none: nothing follows to cover it */
            break;
        }
        err = reaffirmed_in(rc->t, rc->seq, next);
        if (err != STEME_ENOTFOUND)
            return err; /* re-affirmed further down the chain (STEME_OK): covered */
        epoch = next;
        err = steme__epoch_get(rc->t, next, &row);
    }
    if (err != STEME_OK && err != STEME_ENOTFOUND)
        return err;
    if (steps > 0)
        rc->deprecated = true;
    return STEME_OK;
}

/* One re-affirmation of the assertion: the epoch it was re-affirmed in is named by the
 * reaffirm event the row points to. */
static int
reaffirm_one(const steme__val *key, const steme__val *val, void *ctx)
{
    recheck *rc = ctx;
    steme_entry ev;

    (void)key;
    if (val->n != 9 || val->p[0] != STEME__ROW_VERSION) {
        rc->err = STEME_ECORRUPT;
        return 1;
    }
    rc->err = steme__txn_get_seq(rc->t, steme__key_seq_get(val->p + 1), &ev);
    if (rc->err == STEME_OK && ev.record.kind != STEME_RECORD_EVENT)
        rc->err = STEME_ECORRUPT;
    if (rc->err == STEME_OK)
        rc->err = deprecates(rc, ev.record.event.epoch);
    return rc->err != STEME_OK || rc->deprecated;
}

/* Whether the assertion at seq is deprecated through its own epoch or any epoch it was
 * re-affirmed in. Reads only. */
static steme_err
deprecated_now(steme__txn *t, uint64_t seq, const steme_str *dry_epoch,
               const steme_str *dry_successor, bool *ret)
{
    recheck rc = {.t = t, .seq = seq, .dry_epoch = dry_epoch, .dry_successor = dry_successor};
    uint8_t prefix[8];
    steme_entry e;
    steme_err err;

    if ((err = steme__txn_get_seq(t, seq, &e)) != STEME_OK)
        return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
    if (e.record.kind != STEME_RECORD_ASSERTION)
        return STEME_ECORRUPT;
    if ((err = deprecates(&rc, e.record.assertion.epoch)) != STEME_OK)
        return err;
    if (!rc.deprecated) {
        steme__key_seq(prefix, seq);
        err = steme__tscan(t, STEME__T_REAFFIRM, prefix, sizeof(prefix), reaffirm_one, &rc);
        if (err == STEME_OK)
            err = rc.err;
        if (err != STEME_OK)
            return err;
    }
    *ret = rc.deprecated;
    return STEME_OK;
}

/* Set the deprecated condition of the assertion at seq to deprecated; *ret_changed says
 * whether it moved. */
static steme_err
set_deprecated(steme__txn *t, uint64_t seq, bool deprecated, uint64_t cause, bool *ret_changed)
{
    steme__state_row row;
    steme_err err;

    *ret_changed = false;
    err = steme__state_get(t, seq, &row);
    if (err == STEME_ENOTFOUND)
        return STEME_OK; /* appended before the rules existed */
    if (err != STEME_OK || deprecated == ((row.conditions & STEME_COND_DEPRECATED) != 0))
        return err;
    if (deprecated)
        row.conditions |= STEME_COND_DEPRECATED;
    else
        row.conditions &= (uint16_t)~STEME_COND_DEPRECATED;
    *ret_changed = true;
    return steme__state_save(t, seq, &row, cause);
}

/* ---------------------------------------------------------------------------------------------
 * Application
 */

typedef struct supersede {
    steme__txn *t;
    steme_str epoch;
    steme_str successor;
    uint64_t cause;
    uint64_t count; /* assertions deprecated */
    steme_err err;
} supersede;

/* A member of the superseded epoch: deprecated unless it was re-affirmed in the successor
 * (the successor is open, so there is no later epoch in the chain yet). */
static int
old_member(const steme__val *key, const steme__val *val, void *ctx)
{
    supersede *s = ctx;
    uint64_t seq;
    bool changed;

    (void)val;
    if (key->n != 16) {
        s->err = STEME_ECORRUPT;
        return 1;
    }
    seq = steme__key_seq_get(key->p + 8);
    /* Writes state and history rows, never the member table being scanned. */
    s->err = reaffirmed_in(s->t, seq, s->successor);
    if (s->err == STEME_ENOTFOUND) {
        s->err = set_deprecated(s->t, seq, true, s->cause, &changed);
        s->count += changed;
    }
    return s->err != STEME_OK;
}

/* A deprecated member of the successor: the successor now continues chains that ended at the
 * superseded epoch, so an earlier re-affirmation in the successor may cover one of its
 * memberships. */
static int
new_member(const steme__val *key, const steme__val *val, void *ctx)
{
    supersede *s = ctx;
    steme__state_row row;
    uint64_t seq;
    bool deprecated, changed;

    (void)val;
    if (key->n != 16) {
        s->err = STEME_ECORRUPT;
        return 1;
    }
    seq = steme__key_seq_get(key->p + 8);
    s->err = steme__state_get(s->t, seq, &row);
    if (s->err == STEME_ENOTFOUND) {
        s->err = STEME_OK;
        return 0;
    }
    if (s->err != STEME_OK || !(row.conditions & STEME_COND_DEPRECATED))
        return s->err != STEME_OK;
    s->err = deprecated_now(s->t, seq, s->cause == 0 ? &s->epoch : NULL,
                            s->cause == 0 ? &s->successor : NULL, &deprecated);
    if (s->err == STEME_OK && !deprecated)
        s->err = set_deprecated(s->t, seq, false, s->cause, &changed);
    return s->err != STEME_OK;
}

/* Supersede epoch by successor (empty only in a dry run: by none) as the event at cause
 * would; cause 0 is a dry run. *ret_count: the assertions it deprecated. */
static steme_err
supersede_run(steme__txn *t, steme_str epoch, steme_str successor, uint64_t cause,
              uint64_t *ret_count)
{
    supersede s = {.t = t, .epoch = epoch, .successor = successor, .cause = cause};
    steme__epoch_row row;
    uint8_t prefix[8];
    steme_err err;

    err = steme__epoch_get(t, epoch, &row);
    if (err != STEME_OK)
        return err == STEME_ENOTFOUND && cause != 0 ? STEME_ECORRUPT : err;
    row.status = STEME__EPOCH_SUPERSEDED;
    row.superseded_seq = cause;
    if ((err = steme__epoch_put(t, epoch, &row)) != STEME_OK)
        return err;
    name_hash(epoch, prefix);
    err = steme__tscan(t, STEME__T_EPOCH_MEMBER, prefix, sizeof(prefix), old_member, &s);
    if (err == STEME_OK && (err = s.err) == STEME_OK && successor.len > 0) {
        name_hash(successor, prefix);
        err = steme__tscan(t, STEME__T_EPOCH_MEMBER, prefix, sizeof(prefix), new_member, &s);
    }
    if (err == STEME_OK)
        err = s.err;
    if (err == STEME_OK)
        *ret_count = s.count;
    return err;
}

static steme_err
apply_supersede(steme__txn *t, const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    steme_cascade_report report = {.event_seq = e->seq, .depths = 1};
    uint64_t count;
    steme_err err = supersede_run(t, ev->epoch, ev->successor, e->seq, &count);

    if (err != STEME_OK)
        return err;
    report.per_depth[0] = count;
    report.total = count;
    return steme__report_put(t, e->seq, &report);
}

steme_err
steme__epoch_supersede_dry(steme__txn *t, steme_str epoch, steme_str successor, steme_errinfo *ei,
                           uint64_t *ret_count)
{
    steme_err err;

    assert(steme__txn_applying(t) == 0);
    err = require_open(t, epoch, "what_if_supersede_epoch", "is already superseded", ei);
    if (err != STEME_OK)
        return err;
    if (successor.len > 0) {
        if (str_eq(successor, epoch))
            return steme__refuse(ei, "what_if_successor", "is the epoch itself");
        err = require_open(t, successor, "what_if_successor", "is superseded", ei);
        if (err != STEME_OK)
            return err;
    }
    return supersede_run(t, epoch, successor, 0, ret_count);
}

static steme_err
apply_reaffirm(steme__txn *t, const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    steme_entry target;
    uint8_t k[16], v[9];
    uint64_t seq;
    bool deprecated, changed;
    steme_err err;

    err = steme__txn_get_id(t, &ev->target, 0, &target);
    if (err == STEME_ENOTFOUND || (err == STEME_OK && target.record.kind != STEME_RECORD_ASSERTION))
        return STEME_OK; /* a log written without the rules */
    if (err != STEME_OK)
        return err;
    seq = target.seq;
    /* Membership first, so that the recomputation sees it. */
    reaffirm_key(k, seq, ev->epoch);
    v[0] = STEME__ROW_VERSION;
    steme__key_seq(v + 1, e->seq);
    if ((err = steme__tput(t, STEME__T_REAFFIRM, k, sizeof(k), v, sizeof(v))) != STEME_OK)
        return err;
    if ((err = member_put(t, ev->epoch, seq)) != STEME_OK)
        return err;
    if ((err = deprecated_now(t, seq, NULL, NULL, &deprecated)) != STEME_OK)
        return err;
    return set_deprecated(t, seq, deprecated, e->seq, &changed);
}

steme_err
steme__epochs_apply(steme__txn *t, const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    steme__epoch_row row = {.status = STEME__EPOCH_OPEN, .opened_seq = e->seq};

    switch (ev->type) {
    case STEME_EVENT_EPOCH_OPEN:
        return steme__epoch_put(t, ev->epoch, &row);
    case STEME_EVENT_EPOCH_SUPERSEDE:
        return apply_supersede(t, e);
    case STEME_EVENT_REAFFIRM:
        return apply_reaffirm(t, e);
    default:
        return STEME_OK;
    }
}
