/* SPDX-License-Identifier: MIT */
/*
 * signing.h -- what the commands that write share: loading an agent's or the admin's key,
 * naming the assertion a command acts on (ID or SEQ), signing a record and storing it with
 * the engine's refusals reported as "FIELD: RULE", and printing what was stored.
 */
#ifndef STEME_CLI_SIGNING_H
#define STEME_CLI_SIGNING_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cli.h"
#include "output.h"

/* Load the signing key from path, reporting a missing file, unsafe permissions or a
 * malformed file without ever quoting its contents. Returns CLI_CONTINUE or an exit status. */
int cli_key_load(cli *c, const char *path, steme_keypair **ret);

/* The same for the admin key: a missing file is explained as the key 'steme init' made. */
int cli_admin_key_load(cli *c, const char *path, steme_keypair **ret);

/*
 * Load the key for a command that --key names, else the admin key ($STEME_ADMIN_KEY_FILE,
 * else DIR/admin.key). given may be NULL. Returns CLI_CONTINUE or an exit status.
 */
int cli_admin_key_open(cli *c, const char *given, steme_keypair **ret);

/* An assertion named on the command line: its id (64 hex digits) or its log position. */
typedef struct cli_ref {
    bool by_id;
    steme_id id;
    uint64_t seq;
    const char *text; /* as given, for messages */
} cli_ref;

/* Parse ID|SEQ; false when arg is neither (a usage error for the caller to report). */
bool cli_ref_parse(const char *arg, cli_ref *ret);

/*
 * The id of ref. An id is returned as given, without a lookup, so that the engine (or the
 * read) reports an unknown id in its own words; a seq is looked up, and a seq past the end of
 * the log is reported as not found. Returns CLI_CONTINUE or an exit status.
 */
int cli_ref_id(cli *c, steme_db *db, const cli_ref *ref, steme_id *ret);

/* The assertion ref names, read from the store; a record that is not an assertion is
 * reported. *ret is owned by the caller (steme_entry_free). Returns CLI_CONTINUE or an exit
 * status. */
int cli_ref_assertion(cli *c, steme_db *db, const cli_ref *ref, steme_entry **ret);

/* Make rec an event of the given type, signed by kp's public key, dated now. */
void cli_event_init(steme_record *rec, steme_event_type type, const steme_keypair *kp);

/*
 * Sign rec with kp and store it in db. A record the encoder or the engine refuses is reported
 * as "steme: COMMAND: FIELD: RULE" (exit status 1). On success *ret tells the id, the seq and
 * whether it was a duplicate, and CLI_CONTINUE is returned.
 */
int cli_sign_store(cli *c, steme_db *db, const steme_record *rec, const steme_keypair *kp,
                   steme_ingest_result *ret);

/*
 * What a write command prints about the record it stored: steme__json_stored(r, extra) with
 * --json (extra may be NULL; stolen); with --quiet the id alone; else
 * "key  value" lines for id, seq and status, then the rows of more (may be NULL). Returns an
 * exit status.
 */
int cli_print_stored(cli *c, const steme_ingest_result *r, json_t *extra, const cli_table *more);

/*
 * Print a stored event that cascades (source_retract, source_reinstate, epoch_supersede) as
 * cli_print_stored() does, followed by what names (a "source" or an "epoch": the member and
 * row name) and the report the store kept under its seq: steme__json_cascade() with --json, "total"
 * and "depth N" rows else. Returns an exit status.
 */
int cli_print_cascade(cli *c, steme_db *db, const steme_ingest_result *r, const char *what,
                      const char *name);

#endif
