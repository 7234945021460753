/* SPDX-License-Identifier: MIT */
/*
 * check.c -- verify a whole store from one snapshot.
 *
 * Three passes. The log: every envelope parses, its bytes decode, hash to the stored id and
 * carry a valid signature (verified in batches, on the caller's thread pool when it gives
 * one), seqs are dense, and every index entry the record implies exists.
 * The indexes: every entry points to an existing record that implies exactly that key. The
 * metadata: last_seq and the per-kind counts agree with the log. Problems go to the callback
 * and are counted; only an error that stops the walk (I/O, memory) is returned.
 */
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "store_int.h"

/* Signatures verified per batch: enough to keep every thread of a pool busy. */
#define SIG_BATCH 2048

typedef struct check_ctx {
    steme__store *s;
    steme__txn *t;
    steme_check_report rep;
    steme_problem_fn fn;
    void *fn_ctx;
    steme__verify_fn verify;
    void *verify_ctx;
    steme__sig_job *jobs; /* SIG_BATCH */
    size_t n_jobs;
    uint64_t last_seq;
    uint64_t count[4];
    uint64_t unreadable; /* records whose kind is unknown: the counts cannot be compared */
    steme_err err;
} check_ctx;

static void
problem(check_ctx *cc, const char *index, const char *what, uint64_t seq)
{
    cc->rep.problems++;
    if (cc->fn != NULL)
        cc->fn(index, what, seq, cc->fn_ctx);
}

/* Verify the queued signatures and report the ones that fail. */
static void
flush_signatures(check_ctx *cc)
{
    if (cc->n_jobs == 0)
        return;
    if (cc->verify != NULL) {
        cc->verify(cc->jobs, cc->n_jobs, cc->verify_ctx);
    } else {
        for (size_t i = 0; i < cc->n_jobs; i++)
            cc->jobs[i].ok = steme_sig_verify(&cc->jobs[i].pk, &cc->jobs[i].id, &cc->jobs[i].sig);
    }
    for (size_t i = 0; i < cc->n_jobs; i++) {
        cc->rep.signatures++;
        if (!cc->jobs[i].ok)
            problem(cc, "log", "signature does not verify for the record's agent key",
                    cc->jobs[i].seq);
    }
    cc->n_jobs = 0;
}

static void
queue_signature(check_ctx *cc, const steme_entry *e, const steme_id *h)
{
    steme__sig_job *j = &cc->jobs[cc->n_jobs++];

    j->pk = *steme_record_author(&e->record);
    j->id = *h;
    j->sig = e->sig;
    j->seq = e->seq;
    j->ok = false;
    if (cc->n_jobs == SIG_BATCH)
        flush_signatures(cc);
}

/* Every index entry rec implies exists, and the id index leads to this very record. */
static steme_err
check_implied(check_ctx *cc, const steme_entry *e)
{
    steme__ikey keys[STEME__MAX_IKEYS];
    size_t nk = steme__index_keys(&e->record, &e->id, keys);
    steme_entry first;
    steme_err err;

    for (size_t i = 0; i < nk; i++) {
        err = steme__index_has(cc->t, &keys[i], e->seq);
        if (err == STEME_ENOTFOUND)
            problem(cc, steme__index_name(keys[i].idx), "index entry missing for the record",
                    e->seq);
        else if (err != STEME_OK)
            return err;
    }
    err = steme__find_id(cc->s, cc->t, &e->id, 0, &first);
    if (err == STEME_OK && first.seq != e->seq)
        problem(cc, "log", "the record's id is stored more than once", e->seq);
    else if (err != STEME_OK && err != STEME_ENOTFOUND && err != STEME_ECORRUPT)
        return err;
    return STEME_OK;
}

static int
check_record(const steme_entry *env, void *ctx)
{
    check_ctx *cc = ctx;
    steme_errinfo ei;
    steme_entry e;
    steme_id h;

    cc->rep.records++;
    if (env->seq != cc->last_seq + 1)
        problem(cc, "log", "the log has a gap before this seq", env->seq);
    cc->last_seq = env->seq;
    if (env->bytes == NULL) {
        problem(cc, "log", "malformed envelope", env->seq);
        cc->unreadable++;
        return 0;
    }
    e.seq = env->seq;
    e.id = env->id;
    e.sig = env->sig;
    e.bytes = env->bytes;
    e.len = env->len;
    if (steme_record_decode(e.bytes, e.len, &e.record, &ei) != STEME_OK) {
        problem(cc, "log", "record bytes do not decode", e.seq);
        cc->unreadable++;
        return 0;
    }
    cc->count[e.record.kind]++;

    steme_record_id(e.bytes, e.len, &h);
    if (memcmp(h.b, e.id.b, STEME_ID_SIZE) != 0)
        problem(cc, "log", "stored id is not the hash of the record", e.seq);
    queue_signature(cc, &e, &h);

    cc->err = check_implied(cc, &e);
    return cc->err != STEME_OK;
}

/* One index entry: it points to a record that implies exactly this key. */
static steme_err
check_entry(check_ctx *cc, enum steme__idx idx, const MDB_val *key, const MDB_val *data)
{
    const char *name = steme__index_name(idx);
    steme__ikey keys[STEME__MAX_IKEYS];
    size_t want_len = idx == STEME__IDX_SUBJECT_PREDICATE ? 16 : 8;
    steme_errinfo ei;
    steme_entry e;
    uint64_t seq;
    size_t nk;
    steme_err err;

    cc->rep.index_entries++;
    if (data->mv_size != 8) {
        problem(cc, name, "malformed index entry", 0);
        return STEME_OK;
    }
    seq = steme__get_u64(data->mv_data);
    if (key->mv_size != want_len) {
        problem(cc, name, "malformed index key", seq);
        return STEME_OK;
    }
    err = cc->s->log->ops->get(cc->s->log, cc->t, seq, &e);
    if (err == STEME_ENOTFOUND) {
        problem(cc, name, "index entry points to a missing record", seq);
        return STEME_OK;
    }
    /* A record that does not parse or decode was reported by the log pass. */
    if (err == STEME_ECORRUPT)
        return STEME_OK;
    if (err != STEME_OK)
        return err;
    if (steme_record_decode(e.bytes, e.len, &e.record, &ei) != STEME_OK)
        return STEME_OK;

    nk = steme__index_keys(&e.record, &e.id, keys);
    for (size_t i = 0; i < nk; i++)
        if (keys[i].idx == idx && memcmp(keys[i].b, key->mv_data, want_len) == 0)
            return STEME_OK;
    problem(cc, name, "index entry is not implied by its record", seq);
    return STEME_OK;
}

static steme_err
check_index(check_ctx *cc, enum steme__idx idx)
{
    MDB_cursor *cur;
    MDB_val key, data;
    steme_err err;
    int rc;

    err = steme__txn_cursor(cc->t, STEME__DB_INDEX(idx), &cur);
    if (err != STEME_OK)
        return err;
    for (rc = mdb_cursor_get(cur, &key, &data, MDB_FIRST); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cur, &key, &data, MDB_NEXT)) {
        err = check_entry(cc, idx, &key, &data);
        if (err != STEME_OK)
            return err;
    }
    return rc == MDB_NOTFOUND ? STEME_OK : steme__lmdb_err(rc);
}

static void
check_meta(check_ctx *cc)
{
    steme__meta m;

    if (steme__meta_read(cc->t, &m) != STEME_OK) {
        problem(cc, "meta", "metadata is missing or malformed", 0);
        return;
    }
    if (m.last_seq != cc->last_seq)
        problem(cc, "meta", "last_seq disagrees with the log", cc->last_seq);
    if (cc->unreadable != 0)
        return; /* already reported, and their kinds are unknown */
    for (int k = STEME_RECORD_ASSERTION; k <= STEME_RECORD_EVENT; k++)
        if (m.count[k] != cc->count[k])
            problem(cc, "meta", "record counts disagree with the log", cc->last_seq);
}

steme_err
steme__store_check(steme__store *s, steme_check_report *ret, steme_problem_fn fn, void *ctx,
                   steme__verify_fn verify, void *verify_ctx)
{
    check_ctx cc = {.s = s, .fn = fn, .fn_ctx = ctx, .verify = verify, .verify_ctx = verify_ctx};
    steme__snap *snap;
    steme_err err;

    cc.jobs = steme__calloc(SIG_BATCH, sizeof(*cc.jobs));
    if (cc.jobs == NULL)
        return STEME_ENOMEM;
    err = steme__snap_begin(s, &snap);
    if (err != STEME_OK)
        goto out_free_jobs;
    cc.t = &snap->txn;

    err = s->log->ops->scan(s->log, cc.t, 0, check_record, &cc);
    if (err == STEME_OK)
        err = cc.err;
    if (err == STEME_OK)
        flush_signatures(&cc);
    for (int idx = 0; err == STEME_OK && idx < STEME__IDX_COUNT; idx++)
        err = check_index(&cc, (enum steme__idx)idx);
    if (err == STEME_OK)
        check_meta(&cc);
    steme__snap_end(snap);
    if (err == STEME_OK)
        *ret = cc.rep;
out_free_jobs:
    steme__free(cc.jobs);
    return err;
}
