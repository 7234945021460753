/* SPDX-License-Identifier: MIT */
/*
 * index.h -- which index entries a record implies, and whether a record really matches a
 * lookup.
 *
 * Index keys are short (8 bytes: a 64-bit hash of a string or the first 8 bytes of an id or
 * key; 16 for subject+predicate) to keep the B-trees small, so different values can share a
 * key. steme__index_keys() is the one place that says which keys a record implies: the append
 * path writes exactly these and the check expects exactly these, so they cannot disagree.
 * steme__index_match() is how a reader rejects the false hits of a shared key; it is built on
 * the same enumeration of index terms.
 */
#ifndef STEME_STORE_INDEX_H
#define STEME_STORE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steme.h"
#include "store.h"

enum steme__idx {
    STEME__IDX_ID = 0,            /* id prefix -> seq of the record */
    STEME__IDX_SUBJECT,           /* hash64(subject) -> assertions */
    STEME__IDX_SUBJECT_PREDICATE, /* hash64(subject) || hash64(predicate) -> assertions */
    STEME__IDX_SOURCE,            /* hash64(source) -> assertions and source events */
    STEME__IDX_AGENT,             /* author key prefix -> every record */
    STEME__IDX_DERIVED_FROM,      /* parent id prefix -> children */
    STEME__IDX_SUPERSEDES,        /* superseded id prefix -> superseding assertions */
    STEME__IDX_TARGET,            /* target id prefix -> votes and targeting events */
    STEME__IDX_COUNT,
};

#define STEME__IKEY_MAX 16

typedef struct steme__ikey {
    uint8_t idx; /* enum steme__idx */
    uint8_t len; /* 8, or 16 for SUBJECT_PREDICATE */
    uint8_t b[STEME__IKEY_MAX];
} steme__ikey;

/* The most keys one record can imply: id, subject, subject+predicate, source, agent, and every
 * derived_from and supersedes id. */
#define STEME__MAX_IKEYS (5 + STEME_MAX_DERIVED_FROM + STEME_MAX_SUPERSEDES)

/* The name of an index in reports and docs ("subject_predicate"); also its LMDB name. */
const char *steme__index_name(enum steme__idx idx);

/* Write the distinct keys rec (whose id is id) implies into out (STEME__MAX_IKEYS entries)
 * and return how many. Keys of one index appear in out at most once. */
size_t steme__index_keys(const steme_record *rec, const steme_id *id, steme__ikey *out);

/* As steme__index_keys, with an assertion's subject, predicate and source hashes taken from h
 * (steme__strhash_of of the same record) instead of computed. */
size_t steme__index_keys_hashed(const steme_record *rec, const steme_id *id,
                                const steme__strhash *h, steme__ikey *out);

/* The index and key a listing looks up. Errors: STEME_EINVAL (LOG, an unknown index, or a
 * string with a NULL pointer). */
steme_err steme__index_query_key(const steme_list_options *q, steme__ikey *ret);

/* True when rec really carries the value q looks up (q->index is not LOG). */
bool steme__index_match(const steme_list_options *q, const steme_record *rec);

#endif
