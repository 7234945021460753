/* SPDX-License-Identifier: MIT */
/*
 * store_fixture.h -- helpers shared by the store, ingest, check and crash tests: temporary
 * directories, deterministic keys, and signed (or deliberately fake) records.
 */
#ifndef STEME_TESTS_STORE_FIXTURE_H
#define STEME_TESTS_STORE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "steme.h"

/* An author time safely in the past (2023-11-14). */
#define FX_TIME 1700000000000LL

/* One encoded record with its id and signature. */
typedef struct fx_rec {
    uint8_t bytes[2048];
    size_t len;
    steme_id id;
    steme_sig sig;
} fx_rec;

/* A fresh directory under $TMPDIR (or /tmp); fx_rmdir removes it with its contents and frees
 * the name. Aborts the test on failure. */
char *fx_tmpdir(void);
void fx_rmdir(char *dir);

/* The key pair from seed n (all bytes n); free with steme_keypair_free. */
steme_keypair *fx_key(uint8_t n);
steme_pubkey fx_pub(const steme_keypair *kp);

/* Record templates authored by kp at FX_TIME (kp may be NULL: the agent is left zero). The
 * strings must outlive the record. */
void fx_assertion(steme_record *rec, const steme_keypair *kp, const char *subject,
                  const char *predicate, const char *source, int64_t value);
void fx_vote(steme_record *rec, const steme_keypair *kp, const steme_id *target, int8_t value);
/* Every member an event type may need is filled; set source / target / epoch as wanted. */
void fx_event(steme_record *rec, const steme_keypair *kp, steme_event_type type);

/* Encode and sign (the record's agent must be kp's key). */
void fx_sign(fx_rec *out, const steme_record *rec, const steme_keypair *kp);
/* Encode without a valid signature (zero bytes): for store-level tests that fake ids or keys. */
void fx_encode(fx_rec *out, const steme_record *rec);

steme_signed fx_signed(const fx_rec *r);

/* A signed assertion number n from key kp: subject "s:<n % subjects>", predicate "p",
 * source "src:<n % 3>", value n. */
void fx_numbered(fx_rec *out, const steme_keypair *kp, unsigned n, unsigned subjects);

#endif
