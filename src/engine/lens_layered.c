/* SPDX-License-Identifier: MIT */
/*
 * lens_layered.c -- layered v1: an ordered chain of up to four lenses with fallbacks. The
 * first lens whose winner leads the strongest other value by at least the margin decides;
 * otherwise the next one is tried; when none does there is no winner (reason no_margin) and
 * the groups show the first lens's weights, the reader's first preference.
 */
#include "lens_int.h"

void
steme__lens_layered(steme__lens_work *w, steme__lens_decision *ret, steme__lens_text *t)
{
    const steme__lens_params *p = w->p;
    double margin = p->margin / 1e6;
    steme__lens_decision d;

    steme__text_printf(t, " (");
    for (size_t i = 0; i < p->n_chain; i++)
        steme__text_printf(t, "%s%s", i ? " > " : "", steme__lens_kind_name(p->chain[i]));
    steme__text_printf(t, ", margin ");
    steme__text_num(t, margin);
    steme__text_printf(t, "): ");
    if (w->n_groups == 0) {
        steme__lens_decide(w, steme__lens_ops_of(p->chain[0]), &d);
        *ret = d;
        steme__text_printf(t, "no candidates");
        return;
    }

    for (size_t i = 0; i < p->n_chain; i++) {
        const steme__lens_ops *ops = steme__lens_ops_of(p->chain[i]);
        steme__lens_decide(w, ops, &d);
        const char *name = steme__lens_kind_name(ops->kind);
        if (d.has_winner && d.lead >= margin) {
            steme__text_printf(t, "%s decided: ", name);
            steme__lens_explain(t, w, &d);
            *ret = d;
            return;
        }
        steme__text_printf(t, "%s: ", name);
        if (d.has_winner) {
            steme__text_value(t, &w->groups[w->order[d.winner]]);
            steme__text_printf(t, " leads by ");
            steme__text_num(t, d.lead);
            steme__text_printf(t, ", below the margin; ");
        } else {
            steme__text_printf(t, "no winner (%s); ", steme__lens_reason_name(d.reason));
        }
    }
    steme__lens_decide(w, steme__lens_ops_of(p->chain[0]), &d);
    d.has_winner = false;
    d.lead = 0;
    d.reason = STEME__LENS_NO_MARGIN;
    steme__text_printf(t, "no lens decided");
    *ret = d;
}
