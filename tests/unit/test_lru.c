/* SPDX-License-Identifier: MIT */
/*
 * test_lru.c -- the caches' recency list (src/core/lru.h): order after pushes and unlinks, a
 * touch that moves only entries out of the newest quarter, and the guarantee the caches rely
 * on: an entry read at least once every n / 4 insertions is never the oldest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lru.h"

typedef struct item {
    int id;
    steme__lru_node node;
} item;

static int
id_of(const steme__lru_node *n)
{
    return n ? STEME__LRU_ENTRY(n, item, node)->id : -1;
}

/* The ids from newest to oldest, checking the links both ways. */
static void
assert_order(const steme__lru *l, const int *want, size_t n)
{
    size_t i = 0;
    const steme__lru_node *prev = NULL;
    for (const steme__lru_node *p = l->newest; p; prev = p, p = p->older, i++) {
        assert_true(i < n);
        assert_int_equal(id_of(p), want[i]);
        assert_ptr_equal(p->newer, prev);
    }
    assert_int_equal(i, n);
    assert_ptr_equal(l->oldest, prev);
    assert_int_equal(l->n, n);
}

static void
test_push_unlink(void **state)
{
    (void)state;
    item it[3] = {{0, {0}}, {1, {0}}, {2, {0}}};
    steme__lru l = {0};
    for (int i = 0; i < 3; i++)
        steme__lru_push(&l, &it[i].node);
    assert_order(&l, (int[]){2, 1, 0}, 3);
    steme__lru_unlink(&l, &it[1].node);
    assert_order(&l, (int[]){2, 0}, 2);
    steme__lru_unlink(&l, &it[2].node);
    assert_order(&l, (int[]){0}, 1);
    steme__lru_unlink(&l, &it[0].node);
    assert_null(l.newest);
    assert_null(l.oldest);
    assert_int_equal(l.n, 0);
}

static void
test_touch_moves_only_older_entries(void **state)
{
    (void)state;
    item it[8];
    steme__lru l = {0};
    for (int i = 0; i < 8; i++) {
        it[i].id = i;
        steme__lru_push(&l, &it[i].node);
    }
    /* n = 8: the two newest stay where they are. */
    steme__lru_touch(&l, &it[7].node);
    steme__lru_touch(&l, &it[6].node);
    assert_order(&l, (int[]){7, 6, 5, 4, 3, 2, 1, 0}, 8);
    steme__lru_touch(&l, &it[5].node);
    assert_order(&l, (int[]){5, 7, 6, 4, 3, 2, 1, 0}, 8);
    steme__lru_touch(&l, &it[0].node);
    assert_order(&l, (int[]){0, 5, 7, 6, 4, 3, 2, 1}, 8);
}

/* A cache of 64 entries fed 20,000 insertions, evicting the oldest: an entry read every 16
 * insertions (n / 4) is never evicted, and one never read is evicted after 64 more. */
static void
test_hot_entry_never_evicted(void **state)
{
    (void)state;
    enum { CAP = 64, STEPS = 20000 };
    item *items = calloc(STEPS + 1, sizeof(*items));
    assert_non_null(items);
    steme__lru l = {0};
    item *hot = &items[STEPS];
    hot->id = -2;
    steme__lru_push(&l, &hot->node);
    int cold = -1;
    for (int i = 0; i < STEPS; i++) {
        if (l.n == CAP) {
            steme__lru_node *old = l.oldest;
            assert_true(id_of(old) != hot->id);
            if (cold < 0 && id_of(old) == 0)
                cold = i;
            steme__lru_unlink(&l, old);
        }
        items[i].id = i;
        steme__lru_push(&l, &items[i].node);
        if (i % (CAP / 4) == 0)
            steme__lru_touch(&l, &hot->node);
    }
    assert_int_equal(cold, CAP - 1); /* item 0, never read, went when the 64th came after it */
    free(items);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_unlink),
        cmocka_unit_test(test_touch_moves_only_older_entries),
        cmocka_unit_test(test_hot_entry_never_evicted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
