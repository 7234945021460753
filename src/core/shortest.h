/* SPDX-License-Identifier: MIT */
/*
 * shortest.h -- the fewest significant digits (1 to 17) with which printf's %.*e writes d so
 * that strtod reads back exactly d, in one snprintf/strtod pair for most numbers (shortest.c
 * gives the argument). d must be finite.
 */
#ifndef STEME_CORE_SHORTEST_H
#define STEME_CORE_SHORTEST_H

#include <stdbool.h>

int steme__shortest_digits(double d);

/* When d is a decimal of at most 15 significant digits and 15 decimals (m / 10^k), writes its
 * shortest digits in plain notation ("0.2", "-1200", "0.000125") to out, sets *exp10 to the
 * power of ten of its first digit, and returns true: the same digits as shortest_digits, with
 * no printf. False for every other number, zero included (callers write their own zeros). */
bool steme__plain_decimal(double d, char out[32], int *exp10);

#endif
