/* SPDX-License-Identifier: MIT */
/*
 * engine.h -- what the engine's files share: the steme_db struct and the ingest entry point.
 *
 * db.c holds the public steme_db_* functions; ingest.c the write path (validate -> verify ->
 * group commit). Tests include this header for steme__db_commits().
 */
#ifndef STEME_ENGINE_H
#define STEME_ENGINE_H

#include <pthread.h>
#include <stdbool.h>

#include "steme.h"
#include "rules.h"
#include "store.h"
#include "verify_pool.h"

typedef struct steme__commit_req steme__commit_req;

struct steme_db {
    steme__store *store;
    steme__rules *rules; /* the knowledge rules, run by the store inside every append */
    struct steme__ratelimit *ratelimit; /* per-agent rate limits and breakers (ratelimit.c) */
    steme_db_options opts;
    steme_pubkey genesis_admin; /* opts.genesis_admin points here after open */
    steme__verify_pool *pool;   /* NULL when single-threaded */
    struct steme__mv *mv;       /* materialized query results (query_mv.c) */

    pthread_mutex_t lock;
    pthread_cond_t cond; /* a group commit finished */
    pthread_cond_t idle; /* the last in-flight ingest returned */
    unsigned inflight;   /* ingest calls inside the engine */
    bool closing;
    bool committing;          /* a leader is appending */
    steme__commit_req *queue; /* verified requests waiting for a leader, oldest first */
    steme__commit_req **queue_tail;
};

/* Validate, verify and group-commit (steme_db_ingest after argument checks). */
steme_err steme__ingest(steme_db *db, const steme_signed *recs, size_t n,
                        steme_ingest_result *results, unsigned flags);

/* Write transactions committed since open. Group commit shows as fewer commits than calls. */
uint64_t steme__db_commits(steme_db *db);

#endif
