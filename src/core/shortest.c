/* SPDX-License-Identifier: MIT */
/*
 * shortest.c -- the fewest significant digits that print a double so that it reads back
 * exactly: the engine's value text ("0.2 %") and the JSON writer's reals both use it.
 */
#include "shortest.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "numfmt.h"

/* Does d written with p significant digits read back as d? */
static bool
round_trips(double d, int p)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%.*e", p - 1, d);
    return strtod(buf, NULL) == d;
}

/* The fewest significant digits (1 to 17) that read back as d, by bisection: if p digits
 * round-trip, so do p + 1 (printf rounds correctly). */
static int
bisect_digits(double d)
{
    if (!round_trips(d, 15))
        return round_trips(d, 16) ? 16 : 17;
    int lo = 1, hi = 15; /* hi round-trips */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (round_trips(d, mid))
            hi = mid;
        else
            lo = mid + 1;
    }
    return hi;
}

/*
 * The fewest significant digits (1 to 17) that read back as d, with one snprintf/strtod pair
 * for most numbers (computed weights need 15 to 17 digits, and an answer holds dozens).
 *
 * When d written with 15 digits reads back as d, the shortest string that does is those 15
 * digits without their trailing zeros. Let S be a shortest such string, with p <= 15 digits:
 * S reads back as d, so |d - S| is at most half an ulp of d, below 2^-53 |d| < 1.2e-15 * 10^e
 * for d = m * 10^e (1 <= m < 10), while rounding d to 15 digits is exact to within half a unit
 * of the 15th digit, 5e-15 * 10^e. So d rounds to S padded with zeros, and the count of its
 * digits up to the last nonzero one is p. Subnormal numbers have a coarser ulp than their
 * magnitude suggests and take the bisection.
 */
int
steme__shortest_digits(double d)
{
    if (d != 0 && fabs(d) < DBL_MIN)
        return bisect_digits(d);
    char buf[32];
    snprintf(buf, sizeof(buf), "%.14e", d);
    if (strtod(buf, NULL) != d)
        return round_trips(d, 16) ? 16 : 17;
    /* buf is [-]D.DDDDDDDDDDDDDDe[+-]XX: the 15 digits are at m[0] and m[2..15]. */
    const char *m = buf + (buf[0] == '-');
    int p = 15;
    while (p > 1 && m[p] == '0') /* digit p (1-based) is at m[p] for p >= 2 */
        p--;
    return p;
}

/*
 * Plain decimals without printf. Most numbers people write are m / 10^k with few digits (1.6,
 * 0.2, 1200), and their shortest digits are m's: let k be the smallest scale at which
 * m = round(|d| * 10^k) gives back |d| when divided by 10^k. The division is correctly
 * rounded, as strtod is, so the decimal m * 10^-k reads back as d; a shorter string would
 * read back at a smaller scale, and k is the smallest; m is below 10^15, so half an ulp of d
 * is far below 10^-k and no other integer at scale k reads back. Then m's digits are the
 * digits shortest_digits finds, and the plain notation of %g and %f with them is m with a
 * point k digits from its right.
 */
bool
steme__plain_decimal(double d, char out[32], int *ret_exp10)
{
    double a = fabs(d);
    if (!(a >= 1e-15 && a < 1e15)) /* also zero, NaN and infinities */
        return false;
    for (int k = 0; k <= 15; k++) {
        double m = nearbyint(a * steme__pow10_exact[k]);
        if (m >= 1e15)
            return false;
        if (m / steme__pow10_exact[k] != a)
            continue;
        char digits[20];
        int n = steme__u64_digits((uint64_t)m, digits); /* m >= 1: it gave back a */
        char *o = out;
        if (d < 0)
            *o++ = '-';
        if (n <= k) {
            *o++ = '0';
            *o++ = '.';
            for (int i = n; i < k; i++)
                *o++ = '0';
        }
        for (int i = 0; i < n; i++) {
            *o++ = digits[i];
            if (n - 1 - i == k && k > 0) /* k digits are left: the point */
                *o++ = '.';
        }
        *o = '\0';
        *ret_exp10 = n - 1 - k;
        return true;
    }
    return false;
}
