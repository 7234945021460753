/* SPDX-License-Identifier: MIT */
/*
 * store.h -- the storage layer: one LMDB environment per database directory holding the
 * append-only log, the id index, the secondary indexes and metadata (docs/storage.md).
 *
 * The store does not validate or verify records: the engine (src/engine/ingest.c) hands it
 * only records that decoded canonically and whose signatures verified. The store is the only
 * module that includes lmdb.h.
 */
#ifndef STEME_STORE_H
#define STEME_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steme.h"

/* On-disk format version written to the metadata; opening a newer one is STEME_EVERSION. */
#define STEME_FORMAT_VERSION 1

typedef struct steme__store steme__store;

typedef struct steme__store_options {
    uint64_t map_size; /* initial map size in bytes (0 = 64 MiB); the map doubles when full */
    bool create;
    bool read_only;
} steme__store_options;

/* Errors: STEME_ENOTFOUND, STEME_EVERSION, STEME_ECORRUPT, STEME_ESYSERR|errno. */
steme_err steme__store_open(const char *dir, const steme__store_options *opts, steme__store **ret);
void steme__store_close(steme__store *s);

/* One record to append, already validated and signature-verified. The store decodes the
 * bytes again inside the write transaction to derive the index keys: that costs about a
 * microsecond and spares the engine from holding a decoded steme_record (over a kilobyte) for
 * every record of a large batch. */
typedef struct steme__append {
    const uint8_t *bytes; /* canonical bytes */
    size_t len;
    steme_id id;
    steme_sig sig;
    /* written by steme__store_append, meaningful only when it returns STEME_OK: */
    uint64_t seq;
    bool duplicate;
} steme__append;

/*
 * Append records in order in ONE write transaction and commit it durably (fsync) before
 * returning. A record whose id is already stored, or that appears earlier in the same call,
 * is not written again: it gets the existing seq and duplicate = true. Each new record gets
 * the next seq and recorded_at = max(now, previous recorded_at). When the LMDB map is full the
 * transaction is aborted, the map grown and the whole call retried. On any error nothing of
 * the call is visible.
 * Errors: STEME_EINVAL (a read-only store, or bytes that do not decode), STEME_ECORRUPT,
 * STEME_ELIMIT (the transaction outgrew LMDB's limits), STEME_EBUSY (the map must grow while
 * this thread holds a snapshot), STEME_ENOMEM, STEME_ESYSERR|errno.
 */
steme_err steme__store_append(steme__store *s, steme__append *recs, size_t n);

/* How many write transactions steme__store_append committed since open (tests and metrics:
 * group commit shows as fewer commits than ingest calls). */
uint64_t steme__store_commits(steme__store *s);

/* A read snapshot (an LMDB read transaction), begun and ended on the same thread. Snapshots
 * are cheap: ended ones are kept reset in a pool and renewed by whichever thread begins the
 * next. Growing the map waits for every snapshot to end, so keep them short; a thread that
 * appends while it holds one gets STEME_EBUSY if the map must grow. */
typedef struct steme__snap steme__snap;

steme_err steme__snap_begin(steme__store *s, steme__snap **ret);
void steme__snap_end(steme__snap *snap);

/* Fill *ret with the record at seq / with id (borrowing snapshot memory, valid until
 * steme__snap_end). as_of as in steme_list_options. *ret is a caller-provided buffer that the
 * lookup uses as scratch: after an error its contents mean nothing.
 * Errors: STEME_ENOTFOUND, STEME_ECORRUPT. */
steme_err steme__snap_get_seq(steme__snap *snap, uint64_t seq, steme_entry *ret);
steme_err steme__snap_get_id(steme__snap *snap, const steme_id *id, uint64_t as_of,
                             steme_entry *ret);

/* steme_db_list within a snapshot. */
steme_err steme__snap_list(steme__snap *snap, const steme_list_options *opts, steme_entry_fn fn,
                           void *ctx);

steme_err steme__store_stats(steme__store *s, steme_stats *ret);

/* One signature for the check to verify: ok = steme_sig_verify(&pk, &id, &sig). */
typedef struct steme__sig_job {
    steme_pubkey pk;
    steme_id id;
    steme_sig sig;
    uint64_t seq;
    bool ok;
} steme__sig_job;

/* Sets ok in each of n jobs, e.g. on a thread pool. */
typedef void (*steme__verify_fn)(steme__sig_job *jobs, size_t n, void *ctx);

/* steme_db_check: re-hash, re-verify and cross-check every index both ways. Signatures are
 * verified in batches through verify (NULL: one by one in the calling thread).
 * Errors: STEME_ENOMEM, STEME_ECORRUPT (the walk itself failed), STEME_ESYSERR|errno. */
steme_err steme__store_check(steme__store *s, steme_check_report *ret, steme_problem_fn fn,
                             void *ctx, steme__verify_fn verify, void *verify_ctx);

#endif
