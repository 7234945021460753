/* SPDX-License-Identifier: MIT */
/*
 * log_lmdb.c -- the log in an LMDB database of the store's environment.
 *
 * Key: the seq as a big-endian u64, so that LMDB's default memcmp order is log order and
 * every append lands at the right edge of the B-tree (MDB_APPEND: no search, full pages).
 * Value: the envelope (log.h), written in place with MDB_RESERVE.
 */
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "store_int.h"

steme_err
steme__envelope_parse(const uint8_t *p, size_t n, steme_entry *ret)
{
    if (n < STEME__ENVELOPE_HEADER || p[0] != STEME__ENVELOPE_VERSION)
        return STEME_ECORRUPT;
    ret->recorded_at = (int64_t)steme__get_u64(p + 1);
    memcpy(ret->id.b, p + 9, STEME_ID_SIZE);
    memcpy(ret->sig.b, p + 9 + STEME_ID_SIZE, STEME_SIG_SIZE);
    ret->bytes = p + STEME__ENVELOPE_HEADER;
    ret->len = n - STEME__ENVELOPE_HEADER;
    return STEME_OK;
}

static steme_err
lmdb_append(steme__log *log, steme__txn *t, uint64_t seq, int64_t recorded_at, const steme_id *id,
            const steme_sig *sig, const uint8_t *bytes, size_t len)
{
    uint8_t seq_be[8];
    MDB_val key = {sizeof(seq_be), seq_be};
    MDB_val data = {STEME__ENVELOPE_HEADER + len, NULL};
    uint8_t *p;
    int rc;

    (void)log;
    steme__put_u64(seq_be, seq);
    rc = mdb_put(t->mdb, t->dbi[STEME__DB_LOG], &key, &data, MDB_APPEND | MDB_RESERVE);
    if (rc == MDB_KEYEXIST)
        return STEME_ECORRUPT; /* seq is not past the end: meta and log disagree */
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    p = data.mv_data;
    p[0] = STEME__ENVELOPE_VERSION;
    steme__put_u64(p + 1, (uint64_t)recorded_at);
    memcpy(p + 9, id->b, STEME_ID_SIZE);
    memcpy(p + 9 + STEME_ID_SIZE, sig->b, STEME_SIG_SIZE);
    if (len)
        memcpy(p + STEME__ENVELOPE_HEADER, bytes, len);
    return STEME_OK;
}

static steme_err
lmdb_get(steme__log *log, steme__txn *t, uint64_t seq, steme_entry *ret)
{
    uint8_t seq_be[8];
    MDB_val key = {sizeof(seq_be), seq_be};
    MDB_val data;
    int rc;

    (void)log;
    steme__put_u64(seq_be, seq);
    rc = mdb_get(t->mdb, t->dbi[STEME__DB_LOG], &key, &data);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    ret->seq = seq;
    return steme__envelope_parse(data.mv_data, data.mv_size, ret);
}

static steme_err
lmdb_last_seq(steme__log *log, steme__txn *t, uint64_t *ret)
{
    MDB_cursor *cur;
    MDB_val key, data;
    steme_err err;
    int rc;

    (void)log;
    err = steme__txn_cursor(t, STEME__DB_LOG, &cur);
    if (err != STEME_OK)
        return err;
    rc = mdb_cursor_get(cur, &key, &data, MDB_LAST);
    if (rc == MDB_NOTFOUND) {
        *ret = 0;
        return STEME_OK;
    }
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    if (key.mv_size != 8)
        return STEME_ECORRUPT;
    *ret = steme__get_u64(key.mv_data);
    return STEME_OK;
}

static steme_err
lmdb_scan(steme__log *log, steme__txn *t, uint64_t after, steme__log_fn fn, void *ctx)
{
    uint8_t seq_be[8];
    MDB_val key = {sizeof(seq_be), seq_be};
    MDB_val data;
    MDB_cursor *cur;
    steme_err err;
    int rc;

    (void)log;
    if (after == UINT64_MAX)
        return STEME_OK;
    err = steme__txn_cursor(t, STEME__DB_LOG, &cur);
    if (err != STEME_OK)
        return err;
    steme__put_u64(seq_be, after + 1);
    for (rc = mdb_cursor_get(cur, &key, &data, MDB_SET_RANGE); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cur, &key, &data, MDB_NEXT)) {
        steme_entry e;
        if (key.mv_size != 8)
            return STEME_ECORRUPT;
        e.seq = steme__get_u64(key.mv_data);
        if (steme__envelope_parse(data.mv_data, data.mv_size, &e) != STEME_OK) {
            memset(&e, 0, sizeof(e));
            e.seq = steme__get_u64(key.mv_data);
        }
        if (fn(&e, ctx) != 0)
            return STEME_OK;
    }
    return rc == MDB_NOTFOUND ? STEME_OK : steme__lmdb_err(rc);
}

static void
lmdb_close(steme__log *log)
{
    steme__free(log);
}

static const steme__log_ops lmdb_ops = {
    .append = lmdb_append,
    .get = lmdb_get,
    .last_seq = lmdb_last_seq,
    .scan = lmdb_scan,
    .close = lmdb_close,
};

steme_err
steme__log_lmdb_new(steme__log **ret)
{
    steme__log *log = steme__calloc(1, sizeof(*log));
    if (log == NULL)
        return STEME_ENOMEM;
    log->ops = &lmdb_ops;
    *ret = log;
    return STEME_OK;
}
