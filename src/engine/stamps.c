/* SPDX-License-Identifier: MIT */
/*
 * stamps.c -- dependency stamps for materialized query results (docs/lenses.md "Materialized
 * views"): the last log position that changed anything a lens reads, per (subject,
 * predicate) key and globally for learned trust and for source tiers.
 *
 * The rules stamp inside the append transaction with the position of the record being
 * applied (steme__txn_applying), so the stamps are derived state like any other table: a
 * rebuild from the log writes the same bytes. A result computed at position P stays exact
 * while every stamp it depends on is <= P.
 *
 * Table STEME__T_STAMP: 'k' || hash64(subject) || hash64(predicate) -> version || seq (8);
 * 't' (agent trust or source reliability changed) and 's' (a source's tier or weight
 * changed) -> the same value. Two keys whose hashes collide share a stamp: that only
 * invalidates more often, never less.
 */
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "rules.h"

#define STAMP_VERSION 1

static void
key_of(steme_str subject, steme_str predicate, uint8_t k[17])
{
    k[0] = 'k';
    steme__hash64(subject.len ? subject.ptr : "", subject.len, k + 1);
    steme__hash64(predicate.len ? predicate.ptr : "", predicate.len, k + 9);
}

static steme_err
put(steme__txn *t, const uint8_t *k, size_t kl)
{
    uint64_t seq = steme__txn_applying(t);
    uint8_t v[9];

    if (seq == 0)
        return STEME_OK; /* a dry run or a snapshot: nothing is applied for good */
    v[0] = STAMP_VERSION;
    steme__put_u64(v + 1, seq);
    return steme__tput(t, STEME__T_STAMP, k, kl, v, sizeof(v));
}

static steme_err
get(steme__txn *t, const uint8_t *k, size_t kl, uint64_t *ret)
{
    steme__val v;
    steme_err err = steme__tget(t, STEME__T_STAMP, k, kl, &v);

    if (err == STEME_ENOTFOUND) {
        *ret = 0;
        return STEME_OK;
    }
    if (err != STEME_OK)
        return err;
    if (v.n != 9 || v.p[0] != STAMP_VERSION)
        return STEME_ECORRUPT;
    *ret = steme__get_u64(v.p + 1);
    return STEME_OK;
}

steme_err
steme__stamp_key(steme__txn *t, steme_str subject, steme_str predicate)
{
    uint8_t k[17];

    key_of(subject, predicate, k);
    return put(t, k, sizeof(k));
}

steme_err
steme__stamp_key_hashed(steme__txn *t, const uint8_t key[16])
{
    uint8_t k[17];

    k[0] = 'k';
    memcpy(k + 1, key, 16);
    return put(t, k, sizeof(k));
}

steme_err
steme__stamp_global(steme__txn *t, char which)
{
    uint8_t k = (uint8_t)which;
    return put(t, &k, 1);
}

steme_err
steme__stamps_get(steme__txn *t, steme_str subject, steme_str predicate, uint64_t *ret_key,
                  uint64_t *ret_trust, uint64_t *ret_source)
{
    uint8_t k[17], g;
    steme_err err;

    key_of(subject, predicate, k);
    if ((err = get(t, k, sizeof(k), ret_key)) != STEME_OK)
        return err;
    g = STEME__STAMP_TRUST;
    if ((err = get(t, &g, 1, ret_trust)) != STEME_OK)
        return err;
    g = STEME__STAMP_SOURCE;
    return get(t, &g, 1, ret_source);
}

steme_err
steme__stamps_global(steme__txn *t, uint64_t *ret_trust, uint64_t *ret_source)
{
    uint8_t g = STEME__STAMP_TRUST;
    steme_err err = get(t, &g, 1, ret_trust);

    if (err != STEME_OK)
        return err;
    g = STEME__STAMP_SOURCE;
    return get(t, &g, 1, ret_source);
}
