/* SPDX-License-Identifier: MIT */
/*
 * utf8.c -- strict UTF-8 validation. Record strings are hashed and signed, so two encodings
 * of one text must not both be accepted: overlong forms, surrogates and code points past
 * U+10FFFF are refused (RFC 3629 §4 table).
 */
#include "utf8.h"

#include <stdint.h>

bool
steme__utf8_valid(const char *str, size_t len)
{
    const uint8_t *s = (const uint8_t *)str;
    size_t i = 0;

    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
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
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (c < 0x20 || c == 0x7F) {
            if (allow_newline_tab && (c == '\n' || c == '\t'))
                continue;
            return true;
        }
    }
    return false;
}
