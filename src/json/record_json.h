/* SPDX-License-Identifier: MIT */
/*
 * record_json.h -- the JSON form of records (docs/encoding.md, "JSON form"), shared by the
 * CLI, the server, import/export and the test vectors. The only module of libsteme_json;
 * jansson is used by the faces above it, never by the engine.
 */
#ifndef STEME_JSON_RECORD_JSON_H
#define STEME_JSON_RECORD_JSON_H

#include <jansson.h>

#include "steme.h"

/* A record parsed from JSON together with the storage its id lists point into. Strings
 * borrow from the json_t they were parsed from: keep it alive while the record is used. */
typedef struct steme__json_record {
    steme_record rec;
    steme_id supersedes[STEME_MAX_SUPERSEDES];
    steme_id derived_from[STEME_MAX_DERIVED_FROM];
} steme__json_record;

/*
 * Parse the JSON form of a record. Errors: STEME_EINVAL with ei->field naming the JSON member
 * ("object.unit", "qualifiers.dose", ...) and ei->rule what is wrong with it. A field that
 * quotes a key or an index ("qualifiers.dose.value", "supersedes[3]", an unknown member) lives
 * in a per-thread buffer, valid until the next call on the same thread; the others are static.
 * Only the shape is checked here: the string rules, set order and limits are checked by
 * steme_record_encode(), which a parsed record must pass before it is valid.
 */
steme_err steme__record_from_json(const json_t *j, steme__json_record *out, steme_errinfo *ei);

/* Parse a typed value in its JSON form (bare, or explicit {"type", "value"[, "unit"]}), as
 * steme__record_from_json() parses a gold_set event's "value"; strings borrow from j. Errors:
 * STEME_EINVAL with ei->field "value", "value.type", ... */
steme_err steme__value_from_json(const json_t *j, steme_value *out, steme_errinfo *ei);

/* The JSON form of a record; NULL when out of memory. */
json_t *steme__record_to_json(const steme_record *rec);

/* The explicit JSON form of a typed value, {"type", "value"[, "unit"]}; NULL when out of
 * memory. */
json_t *steme__value_to_json(const steme_value *v);

/* The JSON form of a stored entry: {"seq","id","recorded_at","signature","record"}. */
json_t *steme__entry_to_json(const steme_entry *e);

/* ms since the epoch <-> RFC 3339 UTC with milliseconds ("2024-05-01T12:00:00.000Z").
 * Parsing accepts "Z" or a numeric offset, and fractional seconds to ms. */
void steme__time_format(int64_t ms, char out[32]);
steme_err steme__time_parse(const char *s, int64_t *ret);

#endif
