/* SPDX-License-Identifier: MIT */
/*
 * render_cache.h -- rendered answers kept for reuse: the bytes of a query's response body and
 * its ETag, keyed by the canonical bytes of every parameter that shapes the body
 * (srv_qp_key()), and valid only while the engine answers at the same log position.
 *
 * Why it is sound: an answer is a deterministic function of its query and the log position it
 * answers at -- the contract receipts rest on: every change to the store appends to the log,
 * and the answer names the position. For a query at the latest position the server reads the
 * log's last position first, and a hit there is sent without running the query (unless the
 * query is audited: the engine writes the audit); otherwise the query runs, and a hit saves
 * building and serialising the document. A query at an earlier position (as_of, as_of_time) is also
 * shown with the current standing of sources (docs/lenses.md "Queries"), so its entry is valid only
 * while the log's end is where it was too: the caller passes both positions.
 *
 * Bodies are reference counted: a response being sent holds its own reference, so an entry
 * can be replaced or evicted while a slow client still reads it. The cache is an LRU bounded
 * by bytes (entry, key and body), split in shards by the key's hash, each with its own lock,
 * so that the worker threads do not queue on one mutex.
 */
#ifndef STEME_SERVER_RENDER_CACHE_H
#define STEME_SERVER_RENDER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An immutable response body with its ETag; data is NUL-terminated after len bytes. */
typedef struct srv_rbody {
    unsigned refs; /* atomic */
    size_t len;
    char etag[72]; /* "" or the quoted ETag */
    char data[];
} srv_rbody;

/* A body of len bytes (copied from data) with etag (may be ""): one reference, the caller's.
 * NULL when out of memory. */
srv_rbody *srv_rbody_new(const char *etag, const char *data, size_t len);
srv_rbody *srv_rbody_ref(srv_rbody *b);
void srv_rbody_unref(srv_rbody *b); /* accepts NULL */

typedef struct srv_rcache srv_rcache;

/* A cache of at most max_bytes; NULL when max_bytes is 0 (disabled) or out of memory. */
srv_rcache *srv_rcache_new(uint64_t max_bytes);
void srv_rcache_free(srv_rcache *c); /* accepts NULL */

/* The body kept for key at (position, log_end), a new reference, or NULL (counted as a miss;
 * c may be NULL, then nothing is counted). */
srv_rbody *srv_rcache_get(srv_rcache *c, const void *key, size_t key_len, uint64_t position,
                          uint64_t log_end);

/* Keep b (a reference is taken) for key at (position, log_end), replacing an entry of the key
 * answered at an earlier or equal position; a body too large for a shard is not kept. c may be
 * NULL. */
void srv_rcache_put(srv_rcache *c, const void *key, size_t key_len, uint64_t position,
                    uint64_t log_end, srv_rbody *b);

typedef struct srv_rcache_stats {
    uint64_t hits, misses, evictions;
    uint64_t entries, bytes, capacity;
} srv_rcache_stats;

void srv_rcache_stats_get(srv_rcache *c, srv_rcache_stats *ret);

#endif
