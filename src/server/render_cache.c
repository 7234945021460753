/* SPDX-License-Identifier: MIT */
/*
 * render_cache.c -- the cache of rendered answers (render_cache.h): reference-counted bodies,
 * and an LRU by bytes in shards, each under its own mutex: an open-addressed table of (hash,
 * entry) slots, linear probing, at most half full, and a recency list (lru.h). The hashes sit
 * in the slots so that a probe reads no entry but the one it finds: a chained table read
 * every entry of the chain (a cache miss each) on the way, the largest cost of a hit.
 *
 * Keys are built from parameters a client chooses, and the hash is the fast one, salted: it has
 * collisions that do not depend on the salt, so an entry is kept only within PROBES_MAX slots
 * of its home. Keys made to collide then cost their sender cache misses, never long probes
 * for everyone (as the lens-input cache does, docs/decisions.md).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "render_cache.h"

#include "crypto.h"
#include "fasthash.h"
#include "lru.h"

#define SHARDS     16 /* a power of two */
#define MIN_SLOTS  64 /* a power of two */
#define PROBES_MAX 32 /* how far from its home an entry may be kept */
#define NO_SLOT    SIZE_MAX

/* ---- bodies -------------------------------------------------------------------------- */

srv_rbody *
srv_rbody_new(const char *etag, const char *data, size_t len)
{
    srv_rbody *b = malloc(sizeof(*b) + len + 1);
    if (!b)
        return NULL;
    b->refs = 1;
    b->len = len;
    size_t el = strlen(etag);
    if (el >= sizeof(b->etag))
        el = 0; /* cannot happen: ETags are made to fit srv_resp.etag, the same size */
    memcpy(b->etag, etag, el);
    b->etag[el] = '\0';
    memcpy(b->data, data, len);
    b->data[len] = '\0';
    return b;
}

srv_rbody *
srv_rbody_ref(srv_rbody *b)
{
    __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
    return b;
}

void
srv_rbody_unref(srv_rbody *b)
{
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(b);
}

/* ---- the cache ----------------------------------------------------------------------- */

typedef struct entry {
    steme__lru_node lru; /* in the shard's recency list */
    uint64_t hash;
    uint64_t position, log_end;
    srv_rbody *body;
    size_t charge; /* what the entry counts against the shard's budget */
    size_t key_len;
    unsigned char key[];
} entry;

typedef struct slot {
    uint64_t hash; /* the entry's */
    entry *e;      /* NULL: empty */
} slot;

typedef struct shard {
    pthread_mutex_t lock;
    slot *slots;
    size_t nslots;  /* a power of two, at least twice the entries */
    steme__lru lru; /* lru.n: the entries */
    uint64_t bytes, capacity;
    /* Counted under the lock the lookup holds anyway: one shared atomic counter, written by
     * every thread on every request, kept its cache line moving between the cores. */
    uint64_t hits, misses;
} shard;

struct srv_rcache {
    shard shards[SHARDS];
    uint64_t capacity;
    uint64_t evictions; /* atomic */
    uint64_t seed;      /* random per cache: slots differ between processes */
};

/* The fast hash, salted and mixed so that its high bits pick the shard and its low bits the
 * slot. It was SipHash, 880 instructions of a cache hit's 23,400 (callgrind); PROBES_MAX now
 * bounds what colliding keys can cost instead. */
static uint64_t
hash_key(const srv_rcache *c, const void *key, size_t n)
{
    uint64_t v = steme__fast_hash(key, n) ^ c->seed;
    v = (v ^ v >> 32) * STEME__FH_K4;
    return v ^ v >> 29;
}

static shard *
shard_of(srv_rcache *c, uint64_t h)
{
    return &c->shards[h >> 60 & (SHARDS - 1)];
}

srv_rcache *
srv_rcache_new(uint64_t max_bytes)
{
    if (max_bytes == 0)
        return NULL;
    srv_rcache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->capacity = max_bytes;
    steme__random(&c->seed, sizeof(c->seed));
    for (size_t i = 0; i < SHARDS; i++) {
        shard *s = &c->shards[i];
        s->capacity = max_bytes / SHARDS;
        s->nslots = MIN_SLOTS;
        s->slots = calloc(s->nslots, sizeof(*s->slots));
        if (!s->slots) {
            srv_rcache_free(c);
            return NULL;
        }
        pthread_mutex_init(&s->lock, NULL);
    }
    return c;
}

void
srv_rcache_free(srv_rcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SHARDS; i++) {
        shard *s = &c->shards[i];
        if (!s->slots)
            continue; /* a failed srv_rcache_new: nothing initialised from here on */
        for (steme__lru_node *n = s->lru.newest, *next; n; n = next) {
            next = n->older;
            entry *e = STEME__LRU_ENTRY(n, entry, lru);
            srv_rbody_unref(e->body);
            free(e);
        }
        free(s->slots);
        pthread_mutex_destroy(&s->lock);
    }
    free(c);
}

/* The slot holding key's entry, or the empty slot where its probe ends; NO_SLOT when neither
 * is within PROBES_MAX of its home. Every entry is kept within it, so a kept key is found. */
static size_t
find(const shard *s, uint64_t h, const void *key, size_t n)
{
    size_t mask = s->nslots - 1, i = h & mask;
    for (int probes = 0; probes < PROBES_MAX; probes++, i = (i + 1) & mask) {
        const slot *sl = &s->slots[i];
        if (!sl->e || (sl->hash == h && sl->e->key_len == n && memcmp(sl->e->key, key, n) == 0))
            return i;
    }
    return NO_SLOT;
}

/* Empty slot i, moving later entries of its run back so that every probe still finds them
 * (backward shift: an entry moves into the hole when the hole lies on its own probe path). */
static void
clear_slot(shard *s, size_t i)
{
    size_t mask = s->nslots - 1;
    for (size_t j = (i + 1) & mask; s->slots[j].e; j = (j + 1) & mask) {
        size_t home = s->slots[j].hash & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            s->slots[i] = s->slots[j];
            i = j;
        }
    }
    s->slots[i] = (slot){0};
}

/* Take e out of the recency list and the byte count, and free it. */
static void
forget(shard *s, entry *e)
{
    steme__lru_unlink(&s->lru, &e->lru);
    s->bytes -= e->charge;
    srv_rbody_unref(e->body);
    free(e);
}

/* Take e (in slot i) out of the shard and free it. */
static void
drop(shard *s, size_t i, entry *e)
{
    clear_slot(s, i);
    forget(s, e);
}

/* Double the slots; a failed allocation keeps the old table (false). An entry that would land
 * past PROBES_MAX from its home is dropped: find could not reach it. */
static bool
grow(shard *s)
{
    size_t n = s->nslots * 2;
    slot *t = calloc(n, sizeof(*t));
    if (!t)
        return false;
    for (size_t i = 0; i < s->nslots; i++) {
        if (!s->slots[i].e)
            continue;
        size_t j = s->slots[i].hash & (n - 1);
        int probes = 1;
        while (t[j].e && probes < PROBES_MAX) {
            j = (j + 1) & (n - 1);
            probes++;
        }
        if (t[j].e)
            forget(s, s->slots[i].e);
        else
            t[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = t;
    s->nslots = n;
    return true;
}

srv_rbody *
srv_rcache_get(srv_rcache *c, const void *key, size_t key_len, uint64_t position, uint64_t log_end)
{
    if (!c)
        return NULL;
    uint64_t h = hash_key(c, key, key_len);
    shard *s = shard_of(c, h);
    srv_rbody *b = NULL;
    pthread_mutex_lock(&s->lock);
    size_t i = find(s, h, key, key_len);
    entry *e = i != NO_SLOT ? s->slots[i].e : NULL;
    if (e && e->position == position && e->log_end == log_end) {
        steme__lru_touch(&s->lru, &e->lru);
        b = srv_rbody_ref(e->body);
    }
    if (b)
        s->hits++;
    else
        s->misses++;
    pthread_mutex_unlock(&s->lock);
    return b;
}

void
srv_rcache_put(srv_rcache *c, const void *key, size_t key_len, uint64_t position, uint64_t log_end,
               srv_rbody *b)
{
    if (!c)
        return;
    size_t charge = sizeof(entry) + key_len + sizeof(srv_rbody) + b->len + 1;
    uint64_t h = hash_key(c, key, key_len);
    shard *s = shard_of(c, h);
    if (charge > s->capacity)
        return;
    /* Built outside the lock; thrown away when a newer answer is already there. */
    entry *e = malloc(sizeof(*e) + key_len);
    if (!e)
        return;
    *e = (entry){
        .hash = h, .position = position, .log_end = log_end, .charge = charge, .key_len = key_len};
    memcpy(e->key, key, key_len);
    uint64_t evicted = 0;

    pthread_mutex_lock(&s->lock);
    size_t i = find(s, h, key, key_len);
    entry *cur = i != NO_SLOT ? s->slots[i].e : NULL;
    if (cur &&
        (cur->position > position || (cur->position == position && cur->log_end > log_end))) {
        pthread_mutex_unlock(&s->lock);
        free(e);
        return;
    }
    if (cur)
        drop(s, i, cur);
    while (s->bytes + charge > s->capacity && s->lru.oldest) {
        entry *old = STEME__LRU_ENTRY(s->lru.oldest, entry, lru);
        drop(s, find(s, old->hash, old->key, old->key_len), old);
        evicted++;
    }
    /* At most half full: a probe ends soon. Without memory to grow, or with no slot near its
     * home (keys made to collide), not kept. */
    if ((2 * (s->lru.n + 1) > s->nslots && !grow(s)) || (i = find(s, h, key, key_len)) == NO_SLOT) {
        pthread_mutex_unlock(&s->lock);
        free(e);
        if (evicted)
            __atomic_add_fetch(&c->evictions, evicted, __ATOMIC_RELAXED);
        return;
    }
    e->body = srv_rbody_ref(b);
    s->slots[i] = (slot){h, e};
    steme__lru_push(&s->lru, &e->lru);
    s->bytes += charge;
    pthread_mutex_unlock(&s->lock);
    if (evicted)
        __atomic_add_fetch(&c->evictions, evicted, __ATOMIC_RELAXED);
}

void
srv_rcache_stats_get(srv_rcache *c, srv_rcache_stats *ret)
{
    *ret = (srv_rcache_stats){0};
    if (!c)
        return;
    ret->evictions = __atomic_load_n(&c->evictions, __ATOMIC_RELAXED);
    ret->capacity = c->capacity;
    for (size_t i = 0; i < SHARDS; i++) {
        shard *s = &c->shards[i];
        pthread_mutex_lock(&s->lock);
        ret->entries += s->lru.n;
        ret->bytes += s->bytes;
        ret->hits += s->hits;
        ret->misses += s->misses;
        pthread_mutex_unlock(&s->lock);
    }
}
