/* SPDX-License-Identifier: MIT */
/*
 * test_consensus_trust.c -- settled consensus as trust evidence (docs/trust.md, "Settled
 * consensus"): a key reaching settlement scores its agreeing and dissenting agents once; keys
 * short of the agent count, the 80 % share, the two sources or established agents score
 * nobody; later arrivals and changed votes are scored once per agent and key; re-asserting
 * farms nothing; gold takes precedence; a key crowded past the scan cap closes; and every
 * scenario survives a rebuild byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "trust_fixture.h"

#define P     "incidence"
#define NK    12
#define W     STEME__CONSENSUS_WEIGHT
#define EST_S "establish"
#define EST_V 7
#define SRC_A "src-a"
#define SRC_B "src-b"

typedef struct fixture {
    char *dir;
    steme_db *db;
    steme_keypair *admin;
    steme_keypair *k[NK];
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->dir = fx_tmpdir();
    f->admin = fx_key(1);
    for (int i = 0; i < NK; i++)
        f->k[i] = fx_key((uint8_t)(40 + i));
    f->db = tf_open(f->dir, f->admin, NULL);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    steme_db_close(f->db);
    steme_keypair_free(f->admin);
    for (int i = 0; i < NK; i++)
        steme_keypair_free(f->k[i]);
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

/* The weighted Beta update of docs/trust.md, written out independently of the engine. */
static void
observe_w(double *alpha, double *beta, int agree, double w)
{
    *alpha = 1.0 + 0.98 * (*alpha - 1.0) + (agree ? w : 0.0);
    *beta = 1.0 + 0.98 * (*beta - 1.0) + (agree ? 0.0 : w);
}

static void
assert_ab(const steme_agent_info *a, double alpha, double beta)
{
    if (fabs(a->alpha - alpha) > 1e-12 || fabs(a->beta - beta) > 1e-12)
        fail_msg("alpha %.15g beta %.15g, want %.15g %.15g", a->alpha, a->beta, alpha, beta);
}

/* Agents first..last-1 earn one gold agreement each: (2, 1), evidence 1, established. Called
 * once per test. */
static void
establish(fixture *f, int first, int last)
{
    tf_gold(f->db, f->admin, EST_S, P, tf_integer(EST_V));
    for (int i = first; i < last; i++) {
        tf_assert(f->db, f->k[i], EST_S, P, "est-src", tf_integer(EST_V), NULL);
        steme_agent_info a = tf_agent(f->db, f->k[i], 0);
        assert_int_equal(a.evidence, 1);
        assert_ab(&a, 2.0, 1.0);
    }
}

static void
assert_untouched(fixture *f, int i)
{
    steme_agent_info a = tf_agent(f->db, f->k[i], 0);
    assert_int_equal(a.evidence, 1);
    assert_ab(&a, 2.0, 1.0);
}

/* After one consensus observation from (2, 1). */
static void
assert_scored(fixture *f, int i, int agree)
{
    double al = 2.0, be = 1.0;
    observe_w(&al, &be, agree, W);
    steme_agent_info a = tf_agent(f->db, f->k[i], 0);
    assert_int_equal(a.evidence, 2);
    assert_ab(&a, al, be);
}

/* Agents 0..3 assert 10, agent 4 asserts 11: 4 of 5 established agents (80 %), two sources.
 * Returns the seq of the settling (fifth) assertion. */
static uint64_t
settle(fixture *f, const char *subject)
{
    for (int i = 0; i < 4; i++)
        tf_assert(f->db, f->k[i], subject, P, i % 2 ? SRC_B : SRC_A, tf_integer(10), NULL);
    return tf_assert(f->db, f->k[4], subject, P, SRC_A, tf_integer(11), NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Settlement
 */

static void
test_settles_and_scores(void **state)
{
    fixture *f = *state;

    establish(f, 0, 6);
    /* A fresh agent (no evidence) is scored but does not count toward settlement. */
    tf_assert(f->db, f->k[11], "s1", P, SRC_B, tf_integer(10), NULL);
    for (int i = 0; i < 3; i++)
        tf_assert(f->db, f->k[i], "s1", P, i % 2 ? SRC_B : SRC_A, tf_integer(10), NULL);
    /* 4 established + 1 fresh agreeing: only 4 count, not settled yet. */
    for (int i = 0; i < 3; i++)
        assert_untouched(f, i);
    tf_assert(f->db, f->k[4], "s1", P, SRC_A, tf_integer(11), NULL);
    for (int i = 0; i < 5; i++)
        assert_untouched(f, i);
    /* The fifth established agent: 4 of 5 hold 10 (80 %), from two sources. */
    uint64_t seq = tf_assert(f->db, f->k[3], "s1", P, SRC_B, tf_integer(10), NULL);
    for (int i = 0; i < 4; i++)
        assert_scored(f, i, 1);
    assert_scored(f, 4, 0);
    assert_untouched(f, 5); /* not on the key */

    double al = 1.0, be = 1.0;
    observe_w(&al, &be, 1, W);
    steme_agent_info fresh = tf_agent(f->db, f->k[11], 0);
    assert_int_equal(fresh.evidence, 1);
    assert_ab(&fresh, al, be);

    /* The observations are caused by the settling assertion. */
    steme_agent_info a = tf_agent(f->db, f->k[4], seq - 1);
    assert_ab(&a, 2.0, 1.0);
    a = tf_agent(f->db, f->k[4], seq);
    assert_true(a.beta > 1.0);
    tf_assert_rebuild_identical(f->db);
}

/* Equal under the gold comparison: 3.5 % and 0.035 are one value group. */
static void
test_value_equality(void **state)
{
    fixture *f = *state;

    establish(f, 0, 5);
    tf_assert(f->db, f->k[0], "s1", P, SRC_A, tf_number(3.5, "%"), NULL);
    tf_assert(f->db, f->k[1], "s1", P, SRC_B, tf_number(0.035, ""), NULL);
    tf_assert(f->db, f->k[2], "s1", P, SRC_A, tf_number(0.035, ""), NULL);
    tf_assert(f->db, f->k[3], "s1", P, SRC_A, tf_number(-0.0, ""), NULL);
    tf_assert(f->db, f->k[4], "s1", P, SRC_B, tf_number(0.7 / 20, ""), NULL);
    for (int i = 0; i < 5; i++)
        assert_scored(f, i, i != 3);
    tf_assert_rebuild_identical(f->db);
}

static void
test_unsettled(void **state)
{
    fixture *f = *state;

    establish(f, 0, 10);
    /* Four agents, unanimous: too few. */
    for (int i = 0; i < 4; i++)
        tf_assert(f->db, f->k[i], "four", P, i % 2 ? SRC_B : SRC_A, tf_integer(1), NULL);
    /* Ten agents, 7 of 10 on one value: 70 % < 80 %. The dissenters come early, because the
     * check runs at every assertion and five unanimous first arrivals would settle it. */
    for (int i = 0; i < 10; i++)
        tf_assert(f->db, f->k[i], "seventy", P, i % 2 ? SRC_B : SRC_A,
                  tf_integer(i == 1 || i == 3 || i == 5 ? 2 : 1), NULL);
    /* Five agents, unanimous, all copying one source: not independent. */
    for (int i = 0; i < 5; i++)
        tf_assert(f->db, f->k[i], "copied", P, SRC_A, tf_integer(1), NULL);
    for (int i = 0; i < 10; i++)
        assert_untouched(f, i);
    /* A sixth agreeing agent citing another source settles "copied". */
    tf_assert(f->db, f->k[5], "copied", P, SRC_B, tf_integer(1), NULL);
    for (int i = 0; i < 6; i++)
        assert_scored(f, i, 1);
    tf_assert_rebuild_identical(f->db);
}

/* Five fresh agents alone cannot settle a key (and so cannot mint trust for each other). */
static void
test_strangers_cannot_settle(void **state)
{
    fixture *f = *state;

    for (int i = 0; i < 6; i++)
        tf_assert(f->db, f->k[i], "sybil", P, i % 2 ? SRC_B : SRC_A, tf_integer(1), NULL);
    for (int i = 0; i < 6; i++) {
        steme_agent_info a = tf_agent(f->db, f->k[i], 0);
        assert_int_equal(a.evidence, 0);
    }
}

/* An agent's latest active claim is its position: changing its mind by superseding moves it to
 * the other group; a retracted claim does not count. */
static void
test_latest_position(void **state)
{
    fixture *f = *state;
    steme_id old;
    steme_record rec;

    establish(f, 0, 6);
    /* Agent 4 first says 11 and then supersedes it with 10: five of five hold 10. Agent 5's
     * claim is retracted and does not count. */
    tf_assert(f->db, f->k[5], "s1", P, SRC_A, tf_integer(11), &old);
    fx_event(&rec, f->k[5], STEME_EVENT_ASSERTION_RETRACT);
    rec.event.at = tf_time();
    rec.event.target = old;
    tf_store(f->db, &rec, f->k[5], NULL);
    tf_assert(f->db, f->k[4], "s1", P, SRC_A, tf_integer(11), &old);
    for (int i = 0; i < 3; i++)
        tf_assert(f->db, f->k[i], "s1", P, i % 2 ? SRC_B : SRC_A, tf_integer(10), NULL);
    for (int i = 0; i < 5; i++)
        assert_untouched(f, i);
    fx_assertion(&rec, f->k[4], "s1", P, SRC_B, 0);
    rec.assertion.asserted_at = tf_time();
    rec.assertion.object = tf_integer(10);
    rec.assertion.supersedes = &old;
    rec.assertion.n_supersedes = 1;
    tf_store(f->db, &rec, f->k[4], NULL);
    /* Four agents hold 10 (agents 0-2 and 4): not yet five. */
    for (int i = 0; i < 5; i++)
        assert_untouched(f, i);
    tf_assert(f->db, f->k[3], "s1", P, SRC_A, tf_integer(10), NULL);
    for (int i = 0; i < 5; i++)
        assert_scored(f, i, 1);
    assert_untouched(f, 5);
    tf_assert_rebuild_identical(f->db);
}

/* ---------------------------------------------------------------------------------------------
 * After settlement
 */

static void
test_arrivals_and_votes_once(void **state)
{
    fixture *f = *state;
    steme_id dissent, agreeing;

    establish(f, 0, 10);
    settle(f, "s1");

    /* A later arrival agreeing, then re-asserting: one observation. */
    tf_assert(f->db, f->k[5], "s1", P, SRC_A, tf_integer(10), &agreeing);
    assert_scored(f, 5, 1);
    for (int n = 0; n < 3; n++)
        tf_assert(f->db, f->k[5], "s1", P, SRC_A, tf_integer(10), NULL);
    assert_scored(f, 5, 1);

    /* A later dissenter, then an agent already scored re-asserting either value. */
    tf_assert(f->db, f->k[6], "s1", P, SRC_B, tf_integer(99), &dissent);
    assert_scored(f, 6, 0);
    tf_assert(f->db, f->k[0], "s1", P, SRC_A, tf_integer(10), NULL);
    tf_assert(f->db, f->k[4], "s1", P, SRC_A, tf_integer(11), NULL);
    assert_scored(f, 0, 1);
    assert_scored(f, 4, 0);

    /* Votes: up on the settled value agrees, up on a dissent disagrees; once per key. */
    tf_vote(f->db, f->k[7], &agreeing, 1);
    assert_scored(f, 7, 1);
    tf_vote(f->db, f->k[7], &agreeing, -1);
    tf_vote(f->db, f->k[7], &dissent, -1);
    assert_scored(f, 7, 1);
    tf_vote(f->db, f->k[8], &dissent, 1);
    assert_scored(f, 8, 0);
    tf_vote(f->db, f->k[9], &dissent, -1);
    assert_scored(f, 9, 1);
    /* A scored author voting adds nothing either. */
    tf_vote(f->db, f->k[1], &dissent, -1);
    assert_scored(f, 1, 1);
    tf_assert_rebuild_identical(f->db);
}

/* ---------------------------------------------------------------------------------------------
 * Gold precedence
 */

static void
test_gold_precedence(void **state)
{
    fixture *f = *state;

    establish(f, 0, 8);
    /* Gold first: the key never settles, only gold scores. */
    tf_gold(f->db, f->admin, "g1", P, tf_integer(10));
    for (int i = 0; i < 5; i++)
        tf_assert(f->db, f->k[i], "g1", P, i % 2 ? SRC_B : SRC_A, tf_integer(10), NULL);
    for (int i = 0; i < 5; i++) {
        double al = 2.0, be = 1.0;
        tf_observe(&al, &be, 1);
        steme_agent_info a = tf_agent(f->db, f->k[i], 0);
        assert_int_equal(a.evidence, 2);
        assert_ab(&a, al, be);
    }

    /* Consensus first, gold later with the minority's value: gold scores everyone at full
     * weight, the consensus evidence stays (and decays), and consensus stops on the key. */
    settle(f, "g2");
    tf_gold(f->db, f->admin, "g2", P, tf_integer(11));
    for (int i = 0; i < 5; i++) {
        double al = 2.0, be = 1.0;
        int majority = i < 4;
        tf_observe(&al, &be, 1); /* g1 */
        observe_w(&al, &be, majority, W);
        tf_observe(&al, &be, !majority);
        steme_agent_info a = tf_agent(f->db, f->k[i], 0);
        assert_int_equal(a.evidence, 4);
        assert_ab(&a, al, be);
    }
    /* A later arrival with the old consensus value is judged by gold alone. */
    tf_assert(f->db, f->k[7], "g2", P, SRC_A, tf_integer(10), NULL);
    double al = 2.0, be = 1.0;
    tf_observe(&al, &be, 0);
    steme_agent_info a = tf_agent(f->db, f->k[7], 0);
    assert_int_equal(a.evidence, 2);
    assert_ab(&a, al, be);
    tf_assert_rebuild_identical(f->db);
}

/* ---------------------------------------------------------------------------------------------
 * The scan cap
 */

static void
test_crowded_key_closes(void **state)
{
    fixture *f = *state;

    establish(f, 0, 6);
    /* One fresh agent floods the key past the cap before anyone else arrives. */
    for (int n = 0; n <= STEME__CONSENSUS_SCAN_MAX; n++)
        tf_assert(f->db, f->k[11], "busy", P, SRC_A, tf_integer(n), NULL);
    for (int i = 0; i < 6; i++)
        tf_assert(f->db, f->k[i], "busy", P, i % 2 ? SRC_B : SRC_A, tf_integer(1), NULL);
    for (int i = 0; i < 6; i++)
        assert_untouched(f, i);
    tf_assert_rebuild_identical(f->db);
}

static void
set_role(fixture *f, int i, const char *role)
{
    steme_record rec;
    fx_event(&rec, f->admin, STEME_EVENT_AGENT_PROFILE);
    rec.event.at = tf_time();
    rec.event.target_agent = fx_pub(f->k[i]);
    rec.event.display_name = steme_str_c("Agent");
    rec.event.role = steme_str_c(role);
    tf_store(f->db, &rec, f->admin, NULL);
}

/* Agents established by a role alone (no evidence): the store's count of established agents
 * (which lets the check skip keys while it is below 5) must follow grants and revocations. */
static void
test_established_by_roles(void **state)
{
    fixture *f = *state;

    /* Before any grant: the admin alone is established, so nothing settles. */
    for (int i = 0; i < 4; i++)
        tf_assert(f->db, f->k[i], "early", P, i % 2 ? SRC_B : SRC_A, tf_integer(10), NULL);
    tf_assert(f->db, f->admin, "early", P, SRC_A, tf_integer(10), NULL);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tf_agent(f->db, f->k[i], 0).evidence, 0);

    /* Five editors granted, one revoked: with the admin, five established. */
    for (int i = 0; i < 5; i++)
        set_role(f, i, "editor");
    set_role(f, 4, "");
    set_role(f, 4, "none");
    tf_assert_rebuild_identical(f->db);
    for (int i = 0; i < 4; i++)
        tf_assert(f->db, f->k[i], "roles", P, i % 2 ? SRC_B : SRC_A, tf_integer(10), NULL);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tf_agent(f->db, f->k[i], 0).evidence, 0);
    /* The fifth established agent settles the key: everyone on it is scored. */
    tf_assert(f->db, f->admin, "roles", P, SRC_A, tf_integer(10), NULL);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tf_agent(f->db, f->k[i], 0).evidence, 1);
    /* The revoked agent does not count: a key it would complete stays open. */
    set_role(f, 0, "none");
    for (int i = 1; i < 5; i++)
        tf_assert(f->db, f->k[i], "late", P, i % 2 ? SRC_B : SRC_A, tf_integer(7), NULL);
    assert_int_equal(tf_agent(f->db, f->k[4], 0).evidence, 0);
    tf_assert_rebuild_identical(f->db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_settles_and_scores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_equality, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsettled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strangers_cannot_settle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrivals_and_votes_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gold_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crowded_key_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_established_by_roles, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
