/* SPDX-License-Identifier: MIT */
/*
 * rules_fixture.c -- see rules_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "crypto.h"
#include "engine.h"
#include "rules_fixture.h"

rx *
rx_open(void)
{
    rx *x = calloc(1, sizeof(*x));
    steme_db_options opts;
    steme_pubkey admin;
    steme_record rec;

    assert_non_null(x);
    x->dir = fx_tmpdir();
    x->admin = fx_key(100);
    x->editor = fx_key(101);
    x->alice = fx_key(1);
    x->bob = fx_key(2);
    x->carol = fx_key(3);
    admin = fx_pub(x->admin);
    steme_db_options_init(&opts);
    opts.genesis_admin = &admin;
    opts.verify_threads = 1;
    assert_int_equal(steme_db_open(x->dir, &opts, &x->db), STEME_OK);

    rx_event(&rec, x->admin, STEME_EVENT_AGENT_PROFILE);
    rec.event.target_agent = fx_pub(x->editor);
    rec.event.display_name = steme_str_c("Editor");
    rec.event.role = steme_str_c("editor");
    rx_ok(x, &rec, x->admin, NULL);
    return x;
}

int
rx_setup(void **state)
{
    *state = rx_open();
    return 0;
}

int
rx_teardown(void **state)
{
    rx_close(*state);
    return 0;
}

void
rx_reopen(rx *x, bool read_only)
{
    steme_pubkey admin = fx_pub(x->admin);
    steme_db_options opts;

    steme_db_options_init(&opts);
    opts.genesis_admin = &admin;
    opts.verify_threads = 1;
    opts.read_only = read_only;
    assert_int_equal(steme_db_open(x->dir, &opts, &x->db), STEME_OK);
}

void
rx_close(rx *x)
{
    if (x == NULL)
        return;
    steme_db_close(x->db);
    steme_keypair_free(x->admin);
    steme_keypair_free(x->editor);
    steme_keypair_free(x->alice);
    steme_keypair_free(x->bob);
    steme_keypair_free(x->carol);
    fx_rmdir(x->dir);
    free(x);
}

static void
stamp(rx *x, steme_record *rec)
{
    int64_t at = FX_TIME + ++x->clock;

    switch (rec->kind) {
    case STEME_RECORD_ASSERTION:
        rec->assertion.asserted_at = at;
        break;
    case STEME_RECORD_VOTE:
        rec->vote.voted_at = at;
        break;
    case STEME_RECORD_EVENT:
        rec->event.at = at;
        break;
    }
}

steme_ingest_result
rx_put(rx *x, steme_record *rec, const steme_keypair *kp)
{
    steme_ingest_result res;
    steme_signed in;
    fx_rec r;

    stamp(x, rec);
    fx_sign(&r, rec, kp);
    in = fx_signed(&r);
    memset(&res, 0, sizeof(res));
    steme_err err = steme_db_ingest(x->db, &in, 1, &res, 0);
    assert_int_equal(err, STEME_OK);
    return res;
}

uint64_t
rx_ok(rx *x, steme_record *rec, const steme_keypair *kp, steme_id *ret_id)
{
    steme_ingest_result res = rx_put(x, rec, kp);

    if (res.err != STEME_OK)
        fail_msg("refused: %d %s: %s", res.err, res.info.field ? res.info.field : "",
                 res.info.rule ? res.info.rule : "");
    assert_false(res.duplicate);
    if (ret_id != NULL)
        *ret_id = res.id;
    return res.seq;
}

void
rx_refused(rx *x, steme_record *rec, const steme_keypair *kp, const char *field, const char *rule)
{
    uint8_t before[32], after[32];
    steme_stats s0, s1;
    steme_ingest_result res;

    rx_hash(x, before);
    assert_int_equal(steme_db_stats(x->db, &s0), STEME_OK);
    res = rx_put(x, rec, kp);
    if (res.err == STEME_OK)
        fail_msg("accepted (seq %llu), expected %s: %s", (unsigned long long)res.seq, field, rule);
    assert_int_equal(res.err, STEME_EINVAL);
    assert_non_null(res.info.field);
    assert_non_null(res.info.rule);
    assert_string_equal(res.info.field, field);
    assert_string_equal(res.info.rule, rule);
    rx_hash(x, after);
    assert_memory_equal(before, after, 32);
    assert_int_equal(steme_db_stats(x->db, &s1), STEME_OK);
    assert_int_equal(s0.records, s1.records);
    assert_int_equal(s0.last_seq, s1.last_seq);
}

void
rx_assertion(steme_record *rec, const steme_keypair *kp, const char *subject, const char *source,
             const steme_id *parents, size_t n)
{
    fx_assertion(rec, kp, subject, "p", source, 1);
    rec->assertion.derived_from = parents;
    rec->assertion.n_derived_from = n;
}

uint64_t
rx_assert(rx *x, const steme_keypair *kp, const char *subject, const char *source,
          const steme_id *parents, size_t n, steme_id *ret_id)
{
    steme_record rec;

    rx_assertion(&rec, kp, subject, source, parents, n);
    return rx_ok(x, &rec, kp, ret_id);
}

void
rx_event(steme_record *rec, const steme_keypair *kp, steme_event_type type)
{
    fx_event(rec, kp, type);
    rec->event.role = steme_str_c("");
}

static uint64_t
source_event(rx *x, steme_event_type type, const char *source)
{
    steme_record rec;

    rx_event(&rec, x->admin, type);
    rec.event.source = steme_str_c(source);
    return rx_ok(x, &rec, x->admin, NULL);
}

uint64_t
rx_source_register(rx *x, const char *source, steme_tier tier, uint32_t weight)
{
    steme_record rec;

    rx_event(&rec, x->admin, STEME_EVENT_SOURCE_REGISTER);
    rec.event.source = steme_str_c(source);
    rec.event.tier = (uint8_t)tier;
    rec.event.weight = weight;
    return rx_ok(x, &rec, x->admin, NULL);
}

uint64_t
rx_source_retract(rx *x, const char *source)
{
    return source_event(x, STEME_EVENT_SOURCE_RETRACT, source);
}

uint64_t
rx_source_reinstate(rx *x, const char *source)
{
    return source_event(x, STEME_EVENT_SOURCE_REINSTATE, source);
}

steme_state
rx_state(rx *x, const steme_id *id)
{
    steme_state st;

    assert_int_equal(steme_db_state(x->db, id, &st), STEME_OK);
    return st;
}

steme_stage
rx_stage(rx *x, const steme_id *id)
{
    return rx_state(x, id).stage;
}

void
rx_hash(rx *x, uint8_t out[32])
{
    assert_int_equal(steme_db_derived_hash(x->db, out), STEME_OK);
}

static int
hash_row(const steme__val *key, const steme__val *val, void *ctx)
{
    steme__hasher *h = ctx;
    uint8_t len[2] = {(uint8_t)key->n, (uint8_t)val->n};

    steme__hash256_update(h, len, sizeof(len));
    steme__hash256_update(h, key->p, key->n);
    steme__hash256_update(h, val->p, val->n);
    return 0;
}

void
rx_state_table_hash(rx *x, uint8_t out[32])
{
    steme__hasher h;
    steme__snap *snap;

    steme__hash256_init(&h);
    assert_int_equal(steme__snap_begin(x->db->store, &snap), STEME_OK);
    assert_int_equal(steme__tscan(steme__snap_txn(snap), STEME__T_STATE, NULL, 0, hash_row, &h),
                     STEME_OK);
    steme__snap_end(snap);
    steme__hash256_final(&h, out);
}

/* Drop (delete) the named LMDB databases, with no steme_db holding the store open. */
void
rx_drop_tables(const char *dir, const char *const *names, size_t n)
{
    MDB_env *env;
    MDB_txn *txn;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    for (size_t i = 0; i < n; i++) {
        MDB_dbi dbi;
        assert_int_equal(mdb_dbi_open(txn, names[i], 0, &dbi), 0);
        assert_int_equal(mdb_drop(txn, dbi, 1), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}
