/* SPDX-License-Identifier: MIT */
/*
 * backup_int.h -- what backup.c and restore.c share: the files of a backup directory (staging,
 * publishing by rename, copying and hashing with progress) and copying a store through a pipe.
 *
 * Every directory these functions produce appears under its final name only by rename(2) of a
 * complete, synced sibling "NAME.partial-XXXXXX": a crash leaves at most such a sibling, never
 * something under the final name that looks whole.
 */
#ifndef STEME_ENGINE_BACKUP_INT_H
#define STEME_ENGINE_BACKUP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest.h"
#include "steme.h"
#include "store.h"

/* Where progress goes, and the stage being reported. */
typedef struct steme__bk_progress {
    steme_progress_fn fn; /* NULL: no reports */
    void *ctx;
    const char *stage;
    const char *unit;
    uint64_t total;
} steme__bk_progress;

/* Report one step (no-op without fn). */
void steme__bk_report(const steme__bk_progress *pr, uint64_t done);

/* dir + "/" + name in a new string (steme__free); NULL when out of memory. */
char *steme__bk_path(const char *dir, const char *name);

/* STEME_ESYSERR | errno, or STEME_ENOTFOUND for ENOENT when enoent_notfound. */
steme_err steme__bk_errno(int e, bool enoent_notfound);

/* STEME_OK when path does not exist or is an empty directory, STEME_EEXIST otherwise. */
steme_err steme__bk_dest_free(const char *path);

/* Make the empty staging directory "<final without trailing '/'>.partial-XXXXXX"; *ret is its
 * path (steme__free). Errors: STEME_ENOMEM, STEME_ESYSERR|errno. */
steme_err steme__bk_stage(const char *final, char **ret);

/* Sync the staging directory, rename it to final (an empty final is replaced), and sync the
 * parent. Errors: STEME_EEXIST (final is not empty), STEME_ENOMEM, STEME_ESYSERR|errno. */
steme_err steme__bk_publish(const char *stage, const char *final);

/* Remove a directory and what it holds (the staging directory of a failed operation). */
void steme__bk_remove(const char *dir);

/* Sync the directory at path. */
steme_err steme__bk_sync_dir(const char *path);

/* Create path exclusively (mode 0644 before umask); *ret is the descriptor. */
steme_err steme__bk_create(const char *path, int *ret);

/* Read src_fd to its end, hashing (BLAKE2b-256) and, with dst_fd >= 0, writing every byte to
 * dst_fd; reports progress every 8 MiB and at the end. */
steme_err steme__bk_hash_copy(int src_fd, int dst_fd, uint8_t hash[32], uint64_t *ret_size,
                              const steme__bk_progress *pr);

/* Write n bytes to path (created exclusively) and sync it. */
steme_err steme__bk_write_file(const char *path, const void *p, size_t n);

/* Read the manifest of dir: STEME_ENOTFOUND when it is missing, STEME_ECORRUPT when longer
 * than STEME__MANIFEST_MAX_BYTES; *ret (steme__free) holds *ret_len bytes. */
steme_err steme__bk_read_manifest(const char *dir, uint8_t **ret, size_t *ret_len);

/* Problems found in a backup: counted, and passed on to the caller's function. */
typedef struct steme__bk_probs {
    steme_backup_problem_fn fn; /* may be NULL */
    void *ctx;
    uint64_t n;
} steme__bk_probs;

void steme__bk_problem(steme__bk_probs *pb, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Read and parse dir's manifest; a missing, oversized or bad manifest is a problem
 * (STEME_ECORRUPT). With ret_text, the manifest's bytes are kept there (steme__free).
 * Errors: STEME_ECORRUPT, STEME_EVERSION, STEME_ENOMEM, STEME_ESYSERR|errno. */
steme_err steme__bk_load_manifest(const char *dir, steme__manifest *m, steme__bk_probs *pb,
                                  uint8_t **ret_text, size_t *ret_len);

/* Report every file of dir that the manifest does not list, and every listed file that is
 * missing. Errors: STEME_ENOTFOUND, STEME_ESYSERR|errno (dir cannot be read). */
steme_err steme__bk_check_listing(const char *dir, const steme__manifest *m, steme__bk_probs *pb);

/* Compare the file f of dir with the manifest (size, then BLAKE2b-256), copying it to dst_fd
 * on the way when dst_fd >= 0; a mismatch is a problem, not an error. *hashed grows by the
 * bytes read. Errors: I/O errors only. */
steme_err steme__bk_check_file(const char *dir, const steme__manifest_file *f, int dst_fd,
                               steme__bk_probs *pb, const steme__bk_progress *pr, uint64_t *hashed);

/* The statistics of the store in dir and the transaction time of its last record, opened
 * read-only without a lock file: nothing is written to dir.
 * Errors: as steme__store_open and steme__store_stats; STEME_ECORRUPT. */
steme_err steme__bk_copy_stats(const char *dir, steme_stats *ret, int64_t *ret_last_recorded_at);

/* Write a compacted copy of s to dst_fd through a pipe, hashing what is written and reporting
 * progress; dst_fd is synced, not closed. */
steme_err steme__bk_copy_store(steme__store *s, int dst_fd, uint8_t hash[32], uint64_t *ret_size,
                               const steme__bk_progress *pr);

#endif
