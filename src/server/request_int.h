/* SPDX-License-Identifier: MIT */
/*
 * request_int.h -- the parts of a request's life that only http.c calls (request.c).
 */
#ifndef STEME_SERVER_REQUEST_INT_H
#define STEME_SERVER_REQUEST_INT_H

#include <sys/socket.h>

#include "srv.h"

/* A zeroed request (NULL when out of memory); srv_req_free gives it back. */
srv_req *srv_req_new(void);

/* A fresh random request id in r->request_id. */
void srv_req_new_id(srv_req *r);

/* The client address as text in r->ip ("-" when unknown). */
void srv_req_set_ip(srv_req *r, const struct sockaddr *sa);

/* Whether the route table keeps the router's rule: the first five characters of every
 * pattern are literal (no {name}). srv_start refuses to serve a table that breaks it. */
bool srv_routes_valid(void);

/* Find the route of (r->method, url), decode its captures and the query arguments. False
 * when there is none: the 400, 404 or 405 answer is then in r->resp. */
bool srv_req_route(srv_req *r, const char *url);

void srv_req_free(srv_req *r);

/* Percent-decode s[0..n) into out (capacity n + 1). False on a bad escape or an embedded
 * NUL. '+' is kept (libmicrohttpd already turned '+' in query arguments into spaces). */
bool srv_percent_decode(const char *s, size_t n, char *out);

#endif
