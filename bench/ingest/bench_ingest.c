/* SPDX-License-Identifier: MIT */
/*
 * bench_ingest.c -- the ingest benchmark (docs/benchmarks.md, "bench/ingest").
 *
 * The write path is validate -> verify -> group commit, and Ed25519 verification is its one
 * unavoidable cost: a database that verifies every signature cannot ingest faster than the
 * machine verifies. So the benchmark measures that bound in the same run, on the same records
 * and all cores, and reports ingest throughput as a fraction of it; the fraction says how much
 * the rest of the engine (decoding, hashing, LMDB writes, fsync, hand-offs between threads)
 * costs, independently of the machine. It also reports the store's size per record and the
 * latency of a point read by id, the operation every query ends with.
 *
 * Phases: generate (not timed) -> verification bound -> ingest -> check -> bound again ->
 * lookups (two passes) -> report.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "steme.h"
#include "report.h"
#include "workload.h"

#define QUICK_RECORDS        20000
#define QUICK_LOOKUPS        20000
#define QUICK_VERIFY_SECONDS 0.5

typedef struct options {
    size_t records;
    const char *dir;
    bool keep;
    unsigned threads;
    size_t batch;
    size_t lookups;
    double verify_seconds;
    bool json;
    bool quick;
} options;

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: bench_ingest [options]\n"
            "\n"
            "Measures StemeDB's ingest throughput against the machine's Ed25519 verification\n"
            "rate, the store's size per record, and get-by-id latency.\n"
            "\n"
            "  1. generates N signed assertions (not timed; all cores);\n"
            "  2. verification bound: one thread per online core verifies the generated\n"
            "     signatures with steme_sig_verify for a fixed time; measured before and\n"
            "     again after the ingest, and the mean is the bound;\n"
            "  3. ingest: T threads submit batches of B records through steme_db_ingest into a\n"
            "     fresh store; records/s is N over the wall time from the first submit to the\n"
            "     last return; every result must be STEME_OK and not a duplicate;\n"
            "  4. lookups: the store is closed and reopened; single-threaded steme_db_get +\n"
            "     steme_entry_free of L random ids, twice over the same ids (the first pass\n"
            "     also pays the page faults of the fresh memory map); then reopened with\n"
            "     populate = true (timed: the map is populated at open) for one more pass;\n"
            "  5. prints records/s, the bound, their ratio (target >= %.2f), bytes on disk per\n"
            "     record, get-by-id latency percentiles (target p99 <= %d us), the map size.\n"
            "\n"
            "options:\n"
            "  --records N         records to generate and ingest (default 1000000)\n"
            "  --threads T         submitting threads (default 4)\n"
            "  --batch B           records per steme_db_ingest call (default 1000)\n"
            "  --lookups L         get-by-id calls timed per pass (default 200000)\n"
            "  --verify-seconds S  length of each verification-bound run (default 3)\n"
            "  --dir DIR           store directory; must not exist (default: a fresh directory\n"
            "                      under $TMPDIR or /tmp)\n"
            "  --keep              keep the store directory (default: removed at the end)\n"
            "  --quick             smoke run: %d records, %d lookups, %.1f s bound (explicit\n"
            "                      options still win)\n"
            "  --json              print the result as one JSON object on stdout\n"
            "  --help              this text\n"
            "\n"
            "Progress goes to stderr. Exit status: 0 when every record was stored and read back\n"
            "(targets missed are reported, not failed), 1 on any error, 2 on bad usage.\n",
            TARGET_RATIO, TARGET_P99_NS / 1000, QUICK_RECORDS, QUICK_LOOKUPS, QUICK_VERIFY_SECONDS);
}

static bool
parse_count(const char *s, size_t min, size_t *ret)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > SIZE_MAX / 2)
        return false;
    *ret = (size_t)v;
    return true;
}

static int
parse_options(int argc, char **argv, options *o)
{
    /* In the order of longopts: an option's name is longopts[code - OPT_FIRST].name. */
    enum {
        OPT_FIRST = 256,
        OPT_RECORDS = OPT_FIRST,
        OPT_DIR,
        OPT_KEEP,
        OPT_THREADS,
        OPT_BATCH,
        OPT_LOOKUPS,
        OPT_VERIFY_SECONDS,
        OPT_JSON,
        OPT_QUICK,
        OPT_HELP,
    };
    static const struct option longopts[] = {
        {"records", required_argument, NULL, OPT_RECORDS},
        {"dir", required_argument, NULL, OPT_DIR},
        {"keep", no_argument, NULL, OPT_KEEP},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"lookups", required_argument, NULL, OPT_LOOKUPS},
        {"verify-seconds", required_argument, NULL, OPT_VERIFY_SECONDS},
        {"json", no_argument, NULL, OPT_JSON},
        {"quick", no_argument, NULL, OPT_QUICK},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    bool set_records = false, set_lookups = false, set_seconds = false;
    size_t v;
    int c;

    *o = (options){
        .records = 1000000, .threads = 4, .batch = 1000, .lookups = 200000, .verify_seconds = 3.0};
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_RECORDS:
            if (!parse_count(optarg, 1, &o->records))
                goto bad_value;
            set_records = true;
            break;
        case OPT_DIR:
            o->dir = optarg;
            break;
        case OPT_KEEP:
            o->keep = true;
            break;
        case OPT_THREADS:
            if (!parse_count(optarg, 1, &v) || v > 1024)
                goto bad_value;
            o->threads = (unsigned)v;
            break;
        case OPT_BATCH:
            if (!parse_count(optarg, 1, &o->batch))
                goto bad_value;
            break;
        case OPT_LOOKUPS:
            if (!parse_count(optarg, 0, &o->lookups))
                goto bad_value;
            set_lookups = true;
            break;
        case OPT_VERIFY_SECONDS: {
            char *end;
            o->verify_seconds = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(o->verify_seconds > 0.0) ||
                o->verify_seconds > 3600.0)
                goto bad_value;
            set_seconds = true;
            break;
        }
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_QUICK:
            o->quick = true;
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
        fprintf(stderr, "bench_ingest: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (o->quick) {
        if (!set_records)
            o->records = QUICK_RECORDS;
        if (!set_lookups)
            o->lookups = QUICK_LOOKUPS;
        if (!set_seconds)
            o->verify_seconds = QUICK_VERIFY_SECONDS;
    }
    return 0;

bad_value:
    fprintf(stderr, "bench_ingest: bad value '%s' for --%s\n", optarg,
            longopts[c - OPT_FIRST].name);
    return -1;
}

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double
cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The machine's CPU time since boot from /proc/stat, in seconds: busy (every state but idle
 * and iowait) and iowait. Both stay 0 where /proc is missing. */
typedef struct machine_cpu {
    double busy;
    double iowait;
} machine_cpu;

static machine_cpu
machine_cpu_now(void)
{
    machine_cpu m = {0.0, 0.0};
    unsigned long long v[8] = {0};
    long hz = sysconf(_SC_CLK_TCK);
    FILE *f = fopen("/proc/stat", "r");

    if (f == NULL)
        return m;
    /* user nice system idle iowait irq softirq steal */
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7]) == 8 &&
        hz > 0) {
        m.busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
        m.iowait = (double)v[4] / (double)hz;
    }
    fclose(f);
    return m;
}

/* Bytes written so far to the block device holding path (sectors written in
 * /sys/dev/block/MAJ:MIN/stat), or 0 when there is none, as on tmpfs. The count is for the
 * whole device, other processes included; /proc/self/io is not used because it counts pages
 * dirtied rather than pages sent to the disk, several times more under LMDB's rewrites. */
static uint64_t
device_written(const char *path)
{
    unsigned long long v[7] = {0};
    char sys[64];
    struct stat st;
    FILE *f;
    int got;

    if (stat(path, &st) != 0)
        return 0;
    snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/stat", major(st.st_dev), minor(st.st_dev));
    f = fopen(sys, "r");
    if (f == NULL)
        return 0;
    /* read ios, merges, sectors, ticks; write ios, merges, sectors */
    got = fscanf(f, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                 &v[6]);
    fclose(f);
    return got == 7 ? v[6] * 512 : 0;
}

static void
progress(const char *msg)
{
    fprintf(stderr, "bench_ingest: %s\n", msg);
}

static _Noreturn void
die(const char *what, int err)
{
    fprintf(stderr, "bench_ingest: %s: %s\n", what, steme_strerror(err));
    exit(1);
}

static void
start_threads(pthread_t *tid, unsigned n, void *(*fn)(void *), void *args, size_t arg_size)
{
    for (unsigned k = 0; k < n; k++) {
        int rc = pthread_create(&tid[k], NULL, fn, (char *)args + k * arg_size);
        if (rc != 0)
            die("pthread_create", STEME_ESYSERR | rc);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Phase 2: the verification bound.
 */

typedef struct verify_thread {
    const workload *w;
    size_t lo, hi;
    atomic_bool *stop;
    pthread_barrier_t *start;
    uint64_t count;
    uint64_t failures;
    uint64_t ns;
} verify_thread;

static void *
verify_worker(void *arg)
{
    verify_thread *t = arg;
    const workload *w = t->w;
    size_t i = t->lo;
    uint64_t t0, count = 0, failures = 0;

    pthread_barrier_wait(t->start);
    t0 = now_ns();
    /* Checking the flag every 64 verifications keeps its cost out of the measurement; the
     * counters stay local so that neighbouring threads do not share a cache line. */
    while (!atomic_load_explicit(t->stop, memory_order_relaxed)) {
        for (int k = 0; k < 64; k++) {
            if (!steme_sig_verify(&w->agents[w->author[i]], &w->ids[i], &w->recs[i].sig))
                failures++;
            count++;
            if (++i == t->hi)
                i = t->lo;
        }
    }
    t->ns = now_ns() - t0;
    t->count = count;
    t->failures = failures;
    return NULL;
}

/* Verifications per second on cores threads, each over its share of the records. */
static double
measure_verify_bound(const workload *w, unsigned cores, double seconds)
{
    verify_thread *ts = calloc(cores, sizeof(*ts));
    pthread_t *tid = calloc(cores, sizeof(*tid));
    pthread_barrier_t start;
    atomic_bool stop = false;
    struct timespec pause = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    uint64_t failures = 0;
    double rate = 0.0;

    if (ts == NULL || tid == NULL)
        die("verification bound", STEME_ENOMEM);
    pthread_barrier_init(&start, NULL, cores + 1);
    for (unsigned k = 0; k < cores; k++) {
        ts[k] = (verify_thread){.w = w,
                                .lo = w->n * k / cores,
                                .hi = w->n * (k + 1) / cores,
                                .stop = &stop,
                                .start = &start};
        if (ts[k].lo == ts[k].hi) {
            ts[k].lo = 0;
            ts[k].hi = w->n;
        }
    }
    start_threads(tid, cores, verify_worker, ts, sizeof(*ts));
    pthread_barrier_wait(&start);
    nanosleep(&pause, NULL);
    atomic_store(&stop, true);
    for (unsigned k = 0; k < cores; k++) {
        pthread_join(tid[k], NULL);
        rate += (double)ts[k].count / ((double)ts[k].ns / 1e9);
        failures += ts[k].failures;
    }
    pthread_barrier_destroy(&start);
    free(ts);
    free(tid);
    if (failures != 0)
        die("a generated signature does not verify", STEME_ESIG);
    return rate;
}

/* ---------------------------------------------------------------------------------------------
 * Phase 3: ingest.
 */

typedef struct ingest_shared {
    steme_db *db;
    const workload *w;
    size_t batch;
    steme_ingest_result *results;
    uint64_t *call_ns; /* one per batch */
    atomic_size_t next_batch;
    atomic_int failed; /* the first call error, or 0 */
    pthread_barrier_t start;
} ingest_shared;

typedef struct ingest_thread {
    ingest_shared *s;
    uint64_t first, last;
} ingest_thread;

static void *
ingest_worker(void *arg)
{
    ingest_thread *t = arg;
    ingest_shared *s = t->s;
    size_t n = s->w->n;

    pthread_barrier_wait(&s->start);
    t->first = now_ns();
    /* Batches are handed out in order, so the log order roughly follows generation order and a
     * derived record's parent (at least 2*T*B earlier) is normally stored before it. */
    for (;;) {
        size_t k = atomic_fetch_add(&s->next_batch, 1);
        size_t lo = k * s->batch, cnt;
        uint64_t c0;
        steme_err err;

        if (lo >= n || atomic_load(&s->failed) != 0)
            break;
        cnt = n - lo < s->batch ? n - lo : s->batch;
        c0 = now_ns();
        err = steme_db_ingest(s->db, s->w->recs + lo, cnt, s->results + lo, 0);
        s->call_ns[k] = now_ns() - c0;
        if (err != STEME_OK) {
            int expected = 0;
            atomic_compare_exchange_strong(&s->failed, &expected, (int)err);
            break;
        }
    }
    t->last = now_ns();
    return NULL;
}

static void
measure_ingest(steme_db *db, const char *store_dir, const workload *w, const options *o,
               steme_ingest_result *results, figures *f)
{
    size_t n_batches = (w->n + o->batch - 1) / o->batch;
    ingest_shared s = {.db = db, .w = w, .batch = o->batch, .results = results};
    ingest_thread *ts = calloc(o->threads, sizeof(*ts));
    pthread_t *tid = calloc(o->threads, sizeof(*tid));
    uint64_t first = UINT64_MAX, last = 0;
    double cpu0;
    machine_cpu m0, m1;
    uint64_t written0;

    s.call_ns = calloc(n_batches, sizeof(*s.call_ns));
    if (ts == NULL || tid == NULL || s.call_ns == NULL)
        die("ingest", STEME_ENOMEM);
    atomic_init(&s.next_batch, 0);
    atomic_init(&s.failed, 0);
    pthread_barrier_init(&s.start, NULL, o->threads + 1);
    for (unsigned k = 0; k < o->threads; k++)
        ts[k].s = &s;
    start_threads(tid, o->threads, ingest_worker, ts, sizeof(*ts));
    cpu0 = cpu_seconds();
    m0 = machine_cpu_now();
    written0 = device_written(store_dir);
    pthread_barrier_wait(&s.start);
    for (unsigned k = 0; k < o->threads; k++) {
        pthread_join(tid[k], NULL);
        if (ts[k].first < first)
            first = ts[k].first;
        if (ts[k].last > last)
            last = ts[k].last;
    }
    f->ingest_cpu = cpu_seconds() - cpu0;
    m1 = machine_cpu_now();
    f->ingest_written = device_written(store_dir) - written0;
    pthread_barrier_destroy(&s.start);
    if (atomic_load(&s.failed) != 0)
        die("steme_db_ingest", atomic_load(&s.failed));

    f->ingest_seconds = (double)(last - first) / 1e9;
    f->ingest_per_s = (double)w->n / f->ingest_seconds;
    /* Others' share is what the machine did beyond this process (clamped: the two clocks
     * tick at different granularity). */
    f->ingest_other_cpu = (m1.busy - m0.busy - f->ingest_cpu) / f->ingest_seconds;
    if (f->ingest_other_cpu < 0.0)
        f->ingest_other_cpu = 0.0;
    f->ingest_iowait = (m1.iowait - m0.iowait) / f->ingest_seconds;
    f->ingest_cpu /= f->ingest_seconds;
    f->calls = percentiles(s.call_ns, n_batches);
    free(s.call_ns);
    free(ts);
    free(tid);
}

/* Every record must be new, stored under the id we computed, at its own log position. */
static size_t
check_results(const workload *w, const steme_ingest_result *results)
{
    uint64_t *seqs = malloc(w->n * sizeof(*seqs));
    size_t bad = 0;

    if (seqs == NULL)
        die("check", STEME_ENOMEM);
    for (size_t i = 0; i < w->n; i++) {
        const steme_ingest_result *r = &results[i];
        bool ok =
            r->err == STEME_OK && !r->duplicate && memcmp(&r->id, &w->ids[i], sizeof(r->id)) == 0;
        if (!ok && bad++ < 5)
            fprintf(stderr, "bench_ingest: record %zu: %s%s (field %s, rule %s)\n", i,
                    steme_strerror(r->err), r->duplicate ? ", duplicate" : "",
                    r->info.field ? r->info.field : "-", r->info.rule ? r->info.rule : "-");
        seqs[i] = r->seq;
    }
    sort_u64(seqs, w->n);
    for (size_t i = 1; i < w->n; i++) {
        if (seqs[i] == seqs[i - 1] && bad++ < 5)
            fprintf(stderr, "bench_ingest: log position %llu given twice\n",
                    (unsigned long long)seqs[i]);
    }
    free(seqs);
    return bad;
}

/* ---------------------------------------------------------------------------------------------
 * Phase 4: get-by-id latency.
 */

/* Time lookups gets of ids drawn the same way on every call, so that a second call revisits
 * exactly the pages the first one touched. */
static size_t
measure_lookups(steme_db *db, const workload *w, size_t lookups, latency *ret)
{
    uint64_t *lat = malloc((lookups ? lookups : 1) * sizeof(*lat));
    size_t bad = 0;

    struct rusage ru0, ru1;

    if (lat == NULL)
        die("lookups", STEME_ENOMEM);
    getrusage(RUSAGE_SELF, &ru0);
    for (size_t k = 0; k < lookups; k++) {
        size_t i = workload_mix(k ^ 0x100c0b5ULL) % w->n;
        steme_entry *e = NULL;
        uint64_t t0 = now_ns(), t1;
        steme_err err = steme_db_get(db, &w->ids[i], 0, &e);
        /* The id compare is a few ns; doing it before the free keeps one timed region. */
        if (err != STEME_OK || memcmp(&e->id, &w->ids[i], sizeof(e->id)) != 0) {
            if (bad++ < 5)
                fprintf(stderr, "bench_ingest: get of record %zu: %s\n", i,
                        err != STEME_OK ? steme_strerror(err) : "wrong record");
        }
        steme_entry_free(e);
        t1 = now_ns();
        lat[k] = t1 - t0;
    }
    getrusage(RUSAGE_SELF, &ru1);
    *ret = percentiles(lat, lookups);
    ret->faults = ru1.ru_minflt - ru0.ru_minflt;
    free(lat);
    return bad;
}

/* ---------------------------------------------------------------------------------------------
 * Store directory.
 */

static bool
format_path(char *out, size_t cap, const char *dir, const char *tail)
{
    int len = snprintf(out, cap, "%s%s", dir, tail);

    if (len < 0 || (size_t)len >= cap) {
        fprintf(stderr, "bench_ingest: path too long: %s%s\n", dir, tail);
        return false;
    }
    return true;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0)
        fprintf(stderr, "bench_ingest: cannot remove %s: %s\n", path, strerror(errno));
    return 0;
}

static void
remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
measure_disk(const char *store_dir, figures *f)
{
    char path[4096];
    struct stat st;

    if (format_path(path, sizeof(path), store_dir, "/data.mdb") && stat(path, &st) == 0) {
        f->data_mdb_bytes = (uint64_t)st.st_size;
        f->data_mdb_alloc = (uint64_t)st.st_blocks * 512;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Main.
 */

int
main(int argc, char **argv)
{
    options o;
    workload w;
    figures f = {0};
    steme_errinfo ei = {0};
    steme_ingest_result *results;
    steme_db_options dbo;
    steme_db *db;
    char tmp[4096], store[4096];
    const char *remove_root;
    uint64_t t0;
    size_t bad;
    steme_err err;
    long online = sysconf(_SC_NPROCESSORS_ONLN);

    if (parse_options(argc, argv, &o) != 0)
        return 2;
    f.cores = online > 0 ? (unsigned)online : 1;
    f.threads = o.threads;
    f.batch = o.batch;
    if (getloadavg(&f.load, 1) != 1)
        f.load = -1.0;

    /* Resolve the store directory first: a bad --dir should fail before minutes of signing. */
    if (o.dir != NULL) {
        struct stat st;
        if (stat(o.dir, &st) == 0 || errno != ENOENT) {
            fprintf(stderr,
                    "bench_ingest: --dir %s must not exist: the benchmark needs a fresh"
                    " store\n",
                    o.dir);
            return 2;
        }
        if (!format_path(store, sizeof(store), o.dir, ""))
            return 2;
        remove_root = o.dir;
    } else {
        const char *base = getenv("TMPDIR");
        if (!format_path(tmp, sizeof(tmp), base && *base ? base : "/tmp", "/bench_ingest.XXXXXX"))
            return 2;
        if (mkdtemp(tmp) == NULL)
            die(tmp, STEME_ESYSERR | errno);
        if (!format_path(store, sizeof(store), tmp, "/store"))
            return 2;
        remove_root = tmp;
    }

    fprintf(stderr, "bench_ingest: generating %zu signed records on %u threads\n", o.records,
            f.cores);
    t0 = now_ns();
    err = workload_generate(&w, o.records, 2 * (size_t)o.threads * o.batch, f.cores, &ei);
    if (err != STEME_OK) {
        fprintf(stderr, "bench_ingest: generation: %s (field %s, rule %s)\n", steme_strerror(err),
                ei.field ? ei.field : "-", ei.rule ? ei.rule : "-");
        return 1;
    }
    f.gen_seconds = (double)(now_ns() - t0) / 1e9;

    progress("measuring the verification bound");
    f.verify_before = measure_verify_bound(&w, f.cores, o.verify_seconds);

    fprintf(stderr, "bench_ingest: ingesting into %s\n", store);
    err = steme_db_open(store, NULL, &db);
    if (err != STEME_OK)
        die(store, err);
    results = calloc(w.n, sizeof(*results));
    if (results == NULL)
        die("results", STEME_ENOMEM);
    measure_ingest(db, store, &w, &o, results, &f);
    bad = check_results(&w, results);
    free(results);

    /* Measured again right after the ingest: on a shared or throttled machine the speed of
     * the cores drifts, and the ratio is only meaningful against the speed they had meanwhile. */
    progress("measuring the verification bound again");
    f.verify_after = measure_verify_bound(&w, f.cores, o.verify_seconds);
    f.verify_per_s = (f.verify_before + f.verify_after) / 2.0;

    err = steme_db_stats(db, &f.stats);
    if (err != STEME_OK)
        die("steme_db_stats", err);
    err = steme_db_counters(db, &f.counters);
    if (err != STEME_OK)
        die("steme_db_counters", err);
    if (f.stats.records != w.n) {
        fprintf(stderr, "bench_ingest: the store holds %llu records, expected %zu\n",
                (unsigned long long)f.stats.records, w.n);
        bad++;
    }
    measure_disk(store, &f);

    /* The lookups run on the store freshly reopened, as a reader process would find it: once
     * as it opens by default (every page's first touch faults), once populated at open. */
    steme_db_close(db);
    progress("timing get by id");
    err = steme_db_open(store, NULL, &db);
    if (err != STEME_OK)
        die(store, err);
    bad += measure_lookups(db, &w, o.lookups, &f.get_first);
    bad += measure_lookups(db, &w, o.lookups, &f.get_warm);
    steme_db_close(db);
    steme_db_options_init(&dbo);
    dbo.populate = true;
    t0 = now_ns();
    err = steme_db_open(store, &dbo, &db);
    f.populate_open_s = (double)(now_ns() - t0) / 1e9;
    if (err != STEME_OK)
        die(store, err);
    bad += measure_lookups(db, &w, o.lookups, &f.get_populated);
    steme_db_close(db);

    if (o.json)
        report_json(&w, &f);
    else
        report_text(&w, &f);

    if (o.keep)
        fprintf(stderr, "bench_ingest: store kept in %s\n", store);
    else
        remove_tree(remove_root);
    workload_free(&w);
    if (bad != 0) {
        fprintf(stderr, "bench_ingest: FAILED: %zu problems\n", bad);
        return 1;
    }
    return 0;
}
