/* SPDX-License-Identifier: MIT */
/*
 * rows.h -- the byte layouts of the derived-state tables (docs/rules.md) and typed access to
 * them inside a transaction.
 *
 * Rows are written field by field in big-endian order (doubles as their IEEE-754 bits), never
 * as raw structs: padding bytes would make two rebuilds of the same log differ. Every row
 * starts with a layout version byte so that a later build can tell old rows apart.
 */
#ifndef STEME_ENGINE_ROWS_H
#define STEME_ENGINE_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "steme.h"
#include "store.h"

#define STEME__ROW_VERSION 1

/* STEME__T_STATE: assertion seq -> lifecycle. */
typedef struct steme__state_row {
    uint8_t stage;             /* steme_stage */
    uint16_t conditions;       /* STEME_COND_* */
    uint8_t quarantine_reason; /* steme_quarantine_reason */
    uint32_t tainted_parents;  /* derived_from parents that are retracted, rejected or suspect */
    uint64_t via;              /* lowest seq among those parents, 0 when none */
    uint64_t superseded_by;    /* seq of the superseding assertion, 0 when none */
    uint64_t retracted_by;     /* seq of the event that retracted it (author or source) */
    uint32_t up;               /* standing up-votes */
    uint32_t down;             /* standing down-votes */
} steme__state_row;

/* STEME__T_SOURCE: source id -> registry entry and learned reliability. */
typedef struct steme__source_row {
    uint8_t status; /* steme_source_status */
    uint8_t tier;   /* steme_tier */
    uint32_t weight;
    uint64_t registered_seq;
    uint64_t status_seq; /* the event that set the status (retract / reinstate) */
    uint64_t assertions; /* assertions citing it */
    double alpha;        /* Beta reliability pseudo-counts (trust.md) */
    double beta;
} steme__source_row;

/* STEME__T_AGENT: public key -> profile, counts and trust. */
typedef struct steme__agent_row {
    uint8_t role; /* steme_role */
    uint64_t profile_seq;
    uint64_t assertions;
    uint64_t votes;
    uint64_t events;
    uint64_t quarantined;
    uint64_t evidence; /* trust observations so far */
    double alpha;      /* Beta trust pseudo-counts (trust.md) */
    double beta;
} steme__agent_row;

/* STEME__T_VOTE: target seq || voter key -> the standing vote. */
typedef struct steme__vote_row {
    int8_t value; /* +1 or -1 */
    uint64_t seq; /* the vote record */
} steme__vote_row;

/* STEME__T_EPOCH: epoch name -> status. */
typedef struct steme__epoch_row {
    uint8_t status; /* 1 open, 2 superseded */
    uint64_t opened_seq;
    uint64_t superseded_seq; /* the epoch_supersede event (names the successor) */
} steme__epoch_row;

#define STEME__EPOCH_OPEN       1
#define STEME__EPOCH_SUPERSEDED 2

/* Each returns STEME_ENOTFOUND when the row is absent, STEME_ECORRUPT when malformed. */
steme_err steme__state_get(steme__txn *t, uint64_t seq, steme__state_row *ret);
steme_err steme__state_put(steme__txn *t, uint64_t seq, const steme__state_row *row);
steme_err steme__source_get(steme__txn *t, steme_str id, steme__source_row *ret);
steme_err steme__source_put(steme__txn *t, steme_str id, const steme__source_row *row);
steme_err steme__agent_get(steme__txn *t, const steme_pubkey *pk, steme__agent_row *ret);
steme_err steme__agent_put(steme__txn *t, const steme_pubkey *pk, const steme__agent_row *row);
steme_err steme__vote_get(steme__txn *t, uint64_t target, const steme_pubkey *voter,
                          steme__vote_row *ret);
steme_err steme__vote_put(steme__txn *t, uint64_t target, const steme_pubkey *voter,
                          const steme__vote_row *row);
steme_err steme__epoch_get(steme__txn *t, steme_str name, steme__epoch_row *ret);
steme_err steme__epoch_put(steme__txn *t, steme_str name, const steme__epoch_row *row);

/* STEME__T_HISTORY: (assertion seq, cause seq) -> (from, to). */
steme_err steme__history_add(steme__txn *t, uint64_t seq, uint64_t cause, uint8_t from, uint8_t to);

/* STEME__T_REPORT: event seq -> per-depth counts. */
steme_err steme__report_put(steme__txn *t, uint64_t event_seq, const steme_cascade_report *r);
steme_err steme__report_get(steme__txn *t, uint64_t event_seq, steme_cascade_report *ret);

/* STEME__T_TRUST_LOG: (agent, seq) -> (alpha, beta) after the record at seq. */
steme_err steme__trust_log_put(steme__txn *t, const steme_pubkey *pk, uint64_t seq, double alpha,
                               double beta);

/* Key helpers: big-endian seq, and seq || 32 bytes. */
void steme__key_seq(uint8_t out[8], uint64_t seq);
uint64_t steme__key_seq_get(const uint8_t *p);

#endif
