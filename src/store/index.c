/* SPDX-License-Identifier: MIT */
/*
 * index.c -- index maintenance: the index terms of a decoded record, the short keys derived
 * from them, matching a record against a lookup, and reading and writing index entries.
 *
 * A term is the full value a record is indexed under (a subject string, a parent id, ...).
 * The key is a short digest of the term. Writers store keys; readers compare terms, because
 * different terms can share a key. Deriving both from one enumeration keeps append, check and
 * the read path in agreement.
 */
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "store_int.h"

static const char *const index_names[STEME__IDX_COUNT] = {
    [STEME__IDX_ID] = "id",
    [STEME__IDX_SUBJECT] = "subject",
    [STEME__IDX_SUBJECT_PREDICATE] = "subject_predicate",
    [STEME__IDX_SOURCE] = "source",
    [STEME__IDX_AGENT] = "agent",
    [STEME__IDX_DERIVED_FROM] = "derived_from",
    [STEME__IDX_SUPERSEDES] = "supersedes",
    [STEME__IDX_TARGET] = "target",
};

const char *
steme__index_name(enum steme__idx idx)
{
    if ((unsigned)idx >= STEME__IDX_COUNT)
        return "?";
    return index_names[idx];
}

typedef struct term {
    enum steme__idx idx;
    steme_str s1;       /* SUBJECT, SUBJECT_PREDICATE, SOURCE */
    steme_str s2;       /* SUBJECT_PREDICATE: the predicate */
    const uint8_t *raw; /* ID, AGENT, DERIVED_FROM, SUPERSEDES, TARGET: 32 bytes */
} term;

/* Return nonzero to stop the enumeration. */
typedef int (*term_fn)(const term *t, void *ctx);

static int
emit_str(term_fn fn, void *ctx, enum steme__idx idx, steme_str s1, steme_str s2)
{
    term t = {.idx = idx, .s1 = s1, .s2 = s2};
    return fn(&t, ctx);
}

static int
emit_raw(term_fn fn, void *ctx, enum steme__idx idx, const uint8_t *raw)
{
    term t = {.idx = idx, .raw = raw};
    return fn(&t, ctx);
}

static bool
event_names_source(steme_event_type type)
{
    return type == STEME_EVENT_SOURCE_REGISTER || type == STEME_EVENT_SOURCE_RETRACT ||
           type == STEME_EVENT_SOURCE_REINSTATE;
}

static bool
event_has_target(steme_event_type type)
{
    return type == STEME_EVENT_ASSERTION_RETRACT || type == STEME_EVENT_QUARANTINE_DECISION ||
           type == STEME_EVENT_REAFFIRM;
}

/* Every term rec is indexed under; the ID term only when id is given. Returns what fn
 * returned when it stopped the walk, else 0. */
static int
for_each_term(const steme_record *rec, const steme_id *id, term_fn fn, void *ctx)
{
    steme_str none = {NULL, 0};
    int rc;

    if (id != NULL && (rc = emit_raw(fn, ctx, STEME__IDX_ID, id->b)) != 0)
        return rc;
    if ((rc = emit_raw(fn, ctx, STEME__IDX_AGENT, steme_record_author(rec)->b)) != 0)
        return rc;

    switch (rec->kind) {
    case STEME_RECORD_ASSERTION: {
        const steme_assertion *a = &rec->assertion;
        if ((rc = emit_str(fn, ctx, STEME__IDX_SUBJECT, a->subject, none)) != 0 ||
            (rc = emit_str(fn, ctx, STEME__IDX_SUBJECT_PREDICATE, a->subject, a->predicate)) != 0 ||
            (rc = emit_str(fn, ctx, STEME__IDX_SOURCE, a->source, none)) != 0)
            return rc;
        for (size_t i = 0; i < a->n_derived_from; i++)
            if ((rc = emit_raw(fn, ctx, STEME__IDX_DERIVED_FROM, a->derived_from[i].b)) != 0)
                return rc;
        for (size_t i = 0; i < a->n_supersedes; i++)
            if ((rc = emit_raw(fn, ctx, STEME__IDX_SUPERSEDES, a->supersedes[i].b)) != 0)
                return rc;
        return 0;
    }
    case STEME_RECORD_VOTE:
        return emit_raw(fn, ctx, STEME__IDX_TARGET, rec->vote.target.b);
    case STEME_RECORD_EVENT:
        if (event_names_source(rec->event.type))
            return emit_str(fn, ctx, STEME__IDX_SOURCE, rec->event.source, none);
        if (event_has_target(rec->event.type))
            return emit_raw(fn, ctx, STEME__IDX_TARGET, rec->event.target.b);
        return 0;
    }
    return 0;
}

static void
hash_str(steme_str s, uint8_t out[8])
{
    steme__hash64(s.len ? s.ptr : "", s.len, out);
}

static void
term_key(const term *t, steme__ikey *k)
{
    k->idx = (uint8_t)t->idx;
    k->len = 8;
    switch (t->idx) {
    case STEME__IDX_SUBJECT:
    case STEME__IDX_SOURCE:
        hash_str(t->s1, k->b);
        break;
    case STEME__IDX_SUBJECT_PREDICATE:
        hash_str(t->s1, k->b);
        hash_str(t->s2, k->b + 8);
        k->len = 16;
        break;
    default:
        memcpy(k->b, t->raw, 8);
        break;
    }
}

typedef struct keys_ctx {
    steme__ikey *out;
    size_t n;
    const steme__strhash *h; /* an assertion's strings, hashed already (may be NULL) */
} keys_ctx;

/* term_key from hashes computed earlier: the same bytes, without hashing in the caller's
 * thread. */
static bool
hashed_key(const term *t, const steme__strhash *h, steme__ikey *k)
{
    k->idx = (uint8_t)t->idx;
    k->len = 8;
    switch (t->idx) {
    case STEME__IDX_SUBJECT:
        memcpy(k->b, h->subject, 8);
        return true;
    case STEME__IDX_SOURCE:
        memcpy(k->b, h->source, 8);
        return true;
    case STEME__IDX_SUBJECT_PREDICATE:
        memcpy(k->b, h->subject, 8);
        memcpy(k->b + 8, h->predicate, 8);
        k->len = 16;
        return true;
    default:
        return false;
    }
}

static int
add_key(const term *t, void *ctx)
{
    keys_ctx *kc = ctx;
    steme__ikey k;

    if (kc->h == NULL || !hashed_key(t, kc->h, &k))
        term_key(t, &k);
    /* Ids in one list can share their first 8 bytes: one entry per key is enough, and the
     * check expects exactly one. */
    for (size_t i = 0; i < kc->n; i++)
        if (kc->out[i].idx == k.idx && memcmp(kc->out[i].b, k.b, k.len) == 0)
            return 0;
    kc->out[kc->n++] = k;
    return 0;
}

size_t
steme__index_keys(const steme_record *rec, const steme_id *id, steme__ikey *out)
{
    keys_ctx kc = {out, 0, NULL};
    for_each_term(rec, id, add_key, &kc);
    return kc.n;
}

size_t
steme__index_keys_hashed(const steme_record *rec, const steme_id *id, const steme__strhash *h,
                         steme__ikey *out)
{
    keys_ctx kc = {out, 0, rec->kind == STEME_RECORD_ASSERTION ? h : NULL};
    for_each_term(rec, id, add_key, &kc);
    return kc.n;
}

void
steme__strhash_of(const steme_record *rec, steme__strhash *ret)
{
    const steme_assertion *a = &rec->assertion;

    memset(ret, 0, sizeof(*ret));
    if (rec->kind != STEME_RECORD_ASSERTION)
        return;
    hash_str(a->subject, ret->subject);
    hash_str(a->predicate, ret->predicate);
    hash_str(a->source, ret->source);
}

static enum steme__idx
public_to_idx(steme_index index)
{
    switch (index) {
    case STEME_INDEX_SUBJECT:
        return STEME__IDX_SUBJECT;
    case STEME_INDEX_SUBJECT_PREDICATE:
        return STEME__IDX_SUBJECT_PREDICATE;
    case STEME_INDEX_SOURCE:
        return STEME__IDX_SOURCE;
    case STEME_INDEX_AGENT:
        return STEME__IDX_AGENT;
    case STEME_INDEX_DERIVED_FROM:
        return STEME__IDX_DERIVED_FROM;
    case STEME_INDEX_SUPERSEDES:
        return STEME__IDX_SUPERSEDES;
    case STEME_INDEX_TARGET:
        return STEME__IDX_TARGET;
    case STEME_INDEX_LOG:
        break;
    }
    return STEME__IDX_COUNT;
}

static bool
str_ok(steme_str s)
{
    return s.ptr != NULL || s.len == 0;
}

/* The term a listing looks for. */
static steme_err
query_term(const steme_list_options *q, term *ret)
{
    term t = {.idx = public_to_idx(q->index)};

    switch (t.idx) {
    case STEME__IDX_SUBJECT_PREDICATE:
        t.s1 = q->subject;
        t.s2 = q->predicate;
        break;
    case STEME__IDX_SUBJECT:
        t.s1 = q->subject;
        break;
    case STEME__IDX_SOURCE:
        t.s1 = q->source;
        break;
    case STEME__IDX_AGENT:
        t.raw = q->agent.b;
        break;
    case STEME__IDX_DERIVED_FROM:
    case STEME__IDX_SUPERSEDES:
    case STEME__IDX_TARGET:
        t.raw = q->ref.b;
        break;
    default:
        return STEME_EINVAL;
    }
    if (!str_ok(t.s1) || !str_ok(t.s2))
        return STEME_EINVAL;
    *ret = t;
    return STEME_OK;
}

steme_err
steme__index_query_key(const steme_list_options *q, steme__ikey *ret)
{
    term t;
    steme_err err = query_term(q, &t);
    if (err != STEME_OK)
        return err;
    term_key(&t, ret);
    return STEME_OK;
}

static bool
str_eq(steme_str a, steme_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int
term_equal(const term *t, void *ctx)
{
    const term *want = ctx;

    if (t->idx != want->idx)
        return 0;
    if (want->raw != NULL)
        return memcmp(t->raw, want->raw, 32) == 0;
    return str_eq(t->s1, want->s1) && str_eq(t->s2, want->s2);
}

bool
steme__index_match(const steme_list_options *q, const steme_record *rec)
{
    term want;
    if (query_term(q, &want) != STEME_OK)
        return false;
    return for_each_term(rec, NULL, term_equal, &want) != 0;
}

steme_err
steme__index_put(steme__txn *t, const steme__ikey *keys, size_t n, uint64_t seq)
{
    uint8_t seq_be[8];
    MDB_val data = {sizeof(seq_be), seq_be};

    steme__put_u64(seq_be, seq);
    for (size_t i = 0; i < n; i++) {
        MDB_val key = {keys[i].len, (void *)keys[i].b};
        int rc = mdb_put(t->mdb, t->dbi[STEME__DB_INDEX(keys[i].idx)], &key, &data, 0);
        if (rc != MDB_SUCCESS)
            return steme__lmdb_err(rc);
    }
    return STEME_OK;
}

steme_err
steme__index_has(steme__txn *t, const steme__ikey *k, uint64_t seq)
{
    uint8_t seq_be[8];
    MDB_val key = {k->len, (void *)k->b};
    MDB_val data = {sizeof(seq_be), seq_be};
    MDB_cursor *cur;
    steme_err err;

    steme__put_u64(seq_be, seq);
    err = steme__txn_cursor(t, STEME__DB_INDEX(k->idx), &cur);
    if (err != STEME_OK)
        return err;
    return steme__lmdb_err(mdb_cursor_get(cur, &key, &data, MDB_GET_BOTH));
}
