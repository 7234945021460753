/* SPDX-License-Identifier: MIT */
/*
 * query_audit.c -- the query audit (docs/lenses.md "Query audit"): who asked what, through
 * which lens, at which position, and what came back by receipt, one row per answer, so that
 * "why did agent X believe Y on Tuesday" has an answer that steme_db_verify_receipt checks.
 *
 * The rows live in the store's audit table, which is not derived state: it records queries,
 * not the log, so a rebuild keeps it and the derived-state hash leaves it out.
 *
 * Row layout (big-endian), version 1:
 *   u8 version, i64 time, u64 position, receipt[32], u32 lens version, u8 flags (1 has_winner,
 *   2 tier_weights_set, 4 has_valid_at, 8 has_agent, 16 subject_prefix), u32 min_support,
 *   margin, outlier_ratio, minority_share, u32 tier_weights[6], i64 valid_at, u32 stages,
 *   u32 tiers, agent[32], u32 n_candidates, then u16-length strings: lens (with its NUL),
 *   asker, query subject, predicate, what_if_retract, reason.
 */
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "engine.h"
#include "query.h"

#define AUDIT_VERSION 1
#define N_TIERS       (STEME_TIER_UNVERIFIED + 1)
#define FIXED_SIZE    (1 + 8 + 8 + 32 + 4 + 1 + 4 * 4 + 4 * N_TIERS + 8 + 4 + 4 + 32 + 4)
#define N_STRINGS     6

enum { F_WINNER = 1, F_WEIGHTS = 2, F_VALID_AT = 4, F_AGENT = 8, F_PREFIX = 16 };

static uint8_t *
put_str(uint8_t *p, const void *s, size_t n)
{
    steme__put_u16(p, (uint16_t)n);
    if (n > 0)
        memcpy(p + 2, s, n);
    return p + 2 + n;
}

static steme_err
write_one(steme_db *db, const steme_query *q, uint32_t stages, uint32_t tiers,
          const steme_result *r, const steme_answer *a, int64_t now)
{
    const char *lens = steme_result_lens(r);
    size_t ll = strlen(lens) + 1, rl = strlen(a->reason);
    size_t size = FIXED_SIZE + 2 * N_STRINGS + ll + q->asker.len + q->subject.len +
                  a->predicate.len + q->what_if_retract.len + rl;
    uint8_t *row = steme__malloc(size), *p = row;
    uint8_t flags = 0;
    steme_err err;

    if (row == NULL)
        return STEME_ENOMEM;
    flags |= a->has_winner ? F_WINNER : 0;
    flags |= q->tier_weights_set ? F_WEIGHTS : 0;
    flags |= q->has_valid_at ? F_VALID_AT : 0;
    flags |= q->has_agent ? F_AGENT : 0;
    flags |= q->subject_prefix ? F_PREFIX : 0;
    *p++ = AUDIT_VERSION;
    steme__put_u64(p, (uint64_t)now);
    steme__put_u64(p + 8, steme_result_position(r));
    memcpy(p + 16, a->receipt, 32);
    p += 48;
    steme__put_u32(p, steme_result_lens_version(r));
    p[4] = flags;
    p += 5;
    steme__put_u32(p, q->min_support);
    steme__put_u32(p + 4, q->margin);
    steme__put_u32(p + 8, q->outlier_ratio);
    steme__put_u32(p + 12, q->minority_share);
    p += 16;
    for (size_t i = 0; i < N_TIERS; i++, p += 4)
        steme__put_u32(p, q->tier_weights_set ? q->tier_weights[i] : 0);
    steme__put_u64(p, q->has_valid_at ? (uint64_t)q->valid_at : 0);
    steme__put_u32(p + 8, stages);
    steme__put_u32(p + 12, tiers);
    p += 16;
    if (q->has_agent)
        memcpy(p, q->agent.b, 32);
    else
        memset(p, 0, 32);
    p += 32;
    steme__put_u32(p, (uint32_t)a->n_candidates);
    p += 4;
    p = put_str(p, lens, ll);
    p = put_str(p, q->asker.ptr, q->asker.len);
    p = put_str(p, q->subject.ptr, q->subject.len);
    p = put_str(p, a->predicate.ptr, a->predicate.len);
    p = put_str(p, q->what_if_retract.ptr, q->what_if_retract.len);
    p = put_str(p, a->reason, rl);
    err = p == row + size ? steme__store_audit_append(db->store, row, size, NULL) : STEME_ECORRUPT;
    steme__free(row);
    return err;
}

steme_err
steme__audit_write(steme_db *db, const steme_query *q, uint32_t stages, uint32_t tiers,
                   const steme_result *r)
{
    int64_t now = steme_now_ms();
    steme_err err = STEME_OK;

    for (size_t i = 0; err == STEME_OK && i < steme_result_count(r); i++)
        err = write_one(db, q, stages, tiers, r, steme_result_answer(r, i), now);
    return err;
}

typedef struct audit_read {
    steme_audit_fn fn;
    void *ctx;
    size_t limit, seen;
    steme_err err;
} audit_read;

static bool
get_str(const uint8_t **p, const uint8_t *end, steme_str *ret)
{
    size_t n;

    if (end - *p < 2)
        return false;
    n = steme__get_u16(*p);
    if ((size_t)(end - *p - 2) < n)
        return false;
    ret->ptr = n > 0 ? (const char *)*p + 2 : "";
    ret->len = n;
    *p += 2 + n;
    return true;
}

static bool
decode(uint64_t id, const steme__val *v, steme_audit_entry *e)
{
    const uint8_t *p = v->p, *end = v->p + v->n;
    steme_str lens;
    uint8_t flags;

    if (v->n < FIXED_SIZE || p[0] != AUDIT_VERSION)
        return false;
    memset(e, 0, sizeof(*e));
    steme_query_init(&e->query);
    e->id = id;
    e->time = (int64_t)steme__get_u64(p + 1);
    e->position = steme__get_u64(p + 9);
    memcpy(e->receipt, p + 17, 32);
    p += 49;
    e->lens_version = steme__get_u32(p);
    flags = p[4];
    p += 5;
    e->has_winner = (flags & F_WINNER) != 0;
    e->query.tier_weights_set = (flags & F_WEIGHTS) != 0;
    e->query.has_valid_at = (flags & F_VALID_AT) != 0;
    e->query.has_agent = (flags & F_AGENT) != 0;
    e->query.subject_prefix = (flags & F_PREFIX) != 0;
    e->query.min_support = steme__get_u32(p);
    e->query.margin = steme__get_u32(p + 4);
    e->query.outlier_ratio = steme__get_u32(p + 8);
    e->query.minority_share = steme__get_u32(p + 12);
    p += 16;
    for (size_t i = 0; i < N_TIERS; i++, p += 4)
        e->query.tier_weights[i] = steme__get_u32(p);
    e->query.valid_at = (int64_t)steme__get_u64(p);
    e->query.stages = steme__get_u32(p + 8);
    e->query.tiers = steme__get_u32(p + 12);
    p += 16;
    memcpy(e->query.agent.b, p, 32);
    p += 32;
    e->n_candidates = steme__get_u32(p);
    p += 4;
    if (!get_str(&p, end, &lens) || lens.len == 0 || lens.ptr[lens.len - 1] != '\0' ||
        !get_str(&p, end, &e->asker) || !get_str(&p, end, &e->query.subject) ||
        !get_str(&p, end, &e->query.predicate) || !get_str(&p, end, &e->query.what_if_retract) ||
        !get_str(&p, end, &e->reason) || p != end)
        return false;
    e->query.lens = lens.ptr;
    return true;
}

static int
read_one(uint64_t id, const steme__val *v, void *ctx)
{
    audit_read *ar = ctx;
    steme_audit_entry e;

    if (!decode(id, v, &e)) {
        ar->err = STEME_ECORRUPT;
        return 1;
    }
    if (ar->fn(&e, ar->ctx) != 0)
        return 1;
    return ar->limit != 0 && ++ar->seen == ar->limit;
}

steme_err
steme_db_audit(steme_db *db, uint64_t from, size_t limit, steme_audit_fn fn, void *ctx)
{
    audit_read ar = {.fn = fn, .ctx = ctx, .limit = limit, .err = STEME_OK};
    steme_err err;

    if (db == NULL || fn == NULL)
        return STEME_EINVAL;
    err = steme__store_audit_scan(db->store, from, read_one, &ar);
    return err != STEME_OK ? err : ar.err;
}
