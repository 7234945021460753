/* SPDX-License-Identifier: MIT */
/*
 * record_json.c -- parsing the JSON form of records (docs/encoding.md, "JSON form") into a
 * steme_record for the encoder. Writing records out is in record_json_write.c.
 *
 * Parsing is strict about shape -- unknown members, wrong JSON types, out-of-range numbers and
 * malformed hex or times are refused naming the member -- and leaves the string rules and set
 * order to steme_record_encode(), which checks them anyway: a record is valid when it encodes.
 *
 * Error field names are static strings, except those that must quote a JSON key (an unknown
 * member, a qualifier "qualifiers.<key>", a list element "supersedes[3]"): those are written to
 * a per-thread buffer, valid until the next steme__record_from_json() call on the same thread.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "record_json.h"

#define FIELD_BUF 160

/* Per-thread storage for error field names that quote a key or an index (see above). */
static _Thread_local char field_buf[FIELD_BUF];
static _Thread_local char qual_base[FIELD_BUF];
static _Thread_local char qual_type[FIELD_BUF];
static _Thread_local char qual_value[FIELD_BUF];
static _Thread_local char qual_unit[FIELD_BUF];

#define R_MISSING     "missing"
#define R_NOT_STRING  "not a string"
#define R_NOT_NUMBER  "not a number"
#define R_NOT_INTEGER "not an integer"
#define R_NOT_BOOLEAN "not a boolean"
#define R_NOT_OBJECT  "not an object"
#define R_NOT_ARRAY   "not an array"
#define R_NOT_VALUE   "not a value (string, number, boolean or {\"type\",\"value\"})"
#define R_UNKNOWN     "unknown member"
#define R_HEX         "not 64 hex digits"
#define R_TIME        "not an RFC 3339 time or integer milliseconds"
#define R_TIME_RANGE  "out of range 0..253402300799999"
#define R_UNIT        "only numbers have a unit"
#define R_UNIT_RANGE  "out of range 0..1"
#define R_INEXACT     "not exactly representable as a binary64 number"

/* Write prefix + key[0..key_len) + suffix into buf (truncating), replacing bytes a terminal or
 * a log line should not see, NUL included: the key may come from an untrusted request. */
static void
put_name(char *buf, const char *prefix, const char *key, size_t key_len, const char *suffix)
{
    size_t n = 0;
    const char *parts[3] = {prefix, key, suffix};
    size_t lens[3] = {strlen(prefix), key_len, strlen(suffix)};

    for (int i = 0; i < 3; i++)
        for (size_t k = 0; k < lens[i] && n < FIELD_BUF - 1; k++) {
            unsigned char c = (unsigned char)parts[i][k];
            buf[n++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
        }
    buf[n] = '\0';
}

static steme_err
fail(steme_errinfo *ei, const char *field, const char *rule)
{
    ei->field = field;
    ei->rule = rule;
    ei->offset = 0;
    return STEME_EINVAL;
}

/* Fail on the first member of obj that is not in allowed, naming it "<base>.<key>". */
static steme_err
check_members(const json_t *obj, const char *base, const char *const *allowed, steme_errinfo *ei)
{
    const char *key;
    size_t key_len;
    json_t *v;

    /* jansson's iteration API takes a non-const object; it does not modify it. A key with an
     * escaped NUL ("kind\u0000x") must not pass for the key before the NUL. */
    json_object_keylen_foreach((json_t *)obj, key, key_len, v)
    {
        size_t i = 0;
        while (allowed[i] != NULL &&
               (strlen(allowed[i]) != key_len || memcmp(allowed[i], key, key_len) != 0))
            i++;
        if (allowed[i] == NULL) {
            char prefix[FIELD_BUF];
            snprintf(prefix, sizeof(prefix), "%s%s", base, base[0] != '\0' ? "." : "");
            put_name(field_buf, prefix, key, key_len, "");
            return fail(ei, field_buf, R_UNKNOWN);
        }
    }
    return STEME_OK;
}

/* The string member key of obj; errors name field. Absent optional strings are empty. */
static steme_err
get_str_as(const json_t *obj, const char *key, const char *field, bool required, steme_str *out,
           steme_errinfo *ei)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        if (required)
            return fail(ei, field, R_MISSING);
        out->ptr = NULL;
        out->len = 0;
        return STEME_OK;
    }
    if (!json_is_string(v))
        return fail(ei, field, R_NOT_STRING);
    out->ptr = json_string_value(v);
    out->len = json_string_length(v);
    return STEME_OK;
}

static steme_err
get_str(const json_t *obj, const char *key, bool required, steme_str *out, steme_errinfo *ei)
{
    return get_str_as(obj, key, key, required, out, ei);
}

static bool
parse_hex(const json_t *v, uint8_t *out, size_t n)
{
    if (!json_is_string(v) || json_string_length(v) != 2 * n)
        return false;
    return steme_unhex(json_string_value(v), out, n) == STEME_OK;
}

static steme_err
get_hex(const json_t *obj, const char *name, uint8_t *out, size_t n, steme_errinfo *ei)
{
    const json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return fail(ei, name, R_MISSING);
    if (!parse_hex(v, out, n))
        return fail(ei, name, R_HEX);
    return STEME_OK;
}

static steme_err
get_time(const json_t *obj, const char *name, bool required, bool *present, int64_t *out,
         steme_errinfo *ei)
{
    const json_t *v = json_object_get(obj, name);
    if (v == NULL) {
        if (required)
            return fail(ei, name, R_MISSING);
        *present = false;
        return STEME_OK;
    }
    if (json_is_integer(v)) {
        json_int_t t = json_integer_value(v);
        if (t < 0 || t > STEME_TIME_MAX)
            return fail(ei, name, R_TIME_RANGE);
        *out = t;
    } else if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
               steme__time_parse(json_string_value(v), out) != STEME_OK) {
        return fail(ei, name, R_TIME);
    }
    *present = true;
    return STEME_OK;
}

/* A fraction in [0, 1] as parts per million (confidence, weight). */
static steme_err
get_ppm(const json_t *obj, const char *name, uint32_t *out, steme_errinfo *ei)
{
    const json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return fail(ei, name, R_MISSING);
    if (!json_is_number(v))
        return fail(ei, name, R_NOT_NUMBER);
    double x = json_number_value(v);
    if (!(x >= 0.0 && x <= 1.0))
        return fail(ei, name, R_UNIT_RANGE);
    *out = (uint32_t)llround(x * STEME_CONFIDENCE_ONE);
    return STEME_OK;
}

/* Error names of one value-form: an assertion's object, a gold value, a qualifier. */
typedef struct value_names {
    const char *base, *type, *value, *unit;
} value_names;

static const value_names object_names = {"object", "object.type", "object.value", "object.unit"};
static const value_names gold_names = {"value", "value.type", "value.value", "value.unit"};

static steme_err
value_from_json(const json_t *j, const value_names *n, steme_value *out, steme_errinfo *ei)
{
    static const char *const members[] = {"type", "value", "unit", NULL};
    steme_err err;

    memset(out, 0, sizeof(*out));
    /* The bare forms: the JSON type tells the value type. */
    if (json_is_string(j)) {
        out->type = STEME_VALUE_STRING;
        out->str.ptr = json_string_value(j);
        out->str.len = json_string_length(j);
        return STEME_OK;
    }
    if (json_is_integer(j)) {
        out->type = STEME_VALUE_INTEGER;
        out->integer = json_integer_value(j);
        return STEME_OK;
    }
    if (json_is_real(j)) {
        out->type = STEME_VALUE_NUMBER;
        out->number = json_real_value(j);
        return STEME_OK;
    }
    if (json_is_boolean(j)) {
        out->type = STEME_VALUE_BOOLEAN;
        out->boolean = json_is_true(j);
        return STEME_OK;
    }
    if (!json_is_object(j))
        return fail(ei, n->base, R_NOT_VALUE);

    /* The explicit form {"type", "value", "unit"}. */
    err = check_members(j, n->base, members, ei);
    if (err != STEME_OK)
        return err;
    const json_t *t = json_object_get(j, "type");
    if (t == NULL)
        return fail(ei, n->type, R_MISSING);
    if (!json_is_string(t))
        return fail(ei, n->type, R_NOT_STRING);
    int type = steme_value_type_parse(json_string_value(t));
    if (type == 0)
        return fail(ei, n->type, "unknown value type");
    const json_t *v = json_object_get(j, "value");
    if (v == NULL)
        return fail(ei, n->value, R_MISSING);
    const json_t *unit = json_object_get(j, "unit");
    if (unit != NULL && type != STEME_VALUE_NUMBER)
        return fail(ei, n->unit, R_UNIT);

    out->type = (steme_value_type)type;
    switch (out->type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        if (!json_is_string(v))
            return fail(ei, n->value, R_NOT_STRING);
        out->str.ptr = json_string_value(v);
        out->str.len = json_string_length(v);
        break;
    case STEME_VALUE_INTEGER:
        if (!json_is_integer(v))
            return fail(ei, n->value, R_NOT_INTEGER);
        out->integer = json_integer_value(v);
        break;
    case STEME_VALUE_NUMBER:
        if (json_is_integer(v)) {
            json_int_t i = json_integer_value(v);
            double d = (double)i;
            /* 2^63 is not a json_int_t, so test the range before converting back. */
            if (d >= 9223372036854775808.0 || (json_int_t)d != i)
                return fail(ei, n->value, R_INEXACT);
            out->number = d;
        } else if (json_is_real(v)) {
            out->number = json_real_value(v);
        } else {
            return fail(ei, n->value, R_NOT_NUMBER);
        }
        if (unit != NULL) {
            if (!json_is_string(unit))
                return fail(ei, n->unit, R_NOT_STRING);
            out->unit.ptr = json_string_value(unit);
            out->unit.len = json_string_length(unit);
        }
        break;
    case STEME_VALUE_BOOLEAN:
        if (!json_is_boolean(v))
            return fail(ei, n->value, R_NOT_BOOLEAN);
        out->boolean = json_is_true(v);
        break;
    }
    return STEME_OK;
}

steme_err
steme__value_from_json(const json_t *j, steme_value *out, steme_errinfo *ei)
{
    return value_from_json(j, &gold_names, out, ei);
}

static steme_err
get_value(const json_t *obj, const char *name, const value_names *n, steme_value *out,
          steme_errinfo *ei)
{
    const json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return fail(ei, n->base, R_MISSING);
    return value_from_json(v, n, out, ei);
}

/* An optional array of hex ids (a set: the encoder sorts it and refuses duplicates). */
static steme_err
get_ids(const json_t *obj, const char *name, steme_id *ids, size_t max, const char *too_many,
        size_t *n, steme_errinfo *ei)
{
    const json_t *v = json_object_get(obj, name);
    *n = 0;
    if (v == NULL)
        return STEME_OK;
    if (!json_is_array(v))
        return fail(ei, name, R_NOT_ARRAY);
    if (json_array_size(v) > max)
        return fail(ei, name, too_many);
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (!parse_hex(json_array_get(v, i), ids[i].b, STEME_ID_SIZE)) {
            char index[32];
            snprintf(index, sizeof(index), "[%zu]", i);
            put_name(field_buf, name, index, strlen(index), "");
            return fail(ei, field_buf, R_HEX);
        }
    }
    *n = json_array_size(v);
    return STEME_OK;
}

static steme_err
get_qualifiers(const json_t *obj, steme_assertion *a, steme_errinfo *ei)
{
    const json_t *q = json_object_get(obj, "qualifiers");
    const char *key;
    size_t key_len;
    json_t *v;

    a->n_qualifiers = 0;
    if (q == NULL)
        return STEME_OK;
    if (!json_is_object(q))
        return fail(ei, "qualifiers", R_NOT_OBJECT);
    if (json_object_size(q) > STEME_MAX_QUALIFIERS)
        return fail(ei, "qualifiers", "more than 16 entries");
    json_object_keylen_foreach((json_t *)q, key, key_len, v)
    {
        steme_qualifier *dst = &a->qualifiers[a->n_qualifiers++];
        value_names n = {qual_base, qual_type, qual_value, qual_unit};
        put_name(qual_base, "qualifiers.", key, key_len, "");
        put_name(qual_type, "qualifiers.", key, key_len, ".type");
        put_name(qual_value, "qualifiers.", key, key_len, ".value");
        put_name(qual_unit, "qualifiers.", key, key_len, ".unit");
        /* The key's JSON length: an escaped NUL stays in and the encoder refuses it. */
        dst->key.ptr = key;
        dst->key.len = key_len;
        steme_err err = value_from_json(v, &n, &dst->value, ei);
        if (err != STEME_OK)
            return err;
    }
    return STEME_OK;
}

static steme_err
assertion_from_json(const json_t *j, steme__json_record *out, steme_errinfo *ei)
{
    static const char *const members[] = {
        "kind",       "agent",      "asserted_at", "subject",     "predicate",  "object",
        "confidence", "source",     "valid_from",  "valid_until", "supersedes", "derived_from",
        "epoch",      "qualifiers", "evidence",    NULL,
    };
    static const char *const evidence_members[] = {"quote", "url", NULL};
    steme_assertion *a = &out->rec.assertion;
    steme_err err;

    out->rec.kind = STEME_RECORD_ASSERTION;
    if ((err = check_members(j, "", members, ei)) != STEME_OK ||
        (err = get_hex(j, "agent", a->agent.b, STEME_PUBKEY_SIZE, ei)) != STEME_OK ||
        (err = get_time(j, "asserted_at", true, &(bool){0}, &a->asserted_at, ei)) != STEME_OK ||
        (err = get_str(j, "subject", true, &a->subject, ei)) != STEME_OK ||
        (err = get_str(j, "predicate", true, &a->predicate, ei)) != STEME_OK ||
        (err = get_value(j, "object", &object_names, &a->object, ei)) != STEME_OK ||
        (err = get_ppm(j, "confidence", &a->confidence, ei)) != STEME_OK ||
        (err = get_str(j, "source", true, &a->source, ei)) != STEME_OK ||
        (err = get_time(j, "valid_from", false, &a->has_valid_from, &a->valid_from, ei)) !=
            STEME_OK ||
        (err = get_time(j, "valid_until", false, &a->has_valid_until, &a->valid_until, ei)) !=
            STEME_OK ||
        (err = get_ids(j, "supersedes", out->supersedes, STEME_MAX_SUPERSEDES,
                       "more than 16 entries", &a->n_supersedes, ei)) != STEME_OK ||
        (err = get_ids(j, "derived_from", out->derived_from, STEME_MAX_DERIVED_FROM,
                       "more than 64 entries", &a->n_derived_from, ei)) != STEME_OK ||
        (err = get_str(j, "epoch", false, &a->epoch, ei)) != STEME_OK ||
        (err = get_qualifiers(j, a, ei)) != STEME_OK)
        return err;
    a->supersedes = out->supersedes;
    a->derived_from = out->derived_from;

    const json_t *ev = json_object_get(j, "evidence");
    if (ev != NULL) {
        if (!json_is_object(ev))
            return fail(ei, "evidence", R_NOT_OBJECT);
        if ((err = check_members(ev, "evidence", evidence_members, ei)) != STEME_OK ||
            (err = get_str_as(ev, "quote", "evidence.quote", false, &a->evidence_quote, ei)) !=
                STEME_OK ||
            (err = get_str_as(ev, "url", "evidence.url", false, &a->evidence_url, ei)) != STEME_OK)
            return err;
    }
    return STEME_OK;
}

static steme_err
vote_from_json(const json_t *j, steme__json_record *out, steme_errinfo *ei)
{
    static const char *const members[] = {"kind",  "agent",  "voted_at", "target",
                                          "value", "reason", NULL};
    steme_vote *v = &out->rec.vote;
    steme_err err;

    out->rec.kind = STEME_RECORD_VOTE;
    if ((err = check_members(j, "", members, ei)) != STEME_OK ||
        (err = get_hex(j, "agent", v->agent.b, STEME_PUBKEY_SIZE, ei)) != STEME_OK ||
        (err = get_time(j, "voted_at", true, &(bool){0}, &v->voted_at, ei)) != STEME_OK ||
        (err = get_hex(j, "target", v->target.b, STEME_ID_SIZE, ei)) != STEME_OK ||
        (err = get_str(j, "reason", false, &v->reason, ei)) != STEME_OK)
        return err;
    const json_t *value = json_object_get(j, "value");
    if (value == NULL)
        return fail(ei, "value", R_MISSING);
    if (!json_is_integer(value) ||
        (json_integer_value(value) != 1 && json_integer_value(value) != -1))
        return fail(ei, "value", "not +1 or -1");
    v->value = (int8_t)json_integer_value(value);
    return STEME_OK;
}

/* The members each event type uses, after "kind", "agent", "at" and "type" (indexed by
 * steme_event_type). */
static const char *const event_members[STEME_EVENT_TYPE_MAX + 1][9] = {
    [STEME_EVENT_SOURCE_REGISTER] = {"kind", "agent", "at", "type", "source", "title", "url",
                                     "tier", "weight"},
    [STEME_EVENT_SOURCE_RETRACT] = {"kind", "agent", "at", "type", "source", "reason"},
    [STEME_EVENT_SOURCE_REINSTATE] = {"kind", "agent", "at", "type", "source", "reason"},
    [STEME_EVENT_EPOCH_OPEN] = {"kind", "agent", "at", "type", "epoch", "reason"},
    [STEME_EVENT_EPOCH_SUPERSEDE] = {"kind", "agent", "at", "type", "epoch", "successor", "reason"},
    [STEME_EVENT_GOLD_SET] = {"kind", "agent", "at", "type", "subject", "predicate", "value"},
    [STEME_EVENT_ASSERTION_RETRACT] = {"kind", "agent", "at", "type", "target", "reason"},
    [STEME_EVENT_QUARANTINE_DECISION] = {"kind", "agent", "at", "type", "target", "decision",
                                         "reason"},
    [STEME_EVENT_AGENT_PROFILE] = {"kind", "agent", "at", "type", "target_agent", "display_name",
                                   "role"},
    [STEME_EVENT_REAFFIRM] = {"kind", "agent", "at", "type", "target", "epoch"},
};

static steme_err
event_body_from_json(const json_t *j, steme_event *e, steme_errinfo *ei)
{
    steme_err err = STEME_OK;
    const json_t *v;

    switch (e->type) {
    case STEME_EVENT_SOURCE_REGISTER:
        if ((err = get_str(j, "source", true, &e->source, ei)) != STEME_OK ||
            (err = get_str(j, "title", false, &e->title, ei)) != STEME_OK ||
            (err = get_str(j, "url", false, &e->url, ei)) != STEME_OK)
            return err;
        v = json_object_get(j, "tier");
        if (v == NULL)
            return fail(ei, "tier", R_MISSING);
        if (!json_is_string(v))
            return fail(ei, "tier", R_NOT_STRING);
        e->tier = (uint8_t)steme_tier_parse(json_string_value(v));
        if (e->tier == 0)
            return fail(ei, "tier", "unknown tier");
        return get_ppm(j, "weight", &e->weight, ei);
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        if ((err = get_str(j, "source", true, &e->source, ei)) != STEME_OK)
            return err;
        return get_str(j, "reason", false, &e->reason, ei);
    case STEME_EVENT_EPOCH_OPEN:
        if ((err = get_str(j, "epoch", true, &e->epoch, ei)) != STEME_OK)
            return err;
        return get_str(j, "reason", false, &e->reason, ei);
    case STEME_EVENT_EPOCH_SUPERSEDE:
        if ((err = get_str(j, "epoch", true, &e->epoch, ei)) != STEME_OK ||
            (err = get_str(j, "successor", true, &e->successor, ei)) != STEME_OK)
            return err;
        return get_str(j, "reason", false, &e->reason, ei);
    case STEME_EVENT_GOLD_SET:
        if ((err = get_str(j, "subject", true, &e->subject, ei)) != STEME_OK ||
            (err = get_str(j, "predicate", true, &e->predicate, ei)) != STEME_OK)
            return err;
        return get_value(j, "value", &gold_names, &e->value, ei);
    case STEME_EVENT_ASSERTION_RETRACT:
        if ((err = get_hex(j, "target", e->target.b, STEME_ID_SIZE, ei)) != STEME_OK)
            return err;
        return get_str(j, "reason", false, &e->reason, ei);
    case STEME_EVENT_QUARANTINE_DECISION:
        if ((err = get_hex(j, "target", e->target.b, STEME_ID_SIZE, ei)) != STEME_OK)
            return err;
        v = json_object_get(j, "decision");
        if (v == NULL)
            return fail(ei, "decision", R_MISSING);
        if (!json_is_string(v))
            return fail(ei, "decision", R_NOT_STRING);
        if (strcmp(json_string_value(v), "approve") == 0)
            e->decision = STEME_DECISION_APPROVE;
        else if (strcmp(json_string_value(v), "reject") == 0)
            e->decision = STEME_DECISION_REJECT;
        else
            return fail(ei, "decision", "not \"approve\" or \"reject\"");
        return get_str(j, "reason", false, &e->reason, ei);
    case STEME_EVENT_AGENT_PROFILE:
        if ((err = get_hex(j, "target_agent", e->target_agent.b, STEME_PUBKEY_SIZE, ei)) !=
                STEME_OK ||
            (err = get_str(j, "display_name", false, &e->display_name, ei)) != STEME_OK)
            return err;
        return get_str(j, "role", false, &e->role, ei);
    case STEME_EVENT_REAFFIRM:
        if ((err = get_hex(j, "target", e->target.b, STEME_ID_SIZE, ei)) != STEME_OK)
            return err;
        return get_str(j, "epoch", true, &e->epoch, ei);
    }
    return fail(ei, "type", "unknown event type");
}

static steme_err
event_from_json(const json_t *j, steme__json_record *out, steme_errinfo *ei)
{
    steme_event *e = &out->rec.event;
    steme_err err;

    out->rec.kind = STEME_RECORD_EVENT;
    const json_t *t = json_object_get(j, "type");
    if (t == NULL)
        return fail(ei, "type", R_MISSING);
    if (!json_is_string(t))
        return fail(ei, "type", R_NOT_STRING);
    int type = steme_event_type_parse(json_string_value(t));
    if (type == 0)
        return fail(ei, "type", "unknown event type");
    e->type = (steme_event_type)type;

    /* The table rows are NULL-padded after their last member. */
    const char *allowed[10] = {NULL};
    memcpy(allowed, event_members[type], sizeof(event_members[type]));
    if ((err = check_members(j, "", allowed, ei)) != STEME_OK ||
        (err = get_hex(j, "agent", e->agent.b, STEME_PUBKEY_SIZE, ei)) != STEME_OK ||
        (err = get_time(j, "at", true, &(bool){0}, &e->at, ei)) != STEME_OK)
        return err;
    return event_body_from_json(j, e, ei);
}

steme_err
steme__record_from_json(const json_t *j, steme__json_record *out, steme_errinfo *ei)
{
    steme_errinfo scratch;
    steme__json_record tmp;
    steme_err err;

    if (ei == NULL)
        ei = &scratch;
    if (out == NULL)
        return fail(ei, "record", "NULL pointer");
    if (!json_is_object(j))
        return fail(ei, "record", R_NOT_OBJECT);
    const json_t *kind = json_object_get(j, "kind");
    if (kind == NULL)
        return fail(ei, "kind", R_MISSING);
    if (!json_is_string(kind))
        return fail(ei, "kind", R_NOT_STRING);

    memset(&tmp, 0, sizeof(tmp));
    switch (steme_record_kind_parse(json_string_value(kind))) {
    case STEME_RECORD_ASSERTION:
        err = assertion_from_json(j, &tmp, ei);
        break;
    case STEME_RECORD_VOTE:
        err = vote_from_json(j, &tmp, ei);
        break;
    case STEME_RECORD_EVENT:
        err = event_from_json(j, &tmp, ei);
        break;
    default:
        return fail(ei, "kind", "unknown kind");
    }
    if (err != STEME_OK)
        return err;
    *out = tmp;
    /* The id lists point into the struct they live in: re-aim them at *out. */
    if (out->rec.kind == STEME_RECORD_ASSERTION) {
        out->rec.assertion.supersedes = out->supersedes;
        out->rec.assertion.derived_from = out->derived_from;
    }
    return STEME_OK;
}
