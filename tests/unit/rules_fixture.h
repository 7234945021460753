/* SPDX-License-Identifier: MIT */
/*
 * rules_fixture.h -- helpers shared by the knowledge-rules tests (test_lifecycle,
 * test_cascade): a store with a genesis admin and an editor, records signed and ingested one
 * at a time with distinct times, refusals checked together with "nothing changed", and a
 * hash of the state table alone.
 */
#ifndef STEME_TESTS_RULES_FIXTURE_H
#define STEME_TESTS_RULES_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "steme.h"
#include "store_fixture.h"

typedef struct rx {
    char *dir;
    steme_db *db;
    steme_keypair *admin;  /* the genesis admin */
    steme_keypair *editor; /* granted the editor role by the admin */
    steme_keypair *alice, *bob, *carol;
    int64_t clock; /* added to FX_TIME: every record gets its own time, so its own id */
} rx;

/* A fresh store with the roles above; rx_close removes it. */
rx *rx_open(void);
void rx_close(rx *x);

/* cmocka setup and teardown: *state = rx_open(), rx_close(*state). */
int rx_setup(void **state);
int rx_teardown(void **state);

/* Open x's store again (after steme_db_close(x->db) and x->db = NULL), as rx_open does, or
 * read-only. */
void rx_reopen(rx *x, bool read_only);

/* Give rec a fresh time, sign it with kp (its author) and ingest it alone. */
steme_ingest_result rx_put(rx *x, steme_record *rec, const steme_keypair *kp);

/* rx_put, failing the test unless the record was accepted as new; returns its seq and (when
 * ret_id is not NULL) its id. */
uint64_t rx_ok(rx *x, steme_record *rec, const steme_keypair *kp, steme_id *ret_id);

/* rx_put, failing the test unless the record was refused with exactly field and rule and
 * nothing changed: same record count, same derived-state hash. */
void rx_refused(rx *x, steme_record *rec, const steme_keypair *kp, const char *field,
                const char *rule);

/* An assertion by kp about subject citing source, derived from the n ids of parents. */
void rx_assertion(steme_record *rec, const steme_keypair *kp, const char *subject,
                  const char *source, const steme_id *parents, size_t n);

/* Ingest such an assertion; returns its seq (and id). */
uint64_t rx_assert(rx *x, const steme_keypair *kp, const char *subject, const char *source,
                   const steme_id *parents, size_t n, steme_id *ret_id);

/* An event of type signed by kp; the string members are set to fx_event's defaults. */
void rx_event(steme_record *rec, const steme_keypair *kp, steme_event_type type);

/* Source events by the admin: register (tier, weight), retract, reinstate. Return the seq. */
uint64_t rx_source_register(rx *x, const char *source, steme_tier tier, uint32_t weight);
uint64_t rx_source_retract(rx *x, const char *source);
uint64_t rx_source_reinstate(rx *x, const char *source);

steme_state rx_state(rx *x, const steme_id *id);
steme_stage rx_stage(rx *x, const steme_id *id);
void rx_hash(rx *x, uint8_t out[32]);

/* BLAKE2b-256 of the state table's rows (keys and values): the lifecycle of every assertion,
 * byte for byte. */
void rx_state_table_hash(rx *x, uint8_t out[32]);

/* Drop (delete) the named LMDB databases of the store in dir, with no steme_db holding it
 * open: an older store, written before those tables existed (upgrade tests). */
void rx_drop_tables(const char *dir, const char *const *names, size_t n);

#endif
