/* SPDX-License-Identifier: MIT */
/*
 * cand_rows.c -- the lens rows: their layout, the apply hook that writes them, the update
 * that carries an assertion's new stage and votes into its row, and their check.
 *
 * Table d_lens_row is LMDB DUPSORT | DUPFIXED: under each key hash64(subject) ||
 * hash64(predicate) a sorted set of 200-byte rows that begin with their seq, so a key's rows
 * are in log order and packed into pages without a per-row key or node header. A query reads
 * them a page at a time (steme__tscan_fixed). bench/query measured why: at 1,000,000
 * assertions, reading 100 variable-length rows of ~190 bytes one cursor step each took
 * ~10 µs, the same rows packed ~2 µs; the steps' cache misses were the cost.
 *
 * Row, integers big-endian (bytes.h):
 *
 *     0  seq u64              103  valid_from u64 (0 when absent)
 *     8  version u8 (3)       111  valid_until u64 (0 when absent)
 *     9  flags u8             119  check[8] (steme__cand_check_hash)
 *    10  stage u8             127  object type u8
 *    11  up u32               128  object u64: IEEE bits, integer, 0/1, or 0 for strings
 *    15  down u32             136  source: length u8, 31 bytes zero-padded
 *    19  id[32]               168  text: length u8, 31 bytes zero-padded -- the string or
 *    51  recorded_at u64           reference of a string or reference value, the unit of a
 *    59  agent[32]                 number, empty otherwise
 *    91  confidence u32
 *    95  asserted_at u64
 *
 * flags: 1 valid_from, 2 valid_until, 4 spilled -- the source or the text is longer than 31
 * bytes, both slots are then empty and a query takes the strings from the log record.
 * Stage, up and down are those of the assertion's state row. The subject and predicate are
 * not in the row: the key and the check name them.
 */
#include "cand_rows.h"

#include <string.h>

#include "bytes.h"
#include "crypto.h"

#define CAND_VERSION 3

enum {
    OFF_SEQ = 0,
    OFF_VERSION = 8,
    OFF_FLAGS = 9,
    OFF_STATE = 10, /* stage, up, down: 9 bytes */
    OFF_ID = 19,
    OFF_RECORDED = 51,
    OFF_AGENT = 59,
    OFF_CONFIDENCE = 91,
    OFF_ASSERTED = 95,
    OFF_VALID_FROM = 103,
    OFF_VALID_UNTIL = 111,
    OFF_CHECK = 119,
    OFF_TYPE = 127,
    OFF_VALUE = 128,
    OFF_SOURCE = 136,
    OFF_TEXT = 168,
    STATE_LEN = 9,
};

#define FLAG_VALID_FROM  1
#define FLAG_VALID_UNTIL 2
#define FLAG_SPILLED     4

_Static_assert(OFF_TEXT + 1 + STEME__CAND_INPLACE == STEME__CAND_ROW, "row layout");
_Static_assert(STEME__CAND_ROW <= STEME__FIXED_ROW_MAX, "a lens row fits a fixed-width row");

void
steme__cand_check_hash(steme_str subject, steme_str predicate, uint8_t out[8])
{
    static const char domain[] = "steme-lens-row-check-v1";
    uint8_t len[2], full[32];
    steme__hasher h;

    steme__put_u16(len, (uint16_t)subject.len);
    steme__hash256_init(&h);
    steme__hash256_update(&h, domain, sizeof(domain));
    steme__hash256_update(&h, len, sizeof(len));
    if (subject.len > 0)
        steme__hash256_update(&h, subject.ptr, subject.len);
    if (predicate.len > 0)
        steme__hash256_update(&h, predicate.ptr, predicate.len);
    steme__hash256_final(&h, full);
    memcpy(out, full, 8);
}

uint64_t
steme__cand_seq(const uint8_t *row)
{
    return steme__get_u64(row + OFF_SEQ);
}

const uint8_t *
steme__cand_check_of(const uint8_t *row)
{
    return row + OFF_CHECK;
}

static void
put_state(uint8_t *p, const steme__state_row *st)
{
    p[0] = st->stage;
    steme__put_u32(p + 1, st->up);
    steme__put_u32(p + 5, st->down);
}

/* The text of the object that goes in the text slot (empty for integers and booleans). */
static steme_str
object_text(const steme_value *v)
{
    switch (v->type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        return v->str;
    case STEME_VALUE_NUMBER:
        return v->unit;
    case STEME_VALUE_INTEGER:
    case STEME_VALUE_BOOLEAN:
        break;
    }
    return (steme_str){"", 0};
}

static void
put_slot(uint8_t *p, steme_str s)
{
    p[0] = (uint8_t)s.len;
    if (s.len > 0)
        memcpy(p + 1, s.ptr, s.len);
}

/* The row of assertion e with the state st (row is zeroed here). */
static void
encode(const steme_entry *e, const steme__state_row *st, uint8_t row[STEME__CAND_ROW])
{
    const steme_assertion *a = &e->record.assertion;
    steme_str text = object_text(&a->object);
    bool spilled = a->source.len > STEME__CAND_INPLACE || text.len > STEME__CAND_INPLACE;
    uint64_t bits = 0;

    memset(row, 0, STEME__CAND_ROW);
    steme__put_u64(row + OFF_SEQ, e->seq);
    row[OFF_VERSION] = CAND_VERSION;
    row[OFF_FLAGS] =
        (uint8_t)((a->has_valid_from ? FLAG_VALID_FROM : 0) |
                  (a->has_valid_until ? FLAG_VALID_UNTIL : 0) | (spilled ? FLAG_SPILLED : 0));
    put_state(row + OFF_STATE, st);
    memcpy(row + OFF_ID, e->id.b, STEME_ID_SIZE);
    steme__put_u64(row + OFF_RECORDED, (uint64_t)e->recorded_at);
    memcpy(row + OFF_AGENT, a->agent.b, STEME_PUBKEY_SIZE);
    steme__put_u32(row + OFF_CONFIDENCE, a->confidence);
    steme__put_u64(row + OFF_ASSERTED, (uint64_t)a->asserted_at);
    steme__put_u64(row + OFF_VALID_FROM, a->has_valid_from ? (uint64_t)a->valid_from : 0);
    steme__put_u64(row + OFF_VALID_UNTIL, a->has_valid_until ? (uint64_t)a->valid_until : 0);
    steme__cand_check_hash(a->subject, a->predicate, row + OFF_CHECK);
    row[OFF_TYPE] = (uint8_t)a->object.type;
    switch (a->object.type) {
    case STEME_VALUE_INTEGER:
        bits = (uint64_t)a->object.integer;
        break;
    case STEME_VALUE_NUMBER:
        memcpy(&bits, &a->object.number, sizeof(bits));
        break;
    case STEME_VALUE_BOOLEAN:
        bits = a->object.boolean ? 1 : 0;
        break;
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        break;
    }
    steme__put_u64(row + OFF_VALUE, bits);
    if (!spilled) {
        put_slot(row + OFF_SOURCE, a->source);
        put_slot(row + OFF_TEXT, text);
    }
}

static bool
take_slot(const uint8_t *p, steme_str *ret)
{
    if (p[0] > STEME__CAND_INPLACE)
        return false;
    ret->ptr = p[0] > 0 ? (const char *)p + 1 : "";
    ret->len = p[0];
    return true;
}

bool
steme__cand_parse(const uint8_t *row, steme__qrow *out, bool *spilled)
{
    steme__cand *c = &out->cand;
    uint8_t flags = row[OFF_FLAGS];
    steme_str text = {"", 0};
    uint64_t bits;

    if (row[OFF_VERSION] != CAND_VERSION || (flags & ~7u) != 0)
        return false;
    c->seq = steme__get_u64(row + OFF_SEQ);
    out->stage = (steme_stage)row[OFF_STATE];
    c->up = steme__get_u32(row + OFF_STATE + 1);
    c->down = steme__get_u32(row + OFF_STATE + 5);
    out->has_state = true;
    memcpy(c->id.b, row + OFF_ID, STEME_ID_SIZE);
    c->recorded_at = (int64_t)steme__get_u64(row + OFF_RECORDED);
    memcpy(c->agent.b, row + OFF_AGENT, STEME_PUBKEY_SIZE);
    c->confidence = steme__get_u32(row + OFF_CONFIDENCE);
    c->asserted_at = (int64_t)steme__get_u64(row + OFF_ASSERTED);
    c->has_valid_from = (flags & FLAG_VALID_FROM) != 0;
    c->has_valid_until = (flags & FLAG_VALID_UNTIL) != 0;
    c->valid_from = (int64_t)steme__get_u64(row + OFF_VALID_FROM);
    c->valid_until = (int64_t)steme__get_u64(row + OFF_VALID_UNTIL);
    *spilled = (flags & FLAG_SPILLED) != 0;
    if (!take_slot(row + OFF_SOURCE, &c->source) || !take_slot(row + OFF_TEXT, &text))
        return false;
    memset(&c->value, 0, sizeof(c->value));
    c->value.type = (steme_value_type)row[OFF_TYPE];
    bits = steme__get_u64(row + OFF_VALUE);
    switch (c->value.type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        c->value.str = text;
        break;
    case STEME_VALUE_INTEGER:
        c->value.integer = (int64_t)bits;
        break;
    case STEME_VALUE_NUMBER:
        memcpy(&c->value.number, &bits, sizeof(bits));
        c->value.unit = text;
        break;
    case STEME_VALUE_BOOLEAN:
        c->value.boolean = bits != 0;
        break;
    default:
        return false;
    }
    return true;
}

steme_err
steme__query_cand_put(steme__txn *t, const steme_entry *e)
{
    uint8_t key[16], row[STEME__CAND_ROW];
    steme__state_row st;
    steme_err err;

    /* The lifecycle rules ran first (rules.c): the state row is the assertion's final one. */
    if ((err = steme__state_get(t, e->seq, &st)) != STEME_OK)
        return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
    steme__assertion_key(t, e, key);
    encode(e, &st, row);
    return steme__tput(t, STEME__T_CAND, key, sizeof(key), row, sizeof(row));
}

/* Carry the new state (ctx: STATE_LEN bytes) into a lens row, unless it is there already. */
static steme_err
set_state(uint8_t *row, size_t n, bool *write, void *ctx)
{
    const uint8_t *state = ctx;

    if (n != STEME__CAND_ROW || row[OFF_VERSION] != CAND_VERSION)
        return STEME_ECORRUPT;
    /* Unchanged after a change of conditions only: what a lens reads is the same. */
    *write = memcmp(row + OFF_STATE, state, STATE_LEN) != 0;
    memcpy(row + OFF_STATE, state, STATE_LEN);
    return STEME_OK;
}

steme_err
steme__query_cand_state(steme__txn *t, const steme_entry *e, const uint8_t key16[16],
                        const steme__state_row *st)
{
    uint8_t seq[8], state[STATE_LEN];

    if (e->seq == steme__txn_applying(t))
        return STEME_OK; /* the assertion being applied: its row is written after its state */
    steme__put_u64(seq, e->seq);
    put_state(state, st);
    steme_err err =
        steme__tfixed_edit(t, STEME__T_CAND, key16, 16, seq, sizeof(seq), set_state, state);
    /* No row: the assertion being applied, whose row is written after its state. */
    return err == STEME_ENOTFOUND ? STEME_OK : err;
}

typedef struct cand_check {
    steme__txn *t;
    steme_problem_fn fn;
    void *ctx;
    uint64_t problems;
    steme_err err;
} cand_check;

/* What is wrong with the row under key, or NULL. */
static const char *
check_row(cand_check *cc, const steme__val *key, const steme__val *val, uint64_t seq)
{
    uint8_t want_key[16], want[STEME__CAND_ROW];
    steme__state_row st;
    steme_entry e;
    steme_err err;

    if (key->n != 16 || val->n != STEME__CAND_ROW || val->p[OFF_VERSION] != CAND_VERSION)
        return "malformed lens row";
    if ((err = steme__txn_get_seq(cc->t, seq, &e)) == STEME_ENOTFOUND)
        return "lens row without a log record";
    if (err == STEME_ECORRUPT)
        return NULL; /* a record that does not decode: the log's check names it */
    if (err == STEME_OK && e.record.kind != STEME_RECORD_ASSERTION)
        return "lens row of a record that is not an assertion";
    if (err == STEME_OK && (err = steme__state_get(cc->t, seq, &st)) == STEME_ENOTFOUND)
        return "lens row without a state row";
    if (err != STEME_OK) {
        cc->err = err;
        return NULL;
    }
    steme__assertion_key(cc->t, &e, want_key);
    encode(&e, &st, want);
    if (memcmp(key->p, want_key, sizeof(want_key)) != 0)
        return "lens row under another key than its assertion's";
    if (memcmp(val->p + OFF_STATE, want + OFF_STATE, STATE_LEN) != 0)
        return "stage or votes differ from the state row";
    if (memcmp(val->p, want, STEME__CAND_ROW) != 0)
        return "lens row differs from its log record";
    return NULL;
}

static int
check_one(const steme__val *key, const steme__val *val, void *ctx)
{
    cand_check *cc = ctx;
    uint64_t seq = val->n >= 8 ? steme__get_u64(val->p) : 0;
    const char *what = check_row(cc, key, val, seq);

    if (cc->err != STEME_OK)
        return 1;
    if (what != NULL) {
        cc->problems++;
        if (cc->fn != NULL)
            cc->fn(steme__table_name(STEME__T_CAND), what, seq, cc->ctx);
    }
    return 0;
}

steme_err
steme__query_cands_check(steme__txn *t, steme_problem_fn fn, void *ctx, uint64_t *ret_problems)
{
    cand_check cc = {.t = t, .fn = fn, .ctx = ctx, .err = STEME_OK};
    steme_err err = steme__tscan(t, STEME__T_CAND, NULL, 0, check_one, &cc);

    if (err == STEME_OK)
        err = cc.err;
    *ret_problems = cc.problems;
    return err;
}
