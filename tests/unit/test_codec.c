/* SPDX-License-Identifier: MIT */
/*
 * test_codec.c -- the canonical record codec (docs/encoding.md): the test vectors (JSON form
 * -> bytes -> id -> signature, and back), every invalid vector refused with its field, rule and
 * offset, the encoder's own refusals, sorting of sets, size limits, a mutation sweep over every
 * byte of every vector, and random records that must round-trip exactly.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record_json.h"
#include "vectors.h"

static uint8_t buf[STEME_MAX_RECORD + 16];
static uint8_t buf2[STEME_MAX_RECORD + 16];

static size_t
encode_ok(const steme_record *rec, uint8_t *out)
{
    steme_errinfo ei = {0};
    size_t len = 0;
    steme_err err = steme_record_encode(rec, out, STEME_MAX_RECORD, &len, &ei);
    if (err != STEME_OK)
        fail_msg("encode: %d %s: %s", err, ei.field, ei.rule);
    return len;
}

/* Decoding b must succeed and re-encoding the result must give b again. */
static void
assert_roundtrip(const uint8_t *b, size_t len, steme_record *ret)
{
    steme_errinfo ei = {0};
    steme_err err = steme_record_decode(b, len, ret, &ei);
    if (err != STEME_OK)
        fail_msg("decode: %s: %s at %zu", ei.field, ei.rule, ei.offset);
    size_t n = encode_ok(ret, buf2);
    assert_int_equal(n, len);
    assert_memory_equal(buf2, b, len);
}

static void
assert_hex(const uint8_t *b, size_t n, const char *want)
{
    char *hex = malloc(2 * n + 1);
    assert_non_null(hex);
    steme_hex(b, n, hex);
    assert_string_equal(hex, want);
    free(hex);
}

/* ---------------------------------------------------------------------------------------------
 * Vectors
 */

static void
test_vectors(void **state)
{
    (void)state;
    json_t *root = vectors_load("records.json");
    json_t *vectors = vectors_array(root);
    steme_keypair *kp = vectors_key();
    steme_pubkey pk;
    steme_keypair_public(kp, &pk);
    assert_hex(pk.b, sizeof(pk.b), json_string_value(json_object_get(root, "public_key_hex")));

    /* What the vectors must cover between them. */
    unsigned kinds = 0, event_types = 0, value_types = 0, flags = 0;
    size_t i;
    json_t *v;
    json_array_foreach(vectors, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        steme__json_record jr;
        steme_errinfo ei = {0};
        if (steme__record_from_json(json_object_get(v, "record"), &jr, &ei) != STEME_OK)
            fail_msg("%s: from_json: %s: %s", name, ei.field, ei.rule);

        size_t len;
        steme_id id, id2;
        steme_sig sig;
        if (steme_record_sign(&jr.rec, kp, buf, sizeof(buf), &len, &id, &sig, &ei) != STEME_OK)
            fail_msg("%s: sign: %s: %s", name, ei.field, ei.rule);
        assert_hex(buf, len, json_string_value(json_object_get(v, "canonical_hex")));
        assert_hex(id.b, sizeof(id.b), json_string_value(json_object_get(v, "id_hex")));
        assert_hex(sig.b, sizeof(sig.b), json_string_value(json_object_get(v, "signature_hex")));
        steme_record_id(buf, len, &id2);
        assert_memory_equal(id.b, id2.b, sizeof(id.b));
        assert_true(steme_sig_verify(&pk, &id, &sig));

        steme_record rec;
        assert_roundtrip(buf, len, &rec);
        assert_memory_equal(steme_record_author(&rec)->b, pk.b, sizeof(pk.b));

        kinds |= 1u << rec.kind;
        if (rec.kind == STEME_RECORD_ASSERTION) {
            const steme_assertion *a = &rec.assertion;
            value_types |= 1u << a->object.type;
            for (size_t q = 0; q < a->n_qualifiers; q++)
                value_types |= 1u << a->qualifiers[q].value.type;
            flags |= (a->has_valid_from ? 0x01 : 0) | (a->has_valid_until ? 0x02 : 0) |
                     (a->n_supersedes ? 0x04 : 0) | (a->n_derived_from ? 0x08 : 0) |
                     (a->epoch.len ? 0x10 : 0) | (a->n_qualifiers ? 0x20 : 0) |
                     (a->evidence_quote.len ? 0x40 : 0) | (a->evidence_url.len ? 0x80 : 0);
        } else if (rec.kind == STEME_RECORD_EVENT) {
            event_types |= 1u << rec.event.type;
            if (rec.event.type == STEME_EVENT_GOLD_SET)
                value_types |= 1u << rec.event.value.type;
        }
    }
    assert_int_equal(kinds, 0xE);         /* kinds 1..3 */
    assert_int_equal(event_types, 0x7FE); /* event types 1..10 */
    assert_int_equal(value_types, 0x3E);  /* value types 1..5 */
    assert_int_equal(flags, 0xFF);        /* every optional field */
    assert_true(json_array_size(vectors) >= 12);
    steme_keypair_free(kp);
    json_decref(root);
}

static void
test_invalid_vectors(void **state)
{
    (void)state;
    json_t *root = vectors_load("invalid.json");
    size_t i;
    json_t *v;
    json_array_foreach(vectors_array(root), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        size_t len;
        uint8_t *b = vectors_unhex(json_string_value(json_object_get(v, "hex")), &len);
        steme_record rec, before;
        memset(&rec, 0xA5, sizeof(rec));
        memcpy(&before, &rec, sizeof(rec));
        steme_errinfo ei = {0};
        steme_err err = steme_record_decode(b, len, &rec, &ei);
        if (err != STEME_EINVAL)
            fail_msg("%s: decoded (err %d)", name, err);
        if (strcmp(ei.field, json_string_value(json_object_get(v, "field"))) != 0 ||
            strcmp(ei.rule, json_string_value(json_object_get(v, "rule"))) != 0 ||
            ei.offset != (size_t)json_integer_value(json_object_get(v, "offset")))
            fail_msg("%s: got %s: %s at %zu", name, ei.field, ei.rule, ei.offset);
        /* Out-parameters are written only on success. */
        assert_memory_equal(&rec, &before, sizeof(rec));
        free(b);
    }
    json_decref(root);
}

/* Every proper prefix of a record is refused as truncated; every single-byte change either
 * is refused cleanly or decodes to a record that re-encodes to exactly the changed bytes. */
static void
test_mutations(void **state)
{
    (void)state;
    static const uint8_t xors[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF};
    json_t *root = vectors_load("records.json");
    size_t i, accepted = 0, refused = 0;
    json_t *v;
    json_array_foreach(vectors_array(root), i, v)
    {
        size_t len;
        uint8_t *b = vectors_unhex(json_string_value(json_object_get(v, "canonical_hex")), &len);
        uint8_t *m = malloc(len + 1);
        assert_non_null(m);
        steme_record rec;
        steme_errinfo ei;

        for (size_t n = 0; n < len; n++) {
            /* A fresh allocation of exactly n bytes: ASan sees any read past the end. */
            uint8_t *p = malloc(n ? n : 1);
            assert_non_null(p);
            memcpy(p, b, n);
            ei.field = ei.rule = NULL;
            assert_int_equal(steme_record_decode(p, n, &rec, &ei), STEME_EINVAL);
            assert_string_equal(ei.rule, "truncated");
            assert_true(ei.offset <= n);
            free(p);
        }
        for (size_t pos = 0; pos < len; pos++) {
            for (size_t k = 0; k < sizeof(xors); k++) {
                memcpy(m, b, len);
                m[pos] ^= xors[k];
                ei.field = ei.rule = NULL;
                if (steme_record_decode(m, len, &rec, &ei) == STEME_OK) {
                    size_t n = encode_ok(&rec, buf2);
                    assert_int_equal(n, len);
                    assert_memory_equal(buf2, m, len);
                    accepted++;
                } else {
                    assert_non_null(ei.field);
                    assert_non_null(ei.rule);
                    assert_true(ei.offset <= len);
                    refused++;
                }
            }
            /* An inserted byte. */
            memcpy(m, b, pos);
            m[pos] = 0x00;
            memcpy(m + pos + 1, b + pos, len - pos);
            if (steme_record_decode(m, len + 1, &rec, &ei) == STEME_OK) {
                assert_int_equal(encode_ok(&rec, buf2), len + 1);
                assert_memory_equal(buf2, m, len + 1);
            }
        }
        free(m);
        free(b);
    }
    /* Both outcomes must occur, or the sweep is not testing anything. */
    assert_true(accepted > 0);
    assert_true(refused > 0);
    json_decref(root);
}

/* ---------------------------------------------------------------------------------------------
 * Encoder
 */

static const steme_id id_a = {{0xAA}}, id_b = {{0xBB}}, id_c = {{0xCC}};

static void
base_assertion(steme_record *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = STEME_RECORD_ASSERTION;
    steme_assertion *a = &r->assertion;
    memset(a->agent.b, 7, sizeof(a->agent.b));
    a->asserted_at = 1714564800000;
    a->subject = steme_str_c("drug:atorvastatin");
    a->predicate = steme_str_c("adverse_event.myalgia.incidence");
    a->object.type = STEME_VALUE_NUMBER;
    a->object.number = 0.05;
    a->object.unit = steme_str_c("fraction");
    a->confidence = 900000;
    a->source = steme_str_c("fda:label:lipitor:2024");
}

static void
base_vote(steme_record *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = STEME_RECORD_VOTE;
    r->vote.voted_at = 1;
    r->vote.target = id_a;
    r->vote.value = 1;
}

static void
base_event(steme_record *r, steme_event_type type)
{
    memset(r, 0, sizeof(*r));
    r->kind = STEME_RECORD_EVENT;
    steme_event *e = &r->event;
    e->type = type;
    e->at = 2;
    e->source = steme_str_c("src");
    e->tier = STEME_TIER_EXPERT;
    e->weight = 600000;
    e->epoch = steme_str_c("e1");
    e->successor = steme_str_c("e2");
    e->subject = steme_str_c("drug:x");
    e->predicate = steme_str_c("p");
    e->value.type = STEME_VALUE_BOOLEAN;
    e->decision = STEME_DECISION_APPROVE;
}

static void
expect_refusal(const steme_record *r, steme_err want, const char *field, const char *rule, int line)
{
    steme_errinfo ei = {0};
    size_t len = 12345;
    steme_err err = steme_record_encode(r, buf, sizeof(buf), &len, &ei);
    if (err != want || ei.field == NULL || strcmp(ei.field, field) != 0 ||
        strcmp(ei.rule, rule) != 0)
        fail_msg("line %d: got %d %s: %s, want %s: %s", line, err, ei.field ? ei.field : "-",
                 ei.rule ? ei.rule : "-", field, rule);
    assert_int_equal(len, 12345);
}

#define REFUSE(base, change, field, rule)                                                          \
    do {                                                                                           \
        steme_record r;                                                                            \
        base;                                                                                      \
        change;                                                                                    \
        expect_refusal(&r, STEME_EINVAL, field, rule, __LINE__);                                   \
    } while (0)

#define A_REFUSE(change, field, rule)       REFUSE(base_assertion(&r), change, field, rule)
#define E_REFUSE(type, change, field, rule) REFUSE(base_event(&r, type), change, field, rule)

static char long_buf[5000];

static steme_str
repeat(char c, size_t n)
{
    memset(long_buf, c, n);
    return (steme_str){long_buf, n};
}

static void
test_encoder_refusals(void **state)
{
    (void)state;
    steme_id many[STEME_MAX_DERIVED_FROM + 1];
    for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
        memset(many[i].b, (int)i, STEME_ID_SIZE);
    steme_id dup[3] = {id_a, id_b, id_a};

    A_REFUSE(r.kind = 0, "kind", "unknown tag");
    A_REFUSE(r.kind = 4, "kind", "unknown tag");
    A_REFUSE(r.assertion.asserted_at = -1, "asserted_at", "out of range 0..253402300799999");
    A_REFUSE(r.assertion.asserted_at = STEME_TIME_MAX + 1, "asserted_at",
             "out of range 0..253402300799999");
    A_REFUSE(r.assertion.subject = steme_str_c(""), "subject", "empty");
    A_REFUSE(r.assertion.subject = repeat('x', 513), "subject", "longer than 512 bytes");
    A_REFUSE(r.assertion.subject = steme_str_c(" drug:x"), "subject", "leading or trailing space");
    A_REFUSE(r.assertion.subject = steme_str_c("drug:x "), "subject", "leading or trailing space");
    A_REFUSE(r.assertion.subject = steme_str_c("drug\x01x"), "subject",
             "contains a control character");
    A_REFUSE(r.assertion.subject = steme_str_c("drug:\xc3"), "subject", "invalid UTF-8");
    A_REFUSE(r.assertion.subject = ((steme_str){NULL, 3}), "subject",
             "NULL pointer with a nonzero length");
    A_REFUSE(r.assertion.predicate = repeat('p', 257), "predicate", "longer than 256 bytes");
    A_REFUSE(r.assertion.object.type = 0, "object.type", "unknown tag");
    A_REFUSE(r.assertion.object.type = 6, "object.type", "unknown tag");
    A_REFUSE(r.assertion.object.number = NAN, "object.value", "not finite");
    A_REFUSE(r.assertion.object.number = -INFINITY, "object.value", "not finite");
    A_REFUSE(r.assertion.object.unit = repeat('u', 33), "object.unit", "longer than 32 bytes");
    A_REFUSE((r.assertion.object.type = STEME_VALUE_REF, r.assertion.object.str = steme_str_c("")),
             "object.value", "empty");
    A_REFUSE(
        (r.assertion.object.type = STEME_VALUE_STRING, r.assertion.object.str = repeat('s', 4097)),
        "object.value", "longer than 4096 bytes");
    A_REFUSE((r.assertion.object.type = STEME_VALUE_STRING,
              r.assertion.object.str = steme_str_c("a\rb")),
             "object.value", "contains a control character");
    A_REFUSE(r.assertion.confidence = 1000001, "confidence", "out of range 0..1000000");
    A_REFUSE(r.assertion.source = steme_str_c(""), "source", "empty");
    A_REFUSE((r.assertion.has_valid_from = true, r.assertion.valid_from = -5), "valid_from",
             "out of range 0..253402300799999");
    A_REFUSE((r.assertion.has_valid_from = r.assertion.has_valid_until = true,
              r.assertion.valid_from = 10, r.assertion.valid_until = 9),
             "valid_until", "before valid_from");
    A_REFUSE((r.assertion.supersedes = many, r.assertion.n_supersedes = 17), "supersedes",
             "more than 16 entries");
    A_REFUSE((r.assertion.supersedes = dup, r.assertion.n_supersedes = 3), "supersedes",
             "duplicate");
    A_REFUSE((r.assertion.supersedes = NULL, r.assertion.n_supersedes = 1), "supersedes",
             "NULL pointer with a nonzero length");
    A_REFUSE((r.assertion.derived_from = many, r.assertion.n_derived_from = 65), "derived_from",
             "more than 64 entries");
    A_REFUSE((r.assertion.derived_from = dup, r.assertion.n_derived_from = 3), "derived_from",
             "duplicate");
    A_REFUSE(r.assertion.epoch = steme_str_c(" e"), "epoch", "leading or trailing space");
    A_REFUSE(r.assertion.epoch = repeat('e', 129), "epoch", "longer than 128 bytes");
    A_REFUSE(r.assertion.n_qualifiers = 17, "qualifiers", "more than 16 entries");
    A_REFUSE((r.assertion.n_qualifiers = 3, r.assertion.qualifiers[0].key = steme_str_c("k"),
              r.assertion.qualifiers[1].key = steme_str_c("j"),
              r.assertion.qualifiers[2].key = steme_str_c("k"),
              r.assertion.qualifiers[0].value.type = STEME_VALUE_BOOLEAN,
              r.assertion.qualifiers[1].value.type = STEME_VALUE_BOOLEAN,
              r.assertion.qualifiers[2].value.type = STEME_VALUE_BOOLEAN),
             "qualifiers[2].key", "duplicate");
    A_REFUSE((r.assertion.n_qualifiers = 2, r.assertion.qualifiers[0].key = steme_str_c("k"),
              r.assertion.qualifiers[0].value.type = STEME_VALUE_BOOLEAN),
             "qualifiers[1].key", "empty");
    A_REFUSE((r.assertion.n_qualifiers = 2, r.assertion.qualifiers[0].key = steme_str_c("z"),
              r.assertion.qualifiers[1].key = steme_str_c("a"),
              r.assertion.qualifiers[0].value.type = STEME_VALUE_BOOLEAN,
              r.assertion.qualifiers[1].value.type = STEME_VALUE_NUMBER,
              r.assertion.qualifiers[1].value.number = NAN),
             "qualifiers[1].value", "not finite");
    A_REFUSE(r.assertion.evidence_quote = steme_str_c("say \x1b[31m"), "evidence.quote",
             "contains a control character");
    A_REFUSE(r.assertion.evidence_url = steme_str_c("https://x.org/a b"), "evidence.url",
             "contains a space");
    A_REFUSE(r.assertion.evidence_url = repeat('u', 2049), "evidence.url",
             "longer than 2048 bytes");

    REFUSE(base_vote(&r), r.vote.value = 0, "value", "not +1 or -1");
    REFUSE(base_vote(&r), r.vote.value = 2, "value", "not +1 or -1");
    REFUSE(base_vote(&r), r.vote.voted_at = -1, "voted_at", "out of range 0..253402300799999");
    REFUSE(base_vote(&r), r.vote.reason = steme_str_c("\x7f"), "reason",
           "contains a control character");

    E_REFUSE(0, (void)0, "event.type", "unknown tag");
    E_REFUSE(11, (void)0, "event.type", "unknown tag");
    E_REFUSE(STEME_EVENT_SOURCE_REGISTER, r.event.tier = 0, "tier", "unknown tag");
    E_REFUSE(STEME_EVENT_SOURCE_REGISTER, r.event.tier = 7, "tier", "unknown tag");
    E_REFUSE(STEME_EVENT_SOURCE_REGISTER, r.event.weight = 1000001, "weight",
             "out of range 0..1000000");
    E_REFUSE(STEME_EVENT_SOURCE_REGISTER, r.event.url = steme_str_c("a b"), "url",
             "contains a space");
    E_REFUSE(STEME_EVENT_SOURCE_RETRACT, r.event.source = steme_str_c(""), "source", "empty");
    E_REFUSE(STEME_EVENT_EPOCH_OPEN, r.event.epoch = steme_str_c(""), "epoch", "empty");
    E_REFUSE(STEME_EVENT_EPOCH_SUPERSEDE, r.event.successor = steme_str_c("e1"), "successor",
             "same as epoch");
    E_REFUSE(STEME_EVENT_GOLD_SET,
             (r.event.value.type = STEME_VALUE_NUMBER, r.event.value.number = INFINITY),
             "value.value", "not finite");
    E_REFUSE(STEME_EVENT_QUARANTINE_DECISION, r.event.decision = 3, "decision", "unknown tag");
    E_REFUSE(STEME_EVENT_AGENT_PROFILE, r.event.display_name = steme_str_c("Ada "), "display_name",
             "leading or trailing space");
    E_REFUSE(STEME_EVENT_AGENT_PROFILE, r.event.role = repeat('r', 129), "role",
             "longer than 128 bytes");
    E_REFUSE(STEME_EVENT_REAFFIRM, r.event.epoch = steme_str_c(""), "epoch", "empty");

    /* Arguments. */
    steme_record r;
    steme_errinfo ei;
    size_t len;
    base_assertion(&r);
    assert_int_equal(steme_record_encode(NULL, buf, sizeof(buf), &len, &ei), STEME_EINVAL);
    assert_int_equal(steme_record_encode(&r, buf, sizeof(buf), NULL, &ei), STEME_EINVAL);
    assert_int_equal(steme_record_encode(&r, buf, sizeof(buf), &len, NULL), STEME_OK);
    assert_int_equal(steme_record_decode(NULL, 0, &r, NULL), STEME_EINVAL);
    assert_int_equal(steme_record_decode(buf, len, NULL, &ei), STEME_EINVAL);
    assert_int_equal(steme_record_decode(NULL, 5, &r, &ei), STEME_EINVAL);
}

/* Members that a kind, event type or value type does not use are ignored, whatever they hold. */
static void
test_encoder_ignores_unused(void **state)
{
    (void)state;
    steme_record r, d;
    size_t len, len2;

    base_event(&r, STEME_EVENT_REAFFIRM);
    len = encode_ok(&r, buf);
    r.event.subject = (steme_str){NULL, 99};
    r.event.tier = 200;
    r.event.value.type = 77;
    r.event.decision = 9;
    r.event.reason = steme_str_c("\x01");
    len2 = encode_ok(&r, buf2);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    /* The decoder zeroes them. */
    assert_roundtrip(buf, len, &d);
    assert_int_equal(d.event.tier, 0);
    assert_null(d.event.subject.ptr);
    assert_int_equal(d.event.reason.len, 0);

    base_assertion(&r);
    r.assertion.object.type = STEME_VALUE_INTEGER;
    r.assertion.object.integer = -1;
    r.assertion.object.unit = (steme_str){NULL, 7};
    r.assertion.object.number = NAN;
    len = encode_ok(&r, buf);
    assert_roundtrip(buf, len, &d);
    assert_int_equal(d.assertion.object.integer, -1);
}

static void
test_negative_zero(void **state)
{
    (void)state;
    steme_record r, d;
    base_assertion(&r);
    r.assertion.object.number = -0.0;
    size_t len = encode_ok(&r, buf);
    r.assertion.object.number = 0.0;
    assert_int_equal(encode_ok(&r, buf2), len);
    assert_memory_equal(buf, buf2, len);
    assert_roundtrip(buf, len, &d);
    assert_false(signbit(d.assertion.object.number));
}

static void
test_sets_sorted(void **state)
{
    (void)state;
    steme_record r, d;
    steme_id ids1[3] = {id_c, id_a, id_b}, ids2[3] = {id_b, id_c, id_a};
    steme_id near[2];
    memset(near, 0x5E, sizeof(near));
    near[0].b[31] = 0xD8;
    near[1].b[31] = 0xD7;

    base_assertion(&r);
    r.assertion.supersedes = ids1;
    r.assertion.n_supersedes = 3;
    r.assertion.derived_from = near;
    r.assertion.n_derived_from = 2;
    r.assertion.n_qualifiers = 3;
    const char *keys[3] = {"dose_mg", "dose", "Age"};
    for (int i = 0; i < 3; i++) {
        r.assertion.qualifiers[i].key = steme_str_c(keys[i]);
        r.assertion.qualifiers[i].value.type = STEME_VALUE_INTEGER;
        r.assertion.qualifiers[i].value.integer = i;
    }
    size_t len = encode_ok(&r, buf);
    assert_roundtrip(buf, len, &d);
    assert_memory_equal(d.assertion.supersedes[0].b, id_a.b, STEME_ID_SIZE);
    assert_memory_equal(d.assertion.supersedes[2].b, id_c.b, STEME_ID_SIZE);
    assert_int_equal(d.assertion.derived_from[0].b[31], 0xD7);
    assert_int_equal(d.assertion.qualifiers[0].key.len, 3); /* "Age" < "dose" < "dose_mg" */
    assert_int_equal(d.assertion.qualifiers[1].value.integer, 1);
    assert_int_equal(d.assertion.qualifiers[2].value.integer, 0);
    /* The caller's arrays are not touched. */
    assert_memory_equal(ids1[0].b, id_c.b, STEME_ID_SIZE);
    assert_string_equal(r.assertion.qualifiers[0].key.ptr, "dose_mg");

    /* Another order of the same sets: the same bytes. */
    r.assertion.supersedes = ids2;
    steme_qualifier q0 = r.assertion.qualifiers[0];
    r.assertion.qualifiers[0] = r.assertion.qualifiers[2];
    r.assertion.qualifiers[2] = q0;
    assert_int_equal(encode_ok(&r, buf2), len);
    assert_memory_equal(buf, buf2, len);
}

static void
test_limits(void **state)
{
    (void)state;
    steme_record r, d;
    steme_errinfo ei;
    size_t len, len2 = 777;

    /* A buffer one byte short of any vector is refused; exactly enough is fine. */
    base_assertion(&r);
    len = encode_ok(&r, buf);
    for (size_t cap = 0; cap < len; cap++) {
        ei.field = NULL;
        assert_int_equal(steme_record_encode(&r, buf2, cap, &len2, &ei), STEME_ELIMIT);
        assert_string_equal(ei.rule, "buffer too small");
        assert_int_equal(len2, 777);
    }
    assert_int_equal(steme_record_encode(&r, NULL, 0, &len2, &ei), STEME_ELIMIT);
    assert_int_equal(steme_record_encode(&r, buf2, len, &len2, &ei), STEME_OK);
    assert_int_equal(len2, len);
    /* Validation comes before the size: a bad field in a too-small buffer is EINVAL. */
    r.assertion.confidence = 2000000;
    assert_int_equal(steme_record_encode(&r, buf2, 10, &len2, &ei), STEME_EINVAL);
    r.assertion.confidence = 1;

    /* Grow 16 qualifiers of long strings to exactly STEME_MAX_RECORD, then one byte past. */
    static char text[16][STEME_MAX_TEXT];
    r.assertion.n_qualifiers = 16;
    for (int i = 0; i < 16; i++) {
        memset(text[i], 'a' + i, STEME_MAX_TEXT);
        r.assertion.qualifiers[i].key = (steme_str){text[i], 1};
        r.assertion.qualifiers[i].value.type = STEME_VALUE_STRING;
        r.assertion.qualifiers[i].value.str = (steme_str){text[i], 3900};
    }
    len = encode_ok(&r, buf);
    size_t missing = STEME_MAX_RECORD - len;
    for (int i = 0; missing > 0; i++) {
        size_t add = missing < STEME_MAX_TEXT - 3900 ? missing : STEME_MAX_TEXT - 3900;
        r.assertion.qualifiers[i].value.str.len += add;
        missing -= add;
    }
    len = encode_ok(&r, buf);
    assert_int_equal(len, STEME_MAX_RECORD);
    assert_roundtrip(buf, len, &d);
    r.assertion.evidence_quote = steme_str_c("q"); /* + 3 bytes */
    assert_int_equal(steme_record_encode(&r, buf, sizeof(buf), &len2, &ei), STEME_ELIMIT);
    assert_string_equal(ei.field, "record");
    assert_string_equal(ei.rule, "longer than 65536 bytes");

    /* The decoder refuses any input over the limit before looking at it. */
    buf[STEME_MAX_RECORD] = 0;
    assert_int_equal(steme_record_decode(buf, STEME_MAX_RECORD + 1, &d, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "record");
    assert_string_equal(ei.rule, "longer than 65536 bytes");
}

static void
test_names(void **state)
{
    (void)state;
    for (int k = 1; k <= 3; k++)
        assert_int_equal(steme_record_kind_parse(steme_record_kind_name(k)), k);
    for (int t = 1; t <= 5; t++)
        assert_int_equal(steme_value_type_parse(steme_value_type_name(t)), t);
    for (int t = 1; t <= STEME_EVENT_TYPE_MAX; t++)
        assert_int_equal(steme_event_type_parse(steme_event_type_name(t)), t);
    for (int t = 1; t <= 6; t++)
        assert_int_equal(steme_tier_parse(steme_tier_name(t)), t);
    assert_string_equal(steme_event_type_name(STEME_EVENT_QUARANTINE_DECISION),
                        "quarantine_decision");
    assert_string_equal(steme_tier_name(STEME_TIER_PEER_REVIEWED), "peer_reviewed");
    assert_null(steme_record_kind_name(0));
    assert_null(steme_value_type_name(6));
    assert_null(steme_event_type_name(STEME_EVENT_TYPE_MAX + 1));
    assert_null(steme_tier_name(-1));
    assert_int_equal(steme_tier_parse("Regulatory"), 0);
    assert_int_equal(steme_event_type_parse(""), 0);
    assert_int_equal(steme_value_type_parse(NULL), 0);

    steme_str s = steme_str_c(NULL);
    assert_int_equal(s.len, 0);
    s = steme_str_c("abc");
    assert_int_equal(s.len, 3);
    assert_null(steme_record_author(NULL));
}

/* ---------------------------------------------------------------------------------------------
 * Random records (fixed seed, so a failure is reproducible)
 */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t
below(size_t n)
{
    return (size_t)(rnd() % n);
}

static char arena[1 << 20];
static size_t arena_used;

enum { IDENT, TEXT, URL };

/* A random string of min..max bytes obeying rule: ASCII, spaces, '\n'/'\t' in texts, and 2-,
 * 3- and 4-byte UTF-8 sequences. Mostly short, sometimes as long as allowed. */
static steme_str
rnd_str(size_t min, size_t max, int rule)
{
    static const char *const multi[] = {"\xc3\xa9",        "\xc2\xa0",     "\xe2\x82\xac",
                                        "\xe6\xbc\xa2",    "\xef\xbf\xbd", "\xf0\x9f\x98\x80",
                                        "\xf4\x8f\xbf\xbf"};
    size_t target = below(8) == 0 ? max : min + below((max - min < 24 ? max - min : 24) + 1);
    char *s = arena + arena_used;
    size_t len = 0;
    assert_true(arena_used + max < sizeof(arena));
    while (len < target) {
        size_t pick = below(20);
        const char *c;
        char one[2] = {0};
        if (pick < 3) {
            c = multi[below(sizeof(multi) / sizeof(multi[0]))];
        } else if (pick == 3 && rule != URL) {
            c = " ";
        } else if (pick == 4 && rule == TEXT) {
            c = below(2) ? "\n" : "\t";
        } else {
            one[0] = (char)(0x21 + below(0x7E - 0x21 + 1));
            c = one;
        }
        size_t n = strlen(c);
        if (len + n > target)
            c = "a", n = 1;
        memcpy(s + len, c, n);
        len += n;
    }
    if (rule == IDENT && len > 0) {
        if (s[0] == ' ')
            s[0] = '_';
        if (s[len - 1] == ' ')
            s[len - 1] = '_';
    }
    arena_used += len;
    return (steme_str){len ? s : NULL, len};
}

static int64_t
rnd_time(void)
{
    switch (below(8)) {
    case 0:
        return 0;
    case 1:
        return STEME_TIME_MAX;
    default:
        return (int64_t)(rnd() % (uint64_t)(STEME_TIME_MAX + 1));
    }
}

static void
rnd_value(steme_value *v)
{
    memset(v, 0, sizeof(*v));
    v->type = (steme_value_type)(1 + below(5));
    switch (v->type) {
    case STEME_VALUE_STRING:
        v->str = rnd_str(0, STEME_MAX_TEXT, TEXT);
        break;
    case STEME_VALUE_INTEGER:
        v->integer = (int64_t)rnd();
        break;
    case STEME_VALUE_NUMBER: {
        static const double special[] = {0.0, -0.0, DBL_MIN, DBL_MAX, -DBL_MAX, 4.9e-324, 1.0};
        if (below(4) == 0) {
            v->number = special[below(sizeof(special) / sizeof(special[0]))];
        } else {
            uint64_t bits;
            do
                bits = rnd();
            while ((bits & 0x7FF0000000000000ULL) == 0x7FF0000000000000ULL);
            memcpy(&v->number, &bits, sizeof(bits));
        }
        v->unit = rnd_str(0, STEME_MAX_UNIT, IDENT);
        break;
    }
    case STEME_VALUE_BOOLEAN:
        v->boolean = below(2);
        break;
    case STEME_VALUE_REF:
        v->str = rnd_str(1, STEME_MAX_SUBJECT, IDENT);
        break;
    }
}

/* n distinct ids; often sharing long prefixes, so that the order depends on late bytes. */
static void
rnd_ids(steme_id *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
    again:
        for (size_t k = 0; k < STEME_ID_SIZE; k++)
            ids[i].b[k] = below(2) ? 0x5E : (uint8_t)rnd();
        for (size_t j = 0; j < i; j++)
            if (memcmp(ids[i].b, ids[j].b, STEME_ID_SIZE) == 0)
                goto again;
    }
}

static size_t
rnd_count(size_t max)
{
    return below(3) == 0 ? 0 : below(4) == 0 ? max : 1 + below(max < 4 ? max : 4);
}

static steme_id r_supersedes[STEME_MAX_SUPERSEDES], r_derived[STEME_MAX_DERIVED_FROM];

static void
rnd_assertion(steme_assertion *a)
{
    memset(a, 0, sizeof(*a));
    for (size_t k = 0; k < STEME_PUBKEY_SIZE; k++)
        a->agent.b[k] = (uint8_t)rnd();
    a->asserted_at = rnd_time();
    a->subject = rnd_str(1, STEME_MAX_SUBJECT, IDENT);
    a->predicate = rnd_str(1, STEME_MAX_PREDICATE, IDENT);
    rnd_value(&a->object);
    a->confidence = (uint32_t)below(STEME_CONFIDENCE_ONE + 1);
    a->source = rnd_str(1, STEME_MAX_SOURCE, IDENT);
    a->has_valid_from = below(2);
    a->has_valid_until = below(2);
    a->valid_from = rnd_time();
    a->valid_until = rnd_time();
    if (a->has_valid_from && a->has_valid_until && a->valid_until < a->valid_from) {
        int64_t t = a->valid_from;
        a->valid_from = a->valid_until;
        a->valid_until = t;
    }
    a->n_supersedes = rnd_count(STEME_MAX_SUPERSEDES);
    rnd_ids(r_supersedes, a->n_supersedes);
    a->supersedes = r_supersedes;
    a->n_derived_from = rnd_count(STEME_MAX_DERIVED_FROM);
    rnd_ids(r_derived, a->n_derived_from);
    a->derived_from = r_derived;
    if (below(2))
        a->epoch = rnd_str(1, STEME_MAX_NAME, IDENT);
    a->n_qualifiers = rnd_count(STEME_MAX_QUALIFIERS);
    for (size_t i = 0; i < a->n_qualifiers; i++) {
        steme_qualifier *q = &a->qualifiers[i];
    again:
        /* Short keys over a small alphabet, so that prefixes and near-duplicates are common. */
        q->key = rnd_str(1, below(3) ? 3 : STEME_MAX_NAME, IDENT);
        for (size_t j = 0; j < i; j++)
            if (q->key.len == a->qualifiers[j].key.len &&
                memcmp(q->key.ptr, a->qualifiers[j].key.ptr, q->key.len) == 0)
                goto again;
        rnd_value(&q->value);
    }
    if (below(2))
        a->evidence_quote = rnd_str(1, STEME_MAX_TEXT, TEXT);
    if (below(2))
        a->evidence_url = rnd_str(1, STEME_MAX_URL, URL);
}

static void
rnd_event(steme_event *e)
{
    memset(e, 0, sizeof(*e));
    for (size_t k = 0; k < STEME_PUBKEY_SIZE; k++)
        e->agent.b[k] = (uint8_t)rnd();
    e->at = rnd_time();
    e->type = (steme_event_type)(1 + below(STEME_EVENT_TYPE_MAX));
    e->source = rnd_str(1, STEME_MAX_SOURCE, IDENT);
    e->title = rnd_str(0, STEME_MAX_TEXT, TEXT);
    e->url = rnd_str(0, STEME_MAX_URL, URL);
    e->tier = (uint8_t)(1 + below(6));
    e->weight = (uint32_t)below(STEME_CONFIDENCE_ONE + 1);
    e->epoch = rnd_str(1, STEME_MAX_NAME, IDENT);
    e->successor = rnd_str(1, STEME_MAX_NAME, IDENT);
    if (e->successor.len == e->epoch.len &&
        memcmp(e->successor.ptr, e->epoch.ptr, e->epoch.len) == 0)
        e->successor = steme_str_c("successor-of-a-random-epoch");
    e->subject = rnd_str(1, STEME_MAX_SUBJECT, IDENT);
    e->predicate = rnd_str(1, STEME_MAX_PREDICATE, IDENT);
    rnd_value(&e->value);
    for (size_t k = 0; k < STEME_ID_SIZE; k++)
        e->target.b[k] = (uint8_t)rnd();
    for (size_t k = 0; k < STEME_PUBKEY_SIZE; k++)
        e->target_agent.b[k] = (uint8_t)rnd();
    e->display_name = rnd_str(0, STEME_MAX_NAME, IDENT);
    e->role = rnd_str(0, STEME_MAX_NAME, IDENT);
    e->decision = (uint8_t)(1 + below(2));
    e->reason = rnd_str(0, STEME_MAX_TEXT, TEXT);
}

static bool
str_eq(steme_str a, steme_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool
value_eq(const steme_value *a, const steme_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        return str_eq(a->str, b->str);
    case STEME_VALUE_INTEGER:
        return a->integer == b->integer;
    case STEME_VALUE_NUMBER:
        /* Bit equality, except that -0.0 comes back as +0.0. */
        return (a->number == b->number && (a->number != 0 || !signbit(b->number))) &&
               str_eq(a->unit, b->unit);
    case STEME_VALUE_BOOLEAN:
        return a->boolean == b->boolean;
    }
    return false;
}

/* in is a permutation of out (out is what the decoder gave back: sorted). */
static bool
ids_eq(const steme_id *in, size_t n_in, const steme_id *out, size_t n_out)
{
    if (n_in != n_out)
        return false;
    for (size_t i = 0; i < n_in; i++) {
        size_t j = 0;
        while (j < n_out && memcmp(in[i].b, out[j].b, STEME_ID_SIZE) != 0)
            j++;
        if (j == n_out)
            return false;
        if (i > 0 && memcmp(out[i - 1].b, out[i].b, STEME_ID_SIZE) >= 0)
            return false;
    }
    return true;
}

static bool
assertion_eq(const steme_assertion *a, const steme_assertion *b)
{
    if (memcmp(&a->agent, &b->agent, sizeof(a->agent)) != 0 || a->asserted_at != b->asserted_at ||
        !str_eq(a->subject, b->subject) || !str_eq(a->predicate, b->predicate) ||
        !value_eq(&a->object, &b->object) || a->confidence != b->confidence ||
        !str_eq(a->source, b->source) || a->has_valid_from != b->has_valid_from ||
        a->has_valid_until != b->has_valid_until ||
        (a->has_valid_from && a->valid_from != b->valid_from) ||
        (a->has_valid_until && a->valid_until != b->valid_until) ||
        !ids_eq(a->supersedes, a->n_supersedes, b->supersedes, b->n_supersedes) ||
        !ids_eq(a->derived_from, a->n_derived_from, b->derived_from, b->n_derived_from) ||
        !str_eq(a->epoch, b->epoch) || a->n_qualifiers != b->n_qualifiers ||
        !str_eq(a->evidence_quote, b->evidence_quote) || !str_eq(a->evidence_url, b->evidence_url))
        return false;
    for (size_t i = 0; i < a->n_qualifiers; i++) {
        size_t j = 0;
        while (j < b->n_qualifiers && !str_eq(a->qualifiers[i].key, b->qualifiers[j].key))
            j++;
        if (j == b->n_qualifiers || !value_eq(&a->qualifiers[i].value, &b->qualifiers[j].value))
            return false;
    }
    return true;
}

static bool
event_eq(const steme_event *a, const steme_event *b)
{
    if (memcmp(&a->agent, &b->agent, sizeof(a->agent)) != 0 || a->at != b->at || a->type != b->type)
        return false;
    switch (a->type) {
    case STEME_EVENT_SOURCE_REGISTER:
        return str_eq(a->source, b->source) && str_eq(a->title, b->title) &&
               str_eq(a->url, b->url) && a->tier == b->tier && a->weight == b->weight;
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        return str_eq(a->source, b->source) && str_eq(a->reason, b->reason);
    case STEME_EVENT_EPOCH_OPEN:
        return str_eq(a->epoch, b->epoch) && str_eq(a->reason, b->reason);
    case STEME_EVENT_EPOCH_SUPERSEDE:
        return str_eq(a->epoch, b->epoch) && str_eq(a->successor, b->successor) &&
               str_eq(a->reason, b->reason);
    case STEME_EVENT_GOLD_SET:
        return str_eq(a->subject, b->subject) && str_eq(a->predicate, b->predicate) &&
               value_eq(&a->value, &b->value);
    case STEME_EVENT_ASSERTION_RETRACT:
        return memcmp(&a->target, &b->target, sizeof(a->target)) == 0 &&
               str_eq(a->reason, b->reason);
    case STEME_EVENT_QUARANTINE_DECISION:
        return memcmp(&a->target, &b->target, sizeof(a->target)) == 0 &&
               a->decision == b->decision && str_eq(a->reason, b->reason);
    case STEME_EVENT_AGENT_PROFILE:
        return memcmp(&a->target_agent, &b->target_agent, sizeof(a->target_agent)) == 0 &&
               str_eq(a->display_name, b->display_name) && str_eq(a->role, b->role);
    case STEME_EVENT_REAFFIRM:
        return memcmp(&a->target, &b->target, sizeof(a->target)) == 0 && str_eq(a->epoch, b->epoch);
    }
    return false;
}

/* Reverse the sets of an assertion: the encoding must not change. */
static void
reverse_sets(steme_assertion *a)
{
    for (size_t i = 0; i < a->n_supersedes / 2; i++) {
        steme_id t = r_supersedes[i];
        r_supersedes[i] = r_supersedes[a->n_supersedes - 1 - i];
        r_supersedes[a->n_supersedes - 1 - i] = t;
    }
    for (size_t i = 0; i < a->n_derived_from / 2; i++) {
        steme_id t = r_derived[i];
        r_derived[i] = r_derived[a->n_derived_from - 1 - i];
        r_derived[a->n_derived_from - 1 - i] = t;
    }
    for (size_t i = 0; i < a->n_qualifiers / 2; i++) {
        steme_qualifier t = a->qualifiers[i];
        a->qualifiers[i] = a->qualifiers[a->n_qualifiers - 1 - i];
        a->qualifiers[a->n_qualifiers - 1 - i] = t;
    }
}

static void
test_random_roundtrip(void **state)
{
    (void)state;
    size_t too_big = 0, n_ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        steme_record r, d;
        steme_errinfo ei = {0};
        size_t len;
        arena_used = 0;
        memset(&r, 0, sizeof(r));
        r.kind = (steme_record_kind)(1 + below(3));
        if (r.kind == STEME_RECORD_ASSERTION) {
            rnd_assertion(&r.assertion);
        } else if (r.kind == STEME_RECORD_VOTE) {
            for (size_t k = 0; k < STEME_PUBKEY_SIZE; k++)
                r.vote.agent.b[k] = (uint8_t)rnd();
            r.vote.voted_at = rnd_time();
            rnd_ids(&r.vote.target, 1);
            r.vote.value = below(2) ? 1 : -1;
            r.vote.reason = rnd_str(0, STEME_MAX_TEXT, TEXT);
        } else {
            rnd_event(&r.event);
        }
        steme_err err = steme_record_encode(&r, buf, sizeof(buf), &len, &ei);
        if (err == STEME_ELIMIT) {
            too_big++;
            continue;
        }
        if (err != STEME_OK)
            fail_msg("iteration %d: encode: %s: %s", iter, ei.field, ei.rule);
        assert_roundtrip(buf, len, &d);
        bool same = r.kind == d.kind &&
                    (r.kind == STEME_RECORD_ASSERTION ? assertion_eq(&r.assertion, &d.assertion)
                     : r.kind == STEME_RECORD_EVENT
                         ? event_eq(&r.event, &d.event)
                         : memcmp(&r.vote.agent, &d.vote.agent, sizeof(r.vote.agent)) == 0 &&
                               r.vote.voted_at == d.vote.voted_at && r.vote.value == d.vote.value &&
                               str_eq(r.vote.reason, d.vote.reason));
        if (!same)
            fail_msg("iteration %d: decoded record differs from the encoded one", iter);
        if (r.kind == STEME_RECORD_ASSERTION) {
            reverse_sets(&r.assertion);
            assert_int_equal(encode_ok(&r, buf2), len);
            assert_memory_equal(buf, buf2, len);
        }
        n_ok++;
    }
    assert_true(n_ok > 15000);
    (void)too_big;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_invalid_vectors),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_encoder_refusals),
        cmocka_unit_test(test_encoder_ignores_unused),
        cmocka_unit_test(test_negative_zero),
        cmocka_unit_test(test_sets_sorted),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_random_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
