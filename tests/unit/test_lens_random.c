/* SPDX-License-Identifier: MIT */
/*
 * test_lens_random.c -- the lens preparation (src/engine/lens_prepare.c) on random sets:
 * every result's bytes are the same whatever the order of the candidates, and every figure
 * matches a pairwise reference computed here, with the hash tables of the preparation and with
 * its fallback to sorting forced at any point (steme__lens_probe_limit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lens.h"
#include "lens_fixture.h"
#include "lens_int.h"
#include "xorshift.h"

/* ---------------------------------------------------------------------------------------------
 * Determinism
 */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
next_rand(void)
{
    return test_xorshift(&rng);
}

static void
shuffle(fix *f)
{
    for (size_t i = f->n; i > 1; i--) {
        size_t j = next_rand() % i;
        steme__cand t = f->c[i - 1];
        f->c[i - 1] = f->c[j];
        f->c[j] = t;
    }
}

static void
mixed_set(fix *f)
{
    static const char *const sources[] = {"fda", "ema", "nejm", "lancet", "forum:a", "forum:b"};
    static const int tiers[] = {REG, REG, PEER, PEER, ANEC, ANEC};
    static const char *const names[] = {"Alice", "Bob", "Carol"};
    for (int i = 0; i < 90; i++) {
        int s = (int)(next_rand() % 6);
        steme_value v;
        switch (next_rand() % 5) {
        case 0:
            v = num(0.2, "%");
            break;
        case 1:
            v = num(0.002, "");
            break;
        case 2:
            v = num(12, "%");
            break;
        case 3:
            v = num(0.1 * (double)(next_rand() % 3), "");
            break;
        default:
            v = str(names[next_rand() % 3]);
            break;
        }
        steme__cand *c =
            add(f, 1000 + (uint64_t)i * 7, (int)(next_rand() % 25), sources[s], tiers[s], v);
        c->confidence = (uint32_t)(next_rand() % 1000001);
        c->trust = (double)(next_rand() % 1001) / 1000;
        c->reliability = (double)(next_rand() % 1001) / 1000;
        c->up = (uint32_t)(next_rand() % 4);
        c->down = (uint32_t)(next_rand() % 3);
        c->asserted_at = T0 + (int64_t)(next_rand() % 5) * DAY; /* many equal times */
    }
}

static void
test_permutation_invariance(void **state)
{
    (void)state;
    fix *f = calloc(1, sizeof *f);
    assert_non_null(f);
    mixed_set(f);
    for (size_t k = 0; k < N_KINDS; k++) {
        steme__lens_params p;
        steme__lens_params_init(&p, all_kinds[k]);
        p.margin = 100000;
        steme__lens_result r0 = run_p(&p, f);
        size_t len0, len;
        uint8_t *b0 = encode(&r0, &len0);
        for (int round = 0; round < 30; round++) {
            shuffle(f);
            steme__lens_result r = run_p(&p, f);
            uint8_t *b = encode(&r, &len);
            assert_int_equal(len, len0);
            assert_memory_equal(b, b0, len);
            free(b);
            steme__lens_result_free(&r);
        }
        free(b0);
        steme__lens_result_free(&r0);
    }
    free(f);
}

/*
 * Randomized sets against a reference computed here the slow, obvious way (sort by value and
 * seq with an insertion sort, tolerance runs, distinct agents and sources by pairwise
 * comparison), and against themselves shuffled. The pools make the cases the preparation must
 * get right frequent: agents equal in their first 8 bytes, sources sharing an 8-byte prefix or
 * a prefix of one another, numbers within the tolerance of one another or not, units that
 * convert and units that do not, -0.0 and 0.0, duplicates, values of every class. Each set
 * also runs with the preparation's hash tables giving up, at once or part way through, for the
 * sorting paths they fall back to.
 */

static uint64_t ref_rng = 0x2545F4914F6CDD1DULL;

static uint64_t
ref_rand(void)
{
    return test_xorshift(&ref_rng);
}

static steme_pubkey ref_agents[12];

static void
init_ref_agents(void)
{
    for (size_t i = 0; i < 12; i++) {
        memset(ref_agents[i].b, 0, sizeof ref_agents[i].b);
        ref_agents[i].b[0] = 0xA5;
        if (i < 6)
            ref_agents[i].b[8 + i * 4] = (uint8_t)(i + 1); /* same first 8 bytes */
        else if (i < 9)
            ref_agents[i].b[31] = (uint8_t)i; /* differ in the last byte only */
        else
            ref_agents[i].b[i - 8] = (uint8_t)i; /* differ in the first 8 */
    }
}

static const char *const ref_sources[] = {"fda",
                                          "",
                                          "https://a.example/1",
                                          "https://a.example/10",
                                          "https://a.example/2",
                                          "https://",
                                          "https:/",
                                          "https://\x01",
                                          "src:bench:001",
                                          "src:bench:002",
                                          "src:benc",
                                          "src:bench:0010",
                                          "\xff\xff\xff\xff\xff\xff\xff\xff",
                                          "\xff\xff\xff\xff\xff\xff\xff"};
#define N_REF_SOURCES (sizeof ref_sources / sizeof ref_sources[0])

static steme_value
ref_value(size_t k)
{
    switch (k) {
    case 0:
        return num(0.2, "%");
    case 1:
        return num(0.002, "");
    case 2:
        return num(0.002 * (1 + 5e-10), ""); /* near 0.002 */
    case 3:
        return num(0.002 * (1 + 3e-9), ""); /* not near 0.002 */
    case 4:
        return num(2, "mg");
    case 5:
        return num(0.0, "");
    case 6:
        return num(-0.0, "");
    case 7:
        return num(1e-16, ""); /* within the absolute tolerance of 0 */
    case 8:
        return num(-1e-16, "");
    case 9:
        return num(5, "foo");
    case 10:
        return num(5, "fooo");
    case 11:
        return num(5 * (1 + 1e-10), "foo");
    case 12:
        return num(12, "%");
    case 13:
        return (steme_value){.type = STEME_VALUE_INTEGER, .integer = -1};
    case 14:
        return (steme_value){.type = STEME_VALUE_INTEGER, .integer = 0};
    case 15:
        return str("Alice");
    case 16:
        return str("Alic");
    case 17:
        return str("");
    case 18:
        return (steme_value){.type = STEME_VALUE_REF, .str = steme_str_c("Alice")};
    default:
        return (steme_value){.type = STEME_VALUE_BOOLEAN, .boolean = k % 2};
    }
}

static void
ref_set(fix *f, size_t n)
{
    /* Small pools per set so that values, agents and sources repeat. */
    size_t n_values = 1 + ref_rand() % 20, n_agents = 1 + ref_rand() % 12;
    size_t n_sources = 1 + ref_rand() % N_REF_SOURCES, v0 = ref_rand() % 21;
    uint64_t seq = ref_rand() % 100;
    f->n = 0;
    for (size_t i = 0; i < n; i++) {
        seq += 1 + ref_rand() % 3;
        steme__cand *c =
            add(f, seq, 0, ref_sources[ref_rand() % n_sources], (int)(1 + ref_rand() % 6),
                ref_value((v0 + ref_rand() % n_values) % 21));
        c->agent = ref_agents[ref_rand() % n_agents];
        c->weight = ref_rand() % 4 == 0 ? 0 : (uint32_t)(ref_rand() % 1000001);
        c->confidence = ref_rand() % 5 == 0 ? 0 : (uint32_t)(ref_rand() % 1000001);
        c->trust = ref_rand() % 7 == 0 ? -0.0 : (double)(ref_rand() % 1001) / 1000;
        c->reliability = (double)(ref_rand() % 1001) / 1000;
        c->up = (uint32_t)(ref_rand() % 4);
        c->down = (uint32_t)(ref_rand() % 3);
        c->asserted_at = T0 + (int64_t)(ref_rand() % 5) * DAY;
        c->has_valid_from = ref_rand() % 3 != 0;
        c->valid_from = c->has_valid_from ? T0 - (int64_t)(ref_rand() % 50) * DAY : 0;
        c->has_valid_until = ref_rand() % 3 != 0;
        c->valid_until = c->has_valid_until ? T0 + (int64_t)(ref_rand() % 50) * DAY : 0;
    }
}

static bool
same_str(steme_str a, steme_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Check every support figure of r against the candidates, computed pairwise. */
static void
check_against_reference(const fix *f, const steme__lens_result *r)
{
    size_t n = f->n, *idx = malloc((n + 1) * sizeof *idx);
    steme__vnorm *norm = malloc((n + 1) * sizeof *norm);
    bool *seen = calloc(r->n_groups + 1, sizeof *seen);
    assert_non_null(idx);
    assert_non_null(norm);
    assert_non_null(seen);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(steme__value_norm(&f->c[i].value, &norm[i]), STEME_OK);
        idx[i] = i;
    }
    /* By (value, seq), by insertion. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            size_t a = idx[j - 1], b = idx[j];
            int c = steme__vnorm_cmp(&norm[a], &norm[b]);
            if (c < 0 || (c == 0 && f->c[a].seq < f->c[b].seq))
                break;
            idx[j - 1] = b;
            idx[j] = a;
        }
    size_t n_groups = 0;
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo + 1;
        while (hi < n && steme__vnorm_near(&norm[idx[lo]], &norm[idx[hi]]))
            hi++;
        /* The result's group with this value: exactly one. */
        const steme__lens_group *g = NULL;
        for (size_t k = 0; k < r->n_groups; k++)
            if (steme__vnorm_cmp(&r->groups[k].norm, &norm[idx[lo]]) == 0) {
                assert_null(g);
                assert_false(seen[k]);
                seen[k] = true;
                g = &r->groups[k];
            }
        assert_non_null(g);
        n_groups++;

        /* Members: the seqs in [lo, hi), ascending; shown as written by the earliest. */
        size_t m = hi - lo, first = idx[lo];
        assert_int_equal(g->assertions, m);
        assert_int_equal(g->n_seqs, m);
        for (size_t i = lo; i < hi; i++)
            if (f->c[idx[i]].seq < f->c[first].seq)
                first = idx[i];
        assert_int_equal(g->value.type, f->c[first].value.type);
        assert_ptr_equal(g->value.str.ptr, f->c[first].value.str.ptr);
        assert_ptr_equal(g->value.unit.ptr, f->c[first].value.unit.ptr);
        assert_true(memcmp(&g->value.number, &f->c[first].value.number, sizeof(double)) == 0);
        assert_int_equal(g->value.integer, f->c[first].value.integer);
        assert_int_equal(g->value.boolean, f->c[first].value.boolean);
        for (size_t j = 0; j < m; j++) {
            size_t below = 0;
            for (size_t i = lo; i < hi; i++)
                below += f->c[idx[i]].seq < g->seqs[j];
            assert_int_equal(below, j); /* ascending, and each one a member */
        }

        uint32_t agents = 0, sources = 0, best_rank = 99;
        uint64_t conf = 0, ev = 0, up = 0, down = 0, latest_seq = 0;
        int64_t latest_at = INT64_MIN, vf = INT64_MAX, vu = INT64_MIN;
        bool all_from = true, all_until = true;
        for (size_t i = lo; i < hi; i++) {
            const steme__cand *c = &f->c[idx[i]];
            bool first_agent = true, first_source = true;
            for (size_t j = lo; j < i; j++) {
                const steme__cand *d = &f->c[idx[j]];
                if (memcmp(d->agent.b, c->agent.b, sizeof c->agent.b) == 0)
                    first_agent = false;
                if (same_str(d->source, c->source))
                    first_source = false;
            }
            sources += first_source;
            if (first_agent) {
                uint32_t best_conf = 0;
                uint64_t best_ev = 0;
                agents++;
                for (size_t j = lo; j < hi; j++) {
                    const steme__cand *d = &f->c[idx[j]];
                    if (memcmp(d->agent.b, c->agent.b, sizeof c->agent.b) != 0)
                        continue;
                    uint64_t e = (uint64_t)d->weight * d->confidence;
                    best_conf = d->confidence > best_conf ? d->confidence : best_conf;
                    best_ev = e > best_ev ? e : best_ev;
                }
                conf += best_conf;
                ev += best_ev;
            }
            up += c->up;
            down += c->down;
            if (c->asserted_at > latest_at ||
                (c->asserted_at == latest_at && c->seq > latest_seq)) {
                latest_at = c->asserted_at;
                latest_seq = c->seq;
            }
            uint32_t rank = (uint32_t)steme__lens_tier_rank(c->tier);
            best_rank = rank < best_rank ? rank : best_rank;
            all_from = all_from && c->has_valid_from;
            all_until = all_until && c->has_valid_until;
            vf = c->valid_from < vf ? c->valid_from : vf;
            vu = c->valid_until > vu ? c->valid_until : vu;
        }
        assert_int_equal(g->agents, agents);
        assert_int_equal(g->sources, sources);
        assert_int_equal(g->confidence, conf);
        assert_true(g->evidence == (double)ev / 1e12);
        assert_int_equal(g->up, up);
        assert_int_equal(g->down, down);
        assert_int_equal(g->latest_at, latest_at);
        assert_int_equal(g->latest_seq, latest_seq);
        assert_int_equal(steme__lens_tier_rank(g->best_tier), best_rank);
        assert_int_equal(g->has_valid_from, all_from);
        assert_int_equal(g->has_valid_until, all_until);
        assert_int_equal(g->valid_from, all_from ? vf : 0);
        assert_int_equal(g->valid_until, all_until ? vu : 0);
        lo = hi;
    }
    assert_int_equal(r->n_groups, n_groups);
    free(seen);
    free(norm);
    free(idx);
}

static void
test_randomized_reference(void **state)
{
    (void)state;
    fix *f = calloc(1, sizeof *f), *s = calloc(1, sizeof *s);
    assert_non_null(f);
    assert_non_null(s);
    init_ref_agents();
    for (int round = 0; round < 400; round++) {
        size_t n = round % 50 == 0 ? 300 + ref_rand() % 200 : ref_rand() % 120;
        ref_set(f, n);
        steme__lens_params p;
        steme__lens_params_init(&p, all_kinds[ref_rand() % N_KINDS]);
        p.min_support = (uint32_t)(ref_rand() % 3);
        if (p.kind == STEME__LENS_LAYERED)
            p.margin = (uint32_t)(ref_rand() % 1000001); /* so that later links get to run */
        if (p.kind == STEME__LENS_LAYERED && ref_rand() % 2) {
            p.n_chain = 1 + ref_rand() % STEME__LENS_MAX_CHAIN;
            for (size_t i = 0; i < p.n_chain; i++)
                p.chain[i] = (steme__lens_kind)(STEME__LENS_RECENCY + ref_rand() % 5);
        }
        if (ref_rand() % 3 == 0) {
            p.tier_weights_set = true;
            for (int t = 1; t <= UNV; t++)
                p.tier_weights[t] = ref_rand() % 3 == 0 ? 0 : (uint32_t)(ref_rand() % 1000001);
        }
        steme__lens_result r = run_p(&p, f);
        check_against_reference(f, &r);

        /* Shuffled: the same bytes, explanation included. */
        size_t len0, len;
        uint8_t *b0 = encode(&r, &len0);
        memcpy(s, f, sizeof *f);
        for (size_t i = s->n; i > 1; i--) {
            size_t j = ref_rand() % i;
            steme__cand t = s->c[i - 1];
            s->c[i - 1] = s->c[j];
            s->c[j] = t;
        }
        steme__lens_result q = run_p(&p, s);
        uint8_t *b = encode(&q, &len);
        assert_int_equal(len, len0);
        assert_memory_equal(b, b0, len);
        assert_string_equal(q.explanation, r.explanation);
        free(b);
        steme__lens_result_free(&q);

        /* Falling back to sorting, at once or part way through a pass: the same bytes. */
        for (int limit = 0; limit < 2; limit++) {
            steme__lens_probe_limit(limit == 0 ? 0 : ref_rand() % (3 * n + 3));
            q = run_p(&p, s);
            steme__lens_probe_limit(SIZE_MAX);
            b = encode(&q, &len);
            assert_int_equal(len, len0);
            assert_memory_equal(b, b0, len);
            free(b);
            steme__lens_result_free(&q);
        }
        free(b0);
        steme__lens_result_free(&r);
    }
    free(s);
    free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permutation_invariance),
        cmocka_unit_test(test_randomized_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
