/* SPDX-License-Identifier: MIT */
/*
 * lens_params.c -- lens names, parameters, their checks and their canonical bytes (what a
 * receipt hashes: docs/lenses.md, "Parameters").
 */
#include <string.h>

#include "bytes.h"
#include "lens.h"

static const char *const kind_names[] = {
    [STEME__LENS_RECENCY] = "recency",
    [STEME__LENS_CONSENSUS] = "consensus",
    [STEME__LENS_VOTE_CONSENSUS] = "vote_consensus",
    [STEME__LENS_AUTHORITY] = "authority",
    [STEME__LENS_TRUST_AUTHORITY] = "trust_authority",
    [STEME__LENS_SKEPTIC] = "skeptic",
    [STEME__LENS_LAYERED] = "layered",
};

static const char *const reason_names[] = {
    [STEME__LENS_WINNER] = "winner",
    [STEME__LENS_EMPTY] = "empty",
    [STEME__LENS_TIE] = "tie",
    [STEME__LENS_LOW_SUPPORT] = "low_support",
    [STEME__LENS_NO_WEIGHT] = "no_weight",
    [STEME__LENS_BY_DESIGN] = "by_design",
    [STEME__LENS_NO_MARGIN] = "no_margin",
};

static const char *const reason_texts[] = {
    [STEME__LENS_WINNER] = "a value won",
    [STEME__LENS_EMPTY] = "there are no candidates",
    [STEME__LENS_TIE] = "the best values tie on every criterion of the lens",
    [STEME__LENS_LOW_SUPPORT] = "no value has the minimum number of agents",
    [STEME__LENS_NO_WEIGHT] = "every value that may win weighs 0",
    [STEME__LENS_BY_DESIGN] = "this lens shows the distribution and never picks",
    [STEME__LENS_NO_MARGIN] = "no lens of the chain won by the margin",
};

const char *
steme__lens_kind_name(steme__lens_kind kind)
{
    if ((int)kind < STEME__LENS_RECENCY || kind > STEME__LENS_KIND_MAX)
        return NULL;
    return kind_names[kind];
}

int
steme__lens_kind_parse(const char *name)
{
    for (int k = STEME__LENS_RECENCY; name != NULL && k <= STEME__LENS_KIND_MAX; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return 0;
}

const char *
steme__lens_reason_name(steme__lens_reason r)
{
    if ((int)r < 0 || r > STEME__LENS_NO_MARGIN)
        return "unknown";
    return reason_names[r];
}

const char *
steme__lens_reason_text(steme__lens_reason r)
{
    if ((int)r < 0 || r > STEME__LENS_NO_MARGIN)
        return "unknown";
    return reason_texts[r];
}

void
steme__lens_params_init(steme__lens_params *p, steme__lens_kind kind)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->version = STEME__LENS_VERSION;
    p->min_support = 1;
    p->outlier_ratio = 10 * 1000000u;
    p->minority_share = 250000;
    if (kind == STEME__LENS_LAYERED) {
        p->chain[0] = STEME__LENS_AUTHORITY;
        p->chain[1] = STEME__LENS_CONSENSUS;
        p->chain[2] = STEME__LENS_RECENCY;
        p->n_chain = 3;
    }
}

bool
steme__lens_uses(const steme__lens_params *p, steme__lens_kind kind)
{
    if (p->kind != STEME__LENS_LAYERED)
        return p->kind == kind;
    for (size_t i = 0; i < p->n_chain; i++)
        if (p->chain[i] == kind)
            return true;
    return false;
}

static steme_err
refuse(steme_errinfo *ei, const char *field, const char *rule)
{
    if (ei != NULL)
        *ei = (steme_errinfo){.field = field, .rule = rule, .offset = 0};
    return STEME_EINVAL;
}

static bool
uses_tier_weights(const steme__lens_params *p)
{
    if (p->kind == STEME__LENS_AUTHORITY || p->kind == STEME__LENS_TRUST_AUTHORITY)
        return true;
    if (p->kind != STEME__LENS_LAYERED)
        return false;
    for (size_t i = 0; i < p->n_chain; i++)
        if (p->chain[i] == STEME__LENS_AUTHORITY || p->chain[i] == STEME__LENS_TRUST_AUTHORITY)
            return true;
    return false;
}

steme_err
steme__lens_params_check(const steme__lens_params *p, steme_errinfo *ei)
{
    if (p == NULL || steme__lens_kind_name(p->kind) == NULL)
        return refuse(ei, "lens", "unknown lens");
    if (p->version != STEME__LENS_VERSION)
        return refuse(ei, "version", "unknown version of this lens (only 1)");
    if (p->tier_weights_set)
        for (int t = STEME_TIER_REGULATORY; t <= STEME_TIER_UNVERIFIED; t++)
            if (p->tier_weights[t] > 1000000)
                return refuse(ei, "tier_weights", "a weight is not in [0, 1]");
    if (p->kind == STEME__LENS_SKEPTIC) {
        if (p->outlier_ratio <= 1000000)
            return refuse(ei, "outlier_ratio", "must be more than 1");
        if (p->minority_share > 1000000)
            return refuse(ei, "minority_share", "must be in [0, 1]");
    }
    if (p->kind == STEME__LENS_LAYERED) {
        if (p->margin > 1000000)
            return refuse(ei, "margin", "must be in [0, 1]");
        if (p->n_chain == 0 || p->n_chain > STEME__LENS_MAX_CHAIN)
            return refuse(ei, "chain", "needs 1 to 4 lenses");
        for (size_t i = 0; i < p->n_chain; i++) {
            if (steme__lens_kind_name(p->chain[i]) == NULL)
                return refuse(ei, "chain", "unknown lens");
            /* A skeptic never picks and a nested chain is the same chain spelled longer. */
            if (p->chain[i] == STEME__LENS_SKEPTIC || p->chain[i] == STEME__LENS_LAYERED)
                return refuse(ei, "chain", "skeptic and layered cannot be links of a chain");
        }
    }
    return STEME_OK;
}

typedef struct pbuf {
    uint8_t *p;
    size_t cap;
    size_t len;
} pbuf;

static void
put(pbuf *b, const void *s, size_t n)
{
    if (b->len + n <= b->cap)
        memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void
put_u32(pbuf *b, uint32_t v)
{
    uint8_t x[4];
    steme__put_u32(x, v);
    put(b, x, 4);
}

static void
put_name(pbuf *b, steme__lens_kind kind)
{
    const char *name = steme__lens_kind_name(kind);
    uint8_t n = (uint8_t)strlen(name);
    put(b, &n, 1);
    put(b, name, n);
}

steme_err
steme__lens_params_encode(const steme__lens_params *p, uint8_t *buf, size_t cap, size_t *ret_len)
{
    steme_err err = steme__lens_params_check(p, NULL);
    if (err != STEME_OK)
        return err;
    pbuf b = {buf, buf ? cap : 0, 0};
    put_name(&b, p->kind);
    put_u32(&b, p->version);
    put_u32(&b, p->min_support > 1 ? p->min_support : 1);
    if (uses_tier_weights(p)) {
        uint8_t set = p->tier_weights_set;
        put(&b, &set, 1);
        for (int t = STEME_TIER_REGULATORY; set && t <= STEME_TIER_UNVERIFIED; t++)
            put_u32(&b, p->tier_weights[t]);
    }
    if (p->kind == STEME__LENS_SKEPTIC) {
        put_u32(&b, p->outlier_ratio);
        put_u32(&b, p->minority_share);
    }
    if (p->kind == STEME__LENS_LAYERED) {
        uint8_t n = (uint8_t)p->n_chain;
        put_u32(&b, p->margin);
        put(&b, &n, 1);
        for (size_t i = 0; i < p->n_chain; i++)
            put_name(&b, p->chain[i]);
    }
    if (b.len > b.cap)
        return STEME_ELIMIT;
    *ret_len = b.len;
    return STEME_OK;
}
