/* SPDX-License-Identifier: MIT */
/*
 * lens_fixture.c -- hand-built candidates for the lens tests (lens_fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lens_fixture.h"

const uint32_t tier_weight[] = {0, 1000000, 850000, 500000, 600000, 200000, 100000};

steme_value
num(double x, const char *unit)
{
    return (steme_value){.type = STEME_VALUE_NUMBER, .number = x, .unit = steme_str_c(unit)};
}

steme_value
str(const char *s)
{
    return (steme_value){.type = STEME_VALUE_STRING, .str = steme_str_c(s)};
}

steme__cand *
add(fix *f, uint64_t seq, int agent, const char *source, int tier, steme_value v)
{
    assert_true(f->n < sizeof f->c / sizeof f->c[0]);
    steme__cand *c = &f->c[f->n++];
    memset(c, 0, sizeof *c);
    c->seq = seq;
    c->id.b[0] = (uint8_t)seq;
    c->id.b[1] = (uint8_t)(seq >> 8);
    c->agent.b[0] = (uint8_t)agent;
    c->agent.b[1] = (uint8_t)(agent >> 8);
    c->source = steme_str_c(source);
    c->tier = (steme_tier)tier;
    c->weight = tier_weight[tier];
    c->reliability = 0.5;
    c->value = v;
    c->confidence = STEME_CONFIDENCE_ONE;
    c->asserted_at = T0 + (int64_t)seq * DAY;
    c->recorded_at = c->asserted_at + 1000;
    c->trust = 0.5;
    return c;
}

steme__lens_result
run_p(const steme__lens_params *p, const fix *f)
{
    steme__lens_result r;
    assert_int_equal(steme__lens_run(p, f->c, f->n, &r), STEME_OK);
    assert_true(r.explanation_len == strlen(r.explanation));
    assert_true(r.explanation_len < STEME__LENS_MAX_EXPLANATION);
    return r;
}

steme__lens_result
run(steme__lens_kind kind, const fix *f)
{
    steme__lens_params p;
    steme__lens_params_init(&p, kind);
    return run_p(&p, f);
}

uint8_t *
encode(const steme__lens_result *r, size_t *len)
{
    size_t need = steme__lens_result_encoded_len(r);
    uint8_t *b = malloc(need);
    assert_non_null(b);
    assert_int_equal(steme__lens_result_encode(r, b, need, len), STEME_OK);
    assert_int_equal(*len, need);
    return b;
}

const steme__lens_kind all_kinds[] = {
    STEME__LENS_RECENCY,   STEME__LENS_CONSENSUS,       STEME__LENS_VOTE_CONSENSUS,
    STEME__LENS_AUTHORITY, STEME__LENS_TRUST_AUTHORITY, STEME__LENS_SKEPTIC,
    STEME__LENS_LAYERED,
};
_Static_assert(sizeof all_kinds / sizeof all_kinds[0] == N_KINDS, "N_KINDS");
