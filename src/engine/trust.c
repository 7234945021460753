/* SPDX-License-Identifier: MIT */
/*
 * trust.c -- learned reliability of agents and sources (docs/trust.md): Beta reputation with
 * forgetting (Jøsang & Ismail, "The Beta Reputation System", 2002), fed by gold standards,
 * and the quarantine test that new assertions go through.
 *
 * Every agent and every source holds Beta pseudo-counts (alpha, beta), starting at the prior.
 * An observation (agree or disagree, weight w) first decays the evidence so far toward the
 * prior by STEME__TRUST_FORGET, then adds w to one side. Decay is counted in observations of
 * that agent, never in wall-clock time, so trust is a function of the log alone and a rebuild
 * reproduces it bit for bit. Each change of an agent's trust is also written to the trust log
 * under (agent, seq of the record that caused it), which is what steme_db_agent(as_of) reads.
 *
 * Evidence comes from gold standards (admin-set true values for a subject and predicate):
 * assertions on a key with gold in force, the scoring of existing assertions and votes when a
 * gold standard arrives, and votes cast on such keys. An agent is scored at most once per key
 * per gold event: the marker rows in STEME__T_GOLD stop anyone from farming trust by echoing
 * a gold value that is already public. Keys without gold can feed trust through a settled
 * consensus instead (consensus.c), at a lower weight.
 */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "rules.h"

#define KEY_SIZE    16                             /* hash64(subject) || hash64(predicate) */
#define MARKER_SIZE (KEY_SIZE + STEME_PUBKEY_SIZE) /* key || agent: scored against gold seq */

double
steme__trust_mean(double alpha, double beta)
{
    double sum = alpha + beta;
    return sum > 0 ? alpha / sum : 0.5;
}

/* One observation: decay toward the prior, then count it. */
static void
observe(double *alpha, double *beta, bool agree, double w)
{
    *alpha = STEME__TRUST_PRIOR_ALPHA + STEME__TRUST_FORGET * (*alpha - STEME__TRUST_PRIOR_ALPHA) +
             (agree ? w : 0.0);
    *beta = STEME__TRUST_PRIOR_BETA + STEME__TRUST_FORGET * (*beta - STEME__TRUST_PRIOR_BETA) +
            (agree ? 0.0 : w);
}

steme_err
steme__agent_trust(steme__txn *t, const steme_pubkey *pk, double *ret)
{
    steme__agent_row row;
    steme_err err = steme__agent_load(t, pk, &row);
    if (err == STEME_OK)
        *ret = steme__trust_mean(row.alpha, row.beta);
    return err;
}

/* An agent observation of weight w caused by the record at seq, logged for as_of reads. */
steme_err
steme__trust_observe_agent(steme__txn *t, const steme_pubkey *pk, uint64_t seq, bool agree,
                           double w)
{
    steme__agent_row row;
    steme_err err = steme__agent_load(t, pk, &row);
    if (err != STEME_OK)
        return err;
    observe(&row.alpha, &row.beta, agree, w);
    /* The first evidence establishes an agent without a role (consensus.c). */
    if (row.evidence == 0 && row.role == STEME_ROLE_NONE &&
        (err = steme__established_changed(t, pk, false, true)) != STEME_OK)
        return err;
    row.evidence++;
    err = steme__agent_put(t, pk, &row);
    if (err == STEME_OK)
        err = steme__stamp_global(t, STEME__STAMP_TRUST);
    if (err != STEME_OK)
        return err;
    return steme__trust_log_put(t, pk, seq, row.alpha, row.beta);
}

/* A source observation. The weight is the reporting author's trust: what a source says reaches
 * us through an agent, and an untrusted agent's report is discounted (Jøsang's discounting of
 * feedback by the reputation of whoever gives it), so a troll citing a regulator with wrong
 * values barely moves the regulator. */
steme_err
steme__trust_observe_source(steme__txn *t, steme_str id, bool agree, double w)
{
    steme__source_row row;
    steme_err err = steme__source_get(t, id, &row);

    if (err == STEME_ENOTFOUND) {
        /* First citation, before sources.c counted it: the row sources.c would create. */
        memset(&row, 0, sizeof(row));
        row.status = STEME_SOURCE_UNREGISTERED;
        row.tier = STEME_TIER_UNVERIFIED;
        row.weight = steme__tier_weight(STEME_TIER_UNVERIFIED);
        row.alpha = STEME__TRUST_PRIOR_ALPHA;
        row.beta = STEME__TRUST_PRIOR_BETA;
    } else if (err != STEME_OK) {
        return err;
    }
    observe(&row.alpha, &row.beta, agree, w);
    if ((err = steme__stamp_global(t, STEME__STAMP_TRUST)) != STEME_OK)
        return err;
    return steme__source_put(t, id, &row);
}

/* ---------------------------------------------------------------------------------------------
 * Value equality against a gold standard
 */

static bool
str_eq(steme_str a, steme_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool
is_percent(steme_str unit)
{
    return unit.len == 1 && unit.ptr[0] == '%';
}

/* Numbers are equal when they print the same to 15 significant digits (DBL_DIG: the precision
 * to which every decimal a person writes survives binary64), after a percentage is turned
 * into a fraction. That makes "3.5 %" equal "0.035" although 3.5 / 100 and 0.035 need not be
 * the same double, without a tolerance that could merge genuinely different values. */
static bool
number_eq(const steme_value *a, const steme_value *b)
{
    double x = a->number, y = b->number;
    steme_str ua = a->unit, ub = b->unit;
    char sx[32], sy[32];

    if (is_percent(ua)) {
        x /= 100.0;
        ua.len = 0;
    }
    if (is_percent(ub)) {
        y /= 100.0;
        ub.len = 0;
    }
    if (!str_eq(ua, ub))
        return false;
    if (x == y)
        return true;
    snprintf(sx, sizeof(sx), "%.15g", x);
    snprintf(sy, sizeof(sy), "%.15g", y);
    return strcmp(sx, sy) == 0;
}

/* Same type and same canonical value (docs/trust.md). An integer never equals a number: the
 * author chose the type, and "3" is a count where "3.0" is a measurement. */
bool
steme__value_eq(const steme_value *a, const steme_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        return str_eq(a->str, b->str);
    case STEME_VALUE_INTEGER:
        return a->integer == b->integer;
    case STEME_VALUE_NUMBER:
        return number_eq(a, b);
    case STEME_VALUE_BOOLEAN:
        return a->boolean == b->boolean;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Gold rows and scoring markers
 */

static void
gold_key(uint8_t k[MARKER_SIZE], steme_str subject, steme_str predicate)
{
    steme__hash64(subject.len ? subject.ptr : "", subject.len, k);
    steme__hash64(predicate.len ? predicate.ptr : "", predicate.len, k + 8);
}

steme_err
steme__gold_u64_get(steme__txn *t, const uint8_t *k, size_t kl, uint64_t *ret)
{
    steme__val v;
    steme_err err = steme__tget(t, STEME__T_GOLD, k, kl, &v);
    if (err != STEME_OK)
        return err;
    if (v.n != 9 || v.p[0] != STEME__ROW_VERSION)
        return STEME_ECORRUPT;
    *ret = steme__get_u64(v.p + 1);
    return STEME_OK;
}

steme_err
steme__gold_u64_put(steme__txn *t, const uint8_t *k, size_t kl, uint64_t seq)
{
    uint8_t v[9] = {STEME__ROW_VERSION};
    steme__put_u64(v + 1, seq);
    return steme__tput(t, STEME__T_GOLD, k, kl, v, sizeof(v));
}

/* The key is a pair of 64-bit hashes, so the event's own subject and predicate are compared:
 * a collision reads as "no gold" rather than as someone else's gold. */
steme_err
steme__gold_find(steme__txn *t, steme_str subject, steme_str predicate, steme_entry *ret)
{
    uint8_t k[MARKER_SIZE];

    gold_key(k, subject, predicate);
    return steme__gold_find_key(t, k, subject, predicate, ret);
}

steme_err
steme__gold_find_key(steme__txn *t, const uint8_t k[16], steme_str subject, steme_str predicate,
                     steme_entry *ret)
{
    uint64_t seq;
    steme_err err;

    if ((err = steme__gold_u64_get(t, k, KEY_SIZE, &seq)) != STEME_OK)
        return err;
    if ((err = steme__txn_get_seq(t, seq, ret)) != STEME_OK)
        return err == STEME_ENOTFOUND ? STEME_ECORRUPT : err;
    const steme_event *ev = &ret->record.event;
    if (ret->record.kind != STEME_RECORD_EVENT || ev->type != STEME_EVENT_GOLD_SET)
        return STEME_ECORRUPT;
    if (!str_eq(ev->subject, subject) || !str_eq(ev->predicate, predicate))
        return STEME_ENOTFOUND;
    return STEME_OK;
}

/* Whether pk was already scored on this key against gold event gold_seq; if not, mark it. */
static steme_err
claim_score(steme__txn *t, const uint8_t key[KEY_SIZE], const steme_pubkey *pk, uint64_t gold_seq,
            bool *ret_fresh)
{
    uint8_t k[MARKER_SIZE];
    uint64_t seen;
    steme_err err;

    memcpy(k, key, KEY_SIZE);
    memcpy(k + KEY_SIZE, pk->b, STEME_PUBKEY_SIZE);
    err = steme__gold_u64_get(t, k, sizeof(k), &seen);
    if (err == STEME_OK && seen == gold_seq) {
        *ret_fresh = false;
        return STEME_OK;
    }
    if (err != STEME_OK && err != STEME_ENOTFOUND)
        return err;
    *ret_fresh = true;
    return steme__gold_u64_put(t, k, sizeof(k), gold_seq);
}

/* ---------------------------------------------------------------------------------------------
 * Assertions and votes
 */

steme_err
steme__trust_on_assertion(steme__rules *r, steme__txn *t, const steme_entry *e,
                          steme_quarantine_reason *ret_reason)
{
    const steme_assertion *a = &e->record.assertion;
    steme_quarantine_reason reason = STEME_QUARANTINE_NONE;
    uint8_t key[MARKER_SIZE];
    steme_entry gold;
    double before;
    bool fresh;
    steme_err err;

    /* The quarantine test uses the trust the author had earned before this assertion: its
     * own gold evidence must not let it in (or keep it out). */
    if ((err = steme__agent_trust(t, &a->agent, &before)) != STEME_OK)
        return err;
    if (before < STEME__QUARANTINE_THRESHOLD && steme__role(t, &a->agent) == STEME_ROLE_NONE)
        reason = STEME_QUARANTINE_LOW_TRUST;
    else
        reason = steme__assertion_defense(r, t, e);

    steme__assertion_key(t, e, key);
    err = steme__gold_find_key(t, key, a->subject, a->predicate, &gold);
    if (err == STEME_OK) {
        /* Decide before writing: gold borrows pages of this transaction. */
        bool agree = steme__value_eq(&a->object, &gold.record.event.value);
        uint64_t gold_seq = gold.seq;

        if ((err = claim_score(t, key, &a->agent, gold_seq, &fresh)) != STEME_OK)
            return err;
        if (fresh) {
            if ((err = steme__trust_observe_agent(t, &a->agent, e->seq, agree, 1.0)) != STEME_OK)
                return err;
            /* A quarantined claim is not yet accepted as a report of what its source says. */
            if (reason == STEME_QUARANTINE_NONE &&
                (err = steme__trust_observe_source(t, a->source, agree, before)) != STEME_OK)
                return err;
        }
    } else if (err != STEME_ENOTFOUND) {
        return err;
    }
    *ret_reason = reason;
    return STEME_OK;
}

steme_err
steme__trust_on_vote(steme__rules *r, steme__txn *t, const steme_entry *e,
                     const steme_entry *target, int8_t old_value)
{
    const steme_vote *v = &e->record.vote;
    const steme_assertion *a = &target->record.assertion;
    uint8_t key[MARKER_SIZE];
    steme_entry gold;
    bool fresh;
    steme_err err;

    (void)r;
    /* Repeating one's standing vote says nothing new; counting it would let an agent farm
     * trust by re-sending the same vote with a new timestamp. */
    if (v->value == old_value)
        return STEME_OK;
    err = steme__gold_find(t, a->subject, a->predicate, &gold);
    if (err == STEME_ENOTFOUND)
        /* No gold: a settled consensus on the key is the next best evidence (consensus.c). */
        return steme__consensus_on_vote(t, e, target);
    if (err != STEME_OK)
        return err;
    bool match = steme__value_eq(&a->object, &gold.record.event.value);
    bool agree = (v->value > 0) == match;
    uint64_t gold_seq = gold.seq;

    gold_key(key, a->subject, a->predicate);
    if ((err = claim_score(t, key, &v->agent, gold_seq, &fresh)) != STEME_OK || !fresh)
        return err;
    return steme__trust_observe_agent(t, &v->agent, e->seq, agree, 1.0);
}

/* ---------------------------------------------------------------------------------------------
 * Gold standards
 */

steme_err
steme__gold_admit(steme__rules *r, steme__txn *t, const steme_entry *e, steme_errinfo *ei)
{
    const steme_event *ev = &e->record.event;

    (void)r;
    (void)t;
    /* The codec already requires both; a record built by hand is checked again because an
     * empty key would make a gold standard nobody can match. */
    if (ev->subject.len == 0)
        return steme__refuse(ei, "subject", "required for gold_set");
    if (ev->predicate.len == 0)
        return steme__refuse(ei, "predicate", "required for gold_set");
    return STEME_OK;
}

typedef struct scoring {
    steme__txn *t;
    const steme_value *gold;
    uint64_t gold_seq; /* the gold_set event: the cause of every observation */
    uint8_t key[MARKER_SIZE];
    steme_err err;
    /* the assertion whose votes are being scored */
    uint64_t target;
    bool match;
} scoring;

/* Pass 1: the authors of the assertions on the key. */
static int
score_assertion(const steme_entry *ae, void *ctx)
{
    scoring *s = ctx;
    const steme_assertion *a = &ae->record.assertion;
    steme__state_row st = {0};
    double before;
    bool fresh;

    if (ae->record.kind != STEME_RECORD_ASSERTION)
        return 0;
    s->err = steme__state_get(s->t, ae->seq, &st);
    if (s->err == STEME_ENOTFOUND)
        s->err = STEME_OK;
    if (s->err != STEME_OK)
        return 1;
    /* A claim its author withdrew (superseded or retracted it) is no longer the author's
     * claim: an honest correction made before the gold arrived is not held against it. */
    if (st.conditions & (STEME_COND_SUPERSEDED | STEME_COND_RETRACTED_AUTHOR))
        return 0;
    /* Copied before writing: the entry may borrow a page that this transaction dirtied, and
     * LMDB may spill dirty pages when a transaction grows large. */
    bool agree = steme__value_eq(&a->object, s->gold);
    steme_pubkey agent = a->agent;
    char source[STEME_MAX_SOURCE];
    steme_str src = {source, a->source.len < sizeof(source) ? a->source.len : sizeof(source)};
    memcpy(source, a->source.ptr != NULL ? a->source.ptr : "", src.len);

    if ((s->err = steme__agent_trust(s->t, &agent, &before)) != STEME_OK ||
        (s->err = claim_score(s->t, s->key, &agent, s->gold_seq, &fresh)) != STEME_OK)
        return 1;
    if (!fresh)
        return 0;
    if ((s->err = steme__trust_observe_agent(s->t, &agent, s->gold_seq, agree, 1.0)) != STEME_OK)
        return 1;
    if (!(st.conditions & (STEME_COND_QUARANTINED | STEME_COND_REJECTED)))
        s->err = steme__trust_observe_source(s->t, src, agree, before);
    return s->err != STEME_OK;
}

/* Pass 2, per assertion: its standing votes (STEME__T_VOTE keys are target seq || voter). */
static int
score_vote(const steme__val *key, const steme__val *val, void *ctx)
{
    scoring *s = ctx;
    steme_pubkey voter;
    steme__vote_row vote;
    bool fresh;

    (void)val;
    if (key->n != 8 + STEME_PUBKEY_SIZE) {
        s->err = STEME_ECORRUPT;
        return 1;
    }
    memcpy(voter.b, key->p + 8, STEME_PUBKEY_SIZE);
    if ((s->err = steme__vote_get(s->t, s->target, &voter, &vote)) != STEME_OK ||
        (s->err = claim_score(s->t, s->key, &voter, s->gold_seq, &fresh)) != STEME_OK)
        return 1;
    if (!fresh)
        return 0;
    s->err =
        steme__trust_observe_agent(s->t, &voter, s->gold_seq, (vote.value > 0) == s->match, 1.0);
    return s->err != STEME_OK;
}

static int
score_votes_on(const steme_entry *ae, void *ctx)
{
    scoring *s = ctx;
    uint8_t prefix[8];

    if (ae->record.kind != STEME_RECORD_ASSERTION)
        return 0;
    s->target = ae->seq;
    s->match = steme__value_eq(&ae->record.assertion.object, s->gold);
    steme__key_seq(prefix, ae->seq);
    s->err = steme__tscan(s->t, STEME__T_VOTE, prefix, sizeof(prefix), score_vote, s);
    return s->err != STEME_OK;
}

/* Score everything already on the key against the new gold value. Both passes stream from
 * the index and the vote table, so memory stays constant however hot the key is. */
static steme_err
score_existing(steme__txn *t, const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    scoring s = {.t = t, .gold = &ev->value, .gold_seq = e->seq};
    /* During a rebuild the indexes already hold the whole log: only what preceded the event
     * may be scored, or the replay would differ from what happened. */
    steme_list_options lo = {.index = STEME_INDEX_SUBJECT_PREDICATE,
                             .subject = ev->subject,
                             .predicate = ev->predicate,
                             .as_of = e->seq};
    steme_err err;

    gold_key(s.key, ev->subject, ev->predicate);
    if ((err = steme__txn_list(t, &lo, score_assertion, &s)) != STEME_OK || s.err != STEME_OK)
        return err != STEME_OK ? err : s.err;
    if ((err = steme__txn_list(t, &lo, score_votes_on, &s)) != STEME_OK)
        return err;
    return s.err;
}

steme_err
steme__gold_apply(steme__rules *r, steme__txn *t, const steme_entry *e)
{
    const steme_event *ev = &e->record.event;
    uint8_t key[MARKER_SIZE];
    steme_entry old;
    steme_err err;

    (void)r;
    err = steme__gold_find(t, ev->subject, ev->predicate, &old);
    if (err == STEME_OK && steme__value_eq(&old.record.event.value, &ev->value))
        /* The same value again: the standard in force (and what was scored against it) stays;
         * scoring again would count the same evidence twice. */
        return STEME_OK;
    if (err != STEME_OK && err != STEME_ENOTFOUND)
        return err;
    /* A new or corrected value replaces the old one and everything on the key is scored
     * again. Evidence from the old value is not taken back: it decays like any other. */
    gold_key(key, ev->subject, ev->predicate);
    if ((err = steme__gold_u64_put(t, key, KEY_SIZE, e->seq)) != STEME_OK)
        return err;
    return score_existing(t, e);
}
