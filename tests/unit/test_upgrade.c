/* SPDX-License-Identifier: MIT */
/*
 * test_upgrade.c -- a store that lacks some derived tables (written by an earlier build) is
 * not refused as corrupt when opened for writing: the missing tables are created and derived
 * state is rebuilt from the log, byte-identical to what the incremental path had made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <lmdb.h>

#include "rules_fixture.h"

static void
test_missing_derived_tables_are_rebuilt(void **state)
{
    (void)state;
    rx *x = rx_open();
    steme_id a, b;
    uint8_t before[32], after[32];

    rx_source_register(x, "fda:label", STEME_TIER_REGULATORY, 0);
    rx_assert(x, x->alice, "drug:x", "fda:label", NULL, 0, &a);
    rx_assert(x, x->bob, "drug:x", "forum:y", NULL, 0, &b);
    rx_source_retract(x, "fda:label");
    assert_int_equal(rx_stage(x, &a), STEME_STAGE_RETRACTED);
    rx_hash(x, before);

    steme_pubkey admin = fx_pub(x->admin);
    steme_db_options opts;
    steme_db_options_init(&opts);
    opts.genesis_admin = &admin;
    opts.verify_threads = 1;
    steme_db_close(x->db);
    x->db = NULL;

    static const char *const lost[] = {"d_state", "d_history", "d_source"};
    rx_drop_tables(x->dir, lost, sizeof(lost) / sizeof(lost[0]));

    /* Read-only, the store cannot be upgraded: refused with the reason, and left as it is. */
    opts.read_only = true;
    assert_int_equal(steme_db_open(x->dir, &opts, &x->db), STEME_EUPGRADE);
    assert_null(x->db);
    assert_string_equal(steme_strerror(STEME_EUPGRADE),
                        "store written by an earlier build: open it writable once to upgrade it");

    opts.read_only = false;
    assert_int_equal(steme_db_open(x->dir, &opts, &x->db), STEME_OK);
    rx_hash(x, after);
    assert_memory_equal(before, after, sizeof(before));
    assert_int_equal(rx_stage(x, &a), STEME_STAGE_RETRACTED);
    assert_int_equal(rx_stage(x, &b), STEME_STAGE_ACTIVE);
    rx_close(x);
}

/* How many candidates the consensus lens weighs for drug:x's predicate p (computed fresh),
 * and how many the default stages leave out. */
static size_t
candidates_of(rx *x, uint32_t *ret_excluded)
{
    steme_query q;
    steme_result *r = NULL;
    steme_errinfo ei = {0};

    steme_query_init(&q);
    q.subject = steme_str_c("drug:x");
    q.predicate = steme_str_c("p");
    q.no_cache = true;
    assert_int_equal(steme_db_query(x->db, &q, &r, &ei), STEME_OK);
    const steme_answer *a = steme_result_answer(r, 0);
    size_t n = a->n_candidates;
    *ret_excluded = a->excluded_stage;
    steme_result_free(r);
    return n;
}

static void
problem(const char *index, const char *what, uint64_t seq, void *ctx)
{
    (void)seq;
    if (strcmp(index, "d_lens_row") == 0)
        print_message("check: %s\n", what), (*(int *)ctx)++;
}

/* A store from the builds before the lens rows -- with "d_cand" (candidate rows without stage
 * and votes) or "d_candidate" (variable-length rows) -- has them dropped and "d_lens_row"
 * rebuilt from the log; the check then compares every lens row with what its log record and
 * state row give, and finds one whose stage disagrees. */
static void
test_candidate_table_upgrade_and_check(void **state)
{
    (void)state;
    rx *x = rx_open();
    steme_id a, b;
    uint8_t before[32], after[32];
    steme_check_report rep;
    int bad = 0;

    rx_source_register(x, "fda:label", STEME_TIER_REGULATORY, 0);
    rx_assert(x, x->alice, "drug:x", "fda:label", NULL, 0, &a);
    rx_assert(x, x->bob, "drug:x", "forum:y", NULL, 0, &b);
    rx_hash(x, before);
    steme_db_close(x->db);
    x->db = NULL;

    /* Make it look like an earlier build's store: d_cand and d_candidate, no d_lens_row. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {3, "key"}, v = {3, "old"};
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    assert_int_equal(mdb_env_open(env, x->dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "d_lens_row", MDB_DUPSORT | MDB_DUPFIXED, &dbi), 0);
    assert_int_equal(mdb_drop(txn, dbi, 1), 0);
    assert_int_equal(mdb_dbi_open(txn, "d_cand", MDB_CREATE, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_dbi_open(txn, "d_candidate", MDB_CREATE, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env); /* one environment handle per process and file */

    rx_reopen(x, false);
    rx_hash(x, after);
    assert_memory_equal(before, after, sizeof(before));
    uint32_t excluded;
    assert_int_equal(candidates_of(x, &excluded), 2);
    assert_int_equal(excluded, 0);
    assert_int_equal(steme_db_check(x->db, &rep, problem, &bad), STEME_OK);
    assert_int_equal(rep.problems, 0);
    /* The retraction reaches the candidate rows: only the forum's claim is left. */
    rx_source_retract(x, "fda:label");
    assert_int_equal(candidates_of(x, &excluded), 1);
    assert_int_equal(excluded, 1);
    assert_int_equal(steme_db_check(x->db, &rep, problem, &bad), STEME_OK);
    assert_int_equal(rep.problems, 0);
    steme_db_close(x->db);
    x->db = NULL;

    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    assert_int_equal(mdb_env_open(env, x->dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "d_cand", 0, &dbi), MDB_NOTFOUND);
    assert_int_equal(mdb_dbi_open(txn, "d_candidate", 0, &dbi), MDB_NOTFOUND);
    /* Damage one candidate row's stage: the check must name it. */
    MDB_cursor *cur;
    MDB_val ck, cv;
    uint8_t row[1024];
    assert_int_equal(mdb_dbi_open(txn, "d_lens_row", MDB_DUPSORT | MDB_DUPFIXED, &dbi), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    assert_int_equal(mdb_cursor_get(cur, &ck, &cv, MDB_FIRST), 0);
    assert_true(cv.mv_size <= sizeof(row));
    memcpy(row, cv.mv_data, cv.mv_size);
    row[10] ^= 0x07; /* the stage (src/engine/cand_rows.c) */
    cv.mv_data = row;
    assert_int_equal(mdb_cursor_put(cur, &ck, &cv, MDB_CURRENT), 0);
    mdb_cursor_close(cur);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    rx_reopen(x, true);
    assert_int_equal(steme_db_check(x->db, &rep, problem, &bad), STEME_OK);
    assert_int_equal(rep.problems, 1);
    assert_int_equal(bad, 1);
    rx_close(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_derived_tables_are_rebuilt),
        cmocka_unit_test(test_candidate_table_upgrade_and_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
