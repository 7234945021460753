/* SPDX-License-Identifier: MIT */
/*
 * rows.c -- explicit byte layouts of the derived-state rows (rows.h). Big-endian integers,
 * doubles as their IEEE-754 bits, a version byte first: the same row always has the same
 * bytes, which is what makes a rebuild from the log byte-identical.
 */
#include <string.h>

#include "bytes.h"
#include "rows.h"

/* A cursor over a row being written or read. */
typedef struct rowbuf {
    uint8_t *w;
    const uint8_t *r;
    size_t left; /* bytes left to read */
    bool bad;
} rowbuf;

static void
w8(rowbuf *b, uint8_t v)
{
    *b->w++ = v;
}

static void
w16(rowbuf *b, uint16_t v)
{
    steme__put_u16(b->w, v);
    b->w += 2;
}

static void
w32(rowbuf *b, uint32_t v)
{
    steme__put_u32(b->w, v);
    b->w += 4;
}

static void
w64(rowbuf *b, uint64_t v)
{
    steme__put_u64(b->w, v);
    b->w += 8;
}

static void
wdbl(rowbuf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    w64(b, bits);
}

static bool
need(rowbuf *b, size_t n)
{
    if (b->bad || b->left < n) {
        b->bad = true;
        return false;
    }
    b->left -= n;
    return true;
}

static uint8_t
r8(rowbuf *b)
{
    return need(b, 1) ? *b->r++ : 0;
}

static uint16_t
r16(rowbuf *b)
{
    if (!need(b, 2))
        return 0;
    uint16_t v = steme__get_u16(b->r);
    b->r += 2;
    return v;
}

static uint32_t
r32(rowbuf *b)
{
    if (!need(b, 4))
        return 0;
    uint32_t v = steme__get_u32(b->r);
    b->r += 4;
    return v;
}

static uint64_t
r64(rowbuf *b)
{
    if (!need(b, 8))
        return 0;
    uint64_t v = steme__get_u64(b->r);
    b->r += 8;
    return v;
}

static double
rdbl(rowbuf *b)
{
    uint64_t bits = r64(b);
    double v;
    memcpy(&v, &bits, 8);
    return v;
}

/* Begin reading a row: checks the version byte. */
static steme_err
read_begin(rowbuf *b, const steme__val *v)
{
    b->r = v->p;
    b->left = v->n;
    b->bad = false;
    return r8(b) == STEME__ROW_VERSION ? STEME_OK : STEME_ECORRUPT;
}

/* A complete row is read exactly to its end. */
static steme_err
read_end(const rowbuf *b)
{
    return b->bad || b->left != 0 ? STEME_ECORRUPT : STEME_OK;
}

void
steme__key_seq(uint8_t out[8], uint64_t seq)
{
    steme__put_u64(out, seq);
}

uint64_t
steme__key_seq_get(const uint8_t *p)
{
    return steme__get_u64(p);
}

/* Fetch a row and start reading it. */
static steme_err
fetch(steme__txn *t, enum steme__table tb, const void *k, size_t kl, rowbuf *b)
{
    steme__val v;
    steme_err err = steme__tget(t, tb, k, kl, &v);
    if (err != STEME_OK)
        return err;
    return read_begin(b, &v);
}

/* ---------------------------------------------------------------------------------------------
 * state
 */

steme_err
steme__state_get(steme__txn *t, uint64_t seq, steme__state_row *ret)
{
    uint8_t k[8];
    rowbuf b;
    steme__key_seq(k, seq);
    steme_err err = fetch(t, STEME__T_STATE, k, sizeof(k), &b);
    if (err != STEME_OK)
        return err;
    steme__state_row row;
    row.stage = r8(&b);
    row.conditions = r16(&b);
    row.quarantine_reason = r8(&b);
    row.tainted_parents = r32(&b);
    row.via = r64(&b);
    row.superseded_by = r64(&b);
    row.retracted_by = r64(&b);
    row.up = r32(&b);
    row.down = r32(&b);
    if ((err = read_end(&b)) == STEME_OK)
        *ret = row;
    return err;
}

steme_err
steme__state_put(steme__txn *t, uint64_t seq, const steme__state_row *row)
{
    uint8_t k[8], v[48];
    rowbuf b = {.w = v};
    steme__key_seq(k, seq);
    w8(&b, STEME__ROW_VERSION);
    w8(&b, row->stage);
    w16(&b, row->conditions);
    w8(&b, row->quarantine_reason);
    w32(&b, row->tainted_parents);
    w64(&b, row->via);
    w64(&b, row->superseded_by);
    w64(&b, row->retracted_by);
    w32(&b, row->up);
    w32(&b, row->down);
    return steme__tput(t, STEME__T_STATE, k, sizeof(k), v, (size_t)(b.w - v));
}

/* ---------------------------------------------------------------------------------------------
 * source
 */

steme_err
steme__source_get(steme__txn *t, steme_str id, steme__source_row *ret)
{
    rowbuf b;
    steme_err err = fetch(t, STEME__T_SOURCE, id.ptr, id.len, &b);
    if (err != STEME_OK)
        return err;
    steme__source_row row;
    row.status = r8(&b);
    row.tier = r8(&b);
    row.weight = r32(&b);
    row.registered_seq = r64(&b);
    row.status_seq = r64(&b);
    row.assertions = r64(&b);
    row.alpha = rdbl(&b);
    row.beta = rdbl(&b);
    if ((err = read_end(&b)) == STEME_OK)
        *ret = row;
    return err;
}

steme_err
steme__source_put(steme__txn *t, steme_str id, const steme__source_row *row)
{
    uint8_t v[64];
    rowbuf b = {.w = v};
    w8(&b, STEME__ROW_VERSION);
    w8(&b, row->status);
    w8(&b, row->tier);
    w32(&b, row->weight);
    w64(&b, row->registered_seq);
    w64(&b, row->status_seq);
    w64(&b, row->assertions);
    wdbl(&b, row->alpha);
    wdbl(&b, row->beta);
    return steme__tput(t, STEME__T_SOURCE, id.ptr, id.len, v, (size_t)(b.w - v));
}

/* ---------------------------------------------------------------------------------------------
 * agent
 */

steme_err
steme__agent_get(steme__txn *t, const steme_pubkey *pk, steme__agent_row *ret)
{
    rowbuf b;
    steme_err err = fetch(t, STEME__T_AGENT, pk->b, STEME_PUBKEY_SIZE, &b);
    if (err != STEME_OK)
        return err;
    steme__agent_row row;
    row.role = r8(&b);
    row.profile_seq = r64(&b);
    row.assertions = r64(&b);
    row.votes = r64(&b);
    row.events = r64(&b);
    row.quarantined = r64(&b);
    row.evidence = r64(&b);
    row.alpha = rdbl(&b);
    row.beta = rdbl(&b);
    if ((err = read_end(&b)) == STEME_OK)
        *ret = row;
    return err;
}

steme_err
steme__agent_put(steme__txn *t, const steme_pubkey *pk, const steme__agent_row *row)
{
    uint8_t v[80];
    rowbuf b = {.w = v};
    w8(&b, STEME__ROW_VERSION);
    w8(&b, row->role);
    w64(&b, row->profile_seq);
    w64(&b, row->assertions);
    w64(&b, row->votes);
    w64(&b, row->events);
    w64(&b, row->quarantined);
    w64(&b, row->evidence);
    wdbl(&b, row->alpha);
    wdbl(&b, row->beta);
    return steme__tput(t, STEME__T_AGENT, pk->b, STEME_PUBKEY_SIZE, v, (size_t)(b.w - v));
}

/* ---------------------------------------------------------------------------------------------
 * vote, epoch, history, report, trust log
 */

static void
vote_key(uint8_t k[8 + STEME_PUBKEY_SIZE], uint64_t target, const steme_pubkey *voter)
{
    steme__key_seq(k, target);
    memcpy(k + 8, voter->b, STEME_PUBKEY_SIZE);
}

steme_err
steme__vote_get(steme__txn *t, uint64_t target, const steme_pubkey *voter, steme__vote_row *ret)
{
    uint8_t k[8 + STEME_PUBKEY_SIZE];
    rowbuf b;
    vote_key(k, target, voter);
    steme_err err = fetch(t, STEME__T_VOTE, k, sizeof(k), &b);
    if (err != STEME_OK)
        return err;
    steme__vote_row row;
    row.value = (int8_t)r8(&b);
    row.seq = r64(&b);
    if ((err = read_end(&b)) == STEME_OK)
        *ret = row;
    return err;
}

steme_err
steme__vote_put(steme__txn *t, uint64_t target, const steme_pubkey *voter,
                const steme__vote_row *row)
{
    uint8_t k[8 + STEME_PUBKEY_SIZE], v[16];
    rowbuf b = {.w = v};
    vote_key(k, target, voter);
    w8(&b, STEME__ROW_VERSION);
    w8(&b, (uint8_t)row->value);
    w64(&b, row->seq);
    return steme__tput(t, STEME__T_VOTE, k, sizeof(k), v, (size_t)(b.w - v));
}

steme_err
steme__epoch_get(steme__txn *t, steme_str name, steme__epoch_row *ret)
{
    rowbuf b;
    steme_err err = fetch(t, STEME__T_EPOCH, name.ptr, name.len, &b);
    if (err != STEME_OK)
        return err;
    steme__epoch_row row;
    row.status = r8(&b);
    row.opened_seq = r64(&b);
    row.superseded_seq = r64(&b);
    if ((err = read_end(&b)) == STEME_OK)
        *ret = row;
    return err;
}

steme_err
steme__epoch_put(steme__txn *t, steme_str name, const steme__epoch_row *row)
{
    uint8_t v[24];
    rowbuf b = {.w = v};
    w8(&b, STEME__ROW_VERSION);
    w8(&b, row->status);
    w64(&b, row->opened_seq);
    w64(&b, row->superseded_seq);
    return steme__tput(t, STEME__T_EPOCH, name.ptr, name.len, v, (size_t)(b.w - v));
}

steme_err
steme__history_add(steme__txn *t, uint64_t seq, uint64_t cause, uint8_t from, uint8_t to)
{
    uint8_t k[16], v[3] = {STEME__ROW_VERSION, from, to};
    steme__key_seq(k, seq);
    steme__key_seq(k + 8, cause);
    return steme__tput(t, STEME__T_HISTORY, k, sizeof(k), v, sizeof(v));
}

steme_err
steme__report_put(steme__txn *t, uint64_t event_seq, const steme_cascade_report *r)
{
    uint8_t k[8], v[1 + 8 + 4 + 8 * STEME_REPORT_DEPTHS];
    rowbuf b = {.w = v};
    uint32_t depths = r->depths > STEME_REPORT_DEPTHS ? STEME_REPORT_DEPTHS : r->depths;
    steme__key_seq(k, event_seq);
    w8(&b, STEME__ROW_VERSION);
    w64(&b, r->total);
    w32(&b, depths);
    for (uint32_t i = 0; i < depths; i++)
        w64(&b, r->per_depth[i]);
    return steme__tput(t, STEME__T_REPORT, k, sizeof(k), v, (size_t)(b.w - v));
}

steme_err
steme__report_get(steme__txn *t, uint64_t event_seq, steme_cascade_report *ret)
{
    uint8_t k[8];
    rowbuf b;
    steme__key_seq(k, event_seq);
    steme_err err = fetch(t, STEME__T_REPORT, k, sizeof(k), &b);
    if (err != STEME_OK)
        return err;
    steme_cascade_report r = {.event_seq = event_seq};
    r.total = r64(&b);
    r.depths = r32(&b);
    if (r.depths > STEME_REPORT_DEPTHS)
        return STEME_ECORRUPT;
    for (uint32_t i = 0; i < r.depths; i++)
        r.per_depth[i] = r64(&b);
    if ((err = read_end(&b)) == STEME_OK)
        *ret = r;
    return err;
}

steme_err
steme__trust_log_put(steme__txn *t, const steme_pubkey *pk, uint64_t seq, double alpha, double beta)
{
    uint8_t k[STEME_PUBKEY_SIZE + 8], v[17];
    rowbuf b = {.w = v};
    memcpy(k, pk->b, STEME_PUBKEY_SIZE);
    steme__key_seq(k + STEME_PUBKEY_SIZE, seq);
    w8(&b, STEME__ROW_VERSION);
    wdbl(&b, alpha);
    wdbl(&b, beta);
    return steme__tput(t, STEME__T_TRUST_LOG, k, sizeof(k), v, (size_t)(b.w - v));
}
