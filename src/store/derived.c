/* SPDX-License-Identifier: MIT */
/*
 * derived.c -- the tables of derived state: plain key/value access for the engine's rules,
 * dry runs, the rebuild from the log, and the hash that proves a rebuild byte-identical.
 *
 * The store knows nothing of what the rows mean (src/engine/rows.h does); it only guarantees
 * that they live in the same transaction as the records that caused them, so that a record
 * and its consequences become visible together or not at all.
 *
 * Three tables in the same environment are not derived state and go through the same
 * accessors: the query audit, the API keys and the admin log (steme__table_derived). A rebuild
 * and the derived-state hash pass them by; steme__store_write commits writes to them.
 */
#include <assert.h>
#include <string.h>

#include "crypto.h"
#include "bytes.h"
#include "store_int.h"

static const char *const table_names[STEME__T_COUNT] = {
    [STEME__T_SOURCE] = "d_source",
    [STEME__T_AGENT] = "d_agent",
    [STEME__T_STATE] = "d_state",
    [STEME__T_HISTORY] = "d_history",
    [STEME__T_VOTE] = "d_vote",
    [STEME__T_EPOCH] = "d_epoch",
    [STEME__T_EPOCH_MEMBER] = "d_epoch_member",
    [STEME__T_REAFFIRM] = "d_reaffirm",
    [STEME__T_GOLD] = "d_gold",
    [STEME__T_TRUST_LOG] = "d_trust_log",
    [STEME__T_REPORT] = "d_report",
    [STEME__T_QUEUE] = "d_queue",
    [STEME__T_SCRATCH] = "d_scratch",
    [STEME__T_STAMP] = "d_stamp",
    [STEME__T_AUDIT] = "audit",
    [STEME__T_CAND] = "d_lens_row",
    [STEME__T_APIKEY] = "apikeys",
    [STEME__T_ADMIN_LOG] = "admin_log",
};

const char *
steme__table_name(enum steme__table tb)
{
    return (unsigned)tb < STEME__T_COUNT ? table_names[tb] : "?";
}

bool
steme__table_derived(enum steme__table tb)
{
    return tb != STEME__T_AUDIT && tb != STEME__T_APIKEY && tb != STEME__T_ADMIN_LOG;
}

bool
steme__table_fixed(enum steme__table tb)
{
    return tb == STEME__T_CAND;
}

static MDB_dbi
dbi_of(steme__txn *t, enum steme__table tb)
{
    return t->dbi[STEME__DB_DERIVED(tb)];
}

/* A table missing from a read-only store (store_int.h): it has no handle and reads as empty. */
static bool
absent(const steme__txn *t, enum steme__table tb)
{
    return (t->store->absent & (1u << tb)) != 0;
}

/* A lookup's result: its value in *ret (borrowing the transaction's pages) when rc is
 * success, else the error for rc. */
static steme_err
val_out(int rc, const MDB_val *data, steme__val *ret)
{
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    ret->p = data->mv_data;
    ret->n = data->mv_size;
    return STEME_OK;
}

steme_err
steme__tget(steme__txn *t, enum steme__table tb, const void *k, size_t kl, steme__val *ret)
{
    MDB_val key = {kl, (void *)k}, data;
    if (absent(t, tb))
        return STEME_ENOTFOUND;
    return val_out(mdb_get(t->mdb, dbi_of(t, tb), &key, &data), &data, ret);
}

steme_err
steme__tput(steme__txn *t, enum steme__table tb, const void *k, size_t kl, const void *v, size_t vl)
{
    MDB_val key = {kl, (void *)k}, data = {vl, (void *)v};
    if (absent(t, tb))
        return STEME_EINVAL; /* only in a read-only store, where nothing is written */
    return steme__lmdb_err(mdb_put(t->mdb, dbi_of(t, tb), &key, &data, 0));
}

steme_err
steme__tdel(steme__txn *t, enum steme__table tb, const void *k, size_t kl)
{
    MDB_val key = {kl, (void *)k};
    if (absent(t, tb))
        return STEME_OK;
    int rc = mdb_del(t->mdb, dbi_of(t, tb), &key, NULL);
    return rc == MDB_NOTFOUND ? STEME_OK : steme__lmdb_err(rc);
}

/* A private cursor on tb at the first key >= key (an empty key: the first row), so that a
 * scan's callback may read other tables through the cached ones. *cur is NULL when it could
 * not be opened; otherwise the caller closes it, whatever the result. */
static int
cursor_at(steme__txn *t, enum steme__table tb, MDB_val *key, MDB_val *data, MDB_cursor **cur)
{
    int rc = mdb_cursor_open(t->mdb, dbi_of(t, tb), cur);
    if (rc != MDB_SUCCESS) {
        *cur = NULL;
        return rc;
    }
    return mdb_cursor_get(*cur, key, data, key->mv_size ? MDB_SET_RANGE : MDB_FIRST);
}

/* Whether key starts with the pl bytes of prefix (always, when pl is 0). */
static bool
within(const MDB_val *key, const void *prefix, size_t pl)
{
    return pl == 0 || (key->mv_size >= pl && memcmp(key->mv_data, prefix, pl) == 0);
}

/* Rows from the first key >= start (sl may be 0: from the first row); with pl, only while
 * the key starts with start's first pl bytes. */
static steme_err
scan(steme__txn *t, enum steme__table tb, const void *start, size_t sl, size_t pl, steme__row_fn fn,
     void *ctx)
{
    MDB_cursor *cur;
    MDB_val key = {sl, (void *)start}, data;
    int rc;

    if (absent(t, tb))
        return STEME_OK;
    rc = cursor_at(t, tb, &key, &data, &cur);
    if (cur == NULL)
        return steme__lmdb_err(rc);
    for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(cur, &key, &data, MDB_NEXT)) {
        if (!within(&key, start, pl))
            break;
        steme__val k = {key.mv_data, key.mv_size}, v = {data.mv_data, data.mv_size};
        if (fn(&k, &v, ctx) != 0)
            break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? STEME_OK : steme__lmdb_err(rc);
}

steme_err
steme__tcount(steme__txn *t, enum steme__table tb, uint64_t *ret)
{
    MDB_stat st;

    *ret = 0;
    if (absent(t, tb))
        return STEME_OK;
    int rc = mdb_stat(t->mdb, dbi_of(t, tb), &st);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    *ret = st.ms_entries;
    return STEME_OK;
}

steme_err
steme__tscan(steme__txn *t, enum steme__table tb, const void *prefix, size_t pl, steme__row_fn fn,
             void *ctx)
{
    return scan(t, tb, prefix, pl, pl, fn, ctx);
}

steme_err
steme__tscan_from(steme__txn *t, enum steme__table tb, const void *start, size_t sl,
                  steme__row_fn fn, void *ctx)
{
    return scan(t, tb, start, sl, 0, fn, ctx);
}

steme_err
steme__tscan_fixed(steme__txn *t, enum steme__table tb, const void *prefix, size_t pl,
                   steme__rows_fn fn, void *ctx)
{
    MDB_cursor *cur;
    MDB_val key = {pl, (void *)prefix}, data;
    bool stop = false;
    int rc;

    if (absent(t, tb))
        return STEME_OK;
    rc = cursor_at(t, tb, &key, &data, &cur);
    if (cur == NULL)
        return steme__lmdb_err(rc);
    while (rc == MDB_SUCCESS && !stop) {
        if (!within(&key, prefix, pl))
            break;
        steme__val k = {key.mv_data, key.mv_size};
        /* A page of the key's rows at a time, packed. A key with a single row has no page of
         * its own: GET_MULTIPLE then leaves data at that row, where the positioning put it. */
        rc = mdb_cursor_get(cur, &key, &data, MDB_GET_MULTIPLE);
        while (rc == MDB_SUCCESS) {
            steme__val rows = {data.mv_data, data.mv_size};
            if (fn(&k, &rows, ctx) != 0) {
                stop = true;
                break;
            }
            rc = mdb_cursor_get(cur, &key, &data, MDB_NEXT_MULTIPLE);
        }
        if (!stop && rc == MDB_NOTFOUND)
            rc = mdb_cursor_get(cur, &key, &data, MDB_NEXT_NODUP);
    }
    mdb_cursor_close(cur);
    return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? STEME_OK : steme__lmdb_err(rc);
}

/* Position cur on the first row of key k that starts with prefix. */
static int
fixed_seek(MDB_cursor *cur, const void *k, size_t kl, const void *prefix, size_t pl, MDB_val *data)
{
    MDB_val key = {kl, (void *)k};
    data->mv_size = pl;
    data->mv_data = (void *)prefix;
    /* Rows compare as bytes, a shorter one first: the prefix sorts just before its rows. */
    int rc = mdb_cursor_get(cur, &key, data, MDB_GET_BOTH_RANGE);
    if (rc == MDB_SUCCESS && (data->mv_size < pl || memcmp(data->mv_data, prefix, pl) != 0))
        rc = MDB_NOTFOUND;
    return rc;
}

steme_err
steme__tfixed_edit(steme__txn *t, enum steme__table tb, const void *k, size_t kl,
                   const void *prefix, size_t pl, steme__row_edit_fn fn, void *ctx)
{
    uint8_t row[STEME__FIXED_ROW_MAX];
    MDB_cursor *cur;
    MDB_val key = {kl, (void *)k}, data;

    if (absent(t, tb))
        return STEME_ENOTFOUND;
    int rc = mdb_cursor_open(t->mdb, dbi_of(t, tb), &cur);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    rc = fixed_seek(cur, k, kl, prefix, pl, &data);
    steme_err err = steme__lmdb_err(rc);
    if (err == STEME_OK && data.mv_size > sizeof(row))
        err = STEME_ECORRUPT;
    if (err == STEME_OK) {
        memcpy(row, data.mv_data, data.mv_size);
        bool write = false;
        err = fn(row, data.mv_size, &write, ctx);
        if (err == STEME_OK && write && memcmp(row, prefix, pl) != 0)
            err = STEME_EINVAL; /* the prefix places the row: it must stay */
        if (err == STEME_OK && write) {
            /* Same width, same place in the sort: LMDB overwrites the row where it is. */
            data.mv_data = row;
            err = steme__lmdb_err(mdb_cursor_put(cur, &key, &data, MDB_CURRENT));
        }
    }
    mdb_cursor_close(cur);
    return err;
}

steme_err
steme__tfirst(steme__txn *t, enum steme__table tb, steme__val *key, steme__val *val)
{
    MDB_cursor *cur;
    MDB_val k, d;
    if (absent(t, tb))
        return STEME_ENOTFOUND;
    steme_err err = steme__txn_cursor(t, STEME__DB_DERIVED(tb), &cur);
    if (err != STEME_OK)
        return err;
    int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    key->p = k.mv_data;
    key->n = k.mv_size;
    val->p = d.mv_data;
    val->n = d.mv_size;
    return STEME_OK;
}

steme_err
steme__tlast_le(steme__txn *t, enum steme__table tb, const void *k, size_t kl, size_t pl,
                steme__val *key, steme__val *val)
{
    MDB_cursor *cur;
    MDB_val mk = {kl, (void *)k}, d;
    int rc;

    assert(pl <= kl);
    if (absent(t, tb))
        return STEME_ENOTFOUND;
    rc = mdb_cursor_open(t->mdb, dbi_of(t, tb), &cur);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    /* The first key >= k; unless it is k itself, the one before it is the last key < k. */
    rc = mdb_cursor_get(cur, &mk, &d, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cur, &mk, &d, MDB_LAST);
    else if (rc == MDB_SUCCESS && (mk.mv_size != kl || memcmp(mk.mv_data, k, kl) != 0))
        rc = mdb_cursor_get(cur, &mk, &d, MDB_PREV);
    mdb_cursor_close(cur);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    if (mk.mv_size < pl || memcmp(mk.mv_data, k, pl) != 0)
        return STEME_ENOTFOUND;
    key->p = mk.mv_data;
    key->n = mk.mv_size;
    val->p = d.mv_data;
    val->n = d.mv_size;
    return STEME_OK;
}

void
steme__store_set_hooks(steme__store *s, const steme__hooks *h)
{
    s->hooks = *h;
}

/* Begin a write transaction, run fn, and commit (commit = true) or abort; grows the map and
 * retries on MDB_MAP_FULL like an append. */
static steme_err
with_write_txn(steme__store *s, steme__dry_fn fn, void *ctx, bool commit)
{
    if (s->read_only)
        return STEME_EINVAL;
    for (;;) {
        steme__txn t = {.store = s, .dbi = s->dbi};
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
            if ((err = steme__store_grow(s, 0)) != STEME_OK)
                return err;
            continue;
        }
        err = fn(&t, ctx);
        if (err == STEME_OK && commit)
            err = steme__lmdb_err(mdb_txn_commit(t.mdb));
        else
            mdb_txn_abort(t.mdb);
        steme__map_unlock(s);
        if (err != STEME__EMAPFULL)
            return err;
        if ((err = steme__store_grow(s, seen)) != STEME_OK)
            return err;
    }
}

steme_err
steme__store_dry_run(steme__store *s, steme__dry_fn fn, void *ctx)
{
    return with_write_txn(s, fn, ctx, false);
}

steme_err
steme__store_write(steme__store *s, steme__dry_fn fn, void *ctx)
{
    return with_write_txn(s, fn, ctx, true);
}

typedef struct rebuild_ctx {
    steme__store *s;
    steme__txn *t;
    steme_err err;
} rebuild_ctx;

static int
rebuild_one(const steme_entry *e, void *ctx)
{
    rebuild_ctx *rc = ctx;
    steme_entry full = *e;
    steme_errinfo ei;

    if (e->bytes == NULL || steme_record_decode(e->bytes, e->len, &full.record, &ei) != STEME_OK) {
        rc->err = STEME_ECORRUPT;
        return 1;
    }
    rc->t->applying = e->seq;
    rc->err = rc->s->hooks.apply(rc->s->hooks.ctx, rc->t, &full);
    rc->t->applying = 0;
    return rc->err != STEME_OK;
}

static steme_err
rebuild_txn(steme__txn *t, void *ctx)
{
    steme__store *s = ctx;
    rebuild_ctx rc = {s, t, STEME_OK};
    steme_err err;

    for (unsigned tb = 0; tb < STEME__T_COUNT; tb++) {
        if (!steme__table_derived(tb))
            continue; /* who asked what, who may ask, what admins did: not from the log */
        int r = mdb_drop(t->mdb, dbi_of(t, tb), 0);
        if (r != MDB_SUCCESS)
            return steme__lmdb_err(r);
    }
    if (s->hooks.apply == NULL)
        return STEME_OK;
    err = s->log->ops->scan(s->log, t, 0, rebuild_one, &rc);
    return err != STEME_OK ? err : rc.err;
}

steme_err
steme__store_rebuild(steme__store *s)
{
    return with_write_txn(s, rebuild_txn, s, true);
}

steme_err
steme__store_derived_hash(steme__store *s, uint8_t out[32])
{
    steme__snap *snap;
    steme__hasher h;
    steme_err err = steme__snap_begin(s, &snap);
    if (err != STEME_OK)
        return err;
    steme__txn *t = steme__snap_txn(snap);

    steme__hash256_init(&h);
    for (unsigned tb = 0; tb < STEME__T_COUNT && err == STEME_OK; tb++) {
        MDB_cursor *cur;
        MDB_val k, d;
        uint8_t hdr[9];
        int rc;

        if (tb == STEME__T_SCRATCH || !steme__table_derived(tb))
            continue;
        rc = mdb_cursor_open(t->mdb, dbi_of(t, tb), &cur);
        if (rc != MDB_SUCCESS) {
            err = steme__lmdb_err(rc);
            break;
        }
        hdr[0] = (uint8_t)tb;
        steme__hash256_update(&h, hdr, 1);
        for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == MDB_SUCCESS;
             rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
            /* Length-prefixed so that moving a byte from key to value changes the hash. */
            steme__put_u32(hdr, (uint32_t)k.mv_size);
            steme__put_u32(hdr + 4, (uint32_t)d.mv_size);
            steme__hash256_update(&h, hdr, 8);
            steme__hash256_update(&h, k.mv_data, k.mv_size);
            steme__hash256_update(&h, d.mv_data, d.mv_size);
        }
        mdb_cursor_close(cur);
        if (rc != MDB_NOTFOUND)
            err = steme__lmdb_err(rc);
    }
    steme__snap_end(snap);
    if (err == STEME_OK)
        steme__hash256_final(&h, out);
    return err;
}

const void *
steme__txn_hint(const steme__txn *t)
{
    return t->hint;
}

uint64_t
steme__txn_applying(const steme__txn *t)
{
    return t->applying;
}

steme_err
steme__txn_last_seq(steme__txn *t, uint64_t *ret)
{
    return t->store->log->ops->last_seq(t->store->log, t, ret);
}

typedef struct audit_put {
    const void *row;
    size_t n;
    uint64_t id;
} audit_put;

static steme_err
audit_txn(steme__txn *t, void *ctx)
{
    audit_put *ap = ctx;
    MDB_cursor *cur;
    MDB_val k, d;
    uint8_t key[8];
    int rc = mdb_cursor_open(t->mdb, dbi_of(t, STEME__T_AUDIT), &cur);

    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    rc = mdb_cursor_get(cur, &k, &d, MDB_LAST);
    mdb_cursor_close(cur);
    if (rc == MDB_SUCCESS && k.mv_size != 8)
        return STEME_ECORRUPT;
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return steme__lmdb_err(rc);
    ap->id = rc == MDB_SUCCESS ? steme__get_u64(k.mv_data) + 1 : 1;
    steme__put_u64(key, ap->id);
    k.mv_size = sizeof(key);
    k.mv_data = key;
    d.mv_size = ap->n;
    d.mv_data = (void *)ap->row;
    return steme__lmdb_err(mdb_put(t->mdb, dbi_of(t, STEME__T_AUDIT), &k, &d, 0));
}

steme_err
steme__store_audit_append(steme__store *s, const void *row, size_t n, uint64_t *ret_id)
{
    audit_put ap = {row, n, 0};
    steme_err err = with_write_txn(s, audit_txn, &ap, true);

    if (err == STEME_OK && ret_id != NULL)
        *ret_id = ap.id;
    return err;
}

steme_err
steme__store_audit_scan(steme__store *s, uint64_t from, steme__audit_row_fn fn, void *ctx)
{
    steme__snap *snap;
    MDB_cursor *cur;
    MDB_val k, d;
    uint8_t key[8];
    steme_err err = steme__snap_begin(s, &snap);
    int rc;

    if (err != STEME_OK)
        return err;
    steme__txn *t = steme__snap_txn(snap);
    if (absent(t, STEME__T_AUDIT)) {
        steme__snap_end(snap);
        return STEME_OK;
    }
    rc = mdb_cursor_open(t->mdb, dbi_of(t, STEME__T_AUDIT), &cur);
    if (rc != MDB_SUCCESS) {
        steme__snap_end(snap);
        return steme__lmdb_err(rc);
    }
    steme__put_u64(key, from);
    k.mv_size = sizeof(key);
    k.mv_data = key;
    for (rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        if (k.mv_size != 8) {
            rc = MDB_CORRUPTED;
            break;
        }
        steme__val v = {d.mv_data, d.mv_size};
        if (fn(steme__get_u64(k.mv_data), &v, ctx) != 0)
            break;
    }
    mdb_cursor_close(cur);
    steme__snap_end(snap);
    return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? STEME_OK : steme__lmdb_err(rc);
}
