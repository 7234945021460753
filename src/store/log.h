/* SPDX-License-Identifier: MIT */
/*
 * log.h -- the append-only log behind a small interface.
 *
 * The store keeps its log of record envelopes behind this struct of function pointers so that
 * the log can later move to a shared, replicated log (PostgreSQL, DESIGN §9) that every node
 * tails in order and indexes locally, without touching index maintenance or the read path.
 * Today's one implementation, log_lmdb.c, keeps the log in the same LMDB environment as the
 * indexes so that a record and its index entries commit in one transaction.
 *
 * An envelope is what the log stores per record (docs/storage.md):
 *   [u8 envelope version = 1][u64 BE recorded_at ms][32 id][64 signature][canonical bytes]
 */
#ifndef STEME_STORE_LOG_H
#define STEME_STORE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "steme.h"

#define STEME__ENVELOPE_VERSION 1
#define STEME__ENVELOPE_HEADER  (1 + 8 + STEME_ID_SIZE + STEME_SIG_SIZE)

/* The backend transaction in which log appends and index updates happen (store_int.h). */
typedef struct steme__txn steme__txn;

typedef struct steme__log steme__log;

/* Called by scan for each envelope in seq order; e->record is not set. Return nonzero to stop
 * (scan then returns STEME_OK). e borrows transaction memory. */
typedef int (*steme__log_fn)(const steme_entry *e, void *ctx);

typedef struct steme__log_ops {
    /* Store the envelope at seq, which must be last_seq + 1: a log that assigns positions
     * itself (a shared log) refuses a stale seq so that the caller can catch up and retry.
     * Errors: STEME_ECORRUPT (seq is not the next position), backend errors. */
    steme_err (*append)(steme__log *log, steme__txn *t, uint64_t seq, int64_t recorded_at,
                        const steme_id *id, const steme_sig *sig, const uint8_t *bytes, size_t len);
    /* Fill seq, recorded_at, id, sig, bytes and len of *ret (bytes borrow t's memory).
     * Errors: STEME_ENOTFOUND, STEME_ECORRUPT (malformed envelope), backend errors. */
    steme_err (*get)(steme__log *log, steme__txn *t, uint64_t seq, steme_entry *ret);
    /* The highest seq in the log, 0 when empty. */
    steme_err (*last_seq)(steme__log *log, steme__txn *t, uint64_t *ret);
    /* Call fn for every envelope with seq > after, ascending. A malformed envelope is passed
     * on with e->bytes NULL and e->len 0 (only e->seq set) so that the caller decides: a
     * listing fails with STEME_ECORRUPT, the check reports it and goes on. */
    steme_err (*scan)(steme__log *log, steme__txn *t, uint64_t after, steme__log_fn fn, void *ctx);
    void (*close)(steme__log *log);
} steme__log_ops;

struct steme__log {
    const steme__log_ops *ops;
};

/* Parse an envelope of n bytes at p into seq-less fields of *ret.
 * Errors: STEME_ECORRUPT (too short or an unknown envelope version). */
steme_err steme__envelope_parse(const uint8_t *p, size_t n, steme_entry *ret);

#endif
