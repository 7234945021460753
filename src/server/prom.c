/* SPDX-License-Identifier: MIT */
/*
 * prom.c -- the Prometheus text exposition format 0.0.4 (prom.h).
 *
 * The format, line by line: "# HELP name text", "# TYPE name type", then samples
 * "name{label="value",...} number". Label values escape backslash, double quote and newline
 * (\\, \", \n); HELP text escapes backslash and newline only. Histogram buckets are
 * cumulative and the last is le="+Inf", equal to _count.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

static bool
reserve(srv_prom *p, size_t n)
{
    if (p->failed)
        return false;
    if (p->len + n + 1 <= p->cap)
        return true;
    if (p->len + n + 1 > SRV_PROM_MAX) {
        p->failed = true;
        return false;
    }
    size_t cap = p->cap ? p->cap : 4096;
    while (cap < p->len + n + 1)
        cap *= 2;
    char *nb = realloc(p->buf, cap);
    if (!nb) {
        p->failed = true;
        return false;
    }
    p->buf = nb;
    p->cap = cap;
    return true;
}

static void
put(srv_prom *p, const char *s, size_t n)
{
    if (!reserve(p, n))
        return;
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

static void
put_str(srv_prom *p, const char *s)
{
    put(p, s, strlen(s));
}

/* s with backslash and newline escaped, and double quote too when quote is set. */
static void
put_escaped(srv_prom *p, const char *s, bool quote)
{
    const char *run = s;
    for (; *s; s++) {
        const char *esc = NULL;
        if (*s == '\\')
            esc = "\\\\";
        else if (*s == '\n')
            esc = "\\n";
        else if (*s == '"' && quote)
            esc = "\\\"";
        if (!esc)
            continue;
        put(p, run, (size_t)(s - run));
        put_str(p, esc);
        run = s + 1;
    }
    put(p, run, (size_t)(s - run));
}

#ifndef NDEBUG
static bool
valid_name(const char *s)
{
    if (!s || !*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!(*s == '_' || *s == ':' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}
#endif

void
srv_prom_fmt_double(char *out, size_t size, double v)
{
    if (isnan(v)) {
        snprintf(out, size, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, size, "%s", v > 0 ? "+Inf" : "-Inf");
        return;
    }
    snprintf(out, size, "%.15g", v);
    if (strtod(out, NULL) != v)
        snprintf(out, size, "%.17g", v);
}

/* name{labels[,le="..."]} -- the part of a sample line before its value. */
static void
put_series(srv_prom *p, const char *name, const char *suffix, const srv_label *labels,
           size_t nlabels, const char *le)
{
    assert(valid_name(name));
    put_str(p, name);
    if (suffix)
        put_str(p, suffix);
    if (nlabels == 0 && !le)
        return;
    put_str(p, "{");
    for (size_t i = 0; i < nlabels; i++) {
        assert(valid_name(labels[i].name));
        if (i > 0)
            put_str(p, ",");
        put_str(p, labels[i].name);
        put_str(p, "=\"");
        put_escaped(p, labels[i].value ? labels[i].value : "", true);
        put_str(p, "\"");
    }
    if (le) {
        if (nlabels > 0)
            put_str(p, ",");
        put_str(p, "le=\"");
        put_str(p, le);
        put_str(p, "\"");
    }
    put_str(p, "}");
}

static void
put_u64_line(srv_prom *p, uint64_t v)
{
    char num[32];
    snprintf(num, sizeof(num), " %llu\n", (unsigned long long)v);
    put_str(p, num);
}

static void
put_f64_line(srv_prom *p, double v)
{
    char num[40];
    num[0] = ' ';
    srv_prom_fmt_double(num + 1, sizeof(num) - 2, v);
    strcat(num, "\n");
    put_str(p, num);
}

void
srv_prom_family(srv_prom *p, const char *name, const char *type, const char *help)
{
    assert(valid_name(name));
    assert(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
           strcmp(type, "histogram") == 0);
    put_str(p, "# HELP ");
    put_str(p, name);
    put_str(p, " ");
    put_escaped(p, help, false);
    put_str(p, "\n# TYPE ");
    put_str(p, name);
    put_str(p, " ");
    put_str(p, type);
    put_str(p, "\n");
}

void
srv_prom_u64(srv_prom *p, const char *name, const srv_label *labels, size_t nlabels, uint64_t value)
{
    put_series(p, name, NULL, labels, nlabels, NULL);
    put_u64_line(p, value);
}

void
srv_prom_f64(srv_prom *p, const char *name, const srv_label *labels, size_t nlabels, double value)
{
    put_series(p, name, NULL, labels, nlabels, NULL);
    put_f64_line(p, value);
}

void
srv_prom_histogram(srv_prom *p, const char *name, const srv_label *labels, size_t nlabels,
                   const double *le, const uint64_t *counts, size_t nb, double sum)
{
    uint64_t cum = 0;
    char bound[32];

    for (size_t i = 0; i < nb; i++) {
        assert(i == 0 || le[i] > le[i - 1]);
        cum += counts[i];
        srv_prom_fmt_double(bound, sizeof(bound), le[i]);
        put_series(p, name, "_bucket", labels, nlabels, bound);
        put_u64_line(p, cum);
    }
    cum += counts[nb];
    put_series(p, name, "_bucket", labels, nlabels, "+Inf");
    put_u64_line(p, cum);
    put_series(p, name, "_sum", labels, nlabels, NULL);
    put_f64_line(p, sum);
    put_series(p, name, "_count", labels, nlabels, NULL);
    put_u64_line(p, cum);
}

char *
srv_prom_end(srv_prom *p, size_t *len)
{
    char *text = p->failed ? NULL : p->buf;
    size_t n = p->len;

    if (p->failed)
        free(p->buf);
    else if (!text && (text = calloc(1, 1)) == NULL)
        n = 0; /* nothing was written and there is no memory for "" */
    *p = (srv_prom){0};
    if (text && len)
        *len = n;
    return text;
}
