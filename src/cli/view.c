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
cli_view_entry(FILE *f, const json_t *j)
{
    const char *stage = cli_jstr(j, "stage");
    cli_table t;
    cli_table_init(&t, 2);
    /* The log's own members first, then the record, then the signature nobody reads. */
    bool ok = flatten(&t, "seq", json_object_get(j, "seq")) &&
              flatten(&t, "id", json_object_get(j, "id")) &&
              flatten(&t, "recorded_at", json_object_get(j, "recorded_at")) &&
              (stage == NULL || cli_table_kv(&t, "stage", "%s", stage)) &&
              flatten(&t, "", json_object_get(j, "record")) &&
              flatten(&t, "signature", json_object_get(j, "signature"));
    if (ok)
        cli_table_print(&t, f);
    cli_table_free(&t);
    return ok;
}

bool
cli_entry_from_json(const json_t *j, cli_json_entry *out)
{
    memset(&out->e, 0, sizeof(out->e));
    out->stage = 0;
    steme_errinfo ei = {0};
    const char *id = cli_jstr(j, "id"), *sig = cli_jstr(j, "signature");
    const char *when = cli_jstr(j, "recorded_at"), *stage = cli_jstr(j, "stage");
    if (id == NULL || sig == NULL || when == NULL || !json_is_integer(json_object_get(j, "seq")) ||
        strlen(id) != 2 * STEME_ID_SIZE ||
        steme_unhex(id, out->e.id.b, STEME_ID_SIZE) != STEME_OK ||
        strlen(sig) != 2 * sizeof(out->e.sig.b) ||
        steme_unhex(sig, out->e.sig.b, sizeof(out->e.sig.b)) != STEME_OK ||
        steme__time_parse(when, &out->e.recorded_at) != STEME_OK ||
        steme__record_from_json(json_object_get(j, "record"), &out->jr, &ei) != STEME_OK)
        return false;
    out->e.seq = cli_ju64(j, "seq");
    out->e.record = out->jr.rec;
    if (stage != NULL) {
        int s = steme_stage_parse(stage);
        out->stage = s > 0 ? (steme_stage)s : 0;
    }
    return true;
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
cli_report_rows(cli_table *t, const json_t *report)
{
    uint64_t total = cli_ju64(report, "total");
    if (!cli_table_kv(t, "total", "%" PRIu64 " assertion%s", total, total == 1 ? "" : "s"))
        return false;
    /* The slots that hold counts (steme__json_report()). */
    const json_t *per = json_object_get(report, "per_depth");
    for (size_t d = 0; d < json_array_size(per); d++) {
        char key[32];
        /* The last slot also holds what lies deeper (steme.h). */
        bool last = d + 1 == STEME_REPORT_DEPTHS;
        snprintf(key, sizeof(key), "depth %zu%s", d, last ? "+" : "");
        if (!cli_table_kv(t, key, "%" JSON_INTEGER_FORMAT "%s",
                          json_integer_value(json_array_get(per, d)),
                          d == 0 ? " (hit directly)" : ""))
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Reading documents
 */

const char *
cli_jstr(const json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

uint64_t
cli_ju64(const json_t *j, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(j, key));
    return v > 0 ? (uint64_t)v : 0;
}

double
cli_jnum(const json_t *j, const char *key)
{
    return json_number_value(json_object_get(j, key));
}
