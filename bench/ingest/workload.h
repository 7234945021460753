/* SPDX-License-Identifier: MIT */
/*
 * workload.h -- the synthetic data set bench_ingest writes: N signed assertions shaped like the
 * pharmacovigilance claims StemeDB is built for (docs/benchmarks.md, "bench/ingest").
 *
 * Every record is a pure function of its index, so two runs with the same N produce the same
 * bytes, ids and signatures whatever the number of generating threads.
 */
#ifndef BENCH_INGEST_WORKLOAD_H
#define BENCH_INGEST_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "steme.h"

#define WORKLOAD_AGENTS     1000
#define WORKLOAD_SUBJECTS   50000
#define WORKLOAD_PREDICATES 200
#define WORKLOAD_SOURCES    500

typedef struct workload_arena workload_arena;

typedef struct workload {
    size_t n;
    steme_signed *recs; /* n records; bytes point into the arenas */
    steme_id *ids;      /* ids[i] is the id of recs[i] */
    uint16_t *author;   /* author[i] indexes agents[] */
    steme_pubkey agents[WORKLOAD_AGENTS];
    uint64_t bytes;     /* sum of the canonical lengths */
    size_t max_len;     /* longest canonical encoding */
    size_t n_derived;   /* records with a derived_from link */
    size_t n_qualified; /* records with qualifiers */
    workload_arena *arenas;
    unsigned n_arenas;
} workload;

/*
 * Generate n signed assertions into *w with threads threads (>= 1). A record derived from an
 * earlier one names a parent at least derive_gap (>= 1) positions before it, so that with
 * batches submitted roughly in order the parent is already stored when its child arrives.
 * On failure nothing needs freeing; ei says which field was refused when the error is
 * STEME_EINVAL. Errors: STEME_ENOMEM, and any error of steme_record_sign().
 */
steme_err workload_generate(workload *w, size_t n, size_t derive_gap, unsigned threads,
                            steme_errinfo *ei);

/* The same with a salt: salt 0 is workload_generate(); any other salt gives a different data set
 * of the same shape (other agent keys, other draws), e.g. fresh records for a store that
 * already holds the standard set. */
steme_err workload_generate_salted(workload *w, size_t n, size_t derive_gap, unsigned threads,
                                   uint64_t salt, steme_errinfo *ei);

/* A 64-bit mixing function (splitmix64's finalizer): cheap deterministic pseudo-randomness for
 * the benchmark's own choices, such as which ids to look up. */
uint64_t workload_mix(uint64_t x);

/* Frees what workload_generate() allocated; accepts a zeroed workload. */
void workload_free(workload *w);

#endif
