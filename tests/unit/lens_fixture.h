/* SPDX-License-Identifier: MIT */
/*
 * lens_fixture.h -- hand-built candidates for the lens tests (test_lens.c, test_lens_random.c):
 * a set of up to 512 candidates with defaults, and running a lens over it.
 */
#ifndef STEME_TESTS_LENS_FIXTURE_H
#define STEME_TESTS_LENS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "lens.h"

#define DAY 86400000LL
#define T0  1577836800000LL /* 2020-01-01T00:00:00Z */

enum {
    REG = STEME_TIER_REGULATORY,
    PEER = STEME_TIER_PEER_REVIEWED,
    PRE = STEME_TIER_PREPRINT,
    EXP = STEME_TIER_EXPERT,
    ANEC = STEME_TIER_ANECDOTAL,
    UNV = STEME_TIER_UNVERIFIED
};

/* The registered weight of each tier, ppm, indexed by steme_tier. */
extern const uint32_t tier_weight[];

typedef struct fix {
    steme__cand c[512];
    size_t n;
} fix;

steme_value num(double x, const char *unit);
steme_value str(const char *s);

/* A candidate with defaults: registered tier weight, full confidence, trust and reliability
 * 0.5, asserted seq days after 2020-01-01. */
steme__cand *add(fix *f, uint64_t seq, int agent, const char *source, int tier, steme_value v);

/* Run a lens over f, failing the test unless it succeeds with a bounded explanation. */
steme__lens_result run_p(const steme__lens_params *p, const fix *f);
steme__lens_result run(steme__lens_kind kind, const fix *f);

/* The canonical bytes of a result (malloc'ed; *len their length). */
uint8_t *encode(const steme__lens_result *r, size_t *len);

/* Every lens kind, the layered chain with its default links. */
extern const steme__lens_kind all_kinds[];
#define N_KINDS 7

#endif
