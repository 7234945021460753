/* SPDX-License-Identifier: MIT */
/*
 * fuzz_import.c -- fuzz target for the readers of `steme import`: the RFC 4180 CSV reader
 * (src/cli/csv.c) and the JSON Lines reader of signed entries (src/cli/import_json.c), both
 * over the counting input (src/cli/input.c).
 *
 * CSV: every row ends within its limits with NUL-terminated fields, rows start on increasing
 * lines, and a good row written back with every field quoted reads back as the same fields.
 * JSON Lines: a line taken as a record decodes canonically to bytes that hash to its id; a line
 * refused names a rule and a line inside the input. Any broken promise aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A stream over data; fmemopen refuses a zero size, so the empty input reads /dev/null. */
static FILE *
open_mem(const uint8_t *data, size_t size)
{
    FILE *f = size > 0 ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
    if (f == NULL)
        abort();
    return f;
}

/* Write the current row with every field quoted; false when a field holds "\r\n", which
 * reads back as "\n" (the reader's normalisation) and so cannot round-trip. */
static bool
quote_row(const cli_csv *csv, char **out, size_t *len)
{
    FILE *f = open_memstream(out, len);
    if (f == NULL)
        abort();
    bool ok = true;
    for (size_t i = 0; i < csv->nfields; i++) {
        size_t n;
        const char *s = cli_csv_field(csv, i, &n);
        if (i > 0)
            fputc(',', f);
        fputc('"', f);
        for (size_t k = 0; k < n; k++) {
            if (s[k] == '\r' && k + 1 < n && s[k + 1] == '\n')
                ok = false;
            if (s[k] == '"')
                fputc('"', f);
            fputc(s[k], f);
        }
        fputc('"', f);
    }
    fputs("\r\n", f);
    fclose(f);
    return ok;
}

static void
check_same_row(const cli_csv *a, const char *text, size_t len)
{
    FILE *f = open_mem((const uint8_t *)text, len);
    cli_input in;
    if (cli_input_open_stream(&in, f) != 0)
        abort();
    cli_csv b;
    cli_csv_init(&b, &in);
    if (cli_csv_row(&b) != 1 || b.nfields != a->nfields)
        abort();
    for (size_t i = 0; i < a->nfields; i++) {
        size_t na, nb;
        const char *fa = cli_csv_field(a, i, &na);
        const char *fb = cli_csv_field(&b, i, &nb);
        if (na != nb || memcmp(fa, fb, na) != 0)
            abort();
    }
    if (cli_csv_row(&b) != 0)
        abort();
    cli_csv_free(&b);
    cli_input_close(&in);
    fclose(f);
}

static void
fuzz_csv(const uint8_t *data, size_t size)
{
    FILE *f = open_mem(data, size);
    cli_input in;
    if (cli_input_open_stream(&in, f) != 0)
        abort();
    cli_csv csv;
    cli_csv_init(&csv, &in);
    uint64_t last_line = 0;
    int rc;
    while ((rc = cli_csv_row(&csv)) > 0) {
        if (csv.line <= last_line || csv.nfields == 0 || csv.nfields > CLI_CSV_MAX_FIELDS)
            abort();
        last_line = csv.line;
        if (rc == 2) {
            if (csv.error == NULL || csv.error_field > csv.nfields)
                abort();
            continue;
        }
        size_t total = 0;
        for (size_t i = 0; i < csv.nfields; i++) {
            size_t n;
            const char *s = cli_csv_field(&csv, i, &n);
            if (s[n] != '\0')
                abort();
            total += n;
        }
        if (total > CLI_CSV_MAX_ROW)
            abort();
        char *text = NULL;
        size_t len = 0;
        if (quote_row(&csv, &text, &len))
            check_same_row(&csv, text, len);
        free(text);
    }
    if (rc < 0 || in.offset != size)
        abort();
    cli_csv_free(&csv);
    cli_input_close(&in);
    fclose(f);
}

static uint8_t buf[STEME_MAX_RECORD];

static void
fuzz_json_lines(const uint8_t *data, size_t size)
{
    FILE *f = open_mem(data, size);
    cli_input in;
    if (cli_input_open_stream(&in, f) != 0)
        abort();
    cli_import_item it;
    cli_import_bad bad;
    int rc;
    while ((rc = cli_import_json_next(&in, true, buf, &it, &bad)) != CLI_IMPORT_END) {
        if (rc == CLI_IMPORT_FAIL)
            abort();
        if (rc == CLI_IMPORT_BAD) {
            if (bad.rule[0] == '\0' || bad.line == 0 || bad.line > in.lines + 1)
                abort();
            continue;
        }
        steme_record rec;
        steme_errinfo ei;
        steme_id id;
        if (it.len > STEME_MAX_RECORD || steme_record_decode(buf, it.len, &rec, &ei) != STEME_OK)
            abort();
        steme_record_id(buf, it.len, &id);
        if (memcmp(id.b, it.id.b, STEME_ID_SIZE) != 0 ||
            !steme_sig_verify(steme_record_author(&rec), &id, &it.sig))
            abort();
    }
    if (in.offset != size)
        abort();
    cli_input_close(&in);
    fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_csv(data, size);
    fuzz_json_lines(data, size);
    return 0;
}
