/* SPDX-License-Identifier: MIT */
/*
 * view.c -- views of stored records, their stages and cascade reports (see view.h).
 *
 * The single-record view is generated from the record's JSON form rather than written per
 * kind, so that `steme get` shows exactly the members `steme --json get` has, with the same
 * names, for every kind of record present and future. The stage is shown wherever an
 * assertion is, because a reader who sees a claim must also see that it was retracted.
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

const char *
cli_stage_name(steme_stage stage)
{
    const char *name = steme_stage_name(stage);
    return name != NULL ? name : "?";
}

json_t *
cli_entry_json(const steme_entry *e, steme_stage stage)
{
    json_t *j = steme__entry_to_json(e);
    if (j == NULL)
        return NULL;
    if (json_object_set_new(j, "stage",
                            stage != 0 ? json_string(cli_stage_name(stage)) : json_null()) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

bool
cli_view_entry(FILE *f, const steme_entry *e, steme_stage stage)
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
              (stage == 0 || cli_table_kv(&t, "stage", "%s", cli_stage_name(stage))) &&
              flatten(&t, "", json_object_get(j, "record")) &&
              flatten(&t, "signature", json_object_get(j, "signature"));
    if (ok)
        cli_table_print(&t, f);
    cli_table_free(&t);
    json_decref(j);
    return ok;
}

/* The widest stage name, "quarantined". */
#define STAGE_WIDTH 11

void
cli_view_row_header(FILE *f, int seq_width)
{
    fprintf(f, "%*s  %-24s  %-9s  %-*s  %-*s  %s\n", seq_width, "SEQ", "RECORDED_AT", "KIND",
            CLI_SHORT_ID, "ID", STAGE_WIDTH, "STAGE", "SUMMARY");
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
        put_str(f, e->source);
        fprintf(f, " tier %s", tier != NULL ? tier : "?");
        /* 0 is "the tier's default weight" (docs/rules.md), not a weight of nothing. */
        if (e->weight != 0) {
            char weight[16];
            cli_fmt_ppm(e->weight, weight);
            fprintf(f, " weight %s", weight);
        }
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
cli_view_summary(FILE *f, const steme_entry *e)
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
cli_summary_string(const steme_entry *e)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return NULL;
    cli_view_summary(f, e);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

void
cli_view_row(FILE *f, const steme_entry *e, int seq_width, steme_stage stage)
{
    char when[32];
    cli_fmt_time(e->recorded_at, when);
    const char *kind = steme_record_kind_name(e->record.kind);
    fprintf(f, "%*" PRIu64 "  %-24s  %-9s  ", seq_width, e->seq, when, kind != NULL ? kind : "?");
    put_short(f, e->id.b);
    fprintf(f, "  %-*s  ", STAGE_WIDTH, stage != 0 ? cli_stage_name(stage) : "-");
    cli_view_summary(f, e);
    putc('\n', f);
}

/* ---------------------------------------------------------------------------------------------
 * Stages in the past, cascade reports
 */

typedef struct stage_finder {
    uint64_t as_of;
    steme_stage stage;
} stage_finder;

static int
on_change(const steme_stage_change *ch, void *ctx)
{
    stage_finder *sf = ctx;
    if (ch->cause > sf->as_of)
        return 1; /* oldest first: nothing later counts */
    sf->stage = ch->to;
    return 0;
}

steme_err
cli_stage_at(steme_db *db, const steme_id *id, uint64_t as_of, steme_stage *ret)
{
    if (as_of == 0) {
        steme_state st;
        steme_err err = steme_db_state(db, id, &st);
        if (err == STEME_OK)
            *ret = st.stage;
        return err;
    }
    stage_finder sf = {.as_of = as_of};
    steme_err err = steme_db_history(db, id, on_change, &sf);
    if (err != STEME_OK)
        return err;
    if (sf.stage == 0)
        return STEME_ENOTFOUND;
    *ret = sf.stage;
    return STEME_OK;
}

/* Slots of a report that hold counts: the last one also counts everything deeper. */
static uint32_t
report_depths(const steme_cascade_report *r)
{
    return r->depths < STEME_REPORT_DEPTHS ? r->depths : STEME_REPORT_DEPTHS;
}

json_t *
cli_report_json(const steme_cascade_report *r)
{
    json_t *per = json_array();
    for (uint32_t d = 0; per != NULL && d < report_depths(r); d++) {
        if (json_array_append_new(per, json_integer((json_int_t)r->per_depth[d])) != 0) {
            json_decref(per);
            per = NULL;
        }
    }
    if (per == NULL)
        return NULL;
    return json_pack("{s:I, s:o}", "total", (json_int_t)r->total, "per_depth", per);
}

bool
cli_report_rows(cli_table *t, const steme_cascade_report *r)
{
    if (!cli_table_kv(t, "total", "%" PRIu64 " assertion%s", r->total, r->total == 1 ? "" : "s"))
        return false;
    uint32_t n = report_depths(r);
    for (uint32_t d = 0; d < n; d++) {
        char key[32];
        /* The last slot also holds what lies deeper (steme.h). */
        bool last = d + 1 == STEME_REPORT_DEPTHS;
        snprintf(key, sizeof(key), "depth %u%s", d, last ? "+" : "");
        if (!cli_table_kv(t, key, "%" PRIu64 "%s", r->per_depth[d],
                          d == 0 ? " (hit directly)" : ""))
            return false;
    }
    return true;
}
