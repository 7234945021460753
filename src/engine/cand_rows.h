/* SPDX-License-Identifier: MIT */
/*
 * cand_rows.h -- the lens rows (table d_lens_row): one fixed-width row per assertion, under
 * its key hash64(subject) || hash64(predicate), carrying everything a lens reads of it (its
 * stage and standing votes included), so that a query at the latest position reads its
 * candidates as a few packed pages and no log record (docs/storage.md, "Lens rows").
 */
#ifndef STEME_ENGINE_CAND_ROWS_H
#define STEME_ENGINE_CAND_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "query.h"
#include "rules.h"
#include "steme.h"
#include "store.h"

#define STEME__CAND_ROW     200 /* bytes per row */
#define STEME__CAND_INPLACE 31  /* the longest source or string kept in the row itself */

/* The check of a (subject, predicate) pair that every row of it carries: with the row's key
 * it names the pair by 192 bits of BLAKE2b, so a row under the same 16-byte key but of
 * another pair is told apart without the strings. */
void steme__cand_check_hash(steme_str subject, steme_str predicate, uint8_t out[8]);

/* The row's seq (its first 8 bytes, big-endian) and check hash. */
uint64_t steme__cand_seq(const uint8_t *row);
const uint8_t *steme__cand_check_of(const uint8_t *row);

/* Parse row (STEME__CAND_ROW bytes that outlive the query: the caller's copy) into out: the
 * candidate's seq, id, agent, source, value, confidence, times, valid window and votes, and
 * the stage (out->has_state); not the subject and predicate, which the row does not hold.
 * Strings point into row. A row whose source or string value was too long to keep in place
 * (*spilled) leaves them empty: they are the log record's. False when the row is malformed. */
bool steme__cand_parse(const uint8_t *row, steme__qrow *out, bool *spilled);

/* Apply hook of an assertion (rules.c): write its lens row. Errors: LMDB errors. */
steme_err steme__query_cand_put(steme__txn *t, const steme_entry *e);

/* The state of the assertion e changed to st (lifecycle.c): carry its stage and votes into its
 * row; key16 is its hash64(subject) || hash64(predicate). Nothing to do for the assertion
 * being applied, whose row is written after its state. Errors: STEME_ECORRUPT, LMDB errors. */
steme_err steme__query_cand_state(steme__txn *t, const steme_entry *e, const uint8_t key16[16],
                                  const steme__state_row *st);

/* steme_db_check's part for the lens rows: every row is the one its log record and its state
 * row give, byte for byte, under the key they give; each problem is reported to fn (may be
 * NULL) and counted. Errors: store errors. */
steme_err steme__query_cands_check(steme__txn *t, steme_problem_fn fn, void *ctx,
                                   uint64_t *ret_problems);

#endif
