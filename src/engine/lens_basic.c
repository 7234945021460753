/* SPDX-License-Identifier: MIT */
/*
 * lens_basic.c -- the lenses that need no authority: recency, consensus and vote-aware
 * consensus (docs/lenses.md gives each one's definition and formula).
 */
#include "lens_int.h"

/* ---------------------------------------------------------------------------------------------
 * recency v1: the value of the latest claim, max (asserted_at, seq), among values with
 * min_support agents. Categorical: weight 1 for that value, 0 for the others.
 */

static int
recency_cmp(const steme__lens_gstat *a, const steme__lens_gstat *b)
{
    int c = a->latest_at > b->latest_at ? -1 : a->latest_at < b->latest_at;
    return c ? c : steme__desc_u64(a->latest_seq, b->latest_seq);
}

static void
recency_weigh(steme__lens_work *w)
{
    uint32_t min = w->p->min_support > 1 ? w->p->min_support : 1;
    steme__lens_gstat *best = NULL;
    for (size_t i = 0; i < w->n_groups; i++) {
        steme__lens_gstat *g = &w->groups[i];
        g->weight = 0;
        g->outlier = false;
        if (g->agents >= min && (best == NULL || recency_cmp(g, best) < 0))
            best = g;
    }
    if (best != NULL)
        best->weight = 1;
}

static double
recency_lead(const steme__lens_gstat *win, const steme__lens_gstat *other)
{
    (void)win;
    (void)other;
    return 1;
}

static void
recency_why(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_printf(t, "asserted latest (");
    steme__text_time(t, g->latest_at);
    steme__text_printf(t, ", seq %llu)", (unsigned long long)g->latest_seq);
}

static void
recency_alt(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_printf(t, " (latest ");
    steme__text_time(t, g->latest_at);
    steme__text_printf(t, ")");
}

const steme__lens_ops steme__lens_recency_ops = {
    .kind = STEME__LENS_RECENCY,
    .weigh = recency_weigh,
    .cmp = recency_cmp,
    .lead = recency_lead,
    .why = recency_why,
    .alt = recency_alt,
};

/* ---------------------------------------------------------------------------------------------
 * consensus v1: weight = distinct agents; ties: distinct sources, then summed confidence.
 */

static void
consensus_weigh(steme__lens_work *w)
{
    for (size_t i = 0; i < w->n_groups; i++) {
        w->groups[i].weight = w->groups[i].agents;
        w->groups[i].outlier = false;
    }
}

static void
consensus_why(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_printf(t, "backed by ");
    steme__text_support(t, g, " and ");
    steme__text_printf(t, " (weight ");
    steme__text_num(t, g->weight);
    steme__text_printf(t, ")");
}

static void
consensus_alt(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_printf(t, " (");
    steme__text_support(t, g, ", ");
    steme__text_printf(t, ")");
}

const steme__lens_ops steme__lens_consensus_ops = {
    .kind = STEME__LENS_CONSENSUS,
    .weigh = consensus_weigh,
    .cmp = steme__lens_support_cmp,
    .why = consensus_why,
    .alt = consensus_alt,
};

/* ---------------------------------------------------------------------------------------------
 * vote_consensus v1: weight = sum over distinct agents of (1 + up) / (1 + down), the standing
 * votes on that agent's assertions of the value; ties as consensus.
 */

static void
vote_weigh(steme__lens_work *w)
{
    for (size_t i = 0; i < w->n_groups; i++) {
        w->groups[i].weight = w->groups[i].votes;
        w->groups[i].outlier = false;
    }
}

static int
vote_cmp(const steme__lens_gstat *a, const steme__lens_gstat *b)
{
    int c = steme__desc_double(a->weight, b->weight);
    return c ? c : steme__lens_support_cmp(a, b);
}

static void
vote_why(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_printf(t, "backed by ");
    steme__text_support(t, g, " and ");
    steme__text_printf(t, " with votes +%llu/-%llu (weight ", (unsigned long long)g->up,
                       (unsigned long long)g->down);
    steme__text_num(t, g->weight);
    steme__text_printf(t, ")");
}

static void
vote_alt(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_printf(t, " (weight ");
    steme__text_num(t, g->weight);
    steme__text_printf(t, ", votes +%llu/-%llu)", (unsigned long long)g->up,
                       (unsigned long long)g->down);
}

const steme__lens_ops steme__lens_vote_ops = {
    .kind = STEME__LENS_VOTE_CONSENSUS,
    .weigh = vote_weigh,
    .cmp = vote_cmp,
    .why = vote_why,
    .alt = vote_alt,
};
