/* SPDX-License-Identifier: MIT */
/*
 * test_utf8.c -- strict UTF-8 validation and control-character detection, exhaustively over
 * every code point and over the classic malformed sequences (Markus Kuhn's stress test), and
 * the word-at-a-time paths against byte-at-a-time references over random strings of every
 * length and alignment around the word size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"
#include "xorshift.h"

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

/* Reference: valid iff each sequence decodes to a code point whose one correct encoding is
 * exactly those bytes (and that is no surrogate and at most U+10FFFF). */
static bool
ref_valid(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = s[i] < 0x80 ? 1 : s[i] >= 0xF0 ? 4 : s[i] >= 0xE0 ? 3 : s[i] >= 0xC0 ? 2 : 0;
        if (n == 0 || n > len - i || (n == 4 && s[i] > 0xF7))
            return false;
        uint32_t cp = n == 1 ? s[i] : (uint32_t)(s[i] & (0x7F >> n));
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        uint8_t enc[4];
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || encode(cp, enc) != n ||
            memcmp(enc, s + i, n) != 0)
            return false;
        i += n;
    }
    return true;
}

static bool
ref_control(const uint8_t *s, size_t len, bool allow_newline_tab)
{
    for (size_t i = 0; i < len; i++)
        if ((s[i] < 0x20 || s[i] == 0x7F) && !(allow_newline_tab && (s[i] == '\n' || s[i] == '\t')))
            return true;
    return false;
}

/* Mostly ASCII letters, sometimes a control byte, a character of two to four bytes, a lone
 * continuation byte or any byte at all. */
static uint8_t
random_byte(uint64_t *rng, uint8_t *buf, size_t *k, size_t cap)
{
    uint64_t r = test_xorshift(rng);
    static const uint8_t specials[] = {0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x7E, 0x7F, 0x80,
                                       0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xFF};
    switch (r % 16) {
    case 0:
        return specials[(r >> 8) % sizeof specials];
    case 1:
        if (*k + 4 <= cap) {
            uint32_t cp = (uint32_t)((r >> 8) % 0x110000);
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xE9;
            size_t n = encode(cp, buf + *k);
            *k += n - 1;
            return buf[*k];
        }
        return 'x';
    case 2:
        return (uint8_t)(r >> 8);
    default:
        return (uint8_t)('a' + (r >> 8) % 26);
    }
}

static void
test_words_against_bytes(void **state)
{
    (void)state;
    uint64_t rng = 0x853c49e6748fea9bu;
    uint8_t buf[64 + 8];
    size_t checked = 0, valid = 0, control = 0;
    for (int round = 0; round < 200000; round++) {
        size_t off = (size_t)round % 8, len = (size_t)(test_xorshift(&rng) % 41);
        uint8_t *s = buf + off;
        /* round 0 mod 4: pure ASCII without controls, so that whole words pass */
        for (size_t k = 0; k < len; k++)
            s[k] = round % 4 == 0 ? (uint8_t)('A' + test_xorshift(&rng) % 26)
                                  : random_byte(&rng, s, &k, len);
        bool v = steme__utf8_valid((const char *)s, len);
        if (v != ref_valid(s, len))
            fail_msg("utf8_valid disagrees (len %zu, offset %zu, round %d)", len, off, round);
        for (int nl = 0; nl < 2; nl++) {
            bool c = steme__has_control((const char *)s, len, nl);
            if (c != ref_control(s, len, nl))
                fail_msg("has_control disagrees (len %zu, offset %zu, round %d, newline %d)", len,
                         off, round, nl);
            control += c;
        }
        valid += v;
        checked++;
    }
    /* the draw covers both answers of both functions */
    assert_true(valid > checked / 10 && valid < checked - checked / 10);
    assert_true(control > checked / 10 && control < 2 * checked - checked / 10);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_control),
        cmocka_unit_test(test_words_against_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
