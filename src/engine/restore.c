/* SPDX-License-Identifier: MIT */
/*
 * restore.c -- steme_db_restore: a verified backup into a new store, whole or up to a log
 * position (docs/operations.md).
 *
 * A restore never trusts the backup it is given: it verifies it completely first (manifest,
 * every file's hash, every signature and index entry), then copies data.mdb while hashing it
 * again, so that a file changed between the verification and the copy is caught too.
 *
 * Up to a position (until), the restore works on a private copy: it cuts the log back to
 * until (records past it leave the log with their index entries; records 1..until are not
 * touched, so their seqs, ids, transaction times and signatures are those of the original),
 * rebuilds derived state from the log that remains -- which gives exactly the derived state
 * the original had at until, since derived state is a function of the log -- and writes a
 * compacted copy of the result as the new store.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "backup_int.h"
#include "engine.h"

/* Copy the backup's data.mdb to dst (created exclusively), checking it against the verified
 * manifest as it goes. */
static steme_err
copy_data(const char *backup_dir, const steme_backup_info *in, const char *dst, steme__bk_probs *pb,
          const steme_backup_options *opts)
{
    steme__manifest_file f = {.name = STEME_BACKUP_DATA, .size = in->data_size};
    steme__bk_progress pr = {.stage = "copying the store", .unit = "bytes", .total = in->data_size};
    uint64_t copied = 0;
    steme_err err;
    int fd;

    if (opts != NULL) {
        pr.fn = opts->progress;
        pr.ctx = opts->progress_ctx;
    }
    memcpy(f.hash, in->data_hash, 32);
    err = steme__bk_create(dst, &fd);
    if (err != STEME_OK)
        return err;
    uint64_t before = pb->n;
    err = steme__bk_check_file(backup_dir, &f, fd, pb, &pr, &copied);
    if (err == STEME_OK && pb->n == before && copied != in->data_size) {
        /* Gone since it was verified. */
        steme__bk_problem(pb, STEME_BACKUP_DATA, "missing: it was removed during the restore");
    }
    if (err == STEME_OK && pb->n > before)
        err = STEME_ECORRUPT;
    if (err == STEME_OK && fsync(fd) != 0)
        err = steme__bk_errno(errno, false);
    if (close(fd) != 0 && err == STEME_OK)
        err = steme__bk_errno(errno, false);
    return err;
}

static void
on_truncate(uint64_t done, uint64_t total, void *ctx)
{
    steme__bk_progress *pr = ctx;
    pr->total = total;
    steme__bk_report(pr, done);
}

/* In stage: copy the backup to stage/work, cut its log at until, rebuild derived state, and
 * write the compacted result to stage/data.mdb. */
static steme_err
restore_prefix(const char *backup_dir, const steme_backup_info *in, const char *stage,
               uint64_t until, steme__bk_probs *pb, const steme_backup_options *opts)
{
    steme__bk_progress pr = {.unit = "records"};
    steme_db_options dbo;
    steme_db *db = NULL;
    char *work, *path = NULL;
    uint8_t hash[32];
    uint64_t size;
    steme_err err;
    int fd;

    if (opts != NULL) {
        pr.fn = opts->progress;
        pr.ctx = opts->progress_ctx;
    }
    work = steme__bk_path(stage, "work");
    if (work == NULL)
        return STEME_ENOMEM;
    if (mkdir(work, 0755) != 0) {
        err = steme__bk_errno(errno, false);
        goto out_free;
    }
    path = steme__bk_path(work, STEME_BACKUP_DATA);
    if (path == NULL) {
        err = STEME_ENOMEM;
        goto out_remove_work;
    }
    err = copy_data(backup_dir, in, path, pb, opts);
    if (err != STEME_OK)
        goto out_remove_work;

    steme_db_options_init(&dbo);
    dbo.create = false;
    err = steme_db_open(work, &dbo, &db);
    if (err != STEME_OK)
        goto out_remove_work;
    pr.stage = "cutting the log";
    pr.total = in->last_seq - until;
    steme__bk_report(&pr, 0);
    err = steme__store_truncate(db->store, until, on_truncate, &pr);
    if (err != STEME_OK)
        goto out_close_db;
    pr.stage = "rebuilding derived state";
    pr.total = until;
    steme__bk_report(&pr, 0);
    err = steme_db_rebuild(db);
    if (err != STEME_OK)
        goto out_close_db;
    steme__bk_report(&pr, until);

    steme__free(path);
    path = steme__bk_path(stage, STEME_BACKUP_DATA);
    if (path == NULL) {
        err = STEME_ENOMEM;
        goto out_close_db;
    }
    err = steme__bk_create(path, &fd);
    if (err != STEME_OK)
        goto out_close_db;
    pr.stage = "compacting the store";
    pr.unit = "bytes";
    pr.total = in->data_size;
    err = steme__bk_copy_store(db->store, fd, hash, &size, &pr);
    if (close(fd) != 0 && err == STEME_OK)
        err = steme__bk_errno(errno, false);

out_close_db:
    steme_db_close(db);
out_remove_work:
    steme__bk_remove(work);
out_free:
    steme__free(path);
    steme__free(work);
    return err;
}

steme_err
steme_db_restore(const char *backup_dir, const char *new_dir, uint64_t until,
                 const steme_backup_options *opts, steme_restore_report *report,
                 steme_backup_problem_fn fn, void *ctx)
{
    steme__bk_probs pb = {.fn = fn, .ctx = ctx};
    steme_restore_report rep;
    steme_backup_info *in = &rep.backup.info;
    char *stage = NULL, *path = NULL;
    steme_stats st;
    uint64_t want;
    steme_err err;

    if (backup_dir == NULL || new_dir == NULL || new_dir[0] == '\0')
        return STEME_EINVAL;
    err = steme__bk_dest_free(new_dir);
    if (err != STEME_OK)
        return err;
    memset(&rep, 0, sizeof(rep));
    err = steme_db_backup_verify(backup_dir, opts, &rep.backup, fn, ctx);
    if (err != STEME_OK) {
        if (report != NULL && err == STEME_ECORRUPT)
            report->backup = rep.backup;
        return err;
    }
    if (until > in->last_seq) {
        if (report != NULL)
            report->backup = rep.backup;
        return STEME_EINVAL;
    }
    want = until == 0 ? in->last_seq : until;

    err = steme__bk_stage(new_dir, &stage);
    if (err != STEME_OK)
        return err;
    if (want == in->last_seq) {
        path = steme__bk_path(stage, STEME_BACKUP_DATA);
        err = path == NULL ? STEME_ENOMEM : copy_data(backup_dir, in, path, &pb, opts);
    } else {
        err = restore_prefix(backup_dir, in, stage, want, &pb, opts);
    }
    if (err != STEME_OK)
        goto out_remove;

    /* Say what the new store holds, read from it. */
    err = steme__bk_copy_stats(stage, &st, &rep.last_recorded_at);
    if (err != STEME_OK)
        goto out_remove;
    if (st.last_seq != want) {
        err = STEME_ECORRUPT;
        goto out_remove;
    }
    err = steme__bk_publish(stage, new_dir);
    if (err != STEME_OK)
        goto out_remove;
    rep.last_seq = st.last_seq;
    rep.records = st.records;
    rep.assertions = st.assertions;
    rep.votes = st.votes;
    rep.events = st.events;
    if (report != NULL)
        *report = rep;
    steme__free(path);
    steme__free(stage);
    return STEME_OK;

out_remove:
    steme__bk_remove(stage);
    steme__free(path);
    steme__free(stage);
    return err;
}
