/* SPDX-License-Identifier: MIT */
/*
 * prom.h -- writing the Prometheus text exposition format, version 0.0.4: the HELP and TYPE
 * lines of a family, samples with escaped label values, and histograms (cumulative _bucket
 * lines ending with le="+Inf", then _sum and _count).
 *
 * Pure text: no clock, no server, no atomics, so tests/unit/test_metrics_text.c checks it
 * directly. metrics.c reads its counters and hands the numbers here.
 */
#ifndef STEME_SERVER_PROM_H
#define STEME_SERVER_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The exposition never grows past this (the series are bounded; this only guards mistakes). */
#define SRV_PROM_MAX (8u << 20)

typedef struct srv_label {
    const char *name;  /* a label name: [a-zA-Z_][a-zA-Z0-9_]* */
    const char *value; /* any UTF-8 text; escaped on output */
} srv_label;

/* The text being written. Start from {0}; a failure (out of memory, SRV_PROM_MAX) is sticky
 * and makes srv_prom_end() return NULL. */
typedef struct srv_prom {
    char *buf;
    size_t len;
    size_t cap;
    bool failed;
} srv_prom;

/* "# HELP name help" (help escaped: backslash and newline) and "# TYPE name type", type one
 * of "counter", "gauge", "histogram". Once per family, before its samples. */
void srv_prom_family(srv_prom *p, const char *name, const char *type, const char *help);

/* One sample line: name{labels} value. nlabels may be 0 (labels then may be NULL). */
void srv_prom_u64(srv_prom *p, const char *name, const srv_label *labels, size_t nlabels,
                  uint64_t value);
void srv_prom_f64(srv_prom *p, const char *name, const srv_label *labels, size_t nlabels,
                  double value);

/*
 * The samples of one histogram series: name_bucket{labels, le="..."} for each of the nb finite
 * upper bounds le[] (ascending) and for "+Inf", cumulative, then name_sum and name_count.
 * counts[] has nb + 1 entries, each the observations of one bucket alone (counts[nb]: above
 * the last bound); _count is their total, so it always equals the +Inf bucket.
 */
void srv_prom_histogram(srv_prom *p, const char *name, const srv_label *labels, size_t nlabels,
                        const double *le, const uint64_t *counts, size_t nb, double sum);

/* The text (malloc'ed, NUL-terminated, *len its length), or NULL after a failure (the buffer
 * is freed either way: p is empty again). */
char *srv_prom_end(srv_prom *p, size_t *len);

/* A double as the format writes it: "+Inf", "-Inf", "NaN", else the shortest of %.15g/%.17g
 * that reads back equal. out holds at least 32 bytes. */
void srv_prom_fmt_double(char *out, size_t size, double v);

#endif
