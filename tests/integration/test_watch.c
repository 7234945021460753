/* SPDX-License-Identifier: MIT */
/*
 * test_watch.c -- the change feed, GET /v1/watch (Server-Sent Events), as docs/server.md and
 * src/server/watch.h describe it:
 *
 *  - a new stream starts with "retry:" and one "snapshot" event per key, whose id is the log
 *    position;
 *  - an assertion that changes the conclusion gives a "conclusion" event whose id is the
 *    position of the change, with the new winner and the previous one; one about another
 *    subject gives nothing;
 *  - a cascade (a source retraction signed by the genesis admin) that changes it gives one too;
 *  - reconnecting with Last-Event-ID: P gives the changes since P (not a snapshot), nothing
 *    when nothing changed, and a snapshot for no id; a malformed id is 400;
 *  - idle streams get heartbeat comments; the watcher cap answers 503 "busy" with Retry-After;
 *  - SIGTERM ends open streams and the server still exits 0 promptly.
 *
 * The stream is read by a thread running its own curl transfer; the test waits on what it
 * parsed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "store_fixture.h"

#define MAX_EVENTS 64

typedef struct sse_event {
    char name[32]; /* "snapshot", "conclusion", "error", or "" (message) */
    uint64_t id;
    bool has_id;
    json_t *data;
} sse_event;

typedef struct sse {
    it_server *s;
    char url[1024];
    char token[STEME_APIKEY_TOKEN_LEN + 1];
    char last_event_id[32]; /* sent when not empty */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* Under lock. */
    char *pending; /* bytes of an event not complete yet */
    size_t npending;
    sse_event ev[MAX_EVENTS];
    size_t nev;
    unsigned comments; /* ":" lines: heartbeats */
    long retry_ms;
    long status;
    char ctype[128];
    bool done; /* the transfer ended */
    CURLcode code;
    atomic_bool stop;
} sse;

/* Parse one complete event block (lines without the blank line). Under lock. */
static void
parse_block(sse *e, char *block)
{
    sse_event ev = {0};
    bool any = false;
    char *data = NULL;
    for (char *save, *line = strtok_r(block, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (line[0] == ':') {
            e->comments++;
            continue;
        }
        char *colon = strchr(line, ':');
        const char *v = colon ? colon + 1 : "";
        if (colon)
            *colon = '\0';
        if (*v == ' ')
            v++;
        if (strcmp(line, "retry") == 0) {
            e->retry_ms = strtol(v, NULL, 10);
        } else if (strcmp(line, "id") == 0) {
            ev.id = strtoull(v, NULL, 10);
            ev.has_id = true;
            any = true;
        } else if (strcmp(line, "event") == 0) {
            snprintf(ev.name, sizeof(ev.name), "%s", v);
            any = true;
        } else if (strcmp(line, "data") == 0) {
            free(data);
            data = strdup(v); /* the server sends one data line per event */
            any = true;
        }
    }
    if (!any)
        return;
    ev.data = data ? json_loads(data, 0, NULL) : NULL;
    free(data);
    if (e->nev < MAX_EVENTS)
        e->ev[e->nev++] = ev;
    else
        json_decref(ev.data);
}

static size_t
on_stream(char *data, size_t size, size_t n, void *ctx)
{
    sse *e = ctx;
    size_t len = size * n;
    pthread_mutex_lock(&e->lock);
    char *np = realloc(e->pending, e->npending + len + 1);
    if (!np) {
        pthread_mutex_unlock(&e->lock);
        return 0;
    }
    e->pending = np;
    memcpy(e->pending + e->npending, data, len);
    e->npending += len;
    e->pending[e->npending] = '\0';
    /* Complete blocks end with a blank line. */
    char *end;
    while ((end = strstr(e->pending, "\n\n")) != NULL) {
        size_t blen = (size_t)(end - e->pending);
        char *block = strndup(e->pending, blen);
        memmove(e->pending, end + 2, e->npending - blen - 2 + 1);
        e->npending -= blen + 2;
        if (block) {
            parse_block(e, block);
            free(block);
        }
    }
    pthread_cond_broadcast(&e->cond); /* also for a retry field or a comment */
    pthread_mutex_unlock(&e->lock);
    return len;
}

static size_t
on_stream_header(char *data, size_t size, size_t n, void *ctx)
{
    sse *e = ctx;
    size_t len = size * n;
    if (len > 13 && strncasecmp(data, "Content-Type:", 13) == 0) {
        pthread_mutex_lock(&e->lock);
        snprintf(e->ctype, sizeof(e->ctype), "%.*s", (int)(len - 13), data + 13);
        pthread_mutex_unlock(&e->lock);
    }
    return len;
}

static int
on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    sse *e = ctx;
    return atomic_load(&e->stop) ? 1 : 0;
}

static void *
stream_thread(void *arg)
{
    sse *e = arg;
    CURL *h = curl_easy_init();
    struct curl_slist *hl = NULL;
    char auth[160], lei[64];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", e->token);
    hl = curl_slist_append(hl, auth);
    hl = curl_slist_append(hl, "Accept: text/event-stream");
    if (e->last_event_id[0]) {
        snprintf(lei, sizeof(lei), "Last-Event-ID: %s", e->last_event_id);
        hl = curl_slist_append(hl, lei);
    }
    curl_easy_setopt(h, CURLOPT_URL, e->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_stream);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, e);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_stream_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, e);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, e);
    CURLcode code = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    pthread_mutex_lock(&e->lock);
    e->code = code;
    e->status = status;
    e->done = true;
    /* A body that is not a stream (an error document) has no blank line: keep it whole. */
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* Open a stream on /v1/watch?query as token; last_event_id may be NULL. */
static sse *
sse_open(it_server *s, const char *token, const char *query, const char *last_event_id)
{
    sse *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    e->s = s;
    snprintf(e->url, sizeof(e->url), "%s/v1/watch?%s", s->base, query);
    snprintf(e->token, sizeof(e->token), "%s", token);
    if (last_event_id)
        snprintf(e->last_event_id, sizeof(e->last_event_id), "%s", last_event_id);
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->cond, NULL);
    assert_int_equal(pthread_create(&e->thread, NULL, stream_thread, e), 0);
    return e;
}

static void
sse_close(sse *e)
{
    atomic_store(&e->stop, true);
    pthread_join(e->thread, NULL);
    for (size_t i = 0; i < e->nev; i++)
        json_decref(e->ev[i].data);
    free(e->pending);
    pthread_mutex_destroy(&e->lock);
    pthread_cond_destroy(&e->cond);
    free(e);
}

static void
deadline_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Does the event's winner text name value (the server writes strings quoted)? */
static bool
winner_is(const sse_event *ev, const char *value)
{
    const char *w = json_string_value(json_object_get(ev->data, "winner"));
    if (!value)
        return w == NULL;
    return w && strstr(w, value) != NULL;
}

/* Wait until event number `from` or a later one is called name (and, when winner is not
 * NULL, names that winner); its index, or fail after timeout_ms. */
static size_t
sse_wait(sse *e, size_t from, const char *name, const char *winner, long timeout_ms)
{
    struct timespec until;
    deadline_in(&until, timeout_ms);
    pthread_mutex_lock(&e->lock);
    for (;;) {
        for (size_t i = from; i < e->nev; i++)
            if (strcmp(e->ev[i].name, name) == 0 && (!winner || winner_is(&e->ev[i], winner))) {
                pthread_mutex_unlock(&e->lock);
                return i;
            }
        if (e->done)
            break;
        if (pthread_cond_timedwait(&e->cond, &e->lock, &until) != 0)
            break;
    }
    size_t n = e->nev;
    bool done = e->done;
    long status = e->status;
    char pending[512];
    snprintf(pending, sizeof(pending), "%s", e->pending ? e->pending : "");
    pthread_mutex_unlock(&e->lock);
    fail_msg("no \"%s\" event%s%s within %ld ms (%zu events so far; stream %s, HTTP %ld; "
             "unparsed: %s)",
             name, winner ? " with winner " : "", winner ? winner : "", timeout_ms, n,
             done ? "ended" : "open", status, pending);
    return 0;
}

static size_t
sse_count(sse *e)
{
    pthread_mutex_lock(&e->lock);
    size_t n = e->nev;
    pthread_mutex_unlock(&e->lock);
    return n;
}

/* Wait for the stream's first bytes (the retry field) so that the server has it open. */
static void
sse_wait_open(sse *e, long timeout_ms)
{
    struct timespec until;
    deadline_in(&until, timeout_ms);
    pthread_mutex_lock(&e->lock);
    while (e->retry_ms == 0 && !e->done)
        if (pthread_cond_timedwait(&e->cond, &e->lock, &until) != 0)
            break;
    long retry = e->retry_ms, status = e->status;
    bool done = e->done;
    pthread_mutex_unlock(&e->lock);
    if (retry <= 0)
        fail_msg("the stream did not open with a retry field (ended: %d, HTTP %ld)", done, status);
}

/* ---- writing ------------------------------------------------------------------------------ */

static int64_t clock_ms = FX_TIME;

/* Ingest one signed record through route; the log position it got. */
static uint64_t
put(it_server *s, const char *token, const char *route, steme_record *rec, const steme_keypair *kp)
{
    json_t *item = it_signed_item(rec, kp, NULL);
    it_resp *r = it_post_json(s, token, route, json_pack("{s:[o]}", "records", item));
    it_expect(r, 200);
    json_t *pos = json_object_get(r->json, "position");
    if (!json_is_integer(pos))
        it_fail(r, "the ingest answer has no integer position");
    uint64_t p = (uint64_t)json_integer_value(pos);
    it_resp_free(r);
    return p;
}

static uint64_t
assert_color(it_server *s, const char *token, const steme_keypair *kp, const char *subject,
             const char *color, const char *source)
{
    steme_record rec;
    fx_assertion(&rec, kp, subject, "color", source, 0);
    rec.assertion.object.type = STEME_VALUE_STRING;
    rec.assertion.object.str = steme_str_c(color);
    rec.assertion.asserted_at = (clock_ms += 1000);
    return put(s, token, "/v1/records", &rec, kp);
}

static const char QUERY[] = "subject=watch%3Apaint&predicate=color&lens=recency";

static void
check_event(const sse_event *ev, uint64_t id)
{
    assert_true(ev->has_id);
    assert_int_equal(ev->id, id);
    assert_non_null(ev->data);
    assert_string_equal(json_string_value(json_object_get(ev->data, "subject")), "watch:paint");
    assert_string_equal(json_string_value(json_object_get(ev->data, "predicate")), "color");
    assert_int_equal(json_integer_value(json_object_get(ev->data, "position")), (json_int_t)id);
    const char *lens = json_string_value(json_object_get(ev->data, "lens"));
    assert_non_null(lens);
    assert_non_null(strstr(lens, "recency"));
    const char *receipt = json_string_value(json_object_get(ev->data, "receipt"));
    if (receipt)
        assert_int_equal(strlen(receipt), 64);
}

static void
test_delivery_and_resume(void **state)
{
    it_server *s = *state;
    steme_keypair *admin = fx_key(100), *alice = fx_key(1), *bob = fx_key(2), *carol = fx_key(3);
    const char *env[] = {"STEMEDB_WATCH_HEARTBEAT=1", NULL};
    it_opts o = {.env = env, .genesis = admin};
    it_start(s, &o);
    const char *writer = it_key(s, "writer", NULL, NULL);
    const char *reader = it_key(s, "reader", NULL, NULL);

    uint64_t p1 = assert_color(s, writer, alice, "watch:paint", "blue", "src:alice");

    /* A fresh stream: retry, then a snapshot of the current conclusion. */
    sse *e = sse_open(s, reader, QUERY, NULL);
    size_t i = sse_wait(e, 0, "snapshot", "blue", 10000);
    check_event(&e->ev[i], p1);
    assert_true(json_is_null(json_object_get(e->ev[i].data, "previous")));
    pthread_mutex_lock(&e->lock);
    bool is_sse = strstr(e->ctype, "text/event-stream") != NULL;
    long retry = e->retry_ms;
    pthread_mutex_unlock(&e->lock);
    assert_true(is_sse);
    assert_true(retry > 0);

    /* Another subject changes nothing here; then a later claim wins (recency). */
    assert_color(s, writer, bob, "watch:other", "black", "src:bob");
    uint64_t p2 = assert_color(s, writer, bob, "watch:paint", "green", "src:bob");
    size_t j = sse_wait(e, i + 1, "conclusion", "green", 10000);
    check_event(&e->ev[j], p2);
    json_t *prev = json_object_get(e->ev[j].data, "previous");
    assert_true(json_is_object(prev));
    assert_non_null(strstr(json_string_value(json_object_get(prev, "winner")), "blue"));
    for (size_t k = i + 1; k < j; k++)
        if (strcmp(e->ev[k].name, "conclusion") == 0)
            fail_msg("an event before the change: winner %s",
                     json_string_value(json_object_get(e->ev[k].data, "winner")));

    /* Idle: heartbeat comments keep the connection alive (every second here). */
    pthread_mutex_lock(&e->lock);
    unsigned c0 = e->comments;
    pthread_mutex_unlock(&e->lock);
    it_sleep_ms(2500);
    pthread_mutex_lock(&e->lock);
    unsigned c1 = e->comments;
    pthread_mutex_unlock(&e->lock);
    if (c1 <= c0)
        fail_msg("no heartbeat comment in 2.5 s with STEMEDB_WATCH_HEARTBEAT=1");
    sse_close(e);

    /* While no one watches, carol's claim wins. A client back with Last-Event-ID: p2 gets the
     * change since p2 -- not a snapshot. */
    uint64_t p3 = assert_color(s, writer, carol, "watch:paint", "red", "src:carol");
    char lei[32];
    snprintf(lei, sizeof(lei), "%" PRIu64, p2);
    e = sse_open(s, reader, QUERY, lei);
    i = sse_wait(e, 0, "conclusion", "red", 10000);
    check_event(&e->ev[i], p3);
    prev = json_object_get(e->ev[i].data, "previous");
    assert_non_null(strstr(json_string_value(json_object_get(prev, "winner")), "green"));
    for (size_t k = 0; k < sse_count(e); k++)
        assert_string_not_equal(e->ev[k].name, "snapshot");

    /* A cascade changes it too: the admin retracts carol's source, her claim is retracted and
     * bob's green wins again. */
    steme_record rec;
    fx_event(&rec, admin, STEME_EVENT_SOURCE_RETRACT);
    rec.event.source = steme_str_c("src:carol");
    rec.event.role = steme_str_c("");
    rec.event.at = (clock_ms += 1000);
    uint64_t p4 = put(s, s->admin, "/v1/sources/src%3Acarol/retract", &rec, admin);
    j = sse_wait(e, i + 1, "conclusion", "green", 10000);
    check_event(&e->ev[j], p4);
    sse_close(e);

    /* Up to date: Last-Event-ID at the latest position gives no event at all. */
    snprintf(lei, sizeof(lei), "%" PRIu64, p4);
    e = sse_open(s, reader, QUERY, lei);
    sse_wait_open(e, 10000);
    it_sleep_ms(800);
    for (size_t k = 0; k < sse_count(e); k++)
        fail_msg("an up-to-date client got a \"%s\" event", e->ev[k].name);
    sse_close(e);

    /* No Last-Event-ID, 0, or a position beyond the log (another store): a snapshot of the
     * current conclusion. */
    static const char *const fresh[] = {NULL, "0", "999999999"};
    for (size_t k = 0; k < 3; k++) {
        e = sse_open(s, reader, QUERY, fresh[k]);
        i = sse_wait(e, 0, "snapshot", "green", 10000);
        check_event(&e->ev[i], p4);
        sse_close(e);
    }

    /* A malformed Last-Event-ID, a missing subject, no key: refused before any stream. */
    char path[256];
    snprintf(path, sizeof(path), "/v1/watch?%s", QUERY);
    it_req q = {.path = path, .token = reader, .headers = {"Last-Event-ID: yesterday"}};
    it_resp *r = it_do(s, &q);
    it_expect_error(r, 400, "invalid", "Last-Event-ID");
    it_resp_free(r);
    r = it_get(s, reader, "/v1/watch?predicate=color");
    it_expect_error(r, 400, "invalid", "subject");
    it_resp_free(r);
    r = it_get(s, NULL, path);
    it_expect_error(r, 401, "unauthorized", "authorization");
    it_resp_free(r);

    it_stop(s);
    steme_keypair_free(admin);
    steme_keypair_free(alice);
    steme_keypair_free(bob);
    steme_keypair_free(carol);
}

/* STEMEDB_MAX_WATCHERS streams at most; SIGTERM ends the open ones and the server exits 0. */
static void
test_cap_and_shutdown(void **state)
{
    it_server *s = *state;
    const char *env[] = {"STEMEDB_MAX_WATCHERS=1", NULL};
    it_opts o = {.env = env};
    it_start(s, &o);
    const char *reader = it_key(s, "reader", NULL, NULL);
    sse *e = sse_open(s, reader, QUERY, NULL);
    sse_wait(e, 0, "snapshot", NULL, 10000);

    char path[256];
    snprintf(path, sizeof(path), "/v1/watch?%s", QUERY);
    it_req q = {.path = path, .token = reader, .headers_only = true, .timeout_ms = 10000};
    it_resp *r = it_do(s, &q);
    it_expect_error(r, 503, "busy", NULL);
    assert_non_null(it_header(r, "Retry-After"));
    assert_string_equal(it_header(r, "Retry-After"), "5");
    it_resp_free(r);

    long long t0 = it_now_ms();
    it_stop(s);
    assert_true(it_now_ms() - t0 < 8000); /* not the 10 s drain timeout: streams were ended */
    struct timespec until;
    deadline_in(&until, 10000);
    pthread_mutex_lock(&e->lock);
    while (!e->done)
        if (pthread_cond_timedwait(&e->cond, &e->lock, &until) != 0)
            break;
    bool done = e->done;
    CURLcode code = e->code;
    pthread_mutex_unlock(&e->lock);
    assert_true(done);
    /* Ended cleanly, with the last chunk: not cut off. */
    if (code != CURLE_OK)
        fail_msg("the stream was cut off at shutdown: %s", curl_easy_strerror(code));
    sse_close(e);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivery_and_resume, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_cap_and_shutdown, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
