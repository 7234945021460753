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

#define N_KEYS 20 /* 18 for the group setup's claims, two for later writes */

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
    size_t agents[18];
    int64_t values[18];
    for (size_t i = 0; i < 5; i++) {
        agents[i] = i;
        values[i] = 100;
    }
    for (size_t i = 5; i < 18; i++) {
        agents[i] = i;
        values[i] = (int64_t)i;
    }
    put_claims(agents, values, 18);
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

/* Query arguments are decoded into a buffer of the request while they fit, and into memory of
 * their own beyond it: a subject of 500 bytes and a predicate of 250 (escaped, so longer on
 * the wire) cross that line and come back whole. */
static void
test_long_arguments(void **state)
{
    (void)state;
    char subject[501], predicate[251], path[2600];
    memset(subject, 's', 500);
    memcpy(subject, "ans:", 4);
    subject[500] = '\0';
    memset(predicate, 'p', 250);
    predicate[250] = '\0';
    snprintf(path, sizeof(path),
             "/v1/query?alternatives=4&subject=ans%%3A%s&predicate=%s&explain=true", subject + 4,
             predicate);
    it_resp *r = it_get(&W->s, W->reader, path);
    it_expect(r, 200);
    json_t *a = json_array_get(json_object_get(r->json, "answers"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "subject")), subject);
    assert_string_equal(json_string_value(json_object_get(a, "predicate")), predicate);
    it_resp_free(r);
}

/* ---- the render cache ------------------------------------------------------------------ */

/* A counter or gauge of /metrics (0 when absent). */
static uint64_t
metric(it_server *s, const char *name)
{
    it_resp *r = it_get(s, NULL, "/metrics");
    it_expect(r, 200);
    uint64_t v = 0;
    size_t n = strlen(name);
    for (const char *p = r->body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            v = strtoull(p + n + 1, NULL, 10);
    it_resp_free(r);
    return v;
}

/* One answer's body and ETag (copies), expecting 200. */
typedef struct shot {
    char *body;
    char etag[80];
    uint64_t hits, misses; /* the counters after it */
    json_t *json;
} shot;

static shot
take(const char *path, const char *post)
{
    shot sh = {0};
    it_resp *r = post ? it_post(&W->s, W->reader, path, post) : it_get(&W->s, W->reader, path);
    it_expect(r, 200);
    sh.body = strdup(r->body);
    snprintf(sh.etag, sizeof(sh.etag), "%s", it_header(r, "ETag") ? it_header(r, "ETag") : "");
    sh.json = json_incref(r->json);
    it_resp_free(r);
    sh.hits = metric(&W->s, "stemedb_render_cache_hits_total");
    sh.misses = metric(&W->s, "stemedb_render_cache_misses_total");
    return sh;
}

static void
shot_free(shot *sh)
{
    free(sh->body);
    json_decref(sh->json);
}

static void
expect_hit(const shot *before, const shot *after)
{
    if (after->hits != before->hits + 1 || after->misses != before->misses)
        fail_msg("expected a hit: hits %" PRIu64 " -> %" PRIu64 ", misses %" PRIu64 " -> %" PRIu64,
                 before->hits, after->hits, before->misses, after->misses);
}

static void
expect_miss(const shot *before, const shot *after)
{
    if (after->misses != before->misses + 1 || after->hits != before->hits)
        fail_msg("expected a miss: hits %" PRIu64 " -> %" PRIu64 ", misses %" PRIu64 " -> %" PRIu64,
                 before->hits, after->hits, before->misses, after->misses);
}

static void
test_render_cache(void **state)
{
    (void)state;
    const char *a_path = "/v1/query?subject=ans%3Ax&predicate=dose&alternatives=4";
    const char *evals = "stemedb_lens_evaluations_total{lens=\"consensus\"}";
    shot a1 = take(a_path, NULL);
    uint64_t evals1 = metric(&W->s, evals);
    shot a2 = take(a_path, NULL);
    /* A repeat is served from the cache, byte for byte, with the same tag, and the lens is
     * not even run: nothing was written since. */
    expect_hit(&a1, &a2);
    assert_true(evals1 > 0);
    assert_int_equal(metric(&W->s, evals), evals1);
    assert_string_equal(a1.body, a2.body);
    assert_string_equal(a1.etag, a2.etag);
    assert_true(metric(&W->s, "stemedb_render_cache_entries") >= 1);
    assert_true(metric(&W->s, "stemedb_render_cache_bytes") > strlen(a1.body));

    /* The same parameters by POST share the entry (the key is the parsed parameters). */
    shot a3 =
        take("/v1/query", "{\"alternatives\": 4, \"predicate\": \"dose\", \"subject\": \"ans:x\"}");
    expect_hit(&a2, &a3);
    assert_string_equal(a1.body, a3.body);

    /* A hit answers If-None-Match too. */
    char inm[128];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", a1.etag);
    it_req cq = {.path = a_path, .token = W->reader, .headers = {inm}};
    it_resp *r = it_do(&W->s, &cq);
    it_expect(r, 304);
    assert_int_equal(r->len, 0);
    it_resp_free(r);

    /* Different options never share an entry: each is a miss, whether or not its body
     * happens to be the same (every predicate of a subject that has one; a filter that
     * keeps everything). */
    static const struct {
        const char *path;
        bool differs;
    } others[] = {
        {"/v1/query?subject=ans%3Ax&predicate=dose&alternatives=5", true},
        {"/v1/query?subject=ans%3Ax&predicate=dose&alternatives=4&support=1", true},
        {"/v1/query?subject=ans%3Ax&predicate=dose&alternatives=4&explain=true", true},
        {"/v1/query?subject=ans%3Ax&predicate=dose&alternatives=4&lens=recency", true},
        {"/v1/query?subject=ans%3Ax&alternatives=4", false},
        {"/v1/query?subject=ans%3Ax&predicate=dose&alternatives=4&min_support=2", false},
        {"/v1/query?subject=ans%3Ax&predicate=dose&alternatives=4&tiers=unverified", false},
    };
    /* no_cache asks for a computation: a repeat still runs the lens, and the bytes are the
     * cached answer's (the POST and the 304 above were hits, not evaluations). */
    char fresh[128];
    snprintf(fresh, sizeof(fresh), "%s&no_cache=true", a_path);
    for (int i = 1; i <= 2; i++) {
        shot f = take(fresh, NULL);
        assert_int_equal(metric(&W->s, evals), evals1 + (uint64_t)i);
        assert_string_equal(f.body, a1.body);
        shot_free(&f);
    }

    shot prev = take(a_path, NULL);
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        shot o = take(others[i].path, NULL);
        expect_miss(&prev, &o);
        if (others[i].differs && strcmp(o.body, a1.body) == 0)
            fail_msg("%s: the same body as %s", others[i].path, a_path);
        shot_free(&prev);
        prev = o;
    }
    shot_free(&prev);

    /* After a write the answer names the new position and the new claim. */
    uint64_t p0 = (uint64_t)json_integer_value(json_object_get(a1.json, "position"));
    size_t agent = 18;
    int64_t value = 500;
    uint64_t p1 = put_claims(&agent, &value, 1);
    assert_true(p1 > p0);
    shot b0 = take("/metrics", NULL); /* only for the counters */
    shot b1 = take(a_path, NULL);
    expect_miss(&b0, &b1);
    assert_int_equal(json_integer_value(json_object_get(b1.json, "position")), (json_int_t)p1);
    json_t *ans = json_array_get(json_object_get(b1.json, "answers"), 0);
    assert_int_equal(json_integer_value(json_object_get(ans, "alternatives_total")), 15);
    assert_string_not_equal(b1.body, a1.body);
    assert_string_not_equal(b1.etag, a1.etag);
    shot b2 = take(a_path, NULL);
    expect_hit(&b1, &b2);
    assert_string_equal(b1.body, b2.body);

    /* An answer at an earlier position is reused only while the log stays where it was. */
    char old[160];
    snprintf(old, sizeof(old), "%s&as_of=%" PRIu64, a_path, p0);
    shot h1 = take(old, NULL);
    shot h2 = take(old, NULL);
    expect_hit(&h1, &h2);
    assert_string_equal(h1.body, a1.body); /* the same answer as then */
    agent = 19;
    value = 600;
    put_claims(&agent, &value, 1);
    shot h3 = take(old, NULL);
    expect_miss(&h2, &h3);
    assert_int_equal(json_integer_value(json_object_get(h3.json, "position")), (json_int_t)p0);

    shot *all[] = {&a1, &a2, &a3, &b0, &b1, &b2, &h1, &h2, &h3};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        shot_free(all[i]);
}

/* STEMEDB_RENDER_CACHE_MB=0: no cache, no metrics of it, the same answers. */
static void
test_render_cache_off(void **state)
{
    (void)state;
    it_server s2 = {0};
    const char *env[] = {"STEMEDB_RENDER_CACHE_MB=0", "STEMEDB_OPEN_READ=true", NULL};
    it_opts o = {.env = env};
    it_start(&s2, &o);
    it_resp *r = it_get(&s2, NULL, "/metrics");
    it_expect(r, 200);
    assert_null(strstr(r->body, "render_cache"));
    assert_string_equal(it_header(r, "Cache-Control"), "no-store"); /* untagged */
    it_resp_free(r);
    for (int i = 0; i < 2; i++) {
        r = it_get(&s2, NULL, "/v1/query?subject=ans%3Ax&predicate=dose");
        it_expect(r, 200);
        assert_non_null(it_header(r, "ETag"));
        /* Tagged: the client may keep it and must revalidate. */
        assert_string_equal(it_header(r, "Cache-Control"), "private, no-cache");
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(r->json, "answers"), 0), "reason")),
                            "empty");
        it_resp_free(r);
    }
    it_stop(&s2);
    it_cleanup(&s2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_long_arguments),
        cmocka_unit_test(test_render_cache),
        cmocka_unit_test(test_render_cache_off),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
