/* SPDX-License-Identifier: MIT */
/*
 * csv.h -- a streaming RFC 4180 reader: comma-separated fields, fields in double quotes may
 * hold commas, line breaks and doubled quotes (""), rows end with "\n" or "\r\n". One row is
 * held at a time, within hard limits on its size and its number of fields.
 *
 * Deviations from RFC 4180, all on the lenient side except the last: the last row may lack a
 * line break; a UTF-8 byte order mark before the first row is skipped; "\r\n" inside a quoted
 * field is read as "\n" (records allow "\n" in text, never "\r"); an empty line is no row;
 * a quote inside an unquoted field, or anything but a comma or a line break after a closing
 * quote, is an error.
 */
#ifndef STEME_CLI_CSV_H
#define STEME_CLI_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"

#define CLI_CSV_MAX_FIELDS 256
#define CLI_CSV_MAX_ROW    (1024 * 1024) /* bytes of field content per row */

typedef struct cli_csv {
    cli_input *in;
    char *buf; /* the fields of the current row, each NUL-terminated */
    size_t len, cap;
    size_t start[CLI_CSV_MAX_FIELDS];
    size_t flen[CLI_CSV_MAX_FIELDS];
    size_t nfields;
    uint64_t line;      /* the line the current row starts on (1-based) */
    const char *error;  /* the rule a bad row broke (static), or NULL */
    size_t error_field; /* 1-based field of the error (0: the row as a whole) */
    bool started;       /* past the byte order mark check */
} cli_csv;

/* Read rows from in (which the caller opens and closes). */
void cli_csv_init(cli_csv *csv, cli_input *in);
void cli_csv_free(cli_csv *csv);

/*
 * Read the next row. Returns 1 for a good row (fields in cli_csv_field), 2 for a malformed row
 * (csv->error; the row has been consumed up to its end), 0 at the end of the input, -1 on a
 * read error or when out of memory (csv->in->err).
 */
int cli_csv_row(cli_csv *csv);

/* Field i (0-based) of the current row: NUL-terminated, *len bytes (fields may hold NUL). */
const char *cli_csv_field(const cli_csv *csv, size_t i, size_t *len);

#endif
