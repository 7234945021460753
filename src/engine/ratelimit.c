/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.c -- per-agent token buckets and circuit breakers for ingest (ratelimit.h,
 * docs/trust.md).
 *
 * The table is set-associative: an agent's key hashes (with a per-open random salt, so that
 * nobody can grind keys into one bucket) to a bucket of WAYS slots. One mutex guards the table;
 * the work under it is a few comparisons per record, far below the cost of the signature
 * verification that precedes it.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "bytes.h"
#include "crypto.h"
#include "ratelimit.h"

#define BUCKETS           512 /* x WAYS agents tracked at once */
#define WAYS              8
#define DEFAULT_BURST_X   10    /* rate_burst = 0: ten seconds' worth of records */
#define DEFAULT_WINDOW_MS 60000 /* breaker_window_ms = 0 */

typedef struct slot {
    steme_pubkey pk;
    bool used;
    int64_t seen_ms;     /* last admission or refusal: the eviction order */
    int64_t refill_ms;   /* when tokens was last brought up to date */
    double tokens;       /* records the agent may still send now */
    int64_t window_ms;   /* start of the current refusal window */
    uint32_t refusals;   /* refusals in that window */
    int64_t open_until;  /* the breaker is open before this time (0: closed) */
    uint64_t rejections; /* every refusal since the slot was taken */
} slot;

struct steme__ratelimit {
    pthread_mutex_t lock;
    double rate;    /* tokens per ms; 0: no rate limit */
    double burst;   /* bucket size */
    uint32_t trip;  /* refusals that open the breaker; 0: no breaker */
    int64_t window; /* ms */
    uint8_t salt[16];
    slot slots[BUCKETS * WAYS];
};

int64_t
steme__ratelimit_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

steme_err
steme__ratelimit_new(const steme_db_options *opts, steme__ratelimit **ret)
{
    steme__ratelimit *rl = steme__calloc(1, sizeof(*rl));
    int r;

    if (rl == NULL)
        return STEME_ENOMEM;
    if ((r = pthread_mutex_init(&rl->lock, NULL)) != 0) {
        steme__free(rl);
        return (steme_err)(STEME_ESYSERR | r);
    }
    rl->rate = opts->rate_per_agent / 1000.0;
    rl->burst =
        opts->rate_burst != 0 ? opts->rate_burst : (double)opts->rate_per_agent * DEFAULT_BURST_X;
    /* A bucket smaller than one record would refuse everything. */
    if (rl->burst < 1)
        rl->burst = 1;
    rl->trip = opts->breaker_rejections;
    rl->window = opts->breaker_window_ms != 0 ? opts->breaker_window_ms : DEFAULT_WINDOW_MS;
    steme__random(rl->salt, sizeof(rl->salt));
    *ret = rl;
    return STEME_OK;
}

void
steme__ratelimit_free(steme__ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->lock);
    steme__free(rl);
}

static slot *
bucket_of(steme__ratelimit *rl, const steme_pubkey *pk)
{
    uint8_t in[sizeof(rl->salt) + STEME_PUBKEY_SIZE], h[8];

    memcpy(in, rl->salt, sizeof(rl->salt));
    memcpy(in + sizeof(rl->salt), pk->b, STEME_PUBKEY_SIZE);
    steme__hash64(in, sizeof(in), h);
    return &rl->slots[(steme__get_u64(h) % BUCKETS) * WAYS];
}

static slot *
find(steme__ratelimit *rl, const steme_pubkey *pk)
{
    slot *b = bucket_of(rl, pk);
    for (int i = 0; i < WAYS; i++)
        if (b[i].used && memcmp(b[i].pk.b, pk->b, STEME_PUBKEY_SIZE) == 0)
            return &b[i];
    return NULL;
}

/* Whether slot a should be evicted rather than b. An agent whose breaker is open goes last:
 * evicting it would close its breaker. Among equals, the least recently seen goes first. */
static bool
evict_before(const slot *a, const slot *b, int64_t now)
{
    bool a_open = a->open_until > now, b_open = b->open_until > now;
    if (a_open != b_open)
        return !a_open;
    return a->seen_ms < b->seen_ms;
}

/* pk's slot, taking a free one or evicting one of its bucket. */
static slot *
find_or_take(steme__ratelimit *rl, const steme_pubkey *pk, int64_t now)
{
    slot *b = bucket_of(rl, pk), *free_slot = NULL, *victim = NULL;

    for (int i = 0; i < WAYS; i++) {
        slot *s = &b[i];
        if (!s->used) {
            if (free_slot == NULL)
                free_slot = s;
        } else if (memcmp(s->pk.b, pk->b, STEME_PUBKEY_SIZE) == 0) {
            return s;
        } else if (victim == NULL || evict_before(s, victim, now)) {
            victim = s;
        }
    }
    if (free_slot != NULL)
        victim = free_slot;
    memset(victim, 0, sizeof(*victim));
    victim->pk = *pk;
    victim->used = true;
    victim->refill_ms = now;
    victim->tokens = rl->burst;
    return victim;
}

/* One refusal: counted, and toward the breaker. The window starts at the first refusal after a
 * quiet period and lasts rl->window; trip refusals inside it open the breaker for as long. */
static void
refuse_locked(steme__ratelimit *rl, slot *s, int64_t now)
{
    s->rejections++;
    s->seen_ms = now;
    if (rl->trip == 0)
        return;
    if (s->refusals == 0 || now - s->window_ms >= rl->window) {
        s->window_ms = now;
        s->refusals = 0;
    }
    if (++s->refusals >= rl->trip) {
        s->open_until = now + rl->window;
        s->refusals = 0;
    }
}

static steme_err
refuse(steme_errinfo *ei, const char *rule)
{
    ei->field = "agent";
    ei->rule = rule;
    ei->offset = 0;
    return STEME_EINVAL;
}

steme_err
steme__ratelimit_admit(steme__ratelimit *rl, const steme_pubkey *pk, int64_t now, steme_errinfo *ei)
{
    steme_err err = STEME_OK;
    slot *s;

    if (rl->rate == 0 && rl->trip == 0)
        return STEME_OK;
    pthread_mutex_lock(&rl->lock);
    s = find_or_take(rl, pk, now);
    if (s->open_until > now) {
        /* Counted, but not toward the breaker: a client retrying against an open breaker
         * must still get out when the window ends. */
        s->rejections++;
        s->seen_ms = now;
        err = refuse(ei, STEME__BREAKER_RULE);
        goto out_unlock;
    }
    s->open_until = 0;
    s->seen_ms = now;
    if (rl->rate > 0) {
        /* The clock is monotonic, but two threads may read it in either order. */
        if (now > s->refill_ms) {
            s->tokens += (double)(now - s->refill_ms) * rl->rate;
            if (s->tokens > rl->burst)
                s->tokens = rl->burst;
            s->refill_ms = now;
        }
        if (s->tokens < 1.0) {
            refuse_locked(rl, s, now);
            err = refuse(ei, STEME__RATE_RULE);
            goto out_unlock;
        }
        s->tokens -= 1.0;
    }

out_unlock:
    pthread_mutex_unlock(&rl->lock);
    return err;
}

void
steme__ratelimit_refused(steme__ratelimit *rl, const steme_pubkey *pk, int64_t now)
{
    pthread_mutex_lock(&rl->lock);
    refuse_locked(rl, find_or_take(rl, pk, now), now);
    pthread_mutex_unlock(&rl->lock);
}

uint64_t
steme__ratelimit_rejections(steme__ratelimit *rl, const steme_pubkey *pk)
{
    uint64_t n;

    pthread_mutex_lock(&rl->lock);
    slot *s = find(rl, pk);
    n = s != NULL ? s->rejections : 0;
    pthread_mutex_unlock(&rl->lock);
    return n;
}
