/* SPDX-License-Identifier: MIT */
/*
 * metrics.h -- the server's counters and latency histograms, and their Prometheus text
 * exposition at /metrics (format 0.0.4).
 *
 * Recording is lock-free (relaxed atomics on fixed arrays indexed by route and status class),
 * so a metric never slows a request down; labels come from fixed sets (route names, lens
 * names, rule names), never from what a client sent, so the series count is bounded.
 */
#ifndef STEME_SERVER_METRICS_H
#define STEME_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "srv.h"

srv_metrics *srv_metrics_new(void);
void srv_metrics_free(srv_metrics *m);

/* A finished request: route (NULL when no route matched), HTTP status, total time. */
void srv_metrics_request(srv_metrics *m, const srv_route *route, unsigned status, uint64_t ns);

/* One lens evaluation (a query, a compare-lenses column, a watch re-evaluation). */
void srv_metrics_lens(srv_metrics *m, const char *lens, uint64_t ns, int mv_hit);

/* One ingest call: records submitted, accepted (new), duplicates, refused; its time. */
void srv_metrics_ingest(srv_metrics *m, size_t submitted, size_t accepted, size_t duplicates,
                        size_t refused, uint64_t ns);

/* A refused record by rule (the errinfo rule or the error code's name). */
void srv_metrics_rejection(srv_metrics *m, const char *rule);

/* A request refused by a rate limit (scope "key" or "ip"), by a body limit, or for auth. */
void srv_metrics_limited(srv_metrics *m, const char *what);

/* A source retraction cascade and the assertions it touched. */
void srv_metrics_cascade(srv_metrics *m, uint64_t touched);

/* The exposition text (malloc'ed, *len its length), including gauges read from db now
 * (records, log position, quarantine size, materialized view hits/misses, watchers). */
char *srv_metrics_render(srv_metrics *m, srv *s, size_t *len);

#endif
