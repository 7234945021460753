/* SPDX-License-Identifier: MIT */
/*
 * assert_file.c -- `steme assert --file`: import records in their JSON form, one per line.
 *
 * A file is all-or-nothing. The first pass parses, completes (kind, agent, time, confidence),
 * checks and signs every line and keeps nothing but a count; if any line is bad, nothing is
 * stored. The second pass does the same work again and stores the signed records in batches
 * of CLI_ASSERT_BATCH, each an atomic steme_db_ingest() call. Two passes keep memory bounded
 * for files of any size; the time given to records without one is fixed before the first
 * pass, so both passes produce the same bytes. Input that cannot be read twice (stdin, a
 * pipe) is copied to an unlinked temporary file during the first pass.
 *
 * In remote mode (remote.h) each batch is posted to /v1/records as one atomic request of
 * records in their JSON form with their signatures; the server answers per record, as the
 * engine does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_assert.h"
#include "output.h"
#include "record_json.h"
#include "remote.h"

/* A JSON line may be larger than its record (escapes, hex ids) but not unboundedly so. */
#define MAX_LINE (1024 * 1024)
/* Bad lines reported one by one before the rest are only counted. */
#define MAX_REPORTED 20
/* A remote batch is sent before its records' bytes pass this, well within the server's
 * default ingest body limit (16 MiB) even with the JSON form's escapes. */
#define MAX_REMOTE_BATCH_BYTES (4u * 1024 * 1024)

typedef struct line_reader {
    FILE *f;
    FILE *spool; /* where lines are copied for the second pass, or NULL */
    char *buf;
    size_t cap;
    size_t len;
    bool too_long;
    uint64_t lineno;
} line_reader;

typedef struct importer {
    cli *c;
    const steme_keypair *kp;
    steme_pubkey pk;
    char pk_hex[2 * STEME_PUBKEY_SIZE + 1];
    int64_t at;       /* the time of records that carry none */
    int64_t max_time; /* the latest author time the store accepts */
    uint8_t *buf;     /* one encoded record */
    uint64_t total;   /* records in the file (first pass) */
    /* Second pass: the batch being assembled and what has been stored. */
    steme_signed *recs;
    steme_ingest_result *results;
    uint64_t *lines;
    size_t n;
    uint64_t done, fresh, dups, first_seq, last_seq;
    bool progress;
    /* Remote mode: the batch as {"record", "signature"} items, and its records' bytes. */
    json_t *items;
    size_t batch_bytes;
} importer;

/* Read one line without its end ("\n" or "\r\n"). Returns 1 for a line, 0 at the end, -1 on a
 * read error. A line longer than MAX_LINE is consumed and flagged too_long. */
static int
read_line(line_reader *r)
{
    int ch = EOF;
    r->len = 0;
    r->too_long = false;
    while ((ch = getc_unlocked(r->f)) != EOF && ch != '\n') {
        if (r->len == MAX_LINE) {
            r->too_long = true;
            continue;
        }
        if (r->len == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 4096;
            char *grown = realloc(r->buf, cap > MAX_LINE ? MAX_LINE : cap);
            if (grown == NULL)
                return -1;
            r->buf = grown;
            r->cap = cap > MAX_LINE ? MAX_LINE : cap;
        }
        r->buf[r->len++] = (char)ch;
    }
    if (ch == EOF) {
        if (ferror(r->f))
            return -1;
        if (r->len == 0 && !r->too_long)
            return 0;
    }
    r->lineno++;
    if (r->spool != NULL && !r->too_long) {
        fwrite(r->buf, 1, r->len, r->spool);
        putc('\n', r->spool);
    }
    if (r->len > 0 && r->buf[r->len - 1] == '\r')
        r->len--;
    return 1;
}

static bool
blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    }
    return true;
}

static int
report_line(importer *im, uint64_t lineno, int err, const steme_errinfo *ei, const char *msg)
{
    json_t *extra = json_pack("{s:I}", "line", (json_int_t)lineno);
    if (msg != NULL)
        return cli_fail_extra(im->c, steme__json_err_code(err), extra, "line %" PRIu64 ": %s",
                              lineno, msg);
    return cli_error_extra(im->c, err, ei, extra, "line %" PRIu64, lineno);
}

/* The member holding the author's time for a record kind. */
static const char *
time_member(const char *kind)
{
    if (strcmp(kind, "assertion") == 0)
        return "asserted_at";
    if (strcmp(kind, "vote") == 0)
        return "voted_at";
    if (strcmp(kind, "event") == 0)
        return "at";
    return NULL;
}

/* Fill in what the JSON form requires and a line may leave out. Wrong JSON types are left in
 * place for steme__record_from_json() to report with its usual field names. */
static bool
complete(importer *im, json_t *j)
{
    const char *kind = "assertion";
    const json_t *k = json_object_get(j, "kind");
    if (k == NULL) {
        if (json_object_set_new(j, "kind", json_string(kind)) != 0)
            return false;
    } else if (json_is_string(k)) {
        kind = json_string_value(k);
    }
    if (json_object_get(j, "agent") == NULL &&
        json_object_set_new(j, "agent", json_string(im->pk_hex)) != 0)
        return false;
    const char *tm = time_member(kind);
    if (tm != NULL && json_object_get(j, tm) == NULL &&
        json_object_set_new(j, tm, json_integer(im->at)) != 0)
        return false;
    if (strcmp(kind, "assertion") == 0 && json_object_get(j, "confidence") == NULL &&
        json_object_set_new(j, "confidence", json_integer(1)) != 0)
        return false;
    return true;
}

static int64_t
record_time(const steme_record *rec, const char **member)
{
    switch (rec->kind) {
    case STEME_RECORD_ASSERTION:
        *member = "asserted_at";
        return rec->assertion.asserted_at;
    case STEME_RECORD_VOTE:
        *member = "voted_at";
        return rec->vote.voted_at;
    case STEME_RECORD_EVENT:
        *member = "at";
        return rec->event.at;
    }
    *member = "kind";
    return 0;
}

/*
 * Parse, complete, check and sign one line into im->buf (*ret_len bytes). Returns true when
 * the line is good; otherwise reports it when report is set and returns false.
 */
static bool
process_line(importer *im, const char *line, size_t len, uint64_t lineno, bool report,
             size_t *ret_len, steme_id *ret_id, steme_sig *ret_sig, json_t **ret_record)
{
    json_error_t jerr;
    json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        if (report) {
            char msg[256];
            snprintf(msg, sizeof(msg), "not valid JSON: %s (column %d)", jerr.text, jerr.column);
            report_line(im, lineno, STEME_EINVAL, NULL, msg);
        }
        return false;
    }
    bool ok = false;
    steme_errinfo ei = {0};
    steme__json_record *jr = malloc(sizeof(*jr));
    if (jr == NULL || (json_is_object(j) && !complete(im, j))) {
        if (report)
            report_line(im, lineno, STEME_ENOMEM, NULL, NULL);
        goto out_free;
    }
    int err = steme__record_from_json(j, jr, &ei);
    if (err != STEME_OK) {
        if (report)
            report_line(im, lineno, err, &ei, NULL);
        goto out_free;
    }
    if (memcmp(steme_record_author(&jr->rec)->b, im->pk.b, STEME_PUBKEY_SIZE) != 0) {
        ei.field = "agent";
        ei.rule = "not the public key of the signing key (--key)";
        if (report)
            report_line(im, lineno, STEME_EINVAL, &ei, NULL);
        goto out_free;
    }
    /* The store refuses author clocks too far ahead; finding it here keeps the file
     * all-or-nothing instead of failing halfway through the second pass. */
    const char *member;
    if (record_time(&jr->rec, &member) > im->max_time) {
        ei.field = member;
        ei.rule = "ahead of this machine's clock by more than the allowed skew";
        if (report)
            report_line(im, lineno, STEME_EINVAL, &ei, NULL);
        goto out_free;
    }
    err = steme_record_sign(&jr->rec, im->kp, im->buf, STEME_MAX_RECORD, ret_len, ret_id, ret_sig,
                            &ei);
    if (err != STEME_OK) {
        if (report)
            report_line(im, lineno, err, &ei, NULL);
        goto out_free;
    }
    /* The record's JSON form as the encoder read it (what a remote batch sends). */
    if (ret_record != NULL && (*ret_record = steme__record_to_json(&jr->rec)) == NULL) {
        if (report)
            report_line(im, lineno, STEME_ENOMEM, NULL, NULL);
        goto out_free;
    }
    ok = true;
out_free:
    free(jr);
    json_decref(j);
    return ok;
}

/* First pass: count the records and the bad lines, reporting the first MAX_REPORTED. */
static int
validate(importer *im, line_reader *r, const char *path)
{
    uint64_t bad = 0;
    int rc;
    size_t len;
    steme_id id;
    steme_sig sig;
    while ((rc = read_line(r)) == 1) {
        if (r->too_long) {
            if (bad++ < MAX_REPORTED)
                report_line(im, r->lineno, STEME_ELIMIT, NULL, "longer than 1048576 bytes");
            continue;
        }
        if (blank(r->buf, r->len))
            continue;
        im->total++;
        if (!process_line(im, r->buf, r->len, r->lineno, bad < MAX_REPORTED, &len, &id, &sig, NULL))
            bad++;
    }
    if (rc < 0)
        return cli_error(im->c, STEME_ESYSERR | (errno ? errno : EIO), NULL, "reading %s", path);
    if (r->spool != NULL && (fflush(r->spool) != 0 || ferror(r->spool)))
        return cli_error(im->c, STEME_ESYSERR | (errno ? errno : EIO), NULL,
                         "copying %s to a temporary file", path);
    if (bad > MAX_REPORTED)
        cli_fail(im->c, "invalid", "... and %" PRIu64 " more bad lines", bad - MAX_REPORTED);
    if (bad > 0)
        return cli_fail(im->c, "invalid",
                        "%s: %" PRIu64 " bad line%s; nothing was stored (a file is stored "
                        "whole or not at all)",
                        path, bad, bad == 1 ? "" : "s");
    return CLI_CONTINUE;
}

static void
print_record(importer *im, uint64_t lineno, const steme_ingest_result *res)
{
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(res->id.b, sizeof(res->id.b), hex);
    const char *status = res->duplicate ? "duplicate" : "new";
    if (im->c->json) {
        cli_json_line(im->c, json_pack("{s:I, s:s, s:I, s:s}", "line", (json_int_t)lineno, "id",
                                       hex, "seq", (json_int_t)res->seq, "status", status));
        return;
    }
    if (im->done == 0)
        printf("%6s  %8s  %-9s  %s\n", "LINE", "SEQ", "STATUS", "ID");
    printf("%6" PRIu64 "  %8" PRIu64 "  %-9s  %s\n", lineno, res->seq, status, hex);
}

static void
free_batch(importer *im)
{
    for (size_t i = 0; i < im->n; i++) {
        free((void *)im->recs[i].bytes);
        im->recs[i].bytes = NULL;
    }
    im->n = 0;
    if (im->items != NULL)
        json_array_clear(im->items);
    im->batch_bytes = 0;
}

/* Count a stored batch's records and print them. */
static void
count_batch(importer *im)
{
    for (size_t i = 0; i < im->n; i++) {
        const steme_ingest_result *res = &im->results[i];
        if (res->duplicate) {
            im->dups++;
        } else {
            im->fresh++;
            if (im->first_seq == 0 || res->seq < im->first_seq)
                im->first_seq = res->seq;
            if (res->seq > im->last_seq)
                im->last_seq = res->seq;
        }
        if (!im->c->quiet)
            print_record(im, im->lines[i], res);
        im->done++;
    }
    free_batch(im);
    if (im->progress) {
        fprintf(stderr, "\rsteme: assert: stored %" PRIu64 " of %" PRIu64 " records", im->done,
                im->total);
        fflush(stderr);
    }
}

/* A batch the store or the server refused: nothing of it is stored. */
static int
batch_refused(importer *im)
{
    int status = cli_fail(im->c, "invalid",
                          "lines %" PRIu64 "..%" PRIu64 " were not stored; %" PRIu64
                          " records of earlier lines were",
                          im->lines[0], im->lines[im->n - 1], im->done);
    free_batch(im);
    return status;
}

/* Post the assembled batch to the server atomically (remote mode). */
static int
flush_remote(importer *im)
{
    cli_path route;
    cli_path_init(&route, "/v1/records");
    json_t *body = json_pack("{s:O, s:b}", "records", im->items, "atomic", 1);
    cli_http_reply reply;
    int status = body != NULL ? cli_remote_call(im->c, "POST", &route, body, &reply)
                              : cli_error(im->c, STEME_ENOMEM, NULL, NULL);
    json_decref(body);
    cli_path_free(&route);
    if (status != CLI_CONTINUE) {
        free_batch(im);
        return status;
    }
    const json_t *results = json_object_get(reply.json, "results");
    if (reply.status == 422 && json_array_size(results) == im->n) {
        /* The records refused for themselves, by line; the others were refused for their
         * company ("not_stored"). */
        for (size_t i = 0; i < im->n; i++) {
            const json_t *item = json_array_get(results, i);
            const char *st = json_string_value(json_object_get(item, "status"));
            if (st == NULL || strcmp(st, "refused") != 0)
                continue;
            char prefix[32];
            snprintf(prefix, sizeof(prefix), "line %" PRIu64, im->lines[i]);
            cli_remote_refusal(im->c, item, json_pack("{s:I}", "line", (json_int_t)im->lines[i]),
                               prefix);
        }
        cli_http_reply_free(&reply);
        return batch_refused(im);
    }
    if (reply.status != 200 || json_array_size(results) != im->n) {
        cli_remote_fail(im->c, &reply);
        cli_http_reply_free(&reply);
        return batch_refused(im);
    }
    for (size_t i = 0; i < im->n; i++) {
        const json_t *item = json_array_get(results, i);
        const char *id = json_string_value(json_object_get(item, "id"));
        const char *st = json_string_value(json_object_get(item, "status"));
        steme_ingest_result *res = &im->results[i];
        memset(res, 0, sizeof(*res));
        res->seq = (uint64_t)json_integer_value(json_object_get(item, "seq"));
        res->duplicate = st != NULL && strcmp(st, "duplicate") == 0;
        if (id == NULL || strlen(id) != 2 * STEME_ID_SIZE ||
            steme_unhex(id, res->id.b, STEME_ID_SIZE) != STEME_OK) {
            cli_http_reply_free(&reply);
            return batch_refused(im);
        }
    }
    cli_http_reply_free(&reply);
    count_batch(im);
    return CLI_CONTINUE;
}

/* Store the assembled batch atomically and print what happened to each record. */
static int
flush_batch(importer *im, steme_db *db)
{
    if (im->n == 0)
        return CLI_CONTINUE;
    if (db == NULL)
        return flush_remote(im);
    memset(im->results, 0, im->n * sizeof(*im->results));
    int err = steme_db_ingest(db, im->recs, im->n, im->results, STEME_INGEST_ATOMIC);
    if (err != STEME_OK) {
        bool named = false;
        /* The records the store refused for themselves; the others of the atomic batch are
         * refused only for their company (field "batch") and would bury the one that matters. */
        for (size_t i = 0; i < im->n; i++) {
            const steme_ingest_result *res = &im->results[i];
            if (res->err != STEME_OK &&
                (res->info.field == NULL || strcmp(res->info.field, "batch") != 0)) {
                report_line(im, im->lines[i], res->err, &res->info, NULL);
                named = true;
            }
        }
        if (!named)
            cli_error(im->c, err, NULL, "storing lines %" PRIu64 "..%" PRIu64, im->lines[0],
                      im->lines[im->n - 1]);
        return batch_refused(im);
    }
    count_batch(im);
    return CLI_CONTINUE;
}

/* Second pass: sign again and store, batch by batch. */
static int
store(importer *im, line_reader *r, steme_db *db, const char *path)
{
    int rc;
    int status = CLI_CONTINUE;
    while ((rc = read_line(r)) == 1) {
        if (blank(r->buf, r->len))
            continue;
        size_t len;
        steme_id id;
        steme_signed *s = &im->recs[im->n];
        json_t *record = NULL;
        /* The first pass accepted this line; failing now means the file changed under us. */
        if (r->too_long || !process_line(im, r->buf, r->len, r->lineno, true, &len, &id, &s->sig,
                                         db == NULL ? &record : NULL))
            return cli_fail(im->c, "invalid",
                            "%s changed during the import; %" PRIu64 " records were stored", path,
                            im->done);
        if (db == NULL) {
            if (json_array_append_new(im->items,
                                      json_pack("{s:o, s:o}", "record", record, "signature",
                                                steme__json_hex(s->sig.b, sizeof(s->sig.b)))) != 0)
                return cli_error(im->c, STEME_ENOMEM, NULL, NULL);
            im->batch_bytes += len;
        } else {
            uint8_t *copy = malloc(len);
            if (copy == NULL)
                return cli_error(im->c, STEME_ENOMEM, NULL, NULL);
            memcpy(copy, im->buf, len);
            s->bytes = copy;
            s->len = len;
        }
        im->lines[im->n++] = r->lineno;
        if ((im->n == CLI_ASSERT_BATCH || im->batch_bytes > MAX_REMOTE_BATCH_BYTES) &&
            (status = flush_batch(im, db)) != CLI_CONTINUE)
            return status;
    }
    if (rc < 0)
        return cli_error(im->c, STEME_ESYSERR | (errno ? errno : EIO), NULL, "reading %s", path);
    return flush_batch(im, db);
}

static int
print_summary(importer *im)
{
    if (im->progress)
        fputs("\r\033[K", stderr);
    if (im->c->json) {
        if (!im->c->quiet)
            return CLI_EXIT_OK;
        json_t *j = json_pack("{s:I, s:I, s:I}", "records", (json_int_t)im->done, "new",
                              (json_int_t)im->fresh, "duplicate", (json_int_t)im->dups);
        if (j != NULL) {
            json_object_set_new(j, "first_seq",
                                im->fresh ? json_integer((json_int_t)im->first_seq) : json_null());
            json_object_set_new(j, "last_seq",
                                im->fresh ? json_integer((json_int_t)im->last_seq) : json_null());
        }
        return cli_json_doc(im->c, j) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    printf("%" PRIu64 " record%s: %" PRIu64 " new", im->done, im->done == 1 ? "" : "s", im->fresh);
    if (im->fresh > 0)
        printf(" (seq %" PRIu64 "..%" PRIu64 ")", im->first_seq, im->last_seq);
    printf(", %" PRIu64 " duplicate\n", im->dups);
    return CLI_EXIT_OK;
}

/* Open path for two passes: a regular file is read twice; anything else is spooled. */
static int
open_input(cli *c, const char *path, line_reader *r, bool *close_f)
{
    memset(r, 0, sizeof(*r));
    if (strcmp(path, "-") == 0) {
        r->f = stdin;
        *close_f = false;
    } else {
        r->f = fopen(path, "r");
        if (r->f == NULL)
            return cli_error(c, STEME_ESYSERR | errno, NULL, "%s", path);
        *close_f = true;
    }
    struct stat st;
    if (fstat(fileno(r->f), &st) != 0 || !S_ISREG(st.st_mode)) {
        r->spool = tmpfile();
        if (r->spool == NULL) {
            int e = errno;
            if (*close_f)
                fclose(r->f);
            return cli_error(c, STEME_ESYSERR | e, NULL, "making a temporary copy of %s", path);
        }
    }
    return CLI_CONTINUE;
}

int
cli_assert_file(cli *c, const char *path, const steme_keypair *kp, int64_t at)
{
    importer im;
    memset(&im, 0, sizeof(im));
    im.c = c;
    im.kp = kp;
    im.at = at;
    steme_keypair_public(kp, &im.pk);
    steme_hex(im.pk.b, sizeof(im.pk.b), im.pk_hex);
    steme_db_options defaults;
    steme_db_options_init(&defaults);
    im.max_time = steme_now_ms() + defaults.max_clock_skew;

    line_reader r;
    bool close_f = false;
    int status = open_input(c, path, &r, &close_f);
    if (status != CLI_CONTINUE)
        return status;
    steme_db *db = NULL;
    im.buf = malloc(STEME_MAX_RECORD);
    im.recs = calloc(CLI_ASSERT_BATCH, sizeof(*im.recs));
    im.results = calloc(CLI_ASSERT_BATCH, sizeof(*im.results));
    im.lines = calloc(CLI_ASSERT_BATCH, sizeof(*im.lines));
    if (im.buf == NULL || im.recs == NULL || im.results == NULL || im.lines == NULL) {
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
        goto out_free;
    }

    status = validate(&im, &r, path);
    if (status != CLI_CONTINUE)
        goto out_free;
    status = cli_store_open(c, false, &db);
    if (status != CLI_CONTINUE)
        goto out_free;
    if (db == NULL && (im.items = json_array()) == NULL) {
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
        goto out_free;
    }

    /* Second pass: from the start of the file or of its copy. */
    if (r.spool != NULL) {
        if (close_f)
            fclose(r.f);
        close_f = true;
        r.f = r.spool;
        r.spool = NULL;
    }
    if (fseeko(r.f, 0, SEEK_SET) != 0) {
        status = cli_error(c, STEME_ESYSERR | errno, NULL, "rewinding %s", path);
        goto out_close_db;
    }
    r.lineno = 0;
    im.progress = !c->quiet && !c->json && im.total > CLI_ASSERT_BATCH && isatty(STDERR_FILENO);
    status = store(&im, &r, db, path);
    if (im.progress && status != CLI_CONTINUE)
        fputc('\n', stderr);
    if (status == CLI_CONTINUE)
        status = print_summary(&im);
out_close_db:
    steme_db_close(db);
out_free:
    free_batch(&im);
    json_decref(im.items);
    free(im.lines);
    free(im.results);
    free(im.recs);
    free(im.buf);
    free(r.buf);
    if (r.spool != NULL)
        fclose(r.spool);
    if (close_f)
        fclose(r.f);
    return status;
}
