/* SPDX-License-Identifier: MIT */
/*
 * test_troll.c -- the scripted scenario of issue 3 (docs/trust.md, "How a troll falls"):
 *
 *  1. an admin sets 50 gold standards;
 *  2. an honest agent asserts the gold values and two more honest agents up-vote them;
 *  3. a troll votes against the gold standard 50 times: it down-votes 40 honest assertions and
 *     up-votes 10 wrong ones, each on a different key;
 *  4. the troll's trust ends below STEME__QUARANTINE_THRESHOLD (0.30) -- in fact below it from
 *     its second vote on -- and every assertion it makes afterwards lands in quarantine with
 *     reason low_trust, listed by steme_db_quarantine; echoing a gold value it was already
 *     scored on earns it nothing;
 *  5. an honest newcomer makes two mistakes (trust 1/3, then 0.2513: below the threshold, so
 *     its next assertion is quarantined), then correct claims lift it to 0.405 and its next
 *     assertion is active;
 *  6. the whole run rebuilds from the log byte for byte, with the same trust values.
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

#define KEYS      50
#define PREDICATE "adverse_event.myalgia.incidence"

/* The gold value of key i, a percentage. */
static double
gold_of(int i)
{
    return 1.5 + i;
}

static const char *
subject_of(int i, char buf[32])
{
    snprintf(buf, 32, "drug:d%02d", i);
    return buf;
}

static void
assert_trust(const steme_agent_info *a, double alpha, double beta)
{
    assert_true(fabs(a->alpha - alpha) < 1e-12);
    assert_true(fabs(a->beta - beta) < 1e-12);
    assert_true(fabs(a->trust - alpha / (alpha + beta)) < 1e-12);
}

static void
test_troll_scenario(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_keypair *admin = fx_key(1), *honest = fx_key(10), *peer1 = fx_key(11),
                  *peer2 = fx_key(12), *sock = fx_key(13), *troll = fx_key(66),
                  *newcomer = fx_key(70);
    steme_db *db = tf_open(dir, admin, NULL);
    steme_id good[KEYS], bad[KEYS];
    uint64_t troll_seq[KEYS];
    char subject[32];
    double a, b;
    int listed;

    /* 1. Gold standards. */
    for (int i = 0; i < KEYS; i++)
        tf_gold(db, admin, subject_of(i, subject), PREDICATE, tf_number(gold_of(i), "%"));

    /* 2. Honest claims (as fractions: 1.5 % is 0.015) and agreement with them. */
    for (int i = 0; i < KEYS; i++) {
        tf_assert(db, honest, subject_of(i, subject), PREDICATE, "fda:label",
                  tf_number(gold_of(i) / 100, ""), &good[i]);
        tf_vote(db, peer1, &good[i], +1);
        tf_vote(db, peer2, &good[i], +1);
    }
    /* Wrong claims on the last ten keys, by a sock puppet, for the troll to endorse. */
    for (int i = 40; i < KEYS; i++)
        tf_assert(db, sock, subject_of(i, subject), PREDICATE, "forum:x",
                  tf_number(gold_of(i) * 3, "%"), &bad[i]);

    a = b = 1.0;
    for (int i = 0; i < KEYS; i++)
        tf_observe(&a, &b, 1);
    steme_agent_info h = tf_agent(db, honest, 0);
    assert_trust(&h, a, b);
    assert_int_equal(h.evidence, KEYS);
    assert_true(h.trust > 0.95);
    steme_agent_info p1 = tf_agent(db, peer1, 0);
    assert_trust(&p1, a, b);

    /* 3. The troll votes against the gold standard 50 times. */
    for (int i = 0; i < KEYS; i++)
        troll_seq[i] = i < 40 ? tf_vote(db, troll, &good[i], -1) : tf_vote(db, troll, &bad[i], +1);

    /* 4. Its trust fell with every vote, below the threshold from the second one on. */
    a = b = 1.0;
    for (int i = 0; i < KEYS; i++) {
        tf_observe(&a, &b, 0);
        steme_agent_info t = tf_agent(db, troll, troll_seq[i]);
        assert_trust(&t, a, b);
        if (i == 0)
            assert_true(t.trust > STEME__QUARANTINE_THRESHOLD); /* 1/3 */
        else
            assert_true(t.trust < STEME__QUARANTINE_THRESHOLD);
    }
    steme_agent_info t = tf_agent(db, troll, 0);
    assert_trust(&t, a, b);
    assert_int_equal(t.evidence, KEYS);
    assert_int_equal(t.votes, KEYS);
    /* After n disagreements from Beta(1,1): 1 / (2 + (1 - 0.98^n) / 0.02); n = 50: 0.0296. */
    assert_true(fabs(t.trust - 1.0 / (2.0 + (1.0 - pow(0.98, 50)) / 0.02)) < 1e-12);
    assert_true(t.trust < 0.03);
    /* The honest assertions stand: three up-votes against one down-vote. */
    steme_state gs = tf_state(db, &good[0]);
    assert_int_equal(gs.stage, STEME_STAGE_ACTIVE);
    assert_int_equal(gs.up, 2);
    assert_int_equal(gs.down, 1);

    /* Its next assertions land in quarantine: a new key without gold... */
    steme_id q1, q2;
    size_t queued = tf_quarantine_count(db, NULL, NULL);
    tf_assert(db, troll, "drug:zz", PREDICATE, "forum:x", tf_number(40, "%"), &q1);
    steme_state qs = tf_state(db, &q1);
    assert_int_equal(qs.stage, STEME_STAGE_QUARANTINED);
    assert_int_equal(qs.quarantine_reason, STEME_QUARANTINE_LOW_TRUST);
    assert_true(qs.conditions & STEME_COND_QUARANTINED);
    assert_int_equal(tf_quarantine_count(db, &q1, &listed), queued + 1);
    assert_true(listed);
    /* ... and the gold value of a key it was already scored on: copying the published answer
     * is no evidence, so its trust does not move and the claim is held too. */
    tf_assert(db, troll, subject_of(0, subject), PREDICATE, "fda:label", tf_number(gold_of(0), "%"),
              &q2);
    assert_int_equal(tf_state(db, &q2).stage, STEME_STAGE_QUARANTINED);
    assert_int_equal(tf_state(db, &q2).quarantine_reason, STEME_QUARANTINE_LOW_TRUST);
    steme_agent_info t2 = tf_agent(db, troll, 0);
    assert_trust(&t2, a, b);
    assert_int_equal(t2.evidence, KEYS);
    assert_int_equal(t2.quarantined, 2);
    assert_int_equal(tf_quarantine_count(db, &q2, &listed), queued + 2);
    assert_true(listed);

    /* 5. The honest newcomer: two mistakes... */
    steme_id n[5];
    tf_assert(db, newcomer, subject_of(0, subject), PREDICATE, "paper:1",
              tf_number(gold_of(0) + 1, "%"), &n[0]);
    assert_int_equal(tf_state(db, &n[0]).stage, STEME_STAGE_ACTIVE); /* trust was 0.5 */
    assert_true(fabs(tf_agent(db, newcomer, 0).trust - 1.0 / 3.0) < 1e-12);
    tf_assert(db, newcomer, subject_of(1, subject), PREDICATE, "paper:1",
              tf_number(gold_of(1) + 1, "%"), &n[1]);
    assert_int_equal(tf_state(db, &n[1]).stage, STEME_STAGE_ACTIVE); /* trust was 1/3 */
    steme_agent_info nc = tf_agent(db, newcomer, 0);
    assert_trust(&nc, 1.0, 2.98);
    assert_true(nc.trust < STEME__QUARANTINE_THRESHOLD); /* 0.2513 */

    /* ... so its next claim, although correct, is held; being correct lifts it above. */
    tf_assert(db, newcomer, subject_of(2, subject), PREDICATE, "paper:1",
              tf_number(gold_of(2), "%"), &n[2]);
    assert_int_equal(tf_state(db, &n[2]).stage, STEME_STAGE_QUARANTINED);
    assert_int_equal(tf_state(db, &n[2]).quarantine_reason, STEME_QUARANTINE_LOW_TRUST);
    nc = tf_agent(db, newcomer, 0);
    assert_trust(&nc, 2.0, 1.0 + 0.98 * 1.98);
    assert_true(nc.trust > STEME__QUARANTINE_THRESHOLD); /* 0.405 */

    /* Its next assertion is active, and it keeps climbing. */
    tf_assert(db, newcomer, subject_of(3, subject), PREDICATE, "paper:1",
              tf_number(gold_of(3), "%"), &n[3]);
    assert_int_equal(tf_state(db, &n[3]).stage, STEME_STAGE_ACTIVE);
    tf_assert(db, newcomer, "drug:new", PREDICATE, "paper:1", tf_number(7, "%"), &n[4]);
    assert_int_equal(tf_state(db, &n[4]).stage, STEME_STAGE_ACTIVE);
    nc = tf_agent(db, newcomer, 0);
    assert_true(nc.trust > 0.5);
    assert_int_equal(nc.quarantined, 1);

    /* The troll stays down. */
    assert_true(tf_agent(db, troll, 0).trust < STEME__QUARANTINE_THRESHOLD);

    /* 6. Rebuilt from the log: the same bytes, so the same trust at every position. */
    tf_assert_rebuild_identical(db);
    t = tf_agent(db, troll, 0);
    assert_trust(&t, a, b);
    t = tf_agent(db, troll, troll_seq[1]);
    assert_trust(&t, 1.0, 2.98);
    assert_int_equal(tf_state(db, &q1).stage, STEME_STAGE_QUARANTINED);
    assert_int_equal(tf_state(db, &n[3]).stage, STEME_STAGE_ACTIVE);

    /* And after closing and reopening. */
    steme_db_close(db);
    db = tf_open(dir, admin, NULL);
    t = tf_agent(db, troll, 0);
    assert_trust(&t, a, b);
    tf_assert_rebuild_identical(db);

    steme_db_close(db);
    steme_keypair_free(admin);
    steme_keypair_free(honest);
    steme_keypair_free(peer1);
    steme_keypair_free(peer2);
    steme_keypair_free(sock);
    steme_keypair_free(troll);
    steme_keypair_free(newcomer);
    fx_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_troll_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
