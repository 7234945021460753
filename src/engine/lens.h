/* SPDX-License-Identifier: MIT */
/*
 * lens.h -- the pure core of the read side: lenses (DESIGN §6, docs/lenses.md).
 *
 * A lens is a named, versioned, deterministic function from the candidate assertions of one
 * (subject, predicate) to a result: the winning value or none with a reason, every value with
 * its weight and support, a conflict score, the assertions behind the winner and an
 * explanation. The query layer gathers the candidates (visibility at as_of, valid time,
 * lifecycle filters, trust snapshot) and calls steme__lens_run; nothing here touches the
 * store or the clock, so the same candidates give the same result bytes in any order, on any
 * machine.
 *
 * Files: lens.c (validation, grouping, ranking, conflict score, results), lens_params.c
 * (names, parameters and their canonical bytes), lens_text.c (explanations), lens_basic.c
 * (recency, consensus, vote-aware consensus), lens_authority.c (authority, trust-aware
 * authority), lens_skeptic.c, lens_layered.c; lens_int.h is what they share.
 */
#ifndef STEME_ENGINE_LENS_H
#define STEME_ENGINE_LENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steme.h"
#include "value_norm.h"

#define STEME__LENS_VERSION 1

/* At most this many candidates per run; more is STEME_ELIMIT (the query layer narrows the
 * query or says so: a lens never silently drops evidence). Groups are at most candidates. */
#define STEME__LENS_MAX_CANDIDATES  16384
#define STEME__LENS_MAX_CHAIN       4    /* lenses in a layered chain */
#define STEME__LENS_MAX_EXPLANATION 1024 /* bytes of an explanation, NUL included */

typedef enum steme__lens_kind {
    STEME__LENS_RECENCY = 1,
    STEME__LENS_CONSENSUS = 2,
    STEME__LENS_VOTE_CONSENSUS = 3,
    STEME__LENS_AUTHORITY = 4,
    STEME__LENS_TRUST_AUTHORITY = 5,
    STEME__LENS_SKEPTIC = 6,
    STEME__LENS_LAYERED = 7,
} steme__lens_kind;

#define STEME__LENS_KIND_MAX 7

/* "recency", "consensus", "vote_consensus", "authority", "trust_authority", "skeptic",
 * "layered"; NULL for an unknown kind. _parse returns 0 for an unknown name. */
const char *steme__lens_kind_name(steme__lens_kind kind);
int steme__lens_kind_parse(const char *name);

/* One candidate assertion, as the query layer found it at its position. */
typedef struct steme__cand {
    uint64_t seq; /* log position: unique among the candidates of one run */
    steme_id id;
    steme_pubkey agent;
    steme_str source;    /* borrowed */
    steme_tier tier;     /* the source's tier */
    uint32_t weight;     /* the source's authority weight, ppm */
    double reliability;  /* the source's learned reliability, [0, 1] */
    steme_value value;   /* the object; borrowed */
    uint32_t confidence; /* ppm */
    int64_t asserted_at; /* ms */
    int64_t recorded_at; /* ms */
    bool has_valid_from;
    bool has_valid_until;
    int64_t valid_from;
    int64_t valid_until;
    uint32_t up; /* standing votes */
    uint32_t down;
    double trust; /* the author's trust, [0, 1] */
} steme__cand;

/* Parameters of a lens. Integers in ppm so that they have one canonical encoding. */
typedef struct steme__lens_params {
    steme__lens_kind kind;
    uint32_t version;     /* STEME__LENS_VERSION */
    uint32_t min_support; /* distinct agents a winner needs; 0 and 1 both mean "any" */
    /* authority, trust_authority (and in a layered chain): when set, an assertion's
     * authority is tier_weights[its tier] instead of its source's registered weight. */
    bool tier_weights_set;
    uint32_t tier_weights[STEME_TIER_UNVERIFIED + 1]; /* ppm, indexed by steme_tier; [0] unused */
    uint32_t margin;         /* layered: the lead a lens's winner needs, ppm of [0, 1] */
    uint32_t outlier_ratio;  /* skeptic: a number this many times (ppm, > 1x) away from the
                              * weighted median is an outlier; default 10x */
    uint32_t minority_share; /* skeptic: a non-numeric value below this share (ppm) of the
                              * evidence is a minority report; default 25 % */
    steme__lens_kind chain[STEME__LENS_MAX_CHAIN]; /* layered: tried in order */
    size_t n_chain;
} steme__lens_params;

/* Defaults for kind (version 1, no minimum support, registered weights, margin 0, 10x,
 * 25 %; a layered lens gets the chain authority > consensus > recency). */
void steme__lens_params_init(steme__lens_params *p, steme__lens_kind kind);

/* Whether a run of p is kind or runs it as a link of its chain: what decides which inputs a
 * query reads (trust_authority: the authors' trust) and which sums the preparation makes. */
bool steme__lens_uses(const steme__lens_params *p, steme__lens_kind kind);

/*
 * Check p. Errors: STEME_EINVAL with ei (may be NULL) naming the field ("lens", "version",
 * "margin", "tier_weights", "outlier_ratio", "minority_share", "chain") and the rule.
 */
steme_err steme__lens_params_check(const steme__lens_params *p, steme_errinfo *ei);

/*
 * The canonical bytes of (lens name, version, parameters that affect the result), for
 * receipts: two parameter sets that give the same results for every input give the same
 * bytes. Layout in docs/lenses.md. Errors: STEME_EINVAL (p fails the check), STEME_ELIMIT (cap
 * too small; STEME__LENS_PARAMS_MAX always suffices).
 */
#define STEME__LENS_PARAMS_MAX 128
steme_err steme__lens_params_encode(const steme__lens_params *p, uint8_t *buf, size_t cap,
                                    size_t *ret_len);

/* Why there is no winner. */
typedef enum steme__lens_reason {
    STEME__LENS_WINNER = 0,      /* there is one */
    STEME__LENS_EMPTY = 1,       /* no candidates */
    STEME__LENS_TIE = 2,         /* the best two values tie on every criterion of the lens */
    STEME__LENS_LOW_SUPPORT = 3, /* no value has min_support agents */
    STEME__LENS_NO_WEIGHT = 4,   /* every value that may win weighs 0 */
    STEME__LENS_BY_DESIGN = 5,   /* skeptic: never picks */
    STEME__LENS_NO_MARGIN = 6,   /* layered: no lens of the chain won by the margin */
} steme__lens_reason;

/* "winner", "empty", "tie", "low_support", "no_weight", "by_design", "no_margin"; and a
 * sentence for people ("the best values tie on every criterion of the lens"). Static. */
const char *steme__lens_reason_name(steme__lens_reason r);
const char *steme__lens_reason_text(steme__lens_reason r);

/* One value and the candidates that support it. */
typedef struct steme__lens_group {
    steme__vnorm norm;   /* canonical value (its key: steme__vnorm_key); borrows candidates */
    steme_value value;   /* as written by the earliest member (lowest seq); borrowed */
    double weight;       /* the lens's weight (docs/lenses.md) */
    double share;        /* weight / sum of weights; 0 when the sum is 0 */
    double evidence;     /* the lens-independent evidence mass behind the conflict score */
    uint32_t agents;     /* distinct agents */
    uint32_t sources;    /* distinct sources */
    uint32_t assertions; /* candidates */
    uint64_t confidence; /* sum over agents of their highest confidence, ppm */
    steme_tier best_tier;
    int64_t latest_at; /* the latest member: max (asserted_at, seq) */
    uint64_t latest_seq;
    uint64_t up; /* standing votes on the members */
    uint64_t down;
    /* Valid time: the union of the members' windows (an open end when any member has one). */
    bool has_valid_from;
    bool has_valid_until;
    int64_t valid_from;
    int64_t valid_until;
    bool outlier;         /* skeptic: far from the weighted median, or a minority report */
    const uint64_t *seqs; /* members' seqs, ascending */
    size_t n_seqs;
} steme__lens_group;

typedef struct steme__lens_result {
    steme__lens_kind kind;       /* the lens asked for */
    steme__lens_kind decided_by; /* whose weights the groups show (layered: the deciding lens
                                  * of the chain, or its first when none decided); else kind */
    bool has_winner;
    size_t winner; /* index into groups when has_winner */
    steme__lens_reason reason;
    const char *reason_text; /* steme__lens_reason_text(reason) */
    double lead;             /* (w1 - w2) / (w1 + w2) of the winner over the strongest other value,
                              * 1 when it has none or the lens is categorical there; 0 without winner */
    double conflict;         /* [0, 1], the same for every lens over the same candidates */
    size_t n_candidates;
    steme__lens_group *groups; /* in the lens's ranking order */
    size_t n_groups;
    const uint64_t *support; /* the winner's seqs (empty without winner) */
    size_t n_support;
    const char *explanation; /* NUL-terminated, < STEME__LENS_MAX_EXPLANATION bytes */
    size_t explanation_len;
    void *mem; /* owns groups, seqs and the explanation */
} steme__lens_result;

/*
 * Run lens p over the n candidates c and write *ret (only on success; free it with
 * steme__lens_result_free). The result's values and norms borrow the candidates' strings: keep
 * them alive while reading it. Deterministic: every internal order is a total order ending in
 * seq, so any order of the same candidates gives the same result (steme__lens_result_encode
 * bytes). No clock, no store, no allocation beyond the result and scratch.
 * Errors: STEME_EINVAL (bad parameters; a candidate with a bad value, tier, confidence,
 * weight, trust or reliability; two candidates with one seq), STEME_ELIMIT (n >
 * STEME__LENS_MAX_CANDIDATES), STEME_ENOMEM.
 */
steme_err steme__lens_run(const steme__lens_params *p, const steme__cand *c, size_t n,
                          steme__lens_result *ret);

/* The same over candidates given by pointer (*c[0..n)), which the query layer passes
 * without copying them out of its rows. */
steme_err steme__lens_run_ptrs(const steme__lens_params *p, const steme__cand *const *c, size_t n,
                               steme__lens_result *ret);

/* Accepts NULL and a result that was never filled (all zero). */
void steme__lens_result_free(steme__lens_result *r);

/*
 * The canonical bytes of a result (layout in docs/lenses.md): what a materialized view stores
 * and what "same result" means. Errors: STEME_ELIMIT (cap too small: see _encoded_len).
 */
size_t steme__lens_result_encoded_len(const steme__lens_result *r);
steme_err steme__lens_result_encode(const steme__lens_result *r, uint8_t *buf, size_t cap,
                                    size_t *ret_len);

#endif
