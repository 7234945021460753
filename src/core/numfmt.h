/* SPDX-License-Identifier: MIT */
/*
 * numfmt.h -- printf's "%.Pg" and "%.Pf" for small precisions, written without printf when the
 * rounding is certain. Explanations write a few numbers each (weights "%.3g", the conflict
 * score "%.2f"), and libc's conversion of a double costs over a thousand instructions; the
 * bytes must stay exactly printf's, since an explanation is part of a result's bytes.
 *
 * The value is scaled by a power of ten with one rounding (powers up to 10^22 are exact in a
 * double) and rounded to an integer; a scaled value within 10^-6 of a half, where that one
 * rounding could decide the digit, is refused, as are values out of the range below. A refusal
 * returns false and leaves out unwritten: the caller then calls snprintf.
 */
#ifndef STEME_CORE_NUMFMT_H
#define STEME_CORE_NUMFMT_H

#include <stdbool.h>
#include <stdint.h>

/* 10^0 .. 10^22: the powers of ten a double holds exactly. */
extern const double steme__pow10_exact[23];

/* The decimal digits of u, most significant first, into out (not terminated); their count. */
int steme__u64_digits(uint64_t u, char out[20]);

/* "%.{prec}g" of d, prec 1..6, for 1e-15 <= |d| < 1e15 (zero is refused). */
bool steme__fmt_g(double d, int prec, char out[32]);

/* "%.{prec}f" of d, prec 0..6, for |d| < 1e9. */
bool steme__fmt_f(double d, int prec, char out[32]);

#endif
