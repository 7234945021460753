/* SPDX-License-Identifier: MIT */
/*
 * query_cands.c -- the candidates of a query: every assertion of the key(s) visible at a log
 * position, copied out of the transaction, with its lifecycle stage and standing votes at that
 * position, its source's tier, weight and reliability, its author's trust at the position, and
 * the verdict of the query's filters (stages, valid time, tiers, agent).
 *
 * Past stages come from the stage history (the last change caused at or before the position)
 * and past votes from the votes' own log entries, so a query at an old position gives the
 * answer it gave then. Source tier, weight and reliability are the current ones: the source
 * registry keeps no history (docs/lenses.md, "Queries").
 */
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "engine.h"
#include "query.h"

void
steme__qset_free(steme__qset *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++)
        steme__free(set->rows[i].bytes);
    steme__free(set->rows);
    memset(set, 0, sizeof(*set));
}

steme_err
steme__query_last_seq(steme__txn *t, uint64_t *ret)
{
    steme_entry e;
    uint64_t lo = 0, hi = 1;
    steme_err err;

    /* Positions are dense from 1: double until one is missing, then bisect. Each probe is one
     * B-tree lookup, so this costs about 2 log2(n) lookups. */
    while ((err = steme__txn_get_seq(t, hi, &e)) == STEME_OK) {
        lo = hi;
        if (hi > UINT64_MAX / 2)
            break;
        hi *= 2;
    }
    if (err != STEME_OK && err != STEME_ENOTFOUND)
        return err;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        err = steme__txn_get_seq(t, mid, &e);
        if (err == STEME_OK)
            lo = mid;
        else if (err == STEME_ENOTFOUND)
            hi = mid;
        else
            return err;
    }
    *ret = lo;
    return STEME_OK;
}

steme_err
steme__query_seq_at_time(steme__txn *t, uint64_t last, int64_t ms, uint64_t *ret)
{
    uint64_t lo = 0, hi = last + 1; /* recorded_at(lo) <= ms < recorded_at(hi) */
    steme_entry e;
    steme_err err;

    /* The store stamps recorded_at = max(now, previous): it never decreases along the log. */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if ((err = steme__txn_get_seq(t, mid, &e)) != STEME_OK)
            return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
        if (e.recorded_at <= ms)
            lo = mid;
        else
            hi = mid;
    }
    *ret = lo;
    return STEME_OK;
}

typedef struct collect {
    const steme_query *q;
    steme__qset *set;
    steme_err err;
} collect;

static bool
has_prefix(steme_str s, steme_str prefix)
{
    return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

static bool
str_eq(steme_str a, steme_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int
collect_one(const steme_entry *e, void *ctx)
{
    collect *c = ctx;
    steme__qset *set = c->set;
    const steme_assertion *a;
    steme__qrow *row;
    steme_errinfo ei;

    if (e->record.kind != STEME_RECORD_ASSERTION)
        return 0;
    a = &e->record.assertion;
    if (c->q->subject_prefix && !has_prefix(a->subject, c->q->subject))
        return 0;
    if (c->q->predicate.len > 0 && !str_eq(a->predicate, c->q->predicate))
        return 0;
    if (set->n == STEME__QUERY_MAX_ROWS) {
        c->err = STEME_ELIMIT;
        return 1;
    }
    if (set->n == set->cap) {
        size_t cap = set->cap == 0 ? 16 : set->cap * 2;
        steme__qrow *rows = steme__realloc(set->rows, cap * sizeof(*rows));
        if (rows == NULL) {
            c->err = STEME_ENOMEM;
            return 1;
        }
        set->rows = rows;
        set->cap = cap;
    }
    row = &set->rows[set->n];
    memset(row, 0, sizeof(*row));
    /* The entry borrows the snapshot; the result outlives it, so keep a copy of the bytes and
     * decode again over the copy. */
    if ((row->bytes = steme__malloc(e->len)) == NULL) {
        c->err = STEME_ENOMEM;
        return 1;
    }
    memcpy(row->bytes, e->bytes, e->len);
    set->n++;
    row->e = *e;
    row->e.bytes = row->bytes;
    if (steme_record_decode(row->bytes, e->len, &row->e.record, &ei) != STEME_OK) {
        c->err = STEME_ECORRUPT;
        return 1;
    }
    return 0;
}

typedef struct stage_walk {
    uint64_t position;
    uint8_t stage;
    bool corrupt;
} stage_walk;

static int
stage_one(const steme__val *key, const steme__val *val, void *ctx)
{
    stage_walk *sw = ctx;

    /* rows.c: key seq || cause, value version, from, to; causes ascend with the key. */
    if (key->n != 16 || val->n != 3 || val->p[0] != STEME__ROW_VERSION) {
        sw->corrupt = true;
        return 1;
    }
    if (steme__key_seq_get(key->p + 8) > sw->position)
        return 1;
    sw->stage = val->p[2];
    return 0;
}

/* The stage of the assertion at seq as it stood at position. */
static steme_err
stage_at(steme__txn *t, uint64_t seq, uint64_t position, steme_stage *ret)
{
    stage_walk sw = {.position = position, .stage = 0, .corrupt = false};
    uint8_t prefix[8];
    steme_err err;

    steme__key_seq(prefix, seq);
    err = steme__tscan(t, STEME__T_HISTORY, prefix, sizeof(prefix), stage_one, &sw);
    if (err != STEME_OK)
        return err;
    if (sw.corrupt || sw.stage == 0 || steme_stage_name((steme_stage)sw.stage) == NULL)
        return STEME_ECORRUPT;
    *ret = (steme_stage)sw.stage;
    return STEME_OK;
}

#define VOTERS_MAX 4096 /* distinct voters replayed per assertion at a past position */

typedef struct vote_walk {
    steme_pubkey voters[VOTERS_MAX];
    int8_t values[VOTERS_MAX];
    size_t n;
    bool full;
} vote_walk;

static int
vote_one(const steme_entry *e, void *ctx)
{
    vote_walk *vw = ctx;
    const steme_vote *v;

    if (e->record.kind != STEME_RECORD_VOTE)
        return 0;
    v = &e->record.vote;
    /* One standing vote per voter: a later vote replaces the earlier (lifecycle.c). */
    for (size_t i = 0; i < vw->n; i++) {
        if (memcmp(vw->voters[i].b, v->agent.b, STEME_PUBKEY_SIZE) == 0) {
            vw->values[i] = v->value;
            return 0;
        }
    }
    if (vw->n == VOTERS_MAX) {
        vw->full = true;
        return 1;
    }
    vw->voters[vw->n] = v->agent;
    vw->values[vw->n++] = v->value;
    return 0;
}

/* Standing up- and down-votes on the assertion id as they stood at position. */
static steme_err
votes_at(steme__txn *t, const steme_id *id, uint64_t position, vote_walk *vw, uint32_t *up,
         uint32_t *down)
{
    steme_list_options lo = {.index = STEME_INDEX_TARGET, .ref = *id, .as_of = position};
    steme_err err;

    vw->n = 0;
    vw->full = false;
    if ((err = steme__txn_list(t, &lo, vote_one, vw)) != STEME_OK)
        return err;
    if (vw->full)
        return STEME_ELIMIT;
    *up = *down = 0;
    for (size_t i = 0; i < vw->n; i++) {
        if (vw->values[i] > 0)
            (*up)++;
        else
            (*down)++;
    }
    return STEME_OK;
}

static bool
valid_at(const steme_assertion *a, int64_t at)
{
    /* Valid time is the half-open window [valid_from, valid_until); an open end is unbounded. */
    return (!a->has_valid_from || a->valid_from <= at) &&
           (!a->has_valid_until || at < a->valid_until);
}

/* Fill the candidate form of row and decide whether the filters keep it. */
static steme_err
complete(steme__txn *t, const steme_query *q, uint64_t position, bool latest, uint32_t stages,
         uint32_t tiers, vote_walk *vw, steme__qrow *row)
{
    const steme_assertion *a = &row->e.record.assertion;
    steme__cand *c = &row->cand;
    steme__state_row st;
    steme__source_row src;
    double alpha, beta;
    steme_err err;

    if (latest) {
        if ((err = steme__state_get(t, row->e.seq, &st)) != STEME_OK)
            return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
        row->stage = (steme_stage)st.stage;
        c->up = st.up;
        c->down = st.down;
    } else {
        if ((err = stage_at(t, row->e.seq, position, &row->stage)) != STEME_OK)
            return err;
        if ((err = votes_at(t, &row->e.id, position, vw, &c->up, &c->down)) != STEME_OK)
            return err;
    }
    c->seq = row->e.seq;
    c->id = row->e.id;
    c->agent = a->agent;
    c->source = a->source;
    c->value = a->object;
    c->confidence = a->confidence;
    c->asserted_at = a->asserted_at;
    c->recorded_at = row->e.recorded_at;
    c->has_valid_from = a->has_valid_from;
    c->has_valid_until = a->has_valid_until;
    c->valid_from = a->valid_from;
    c->valid_until = a->valid_until;
    err = steme__source_get(t, a->source, &src);
    if (err == STEME_OK) {
        c->tier = (steme_tier)src.tier;
        c->weight = src.weight;
        c->reliability = steme__trust_mean(src.alpha, src.beta);
    } else if (err == STEME_ENOTFOUND) {
        /* Every cited source has a row (sources.c); this only happens in a what-if. */
        c->tier = STEME_TIER_UNVERIFIED;
        c->weight = steme__tier_weight(STEME_TIER_UNVERIFIED);
        c->reliability = steme__trust_mean(STEME__TRUST_PRIOR_ALPHA, STEME__TRUST_PRIOR_BETA);
    } else {
        return err;
    }
    if ((err = steme__trust_as_of(t, &a->agent, position, &alpha, &beta)) != STEME_OK)
        return err;
    c->trust = steme__trust_mean(alpha, beta);

    if ((stages & STEME_STAGE_BIT(row->stage)) == 0)
        row->excl = STEME__QX_STAGE;
    else if (q->has_valid_at && !valid_at(a, q->valid_at))
        row->excl = STEME__QX_VALID;
    else if ((tiers & STEME_TIER_BIT(c->tier)) == 0 ||
             (q->has_agent && memcmp(q->agent.b, a->agent.b, STEME_PUBKEY_SIZE) != 0))
        row->excl = STEME__QX_FILTER;
    else
        row->excl = STEME__QX_NONE;
    return STEME_OK;
}

steme_err
steme__query_gather(steme__txn *t, const steme_query *q, uint64_t position, bool latest,
                    uint32_t stages, uint32_t tiers, steme__qset *set)
{
    collect c = {.q = q, .set = set, .err = STEME_OK};
    steme_list_options lo = {.as_of = position};
    vote_walk *vw = NULL;
    steme_err err;

    if (q->subject_prefix) {
        /* No index is ordered by subject bytes (the subject indexes are keyed by hash), so a
         * prefix query reads the log up to the position: O(log), meant for small stores and
         * tools, not for hot paths. */
        lo.index = STEME_INDEX_LOG;
    } else if (q->predicate.len > 0) {
        lo.index = STEME_INDEX_SUBJECT_PREDICATE;
        lo.subject = q->subject;
        lo.predicate = q->predicate;
    } else {
        lo.index = STEME_INDEX_SUBJECT;
        lo.subject = q->subject;
    }
    if ((err = steme__txn_list(t, &lo, collect_one, &c)) != STEME_OK)
        return err;
    if (c.err != STEME_OK)
        return c.err;
    if (!latest && set->n > 0 && (vw = steme__malloc(sizeof(*vw))) == NULL)
        return STEME_ENOMEM;
    for (size_t i = 0; i < set->n; i++) {
        err = complete(t, q, position, latest, stages, tiers, vw, &set->rows[i]);
        if (err != STEME_OK)
            break;
    }
    steme__free(vw);
    return err;
}
