/* SPDX-License-Identifier: MIT */
/*
 * test_ingest.c -- the write path through the public API: what is accepted and what is
 * refused (with the exact field and rule), idempotence, duplicates within a call, atomic
 * batches, group commit under concurrent writers, as_of visibility, close waiting for
 * in-flight ingests, allocation failures leaving the store consistent, and populating the map
 * at open (every used page mapped before the first read).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "engine.h"
#include "store_fixture.h"

typedef struct fixture {
    char *dir;
    steme_db *db;
    steme_keypair *kp;
} fixture;

static steme_db *
open_db(const char *dir, const steme_db_options *opts)
{
    steme_db *db = NULL;
    assert_int_equal(steme_db_open(dir, opts, &db), STEME_OK);
    return db;
}

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->dir = fx_tmpdir();
    f->db = open_db(f->dir, NULL);
    f->kp = fx_key(1);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    steme_db_close(f->db);
    steme_keypair_free(f->kp);
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

static steme_stats
stats(steme_db *db)
{
    steme_stats st;
    uint64_t last;
    assert_int_equal(steme_db_stats(db, &st), STEME_OK);
    assert_int_equal(steme_db_last_seq(db, &last), STEME_OK);
    assert_int_equal(last, st.last_seq);
    return st;
}

static void
assert_clean(steme_db *db)
{
    steme_check_report rep;
    assert_int_equal(steme_db_check(db, &rep, NULL, NULL), STEME_OK);
    assert_int_equal(rep.problems, 0);
}

static steme_ingest_result
ingest_one(steme_db *db, const fx_rec *r)
{
    steme_signed in = fx_signed(r);
    steme_ingest_result res;
    assert_int_equal(steme_db_ingest(db, &in, 1, &res, 0), STEME_OK);
    return res;
}

static void
assert_refused(const steme_ingest_result *res, steme_err err, const char *field, const char *rule)
{
    assert_int_equal(res->err, err);
    assert_non_null(res->info.field);
    assert_string_equal(res->info.field, field);
    assert_non_null(res->info.rule);
    assert_string_equal(res->info.rule, rule);
}

/* ---------------------------------------------------------------------------------------------
 * Accept and refuse
 */

static void
test_accept(void **state)
{
    fixture *f = *state;
    steme_ingest_result res;
    steme_entry *e;
    fx_rec r;

    fx_numbered(&r, f->kp, 1, 1);
    res = ingest_one(f->db, &r);
    assert_int_equal(res.err, STEME_OK);
    assert_int_equal(res.seq, 1);
    assert_false(res.duplicate);
    assert_memory_equal(res.id.b, r.id.b, STEME_ID_SIZE);

    assert_int_equal(steme_db_get(f->db, &r.id, 0, &e), STEME_OK);
    assert_int_equal(e->seq, 1);
    assert_int_equal(e->len, r.len);
    assert_memory_equal(e->bytes, r.bytes, r.len);
    assert_memory_equal(e->sig.b, r.sig.b, STEME_SIG_SIZE);
    assert_int_equal(e->record.kind, STEME_RECORD_ASSERTION);
    assert_int_equal(e->record.assertion.subject.len, 3);
    assert_memory_equal(e->record.assertion.subject.ptr, "s:0", 3);
    assert_true(e->recorded_at >= steme_now_ms() - 60000);
    steme_entry_free(e);

    assert_int_equal(steme_db_get_seq(f->db, 1, &e), STEME_OK);
    assert_memory_equal(e->id.b, r.id.b, STEME_ID_SIZE);
    steme_entry_free(e);
    assert_int_equal(steme_db_get_seq(f->db, 2, &e), STEME_ENOTFOUND);
    steme_entry_free(NULL);
    assert_clean(f->db);
}

static void
test_refusals(void **state)
{
    fixture *f = *state;
    steme_keypair *other = fx_key(2);
    steme_signed in[5];
    steme_ingest_result res[5];
    steme_errinfo ei = {0};
    steme_record rec, tmp;
    fx_rec good, badsig, wrongkey, trunc;

    fx_numbered(&good, f->kp, 1, 1);

    badsig = good;
    badsig.sig.b[10] ^= 0x01;

    /* Signed by another key than the record's agent. */
    fx_assertion(&rec, f->kp, "s:x", "p", "src:0", 5);
    fx_encode(&wrongkey, &rec);
    steme_keypair_sign(other, &wrongkey.id, &wrongkey.sig);

    fx_numbered(&trunc, f->kp, 2, 1);
    trunc.len -= 1;

    in[0] = fx_signed(&badsig);
    in[1] = fx_signed(&wrongkey);
    in[2] = fx_signed(&trunc);
    in[3] = fx_signed(&good);
    in[4].bytes = NULL;
    in[4].len = 10;
    assert_int_equal(steme_db_ingest(f->db, in, 5, res, 0), STEME_OK);

    assert_refused(&res[0], STEME_ESIG, "signature", "does not verify for the record's agent key");
    assert_memory_equal(res[0].id.b, good.id.b, STEME_ID_SIZE);
    assert_refused(&res[1], STEME_ESIG, "signature", "does not verify for the record's agent key");
    /* Truncated bytes: the decoder's own field, rule and offset. */
    assert_int_equal(steme_record_decode(trunc.bytes, trunc.len, &tmp, &ei), STEME_EINVAL);
    assert_refused(&res[2], STEME_EINVAL, ei.field, "truncated");
    assert_int_equal(res[2].info.offset, ei.offset);
    assert_int_equal(res[3].err, STEME_OK);
    assert_int_equal(res[3].seq, 1);
    assert_refused(&res[4], STEME_EINVAL, "record", "NULL pointer with a nonzero length");

    assert_int_equal(stats(f->db).records, 1);

    /* Oversized input is refused before anything is hashed. */
    {
        uint8_t *big = calloc(1, STEME_MAX_RECORD + 1);
        steme_signed b = {.bytes = big, .len = STEME_MAX_RECORD + 1};
        assert_non_null(big);
        assert_int_equal(steme_db_ingest(f->db, &b, 1, res, 0), STEME_OK);
        assert_refused(&res[0], STEME_EINVAL, "record", "longer than 65536 bytes");
        free(big);
    }

    /* Bad arguments. */
    assert_int_equal(steme_db_ingest(NULL, in, 1, res, 0), STEME_EINVAL);
    assert_int_equal(steme_db_ingest(f->db, NULL, 1, res, 0), STEME_EINVAL);
    assert_int_equal(steme_db_ingest(f->db, in, 1, NULL, 0), STEME_EINVAL);
    assert_int_equal(steme_db_ingest(f->db, in, 1, res, 0x80), STEME_EINVAL);
    assert_int_equal(steme_db_ingest(f->db, NULL, 0, NULL, 0), STEME_OK);
    steme_keypair_free(other);
    assert_clean(f->db);
}

static void
test_clock_rule(void **state)
{
    fixture *f = *state;
    steme_db_options o;
    steme_db *db;
    steme_record rec;
    steme_id target = {{0}};
    steme_ingest_result res;
    fx_rec r;
    int64_t now = steme_now_ms();

    /* A store with a one-second allowance. */
    steme_db_close(f->db);
    steme_db_options_init(&o);
    o.max_clock_skew = 1000;
    db = f->db = open_db(f->dir, &o);

    fx_assertion(&rec, f->kp, "s:t", "p", "src:0", 1);
    rec.assertion.asserted_at = now + 60000;
    fx_sign(&r, &rec, f->kp);
    res = ingest_one(db, &r);
    assert_refused(&res, STEME_EINVAL, "asserted_at",
                   "in the future beyond the allowed clock skew");

    fx_vote(&rec, f->kp, &target, 1);
    rec.vote.voted_at = now + 60000;
    fx_sign(&r, &rec, f->kp);
    res = ingest_one(db, &r);
    assert_refused(&res, STEME_EINVAL, "voted_at", "in the future beyond the allowed clock skew");

    fx_event(&rec, f->kp, STEME_EVENT_EPOCH_OPEN);
    rec.event.at = now + 60000;
    fx_sign(&r, &rec, f->kp);
    res = ingest_one(db, &r);
    assert_refused(&res, STEME_EINVAL, "at", "in the future beyond the allowed clock skew");

    /* Within the allowance, and long past, are fine. */
    fx_assertion(&rec, f->kp, "s:t", "p", "src:0", 2);
    rec.assertion.asserted_at = now + 500;
    fx_sign(&r, &rec, f->kp);
    assert_int_equal(ingest_one(db, &r).err, STEME_OK);
    fx_assertion(&rec, f->kp, "s:t", "p", "src:0", 3);
    rec.assertion.asserted_at = 0;
    fx_sign(&r, &rec, f->kp);
    assert_int_equal(ingest_one(db, &r).err, STEME_OK);

    /* A negative allowance is a bad option. */
    o.max_clock_skew = -1;
    assert_int_equal(steme_db_open(f->dir, &o, &db), STEME_EINVAL);
}

/* ---------------------------------------------------------------------------------------------
 * Idempotence and atomic batches
 */

static void
test_idempotent(void **state)
{
    fixture *f = *state;
    steme_ingest_result res;
    uint64_t commits;
    fx_rec a, b;

    fx_numbered(&a, f->kp, 1, 1);
    fx_numbered(&b, f->kp, 2, 1);
    res = ingest_one(f->db, &a);
    assert_int_equal(res.seq, 1);
    assert_false(res.duplicate);
    commits = steme__db_commits(f->db);

    res = ingest_one(f->db, &a);
    assert_int_equal(res.err, STEME_OK);
    assert_int_equal(res.seq, 1);
    assert_true(res.duplicate);
    assert_int_equal(steme__db_commits(f->db), commits); /* nothing written */
    assert_int_equal(stats(f->db).last_seq, 1);

    /* Within one call: [b, a, b] */
    {
        steme_signed in[3] = {fx_signed(&b), fx_signed(&a), fx_signed(&b)};
        steme_ingest_result r3[3];
        assert_int_equal(steme_db_ingest(f->db, in, 3, r3, 0), STEME_OK);
        assert_int_equal(r3[0].seq, 2);
        assert_false(r3[0].duplicate);
        assert_int_equal(r3[1].seq, 1);
        assert_true(r3[1].duplicate);
        assert_int_equal(r3[2].seq, 2);
        assert_true(r3[2].duplicate);
    }
    assert_int_equal(stats(f->db).records, 2);
    assert_clean(f->db);
}

static void
test_atomic(void **state)
{
    fixture *f = *state;
    steme_signed in[3];
    steme_ingest_result res[3];
    steme_stats before, after;
    fx_rec a, b, bad;

    fx_numbered(&a, f->kp, 1, 1);
    ingest_one(f->db, &a);
    before = stats(f->db);

    fx_numbered(&b, f->kp, 2, 1);
    fx_numbered(&bad, f->kp, 3, 1);
    bad.sig.b[0] ^= 0x80;
    in[0] = fx_signed(&b);
    in[1] = fx_signed(&bad);
    in[2] = fx_signed(&a);
    assert_int_equal(steme_db_ingest(f->db, in, 3, res, STEME_INGEST_ATOMIC), STEME_EINVAL);
    assert_refused(&res[1], STEME_ESIG, "signature", "does not verify for the record's agent key");
    assert_int_equal(res[0].err, STEME_OK);
    after = stats(f->db);
    assert_int_equal(after.last_seq, before.last_seq);
    assert_int_equal(after.records, before.records);
    {
        steme_entry *e;
        assert_int_equal(steme_db_get(f->db, &b.id, 0, &e), STEME_ENOTFOUND);
    }

    /* The same batch without the flag stores what is valid. */
    assert_int_equal(steme_db_ingest(f->db, in, 3, res, 0), STEME_OK);
    assert_int_equal(res[0].seq, 2);
    assert_int_equal(res[1].err, STEME_ESIG);
    assert_true(res[2].duplicate);

    /* An atomic batch of valid records goes in whole. */
    fx_numbered(&bad, f->kp, 3, 1);
    in[1] = fx_signed(&bad);
    assert_int_equal(steme_db_ingest(f->db, in, 3, res, STEME_INGEST_ATOMIC), STEME_OK);
    assert_int_equal(res[1].seq, 3);
    assert_clean(f->db);
}

static void
test_as_of(void **state)
{
    fixture *f = *state;
    steme_list_options q;
    steme_entry *e;
    fx_rec a, b;
    int count = 0;

    fx_numbered(&a, f->kp, 1, 1);
    fx_numbered(&b, f->kp, 2, 1);
    ingest_one(f->db, &a);
    ingest_one(f->db, &b);
    assert_int_equal(steme_db_get(f->db, &b.id, 1, &e), STEME_ENOTFOUND);
    assert_int_equal(steme_db_get(f->db, &b.id, 2, &e), STEME_OK);
    steme_entry_free(e);
    assert_int_equal(steme_db_get(f->db, &a.id, 1, &e), STEME_OK);
    assert_int_equal(e->seq, 1);
    steme_entry_free(e);

    memset(&q, 0, sizeof(q));
    q.index = STEME_INDEX_SUBJECT;
    q.subject = steme_str_c("s:0");
    q.as_of = 1;
    assert_int_equal(steme_db_list(f->db, &q, NULL, &count), STEME_EINVAL);
    assert_int_equal(steme_db_list(f->db, NULL, NULL, &count), STEME_EINVAL);
}

static int
count_entries(const steme_entry *e, void *ctx)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static void
test_list_public(void **state)
{
    fixture *f = *state;
    steme_list_options q;
    fx_rec a, b;
    int count = 0;

    fx_numbered(&a, f->kp, 1, 1);
    fx_numbered(&b, f->kp, 2, 1);
    ingest_one(f->db, &a);
    ingest_one(f->db, &b);
    memset(&q, 0, sizeof(q));
    q.index = STEME_INDEX_SUBJECT;
    q.subject = steme_str_c("s:0");
    q.as_of = 1;
    assert_int_equal(steme_db_list(f->db, &q, count_entries, &count), STEME_OK);
    assert_int_equal(count, 1);
    count = 0;
    q.as_of = 0;
    assert_int_equal(steme_db_list(f->db, &q, count_entries, &count), STEME_OK);
    assert_int_equal(count, 2);
    q.index = (steme_index)42;
    assert_int_equal(steme_db_list(f->db, &q, count_entries, &count), STEME_EINVAL);
}

/* ---------------------------------------------------------------------------------------------
 * Group commit: concurrent writers share write transactions.
 */

enum { WRITERS = 8, CALLS = 25, PER_CALL = 4 };

typedef struct writer {
    steme_db *db;
    pthread_barrier_t *start;
    fx_rec *recs; /* CALLS * PER_CALL */
    uint64_t seq[CALLS * PER_CALL];
    steme_err err;
} writer;

static void *
write_loop(void *arg)
{
    writer *w = arg;

    pthread_barrier_wait(w->start);
    for (int c = 0; c < CALLS; c++) {
        steme_signed in[PER_CALL];
        steme_ingest_result res[PER_CALL];
        for (int i = 0; i < PER_CALL; i++)
            in[i] = fx_signed(&w->recs[c * PER_CALL + i]);
        w->err = steme_db_ingest(w->db, in, PER_CALL, res, 0);
        if (w->err != STEME_OK)
            return NULL;
        for (int i = 0; i < PER_CALL; i++) {
            if (res[i].err != STEME_OK || res[i].duplicate) {
                w->err = res[i].err != STEME_OK ? res[i].err : STEME_EEXIST;
                return NULL;
            }
            w->seq[c * PER_CALL + i] = res[i].seq;
        }
    }
    return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void
test_group_commit(void **state)
{
    fixture *f = *state;
    enum { TOTAL = WRITERS * CALLS * PER_CALL };
    writer *w = calloc(WRITERS, sizeof(*w));
    uint64_t *all = calloc(TOTAL, sizeof(*all));
    steme_keypair *keys[WRITERS];
    pthread_t th[WRITERS];
    pthread_barrier_t start;
    uint64_t commits0 = steme__db_commits(f->db);
    size_t k = 0;

    assert_non_null(w);
    assert_non_null(all);
    pthread_barrier_init(&start, NULL, WRITERS);
    for (int t = 0; t < WRITERS; t++) {
        keys[t] = fx_key((uint8_t)(20 + t));
        w[t].db = f->db;
        w[t].start = &start;
        w[t].recs = calloc(CALLS * PER_CALL, sizeof(fx_rec));
        assert_non_null(w[t].recs);
        for (int i = 0; i < CALLS * PER_CALL; i++)
            fx_numbered(&w[t].recs[i], keys[t], (unsigned)i, 7);
    }
    for (int t = 0; t < WRITERS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, write_loop, &w[t]), 0);
    for (int t = 0; t < WRITERS; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(w[t].err, STEME_OK);
        for (int i = 0; i < CALLS * PER_CALL; i++)
            all[k++] = w[t].seq[i];
    }

    /* Every record exactly once, seqs unique and dense. */
    qsort(all, TOTAL, sizeof(*all), cmp_u64);
    for (size_t i = 0; i < TOTAL; i++)
        assert_int_equal(all[i], i + 1);
    assert_int_equal(stats(f->db).records, TOTAL);
    for (int t = 0; t < WRITERS; t++)
        for (int i = 0; i < CALLS * PER_CALL; i += 9) {
            steme_entry *e;
            assert_int_equal(steme_db_get(f->db, &w[t].recs[i].id, 0, &e), STEME_OK);
            assert_int_equal(e->seq, w[t].seq[i]);
            steme_entry_free(e);
        }
    /* Writers that arrived while a commit was running shared the next one. */
    assert_true(steme__db_commits(f->db) - commits0 < WRITERS * CALLS);
    assert_clean(f->db);

    for (int t = 0; t < WRITERS; t++) {
        free(w[t].recs);
        steme_keypair_free(keys[t]);
    }
    pthread_barrier_destroy(&start);
    free(all);
    free(w);
}

/* ---------------------------------------------------------------------------------------------
 * Close waits for in-flight ingests.
 */

typedef struct big_ingest {
    steme_db *db;
    steme_signed *in;
    steme_ingest_result *res;
    size_t n;
    steme_err err;
    _Atomic bool done;
} big_ingest;

static void *
run_big(void *arg)
{
    big_ingest *b = arg;
    b->err = steme_db_ingest(b->db, b->in, b->n, b->res, 0);
    atomic_store(&b->done, true);
    return NULL;
}

static void
test_close_waits(void **state)
{
    fixture *f = *state;
    enum { N = 1500 };
    fx_rec *r = calloc(N, sizeof(*r));
    big_ingest b = {.db = f->db, .n = N};
    unsigned inflight = 0;
    pthread_t th;

    b.in = calloc(N, sizeof(*b.in));
    b.res = calloc(N, sizeof(*b.res));
    assert_non_null(r);
    assert_non_null(b.in);
    assert_non_null(b.res);
    for (unsigned i = 0; i < N; i++) {
        fx_numbered(&r[i], f->kp, i, 11);
        b.in[i] = fx_signed(&r[i]);
    }
    assert_int_equal(pthread_create(&th, NULL, run_big, &b), 0);
    /* Close only once the ingest is inside the engine. */
    while (inflight == 0 && !atomic_load(&b.done)) {
        pthread_mutex_lock(&f->db->lock);
        inflight = f->db->inflight;
        pthread_mutex_unlock(&f->db->lock);
        if (inflight == 0)
            usleep(100);
    }
    steme_db_close(f->db);
    f->db = NULL;
    pthread_join(th, NULL);
    assert_int_equal(b.err, STEME_OK);

    f->db = open_db(f->dir, NULL);
    assert_int_equal(stats(f->db).records, N);
    free(b.in);
    free(b.res);
    free(r);
}

/* ---------------------------------------------------------------------------------------------
 * Read-only databases and allocation failures
 */

static void
test_read_only_db(void **state)
{
    fixture *f = *state;
    steme_db_options o;
    steme_ingest_result res;
    steme_signed in;
    steme_db *ro;
    steme_entry *e;
    fx_rec a;

    fx_numbered(&a, f->kp, 1, 1);
    ingest_one(f->db, &a);
    steme_db_close(f->db);
    steme_db_options_init(&o);
    o.read_only = true;
    ro = f->db = open_db(f->dir, &o);
    in = fx_signed(&a);
    assert_int_equal(steme_db_ingest(ro, &in, 1, &res, 0), STEME_EINVAL);
    assert_int_equal(steme_db_get(ro, &a.id, 0, &e), STEME_OK);
    steme_entry_free(e);
    assert_clean(ro);
}

/* ---------------------------------------------------------------------------------------------
 * Populating the map at open
 */

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* Resident kilobytes of this process's mappings of the store's data.mdb (/proc/self/smaps):
 * the pages mapped in its page tables, whatever the heap does (ASan's quarantine makes page
 * fault counts useless). */
static long
mapped_kb(void)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512], path[256];
    bool in_store = false;
    long kb = 0, v;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        /* A mapping's header: "start-end perms offset dev inode [path]". */
        if (sscanf(line, "%*x-%*x %*s %*x %*s %*u %255s", path) == 1) {
            in_store = strstr(path, "data.mdb") != NULL;
            continue;
        }
        if (in_store && sscanf(line, "Rss: %ld kB", &v) == 1)
            kb += v;
    }
    fclose(f);
    return kb;
}

/* The data.mdb pages mapped right after a fresh open with opts; every record then reads back. */
static long
kb_mapped_at_open(const char *dir, const steme_db_options *opts, const fx_rec *recs, size_t n)
{
    long before = mapped_kb();
    steme_db *db = open_db(dir, opts);
    steme_entry *e;
    /* Less what was mapped before (stores earlier tests of this process left to unmap). */
    long kb = mapped_kb() - before;

    for (size_t i = 0; i < n; i++) {
        assert_int_equal(steme_db_get(db, &recs[i].id, 0, &e), STEME_OK);
        assert_memory_equal(e->id.b, recs[i].id.b, STEME_ID_SIZE);
        steme_entry_free(e);
    }
    steme_db_close(db);
    return kb;
}

static void
test_populate(void **state)
{
    fixture *f = *state;
    enum { N = 4000, BATCH = 500 };
    fx_rec *recs = calloc(N, sizeof(*recs));
    steme_ingest_result *res = calloc(BATCH, sizeof(*res));
    steme_signed *in = calloc(BATCH, sizeof(*in));
    steme_db_options o;
    long plain, populated, used_kb;

    assert_non_null(recs);
    assert_non_null(res);
    assert_non_null(in);
    /* Every used page is mapped whatever the kernel: a kernel before 5.14 has no
     * MADV_POPULATE_READ, but the store also reads one byte of every page. */
    for (size_t i = 0; i < N; i++)
        fx_numbered(&recs[i], f->kp, (unsigned)i + 1, N);
    for (size_t at = 0; at < N; at += BATCH) {
        for (size_t i = 0; i < BATCH; i++)
            in[i] = fx_signed(&recs[at + i]);
        assert_int_equal(steme_db_ingest(f->db, in, BATCH, res, 0), STEME_OK);
        for (size_t i = 0; i < BATCH; i++)
            assert_int_equal(res[i].err, STEME_OK);
    }
    steme_db_close(f->db);
    f->db = NULL;

    steme_db_options_init(&o);
    f->db = open_db(f->dir, NULL);
    used_kb = (long)(stats(f->db).disk_bytes / 1024);
    steme_db_close(f->db);
    f->db = NULL;
    plain = kb_mapped_at_open(f->dir, &o, recs, N);
    o.populate = true;
    populated = kb_mapped_at_open(f->dir, &o, recs, N);
    print_message("data.mdb mapped at open: %ld kB plain, %ld kB populated, %ld kB used\n", plain,
                  populated, used_kb);
    /* A populated open maps every used page on top of what a plain one maps (next to nothing;
     * under ASan some other pages of the file). */
    assert_true(used_kb >= 1024);
    assert_true(populated - plain >= used_kb * 8 / 10);
    /* Read-only opens populate too. */
    o.read_only = true;
    assert_true(kb_mapped_at_open(f->dir, &o, recs, N) - plain >= used_kb * 8 / 10);

    f->db = open_db(f->dir, NULL);
    assert_int_equal(stats(f->db).records, N);
    free(recs);
    free(res);
    free(in);
}

static void
test_alloc_failures(void **state)
{
    fixture *f = *state;
    enum { N = 5, ROUNDS = 12 };
    steme_keypair *kp2 = fx_key(9);
    fx_rec r[ROUNDS][N];
    bool stored = false;
    int stored_k = 0;

    for (int k = 0; k < ROUNDS; k++)
        for (int i = 0; i < N; i++)
            fx_numbered(&r[k][i], kp2, (unsigned)(k * N + i), 3);

    /* Fail the 1st, 2nd, ... allocation of an ingest until one gets through. */
    for (int k = 0; k < ROUNDS && !stored; k++) {
        steme_signed in[N];
        steme_ingest_result res[N];
        uint64_t before = stats(f->db).last_seq;
        steme_err err;

        for (int i = 0; i < N; i++)
            in[i] = fx_signed(&r[k][i]);
        steme__alloc_fail_at((uint64_t)k + 1);
        err = steme_db_ingest(f->db, in, N, res, 0);
        steme__alloc_fail_at(0);
        if (err == STEME_OK) {
            stored = true;
            stored_k = k;
            assert_int_equal(stats(f->db).last_seq, before + N);
        } else {
            assert_int_equal(err, STEME_ENOMEM);
            for (int i = 0; i < N; i++)
                assert_int_equal(res[i].err, STEME_ENOMEM);
            assert_int_equal(stats(f->db).last_seq, before);
        }
        assert_clean(f->db);
    }
    assert_true(stored);

    /* Reads: an allocation failure is STEME_ENOMEM, never a crash or a leak. */
    for (uint64_t k = 1; k <= 3; k++) {
        steme_entry *e = NULL;
        steme_err err;
        steme__alloc_fail_at(k);
        err = steme_db_get(f->db, &r[stored_k][0].id, 0, &e);
        steme__alloc_fail_at(0);
        if (err == STEME_OK)
            steme_entry_free(e);
        else
            assert_int_equal(err, STEME_ENOMEM);
    }

    /* Opening: every allocation of steme_db_open can fail cleanly. */
    steme_db_close(f->db);
    f->db = NULL;
    for (uint64_t k = 1;; k++) {
        steme_db *db = NULL;
        steme_err err;
        steme__alloc_fail_at(k);
        err = steme_db_open(f->dir, NULL, &db);
        steme__alloc_fail_at(0);
        if (err == STEME_OK) {
            f->db = db;
            break;
        }
        assert_int_equal(err, STEME_ENOMEM);
        assert_true(k < 1000); /* compiling the content-defense patterns allocates ~100 times */
    }
    assert_clean(f->db);
    steme_keypair_free(kp2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_as_of, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_public, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_populate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
