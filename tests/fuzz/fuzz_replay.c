/* SPDX-License-Identifier: MIT */
/*
 * fuzz_replay.c -- runs a fuzz target over every file of its corpus, for builds without a
 * fuzzing engine: this is how `meson test --suite fuzz` keeps the corpus (seeds and every
 * crash ever found) passing. Arguments are files or directories (not recursive); files are
 * fed in name order, each in a buffer of exactly its size so that ASan catches over-reads.
 * An empty corpus is an error, so that a wrong path cannot pass silently.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (16u << 20)

static int
run_file(const char *path, size_t size)
{
    if (size > REPLAY_MAX_INPUT) {
        fprintf(stderr, "%s: larger than %u bytes\n", path, REPLAY_MAX_INPUT);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    /* Exactly size bytes: reading past the input is then a heap overflow that ASan reports. */
    uint8_t *data = malloc(size ? size : 1);
    if (data == NULL) {
        fclose(f);
        return -1;
    }
    size_t n = fread(data, 1, size, f);
    bool bad = ferror(f) || n != size;
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: read error\n", path);
        free(data);
        return -1;
    }
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    return 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
    size_t count = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i], (size_t)st.st_size) != 0)
                return 1;
            count++;
            continue;
        }
        struct dirent **names;
        int n = scandir(argv[i], &names, NULL, by_name);
        if (n < 0) {
            perror(argv[i]);
            return 1;
        }
        for (int k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name);
            if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (run_file(path, (size_t)st.st_size) != 0)
                    return 1;
                count++;
            }
            free(names[k]);
        }
        free(names);
    }
    printf("replayed %zu inputs\n", count);
    return count > 0 ? 0 : 1;
}
