/* SPDX-License-Identifier: MIT */
/*
 * cmd_import.c -- `steme import`: store signed records from JSON Lines (what `steme export`
 * writes), or claims from CSV signed here with a given key, in batches, with constant memory.
 *
 * Two modes for bad input (docs/import-export.md, "Bad input"):
 *  - abort (the default): a first pass reads the whole input and checks every line as far as
 *    it can be checked without the store -- JSON, the record's encoding, its id, its signature
 *    and its clock -- and stores nothing if any line is bad. The second pass stores the lines
 *    in batches, each one atomic steme_db_ingest() call; a refusal only the store can make (a
 *    rule: a vote on an unknown claim, an admin event signed by a key that is not the store's
 *    admin) stops the import at that batch, of which nothing is stored. No line is ever half
 *    stored, and no batch is.
 *  - skip: one pass stores every good line and reports each bad one.
 *
 * After every stored batch the resume state (import_state.c) records how far the input is
 * stored, so that `--resume` continues an interrupted import where it stopped instead of
 * reading every record again as a duplicate.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "import.h"
#include "output.h"
#include "progress.h"
#include "signing.h"

static int run_import(cli *c, int argc, char **argv);

const cli_command cli_cmd_import = {
    .name = "import",
    .summary = "store signed records from JSON Lines, or claims from CSV signed with a key",
    .help =
        "Usage: steme import FILE|- [--on-error abort|skip] [--resume]\n"
        "       steme import --csv FILE|- --key KEYFILE [--map FIELD=COL,...]... [--at T]\n"
        "                    [--on-error abort|skip] [--resume]\n"
        "\n"
        "Store the records of FILE (- for stdin). Without --csv, FILE holds JSON Lines of\n"
        "signed records, one per line, as 'steme export' writes them: {\"seq\", \"id\",\n"
        "\"recorded_at\", \"signature\", \"record\"} (also what 'steme --json log' prints), or\n"
        "just {\"record\", \"signature\"}. Each record keeps its id and its author's signature,\n"
        "and the store verifies every signature and every rule as for any write. A record\n"
        "gets a NEW log position and time in this store: seq and recorded_at are those of\n"
        "the store it came from and are not imported. Importing a whole export into an empty\n"
        "store gives every record the seq it had (its recorded_at is the time of the import).\n"
        "Admin events (sources, epochs, gold, roles) are accepted only when signed by this\n"
        "store's admin: create the store with the same admin key ('steme init --admin-key').\n"
        "\n"
        "Records already present are duplicates, counted and not stored again: importing a\n"
        "file twice changes nothing.\n"
        "\n"
        "Options:\n"
        "  --on-error abort  (default) check every line first -- JSON, encoding, id,\n"
        "                    signature -- and store nothing if any is bad; then store in\n"
        "                    batches of 1000 records, each batch whole or not at all. A\n"
        "                    refusal only the store can make (a rule) stops the import at\n"
        "                    its batch: the batches before it stay stored.\n"
        "  --on-error skip   one pass: store every good line, report every bad one\n"
        "  --resume          continue an interrupted import of FILE: skip what the resume\n"
        "                    state FILE.steme-import-state says is stored (kept after every\n"
        "                    batch, removed when an import ends). It is used only when FILE\n"
        "                    and the store are the ones it was made for; otherwise the\n"
        "                    import starts over, which is safe but slower. Not with stdin.\n"
        "  --csv             FILE is CSV: one claim per row, signed with --key (see below)\n"
        "  --key KEYFILE     the agent key that signs the CSV's claims (default:\n"
        "                    $STEME_KEY_FILE, else ./steme.key)\n"
        "  --map FIELD=COL   the column of a field: a header name or a 1-based number;\n"
        "                    several per --map separated by commas, --map repeatable\n"
        "  --at T            the time of CSV rows without asserted_at (default: when the\n"
        "                    import starts; give it, or an asserted_at column, to make a\n"
        "                    second import of the same CSV find duplicates)\n"
        "\n"
        "CSV (RFC 4180): a header row first; fields separated by commas; a field in double\n"
        "quotes may hold commas, line breaks and doubled quotes (\"\"). Fields: subject,\n"
        "predicate, value, source (required), type, unit, confidence (0..1, default 1),\n"
        "valid_from, valid_until, asserted_at, epoch, quote, url, supersedes, derived_from\n"
        "(ids separated by spaces) and qualifier.KEY (a qualifier KEY). A field without\n"
        "--map is read from the column named like it (case-insensitive), if any; columns\n"
        "nothing maps are ignored; an empty optional cell means absent. The value is typed\n"
        "by the row's type cell when it is not empty (string, integer, number, boolean,\n"
        "ref), else as 'steme assert --value' does: integer for -?(0|[1-9][0-9]*) (number\n"
        "with a unit), number for a JSON number (0.2, 1e-3), boolean for true or false,\n"
        "else string. Qualifier values are typed the same way.\n"
        "\n"
        "Progress: on a terminal, one line on stderr with the count, the rate, the\n"
        "percentage and the time left, redrawn in place; nothing when stderr is not a\n"
        "terminal or with --quiet.\n"
        "\n"
        "Output: bad lines on stderr, \"line N: FIELD: RULE\" (CSV: \"line N, column K\n"
        "(NAME): FIELD: RULE\"; malformed JSON: its column in the line), the first 20; then\n"
        "one summary line on stdout: lines read, stored, duplicates, refused. With --json the\n"
        "summary is {\"lines\", \"stored\", \"duplicates\", \"refused\", \"errors\": [{\"line\",\n"
        "\"field\", \"rule\", \"message\", and \"column\", \"header\" when known}] (the first\n"
        "100), \"errors_omitted\", \"aborted\", \"resumed_at_line\", \"first_seq\", "
        "\"last_seq\"}.\n"
        "\n"
        "Exit status: 0 when every line was stored or already present; 1 when a line was\n"
        "refused (with skip the others were stored), the input could not be read, or\n"
        "there is no store; 2 on a usage error, or a --map naming a column the header\n"
        "lacks.\n"
        "\n"
        "Examples:\n"
        "  steme export -o all.jsonl && steme --db copy import all.jsonl\n"
        "  steme import --on-error skip --resume big.jsonl\n"
        "  steme import --csv labels.csv --key me.key --at 2024-06-01T00:00:00Z \\\n"
        "      --map subject=drug,predicate=measure,value=rate,source=label_id\n",
    .run = run_import,
};

enum {
    OPT_ON_ERROR = CLI_OPT_BASE,
    OPT_RESUME,
    OPT_CSV,
    OPT_KEY,
    OPT_MAP,
    OPT_AT,
};

#define MAX_MAPS     64
#define MAX_REPORTED 20 /* bad lines written on stderr before the rest are only counted */

typedef struct import_args {
    bool skip;
    bool resume;
    bool csv;
    const char *key_file;
    bool key_given;
    char *maps[MAX_MAPS];
    size_t n_maps;
    bool has_at;
    int64_t at;
} import_args;

typedef struct importer {
    cli *c;
    const import_args *a;
    const char *path;
    cli_input in;
    cli_csv_import *ci;
    steme_db *db;
    /* The batch: records' bytes one after another in arena. */
    uint8_t *arena;
    size_t arena_len;
    steme_signed *recs;
    steme_ingest_result *results;
    uint64_t *lines;
    size_t n;
    /* This run's counts. */
    uint64_t items, stored, duplicates, refused, first_seq, last_seq;
    json_t *errors; /* --json: the first CLI_IMPORT_MAX_ERRORS reports */
    uint64_t errors_omitted, reported;
    /* Resume. */
    char *state_path;
    bool keep_state; /* the input is a regular file we could identify */
    cli_import_state st;
    uint64_t start_offset, start_lines, resumed_at_line;
    uint64_t kill_after, batches; /* a test hook: see flush() */
    cli_progress prog;
    bool aborted;
} importer;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    import_args *a = ctx;
    switch (opt) {
    case OPT_ON_ERROR:
        if (strcmp(arg, "skip") == 0)
            a->skip = true;
        else if (strcmp(arg, "abort") == 0)
            a->skip = false;
        else
            return cli_usage(c, "--on-error: '%s' is not abort or skip", arg);
        break;
    case OPT_RESUME:
        a->resume = true;
        break;
    case OPT_CSV:
        a->csv = true;
        break;
    case OPT_KEY:
        a->key_file = arg;
        a->key_given = true;
        break;
    case OPT_MAP:
        if (a->n_maps == MAX_MAPS)
            return cli_usage(c, "--map: at most %d times", MAX_MAPS);
        a->maps[a->n_maps++] = (char *)arg;
        break;
    case OPT_AT:
        if (!cli_parse_time(arg, &a->at))
            return cli_usage(c, "--at: '%s' is not an RFC 3339 time or milliseconds", arg);
        a->has_at = true;
        break;
    }
    return CLI_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------
 * Reports
 */

/* "FIELD: RULE", with the CSV column first when there is one. */
static void
bad_message(const cli_import_bad *bad, char *out, size_t cap)
{
    char where[192] = "";
    if (bad->header[0] != '\0')
        snprintf(where, sizeof(where), "column %d (%s): ", bad->column, bad->header);
    if (bad->field[0] != '\0')
        snprintf(out, cap, "%s%s: %s", where, bad->field, bad->rule);
    else
        snprintf(out, cap, "%s%s", where, bad->rule);
}

static void
report_bad(importer *im, const cli_import_bad *bad)
{
    im->refused++;
    char msg[640];
    bad_message(bad, msg, sizeof(msg));
    if (im->reported++ < MAX_REPORTED) {
        cli_progress_end(&im->prog);
        fprintf(stderr, "steme: %s: line %" PRIu64 ": %s\n", im->c->cmd, bad->line, msg);
    }
    if (im->errors == NULL)
        return;
    if (json_array_size(im->errors) >= CLI_IMPORT_MAX_ERRORS) {
        im->errors_omitted++;
        return;
    }
    json_t *e =
        json_pack("{s:I, s:s?, s:s, s:s}", "line", (json_int_t)bad->line, "field",
                  bad->field[0] != '\0' ? bad->field : NULL, "rule", bad->rule, "message", msg);
    if (e != NULL && bad->column > 0)
        json_object_set_new(e, "column", json_integer(bad->column));
    if (e != NULL && bad->header[0] != '\0')
        json_object_set_new(e, "header", json_string(bad->header));
    json_array_append_new(im->errors, e);
}

/* An engine refusal of the record from line as a report. */
static void
report_refusal(importer *im, uint64_t line, const steme_ingest_result *res)
{
    cli_import_bad bad;
    memset(&bad, 0, sizeof(bad));
    bad.line = line;
    const char *f = res->info.field;
    char field[128] = "";
    /* The engine names the record's members; the line's are under "record". */
    if (f != NULL && f[0] != '\0')
        snprintf(field, sizeof(field), "%s%s", strcmp(f, "signature") == 0 ? "" : "record.", f);
    cli_import_bad_set(&bad, res->err, field, res->info.rule);
    report_bad(im, &bad);
}

/* ---------------------------------------------------------------------------------------------
 * Resume state
 */

static void
save_state(importer *im)
{
    if (!im->keep_state)
        return;
    im->st.offset = im->in.offset;
    im->st.lines = im->in.lines;
    int e = cli_import_state_save(im->state_path, &im->st);
    if (e != 0) {
        im->keep_state = false;
        if (!im->c->quiet) {
            cli_progress_end(&im->prog);
            fprintf(stderr, "steme: %s: note: cannot write %s (%s): --resume will not work\n",
                    im->c->cmd, im->state_path, strerror(e));
        }
    }
}

static void note(importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(importer *im, const char *fmt, ...)
{
    if (im->c->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "steme: %s: note: ", im->c->cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Decide where this run starts: the start of the input, or where the state says. */
static int
plan_resume(importer *im)
{
    im->start_offset = im->in.offset; /* after a CSV header */
    im->start_lines = im->in.lines;
    if (!im->in.regular)
        return CLI_CONTINUE;
    im->state_path = cli_import_state_path(im->path);
    if (im->state_path == NULL)
        return cli_error(im->c, STEME_ENOMEM, NULL, NULL);
    memset(&im->st, 0, sizeof(im->st));
    im->st.csv = im->ci != NULL;
    int e = cli_import_state_identify(&im->st, &im->in, im->c->db_dir);
    if (e != 0) {
        note(im, "cannot identify the input for --resume (%s)", strerror(e));
        return CLI_CONTINUE;
    }
    im->keep_state = true;
    if (im->ci != NULL) {
        cli_csv_import_settings(im->ci, &im->st.settings);
        im->st.at = im->a->at;
    }
    if (!im->a->resume)
        return CLI_CONTINUE;

    cli_import_state saved;
    e = cli_import_state_load(im->state_path, &saved);
    if (e == ENOENT) {
        note(im, "no resume state %s: starting from the beginning", im->state_path);
        return CLI_CONTINUE;
    }
    if (e != 0) {
        note(im, "%s is not a resume state: starting from the beginning", im->state_path);
        return CLI_CONTINUE;
    }
    const char *why = cli_import_state_mismatch(&saved, &im->st);
    if (why == NULL && im->ci != NULL && im->a->has_at && saved.at != im->a->at)
        why = "it was made with another --at";
    if (why == NULL && saved.has_last) {
        steme_entry *e2 = NULL;
        int err = steme_db_get(im->db, &saved.last, 0, &e2);
        steme_entry_free(e2);
        if (err == STEME_ENOTFOUND)
            why = "the store lacks the records it says are stored";
        else if (err != STEME_OK)
            return cli_error(im->c, err, NULL, "checking the resume state");
    }
    if (why == NULL && saved.offset < im->start_offset)
        why = "it is malformed";
    if (why != NULL) {
        note(im, "not resuming from %s (%s): starting from the beginning", im->state_path, why);
        return CLI_CONTINUE;
    }
    if (im->ci != NULL) {
        im->st.at = saved.at;
        cli_csv_import_set_time(im->ci, saved.at);
    }
    im->st.has_last = saved.has_last;
    im->st.last = saved.last;
    e = cli_input_seek(&im->in, saved.offset, saved.lines);
    if (e != 0)
        return cli_error(im->c, STEME_ESYSERR | e, NULL, "%s", im->path);
    im->start_offset = saved.offset;
    im->start_lines = saved.lines;
    im->resumed_at_line = saved.lines + 1;
    return CLI_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------
 * Passes
 */

static int
next_item(importer *im, bool verify, uint8_t *buf, cli_import_item *it, cli_import_bad *bad)
{
    if (im->ci != NULL)
        return cli_csv_import_next(im->ci, buf, it, bad);
    return cli_import_json_next(&im->in, verify, buf, it, bad);
}

static int
read_error(importer *im)
{
    cli_progress_end(&im->prog);
    return cli_error(im->c, STEME_ESYSERR | (im->in.err != 0 ? im->in.err : EIO), NULL,
                     "reading %s at line %" PRIu64, im->path, im->in.lines + 1);
}

/* First pass of abort mode: check everything, store nothing. */
static int
check_pass(importer *im)
{
    cli_import_item it;
    cli_import_bad bad;
    int rc;
    cli_progress_begin(&im->prog, im->c, "checking", im->in.regular ? im->in.st.st_size : 0,
                       im->start_offset);
    while ((rc = next_item(im, true, im->arena, &it, &bad)) != CLI_IMPORT_END) {
        if (rc == CLI_IMPORT_FAIL)
            return read_error(im);
        im->items++;
        if (rc == CLI_IMPORT_BAD)
            report_bad(im, &bad);
        cli_progress_update(&im->prog, im->items, im->in.offset);
    }
    cli_progress_end(&im->prog);
    if (im->refused > 0) {
        im->aborted = true;
        return CLI_EXIT_FAIL;
    }
    int e = cli_input_seek(&im->in, im->start_offset, im->start_lines);
    if (e != 0)
        return cli_error(im->c, STEME_ESYSERR | e, NULL, "reading %s again", im->path);
    im->items = 0;
    return CLI_CONTINUE;
}

/* Store the batch. In abort mode it is atomic and a refusal ends the import. */
static int
flush(importer *im)
{
    if (im->n == 0)
        return CLI_CONTINUE;
    memset(im->results, 0, im->n * sizeof(*im->results));
    int err = steme_db_ingest(im->db, im->recs, im->n, im->results,
                              im->a->skip ? 0 : STEME_INGEST_ATOMIC);
    uint64_t from = im->lines[0], to = im->lines[im->n - 1];
    size_t n = im->n;
    im->n = 0;
    im->arena_len = 0;
    if (err == STEME_EINVAL && !im->a->skip) {
        for (size_t i = 0; i < n; i++) {
            const steme_ingest_result *res = &im->results[i];
            /* The others of the atomic batch are refused only for their company. */
            if (res->err != STEME_OK &&
                (res->info.field == NULL || strcmp(res->info.field, "batch") != 0))
                report_refusal(im, im->lines[i], res);
        }
        cli_progress_end(&im->prog);
        im->aborted = true;
        /* Not --quiet's to hide: it says what is stored and what is not. */
        fprintf(stderr,
                "steme: %s: stopped: the store refused a record of lines %" PRIu64 "..%" PRIu64
                ", which were not stored (a batch is stored whole or not at all); ",
                im->c->cmd, from, to);
        if (im->stored + im->duplicates == 0 && im->resumed_at_line == 0)
            fprintf(stderr, "nothing was stored\n");
        else
            fprintf(stderr, "the lines before %" PRIu64 " are stored\n", from);
        return CLI_EXIT_FAIL;
    }
    if (err != STEME_OK) {
        cli_progress_end(&im->prog);
        return cli_error(im->c, err, NULL,
                         "storing lines %" PRIu64 "..%" PRIu64 " (nothing of them was stored; "
                         "the lines before are: --resume continues)",
                         from, to);
    }
    for (size_t i = 0; i < n; i++) {
        const steme_ingest_result *res = &im->results[i];
        if (res->err != STEME_OK) {
            report_refusal(im, im->lines[i], res);
            continue;
        }
        if (res->duplicate) {
            im->duplicates++;
        } else {
            im->stored++;
            if (im->first_seq == 0 || res->seq < im->first_seq)
                im->first_seq = res->seq;
            if (res->seq > im->last_seq)
                im->last_seq = res->seq;
        }
        im->st.has_last = true;
        im->st.last = res->id;
    }
    /* A test hook: die like kill -9 after this batch is durable and before the resume
     * state says so, the worst moment for --resume (tests/cli/test_export_import.sh). */
    if (im->kill_after > 0 && ++im->batches == im->kill_after)
        raise(SIGKILL);
    save_state(im);
    return CLI_CONTINUE;
}

static int
store_pass(importer *im)
{
    cli_import_item it;
    cli_import_bad bad;
    int rc, status;
    cli_progress_begin(&im->prog, im->c, "importing", im->in.regular ? im->in.st.st_size : 0,
                       im->start_offset);
    for (;;) {
        rc = next_item(im, false, im->arena + im->arena_len, &it, &bad);
        if (rc == CLI_IMPORT_END)
            break;
        if (rc == CLI_IMPORT_FAIL) {
            status = read_error(im);
            flush(im);
            return status;
        }
        im->items++;
        if (rc == CLI_IMPORT_BAD) {
            if (!im->a->skip) {
                /* The check pass accepted this line: the input changed under us. */
                report_bad(im, &bad);
                flush(im);
                cli_progress_end(&im->prog);
                return cli_fail(im->c, "invalid", "%s changed during the import", im->path);
            }
            report_bad(im, &bad);
        } else {
            im->recs[im->n] =
                (steme_signed){.bytes = im->arena + im->arena_len, .len = it.len, .sig = it.sig};
            im->lines[im->n++] = it.line;
            im->arena_len += it.len;
            if ((im->n == CLI_IMPORT_BATCH || im->arena_len >= CLI_IMPORT_BATCH_BYTES) &&
                (status = flush(im)) != CLI_CONTINUE)
                return status;
        }
        cli_progress_update(&im->prog, im->items, im->in.offset);
    }
    if ((status = flush(im)) != CLI_CONTINUE)
        return status;
    cli_progress_end(&im->prog);
    return CLI_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------
 * Summary
 */

static json_t *
seq_or_null(uint64_t seq)
{
    return seq > 0 ? json_integer((json_int_t)seq) : json_null();
}

static int
by_line(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "line"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "line"));
    return x < y ? -1 : x > y;
}

/* In line order: the store's refusals of a batch come after the bad lines read since. */
static void
sort_errors(json_t *errors)
{
    size_t n = json_array_size(errors);
    json_t *items[CLI_IMPORT_MAX_ERRORS];
    if (n < 2 || n > CLI_IMPORT_MAX_ERRORS)
        return;
    for (size_t i = 0; i < n; i++)
        items[i] = json_incref(json_array_get(errors, i));
    qsort(items, n, sizeof(items[0]), by_line);
    json_array_clear(errors);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(errors, items[i]);
}

static int
summary(importer *im, int status)
{
    if (im->reported > MAX_REPORTED)
        fprintf(stderr, "steme: %s: ... and %" PRIu64 " more bad lines\n", im->c->cmd,
                im->reported - MAX_REPORTED);
    if (im->c->json) {
        json_t *j = json_pack("{s:I, s:I, s:I, s:I}", "lines", (json_int_t)im->items, "stored",
                              (json_int_t)im->stored, "duplicates", (json_int_t)im->duplicates,
                              "refused", (json_int_t)im->refused);
        if (j != NULL) {
            sort_errors(im->errors);
            json_object_set(j, "errors", im->errors);
            json_object_set_new(j, "errors_omitted", json_integer((json_int_t)im->errors_omitted));
            json_object_set_new(j, "aborted", json_boolean(im->aborted));
            json_object_set_new(j, "resumed_at_line", seq_or_null(im->resumed_at_line));
            json_object_set_new(j, "first_seq", seq_or_null(im->first_seq));
            json_object_set_new(j, "last_seq", seq_or_null(im->last_seq));
        }
        if (cli_json_doc(im->c, j) != CLI_CONTINUE)
            return CLI_EXIT_FAIL;
    } else {
        printf("%s: %" PRIu64 " line%s", im->path, im->items, im->items == 1 ? "" : "s");
        if (im->resumed_at_line > 0)
            printf(" from line %" PRIu64, im->resumed_at_line);
        printf(": %" PRIu64 " stored", im->stored);
        if (im->stored > 0)
            printf(" (seq %" PRIu64 "..%" PRIu64 ")", im->first_seq, im->last_seq);
        printf(", %" PRIu64 " duplicate%s, %" PRIu64 " refused", im->duplicates,
               im->duplicates == 1 ? "" : "s", im->refused);
        if (im->aborted)
            printf(im->stored + im->duplicates == 0 ? "; nothing was stored (--on-error abort)"
                                                    : "; stopped at the refused batch");
        putchar('\n');
    }
    if (status != CLI_CONTINUE)
        return status;
    return im->refused > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The command
 */

static int
run(importer *im)
{
    int status;
    if (im->ci != NULL && (status = cli_csv_import_header(im->c, im->ci, &im->in)) != CLI_CONTINUE)
        return status;
    if ((status = plan_resume(im)) != CLI_CONTINUE)
        return status;
    if (!im->a->skip && (status = check_pass(im)) != CLI_CONTINUE)
        return im->aborted ? summary(im, status) : status;
    status = store_pass(im);
    if (status == CLI_CONTINUE && im->keep_state) {
        /* Done: nothing is left to resume. */
        if (unlink(im->state_path) != 0 && errno != ENOENT && !im->c->quiet)
            fprintf(stderr, "steme: %s: note: cannot remove %s: %s\n", im->c->cmd, im->state_path,
                    strerror(errno));
    }
    if (status != CLI_CONTINUE && !im->aborted)
        return status; /* an I/O or store error, reported */
    return summary(im, status);
}

static int
run_import(cli *c, int argc, char **argv)
{
    /* clang-format off */
    static const struct option opts[] = {
        {"on-error", required_argument, NULL, OPT_ON_ERROR},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"csv", no_argument, NULL, OPT_CSV},
        {"key", required_argument, NULL, OPT_KEY},
        {"map", required_argument, NULL, OPT_MAP},
        {"at", required_argument, NULL, OPT_AT},
        {NULL, 0, NULL, 0},
    };
    /* clang-format on */
    import_args a;
    memset(&a, 0, sizeof(a));
    a.key_file = cli_default_key_file();
    int first;
    int status = cli_args_parse(c, &cli_cmd_import, argc, argv, opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the FILE to import (- for stdin)"
                                          : "expected one FILE");
    if (!a.csv && (a.key_given || a.n_maps > 0 || a.has_at))
        return cli_usage(c, "--%s is for --csv (JSON Lines records are signed already)",
                         a.key_given    ? "key"
                         : a.n_maps > 0 ? "map"
                                        : "at");
    const char *path = argv[first];
    if (a.resume && strcmp(path, "-") == 0)
        return cli_usage(c, "--resume needs a file (stdin cannot be read again)");
    if (!a.has_at)
        a.at = steme_now_ms();

    importer im;
    memset(&im, 0, sizeof(im));
    im.c = c;
    im.a = &a;
    im.path = path;
    const char *hook = getenv("STEME_IMPORT_TEST_KILL_AFTER_BATCHES");
    if (hook != NULL && !cli_parse_u64(hook, &im.kill_after))
        im.kill_after = 0;

    steme_keypair *kp = NULL;
    if (a.csv && (status = cli_key_load(c, a.key_file, &kp)) != CLI_CONTINUE)
        return status;
    if (a.csv &&
        (status = cli_csv_import_new(c, a.maps, a.n_maps, kp, a.at, &im.ci)) != CLI_CONTINUE)
        goto out_free_key;
    int e = cli_input_open(&im.in, path, !a.skip);
    if (e != 0) {
        status = cli_error(c, STEME_ESYSERR | e, NULL, "%s", path);
        goto out_free_csv;
    }
    im.arena = malloc(CLI_IMPORT_BATCH_BYTES + STEME_MAX_RECORD);
    im.recs = calloc(CLI_IMPORT_BATCH, sizeof(*im.recs));
    im.results = calloc(CLI_IMPORT_BATCH, sizeof(*im.results));
    im.lines = calloc(CLI_IMPORT_BATCH, sizeof(*im.lines));
    im.errors = c->json ? json_array() : NULL;
    if (im.arena == NULL || im.recs == NULL || im.results == NULL || im.lines == NULL ||
        (c->json && im.errors == NULL)) {
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
        goto out_free;
    }
    if ((status = cli_db_open(c, false, &im.db)) != CLI_CONTINUE)
        goto out_free;
    status = run(&im);
    steme_db_close(im.db);
out_free:
    json_decref(im.errors);
    free(im.lines);
    free(im.results);
    free(im.recs);
    free(im.arena);
    free(im.state_path);
    cli_input_close(&im.in);
out_free_csv:
    cli_csv_import_free(im.ci);
out_free_key:
    steme_keypair_free(kp);
    return status;
}
