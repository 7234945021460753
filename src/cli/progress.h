/* SPDX-License-Identifier: MIT */
/*
 * progress.h -- the one-line progress display of long commands (import, export): a count, a
 * rate, a percentage and an estimated time left, redrawn in place on stderr at most five times
 * a second. It is shown only when stderr is a terminal and --quiet is not given, so pipes and
 * logs never see it; the line is erased when the work ends, before the summary.
 */
#ifndef STEME_CLI_PROGRESS_H
#define STEME_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

typedef struct cli_progress {
    bool on;
    const char *cmd;  /* "import" */
    const char *what; /* "checking", "importing", "exporting" */
    uint64_t total;   /* the amount of work (bytes, records) at 100%; 0 when unknown */
    uint64_t base;    /* work done before this run (a resumed import): not in the rate */
    double start;     /* monotonic seconds */
    double last_draw;
    bool drawn;
} cli_progress;

/* Start a display for cmd doing what; total and base as in cli_progress. Nothing is shown when
 * stderr is not a terminal or c->quiet is set. */
void cli_progress_begin(cli_progress *p, const cli *c, const char *what, uint64_t total,
                        uint64_t base);

/* count records done so far (in this run), done units of total (including base). Redraws at
 * most every 200 ms. */
void cli_progress_update(cli_progress *p, uint64_t count, uint64_t done);

/* Erase the line. */
void cli_progress_end(cli_progress *p);

#endif
