/* SPDX-License-Identifier: MIT */
/*
 * output.c -- errors, JSON and tables for the steme command line (see output.h).
 *
 * Text errors always go to stderr so that a pipeline's data stays clean; with --json they are
 * repeated on stdout as JSON objects shaped like the HTTP API's errors (DESIGN §8), so that a
 * script reading stdout sees every outcome in one format.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "record_json.h"

const char *
cli_err_code(int err)
{
    if (steme_err_is_sys(err))
        return "system";
    switch ((steme_err)err) {
    case STEME_OK:
        return "ok";
    case STEME_EINVAL:
        return "invalid";
    case STEME_ENOMEM:
        return "no_memory";
    case STEME_ENOTFOUND:
        return "not_found";
    case STEME_ESIG:
        return "bad_signature";
    case STEME_ECORRUPT:
        return "corrupt";
    case STEME_EVERSION:
        return "version";
    case STEME_EPERM:
        return "permission";
    case STEME_EEXIST:
        return "exists";
    case STEME_ELIMIT:
        return "limit";
    case STEME_EBUSY:
        return "busy";
    case STEME_EDENIED:
        return "denied";
    case STEME_ESYSERR:
        break;
    }
    return "error";
}

json_t *
cli_json_text(const char *s)
{
    json_t *j = json_string(s);
    if (j != NULL || s == NULL)
        return j;
    char *copy = strdup(s);
    if (copy == NULL)
        return NULL;
    for (char *p = copy; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    }
    j = json_string(copy);
    free(copy);
    return j;
}

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
    json_t *j = json_object();
    if (j != NULL) {
        json_object_set_new(j, "error", json_string(code));
        json_object_set_new(j, "message", cli_json_text(msg));
        json_object_set_new(j, "field", field != NULL ? json_string(field) : json_null());
        if (extra != NULL)
            json_object_update(j, extra);
        cli_json_write(stdout, j, 0);
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
    return report(c, CLI_EXIT_FAIL, cli_err_code(err), field, extra, msg);
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
    cli_json_write(stdout, j, indent);
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
 * JSON serialisation
 */

static void
json_put_string(FILE *f, const char *s, size_t len)
{
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        default:
            if (ch < 0x20 || ch == 0x7f)
                fprintf(f, "\\u%04x", ch);
            else
                putc(ch, f);
        }
    }
    putc('"', f);
}

static void
json_newline(FILE *f, int indent, int depth)
{
    if (indent == 0)
        return;
    putc('\n', f);
    fprintf(f, "%*s", indent * depth, "");
}

static void
json_put(FILE *f, const json_t *j, int indent, int depth)
{
    char num[32];
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (json_object_size(j) == 0) {
            fputs("{}", f);
            return;
        }
        bool first = true;
        putc('{', f);
        /* jansson keeps insertion order, which the record's JSON form relies on. The iterator
         * API takes a non-const object but does not modify it. */
        json_t *obj = (json_t *)j;
        for (void *it = json_object_iter(obj); it != NULL; it = json_object_iter_next(obj, it)) {
            if (!first)
                putc(',', f);
            first = false;
            json_newline(f, indent, depth + 1);
            json_put_string(f, json_object_iter_key(it), json_object_iter_key_len(it));
            fputs(indent ? ": " : ":", f);
            json_put(f, json_object_iter_value(it), indent, depth + 1);
        }
        json_newline(f, indent, depth);
        putc('}', f);
        return;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (n == 0) {
            fputs("[]", f);
            return;
        }
        putc('[', f);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                putc(',', f);
            json_newline(f, indent, depth + 1);
            json_put(f, json_array_get(j, i), indent, depth + 1);
        }
        json_newline(f, indent, depth);
        putc(']', f);
        return;
    }
    case JSON_STRING:
        json_put_string(f, json_string_value(j), json_string_length(j));
        return;
    case JSON_INTEGER:
        fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        return;
    case JSON_REAL:
        if (!isfinite(json_real_value(j))) {
            fputs("null", f);
            return;
        }
        cli_fmt_number(json_real_value(j), num);
        fputs(num, f);
        return;
    case JSON_TRUE:
        fputs("true", f);
        return;
    case JSON_FALSE:
        fputs("false", f);
        return;
    case JSON_NULL:
        fputs("null", f);
        return;
    }
}

void
cli_json_write(FILE *f, const json_t *j, int indent)
{
    json_put(f, j, indent, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Scalars
 */

void
cli_fmt_number(double d, char out[32])
{
    if (!isfinite(d)) {
        snprintf(out, 32, "%s", "null");
        return;
    }
    /* The fewest significant digits that read back to the same double: 0.2, not
     * 0.20000000000000001. */
    int p;
    for (p = 1; p < 17; p++) {
        snprintf(out, 32, "%.*e", p - 1, d);
        if (strtod(out, NULL) == d)
            break;
    }
    snprintf(out, 32, "%.*e", p - 1, d);
    /* Plain notation for everyday magnitudes (40, not 4e+01); exponents for the rest. */
    int x = atoi(strchr(out, 'e') + 1);
    if (x >= -5 && x < 17)
        snprintf(out, 32, "%.*f", p - 1 - x > 0 ? p - 1 - x : 0, d);
    /* Keep a real looking like one ("12.0"), so that JSON readers do not turn it into an
     * integer and change the record's type on a round trip. */
    if (strpbrk(out, ".eE") == NULL) {
        size_t n = strlen(out);
        if (n + 2 < 32)
            memcpy(out + n, ".0", 3);
    }
}

void
cli_fmt_ppm(uint32_t ppm, char out[16])
{
    if (ppm >= STEME_CONFIDENCE_ONE) {
        snprintf(out, 16, "%u", ppm / STEME_CONFIDENCE_ONE);
        return;
    }
    if (ppm == 0) {
        snprintf(out, 16, "0");
        return;
    }
    snprintf(out, 16, "0.%06u", ppm);
    size_t n = strlen(out);
    while (out[n - 1] == '0')
        out[--n] = '\0';
}

void
cli_fmt_time(int64_t ms, char out[32])
{
    steme__time_format(ms, out);
}

/* ---------------------------------------------------------------------------------------------
 * Terminal-safe text
 */

/* The escape for byte i of s, if it needs one: writes it to esc and returns how many input
 * bytes it covers (0: no escape). C1 controls are the UTF-8 pairs C2 80 .. C2 9F. */
static size_t
escape_at(const char *s, size_t len, size_t i, char esc[8])
{
    unsigned char ch = (unsigned char)s[i];
    if (ch == '\n') {
        memcpy(esc, "\\n", 3);
        return 1;
    }
    if (ch == '\t') {
        memcpy(esc, "\\t", 3);
        return 1;
    }
    if (ch < 0x20 || ch == 0x7f) {
        snprintf(esc, 8, "\\x%02x", ch);
        return 1;
    }
    if (ch == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
        (unsigned char)s[i + 1] <= 0x9f) {
        snprintf(esc, 8, "\\u%04x", (unsigned char)s[i + 1]);
        return 2;
    }
    return 0;
}

void
cli_safe_put(FILE *f, const char *s, size_t len)
{
    char esc[8];
    for (size_t i = 0; i < len;) {
        size_t n = escape_at(s, len, i, esc);
        if (n > 0) {
            fputs(esc, f);
            i += n;
        } else {
            putc(s[i], f);
            i++;
        }
    }
}

char *
cli_safe_strndup(const char *s, size_t len)
{
    char esc[8];
    size_t need = 1;
    for (size_t i = 0; i < len;) {
        size_t n = escape_at(s, len, i, esc);
        need += n > 0 ? strlen(esc) : 1;
        i += n > 0 ? n : 1;
    }
    char *out = malloc(need);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = escape_at(s, len, i, esc);
        if (n > 0) {
            size_t el = strlen(esc);
            memcpy(out + o, esc, el);
            o += el;
            i += n;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

void
cli_put_value(FILE *f, const steme_value *v)
{
    char num[32];
    switch (v->type) {
    case STEME_VALUE_STRING:
        putc('"', f);
        cli_safe_put(f, v->str.ptr, v->str.len);
        putc('"', f);
        return;
    case STEME_VALUE_INTEGER:
        fprintf(f, "%" PRId64, v->integer);
        return;
    case STEME_VALUE_NUMBER:
        cli_fmt_number(v->number, num);
        fputs(num, f);
        if (v->unit.len > 0) {
            putc(' ', f);
            cli_safe_put(f, v->unit.ptr, v->unit.len);
        }
        return;
    case STEME_VALUE_BOOLEAN:
        fputs(v->boolean ? "true" : "false", f);
        return;
    case STEME_VALUE_REF:
        fputs("ref(", f);
        cli_safe_put(f, v->str.ptr, v->str.len);
        putc(')', f);
        return;
    }
    fputs("?", f);
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
        row[i] = cli_safe_strndup(cells[i], strlen(cells[i]));
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
