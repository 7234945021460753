/* SPDX-License-Identifier: MIT */
/*
 * test_truth.c -- the truth-discovery estimator (src/engine/truth.c, docs/truth.md) on small
 * synthetic claim tables: reliable sources learn a higher reliability than unreliable ones and
 * carry the truth where the majority is wrong; permuted and repeated input gives bit-identical
 * output; one source, one key, ties, empty input, implication, bad input and allocation
 * failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "truth.h"

#define ONE STEME_CONFIDENCE_ONE

/* Sources 0..2 are reliable, 3..6 unreliable. Keys 0..11 are easy: the reliable sources agree
 * and each unreliable one says a value of its own. Keys 12..15 are traps: the four unreliable
 * sources agree on one wrong value, a majority over the three reliable ones. Value of key k:
 * 8k is the truth, 8k + 1 the trap's wrong value, 8k + 2 + u an unreliable source's own. */
#define N_RELIABLE 3
#define N_SOURCES  7
#define N_KEYS     16
#define N_EASY     12
#define N_VALUES   (8 * N_KEYS)

typedef struct table {
    steme__truth_claim c[N_KEYS * N_SOURCES * 2];
    size_t n;
} table;

typedef struct output {
    double reliability[N_SOURCES];
    double weight[N_SOURCES];
    double confidence[N_VALUES];
    steme__truth_out out;
} output;

static void
add(table *t, uint32_t key, uint32_t source, uint32_t value)
{
    t->c[t->n++] = (steme__truth_claim){key, source, value, ONE};
}

static void
build(table *t)
{
    t->n = 0;
    for (uint32_t k = 0; k < N_KEYS; k++)
        for (uint32_t s = 0; s < N_SOURCES; s++) {
            bool reliable = s < N_RELIABLE;
            uint32_t v = reliable ? 8 * k : k >= N_EASY ? 8 * k + 1 : 8 * k + 2 + (s - 3);
            add(t, k, s, v);
        }
}

static steme_err
run(const steme__truth_params *p, const table *t, size_t n_sources, size_t n_values, output *o)
{
    memset(o, 0, sizeof *o);
    o->out.reliability = o->reliability;
    o->out.weight = o->weight;
    o->out.confidence = o->confidence;
    return steme__truth_run(p, t->c, t->n, n_sources, n_values, &o->out);
}

static void
test_reliable_sources_beat_the_majority(void **state)
{
    (void)state;
    static table t;
    static output o;
    steme__truth_params p;
    steme__truth_params_init(&p);
    build(&t);
    assert_int_equal(run(&p, &t, N_SOURCES, N_VALUES, &o), STEME_OK);
    assert_true(o.out.iterations >= 1 && o.out.iterations <= p.max_iterations);
    double worst_reliable = 1, best_unreliable = 0;
    for (size_t s = 0; s < N_SOURCES; s++) {
        assert_true(o.reliability[s] >= 0 && o.reliability[s] <= 1);
        assert_true(o.weight[s] >= 0 && o.weight[s] <= 1);
        if (s < N_RELIABLE)
            worst_reliable = o.reliability[s] < worst_reliable ? o.reliability[s] : worst_reliable;
        else
            best_unreliable =
                o.reliability[s] > best_unreliable ? o.reliability[s] : best_unreliable;
    }
    assert_true(worst_reliable > best_unreliable);
    /* On the traps four sources say 8k + 1 and three say 8k: the three win. */
    for (uint32_t k = N_EASY; k < N_KEYS; k++)
        assert_true(o.confidence[8 * k] > o.confidence[8 * k + 1]);
    for (uint32_t k = 0; k < N_EASY; k++)
        assert_true(o.confidence[8 * k] > o.confidence[8 * k + 2]);
    /* Values nobody claims have confidence 0. */
    assert_true(o.confidence[8 * 0 + 1] == 0);
}

/* A fixed shuffle: the output must not depend on the input order, nor on repetition. */
static void
test_permutation_and_repetition(void **state)
{
    (void)state;
    static table t, u;
    static output a, b;
    steme__truth_params p;
    steme__truth_params_init(&p);
    build(&t);
    assert_int_equal(run(&p, &t, N_SOURCES, N_VALUES, &a), STEME_OK);
    u = t;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = u.n - 1; i > 0; i--) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        size_t j = (size_t)(x >> 33) % (i + 1);
        steme__truth_claim tmp = u.c[i];
        u.c[i] = u.c[j];
        u.c[j] = tmp;
    }
    assert_int_equal(run(&p, &u, N_SOURCES, N_VALUES, &b), STEME_OK);
    assert_memory_equal(a.reliability, b.reliability, sizeof a.reliability);
    assert_memory_equal(a.weight, b.weight, sizeof a.weight);
    assert_memory_equal(a.confidence, b.confidence, sizeof a.confidence);
    assert_int_equal(a.out.iterations, b.out.iterations);

    /* Every claim twice, the copy at a lower confidence: it counts once, at its highest. */
    size_t n = u.n;
    for (size_t i = 0; i < n; i++) {
        u.c[u.n] = u.c[i];
        u.c[u.n++].confidence = ONE / 2;
    }
    assert_int_equal(run(&p, &u, N_SOURCES, N_VALUES, &b), STEME_OK);
    assert_memory_equal(a.reliability, b.reliability, sizeof a.reliability);
    assert_memory_equal(a.confidence, b.confidence, sizeof a.confidence);
}

static void
test_edges(void **state)
{
    (void)state;
    static table t;
    static output o;
    steme__truth_params p;
    steme__truth_params_init(&p);

    /* No claims: every source keeps t0, and that is a fixed point at once. */
    t.n = 0;
    assert_int_equal(run(&p, &t, 2, 0, &o), STEME_OK);
    assert_true(o.reliability[0] == p.initial_trust && o.reliability[1] == p.initial_trust);
    assert_true(o.out.converged);

    /* One source, one key: its one value is believed and the source is as reliable as that. */
    add(&t, 0, 0, 0);
    assert_int_equal(run(&p, &t, 1, 1, &o), STEME_OK);
    assert_true(o.confidence[0] > 0.5);
    assert_true(o.reliability[0] == o.confidence[0]);

    /* A tie: two sources, one key, two values. Neither value nor source is preferred. */
    add(&t, 0, 1, 1);
    assert_int_equal(run(&p, &t, 2, 2, &o), STEME_OK);
    assert_true(o.confidence[0] == o.confidence[1]);
    assert_true(o.reliability[0] == o.reliability[1]);

    /* A source whose only claim has confidence 0 told nothing: it keeps t0. */
    t.n = 0;
    add(&t, 0, 0, 0);
    t.c[0].confidence = 0;
    assert_int_equal(run(&p, &t, 1, 1, &o), STEME_OK);
    assert_true(o.reliability[0] == p.initial_trust);
}

/* Implication: a value that another value implies gains confidence from it. */
static double
partial_supports_full(uint32_t from, uint32_t to, void *ctx)
{
    (void)ctx;
    return from == 1 && to == 0 ? 0.5 : 0;
}

static void
test_implication(void **state)
{
    (void)state;
    static table t;
    static output plain, with;
    steme__truth_params p;
    steme__truth_params_init(&p);
    t.n = 0;
    add(&t, 0, 0, 0); /* value 0: the full list, one source */
    add(&t, 0, 1, 1); /* value 1: a part of it, two sources */
    add(&t, 0, 2, 1);
    assert_int_equal(run(&p, &t, 3, 2, &plain), STEME_OK);
    p.imp = partial_supports_full;
    assert_int_equal(run(&p, &t, 3, 2, &with), STEME_OK);
    assert_true(with.confidence[0] > plain.confidence[0]);
    assert_true(with.reliability[0] > plain.reliability[0]);
}

static void
test_bad_input(void **state)
{
    (void)state;
    static table t;
    static output o;
    steme__truth_params p;
    steme__truth_params_init(&p);
    t.n = 0;
    add(&t, 0, 0, 0);
    assert_int_equal(run(&p, &t, 0, 1, &o), STEME_EINVAL); /* source out of range */
    assert_int_equal(run(&p, &t, 1, 0, &o), STEME_EINVAL); /* value out of range */
    t.c[0].confidence = ONE + 1;
    assert_int_equal(run(&p, &t, 1, 1, &o), STEME_EINVAL);
    t.c[0].confidence = ONE;
    add(&t, 1, 0, 0); /* value 0 under keys 0 and 1 */
    assert_int_equal(run(&p, &t, 1, 1, &o), STEME_EINVAL);
    t.n = 1;
    p.initial_trust = 1;
    assert_int_equal(run(&p, &t, 1, 1, &o), STEME_EINVAL);
    steme__truth_params_init(&p);
    p.dampening = 0;
    assert_int_equal(run(&p, &t, 1, 1, &o), STEME_EINVAL);
    steme__truth_params_init(&p);
    p.trust_cap = 1;
    assert_int_equal(run(&p, &t, 1, 1, &o), STEME_EINVAL);
}

static void
test_allocation_failure(void **state)
{
    (void)state;
    static table t;
    static output o;
    steme__truth_params p;
    steme__truth_params_init(&p);
    build(&t);
    for (uint64_t nth = 1; nth <= 2; nth++) {
        steme__alloc_fail_at(nth);
        assert_int_equal(run(&p, &t, N_SOURCES, N_VALUES, &o), STEME_ENOMEM);
        steme__alloc_fail_at(0);
    }
    assert_int_equal(run(&p, &t, N_SOURCES, N_VALUES, &o), STEME_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reliable_sources_beat_the_majority),
        cmocka_unit_test(test_permutation_and_repetition),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_implication),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
