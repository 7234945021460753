/* SPDX-License-Identifier: MIT */
/*
 * test_numfmt.c -- %.Pg and %.Pf without printf (src/core/numfmt.c) give printf's very bytes:
 * against snprintf over random doubles of every magnitude the formatter takes, decimals that
 * land on halves (0.125, 2.5, 9.995), powers of ten and their neighbours, negatives, and the
 * values it must refuse. Most of the random values must be written without printf, or the fast
 * path would be a fast path in name only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "numfmt.h"
#include "xorshift.h"

static size_t taken, refused;

/* Either the formatter refuses, or it writes exactly what snprintf writes: conv is 'g'
 * (steme__fmt_g, precisions 1..6) or 'f' (steme__fmt_f, 0..6). */
static void
check_conv(double d, char conv)
{
    char want[64], got[32];
    for (int prec = conv == 'g'; prec <= 6; prec++) {
        bool ok;
        memset(got, 'X', sizeof got);
        if (conv == 'g') {
            snprintf(want, sizeof want, "%.*g", prec, d);
            ok = steme__fmt_g(d, prec, got);
        } else {
            snprintf(want, sizeof want, "%.*f", prec, d);
            ok = steme__fmt_f(d, prec, got);
        }
        if (ok && strcmp(got, want) != 0)
            fail_msg("%%.%d%c of %.17g: \"%s\", printf \"%s\"", prec, conv, d, got, want);
        ok ? taken++ : refused++;
    }
}

static void
check(double d)
{
    check_conv(d, 'g');
    check_conv(d, 'f');
}

static void
test_random_magnitudes(void **state)
{
    (void)state;
    uint64_t rng = 0x9e3779b97f4a7c15u;
    taken = refused = 0;
    for (int i = 0; i < 300000; i++) {
        uint64_t r = test_xorshift(&rng);
        /* a mantissa in [1, 10) times 10^(-17 .. 16), either sign */
        double mant = 1 + 9 * (double)(r >> 11) / 9007199254740992.0;
        int e = (int)(test_xorshift(&rng) % 34) - 17;
        double d = mant * pow(10, e);
        check(r & 1 ? -d : d);
    }
    print_message("written without printf: %zu of %zu\n", taken, taken + refused);
    assert_true(taken > (taken + refused) / 2);
}

/* Weights and scores as lenses produce them: sums and ratios of small decimals, and values
 * on halves of every precision, which one rounding cannot decide and must be refused or right. */
static void
test_decimals_and_halves(void **state)
{
    (void)state;
    for (int k = 0; k <= 200000; k++) {
        check(k / 1000.0);
        check(k / 8.0);
        check(k / 100000.0);
        check(-k / 64.0);
    }
    static const double edges[] = {0.0001, 0.00001, 0.000099999, 9.995,  99.95,    999.5,
                                   9995,   0.125,   0.375,       1.125,  2.5,      0.5,
                                   1e-15,  1e15,    999999.5,    1e9,    123456.5, 0.05,
                                   0.015,  0.025,   1e-5,        1e-4,   100,      1000,
                                   1e6,    1e14,    9.9999995,   0.9995, 0.99995,  1 - 1e-16};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        check(edges[i]);
        check(-edges[i]);
        check(nextafter(edges[i], 0));
        check(nextafter(edges[i], INFINITY));
    }
    for (int e = -15; e <= 15; e++) {
        double p = pow(10, e);
        check(p);
        check(nextafter(p, 0));
        check(nextafter(p, INFINITY));
    }
}

static void
test_refusals(void **state)
{
    (void)state;
    char out[32];
    static const double never_g[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1e-16, 1e15, 1e300};
    for (size_t i = 0; i < sizeof never_g / sizeof *never_g; i++)
        assert_false(steme__fmt_g(never_g[i], 3, out));
    assert_false(steme__fmt_g(1.5, 0, out));
    assert_false(steme__fmt_g(1.5, 7, out));
    assert_false(steme__fmt_f(NAN, 2, out));
    assert_false(steme__fmt_f(1e9, 2, out));
    assert_false(steme__fmt_f(1.5, 7, out));
    /* zero and negative zero have %f forms, and they are printf's */
    check(0.0);
    check(-0.0);
    check(-0.001);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_magnitudes),
        cmocka_unit_test(test_decimals_and_halves),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
