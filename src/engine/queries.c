/* SPDX-License-Identifier: MIT */
/*
 * queries.c -- the public read functions over derived state: lifecycle, history, provenance,
 * supersession heads, sources, cascade reports, the quarantine queue; the impact of a source
 * retraction (a dry run of the real one); rebuild and the derived-state hash; the names of
 * stages, roles and quarantine reasons. Agents, trust and gold standards are in trust.c.
 *
 * Every read runs in one snapshot, so its answer is consistent with a single log position.
 * Callbacks run inside that snapshot: what they are given is valid only during the call.
 */
#include <string.h>

#include "bytes.h"
#include "engine.h"

/* The seq of the assertion with id. Errors: STEME_ENOTFOUND (none, or not an assertion). */
static steme_err
assertion_seq(steme__txn *t, const steme_id *id, uint64_t *ret)
{
    steme_entry e;
    steme_err err = steme__txn_get_id(t, id, 0, &e);

    if (err != STEME_OK)
        return err;
    if (e.record.kind != STEME_RECORD_ASSERTION)
        return STEME_ENOTFOUND;
    *ret = e.seq;
    return STEME_OK;
}

static void
state_public(uint64_t seq, const steme__state_row *row, steme_state *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->seq = seq;
    ret->stage = (steme_stage)row->stage;
    ret->conditions = row->conditions;
    ret->quarantine_reason = (steme_quarantine_reason)row->quarantine_reason;
    ret->tainted_parents = row->tainted_parents;
    ret->via = row->via;
    ret->superseded_by = row->superseded_by;
    ret->retracted_by = row->retracted_by;
    ret->up = row->up;
    ret->down = row->down;
}

steme_err
steme_db_state(steme_db *db, const steme_id *id, steme_state *ret)
{
    steme__state_row row;
    steme__snap *snap;
    uint64_t seq;
    steme_err err;

    if (db == NULL || id == NULL || ret == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = assertion_seq(steme__snap_txn(snap), id, &seq);
    if (err == STEME_OK)
        err = steme__state_get(steme__snap_txn(snap), seq, &row);
    steme__snap_end(snap);
    if (err == STEME_OK)
        state_public(seq, &row, ret);
    return err;
}

typedef struct history_walk {
    steme_stage_fn fn;
    void *ctx;
    steme_err err;
} history_walk;

static int
history_one(const steme__val *key, const steme__val *val, void *ctx)
{
    history_walk *hw = ctx;
    steme_stage_change c;

    /* Layout (rows.c): key seq || cause, value version, from, to. */
    if (key->n != 16 || val->n != 3 || val->p[0] != STEME__ROW_VERSION) {
        hw->err = STEME_ECORRUPT;
        return 1;
    }
    c.seq = steme__key_seq_get(key->p);
    c.cause = steme__key_seq_get(key->p + 8);
    c.from = (steme_stage)val->p[1];
    c.to = (steme_stage)val->p[2];
    return hw->fn(&c, hw->ctx);
}

steme_err
steme_db_history(steme_db *db, const steme_id *id, steme_stage_fn fn, void *ctx)
{
    history_walk hw = {.fn = fn, .ctx = ctx, .err = STEME_OK};
    steme__snap *snap;
    uint8_t prefix[8];
    uint64_t seq;
    steme_err err;

    if (db == NULL || id == NULL || fn == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = assertion_seq(steme__snap_txn(snap), id, &seq);
    if (err == STEME_OK) {
        /* Causes are log positions, so key order is the order the changes happened in. */
        steme__key_seq(prefix, seq);
        err = steme__tscan(steme__snap_txn(snap), STEME__T_HISTORY, prefix, sizeof(prefix),
                           history_one, &hw);
    }
    steme__snap_end(snap);
    return err != STEME_OK ? err : hw.err;
}

steme_err
steme_db_provenance(steme_db *db, const steme_id *id, uint64_t *path, size_t cap, size_t *ret_n)
{
    steme__state_row row;
    steme__snap *snap;
    steme__txn *t;
    uint64_t seq;
    size_t n = 0;
    steme_err err;

    if (db == NULL || id == NULL || (cap > 0 && path == NULL) || ret_n == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    t = steme__snap_txn(snap);
    err = assertion_seq(t, id, &seq);
    while (err == STEME_OK) {
        if (n == cap) {
            err = STEME_ELIMIT;
            break;
        }
        path[n++] = seq;
        if ((err = steme__state_get(t, seq, &row)) != STEME_OK)
            break;
        if (row.via == 0)
            break;
        /* A parent always precedes its child in the log: the walk ends. */
        if (row.via >= seq) {
            err = STEME_ECORRUPT;
            break;
        }
        seq = row.via;
    }
    steme__snap_end(snap);
    if (err == STEME_OK)
        *ret_n = n;
    return err;
}

steme_err
steme_db_head(steme_db *db, const steme_id *id, steme_id *ret)
{
    steme__state_row row;
    steme__snap *snap;
    steme__txn *t;
    steme_entry e;
    uint64_t seq;
    steme_err err;

    if (db == NULL || id == NULL || ret == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    t = steme__snap_txn(snap);
    err = assertion_seq(t, id, &seq);
    /* superseded_by is the superseding assertion, always later in the log. */
    while (err == STEME_OK && (err = steme__state_get(t, seq, &row)) == STEME_OK &&
           row.superseded_by != 0) {
        if (row.superseded_by <= seq)
            err = STEME_ECORRUPT;
        seq = row.superseded_by;
    }
    if (err == STEME_OK)
        err = steme__txn_get_seq(t, seq, &e);
    if (err == STEME_OK)
        *ret = e.id;
    steme__snap_end(snap);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Sources
 */

static bool
source_id_ok(steme_str id)
{
    return id.len > 0 && id.len <= STEME_MAX_SOURCE && id.ptr != NULL;
}

static steme_err
source_info(steme__txn *t, steme_str id, steme_source_info *ret)
{
    steme__source_row row;
    steme_err err;

    if ((err = steme__source_get(t, id, &row)) != STEME_OK)
        return err;
    memset(ret, 0, sizeof(*ret));
    memcpy(ret->id, id.ptr, id.len);
    ret->id[id.len] = '\0';
    ret->tier = (steme_tier)row.tier;
    ret->weight = row.weight;
    ret->status = (steme_source_status)row.status;
    ret->registered_seq = row.registered_seq;
    ret->status_seq = row.status_seq;
    ret->assertions = row.assertions;
    ret->reliability = steme__trust_mean(row.alpha, row.beta);
    return STEME_OK;
}

steme_err
steme_db_source(steme_db *db, steme_str id, steme_source_info *ret)
{
    steme_source_info info;
    steme__snap *snap;
    steme_err err;

    if (db == NULL || ret == NULL || !source_id_ok(id))
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = source_info(steme__snap_txn(snap), id, &info);
    steme__snap_end(snap);
    if (err == STEME_OK)
        *ret = info;
    return err;
}

typedef struct source_walk {
    steme__txn *t;
    steme_source_fn fn;
    void *ctx;
    steme_err err;
} source_walk;

static int
source_one(const steme__val *key, const steme__val *val, void *ctx)
{
    source_walk *sw = ctx;
    steme_str id = {(const char *)key->p, key->n};
    steme_source_info info;

    (void)val;
    if (!source_id_ok(id)) {
        sw->err = STEME_ECORRUPT;
        return 1;
    }
    if ((sw->err = source_info(sw->t, id, &info)) != STEME_OK)
        return 1;
    return sw->fn(&info, sw->ctx);
}

steme_err
steme_db_sources(steme_db *db, steme_source_fn fn, void *ctx)
{
    source_walk sw = {.fn = fn, .ctx = ctx, .err = STEME_OK};
    steme__snap *snap;
    steme_err err;

    if (db == NULL || fn == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    sw.t = steme__snap_txn(snap);
    err = steme__tscan(sw.t, STEME__T_SOURCE, NULL, 0, source_one, &sw);
    steme__snap_end(snap);
    return err != STEME_OK ? err : sw.err;
}

/* ---------------------------------------------------------------------------------------------
 * Reports, impact, quarantine
 */

steme_err
steme_db_report(steme_db *db, uint64_t event_seq, steme_cascade_report *ret)
{
    steme_cascade_report r;
    steme__snap *snap;
    steme_err err;

    if (db == NULL || ret == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = steme__report_get(steme__snap_txn(snap), event_seq, &r);
    steme__snap_end(snap);
    if (err == STEME_OK)
        *ret = r;
    return err;
}

typedef struct impact {
    steme_str source;
    steme_cascade_report report;
} impact;

/* The retraction as the event would run it, in a transaction the store then aborts. */
static steme_err
impact_txn(steme__txn *t, void *ctx)
{
    impact *im = ctx;
    steme__source_row row;
    steme_err err;

    if ((err = steme__source_get(t, im->source, &row)) != STEME_OK)
        return err;
    if (row.status == STEME_SOURCE_RETRACTED)
        return STEME_EINVAL;
    return steme__source_cascade(t, im->source, true, 0, &im->report);
}

steme_err
steme_db_impact(steme_db *db, steme_str source, steme_cascade_report *ret)
{
    impact im = {.source = source};
    steme_err err;

    if (db == NULL || ret == NULL || !source_id_ok(source))
        return STEME_EINVAL;
    err = steme__store_dry_run(db->store, impact_txn, &im);
    if (err == STEME_OK)
        *ret = im.report;
    return err;
}

typedef struct queue_walk {
    steme__txn *t;
    steme_entry_fn fn;
    void *ctx;
    steme_err err;
} queue_walk;

static int
queue_one(const steme__val *key, const steme__val *val, void *ctx)
{
    queue_walk *qw = ctx;
    steme_entry e;

    (void)val;
    if (key->n != 8) {
        qw->err = STEME_ECORRUPT;
        return 1;
    }
    qw->err = steme__txn_get_seq(qw->t, steme__key_seq_get(key->p), &e);
    if (qw->err != STEME_OK) {
        if (qw->err == STEME_ENOTFOUND)
            qw->err = STEME_ECORRUPT;
        return 1;
    }
    return qw->fn(&e, qw->ctx);
}

steme_err
steme_db_quarantine(steme_db *db, steme_entry_fn fn, void *ctx)
{
    queue_walk qw = {.fn = fn, .ctx = ctx, .err = STEME_OK};
    steme__snap *snap;
    steme_err err;

    if (db == NULL || fn == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    qw.t = steme__snap_txn(snap);
    /* Keyed by seq: oldest first. */
    err = steme__tscan(qw.t, STEME__T_QUEUE, NULL, 0, queue_one, &qw);
    steme__snap_end(snap);
    return err != STEME_OK ? err : qw.err;
}

steme_err
steme_db_rebuild(steme_db *db)
{
    if (db == NULL || db->opts.read_only)
        return STEME_EINVAL;
    return steme__store_rebuild(db->store);
}

steme_err
steme_db_derived_hash(steme_db *db, uint8_t out[32])
{
    if (db == NULL || out == NULL)
        return STEME_EINVAL;
    return steme__store_derived_hash(db->store, out);
}

/* ---------------------------------------------------------------------------------------------
 * Names
 */

static const char *const stage_names[] = {
    [STEME_STAGE_ACTIVE] = "active",           [STEME_STAGE_DISPUTED] = "disputed",
    [STEME_STAGE_QUARANTINED] = "quarantined", [STEME_STAGE_DEPRECATED] = "deprecated",
    [STEME_STAGE_SUSPECT] = "suspect",         [STEME_STAGE_SUPERSEDED] = "superseded",
    [STEME_STAGE_RETRACTED] = "retracted",     [STEME_STAGE_REJECTED] = "rejected",
};

#define N_STAGES (sizeof(stage_names) / sizeof(stage_names[0]))

const char *
steme_stage_name(steme_stage stage)
{
    return (unsigned)stage < N_STAGES ? stage_names[stage] : NULL;
}

int
steme_stage_parse(const char *name)
{
    if (name == NULL)
        return 0;
    for (unsigned i = 1; i < N_STAGES; i++)
        if (strcmp(stage_names[i], name) == 0)
            return (int)i;
    return 0;
}

const char *
steme_quarantine_reason_name(steme_quarantine_reason r)
{
    switch (r) {
    case STEME_QUARANTINE_NONE:
        return "none";
    case STEME_QUARANTINE_LOW_TRUST:
        return "low_trust";
    case STEME_QUARANTINE_PROMPT_INJECTION:
        return "prompt_injection";
    case STEME_QUARANTINE_LINK_SPAM:
        return "link_spam";
    }
    return NULL;
}

const char *
steme_role_name(steme_role role)
{
    switch (role) {
    case STEME_ROLE_NONE:
        return "none";
    case STEME_ROLE_EDITOR:
        return "editor";
    case STEME_ROLE_ADMIN:
        return "admin";
    }
    return NULL;
}

int
steme_role_parse(const char *name)
{
    if (name == NULL)
        return -1;
    if (name[0] == '\0' || strcmp(name, "none") == 0)
        return STEME_ROLE_NONE;
    if (strcmp(name, "editor") == 0)
        return STEME_ROLE_EDITOR;
    if (strcmp(name, "admin") == 0)
        return STEME_ROLE_ADMIN;
    return -1;
}
