/* SPDX-License-Identifier: MIT */
/*
 * test_store.c -- the storage layer on its own (src/store/store.h): creating, reopening and
 * refusing stores, map growth, duplicates, every index listing with as_of / after / limit,
 * short-key collisions, snapshots and read-only mode.
 *
 * The store trusts its caller, so these tests can hand it records with made-up ids and keys
 * to force the collisions that real hashes never produce.
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
#include <sys/wait.h>
#include <unistd.h>

#include "bytes.h"
#include "crypto.h"
#include "store.h"
#include "store_fixture.h"

static steme__store *
open_store(const char *dir, uint64_t map_size)
{
    steme__store_options o = {.map_size = map_size, .create = true};
    steme__store *s = NULL;
    assert_int_equal(steme__store_open(dir, &o, &s), STEME_OK);
    return s;
}

static steme__append
app(const fx_rec *r)
{
    steme__append a = {.bytes = r->bytes, .len = r->len, .id = r->id, .sig = r->sig};
    return a;
}

static uint64_t
append_one(steme__store *s, const fx_rec *r)
{
    steme__append a = app(r);
    assert_int_equal(steme__store_append(s, &a, 1), STEME_OK);
    return a.seq;
}

/* ---------------------------------------------------------------------------------------------
 * Listing helpers
 */

typedef struct collected {
    uint64_t seq[4096];
    size_t n;
    int stop_after; /* return nonzero from the callback after this many (0: never) */
} collected;

static int
collect(const steme_entry *e, void *ctx)
{
    collected *c = ctx;
    assert_true(c->n < 4096);
    c->seq[c->n++] = e->seq;
    return c->stop_after != 0 && (int)c->n >= c->stop_after;
}

static collected *
list(steme__store *s, const steme_list_options *q)
{
    collected *c = calloc(1, sizeof(*c));
    steme__snap *snap;
    assert_non_null(c);
    assert_int_equal(steme__snap_begin(s, &snap), STEME_OK);
    assert_int_equal(steme__snap_list(snap, q, collect, c), STEME_OK);
    steme__snap_end(snap);
    for (size_t i = 1; i < c->n; i++)
        assert_true(c->seq[i - 1] < c->seq[i]);
    return c;
}

/* ---------------------------------------------------------------------------------------------
 * Opening
 */

static void
test_create_and_reopen(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    char sub[4200];
    steme_keypair *kp = fx_key(1);
    steme__store_options o = {.create = false};
    steme__store *s;
    steme__snap *snap;
    steme_entry e;
    steme_stats st;
    fx_rec r[3];

    snprintf(sub, sizeof(sub), "%s/new/", dir);
    /* Without create, a missing directory is not found. */
    assert_int_equal(steme__store_open(sub, &o, &s), STEME_ENOTFOUND);

    snprintf(sub, sizeof(sub), "%s/new", dir);
    s = open_store(sub, 0);
    assert_int_equal(steme__store_stats(s, &st), STEME_OK);
    assert_int_equal(st.format_version, STEME_FORMAT_VERSION);
    assert_int_equal(st.last_seq, 0);
    assert_int_equal(st.records, 0);
    assert_int_equal(st.map_size, 64u << 20);
    for (unsigned i = 0; i < 3; i++) {
        fx_numbered(&r[i], kp, i, 2);
        assert_int_equal(append_one(s, &r[i]), i + 1);
    }
    steme__store_close(s);

    assert_int_equal(steme__store_open(sub, &o, &s), STEME_OK);
    assert_int_equal(steme__store_stats(s, &st), STEME_OK);
    assert_int_equal(st.last_seq, 3);
    assert_int_equal(st.records, 3);
    assert_int_equal(st.assertions, 3);
    assert_int_equal(st.votes + st.events, 0);
    assert_true(st.disk_bytes > 0);

    assert_int_equal(steme__snap_begin(s, &snap), STEME_OK);
    assert_int_equal(steme__snap_get_seq(snap, 2, &e), STEME_OK);
    assert_memory_equal(e.id.b, r[1].id.b, STEME_ID_SIZE);
    assert_memory_equal(e.sig.b, r[1].sig.b, STEME_SIG_SIZE);
    assert_int_equal(e.len, r[1].len);
    assert_memory_equal(e.bytes, r[1].bytes, r[1].len);
    assert_int_equal(e.record.kind, STEME_RECORD_ASSERTION);
    assert_int_equal(e.record.assertion.object.integer, 1);
    assert_true(e.recorded_at > FX_TIME);
    assert_int_equal(steme__snap_get_id(snap, &r[2].id, 0, &e), STEME_OK);
    assert_int_equal(e.seq, 3);
    assert_int_equal(steme__snap_get_seq(snap, 4, &e), STEME_ENOTFOUND);
    assert_int_equal(steme__snap_get_seq(snap, 0, &e), STEME_ENOTFOUND);
    steme__snap_end(snap);
    steme__store_close(s);

    /* An existing directory without a store is not found either. */
    assert_int_equal(steme__store_open(dir, &o, &s), STEME_ENOTFOUND);

    steme_keypair_free(kp);
    fx_rmdir(dir);
}

/* Write a value into the meta database of the store in dir, with LMDB directly. */
static void
poke_meta(const char *dir, const char *name, const void *val, size_t len)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {strlen(name), (void *)name}, v = {len, (void *)val};

    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void
test_newer_format_refused(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme__store_options o = {.create = true};
    steme__store *s = open_store(dir, 0);
    uint8_t v[4];

    steme__store_close(s);
    steme__put_u32(v, STEME_FORMAT_VERSION + 1);
    poke_meta(dir, "format_version", v, sizeof(v));
    assert_int_equal(steme__store_open(dir, &o, &s), STEME_EVERSION);
    o.read_only = true;
    assert_int_equal(steme__store_open(dir, &o, &s), STEME_EVERSION);

    /* A version this build never wrote (0) is damage, not a newer format. */
    steme__put_u32(v, 0);
    poke_meta(dir, "format_version", v, sizeof(v));
    o.read_only = false;
    assert_int_equal(steme__store_open(dir, &o, &s), STEME_ECORRUPT);
    fx_rmdir(dir);
}

static void
test_foreign_directory_refused(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    char path[4200];
    steme__store_options o = {.create = true};
    steme__store *s;
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {3, "key"}, v = {5, "value"};
    FILE *f;

    /* Someone else's LMDB environment: it has data, but no meta database of ours. */
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_equal(steme__store_open(dir, &o, &s), STEME_ECORRUPT);
    fx_rmdir(dir);

    /* A data.mdb that is not LMDB at all. */
    dir = fx_tmpdir();
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 4096; i++)
        fputc('x', f);
    fclose(f);
    assert_int_equal(steme__store_open(dir, &o, &s), STEME_ECORRUPT);
    fx_rmdir(dir);
}

static void
test_read_only(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme__store_options o = {.read_only = true};
    steme_keypair *kp = fx_key(1);
    steme__store *s;
    steme__snap *snap;
    steme_entry e;
    steme__append a;
    fx_rec r;

    /* Read-only never creates. */
    assert_int_equal(steme__store_open(dir, &o, &s), STEME_ENOTFOUND);

    s = open_store(dir, 0);
    fx_numbered(&r, kp, 7, 1);
    append_one(s, &r);
    steme__store_close(s);

    assert_int_equal(steme__store_open(dir, &o, &s), STEME_OK);
    assert_int_equal(steme__snap_begin(s, &snap), STEME_OK);
    assert_int_equal(steme__snap_get_id(snap, &r.id, 0, &e), STEME_OK);
    assert_int_equal(e.seq, 1);
    steme__snap_end(snap);
    fx_numbered(&r, kp, 8, 1);
    a = app(&r);
    assert_int_equal(steme__store_append(s, &a, 1), STEME_EINVAL);
    steme__store_close(s);
    steme_keypair_free(kp);
    fx_rmdir(dir);
}

/* ---------------------------------------------------------------------------------------------
 * Appending
 */

static void
test_duplicates(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_keypair *kp = fx_key(1);
    steme__store *s = open_store(dir, 0);
    steme__append a[4];
    steme_stats st;
    fx_rec r[2];

    fx_numbered(&r[0], kp, 1, 1);
    fx_numbered(&r[1], kp, 2, 1);
    assert_int_equal(append_one(s, &r[0]), 1);
    assert_int_equal(steme__store_commits(s), 1);

    /* Within one call and against the store. */
    a[0] = app(&r[1]);
    a[1] = app(&r[0]);
    a[2] = app(&r[1]);
    a[3] = app(&r[0]);
    assert_int_equal(steme__store_append(s, a, 4), STEME_OK);
    assert_int_equal(a[0].seq, 2);
    assert_false(a[0].duplicate);
    assert_int_equal(a[1].seq, 1);
    assert_true(a[1].duplicate);
    assert_int_equal(a[2].seq, 2);
    assert_true(a[2].duplicate);
    assert_int_equal(a[3].seq, 1);
    assert_true(a[3].duplicate);

    /* Only duplicates: nothing to commit. */
    assert_int_equal(steme__store_append(s, a + 1, 3), STEME_OK);
    assert_int_equal(steme__store_commits(s), 2);
    assert_int_equal(steme__store_stats(s, &st), STEME_OK);
    assert_int_equal(st.last_seq, 2);
    assert_int_equal(st.records, 2);
    steme__store_close(s);
    steme_keypair_free(kp);
    fx_rmdir(dir);
}

static void
test_map_growth(void **state)
{
    (void)state;
    enum { N = 6000, BATCH = 60 };
    char *dir = fx_tmpdir();
    steme_keypair *kp = fx_key(2);
    steme__store *s = open_store(dir, 256u << 10);
    fx_rec *r = calloc(BATCH, sizeof(*r));
    steme__append a[BATCH];
    steme_check_report rep;
    steme_stats st;

    assert_non_null(r);
    assert_int_equal(steme__store_stats(s, &st), STEME_OK);
    assert_int_equal(st.map_size, 256u << 10);
    for (unsigned b = 0; b < N / BATCH; b++) {
        for (unsigned i = 0; i < BATCH; i++) {
            fx_numbered(&r[i], kp, b * BATCH + i, 50);
            a[i] = app(&r[i]);
        }
        assert_int_equal(steme__store_append(s, a, BATCH), STEME_OK);
        assert_int_equal(a[BATCH - 1].seq, (b + 1) * BATCH);
    }
    assert_int_equal(steme__store_stats(s, &st), STEME_OK);
    assert_int_equal(st.records, N);
    assert_true(st.map_size > 256u << 10);
    assert_true(st.disk_bytes <= st.map_size);

    /* The grown map persists: a reopen with a small requested size keeps it. */
    steme__store_close(s);
    s = open_store(dir, 256u << 10);
    assert_int_equal(steme__store_check(s, &rep, NULL, NULL, NULL, NULL), STEME_OK);
    assert_int_equal(rep.problems, 0);
    assert_int_equal(rep.records, N);
    steme__store_close(s);
    free(r);
    steme_keypair_free(kp);
    fx_rmdir(dir);
}

enum { GROW_N = 3000, GROW_BATCH = 100 };

static const char *self; /* argv[0] */

/* The other process of test_map_resized_by_other_process: this binary run again as
 * `test_store --grow DIR`, so that it shares nothing with the parent's environment. */
static int
grow_child(const char *dir)
{
    steme__store_options o = {.create = false};
    steme_keypair *kp = fx_key(6);
    fx_rec *rs = calloc(GROW_BATCH, sizeof(*rs));
    steme__append a[GROW_BATCH];
    steme__store *c;
    int rc = 0;

    if (rs == NULL || steme__store_open(dir, &o, &c) != STEME_OK)
        return 2;
    for (unsigned b = 0; b < GROW_N / GROW_BATCH && rc == 0; b++) {
        for (unsigned i = 0; i < GROW_BATCH; i++) {
            fx_numbered(&rs[i], kp, b * GROW_BATCH + i, 10);
            a[i] = app(&rs[i]);
        }
        if (steme__store_append(c, a, GROW_BATCH) != STEME_OK)
            rc = 3;
    }
    steme__store_close(c);
    steme_keypair_free(kp);
    free(rs);
    return rc;
}

/* Another process grows the map while this one has the store open at the old size: the next
 * snapshot and the next append see MDB_MAP_RESIZED and adopt the new size. */
static void
test_map_resized_by_other_process(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_keypair *kp = fx_key(6);
    steme__store *s = open_store(dir, 256u << 10);
    steme__snap *snap;
    steme_entry e;
    steme_stats st;
    fx_rec r;
    int status;
    pid_t pid;

    fx_numbered(&r, kp, GROW_N, 1);
    append_one(s, &r);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(self, self, "--grow", dir, (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    assert_int_equal(steme__snap_begin(s, &snap), STEME_OK);
    assert_int_equal(steme__snap_get_seq(snap, GROW_N + 1, &e), STEME_OK);
    steme__snap_end(snap);
    assert_int_equal(steme__store_stats(s, &st), STEME_OK);
    assert_int_equal(st.records, GROW_N + 1);
    assert_true(st.map_size > 256u << 10);
    fx_numbered(&r, kp, GROW_N + 1, 1);
    assert_int_equal(append_one(s, &r), GROW_N + 2);
    steme__store_close(s);
    steme_keypair_free(kp);
    fx_rmdir(dir);
}

/* ---------------------------------------------------------------------------------------------
 * Listings: a small corpus, and for each index the expected seqs computed by brute force
 * from what the test itself wrote.
 */

enum { CORPUS = 40 };

typedef struct corpus_item {
    unsigned agent;     /* key number */
    unsigned subject;   /* assertions: s:<n> */
    unsigned predicate; /* assertions: p<n> */
    unsigned source;    /* assertions and source events: src:<n>; ~0u: none */
    int parent;         /* derived_from: index of the parent item, -1 none */
    int superseded;     /* supersedes: index, -1 none */
    int target;         /* votes and retract events: index, -1 none */
    steme_record_kind kind;
} corpus_item;

typedef struct corpus {
    corpus_item item[CORPUS];
    fx_rec rec[CORPUS];
    steme_keypair *key[3];
} corpus;

static void
build_corpus(steme__store *s, corpus *c)
{
    char subject[32], predicate[32], source[32], reason[CORPUS][16];
    steme_id parent, superseded;
    steme_record rec;

    for (unsigned k = 0; k < 3; k++)
        c->key[k] = fx_key((uint8_t)(10 + k));
    for (int i = 0; i < CORPUS; i++) {
        corpus_item *it = &c->item[i];
        *it = (corpus_item){
            .agent = (unsigned)i % 3, .source = ~0u, .parent = -1, .superseded = -1, .target = -1};
        if (i % 5 == 3) {
            it->kind = STEME_RECORD_VOTE;
            it->target = i - 2;
            fx_vote(&rec, c->key[it->agent], &c->rec[it->target].id, 1);
        } else if (i % 10 == 4) {
            it->kind = STEME_RECORD_EVENT;
            it->source = (unsigned)i % 2;
            fx_event(&rec, c->key[it->agent], STEME_EVENT_SOURCE_RETRACT);
            snprintf(source, sizeof(source), "src:%u", it->source);
            rec.event.source = steme_str_c(source);
            snprintf(reason[i], sizeof(reason[i]), "reason %d", i);
            rec.event.reason = steme_str_c(reason[i]);
        } else if (i % 10 == 9) {
            it->kind = STEME_RECORD_EVENT;
            it->target = i - 1;
            fx_event(&rec, c->key[it->agent], STEME_EVENT_ASSERTION_RETRACT);
            rec.event.target = c->rec[it->target].id;
        } else {
            it->kind = STEME_RECORD_ASSERTION;
            it->subject = (unsigned)i % 4;
            it->predicate = (unsigned)i % 3;
            it->source = (unsigned)i % 2;
            snprintf(subject, sizeof(subject), "s:%u", it->subject);
            snprintf(predicate, sizeof(predicate), "p%u", it->predicate);
            snprintf(source, sizeof(source), "src:%u", it->source);
            fx_assertion(&rec, c->key[it->agent], subject, predicate, source, i);
            if (i >= 2 && i % 3 == 0) {
                it->parent = i % 2 == 0 ? 0 : 1;
                parent = c->rec[it->parent].id;
                rec.assertion.derived_from = &parent;
                rec.assertion.n_derived_from = 1;
            }
            if (i >= 7 && i % 7 == 0) {
                it->superseded = 2;
                superseded = c->rec[2].id;
                rec.assertion.supersedes = &superseded;
                rec.assertion.n_supersedes = 1;
            }
        }
        fx_sign(&c->rec[i], &rec, c->key[it->agent]);
        assert_int_equal(append_one(s, &c->rec[i]), (uint64_t)i + 1);
    }
}

/* Does item i match the listing q (q's strings were made by the same snprintf patterns)? */
static bool
expect_match(const corpus *c, int i, const steme_list_options *q, unsigned want)
{
    const corpus_item *it = &c->item[i];
    bool assertion = it->kind == STEME_RECORD_ASSERTION;

    switch (q->index) {
    case STEME_INDEX_LOG:
        return true;
    case STEME_INDEX_SUBJECT:
        return assertion && it->subject == want;
    case STEME_INDEX_SUBJECT_PREDICATE:
        return assertion && it->subject == want / 10 && it->predicate == want % 10;
    case STEME_INDEX_SOURCE:
        return it->source == want;
    case STEME_INDEX_AGENT:
        return it->agent == want;
    case STEME_INDEX_DERIVED_FROM:
        return it->parent == (int)want;
    case STEME_INDEX_SUPERSEDES:
        return it->superseded == (int)want;
    case STEME_INDEX_TARGET:
        return it->target == (int)want;
    }
    return false;
}

static void
check_listing(steme__store *s, const corpus *c, steme_list_options q, unsigned want)
{
    static const uint64_t as_ofs[] = {0, 1, 17, 40, 1000};
    static const uint64_t afters[] = {0, 3, 20, 39, 40};
    static const size_t limits[] = {0, 1, 3};

    for (size_t a = 0; a < sizeof(as_ofs) / sizeof(as_ofs[0]); a++)
        for (size_t b = 0; b < sizeof(afters) / sizeof(afters[0]); b++)
            for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
                uint64_t expect[CORPUS];
                size_t n = 0;
                collected *got;

                q.as_of = as_ofs[a];
                q.after = afters[b];
                q.limit = limits[l];
                for (int i = 0; i < CORPUS; i++) {
                    uint64_t seq = (uint64_t)i + 1;
                    if (seq <= q.after || (q.as_of != 0 && seq > q.as_of))
                        continue;
                    if (q.limit != 0 && n == q.limit)
                        break;
                    if (expect_match(c, i, &q, want))
                        expect[n++] = seq;
                }
                got = list(s, &q);
                assert_int_equal(got->n, n);
                for (size_t i = 0; i < n; i++)
                    assert_int_equal(got->seq[i], expect[i]);
                free(got);
            }
}

static void
test_index_listings(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme__store *s = open_store(dir, 0);
    corpus *c = calloc(1, sizeof(*c));
    char subject[32], predicate[32], source[32];
    steme_list_options q;
    collected *got;

    assert_non_null(c);
    build_corpus(s, c);

    memset(&q, 0, sizeof(q));
    q.index = STEME_INDEX_LOG;
    check_listing(s, c, q, 0);

    for (unsigned subj = 0; subj < 5; subj++) {
        snprintf(subject, sizeof(subject), "s:%u", subj);
        memset(&q, 0, sizeof(q));
        q.index = STEME_INDEX_SUBJECT;
        q.subject = steme_str_c(subject);
        check_listing(s, c, q, subj);
        for (unsigned p = 0; p < 3; p++) {
            snprintf(predicate, sizeof(predicate), "p%u", p);
            q.index = STEME_INDEX_SUBJECT_PREDICATE;
            q.predicate = steme_str_c(predicate);
            check_listing(s, c, q, subj * 10 + p);
        }
    }
    for (unsigned src = 0; src < 3; src++) {
        snprintf(source, sizeof(source), "src:%u", src);
        memset(&q, 0, sizeof(q));
        q.index = STEME_INDEX_SOURCE;
        q.source = steme_str_c(source);
        check_listing(s, c, q, src);
    }
    for (unsigned k = 0; k < 3; k++) {
        memset(&q, 0, sizeof(q));
        q.index = STEME_INDEX_AGENT;
        q.agent = fx_pub(c->key[k]);
        check_listing(s, c, q, k);
    }
    for (int i = 0; i < 4; i++) {
        memset(&q, 0, sizeof(q));
        q.ref = c->rec[i].id;
        q.index = STEME_INDEX_DERIVED_FROM;
        check_listing(s, c, q, (unsigned)i);
        q.index = STEME_INDEX_SUPERSEDES;
        check_listing(s, c, q, (unsigned)i);
    }
    for (int i = 0; i < CORPUS; i++) {
        memset(&q, 0, sizeof(q));
        q.index = STEME_INDEX_TARGET;
        q.ref = c->rec[i].id;
        check_listing(s, c, q, (unsigned)i);
    }

    /* The callback can stop a listing. */
    memset(&q, 0, sizeof(q));
    q.index = STEME_INDEX_LOG;
    got = calloc(1, sizeof(*got));
    assert_non_null(got);
    got->stop_after = 2;
    {
        steme__snap *snap;
        assert_int_equal(steme__snap_begin(s, &snap), STEME_OK);
        assert_int_equal(steme__snap_list(snap, &q, collect, got), STEME_OK);
        steme__snap_end(snap);
    }
    assert_int_equal(got->n, 2);
    free(got);

    /* Bad options. */
    {
        steme__snap *snap;
        collected dummy = {0};
        assert_int_equal(steme__snap_begin(s, &snap), STEME_OK);
        q.index = (steme_index)99;
        assert_int_equal(steme__snap_list(snap, &q, collect, &dummy), STEME_EINVAL);
        q.index = STEME_INDEX_SUBJECT;
        q.subject.ptr = NULL;
        q.subject.len = 3;
        assert_int_equal(steme__snap_list(snap, &q, collect, &dummy), STEME_EINVAL);
        steme__snap_end(snap);
    }

    for (unsigned k = 0; k < 3; k++)
        steme_keypair_free(c->key[k]);
    free(c);
    steme__store_close(s);
    fx_rmdir(dir);
}

/* ---------------------------------------------------------------------------------------------
 * Short-key collisions, forced with made-up ids and keys.
 */

static void
test_id_prefix_collision(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme__store *s = open_store(dir, 0);
    steme_keypair *kp = fx_key(3);
    fx_rec a, b, c;
    steme_id other;
    steme__snap *snap;
    steme_entry e;
    steme__append ap;

    fx_numbered(&a, kp, 1, 1);
    fx_numbered(&b, kp, 2, 1);
    fx_numbered(&c, kp, 3, 1);
    /* b and c claim ids that share a's first 8 bytes. */
    memcpy(b.id.b, a.id.b, 8);
    memcpy(c.id.b, a.id.b, 8);
    other = a.id;
    other.b[31] ^= 1;
    assert_int_equal(append_one(s, &a), 1);
    assert_int_equal(append_one(s, &b), 2);
    assert_int_equal(append_one(s, &c), 3);

    assert_int_equal(steme__snap_begin(s, &snap), STEME_OK);
    assert_int_equal(steme__snap_get_id(snap, &a.id, 0, &e), STEME_OK);
    assert_int_equal(e.seq, 1);
    assert_int_equal(steme__snap_get_id(snap, &b.id, 0, &e), STEME_OK);
    assert_int_equal(e.seq, 2);
    assert_int_equal(e.record.assertion.object.integer, 2);
    assert_int_equal(steme__snap_get_id(snap, &c.id, 0, &e), STEME_OK);
    assert_int_equal(e.seq, 3);
    assert_int_equal(steme__snap_get_id(snap, &c.id, 2, &e), STEME_ENOTFOUND);
    assert_int_equal(steme__snap_get_id(snap, &b.id, 2, &e), STEME_OK);
    assert_int_equal(steme__snap_get_id(snap, &other, 0, &e), STEME_ENOTFOUND);
    steme__snap_end(snap);

    /* Duplicate detection looks past the colliding entries too. */
    ap = app(&c);
    assert_int_equal(steme__store_append(s, &ap, 1), STEME_OK);
    assert_true(ap.duplicate);
    assert_int_equal(ap.seq, 3);

    steme__store_close(s);
    steme_keypair_free(kp);
    fx_rmdir(dir);
}

static void
test_ref_and_agent_collisions(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme__store *s = open_store(dir, 0);
    steme_keypair *kp = fx_key(4);
    steme_id parents[2], probe;
    steme_list_options q;
    steme_record rec;
    collected *got;
    fx_rec x, y, fake;

    /* Two parents that share their first 8 bytes (ids are only sorted by the encoder): the
     * child gets one index entry for both, and a third id with the prefix finds nothing. */
    memset(parents, 0, sizeof(parents));
    memset(parents[0].b, 0xAB, 8);
    memset(parents[1].b, 0xAB, 8);
    parents[0].b[8] = 1;
    parents[1].b[8] = 2;
    probe = parents[0];
    probe.b[8] = 3;
    fx_assertion(&rec, kp, "s:c", "p", "src:c", 1);
    rec.assertion.derived_from = parents;
    rec.assertion.n_derived_from = 2;
    rec.assertion.supersedes = parents;
    rec.assertion.n_supersedes = 2;
    fx_sign(&x, &rec, kp);
    assert_int_equal(append_one(s, &x), 1);

    /* A vote whose target shares the prefix too. */
    fx_vote(&rec, kp, &probe, -1);
    fx_sign(&y, &rec, kp);
    assert_int_equal(append_one(s, &y), 2);

    memset(&q, 0, sizeof(q));
    for (int which = 0; which < 2; which++) {
        q.index = which ? STEME_INDEX_SUPERSEDES : STEME_INDEX_DERIVED_FROM;
        for (int p = 0; p < 2; p++) {
            q.ref = parents[p];
            got = list(s, &q);
            assert_int_equal(got->n, 1);
            assert_int_equal(got->seq[0], 1);
            free(got);
        }
        q.ref = probe;
        got = list(s, &q);
        assert_int_equal(got->n, 0);
        free(got);
    }
    q.index = STEME_INDEX_TARGET;
    q.ref = parents[0];
    got = list(s, &q);
    assert_int_equal(got->n, 0);
    free(got);
    q.ref = probe;
    got = list(s, &q);
    assert_int_equal(got->n, 1);
    assert_int_equal(got->seq[0], 2);
    free(got);

    /* An author key that shares kp's first 8 bytes: its record is not kp's. */
    fx_assertion(&rec, kp, "s:c", "p", "src:c", 2);
    rec.assertion.agent.b[31] ^= 0x55;
    fx_encode(&fake, &rec);
    assert_int_equal(append_one(s, &fake), 3);
    q.index = STEME_INDEX_AGENT;
    q.agent = fx_pub(kp);
    got = list(s, &q);
    assert_int_equal(got->n, 2);
    assert_int_equal(got->seq[0], 1);
    assert_int_equal(got->seq[1], 2);
    free(got);
    q.agent = rec.assertion.agent;
    got = list(s, &q);
    assert_int_equal(got->n, 1);
    assert_int_equal(got->seq[0], 3);
    free(got);

    steme__store_close(s);
    steme_keypair_free(kp);
    fx_rmdir(dir);
}

/* ---------------------------------------------------------------------------------------------
 * Snapshots
 */

static void
test_snapshot_isolation(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme__store *s = open_store(dir, 0);
    steme_keypair *kp = fx_key(5);
    steme__snap *snap;
    steme_entry e;
    fx_rec a, b;

    fx_numbered(&a, kp, 1, 1);
    fx_numbered(&b, kp, 2, 1);
    append_one(s, &a);
    assert_int_equal(steme__snap_begin(s, &snap), STEME_OK);
    /* Appending while this thread holds a snapshot works (the map does not need to grow). */
    append_one(s, &b);
    assert_int_equal(steme__snap_get_id(snap, &b.id, 0, &e), STEME_ENOTFOUND);
    assert_int_equal(steme__snap_get_id(snap, &a.id, 0, &e), STEME_OK);
    steme__snap_end(snap);
    assert_int_equal(steme__snap_begin(s, &snap), STEME_OK);
    assert_int_equal(steme__snap_get_id(snap, &b.id, 0, &e), STEME_OK);
    steme__snap_end(snap);

    /* Many snapshots at once: more than the pool keeps. */
    {
        enum { MANY = 40 };
        steme__snap *many[MANY];
        for (int i = 0; i < MANY; i++)
            assert_int_equal(steme__snap_begin(s, &many[i]), STEME_OK);
        for (int i = 0; i < MANY; i++) {
            assert_int_equal(steme__snap_get_seq(many[i], 2, &e), STEME_OK);
            steme__snap_end(many[i]);
        }
    }
    steme__store_close(s);
    steme_keypair_free(kp);
    fx_rmdir(dir);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_reopen),
        cmocka_unit_test(test_newer_format_refused),
        cmocka_unit_test(test_foreign_directory_refused),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_map_growth),
        cmocka_unit_test(test_map_resized_by_other_process),
        cmocka_unit_test(test_index_listings),
        cmocka_unit_test(test_id_prefix_collision),
        cmocka_unit_test(test_ref_and_agent_collisions),
        cmocka_unit_test(test_snapshot_isolation),
    };
    if (!steme__crypto_init())
        return 1;
    self = argv[0];
    if (argc == 3 && strcmp(argv[1], "--grow") == 0)
        return grow_child(argv[2]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
