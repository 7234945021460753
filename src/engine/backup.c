/* SPDX-License-Identifier: MIT */
/*
 * backup.c -- steme_db_backup, steme_db_backup_verify and steme_db_backup_ship
 * (docs/operations.md).
 *
 * A backup is trusted only as far as it is checked, so each step checks what the previous one
 * produced: the manifest is filled from the copy itself (opened read-only after it was
 * written), verification compares every file with the manifest before it lets LMDB open the
 * copy (a damaged file is named, never mapped), and only then runs the store's full integrity
 * check on it. The manifest's own checksum makes damage to it show as damage to it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "backup_int.h"
#include "crypto.h"
#include "engine.h"

/* ---------------------------------------------------------------------------------------------
 * Problems
 */

void
steme__bk_problem(steme__bk_probs *pb, const char *file, const char *fmt, ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    pb->n++;
    if (pb->fn != NULL)
        pb->fn(file, what, pb->ctx);
}

static steme__bk_progress
progress_of(const steme_backup_options *opts, const char *stage, const char *unit, uint64_t total)
{
    steme__bk_progress pr = {.stage = stage, .unit = unit, .total = total};
    if (opts != NULL) {
        pr.fn = opts->progress;
        pr.ctx = opts->progress_ctx;
    }
    return pr;
}

/* Transaction time of the record at seq (0 for seq 0). */
static steme_err
recorded_at_of(steme__store *s, uint64_t seq, int64_t *ret)
{
    steme__snap *snap;
    steme_entry e;
    steme_err err;

    if (seq == 0) {
        *ret = 0;
        return STEME_OK;
    }
    err = steme__snap_begin(s, &snap);
    if (err != STEME_OK)
        return err;
    err = steme__snap_get_seq(snap, seq, &e);
    if (err == STEME_OK)
        *ret = e.recorded_at;
    steme__snap_end(snap);
    return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
}

steme_err
steme__bk_copy_stats(const char *dir, steme_stats *ret, int64_t *ret_last_recorded_at)
{
    steme__store_options so = {.read_only = true, .no_lock = true};
    steme__store *s;
    steme_err err = steme__store_open(dir, &so, &s);

    if (err != STEME_OK)
        return err;
    err = steme__store_stats(s, ret);
    if (err == STEME_OK)
        err = recorded_at_of(s, ret->last_seq, ret_last_recorded_at);
    steme__store_close(s);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Backup
 */

steme_err
steme_db_backup(steme_db *db, const char *dest_dir, const steme_backup_options *opts,
                steme_backup_info *ret)
{
    steme__manifest m;
    steme_stats live, copy;
    char *stage = NULL, *path = NULL, *text = NULL;
    size_t text_len;
    steme_err err;
    int fd;

    if (db == NULL || dest_dir == NULL || dest_dir[0] == '\0')
        return STEME_EINVAL;
    err = steme__bk_dest_free(dest_dir);
    if (err != STEME_OK)
        return err;
    /* Pages in use now: what the copy will be at most (it drops the free ones). */
    err = steme__store_stats(db->store, &live);
    if (err != STEME_OK)
        return err;
    err = steme__bk_stage(dest_dir, &stage);
    if (err != STEME_OK)
        return err;

    memset(&m, 0, sizeof(m));
    m.n_files = 1;
    strcpy(m.files[0].name, STEME_BACKUP_DATA);
    path = steme__bk_path(stage, STEME_BACKUP_DATA);
    if (path == NULL) {
        err = STEME_ENOMEM;
        goto out_remove;
    }
    err = steme__bk_create(path, &fd);
    if (err != STEME_OK)
        goto out_remove;
    steme__bk_progress pr = progress_of(opts, "copying the store", "bytes", live.disk_bytes);
    err = steme__bk_copy_store(db->store, fd, m.files[0].hash, &m.files[0].size, &pr);
    if (close(fd) != 0 && err == STEME_OK)
        err = steme__bk_errno(errno, false);
    if (err != STEME_OK)
        goto out_remove;

    /* The manifest says what the copy holds, read from the copy. */
    err = steme__bk_copy_stats(stage, &copy, &m.info.last_recorded_at);
    if (err != STEME_OK) {
        if (err == STEME_ENOTFOUND)
            err = STEME_ECORRUPT;
        goto out_remove;
    }
    m.info.manifest_version = STEME__MANIFEST_VERSION;
    m.info.format_version = copy.format_version;
    snprintf(m.info.libsteme_version, sizeof(m.info.libsteme_version), "%s", STEME_VERSION_STRING);
    m.info.created_at = steme_now_ms();
    m.info.last_seq = copy.last_seq;
    m.info.records = copy.records;
    m.info.assertions = copy.assertions;
    m.info.votes = copy.votes;
    m.info.events = copy.events;
    m.info.files = 1;
    m.info.bytes = m.info.data_size = m.files[0].size;
    memcpy(m.info.data_hash, m.files[0].hash, 32);

    err = steme__manifest_write(&m, &text, &text_len);
    if (err != STEME_OK)
        goto out_remove;
    steme__free(path);
    path = steme__bk_path(stage, STEME_BACKUP_MANIFEST);
    if (path == NULL) {
        err = STEME_ENOMEM;
        goto out_remove;
    }
    err = steme__bk_write_file(path, text, text_len);
    if (err != STEME_OK)
        goto out_remove;
    err = steme__bk_publish(stage, dest_dir);
    if (err != STEME_OK)
        goto out_remove;
    if (ret != NULL)
        *ret = m.info;
    steme__free(text);
    steme__free(path);
    steme__free(stage);
    return STEME_OK;

out_remove:
    steme__bk_remove(stage);
    steme__free(text);
    steme__free(path);
    steme__free(stage);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Reading a backup's manifest and files
 */

steme_err
steme__bk_load_manifest(const char *dir, steme__manifest *m, steme__bk_probs *pb,
                        uint8_t **ret_text, size_t *ret_len)
{
    uint8_t *text = NULL;
    size_t n = 0;
    const char *what;
    steme_err err;

    err = steme__bk_read_manifest(dir, &text, &n);
    if (err == STEME_ENOTFOUND) {
        steme__bk_problem(pb, STEME_BACKUP_MANIFEST, "missing: not a finished backup");
        return STEME_ECORRUPT;
    }
    if (err == STEME_ECORRUPT) {
        steme__bk_problem(pb, STEME_BACKUP_MANIFEST, "not a regular file of at most %u bytes",
                          STEME__MANIFEST_MAX_BYTES);
        return err;
    }
    if (err != STEME_OK)
        return err;
    err = steme__manifest_parse(text, n, m, &what);
    if (err != STEME_OK) {
        steme__bk_problem(pb, STEME_BACKUP_MANIFEST, "%s", what);
        steme__free(text);
        return err;
    }
    if (ret_text != NULL) {
        *ret_text = text;
        *ret_len = n;
    } else {
        steme__free(text);
    }
    return STEME_OK;
}

steme_err
steme__bk_check_listing(const char *dir, const steme__manifest *m, steme__bk_probs *pb)
{
    bool present[STEME__MANIFEST_MAX_FILES] = {false};
    struct dirent *d;
    DIR *dh = opendir(dir);

    if (dh == NULL)
        return steme__bk_errno(errno, true);
    while ((d = readdir(dh)) != NULL) {
        size_t i;
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
            strcmp(d->d_name, STEME_BACKUP_MANIFEST) == 0)
            continue;
        for (i = 0; i < m->n_files && strcmp(m->files[i].name, d->d_name) != 0; i++)
            ;
        if (i == m->n_files)
            steme__bk_problem(pb, d->d_name, "not listed in the manifest");
        else
            present[i] = true;
    }
    closedir(dh);
    for (size_t i = 0; i < m->n_files; i++) {
        if (!present[i])
            steme__bk_problem(pb, m->files[i].name, "missing: listed in the manifest");
    }
    return STEME_OK;
}

steme_err
steme__bk_check_file(const char *dir, const steme__manifest_file *f, int dst_fd,
                     steme__bk_probs *pb, const steme__bk_progress *pr, uint64_t *hashed)
{
    char *path = steme__bk_path(dir, f->name);
    struct stat st;
    uint8_t hash[32];
    uint64_t size = 0;
    steme_err err;
    int fd;

    if (path == NULL)
        return STEME_ENOMEM;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    steme__free(path);
    if (fd < 0) {
        if (errno == ENOENT)
            return STEME_OK; /* reported by the listing */
        if (errno == ELOOP) {
            steme__bk_problem(pb, f->name, "is a symbolic link, not a file");
            return STEME_OK;
        }
        return steme__bk_errno(errno, false);
    }
    if (fstat(fd, &st) != 0) {
        err = steme__bk_errno(errno, false);
        goto out_close;
    }
    if (!S_ISREG(st.st_mode)) {
        steme__bk_problem(pb, f->name, "not a regular file");
        err = STEME_OK;
        goto out_close;
    }
    if ((uint64_t)st.st_size != f->size) {
        /* Not worth hashing: it cannot match. */
        steme__bk_problem(pb, f->name, "is %" PRIu64 " bytes, the manifest says %" PRIu64,
                          (uint64_t)st.st_size, f->size);
        err = STEME_OK;
        goto out_close;
    }
    err = steme__bk_hash_copy(fd, dst_fd, hash, &size, pr);
    if (err != STEME_OK)
        goto out_close;
    *hashed += size;
    if (size != f->size)
        steme__bk_problem(pb, f->name, "is %" PRIu64 " bytes, the manifest says %" PRIu64, size,
                          f->size);
    else if (!steme__ct_equal(hash, f->hash, 32))
        steme__bk_problem(pb, f->name,
                          "BLAKE2b-256 does not match the manifest: the file is "
                          "damaged or was changed");

out_close:
    close(fd);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Verification
 */

static unsigned
online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static void
verify_job(void *ctx, size_t i)
{
    steme__sig_job *j = (steme__sig_job *)ctx + i;
    j->ok = steme_sig_verify(&j->pk, &j->id, &j->sig);
}

static void
verify_jobs(steme__sig_job *jobs, size_t n, void *ctx)
{
    steme__verify_pool_run(ctx, n, verify_job, jobs);
}

static void
on_check_problem(const char *index, const char *what, uint64_t seq, void *ctx)
{
    steme__bk_problem(ctx, STEME_BACKUP_DATA, "%s: %s (seq %" PRIu64 ")", index, what, seq);
}

/* Open the copy read-only (no lock file: nothing is written to the backup) and run the full
 * integrity check on it, then compare what it holds with the manifest. */
static steme_err
check_store(const char *dir, const steme__manifest *m, steme__bk_probs *pb,
            steme_backup_report *rep, const steme_backup_options *opts)
{
    steme__store_options so = {.read_only = true, .no_lock = true};
    const steme_backup_info *in = &m->info;
    steme__verify_pool *pool = NULL;
    steme__store *s;
    steme_stats st;
    int64_t last_recorded_at = 0;
    steme_err err;

    err = steme__store_open(dir, &so, &s);
    if (err == STEME_EVERSION) {
        steme__bk_problem(pb, STEME_BACKUP_DATA, "written by a newer store format");
        return err;
    }
    if (err == STEME_ENOMEM || (steme_err_is_sys(err) && (err & ~STEME_ESYSERR) != ENOENT))
        return err;
    if (err != STEME_OK) {
        steme__bk_problem(pb, STEME_BACKUP_DATA, "does not open as a StemeDB store (%s)",
                          steme_strerror(err));
        return STEME_OK;
    }
    steme__bk_progress pr =
        progress_of(opts, "checking records, signatures and indexes", "records", in->records);
    steme__bk_report(&pr, 0);
    err = steme__verify_pool_new(online_cores(), &pool);
    if (err == STEME_OK)
        err = steme__store_check(s, &rep->check, on_check_problem, pb, verify_jobs, pool);
    steme__verify_pool_free(pool);
    if (err == STEME_ECORRUPT) {
        steme__bk_problem(pb, STEME_BACKUP_DATA, "the integrity check could not finish: %s",
                          steme_strerror(err));
        err = STEME_OK;
    }
    if (err == STEME_OK)
        err = steme__store_stats(s, &st);
    if (err == STEME_OK)
        err = recorded_at_of(s, st.last_seq, &last_recorded_at);
    if (err == STEME_ECORRUPT) {
        steme__bk_problem(pb, STEME_BACKUP_DATA, "its last record cannot be read");
        err = STEME_OK;
    }
    steme__store_close(s);
    if (err != STEME_OK)
        return err;
    steme__bk_report(&pr, rep->check.records);

    if (st.format_version != in->format_version)
        steme__bk_problem(pb, STEME_BACKUP_DATA,
                          "store format %" PRIu32 ", the manifest says %" PRIu32, st.format_version,
                          in->format_version);
    if (st.last_seq != in->last_seq)
        steme__bk_problem(pb, STEME_BACKUP_DATA,
                          "last log position %" PRIu64 ", the manifest says %" PRIu64, st.last_seq,
                          in->last_seq);
    else if (last_recorded_at != in->last_recorded_at)
        steme__bk_problem(pb, STEME_BACKUP_DATA,
                          "last transaction time %" PRId64 " ms, the manifest says %" PRId64,
                          last_recorded_at, in->last_recorded_at);
    if (st.assertions != in->assertions || st.votes != in->votes || st.events != in->events)
        steme__bk_problem(pb, STEME_BACKUP_DATA,
                          "holds %" PRIu64 " assertions, %" PRIu64 " votes and %" PRIu64
                          " events, the manifest says %" PRIu64 ", %" PRIu64 " and %" PRIu64,
                          st.assertions, st.votes, st.events, in->assertions, in->votes,
                          in->events);
    if (rep->check.records != in->records)
        steme__bk_problem(pb, STEME_BACKUP_DATA,
                          "the log holds %" PRIu64 " records, the manifest says %" PRIu64,
                          rep->check.records, in->records);
    return STEME_OK;
}

steme_err
steme_db_backup_verify(const char *dir, const steme_backup_options *opts,
                       steme_backup_report *report, steme_backup_problem_fn fn, void *ctx)
{
    steme_backup_report rep;
    steme__bk_probs pb = {.fn = fn, .ctx = ctx};
    steme__manifest m;
    struct stat st;
    steme_err err;

    if (dir == NULL)
        return STEME_EINVAL;
    if (!steme__crypto_init())
        return (steme_err)(STEME_ESYSERR | EIO);
    if (stat(dir, &st) != 0)
        return steme__bk_errno(errno, true);
    if (!S_ISDIR(st.st_mode))
        return (steme_err)(STEME_ESYSERR | ENOTDIR);

    memset(&rep, 0, sizeof(rep));
    err = steme__bk_load_manifest(dir, &m, &pb, NULL, NULL);
    if (err != STEME_OK)
        goto out_report;
    rep.info = m.info;
    err = steme__bk_check_listing(dir, &m, &pb);
    if (err != STEME_OK)
        goto out_report;
    steme__bk_progress pr = progress_of(opts, "hashing files", "bytes", m.info.bytes);
    for (size_t i = 0; i < m.n_files && err == STEME_OK; i++) {
        err = steme__bk_check_file(dir, &m.files[i], -1, &pb, &pr, &rep.bytes_hashed);
        if (err == STEME_OK)
            rep.files_checked++;
    }
    /* LMDB maps the copy only when every byte of it is the one the manifest names. */
    if (err == STEME_OK && pb.n == 0)
        err = check_store(dir, &m, &pb, &rep, opts);

out_report:
    rep.problems = pb.n;
    if (report != NULL && (err == STEME_OK || err == STEME_ECORRUPT))
        *report = rep;
    if (err == STEME_OK && pb.n > 0)
        err = STEME_ECORRUPT;
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Shipping
 */

steme_err
steme_db_backup_ship(const char *backup_dir, const char *dest_dir, const steme_backup_options *opts,
                     steme_backup_problem_fn fn, void *ctx)
{
    steme__bk_probs pb = {.fn = fn, .ctx = ctx};
    steme__manifest m;
    uint8_t *text = NULL;
    size_t text_len = 0;
    char *stage = NULL, *path = NULL;
    uint64_t copied = 0;
    steme_err err;

    if (backup_dir == NULL || dest_dir == NULL || dest_dir[0] == '\0')
        return STEME_EINVAL;
    if (!steme__crypto_init())
        return (steme_err)(STEME_ESYSERR | EIO);
    struct stat st;
    if (stat(backup_dir, &st) != 0)
        return steme__bk_errno(errno, true);
    err = steme__bk_dest_free(dest_dir);
    if (err != STEME_OK)
        return err;
    err = steme__bk_load_manifest(backup_dir, &m, &pb, &text, &text_len);
    if (err != STEME_OK)
        return err;
    err = steme__bk_check_listing(backup_dir, &m, &pb);
    if (err != STEME_OK || pb.n > 0) {
        steme__free(text);
        return err != STEME_OK ? err : STEME_ECORRUPT;
    }
    err = steme__bk_stage(dest_dir, &stage);
    if (err != STEME_OK) {
        steme__free(text);
        return err;
    }

    steme__bk_progress pr = progress_of(opts, "copying files", "bytes", m.info.bytes);
    for (size_t i = 0; i < m.n_files && err == STEME_OK && pb.n == 0; i++) {
        int fd;
        path = steme__bk_path(stage, m.files[i].name);
        if (path == NULL) {
            err = STEME_ENOMEM;
            break;
        }
        err = steme__bk_create(path, &fd);
        steme__free(path);
        path = NULL;
        if (err != STEME_OK)
            break;
        err = steme__bk_check_file(backup_dir, &m.files[i], fd, &pb, &pr, &copied);
        if (err == STEME_OK && fsync(fd) != 0)
            err = steme__bk_errno(errno, false);
        if (close(fd) != 0 && err == STEME_OK)
            err = steme__bk_errno(errno, false);
    }
    if (err == STEME_OK && pb.n > 0)
        err = STEME_ECORRUPT;
    if (err == STEME_OK) {
        /* The manifest travels byte for byte: its checksum still holds. */
        path = steme__bk_path(stage, STEME_BACKUP_MANIFEST);
        err = path == NULL ? STEME_ENOMEM : steme__bk_write_file(path, text, text_len);
    }
    if (err == STEME_OK)
        err = steme__bk_publish(stage, dest_dir);
    if (err != STEME_OK)
        steme__bk_remove(stage);
    steme__free(path);
    steme__free(stage);
    steme__free(text);
    return err;
}
