/* SPDX-License-Identifier: MIT */
/*
 * authors.h -- author lists as the truth-discovery papers compare them (bench/truth): a raw
 * bookstore string ("Knuth, Donald E. (Author)") becomes a canonical word set ("donald
 * knuth"), and two canonical lists imply each other by how many names they share (Yin et al.,
 * KDD 2007, section 4.1). docs/benchmarks.md, "bench/truth", gives the rules.
 */
#ifndef STEME_BENCH_TRUTH_AUTHORS_H
#define STEME_BENCH_TRUTH_AUTHORS_H

#include <stddef.h>

/* Longest canonical list kept (bytes, NUL included); longer input is cut at a word. */
#define AUTHORS_MAX 1024

/* Write the canonical form of raw[0..len) into out (AUTHORS_MAX bytes); returns its length,
 * 0 when nothing of a name is left ("", "Not Available", "(Author)"). */
size_t authors_norm(const char *raw, size_t len, char *out);

/* imp(from -> to) = |words(from) & words(to)| / |words(from)| - 0.5, in [-0.5, 0.5]: a list
 * whose names all appear in another supports it; one that shares half or less does not. */
double authors_imp(const char *from, const char *to);

#endif
