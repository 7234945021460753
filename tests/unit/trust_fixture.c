/* SPDX-License-Identifier: MIT */
/*
 * trust_fixture.c -- see trust_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "trust_fixture.h"

void
tf_observe(double *alpha, double *beta, int agree)
{
    *alpha = 1.0 + 0.98 * (*alpha - 1.0) + (agree ? 1.0 : 0.0);
    *beta = 1.0 + 0.98 * (*beta - 1.0) + (agree ? 0.0 : 1.0);
}

steme_db *
tf_open(const char *dir, const steme_keypair *admin, steme_db_options *opts)
{
    static steme_pubkey admin_pub;
    steme_db_options o;
    steme_db *db = NULL;

    if (opts == NULL) {
        steme_db_options_init(&o);
        opts = &o;
    }
    admin_pub = fx_pub(admin);
    opts->genesis_admin = &admin_pub;
    /* One thread: the tests check exact outcomes, not throughput. */
    opts->verify_threads = 1;
    assert_int_equal(steme_db_open(dir, opts, &db), STEME_OK);
    return db;
}

int64_t
tf_time(void)
{
    static int64_t n;
    return FX_TIME + ++n;
}

steme_ingest_result
tf_ingest(steme_db *db, const steme_record *rec, const steme_keypair *kp)
{
    fx_rec r;
    steme_ingest_result res;

    fx_sign(&r, rec, kp);
    steme_signed in = fx_signed(&r);
    steme_err err = steme_db_ingest(db, &in, 1, &res, 0);
    assert_int_equal(err, STEME_OK);
    return res;
}

uint64_t
tf_store(steme_db *db, const steme_record *rec, const steme_keypair *kp, steme_id *ret_id)
{
    steme_ingest_result res = tf_ingest(db, rec, kp);

    if (res.err != STEME_OK)
        fail_msg("refused: %d %s: %s", res.err, res.info.field ? res.info.field : "",
                 res.info.rule ? res.info.rule : "");
    assert_false(res.duplicate);
    if (ret_id != NULL)
        *ret_id = res.id;
    return res.seq;
}

steme_value
tf_number(double x, const char *unit)
{
    steme_value v = {.type = STEME_VALUE_NUMBER, .number = x, .unit = steme_str_c(unit)};
    return v;
}

steme_value
tf_integer(int64_t x)
{
    steme_value v = {.type = STEME_VALUE_INTEGER, .integer = x};
    return v;
}

uint64_t
tf_gold(steme_db *db, const steme_keypair *admin, const char *subject, const char *predicate,
        steme_value v)
{
    steme_record rec;

    fx_event(&rec, admin, STEME_EVENT_GOLD_SET);
    rec.event.at = tf_time();
    rec.event.subject = steme_str_c(subject);
    rec.event.predicate = steme_str_c(predicate);
    rec.event.value = v;
    return tf_store(db, &rec, admin, NULL);
}

uint64_t
tf_assert(steme_db *db, const steme_keypair *kp, const char *subject, const char *predicate,
          const char *source, steme_value v, steme_id *ret_id)
{
    steme_record rec;

    fx_assertion(&rec, kp, subject, predicate, source, 0);
    rec.assertion.asserted_at = tf_time();
    rec.assertion.object = v;
    return tf_store(db, &rec, kp, ret_id);
}

uint64_t
tf_vote(steme_db *db, const steme_keypair *kp, const steme_id *target, int8_t value)
{
    steme_record rec;

    fx_vote(&rec, kp, target, value);
    rec.vote.voted_at = tf_time();
    return tf_store(db, &rec, kp, NULL);
}

steme_agent_info
tf_agent(steme_db *db, const steme_keypair *kp, uint64_t as_of)
{
    steme_pubkey pk = fx_pub(kp);
    steme_agent_info info;

    assert_int_equal(steme_db_agent(db, &pk, as_of, &info), STEME_OK);
    assert_memory_equal(info.key.b, pk.b, STEME_PUBKEY_SIZE);
    return info;
}

steme_state
tf_state(steme_db *db, const steme_id *id)
{
    steme_state st;
    assert_int_equal(steme_db_state(db, id, &st), STEME_OK);
    return st;
}

void
tf_assert_rebuild_identical(steme_db *db)
{
    uint8_t before[32], after[32];

    assert_int_equal(steme_db_derived_hash(db, before), STEME_OK);
    assert_int_equal(steme_db_rebuild(db), STEME_OK);
    assert_int_equal(steme_db_derived_hash(db, after), STEME_OK);
    assert_memory_equal(before, after, sizeof(before));
}

typedef struct queue_ctx {
    const steme_id *id;
    size_t n;
    int listed;
} queue_ctx;

static int
queue_one(const steme_entry *e, void *ctx)
{
    queue_ctx *q = ctx;
    q->n++;
    if (q->id != NULL && memcmp(e->id.b, q->id->b, STEME_ID_SIZE) == 0)
        q->listed = 1;
    return 0;
}

size_t
tf_quarantine_count(steme_db *db, const steme_id *id, int *ret_listed)
{
    queue_ctx q = {id, 0, 0};
    steme_stats st;
    assert_int_equal(steme_db_quarantine(db, queue_one, &q), STEME_OK);
    /* The count the stats (and /metrics) give without walking the queue. */
    assert_int_equal(steme_db_stats(db, &st), STEME_OK);
    assert_int_equal(st.quarantine_pending, (uint64_t)q.n);
    if (ret_listed != NULL)
        *ret_listed = q.listed;
    return q.n;
}
