/* SPDX-License-Identifier: MIT */
/*
 * query_mv.c -- materialized views (docs/lenses.md "Materialized views"): a bounded,
 * in-memory LRU cache of query results keyed by the canonical bytes of what determines
 * them (subject, predicate, lens and parameters, filters), each with the position it was
 * computed at.
 *
 * Entries are clones (steme__result_clone): immutable, reference-counted, and handed to
 * readers as they are, so that a hit copies nothing. The cache is not derived state and is
 * not persisted: what makes it exact are the stamps
 * (stamps.c), derived state kept in the append transaction. query.c reads them in the
 * snapshot of the query and asks for an entry computed at or after the last position that
 * changed anything the result reads; anything older is stale and gets replaced.
 */
#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "crypto.h"
#include "engine.h"
#include "lru.h"
#include "query.h"

typedef struct mv_entry {
    uint8_t *key;
    size_t kl;
    uint64_t hash;
    steme_result *r; /* a flat clone; r->computed_at is its position */
    size_t size;     /* the memory it holds, key included */
    struct mv_entry *chain;
    steme__lru_node lru;
} mv_entry;

struct steme__mv {
    pthread_mutex_t lock;
    mv_entry **buckets;
    size_t n_buckets;                    /* a power of two */
    steme__lru lru;                      /* the entries, newest first */
    steme_mv_stats st;                   /* st.entries unused: lru.n counts the entries */
    uint8_t seed[STEME__TABLE_KEY_SIZE]; /* random per cache: chains cannot be forced */
};

steme_err
steme__mv_new(size_t cap, uint64_t max_bytes, steme__mv **ret)
{
    steme__mv *mv = steme__calloc(1, sizeof(*mv));
    size_t nb = 16;

    if (mv == NULL)
        return STEME_ENOMEM;
    while (nb < cap * 2)
        nb *= 2;
    mv->st.max_bytes = max_bytes;
    if ((mv->buckets = steme__calloc(nb, sizeof(*mv->buckets))) == NULL) {
        steme__free(mv);
        return STEME_ENOMEM;
    }
    /* Adaptive: a thread that finds the lock taken spins for a while before it sleeps. Every
     * query of a hot key takes it for a few hundred nanoseconds; a sleep would cost the server
     * thread a scheduler slice (milliseconds) with its connections waiting. */
    pthread_mutexattr_t attr;
    int r = pthread_mutexattr_init(&attr);
    if (r == 0)
        r = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    if (r == 0)
        r = pthread_mutex_init(&mv->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (r != 0) {
        steme__free(mv->buckets);
        steme__free(mv);
        return STEME_ENOMEM;
    }
    mv->n_buckets = nb;
    mv->st.capacity = cap;
    steme__random(mv->seed, sizeof(mv->seed));
    *ret = mv;
    return STEME_OK;
}

static void
entry_free(mv_entry *e)
{
    steme_result_free(e->r);
    steme__free(e->key);
    steme__free(e);
}

void
steme__mv_free(steme__mv *mv)
{
    if (mv == NULL)
        return;
    for (steme__lru_node *n = mv->lru.newest, *next; n != NULL; n = next) {
        next = n->older;
        entry_free(STEME__LRU_ENTRY(n, mv_entry, lru));
    }
    pthread_mutex_destroy(&mv->lock);
    steme__free(mv->buckets);
    steme__free(mv);
}

/* SipHash under the cache's random key: query bytes chosen by a client cannot pile up in one
 * bucket. */
static uint64_t
key_hash(const steme__mv *mv, const uint8_t *key, size_t kl)
{
    return steme__table_hash(mv->seed, key, kl);
}

static mv_entry **
slot_of(steme__mv *mv, const uint8_t *key, size_t kl, uint64_t hash)
{
    mv_entry **s = &mv->buckets[hash & (mv->n_buckets - 1)];

    for (; *s != NULL; s = &(*s)->chain) {
        if ((*s)->hash == hash && (*s)->kl == kl && memcmp((*s)->key, key, kl) == 0)
            break;
    }
    return s;
}

/* Unlink e from its chain and the LRU list and free it. */
static void
remove_entry(steme__mv *mv, mv_entry **slot)
{
    mv_entry *e = *slot;

    *slot = e->chain;
    steme__lru_unlink(&mv->lru, &e->lru);
    mv->st.bytes -= e->size;
    entry_free(e);
}

/* A hit on e: touched in the recency list, counted, and a reference for the reader (shared,
 * not copied: a clone is immutable and counts its references). Under the lock. */
static steme_result *
hit(steme__mv *mv, mv_entry *e)
{
    steme__lru_touch(&mv->lru, &e->lru);
    mv->st.hits++;
    return steme__result_ref(e->r);
}

steme_err
steme__mv_get(steme__mv *mv, const uint8_t *key, size_t kl, uint64_t depends, steme_result **ret)
{
    uint64_t hash = key_hash(mv, key, kl);
    steme_err err;

    pthread_mutex_lock(&mv->lock);
    mv_entry **slot = slot_of(mv, key, kl, hash);
    if (*slot == NULL) {
        mv->st.misses++;
        err = STEME_ENOTFOUND;
    } else if (steme_result_computed_at((*slot)->r) < depends) {
        /* Something the entry read changed after it was computed. */
        remove_entry(mv, slot);
        mv->st.misses++;
        mv->st.stale++;
        err = STEME_ENOTFOUND;
    } else {
        *ret = hit(mv, *slot);
        err = STEME_OK;
    }
    pthread_mutex_unlock(&mv->lock);
    return err;
}

steme_err
steme__mv_get_current(steme__mv *mv, const uint8_t *key, size_t kl, uint64_t position,
                      steme_result **ret)
{
    uint64_t hash = key_hash(mv, key, kl);
    steme_err err = STEME_ENOTFOUND;

    pthread_mutex_lock(&mv->lock);
    mv_entry **slot = slot_of(mv, key, kl, hash);
    if (*slot != NULL && steme_result_position((*slot)->r) == position) {
        *ret = hit(mv, *slot);
        err = STEME_OK;
    }
    pthread_mutex_unlock(&mv->lock);
    return err;
}

/* Whether a is more recent than b: computed later, or the same answer at a later position. */
static bool
newer(const steme_result *a, const steme_result *b)
{
    uint64_t ca = steme_result_computed_at(a), cb = steme_result_computed_at(b);
    return ca != cb ? ca > cb : steme_result_position(a) > steme_result_position(b);
}

steme_err
steme__mv_put(steme__mv *mv, const uint8_t *key, size_t kl, steme_result *r)
{
    uint64_t hash = key_hash(mv, key, kl);
    mv_entry *e = steme__calloc(1, sizeof(*e));

    if (e == NULL || (e->key = steme__malloc(kl)) == NULL) {
        steme__free(e);
        steme_result_free(r);
        return STEME_ENOMEM;
    }
    memcpy(e->key, key, kl);
    e->kl = kl;
    e->hash = hash;
    e->r = r;
    e->size = sizeof(*e) + kl + steme__result_size(r);

    pthread_mutex_lock(&mv->lock);
    mv_entry **slot = slot_of(mv, key, kl, hash);
    if (*slot != NULL) {
        if (!newer(r, (*slot)->r)) {
            /* Another thread already stored one at least as recent. */
            pthread_mutex_unlock(&mv->lock);
            entry_free(e);
            return STEME_OK;
        }
        remove_entry(mv, slot);
    }
    if (e->size > mv->st.max_bytes) {
        /* Larger than the whole cache: not kept. */
        pthread_mutex_unlock(&mv->lock);
        entry_free(e);
        return STEME_OK;
    }
    while ((mv->lru.n >= mv->st.capacity || mv->st.bytes + e->size > mv->st.max_bytes) &&
           mv->lru.oldest != NULL) {
        mv_entry *old = STEME__LRU_ENTRY(mv->lru.oldest, mv_entry, lru);
        remove_entry(mv, slot_of(mv, old->key, old->kl, old->hash));
        mv->st.evictions++;
    }
    /* Removals may have moved the chain under slot: find the end again. */
    slot = slot_of(mv, key, kl, hash);
    *slot = e;
    steme__lru_push(&mv->lru, &e->lru);
    mv->st.bytes += e->size;
    pthread_mutex_unlock(&mv->lock);
    return STEME_OK;
}

steme_err
steme_db_mv_stats(steme_db *db, steme_mv_stats *ret)
{
    if (db == NULL || ret == NULL)
        return STEME_EINVAL;
    if (db->mv == NULL) {
        memset(ret, 0, sizeof(*ret));
        return STEME_OK;
    }
    pthread_mutex_lock(&db->mv->lock);
    *ret = db->mv->st;
    ret->entries = db->mv->lru.n; /* the recency list counts them */
    pthread_mutex_unlock(&db->mv->lock);
    return STEME_OK;
}
