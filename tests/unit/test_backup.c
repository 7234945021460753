/* SPDX-License-Identifier: MIT */
/*
 * test_backup.c -- backup, verification and restore (docs/operations.md):
 *  - a backup taken while a writer thread keeps ingesting holds every record acknowledged
 *    before the call, restores to a store that passes the check and whose derived state is
 *    what a rebuild makes of it;
 *  - one flipped byte anywhere in the manifest, or in the data file, is refused by verify and
 *    by restore with a message naming that file; so are missing and unexpected files;
 *  - restore --until N gives exactly records 1..N, byte for byte, with the derived state of a
 *    store that only ever had them;
 *  - a backup killed at a random moment leaves nothing under its name, or a whole backup;
 *  - the manifest parser's edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "manifest.h"
#include "rules_fixture.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers
 */

static char *
path2(const char *dir, const char *name)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

static uint8_t *
read_all(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *ret_len = (size_t)n;
    return buf;
}

static void
write_all(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Copy the files of backup src into the new directory dst. */
static void
copy_backup(const char *src, const char *dst)
{
    static const char *const names[] = {STEME_BACKUP_MANIFEST, STEME_BACKUP_DATA};
    assert_int_equal(mkdir(dst, 0755), 0);
    for (size_t i = 0; i < 2; i++) {
        char *a = path2(src, names[i]), *b = path2(dst, names[i]);
        size_t n;
        uint8_t *p = read_all(a, &n);
        write_all(b, p, n);
        free(p);
        free(a);
        free(b);
    }
}

static void
rm_tree(const char *dir)
{
    char *copy = strdup(dir);
    assert_non_null(copy);
    fx_rmdir(copy);
}

static bool
exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* No "NAME.partial-*" left beside NAME. */
static void
assert_no_partial(const char *parent, const char *name)
{
    DIR *d = opendir(parent);
    struct dirent *e;
    size_t n = strlen(name);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, name, n) == 0 && strncmp(e->d_name + n, ".partial-", 9) == 0)
            fail_msg("a staging directory was left behind: %s", e->d_name);
    }
    closedir(d);
}

/* Problems reported by verify / restore. */
typedef struct seen {
    unsigned n;
    unsigned other_file; /* problems naming a file other than want */
    const char *want;
    char first_file[80];
    char first_what[512];
} seen;

static void
on_problem(const char *file, const char *what, void *ctx)
{
    seen *s = ctx;
    if (s->n++ == 0) {
        snprintf(s->first_file, sizeof(s->first_file), "%s", file);
        snprintf(s->first_what, sizeof(s->first_what), "%s", what);
    }
    if (s->want != NULL && strcmp(file, s->want) != 0)
        s->other_file++;
}

static void
on_check_problem(const char *index, const char *what, uint64_t seq, void *ctx)
{
    (void)ctx;
    fail_msg("check: %s: %s (seq %llu)", index, what, (unsigned long long)seq);
}

static steme_db *
open_db(const char *dir, bool read_only)
{
    steme_db_options o;
    steme_db *db = NULL;
    steme_db_options_init(&o);
    o.create = false;
    o.read_only = read_only;
    o.verify_threads = 2;
    assert_int_equal(steme_db_open(dir, &o, &db), STEME_OK);
    return db;
}

static void
assert_check_clean(steme_db *db, uint64_t records)
{
    steme_check_report rep;
    assert_int_equal(steme_db_check(db, &rep, on_check_problem, NULL), STEME_OK);
    assert_int_equal(rep.problems, 0);
    assert_int_equal(rep.records, records);
    assert_int_equal(rep.signatures, records);
}

/* The derived-state hash of db, and that a rebuild reproduces it. */
static void
assert_derived_rebuilds(steme_db *db, uint8_t out[32])
{
    uint8_t after[32];
    assert_int_equal(steme_db_derived_hash(db, out), STEME_OK);
    assert_int_equal(steme_db_rebuild(db), STEME_OK);
    assert_int_equal(steme_db_derived_hash(db, after), STEME_OK);
    assert_memory_equal(out, after, 32);
}

/* ---------------------------------------------------------------------------------------------
 * A backup while a writer thread keeps ingesting
 */

#define WRITER_BATCH 40
#define WRITER_MAX   200000

typedef struct writer {
    steme_db *db;
    steme_keypair *kp;
    atomic_bool stop;
    atomic_uint_fast64_t max_acked; /* highest seq acknowledged so far */
    pthread_mutex_t lock;
    steme_id *ids; /* acknowledged records, in ack order */
    uint64_t *seqs;
    size_t n;
    unsigned next; /* the next fx_numbered number */
    int err;
} writer;

static void *
writer_main(void *arg)
{
    writer *w = arg;
    fx_rec *recs = malloc(WRITER_BATCH * sizeof(*recs));
    steme_signed in[WRITER_BATCH];
    steme_ingest_result res[WRITER_BATCH];

    if (recs == NULL) {
        w->err = STEME_ENOMEM;
        return NULL;
    }
    while (!atomic_load(&w->stop) && w->n + WRITER_BATCH <= WRITER_MAX) {
        for (size_t i = 0; i < WRITER_BATCH; i++) {
            fx_numbered(&recs[i], w->kp, w->next++, 500);
            in[i] = fx_signed(&recs[i]);
        }
        int err = steme_db_ingest(w->db, in, WRITER_BATCH, res, 0);
        if (err != STEME_OK) {
            w->err = err;
            break;
        }
        /* Acknowledged: every record of the call is durable now. */
        pthread_mutex_lock(&w->lock);
        uint64_t max = atomic_load(&w->max_acked);
        for (size_t i = 0; i < WRITER_BATCH; i++) {
            if (res[i].err != STEME_OK) {
                w->err = res[i].err;
                continue;
            }
            w->ids[w->n] = res[i].id;
            w->seqs[w->n++] = res[i].seq;
            if (res[i].seq > max)
                max = res[i].seq;
        }
        atomic_store(&w->max_acked, max);
        pthread_mutex_unlock(&w->lock);
    }
    free(recs);
    return NULL;
}

static void
test_backup_while_writing(void **state)
{
    (void)state;
    char *dir = fx_tmpdir(), *work = fx_tmpdir();
    char *store = path2(dir, "store"), *bk = path2(work, "bk"), *restored = path2(work, "new");
    steme_db_options o;
    writer w = {.kp = fx_key(7)};
    pthread_t th;

    steme_db_options_init(&o);
    o.verify_threads = 2;
    assert_int_equal(steme_db_open(store, &o, &w.db), STEME_OK);
    w.ids = malloc(WRITER_MAX * sizeof(*w.ids));
    w.seqs = malloc(WRITER_MAX * sizeof(*w.seqs));
    assert_non_null(w.ids);
    assert_non_null(w.seqs);
    pthread_mutex_init(&w.lock, NULL);
    assert_int_equal(pthread_create(&th, NULL, writer_main, &w), 0);

    /* Let the store grow to some thousands of records, so that the copy takes a while. */
    for (;;) {
        pthread_mutex_lock(&w.lock);
        size_t n = w.n;
        pthread_mutex_unlock(&w.lock);
        if (n >= 8000 || w.err != 0)
            break;
        usleep(2000);
    }
    assert_int_equal(w.err, 0);
    uint64_t acked_before = atomic_load(&w.max_acked);
    steme_backup_info info;
    assert_int_equal(steme_db_backup(w.db, bk, NULL, &info), STEME_OK);
    uint64_t acked_after = atomic_load(&w.max_acked);
    usleep(50000); /* the writer goes on after the backup too */
    atomic_store(&w.stop, true);
    pthread_join(th, NULL);
    assert_int_equal(w.err, 0);

    /* The manifest: from the copy, past everything acknowledged before the call. */
    assert_true(info.last_seq >= acked_before);
    assert_true(info.records == info.last_seq);
    assert_int_equal(info.assertions, info.records);
    assert_int_equal(info.files, 1);
    assert_string_equal(info.libsteme_version, STEME_VERSION_STRING);
    print_message("backup at %llu: acked %llu before the call, %llu after it, %zu in all\n",
                  (unsigned long long)info.last_seq, (unsigned long long)acked_before,
                  (unsigned long long)acked_after, w.n);
    assert_true(exists(bk));
    assert_no_partial(work, "bk");

    steme_backup_report rep;
    seen s = {0};
    assert_int_equal(steme_db_backup_verify(bk, NULL, &rep, on_problem, &s), STEME_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(rep.problems, 0);
    assert_int_equal(rep.check.records, info.records);
    assert_int_equal(rep.check.signatures, info.records);
    assert_int_equal(rep.info.last_seq, info.last_seq);
    assert_memory_equal(rep.info.data_hash, info.data_hash, 32);
    /* Verification wrote nothing into the backup (no lock file). */
    char *lock = path2(bk, "lock.mdb");
    assert_false(exists(lock));
    free(lock);

    steme_restore_report rr;
    assert_int_equal(steme_db_restore(bk, restored, 0, NULL, &rr, on_problem, &s), STEME_OK);
    assert_int_equal(rr.last_seq, info.last_seq);
    assert_int_equal(rr.records, info.records);
    assert_no_partial(work, "new");

    /* Every acknowledged record up to the backup's position is there, at its seq; nothing
     * past it is. */
    steme_db *r = open_db(restored, false);
    size_t in_backup = 0;
    for (size_t i = 0; i < w.n; i++) {
        steme_entry *e = NULL;
        int err = steme_db_get(r, &w.ids[i], 0, &e);
        if (w.seqs[i] <= info.last_seq) {
            assert_int_equal(err, STEME_OK);
            assert_int_equal(e->seq, w.seqs[i]);
            in_backup++;
        } else {
            assert_int_equal(err, STEME_ENOTFOUND);
        }
        steme_entry_free(e);
    }
    assert_int_equal(in_backup, info.records);
    assert_check_clean(r, info.records);
    uint8_t h[32];
    assert_derived_rebuilds(r, h);

    /* The restored store takes writes where the backup ended. */
    fx_rec extra;
    steme_ingest_result res;
    fx_numbered(&extra, w.kp, 999999, 500);
    steme_signed in = fx_signed(&extra);
    assert_int_equal(steme_db_ingest(r, &in, 1, &res, 0), STEME_OK);
    assert_int_equal(res.err, STEME_OK);
    assert_int_equal(res.seq, info.last_seq + 1);
    steme_db_close(r);

    steme_db_close(w.db);
    pthread_mutex_destroy(&w.lock);
    steme_keypair_free(w.kp);
    free(w.ids);
    free(w.seqs);
    free(store);
    free(bk);
    free(restored);
    fx_rmdir(dir);
    fx_rmdir(work);
}

/* ---------------------------------------------------------------------------------------------
 * A store with derived state worth comparing: sources, a cascade, votes, supersession.
 */

typedef struct rich {
    rx *x;
    steme_id a[8];
} rich;

/* Phase 1 of the log. */
static void
rich_phase1(rich *r)
{
    rx *x = r->x;
    steme_record rec;

    rx_source_register(x, "fda:label", STEME_TIER_REGULATORY, 0);
    rx_source_register(x, "trial:mega", STEME_TIER_PEER_REVIEWED, 0);
    rx_assert(x, x->alice, "drug:x", "fda:label", NULL, 0, &r->a[0]);
    rx_assert(x, x->bob, "drug:x", "trial:mega", NULL, 0, &r->a[1]);
    rx_assert(x, x->carol, "drug:y", "trial:mega", &r->a[1], 1, &r->a[2]);
    fx_vote(&rec, x->bob, &r->a[0], 1);
    rx_ok(x, &rec, x->bob, NULL);
    fx_vote(&rec, x->carol, &r->a[1], -1);
    rx_ok(x, &rec, x->carol, NULL);
}

/* Phase 2: changes the derived state of phase-1 records (a retraction cascades to them). */
static void
rich_phase2(rich *r)
{
    rx *x = r->x;
    steme_record rec;

    rx_assert(x, x->alice, "drug:z", "forum:a", &r->a[2], 1, &r->a[3]);
    fx_vote(&rec, x->alice, &r->a[1], 1);
    rx_ok(x, &rec, x->alice, NULL);
    rx_source_retract(x, "trial:mega");
    rx_assert(x, x->bob, "drug:x", "fda:label", NULL, 0, &r->a[4]);
}

static void
test_restore_until(void **state)
{
    (void)state;
    rich r = {.x = rx_open()};
    rx *x = r.x;
    char *work = fx_tmpdir();
    char *bk = path2(work, "bk"), *bk_n = path2(work, "bk-at-n");
    uint8_t h_n[32];
    steme_stats st;

    rich_phase1(&r);
    assert_int_equal(steme_db_stats(x->db, &st), STEME_OK);
    uint64_t n = st.last_seq;
    rx_hash(x, h_n);
    /* A store that only ever had records 1..n: the backup taken now. */
    assert_int_equal(steme_db_backup(x->db, bk_n, NULL, NULL), STEME_OK);
    rich_phase2(&r);
    assert_int_equal(steme_db_stats(x->db, &st), STEME_OK);
    uint64_t last = st.last_seq;
    uint8_t h_last[32];
    rx_hash(x, h_last);
    assert_memory_not_equal(h_n, h_last, 32);
    assert_int_equal(steme_db_backup(x->db, bk, NULL, NULL), STEME_OK);

    /* The reference: the backup taken at n, restored whole, is what the store was at n. */
    char *ref = path2(work, "ref");
    assert_int_equal(steme_db_restore(bk_n, ref, 0, NULL, NULL, NULL, NULL), STEME_OK);
    steme_db *rdb = open_db(ref, false);
    uint8_t h_ref[32];
    assert_derived_rebuilds(rdb, h_ref);
    assert_memory_equal(h_ref, h_n, 32);
    steme_db_close(rdb);

    /* --until every position: records 1..u, byte for byte; the derived state at u. */
    for (uint64_t u = 1; u <= last; u++) {
        char name[32];
        snprintf(name, sizeof(name), "until-%llu", (unsigned long long)u);
        char *nd = path2(work, name);
        steme_restore_report rr;
        seen s = {0};
        assert_int_equal(steme_db_restore(bk, nd, u, NULL, &rr, on_problem, &s), STEME_OK);
        assert_int_equal(s.n, 0);
        assert_int_equal(rr.last_seq, u);
        assert_int_equal(rr.records, u);
        assert_int_equal(rr.backup.info.last_seq, last);
        assert_no_partial(work, name);

        steme_db *db = open_db(nd, true);
        for (uint64_t q = 1; q <= last; q++) {
            steme_entry *orig = NULL, *got = NULL;
            assert_int_equal(steme_db_get_seq(x->db, q, &orig), STEME_OK);
            int err = steme_db_get_seq(db, q, &got);
            if (q <= u) {
                assert_int_equal(err, STEME_OK);
                assert_memory_equal(got->id.b, orig->id.b, STEME_ID_SIZE);
                assert_memory_equal(got->sig.b, orig->sig.b, STEME_SIG_SIZE);
                assert_int_equal(got->recorded_at, orig->recorded_at);
                assert_int_equal(got->len, orig->len);
                assert_memory_equal(got->bytes, orig->bytes, orig->len);
                if (q == u)
                    assert_int_equal(rr.last_recorded_at, orig->recorded_at);
            } else {
                assert_int_equal(err, STEME_ENOTFOUND);
                steme_entry *by_id = NULL;
                assert_int_equal(steme_db_get(db, &orig->id, 0, &by_id), STEME_ENOTFOUND);
            }
            steme_entry_free(orig);
            steme_entry_free(got);
        }
        assert_int_equal(steme_db_stats(db, &st), STEME_OK);
        assert_int_equal(st.last_seq, u);
        assert_int_equal(st.records, u);
        assert_check_clean(db, u);
        steme_db_close(db);

        db = open_db(nd, false);
        uint8_t h[32];
        assert_derived_rebuilds(db, h);
        if (u == n)
            assert_memory_equal(h, h_n, 32);
        if (u == last)
            assert_memory_equal(h, h_last, 32);
        steme_db_close(db);
        free(nd);
    }

    /* Past the end: refused, nothing made; the report says where the backup ends. */
    char *nd = path2(work, "too-far");
    steme_restore_report rr;
    assert_int_equal(steme_db_restore(bk, nd, last + 1, NULL, &rr, NULL, NULL), STEME_EINVAL);
    assert_int_equal(rr.backup.info.last_seq, last);
    assert_false(exists(nd));
    assert_no_partial(work, "too-far");
    free(nd);

    free(ref);
    free(bk);
    free(bk_n);
    fx_rmdir(work);
    rx_close(x);
}

/* ---------------------------------------------------------------------------------------------
 * Damage: one flipped byte in any file, missing and unexpected files
 */

/* Verify and restore must both refuse damaged, naming file (and only file). */
static void
assert_refused(const char *damaged, const char *work, const char *file, const char *why)
{
    seen s = {.want = file};
    steme_backup_report rep;
    int err = steme_db_backup_verify(damaged, NULL, &rep, on_problem, &s);
    if (err != STEME_ECORRUPT)
        fail_msg("%s: verify returned %d (%s)", why, err, steme_strerror(err));
    if (s.n == 0 || s.other_file != 0 || strcmp(s.first_file, file) != 0)
        fail_msg("%s: expected problems naming %s only, got %u (first: %s: %s)", why, file, s.n,
                 s.first_file, s.first_what);
    assert_int_equal(rep.problems, s.n);

    char *nd = path2(work, "restored");
    seen s2 = {.want = file};
    err = steme_db_restore(damaged, nd, 0, NULL, NULL, on_problem, &s2);
    if (err != STEME_ECORRUPT)
        fail_msg("%s: restore returned %d", why, err);
    if (s2.n == 0 || s2.other_file != 0 || strcmp(s2.first_file, file) != 0)
        fail_msg("%s: restore: expected problems naming %s, got %s: %s", why, file, s2.first_file,
                 s2.first_what);
    assert_false(exists(nd));
    assert_no_partial(work, "restored");
    /* --until too: it verifies the same way first. */
    s2 = (seen){.want = file};
    assert_int_equal(steme_db_restore(damaged, nd, 1, NULL, NULL, on_problem, &s2), STEME_ECORRUPT);
    assert_false(exists(nd));
    free(nd);
}

static void
flip(const char *dir, const char *name, size_t off, uint8_t mask)
{
    char *p = path2(dir, name);
    size_t n;
    uint8_t *buf = read_all(p, &n);
    assert_true(off < n);
    buf[off] ^= mask;
    write_all(p, buf, n);
    free(buf);
    free(p);
}

static void
test_flipped_bytes_are_refused(void **state)
{
    (void)state;
    rich r = {.x = rx_open()};
    char *work = fx_tmpdir();
    char *bk = path2(work, "bk"), *dmg = path2(work, "damaged");
    char why[128];

    rich_phase1(&r);
    rich_phase2(&r);
    assert_int_equal(steme_db_backup(r.x->db, bk, NULL, NULL), STEME_OK);
    assert_int_equal(steme_db_backup_verify(bk, NULL, NULL, NULL, NULL), STEME_OK);

    /* Every byte of the manifest, flipped: the manifest is named, whatever the byte was. */
    char *mpath = path2(bk, STEME_BACKUP_MANIFEST);
    size_t mlen;
    free(read_all(mpath, &mlen));
    free(mpath);
    for (size_t off = 0; off < mlen; off++) {
        const uint8_t mask = off % 2 ? 0x01 : 0x80;
        copy_backup(bk, dmg);
        flip(dmg, STEME_BACKUP_MANIFEST, off, mask);
        snprintf(why, sizeof(why), "manifest byte %zu ^ 0x%02x", off, mask);
        assert_refused(dmg, work, STEME_BACKUP_MANIFEST, why);
        rm_tree(dmg);
    }

    /* The data file: the meta pages, the first data page, the middle, the last byte. */
    char *dpath = path2(bk, STEME_BACKUP_DATA);
    size_t dlen;
    free(read_all(dpath, &dlen));
    free(dpath);
    const size_t offs[] = {0, 16, 4096 + 40, 8192 + 7, dlen / 2, dlen - 1};
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        copy_backup(bk, dmg);
        flip(dmg, STEME_BACKUP_DATA, offs[i], 0x04);
        snprintf(why, sizeof(why), "data byte %zu", offs[i]);
        assert_refused(dmg, work, STEME_BACKUP_DATA, why);
        rm_tree(dmg);
    }

    /* A truncated data file. */
    copy_backup(bk, dmg);
    char *p = path2(dmg, STEME_BACKUP_DATA);
    assert_int_equal(truncate(p, (off_t)dlen - 4096), 0);
    assert_refused(dmg, work, STEME_BACKUP_DATA, "truncated data");
    free(p);
    rm_tree(dmg);

    /* Missing files. */
    copy_backup(bk, dmg);
    p = path2(dmg, STEME_BACKUP_DATA);
    assert_int_equal(unlink(p), 0);
    assert_refused(dmg, work, STEME_BACKUP_DATA, "no data file");
    free(p);
    rm_tree(dmg);
    copy_backup(bk, dmg);
    p = path2(dmg, STEME_BACKUP_MANIFEST);
    assert_int_equal(unlink(p), 0);
    assert_refused(dmg, work, STEME_BACKUP_MANIFEST, "no manifest");
    free(p);
    rm_tree(dmg);

    /* A file the manifest does not list (a lock file left by someone who opened it). */
    copy_backup(bk, dmg);
    p = path2(dmg, "lock.mdb");
    write_all(p, (const uint8_t *)"x", 1);
    assert_refused(dmg, work, "lock.mdb", "unlisted file");
    free(p);
    rm_tree(dmg);

    /* The untouched backup still verifies and restores. */
    char *nd = path2(work, "ok");
    assert_int_equal(steme_db_restore(bk, nd, 0, NULL, NULL, NULL, NULL), STEME_OK);
    free(nd);

    free(bk);
    free(dmg);
    fx_rmdir(work);
    rx_close(r.x);
}

/* ---------------------------------------------------------------------------------------------
 * Refusals: destinations, missing directories, newer manifests, shipping
 */

static void
test_refusals_and_shipping(void **state)
{
    (void)state;
    rich r = {.x = rx_open()};
    char *work = fx_tmpdir();
    char *bk = path2(work, "bk"), *full = path2(work, "full"), *empty = path2(work, "empty");
    char *ship = path2(work, "shipped"), *nowhere = path2(work, "no/such/dir");
    char *file = path2(full, "x");

    rich_phase1(&r);
    assert_int_equal(mkdir(full, 0755), 0);
    write_all(file, (const uint8_t *)"x", 1);
    assert_int_equal(mkdir(empty, 0755), 0);

    assert_int_equal(steme_db_backup(NULL, bk, NULL, NULL), STEME_EINVAL);
    assert_int_equal(steme_db_backup(r.x->db, full, NULL, NULL), STEME_EEXIST);
    assert_int_equal(steme_db_backup(r.x->db, file, NULL, NULL), STEME_EEXIST);
    assert_int_equal(steme_db_backup(r.x->db, nowhere, NULL, NULL), STEME_ESYSERR | ENOENT);
    /* An empty directory is taken (replaced by the backup). */
    assert_int_equal(steme_db_backup(r.x->db, empty, NULL, NULL), STEME_OK);
    assert_int_equal(steme_db_backup_verify(empty, NULL, NULL, NULL, NULL), STEME_OK);
    /* With a trailing slash, the staging directory is still a sibling. */
    char *slash = path2(work, "bk/");
    assert_int_equal(steme_db_backup(r.x->db, slash, NULL, NULL), STEME_OK);
    free(slash);
    assert_no_partial(work, "bk");

    assert_int_equal(steme_db_backup_verify(nowhere, NULL, NULL, NULL, NULL), STEME_ENOTFOUND);
    assert_int_equal(steme_db_restore(nowhere, ship, 0, NULL, NULL, NULL, NULL), STEME_ENOTFOUND);
    assert_int_equal(steme_db_restore(bk, full, 0, NULL, NULL, NULL, NULL), STEME_EEXIST);

    /* Shipping: an exact copy, which verifies where it landed. */
    assert_int_equal(steme_db_backup_ship(bk, full, NULL, NULL, NULL), STEME_EEXIST);
    assert_int_equal(steme_db_backup_ship(bk, ship, NULL, NULL, NULL), STEME_OK);
    assert_int_equal(steme_db_backup_verify(ship, NULL, NULL, NULL, NULL), STEME_OK);
    const char *names[] = {STEME_BACKUP_MANIFEST, STEME_BACKUP_DATA};
    for (size_t i = 0; i < 2; i++) {
        char *a = path2(bk, names[i]), *b = path2(ship, names[i]);
        size_t na, nb;
        uint8_t *pa = read_all(a, &na), *pb = read_all(b, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(pa, pb, na);
        free(pa);
        free(pb);
        free(a);
        free(b);
    }
    /* A damaged backup is not shipped. */
    char *dmg = path2(work, "damaged"), *ship2 = path2(work, "shipped2");
    copy_backup(bk, dmg);
    flip(dmg, STEME_BACKUP_DATA, 5000, 0x10);
    seen s = {.want = STEME_BACKUP_DATA};
    assert_int_equal(steme_db_backup_ship(dmg, ship2, NULL, on_problem, &s), STEME_ECORRUPT);
    assert_true(s.n > 0);
    assert_int_equal(s.other_file, 0);
    assert_false(exists(ship2));
    assert_no_partial(work, "shipped2");

    /* A manifest from a newer version (with a valid checksum): EVERSION, not damage. */
    char *newer = path2(work, "newer"), *mp = path2(newer, STEME_BACKUP_MANIFEST);
    copy_backup(bk, newer);
    size_t n;
    uint8_t *text = read_all(mp, &n);
    char *v = strstr((char *)text, "\"manifest_version\": 1");
    assert_non_null(v);
    v[strlen("\"manifest_version\": ")] = '2';
    char *sum = strstr((char *)text, "\n  \"manifest_blake2b_256\": \"");
    assert_non_null(sum);
    uint8_t h[32];
    steme__hash256(text, (size_t)(sum - (char *)text) + 1, h);
    steme_hex(h, 32, sum + strlen("\n  \"manifest_blake2b_256\": \""));
    sum[strlen("\n  \"manifest_blake2b_256\": \"") + 64] = '"';
    write_all(mp, text, n);
    s = (seen){0};
    assert_int_equal(steme_db_backup_verify(newer, NULL, NULL, on_problem, &s), STEME_EVERSION);
    assert_string_equal(s.first_file, STEME_BACKUP_MANIFEST);
    free(text);

    free(newer);
    free(mp);
    free(dmg);
    free(ship2);
    free(file);
    free(bk);
    free(full);
    free(empty);
    free(ship);
    free(nowhere);
    fx_rmdir(work);
    rx_close(r.x);
}

/* ---------------------------------------------------------------------------------------------
 * A backup killed at a random moment: nothing under its name, or a backup that verifies.
 */

static void
test_killed_backup(void **state)
{
    (void)state;
    char *dir = fx_tmpdir(), *work = fx_tmpdir();
    char *store = path2(dir, "store");
    steme_keypair *kp = fx_key(9);
    steme_db_options o;
    steme_db *db;
    enum { N = 20000, BATCH = 500 };
    fx_rec *recs = malloc(BATCH * sizeof(*recs));
    steme_signed in[BATCH];
    steme_ingest_result res[BATCH];

    assert_non_null(recs);
    steme_db_options_init(&o);
    o.verify_threads = 2;
    assert_int_equal(steme_db_open(store, &o, &db), STEME_OK);
    for (unsigned b = 0; b < N / BATCH; b++) {
        for (unsigned i = 0; i < BATCH; i++) {
            fx_numbered(&recs[i], kp, b * BATCH + i, 1000);
            in[i] = fx_signed(&recs[i]);
        }
        assert_int_equal(steme_db_ingest(db, in, BATCH, res, 0), STEME_OK);
    }
    steme_db_close(db);
    free(recs);

    /* Time one backup, then kill others at moments spread over that time. */
    char *timed = path2(work, "timed");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    db = open_db(store, true);
    assert_int_equal(steme_db_backup(db, timed, NULL, NULL), STEME_OK);
    steme_db_close(db);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
    free(timed);

    unsigned whole = 0, absent = 0;
    srand(12345);
    for (int round = 0; round < 16; round++) {
        char name[32];
        snprintf(name, sizeof(name), "bk%d", round);
        char *bk = path2(work, name);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            steme_db_options co;
            steme_db *cdb = NULL;
            steme_db_options_init(&co);
            co.create = false;
            co.read_only = true;
            if (steme_db_open(store, &co, &cdb) != STEME_OK)
                _exit(2);
            _exit(steme_db_backup(cdb, bk, NULL, NULL) == STEME_OK ? 0 : 1);
        }
        /* The child also opens the store: spread the kills over a few backups' time. */
        usleep((useconds_t)(rand() % (4 * us + 1)));
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status))
            assert_int_equal(WEXITSTATUS(status), 0); /* it finished first */
        if (WIFEXITED(status) || exists(bk)) {
            whole++;
            assert_int_equal(steme_db_backup_verify(bk, NULL, NULL, NULL, NULL), STEME_OK);
        } else {
            absent++;
        }
        free(bk);
    }
    print_message("killed backups: %u whole, %u absent (one backup takes %ld us)\n", whole, absent,
                  us);

    steme_keypair_free(kp);
    free(store);
    fx_rmdir(dir);
    fx_rmdir(work);
}

/* ---------------------------------------------------------------------------------------------
 * The manifest parser
 */

static void
sample_manifest(steme__manifest *m)
{
    memset(m, 0, sizeof(*m));
    m->info.format_version = 1;
    m->info.created_at = 1717243200123;
    m->info.last_seq = 10;
    m->info.last_recorded_at = 1717243100000;
    m->info.records = 9;
    m->info.assertions = 5;
    m->info.votes = 3;
    m->info.events = 1;
    m->n_files = 2;
    strcpy(m->files[0].name, "data.mdb");
    m->files[0].size = 65536;
    memset(m->files[0].hash, 0xab, 32);
    strcpy(m->files[1].name, "extra-1.bin");
    m->files[1].size = 3;
    memset(m->files[1].hash, 0x01, 32);
}

/* Parse text after re-sealing it with a correct checksum: what the parser says of the body. */
static int
parse_sealed(const char *body, const char **what)
{
    static const char key[] = "\n  \"manifest_blake2b_256\": \"";
    size_t bl = strlen(body);
    char *text = malloc(bl + 128);
    uint8_t h[32];
    steme__manifest m;

    assert_non_null(text);
    memcpy(text, body, bl);
    text[bl] = '\0';
    assert_true(bl > 0 && body[bl - 1] == '\n');
    steme__hash256(text, bl, h);
    memcpy(text + bl, key + 1, sizeof(key) - 2);
    size_t n = bl + sizeof(key) - 2;
    steme_hex(h, 32, text + n);
    n += 64;
    memcpy(text + n, "\"\n}\n", 4);
    n += 4;
    int err = steme__manifest_parse((const uint8_t *)text, n, &m, what);
    free(text);
    return err;
}

static void
test_manifest_parser(void **state)
{
    (void)state;
    steme__manifest m, back;
    char *text;
    size_t n;
    const char *what;

    sample_manifest(&m);
    assert_int_equal(steme__manifest_write(&m, &text, &n), STEME_OK);
    assert_int_equal(steme__manifest_parse((const uint8_t *)text, n, &back, &what), STEME_OK);
    assert_int_equal(back.info.last_seq, 10);
    assert_int_equal(back.info.created_at, 1717243200123);
    assert_int_equal(back.info.data_size, 65536);
    assert_int_equal(back.info.files, 2);
    assert_int_equal(back.info.bytes, 65539);
    assert_memory_equal(back.info.data_hash, m.files[0].hash, 32);
    assert_string_equal(back.files[1].name, "extra-1.bin");
    assert_string_equal(back.info.libsteme_version, STEME_VERSION_STRING);
    /* Truncated anywhere: refused. */
    for (size_t k = 0; k < n; k++)
        assert_int_equal(steme__manifest_parse((const uint8_t *)text, k, &back, &what),
                         STEME_ECORRUPT);

    /* The body of the sample, without its checksum line, to be altered and re-sealed. */
    char *cut = strstr(text, "  \"manifest_blake2b_256\"");
    assert_non_null(cut);
    *cut = '\0';
    assert_int_equal(parse_sealed(text, &what), STEME_OK);

    struct {
        const char *from, *to, *rule;
    } cases[] = {
        {"\"votes\": 3", "\"votes\": 4", "records is not assertions + votes + events"},
        {"\"votes\": 3", "\"votes\": 03", "malformed: a number has a leading zero"},
        {"\"votes\": 3", "\"votes\": -3", "malformed: a non-negative integer was expected"},
        {"\"votes\": 3", "\"votes\": 3, \"votes\": 3", "malformed: a member appears twice"},
        {"\"votes\": 3", "\"votez\": 3", "malformed: an unknown member"},
        {"\"votes\": 3", "\"votes\": 99999999999999999999", "malformed: a number is out of range"},
        {"extra-1.bin", "../evil", "a file name is not allowed (letters, digits, '.', '_', '-')"},
        {"extra-1.bin", "data.mdb", "a file is listed twice"},
        {"extra-1.bin", "MANIFEST.json",
         "a file name is not allowed (letters, digits, '.', '_', '-')"},
        {"\"name\": \"data.mdb\"", "\"name\": \"data.mdc\"", "it does not list data.mdb"},
        {"stemedb-backup", "stemedb-backuq", "not a StemeDB backup manifest"},
        {"\"created_at_ms\": 1717243200123", "\"created_at_ms\": 1717243200124",
         "created_at and created_at_ms disagree"},
        {"\"last_seq\": 10", "\"last_seq\": 8", "more records than log positions"},
        {"\"manifest_version\": 1", "\"manifest_version\": 0", "an unknown manifest version"},
        {"data.mdb", "data\\u002emdb",
         "malformed: a string holds an escape or a byte that is not printable ASCII"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *at = strstr(text, cases[i].from);
        assert_non_null(at);
        char body[4096];
        snprintf(body, sizeof(body), "%.*s%s%s", (int)(at - text), text, cases[i].to,
                 at + strlen(cases[i].from));
        int err = parse_sealed(body, &what);
        if (err != STEME_ECORRUPT || strcmp(what, cases[i].rule) != 0)
            fail_msg("case %zu: got %d '%s', expected '%s'", i, err, what ? what : "",
                     cases[i].rule);
    }
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_parser),
        cmocka_unit_test(test_backup_while_writing),
        cmocka_unit_test(test_restore_until),
        cmocka_unit_test(test_flipped_bytes_are_refused),
        cmocka_unit_test(test_refusals_and_shipping),
        cmocka_unit_test(test_killed_backup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
