/* SPDX-License-Identifier: MIT */
/*
 * db.c -- the public steme_db_* functions: opening and closing a database, and the thin
 * layer between the public API and the store (argument checks, snapshots, ownership of
 * returned entries). The write path is in ingest.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "crypto.h"
#include "engine.h"
#include "lens_inputs.h"
#include "cand_rows.h"
#include "query.h"
#include "ratelimit.h"

#define DEFAULT_MAP_SIZE   (64u << 20)
#define DEFAULT_CLOCK_SKEW 300000

static unsigned
online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

void
steme_db_options_init(steme_db_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->map_size = DEFAULT_MAP_SIZE;
    opts->verify_threads = online_cores();
    opts->max_clock_skew = DEFAULT_CLOCK_SKEW;
    opts->create = true;
    opts->read_only = false;
}

static steme_err
init_sync(steme_db *db)
{
    int r;

    if ((r = pthread_mutex_init(&db->lock, NULL)) != 0)
        return (steme_err)(STEME_ESYSERR | r);
    if ((r = pthread_cond_init(&db->cond, NULL)) != 0)
        goto out_destroy_lock;
    if ((r = pthread_cond_init(&db->idle, NULL)) != 0)
        goto out_destroy_cond;
    db->queue_tail = &db->queue;
    return STEME_OK;

out_destroy_cond:
    pthread_cond_destroy(&db->cond);
out_destroy_lock:
    pthread_mutex_destroy(&db->lock);
    return (steme_err)(STEME_ESYSERR | r);
}

steme_err
steme_db_open(const char *dir, const steme_db_options *opts, steme_db **ret)
{
    steme__store_options so = {0};
    steme_db *db;
    steme_err err;

    if (dir == NULL || ret == NULL || (opts != NULL && opts->max_clock_skew < 0))
        return STEME_EINVAL;
    if (!steme__crypto_init())
        return (steme_err)(STEME_ESYSERR | EIO);

    db = steme__calloc(1, sizeof(*db));
    if (db == NULL)
        return STEME_ENOMEM;
    if (opts != NULL)
        db->opts = *opts;
    else
        steme_db_options_init(&db->opts);
    if (db->opts.verify_threads == 0)
        db->opts.verify_threads = online_cores();

    err = init_sync(db);
    if (err != STEME_OK)
        goto out_free;
    if (db->opts.genesis_admin != NULL) {
        db->genesis_admin = *db->opts.genesis_admin;
        db->opts.genesis_admin = &db->genesis_admin;
    }
    so.map_size = db->opts.map_size;
    so.create = db->opts.create;
    so.read_only = db->opts.read_only;
    so.populate = db->opts.populate;
    so.genesis_admin = db->opts.genesis_admin;
    err = steme__ratelimit_new(&db->opts, &db->ratelimit);
    if (err != STEME_OK)
        goto out_destroy_sync;
    err = steme__rules_new(&db->rules);
    if (err != STEME_OK)
        goto out_free_ratelimit;
    err = steme__store_open(dir, &so, &db->store);
    if (err != STEME_OK)
        goto out_free_rules;
    steme__store_set_hooks(db->store, &(steme__hooks){.admit = steme__rules_admit,
                                                      .apply = steme__rules_apply,
                                                      .ctx = db->rules});
    /* Derived state is a function of the log: a store from an earlier build that lacks some
     * of it gets it recomputed rather than refused. */
    if (steme__store_derived_stale(db->store)) {
        err = steme__store_rebuild(db->store);
        if (err != STEME_OK)
            goto out_close_store;
    }
    err = steme__mv_new(db->opts.mv_entries ? db->opts.mv_entries : STEME__MV_ENTRIES,
                        db->opts.mv_bytes ? db->opts.mv_bytes : STEME__MV_BYTES, &db->mv);
    if (err == STEME_OK)
        err = steme__linputs_new(&db->linputs);
    if (err != STEME_OK)
        goto out_close_store;
    /* Read-only databases verify too: steme_db_check. */
    if (db->opts.verify_threads > 1) {
        err = steme__verify_pool_new(db->opts.verify_threads, &db->pool);
        if (err != STEME_OK)
            goto out_close_store;
    }
    *ret = db;
    return STEME_OK;

out_close_store:
    steme__linputs_free(db->linputs);
    steme__mv_free(db->mv);
    steme__store_close(db->store);
out_free_rules:
    steme__rules_free(db->rules);
out_free_ratelimit:
    steme__ratelimit_free(db->ratelimit);
out_destroy_sync:
    pthread_cond_destroy(&db->idle);
    pthread_cond_destroy(&db->cond);
    pthread_mutex_destroy(&db->lock);
out_free:
    steme__free(db);
    return err;
}

void
steme_db_close(steme_db *db)
{
    if (db == NULL)
        return;
    pthread_mutex_lock(&db->lock);
    db->closing = true;
    while (db->inflight > 0)
        pthread_cond_wait(&db->idle, &db->lock);
    pthread_mutex_unlock(&db->lock);

    steme__verify_pool_free(db->pool);
    steme__linputs_free(db->linputs);
    steme__mv_free(db->mv);
    steme__store_close(db->store);
    steme__rules_free(db->rules);
    steme__ratelimit_free(db->ratelimit);
    pthread_cond_destroy(&db->idle);
    pthread_cond_destroy(&db->cond);
    pthread_mutex_destroy(&db->lock);
    steme__free(db);
}

steme_err
steme_db_ingest(steme_db *db, const steme_signed *recs, size_t n, steme_ingest_result *results,
                unsigned flags)
{
    steme_err err;

    if (db == NULL || (n != 0 && (recs == NULL || results == NULL)) ||
        (flags & ~(unsigned)STEME_INGEST_ATOMIC) != 0 || db->opts.read_only)
        return STEME_EINVAL;
    if (n == 0)
        return STEME_OK;

    pthread_mutex_lock(&db->lock);
    if (db->closing) {
        pthread_mutex_unlock(&db->lock);
        return STEME_EBUSY;
    }
    db->inflight++;
    pthread_mutex_unlock(&db->lock);

    err = steme__ingest(db, recs, n, results, flags);

    pthread_mutex_lock(&db->lock);
    if (--db->inflight == 0 && db->closing)
        pthread_cond_broadcast(&db->idle);
    pthread_mutex_unlock(&db->lock);
    return err;
}

uint64_t
steme__db_commits(steme_db *db)
{
    return steme__store_commits(db->store);
}

/* ---------------------------------------------------------------------------------------------
 * Reading
 */

/* Copy a snapshot entry's envelope into one caller-owned allocation (the struct, then the
 * bytes) and decode the record over the copy: the lookups give the envelope undecoded, so a
 * read decodes once, and the result borrows nothing from the snapshot. */
static steme_err
entry_copy(const steme_entry *e, steme_entry **ret)
{
    steme_entry *out = steme__malloc(sizeof(*out) + e->len);
    uint8_t *bytes;
    steme_errinfo ei;

    if (out == NULL)
        return STEME_ENOMEM;
    bytes = (uint8_t *)(out + 1);
    memcpy(bytes, e->bytes, e->len);
    out->seq = e->seq;
    out->recorded_at = e->recorded_at;
    out->id = e->id;
    out->sig = e->sig;
    out->bytes = bytes;
    out->len = e->len;
    if (steme_record_decode(bytes, e->len, &out->record, &ei) != STEME_OK) {
        steme__free(out);
        return STEME_ECORRUPT;
    }
    *ret = out;
    return STEME_OK;
}

steme_err
steme_db_get(steme_db *db, const steme_id *id, uint64_t as_of, steme_entry **ret)
{
    steme__snap *snap;
    steme_entry e;
    steme_err err;

    if (db == NULL || id == NULL || ret == NULL)
        return STEME_EINVAL;
    err = steme__snap_begin(db->store, &snap);
    if (err != STEME_OK)
        return err;
    err = steme__snap_envelope_id(snap, id, as_of, &e);
    if (err == STEME_OK)
        err = entry_copy(&e, ret);
    steme__snap_end(snap);
    return err;
}

steme_err
steme_db_get_seq(steme_db *db, uint64_t seq, steme_entry **ret)
{
    steme__snap *snap;
    steme_entry e;
    steme_err err;

    if (db == NULL || ret == NULL)
        return STEME_EINVAL;
    err = steme__snap_begin(db->store, &snap);
    if (err != STEME_OK)
        return err;
    err = steme__snap_envelope_seq(snap, seq, &e);
    if (err == STEME_OK)
        err = entry_copy(&e, ret);
    steme__snap_end(snap);
    return err;
}

void
steme_entry_free(steme_entry *e)
{
    steme__free(e);
}

steme_err
steme_db_list(steme_db *db, const steme_list_options *opts, steme_entry_fn fn, void *ctx)
{
    steme__snap *snap;
    steme_err err;

    if (db == NULL || opts == NULL || fn == NULL || (unsigned)opts->index > STEME_INDEX_TARGET)
        return STEME_EINVAL;
    err = steme__snap_begin(db->store, &snap);
    if (err != STEME_OK)
        return err;
    err = steme__snap_list(snap, opts, fn, ctx);
    steme__snap_end(snap);
    return err;
}

steme_err
steme_db_stats(steme_db *db, steme_stats *ret)
{
    if (db == NULL || ret == NULL)
        return STEME_EINVAL;
    return steme__store_stats(db->store, ret);
}

steme_err
steme_db_last_seq(steme_db *db, uint64_t *ret)
{
    /* The position this thread read last, with the store's version it was read at: a server
     * asks on every query, and the answer changes only with a commit. */
    static _Thread_local struct {
        steme__version at;
        uint64_t seq;
    } seen;
    steme__snap *snap;
    steme_err err;

    if (db == NULL || ret == NULL)
        return STEME_EINVAL;
    if (steme__version_equal(seen.at, steme__store_version(db->store))) {
        *ret = seen.seq;
        return STEME_OK;
    }
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = steme__txn_last_seq(steme__snap_txn(snap), ret);
    if (err == STEME_OK) {
        seen.at = steme__snap_version(snap);
        seen.seq = *ret;
    }
    steme__snap_end(snap);
    return err;
}

steme_err
steme_db_counters(steme_db *db, steme_counters *ret)
{
    if (db == NULL || ret == NULL)
        return STEME_EINVAL;
    steme__store_counters(db->store, ret);
    return STEME_OK;
}

static void
verify_job(void *ctx, size_t i)
{
    steme__sig_job *j = (steme__sig_job *)ctx + i;
    j->ok = steme_sig_verify(&j->pk, &j->id, &j->sig);
}

/* The check's signature batches run on the verification threads. */
static void
verify_jobs(steme__sig_job *jobs, size_t n, void *ctx)
{
    steme_db *db = ctx;
    steme__verify_pool_run(db->pool, n, verify_job, jobs);
}

steme_err
steme_db_check(steme_db *db, steme_check_report *ret, steme_problem_fn fn, void *ctx)
{
    steme__snap *snap;
    uint64_t problems;
    steme_err err;

    if (db == NULL || ret == NULL)
        return STEME_EINVAL;
    if ((err = steme__store_check(db->store, ret, fn, ctx, verify_jobs, db)) != STEME_OK)
        return err;
    /* Derived state the store cannot judge: the candidate rows' copies of the state rows. */
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = steme__query_cands_check(steme__snap_txn(snap), fn, ctx, &problems);
    steme__snap_end(snap);
    if (err == STEME_OK)
        ret->problems += problems;
    return err;
}
