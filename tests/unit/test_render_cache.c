/* SPDX-License-Identifier: MIT */
/*
 * test_render_cache.c -- the server's cache of rendered answers (src/server/render_cache.c):
 * hits only at the position an entry was rendered at, replacement by newer positions only,
 * eviction by bytes that spares what is read, bodies that outlive their entry while a reader
 * holds them, and the counters /metrics shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render_cache.h"

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_many_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
