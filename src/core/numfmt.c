/* SPDX-License-Identifier: MIT */
/*
 * numfmt.c -- printf's %.Pg and %.Pf without printf where the rounding is certain (numfmt.h).
 *
 * C17 7.21.6.1: %.Pg writes the value rounded to P significant digits, in the style of %e when
 * the exponent X of that rounded value is below -4 or at least P, else of %f with P - 1 - X
 * decimals; then trailing zeros of the fraction go, and the point with them when none is left.
 */
#include "numfmt.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

const double steme__pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int
steme__u64_digits(uint64_t u, char out[20])
{
    char rev[20];
    int n = 0;
    do {
        rev[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    for (int i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    return n;
}

/* a * 10^s with one rounding, |s| <= 22. */
static double
scale(double a, int s)
{
    return s >= 0 ? a * steme__pow10_exact[s] : a / steme__pow10_exact[-s];
}

/* round(y) into *m, unless y is too near a half for one rounding of y to be trusted. */
static bool
round_certain(double y, uint64_t *m)
{
    double f = y - floor(y);
    if (fabs(f - 0.5) < 1e-6)
        return false;
    *m = (uint64_t)floor(y + 0.5);
    return true;
}

/* The n decimal digits of m (m < 10^n), most significant first. */
static void
digits_of(uint64_t m, int n, char *out)
{
    for (int i = n - 1; i >= 0; i--, m /= 10)
        out[i] = (char)('0' + m % 10);
}

bool
steme__fmt_g(double d, int prec, char out[32])
{
    if (prec < 1 || prec > 6 || !isfinite(d) || d == 0)
        return false;
    double a = fabs(d);
    if (a < 1e-15 || a >= 1e15)
        return false;

    /* The exponent from log10 may be one off at a power of ten; the scaled value says which. */
    int x = (int)floor(log10(a));
    uint64_t m = 0;
    for (int tries = 0;; tries++) {
        double y = scale(a, prec - 1 - x);
        if (tries < 2 && y < steme__pow10_exact[prec - 1]) {
            x--;
            continue;
        }
        if (tries < 2 && y >= steme__pow10_exact[prec]) {
            x++;
            continue;
        }
        if (!round_certain(y, &m) || m < (uint64_t)steme__pow10_exact[prec - 1] ||
            m > (uint64_t)steme__pow10_exact[prec])
            return false;
        break;
    }
    if (m == (uint64_t)steme__pow10_exact[prec]) { /* 9.995 -> 10.0: one digit more to the left */
        m /= 10;
        x++;
    }

    char dg[6], *o = out;
    digits_of(m, prec, dg);
    int nd = prec; /* significant digits left after dropping trailing zeros */
    while (nd > 1 && dg[nd - 1] == '0')
        nd--;
    if (d < 0)
        *o++ = '-';
    if (x < -4 || x >= prec) {
        *o++ = dg[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, dg + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        *o++ = (char)('0' + ax / 10);
        *o++ = (char)('0' + ax % 10);
    } else if (x >= 0) {
        memcpy(o, dg, (size_t)x + 1); /* x < prec: all integer digits are among dg */
        o += x + 1;
        if (nd > x + 1) {
            *o++ = '.';
            memcpy(o, dg + x + 1, (size_t)(nd - x - 1));
            o += nd - x - 1;
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -x - 1; i++)
            *o++ = '0';
        memcpy(o, dg, (size_t)nd);
        o += nd;
    }
    *o = '\0';
    return true;
}

bool
steme__fmt_f(double d, int prec, char out[32])
{
    if (prec < 0 || prec > 6 || !isfinite(d))
        return false;
    double a = fabs(d);
    uint64_t m;
    if (a >= 1e9 || !round_certain(scale(a, prec), &m))
        return false;

    uint64_t unit = (uint64_t)steme__pow10_exact[prec];
    char *o = out;
    if (signbit(d)) /* printf keeps the sign of a negative that rounds to zero, and of -0 */
        *o++ = '-';
    o += steme__u64_digits(m / unit, o);
    if (prec > 0) {
        *o++ = '.';
        digits_of(m % unit, prec, o);
        o += prec;
    }
    *o = '\0';
    return true;
}
