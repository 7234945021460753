/* SPDX-License-Identifier: MIT */
/*
 * params.h -- the arguments the read routes share: ids and keys in the path or the query
 * string, the as_of log position, the set of query arguments a route accepts, and paging with
 * opaque cursors.
 *
 * Every helper that returns bool has answered 400 (naming the argument and the rule) when it
 * returns false; the handler then just returns.
 *
 * Cursors are opaque to clients: a tag letter naming what the listing walks ('c' for log
 * positions, 's' for sources, 'a' for agents) followed by lowercase hex. A cursor of another
 * tag, or of a bad shape, is refused as field "cursor".
 */
#ifndef STEME_SERVER_PARAMS_H
#define STEME_SERVER_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srv.h"

/* Default and largest ?limit of a page. */
#define SRV_PAGE_DEFAULT 100
#define SRV_PAGE_MAX     1000

/* Refuse any query argument that is not in allowed (NULL-terminated; NULL: none allowed). */
bool srv_args_only(srv_req *r, const char *const *allowed);

/* The path capture name as a record id (64 hex digits). */
bool srv_param_id(srv_req *r, const char *name, steme_id *ret);

/* The path capture name as a record id or a log position (a decimal number >= 1): *ret_by_id
 * tells which was given. */
bool srv_param_ref(srv_req *r, const char *name, steme_id *ret_id, uint64_t *ret_seq,
                   bool *ret_by_id);

/* The path capture name as an agent's public key (64 hex digits). */
bool srv_param_key(srv_req *r, const char *name, steme_pubkey *ret);

/* The path capture name as a source id: 1 to STEME_MAX_SOURCE bytes without control
 * characters. */
bool srv_param_source(srv_req *r, const char *name, const char **ret);

/* The query argument name as 64 hex digits into out (n bytes); *present tells whether it was
 * given. */
bool srv_arg_hex(srv_req *r, const char *name, uint8_t *out, size_t n, bool *present);

/* The query argument name as a string of 1 to max bytes without control characters; NULL
 * when absent. */
bool srv_arg_text(srv_req *r, const char *name, size_t max, const char **ret);

/* ?as_of=SEQ: *ret (0 when absent) and *present. SEQ beyond the last log position is refused:
 * an answer "as of" a position not reached yet would change later. */
bool srv_arg_as_of(srv_req *r, uint64_t *ret, bool *present);

/* ?limit (default SRV_PAGE_DEFAULT, 1 to SRV_PAGE_MAX). */
bool srv_arg_limit(srv_req *r, size_t *ret);

/* ?cursor of a log-position listing: *after is the position to continue after (0 when
 * absent). */
bool srv_arg_cursor_seq(srv_req *r, uint64_t *after);

/* ?after=SEQ or ?cursor of a log-position listing (not both): *after is the position to
 * continue after (0 when neither). after is the CLI's --after: a position the client saw. */
bool srv_arg_after(srv_req *r, uint64_t *after);

/* ?cursor of a listing tagged tag: its bytes into out (cap bytes), *len their count (0 when
 * absent). */
bool srv_arg_cursor_bytes(srv_req *r, char tag, uint8_t *out, size_t cap, size_t *len);

/* The next_cursor member: a string continuing after seq, or null when done is true. */
json_t *srv_cursor_seq(uint64_t seq, bool done);

/* The same for a listing walked by byte strings (a source id, a key). */
json_t *srv_cursor_bytes(char tag, const uint8_t *b, size_t n, bool done);

#endif
