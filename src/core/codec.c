/* SPDX-License-Identifier: MIT */
/*
 * codec.c -- the parts of the canonical record codec that the encoder and the decoder share:
 * the per-field string limits and names (docs/encoding.md, "Fields"), the string rules, the
 * qualifier key order, and the record id.
 */
#include <string.h>

#include "codec.h"
#include "crypto.h"
#include "utf8.h"

#define SPEC(name, lo, hi, r)                                                                      \
    {                                                                                              \
        .field = (name), .too_long = "longer than " #hi " bytes", .min = (lo), .max = (hi),        \
        .rule = (r)                                                                                \
    }

/* The limits are spelled as literals so that the rule texts can say them; the static asserts
 * below keep them equal to the public constants. */
_Static_assert(STEME_MAX_SUBJECT == 512, "subject limit");
_Static_assert(STEME_MAX_PREDICATE == 256, "predicate limit");
_Static_assert(STEME_MAX_SOURCE == 256, "source limit");
_Static_assert(STEME_MAX_NAME == 128, "name limit");
_Static_assert(STEME_MAX_UNIT == 32, "unit limit");
_Static_assert(STEME_MAX_TEXT == 4096, "text limit");
_Static_assert(STEME_MAX_URL == 2048, "url limit");
_Static_assert(STEME_MAX_QUALIFIERS == 16 && STEME_MAX_SUPERSEDES == 16, "set limits");
_Static_assert(STEME_MAX_DERIVED_FROM == 64, "derived_from limit");
_Static_assert(STEME_MAX_RECORD == 65536, "record limit");

const steme__strspec steme__spec_subject = SPEC("subject", 1, 512, STEME__RULE_IDENT);
const steme__strspec steme__spec_predicate = SPEC("predicate", 1, 256, STEME__RULE_IDENT);
const steme__strspec steme__spec_source = SPEC("source", 1, 256, STEME__RULE_IDENT);
const steme__strspec steme__spec_epoch = SPEC("epoch", 1, 128, STEME__RULE_IDENT);
const steme__strspec steme__spec_evidence_quote = SPEC("evidence.quote", 1, 4096, STEME__RULE_TEXT);
const steme__strspec steme__spec_evidence_url = SPEC("evidence.url", 1, 2048, STEME__RULE_URL);
const steme__strspec steme__spec_reason = SPEC("reason", 0, 4096, STEME__RULE_TEXT);
const steme__strspec steme__spec_title = SPEC("title", 0, 4096, STEME__RULE_TEXT);
const steme__strspec steme__spec_url = SPEC("url", 0, 2048, STEME__RULE_URL);
const steme__strspec steme__spec_successor = SPEC("successor", 1, 128, STEME__RULE_IDENT);
const steme__strspec steme__spec_display_name = SPEC("display_name", 0, 128, STEME__RULE_IDENT);
const steme__strspec steme__spec_role = SPEC("role", 0, 128, STEME__RULE_IDENT);

#define VALUE_FIELDS(base)                                                                         \
    {                                                                                              \
        .type = base ".type", .value = base ".value",                                              \
        .str = SPEC(base ".value", 0, 4096, STEME__RULE_TEXT),                                     \
        .ref = SPEC(base ".value", 1, 512, STEME__RULE_IDENT),                                     \
        .unit = SPEC(base ".unit", 0, 32, STEME__RULE_IDENT),                                      \
    }

const steme__value_fields steme__object_fields = VALUE_FIELDS("object");
const steme__value_fields steme__gold_value_fields = VALUE_FIELDS("value");

/* Error names are static strings, so each qualifier position has its own. */
#define QUALIFIER(i)                                                                               \
    {                                                                                              \
        .key = SPEC("qualifiers[" #i "].key", 1, 128, STEME__RULE_IDENT),                          \
        .value = VALUE_FIELDS("qualifiers[" #i "]"),                                               \
    }

const steme__qualifier_fields steme__qualifier_specs[STEME_MAX_QUALIFIERS] = {
    QUALIFIER(0),  QUALIFIER(1),  QUALIFIER(2),  QUALIFIER(3),  QUALIFIER(4),  QUALIFIER(5),
    QUALIFIER(6),  QUALIFIER(7),  QUALIFIER(8),  QUALIFIER(9),  QUALIFIER(10), QUALIFIER(11),
    QUALIFIER(12), QUALIFIER(13), QUALIFIER(14), QUALIFIER(15),
};

const char *
steme__str_check(const steme__strspec *spec, const char *s, size_t len)
{
    if (len < spec->min)
        return STEME__R_EMPTY;
    if (len > spec->max)
        return spec->too_long;
    if (len == 0)
        return NULL;
    if (s == NULL)
        return STEME__R_NULL;
    if (!steme__utf8_valid(s, len))
        return STEME__R_UTF8;
    if (steme__has_control(s, len, spec->rule == STEME__RULE_TEXT))
        return STEME__R_CONTROL;
    switch (spec->rule) {
    case STEME__RULE_IDENT:
        if (s[0] == ' ' || s[len - 1] == ' ')
            return STEME__R_OUTER_SPACE;
        break;
    case STEME__RULE_URL:
        if (memchr(s, ' ', len) != NULL)
            return STEME__R_SPACE;
        break;
    case STEME__RULE_TEXT:
        break;
    }
    return NULL;
}

int
steme__key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

void
steme_record_id(const uint8_t *buf, size_t len, steme_id *ret)
{
    steme__hash256(buf, len, ret->b);
}
