/* SPDX-License-Identifier: MIT */
/*
 * fasthash.h -- a fast, unkeyed 64-bit hash of bytes for short-lived tables inside one call
 * (a query's memos, a lens run's tables), where a few multiplications beat a byte-at-a-time
 * chain or SipHash.
 *
 * Not keyed: inputs can be made to collide on purpose. Only a table that bounds its probes
 * and falls back to something that does not hash (a sort, a store read) may use it; tables
 * that live across calls and hold what clients chose use steme__table_hash (crypto.h).
 */
#ifndef STEME_CORE_FASTHASH_H
#define STEME_CORE_FASTHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define STEME__FH_K1 UINT64_C(0x9E3779B97F4A7C15)
#define STEME__FH_K2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define STEME__FH_K3 UINT64_C(0x165667B19E3779F9)
#define STEME__FH_K4 UINT64_C(0xD6E8FEB86659FD93)

static inline uint64_t
steme__fh_load64(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

static inline uint64_t
steme__fh_load32(const uint8_t *p)
{
    uint32_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

/* Of len bytes: up to 16 from two overlapping loads, longer ones a word at a time first. */
static inline uint64_t
steme__fast_hash(const void *ptr, size_t len)
{
    const uint8_t *p = ptr;
    uint64_t h = len * STEME__FH_K3, a = 0, b = 0;
    for (; len > 16; p += 8, len -= 8)
        h = (h ^ steme__fh_load64(p)) * STEME__FH_K4;
    if (len >= 8) {
        a = steme__fh_load64(p);
        b = steme__fh_load64(p + len - 8);
    } else if (len >= 4) {
        a = steme__fh_load32(p);
        b = steme__fh_load32(p + len - 4);
    } else if (len > 0) {
        a = (uint64_t)p[0] << 16 | (uint64_t)p[len / 2] << 8 | p[len - 1];
    }
    return h ^ a * STEME__FH_K1 ^ b * STEME__FH_K2;
}

/* A table slot of 1 << bits for hash h: its top bits, after folding the high half in. */
static inline size_t
steme__fast_slot(uint64_t h, unsigned bits)
{
    return (size_t)(((h ^ h >> 32) * STEME__FH_K4) >> (64 - bits));
}

#endif
