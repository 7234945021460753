/* SPDX-License-Identifier: MIT */
/*
 * lens_skeptic.c -- skeptic v1: no single winner. It shows the whole distribution of the
 * evidence (the same evidence shares the conflict score uses), flags the outliers and says
 * why the minority matters (docs/lenses.md, "skeptic").
 *
 * Numbers (all groups integers, or all numbers of one dimension and unit) are compared with
 * the weighted median of the distribution: a value at least outlier_ratio times above or
 * below it, or of the other sign, is an outlier. Other values have no distance, so a minority
 * report is a value with less than minority_share of the evidence and less than the leader.
 */
#include <math.h>
#include <string.h>

#include "lens_int.h"

/* Values shown in the distribution before "and N more". */
#define SHOWN 5

static bool
numeric(const steme__lens_work *w)
{
    const steme__vnorm *a = &w->groups[0].norm;
    if (a->cls != STEME__VCLASS_INTEGER && a->cls != STEME__VCLASS_NUMBER)
        return false;
    for (size_t i = 1; i < w->n_groups; i++) {
        const steme__vnorm *b = &w->groups[i].norm;
        if (b->cls != a->cls || b->dim != a->dim)
            return false;
        if (a->dim == STEME__DIM_OTHER &&
            (a->unit.len != b->unit.len || memcmp(a->unit.ptr, b->unit.ptr, a->unit.len) != 0))
            return false;
    }
    return true;
}

static double
as_number(const steme__vnorm *v)
{
    return v->cls == STEME__VCLASS_INTEGER ? (double)v->integer : v->num;
}

/* The weighted median: the first group in value order (groups are in key order) past which
 * the cumulative evidence exceeds half, in exact integers. When a group ends exactly at half,
 * the median lies between it and the next: the heavier of the two, the lower on equal weight. */
static size_t
weighted_median(const steme__lens_work *w)
{
    uint64_t total = 0, cum = 0;
    bool by_agents = true;
    for (size_t i = 0; i < w->n_groups; i++)
        by_agents = by_agents && w->groups[i].evidence_pp12 == 0;
#define MASS(i) (by_agents ? (uint64_t)w->groups[i].agents : w->groups[i].evidence_pp12)
    for (size_t i = 0; i < w->n_groups; i++)
        total += MASS(i);
    for (size_t i = 0; i < w->n_groups; i++) {
        cum += MASS(i);
        if (2 * cum > total)
            return i;
        if (2 * cum == total && i + 1 < w->n_groups)
            return MASS(i + 1) > MASS(i) ? i + 1 : i;
    }
#undef MASS
    return w->n_groups - 1;
}

/* How many times v is away from m: infinity across a sign or from zero. */
static double
ratio(double v, double m)
{
    if (v == m)
        return 1;
    if (v == 0 || m == 0 || (v < 0) != (m < 0))
        return INFINITY;
    double r = fabs(v) / fabs(m);
    return r >= 1 ? r : 1 / r;
}

static void
skeptic_weigh(steme__lens_work *w)
{
    double limit = w->p->outlier_ratio / 1e6, minority = w->p->minority_share / 1e6, top = 0;
    for (size_t i = 0; i < w->n_groups; i++) {
        steme__lens_gstat *g = &w->groups[i];
        g->weight = g->ev_share;
        g->outlier = false;
        top = g->ev_share > top ? g->ev_share : top;
    }
    if (w->n_groups < 2)
        return;
    if (numeric(w)) {
        double m = as_number(&w->groups[weighted_median(w)].norm);
        for (size_t i = 0; i < w->n_groups; i++)
            w->groups[i].outlier = ratio(as_number(&w->groups[i].norm), m) >= limit;
        return;
    }
    for (size_t i = 0; i < w->n_groups; i++)
        w->groups[i].outlier = w->groups[i].ev_share < minority && w->groups[i].ev_share < top;
}

static int
skeptic_cmp(const steme__lens_gstat *a, const steme__lens_gstat *b)
{
    int c = steme__desc_double(a->weight, b->weight);
    return c ? c : steme__lens_support_cmp(a, b);
}

static void
describe(steme__lens_text *t, const steme__lens_gstat *g)
{
    steme__text_value(t, g);
    steme__text_printf(t, " (%s; ", steme_tier_name(g->best_tier));
    steme__text_support(t, g, ", ");
    steme__text_printf(t, ")");
}

/* Why the minority matters: a stronger source than the reference value's, or, in general,
 * that minority reports are how changes in the evidence first show. */
static void
why_it_matters(steme__lens_text *t, const steme__lens_gstat *o, const steme__lens_gstat *ref)
{
    if (steme__lens_tier_rank(o->best_tier) < steme__lens_tier_rank(ref->best_tier))
        steme__text_printf(t, "; the minority cites a stronger source (%s against %s)",
                           steme_tier_name(o->best_tier), steme_tier_name(ref->best_tier));
    else
        steme__text_printf(t, "; minority reports can be early signals");
}

static void
skeptic_explain(steme__lens_text *t, const steme__lens_work *w)
{
    const steme__lens_gstat *first = NULL;
    size_t outliers = 0;
    steme__text_printf(t, "no single winner; ");
    for (size_t pos = 0; pos < w->n_groups; pos++) {
        const steme__lens_gstat *g = &w->groups[w->order[pos]];
        if (pos < SHOWN) {
            steme__text_printf(t, "%s", pos ? ", " : "");
            steme__text_value(t, g);
            steme__text_printf(t, " (share %.2f; ", g->share);
            steme__text_support(t, g, ", ");
            steme__text_printf(t, ", %s)", steme_tier_name(g->best_tier));
        }
        if (g->outlier && outliers++ == 0)
            first = g;
    }
    if (w->n_groups > SHOWN)
        steme__text_printf(t, ", and %zu more", w->n_groups - SHOWN);
    if (first == NULL) {
        steme__text_printf(t, "; no outliers");
        return;
    }
    steme__text_printf(t, "; outlier: ");
    describe(t, first);
    const steme__lens_gstat *ref;
    if (numeric(w)) {
        ref = &w->groups[weighted_median(w)];
        double v = as_number(&first->norm), m = as_number(&ref->norm);
        double r = ratio(v, m);
        if (isinf(r))
            steme__text_printf(t, " is far from the weighted median ");
        else if (fabs(v) > fabs(m))
            steme__text_printf(t, " is %.3gx the weighted median ", r);
        else
            steme__text_printf(t, " is 1/%.3g of the weighted median ", r);
        describe(t, ref);
    } else {
        ref = &w->groups[w->order[0]];
        steme__text_printf(t, " holds %.0f %% of the evidence against ", 100 * first->share);
        describe(t, ref);
    }
    if (outliers > 1)
        steme__text_printf(t, ", and %zu more outlier%s", outliers - 1, outliers > 2 ? "s" : "");
    why_it_matters(t, first, ref);
}

const steme__lens_ops steme__lens_skeptic_ops = {
    .kind = STEME__LENS_SKEPTIC,
    .weigh = skeptic_weigh,
    .cmp = skeptic_cmp,
    .explain = skeptic_explain,
};
