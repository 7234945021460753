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
    /* A private copy that no other process uses (a backup being written or verified): no
     * lock file is made (MDB_NOLOCK), so a read-only open writes nothing at all. */
    bool no_lock;
    /* Populate the memory map (MADV_POPULATE_READ over the used pages) at open and after the
     * map grows, so that first reads take no page faults (steme_db_options.populate). */
    bool populate;
    const steme_pubkey *genesis_admin; /* recorded in the metadata of a new store */
} steme__store_options;

/* The named tables of derived state (docs/rules.md), kept beside the log and the indexes and
 * maintained by the engine's rules inside the append transaction. Everything in them can be
 * recomputed from the log (steme__store_rebuild). Keys and values are the engine's own
 * explicit byte layouts (src/engine/rows.h), never raw structs, so that a rebuild reproduces
 * them byte for byte. */
enum steme__table {
    STEME__T_SOURCE = 0,   /* source id string -> source row */
    STEME__T_AGENT,        /* agent public key -> agent row */
    STEME__T_STATE,        /* assertion seq -> lifecycle row */
    STEME__T_HISTORY,      /* assertion seq || cause seq -> stage change */
    STEME__T_VOTE,         /* target seq || voter key -> standing vote */
    STEME__T_EPOCH,        /* epoch name -> epoch row */
    STEME__T_EPOCH_MEMBER, /* hash64(epoch) || assertion seq -> (empty) */
    STEME__T_REAFFIRM,     /* assertion seq || hash64(epoch) -> event seq */
    STEME__T_GOLD,         /* hash64(subject) || hash64(predicate) [|| agent] -> gold seq; */
                           /* 'c' || the same: settled-consensus rows (consensus.c) */
    STEME__T_TRUST_LOG,    /* agent key || seq -> trust after that record (as_of reads) */
    STEME__T_REPORT,       /* event seq -> cascade report */
    STEME__T_QUEUE,        /* assertion seq -> (empty): quarantined, awaiting a decision */
    STEME__T_SCRATCH,      /* working space of one cascade; empty between operations */
    STEME__T_STAMP,        /* 'k' || hash64(subject) || hash64(predicate), 't', 's' -> seq: */
                           /* the last position that changed a key / trust / source tiers */
    STEME__T_AUDIT,        /* audit row number -> query audit row: NOT derived state; */
                           /* neither hashed nor cleared by a rebuild (query_audit.c) */
    STEME__T_CAND,         /* hash64(subject) || hash64(predicate) -> fixed-width rows, */
                           /* by seq: what a lens reads of each assertion (cand_rows.c; */
                           /* "d_lens_row"; earlier "d_candidate" and "d_cand") */
    STEME__T_APIKEY,       /* API key id (8 bytes) -> key row (apikeys.c): NOT derived */
    STEME__T_ADMIN_LOG,    /* row number -> admin action (admin_log.c): NOT derived */
    STEME__T_COUNT,
};

/* The LMDB name of a table ("d_source", ...). */
const char *steme__table_name(enum steme__table tb);

/* False for the tables that record something other than the log -- the query audit, the API
 * keys and the admin log: a rebuild keeps them, the derived-state hash leaves them out, and a
 * store that lacks one gets it created empty (writable opens) or read as empty (read-only
 * opens) without a rebuild. */
bool steme__table_derived(enum steme__table tb);

/* True for the tables of fixed-width rows under a key (LMDB DUPSORT | DUPFIXED): each key holds
 * a sorted set of rows of one width, stored packed, with no per-row key or header, and read a
 * page at a time (steme__tscan_fixed). */
bool steme__table_fixed(enum steme__table tb);

/* A borrowed byte string (valid until the transaction ends or the row is written). */
typedef struct steme__val {
    const uint8_t *p;
    size_t n;
} steme__val;

/* Errors: STEME_ENOTFOUND, STEME_EVERSION, STEME_ECORRUPT, STEME_ESYSERR|errno. */
steme_err steme__store_open(const char *dir, const steme__store_options *opts, steme__store **ret);
void steme__store_close(steme__store *s);

/* hash64 of an assertion's subject, predicate and source: the short keys of the subject,
 * subject_predicate and source indexes (and of the rules' per-key rows), computed once. */
typedef struct steme__strhash {
    uint8_t subject[8];
    uint8_t predicate[8];
    uint8_t source[8];
} steme__strhash;

/* Fill *ret for rec (all zero unless rec is an assertion). Pure: callable on any thread. */
void steme__strhash_of(const steme_record *rec, steme__strhash *ret);

/* One record to append, already validated and signature-verified. The store decodes the
 * bytes again inside the write transaction to derive the index keys: that costs about a
 * microsecond and spares the engine from holding a decoded steme_record (over a kilobyte) for
 * every record of a large batch. */
typedef struct steme__append {
    const uint8_t *bytes; /* canonical bytes */
    size_t len;
    steme_id id;
    steme_sig sig;
    /* Optional work done before the write transaction (on the verification threads), so that
     * the commit does less of it; both must be functions of the bytes alone: */
    bool hashed; /* h is steme__strhash_of the record */
    steme__strhash h;
    const void *hint; /* the rules' own precomputed facts, handed to the hooks through
                       * steme__txn_hint (NULL: none; the rules then compute them) */
    /* written by steme__store_append, meaningful only when it returns STEME_OK: */
    uint64_t seq;
    bool duplicate;
    steme_err err;      /* STEME_OK, or the rules' refusal (admit hook) */
    steme_errinfo info; /* field and rule of a refusal */
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

/* ---------------------------------------------------------------------------------------------
 * Rules hooks: how the engine's rules run inside an append.
 */

typedef struct steme__txn steme__txn;
typedef struct steme__snap steme__snap;

typedef struct steme__hooks {
    /* Before a new (non-duplicate) record is written; e is fully decoded, e->seq is the
     * position it will get. Return STEME_EINVAL (or STEME_ESIG) with *ei to refuse the record:
     * admit must not write. Any other error aborts the whole append. */
    steme_err (*admit)(void *ctx, steme__txn *t, const steme_entry *e, steme_errinfo *ei);
    /* After the record and its index entries are written. Errors abort the whole append. */
    steme_err (*apply)(void *ctx, steme__txn *t, const steme_entry *e);
    void *ctx;
} steme__hooks;

/* Install the rules (before the first append; NULL members are skipped). */
void steme__store_set_hooks(steme__store *s, const steme__hooks *h);

/* A request to append: its records, and whether it is all-or-nothing. */
typedef struct steme__append_group {
    steme__append *recs;
    size_t n;
    bool atomic;
    bool refused; /* written: an atomic group of which admit refused a record */
} steme__append_group;

/*
 * Append several requests in one durable write transaction (group commit). Each atomic group
 * runs in a nested transaction that is dropped if admit refuses any of its records; in a
 * non-atomic group a refused record is skipped. Refusals are reported in recs[i].err/.info.
 * Other errors abort everything, as steme__store_append.
 */
steme_err steme__store_append_groups(steme__store *s, steme__append_group *groups, size_t n);

/* ---------------------------------------------------------------------------------------------
 * Derived tables and reading inside any transaction (the append's or a snapshot's).
 */

/* Errors: STEME_ENOTFOUND, LMDB errors. */
steme_err steme__tget(steme__txn *t, enum steme__table tb, const void *k, size_t kl,
                      steme__val *ret);
steme_err steme__tput(steme__txn *t, enum steme__table tb, const void *k, size_t kl, const void *v,
                      size_t vl);
/* Deleting an absent key is not an error. */
steme_err steme__tdel(steme__txn *t, enum steme__table tb, const void *k, size_t kl);

/* Called for each row of a scan in key order; nonzero stops. The callback must not write to
 * the table being scanned. */
typedef int (*steme__row_fn)(const steme__val *key, const steme__val *val, void *ctx);

/* The number of rows in a table (LMDB keeps it: no walk). */
steme_err steme__tcount(steme__txn *t, enum steme__table tb, uint64_t *ret);

/* Rows whose key starts with prefix (pl may be 0: every row). */
steme_err steme__tscan(steme__txn *t, enum steme__table tb, const void *prefix, size_t pl,
                       steme__row_fn fn, void *ctx);

/* Called with the rows of one key of a fixed-width table (steme__table_fixed), a block at a time:
 * rows->n bytes holding rows->n / width rows in their sorted order. Nonzero stops the scan. */
typedef int (*steme__rows_fn)(const steme__val *key, const steme__val *rows, void *ctx);

/* The row blocks of every key that starts with prefix (pl may be 0: every key), in key order.
 * Errors: LMDB errors. */
steme_err steme__tscan_fixed(steme__txn *t, enum steme__table tb, const void *prefix, size_t pl,
                             steme__rows_fn fn, void *ctx);

/* The widest row of a fixed-width table. */
#define STEME__FIXED_ROW_MAX 256

/* Called with a copy of a row (n bytes) to change in place; set *write to store it. */
typedef steme_err (*steme__row_edit_fn)(uint8_t *row, size_t n, bool *write, void *ctx);

/* The first row of key k that starts with prefix (pl bytes; rows sort by their bytes), handed
 * to fn and, when fn says so, written back in place with one seek (the prefix must stay, so
 * that the row keeps its place). Errors: STEME_ENOTFOUND, fn's, LMDB errors. */
steme_err steme__tfixed_edit(steme__txn *t, enum steme__table tb, const void *k, size_t kl,
                             const void *prefix, size_t pl, steme__row_edit_fn fn, void *ctx);

/* Rows whose key is >= start (sl bytes), in key order, to the end of the table. */
steme_err steme__tscan_from(steme__txn *t, enum steme__table tb, const void *start, size_t sl,
                            steme__row_fn fn, void *ctx);

/* The first row of a table (a queue's head). Errors: STEME_ENOTFOUND when empty. */
steme_err steme__tfirst(steme__txn *t, enum steme__table tb, steme__val *key, steme__val *val);

/* The last row whose key is <= k (kl bytes) and starts with k's first pl bytes: a point-in-time
 * read of a per-key log such as the trust log. Errors: STEME_ENOTFOUND when there is none. */
steme_err steme__tlast_le(steme__txn *t, enum steme__table tb, const void *k, size_t kl, size_t pl,
                          steme__val *key, steme__val *val);

/* Get and decode a record inside t (as steme__snap_get_seq / _get_id). */
steme_err steme__txn_get_seq(steme__txn *t, uint64_t seq, steme_entry *ret);
steme_err steme__txn_get_id(steme__txn *t, const steme_id *id, uint64_t as_of, steme_entry *ret);

/* steme_db_list inside t. The callback must not list the same index again. */
steme_err steme__txn_list(steme__txn *t, const steme_list_options *opts, steme_entry_fn fn,
                          void *ctx);

/* The first cap seqs under the short index key of the lookup q (q->index is not LOG), without
 * fetching the records or rejecting false hits: the bound a listing cannot beat (bench/query).
 * Errors: STEME_EINVAL, STEME_ECORRUPT, LMDB errors. */
steme_err steme__txn_index_seqs(steme__txn *t, const steme_list_options *q, uint64_t *seqs,
                                size_t cap, size_t *ret_n);

/* How many entries the index holds under the short key of the lookup q (q->index is not LOG),
 * whatever their seq: an upper bound on what a listing of q can return (false hits of a shared
 * key and, during a rebuild, later records are counted too). One descent.
 * Errors: STEME_EINVAL, LMDB errors. */
steme_err steme__txn_index_count(steme__txn *t, const steme_list_options *q, size_t *ret);

/* The genesis admin key of the store. Errors: STEME_ENOTFOUND (a store made without one). */
steme_err steme__txn_genesis_admin(steme__txn *t, steme_pubkey *ret);

/* The transaction of a snapshot, for the functions above. */
steme__txn *steme__snap_txn(steme__snap *snap);

/* Run fn inside a write transaction that is then aborted: what-if computations (the impact
 * of a retraction) reuse the real rules without writing anything. */
typedef steme_err (*steme__dry_fn)(steme__txn *t, void *ctx);
steme_err steme__store_dry_run(steme__store *s, steme__dry_fn fn, void *ctx);

/* Run fn inside a durable write transaction of its own, committed when fn returns STEME_OK and
 * aborted otherwise: writes to the tables that are not derived (API keys, the admin log). When
 * the map is full the transaction is aborted, the map grown and fn run again from the start,
 * so fn must not keep state from one run to the next. The caller must hold no snapshot.
 * Errors: STEME_EINVAL (a read-only store), fn's own errors, LMDB errors. */
steme_err steme__store_write(steme__store *s, steme__dry_fn fn, void *ctx);

/* The hint (steme__append.hint) of the record whose admit or apply hook is running in t; NULL
 * in any other transaction and during a rebuild. */
const void *steme__txn_hint(const steme__txn *t);

/* The seq of the record whose apply hook is running in t (an append or a rebuild); 0 in any
 * other transaction (snapshots, dry runs). Rules stamp what they change with it. */
uint64_t steme__txn_applying(const steme__txn *t);

/* The last log position visible in t (0 for an empty log): one lookup. */
steme_err steme__txn_last_seq(steme__txn *t, uint64_t *ret);

/* Append one row of n bytes to the audit table in its own durable write transaction; *ret_id
 * (may be NULL) is its row number, from 1. The audit table is not derived state.
 * Errors: STEME_EINVAL (a read-only store), LMDB errors. */
steme_err steme__store_audit_append(steme__store *s, const void *row, size_t n, uint64_t *ret_id);

/* Called for each audit row in order, from row number `from`; nonzero stops. */
typedef int (*steme__audit_row_fn)(uint64_t id, const steme__val *row, void *ctx);
steme_err steme__store_audit_scan(steme__store *s, uint64_t from, steme__audit_row_fn fn,
                                  void *ctx);

/* Clear every derived table (not the audit, API key and admin log tables) and re-apply the
 * whole log through the apply hook, in one transaction. */
steme_err steme__store_rebuild(steme__store *s);

/* True when open had to create derived tables the store lacked (a store written by an
 * earlier build): they are empty until steme__store_rebuild runs. */
bool steme__store_derived_stale(const steme__store *s);

/* BLAKE2b-256 over every derived table (except the scratch table and the tables that are not
 * derived), in table and key order: equal hashes mean byte-identical derived state. */
steme_err steme__store_derived_hash(steme__store *s, uint8_t out[32]);

/* How many write transactions steme__store_append committed since open (tests and metrics:
 * group commit shows as fewer commits than ingest calls). */
uint64_t steme__store_commits(steme__store *s);

/* A version of the store's whole content: the id of the last write transaction committed to
 * its environment by any process, with this open store's instance number (unique in the
 * process). Equal versions mean that nothing in the store changed in between, so a value read
 * at one version may be reused at the other; a reader pairs it with what it read through
 * steme__snap_version (the snapshot's own). One lookup of the environment's meta pages. */
typedef struct steme__version {
    uint64_t instance;
    uint64_t txnid;
} steme__version;

steme__version steme__store_version(steme__store *s);
steme__version steme__snap_version(const steme__snap *snap);

static inline bool
steme__version_equal(steme__version a, steme__version b)
{
    return a.instance == b.instance && a.txnid == b.txnid;
}

/* The write-path counters of steme_db_counters (write.c). */
void steme__store_counters(steme__store *s, steme_counters *ret);

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

/* The same lookups without decoding the record: only the envelope fields of *ret are set
 * (ret->record is left as it was), for a caller that copies the bytes and decodes the copy.
 * Errors: STEME_ENOTFOUND, STEME_ECORRUPT. */
steme_err steme__snap_envelope_seq(steme__snap *snap, uint64_t seq, steme_entry *ret);
steme_err steme__snap_envelope_id(steme__snap *snap, const steme_id *id, uint64_t as_of,
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

/* ---------------------------------------------------------------------------------------------
 * Backup and restore (copy.c)
 */

/* Write a compacted copy of the whole environment (an LMDB data file without free pages) to
 * fd, from one read snapshot: writers go on meanwhile, and the copy holds exactly one commit.
 * fd may be a pipe; it is neither synced nor closed. The map cannot grow while the copy runs
 * (a writer that needs it to waits). Errors: STEME_EBUSY (the map must be adopted while this
 * thread holds a snapshot), LMDB errors and STEME_ESYSERR|errno (a failed write). */
steme_err steme__store_copy(steme__store *s, int fd);

/* Called after each transaction of a long operation: done of total units. */
typedef void (*steme__progress_fn)(uint64_t done, uint64_t total, void *ctx);

/* Remove every record with seq > until from the log, newest first, with its index entries, and
 * set the metadata (last_seq, last_recorded_at, counts) to what it was at until. Runs in
 * several durable transactions (each leaves a consistent log), so it is meant for a private
 * store being restored. Derived tables are left as they were: rebuild them afterwards
 * (steme__store_rebuild). progress (may be NULL) counts removed records.
 * Errors: STEME_EINVAL (a read-only store), STEME_ECORRUPT (a malformed envelope, or an index
 * entry the record implies is missing), LMDB errors. */
steme_err steme__store_truncate(steme__store *s, uint64_t until, steme__progress_fn progress,
                                void *ctx);

#endif
