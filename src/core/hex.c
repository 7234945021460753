/* SPDX-License-Identifier: MIT */
/*
 * hex.c -- lower-case hex for ids, keys and signatures.
 */
#include "steme.h"

void
steme_hex(const uint8_t *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xF];
    }
    out[2 * n] = '\0';
}

static int
nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

steme_err
steme_unhex(const char *hex, uint8_t *out, size_t n)
{
    if (hex == NULL || out == NULL)
        return STEME_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (hex[2 * i] == '\0' || hex[2 * i + 1] == '\0')
            return STEME_EINVAL;
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return STEME_EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    if (hex[2 * n] != '\0')
        return STEME_EINVAL;
    return STEME_OK;
}
