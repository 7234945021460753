/* SPDX-License-Identifier: MIT */
/*
 * trust_fixture.h -- helpers shared by the trust, defense, rate-limit and troll tests: a
 * database with a genesis admin, and one-line ways to store gold standards, assertions and
 * votes and to read back trust and lifecycle. Every helper fails the test on an unexpected
 * refusal, naming the field and rule.
 */
#ifndef STEME_TESTS_TRUST_FIXTURE_H
#define STEME_TESTS_TRUST_FIXTURE_H

#include <stdint.h>

#include "steme.h"
#include "store_fixture.h"

/* The Beta update of docs/trust.md, written out independently of the engine. */
void tf_observe(double *alpha, double *beta, int agree);

/* A test database whose genesis admin is admin's key; opts may be NULL. */
steme_db *tf_open(const char *dir, const steme_keypair *admin, steme_db_options *opts);

/* A fresh author time for each record, so that no two test records are duplicates. */
int64_t tf_time(void);

/* Ingest one signed record; tf_store fails the test unless it is stored (not a duplicate). */
steme_ingest_result tf_ingest(steme_db *db, const steme_record *rec, const steme_keypair *kp);
uint64_t tf_store(steme_db *db, const steme_record *rec, const steme_keypair *kp, steme_id *ret_id);

/* A number value with a unit ("" for none). */
steme_value tf_number(double x, const char *unit);
steme_value tf_integer(int64_t x);

/* gold_set by admin. */
uint64_t tf_gold(steme_db *db, const steme_keypair *admin, const char *subject,
                 const char *predicate, steme_value v);

/* An assertion of v on (subject, predicate) citing source; *ret_id may be NULL. */
uint64_t tf_assert(steme_db *db, const steme_keypair *kp, const char *subject,
                   const char *predicate, const char *source, steme_value v, steme_id *ret_id);

uint64_t tf_vote(steme_db *db, const steme_keypair *kp, const steme_id *target, int8_t value);

steme_agent_info tf_agent(steme_db *db, const steme_keypair *kp, uint64_t as_of);
steme_state tf_state(steme_db *db, const steme_id *id);

/* Assert that the derived state survives a rebuild from the log byte for byte. */
void tf_assert_rebuild_identical(steme_db *db);

/* Number of assertions awaiting a quarantine decision, and whether id is among them. */
size_t tf_quarantine_count(steme_db *db, const steme_id *id, int *ret_listed);

#endif
