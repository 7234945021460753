/* SPDX-License-Identifier: MIT */
/*
 * view.h -- the views of stored records: one record as "key  value" lines (get), one record
 * per row with a one-line summary (log, list), the lifecycle stage shown with an assertion,
 * and a cascade report (what a retraction touched at each depth).
 */
#ifndef STEME_CLI_VIEW_H
#define STEME_CLI_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "output.h"
#include "steme.h"

/* Hex digits of an id shown in a row; `steme get SEQ` and --json give the whole id. */
#define CLI_SHORT_ID 12

/* Print e as aligned "key  value" lines, in the member order of its JSON form, with its
 * lifecycle stage after recorded_at (stage 0: not an assertion, no line). Returns false when
 * out of memory. */
bool cli_view_entry(FILE *f, const steme_entry *e, steme_stage stage);

/* The JSON form of e, {"seq", "id", "recorded_at", "signature", "record"}, with "stage": the
 * stage's name, or null when stage is 0. NULL when out of memory. */
json_t *cli_entry_json(const steme_entry *e, steme_stage stage);

/* The header and the rows of a record listing; seq_width is the width of the SEQ column, and
 * stage the assertion's stage (0 for votes and events: shown as "-"). */
void cli_view_row_header(FILE *f, int seq_width);
void cli_view_row(FILE *f, const steme_entry *e, int seq_width, steme_stage stage);

/* The one-line summary of a record that rows end with ("SUBJECT PREDICATE = VALUE [SOURCE]",
 * "+1 on ID", "source_retract SOURCE \"REASON\""), escaped for a terminal. */
void cli_view_summary(FILE *f, const steme_entry *e);

/* The same as a new string; NULL when out of memory. */
char *cli_summary_string(const steme_entry *e);

/* The name of a stage, "?" for one this build does not know. */
const char *cli_stage_name(steme_stage stage);

/*
 * The stage of assertion id as the store was when its log ended at as_of (0: now). Derived
 * state is kept only for now; an earlier stage is the last change of the assertion's history
 * caused at or before as_of. Errors as steme_db_state() and steme_db_history().
 */
steme_err cli_stage_at(steme_db *db, const steme_id *id, uint64_t as_of, steme_stage *ret);

/* A cascade report as JSON, {"total": N, "per_depth": [N0, N1, ...]}, and as "key  value"
 * rows of t ("total", "depth 0", "depth 1", ...). */
json_t *cli_report_json(const steme_cascade_report *r);
bool cli_report_rows(cli_table *t, const steme_cascade_report *r);

#endif
