/* SPDX-License-Identifier: MIT */
/*
 * import.h -- what the files of `steme import` share: the two readers of signed records
 * (JSON Lines of exported entries, import_json.c; CSV rows of claims signed here,
 * import_csv.c), the resume state (import_state.c) and the driver (cmd_import.c) that checks,
 * batches and stores what the readers produce. docs/import-export.md describes the behaviour.
 *
 * Memory is bounded whatever the size of the input: one line or row (CLI_INPUT_MAX_LINE,
 * CLI_CSV_MAX_ROW), one batch of at most CLI_IMPORT_BATCH records and CLI_IMPORT_BATCH_BYTES
 * canonical bytes, and at most CLI_IMPORT_MAX_ERRORS error reports kept for the JSON summary.
 */
#ifndef STEME_CLI_IMPORT_H
#define STEME_CLI_IMPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "csv.h"
#include "input.h"

#define CLI_IMPORT_BATCH       1000              /* records per steme_db_ingest() call */
#define CLI_IMPORT_BATCH_BYTES (4 * 1024 * 1024) /* canonical bytes per batch (more: flush) */
#define CLI_IMPORT_MAX_ERRORS  100               /* bad lines kept for --json's "errors" */

/* Why a line or row was not stored. Strings are copied: the parsers' are short-lived. */
typedef struct cli_import_bad {
    uint64_t line;
    int err;          /* a steme_err */
    int column;       /* JSON syntax error: column in the line; CSV: the column (1-based); or 0 */
    char header[128]; /* CSV: the column's name in the header, or "" */
    char field[128];  /* the member or mapped field ("record.subject", "value"), or "" */
    char rule[256];
} cli_import_bad;

/* A record ready to store: its canonical bytes (in the caller's buffer), id and signature. */
typedef struct cli_import_item {
    uint64_t line; /* where it starts */
    size_t len;
    steme_id id;
    steme_sig sig;
    const steme_pubkey *author; /* JSON Lines: the key the signature must verify with */
    steme_pubkey author_key;
} cli_import_item;

/* What a reader's next() returns. */
enum {
    CLI_IMPORT_ITEM = 1, /* *it holds a record */
    CLI_IMPORT_BAD = 2,  /* *bad says why the line or row is refused */
    CLI_IMPORT_END = 0,
    CLI_IMPORT_FAIL = -1, /* a read error (in->err) */
};

/* Fill bad with a rule and an optional field (both copied). */
void cli_import_bad_set(cli_import_bad *bad, int err, const char *field, const char *rule);

/* The latest author time the store accepts now (its clock plus the default allowed skew). */
int64_t cli_import_max_time(void);

/* ---------------------------------------------------------------------------------------------
 * JSON Lines (import_json.c)
 */

/*
 * Read the next non-blank line of in and turn it into a record: an entry as `steme export`
 * writes it ({"seq","id","recorded_at","signature","record"}, as `steme --json get` and `log`
 * print it, "stage" included) or just {"record","signature"}. The record is encoded into buf
 * (STEME_MAX_RECORD bytes); a given "id" must be the encoding's. The signature is checked
 * only when verify is set (the engine checks every signature again when storing).
 */
int cli_import_json_next(cli_input *in, bool verify, uint8_t *buf, cli_import_item *it,
                         cli_import_bad *bad);

/* ---------------------------------------------------------------------------------------------
 * CSV (import_csv.c)
 */

typedef struct cli_csv_import cli_csv_import;

/*
 * A CSV reader that signs each row's assertion with kp. maps are the --map arguments
 * ("FIELD=COL,FIELD=COL"), checked here for field names (a usage error otherwise); at is the
 * time of rows without asserted_at. Returns CLI_CONTINUE or an exit status.
 */
int cli_csv_import_new(cli *c, char *const *maps, size_t n_maps, const steme_keypair *kp,
                       int64_t at, cli_csv_import **ret);
void cli_csv_import_free(cli_csv_import *ci);

/* Read the header row of in (at its start) and resolve the mapping against it: a mapped
 * column that does not exist, or a required field without a column, is reported (exit status
 * 2). Returns CLI_CONTINUE or an exit status. */
int cli_csv_import_header(cli *c, cli_csv_import *ci, cli_input *in);

/* The next row as a signed assertion, as cli_import_json_next() does for lines. */
int cli_csv_import_next(cli_csv_import *ci, uint8_t *buf, cli_import_item *it, cli_import_bad *bad);

/* Change the time of rows without asserted_at (a resumed import keeps the first run's). */
void cli_csv_import_set_time(cli_csv_import *ci, int64_t at);

/* What makes the CSV's records what they are besides the file: the key, the resolved mapping
 * and the time of rows without one (BLAKE2b-256), for the resume state. */
void cli_csv_import_settings(const cli_csv_import *ci, steme_id *ret);

/* ---------------------------------------------------------------------------------------------
 * Resume state (import_state.c)
 */

typedef struct cli_import_state {
    bool csv;
    uint64_t size;
    int64_t mtime_s;
    int64_t mtime_ns;
    steme_id head;     /* BLAKE2b-256 of the first min(size, 64 KiB) bytes */
    steme_id store;    /* BLAKE2b-256 of the store directory's real path */
    steme_id settings; /* cli_csv_import_settings(), zero for JSON Lines */
    int64_t at;        /* CSV: the time given to rows without one */
    uint64_t offset;   /* the input up to here is stored (or was refused, with skip) */
    uint64_t lines;    /* newlines before offset */
    bool has_last;
    steme_id last; /* the last record of the last stored batch */
} cli_import_state;

/* path + ".steme-import-state"; NULL when out of memory. */
char *cli_import_state_path(const char *path);

/* Describe the input file (size, mtime, head hash) and the store into st. Returns 0 or an
 * errno. */
int cli_import_state_identify(cli_import_state *st, const cli_input *in, const char *db_dir);

/* Read a state file. Returns 0, ENOENT, EINVAL (not a state file) or another errno. */
int cli_import_state_load(const char *path, cli_import_state *ret);

/* Replace the state file atomically (a temporary file renamed over it). Returns 0 or errno. */
int cli_import_state_save(const char *path, const cli_import_state *st);

/* Why saved cannot resume the import described by now (NULL when it can). */
const char *cli_import_state_mismatch(const cli_import_state *saved, const cli_import_state *now);

#endif
