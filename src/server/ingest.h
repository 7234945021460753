/* SPDX-License-Identifier: MIT */
/*
 * ingest.h -- the write routes' shared machinery: a batch of signed records in, one
 * steme_db_ingest call, one answer per record out (docs/server.md, "Writing records").
 *
 * The server never holds an agent's private key: clients sign their records and send
 *
 *   {"records": [ITEM, ...], "atomic": true|false}        (atomic defaults to true)
 *
 * where ITEM is {"record": <JSON form>, "signature": "<128 hex>"}, or a stored entry as
 * `steme --json get` and export print it ({"seq", "id", "recorded_at", "signature", "record",
 * "stage"}: seq, recorded_at and stage are ignored; id, when present, must be the id of the
 * record's canonical encoding). Each record is encoded canonically here and the batch goes to
 * the engine in one call, so an atomic batch is all or nothing.
 *
 * What is refused where:
 *  - 400, nothing stored, whatever "atomic" says: the request cannot be read as a batch (body,
 *    "records", "atomic", an item's shape, its JSON form, its signature's hex, an "id" that
 *    does not match) or, on a typed route, a record of the wrong kind. The error names the
 *    item's path ("records[2].record.subject").
 *  - per record: a record that reads but is not valid (string rules, sizes: what the encoder
 *    checks) or that the engine refuses (signature, clock, rules, defences). Atomic: 422
 *    "rejected", nothing stored. Not atomic: 200, the others stored.
 */
#ifndef STEME_SERVER_INGEST_H
#define STEME_SERVER_INGEST_H

#include <stdbool.h>

#include "srv.h"

/* Most records in one request. */
#define SRV_INGEST_MAX_RECORDS 10000

/* What a typed route accepts; the zero value accepts any record. */
typedef struct srv_ingest_want {
    steme_record_kind kind;    /* 0: any kind */
    steme_event_type types[3]; /* events: the types accepted, 0-terminated (none: any type) */
    bool supersedes;           /* assertions: a non-empty supersedes list is required */
    const char *source;        /* source events: exactly this source */
    const steme_id *target;    /* quarantine decisions: exactly this assertion */
    steme_decision decision;   /* quarantine decisions: this decision (0: either) */
} srv_ingest_want;

/* Answer r: read its body as a batch, check every record against want (NULL: any record),
 * ingest, and answer as docs/server.md says. */
void srv_ingest(srv_req *r, const srv_ingest_want *want);

/* The members the CLI prints after writing a record like rec (ingest_effect.c): for a vote
 * its target's votes, for a source event the source or the cascade report, ... ; NULL when
 * there are none or they could not be read (the record is stored all the same). A new
 * record that ran a cascade also counts it in the metrics. res is the record's result. */
json_t *srv_ingest_effect(srv_req *r, const steme_record *rec, const steme_ingest_result *res);

#endif
