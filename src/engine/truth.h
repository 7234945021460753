/* SPDX-License-Identifier: MIT */
/*
 * truth.h -- unsupervised truth discovery: how reliable each source is, learned from how its
 * claims agree with everyone else's across all keys, without any gold answer (docs/truth.md).
 *
 * The method is TruthFinder (Yin, Han and Yu, KDD 2007) with its implication between values of
 * one key, parameters fixed a priori from the paper. It is a pure, deterministic function of a
 * table of claims (key, source, value, confidence): no store, no clock, no I/O. The input is
 * sorted into a total order first, so any permutation of the same claims gives bit-identical
 * output. Memory is O(claims + sources + values); time O(iterations x (claims + sum over keys
 * of values^2)).
 *
 * Its output feeds the lenses (docs/lenses.md): a source's `weight` is its TruthFinder vote
 * scaled into [0, 1], which makes trust_authority's linear sum TruthFinder's own score of a
 * value (before implication).
 */
#ifndef STEME_ENGINE_TRUTH_H
#define STEME_ENGINE_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steme.h"

/* At most this many claims, sources or values per run (STEME_ELIMIT beyond): indices are
 * uint32_t and every array is sized by these counts. */
#define STEME__TRUTH_MAX_CLAIMS 100000000u

/* One claim: source `source` says that key `key` has value `value`. Value indices are global
 * (one value belongs to exactly one key); the caller groups equal values of a key into one
 * index, as the lenses group them. */
typedef struct steme__truth_claim {
    uint32_t key;
    uint32_t source;
    uint32_t value;
    uint32_t confidence; /* ppm, 0..STEME_CONFIDENCE_ONE: scales the claim's vote */
} steme__truth_claim;

/*
 * Implication between two values of one key, in [-1, 1]: how much a claim of `from` supports
 * (> 0) or contradicts (< 0) `to` (Yin et al.'s imp(f1 -> f2)). Must be a deterministic
 * function of its arguments; called only for from != to of the same key. A result outside
 * [-1, 1] or not finite is clamped into it (NaN is 0).
 */
typedef double (*steme__truth_imp_fn)(uint32_t from, uint32_t to, void *ctx);

typedef struct steme__truth_params {
    double initial_trust;    /* t0 = 0.9 */
    double dampening;        /* gamma = 0.3 */
    double rho;              /* weight of implication, 0.5 (0 disables it) */
    double trust_cap;        /* t is capped at 1 - 1e-6 so that -ln(1 - t) stays finite */
    unsigned max_iterations; /* 20 */
    double tolerance;        /* stop when no source's trust moves by more (1e-9) */
    steme__truth_imp_fn imp; /* NULL: no implication (every imp is 0) */
    void *imp_ctx;
} steme__truth_params;

/* The defaults above (docs/truth.md says where each comes from). */
void steme__truth_params_init(steme__truth_params *p);

typedef struct steme__truth_out {
    /* Per source (n_sources): trustworthiness t(w) in [0, 1], the mean confidence of its
     * claims; a source without claims keeps t0. */
    double *reliability;
    /* Per source: its vote tau(w) = -ln(1 - t(w)) divided by the vote at trust_cap, in
     * [0, 1]; what trust_authority should multiply in (docs/truth.md). */
    double *weight;
    /* Per value (n_values): confidence s(f) in (0, 1); 0 for an index no claim uses. */
    double *confidence;
    unsigned iterations; /* iterations run */
    bool converged;      /* stopped on the tolerance, not on max_iterations */
} steme__truth_out;

/*
 * Estimate source reliability and value confidence from the n claims c. The caller provides
 * out->reliability and out->weight (n_sources doubles each) and out->confidence (n_values);
 * they and out's other fields are written only on success. Repeated (key, source, value)
 * claims count once, at their highest confidence.
 * Errors: STEME_EINVAL (p out of range: initial_trust, trust_cap in (0, 1), dampening > 0,
 * rho >= 0, tolerance >= 0; a claim with source >= n_sources, value >= n_values, confidence
 * above 10^6, or a value claimed under two keys), STEME_ELIMIT (a count above
 * STEME__TRUTH_MAX_CLAIMS), STEME_ENOMEM.
 */
steme_err steme__truth_run(const steme__truth_params *p, const steme__truth_claim *c, size_t n,
                           size_t n_sources, size_t n_values, steme__truth_out *out);

#endif
