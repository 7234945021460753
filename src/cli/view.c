/* SPDX-License-Identifier: MIT */
/*
 * view.c -- the table views of stored records and cascade reports (see view.h); their JSON
 * forms are src/json's (views.h).
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
        steme__fmt_real(json_real_value(v), num);
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
        steme__fmt_real(json_real_value(value), num);
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
              (stage == 0 || cli_table_kv(&t, "stage", "%s", steme__fmt_stage(stage))) &&
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

void
cli_view_row(FILE *f, const steme_entry *e, int seq_width, steme_stage stage)
{
    char when[32];
    cli_fmt_time(e->recorded_at, when);
    const char *kind = steme_record_kind_name(e->record.kind);
    char id[2 * STEME_ID_SIZE + 1];
    steme_hex(e->id.b, sizeof(e->id.b), id);
    fprintf(f, "%*" PRIu64 "  %-24s  %-9s  %.*s", seq_width, e->seq, when,
            kind != NULL ? kind : "?", CLI_SHORT_ID, id);
    fprintf(f, "  %-*s  ", STAGE_WIDTH, stage != 0 ? steme__fmt_stage(stage) : "-");
    steme__fmt_put_summary(f, e);
    putc('\n', f);
}

/* ---------------------------------------------------------------------------------------------
 * Cascade reports
 */

bool
cli_report_rows(cli_table *t, const steme_cascade_report *r)
{
    if (!cli_table_kv(t, "total", "%" PRIu64 " assertion%s", r->total, r->total == 1 ? "" : "s"))
        return false;
    /* Slots that hold counts (as steme__json_report()). */
    uint32_t n = r->depths < STEME_REPORT_DEPTHS ? r->depths : STEME_REPORT_DEPTHS;
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
