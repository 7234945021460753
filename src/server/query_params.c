/* SPDX-License-Identifier: MIT */
/*
 * query_params.c -- one parser of query parameters for the query routes (see query_params.h):
 * the query string's arguments are turned into the JSON values a POST sends, then one function
 * reads those values into a steme_query.
 *
 * The engine checks ranges it alone can judge (the lens and its chain, as_of against the log,
 * as_of_time against the clock, what-if sources and epochs); here only the form is checked, so
 * that no rule is written twice.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_params.h"
#include "record_json.h"
#include "utf8.h"

typedef enum kind { K_STRING, K_BOOL, K_INT, K_NUMBER, K_LIST, K_WEIGHTS, K_CAP } kind;

/* name, index, the route set that takes it, its kind; in the order read_query reads them. */
#define QUERY_PARAMS(X)                                                                            \
    X("subject", P_SUBJECT, SRV_QP_SUBJECT, K_STRING)                                              \
    X("predicate", P_PREDICATE, SRV_QP_PREDICATE, K_STRING)                                        \
    X("prefix", P_PREFIX, SRV_QP_PREFIX, K_BOOL)                                                   \
    X("lens", P_LENS, SRV_QP_LENS, K_STRING)                                                       \
    X("min_support", P_MIN_SUPPORT, SRV_QP_LENS_PARAMS, K_INT)                                     \
    X("margin", P_MARGIN, SRV_QP_LENS_PARAMS, K_NUMBER)                                            \
    X("outlier_ratio", P_OUTLIER_RATIO, SRV_QP_LENS_PARAMS, K_NUMBER)                              \
    X("minority_share", P_MINORITY_SHARE, SRV_QP_LENS_PARAMS, K_NUMBER)                            \
    X("tier_weights", P_TIER_WEIGHTS, SRV_QP_LENS_PARAMS, K_WEIGHTS)                               \
    X("as_of", P_AS_OF, SRV_QP_AS_OF, K_INT)                                                       \
    X("as_of_time", P_AS_OF_TIME, SRV_QP_AS_OF, K_STRING)                                          \
    X("valid_at", P_VALID_AT, SRV_QP_FILTERS, K_STRING)                                            \
    X("stages", P_STAGES, SRV_QP_FILTERS, K_LIST)                                                  \
    X("tiers", P_TIERS, SRV_QP_FILTERS, K_LIST)                                                    \
    X("agent", P_AGENT, SRV_QP_FILTERS, K_STRING)                                                  \
    X("explain", P_EXPLAIN, SRV_QP_EXPLAIN, K_BOOL)                                                \
    X("what_if_retract", P_WHAT_IF_RETRACT, SRV_QP_WHAT_IF, K_STRING)                              \
    X("what_if_distrust", P_WHAT_IF_DISTRUST, SRV_QP_WHAT_IF, K_STRING)                            \
    X("what_if_supersede_epoch", P_WHAT_IF_SUPERSEDE_EPOCH, SRV_QP_WHAT_IF, K_STRING)              \
    X("what_if_successor", P_WHAT_IF_SUCCESSOR, SRV_QP_WHAT_IF, K_STRING)                          \
    X("no_cache", P_NO_CACHE, SRV_QP_NO_CACHE, K_BOOL)                                             \
    X("alternatives", P_ALTERNATIVES, SRV_QP_CAPS, K_CAP)                                          \
    X("support", P_SUPPORT, SRV_QP_CAPS, K_CAP)                                                    \
    X("position", P_POSITION, SRV_QP_RECEIPT, K_INT)                                               \
    X("receipt", P_RECEIPT, SRV_QP_RECEIPT, K_STRING)

#define AS_INDEX(name, index, set, kind) index,
#define AS_PARAM(name, index, set, kind) {name, set, kind},

enum param_index { QUERY_PARAMS(AS_INDEX) N_PARAMS };

static const struct param {
    const char *name;
    unsigned set;
    kind kind;
} params[] = {QUERY_PARAMS(AS_PARAM)};

_Static_assert(N_PARAMS == SRV_QP_NPARAMS, "query_params.h counts the parameters");

/* read_query reads each parameter's value by its index in srv_qp.values, found once as the
 * arguments or the body's members are walked: neither a JSON object is built for a query
 * string nor a name hashed for every parameter a query leaves out. */

/* Answer 400 "NAME: RULE" and return false. */
static bool __attribute__((format(printf, 3, 4)))
bad(srv_req *r, const char *name, const char *fmt, ...)
{
    char rule[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rule, sizeof(rule), fmt, ap);
    va_end(ap);
    srv_fail(r, 400, "invalid", name, "%s: %s", name, rule);
    return false;
}

static const struct param *
find(const char *name, unsigned accept)
{
    for (size_t i = 0; i < N_PARAMS; i++)
        if ((params[i].set & accept) && strcmp(params[i].name, name) == 0)
            return &params[i];
    return NULL;
}

/* An argument or member the route does not take; the message lists those it does. */
static bool
unknown(srv_req *r, const char *name, unsigned accept, bool body)
{
    char list[320];
    size_t n = 0;
    list[0] = '\0';
    for (size_t i = 0; i < N_PARAMS && n < sizeof(list); i++)
        if (params[i].set & accept)
            n +=
                (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", params[i].name);
    /* The name is client input: at most 64 bytes of it are quoted. */
    if (strlen(name) > 64)
        name = body ? "body" : "query";
    if (body)
        return bad(r, name, "unknown member for %s %s (it takes %s)", r->route->method,
                   r->route->pattern, list);
    return bad(r, name, "unknown query argument for %s %s (it takes %s)", r->route->method,
               r->route->pattern, list);
}

/* ---- the query string as JSON values ----------------------------------------------- */

/* A number in the JSON grammar ("0.25", "3", "1e-3"), typed as JSON would type it. NULL when
 * text is anything else, with spaces around it, or out of range. */
static json_t *
number_text(const char *text)
{
    if (!((text[0] >= '0' && text[0] <= '9') || text[0] == '-') || strpbrk(text, " \t\r\n"))
        return NULL;
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    if (v != NULL && !json_is_number(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* Append the comma-separated names of text to the array list. */
static bool
split_list(srv_req *r, const char *name, const char *text, json_t *list)
{
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == 0)
            return bad(r, name, "a list of names separated by commas, without empty names");
        json_t *s = json_stringn(p, n);
        if (s == NULL)
            return bad(r, name, "must be UTF-8");
        json_array_append_new(list, s);
        if (!comma)
            return true;
        p = comma + 1;
    }
}

/* "tier:weight,tier:weight" as {"tier": weight, ...}. */
static json_t *
split_weights(srv_req *r, const char *name, const char *text)
{
    json_t *obj = json_object();
    bool ok = obj != NULL && *text != '\0';
    for (const char *p = text; ok;) {
        size_t n = strcspn(p, ",");
        char pair[64], *colon;
        ok = n > 0 && n < sizeof(pair);
        if (!ok)
            break;
        memcpy(pair, p, n);
        pair[n] = '\0';
        colon = strchr(pair, ':');
        json_t *w = colon && colon > pair ? number_text(colon + 1) : NULL;
        if (w)
            *colon = '\0';
        if (w && json_object_get(obj, pair)) {
            json_decref(w);
            w = NULL;
        }
        ok = w && json_object_set_new(obj, pair, w) == 0;
        if (!ok || p[n] == '\0')
            break;
        p += n + 1;
    }
    if (!ok) {
        json_decref(obj);
        bad(r, name,
            "must be TIER:WEIGHT pairs separated by commas, each tier once "
            "(regulatory:1,expert:0.5)");
        return NULL;
    }
    return obj;
}

/* One argument as its JSON value; list arguments add to prev (the array so far). Strings are
 * not made values: args_values borrows them. */
static json_t *
arg_value(srv_req *r, const struct param *p, const char *text, json_t *prev)
{
    json_t *v = NULL;
    switch (p->kind) {
    case K_STRING:
        break;
    case K_BOOL:
        if (*text == '\0' || strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            return json_true();
        if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            return json_false();
        bad(r, p->name, "must be true or false");
        return NULL;
    case K_INT:
    case K_NUMBER:
        if ((v = number_text(text)) == NULL)
            bad(r, p->name, "must be a number");
        return v;
    case K_LIST:
        v = prev ? json_incref(prev) : json_array();
        if (v && !split_list(r, p->name, text, v)) {
            json_decref(v);
            return NULL;
        }
        return v;
    case K_WEIGHTS:
        return split_weights(r, p->name, text);
    case K_CAP:
        /* "all" stays a string; anything else is read as a number, so that the rule is
         * checked once, on the JSON value (get_cap). */
        if (strcmp(text, "all") == 0)
            return json_string(text);
        if ((v = number_text(text)) == NULL)
            v = json_string(text);
        if (v == NULL)
            bad(r, p->name, "must be UTF-8");
        return v;
    }
    return NULL;
}

/* The query string's arguments as JSON values in qp->values (by parameter index); a string
 * argument is only checked and borrowed into qp->texts, since the request outlives the parse and
 * a JSON string would cost two allocations to be read once. */
static bool
args_values(srv_req *r, unsigned accept, srv_qp *qp)
{
    for (size_t i = 0; i + 1 < r->nargs; i += 2) {
        const char *name = r->args[i], *text = r->args[i + 1];
        const struct param *p = find(name, accept);
        if (!p)
            return unknown(r, name, accept, false);
        size_t at = (size_t)(p - params);
        json_t **slot = &qp->values[at], *v;
        if ((*slot || qp->texts[at]) && p->kind != K_LIST)
            return bad(r, name, "given twice");
        if (p->kind == K_STRING) {
            if (!steme__utf8_valid(text, strlen(text)))
                return bad(r, name, "must be UTF-8");
            qp->texts[at] = text;
            continue;
        }
        if ((v = arg_value(r, p, text, *slot)) == NULL)
            return false;
        json_decref(*slot); /* a list's array comes back with a reference of its own */
        *slot = v;
    }
    return true;
}

/* ---- the JSON values into a steme_query ---------------------------------------------- */

/* A string member: absent leaves *s NULL. */
static bool
get_str(srv_req *r, const srv_qp *qp, enum param_index i, const char **s)
{
    const char *name = params[i].name;
    const json_t *v = qp->values[i];
    *s = NULL;
    if (qp->texts[i]) {
        if (*qp->texts[i] == '\0')
            return bad(r, name, "must not be empty");
        *s = qp->texts[i];
        return true;
    }
    if (!v)
        return true;
    if (!json_is_string(v))
        return bad(r, name, "must be a string");
    if (json_string_length(v) == 0)
        return bad(r, name, "must not be empty");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return bad(r, name, "must not contain NUL");
    *s = json_string_value(v);
    return true;
}

static bool
get_bool(srv_req *r, const srv_qp *qp, enum param_index i, bool *b)
{
    const char *name = params[i].name;
    const json_t *v = qp->values[i];
    if (!v)
        return true;
    if (!json_is_boolean(v))
        return bad(r, name, "must be true or false");
    *b = json_is_true(v);
    return true;
}

/* An integer member in [lo, hi]; absent leaves *u untouched. */
static bool
get_int(srv_req *r, const srv_qp *qp, enum param_index i, uint64_t lo, uint64_t hi, uint64_t *u)
{
    const char *name = params[i].name;
    const json_t *v = qp->values[i];
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < lo ||
        (uint64_t)json_integer_value(v) > hi)
        return bad(r, name, "must be an integer from %llu to %llu", (unsigned long long)lo,
                   (unsigned long long)hi);
    *u = (uint64_t)json_integer_value(v);
    return true;
}

/* A cap on what an answer lists: an integer in [0, STEME__JSON_CAP_MAX] or "all"; absent
 * leaves *cap untouched. */
static bool
get_cap(srv_req *r, const srv_qp *qp, enum param_index i, size_t *cap)
{
    const char *name = params[i].name;
    const json_t *v = qp->values[i];
    if (!v)
        return true;
    if (json_is_string(v) && strcmp(json_string_value(v), "all") == 0) {
        *cap = SIZE_MAX;
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > STEME__JSON_CAP_MAX)
        return bad(r, name, "must be an integer from 0 to %d, or \"all\"", STEME__JSON_CAP_MAX);
    *cap = (size_t)json_integer_value(v);
    return true;
}

/* A fraction in parts per million from a number member v: (lo, hi] when lo_open, else [lo, hi]. */
static bool
ppm_value(srv_req *r, const char *name, const json_t *v, double lo, bool lo_open, double hi,
          uint32_t *ppm)
{
    double d = json_number_value(v);
    if (!json_is_number(v) || d < lo || (lo_open && d == lo) || d > hi)
        return bad(r, name, "must be a number in %c%g, %g]", lo_open ? '(' : '[', lo, hi);
    *ppm = (uint32_t)(d * 1e6 + 0.5);
    return true;
}

static bool
get_ppm(srv_req *r, const srv_qp *qp, enum param_index i, double lo, bool lo_open, double hi,
        uint32_t *ppm)
{
    const json_t *v = qp->values[i];
    return !v || ppm_value(r, params[i].name, v, lo, lo_open, hi, ppm);
}

/* An RFC 3339 time member; absent leaves *present false. */
static bool
get_time(srv_req *r, const srv_qp *qp, enum param_index i, int64_t *ms, bool *present)
{
    const char *s;
    *present = false;
    if (!get_str(r, qp, i, &s))
        return false;
    if (!s)
        return true;
    int64_t t;
    if (steme__time_parse(s, &t) != STEME_OK || t < 0 || t > STEME_TIME_MAX)
        return bad(r, params[i].name,
                   "must be an RFC 3339 time from 1970-01-01T00:00:00Z to "
                   "9999-12-31T23:59:59.999Z (2024-05-01T12:00:00Z)");
    *ms = t;
    *present = true;
    return true;
}

/* A member of 64 hex digits (a public key or a receipt). */
static bool
get_hex32(srv_req *r, const srv_qp *qp, enum param_index i, const char *what, uint8_t out[32],
          bool *present)
{
    const char *s;
    *present = false;
    if (!get_str(r, qp, i, &s))
        return false;
    if (!s)
        return true;
    if (strlen(s) != 64 || steme_unhex(s, out, 32) != STEME_OK)
        return bad(r, params[i].name, "must be %s (64 hex digits)", what);
    *present = true;
    return true;
}

/* A list of stage or tier names as a mask. */
static bool
get_mask(srv_req *r, const srv_qp *qp, enum param_index which, bool stages, uint32_t *mask)
{
    const char *name = params[which].name;
    const json_t *v = qp->values[which];
    if (!v)
        return true;
    char known[160];
    size_t n = 0;
    for (int i = 1; n < sizeof(known); i++) {
        const char *k = stages ? steme_stage_name((steme_stage)i) : steme_tier_name((steme_tier)i);
        if (!k || (!stages && i > STEME_TIER_UNVERIFIED))
            break;
        n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", n ? ", " : "", k);
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return bad(r, name, "must be a non-empty list of %s names (%s)", stages ? "stage" : "tier",
                   known);
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        const char *s = json_string_value(e);
        int k = s ? (stages ? steme_stage_parse(s) : steme_tier_parse(s)) : 0;
        if (k <= 0)
            return bad(r, name, "'%s' is not a %s (%s)", s ? s : "(not a string)",
                       stages ? "stage" : "tier", known);
        *mask |= stages ? STEME_STAGE_BIT(k) : STEME_TIER_BIT(k);
    }
    return true;
}

static bool
get_weights(srv_req *r, const srv_qp *qp, steme_query *q)
{
    const json_t *v = qp->values[P_TIER_WEIGHTS];
    if (!v)
        return true;
    if (!json_is_object(v) || json_object_size(v) == 0)
        return bad(r, "tier_weights",
                   "must be an object of tier names to weights in [0, 1] "
                   "({\"regulatory\": 1, \"expert\": 0.5})");
    const char *tier;
    const json_t *w;
    json_object_foreach((json_t *)v, tier, w)
    {
        int t = steme_tier_parse(tier);
        if (t <= 0 || t > STEME_TIER_UNVERIFIED)
            return bad(r, "tier_weights", "'%s' is not a tier", tier);
        if (!ppm_value(r, "tier_weights", w, 0, false, 1, &q->tier_weights[t]))
            return false;
    }
    /* A tier left out weighs 0 (docs/lenses.md "Parameters"). */
    q->tier_weights_set = true;
    return true;
}

static bool
read_query(srv_req *r, unsigned accept, srv_qp *out)
{
    const srv_qp *o = out;
    steme_query *q = &out->q;
    const char *s;
    uint64_t u = 0;
    bool has;

    if (!get_str(r, o, P_SUBJECT, &s))
        return false;
    if (!s)
        return bad(r, "subject", "required");
    q->subject = steme_str_c(s);
    if (!get_str(r, o, P_PREDICATE, &s))
        return false;
    q->predicate = steme_str_c(s);
    if (!get_bool(r, o, P_PREFIX, &q->subject_prefix) || !get_str(r, o, P_LENS, &q->lens))
        return false;

    if (!get_int(r, o, P_MIN_SUPPORT, 0, UINT32_MAX, &u))
        return false;
    q->min_support = (uint32_t)u;
    /* 0 means "the default" to the engine: a share or ratio of 0 is refused rather than
     * silently replaced. */
    if (!get_ppm(r, o, P_MARGIN, 0, false, 1, &q->margin) ||
        !get_ppm(r, o, P_OUTLIER_RATIO, 1, true, 4000, &q->outlier_ratio) ||
        !get_ppm(r, o, P_MINORITY_SHARE, 0, true, 1, &q->minority_share) || !get_weights(r, o, q))
        return false;

    if (!get_int(r, o, P_AS_OF, 1, INT64_MAX, &q->as_of) ||
        !get_time(r, o, P_AS_OF_TIME, &q->as_of_time, &has))
        return false;
    if (has && q->as_of_time == 0)
        return bad(r, "as_of_time", "must be after 1970-01-01T00:00:00Z");
    if (has && q->as_of != 0)
        return bad(r, "as_of_time", "give as_of or as_of_time, not both");
    if (!get_time(r, o, P_VALID_AT, &q->valid_at, &q->has_valid_at) ||
        !get_mask(r, o, P_STAGES, true, &q->stages) || !get_mask(r, o, P_TIERS, false, &q->tiers) ||
        !get_hex32(r, o, P_AGENT, "a public key", q->agent.b, &q->has_agent))
        return false;

    if (!get_bool(r, o, P_EXPLAIN, &out->explain) || !get_str(r, o, P_WHAT_IF_RETRACT, &s))
        return false;
    q->what_if_retract = steme_str_c(s);
    if (!get_hex32(r, o, P_WHAT_IF_DISTRUST, "a public key", q->what_if_distrust.b,
                   &q->has_what_if_distrust) ||
        !get_str(r, o, P_WHAT_IF_SUPERSEDE_EPOCH, &s))
        return false;
    q->what_if_supersede_epoch = steme_str_c(s);
    if (!get_str(r, o, P_WHAT_IF_SUCCESSOR, &s))
        return false;
    q->what_if_successor = steme_str_c(s);
    if (!get_bool(r, o, P_NO_CACHE, &q->no_cache) ||
        !get_cap(r, o, P_ALTERNATIVES, &out->opts.max_alternatives) ||
        !get_cap(r, o, P_SUPPORT, &out->opts.max_support))
        return false;

    if (accept & SRV_QP_RECEIPT) {
        if (!get_int(r, o, P_POSITION, 1, INT64_MAX, &out->position) ||
            !get_hex32(r, o, P_RECEIPT, "a receipt", out->receipt, &has))
            return false;
        if (out->position == 0)
            return bad(r, "position", "required: the log position the receipt names");
        if (!has)
            return bad(r, "receipt", "required");
    }
    return true;
}

bool
srv_qp_parse(srv_req *r, json_t *body, unsigned accept, srv_qp *out)
{
    memset(out, 0, sizeof(*out));
    steme_query_init(&out->q);
    out->opts = steme__json_opts_default();
    bool ok = true;
    if (body) {
        const char *name;
        json_t *v;
        json_object_foreach(body, name, v)
        {
            const struct param *p = find(name, accept);
            if (!p) {
                ok = unknown(r, name, accept, true);
                break;
            }
            out->values[p - params] = json_incref(v);
        }
    } else {
        ok = args_values(r, accept, out);
    }
    if (!ok || !read_query(r, accept, out)) {
        srv_qp_free(out);
        return false;
    }
    return true;
}

/* ---- the cache key ------------------------------------------------------------------- */

typedef struct keybuf {
    unsigned char *b;
    size_t n, cap;
    bool oom;
    unsigned char *given; /* the caller's buffer, which b starts as (never freed here) */
} keybuf;

static void
put(keybuf *k, const void *data, size_t n)
{
    if (k->oom || n == 0) /* an empty string may have a NULL pointer */
        return;
    if (k->n + n > k->cap) {
        size_t cap = k->cap ? k->cap : 256;
        while (cap < k->n + n)
            cap *= 2;
        unsigned char *nb = k->b == k->given ? malloc(cap) : realloc(k->b, cap);
        if (!nb) {
            k->oom = true;
            return;
        }
        if (k->b == k->given && k->n > 0)
            memcpy(nb, k->b, k->n);
        k->b = nb;
        k->cap = cap;
    }
    memcpy(k->b + k->n, data, n);
    k->n += n;
}

#define PUT(k, v) put((k), &(v), sizeof(v))

/* A string, length first, so that no two sequences of strings encode alike. */
static void
put_str(keybuf *k, steme_str s)
{
    uint64_t n = s.len;
    PUT(k, n);
    put(k, s.ptr, s.len);
}

/* A new member of steme_query changes its size: it must then be added to the key below (or
 * said not to shape the body, as audit and asker do not), and this number updated. Checked
 * on 64-bit builds, which CI makes. */
_Static_assert(sizeof(void *) != 8 || sizeof(steme_query) == 288,
               "steme_query changed: review srv_qp_key()");

unsigned char *
srv_qp_key(const srv_qp *p, unsigned char *buf, size_t cap, size_t *len)
{
    const steme_query *q = &p->q;
    keybuf k = {.b = buf, .cap = buf ? cap : 0, .given = buf};
    const uint8_t version = 1;
    uint8_t flags = (uint8_t)(q->subject_prefix | q->tier_weights_set << 1 | q->has_valid_at << 2 |
                              q->has_agent << 3 | q->has_what_if_distrust << 4 | q->no_cache << 5 |
                              p->explain << 6 | (q->lens != NULL) << 7);
    uint64_t caps[2] = {p->opts.max_alternatives, p->opts.max_support};
    uint32_t lens_params[4] = {q->min_support, q->margin, q->outlier_ratio, q->minority_share};
    uint32_t masks[2] = {q->stages, q->tiers};
    int64_t times[3] = {(int64_t)q->as_of, q->as_of_time, q->has_valid_at ? q->valid_at : 0};

    PUT(&k, version);
    PUT(&k, flags);
    put_str(&k, q->subject);
    put_str(&k, q->predicate);
    put_str(&k, steme_str_c(q->lens ? q->lens : ""));
    PUT(&k, lens_params);
    if (q->tier_weights_set)
        PUT(&k, q->tier_weights);
    PUT(&k, times);
    PUT(&k, masks);
    if (q->has_agent)
        PUT(&k, q->agent.b);
    put_str(&k, q->what_if_retract);
    if (q->has_what_if_distrust)
        PUT(&k, q->what_if_distrust.b);
    put_str(&k, q->what_if_supersede_epoch);
    put_str(&k, q->what_if_successor);
    PUT(&k, caps);
    if (k.oom) {
        if (k.b != buf)
            free(k.b);
        return NULL;
    }
    *len = k.n;
    return k.b;
}

void
srv_qp_free(srv_qp *p)
{
    for (size_t i = 0; i < N_PARAMS; i++) {
        json_decref(p->values[i]);
        p->values[i] = NULL;
    }
}

void
srv_qp_fail(srv_req *r, steme_err err, const steme_errinfo *ei, bool receipt)
{
    steme_errinfo m = ei ? *ei : (steme_errinfo){0};
    if (m.field && (strcmp(m.field, "chain") == 0 || strcmp(m.field, "version") == 0))
        m.field = "lens";
    else if (m.field && receipt && strcmp(m.field, "as_of") == 0)
        m.field = "position";
    srv_fail_err(r, err, m.field || m.rule ? &m : NULL, NULL);
}

const char *
srv_qp_lens_label(const char *canonical)
{
    static const char *const labels[] = {
        "recency",         "consensus", "vote_consensus", "authority",
        "trust_authority", "skeptic",   "layered",
    };
    size_t n = canonical ? strcspn(canonical, ":") : 0;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strlen(labels[i]) == n && strncmp(labels[i], canonical, n) == 0)
            return labels[i];
    return "other";
}
