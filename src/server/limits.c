/* SPDX-License-Identifier: MIT */
/*
 * limits.c -- token buckets per key and per address (limits.h).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

#define SLOTS   4096 /* per scope; a power of two */
#define STRIPES 64

typedef struct bucket {
    uint64_t owner; /* hash of the caller; 0 = free */
    double tokens;
    uint64_t last_ns;
} bucket;

struct srv_limiter {
    unsigned rate[2];
    double cap[2];
    uint64_t seed;
    bucket slots[2][SLOTS];
    pthread_mutex_t locks[STRIPES];
};

/* FNV-1a with a per-process seed, so a client cannot aim at another client's slot. */
static uint64_t
hash_of(uint64_t seed, const char *s)
{
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

srv_limiter *
srv_limiter_new(unsigned rate_per_key, unsigned rate_per_ip, unsigned burst_s)
{
    srv_limiter *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->rate[SRV_SCOPE_KEY] = rate_per_key;
    l->rate[SRV_SCOPE_IP] = rate_per_ip;
    for (int i = 0; i < 2; i++)
        l->cap[i] = (double)l->rate[i] * (burst_s ? burst_s : 1);
    l->seed = srv_now_ns() * 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&l->locks[i], NULL);
    return l;
}

void
srv_limiter_free(srv_limiter *l)
{
    if (!l)
        return;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&l->locks[i]);
    free(l);
}

bool
srv_limiter_take(srv_limiter *l, srv_scope scope, const char *who, unsigned *retry_after_s)
{
    return srv_limiter_take_at(l, scope, who, srv_now_ns(), retry_after_s);
}

bool
srv_limiter_take_at(srv_limiter *l, srv_scope scope, const char *who, uint64_t now,
                    unsigned *retry_after_s)
{
    if (l->rate[scope] == 0)
        return true;
    uint64_t h = hash_of(l->seed, who);
    size_t slot = (size_t)(h % SLOTS);
    pthread_mutex_t *lk = &l->locks[slot % STRIPES];
    double rate = l->rate[scope];
    bool ok;

    pthread_mutex_lock(lk);
    bucket *b = &l->slots[scope][slot];
    if (b->owner != h) {
        b->owner = h;
        b->tokens = l->cap[scope];
        b->last_ns = now;
    }
    /* The clock was read before the lock: a thread that took the lock first may have
     * stamped a later time. Without this check, the difference wraps and fills the bucket. */
    if (now > b->last_ns) {
        double refill = (double)(now - b->last_ns) / 1e9 * rate;
        b->tokens = b->tokens + refill > l->cap[scope] ? l->cap[scope] : b->tokens + refill;
        b->last_ns = now;
    }
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    else {
        double wait = (1.0 - b->tokens) / rate;
        *retry_after_s = wait < 1.0 ? 1 : (unsigned)(wait + 0.999);
    }
    pthread_mutex_unlock(lk);
    return ok;
}
