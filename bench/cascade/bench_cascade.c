/* SPDX-License-Identifier: MIT */
/*
 * bench_cascade.c -- the retraction-cascade benchmark (docs/benchmarks.md, "bench/cascade").
 *
 * Retracting a source marks every assertion citing it retracted and everything transitively
 * derived from those suspect, in the one write transaction that appends the source_retract
 * event. The benchmark builds that worst case at scale -- R assertions citing one source and
 * D dependents derived from them over a few levels, as a DAG -- then times the ingest of the
 * retraction (the cascade runs inside it, fsync included) and reports how many assertions it
 * touched at each depth and what it cost in memory. The walk keeps its frontier in an LMDB
 * table, so the figure to watch is the resident-set growth during the cascade: it should be
 * the transaction's dirty pages, not a copy of the graph.
 *
 * Phases: build (not timed; batches of signed records through steme_db_ingest) -> impact
 * (the same cascade as a dry run) -> retract (timed, memory measured) -> reinstate (timed,
 * must touch the same counts) -> report.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "steme.h"

#define TARGET_SECONDS 2.0
#define SOURCE         "src:bench:retracted"
#define AUTHORS        8
#define RECORD_CAP     1024
#define MAX_LEVELS     16

typedef struct options {
    size_t roots;      /* assertions citing the source */
    size_t dependents; /* assertions derived from them, transitively */
    unsigned levels;   /* dependent levels below the roots */
    size_t batch;      /* records per steme_db_ingest call while building */
    const char *dir;
    bool keep;
} options;

typedef struct rec {
    uint8_t bytes[RECORD_CAP];
    size_t len;
    steme_id id;
    steme_sig sig;
} rec;

typedef struct bench {
    options o;
    const char *dir;
    steme_db_options opts;
    steme_pubkey admin_pk; /* opts.genesis_admin */
    steme_db *db;
    steme_keypair *admin;
    steme_keypair *authors[AUTHORS];
    steme_id *ids; /* every assertion, roots first, level by level */
    size_t level_start[MAX_LEVELS + 2];
    rec *batch;
    size_t n_batch;
    int64_t clock;
    uint64_t rng;
    double load; /* 1-minute load average at the start: other work skews the times */
} bench;

static void
usage(FILE *f)
{
    fprintf(
        f,
        "usage: bench_cascade [options]\n"
        "\n"
        "Times a source retraction whose cascade reaches every assertion of a large\n"
        "dependency DAG, and measures the memory it takes.\n"
        "\n"
        "  1. build (not timed): R assertions cite one source; D dependents below them in L\n"
        "     levels of 10%%, 30%%, 60%% (for L = 3; otherwise growing geometrically), each\n"
        "     derived from one assertion of the level above and, one time in four, from a\n"
        "     second one too; ingested in batches of B signed records;\n"
        "  2. impact: steme_db_impact of the source (the cascade in an aborted transaction);\n"
        "  3. retract: steme_db_ingest of the source_retract event, wall time from call to\n"
        "     durable return; ru_maxrss before and after, and the resident-set peak during the\n"
        "     call over the resident set before it (Linux: /proc/self/status, VmHWM reset\n"
        "     through /proc/self/clear_refs);\n"
        "  4. reinstate: the reverse walk, timed; it must touch the same counts;\n"
        "  5. prints the times (target: retract <= %.1f s), the assertions touched per depth,\n"
        "     and the memory figures.\n"
        "\n"
        "options:\n"
        "  --roots R        assertions citing the retracted source (default 1000)\n"
        "  --dependents D   assertions derived from them (default 100000)\n"
        "  --levels L       dependent levels, 1..%d (default 3)\n"
        "  --batch B        records per ingest call while building (default 10000)\n"
        "  --dir DIR        store directory, new or empty (default: a fresh directory\n"
        "                   under $TMPDIR or /tmp)\n"
        "  --keep           keep the store directory\n"
        "  --quick          smoke run: 100 roots, 10000 dependents\n"
        "  --help           this text\n"
        "\n"
        "Progress goes to stderr. Exit status: 0 when every step succeeded (a missed target\n"
        "is reported, not failed), 1 on any error, 2 on bad usage.\n",
        TARGET_SECONDS, MAX_LEVELS);
}

static bool
parse_count(const char *s, size_t min, size_t max, size_t *ret)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max)
        return false;
    *ret = (size_t)v;
    return true;
}

static int
parse_options(int argc, char **argv, options *o)
{
    enum {
        OPT_ROOTS = 256,
        OPT_DEPENDENTS,
        OPT_LEVELS,
        OPT_BATCH,
        OPT_DIR,
        OPT_KEEP,
        OPT_QUICK,
        OPT_HELP
    };
    static const struct option longopts[] = {
        {"roots", required_argument, NULL, OPT_ROOTS},
        {"dependents", required_argument, NULL, OPT_DEPENDENTS},
        {"levels", required_argument, NULL, OPT_LEVELS},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"dir", required_argument, NULL, OPT_DIR},
        {"keep", no_argument, NULL, OPT_KEEP},
        {"quick", no_argument, NULL, OPT_QUICK},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    size_t v;
    int c;

    *o = (options){.roots = 1000, .dependents = 100000, .levels = 3, .batch = 10000};
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_ROOTS:
            if (!parse_count(optarg, 1, 100000000, &o->roots))
                goto bad_value;
            break;
        case OPT_DEPENDENTS:
            if (!parse_count(optarg, 0, 100000000, &o->dependents))
                goto bad_value;
            break;
        case OPT_LEVELS:
            if (!parse_count(optarg, 1, MAX_LEVELS, &v))
                goto bad_value;
            o->levels = (unsigned)v;
            break;
        case OPT_BATCH:
            if (!parse_count(optarg, 1, 1000000, &o->batch))
                goto bad_value;
            break;
        case OPT_DIR:
            o->dir = optarg;
            break;
        case OPT_KEEP:
            o->keep = true;
            break;
        case OPT_QUICK:
            o->roots = 100;
            o->dependents = 10000;
            break;
        case OPT_HELP:
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "bench_cascade: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;

bad_value:
    fprintf(stderr, "bench_cascade: bad value '%s'\n", optarg);
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Measuring
 */

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of the process so far. */
static double
cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long
maxrss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* A "Name:   123 kB" line of /proc/self/status, in KiB; -1 when unavailable. */
static long
status_kib(const char *name)
{
    FILE *f = fopen("/proc/self/status", "r");
    size_t len = strlen(name);
    char line[256];
    long v = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, name, len) == 0 && line[len] == ':') {
            v = strtol(line + len + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* Reset VmHWM to the current resident set (Linux >= 4.0), so that it measures one step. */
static bool
reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    bool ok;

    if (f == NULL)
        return false;
    ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* ---------------------------------------------------------------------------------------------
 * Building the graph
 */

static uint64_t
rnd(bench *b)
{
    b->rng ^= b->rng >> 12;
    b->rng ^= b->rng << 25;
    b->rng ^= b->rng >> 27;
    return b->rng * 2685821657736338717ull;
}

static int
flush(bench *b)
{
    steme_signed *in = calloc(b->n_batch, sizeof(*in));
    steme_ingest_result *res = calloc(b->n_batch, sizeof(*res));
    int rc = 0;

    if (in == NULL || res == NULL) {
        fprintf(stderr, "bench_cascade: out of memory\n");
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < b->n_batch; i++)
        in[i] = (steme_signed){
            .bytes = b->batch[i].bytes, .len = b->batch[i].len, .sig = b->batch[i].sig};
    steme_err err = steme_db_ingest(b->db, in, b->n_batch, res, 0);
    for (size_t i = 0; err == STEME_OK && i < b->n_batch; i++) {
        if (res[i].err != STEME_OK || res[i].duplicate) {
            fprintf(stderr, "bench_cascade: record refused: %s (%s: %s)\n",
                    steme_strerror(res[i].err), res[i].info.field ? res[i].info.field : "",
                    res[i].info.rule ? res[i].info.rule : "");
            rc = -1;
            break;
        }
    }
    if (err != STEME_OK) {
        fprintf(stderr, "bench_cascade: ingest: %s\n", steme_strerror(err));
        rc = -1;
    }
    b->n_batch = 0;
out:
    free(in);
    free(res);
    return rc;
}

/* Sign rec with kp into the batch (flushing it when full); *ret_id is the record's id. */
static int
add(bench *b, const steme_record *r, const steme_keypair *kp, steme_id *ret_id)
{
    rec *out = &b->batch[b->n_batch];
    steme_errinfo ei = {0};
    steme_err err;

    err = steme_record_sign(r, kp, out->bytes, sizeof(out->bytes), &out->len, &out->id, &out->sig,
                            &ei);
    if (err != STEME_OK) {
        fprintf(stderr, "bench_cascade: sign: %s (%s: %s)\n", steme_strerror(err),
                ei.field ? ei.field : "", ei.rule ? ei.rule : "");
        return -1;
    }
    if (ret_id != NULL)
        *ret_id = out->id;
    if (++b->n_batch == b->o.batch)
        return flush(b);
    return 0;
}

static int
add_event(bench *b, steme_event_type type, uint64_t *ret_seq)
{
    steme_record r = {.kind = STEME_RECORD_EVENT};
    steme_ingest_result res;
    steme_signed in;
    rec out;
    steme_errinfo ei = {0};

    steme_keypair_public(b->admin, &r.event.agent);
    r.event.at = 1700000000000LL + ++b->clock;
    r.event.type = type;
    r.event.source = steme_str_c(SOURCE);
    r.event.title = steme_str_c("The retracted study");
    r.event.url = steme_str_c("https://example.org/retracted");
    r.event.tier = STEME_TIER_PEER_REVIEWED;
    r.event.reason = steme_str_c("benchmark");
    if (steme_record_sign(&r, b->admin, out.bytes, sizeof(out.bytes), &out.len, &out.id, &out.sig,
                          &ei) != STEME_OK)
        return -1;
    in = (steme_signed){.bytes = out.bytes, .len = out.len, .sig = out.sig};
    if (steme_db_ingest(b->db, &in, 1, &res, 0) != STEME_OK || res.err != STEME_OK) {
        fprintf(stderr, "bench_cascade: event refused: %s (%s: %s)\n", steme_strerror(res.err),
                res.info.field ? res.info.field : "", res.info.rule ? res.info.rule : "");
        return -1;
    }
    *ret_seq = res.seq;
    return 0;
}

/* Level sizes: 10/30/60 % for three levels, otherwise a geometric split. */
static void
plan_levels(bench *b)
{
    const options *o = &b->o;
    double weight[MAX_LEVELS], sum = 0;
    size_t at = o->roots, left = o->dependents;

    for (unsigned l = 0; l < o->levels; l++)
        sum += weight[l] = o->levels == 3 ? (double[]){1, 3, 6}[l] : (double)(1u << l);
    b->level_start[0] = 0;
    b->level_start[1] = o->roots;
    for (unsigned l = 0; l < o->levels; l++) {
        size_t n = l + 1 == o->levels ? left : (size_t)((double)o->dependents * weight[l] / sum);
        if (n > left)
            n = left;
        left -= n;
        at += n;
        b->level_start[l + 2] = at;
    }
}

static int
build(bench *b)
{
    char subject[48], source[48];
    steme_record r;

    plan_levels(b);
    for (unsigned level = 0; level <= b->o.levels; level++) {
        size_t from = b->level_start[level], to = b->level_start[level + 1];
        size_t pfrom = level ? b->level_start[level - 1] : 0, pn = level ? from - pfrom : 0;

        if (level > 0 && pn == 0 && to > from) {
            fprintf(stderr, "bench_cascade: level %u has no parents\n", level);
            return -1;
        }
        for (size_t i = from; i < to; i++) {
            const steme_keypair *kp = b->authors[i % AUTHORS];
            steme_id parents[2];
            size_t np = 0;

            memset(&r, 0, sizeof(r));
            r.kind = STEME_RECORD_ASSERTION;
            steme_keypair_public(kp, &r.assertion.agent);
            r.assertion.asserted_at = 1700000000000LL + ++b->clock;
            snprintf(subject, sizeof(subject), "bench:level%u:%zu", level, i % 1000);
            snprintf(source, sizeof(source), "src:bench:other:%zu", i % 97);
            r.assertion.subject = steme_str_c(subject);
            r.assertion.predicate = steme_str_c("derived.value");
            r.assertion.object.type = STEME_VALUE_INTEGER;
            r.assertion.object.integer = (int64_t)i;
            r.assertion.confidence = 800000;
            r.assertion.source = steme_str_c(level == 0 ? SOURCE : source);
            if (level > 0) {
                /* Every parent of the level above gets children; some children get two. */
                size_t p1 = pfrom + (i - from) % pn, p2 = pfrom + rnd(b) % pn;
                parents[np++] = b->ids[p1];
                if (pn > 1 && rnd(b) % 4 == 0 && p2 != p1)
                    parents[np++] = b->ids[p2];
            }
            r.assertion.derived_from = parents;
            r.assertion.n_derived_from = np;
            if (add(b, &r, kp, &b->ids[i]) != 0)
                return -1;
        }
        /* A level must be stored before the next one names it. */
        if (b->n_batch > 0 && flush(b) != 0)
            return -1;
        fprintf(stderr, "  level %u: %zu assertions\n", level, to - from);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Main
 */

static void
print_report(const char *what, const steme_cascade_report *r)
{
    printf("  %-10s total %llu:", what, (unsigned long long)r->total);
    for (uint32_t d = 0; d < r->depths; d++)
        printf(" d%u=%llu", d, (unsigned long long)r->per_depth[d]);
    printf("\n");
}

static bool
same_counts(const steme_cascade_report *a, const steme_cascade_report *b)
{
    return a->total == b->total && a->depths == b->depths &&
           memcmp(a->per_depth, b->per_depth, sizeof(a->per_depth)) == 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int
run(bench *b)
{
    steme_cascade_report impact, retracted, reinstated;
    uint64_t seq_r, seq_i;
    double t0, c0, t_impact, t_retract, c_retract, t_reinstate, c_reinstate;
    long rss0, anon0, file0, hwm1, anon1, file1, max0, max1;
    bool peak_ok;
    steme_stats st;

    fprintf(stderr, "building: %zu roots, %zu dependents, %u levels\n", b->o.roots, b->o.dependents,
            b->o.levels);
    t0 = now_s();
    if (add_event(b, STEME_EVENT_SOURCE_REGISTER, &seq_r) != 0 || build(b) != 0)
        return -1;
    fprintf(stderr, "built in %.1f s\n", now_s() - t0);
    free(b->batch);
    b->batch = NULL;

    t0 = now_s();
    if (steme_db_impact(b->db, steme_str_c(SOURCE), &impact) != STEME_OK)
        return -1;
    t_impact = now_s() - t0;

    /* Measure from a freshly opened store: LMDB keeps the pages of past write transactions
     * for reuse until the environment closes, and those of the build and the dry run would
     * hide what the retraction needs. */
    steme_db_close(b->db);
    b->db = NULL;
    if (steme_db_open(b->dir, &b->opts, &b->db) != STEME_OK)
        return -1;

    /* Give freed heap back first, so that what the retraction allocates shows as growth
     * instead of reusing what the build left behind. */
    malloc_trim(0);
    max0 = maxrss_kib();
    peak_ok = reset_peak();
    rss0 = status_kib("VmRSS");
    anon0 = status_kib("RssAnon");
    file0 = status_kib("RssFile");
    t0 = now_s();
    c0 = cpu_s();
    if (add_event(b, STEME_EVENT_SOURCE_RETRACT, &seq_r) != 0)
        return -1;
    t_retract = now_s() - t0;
    c_retract = cpu_s() - c0;
    hwm1 = status_kib("VmHWM");
    anon1 = status_kib("RssAnon");
    file1 = status_kib("RssFile");
    max1 = maxrss_kib();
    if (steme_db_report(b->db, seq_r, &retracted) != STEME_OK)
        return -1;

    t0 = now_s();
    c0 = cpu_s();
    if (add_event(b, STEME_EVENT_SOURCE_REINSTATE, &seq_i) != 0)
        return -1;
    t_reinstate = now_s() - t0;
    c_reinstate = cpu_s() - c0;
    if (steme_db_report(b->db, seq_i, &reinstated) != STEME_OK)
        return -1;
    if (steme_db_stats(b->db, &st) != STEME_OK)
        return -1;

    printf("bench/cascade: %zu assertions cite the source, %zu dependents in %u levels\n",
           b->o.roots, b->o.dependents, b->o.levels);
    printf("  machine     %ld cores online, load average %.2f at the start\n",
           sysconf(_SC_NPROCESSORS_ONLN), b->load);
    printf("  records     %llu, store %.1f MiB in use\n", (unsigned long long)st.records,
           (double)st.disk_bytes / (1 << 20));
    printf("  impact      %.3f s (dry run)\n", t_impact);
    printf("  retract     %.3f s wall, %.3f s CPU (target <= %.1f s: %s)\n", t_retract, c_retract,
           TARGET_SECONDS, t_retract <= TARGET_SECONDS ? "met" : "MISSED");
    printf("  reinstate   %.3f s wall, %.3f s CPU\n", t_reinstate, c_reinstate);
    print_report("touched", &retracted);
    if (peak_ok && rss0 >= 0 && hwm1 >= 0) {
        /* Resetting VmHWM also resets the counter behind ru_maxrss. */
        printf("  ru_maxrss   %ld KiB before the retraction (the build included), %ld KiB at the\n"
               "              end of it (peak since the reset just before it)\n",
               max0, max1);
        printf(
            "  rss         %ld KiB before, peak %ld KiB during: %+ld KiB (after: heap %+ld KiB,\n"
            "              mapped store pages %+ld KiB)\n",
            rss0, hwm1, hwm1 - rss0, anon1 - anon0, file1 - file0);
    } else {
        printf("  ru_maxrss   %ld KiB before, %ld KiB after the retraction\n", max0, max1);
    }

    if (!same_counts(&impact, &retracted) || !same_counts(&retracted, &reinstated)) {
        fprintf(stderr, "bench_cascade: impact, retraction and reinstatement disagree\n");
        print_report("impact", &impact);
        print_report("reinstated", &reinstated);
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    bench b = {.rng = 0x9e3779b97f4a7c15ull};
    char tmp[4096];
    const char *dir;
    int rc = 1;

    if (parse_options(argc, argv, &b.o) != 0)
        return 2;
    if (getloadavg(&b.load, 1) != 1)
        b.load = -1;
    if (b.o.dir != NULL) {
        dir = b.o.dir;
    } else {
        const char *base = getenv("TMPDIR");
        snprintf(tmp, sizeof(tmp), "%s/steme-bench-cascade-XXXXXX",
                 base != NULL && *base ? base : "/tmp");
        if (mkdtemp(tmp) == NULL) {
            perror("bench_cascade: mkdtemp");
            return 1;
        }
        dir = tmp;
    }

    uint8_t seed[STEME_SEED_SIZE];
    memset(seed, 0xad, sizeof(seed));
    if (steme_keypair_from_seed(seed, &b.admin) != STEME_OK)
        goto out;
    for (unsigned i = 0; i < AUTHORS; i++) {
        memset(seed, (int)(i + 1), sizeof(seed));
        if (steme_keypair_from_seed(seed, &b.authors[i]) != STEME_OK)
            goto out;
    }
    b.ids = calloc(b.o.roots + b.o.dependents, sizeof(*b.ids));
    b.batch = calloc(b.o.batch, sizeof(*b.batch));
    if (b.ids == NULL || b.batch == NULL)
        goto out;

    steme_db_options_init(&b.opts);
    steme_keypair_public(b.admin, &b.admin_pk);
    b.opts.genesis_admin = &b.admin_pk;
    /* Big enough that the map never grows inside the timed transaction (the file is sparse). */
    b.opts.map_size = (uint64_t)4 << 30;
    b.dir = dir;
    steme_err err = steme_db_open(dir, &b.opts, &b.db);
    if (err != STEME_OK) {
        fprintf(stderr, "bench_cascade: open %s: %s\n", dir, steme_strerror(err));
        goto out;
    }
    rc = run(&b) == 0 ? 0 : 1;

out:
    steme_db_close(b.db);
    if (!b.o.keep)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(b.ids);
    free(b.batch);
    for (unsigned i = 0; i < AUTHORS; i++)
        steme_keypair_free(b.authors[i]);
    steme_keypair_free(b.admin);
    return rc;
}
