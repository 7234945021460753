/* SPDX-License-Identifier: MIT */
/*
 * lens_int.h -- what the lens files share: the prepared candidates and groups of one run, the
 * table of operations each lens family provides, and the explanation writer.
 *
 * lens.c prepares a run once (sort by seq, group by value, per-group support counted over
 * distinct agents and sources); each lens then only weighs and ranks the groups, which is
 * what lets a layered chain try several lenses over one preparation.
 */
#ifndef STEME_ENGINE_LENS_INT_H
#define STEME_ENGINE_LENS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lens.h"

/* Source tiers from the most to the least authoritative (DESIGN §5; the enum's order puts
 * preprint before expert, the ranking does not). */
#define STEME__LENS_TIER_RANKS 6
#define STEME__LENS_NO_RANK    STEME__LENS_TIER_RANKS /* no source with authority > 0 */
int steme__lens_tier_rank(steme_tier tier);

/* One candidate during a run. */
typedef struct steme__lens_item {
    const steme__cand *c;
    steme__vnorm norm;
    uint32_t group;
    /* The first 8 bytes of the agent key and of the source id (zero-padded), big-endian:
     * ordering by them first orders as the bytes do, with one integer comparison mostly. Set
     * only when support is counted by sorting (lens_prepare.c, the hash tables' fallback). */
    uint64_t agent8, source8;
} steme__lens_item;

/* What a run knows about one group. lens.c fills everything above `weight`; the lens being
 * run fills weight, share and outlier. Sums of doubles add their terms in ascending order so
 * that two groups with the same support get bit-identical weights (and tie). */
typedef struct steme__lens_gstat {
    steme__vnorm norm;
    const steme__cand *rep; /* the earliest member */
    uint32_t first;         /* members[first .. first + count): item indexes by seq */
    uint32_t count;
    uint32_t agents;
    uint32_t sources;
    uint64_t conf;         /* sum over agents of their highest confidence, ppm */
    steme_tier best_tier;  /* best tier among the members */
    int tier_rank;         /* best rank among sources with authority > 0, or NO_RANK */
    uint64_t tier_ppm;     /* sum over distinct sources at tier_rank of their authority */
    steme_tier tier;       /* the tier at tier_rank (when not NO_RANK) */
    uint32_t tier_sources; /* distinct sources at tier_rank */
    int64_t latest_at;
    uint64_t latest_seq;
    uint64_t evidence_pp12; /* sum over agents of max(weight x confidence), ppm x ppm */
    double ev_share;        /* evidence share, the conflict score's distribution */
    /* The next two are computed only when the run's lens or a link of its chain reads them
     * (steme__lens_uses: vote_consensus, trust_authority); otherwise they may be left 0. */
    double votes;   /* sum over agents of (1 + up) / (1 + down) */
    double trusted; /* sum over agents of max(trust x authority x reliability x conf) */
    uint64_t up;
    uint64_t down;
    bool has_valid_from;
    bool has_valid_until;
    int64_t valid_from;
    int64_t valid_until;
    double weight;
    double share;
    bool outlier;
} steme__lens_gstat;

/* A ranking sort element (the comparator travels with it: qsort has no context). */
typedef struct steme__lens_rank_elem {
    size_t idx;
    const steme__lens_gstat *g;
    int (*cmp)(const steme__lens_gstat *a, const steme__lens_gstat *b);
} steme__lens_rank_elem;

typedef struct steme__lens_work {
    const steme__lens_params *p;
    void *mem;               /* the one allocation every array below lives in (lens_prepare.c) */
    steme__lens_item *items; /* in the caller's order: only reached by seq or through members */
    size_t n;
    uint32_t *members;         /* n item indexes, grouped, each group by seq */
    steme__lens_gstat *groups; /* in key order */
    size_t n_groups;
    size_t *order;               /* the current lens's ranking: indexes into groups */
    steme__lens_rank_elem *rank; /* scratch for the ranking sort */
} steme__lens_work;

/* A bounded explanation: text past the limit is dropped and the end marked "...". */
typedef struct steme__lens_text {
    char buf[STEME__LENS_MAX_EXPLANATION];
    size_t len;
    bool full;
} steme__lens_text;

void steme__text_printf(steme__lens_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void steme__text_value(steme__lens_text *t, const steme__lens_gstat *g);
/* "3 agents and 2 sources" (sep " and ") or "1 agent, 1 source" (sep ", "). */
void steme__text_support(steme__lens_text *t, const steme__lens_gstat *g, const char *sep);
/* A weight or ratio: three significant digits. */
void steme__text_num(steme__lens_text *t, double x);
/* x as printf's "%.{prec}f" writes it (prec <= 6). */
void steme__text_fixed(steme__lens_text *t, double x, int prec);
/* RFC 3339 to the second, UTC: "2024-03-01T00:00:00Z". */
void steme__text_time(steme__lens_text *t, int64_t ms);

/* A lens family. */
typedef struct steme__lens_ops {
    steme__lens_kind kind;
    /* Set weight (and outlier) of every group. */
    void (*weigh)(steme__lens_work *w);
    /* < 0 when a ranks before b, > 0 after, 0 when the lens cannot tell them apart. */
    int (*cmp)(const steme__lens_gstat *a, const steme__lens_gstat *b);
    /* The winner's lead over other in [0, 1]; NULL: (w1 - w2) / (w1 + w2). */
    double (*lead)(const steme__lens_gstat *win, const steme__lens_gstat *other);
    /* After the winner's value: "backed by ...". */
    void (*why)(steme__lens_text *t, const steme__lens_gstat *g);
    /* After an alternative's value: " (...)". */
    void (*alt)(steme__lens_text *t, const steme__lens_gstat *g);
    /* The whole explanation body, when the generic one does not fit (skeptic); else NULL. */
    void (*explain)(steme__lens_text *t, const steme__lens_work *w);
} steme__lens_ops;

extern const steme__lens_ops steme__lens_recency_ops;
extern const steme__lens_ops steme__lens_consensus_ops;
extern const steme__lens_ops steme__lens_vote_ops;
extern const steme__lens_ops steme__lens_authority_ops;
extern const steme__lens_ops steme__lens_trust_ops;
extern const steme__lens_ops steme__lens_skeptic_ops;

/* NULL for layered and unknown kinds. */
const steme__lens_ops *steme__lens_ops_of(steme__lens_kind kind);

/* One lens's outcome on prepared work. winner is a position in w->order. */
typedef struct steme__lens_decision {
    const steme__lens_ops *ops;
    bool has_winner;
    size_t winner;
    steme__lens_reason reason;
    double lead;
} steme__lens_decision;

/* Weigh, rank (w->order) and pick a winner with ops. */
void steme__lens_decide(steme__lens_work *w, const steme__lens_ops *ops, steme__lens_decision *ret);

/* The body of the explanation of d ("<value> backed by ... against ..."). */
void steme__lens_explain(steme__lens_text *t, const steme__lens_work *w,
                         const steme__lens_decision *d);

/* Layered: try the chain in order; the decision of the lens that decided (or of the first,
 * without winner) and its explanation body. */
void steme__lens_layered(steme__lens_work *w, steme__lens_decision *ret, steme__lens_text *t);

static inline int
steme__desc_u64(uint64_t a, uint64_t b)
{
    return a > b ? -1 : a < b;
}

static inline int
steme__desc_double(double a, double b)
{
    return a > b ? -1 : a < b;
}

/* Independent support, most first: distinct agents, then distinct sources, then the agents'
 * summed best confidence (the tie-breaks of every counting lens). */
int steme__lens_support_cmp(const steme__lens_gstat *a, const steme__lens_gstat *b);

/* For tests: at most limit probes per pass over a hash table of the preparation (SIZE_MAX, the
 * default: only the budget), so that tests can make it fall back to sorting at any point (0:
 * at once) and compare. */
void steme__lens_probe_limit(size_t limit);

/* Sum of k terms in ascending order (reorders terms). */
double steme__lens_sum(double *terms, size_t k);

/* lens_prepare.c: check the n candidates *c (which the work borrows) and prepare w for any lens
 * of w->p: items, groups by value, members by seq, support per group. Errors: STEME_EINVAL (a
 * candidate out of range, or two with one seq), STEME_ENOMEM. Free w with
 * steme__lens_work_free, also on error. */
steme_err steme__lens_prepare(steme__lens_work *w, const steme__cand *const *c, size_t n);
void steme__lens_work_free(steme__lens_work *w);

#endif
