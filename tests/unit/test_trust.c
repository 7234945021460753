/* SPDX-License-Identifier: MIT */
/*
 * test_trust.c -- learned trust (docs/trust.md): the Beta update against hand-computed values,
 * evidence from assertions on keys with gold, the scoring of existing assertions and votes
 * when a gold standard arrives (once per agent, key and gold event), vote evidence only when
 * the standing vote changes, value equality (percentages, types), trust at any log position,
 * source reliability discounted by the reporting agent's trust, roles, and the public reads.
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

#define P "incidence"

typedef struct fixture {
    char *dir;
    steme_db *db;
    steme_keypair *admin;
    steme_keypair *k[8];
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->dir = fx_tmpdir();
    f->admin = fx_key(1);
    for (int i = 0; i < 8; i++)
        f->k[i] = fx_key((uint8_t)(20 + i));
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
    for (int i = 0; i < 8; i++)
        steme_keypair_free(f->k[i]);
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

static void
assert_ab(const steme_agent_info *a, double alpha, double beta)
{
    if (fabs(a->alpha - alpha) > 1e-12 || fabs(a->beta - beta) > 1e-12)
        fail_msg("alpha %.15g beta %.15g, want %.15g %.15g", a->alpha, a->beta, alpha, beta);
    assert_true(fabs(a->trust - alpha / (alpha + beta)) < 1e-12);
}

/* ---------------------------------------------------------------------------------------------
 * The update rule
 */

static void
test_formula(void **state)
{
    fixture *f = *state;
    steme_agent_info a;

    assert_true(steme__trust_mean(2, 1) == 2.0 / 3.0);
    assert_true(steme__trust_mean(0, 0) == 0.5);

    /* Never seen: the prior Beta(1,1), trust 0.5, zero counts. */
    a = tf_agent(f->db, f->k[0], 0);
    assert_ab(&a, 1, 1);
    assert_true(a.trust == 0.5);
    assert_int_equal(a.evidence, 0);
    assert_int_equal(a.assertions, 0);
    assert_int_equal(a.role, STEME_ROLE_NONE);

    tf_gold(f->db, f->admin, "s:1", P, tf_integer(10));
    tf_gold(f->db, f->admin, "s:2", P, tf_integer(20));
    tf_gold(f->db, f->admin, "s:3", P, tf_integer(30));

    /* Agree: alpha = 1 + 0.98 (1 - 1) + 1 = 2, beta = 1: trust 2/3. */
    tf_assert(f->db, f->k[0], "s:1", P, "src", tf_integer(10), NULL);
    a = tf_agent(f->db, f->k[0], 0);
    assert_ab(&a, 2, 1);
    assert_int_equal(a.evidence, 1);
    assert_int_equal(a.assertions, 1);

    /* Disagree: alpha = 1 + 0.98 (2 - 1) = 1.98, beta = 1 + 0.98 (1 - 1) + 1 = 2. */
    tf_assert(f->db, f->k[0], "s:2", P, "src", tf_integer(21), NULL);
    a = tf_agent(f->db, f->k[0], 0);
    assert_ab(&a, 1.98, 2);
    assert_true(fabs(a.trust - 1.98 / 3.98) < 1e-15);

    /* Agree again: alpha = 1 + 0.98 * 0.98 + 1 = 2.9604, beta = 1 + 0.98 = 1.98. */
    tf_assert(f->db, f->k[0], "s:3", P, "src", tf_integer(30), NULL);
    a = tf_agent(f->db, f->k[0], 0);
    assert_ab(&a, 2.9604, 1.98);
    assert_int_equal(a.evidence, 3);

    /* A key without gold is no evidence. */
    tf_assert(f->db, f->k[0], "s:none", P, "src", tf_integer(1), NULL);
    assert_int_equal(tf_agent(f->db, f->k[0], 0).evidence, 3);
    tf_assert_rebuild_identical(f->db);
}

/* Long runs against the closed forms of docs/trust.md. */
static void
test_closed_forms(void **state)
{
    fixture *f = *state;
    char subject[32];

    for (int i = 0; i < 30; i++) {
        snprintf(subject, sizeof(subject), "s:%d", i);
        tf_gold(f->db, f->admin, subject, P, tf_integer(i));
        tf_assert(f->db, f->k[0], subject, P, "src", tf_integer(i + 1), NULL); /* wrong */
        tf_assert(f->db, f->k[1], subject, P, "src", tf_integer(i), NULL);     /* right */
    }
    /* n disagreements: alpha = 1, beta = 1 + (1 - 0.98^n) / 0.02. */
    double d = (1 - pow(0.98, 30)) / 0.02;
    steme_agent_info a = tf_agent(f->db, f->k[0], 0);
    assert_ab(&a, 1, 1 + d);
    a = tf_agent(f->db, f->k[1], 0);
    assert_ab(&a, 1 + d, 1);
}

/* ---------------------------------------------------------------------------------------------
 * Gold events
 */

static steme_record
retract_rec(const steme_keypair *kp, const steme_id *target)
{
    steme_record rec;
    fx_event(&rec, kp, STEME_EVENT_ASSERTION_RETRACT);
    rec.event.at = tf_time();
    rec.event.target = *target;
    return rec;
}

static void
test_gold_scores_existing(void **state)
{
    fixture *f = *state;
    steme_keypair **k = f->k;
    steme_id right, wrong, withdrawn;
    steme_agent_info a;

    /* Before any gold: claims and votes are no evidence yet. */
    tf_assert(f->db, k[0], "drug:a", P, "src:a", tf_number(3.5, "%"), &right);
    tf_assert(f->db, k[0], "drug:a", P, "src:a", tf_number(3.5, "%"), NULL); /* same again */
    tf_assert(f->db, k[1], "drug:a", P, "src:b", tf_number(12, "%"), &wrong);
    tf_assert(f->db, k[6], "drug:a", P, "src:b", tf_number(99, "%"), &withdrawn);
    steme_record rec = retract_rec(k[6], &withdrawn);
    tf_store(f->db, &rec, k[6], NULL);
    tf_vote(f->db, k[2], &right, +1); /* agrees with the gold to come */
    tf_vote(f->db, k[3], &right, -1); /* disagrees */
    tf_vote(f->db, k[4], &wrong, +1); /* disagrees */
    tf_vote(f->db, k[5], &wrong, -1); /* agrees */
    tf_vote(f->db, k[5], &right, +1); /* agrees again on the same key: not counted twice */
    tf_vote(f->db, k[1], &right, +1); /* k[1] is scored by its own claim first */
    for (int i = 0; i < 7; i++)
        assert_int_equal(tf_agent(f->db, k[i], 0).evidence, 0);

    uint64_t gold = tf_gold(f->db, f->admin, "drug:a", P, tf_number(0.035, ""));

    a = tf_agent(f->db, k[0], 0);
    assert_ab(&a, 2, 1);
    assert_int_equal(a.evidence, 1); /* two claims on the key, one observation */
    a = tf_agent(f->db, k[1], 0);
    assert_ab(&a, 1, 2);
    assert_int_equal(a.evidence, 1);
    a = tf_agent(f->db, k[2], 0);
    assert_ab(&a, 2, 1);
    a = tf_agent(f->db, k[3], 0);
    assert_ab(&a, 1, 2);
    a = tf_agent(f->db, k[4], 0);
    assert_ab(&a, 1, 2);
    a = tf_agent(f->db, k[5], 0);
    assert_ab(&a, 2, 1);
    assert_int_equal(a.evidence, 1);
    /* A claim its author retracted before the gold arrived is not held against it. */
    a = tf_agent(f->db, k[6], 0);
    assert_ab(&a, 1, 1);
    assert_int_equal(a.evidence, 0);

    /* Every observation is logged under the gold event. */
    assert_ab((a = tf_agent(f->db, k[3], gold), &a), 1, 2);
    assert_ab((a = tf_agent(f->db, k[3], gold - 1), &a), 1, 1);

    /* Later claims on the key by agents already scored are no new evidence either. */
    tf_assert(f->db, k[1], "drug:a", P, "src:b", tf_number(3.5, "%"), NULL);
    a = tf_agent(f->db, k[1], 0);
    assert_ab(&a, 1, 2);
    tf_assert_rebuild_identical(f->db);
}

static void
test_gold_replaced(void **state)
{
    fixture *f = *state;
    steme_keypair **k = f->k;
    steme_entry *e;
    steme_id id;
    steme_agent_info a;

    tf_assert(f->db, k[0], "drug:b", P, "src", tf_integer(5), &id);
    tf_vote(f->db, k[1], &id, +1);
    uint64_t g1 = tf_gold(f->db, f->admin, "drug:b", P, tf_integer(5));
    assert_ab((a = tf_agent(f->db, k[0], 0), &a), 2, 1);
    assert_ab((a = tf_agent(f->db, k[1], 0), &a), 2, 1);

    assert_int_equal(steme_db_gold(f->db, steme_str_c("drug:b"), steme_str_c(P), &e), STEME_OK);
    assert_int_equal(e->seq, g1);
    assert_int_equal(e->record.event.type, STEME_EVENT_GOLD_SET);
    assert_int_equal(e->record.event.value.integer, 5);
    steme_entry_free(e);

    /* The same value again changes nothing: the first event stays in force, nobody is scored
     * twice for it. */
    tf_gold(f->db, f->admin, "drug:b", P, tf_integer(5));
    assert_ab((a = tf_agent(f->db, k[0], 0), &a), 2, 1);
    assert_int_equal(steme_db_gold(f->db, steme_str_c("drug:b"), steme_str_c(P), &e), STEME_OK);
    assert_int_equal(e->seq, g1);
    steme_entry_free(e);

    /* A corrected value replaces it and everything on the key is scored again; the earlier
     * evidence is not taken back, it decays: alpha = 1 + 0.98 * 1, beta = 1 + 1. */
    uint64_t g2 = tf_gold(f->db, f->admin, "drug:b", P, tf_integer(6));
    assert_int_equal(steme_db_gold(f->db, steme_str_c("drug:b"), steme_str_c(P), &e), STEME_OK);
    assert_int_equal(e->seq, g2);
    assert_int_equal(e->record.event.value.integer, 6);
    steme_entry_free(e);
    a = tf_agent(f->db, k[0], 0);
    assert_ab(&a, 1.98, 2);
    assert_int_equal(a.evidence, 2);
    assert_ab((a = tf_agent(f->db, k[1], 0), &a), 1.98, 2);

    /* No gold on other keys; bad arguments. */
    assert_int_equal(steme_db_gold(f->db, steme_str_c("drug:c"), steme_str_c(P), &e),
                     STEME_ENOTFOUND);
    assert_int_equal(steme_db_gold(f->db, steme_str_c("drug:b"), steme_str_c("other"), &e),
                     STEME_ENOTFOUND);
    assert_int_equal(steme_db_gold(NULL, steme_str_c("drug:b"), steme_str_c(P), &e), STEME_EINVAL);
    assert_int_equal(steme_db_gold(f->db, steme_str_c("drug:b"), steme_str_c(P), NULL),
                     STEME_EINVAL);
    tf_assert_rebuild_identical(f->db);
}

static void
test_gold_needs_admin(void **state)
{
    fixture *f = *state;
    steme_record rec;
    steme_entry *e;

    fx_event(&rec, f->k[0], STEME_EVENT_GOLD_SET);
    rec.event.subject = steme_str_c("drug:x");
    rec.event.predicate = steme_str_c(P);
    steme_ingest_result res = tf_ingest(f->db, &rec, f->k[0]);
    assert_int_equal(res.err, STEME_EINVAL);
    assert_string_equal(res.info.field, "agent");
    assert_int_equal(steme_db_gold(f->db, steme_str_c("drug:x"), steme_str_c(P), &e),
                     STEME_ENOTFOUND);
    /* A refusal by the rules counts against the agent. */
    assert_int_equal(tf_agent(f->db, f->k[0], 0).rejections, 1);
}

/* ---------------------------------------------------------------------------------------------
 * Votes
 */

static void
test_vote_evidence_on_change(void **state)
{
    fixture *f = *state;
    steme_keypair **k = f->k;
    steme_id x, y, z, nogold;
    steme_agent_info a;

    tf_gold(f->db, f->admin, "s:1", P, tf_integer(1));
    tf_gold(f->db, f->admin, "s:2", P, tf_integer(2));
    tf_assert(f->db, k[0], "s:1", P, "src", tf_integer(1), &x);
    tf_assert(f->db, k[1], "s:1", P, "src", tf_integer(7), &y);
    tf_assert(f->db, k[0], "s:2", P, "src", tf_integer(9), &z);
    tf_assert(f->db, k[0], "s:3", P, "src", tf_integer(9), &nogold);

    tf_vote(f->db, k[2], &x, +1);
    a = tf_agent(f->db, k[2], 0);
    assert_ab(&a, 2, 1);
    assert_int_equal(a.evidence, 1);

    /* The same standing vote again (a new record: another time) is no new evidence. */
    tf_vote(f->db, k[2], &x, +1);
    assert_int_equal(tf_agent(f->db, k[2], 0).evidence, 1);
    /* Nor is a change of mind on a key it was already scored on, nor a vote on another
     * assertion of that key: one observation per agent, key and gold event. */
    tf_vote(f->db, k[2], &x, -1);
    tf_vote(f->db, k[2], &y, -1);
    a = tf_agent(f->db, k[2], 0);
    assert_ab(&a, 2, 1);
    assert_int_equal(a.evidence, 1);
    assert_int_equal(a.votes, 4);

    /* A vote on another gold key counts: up-voting a wrong value is a disagreement. */
    tf_vote(f->db, k[2], &z, +1);
    a = tf_agent(f->db, k[2], 0);
    assert_ab(&a, 1.98, 2);
    assert_int_equal(a.evidence, 2);

    /* No gold, no evidence. */
    tf_vote(f->db, k[3], &nogold, -1);
    assert_int_equal(tf_agent(f->db, k[3], 0).evidence, 0);

    /* A first vote that is a down-vote on a wrong value agrees. */
    tf_vote(f->db, k[4], &y, -1);
    assert_ab((a = tf_agent(f->db, k[4], 0), &a), 2, 1);
    tf_assert_rebuild_identical(f->db);
}

/* ---------------------------------------------------------------------------------------------
 * Value equality
 */

static void
test_value_equality(void **state)
{
    fixture *f = *state;
    steme_keypair **k = f->k;
    steme_value s1 = {.type = STEME_VALUE_STRING, .str = steme_str_c("myalgia")};
    steme_value s2 = {.type = STEME_VALUE_STRING, .str = steme_str_c("Myalgia")};
    steme_value b1 = {.type = STEME_VALUE_BOOLEAN, .boolean = true};
    steme_value r1 = {.type = STEME_VALUE_REF, .str = steme_str_c("drug:atorvastatin")};

    tf_gold(f->db, f->admin, "n:pct", P, tf_number(3.5, "%"));
    tf_gold(f->db, f->admin, "n:tiny", P, tf_number(0.007, ""));
    tf_gold(f->db, f->admin, "n:mg", P, tf_number(40, "mg"));
    tf_gold(f->db, f->admin, "n:int", P, tf_integer(3));
    tf_gold(f->db, f->admin, "n:str", P, s1);
    tf_gold(f->db, f->admin, "n:bool", P, b1);
    tf_gold(f->db, f->admin, "n:ref", P, r1);

    struct {
        const char *subject;
        steme_value v;
        bool equal;
    } cases[] = {
        {"n:pct", tf_number(0.035, ""), true}, /* a percentage is a fraction */
        {"n:pct", tf_number(3.5, "%"), true},
        {"n:pct", tf_number(3.6, "%"), false},
        {"n:pct", tf_number(3.5, ""), false},
        {"n:tiny", tf_number(0.7, "%"), true}, /* 0.7 / 100 is not the double 0.007 */
        {"n:tiny", tf_number(0.0070000001, ""), false},
        {"n:mg", tf_number(40, "mg"), true},
        {"n:mg", tf_number(40, "MG"), false}, /* units as written, no conversion */
        {"n:mg", tf_number(40, ""), false},
        {"n:int", tf_integer(3), true},
        {"n:int", tf_number(3, ""), false}, /* another type */
        {"n:str", s1, true},
        {"n:str", s2, false},
        {"n:bool", b1, true},
        {"n:ref", r1, true},
        {"n:ref", s1, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        steme_keypair *kp = fx_key((uint8_t)(100 + i));
        tf_assert(f->db, kp, cases[i].subject, P, "src", cases[i].v, NULL);
        steme_agent_info a = tf_agent(f->db, kp, 0);
        if (cases[i].equal)
            assert_ab(&a, 2, 1);
        else
            assert_ab(&a, 1, 2);
        steme_keypair_free(kp);
    }
    (void)k;
}

/* ---------------------------------------------------------------------------------------------
 * Reproducibility
 */

static void
test_as_of(void **state)
{
    fixture *f = *state;
    steme_keypair **k = f->k;
    uint64_t seqs[12];
    steme_agent_info then[12];
    char subject[32];

    for (int i = 0; i < 12; i++) {
        snprintf(subject, sizeof(subject), "s:%d", i);
        tf_gold(f->db, f->admin, subject, P, tf_integer(i));
        /* Right, wrong, right, right, wrong, ... and unrelated records in between. */
        seqs[i] = tf_assert(f->db, k[0], subject, P, "src", tf_integer(i % 3 == 1 ? -1 : i), NULL);
        tf_assert(f->db, k[1], subject, P, "src", tf_integer(i), NULL);
        then[i] = tf_agent(f->db, k[0], 0);
    }
    /* Before its first observation: the prior. */
    steme_agent_info a = tf_agent(f->db, k[0], seqs[0] - 1);
    assert_ab(&a, 1, 1);
    for (int i = 0; i < 12; i++) {
        /* At the record, and just after it (another agent's record): bit for bit. */
        for (uint64_t d = 0; d < 2; d++) {
            a = tf_agent(f->db, k[0], seqs[i] + d);
            assert_memory_equal(&a.alpha, &then[i].alpha, sizeof(double));
            assert_memory_equal(&a.beta, &then[i].beta, sizeof(double));
            assert_memory_equal(&a.trust, &then[i].trust, sizeof(double));
        }
    }
    /* Far in the future: the latest. */
    a = tf_agent(f->db, k[0], 1000000);
    assert_memory_equal(&a.alpha, &then[11].alpha, sizeof(double));

    /* After a rebuild, the same history. */
    tf_assert_rebuild_identical(f->db);
    for (int i = 0; i < 12; i++) {
        a = tf_agent(f->db, k[0], seqs[i]);
        assert_memory_equal(&a.alpha, &then[i].alpha, sizeof(double));
        assert_memory_equal(&a.beta, &then[i].beta, sizeof(double));
    }
}

/* ---------------------------------------------------------------------------------------------
 * Sources
 */

static double
reliability(steme_db *db, const char *id)
{
    steme_source_info s;
    assert_int_equal(steme_db_source(db, steme_str_c(id), &s), STEME_OK);
    return s.reliability;
}

static void
test_source_reliability(void **state)
{
    fixture *f = *state;
    steme_keypair **k = f->k;
    steme_record rec;

    fx_event(&rec, f->admin, STEME_EVENT_SOURCE_REGISTER);
    rec.event.at = tf_time();
    rec.event.source = steme_str_c("fda:label");
    tf_store(f->db, &rec, f->admin, NULL);
    assert_true(reliability(f->db, "fda:label") == 0.5);

    tf_gold(f->db, f->admin, "s:1", P, tf_integer(1));
    tf_gold(f->db, f->admin, "s:2", P, tf_integer(2));
    tf_gold(f->db, f->admin, "s:3", P, tf_integer(3));

    /* A newcomer (trust 0.5) reports the source correctly: weight 0.5, so 1.5 / 2.5. */
    tf_assert(f->db, k[0], "s:1", P, "fda:label", tf_integer(1), NULL);
    assert_true(fabs(reliability(f->db, "fda:label") - 0.6) < 1e-12);

    /* An agent whose trust fell below the threshold is quarantined, and its report of what
     * the source says does not count at all. */
    tf_assert(f->db, k[1], "s:1", P, "blog:x", tf_integer(9), NULL);
    tf_assert(f->db, k[1], "s:2", P, "blog:x", tf_integer(9), NULL);
    double blog = reliability(f->db, "blog:x");
    steme_id held;
    tf_assert(f->db, k[1], "s:3", P, "fda:label", tf_integer(0), &held);
    assert_int_equal(tf_state(f->db, &held).stage, STEME_STAGE_QUARANTINED);
    assert_true(fabs(reliability(f->db, "fda:label") - 0.6) < 1e-12);

    /* The unregistered blog was reported wrong twice, by an agent at 0.5 then 1/3:
     * beta = 1 + 0.98 * 0.5 + 1/3. */
    assert_true(fabs(blog - 1.0 / (1.0 + 1.0 + 0.98 * 0.5 + 1.0 / 3.0)) < 1e-12);

    /* Scoring at gold time weighs by the author's trust then. */
    tf_assert(f->db, k[2], "s:4", P, "paper:p", tf_integer(4), NULL);
    tf_gold(f->db, f->admin, "s:4", P, tf_integer(4));
    assert_true(fabs(reliability(f->db, "paper:p") - 1.5 / 2.5) < 1e-12);
    tf_assert_rebuild_identical(f->db);
}

/* ---------------------------------------------------------------------------------------------
 * Roles and the public reads
 */

static void
test_roles_not_quarantined_for_trust(void **state)
{
    fixture *f = *state;
    steme_keypair **k = f->k;
    steme_record rec;
    steme_id id;

    fx_event(&rec, f->admin, STEME_EVENT_AGENT_PROFILE);
    rec.event.at = tf_time();
    rec.event.target_agent = fx_pub(k[0]);
    rec.event.display_name = steme_str_c("Editor");
    rec.event.role = steme_str_c("editor");
    tf_store(f->db, &rec, f->admin, NULL);

    tf_gold(f->db, f->admin, "s:1", P, tf_integer(1));
    tf_gold(f->db, f->admin, "s:2", P, tf_integer(2));
    for (int i = 0; i < 2; i++) {
        tf_assert(f->db, k[0], i ? "s:2" : "s:1", P, "src", tf_integer(0), NULL);
        tf_assert(f->db, k[1], i ? "s:2" : "s:1", P, "src", tf_integer(0), NULL);
    }
    assert_true(tf_agent(f->db, k[0], 0).trust < STEME__QUARANTINE_THRESHOLD);
    assert_int_equal(tf_agent(f->db, k[0], 0).role, STEME_ROLE_EDITOR);
    tf_assert(f->db, k[0], "s:9", P, "src", tf_integer(0), &id);
    assert_int_equal(tf_state(f->db, &id).stage, STEME_STAGE_ACTIVE);
    tf_assert(f->db, k[1], "s:9", P, "src", tf_integer(0), &id);
    assert_int_equal(tf_state(f->db, &id).stage, STEME_STAGE_QUARANTINED);
    assert_int_equal(tf_state(f->db, &id).quarantine_reason, STEME_QUARANTINE_LOW_TRUST);

    /* The genesis admin has its role without a profile. */
    assert_int_equal(tf_agent(f->db, f->admin, 0).role, STEME_ROLE_ADMIN);
}

typedef struct seen {
    int n;
    int found;
    steme_pubkey want;
    steme_agent_info info;
} seen;

static int
count_agent(const steme_agent_info *a, void *ctx)
{
    seen *s = ctx;
    s->n++;
    if (memcmp(a->key.b, s->want.b, STEME_PUBKEY_SIZE) == 0) {
        s->found = 1;
        s->info = *a;
    }
    return 0;
}

static int
stop_agent(const steme_agent_info *a, void *ctx)
{
    (void)a;
    ++*(int *)ctx;
    return 1;
}

static void
test_agents(void **state)
{
    fixture *f = *state;
    steme_keypair **k = f->k;
    steme_id id;
    int calls = 0;

    tf_gold(f->db, f->admin, "s:1", P, tf_integer(1));
    tf_assert(f->db, k[0], "s:1", P, "src", tf_integer(1), &id);
    tf_vote(f->db, k[1], &id, +1);
    tf_vote(f->db, k[2], &id, -1);

    seen s = {.want = fx_pub(k[2])};
    assert_int_equal(steme_db_agents(f->db, count_agent, &s), STEME_OK);
    assert_int_equal(s.n, 4); /* the admin and three agents */
    assert_true(s.found);
    assert_int_equal(s.info.votes, 1);
    assert_int_equal(s.info.evidence, 1);
    assert_true(fabs(s.info.trust - 1.0 / 3.0) < 1e-12);

    assert_int_equal(steme_db_agents(f->db, stop_agent, &calls), STEME_OK);
    assert_int_equal(calls, 1);

    steme_agent_info a;
    steme_pubkey pk = fx_pub(k[0]);
    assert_int_equal(steme_db_agents(NULL, count_agent, &s), STEME_EINVAL);
    assert_int_equal(steme_db_agents(f->db, NULL, &s), STEME_EINVAL);
    assert_int_equal(steme_db_agent(NULL, &pk, 0, &a), STEME_EINVAL);
    assert_int_equal(steme_db_agent(f->db, NULL, 0, &a), STEME_EINVAL);
    assert_int_equal(steme_db_agent(f->db, &pk, 0, NULL), STEME_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_formula, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gold_scores_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gold_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gold_needs_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vote_evidence_on_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_equality, setup, teardown),
        cmocka_unit_test_setup_teardown(test_as_of, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_reliability, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_not_quarantined_for_trust, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agents, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
