/* SPDX-License-Identifier: MIT */
/*
 * api_catalog.c -- what the knowledge rules keep about the world around the claims: sources
 * (list, detail, impact of a retraction; register, retract, reinstate), agents (profile,
 * counts and trust; profile events), epochs, gold standards and the quarantine queue.
 *
 * Reads answer with the CLI's --json documents (views.h). Writes are signed events submitted
 * like any record (ingest.h), through routes that accept only the event type they are named
 * for -- and, for the routes that name a source or an assertion in the path, only events about
 * exactly that one.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "ingest.h"
#include "params.h"
#include "record_json.h"
#include "views.h"

/* ---- sources ------------------------------------------------------------------------------ */

typedef struct source_page {
    const uint8_t *after; /* the cursor's source id; NULL: from the first */
    size_t after_len;
    size_t limit;
    json_t *arr;
    char last[STEME_MAX_SOURCE + 1];
    bool more;
    bool oom;
} source_page;

static int
on_source(const steme_source_info *s, void *ctx)
{
    source_page *p = ctx;
    if (p->after) {
        /* Skip up to the cursor's source: sources are never removed, so it is still there,
         * and the walk's order is the table's, the same for every page. */
        if (strlen(s->id) == p->after_len && memcmp(s->id, p->after, p->after_len) == 0)
            p->after = NULL;
        return 0;
    }
    if (json_array_size(p->arr) == p->limit) {
        p->more = true;
        return 1;
    }
    json_t *j = steme__json_source(s);
    if (!j || json_array_append_new(p->arr, j) != 0) {
        p->oom = true;
        return 1;
    }
    snprintf(p->last, sizeof(p->last), "%s", s->id);
    return 0;
}

void
srv_api_sources_list(srv_req *r)
{
    static const char *const args[] = {"limit", "cursor", NULL};
    uint8_t after[STEME_MAX_SOURCE];
    source_page p = {0};
    if (!srv_args_only(r, args) || !srv_arg_limit(r, &p.limit) ||
        !srv_arg_cursor_bytes(r, 's', after, sizeof(after), &p.after_len))
        return;
    p.after = p.after_len ? after : NULL;
    p.arr = json_array();
    steme_err err = p.arr ? steme_db_sources(r->s->db, on_source, &p) : STEME_ENOMEM;
    if (err == STEME_OK && p.oom)
        err = STEME_ENOMEM;
    if (err == STEME_OK && p.after) {
        json_decref(p.arr);
        srv_fail(r, 400, "invalid", "cursor",
                 "cursor: names no source (pass next_cursor of the "
                 "previous page unchanged)");
        return;
    }
    if (err != STEME_OK) {
        json_decref(p.arr);
        srv_fail_err(r, err, NULL, "listing sources");
        return;
    }
    srv_ok(r, json_pack("{s:o, s:o}", "sources", p.arr, "next_cursor",
                        srv_cursor_bytes('s', (const uint8_t *)p.last, strlen(p.last), !p.more)));
}

void
srv_api_source_get(srv_req *r)
{
    const char *id;
    if (!srv_param_source(r, "id", &id) || !srv_args_only(r, NULL))
        return;
    steme_source_info info;
    steme_entry *reg = NULL, *set = NULL;
    steme_err err = steme_db_source(r->s->db, steme_str_c(id), &info);
    if (err == STEME_OK && info.registered_seq != 0)
        err = steme_db_get_seq(r->s->db, info.registered_seq, &reg);
    if (err == STEME_OK && info.status_seq != 0)
        err = steme_db_get_seq(r->s->db, info.status_seq, &set);
    if (err == STEME_ENOTFOUND && !reg)
        srv_fail(r, 404, "not_found", "id", "no source %s (neither registered nor cited)", id);
    else if (err != STEME_OK)
        srv_fail_err(r, err, NULL, "reading the source");
    else
        srv_ok(r, steme__json_source_detail(&info, reg, set));
    steme_entry_free(reg);
    steme_entry_free(set);
}

void
srv_api_source_impact(srv_req *r)
{
    const char *id;
    if (!srv_param_source(r, "id", &id) || !srv_args_only(r, NULL))
        return;
    /* A dry run: the real cascade in a write transaction that is thrown away. */
    steme_cascade_report rep;
    steme_err err = steme_db_impact(r->s->db, steme_str_c(id), &rep);
    if (err == STEME_ENOTFOUND)
        srv_fail(r, 404, "not_found", "id", "no source %s (neither registered nor cited)", id);
    else if (err == STEME_EINVAL)
        srv_fail(r, 409, "conflict", "id", "source %s is already retracted", id);
    else if (err != STEME_OK)
        srv_fail_err(r, err, NULL, "computing the impact");
    else
        srv_ok(r, steme__json_impact(id, &rep));
}

void
srv_api_source_register(srv_req *r)
{
    static const srv_ingest_want want = {.kind = STEME_RECORD_EVENT,
                                         .types = {STEME_EVENT_SOURCE_REGISTER}};
    if (srv_args_only(r, NULL))
        srv_ingest(r, &want);
}

static void
source_status(srv_req *r, steme_event_type type)
{
    const char *id;
    if (!srv_param_source(r, "id", &id) || !srv_args_only(r, NULL))
        return;
    srv_ingest_want want = {.kind = STEME_RECORD_EVENT, .types = {type}, .source = id};
    srv_ingest(r, &want);
}

void
srv_api_source_retract(srv_req *r)
{
    source_status(r, STEME_EVENT_SOURCE_RETRACT);
}

void
srv_api_source_reinstate(srv_req *r)
{
    source_status(r, STEME_EVENT_SOURCE_REINSTATE);
}

/* ---- agents ------------------------------------------------------------------------------- */

/* The agent's display name from its latest profile event; NULL when none (free it). */
static steme_err
agent_name(steme_db *db, const steme_agent_info *a, char **ret)
{
    *ret = NULL;
    if (a->profile_seq == 0)
        return STEME_OK;
    steme_entry *e = NULL;
    steme_err err = steme_db_get_seq(db, a->profile_seq, &e);
    if (err != STEME_OK)
        return err;
    steme_str name =
        e->record.kind == STEME_RECORD_EVENT ? e->record.event.display_name : (steme_str){0};
    if (name.len > 0 && !(*ret = strndup(name.ptr, name.len)))
        err = STEME_ENOMEM;
    steme_entry_free(e);
    return err;
}

/* An agent with its name, as `steme agent show --json`. */
static steme_err
agent_json(steme_db *db, const steme_agent_info *a, json_t **ret)
{
    char *name;
    steme_err err = agent_name(db, a, &name);
    if (err != STEME_OK)
        return err;
    *ret = steme__json_agent(a, name);
    free(name);
    return *ret ? STEME_OK : STEME_ENOMEM;
}

static int
found(const steme_entry *e, void *ctx)
{
    (void)e;
    *(bool *)ctx = true;
    return 1;
}

typedef struct agent_page {
    steme_db *db;
    uint64_t as_of;       /* 0: now */
    const uint8_t *after; /* the cursor's key; NULL: from the first */
    size_t limit;
    steme_agent_info *items; /* limit of them */
    size_t n;
    bool more;
    steme_err err;
} agent_page;

static int
on_agent(const steme_agent_info *a, void *ctx)
{
    agent_page *p = ctx;
    if (p->after) {
        if (memcmp(a->key.b, p->after, STEME_PUBKEY_SIZE) == 0)
            p->after = NULL;
        return 0;
    }
    if (p->as_of != 0) {
        /* An agent that had signed nothing by then did not exist then (as `steme trust show
         * --as-of`). A nested read inside the walk's snapshot, which the store allows. */
        bool existed = false;
        steme_list_options o = {
            .index = STEME_INDEX_AGENT, .agent = a->key, .as_of = p->as_of, .limit = 1};
        p->err = steme_db_list(p->db, &o, found, &existed);
        if (p->err != STEME_OK)
            return 1;
        if (!existed)
            return 0;
    }
    if (p->n == p->limit) {
        p->more = true;
        return 1;
    }
    p->items[p->n++] = *a;
    return 0;
}

void
srv_api_agents_list(srv_req *r)
{
    static const char *const args[] = {"as_of", "limit", "cursor", NULL};
    uint8_t after[STEME_PUBKEY_SIZE];
    size_t after_len;
    bool has_as_of;
    agent_page p = {.db = r->s->db};
    if (!srv_args_only(r, args) || !srv_arg_as_of(r, &p.as_of, &has_as_of) ||
        !srv_arg_limit(r, &p.limit) ||
        !srv_arg_cursor_bytes(r, 'a', after, sizeof(after), &after_len))
        return;
    if (has_as_of && p.as_of == 0) {
        srv_fail(r, 400, "invalid", "as_of", "as_of: must be a log position from 1");
        return;
    }
    if (after_len != 0 && after_len != sizeof(after)) {
        srv_fail(r, 400, "invalid", "cursor",
                 "cursor: malformed (pass next_cursor of the "
                 "previous page unchanged)");
        return;
    }
    p.after = after_len ? after : NULL;
    /* Collected first, then read: each row needs further reads (trust as of, the name). */
    p.items = calloc(p.limit, sizeof(*p.items));
    steme_err err = p.items ? steme_db_agents(r->s->db, on_agent, &p) : STEME_ENOMEM;
    if (err == STEME_OK)
        err = p.err;
    if (err == STEME_OK && p.after) {
        free(p.items);
        srv_fail(r, 400, "invalid", "cursor",
                 "cursor: names no agent (pass next_cursor of the "
                 "previous page unchanged)");
        return;
    }
    json_t *arr = err == STEME_OK ? json_array() : NULL;
    if (err == STEME_OK && !arr)
        err = STEME_ENOMEM;
    for (size_t i = 0; err == STEME_OK && i < p.n; i++) {
        steme_agent_info a = p.items[i];
        json_t *j = NULL;
        if (p.as_of != 0)
            err = steme_db_agent(r->s->db, &p.items[i].key, p.as_of, &a);
        if (err == STEME_OK)
            err = agent_json(r->s->db, &a, &j);
        if (err == STEME_OK && json_array_append_new(arr, j) != 0)
            err = STEME_ENOMEM;
    }
    if (err != STEME_OK) {
        json_decref(arr);
        free(p.items);
        srv_fail_err(r, err, NULL, "listing agents");
        return;
    }
    const uint8_t *last = p.n ? p.items[p.n - 1].key.b : NULL;
    srv_ok(r, json_pack("{s:o, s:o}", "agents", arr, "next_cursor",
                        srv_cursor_bytes('a', last, last ? STEME_PUBKEY_SIZE : 0, !p.more)));
    free(p.items);
}

void
srv_api_agent_get(srv_req *r)
{
    static const char *const args[] = {"as_of", NULL};
    steme_pubkey key;
    uint64_t as_of;
    bool has_as_of;
    if (!srv_param_key(r, "key", &key) || !srv_args_only(r, args) ||
        !srv_arg_as_of(r, &as_of, &has_as_of))
        return;
    if (has_as_of && as_of == 0) {
        srv_fail(r, 400, "invalid", "as_of", "as_of: must be a log position from 1");
        return;
    }
    /* An agent never seen is still an agent: the prior trust and zero counts (steme.h). */
    steme_agent_info a;
    json_t *j = NULL;
    steme_err err = steme_db_agent(r->s->db, &key, as_of, &a);
    if (err == STEME_OK)
        err = agent_json(r->s->db, &a, &j);
    if (err != STEME_OK)
        srv_fail_err(r, err, NULL, "reading the agent");
    else
        srv_ok(r, j);
}

void
srv_api_agent_profile(srv_req *r)
{
    static const srv_ingest_want want = {.kind = STEME_RECORD_EVENT,
                                         .types = {STEME_EVENT_AGENT_PROFILE}};
    if (srv_args_only(r, NULL))
        srv_ingest(r, &want);
}

/* ---- epochs ------------------------------------------------------------------------------- */

/* Most epoch events a listing gathers; more is refused rather than cut short. */
#define MAX_EPOCH_EVENTS 100000

/* One epoch_open or epoch_supersede event. */
typedef struct epoch_event {
    uint64_t seq;
    steme_event_type type;
    json_t *epoch, *successor, *reason; /* owned */
    int64_t recorded_at;
} epoch_event;

typedef struct epoch_walk {
    steme_db *db;
    epoch_event *evs;
    size_t n, cap;
    steme_pubkey *signers; /* agents that signed events */
    size_t n_signers, cap_signers;
    steme_err err;
} epoch_walk;

static int
on_signer(const steme_agent_info *a, void *ctx)
{
    epoch_walk *w = ctx;
    if (a->events == 0)
        return 0;
    if (w->n_signers == w->cap_signers) {
        size_t cap = w->cap_signers ? 2 * w->cap_signers : 64;
        steme_pubkey *grown = realloc(w->signers, cap * sizeof(*grown));
        if (!grown) {
            w->err = STEME_ENOMEM;
            return 1;
        }
        w->signers = grown;
        w->cap_signers = cap;
    }
    w->signers[w->n_signers++] = a->key;
    return 0;
}

static int
on_epoch_event(const steme_entry *e, void *ctx)
{
    epoch_walk *w = ctx;
    const steme_event *ev = &e->record.event;
    if (e->record.kind != STEME_RECORD_EVENT ||
        (ev->type != STEME_EVENT_EPOCH_OPEN && ev->type != STEME_EVENT_EPOCH_SUPERSEDE))
        return 0;
    if (w->n == MAX_EPOCH_EVENTS) {
        w->err = STEME_ELIMIT;
        return 1;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        epoch_event *grown = realloc(w->evs, cap * sizeof(*grown));
        if (!grown) {
            w->err = STEME_ENOMEM;
            return 1;
        }
        w->evs = grown;
        w->cap = cap;
    }
    epoch_event *out = &w->evs[w->n++];
    *out = (epoch_event){
        .seq = e->seq,
        .type = ev->type,
        .epoch = json_stringn(ev->epoch.ptr, ev->epoch.len),
        .successor = steme__json_str_or_null(ev->successor),
        .reason = steme__json_str_or_null(ev->reason),
        .recorded_at = e->recorded_at,
    };
    if (!out->epoch || !out->successor || !out->reason) {
        w->err = STEME_ENOMEM;
        return 1;
    }
    return 0;
}

static int
by_seq(const void *a, const void *b)
{
    const epoch_event *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The epochs in the order they were opened, each with its supersession when it has one. */
static json_t *
epochs_json(epoch_walk *w)
{
    if (w->n > 1)
        qsort(w->evs, w->n, sizeof(*w->evs), by_seq);
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < w->n; i++) {
        epoch_event *ev = &w->evs[i];
        const char *name = json_string_value(ev->epoch);
        if (ev->type == STEME_EVENT_EPOCH_OPEN) {
            char at[32];
            steme__time_format(ev->recorded_at, at);
            json_t *j =
                json_pack("{s:O, s:s, s:I, s:s, s:O, s:n, s:n, s:n}", "epoch", ev->epoch, "status",
                          "open", "opened_seq", (json_int_t)ev->seq, "opened_at", at, "description",
                          ev->reason, "superseded_seq", "successor", "reason");
            if (!j || json_array_append_new(arr, j) != 0) {
                json_decref(arr);
                return NULL;
            }
            continue;
        }
        /* An epoch is opened once and superseded at most once (docs/rules.md). */
        for (size_t k = 0; k < json_array_size(arr); k++) {
            json_t *j = json_array_get(arr, k);
            if (strcmp(json_string_value(json_object_get(j, "epoch")), name) != 0)
                continue;
            json_object_set_new(j, "status", json_string("superseded"));
            json_object_set_new(j, "superseded_seq", json_integer((json_int_t)ev->seq));
            json_object_set(j, "successor", ev->successor);
            json_object_set(j, "reason", ev->reason);
            break;
        }
    }
    return arr;
}

void
srv_api_epochs_list(srv_req *r)
{
    if (!srv_args_only(r, NULL))
        return;
    /* The engine keeps epochs by name hash without a listing, so the listing is read from
     * the log: only admins open and supersede epochs, so only the records of agents that
     * signed events need reading, through the agent index. */
    epoch_walk w = {.db = r->s->db};
    steme_err err = steme_db_agents(r->s->db, on_signer, &w);
    if (err == STEME_OK)
        err = w.err;
    for (size_t i = 0; err == STEME_OK && i < w.n_signers; i++) {
        steme_list_options o = {.index = STEME_INDEX_AGENT, .agent = w.signers[i]};
        err = steme_db_list(r->s->db, &o, on_epoch_event, &w);
        if (err == STEME_OK)
            err = w.err;
    }
    json_t *arr = err == STEME_OK ? epochs_json(&w) : NULL;
    if (err == STEME_OK && !arr)
        err = STEME_ENOMEM;
    if (err != STEME_OK)
        srv_fail_err(r, err, NULL, "listing epochs");
    else
        srv_ok(r, json_pack("{s:o}", "epochs", arr));
    for (size_t i = 0; i < w.n; i++) {
        json_decref(w.evs[i].epoch);
        json_decref(w.evs[i].successor);
        json_decref(w.evs[i].reason);
    }
    free(w.evs);
    free(w.signers);
}

void
srv_api_epoch_event(srv_req *r)
{
    static const srv_ingest_want want = {
        .kind = STEME_RECORD_EVENT, .types = {STEME_EVENT_EPOCH_OPEN, STEME_EVENT_EPOCH_SUPERSEDE}};
    if (srv_args_only(r, NULL))
        srv_ingest(r, &want);
}

/* ---- gold standards ----------------------------------------------------------------------- */

void
srv_api_gold_get(srv_req *r)
{
    static const char *const args[] = {"subject", "predicate", NULL};
    const char *subject, *predicate;
    if (!srv_args_only(r, args) || !srv_arg_text(r, "subject", STEME_MAX_SUBJECT, &subject) ||
        !srv_arg_text(r, "predicate", STEME_MAX_PREDICATE, &predicate))
        return;
    if (!subject || !predicate) {
        const char *missing = !subject ? "subject" : "predicate";
        srv_fail(r, 400, "invalid", missing, "%s: missing (give subject and predicate)", missing);
        return;
    }
    steme_entry *e = NULL;
    steme_err err = steme_db_gold(r->s->db, steme_str_c(subject), steme_str_c(predicate), &e);
    if (err == STEME_ENOTFOUND)
        srv_fail(r, 404, "not_found", "predicate", "no gold standard for %s %s", subject,
                 predicate);
    else if (err != STEME_OK)
        srv_fail_err(r, err, NULL, "reading the gold standard");
    else
        srv_ok(r, steme__json_gold(e));
    steme_entry_free(e);
}

void
srv_api_gold_set(srv_req *r)
{
    static const srv_ingest_want want = {.kind = STEME_RECORD_EVENT,
                                         .types = {STEME_EVENT_GOLD_SET}};
    if (srv_args_only(r, NULL))
        srv_ingest(r, &want);
}

/* ---- quarantine --------------------------------------------------------------------------- */

typedef struct queue_page {
    steme_db *db;
    uint64_t after;
    size_t limit;
    json_t *entries;
    uint64_t last;
    bool more;
    steme_err err;
} queue_page;

static int
on_queued(const steme_entry *e, void *ctx)
{
    queue_page *p = ctx;
    if (e->seq <= p->after) /* oldest first: skip what earlier pages showed */
        return 0;
    if (json_array_size(p->entries) == p->limit) {
        p->more = true;
        return 1;
    }
    steme_state st;
    p->err = steme_db_state(p->db, &e->id, &st);
    if (p->err != STEME_OK)
        return 1;
    json_t *j = steme__json_quarantined(e, &st);
    if (!j || json_array_append_new(p->entries, j) != 0) {
        p->err = STEME_ENOMEM;
        return 1;
    }
    p->last = e->seq;
    return 0;
}

void
srv_api_quarantine_list(srv_req *r)
{
    static const char *const args[] = {"limit", "cursor", NULL};
    queue_page p = {.db = r->s->db};
    if (!srv_args_only(r, args) || !srv_arg_limit(r, &p.limit) || !srv_arg_cursor_seq(r, &p.after))
        return;
    p.entries = json_array();
    steme_err err = p.entries ? steme_db_quarantine(r->s->db, on_queued, &p) : STEME_ENOMEM;
    if (err == STEME_OK)
        err = p.err;
    if (err != STEME_OK) {
        json_decref(p.entries);
        srv_fail_err(r, err, NULL, "listing the quarantine");
        return;
    }
    srv_ok(r, json_pack("{s:o, s:o}", "entries", p.entries, "next_cursor",
                        srv_cursor_seq(p.last, !p.more)));
}

static void
decide(srv_req *r, steme_decision d)
{
    steme_id id;
    if (!srv_param_id(r, "id", &id) || !srv_args_only(r, NULL))
        return;
    srv_ingest_want want = {.kind = STEME_RECORD_EVENT,
                            .types = {STEME_EVENT_QUARANTINE_DECISION},
                            .target = &id,
                            .decision = d};
    srv_ingest(r, &want);
}

void
srv_api_quarantine_approve(srv_req *r)
{
    decide(r, STEME_DECISION_APPROVE);
}

void
srv_api_quarantine_reject(srv_req *r)
{
    decide(r, STEME_DECISION_REJECT);
}
