/* SPDX-License-Identifier: MIT */
/*
 * lru.h -- the recency list of the caches (the materialized views, query_mv.c; the server's
 * rendered answers, render_cache.c): an intrusive doubly linked list, newest at the head, with
 * a node embedded in each entry.
 *
 * A hit moves its entry to the head only once the entry has dropped out of the newest quarter
 * of the list: relinking writes to both neighbours and to the head, cache misses on every read
 * of a hot entry, and an entry that recent is nowhere near eviction. Entries are stamped with a
 * tick at each move; fewer than n / 4 moves since an entry's own means fewer than n / 4
 * entries ahead of it. An entry read at least once every n / 4 insertions is therefore never
 * the oldest, and eviction takes entries from the old end in close to LRU order (memcached
 * bumps its items the same way, by time). Not thread-safe: callers hold their cache's lock.
 */
#ifndef STEME_CORE_LRU_H
#define STEME_CORE_LRU_H

#include <stddef.h>
#include <stdint.h>

typedef struct steme__lru_node {
    struct steme__lru_node *newer, *older;
    uint64_t tick; /* the list's tick when it last moved to the head */
} steme__lru_node;

typedef struct steme__lru {
    steme__lru_node *newest, *oldest;
    uint64_t tick;
    size_t n;
} steme__lru;

/* The entry of type T whose member m is node p. */
#define STEME__LRU_ENTRY(p, T, m) ((T *)(void *)((char *)(p)-offsetof(T, m)))

static inline void
steme__lru_push(steme__lru *l, steme__lru_node *e)
{
    e->older = l->newest;
    e->newer = NULL;
    if (l->newest != NULL)
        l->newest->newer = e;
    else
        l->oldest = e;
    l->newest = e;
    e->tick = ++l->tick;
    l->n++;
}

static inline void
steme__lru_unlink(steme__lru *l, steme__lru_node *e)
{
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        l->newest = e->older;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        l->oldest = e->newer;
    e->newer = e->older = NULL;
    l->n--;
}

/* A hit on e: to the head, unless it is among the newest quarter already. */
static inline void
steme__lru_touch(steme__lru *l, steme__lru_node *e)
{
    if (l->tick - e->tick < l->n / 4)
        return;
    steme__lru_unlink(l, e);
    steme__lru_push(l, e);
}

#endif
