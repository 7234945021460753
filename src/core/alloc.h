/* SPDX-License-Identifier: MIT */
/*
 * alloc.h -- the one allocation wrapper of libsteme.
 *
 * Every heap allocation in the library goes through these functions so that tests can make
 * the Nth allocation fail (steme__alloc_fail_at) and check that nothing leaks and the store
 * stays consistent (SQLite's anomaly tests, curl's torture mode).
 */
#ifndef STEME_CORE_ALLOC_H
#define STEME_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *steme__malloc(size_t n);
void *steme__calloc(size_t count, size_t size);
void *steme__realloc(void *p, size_t n);
void steme__free(void *p);
char *steme__strndup(const char *s, size_t n);

/* Make the nth allocation from now (1-based) and every later one fail; 0 disables. For tests. */
void steme__alloc_fail_at(uint64_t n);

#endif
