/* SPDX-License-Identifier: MIT */
/*
 * test_limits.c -- what the server does with too much and with nonsense: body limits per
 * class (declared and chunked), rate limits per key and per address with 429 and Retry-After,
 * malformed JSON, unknown routes and methods, bad escapes, garbage and stalled clients on raw
 * sockets, new connections refused after SIGTERM while a request in flight is still answered,
 * the one error shape, request ids, and a log that is JSON and never holds a token
 * (it_stop checks every token the test saw, including some sent where they do not belong).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

/* A JSON object of exactly n bytes: {"pad":"xxx..."}. */
static char *
padded_json(size_t n)
{
    assert_true(n >= 12);
    char *b = malloc(n + 1);
    assert_non_null(b);
    memcpy(b, "{\"pad\":\"", 8);
    memset(b + 8, 'x', n - 10);
    memcpy(b + n - 2, "\"}", 2);
    b[n] = '\0';
    return b;
}

static it_resp *
post_sized(it_server *s, const char *token, const char *path, size_t n, bool chunked)
{
    char *body = padded_json(n);
    it_req q = {.method = "POST", .path = path, .token = token, .body = body, .chunked = chunked};
    it_resp *r = it_do(s, &q);
    free(body);
    return r;
}

static void
expect_too_large(it_resp *r)
{
    it_expect_error(r, 413, "too_large", "body");
    it_resp_free(r);
}

static void
expect_not_too_large(it_resp *r)
{
    if (r->code != CURLE_OK || r->status == 413 || r->status == 0)
        it_fail(r, "a body under the limit was refused as too large");
    it_resp_free(r);
}

static void
expect_health(it_server *s)
{
    it_resp *r = it_get(s, NULL, "/v1/health");
    it_expect(r, 200);
    it_resp_free(r);
}

/* The value of the sample "series value" on /metrics (series with its labels), -1 if none. */
static double
metric(it_server *s, const char *series)
{
    it_resp *r = it_get(s, NULL, "/metrics");
    it_expect(r, 200);
    double v = -1;
    size_t n = strlen(series);
    for (const char *p = r->body; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, series, n) == 0 && p[n] == ' ') {
            v = strtod(p + n + 1, NULL);
            break;
        }
    it_resp_free(r);
    return v;
}

static void
test_body_limits(void **state)
{
    it_server *s = *state;
    const char *env[] = {"STEMEDB_MAX_BODY_INGEST=2048", "STEMEDB_MAX_BODY_READ=512", NULL};
    it_opts o = {.env = env};
    it_start(s, &o);
    const char *writer = it_key(s, "writer", NULL, NULL);
    const char *reader = it_key(s, "reader", NULL, NULL);

    for (int chunked = 0; chunked < 2; chunked++) {
        /* Ingest class: 2048 bytes. */
        expect_too_large(post_sized(s, writer, "/v1/records", 2049, chunked));
        expect_too_large(post_sized(s, writer, "/v1/records", 4 << 20, chunked));
        expect_not_too_large(post_sized(s, writer, "/v1/records", 2048, chunked));
        expect_not_too_large(post_sized(s, writer, "/v1/votes", 1500, chunked));
        /* Read class: 512 bytes, for queries and admin documents alike. */
        expect_too_large(post_sized(s, reader, "/v1/query", 513, chunked));
        expect_too_large(post_sized(s, reader, "/v1/query", 1500, chunked));
        expect_not_too_large(post_sized(s, reader, "/v1/query", 512, chunked));
        expect_too_large(post_sized(s, s->admin, "/v1/admin/keys", 600, chunked));
        /* A route that takes no body holds any body to the read limit. */
        it_req q = {.method = "GET", .path = "/v1/stats", .token = reader, .chunked = chunked};
        char *big = padded_json(1000);
        q.body = big;
        expect_too_large(it_do(s, &q));
        free(big);
    }
    /* The refusals did not stop the server, and what fits still works. */
    it_resp *r = it_post_json(s, s->admin, "/v1/admin/keys",
                              json_pack("{s:s, s:s}", "name", "after-413", "role", "reader"));
    it_expect(r, 201);
    it_remember_token(s, json_string_value(json_object_get(r->json, "token")));
    it_resp_free(r);
    expect_health(s);
    /* Six refusals each way, counted. */
    assert_true(metric(s, "stemedb_body_too_large_total") == 12);
    it_stop(s);
}

/* Send GET path with token until a 429 comes (at most 60 requests); return it. */
static it_resp *
until_limited(it_server *s, const char *token, const char *path, unsigned *ok_before)
{
    *ok_before = 0;
    for (int i = 0; i < 60; i++) {
        it_resp *r = it_get(s, token, path);
        if (r->status == 429)
            return r;
        it_expect(r, 200);
        it_resp_free(r);
        (*ok_before)++;
    }
    fail_msg("60 requests in a row were not rate limited");
    return NULL;
}

static unsigned
expect_limited(it_resp *r)
{
    it_expect_error(r, 429, "rate_limited", NULL);
    const char *ra = it_header(r, "Retry-After");
    if (!ra)
        it_fail(r, "429 without Retry-After");
    char *end;
    long secs = strtol(ra, &end, 10);
    if (*end || secs < 1 || secs > 60)
        it_fail(r, "Retry-After is not a number of seconds from 1 to 60");
    it_resp_free(r);
    return (unsigned)secs;
}

static void
test_rate_per_key(void **state)
{
    it_server *s = *state;
    const char *env[] = {"STEMEDB_RATE_PER_KEY=5", "STEMEDB_RATE_BURST=1", "STEMEDB_RATE_PER_IP=0",
                         NULL};
    it_opts o = {.env = env};
    it_start(s, &o);
    const char *a = it_key(s, "reader", "a", NULL);
    const char *b = it_key(s, "reader", "b", NULL);

    unsigned ok;
    unsigned wait = expect_limited(until_limited(s, a, "/v1/stats", &ok));
    /* A burst of 1 s at 5/s: about five pass, then the key is refused (more pass only when
     * the requests themselves are slow, as on a loaded machine). */
    assert_in_range(ok, 4, 40);
    /* Another key, and anonymous open routes, are still served. */
    it_resp *r = it_get(s, b, "/v1/stats");
    it_expect(r, 200);
    it_resp_free(r);
    expect_health(s);
    /* After Retry-After seconds the key is served again. */
    it_sleep_ms((long)wait * 1000 + 100);
    r = it_get(s, a, "/v1/stats");
    it_expect(r, 200);
    it_resp_free(r);
    assert_true(metric(s, "stemedb_ratelimited_total{scope=\"key\"}") >= 1);
    assert_true(metric(s, "stemedb_ratelimited_total{scope=\"ip\"}") == 0);
    it_stop(s);
}

static void
test_rate_per_ip(void **state)
{
    it_server *s = *state;
    const char *env[] = {"STEMEDB_RATE_PER_IP=5", "STEMEDB_RATE_BURST=1", "STEMEDB_RATE_PER_KEY=0",
                         NULL};
    it_opts o = {.env = env};
    it_start(s, &o);
    unsigned ok;
    it_resp *r = until_limited(s, NULL, "/v1/health", &ok);
    /* A key does not lift the address's limit (it is checked first): sent at once, before
     * the bucket refills. */
    it_resp *keyed = it_get(s, s->admin, "/v1/stats");
    unsigned wait = expect_limited(r);
    if (keyed->status != 429)
        it_fail(keyed, "a keyed request from a limited address was served");
    it_resp_free(keyed);
    assert_in_range(ok, 4, 40);
    /* The limit is per address: another loopback address is served. */
    it_req q = {.path = "/v1/health", .from_ip = "127.0.0.2"};
    r = it_do(s, &q);
    it_expect(r, 200);
    it_resp_free(r);
    it_sleep_ms((long)wait * 1000 + 100);
    expect_health(s);
    assert_true(metric(s, "stemedb_ratelimited_total{scope=\"ip\"}") >= 2);
    it_stop(s);
}

static void
expect_invalid_body(it_server *s, const char *body, size_t len, const char *field,
                    const char *message_part)
{
    it_req q = {.method = "POST",
                .path = "/v1/admin/keys",
                .token = s->admin,
                .body = body,
                .body_len = len};
    it_resp *r = it_do(s, &q);
    it_expect_error(r, 400, "invalid", field);
    const char *msg = json_string_value(json_object_get(r->json, "message"));
    if (message_part && !strstr(msg, message_part))
        it_fail(r, message_part);
    it_resp_free(r);
}

static void
test_bad_json(void **state)
{
    it_server *s = *state;
    it_start(s, NULL);
    /* Malformed JSON: the message names the line and column. */
    expect_invalid_body(s, "{\n  \"name\": \"x\",\n  \"role\" \"reader\"\n}", 0, "body", "line 3");
    expect_invalid_body(s, "{\"name\": \"x\", \"role\": \"reader\"", 0, "body", "line 1");
    expect_invalid_body(s, "", 0, "body", NULL);
    expect_invalid_body(s, "[1, 2]", 0, "body", "object");
    expect_invalid_body(s, "\"just a string\"", 0, "body", NULL);
    /* Invalid UTF-8 inside a string, and a NUL byte. */
    expect_invalid_body(s, "{\"name\": \"\xc3\x28\", \"role\": \"reader\"}", 0, "body", NULL);
    static const char nul[] = "{\"name\": \"a\0b\", \"role\": \"reader\"}";
    expect_invalid_body(s, nul, sizeof(nul) - 1, "body", NULL);
    /* Duplicate members are refused, not resolved silently. */
    expect_invalid_body(s, "{\"name\": \"x\", \"name\": \"y\", \"role\": \"reader\"}", 0, "body",
                        NULL);
    /* Wrong types and unknown members name the field. */
    expect_invalid_body(s, "{\"name\": 7, \"role\": \"reader\"}", 0, "name", NULL);
    expect_invalid_body(s, "{\"name\": \"x\", \"role\": \"root\"}", 0, "role", NULL);
    expect_invalid_body(s, "{\"name\": \"x\", \"role\": \"reader\", \"admin\": true}", 0, "body",
                        NULL);
    /* Nothing was written: the only key is still the bootstrap admin. */
    it_resp *r = it_get(s, s->admin, "/v1/admin/keys");
    it_expect(r, 200);
    assert_int_equal(json_array_size(json_object_get(r->json, "keys")), 1);
    it_resp_free(r);
    it_stop(s);
}

static void
test_routes_and_methods(void **state)
{
    it_server *s = *state;
    it_start(s, NULL);
    static const char *const missing[] = {
        "/v1/nope",  "/",          "/v1",          "/v1/",
        "/v2/stats", "/v1/stats/", "/v1/records/", "/v1/admin/keys/a/b"};
    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
        it_resp *r = it_get(s, s->admin, missing[i]);
        it_expect_error(r, 404, "not_found", "path");
        it_resp_free(r);
    }
    it_resp *r = it_delete(s, s->admin, "/v1/stats");
    it_expect_error(r, 405, "method_not_allowed", NULL);
    assert_non_null(it_header(r, "Allow"));
    assert_string_equal(it_header(r, "Allow"), "GET");
    it_resp_free(r);
    it_req q = {.method = "PATCH", .path = "/v1/admin/keys", .token = s->admin, .body = "{}"};
    r = it_do(s, &q);
    it_expect_error(r, 405, "method_not_allowed", NULL);
    const char *allow = it_header(r, "Allow");
    assert_non_null(allow);
    assert_non_null(strstr(allow, "GET"));
    assert_non_null(strstr(allow, "POST"));
    it_resp_free(r);
    /* HEAD is answered like GET, without a body. */
    it_req h = {.method = "HEAD", .path = "/v1/health"};
    r = it_do(s, &h);
    it_expect(r, 200);
    assert_int_equal(r->len, 0);
    it_resp_free(r);
    /* Bad percent-escapes in a capture and in the query string. */
    r = it_delete(s, s->admin, "/v1/admin/keys/%zz");
    it_expect_error(r, 400, "invalid", "path");
    it_resp_free(r);
    r = it_get(s, s->admin, "/v1/admin/log?from=%zz");
    it_expect_error(r, 400, "invalid", "query");
    it_resp_free(r);
    /* An encoded NUL in a capture is refused, not truncated. */
    r = it_delete(s, s->admin, "/v1/admin/keys/0123456789abcdef%00");
    it_expect_error(r, 400, "invalid", "path");
    it_resp_free(r);
    /* Path traversal in an id is just an unknown id. */
    r = it_delete(s, s->admin, "/v1/admin/keys/..%2F..%2Fetc%2Fpasswd");
    if (r->status != 404 && r->status != 400)
        it_fail(r, "a traversal id was not refused with 400 or 404");
    it_expect_error(r, r->status, NULL, NULL);
    it_resp_free(r);
    /* Absurd pagination is refused naming the argument. */
    r = it_get(s, s->admin, "/v1/admin/log?limit=1000000000");
    it_expect_error(r, 400, "invalid", "limit");
    it_resp_free(r);
    r = it_get(s, s->admin, "/v1/admin/log?limit=-1");
    it_expect_error(r, 400, "invalid", "limit");
    it_resp_free(r);
    r = it_get(s, s->admin, "/v1/admin/log?from=18446744073709551616");
    it_expect_error(r, 400, "invalid", "from");
    it_resp_free(r);
    it_stop(s);
}

/* A raw TCP connection to the server. */
static int
raw_connect(it_server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* Read until the server closes the connection or timeout_ms pass; the bytes read, -1 on a
 * timeout. */
static long
drain_until_closed(int fd, int timeout_ms, char *first, size_t cap)
{
    long total = 0;
    long long until = it_now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(until - it_now_ms());
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            return total;
        if (first && (size_t)total < cap - 1) {
            size_t c = (size_t)n < cap - 1 - (size_t)total ? (size_t)n : cap - 1 - (size_t)total;
            memcpy(first + total, buf, c);
            first[total + (long)c] = '\0';
        }
        total += n;
    }
}

static void
test_garbage_and_stalls(void **state)
{
    it_server *s = *state;
    const char *env[] = {"STEMEDB_CONNECTION_TIMEOUT=1", NULL};
    it_opts o = {.env = env};
    it_start(s, &o);

    /* Bytes that are not HTTP at all: the server answers 400 or hangs up, and keeps serving. */
#define BYTES(lit)                                                                                 \
    {                                                                                              \
        lit, sizeof(lit) - 1                                                                       \
    }
    static const struct {
        const char *b;
        size_t n;
    } garbage[] = {
        BYTES("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not a TLS hello either\r\n\r\n"),
        BYTES("\x00\x01\x02\x03\xff\xfe\xfd\r\n\r\n"),
        BYTES("HELLO\r\n\r\n"),
        BYTES("GET / HTTP/9.9\r\n\r\n"),
        BYTES("GET /v1/health HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
        BYTES("POST /v1/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n"),
        BYTES("GET /v1/health HTTP/1.1\r\nHost: x\r\nX: "), /* a header that never ends */
    };
#undef BYTES
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        int fd = raw_connect(s);
        assert_int_equal(write(fd, garbage[i].b, garbage[i].n), (ssize_t)garbage[i].n);
        char first[256] = "";
        long got = drain_until_closed(fd, 8000, first, sizeof(first));
        close(fd);
        if (got < 0)
            fail_msg("garbage %zu: the connection was still open after 8 s", i);
        if (got > 0 && strncmp(first, "HTTP/1.", 7) == 0 && strstr(first, " 200 "))
            fail_msg("garbage %zu was answered 200: %s", i, first);
        expect_health(s);
    }

    /* A client that stalls in the middle of its headers is dropped after the connection
     * timeout (1 s here), and others are served meanwhile. */
    int fd = raw_connect(s);
    const char *partial = "GET /v1/health HTTP/1.1\r\nHost: x\r\n";
    assert_int_equal(write(fd, partial, strlen(partial)), (ssize_t)strlen(partial));
    expect_health(s);
    long long t0 = it_now_ms();
    long got = drain_until_closed(fd, 10000, NULL, 0);
    close(fd);
    if (got < 0)
        fail_msg("a stalled client was still connected after 10 s (timeout 1 s)");
    assert_true(it_now_ms() - t0 < 10000);

    /* The same for a body that stops short of its Content-Length. */
    fd = raw_connect(s);
    char req[512];
    snprintf(req, sizeof(req),
             "POST /v1/admin/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":",
             s->admin);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    got = drain_until_closed(fd, 10000, NULL, 0);
    close(fd);
    if (got < 0)
        fail_msg("a client stalled in its body was still connected after 10 s");
    expect_health(s);
    it_stop(s);
}

/* After SIGTERM, while an accepted request is still in flight: new connections are closed
 * unanswered, the request in flight is answered, and the server exits 0. (The server used to
 * stop listening with MHD_quiesce_daemon, which can abort the process in epoll mode: CI saw
 * "Failed to remove listen FD from epoll set".) */
static void
test_sigterm_refuses_new_connections(void **state)
{
    it_server *s = *state;
    it_start(s, NULL);

    /* In flight: headers and half of the body of a key creation. */
    static const char body[] = "{\"name\": \"late\", \"role\": \"reader\"}";
    const size_t half = sizeof(body) / 2;
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "POST /v1/admin/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%.*s",
                     s->admin, sizeof(body) - 1, (int)half, body);
    int fd = raw_connect(s);
    assert_int_equal(write(fd, req, (size_t)n), n);
    expect_health(s); /* the server has read it: a later request on another connection is done */

    it_signal_term(s);
    long long until = it_now_ms() + 10000;
    for (;;) {
        char *log = it_log(s);
        bool stopping = strstr(log, "\"server.stopping\"") != NULL;
        free(log);
        if (stopping)
            break;
        if (it_now_ms() > until)
            fail_msg("no server.stopping in the log 10 s after SIGTERM");
        it_sleep_ms(10);
    }

    /* The stopping flag is set just after that log line: a connection or two may still be
     * served, then every new one is closed unanswered. */
    bool refused = false;
    for (int i = 0; i < 100 && !refused; i++) {
        int c = raw_connect(s);
        static const char get[] = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
        (void)send(c, get, sizeof(get) - 1, MSG_NOSIGNAL);
        char first[64] = "";
        long got = drain_until_closed(c, 2000, first, sizeof(first));
        close(c);
        refused = got == 0 || (got < 0 && first[0] == '\0');
        if (!refused)
            it_sleep_ms(20);
    }
    assert_true(refused);

    /* The request in flight is still answered. */
    assert_int_equal(write(fd, body + half, sizeof(body) - 1 - half),
                     (ssize_t)(sizeof(body) - 1 - half));
    char first[64] = "";
    long got = drain_until_closed(fd, 15000, first, sizeof(first));
    close(fd);
    if (got <= 0 || strncmp(first, "HTTP/1.1 201", 12) != 0)
        fail_msg("the request in flight at SIGTERM got \"%s\" (%ld bytes)", first, got);
    assert_int_equal(it_wait_exit(s, 30000), 0);
}

/* Request ids are fresh per request and appear in the log; the log is one JSON object per
 * line; tokens sent where they do not belong (a path, a query, a broken header) are not
 * logged either (it_stop checks every token the test saw). */
static void
test_request_ids_and_log(void **state)
{
    it_server *s = *state;
    it_start(s, NULL);
    const char *reader = it_key(s, "reader", NULL, NULL);
    char ids[8][17];
    for (int i = 0; i < 8; i++) {
        it_resp *r = it_get(s, i % 2 ? reader : NULL, i % 4 < 2 ? "/v1/stats" : "/v1/nope");
        it_expect(r, r->status);
        snprintf(ids[i], sizeof(ids[i]), "%s", it_header(r, "X-Request-Id"));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(ids[i], ids[j]);
        it_resp_free(r);
    }
    char path[256];
    snprintf(path, sizeof(path), "/v1/nope/%s", reader);
    it_resp *r = it_get(s, NULL, path);
    it_expect_error(r, 404, "not_found", "path");
    it_resp_free(r);
    snprintf(path, sizeof(path), "/v1/stats?api_key=%s", reader);
    r = it_get(s, NULL, path);
    it_expect_error(r, 401, "unauthorized", NULL);
    it_resp_free(r);
    char hdr[256];
    snprintf(hdr, sizeof(hdr), "Authorization: Bearer %sx", reader);
    it_req q = {.path = "/v1/stats", .headers = {hdr}};
    r = it_do(s, &q);
    it_expect_error(r, 401, "unauthorized", "authorization");
    it_resp_free(r);
    /* A revoked key's token, presented again after revocation. */
    char id[17];
    const char *gone = it_key(s, "writer", NULL, id);
    it_revoke(s, id);
    r = it_get(s, gone, "/v1/stats");
    it_expect_error(r, 401, "unauthorized", "authorization");
    it_resp_free(r);
    it_stop(s);

    char *log = it_log(s);
    for (int i = 0; i < 8; i++)
        if (!strstr(log, ids[i]))
            fail_msg("request id %s is not in the log", ids[i]);
    size_t lines = 0;
    for (char *save, *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        if (!json_is_object(j) || !json_is_string(json_object_get(j, "ts")) ||
            !json_is_string(json_object_get(j, "level")) ||
            !json_is_string(json_object_get(j, "event")))
            fail_msg("log line %zu is not a JSON object with ts, level, event: %s", lines + 1,
                     line);
        json_decref(j);
        lines++;
    }
    assert_true(lines >= 8);
    free(log);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_body_limits, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_rate_per_key, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_rate_per_ip, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_bad_json, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_routes_and_methods, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_and_stalls, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_refuses_new_connections, it_setup,
                                        it_teardown),
        cmocka_unit_test_setup_teardown(test_request_ids_and_log, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
