/* SPDX-License-Identifier: MIT */
/*
 * read.c -- reading inside a snapshot: a record by seq or by id, and listings through the log
 * or a secondary index with as_of / after / limit.
 *
 * The read path allocates nothing: entries borrow the snapshot's pages, cursors are cached in
 * the snapshot, and the usual lookup by id is two B-tree descents (id prefix -> seq, seq ->
 * envelope). Because index keys are short, every hit is checked against the full value (the
 * id, the subject, ...) and false hits are skipped.
 */
#include <string.h>

#include "bytes.h"
#include "store_int.h"

/* The envelope at seq, which an index entry says exists. */
static steme_err
get_indexed(steme__store *s, steme__txn *t, const MDB_val *data, steme_entry *ret)
{
    steme_err err;

    if (data->mv_size != 8)
        return STEME_ECORRUPT;
    err = s->log->ops->get(s->log, t, steme__get_u64(data->mv_data), ret);
    return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
}

steme_err
steme__find_id(steme__store *s, steme__txn *t, const steme_id *id, uint64_t as_of, steme_entry *ret)
{
    MDB_val key = {8, (void *)id->b};
    MDB_val data;
    MDB_cursor *cur;
    steme_err err;
    int rc;

    /* The first (oldest) entry under the prefix is nearly always the only one. */
    rc = mdb_get(t->mdb, t->dbi[STEME__DB_INDEX(STEME__IDX_ID)], &key, &data);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    if (data.mv_size == 8 && as_of != 0 && steme__get_u64(data.mv_data) > as_of)
        return STEME_ENOTFOUND;
    err = get_indexed(s, t, &data, ret);
    if (err != STEME_OK)
        return err;
    if (memcmp(ret->id.b, id->b, STEME_ID_SIZE) == 0)
        return STEME_OK;

    /* Another id shares the prefix: walk the rest of the key's entries, in seq order. */
    err = steme__txn_cursor(t, STEME__DB_INDEX(STEME__IDX_ID), &cur);
    if (err != STEME_OK)
        return err;
    rc = mdb_cursor_get(cur, &key, &data, MDB_SET_KEY);
    if (rc == MDB_SUCCESS)
        rc = mdb_cursor_get(cur, &key, &data, MDB_NEXT_DUP); /* the first one was seen above */
    for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(cur, &key, &data, MDB_NEXT_DUP)) {
        if (data.mv_size == 8 && as_of != 0 && steme__get_u64(data.mv_data) > as_of)
            return STEME_ENOTFOUND;
        err = get_indexed(s, t, &data, ret);
        if (err != STEME_OK)
            return err;
        if (memcmp(ret->id.b, id->b, STEME_ID_SIZE) == 0)
            return STEME_OK;
    }
    return rc == MDB_NOTFOUND ? STEME_ENOTFOUND : steme__lmdb_err(rc);
}

static steme_err
decode_entry(steme_entry *e)
{
    steme_errinfo ei;
    if (steme_record_decode(e->bytes, e->len, &e->record, &ei) != STEME_OK)
        return STEME_ECORRUPT;
    return STEME_OK;
}

steme_err
steme__snap_get_seq(steme__snap *snap, uint64_t seq, steme_entry *ret)
{
    steme__store *s = snap->store;
    steme_err err = s->log->ops->get(s->log, &snap->txn, seq, ret);
    if (err != STEME_OK)
        return err;
    return decode_entry(ret);
}

steme_err
steme__snap_get_id(steme__snap *snap, const steme_id *id, uint64_t as_of, steme_entry *ret)
{
    steme_err err = steme__find_id(snap->store, &snap->txn, id, as_of, ret);
    if (err != STEME_OK)
        return err;
    return decode_entry(ret);
}

steme_err
steme__snap_envelope_seq(steme__snap *snap, uint64_t seq, steme_entry *ret)
{
    steme__store *s = snap->store;
    return s->log->ops->get(s->log, &snap->txn, seq, ret);
}

steme_err
steme__snap_envelope_id(steme__snap *snap, const steme_id *id, uint64_t as_of, steme_entry *ret)
{
    return steme__find_id(snap->store, &snap->txn, id, as_of, ret);
}

/* ---------------------------------------------------------------------------------------------
 * Listings
 */

typedef struct list_ctx {
    const steme_list_options *q;
    steme_entry_fn fn;
    void *ctx;
    size_t count;
    steme_err err;
    steme_entry e;
} list_ctx;

/* Hand one visible, matching entry to the caller. Returns nonzero to stop. */
static int
deliver(list_ctx *lc)
{
    if (lc->fn(&lc->e, lc->ctx) != 0)
        return 1;
    lc->count++;
    return lc->q->limit != 0 && lc->count >= lc->q->limit;
}

static int
list_log_one(const steme_entry *e, void *ctx)
{
    list_ctx *lc = ctx;

    if (lc->q->as_of != 0 && e->seq > lc->q->as_of)
        return 1;
    if (e->bytes == NULL) {
        lc->err = STEME_ECORRUPT;
        return 1;
    }
    lc->e.seq = e->seq;
    lc->e.recorded_at = e->recorded_at;
    lc->e.id = e->id;
    lc->e.sig = e->sig;
    lc->e.bytes = e->bytes;
    lc->e.len = e->len;
    if ((lc->err = decode_entry(&lc->e)) != STEME_OK)
        return 1;
    return deliver(lc);
}

static steme_err
list_index(steme__store *s, steme__txn *t, list_ctx *lc)
{
    const steme_list_options *q = lc->q;
    uint8_t from[8];
    steme__ikey k;
    MDB_val key, data;
    MDB_cursor *cur;
    steme_err err;
    int rc;

    err = steme__index_query_key(q, &k);
    if (err != STEME_OK)
        return err;
    if (q->after == UINT64_MAX)
        return STEME_OK;
    err = steme__txn_cursor(t, STEME__DB_INDEX(k.idx), &cur);
    if (err != STEME_OK)
        return err;

    /* Entries of a key are in seq order: start at the first one past the cursor. */
    key.mv_size = k.len;
    key.mv_data = k.b;
    steme__put_u64(from, q->after + 1);
    data.mv_size = sizeof(from);
    data.mv_data = from;
    rc = mdb_cursor_get(cur, &key, &data, MDB_GET_BOTH_RANGE);
    for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(cur, &key, &data, MDB_NEXT_DUP)) {
        if (data.mv_size != 8)
            return STEME_ECORRUPT;
        if (q->as_of != 0 && steme__get_u64(data.mv_data) > q->as_of)
            return STEME_OK;
        err = get_indexed(s, t, &data, &lc->e);
        if (err == STEME_OK)
            err = decode_entry(&lc->e);
        if (err != STEME_OK)
            return err;
        if (!steme__index_match(q, &lc->e.record))
            continue; /* another value with the same short key */
        if (deliver(lc))
            return STEME_OK;
    }
    return rc == MDB_NOTFOUND ? STEME_OK : steme__lmdb_err(rc);
}

steme_err
steme__txn_list(steme__txn *t, const steme_list_options *q, steme_entry_fn fn, void *ctx)
{
    steme__store *s = t->store;
    list_ctx lc = {.q = q, .fn = fn, .ctx = ctx, .err = STEME_OK};
    steme_err err;

    if (q->index != STEME_INDEX_LOG)
        return list_index(s, t, &lc);
    err = s->log->ops->scan(s->log, t, q->after, list_log_one, &lc);
    return err != STEME_OK ? err : lc.err;
}

/* A cursor on the first entry of q's index key: *rc is LMDB's answer (MDB_NOTFOUND for none). */
static steme_err
index_first(steme__txn *t, const steme_list_options *q, MDB_cursor **cur, MDB_val *data, int *rc)
{
    steme__ikey k;
    MDB_val key;
    steme_err err;

    if ((err = steme__index_query_key(q, &k)) != STEME_OK)
        return err;
    if ((err = steme__txn_cursor(t, STEME__DB_INDEX(k.idx), cur)) != STEME_OK)
        return err;
    key.mv_size = k.len;
    key.mv_data = k.b;
    *rc = mdb_cursor_get(*cur, &key, data, MDB_SET_KEY);
    return STEME_OK;
}

steme_err
steme__txn_index_seqs(steme__txn *t, const steme_list_options *q, uint64_t *seqs, size_t cap,
                      size_t *ret_n)
{
    MDB_val key, data;
    MDB_cursor *cur;
    size_t n = 0;
    steme_err err;
    int rc;

    if ((err = index_first(t, q, &cur, &data, &rc)) != STEME_OK)
        return err;
    for (; rc == MDB_SUCCESS && n < cap; rc = mdb_cursor_get(cur, &key, &data, MDB_NEXT_DUP)) {
        if (data.mv_size != 8)
            return STEME_ECORRUPT;
        seqs[n++] = steme__get_u64(data.mv_data);
    }
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return steme__lmdb_err(rc);
    *ret_n = n;
    return STEME_OK;
}

steme_err
steme__txn_index_count(steme__txn *t, const steme_list_options *q, size_t *ret)
{
    MDB_val data;
    MDB_cursor *cur;
    size_t n = 0;
    steme_err err;
    int rc;

    if ((err = index_first(t, q, &cur, &data, &rc)) != STEME_OK)
        return err;
    if (rc == MDB_SUCCESS)
        rc = mdb_cursor_count(cur, &n);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return steme__lmdb_err(rc);
    *ret = rc == MDB_SUCCESS ? n : 0;
    return STEME_OK;
}

steme_err
steme__snap_list(steme__snap *snap, const steme_list_options *q, steme_entry_fn fn, void *ctx)
{
    return steme__txn_list(&snap->txn, q, fn, ctx);
}

steme_err
steme__txn_get_seq(steme__txn *t, uint64_t seq, steme_entry *ret)
{
    steme__store *s = t->store;
    steme_err err = s->log->ops->get(s->log, t, seq, ret);
    if (err != STEME_OK)
        return err;
    return decode_entry(ret);
}

steme_err
steme__txn_get_id(steme__txn *t, const steme_id *id, uint64_t as_of, steme_entry *ret)
{
    steme_err err = steme__find_id(t->store, t, id, as_of, ret);
    if (err != STEME_OK)
        return err;
    return decode_entry(ret);
}

steme__txn *
steme__snap_txn(steme__snap *snap)
{
    return &snap->txn;
}
