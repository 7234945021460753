/* SPDX-License-Identifier: MIT */
/*
 * report.c -- percentiles and the two presentations of bench_ingest's figures (report.h).
 */
#include "report.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void
sort_u64(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_u64);
}

/* The nearest-rank p-quantile of n sorted values. */
static uint64_t
rank(const uint64_t *sorted, size_t n, double p)
{
    size_t r = (size_t)ceil(p * (double)n);

    return sorted[r > 0 ? r - 1 : 0];
}

latency
percentiles(uint64_t *v, size_t n)
{
    latency l = {.n = n};

    if (n == 0)
        return l;
    sort_u64(v, n);
    l.p50 = rank(v, n, 0.50);
    l.p90 = rank(v, n, 0.90);
    l.p99 = rank(v, n, 0.99);
    l.p999 = rank(v, n, 0.999);
    l.max = v[n - 1];
    return l;
}

static const char *
verdict(bool met)
{
    return met ? "met" : "MISSED";
}

static double
drift(const figures *f)
{
    return fabs(f->verify_after - f->verify_before) / f->verify_per_s;
}

static void
text_latency(const char *name, const latency *l)
{
    if (l->n == 0)
        return;
    printf("  %-22s p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f us (%zu calls, %ld page"
           " faults; target p99 <= %d us: %s)\n",
           name, (double)l->p50 / 1e3, (double)l->p90 / 1e3, (double)l->p99 / 1e3,
           (double)l->p999 / 1e3, (double)l->max / 1e3, l->n, l->faults, TARGET_P99_NS / 1000,
           verdict(l->p99 <= TARGET_P99_NS));
}

void
report_text(const workload *w, const figures *f)
{
    double n = (double)w->n, ratio = f->ingest_per_s / f->verify_per_s;

    printf("bench_ingest: %zu records, %.1f canonical bytes on average (max %zu), %.1f%% derived,"
           " %.1f%% qualified\n",
           w->n, (double)w->bytes / n, w->max_len, 100.0 * (double)w->n_derived / n,
           100.0 * (double)w->n_qualified / n);
    printf("  %-22s %u submitting threads x %zu records per call, %u cores\n", "setup", f->threads,
           f->batch, f->cores);
    printf("  %-22s %.2f (1-minute load average at the start)\n", "machine load", f->load);
    printf("  %-22s %.1f s (not timed)\n", "generation", f->gen_seconds);
    printf("  %-22s %.0f verifications/s on %u threads (before %.0f, after %.0f)\n",
           "verification bound", f->verify_per_s, f->cores, f->verify_before, f->verify_after);
    if (drift(f) > DRIFT_WARN)
        printf("  %-22s the bound moved by %.0f%% during the run: the machine is not quiet, the"
               " ratio is unreliable\n",
               "WARNING", 100.0 * drift(f));
    printf("  %-22s %.0f records/s (%.2f s wall)\n", "ingest", f->ingest_per_s, f->ingest_seconds);
    printf("  %-22s %.2f busy here, %.2f busy in other processes, %.2f in iowait (of %u)\n",
           "cores while ingesting", f->ingest_cpu, f->ingest_other_cpu, f->ingest_iowait, f->cores);
    if (f->ingest_written > 0)
        printf("  %-22s %.1f MiB = %.1f KiB/record (whole device)\n", "written to disk",
               (double)f->ingest_written / 1048576.0, (double)f->ingest_written / 1024.0 / n);
    printf("  %-22s p50 %.1f  p99 %.1f  max %.1f ms (%zu calls)\n", "ingest call",
           (double)f->calls.p50 / 1e6, (double)f->calls.p99 / 1e6, (double)f->calls.max / 1e6,
           f->calls.n);
    if (f->counters.commit_groups > 0 && f->counters.committed_records > 0) {
        double recs = (double)f->counters.committed_records;
        printf("  %-22s %llu, %.0f records each; per record %.1f us in the transaction, %.1f us"
               " of it committing\n",
               "write transactions", (unsigned long long)f->counters.commit_groups,
               recs / (double)f->counters.commit_groups,
               (double)f->counters.transaction.sum_ns / recs / 1e3,
               (double)f->counters.commit.sum_ns / recs / 1e3);
    }
    printf("  %-22s %.3f (target >= %.2f: %s)\n", "ingest / bound", ratio, TARGET_RATIO,
           verdict(ratio >= TARGET_RATIO));
    printf("  %-22s %.1f MiB = %.0f B/record (%.1f MiB allocated)\n", "data.mdb",
           (double)f->data_mdb_bytes / 1048576.0, (double)f->data_mdb_bytes / n,
           (double)f->data_mdb_alloc / 1048576.0);
    printf("  %-22s %.1f MiB = %.0f B/record\n", "to the last page",
           (double)f->stats.disk_bytes / 1048576.0, (double)f->stats.disk_bytes / n);
    printf("  %-22s %.1f MiB\n", "LMDB map size", (double)f->stats.map_size / 1048576.0);
    text_latency("get by id, 1st pass", &f->get_first);
    text_latency("get by id, 2nd pass", &f->get_warm);
    printf("  %-22s %.3f s (steme_db_open with populate, map populated)\n", "populated open",
           f->populate_open_s);
    text_latency("get, populated 1st", &f->get_populated);
}

static void
json_latency(const char *name, const latency *l)
{
    printf("  \"%s\": {\"count\": %zu, \"p50\": %llu, \"p90\": %llu, \"p99\": %llu, "
           "\"p99_9\": %llu, \"max\": %llu, \"page_faults\": %ld, \"p99_met\": %s},\n",
           name, l->n, (unsigned long long)l->p50, (unsigned long long)l->p90,
           (unsigned long long)l->p99, (unsigned long long)l->p999, (unsigned long long)l->max,
           l->faults, l->n > 0 && l->p99 <= TARGET_P99_NS ? "true" : "false");
}

void
report_json(const workload *w, const figures *f)
{
    double n = (double)w->n, ratio = f->ingest_per_s / f->verify_per_s;

    printf("{\n");
    printf("  \"records\": %zu,\n  \"threads\": %u,\n  \"batch\": %zu,\n  \"cores\": %u,\n", w->n,
           f->threads, f->batch, f->cores);
    printf("  \"avg_record_bytes\": %.1f,\n  \"max_record_bytes\": %zu,\n", (double)w->bytes / n,
           w->max_len);
    printf("  \"derived\": %zu,\n  \"qualified\": %zu,\n", w->n_derived, w->n_qualified);
    printf("  \"load_at_start\": %.2f,\n", f->load);
    printf("  \"generation_s\": %.3f,\n", f->gen_seconds);
    printf("  \"verify_bound_per_s\": %.1f,\n  \"verify_before_per_s\": %.1f,\n"
           "  \"verify_after_per_s\": %.1f,\n",
           f->verify_per_s, f->verify_before, f->verify_after);
    printf("  \"ingest_s\": %.3f,\n  \"ingest_per_s\": %.1f,\n  \"ingest_cores_busy\": %.2f,\n"
           "  \"ingest_other_cores_busy\": %.2f,\n  \"ingest_cores_iowait\": %.2f,\n",
           f->ingest_seconds, f->ingest_per_s, f->ingest_cpu, f->ingest_other_cpu,
           f->ingest_iowait);
    printf("  \"ingest_written_bytes\": %llu,\n", (unsigned long long)f->ingest_written);
    json_latency("ingest_call_ns", &f->calls);
    printf("  \"write_transactions\": %llu,\n  \"transaction_ns_sum\": %llu,\n"
           "  \"commit_ns_sum\": %llu,\n",
           (unsigned long long)f->counters.commit_groups,
           (unsigned long long)f->counters.transaction.sum_ns,
           (unsigned long long)f->counters.commit.sum_ns);
    printf("  \"ratio\": %.4f,\n  \"ratio_target\": %.2f,\n  \"ratio_met\": %s,\n", ratio,
           TARGET_RATIO, ratio >= TARGET_RATIO ? "true" : "false");
    printf("  \"data_mdb_bytes\": %llu,\n  \"data_mdb_allocated_bytes\": %llu,\n",
           (unsigned long long)f->data_mdb_bytes, (unsigned long long)f->data_mdb_alloc);
    printf("  \"data_mdb_bytes_per_record\": %.1f,\n", (double)f->data_mdb_bytes / n);
    printf("  \"pages_in_use_bytes\": %llu,\n  \"pages_in_use_bytes_per_record\": %.1f,\n",
           (unsigned long long)f->stats.disk_bytes, (double)f->stats.disk_bytes / n);
    json_latency("get_by_id_first_ns", &f->get_first);
    json_latency("get_by_id_warm_ns", &f->get_warm);
    printf("  \"populate_open_s\": %.4f,\n", f->populate_open_s);
    json_latency("get_by_id_populated_first_ns", &f->get_populated);
    printf("  \"get_p99_target_ns\": %d,\n", TARGET_P99_NS);
    printf("  \"map_size\": %llu\n", (unsigned long long)f->stats.map_size);
    printf("}\n");
}
