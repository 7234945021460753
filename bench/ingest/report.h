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
#define DRIFT_WARN    0.10 /* bound before vs after: beyond this the machine changed speed */

typedef struct latency {
    size_t n;
    uint64_t p50, p90, p99, p999, max; /* ns */
    long faults; /* minor page faults of the process meanwhile (lookups only) */
} latency;

typedef struct figures {
    unsigned cores;
    double load;      /* 1-minute load average at the start: other work skews every figure */
    unsigned threads; /* submitting threads */
    size_t batch;     /* records per steme_db_ingest call */
    double gen_seconds;
    double verify_before; /* verifications/s on all cores, measured before the ingest */
    double verify_after;  /* ... and again after it: the two bracket the ingest */
    double verify_per_s;  /* their mean: the bound the ratio is taken against */
    double ingest_seconds;
    double ingest_per_s;
    double ingest_cpu;       /* cores this process kept busy while ingesting (CPU s per s) */
    double ingest_other_cpu; /* cores other processes kept busy meanwhile */
    double ingest_iowait;    /* cores idle waiting for I/O meanwhile */
    uint64_t ingest_written; /* bytes the ingest wrote to storage (/proc/self/io) */
    latency calls;           /* steme_db_ingest call durations */
    steme_counters counters; /* the store's write transactions (steme_db_counters) */
    steme_stats stats;
    uint64_t data_mdb_bytes;
    uint64_t data_mdb_alloc; /* blocks actually allocated (data.mdb may be sparse) */
    /* The store is closed after the ingest and reopened for the lookups. */
    latency get_first; /* first pass: pages of the fresh mapping are touched for the first time */
    latency get_warm;  /* second pass over the same ids */
    double populate_open_s; /* steme_db_open with populate = true (the whole map populated) */
    latency get_populated;  /* first pass after that open */
} figures;

/* Sort v ascending. */
void sort_u64(uint64_t *v, size_t n);

/* Nearest-rank percentiles of v (n may be 0); sorts v in place. */
latency percentiles(uint64_t *v, size_t n);

void report_text(const workload *w, const figures *f);
void report_json(const workload *w, const figures *f);

#endif
