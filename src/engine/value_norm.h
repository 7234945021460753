/* SPDX-License-Identifier: MIT */
/*
 * value_norm.h -- values as the read side compares them (docs/lenses.md, "Grouping values").
 *
 * Two assertions support the same value when their objects normalise to the same group:
 * strings and references byte for byte, integers and booleans exactly, numbers numerically
 * after unit normalisation ("0.2 %" is 0.002, "2 mg" is 0.002 g) and within a small relative
 * tolerance. Every normalised value has a canonical key (bytes) whose memcmp order is
 * steme__vnorm_cmp's order, so that grouping is a sort and a run: the lens layer sorts the
 * candidates by key and starts a new group whenever a value is not steme__vnorm_near the first
 * (smallest) value of the current group.
 *
 * Pure functions of their inputs: no allocation, no clock, no store.
 */
#ifndef STEME_ENGINE_VALUE_NORM_H
#define STEME_ENGINE_VALUE_NORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steme.h"

/* Numbers are equal when |a - b| <= max(REL * max(|a|, |b|), ABS), in base units; see
 * docs/lenses.md for why these two values. */
#define STEME__NUM_REL_TOL 1e-9
#define STEME__NUM_ABS_TOL 1e-15

/* The first byte of a key: the value's class. An integer never groups with a number (the
 * author chose the type; docs/trust.md compares gold values the same way). */
typedef enum steme__vclass {
    STEME__VCLASS_STRING = 1,
    STEME__VCLASS_INTEGER = 2,
    STEME__VCLASS_NUMBER = 3,
    STEME__VCLASS_BOOLEAN = 4,
    STEME__VCLASS_REF = 5,
} steme__vclass;

/* The dimension of a number after unit normalisation; the base unit is in brackets. */
typedef enum steme__dim {
    STEME__DIM_NONE = 0,     /* [1]: no unit, %, per mille, ppm, ppb, "per 1000", ... */
    STEME__DIM_MASS = 1,     /* [g]: ng, ug, mg, g, kg */
    STEME__DIM_VOLUME = 2,   /* [l]: ml, l */
    STEME__DIM_TIME = 3,     /* [s]: ms, s, min, h, d */
    STEME__DIM_OTHER = 0xFF, /* a unit not in the table: only equal to the same unit */
} steme__dim;

/* A normalised value. Borrows the strings of the steme_value it was made from. */
typedef struct steme__vnorm {
    steme__vclass cls;
    steme__dim dim;  /* NUMBER */
    steme_str unit;  /* NUMBER with DIM_OTHER: the unit as written; else empty */
    double num;      /* NUMBER: the value in its dimension's base unit, -0.0 made 0.0 */
    int64_t integer; /* INTEGER */
    bool boolean;    /* BOOLEAN */
    steme_str bytes; /* STRING, REF */
} steme__vnorm;

/* Longest key: class, dim, unit length, unit, 8 bytes (numbers); strings are longer. */
#define STEME__VNORM_KEY_MAX (2 + STEME_MAX_TEXT)

/*
 * Normalise v into *ret (which borrows v's strings).
 * Errors: STEME_EINVAL (unknown type, a number that is not finite, a unit or string longer
 * than the codec allows).
 */
steme_err steme__value_norm(const steme_value *v, steme__vnorm *ret);

/* Total order of normalised values; equal to the memcmp order of their keys. */
int steme__vnorm_cmp(const steme__vnorm *a, const steme__vnorm *b);

/* True when b belongs to the group whose first (smallest) value is a: same class, same
 * dimension (and unit, for DIM_OTHER), and equal bytes / equal integers / numbers within the
 * tolerance above. */
bool steme__vnorm_near(const steme__vnorm *a, const steme__vnorm *b);

/* Numbers within the tolerance (exposed for tests and the skeptic lens). */
bool steme__num_near(double a, double b);

/* The canonical key of v: writes it to buf when cap is large enough and returns its length
 * (at most STEME__VNORM_KEY_MAX) in any case. */
size_t steme__vnorm_key(const steme__vnorm *v, uint8_t *buf, size_t cap);

/* The base unit of a dimension ("" for DIM_NONE and DIM_OTHER). */
const char *steme__dim_base(steme__dim dim);

/*
 * A value for people, as written: strings in double quotes with \" \\ \n \t escaped,
 * references in angle brackets, numbers in their shortest exact form followed by " unit".
 * Texts longer than max_text bytes are cut at a UTF-8 boundary and end in "...". Writes at
 * most cap - 1 bytes and a NUL (cap > 0); returns the length written.
 */
size_t steme__value_format(const steme_value *v, size_t max_text, char *buf, size_t cap);

/* The shortest "%.*g" form of x that reads back as x. buf needs 32 bytes. */
void steme__num_format(double x, char buf[32]);

#endif
