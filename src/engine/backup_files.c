/* SPDX-License-Identifier: MIT */
/*
 * backup_files.c -- the files of backups and restores (backup_int.h): staging directories
 * published by rename, exclusive creation, copying and hashing with progress, syncing files
 * and directories, and the pipe through which LMDB's copy of a store is hashed as it is
 * written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "backup_int.h"
#include "crypto.h"

#define CHUNK        (1u << 20)
#define REPORT_EVERY (8u << 20)

void
steme__bk_report(const steme__bk_progress *pr, uint64_t done)
{
    if (pr != NULL && pr->fn != NULL)
        pr->fn(pr->stage, pr->unit, done, pr->total, pr->ctx);
}

char *
steme__bk_path(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = steme__malloc(dl + 1 + nl + 1);

    if (p == NULL)
        return NULL;
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, name, nl + 1);
    return p;
}

steme_err
steme__bk_errno(int e, bool enoent_notfound)
{
    if (e == ENOENT && enoent_notfound)
        return STEME_ENOTFOUND;
    if (e == ENOMEM)
        return STEME_ENOMEM;
    return (steme_err)(STEME_ESYSERR | e);
}

steme_err
steme__bk_dest_free(const char *path)
{
    struct stat st;
    struct dirent *d;
    DIR *dir;
    bool empty = true;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? STEME_OK : steme__bk_errno(errno, false);
    if (!S_ISDIR(st.st_mode))
        return STEME_EEXIST;
    dir = opendir(path);
    if (dir == NULL)
        return steme__bk_errno(errno, false);
    while ((d = readdir(dir)) != NULL) {
        if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) {
            empty = false;
            break;
        }
    }
    closedir(dir);
    return empty ? STEME_OK : STEME_EEXIST;
}

steme_err
steme__bk_stage(const char *final, char **ret)
{
    static const char suffix[] = ".partial-XXXXXXXXXXXXXXXX";
    size_t n = strlen(final);
    char *p;

    /* "dest/" must stage beside dest, not inside it. */
    while (n > 1 && final[n - 1] == '/')
        n--;
    p = steme__malloc(n + sizeof(suffix));
    if (p == NULL)
        return STEME_ENOMEM;
    memcpy(p, final, n);
    memcpy(p + n, suffix, sizeof(suffix));
    /* mkdir rather than mkdtemp: the directory gets the mode a store's directory gets (0755
     * less the umask), and keeps it when it is renamed into place. */
    for (int tries = 0;; tries++) {
        uint8_t rnd[8];
        steme__random(rnd, sizeof(rnd));
        steme_hex(rnd, sizeof(rnd), p + n + sizeof(".partial-") - 1);
        if (mkdir(p, 0755) == 0)
            break;
        if (errno != EEXIST || tries == 16) {
            int e = errno;
            steme__free(p);
            return steme__bk_errno(e, false);
        }
    }
    *ret = p;
    return STEME_OK;
}

steme_err
steme__bk_sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r, e;

    if (fd < 0)
        return steme__bk_errno(errno, false);
    r = fsync(fd);
    e = errno;
    close(fd);
    return r == 0 ? STEME_OK : steme__bk_errno(e, false);
}

steme_err
steme__bk_publish(const char *stage, const char *final)
{
    size_t n = strlen(final);
    char *parent;
    steme_err err;

    err = steme__bk_sync_dir(stage);
    if (err != STEME_OK)
        return err;
    if (rename(stage, final) != 0) {
        if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR)
            return STEME_EEXIST;
        return steme__bk_errno(errno, false);
    }
    /* The new name is durable only once the parent directory is synced. */
    while (n > 1 && final[n - 1] == '/')
        n--;
    while (n > 0 && final[n - 1] != '/')
        n--;
    while (n > 1 && final[n - 1] == '/')
        n--;
    parent = n == 0 ? steme__strndup(".", 1) : steme__strndup(final, n);
    if (parent == NULL)
        return STEME_ENOMEM;
    err = steme__bk_sync_dir(parent);
    steme__free(parent);
    return err;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void
steme__bk_remove(const char *dir)
{
    if (dir != NULL)
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

steme_err
steme__bk_create(const char *path, int *ret)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return steme__bk_errno(errno, false);
    *ret = fd;
    return STEME_OK;
}

static steme_err
write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return steme__bk_errno(errno, false);
        }
        p += w;
        n -= (size_t)w;
    }
    return STEME_OK;
}

steme_err
steme__bk_hash_copy(int src_fd, int dst_fd, uint8_t hash[32], uint64_t *ret_size,
                    const steme__bk_progress *pr)
{
    steme__hasher h;
    uint64_t total = 0, reported = 0;
    steme_err err = STEME_OK;
    uint8_t *buf = steme__malloc(CHUNK);

    if (buf == NULL)
        return STEME_ENOMEM;
    steme__hash256_init(&h);
    for (;;) {
        ssize_t r = read(src_fd, buf, CHUNK);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            err = steme__bk_errno(errno, false);
            break;
        }
        if (r == 0)
            break;
        steme__hash256_update(&h, buf, (size_t)r);
        if (dst_fd >= 0) {
            err = write_all(dst_fd, buf, (size_t)r);
            if (err != STEME_OK)
                break;
        }
        total += (uint64_t)r;
        if (total - reported >= REPORT_EVERY) {
            steme__bk_report(pr, total);
            reported = total;
        }
    }
    steme__free(buf);
    if (err != STEME_OK)
        return err;
    steme__hash256_final(&h, hash);
    steme__bk_report(pr, total);
    *ret_size = total;
    return STEME_OK;
}

steme_err
steme__bk_write_file(const char *path, const void *p, size_t n)
{
    steme_err err;
    int fd;

    err = steme__bk_create(path, &fd);
    if (err != STEME_OK)
        return err;
    err = write_all(fd, p, n);
    if (err == STEME_OK && fsync(fd) != 0)
        err = steme__bk_errno(errno, false);
    if (close(fd) != 0 && err == STEME_OK)
        err = steme__bk_errno(errno, false);
    return err;
}

steme_err
steme__bk_read_manifest(const char *dir, uint8_t **ret, size_t *ret_len)
{
    char *path = steme__bk_path(dir, STEME_BACKUP_MANIFEST);
    struct stat st;
    uint8_t *buf;
    size_t n = 0;
    steme_err err = STEME_OK;
    int fd;

    if (path == NULL)
        return STEME_ENOMEM;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    steme__free(path);
    if (fd < 0)
        return steme__bk_errno(errno, true);
    if (fstat(fd, &st) != 0) {
        err = steme__bk_errno(errno, false);
        goto out_close;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > STEME__MANIFEST_MAX_BYTES) {
        err = STEME_ECORRUPT;
        goto out_close;
    }
    /* One byte more than the limit, to notice a file that grew since fstat. */
    buf = steme__malloc(STEME__MANIFEST_MAX_BYTES + 1);
    if (buf == NULL) {
        err = STEME_ENOMEM;
        goto out_close;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, STEME__MANIFEST_MAX_BYTES + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = steme__bk_errno(errno, false);
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > STEME__MANIFEST_MAX_BYTES) {
            err = STEME_ECORRUPT;
            break;
        }
    }
    if (err != STEME_OK) {
        steme__free(buf);
        goto out_close;
    }
    *ret = buf;
    *ret_len = n;

out_close:
    close(fd);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Copying a store through a pipe: LMDB writes the copy into the pipe from one thread, and the
 * caller's thread hashes what comes out and writes it to the file. The copy is thus hashed
 * without reading it back, and its progress can be reported (LMDB's copy has no callback).
 */

typedef struct copy_job {
    steme__store *s;
    int fd; /* the pipe's write end, closed when the copy ends */
    steme_err err;
} copy_job;

static void *
copy_main(void *arg)
{
    copy_job *j = arg;
    j->err = steme__store_copy(j->s, j->fd);
    close(j->fd);
    return NULL;
}

steme_err
steme__bk_copy_store(steme__store *s, int dst_fd, uint8_t hash[32], uint64_t *ret_size,
                     const steme__bk_progress *pr)
{
    copy_job job = {.s = s};
    pthread_t th;
    uint8_t sink[4096];
    uint64_t size = 0;
    steme_err err;
    int p[2], r;

    if (pipe2(p, O_CLOEXEC) != 0)
        return steme__bk_errno(errno, false);
    job.fd = p[1];
    r = pthread_create(&th, NULL, copy_main, &job);
    if (r != 0) {
        close(p[0]);
        close(p[1]);
        return steme__bk_errno(r, false);
    }
    err = steme__bk_hash_copy(p[0], dst_fd, hash, &size, pr);
    /* Never close the read end early: the copy would die of SIGPIPE. Drain it instead. */
    while (err != STEME_OK) {
        ssize_t n = read(p[0], sink, sizeof(sink));
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    pthread_join(th, NULL);
    close(p[0]);
    if (err == STEME_OK)
        err = job.err;
    if (err == STEME_OK && fsync(dst_fd) != 0)
        err = steme__bk_errno(errno, false);
    if (err == STEME_OK)
        *ret_size = size;
    return err;
}
