/* SPDX-License-Identifier: MIT */
/*
 * test_lens.c -- the lenses on hand-built candidates (src/engine/lens*.c, docs/lenses.md):
 * each lens's rule and tie-breaks, empty and single inputs, grouping by tolerance and units,
 * valid time passed through, the properties of the conflict score, three lenses with three winners
 * on one set, layered fallbacks, exact explanations, parameter checks and canonical bytes, bad
 * candidates and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "lens.h"
#include "lens_int.h"
#include "lens_fixture.h"

static const steme__lens_group *
winner(const steme__lens_result *r)
{
    assert_true(r->has_winner);
    assert_int_equal(r->reason, STEME__LENS_WINNER);
    return &r->groups[r->winner];
}

static double
winner_number(const steme__lens_result *r)
{
    const steme__lens_group *g = winner(r);
    assert_int_equal(g->value.type, STEME_VALUE_NUMBER);
    return g->value.number;
}

/* The FDA label says 0.2 %; five patients on three forums say 12 %. */
static void
fda_vs_forums(fix *f)
{
    add(f, 1, 1, "fda:label:lipitor:2024", REG, num(0.2, "%"));
    add(f, 2, 2, "forum:a", ANEC, num(12, "%"));
    add(f, 3, 3, "forum:a", ANEC, num(12, "%"));
    add(f, 4, 4, "forum:b", ANEC, num(0.12, ""));
    add(f, 5, 5, "forum:b", ANEC, num(12, "%"));
    add(f, 6, 6, "forum:c", ANEC, num(12, "%"));
}

/* ---------------------------------------------------------------------------------------------
 * Empty and single inputs
 */

static void
test_empty(void **state)
{
    (void)state;
    fix f = {0};
    for (size_t k = 0; k < N_KINDS; k++) {
        steme__lens_result r = run(all_kinds[k], &f);
        assert_false(r.has_winner);
        assert_int_equal(r.reason, STEME__LENS_EMPTY);
        assert_int_equal(r.n_groups, 0);
        assert_int_equal(r.n_support, 0);
        assert_true(r.conflict == 0);
        assert_non_null(strstr(r.explanation, "no candidates"));
        steme__lens_result_free(&r);
    }
    steme__lens_result r = run(STEME__LENS_CONSENSUS, &f);
    assert_string_equal(r.explanation, "consensus v1: no candidates");
    steme__lens_result_free(&r);
    /* A NULL candidate array is fine when there are none. */
    steme__lens_params p;
    steme__lens_params_init(&p, STEME__LENS_RECENCY);
    assert_int_equal(steme__lens_run(&p, NULL, 0, &r), STEME_OK);
    steme__lens_result_free(&r);
}

static void
test_single(void **state)
{
    (void)state;
    fix f = {0};
    add(&f, 7, 1, "fda:label", REG, num(0.2, "%"));
    for (size_t k = 0; k < N_KINDS; k++) {
        steme__lens_result r = run(all_kinds[k], &f);
        assert_int_equal(r.n_groups, 1);
        assert_true(r.conflict == 0);
        assert_int_equal(r.n_candidates, 1);
        if (all_kinds[k] == STEME__LENS_SKEPTIC) {
            assert_false(r.has_winner);
            assert_int_equal(r.reason, STEME__LENS_BY_DESIGN);
            assert_false(r.groups[0].outlier);
            assert_true(r.groups[0].share == 1);
        } else {
            assert_true(winner_number(&r) == 0.2);
            assert_true(r.lead == 1);
            assert_int_equal(r.n_support, 1);
            assert_int_equal(r.support[0], 7);
            assert_non_null(strstr(r.explanation, "uncontested"));
        }
        steme__lens_result_free(&r);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Each lens's rule
 */

static void
test_recency(void **state)
{
    (void)state;
    fix f = {0};
    add(&f, 1, 1, "s1", REG, num(1, ""));
    add(&f, 2, 2, "s2", ANEC, num(2, ""))->asserted_at = T0 + 50 * DAY;
    add(&f, 3, 3, "s3", ANEC, num(3, ""))->asserted_at = T0 + 50 * DAY; /* same time, later seq */
    add(&f, 4, 4, "s4", ANEC, num(4, ""))->asserted_at = T0 + 10 * DAY; /* recorded late */
    steme__lens_result r = run(STEME__LENS_RECENCY, &f);
    assert_true(winner_number(&r) == 3);
    assert_int_equal(r.winner, 0);
    assert_true(r.groups[0].weight == 1 && r.groups[1].weight == 0);
    /* The others follow by their latest claim. */
    assert_true(r.groups[1].value.number == 2);
    assert_true(r.groups[2].value.number == 4);
    assert_true(r.groups[3].value.number == 1);
    /* Evidence: 1 regulatory (1.0) against three anecdotal (0.2 each): 1 - (0.625 - 0.125). */
    assert_string_equal(r.explanation,
                        "recency v1: 3 asserted latest (2020-02-20T00:00:00Z, seq 3) against 2 "
                        "(latest 2020-02-20T00:00:00Z), 4 (latest 2020-01-11T00:00:00Z), 1 "
                        "(latest 2020-01-02T00:00:00Z); conflict 0.50");
    steme__lens_result_free(&r);

    /* With min_support 2 the latest value backed by two agents wins. */
    add(&f, 5, 5, "s5", ANEC, num(1, ""));
    steme__lens_params p;
    steme__lens_params_init(&p, STEME__LENS_RECENCY);
    p.min_support = 2;
    r = run_p(&p, &f);
    assert_true(winner_number(&r) == 1);
    steme__lens_result_free(&r);
}

static void
test_consensus_and_ties(void **state)
{
    (void)state;
    fix f = {0};
    add(&f, 1, 1, "s1", ANEC, str("Paris"));
    add(&f, 2, 2, "s2", ANEC, str("Lyon"));
    steme__lens_result r = run(STEME__LENS_CONSENSUS, &f);
    assert_false(r.has_winner);
    assert_int_equal(r.reason, STEME__LENS_TIE);
    assert_string_equal(r.reason_text, "the best values tie on every criterion of the lens");
    assert_int_equal(r.n_support, 0);
    assert_true(r.lead == 0);
    assert_true(r.conflict == 1);
    assert_string_equal(r.explanation, "consensus v1: no winner, tie between \"Lyon\" (1 agent, "
                                       "1 source) and \"Paris\" (1 agent, 1 source); conflict "
                                       "1.00");
    steme__lens_result_free(&r);

    /* Repeating a claim does not add a voice: agent 1 says Paris three more times. */
    add(&f, 3, 1, "s1", ANEC, str("Paris"));
    add(&f, 4, 1, "s1", ANEC, str("Paris"));
    r = run(STEME__LENS_CONSENSUS, &f);
    assert_int_equal(r.reason, STEME__LENS_TIE);
    steme__lens_result_free(&r);

    /* First tie-break: distinct sources. Agent 1 also cites s9. */
    add(&f, 5, 1, "s9", ANEC, str("Paris"));
    r = run(STEME__LENS_CONSENSUS, &f);
    assert_memory_equal(winner(&r)->value.str.ptr, "Paris", 5);
    assert_int_equal(winner(&r)->agents, 1);
    assert_int_equal(winner(&r)->sources, 2);
    assert_int_equal(winner(&r)->assertions, 4);
    assert_int_equal(r.n_support, 4);
    assert_true(r.lead == 0); /* equal weights: won on a tie-break */
    steme__lens_result_free(&r);

    /* Second tie-break: summed best confidence. */
    fix g = {0};
    add(&g, 1, 1, "s1", ANEC, str("Paris"))->confidence = 900000;
    add(&g, 2, 2, "s2", ANEC, str("Lyon"))->confidence = 800000;
    r = run(STEME__LENS_CONSENSUS, &g);
    assert_memory_equal(winner(&r)->value.str.ptr, "Paris", 5);
    assert_int_equal(winner(&r)->confidence, 900000);
    steme__lens_result_free(&r);

    /* Agents first: two agents on one source beat one agent on two sources. */
    fix h = {0};
    add(&h, 1, 1, "s1", ANEC, str("A"));
    add(&h, 2, 2, "s1", ANEC, str("A"));
    add(&h, 3, 3, "s2", ANEC, str("B"));
    add(&h, 4, 3, "s3", ANEC, str("B"));
    r = run(STEME__LENS_CONSENSUS, &h);
    assert_memory_equal(winner(&r)->value.str.ptr, "A", 1);
    assert_true(winner(&r)->weight == 2);
    assert_true(r.lead > 0.33 && r.lead < 0.34); /* (2 - 1) / (2 + 1) */
    steme__lens_result_free(&r);
}

static void
test_min_support(void **state)
{
    (void)state;
    fix f = {0};
    add(&f, 1, 1, "fda", REG, str("A"));
    add(&f, 2, 2, "s2", ANEC, str("B"));
    add(&f, 3, 3, "s3", ANEC, str("B"));
    steme__lens_params p;
    steme__lens_params_init(&p, STEME__LENS_CONSENSUS);
    p.min_support = 3;
    steme__lens_result r = run_p(&p, &f);
    assert_false(r.has_winner);
    assert_int_equal(r.reason, STEME__LENS_LOW_SUPPORT);
    /* Evidence 1.0 against 2 x 0.2: 1 - (1 / 1.4 - 0.4 / 1.4) = 0.571. */
    assert_string_equal(r.explanation, "consensus v1: no winner, no value has 3 agents (best: "
                                       "\"B\" with 2 agents, 2 sources); conflict 0.57");
    steme__lens_result_free(&r);

    /* Authority with min_support 2 skips the lone regulator. */
    steme__lens_params_init(&p, STEME__LENS_AUTHORITY);
    p.min_support = 2;
    r = run_p(&p, &f);
    assert_memory_equal(winner(&r)->value.str.ptr, "B", 1);
    assert_int_equal(r.winner, 1);
    assert_true(r.lead == 0); /* the regulator's value still ranks first */
    steme__lens_result_free(&r);
}

static void
test_vote_consensus(void **state)
{
    (void)state;
    fix f = {0};
    add(&f, 1, 1, "s1", ANEC, str("A"));
    add(&f, 2, 2, "s2", ANEC, str("A"));
    add(&f, 3, 3, "s3", ANEC, str("B"))->up = 3;
    steme__lens_result r = run(STEME__LENS_VOTE_CONSENSUS, &f);
    assert_memory_equal(winner(&r)->value.str.ptr, "B", 1);
    assert_true(winner(&r)->weight == 4); /* (1 + 3) / (1 + 0) */
    assert_true(r.groups[1].weight == 2); /* two voices without votes */
    assert_true(r.lead > 0.333 && r.lead < 0.334);
    assert_string_equal(r.explanation,
                        "vote_consensus v1: \"B\" backed by 1 agent and 1 source with votes +3/-0 "
                        "(weight 4) against \"A\" (weight 2, votes +0/-0); conflict 0.67");
    steme__lens_result_free(&r);

    /* Disputes divide a voice but never silence it. */
    f.c[2].up = 0;
    f.c[2].down = 3;
    r = run(STEME__LENS_VOTE_CONSENSUS, &f);
    assert_memory_equal(winner(&r)->value.str.ptr, "A", 1);
    assert_true(r.groups[1].weight == 0.25);
    steme__lens_result_free(&r);

    /* Equal up and down votes cancel: the plain consensus tie stays a tie. */
    fix g = {0};
    add(&g, 1, 1, "s1", ANEC, str("A"))->up = 2;
    g.c[0].down = 2;
    add(&g, 2, 2, "s2", ANEC, str("B"));
    r = run(STEME__LENS_VOTE_CONSENSUS, &g);
    assert_int_equal(r.reason, STEME__LENS_TIE);
    steme__lens_result_free(&r);
}

static void
test_authority(void **state)
{
    (void)state;
    fix f = {0};
    fda_vs_forums(&f);
    steme__lens_result r = run(STEME__LENS_AUTHORITY, &f);
    assert_true(winner_number(&r) == 0.2);
    assert_true(r.lead == 1); /* a higher tier is decisive */
    assert_int_equal(r.groups[1].best_tier, STEME_TIER_ANECDOTAL);
    assert_true(r.groups[1].weight > 0.59 && r.groups[1].weight < 0.61); /* 3 forums x 0.2 */
    steme__lens_result_free(&r);

    /* Expert ranks above preprint although the enum puts preprint first. */
    fix g = {0};
    add(&g, 1, 1, "preprint", PRE, str("A"));
    add(&g, 2, 2, "expert", EXP, str("B"));
    r = run(STEME__LENS_AUTHORITY, &g);
    assert_memory_equal(winner(&r)->value.str.ptr, "B", 1);
    steme__lens_result_free(&r);

    /* Within a tier the distinct sources' weights add up; one source counts once. */
    fix h = {0};
    add(&h, 1, 1, "journal:1", PEER, str("A"));
    add(&h, 2, 2, "journal:1", PEER, str("A"));
    add(&h, 3, 3, "journal:2", PEER, str("B"));
    add(&h, 4, 4, "journal:3", PEER, str("B"));
    add(&h, 5, 5, "forum", ANEC, str("A"));
    r = run(STEME__LENS_AUTHORITY, &h);
    assert_memory_equal(winner(&r)->value.str.ptr, "B", 1);
    assert_true(winner(&r)->weight == 1.7);
    assert_true(r.lead > 0.333 && r.lead < 0.334); /* (1.7 - 0.85) / 2.55 */
    /* Evidence counts the forum too: A 0.85 + 0.85 + 0.2 = 1.9 against B 1.7: 0.944. */
    assert_string_equal(r.explanation,
                        "authority v1: \"B\" backed by 2 peer_reviewed sources (weight 1.7) "
                        "against \"A\" (best peer_reviewed, weight 0.85); conflict 0.94");
    steme__lens_result_free(&r);

    /* A reader who gives regulators no authority: the forums' value wins. */
    steme__lens_params p;
    steme__lens_params_init(&p, STEME__LENS_AUTHORITY);
    p.tier_weights_set = true;
    for (int t = REG; t <= UNV; t++)
        p.tier_weights[t] = tier_weight[t];
    p.tier_weights[REG] = 0;
    r = run_p(&p, &f);
    assert_true(winner_number(&r) == 12);
    steme__lens_result_free(&r);

    /* Nobody with authority: no winner. */
    for (int t = REG; t <= UNV; t++)
        p.tier_weights[t] = 0;
    r = run_p(&p, &f);
    assert_int_equal(r.reason, STEME__LENS_NO_WEIGHT);
    steme__lens_result_free(&r);
}

static void
test_trust_authority(void **state)
{
    (void)state;
    fix f = {0};
    /* Three low-trust agents citing a preprint against one trusted agent citing a journal. */
    for (int i = 0; i < 3; i++)
        add(&f, 1 + i, 10 + i, "preprint:x", PRE, str("wrong"))->trust = 0.1;
    steme__cand *c = add(&f, 9, 1, "journal:y", PEER, str("right"));
    c->trust = 0.9;
    c->reliability = 0.8;
    steme__lens_result r = run(STEME__LENS_TRUST_AUTHORITY, &f);
    assert_memory_equal(winner(&r)->value.str.ptr, "right", 5);
    /* 0.9 x 0.85 x 0.8 x 1 = 0.612 against 3 x (0.1 x 0.5 x 0.5 x 1) = 0.075 */
    assert_true(winner(&r)->weight > 0.6119 && winner(&r)->weight < 0.6121);
    assert_true(r.groups[1].weight > 0.0749 && r.groups[1].weight < 0.0751);
    steme__lens_result_free(&r);

    /* Consensus disagrees: three voices against one. */
    r = run(STEME__LENS_CONSENSUS, &f);
    assert_memory_equal(winner(&r)->value.str.ptr, "wrong", 5);
    steme__lens_result_free(&r);

    /* Confidence counts; nobody trusted at all: no winner. */
    for (size_t i = 0; i < f.n; i++)
        f.c[i].trust = 0;
    r = run(STEME__LENS_TRUST_AUTHORITY, &f);
    assert_int_equal(r.reason, STEME__LENS_NO_WEIGHT);
    steme__lens_result_free(&r);
}

static void
test_skeptic(void **state)
{
    (void)state;
    fix f = {0};
    fda_vs_forums(&f);
    steme__lens_result r = run(STEME__LENS_SKEPTIC, &f);
    assert_false(r.has_winner);
    assert_int_equal(r.reason, STEME__LENS_BY_DESIGN);
    assert_int_equal(r.n_groups, 2);
    /* Evidence: FDA 1.0 against 5 x 0.2: the distribution is even, the median the lower. */
    assert_true(r.groups[0].share == 0.5 && r.groups[1].share == 0.5);
    const steme__lens_group *forum = r.groups[0].value.number == 12 ? &r.groups[0] : &r.groups[1];
    const steme__lens_group *fda = forum == &r.groups[0] ? &r.groups[1] : &r.groups[0];
    assert_true(forum->outlier);
    assert_false(fda->outlier);
    assert_string_equal(r.explanation,
                        "skeptic v1: no single winner; 12 % (share 0.50; 5 agents, 3 sources, "
                        "anecdotal), 0.2 % (share 0.50; 1 agent, 1 source, regulatory); "
                        "outlier: 12 % "
                        "(anecdotal; 5 agents, 3 sources) is 60x the weighted median 0.2 % "
                        "(regulatory; 1 agent, 1 source); minority reports can be early "
                        "signals; conflict 1.00");
    steme__lens_result_free(&r);

    /* More forum posts move the median to 12 %: now the regulator is the outlier, and the
     * sentence says it cites the stronger source. */
    for (int i = 0; i < 5; i++)
        add(&f, 20 + i, 20 + i, "forum:d", ANEC, num(12, "%"));
    r = run(STEME__LENS_SKEPTIC, &f);
    assert_true(r.groups[0].value.number == 12 && !r.groups[0].outlier);
    assert_true(r.groups[1].outlier);
    assert_non_null(strstr(r.explanation, "0.2 % (regulatory; 1 agent, 1 source) is 1/60 of "
                                          "the weighted median 12 %"));
    assert_non_null(strstr(r.explanation, "the minority cites a stronger source (regulatory "
                                          "against anecdotal)"));
    steme__lens_result_free(&r);

    /* Values within 10x of the median are no outliers. */
    fix g = {0};
    add(&g, 1, 1, "a", PEER, num(2, "mg"));
    add(&g, 2, 2, "b", PEER, num(0.003, "g"));
    add(&g, 3, 3, "c", PEER, num(0.0025, "g"));
    r = run(STEME__LENS_SKEPTIC, &g);
    for (size_t i = 0; i < r.n_groups; i++)
        assert_false(r.groups[i].outlier);
    assert_non_null(strstr(r.explanation, "; no outliers; conflict"));
    steme__lens_result_free(&r);

    /* Strings: a minority report is under 25 % of the evidence. */
    fix h = {0};
    for (int i = 0; i < 4; i++)
        add(&h, 1 + i, 1 + i, "s", EXP, str("Alice"));
    add(&h, 9, 9, "t", EXP, str("Bob"));
    r = run(STEME__LENS_SKEPTIC, &h);
    assert_false(r.groups[0].outlier);
    assert_true(r.groups[1].outlier);
    assert_non_null(strstr(r.explanation, "outlier: \"Bob\" (expert; 1 agent, 1 source) holds 20 "
                                          "% of the evidence against \"Alice\""));
    steme__lens_result_free(&r);

    /* Numbers in different units have no common scale: the minority rule applies. */
    fix u = {0};
    for (int i = 0; i < 4; i++)
        add(&u, 1 + (uint64_t)i, 1 + i, "s", EXP, num(5, "IU"));
    add(&u, 9, 9, "t", EXP, num(5000, "mIU"));
    r = run(STEME__LENS_SKEPTIC, &u);
    assert_true(r.groups[1].outlier);
    assert_non_null(strstr(r.explanation, "holds 20 % of the evidence against 5 IU"));
    steme__lens_result_free(&r);

    /* Zero and the other sign are always far from the median. */
    fix k = {0};
    add(&k, 1, 1, "a", PEER, num(5, ""));
    add(&k, 2, 2, "b", PEER, num(5, ""));
    add(&k, 3, 3, "c", PEER, num(0, ""));
    add(&k, 4, 4, "d", PEER, num(-5, ""));
    r = run(STEME__LENS_SKEPTIC, &k);
    for (size_t i = 0; i < r.n_groups; i++)
        assert_int_equal(r.groups[i].outlier, r.groups[i].value.number != 5);
    steme__lens_result_free(&r);
}

/* ---------------------------------------------------------------------------------------------
 * Grouping
 */

static void
test_grouping_units_and_tolerance(void **state)
{
    (void)state;
    fix f = {0};
    add(&f, 1, 1, "a", PEER, num(0.2, "%"));
    add(&f, 2, 2, "b", PEER, num(0.002, ""));
    add(&f, 3, 3, "c", PEER, num(0.1 + 0.1, "%"));
    add(&f, 4, 4, "d", PEER, num(2, "mg"));
    add(&f, 5, 5, "e", PEER, num(0.002, "g"));
    add(&f, 6, 6, "f", PEER, num(2, "IU"));
    add(&f, 7, 7, "g", PEER, num(2, "iu"));
    add(&f, 8, 8, "h", PEER, num(0.0020001, ""));
    steme__lens_result r = run(STEME__LENS_CONSENSUS, &f);
    assert_int_equal(r.n_groups, 5);
    const steme__lens_group *g = winner(&r);
    assert_int_equal(g->agents, 3); /* 0.2 %, 0.002 and (0.1 + 0.1) % */
    assert_int_equal(g->n_seqs, 3);
    assert_int_equal(g->seqs[0], 1);
    assert_int_equal(g->seqs[1], 2);
    assert_int_equal(g->seqs[2], 3);
    /* Shown as written by the earliest member. */
    assert_true(g->value.number == 0.2);
    assert_memory_equal(g->value.unit.ptr, "%", 1);
    assert_int_equal(r.groups[1].agents, 2); /* 2 mg and 0.002 g */
    steme__lens_result_free(&r);

    /* A group is anchored on its smallest value: a chain of values each within the tolerance
     * of the next does not drift. */
    fix h = {0};
    double x = 1.0;
    for (int i = 0; i < 40; i++, x *= 1 + 0.6e-9)
        add(&h, 1 + (uint64_t)i, 1 + i, "s", PEER, num(x, ""));
    r = run(STEME__LENS_CONSENSUS, &h);
    assert_true(r.n_groups > 1);
    for (size_t i = 0; i < r.n_groups; i++) {
        double lo = 1e300, hi = 0;
        for (size_t j = 0; j < r.groups[i].n_seqs; j++) {
            double v = h.c[r.groups[i].seqs[j] - 1].value.number;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        assert_true(hi - lo <= 1e-9 * hi);
    }
    steme__lens_result_free(&r);
}

static void
test_valid_time_passed_through(void **state)
{
    (void)state;
    fix f = {0};
    steme__cand *a = add(&f, 1, 1, "a", PEER, str("x"));
    a->has_valid_from = a->has_valid_until = true;
    a->valid_from = T0;
    a->valid_until = T0 + 100 * DAY;
    steme__cand *b = add(&f, 2, 2, "b", PEER, str("x"));
    b->has_valid_from = b->has_valid_until = true;
    b->valid_from = T0 - 10 * DAY;
    b->valid_until = T0 + 50 * DAY;
    steme__cand *c = add(&f, 3, 3, "c", PEER, str("y"));
    c->has_valid_from = true;
    c->valid_from = T0 + 5 * DAY;

    steme__lens_result r = run(STEME__LENS_CONSENSUS, &f);
    const steme__lens_group *x = winner(&r), *y = &r.groups[1];
    assert_true(x->has_valid_from && x->has_valid_until);
    assert_true(x->valid_from == T0 - 10 * DAY);
    assert_true(x->valid_until == T0 + 100 * DAY);
    assert_true(y->has_valid_from && !y->has_valid_until); /* open-ended */
    assert_true(y->valid_from == T0 + 5 * DAY);
    steme__lens_result_free(&r);

    /* One member without a start makes the group's window open at the start. */
    add(&f, 4, 4, "d", PEER, str("x"));
    r = run(STEME__LENS_CONSENSUS, &f);
    assert_false(winner(&r)->has_valid_from);
    assert_false(winner(&r)->has_valid_until);
    steme__lens_result_free(&r);
}

/* ---------------------------------------------------------------------------------------------
 * Conflict score
 */

static double
conflict(const fix *f)
{
    steme__lens_result r = run(STEME__LENS_CONSENSUS, f);
    double c = r.conflict;
    /* Independent of the lens. */
    for (size_t k = 0; k < N_KINDS; k++) {
        steme__lens_result s = run(all_kinds[k], f);
        assert_true(s.conflict == c);
        steme__lens_result_free(&s);
    }
    steme__lens_result_free(&r);
    assert_true(c >= 0 && c <= 1);
    return c;
}

static void
test_conflict_properties(void **state)
{
    (void)state;
    /* One value: 0, however many agree. */
    fix f = {0};
    for (int i = 0; i < 5; i++)
        add(&f, 1 + (uint64_t)i, 1 + i, "s", PEER, num(0.2, "%"));
    assert_true(conflict(&f) == 0);

    /* Two equally supported contradicting values: 1. */
    fix g = {0};
    add(&g, 1, 1, "a", PEER, str("yes"));
    add(&g, 2, 2, "b", PEER, str("no"));
    assert_true(conflict(&g) == 1);

    /* The FDA 0.2 % against forums' 12 %: contested, above 0.5. */
    fix h = {0};
    fda_vs_forums(&h);
    assert_true(conflict(&h) > 0.5);
    /* ... and still with a single forum post, or with three times as many. */
    fix h1 = {0};
    add(&h1, 1, 1, "fda", REG, num(0.2, "%"));
    for (int i = 0; i < 3; i++)
        add(&h1, 2 + (uint64_t)i, 2 + i, "forum", ANEC, num(12, "%"));
    assert_true(conflict(&h1) > 0.5);

    /* More agreement with the leading value: strictly lower, step after step. */
    fix m = {0};
    add(&m, 1, 1, "a", PEER, str("yes"));
    add(&m, 2, 2, "b", PEER, str("no"));
    double prev = conflict(&m);
    for (int i = 0; i < 6; i++) {
        add(&m, 10 + (uint64_t)i, 10 + i, "c", PEER, str("yes"));
        double c = conflict(&m);
        assert_true(c < prev);
        prev = c;
    }
    /* A fringe third value does not make a contested key look settled. */
    fix n = {0};
    add(&n, 1, 1, "a", PEER, str("yes"));
    add(&n, 2, 2, "b", PEER, str("no"));
    double two = conflict(&n);
    add(&n, 3, 3, "c", UNV, str("maybe"))->confidence = 10000;
    assert_true(conflict(&n) >= two);
    /* Repeating a claim is not agreement. */
    fix o = {0};
    add(&o, 1, 1, "a", PEER, str("yes"));
    add(&o, 2, 2, "b", PEER, str("no"));
    add(&o, 3, 1, "a", PEER, str("yes"));
    assert_true(conflict(&o) == 1);
}

/* ---------------------------------------------------------------------------------------------
 * Three lenses, three winners; layered fallbacks
 */

/* The regulator said 0.2 % in 2020, four forum posters 12 % in 2021, an expert 5 % in 2024. */
static void
three_ways(fix *f)
{
    add(f, 1, 1, "fda", REG, num(0.2, "%"))->asserted_at = T0;
    for (int i = 0; i < 4; i++)
        add(f, 2 + (uint64_t)i, 10 + i, "forum", ANEC, num(12, "%"))->asserted_at = T0 + 365 * DAY;
    add(f, 9, 20, "expert:x", EXP, num(5, "%"))->asserted_at = T0 + 4 * 365 * DAY;
}

static void
test_three_lenses_three_winners(void **state)
{
    (void)state;
    fix f = {0};
    three_ways(&f);
    steme__lens_result r = run(STEME__LENS_RECENCY, &f);
    assert_true(winner_number(&r) == 5);
    steme__lens_result_free(&r);
    r = run(STEME__LENS_CONSENSUS, &f);
    assert_true(winner_number(&r) == 12);
    assert_true(r.lead == 0.6); /* (4 - 1) / (4 + 1) */
    steme__lens_result_free(&r);
    r = run(STEME__LENS_AUTHORITY, &f);
    assert_true(winner_number(&r) == 0.2);
    steme__lens_result_free(&r);
}

static void
test_layered(void **state)
{
    (void)state;
    fix f = {0};
    three_ways(&f);
    steme__lens_params p;
    steme__lens_params_init(&p, STEME__LENS_LAYERED);
    p.chain[0] = STEME__LENS_CONSENSUS;
    p.chain[1] = STEME__LENS_RECENCY;
    p.n_chain = 2;

    /* Consensus leads by 0.6: enough for a margin of 0.6 (the bound is inclusive). */
    p.margin = 600000;
    steme__lens_result r = run_p(&p, &f);
    assert_true(winner_number(&r) == 12);
    assert_int_equal(r.kind, STEME__LENS_LAYERED);
    assert_int_equal(r.decided_by, STEME__LENS_CONSENSUS);
    steme__lens_result_free(&r);

    /* Not for 0.7: recency decides. */
    p.margin = 700000;
    r = run_p(&p, &f);
    /* Evidence 1.0, 4 x 0.2 and 0.6: 1 - (1 / 2.4 - 0.8 / 2.4) = 0.917. */
    assert_true(winner_number(&r) == 5);
    assert_int_equal(r.decided_by, STEME__LENS_RECENCY);
    assert_string_equal(r.explanation,
                        "layered v1 (consensus > recency, margin 0.7): consensus: 12 % leads by "
                        "0.6, below the margin; recency decided: 5 % asserted latest "
                        "(2023-12-31T00:00:00Z, seq 9) against 12 % (latest "
                        "2020-12-31T00:00:00Z), 0.2 % (latest 2020-01-01T00:00:00Z); conflict "
                        "0.92");
    steme__lens_result_free(&r);

    /* A chain of consensus alone with a margin nobody reaches: no winner, consensus weights. */
    p.n_chain = 1;
    r = run_p(&p, &f);
    assert_false(r.has_winner);
    assert_int_equal(r.reason, STEME__LENS_NO_MARGIN);
    assert_int_equal(r.decided_by, STEME__LENS_CONSENSUS);
    assert_true(r.groups[0].weight == 4);
    assert_int_equal(r.n_support, 0);
    steme__lens_result_free(&r);

    /* A tie falls through to the next lens. */
    fix g = {0};
    add(&g, 1, 1, "a", PEER, str("A"));
    add(&g, 2, 2, "b", PEER, str("B"));
    p.chain[0] = STEME__LENS_AUTHORITY;
    p.chain[1] = STEME__LENS_CONSENSUS;
    p.chain[2] = STEME__LENS_RECENCY;
    p.n_chain = 3;
    p.margin = 0;
    r = run_p(&p, &g);
    assert_memory_equal(winner(&r)->value.str.ptr, "B", 1);
    assert_int_equal(r.decided_by, STEME__LENS_RECENCY);
    assert_non_null(strstr(r.explanation, "authority: no winner (tie); consensus: no winner "
                                          "(tie); recency decided"));
    steme__lens_result_free(&r);

    /* The default chain on the FDA case: authority decides. */
    fix h = {0};
    fda_vs_forums(&h);
    steme__lens_params_init(&p, STEME__LENS_LAYERED);
    r = run_p(&p, &h);
    assert_true(winner_number(&r) == 0.2);
    assert_int_equal(r.decided_by, STEME__LENS_AUTHORITY);
    steme__lens_result_free(&r);
}

/* ---------------------------------------------------------------------------------------------
 * Explanations
 */

static void
test_explanation_exact(void **state)
{
    (void)state;
    fix f = {0};
    add(&f, 1, 1, "fda:label", REG, num(0.2, "%"));
    add(&f, 2, 2, "fda:label", REG, num(0.002, ""));
    add(&f, 3, 3, "ema:smpc", REG, num(0.2, "%"))->confidence = 500000;
    add(&f, 4, 4, "forum:x", ANEC, num(12, "%"));
    steme__lens_result r = run(STEME__LENS_CONSENSUS, &f);
    /* Evidence 1 + 1 + 0.5 = 2.5 against 0.2: conflict 1 - (2.5 - 0.2) / 2.7 = 0.148. */
    assert_string_equal(r.explanation,
                        "consensus v1: 0.2 % backed by 3 agents and 2 sources (weight 3) "
                        "against 12 % (1 agent, 1 source); conflict 0.15");
    assert_true(r.conflict > 0.148 && r.conflict < 0.149);
    assert_int_equal(r.n_support, 3);
    steme__lens_result_free(&r);

    /* 2 x (0.5 x 1 x 0.5 x 1) + 0.5 x 1 x 0.5 x 0.5 = 0.625 against 0.5 x 0.2 x 0.5 x 1. */
    r = run(STEME__LENS_TRUST_AUTHORITY, &f);
    assert_string_equal(r.explanation,
                        "trust_authority v1: 0.2 % backed by 3 agents and 2 sources weighted by "
                        "trust, authority and reliability (weight 0.625) against 12 % (weight "
                        "0.05; 1 agent, 1 source); conflict 0.15");
    steme__lens_result_free(&r);
}

static void
test_explanation_bounded(void **state)
{
    (void)state;
    /* Many long values: the explanation names three, counts the rest, stays bounded. */
    static char texts[20][200];
    fix f = {0};
    for (int i = 0; i < 20; i++) {
        memset(texts[i], 'a' + i, 199);
        texts[i][199] = '\0';
        add(&f, 1 + (uint64_t)i, 1 + i, "s", PEER, str(texts[i]));
    }
    add(&f, 99, 99, "t", PEER, str(texts[0]));
    steme__lens_result r = run(STEME__LENS_CONSENSUS, &f);
    assert_non_null(strstr(r.explanation, ", and 16 more; conflict"));
    assert_true(r.explanation_len < 400);
    steme__lens_result_free(&r);
    r = run(STEME__LENS_SKEPTIC, &f);
    assert_non_null(strstr(r.explanation, ", and 15 more"));
    steme__lens_result_free(&r);

    /* Quotes are escaped, so 48 shown bytes can take 96: the text is cut at the limit and
     * ends in "..." (the conflict score is still in the result). */
    static char quotes[8][80];
    fix g = {0};
    for (int i = 0; i < 8; i++) {
        memset(quotes[i], '"', 70);
        quotes[i][70] = (char)('a' + i);
        quotes[i][71] = '\0';
        for (int j = 0; j <= i; j++)
            add(&g, 1 + (uint64_t)(10 * i + j), 10 * i + j, "s", PEER, str(quotes[i]));
    }
    steme__lens_params p;
    steme__lens_params_init(&p, STEME__LENS_SKEPTIC);
    p.minority_share = 1000000;
    r = run_p(&p, &g);
    assert_int_equal(r.explanation_len, STEME__LENS_MAX_EXPLANATION - 1);
    assert_string_equal(r.explanation + r.explanation_len - 3, "...");
    steme__lens_result_free(&r);
}

/* Counts in explanations, written without printf: singular only for exactly 1. */
static void
test_explanation_counts(void **state)
{
    (void)state;
    static const uint32_t agents[] = {0, 1, 2, 10, 11, 21, 4294967295u};
    static const char *const want[] = {"0 agents; 1 source",         "1 agent; 1 source",
                                       "2 agents; 1 source",         "10 agents; 1 source",
                                       "11 agents; 1 source",        "21 agents; 1 source",
                                       "4294967295 agents; 1 source"};
    for (size_t i = 0; i < sizeof(agents) / sizeof(agents[0]); i++) {
        steme__lens_text t = {0};
        steme__lens_gstat g = {.agents = agents[i], .sources = 1};
        steme__text_support(&t, &g, "; ");
        assert_string_equal(t.buf, want[i]);
    }
}

/* The explanation writer copies plain pieces and formats the rest with vsnprintf: both ways
 * must cut the same text at the same byte, on a UTF-8 boundary, wherever the cut falls. */
static void
test_explanation_cut_both_ways(void **state)
{
    (void)state;
    /* Two-, three- and four-byte characters, so that cuts fall inside each kind. */
    static const char piece[] = "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\x8a dose";
    char filler[STEME__LENS_MAX_EXPLANATION];
    memset(filler, 'x', sizeof filler);
    for (size_t lead = 0; lead < sizeof filler; lead++) {
        steme__lens_text a = {0}, b = {0};
        filler[lead] = '\0';
        steme__text_printf(&a, "%s", filler);
        steme__text_printf(&b, "%s%s", filler, "");
        assert_int_equal(a.len, b.len);
        for (int k = 0; k < 40 && !a.full; k++) {
            steme__text_printf(&a, "%s", piece);       /* copied */
            steme__text_printf(&b, "%s%s", piece, ""); /* through vsnprintf */
            assert_int_equal(a.len, b.len);
            assert_int_equal(a.full, b.full);
            assert_memory_equal(a.buf, b.buf, a.len + 1);
        }
        steme__text_printf(&a, " end");
        steme__text_printf(&b, "%s", " end");
        assert_memory_equal(a.buf, b.buf, a.len + 1);
        assert_true(a.len < STEME__LENS_MAX_EXPLANATION);
        if (a.full) {
            assert_string_equal(a.buf + a.len - 3, "...");
            /* the byte before "..." ends a character */
            unsigned char last = (unsigned char)a.buf[a.len - 4];
            assert_true(last < 0x80 || last == 0x8a || last == 0xac || last == 0xa9);
        }
        filler[lead] = 'x';
    }
}

/* ---------------------------------------------------------------------------------------------
 * Parameters
 */

static size_t
params_bytes(const steme__lens_params *p, uint8_t *buf)
{
    size_t len;
    assert_int_equal(steme__lens_params_encode(p, buf, STEME__LENS_PARAMS_MAX, &len), STEME_OK);
    return len;
}

static void
test_params(void **state)
{
    (void)state;
    for (int k = 1; k <= STEME__LENS_KIND_MAX; k++) {
        const char *name = steme__lens_kind_name((steme__lens_kind)k);
        assert_non_null(name);
        assert_int_equal(steme__lens_kind_parse(name), k);
    }
    assert_int_equal(steme__lens_kind_parse("majority"), 0);
    assert_int_equal(steme__lens_kind_parse(NULL), 0);
    assert_null(steme__lens_kind_name((steme__lens_kind)0));
    assert_null(steme__lens_kind_name((steme__lens_kind)8));
    assert_string_equal(steme__lens_reason_name(STEME__LENS_NO_MARGIN), "no_margin");
    assert_string_equal(steme__lens_reason_name((steme__lens_reason)99), "unknown");
    assert_string_equal(steme__lens_reason_text(STEME__LENS_EMPTY), "there are no candidates");

    steme__lens_params p;
    steme_errinfo ei;
    steme__lens_params_init(&p, STEME__LENS_CONSENSUS);
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_OK);
    p.version = 2;
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "version");
    p.version = 1;
    p.kind = (steme__lens_kind)42;
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "lens");

    steme__lens_params_init(&p, STEME__LENS_LAYERED);
    p.margin = 1000001;
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "margin");
    p.margin = 0;
    p.chain[1] = STEME__LENS_SKEPTIC;
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "chain");
    p.chain[1] = STEME__LENS_LAYERED;
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_EINVAL);
    p.chain[1] = STEME__LENS_CONSENSUS;
    p.n_chain = 0;
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_EINVAL);
    p.n_chain = 5;
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_EINVAL);

    steme__lens_params_init(&p, STEME__LENS_SKEPTIC);
    p.outlier_ratio = 1000000;
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "outlier_ratio");
    steme__lens_params_init(&p, STEME__LENS_AUTHORITY);
    p.tier_weights_set = true;
    p.tier_weights[ANEC] = 2000000;
    assert_int_equal(steme__lens_params_check(&p, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "tier_weights");

    /* steme__lens_run refuses bad parameters too. */
    fix f = {0};
    steme__lens_result r;
    assert_int_equal(steme__lens_run(&p, f.c, 0, &r), STEME_EINVAL);
}

static void
test_params_bytes(void **state)
{
    (void)state;
    uint8_t a[STEME__LENS_PARAMS_MAX], b[STEME__LENS_PARAMS_MAX];
    steme__lens_params p, q;

    /* Exact bytes: name, version, min_support. */
    steme__lens_params_init(&p, STEME__LENS_CONSENSUS);
    size_t la = params_bytes(&p, a);
    assert_int_equal(la, 1 + 9 + 4 + 4);
    assert_memory_equal(a,
                        "\x09"
                        "consensus"
                        "\0\0\0\x01"
                        "\0\0\0\x01",
                        la);

    /* Parameters that cannot change the result do not change the bytes. */
    q = p;
    q.margin = 300000;
    q.outlier_ratio = 5000000;
    q.tier_weights_set = true;
    q.min_support = 0; /* 0 and 1 both mean "any" */
    assert_int_equal(params_bytes(&q, b), la);
    assert_memory_equal(a, b, la);
    q.min_support = 2;
    params_bytes(&q, b);
    assert_memory_not_equal(a, b, la);

    /* Authority carries its tier table when set. */
    steme__lens_params_init(&p, STEME__LENS_AUTHORITY);
    la = params_bytes(&p, a);
    q = p;
    q.tier_weights_set = true;
    size_t lb = params_bytes(&q, b);
    assert_int_equal(lb, la + 24);

    /* Layered carries margin and chain. */
    steme__lens_params_init(&p, STEME__LENS_LAYERED);
    la = params_bytes(&p, a);
    q = p;
    q.chain[2] = STEME__LENS_VOTE_CONSENSUS;
    lb = params_bytes(&q, b);
    assert_false(la == lb && memcmp(a, b, la) == 0);
    q = p;
    q.margin = 1;
    params_bytes(&q, b);
    assert_memory_not_equal(a, b, la);

    /* The buffer limit is reported. */
    size_t len;
    assert_int_equal(steme__lens_params_encode(&p, a, 10, &len), STEME_ELIMIT);
    /* Every kind fits in STEME__LENS_PARAMS_MAX with every option set. */
    for (int k = 1; k <= STEME__LENS_KIND_MAX; k++) {
        steme__lens_params_init(&p, (steme__lens_kind)k);
        p.tier_weights_set = true;
        if (k == STEME__LENS_LAYERED) {
            p.chain[0] = p.chain[1] = p.chain[2] = p.chain[3] = STEME__LENS_TRUST_AUTHORITY;
            p.n_chain = 4;
        }
        assert_true(params_bytes(&p, a) <= STEME__LENS_PARAMS_MAX);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Bad input and resources
 */

static void
test_bad_candidates(void **state)
{
    (void)state;
    steme__lens_params p;
    steme__lens_params_init(&p, STEME__LENS_CONSENSUS);
    steme__lens_result r;
    memset(&r, 0x5A, sizeof r);
    fix f = {0};
    add(&f, 1, 1, "a", PEER, str("x"));
    add(&f, 1, 2, "b", PEER, str("y")); /* one seq twice */
    assert_int_equal(steme__lens_run(&p, f.c, f.n, &r), STEME_EINVAL);
    assert_int_equal(((uint8_t *)&r)[0], 0x5A); /* untouched on failure */

    f.c[1].seq = 2;
    f.c[1].tier = (steme_tier)7;
    assert_int_equal(steme__lens_run(&p, f.c, f.n, &r), STEME_EINVAL);
    f.c[1].tier = STEME_TIER_PEER_REVIEWED;
    f.c[1].confidence = STEME_CONFIDENCE_ONE + 1;
    assert_int_equal(steme__lens_run(&p, f.c, f.n, &r), STEME_EINVAL);
    f.c[1].confidence = 0;
    f.c[1].trust = 0.0 / 0.0;
    assert_int_equal(steme__lens_run(&p, f.c, f.n, &r), STEME_EINVAL);
    f.c[1].trust = 1.5;
    assert_int_equal(steme__lens_run(&p, f.c, f.n, &r), STEME_EINVAL);
    f.c[1].trust = 1;
    f.c[1].reliability = -0.1;
    assert_int_equal(steme__lens_run(&p, f.c, f.n, &r), STEME_EINVAL);
    f.c[1].reliability = 0;
    f.c[1].weight = STEME_CONFIDENCE_ONE + 1;
    assert_int_equal(steme__lens_run(&p, f.c, f.n, &r), STEME_EINVAL);
    f.c[1].weight = 0;
    f.c[1].value = num(1.0 / 0.0, "");
    assert_int_equal(steme__lens_run(&p, f.c, f.n, &r), STEME_EINVAL);
    f.c[1].value = str("y");
    assert_int_equal(steme__lens_run(&p, f.c, f.n, &r), STEME_OK);
    steme__lens_result_free(&r);

    assert_int_equal(steme__lens_run(NULL, f.c, f.n, &r), STEME_EINVAL);
    assert_int_equal(steme__lens_run(&p, NULL, 1, &r), STEME_EINVAL);
    assert_int_equal(steme__lens_run(&p, f.c, f.n, NULL), STEME_EINVAL);
    /* Past the cap: refused before any candidate is read. */
    assert_int_equal(steme__lens_run(&p, f.c, STEME__LENS_MAX_CANDIDATES + 1, &r), STEME_ELIMIT);
    steme__lens_result_free(NULL);
}

static void
test_at_the_cap(void **state)
{
    (void)state;
    size_t n = STEME__LENS_MAX_CANDIDATES;
    steme__cand *c = calloc(n, sizeof *c);
    assert_non_null(c);
    for (size_t i = 0; i < n; i++) {
        c[i].seq = i + 1;
        c[i].agent.b[0] = (uint8_t)i;
        c[i].agent.b[1] = (uint8_t)(i >> 8);
        c[i].source = steme_str_c("s");
        c[i].tier = STEME_TIER_EXPERT;
        c[i].weight = 600000;
        c[i].confidence = STEME_CONFIDENCE_ONE;
        c[i].value = num((double)(i % 3), "");
        c[i].trust = c[i].reliability = 0.5;
    }
    steme__lens_params p;
    steme__lens_params_init(&p, STEME__LENS_CONSENSUS);
    steme__lens_result r;
    assert_int_equal(steme__lens_run(&p, c, n, &r), STEME_OK);
    assert_int_equal(r.n_groups, 3);
    assert_true(winner_number(&r) == 0); /* 5462 agents against 5461 and 5461 */
    steme__lens_result_free(&r);
    free(c);
}

static void
test_allocation_failures(void **state)
{
    (void)state;
    fix f = {0};
    fda_vs_forums(&f);
    for (size_t k = 0; k < N_KINDS; k++) {
        steme__lens_params p;
        steme__lens_params_init(&p, all_kinds[k]);
        steme__lens_result want = run_p(&p, &f), got;
        size_t lw, lg;
        uint8_t *bw = encode(&want, &lw);
        steme_err err = STEME_ENOMEM;
        for (uint64_t nth = 1; err == STEME_ENOMEM; nth++) {
            assert_true(nth < 100);
            steme__alloc_fail_at(nth);
            err = steme__lens_run(&p, f.c, f.n, &got);
            steme__alloc_fail_at(0);
        }
        assert_int_equal(err, STEME_OK);
        uint8_t *bg = encode(&got, &lg);
        assert_int_equal(lg, lw);
        assert_memory_equal(bg, bw, lw);
        free(bg);
        free(bw);
        steme__lens_result_free(&got);
        steme__lens_result_free(&want);
    }
}

static void
test_result_encode_limit(void **state)
{
    (void)state;
    fix f = {0};
    fda_vs_forums(&f);
    steme__lens_result r = run(STEME__LENS_CONSENSUS, &f);
    uint8_t buf[16];
    size_t len;
    assert_int_equal(steme__lens_result_encode(&r, buf, sizeof buf, &len), STEME_ELIMIT);
    assert_int_equal(steme__lens_result_encode(&r, NULL, 0, &len), STEME_ELIMIT);
    steme__lens_result_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_single),
        cmocka_unit_test(test_recency),
        cmocka_unit_test(test_consensus_and_ties),
        cmocka_unit_test(test_min_support),
        cmocka_unit_test(test_vote_consensus),
        cmocka_unit_test(test_authority),
        cmocka_unit_test(test_trust_authority),
        cmocka_unit_test(test_skeptic),
        cmocka_unit_test(test_grouping_units_and_tolerance),
        cmocka_unit_test(test_valid_time_passed_through),
        cmocka_unit_test(test_conflict_properties),
        cmocka_unit_test(test_three_lenses_three_winners),
        cmocka_unit_test(test_layered),
        cmocka_unit_test(test_explanation_exact),
        cmocka_unit_test(test_explanation_bounded),
        cmocka_unit_test(test_explanation_cut_both_ways),
        cmocka_unit_test(test_explanation_counts),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_params_bytes),
        cmocka_unit_test(test_bad_candidates),
        cmocka_unit_test(test_at_the_cap),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_result_encode_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
