/* SPDX-License-Identifier: MIT */
/*
 * codec_names.c -- the names of record kinds, value types, event types and tiers used by the
 * JSON form and the command line (docs/encoding.md, "JSON form"), and small record helpers.
 * The tables are indexed by the wire tag, so a name and its tag cannot drift apart.
 */
#include <string.h>

#include "steme.h"

static const char *const kind_names[] = {
    [STEME_RECORD_ASSERTION] = "assertion",
    [STEME_RECORD_VOTE] = "vote",
    [STEME_RECORD_EVENT] = "event",
};

static const char *const value_type_names[] = {
    [STEME_VALUE_STRING] = "string", [STEME_VALUE_INTEGER] = "integer",
    [STEME_VALUE_NUMBER] = "number", [STEME_VALUE_BOOLEAN] = "boolean",
    [STEME_VALUE_REF] = "ref",
};

static const char *const event_type_names[] = {
    [STEME_EVENT_SOURCE_REGISTER] = "source_register",
    [STEME_EVENT_SOURCE_RETRACT] = "source_retract",
    [STEME_EVENT_SOURCE_REINSTATE] = "source_reinstate",
    [STEME_EVENT_EPOCH_OPEN] = "epoch_open",
    [STEME_EVENT_EPOCH_SUPERSEDE] = "epoch_supersede",
    [STEME_EVENT_GOLD_SET] = "gold_set",
    [STEME_EVENT_ASSERTION_RETRACT] = "assertion_retract",
    [STEME_EVENT_QUARANTINE_DECISION] = "quarantine_decision",
    [STEME_EVENT_AGENT_PROFILE] = "agent_profile",
    [STEME_EVENT_REAFFIRM] = "reaffirm",
};

static const char *const tier_names[] = {
    [STEME_TIER_REGULATORY] = "regulatory", [STEME_TIER_PEER_REVIEWED] = "peer_reviewed",
    [STEME_TIER_PREPRINT] = "preprint",     [STEME_TIER_EXPERT] = "expert",
    [STEME_TIER_ANECDOTAL] = "anecdotal",   [STEME_TIER_UNVERIFIED] = "unverified",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* NULL for a tag outside the table; slot 0 is never a valid tag and is NULL too. */
static const char *
name_of(const char *const *names, size_t n, int tag)
{
    if (tag <= 0 || (size_t)tag >= n)
        return NULL;
    return names[tag];
}

static int
parse_name(const char *const *names, size_t n, const char *name)
{
    if (name == NULL)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return 0;
}

const char *
steme_record_kind_name(steme_record_kind kind)
{
    return name_of(kind_names, COUNT(kind_names), (int)kind);
}

const char *
steme_value_type_name(steme_value_type type)
{
    return name_of(value_type_names, COUNT(value_type_names), (int)type);
}

const char *
steme_event_type_name(steme_event_type type)
{
    return name_of(event_type_names, COUNT(event_type_names), (int)type);
}

const char *
steme_tier_name(steme_tier tier)
{
    return name_of(tier_names, COUNT(tier_names), (int)tier);
}

int
steme_record_kind_parse(const char *name)
{
    return parse_name(kind_names, COUNT(kind_names), name);
}

int
steme_value_type_parse(const char *name)
{
    return parse_name(value_type_names, COUNT(value_type_names), name);
}

int
steme_event_type_parse(const char *name)
{
    return parse_name(event_type_names, COUNT(event_type_names), name);
}

int
steme_tier_parse(const char *name)
{
    return parse_name(tier_names, COUNT(tier_names), name);
}

steme_str
steme_str_c(const char *s)
{
    steme_str r = {.ptr = s, .len = s != NULL ? strlen(s) : 0};
    return r;
}

const steme_pubkey *
steme_record_author(const steme_record *rec)
{
    if (rec == NULL)
        return NULL;
    switch (rec->kind) {
    case STEME_RECORD_ASSERTION:
        return &rec->assertion.agent;
    case STEME_RECORD_VOTE:
        return &rec->vote.agent;
    case STEME_RECORD_EVENT:
        return &rec->event.agent;
    }
    return NULL;
}
