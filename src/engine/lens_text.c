/* SPDX-License-Identifier: MIT */
/*
 * lens_text.c -- explanations: a bounded writer and the generic sentence every winner-picking
 * lens shares ("<value> <why> against <alternatives>"). The text is part of the result's bytes,
 * so everything in it is deterministic: no locale, numbers exactly as printf's conversions write
 * them (numfmt.h, or printf itself), times formatted by hand in UTC.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lens_int.h"
#include "numfmt.h"

/* Alternatives named in an explanation; the rest are counted ("and 4 more"). */
#define ALTS_SHOWN 3
/* Bytes of a string value shown before "...". */
#define VALUE_SHOWN 48

/* The text did not fit: keep what fits of p up to 4 bytes before the end, and the byte after
 * it (to see whether the cut splits a character), then end in "...". */
static void
cut(steme__lens_text *t, const char *p)
{
    size_t len = sizeof t->buf - 4;
    if (p != NULL && len + 1 > t->len)
        memcpy(t->buf + t->len, p, len + 1 - t->len);
    while (len > 0 && ((unsigned char)t->buf[len] & 0xC0) == 0x80)
        len--;
    memcpy(t->buf + len, "...", 4);
    t->len = len + 3;
    t->full = true;
}

/* Appends n bytes; past the buffer's end, cuts: the text ends in "..." on a UTF-8 boundary
 * and takes nothing more. */
static void
put(steme__lens_text *t, const char *p, size_t n)
{
    if (t->full)
        return;
    size_t room = sizeof t->buf - t->len;
    if (n < room) {
        memcpy(t->buf + t->len, p, n);
        t->len += n;
        t->buf[t->len] = '\0';
        return;
    }
    cut(t, p);
}

/* Most pieces of an explanation are words or a value already written out: they are copied,
 * not run through vsnprintf (a fresh answer writes about thirty pieces). */
void
steme__text_printf(steme__lens_text *t, const char *fmt, ...)
{
    va_list ap;
    if (t->full)
        return;
    va_start(ap, fmt);
    if (strchr(fmt, '%') == NULL) {
        put(t, fmt, strlen(fmt));
    } else if (strcmp(fmt, "%s") == 0) {
        const char *arg = va_arg(ap, const char *);
        put(t, arg, strlen(arg));
    } else {
        size_t room = sizeof t->buf - t->len;
        int n = vsnprintf(t->buf + t->len, room, fmt, ap);
        if (n >= 0 && (size_t)n < room)
            t->len += (size_t)n;
        else if (n >= 0)
            cut(t, NULL); /* vsnprintf wrote what fits */
    }
    va_end(ap);
}

void
steme__text_value(steme__lens_text *t, const steme__lens_gstat *g)
{
    char v[2 * VALUE_SHOWN + STEME_MAX_UNIT + 16];
    steme__value_format(&g->rep->value, VALUE_SHOWN, v, sizeof v);
    steme__text_printf(t, "%s", v);
}

/* "<n> <noun>" with an "s" unless n is 1. */
static void
put_count(steme__lens_text *t, uint32_t n, const char *noun)
{
    char digits[10];
    size_t k = sizeof digits;
    for (uint32_t v = n;; v /= 10) {
        digits[--k] = (char)('0' + v % 10);
        if (v < 10)
            break;
    }
    put(t, digits + k, sizeof digits - k);
    put(t, " ", 1);
    put(t, noun, strlen(noun));
    if (n != 1)
        put(t, "s", 1);
}

void
steme__text_support(steme__lens_text *t, const steme__lens_gstat *g, const char *sep)
{
    put_count(t, g->agents, "agent");
    put(t, sep, strlen(sep));
    put_count(t, g->sources, "source");
}

void
steme__text_num(steme__lens_text *t, double x)
{
    char b[32];
    if (steme__fmt_g(x, 3, b))
        put(t, b, strlen(b));
    else
        steme__text_printf(t, "%.3g", x);
}

void
steme__text_fixed(steme__lens_text *t, double x, int prec)
{
    char b[32];
    if (steme__fmt_f(x, prec, b))
        put(t, b, strlen(b));
    else
        steme__text_printf(t, "%.*f", prec, x);
}

/* Civil date of a day count since 1970-01-01 (H. Hinnant's civil_from_days). */
static void
civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void
steme__text_time(steme__lens_text *t, int64_t ms)
{
    int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
    int64_t sec = s - days * 86400, y;
    unsigned m, d;
    civil(days, &y, &m, &d);
    steme__text_printf(t, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
                       (unsigned)(sec / 3600), (unsigned)(sec / 60 % 60), (unsigned)(sec % 60));
}

static const steme__lens_gstat *
at(const steme__lens_work *w, size_t pos)
{
    return &w->groups[w->order[pos]];
}

/* Every group but the one at position skip, in ranking order: ALTS_SHOWN of them, then
 * ", and N more". */
static void
alternatives(steme__lens_text *t, const steme__lens_work *w, const steme__lens_decision *d,
             size_t skip)
{
    size_t shown = 0, total = skip < w->n_groups ? w->n_groups - 1 : w->n_groups;
    for (size_t pos = 0; pos < w->n_groups && shown < ALTS_SHOWN; pos++) {
        if (pos == skip)
            continue;
        steme__text_printf(t, "%s", shown ? ", " : "");
        steme__text_value(t, at(w, pos));
        d->ops->alt(t, at(w, pos));
        shown++;
    }
    if (total > shown)
        steme__text_printf(t, ", and %zu more", total - shown);
}

void
steme__lens_explain(steme__lens_text *t, const steme__lens_work *w, const steme__lens_decision *d)
{
    if (w->n_groups == 0) {
        steme__text_printf(t, "no candidates");
        return;
    }
    if (d->ops->explain != NULL) {
        d->ops->explain(t, w);
        return;
    }
    if (d->has_winner) {
        steme__text_value(t, at(w, d->winner));
        steme__text_printf(t, " ");
        d->ops->why(t, at(w, d->winner));
        if (w->n_groups == 1) {
            steme__text_printf(t, ", uncontested");
        } else {
            steme__text_printf(t, " against ");
            alternatives(t, w, d, d->winner);
        }
        return;
    }
    switch (d->reason) {
    case STEME__LENS_TIE: {
        /* The first value that may win and the next one the lens cannot tell from it. */
        uint32_t min = w->p->min_support > 1 ? w->p->min_support : 1;
        size_t a = 0, b;
        while (at(w, a)->agents < min)
            a++;
        for (b = a + 1; at(w, b)->agents < min; b++)
            ;
        steme__text_printf(t, "no winner, tie between ");
        steme__text_value(t, at(w, a));
        d->ops->alt(t, at(w, a));
        steme__text_printf(t, " and ");
        steme__text_value(t, at(w, b));
        d->ops->alt(t, at(w, b));
        break;
    }
    case STEME__LENS_LOW_SUPPORT:
        steme__text_printf(t, "no winner, no value has %u agents (best: ", w->p->min_support);
        steme__text_value(t, at(w, 0));
        steme__text_printf(t, " with ");
        steme__text_support(t, at(w, 0), ", ");
        steme__text_printf(t, ")");
        break;
    case STEME__LENS_NO_WEIGHT:
        steme__text_printf(t, "no winner, every value that may win weighs 0: ");
        alternatives(t, w, d, SIZE_MAX);
        break;
    default:
        steme__text_printf(t, "no winner (%s)", steme__lens_reason_name(d->reason));
        break;
    }
}
