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

    /* Read-only, the store cannot be upgraded: refused, and left as it is. */
    opts.read_only = true;
    assert_int_equal(steme_db_open(x->dir, &opts, &x->db), STEME_ECORRUPT);
    assert_null(x->db);

    opts.read_only = false;
    assert_int_equal(steme_db_open(x->dir, &opts, &x->db), STEME_OK);
    rx_hash(x, after);
    assert_memory_equal(before, after, sizeof(before));
    assert_int_equal(rx_stage(x, &a), STEME_STAGE_RETRACTED);
    assert_int_equal(rx_stage(x, &b), STEME_STAGE_ACTIVE);
    rx_close(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_derived_tables_are_rebuilt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
