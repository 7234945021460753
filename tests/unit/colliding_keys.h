/* SPDX-License-Identifier: MIT */
/*
 * colliding_keys.h -- 16-byte keys that share one unsalted fast hash (src/core/fasthash.h), for
 * the caches that hash with it and must stay cheap when a client sends such keys on purpose.
 */
#ifndef STEME_TESTS_COLLIDING_KEYS_H
#define STEME_TESTS_COLLIDING_KEYS_H

#include <stdint.h>
#include <string.h>

#include "fasthash.h"

/* The inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits). */
static inline uint64_t
test_inverse64(uint64_t k)
{
    uint64_t x = k;
    for (int i = 0; i < 6; i++)
        x *= 2 - k * x;
    return x;
}

/* For 16 bytes the fast hash is C ^ a * K1 ^ b * K2 over the two words a, b, so any a has a b
 * that gives the target: every key made here hashes alike, whatever a is. */
static inline void
test_colliding_key(uint8_t key[16], uint64_t a)
{
    const uint64_t t = 0x0123456789abcdefu;
    uint64_t b = (t ^ a * STEME__FH_K1) * test_inverse64(STEME__FH_K2);
    memcpy(key, &a, 8);
    memcpy(key + 8, &b, 8);
}

#endif
