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
#include "store_int.h"

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
        nk = steme__index_keys(&e.record, &a->id, keys);
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
append_txn(steme__store *s, steme__txn *t, steme__append_group *groups, size_t n, bool *wrote)
{
    int64_t recorded_at;
    steme__meta m;
    steme_err err;

    err = steme__meta_read(t, &m);
    if (err != STEME_OK)
        return err;
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
        size_t seen;
        steme_err err;
        int rc;

        steme__map_rdlock(s);
        seen = steme__store_map_size(s);
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

        err = append_txn(s, &t, groups, n, &wrote);
        if (err == STEME_OK && wrote) {
            /* Durable: the environment is opened without MDB_NOSYNC, so this fsyncs. The
             * cursors of a write transaction die with it. */
            err = steme__lmdb_err(mdb_txn_commit(t.mdb));
            if (err == STEME_OK)
                atomic_fetch_add(&s->commits, 1);
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
