/* SPDX-License-Identifier: MIT */
/*
 * lens.c -- running a lens: the preparation every lens shares (lens_prepare.c), ranking and
 * picking a winner, the conflict score, and the result with its canonical bytes
 * (docs/lenses.md).
 *
 * Determinism is by construction: every order is a total order ending in seq ((key, seq),
 * (group, seq), and on the fallback paths (group, agent or source bytes, seq)), and what hash
 * tables gather are sums and maxima, so the input order never shows; integer sums are exact
 * and double sums add their terms in ascending order. No clock, no store, no locale.
 */
#include "lens.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "lens_int.h"
#include "lens_sort.h"

int
steme__lens_tier_rank(steme_tier tier)
{
    switch (tier) {
    case STEME_TIER_REGULATORY:
        return 0;
    case STEME_TIER_PEER_REVIEWED:
        return 1;
    case STEME_TIER_EXPERT:
        return 2;
    case STEME_TIER_PREPRINT:
        return 3;
    case STEME_TIER_ANECDOTAL:
        return 4;
    case STEME_TIER_UNVERIFIED:
        break;
    }
    return 5;
}

const steme__lens_ops *
steme__lens_ops_of(steme__lens_kind kind)
{
    switch (kind) {
    case STEME__LENS_RECENCY:
        return &steme__lens_recency_ops;
    case STEME__LENS_CONSENSUS:
        return &steme__lens_consensus_ops;
    case STEME__LENS_VOTE_CONSENSUS:
        return &steme__lens_vote_ops;
    case STEME__LENS_AUTHORITY:
        return &steme__lens_authority_ops;
    case STEME__LENS_TRUST_AUTHORITY:
        return &steme__lens_trust_ops;
    case STEME__LENS_SKEPTIC:
        return &steme__lens_skeptic_ops;
    case STEME__LENS_LAYERED:
        break;
    }
    return NULL;
}

#define DOUBLE_LESS(a, b) ((a) < (b))
STEME__DEFINE_SORT(sort_doubles, double, DOUBLE_LESS)

double
steme__lens_sum(double *terms, size_t k)
{
    sort_doubles(terms, k);
    double s = 0;
    for (size_t i = 0; i < k; i++)
        s += terms[i];
    return s;
}

int
steme__lens_support_cmp(const steme__lens_gstat *a, const steme__lens_gstat *b)
{
    int c = steme__desc_u64(a->agents, b->agents);
    if (c == 0)
        c = steme__desc_u64(a->sources, b->sources);
    if (c == 0)
        c = steme__desc_u64(a->conf, b->conf);
    return c;
}

/* ---------------------------------------------------------------------------------------------
 * Ranking and the winner
 */

static int
by_rank(const void *a, const void *b)
{
    const steme__lens_rank_elem *x = a, *y = b;
    int c = x->cmp(x->g, y->g);
    if (c)
        return c;
    /* The lens cannot tell them apart: key order, only to make the listing deterministic. */
    return steme__vnorm_cmp(&x->g->norm, &y->g->norm);
}

static double
pairwise_lead(double w1, double w2)
{
    if (w1 + w2 <= 0)
        return 0;
    double l = (w1 - w2) / (w1 + w2);
    return l < 0 ? 0 : l;
}

/* The winner among ranked groups, or why there is none. */
static void
pick(const steme__lens_work *w, const steme__lens_ops *ops, steme__lens_decision *d)
{
    if (w->n_groups == 0) {
        d->reason = STEME__LENS_EMPTY;
        return;
    }
    if (ops->kind == STEME__LENS_SKEPTIC) {
        d->reason = STEME__LENS_BY_DESIGN;
        return;
    }
    uint32_t min = w->p->min_support > 1 ? w->p->min_support : 1;
    size_t k = 0;
    while (k < w->n_groups && w->groups[w->order[k]].agents < min)
        k++;
    if (k == w->n_groups) {
        d->reason = STEME__LENS_LOW_SUPPORT;
        return;
    }
    const steme__lens_gstat *win = &w->groups[w->order[k]];
    if (!(win->weight > 0)) {
        d->reason = STEME__LENS_NO_WEIGHT;
        return;
    }
    for (size_t j = k + 1; j < w->n_groups; j++) {
        const steme__lens_gstat *next = &w->groups[w->order[j]];
        if (next->agents < min)
            continue;
        if (ops->cmp(win, next) == 0) {
            d->reason = STEME__LENS_TIE;
            return;
        }
        break;
    }
    d->has_winner = true;
    d->winner = k;
    d->reason = STEME__LENS_WINNER;
    d->lead = 1;
    if (w->n_groups > 1) {
        /* Against the strongest other value, even one without min_support: conservative. */
        const steme__lens_gstat *other = &w->groups[w->order[k == 0 ? 1 : 0]];
        d->lead = ops->lead ? ops->lead(win, other) : pairwise_lead(win->weight, other->weight);
    }
}

void
steme__lens_decide(steme__lens_work *w, const steme__lens_ops *ops, steme__lens_decision *ret)
{
    steme__lens_decision d = {.ops = ops};
    double total = 0;

    ops->weigh(w);
    for (size_t i = 0; i < w->n_groups; i++)
        total += w->groups[i].weight;
    for (size_t i = 0; i < w->n_groups; i++)
        w->groups[i].share = total > 0 ? w->groups[i].weight / total : 0;

    steme__lens_rank_elem *r = w->rank;
    for (size_t i = 0; i < w->n_groups; i++)
        r[i] = (steme__lens_rank_elem){i, &w->groups[i], ops->cmp};
    qsort(r, w->n_groups, sizeof *r, by_rank);
    for (size_t i = 0; i < w->n_groups; i++)
        w->order[i] = r[i].idx;

    pick(w, ops, &d);
    *ret = d;
}

/*
 * Conflict: 1 - (s1 - s2) over the two largest evidence shares (s2 = 0 with one value).
 * One value: 0. Two equally supported values: 1. Moving support to the leader lowers it;
 * a fringe third value never lowers it (docs/lenses.md).
 */
static double
conflict_score(const steme__lens_work *w)
{
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < w->n_groups; i++) {
        double s = w->groups[i].ev_share;
        if (s > s1) {
            s2 = s1;
            s1 = s;
        } else if (s > s2) {
            s2 = s;
        }
    }
    if (w->n_groups == 0)
        return 0;
    double c = 1 - (s1 - s2);
    return c < 0 ? 0 : c > 1 ? 1 : c;
}

/* ---------------------------------------------------------------------------------------------
 * Results
 */

static steme_err
build_result(const steme__lens_work *w, const steme__lens_params *p, const steme__lens_decision *d,
             const steme__lens_text *t, steme__lens_result *ret)
{
    size_t size = w->n_groups * sizeof(steme__lens_group) + w->n * sizeof(uint64_t) + t->len + 1;
    void *mem = steme__malloc(size);
    if (mem == NULL)
        return STEME_ENOMEM;
    steme__lens_group *groups = mem;
    uint64_t *seqs = (uint64_t *)(groups + w->n_groups);
    char *text = (char *)(seqs + w->n);
    size_t s = 0;

    for (size_t pos = 0; pos < w->n_groups; pos++) {
        const steme__lens_gstat *g = &w->groups[w->order[pos]];
        steme__lens_group *o = &groups[pos];
        *o = (steme__lens_group){
            .norm = g->norm,
            .value = g->rep->value,
            .weight = g->weight,
            .share = g->share,
            .evidence = (double)g->evidence_pp12 / 1e12,
            .agents = g->agents,
            .sources = g->sources,
            .assertions = g->count,
            .confidence = g->conf,
            .best_tier = g->best_tier,
            .latest_at = g->latest_at,
            .latest_seq = g->latest_seq,
            .up = g->up,
            .down = g->down,
            .has_valid_from = g->has_valid_from,
            .has_valid_until = g->has_valid_until,
            .valid_from = g->valid_from,
            .valid_until = g->valid_until,
            .outlier = g->outlier,
            .seqs = seqs + s,
            .n_seqs = g->count,
        };
        for (uint32_t m = 0; m < g->count; m++)
            seqs[s++] = w->items[w->members[g->first + m]].c->seq;
    }
    memcpy(text, t->buf, t->len);
    text[t->len] = '\0';

    *ret = (steme__lens_result){
        .kind = p->kind,
        .decided_by = d->ops ? d->ops->kind : p->kind,
        .has_winner = d->has_winner,
        .winner = d->has_winner ? d->winner : 0,
        .reason = d->reason,
        .reason_text = steme__lens_reason_text(d->reason),
        .lead = d->has_winner ? d->lead : 0,
        .conflict = conflict_score(w),
        .n_candidates = w->n,
        .groups = groups,
        .n_groups = w->n_groups,
        .support = d->has_winner ? groups[d->winner].seqs : NULL,
        .n_support = d->has_winner ? groups[d->winner].n_seqs : 0,
        .explanation = text,
        .explanation_len = t->len,
        .mem = mem,
    };
    return STEME_OK;
}

steme_err
steme__lens_run(const steme__lens_params *p, const steme__cand *c, size_t n,
                steme__lens_result *ret)
{
    if (p == NULL || ret == NULL || (n > 0 && c == NULL))
        return STEME_EINVAL;
    if (n > STEME__LENS_MAX_CANDIDATES)
        return STEME_ELIMIT;
    const steme__cand **ptrs = steme__malloc((n > 0 ? n : 1) * sizeof(*ptrs));
    if (ptrs == NULL)
        return STEME_ENOMEM;
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &c[i];
    steme_err err = steme__lens_run_ptrs(p, ptrs, n, ret);
    steme__free(ptrs);
    return err;
}

steme_err
steme__lens_run_ptrs(const steme__lens_params *p, const steme__cand *const *c, size_t n,
                     steme__lens_result *ret)
{
    if (p == NULL || ret == NULL || (n > 0 && c == NULL))
        return STEME_EINVAL;
    steme_err err = steme__lens_params_check(p, NULL);
    if (err != STEME_OK)
        return err;
    if (n > STEME__LENS_MAX_CANDIDATES)
        return STEME_ELIMIT;

    steme__lens_work w = {.p = p};
    steme__lens_decision d = {0};
    steme__lens_text *t = steme__malloc(sizeof *t);
    if (t == NULL)
        return STEME_ENOMEM;
    t->len = 0;
    t->full = false;
    t->buf[0] = '\0';

    err = steme__lens_prepare(&w, c, n);
    if (err != STEME_OK)
        goto out_free_work;

    steme__text_printf(t, "%s v%u", steme__lens_kind_name(p->kind), (unsigned)p->version);
    if (p->kind == STEME__LENS_LAYERED) {
        steme__lens_layered(&w, &d, t);
    } else {
        steme__text_printf(t, ": ");
        steme__lens_decide(&w, steme__lens_ops_of(p->kind), &d);
        steme__lens_explain(t, &w, &d);
    }
    if (n > 0) {
        steme__text_printf(t, "; conflict ");
        steme__text_fixed(t, conflict_score(&w), 2);
    }
    err = build_result(&w, p, &d, t, ret);

out_free_work:
    steme__lens_work_free(&w);
    steme__free(t);
    return err;
}

void
steme__lens_result_free(steme__lens_result *r)
{
    if (r == NULL)
        return;
    steme__free(r->mem);
    r->mem = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Canonical bytes
 */

#define RESULT_FORMAT 1

typedef struct enc {
    uint8_t *p;
    size_t cap;
    size_t len;
} enc;

static void
put_bytes(enc *e, const void *b, size_t n)
{
    if (e->p != NULL && e->len + n <= e->cap && n > 0)
        memcpy(e->p + e->len, b, n);
    e->len += n;
}

static void
put_u8(enc *e, uint8_t v)
{
    put_bytes(e, &v, 1);
}

static void
put_u32(enc *e, uint32_t v)
{
    uint8_t b[4];
    steme__put_u32(b, v);
    put_bytes(e, b, 4);
}

static void
put_u64(enc *e, uint64_t v)
{
    uint8_t b[8];
    steme__put_u64(b, v);
    put_bytes(e, b, 8);
}

static void
put_f64(enc *e, double x)
{
    uint64_t u;
    x = x == 0 ? 0.0 : x;
    memcpy(&u, &x, sizeof u);
    put_u64(e, u);
}

static void
encode_result(const steme__lens_result *r, enc *e)
{
    put_u8(e, RESULT_FORMAT);
    put_u8(e, (uint8_t)r->kind);
    put_u8(e, (uint8_t)r->decided_by);
    put_u8(e, r->has_winner);
    put_u8(e, (uint8_t)r->reason);
    put_u32(e, r->has_winner ? (uint32_t)r->winner : UINT32_MAX);
    put_f64(e, r->lead);
    put_f64(e, r->conflict);
    put_u32(e, (uint32_t)r->n_candidates);
    put_u32(e, (uint32_t)r->n_groups);
    for (size_t i = 0; i < r->n_groups; i++) {
        const steme__lens_group *g = &r->groups[i];
        uint8_t key[STEME__VNORM_KEY_MAX];
        size_t klen = steme__vnorm_key(&g->norm, key, sizeof key);
        put_u32(e, (uint32_t)klen);
        put_bytes(e, key, klen);
        put_f64(e, g->weight);
        put_f64(e, g->share);
        put_f64(e, g->evidence);
        put_u32(e, g->agents);
        put_u32(e, g->sources);
        put_u32(e, g->assertions);
        put_u64(e, g->confidence);
        put_u8(e, (uint8_t)g->best_tier);
        put_u64(e, (uint64_t)g->latest_at);
        put_u64(e, g->latest_seq);
        put_u64(e, g->up);
        put_u64(e, g->down);
        put_u8(e, (uint8_t)(g->has_valid_from | g->has_valid_until << 1 | g->outlier << 2));
        put_u64(e, (uint64_t)g->valid_from);
        put_u64(e, (uint64_t)g->valid_until);
        put_u32(e, (uint32_t)g->n_seqs);
        for (size_t j = 0; j < g->n_seqs; j++)
            put_u64(e, g->seqs[j]);
    }
    put_u32(e, (uint32_t)r->explanation_len);
    put_bytes(e, r->explanation, r->explanation_len);
}

size_t
steme__lens_result_encoded_len(const steme__lens_result *r)
{
    enc e = {NULL, 0, 0};
    encode_result(r, &e);
    return e.len;
}

steme_err
steme__lens_result_encode(const steme__lens_result *r, uint8_t *buf, size_t cap, size_t *ret_len)
{
    size_t need = steme__lens_result_encoded_len(r);
    if (buf == NULL || need > cap)
        return STEME_ELIMIT;
    enc e = {buf, cap, 0};
    encode_result(r, &e);
    *ret_len = e.len;
    return STEME_OK;
}
