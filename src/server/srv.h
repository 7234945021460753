/* SPDX-License-Identifier: MIT */
/*
 * srv.h -- what the files of the stemedb server share: the server, one request and its
 * answer, and the route table.
 *
 * The server is a thin face over libsteme (DESIGN §8). http.c owns libmicrohttpd: it reads a
 * request, finds its route (router.c), authenticates it (auth.c), applies the limits
 * (limits.c), calls the route's handler and sends what the handler left in req->resp. A
 * handler never touches libmicrohttpd except to build a streaming answer (watch.c): it reads
 * its parameters through srv_param() / srv_body_json() and answers with srv_ok() or
 * srv_fail(). Names shared between these files carry the prefix srv_.
 */
#ifndef STEME_SERVER_SRV_H
#define STEME_SERVER_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "steme.h"
#include "write_pool.h"

struct MHD_Connection;
struct MHD_Response;

typedef struct srv srv;
typedef struct srv_config srv_config;
typedef struct srv_metrics srv_metrics;
typedef struct srv_limiter srv_limiter;
typedef struct srv_watch srv_watch;
typedef struct srv_rcache srv_rcache;
typedef struct srv_rbody srv_rbody;

/* Which body limit a route's request body is held to (STEMEDB_MAX_BODY_*). */
typedef enum srv_body {
    SRV_BODY_NONE = 0, /* no body expected: anything sent is held to the read limit */
    SRV_BODY_READ,     /* a query or a small admin document */
    SRV_BODY_INGEST,   /* batches of records */
} srv_body;

/* The answer a handler leaves for http.c to send. */
typedef struct srv_resp {
    unsigned status;
    json_t *json;    /* body as JSON (owned), or NULL */
    srv_rbody *body; /* body already rendered (a reference, owned; render_cache.h), or NULL */
    char *text;      /* body as text (owned, malloc'ed), or NULL */
    size_t text_len;
    const char *ctype;           /* content type of text (static) */
    struct MHD_Response *stream; /* a streaming answer built by the handler (watch.c) */
    char etag[72];               /* "" or the ETag value, quoted */
    unsigned retry_after;        /* seconds, for 429 / 503; 0 = none */
    char location[160];          /* "" or a Location header */
} srv_resp;

/* One request, from its first byte to the completion callback. */
typedef struct srv_req {
    srv *s;
    struct MHD_Connection *conn;
    const struct srv_route *route;
    char method[8];
    const char *params[4]; /* the route's {captures}, decoded; see srv_param() */
    size_t nparams;
    char *param_buf;    /* storage of params (in arg_buf while it fits) */
    char *args[2 * 16]; /* query arguments, decoded: name, value, ... */
    size_t nargs;
    char arg_buf[512]; /* where the arguments are decoded while they fit (else malloc) */
    size_t arg_used;
    bool args_bad;  /* a bad escape, or more than 16 arguments */
    char allow[64]; /* the methods of the path, for a 405 */
    char *body;     /* the request body (NUL-terminated), or NULL */
    size_t body_len;
    size_t body_cap;
    size_t body_limit;
    bool body_too_large;
    char ip[48];                          /* the client's address as text */
    char request_id[24];                  /* 16 hex digits, also sent as X-Request-Id */
    steme_apikey_role role;               /* the caller's role (0 = anonymous) */
    char key_id[STEME_APIKEY_ID_HEX + 1]; /* "" when anonymous */
    uint64_t started_ns;                  /* monotonic */
    uint64_t handler_ns;                  /* time spent in the handler */
    const char *lens; /* for the lens latency metric: set by the query handlers */
    bool handled;
    srv_wjob job; /* a write handler's run on the write pool (write_pool.h) */
    srv_resp resp;
} srv_req;

typedef void (*srv_handler)(srv_req *r);

typedef struct srv_route {
    const char *method;     /* "GET", "POST", "DELETE" */
    const char *pattern;    /* "/v1/records/{id}": a {name} matches one path segment; the first
                             * five characters are literal (srv_routes_valid) */
    steme_apikey_role role; /* least role allowed; 0 = anyone, even without a key */
    srv_body body;
    srv_handler fn;
    const char *name; /* the metric label and OpenAPI operationId: "records.get" */
} srv_route;

/* The route table (routes.c), ended by a zero entry. */
extern const srv_route srv_routes[];

/* ---- the server (http.c) -------------------------------------------------------------- */

struct srv {
    steme_db *db;
    const srv_config *cfg;
    srv_metrics *metrics;
    srv_limiter *limiter;
    srv_watch *watch;
    srv_rcache *rcache; /* rendered query answers; NULL when disabled */
    srv_wpool *wpool;   /* runs the write routes' handlers; NULL: they run inline */
    struct MHD_Daemon *mhd;
    uint16_t port;            /* the port actually bound */
    char *tls_cert, *tls_key; /* PEM texts, alive while the daemon runs */
    bool tls;
    bool stopping;          /* SIGTERM received: /v1/ready answers 503 */
    unsigned long inflight; /* requests between their first byte and their completion */
};

/* Start serving db with cfg. Errors are printed (as a structured log line) and reported as
 * false. */
bool srv_start(srv *s, steme_db *db, const srv_config *cfg);

/* Refuse new connections (closed as they are accepted), end every watch stream, wait up to
 * drain_ms for in-flight requests, stop. Returns the requests still in flight when the wait
 * ended (0 = drained). */
unsigned long srv_stop(srv *s, unsigned drain_ms);

/* Copy src into dst[cap] (cap > 0), cut to fit and always terminated: snprintf's "%s"
 * without its format parser, a few hundred instructions a request (request.c). */
void srv_copy(char *dst, size_t cap, const char *src);

/* ---- reading a request (request.c) ---------------------------------------------------- */

/* The route capture called name ("id"), or NULL. */
const char *srv_param(const srv_req *r, const char *name);

/* A query-string argument, or NULL. */
const char *srv_arg(const srv_req *r, const char *name);

/* A request header, or NULL. */
const char *srv_header(const srv_req *r, const char *name);

/*
 * The body parsed as a JSON object. On failure answers 400 (malformed JSON, with line and
 * column, or "body: must be a JSON object") and returns NULL. The result is owned by the
 * caller.
 */
json_t *srv_body_json(srv_req *r);

/* Query-string helpers: on a malformed value they answer 400 naming the argument and return
 * false. A missing argument leaves *ret untouched and returns true. */
bool srv_arg_u64(srv_req *r, const char *name, uint64_t *ret);
bool srv_arg_bool(srv_req *r, const char *name, bool *ret);
bool srv_arg_size(srv_req *r, const char *name, size_t max, size_t *ret);

/* ---- answering (request.c) ------------------------------------------------------------ */

/* 200 (or status) with j as the body (stolen; NULL answers 500 "out of memory"). */
void srv_ok(srv_req *r, json_t *j);
/* 200 with a body already rendered (stolen: the caller's reference), its ETag included. */
void srv_ok_rendered(srv_req *r, srv_rbody *b);
void srv_reply(srv_req *r, unsigned status, json_t *j);

/* An error answer {"error": code, "message": message, "field": field}. field may be NULL. */
void srv_fail(srv_req *r, unsigned status, const char *code, const char *field, const char *fmt,
              ...) __attribute__((format(printf, 5, 6)));

/* An error answer for a libsteme error: the status and code that fit err, the field and rule
 * of ei when it names them. what (may be NULL) prefixes the message ("record 3"). */
void srv_fail_err(srv_req *r, steme_err err, const steme_errinfo *ei, const char *what);

/* The HTTP status and stable code of a libsteme error. */
unsigned srv_err_status(steme_err err);
const char *srv_err_code(steme_err err);

/* Serialise j compactly with the CLI's number formatting; malloc'ed, NULL when out of memory. */
char *srv_json_dumps(const json_t *j, size_t *len);

/* ---- small helpers (request.c) -------------------------------------------------------- */

uint64_t srv_now_ns(void);

#endif
