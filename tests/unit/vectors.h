/* SPDX-License-Identifier: MIT */
/*
 * vectors.h -- helpers the codec and JSON tests share: loading the files of tests/vectors (the
 * directory comes from STEME_VECTORS, set by meson), hex of any length, and the test key.
 * Header-only (static functions) so that each test stays one executable built from one file.
 */
#ifndef STEME_TESTS_VECTORS_H
#define STEME_TESTS_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "steme.h"

/* Load STEME_VECTORS/name; aborts the test program when the file is missing or malformed,
 * since every test of the executable depends on it. */
static inline json_t *
vectors_load(const char *name)
{
    const char *dir = getenv("STEME_VECTORS");
    char path[4096];
    json_error_t err;

    if (dir == NULL)
        dir = "tests/vectors";
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
        abort();
    }
    return root;
}

/* The "vectors" array of a loaded file (borrowed). */
static inline json_t *
vectors_array(json_t *root)
{
    json_t *v = json_object_get(root, "vectors");
    if (!json_is_array(v) || json_array_size(v) == 0) {
        fprintf(stderr, "vectors file without a \"vectors\" array\n");
        abort();
    }
    return v;
}

/* Decode a hex string of any even length into a new buffer; *len gets the byte count. */
static inline uint8_t *
vectors_unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *out = malloc(n ? n : 1);
    if (out == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        unsigned b;
        if (sscanf(hex + 2 * i, "%2x", &b) != 1)
            abort();
        out[i] = (uint8_t)b;
    }
    *len = n;
    return out;
}

/* The fixed test key: Ed25519 seed 00 01 02 ... 1f. */
static inline steme_keypair *
vectors_key(void)
{
    uint8_t seed[STEME_SEED_SIZE];
    steme_keypair *kp;
    for (int i = 0; i < STEME_SEED_SIZE; i++)
        seed[i] = (uint8_t)i;
    if (steme_keypair_from_seed(seed, &kp) != STEME_OK)
        abort();
    return kp;
}

#endif
