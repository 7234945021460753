/* SPDX-License-Identifier: MIT */
/*
 * alloc.c -- allocation wrapper with fault injection for tests.
 */
#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic uint64_t fail_countdown; /* 0 = never fail */

void
steme__alloc_fail_at(uint64_t n)
{
    atomic_store(&fail_countdown, n);
}

static int
should_fail(void)
{
    uint64_t c = atomic_load(&fail_countdown);
    if (c == 0)
        return 0;
    if (c == 1)
        return 1; /* stays at 1: every later allocation fails too */
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

void *
steme__malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *
steme__calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *
steme__realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void
steme__free(void *p)
{
    free(p);
}

char *
steme__strndup(const char *s, size_t n)
{
    char *d = steme__malloc(n + 1);
    if (d == NULL)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
