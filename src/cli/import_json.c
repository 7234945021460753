/* SPDX-License-Identifier: MIT */
/*
 * import_json.c -- the JSON Lines reader of `steme import`: one exported entry per line,
 * turned back into the canonical bytes and signature it was exported from.
 *
 * The record's JSON form is lossless (docs/encoding.md §7), so parsing and encoding it again
 * gives the bytes that were signed; a given "id" is checked against them, which catches an
 * edited record before the signature check does and names the problem better. seq,
 * recorded_at and stage describe the entry in the store it came from and are not imported:
 * the importing store gives each record its own log position and time.
 *
 * The helpers both readers use (cli_import_bad_set, cli_import_max_time) live here too, so
 * that the readers link without the command (tests/fuzz/fuzz_import.c).
 */
#include <stdio.h>
#include <string.h>

#include "import.h"
#include "record_json.h"

/* Copy s, control characters as '?': a rule may quote the input (jansson's "near '...'"),
 * and a report must not be able to drive the reader's terminal. */
static void
copy_safe(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0' && n + 1 < cap; n++)
        out[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
    out[n] = '\0';
}

void
cli_import_bad_set(cli_import_bad *bad, int err, const char *field, const char *rule)
{
    bad->err = err;
    copy_safe(bad->field, sizeof(bad->field), field != NULL ? field : "");
    copy_safe(bad->rule, sizeof(bad->rule), rule != NULL ? rule : steme_strerror(err));
}

int64_t
cli_import_max_time(void)
{
    static int64_t skew = -1;
    if (skew < 0) {
        steme_db_options o;
        steme_db_options_init(&o);
        skew = o.max_clock_skew;
    }
    return steme_now_ms() + skew;
}

/* Members of a line besides "record" and "signature": checked for their type, then ignored. */
static const char *const envelope[] = {"seq", "id", "recorded_at", "stage", "signature", "record"};

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
refuse(cli_import_bad *bad, int err, const char *field, const char *rule)
{
    cli_import_bad_set(bad, err, field, rule);
    return CLI_IMPORT_BAD;
}

/* A member name for a message: control characters (and anything past 100 bytes) dropped. */
static void
member_name(const char *key, char out[128])
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0' && n < 100; p++)
        out[n++] = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
    out[n] = '\0';
}

static int
check_envelope(const json_t *j, cli_import_bad *bad)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)j, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof(envelope) / sizeof(envelope[0]); i++)
            known = known || strcmp(key, envelope[i]) == 0;
        if (!known) {
            char name[128];
            member_name(key, name);
            return refuse(bad, STEME_EINVAL, name, "unknown member");
        }
    }
    v = json_object_get(j, "seq");
    if (v != NULL && !(json_is_integer(v) && json_integer_value(v) >= 1))
        return refuse(bad, STEME_EINVAL, "seq", "not a positive integer");
    v = json_object_get(j, "recorded_at");
    if (v != NULL && !json_is_string(v) && !json_is_integer(v))
        return refuse(bad, STEME_EINVAL, "recorded_at",
                      "not an RFC 3339 time or integer milliseconds");
    v = json_object_get(j, "stage");
    if (v != NULL && !json_is_string(v) && !json_is_null(v))
        return refuse(bad, STEME_EINVAL, "stage", "not a string or null");
    return CLI_IMPORT_ITEM;
}

/* The author's time and its member, for the clock check. */
static int64_t
author_time(const steme_record *rec, const char **member)
{
    switch (rec->kind) {
    case STEME_RECORD_VOTE:
        *member = "record.voted_at";
        return rec->vote.voted_at;
    case STEME_RECORD_EVENT:
        *member = "record.at";
        return rec->event.at;
    case STEME_RECORD_ASSERTION:
        break;
    }
    *member = "record.asserted_at";
    return rec->assertion.asserted_at;
}

static int
parse_entry(const json_t *j, bool verify, uint8_t *buf, cli_import_item *it, cli_import_bad *bad)
{
    if (!json_is_object(j))
        return refuse(bad, STEME_EINVAL, "", "not a JSON object");
    int rc = check_envelope(j, bad);
    if (rc != CLI_IMPORT_ITEM)
        return rc;

    const json_t *rec = json_object_get(j, "record");
    if (rec == NULL)
        return refuse(bad, STEME_EINVAL, "record", "missing");
    if (!json_is_object(rec))
        return refuse(bad, STEME_EINVAL, "record", "not an object");
    steme__json_record jr;
    steme_errinfo ei = {0};
    char field[128];
    int err = steme__record_from_json(rec, &jr, &ei);
    if (err == STEME_OK)
        err = steme_record_encode(&jr.rec, buf, STEME_MAX_RECORD, &it->len, &ei);
    if (err != STEME_OK) {
        snprintf(field, sizeof(field), "record%s%s", ei.field != NULL ? "." : "",
                 ei.field != NULL ? ei.field : "");
        return refuse(bad, err, field, ei.rule != NULL ? ei.rule : steme_strerror(err));
    }
    steme_record_id(buf, it->len, &it->id);

    const json_t *sig = json_object_get(j, "signature");
    if (sig == NULL)
        return refuse(bad, STEME_EINVAL, "signature", "missing");
    if (!json_is_string(sig) || json_string_length(sig) != 2 * STEME_SIG_SIZE ||
        steme_unhex(json_string_value(sig), it->sig.b, STEME_SIG_SIZE) != STEME_OK)
        return refuse(bad, STEME_EINVAL, "signature", "not 128 hex digits");

    const json_t *id = json_object_get(j, "id");
    if (id != NULL) {
        steme_id given;
        if (!json_is_string(id) || json_string_length(id) != 2 * STEME_ID_SIZE ||
            steme_unhex(json_string_value(id), given.b, STEME_ID_SIZE) != STEME_OK)
            return refuse(bad, STEME_EINVAL, "id", "not 64 hex digits");
        if (memcmp(given.b, it->id.b, STEME_ID_SIZE) != 0)
            return refuse(bad, STEME_EINVAL, "id",
                          "does not match the record (the BLAKE2b-256 of its canonical bytes)");
    }

    it->author_key = *steme_record_author(&jr.rec);
    it->author = &it->author_key;
    if (verify) {
        const char *member;
        if (author_time(&jr.rec, &member) > cli_import_max_time())
            return refuse(bad, STEME_EINVAL, member,
                          "ahead of this machine's clock by more than the allowed skew");
        if (!steme_sig_verify(it->author, &it->id, &it->sig))
            return refuse(bad, STEME_ESIG, "signature",
                          "does not verify for the record's agent key");
    }
    return CLI_IMPORT_ITEM;
}

int
cli_import_json_next(cli_input *in, bool verify, uint8_t *buf, cli_import_item *it,
                     cli_import_bad *bad)
{
    for (;;) {
        int rc = cli_input_line(in);
        if (rc < 0)
            return CLI_IMPORT_FAIL;
        if (rc == 0)
            return CLI_IMPORT_END;
        uint64_t line = in->newline ? in->lines : in->lines + 1;
        memset(it, 0, sizeof(*it));
        memset(bad, 0, sizeof(*bad));
        it->line = line;
        bad->line = line;
        if (in->too_long)
            return refuse(bad, STEME_ELIMIT, "", "longer than 1048576 bytes");
        if (blank(in->line, in->line_len))
            continue;

        json_error_t jerr;
        json_t *j = json_loadb(in->line, in->line_len, JSON_REJECT_DUPLICATES, &jerr);
        if (j == NULL) {
            char rule[256];
            /* A last line without its newline that breaks off where the text ends is what an
             * interrupted copy or export leaves: say so rather than just "not JSON". */
            if (!in->newline && (size_t)jerr.position >= in->line_len)
                snprintf(rule, sizeof(rule), "truncated: the input ends inside this line (%s)",
                         jerr.text);
            else
                snprintf(rule, sizeof(rule), "not valid JSON at column %d: %s", jerr.column,
                         jerr.text);
            refuse(bad, STEME_EINVAL, "", rule);
            bad->column = jerr.column;
            return CLI_IMPORT_BAD;
        }
        rc = parse_entry(j, verify, buf, it, bad);
        json_decref(j);
        return rc;
    }
}
