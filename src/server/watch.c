/* SPDX-License-Identifier: MIT */
/*
 * watch.c -- the change feed (watch.h, docs/server.md "Change feed"): GET /v1/watch streams
 * Server-Sent Events about the conclusions of one query, a subject (and optionally a
 * predicate) through a lens.
 *
 * Each stream is a watcher: its query, the conclusion last sent for each key (winner, or none
 * and why), and a queue of bytes to send. The notifier thread follows the log position
 * (steme_db_last_seq, every POLL_MS or at once after srv_watch_poke(), so writes by another
 * process are seen too), re-runs the query of every watcher that is behind, and queues an
 * event for every key whose conclusion changed. A stream with nothing to send is suspended
 * in libmicrohttpd and costs no thread; the notifier resumes it when it queues something.
 *
 * Locking: one mutex (w->lock) guards the list, every queue and the suspended flags. Suspend
 * (in the content reader) and resume (in the notifier and at stop) are both called under it,
 * so a resume can never come before its suspend nor be lost or doubled; libmicrohttpd never
 * calls our callbacks while holding its own locks, so the order lock -> libmicrohttpd cannot
 * deadlock. The notifier runs queries without the lock, on watchers it has pinned (refs): a
 * stream that closes meanwhile is unlinked at once by the response's free callback, and freed
 * by whichever of the two lets go last. Only the notifier touches a linked watcher's
 * conclusions.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "config.h"
#include "fmt.h"
#include "log.h"
#include "metrics.h"
#include "query_params.h"
#include "watch.h"

#define POLL_MS    200
#define QUEUE_CAP  (1u << 20) /* bytes a slow client may leave unread before its stream ends */
#define BLOCK_SIZE 4096
#define RETRY_MS   3000 /* the reconnection delay advised to clients */
#define BUSY_RETRY 5    /* Retry-After when every watcher slot is taken */

/* The conclusion last sent for one key of a watcher. */
typedef struct concl {
    char *predicate; /* the key's predicate (the subject is the watcher's) */
    size_t predicate_len;
    bool has_winner;
    char *winner;       /* its text (fmt.h), NULL when none */
    const char *reason; /* static */
} concl;

typedef struct watcher {
    struct watcher *prev, *next;
    srv_watch *w;
    struct MHD_Connection *conn;
    /* The query, fixed once the watcher is linked; its strings are the copies below. */
    steme_query q;
    char *subject, *predicate, *lens;
    char *lens_name; /* canonical, from the first result */
    const char *lens_label;
    /* The notifier's alone once linked. */
    uint64_t pos; /* the conclusions are those at this log position */
    concl *concl;
    size_t n_concl;
    /* Under w->lock. */
    char *buf; /* queued bytes; buf[off..len) still to send */
    size_t len, off, cap;
    uint64_t queued_ns; /* when something was last queued: heartbeats fill silences */
    bool suspended;     /* the reader suspended the connection and no one resumed it */
    bool ended;         /* send what is queued, then end the stream */
    bool linked;
    unsigned refs; /* pins by the notifier */
} watcher;

struct srv_watch {
    srv *s;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool started, stopping, poked;
    watcher *head;
    unsigned count; /* streams open, and slots reserved by handlers */
};

/* ---- conclusions --------------------------------------------------------------------- */

static void
concls_free(concl *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].predicate);
        free(c[i].winner);
    }
    free(c);
}

/* The conclusions of res, one per answer, in its (byte) order. False when out of memory. */
static bool
concls_of(const steme_result *res, concl **ret, size_t *n_ret)
{
    size_t n = steme_result_count(res);
    concl *c = calloc(n ? n : 1, sizeof(*c));
    if (!c)
        return false;
    for (size_t i = 0; i < n; i++) {
        const steme_answer *a = steme_result_answer(res, i);
        c[i].predicate = malloc(a->predicate.len + 1);
        c[i].winner = a->has_winner ? steme__fmt_value(&a->alternatives[a->winner].value) : NULL;
        if (!c[i].predicate || (a->has_winner && !c[i].winner)) {
            concls_free(c, i + 1);
            return false;
        }
        memcpy(c[i].predicate, a->predicate.ptr, a->predicate.len);
        c[i].predicate[a->predicate.len] = '\0';
        c[i].predicate_len = a->predicate.len;
        c[i].has_winner = a->has_winner;
        c[i].reason = a->reason;
    }
    *ret = c;
    *n_ret = n;
    return true;
}

static int
keycmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static bool
same(const concl *c, bool has_winner, const char *winner, const char *reason)
{
    return c->has_winner == has_winner && strcmp(c->reason, reason) == 0 &&
           (!has_winner || strcmp(c->winner, winner) == 0);
}

/* ---- events -------------------------------------------------------------------------- */

/*
 * One event: "id: POS\nevent: NAME\ndata: {...}\n\n". The data is compact JSON (no newline):
 * {"subject", "predicate", "lens", "position", "winner", "reason", "conflict", "receipt",
 * "previous"}; previous is null in a snapshot, else {"winner", "reason"}. An answer a of
 * NULL stands for a key that no longer has an answer (no winner, "empty").
 */
static bool
put_event(FILE *f, const watcher *wt, uint64_t pos, const char *name, const char *predicate,
          size_t predicate_len, const steme_answer *a, const concl *prev)
{
    char *winner = a && a->has_winner ? steme__fmt_value(&a->alternatives[a->winner].value) : NULL;
    char receipt[65];
    if (a)
        steme_hex(a->receipt, 32, receipt);
    json_t *j =
        json_pack("{s:s, s:s%, s:s, s:I, s:s?, s:s, s:f, s:s?, s:o}", "subject", wt->subject,
                  "predicate", predicate, predicate_len, "lens", wt->lens_name, "position",
                  (json_int_t)pos, "winner", winner, "reason", a ? a->reason : "empty", "conflict",
                  a ? a->conflict : 0.0, "receipt", a ? receipt : NULL, "previous",
                  prev ? json_pack("{s:s?, s:s}", "winner", prev->winner, "reason", prev->reason)
                       : json_null());
    free(winner);
    char *data = j ? srv_json_dumps(j, NULL) : NULL;
    json_decref(j);
    if (!data)
        return false;
    fprintf(f, "id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)pos, name, data);
    free(data);
    return true;
}

/*
 * The events that take a client from the conclusions old (n_old; NULL in a snapshot) to
 * those of res, written to f: in a snapshot every key, else the keys whose conclusion
 * differs (winner, whether there is one, or the reason there is none). A key missing on one
 * side counts as "no winner, empty". False when out of memory.
 */
static bool
put_changes(FILE *f, const watcher *wt, const steme_result *res, const concl *old, size_t n_old,
            bool snapshot)
{
    static const concl none = {.reason = "empty"};
    uint64_t pos = steme_result_position(res);
    size_t n = steme_result_count(res), i = 0, j = 0;
    bool ok = true;

    while (ok && (i < n || j < n_old)) {
        const steme_answer *a = i < n ? steme_result_answer(res, i) : NULL;
        const concl *c = j < n_old ? &old[j] : NULL;
        int cmp = !a   ? 1
                  : !c ? -1
                       : keycmp(a->predicate.ptr, a->predicate.len, c->predicate, c->predicate_len);
        if (cmp > 0) { /* a key that no longer has an answer */
            if (!same(c, false, NULL, "empty"))
                ok = put_event(f, wt, pos, "conclusion", c->predicate, c->predicate_len, NULL, c);
            j++;
            continue;
        }
        const concl *prev = cmp == 0 ? c : &none;
        char *w = a->has_winner ? steme__fmt_value(&a->alternatives[a->winner].value) : NULL;
        if (a->has_winner && !w)
            return false;
        if (snapshot)
            ok = put_event(f, wt, pos, "snapshot", a->predicate.ptr, a->predicate.len, a, NULL);
        else if (!same(prev, a->has_winner, w, a->reason))
            ok = put_event(f, wt, pos, "conclusion", a->predicate.ptr, a->predicate.len, a, prev);
        free(w);
        i++;
        j += cmp == 0;
    }
    return ok;
}

/* ---- the queue ----------------------------------------------------------------------- */

/* Resume wt's connection if its reader parked it (under w->lock). */
static void
wake(watcher *wt)
{
    if (wt->suspended && wt->linked) {
        wt->suspended = false;
        MHD_resume_connection(wt->conn);
    }
}

/* Queue len bytes for wt (under w->lock) and resume its connection if it waits. Past
 * QUEUE_CAP the stream is ended instead: a client that reads that slowly reconnects with
 * Last-Event-ID and is brought up to date. */
static void
enqueue(watcher *wt, const char *text, size_t len)
{
    if (wt->ended)
        return;
    if (wt->off == wt->len)
        wt->off = wt->len = 0;
    if (wt->len - wt->off + len > QUEUE_CAP) {
        wt->ended = true;
    } else {
        if (wt->len + len > wt->cap) {
            /* Compact before growing: what was sent is gone. */
            memmove(wt->buf, wt->buf + wt->off, wt->len - wt->off);
            wt->len -= wt->off;
            wt->off = 0;
        }
        if (wt->len + len > wt->cap) {
            size_t cap = wt->cap ? wt->cap : BLOCK_SIZE;
            while (cap < wt->len + len)
                cap *= 2;
            char *nb = realloc(wt->buf, cap);
            if (!nb) {
                wt->ended = true;
                goto out_resume;
            }
            wt->buf = nb;
            wt->cap = cap;
        }
        memcpy(wt->buf + wt->len, text, len);
        wt->len += len;
        wt->queued_ns = srv_now_ns();
    }
out_resume:
    wake(wt);
}

/* ---- the stream ---------------------------------------------------------------------- */

static void
watcher_free(watcher *wt)
{
    if (!wt)
        return;
    concls_free(wt->concl, wt->n_concl);
    free(wt->subject);
    free(wt->predicate);
    free(wt->lens);
    free(wt->lens_name);
    free(wt->buf);
    free(wt);
}

/* libmicrohttpd asks for the next bytes of the stream. */
static ssize_t
reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    watcher *wt = cls;
    srv_watch *w = wt->w;
    ssize_t n;

    pthread_mutex_lock(&w->lock);
    if (wt->off < wt->len) {
        size_t k = wt->len - wt->off < max ? wt->len - wt->off : max;
        memcpy(buf, wt->buf + wt->off, k);
        wt->off += k;
        n = (ssize_t)k;
    } else if (wt->ended || w->stopping) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        /* Nothing to send: park the connection until the notifier queues something. */
        wt->suspended = true;
        MHD_suspend_connection(wt->conn);
        n = 0;
    }
    pthread_mutex_unlock(&w->lock);
    return n;
}

/* The response is gone (stream ended or connection closed): unlink at once, so that the
 * notifier never resumes a connection that libmicrohttpd is about to free. */
static void
release(void *cls)
{
    watcher *wt = cls;
    srv_watch *w = wt->w;

    pthread_mutex_lock(&w->lock);
    if (wt->linked) {
        if (wt->prev)
            wt->prev->next = wt->next;
        else
            w->head = wt->next;
        if (wt->next)
            wt->next->prev = wt->prev;
        wt->linked = false;
    }
    wt->suspended = false;
    w->count--;
    bool last = wt->refs == 0;
    pthread_mutex_unlock(&w->lock);
    if (last)
        watcher_free(wt);
}

/* ---- the notifier -------------------------------------------------------------------- */

/* Re-run wt's query at the latest position and return the events it gives (malloc'ed, *len
 * bytes; NULL with *len 0 when there are none); *end when the stream must end after them.
 * Notifier thread, without the lock. */
static char *
evaluate(srv_watch *w, watcher *wt, size_t *len, bool *end)
{
    steme_result *res = NULL;
    steme_errinfo ei = {0};
    char *text = NULL;
    uint64_t t0 = srv_now_ns();
    FILE *f;

    *len = 0;
    steme_err err = steme_db_query(w->s->db, &wt->q, &res, &ei);
    if (err != STEME_OK) {
        /* The query was valid when the stream began: it can fail now only for a limit
         * (more candidates than a query reads) or a store error. Tell the client and end. */
        srv_logf(SRV_WARN, "watch.query", "%s", steme_strerror(err));
        json_t *e =
            json_pack("{s:s, s:s}", "error", srv_err_code(err), "message", steme_strerror(err));
        char *data = e ? srv_json_dumps(e, NULL) : NULL;
        json_decref(e);
        if (data && (f = open_memstream(&text, len)) != NULL) {
            fprintf(f, "event: error\ndata: %s\n\n", data);
            fclose(f);
        }
        free(data);
        *end = true;
        return text;
    }
    srv_metrics_lens(w->s->metrics, wt->lens_label, srv_now_ns() - t0,
                     steme_result_materialized(res));
    concl *now = NULL;
    size_t n_now = 0;
    if ((f = open_memstream(&text, len)) == NULL || !concls_of(res, &now, &n_now)) {
        if (f)
            fclose(f);
        free(text);
        steme_result_free(res);
        *len = 0;
        return NULL; /* out of memory: try again at the next poll */
    }
    bool ok = put_changes(f, wt, res, wt->concl, wt->n_concl, false);
    fclose(f);
    if (!ok) {
        concls_free(now, n_now);
        free(text);
        steme_result_free(res);
        *len = 0;
        return NULL;
    }
    concls_free(wt->concl, wt->n_concl);
    wt->concl = now;
    wt->n_concl = n_now;
    wt->pos = steme_result_position(res);
    steme_result_free(res);
    if (*len == 0) {
        free(text);
        return NULL;
    }
    return text;
}

static void
unpin(srv_watch *w, watcher *wt)
{
    /* Under w->lock; returns with it held. */
    if (--wt->refs == 0 && !wt->linked) {
        pthread_mutex_unlock(&w->lock);
        watcher_free(wt);
        pthread_mutex_lock(&w->lock);
    }
}

/* One pass: heartbeats, then every watcher behind the log re-evaluated. Called and returns
 * with w->lock held. */
static void
pass(srv_watch *w, watcher ***pins, size_t *cap)
{
    uint64_t now = srv_now_ns();
    uint64_t beat = (uint64_t)w->s->cfg->watch_heartbeat_s * 1000000000u;
    static const char keepalive[] = ": keepalive\n\n";

    for (watcher *wt = w->head; wt; wt = wt->next)
        if (!wt->ended && wt->off == wt->len && now - wt->queued_ns >= beat)
            enqueue(wt, keepalive, sizeof(keepalive) - 1);
    if (!w->head)
        return;

    pthread_mutex_unlock(&w->lock);
    uint64_t last;
    steme_err err = steme_db_last_seq(w->s->db, &last);
    pthread_mutex_lock(&w->lock);
    if (err != STEME_OK)
        return;

    size_t n = 0;
    for (watcher *wt = w->head; wt; wt = wt->next) {
        if (wt->ended || wt->pos >= last)
            continue;
        if (n == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            watcher **np = realloc(*pins, nc * sizeof(*np));
            if (!np)
                break;
            *pins = np;
            *cap = nc;
        }
        wt->refs++;
        (*pins)[n++] = wt;
    }
    for (size_t i = 0; i < n; i++) {
        watcher *wt = (*pins)[i];
        size_t len = 0;
        char *text = NULL;
        bool end = false;
        if (wt->linked && !w->stopping) {
            pthread_mutex_unlock(&w->lock);
            text = evaluate(w, wt, &len, &end);
            pthread_mutex_lock(&w->lock);
        }
        if (wt->linked && text)
            enqueue(wt, text, len);
        if (wt->linked && end) {
            wt->ended = true;
            wake(wt);
        }
        free(text);
        unpin(w, wt);
    }
}

static void *
notifier(void *arg)
{
    srv_watch *w = arg;
    watcher **pins = NULL;
    size_t cap = 0;

    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        if (!w->poked) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += POLL_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&w->wake, &w->lock, &until);
        }
        w->poked = false;
        if (!w->stopping)
            pass(w, &pins, &cap);
    }
    pthread_mutex_unlock(&w->lock);
    free(pins);
    return NULL;
}

/* ---- lifecycle ----------------------------------------------------------------------- */

srv_watch *
srv_watch_new(srv *s)
{
    srv_watch *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->s = s;
    /* The poll timeout is measured on the monotonic clock: a clock step must not stall it. */
    pthread_condattr_t ca;
    bool ok = pthread_condattr_init(&ca) == 0;
    if (ok) {
        ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&w->wake, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (!ok || pthread_mutex_init(&w->lock, NULL) != 0) {
        if (ok)
            pthread_cond_destroy(&w->wake);
        free(w);
        return NULL;
    }
    return w;
}

void
srv_watch_start(srv_watch *w)
{
    int rc = pthread_create(&w->thread, NULL, notifier, w);
    if (rc != 0)
        srv_logf(SRV_ERROR, "watch.start", "no notifier thread: %s", strerror(rc));
    w->started = rc == 0;
}

void
srv_watch_poke(srv_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->poked = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

void
srv_watch_stop(srv_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    for (watcher *wt = w->head; wt; wt = wt->next) {
        /* A stream must not stay suspended: libmicrohttpd cannot stop with one. */
        wt->ended = true;
        wake(wt);
    }
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (w->started)
        pthread_join(w->thread, NULL);
    w->started = false;
}

void
srv_watch_free(srv_watch *w)
{
    if (!w)
        return;
    /* After the daemon stopped every response was released: nothing is linked. Free what a
     * misbehaving shutdown might have left rather than leak it. */
    while (w->head) {
        watcher *wt = w->head;
        w->head = wt->next;
        watcher_free(wt);
    }
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

unsigned
srv_watch_count(srv_watch *w)
{
    if (!w)
        return 0;
    pthread_mutex_lock(&w->lock);
    unsigned n = w->count;
    pthread_mutex_unlock(&w->lock);
    return n;
}

/* ---- GET /v1/watch ------------------------------------------------------------------- */

/* Last-Event-ID: the log position of the last event the client received; 0 when absent. */
static bool
last_event_id(srv_req *r, uint64_t *ret)
{
    const char *s = srv_header(r, "Last-Event-ID");
    *ret = 0;
    if (!s || *s == '\0')
        return true;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || errno || *end) {
        srv_fail(r, 400, "invalid", "Last-Event-ID",
                 "Last-Event-ID: must be a log position (the id of an event of this stream)");
        return false;
    }
    *ret = v;
    return true;
}

static char *
dup_str(steme_str s)
{
    char *d = malloc(s.len + 1);
    if (d) {
        if (s.len)
            memcpy(d, s.ptr, s.len);
        d[s.len] = '\0';
    }
    return d;
}

/* The watcher for p, its first conclusions taken from res, its first events queued: a
 * snapshot, or after a reconnection the changes since position `since`. NULL when out of
 * memory. */
static watcher *
watcher_new(srv_req *r, const srv_qp *p, const steme_result *res, uint64_t since)
{
    watcher *wt = calloc(1, sizeof(*wt));
    if (!wt)
        return NULL;
    wt->w = r->s->watch;
    wt->conn = r->conn;
    wt->q = p->q;
    wt->subject = dup_str(p->q.subject);
    wt->predicate = dup_str(p->q.predicate);
    wt->lens = p->q.lens ? strdup(p->q.lens) : NULL;
    wt->lens_name = strdup(steme_result_lens(res));
    wt->lens_label = srv_qp_lens_label(wt->lens_name);
    wt->q.subject = steme_str_c(wt->subject);
    wt->q.predicate = steme_str_c(wt->predicate);
    wt->q.lens = wt->lens;
    wt->pos = steme_result_position(res);
    if (!wt->subject || !wt->predicate || (p->q.lens && !wt->lens) || !wt->lens_name ||
        !concls_of(res, &wt->concl, &wt->n_concl)) {
        watcher_free(wt);
        return NULL;
    }

    /* The conclusions the client last saw, at `since`. */
    steme_result *then = NULL;
    concl *old = NULL;
    size_t n_old = 0;
    if (since > 0 && since <= wt->pos) {
        steme_query at = wt->q;
        steme_errinfo ei = {0};
        at.as_of = since;
        if (steme_db_query(r->s->db, &at, &then, &ei) != STEME_OK || !concls_of(then, &old, &n_old))
            since = 0; /* cannot say what the client saw: give the whole picture */
        steme_result_free(then);
    } else {
        since = 0; /* none, or a position this log never had: a snapshot */
    }

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    bool ok = f != NULL;
    if (ok) {
        fprintf(f, "retry: %d\n\n", RETRY_MS);
        ok = put_changes(f, wt, res, old, n_old, since == 0);
        fclose(f);
    }
    concls_free(old, n_old);
    if (!ok) {
        free(text);
        watcher_free(wt);
        return NULL;
    }
    wt->buf = text;
    wt->len = wt->cap = len;
    wt->queued_ns = srv_now_ns();
    return wt;
}

void
srv_api_watch(srv_req *r)
{
    srv_watch *w = r->s->watch;
    srv_qp p;
    uint64_t since;
    steme_result *res = NULL;
    steme_errinfo ei = {0};
    watcher *wt = NULL;

    if (!last_event_id(r, &since) || !srv_qp_parse(r, NULL, SRV_QP_WATCH, &p))
        return;

    /* The query first, so that a bad one is told so even when every slot is taken. */
    uint64_t t0 = srv_now_ns();
    steme_err err = steme_db_query(r->s->db, &p.q, &res, &ei);
    if (err != STEME_OK) {
        srv_qp_fail(r, err, &ei, false);
        goto out;
    }
    r->lens = srv_qp_lens_label(steme_result_lens(res));
    srv_metrics_lens(r->s->metrics, r->lens, srv_now_ns() - t0, steme_result_materialized(res));

    /* A slot is taken under the lock, so that the cap holds however many connect at once. */
    pthread_mutex_lock(&w->lock);
    bool stopping = w->stopping, full = w->count >= r->s->cfg->max_watchers;
    if (!stopping && !full)
        w->count++;
    pthread_mutex_unlock(&w->lock);
    if (stopping || full) {
        if (stopping)
            srv_fail(r, 503, "stopping", NULL, "the server is shutting down");
        else
            srv_fail(r, 503, "busy", NULL,
                     "%u change feeds are open, the most this server allows "
                     "(STEMEDB_MAX_WATCHERS)",
                     r->s->cfg->max_watchers);
        r->resp.retry_after = stopping ? 1 : BUSY_RETRY;
        goto out;
    }
    if ((wt = watcher_new(r, &p, res, since)) == NULL) {
        srv_fail(r, 500, "no_memory", NULL, "out of memory");
        goto out_release_slot;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, BLOCK_SIZE, reader, wt, release);
    if (!resp) {
        watcher_free(wt);
        srv_fail(r, 500, "no_memory", NULL, "out of memory");
        goto out_release_slot;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    /* Proxies that buffer (nginx) would hold events back. */
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");

    /* From here the response owns wt: release() frees it and gives the slot back. */
    pthread_mutex_lock(&w->lock);
    wt->linked = true;
    wt->next = w->head;
    if (w->head)
        w->head->prev = wt;
    w->head = wt;
    pthread_mutex_unlock(&w->lock);

    r->resp.stream = resp;
    r->resp.status = 200;
    r->handled = true;
    goto out;

out_release_slot:
    pthread_mutex_lock(&w->lock);
    w->count--;
    pthread_mutex_unlock(&w->lock);
out:
    steme_result_free(res);
    srv_qp_free(&p);
}
