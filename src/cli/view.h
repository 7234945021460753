/* SPDX-License-Identifier: MIT */
/*
 * view.h -- the table views of stored records: one record as "key  value" lines (get), one
 * record per row with a one-line summary (log, list), and a cascade report (what a retraction
 * touched at each depth) as rows. Their JSON forms are views.h's, their summaries fmt.h's.
 *
 * Printers that take a JSON document print what embedded mode built with views.h and what
 * remote mode received from the server alike (remote.h): one printer, two sources. Entries
 * can also be read back from their JSON form, for the printers written for steme_entry.
 */
#ifndef STEME_CLI_VIEW_H
#define STEME_CLI_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "output.h"
#include "record_json.h"
#include "steme.h"

/* Hex digits of an id shown in a row; `steme get SEQ` and --json give the whole id. */
#define CLI_SHORT_ID STEME__FMT_SHORT_ID

/* Print entry j (steme__json_entry()'s form) as aligned "key  value" lines, in the member
 * order of its JSON form, with its lifecycle stage after recorded_at (null: not an assertion,
 * no line). Returns false when out of memory. */
bool cli_view_entry(FILE *f, const json_t *j);

/* An entry read back from its JSON form; its strings and id lists borrow from the JSON (keep
 * it alive) and from jr; bytes are NULL. */
typedef struct cli_json_entry {
    steme_entry e;
    steme_stage stage; /* 0 when null */
    steme__json_record jr;
} cli_json_entry;

/* Read entry j into *out; false when j is not an entry's JSON form. */
bool cli_entry_from_json(const json_t *j, cli_json_entry *out);

/* The header and the rows of a record listing; seq_width is the width of the SEQ column, and
 * stage the assertion's stage (0 for votes and events: shown as "-"). */
void cli_view_row_header(FILE *f, int seq_width);
void cli_view_row(FILE *f, const steme_entry *e, int seq_width, steme_stage stage);

/* A cascade report, steme__json_report()'s {"total", "per_depth"}, as "key  value" rows of t
 * ("total", "depth 0", "depth 1", ...). */
bool cli_report_rows(cli_table *t, const json_t *report);

/* Members of a JSON document, for the printers: a string (NULL when absent or not one), an
 * integer (0 when absent), a number (0 when absent). */
const char *cli_jstr(const json_t *j, const char *key);
uint64_t cli_ju64(const json_t *j, const char *key);
double cli_jnum(const json_t *j, const char *key);

#endif
