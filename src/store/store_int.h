/* SPDX-License-Identifier: MIT */
/*
 * store_int.h -- what the files of the storage layer share with each other and with no one
 * else: the store and snapshot structs, the named LMDB databases, transactions with cached
 * cursors, metadata and the translation of LMDB codes. Only src/store/ includes this file.
 *
 * Locking: map_lock is a writer-preferring rwlock. Every live LMDB transaction of this process
 * (snapshots and the write transaction) holds it shared; growing the map
 * (mdb_env_set_mapsize) holds it exclusive, because LMDB requires that no transaction be live
 * in the process while the map is replaced. A thread that already holds it shared does not
 * take it again (steme__map_rdlock counts), and a grow from such a thread fails with
 * STEME_EBUSY instead of waiting for itself.
 */
#ifndef STEME_STORE_INT_H
#define STEME_STORE_INT_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>

#include "index.h"
#include "log.h"
#include "store.h"

/* A latency histogram recorded with relaxed atomics (steme_latency, write.c). */
typedef struct steme__latency {
    _Atomic uint64_t count[STEME_LATENCY_BUCKETS];
    _Atomic uint64_t sum_ns;
} steme__latency;

/* The named databases; the secondary indexes follow in enum steme__idx order. */
enum steme__db {
    STEME__DB_META = 0,
    STEME__DB_LOG = 1,
    STEME__DB_INDEX0 = 2,                                     /* + enum steme__idx */
    STEME__DB_DERIVED0 = STEME__DB_INDEX0 + STEME__IDX_COUNT, /* + enum steme__table */
    STEME__DB_COUNT = STEME__DB_DERIVED0 + STEME__T_COUNT,
};

_Static_assert(STEME__DB_COUNT <= 32, "steme__txn.cur_live is a 32-bit mask");
_Static_assert(STEME__T_COUNT <= 32, "steme__store.absent is a 32-bit mask");

#define STEME__DB_INDEX(idx)  (STEME__DB_INDEX0 + (unsigned)(idx))
#define STEME__DB_DERIVED(tb) (STEME__DB_DERIVED0 + (unsigned)(tb))

/* A transaction plus the cursors opened in it. Read-only transactions keep their cursors
 * across reset/renew (mdb_cursor_renew) so that a pooled snapshot allocates nothing. */
struct steme__txn {
    steme__store *store;
    MDB_txn *mdb;
    const MDB_dbi *dbi; /* the store's handles, indexed by enum steme__db */
    MDB_cursor *cur[STEME__DB_COUNT];
    uint32_t cur_live; /* bit i: cur[i] is bound to mdb */
    bool read_only;
    uint64_t applying; /* the seq whose apply hook runs (steme__txn_applying), else 0 */
    const void *hint;  /* the hint of the record whose hooks run (steme__txn_hint), else NULL */
};

struct steme__snap {
    steme__store *store;
    steme__txn txn;
    steme__snap *next; /* in the store's pool */
};

/* One shard of the pool of snapshots: threads take from and return to their own shard, so
 * that two threads beginning snapshots do not wait on one mutex (a contended mutex put a
 * server thread to sleep for a scheduler slice, milliseconds, while it held connections). */
#define STEME__SNAP_SHARDS 8

typedef union steme__snap_pool {
    struct {
        pthread_mutex_t lock;
        steme__snap *head; /* reset read transactions ready for mdb_txn_renew */
        size_t n;
    };
    char room[128]; /* a shard to itself on its cache lines (no alignment is asked of calloc) */
} steme__snap_pool;

struct steme__store {
    MDB_env *env;
    MDB_dbi dbi[STEME__DB_COUNT];
    steme__log *log;
    bool read_only;
    bool populate; /* steme__store_options.populate: at open and after each growth */
    pthread_rwlock_t map_lock;
    steme__snap_pool pools[STEME__SNAP_SHARDS];
    _Atomic uint64_t commits;
    uint64_t instance; /* this open's number in the process (steme__store_version) */
    /* steme_db_counters (write.c): new records committed, the time of mdb_txn_commit and of
     * the whole append transaction. */
    _Atomic uint64_t committed_records;
    steme__latency commit_latency;
    steme__latency txn_latency;
    steme__hooks hooks;         /* the engine's rules, run inside every append */
    steme_pubkey genesis_admin; /* written into the metadata when the store is created */
    bool genesis_set;
    bool derived_stale; /* open created missing derived tables: a rebuild is due */
    /* Bit (1u << enum steme__table): a table that is not derived, missing from a store opened
     * read-only (written by an earlier build); it reads as empty. */
    uint32_t absent;
};

/* What the meta database holds. count is indexed by steme_record_kind. */
typedef struct steme__meta {
    uint32_t format_version;
    uint64_t last_seq;
    int64_t last_recorded_at;
    int64_t created_at;
    uint64_t count[4];
} steme__meta;

/* MDB_MAP_FULL inside the store: the append grows the map and retries, so this code never
 * leaves src/store/. */
#define STEME__EMAPFULL ((steme_err)0x7ffe)

/* A rules refusal inside an atomic group (write.c): the group is dropped, the call goes on. */
#define STEME__EREFUSED ((steme_err)0x7ffd)

/* Translate an LMDB or errno code into a steme_err. */
steme_err steme__lmdb_err(int rc);

/* The cursor for database db in t, opened or renewed on first use. */
steme_err steme__txn_cursor(steme__txn *t, unsigned db, MDB_cursor **ret);

/* Close a read-only transaction's cached cursors (before the transaction is freed). */
void steme__txn_close_cursors(steme__txn *t);

/* Errors: STEME_ECORRUPT (missing or malformed field), LMDB errors. */
steme_err steme__meta_read(steme__txn *t, steme__meta *ret);
steme_err steme__meta_write(steme__txn *t, const steme__meta *m);

/* Take and release map_lock shared around a transaction (reentrant within a thread). */
void steme__map_rdlock(steme__store *s);
void steme__map_unlock(steme__store *s);

/* Grow the map after MDB_MAP_FULL (to twice seen_size, unless someone already grew it) or
 * adopt the size another process set after MDB_MAP_RESIZED (seen_size 0). Takes map_lock
 * exclusive: the caller must hold no transaction (else STEME_EBUSY). */
steme_err steme__store_grow(steme__store *s, size_t seen_size);

/* The current map size of the environment. */
size_t steme__store_map_size(steme__store *s);

/* Index helpers (index.c). */
steme_err steme__index_put(steme__txn *t, const steme__ikey *keys, size_t n, uint64_t seq);
/* STEME_OK when (key, seq) is in its index, STEME_ENOTFOUND when not. */
steme_err steme__index_has(steme__txn *t, const steme__ikey *key, uint64_t seq);

/* Find the record with this id visible at as_of (0: latest) and fill the envelope fields of
 * *ret (not ret->record; *ret is scratch when this fails). Short-key collisions are resolved
 * by comparing the full id.
 * Errors: STEME_ENOTFOUND, STEME_ECORRUPT, LMDB errors. (read.c) */
steme_err steme__find_id(steme__store *s, steme__txn *t, const steme_id *id, uint64_t as_of,
                         steme_entry *ret);

/* The LMDB log (log_lmdb.c), over the store's log database. */
steme_err steme__log_lmdb_new(steme__log **ret);

#endif
