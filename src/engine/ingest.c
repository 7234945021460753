/* SPDX-License-Identifier: MIT */
/*
 * ingest.c -- the write path: validate -> verify -> group commit (DESIGN §7).
 *
 * Validation and signature verification run in parallel over the batch on the verify pool;
 * they need no lock and touch no storage. Verified records then join the group-commit queue:
 * the first caller to find no commit in progress becomes the leader, takes everything queued
 * (up to GROUP_MAX records), appends it in one durable write transaction, hands each caller
 * its seqs or the error, and wakes them. A caller returns only once its records are durable,
 * so a burst of concurrent writers pays for one fsync instead of one each.
 */
#include <string.h>

#include "alloc.h"
#include "engine.h"

/* Records per write transaction when merging requests (one request is never split, so that
 * a call stays one transaction). */
#define GROUP_MAX 100000

struct steme__commit_req {
    steme__append *recs;
    size_t n;
    steme_err err;
    bool done;
    steme__commit_req *next;
};

/* ---------------------------------------------------------------------------------------------
 * Validate and verify
 */

typedef struct validate_ctx {
    const steme_signed *recs;
    steme_ingest_result *results;
    int64_t now;
    int64_t max_skew;
} validate_ctx;

static void
refuse(steme_ingest_result *res, steme_err err, const char *field, const char *rule)
{
    res->err = err;
    res->info.field = field;
    res->info.rule = rule;
    res->info.offset = 0;
}

/* The author's clock and its field name. */
static int64_t
author_time(const steme_record *rec, const char **ret_field)
{
    switch (rec->kind) {
    case STEME_RECORD_VOTE:
        *ret_field = "voted_at";
        return rec->vote.voted_at;
    case STEME_RECORD_EVENT:
        *ret_field = "at";
        return rec->event.at;
    case STEME_RECORD_ASSERTION:
        break;
    }
    *ret_field = "asserted_at";
    return rec->assertion.asserted_at;
}

static void
validate_one(void *ctx, size_t i)
{
    validate_ctx *vc = ctx;
    const steme_signed *in = &vc->recs[i];
    steme_ingest_result *res = &vc->results[i];
    const char *field;
    steme_record rec;
    steme_err err;

    memset(res, 0, sizeof(*res));
    /* The decoder refuses NULL and oversized input itself, naming the field and rule; only
     * hash what it could accept. */
    if ((in->bytes != NULL || in->len == 0) && in->len <= STEME_MAX_RECORD)
        steme_record_id(in->bytes != NULL ? in->bytes : (const uint8_t *)"", in->len, &res->id);
    err = steme_record_decode(in->bytes, in->len, &rec, &res->info);
    if (err != STEME_OK) {
        res->err = err;
        return;
    }
    if (author_time(&rec, &field) - vc->now > vc->max_skew) {
        refuse(res, STEME_EINVAL, field, "in the future beyond the allowed clock skew");
        return;
    }
    if (!steme_sig_verify(steme_record_author(&rec), &res->id, &in->sig)) {
        refuse(res, STEME_ESIG, "signature", "does not verify for the record's agent key");
        return;
    }
    res->err = STEME_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Group commit
 */

/* The requests the next transaction takes: the oldest one, and more while they fit. Under
 * db->lock. */
static steme__commit_req *
take_group(steme_db *db)
{
    steme__commit_req *head = db->queue, *last = head;
    size_t total = head->n;

    while (last->next != NULL && total + last->next->n <= GROUP_MAX) {
        last = last->next;
        total += last->n;
    }
    db->queue = last->next;
    if (db->queue == NULL)
        db->queue_tail = &db->queue;
    last->next = NULL;
    return head;
}

/* Merge a group's requests into the leader's buffer and append them in one transaction;
 * copy the seqs back on success. */
static steme_err
append_merged(steme_db *db, steme__commit_req *group)
{
    size_t total = 0, at = 0;
    steme_err err;

    for (steme__commit_req *r = group; r != NULL; r = r->next)
        total += r->n;
    if (total > db->group_cap) {
        steme__append *g = steme__realloc(db->group, total * sizeof(*g));
        if (g == NULL)
            return STEME_ENOMEM;
        db->group = g;
        db->group_cap = total;
    }
    for (steme__commit_req *r = group; r != NULL; r = r->next) {
        memcpy(db->group + at, r->recs, r->n * sizeof(*r->recs));
        at += r->n;
    }
    err = steme__store_append(db->store, db->group, total);
    if (err != STEME_OK)
        return err;
    at = 0;
    for (steme__commit_req *r = group; r != NULL; r = r->next) {
        memcpy(r->recs, db->group + at, r->n * sizeof(*r->recs));
        at += r->n;
    }
    return STEME_OK;
}

/* Append a group in one transaction and give every request the outcome. A group of one
 * (the usual case of a single writer) needs no merging. */
static void
lead(steme_db *db, steme__commit_req *group)
{
    steme_err err;

    if (group->next == NULL)
        err = steme__store_append(db->store, group->recs, group->n);
    else
        err = append_merged(db, group);
    for (steme__commit_req *r = group; r != NULL; r = r->next)
        r->err = err;
}

static steme_err
group_commit(steme_db *db, steme__commit_req *req)
{
    pthread_mutex_lock(&db->lock);
    *db->queue_tail = req;
    db->queue_tail = &req->next;
    while (!req->done) {
        steme__commit_req *group;

        if (db->committing) {
            pthread_cond_wait(&db->cond, &db->lock);
            continue;
        }
        db->committing = true;
        group = take_group(db);
        pthread_mutex_unlock(&db->lock);

        lead(db, group);

        pthread_mutex_lock(&db->lock);
        /* Once done is set and the lock dropped, a request's owner may return and free it. */
        for (steme__commit_req *r = group, *next; r != NULL; r = next) {
            next = r->next;
            r->done = true;
        }
        db->committing = false;
        pthread_cond_broadcast(&db->cond);
    }
    pthread_mutex_unlock(&db->lock);
    return req->err;
}

/* Nothing of the call is stored: say so for the records that were otherwise fine. */
static steme_err
refuse_accepted(steme_ingest_result *results, size_t n, steme_err err)
{
    for (size_t i = 0; i < n; i++)
        if (results[i].err == STEME_OK)
            results[i].err = err;
    return err;
}

steme_err
steme__ingest(steme_db *db, const steme_signed *recs, size_t n, steme_ingest_result *results,
              unsigned flags)
{
    validate_ctx vc = {recs, results, steme_now_ms(), db->opts.max_clock_skew};
    steme__commit_req req = {0};
    size_t accepted = 0, at = 0;
    steme_err err;

    steme__verify_pool_run(db->pool, n, validate_one, &vc);
    for (size_t i = 0; i < n; i++) {
        if (results[i].err == STEME_OK)
            accepted++;
        else if (flags & STEME_INGEST_ATOMIC)
            return STEME_EINVAL;
    }
    if (accepted == 0)
        return STEME_OK;

    req.recs = steme__calloc(accepted, sizeof(*req.recs));
    if (req.recs == NULL)
        return refuse_accepted(results, n, STEME_ENOMEM);
    for (size_t i = 0; i < n; i++) {
        if (results[i].err != STEME_OK)
            continue;
        req.recs[at].bytes = recs[i].bytes;
        req.recs[at].len = recs[i].len;
        req.recs[at].id = results[i].id;
        req.recs[at].sig = recs[i].sig;
        at++;
    }
    req.n = accepted;

    err = group_commit(db, &req);
    if (err == STEME_OK) {
        at = 0;
        for (size_t i = 0; i < n; i++) {
            if (results[i].err != STEME_OK)
                continue;
            results[i].seq = req.recs[at].seq;
            results[i].duplicate = req.recs[at].duplicate;
            at++;
        }
    }
    steme__free(req.recs);
    if (err != STEME_OK)
        return refuse_accepted(results, n, err);
    return STEME_OK;
}
