/* SPDX-License-Identifier: MIT */
/*
 * test_utf8.c -- strict UTF-8 validation and control-character detection, exhaustively over
 * every code point and over the classic malformed sequences (Markus Kuhn's stress test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

/* Reference encoder: the one correct encoding of code point cp. */
static size_t
encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static void
test_every_code_point(void **state)
{
    (void)state;
    uint8_t buf[4];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        size_t n = encode(cp, buf);
        bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        assert_int_equal(steme__utf8_valid((const char *)buf, n), !surrogate);
        /* Every strict prefix of a multi-byte sequence is truncated, hence invalid. */
        for (size_t k = 1; k < n; k++)
            assert_false(steme__utf8_valid((const char *)buf, k));
    }
}

static void
test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {"\xC0\x80", 2},         /* overlong NUL */
        {"\xC1\xBF", 2},         /* overlong */
        {"\xE0\x80\x80", 3},     /* overlong */
        {"\xE0\x9F\xBF", 3},     /* overlong U+07FF */
        {"\xF0\x8F\xBF\xBF", 4}, /* overlong U+FFFF */
        {"\xED\xA0\x80", 3},     /* surrogate U+D800 */
        {"\xED\xBF\xBF", 3},     /* surrogate U+DFFF */
        {"\xF4\x90\x80\x80", 4}, /* U+110000 */
        {"\xF5\x80\x80\x80", 4},
        {"\xFE", 1},
        {"\xFF", 1},
        {"\x80", 1},             /* lone continuation */
        {"a\xC3", 2},            /* truncated */
        {"\xE2\x82", 2},         /* truncated */
        {"\xE2\x28\xA1", 3},     /* bad continuation */
        {"\xF0\x90\x28\xBC", 4}, /* bad continuation */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(steme__utf8_valid(bad[i].s, bad[i].n));

    assert_true(steme__utf8_valid("", 0));
    assert_true(steme__utf8_valid(NULL, 0));
    assert_true(steme__utf8_valid("Myalgie bei 0,2 % der Patienten \xE2\x80\x94 \xF0\x9F\x92\x8A",
                                  strlen("Myalgie bei 0,2 % der Patienten \xE2\x80\x94 "
                                         "\xF0\x9F\x92\x8A")));
}

static void
test_control(void **state)
{
    (void)state;
    assert_false(steme__has_control("plain text", 10, false));
    assert_true(steme__has_control("a\nb", 3, false));
    assert_false(steme__has_control("a\nb\tc", 5, true));
    assert_true(steme__has_control("a\rb", 3, true));
    assert_true(steme__has_control("a\x7f", 2, true));
    assert_true(steme__has_control("a\0b", 3, true));
    assert_true(steme__has_control("\x1b[31m", 5, true));
    /* Bytes >= 0x80 are not controls here (C1 controls are valid UTF-8 code points). */
    assert_false(steme__has_control("\xC3\xA9", 2, false));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_control),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
