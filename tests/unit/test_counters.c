/* SPDX-License-Identifier: MIT */
/*
 * test_counters.c -- steme_db_counters: the write-path counters behind the server's commit
 * metrics. One commit per ingest call that stores something and none for a call that stores
 * nothing (duplicates, refusals, a dropped atomic batch); committed records equal the records
 * in the store; every commit lands in exactly one bucket of each latency histogram; concurrent
 * writers share commits (fewer groups than calls) and the counters still add up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "store_fixture.h"

typedef struct fixture {
    char *dir;
    steme_db *db;
    steme_keypair *kp;
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->dir = fx_tmpdir();
    if (steme_db_open(f->dir, NULL, &f->db) != STEME_OK)
        return -1;
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

static steme_counters
counters(steme_db *db)
{
    steme_counters c;
    memset(&c, 0xa5, sizeof(c));
    assert_int_equal(steme_db_counters(db, &c), STEME_OK);
    return c;
}

static uint64_t
hist_count(const steme_latency *l)
{
    uint64_t n = 0;
    for (size_t i = 0; i < STEME_LATENCY_BUCKETS; i++)
        n += l->count[i];
    return n;
}

/* What must hold whenever no write is in flight. */
static void
assert_consistent(steme_db *db)
{
    steme_counters c = counters(db);
    steme_stats st;

    assert_int_equal(steme_db_stats(db, &st), STEME_OK);
    assert_int_equal(c.committed_records, st.records);
    assert_int_equal(c.commit_groups, steme__db_commits(db));
    assert_true(c.commit_groups <= c.committed_records);
    assert_int_equal(hist_count(&c.commit), c.commit_groups);
    assert_int_equal(hist_count(&c.transaction), c.commit_groups);
    /* The commit is part of the transaction. */
    assert_true(c.commit.sum_ns <= c.transaction.sum_ns);
    if (c.commit_groups > 0)
        assert_true(c.transaction.sum_ns > 0);
    for (size_t i = 0; i < STEME_LATENCY_BUCKETS; i++) {
        assert_int_equal(c.commit.le_ns[i], c.transaction.le_ns[i]);
        if (i > 0)
            assert_true(c.commit.le_ns[i] > c.commit.le_ns[i - 1]);
    }
    assert_int_equal(c.commit.le_ns[0], 100000);
    assert_int_equal(c.commit.le_ns[STEME_LATENCY_BUCKETS - 1], UINT64_MAX);
}

static steme_err
ingest(steme_db *db, const fx_rec *recs, size_t n, unsigned flags, steme_ingest_result *res)
{
    steme_signed in[16];
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++)
        in[i] = fx_signed(&recs[i]);
    return steme_db_ingest(db, in, n, res, flags);
}

static void
test_fresh(void **state)
{
    fixture *f = *state;
    steme_counters c = counters(f->db);

    assert_int_equal(c.commit_groups, 0);
    assert_int_equal(c.committed_records, 0);
    assert_int_equal(hist_count(&c.commit), 0);
    assert_int_equal(c.commit.sum_ns, 0);
    assert_int_equal(c.transaction.sum_ns, 0);
    assert_consistent(f->db);

    assert_int_equal(steme_db_counters(NULL, &c), STEME_EINVAL);
    assert_int_equal(steme_db_counters(f->db, NULL), STEME_EINVAL);
}

static void
test_sequential(void **state)
{
    fixture *f = *state;
    steme_ingest_result res[16];
    fx_rec recs[16];
    steme_counters c;

    /* Ten calls of one record: ten commits. */
    for (unsigned i = 0; i < 10; i++) {
        fx_numbered(&recs[0], f->kp, i, 3);
        assert_int_equal(ingest(f->db, recs, 1, 0, res), STEME_OK);
        assert_int_equal(res[0].err, STEME_OK);
    }
    c = counters(f->db);
    assert_int_equal(c.commit_groups, 10);
    assert_int_equal(c.committed_records, 10);
    assert_consistent(f->db);

    /* One call of sixteen, four of them already stored: one commit, twelve new records. */
    for (unsigned i = 0; i < 16; i++)
        fx_numbered(&recs[i], f->kp, 6 + i, 3);
    assert_int_equal(ingest(f->db, recs, 16, 0, res), STEME_OK);
    assert_true(res[0].duplicate);
    c = counters(f->db);
    assert_int_equal(c.commit_groups, 11);
    assert_int_equal(c.committed_records, 22);
    assert_consistent(f->db);

    /* Only duplicates: nothing to commit. */
    assert_int_equal(ingest(f->db, recs, 16, 0, res), STEME_OK);
    c = counters(f->db);
    assert_int_equal(c.commit_groups, 11);
    assert_int_equal(c.committed_records, 22);
    assert_consistent(f->db);
}

static void
test_refusals(void **state)
{
    fixture *f = *state;
    steme_ingest_result res[3];
    steme_record rec;
    steme_id unknown;
    fx_rec recs[3];
    steme_counters c;

    /* A bad signature is refused before the commit queue. */
    fx_numbered(&recs[0], f->kp, 1, 3);
    recs[0].sig.b[0] ^= 1;
    assert_int_equal(ingest(f->db, recs, 1, 0, res), STEME_OK);
    assert_int_equal(res[0].err, STEME_ESIG);
    assert_int_equal(counters(f->db).commit_groups, 0);

    /* A vote on an unknown assertion is refused inside the transaction: its neighbour is
     * committed and counted, it is not. */
    memset(&unknown, 0x42, sizeof(unknown));
    fx_numbered(&recs[0], f->kp, 2, 3);
    fx_vote(&rec, f->kp, &unknown, 1);
    fx_sign(&recs[1], &rec, f->kp);
    assert_int_equal(ingest(f->db, recs, 2, 0, res), STEME_OK);
    assert_int_equal(res[0].err, STEME_OK);
    assert_int_not_equal(res[1].err, STEME_OK);
    c = counters(f->db);
    assert_int_equal(c.commit_groups, 1);
    assert_int_equal(c.committed_records, 1);
    assert_consistent(f->db);

    /* The same in an atomic batch: the batch is dropped, nothing is committed. */
    fx_numbered(&recs[0], f->kp, 3, 3);
    assert_int_equal(ingest(f->db, recs, 2, STEME_INGEST_ATOMIC, res), STEME_EINVAL);
    c = counters(f->db);
    assert_int_equal(c.commit_groups, 1);
    assert_int_equal(c.committed_records, 1);
    assert_consistent(f->db);
}

enum { WRITERS = 4, CALLS = 20, PER_CALL = 4 };

typedef struct writer {
    steme_db *db;
    pthread_barrier_t *start;
    steme_keypair *kp;
    steme_err err;
} writer;

static void *
write_loop(void *arg)
{
    writer *w = arg;
    fx_rec recs[PER_CALL];
    steme_ingest_result res[PER_CALL];

    pthread_barrier_wait(w->start);
    for (unsigned c = 0; c < CALLS && w->err == STEME_OK; c++) {
        for (unsigned i = 0; i < PER_CALL; i++)
            fx_numbered(&recs[i], w->kp, c * PER_CALL + i, 5);
        steme_signed in[PER_CALL];
        for (unsigned i = 0; i < PER_CALL; i++)
            in[i] = fx_signed(&recs[i]);
        w->err = steme_db_ingest(w->db, in, PER_CALL, res, 0);
        for (unsigned i = 0; i < PER_CALL && w->err == STEME_OK; i++)
            if (res[i].err != STEME_OK || res[i].duplicate)
                w->err = STEME_EEXIST;
    }
    return NULL;
}

static void
test_concurrent(void **state)
{
    fixture *f = *state;
    writer w[WRITERS];
    pthread_t th[WRITERS];
    pthread_barrier_t start;
    steme_counters c;

    pthread_barrier_init(&start, NULL, WRITERS);
    for (int t = 0; t < WRITERS; t++) {
        w[t] = (writer){f->db, &start, fx_key((uint8_t)(30 + t)), STEME_OK};
        assert_int_equal(pthread_create(&th[t], NULL, write_loop, &w[t]), 0);
    }
    for (int t = 0; t < WRITERS; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(w[t].err, STEME_OK);
        steme_keypair_free(w[t].kp);
    }
    pthread_barrier_destroy(&start);

    c = counters(f->db);
    assert_int_equal(c.committed_records, WRITERS * CALLS * PER_CALL);
    assert_true(c.commit_groups >= 1);
    assert_true(c.commit_groups <= WRITERS * CALLS);
    assert_consistent(f->db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sequential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
