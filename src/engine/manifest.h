/* SPDX-License-Identifier: MIT */
/*
 * manifest.h -- MANIFEST.json, the description of a backup (docs/operations.md): writing it,
 * and reading it back strictly.
 *
 * The manifest is JSON written in one fixed layout, one member per line, ending with
 *   "manifest_blake2b_256": "<64 hex digits>"
 * whose value is BLAKE2b-256 of every byte before that line. The checksum is verified before
 * anything else is read, so that one flipped byte anywhere in the manifest is reported as the
 * manifest's damage rather than as a mismatch of the file whose hash it happened to hit.
 */
#ifndef STEME_ENGINE_MANIFEST_H
#define STEME_ENGINE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "steme.h"

#define STEME__MANIFEST_VERSION   1
#define STEME__MANIFEST_MAX_BYTES (64u << 10) /* a longer file is refused unread */
#define STEME__MANIFEST_MAX_FILES 16
#define STEME__MANIFEST_NAME_MAX  64

typedef struct steme__manifest_file {
    char name[STEME__MANIFEST_NAME_MAX + 1]; /* [A-Za-z0-9._-], not "." or ".." */
    uint64_t size;
    uint8_t hash[32]; /* BLAKE2b-256 */
} steme__manifest_file;

typedef struct steme__manifest {
    steme_backup_info info; /* data_size, data_hash, files and bytes follow from files[] */
    size_t n_files;
    steme__manifest_file files[STEME__MANIFEST_MAX_FILES];
} steme__manifest;

/* Is name acceptable as the name of a file in a backup? */
bool steme__manifest_name_ok(const char *name);

/* The manifest's text in a new buffer (free with steme__free), *ret_len bytes.
 * Errors: STEME_EINVAL (a bad file name, no data.mdb), STEME_ENOMEM. */
steme_err steme__manifest_write(const steme__manifest *m, char **ret, size_t *ret_len);

/*
 * Parse n bytes of manifest strictly: the checksum, then every member, each exactly once, no
 * other member; counts that add up; file names that are valid, distinct, and include data.mdb.
 * Fills the derived fields of m->info. On failure *what (static) says what is wrong.
 * Errors: STEME_ECORRUPT, STEME_EVERSION (a manifest_version newer than this build's).
 */
steme_err steme__manifest_parse(const uint8_t *p, size_t n, steme__manifest *ret,
                                const char **what);

#endif
