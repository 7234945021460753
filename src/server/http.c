/* SPDX-License-Identifier: MIT */
/*
 * http.c -- libmicrohttpd: the daemon (an epoll thread pool), and the life of one request:
 * route, body under its limit, authentication, rate limits, handler, answer, metrics and the
 * request's log line.
 *
 * libmicrohttpd calls the access handler several times per request: once with the headers,
 * then once per piece of the body, then once with no data. The first call finds the route
 * and refuses what can be refused before the body is read (unknown route, body declared too
 * large); the last one does the work -- except for the write routes, whose handler runs on
 * the write pool (write_pool.h) while the connection is suspended; the call that follows its
 * resumption sends the answer. Paths and query arguments are kept percent-encoded by
 * libmicrohttpd (our unescape callback is the identity) and decoded here segment by segment,
 * so that an id containing "/" (a subject, a source) can be sent as %2F.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "auth.h"
#include "config.h"
#include "limits.h"
#include "log.h"
#include "metrics.h"
#include "render_cache.h"
#include "request_int.h"
#include "srv.h"
#include "watch.h"

/* s->inflight is counted with atomics; the lock and condition only serve srv_stop()'s wait,
 * so that requests do not take a global mutex twice each. A request ending after stopping
 * was set wakes the waiter (sequentially consistent: either the waiter sees the count drop,
 * or the request sees stopping and broadcasts under the lock). */
static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t inflight_cond = PTHREAD_COND_INITIALIZER;

static size_t
unescape_identity(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

/* Once serving, libmicrohttpd's messages are about clients (a malformed request, a peer
 * that hung up): debug, so that garbage sent by an attacker cannot flood the log. Before, they
 * explain why the daemon did not start. */
static bool serving;

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    srv_logf(serving ? SRV_DEBUG : SRV_WARN, "http.library", "%s", msg);
}

/* ---- sending ------------------------------------------------------------------------- */

/* libmicrohttpd is done with a rendered body: drop the response's reference. */
static void
release_body(void *cls)
{
    srv_rbody_unref(cls);
}

static enum MHD_Result
send_resp(srv_req *r)
{
    srv_resp *rp = &r->resp;
    struct MHD_Response *resp = rp->stream;
    if (!resp && rp->body && rp->status != 304) {
        /* Sent from the rendered bytes themselves, which the response keeps alive. */
        resp = MHD_create_response_from_buffer_with_free_callback_cls(rp->body->len, rp->body->data,
                                                                      release_body, rp->body);
        if (!resp)
            return MHD_NO;
        rp->body = NULL;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    }
    if (!resp) {
        char *body = NULL;
        size_t len = 0;
        const char *ctype = "application/json";
        if (rp->json) {
            body = srv_json_dumps(rp->json, &len);
            if (body) {
                /* A newline ends every JSON body: friendlier to curl and to line readers. */
                char *nb = realloc(body, len + 2);
                if (nb) {
                    body = nb;
                    body[len++] = '\n';
                    body[len] = '\0';
                }
            }
        } else if (rp->text) {
            body = rp->text;
            len = rp->text_len;
            rp->text = NULL;
            ctype = rp->ctype ? rp->ctype : "text/plain; charset=utf-8";
        }
        if (rp->status == 304) {
            free(body);
            body = NULL;
            len = 0;
        }
        resp = MHD_create_response_from_buffer(
            len, body ? body : (void *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        if (!resp) {
            free(body);
            return MHD_NO;
        }
        if (len || rp->status != 304)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    }
    rp->stream = NULL;
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    /* A tagged answer may be kept by its client, which must revalidate it with If-None-Match
     * (what the tag is for); nothing else is kept, and no shared cache keeps anything. */
    MHD_add_response_header(resp, "Cache-Control", rp->etag[0] ? "private, no-cache" : "no-store");
    if (rp->etag[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, rp->etag);
    if (rp->location[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, rp->location);
    if (rp->retry_after) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%u", rp->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (rp->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (rp->status == 405 && r->route == NULL && r->allow[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->s->tls)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    enum MHD_Result ret = MHD_queue_response(r->conn, rp->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- one request --------------------------------------------------------------------- */

/* The first call: a new request. Returns NULL when out of memory. */
static srv_req *
begin(srv *s, struct MHD_Connection *conn, const char *url, const char *method)
{
    srv_req *r = srv_req_new();
    if (!r)
        return NULL;
    r->s = s;
    r->conn = conn;
    r->started_ns = srv_now_ns();
    srv_req_new_id(r);
    srv_copy(r->method, sizeof(r->method), method);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    srv_req_set_ip(r, ci ? ci->client_addr : NULL);

    __atomic_add_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);

    if (!srv_req_route(r, url))
        return r; /* the answer (400/404/405) is in r->resp */

    /* Refuse a body declared too large before reading it. */
    r->body_limit =
        r->route->body == SRV_BODY_INGEST ? s->cfg->max_body_ingest : s->cfg->max_body_read;
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno == 0 && *end == '\0' && n > r->body_limit)
            r->body_too_large = true;
    }
    return r;
}

/* A piece of the body: kept while under the limit, counted and dropped beyond it. */
static void
take_body(srv_req *r, const char *data, size_t n)
{
    if (r->body_too_large || r->handled)
        return;
    if (r->body_len + n > r->body_limit) {
        r->body_too_large = true;
        free(r->body);
        r->body = NULL;
        r->body_len = r->body_cap = 0;
        return;
    }
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        char *nb = realloc(r->body, cap);
        if (!nb) {
            r->body_too_large = true; /* reported as 413: we cannot hold it */
            return;
        }
        r->body = nb;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
}

static void
run_handler(srv_req *r)
{
    uint64_t t0 = srv_now_ns();
    r->route->fn(r);
    r->handler_ns = srv_now_ns() - t0;
    if (!r->handled)
        srv_fail(r, 500, "internal", NULL, "the handler gave no answer");
}

/* On a write pool thread. Nothing of r is touched after the resumption: libmicrohttpd may
 * then send the answer and free r at once. */
static void
run_deferred(srv_wjob *job)
{
    srv_req *r = (srv_req *)((char *)job - offsetof(srv_req, job));
    struct MHD_Connection *conn = r->conn;
    run_handler(r);
    MHD_resume_connection(conn);
}

/* The last call: check the caller, run the handler -- or hand a write to the pool (true: the
 * connection is suspended, nothing to send yet). */
static bool
finish(srv_req *r)
{
    srv *s = r->s;
    if (r->handled)
        return false;
    if (r->body_too_large) {
        srv_metrics_limited(s->metrics, "body");
        srv_fail(r, 413, "too_large", "body", "the request body exceeds %llu bytes for this route",
                 (unsigned long long)r->body_limit);
        return false;
    }
    unsigned retry;
    if (!srv_limiter_take(s->limiter, SRV_SCOPE_IP, r->ip, &retry)) {
        srv_metrics_limited(s->metrics, "ip");
        srv_fail(r, 429, "rate_limited", NULL, "too many requests from this address");
        r->resp.retry_after = retry;
        return false;
    }
    if (!srv_auth(r))
        return false; /* 401 or 403 answered */
    if (r->key_id[0] && !srv_limiter_take(s->limiter, SRV_SCOPE_KEY, r->key_id, &retry)) {
        srv_metrics_limited(s->metrics, "key");
        srv_fail(r, 429, "rate_limited", NULL, "too many requests with this API key");
        r->resp.retry_after = retry;
        return false;
    }
    /* Reserve, then suspend, then submit: the job cannot resume the connection before it is
     * suspended, and a closing pool leaves the work to this thread. */
    if (r->route->body == SRV_BODY_INGEST && s->wpool && srv_wpool_reserve(s->wpool)) {
        r->job.run = run_deferred;
        MHD_suspend_connection(r->conn);
        srv_wpool_submit(s->wpool, &r->job);
        return true;
    }
    run_handler(r);
    return false;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    srv *s = cls;
    srv_req *r = *con_cls;
    if (!r) {
        if ((r = begin(s, conn, url, method)) == NULL)
            return MHD_NO;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        take_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (finish(r))
        return MHD_YES; /* suspended: called again once the write pool has answered */
    return send_resp(r);
}

/* The request's line in the log (log.h): route, status, timings, the caller's key id. */
static void
log_request(const srv_req *r, uint64_t ns, enum MHD_RequestTerminationCode toe)
{
    json_t *f =
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:f, s:s, s:s?}", "request_id", r->request_id,
                  "method", r->method, "route", r->route ? r->route->pattern : "-", "op",
                  r->route ? r->route->name : "-", "status", (int)r->resp.status, "ms",
                  (double)ns / 1e6, "handler_ms", (double)r->handler_ns / 1e6, "ip", r->ip,
                  "key_id", r->key_id[0] ? r->key_id : NULL);
    if (f && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        json_object_set_new(f, "terminated", json_integer(toe));
    srv_log(SRV_INFO, "http.request", f);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    srv *s = cls;
    srv_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    uint64_t ns = srv_now_ns() - r->started_ns;
    srv_metrics_request(s->metrics, r->route, r->resp.status, ns);
    if (srv_log_enabled(SRV_INFO))
        log_request(r, ns, toe);
    srv_req_free(r);

    __atomic_sub_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&s->stopping, __ATOMIC_SEQ_CST)) {
        pthread_mutex_lock(&inflight_lock);
        pthread_cond_broadcast(&inflight_cond);
        pthread_mutex_unlock(&inflight_lock);
    }
}

/* ---- the daemon ---------------------------------------------------------------------- */

/* Once stopping, a new connection is closed as soon as it is accepted. MHD_quiesce_daemon,
 * the library's way to stop listening, races with its own worker threads in epoll mode: both
 * remove the listening socket from the epoll set, and the loser aborts the process ("Failed to
 * remove listen FD from epoll set", seen in this project's CI under SIGTERM). */
static enum MHD_Result
accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addr;
    (void)addrlen;
    const srv *s = cls;
    return __atomic_load_n(&s->stopping, __ATOMIC_SEQ_CST) ? MHD_NO : MHD_YES;
}

/* Parse "HOST:PORT" / "[V6]:PORT" into ss. */
static bool
parse_bind(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[128];
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || (size_t)(colon - text) >= sizeof(host))
        return false;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port > 65535)
        return false;
    memset(ss, 0, sizeof(*ss));
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*a6);
        return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof(*a4);
    return inet_pton(AF_INET, host, &a4->sin_addr) == 1;
}

/* Read a whole PEM file (for the TLS options). NULL after logging why. */
static char *
read_pem(const char *path, const char *what)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        srv_logf(SRV_ERROR, "tls.load", "%s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (1u << 20)) {
                srv_logf(SRV_ERROR, "tls.load", "%s %s: larger than 1 MiB", what, path);
                break;
            }
            char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) {
            fclose(f);
            buf[len] = '\0';
            return buf;
        }
    }
    fclose(f);
    free(buf);
    return NULL;
}

bool
srv_start(srv *s, steme_db *db, const srv_config *cfg)
{
    s->db = db;
    s->cfg = cfg;
    struct sockaddr_storage ss;
    socklen_t sl;
    if (!srv_routes_valid()) {
        srv_logf(SRV_ERROR, "server.start",
                 "a route pattern has a {name} in its first five "
                 "characters, which the router does not allow");
        return false;
    }
    if (!parse_bind(cfg->bind_addr, &ss, &sl)) {
        srv_logf(SRV_ERROR, "server.config", "bind %s: not HOST:PORT or [IPv6]:PORT",
                 cfg->bind_addr);
        return false;
    }
    s->metrics = srv_metrics_new();
    s->limiter = srv_limiter_new(cfg->rate_per_key, cfg->rate_per_ip, cfg->rate_burst_s);
    s->watch = srv_watch_new(s);
    s->rcache = srv_rcache_new((uint64_t)cfg->render_cache_mb << 20);
    s->wpool = cfg->write_threads ? srv_wpool_new(cfg->write_threads) : NULL;
    if (!s->metrics || !s->limiter || !s->watch || (cfg->render_cache_mb && !s->rcache) ||
        (cfg->write_threads && !s->wpool)) {
        srv_logf(SRV_ERROR, "server.start", "out of memory");
        return false;
    }

    unsigned flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    char *cert = NULL, *key = NULL;
    if (cfg->tls_cert_path) {
        cert = read_pem(cfg->tls_cert_path, "certificate");
        key = read_pem(cfg->tls_key_path, "key");
        if (!cert || !key) {
            free(cert);
            free(key);
            return false;
        }
        flags |= MHD_USE_TLS;
        s->tls = true;
    }
    /* TLS 1.3 only (GnuTLS priority string). */
    static const char tls_prio[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
    /* The logger comes first, so that libmicrohttpd reports even option errors through it. */
    s->mhd = MHD_start_daemon(
        flags, 0, accept_policy, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK,
        unescape_identity, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
        cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
        MHD_OPTION_HTTPS_PRIORITIES, tls_prio, MHD_OPTION_END);
    /* The PEM texts stay alive until srv_stop(): libmicrohttpd keeps pointers to them. */
    s->tls_cert = cert;
    s->tls_key = key;
    if (!s->mhd) {
        srv_logf(SRV_ERROR, "server.start", "cannot listen on %s (in use, or a bad TLS setup)",
                 cfg->bind_addr);
        return false;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : 0;
    serving = true;
    srv_watch_start(s->watch);
    return true;
}

unsigned long
srv_stop(srv *s, unsigned drain_ms)
{
    __atomic_store_n(&s->stopping, true, __ATOMIC_SEQ_CST);
    if (!s->mhd) {
        srv_wpool_free(s->wpool); /* the daemon never started: no job was ever queued */
        s->wpool = NULL;
        return 0;
    }
    /* Watch streams never finish by themselves: end them first. */
    srv_watch_stop(s->watch);

    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += drain_ms / 1000;
    until.tv_nsec += (long)(drain_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&inflight_lock);
    while (__atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST) > 0 &&
           pthread_cond_timedwait(&inflight_cond, &inflight_lock, &until) != ETIMEDOUT)
        ;
    unsigned long left = __atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&inflight_lock);

    /* Every connection the pool suspended is resumed before the daemon stops (it cannot stop
     * with one suspended); writes arriving meanwhile run on the HTTP threads. */
    srv_wpool_free(s->wpool);
    s->wpool = NULL;
    MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
    srv_watch_free(s->watch);
    s->watch = NULL;
    srv_limiter_free(s->limiter);
    s->limiter = NULL;
    srv_metrics_free(s->metrics);
    s->metrics = NULL;
    srv_rcache_free(s->rcache);
    s->rcache = NULL;
    if (s->tls_key)
        explicit_bzero(s->tls_key, strlen(s->tls_key));
    free(s->tls_key);
    free(s->tls_cert);
    s->tls_key = s->tls_cert = NULL;
    return left;
}
