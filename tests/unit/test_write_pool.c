/* SPDX-License-Identifier: MIT */
/*
 * test_write_pool.c -- the server's write pool (src/server/write_pool.c): every job runs
 * once, as many at once as there are threads (a job that waits for all the others to start
 * would wait forever on a pool that ran them one by one), closing waits for every reserved
 * job, even one submitted after the close began, and refuses new reservations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "write_pool.h"

#define THREADS 6

typedef struct job {
    srv_wjob w;
    atomic_int *runs;
} job;

static void
count_run(srv_wjob *w)
{
    job *j = (job *)w;
    atomic_fetch_add(j->runs, 1);
}

static void
test_every_job_once(void **state)
{
    (void)state;
    enum { N = 5000 };
    static job jobs[N];
    atomic_int runs[N];
    srv_wpool *p = srv_wpool_new(THREADS);
    assert_non_null(p);
    for (int i = 0; i < N; i++) {
        atomic_init(&runs[i], 0);
        jobs[i] = (job){.w.run = count_run, .runs = &runs[i]};
        assert_true(srv_wpool_reserve(p));
        srv_wpool_submit(p, &jobs[i].w);
    }
    srv_wpool_close(p);
    for (int i = 0; i < N; i++)
        assert_int_equal(atomic_load(&runs[i]), 1);
    assert_false(srv_wpool_reserve(p));
    srv_wpool_free(p);
}

/* Jobs that each wait until all THREADS have started: only a pool running them at once ends. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int started;
static int timed_out;

static void
wait_for_all(srv_wjob *w)
{
    (void)w;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60; /* a failure, not a hang */
    pthread_mutex_lock(&gate_lock);
    started++;
    pthread_cond_broadcast(&gate_cond);
    while (started < THREADS)
        if (pthread_cond_timedwait(&gate_cond, &gate_lock, &until) == ETIMEDOUT) {
            timed_out++;
            break;
        }
    pthread_mutex_unlock(&gate_lock);
}

static void
test_jobs_run_at_once(void **state)
{
    (void)state;
    srv_wjob w[THREADS];
    srv_wpool *p = srv_wpool_new(THREADS);
    assert_non_null(p);
    started = timed_out = 0;
    for (int i = 0; i < THREADS; i++) {
        w[i].run = wait_for_all;
        assert_true(srv_wpool_reserve(p));
        srv_wpool_submit(p, &w[i]);
    }
    srv_wpool_close(p);
    assert_int_equal(started, THREADS);
    assert_int_equal(timed_out, 0);
    srv_wpool_free(p);
}

/* A reservation taken before the close is honoured: the close waits for its job, which is
 * submitted by another thread only after the close has begun. */
typedef struct late {
    srv_wpool *p;
    job j;
    atomic_int runs;
} late;

static void *
submit_late(void *arg)
{
    late *l = arg;
    struct timespec ms = {0, 200 * 1000 * 1000};
    nanosleep(&ms, NULL);
    srv_wpool_submit(l->p, &l->j.w);
    return NULL;
}

static void
test_close_waits_for_reserved(void **state)
{
    (void)state;
    late l;
    pthread_t th;
    l.p = srv_wpool_new(2);
    assert_non_null(l.p);
    atomic_init(&l.runs, 0);
    l.j = (job){.w.run = count_run, .runs = &l.runs};
    assert_true(srv_wpool_reserve(l.p));
    assert_int_equal(pthread_create(&th, NULL, submit_late, &l), 0);
    srv_wpool_close(l.p);
    assert_int_equal(atomic_load(&l.runs), 1);
    assert_false(srv_wpool_reserve(l.p));
    pthread_join(th, NULL);
    srv_wpool_free(l.p);
    srv_wpool_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_job_once),
        cmocka_unit_test(test_jobs_run_at_once),
        cmocka_unit_test(test_close_waits_for_reserved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
