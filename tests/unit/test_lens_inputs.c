/* SPDX-License-Identifier: MIT */
/*
 * test_lens_inputs.c -- the queries' cache of sources' attributes and authors' trust
 * (src/engine/lens_inputs.c): every hit is the entry put, nearly every entry put is kept
 * (probes are bounded, so a rare key past the bound is left to the store), absent keys and other
 * stamps miss, newer stamps empty it, and keys made to share one hash on purpose are cached a
 * bounded number of times without keeping the other keys out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "colliding_keys.h"
#include "fasthash.h"
#include "lens_inputs.h"
#include "xorshift.h"

static uint64_t rng = 0x2545f4914f6cdd1du;

/* Source id number i, 0 to 35 filler bytes after its number, so that both the short and the
 * word-at-a-time paths of the hash are taken. */
static size_t
source_id(char *buf, size_t i)
{
    int n = snprintf(buf, 24, "s%zu", i);
    size_t pad = i % 36;
    memset(buf + n, 'x', pad);
    return (size_t)n + pad;
}

static void
agent_key(steme_pubkey *pk, size_t i)
{
    memset(pk->b, 0, sizeof pk->b);
    memcpy(pk->b, &i, sizeof i);
    pk->b[31] = 0xa5;
}

static void
test_round_trip(void **state)
{
    (void)state;
    steme__linputs *c;
    steme__lstamps st = {.source = 3, .trust = 7}, other = {.source = 3, .trust = 8};
    char buf[64];
    steme_pubkey pk;
    const size_t n = 20000;

    assert_int_equal(steme__linputs_new(&c), STEME_OK);
    for (size_t i = 0; i < n; i++) {
        steme_str id = {buf, source_id(buf, i)};
        steme__linputs_source_put(c, &st, id, (steme_tier)(1 + i % 6), (uint32_t)i, (double)i / n);
        agent_key(&pk, i);
        steme__linputs_trust_put(c, &st, &pk, (double)i / 3);
    }

    steme__linputs_read_begin(c);
    size_t source_hits = 0, trust_hits = 0;
    for (size_t i = 0; i < n; i++) {
        steme_str id = {buf, source_id(buf, i)};
        steme_tier tier;
        uint32_t weight;
        double rel, trust;
        if (steme__linputs_source_get(c, &st, id, &tier, &weight, &rel)) {
            assert_int_equal(tier, 1 + i % 6);
            assert_int_equal(weight, i);
            assert_true(rel == (double)i / n);
            source_hits++;
        }
        assert_false(steme__linputs_source_get(c, &other, id, &tier, &weight, &rel));
        agent_key(&pk, i);
        if (steme__linputs_trust_get(c, &st, &pk, &trust)) {
            assert_true(trust == (double)i / 3);
            trust_hits++;
        }
    }
    /* at most half full, a key lands past 32 probes about once in a million */
    assert_true(source_hits >= n - n / 1000);
    assert_true(trust_hits >= n - n / 1000);

    /* keys never put miss, and an agent's key is not a source id */
    for (size_t i = n; i < n + 1000; i++) {
        steme_str id = {buf, source_id(buf, i)};
        steme_tier tier;
        uint32_t weight;
        double rel, trust;
        assert_false(steme__linputs_source_get(c, &st, id, &tier, &weight, &rel));
        agent_key(&pk, i);
        assert_false(steme__linputs_trust_get(c, &st, &pk, &trust));
        assert_false(steme__linputs_source_get(c, &st, (steme_str){(const char *)pk.b, 32}, &tier,
                                               &weight, &rel));
    }
    steme__linputs_read_end(c);
    steme__linputs_free(c);
}

static void
test_stamps(void **state)
{
    (void)state;
    steme__linputs *c;
    steme__lstamps old = {.source = 5, .trust = 5}, newer = {.source = 5, .trust = 6};
    steme_str a = {"fda:label:a", 11}, b = {"pubmed:b", 8};
    steme_tier tier;
    uint32_t weight;
    double rel;

    assert_int_equal(steme__linputs_new(&c), STEME_OK);
    steme__linputs_source_put(c, &old, a, STEME_TIER_REGULATORY, 10, 0.5);
    steme__linputs_source_put(c, &newer, b, STEME_TIER_PREPRINT, 20, 0.25);
    steme__linputs_source_put(c, &newer, (steme_str){"", 0}, STEME_TIER_EXPERT, 99, 0.75);
    /* an older reader's put is passed by once newer stamps are in force */
    steme__linputs_source_put(c, &old, a, STEME_TIER_REGULATORY, 10, 0.5);

    steme__linputs_read_begin(c);
    assert_false(steme__linputs_source_get(c, &old, a, &tier, &weight, &rel));
    assert_false(steme__linputs_source_get(c, &newer, a, &tier, &weight, &rel));
    assert_true(steme__linputs_source_get(c, &newer, b, &tier, &weight, &rel));
    assert_int_equal(tier, STEME_TIER_PREPRINT);
    assert_int_equal(weight, 20);
    assert_true(steme__linputs_source_get(c, &newer, (steme_str){"", 0}, &tier, &weight, &rel));
    assert_int_equal(weight, 99);
    steme__linputs_read_end(c);
    steme__linputs_free(c);
}

static void
test_colliding_keys(void **state)
{
    (void)state;
    steme__linputs *c;
    steme__lstamps st = {.source = 1, .trust = 1};
    uint8_t key[16];
    const size_t bad = 5000, good = 4000;
    uint64_t first = 0;
    steme_tier tier;
    uint32_t weight;
    double rel;

    test_colliding_key(key, 1);
    first = steme__fast_hash(key, sizeof key);
    test_colliding_key(key, 2);
    assert_true(steme__fast_hash(key, sizeof key) == first); /* the construction holds */

    assert_int_equal(steme__linputs_new(&c), STEME_OK);
    for (size_t i = 0; i < bad; i++) {
        test_colliding_key(key, test_xorshift(&rng));
        steme__linputs_source_put(c, &st, (steme_str){(const char *)key, 16}, STEME_TIER_EXPERT,
                                  (uint32_t)i, 0.5);
    }
    char buf[64];
    for (size_t i = 0; i < good; i++) {
        steme_str id = {buf, (size_t)snprintf(buf, sizeof buf, "forum:thread-%zu", i)};
        steme__linputs_source_put(c, &st, id, STEME_TIER_ANECDOTAL, (uint32_t)i, 0.1);
    }

    steme__linputs_read_begin(c);
    size_t cached_bad = 0, cached_good = 0;
    rng = 0x2545f4914f6cdd1du;
    for (size_t i = 0; i < bad; i++) {
        test_colliding_key(key, test_xorshift(&rng));
        if (steme__linputs_source_get(c, &st, (steme_str){(const char *)key, 16}, &tier, &weight,
                                      &rel)) {
            assert_int_equal(weight, i); /* a hit is always the right entry */
            cached_bad++;
        }
    }
    for (size_t i = 0; i < good; i++) {
        steme_str id = {buf, (size_t)snprintf(buf, sizeof buf, "forum:thread-%zu", i)};
        if (steme__linputs_source_get(c, &st, id, &tier, &weight, &rel)) {
            assert_int_equal(weight, i);
            cached_good++;
        }
    }
    steme__linputs_read_end(c);
    print_message("colliding keys cached: %zu of %zu; others: %zu of %zu\n", cached_bad, bad,
                  cached_good, good);
    assert_true(cached_bad >= 1 && cached_bad <= 32); /* one cluster, at most PROBES_MAX */
    assert_true(cached_good >= good - good / 50);     /* 1% misses at worst in 200 runs */
    steme__linputs_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_stamps),
        cmocka_unit_test(test_colliding_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
