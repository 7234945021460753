/* SPDX-License-Identifier: MIT */
/*
 * output.h -- how the steme command line speaks: error lines (text on stderr, and JSON on
 * stdout with --json), JSON documents and JSON Lines, and aligned tables.
 *
 * The documents are the views of src/json (views.h), which the HTTP server returns too; the
 * text forms of values, reals and summaries are those of fmt.h, which the views share.
 * Everything that reaches a terminal from a record is escaped by fmt.h (directly, or as a
 * table's cell): records hold other people's strings, and a control character in a subject
 * must not be able to drive the reader's terminal.
 */
#ifndef STEME_CLI_OUTPUT_H
#define STEME_CLI_OUTPUT_H

#include <stdarg.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"
#include "fmt.h"
#include "views.h"

/*
 * Report a failure and return CLI_EXIT_FAIL. The text line is
 * "steme: CMD: [PREFIX: ]DETAIL" where PREFIX is the formatted fmt (may be NULL) and DETAIL is
 * "FIELD: RULE" when ei names a field, else steme_strerror(err). With --json the same is also
 * printed on stdout as {"error":CODE,"message":...,"field":...}; extra (may be NULL, stolen)
 * adds members to that object.
 */
int cli_error(cli *c, int err, const steme_errinfo *ei, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int cli_error_extra(cli *c, int err, const steme_errinfo *ei, json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Report a failure described only by a message (no steme_err) with the given JSON code;
 * extra as for cli_error_extra(). */
int cli_fail(cli *c, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int cli_fail_extra(cli *c, const char *code, json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Report a failure with the given JSON code and field (may be NULL) and a message: for errors
 * that arrive already worded, such as a server's (remote.h); extra as for cli_error_extra(). */
int cli_fail_field(cli *c, const char *code, const char *field, json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Report a usage error ("steme: CMD: MESSAGE" plus a pointer to the help) and return
 * CLI_EXIT_USAGE. */
int cli_usage(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Print j on stdout with steme__json_write() and release it (j may be NULL: reported as out
 * of memory). A document is indented; a stream item (JSON Lines) is one compact line. Returns
 * CLI_CONTINUE, or CLI_EXIT_FAIL when j was NULL.
 */
int cli_json_doc(cli *c, json_t *j);
int cli_json_line(cli *c, json_t *j);

/* The former names of steme__json_text() and steme__fmt_put(), kept while commands written
 * against them (cmd_key.c) move to the shared ones; new code calls those. */
static inline json_t *
cli_json_text(const char *s)
{
    return steme__json_text(s);
}

static inline void
cli_safe_put(FILE *f, const char *s, size_t len)
{
    steme__fmt_put(f, s, len);
}

/* Flush stdout and report a write error (a full disk, a closed pipe) as a failure. */
int cli_finish(cli *c, int status);

/* RFC 3339 UTC with milliseconds. */
void cli_fmt_time(int64_t ms, char out[32]);

/*
 * A table whose columns are padded to their widest cell (counted in characters, not bytes).
 * Cells are copied and escaped (steme__fmt_strndup()) when added. The last column is never padded.
 */
typedef struct cli_table {
    size_t ncols;
    size_t nrows;
    size_t cap;
    char **cells; /* nrows * ncols */
} cli_table;

void cli_table_init(cli_table *t, size_t ncols);
/* Add a row of ncols NUL-terminated cells. Returns false when out of memory. */
bool cli_table_add(cli_table *t, const char *const *cells);
/* Add a two-column row "key value"; value formatted with printf. */
bool cli_table_kv(cli_table *t, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cli_table_print(const cli_table *t, FILE *f);
void cli_table_free(cli_table *t);

#endif
