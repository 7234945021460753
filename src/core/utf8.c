/* SPDX-License-Identifier: MIT */
/*
 * utf8.c -- strict UTF-8 validation. Record strings are hashed and signed, so two encodings
 * of one text must not both be accepted: overlong forms, surrogates and code points past
 * U+10FFFF are refused (RFC 3629 §4 table).
 */
#include "utf8.h"

#include <stdint.h>

#include "fasthash.h" /* steme__fh_load64: eight bytes in native order */

/* Eight bytes at a time over ASCII, which most record strings are (each string of a record is
 * checked on every decode, read or write). */
#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero iff a byte of w is below n (n <= 0x80): a byte below n borrows and sets its high bit,
 * which ~w keeps only for bytes below 0x80; without such a byte nothing borrows. */
static inline uint64_t
byte_below(uint64_t w, uint8_t n)
{
    return (w - ONES * n) & ~w & HIGHS;
}

bool
steme__utf8_valid(const char *str, size_t len)
{
    const uint8_t *s = (const uint8_t *)str;
    size_t i = 0;

    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            if (len - i >= 8 && (steme__fh_load64(s + i) & HIGHS) == 0)
                i += 8;
            else
                i++;
            continue;
        }
        size_t need;
        uint8_t lo = 0x80, hi = 0xBF; /* bounds of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* > U+10FFFF */
        } else {
            return false;
        }
        if (len - i - 1 < need)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += need + 1;
    }
    return true;
}

bool
steme__has_control(const char *str, size_t len, bool allow_newline_tab)
{
    const uint8_t *s = (const uint8_t *)str;
    size_t i = 0;
    /* Words with no byte below 0x20 and none equal to 0x7F (a zero byte after the xor) hold
     * no control character; any other word is looked at byte by byte. */
    for (; len - i >= 8; i += 8) {
        uint64_t w = steme__fh_load64(s + i);
        if (byte_below(w, 0x20) == 0 && byte_below(w ^ (ONES * 0x7F), 1) == 0)
            continue;
        for (size_t k = i; k < i + 8; k++)
            if ((s[k] < 0x20 || s[k] == 0x7F) &&
                !(allow_newline_tab && (s[k] == '\n' || s[k] == '\t')))
                return true;
    }
    for (; i < len; i++) {
        uint8_t c = s[i];
        if (c < 0x20 || c == 0x7F) {
            if (allow_newline_tab && (c == '\n' || c == '\t'))
                continue;
            return true;
        }
    }
    return false;
}
