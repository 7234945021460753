/* SPDX-License-Identifier: MIT */
/*
 * params.c -- ids, keys, log positions, allowed arguments and cursors of the read routes (see
 * params.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "params.h"

bool
srv_args_only(srv_req *r, const char *const *allowed)
{
    for (size_t i = 0; i + 1 < r->nargs; i += 2) {
        const char *name = r->args[i];
        size_t k = 0;
        while (allowed && allowed[k] && strcmp(allowed[k], name) != 0)
            k++;
        if (allowed && allowed[k])
            continue;
        /* The name is client input: quote at most 64 bytes of it (srv_fail copes with bad
         * UTF-8). */
        srv_fail(r, 400, "invalid", strlen(name) <= 64 ? name : "query",
                 "%.64s: unknown query argument for %s %s", name, r->route->method,
                 r->route->pattern);
        return false;
    }
    return true;
}

/* Exactly 2n hex digits (either case). */
static bool
parse_hex(const char *s, uint8_t *out, size_t n)
{
    return s && strlen(s) == 2 * n && steme_unhex(s, out, n) == STEME_OK;
}

bool
srv_param_id(srv_req *r, const char *name, steme_id *ret)
{
    if (!parse_hex(srv_param(r, name), ret->b, sizeof(ret->b))) {
        srv_fail(r, 400, "invalid", name, "%s: must be a record id (64 hex digits)", name);
        return false;
    }
    return true;
}

bool
srv_param_ref(srv_req *r, const char *name, steme_id *ret_id, uint64_t *ret_seq, bool *ret_by_id)
{
    const char *s = srv_param(r, name);
    size_t len = s ? strlen(s) : 0;
    if (len == 2 * STEME_ID_SIZE && parse_hex(s, ret_id->b, sizeof(ret_id->b))) {
        *ret_by_id = true;
        return true;
    }
    /* A log position: 1 to 20 decimal digits without a leading zero, fitting 64 bits. */
    uint64_t v = 0;
    bool ok = len >= 1 && len <= 20 && s[0] != '0';
    for (size_t i = 0; ok && i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            ok = false;
        else
            v = v * 10 + d;
    }
    if (!ok) {
        srv_fail(r, 400, "invalid", name,
                 "%s: must be a record id (64 hex digits) or a log position (a number from 1)",
                 name);
        return false;
    }
    *ret_seq = v;
    *ret_by_id = false;
    return true;
}

bool
srv_param_key(srv_req *r, const char *name, steme_pubkey *ret)
{
    if (!parse_hex(srv_param(r, name), ret->b, sizeof(ret->b))) {
        srv_fail(r, 400, "invalid", name, "%s: must be a public key (64 hex digits)", name);
        return false;
    }
    return true;
}

/* 1 to max bytes of UTF-8, no C0 control character nor DEL (the identifier rule's core; the
 * engine checks the rest). */
static bool
plain_text(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    /* jansson refuses malformed UTF-8 (overlong forms, surrogates, truncations). */
    json_t *j = json_stringn(s, len);
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

bool
srv_param_source(srv_req *r, const char *name, const char **ret)
{
    const char *s = srv_param(r, name);
    if (!s || !plain_text(s, STEME_MAX_SOURCE)) {
        srv_fail(r, 400, "invalid", name,
                 "%s: must be a source id of 1 to %d bytes of UTF-8 without control characters "
                 "(percent-encode \"/\" as %%2F)",
                 name, STEME_MAX_SOURCE);
        return false;
    }
    *ret = s;
    return true;
}

bool
srv_arg_hex(srv_req *r, const char *name, uint8_t *out, size_t n, bool *present)
{
    const char *s = srv_arg(r, name);
    *present = s != NULL;
    if (s && !parse_hex(s, out, n)) {
        srv_fail(r, 400, "invalid", name, "%s: must be %zu hex digits", name, 2 * n);
        return false;
    }
    return true;
}

bool
srv_arg_text(srv_req *r, const char *name, size_t max, const char **ret)
{
    const char *s = srv_arg(r, name);
    if (s && !plain_text(s, max)) {
        srv_fail(r, 400, "invalid", name,
                 "%s: must be 1 to %zu bytes of UTF-8 without control characters", name, max);
        return false;
    }
    *ret = s;
    return true;
}

bool
srv_arg_as_of(srv_req *r, uint64_t *ret, bool *present)
{
    uint64_t as_of = 0;
    *present = srv_arg(r, "as_of") != NULL;
    if (!srv_arg_u64(r, "as_of", &as_of))
        return false;
    if (*present) {
        uint64_t last;
        steme_err err = steme_db_last_seq(r->s->db, &last);
        if (err != STEME_OK) {
            srv_fail_err(r, err, NULL, "reading the log position");
            return false;
        }
        if (as_of > last) {
            srv_fail(r, 400, "invalid", "as_of",
                     "as_of: beyond the last log position (%" PRIu64 ")", last);
            return false;
        }
    }
    *ret = as_of;
    return true;
}

bool
srv_arg_limit(srv_req *r, size_t *ret)
{
    size_t limit = SRV_PAGE_DEFAULT;
    if (!srv_arg_size(r, "limit", SRV_PAGE_MAX, &limit))
        return false;
    *ret = limit;
    return true;
}

static bool
bad_cursor(srv_req *r)
{
    srv_fail(r, 400, "invalid", "cursor",
             "cursor: malformed, or from another listing (pass next_cursor of the previous page "
             "unchanged)");
    return false;
}

/* The digits after the tag: lowercase hex only, so that one position has one cursor. */
static bool
cursor_digits(const char *s, char tag, size_t max_bytes, size_t *ret_n)
{
    if (s[0] != tag)
        return false;
    size_t len = strlen(s + 1);
    if (len == 0 || len % 2 != 0 || len / 2 > max_bytes)
        return false;
    for (size_t i = 1; i <= len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    *ret_n = len / 2;
    return true;
}

bool
srv_arg_cursor_seq(srv_req *r, uint64_t *after)
{
    const char *s = srv_arg(r, "cursor");
    *after = 0;
    if (!s)
        return true;
    uint8_t b[8];
    size_t n;
    if (!cursor_digits(s, 'c', sizeof(b), &n) || n != sizeof(b) ||
        steme_unhex(s + 1, b, sizeof(b)) != STEME_OK)
        return bad_cursor(r);
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(b); i++)
        v = v << 8 | b[i];
    if (v == 0)
        return bad_cursor(r);
    *after = v;
    return true;
}

bool
srv_arg_after(srv_req *r, uint64_t *after)
{
    if (!srv_arg(r, "after"))
        return srv_arg_cursor_seq(r, after);
    if (srv_arg(r, "cursor")) {
        srv_fail(r, 400, "invalid", "after", "after: cannot be combined with cursor");
        return false;
    }
    *after = 0;
    return srv_arg_u64(r, "after", after);
}

bool
srv_arg_cursor_bytes(srv_req *r, char tag, uint8_t *out, size_t cap, size_t *len)
{
    const char *s = srv_arg(r, "cursor");
    *len = 0;
    if (!s)
        return true;
    size_t n;
    if (!cursor_digits(s, tag, cap, &n) || steme_unhex(s + 1, out, n) != STEME_OK)
        return bad_cursor(r);
    *len = n;
    return true;
}

json_t *
srv_cursor_seq(uint64_t seq, bool done)
{
    if (done)
        return json_null();
    char buf[24];
    snprintf(buf, sizeof(buf), "c%016" PRIx64, seq);
    return json_string(buf);
}

json_t *
srv_cursor_bytes(char tag, const uint8_t *b, size_t n, bool done)
{
    if (done || n > STEME_MAX_SOURCE)
        return json_null();
    char buf[2 + 2 * STEME_MAX_SOURCE + 1];
    buf[0] = tag;
    steme_hex(b, n, buf + 1);
    return json_string(buf);
}
