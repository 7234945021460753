/* SPDX-License-Identifier: MIT */
/*
 * codec_decode.c -- the strict canonical decoder (docs/encoding.md). Every record the store
 * ingests passes through it, so it is allocation-free and reads each byte once; and because
 * ids are hashes of the bytes, it accepts exactly one encoding per content: anything the
 * encoder would not have written byte for byte is refused with the field, the rule and the
 * offset where decoding stopped.
 */
#include <stddef.h>
#include <string.h>

#include "bytes.h"
#include "codec.h"

typedef struct reader {
    const uint8_t *p;
    size_t len;
    size_t off;
    steme_errinfo *ei;
} reader;

static bool
fail_at(reader *r, const char *field, const char *rule, size_t off)
{
    r->ei->field = field;
    r->ei->rule = rule;
    r->ei->offset = off;
    return false;
}

static bool
need(reader *r, size_t n, const char *field)
{
    if (r->len - r->off < n)
        return fail_at(r, field, STEME__R_TRUNCATED, r->off);
    return true;
}

static bool
get_u8(reader *r, const char *field, uint8_t *v)
{
    if (!need(r, 1, field))
        return false;
    *v = r->p[r->off++];
    return true;
}

static bool
get_u64(reader *r, const char *field, uint64_t *v)
{
    if (!need(r, 8, field))
        return false;
    *v = steme__get_u64(r->p + r->off);
    r->off += 8;
    return true;
}

static bool
get_fixed(reader *r, const char *field, uint8_t *out, size_t n)
{
    if (!need(r, n, field))
        return false;
    memcpy(out, r->p + r->off, n);
    r->off += n;
    return true;
}

static bool
get_time(reader *r, const char *field, int64_t *t)
{
    size_t at = r->off;
    uint64_t v;
    if (!get_u64(r, field, &v))
        return false;
    if (v > (uint64_t)STEME_TIME_MAX)
        return fail_at(r, field, STEME__R_TIME, at);
    *t = (int64_t)v;
    return true;
}

static bool
get_ppm(reader *r, const char *field, uint32_t *v)
{
    if (!need(r, 4, field))
        return false;
    uint32_t x = steme__get_u32(r->p + r->off);
    if (x > STEME_CONFIDENCE_ONE)
        return fail_at(r, field, STEME__R_PPM, r->off);
    r->off += 4;
    *v = x;
    return true;
}

static bool
get_str(reader *r, const steme__strspec *spec, steme_str *out)
{
    size_t at = r->off;
    if (!need(r, 2, spec->field))
        return false;
    size_t n = steme__get_u16(r->p + at);
    if (n < spec->min)
        return fail_at(r, spec->field, STEME__R_EMPTY, at);
    if (n > spec->max)
        return fail_at(r, spec->field, spec->too_long, at);
    r->off += 2;
    if (!need(r, n, spec->field))
        return false;
    const char *s = (const char *)r->p + r->off;
    const char *rule = steme__str_check(spec, s, n);
    if (rule != NULL)
        return fail_at(r, spec->field, rule, r->off);
    out->ptr = s;
    out->len = n;
    r->off += n;
    return true;
}

static bool
get_value(reader *r, const steme__value_fields *f, steme_value *v)
{
    size_t at = r->off;
    uint8_t type;
    uint64_t bits;

    if (!get_u8(r, f->type, &type))
        return false;
    switch (type) {
    case STEME_VALUE_STRING:
        v->type = STEME_VALUE_STRING;
        return get_str(r, &f->str, &v->str);
    case STEME_VALUE_INTEGER:
        v->type = STEME_VALUE_INTEGER;
        if (!get_u64(r, f->value, &bits))
            return false;
        v->integer = (int64_t)bits;
        return true;
    case STEME_VALUE_NUMBER:
        v->type = STEME_VALUE_NUMBER;
        if (!get_u64(r, f->value, &bits))
            return false;
        /* All exponent bits set is an infinity or a NaN, whatever the mantissa. */
        if ((bits & 0x7FF0000000000000ULL) == 0x7FF0000000000000ULL)
            return fail_at(r, f->value, STEME__R_NOT_FINITE, r->off - 8);
        if (bits == 0x8000000000000000ULL)
            return fail_at(r, f->value, STEME__R_NEG_ZERO, r->off - 8);
        memcpy(&v->number, &bits, sizeof(bits));
        return get_str(r, &f->unit, &v->unit);
    case STEME_VALUE_BOOLEAN: {
        uint8_t b;
        v->type = STEME_VALUE_BOOLEAN;
        if (!get_u8(r, f->value, &b))
            return false;
        if (b > 1)
            return fail_at(r, f->value, STEME__R_BOOLEAN, r->off - 1);
        v->boolean = b == 1;
        return true;
    }
    case STEME_VALUE_REF:
        v->type = STEME_VALUE_REF;
        return get_str(r, &f->ref, &v->str);
    default:
        return fail_at(r, f->type, STEME__R_UNKNOWN, at);
    }
}

/* A set of ids: count (1..max), then the ids in strictly ascending byte order. The result
 * points into the input: steme_id is an array of bytes, so any address is aligned for it. */
static bool
get_id_set(reader *r, const char *field, size_t max, const char *too_many, const steme_id **ids,
           size_t *n)
{
    size_t at = r->off;
    uint8_t count;

    if (!get_u8(r, field, &count))
        return false;
    if (count == 0)
        return fail_at(r, field, STEME__R_EMPTY, at);
    if (count > max)
        return fail_at(r, field, too_many, at);
    size_t bytes = (size_t)count * STEME_ID_SIZE;
    if (!need(r, bytes, field))
        return false;
    const uint8_t *p = r->p + r->off;
    for (size_t i = 1; i < count; i++) {
        const uint8_t *cur = p + i * STEME_ID_SIZE;
        if (memcmp(cur - STEME_ID_SIZE, cur, STEME_ID_SIZE) >= 0)
            return fail_at(r, field, STEME__R_ASCENDING, r->off + i * STEME_ID_SIZE);
    }
    *ids = (const steme_id *)p;
    *n = count;
    r->off += bytes;
    return true;
}

static bool
get_qualifiers(reader *r, steme_assertion *a)
{
    size_t at = r->off;
    uint8_t count;

    if (!get_u8(r, "qualifiers", &count))
        return false;
    if (count == 0)
        return fail_at(r, "qualifiers", STEME__R_EMPTY, at);
    if (count > STEME_MAX_QUALIFIERS)
        return fail_at(r, "qualifiers", STEME__R_MORE_THAN_16, at);
    for (size_t i = 0; i < count; i++) {
        const steme__qualifier_fields *f = &steme__qualifier_specs[i];
        steme_qualifier *q = &a->qualifiers[i];
        memset(q, 0, sizeof(*q));
        size_t key_at = r->off;
        if (!get_str(r, &f->key, &q->key))
            return false;
        if (i > 0 && steme__key_cmp(a->qualifiers[i - 1].key.ptr, a->qualifiers[i - 1].key.len,
                                    q->key.ptr, q->key.len) >= 0)
            return fail_at(r, f->key.field, STEME__R_ASCENDING, key_at);
        if (!get_value(r, &f->value, &q->value))
            return false;
    }
    a->n_qualifiers = count;
    return true;
}

static bool
get_assertion(reader *r, steme_assertion *a)
{
    uint8_t flags;
    uint32_t confidence;

    if (!get_fixed(r, "agent", a->agent.b, STEME_PUBKEY_SIZE) ||
        !get_time(r, "asserted_at", &a->asserted_at) ||
        !get_str(r, &steme__spec_subject, &a->subject) ||
        !get_str(r, &steme__spec_predicate, &a->predicate) ||
        !get_value(r, &steme__object_fields, &a->object) ||
        !get_ppm(r, "confidence", &confidence) || !get_str(r, &steme__spec_source, &a->source) ||
        !get_u8(r, "flags", &flags))
        return false;
    a->confidence = confidence;

    if (flags & STEME__F_VALID_FROM) {
        if (!get_time(r, "valid_from", &a->valid_from))
            return false;
        a->has_valid_from = true;
    }
    if (flags & STEME__F_VALID_UNTIL) {
        size_t at = r->off;
        if (!get_time(r, "valid_until", &a->valid_until))
            return false;
        if (a->has_valid_from && a->valid_until < a->valid_from)
            return fail_at(r, "valid_until", STEME__R_UNTIL, at);
        a->has_valid_until = true;
    }
    if ((flags & STEME__F_SUPERSEDES) &&
        !get_id_set(r, "supersedes", STEME_MAX_SUPERSEDES, STEME__R_MORE_THAN_16, &a->supersedes,
                    &a->n_supersedes))
        return false;
    if ((flags & STEME__F_DERIVED_FROM) &&
        !get_id_set(r, "derived_from", STEME_MAX_DERIVED_FROM, STEME__R_MORE_THAN_64,
                    &a->derived_from, &a->n_derived_from))
        return false;
    if ((flags & STEME__F_EPOCH) && !get_str(r, &steme__spec_epoch, &a->epoch))
        return false;
    if ((flags & STEME__F_QUALIFIERS) && !get_qualifiers(r, a))
        return false;
    if ((flags & STEME__F_EVIDENCE_QUOTE) &&
        !get_str(r, &steme__spec_evidence_quote, &a->evidence_quote))
        return false;
    if ((flags & STEME__F_EVIDENCE_URL) && !get_str(r, &steme__spec_evidence_url, &a->evidence_url))
        return false;
    return true;
}

static bool
get_vote(reader *r, steme_vote *v)
{
    uint8_t value;

    if (!get_fixed(r, "agent", v->agent.b, STEME_PUBKEY_SIZE) ||
        !get_time(r, "voted_at", &v->voted_at) ||
        !get_fixed(r, "target", v->target.b, STEME_ID_SIZE) || !get_u8(r, "value", &value))
        return false;
    if (value == STEME__VOTE_UP)
        v->value = 1;
    else if (value == STEME__VOTE_DOWN)
        v->value = -1;
    else
        return fail_at(r, "value", STEME__R_VOTE, r->off - 1);
    return get_str(r, &steme__spec_reason, &v->reason);
}

static bool
get_event(reader *r, steme_event *e)
{
    uint8_t type, tier, decision;

    if (!get_fixed(r, "agent", e->agent.b, STEME_PUBKEY_SIZE) || !get_time(r, "at", &e->at) ||
        !get_u8(r, "event.type", &type))
        return false;

    switch (type) {
    case STEME_EVENT_SOURCE_REGISTER:
        if (!get_str(r, &steme__spec_source, &e->source) ||
            !get_str(r, &steme__spec_title, &e->title) || !get_str(r, &steme__spec_url, &e->url) ||
            !get_u8(r, "tier", &tier))
            return false;
        if (tier < STEME_TIER_REGULATORY || tier > STEME_TIER_UNVERIFIED)
            return fail_at(r, "tier", STEME__R_UNKNOWN, r->off - 1);
        e->tier = tier;
        if (!get_ppm(r, "weight", &e->weight))
            return false;
        break;
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        if (!get_str(r, &steme__spec_source, &e->source) ||
            !get_str(r, &steme__spec_reason, &e->reason))
            return false;
        break;
    case STEME_EVENT_EPOCH_OPEN:
        if (!get_str(r, &steme__spec_epoch, &e->epoch) ||
            !get_str(r, &steme__spec_reason, &e->reason))
            return false;
        break;
    case STEME_EVENT_EPOCH_SUPERSEDE: {
        if (!get_str(r, &steme__spec_epoch, &e->epoch))
            return false;
        size_t at = r->off;
        if (!get_str(r, &steme__spec_successor, &e->successor))
            return false;
        if (e->successor.len == e->epoch.len &&
            memcmp(e->successor.ptr, e->epoch.ptr, e->epoch.len) == 0)
            return fail_at(r, "successor", STEME__R_SUCCESSOR, at);
        if (!get_str(r, &steme__spec_reason, &e->reason))
            return false;
        break;
    }
    case STEME_EVENT_GOLD_SET:
        if (!get_str(r, &steme__spec_subject, &e->subject) ||
            !get_str(r, &steme__spec_predicate, &e->predicate) ||
            !get_value(r, &steme__gold_value_fields, &e->value))
            return false;
        break;
    case STEME_EVENT_ASSERTION_RETRACT:
        if (!get_fixed(r, "target", e->target.b, STEME_ID_SIZE) ||
            !get_str(r, &steme__spec_reason, &e->reason))
            return false;
        break;
    case STEME_EVENT_QUARANTINE_DECISION:
        if (!get_fixed(r, "target", e->target.b, STEME_ID_SIZE) ||
            !get_u8(r, "decision", &decision))
            return false;
        if (decision != STEME_DECISION_APPROVE && decision != STEME_DECISION_REJECT)
            return fail_at(r, "decision", STEME__R_UNKNOWN, r->off - 1);
        e->decision = decision;
        if (!get_str(r, &steme__spec_reason, &e->reason))
            return false;
        break;
    case STEME_EVENT_AGENT_PROFILE:
        if (!get_fixed(r, "target_agent", e->target_agent.b, STEME_PUBKEY_SIZE) ||
            !get_str(r, &steme__spec_display_name, &e->display_name) ||
            !get_str(r, &steme__spec_role, &e->role))
            return false;
        break;
    case STEME_EVENT_REAFFIRM:
        if (!get_fixed(r, "target", e->target.b, STEME_ID_SIZE) ||
            !get_str(r, &steme__spec_epoch, &e->epoch))
            return false;
        break;
    default:
        return fail_at(r, "event.type", STEME__R_UNKNOWN, r->off - 1);
    }
    e->type = (steme_event_type)type;
    return true;
}

/* Copy the members of src that its kind uses into dst. The qualifier slots past n_qualifiers
 * are not copied: nothing may read them. */
static void
copy_out(steme_record *dst, const steme_record *src, steme_record_kind kind)
{
    dst->kind = kind;
    switch (kind) {
    case STEME_RECORD_ASSERTION: {
        const steme_assertion *a = &src->assertion;
        steme_assertion *d = &dst->assertion;
        memcpy(d, a, offsetof(steme_assertion, qualifiers));
        memcpy(d->qualifiers, a->qualifiers, a->n_qualifiers * sizeof(a->qualifiers[0]));
        d->n_qualifiers = a->n_qualifiers;
        d->evidence_quote = a->evidence_quote;
        d->evidence_url = a->evidence_url;
        break;
    }
    case STEME_RECORD_VOTE:
        dst->vote = src->vote;
        break;
    case STEME_RECORD_EVENT:
        dst->event = src->event;
        break;
    }
}

steme_err
steme_record_decode(const uint8_t *buf, size_t len, steme_record *ret, steme_errinfo *ei)
{
    steme_errinfo scratch;
    reader r = {.p = buf, .len = len, .off = 0, .ei = ei ? ei : &scratch};
    uint8_t version, kind;
    bool ok;

    if (ret == NULL || (buf == NULL && len > 0)) {
        fail_at(&r, "record", STEME__R_NULL, 0);
        return STEME_EINVAL;
    }
    if (len > STEME_MAX_RECORD) {
        fail_at(&r, "record", STEME__R_RECORD_SIZE, 0);
        return STEME_EINVAL;
    }
    if (!get_u8(&r, "version", &version))
        return STEME_EINVAL;
    if (version != STEME__CODEC_VERSION) {
        fail_at(&r, "version", STEME__R_VERSION, 0);
        return STEME_EINVAL;
    }
    if (!get_u8(&r, "kind", &kind))
        return STEME_EINVAL;

    /* Decoded into a local so that *ret is written only on success. Only what the kind uses
     * is cleared and copied: an assertion's unused qualifier slots are most of the struct
     * (1.3 of 1.5 KB) and this is the ingest hot path. */
    steme_record rec;
    switch (kind) {
    case STEME_RECORD_ASSERTION:
        memset(&rec.assertion, 0, offsetof(steme_assertion, qualifiers));
        rec.assertion.n_qualifiers = 0;
        rec.assertion.evidence_quote = (steme_str){NULL, 0};
        rec.assertion.evidence_url = (steme_str){NULL, 0};
        ok = get_assertion(&r, &rec.assertion);
        break;
    case STEME_RECORD_VOTE:
        memset(&rec.vote, 0, sizeof(rec.vote));
        ok = get_vote(&r, &rec.vote);
        break;
    case STEME_RECORD_EVENT:
        memset(&rec.event, 0, sizeof(rec.event));
        ok = get_event(&r, &rec.event);
        break;
    default:
        ok = fail_at(&r, "kind", STEME__R_UNKNOWN, 1);
        break;
    }
    if (!ok)
        return STEME_EINVAL;
    if (r.off != len) {
        fail_at(&r, "trailing", STEME__R_TRAILING, r.off);
        return STEME_EINVAL;
    }
    copy_out(ret, &rec, (steme_record_kind)kind);
    return STEME_OK;
}
