/* SPDX-License-Identifier: MIT */
/*
 * auth.h -- who is calling: the API key of a request (Authorization: Bearer TOKEN, or
 * X-API-Key: TOKEN) checked against the store's hashed keys, and the route's least role.
 *
 * A route open to anyone needs no key. With STEMEDB_OPEN_READ, reader routes need none
 * either. A key that is sent is always checked, even where none is needed: a revoked or
 * mistyped key is refused (401), never silently treated as anonymous.
 */
#ifndef STEME_SERVER_AUTH_H
#define STEME_SERVER_AUTH_H

#include <stdbool.h>

#include "srv.h"

/* Set r->role and r->key_id; false after answering 401 (no or bad key) or 403 (role too low). */
bool srv_auth(srv_req *r);

/* The bootstrap admin key at start: with STEMEDB_ADMIN_KEY_FILE, import the token in that file
 * (or create one there, mode 0600, if the file does not exist); without it, when the store
 * has no active key, create one and print it once on stdout. False after logging why. */
bool srv_auth_bootstrap(steme_db *db, const char *key_file);

#endif
