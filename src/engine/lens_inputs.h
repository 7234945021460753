/* SPDX-License-Identifier: MIT */
/*
 * lens_inputs.h -- the db's cache of what a lens reads besides the candidates themselves:
 * each cited source's tier, weight and reliability, and each author's trust (docs/lenses.md
 * "Queries"). A fresh query over 100 candidates citing 100 sources would otherwise pay 200
 * B-tree descents, each a cache miss at a million records.
 *
 * The cache is exact by the same argument as the materialized views (stamps.c): every change
 * to a source's tier or weight stamps 's', every change to a source's reliability or an
 * agent's trust stamps 't', in the transaction that makes it. The cache holds values read in
 * a snapshot whose stamps were (s, t) and serves only a snapshot with exactly those stamps --
 * and, for trust, a query position at or after t, since trust is read as of the position. A
 * reader with newer stamps empties it and fills it again; one with older stamps passes it by.
 * It is never used inside a dry run (what-ifs), whose changes are not stamped.
 */
#ifndef STEME_ENGINE_LENS_INPUTS_H
#define STEME_ENGINE_LENS_INPUTS_H

#include <stdbool.h>
#include <stdint.h>

#include "steme.h"

typedef struct steme__linputs steme__linputs;

/* The stamps a snapshot's reads are valid for. */
typedef struct steme__lstamps {
    uint64_t source; /* 's' */
    uint64_t trust;  /* 't' */
} steme__lstamps;

#define STEME__LINPUTS_MAX 65536 /* entries per kind; a full cache reads the store again */

steme_err steme__linputs_new(steme__linputs **ret);
void steme__linputs_free(steme__linputs *c); /* accepts NULL */

/* Gets run between read_begin and read_end (one read lock for a query's candidates); puts take
 * the write lock themselves, so never call one inside a read session. */
void steme__linputs_read_begin(steme__linputs *c);
void steme__linputs_read_end(steme__linputs *c);

/* Source id's attributes read at stamps st, if the cache holds them. */
bool steme__linputs_source_get(steme__linputs *c, const steme__lstamps *st, steme_str id,
                               steme_tier *tier, uint32_t *weight, double *reliability);
void steme__linputs_source_put(steme__linputs *c, const steme__lstamps *st, steme_str id,
                               steme_tier tier, uint32_t weight, double reliability);

/* Agent's trust at a position >= st->trust, if the cache holds it. */
bool steme__linputs_trust_get(steme__linputs *c, const steme__lstamps *st,
                              const steme_pubkey *agent, double *trust);
void steme__linputs_trust_put(steme__linputs *c, const steme__lstamps *st,
                              const steme_pubkey *agent, double trust);

#endif
