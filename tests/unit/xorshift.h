/* SPDX-License-Identifier: MIT */
/*
 * xorshift.h -- the tests' one pseudo-random generator (Marsaglia's xorshift64): repeatable
 * from its seed, so that a failing case comes back on every run.
 */
#ifndef STEME_TESTS_XORSHIFT_H
#define STEME_TESTS_XORSHIFT_H

#include <stdint.h>

/* The next value of the sequence in *state (which must not be 0), also left in *state. */
static inline uint64_t
test_xorshift(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

#endif
