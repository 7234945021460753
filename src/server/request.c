/* SPDX-License-Identifier: MIT */
/*
 * request.c -- reading a request (route captures, query arguments, headers, the JSON body)
 * and answering it (JSON documents and errors in the one error shape of DESIGN §8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <microhttpd.h>

#include "addr_text.h"
#include "render_cache.h"
#include "request_int.h"
#include "srv.h"
#include "views.h"

uint64_t
srv_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

char *
srv_json_dumps(const json_t *j, size_t *len)
{
    char *s = steme__json_dumps(j, 0);
    if (s && len)
        *len = strlen(s);
    return s;
}

/* ---- request internals --------------------------------------------------------------- */

/* Request ids only need to tell requests apart in the log, not to be secret: each worker
 * thread runs splitmix64 from a random seed taken once, rather than a getrandom() system call
 * per request. Different threads start at unrelated points of the 2^64 sequence. */
static _Thread_local uint64_t id_state;
static _Thread_local bool id_seeded;

void
srv_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ---- request memory ------------------------------------------------------------------- */

/* A request is 1.4 KB, past glibc's small bins: allocating one made malloc consolidate its
 * fast bins first, on every request (the two were 12.6 % of the server's perf samples under
 * load, 1.1 % after; 5 % fewer instructions per cache-hit request: docs/benchmarks.md). A
 * thread keeps the memory of its last few finished requests for its next ones instead; a
 * thread's key destructor frees what it kept when it exits. */
#define KEPT 4

typedef struct kept_reqs {
    srv_req *r[KEPT];
    unsigned n;
} kept_reqs;

static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void
kept_free(void *p)
{
    kept_reqs *k = p;
    for (unsigned i = 0; i < k->n; i++)
        free(k->r[i]);
    free(k);
}

static void
kept_init(void)
{
    if (pthread_key_create(&kept_key, kept_free) != 0)
        abort(); /* only when the process is out of keys: nothing can be served anyway */
}

static kept_reqs *
kept(void)
{
    pthread_once(&kept_once, kept_init);
    kept_reqs *k = pthread_getspecific(kept_key);
    if (!k && (k = calloc(1, sizeof(*k))) != NULL && pthread_setspecific(kept_key, k) != 0) {
        free(k);
        k = NULL;
    }
    return k;
}

srv_req *
srv_req_new(void)
{
    kept_reqs *k = kept();
    if (k && k->n > 0) {
        srv_req *r = k->r[--k->n];
        memset(r, 0, sizeof(*r));
        return r;
    }
    return calloc(1, sizeof(srv_req));
}

static void
release(srv_req *r)
{
    kept_reqs *k = kept();
    if (k && k->n < KEPT)
        k->r[k->n++] = r;
    else
        free(r);
}

void
srv_req_new_id(srv_req *r)
{
    if (!id_seeded) {
        if (getrandom(&id_state, sizeof(id_state), GRND_NONBLOCK) != (ssize_t)sizeof(id_state))
            id_state = srv_now_ns() ^ (uint64_t)(uintptr_t)&id_state;
        id_seeded = true;
    }
    uint64_t z = (id_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        r->request_id[i] = hex[(z >> (60 - 4 * i)) & 15];
    r->request_id[16] = '\0';
}

void
srv_req_set_ip(srv_req *r, const struct sockaddr *sa)
{
    srv_addr_text(sa, r->ip);
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool
srv_percent_decode(const char *s, size_t n, char *out)
{
    /* Most arguments have no escape: everything before the first '%' is copied as it is. */
    const char *pct = memchr(s, '%', n);
    size_t o = pct ? (size_t)(pct - s) : n;
    if (memchr(s, '\0', o) != NULL)
        return false;
    memcpy(out, s, o);
    for (size_t i = o; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int h, l;
            if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 || (l = hexval(s[i + 2])) < 0)
                return false;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (c == '\0')
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

/* Does pattern match path? Captures go to r->params (decoded into r->param_buf). */
static bool
match(srv_req *r, const char *pattern, const char *path, bool capture)
{
    const char *p = pattern, *u = path;
    char *buf = r->param_buf;
    size_t np = 0;
    while (*p && *u) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *ue = strchr(u, '/');
            if (!ue)
                ue = u + strlen(u);
            if (ue == u)
                return false;
            if (capture) {
                if (np == sizeof(r->params) / sizeof(r->params[0]) ||
                    !srv_percent_decode(u, (size_t)(ue - u), buf))
                    return false;
                r->params[np++] = buf;
                buf += strlen(buf) + 1;
            }
            p = pe + 1;
            u = ue;
            continue;
        }
        if (*p != *u)
            return false;
        p++;
        u++;
    }
    if (*p || *u)
        return false;
    if (capture)
        r->nparams = np;
    return true;
}

/* Room for a decoded argument (decoding never lengthens one): in the request's own buffer
 * while it lasts, so that a typical query costs no allocation per argument. */
static char *
arg_alloc(srv_req *r, size_t n)
{
    if (n <= sizeof(r->arg_buf) - r->arg_used) {
        char *p = r->arg_buf + r->arg_used;
        r->arg_used += n;
        return p;
    }
    return malloc(n);
}

static void
arg_free(srv_req *r, char *p)
{
    uintptr_t at = (uintptr_t)p, buf = (uintptr_t)r->arg_buf;
    if (at - buf >= sizeof(r->arg_buf)) /* outside the buffer (NULL included): malloc'ed */
        free(p);
}

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    srv_req *r = cls;
    if (r->nargs + 2 > sizeof(r->args) / sizeof(r->args[0])) {
        r->args_bad = true;
        return MHD_NO;
    }
    size_t kl = strlen(key), vl = value ? strlen(value) : 0;
    char *k = arg_alloc(r, kl + 1), *v = arg_alloc(r, vl + 1);
    if (!k || !v || !srv_percent_decode(key, kl, k) ||
        !srv_percent_decode(value ? value : "", vl, v)) {
        arg_free(r, k);
        arg_free(r, v);
        r->args_bad = true;
        return MHD_NO;
    }
    r->args[r->nargs++] = k;
    r->args[r->nargs++] = v;
    return MHD_YES;
}

bool
srv_routes_valid(void)
{
    for (const srv_route *rt = srv_routes; rt->pattern; rt++)
        if (strlen(rt->pattern) < 5 || memchr(rt->pattern, '{', 5) != NULL)
            return false;
    return true;
}

bool
srv_req_route(srv_req *r, const char *url)
{
    size_t ul = strlen(url);
    if (ul > 4096) {
        srv_fail(r, 414, "too_large", "path", "the path is longer than 4096 bytes");
        return false;
    }
    const srv_route *found = NULL;
    r->allow[0] = '\0';
    for (const srv_route *rt = srv_routes; rt->pattern; rt++) {
        /* Every pattern's first five characters are literal ("/v1/X" or "/metrics"): a
         * different fifth character rules a route out without walking the shared "/v1/". */
        if (ul > 4 && rt->pattern[4] != url[4])
            continue;
        if (!match(r, rt->pattern, url, false))
            continue;
        if (strcmp(rt->method, r->method) == 0 ||
            (strcmp(r->method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
            found = rt;
            break;
        }
        size_t al = strlen(r->allow);
        if (!strstr(r->allow, rt->method) && al + strlen(rt->method) + 3 < sizeof(r->allow))
            snprintf(r->allow + al, sizeof(r->allow) - al, "%s%s", al ? ", " : "", rt->method);
    }
    if (!found) {
        if (r->allow[0])
            srv_fail(r, 405, "method_not_allowed", NULL, "%s is not allowed on %s (allowed: %s)",
                     r->method, url, r->allow);
        else
            srv_fail(r, 404, "not_found", "path", "no route for this path (see /v1/openapi.json)");
        return false;
    }
    /* The captures, decoded: never longer than the path, and in the request's own buffer
     * while that lasts (arg_alloc), like the arguments after them. */
    if (strchr(found->pattern, '{') && (r->param_buf = arg_alloc(r, ul + 8)) == NULL) {
        srv_fail(r, 500, "no_memory", NULL, "out of memory");
        return false;
    }
    if (!match(r, found->pattern, url, true)) {
        srv_fail(r, 400, "invalid", "path", "a path segment has a bad percent-escape");
        return false;
    }
    r->route = found;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg, r);
    if (r->args_bad) {
        srv_fail(r, 400, "invalid", "query",
                 "a query argument has a bad percent-escape, or there "
                 "are more than 16");
        r->route = NULL;
        return false;
    }
    return true;
}

void
srv_req_free(srv_req *r)
{
    for (size_t i = 0; i < r->nargs; i++)
        arg_free(r, r->args[i]);
    json_decref(r->resp.json);
    srv_rbody_unref(r->resp.body);
    free(r->resp.text);
    arg_free(r, r->param_buf);
    free(r->body);
    release(r);
}

/* ---- reading ------------------------------------------------------------------------- */

const char *
srv_param(const srv_req *r, const char *name)
{
    if (!r->route)
        return NULL;
    size_t i = 0, nl = strlen(name);
    for (const char *p = strchr(r->route->pattern, '{'); p && i < r->nparams;
         p = strchr(p + 1, '{'), i++)
        if (strncmp(p + 1, name, nl) == 0 && p[1 + nl] == '}')
            return r->params[i];
    return NULL;
}

const char *
srv_arg(const srv_req *r, const char *name)
{
    for (size_t i = 0; i + 1 < r->nargs; i += 2)
        if (strcmp(r->args[i], name) == 0)
            return r->args[i + 1];
    return NULL;
}

const char *
srv_header(const srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

json_t *
srv_body_json(srv_req *r)
{
    if (!r->body || r->body_len == 0) {
        srv_fail(r, 400, "invalid", "body", "a JSON object is required");
        return NULL;
    }
    json_error_t e;
    json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
    if (!j) {
        srv_fail(r, 400, "invalid", "body", "malformed JSON at line %d, column %d: %s", e.line,
                 e.column, e.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        srv_fail(r, 400, "invalid", "body", "must be a JSON object");
        return NULL;
    }
    return j;
}

bool
srv_arg_u64(srv_req *r, const char *name, uint64_t *ret)
{
    const char *s = srv_arg(r, name);
    if (!s)
        return true;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || errno || *end || (s[0] == '0' && s[1])) {
        srv_fail(r, 400, "invalid", name, "%s: must be a non-negative integer", name);
        return false;
    }
    *ret = v;
    return true;
}

bool
srv_arg_size(srv_req *r, const char *name, size_t max, size_t *ret)
{
    uint64_t v = *ret;
    if (!srv_arg_u64(r, name, &v))
        return false;
    if (v < 1 || v > max) {
        srv_fail(r, 400, "invalid", name, "%s: must be from 1 to %zu", name, max);
        return false;
    }
    *ret = (size_t)v;
    return true;
}

bool
srv_arg_bool(srv_req *r, const char *name, bool *ret)
{
    const char *s = srv_arg(r, name);
    if (!s)
        return true;
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0 || *s == '\0')
        *ret = true;
    else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
        *ret = false;
    else {
        srv_fail(r, 400, "invalid", name, "%s: must be true or false", name);
        return false;
    }
    return true;
}

/* ---- answering ----------------------------------------------------------------------- */

void
srv_reply(srv_req *r, unsigned status, json_t *j)
{
    json_decref(r->resp.json);
    r->resp.json = NULL;
    srv_rbody_unref(r->resp.body);
    r->resp.body = NULL;
    r->handled = true;
    if (!j) {
        r->resp.status = 500;
        r->resp.json =
            json_pack("{s:s, s:s, s:n}", "error", "no_memory", "message", "out of memory", "field");
        return;
    }
    r->resp.status = status;
    r->resp.json = j;
}

void
srv_ok(srv_req *r, json_t *j)
{
    srv_reply(r, 200, j);
}

void
srv_ok_rendered(srv_req *r, srv_rbody *b)
{
    json_decref(r->resp.json);
    r->resp.json = NULL;
    srv_rbody_unref(r->resp.body);
    r->handled = true;
    r->resp.status = 200;
    r->resp.body = b;
    srv_copy(r->resp.etag, sizeof(r->resp.etag), b->etag);
}

void
srv_fail(srv_req *r, unsigned status, const char *code, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Messages may quote client input: json_string refuses bad UTF-8, so fall back. */
    json_t *m = json_string(msg);
    if (!m)
        m = json_string("(message not UTF-8)");
    json_t *f = field ? json_string(field) : json_null();
    if (!f)
        f = json_string("?");
    srv_reply(r, status, json_pack("{s:s, s:o, s:o}", "error", code, "message", m, "field", f));
}

unsigned
srv_err_status(steme_err err)
{
    if (steme_err_is_sys(err))
        return 500;
    switch (err) {
    case STEME_EINVAL:
    case STEME_ESIG:
    case STEME_ELIMIT:
        return 400;
    case STEME_ENOTFOUND:
        return 404;
    case STEME_EEXIST:
        return 409;
    case STEME_EBUSY:
        return 503;
    case STEME_EDENIED:
        return 403;
    default:
        return 500;
    }
}

const char *
srv_err_code(steme_err err)
{
    return steme__json_err_code(err);
}

void
srv_fail_err(srv_req *r, steme_err err, const steme_errinfo *ei, const char *what)
{
    const char *field = ei && ei->field ? ei->field : NULL;
    const char *rule = ei && ei->rule ? ei->rule : steme_strerror(err);
    if (what)
        srv_fail(r, srv_err_status(err), srv_err_code(err), field, "%s: %s%s%s", what,
                 field ? field : "", field ? ": " : "", rule);
    else
        srv_fail(r, srv_err_status(err), srv_err_code(err), field, "%s%s%s", field ? field : "",
                 field ? ": " : "", rule);
}
