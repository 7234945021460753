/* SPDX-License-Identifier: MIT */
/*
 * admin_log.c -- the admin log (docs/server-auth.md): one durable row per admin action (a key
 * created or revoked, by the CLI or through the HTTP API), numbered from 1 in the order
 * appended, so that "who gave this key admin rights" has an answer.
 *
 * Like the query audit, the rows live in a table that is not derived state: a rebuild keeps
 * it and the derived-state hash leaves it out. The log never holds a secret: text carrying an
 * API key token is refused.
 *
 * Row layout (big-endian), version 1:
 *   u8 version, i64 at, then actor, action and detail, each a u16 length and that many bytes
 *   ending with a NUL (so that readers get C strings borrowed straight from the store).
 */
#include <string.h>

#include "alloc.h"
#include "apikeys.h"
#include "bytes.h"
#include "engine.h"
#include "utf8.h"

#define ROW_VERSION 1
#define ROW_FIXED   (1 + 8)
#define N_STRINGS   3

typedef struct append {
    const char *s[N_STRINGS]; /* actor, action, detail */
    size_t len[N_STRINGS];    /* without the NUL */
    uint8_t *row;
    size_t size;
    int64_t now;
    uint64_t n; /* written by append_txn */
} append;

static steme_err
append_txn(steme__txn *t, void *ctx)
{
    static const uint8_t last[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    append *a = ctx;
    steme__val k, v;
    uint8_t key[8];
    int64_t at = a->now;
    steme_err err = steme__tlast_le(t, STEME__T_ADMIN_LOG, last, sizeof(last), 0, &k, &v);

    if (err == STEME_OK) {
        if (k.n != 8 || v.n < ROW_FIXED)
            return STEME_ECORRUPT;
        a->n = steme__get_u64(k.p) + 1;
        /* In order in time as well as by number, whatever the wall clock does. */
        int64_t prev = (int64_t)steme__get_u64(v.p + 1);
        if (prev > at)
            at = prev;
    } else if (err == STEME_ENOTFOUND) {
        a->n = 1;
    } else {
        return err;
    }
    steme__put_u64(a->row + 1, (uint64_t)at);
    steme__put_u64(key, a->n);
    return steme__tput(t, STEME__T_ADMIN_LOG, key, sizeof(key), a->row, a->size);
}

steme_err
steme_db_admin_log_append(steme_db *db, const char *actor, const char *action, const char *detail,
                          uint64_t *ret_n)
{
    append a = {.s = {actor, action, detail != NULL ? detail : ""}};
    static const size_t max[N_STRINGS] = {STEME_ADMIN_ACTOR_MAX, STEME_ADMIN_ACTION_MAX,
                                          STEME_ADMIN_DETAIL_MAX};
    uint8_t *p;
    steme_err err;

    if (db == NULL || actor == NULL || action == NULL || db->opts.read_only)
        return STEME_EINVAL;
    a.size = ROW_FIXED;
    for (int i = 0; i < N_STRINGS; i++) {
        a.len[i] = strnlen(a.s[i], max[i] + 1);
        if (a.len[i] > max[i] || steme__apikey_token_in(a.s[i], a.len[i]))
            return STEME_EINVAL;
        a.size += 2 + a.len[i] + 1;
    }
    if (!steme__apikey_label_valid(actor, a.len[0], STEME_ADMIN_ACTOR_MAX) ||
        !steme__apikey_label_valid(action, a.len[1], STEME_ADMIN_ACTION_MAX) ||
        !steme__utf8_valid(a.s[2], a.len[2]) || steme__has_control(a.s[2], a.len[2], true))
        return STEME_EINVAL;

    a.row = steme__malloc(a.size);
    if (a.row == NULL)
        return STEME_ENOMEM;
    p = a.row;
    *p = ROW_VERSION;
    p += ROW_FIXED; /* at: set in the transaction */
    for (int i = 0; i < N_STRINGS; i++) {
        steme__put_u16(p, (uint16_t)(a.len[i] + 1));
        memcpy(p + 2, a.s[i], a.len[i] + 1);
        p += 2 + a.len[i] + 1;
    }
    a.now = steme_now_ms();
    err = steme__store_write(db->store, append_txn, &a);
    steme__free(a.row);
    if (err == STEME_OK && ret_n != NULL)
        *ret_n = a.n;
    return err;
}

/* One NUL-terminated string of the row at *p, without NULs inside. */
static bool
get_str(const uint8_t **p, const uint8_t *end, const char **ret)
{
    size_t n;

    if (end - *p < 2)
        return false;
    n = steme__get_u16(*p);
    if (n == 0 || (size_t)(end - *p - 2) < n || (*p)[2 + n - 1] != '\0' ||
        memchr(*p + 2, '\0', n - 1) != NULL)
        return false;
    *ret = (const char *)*p + 2;
    *p += 2 + n;
    return true;
}

static bool
decode(const steme__val *k, const steme__val *v, steme_admin_event *e)
{
    const uint8_t *p = v->p, *end = v->p + v->n;

    if (k->n != 8 || v->n < ROW_FIXED || p[0] != ROW_VERSION)
        return false;
    e->n = steme__get_u64(k->p);
    e->at = (int64_t)steme__get_u64(p + 1);
    p += ROW_FIXED;
    return get_str(&p, end, &e->actor) && get_str(&p, end, &e->action) &&
           get_str(&p, end, &e->detail) && p == end;
}

typedef struct reader {
    steme_admin_event_fn fn;
    void *ctx;
    size_t limit, seen;
    steme_err err;
} reader;

static int
read_one(const steme__val *k, const steme__val *v, void *ctx)
{
    reader *r = ctx;
    steme_admin_event e;

    if (!decode(k, v, &e)) {
        r->err = STEME_ECORRUPT;
        return 1;
    }
    if (r->fn(&e, r->ctx) != 0)
        return 1;
    return r->limit != 0 && ++r->seen == r->limit;
}

steme_err
steme_db_admin_log(steme_db *db, uint64_t from, size_t limit, steme_admin_event_fn fn, void *ctx)
{
    reader r = {.fn = fn, .ctx = ctx, .limit = limit, .err = STEME_OK};
    steme__snap *snap;
    uint8_t key[8];
    steme_err err;

    if (db == NULL || fn == NULL)
        return STEME_EINVAL;
    steme__put_u64(key, from);
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = steme__tscan_from(steme__snap_txn(snap), STEME__T_ADMIN_LOG, key, sizeof(key), read_one,
                            &r);
    steme__snap_end(snap);
    return err != STEME_OK ? err : r.err;
}
