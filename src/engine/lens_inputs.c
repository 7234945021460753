/* SPDX-License-Identifier: MIT */
/*
 * lens_inputs.c -- the db's cache of sources' attributes and authors' trust for queries (see
 * lens_inputs.h for why it is exact). Two open-addressed tables under one reader-writer lock
 * (a query reads all its candidates' inputs under one read lock), keyed by the
 * source id's bytes or the agent's public key; both are emptied together when a reader with
 * newer stamps arrives.
 */
#include "lens_inputs.h"

#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "crypto.h"
#include "fasthash.h"

/* Most slots a lookup or an insertion looks at. Keys are chosen by writers and the hash is not
 * a keyed PRF, so colliding keys can be made on purpose; past this many probes a key is simply
 * not cached, and its reader reads the store as it would without the cache. */
#define PROBES_MAX 32

typedef struct slot {
    uint64_t hash; /* 0: empty */
    uint8_t *key;  /* owned */
    size_t kl;
    steme_tier tier;
    uint32_t weight;
    double value; /* reliability or trust */
} slot;

typedef struct table {
    slot *slots;
    size_t cap, n; /* cap a power of two, or 0 */
} table;

struct steme__linputs {
    pthread_rwlock_t lock;
    uint64_t seed;     /* random per cache: slots differ between processes */
    steme__lstamps st; /* the stamps every entry was read at */
    table sources, agents;
};

steme_err
steme__linputs_new(steme__linputs **ret)
{
    steme__linputs *c = steme__calloc(1, sizeof(*c));

    if (c == NULL)
        return STEME_ENOMEM;
    if (pthread_rwlock_init(&c->lock, NULL) != 0) {
        steme__free(c);
        return STEME_ENOMEM;
    }
    steme__random(&c->seed, sizeof(c->seed));
    *ret = c;
    return STEME_OK;
}

static void
table_clear(table *tb)
{
    for (size_t i = 0; i < tb->cap; i++)
        steme__free(tb->slots[i].key);
    steme__free(tb->slots);
    memset(tb, 0, sizeof(*tb));
}

void
steme__linputs_free(steme__linputs *c)
{
    if (c == NULL)
        return;
    table_clear(&c->sources);
    table_clear(&c->agents);
    pthread_rwlock_destroy(&c->lock);
    steme__free(c);
}

/* The fast hash, salted and mixed so that its low bits pick the slot, never 0: 0 marks an
 * empty slot. It used to be SipHash, a tenth of a trust-aware query's instructions (200 keys
 * per 100 candidates); PROBES_MAX now bounds what colliding keys can cost instead. */
static uint64_t
hash_of(const steme__linputs *c, const void *key, size_t kl)
{
    uint64_t v = steme__fast_hash(key, kl) ^ c->seed;
    v = (v ^ v >> 32) * STEME__FH_K4;
    v ^= v >> 29;
    return v != 0 ? v : 1;
}

/* The slot holding the key, or the empty slot where it would go; NULL when neither is within
 * PROBES_MAX of its home. */
static slot *
find(table *tb, const void *key, size_t kl, uint64_t h)
{
    if (tb->cap == 0)
        return NULL;
    size_t i = (size_t)h & (tb->cap - 1);
    for (int probes = 0; probes < PROBES_MAX; probes++, i = (i + 1) & (tb->cap - 1)) {
        slot *s = &tb->slots[i];
        if (s->hash == 0 ||
            (s->hash == h && s->kl == kl && (kl == 0 || memcmp(s->key, key, kl) == 0)))
            return s;
    }
    return NULL;
}

/* Double the table (kept at most half full, so a probe always ends). An entry that would land
 * past PROBES_MAX from its home is dropped: find could not reach it. */
static bool
grow(table *tb)
{
    size_t cap = tb->cap == 0 ? 256 : tb->cap * 2;
    slot *slots = steme__calloc(cap, sizeof(*slots));

    if (slots == NULL)
        return false;
    for (size_t i = 0; i < tb->cap; i++) {
        slot *s = &tb->slots[i];
        if (s->hash == 0)
            continue;
        size_t j = (size_t)s->hash & (cap - 1);
        int probes = 1;
        while (slots[j].hash != 0 && probes < PROBES_MAX) {
            j = (j + 1) & (cap - 1);
            probes++;
        }
        if (slots[j].hash != 0) {
            steme__free(s->key);
            tb->n--;
            continue;
        }
        slots[j] = *s;
    }
    steme__free(tb->slots);
    tb->slots = slots;
    tb->cap = cap;
    return true;
}

static void
insert(const steme__linputs *c, table *tb, const void *key, size_t kl, const slot *v)
{
    uint64_t h = hash_of(c, key, kl);
    slot *s;

    if (tb->n >= STEME__LINPUTS_MAX)
        return;
    if ((tb->n + 1) * 2 > tb->cap && !grow(tb))
        return;
    if ((s = find(tb, key, kl, h)) == NULL)
        return; /* too many colliding keys before it: left to the store */
    if (s->hash != 0) {
        s->tier = v->tier;
        s->weight = v->weight;
        s->value = v->value;
        return;
    }
    if ((s->key = steme__malloc(kl > 0 ? kl : 1)) == NULL)
        return;
    if (kl > 0)
        memcpy(s->key, key, kl);
    s->kl = kl;
    s->hash = h;
    s->tier = v->tier;
    s->weight = v->weight;
    s->value = v->value;
    tb->n++;
}

static bool
same_stamps(const steme__lstamps *a, const steme__lstamps *b)
{
    return a->source == b->source && a->trust == b->trust;
}

/* Under the lock: whether entries may be stored for a reader at st (emptying the cache for a
 * reader with newer stamps). */
static bool
adopt(steme__linputs *c, const steme__lstamps *st)
{
    if (same_stamps(&c->st, st))
        return true;
    if (st->source < c->st.source || st->trust < c->st.trust)
        return false; /* an older snapshot */
    table_clear(&c->sources);
    table_clear(&c->agents);
    c->st = *st;
    return true;
}

void
steme__linputs_read_begin(steme__linputs *c)
{
    pthread_rwlock_rdlock(&c->lock);
}

void
steme__linputs_read_end(steme__linputs *c)
{
    pthread_rwlock_unlock(&c->lock);
}

bool
steme__linputs_source_get(steme__linputs *c, const steme__lstamps *st, steme_str id,
                          steme_tier *tier, uint32_t *weight, double *reliability)
{
    if (!same_stamps(&c->st, st))
        return false;
    slot *s = find(&c->sources, id.ptr, id.len, hash_of(c, id.ptr, id.len));
    if (s == NULL || s->hash == 0)
        return false;
    *tier = s->tier;
    *weight = s->weight;
    *reliability = s->value;
    return true;
}

void
steme__linputs_source_put(steme__linputs *c, const steme__lstamps *st, steme_str id,
                          steme_tier tier, uint32_t weight, double reliability)
{
    slot v = {.tier = tier, .weight = weight, .value = reliability};

    pthread_rwlock_wrlock(&c->lock);
    if (adopt(c, st))
        insert(c, &c->sources, id.ptr, id.len, &v);
    pthread_rwlock_unlock(&c->lock);
}

bool
steme__linputs_trust_get(steme__linputs *c, const steme__lstamps *st, const steme_pubkey *agent,
                         double *trust)
{
    if (!same_stamps(&c->st, st))
        return false;
    slot *s =
        find(&c->agents, agent->b, STEME_PUBKEY_SIZE, hash_of(c, agent->b, STEME_PUBKEY_SIZE));
    if (s == NULL || s->hash == 0)
        return false;
    *trust = s->value;
    return true;
}

void
steme__linputs_trust_put(steme__linputs *c, const steme__lstamps *st, const steme_pubkey *agent,
                         double trust)
{
    slot v = {.value = trust};

    pthread_rwlock_wrlock(&c->lock);
    if (adopt(c, st))
        insert(c, &c->agents, agent->b, STEME_PUBKEY_SIZE, &v);
    pthread_rwlock_unlock(&c->lock);
}
