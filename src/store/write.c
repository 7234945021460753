/* SPDX-License-Identifier: MIT */
/*
 * write.c -- appending records: one durable write transaction per call, duplicate detection,
 * the rules hooks, index maintenance, metadata, and growing the map when it fills.
 *
 * A call is all or nothing: any failure aborts the transaction, so no record, index entry,
 * derived row or count of the call becomes visible. MDB_MAP_FULL is not a failure the caller
 * sees: the transaction is aborted, the map doubled, and the whole call replayed from the
 * start. A record the rules refuse is not a failure either: it is skipped (or, in an atomic
 * group, its whole group is dropped by aborting the group's nested transaction).
 */
#include <string.h>
#include <time.h>

#include "store_int.h"

/* Upper bounds of the latency buckets (steme_latency), nanoseconds; the last is unbounded. */
static const uint64_t latency_le_ns[STEME_LATENCY_BUCKETS] = {
    100000,   250000,    500000,    1000000,   2500000,    5000000,    10000000,   25000000,
    50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, UINT64_MAX,
};

static uint64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
latency_record(steme__latency *l, uint64_t ns)
{
    size_t i = 0;
    while (ns > latency_le_ns[i])
        i++; /* stops at the last bound, UINT64_MAX */
    atomic_fetch_add_explicit(&l->count[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->sum_ns, ns, memory_order_relaxed);
}

static void
latency_read(steme__latency *l, steme_latency *ret)
{
    for (size_t i = 0; i < STEME_LATENCY_BUCKETS; i++) {
        ret->le_ns[i] = latency_le_ns[i];
        ret->count[i] = atomic_load_explicit(&l->count[i], memory_order_relaxed);
    }
    ret->sum_ns = atomic_load_explicit(&l->sum_ns, memory_order_relaxed);
}

/* Append one group's records in t. Returns STEME__EREFUSED when an atomic group had a refusal
 * (the caller drops the nested transaction). */
static steme_err
append_recs(steme__store *s, steme__txn *t, steme__meta *m, int64_t recorded_at,
            steme__append *recs, size_t n, bool atomic, bool *wrote)
{
    steme__ikey keys[STEME__MAX_IKEYS];
    steme_err err;

    for (size_t i = 0; i < n; i++) {
        steme__append *a = &recs[i];
        steme_entry e;
        size_t nk;

        a->err = STEME_OK;
        /* The write transaction sees its own appends, so this also catches a record that
         * appears twice in the call. */
        err = steme__find_id(s, t, &a->id, 0, &e);
        if (err == STEME_OK) {
            a->seq = e.seq;
            a->duplicate = true;
            continue;
        }
        if (err != STEME_ENOTFOUND)
            return err;
        a->duplicate = false;
        if (steme_record_decode(a->bytes, a->len, &e.record, &a->info) != STEME_OK)
            return STEME_EINVAL;
        if (m->last_seq == UINT64_MAX)
            return STEME_ELIMIT;
        e.seq = m->last_seq + 1;
        e.recorded_at = recorded_at;
        e.id = a->id;
        e.sig = a->sig;
        e.bytes = a->bytes;
        e.len = a->len;

        t->hint = a->hint;
        if (s->hooks.admit != NULL) {
            err = s->hooks.admit(s->hooks.ctx, t, &e, &a->info);
            if (err == STEME_EINVAL || err == STEME_ESIG) {
                a->err = err;
                a->seq = 0;
                if (atomic)
                    return STEME__EREFUSED;
                continue;
            }
            if (err != STEME_OK)
                return err;
        }
        err = s->log->ops->append(s->log, t, e.seq, recorded_at, &a->id, &a->sig, a->bytes, a->len);
        if (err != STEME_OK)
            return err;
        nk = a->hashed ? steme__index_keys_hashed(&e.record, &a->id, &a->h, keys)
                       : steme__index_keys(&e.record, &a->id, keys);
        err = steme__index_put(t, keys, nk, e.seq);
        if (err != STEME_OK)
            return err;
        m->last_seq = e.seq;
        m->count[e.record.kind]++;
        a->seq = e.seq;
        *wrote = true;
        if (s->hooks.apply != NULL) {
            t->applying = e.seq;
            err = s->hooks.apply(s->hooks.ctx, t, &e);
            t->applying = 0;
            if (err != STEME_OK)
                return err == STEME_EINVAL ? STEME_ECORRUPT : err;
        }
        t->hint = NULL;
    }
    return STEME_OK;
}

/* An atomic group of several records runs in a nested transaction so that a refusal of its
 * last record can take back its first. */
static steme_err
append_group(steme__store *s, steme__txn *t, steme__meta *m, int64_t recorded_at,
             steme__append_group *g, bool *wrote)
{
    steme__txn child = {.store = s, .dbi = s->dbi};
    steme__meta saved = *m;
    bool child_wrote = false;
    steme_err err;
    int rc;

    g->refused = false;
    if (!g->atomic || g->n < 2) {
        /* A refusal comes from admit, before anything of the record is written. */
        err = append_recs(s, t, m, recorded_at, g->recs, g->n, g->atomic, wrote);
        if (err == STEME__EREFUSED) {
            g->refused = true;
            return STEME_OK;
        }
        return err;
    }
    rc = mdb_txn_begin(s->env, t->mdb, 0, &child.mdb);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    err = append_recs(s, &child, m, recorded_at, g->recs, g->n, true, &child_wrote);
    if (err == STEME__EREFUSED) {
        mdb_txn_abort(child.mdb);
        *m = saved;
        g->refused = true;
        return STEME_OK;
    }
    if (err != STEME_OK) {
        mdb_txn_abort(child.mdb);
        return err;
    }
    err = steme__lmdb_err(mdb_txn_commit(child.mdb));
    if (err == STEME_OK && child_wrote)
        *wrote = true;
    return err;
}

static steme_err
append_txn(steme__store *s, steme__txn *t, steme__append_group *groups, size_t n, bool *wrote,
           uint64_t *ret_new)
{
    int64_t recorded_at;
    uint64_t first_seq;
    steme__meta m;
    steme_err err;

    err = steme__meta_read(t, &m);
    if (err != STEME_OK)
        return err;
    first_seq = m.last_seq;
    /* Transaction time never goes backwards, even if the wall clock does. */
    recorded_at = steme_now_ms();
    if (recorded_at < m.last_recorded_at)
        recorded_at = m.last_recorded_at;

    for (size_t i = 0; i < n; i++) {
        err = append_group(s, t, &m, recorded_at, &groups[i], wrote);
        if (err != STEME_OK)
            return err;
    }
    if (*wrote) {
        m.last_recorded_at = recorded_at;
        err = steme__meta_write(t, &m);
    }
    /* New records take consecutive seqs; a dropped atomic group restored last_seq. */
    *ret_new = m.last_seq - first_seq;
    return err;
}

steme_err
steme__store_append_groups(steme__store *s, steme__append_group *groups, size_t n)
{
    if (s->read_only)
        return STEME_EINVAL;
    if (n == 0)
        return STEME_OK;

    for (;;) {
        steme__txn t = {.store = s, .dbi = s->dbi};
        bool wrote = false;
        uint64_t fresh = 0, t0, t1;
        size_t seen;
        steme_err err;
        int rc;

        steme__map_rdlock(s);
        seen = steme__store_map_size(s);
        t0 = mono_ns();
        rc = mdb_txn_begin(s->env, NULL, 0, &t.mdb);
        if (rc != MDB_SUCCESS) {
            steme__map_unlock(s);
            if (rc != MDB_MAP_RESIZED)
                return steme__lmdb_err(rc);
            /* Another process grew the map: adopt its size, then begin again. */
            err = steme__store_grow(s, 0);
            if (err != STEME_OK)
                return err;
            continue;
        }

        err = append_txn(s, &t, groups, n, &wrote, &fresh);
        if (err == STEME_OK && wrote) {
            /* Durable: the environment is opened without MDB_NOSYNC, so this fsyncs. The
             * cursors of a write transaction die with it. */
            t1 = mono_ns();
            err = steme__lmdb_err(mdb_txn_commit(t.mdb));
            if (err == STEME_OK) {
                uint64_t t2 = mono_ns();
                /* The histograms before the count, so that a reader who sees a commit
                 * counted also finds it in them. */
                latency_record(&s->commit_latency, t2 - t1);
                latency_record(&s->txn_latency, t2 - t0);
                atomic_fetch_add(&s->committed_records, fresh);
                atomic_fetch_add(&s->commits, 1);
            }
        } else {
            mdb_txn_abort(t.mdb);
        }
        steme__map_unlock(s);

        if (err != STEME__EMAPFULL)
            return err;
        err = steme__store_grow(s, seen);
        if (err != STEME_OK)
            return err;
    }
}

steme_err
steme__store_append(steme__store *s, steme__append *recs, size_t n)
{
    steme__append_group g = {.recs = recs, .n = n, .atomic = false};
    return steme__store_append_groups(s, &g, 1);
}

void
steme__store_counters(steme__store *s, steme_counters *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->commit_groups = atomic_load(&s->commits);
    ret->committed_records = atomic_load(&s->committed_records);
    latency_read(&s->commit_latency, &ret->commit);
    latency_read(&s->txn_latency, &ret->transaction);
}
