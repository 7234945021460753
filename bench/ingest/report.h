/* SPDX-License-Identifier: MIT */
/*
 * report.h -- what bench_ingest measured, and its two presentations: a table for people and a
 * JSON object for scripts that track the figures over time. The targets live here so that both
 * presentations judge them the same way.
 */
#ifndef BENCH_INGEST_REPORT_H
#define BENCH_INGEST_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "steme.h"
#include "workload.h"

#define TARGET_RATIO  0.75 /* ingest records/s over verifications/s on all cores */
#define TARGET_P99_NS 5000 /* get by id */

typedef struct latency {
    size_t n;
    uint64_t p50, p90, p99, p999, max; /* ns */
} latency;

typedef struct figures {
    unsigned cores;
    double load;      /* 1-minute load average at the start: other work skews every figure */
    unsigned threads; /* submitting threads */
    size_t batch;     /* records per steme_db_ingest call */
    double gen_seconds;
    uint64_t verifications;
    double verify_per_s;
    double ingest_seconds;
    double ingest_per_s;
    double ingest_cpu; /* CPU seconds of the whole process per wall second while ingesting */
    latency calls;     /* steme_db_ingest call durations */
    steme_stats stats;
    uint64_t data_mdb_bytes;
    uint64_t data_mdb_alloc; /* blocks actually allocated (data.mdb may be sparse) */
    latency get_ns;
} figures;

/* Sort v ascending. */
void sort_u64(uint64_t *v, size_t n);

/* Nearest-rank percentiles of v (n may be 0); sorts v in place. */
latency percentiles(uint64_t *v, size_t n);

void report_text(const workload *w, const figures *f);
void report_json(const workload *w, const figures *f);

#endif
