/* SPDX-License-Identifier: MIT */
/*
 * output.h -- how the steme command line speaks: error lines (text on stderr, and JSON on
 * stdout with --json), JSON documents and JSON Lines, aligned tables, and the text forms of
 * values, times and confidences used by the table views.
 *
 * Everything that reaches a terminal from a record goes through cli_safe_*(): records hold
 * other people's strings, and a control character in a subject must not be able to drive the
 * reader's terminal.
 */
#ifndef STEME_CLI_OUTPUT_H
#define STEME_CLI_OUTPUT_H

#include <stdarg.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"

/* The stable machine word for an error code in JSON errors ("invalid", "not_found", ...). */
const char *cli_err_code(int err);

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

/* Report a usage error ("steme: CMD: MESSAGE" plus a pointer to the help) and return
 * CLI_EXIT_USAGE. */
int cli_usage(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Print j on stdout and release it (j may be NULL: reported as out of memory). A document is
 * indented; a stream item (JSON Lines) is one compact line. Returns CLI_CONTINUE, or
 * CLI_EXIT_FAIL when j was NULL.
 */
int cli_json_doc(cli *c, json_t *j);
int cli_json_line(cli *c, json_t *j);

/* A JSON string for text that may not be UTF-8 (a file name): bytes that are not ASCII become
 * '?' when the whole is not valid UTF-8, rather than losing the member. NULL gives NULL. */
json_t *cli_json_text(const char *s);

/* Serialise j: like json_dumpf(), but reals are written in their shortest form that reads
 * back to the same double (jansson writes 0.2 as 0.20000000000000001). indent 0 = compact. */
void cli_json_write(FILE *f, const json_t *j, int indent);

/* Flush stdout and report a write error (a full disk, a closed pipe) as a failure. */
int cli_finish(cli *c, int status);

/* Shortest decimal form of a finite double that reads back exactly. */
void cli_fmt_number(double d, char out[32]);

/* Confidence in parts per million as a decimal in [0, 1] ("0.95", "1"). */
void cli_fmt_ppm(uint32_t ppm, char out[16]);

/* RFC 3339 UTC with milliseconds. */
void cli_fmt_time(int64_t ms, char out[32]);

/* A byte string made safe for a terminal: control characters (C0, DEL and C1) become \n, \t
 * or \xHH escapes. Returns a new string (NULL when out of memory). */
char *cli_safe_strndup(const char *s, size_t len);

/* Write s to f with the escapes of cli_safe_strndup(). */
void cli_safe_put(FILE *f, const char *s, size_t len);

/* The table form of a value: strings quoted, numbers with their unit, references as
 * ref(SUBJECT). Escaped like cli_safe_put(). */
void cli_put_value(FILE *f, const steme_value *v);

/*
 * A table whose columns are padded to their widest cell (counted in characters, not bytes).
 * Cells are copied and escaped when added. The last column is never padded.
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
