/* SPDX-License-Identifier: MIT */
/*
 * verify_pool.h -- a fixed pool of threads for parallel-for loops over a batch, used to verify
 * Ed25519 signatures on every core.
 *
 * The calling thread always takes part in its own loop, so a pool of t - 1 threads gives t-way
 * parallelism, and a caller never waits idle for a busy pool. Several callers may run loops
 * at once; idle threads join whichever loop still has unclaimed items.
 */
#ifndef STEME_ENGINE_VERIFY_POOL_H
#define STEME_ENGINE_VERIFY_POOL_H

#include <stddef.h>

#include "steme.h"

typedef struct steme__verify_pool steme__verify_pool;

/* Called once for each index i of a loop, from any thread of the pool or the caller. */
typedef void (*steme__work_fn)(void *ctx, size_t i);

/* A pool giving `parallelism`-way loops: parallelism - 1 threads are started (none for 0 or 1).
 * Errors: STEME_ENOMEM, STEME_ESYSERR|errno (a thread could not be started). */
steme_err steme__verify_pool_new(unsigned parallelism, steme__verify_pool **ret);

/* Stops and joins the threads; no loop may be running. Accepts NULL. */
void steme__verify_pool_free(steme__verify_pool *p);

/* Run fn(ctx, i) for every i in [0, n) and return when all calls have returned. p may be NULL
 * (everything runs in the caller); small loops run in the caller too. */
void steme__verify_pool_run(steme__verify_pool *p, size_t n, steme__work_fn fn, void *ctx);

#endif
