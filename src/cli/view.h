/* SPDX-License-Identifier: MIT */
/*
 * view.h -- the table views of stored records: one record as "key  value" lines (get), one
 * record per row with a one-line summary (log, list), and a cascade report (what a retraction
 * touched at each depth) as rows. Their JSON forms are views.h's, their summaries fmt.h's.
 */
#ifndef STEME_CLI_VIEW_H
#define STEME_CLI_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "output.h"
#include "steme.h"

/* Hex digits of an id shown in a row; `steme get SEQ` and --json give the whole id. */
#define CLI_SHORT_ID STEME__FMT_SHORT_ID

/* Print e as aligned "key  value" lines, in the member order of its JSON form, with its
 * lifecycle stage after recorded_at (stage 0: not an assertion, no line). Returns false when
 * out of memory. */
bool cli_view_entry(FILE *f, const steme_entry *e, steme_stage stage);

/* The header and the rows of a record listing; seq_width is the width of the SEQ column, and
 * stage the assertion's stage (0 for votes and events: shown as "-"). */
void cli_view_row_header(FILE *f, int seq_width);
void cli_view_row(FILE *f, const steme_entry *e, int seq_width, steme_stage stage);

/* A cascade report as "key  value" rows of t ("total", "depth 0", "depth 1", ...), the table
 * form of steme__json_report(). */
bool cli_report_rows(cli_table *t, const steme_cascade_report *r);

#endif
