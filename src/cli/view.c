/* SPDX-License-Identifier: MIT */
/*
 * view.c -- table views of stored records (see view.h).
 *
 * The single-record view is generated from the record's JSON form rather than written per
 * kind, so that `steme get` shows exactly the members `steme --json get` has, with the same
 * names, for every kind of record present and future.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "record_json.h"
#include "view.h"

/* A typed value in its explicit JSON form: {"type", "value"} or {"type", "value", "unit"}. */
static bool
is_typed_value(const json_t *v)
{
    if (!json_is_object(v) || !json_is_string(json_object_get(v, "type")) ||
        json_object_get(v, "value") == NULL)
        return false;
    size_t n = json_object_size(v);
    return n == 2 || (n == 3 && json_is_string(json_object_get(v, "unit")));
}

static bool
add_scalar(cli_table *t, const char *key, const json_t *v)
{
    char num[32];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return cli_table_kv(t, key, "%s", json_string_value(v));
    case JSON_INTEGER:
        return cli_table_kv(t, key, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:
        cli_fmt_number(json_real_value(v), num);
        return cli_table_kv(t, key, "%s", num);
    case JSON_TRUE:
        return cli_table_kv(t, key, "true");
    case JSON_FALSE:
        return cli_table_kv(t, key, "false");
    case JSON_NULL:
        return cli_table_kv(t, key, "null");
    case JSON_OBJECT:
        return cli_table_kv(t, key, "{}");
    case JSON_ARRAY:
        return cli_table_kv(t, key, "[]");
    }
    return true;
}

/* "0.2 % (number)", "adults (string)". */
static bool
add_typed(cli_table *t, const char *key, const json_t *v)
{
    const json_t *value = json_object_get(v, "value");
    const json_t *unit = json_object_get(v, "unit");
    const char *type = json_string_value(json_object_get(v, "type"));
    char num[32];
    const char *text = num;
    if (json_is_string(value))
        text = json_string_value(value);
    else if (json_is_integer(value))
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    else if (json_is_real(value))
        cli_fmt_number(json_real_value(value), num);
    else
        text = json_is_true(value) ? "true" : "false";
    if (unit != NULL)
        return cli_table_kv(t, key, "%s %s (%s)", text, json_string_value(unit), type);
    return cli_table_kv(t, key, "%s (%s)", text, type);
}

static bool
flatten(cli_table *t, const char *name, const json_t *v)
{
    if (is_typed_value(v))
        return add_typed(t, name, v);
    if (json_is_object(v) && json_object_size(v) > 0) {
        json_t *obj = (json_t *)v; /* the iterator API is not const, but reads only */
        for (void *it = json_object_iter(obj); it != NULL; it = json_object_iter_next(obj, it)) {
            char *child = NULL;
            if (asprintf(&child, "%s%s%s", name, name[0] ? "." : "", json_object_iter_key(it)) < 0)
                return false;
            bool ok = flatten(t, child, json_object_iter_value(it));
            free(child);
            if (!ok)
                return false;
        }
        return true;
    }
    if (json_is_array(v) && json_array_size(v) > 0) {
        /* A list of scalars (ids) is a column under one key; anything else is indexed. */
        for (size_t i = 0; i < json_array_size(v); i++) {
            const json_t *item = json_array_get(v, i);
            bool ok;
            if (json_is_object(item) || json_is_array(item)) {
                char *child = NULL;
                if (asprintf(&child, "%s[%zu]", name, i) < 0)
                    return false;
                ok = flatten(t, child, item);
                free(child);
            } else {
                ok = add_scalar(t, i == 0 ? name : "", item);
            }
            if (!ok)
                return false;
        }
        return true;
    }
    return add_scalar(t, name, v);
}

bool
cli_view_entry(FILE *f, const steme_entry *e)
{
    json_t *j = steme__entry_to_json(e);
    if (j == NULL)
        return false;
    cli_table t;
    cli_table_init(&t, 2);
    /* The log's own members first, then the record, then the signature nobody reads. */
    bool ok = flatten(&t, "seq", json_object_get(j, "seq")) &&
              flatten(&t, "id", json_object_get(j, "id")) &&
              flatten(&t, "recorded_at", json_object_get(j, "recorded_at")) &&
              flatten(&t, "", json_object_get(j, "record")) &&
              flatten(&t, "signature", json_object_get(j, "signature"));
    if (ok)
        cli_table_print(&t, f);
    cli_table_free(&t);
    json_decref(j);
    return ok;
}

void
cli_view_row_header(FILE *f, int seq_width)
{
    fprintf(f, "%*s  %-24s  %-9s  %-*s  %s\n", seq_width, "SEQ", "RECORDED_AT", "KIND",
            CLI_SHORT_ID, "ID", "SUMMARY");
}

static void
put_short(FILE *f, const uint8_t *b)
{
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(b, STEME_ID_SIZE, hex);
    fprintf(f, "%.*s", CLI_SHORT_ID, hex);
}

static void
put_str(FILE *f, steme_str s)
{
    cli_safe_put(f, s.ptr, s.len);
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
    cli_put_value(f, &a->object);
    fputs("  [", f);
    put_str(f, a->source);
    putc(']', f);
    if (a->confidence != STEME_CONFIDENCE_ONE) {
        char conf[16];
        cli_fmt_ppm(a->confidence, conf);
        fprintf(f, " confidence %s", conf);
    }
}

static void
summary_event(FILE *f, const steme_event *e)
{
    const char *type = steme_event_type_name(e->type);
    fputs(type != NULL ? type : "?", f);
    putc(' ', f);
    switch (e->type) {
    case STEME_EVENT_SOURCE_REGISTER: {
        const char *tier = steme_tier_name((steme_tier)e->tier);
        char weight[16];
        cli_fmt_ppm(e->weight, weight);
        put_str(f, e->source);
        fprintf(f, " tier %s weight %s", tier != NULL ? tier : "?", weight);
        return;
    }
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
        cli_put_value(f, &e->value);
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
        return;
    case STEME_EVENT_REAFFIRM:
        put_short(f, e->target.b);
        fputs(" in ", f);
        put_str(f, e->epoch);
        return;
    }
}

void
cli_view_row(FILE *f, const steme_entry *e, int seq_width)
{
    char when[32];
    cli_fmt_time(e->recorded_at, when);
    const char *kind = steme_record_kind_name(e->record.kind);
    fprintf(f, "%*" PRIu64 "  %-24s  %-9s  ", seq_width, e->seq, when, kind != NULL ? kind : "?");
    put_short(f, e->id.b);
    fputs("  ", f);
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
    putc('\n', f);
}
