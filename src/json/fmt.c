/* SPDX-License-Identifier: MIT */
/*
 * fmt.c -- the text forms shared by the JSON views and the CLI's tables (see fmt.h): escaped
 * record text, values, reals, fractions, record summaries and names.
 *
 * They live beside the JSON views rather than in the CLI because the JSON documents carry
 * them (a query's winner is "0.2 %", a history row has its cause's summary): one
 * implementation keeps `steme --json`, the HTTP API and the tables in agreement.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "shortest.h"

/* ---------------------------------------------------------------------------------------------
 * Terminal-safe text
 */

/* The escape for byte i of s, if it needs one: writes it to esc and returns how many input
 * bytes it covers (0: no escape). C1 controls are the UTF-8 pairs C2 80 .. C2 9F. */
static size_t
escape_at(const char *s, size_t len, size_t i, char esc[8])
{
    unsigned char ch = (unsigned char)s[i];
    if (ch == '\n') {
        memcpy(esc, "\\n", 3);
        return 1;
    }
    if (ch == '\t') {
        memcpy(esc, "\\t", 3);
        return 1;
    }
    if (ch < 0x20 || ch == 0x7f) {
        snprintf(esc, 8, "\\x%02x", ch);
        return 1;
    }
    if (ch == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
        (unsigned char)s[i + 1] <= 0x9f) {
        snprintf(esc, 8, "\\u%04x", (unsigned char)s[i + 1]);
        return 2;
    }
    return 0;
}

void
steme__fmt_put(FILE *f, const char *s, size_t len)
{
    char esc[8];
    for (size_t i = 0; i < len;) {
        size_t n = escape_at(s, len, i, esc);
        if (n > 0) {
            fputs(esc, f);
            i += n;
        } else {
            putc(s[i], f);
            i++;
        }
    }
}

char *
steme__fmt_strndup(const char *s, size_t len)
{
    char esc[8];
    size_t need = 1;
    for (size_t i = 0; i < len;) {
        size_t n = escape_at(s, len, i, esc);
        need += n > 0 ? strlen(esc) : 1;
        i += n > 0 ? n : 1;
    }
    char *out = malloc(need);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = escape_at(s, len, i, esc);
        if (n > 0) {
            size_t el = strlen(esc);
            memcpy(out + o, esc, el);
            o += el;
            i += n;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* Close f, a memory stream writing to *text, and return what it wrote: *text is only set by
 * the close. NULL when out of memory. */
static char *
memstream_close(FILE *f, char **text)
{
    if (fclose(f) != 0) {
        free(*text);
        return NULL;
    }
    return *text;
}

/* ---------------------------------------------------------------------------------------------
 * Numbers and values
 */

void
steme__fmt_real(double d, char out[32])
{
    if (!isfinite(d)) {
        snprintf(out, 32, "%s", "null");
        return;
    }
    /* The fewest significant digits that read back to the same double: 0.2, not
     * 0.20000000000000001. */
    int x;
    if (!steme__plain_decimal(d, out, &x) || x < -5) {
        int p = steme__shortest_digits(d);
        snprintf(out, 32, "%.*e", p - 1, d);
        /* Plain notation for everyday magnitudes (40, not 4e+01); exponents for the rest. */
        x = atoi(strchr(out, 'e') + 1);
        if (x >= -5 && x < 17)
            snprintf(out, 32, "%.*f", p - 1 - x > 0 ? p - 1 - x : 0, d);
    }
    /* Keep a real looking like one ("12.0"), so that JSON readers do not turn it into an
     * integer and change the record's type on a round trip. */
    if (strpbrk(out, ".eE") == NULL) {
        size_t n = strlen(out);
        if (n + 2 < 32)
            memcpy(out + n, ".0", 3);
    }
}

void
steme__fmt_ppm(uint32_t ppm, char out[16])
{
    if (ppm >= STEME_CONFIDENCE_ONE) {
        snprintf(out, 16, "%u", ppm / STEME_CONFIDENCE_ONE);
        return;
    }
    if (ppm == 0) {
        snprintf(out, 16, "0");
        return;
    }
    snprintf(out, 16, "0.%06u", ppm);
    size_t n = strlen(out);
    while (out[n - 1] == '0')
        out[--n] = '\0';
}

void
steme__fmt_put_value(FILE *f, const steme_value *v)
{
    char num[32];
    switch (v->type) {
    case STEME_VALUE_STRING:
        putc('"', f);
        steme__fmt_put(f, v->str.ptr, v->str.len);
        putc('"', f);
        return;
    case STEME_VALUE_INTEGER:
        fprintf(f, "%" PRId64, v->integer);
        return;
    case STEME_VALUE_NUMBER:
        steme__fmt_real(v->number, num);
        fputs(num, f);
        if (v->unit.len > 0) {
            putc(' ', f);
            steme__fmt_put(f, v->unit.ptr, v->unit.len);
        }
        return;
    case STEME_VALUE_BOOLEAN:
        fputs(v->boolean ? "true" : "false", f);
        return;
    case STEME_VALUE_REF:
        fputs("ref(", f);
        steme__fmt_put(f, v->str.ptr, v->str.len);
        putc(')', f);
        return;
    }
    fputs("?", f);
}

char *
steme__fmt_value(const steme_value *v)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return NULL;
    steme__fmt_put_value(f, v);
    return memstream_close(f, &text);
}

/* ---------------------------------------------------------------------------------------------
 * Record summaries
 */

static void
put_short(FILE *f, const uint8_t *b)
{
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(b, STEME_ID_SIZE, hex);
    fprintf(f, "%.*s", STEME__FMT_SHORT_ID, hex);
}

static void
put_str(FILE *f, steme_str s)
{
    steme__fmt_put(f, s.ptr, s.len);
}

static void
put_reason(FILE *f, steme_str reason)
{
    if (reason.len == 0)
        return;
    fputs(" \"", f);
    put_str(f, reason);
    putc('"', f);
}

static void
summary_assertion(FILE *f, const steme_assertion *a)
{
    put_str(f, a->subject);
    putc(' ', f);
    put_str(f, a->predicate);
    fputs(" = ", f);
    steme__fmt_put_value(f, &a->object);
    fputs("  [", f);
    put_str(f, a->source);
    putc(']', f);
    if (a->confidence != STEME_CONFIDENCE_ONE) {
        char conf[16];
        steme__fmt_ppm(a->confidence, conf);
        fprintf(f, " confidence %s", conf);
    }
}

static void
summary_source_register(FILE *f, const steme_event *e)
{
    const char *tier = steme_tier_name((steme_tier)e->tier);
    put_str(f, e->source);
    fprintf(f, " tier %s", tier != NULL ? tier : "?");
    /* 0 is "the tier's default weight" (docs/rules.md), not a weight of nothing. */
    if (e->weight != 0) {
        char weight[16];
        steme__fmt_ppm(e->weight, weight);
        fprintf(f, " weight %s", weight);
    }
}

static void
summary_agent_profile(FILE *f, const steme_event *e)
{
    put_short(f, e->target_agent.b);
    if (e->display_name.len > 0) {
        putc(' ', f);
        put_str(f, e->display_name);
    }
    if (e->role.len > 0) {
        fputs(" (", f);
        put_str(f, e->role);
        putc(')', f);
    }
}

static void
summary_event(FILE *f, const steme_event *e)
{
    const char *type = steme_event_type_name(e->type);
    fputs(type != NULL ? type : "?", f);
    putc(' ', f);
    switch (e->type) {
    case STEME_EVENT_SOURCE_REGISTER:
        summary_source_register(f, e);
        return;
    case STEME_EVENT_SOURCE_RETRACT:
    case STEME_EVENT_SOURCE_REINSTATE:
        put_str(f, e->source);
        put_reason(f, e->reason);
        return;
    case STEME_EVENT_EPOCH_OPEN:
        put_str(f, e->epoch);
        put_reason(f, e->reason);
        return;
    case STEME_EVENT_EPOCH_SUPERSEDE:
        put_str(f, e->epoch);
        fputs(" -> ", f);
        put_str(f, e->successor);
        put_reason(f, e->reason);
        return;
    case STEME_EVENT_GOLD_SET:
        put_str(f, e->subject);
        putc(' ', f);
        put_str(f, e->predicate);
        fputs(" = ", f);
        steme__fmt_put_value(f, &e->value);
        return;
    case STEME_EVENT_ASSERTION_RETRACT:
        put_short(f, e->target.b);
        put_reason(f, e->reason);
        return;
    case STEME_EVENT_QUARANTINE_DECISION:
        put_short(f, e->target.b);
        fputs(e->decision == STEME_DECISION_APPROVE ? " approve" : " reject", f);
        put_reason(f, e->reason);
        return;
    case STEME_EVENT_AGENT_PROFILE:
        summary_agent_profile(f, e);
        return;
    case STEME_EVENT_REAFFIRM:
        put_short(f, e->target.b);
        fputs(" in ", f);
        put_str(f, e->epoch);
        return;
    }
}

void
steme__fmt_put_summary(FILE *f, const steme_entry *e)
{
    switch (e->record.kind) {
    case STEME_RECORD_ASSERTION:
        summary_assertion(f, &e->record.assertion);
        break;
    case STEME_RECORD_VOTE:
        fprintf(f, "%+d on ", e->record.vote.value);
        put_short(f, e->record.vote.target.b);
        put_reason(f, e->record.vote.reason);
        break;
    case STEME_RECORD_EVENT:
        summary_event(f, &e->record.event);
        break;
    }
}

char *
steme__fmt_summary(const steme_entry *e)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return NULL;
    steme__fmt_put_summary(f, e);
    return memstream_close(f, &text);
}

/* ---------------------------------------------------------------------------------------------
 * Names
 */

const char *
steme__fmt_stage(steme_stage stage)
{
    const char *name = steme_stage_name(stage);
    return name != NULL ? name : "?";
}

const char *
steme__fmt_tier(steme_tier tier)
{
    const char *name = steme_tier_name(tier);
    return name != NULL ? name : "?";
}

const char *
steme__fmt_role(steme_role role)
{
    const char *name = steme_role_name(role);
    return name != NULL && name[0] != '\0' ? name : "none";
}

const char *
steme__fmt_source_status(steme_source_status status)
{
    switch (status) {
    case STEME_SOURCE_UNREGISTERED:
        return "unregistered";
    case STEME_SOURCE_ACTIVE:
        return "active";
    case STEME_SOURCE_RETRACTED:
        return "retracted";
    }
    return "?";
}

const char *
steme__fmt_quarantine_reason(steme_quarantine_reason r)
{
    const char *name = steme_quarantine_reason_name(r);
    return name != NULL && name[0] != '\0' ? name : "?";
}

const steme__fmt_condition steme__fmt_conditions[STEME__FMT_N_CONDITIONS] = {
    {STEME_COND_REJECTED, "rejected"},
    {STEME_COND_RETRACTED_SOURCE, "retracted_source"},
    {STEME_COND_RETRACTED_AUTHOR, "retracted_author"},
    {STEME_COND_SUPERSEDED, "superseded"},
    {STEME_COND_DEPRECATED, "deprecated"},
    {STEME_COND_QUARANTINED, "quarantined"},
};
