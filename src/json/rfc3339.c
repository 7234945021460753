/* SPDX-License-Identifier: MIT */
/*
 * rfc3339.c -- record times (ms since the epoch) to and from RFC 3339 text, for the JSON form.
 *
 * Written out as UTC with milliseconds ("2024-05-01T12:00:00.000Z"), so that text and
 * milliseconds map one to one. Read in any RFC 3339 form: "Z" or a numeric offset, no fraction
 * or any number of fractional digits as long as nothing finer than a millisecond is lost. The
 * calendar arithmetic is done here (proleptic Gregorian, days from 1970-01-01) rather than with
 * timegm/gmtime so that it neither depends on time_t's range nor on the C library.
 */
#include <inttypes.h>
#include <stdio.h>

#include "record_json.h"

#define MS_PER_DAY 86400000LL

/* Days from 1970-01-01 to y-m-d (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
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

static bool
is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(int64_t y, unsigned m)
{
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

void
steme__time_format(int64_t ms, char out[32])
{
    int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    unsigned msec = (unsigned)(rem % 1000), sec = (unsigned)(rem / 1000);
    /* Valid record times have four-digit years; others are printed as they are, clipped. */
    if (y < -99999 || y > 999999)
        y = y < 0 ? -99999 : 999999;
    /* The "% 100"s are no-ops that tell the compiler each part has two digits. */
    snprintf(out, 32, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m % 100, d % 100,
             sec / 3600 % 100, sec / 60 % 60, sec % 60, msec);
}

/* Exactly n decimal digits. */
static bool
digits(const char **p, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (unsigned)(c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool
expect(const char **p, char a, char b)
{
    if (**p != a && **p != b)
        return false;
    (*p)++;
    return true;
}

steme_err
steme__time_parse(const char *s, int64_t *ret)
{
    unsigned y, mo, d, h, mi, sec, ms = 0, oh = 0, om = 0;
    int sign = 0;

    if (s == NULL || ret == NULL)
        return STEME_EINVAL;
    const char *p = s;
    if (!digits(&p, 4, &y) || !expect(&p, '-', '-') || !digits(&p, 2, &mo) ||
        !expect(&p, '-', '-') || !digits(&p, 2, &d) || !expect(&p, 'T', 't') ||
        !digits(&p, 2, &h) || !expect(&p, ':', ':') || !digits(&p, 2, &mi) ||
        !expect(&p, ':', ':') || !digits(&p, 2, &sec))
        return STEME_EINVAL;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++) {
            if (n < 3)
                ms = ms * 10 + (unsigned)(*p - '0');
            else if (*p != '0')
                return STEME_EINVAL; /* finer than a millisecond: would be lost */
        }
        if (n == 0)
            return STEME_EINVAL;
        for (; n < 3; n++)
            ms *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (!digits(&p, 2, &oh) || !expect(&p, ':', ':') || !digits(&p, 2, &om) || oh > 23 ||
            om > 59)
            return STEME_EINVAL;
    } else {
        return STEME_EINVAL;
    }
    if (*p != '\0')
        return STEME_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
        return STEME_EINVAL;

    int64_t t = days_from_civil(y, mo, d) * MS_PER_DAY +
                ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + ms -
                (int64_t)sign * ((int64_t)oh * 60 + om) * 60000;
    if (t < 0 || t > STEME_TIME_MAX)
        return STEME_EINVAL;
    *ret = t;
    return STEME_OK;
}
