/* SPDX-License-Identifier: MIT */
/*
 * write_pool.c -- a fixed set of threads taking jobs from one FIFO queue (see write_pool.h).
 * One mutex guards the queue and the counts; workers wait on `work`, srv_wpool_close on
 * `idle`.
 */
#include "write_pool.h"

#include <pthread.h>
#include <stdlib.h>

struct srv_wpool {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was queued, or the pool is stopping */
    pthread_cond_t idle; /* reserved reached 0 */
    srv_wjob *head, *tail;
    unsigned long reserved; /* reserved and not yet finished */
    unsigned long queued;   /* submitted, not yet taken by a worker */
    unsigned long running;  /* taken by a worker, not yet finished */
    bool closing;           /* no new reservations */
    bool stopping;          /* workers exit once the queue is empty */
    unsigned n;
    pthread_t *threads;
};

static void *
worker(void *arg)
{
    srv_wpool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->work, &p->lock);
        srv_wjob *job = p->head;
        if (!job)
            break; /* stopping, and nothing left */
        p->head = job->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        p->running++;
        pthread_mutex_unlock(&p->lock);
        job->run(job); /* the job may be freed by the time this returns */
        pthread_mutex_lock(&p->lock);
        p->running--;
        if (--p->reserved == 0)
            pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void
stop_threads(srv_wpool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->n; i++)
        pthread_join(p->threads[i], NULL);
    p->n = 0;
}

srv_wpool *
srv_wpool_new(unsigned threads)
{
    srv_wpool *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->threads = calloc(threads ? threads : 1, sizeof(*p->threads));
    if (!p->threads) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->idle, NULL);
    for (; p->n < threads; p->n++) {
        if (pthread_create(&p->threads[p->n], NULL, worker, p) != 0) {
            srv_wpool_free(p);
            return NULL;
        }
    }
    return p;
}

bool
srv_wpool_reserve(srv_wpool *p)
{
    pthread_mutex_lock(&p->lock);
    bool ok = !p->closing;
    if (ok)
        p->reserved++;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void
srv_wpool_submit(srv_wpool *p, srv_wjob *job)
{
    job->next = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->queued++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
}

void
srv_wpool_load(srv_wpool *p, unsigned long *queued, unsigned long *running)
{
    pthread_mutex_lock(&p->lock);
    *queued = p->queued;
    *running = p->running;
    pthread_mutex_unlock(&p->lock);
}

void
srv_wpool_close(srv_wpool *p)
{
    pthread_mutex_lock(&p->lock);
    p->closing = true;
    while (p->reserved > 0)
        pthread_cond_wait(&p->idle, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

void
srv_wpool_free(srv_wpool *p)
{
    if (!p)
        return;
    if (p->n > 0) {
        srv_wpool_close(p);
        stop_threads(p);
    }
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p);
}
