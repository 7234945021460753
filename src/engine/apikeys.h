/* SPDX-License-Identifier: MIT */
/*
 * apikeys.h -- what the API keys (apikeys.c) share with the admin log (admin_log.c): the
 * token shape, so that the log can refuse any text that carries a token.
 */
#ifndef STEME_ENGINE_APIKEYS_H
#define STEME_ENGINE_APIKEYS_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) contains an API key token ("stk_" + 16 lowercase hex + "." + 64
 * lowercase hex) anywhere in it. */
bool steme__apikey_token_in(const char *s, size_t n);

/* True when s[0..n) is 1..max bytes of UTF-8 without control characters (C0, DEL, C1). */
bool steme__apikey_label_valid(const char *s, size_t n, size_t max);

#endif
