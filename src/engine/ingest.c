/* SPDX-License-Identifier: MIT */
/*
 * ingest.c -- the write path: validate -> verify -> defend -> group commit (DESIGN §7).
 *
 * Validation and signature verification run in parallel over the batch on the verify pool;
 * they need no lock and touch no storage. The per-agent defences (rate limit, circuit breaker:
 * ratelimit.c) then run in the batch's order, after verification, so that nobody can spend
 * another agent's budget with forged records; content rules run later, inside the append
 * (the rules' quarantine). Verified records then join the group-commit queue:
 * the first caller to find no commit in progress becomes the leader, takes everything queued
 * (up to GROUP_MAX records), appends it in one durable write transaction, hands each caller
 * its seqs or the error, and wakes them. A caller returns only once its records are durable,
 * so a burst of concurrent writers pays for one fsync instead of one each.
 */
#include <string.h>

#include "alloc.h"
#include "engine.h"
#include "ratelimit.h"
#include "rules.h"

/* Records per write transaction when merging requests (one request is never split, so that
 * a call stays one transaction). */
#define GROUP_MAX 100000

struct steme__commit_req {
    steme__append *recs;
    size_t n;
    steme_err err;
    bool atomic;  /* all or nothing */
    bool refused; /* atomic, and the rules refused one of its records */
    bool done;
    steme__commit_req *next;
};

/* ---------------------------------------------------------------------------------------------
 * Validate and verify
 */

/* Who signed a record, once its signature verified: only then may a refusal count against
 * the key (anyone can name any key in a forged record). Also what the commit would otherwise
 * compute in its one thread from the bytes alone: the index hashes and the rules' hint. */
typedef struct author {
    steme_pubkey pk;
    bool verified;
    steme__strhash h;
    steme__hint hint;
} author;

typedef struct validate_ctx {
    const steme_signed *recs;
    steme_ingest_result *results;
    author *authors;
    const steme__rules *rules;
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
    /* The signature before the content rules, so that their refusals can be charged to the
     * agent (its rejection count and circuit breaker). */
    if (!steme_sig_verify(steme_record_author(&rec), &res->id, &in->sig)) {
        refuse(res, STEME_ESIG, "signature", "does not verify for the record's agent key");
        return;
    }
    vc->authors[i].pk = *steme_record_author(&rec);
    vc->authors[i].verified = true;
    if (author_time(&rec, &field) - vc->now > vc->max_skew) {
        refuse(res, STEME_EINVAL, field, "in the future beyond the allowed clock skew");
        return;
    }
    /* Work the commit leader would do alone, done here on every core: the hashes behind the
     * index keys, and the content-defense scan against the rules in force now. */
    steme__strhash_of(&rec, &vc->authors[i].h);
    steme__rules_prepare(vc->rules, &rec, &vc->authors[i].h, &vc->authors[i].hint);
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

/* Append a group of requests in one transaction (each request its own group, atomic when
 * its caller asked) and give every request the outcome. */
static void
lead(steme_db *db, steme__commit_req *group)
{
    steme__append_group stack[16], *g = stack;
    size_t n = 0, i = 0;
    steme_err err;

    for (steme__commit_req *r = group; r != NULL; r = r->next)
        n++;
    if (n > sizeof(stack) / sizeof(stack[0])) {
        g = steme__calloc(n, sizeof(*g));
        if (g == NULL) {
            for (steme__commit_req *r = group; r != NULL; r = r->next)
                r->err = STEME_ENOMEM;
            return;
        }
    }
    for (steme__commit_req *r = group; r != NULL; r = r->next, i++)
        g[i] = (steme__append_group){.recs = r->recs, .n = r->n, .atomic = r->atomic};
    err = steme__store_append_groups(db->store, g, n);
    i = 0;
    for (steme__commit_req *r = group; r != NULL; r = r->next, i++) {
        r->err = err;
        r->refused = g[i].refused;
    }
    if (g != stack)
        steme__free(g);
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

/* The per-agent defences, in the batch's order so that which records of a burst pass is
 * deterministic: rate limit and circuit breaker for verified records, and every refusal of a
 * verified record counted against its agent. */
static void
defend(steme_db *db, const author *authors, steme_ingest_result *results, size_t n, int64_t mono)
{
    for (size_t i = 0; i < n; i++) {
        if (!authors[i].verified)
            continue;
        if (results[i].err == STEME_OK)
            results[i].err =
                steme__ratelimit_admit(db->ratelimit, &authors[i].pk, mono, &results[i].info);
        else
            steme__ratelimit_refused(db->ratelimit, &authors[i].pk, mono);
    }
}

steme_err
steme__ingest(steme_db *db, const steme_signed *recs, size_t n, steme_ingest_result *results,
              unsigned flags)
{
    validate_ctx vc = {recs, results, NULL, db->rules, steme_now_ms(), db->opts.max_clock_skew};
    steme__commit_req req = {0};
    size_t accepted = 0, at = 0;
    int64_t mono;
    steme_err err;

    vc.authors = steme__calloc(n, sizeof(*vc.authors));
    if (vc.authors == NULL) {
        memset(results, 0, n * sizeof(*results));
        return refuse_accepted(results, n, STEME_ENOMEM);
    }
    steme__verify_pool_run(db->pool, n, validate_one, &vc);
    mono = steme__ratelimit_now();
    defend(db, vc.authors, results, n, mono);
    for (size_t i = 0; i < n; i++) {
        if (results[i].err == STEME_OK)
            accepted++;
        else if (flags & STEME_INGEST_ATOMIC)
            break;
    }
    if (accepted == 0 || ((flags & STEME_INGEST_ATOMIC) && accepted < n)) {
        steme__free(vc.authors);
        return (flags & STEME_INGEST_ATOMIC) ? STEME_EINVAL : STEME_OK;
    }

    req.recs = steme__calloc(accepted, sizeof(*req.recs));
    if (req.recs == NULL) {
        steme__free(vc.authors);
        return refuse_accepted(results, n, STEME_ENOMEM);
    }
    for (size_t i = 0; i < n; i++) {
        if (results[i].err != STEME_OK)
            continue;
        req.recs[at].bytes = recs[i].bytes;
        req.recs[at].len = recs[i].len;
        req.recs[at].id = results[i].id;
        req.recs[at].sig = recs[i].sig;
        req.recs[at].hashed = true;
        req.recs[at].h = vc.authors[i].h;
        req.recs[at].hint = &vc.authors[i].hint;
        at++;
    }
    req.n = accepted;
    req.atomic = (flags & STEME_INGEST_ATOMIC) != 0;

    err = group_commit(db, &req);
    if (err == STEME_OK) {
        at = 0;
        for (size_t i = 0; i < n; i++) {
            if (results[i].err != STEME_OK)
                continue;
            const steme__append *a = &req.recs[at++];
            if (a->err != STEME_OK) {
                /* The rules refused it inside the transaction (a vote on an unknown id...). */
                results[i].err = a->err;
                results[i].info = a->info;
                steme__ratelimit_refused(db->ratelimit, &vc.authors[i].pk, mono);
                continue;
            }
            results[i].seq = a->seq;
            results[i].duplicate = a->duplicate;
            if (req.refused) {
                results[i].seq = 0;
                results[i].duplicate = false;
                refuse(&results[i], STEME_EINVAL, "batch",
                       "not stored: another record of the atomic batch was refused");
            }
        }
    }
    steme__free(req.recs);
    steme__free(vc.authors);
    if (err != STEME_OK)
        return refuse_accepted(results, n, err);
    return req.refused ? STEME_EINVAL : STEME_OK;
}
