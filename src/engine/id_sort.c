/* SPDX-License-Identifier: MIT */
/*
 * id_sort.c -- record ids in byte order, for receipts (query.c sorts a query's candidates on
 * every fresh answer).
 *
 * Ids are BLAKE2b hashes, so their first byte spreads them evenly: one counting pass by that
 * byte puts each id in its bucket, and only buckets holding more than one id are sorted by
 * comparison. Over 100 ids that is a quarter of a merge sort's time, whose comparisons of
 * random keys mispredict a branch every other time. A set chosen to share its first byte (ids
 * can be ground to a prefix) lands in one bucket and costs one merge sort, no more.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "id_sort.h"
#include "lens_sort.h"

/* Below this the buckets would cost more than they save. */
#define BUCKET_MIN   32
#define BUCKET_STACK 256

static inline bool
id_less(const steme_id *a, const steme_id *b)
{
    uint64_t x = steme__get_u64(a->b), y = steme__get_u64(b->b);
    if (x != y)
        return x < y;
    return memcmp(a->b + 8, b->b + 8, STEME_ID_SIZE - 8) < 0;
}

#define ID_LESS(a, b) id_less(&(a), &(b))
STEME__DEFINE_SORT(merge_sort_ids, steme_id, ID_LESS)

void
steme__ids_sort(steme_id *v, size_t n)
{
    steme_id stack[BUCKET_STACK];
    steme_id *tmp = stack;
    uint32_t start[257] = {0};
    uint32_t next[256];

    if (n < BUCKET_MIN || n > UINT32_MAX) {
        merge_sort_ids(v, n);
        return;
    }
    if (n > BUCKET_STACK && (tmp = steme__malloc(n * sizeof(*tmp))) == NULL) {
        merge_sort_ids(v, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        start[v[i].b[0] + 1]++;
    for (size_t b = 0; b < 256; b++)
        start[b + 1] += start[b];
    memcpy(next, start, sizeof(next));
    for (size_t i = 0; i < n; i++)
        tmp[next[v[i].b[0]]++] = v[i];
    for (size_t b = 0; b < 256; b++)
        if (start[b + 1] - start[b] > 1)
            merge_sort_ids(tmp + start[b], start[b + 1] - start[b]);
    memcpy(v, tmp, n * sizeof(*v));
    if (tmp != stack)
        steme__free(tmp);
}
