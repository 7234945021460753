/* SPDX-License-Identifier: MIT */
/*
 * record_json_write.c -- the JSON form of decoded records and stored entries (docs/encoding.md,
 * "JSON form"): always the explicit form (typed values as objects, times as RFC 3339 UTC with
 * milliseconds, fractions as numbers in [0, 1]), so that the output parses back through
 * record_json.c to the same canonical bytes.
 */
#include "record_json.h"

static const char *const decision_names[] = {
    [STEME_DECISION_APPROVE] = "approve",
    [STEME_DECISION_REJECT] = "reject",
};

/* Every setter tolerates a NULL value (out of memory) and reports it, so that the builders can
 * set everything and check once. */
static bool
set(json_t *obj, const char *key, json_t *v)
{
    return v != NULL && json_object_set_new(obj, key, v) == 0;
}

static json_t *
str_json(steme_str s)
{
    return json_stringn(s.len ? s.ptr : "", s.len);
}

static json_t *
hex_json(const uint8_t *b, size_t n)
{
    char hex[2 * STEME_SIG_SIZE + 1];
    steme_hex(b, n, hex);
    return json_string(hex);
}

static json_t *
time_json(int64_t ms)
{
    char s[32];
    steme__time_format(ms, s);
    return json_string(s);
}

static json_t *
ppm_json(uint32_t ppm)
{
    return json_real((double)ppm / STEME_CONFIDENCE_ONE);
}

json_t *
steme__value_to_json(const steme_value *v)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    const char *type = steme_value_type_name(v->type);
    bool ok = type != NULL && set(o, "type", json_string(type));
    switch (v->type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        ok = ok && set(o, "value", str_json(v->str));
        break;
    case STEME_VALUE_INTEGER:
        ok = ok && set(o, "value", json_integer(v->integer));
        break;
    case STEME_VALUE_NUMBER:
        ok = ok && set(o, "value", json_real(v->number));
        if (v->unit.len > 0)
            ok = ok && set(o, "unit", str_json(v->unit));
        break;
    case STEME_VALUE_BOOLEAN:
        ok = ok && set(o, "value", json_boolean(v->boolean));
        break;
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *
ids_json(const steme_id *ids, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        if (json_array_append_new(a, hex_json(ids[i].b, STEME_ID_SIZE)) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static bool
assertion_json(json_t *o, const steme_assertion *a)
{
    bool ok =
        set(o, "agent", hex_json(a->agent.b, STEME_PUBKEY_SIZE)) &&
        set(o, "asserted_at", time_json(a->asserted_at)) &&
        set(o, "subject", str_json(a->subject)) && set(o, "predicate", str_json(a->predicate)) &&
        set(o, "object", steme__value_to_json(&a->object)) &&
        set(o, "confidence", ppm_json(a->confidence)) && set(o, "source", str_json(a->source));
    if (ok && a->has_valid_from)
        ok = set(o, "valid_from", time_json(a->valid_from));
    if (ok && a->has_valid_until)
        ok = set(o, "valid_until", time_json(a->valid_until));
    if (ok && a->n_supersedes > 0)
        ok = set(o, "supersedes", ids_json(a->supersedes, a->n_supersedes));
    if (ok && a->n_derived_from > 0)
        ok = set(o, "derived_from", ids_json(a->derived_from, a->n_derived_from));
    if (ok && a->epoch.len > 0)
        ok = set(o, "epoch", str_json(a->epoch));
    if (ok && a->n_qualifiers > 0) {
        json_t *q = json_object();
        ok = q != NULL;
        for (size_t i = 0; ok && i < a->n_qualifiers; i++) {
            /* A key is NUL-free (no control characters) but not NUL-terminated. */
            const steme_str *k = &a->qualifiers[i].key;
            ok = json_object_setn_new(q, k->ptr, k->len,
                                      steme__value_to_json(&a->qualifiers[i].value)) == 0;
        }
        ok = set(o, "qualifiers", q) && ok;
    }
    if (ok && (a->evidence_quote.len > 0 || a->evidence_url.len > 0)) {
        json_t *ev = json_object();
        ok = ev != NULL;
        if (ok && a->evidence_quote.len > 0)
            ok = set(ev, "quote", str_json(a->evidence_quote));
        if (ok && a->evidence_url.len > 0)
            ok = set(ev, "url", str_json(a->evidence_url));
        ok = set(o, "evidence", ev) && ok;
    }
    return ok;
}

static bool
vote_json(json_t *o, const steme_vote *v)
{
    return set(o, "agent", hex_json(v->agent.b, STEME_PUBKEY_SIZE)) &&
           set(o, "voted_at", time_json(v->voted_at)) &&
           set(o, "target", hex_json(v->target.b, STEME_ID_SIZE)) &&
           set(o, "value", json_integer(v->value)) && set(o, "reason", str_json(v->reason));
}

static bool
event_json(json_t *o, const steme_event *e)
{
    const char *type = steme_event_type_name(e->type);
    if (type == NULL)
        return false;
    bool ok = set(o, "agent", hex_json(e->agent.b, STEME_PUBKEY_SIZE)) &&
              set(o, "at", time_json(e->at)) && set(o, "type", json_string(type));
    if (!ok)
        return false;
    switch (e->type) {
    case STEME_EVENT_SOURCE_REGISTER: {
        const char *tier = steme_tier_name((steme_tier)e->tier);
        return tier != NULL && set(o, "source", str_json(e->source)) &&
               set(o, "title", str_json(e->title)) && set(o, "url", str_json(e->url)) &&
               set(o, "tier", json_string(tier)) && set(o, "weight", ppm_json(e->weight));
    }
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        return set(o, "source", str_json(e->source)) && set(o, "reason", str_json(e->reason));
    case STEME_EVENT_EPOCH_OPEN:
        return set(o, "epoch", str_json(e->epoch)) && set(o, "reason", str_json(e->reason));
    case STEME_EVENT_EPOCH_SUPERSEDE:
        return set(o, "epoch", str_json(e->epoch)) && set(o, "successor", str_json(e->successor)) &&
               set(o, "reason", str_json(e->reason));
    case STEME_EVENT_GOLD_SET:
        return set(o, "subject", str_json(e->subject)) &&
               set(o, "predicate", str_json(e->predicate)) &&
               set(o, "value", steme__value_to_json(&e->value));
    case STEME_EVENT_ASSERTION_RETRACT:
        return set(o, "target", hex_json(e->target.b, STEME_ID_SIZE)) &&
               set(o, "reason", str_json(e->reason));
    case STEME_EVENT_QUARANTINE_DECISION:
        if (e->decision != STEME_DECISION_APPROVE && e->decision != STEME_DECISION_REJECT)
            return false;
        return set(o, "target", hex_json(e->target.b, STEME_ID_SIZE)) &&
               set(o, "decision", json_string(decision_names[e->decision])) &&
               set(o, "reason", str_json(e->reason));
    case STEME_EVENT_AGENT_PROFILE:
        return set(o, "target_agent", hex_json(e->target_agent.b, STEME_PUBKEY_SIZE)) &&
               set(o, "display_name", str_json(e->display_name)) &&
               set(o, "role", str_json(e->role));
    case STEME_EVENT_REAFFIRM:
        return set(o, "target", hex_json(e->target.b, STEME_ID_SIZE)) &&
               set(o, "epoch", str_json(e->epoch));
    }
    return false;
}

json_t *
steme__record_to_json(const steme_record *rec)
{
    if (rec == NULL)
        return NULL;
    const char *kind = steme_record_kind_name(rec->kind);
    json_t *o = json_object();
    if (o == NULL || kind == NULL || !set(o, "kind", json_string(kind)))
        goto out_free;
    bool ok = false;
    switch (rec->kind) {
    case STEME_RECORD_ASSERTION:
        ok = assertion_json(o, &rec->assertion);
        break;
    case STEME_RECORD_VOTE:
        ok = vote_json(o, &rec->vote);
        break;
    case STEME_RECORD_EVENT:
        ok = event_json(o, &rec->event);
        break;
    }
    if (ok)
        return o;
out_free:
    json_decref(o);
    return NULL;
}

json_t *
steme__entry_to_json(const steme_entry *e)
{
    if (e == NULL)
        return NULL;
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    if (!set(o, "seq", json_integer((json_int_t)e->seq)) ||
        !set(o, "id", hex_json(e->id.b, STEME_ID_SIZE)) ||
        !set(o, "recorded_at", time_json(e->recorded_at)) ||
        !set(o, "signature", hex_json(e->sig.b, STEME_SIG_SIZE)) ||
        !set(o, "record", steme__record_to_json(&e->record))) {
        json_decref(o);
        return NULL;
    }
    return o;
}
