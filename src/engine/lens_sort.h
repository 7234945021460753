/* SPDX-License-Identifier: MIT */
/*
 * lens_sort.h -- a merge sort generated per element type and order, for the lens's sorts of a
 * query's candidates (lens.c): the comparison is inlined instead of called through qsort's
 * function pointer, input already in order costs one pass, and runs of 16 are sorted by
 * insertion first. Every order the lens uses is total (it ends in seq), so stability does not
 * matter and the result is the one qsort gave.
 *
 * STEME__DEFINE_SORT(name, T, less) defines `static void name(T *v, size_t n)`; less(a, b) is
 * an expression true when a goes strictly before b. Up to 256 elements sort in a stack buffer;
 * beyond, a heap buffer, and without memory an insertion sort (slow, still correct).
 */
#ifndef STEME_ENGINE_LENS_SORT_H
#define STEME_ENGINE_LENS_SORT_H

#include <stddef.h>
#include <string.h>

#include "alloc.h"

#define STEME__SORT_RUN   16
#define STEME__SORT_STACK 256

#define STEME__DEFINE_SORT(name, T, less)                                                          \
    static void name##_insertion(T *v, size_t lo, size_t hi)                                       \
    {                                                                                              \
        for (size_t i = lo + 1; i < hi; i++) {                                                     \
            T x = v[i];                                                                            \
            size_t j = i;                                                                          \
            for (; j > lo && less(x, v[j - 1]); j--)                                               \
                v[j] = v[j - 1];                                                                   \
            v[j] = x;                                                                              \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    static void name(T *v, size_t n)                                                               \
    {                                                                                              \
        T stack[STEME__SORT_STACK];                                                                \
        T *tmp = stack;                                                                            \
        T *src = v;                                                                                \
        T *dst;                                                                                    \
        size_t i = 1;                                                                              \
                                                                                                   \
        while (i < n && !less(v[i], v[i - 1]))                                                     \
            i++;                                                                                   \
        if (i >= n)                                                                                \
            return;                                                                                \
        if (n > STEME__SORT_STACK && (tmp = steme__malloc(n * sizeof(T))) == NULL) {               \
            name##_insertion(v, 0, n);                                                             \
            return;                                                                                \
        }                                                                                          \
        for (size_t lo = 0; lo < n; lo += STEME__SORT_RUN)                                         \
            name##_insertion(v, lo, lo + STEME__SORT_RUN < n ? lo + STEME__SORT_RUN : n);          \
        dst = tmp;                                                                                 \
        for (size_t width = STEME__SORT_RUN; width < n; width *= 2) {                              \
            for (size_t lo = 0; lo < n; lo += 2 * width) {                                         \
                size_t mid = lo + width < n ? lo + width : n;                                      \
                size_t hi = lo + 2 * width < n ? lo + 2 * width : n;                               \
                size_t a = lo, b = mid, k = lo;                                                    \
                while (a < mid && b < hi)                                                          \
                    dst[k++] = less(src[b], src[a]) ? src[b++] : src[a++];                         \
                while (a < mid)                                                                    \
                    dst[k++] = src[a++];                                                           \
                while (b < hi)                                                                     \
                    dst[k++] = src[b++];                                                           \
            }                                                                                      \
            T *swap = src;                                                                         \
            src = dst;                                                                             \
            dst = swap;                                                                            \
        }                                                                                          \
        if (src != v)                                                                              \
            memcpy(v, src, n * sizeof(T));                                                         \
        if (tmp != stack)                                                                          \
            steme__free(tmp);                                                                      \
    }

#endif
