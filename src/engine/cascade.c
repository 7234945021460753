/* SPDX-License-Identifier: MIT */
/*
 * cascade.c -- the taint walk behind retractions, rejections and reinstatements
 * (docs/rules.md, "Retraction and the cascade").
 *
 * An assertion is tainted when it is retracted, rejected, or derived from a tainted one. Each
 * state row keeps the number of its tainted derived_from parents and `via`, the lowest seq
 * among them. When an assertion's taint flips, every child's count moves by one, and a child
 * whose own taint flips in turn is queued one level deeper.
 *
 * The frontier is not held in memory: it lives in the scratch table, keyed by
 * (depth u32 BE || seq u64 BE), and the walk pops its smallest key until the table is empty.
 * That is breadth first (all of depth d before d + 1, in log order within a depth) and
 * bounded by LMDB's pages rather than the heap, whatever the size of the graph. Only a flip
 * is queued, and an assertion flips at most once per walk, so each is expanded at most once.
 *
 * `via` is kept as the exact minimum over the tainted parents: an increment takes the
 * minimum, a decrement of the via parent rescans the child's own derived_from list. That is
 * what makes retract + reinstate restore every state row byte for byte.
 */
#include <string.h>

#include "bytes.h"
#include "rules.h"

#define SCRATCH_KEY 12

steme_err
steme__cascade_push(steme__txn *t, uint32_t depth, uint64_t seq)
{
    uint8_t k[SCRATCH_KEY];

    steme__put_u32(k, depth);
    steme__put_u64(k + 4, seq);
    return steme__tput(t, STEME__T_SCRATCH, k, sizeof(k), "", 0);
}

/* Count one assertion at depth (depths past the last slot share it). */
static void
report_count(steme_cascade_report *report, uint32_t depth)
{
    uint32_t slot = depth < STEME_REPORT_DEPTHS ? depth : STEME_REPORT_DEPTHS - 1;

    report->per_depth[slot]++;
    report->total++;
    if (report->depths < slot + 1)
        report->depths = slot + 1;
}

/* The lowest seq among child's derived_from parents that are tainted now (0: none). Read from
 * the child's own record, so the answer does not depend on the order of the walk. */
static steme_err
lowest_tainted_parent(steme__txn *t, uint64_t child, uint64_t *ret)
{
    steme_id parents[STEME_MAX_DERIVED_FROM];
    uint64_t best = 0;
    steme_entry e;
    size_t n;
    steme_err err;

    err = steme__txn_get_seq(t, child, &e);
    if (err != STEME_OK)
        return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
    if (e.record.kind != STEME_RECORD_ASSERTION)
        return STEME_ECORRUPT;
    /* Copy the ids out: the lookups below reuse the entry buffer. */
    n = e.record.assertion.n_derived_from;
    if (n > 0)
        memcpy(parents, e.record.assertion.derived_from, n * sizeof(parents[0]));

    for (size_t i = 0; i < n; i++) {
        steme__state_row row;
        steme_entry p;

        err = steme__txn_get_id(t, &parents[i], 0, &p);
        if (err == STEME_ENOTFOUND)
            continue;
        if (err != STEME_OK)
            return err;
        err = steme__state_get(t, p.seq, &row);
        if (err == STEME_ENOTFOUND)
            continue;
        if (err != STEME_OK)
            return err;
        if (steme__tainted(&row) && (best == 0 || p.seq < best))
            best = p.seq;
    }
    *ret = best;
    return STEME_OK;
}

typedef struct walk {
    steme__txn *t;
    int delta;
    uint64_t cause;
    uint32_t depth;  /* of the parent being expanded */
    uint64_t parent; /* its seq */
    steme_cascade_report *report;
    steme_err err;
} walk;

/* Move one child's count of tainted parents by the walk's delta; queue it when its own taint
 * flips. */
static steme_err
adjust_child(walk *w, uint64_t child)
{
    steme__state_row row;
    bool was;
    steme_err err;

    err = steme__state_get(w->t, child, &row);
    if (err == STEME_ENOTFOUND)
        return STEME_OK; /* an assertion appended before the rules existed: no state to move */
    if (err != STEME_OK)
        return err;
    was = steme__tainted(&row);

    if (w->delta > 0) {
        row.tainted_parents++;
        if (row.via == 0 || w->parent < row.via)
            row.via = w->parent;
    } else {
        if (row.tainted_parents == 0)
            return STEME_ECORRUPT; /* a count that never went up cannot come down */
        row.tainted_parents--;
        if (row.tainted_parents == 0) {
            row.via = 0;
        } else if (row.via == w->parent) {
            err = lowest_tainted_parent(w->t, child, &row.via);
            if (err != STEME_OK)
                return err;
        }
    }
    err = steme__state_save(w->t, child, &row, w->cause);
    if (err != STEME_OK || steme__tainted(&row) == was)
        return err;
    report_count(w->report, w->depth + 1);
    return steme__cascade_push(w->t, w->depth + 1, child);
}

static int
child_one(const steme_entry *e, void *ctx)
{
    walk *w = ctx;

    /* Only assertions carry derived_from; a child always comes after its parent. */
    if (e->record.kind != STEME_RECORD_ASSERTION || e->seq <= w->parent)
        return 0;
    w->err = adjust_child(w, e->seq);
    return w->err != STEME_OK;
}

/* Adjust every child of the assertion at seq. */
static steme_err
expand(walk *w, uint32_t depth, uint64_t seq)
{
    steme_list_options q = {.index = STEME_INDEX_DERIVED_FROM};
    steme_entry e;
    steme_err err;

    err = steme__txn_get_seq(w->t, seq, &e);
    if (err != STEME_OK)
        return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
    q.ref = e.id;
    w->depth = depth;
    w->parent = seq;
    w->err = STEME_OK;
    /* child_one writes state, history and scratch rows but never lists this index again. */
    err = steme__txn_list(w->t, &q, child_one, w);
    return err != STEME_OK ? err : w->err;
}

steme_err
steme__cascade_run(steme__txn *t, int delta, uint64_t cause, steme_cascade_report *report)
{
    walk w = {.t = t, .delta = delta, .cause = cause, .report = report};

    for (;;) {
        steme__val k, v;
        uint32_t depth;
        uint64_t seq;
        steme_err err;

        err = steme__tfirst(t, STEME__T_SCRATCH, &k, &v);
        if (err == STEME_ENOTFOUND)
            return STEME_OK;
        if (err != STEME_OK)
            return err;
        if (k.n != SCRATCH_KEY)
            return STEME_ECORRUPT;
        /* Copy the key before deleting the row it points into. */
        depth = steme__get_u32(k.p);
        seq = steme__get_u64(k.p + 4);
        uint8_t key[SCRATCH_KEY];
        memcpy(key, k.p, sizeof(key));
        err = steme__tdel(t, STEME__T_SCRATCH, key, sizeof(key));
        if (err == STEME_OK)
            err = expand(&w, depth, seq);
        if (err != STEME_OK)
            return err;
    }
}
