/* SPDX-License-Identifier: MIT */
/*
 * test_answers.c -- what a query answer lists and how it is served: the caps on alternatives
 * and support ids (the first N, the totals always given, "all" lifting a cap, bad values
 * refused naming the parameter), and the server's cache of rendered answers (a repeated
 * query is served from it byte for byte, a write moves the answer on, different options never
 * share an entry).
 *
 * One server for the group: a key "ans:x dose" holds 14 values, 100 by five agents (the
 * consensus winner, five supporting assertions) and 13 others by one agent each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "store_fixture.h"

#define N_KEYS 18

typedef struct world {
    it_server s;
    steme_keypair *keys[N_KEYS];
    const char *reader, *writer;
    int64_t clock;
} world;

static world *W;

/* POST assertions on "ans:x dose": agents[i] asserts values[i]; the last position. */
static uint64_t
put_claims(const size_t *agents, const int64_t *values, size_t n)
{
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        steme_record rec;
        fx_assertion(&rec, W->keys[agents[i]], "ans:x", "dose", "src:ans", values[i]);
        rec.assertion.asserted_at = FX_TIME + (W->clock += 1000);
        json_array_append_new(items, it_signed_item(&rec, W->keys[agents[i]], NULL));
    }
    it_resp *r =
        it_post_json(&W->s, W->writer, "/v1/records", json_pack("{s:o}", "records", items));
    it_expect(r, 200);
    assert_int_equal(json_integer_value(json_object_get(r->json, "stored")), (json_int_t)n);
    json_t *results = json_object_get(r->json, "results");
    uint64_t last = (uint64_t)json_integer_value(
        json_object_get(json_array_get(results, json_array_size(results) - 1), "seq"));
    it_resp_free(r);
    return last;
}

static int
group_setup(void **state)
{
    (void)state;
    W = calloc(1, sizeof(*W));
    assert_non_null(W);
    for (size_t i = 0; i < N_KEYS; i++)
        W->keys[i] = fx_key((uint8_t)(i + 1));
    it_start(&W->s, NULL);
    W->reader = it_key(&W->s, "reader", "answers-reader", NULL);
    W->writer = it_key(&W->s, "writer", "answers-writer", NULL);
    size_t agents[N_KEYS];
    int64_t values[N_KEYS];
    for (size_t i = 0; i < 5; i++) {
        agents[i] = i;
        values[i] = 100;
    }
    for (size_t i = 5; i < N_KEYS; i++) {
        agents[i] = i;
        values[i] = (int64_t)i;
    }
    put_claims(agents, values, N_KEYS);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    it_stop(&W->s);
    it_cleanup(&W->s);
    for (size_t i = 0; i < N_KEYS; i++)
        steme_keypair_free(W->keys[i]);
    free(W);
    return 0;
}

/* The first answer of a GET of path (200 expected); r is kept for the caller to free. */
static json_t *
answer_of(it_resp *r)
{
    it_expect(r, 200);
    json_t *a = json_array_get(json_object_get(r->json, "answers"), 0);
    if (!a)
        it_fail(r, "no answer");
    return a;
}

static size_t
count(const json_t *a, const char *member)
{
    return json_array_size(json_object_get(a, member));
}

static json_int_t
num(const json_t *a, const char *member)
{
    return json_integer_value(json_object_get(a, member));
}

/* alternatives listed, alternatives_total, support listed, support_total, and the winner. */
static void
expect_lists(const char *path, size_t alts, size_t support)
{
    it_resp *r = it_get(&W->s, W->reader, path);
    json_t *a = answer_of(r);
    if (count(a, "alternatives") != alts || count(a, "support") != support)
        fail_msg("%s: %zu alternatives and %zu support ids listed, expected %zu and %zu", path,
                 count(a, "alternatives"), count(a, "support"), alts, support);
    assert_int_equal(num(a, "alternatives_total"), 14);
    assert_int_equal(num(a, "support_total"), 5);
    assert_string_equal(json_string_value(json_object_get(a, "winner")), "100");
    it_resp_free(r);
}

static void
test_caps(void **state)
{
    (void)state;
    /* The defaults: 10 of the 14 alternatives, every one of the 5 ids (under 20). */
    expect_lists("/v1/query?subject=ans%3Ax&predicate=dose", 10, 5);
    expect_lists("/v1/query?subject=ans%3Ax&predicate=dose&alternatives=3&support=2", 3, 2);
    expect_lists("/v1/query?subject=ans%3Ax&predicate=dose&alternatives=all&support=all", 14, 5);
    expect_lists("/v1/query?subject=ans%3Ax&predicate=dose&alternatives=14", 14, 5);
    /* The winner is always listed: with 0, it alone. */
    expect_lists("/v1/query?subject=ans%3Ax&predicate=dose&alternatives=0&support=0", 1, 0);

    /* The first N in the lens's order: the winner first under consensus. */
    it_resp *r =
        it_get(&W->s, W->reader, "/v1/query?subject=ans%3Ax&predicate=dose&alternatives=2");
    json_t *a = answer_of(r);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(a, "alternatives"), 0), "value")),
                        "100");
    it_resp_free(r);

    /* POST takes the same, "all" as a string. */
    r = it_post(&W->s, W->reader, "/v1/query",
                "{\"subject\": \"ans:x\", \"predicate\": \"dose\", \"alternatives\": \"all\", "
                "\"support\": 1}");
    a = answer_of(r);
    assert_int_equal(count(a, "alternatives"), 14);
    assert_int_equal(count(a, "support"), 1);
    assert_int_equal(num(a, "support_total"), 5);
    it_resp_free(r);

    /* Bad values: 400 naming the parameter. */
    static const struct {
        const char *path, *field;
    } bad[] = {
        {"/v1/query?subject=ans%3Ax&alternatives=-1", "alternatives"},
        {"/v1/query?subject=ans%3Ax&alternatives=1.5", "alternatives"},
        {"/v1/query?subject=ans%3Ax&alternatives=ALL", "alternatives"},
        {"/v1/query?subject=ans%3Ax&alternatives=", "alternatives"},
        {"/v1/query?subject=ans%3Ax&alternatives=1000001", "alternatives"},
        {"/v1/query?subject=ans%3Ax&support=many", "support"},
        {"/v1/query?subject=ans%3Ax&support=2&support=3", "support"},
        {"/v1/compare?subject=ans%3Ax&predicate=dose&support=2", "support"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = it_get(&W->s, W->reader, bad[i].path);
        it_expect_error(r, 400, "invalid", bad[i].field);
        it_resp_free(r);
    }
    r = it_post(&W->s, W->reader, "/v1/query", "{\"subject\": \"ans:x\", \"alternatives\": true}");
    it_expect_error(r, 400, "invalid", "alternatives");
    if (!strstr(json_string_value(json_object_get(r->json, "message")), "\"all\""))
        it_fail(r, "the message does not give the rule");
    it_resp_free(r);
    r = it_post(&W->s, W->reader, "/v1/query", "{\"subject\": \"ans:x\", \"support\": -2}");
    it_expect_error(r, 400, "invalid", "support");
    it_resp_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
