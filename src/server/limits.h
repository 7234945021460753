/* SPDX-License-Identifier: MIT */
/*
 * limits.h -- request rate limits per API key and per client address: token buckets.
 *
 * A bucket holds rate x burst tokens and refills at rate per second; a request takes one.
 * Buckets live in a fixed table indexed by a keyed hash of the caller (key id or address), so
 * memory is bounded whatever an attacker sends: a caller whose slot is taken by another gets
 * a fresh bucket, which can only make the limit looser for a caller that was evicted, never
 * refuse one that is within its rate.
 */
#ifndef STEME_SERVER_LIMITS_H
#define STEME_SERVER_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include "srv.h"

typedef enum srv_scope { SRV_SCOPE_KEY, SRV_SCOPE_IP } srv_scope;

srv_limiter *srv_limiter_new(unsigned rate_per_key, unsigned rate_per_ip, unsigned burst_s);
void srv_limiter_free(srv_limiter *l);

/* Take one token for who in scope. False when the bucket is empty: *retry_after_s is then the
 * whole seconds until a token is back (at least 1). Always true when the scope's rate is 0. */
bool srv_limiter_take(srv_limiter *l, srv_scope scope, const char *who, unsigned *retry_after_s);

/* The same at a given time on srv_now_ns()'s clock (tests drive the clock with it). */
bool srv_limiter_take_at(srv_limiter *l, srv_scope scope, const char *who, uint64_t now_ns,
                         unsigned *retry_after_s);

#endif
