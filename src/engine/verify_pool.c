/* SPDX-License-Identifier: MIT */
/*
 * verify_pool.c -- the signature verification thread pool (verify_pool.h).
 *
 * A loop is a job on the pool's list with an atomic cursor over its items; whoever runs it
 * (the caller or a pool thread) claims chunks of items with one atomic add until none are
 * left. The caller then unlinks its job and waits only for the pool threads still finishing
 * a chunk of it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "alloc.h"
#include "verify_pool.h"

/* Below this many items the loop runs in the caller: an Ed25519 verification costs tens of
 * microseconds, about what waking a sleeping thread costs. */
#define INLINE_MAX 3
#define CHUNK_MAX  64

typedef struct job {
    steme__work_fn fn;
    void *ctx;
    size_t n;
    size_t chunk;
    _Atomic size_t next; /* first unclaimed item */
    unsigned workers;    /* pool threads inside the job (under the pool lock) */
    struct job *next_job;
} job;

struct steme__verify_pool {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was posted, or stop */
    pthread_cond_t idle; /* a pool thread left a job */
    job *jobs;           /* jobs that may still have unclaimed items */
    bool stop;
    unsigned n_threads;
    pthread_t threads[];
};

static void
run_chunks(job *j)
{
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, j->chunk);
        size_t end;

        if (i >= j->n)
            return;
        end = j->n - i < j->chunk ? j->n : i + j->chunk;
        for (; i < end; i++)
            j->fn(j->ctx, i);
    }
}

/* Under the lock. */
static void
unlink_job(steme__verify_pool *p, job *j)
{
    for (job **pp = &p->jobs; *pp != NULL; pp = &(*pp)->next_job) {
        if (*pp == j) {
            *pp = j->next_job;
            return;
        }
    }
}

static void *
worker(void *arg)
{
    steme__verify_pool *p = arg;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        job *j;

        while (!p->stop && p->jobs == NULL)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->stop)
            break;
        j = p->jobs;
        j->workers++;
        pthread_mutex_unlock(&p->lock);

        run_chunks(j);

        pthread_mutex_lock(&p->lock);
        /* Every item is claimed: nobody else should join. */
        unlink_job(p, j);
        if (--j->workers == 0)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

steme_err
steme__verify_pool_new(unsigned parallelism, steme__verify_pool **ret)
{
    unsigned n = parallelism > 1 ? parallelism - 1 : 0;
    steme__verify_pool *p;
    int r;

    p = steme__calloc(1, sizeof(*p) + n * sizeof(pthread_t));
    if (p == NULL)
        return STEME_ENOMEM;
    if ((r = pthread_mutex_init(&p->lock, NULL)) != 0)
        goto out_free;
    if ((r = pthread_cond_init(&p->work, NULL)) != 0)
        goto out_destroy_lock;
    if ((r = pthread_cond_init(&p->idle, NULL)) != 0)
        goto out_destroy_work;
    for (; p->n_threads < n; p->n_threads++) {
        r = pthread_create(&p->threads[p->n_threads], NULL, worker, p);
        if (r != 0) {
            steme__verify_pool_free(p);
            return (steme_err)(STEME_ESYSERR | r);
        }
    }
    *ret = p;
    return STEME_OK;

out_destroy_work:
    pthread_cond_destroy(&p->work);
out_destroy_lock:
    pthread_mutex_destroy(&p->lock);
out_free:
    steme__free(p);
    return (steme_err)(STEME_ESYSERR | r);
}

void
steme__verify_pool_free(steme__verify_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    steme__free(p);
}

void
steme__verify_pool_run(steme__verify_pool *p, size_t n, steme__work_fn fn, void *ctx)
{
    job j = {.fn = fn, .ctx = ctx, .n = n};

    if (p == NULL || p->n_threads == 0 || n <= INLINE_MAX) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i);
        return;
    }
    /* About four chunks per participant balances uneven items without contending on the
     * cursor. */
    j.chunk = n / (4 * ((size_t)p->n_threads + 1));
    if (j.chunk == 0)
        j.chunk = 1;
    if (j.chunk > CHUNK_MAX)
        j.chunk = CHUNK_MAX;

    pthread_mutex_lock(&p->lock);
    j.next_job = p->jobs;
    p->jobs = &j;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);

    run_chunks(&j);

    pthread_mutex_lock(&p->lock);
    unlink_job(p, &j);
    while (j.workers > 0)
        pthread_cond_wait(&p->idle, &p->lock);
    pthread_mutex_unlock(&p->lock);
}
