/* SPDX-License-Identifier: MIT */
/*
 * write.c -- appending records: one durable write transaction per call, duplicate detection,
 * index maintenance, metadata, and growing the map when it fills.
 *
 * A call is all or nothing: any failure aborts the transaction, so no record, index entry or
 * count of the call becomes visible. MDB_MAP_FULL is not a failure the caller sees: the
 * transaction is aborted, the map doubled, and the whole call replayed from the start.
 */
#include "store_int.h"

/* Append recs in t. *ret_wrote tells whether anything new was written (a call of only
 * duplicates writes nothing and needs no commit). */
static steme_err
append_txn(steme__store *s, steme__txn *t, steme__append *recs, size_t n, bool *ret_wrote)
{
    steme__ikey keys[STEME__MAX_IKEYS];
    steme_record rec;
    steme_errinfo ei;
    steme__meta m;
    int64_t recorded_at;
    bool wrote = false;
    steme_err err;

    err = steme__meta_read(t, &m);
    if (err != STEME_OK)
        return err;
    /* Transaction time never goes backwards, even if the wall clock does. */
    recorded_at = steme_now_ms();
    if (recorded_at < m.last_recorded_at)
        recorded_at = m.last_recorded_at;

    for (size_t i = 0; i < n; i++) {
        steme__append *a = &recs[i];
        steme_entry found;
        uint64_t seq;
        size_t nk;

        /* The write transaction sees its own appends, so this also catches a record that
         * appears twice in the call. */
        err = steme__find_id(s, t, &a->id, 0, &found);
        if (err == STEME_OK) {
            a->seq = found.seq;
            a->duplicate = true;
            continue;
        }
        if (err != STEME_ENOTFOUND)
            return err;
        if (steme_record_decode(a->bytes, a->len, &rec, &ei) != STEME_OK)
            return STEME_EINVAL;
        if (m.last_seq == UINT64_MAX)
            return STEME_ELIMIT;
        seq = m.last_seq + 1;
        err = s->log->ops->append(s->log, t, seq, recorded_at, &a->id, &a->sig, a->bytes, a->len);
        if (err != STEME_OK)
            return err;
        nk = steme__index_keys(&rec, &a->id, keys);
        err = steme__index_put(t, keys, nk, seq);
        if (err != STEME_OK)
            return err;
        m.last_seq = seq;
        m.count[rec.kind]++;
        a->seq = seq;
        a->duplicate = false;
        wrote = true;
    }
    if (wrote) {
        m.last_recorded_at = recorded_at;
        err = steme__meta_write(t, &m);
        if (err != STEME_OK)
            return err;
    }
    *ret_wrote = wrote;
    return STEME_OK;
}

steme_err
steme__store_append(steme__store *s, steme__append *recs, size_t n)
{
    if (s->read_only)
        return STEME_EINVAL;
    if (n == 0)
        return STEME_OK;

    for (;;) {
        steme__txn t = {.dbi = s->dbi};
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

        err = append_txn(s, &t, recs, n, &wrote);
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
