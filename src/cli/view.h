/* SPDX-License-Identifier: MIT */
/*
 * view.h -- the table views of stored records: one record as "key  value" lines (get), and
 * one record per row with a one-line summary (log, list).
 */
#ifndef STEME_CLI_VIEW_H
#define STEME_CLI_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "steme.h"

/* Hex digits of an id shown in a row; `steme get SEQ` and --json give the whole id. */
#define CLI_SHORT_ID 12

/* Print e as aligned "key  value" lines, in the member order of its JSON form. Returns false
 * when out of memory. */
bool cli_view_entry(FILE *f, const steme_entry *e);

/* The header and the rows of a record listing; seq_width is the width of the SEQ column. */
void cli_view_row_header(FILE *f, int seq_width);
void cli_view_row(FILE *f, const steme_entry *e, int seq_width);

#endif
