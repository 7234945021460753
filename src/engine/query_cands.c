/* SPDX-License-Identifier: MIT */
/*
 * query_cands.c -- the candidates of a query: every assertion of the key(s) visible at a log
 * position, copied out of the transaction, with its lifecycle stage and standing votes at that
 * position, its source's tier, weight and reliability, its author's trust at the position, and
 * the verdict of the query's filters (stages, valid time, tiers, agent).
 *
 * Past stages come from the stage history (the last change caused at or before the position)
 * and past votes from the votes' own log entries, so a query at an old position gives the
 * answer it gave then. Source tier, weight and reliability are the current ones: the source
 * registry keeps no history (docs/lenses.md, "Queries").
 *
 * The candidates of a key come from its lens rows (cand_rows.c), written by the apply hook of
 * every assertion and rewritten when its stage or votes change: packed fixed-width rows by seq
 * that carry what a lens reads of an assertion, its current stage and votes included, so a
 * query at the latest position reads a few packed pages instead of fetching and decoding one
 * log record and one state row per candidate (bench/query measured the fetch at about 1.8 us
 * a record at 1,000,000 assertions, and a state row's descent at about 1 us). The rows do not
 * hold the subject and predicate: a row is the query's when its check hash is the query's; a
 * query by subject alone reads each predicate once from a log record.
 * Sources and authors' trust repeat among the candidates of a key: they are read once per
 * query, and across queries from the db's lens-input cache (lens_inputs.c) while the stamps
 * say they have not changed.
 */
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "crypto.h"
#include "engine.h"
#include "fasthash.h"
#include "lens_inputs.h"
#include "cand_rows.h"
#include "query.h"
#include "rules.h"

/* The rows' bytes live in a few large blocks rather than one allocation per row. */
typedef struct steme__qblock {
    struct steme__qblock *next;
    size_t used, cap;
    max_align_t data[];
} qblock;

#define QBLOCK_MIN 16384

static uint8_t *
arena_alloc(steme__qset *set, size_t n)
{
    qblock *b = set->blocks;

    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > QBLOCK_MIN ? n : QBLOCK_MIN;
        if ((b = steme__malloc(sizeof(*b) + cap)) == NULL)
            return NULL;
        b->next = set->blocks;
        b->used = 0;
        b->cap = cap;
        set->blocks = b;
    }
    uint8_t *p = (uint8_t *)b->data + b->used;
    b->used += n;
    return p;
}

void
steme__qset_free(steme__qset *set)
{
    if (set == NULL)
        return;
    for (qblock *b = set->blocks, *next; b != NULL; b = next) {
        next = b->next;
        steme__free(b);
    }
    steme__free(set->rows);
    memset(set, 0, sizeof(*set));
}

steme_err
steme__query_last_seq(steme__txn *t, uint64_t *ret)
{
    /* The log's own last position: one lookup at the right edge of its tree. */
    return steme__txn_last_seq(t, ret);
}

steme_err
steme__query_seq_at_time(steme__txn *t, uint64_t last, int64_t ms, uint64_t *ret)
{
    uint64_t lo = 0, hi = last + 1; /* recorded_at(lo) <= ms < recorded_at(hi) */
    steme_entry e;
    steme_err err;

    /* The store stamps recorded_at = max(now, previous): it never decreases along the log. */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if ((err = steme__txn_get_seq(t, mid, &e)) != STEME_OK)
            return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
        if (e.recorded_at <= ms)
            lo = mid;
        else
            hi = mid;
    }
    *ret = lo;
    return STEME_OK;
}

#define KNOWN_MAX 8 /* (check, predicate) pairs remembered per key in a query by subject */

typedef struct collect {
    const steme_query *q;
    steme__qset *set;
    uint64_t position;
    steme_err err;
    /* Reading the lens rows: */
    steme__txn *t;
    steme_str subject, predicate; /* the query's, copied into the arena */
    uint8_t check[8];             /* of (subject, predicate) when the query names a predicate */
    const uint8_t *key;           /* the key being read, by subject alone */
    struct {
        uint8_t check[8];
        steme_str predicate;
        bool ours; /* the rows are of the query's subject */
    } known[KNOWN_MAX];
    size_t n_known;
} collect;

static bool
has_prefix(steme_str s, steme_str prefix)
{
    return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

static bool
str_eq(steme_str a, steme_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static steme__qrow *
add_row(collect *c)
{
    steme__qset *set = c->set;
    steme__qrow *row;

    if (set->n == STEME__QUERY_MAX_ROWS) {
        c->err = STEME_ELIMIT;
        return NULL;
    }
    if (set->n == set->cap) {
        /* A hot key holds a hundred candidates or more: starting at 128 rows (36 KiB) spares
         * its query three reallocations and the copies they make. */
        size_t cap = set->cap == 0 ? 128 : set->cap * 2;
        steme__qrow *rows = steme__realloc(set->rows, cap * sizeof(*rows));
        if (rows == NULL) {
            c->err = STEME_ENOMEM;
            return NULL;
        }
        set->rows = rows;
        set->cap = cap;
    }
    row = &set->rows[set->n++];
    memset(row, 0, sizeof(*row));
    return row;
}

/* The candidate form of the assertion a of a log entry e (strings borrowed from a). */
static void
cand_of(const steme_entry *e, const steme_assertion *a, steme__qrow *row)
{
    steme__cand *c = &row->cand;

    c->seq = e->seq;
    c->id = e->id;
    c->recorded_at = e->recorded_at;
    c->agent = a->agent;
    c->source = a->source;
    c->value = a->object;
    c->confidence = a->confidence;
    c->asserted_at = a->asserted_at;
    c->has_valid_from = a->has_valid_from;
    c->has_valid_until = a->has_valid_until;
    c->valid_from = a->valid_from;
    c->valid_until = a->valid_until;
    row->subject = a->subject;
    row->predicate = a->predicate;
}

static int
collect_one(const steme_entry *e, void *ctx)
{
    collect *c = ctx;
    steme__qset *set = c->set;
    const steme_assertion *a;
    steme__qrow *row;
    steme_errinfo ei;
    steme_record rec;

    if (e->record.kind != STEME_RECORD_ASSERTION)
        return 0;
    a = &e->record.assertion;
    if (c->q->subject_prefix && !has_prefix(a->subject, c->q->subject))
        return 0;
    if (c->q->predicate.len > 0 && !str_eq(a->predicate, c->q->predicate))
        return 0;
    if ((row = add_row(c)) == NULL)
        return 1;
    /* The entry borrows the snapshot; the result outlives it, so keep a copy of the bytes and
     * decode again over the copy, whose strings the row then borrows. */
    uint8_t *bytes = arena_alloc(set, e->len);
    if (bytes == NULL) {
        c->err = STEME_ENOMEM;
        return 1;
    }
    memcpy(bytes, e->bytes, e->len);
    if (steme_record_decode(bytes, e->len, &rec, &ei) != STEME_OK) {
        c->err = STEME_ECORRUPT;
        return 1;
    }
    cand_of(e, &rec.assertion, row);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The lens rows of the key(s) (cand_rows.c).
 */

/* A string copied into the set's arena: the result outlives the snapshot and the query. */
static bool
arena_str(collect *c, steme_str s, steme_str *ret)
{
    uint8_t *p = arena_alloc(c->set, s.len > 0 ? s.len : 1);
    if (p == NULL) {
        c->err = STEME_ENOMEM;
        return false;
    }
    if (s.len > 0)
        memcpy(p, s.ptr, s.len);
    ret->ptr = (const char *)p;
    ret->len = s.len;
    return true;
}

/* The predicate of the rows of one key with a given check, for a query by subject alone: the
 * rows do not hold it, so it is read once per key and check from a log record. */
static bool
predicate_of(collect *c, const uint8_t *row, steme_str *ret, bool *ret_ours)
{
    const uint8_t *check = steme__cand_check_of(row);
    steme_entry e;
    steme_err err;

    for (size_t i = 0; i < c->n_known; i++) {
        if (memcmp(c->known[i].check, check, 8) == 0) {
            *ret = c->known[i].predicate;
            *ret_ours = c->known[i].ours;
            return true;
        }
    }
    if ((err = steme__txn_get_seq(c->t, steme__cand_seq(row), &e)) != STEME_OK ||
        e.record.kind != STEME_RECORD_ASSERTION) {
        c->err = err == STEME_OK || err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
        return false;
    }
    const steme_assertion *a = &e.record.assertion;
    uint8_t want[8];
    steme__cand_check_hash(a->subject, a->predicate, want);
    if (memcmp(want, check, 8) != 0) {
        c->err = STEME_ECORRUPT;
        return false;
    }
    *ret_ours = str_eq(a->subject, c->q->subject);
    if (*ret_ours && !arena_str(c, a->predicate, ret))
        return false;
    if (c->n_known < KNOWN_MAX) {
        c->known[c->n_known].predicate = *ret;
        c->known[c->n_known].ours = *ret_ours;
        memcpy(c->known[c->n_known].check, check, 8);
        c->n_known++;
    }
    return true;
}

/* The source and the string of the object of a row that did not hold them, from its record. */
static bool
unspill(collect *c, steme__qrow *row)
{
    steme__cand *cand = &row->cand;
    steme_entry e;
    steme_err err;

    if ((err = steme__txn_get_seq(c->t, cand->seq, &e)) != STEME_OK ||
        e.record.kind != STEME_RECORD_ASSERTION) {
        c->err = err == STEME_OK || err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
        return false;
    }
    const steme_assertion *la = &e.record.assertion;
    if (!arena_str(c, la->source, &cand->source))
        return false;
    switch (cand->value.type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        return arena_str(c, la->object.str, &cand->value.str);
    case STEME_VALUE_NUMBER:
        return arena_str(c, la->object.unit, &cand->value.unit);
    case STEME_VALUE_INTEGER:
    case STEME_VALUE_BOOLEAN:
        break;
    }
    return true;
}

static int
rows_one(const steme__val *key, const steme__val *block, void *ctx)
{
    collect *c = ctx;

    if (key->n != 16 || block->n % STEME__CAND_ROW != 0) {
        c->err = STEME_ECORRUPT;
        return 1;
    }
    /* Ask for the whole block (a page of rows) at once: the rows' cache misses then overlap
     * instead of coming one row after another. */
    for (size_t off = 0; off < block->n; off += 64)
        __builtin_prefetch(block->p + off);
    if (c->key == NULL || memcmp(c->key, key->p, 16) != 0) {
        c->key = key->p; /* a new key: its predicates are still to be learnt */
        c->n_known = 0;
    }
    for (size_t off = 0; off < block->n; off += STEME__CAND_ROW) {
        const uint8_t *src = block->p + off;
        steme_str predicate = c->predicate;
        bool ours = true, spilled;
        steme__qrow *row;

        if (steme__cand_seq(src) > c->position)
            continue; /* rows are by seq within a key: the rest of the key is later too */
        if (c->q->predicate.len > 0)
            ours = memcmp(steme__cand_check_of(src), c->check, 8) == 0;
        else if (!predicate_of(c, src, &predicate, &ours))
            return 1;
        if (!ours)
            continue; /* another (subject, predicate) under the same 16-byte key */
        if ((row = add_row(c)) == NULL)
            return 1;
        uint8_t *bytes = arena_alloc(c->set, STEME__CAND_ROW);
        if (bytes == NULL) {
            c->err = STEME_ENOMEM;
            return 1;
        }
        memcpy(bytes, src, STEME__CAND_ROW);
        if (!steme__cand_parse(bytes, row, &spilled)) {
            c->err = STEME_ECORRUPT;
            return 1;
        }
        row->subject = c->subject;
        row->predicate = predicate;
        if (spilled && !unspill(c, row))
            return 1;
    }
    return 0;
}

/* Sources and trust repeat among the candidates of a key: one read each per query. The memos
 * are open-addressed tables of entry numbers (so that only they need clearing, not the
 * entries) on a fast unkeyed hash, comparing the full key; a probe gives up after 8 slots and
 * the candidate then reads the db's cache or the store, so colliding inputs cost reads, never
 * a long walk. */
#define MEMO_BITS  8
#define MEMO_SLOTS (1u << MEMO_BITS)
#define MEMO_PROBE 8

typedef struct src_memo {
    steme_str id; /* borrows a row */
    steme_tier tier;
    uint32_t weight;
    double reliability;
    bool pending; /* read from the store: to go into the db's cache after the read session */
} src_memo;

typedef struct trust_memo {
    steme_pubkey agent;
    double trust;
    bool pending;
} trust_memo;

typedef struct memo {
    uint16_t src_slot[MEMO_SLOTS], trust_slot[MEMO_SLOTS]; /* entry number + 1; 0: empty */
    src_memo src[MEMO_SLOTS];
    trust_memo trust[MEMO_SLOTS];
    size_t n_src, n_trust;
    steme__linputs *cache; /* the db's, across queries; NULL when not to be used */
    steme__lstamps st;     /* the snapshot's stamps, which the cache must match */
} memo;

static steme_err
source_of(steme__txn *t, memo *m, steme_str id, steme__cand *c)
{
    uint16_t *slot = NULL;
    steme__source_row src;
    steme_err err;

    if (m != NULL) {
        size_t i = steme__fast_slot(steme__fast_hash(id.ptr, id.len), MEMO_BITS);
        for (size_t probe = 0; probe < MEMO_PROBE; probe++, i = (i + 1) & (MEMO_SLOTS - 1)) {
            if (m->src_slot[i] == 0) {
                slot = &m->src_slot[i];
                break;
            }
            const src_memo *e = &m->src[m->src_slot[i] - 1];
            if (str_eq(e->id, id)) {
                c->tier = e->tier;
                c->weight = e->weight;
                c->reliability = e->reliability;
                return STEME_OK;
            }
        }
    }
    if (m != NULL && m->cache != NULL &&
        steme__linputs_source_get(m->cache, &m->st, id, &c->tier, &c->weight, &c->reliability)) {
        if (slot != NULL) {
            m->src[m->n_src++] = (src_memo){id, c->tier, c->weight, c->reliability, false};
            *slot = (uint16_t)m->n_src;
        }
        return STEME_OK;
    }
    bool pending = false;
    err = steme__source_get(t, id, &src);
    if (err == STEME_OK) {
        c->tier = (steme_tier)src.tier;
        c->weight = src.weight;
        c->reliability = steme__trust_mean(src.alpha, src.beta);
        pending = m != NULL && m->cache != NULL;
    } else if (err == STEME_ENOTFOUND) {
        /* Every cited source has a row (sources.c); this only happens in a what-if. */
        c->tier = STEME_TIER_UNVERIFIED;
        c->weight = steme__tier_weight(STEME_TIER_UNVERIFIED);
        c->reliability = steme__trust_mean(STEME__TRUST_PRIOR_ALPHA, STEME__TRUST_PRIOR_BETA);
    } else {
        return err;
    }
    if (slot != NULL) {
        m->src[m->n_src++] = (src_memo){id, c->tier, c->weight, c->reliability, pending};
        *slot = (uint16_t)m->n_src;
    }
    return STEME_OK;
}

static steme_err
trust_of(steme__txn *t, memo *m, const steme_pubkey *agent, uint64_t position, double *ret)
{
    uint16_t *slot = NULL;
    double alpha, beta;
    steme_err err;

    if (m != NULL) {
        size_t i = steme__fast_slot(steme__get_u64(agent->b), MEMO_BITS);
        for (size_t probe = 0; probe < MEMO_PROBE; probe++, i = (i + 1) & (MEMO_SLOTS - 1)) {
            if (m->trust_slot[i] == 0) {
                slot = &m->trust_slot[i];
                break;
            }
            const trust_memo *e = &m->trust[m->trust_slot[i] - 1];
            if (memcmp(e->agent.b, agent->b, STEME_PUBKEY_SIZE) == 0) {
                *ret = e->trust;
                return STEME_OK;
            }
        }
    }
    /* The cache holds the latest trust, which is the trust at any position >= the stamp. */
    bool cacheable = m != NULL && m->cache != NULL && position >= m->st.trust;
    bool cached = cacheable && steme__linputs_trust_get(m->cache, &m->st, agent, ret);
    if (!cached) {
        if ((err = steme__trust_as_of(t, agent, position, &alpha, &beta)) != STEME_OK)
            return err;
        *ret = steme__trust_mean(alpha, beta);
    }
    if (slot != NULL) {
        m->trust[m->n_trust++] = (trust_memo){*agent, *ret, cacheable && !cached};
        *slot = (uint16_t)m->n_trust;
    }
    return STEME_OK;
}

typedef struct stage_walk {
    uint64_t position;
    uint8_t stage;
    bool corrupt;
} stage_walk;

static int
stage_one(const steme__val *key, const steme__val *val, void *ctx)
{
    stage_walk *sw = ctx;

    /* rows.c: key seq || cause, value version, from, to; causes ascend with the key. */
    if (key->n != 16 || val->n != 3 || val->p[0] != STEME__ROW_VERSION) {
        sw->corrupt = true;
        return 1;
    }
    if (steme__key_seq_get(key->p + 8) > sw->position)
        return 1;
    sw->stage = val->p[2];
    return 0;
}

/* The stage of the assertion at seq as it stood at position. */
static steme_err
stage_at(steme__txn *t, uint64_t seq, uint64_t position, steme_stage *ret)
{
    stage_walk sw = {.position = position, .stage = 0, .corrupt = false};
    uint8_t prefix[8];
    steme_err err;

    steme__key_seq(prefix, seq);
    err = steme__tscan(t, STEME__T_HISTORY, prefix, sizeof(prefix), stage_one, &sw);
    if (err != STEME_OK)
        return err;
    if (sw.corrupt || sw.stage == 0 || steme_stage_name((steme_stage)sw.stage) == NULL)
        return STEME_ECORRUPT;
    *ret = (steme_stage)sw.stage;
    return STEME_OK;
}

typedef struct vote_walk {
    steme_pubkey voters[STEME__QUERY_MAX_VOTERS];
    int8_t values[STEME__QUERY_MAX_VOTERS];
    size_t n;
    bool full;
} vote_walk;

static int
vote_one(const steme_entry *e, void *ctx)
{
    vote_walk *vw = ctx;
    const steme_vote *v;

    if (e->record.kind != STEME_RECORD_VOTE)
        return 0;
    v = &e->record.vote;
    /* One standing vote per voter: a later vote replaces the earlier (lifecycle.c). */
    for (size_t i = 0; i < vw->n; i++) {
        if (memcmp(vw->voters[i].b, v->agent.b, STEME_PUBKEY_SIZE) == 0) {
            vw->values[i] = v->value;
            return 0;
        }
    }
    if (vw->n == STEME__QUERY_MAX_VOTERS) {
        vw->full = true;
        return 1;
    }
    vw->voters[vw->n] = v->agent;
    vw->values[vw->n++] = v->value;
    return 0;
}

/* Standing up- and down-votes on the assertion id as they stood at position. */
static steme_err
votes_at(steme__txn *t, const steme_id *id, uint64_t position, vote_walk *vw, uint32_t *up,
         uint32_t *down)
{
    steme_list_options lo = {.index = STEME_INDEX_TARGET, .ref = *id, .as_of = position};
    steme_err err;

    vw->n = 0;
    vw->full = false;
    if ((err = steme__txn_list(t, &lo, vote_one, vw)) != STEME_OK)
        return err;
    if (vw->full)
        return STEME_ELIMIT;
    *up = *down = 0;
    for (size_t i = 0; i < vw->n; i++) {
        if (vw->values[i] > 0)
            (*up)++;
        else
            (*down)++;
    }
    return STEME_OK;
}

static bool
valid_at(const steme__cand *a, int64_t at)
{
    /* Valid time is the half-open window [valid_from, valid_until); an open end is unbounded. */
    return (!a->has_valid_from || a->valid_from <= at) &&
           (!a->has_valid_until || at < a->valid_until);
}

/* Complete the candidate form of row (stage and votes at the position, the source's tier,
 * weight and reliability, the author's trust) and decide whether the filters keep it. */
static steme_err
complete(steme__txn *t, const steme_query *q, uint64_t position, bool latest, bool trust,
         uint32_t stages, uint32_t tiers, vote_walk *vw, memo *m, steme__qrow *row)
{
    steme__cand *c = &row->cand;
    steme__state_row st;
    steme_err err;

    if (latest && row->has_state) {
        /* The candidate row's copy of the state (steme__query_cand_state keeps it current). */
    } else if (latest) {
        if ((err = steme__state_get(t, c->seq, &st)) != STEME_OK)
            return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
        row->stage = (steme_stage)st.stage;
        c->up = st.up;
        c->down = st.down;
    } else {
        if ((err = stage_at(t, c->seq, position, &row->stage)) != STEME_OK)
            return err;
        if ((err = votes_at(t, &c->id, position, vw, &c->up, &c->down)) != STEME_OK)
            return err;
    }
    if ((err = source_of(t, m, c->source, c)) != STEME_OK)
        return err;
    c->trust = 0; /* read only by lenses that weigh trust */
    if (trust && (err = trust_of(t, m, &c->agent, position, &c->trust)) != STEME_OK)
        return err;

    if ((stages & STEME_STAGE_BIT(row->stage)) == 0)
        row->excl = STEME__QX_STAGE;
    else if (q->has_valid_at && !valid_at(c, q->valid_at))
        row->excl = STEME__QX_VALID;
    else if ((tiers & STEME_TIER_BIT(c->tier)) == 0 ||
             (q->has_agent && memcmp(q->agent.b, c->agent.b, STEME_PUBKEY_SIZE) != 0))
        row->excl = STEME__QX_FILTER;
    else
        row->excl = STEME__QX_NONE;
    return STEME_OK;
}

steme_err
steme__query_gather(steme__txn *t, const steme_query *q, uint64_t position, bool latest, bool trust,
                    uint32_t stages, uint32_t tiers, steme__linputs *cache, steme__qset *set)
{
    collect c = {.q = q, .set = set, .position = position, .err = STEME_OK, .t = t};
    steme_list_options lo = {.as_of = position};
    vote_walk *vw = NULL;
    memo *m = NULL;
    steme_err err;

    if (q->subject_prefix) {
        /* No index is ordered by subject bytes (the subject indexes are keyed by hash), so a
         * prefix query reads the log up to the position: O(log), meant for small stores and
         * tools, not for hot paths. */
        lo.index = STEME_INDEX_LOG;
        err = steme__txn_list(t, &lo, collect_one, &c);
    } else {
        /* The lens rows, by hash64(subject) [|| hash64(predicate)]. */
        uint8_t prefix[16];
        steme__hash64(q->subject.len ? q->subject.ptr : "", q->subject.len, prefix);
        steme__hash64(q->predicate.len ? q->predicate.ptr : "", q->predicate.len, prefix + 8);
        steme__cand_check_hash(q->subject, q->predicate, c.check);
        if (!arena_str(&c, q->subject, &c.subject) || !arena_str(&c, q->predicate, &c.predicate))
            return c.err;
        err = steme__tscan_fixed(t, STEME__T_CAND, prefix, q->predicate.len > 0 ? 16 : 8, rows_one,
                                 &c);
    }
    if (err != STEME_OK)
        return err;
    if (c.err != STEME_OK)
        return c.err;
    if (!latest && set->n > 0 && (vw = steme__malloc(sizeof(*vw))) == NULL)
        return STEME_ENOMEM;
    /* Without the memos (no memory for them) every candidate reads the store again. */
    if ((set->n > 1 || cache != NULL) && (m = steme__malloc(sizeof(*m))) != NULL) {
        /* Only the slot tables need clearing: entries are written before they are reached. */
        memset(m->src_slot, 0, sizeof(m->src_slot));
        memset(m->trust_slot, 0, sizeof(m->trust_slot));
        m->n_src = m->n_trust = 0;
        m->cache = NULL;
    }
    if (m != NULL && cache != NULL) {
        err = steme__stamps_global(t, &m->st.trust, &m->st.source);
        if (err != STEME_OK) {
            steme__free(m);
            steme__free(vw);
            return err;
        }
        m->cache = cache;
    }
    err = STEME_OK;
    if (m != NULL && m->cache != NULL)
        steme__linputs_read_begin(m->cache);
    for (size_t i = 0; i < set->n; i++) {
        err = complete(t, q, position, latest, trust, stages, tiers, vw, m, &set->rows[i]);
        if (err != STEME_OK)
            break;
    }
    if (m != NULL && m->cache != NULL) {
        /* What the store gave goes into the db's cache once the read lock is released. */
        steme__linputs_read_end(m->cache);
        for (size_t i = 0; err == STEME_OK && i < m->n_src; i++) {
            const src_memo *s = &m->src[i];
            if (s->pending)
                steme__linputs_source_put(m->cache, &m->st, s->id, s->tier, s->weight,
                                          s->reliability);
        }
        for (size_t i = 0; err == STEME_OK && i < m->n_trust; i++) {
            const trust_memo *a = &m->trust[i];
            if (a->pending)
                steme__linputs_trust_put(m->cache, &m->st, &a->agent, a->trust);
        }
    }
    steme__free(m);
    steme__free(vw);
    return err;
}
