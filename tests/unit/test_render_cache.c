/* SPDX-License-Identifier: MIT */
/*
 * test_render_cache.c -- the server's cache of rendered answers (src/server/render_cache.c):
 * hits only at the position an entry was rendered at, replacement by newer positions only,
 * eviction by bytes that spares what is read, bodies that outlive their entry while a reader
 * holds them, the counters /metrics shows, and keys made to collide.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "colliding_keys.h"
#include "render_cache.h"
#include "xorshift.h"

static srv_rbody *
body_of(const char *text, const char *etag)
{
    srv_rbody *b = srv_rbody_new(etag, text, strlen(text));
    assert_non_null(b);
    return b;
}

/* Put text under key at (pos, end), dropping the caller's reference. */
static void
put(srv_rcache *c, const char *key, uint64_t pos, uint64_t end, const char *text)
{
    srv_rbody *b = body_of(text, "\"t\"");
    srv_rcache_put(c, key, strlen(key), pos, end, b);
    srv_rbody_unref(b);
}

/* The text kept for key at (pos, end), or NULL; checks the body's bytes are whole. */
static char *
get(srv_rcache *c, const char *key, uint64_t pos, uint64_t end)
{
    srv_rbody *b = srv_rcache_get(c, key, strlen(key), pos, end);
    if (!b)
        return NULL;
    assert_int_equal(b->data[b->len], '\0');
    char *text = strdup(b->data);
    srv_rbody_unref(b);
    return text;
}

static void
assert_get(srv_rcache *c, const char *key, uint64_t pos, uint64_t end, const char *want)
{
    char *got = get(c, key, pos, end);
    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void
test_positions(void **state)
{
    (void)state;
    srv_rcache *c = srv_rcache_new(1 << 20);
    assert_non_null(c);
    assert_get(c, "a", 5, 5, NULL);
    put(c, "a", 5, 5, "five");
    assert_get(c, "a", 5, 5, "five");
    assert_get(c, "a", 6, 6, NULL); /* a later position is not served from an earlier answer */
    assert_get(c, "a", 5, 6, NULL); /* nor the same position once the log moved on */
    assert_get(c, "b", 5, 5, NULL);
    put(c, "a", 4, 4, "four"); /* older than what is kept: ignored */
    assert_get(c, "a", 5, 5, "five");
    assert_get(c, "a", 4, 4, NULL);
    put(c, "a", 6, 6, "six"); /* newer: replaces */
    assert_get(c, "a", 6, 6, "six");
    assert_get(c, "a", 5, 5, NULL);
    put(c, "a", 6, 7, "six at seven"); /* same position, later log end: replaces */
    assert_get(c, "a", 6, 7, "six at seven");
    assert_get(c, "a", 6, 6, NULL);

    srv_rcache_stats st;
    srv_rcache_stats_get(c, &st);
    assert_int_equal(st.hits, 4);
    assert_int_equal(st.misses, 7);
    assert_int_equal(st.entries, 1);
    assert_true(st.bytes > strlen("six at seven"));
    srv_rcache_free(c);
    assert_null(srv_rcache_new(0)); /* 0 bytes: no cache, and every call accepts NULL */
    assert_null(srv_rcache_get(NULL, "a", 1, 1, 1));
    srv_rcache_put(NULL, "a", 1, 1, 1, NULL);
}

/* 64 KiB in 16 shards, 2,000 answers of 1 KiB: most are evicted, the cache never holds more
 * than its bytes, one answer read after every insertion survives them all, and a body a
 * reader holds stays valid after its entry is gone. */
static void
test_eviction(void **state)
{
    (void)state;
    enum { N = 2000 };
    srv_rcache *c = srv_rcache_new(64 << 10);
    assert_non_null(c);
    char text[1024], key[32];
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    put(c, "hot", 1, 1, "hot answer");
    put(c, "held", 1, 1, "held answer");
    srv_rbody *held = srv_rcache_get(c, "held", 4, 1, 1);
    assert_non_null(held);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        put(c, key, 1, 1, text);
        assert_get(c, "hot", 1, 1, "hot answer");
        srv_rcache_stats st;
        srv_rcache_stats_get(c, &st);
        assert_true(st.bytes <= st.capacity);
    }
    srv_rcache_stats st;
    srv_rcache_stats_get(c, &st);
    assert_true(st.evictions > N / 2);
    assert_true(st.entries < N / 10);
    assert_get(c, "k0", 1, 1, NULL);   /* the oldest went */
    assert_get(c, "held", 1, 1, NULL); /* evicted, but the reader's copy is intact: */
    assert_string_equal(held->data, "held answer");
    srv_rbody_unref(held);
    /* A body larger than a shard is not kept. */
    char *big = malloc(8 << 10);
    assert_non_null(big);
    memset(big, 'y', (8 << 10) - 1);
    big[(8 << 10) - 1] = '\0';
    put(c, "big", 1, 1, big);
    assert_get(c, "big", 1, 1, NULL);
    free(big);
    srv_rcache_free(c);
}

/* Hundreds of entries per shard, 20,000 insertions and as many evictions and replacements:
 * every entry the counters show is found by a probe, every hit is the right body, and the
 * most recent answers are all there -- what the table's deletions (a run of slots shifted
 * back into each hole) must preserve. */
static void
test_many_entries(void **state)
{
    (void)state;
    enum { N = 20000 };
    srv_rcache *c = srv_rcache_new(1 << 20);
    assert_non_null(c);
    char key[32], text[64];
    for (int i = 0; i < N; i++) {
        int k = i % 3 == 2 ? i - 1 : i; /* every third insertion replaces the one before */
        snprintf(key, sizeof(key), "key-%d", k);
        snprintf(text, sizeof(text), "answer to %d at %d", k, i);
        put(c, key, (uint64_t)i + 1, (uint64_t)i + 1, text);
    }
    srv_rcache_stats st;
    srv_rcache_stats_get(c, &st);
    assert_true(st.evictions > 0);
    assert_true(st.entries > 16 * 100); /* hundreds per shard */
    size_t found = 0;
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "key-%d", i);
        int at = i % 3 == 1 && i + 1 < N ? i + 1 : i; /* where the key was last put */
        if (i % 3 == 2)
            continue; /* never a key of its own */
        char *got = get(c, key, (uint64_t)at + 1, (uint64_t)at + 1);
        if (got == NULL) {
            assert_true(i < N - 300); /* the newest answers are all kept */
            continue;
        }
        snprintf(text, sizeof(text), "answer to %d at %d", i, at);
        assert_string_equal(got, text);
        free(got);
        found++;
    }
    assert_int_equal(found, st.entries);
    srv_rcache_free(c);
}

/* Key i: made to collide with every other colliding key (the next of rng), or one of its own;
 * text: the answer put under it. */
static void
key_of(int i, bool colliding, uint64_t *rng, uint8_t key[16], char text[48])
{
    if (colliding)
        test_colliding_key(key, test_xorshift(rng));
    else
        snprintf((char *)key, 16, "k%014d", i);
    snprintf(text, 48, "answer %d", i);
}

static void
bin_put(srv_rcache *c, const uint8_t key[16], const char *text)
{
    srv_rbody *b = body_of(text, "\"t\"");
    srv_rcache_put(c, key, 16, 1, 1, b);
    srv_rbody_unref(b);
}

/* Whether the kept body of the 16-byte key is text (a hit is never another key's body). */
static bool
bin_hit(srv_rcache *c, const uint8_t key[16], const char *text)
{
    srv_rbody *b = srv_rcache_get(c, key, 16, 1, 1);
    if (!b)
        return false;
    assert_string_equal(b->data, text);
    srv_rbody_unref(b);
    return true;
}

/* Keys made to share one hash (the fast hash has such keys whatever the salt): at most
 * PROBES_MAX (32) of them are kept, every other key still is, and with a budget small enough
 * to evict, entries keep being found and dropped while such keys come and go. */
static void
test_colliding_keys(void **state)
{
    (void)state;
    enum { BAD = 5000, GOOD = 4000 }; /* keys made to collide, and others: 5 of every 9 */
    const uint64_t seed = 0x9e3779b97f4a7c15u;
    uint8_t key[16];
    char text[48];
    uint64_t rng = seed;

    srv_rcache *c = srv_rcache_new(64u << 20);
    assert_non_null(c);
    for (int i = 0; i < BAD + GOOD; i++) {
        key_of(i, i % 9 < 5, &rng, key, text);
        bin_put(c, key, text);
    }
    size_t bad = 0, good = 0;
    rng = seed;
    for (int i = 0; i < BAD + GOOD; i++) {
        key_of(i, i % 9 < 5, &rng, key, text);
        if (bin_hit(c, key, text))
            i % 9 < 5 ? bad++ : good++;
    }
    srv_rcache_stats st;
    srv_rcache_stats_get(c, &st);
    print_message("colliding keys kept: %zu of %d; others: %zu of %d\n", bad, BAD, good, GOOD);
    assert_true(bad >= 1 && bad <= 32); /* one run of slots, at most PROBES_MAX */
    assert_true(good >= GOOD - GOOD / 50);
    assert_int_equal(st.entries, bad + good);
    srv_rcache_free(c);

    /* Room for about 200 entries a shard: evictions find every entry they drop, colliding or
     * not, and what was just put is kept but for a colliding key (or, rarely, one whose home is
     * by the colliding keys' run). */
    c = srv_rcache_new(16 * 200 * 180);
    assert_non_null(c);
    size_t missed = 0;
    for (int i = 0; i < 20000; i++) {
        key_of(i, i % 3 == 0, &rng, key, text);
        bin_put(c, key, text);
        if (!bin_hit(c, key, text) && i % 3 != 0)
            missed++;
    }
    assert_true(missed <= 20000 / 100);
    srv_rcache_stats_get(c, &st);
    assert_true(st.evictions > 0);
    assert_true(st.bytes <= st.capacity);
    srv_rcache_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_many_entries),
        cmocka_unit_test(test_colliding_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
