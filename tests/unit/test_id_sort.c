/* SPDX-License-Identifier: MIT */
/*
 * test_id_sort.c -- receipts' id order (src/engine/id_sort.c) against qsort over memcmp: random
 * sets of every size around the bucket thresholds, sets ground to share a first byte or a
 * first eight bytes, duplicates, and a heap buffer that cannot be allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "id_sort.h"
#include "xorshift.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint8_t
next_byte(void)
{
    return (uint8_t)(test_xorshift(&rng) >> 24);
}

static int
cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, STEME_ID_SIZE);
}

/* shared: how many leading bytes every id of the set has in common (0, 1 or 8); dups: every
 * id appears twice. */
static void
check_set(size_t n, size_t shared, bool dups)
{
    steme_id *v = calloc(n ? n : 1, sizeof(*v));
    steme_id *ref = calloc(n ? n : 1, sizeof(*ref));
    assert_non_null(v);
    assert_non_null(ref);
    for (size_t i = 0; i < n; i++) {
        if (dups && i % 2 == 1) {
            v[i] = v[i - 1];
            continue;
        }
        for (size_t j = 0; j < STEME_ID_SIZE; j++)
            v[i].b[j] = j < shared ? (uint8_t)(0xa5 + j) : next_byte();
    }
    memcpy(ref, v, n * sizeof(*v));
    qsort(ref, n, sizeof(*ref), cmp_id);
    steme__ids_sort(v, n);
    if (n > 0)
        assert_memory_equal(v, ref, n * sizeof(*v));
    free(v);
    free(ref);
}

static void
test_random_sets(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 600; n++)
        check_set(n, 0, false);
    check_set(5000, 0, false);
}

static void
test_shared_prefixes(void **state)
{
    (void)state;
    static const size_t sizes[] = {31, 32, 33, 100, 257, 1000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        check_set(sizes[i], 1, false);
        check_set(sizes[i], 8, false);
        check_set(sizes[i], 0, true);
        check_set(sizes[i], 8, true);
    }
}

static void
test_sorted_and_reversed(void **state)
{
    (void)state;
    steme_id v[300];
    for (size_t i = 0; i < 300; i++) {
        memset(v[i].b, 0, STEME_ID_SIZE);
        v[i].b[0] = (uint8_t)((299 - i) >> 8);
        v[i].b[1] = (uint8_t)(299 - i);
    }
    steme__ids_sort(v, 300);
    for (size_t i = 1; i < 300; i++)
        assert_true(memcmp(v[i - 1].b, v[i].b, STEME_ID_SIZE) < 0);
    steme__ids_sort(v, 300); /* already in order */
    for (size_t i = 1; i < 300; i++)
        assert_true(memcmp(v[i - 1].b, v[i].b, STEME_ID_SIZE) < 0);
}

/* Past the stack buffer the buckets need the heap; without it the set is still sorted. */
static void
test_without_memory(void **state)
{
    (void)state;
    for (uint64_t fail = 1; fail <= 3; fail++) {
        steme__alloc_fail_at(fail);
        check_set(2000, 0, false);
        steme__alloc_fail_at(0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sets),
        cmocka_unit_test(test_shared_prefixes),
        cmocka_unit_test(test_sorted_and_reversed),
        cmocka_unit_test(test_without_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
