/* SPDX-License-Identifier: MIT */
/*
 * dump.c -- serialising JSON documents (see views.h): jansson's own dumpers write a real with
 * 17 significant digits (0.2 as 0.20000000000000001), which a reader takes for a different
 * number than the one stored; here reals are written in their shortest round-trip form, and
 * members in insertion order, which the record's JSON form relies on.
 */
#include <stdbool.h>
#include <stdio_ext.h>
#include <stdlib.h>

#include "fmt.h"
#include "views.h"

static void
put_string(FILE *f, const char *s, size_t len)
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
newline(FILE *f, int indent, int depth)
{
    if (indent == 0)
        return;
    putc('\n', f);
    fprintf(f, "%*s", indent * depth, "");
}

static void put_value(FILE *f, const json_t *j, int indent, int depth);

static void
put_object(FILE *f, const json_t *j, int indent, int depth)
{
    if (json_object_size(j) == 0) {
        fputs("{}", f);
        return;
    }
    bool first = true;
    putc('{', f);
    /* The iterator API takes a non-const object but does not modify it. */
    json_t *obj = (json_t *)j;
    for (void *it = json_object_iter(obj); it != NULL; it = json_object_iter_next(obj, it)) {
        if (!first)
            putc(',', f);
        first = false;
        newline(f, indent, depth + 1);
        put_string(f, json_object_iter_key(it), json_object_iter_key_len(it));
        fputs(indent ? ": " : ":", f);
        put_value(f, json_object_iter_value(it), indent, depth + 1);
    }
    newline(f, indent, depth);
    putc('}', f);
}

static void
put_array(FILE *f, const json_t *j, int indent, int depth)
{
    size_t n = json_array_size(j);
    if (n == 0) {
        fputs("[]", f);
        return;
    }
    putc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            putc(',', f);
        newline(f, indent, depth + 1);
        put_value(f, json_array_get(j, i), indent, depth + 1);
    }
    newline(f, indent, depth);
    putc(']', f);
}

static void
put_value(FILE *f, const json_t *j, int indent, int depth)
{
    char num[32];
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        put_object(f, j, indent, depth);
        return;
    case JSON_ARRAY:
        put_array(f, j, indent, depth);
        return;
    case JSON_STRING:
        put_string(f, json_string_value(j), json_string_length(j));
        return;
    case JSON_INTEGER:
        fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        return;
    case JSON_REAL:
        /* steme__fmt_real() writes "null" for what JSON cannot hold. */
        steme__fmt_real(json_real_value(j), num);
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
steme__json_write(FILE *f, const json_t *j, int indent)
{
    put_value(f, j, indent, 0);
}

char *
steme__json_dumps(const json_t *j, int indent)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return NULL;
    /* The stream is this call's own: no lock around each of its thousands of putc calls. */
    __fsetlocking(f, FSETLOCKING_BYCALLER);
    steme__json_write(f, j, indent);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
