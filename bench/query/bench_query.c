/* SPDX-License-Identifier: MIT */
/*
 * bench_query.c -- lens read latency at 1,000,000 signed assertions (issue 4: "materialized
 * lens read p99 <= 5 us in-process; fresh lens over 100 candidates p99 <= 100 us"), measured
 * beside its bound in the same run: the raw scan of a key's 100 index entries, and that scan
 * plus fetching the 100 primary records behind it, so that the figures read as ratios.
 *
 * The store: 1% of the (subject, predicate) keys are hot and hold exactly 100 candidates each,
 * spread over the whole log; the other keys hold the rest with a skewed (quadratic) draw, so a
 * few cold keys are large and most are small. Records are a pure function of their index.
 * Single-threaded, in-process, through steme_db_query; the bound goes through the store's
 * internal read functions (store.h), which is why this benchmark includes engine.h.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "steme.h"
#include "cand_rows.h"
#include "crypto.h"
#include "store.h"

#define HOT_CANDS       100
#define AGENTS          64
#define SOURCES         200
#define RECORD_CAP      1024
#define BATCH           10000
#define TARGET_MV_US    5.0
#define TARGET_FRESH_US 100.0

typedef struct options {
    size_t records;
    size_t iters; /* timed queries per measurement */
    const char *dir;
    bool keep;
    bool json;
    bool no_populate;
} options;

typedef struct rec {
    uint8_t bytes[RECORD_CAP];
    size_t len;
    steme_sig sig;
} rec;

typedef struct stats {
    const char *name;
    size_t n;
    double p50, p90, p99, p999, mean;
} stats;

static steme_keypair *agents[AGENTS];
static steme_pubkey agent_pk[AGENTS];

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: bench_query [options]\n"
            "\n"
            "Measures lens read latency, single-threaded and in-process, over a store of N\n"
            "signed assertions of which 1%% of the keys are hot with exactly %d candidates:\n"
            "  mv            steme_db_query of hot keys served from the materialized views\n"
            "                (consensus, cache warm; target p99 <= %.0f us);\n"
            "  fresh         no_cache queries of hot keys, consensus and trust_authority\n"
            "                (target p99 <= %.0f us);\n"
            "  index scan    the raw scan of the key's %d index entries (no record read);\n"
            "  scan+fetch    the same scan, then fetching and decoding the %d records.\n"
            "\n"
            "options:\n"
            "  --records N   assertions in the store (default 1000000)\n"
            "  --iters K     timed queries per measurement (default 20000)\n"
            "  --dir DIR     store directory: reused when it holds a store built by this\n"
            "                benchmark with the same N, else built there\n"
            "  --keep        keep the store (default: a fresh directory, removed after)\n"
            "  --no-populate open the store without steme_db_options.populate (stemedb\n"
            "                opens with it: every used page mapped before the first read)\n"
            "  --quick       smoke run: 20000 assertions, 2000 queries\n"
            "  --json        print the figures as one JSON object\n"
            "  --help        this text\n"
            "\n"
            "Exit status: 0 when every step succeeded (a missed target is reported, not\n"
            "failed), 1 on any error, 2 on bad usage.\n",
            HOT_CANDS, TARGET_MV_US, TARGET_FRESH_US, HOT_CANDS, HOT_CANDS);
}

static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static stats
summarize(const char *name, double *v, size_t n)
{
    stats s = {.name = name, .n = n};
    double sum = 0;

    qsort(v, n, sizeof(*v), dcmp);
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    s.mean = sum / (double)n;
    s.p50 = v[n * 50 / 100];
    s.p90 = v[n * 90 / 100];
    s.p99 = v[n * 99 / 100];
    s.p999 = v[n * 999 / 1000];
    return s;
}

/* Keys: hot key h < n_hot is ("drug:hot:h", "adverse_event.myalgia.incidence"); cold key c is
 * ("drug:c/PRED", "adverse_event.(c%PRED).incidence"). */
#define COLD_PREDICATES 40

static void
hot_key(size_t h, char *subj, size_t sl, char *pred, size_t pl)
{
    snprintf(subj, sl, "drug:hot:%06zu", h);
    snprintf(pred, pl, "adverse_event.myalgia.incidence");
}

static uint64_t
mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static size_t
n_hot_keys(size_t records)
{
    size_t h = records / 1000;
    return h > 0 ? h : 1;
}

/* Record i of the store. Every tenth record belongs to a hot key, round robin, so a hot key's
 * 100 candidates are spread over the log as real claims would be. */
static steme_err
make_record(size_t i, size_t records, int64_t t0, rec *out)
{
    size_t n_hot = n_hot_keys(records);
    size_t n_cold = n_hot * 99;
    uint64_t r = mix(i);
    char subj[64], pred[64], src[64], unit[8] = "%";
    steme_record record;
    steme_assertion *a = &record.assertion;
    steme_errinfo ei;
    steme_id id;
    unsigned ag = (unsigned)(r % AGENTS);

    memset(&record, 0, sizeof(record));
    record.kind = STEME_RECORD_ASSERTION;
    if (i % 10 == 0 && i / 10 < n_hot * HOT_CANDS) {
        hot_key((i / 10) % n_hot, subj, sizeof(subj), pred, sizeof(pred));
        /* A few competing values, one usually ahead. */
        static const double vals[] = {0.02, 0.02, 0.02, 0.021, 0.12, 0.12, 0.05, 0.002};
        a->object.type = STEME_VALUE_NUMBER;
        a->object.number = vals[(r >> 8) % 8];
        a->object.unit = steme_str_c(unit);
    } else {
        double u = (double)((r >> 11) % 1000000) / 1e6;
        size_t c = (size_t)((double)n_cold * u * u);
        snprintf(subj, sizeof(subj), "drug:%06zu", c / COLD_PREDICATES);
        snprintf(pred, sizeof(pred), "adverse_event.e%02zu.incidence", c % COLD_PREDICATES);
        a->object.type = STEME_VALUE_NUMBER;
        a->object.number = (double)((r >> 20) % 50) / 1000.0;
        a->object.unit = steme_str_c(unit);
    }
    snprintf(src, sizeof(src), "src:bench:%03u", (unsigned)((r >> 32) % SOURCES));
    a->agent = agent_pk[ag];
    a->asserted_at = t0 + (int64_t)i;
    a->subject = steme_str_c(subj);
    a->predicate = steme_str_c(pred);
    a->confidence = 500000 + (uint32_t)((r >> 40) % 500001);
    a->source = steme_str_c(src);
    if ((r >> 50) % 8 == 0) {
        a->has_valid_from = true;
        a->valid_from = t0 - 86400000LL * (int64_t)((r >> 53) % 365);
    }
    return steme_record_sign(&record, agents[ag], out->bytes, RECORD_CAP, &out->len, &id, &out->sig,
                             &ei);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static steme_err
build(steme_db *db, size_t records)
{
    rec *batch = malloc(BATCH * sizeof(*batch));
    steme_signed *sg = malloc(BATCH * sizeof(*sg));
    steme_ingest_result *res = malloc(BATCH * sizeof(*res));
    int64_t t0 = (int64_t)time(NULL) * 1000 - (int64_t)records - 1000;
    double start = now_us();
    steme_err err = STEME_OK;

    if (batch == NULL || sg == NULL || res == NULL) {
        err = STEME_ENOMEM;
        goto out_free;
    }
    for (size_t i = 0; i < records;) {
        size_t n = records - i < BATCH ? records - i : BATCH;
        for (size_t k = 0; k < n; k++) {
            if ((err = make_record(i + k, records, t0, &batch[k])) != STEME_OK)
                goto out_free;
            sg[k] = (steme_signed){batch[k].bytes, batch[k].len, batch[k].sig};
        }
        if ((err = steme_db_ingest(db, sg, n, res, STEME_INGEST_ATOMIC)) != STEME_OK)
            goto out_free;
        i += n;
        fprintf(stderr, "\rbuild: %zu / %zu (%.0f s)", i, records, (now_us() - start) / 1e6);
    }
    fprintf(stderr, "\n");
out_free:
    free(batch);
    free(sg);
    free(res);
    return err;
}

/* Time iters queries of hot keys (round robin from a mixed order) with q as the template. */
static steme_err
time_queries(steme_db *db, const steme_query *tmpl, size_t n_hot, size_t iters, double *lat,
             size_t *ret_cands)
{
    char subj[64], pred[64];
    steme_query q = *tmpl;
    steme_errinfo ei;
    steme_result *r;
    steme_err err;

    *ret_cands = 0;
    for (size_t i = 0; i < iters; i++) {
        size_t h = (size_t)(mix(i * 7919 + 1) % n_hot);
        hot_key(h, subj, sizeof(subj), pred, sizeof(pred));
        q.subject = steme_str_c(subj);
        q.predicate = steme_str_c(pred);
        double t = now_us();
        err = steme_db_query(db, &q, &r, &ei);
        lat[i] = now_us() - t;
        if (err != STEME_OK) {
            fprintf(stderr, "query: %s (%s: %s)\n", steme_strerror(err), ei.field, ei.rule);
            return err;
        }
        const steme_answer *a = steme_result_answer(r, 0);
        *ret_cands +=
            a->n_candidates + a->excluded_stage + a->excluded_valid_time + a->excluded_filter;
        steme_result_free(r);
    }
    *ret_cands /= iters;
    return STEME_OK;
}

static int
count_rows(const steme__val *key, const steme__val *rows, void *ctx)
{
    size_t *n = ctx;
    const uint8_t *p = rows->p;
    (void)key;
    /* Touch every row's first byte, as a reader of the rows would. */
    for (size_t off = 0; off < rows->n; off += STEME__CAND_ROW)
        *n += p[off] != 0xff ? 1 : 2;
    return 0;
}

/* The machine's own noise: a fixed computation that takes about target_us, timed iters times
 * like the queries. Its tail is what the VM adds to any work of that length (interrupts, the
 * host); a fresh query's p99 reads against it. */
static void
time_noise(double target_us, size_t iters, double *lat)
{
    volatile uint64_t sink = 0;
    uint64_t x = 1, steps = 1000;

    /* Calibrate: the fastest of a few runs of a fixed number of steps gives the time a step
     * takes when nothing interrupts it. */
    double best = 0;
    for (int round = 0; round < 16; round++) {
        double t = now_us();
        for (uint64_t k = 0; k < steps * 100; k++)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double took = now_us() - t;
        if (round == 0 || took < best)
            best = took;
    }
    steps = best > 0 ? (uint64_t)(target_us * (double)steps * 100 / best) + 1 : steps;
    for (size_t i = 0; i < iters; i++) {
        double t = now_us();
        for (uint64_t k = 0; k < steps; k++)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        lat[i] = now_us() - t;
    }
    sink = x;
    (void)sink;
}

/* What the bounds read of a hot key, in a fresh snapshot per key as a query takes. */
typedef enum bound_kind {
    BOUND_INDEX, /* its index entries (subject_predicate) */
    BOUND_FETCH, /* the same, and fetch and decode each record */
    BOUND_ROWS,  /* its packed lens rows (cand_rows.c), each row's first byte touched */
} bound_kind;

static steme_err
time_bound(steme_db *db, size_t n_hot, size_t iters, bound_kind kind, double *lat, size_t *ret_n)
{
    char subj[64], pred[64];
    uint64_t seqs[4 * HOT_CANDS];
    uint8_t prefix[16];
    steme_list_options lo;
    steme__snap *snap;
    steme_entry e;
    size_t n = 0;
    steme_err err;

    for (size_t i = 0; i < iters; i++) {
        size_t h = (size_t)(mix(i * 7919 + 1) % n_hot);
        hot_key(h, subj, sizeof(subj), pred, sizeof(pred));
        memset(&lo, 0, sizeof(lo));
        lo.index = STEME_INDEX_SUBJECT_PREDICATE;
        lo.subject = steme_str_c(subj);
        lo.predicate = steme_str_c(pred);
        steme__hash64(subj, strlen(subj), prefix);
        steme__hash64(pred, strlen(pred), prefix + 8);
        n = 0;
        double t = now_us();
        if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
            return err;
        if (kind == BOUND_ROWS)
            err = steme__tscan_fixed(steme__snap_txn(snap), STEME__T_CAND, prefix, sizeof(prefix),
                                     count_rows, &n);
        else
            err = steme__txn_index_seqs(steme__snap_txn(snap), &lo, seqs, 4 * HOT_CANDS, &n);
        for (size_t k = 0; kind == BOUND_FETCH && err == STEME_OK && k < n; k++)
            err = steme__snap_get_seq(snap, seqs[k], &e);
        steme__snap_end(snap);
        lat[i] = now_us() - t;
        if (err != STEME_OK)
            return err;
    }
    *ret_n = n;
    return STEME_OK;
}

static void
print_row(const stats *s, const char *target, bool json, bool last)
{
    if (json)
        printf("    {\"name\": \"%s\", \"n\": %zu, \"p50_us\": %.2f, \"p90_us\": %.2f, "
               "\"p99_us\": %.2f, \"p999_us\": %.2f, \"mean_us\": %.2f}%s\n",
               s->name, s->n, s->p50, s->p90, s->p99, s->p999, s->mean, last ? "" : ",");
    else
        printf("%-28s %9.2f %9.2f %9.2f %9.2f %9.2f  %s\n", s->name, s->p50, s->p90, s->p99,
               s->p999, s->mean, target);
}

static int
parse_options(int argc, char **argv, options *o)
{
    enum {
        OPT_RECORDS = 256,
        OPT_ITERS,
        OPT_DIR,
        OPT_KEEP,
        OPT_NO_POPULATE,
        OPT_QUICK,
        OPT_JSON,
        OPT_HELP
    };
    static const struct option longopts[] = {
        {"records", required_argument, NULL, OPT_RECORDS},
        {"iters", required_argument, NULL, OPT_ITERS},
        {"dir", required_argument, NULL, OPT_DIR},
        {"keep", no_argument, NULL, OPT_KEEP},
        {"no-populate", no_argument, NULL, OPT_NO_POPULATE},
        {"quick", no_argument, NULL, OPT_QUICK},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    char *end;
    int c;

    *o = (options){.records = 1000000, .iters = 20000};
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_RECORDS:
        case OPT_ITERS: {
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || optarg[0] == '-' || v < 1000 || v > 100000000) {
                fprintf(stderr, "bench_query: bad value '%s' (1000..100000000)\n", optarg);
                return 2;
            }
            if (c == OPT_RECORDS)
                o->records = (size_t)v;
            else
                o->iters = (size_t)v;
            break;
        }
        case OPT_DIR:
            o->dir = optarg;
            break;
        case OPT_KEEP:
            o->keep = true;
            break;
        case OPT_NO_POPULATE:
            o->no_populate = true;
            break;
        case OPT_QUICK:
            o->records = 20000;
            o->iters = 2000;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_HELP:
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    options o;
    char tmpl[] = "/tmp/bench_query.XXXXXX", marker[4096];
    const char *dir;
    steme_db_options dbo;
    steme_db *db = NULL;
    steme_mv_stats mv0, mv1;
    steme_query q;
    steme_stats st;
    stats s[7];
    size_t cands[3] = {0}, scanned = 0, fetched = 0, rows = 0, n_hot;
    double *lat;
    bool built = false;
    int rc;
    steme_err err;

    if ((rc = parse_options(argc, argv, &o)) != 0)
        return rc;
    for (unsigned i = 0; i < AGENTS; i++) {
        uint8_t seed[STEME_SEED_SIZE] = {0};
        seed[0] = (uint8_t)i;
        seed[1] = 0x51;
        if (steme_keypair_from_seed(seed, &agents[i]) != STEME_OK)
            return 1;
        steme_keypair_public(agents[i], &agent_pk[i]);
    }
    if (o.dir != NULL) {
        dir = o.dir;
    } else if ((dir = mkdtemp(tmpl)) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    steme_db_options_init(&dbo);
    dbo.map_size = 1ULL << 30;
    dbo.verify_threads = 2;
    dbo.max_clock_skew = 300000;
    /* Like the server: a long-running reader maps the store's pages once, at open, rather
     * than paying a page fault (10-20 us on this VM) on each page's first read. */
    dbo.populate = !o.no_populate;
    if ((err = steme_db_open(dir, &dbo, &db)) != STEME_OK) {
        fprintf(stderr, "open %s: %s\n", dir, steme_strerror(err));
        return 1;
    }
    n_hot = n_hot_keys(o.records);
    snprintf(marker, sizeof(marker), "%s/bench_query.records", dir);
    {
        FILE *f = fopen(marker, "r");
        size_t have = 0;
        if (f != NULL) {
            if (fscanf(f, "%zu", &have) != 1)
                have = 0;
            fclose(f);
        }
        if (have != o.records) {
            if ((err = steme_db_stats(db, &st)) == STEME_OK && st.records > 0) {
                fprintf(stderr, "bench_query: %s holds another store\n", dir);
                return 1;
            }
            if ((err = build(db, o.records)) != STEME_OK) {
                fprintf(stderr, "build: %s\n", steme_strerror(err));
                return 1;
            }
            built = true;
            if ((f = fopen(marker, "w")) != NULL) {
                fprintf(f, "%zu\n", o.records);
                fclose(f);
            }
        }
    }
    if ((lat = malloc(o.iters * sizeof(*lat))) == NULL)
        return 1;

    /* (c) the bound, first, while nothing of the query path has run. */
    err = time_bound(db, n_hot, o.iters, BOUND_INDEX, lat, &scanned);
    if (err == STEME_OK) {
        s[3] = summarize("index scan (100 entries)", lat, o.iters);
        err = time_bound(db, n_hot, o.iters, BOUND_FETCH, lat, &fetched);
    }
    if (err == STEME_OK)
        s[4] = summarize("scan + fetch 100 records", lat, o.iters);
    if (err == STEME_OK)
        err = time_bound(db, n_hot, o.iters, BOUND_ROWS, lat, &rows);
    if (err == STEME_OK)
        s[5] = summarize("lens rows read (100)", lat, o.iters);

    /* (b) fresh */
    steme_query_init(&q);
    q.no_cache = true;
    q.lens = "consensus";
    if (err == STEME_OK)
        err = time_queries(db, &q, n_hot, o.iters, lat, &cands[1]);
    if (err == STEME_OK)
        s[1] = summarize("fresh consensus", lat, o.iters);
    if (err == STEME_OK) {
        time_noise(s[1].p50, o.iters, lat);
        s[6] = summarize("fixed work of fresh p50", lat, o.iters);
    }
    q.lens = "trust_authority";
    if (err == STEME_OK)
        err = time_queries(db, &q, n_hot, o.iters, lat, &cands[2]);
    if (err == STEME_OK)
        s[2] = summarize("fresh trust_authority", lat, o.iters);

    /* (a) materialized: one warming pass over every hot key, then timed */
    steme_query_init(&q);
    q.lens = "consensus";
    if (err == STEME_OK)
        err =
            time_queries(db, &q, n_hot, n_hot * 4 < o.iters ? n_hot * 4 : o.iters, lat, &cands[0]);
    if (err == STEME_OK)
        err = steme_db_mv_stats(db, &mv0);
    if (err == STEME_OK)
        err = time_queries(db, &q, n_hot, o.iters, lat, &cands[0]);
    if (err == STEME_OK)
        err = steme_db_mv_stats(db, &mv1);
    if (err == STEME_OK)
        s[0] = summarize("materialized consensus", lat, o.iters);
    if (err == STEME_OK)
        err = steme_db_stats(db, &st);
    if (err != STEME_OK) {
        fprintf(stderr, "bench_query: %s\n", steme_strerror(err));
        return 1;
    }

    uint64_t hits = mv1.hits - mv0.hits;
    bool mv_ok = s[0].p99 <= TARGET_MV_US;
    bool fresh_ok = s[1].p99 <= TARGET_FRESH_US && s[2].p99 <= TARGET_FRESH_US;
    if (o.json) {
        printf("{\n  \"records\": %zu, \"store_records\": %llu, \"hot_keys\": %zu, "
               "\"candidates\": %zu, \"index_entries\": %zu, \"iters\": %zu, \"built\": %s,\n"
               "  \"populated\": %s,\n"
               "  \"mv_hits\": %llu, \"mv_misses\": %llu,\n  \"rows\": [\n",
               o.records, (unsigned long long)st.records, n_hot, cands[1], scanned, o.iters,
               built ? "true" : "false", o.no_populate ? "false" : "true", (unsigned long long)hits,
               (unsigned long long)(mv1.misses - mv0.misses));
        for (int i = 0; i < 7; i++)
            print_row(&s[i], "", true, i == 6);
        printf("  ],\n  \"mv_target_met\": %s, \"fresh_target_met\": %s\n}\n",
               mv_ok ? "true" : "false", fresh_ok ? "true" : "false");
    } else {
        printf("store: %llu records, %zu hot keys of %zu candidates (index entries %zu)%s, %s\n",
               (unsigned long long)st.records, n_hot, cands[1], scanned,
               built ? ", built now" : ", reused",
               o.no_populate ? "opened without populate" : "populated at open");
        printf("materialized: %llu hits, %llu misses over %zu timed queries\n",
               (unsigned long long)hits, (unsigned long long)(mv1.misses - mv0.misses), o.iters);
        printf("%-28s %9s %9s %9s %9s %9s  %s\n", "us", "p50", "p90", "p99", "p99.9", "mean",
               "target");
        print_row(&s[0], mv_ok ? "p99 <= 5: met" : "p99 <= 5: MISSED", false, false);
        print_row(&s[1], s[1].p99 <= TARGET_FRESH_US ? "p99 <= 100: met" : "p99 <= 100: MISSED",
                  false, false);
        print_row(&s[2], s[2].p99 <= TARGET_FRESH_US ? "p99 <= 100: met" : "p99 <= 100: MISSED",
                  false, false);
        print_row(&s[3], "bound", false, false);
        print_row(&s[4], "bound", false, false);
        print_row(&s[5], "bound", false, false);
        print_row(&s[6], "noise", false, true);
        printf("ratios (p50): fresh consensus / scan+fetch = %.2f, / lens rows = %.1f, / index "
               "scan = %.1f; materialized / index scan = %.2f\n",
               s[1].p50 / s[4].p50, s[1].p50 / s[5].p50, s[1].p50 / s[3].p50, s[0].p50 / s[3].p50);
        printf("tail (p99 / p50): fresh consensus %.2f, the same length of fixed work %.2f\n",
               s[1].p99 / s[1].p50, s[6].p99 / s[6].p50);
    }
    free(lat);
    steme_db_close(db);
    if (o.dir == NULL && !o.keep)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    else if (o.dir == NULL)
        fprintf(stderr, "store kept in %s\n", dir);
    for (unsigned i = 0; i < AGENTS; i++)
        steme_keypair_free(agents[i]);
    return 0;
}
