/* SPDX-License-Identifier: MIT */
/*
 * output.c -- errors, JSON and tables for the steme command line (see output.h).
 *
 * Text errors always go to stderr so that a pipeline's data stays clean; with --json they are
 * repeated on stdout as JSON objects shaped like the HTTP API's errors (DESIGN §8), so that a
 * script reading stdout sees every outcome in one format.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "output.h"
#include "record_json.h"
#include "views.h"

static int
report(cli *c, int status, const char *code, const char *field, json_t *extra, const char *msg)
{
    /* Before a command is known, c->cmd is "steme" itself: do not say it twice. */
    if (strcmp(c->cmd, "steme") == 0)
        fprintf(stderr, "steme: %s\n", msg);
    else
        fprintf(stderr, "steme: %s: %s\n", c->cmd, msg);
    if (!c->json) {
        json_decref(extra);
        return status;
    }
    json_t *j = steme__json_error(code, msg, field);
    if (j != NULL) {
        if (extra != NULL)
            json_object_update(j, extra);
        steme__json_write(stdout, j, 0);
        putchar('\n');
    }
    json_decref(j);
    json_decref(extra);
    return status;
}

static int verror(cli *c, int err, const steme_errinfo *ei, json_t *extra, const char *fmt,
                  va_list ap) __attribute__((format(printf, 5, 0)));

static int
verror(cli *c, int err, const steme_errinfo *ei, json_t *extra, const char *fmt, va_list ap)
{
    char msg[1024];
    size_t n = 0;
    if (fmt != NULL) {
        int w = vsnprintf(msg, sizeof(msg), fmt, ap);
        n = w < 0 ? 0 : (size_t)w < sizeof(msg) ? (size_t)w : sizeof(msg) - 1;
        if (n > 0 && n < sizeof(msg) - 2) {
            msg[n++] = ':';
            msg[n++] = ' ';
        }
    }
    const char *field = NULL;
    if (ei != NULL && ei->field != NULL && ei->field[0] != '\0') {
        field = ei->field;
        snprintf(msg + n, sizeof(msg) - n, "%s: %s", ei->field,
                 ei->rule != NULL ? ei->rule : steme_strerror(err));
    } else {
        snprintf(msg + n, sizeof(msg) - n, "%s", steme_strerror(err));
    }
    return report(c, CLI_EXIT_FAIL, steme__json_err_code(err), field, extra, msg);
}

int
cli_error(cli *c, int err, const steme_errinfo *ei, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = verror(c, err, ei, NULL, fmt, ap);
    va_end(ap);
    return status;
}

int
cli_error_extra(cli *c, int err, const steme_errinfo *ei, json_t *extra, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = verror(c, err, ei, extra, fmt, ap);
    va_end(ap);
    return status;
}

int
cli_fail(cli *c, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return report(c, CLI_EXIT_FAIL, code, NULL, NULL, msg);
}

int
cli_fail_extra(cli *c, const char *code, json_t *extra, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return report(c, CLI_EXIT_FAIL, code, NULL, extra, msg);
}

int
cli_fail_field(cli *c, const char *code, const char *field, json_t *extra, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return report(c, CLI_EXIT_FAIL, code, field, extra, msg);
}

int
cli_usage(cli *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    report(c, CLI_EXIT_USAGE, "usage", NULL, NULL, msg);
    if (strcmp(c->cmd, "steme") == 0)
        fprintf(stderr, "Try 'steme help' for more information.\n");
    else
        fprintf(stderr, "Try 'steme help %s' for more information.\n", c->cmd);
    return CLI_EXIT_USAGE;
}

static int
emit(cli *c, json_t *j, int indent)
{
    if (j == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    steme__json_write(stdout, j, indent);
    putchar('\n');
    json_decref(j);
    return CLI_CONTINUE;
}

int
cli_json_doc(cli *c, json_t *j)
{
    return emit(c, j, 2);
}

int
cli_json_line(cli *c, json_t *j)
{
    return emit(c, j, 0);
}

int
cli_finish(cli *c, int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno != 0 ? errno : EIO;
        fprintf(stderr, "steme: %s: writing the output: %s\n", c->cmd, strerror(e));
        return status == CLI_EXIT_OK ? CLI_EXIT_FAIL : status;
    }
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * Scalars
 */

void
cli_fmt_time(int64_t ms, char out[32])
{
    steme__time_format(ms, out);
}

/* ---------------------------------------------------------------------------------------------
 * Tables
 */

void
cli_table_init(cli_table *t, size_t ncols)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
}

bool
cli_table_add(cli_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **grown = realloc(t->cells, cap * t->ncols * sizeof(*grown));
        if (grown == NULL)
            return false;
        t->cells = grown;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = steme__fmt_strndup(cells[i], strlen(cells[i]));
        if (row[i] == NULL) {
            while (i-- > 0)
                free(row[i]);
            return false;
        }
    }
    t->nrows++;
    return true;
}

bool
cli_table_kv(cli_table *t, const char *key, const char *fmt, ...)
{
    char *value = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&value, fmt, ap);
    va_end(ap);
    if (n < 0)
        return false;
    const char *cells[2] = {key, value};
    bool ok = cli_table_add(t, cells);
    free(value);
    return ok;
}

/* Display width in characters: UTF-8 continuation bytes do not count. */
static size_t
width(const char *s)
{
    size_t w = 0;
    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    }
    return w;
}

void
cli_table_print(const cli_table *t, FILE *f)
{
    size_t widths[16] = {0};
    size_t ncols = t->ncols < 16 ? t->ncols : 16;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t i = 0; i < ncols; i++) {
            size_t w = width(t->cells[r * t->ncols + i]);
            if (w > widths[i])
                widths[i] = w;
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        char *const *row = t->cells + r * t->ncols;
        for (size_t i = 0; i < t->ncols; i++) {
            fputs(row[i], f);
            if (i + 1 < t->ncols) {
                size_t w = width(row[i]);
                size_t pad = (i < ncols && widths[i] > w ? widths[i] - w : 0) + 2;
                fprintf(f, "%*s", (int)pad, "");
            }
        }
        putc('\n', f);
    }
}

void
cli_table_free(cli_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}
