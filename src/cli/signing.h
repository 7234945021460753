/* SPDX-License-Identifier: MIT */
/*
 * signing.h -- what the commands that write share: loading an agent's or the admin's key,
 * naming the assertion a command acts on (ID or SEQ), signing a record and storing it with
 * the engine's refusals reported as "FIELD: RULE", and printing what was stored.
 *
 * In remote mode (remote.h) the store is the server's: db is NULL, a SEQ is resolved and an
 * assertion read through the API, and a signed record is posted to the route that takes it.
 * Either way a write ends with one JSON document, {"id", "seq", "status", and what the record
 * did}, which is what --json prints and what the tables are printed from.
 */
#ifndef STEME_CLI_SIGNING_H
#define STEME_CLI_SIGNING_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cli.h"
#include "output.h"
#include "remote.h"
#include "view.h"

/* Load the signing key from path, reporting a missing file, unsafe permissions or a
 * malformed file without ever quoting its contents. Returns CLI_CONTINUE or an exit status. */
int cli_key_load(cli *c, const char *path, steme_keypair **ret);

/* The same for the admin key: a missing file is explained as the key 'steme init' made. */
int cli_admin_key_load(cli *c, const char *path, steme_keypair **ret);

/*
 * Load the key for a command that --key names, else the admin key ($STEME_ADMIN_KEY_FILE,
 * else DIR/admin.key; in remote mode there is no DIR, and no default). given may be NULL.
 * Returns CLI_CONTINUE or an exit status.
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
 * read) reports an unknown id in its own words; a seq is looked up (db NULL: through the
 * server), and a seq past the end of the log is reported as not found. Returns CLI_CONTINUE or
 * an exit status.
 */
int cli_ref_id(cli *c, steme_db *db, const cli_ref *ref, steme_id *ret);

/* The assertion ref names, read from the store; a record that is not an assertion is
 * reported. *ret is owned by the caller (steme_entry_free). Returns CLI_CONTINUE or an exit
 * status. */
int cli_ref_assertion(cli *c, steme_db *db, const cli_ref *ref, steme_entry **ret);

/* The same through the server (remote mode): *ret_doc is the entry's JSON (json_decref it),
 * which *ret borrows from. */
int cli_ref_assertion_remote(cli *c, const cli_ref *ref, json_t **ret_doc, cli_json_entry *ret);

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
 * What a stored record did, read from db after the write (embedded mode): the members that
 * follow {"id", "seq", "status"} in the answer, as the server adds them
 * (src/server/ingest_effect.c); *ret NULL for none. Returns CLI_CONTINUE or an exit status.
 */
typedef int (*cli_effect_fn)(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx,
                             json_t **ret);

/*
 * Sign rec with kp and store it: in db with cli_sign_store() and effect (may be NULL), or, db
 * NULL (remote mode), by posting it to route. *ret is the answer, {"id", "seq", "status", and
 * the members of the effect}, the same document in both modes. Returns CLI_CONTINUE or an
 * exit status.
 */
int cli_store(cli *c, steme_db *db, const cli_path *route, const steme_record *rec,
              const steme_keypair *kp, cli_effect_fn effect, void *ctx, json_t **ret);

/*
 * What a write command prints about the record it stored, from its answer doc (stolen): doc
 * with --json; with --quiet the id alone; else "key  value" lines for id, seq and status, then
 * the rows of more (may be NULL). Returns an exit status.
 */
int cli_print_stored(cli *c, json_t *doc, const cli_table *more);

/* The effect of an event that cascades (source_retract, source_reinstate, epoch_supersede):
 * {what: name, "report"}, the report the store kept under its seq. ctx is a cli_cascade. */
typedef struct cli_cascade {
    const char *what; /* "source" or "epoch": the member and row name */
    const char *name;
} cli_cascade;
int cli_cascade_effect(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx, json_t **ret);

/* Print such an event's answer doc (stolen) as cli_print_stored() does, with what's row and
 * the report as "total" and "depth N" rows. Returns an exit status. */
int cli_print_cascade(cli *c, json_t *doc, const char *what);

#endif
