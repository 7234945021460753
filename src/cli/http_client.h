/* SPDX-License-Identifier: MIT */
/*
 * http_client.h -- the steme command line's HTTP client (libcurl): one JSON request to a
 * stemedb server, for remote mode (--url / STEME_URL) and `steme demo tour`.
 *
 * The API key comes from STEME_API_KEY and travels only in the Authorization header: it is
 * never printed, not even by a failing request's message.
 */
#ifndef STEME_CLI_HTTP_CLIENT_H
#define STEME_CLI_HTTP_CLIENT_H

#include <stdbool.h>

#include <jansson.h>

/* What a request gave back. */
typedef struct cli_http_reply {
    long status;  /* HTTP status; 0 when no answer came (see error) */
    json_t *json; /* the body parsed as JSON, or NULL */
    char *body;   /* the raw body, NUL-terminated (may be NULL) */
    size_t body_len;
    char error[256]; /* a transport error ("connection refused"), "" otherwise */
    char etag[96];   /* the ETag header, "" when none */
} cli_http_reply;

/*
 * Send METHOD base_url + path (path begins with '/', query string already encoded) with body
 * (may be NULL: no body; else sent as application/json) and the token (may be NULL or "").
 * Returns true when an answer came, whatever its status; false with reply->error set when the
 * server could not be reached. Free with cli_http_reply_free().
 */
bool cli_http(const char *base_url, const char *token, const char *method, const char *path,
              const char *body, cli_http_reply *reply);

void cli_http_reply_free(cli_http_reply *reply);

/* Append name=value to a query string being built in *qs (malloc'ed, may start NULL),
 * percent-encoding value. Returns false when out of memory. */
bool cli_http_arg(char **qs, const char *name, const char *value);

#endif
