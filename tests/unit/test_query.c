/* SPDX-License-Identifier: MIT */
/*
 * test_query.c -- steme_db_query and receipts on hand-built stores: answers before and after
 * a retraction, valid-time windows, every claim retracted, stage filters, receipts that are
 * stable, that change with a new write and that verify at an old position after more writes,
 * what-ifs (a source retracted, an agent distrusted, an epoch superseded: each changes the
 * winner where it should, leaves it where it should not, reports the baseline and writes
 * nothing), bad input refused with the field and the rule, and a key with more candidates
 * than a lens may read refused the same way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "rules_fixture.h"

/* An assertion s/p = value by kp citing source; returns its seq. */
static uint64_t
claim(rx *x, const steme_keypair *kp, int64_t value, const char *source, steme_id *ret_id)
{
    steme_record rec;

    fx_assertion(&rec, kp, "s", "p", source, value);
    return rx_ok(x, &rec, kp, ret_id);
}

static uint64_t
claim_window(rx *x, const steme_keypair *kp, int64_t value, int64_t from, int64_t until)
{
    steme_record rec;

    fx_assertion(&rec, kp, "s", "p", "src:w", value);
    rec.assertion.has_valid_from = from >= 0;
    rec.assertion.valid_from = from >= 0 ? from : 0;
    rec.assertion.has_valid_until = until >= 0;
    rec.assertion.valid_until = until >= 0 ? until : 0;
    return rx_ok(x, &rec, kp, NULL);
}

static void
retract(rx *x, const steme_keypair *kp, const steme_id *target)
{
    steme_record rec;

    rx_event(&rec, kp, STEME_EVENT_ASSERTION_RETRACT);
    rec.event.target = *target;
    rx_ok(x, &rec, kp, NULL);
}

static void
query_init(steme_query *q, const char *lens)
{
    steme_query_init(q);
    q->subject = steme_str_c("s");
    q->predicate = steme_str_c("p");
    q->lens = lens;
}

static steme_result *
run(rx *x, const steme_query *q)
{
    steme_result *r = NULL;
    steme_errinfo ei = {0};

    assert_int_equal(steme_db_query(x->db, q, &r, &ei), STEME_OK);
    assert_int_equal(steme_result_count(r), 1);
    return r;
}

/* The winning integer of a one-answer result, or -1 without a winner. */
static int64_t
winner(rx *x, const steme_query *q)
{
    steme_result *r = run(x, q);
    const steme_answer *a = steme_result_answer(r, 0);
    int64_t v = a->has_winner ? a->alternatives[a->winner].value.integer : -1;

    steme_result_free(r);
    return v;
}

static void
test_as_of_retraction(void **state)
{
    rx *x = *state;
    steme_query q;

    rx_source_register(x, "src:reg", STEME_TIER_REGULATORY, 0);
    claim(x, x->alice, 1, "src:reg", NULL);
    claim(x, x->bob, 2, "src:forum", NULL);
    uint64_t before = claim(x, x->carol, 2, "src:forum", NULL);
    query_init(&q, "consensus");
    assert_int_equal(winner(x, &q), 2);
    rx_source_retract(x, "src:forum");
    assert_int_equal(winner(x, &q), 1);
    q.as_of = before;
    assert_int_equal(winner(x, &q), 2);

    /* The answer at the old position says where it was computed. */
    steme_result *r = run(x, &q);
    assert_int_equal(steme_result_position(r), before);
    assert_string_equal(steme_result_lens(r), "consensus");
    assert_int_equal(steme_result_lens_version(r), 1);
    assert_int_equal(steme_result_answer(r, 0)->n_candidates, 3);
    steme_result_free(r);

    /* Authority picks the regulator whatever the crowd says. */
    q.as_of = 0;
    q.lens = "authority";
    assert_int_equal(winner(x, &q), 1);
}

static void
test_valid_time(void **state)
{
    rx *x = *state;
    steme_query q;

    claim_window(x, x->alice, 5, -1, 1000);
    claim_window(x, x->bob, 6, 1000, -1);
    query_init(&q, "recency");
    q.has_valid_at = true;
    q.valid_at = 500;
    assert_int_equal(winner(x, &q), 5);
    q.valid_at = 1000; /* half-open: the first window has ended */
    assert_int_equal(winner(x, &q), 6);
    steme_result *r = run(x, &q);
    assert_int_equal(steme_result_answer(r, 0)->excluded_valid_time, 1);
    steme_result_free(r);
}

static void
test_all_retracted_and_stage_filter(void **state)
{
    rx *x = *state;
    steme_id a, b;
    steme_query q;

    claim(x, x->alice, 1, "src:a", &a);
    claim(x, x->bob, 1, "src:b", &b);
    retract(x, x->alice, &a);
    retract(x, x->bob, &b);
    query_init(&q, "consensus");
    steme_result *r = run(x, &q);
    const steme_answer *ans = steme_result_answer(r, 0);
    assert_false(ans->has_winner);
    assert_string_equal(ans->reason, "empty");
    assert_int_equal(ans->excluded_stage, 2);
    assert_non_null(strstr(ans->explanation, "2 not in the requested stages"));
    steme_result_free(r);

    /* Asking for retracted claims brings them back. */
    q.stages = STEME_STAGES_DEFAULT | STEME_STAGE_BIT(STEME_STAGE_RETRACTED);
    assert_int_equal(winner(x, &q), 1);

    /* The agent filter keeps only bob's. */
    q.has_agent = true;
    q.agent = fx_pub(x->bob);
    r = run(x, &q);
    assert_int_equal(steme_result_answer(r, 0)->n_candidates, 1);
    assert_int_equal(steme_result_answer(r, 0)->excluded_filter, 1);
    steme_result_free(r);
}

static void
receipt_of(rx *x, const steme_query *q, uint8_t out[32])
{
    steme_result *r = run(x, q);
    memcpy(out, steme_result_answer(r, 0)->receipt, 32);
    steme_result_free(r);
}

static void
test_receipts(void **state)
{
    rx *x = *state;
    uint8_t r1[32], r2[32], r3[32], again[32];
    steme_errinfo ei = {0};
    steme_query q;
    bool match = false;

    claim(x, x->alice, 1, "src:a", NULL);
    uint64_t pos = claim(x, x->bob, 2, "src:b", NULL);
    query_init(&q, "consensus");
    receipt_of(x, &q, r1);
    receipt_of(x, &q, r2);
    assert_memory_equal(r1, r2, 32);

    /* Another lens, another receipt; a write elsewhere moves the position, so it too. */
    q.lens = "recency";
    receipt_of(x, &q, r3);
    assert_memory_not_equal(r1, r3, 32);
    q.lens = "consensus";
    claim(x, x->carol, 2, "src:c", NULL);
    receipt_of(x, &q, r3);
    assert_memory_not_equal(r1, r3, 32);

    /* Verified at the old position after more writes. */
    claim(x, x->alice, 3, "src:d", NULL);
    assert_int_equal(steme_db_verify_receipt(x->db, &q, pos, r1, &match, again, &ei), STEME_OK);
    assert_true(match);
    assert_memory_equal(again, r1, 32);
    r1[0] ^= 1;
    assert_int_equal(steme_db_verify_receipt(x->db, &q, pos, r1, &match, NULL, &ei), STEME_OK);
    assert_false(match);
    q.lens = "layered:authority,consensus";
    r1[0] ^= 1;
    assert_int_equal(steme_db_verify_receipt(x->db, &q, pos, r1, &match, NULL, &ei), STEME_OK);
    assert_false(match);
}

/* ---------------------------------------------------------------------------------------------
 * Receipts recomputed from docs/lenses.md ("Receipts", "Canonical bytes") with libsodium alone.
 */

typedef struct hbuf {
    uint8_t b[1024];
    size_t n;
} hbuf;

static void
hb(hbuf *h, const void *p, size_t n)
{
    assert_true(h->n + n <= sizeof(h->b));
    memcpy(h->b + h->n, p, n);
    h->n += n;
}

static void
hb_u8(hbuf *h, uint8_t v)
{
    hb(h, &v, 1);
}

static void
hb_be(hbuf *h, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        hb_u8(h, (uint8_t)(v >> (8 * i)));
}

static void
hb_str(hbuf *h, const char *s)
{
    hb_be(h, strlen(s), 4);
    hb(h, s, strlen(s));
}

/* The receipt of the consensus answer for s/p with default options, per the documentation:
 * format 2 = BLAKE2b-256(2 || core || position), core = BLAKE2b-256(the format-1 fields
 * without format and position); format 1 = BLAKE2b-256(1 || all fields in order). */
static void
doc_receipt(int format, uint32_t lens_version, uint64_t position, const steme_answer *a,
            uint8_t out[32])
{
    const uint32_t tiers = ((1u << (STEME_TIER_UNVERIFIED + 1)) - 1) & ~1u;
    hbuf params = {0}, h = {0};
    uint8_t core[32];

    hb_u8(&params, 9);
    hb(&params, "consensus", 9);
    hb_be(&params, lens_version, 4);
    hb_be(&params, 1, 4); /* min_support */
    if (format == 1)
        hb_u8(&h, 1);
    hb_u8(&h, (uint8_t)params.n);
    hb(&h, params.b, params.n);
    if (format == 1)
        hb_be(&h, position, 8);
    hb_u8(&h, 0);    /* has_valid_at */
    hb_be(&h, 0, 8); /* valid_at */
    hb_str(&h, "s"); /* subject */
    hb_str(&h, "p"); /* predicate */
    hb_u8(&h, 0);    /* subject_prefix */
    hb_str(&h, "");  /* prefix */
    hb_be(&h, STEME_STAGES_DEFAULT, 4);
    hb_be(&h, tiers, 4);
    hb_u8(&h, 0);   /* has_agent */
    hb_str(&h, ""); /* what-if source */
    hb_be(&h, a->n_candidates, 4);
    for (size_t i = 0; i < a->n_candidates; i++) {
        /* "the n candidate ids, sorted by their bytes" */
        if (i > 0)
            assert_true(memcmp(a->candidates[i - 1].b, a->candidates[i].b, STEME_ID_SIZE) < 0);
        hb(&h, a->candidates[i].b, STEME_ID_SIZE);
    }
    if (format == 1) {
        crypto_generichash(out, 32, h.b, h.n, NULL, 0);
        return;
    }
    crypto_generichash(core, 32, h.b, h.n, NULL, 0);
    hbuf outer = {0};
    hb_u8(&outer, 2);
    hb(&outer, core, 32);
    hb_be(&outer, position, 8);
    crypto_generichash(out, 32, outer.b, outer.n, NULL, 0);
}

/* Receipts are format 2 as documented, also when a materialized view serves the answer at a
 * later position; a format-1 receipt issued by an earlier build still verifies. */
static void
test_receipt_formats(void **state)
{
    rx *x = *state;
    uint8_t want[32], v1[32];
    steme_errinfo ei = {0};
    steme_query q;
    bool match = false;

    claim(x, x->alice, 1, "src:a", NULL);
    uint64_t pos = claim(x, x->bob, 2, "src:b", NULL);
    query_init(&q, "consensus");
    steme_result *r = run(x, &q); /* fresh: computed and kept */
    const steme_answer *a = steme_result_answer(r, 0);
    assert_int_equal(steme_result_position(r), pos);
    doc_receipt(2, steme_result_lens_version(r), pos, a, want);
    assert_memory_equal(a->receipt, want, 32);
    doc_receipt(1, steme_result_lens_version(r), pos, a, v1);
    assert_memory_not_equal(v1, want, 32);
    steme_result_free(r);

    /* A write elsewhere: the view serves the same answer at the new position. */
    steme_record rec;
    fx_assertion(&rec, x->carol, "other", "p", "src:c", 7);
    uint64_t later = rx_ok(x, &rec, x->carol, NULL);
    r = run(x, &q);
    a = steme_result_answer(r, 0);
    assert_true(steme_result_materialized(r));
    assert_int_equal(steme_result_position(r), later);
    doc_receipt(2, steme_result_lens_version(r), later, a, want);
    assert_memory_equal(a->receipt, want, 32);
    steme_result_free(r);
    r = run(x, &q); /* the same position again: shared, same bytes */
    assert_true(steme_result_materialized(r));
    assert_memory_equal(steme_result_answer(r, 0)->receipt, want, 32);
    steme_result_free(r);

    assert_int_equal(steme_db_verify_receipt(x->db, &q, pos, v1, &match, NULL, &ei), STEME_OK);
    assert_true(match);
    v1[31] ^= 1;
    assert_int_equal(steme_db_verify_receipt(x->db, &q, pos, v1, &match, NULL, &ei), STEME_OK);
    assert_false(match);
}

static void expect_change(rx *x, const steme_query *q, int64_t before, int64_t after);

static void
test_what_if(void **state)
{
    rx *x = *state;
    steme_query q;
    uint8_t h1[32], h2[32];

    claim(x, x->alice, 1, "src:a", NULL);
    claim(x, x->bob, 2, "src:b", NULL);
    claim(x, x->carol, 2, "src:b", NULL);
    query_init(&q, "consensus");
    assert_int_equal(winner(x, &q), 2);
    rx_hash(x, h1);
    q.what_if_retract = steme_str_c("src:b");
    assert_int_equal(winner(x, &q), 1);
    expect_change(x, &q, 2, 1);
    rx_hash(x, h2);
    assert_memory_equal(h1, h2, 32);          /* nothing was written */
    q.what_if_retract = steme_str_c("src:a"); /* the loser's source: nothing changes */
    expect_change(x, &q, 2, 2);
    q.what_if_retract = steme_str_c("");
    assert_int_equal(winner(x, &q), 2);
    rx_hash(x, h2);
    assert_memory_equal(h1, h2, 32);
}

static void
test_what_if_distrust(void **state)
{
    rx *x = *state;
    steme_query q;
    steme_result *r;
    uint8_t h1[32], h2[32];
    uint64_t pos;

    claim(x, x->alice, 1, "src:a", NULL);
    pos = claim(x, x->bob, 2, "src:b", NULL);
    claim(x, x->carol, 1, "src:c", NULL);
    rx_hash(x, h1);
    query_init(&q, "consensus");
    q.has_what_if_distrust = true;
    q.what_if_distrust = fx_pub(x->alice); /* 1 (carol) ties 2 (bob): no winner */
    expect_change(x, &q, 1, -1);
    r = run(x, &q);
    assert_int_equal(steme_result_answer(r, 0)->excluded_filter, 1);
    assert_int_equal(steme_result_answer(r, 0)->n_candidates, 2);
    assert_string_equal(steme_result_answer(r, 0)->reason, "tie");
    assert_string_equal(steme_result_answer(r, 0)->baseline_reason, "winner");
    steme_result_free(r);
    q.what_if_distrust = fx_pub(x->bob); /* the loser: nothing changes */
    expect_change(x, &q, 1, 1);
    q.lens = "recency";
    q.what_if_distrust = fx_pub(x->carol); /* the latest claim goes: bob's 2 is the latest */
    expect_change(x, &q, 1, 2);
    q.lens = "trust_authority";
    q.what_if_distrust = fx_pub(x->alice);
    r = run(x, &q);
    assert_int_equal(steme_result_answer(r, 0)->n_candidates, 2);
    steme_result_free(r);
    /* Read-only: any position. At bob's claim alice's 1 ties bob's 2; without alice 2 wins. */
    query_init(&q, "consensus");
    q.as_of = pos;
    q.has_what_if_distrust = true;
    q.what_if_distrust = fx_pub(x->alice);
    expect_change(x, &q, -1, 2);
    rx_hash(x, h2);
    assert_memory_equal(h1, h2, 32);
}

static uint64_t
epoch_open(rx *x, const char *name)
{
    steme_record rec;

    rx_event(&rec, x->admin, STEME_EVENT_EPOCH_OPEN);
    rec.event.epoch = steme_str_c(name);
    return rx_ok(x, &rec, x->admin, NULL);
}

static uint64_t
claim_epoch(rx *x, const steme_keypair *kp, int64_t value, const char *epoch, steme_id *ret_id)
{
    steme_record rec;

    fx_assertion(&rec, kp, "s", "p", "src:e", value);
    rec.assertion.epoch = steme_str_c(epoch);
    return rx_ok(x, &rec, kp, ret_id);
}

static void
test_what_if_epoch(void **state)
{
    rx *x = *state;
    steme_record rec;
    steme_query q;
    steme_result *r;
    steme_id a1;
    uint8_t h1[32], h2[32];

    epoch_open(x, "e1");
    epoch_open(x, "e2");
    epoch_open(x, "e3");
    claim_epoch(x, x->alice, 1, "e1", &a1);
    claim_epoch(x, x->carol, 1, "e1", NULL);
    claim(x, x->bob, 2, "src:b", NULL);
    rx_event(&rec, x->alice, STEME_EVENT_REAFFIRM);
    rec.event.target = a1;
    rec.event.epoch = steme_str_c("e2");
    rx_ok(x, &rec, x->alice, NULL);
    rx_hash(x, h1);
    query_init(&q, "consensus");
    /* Superseded by none: both claims of e1 are deprecated, bob's 2 is left. */
    q.what_if_supersede_epoch = steme_str_c("e1");
    expect_change(x, &q, 1, 2);
    r = run(x, &q);
    assert_int_equal(steme_result_answer(r, 0)->excluded_stage, 2);
    steme_result_free(r);
    /* By e2: alice re-affirmed hers there, so only carol's goes: 1 ties 2. */
    q.what_if_successor = steme_str_c("e2");
    expect_change(x, &q, 1, -1);
    /* An epoch without claims on the key: nothing changes. */
    q.what_if_supersede_epoch = steme_str_c("e3");
    q.what_if_successor = steme_str_c("");
    expect_change(x, &q, 1, 1);
    /* With a retraction too: both apply. */
    q.what_if_supersede_epoch = steme_str_c("e1");
    q.what_if_successor = steme_str_c("e2");
    q.what_if_retract = steme_str_c("src:b");
    expect_change(x, &q, 1, 1);
    rx_hash(x, h2);
    assert_memory_equal(h1, h2, 32); /* nothing was written */
    query_init(&q, "consensus");
    assert_int_equal(winner(x, &q), 1);
    /* The real supersession gives what the what-if said. */
    rx_event(&rec, x->admin, STEME_EVENT_EPOCH_SUPERSEDE);
    rec.event.epoch = steme_str_c("e1");
    rec.event.successor = steme_str_c("e2");
    rx_ok(x, &rec, x->admin, NULL);
    assert_int_equal(winner(x, &q), -1);
}

/* A what-if's winner before (the baseline) and after; -1: none. */
static void
expect_change(rx *x, const steme_query *q, int64_t before, int64_t after)
{
    steme_result *r = run(x, q);
    const steme_answer *a = steme_result_answer(r, 0);
    const steme_result *base = steme_result_baseline(r);
    const steme_answer *b;
    steme_query plain = *q;

    assert_true(steme_result_what_if(r));
    assert_non_null(base);
    assert_int_equal(steme_result_position(base), steme_result_position(r));
    assert_int_equal(a->has_winner ? a->alternatives[a->winner].value.integer : -1, after);
    assert_int_equal(a->baseline_has_winner ? a->baseline_winner.integer : -1, before);
    assert_int_equal(a->changed, before != after);
    assert_int_equal(steme_result_changed(r), before != after);
    /* The baseline is the query without its what-ifs, receipt included. */
    plain.what_if_retract = steme_str_c("");
    plain.has_what_if_distrust = false;
    plain.what_if_supersede_epoch = steme_str_c("");
    plain.what_if_successor = steme_str_c("");
    plain.no_cache = true;
    steme_result *p = run(x, &plain);
    assert_false(steme_result_what_if(p));
    assert_null(steme_result_baseline(p));
    b = steme_result_answer(base, 0);
    assert_memory_equal(b->receipt, steme_result_answer(p, 0)->receipt, 32);
    assert_int_equal(b->has_winner, a->baseline_has_winner);
    if (before != after) /* a what-if is part of what the receipt names */
        assert_memory_not_equal(a->receipt, b->receipt, 32);
    steme_result_free(p);
    steme_result_free(r);
}

static void
refused(rx *x, const steme_query *q, const char *field)
{
    steme_result *r = NULL;
    steme_errinfo ei = {0};

    assert_int_equal(steme_db_query(x->db, q, &r, &ei), STEME_EINVAL);
    assert_null(r);
    assert_non_null(ei.field);
    assert_string_equal(ei.field, field);
    assert_non_null(ei.rule);
}

/* More candidates than a lens may read: refused, naming the field to narrow and the bound,
 * never answered from part of the evidence. */
static void
test_too_many_candidates(void **state)
{
    rx *x = *state;
    enum { N = STEME_QUERY_MAX_CANDS + 1, BATCH = 512 };
    static fx_rec recs[BATCH];
    static steme_signed in[BATCH];
    static steme_ingest_result res[BATCH];

    for (size_t done = 0; done < N;) {
        size_t n = N - done < BATCH ? N - done : BATCH;
        for (size_t i = 0; i < n; i++) {
            steme_record rec;
            fx_assertion(&rec, x->alice, "s", "p", "src:many", (int64_t)(done + i));
            fx_sign(&recs[i], &rec, x->alice);
            in[i] = fx_signed(&recs[i]);
        }
        assert_int_equal(steme_db_ingest(x->db, in, n, res, 0), STEME_OK);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(res[i].err, STEME_OK);
        done += n;
    }
    steme_query q;
    steme_result *r = NULL;
    steme_errinfo ei = {0};
    query_init(&q, "consensus");
    assert_int_equal(steme_db_query(x->db, &q, &r, &ei), STEME_ELIMIT);
    assert_null(r);
    assert_non_null(ei.field);
    assert_string_equal(ei.field, "predicate");
    assert_non_null(ei.rule);
    assert_non_null(strstr(ei.rule, "more than 16384 assertions"));
    /* Narrowed to another predicate, the subject answers. */
    q.predicate = steme_str_c("q");
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(steme_db_query(x->db, &q, &r, &ei), STEME_OK);
    steme_result_free(r);
}

static void
test_bad_input(void **state)
{
    rx *x = *state;
    steme_query q;

    claim(x, x->alice, 1, "src:a", NULL);
    query_init(&q, "majority");
    refused(x, &q, "lens");
    q.lens = "consensus:recency";
    refused(x, &q, "lens");
    q.lens = "layered:authority,bogus";
    refused(x, &q, "lens");
    q.lens = "layered:skeptic";
    refused(x, &q, "chain");
    q.lens = "layered";
    q.margin = 2000000;
    refused(x, &q, "margin");
    query_init(&q, "consensus");
    q.as_of = 1000;
    refused(x, &q, "as_of");
    query_init(&q, "consensus");
    q.has_valid_at = true;
    q.valid_at = -1;
    refused(x, &q, "valid_at");
    query_init(&q, "consensus");
    q.as_of_time = STEME_TIME_MAX + 1;
    refused(x, &q, "as_of_time");
    q.as_of_time = 1; /* before the first record */
    refused(x, &q, "as_of_time");
    q.as_of_time = steme_now_ms() + 3600 * 1000; /* in the future */
    refused(x, &q, "as_of_time");
    query_init(&q, "consensus");
    q.subject = steme_str_c("");
    refused(x, &q, "subject");
    query_init(&q, "consensus");
    q.stages = 1u << 20;
    refused(x, &q, "stages");
    query_init(&q, "consensus");
    q.what_if_retract = steme_str_c("src:none");
    refused(x, &q, "what_if_retract");
    q.what_if_retract = steme_str_c("src:a");
    q.as_of = 1;
    refused(x, &q, "what_if_retract");
    query_init(&q, "consensus");
    q.has_what_if_distrust = true;
    q.what_if_distrust = fx_pub(x->bob); /* never wrote anything */
    refused(x, &q, "what_if_distrust");
    q.what_if_distrust = fx_pub(x->alice);
    q.audit = true;
    refused(x, &q, "audit");
    epoch_open(x, "e1");
    epoch_open(x, "e2");
    query_init(&q, "consensus");
    q.what_if_supersede_epoch = steme_str_c("nope");
    refused(x, &q, "what_if_supersede_epoch");
    q.what_if_supersede_epoch = steme_str_c("e1");
    q.as_of = 1;
    refused(x, &q, "what_if_supersede_epoch");
    q.as_of = 0;
    q.what_if_successor = steme_str_c("e1");
    refused(x, &q, "what_if_successor");
    q.what_if_successor = steme_str_c("nope");
    refused(x, &q, "what_if_successor");
    q.what_if_supersede_epoch = steme_str_c("");
    q.what_if_successor = steme_str_c("e2");
    refused(x, &q, "what_if_successor");
    steme_record rec;
    rx_event(&rec, x->admin, STEME_EVENT_EPOCH_SUPERSEDE);
    rec.event.epoch = steme_str_c("e1");
    rec.event.successor = steme_str_c("e2");
    rx_ok(x, &rec, x->admin, NULL);
    query_init(&q, "consensus");
    q.what_if_supersede_epoch = steme_str_c("e1");
    refused(x, &q, "what_if_supersede_epoch"); /* already superseded */
    q.what_if_supersede_epoch = steme_str_c("e2");
    q.what_if_successor = steme_str_c("e1");
    refused(x, &q, "what_if_successor"); /* superseded */
}

static void
test_predicates_and_prefix(void **state)
{
    rx *x = *state;
    steme_record rec;
    steme_result *r;
    steme_query q;

    fx_assertion(&rec, x->alice, "drug:a", "p1", "src:a", 1);
    rx_ok(x, &rec, x->alice, NULL);
    fx_assertion(&rec, x->alice, "drug:a", "p2", "src:a", 2);
    rx_ok(x, &rec, x->alice, NULL);
    fx_assertion(&rec, x->alice, "drug:b", "p1", "src:a", 3);
    rx_ok(x, &rec, x->alice, NULL);
    steme_query_init(&q);
    q.subject = steme_str_c("drug:a");
    assert_int_equal(steme_db_query(x->db, &q, &r, NULL), STEME_OK);
    assert_int_equal(steme_result_count(r), 2);
    assert_int_equal(steme_result_answer(r, 1)->alternatives[0].value.integer, 2);
    steme_result_free(r);
    q.subject = steme_str_c("drug:");
    q.subject_prefix = true;
    assert_int_equal(steme_db_query(x->db, &q, &r, NULL), STEME_OK);
    assert_int_equal(steme_result_count(r), 3);
    steme_result_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_as_of_retraction, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_valid_time, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_all_retracted_and_stage_filter, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_receipts, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_receipt_formats, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_what_if, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_what_if_distrust, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_what_if_epoch, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_too_many_candidates, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_predicates_and_prefix, rx_setup, rx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
