/* SPDX-License-Identifier: MIT */
/*
 * consensus.c -- settled consensus as trust evidence on keys without gold (docs/trust.md,
 * "Settled consensus").
 *
 * A (subject, predicate) key without gold becomes settled when, at an assertion on it, at
 * least STEME__CONSENSUS_MIN_AGENTS established agents hold an active or disputed assertion on
 * it and 80 % of them (each agent counted once, by its latest such assertion) hold one value,
 * cited from at least two distinct sources. At that moment every agent on the key is scored
 * once against the settled value, at a weight below gold's; afterwards each new assertion on
 * the key scores its author on arrival, and each changed vote scores its voter, again at most
 * once per agent per key. Settlement is decided once and never undone; gold on the key, set
 * before or after, takes precedence and stops consensus scoring there.
 *
 * Rows live in STEME__T_GOLD's key space under the prefix 'c', whose lengths (17 and 49
 * bytes) differ from the gold rows' (16 and 48):
 *
 *   'c' || key           -> version || settling seq || representative seq (0: closed)
 *   'c' || key || agent  -> version || settling seq (the agent has been scored on the key)
 *
 * The check rescans the key's assertions through the subject-predicate index, at most
 * STEME__CONSENSUS_SCAN_MAX of them: a key that grows past that unsettled is closed for good,
 * so the rescans cost O(cap) per assertion and O(cap^2) per key in total, in constant memory.
 * Two shortcuts keep the usual case cheap without changing any outcome: a key whose index
 * entry count (mdb_cursor_count, an upper bound on its assertions) is below the agents needed
 * is not scanned at all, nor is any key while the store holds fewer established agents than
 * that (a count kept in one row, below), and the values are hashed only once enough positions
 * count.
 */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "rules.h"

#define KEY_SIZE     16 /* hash64(subject) || hash64(predicate), as in trust.c */
#define ROW_KEY_SIZE (1 + KEY_SIZE)
#define MARKER_SIZE  (ROW_KEY_SIZE + STEME_PUBKEY_SIZE)
#define PREFIX       'c'
#define VHASH_SIZE   16

static void
row_key(uint8_t k[MARKER_SIZE], steme_str subject, steme_str predicate)
{
    k[0] = PREFIX;
    steme__hash64(subject.len ? subject.ptr : "", subject.len, k + 1);
    steme__hash64(predicate.len ? predicate.ptr : "", predicate.len, k + 9);
}

/* The row key of an assertion's own key (its hint's hashes while it is being applied). */
static void
assertion_row_key(steme__txn *t, const steme_entry *e, uint8_t k[MARKER_SIZE])
{
    k[0] = PREFIX;
    steme__assertion_key(t, e, k + 1);
}

/* The settled row: *ret_rep is the representative assertion's seq, 0 when the key is closed. */
static steme_err
settled_get(steme__txn *t, const uint8_t k[ROW_KEY_SIZE], uint64_t *ret_rep)
{
    steme__val v;
    steme_err err = steme__tget(t, STEME__T_GOLD, k, ROW_KEY_SIZE, &v);
    if (err != STEME_OK)
        return err;
    if (v.n != 17 || v.p[0] != STEME__ROW_VERSION)
        return STEME_ECORRUPT;
    *ret_rep = steme__get_u64(v.p + 9);
    return STEME_OK;
}

static steme_err
settled_put(steme__txn *t, const uint8_t k[ROW_KEY_SIZE], uint64_t seq, uint64_t rep)
{
    uint8_t v[17] = {STEME__ROW_VERSION};
    steme__put_u64(v + 1, seq);
    steme__put_u64(v + 9, rep);
    return steme__tput(t, STEME__T_GOLD, k, ROW_KEY_SIZE, v, sizeof(v));
}

/* Whether pk was already scored on the key; if not, mark it (the anti-farming marker). */
static steme_err
claim_score(steme__txn *t, const uint8_t k[ROW_KEY_SIZE], const steme_pubkey *pk, uint64_t seq,
            bool *ret_fresh)
{
    uint8_t mk[MARKER_SIZE], v[9] = {STEME__ROW_VERSION};
    steme__val old;
    steme_err err;

    memcpy(mk, k, ROW_KEY_SIZE);
    memcpy(mk + ROW_KEY_SIZE, pk->b, STEME_PUBKEY_SIZE);
    err = steme__tget(t, STEME__T_GOLD, mk, sizeof(mk), &old);
    if (err == STEME_OK) {
        *ret_fresh = false;
        return STEME_OK;
    }
    if (err != STEME_ENOTFOUND)
        return err;
    *ret_fresh = true;
    steme__put_u64(v + 1, seq);
    return steme__tput(t, STEME__T_GOLD, mk, sizeof(mk), v, sizeof(v));
}

/* Score one agent (and, weighted by the agent's trust, the source it cited: NULL for none)
 * against the settled value, once per key. */
static steme_err
score(steme__txn *t, const uint8_t k[ROW_KEY_SIZE], const steme_pubkey *pk, const steme_str *src,
      uint64_t cause, bool agree)
{
    double before;
    bool fresh;
    steme_err err;

    if ((err = steme__agent_trust(t, pk, &before)) != STEME_OK ||
        (err = claim_score(t, k, pk, cause, &fresh)) != STEME_OK || !fresh)
        return err;
    err = steme__trust_observe_agent(t, pk, cause, agree, STEME__CONSENSUS_WEIGHT);
    if (err == STEME_OK && src != NULL)
        err = steme__trust_observe_source(t, *src, agree, before * STEME__CONSENSUS_WEIGHT);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Established agents in the whole store
 *
 * A key settles only with MIN_AGENTS established agents on it, so while the store has fewer
 * than that in all, no check can settle anything and the scan is skipped. The count lives in
 * one row, 'E' (1 byte: no other row of the table has that length) -> version || count of the
 * agents other than the genesis admin that are established (the genesis admin always is, and
 * is added when read). It is kept up to date where an agent becomes established or stops
 * being (steme__established_changed); a store without the row (written by an earlier build)
 * gets it computed from the agent table at the first check that needs it, which gives the
 * value the updates would have: the row is a function of the agent rows, so of the log.
 */

#define EST_KEY 'E'

typedef struct est_count {
    steme__txn *t;
    steme_pubkey genesis;
    bool has_genesis;
    uint64_t n;
    steme_err err;
} est_count;

static int
count_one(const steme__val *key, const steme__val *val, void *ctx)
{
    est_count *c = ctx;
    steme_pubkey pk;
    steme__agent_row row;

    (void)val;
    if (key->n != STEME_PUBKEY_SIZE)
        return 0;
    memcpy(pk.b, key->p, STEME_PUBKEY_SIZE);
    if (c->has_genesis && memcmp(pk.b, c->genesis.b, STEME_PUBKEY_SIZE) == 0)
        return 0;
    if ((c->err = steme__agent_get(c->t, &pk, &row)) != STEME_OK)
        return 1;
    c->n += row.evidence > 0 || row.role != STEME_ROLE_NONE;
    return 0;
}

static steme_err
est_put(steme__txn *t, uint64_t n)
{
    uint8_t k = EST_KEY;
    return steme__gold_u64_put(t, &k, 1, n);
}

static steme_err
est_get(steme__txn *t, uint64_t *ret)
{
    uint8_t k = EST_KEY;
    return steme__gold_u64_get(t, &k, 1, ret);
}

/* Every established agent, the genesis admin included; the row is made if absent. */
static steme_err
established_total(steme__txn *t, uint64_t *ret)
{
    est_count c = {.t = t};
    steme_err err = steme__txn_genesis_admin(t, &c.genesis);

    if (err != STEME_OK && err != STEME_ENOTFOUND)
        return err;
    c.has_genesis = err == STEME_OK;
    err = est_get(t, &c.n);
    if (err != STEME_OK && err != STEME_ENOTFOUND)
        return err;
    if (err == STEME_ENOTFOUND) {
        c.n = 0;
        if ((err = steme__tscan(t, STEME__T_AGENT, NULL, 0, count_one, &c)) != STEME_OK ||
            (err = c.err) != STEME_OK || (err = est_put(t, c.n)) != STEME_OK)
            return err;
    }
    *ret = c.n + (c.has_genesis ? 1 : 0);
    return STEME_OK;
}

steme_err
steme__established_changed(steme__txn *t, const steme_pubkey *pk, bool before, bool after)
{
    steme_pubkey genesis;
    uint64_t n;
    steme_err err;

    if (before == after)
        return STEME_OK;
    err = steme__txn_genesis_admin(t, &genesis);
    if (err == STEME_OK && memcmp(genesis.b, pk->b, STEME_PUBKEY_SIZE) == 0)
        return STEME_OK; /* always established, never counted in the row */
    if (err != STEME_OK && err != STEME_ENOTFOUND)
        return err;
    err = est_get(t, &n);
    if (err == STEME_ENOTFOUND)
        return STEME_OK; /* computed from the agent rows when first needed */
    if (err != STEME_OK)
        return err;
    if (!after && n == 0)
        return STEME_ECORRUPT;
    return est_put(t, after ? n + 1 : n - 1);
}

/* ---------------------------------------------------------------------------------------------
 * The settlement check
 */

/* A hash of a value's canonical form under steme__value_eq: the same type, and for numbers the
 * unit after "%" is folded into the number and the number printed to 15 significant digits
 * (with -0 made +0, which == treats as equal). Equal values hash equal; a collision of the
 * 128-bit truncated BLAKE2b would merge two groups, which is negligible. */
static void
value_hash(const steme_value *v, uint8_t out[VHASH_SIZE])
{
    steme__hasher h;
    uint8_t full[32], type = (uint8_t)v->type, b[8];
    steme_str unit = v->unit;
    char num[40];
    double x;

    steme__hash256_init(&h);
    steme__hash256_update(&h, &type, 1);
    switch (v->type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        steme__hash256_update(&h, v->str.len ? v->str.ptr : "", v->str.len);
        break;
    case STEME_VALUE_INTEGER:
        steme__put_u64(b, (uint64_t)v->integer);
        steme__hash256_update(&h, b, sizeof(b));
        break;
    case STEME_VALUE_BOOLEAN:
        b[0] = v->boolean ? 1 : 0;
        steme__hash256_update(&h, b, 1);
        break;
    case STEME_VALUE_NUMBER:
        x = v->number;
        if (unit.len == 1 && unit.ptr[0] == '%') {
            x /= 100.0;
            unit.len = 0;
        }
        x += 0.0;
        steme__put_u64(b, (uint64_t)unit.len);
        steme__hash256_update(&h, b, sizeof(b));
        steme__hash256_update(&h, unit.len ? unit.ptr : "", unit.len);
        snprintf(num, sizeof(num), "%.15g", x);
        steme__hash256_update(&h, num, strlen(num));
        break;
    }
    steme__hash256_final(&h, full);
    memcpy(out, full, VHASH_SIZE);
}

static bool
str_eq(steme_str a, steme_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* One agent's position on the key: its latest active or disputed assertion. The hashes are
 * filled only when enough positions count for the key to settle (fill_hashes). */
typedef struct position {
    steme_pubkey agent;
    uint64_t seq;
    uint8_t vhash[VHASH_SIZE];
    uint8_t shash[8]; /* hash64 of the cited source */
    bool counted;     /* established: it counts toward settlement */
} position;

typedef struct scan {
    steme__txn *t;
    steme_str subject, predicate;
    position pos[STEME__CONSENSUS_SCAN_MAX];
    size_t n;
    size_t seen; /* assertions on the key read so far */
    bool overflow;
    steme_err err;
} scan;

static int
scan_one(const steme_entry *ae, void *ctx)
{
    scan *s = ctx;
    const steme_assertion *a = &ae->record.assertion;
    steme__state_row st;
    size_t i;

    if (ae->record.kind != STEME_RECORD_ASSERTION)
        return 0;
    /* The index key is a pair of hashes: another key that collides is not this one. */
    if (!str_eq(a->subject, s->subject) || !str_eq(a->predicate, s->predicate))
        return 0;
    if (++s->seen > STEME__CONSENSUS_SCAN_MAX) {
        s->overflow = true;
        return 1;
    }
    if ((s->err = steme__state_get(s->t, ae->seq, &st)) != STEME_OK)
        return 1;
    if (st.stage != STEME_STAGE_ACTIVE && st.stage != STEME_STAGE_DISPUTED)
        return 0;
    for (i = 0; i < s->n; i++)
        if (memcmp(s->pos[i].agent.b, a->agent.b, STEME_PUBKEY_SIZE) == 0)
            break;
    if (i == s->n)
        s->n++;
    /* Ascending seq: a later assertion replaces the agent's earlier position. */
    s->pos[i].agent = a->agent;
    s->pos[i].seq = ae->seq;
    return 0;
}

/* The value and source hashes of every position, from its assertion. */
static steme_err
fill_hashes(steme__txn *t, scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        steme_entry pe;
        steme_err err = steme__txn_get_seq(t, s->pos[i].seq, &pe);
        if (err != STEME_OK)
            return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
        if (pe.record.kind != STEME_RECORD_ASSERTION)
            return STEME_ECORRUPT;
        const steme_assertion *a = &pe.record.assertion;
        value_hash(&a->object, s->pos[i].vhash);
        steme__hash64(a->source.len ? a->source.ptr : "", a->source.len, s->pos[i].shash);
    }
    return STEME_OK;
}

/* An agent counts toward settlement when it has a role or has already been scored against
 * gold or consensus at least once: fresh keys cost nothing, so a crowd of strangers must not
 * be able to settle a key (and so earn trust) on its own. */
static steme_err
established(steme__txn *t, const steme_pubkey *pk, bool *ret)
{
    steme__agent_row row;
    steme_err err = steme__agent_load(t, pk, &row);
    if (err != STEME_OK)
        return err;
    *ret = row.evidence > 0 || steme__role(t, pk) != STEME_ROLE_NONE;
    return STEME_OK;
}

static bool
same_value(const position *p, const position *q)
{
    return memcmp(p->vhash, q->vhash, VHASH_SIZE) == 0;
}

/* The settled group, or -1: among counted positions, >= MIN_AGENTS of them, one value held by
 * >= 80 % of them, cited from >= MIN_SOURCES distinct sources by the agents holding it. Each
 * group is evaluated once, at its first counted holder: O(n^2) for n <= SCAN_MAX positions. */
static long
settled_group(const scan *s)
{
    size_t counted = 0;

    for (size_t i = 0; i < s->n; i++)
        counted += s->pos[i].counted;
    if (counted < STEME__CONSENSUS_MIN_AGENTS)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        size_t holders = 0, sources = 0, j;

        if (!s->pos[i].counted)
            continue;
        for (j = 0; j < i; j++)
            if (s->pos[j].counted && same_value(&s->pos[j], &s->pos[i]))
                break;
        if (j < i)
            continue; /* group already evaluated */
        for (j = i; j < s->n; j++) {
            size_t m;

            if (!s->pos[j].counted || !same_value(&s->pos[j], &s->pos[i]))
                continue;
            holders++;
            /* A source counts once: at its first holder. */
            for (m = i; m < j; m++)
                if (s->pos[m].counted && same_value(&s->pos[m], &s->pos[i]) &&
                    memcmp(s->pos[m].shash, s->pos[j].shash, 8) == 0)
                    break;
            sources += m == j;
        }
        /* A share above 50 % leaves no other group a chance: this one decides. */
        if (holders * STEME__CONSENSUS_SHARE_DEN >= counted * STEME__CONSENSUS_SHARE_NUM)
            return sources >= STEME__CONSENSUS_MIN_SOURCES ? (long)i : -1;
    }
    return -1;
}

/* Score every position against the settled group g; the cause is the settling assertion. */
static steme_err
score_all(steme__txn *t, const uint8_t k[ROW_KEY_SIZE], scan *s, size_t g, uint64_t cause)
{
    for (size_t i = 0; i < s->n; i++) {
        steme_entry pe;
        char source[STEME_MAX_SOURCE];
        steme_str src = {source, 0};
        steme_err err;

        /* The cited source, copied before any write (the entry borrows pages). */
        if ((err = steme__txn_get_seq(t, s->pos[i].seq, &pe)) != STEME_OK)
            return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
        src.len = pe.record.assertion.source.len < sizeof(source) ? pe.record.assertion.source.len
                                                                  : sizeof(source);
        memcpy(source, src.len ? pe.record.assertion.source.ptr : "", src.len);
        bool agree = same_value(&s->pos[i], &s->pos[g]);
        /* Active or disputed: accepted claims, so their sources are scored too. */
        if ((err = score(t, k, &s->pos[i].agent, &src, cause, agree)) != STEME_OK)
            return err;
    }
    return STEME_OK;
}

static steme_err
check_settled(steme__txn *t, const steme_entry *e, const uint8_t k[ROW_KEY_SIZE])
{
    const steme_assertion *a = &e->record.assertion;
    /* About 4.5 KiB: bounded by the scan cap, so no allocation (and no failure) is needed. */
    scan s = {.t = t, .subject = a->subject, .predicate = a->predicate};
    /* During a rebuild the index already holds the whole log: read it as of this assertion. */
    steme_list_options lo = {.index = STEME_INDEX_SUBJECT_PREDICATE,
                             .subject = a->subject,
                             .predicate = a->predicate,
                             .as_of = e->seq};
    size_t entries, counted = 0;
    uint64_t est;
    steme_err err;
    long g;

    /* The scan writes only when the key settles or overflows the cap; two counts rule both
     * out without it. The store's established agents first, so that the count's row is made
     * at the same record in a rebuild (where the index already holds later records). */
    if ((err = established_total(t, &est)) != STEME_OK ||
        (err = steme__txn_index_count(t, &lo, &entries)) != STEME_OK)
        return err;
    /* Fewer index entries under the key than MIN_AGENTS (an upper bound on its assertions, so
     * on the agents holding one) cannot settle, nor overflow. */
    if (entries < STEME__CONSENSUS_MIN_AGENTS)
        return STEME_OK;
    /* Nor can any key settle while the store has fewer established agents than MIN_AGENTS;
     * the scan is still due when it may overflow (the key is then closed, as it would be). */
    if (est < STEME__CONSENSUS_MIN_AGENTS && entries <= STEME__CONSENSUS_SCAN_MAX)
        return STEME_OK;
    if ((err = steme__txn_list(t, &lo, scan_one, &s)) != STEME_OK || s.err != STEME_OK)
        return err != STEME_OK ? err : s.err;
    if (s.overflow)
        /* Too busy to have settled within the cap: contested, or crowded with claims that do
         * not count. Closing it keeps every later assertion on it O(1). */
        return settled_put(t, k, e->seq, 0);
    for (size_t i = 0; i < s.n; i++) {
        if ((err = established(t, &s.pos[i].agent, &s.pos[i].counted)) != STEME_OK)
            return err;
        counted += s.pos[i].counted;
    }
    /* settled_group needs MIN_AGENTS counted positions: hash the values only then. */
    if (counted < STEME__CONSENSUS_MIN_AGENTS)
        return STEME_OK;
    if ((err = fill_hashes(t, &s)) != STEME_OK)
        return err;
    if ((g = settled_group(&s)) < 0)
        return STEME_OK;
    if ((err = settled_put(t, k, e->seq, s.pos[g].seq)) != STEME_OK)
        return err;
    return score_all(t, k, &s, (size_t)g, e->seq);
}

/* ---------------------------------------------------------------------------------------------
 * Hooks
 */

/* Whether value v equals the settled value of the key whose representative is rep. */
static steme_err
matches(steme__txn *t, uint64_t rep, const steme_value *v, bool *ret)
{
    steme_entry re;
    steme_err err = steme__txn_get_seq(t, rep, &re);
    if (err != STEME_OK)
        return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
    if (re.record.kind != STEME_RECORD_ASSERTION)
        return STEME_ECORRUPT;
    *ret = steme__value_eq(v, &re.record.assertion.object);
    return STEME_OK;
}

steme_err
steme__consensus_on_assertion(steme__txn *t, const steme_entry *e)
{
    const steme_assertion *a = &e->record.assertion;
    uint8_t k[MARKER_SIZE];
    steme__state_row st;
    steme_entry gold;
    uint64_t rep;
    bool agree;
    steme_err err;

    /* Gold takes precedence: a key with gold in force is scored against gold only. */
    assertion_row_key(t, e, k);
    err = steme__gold_find_key(t, k + 1, a->subject, a->predicate, &gold);
    if (err != STEME_ENOTFOUND)
        return err;
    err = settled_get(t, k, &rep);
    if (err == STEME_ENOTFOUND)
        return check_settled(t, e, k);
    if (err != STEME_OK || rep == 0)
        return err;

    /* Settled already: score the author on arrival, whatever the new claim's stage (as gold
     * does), and its source only when the claim was accepted. */
    if ((err = matches(t, rep, &a->object, &agree)) != STEME_OK ||
        (err = steme__state_get(t, e->seq, &st)) != STEME_OK)
        return err;
    bool accepted = !(st.conditions & (STEME_COND_QUARANTINED | STEME_COND_REJECTED));
    return score(t, k, &a->agent, accepted ? &a->source : NULL, e->seq, agree);
}

steme_err
steme__consensus_on_vote(steme__txn *t, const steme_entry *e, const steme_entry *target)
{
    const steme_vote *v = &e->record.vote;
    const steme_assertion *a = &target->record.assertion;
    uint8_t k[MARKER_SIZE];
    steme_pubkey voter = v->agent;
    uint64_t rep;
    bool match;
    steme_err err;

    row_key(k, a->subject, a->predicate);
    err = settled_get(t, k, &rep);
    if (err != STEME_OK || rep == 0)
        return err == STEME_ENOTFOUND ? STEME_OK : err;
    /* Decided before writing: target borrows pages of this transaction. */
    int8_t value = v->value;
    if ((err = matches(t, rep, &a->object, &match)) != STEME_OK)
        return err;
    return score(t, k, &voter, NULL, e->seq, (value > 0) == match);
}
