/* SPDX-License-Identifier: MIT */
/*
 * test_lens_rows.c -- the lens rows (src/engine/cand_rows.c) give a query exactly what the log
 * gives it. Every answer read from the rows is compared, field by field, with the same query
 * answered from the log records (a subject-prefix query reads the log): sources and string
 * values too long to sit in a row, units too long, every kind of value, valid-time windows,
 * votes and retractions that rewrite rows, queries by subject alone over several predicates,
 * and positions in the past. A row put under another key by hand (what a 128-bit collision
 * of the short key hashes would do) is ignored by the query and named by the check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <lmdb.h>
#include <stdio.h>
#include <string.h>

#include "rules_fixture.h"

/* subject/predicate through the consensus lens, computed afresh (no materialized view). */
static steme_result *
fresh_query(rx *x, const char *subject, const char *predicate)
{
    steme_result *r;
    steme_query q;
    steme_query_init(&q);
    q.subject = steme_str_c(subject);
    q.predicate = steme_str_c(predicate);
    q.no_cache = true;
    assert_int_equal(steme_db_query(x->db, &q, &r, NULL), STEME_OK);
    return r;
}

/* 40 bytes: longer than the 31 a row keeps in place. */
#define LONG_SOURCE "https://example.org/trials/a-very-long-id-0001"
#define LONG_TEXT   "Smith, John; Doe, Jane; Roe, Richard; Poe, Edgar"
#define LONG_UNIT   "micromol-per-litre-per-kilogram!" /* 32 bytes, the most a unit may have */

static void
str_equal(steme_str a, steme_str b)
{
    assert_int_equal(a.len, b.len);
    if (a.len > 0)
        assert_memory_equal(a.ptr, b.ptr, a.len);
}

static void
value_equal(const steme_value *a, const steme_value *b)
{
    assert_int_equal(a->type, b->type);
    str_equal(a->str, b->str);
    str_equal(a->unit, b->unit);
    assert_int_equal(a->integer, b->integer);
    assert_memory_equal(&a->number, &b->number, sizeof(a->number));
    assert_int_equal(a->boolean, b->boolean);
}

static void
answer_equal(const steme_answer *a, const steme_answer *b)
{
    str_equal(a->subject, b->subject);
    str_equal(a->predicate, b->predicate);
    assert_int_equal(a->has_winner, b->has_winner);
    assert_int_equal(a->winner, b->winner);
    assert_string_equal(a->reason, b->reason);
    assert_memory_equal(&a->lead, &b->lead, sizeof(a->lead));
    assert_memory_equal(&a->conflict, &b->conflict, sizeof(a->conflict));
    assert_int_equal(a->n_alternatives, b->n_alternatives);
    for (size_t i = 0; i < a->n_alternatives; i++) {
        const steme_alternative *x = &a->alternatives[i], *y = &b->alternatives[i];
        value_equal(&x->value, &y->value);
        assert_memory_equal(&x->weight, &y->weight, sizeof(x->weight));
        assert_memory_equal(&x->evidence, &y->evidence, sizeof(x->evidence));
        assert_int_equal(x->agents, y->agents);
        assert_int_equal(x->sources, y->sources);
        assert_int_equal(x->assertions, y->assertions);
        assert_int_equal(x->best_tier, y->best_tier);
        assert_int_equal(x->up, y->up);
        assert_int_equal(x->down, y->down);
    }
    assert_int_equal(a->n_support, b->n_support);
    assert_int_equal(a->n_candidates, b->n_candidates);
    assert_memory_equal(a->support, b->support, a->n_support * sizeof(steme_id));
    assert_memory_equal(a->candidates, b->candidates, a->n_candidates * sizeof(steme_id));
    assert_int_equal(a->excluded_stage, b->excluded_stage);
    assert_int_equal(a->excluded_valid_time, b->excluded_valid_time);
    assert_int_equal(a->excluded_filter, b->excluded_filter);
    assert_string_equal(a->explanation, b->explanation);
}

/* The query of subject [predicate] through lens at as_of (0: latest), from the rows and from
 * the log; every answer must be the same. Returns the number of answers. */
static size_t
rows_match_log(rx *x, const char *subject, const char *predicate, const char *lens, uint64_t as_of)
{
    steme_result *rows = NULL, *log = NULL;
    steme_errinfo ei = {0};
    steme_query q;

    steme_query_init(&q);
    q.subject = steme_str_c(subject);
    q.predicate = steme_str_c(predicate != NULL ? predicate : "");
    q.lens = lens;
    q.as_of = as_of;
    q.no_cache = true;
    assert_int_equal(steme_db_query(x->db, &q, &rows, &ei), STEME_OK);
    q.subject_prefix = true; /* no other subject starts with these */
    assert_int_equal(steme_db_query(x->db, &q, &log, &ei), STEME_OK);
    size_t n = steme_result_count(rows);
    assert_int_equal(n, steme_result_count(log));
    for (size_t i = 0; i < n; i++)
        answer_equal(steme_result_answer(rows, i), steme_result_answer(log, i));
    steme_result_free(rows);
    steme_result_free(log);
    return n;
}

static uint64_t
claim(rx *x, const steme_keypair *kp, const char *subject, const char *predicate,
      const char *source, const steme_value *v, steme_id *ret_id)
{
    steme_record rec;

    fx_assertion(&rec, kp, subject, predicate, source, 0);
    rec.assertion.object = *v;
    return rx_ok(x, &rec, kp, ret_id);
}

static void
test_rows_give_what_the_log_gives(void **state)
{
    rx *x = *state;
    steme_value s_short = {.type = STEME_VALUE_STRING, .str = steme_str_c("Smith, John")};
    steme_value s_long = {.type = STEME_VALUE_STRING, .str = steme_str_c(LONG_TEXT)};
    steme_value ref = {.type = STEME_VALUE_REF, .str = steme_str_c("gene:BRCA1")};
    steme_value pct = {.type = STEME_VALUE_NUMBER, .number = 0.2, .unit = steme_str_c("%")};
    steme_value frac = {.type = STEME_VALUE_NUMBER, .number = 0.002};
    steme_value odd = {.type = STEME_VALUE_NUMBER, .number = 7.5, .unit = steme_str_c(LONG_UNIT)};
    steme_value yes = {.type = STEME_VALUE_BOOLEAN, .boolean = true};
    steme_value big = {.type = STEME_VALUE_INTEGER, .integer = -9000000000000};
    steme_id retracted, voted;
    steme_record rec;

    assert_int_equal(strlen(LONG_UNIT), STEME_MAX_UNIT);
    rx_source_register(x, "fda:label:x", STEME_TIER_REGULATORY, 0);
    rx_source_register(x, LONG_SOURCE, STEME_TIER_PEER_REVIEWED, 0);
    claim(x, x->alice, "book:1", "author", "fda:label:x", &s_short, NULL);
    claim(x, x->bob, "book:1", "author", LONG_SOURCE, &s_long, &voted);
    claim(x, x->carol, "book:1", "author", "forum:z", &s_long, NULL);
    claim(x, x->editor, "book:1", "author", LONG_SOURCE, &s_short, &retracted);
    claim(x, x->alice, "book:1", "gene", "forum:z", &ref, NULL);
    claim(x, x->alice, "drug:a", "rate", "fda:label:x", &pct, NULL);
    claim(x, x->bob, "drug:a", "rate", LONG_SOURCE, &frac, NULL);
    claim(x, x->carol, "drug:a", "rate", "forum:z", &odd, NULL);
    claim(x, x->carol, "drug:a", "ok", "forum:z", &yes, NULL);
    claim(x, x->bob, "drug:a", "count", "forum:z", &big, NULL);
    fx_assertion(&rec, x->bob, "drug:a", "window", "forum:z", 4);
    rec.assertion.has_valid_from = true;
    rec.assertion.valid_from = FX_TIME - 1000;
    rec.assertion.has_valid_until = true;
    rec.assertion.valid_until = FX_TIME + 1000;
    rx_ok(x, &rec, x->bob, NULL);
    rec.assertion.agent = fx_pub(x->alice);
    uint64_t before = rx_ok(x, &rec, x->alice, NULL);

    /* Rewritten rows: a vote and a retraction change stage and votes in place. */
    fx_vote(&rec, x->alice, &voted, 1);
    rx_ok(x, &rec, x->alice, NULL);
    rx_event(&rec, x->editor, STEME_EVENT_ASSERTION_RETRACT);
    rec.event.target = retracted;
    rx_ok(x, &rec, x->editor, NULL);

    static const char *const lenses[] = {"consensus", "trust_authority", "recency", "skeptic"};
    for (size_t l = 0; l < sizeof(lenses) / sizeof(lenses[0]); l++) {
        assert_int_equal(rows_match_log(x, "book:1", "author", lenses[l], 0), 1);
        assert_int_equal(rows_match_log(x, "drug:a", "rate", lenses[l], 0), 1);
        assert_int_equal(rows_match_log(x, "book:1", NULL, lenses[l], 0), 2);
        assert_int_equal(rows_match_log(x, "drug:a", NULL, lenses[l], 0), 4);
        assert_int_equal(rows_match_log(x, "drug:a", NULL, lenses[l], before), 4);
        assert_int_equal(rows_match_log(x, "book:1", "author", lenses[l], before), 1);
    }

    /* The long strings came back whole: from the log, for the rows that could not hold them. */
    steme_result *r = fresh_query(x, "book:1", "author");
    const steme_answer *a = steme_result_answer(r, 0);
    assert_int_equal(a->n_alternatives, 2);
    bool seen_long = false;
    for (size_t i = 0; i < a->n_alternatives; i++)
        seen_long |= a->alternatives[i].value.str.len == strlen(LONG_TEXT) &&
                     memcmp(a->alternatives[i].value.str.ptr, LONG_TEXT, strlen(LONG_TEXT)) == 0;
    assert_true(seen_long);
    assert_int_equal(a->excluded_stage, 1); /* the retracted claim */
    steme_result_free(r);

    steme_check_report rep;
    assert_int_equal(steme_db_check(x->db, &rep, NULL, NULL), STEME_OK);
    assert_int_equal(rep.problems, 0);
}

/* A key with more rows than one page holds (LMDB then keeps them in a sub-tree, read a page
 * at a time): the rows still give what the log gives, at the latest position and midway. */
static void
test_many_rows(void **state)
{
    rx *x = *state;
    const steme_keypair *agents[] = {x->alice, x->bob, x->carol, x->editor};
    uint64_t midway = 0;

    for (int i = 0; i < 120; i++) {
        steme_value v = {
            .type = STEME_VALUE_NUMBER, .number = 0.1 * (i % 7), .unit = steme_str_c("%")};
        char source[32];
        snprintf(source, sizeof(source), "forum:thread-%d", i % 13);
        uint64_t seq = claim(x, agents[i % 4], "drug:busy", "rate", source, &v, NULL);
        if (i == 60)
            midway = seq;
        if (i % 40 == 0) /* other keys' rows in between */
            claim(x, agents[i % 4], "drug:busy", "other", source, &v, NULL);
    }
    static const char *const lenses[] = {"consensus", "trust_authority", "recency"};
    for (size_t l = 0; l < sizeof(lenses) / sizeof(lenses[0]); l++) {
        assert_int_equal(rows_match_log(x, "drug:busy", "rate", lenses[l], 0), 1);
        assert_int_equal(rows_match_log(x, "drug:busy", "rate", lenses[l], midway), 1);
        assert_int_equal(rows_match_log(x, "drug:busy", NULL, lenses[l], 0), 2);
    }
    steme_result *r = fresh_query(x, "drug:busy", "rate");
    assert_int_equal(steme_result_answer(r, 0)->n_candidates, 120);
    steme_result_free(r);
}

typedef struct seen {
    char what[128];
    int n;
} seen;

static void
on_problem(const char *index, const char *what, uint64_t seq, void *ctx)
{
    seen *s = ctx;
    (void)seq;
    if (strcmp(index, "d_lens_row") == 0) {
        snprintf(s->what, sizeof(s->what), "%s", what);
        s->n++;
    }
}

static void
receipt_of(rx *x, const char *subject, const char *predicate, uint8_t out[32], size_t *ret_n)
{
    steme_result *r = fresh_query(x, subject, predicate);
    memcpy(out, steme_result_answer(r, 0)->receipt, 32);
    *ret_n = steme_result_answer(r, 0)->n_candidates;
    steme_result_free(r);
}

/* A row of another (subject, predicate) under this key, as a collision of the 16-byte key
 * hashes would put it: its check hash tells it apart. */
static void
test_foreign_row_under_a_key(void **state)
{
    rx *x = *state;
    steme_value one = {.type = STEME_VALUE_INTEGER, .integer = 1};
    uint8_t before[32], after[32];
    size_t n_before, n_after;

    claim(x, x->alice, "drug:a", "p", "forum:z", &one, NULL);
    claim(x, x->bob, "drug:a", "p", "forum:y", &one, NULL);
    claim(x, x->carol, "drug:b", "q", "forum:z", &one, NULL);
    receipt_of(x, "drug:a", "p", before, &n_before);
    assert_int_equal(n_before, 2);
    steme_db_close(x->db);
    x->db = NULL;

    /* Copy drug:b/q's row under drug:a/p's key. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    uint8_t key_a[16] = {0}, row[512];
    size_t width = 0;
    int keys = 0;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 64);
    assert_int_equal(mdb_env_open(env, x->dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "d_lens_row", MDB_DUPSORT | MDB_DUPFIXED, &dbi), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    /* Two keys: one holds two rows (drug:a/p), the other one (drug:b/q). */
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
        size_t count;
        assert_int_equal(mdb_cursor_count(cur, &count), 0);
        assert_int_equal(k.mv_size, 16);
        if (count == 2) {
            memcpy(key_a, k.mv_data, 16);
        } else {
            assert_true(v.mv_size <= sizeof(row));
            memcpy(row, v.mv_data, v.mv_size);
            width = v.mv_size;
        }
        keys++;
    }
    mdb_cursor_close(cur);
    assert_int_equal(keys, 2);
    assert_int_equal(width, 200);
    k.mv_size = 16;
    k.mv_data = key_a;
    v.mv_size = width;
    v.mv_data = row;
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    rx_reopen(x, true);
    receipt_of(x, "drug:a", "p", after, &n_after);
    assert_int_equal(n_after, 2);
    assert_memory_equal(before, after, 32);
    steme_check_report rep;
    seen s = {{0}, 0};
    assert_int_equal(steme_db_check(x->db, &rep, on_problem, &s), STEME_OK);
    assert_int_equal(rep.problems, 1);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.what, "lens row under another key than its assertion's");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows_give_what_the_log_gives, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_foreign_row_under_a_key, rx_setup, rx_teardown),
        cmocka_unit_test_setup_teardown(test_many_rows, rx_setup, rx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
