/* SPDX-License-Identifier: MIT */
/*
 * trust_queries.c -- the public reads of learned trust (docs/trust.md): an agent's profile,
 * counts and trust now or at any log position, every agent, and the gold standard in force
 * for a key.
 *
 * Trust at a past position comes from the trust log, which holds an agent's (alpha, beta)
 * after every record that changed them: one seek, however long the agent's history. The
 * refusal counts come from the rate limiter's memory, not from the log (refused records never
 * enter it).
 */
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "engine.h"
#include "ratelimit.h"

/* A trust log row (rows.c writes it): version, alpha, beta as IEEE-754 bits. */
static steme_err
trust_log_decode(const steme__val *v, double *alpha, double *beta)
{
    uint64_t a, b;

    if (v->n != 17 || v->p[0] != STEME__ROW_VERSION)
        return STEME_ECORRUPT;
    a = steme__get_u64(v->p + 1);
    b = steme__get_u64(v->p + 9);
    memcpy(alpha, &a, sizeof(a));
    memcpy(beta, &b, sizeof(b));
    return STEME_OK;
}

/* alpha and beta of pk after the last record at or before as_of (the prior before any). */
steme_err
steme__trust_as_of(steme__txn *t, const steme_pubkey *pk, uint64_t as_of, double *alpha,
                   double *beta)
{
    uint8_t k[STEME_PUBKEY_SIZE + 8];
    steme__val key, val;
    steme_err err;

    memcpy(k, pk->b, STEME_PUBKEY_SIZE);
    steme__key_seq(k + STEME_PUBKEY_SIZE, as_of);
    err = steme__tlast_le(t, STEME__T_TRUST_LOG, k, sizeof(k), STEME_PUBKEY_SIZE, &key, &val);
    if (err == STEME_ENOTFOUND) {
        *alpha = STEME__TRUST_PRIOR_ALPHA;
        *beta = STEME__TRUST_PRIOR_BETA;
        return STEME_OK;
    }
    if (err != STEME_OK)
        return err;
    return trust_log_decode(&val, alpha, beta);
}

static steme_err
agent_info(steme_db *db, steme__txn *t, const steme_pubkey *pk, uint64_t as_of,
           steme_agent_info *ret)
{
    steme__agent_row row;
    steme_agent_info info;
    steme_err err = steme__agent_load(t, pk, &row);

    if (err != STEME_OK)
        return err;
    memset(&info, 0, sizeof(info));
    info.key = *pk;
    info.role = steme__role(t, pk);
    info.profile_seq = row.profile_seq;
    info.assertions = row.assertions;
    info.votes = row.votes;
    info.events = row.events;
    info.quarantined = row.quarantined;
    info.evidence = row.evidence;
    info.alpha = row.alpha;
    info.beta = row.beta;
    if (as_of != 0 && (err = steme__trust_as_of(t, pk, as_of, &info.alpha, &info.beta)) != STEME_OK)
        return err;
    info.trust = steme__trust_mean(info.alpha, info.beta);
    info.rejections = db->ratelimit != NULL ? steme__ratelimit_rejections(db->ratelimit, pk) : 0;
    *ret = info;
    return STEME_OK;
}

steme_err
steme_db_agent(steme_db *db, const steme_pubkey *pk, uint64_t as_of, steme_agent_info *ret)
{
    steme__snap *snap;
    steme_err err;

    if (db == NULL || pk == NULL || ret == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = agent_info(db, steme__snap_txn(snap), pk, as_of, ret);
    steme__snap_end(snap);
    return err;
}

typedef struct each_agent {
    steme_db *db;
    steme__txn *t;
    steme_agent_fn fn;
    void *ctx;
    steme_err err;
} each_agent;

static int
agent_row(const steme__val *key, const steme__val *val, void *ctx)
{
    each_agent *ea = ctx;
    steme_agent_info info;
    steme_pubkey pk;

    (void)val;
    if (key->n != STEME_PUBKEY_SIZE) {
        ea->err = STEME_ECORRUPT;
        return 1;
    }
    memcpy(pk.b, key->p, STEME_PUBKEY_SIZE);
    if ((ea->err = agent_info(ea->db, ea->t, &pk, 0, &info)) != STEME_OK)
        return 1;
    return ea->fn(&info, ea->ctx);
}

steme_err
steme_db_agents(steme_db *db, steme_agent_fn fn, void *ctx)
{
    steme__snap *snap;
    steme_err err;

    if (db == NULL || fn == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    each_agent ea = {db, steme__snap_txn(snap), fn, ctx, STEME_OK};
    err = steme__tscan(ea.t, STEME__T_AGENT, NULL, 0, agent_row, &ea);
    steme__snap_end(snap);
    return err != STEME_OK ? err : ea.err;
}

/* One caller-owned allocation holding the entry and a copy of its bytes, decoded again over
 * the copy (the original borrows the snapshot). */
static steme_err
entry_copy(const steme_entry *e, steme_entry **ret)
{
    steme_entry *out = steme__malloc(sizeof(*out) + e->len);
    steme_errinfo ei;

    if (out == NULL)
        return STEME_ENOMEM;
    *out = *e;
    out->bytes = (const uint8_t *)(out + 1);
    memcpy(out + 1, e->bytes, e->len);
    if (steme_record_decode(out->bytes, out->len, &out->record, &ei) != STEME_OK) {
        steme__free(out);
        return STEME_ECORRUPT;
    }
    *ret = out;
    return STEME_OK;
}

steme_err
steme_db_gold(steme_db *db, steme_str subject, steme_str predicate, steme_entry **ret)
{
    steme__snap *snap;
    steme_entry e;
    steme_err err;

    if (db == NULL || ret == NULL || (subject.len > 0 && subject.ptr == NULL) ||
        (predicate.len > 0 && predicate.ptr == NULL))
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = steme__gold_find(steme__snap_txn(snap), subject, predicate, &e);
    if (err == STEME_OK)
        err = entry_copy(&e, ret);
    steme__snap_end(snap);
    return err;
}
