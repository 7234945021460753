/* SPDX-License-Identifier: MIT */
/*
 * test_check.c -- steme_db_check: a clean store has no problems, and each kind of damage
 * made with LMDB directly (a flipped byte in a record, a changed signature, a deleted or a
 * bogus index entry, wrong metadata) is reported, naming the index.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "store_fixture.h"

enum { N = 12 };

typedef struct fixture {
    char *dir;
    steme_keypair *kp;
    fx_rec rec[N];
    size_t index_entries; /* what the records imply */
} fixture;

typedef struct problem {
    char index[32];
    char what[128];
    uint64_t seq;
} problem;

typedef struct problems {
    problem p[64];
    size_t n;
} problems;

static void
on_problem(const char *index, const char *what, uint64_t seq, void *ctx)
{
    problems *ps = ctx;
    if (ps->n == 64)
        return;
    snprintf(ps->p[ps->n].index, sizeof(ps->p[0].index), "%s", index);
    snprintf(ps->p[ps->n].what, sizeof(ps->p[0].what), "%s", what);
    ps->p[ps->n].seq = seq;
    ps->n++;
}

static bool
has(const problems *ps, const char *index, const char *what, uint64_t seq)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->p[i].index, index) == 0 && strcmp(ps->p[i].what, what) == 0 &&
            ps->p[i].seq == seq)
            return true;
    return false;
}

static steme_check_report
check(const char *dir, problems *ps)
{
    steme_check_report rep;
    steme_db *db;

    memset(ps, 0, sizeof(*ps));
    assert_int_equal(steme_db_open(dir, NULL, &db), STEME_OK);
    assert_int_equal(steme_db_check(db, &rep, on_problem, ps), STEME_OK);
    steme_db_close(db);
    assert_int_equal(rep.problems, ps->n);
    return rep;
}

/* A store with every kind of record: assertions (one with parents and a superseded id),
 * votes and events that name sources and targets. */
static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    steme_signed in[N];
    steme_ingest_result res[N];
    steme_record rec;
    steme_id parents[2];
    steme_db *db;

    if (f == NULL)
        return -1;
    f->dir = fx_tmpdir();
    f->kp = fx_key(3);
    for (int i = 0; i < 6; i++) {
        fx_numbered(&f->rec[i], f->kp, (unsigned)i, 2);
        f->index_entries += 5; /* id, agent, subject, subject_predicate, source */
    }
    parents[0] = f->rec[0].id;
    parents[1] = f->rec[1].id;
    fx_assertion(&rec, f->kp, "s:9", "q", "src:9", 6);
    rec.assertion.derived_from = parents;
    rec.assertion.n_derived_from = 2;
    rec.assertion.supersedes = parents + 1;
    rec.assertion.n_supersedes = 1;
    fx_sign(&f->rec[6], &rec, f->kp);
    f->index_entries += 5 + 2 + 1;
    fx_vote(&rec, f->kp, &f->rec[0].id, 1);
    fx_sign(&f->rec[7], &rec, f->kp);
    f->index_entries += 3; /* id, agent, target */
    fx_event(&rec, f->kp, STEME_EVENT_SOURCE_REGISTER);
    fx_sign(&f->rec[8], &rec, f->kp);
    f->index_entries += 3; /* id, agent, source */
    fx_event(&rec, f->kp, STEME_EVENT_ASSERTION_RETRACT);
    rec.event.target = f->rec[2].id;
    fx_sign(&f->rec[9], &rec, f->kp);
    f->index_entries += 3; /* id, agent, target */
    fx_event(&rec, f->kp, STEME_EVENT_EPOCH_OPEN);
    fx_sign(&f->rec[10], &rec, f->kp);
    f->index_entries += 2; /* id, agent */
    fx_event(&rec, f->kp, STEME_EVENT_REAFFIRM);
    rec.event.target = f->rec[3].id;
    fx_sign(&f->rec[11], &rec, f->kp);
    f->index_entries += 3;

    for (int i = 0; i < N; i++)
        in[i] = fx_signed(&f->rec[i]);
    /* The events include admin-only ones (source_register, epoch_open): the knowledge rules
     * accept them from the store's genesis admin. */
    steme_db_options opts;
    steme_pubkey admin = fx_pub(f->kp);
    steme_db_options_init(&opts);
    opts.genesis_admin = &admin;
    if (steme_db_open(f->dir, &opts, &db) != STEME_OK)
        return -1;
    if (steme_db_ingest(db, in, N, res, STEME_INGEST_ATOMIC) != STEME_OK)
        return -1;
    steme_db_close(db);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    steme_keypair_free(f->kp);
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Damage, done with LMDB directly while no steme_db has the store open.
 */

typedef struct raw {
    MDB_env *env;
    MDB_txn *txn;
} raw;

static raw
raw_open(const char *dir)
{
    raw r;
    assert_int_equal(mdb_env_create(&r.env), 0);
    mdb_env_set_maxdbs(r.env, 16);
    assert_int_equal(mdb_env_open(r.env, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(r.env, NULL, 0, &r.txn), 0);
    return r;
}

static void
raw_close(raw *r)
{
    assert_int_equal(mdb_txn_commit(r->txn), 0);
    mdb_env_close(r->env);
}

static MDB_dbi
raw_dbi(raw *r, const char *name)
{
    MDB_dbi dbi;
    assert_int_equal(mdb_dbi_open(r->txn, name, 0, &dbi), 0);
    return dbi;
}

/* Rewrite the envelope at seq after letting edit change a copy of it. */
static void
edit_envelope(const char *dir, uint64_t seq, void (*edit)(uint8_t *env, size_t len))
{
    raw r = raw_open(dir);
    MDB_dbi log = raw_dbi(&r, "log");
    uint8_t key[8], *copy;
    MDB_val k = {8, key}, v;

    steme__put_u64(key, seq);
    assert_int_equal(mdb_get(r.txn, log, &k, &v), 0);
    copy = malloc(v.mv_size);
    assert_non_null(copy);
    memcpy(copy, v.mv_data, v.mv_size);
    edit(copy, v.mv_size);
    v.mv_data = copy;
    assert_int_equal(mdb_put(r.txn, log, &k, &v, 0), 0);
    raw_close(&r);
    free(copy);
}

/* The envelope: [version][recorded_at 8][id 32][signature 64][canonical bytes]. */
enum { SIG_AT = 1 + 8 + 32, BYTES_AT = 1 + 8 + 32 + 64 };

static void
flip_subject(uint8_t *env, size_t len)
{
    /* Record 2's subject is "s:0": make it "s:7" (still canonical, another subject). */
    uint8_t *p = memmem(env + BYTES_AT, len - BYTES_AT, "s:0", 3);
    assert_non_null(p);
    p[2] = '7';
}

static void
break_version(uint8_t *env, size_t len)
{
    (void)len;
    env[BYTES_AT] = 0x7f;
}

static void
flip_signature(uint8_t *env, size_t len)
{
    (void)len;
    env[SIG_AT + 5] ^= 0x20;
}

static void
break_envelope(uint8_t *env, size_t len)
{
    (void)len;
    env[0] = 9;
}

static void
test_clean(void **state)
{
    fixture *f = *state;
    problems ps;
    steme_check_report rep = check(f->dir, &ps);

    assert_int_equal(rep.problems, 0);
    assert_int_equal(rep.records, N);
    assert_int_equal(rep.signatures, N);
    assert_int_equal(rep.index_entries, f->index_entries);
}

static void
test_flipped_byte(void **state)
{
    fixture *f = *state;
    problems ps;

    edit_envelope(f->dir, 3, flip_subject); /* rec[2]: subject s:0 */
    check(f->dir, &ps);
    assert_true(has(&ps, "log", "stored id is not the hash of the record", 3));
    assert_true(has(&ps, "log", "signature does not verify for the record's agent key", 3));
    /* The record now implies s:7, which the subject indexes never heard of, and the s:0
     * entries point to a record that no longer implies them. */
    assert_true(has(&ps, "subject", "index entry missing for the record", 3));
    assert_true(has(&ps, "subject_predicate", "index entry missing for the record", 3));
    assert_true(has(&ps, "subject", "index entry is not implied by its record", 3));
    assert_true(has(&ps, "subject_predicate", "index entry is not implied by its record", 3));
    /* Its lens row, under the old key, is no longer the row the record gives. */
    assert_true(has(&ps, "d_lens_row", "lens row under another key than its assertion's", 3));
    assert_int_equal(ps.n, 7);
}

static void
test_undecodable_record(void **state)
{
    fixture *f = *state;
    problems ps;

    edit_envelope(f->dir, 5, break_version);
    check(f->dir, &ps);
    assert_true(has(&ps, "log", "record bytes do not decode", 5));
    assert_int_equal(ps.n, 1);

    edit_envelope(f->dir, 6, break_envelope);
    check(f->dir, &ps);
    assert_true(has(&ps, "log", "malformed envelope", 6));
    assert_int_equal(ps.n, 2);
}

static void
test_changed_signature(void **state)
{
    fixture *f = *state;
    problems ps;

    edit_envelope(f->dir, 8, flip_signature);
    check(f->dir, &ps);
    assert_true(has(&ps, "log", "signature does not verify for the record's agent key", 8));
    assert_int_equal(ps.n, 1);
}

static void
test_deleted_entry(void **state)
{
    fixture *f = *state;
    problems ps;
    raw r = raw_open(f->dir);
    uint8_t key[8], seq[8];
    MDB_val k = {8, key}, v = {8, seq};

    /* rec[1] (seq 2) has subject s:1; rec[6] (seq 7) derives from rec[0]. */
    steme__hash64("s:1", 3, key);
    steme__put_u64(seq, 2);
    assert_int_equal(mdb_del(r.txn, raw_dbi(&r, "subject"), &k, &v), 0);
    memcpy(key, f->rec[0].id.b, 8);
    steme__put_u64(seq, 7);
    assert_int_equal(mdb_del(r.txn, raw_dbi(&r, "derived_from"), &k, &v), 0);
    raw_close(&r);

    check(f->dir, &ps);
    assert_true(has(&ps, "subject", "index entry missing for the record", 2));
    assert_true(has(&ps, "derived_from", "index entry missing for the record", 7));
    assert_int_equal(ps.n, 2);
}

static void
test_bogus_entries(void **state)
{
    fixture *f = *state;
    problems ps;
    raw r = raw_open(f->dir);
    uint8_t key[8], seq[8];
    MDB_val k = {8, key}, v = {8, seq};

    steme__hash64("nope", 4, key);
    steme__put_u64(seq, 1);
    assert_int_equal(mdb_put(r.txn, raw_dbi(&r, "source"), &k, &v, 0), 0);
    memset(key, 0x42, 8);
    steme__put_u64(seq, 999);
    assert_int_equal(mdb_put(r.txn, raw_dbi(&r, "target"), &k, &v, 0), 0);
    /* The id index naming a record under another record's id. */
    memcpy(key, f->rec[4].id.b, 8);
    steme__put_u64(seq, 4);
    assert_int_equal(mdb_put(r.txn, raw_dbi(&r, "id"), &k, &v, 0), 0);
    raw_close(&r);

    check(f->dir, &ps);
    assert_true(has(&ps, "source", "index entry is not implied by its record", 1));
    assert_true(has(&ps, "target", "index entry points to a missing record", 999));
    assert_true(has(&ps, "id", "index entry is not implied by its record", 4));
    assert_int_equal(ps.n, 3);
}

static void
test_meta(void **state)
{
    fixture *f = *state;
    problems ps;
    raw r = raw_open(f->dir);
    MDB_dbi meta = raw_dbi(&r, "meta");
    uint8_t v8[8];
    MDB_val k = {10, "count.vote"}, v = {8, v8};

    steme__put_u64(v8, 99);
    assert_int_equal(mdb_put(r.txn, meta, &k, &v, 0), 0);
    k.mv_data = "last_seq";
    k.mv_size = 8;
    assert_int_equal(mdb_put(r.txn, meta, &k, &v, 0), 0);
    raw_close(&r);

    check(f->dir, &ps);
    assert_true(has(&ps, "meta", "record counts disagree with the log", N));
    assert_true(has(&ps, "meta", "last_seq disagrees with the log", N));
    assert_int_equal(ps.n, 2);
}

static void
test_log_gap(void **state)
{
    fixture *f = *state;
    problems ps;
    raw r = raw_open(f->dir);
    uint8_t key[8];
    MDB_val k = {8, key};

    /* Losing a record leaves a gap, index entries pointing nowhere and wrong counts. */
    steme__put_u64(key, 10);
    assert_int_equal(mdb_del(r.txn, raw_dbi(&r, "log"), &k, NULL), 0);
    raw_close(&r);

    check(f->dir, &ps);
    assert_true(has(&ps, "log", "the log has a gap before this seq", 11));
    assert_true(has(&ps, "id", "index entry points to a missing record", 10));
    assert_true(has(&ps, "agent", "index entry points to a missing record", 10));
    assert_true(has(&ps, "target", "index entry points to a missing record", 10));
    assert_true(has(&ps, "meta", "record counts disagree with the log", N));
    assert_int_equal(ps.n, 5);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flipped_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undecodable_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bogus_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_gap, setup, teardown),
    };
    if (!steme__crypto_init())
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
