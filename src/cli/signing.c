/* SPDX-License-Identifier: MIT */
/*
 * signing.c -- keys, assertion references, and signing and storing one record, for every
 * command that writes (see signing.h).
 *
 * Every write goes through cli_sign_store() so that the engine's refusals read the same
 * whatever the command: "steme: vote: target: no such assertion". A record is signed before
 * it is stored and the key pair is freed (its secret wiped) as soon as the caller is done:
 * nothing here prints anything about a key but its public half.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "signing.h"
#include "view.h"

/* Load a key file; hint completes the message when the file does not exist. */
static int
key_load(cli *c, const char *path, const char *hint, steme_keypair **ret)
{
    int err = steme_keypair_load(path, ret);
    switch (err) {
    case STEME_OK:
        return CLI_CONTINUE;
    case STEME_ENOTFOUND:
        return cli_fail(c, "not_found", "key file %s not found (%s)", path, hint);
    case STEME_EPERM:
        return cli_fail(c, "permission",
                        "key file %s: refused because group or others may access it, or it is "
                        "not a regular file (chmod 600 it)",
                        path);
    case STEME_EINVAL:
        /* Deliberately no detail: the detail would be about secret bytes. */
        return cli_fail(c, "invalid", "key file %s is not a valid steme key file", path);
    default:
        return cli_error(c, err, NULL, "key file %s", path);
    }
}

int
cli_key_load(cli *c, const char *path, steme_keypair **ret)
{
    char hint[512];
    snprintf(hint, sizeof(hint), "make one with 'steme keygen --out %s'", path);
    return key_load(c, path, hint, ret);
}

int
cli_admin_key_load(cli *c, const char *path, steme_keypair **ret)
{
    return key_load(c, path,
                    "the admin key is the one 'steme init' made; name it with --key or "
                    "STEME_ADMIN_KEY_FILE",
                    ret);
}

int
cli_admin_key_open(cli *c, const char *given, steme_keypair **ret)
{
    if (given != NULL)
        return cli_admin_key_load(c, given, ret);
    const char *env = getenv("STEME_ADMIN_KEY_FILE");
    if (cli_remote(c) && (env == NULL || env[0] == '\0'))
        return cli_usage(c, "remote mode has no store directory to find the admin key in: name "
                            "it with --key or STEME_ADMIN_KEY_FILE");
    char *path = cli_default_admin_key_file(c);
    if (path == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    int status = cli_admin_key_load(c, path, ret);
    free(path);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * Assertion references
 */

bool
cli_ref_parse(const char *arg, cli_ref *ret)
{
    cli_ref r = {.text = arg};
    if (strlen(arg) == 2 * STEME_ID_SIZE) {
        if (!cli_parse_id(arg, &r.id))
            return false;
        r.by_id = true;
    } else if (!cli_parse_u64(arg, &r.seq) || r.seq == 0) {
        return false;
    }
    *ret = r;
    return true;
}

/* A seq through the server: the id of the record at that position. */
static int
remote_seq_id(cli *c, const cli_ref *ref, steme_id *ret)
{
    json_t *doc = NULL;
    int status = cli_remote_entry(c, ref->text, &doc);
    if (status != CLI_CONTINUE)
        return status;
    const char *id = cli_jstr(doc, "id");
    if (doc == NULL)
        status = cli_fail(c, "not_found", "no record at seq %" PRIu64, ref->seq);
    else if (id == NULL || !cli_parse_id(id, ret))
        status =
            cli_fail(c, "invalid", "the server answered seq %" PRIu64 " without an id", ref->seq);
    json_decref(doc);
    return status;
}

int
cli_ref_id(cli *c, steme_db *db, const cli_ref *ref, steme_id *ret)
{
    if (ref->by_id) {
        *ret = ref->id;
        return CLI_CONTINUE;
    }
    if (db == NULL)
        return remote_seq_id(c, ref, ret);
    steme_entry *e = NULL;
    int err = steme_db_get_seq(db, ref->seq, &e);
    if (err == STEME_ENOTFOUND)
        return cli_fail(c, "not_found", "no record at seq %" PRIu64, ref->seq);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading seq %" PRIu64, ref->seq);
    *ret = e->id;
    steme_entry_free(e);
    return CLI_CONTINUE;
}

static int
not_found_ref(cli *c, const cli_ref *ref)
{
    return cli_fail(c, "not_found", "no record %s %s", ref->by_id ? "with id" : "at seq",
                    ref->text);
}

static int
not_an_assertion(cli *c, const cli_ref *ref, steme_record_kind k)
{
    const char *kind = steme_record_kind_name(k);
    if (kind == NULL)
        kind = "record";
    return cli_fail(c, "not_found", "record %s is %s %s, not an assertion", ref->text,
                    strchr("aeiou", kind[0]) != NULL ? "an" : "a", kind);
}

int
cli_ref_assertion(cli *c, steme_db *db, const cli_ref *ref, steme_entry **ret)
{
    steme_entry *e = NULL;
    int err = ref->by_id ? steme_db_get(db, &ref->id, 0, &e) : steme_db_get_seq(db, ref->seq, &e);
    if (err == STEME_ENOTFOUND)
        return not_found_ref(c, ref);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading %s", ref->text);
    if (e->record.kind != STEME_RECORD_ASSERTION) {
        steme_record_kind kind = e->record.kind;
        steme_entry_free(e);
        return not_an_assertion(c, ref, kind);
    }
    *ret = e;
    return CLI_CONTINUE;
}

int
cli_ref_assertion_remote(cli *c, const cli_ref *ref, json_t **ret_doc, cli_json_entry *ret)
{
    json_t *doc = NULL;
    int status = cli_remote_entry(c, ref->text, &doc);
    if (status != CLI_CONTINUE)
        return status;
    if (doc == NULL)
        return not_found_ref(c, ref);
    if (!cli_entry_from_json(doc, ret))
        status = cli_fail(c, "invalid", "the server's answer for %s is not a record", ref->text);
    else if (ret->e.record.kind != STEME_RECORD_ASSERTION)
        status = not_an_assertion(c, ref, ret->e.record.kind);
    if (status != CLI_CONTINUE) {
        json_decref(doc);
        return status;
    }
    *ret_doc = doc;
    return CLI_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------
 * Signing and storing
 */

void
cli_event_init(steme_record *rec, steme_event_type type, const steme_keypair *kp)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = STEME_RECORD_EVENT;
    rec->event.type = type;
    rec->event.at = steme_now_ms();
    steme_keypair_public(kp, &rec->event.agent);
}

int
cli_sign_store(cli *c, steme_db *db, const steme_record *rec, const steme_keypair *kp,
               steme_ingest_result *ret)
{
    uint8_t *buf = malloc(STEME_MAX_RECORD);
    if (buf == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    steme_signed s = {.bytes = buf};
    steme_id id;
    steme_errinfo ei = {0};
    int status = CLI_CONTINUE;
    int err = steme_record_sign(rec, kp, buf, STEME_MAX_RECORD, &s.len, &id, &s.sig, &ei);
    if (err != STEME_OK) {
        status = cli_error(c, err, &ei, NULL);
        goto out_free_buf;
    }
    steme_ingest_result r;
    memset(&r, 0, sizeof(r));
    err = steme_db_ingest(db, &s, 1, &r, 0);
    if (err != STEME_OK)
        status = cli_error(c, err, NULL, "storing the record");
    else if (r.err != STEME_OK)
        status = cli_error(c, r.err, &r.info, NULL);
    else
        *ret = r;
out_free_buf:
    free(buf);
    return status;
}

int
cli_store(cli *c, steme_db *db, const cli_path *route, const steme_record *rec,
          const steme_keypair *kp, cli_effect_fn effect, void *ctx, json_t **ret)
{
    if (db == NULL)
        return cli_remote_store(c, route, rec, kp, ret);
    steme_ingest_result r;
    int status = cli_sign_store(c, db, rec, kp, &r);
    json_t *extra = NULL;
    if (status == CLI_CONTINUE && effect != NULL)
        status = effect(c, db, &r, ctx, &extra);
    if (status != CLI_CONTINUE)
        return status;
    *ret = steme__json_stored(&r, extra);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

int
cli_print_stored(cli *c, json_t *doc, const cli_table *more)
{
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    const char *id = cli_jstr(doc, "id"), *status = cli_jstr(doc, "status");
    bool ok;
    if (c->quiet) {
        printf("%s\n", id != NULL ? id : "");
        ok = true;
    } else {
        cli_table t;
        cli_table_init(&t, 2);
        ok = cli_table_kv(&t, "id", "%s", id != NULL ? id : "") &&
             cli_table_kv(&t, "seq", "%" PRIu64, cli_ju64(doc, "seq")) &&
             cli_table_kv(&t, "status", "%s", status != NULL ? status : "");
        for (size_t i = 0; ok && more != NULL && i < more->nrows; i++)
            ok = cli_table_add(&t, (const char *const *)more->cells + i * more->ncols);
        if (ok)
            cli_table_print(&t, stdout);
        cli_table_free(&t);
    }
    json_decref(doc);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

int
cli_cascade_effect(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx, json_t **ret)
{
    const cli_cascade *cc = ctx;
    steme_cascade_report rep;
    int err = steme_db_report(db, r->seq, &rep);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the report of seq %" PRIu64, r->seq);
    *ret = steme__json_cascade(cc->what, cc->name, &rep);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

int
cli_print_cascade(cli *c, json_t *doc, const char *what)
{
    cli_table t;
    cli_table_init(&t, 2);
    const char *name = cli_jstr(doc, what);
    if (!cli_table_kv(&t, what, "%s", name != NULL ? name : "") ||
        !cli_report_rows(&t, json_object_get(doc, "report"))) {
        json_decref(doc);
        cli_table_free(&t);
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    int status = cli_print_stored(c, doc, &t);
    cli_table_free(&t);
    return status;
}
