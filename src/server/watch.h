/* SPDX-License-Identifier: MIT */
/*
 * watch.h -- the change feed: Server-Sent Events at /v1/watch.
 *
 * A watcher names a subject (and optionally a predicate) and a lens. One notifier thread
 * follows the log; when the log moves past what a watcher has seen, it re-evaluates the
 * watcher's query and, when a conclusion changed (another winner, a winner appearing or
 * going), queues an event whose id is the log position. The stream's connection is
 * suspended while it has nothing to send and resumed by the notifier, so an idle watcher
 * costs no thread. A client that reconnects with Last-Event-ID: POSITION first receives the
 * conclusion changes between that position and now.
 */
#ifndef STEME_SERVER_WATCH_H
#define STEME_SERVER_WATCH_H

#include "srv.h"

srv_watch *srv_watch_new(srv *s);
void srv_watch_start(srv_watch *w);

/* Tell the notifier the log may have moved (after an ingest): it looks at once instead of at
 * its next poll. */
void srv_watch_poke(srv_watch *w);

/* End every stream (at shutdown) and stop the notifier. */
void srv_watch_stop(srv_watch *w);
void srv_watch_free(srv_watch *w);

/* Streams open now (for /metrics). */
unsigned srv_watch_count(srv_watch *w);

/* GET /v1/watch */
void srv_api_watch(srv_req *r);

#endif
