/* SPDX-License-Identifier: MIT */
/*
 * log.h -- structured logs: one JSON object per line on stderr, {"ts", "level", "event", ...}.
 *
 * What a line may carry is decided by its caller, and no caller passes a key, a token or a
 * request body: the request line logs the route, status, timing, the caller's key *id* and
 * the request id. Lines are written whole under a lock, so concurrent threads never interleave.
 */
#ifndef STEME_SERVER_LOG_H
#define STEME_SERVER_LOG_H

#include <stdbool.h>

#include <jansson.h>

typedef enum srv_level { SRV_DEBUG, SRV_INFO, SRV_WARN, SRV_ERROR } srv_level;

/* Lines below level are dropped. */
void srv_log_set_level(const char *name);

/* Whether a line at level would be written: a caller whose fields cost something to build
 * (the request line) asks first, so that below the level nothing is built or locked. */
bool srv_log_enabled(srv_level level);

/* Log one event: fields (may be NULL, stolen) adds members after ts, level and event. */
void srv_log(srv_level level, const char *event, json_t *fields);

/* Log one event with a message formatted like printf. */
void srv_logf(srv_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
