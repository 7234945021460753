/* SPDX-License-Identifier: MIT */
/*
 * copy.c -- the two whole-store operations behind backup and restore (src/engine/backup.c,
 * restore.c): a compacted copy of the environment from one read snapshot, and cutting the log
 * back to a position (restore --until).
 *
 * The copy is LMDB's own (mdb_env_copyfd2 with MDB_CP_COMPACT): it walks every database in a
 * read transaction, so writers go on committing meanwhile and the copy is exactly the state of
 * one commit. Cutting the log removes the records past a position together with their index
 * entries and counts, newest first, and leaves derived state alone: the caller rebuilds it
 * from the remaining log, which gives exactly the derived state the store had at that
 * position (derived state is a function of the log, docs/storage.md).
 */
#include <string.h>

#include "bytes.h"
#include "store_int.h"

/* Records removed per write transaction when cutting the log: bounds the dirty pages of one
 * transaction (every removed record touches a leaf of each of its indexes). */
#define TRUNCATE_CHUNK 20000

steme_err
steme__store_copy(steme__store *s, int fd)
{
    for (;;) {
        int rc;

        /* The copy's read transaction is a live transaction of this process: the map must
         * not be replaced under it. */
        steme__map_rdlock(s);
        rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
        steme__map_unlock(s);
        if (rc != MDB_MAP_RESIZED)
            return steme__lmdb_err(rc);
        /* Another process grew the map before the copy's transaction began (nothing has been
         * written to fd yet): adopt the new size and begin again. */
        steme_err err = steme__store_grow(s, 0);
        if (err != STEME_OK)
            return err;
    }
}

/* Remove one record (the log's last, at seq, envelope in data) and its index entries. */
static steme_err
remove_record(steme__txn *t, MDB_cursor *log_cur, uint64_t seq, const MDB_val *data, steme__meta *m)
{
    steme__ikey keys[STEME__MAX_IKEYS];
    uint8_t seq_be[8];
    steme_entry e;
    steme_errinfo ei;
    size_t nk;
    int rc;

    if (steme__envelope_parse(data->mv_data, data->mv_size, &e) != STEME_OK ||
        steme_record_decode(e.bytes, e.len, &e.record, &ei) != STEME_OK)
        return STEME_ECORRUPT;
    steme__put_u64(seq_be, seq);
    nk = steme__index_keys(&e.record, &e.id, keys);
    for (size_t i = 0; i < nk; i++) {
        MDB_val k = {keys[i].len, keys[i].b}, v = {sizeof(seq_be), seq_be};
        rc = mdb_del(t->mdb, t->dbi[STEME__DB_INDEX(keys[i].idx)], &k, &v);
        if (rc == MDB_NOTFOUND)
            return STEME_ECORRUPT; /* an entry the record implies is missing */
        if (rc != MDB_SUCCESS)
            return steme__lmdb_err(rc);
    }
    if (m->count[e.record.kind] == 0)
        return STEME_ECORRUPT;
    m->count[e.record.kind]--;
    return steme__lmdb_err(mdb_cursor_del(log_cur, 0));
}

/* One transaction's share of the cut: up to TRUNCATE_CHUNK records past until, newest first,
 * then the metadata of the log that remains. *ret_removed counts what was removed. */
static steme_err
truncate_txn(steme__txn *t, uint64_t until, uint64_t *ret_removed)
{
    MDB_cursor *cur;
    MDB_val key, data;
    steme__meta m;
    uint64_t removed = 0, last = 0;
    steme_err err;
    int rc;

    err = steme__meta_read(t, &m);
    if (err != STEME_OK)
        return err;
    rc = mdb_cursor_open(t->mdb, t->dbi[STEME__DB_LOG], &cur);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    for (;;) {
        rc = mdb_cursor_get(cur, &key, &data, MDB_LAST);
        if (rc == MDB_NOTFOUND) {
            last = 0;
            break;
        }
        if (rc != MDB_SUCCESS) {
            err = steme__lmdb_err(rc);
            goto out_close_cursor;
        }
        if (key.mv_size != 8) {
            err = STEME_ECORRUPT;
            goto out_close_cursor;
        }
        last = steme__get_u64(key.mv_data);
        if (last <= until || removed == TRUNCATE_CHUNK)
            break;
        err = remove_record(t, cur, last, &data, &m);
        if (err != STEME_OK)
            goto out_close_cursor;
        removed++;
    }
    /* Transaction time of the last record that remains: what the metadata said when the log
     * ended there. */
    m.last_seq = last;
    m.last_recorded_at = 0;
    if (last > 0) {
        steme_entry e;
        if (rc != MDB_SUCCESS ||
            steme__envelope_parse(data.mv_data, data.mv_size, &e) != STEME_OK) {
            err = STEME_ECORRUPT;
            goto out_close_cursor;
        }
        m.last_recorded_at = e.recorded_at;
    }
    err = steme__meta_write(t, &m);
    if (err == STEME_OK)
        *ret_removed = removed;

out_close_cursor:
    mdb_cursor_close(cur);
    return err;
}

typedef struct truncate_chunk {
    uint64_t until;
    uint64_t removed;
} truncate_chunk;

static steme_err
truncate_one(steme__txn *t, void *ctx)
{
    truncate_chunk *tc = ctx;
    tc->removed = 0;
    return truncate_txn(t, tc->until, &tc->removed);
}

steme_err
steme__store_truncate(steme__store *s, uint64_t until, steme__progress_fn progress, void *ctx)
{
    uint64_t done = 0, total = 0;
    steme__snap *snap;
    steme__meta m;
    steme_err err;

    if (s->read_only)
        return STEME_EINVAL;
    err = steme__snap_begin(s, &snap);
    if (err != STEME_OK)
        return err;
    err = steme__meta_read(steme__snap_txn(snap), &m);
    steme__snap_end(snap);
    if (err != STEME_OK)
        return err;
    if (m.last_seq <= until)
        return STEME_OK;
    total = m.last_seq - until;

    for (;;) {
        /* One chunk per write transaction (steme__store_write grows the map and redoes it
         * on MDB_MAP_FULL: deleting copies pages too). */
        truncate_chunk tc = {.until = until};
        if ((err = steme__store_write(s, truncate_one, &tc)) != STEME_OK)
            return err;
        done += tc.removed;
        if (progress != NULL)
            progress(done, total, ctx);
        if (tc.removed < TRUNCATE_CHUNK)
            return STEME_OK;
    }
}
