/* SPDX-License-Identifier: MIT */
/*
 * value_norm.c -- unit normalisation, numeric tolerance, canonical group keys and the display
 * form of values for the read side (docs/lenses.md, "Grouping values").
 *
 * The unit table is deliberately small: units whose conversion is exact in meaning (SI
 * prefixes, fractions, fixed time spans). Months and years (variable length), composite units
 * ("mg/kg") and anything else stay as written and only equal the same unit, byte for byte.
 */
#include "value_norm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "shortest.h"

/*
 * One unit: value_in_base = value * mul, or value / div. Each factor is an exactly
 * representable integer, so a conversion is one correctly rounded operation: dividing by 100
 * rather than multiplying by the inexact 0.01 keeps "0.2 %" within half an ulp of 0.002.
 */
typedef struct unit_def {
    const char *name;
    steme__dim dim;
    double mul; /* 0 when div is used */
    double div;
} unit_def;

static const unit_def units[] = {
    {"%", STEME__DIM_NONE, 0, 1e2},
    {"\xe2\x80\xb0", STEME__DIM_NONE, 0, 1e3}, /* U+2030 PER MILLE SIGN */
    {"ppm", STEME__DIM_NONE, 0, 1e6},
    {"ppb", STEME__DIM_NONE, 0, 1e9},
    {"per 1000", STEME__DIM_NONE, 0, 1e3},
    {"per 10000", STEME__DIM_NONE, 0, 1e4},
    {"per 100000", STEME__DIM_NONE, 0, 1e5},
    {"per 1000000", STEME__DIM_NONE, 0, 1e6},
    {"ng", STEME__DIM_MASS, 0, 1e9},
    {"\xc2\xb5g", STEME__DIM_MASS, 0, 1e6}, /* U+00B5 MICRO SIGN */
    {"\xce\xbcg", STEME__DIM_MASS, 0, 1e6}, /* U+03BC GREEK SMALL LETTER MU */
    {"ug", STEME__DIM_MASS, 0, 1e6},
    {"mcg", STEME__DIM_MASS, 0, 1e6},
    {"mg", STEME__DIM_MASS, 0, 1e3},
    {"g", STEME__DIM_MASS, 1, 0},
    {"kg", STEME__DIM_MASS, 1e3, 0},
    {"ml", STEME__DIM_VOLUME, 0, 1e3},
    {"mL", STEME__DIM_VOLUME, 0, 1e3},
    {"l", STEME__DIM_VOLUME, 1, 0},
    {"L", STEME__DIM_VOLUME, 1, 0},
    {"ms", STEME__DIM_TIME, 0, 1e3},
    {"s", STEME__DIM_TIME, 1, 0},
    {"min", STEME__DIM_TIME, 60, 0},
    {"h", STEME__DIM_TIME, 3600, 0},
    {"d", STEME__DIM_TIME, 86400, 0},
};

static const unit_def *
find_unit(steme_str u)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == u.len && memcmp(units[i].name, u.ptr, u.len) == 0)
            return &units[i];
    return NULL;
}

const char *
steme__dim_base(steme__dim dim)
{
    switch (dim) {
    case STEME__DIM_MASS:
        return "g";
    case STEME__DIM_VOLUME:
        return "l";
    case STEME__DIM_TIME:
        return "s";
    case STEME__DIM_NONE:
    case STEME__DIM_OTHER:
        break;
    }
    return "";
}

steme_err
steme__value_norm(const steme_value *v, steme__vnorm *ret)
{
    steme__vnorm n = {0};
    n.cls = (steme__vclass)v->type;
    switch (v->type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        if (v->str.len > STEME_MAX_TEXT || (v->str.len && v->str.ptr == NULL))
            return STEME_EINVAL;
        n.bytes = v->str;
        break;
    case STEME_VALUE_INTEGER:
        n.integer = v->integer;
        break;
    case STEME_VALUE_BOOLEAN:
        n.boolean = v->boolean;
        break;
    case STEME_VALUE_NUMBER: {
        if (!isfinite(v->number) || v->unit.len > STEME_MAX_UNIT ||
            (v->unit.len && v->unit.ptr == NULL))
            return STEME_EINVAL;
        double x = v->number;
        if (v->unit.len == 0) {
            n.dim = STEME__DIM_NONE;
        } else {
            const unit_def *u = find_unit(v->unit);
            if (u == NULL) {
                n.dim = STEME__DIM_OTHER;
                n.unit = v->unit;
            } else {
                n.dim = u->dim;
                x = u->div != 0 ? x / u->div : x * u->mul;
            }
        }
        /* x * 1000 can overflow near DBL_MAX; such a value has no place in a group. */
        if (!isfinite(x))
            return STEME_EINVAL;
        n.num = x == 0 ? 0.0 : x; /* -0.0 and 0.0 are one value */
        break;
    }
    default:
        return STEME_EINVAL;
    }
    *ret = n;
    return STEME_OK;
}

/* A double as an unsigned integer with the same order (IEEE-754 total order for non-NaN). */
static uint64_t
ordered_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int
cmp_bytes(steme_str a, steme_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return cmp_u64(a.len, b.len);
}

int
steme__vnorm_cmp(const steme__vnorm *a, const steme__vnorm *b)
{
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    switch (a->cls) {
    case STEME__VCLASS_STRING:
    case STEME__VCLASS_REF:
        return cmp_bytes(a->bytes, b->bytes);
    case STEME__VCLASS_INTEGER:
        return cmp_u64((uint64_t)a->integer ^ (UINT64_C(1) << 63),
                       (uint64_t)b->integer ^ (UINT64_C(1) << 63));
    case STEME__VCLASS_BOOLEAN:
        return (int)a->boolean - (int)b->boolean;
    case STEME__VCLASS_NUMBER:
        if (a->dim != b->dim)
            return (uint8_t)a->dim < (uint8_t)b->dim ? -1 : 1;
        if (a->dim == STEME__DIM_OTHER) {
            /* The key holds the unit's length before its bytes. */
            if (a->unit.len != b->unit.len)
                return a->unit.len < b->unit.len ? -1 : 1;
            int c = cmp_bytes(a->unit, b->unit);
            if (c != 0)
                return c;
        }
        return cmp_u64(ordered_bits(a->num), ordered_bits(b->num));
    }
    return 0;
}

bool
steme__num_near(double a, double b)
{
    double d = fabs(a - b);
    double m = fmax(fabs(a), fabs(b));
    return d <= STEME__NUM_REL_TOL * m || d <= STEME__NUM_ABS_TOL;
}

bool
steme__vnorm_near(const steme__vnorm *a, const steme__vnorm *b)
{
    if (a->cls != b->cls)
        return false;
    if (a->cls != STEME__VCLASS_NUMBER)
        return steme__vnorm_cmp(a, b) == 0;
    if (a->dim != b->dim)
        return false;
    if (a->dim == STEME__DIM_OTHER && cmp_bytes(a->unit, b->unit) != 0)
        return false;
    return steme__num_near(a->num, b->num);
}

size_t
steme__vnorm_key(const steme__vnorm *v, uint8_t *buf, size_t cap)
{
    uint8_t tmp[2 + 1 + STEME_MAX_UNIT + 8];
    size_t n = 0;
    const steme_str *tail = NULL;
    tmp[n++] = (uint8_t)v->cls;
    switch (v->cls) {
    case STEME__VCLASS_STRING:
    case STEME__VCLASS_REF:
        tail = &v->bytes;
        break;
    case STEME__VCLASS_INTEGER:
        steme__put_u64(tmp + n, (uint64_t)v->integer ^ (UINT64_C(1) << 63));
        n += 8;
        break;
    case STEME__VCLASS_BOOLEAN:
        tmp[n++] = v->boolean ? 1 : 0;
        break;
    case STEME__VCLASS_NUMBER:
        tmp[n++] = (uint8_t)v->dim;
        if (v->dim == STEME__DIM_OTHER) {
            tmp[n++] = (uint8_t)v->unit.len;
            memcpy(tmp + n, v->unit.ptr, v->unit.len);
            n += v->unit.len;
        }
        steme__put_u64(tmp + n, ordered_bits(v->num));
        n += 8;
        break;
    }
    size_t total = n + (tail ? tail->len : 0);
    if (buf != NULL && cap >= total) {
        memcpy(buf, tmp, n);
        if (tail && tail->len)
            memcpy(buf + n, tail->ptr, tail->len);
    }
    return total;
}

void
steme__num_format(double x, char buf[32])
{
    /* The fewest significant digits that read back exactly ("0.2", not
     * "0.20000000000000001"), then plain notation where %g would switch to an exponent only
     * because the precision is short ("40", not "4e+01"). */
    int first;
    /* %g writes these plainly: its exponent form starts below 1e-4. */
    if (steme__plain_decimal(x, buf, &first) && first >= -4)
        return;
    int prec = isfinite(x) ? steme__shortest_digits(x) : 17;
    char e[32];
    snprintf(e, sizeof e, "%.*e", prec - 1, x);
    int exp10 = atoi(strchr(e, 'e') + 1);
    if (exp10 >= prec && exp10 < 17)
        prec = exp10 + 1;
    snprintf(buf, 32, "%.*g", prec, x);
}

/* A bounded appender: output past cap - 1 is dropped; len counts what was kept. */
typedef struct outbuf {
    char *p;
    size_t cap;
    size_t len;
} outbuf;

static void
put(outbuf *o, const char *s, size_t n)
{
    if (o->cap == 0)
        return;
    size_t room = o->cap - 1 - o->len;
    if (n > room)
        n = room;
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void
puts_(outbuf *o, const char *s)
{
    put(o, s, strlen(s));
}

/* Length of the longest prefix of s[0..len) of at most max bytes that ends on a UTF-8
 * boundary (the input is valid UTF-8: the codec guarantees it). */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void
put_text(outbuf *o, steme_str s, size_t max_text, bool escape)
{
    size_t n = utf8_cut(s.ptr, s.len, max_text);
    for (size_t i = 0; i < n; i++) {
        char c = s.ptr[i];
        if (escape && (c == '"' || c == '\\')) {
            put(o, "\\", 1);
            put(o, &c, 1);
        } else if (escape && c == '\n') {
            puts_(o, "\\n");
        } else if (escape && c == '\t') {
            puts_(o, "\\t");
        } else {
            put(o, &c, 1);
        }
    }
    if (n < s.len)
        puts_(o, "...");
}

size_t
steme__value_format(const steme_value *v, size_t max_text, char *buf, size_t cap)
{
    outbuf o = {buf, cap, 0};
    char num[32];
    if (cap)
        buf[0] = '\0';
    switch (v->type) {
    case STEME_VALUE_STRING:
        puts_(&o, "\"");
        put_text(&o, v->str, max_text, true);
        puts_(&o, "\"");
        break;
    case STEME_VALUE_REF:
        puts_(&o, "<");
        put_text(&o, v->str, max_text, false);
        puts_(&o, ">");
        break;
    case STEME_VALUE_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)v->integer);
        puts_(&o, num);
        break;
    case STEME_VALUE_BOOLEAN:
        puts_(&o, v->boolean ? "true" : "false");
        break;
    case STEME_VALUE_NUMBER:
        steme__num_format(v->number == 0 ? 0.0 : v->number, num);
        puts_(&o, num);
        if (v->unit.len) {
            puts_(&o, " ");
            put_text(&o, v->unit, STEME_MAX_UNIT, false);
        }
        break;
    default:
        puts_(&o, "?");
        break;
    }
    return o.len;
}
