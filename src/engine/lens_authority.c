/* SPDX-License-Identifier: MIT */
/*
 * lens_authority.c -- the lenses that weigh sources: authority (the value backed by the
 * highest source tier) and trust-aware authority (authority discounted by the learned trust
 * of the agent and the learned reliability of the source). docs/lenses.md has the formulas.
 *
 * An assertion's authority is its source's registered weight, or the lens's tier_weights
 * table when the reader sets one; a source whose authority is 0 does not count for its tier.
 */
#include "lens_int.h"

/* ---------------------------------------------------------------------------------------------
 * authority v1: the best tier rank (regulatory > peer_reviewed > expert > preprint >
 * anecdotal > unverified), then weight = sum of the authority of the distinct sources at that
 * tier, then independent support.
 */

static void
authority_weigh(steme__lens_work *w)
{
    for (size_t i = 0; i < w->n_groups; i++) {
        steme__lens_gstat *g = &w->groups[i];
        g->weight = g->tier_rank == STEME__LENS_NO_RANK ? 0 : (double)g->tier_ppm / 1e6;
        g->outlier = false;
    }
}

static int
authority_cmp(const steme__lens_gstat *a, const steme__lens_gstat *b)
{
    if (a->tier_rank != b->tier_rank)
        return a->tier_rank < b->tier_rank ? -1 : 1;
    int c = steme__desc_u64(a->tier_ppm, b->tier_ppm);
    return c ? c : steme__lens_support_cmp(a, b);
}

/* A higher tier is decisive; within one tier the weights compete like any other. */
static double
authority_lead(const steme__lens_gstat *win, const steme__lens_gstat *other)
{
    if (win->tier_rank != other->tier_rank)
        return win->tier_rank < other->tier_rank ? 1 : 0;
    double w1 = win->weight, w2 = other->weight;
    return w1 + w2 > 0 && w1 > w2 ? (w1 - w2) / (w1 + w2) : 0;
}

static void
authority_why(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_printf(t, "backed by %u %s source%s (weight ", g->tier_sources,
                       steme_tier_name(g->tier), g->tier_sources == 1 ? "" : "s");
    steme__text_num(t, g->weight);
    steme__text_printf(t, ")");
}

static void
authority_alt(steme__lens_text *t, const steme__lens_gstat *g)
{
    if (g->tier_rank == STEME__LENS_NO_RANK) {
        steme__text_printf(t, " (no source with authority)");
        return;
    }
    steme__text_printf(t, " (best %s, weight ", steme_tier_name(g->tier));
    steme__text_num(t, g->weight);
    steme__text_printf(t, ")");
}

const steme__lens_ops steme__lens_authority_ops = {
    .kind = STEME__LENS_AUTHORITY,
    .weigh = authority_weigh,
    .cmp = authority_cmp,
    .lead = authority_lead,
    .why = authority_why,
    .alt = authority_alt,
};

/* ---------------------------------------------------------------------------------------------
 * trust_authority v1: weight = sum over distinct agents of the agent's best
 * trust x authority x reliability x confidence among its assertions of the value; ties:
 * independent support.
 */

static void
trust_weigh(steme__lens_work *w)
{
    for (size_t i = 0; i < w->n_groups; i++) {
        w->groups[i].weight = w->groups[i].trusted;
        w->groups[i].outlier = false;
    }
}

static int
trust_cmp(const steme__lens_gstat *a, const steme__lens_gstat *b)
{
    int c = steme__desc_double(a->weight, b->weight);
    return c ? c : steme__lens_support_cmp(a, b);
}

static void
trust_why(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_printf(t, "backed by ");
    steme__text_support(t, g, " and ");
    steme__text_printf(t, " weighted by trust, authority and reliability (weight ");
    steme__text_num(t, g->weight);
    steme__text_printf(t, ")");
}

static void
trust_alt(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_printf(t, " (weight ");
    steme__text_num(t, g->weight);
    steme__text_printf(t, "; ");
    steme__text_support(t, g, ", ");
    steme__text_printf(t, ")");
}

const steme__lens_ops steme__lens_trust_ops = {
    .kind = STEME__LENS_TRUST_AUTHORITY,
    .weigh = trust_weigh,
    .cmp = trust_cmp,
    .why = trust_why,
    .alt = trust_alt,
};
