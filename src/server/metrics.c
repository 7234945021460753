/* SPDX-License-Identifier: MIT */
/*
 * metrics.c -- the server's counters and histograms (metrics.h) and the /metrics page.
 *
 * Every series lives in an array fixed when the server starts: requests by route and status
 * code, durations by route, lens evaluations by lens name, rejections by rule. Recording is a
 * relaxed atomic add, so a request never waits for a metric; rendering reads each number
 * once, so two numbers of one page may be a few requests apart (a histogram's _count is the
 * sum of the bucket counts it read, so +Inf and _count always agree). Labels only take
 * values from fixed sets: the route table, a list of status codes, the seven lenses, and at
 * most RULES distinct rule texts (later ones count as "other"). The store's own numbers
 * (log position, records, quarantine, API keys, materialized views, commit latency) are
 * read from libsteme when the page is rendered. docs/server.md "Metrics" lists every metric.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "render_cache.h"
#include "prom.h"
#include "watch.h"

/* ---- fixed label sets ---------------------------------------------------------------- */

/* Status codes counted as themselves; any other counts as its class ("4xx"), or "other". */
static const unsigned known_codes[] = {
    200, 201, 202, 204, 206, 301, 302, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408,
    409, 410, 411, 412, 413, 414, 415, 416, 422, 429, 431, 500, 501, 502, 503, 504,
};
#define NKNOWN (sizeof(known_codes) / sizeof(known_codes[0]))
static const char *const code_classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
#define NCODES (NKNOWN + 6)

/* The lenses of docs/lenses.md; a layered chain counts as "layered". */
static const char *const lens_names[] = {
    "recency",         "consensus", "vote_consensus", "authority",
    "trust_authority", "skeptic",   "layered",        "other",
};
#define NLENS (sizeof(lens_names) / sizeof(lens_names[0]))

static const char *const ingest_results[] = {"stored", "duplicate", "refused"};

#define RULES    31  /* distinct rule texts kept; the next ones count as "other" */
#define RULE_MAX 128 /* bytes kept of a rule text */

/* ---- histograms ---------------------------------------------------------------------- */

#define NB 16 /* finite buckets; one more counts what is above the last */

/* Durations, nanoseconds: 100 us to 10 s (a query is ~1 ms; an ingest waits for an fsync). */
static const uint64_t dur_le[NB] = {
    100000,   250000,    500000,    1000000,   2500000,    5000000,    10000000,   25000000,
    50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};

/* Records per ingest call. */
static const uint64_t size_le[NB] = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
};

typedef struct hist {
    _Atomic uint64_t b[NB + 1];
    _Atomic uint64_t sum;
} hist;

static void
hist_add(hist *h, const uint64_t *le, uint64_t v)
{
    size_t i = 0;
    while (i < NB && v > le[i])
        i++;
    atomic_fetch_add_explicit(&h->b[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum, v, memory_order_relaxed);
}

/* ---- the metrics --------------------------------------------------------------------- */

struct srv_metrics {
    size_t nroutes; /* entries of srv_routes; slot nroutes is "unmatched" */
    uint64_t started_ns;
    _Atomic uint64_t *requests; /* [(nroutes + 1) * NCODES] */
    hist *request_ns;           /* [nroutes + 1] */

    _Atomic uint64_t ingest_records[3]; /* by ingest_results */
    _Atomic uint64_t ingest_batches;
    hist batch_size;
    hist ingest_ns;

    pthread_mutex_t rules_lock; /* taken only to add a rule text */
    _Atomic size_t nrules;      /* rule_names[0, nrules) are written and never change */
    char rule_names[RULES][RULE_MAX];
    _Atomic uint64_t rejections[RULES + 1]; /* [RULES]: "other" */

    _Atomic uint64_t ratelimited[2]; /* ip, key */
    _Atomic uint64_t body_too_large;
    _Atomic uint64_t auth_refused;

    _Atomic uint64_t lens_evals[NLENS];
    hist lens_ns[NLENS];
    _Atomic uint64_t mv_hits;
    _Atomic uint64_t mv_misses;

    _Atomic uint64_t cascades;
    _Atomic uint64_t cascade_assertions;
};

static uint64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
inc(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t
get(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

srv_metrics *
srv_metrics_new(void)
{
    srv_metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    while (srv_routes[m->nroutes].method)
        m->nroutes++;
    m->requests = calloc((m->nroutes + 1) * NCODES, sizeof(*m->requests));
    m->request_ns = calloc(m->nroutes + 1, sizeof(*m->request_ns));
    if (!m->requests || !m->request_ns) {
        free(m->requests);
        free(m->request_ns);
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->rules_lock, NULL);
    m->started_ns = mono_ns();
    return m;
}

void
srv_metrics_free(srv_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->rules_lock);
    free(m->requests);
    free(m->request_ns);
    free(m);
}

/* ---- recording ----------------------------------------------------------------------- */

static size_t
route_slot(const srv_metrics *m, const srv_route *route)
{
    uintptr_t p = (uintptr_t)route, first = (uintptr_t)srv_routes;
    if (!route || p < first || p >= (uintptr_t)(srv_routes + m->nroutes))
        return m->nroutes;
    return (size_t)(route - srv_routes);
}

static size_t
code_slot(unsigned status)
{
    size_t lo = 0, hi = NKNOWN;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (known_codes[mid] == status)
            return mid;
        if (known_codes[mid] < status)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (status >= 100 && status < 600)
        return NKNOWN + status / 100 - 1;
    return NKNOWN + 5;
}

void
srv_metrics_request(srv_metrics *m, const srv_route *route, unsigned status, uint64_t ns)
{
    if (!m)
        return;
    size_t r = route_slot(m, route);
    inc(&m->requests[r * NCODES + code_slot(status)], 1);
    hist_add(&m->request_ns[r], dur_le, ns);
}

static size_t
lens_slot(const char *lens)
{
    if (!lens)
        return NLENS - 1;
    /* "layered:authority,consensus" and "consensus@1" name their lens before the mark. */
    size_t n = strcspn(lens, ":@,( ");
    for (size_t i = 0; i + 1 < NLENS; i++)
        if (strlen(lens_names[i]) == n && memcmp(lens_names[i], lens, n) == 0)
            return i;
    return NLENS - 1;
}

/* mv_hit: 1 served from a materialized view, 0 computed, negative when the question does not
 * apply (counted in neither). */
void
srv_metrics_lens(srv_metrics *m, const char *lens, uint64_t ns, int mv_hit)
{
    if (!m)
        return;
    size_t l = lens_slot(lens);
    inc(&m->lens_evals[l], 1);
    hist_add(&m->lens_ns[l], dur_le, ns);
    if (mv_hit > 0)
        inc(&m->mv_hits, 1);
    else if (mv_hit == 0)
        inc(&m->mv_misses, 1);
}

void
srv_metrics_ingest(srv_metrics *m, size_t submitted, size_t accepted, size_t duplicates,
                   size_t refused, uint64_t ns)
{
    if (!m)
        return;
    inc(&m->ingest_records[0], accepted);
    inc(&m->ingest_records[1], duplicates);
    inc(&m->ingest_records[2], refused);
    inc(&m->ingest_batches, 1);
    hist_add(&m->batch_size, size_le, submitted);
    hist_add(&m->ingest_ns, dur_le, ns);
}

/* rule cut to RULE_MAX - 1 bytes, not inside a UTF-8 sequence. */
static void
rule_text(char *out, const char *rule)
{
    size_t n = strlen(rule);
    if (n >= RULE_MAX) {
        n = RULE_MAX - 1;
        while (n > 0 && ((unsigned char)rule[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, rule, n);
    out[n] = '\0';
}

static size_t
rule_find(srv_metrics *m, const char *text, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++)
        if (strcmp(m->rule_names[i], text) == 0)
            return i;
    return RULES + 1;
}

void
srv_metrics_rejection(srv_metrics *m, const char *rule)
{
    char text[RULE_MAX];
    size_t n, slot;

    if (!m)
        return;
    rule_text(text, rule && *rule ? rule : "unknown");
    n = atomic_load_explicit(&m->nrules, memory_order_acquire);
    slot = rule_find(m, text, 0, n);
    if (slot > RULES) {
        /* A text not seen yet: add it under the lock (rare: the rules are a small set). */
        pthread_mutex_lock(&m->rules_lock);
        size_t now = atomic_load_explicit(&m->nrules, memory_order_relaxed);
        slot = rule_find(m, text, n, now);
        if (slot > RULES) {
            slot = RULES; /* "other" */
            if (now < RULES) {
                memcpy(m->rule_names[now], text, sizeof(text));
                atomic_store_explicit(&m->nrules, now + 1, memory_order_release);
                slot = now;
            }
        }
        pthread_mutex_unlock(&m->rules_lock);
    }
    inc(&m->rejections[slot], 1);
}

void
srv_metrics_limited(srv_metrics *m, const char *what)
{
    if (!m || !what)
        return;
    if (strcmp(what, "ip") == 0)
        inc(&m->ratelimited[0], 1);
    else if (strcmp(what, "key") == 0)
        inc(&m->ratelimited[1], 1);
    else if (strcmp(what, "body") == 0)
        inc(&m->body_too_large, 1);
    else if (strcmp(what, "auth") == 0)
        inc(&m->auth_refused, 1);
}

void
srv_metrics_cascade(srv_metrics *m, uint64_t touched)
{
    if (!m)
        return;
    inc(&m->cascades, 1);
    inc(&m->cascade_assertions, touched);
}

/* ---- rendering ----------------------------------------------------------------------- */

#define P "stemedb_"

/* One histogram series from atomics; bounds are nanoseconds (unit 1e9: shown in seconds) or
 * plain counts (unit 1). Dividing rounds correctly: 100000 ns shows as 0.0001, not 1.0000e-4
 * plus noise. */
static void
put_hist(srv_prom *p, const char *name, const srv_label *labels, size_t nlabels, hist *h,
         const uint64_t *le, double unit)
{
    uint64_t counts[NB + 1];
    double bounds[NB];
    for (size_t i = 0; i < NB; i++)
        bounds[i] = (double)le[i] / unit;
    for (size_t i = 0; i <= NB; i++)
        counts[i] = get(&h->b[i]);
    srv_prom_histogram(p, name, labels, nlabels, bounds, counts, NB, (double)get(&h->sum) / unit);
}

static uint64_t
hist_total(hist *h)
{
    uint64_t n = 0;
    for (size_t i = 0; i <= NB; i++)
        n += get(&h->b[i]);
    return n;
}

/* A libsteme latency histogram (its last bound is unbounded). */
static void
put_latency(srv_prom *p, const char *name, const steme_latency *l)
{
    double bounds[STEME_LATENCY_BUCKETS - 1];
    for (size_t i = 0; i + 1 < STEME_LATENCY_BUCKETS; i++)
        bounds[i] = (double)l->le_ns[i] / 1e9;
    srv_prom_histogram(p, name, NULL, 0, bounds, l->count, STEME_LATENCY_BUCKETS - 1,
                       (double)l->sum_ns / 1e9);
}

static void
put_requests(srv_prom *p, srv_metrics *m)
{
    char code[8];

    srv_prom_family(p, P "http_requests_total", "counter",
                    "HTTP requests answered, by route name (\"unmatched\" when no route "
                    "matched), method and status code.");
    for (size_t r = 0; r <= m->nroutes; r++) {
        bool matched = r < m->nroutes;
        for (size_t c = 0; c < NCODES; c++) {
            uint64_t n = get(&m->requests[r * NCODES + c]);
            if (n == 0)
                continue;
            if (c < NKNOWN)
                snprintf(code, sizeof(code), "%u", known_codes[c]);
            else
                snprintf(code, sizeof(code), "%s", code_classes[c - NKNOWN]);
            srv_label l[3] = {{"route", matched ? srv_routes[r].name : "unmatched"},
                              {"method", matched ? srv_routes[r].method : "unknown"},
                              {"code", code}};
            srv_prom_u64(p, P "http_requests_total", l, 3, n);
        }
    }
    srv_prom_family(p, P "http_request_duration_seconds", "histogram",
                    "Time from a request's first byte to its answer, by route name.");
    for (size_t r = 0; r <= m->nroutes; r++) {
        if (hist_total(&m->request_ns[r]) == 0)
            continue;
        srv_label l = {"route", r < m->nroutes ? srv_routes[r].name : "unmatched"};
        put_hist(p, P "http_request_duration_seconds", &l, 1, &m->request_ns[r], dur_le, 1e9);
    }
}

static void
put_counter(srv_prom *p, const char *name, const char *help, uint64_t v)
{
    srv_prom_family(p, name, "counter", help);
    srv_prom_u64(p, name, NULL, 0, v);
}

static void
put_gauge(srv_prom *p, const char *name, const char *help, double v)
{
    srv_prom_family(p, name, "gauge", help);
    srv_prom_f64(p, name, NULL, 0, v);
}

static void
put_engine(srv_prom *p, srv_metrics *m)
{
    srv_prom_family(p, P "ingest_records_total", "counter",
                    "Records submitted to ingest, by outcome: stored (new), duplicate (already "
                    "stored), refused.");
    for (size_t i = 0; i < 3; i++) {
        srv_label l = {"result", ingest_results[i]};
        srv_prom_u64(p, P "ingest_records_total", &l, 1, get(&m->ingest_records[i]));
    }
    put_counter(p, P "ingest_batches_total", "Ingest calls (batches).", get(&m->ingest_batches));
    srv_prom_family(p, P "ingest_batch_size", "histogram", "Records per ingest call.");
    put_hist(p, P "ingest_batch_size", NULL, 0, &m->batch_size, size_le, 1.0);
    srv_prom_family(p, P "ingest_duration_seconds", "histogram",
                    "Time of an ingest call: validation, signatures, rules and the durable "
                    "commit.");
    put_hist(p, P "ingest_duration_seconds", NULL, 0, &m->ingest_ns, dur_le, 1e9);

    srv_prom_family(p, P "rejections_total", "counter",
                    "Records refused, by the rule that refused them (\"other\" past the first "
                    "31 distinct rules).");
    size_t nrules = atomic_load_explicit(&m->nrules, memory_order_acquire);
    for (size_t i = 0; i < nrules; i++) {
        srv_label l = {"rule", m->rule_names[i]};
        srv_prom_u64(p, P "rejections_total", &l, 1, get(&m->rejections[i]));
    }
    if (get(&m->rejections[RULES]) > 0) {
        srv_label l = {"rule", "other"};
        srv_prom_u64(p, P "rejections_total", &l, 1, get(&m->rejections[RULES]));
    }

    srv_prom_family(p, P "ratelimited_total", "counter",
                    "Requests refused with 429 by a rate limit, by scope (client address or "
                    "API key).");
    static const char *const scopes[] = {"ip", "key"};
    for (size_t i = 0; i < 2; i++) {
        srv_label l = {"scope", scopes[i]};
        srv_prom_u64(p, P "ratelimited_total", &l, 1, get(&m->ratelimited[i]));
    }
    put_counter(p, P "body_too_large_total",
                "Requests refused with 413: the body exceeded the route's limit.",
                get(&m->body_too_large));
    put_counter(p, P "auth_refused_total",
                "Requests refused for a missing, unknown or revoked API key, or too low "
                "a role.",
                get(&m->auth_refused));

    srv_prom_family(p, P "lens_evaluations_total", "counter",
                    "Lens evaluations (queries, lens comparisons, watch re-evaluations), by "
                    "lens.");
    for (size_t i = 0; i < NLENS; i++) {
        srv_label l = {"lens", lens_names[i]};
        srv_prom_u64(p, P "lens_evaluations_total", &l, 1, get(&m->lens_evals[i]));
    }
    srv_prom_family(p, P "lens_duration_seconds", "histogram",
                    "Time of one lens evaluation, by lens.");
    for (size_t i = 0; i < NLENS; i++) {
        if (hist_total(&m->lens_ns[i]) == 0)
            continue;
        srv_label l = {"lens", lens_names[i]};
        put_hist(p, P "lens_duration_seconds", &l, 1, &m->lens_ns[i], dur_le, 1e9);
    }
    put_counter(p, P "mv_hits_total", "Lens evaluations answered from a materialized view.",
                get(&m->mv_hits));
    put_counter(p, P "mv_misses_total",
                "Lens evaluations computed rather than served from a materialized view "
                "(cacheable or not; see mv_cache_misses_total for the cacheable ones).",
                get(&m->mv_misses));

    put_counter(p, P "cascades_total",
                "Source retraction, reinstatement and epoch cascades run through the API.",
                get(&m->cascades));
    put_counter(p, P "cascade_assertions_total", "Assertions touched by those cascades.",
                get(&m->cascade_assertions));
}

/* What libsteme knows; a family whose numbers cannot be read is left out. */
static void
put_store(srv_prom *p, steme_db *db)
{
    steme_stats st;
    steme_counters c;
    steme_mv_stats mv;
    size_t keys;

    if (steme_db_stats(db, &st) == STEME_OK) {
        put_gauge(p, P "log_position", "The last log position (seq) written.", (double)st.last_seq);
        put_gauge(p, P "records", "Records in the log.", (double)st.records);
        put_gauge(p, P "store_disk_bytes",
                  "Bytes of the store up to its last page written (reusable free pages included).",
                  (double)st.disk_bytes);
        put_gauge(p, P "store_map_bytes", "The store's current LMDB map size, bytes.",
                  (double)st.map_size);
        /* Counted by the store (the queue table's entry count), not by walking the queue:
         * a scrape costs the same however much input sits in quarantine. */
        put_gauge(p, P "quarantine_size", "Assertions awaiting a quarantine decision.",
                  (double)st.quarantine_pending);
    }
    if (steme_db_apikey_count(db, 0, &keys) == STEME_OK)
        put_gauge(p, P "api_keys_active", "API keys that are not revoked.", (double)keys);
    if (steme_db_mv_stats(db, &mv) == STEME_OK) {
        put_counter(p, P "mv_cache_hits_total",
                    "Materialized-view lookups served from the cache, since the store "
                    "was opened.",
                    mv.hits);
        put_counter(p, P "mv_cache_misses_total",
                    "Cacheable queries computed afresh (absent or stale), since open.", mv.misses);
        put_counter(p, P "mv_cache_stale_total",
                    "Of the misses: an entry was there but something it read changed.", mv.stale);
        put_counter(p, P "mv_cache_evictions_total", "Materialized views dropped for room.",
                    mv.evictions);
        put_gauge(p, P "mv_cache_entries", "Materialized views held now.", (double)mv.entries);
        put_gauge(p, P "mv_cache_capacity", "Most materialized views held.", (double)mv.capacity);
    }
    if (steme_db_counters(db, &c) == STEME_OK) {
        put_counter(p, P "commit_groups_total",
                    "Durable write transactions of ingest (group commits: concurrent "
                    "calls share one).",
                    c.commit_groups);
        put_counter(p, P "committed_records_total",
                    "New records made durable by those transactions.", c.committed_records);
        srv_prom_family(p, P "commit_duration_seconds", "histogram",
                        "Time of the LMDB commit of an ingest transaction: page writes and "
                        "the fsyncs that make it durable (the fsync is inside the commit).");
        put_latency(p, P "commit_duration_seconds", &c.commit);
        srv_prom_family(p, P "write_transaction_duration_seconds", "histogram",
                        "Time of a whole ingest write transaction, begin to durable: rules, "
                        "indexes and commit.");
        put_latency(p, P "write_transaction_duration_seconds", &c.transaction);
    }
}

/* The cache of rendered query answers (render_cache.h); absent when it is disabled. */
static void
put_render_cache(srv_prom *p, srv_rcache *c)
{
    srv_rcache_stats st;
    srv_rcache_stats_get(c, &st);
    put_counter(p, P "render_cache_hits_total",
                "Query answers sent from the cache of rendered answers (not built again; "
                "at the latest position, not run again either).",
                st.hits);
    put_counter(p, P "render_cache_misses_total",
                "Query answers rendered because the cache held none for the query at its "
                "position.",
                st.misses);
    put_counter(p, P "render_cache_evictions_total", "Rendered answers dropped for room.",
                st.evictions);
    put_gauge(p, P "render_cache_entries", "Rendered answers held now.", (double)st.entries);
    put_gauge(p, P "render_cache_bytes", "Bytes the rendered answers held now take.",
              (double)st.bytes);
    put_gauge(p, P "render_cache_capacity_bytes",
              "Most bytes of rendered answers held (STEMEDB_RENDER_CACHE_MB).",
              (double)st.capacity);
}

char *
srv_metrics_render(srv_metrics *m, srv *s, size_t *len)
{
    srv_prom p = {0};

    srv_prom_family(&p, P "build_info", "gauge", "Always 1; the version of this server.");
    srv_label v = {"version", STEME_VERSION_STRING};
    srv_prom_u64(&p, P "build_info", &v, 1, 1);
    put_gauge(&p, P "uptime_seconds", "Seconds since the server started.",
              (double)(mono_ns() - m->started_ns) / 1e9);
    /* http.c counts inflight with atomics. */
    put_gauge(&p, P "inflight_requests", "Requests between their first byte and their answer.",
              (double)__atomic_load_n(&s->inflight, __ATOMIC_RELAXED));
    if (s->watch)
        put_gauge(&p, P "watchers", "Open change-feed streams (/v1/watch).",
                  (double)srv_watch_count(s->watch));
    if (s->wpool) {
        unsigned long queued, running;
        srv_wpool_load(s->wpool, &queued, &running);
        put_gauge(&p, P "write_queue", "Write requests waiting for a write pool thread.",
                  (double)queued);
        put_gauge(&p, P "write_running",
                  "Write requests running on the write pool (most wait for their commit).",
                  (double)running);
    }

    put_requests(&p, m);
    put_engine(&p, m);
    if (s->rcache)
        put_render_cache(&p, s->rcache);
    if (s->db)
        put_store(&p, s->db);
    return srv_prom_end(&p, len);
}
