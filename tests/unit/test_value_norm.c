/* SPDX-License-Identifier: MIT */
/*
 * test_value_norm.c -- value normalisation for grouping (src/engine/value_norm.c): units,
 * numeric tolerance, classes that never mix, canonical keys whose byte order is the comparison
 * order, and the display form used in explanations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "value_norm.h"
#include "xorshift.h"

static steme_value
num(double x, const char *unit)
{
    return (steme_value){.type = STEME_VALUE_NUMBER, .number = x, .unit = steme_str_c(unit)};
}

static steme_value
str(const char *s)
{
    return (steme_value){.type = STEME_VALUE_STRING, .str = steme_str_c(s)};
}

static steme_value
ref(const char *s)
{
    return (steme_value){.type = STEME_VALUE_REF, .str = steme_str_c(s)};
}

static steme_value
integer(int64_t i)
{
    return (steme_value){.type = STEME_VALUE_INTEGER, .integer = i};
}

static steme_value
boolean(bool b)
{
    return (steme_value){.type = STEME_VALUE_BOOLEAN, .boolean = b};
}

static steme__vnorm
norm(steme_value v)
{
    steme__vnorm n;
    assert_int_equal(steme__value_norm(&v, &n), STEME_OK);
    return n;
}

/* Same group, in either order. */
static bool
same(steme_value a, steme_value b)
{
    steme__vnorm x = norm(a), y = norm(b);
    bool s = steme__vnorm_near(&x, &y);
    assert_int_equal(s, steme__vnorm_near(&y, &x));
    return s;
}

static void
test_percent_is_a_fraction(void **state)
{
    (void)state;
    assert_true(same(num(0.2, "%"), num(0.002, "")));
    assert_true(same(num(0.7, "%"), num(0.007, ""))); /* 0.7 / 100 != 0.007 as doubles */
    assert_true(same(num(12, "%"), num(0.12, "")));
    assert_false(same(num(0.2, "%"), num(0.2, "")));
    assert_true(same(num(3, "ppm"), num(0.0003, "%")));
    assert_true(same(num(5, "per 1000"), num(0.5, "%")));
    assert_true(same(num(7, "per 100000"), num(0.07, "per 1000")));
    assert_true(same(num(2, "\xe2\x80\xb0"), num(0.2, "%")));
    assert_true(same(num(40, "ppb"), num(0.04, "ppm")));
}

static void
test_mass_volume_time(void **state)
{
    (void)state;
    assert_true(same(num(2, "mg"), num(0.002, "g")));
    assert_true(same(num(2000, "mg"), num(2, "g")));
    assert_true(same(num(0.5, "kg"), num(500000, "mg")));
    assert_true(same(num(250, "mcg"), num(0.25, "mg")));
    assert_true(same(num(250, "ug"), num(250, "\xc2\xb5g")));
    assert_true(same(num(250, "\xce\xbcg"), num(250000, "ng")));
    assert_true(same(num(500, "ml"), num(0.5, "l")));
    assert_true(same(num(500, "mL"), num(0.5, "L")));
    assert_true(same(num(1.5, "h"), num(90, "min")));
    assert_true(same(num(90, "min"), num(5400, "s")));
    assert_true(same(num(2, "d"), num(48, "h")));
    assert_true(same(num(1500, "ms"), num(1.5, "s")));
    /* Dimensions never mix, and a dimension never equals a bare number. */
    assert_false(same(num(1, "g"), num(1, "s")));
    assert_false(same(num(1, "g"), num(1, "")));
    assert_false(same(num(1, "l"), num(1, "kg")));

    steme__vnorm n = norm(num(2, "mg"));
    assert_int_equal(n.dim, STEME__DIM_MASS);
    assert_string_equal(steme__dim_base(n.dim), "g");
    assert_string_equal(steme__dim_base(norm(num(1, "ml")).dim), "l");
    assert_string_equal(steme__dim_base(norm(num(1, "h")).dim), "s");
    assert_string_equal(steme__dim_base(norm(num(1, "%")).dim), "");
    assert_string_equal(steme__dim_base(norm(num(1, "IU")).dim), "");
    assert_true(n.num == 0.002);
}

static void
test_unknown_units(void **state)
{
    (void)state;
    assert_true(same(num(5, "IU"), num(5, "IU")));
    assert_false(same(num(5, "IU"), num(5, "iu"))); /* units are case-sensitive: mg is not Mg */
    assert_false(same(num(5, "IU"), num(5, "")));
    assert_false(same(num(5, "mg/kg"), num(5, "mg")));
    assert_false(same(num(5, "mg/kg"), num(0.005, "g/kg")));
    assert_true(same(num(5, "mg/kg"), num(5.000000000001, "mg/kg")));
    assert_false(same(num(5, "MG"), num(5, "mg")));

    steme__vnorm n = norm(num(5, "IU"));
    assert_int_equal(n.dim, STEME__DIM_OTHER);
    assert_int_equal(n.unit.len, 2);
    assert_true(n.num == 5);
}

static void
test_tolerance(void **state)
{
    (void)state;
    /* Relative 1e-9: round-off is far inside, reported digits far outside. */
    assert_true(same(num(0.1 + 0.2, ""), num(0.3, "")));
    assert_true(same(num(1, ""), num(1 + 1e-10, "")));
    assert_false(same(num(1, ""), num(1 + 1e-8, "")));
    assert_true(same(num(1e12, ""), num(1e12 + 100, "")));
    assert_false(same(num(1e12, ""), num(1e12 + 10000, "")));
    assert_true(same(num(-3.5, ""), num(-3.5 * (1 + 1e-12), "")));
    assert_false(same(num(-3.5, ""), num(3.5, "")));
    /* Absolute 1e-15: cancellation residue equals zero, a ppb does not. */
    assert_true(same(num(0, ""), num(1e-16, "")));
    assert_true(same(num(0, ""), num(-0.0, "")));
    assert_false(same(num(0, ""), num(1e-14, "")));
    assert_false(same(num(1, "ppb"), num(1.1, "ppb")));
    assert_false(same(num(1, "ppb"), num(0, "")));
    assert_true(steme__num_near(1e300, 1e300 * (1 + 1e-10)));
    assert_false(steme__num_near(1e308, -1e308)); /* the difference overflows: not near */
}

static void
test_classes(void **state)
{
    (void)state;
    /* An integer never groups with a number: the author chose the type (as docs/trust.md). */
    assert_false(same(integer(3), num(3, "")));
    assert_true(same(integer(3), integer(3)));
    /* Integers are exact, however large. */
    assert_false(same(integer(INT64_C(1000000000000)), integer(INT64_C(1000000000001))));
    assert_false(same(str("drug:x"), ref("drug:x")));
    assert_true(same(ref("drug:x"), ref("drug:x")));
    assert_false(same(str("Paris"), str("paris")));
    assert_true(same(str(""), str("")));
    assert_false(same(boolean(true), boolean(false)));
    assert_true(same(boolean(false), boolean(false)));
    assert_false(same(boolean(true), integer(1)));
}

static void
test_invalid(void **state)
{
    (void)state;
    steme__vnorm n;
    steme_value v = num(NAN, "");
    assert_int_equal(steme__value_norm(&v, &n), STEME_EINVAL);
    v = num(INFINITY, "");
    assert_int_equal(steme__value_norm(&v, &n), STEME_EINVAL);
    v = num(1e308, "kg"); /* overflows in grams */
    assert_int_equal(steme__value_norm(&v, &n), STEME_EINVAL);
    v = (steme_value){.type = 9};
    assert_int_equal(steme__value_norm(&v, &n), STEME_EINVAL);
    v = num(1, "a-unit-that-is-longer-than-32-bytes");
    assert_int_equal(steme__value_norm(&v, &n), STEME_EINVAL);
}

static int
sign(int x)
{
    return x < 0 ? -1 : x > 0;
}

static int
key_cmp(const steme__vnorm *a, const steme__vnorm *b)
{
    uint8_t ka[STEME__VNORM_KEY_MAX], kb[STEME__VNORM_KEY_MAX];
    size_t la = steme__vnorm_key(a, ka, sizeof ka), lb = steme__vnorm_key(b, kb, sizeof kb);
    int c = memcmp(ka, kb, la < lb ? la : lb);
    if (c)
        return sign(c);
    return la < lb ? -1 : la > lb;
}

static void
test_key_order_is_cmp_order(void **state)
{
    (void)state;
    steme_value vs[] = {
        num(0, ""),         num(-0.0, ""),   num(-1, ""),    num(1, ""),     num(-1e300, ""),
        num(1e-300, ""),    num(0.2, "%"),   num(0.002, ""), num(2, "mg"),   num(0.002, "g"),
        num(1, "s"),        num(1, "IU"),    num(2, "IU"),   num(-2, "IU"),  num(1, "ab"),
        num(1, "b"),        num(1, "mg/kg"), integer(0),     integer(-1),    integer(INT64_MAX),
        integer(INT64_MIN), str(""),         str("a"),       str("ab"),      str("b"),
        str("\xc3\xa9"),    ref("a"),        ref("drug:x"),  boolean(false), boolean(true),
        num(3, "l"),        num(3, "ml"),    num(5, "min"),
    };
    size_t n = sizeof vs / sizeof vs[0];
    for (size_t i = 0; i < n; i++) {
        steme__vnorm a = norm(vs[i]);
        for (size_t j = 0; j < n; j++) {
            steme__vnorm b = norm(vs[j]);
            assert_int_equal(sign(steme__vnorm_cmp(&a, &b)), key_cmp(&a, &b));
            assert_int_equal(sign(steme__vnorm_cmp(&a, &b)), -sign(steme__vnorm_cmp(&b, &a)));
        }
    }
    /* -0.0 and 0.0 have one key. */
    steme__vnorm z = norm(num(0, "")), m = norm(num(-0.0, ""));
    assert_int_equal(key_cmp(&z, &m), 0);
    /* The key length is reported even when the buffer is too small, and nothing is written. */
    uint8_t small[4] = {0xAA, 0xAA, 0xAA, 0xAA};
    steme__vnorm s = norm(str("abcdef"));
    assert_int_equal(steme__vnorm_key(&s, small, sizeof small), 7);
    assert_int_equal(small[0], 0xAA);
}

static void
check_format(steme_value v, size_t max, const char *want)
{
    char buf[256];
    size_t n = steme__value_format(&v, max, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void
test_format(void **state)
{
    (void)state;
    check_format(num(0.2, "%"), 48, "0.2 %");
    check_format(num(0.1 + 0.2, ""), 48, "0.30000000000000004");
    check_format(num(-0.0, ""), 48, "0");
    check_format(num(1e21, "mg"), 48, "1e+21 mg");
    check_format(num(40, ""), 48, "40");
    check_format(num(1200000, ""), 48, "1200000");
    check_format(num(0.0001, ""), 48, "0.0001");
    check_format(num(1e-5, ""), 48, "1e-05");
    check_format(num(1.5e20, ""), 48, "1.5e+20");
    check_format(num(-2.5, "IU"), 48, "-2.5 IU");
    check_format(integer(-12), 48, "-12");
    check_format(boolean(true), 48, "true");
    check_format(ref("drug:x"), 48, "<drug:x>");
    check_format(str("say \"hi\"\n\tback\\slash"), 48, "\"say \\\"hi\\\"\\n\\tback\\\\slash\"");
    /* Cut on a UTF-8 boundary: "é" is two bytes, a cut at 2 keeps "a" only. */
    check_format(str("a\xc3\xa9z"), 2, "\"a...\"");
    check_format(str("a\xc3\xa9z"), 3, "\"a\xc3\xa9...\"");

    char tiny[5];
    steme_value v = str("abcdefgh");
    assert_int_equal(steme__value_format(&v, 48, tiny, sizeof tiny), 4);
    assert_string_equal(tiny, "\"abc");

    char b[32];
    steme__num_format(0.2, b);
    assert_string_equal(b, "0.2");
    steme__num_format(1.0 / 3, b);
    assert_string_equal(b, "0.3333333333333333");
}

/* The definition steme__num_format's digits must meet: the fewest significant digits (1 to 17)
 * that read back as x, found by trying every precision in turn. */
static int
digits_by_definition(double x)
{
    char buf[40];
    for (int p = 1; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            return p;
    }
    return 17;
}

static double
random_double(uint64_t *state)
{
    for (;;) {
        double d;
        uint64_t bits = test_xorshift(state);
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d))
            return d;
    }
}

/* A decimal of 1 to 17 digits with 0 to 17 decimals, either sign: the numbers of
 * steme__plain_decimal's fast path and either side of its limits. */
static double
random_decimal(uint64_t *state)
{
    (void)random_double(state);
    uint64_t digits = 1 + *state % 17, scale = (*state >> 8) % 18;
    uint64_t m = (*state >> 16) % (uint64_t)pow(10, (double)digits);
    double x = (double)m / pow(10, (double)scale);
    return (*state >> 60) & 1 ? -x : x;
}

/* Random bit patterns (every magnitude, subnormals included), short decimals, decimals of up
 * to 17 digits and the log-normal percentages of the benchmarks: the text reads back as the
 * value, has exactly the definition's number of significant digits, and is what %g writes
 * with them (plain where %g would use an exponent only for want of precision). */
static void
test_num_format_shortest(void **state)
{
    (void)state;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    char b[32], e[40];

    for (int i = 0; i < 60000; i++) {
        double x = random_double(&rng); /* also advances rng */
        if (i % 4 == 1)
            x = (double)(rng % 100000) / 1000.0;
        else if (i % 4 == 2)
            x = exp((double)(rng % 10000) / 2500.0 - 2.0) * 1.6;
        else if (i % 4 == 3)
            x = random_decimal(&rng);
        steme__num_format(x, b);
        assert_true(strtod(b, NULL) == x);
        int p = digits_by_definition(x);
        char want[40];
        snprintf(want, sizeof want, "%.*e", p - 1, x);
        int ex = atoi(strchr(want, 'e') + 1), prec = ex >= p && ex < 17 ? ex + 1 : p;
        snprintf(want, sizeof want, "%.*g", prec, x);
        if (strcmp(b, want) != 0)
            fail_msg("%.17g formatted as %s, expected %s", x, b, want);
        snprintf(e, sizeof e, "%.*e", p - 1, x);
        /* Same digits: the same value read back from p digits in both notations. */
        assert_true(strtod(e, NULL) == strtod(b, NULL));
        size_t digits = 0;
        bool leading = true;
        for (const char *c = b; *c != '\0' && *c != 'e'; c++) {
            if (*c >= '1' && *c <= '9')
                leading = false;
            if (*c >= '0' && *c <= '9' && !leading)
                digits++;
        }
        /* Plain notation may pad an integer with zeros ("40" from 4e+01), never more; zero
         * is the one digit "0". */
        if (x == 0)
            assert_true(strcmp(b, "0") == 0 || strcmp(b, "-0") == 0);
        else if (strpbrk(b, ".e") != NULL)
            assert_int_equal((int)digits, p);
        else
            assert_true((int)digits >= p);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percent_is_a_fraction),
        cmocka_unit_test(test_mass_volume_time),
        cmocka_unit_test(test_unknown_units),
        cmocka_unit_test(test_tolerance),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_key_order_is_cmp_order),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_num_format_shortest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
