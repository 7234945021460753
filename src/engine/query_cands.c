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
 * The candidates of a key come from the candidate table (d_candidate), written by the apply
 * hook of every assertion and rewritten when its stage or votes change: its rows are ordered by
 * key and seq and carry what a lens reads of an assertion, its current stage and votes
 * included, so a query at the latest position scans one short range instead of fetching and
 * decoding one log record and one state row per candidate (bench/query measured the fetch at
 * about 1.8 us a record at 1,000,000 assertions, and a state row's descent at about 1 us).
 * Sources and authors' trust repeat among the candidates of a key: they are read once per
 * query, and across queries from the db's lens-input cache (lens_inputs.c) while the stamps
 * say they have not changed.
 */
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "crypto.h"
#include "engine.h"
#include "lens_inputs.h"
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

typedef struct collect {
    const steme_query *q;
    steme__qset *set;
    uint64_t position;
    steme_err err;
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

static int
collect_one(const steme_entry *e, void *ctx)
{
    collect *c = ctx;
    steme__qset *set = c->set;
    const steme_assertion *a;
    steme__qrow *row;
    steme_errinfo ei;

    if (e->record.kind != STEME_RECORD_ASSERTION)
        return 0;
    a = &e->record.assertion;
    if (c->q->subject_prefix && !has_prefix(a->subject, c->q->subject))
        return 0;
    if (c->q->predicate.len > 0 && !str_eq(a->predicate, c->q->predicate))
        return 0;
    if (set->n == STEME__QUERY_MAX_ROWS) {
        c->err = STEME_ELIMIT;
        return 1;
    }
    if (set->n == set->cap) {
        size_t cap = set->cap == 0 ? 16 : set->cap * 2;
        steme__qrow *rows = steme__realloc(set->rows, cap * sizeof(*rows));
        if (rows == NULL) {
            c->err = STEME_ENOMEM;
            return 1;
        }
        set->rows = rows;
        set->cap = cap;
    }
    row = &set->rows[set->n];
    memset(row, 0, sizeof(*row));
    /* The entry borrows the snapshot; the result outlives it, so keep a copy of the bytes and
     * decode again over the copy. */
    uint8_t *bytes = arena_alloc(set, e->len);
    if (bytes == NULL) {
        c->err = STEME_ENOMEM;
        return 1;
    }
    memcpy(bytes, e->bytes, e->len);
    set->n++;
    row->e = *e;
    row->e.bytes = bytes;
    if (steme_record_decode(bytes, e->len, &row->e.record, &ei) != STEME_OK) {
        c->err = STEME_ECORRUPT;
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The candidate table. Key: hash64(subject) || hash64(predicate) || seq. Value: version (2),
 * the state -- stage u8, up u32, down u32, as in the assertion's state row --, then id[32],
 * recorded_at u64, agent[32], confidence u32, asserted_at u64, flags (1: valid_from,
 * 2: valid_until), valid_from u64, valid_until u64, subject, predicate, source (u16 length and
 * bytes each), then the object: type, and str (u16 length, bytes) for a string or reference,
 * u64 for an integer, the IEEE bits u64 and the unit (u16 length, bytes) for a number, one
 * byte for a boolean. Integers are big-endian (bytes.h). Version 1 (table d_cand) had no state.
 */

#define CAND_VERSION 2
#define CAND_KEY     24
#define CAND_STATE   9 /* stage, up, down at offset 1 */
#define CAND_FIXED   (1 + CAND_STATE + 32 + 8 + 32 + 4 + 8 + 1 + 8 + 8)
#define CAND_MAX                                                                                   \
    (CAND_FIXED + 2 + STEME_MAX_SUBJECT + 2 + STEME_MAX_PREDICATE + 2 + STEME_MAX_SOURCE + 1 + 2 + \
     STEME_MAX_TEXT + 2 + STEME_MAX_UNIT)

static size_t
put_str(uint8_t *p, steme_str s)
{
    steme__put_u16(p, (uint16_t)s.len);
    if (s.len > 0)
        memcpy(p + 2, s.ptr, s.len);
    return 2 + s.len;
}

static void
hash_str(steme_str s, uint8_t out[8])
{
    steme__hash64(s.len ? s.ptr : "", s.len, out);
}

static void
cand_key(steme__txn *t, const steme_entry *e, uint8_t key[CAND_KEY])
{
    steme__assertion_key(t, e, key); /* hash64(subject) || hash64(predicate) */
    steme__key_seq(key + 16, e->seq);
}

static void
put_state(uint8_t *p, const steme__state_row *st)
{
    p[0] = st->stage;
    steme__put_u32(p + 1, st->up);
    steme__put_u32(p + 5, st->down);
}

steme_err
steme__query_cand_put(steme__txn *t, const steme_entry *e)
{
    const steme_assertion *a = &e->record.assertion;
    uint8_t key[CAND_KEY], v[CAND_MAX];
    steme__state_row st;
    size_t n = 0;
    steme_err err;

    /* The lifecycle rules ran first (rules.c): the state row is the assertion's final one. */
    if ((err = steme__state_get(t, e->seq, &st)) != STEME_OK)
        return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
    cand_key(t, e, key);
    v[n++] = CAND_VERSION;
    put_state(v + n, &st);
    n += CAND_STATE;
    memcpy(v + n, e->id.b, STEME_ID_SIZE);
    n += STEME_ID_SIZE;
    steme__put_u64(v + n, (uint64_t)e->recorded_at);
    n += 8;
    memcpy(v + n, a->agent.b, STEME_PUBKEY_SIZE);
    n += STEME_PUBKEY_SIZE;
    steme__put_u32(v + n, a->confidence);
    n += 4;
    steme__put_u64(v + n, (uint64_t)a->asserted_at);
    n += 8;
    v[n++] = (uint8_t)((a->has_valid_from ? 1 : 0) | (a->has_valid_until ? 2 : 0));
    steme__put_u64(v + n, a->has_valid_from ? (uint64_t)a->valid_from : 0);
    n += 8;
    steme__put_u64(v + n, a->has_valid_until ? (uint64_t)a->valid_until : 0);
    n += 8;
    n += put_str(v + n, a->subject);
    n += put_str(v + n, a->predicate);
    n += put_str(v + n, a->source);
    v[n++] = (uint8_t)a->object.type;
    switch (a->object.type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        n += put_str(v + n, a->object.str);
        break;
    case STEME_VALUE_INTEGER:
        steme__put_u64(v + n, (uint64_t)a->object.integer);
        n += 8;
        break;
    case STEME_VALUE_NUMBER: {
        uint64_t bits;
        memcpy(&bits, &a->object.number, sizeof(bits));
        steme__put_u64(v + n, bits);
        n += 8;
        n += put_str(v + n, a->object.unit);
        break;
    }
    case STEME_VALUE_BOOLEAN:
        v[n++] = a->object.boolean ? 1 : 0;
        break;
    }
    return steme__tput(t, STEME__T_CAND, key, sizeof(key), v, n);
}

steme_err
steme__query_cand_state(steme__txn *t, const steme_entry *e, const uint8_t key16[16],
                        const steme__state_row *st)
{
    uint8_t key[CAND_KEY], v[CAND_MAX], state[CAND_STATE];
    steme__val old;
    steme_err err;

    if (e->seq == steme__txn_applying(t))
        return STEME_OK; /* the assertion being applied: its row is written after its state */
    memcpy(key, key16, 16);
    steme__key_seq(key + 16, e->seq);
    err = steme__tget(t, STEME__T_CAND, key, sizeof(key), &old);
    if (err == STEME_ENOTFOUND)
        return STEME_OK; /* the assertion being applied: its row is written after its state */
    if (err != STEME_OK)
        return err;
    if (old.n < CAND_FIXED || old.n > sizeof(v) || old.p[0] != CAND_VERSION)
        return STEME_ECORRUPT;
    put_state(state, st);
    if (memcmp(old.p + 1, state, CAND_STATE) == 0)
        return STEME_OK; /* a change of conditions only: what a lens reads is the same */
    memcpy(v, old.p, old.n);
    memcpy(v + 1, state, CAND_STATE);
    return steme__tput(t, STEME__T_CAND, key, sizeof(key), v, old.n);
}

typedef struct cand_check {
    steme__txn *t;
    steme_problem_fn fn;
    void *ctx;
    uint64_t problems;
    steme_err err;
} cand_check;

static int
check_one(const steme__val *key, const steme__val *val, void *ctx)
{
    cand_check *cc = ctx;
    uint64_t seq = key->n == CAND_KEY ? steme__key_seq_get(key->p + 16) : 0;
    const char *what = NULL;
    uint8_t state[CAND_STATE];
    steme__state_row st;

    if (key->n != CAND_KEY || val->n < CAND_FIXED || val->p[0] != CAND_VERSION) {
        what = "malformed candidate row";
    } else {
        steme_err err = steme__state_get(cc->t, seq, &st);
        if (err == STEME_ENOTFOUND) {
            what = "candidate row without a state row";
        } else if (err != STEME_OK) {
            cc->err = err;
            return 1;
        } else {
            put_state(state, &st);
            if (memcmp(val->p + 1, state, CAND_STATE) != 0)
                what = "stage or votes differ from the state row";
        }
    }
    if (what != NULL) {
        cc->problems++;
        if (cc->fn != NULL)
            cc->fn("d_candidate", what, seq, cc->ctx);
    }
    return 0;
}

steme_err
steme__query_cands_check(steme__txn *t, steme_problem_fn fn, void *ctx, uint64_t *ret_problems)
{
    cand_check cc = {.t = t, .fn = fn, .ctx = ctx, .err = STEME_OK};
    steme_err err = steme__tscan(t, STEME__T_CAND, NULL, 0, check_one, &cc);

    if (err == STEME_OK)
        err = cc.err;
    *ret_problems = cc.problems;
    return err;
}

typedef struct reader {
    const uint8_t *p;
    size_t n;
    bool bad;
} reader;

static const uint8_t *
take(reader *r, size_t n)
{
    const uint8_t *p = r->p;
    if (r->bad || r->n < n) {
        r->bad = true;
        return NULL;
    }
    r->p += n;
    r->n -= n;
    return p;
}

static steme_str
take_str(reader *r)
{
    const uint8_t *p = take(r, 2);
    steme_str s = {"", 0};
    if (p == NULL)
        return s;
    size_t len = steme__get_u16(p);
    if ((p = take(r, len)) != NULL && len > 0) {
        s.ptr = (const char *)p;
        s.len = len;
    }
    return s;
}

static uint64_t
take_u64(reader *r)
{
    const uint8_t *p = take(r, 8);
    return p != NULL ? steme__get_u64(p) : 0;
}

/* Parse a candidate row (owned bytes) into row->e. */
static bool
cand_parse(const uint8_t *key, uint8_t *v, size_t n, steme__qrow *row)
{
    reader r = {v, n, false};
    steme_entry *e = &row->e;
    steme_assertion *a = &e->record.assertion;
    const uint8_t *p;
    uint8_t flags;

    e->seq = steme__key_seq_get(key + 16);
    e->record.kind = STEME_RECORD_ASSERTION;
    if ((p = take(&r, 1)) == NULL || *p != CAND_VERSION)
        return false;
    if ((p = take(&r, CAND_STATE)) != NULL) {
        row->stage = (steme_stage)p[0];
        row->cand.up = steme__get_u32(p + 1);
        row->cand.down = steme__get_u32(p + 5);
        row->has_state = true;
    }
    if ((p = take(&r, STEME_ID_SIZE)) != NULL)
        memcpy(e->id.b, p, STEME_ID_SIZE);
    e->recorded_at = (int64_t)take_u64(&r);
    if ((p = take(&r, STEME_PUBKEY_SIZE)) != NULL)
        memcpy(a->agent.b, p, STEME_PUBKEY_SIZE);
    if ((p = take(&r, 4)) != NULL)
        a->confidence = steme__get_u32(p);
    a->asserted_at = (int64_t)take_u64(&r);
    flags = (p = take(&r, 1)) != NULL ? *p : 0;
    a->has_valid_from = (flags & 1) != 0;
    a->has_valid_until = (flags & 2) != 0;
    a->valid_from = (int64_t)take_u64(&r);
    a->valid_until = (int64_t)take_u64(&r);
    a->subject = take_str(&r);
    a->predicate = take_str(&r);
    a->source = take_str(&r);
    a->object.type = (p = take(&r, 1)) != NULL ? (steme_value_type)*p : 0;
    switch (a->object.type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        a->object.str = take_str(&r);
        break;
    case STEME_VALUE_INTEGER:
        a->object.integer = (int64_t)take_u64(&r);
        break;
    case STEME_VALUE_NUMBER: {
        uint64_t bits = take_u64(&r);
        memcpy(&a->object.number, &bits, sizeof(bits));
        a->object.unit = take_str(&r);
        break;
    }
    case STEME_VALUE_BOOLEAN:
        a->object.boolean = (p = take(&r, 1)) != NULL && *p != 0;
        break;
    default:
        return false;
    }
    return !r.bad && r.n == 0;
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
        size_t cap = set->cap == 0 ? 16 : set->cap * 2;
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

static int
cand_one(const steme__val *key, const steme__val *val, void *ctx)
{
    collect *c = ctx;
    steme__qrow *row;

    if (key->n != CAND_KEY) {
        c->err = STEME_ECORRUPT;
        return 1;
    }
    if (steme__key_seq_get(key->p + 16) > c->position)
        return 0; /* ordered by seq only within a predicate */
    if ((row = add_row(c)) == NULL)
        return 1;
    uint8_t *bytes = arena_alloc(c->set, val->n > 0 ? val->n : 1);
    if (bytes == NULL) {
        c->err = STEME_ENOMEM;
        return 1;
    }
    memcpy(bytes, val->p, val->n);
    if (!cand_parse(key->p, bytes, val->n, row)) {
        c->err = STEME_ECORRUPT;
        return 1;
    }
    /* Another subject or predicate with the same short key (its bytes stay in the arena). */
    const steme_assertion *a = &row->e.record.assertion;
    if (!str_eq(a->subject, c->q->subject) ||
        (c->q->predicate.len > 0 && !str_eq(a->predicate, c->q->predicate)))
        c->set->n--;
    return 0;
}

/* Sources and trust repeat among the candidates of a key: one read each per query. The memos
 * are open-addressed on a 64-bit digest and compare the full key. */
#define MEMO_SLOTS 256 /* power of two; a fuller memo just reads the store again */

typedef struct src_memo {
    steme_str id; /* borrows a row */
    steme_tier tier;
    uint32_t weight;
    double reliability;
    bool used;
    bool pending; /* read from the store: to go into the db's cache after the read session */
} src_memo;

typedef struct trust_memo {
    steme_pubkey agent;
    double trust;
    bool used;
    bool pending;
} trust_memo;

typedef struct memo {
    src_memo src[MEMO_SLOTS];
    trust_memo trust[MEMO_SLOTS];
    steme__linputs *cache; /* the db's, across queries; NULL when not to be used */
    steme__lstamps st;     /* the snapshot's stamps, which the cache must match */
} memo;

static steme_err
source_of(steme__txn *t, memo *m, steme_str id, steme__cand *c)
{
    src_memo *slot = NULL;
    steme__source_row src;
    steme_err err;

    if (m != NULL) {
        /* FNV-1a: the memo needs speed, not the store's keyed digest. */
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t k = 0; k < id.len; k++)
            h = (h ^ (uint8_t)id.ptr[k]) * 0x100000001b3ULL;
        size_t i = (size_t)(h ^ (h >> 32)) & (MEMO_SLOTS - 1);
        for (size_t probe = 0; probe < 8; probe++, i = (i + 1) & (MEMO_SLOTS - 1)) {
            if (!m->src[i].used) {
                slot = &m->src[i];
                break;
            }
            if (str_eq(m->src[i].id, id)) {
                c->tier = m->src[i].tier;
                c->weight = m->src[i].weight;
                c->reliability = m->src[i].reliability;
                return STEME_OK;
            }
        }
    }
    if (m != NULL && m->cache != NULL &&
        steme__linputs_source_get(m->cache, &m->st, id, &c->tier, &c->weight, &c->reliability)) {
        if (slot != NULL)
            *slot = (src_memo){id, c->tier, c->weight, c->reliability, true, false};
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
    if (slot != NULL)
        *slot = (src_memo){id, c->tier, c->weight, c->reliability, true, pending};
    return STEME_OK;
}

static steme_err
trust_of(steme__txn *t, memo *m, const steme_pubkey *agent, uint64_t position, double *ret)
{
    trust_memo *slot = NULL;
    double alpha, beta;
    steme_err err;

    if (m != NULL) {
        size_t i = steme__get_u64(agent->b) & (MEMO_SLOTS - 1);
        for (size_t probe = 0; probe < 8; probe++, i = (i + 1) & (MEMO_SLOTS - 1)) {
            if (!m->trust[i].used) {
                slot = &m->trust[i];
                break;
            }
            if (memcmp(m->trust[i].agent.b, agent->b, STEME_PUBKEY_SIZE) == 0) {
                *ret = m->trust[i].trust;
                return STEME_OK;
            }
        }
    }
    /* The cache holds the latest trust, which is the trust at any position >= the stamp. */
    bool cacheable = m != NULL && m->cache != NULL && position >= m->st.trust;
    if (cacheable && steme__linputs_trust_get(m->cache, &m->st, agent, ret)) {
        if (slot != NULL)
            *slot = (trust_memo){*agent, *ret, true, false};
        return STEME_OK;
    }
    if ((err = steme__trust_as_of(t, agent, position, &alpha, &beta)) != STEME_OK)
        return err;
    *ret = steme__trust_mean(alpha, beta);
    if (slot != NULL)
        *slot = (trust_memo){*agent, *ret, true, cacheable};
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

#define VOTERS_MAX 4096 /* distinct voters replayed per assertion at a past position */

typedef struct vote_walk {
    steme_pubkey voters[VOTERS_MAX];
    int8_t values[VOTERS_MAX];
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
    if (vw->n == VOTERS_MAX) {
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
valid_at(const steme_assertion *a, int64_t at)
{
    /* Valid time is the half-open window [valid_from, valid_until); an open end is unbounded. */
    return (!a->has_valid_from || a->valid_from <= at) &&
           (!a->has_valid_until || at < a->valid_until);
}

/* Fill the candidate form of row and decide whether the filters keep it. */
static steme_err
complete(steme__txn *t, const steme_query *q, uint64_t position, bool latest, uint32_t stages,
         uint32_t tiers, vote_walk *vw, memo *m, steme__qrow *row)
{
    const steme_assertion *a = &row->e.record.assertion;
    steme__cand *c = &row->cand;
    steme__state_row st;
    steme_err err;

    if (latest && row->has_state) {
        /* The candidate row's copy of the state (steme__query_cand_state keeps it current). */
    } else if (latest) {
        if ((err = steme__state_get(t, row->e.seq, &st)) != STEME_OK)
            return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
        row->stage = (steme_stage)st.stage;
        c->up = st.up;
        c->down = st.down;
    } else {
        if ((err = stage_at(t, row->e.seq, position, &row->stage)) != STEME_OK)
            return err;
        if ((err = votes_at(t, &row->e.id, position, vw, &c->up, &c->down)) != STEME_OK)
            return err;
    }
    c->seq = row->e.seq;
    c->id = row->e.id;
    c->agent = a->agent;
    c->source = a->source;
    c->value = a->object;
    c->confidence = a->confidence;
    c->asserted_at = a->asserted_at;
    c->recorded_at = row->e.recorded_at;
    c->has_valid_from = a->has_valid_from;
    c->has_valid_until = a->has_valid_until;
    c->valid_from = a->valid_from;
    c->valid_until = a->valid_until;
    if ((err = source_of(t, m, a->source, c)) != STEME_OK)
        return err;
    if ((err = trust_of(t, m, &a->agent, position, &c->trust)) != STEME_OK)
        return err;

    if ((stages & STEME_STAGE_BIT(row->stage)) == 0)
        row->excl = STEME__QX_STAGE;
    else if (q->has_valid_at && !valid_at(a, q->valid_at))
        row->excl = STEME__QX_VALID;
    else if ((tiers & STEME_TIER_BIT(c->tier)) == 0 ||
             (q->has_agent && memcmp(q->agent.b, a->agent.b, STEME_PUBKEY_SIZE) != 0))
        row->excl = STEME__QX_FILTER;
    else
        row->excl = STEME__QX_NONE;
    return STEME_OK;
}

steme_err
steme__query_gather(steme__txn *t, const steme_query *q, uint64_t position, bool latest,
                    uint32_t stages, uint32_t tiers, steme__linputs *cache, steme__qset *set)
{
    collect c = {.q = q, .set = set, .position = position, .err = STEME_OK};
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
        /* The candidate table, by hash64(subject) [|| hash64(predicate)]. */
        uint8_t prefix[16];
        hash_str(q->subject, prefix);
        hash_str(q->predicate, prefix + 8);
        err = steme__tscan(t, STEME__T_CAND, prefix, q->predicate.len > 0 ? 16 : 8, cand_one, &c);
    }
    if (err != STEME_OK)
        return err;
    if (c.err != STEME_OK)
        return c.err;
    if (!latest && set->n > 0 && (vw = steme__malloc(sizeof(*vw))) == NULL)
        return STEME_ENOMEM;
    /* Without the memos (no memory for them) every candidate reads the store again. */
    if (set->n > 1 || cache != NULL)
        m = steme__calloc(1, sizeof(*m));
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
        err = complete(t, q, position, latest, stages, tiers, vw, m, &set->rows[i]);
        if (err != STEME_OK)
            break;
    }
    if (m != NULL && m->cache != NULL) {
        /* What the store gave goes into the db's cache once the read lock is released. */
        steme__linputs_read_end(m->cache);
        for (size_t i = 0; err == STEME_OK && i < MEMO_SLOTS; i++) {
            const src_memo *s = &m->src[i];
            const trust_memo *a = &m->trust[i];
            if (s->used && s->pending)
                steme__linputs_source_put(m->cache, &m->st, s->id, s->tier, s->weight,
                                          s->reliability);
            if (a->used && a->pending)
                steme__linputs_trust_put(m->cache, &m->st, &a->agent, a->trust);
        }
    }
    steme__free(m);
    steme__free(vw);
    return err;
}
