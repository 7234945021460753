/* SPDX-License-Identifier: MIT */
/*
 * env.c -- the LMDB environment of a store: opening and creating it, the metadata, the
 * translation of LMDB codes, growing the map, the pool of read snapshots and statistics.
 *
 * Appending lives in write.c, reading in read.c, the check in check.c; the layout of every
 * database is described in docs/storage.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "bytes.h"
#include "store_int.h"

#define DEFAULT_MAP_SIZE (64u << 20)
#define MIN_MAP_SIZE     (64u << 10)
#define MAX_DBS          32
#define MAX_READERS      510
/* Reset read transactions kept for reuse; more concurrent snapshots than this still work,
 * the extra ones are begun and aborted. */
#define SNAP_POOL_MAX 8 /* per shard */

/* Linux >= 5.14 (include/uapi/asm-generic/mman-common.h); older C libraries lack the name. */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

static const char *const db_names[STEME__DB_COUNT] = {
    [STEME__DB_META] = "meta",
    [STEME__DB_LOG] = "log",
};

static const char *
db_name(unsigned db)
{
    if (db >= STEME__DB_DERIVED0)
        return steme__table_name((enum steme__table)(db - STEME__DB_DERIVED0));
    if (db >= STEME__DB_INDEX0)
        return steme__index_name((enum steme__idx)(db - STEME__DB_INDEX0));
    return db_names[db];
}

static unsigned
db_flags(unsigned db)
{
    /* Index dup values are big-endian seqs of 8 bytes: memcmp order is log order, and DUPFIXED
     * packs them densely; the fixed-width derived tables are packed the same way. */
    if (db >= STEME__DB_DERIVED0)
        return steme__table_fixed((enum steme__table)(db - STEME__DB_DERIVED0))
                   ? MDB_DUPSORT | MDB_DUPFIXED
                   : 0;
    return db >= STEME__DB_INDEX0 ? MDB_DUPSORT | MDB_DUPFIXED : 0;
}

steme_err
steme__lmdb_err(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return STEME_OK;
    case MDB_NOTFOUND:
        return STEME_ENOTFOUND;
    case MDB_MAP_FULL:
        return STEME__EMAPFULL;
    case MDB_MAP_RESIZED:
        return STEME_EBUSY;
    case MDB_TXN_FULL:
    case MDB_DBS_FULL:
    case MDB_CURSOR_FULL:
    case MDB_BAD_VALSIZE:
        return STEME_ELIMIT;
    case MDB_READERS_FULL:
    case MDB_TLS_FULL:
        return STEME_EBUSY;
    case MDB_BAD_RSLOT:
    case MDB_BAD_TXN:
    case MDB_BAD_DBI:
        return STEME_EINVAL;
    case ENOMEM:
        return STEME_ENOMEM;
    default:
        /* MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_INVALID, MDB_VERSION_MISMATCH, MDB_PANIC,
         * MDB_INCOMPATIBLE, MDB_KEYEXIST where none can be, ... */
        if (rc > 0)
            return (steme_err)(STEME_ESYSERR | rc);
        return STEME_ECORRUPT;
    }
}

steme_err
steme__txn_cursor(steme__txn *t, unsigned db, MDB_cursor **ret)
{
    uint32_t bit = 1u << db;
    int rc;

    if (!(t->cur_live & bit)) {
        if (t->read_only && t->cur[db] != NULL)
            rc = mdb_cursor_renew(t->mdb, t->cur[db]);
        else
            rc = mdb_cursor_open(t->mdb, t->dbi[db], &t->cur[db]);
        if (rc != MDB_SUCCESS)
            return steme__lmdb_err(rc);
        t->cur_live |= bit;
    }
    *ret = t->cur[db];
    return STEME_OK;
}

void
steme__txn_close_cursors(steme__txn *t)
{
    for (unsigned i = 0; i < STEME__DB_COUNT; i++) {
        if (t->cur[i] != NULL)
            mdb_cursor_close(t->cur[i]);
        t->cur[i] = NULL;
    }
    t->cur_live = 0;
}

/* ---------------------------------------------------------------------------------------------
 * Metadata: one key per field so that a newer format can add fields and an older build can
 * still read format_version to refuse it.
 */

static const char *const count_keys[4] = {NULL, "count.assertion", "count.vote", "count.event"};

static steme_err
meta_get(steme__txn *t, const char *name, size_t size, uint8_t *out)
{
    MDB_val key = {strlen(name), (void *)name};
    MDB_val data;
    int rc = mdb_get(t->mdb, t->dbi[STEME__DB_META], &key, &data);

    if (rc == MDB_NOTFOUND)
        return STEME_ECORRUPT;
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    if (data.mv_size != size)
        return STEME_ECORRUPT;
    memcpy(out, data.mv_data, size);
    return STEME_OK;
}

static steme_err
meta_put(steme__txn *t, const char *name, const uint8_t *v, size_t size)
{
    MDB_val key = {strlen(name), (void *)name};
    MDB_val data = {size, (void *)v};
    return steme__lmdb_err(mdb_put(t->mdb, t->dbi[STEME__DB_META], &key, &data, 0));
}

static steme_err
meta_get_u64(steme__txn *t, const char *name, uint64_t *ret)
{
    uint8_t b[8];
    steme_err err = meta_get(t, name, sizeof(b), b);
    if (err == STEME_OK)
        *ret = steme__get_u64(b);
    return err;
}

static steme_err
meta_put_u64(steme__txn *t, const char *name, uint64_t v)
{
    uint8_t b[8];
    steme__put_u64(b, v);
    return meta_put(t, name, b, sizeof(b));
}

static steme_err
meta_get_version(steme__txn *t, uint32_t *ret)
{
    uint8_t b[4];
    steme_err err = meta_get(t, "format_version", sizeof(b), b);
    if (err == STEME_OK)
        *ret = steme__get_u32(b);
    return err;
}

steme_err
steme__meta_read(steme__txn *t, steme__meta *ret)
{
    steme__meta m = {0};
    uint64_t last_at, created;
    steme_err err;

    if ((err = meta_get_version(t, &m.format_version)) != STEME_OK ||
        (err = meta_get_u64(t, "last_seq", &m.last_seq)) != STEME_OK ||
        (err = meta_get_u64(t, "last_recorded_at", &last_at)) != STEME_OK ||
        (err = meta_get_u64(t, "created_at", &created)) != STEME_OK)
        return err;
    for (int k = STEME_RECORD_ASSERTION; k <= STEME_RECORD_EVENT; k++)
        if ((err = meta_get_u64(t, count_keys[k], &m.count[k])) != STEME_OK)
            return err;
    m.last_recorded_at = (int64_t)last_at;
    m.created_at = (int64_t)created;
    *ret = m;
    return STEME_OK;
}

steme_err
steme__meta_write(steme__txn *t, const steme__meta *m)
{
    uint8_t v[4];
    steme_err err;

    steme__put_u32(v, m->format_version);
    if ((err = meta_put(t, "format_version", v, sizeof(v))) != STEME_OK ||
        (err = meta_put_u64(t, "last_seq", m->last_seq)) != STEME_OK ||
        (err = meta_put_u64(t, "last_recorded_at", (uint64_t)m->last_recorded_at)) != STEME_OK ||
        (err = meta_put_u64(t, "created_at", (uint64_t)m->created_at)) != STEME_OK)
        return err;
    for (int k = STEME_RECORD_ASSERTION; k <= STEME_RECORD_EVENT; k++)
        if ((err = meta_put_u64(t, count_keys[k], m->count[k])) != STEME_OK)
            return err;
    return STEME_OK;
}

steme_err
steme__txn_genesis_admin(steme__txn *t, steme_pubkey *ret)
{
    MDB_val key = {13, (void *)"genesis_admin"};
    MDB_val data;
    int rc = mdb_get(t->mdb, t->dbi[STEME__DB_META], &key, &data);

    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    if (data.mv_size != STEME_PUBKEY_SIZE)
        return STEME_ECORRUPT;
    memcpy(ret->b, data.mv_data, STEME_PUBKEY_SIZE);
    return STEME_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Opening
 */

/* Tables that earlier builds kept and this one replaced, all by the lens rows ("d_lens_row",
 * rebuilt from the log when missing): "d_cand" (candidate rows without their stage and votes)
 * and "d_candidate" (one variable-length row per assertion, with its key's strings). */
static steme_err
drop_legacy(steme__txn *t)
{
    static const char *const legacy[] = {"d_cand", "d_candidate"};

    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
        MDB_dbi dbi;
        int rc = mdb_dbi_open(t->mdb, legacy[i], 0, &dbi);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc == MDB_SUCCESS)
            rc = mdb_drop(t->mdb, dbi, 1);
        if (rc != MDB_SUCCESS)
            return steme__lmdb_err(rc);
    }
    return STEME_OK;
}

/* Open every named database in t; with create, make the missing ones and the metadata. */
static steme_err
open_dbs(steme__store *s, steme__txn *t, bool create)
{
    for (unsigned db = 0; db < STEME__DB_COUNT; db++) {
        unsigned want = db_flags(db), got;
        int rc = mdb_dbi_open(t->mdb, db_name(db), want | (create ? MDB_CREATE : 0), &s->dbi[db]);
        if (rc == MDB_NOTFOUND && db >= STEME__DB_DERIVED0) {
            enum steme__table tb = (enum steme__table)(db - STEME__DB_DERIVED0);
            bool derived = steme__table_derived(tb);
            if (s->read_only && !derived) {
                /* Not derived (API keys, the admin log): nothing to recompute, and a
                 * read-only open cannot create it; it reads as empty. */
                s->absent |= 1u << tb;
                continue;
            }
            if (s->read_only)
                return STEME_EUPGRADE; /* derived state only a writable open can rebuild */
            if (!s->read_only) {
                /* A table that a store written by an earlier build lacks: make it empty now;
                 * for derived state steme_db_open then rebuilds it from the log. */
                rc = mdb_dbi_open(t->mdb, db_name(db), want | MDB_CREATE, &s->dbi[db]);
                if (rc == MDB_SUCCESS && derived)
                    s->derived_stale = true;
            }
        }
        if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
            return STEME_ECORRUPT; /* someone else's LMDB environment, or a damaged one */
        if (rc != MDB_SUCCESS)
            return steme__lmdb_err(rc);
        rc = mdb_dbi_flags(t->mdb, s->dbi[db], &got);
        if (rc != MDB_SUCCESS)
            return steme__lmdb_err(rc);
        if ((got & (MDB_DUPSORT | MDB_DUPFIXED)) != want)
            return STEME_ECORRUPT;
    }
    if (!s->read_only && !create) {
        steme_err err = drop_legacy(t);
        if (err != STEME_OK)
            return err;
    }
    if (create) {
        steme__meta m = {.format_version = STEME_FORMAT_VERSION, .created_at = steme_now_ms()};
        steme_err err = steme__meta_write(t, &m);
        if (err == STEME_OK && s->genesis_set)
            err = meta_put(t, "genesis_admin", s->genesis_admin.b, STEME_PUBKEY_SIZE);
        return err;
    }
    return STEME_OK;
}

/* Find out whether the environment holds a store, make one in an empty environment when
 * allowed, check the format version and open every database. */
static steme_err
open_store(steme__store *s, const steme__store_options *opts)
{
    steme__txn t = {.store = s, .dbi = s->dbi, .read_only = s->read_only};
    MDB_dbi main_dbi, meta_dbi;
    MDB_stat st;
    uint32_t version;
    steme_err err;
    int rc;

    rc = mdb_txn_begin(s->env, NULL, s->read_only ? MDB_RDONLY : 0, &t.mdb);
    if (rc != MDB_SUCCESS)
        return steme__lmdb_err(rc);
    rc = mdb_dbi_open(t.mdb, "meta", 0, &meta_dbi);
    if (rc == MDB_NOTFOUND) {
        /* No metadata: an environment we just made (or whose creation never committed) is
         * empty; anything else is not ours. */
        rc = mdb_dbi_open(t.mdb, NULL, 0, &main_dbi);
        if (rc == MDB_SUCCESS)
            rc = mdb_stat(t.mdb, main_dbi, &st);
        if (rc != MDB_SUCCESS)
            err = steme__lmdb_err(rc);
        else if (st.ms_entries != 0)
            err = STEME_ECORRUPT;
        else if (!opts->create || s->read_only)
            err = STEME_ENOTFOUND;
        else
            err = open_dbs(s, &t, true);
        goto out_end_txn;
    }
    if (rc != MDB_SUCCESS) {
        err = rc == MDB_INCOMPATIBLE ? STEME_ECORRUPT : steme__lmdb_err(rc);
        goto out_end_txn;
    }
    s->dbi[STEME__DB_META] = meta_dbi;
    err = meta_get_version(&t, &version);
    if (err != STEME_OK)
        goto out_end_txn;
    if (version > STEME_FORMAT_VERSION) {
        err = STEME_EVERSION;
        goto out_end_txn;
    }
    if (version != STEME_FORMAT_VERSION) {
        err = STEME_ECORRUPT;
        goto out_end_txn;
    }
    err = open_dbs(s, &t, false);

out_end_txn:
    if (err != STEME_OK) {
        mdb_txn_abort(t.mdb);
        return err;
    }
    /* Committing (even a read-only transaction) keeps the database handles for later ones. */
    err = steme__lmdb_err(mdb_txn_commit(t.mdb));
    return err == STEME__EMAPFULL ? STEME_ELIMIT : err;
}

/* Does dir/data.mdb exist? Creates dir when allowed. */
static steme_err
prepare_dir(const char *dir, const steme__store_options *opts, bool *ret_exists)
{
    struct stat st;
    size_t n = strlen(dir);
    char *path;
    int r;

    if (stat(dir, &st) != 0) {
        if (errno != ENOENT)
            return (steme_err)(STEME_ESYSERR | errno);
        if (!opts->create || opts->read_only)
            return STEME_ENOTFOUND;
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return (steme_err)(STEME_ESYSERR | errno);
    } else if (!S_ISDIR(st.st_mode)) {
        return (steme_err)(STEME_ESYSERR | ENOTDIR);
    }

    path = steme__malloc(n + sizeof("/data.mdb"));
    if (path == NULL)
        return STEME_ENOMEM;
    memcpy(path, dir, n);
    memcpy(path + n, "/data.mdb", sizeof("/data.mdb"));
    r = stat(path, &st);
    steme__free(path);
    if (r != 0 && errno != ENOENT)
        return (steme_err)(STEME_ESYSERR | errno);
    *ret_exists = r == 0;
    if (r != 0 && (!opts->create || opts->read_only))
        return STEME_ENOTFOUND;
    return STEME_OK;
}

/* Make the names of a new store's files durable: LMDB syncs the files, not the directory. */
static steme_err
sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r;

    if (fd < 0)
        return (steme_err)(STEME_ESYSERR | errno);
    r = fsync(fd);
    close(fd);
    return r == 0 ? STEME_OK : (steme_err)(STEME_ESYSERR | errno);
}

/* The start and length of this process's mapping of the data file. LMDB does not say where it
 * mapped the file (mdb_env_info's me_mapaddr is set only for MDB_FIXEDMAP), but a value read in
 * a read-only transaction points into the map: the mapping of /proc/self/maps that contains
 * it is the one. */
static bool
map_range(steme__store *s, uint8_t **ret_base, size_t *ret_len)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    uintptr_t p = 0;
    unsigned long lo, hi;
    char line[512];
    bool found = false;
    FILE *f;

    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != MDB_SUCCESS)
        return false;
    if (mdb_cursor_open(txn, s->dbi[STEME__DB_META], &cur) == MDB_SUCCESS) {
        if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == MDB_SUCCESS)
            p = (uintptr_t)k.mv_data;
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    if (p == 0 || (f = fopen("/proc/self/maps", "re")) == NULL)
        return false;
    while (!found && fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= p && p < hi) {
            *ret_base = (uint8_t *)lo;
            *ret_len = hi - lo;
            found = true;
        }
    fclose(f);
    return found;
}

/* Map every used page of the data file into this process's page tables now (reading it from
 * the disk if it is not cached), so that the first read of a page costs no page fault. The
 * kernels before 5.14 refuse MADV_POPULATE_READ with EINVAL: they get MADV_WILLNEED, which
 * only starts reading the file into the page cache. Best effort: a failure leaves reads to
 * fault as before. */
static void
populate_map(steme__store *s)
{
    MDB_envinfo info;
    MDB_stat st;
    uint8_t *base;
    size_t len, used;

    if (mdb_env_info(s->env, &info) != MDB_SUCCESS || mdb_env_stat(s->env, &st) != MDB_SUCCESS ||
        !map_range(s, &base, &len))
        return;
    used = (size_t)(info.me_last_pgno + 1) * st.ms_psize;
    if (used < len)
        len = used;
    if (madvise(base, len, MADV_POPULATE_READ) != 0) {
        if (errno == EINVAL)
            (void)madvise(base, len, MADV_WILLNEED);
        return;
    }
    /* Then read one byte of every page, now that it is cached and mapped: under a hypervisor
     * that shadows the guest's page tables, the first access to a page still exits to the host
     * (10-20 us on the development VM) even though its page-table entry exists. */
    volatile const uint8_t *p = base;
    uint8_t sink = 0;
    for (size_t off = 0; off < len; off += st.ms_psize)
        sink ^= p[off];
    (void)sink;
}

static steme_err
init_locks(steme__store *s)
{
    pthread_rwlockattr_t attr;
    int r;

    if ((r = pthread_rwlockattr_init(&attr)) != 0)
        return (steme_err)(STEME_ESYSERR | r);
    /* Writer preference: a resize waiting for the map must not starve behind a stream of new
     * snapshots. The price is that a thread must never take two snapshots at once. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    r = pthread_rwlock_init(&s->map_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (r != 0)
        return (steme_err)(STEME_ESYSERR | r);
    for (size_t i = 0; i < STEME__SNAP_SHARDS; i++) {
        if ((r = pthread_mutex_init(&s->pools[i].lock, NULL)) != 0) {
            while (i-- > 0)
                pthread_mutex_destroy(&s->pools[i].lock);
            pthread_rwlock_destroy(&s->map_lock);
            return (steme_err)(STEME_ESYSERR | r);
        }
    }
    return STEME_OK;
}

steme_err
steme__store_open(const char *dir, const steme__store_options *opts, steme__store **ret)
{
    steme__store_options o = *opts;
    steme__store *s;
    bool exists = false;
    MDB_envinfo info;
    steme_err err;
    int rc;

    if (o.map_size == 0)
        o.map_size = DEFAULT_MAP_SIZE;
    if (o.map_size < MIN_MAP_SIZE)
        o.map_size = MIN_MAP_SIZE;
    err = prepare_dir(dir, &o, &exists);
    if (err != STEME_OK)
        return err;

    s = steme__calloc(1, sizeof(*s));
    if (s == NULL)
        return STEME_ENOMEM;
    static _Atomic uint64_t opened;
    s->instance = atomic_fetch_add_explicit(&opened, 1, memory_order_relaxed) + 1;
    s->read_only = o.read_only;
    s->populate = o.populate;
    s->genesis_set = o.genesis_admin != NULL;
    if (o.genesis_admin != NULL)
        s->genesis_admin = *o.genesis_admin;
    err = init_locks(s);
    if (err != STEME_OK)
        goto out_free;
    err = steme__log_lmdb_new(&s->log);
    if (err != STEME_OK)
        goto out_destroy_locks;

    rc = mdb_env_create(&s->env);
    if (rc != MDB_SUCCESS) {
        err = steme__lmdb_err(rc);
        goto out_close_log;
    }
    mdb_env_set_maxdbs(s->env, MAX_DBS);
    mdb_env_set_maxreaders(s->env, MAX_READERS);
    /* An existing environment keeps the map size it grew to (LMDB reads it from the file
     * when none is set); only a new one starts at the requested size. */
    if (!exists)
        mdb_env_set_mapsize(s->env, o.map_size);
    /* MDB_NOTLS: read transactions are not tied to threads, so pooled snapshots can be
     * renewed by any thread. Commits are durable: no MDB_NOSYNC / MDB_NOMETASYNC. */
    rc = mdb_env_open(s->env, dir,
                      MDB_NOTLS | (o.read_only ? MDB_RDONLY : 0) | (o.no_lock ? MDB_NOLOCK : 0),
                      0644);
    if (rc != MDB_SUCCESS) {
        err =
            rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ? STEME_ECORRUPT : steme__lmdb_err(rc);
        goto out_close_env;
    }
    if (exists && !o.read_only && mdb_env_info(s->env, &info) == MDB_SUCCESS &&
        info.me_mapsize < o.map_size)
        mdb_env_set_mapsize(s->env, o.map_size);

    /* Free the reader slots of processes that died holding a snapshot, so that they pin no
     * old pages. */
    mdb_reader_check(s->env, NULL);
    err = open_store(s, &o);
    if (err == STEME_OK && !exists)
        err = sync_dir(dir);
    if (err != STEME_OK)
        goto out_close_env;
    if (s->populate)
        populate_map(s);
    *ret = s;
    return STEME_OK;

out_close_env:
    mdb_env_close(s->env);
out_close_log:
    s->log->ops->close(s->log);
out_destroy_locks:
    for (size_t i = 0; i < STEME__SNAP_SHARDS; i++)
        pthread_mutex_destroy(&s->pools[i].lock);
    pthread_rwlock_destroy(&s->map_lock);
out_free:
    steme__free(s);
    return err;
}

static void
snap_free(steme__snap *snap)
{
    steme__txn_close_cursors(&snap->txn);
    if (snap->txn.mdb != NULL)
        mdb_txn_abort(snap->txn.mdb);
    steme__free(snap);
}

void
steme__store_close(steme__store *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < STEME__SNAP_SHARDS; i++) {
        steme__snap_pool *p = &s->pools[i];
        while (p->head != NULL) {
            steme__snap *snap = p->head;
            p->head = snap->next;
            snap_free(snap);
        }
        pthread_mutex_destroy(&p->lock);
    }
    mdb_env_close(s->env);
    s->log->ops->close(s->log);
    pthread_rwlock_destroy(&s->map_lock);
    steme__free(s);
}

/* ---------------------------------------------------------------------------------------------
 * Map growth
 *
 * Every live transaction holds map_lock shared. A thread that already holds it for a store
 * (a listing callback that reads again, or ingests) does not take it a second time: with a
 * writer-preferring lock, a second shared acquisition behind a waiting resize would deadlock.
 */

static _Thread_local struct {
    const steme__store *store;
    unsigned depth;
} held;

void
steme__map_rdlock(steme__store *s)
{
    if (held.store == s) {
        held.depth++;
        return;
    }
    pthread_rwlock_rdlock(&s->map_lock);
    if (held.store == NULL) {
        held.store = s;
        held.depth = 1;
    }
}

void
steme__map_unlock(steme__store *s)
{
    if (held.store == s) {
        if (--held.depth > 0)
            return;
        held.store = NULL;
    }
    pthread_rwlock_unlock(&s->map_lock);
}

bool
steme__store_derived_stale(const steme__store *s)
{
    return s->derived_stale;
}

size_t
steme__store_map_size(steme__store *s)
{
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    return info.me_mapsize;
}

steme_err
steme__store_grow(steme__store *s, size_t seen_size)
{
    size_t cur;
    int rc = MDB_SUCCESS;

    /* Waiting for the exclusive lock while this thread holds it shared would never end. */
    if (held.store == s)
        return STEME_EBUSY;
    pthread_rwlock_wrlock(&s->map_lock);
    cur = steme__store_map_size(s);
    if (seen_size == 0)
        rc = mdb_env_set_mapsize(s->env, 0);
    else if (cur == seen_size)
        rc = cur > SIZE_MAX / 2 ? MDB_MAP_FULL : mdb_env_set_mapsize(s->env, cur * 2);
    /* The new map has no page tables: populate it again, under the exclusive lock so that
     * no transaction sees the map change meanwhile. Growth is rare (the map doubles). */
    if (rc == MDB_SUCCESS && s->populate)
        populate_map(s);
    pthread_rwlock_unlock(&s->map_lock);
    if (rc == MDB_MAP_FULL)
        return STEME_ELIMIT;
    return steme__lmdb_err(rc);
}

/* ---------------------------------------------------------------------------------------------
 * Snapshots: a pool of reset read transactions, renewed on begin, so that beginning one costs
 * a reader-slot update and no allocation; sharded by thread (store_int.h).
 */

/* The calling thread's shard: threads are dealt shards in turn on their first snapshot. */
static steme__snap_pool *
pool_of(steme__store *s)
{
    static _Atomic unsigned next;
    static _Thread_local unsigned shard = UINT_MAX;
    if (shard == UINT_MAX)
        shard = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed) % STEME__SNAP_SHARDS;
    return &s->pools[shard];
}

steme_err
steme__snap_begin(steme__store *s, steme__snap **ret)
{
    for (;;) {
        steme__snap *snap;
        int rc;

        steme__snap_pool *p = pool_of(s);
        steme__map_rdlock(s);
        pthread_mutex_lock(&p->lock);
        snap = p->head;
        if (snap != NULL) {
            p->head = snap->next;
            p->n--;
        }
        pthread_mutex_unlock(&p->lock);

        if (snap != NULL) {
            rc = mdb_txn_renew(snap->txn.mdb);
        } else {
            snap = steme__calloc(1, sizeof(*snap));
            if (snap == NULL) {
                steme__map_unlock(s);
                return STEME_ENOMEM;
            }
            snap->store = s;
            snap->txn.dbi = s->dbi;
            snap->txn.store = s;
            snap->txn.read_only = true;
            rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &snap->txn.mdb);
            if (rc != MDB_SUCCESS)
                snap->txn.mdb = NULL;
        }
        if (rc == MDB_SUCCESS) {
            snap->txn.cur_live = 0;
            *ret = snap;
            return STEME_OK; /* map_lock stays held shared until steme__snap_end */
        }
        snap_free(snap);
        steme__map_unlock(s);
        if (rc != MDB_MAP_RESIZED)
            return steme__lmdb_err(rc);
        /* Another process grew the map beyond ours: adopt its size and try again. */
        steme_err err = steme__store_grow(s, 0);
        if (err != STEME_OK)
            return err;
    }
}

void
steme__snap_end(steme__snap *snap)
{
    steme__store *s;
    bool pooled = false;

    if (snap == NULL)
        return;
    s = snap->store;
    steme__snap_pool *p = pool_of(s);
    mdb_txn_reset(snap->txn.mdb);
    pthread_mutex_lock(&p->lock);
    if (p->n < SNAP_POOL_MAX) {
        snap->next = p->head;
        p->head = snap;
        p->n++;
        pooled = true;
    }
    pthread_mutex_unlock(&p->lock);
    if (!pooled)
        snap_free(snap);
    steme__map_unlock(s);
}

steme__version
steme__store_version(steme__store *s)
{
    MDB_envinfo info;
    /* Under map_lock: a resize moves the meta pages that mdb_env_info reads. */
    steme__map_rdlock(s);
    mdb_env_info(s->env, &info);
    steme__map_unlock(s);
    return (steme__version){s->instance, info.me_last_txnid};
}

steme__version
steme__snap_version(const steme__snap *snap)
{
    return (steme__version){snap->store->instance, mdb_txn_id(snap->txn.mdb)};
}

/* ---------------------------------------------------------------------------------------------
 * Statistics
 */

steme_err
steme__store_stats(steme__store *s, steme_stats *ret)
{
    steme__snap *snap;
    steme__meta m;
    MDB_envinfo info;
    MDB_stat st;
    uint64_t pending = 0;
    steme_err err;

    err = steme__snap_begin(s, &snap);
    if (err != STEME_OK)
        return err;
    err = steme__meta_read(&snap->txn, &m);
    if (err == STEME_OK)
        err = steme__tcount(&snap->txn, STEME__T_QUEUE, &pending);
    if (err == STEME_OK) {
        mdb_env_info(s->env, &info);
        mdb_env_stat(s->env, &st);
    }
    steme__snap_end(snap);
    if (err != STEME_OK)
        return err;

    memset(ret, 0, sizeof(*ret));
    ret->format_version = m.format_version;
    ret->last_seq = m.last_seq;
    ret->assertions = m.count[STEME_RECORD_ASSERTION];
    ret->votes = m.count[STEME_RECORD_VOTE];
    ret->events = m.count[STEME_RECORD_EVENT];
    ret->records = ret->assertions + ret->votes + ret->events;
    ret->map_size = info.me_mapsize;
    ret->disk_bytes = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
    ret->quarantine_pending = pending;
    return STEME_OK;
}

uint64_t
steme__store_commits(steme__store *s)
{
    return atomic_load(&s->commits);
}
