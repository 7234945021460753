/* SPDX-License-Identifier: MIT */
/*
 * codec.h -- what the canonical record encoder (codec_encode.c) and decoder (codec_decode.c)
 * share: the wire constants, the string rules and the per-field limits and names of
 * docs/encoding.md. Both sides read the same tables so that they cannot disagree about what is
 * canonical: every record the encoder writes must decode and re-encode to the same bytes.
 */
#ifndef STEME_CORE_CODEC_H
#define STEME_CORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steme.h"

#define STEME__CODEC_VERSION 1

/* Assertion flag bits; the optional fields follow the flags byte in this order. */
enum {
    STEME__F_VALID_FROM = 0x01,
    STEME__F_VALID_UNTIL = 0x02,
    STEME__F_SUPERSEDES = 0x04,
    STEME__F_DERIVED_FROM = 0x08,
    STEME__F_EPOCH = 0x10,
    STEME__F_QUALIFIERS = 0x20,
    STEME__F_EVIDENCE_QUOTE = 0x40,
    STEME__F_EVIDENCE_URL = 0x80,
};

/* Vote values on the wire. */
#define STEME__VOTE_UP   0x01
#define STEME__VOTE_DOWN 0xFF

/* The content rules of docs/encoding.md, "String rules". */
typedef enum steme__strrule {
    STEME__RULE_IDENT, /* identifiers and names: no control chars, no outer spaces */
    STEME__RULE_TEXT,  /* free text: no control chars except '\n' and '\t' */
    STEME__RULE_URL,   /* URLs: no control chars, no spaces */
} steme__strrule;

/* One string field: its error name, its length bounds in bytes and its content rule. */
typedef struct steme__strspec {
    const char *field;
    const char *too_long; /* the rule text for len > max, e.g. "longer than 512 bytes" */
    uint16_t min;
    uint16_t max;
    steme__strrule rule;
} steme__strspec;

/* The names and string specs of one typed value (an assertion's object, a qualifier's value,
 * a gold value). */
typedef struct steme__value_fields {
    const char *type;    /* "object.type" */
    const char *value;   /* "object.value": an integer, number or boolean */
    steme__strspec str;  /* a string value (0..4096, text rule) */
    steme__strspec ref;  /* a reference (1..512, identifier rule) */
    steme__strspec unit; /* a number's unit (0..32, identifier rule) */
} steme__value_fields;

typedef struct steme__qualifier_fields {
    steme__strspec key;
    steme__value_fields value;
} steme__qualifier_fields;

/* Rule texts used by both sides (docs/encoding.md, "Errors"). */
#define STEME__R_TRUNCATED    "truncated"
#define STEME__R_EMPTY        "empty"
#define STEME__R_UTF8         "invalid UTF-8"
#define STEME__R_CONTROL      "contains a control character"
#define STEME__R_OUTER_SPACE  "leading or trailing space"
#define STEME__R_SPACE        "contains a space"
#define STEME__R_NULL         "NULL pointer with a nonzero length"
#define STEME__R_UNKNOWN      "unknown tag"
#define STEME__R_VERSION      "unsupported version"
#define STEME__R_ASCENDING    "not strictly ascending"
#define STEME__R_DUPLICATE    "duplicate"
#define STEME__R_PPM          "out of range 0..1000000"
#define STEME__R_TIME         "out of range 0..253402300799999"
#define STEME__R_UNTIL        "before valid_from"
#define STEME__R_NOT_FINITE   "not finite"
#define STEME__R_NEG_ZERO     "negative zero"
#define STEME__R_BOOLEAN      "not 0 or 1"
#define STEME__R_VOTE         "not +1 or -1"
#define STEME__R_SUCCESSOR    "same as epoch"
#define STEME__R_TRAILING     "trailing bytes after the record"
#define STEME__R_RECORD_SIZE  "longer than 65536 bytes"
#define STEME__R_BUFFER       "buffer too small"
#define STEME__R_MORE_THAN_16 "more than 16 entries"
#define STEME__R_MORE_THAN_64 "more than 64 entries"

/* Field specs, shared by both directions. */
extern const steme__strspec steme__spec_subject;
extern const steme__strspec steme__spec_predicate;
extern const steme__strspec steme__spec_source;
extern const steme__strspec steme__spec_epoch;
extern const steme__strspec steme__spec_evidence_quote;
extern const steme__strspec steme__spec_evidence_url;
extern const steme__strspec steme__spec_reason;
extern const steme__strspec steme__spec_title;
extern const steme__strspec steme__spec_url;
extern const steme__strspec steme__spec_successor;
extern const steme__strspec steme__spec_display_name;
extern const steme__strspec steme__spec_role;
extern const steme__value_fields steme__object_fields;
extern const steme__value_fields steme__gold_value_fields;
extern const steme__qualifier_fields steme__qualifier_specs[STEME_MAX_QUALIFIERS];

/*
 * Check s[0..len) against spec: length bounds first, then the content rule. Returns NULL when
 * the string is acceptable, else the (static) rule it breaks.
 */
const char *steme__str_check(const steme__strspec *spec, const char *s, size_t len);

/* Bytewise order of qualifier keys: memcmp over the shorter length, then shorter first. */
int steme__key_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* True when t is a valid time: ms since the epoch in [0, STEME_TIME_MAX]. */
static inline bool
steme__time_ok(int64_t t)
{
    return t >= 0 && t <= STEME_TIME_MAX;
}

#endif
