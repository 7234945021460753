/* SPDX-License-Identifier: MIT */
/*
 * remote.h -- remote mode of the steme command line (docs/remote.md): the same commands as
 * embedded mode, run against a stemedb server named by --url or $STEME_URL, with the API key
 * from $STEME_API_KEY.
 *
 * A command parses its line as always, then takes its documents from the server instead of the
 * store, and prints them with the same printer: the server answers with the JSON views the
 * command builds itself in embedded mode (src/json/views.h), so `--json` output is the same
 * in both modes. Records are built and signed here with the same code and key files as in
 * embedded mode and posted to the typed write routes; the server never sees a private key.
 *
 * Errors read as embedded mode's: a refused record is "steme: CMD: FIELD: RULE" with the
 * field named as in the record's JSON form; other server errors are its message; a server
 * that cannot be reached is named with the cause. The API key is never printed: 401 and 403
 * say whether it is missing, refused or too weak, never what it is.
 */
#ifndef STEME_CLI_REMOTE_H
#define STEME_CLI_REMOTE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cli.h"
#include "http_client.h"

/* Is c in remote mode (cli_args_mode() settled it)? */
static inline bool
cli_remote(const cli *c)
{
    return c->url != NULL;
}

/*
 * The store a command works on: opened (embedded mode) or the server's (remote mode, *ret
 * set to NULL). Commands that have a remote mode call this rather than cli_db_open(), which
 * refuses remote mode. Returns CLI_CONTINUE or an exit status, as cli_db_open().
 */
int cli_store_open(cli *c, bool read_only, steme_db **ret);

/* ---------------------------------------------------------------------------------------------
 * Requests
 */

/* A request path being built: segments, percent-encoded, then query arguments. Out of memory
 * is remembered and reported by cli_remote_call(). */
typedef struct cli_path {
    char *s;
    size_t len, cap;
    bool query; /* a '?' was written */
    bool oom;
} cli_path;

/* Start a path with base, written as it is ("/v1/records"). */
void cli_path_init(cli_path *p, const char *base);
/* Append "/" and seg, percent-encoded (a source id may hold '/' or ':'). */
void cli_path_seg(cli_path *p, const char *seg);
/* Append name=value (value percent-encoded), or name=N. */
void cli_path_arg(cli_path *p, const char *name, const char *value);
void cli_path_arg_u64(cli_path *p, const char *name, uint64_t value);
void cli_path_free(cli_path *p);

/*
 * Send METHOD path (body: a JSON document, or NULL for none) to the server with the API key.
 * Returns CLI_CONTINUE with *reply filled whatever the status (free it with
 * cli_http_reply_free()), or reports a request that got no answer (the URL and the cause)
 * and returns CLI_EXIT_FAIL.
 */
int cli_remote_call(cli *c, const char *method, const cli_path *path, const json_t *body,
                    cli_http_reply *reply);

/* Report an unsuccessful reply as embedded mode reports errors (the server's code, message
 * and field; 401 and 403 explained). Returns CLI_EXIT_FAIL. */
int cli_remote_fail(cli *c, const cli_http_reply *reply);

/*
 * GET path and take the document of a 200 answer (*ret, owned by the caller). When not_found
 * is not NULL, a 404 sets it and returns CLI_CONTINUE with *ret NULL, for the caller to word
 * as embedded mode does; anything else that is not a 200 is reported. Returns CLI_CONTINUE or
 * an exit status.
 */
int cli_remote_get(cli *c, const cli_path *path, json_t **ret, bool *not_found);

/* The same for POST with a JSON body (body is not stolen). */
int cli_remote_post(cli *c, const cli_path *path, const json_t *body, json_t **ret);

/*
 * Page through a listing: GET path (with its own arguments) plus limit and cursor, until want
 * items were taken (0: all) or next_cursor is null. after (0: none) is a log position the
 * first page starts after (?after=); the next pages continue from the cursor. Each item of the
 * array member `member` is given to fn, which returns CLI_CONTINUE or an exit status that
 * stops the walk. *ret_more (may be NULL) tells whether items were left. Returns CLI_CONTINUE
 * or an exit status.
 */
typedef int (*cli_remote_item_fn)(cli *c, const json_t *item, void *ctx);
int cli_remote_pages(cli *c, const cli_path *path, uint64_t after, const char *member,
                     uint64_t want, cli_remote_item_fn fn, void *ctx, bool *ret_more);

/* The same for the listings paged by row number (the query audit, the admin log): ?from= the
 * first row (0: the oldest), and the next page from the answer's next_from (0: no more). */
int cli_remote_pages_from(cli *c, const cli_path *path, uint64_t from, const char *member,
                          uint64_t want, cli_remote_item_fn fn, void *ctx);

/* ---------------------------------------------------------------------------------------------
 * Records
 */

/*
 * Sign rec with kp and POST it to route ("/v1/votes") as {"records": [{"record", "signature"}]}.
 * On success *ret is the server's answer for it without "index": {"id", "seq", "status", and
 * what the record did} -- the document embedded mode builds (views.h). A refused record is
 * reported as embedded mode reports it. Returns CLI_CONTINUE or an exit status.
 */
int cli_remote_store(cli *c, const cli_path *route, const steme_record *rec,
                     const steme_keypair *kp, json_t **ret);

/* A refused record's answer item ({"error", "field": "records[i].record.F", "rule"}) reported
 * as embedded mode reports a refusal: "[PREFIX: ]F: RULE", field F. prefix may be NULL; extra
 * as for cli_error_extra(). Returns CLI_EXIT_FAIL. */
int cli_remote_refusal(cli *c, const json_t *item, json_t *extra, const char *prefix);

/* The record GET /v1/records/{id-or-seq} names (as_of: 0 for now): CLI_CONTINUE with *ret,
 * or with *ret NULL when there is none. Returns an exit status on other errors. */
int cli_remote_entry(cli *c, const char *ref, json_t **ret);

#endif
