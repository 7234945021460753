/* SPDX-License-Identifier: MIT */
/*
 * fmt.h -- the text forms of engine values that both the JSON views (views.h) and the CLI's
 * tables show: a value as a reader writes it ("0.2 %", "\"adults\"", "ref(drug:x)"), the
 * one-line summary of a record, reals in their shortest round-trip form, fractions in parts per
 * million, and the names of stages, tiers, roles and conditions with a fallback for a value
 * this build does not know.
 *
 * Records hold other people's strings, and a control character in a subject must not be able
 * to drive a reader's terminal: everything here that copies a record's text escapes control
 * characters (C0, DEL and C1) as \n, \t, \xHH or \u00HH. The JSON views carry the same escaped
 * text, so that `steme --json` and the HTTP API say exactly what the table says.
 */
#ifndef STEME_JSON_FMT_H
#define STEME_JSON_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "steme.h"

/* Hex digits of an id in a summary or a table row; the JSON views give the whole id. */
#define STEME__FMT_SHORT_ID 12

/* Write s (len bytes) to f with control characters escaped. */
void steme__fmt_put(FILE *f, const char *s, size_t len);

/* The same as a new NUL-terminated string (free it); NULL when out of memory. */
char *steme__fmt_strndup(const char *s, size_t len);

/* The shortest decimal form of a double that reads back to it ("0.2", not
 * 0.20000000000000001), always looking like a real ("12.0"); "null" when not finite. */
void steme__fmt_real(double d, char out[32]);

/* Parts per million as a decimal in [0, 1] ("0.95", "1", "0"). */
void steme__fmt_ppm(uint32_t ppm, char out[16]);

/* The table form of a value: strings quoted, numbers with their unit, references as
 * ref(SUBJECT), escaped as steme__fmt_put(). */
void steme__fmt_put_value(FILE *f, const steme_value *v);

/* The same as a new string (free it); NULL when out of memory. */
char *steme__fmt_value(const steme_value *v);

/* The one-line summary of a record ("SUBJECT PREDICATE = VALUE  [SOURCE]", "+1 on ID",
 * "source_retract SOURCE \"REASON\""), escaped as steme__fmt_put(). */
void steme__fmt_put_summary(FILE *f, const steme_entry *e);

/* The same as a new string (free it); NULL when out of memory. */
char *steme__fmt_summary(const steme_entry *e);

/* Names with a fallback: "?" for a stage, tier, source status or quarantine reason this build
 * does not know (and for STEME_QUARANTINE_NONE); "none" for STEME_ROLE_NONE (and an unknown
 * role). */
const char *steme__fmt_stage(steme_stage stage);
const char *steme__fmt_tier(steme_tier tier);
const char *steme__fmt_role(steme_role role);
const char *steme__fmt_source_status(steme_source_status status);
const char *steme__fmt_quarantine_reason(steme_quarantine_reason r);

/* The conditions of a state (STEME_COND_*), in docs/rules.md's order, with their names
 * ("rejected", "retracted_source", ...): conditions[i] for i < STEME__FMT_N_CONDITIONS. */
typedef struct steme__fmt_condition {
    uint32_t bit;
    const char *name;
} steme__fmt_condition;

#define STEME__FMT_N_CONDITIONS 6
extern const steme__fmt_condition steme__fmt_conditions[STEME__FMT_N_CONDITIONS];

#endif
