/* SPDX-License-Identifier: MIT */
/*
 * import_csv.c -- `steme import --csv`: rows of unsigned claims, one assertion per row, signed
 * with the key given (docs/import-export.md, "CSV").
 *
 * A column mapping names, for each field of an assertion, the column that holds it: by
 * --map FIELD=COL (a header name or a 1-based number), else by a header with the field's
 * name. A row is completed as `steme assert` completes its flags -- the key's public key as
 * agent, the import's time when the row has no asserted_at, confidence 1 when empty -- and its
 * value is typed as `steme assert --value` types it: by the type column when the row fills
 * it, else integer, number, boolean or string by the look of the text. Every refusal names
 * the row's line, the column (number and header) and the rule.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "import.h"
#include "output.h"

enum {
    F_SUBJECT,
    F_PREDICATE,
    F_VALUE,
    F_TYPE,
    F_UNIT,
    F_SOURCE,
    F_CONFIDENCE,
    F_VALID_FROM,
    F_VALID_UNTIL,
    F_ASSERTED_AT,
    F_EPOCH,
    F_QUOTE,
    F_URL,
    F_SUPERSEDES,
    F_DERIVED_FROM,
    N_FIELDS,
};

static const char *const field_names[N_FIELDS] = {
    "subject", "predicate",  "value",      "type",        "unit",
    "source",  "confidence", "valid_from", "valid_until", "asserted_at",
    "epoch",   "quote",      "url",        "supersedes",  "derived_from",
};

/* Required: a row without them cannot be an assertion. */
static const int required[] = {F_SUBJECT, F_PREDICATE, F_VALUE, F_SOURCE};

#define QUALIFIER_PREFIX "qualifier."
#define MAX_SPECS        64

typedef struct map_spec {
    const char *name; /* a field name or "qualifier.KEY" */
    const char *col;  /* a header name or a 1-based number */
} map_spec;

typedef struct qual_col {
    const char *key; /* borrows a spec or a header */
    int col;
} qual_col;

struct cli_csv_import {
    const steme_keypair *kp;
    steme_pubkey pk;
    int64_t at;
    char *spec_text; /* the --map arguments, copied and cut into specs */
    map_spec specs[MAX_SPECS];
    size_t n_specs;
    int col[N_FIELDS]; /* 0-based column of each field, -1 for none */
    qual_col quals[STEME_MAX_QUALIFIERS];
    size_t n_quals;
    char **headers; /* the header's names as they are (matching, qualifier keys) */
    char **names;   /* the same made safe for messages: controls as '?', cut at 100 bytes */
    size_t ncols;
    cli_csv csv;
    /* The current row's id lists and which column each of its qualifiers came from. */
    steme_id supersedes[STEME_MAX_SUPERSEDES];
    steme_id derived_from[STEME_MAX_DERIVED_FROM];
    int row_qual_col[STEME_MAX_QUALIFIERS];
};

static int
field_index(const char *name)
{
    for (int i = 0; i < N_FIELDS; i++) {
        if (strcmp(field_names[i], name) == 0)
            return i;
    }
    return -1;
}

static bool
is_qualifier(const char *name)
{
    return strncasecmp(name, QUALIFIER_PREFIX, strlen(QUALIFIER_PREFIX)) == 0 &&
           name[strlen(QUALIFIER_PREFIX)] != '\0';
}

int
cli_csv_import_new(cli *c, char *const *maps, size_t n_maps, const steme_keypair *kp, int64_t at,
                   cli_csv_import **ret)
{
    cli_csv_import *ci = calloc(1, sizeof(*ci));
    if (ci == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    ci->kp = kp;
    steme_keypair_public(kp, &ci->pk);
    ci->at = at;
    for (int i = 0; i < N_FIELDS; i++)
        ci->col[i] = -1;

    size_t total = 1;
    for (size_t i = 0; i < n_maps; i++)
        total += strlen(maps[i]) + 1;
    ci->spec_text = malloc(total);
    if (ci->spec_text == NULL) {
        cli_csv_import_free(ci);
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    char *p = ci->spec_text;
    for (size_t i = 0; i < n_maps; i++) {
        size_t n = strlen(maps[i]);
        memcpy(p, maps[i], n);
        p[n] = ',';
        p += n + 1;
    }
    *p = '\0';

    char *save = NULL;
    for (char *item = strtok_r(ci->spec_text, ",", &save); item != NULL;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (eq == NULL || eq == item || eq[1] == '\0') {
            cli_usage(c, "--map: '%s' is not FIELD=COLUMN", item);
            goto out_usage;
        }
        *eq = '\0';
        if (field_index(item) < 0 && !is_qualifier(item)) {
            cli_usage(c,
                      "--map: unknown field '%s' (subject, predicate, value, type, unit, source, "
                      "confidence, valid_from, valid_until, asserted_at, epoch, quote, url, "
                      "supersedes, derived_from, qualifier.KEY)",
                      item);
            goto out_usage;
        }
        for (size_t i = 0; i < ci->n_specs; i++) {
            if (strcmp(ci->specs[i].name, item) == 0) {
                cli_usage(c, "--map: '%s' is mapped twice", item);
                goto out_usage;
            }
        }
        if (ci->n_specs == MAX_SPECS) {
            cli_usage(c, "--map: at most %d fields", MAX_SPECS);
            goto out_usage;
        }
        ci->specs[ci->n_specs++] = (map_spec){.name = item, .col = eq + 1};
    }
    *ret = ci;
    return CLI_CONTINUE;
out_usage:
    cli_csv_import_free(ci);
    return CLI_EXIT_USAGE;
}

void
cli_csv_import_free(cli_csv_import *ci)
{
    if (ci == NULL)
        return;
    for (size_t i = 0; i < ci->ncols; i++) {
        free(ci->headers[i]);
        free(ci->names[i]);
    }
    free(ci->headers);
    free(ci->names);
    cli_csv_free(&ci->csv);
    free(ci->spec_text);
    free(ci);
}

/* "a, b, c" (cut short) for a message naming the header's columns. */
static void
column_list(const cli_csv_import *ci, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ci->ncols && n + 8 < cap; i++) {
        int w = snprintf(out + n, cap - n, "%s%s", i > 0 ? ", " : "", ci->names[i]);
        if (w < 0 || (size_t)w >= cap - n) {
            snprintf(out + (n < cap - 4 ? n : cap - 4), 4, "...");
            return;
        }
        n += (size_t)w;
    }
}

/* The column a --map COL names: CLI_CONTINUE and *ret, or an exit status. */
static int
resolve(cli *c, const cli_csv_import *ci, const map_spec *s, int *ret)
{
    uint64_t n;
    if (cli_parse_u64(s->col, &n)) {
        if (n == 0 || n > ci->ncols)
            return cli_usage(c, "--map %s=%s: no column %s (the header has %zu)", s->name, s->col,
                             s->col, ci->ncols);
        *ret = (int)n - 1;
        return CLI_CONTINUE;
    }
    int found = -1, matches = 0;
    for (int pass = 0; pass < 2 && matches == 0; pass++) {
        for (size_t i = 0; i < ci->ncols; i++) {
            bool eq = pass == 0 ? strcmp(ci->headers[i], s->col) == 0
                                : strcasecmp(ci->headers[i], s->col) == 0;
            if (eq && matches++ == 0)
                found = (int)i;
        }
    }
    if (matches > 1)
        return cli_usage(c, "--map %s=%s: %d columns are named '%s'; give the column's number",
                         s->name, s->col, matches, s->col);
    if (matches == 0) {
        char cols[512];
        column_list(ci, cols, sizeof(cols));
        return cli_usage(c, "--map %s=%s: the header has no column '%s' (columns: %s)", s->name,
                         s->col, s->col, cols);
    }
    *ret = found;
    return CLI_CONTINUE;
}

static int
add_qualifier(cli *c, cli_csv_import *ci, const char *key, int col)
{
    for (size_t i = 0; i < ci->n_quals; i++) {
        if (strcmp(ci->quals[i].key, key) == 0)
            return CLI_CONTINUE; /* mapped already (explicitly, or by an earlier column) */
    }
    if (ci->n_quals == STEME_MAX_QUALIFIERS)
        return cli_usage(c, "more than %d qualifier columns", STEME_MAX_QUALIFIERS);
    ci->quals[ci->n_quals++] = (qual_col){.key = key, .col = col};
    return CLI_CONTINUE;
}

int
cli_csv_import_header(cli *c, cli_csv_import *ci, cli_input *in)
{
    cli_csv_init(&ci->csv, in);
    int rc = cli_csv_row(&ci->csv);
    if (rc < 0)
        return cli_error(c, STEME_ESYSERR | in->err, NULL, "reading the header row");
    if (rc == 0)
        return cli_fail(c, "invalid", "the input is empty: a CSV file starts with a header row");
    if (rc == 2)
        return cli_fail(c, "invalid", "line %llu (the header row): %s",
                        (unsigned long long)ci->csv.line, ci->csv.error);
    ci->headers = calloc(ci->csv.nfields, sizeof(*ci->headers));
    ci->names = calloc(ci->csv.nfields, sizeof(*ci->names));
    if (ci->headers == NULL || ci->names == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < ci->csv.nfields; i++) {
        size_t len;
        const char *h = cli_csv_field(&ci->csv, i, &len);
        size_t n = len < 100 ? len : 100;
        char *copy = malloc(len + 1), *name = malloc(n + 1);
        if (copy == NULL || name == NULL) {
            free(copy);
            free(name);
            return cli_error(c, STEME_ENOMEM, NULL, NULL);
        }
        memcpy(copy, h, len + 1);
        for (size_t k = 0; k < n; k++)
            name[k] = (unsigned char)h[k] < 0x20 || h[k] == 0x7f ? '?' : h[k];
        name[n] = '\0';
        ci->headers[ci->ncols] = copy;
        ci->names[ci->ncols++] = name;
    }

    int status;
    for (size_t i = 0; i < ci->n_specs; i++) {
        int col;
        if ((status = resolve(c, ci, &ci->specs[i], &col)) != CLI_CONTINUE)
            return status;
        int f = field_index(ci->specs[i].name);
        if (f >= 0)
            ci->col[f] = col;
        else if ((status = add_qualifier(c, ci, ci->specs[i].name + strlen(QUALIFIER_PREFIX),
                                         col)) != CLI_CONTINUE)
            return status;
    }
    /* Defaults: a header with a field's name, and "qualifier.KEY" headers. */
    for (int f = 0; f < N_FIELDS; f++) {
        bool explicit = false;
        for (size_t i = 0; i < ci->n_specs; i++)
            explicit = explicit || strcmp(ci->specs[i].name, field_names[f]) == 0;
        for (size_t i = 0; !explicit && ci->col[f] < 0 && i < ci->ncols; i++) {
            if (strcasecmp(ci->headers[i], field_names[f]) == 0)
                ci->col[f] = (int)i;
        }
    }
    for (size_t i = 0; i < ci->ncols; i++) {
        if (is_qualifier(ci->headers[i]) &&
            (status = add_qualifier(c, ci, ci->headers[i] + strlen(QUALIFIER_PREFIX), (int)i)) !=
                CLI_CONTINUE)
            return status;
    }
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const char *name = field_names[required[i]];
        if (ci->col[required[i]] < 0)
            return cli_usage(c,
                             "no column for '%s': the header has no column named so; map one "
                             "with --map %s=COLUMN",
                             name, name);
    }
    return CLI_CONTINUE;
}

void
cli_csv_import_set_time(cli_csv_import *ci, int64_t at)
{
    ci->at = at;
}

void
cli_csv_import_settings(const cli_csv_import *ci, steme_id *ret)
{
    /* The key, the number of columns, each field's column and each qualifier's key and
     * column: what decides the records a row becomes, besides the row and the time. */
    uint8_t buf[STEME_PUBKEY_SIZE + 8 + N_FIELDS * 4 + STEME_MAX_QUALIFIERS * (129 + 4)];
    size_t n = 0;
    memcpy(buf, ci->pk.b, STEME_PUBKEY_SIZE);
    n += STEME_PUBKEY_SIZE;
    uint64_t ncols = ci->ncols;
    memcpy(buf + n, &ncols, 8);
    n += 8;
    for (int f = 0; f < N_FIELDS; f++) {
        int32_t col = ci->col[f];
        memcpy(buf + n, &col, 4);
        n += 4;
    }
    for (size_t i = 0; i < ci->n_quals; i++) {
        size_t k = strlen(ci->quals[i].key);
        k = k > 128 ? 128 : k;
        memcpy(buf + n, ci->quals[i].key, k);
        n += k;
        buf[n++] = '\0';
        int32_t col = ci->quals[i].col;
        memcpy(buf + n, &col, 4);
        n += 4;
    }
    steme_record_id(buf, n, ret);
}

/* ---------------------------------------------------------------------------------------------
 * Rows
 */

typedef struct row {
    cli_csv_import *ci;
    cli_import_bad *bad;
} row;

/* Refuse the row for field f (or for qualifier column col when f < 0). */
static int
refuse_col(row *r, int f, int col, int err, const char *rule)
{
    if (f >= 0)
        col = r->ci->col[f];
    cli_import_bad_set(r->bad, err, f >= 0 ? field_names[f] : "", rule);
    if (col >= 0) {
        r->bad->column = col + 1;
        snprintf(r->bad->header, sizeof(r->bad->header), "%s", r->ci->names[col]);
        if (f < 0 && is_qualifier(r->ci->headers[col]))
            snprintf(r->bad->field, sizeof(r->bad->field), "%s", r->ci->names[col]);
    }
    return CLI_IMPORT_BAD;
}

static steme_str
cell_at(const cli_csv_import *ci, int col)
{
    if (col < 0)
        return (steme_str){"", 0};
    size_t len;
    const char *s = cli_csv_field(&ci->csv, (size_t)col, &len);
    return (steme_str){s, len};
}

static steme_str
cell(const cli_csv_import *ci, int f)
{
    return cell_at(ci, ci->col[f]);
}

/* A cell a parser reads as a C string: one with a NUL byte inside would be cut short. */
static bool
has_nul(steme_str s)
{
    return memchr(s.ptr, '\0', s.len) != NULL;
}

/* The type of text by its look, as `steme assert --value` infers it. */
static int
infer(const char *text)
{
    int64_t i;
    double d;
    if (cli_parse_i64(text, &i))
        return STEME_VALUE_INTEGER;
    if (cli_parse_number(text, &d))
        return STEME_VALUE_NUMBER;
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        return STEME_VALUE_BOOLEAN;
    return STEME_VALUE_STRING;
}

/* Text as a value of type t; NULL, or the rule it breaks. */
static const char *
typed(steme_str text, int t, steme_value *v)
{
    memset(v, 0, sizeof(*v));
    v->type = (steme_value_type)t;
    switch (v->type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        v->str = text;
        return NULL;
    case STEME_VALUE_INTEGER:
        return has_nul(text) || !cli_parse_i64(text.ptr, &v->integer)
                   ? "not an integer (-?[0-9]+, 64-bit, no leading zeros)"
                   : NULL;
    case STEME_VALUE_NUMBER:
        return has_nul(text) || !cli_parse_number(text.ptr, &v->number)
                   ? "not a number (JSON number syntax, e.g. 0.2, -3, 1e-3)"
                   : NULL;
    case STEME_VALUE_BOOLEAN:
        if (!has_nul(text) && strcmp(text.ptr, "true") == 0)
            v->boolean = true;
        else if (has_nul(text) || strcmp(text.ptr, "false") != 0)
            return "not true or false";
        return NULL;
    }
    return "unknown value type";
}

static int
parse_value(row *r, steme_value *v)
{
    cli_csv_import *ci = r->ci;
    steme_str text = cell(ci, F_VALUE), type = cell(ci, F_TYPE), unit = cell(ci, F_UNIT);
    int t = 0;
    if (type.len > 0) {
        t = has_nul(type) ? 0 : steme_value_type_parse(type.ptr);
        if (t == 0)
            return refuse_col(r, F_TYPE, -1, STEME_EINVAL,
                              "not string, integer, number, boolean or ref");
    }
    if (text.len == 0 && t != STEME_VALUE_STRING)
        return refuse_col(r, F_VALUE, -1, STEME_EINVAL,
                          "empty (an empty string needs the type string)");
    /* With a unit the value can only be a number: say so of the value, not of the unit. */
    if (t == 0 && unit.len > 0)
        t = STEME_VALUE_NUMBER;
    if (t == 0)
        t = has_nul(text) ? STEME_VALUE_STRING : infer(text.ptr);
    const char *rule = typed(text, t, v);
    if (rule != NULL)
        return refuse_col(r, F_VALUE, -1, STEME_EINVAL, rule);
    if (unit.len > 0) {
        if (v->type != STEME_VALUE_NUMBER)
            return refuse_col(r, F_UNIT, -1, STEME_EINVAL,
                              "only numbers have a unit (the value is not a number)");
        v->unit = unit;
    }
    return CLI_IMPORT_ITEM;
}

/* An optional time cell: *has false when empty. */
static int
parse_time(row *r, int f, bool *has, int64_t *ret)
{
    steme_str s = cell(r->ci, f);
    *has = s.len > 0;
    if (*has && (has_nul(s) || !cli_parse_time(s.ptr, ret)))
        return refuse_col(r, f, -1, STEME_EINVAL,
                          "not an RFC 3339 time or milliseconds since 1970-01-01T00:00:00Z");
    return CLI_IMPORT_ITEM;
}

/* Ids separated by spaces, commas or semicolons. */
static int
parse_ids(row *r, int f, steme_id *ids, size_t max, size_t *n)
{
    steme_str s = cell(r->ci, f);
    *n = 0;
    if (has_nul(s))
        return refuse_col(r, f, -1, STEME_EINVAL,
                          "not a list of ids (64 hex digits each, separated by spaces)");
    size_t i = 0;
    while (i < s.len) {
        while (i < s.len && strchr(" \t\n;,", s.ptr[i]) != NULL)
            i++;
        size_t start = i;
        while (i < s.len && strchr(" \t\n;,", s.ptr[i]) == NULL)
            i++;
        if (i == start)
            break;
        char hex[2 * STEME_ID_SIZE + 1];
        if (i - start != 2 * STEME_ID_SIZE)
            return refuse_col(r, f, -1, STEME_EINVAL,
                              "not a list of ids (64 hex digits each, separated by spaces)");
        if (*n == max)
            return refuse_col(r, f, -1, STEME_EINVAL,
                              max == STEME_MAX_SUPERSEDES ? "more than 16 ids"
                                                          : "more than 64 ids");
        memcpy(hex, s.ptr + start, 2 * STEME_ID_SIZE);
        hex[2 * STEME_ID_SIZE] = '\0';
        if (steme_unhex(hex, ids[*n].b, STEME_ID_SIZE) != STEME_OK)
            return refuse_col(r, f, -1, STEME_EINVAL,
                              "not a list of ids (64 hex digits each, separated by spaces)");
        (*n)++;
    }
    return CLI_IMPORT_ITEM;
}

/* The CSV field behind a field the encoder names; -1 (and *qual) for a qualifier. */
static int
encoder_field(const char *ef, int *qual)
{
    static const struct {
        const char *name;
        int f;
    } names[] = {
        {"subject", F_SUBJECT},         {"predicate", F_PREDICATE},
        {"source", F_SOURCE},           {"confidence", F_CONFIDENCE},
        {"valid_from", F_VALID_FROM},   {"valid_until", F_VALID_UNTIL},
        {"asserted_at", F_ASSERTED_AT}, {"epoch", F_EPOCH},
        {"evidence.quote", F_QUOTE},    {"evidence.url", F_URL},
        {"supersedes", F_SUPERSEDES},   {"derived_from", F_DERIVED_FROM},
        {"object.unit", F_UNIT},
    };
    *qual = -1;
    if (ef == NULL)
        return -2;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(ef, names[i].name) == 0)
            return names[i].f;
    }
    if (strncmp(ef, "object", 6) == 0)
        return F_VALUE;
    if (strncmp(ef, "qualifiers[", 11) == 0 && isdigit((unsigned char)ef[11])) {
        *qual = atoi(ef + 11);
        return -1;
    }
    return -2;
}

static int
refuse_encoding(row *r, int err, const steme_errinfo *ei)
{
    int qual;
    int f = encoder_field(ei->field, &qual);
    const char *rule = ei->rule != NULL ? ei->rule : steme_strerror(err);
    if (f >= 0)
        return refuse_col(r, f, -1, err, rule);
    if (f == -1 && qual >= 0 && qual < STEME_MAX_QUALIFIERS)
        return refuse_col(r, -1, r->ci->row_qual_col[qual], err, rule);
    cli_import_bad_set(r->bad, err, ei->field != NULL ? ei->field : "", rule);
    return CLI_IMPORT_BAD;
}

static int
build(row *r, steme_assertion *a)
{
    cli_csv_import *ci = r->ci;
    int rc;
    const int ident[] = {F_SUBJECT, F_PREDICATE, F_SOURCE};
    for (size_t i = 0; i < sizeof(ident) / sizeof(ident[0]); i++) {
        if (cell(ci, ident[i]).len == 0)
            return refuse_col(r, ident[i], -1, STEME_EINVAL, "empty");
    }
    a->agent = ci->pk;
    a->subject = cell(ci, F_SUBJECT);
    a->predicate = cell(ci, F_PREDICATE);
    a->source = cell(ci, F_SOURCE);
    if ((rc = parse_value(r, &a->object)) != CLI_IMPORT_ITEM)
        return rc;
    steme_str conf = cell(ci, F_CONFIDENCE);
    a->confidence = STEME_CONFIDENCE_ONE;
    if (conf.len > 0 && (has_nul(conf) || !cli_parse_confidence(conf.ptr, &a->confidence)))
        return refuse_col(r, F_CONFIDENCE, -1, STEME_EINVAL, "not a number from 0 to 1");
    if ((rc = parse_time(r, F_VALID_FROM, &a->has_valid_from, &a->valid_from)) != CLI_IMPORT_ITEM ||
        (rc = parse_time(r, F_VALID_UNTIL, &a->has_valid_until, &a->valid_until)) !=
            CLI_IMPORT_ITEM)
        return rc;
    bool has_at;
    if ((rc = parse_time(r, F_ASSERTED_AT, &has_at, &a->asserted_at)) != CLI_IMPORT_ITEM)
        return rc;
    if (!has_at)
        a->asserted_at = ci->at;
    else if (a->asserted_at > cli_import_max_time())
        return refuse_col(r, F_ASSERTED_AT, -1, STEME_EINVAL,
                          "ahead of this machine's clock by more than the allowed skew");
    a->epoch = cell(ci, F_EPOCH);
    a->evidence_quote = cell(ci, F_QUOTE);
    a->evidence_url = cell(ci, F_URL);
    if ((rc = parse_ids(r, F_SUPERSEDES, ci->supersedes, STEME_MAX_SUPERSEDES, &a->n_supersedes)) !=
            CLI_IMPORT_ITEM ||
        (rc = parse_ids(r, F_DERIVED_FROM, ci->derived_from, STEME_MAX_DERIVED_FROM,
                        &a->n_derived_from)) != CLI_IMPORT_ITEM)
        return rc;
    a->supersedes = ci->supersedes;
    a->derived_from = ci->derived_from;
    for (size_t i = 0; i < ci->n_quals; i++) {
        steme_str s = cell_at(ci, ci->quals[i].col);
        if (s.len == 0)
            continue;
        steme_qualifier *q = &a->qualifiers[a->n_qualifiers];
        ci->row_qual_col[a->n_qualifiers++] = ci->quals[i].col;
        q->key = steme_str_c(ci->quals[i].key);
        typed(s, has_nul(s) ? STEME_VALUE_STRING : infer(s.ptr), &q->value);
    }
    return CLI_IMPORT_ITEM;
}

int
cli_csv_import_next(cli_csv_import *ci, uint8_t *buf, cli_import_item *it, cli_import_bad *bad)
{
    int rc = cli_csv_row(&ci->csv);
    if (rc < 0)
        return CLI_IMPORT_FAIL;
    if (rc == 0)
        return CLI_IMPORT_END;
    memset(it, 0, sizeof(*it));
    memset(bad, 0, sizeof(*bad));
    it->line = bad->line = ci->csv.line;
    row r = {ci, bad};
    if (rc == 2) {
        int col = ci->csv.error_field > 0 && ci->csv.error_field <= ci->ncols
                      ? (int)ci->csv.error_field - 1
                      : -1;
        return refuse_col(&r, -1, col, STEME_EINVAL, ci->csv.error);
    }
    if (ci->csv.nfields != ci->ncols) {
        char rule[96];
        snprintf(rule, sizeof(rule), "has %zu fields; the header has %zu", ci->csv.nfields,
                 ci->ncols);
        cli_import_bad_set(bad, STEME_EINVAL, "", rule);
        return CLI_IMPORT_BAD;
    }
    steme_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.kind = STEME_RECORD_ASSERTION;
    if ((rc = build(&r, &rec.assertion)) != CLI_IMPORT_ITEM)
        return rc;
    steme_errinfo ei = {0};
    int err =
        steme_record_sign(&rec, ci->kp, buf, STEME_MAX_RECORD, &it->len, &it->id, &it->sig, &ei);
    if (err != STEME_OK)
        return refuse_encoding(&r, err, &ei);
    return CLI_IMPORT_ITEM;
}
