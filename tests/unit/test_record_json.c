/* SPDX-License-Identifier: MIT */
/*
 * test_record_json.c -- the JSON form of records (record_json.h): every vector survives
 * JSON -> bytes -> record -> JSON -> bytes unchanged, the output form is the explicit one,
 * malformed JSON is refused naming the member and the rule, and RFC 3339 times convert
 * exactly in both directions.
 */
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
#include "xorshift.h"

static uint8_t buf[STEME_MAX_RECORD];
static uint8_t buf2[STEME_MAX_RECORD];

static size_t
encode_json(const json_t *j, uint8_t *out, const char *name)
{
    steme__json_record jr;
    steme_errinfo ei = {0};
    size_t len;
    if (steme__record_from_json(j, &jr, &ei) != STEME_OK)
        fail_msg("%s: from_json: %s: %s", name, ei.field, ei.rule);
    if (steme_record_encode(&jr.rec, out, STEME_MAX_RECORD, &len, &ei) != STEME_OK)
        fail_msg("%s: encode: %s: %s", name, ei.field, ei.rule);
    return len;
}

/* Vectors whose JSON is already in the output form (explicit values, RFC 3339 times with ms,
 * sorted sets, every member of the type present, fractions as reals), so that output == input. */
static const char *const canonical_form[] = {
    "assertion_minimal",
    "assertion_string_value",
    "assertion_integer_value",
    "vote_up",
    "vote_down",
    "event_source_retract",
    "event_source_reinstate",
    "event_epoch_open",
    "event_epoch_supersede",
    "event_assertion_retract",
    "event_quarantine_decision",
    "event_agent_profile",
    "event_reaffirm",
    NULL,
};

static bool
is_canonical_form(const char *name)
{
    for (size_t i = 0; canonical_form[i] != NULL; i++)
        if (strcmp(canonical_form[i], name) == 0)
            return true;
    return false;
}

static void
test_vectors_roundtrip(void **state)
{
    (void)state;
    json_t *root = vectors_load("records.json");
    size_t i, same = 0;
    json_t *v;
    json_array_foreach(vectors_array(root), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        json_t *in = json_object_get(v, "record");
        size_t len = encode_json(in, buf, name);

        steme_record rec;
        assert_int_equal(steme_record_decode(buf, len, &rec, NULL), STEME_OK);
        json_t *out = steme__record_to_json(&rec);
        assert_non_null(out);
        /* The output parses back to the same bytes, through text as well. */
        size_t len2 = encode_json(out, buf2, name);
        assert_int_equal(len2, len);
        assert_memory_equal(buf, buf2, len);
        char *text = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(17));
        json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
        assert_non_null(back);
        assert_int_equal(encode_json(back, buf2, name), len);
        assert_memory_equal(buf, buf2, len);

        /* The output form is explicit: every value an object with "type". */
        if (rec.kind == STEME_RECORD_ASSERTION)
            assert_true(json_is_object(json_object_get(out, "object")));
        if (is_canonical_form(name)) {
            if (!json_equal(in, out))
                fail_msg("%s: output differs from input: %s", name, text);
            same++;
        }
        free(text);
        json_decref(back);
        json_decref(out);
    }
    assert_int_equal(same, sizeof(canonical_form) / sizeof(canonical_form[0]) - 1);
    json_decref(root);
}

static void
test_output_form(void **state)
{
    (void)state;
    json_t *root = vectors_load("records.json");
    size_t i;
    json_t *v;
    json_array_foreach(vectors_array(root), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        if (strcmp(name, "assertion_bare_values") != 0 && strcmp(name, "assertion_unicode") != 0)
            continue;
        size_t len = encode_json(json_object_get(v, "record"), buf, name);
        steme_record rec;
        assert_int_equal(steme_record_decode(buf, len, &rec, NULL), STEME_OK);
        json_t *out = steme__record_to_json(&rec);
        assert_non_null(out);
        if (strcmp(name, "assertion_bare_values") == 0) {
            /* A bare 14.0 comes out as an explicit number without a unit; ms as RFC 3339. */
            json_t *o = json_object_get(out, "object");
            assert_string_equal(json_string_value(json_object_get(o, "type")), "number");
            assert_true(json_real_value(json_object_get(o, "value")) == 14.0);
            assert_null(json_object_get(o, "unit"));
            assert_string_equal(json_string_value(json_object_get(out, "asserted_at")),
                                "2024-05-01T12:00:00.000Z");
            assert_true(json_real_value(json_object_get(out, "confidence")) == 0.333333);
            json_t *q = json_object_get(json_object_get(out, "qualifiers"), "ok");
            assert_string_equal(json_string_value(json_object_get(q, "type")), "boolean");
            assert_true(json_is_false(json_object_get(q, "value")));
        } else {
            /* +02:00 comes out as Z; -0.0 as 0.0. */
            assert_string_equal(json_string_value(json_object_get(out, "asserted_at")),
                                "2024-05-01T12:00:00.000Z");
            json_t *q = json_object_get(json_object_get(out, "qualifiers"), "gr\xc3\xb6\xc3\x9f");
            double zero = json_real_value(json_object_get(q, "value"));
            assert_true(zero == 0.0 && !signbit(zero));
        }
        json_decref(out);
    }
    json_decref(root);
}

static void
test_entry_json(void **state)
{
    (void)state;
    json_t *root = vectors_load("records.json");
    json_t *v = json_array_get(vectors_array(root), 0);
    size_t len;
    uint8_t *b = vectors_unhex(json_string_value(json_object_get(v, "canonical_hex")), &len);
    steme_entry e;
    memset(&e, 0, sizeof(e));
    e.seq = 42;
    e.recorded_at = 1714564800123;
    steme_record_id(b, len, &e.id);
    memset(e.sig.b, 0xAB, sizeof(e.sig.b));
    e.bytes = b;
    e.len = len;
    assert_int_equal(steme_record_decode(b, len, &e.record, NULL), STEME_OK);

    json_t *j = steme__entry_to_json(&e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 42);
    assert_string_equal(json_string_value(json_object_get(j, "id")),
                        json_string_value(json_object_get(v, "id_hex")));
    assert_string_equal(json_string_value(json_object_get(j, "recorded_at")),
                        "2024-05-01T12:00:00.123Z");
    assert_int_equal(strlen(json_string_value(json_object_get(j, "signature"))), 128);
    assert_true(json_equal(json_object_get(j, "record"), json_object_get(v, "record")));
    assert_int_equal(json_object_size(j), 5);
    json_decref(j);

    /* Records that cannot be written: an unknown kind. */
    e.record.kind = 0;
    assert_null(steme__record_to_json(&e.record));
    assert_null(steme__entry_to_json(&e));
    assert_null(steme__record_to_json(NULL));
    free(b);
    json_decref(root);
}

/* ---------------------------------------------------------------------------------------------
 * Refusals
 */

#define PK "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
#define ID "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define A_HEAD                                                                                     \
    "\"kind\":\"assertion\",\"agent\":\"" PK "\",\"asserted_at\":\"2024-05-01T12:00:00Z\","        \
    "\"subject\":\"drug:x\",\"predicate\":\"p\",\"source\":\"s\""
#define A(rest)    "{" A_HEAD ",\"confidence\":0.5,\"object\":1" rest "}"
#define A_OBJ(obj) "{" A_HEAD ",\"confidence\":0.5,\"object\":" obj "}"
#define E_HEAD     "\"kind\":\"event\",\"agent\":\"" PK "\",\"at\":0"

static void
expect_json_refusal(const char *text, const char *field, const char *rule, int line)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (j == NULL)
        fail_msg("line %d: bad test JSON: %s", line, jerr.text);
    steme__json_record jr;
    steme_errinfo ei = {0};
    steme_err err = steme__record_from_json(j, &jr, &ei);
    if (err != STEME_EINVAL || ei.field == NULL || strcmp(ei.field, field) != 0 ||
        strcmp(ei.rule, rule) != 0)
        fail_msg("line %d: got %d %s: %s, want %s: %s", line, err, ei.field ? ei.field : "-",
                 ei.rule ? ei.rule : "-", field, rule);
    json_decref(j);
}

#define REFUSE(text, field, rule) expect_json_refusal(text, field, rule, __LINE__)

static void
test_json_refusals(void **state)
{
    (void)state;
    REFUSE("[]", "record", "not an object");
    REFUSE("{}", "kind", "missing");
    REFUSE("{\"kind\":1}", "kind", "not a string");
    REFUSE("{\"kind\":\"claim\"}", "kind", "unknown kind");
    REFUSE(A(",\"colour\":\"red\""), "colour", "unknown member");
    REFUSE(A(",\"bad\\u0001key\":1"), "bad?key", "unknown member");
    REFUSE("{\"kind\":\"assertion\",\"agent\":\"" PK "\"}", "asserted_at", "missing");
    REFUSE("{\"kind\":\"assertion\"}", "agent", "missing");

    /* Values. */
    REFUSE(A_OBJ("null"), "object",
           "not a value (string, number, boolean or {\"type\",\"value\"})");
    REFUSE(A_OBJ("[1]"), "object", "not a value (string, number, boolean or {\"type\",\"value\"})");
    REFUSE(A_OBJ("{\"value\":1}"), "object.type", "missing");
    REFUSE(A_OBJ("{\"type\":\"float\",\"value\":1}"), "object.type", "unknown value type");
    REFUSE(A_OBJ("{\"type\":3,\"value\":1}"), "object.type", "not a string");
    REFUSE(A_OBJ("{\"type\":\"number\"}"), "object.value", "missing");
    REFUSE(A_OBJ("{\"type\":\"number\",\"value\":1,\"extra\":1}"), "object.extra",
           "unknown member");
    REFUSE(A_OBJ("{\"type\":\"string\",\"value\":\"x\",\"unit\":\"kg\"}"), "object.unit",
           "only numbers have a unit");
    REFUSE(A_OBJ("{\"type\":\"number\",\"value\":1,\"unit\":5}"), "object.unit", "not a string");
    REFUSE(A_OBJ("{\"type\":\"integer\",\"value\":1.5}"), "object.value", "not an integer");
    REFUSE(A_OBJ("{\"type\":\"number\",\"value\":\"1\"}"), "object.value", "not a number");
    REFUSE(A_OBJ("{\"type\":\"number\",\"value\":9007199254740993}"), "object.value",
           "not exactly representable as a binary64 number");
    REFUSE(A_OBJ("{\"type\":\"boolean\",\"value\":1}"), "object.value", "not a boolean");
    REFUSE(A_OBJ("{\"type\":\"ref\",\"value\":null}"), "object.value", "not a string");

    /* Numbers in [0, 1]. */
    REFUSE("{" A_HEAD ",\"object\":1,\"confidence\":1.0000001}", "confidence", "out of range 0..1");
    REFUSE("{" A_HEAD ",\"object\":1,\"confidence\":\"0.5\"}", "confidence", "not a number");
    REFUSE("{" A_HEAD ",\"object\":1}", "confidence", "missing");

    /* Hex, times, lists. */
    REFUSE("{\"kind\":\"vote\",\"agent\":\"xyz\"}", "agent", "not 64 hex digits");
    REFUSE("{\"kind\":\"vote\",\"agent\":\"" PK "0\"}", "agent", "not 64 hex digits");
    REFUSE("{\"kind\":\"vote\",\"agent\":\"" PK "\",\"voted_at\":\"2024-05-01\"}", "voted_at",
           "not an RFC 3339 time or integer milliseconds");
    REFUSE("{\"kind\":\"vote\",\"agent\":\"" PK "\",\"voted_at\":-1}", "voted_at",
           "out of range 0..253402300799999");
    REFUSE("{\"kind\":\"vote\",\"agent\":\"" PK "\",\"voted_at\":253402300800000}", "voted_at",
           "out of range 0..253402300799999");
    REFUSE("{\"kind\":\"vote\",\"agent\":\"" PK "\",\"voted_at\":1.5}", "voted_at",
           "not an RFC 3339 time or integer milliseconds");
    REFUSE("{\"kind\":\"vote\",\"agent\":\"" PK "\",\"voted_at\":\"2024-05-01T12:00:00Z\\u0000\"}",
           "voted_at", "not an RFC 3339 time or integer milliseconds");
    REFUSE(A(",\"supersedes\":\"" ID "\""), "supersedes", "not an array");
    REFUSE(A(",\"supersedes\":[\"" ID "\",\"" ID "x\"]"), "supersedes[1]", "not 64 hex digits");
    REFUSE(A(",\"derived_from\":[1]"), "derived_from[0]", "not 64 hex digits");
    REFUSE(A(",\"supersedes\":[\"" ID "\",\"" ID "\",\"" ID "\",\"" ID "\",\"" ID "\",\"" ID
             "\",\"" ID "\",\"" ID "\",\"" ID "\",\"" ID "\",\"" ID "\",\"" ID "\",\"" ID "\",\"" ID
             "\",\"" ID "\",\"" ID "\",\"" ID "\"]"),
           "supersedes", "more than 16 entries");
    REFUSE(A(",\"valid_from\":\"2024-02-30T00:00:00Z\""), "valid_from",
           "not an RFC 3339 time or integer milliseconds");
    REFUSE(A(",\"epoch\":5"), "epoch", "not a string");

    /* Qualifiers name the key. */
    REFUSE(A(",\"qualifiers\":[]"), "qualifiers", "not an object");
    REFUSE(A(",\"qualifiers\":{\"dose\":{\"type\":\"number\",\"value\":\"x\"}}"),
           "qualifiers.dose.value", "not a number");
    REFUSE(A(",\"qualifiers\":{\"dose\":{\"type\":\"number\",\"value\":1,\"per\":\"day\"}}"),
           "qualifiers.dose.per", "unknown member");
    REFUSE(A(",\"qualifiers\":{\"a\":1,\"dose\":null}"), "qualifiers.dose",
           "not a value (string, number, boolean or {\"type\",\"value\"})");
    REFUSE(A(",\"qualifiers\":{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1,"
             "\"i\":1,\"j\":1,\"k\":1,\"l\":1,\"m\":1,\"n\":1,\"o\":1,\"p\":1,\"q\":1}"),
           "qualifiers", "more than 16 entries");
    REFUSE(A(",\"evidence\":\"x\""), "evidence", "not an object");
    REFUSE(A(",\"evidence\":{\"page\":3}"), "evidence.page", "unknown member");
    REFUSE(A(",\"evidence\":{\"quote\":3}"), "evidence.quote", "not a string");
    REFUSE(A(",\"evidence\":{\"url\":[]}"), "evidence.url", "not a string");

    /* Votes. */
#define VOTE(value)                                                                                \
    "{\"kind\":\"vote\",\"agent\":\"" PK "\",\"voted_at\":0,\"target\":\"" ID                      \
    "\",\"value\":" value "}"
    REFUSE(VOTE("0"), "value", "not +1 or -1");
    REFUSE(VOTE("1.0"), "value", "not +1 or -1");
    REFUSE(VOTE("\"+1\""), "value", "not +1 or -1");
    REFUSE(VOTE("-1,\"reason\":null"), "reason", "not a string");
    REFUSE("{\"kind\":\"vote\",\"agent\":\"" PK "\",\"voted_at\":0,\"target\":\"" ID "\"}", "value",
           "missing");

    /* Events. */
    REFUSE("{" E_HEAD "}", "type", "missing");
    REFUSE("{" E_HEAD ",\"type\":\"source_delete\"}", "type", "unknown event type");
    REFUSE("{" E_HEAD ",\"type\":\"gold_set\",\"reason\":\"x\"}", "reason", "unknown member");
    REFUSE("{" E_HEAD ",\"type\":\"source_register\",\"source\":\"s\",\"tier\":\"gold\","
           "\"weight\":1}",
           "tier", "unknown tier");
    REFUSE("{" E_HEAD ",\"type\":\"source_register\",\"source\":\"s\",\"weight\":1}", "tier",
           "missing");
    REFUSE("{" E_HEAD ",\"type\":\"source_register\",\"source\":\"s\",\"tier\":\"expert\","
           "\"weight\":2}",
           "weight", "out of range 0..1");
    REFUSE("{" E_HEAD ",\"type\":\"quarantine_decision\",\"target\":\"" ID
           "\",\"decision\":\"maybe\"}",
           "decision", "not \"approve\" or \"reject\"");
    REFUSE("{" E_HEAD ",\"type\":\"epoch_supersede\",\"epoch\":\"e1\"}", "successor", "missing");
    REFUSE("{" E_HEAD ",\"type\":\"gold_set\",\"subject\":\"s\",\"predicate\":\"p\"}", "value",
           "missing");
    REFUSE("{" E_HEAD ",\"type\":\"gold_set\",\"subject\":\"s\",\"predicate\":\"p\","
           "\"value\":{\"type\":\"integer\",\"value\":true}}",
           "value.value", "not an integer");
    REFUSE("{" E_HEAD ",\"type\":\"agent_profile\",\"target_agent\":\"" ID "00\"}", "target_agent",
           "not 64 hex digits");
    REFUSE("{" E_HEAD ",\"type\":\"reaffirm\",\"target\":\"" ID "\"}", "epoch", "missing");
}

/* Checks that need more than one member changed, and accepted inputs. */
static void
test_json_accepts(void **state)
{
    (void)state;
    steme__json_record jr;
    steme_errinfo ei;
    json_t *j;

    /* Uppercase hex, integer ms, bare values, omitted optional reason. */
    j = json_pack("{s:s,s:s,s:I,s:s,s:i}", "kind", "vote", "agent",
                  "03A107BFF3CE10BE1D70DD18E74BC09967E4D6309BA50D5F1DDC8664125531B8", "voted_at",
                  (json_int_t)1714564800000, "target", ID, "value", -1);
    assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_OK);
    assert_int_equal(jr.rec.vote.agent.b[0], 0x03);
    assert_int_equal(jr.rec.vote.voted_at, 1714564800000);
    assert_int_equal(jr.rec.vote.value, -1);
    assert_int_equal(jr.rec.vote.reason.len, 0);
    json_decref(j);

    /* Confidence rounds to the nearest ppm; an integer 0 or 1 is a number too. */
    static const struct {
        double in;
        uint32_t ppm;
    } conf[] = {{0.25, 250000}, {1e-6, 1}, {4e-7, 0}, {0.9999996, 1000000}, {0.3333333, 333333}};
    for (size_t i = 0; i < sizeof(conf) / sizeof(conf[0]); i++) {
        j = json_pack("{s:s,s:s,s:i,s:s,s:s,s:i,s:f,s:s}", "kind", "assertion", "agent", PK,
                      "asserted_at", 0, "subject", "s", "predicate", "p", "object", 1, "confidence",
                      conf[i].in, "source", "s");
        assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_OK);
        assert_int_equal(jr.rec.assertion.confidence, conf[i].ppm);
        json_decref(j);
    }
    j = json_pack("{s:s,s:s,s:i,s:s,s:s,s:i,s:i,s:s}", "kind", "assertion", "agent", PK,
                  "asserted_at", 0, "subject", "s", "predicate", "p", "object", 1, "confidence", 1,
                  "source", "s");
    assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_OK);
    assert_int_equal(jr.rec.assertion.confidence, 1000000);
    json_object_set_new(j, "confidence", json_real(-0.1));
    assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "confidence");
    assert_string_equal(ei.rule, "out of range 0..1");

    /* A string with an embedded NUL keeps its length, so the encoder sees the NUL. */
    json_object_set_new(j, "confidence", json_integer(1));
    json_object_set_new(j, "subject", json_stringn("a\0b", 3));
    assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_OK);
    assert_int_equal(jr.rec.assertion.subject.len, 3);
    size_t len;
    assert_int_equal(steme_record_encode(&jr.rec, buf, sizeof(buf), &len, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "subject");
    assert_string_equal(ei.rule, "contains a control character");

    /* So does a qualifier key (jansson's parser refuses NUL in keys; its API does not), and a
     * member "kind\0x" is not "kind". */
    json_object_set_new(j, "subject", json_string("s"));
    json_object_setn_new(j, "kind\0x", 6, json_integer(1));
    assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "kind?x");
    assert_string_equal(ei.rule, "unknown member");
    json_object_deln(j, "kind\0x", 6);
    json_object_set_new(j, "qualifiers", json_pack("{s:i}", "k", 1));
    json_object_setn_new(json_object_get(j, "qualifiers"), "k\0j", 3, json_integer(2));
    assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_OK);
    assert_int_equal(jr.rec.assertion.n_qualifiers, 2);
    assert_int_equal(jr.rec.assertion.qualifiers[1].key.len, 3);
    assert_int_equal(steme_record_encode(&jr.rec, buf, sizeof(buf), &len, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "qualifiers[1].key");
    assert_string_equal(ei.rule, "contains a control character");
    json_object_del(j, "qualifiers");

    /* An explicit number may be written as a JSON integer. */
    json_object_set_new(j, "subject", json_string("s"));
    json_object_set_new(j, "object",
                        json_pack("{s:s,s:I,s:s}", "type", "number", "value",
                                  (json_int_t)9007199254740992, "unit", "mg"));
    assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_OK);
    assert_true(jr.rec.assertion.object.number == 9007199254740992.0);
    /* The id lists are aimed at *out, not at a temporary. */
    json_object_set_new(j, "supersedes", json_pack("[s]", ID));
    assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_OK);
    assert_ptr_equal(jr.rec.assertion.supersedes, jr.supersedes);
    assert_int_equal(jr.supersedes[0].b[0], 0x9f);
    /* Out-parameters are written only on success. */
    json_object_set_new(j, "epoch", json_integer(1));
    memset(&jr, 0x5A, sizeof(jr));
    assert_int_equal(steme__record_from_json(j, &jr, &ei), STEME_EINVAL);
    assert_int_equal(((uint8_t *)&jr)[0], 0x5A);
    json_decref(j);

    assert_int_equal(steme__record_from_json(NULL, &jr, &ei), STEME_EINVAL);
    assert_int_equal(steme__record_from_json(NULL, &jr, NULL), STEME_EINVAL);
}

/* ---------------------------------------------------------------------------------------------
 * Times
 */

static void
expect_time(const char *s, int64_t want)
{
    int64_t t = -42;
    if (steme__time_parse(s, &t) != STEME_OK)
        fail_msg("%s: refused", s);
    if (t != want)
        fail_msg("%s: %lld, want %lld", s, (long long)t, (long long)want);
}

static void
expect_bad_time(const char *s)
{
    int64_t t = -42;
    if (steme__time_parse(s, &t) != STEME_EINVAL)
        fail_msg("%s: accepted as %lld", s, (long long)t);
    assert_int_equal(t, -42);
}

static void
test_time(void **state)
{
    (void)state;
    char out[32];
    steme__time_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    steme__time_format(STEME_TIME_MAX, out);
    assert_string_equal(out, "9999-12-31T23:59:59.999Z");
    steme__time_format(1714564800000, out);
    assert_string_equal(out, "2024-05-01T12:00:00.000Z");
    steme__time_format(951782400000 + 86399999, out);
    assert_string_equal(out, "2000-02-29T23:59:59.999Z");
    steme__time_format(-1, out); /* not a record time, but formatted sensibly */
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");

    expect_time("1970-01-01T00:00:00Z", 0);
    expect_time("1970-01-01T00:00:00.000Z", 0);
    expect_time("9999-12-31T23:59:59.999Z", STEME_TIME_MAX);
    expect_time("2024-05-01T12:00:00.000Z", 1714564800000);
    expect_time("2024-05-01t12:00:00z", 1714564800000);
    expect_time("2024-05-01T14:00:00+02:00", 1714564800000);
    expect_time("2024-05-01T06:30:00.000-05:30", 1714564800000);
    expect_time("2024-05-01T12:00:00.5Z", 1714564800500);
    expect_time("2024-05-01T12:00:00.12Z", 1714564800120);
    expect_time("2024-05-01T12:00:00.123000000Z", 1714564800123);
    expect_time("2024-02-29T00:00:00Z", 1709164800000);
    expect_time("2000-02-29T00:00:00Z", 951782400000);
    expect_time("1970-01-01T00:00:00.000+00:00", 0);
    expect_time("1970-01-01T01:00:00+01:00", 0);

    expect_bad_time("");
    expect_bad_time("2024-05-01");
    expect_bad_time("2024-05-01T12:00Z");
    expect_bad_time("2024-05-01T12:00:00");
    expect_bad_time("2024-05-01 12:00:00Z");
    expect_bad_time("2024-05-01T12:00:00.Z");
    expect_bad_time("2024-05-01T12:00:00.1234Z");
    expect_bad_time("2024-05-01T12:00:00Z ");
    expect_bad_time("2024-05-01T12:00:00+0200");
    expect_bad_time("2024-05-01T12:00:00+24:00");
    expect_bad_time("2024-05-01T12:00:00+02:60");
    expect_bad_time("2024-13-01T12:00:00Z");
    expect_bad_time("2024-00-01T12:00:00Z");
    expect_bad_time("2024-04-31T12:00:00Z");
    expect_bad_time("2023-02-29T12:00:00Z");
    expect_bad_time("2100-02-29T12:00:00Z");
    expect_bad_time("2024-05-01T24:00:00Z");
    expect_bad_time("2024-05-01T12:60:00Z");
    expect_bad_time("2024-05-01T12:00:60Z");
    expect_bad_time("1969-12-31T23:59:59.999Z");
    expect_bad_time("1970-01-01T00:00:00+00:01");
    expect_bad_time("9999-12-31T23:59:59.999-00:01");
    expect_bad_time("+2024-05-01T12:00:00Z");
    expect_bad_time("20240-05-01T12:00:00Z");
    expect_bad_time("2024-5-01T12:00:00Z");
    assert_int_equal(steme__time_parse(NULL, &(int64_t){0}), STEME_EINVAL);

    /* format and parse are inverses over the whole range. */
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 100000; i++) {
        test_xorshift(&x);
        int64_t t = (int64_t)(x % (uint64_t)(STEME_TIME_MAX + 1)), back;
        if (i < 1000)
            t = i * 86400000LL + i; /* each day of the first years */
        steme__time_format(t, out);
        assert_int_equal(strlen(out), 24);
        assert_int_equal(steme__time_parse(out, &back), STEME_OK);
        if (back != t)
            fail_msg("%lld -> %s -> %lld", (long long)t, out, (long long)back);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_roundtrip), cmocka_unit_test(test_output_form),
        cmocka_unit_test(test_entry_json),        cmocka_unit_test(test_json_refusals),
        cmocka_unit_test(test_json_accepts),      cmocka_unit_test(test_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
