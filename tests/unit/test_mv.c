/* SPDX-License-Identifier: MIT */
/*
 * test_mv.c -- materialized views and the query audit.
 *
 * The property test runs a fixed-seed random interleaving of writes (competing assertions on
 * a few keys, votes, supersessions, author retractions, source retractions, reinstatements
 * and re-registrations, gold sets, quarantine decisions) and queries through every lens, and
 * checks that every read served by the cache equals a fresh computation (no_cache) byte for
 * byte, position and receipts included, and that the cache does serve reads. The audit test
 * answers "why did agent X believe Y": query, write more, read the audit row back and verify
 * its receipt at its position; the audit table survives a rebuild and stays out of the
 * derived-state hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_fixture.h"
#include "xorshift.h"

/* ---------------------------------------------------------------------------------------------
 * A canonical serialization of a result: every field, strings and doubles by their bytes.
 */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void
put(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n > 0)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void
put_u64(buf *b, uint64_t v)
{
    put(b, &v, sizeof(v));
}

static void
put_str(buf *b, const char *s, size_t n)
{
    put_u64(b, n);
    put(b, s, n);
}

static void
put_cstr(buf *b, const char *s)
{
    put_str(b, s, s != NULL ? strlen(s) : 0);
}

static void
put_f64(buf *b, double d)
{
    put(b, &d, sizeof(d));
}

static void
put_value(buf *b, const steme_value *v)
{
    put_u64(b, (uint64_t)v->type);
    put_str(b, v->str.ptr, v->str.len);
    put_u64(b, (uint64_t)v->integer);
    put_f64(b, v->number);
    put_str(b, v->unit.ptr, v->unit.len);
    put_u64(b, v->boolean);
}

static void
serialize(const steme_result *r, buf *b)
{
    b->n = 0;
    put_u64(b, steme_result_position(r));
    put_cstr(b, steme_result_lens(r));
    put_u64(b, steme_result_lens_version(r));
    put_u64(b, steme_result_count(r));
    for (size_t i = 0; i < steme_result_count(r); i++) {
        const steme_answer *a = steme_result_answer(r, i);
        put_str(b, a->subject.ptr, a->subject.len);
        put_str(b, a->predicate.ptr, a->predicate.len);
        put_u64(b, a->has_winner);
        put_u64(b, a->winner);
        put_cstr(b, a->reason);
        put_cstr(b, a->reason_text);
        put_cstr(b, a->decided_by);
        put_f64(b, a->lead);
        put_f64(b, a->conflict);
        put_u64(b, a->n_alternatives);
        for (size_t k = 0; k < a->n_alternatives; k++) {
            const steme_alternative *alt = &a->alternatives[k];
            put_value(b, &alt->value);
            put_f64(b, alt->weight);
            put_f64(b, alt->share);
            put_f64(b, alt->evidence);
            put_u64(b, alt->agents);
            put_u64(b, alt->sources);
            put_u64(b, alt->assertions);
            put_u64(b, (uint64_t)alt->best_tier);
            put_u64(b, alt->up);
            put_u64(b, alt->down);
            put_u64(b, alt->outlier);
        }
        put_u64(b, a->n_support);
        put(b, a->support, a->n_support * sizeof(steme_id));
        put_u64(b, a->n_candidates);
        put(b, a->candidates, a->n_candidates * sizeof(steme_id));
        put_u64(b, a->excluded_stage);
        put_u64(b, a->excluded_valid_time);
        put_u64(b, a->excluded_filter);
        put_cstr(b, a->explanation);
        put(b, a->receipt, 32);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The property test
 */

static const char *const lenses[] = {
    "recency",
    "consensus",
    "vote_consensus",
    "authority",
    "trust_authority",
    "skeptic",
    "layered",
    "layered:trust_authority,consensus",
    "layered:consensus,recency",
};
#define N_LENSES (sizeof(lenses) / sizeof(lenses[0]))

static const char *const subjects[] = {"s0", "s1", "s2"};
static const char *const sources[] = {"src:a", "src:b", "src:c", "src:d"};
#define N_IDS_MAX 4096

typedef struct world {
    rx *x;
    const steme_keypair *agents[7];
    steme_id ids[N_IDS_MAX];
    const steme_keypair *authors[N_IDS_MAX];
    size_t n_ids;
    uint64_t rng;
    size_t accepted, refused;
    size_t baselines; /* what-if baselines compared with fresh answers */
} world;

static uint32_t
rnd(world *w, uint32_t n)
{
    /* xorshift64*: fixed seed, same sequence everywhere. */
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return (uint32_t)((w->rng * 2685821657736338717ull) >> 33) % n;
}

static void
submit(world *w, steme_record *rec, const steme_keypair *kp, bool is_assertion)
{
    steme_ingest_result res = rx_put(w->x, rec, kp);

    /* Random events are often refused (reinstating an active source, deciding on an
     * assertion that is not quarantined): a refusal writes nothing, which is fine. */
    if (res.err != STEME_OK) {
        w->refused++;
        return;
    }
    w->accepted++;
    if (is_assertion && !res.duplicate && w->n_ids < N_IDS_MAX) {
        w->ids[w->n_ids] = res.id;
        w->authors[w->n_ids++] = kp;
    }
}

static void
write_one(world *w)
{
    rx *x = w->x;
    steme_record rec;
    uint32_t op = rnd(w, 100);
    const steme_keypair *kp = w->agents[rnd(w, 7)];
    steme_id target;

    if (w->n_ids == 0)
        op = 0;
    else
        target = w->ids[rnd(w, (uint32_t)w->n_ids)];
    if (op < 40) {
        steme_id sup;
        fx_assertion(&rec, kp, subjects[rnd(w, 3)], "p", sources[rnd(w, 4)], 1 + rnd(w, 3));
        if (rnd(w, 5) == 0) {
            rec.assertion.has_valid_from = true;
            rec.assertion.valid_from = FX_TIME + rnd(w, 3) * 1000;
        }
        if (w->n_ids > 0 && rnd(w, 8) == 0) {
            /* Supersede one of the author's own claims (refused when it is not). */
            size_t i = rnd(w, (uint32_t)w->n_ids);
            sup = w->ids[i];
            kp = w->authors[i];
            rec.assertion.agent = fx_pub(kp);
            rec.assertion.supersedes = &sup;
            rec.assertion.n_supersedes = 1;
        }
        submit(w, &rec, kp, true);
    } else if (op < 65) {
        fx_vote(&rec, kp, &target, rnd(w, 2) ? 1 : -1);
        submit(w, &rec, kp, false);
    } else if (op < 70) {
        size_t i = rnd(w, (uint32_t)w->n_ids);
        rx_event(&rec, w->authors[i], STEME_EVENT_ASSERTION_RETRACT);
        rec.event.target = w->ids[i];
        submit(w, &rec, w->authors[i], false);
    } else if (op < 77) {
        rx_event(&rec, x->admin, STEME_EVENT_SOURCE_RETRACT);
        rec.event.source = steme_str_c(sources[rnd(w, 4)]);
        submit(w, &rec, x->admin, false);
    } else if (op < 84) {
        rx_event(&rec, x->admin, STEME_EVENT_SOURCE_REINSTATE);
        rec.event.source = steme_str_c(sources[rnd(w, 4)]);
        submit(w, &rec, x->admin, false);
    } else if (op < 88) {
        rx_event(&rec, x->admin, STEME_EVENT_SOURCE_REGISTER);
        rec.event.source = steme_str_c(sources[rnd(w, 4)]);
        rec.event.tier = (uint8_t)(1 + rnd(w, STEME_TIER_UNVERIFIED));
        rec.event.weight = 0;
        submit(w, &rec, x->admin, false);
    } else if (op < 93) {
        rx_event(&rec, x->admin, STEME_EVENT_GOLD_SET);
        rec.event.subject = steme_str_c(subjects[rnd(w, 3)]);
        rec.event.predicate = steme_str_c("p");
        rec.event.value.type = STEME_VALUE_INTEGER;
        rec.event.value.integer = 1 + rnd(w, 3);
        submit(w, &rec, x->admin, false);
    } else {
        rx_event(&rec, x->admin, STEME_EVENT_QUARANTINE_DECISION);
        rec.event.target = target;
        rec.event.decision = (uint8_t)(rnd(w, 2) ? STEME_DECISION_APPROVE : STEME_DECISION_REJECT);
        submit(w, &rec, x->admin, false);
    }
}

static void
query_one(world *w, buf *b1, buf *b2, uint64_t *served)
{
    steme_query q;
    steme_result *cached = NULL, *fresh = NULL;
    steme_errinfo ei = {0};

    steme_query_init(&q);
    q.subject = steme_str_c(subjects[rnd(w, 3)]);
    q.predicate = steme_str_c("p");
    q.lens = lenses[rnd(w, (uint32_t)N_LENSES)];
    switch (rnd(w, 4)) {
    case 0:
        q.stages = (1u << (STEME_STAGE_REJECTED + 1)) - 2; /* every stage */
        break;
    case 1:
        q.has_valid_at = true;
        q.valid_at = FX_TIME + 1500;
        break;
    default:
        break;
    }
    assert_int_equal(steme_db_query(w->x->db, &q, &cached, &ei), STEME_OK);
    q.no_cache = true;
    assert_int_equal(steme_db_query(w->x->db, &q, &fresh, &ei), STEME_OK);
    assert_false(steme_result_materialized(fresh));
    assert_int_equal(steme_result_computed_at(fresh), steme_result_position(fresh));
    serialize(cached, b1);
    serialize(fresh, b2);
    assert_int_equal(b1->n, b2->n);
    assert_memory_equal(b1->p, b2->p, b1->n);
    if (steme_result_materialized(cached)) {
        (*served)++;
        assert_true(steme_result_computed_at(cached) <= steme_result_position(cached));
    }
    steme_result_free(cached);
    /* A what-if retraction answers the query without its what-if first, in a dry-run
     * transaction that reads sources and trust from the store, never from the db's lens-input
     * cache (lens_inputs.c) which the fresh answer may have used: the two must agree. */
    for (size_t i = 0; rnd(w, 2) == 0 && i < sizeof(sources) / sizeof(sources[0]); i++) {
        steme_result *wi = NULL;
        q.what_if_retract = steme_str_c(sources[i]);
        steme_err err = steme_db_query(w->x->db, &q, &wi, &ei);
        if (err == STEME_EINVAL) { /* already retracted */
            assert_string_equal(ei.field, "what_if_retract");
            continue;
        }
        assert_int_equal(err, STEME_OK);
        serialize(steme_result_baseline(wi), b1);
        assert_int_equal(b1->n, b2->n);
        assert_memory_equal(b1->p, b2->p, b1->n);
        steme_result_free(wi);
        w->baselines++;
        break;
    }
    steme_result_free(fresh);
}

static void
test_mv_property(void **state)
{
    world w = {.x = *state, .rng = 0x9e3779b97f4a7c15ull};
    buf b1 = {0}, b2 = {0};
    steme_mv_stats st;
    uint64_t served = 0, queries = 0;
    steme_keypair *extra1 = fx_key(40), *extra2 = fx_key(41);

    w.agents[0] = w.x->alice;
    w.agents[1] = w.x->bob;
    w.agents[2] = w.x->carol;
    w.agents[3] = w.x->editor;
    w.agents[4] = w.x->admin;
    w.agents[5] = extra1;
    w.agents[6] = extra2;
    for (int step = 0; step < 2000; step++) {
        if (rnd(&w, 3) == 0) {
            write_one(&w);
        } else {
            query_one(&w, &b1, &b2, &served);
            queries++;
        }
    }
    assert_int_equal(steme_db_mv_stats(w.x->db, &st), STEME_OK);
    print_message("mv: %zu writes accepted, %zu refused; %llu queries, %llu served from the "
                  "cache (hits %llu, misses %llu, stale %llu); %zu what-if baselines compared\n",
                  w.accepted, w.refused, (unsigned long long)queries, (unsigned long long)served,
                  (unsigned long long)st.hits, (unsigned long long)st.misses,
                  (unsigned long long)st.stale, w.baselines);
    assert_true(w.accepted > 300);
    assert_true(served > 50);
    assert_int_equal(st.hits, served);
    assert_true(st.stale > 0);
    assert_true(w.baselines > 100);
    free(b1.p);
    free(b2.p);
    steme_keypair_free(extra1);
    steme_keypair_free(extra2);
}

/* The views hold at most mv_bytes: older answers are evicted for room, the memory held never
 * passes the bound, and what is kept is still served. */
static void
test_mv_memory_bound(void **state)
{
    rx *x = *state;
    steme_pubkey admin = fx_pub(x->admin);
    steme_db_options opts;
    steme_mv_stats st;
    char subject[32];

    for (int i = 0; i < 40; i++) {
        steme_record rec;
        snprintf(subject, sizeof(subject), "s%d", i);
        fx_assertion(&rec, x->alice, subject, "p", "src:a", i);
        rx_ok(x, &rec, x->alice, NULL);
    }
    steme_db_close(x->db);
    steme_db_options_init(&opts);
    opts.genesis_admin = &admin;
    opts.verify_threads = 1;
    opts.mv_bytes = 8192;
    assert_int_equal(steme_db_open(x->dir, &opts, &x->db), STEME_OK);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 40; i++) {
            steme_query q;
            steme_result *r = NULL;
            steme_errinfo ei = {0};
            snprintf(subject, sizeof(subject), "s%d", i);
            steme_query_init(&q);
            q.subject = steme_str_c(subject);
            q.predicate = steme_str_c("p");
            assert_int_equal(steme_db_query(x->db, &q, &r, &ei), STEME_OK);
            assert_int_equal(steme_result_answer(r, 0)->n_candidates, 1);
            steme_result_free(r);
            assert_int_equal(steme_db_mv_stats(x->db, &st), STEME_OK);
            assert_true(st.bytes <= st.max_bytes);
        }
    }
    assert_int_equal(st.max_bytes, 8192);
    assert_true(st.entries > 0 && st.entries < 40);
    assert_true(st.evictions > 0);
    /* The last key asked is among the kept ones: served from the views. */
    steme_query q;
    steme_result *r = NULL;
    steme_errinfo ei = {0};
    steme_query_init(&q);
    q.subject = steme_str_c("s39");
    q.predicate = steme_str_c("p");
    assert_int_equal(steme_db_query(x->db, &q, &r, &ei), STEME_OK);
    assert_true(steme_result_materialized(r));
    steme_result_free(r);
}

/* Readers on several threads share the views' cached results (reference-counted, never
 * copied on a hit) while a writer keeps moving the position and invalidating keys: no reader
 * sees a torn or freed result (ASan and UBSan run this in CI), every answer names a position
 * the store had reached, and at the end every cached answer equals a fresh computation. */
#define MT_READERS 3
#define MT_QUERIES 2000
#define MT_WRITES  150

typedef struct mt_ctx {
    rx *x;
    atomic_uint_least64_t last_written; /* highest position the writer has seen acknowledged */
    atomic_bool writing;
    atomic_uint bad, hits, reads;
} mt_ctx;

static const char *const mt_subjects[] = {"m0", "m1", "m2", "m3"};

static void *
mt_reader(void *arg)
{
    mt_ctx *c = arg;
    uint64_t rng = (uint64_t)(uintptr_t)&rng | 1;

    /* At least MT_QUERIES each, and on for as long as the writer writes. */
    for (int i = 0; i < MT_QUERIES || (atomic_load(&c->writing) && i < 100 * MT_QUERIES); i++) {
        steme_query q;
        steme_result *r = NULL;
        steme_errinfo ei = {0};
        test_xorshift(&rng);
        uint64_t reached = atomic_load(&c->last_written);
        steme_query_init(&q);
        q.subject = steme_str_c(mt_subjects[rng % 4]);
        q.predicate = steme_str_c("p");
        q.lens = (rng >> 8) % 2 ? "consensus" : "trust_authority";
        if (steme_db_query(c->x->db, &q, &r, &ei) != STEME_OK) {
            atomic_fetch_add(&c->bad, 1);
            continue;
        }
        const steme_answer *a = steme_result_answer(r, 0);
        uint64_t sum = 0;
        for (size_t k = 0; k < a->n_candidates; k++)
            sum += a->candidates[k].b[0];
        for (size_t k = 0; k < a->n_alternatives; k++)
            sum += (uint64_t)a->alternatives[k].assertions;
        if (steme_result_position(r) < reached || a->n_candidates == 0 || sum == 0 ||
            strlen(a->explanation) == 0)
            atomic_fetch_add(&c->bad, 1);
        if (steme_result_materialized(r))
            atomic_fetch_add(&c->hits, 1);
        atomic_fetch_add(&c->reads, 1);
        steme_result_free(r);
    }
    return NULL;
}

static void
test_mv_concurrent_readers(void **state)
{
    rx *x = *state;
    mt_ctx c = {.x = x};
    pthread_t readers[MT_READERS];
    buf b1 = {0}, b2 = {0};

    for (int i = 0; i < 8; i++) {
        steme_record rec;
        const steme_keypair *kp = i % 2 ? x->alice : x->bob;
        fx_assertion(&rec, kp, mt_subjects[i % 4], "p", "src:a", i % 3);
        atomic_store(&c.last_written, rx_ok(x, &rec, kp, NULL));
    }
    atomic_store(&c.writing, true);
    for (int i = 0; i < MT_READERS; i++)
        assert_int_equal(pthread_create(&readers[i], NULL, mt_reader, &c), 0);
    for (int i = 0; i < MT_WRITES; i++) {
        steme_record rec;
        const steme_keypair *kp = i % 3 == 0 ? x->alice : i % 3 == 1 ? x->bob : x->carol;
        fx_assertion(&rec, kp, mt_subjects[i % 4], "p", i % 2 ? "src:a" : "src:b", i % 5);
        atomic_store(&c.last_written, rx_ok(x, &rec, kp, NULL));
    }
    atomic_store(&c.writing, false);
    for (int i = 0; i < MT_READERS; i++)
        assert_int_equal(pthread_join(readers[i], NULL), 0);
    steme_mv_stats st;
    assert_int_equal(steme_db_mv_stats(x->db, &st), STEME_OK);
    print_message("mv threads: %u of %u reads served from the views (%llu stale entries "
                  "replaced), %u bad\n",
                  atomic_load(&c.hits), atomic_load(&c.reads), (unsigned long long)st.stale,
                  atomic_load(&c.bad));
    assert_int_equal(atomic_load(&c.bad), 0);
    assert_true(atomic_load(&c.hits) > 0);
    assert_true(st.stale > 0); /* the writer invalidated entries while readers shared them */
    for (size_t s = 0; s < 4; s++) {
        steme_query q;
        steme_result *cached = NULL, *fresh = NULL;
        steme_errinfo ei = {0};
        steme_query_init(&q);
        q.subject = steme_str_c(mt_subjects[s]);
        q.predicate = steme_str_c("p");
        assert_int_equal(steme_db_query(x->db, &q, &cached, &ei), STEME_OK);
        q.no_cache = true;
        assert_int_equal(steme_db_query(x->db, &q, &fresh, &ei), STEME_OK);
        serialize(cached, &b1);
        serialize(fresh, &b2);
        assert_int_equal(b1.n, b2.n);
        assert_memory_equal(b1.p, b2.p, b1.n);
        /* The receipt hashes the candidate ids sorted by their bytes (40-odd here: the merge
         * passes of the sort run, not only its insertion runs). */
        const steme_answer *a = steme_result_answer(fresh, 0);
        assert_true(a->n_candidates > 32);
        for (size_t k = 1; k < a->n_candidates; k++)
            assert_true(memcmp(a->candidates[k - 1].b, a->candidates[k].b, STEME_ID_SIZE) < 0);
        steme_result_free(cached);
        steme_result_free(fresh);
    }
    free(b1.p);
    free(b2.p);
}

/* A trust change elsewhere invalidates the trust lenses of a key but not the others. */
static void
test_mv_trust_stamp(void **state)
{
    rx *x = *state;
    steme_query q;
    steme_result *r;
    steme_record rec;

    fx_assertion(&rec, x->alice, "s", "p", "src:a", 1);
    rx_ok(x, &rec, x->alice, NULL);
    steme_query_init(&q);
    q.subject = steme_str_c("s");
    q.predicate = steme_str_c("p");
    for (int pass = 0; pass < 2; pass++) {
        q.lens = pass == 0 ? "consensus" : "trust_authority";
        assert_int_equal(steme_db_query(x->db, &q, &r, NULL), STEME_OK);
        assert_false(steme_result_materialized(r));
        steme_result_free(r);
    }
    /* Gold on another key moves alice's trust. */
    fx_assertion(&rec, x->alice, "t", "p", "src:a", 1);
    rx_ok(x, &rec, x->alice, NULL);
    rx_event(&rec, x->admin, STEME_EVENT_GOLD_SET);
    rec.event.subject = steme_str_c("t");
    rec.event.predicate = steme_str_c("p");
    rec.event.value.type = STEME_VALUE_INTEGER;
    rec.event.value.integer = 2;
    rx_ok(x, &rec, x->admin, NULL);

    q.lens = "consensus";
    assert_int_equal(steme_db_query(x->db, &q, &r, NULL), STEME_OK);
    assert_true(steme_result_materialized(r));
    assert_true(steme_result_computed_at(r) < steme_result_position(r));
    steme_result_free(r);
    q.lens = "trust_authority";
    assert_int_equal(steme_db_query(x->db, &q, &r, NULL), STEME_OK);
    assert_false(steme_result_materialized(r));
    steme_result_free(r);
    assert_int_equal(steme_db_query(x->db, &q, &r, NULL), STEME_OK);
    assert_true(steme_result_materialized(r));
    steme_result_free(r);
    /* as_of queries never use the cache. */
    q.as_of = 1;
    assert_int_equal(steme_db_query(x->db, &q, &r, NULL), STEME_OK);
    assert_false(steme_result_materialized(r));
    steme_result_free(r);
}

/* ---------------------------------------------------------------------------------------------
 * The query audit
 */

typedef struct audit_seen {
    size_t n;
    steme_audit_entry last;
    char asker[64], subject[64], predicate[64], lens[64], reason[32];
    steme_db *db;
    bool verified;
} audit_seen;

static int
on_audit(const steme_audit_entry *e, void *ctx)
{
    audit_seen *s = ctx;
    bool match = false;

    s->n++;
    s->last = *e;
    snprintf(s->asker, sizeof(s->asker), "%.*s", (int)e->asker.len, e->asker.ptr);
    snprintf(s->subject, sizeof(s->subject), "%.*s", (int)e->query.subject.len,
             e->query.subject.ptr);
    snprintf(s->predicate, sizeof(s->predicate), "%.*s", (int)e->query.predicate.len,
             e->query.predicate.ptr);
    snprintf(s->lens, sizeof(s->lens), "%s", e->query.lens);
    snprintf(s->reason, sizeof(s->reason), "%.*s", (int)e->reason.len, e->reason.ptr);
    /* Verification reads the store: a snapshot inside another snapshot is fine. */
    assert_int_equal(
        steme_db_verify_receipt(s->db, &e->query, e->position, e->receipt, &match, NULL, NULL),
        STEME_OK);
    s->verified = match;
    return 0;
}

static void
test_audit_why(void **state)
{
    rx *x = *state;
    steme_query q;
    steme_result *r;
    steme_record rec;
    steme_errinfo ei = {0};
    audit_seen seen = {.db = x->db};
    uint8_t h1[32], h2[32];

    rx_source_register(x, "src:reg", STEME_TIER_REGULATORY, 0);
    fx_assertion(&rec, x->alice, "drug:x", "incidence", "src:reg", 2);
    rx_ok(x, &rec, x->alice, NULL);
    fx_assertion(&rec, x->bob, "drug:x", "incidence", "src:forum", 12);
    rx_ok(x, &rec, x->bob, NULL);
    rx_hash(x, h1);

    /* "Tuesday": agent X asks through the authority lens, with the audit on. */
    steme_query_init(&q);
    q.subject = steme_str_c("drug:x");
    q.predicate = steme_str_c("incidence");
    q.lens = "layered:authority,consensus";
    q.min_support = 1;
    q.tiers = STEME_TIER_BIT(STEME_TIER_REGULATORY) | STEME_TIER_BIT(STEME_TIER_UNVERIFIED);
    q.audit = true;
    q.asker = steme_str_c("agent-x");
    assert_int_equal(steme_db_query(x->db, &q, &r, &ei), STEME_OK);
    const steme_answer *a = steme_result_answer(r, 0);
    assert_true(a->has_winner);
    assert_int_equal(a->alternatives[a->winner].value.integer, 2);
    uint64_t position = steme_result_position(r);
    uint8_t receipt[32];
    memcpy(receipt, a->receipt, 32);
    steme_result_free(r);

    /* The audit is not derived state. */
    rx_hash(x, h2);
    assert_memory_equal(h1, h2, 32);

    /* Later: the regulator's source is retracted, and the answer changes. */
    rx_source_retract(x, "src:reg");
    q.audit = false;
    assert_int_equal(steme_db_query(x->db, &q, &r, &ei), STEME_OK);
    a = steme_result_answer(r, 0);
    assert_int_equal(a->alternatives[a->winner].value.integer, 12);
    steme_result_free(r);

    /* Why did agent X believe 2? The audit row names the query, position and receipt, and
     * the receipt still verifies at that position. A rebuild keeps the audit. */
    assert_int_equal(steme_db_rebuild(x->db), STEME_OK);
    assert_int_equal(steme_db_audit(x->db, 0, 0, on_audit, &seen), STEME_OK);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.asker, "agent-x");
    assert_string_equal(seen.subject, "drug:x");
    assert_string_equal(seen.predicate, "incidence");
    assert_string_equal(seen.lens, "layered:authority,consensus");
    assert_string_equal(seen.reason, "winner");
    assert_true(seen.last.has_winner);
    assert_int_equal(seen.last.position, position);
    assert_memory_equal(seen.last.receipt, receipt, 32);
    assert_int_equal(seen.last.n_candidates, 2);
    assert_true(seen.last.time > 0);
    assert_true(seen.verified);

    /* Two more audited queries: from and limit page through the rows. */
    q.audit = true;
    q.asker = steme_str_c("agent-y");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(steme_db_query(x->db, &q, &r, &ei), STEME_OK);
        steme_result_free(r);
    }
    seen.n = 0;
    assert_int_equal(steme_db_audit(x->db, 2, 1, on_audit, &seen), STEME_OK);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.last.id, 2);
    assert_string_equal(seen.asker, "agent-y");
    assert_true(seen.verified);

    /* Bad input: an asker too long. */
    char long_name[STEME_MAX_AUDIT_ASKER + 2];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    q.asker = steme_str_c(long_name);
    assert_int_equal(steme_db_query(x->db, &q, &r, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "asker");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mv_property, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_mv_memory_bound, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_mv_concurrent_readers, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_mv_trust_stamp, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_audit_why, rx_setup, rx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
