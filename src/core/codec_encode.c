/* SPDX-License-Identifier: MIT */
/*
 * codec_encode.c -- the canonical encoder (docs/encoding.md). It checks every rule the decoder
 * checks, so that whatever it writes decodes and re-encodes to the same bytes, and it puts the
 * set-valued fields (supersedes, derived_from, qualifiers) into canonical order itself: the
 * caller's arrays are const, so it sorts an index and writes in that order.
 */
#include <math.h>
#include <string.h>

#include "bytes.h"
#include "codec.h"

typedef struct writer {
    uint8_t *buf;
    size_t cap;
    size_t off; /* bytes the record needs so far; may run past cap */
    steme_errinfo *ei;
} writer;

/* Writing past cap only counts, so that the size of a record is known even when the buffer is
 * too small and the caller can be told which of EINVAL and ELIMIT applies. */
static void
put(writer *w, const void *p, size_t n)
{
    if (n == 0)
        return; /* p may be NULL then, and memcpy must not see NULL */
    if (w->off <= w->cap && n <= w->cap - w->off)
        memcpy(w->buf + w->off, p, n);
    w->off += n;
}

static void
put_u8(writer *w, uint8_t v)
{
    put(w, &v, 1);
}

static void
put_u16(writer *w, uint16_t v)
{
    uint8_t b[2];
    steme__put_u16(b, v);
    put(w, b, sizeof(b));
}

static void
put_u32(writer *w, uint32_t v)
{
    uint8_t b[4];
    steme__put_u32(b, v);
    put(w, b, sizeof(b));
}

static void
put_u64(writer *w, uint64_t v)
{
    uint8_t b[8];
    steme__put_u64(b, v);
    put(w, b, sizeof(b));
}

static bool
fail(writer *w, const char *field, const char *rule)
{
    w->ei->field = field;
    w->ei->rule = rule;
    w->ei->offset = 0;
    return false;
}

static bool
check_str(writer *w, const steme__strspec *spec, steme_str s)
{
    const char *rule = steme__str_check(spec, s.ptr, s.len);
    if (rule != NULL)
        return fail(w, spec->field, rule);
    return true;
}

static bool
put_str(writer *w, const steme__strspec *spec, steme_str s)
{
    if (!check_str(w, spec, s))
        return false;
    put_u16(w, (uint16_t)s.len);
    put(w, s.ptr, s.len);
    return true;
}

static bool
put_time(writer *w, const char *field, int64_t t)
{
    if (!steme__time_ok(t))
        return fail(w, field, STEME__R_TIME);
    put_u64(w, (uint64_t)t);
    return true;
}

static bool
put_ppm(writer *w, const char *field, uint32_t v)
{
    if (v > STEME_CONFIDENCE_ONE)
        return fail(w, field, STEME__R_PPM);
    put_u32(w, v);
    return true;
}

static bool
put_value(writer *w, const steme__value_fields *f, const steme_value *v)
{
    switch (v->type) {
    case STEME_VALUE_STRING:
        put_u8(w, STEME_VALUE_STRING);
        return put_str(w, &f->str, v->str);
    case STEME_VALUE_INTEGER:
        put_u8(w, STEME_VALUE_INTEGER);
        put_u64(w, (uint64_t)v->integer);
        return true;
    case STEME_VALUE_NUMBER: {
        double d = v->number;
        if (!isfinite(d))
            return fail(w, f->value, STEME__R_NOT_FINITE);
        if (d == 0.0)
            d = 0.0; /* -0.0 compares equal to 0.0: one encoding for zero */
        uint64_t bits;
        memcpy(&bits, &d, sizeof(bits));
        put_u8(w, STEME_VALUE_NUMBER);
        put_u64(w, bits);
        return put_str(w, &f->unit, v->unit);
    }
    case STEME_VALUE_BOOLEAN:
        put_u8(w, STEME_VALUE_BOOLEAN);
        put_u8(w, v->boolean ? 1 : 0);
        return true;
    case STEME_VALUE_REF:
        put_u8(w, STEME_VALUE_REF);
        return put_str(w, &f->ref, v->str);
    }
    return fail(w, f->type, STEME__R_UNKNOWN);
}

static int
id_cmp(const steme_id *a, const steme_id *b)
{
    return memcmp(a->b, b->b, STEME_ID_SIZE);
}

/* Write a set of ids in ascending order: count, then the ids. n is 1..max (checked by the
 * caller); insertion sort of an index is plenty for at most 64 entries. */
static bool
put_id_set(writer *w, const char *field, const steme_id *ids, size_t n)
{
    uint8_t order[STEME_MAX_DERIVED_FROM];

    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && id_cmp(&ids[order[j - 1]], &ids[i]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint8_t)i;
    }
    for (size_t i = 1; i < n; i++)
        if (id_cmp(&ids[order[i - 1]], &ids[order[i]]) == 0)
            return fail(w, field, STEME__R_DUPLICATE);
    put_u8(w, (uint8_t)n);
    for (size_t i = 0; i < n; i++)
        put(w, ids[order[i]].b, STEME_ID_SIZE);
    return true;
}

static bool
check_id_list(writer *w, const char *field, const steme_id *ids, size_t n, size_t max,
              const char *too_many)
{
    if (n > max)
        return fail(w, field, too_many);
    if (n > 0 && ids == NULL)
        return fail(w, field, STEME__R_NULL);
    return true;
}

static bool
put_qualifiers(writer *w, const steme_qualifier *q, size_t n)
{
    uint8_t order[STEME_MAX_QUALIFIERS];

    for (size_t i = 0; i < n; i++) {
        if (!check_str(w, &steme__qualifier_specs[i].key, q[i].key))
            return false;
        size_t j = i;
        while (j > 0 && steme__key_cmp(q[order[j - 1]].key.ptr, q[order[j - 1]].key.len,
                                       q[i].key.ptr, q[i].key.len) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint8_t)i;
    }
    for (size_t i = 1; i < n; i++) {
        const steme_str *a = &q[order[i - 1]].key, *b = &q[order[i]].key;
        if (steme__key_cmp(a->ptr, a->len, b->ptr, b->len) == 0) {
            size_t later = order[i] > order[i - 1] ? order[i] : order[i - 1];
            return fail(w, steme__qualifier_specs[later].key.field, STEME__R_DUPLICATE);
        }
    }
    put_u8(w, (uint8_t)n);
    for (size_t i = 0; i < n; i++) {
        const steme__qualifier_fields *f = &steme__qualifier_specs[order[i]];
        if (!put_str(w, &f->key, q[order[i]].key) || !put_value(w, &f->value, &q[order[i]].value))
            return false;
    }
    return true;
}

static bool
put_assertion(writer *w, const steme_assertion *a)
{
    put(w, a->agent.b, STEME_PUBKEY_SIZE);
    if (!put_time(w, "asserted_at", a->asserted_at) ||
        !put_str(w, &steme__spec_subject, a->subject) ||
        !put_str(w, &steme__spec_predicate, a->predicate) ||
        !put_value(w, &steme__object_fields, &a->object) ||
        !put_ppm(w, "confidence", a->confidence) || !put_str(w, &steme__spec_source, a->source))
        return false;

    if (!check_id_list(w, "supersedes", a->supersedes, a->n_supersedes, STEME_MAX_SUPERSEDES,
                       STEME__R_MORE_THAN_16) ||
        !check_id_list(w, "derived_from", a->derived_from, a->n_derived_from,
                       STEME_MAX_DERIVED_FROM, STEME__R_MORE_THAN_64))
        return false;
    if (a->n_qualifiers > STEME_MAX_QUALIFIERS)
        return fail(w, "qualifiers", STEME__R_MORE_THAN_16);

    uint8_t flags = 0;
    if (a->has_valid_from)
        flags |= STEME__F_VALID_FROM;
    if (a->has_valid_until)
        flags |= STEME__F_VALID_UNTIL;
    if (a->n_supersedes > 0)
        flags |= STEME__F_SUPERSEDES;
    if (a->n_derived_from > 0)
        flags |= STEME__F_DERIVED_FROM;
    if (a->epoch.len > 0)
        flags |= STEME__F_EPOCH;
    if (a->n_qualifiers > 0)
        flags |= STEME__F_QUALIFIERS;
    if (a->evidence_quote.len > 0)
        flags |= STEME__F_EVIDENCE_QUOTE;
    if (a->evidence_url.len > 0)
        flags |= STEME__F_EVIDENCE_URL;
    put_u8(w, flags);

    if (a->has_valid_from && !put_time(w, "valid_from", a->valid_from))
        return false;
    if (a->has_valid_until) {
        if (!put_time(w, "valid_until", a->valid_until))
            return false;
        if (a->has_valid_from && a->valid_until < a->valid_from)
            return fail(w, "valid_until", STEME__R_UNTIL);
    }
    if (a->n_supersedes > 0 && !put_id_set(w, "supersedes", a->supersedes, a->n_supersedes))
        return false;
    if (a->n_derived_from > 0 && !put_id_set(w, "derived_from", a->derived_from, a->n_derived_from))
        return false;
    if (a->epoch.len > 0 && !put_str(w, &steme__spec_epoch, a->epoch))
        return false;
    if (a->n_qualifiers > 0 && !put_qualifiers(w, a->qualifiers, a->n_qualifiers))
        return false;
    if (a->evidence_quote.len > 0 && !put_str(w, &steme__spec_evidence_quote, a->evidence_quote))
        return false;
    if (a->evidence_url.len > 0 && !put_str(w, &steme__spec_evidence_url, a->evidence_url))
        return false;
    return true;
}

static bool
put_vote(writer *w, const steme_vote *v)
{
    put(w, v->agent.b, STEME_PUBKEY_SIZE);
    if (!put_time(w, "voted_at", v->voted_at))
        return false;
    put(w, v->target.b, STEME_ID_SIZE);
    if (v->value != 1 && v->value != -1)
        return fail(w, "value", STEME__R_VOTE);
    put_u8(w, v->value == 1 ? STEME__VOTE_UP : STEME__VOTE_DOWN);
    return put_str(w, &steme__spec_reason, v->reason);
}

static bool
put_event(writer *w, const steme_event *e)
{
    put(w, e->agent.b, STEME_PUBKEY_SIZE);
    if (!put_time(w, "at", e->at))
        return false;
    if (e->type < 1 || e->type > STEME_EVENT_TYPE_MAX)
        return fail(w, "event.type", STEME__R_UNKNOWN);
    put_u8(w, (uint8_t)e->type);

    switch (e->type) {
    case STEME_EVENT_SOURCE_REGISTER:
        if (!put_str(w, &steme__spec_source, e->source) ||
            !put_str(w, &steme__spec_title, e->title) || !put_str(w, &steme__spec_url, e->url))
            return false;
        if (e->tier < STEME_TIER_REGULATORY || e->tier > STEME_TIER_UNVERIFIED)
            return fail(w, "tier", STEME__R_UNKNOWN);
        put_u8(w, e->tier);
        return put_ppm(w, "weight", e->weight);
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        return put_str(w, &steme__spec_source, e->source) &&
               put_str(w, &steme__spec_reason, e->reason);
    case STEME_EVENT_EPOCH_OPEN:
        return put_str(w, &steme__spec_epoch, e->epoch) &&
               put_str(w, &steme__spec_reason, e->reason);
    case STEME_EVENT_EPOCH_SUPERSEDE:
        if (!put_str(w, &steme__spec_epoch, e->epoch) ||
            !put_str(w, &steme__spec_successor, e->successor))
            return false;
        if (e->successor.len == e->epoch.len &&
            memcmp(e->successor.ptr, e->epoch.ptr, e->epoch.len) == 0)
            return fail(w, "successor", STEME__R_SUCCESSOR);
        return put_str(w, &steme__spec_reason, e->reason);
    case STEME_EVENT_GOLD_SET:
        return put_str(w, &steme__spec_subject, e->subject) &&
               put_str(w, &steme__spec_predicate, e->predicate) &&
               put_value(w, &steme__gold_value_fields, &e->value);
    case STEME_EVENT_ASSERTION_RETRACT:
        put(w, e->target.b, STEME_ID_SIZE);
        return put_str(w, &steme__spec_reason, e->reason);
    case STEME_EVENT_QUARANTINE_DECISION:
        put(w, e->target.b, STEME_ID_SIZE);
        if (e->decision != STEME_DECISION_APPROVE && e->decision != STEME_DECISION_REJECT)
            return fail(w, "decision", STEME__R_UNKNOWN);
        put_u8(w, e->decision);
        return put_str(w, &steme__spec_reason, e->reason);
    case STEME_EVENT_AGENT_PROFILE:
        put(w, e->target_agent.b, STEME_PUBKEY_SIZE);
        return put_str(w, &steme__spec_display_name, e->display_name) &&
               put_str(w, &steme__spec_role, e->role);
    case STEME_EVENT_REAFFIRM:
        put(w, e->target.b, STEME_ID_SIZE);
        return put_str(w, &steme__spec_epoch, e->epoch);
    }
    return fail(w, "event.type", STEME__R_UNKNOWN);
}

steme_err
steme_record_encode(const steme_record *rec, uint8_t *buf, size_t cap, size_t *ret_len,
                    steme_errinfo *ei)
{
    steme_errinfo scratch;
    writer w = {.buf = buf, .cap = buf != NULL ? cap : 0, .off = 0, .ei = ei ? ei : &scratch};

    if (rec == NULL || ret_len == NULL) {
        fail(&w, "record", STEME__R_NULL);
        return STEME_EINVAL;
    }

    bool ok;
    put_u8(&w, STEME__CODEC_VERSION);
    switch (rec->kind) {
    case STEME_RECORD_ASSERTION:
        put_u8(&w, STEME_RECORD_ASSERTION);
        ok = put_assertion(&w, &rec->assertion);
        break;
    case STEME_RECORD_VOTE:
        put_u8(&w, STEME_RECORD_VOTE);
        ok = put_vote(&w, &rec->vote);
        break;
    case STEME_RECORD_EVENT:
        put_u8(&w, STEME_RECORD_EVENT);
        ok = put_event(&w, &rec->event);
        break;
    default:
        ok = fail(&w, "kind", STEME__R_UNKNOWN);
        break;
    }
    if (!ok)
        return STEME_EINVAL;
    if (w.off > STEME_MAX_RECORD) {
        fail(&w, "record", STEME__R_RECORD_SIZE);
        return STEME_ELIMIT;
    }
    if (w.off > w.cap) {
        fail(&w, "record", STEME__R_BUFFER);
        return STEME_ELIMIT;
    }
    *ret_len = w.off;
    return STEME_OK;
}
