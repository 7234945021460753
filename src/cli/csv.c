/* SPDX-License-Identifier: MIT */
/*
 * csv.c -- the RFC 4180 reader of `steme import --csv` (see csv.h).
 *
 * A malformed row is read to its end with the same state machine, treating the offending
 * quote as data, so that one bad row costs one row: the next row starts where a well-formed
 * reading would start it, and quoted line breaks after the error are still respected.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

void
cli_csv_init(cli_csv *csv, cli_input *in)
{
    memset(csv, 0, sizeof(*csv));
    csv->in = in;
}

void
cli_csv_free(cli_csv *csv)
{
    free(csv->buf);
    csv->buf = NULL;
    csv->cap = csv->len = 0;
}

static void
bad(cli_csv *csv, const char *rule, size_t field)
{
    if (csv->error == NULL) {
        csv->error = rule;
        csv->error_field = field;
    }
}

/* Append a byte to the current field; false when out of memory. Past the row limit bytes are
 * dropped and the row is marked bad. */
static bool
put(cli_csv *csv, char ch)
{
    if (csv->len >= CLI_CSV_MAX_ROW + CLI_CSV_MAX_FIELDS) {
        bad(csv, "row longer than 1048576 bytes", 0);
        return true;
    }
    if (csv->len + 1 > csv->cap) {
        size_t cap = csv->cap ? csv->cap * 2 : 4096;
        char *grown = realloc(csv->buf, cap);
        if (grown == NULL)
            return false;
        csv->buf = grown;
        csv->cap = cap;
    }
    csv->buf[csv->len++] = ch;
    return true;
}

static bool
begin_field(cli_csv *csv)
{
    if (csv->nfields == CLI_CSV_MAX_FIELDS) {
        bad(csv, "more than 256 fields", 0);
        /* Keep reading into the last slot: its content no longer matters. */
        csv->nfields--;
        csv->len = csv->start[csv->nfields];
    }
    csv->start[csv->nfields] = csv->len;
    return true;
}

static bool
end_field(cli_csv *csv)
{
    size_t i = csv->nfields;
    csv->flen[i] = csv->len - csv->start[i];
    csv->nfields++;
    return put(csv, '\0');
}

/* Skip a UTF-8 byte order mark at the very start of the input. */
static void
skip_bom(cli_input *in)
{
    if (cli_input_peek(in) != 0xEF)
        return;
    if (in->len - in->pos >= 3 && memcmp(in->buf + in->pos, "\xEF\xBB\xBF", 3) == 0) {
        in->pos += 3;
        in->offset += 3;
    }
}

/* The end of a row after '\r': true (and the '\n' consumed) when it is "\r\n". */
static bool
crlf(cli_input *in)
{
    if (cli_input_peek(in) != '\n')
        return false;
    cli_input_getc(in);
    return true;
}

int
cli_csv_row(cli_csv *csv)
{
    cli_input *in = csv->in;
    if (!csv->started) {
        skip_bom(in);
        csv->started = true;
    }
    for (;;) {
        csv->nfields = 0;
        csv->len = 0;
        csv->error = NULL;
        csv->error_field = 0;
        csv->line = in->lines + 1;
        bool any_quoted = false;
        int ch = cli_input_getc(in);
        if (ch == EOF)
            return in->err != 0 ? -1 : 0;
        bool row_done = false;
        while (!row_done) {
            begin_field(csv);
            size_t field = csv->nfields + 1;
            if (ch == '"') {
                any_quoted = true;
                for (;;) {
                    ch = cli_input_getc(in);
                    if (ch == EOF) {
                        if (in->err != 0)
                            return -1;
                        bad(csv, "unterminated quoted field (the input ends inside it)", field);
                        break;
                    }
                    if (ch == '"') {
                        if (cli_input_peek(in) != '"')
                            break;
                        cli_input_getc(in);
                    } else if (ch == '\r' && cli_input_peek(in) == '\n') {
                        ch = cli_input_getc(in);
                    }
                    if (!put(csv, (char)ch))
                        goto out_nomem;
                }
                if (ch != EOF)
                    ch = cli_input_getc(in);
                if (ch != ',' && ch != '\n' && ch != EOF && !(ch == '\r' && crlf(in))) {
                    bad(csv, "text after the closing quote of a quoted field", field);
                    /* Read on as if unquoted, the stray bytes as data. */
                    goto unquoted;
                }
            } else {
            unquoted:
                while (ch != ',' && ch != '\n' && ch != EOF) {
                    if (ch == '\r' && crlf(in)) {
                        ch = '\n';
                        break;
                    }
                    if (ch == '"')
                        bad(csv,
                            "a quote inside an unquoted field (quote the whole field "
                            "and double the quote)",
                            field);
                    if (!put(csv, (char)ch))
                        goto out_nomem;
                    ch = cli_input_getc(in);
                }
            }
            if (ch == EOF && in->err != 0)
                return -1;
            if (!end_field(csv))
                goto out_nomem;
            if (ch == ',')
                ch = cli_input_getc(in);
            else
                row_done = true;
        }
        /* An empty line is no row (a row of one empty field must be quoted: ""). */
        if (csv->nfields == 1 && csv->flen[0] == 0 && !any_quoted && csv->error == NULL)
            continue;
        return csv->error != NULL ? 2 : 1;
    }
out_nomem:
    in->err = ENOMEM;
    return -1;
}

const char *
cli_csv_field(const cli_csv *csv, size_t i, size_t *len)
{
    *len = csv->flen[i];
    return csv->buf + csv->start[i];
}
