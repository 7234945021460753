/* SPDX-License-Identifier: MIT */
/*
 * write_pool.h -- the threads that run write handlers, so that an HTTP worker thread never
 * waits for a commit (docs/server.md, "Writes").
 *
 * An ingest call returns when its records are durable: it waits for the group commit and its
 * fsync. Run on one of the few HTTP threads (one per core), it would stall every other
 * connection of that thread meanwhile, and the engine would see only as many concurrent
 * callers as there are HTTP threads, so its group commits would stay small. Instead the HTTP
 * thread suspends the connection and hands the request to this pool; the job answers it and
 * resumes the connection.
 *
 * Order: a caller first reserves a place (srv_wpool_reserve), then suspends its connection,
 * then submits. Closing refuses new reservations and waits for every reserved job, so that
 * after srv_wpool_close no connection stays suspended by the pool (libmicrohttpd cannot stop
 * with one).
 */
#ifndef STEME_SERVER_WRITE_POOL_H
#define STEME_SERVER_WRITE_POOL_H

#include <stdbool.h>

typedef struct srv_wpool srv_wpool;

/* A queued job: embedded in what it runs for, so that submitting cannot fail. */
typedef struct srv_wjob {
    void (*run)(struct srv_wjob *job);
    struct srv_wjob *next;
} srv_wjob;

/* Start threads workers. NULL when a thread or memory cannot be had. */
srv_wpool *srv_wpool_new(unsigned threads);

/* A place for one job, or false once the pool is closing (then run the work inline). */
bool srv_wpool_reserve(srv_wpool *p);

/* Queue job, which must hold a reservation. */
void srv_wpool_submit(srv_wpool *p, srv_wjob *job);

/* Jobs waiting for a thread, and jobs running now (for /metrics). */
void srv_wpool_load(srv_wpool *p, unsigned long *queued, unsigned long *running);

/* Refuse new reservations, wait until every reserved job has run. Idempotent. */
void srv_wpool_close(srv_wpool *p);

/* Close, stop and join the threads, free. Accepts NULL. */
void srv_wpool_free(srv_wpool *p);

#endif
