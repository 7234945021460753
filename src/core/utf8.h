/* SPDX-License-Identifier: MIT */
/*
 * utf8.h -- strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
 */
#ifndef STEME_CORE_UTF8_H
#define STEME_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is well-formed UTF-8. */
bool steme__utf8_valid(const char *s, size_t len);

/* True when s contains a C0 control character (U+0000..U+001F) or DEL (U+007F); when
 * allow_newline_tab is true, '\n' and '\t' are permitted. */
bool steme__has_control(const char *s, size_t len, bool allow_newline_tab);

#endif
