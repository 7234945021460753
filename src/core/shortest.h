/* SPDX-License-Identifier: MIT */
/*
 * shortest.h -- the fewest significant digits (1 to 17) with which printf's %.*e writes d so
 * that strtod reads back exactly d, in one snprintf/strtod pair for most numbers (shortest.c
 * gives the argument). d must be finite.
 */
#ifndef STEME_CORE_SHORTEST_H
#define STEME_CORE_SHORTEST_H

int steme__shortest_digits(double d);

#endif
