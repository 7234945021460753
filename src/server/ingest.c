/* SPDX-License-Identifier: MIT */
/*
 * ingest.c -- a batch of signed records in, one steme_db_ingest call, one answer per record
 * out (see ingest.h; the shapes are in docs/server.md, "Writing records").
 *
 * Reading happens in full before anything is written: every item is parsed, checked against
 * the route and encoded canonically first, so that a request that cannot be read is refused
 * whole (400) and the engine sees only records whose bytes are final. The engine then decides
 * per record; an atomic batch with any refusal stores nothing (the engine's guarantee), and
 * the answer says so for every record.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "ingest.h"
#include "metrics.h"
#include "record_json.h"
#include "views.h"
#include "watch.h"

#define FIELD_MAX 200

typedef struct item {
    uint8_t *bytes; /* canonical bytes (owned); NULL when the record did not encode */
    size_t len;
    steme_sig sig;
    steme_id id;
    steme_err err;         /* why the record did not encode (STEME_OK: it did) */
    const char *rule;      /* static */
    char field[FIELD_MAX]; /* the member that did not encode, relative to the item */
    bool sent;             /* given to the engine: res holds its verdict */
    steme_ingest_result res;
} item;

typedef struct batch {
    srv_req *r;
    const srv_ingest_want *want;
    size_t n;
    item *items;
    bool atomic;
    uint8_t *scratch;           /* STEME_MAX_RECORD bytes for encoding */
    steme__json_record *parsed; /* one item's parsed record */
} batch;

/* What became of one record. */
typedef enum outcome {
    OUT_STORED,     /* new or duplicate: res says which */
    OUT_REFUSED,    /* did not encode, or the engine refused it */
    OUT_NOT_STORED, /* fine, but its atomic batch was refused */
} outcome;

/* ---- reading ------------------------------------------------------------------------------ */

/* A JSON key quoted in an error: at most 64 bytes, cut on a UTF-8 boundary, with control
 * characters shown as '?' (the key comes from the client and may end up in a log line). */
static void
quote_key(char *out, size_t cap, const char *key, size_t len)
{
    if (len > 64) {
        len = 64;
        while (len > 0 && ((unsigned char)key[len] & 0xC0) == 0x80)
            len--;
    }
    if (len >= cap)
        len = cap - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)key[i] < 0x20 || key[i] == 0x7f ? '?' : key[i];
    out[len] = '\0';
}

/* Answer 400 for item i: member is the path inside the item ("" for the item itself). */
static bool item_fail(batch *b, size_t i, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool
item_fail(batch *b, size_t i, const char *member, const char *fmt, ...)
{
    char rule[320], field[FIELD_MAX + 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rule, sizeof(rule), fmt, ap);
    va_end(ap);
    snprintf(field, sizeof(field), "records[%zu]%s%s", i, member[0] ? "." : "", member);
    srv_fail(b->r, 400, "invalid", field, "records[%zu]: %s%s%s", i, member, member[0] ? ": " : "",
             rule);
    return false;
}

static bool
type_in(const steme_event_type *types, steme_event_type t)
{
    for (size_t k = 0; k < 3 && types[k]; k++)
        if (types[k] == t)
            return true;
    return false;
}

static const char *
type_name(steme_event_type t)
{
    const char *s = steme_event_type_name(t);
    return s ? s : "?";
}

/* Does the record fit the typed route? */
static bool
check_want(batch *b, size_t i, const steme_record *rec)
{
    const srv_ingest_want *w = b->want;
    const srv_route *rt = b->r->route;
    /* The admin-only events of the rules need an admin key on every route, /v1/records too:
     * the API role is a second gate beside the signer's role (docs/server.md "Roles"). */
    if (rec->kind == STEME_RECORD_EVENT && steme_event_admin_only(rec->event.type) &&
        b->r->role < STEME_APIKEY_ROLE_ADMIN) {
        char field[FIELD_MAX + 32];
        snprintf(field, sizeof(field), "records[%zu].record.type", i);
        srv_fail(b->r, 403, "forbidden", field, "records[%zu]: a %s event needs an admin API key",
                 i, type_name(rec->event.type));
        return false;
    }
    if (!w)
        return true;
    if (w->kind && rec->kind != w->kind) {
        const char *k = steme_record_kind_name(w->kind);
        return item_fail(b, i, "record.kind", "must be \"%s\" on %s %s", k ? k : "?", rt->method,
                         rt->pattern);
    }
    if (rec->kind == STEME_RECORD_ASSERTION && w->supersedes && rec->assertion.n_supersedes == 0)
        return item_fail(b, i, "record.supersedes", "must name at least one assertion on %s %s",
                         rt->method, rt->pattern);
    if (rec->kind != STEME_RECORD_EVENT)
        return true;
    const steme_event *ev = &rec->event;
    if (w->types[0] && !type_in(w->types, ev->type)) {
        if (w->types[1])
            return item_fail(b, i, "record.type", "must be \"%s\" or \"%s\" on %s %s",
                             type_name(w->types[0]), type_name(w->types[1]), rt->method,
                             rt->pattern);
        return item_fail(b, i, "record.type", "must be \"%s\" on %s %s", type_name(w->types[0]),
                         rt->method, rt->pattern);
    }
    if (w->source &&
        (ev->source.len != strlen(w->source) || memcmp(ev->source.ptr, w->source, ev->source.len)))
        return item_fail(b, i, "record.source", "must be the source named in the path");
    if (w->target && memcmp(ev->target.b, w->target->b, STEME_ID_SIZE) != 0)
        return item_fail(b, i, "record.target", "must be the assertion named in the path");
    if (w->decision && ev->decision != w->decision)
        return item_fail(b, i, "record.decision", "must be \"%s\" on %s %s",
                         w->decision == STEME_DECISION_APPROVE ? "approve" : "reject", rt->method,
                         rt->pattern);
    return true;
}

/* The members an item may have: the submission form, plus those of a stored entry. */
static const char *const item_members[] = {"record",      "signature", "id", "seq",
                                           "recorded_at", "stage",     NULL};

static bool
check_item_members(batch *b, size_t i, const json_t *j)
{
    const char *key;
    size_t key_len;
    json_t *v;
    json_object_keylen_foreach((json_t *)j, key, key_len, v)
    {
        size_t k = 0;
        while (item_members[k] &&
               (strlen(item_members[k]) != key_len || memcmp(item_members[k], key, key_len) != 0))
            k++;
        if (!item_members[k]) {
            char q[80];
            quote_key(q, sizeof(q), key, key_len);
            return item_fail(b, i, q,
                             "unknown member (an item is {\"record\", \"signature\"} "
                             "or a stored entry)");
        }
    }
    return true;
}

static bool
get_hex(const json_t *v, uint8_t *out, size_t n)
{
    return json_is_string(v) && json_string_length(v) == 2 * n &&
           steme_unhex(json_string_value(v), out, n) == STEME_OK;
}

/* Parse, check and encode item i. False after answering 400. */
static bool
read_item(batch *b, size_t i, const json_t *j)
{
    item *it = &b->items[i];
    if (!json_is_object(j))
        return item_fail(b, i, "", "not an object");
    if (!check_item_members(b, i, j))
        return false;

    const json_t *sig = json_object_get(j, "signature");
    if (!sig)
        return item_fail(b, i, "signature", "missing");
    if (!get_hex(sig, it->sig.b, sizeof(it->sig.b)))
        return item_fail(b, i, "signature", "not 128 hex digits");
    const json_t *idj = json_object_get(j, "id");
    steme_id claimed;
    if (idj && !get_hex(idj, claimed.b, sizeof(claimed.b)))
        return item_fail(b, i, "id", "not 64 hex digits");

    const json_t *rj = json_object_get(j, "record");
    if (!rj)
        return item_fail(b, i, "record", "missing");
    steme_errinfo ei = {0};
    if (steme__record_from_json(rj, b->parsed, &ei) != STEME_OK) {
        /* ei.field may live in a per-thread buffer: it is used before the next parse. */
        bool whole = !ei.field || strcmp(ei.field, "record") == 0;
        char member[FIELD_MAX];
        snprintf(member, sizeof(member), "record%s%s", whole ? "" : ".", whole ? "" : ei.field);
        return item_fail(b, i, member, "%s", ei.rule ? ei.rule : "invalid");
    }
    const steme_record *rec = &b->parsed->rec;
    if (!check_want(b, i, rec))
        return false;

    size_t len = 0;
    ei = (steme_errinfo){0};
    steme_err err = steme_record_encode(rec, b->scratch, STEME_MAX_RECORD, &len, &ei);
    if (err != STEME_OK) {
        /* Readable but not a valid record: refused like the engine's refusals. */
        it->err = err;
        it->rule = ei.rule               ? ei.rule
                   : err == STEME_ELIMIT ? "the encoded record exceeds 65536 bytes"
                                         : steme_strerror(err);
        snprintf(it->field, sizeof(it->field), "record%s%s", ei.field ? "." : "",
                 ei.field ? ei.field : "");
        return true;
    }
    steme_record_id(b->scratch, len, &it->id);
    if (idj && memcmp(claimed.b, it->id.b, STEME_ID_SIZE) != 0) {
        char hex[2 * STEME_ID_SIZE + 1];
        steme_hex(it->id.b, sizeof(it->id.b), hex);
        return item_fail(b, i, "id", "does not match the record: its canonical encoding has id %s",
                         hex);
    }
    it->bytes = malloc(len);
    if (!it->bytes) {
        srv_fail(b->r, 500, "no_memory", NULL, "out of memory");
        return false;
    }
    memcpy(it->bytes, b->scratch, len);
    it->len = len;
    return true;
}

/* Read the body into b->items. False after answering. */
static bool
read_batch(batch *b, json_t *body)
{
    srv_req *r = b->r;
    const char *key;
    size_t key_len;
    json_t *v;
    json_object_keylen_foreach(body, key, key_len, v)
    {
        if ((key_len == 7 && memcmp(key, "records", 7) == 0) ||
            (key_len == 6 && memcmp(key, "atomic", 6) == 0))
            continue;
        char q[80];
        quote_key(q, sizeof(q), key, key_len);
        srv_fail(r, 400, "invalid", q,
                 "%s: unknown member (the body is {\"records\": [...], "
                 "\"atomic\": true|false})",
                 q);
        return false;
    }
    const json_t *atomic = json_object_get(body, "atomic");
    if (atomic && !json_is_boolean(atomic)) {
        srv_fail(r, 400, "invalid", "atomic", "atomic: not a boolean");
        return false;
    }
    b->atomic = !atomic || json_is_true(atomic);
    const json_t *recs = json_object_get(body, "records");
    if (!recs) {
        srv_fail(r, 400, "invalid", "records", "records: missing");
        return false;
    }
    if (!json_is_array(recs)) {
        srv_fail(r, 400, "invalid", "records", "records: not an array");
        return false;
    }
    b->n = json_array_size(recs);
    if (b->n == 0) {
        srv_fail(r, 400, "invalid", "records", "records: must hold at least one record");
        return false;
    }
    if (b->n > SRV_INGEST_MAX_RECORDS) {
        srv_fail(r, 413, "too_large", "records",
                 "records: %zu records; at most %d per request (send several requests)", b->n,
                 SRV_INGEST_MAX_RECORDS);
        return false;
    }
    b->items = calloc(b->n, sizeof(*b->items));
    b->scratch = malloc(STEME_MAX_RECORD);
    b->parsed = malloc(sizeof(*b->parsed));
    if (!b->items || !b->scratch || !b->parsed) {
        srv_fail(r, 500, "no_memory", NULL, "out of memory");
        return false;
    }
    for (size_t i = 0; i < b->n; i++)
        if (!read_item(b, i, json_array_get(recs, i)))
            return false;
    return true;
}

/* ---- the engine --------------------------------------------------------------------------- */

/* Hand the encoded records to the engine. False after answering a failure of the call itself
 * (nothing stored then). */
static bool
run_engine(batch *b, uint64_t *ret_ns)
{
    srv_req *r = b->r;
    size_t m = 0;
    bool refused = false;
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].bytes)
            m++;
        else
            refused = true;
    }
    *ret_ns = 0;
    /* An atomic batch with a record that did not encode is refused already. */
    if (m == 0 || (b->atomic && refused))
        return true;

    steme_signed *sv = calloc(m, sizeof(*sv));
    steme_ingest_result *res = calloc(m, sizeof(*res));
    if (!sv || !res) {
        free(sv);
        free(res);
        srv_fail(r, 500, "no_memory", NULL, "out of memory");
        return false;
    }
    for (size_t i = 0, k = 0; i < b->n; i++) {
        item *it = &b->items[i];
        if (it->bytes)
            sv[k++] = (steme_signed){.bytes = it->bytes, .len = it->len, .sig = it->sig};
    }
    uint64_t t0 = srv_now_ns();
    steme_err err = steme_db_ingest(r->s->db, sv, m, res, b->atomic ? STEME_INGEST_ATOMIC : 0);
    *ret_ns = srv_now_ns() - t0;
    bool any_refused = false;
    for (size_t i = 0, k = 0; i < b->n; i++) {
        item *it = &b->items[i];
        if (!it->bytes)
            continue;
        it->res = res[k++];
        it->sent = true;
        any_refused |= it->res.err != STEME_OK;
    }
    free(sv);
    free(res);
    /* STEME_EINVAL with refusals is an atomic batch refused: answered per record. Anything
     * else is the call failing as a whole, and nothing of it was stored. */
    if (err == STEME_OK || (err == STEME_EINVAL && b->atomic && any_refused))
        return true;
    if (err == STEME_EBUSY) {
        srv_fail(r, 503, "stopping", NULL, "the store is closing: nothing was stored");
        r->resp.retry_after = 1;
    } else if (err == STEME_EINVAL) {
        srv_fail(r, 500, "internal", NULL,
                 "the store refused the batch as a whole: nothing was "
                 "stored");
    } else {
        srv_fail_err(r, err, NULL, "ingest (nothing was stored)");
    }
    return false;
}

/* ---- answering ---------------------------------------------------------------------------- */

static outcome
outcome_of(const batch *b, const item *it, bool batch_refused)
{
    if (it->err != STEME_OK)
        return OUT_REFUSED;
    if (!it->sent)
        return OUT_NOT_STORED;
    if (it->res.err == STEME_OK)
        return b->atomic && batch_refused ? OUT_NOT_STORED : OUT_STORED;
    /* The engine's word for the good records of a refused atomic batch. */
    if (it->res.err == STEME_EINVAL && it->res.info.field &&
        strcmp(it->res.info.field, "batch") == 0)
        return OUT_NOT_STORED;
    return OUT_REFUSED;
}

/* Why a refused record was refused: its field as a request path, and the rule. */
static void
refusal(const item *it, size_t i, char *field, size_t cap, const char **rule, steme_err *err)
{
    const char *f;
    if (it->err != STEME_OK) {
        f = it->field;
        *rule = it->rule;
        *err = it->err;
        snprintf(field, cap, "records[%zu].%s", i, f);
        return;
    }
    f = it->res.info.field;
    *rule = it->res.info.rule ? it->res.info.rule : steme_strerror(it->res.err);
    *err = it->res.err;
    if (!f)
        snprintf(field, cap, "records[%zu].record", i);
    else if (strcmp(f, "signature") == 0)
        snprintf(field, cap, "records[%zu].signature", i);
    else
        snprintf(field, cap, "records[%zu].record.%s", i, f);
}

static json_t *
id_json(const item *it)
{
    return it->bytes ? steme__json_hex(it->id.b, sizeof(it->id.b)) : json_null();
}

/* An admin-only event stored through the API is an admin action: the admin log names the
 * key that sent it (the record itself names the agent that signed it). */
static void
audit_admin_record(srv_req *r, const steme_record *rec, const steme_ingest_result *res)
{
    char id[2 * STEME_ID_SIZE + 1];
    steme_hex(res->id.b, STEME_ID_SIZE, id);
    char action[64];
    snprintf(action, sizeof(action), "record.%s", type_name(rec->event.type));
    srv_admin_audit(r, action, json_pack("{s:s, s:I}", "id", id, "seq", (json_int_t)res->seq));
}

static json_t *
result_json(batch *b, size_t i, outcome o)
{
    item *it = &b->items[i];
    json_t *j = json_pack("{s:I}", "index", (json_int_t)i);
    if (!j)
        return NULL;
    if (o == OUT_STORED) {
        json_t *extra = NULL;
        steme_record rec;
        steme_errinfo ei;
        if (steme_record_decode(it->bytes, it->len, &rec, &ei) == STEME_OK) {
            extra = srv_ingest_effect(b->r, &rec, &it->res);
            if (rec.kind == STEME_RECORD_EVENT && steme_event_admin_only(rec.event.type) &&
                !it->res.duplicate)
                audit_admin_record(b->r, &rec, &it->res);
        }
        json_t *stored = steme__json_stored(&it->res, extra);
        if (!stored || json_object_update(j, stored) != 0) {
            json_decref(stored);
            json_decref(j);
            return NULL;
        }
        json_decref(stored);
        return j;
    }
    json_object_set_new(j, "id", id_json(it));
    if (o == OUT_NOT_STORED) {
        json_object_set_new(j, "status", json_string("not_stored"));
        return j;
    }
    char field[FIELD_MAX + 32];
    const char *rule;
    steme_err err;
    refusal(it, i, field, sizeof(field), &rule, &err);
    json_object_set_new(j, "status", json_string("refused"));
    json_object_set_new(j, "error", json_string(srv_err_code(err)));
    json_object_set_new(j, "field", steme__json_text(field));
    json_object_set_new(j, "rule", steme__json_text(rule));
    return j;
}

static void
answer(batch *b, uint64_t ns)
{
    srv_req *r = b->r;
    size_t stored = 0, duplicates = 0, refused = 0, first = SIZE_MAX;
    uint64_t position = 0;
    bool batch_refused = false;
    for (size_t i = 0; i < b->n; i++)
        batch_refused |= outcome_of(b, &b->items[i], false) == OUT_REFUSED;
    for (size_t i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        outcome o = outcome_of(b, it, batch_refused);
        if (o == OUT_REFUSED) {
            refused++;
            if (first == SIZE_MAX)
                first = i;
            char field[FIELD_MAX + 32];
            const char *rule;
            steme_err err;
            refusal(it, i, field, sizeof(field), &rule, &err);
            srv_metrics_rejection(r->s->metrics, rule);
        } else if (o == OUT_STORED) {
            if (it->res.duplicate)
                duplicates++;
            else
                stored++;
            if (it->res.seq > position)
                position = it->res.seq;
        }
    }
    srv_metrics_ingest(r->s->metrics, b->n, stored, duplicates, refused, ns);
    if (stored > 0)
        srv_watch_poke(r->s->watch);

    json_t *results = json_array();
    for (size_t i = 0; results && i < b->n; i++) {
        json_t *one = result_json(b, i, outcome_of(b, &b->items[i], batch_refused));
        if (!one || json_array_append_new(results, one) != 0) {
            json_decref(results);
            results = NULL;
        }
    }
    if (!results) {
        srv_fail(r, 500, "no_memory", NULL,
                 stored ? "out of memory answering: the records were stored" : "out of memory");
        return;
    }
    json_t *j = json_object();
    if (j && b->atomic && refused > 0) {
        /* All or nothing, and it was nothing: 422 naming the first refusal. */
        char field[FIELD_MAX + 32], member[FIELD_MAX + 32];
        const char *rule;
        steme_err err;
        refusal(&b->items[first], first, field, sizeof(field), &rule, &err);
        snprintf(member, sizeof(member), "%s", strchr(field, '.') + 1);
        char more[64] = "";
        if (refused > 1)
            snprintf(more, sizeof(more), " (and %zu more refused)", refused - 1);
        char text[640];
        snprintf(text, sizeof(text), "records[%zu]: %s: %s%s; nothing was stored", first, member,
                 rule, more);
        json_object_set_new(j, "error", json_string("rejected"));
        json_object_set_new(j, "message", steme__json_text(text));
        json_object_set_new(j, "field", steme__json_text(field));
    }
    if (j) {
        json_object_set_new(j, "results", results);
        json_object_set_new(j, "stored", json_integer((json_int_t)stored));
        json_object_set_new(j, "duplicates", json_integer((json_int_t)duplicates));
        json_object_set_new(j, "refused", json_integer((json_int_t)refused));
        json_object_set_new(j, "position", steme__json_seq(position));
    } else {
        json_decref(results);
    }
    srv_reply(r, b->atomic && refused > 0 ? 422 : 200, j);
}

void
srv_ingest(srv_req *r, const srv_ingest_want *want)
{
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    batch b = {.r = r, .want = want};
    uint64_t ns = 0;
    if (read_batch(&b, body) && run_engine(&b, &ns))
        answer(&b, ns);
    json_decref(body);
    for (size_t i = 0; b.items && i < b.n; i++)
        free(b.items[i].bytes);
    free(b.items);
    free(b.scratch);
    free(b.parsed);
}
