/* SPDX-License-Identifier: MIT */
/*
 * gen.c -- the inputs and the in-process peer of bench/http (docs/benchmarks.md):
 *
 *   bench_http_gen bodies --records N --batch B --salt S --gap G > FILE
 *       N fresh signed assertions (bench/ingest's data set with another salt: other agents,
 *       the same shape) as POST /v1/records bodies, one JSON document of B records per line.
 *   bench_http_gen paths --dir DIR --count N --lens L > FILE
 *       N query paths /v1/query?subject=..&predicate=..&lens=L for keys drawn the way
 *       readers draw them: a uniformly random stored assertion's (subject, predicate), so
 *       popular keys are asked about as often as they are written about.
 *   bench_http_gen inproc --dir DIR --records N --batch B --threads T --salt S
 *       the in-process peer: N fresh assertions (another salt) ingested with steme_db_ingest
 *       in batches of B from T threads into DIR; prints {"records", "seconds", "per_second"}.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "record_json.h"
#include "steme.h"
#include "views.h"
#include "workload.h"

typedef struct opts {
    size_t records, batch, count, threads, gap;
    uint64_t salt;
    const char *dir, *lens;
} opts;

static int
usage(void)
{
    fprintf(stderr, "usage: bench_http_gen bodies|paths|inproc [--records N] [--batch B] "
                    "[--salt S] [--gap G] [--dir DIR] [--count N] [--lens L] [--threads T]\n");
    return 2;
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool
generate(const opts *o, workload *w)
{
    steme_errinfo ei = {0};
    steme_err err = workload_generate_salted(w, o->records, o->gap, 2, o->salt, &ei);
    if (err != STEME_OK) {
        fprintf(stderr, "bench_http_gen: generating: %s (%s)\n", steme_strerror(err),
                ei.field ? ei.field : "-");
        return false;
    }
    return true;
}

/* One record as a POST /v1/records item: {"record": JSON form, "signature": hex}. */
static json_t *
item_json(const steme_signed *s)
{
    steme_record rec;
    steme_errinfo ei;
    if (steme_record_decode(s->bytes, s->len, &rec, &ei) != STEME_OK)
        return NULL;
    return json_pack("{s:o, s:o}", "record", steme__record_to_json(&rec), "signature",
                     steme__json_hex(s->sig.b, sizeof(s->sig.b)));
}

static int
run_bodies(const opts *o)
{
    workload w;
    if (!generate(o, &w))
        return 1;
    for (size_t i = 0; i < w.n; i += o->batch) {
        json_t *arr = json_array();
        for (size_t k = i; k < w.n && k < i + o->batch; k++)
            json_array_append_new(arr, item_json(&w.recs[k]));
        json_t *doc = json_pack("{s:o, s:b}", "records", arr, "atomic", 1);
        char *line = steme__json_dumps(doc, 0);
        if (!line) {
            fprintf(stderr, "bench_http_gen: out of memory\n");
            return 1;
        }
        puts(line);
        free(line);
        json_decref(doc);
    }
    workload_free(&w);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Percent-encode s for a query string. */
static void
put_encoded(const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~')
            putchar(c);
        else
            printf("%%%c%c", hex[c >> 4], hex[c & 15]);
    }
}

static int
run_paths(const opts *o)
{
    steme_db_options dbo;
    steme_db_options_init(&dbo);
    dbo.create = false;
    dbo.read_only = true;
    steme_db *db;
    steme_err err = steme_db_open(o->dir, &dbo, &db);
    if (err == STEME_EUPGRADE) {
        /* A store of an earlier build: one writable open rebuilds what it lacks (as steme
         * does), then the paths are read from it. */
        fprintf(stderr, "bench_http_gen: %s: rebuilding derived tables for this build\n", o->dir);
        dbo.read_only = false;
        err = steme_db_open(o->dir, &dbo, &db);
    }
    steme_stats st;
    if (err == STEME_OK)
        err = steme_db_stats(db, &st);
    if (err != STEME_OK) {
        fprintf(stderr, "bench_http_gen: %s: %s\n", o->dir, steme_strerror(err));
        return 1;
    }
    size_t done = 0;
    for (uint64_t k = 1; done < o->count && st.last_seq > 0 && k < 100 * o->count; k++) {
        uint64_t seq = 1 + workload_mix(k ^ 0x5eedULL) % st.last_seq;
        steme_entry *e;
        if (steme_db_get_seq(db, seq, &e) != STEME_OK)
            continue;
        if (e->record.kind == STEME_RECORD_ASSERTION) {
            const steme_assertion *a = &e->record.assertion;
            fputs("/v1/query?subject=", stdout);
            put_encoded(a->subject.ptr, a->subject.len);
            fputs("&predicate=", stdout);
            put_encoded(a->predicate.ptr, a->predicate.len);
            printf("&lens=%s\n", o->lens);
            done++;
        }
        steme_entry_free(e);
    }
    steme_db_close(db);
    return done == o->count ? 0 : 1;
}

typedef struct inproc {
    steme_db *db;
    const workload *w;
    size_t batch;
    atomic_size_t next;
    atomic_int failed;
} inproc;

static void *
inproc_thread(void *arg)
{
    inproc *ip = arg;
    steme_ingest_result *res = calloc(ip->batch, sizeof(*res));
    for (;;) {
        size_t i = atomic_fetch_add(&ip->next, ip->batch);
        if (i >= ip->w->n || !res)
            break;
        size_t n = ip->w->n - i < ip->batch ? ip->w->n - i : ip->batch;
        if (steme_db_ingest(ip->db, ip->w->recs + i, n, res, STEME_INGEST_ATOMIC) != STEME_OK)
            atomic_store(&ip->failed, 1);
    }
    free(res);
    return NULL;
}

static int
run_inproc(const opts *o)
{
    workload w;
    if (!generate(o, &w))
        return 1;
    steme_db_options dbo;
    steme_db_options_init(&dbo);
    dbo.create = false;
    steme_db *db;
    steme_err err = steme_db_open(o->dir, &dbo, &db);
    if (err != STEME_OK) {
        fprintf(stderr, "bench_http_gen: %s: %s\n", o->dir, steme_strerror(err));
        return 1;
    }
    inproc ip = {.db = db, .w = &w, .batch = o->batch};
    pthread_t *t = calloc(o->threads, sizeof(*t));
    double t0 = now_s();
    for (size_t k = 0; k < o->threads; k++)
        pthread_create(&t[k], NULL, inproc_thread, &ip);
    for (size_t k = 0; k < o->threads; k++)
        pthread_join(t[k], NULL);
    double secs = now_s() - t0;
    free(t);
    steme_db_close(db);
    workload_free(&w);
    if (atomic_load(&ip.failed)) {
        fprintf(stderr, "bench_http_gen: an ingest call failed\n");
        return 1;
    }
    printf("{\"records\": %zu, \"seconds\": %.3f, \"per_second\": %.1f}\n", o->records, secs,
           (double)o->records / secs);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    opts o = {.records = 100000,
              .batch = 100,
              .count = 10000,
              .threads = 4,
              .salt = 0x4854,
              .lens = "consensus"};
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--records") == 0)
            o.records = strtoull(v, NULL, 10);
        else if (strcmp(k, "--batch") == 0)
            o.batch = strtoull(v, NULL, 10);
        else if (strcmp(k, "--count") == 0)
            o.count = strtoull(v, NULL, 10);
        else if (strcmp(k, "--threads") == 0)
            o.threads = strtoull(v, NULL, 10);
        else if (strcmp(k, "--gap") == 0)
            o.gap = strtoull(v, NULL, 10);
        else if (strcmp(k, "--salt") == 0)
            o.salt = strtoull(v, NULL, 0);
        else if (strcmp(k, "--dir") == 0)
            o.dir = v;
        else if (strcmp(k, "--lens") == 0)
            o.lens = v;
        else
            return usage();
    }
    if (o.batch == 0 || o.threads == 0 || o.records == 0)
        return usage();
    if (o.gap == 0)
        o.gap = 2 * 64 * o.batch;
    if (strcmp(argv[1], "bodies") == 0)
        return run_bodies(&o);
    if (strcmp(argv[1], "paths") == 0 && o.dir)
        return run_paths(&o);
    if (strcmp(argv[1], "inproc") == 0 && o.dir)
        return run_inproc(&o);
    return usage();
}
