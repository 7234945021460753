/* SPDX-License-Identifier: MIT */
/*
 * cmd_assert.c -- `steme assert`: sign a claim with an agent's key and store it; and
 * `steme supersede`: the same, as the replacement of an earlier claim.
 *
 * A claim comes either from flags (one assertion, built here) or from a JSON Lines file of
 * records in their JSON form (assert_file.c). Either way the record is encoded and signed
 * before the store is opened, so a malformed claim is refused with its field and rule even
 * when there is no store, and nothing is written for it. A supersession needs the store first
 * (it starts from the claim it replaces), and shares the flags and their parsing: it is an
 * assertion whose `supersedes` names that claim. In remote mode the signed records are posted
 * to /v1/records and /v1/supersessions, and the claim superseded is read from the server.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "cmd_assert.h"
#include "output.h"
#include "remote.h"
#include "signing.h"
#include "view.h"

static int run_assert(cli *c, int argc, char **argv);
static int run_supersede(cli *c, int argc, char **argv);

const cli_command cli_cmd_assert = {
    .name = "assert",
    .summary = "sign and store claims (from flags or a JSON Lines file)",
    .help =
        "Usage: steme assert [--key FILE] --subject S --predicate P --value V --source SRC\n"
        "                    [--type TYPE] [--unit U] [--confidence C] [--valid-from T]\n"
        "                    [--valid-until T] [--supersedes ID]... [--derived-from ID]...\n"
        "                    [--epoch E] [--qualifier KEY=VALUE]... [--quote Q] [--url URL]\n"
        "                    [--at T]\n"
        "       steme assert [--key FILE] --file PATH|- [--at T]\n"
        "\n"
        "Sign claims with the agent key in FILE and store them. The first form makes one\n"
        "assertion from flags; the second reads records in their JSON form, one per line.\n"
        "A record's id is the hash of its content, so asserting the same content again\n"
        "stores nothing and reports the record already there as a duplicate, with its seq.\n"
        "\n"
        "Options:\n"
        "  --key FILE          the signing key (default: $STEME_KEY_FILE, else ./steme.key);\n"
        "                      it must not be readable by group or others\n"
        "  --subject S         what the claim is about, e.g. drug:atorvastatin\n"
        "  --predicate P       which property, e.g. adverse_event.myalgia.incidence\n"
        "  --value V           the claimed value\n"
        "  --type TYPE         string, integer, number, boolean or ref (a reference to another\n"
        "                      subject). Default: inferred from V -- integer when V is a\n"
        "                      whole number (-?(0|[1-9][0-9]*), 64-bit), number when V is a\n"
        "                      JSON-style decimal (0.2, 1e-3), boolean for true or false,\n"
        "                      else string; with --unit a whole number is a number\n"
        "  --unit U            the unit of a number, e.g. %, mg, mmHg\n"
        "  --source SRC        where the claim comes from, e.g. fda:label:lipitor:2024\n"
        "  --confidence C      the author's confidence, 0 to 1 (default 1; kept to 6 decimals)\n"
        "  --valid-from T      when the claim starts being true in the world\n"
        "  --valid-until T     when it stops being true (not before --valid-from)\n"
        "  --supersedes ID     an earlier assertion this one replaces (repeatable, up to 16)\n"
        "  --derived-from ID   an assertion this one rests on (repeatable, up to 64)\n"
        "  --epoch E           the named period the claim belongs to\n"
        "  --qualifier K=V     a qualifier such as population=adults or dose_mg=40 (repeatable,\n"
        "                      up to 16 distinct keys; V's type is inferred as for --value)\n"
        "  --quote Q           evidence: the passage of the source that supports the claim\n"
        "  --url URL           evidence: where the source can be read\n"
        "  --at T              the author's time of the claim (default: now). With --file,\n"
        "                      the time of records that do not carry one\n"
        "  --file PATH         read JSON Lines records from PATH, or from stdin with -\n"
        "\n"
        "Times T are RFC 3339 (2024-05-01T12:00:00Z, 2024-05-01T14:00:00.250+02:00) or\n"
        "milliseconds since 1970-01-01T00:00:00Z. Ids are 64 hex digits. A time more than\n"
        "5 minutes ahead of this machine's clock is refused.\n"
        "\n"
        "JSON Lines (--file): each non-blank line is one record in the JSON form of\n"
        "docs/encoding.md, e.g.\n"
        "  {\"subject\":\"drug:atorvastatin\",\"predicate\":\"adverse_event.myalgia.incidence\",\n"
        "   \"object\":{\"type\":\"number\",\"value\":0.2,\"unit\":\"%\"},\"confidence\":0.95,\n"
        "   \"source\":\"fda:label:lipitor:2024\",\"qualifiers\":{\"population\":\"adults\"}}\n"
        "\"kind\" defaults to \"assertion\" (votes and events are accepted too); \"agent\" is\n"
        "the key's public key and must match it when given; the time member (asserted_at,\n"
        "voted_at or at) defaults to --at, else the time the import started, and an\n"
        "assertion's \"confidence\" defaults to 1. Give times in the file to make a re-import\n"
        "idempotent: with filled-in times the records differ from run to run.\n"
        "\n"
        "A file is all-or-nothing: every line is parsed, encoded and signed before anything\n"
        "is stored, and if any line is bad nothing is stored; each bad line is reported (the\n"
        "first 20) as \"line N: FIELD: RULE\". Valid files are then stored in batches of\n"
        "1000 records, each batch in one transaction. A refusal that only the store can make\n"
        "(none today) would stop the import at that batch: earlier batches stay stored, and\n"
        "running the file again is safe when it carries its times.\n"
        "\n"
        "Output: for each record its id, seq and status (new or duplicate), as a table, or\n"
        "with --json one object per record {\"id\",\"seq\",\"status\"} (with \"line\" for\n"
        "--file). With --quiet: the id alone for a flag assertion; for --file a summary\n"
        "(--json: {\"records\",\"new\",\"duplicate\",\"first_seq\",\"last_seq\"}). With --json a\n"
        "bad line is an error object with \"line\".\n"
        "\n"
        "Exit status: 0 when every record was stored or already present; 1 when a record or\n"
        "line was refused, the key could not be loaded or there is no store; 2 on a usage\n"
        "error (unknown option, a value that does not parse as its type, missing flags).\n"
        "\n"
        "Examples:\n"
        "  steme assert --key me.key --subject drug:atorvastatin \\\n"
        "      --predicate adverse_event.myalgia.incidence --value 0.2 --unit % \\\n"
        "      --source fda:label:lipitor:2024 --confidence 0.95 \\\n"
        "      --qualifier population=adults --quote 'Myalgia ... 0.2%'\n"
        "  steme assert --key me.key --file claims.jsonl\n"
        "  producer | steme assert --key me.key --quiet --file -\n",
    .run = run_assert,
};

const cli_command cli_cmd_supersede = {
    .name = "supersede",
    .summary = "replace a claim with a corrected one (a new assertion that supersedes it)",
    .help = "Usage: steme supersede ID|SEQ [--key FILE] --value V [--type TYPE] [--unit U]\n"
            "                       [--subject S] [--predicate P] [--source SRC]\n"
            "                       [--confidence C] [--valid-from T] [--valid-until T]\n"
            "                       [--supersedes ID]... [--derived-from ID]... [--epoch E]\n"
            "                       [--qualifier KEY=VALUE]... [--quote Q] [--url URL] [--at T]\n"
            "\n"
            "Sign and store a new assertion that replaces the assertion ID (or the one at log\n"
            "position SEQ): the new claim lists ID in its supersedes, and ID's stage becomes\n"
            "superseded. The old claim stays in the log, and readers follow the chain of\n"
            "supersessions to its current head ('steme state ID' shows it).\n"
            "\n"
            "The new assertion has the subject, predicate and source of ID unless --subject,\n"
            "--predicate or --source say otherwise, and ID's qualifiers unless --qualifier is\n"
            "given (then the qualifiers given replace them all). Everything else is what the\n"
            "flags say, as for 'steme assert': --value is required; the confidence defaults to 1,\n"
            "the time to now, and the epoch, validity, evidence and derived_from to none.\n"
            "\n"
            "Rules (docs/rules.md), checked by the store, which refuses the record otherwise:\n"
            "ID must be an assertion that is neither retracted nor already superseded, and your\n"
            "own unless your key has the editor or admin role; a chain may not lead back to\n"
            "itself.\n"
            "\n"
            "Options:\n"
            "  --key FILE    the signing key (default: $STEME_KEY_FILE, else ./steme.key)\n"
            "  --supersedes  further assertions the new one also replaces (besides ID)\n"
            "  other flags   as for 'steme assert' ('steme help assert'); --file is not taken\n"
            "\n"
            "Output: the new assertion's id, seq and status, the id it supersedes and the head of\n"
            "the chain (now the new assertion); with --quiet the id alone; with --json\n"
            "{\"id\", \"seq\", \"status\", \"supersedes\", \"head\"}.\n"
            "\n"
            "Exit status: 0 when the assertion was stored (or was already there); 1 when it was\n"
            "refused (\"steme: supersede: FIELD: RULE\", e.g. superseding another agent's claim\n"
            "without the role), ID is not an assertion, the key could not be loaded or there is\n"
            "no store; 2 on a usage error.\n"
            "\n"
            "Examples:\n"
            "  steme supersede 12 --key me.key --value 0.3 --unit %\n"
            "  steme --json supersede 5f0c...e1 --key me.key --value 40 --unit mg \\\n"
            "      --quote 'corrected in the 2024 label' | jq -r .head\n",
    .run = run_supersede,
};

enum {
    OPT_KEY = CLI_OPT_BASE,
    OPT_FILE,
    OPT_SUBJECT,
    OPT_PREDICATE,
    OPT_VALUE,
    OPT_TYPE,
    OPT_UNIT,
    OPT_SOURCE,
    OPT_CONFIDENCE,
    OPT_VALID_FROM,
    OPT_VALID_UNTIL,
    OPT_SUPERSEDES,
    OPT_DERIVED_FROM,
    OPT_EPOCH,
    OPT_QUALIFIER,
    OPT_QUOTE,
    OPT_URL,
    OPT_AT,
};

/* --file comes first: `supersede` takes the same options without it (assert_options + 1). */
static const struct option assert_options[] = {
    {"file", required_argument, NULL, OPT_FILE},
    {"key", required_argument, NULL, OPT_KEY},
    {"subject", required_argument, NULL, OPT_SUBJECT},
    {"predicate", required_argument, NULL, OPT_PREDICATE},
    {"value", required_argument, NULL, OPT_VALUE},
    {"type", required_argument, NULL, OPT_TYPE},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"confidence", required_argument, NULL, OPT_CONFIDENCE},
    {"valid-from", required_argument, NULL, OPT_VALID_FROM},
    {"valid-until", required_argument, NULL, OPT_VALID_UNTIL},
    {"supersedes", required_argument, NULL, OPT_SUPERSEDES},
    {"derived-from", required_argument, NULL, OPT_DERIVED_FROM},
    {"epoch", required_argument, NULL, OPT_EPOCH},
    {"qualifier", required_argument, NULL, OPT_QUALIFIER},
    {"quote", required_argument, NULL, OPT_QUOTE},
    {"url", required_argument, NULL, OPT_URL},
    {"at", required_argument, NULL, OPT_AT},
    {NULL, 0, NULL, 0},
};

typedef struct assert_args {
    const char *key_file;
    const char *file;
    const char *record_flag; /* the first flag that describes a record (not with --file) */
    const char *subject, *predicate, *value, *type, *unit, *source, *epoch, *quote, *url;
    uint32_t confidence;
    bool has_valid_from, has_valid_until, has_at;
    int64_t valid_from, valid_until, at;
    steme_id supersedes[STEME_MAX_SUPERSEDES];
    size_t n_supersedes;
    steme_id derived_from[STEME_MAX_DERIVED_FROM];
    size_t n_derived_from;
    const char *qualifiers[STEME_MAX_QUALIFIERS]; /* "KEY=VALUE" */
    size_t n_qualifiers;
} assert_args;

static const char *
option_name(int opt)
{
    for (const struct option *o = assert_options; o->name != NULL; o++) {
        if (o->val == opt)
            return o->name;
    }
    return "?";
}

static int
add_id(cli *c, int opt, const char *arg, steme_id *ids, size_t *n, size_t max)
{
    if (*n == max)
        return cli_usage(c, "--%s: at most %zu per record", option_name(opt), max);
    if (!cli_parse_id(arg, &ids[*n]))
        return cli_usage(c, "--%s: '%s' is not an id (64 hex digits)", option_name(opt), arg);
    (*n)++;
    return CLI_CONTINUE;
}

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    assert_args *a = ctx;
    if (opt != OPT_KEY && opt != OPT_FILE && opt != OPT_AT && a->record_flag == NULL)
        a->record_flag = option_name(opt);
    switch (opt) {
    case OPT_KEY:
        a->key_file = arg;
        break;
    case OPT_FILE:
        a->file = arg;
        break;
    case OPT_SUBJECT:
        a->subject = arg;
        break;
    case OPT_PREDICATE:
        a->predicate = arg;
        break;
    case OPT_VALUE:
        a->value = arg;
        break;
    case OPT_TYPE:
        a->type = arg;
        break;
    case OPT_UNIT:
        a->unit = arg;
        break;
    case OPT_SOURCE:
        a->source = arg;
        break;
    case OPT_EPOCH:
        a->epoch = arg;
        break;
    case OPT_QUOTE:
        a->quote = arg;
        break;
    case OPT_URL:
        a->url = arg;
        break;
    case OPT_CONFIDENCE:
        if (!cli_parse_confidence(arg, &a->confidence))
            return cli_usage(c, "--confidence: '%s' is not a number from 0 to 1", arg);
        break;
    case OPT_VALID_FROM:
    case OPT_VALID_UNTIL:
    case OPT_AT: {
        int64_t t;
        if (!cli_parse_time(arg, &t))
            return cli_usage(c, "--%s: '%s' is not an RFC 3339 time or milliseconds",
                             option_name(opt), arg);
        if (opt == OPT_VALID_FROM) {
            a->has_valid_from = true;
            a->valid_from = t;
        } else if (opt == OPT_VALID_UNTIL) {
            a->has_valid_until = true;
            a->valid_until = t;
        } else {
            a->has_at = true;
            a->at = t;
        }
        break;
    }
    case OPT_SUPERSEDES:
        return add_id(c, opt, arg, a->supersedes, &a->n_supersedes, STEME_MAX_SUPERSEDES);
    case OPT_DERIVED_FROM:
        return add_id(c, opt, arg, a->derived_from, &a->n_derived_from, STEME_MAX_DERIVED_FROM);
    case OPT_QUALIFIER: {
        const char *eq = strchr(arg, '=');
        if (eq == NULL || eq == arg)
            return cli_usage(c, "--qualifier: '%s' is not KEY=VALUE", arg);
        if (a->n_qualifiers == STEME_MAX_QUALIFIERS)
            return cli_usage(c, "--qualifier: at most %d per record", STEME_MAX_QUALIFIERS);
        a->qualifiers[a->n_qualifiers++] = arg;
        break;
    }
    }
    return CLI_CONTINUE;
}

int
cli_parse_value(cli *c, const char *what, const char *text, const char *type, const char *unit,
                steme_value *ret)
{
    steme_value v = {0};
    int t;
    if (type != NULL) {
        t = steme_value_type_parse(type);
        if (t == 0)
            return cli_usage(c, "--type: '%s' is not string, integer, number, boolean or ref",
                             type);
    } else {
        double d;
        int64_t i;
        if (cli_parse_i64(text, &i))
            t = unit != NULL ? STEME_VALUE_NUMBER : STEME_VALUE_INTEGER;
        else if (cli_parse_number(text, &d))
            t = STEME_VALUE_NUMBER;
        else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
            t = STEME_VALUE_BOOLEAN;
        else
            t = STEME_VALUE_STRING;
    }
    v.type = (steme_value_type)t;
    if (unit != NULL && v.type != STEME_VALUE_NUMBER)
        return cli_usage(c, "--unit: only numbers have a unit (the value is %s %s)",
                         type != NULL ? "given as" : "inferred as", steme_value_type_name(v.type));

    switch (v.type) {
    case STEME_VALUE_STRING:
    case STEME_VALUE_REF:
        v.str = steme_str_c(text);
        break;
    case STEME_VALUE_INTEGER:
        if (!cli_parse_i64(text, &v.integer))
            return cli_usage(c, "%s: '%s' is not a 64-bit integer", what, text);
        break;
    case STEME_VALUE_NUMBER:
        if (!cli_parse_number(text, &v.number))
            return cli_usage(c, "%s: '%s' is not a finite decimal number", what, text);
        v.unit = steme_str_c(unit);
        break;
    case STEME_VALUE_BOOLEAN:
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
            return cli_usage(c, "%s: '%s' is not true or false", what, text);
        v.boolean = text[0] == 't';
        break;
    }
    *ret = v;
    return CLI_CONTINUE;
}

/*
 * Build the assertion of the flags into rec (which borrows from a, and from base). base, when
 * not NULL, is the assertion being superseded: it gives the subject, predicate and source that
 * the flags leave out, and its qualifiers unless --qualifier is given.
 */
static int
build_assertion(cli *c, const assert_args *a, const steme_assertion *base, steme_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = STEME_RECORD_ASSERTION;
    steme_assertion *as = &rec->assertion;
    int status = cli_parse_value(c, "--value", a->value, a->type, a->unit, &as->object);
    if (status != CLI_CONTINUE)
        return status;
    for (size_t i = 0; i < a->n_qualifiers; i++) {
        const char *eq = strchr(a->qualifiers[i], '=');
        as->qualifiers[i].key.ptr = a->qualifiers[i];
        as->qualifiers[i].key.len = (size_t)(eq - a->qualifiers[i]);
        status = cli_parse_value(c, "--qualifier", eq + 1, NULL, NULL, &as->qualifiers[i].value);
        if (status != CLI_CONTINUE)
            return status;
    }
    as->n_qualifiers = a->n_qualifiers;
    if (base != NULL && a->n_qualifiers == 0) {
        memcpy(as->qualifiers, base->qualifiers, base->n_qualifiers * sizeof(as->qualifiers[0]));
        as->n_qualifiers = base->n_qualifiers;
    }
    as->asserted_at = a->has_at ? a->at : steme_now_ms();
    as->subject = a->subject != NULL || base == NULL ? steme_str_c(a->subject) : base->subject;
    as->predicate =
        a->predicate != NULL || base == NULL ? steme_str_c(a->predicate) : base->predicate;
    as->source = a->source != NULL || base == NULL ? steme_str_c(a->source) : base->source;
    as->confidence = a->confidence;
    as->has_valid_from = a->has_valid_from;
    as->valid_from = a->valid_from;
    as->has_valid_until = a->has_valid_until;
    as->valid_until = a->valid_until;
    as->supersedes = a->supersedes;
    as->n_supersedes = a->n_supersedes;
    as->derived_from = a->derived_from;
    as->n_derived_from = a->n_derived_from;
    as->epoch = steme_str_c(a->epoch);
    as->evidence_quote = steme_str_c(a->quote);
    as->evidence_url = steme_str_c(a->url);
    return CLI_CONTINUE;
}

/* Build the assertion of the flags, sign it and store it. */
static int
assert_flags(cli *c, const assert_args *a)
{
    const char *missing = a->subject == NULL     ? "--subject"
                          : a->predicate == NULL ? "--predicate"
                          : a->value == NULL     ? "--value"
                          : a->source == NULL    ? "--source"
                                                 : NULL;
    if (missing != NULL)
        return cli_usage(c, "missing %s (or give records with --file)", missing);

    steme_record rec;
    int status = build_assertion(c, a, NULL, &rec);
    if (status != CLI_CONTINUE)
        return status;
    steme_keypair *kp = NULL;
    status = cli_key_load(c, a->key_file, &kp);
    if (status != CLI_CONTINUE)
        return status;
    steme_keypair_public(kp, &rec.assertion.agent);

    /* Encoded and signed before the store is opened: a malformed claim is refused with its
     * field and rule even when there is no store. */
    uint8_t *buf = malloc(STEME_MAX_RECORD);
    if (buf == NULL) {
        steme_keypair_free(kp);
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    size_t len;
    steme_id id;
    steme_sig sig;
    steme_errinfo ei = {0};
    int err = steme_record_sign(&rec, kp, buf, STEME_MAX_RECORD, &len, &id, &sig, &ei);
    free(buf);
    if (err != STEME_OK) {
        steme_keypair_free(kp);
        return cli_error(c, err, &ei, NULL);
    }

    steme_db *db = NULL;
    status = cli_store_open(c, false, &db);
    if (status == CLI_CONTINUE) {
        cli_path route;
        cli_path_init(&route, "/v1/records");
        json_t *doc = NULL;
        status = cli_store(c, db, &route, &rec, kp, NULL, NULL, &doc);
        cli_path_free(&route);
        steme_db_close(db);
        if (status == CLI_CONTINUE)
            status = cli_print_stored(c, doc, NULL);
    }
    steme_keypair_free(kp);
    return status;
}

static int
run_assert(cli *c, int argc, char **argv)
{
    assert_args a;
    memset(&a, 0, sizeof(a));
    a.key_file = cli_default_key_file();
    a.confidence = STEME_CONFIDENCE_ONE;
    int first;
    int status =
        cli_args_parse(c, &cli_cmd_assert, argc, argv, assert_options, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s' (values are given with flags)", argv[first]);
    if (a.file == NULL)
        return assert_flags(c, &a);

    if (a.record_flag != NULL)
        return cli_usage(c, "--%s cannot be combined with --file (the file holds the records)",
                         a.record_flag);
    steme_keypair *kp = NULL;
    status = cli_key_load(c, a.key_file, &kp);
    if (status != CLI_CONTINUE)
        return status;
    status = cli_assert_file(c, a.file, kp, a.has_at ? a.at : steme_now_ms());
    steme_keypair_free(kp);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * supersede
 */

/* What a supersession left (embedded mode): {"supersedes": the claim, "head": where its chain
 * now ends}. */
static int
superseded(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx, json_t **ret)
{
    (void)r;
    const steme_id *old = ctx;
    steme_id head;
    int err = steme_db_head(db, old, &head);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "finding the head of the chain");
    *ret = steme__json_superseded(old, &head);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* The server says where the chain ends only for a record that supersedes one claim (docs/
 * server.md); with --supersedes it supersedes more, and the head is read from old's state. */
static int
remote_head(cli *c, const steme_id *old, json_t *doc)
{
    if (json_object_get(doc, "head") != NULL)
        return CLI_CONTINUE;
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(old->b, sizeof(old->b), hex);
    cli_path path;
    cli_path_init(&path, "/v1/records");
    cli_path_seg(&path, hex);
    cli_path_seg(&path, "state");
    json_t *state = NULL;
    int status = cli_remote_get(c, &path, &state, NULL);
    cli_path_free(&path);
    if (status != CLI_CONTINUE)
        return status;
    steme_id head;
    const char *head_hex = cli_jstr(json_object_get(state, "head"), "id");
    json_t *extra = NULL;
    if (head_hex != NULL && cli_parse_id(head_hex, &head))
        extra = steme__json_superseded(old, &head);
    json_decref(state);
    if (extra == NULL || json_object_update(doc, extra) != 0)
        status = cli_error(c, STEME_ENOMEM, NULL, "finding the head of the chain");
    json_decref(extra);
    return status;
}

/* Print the new assertion, what it superseded and where the chain now ends. */
static int
print_superseded(cli *c, json_t *doc)
{
    const char *old = cli_jstr(doc, "supersedes"), *head = cli_jstr(doc, "head");
    cli_table t;
    cli_table_init(&t, 2);
    if (!cli_table_kv(&t, "supersedes", "%s", old != NULL ? old : "") ||
        !cli_table_kv(&t, "head", "%s", head != NULL ? head : "")) {
        json_decref(doc);
        cli_table_free(&t);
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    int status = cli_print_stored(c, doc, &t);
    cli_table_free(&t);
    return status;
}

static int
run_supersede(cli *c, int argc, char **argv)
{
    assert_args a;
    memset(&a, 0, sizeof(a));
    a.key_file = cli_default_key_file();
    a.confidence = STEME_CONFIDENCE_ONE;
    int first;
    int status = cli_args_parse(c, &cli_cmd_supersede, argc, argv, assert_options + 1, on_option,
                                &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the ID or SEQ of the assertion to supersede"
                                          : "expected one ID or SEQ (values are given with flags)");
    cli_ref ref;
    if (!cli_ref_parse(argv[first], &ref))
        return cli_usage(c, "'%s' is neither an id (64 hex digits) nor a log position",
                         argv[first]);
    if (a.value == NULL)
        return cli_usage(c, "missing --value (the corrected value)");
    if (a.n_supersedes == STEME_MAX_SUPERSEDES)
        return cli_usage(c, "--supersedes: at most %d per record, counting ID",
                         STEME_MAX_SUPERSEDES - 1);

    /* The claim superseded, from the store or the server: it gives the new one its subject,
     * predicate, source and qualifiers. */
    steme_db *db = NULL;
    status = cli_store_open(c, false, &db);
    if (status != CLI_CONTINUE)
        return status;
    steme_entry *owned = NULL;
    json_t *base_doc = NULL;
    cli_json_entry remote_base;
    const steme_entry *base;
    if (db != NULL) {
        status = cli_ref_assertion(c, db, &ref, &owned);
        base = owned;
    } else {
        status = cli_ref_assertion_remote(c, &ref, &base_doc, &remote_base);
        base = &remote_base.e;
    }
    if (status != CLI_CONTINUE)
        goto out_close_db;
    steme_id old = base->id;
    a.supersedes[a.n_supersedes++] = old;

    steme_record rec;
    status = build_assertion(c, &a, &base->record.assertion, &rec);
    if (status != CLI_CONTINUE)
        goto out_free_base;
    steme_keypair *kp = NULL;
    status = cli_key_load(c, a.key_file, &kp);
    if (status != CLI_CONTINUE)
        goto out_free_base;
    steme_keypair_public(kp, &rec.assertion.agent);
    cli_path route;
    cli_path_init(&route, "/v1/supersessions");
    json_t *doc = NULL;
    status = cli_store(c, db, &route, &rec, kp, superseded, &old, &doc);
    cli_path_free(&route);
    steme_keypair_free(kp);
    if (status == CLI_CONTINUE && db == NULL &&
        (status = remote_head(c, &old, doc)) != CLI_CONTINUE)
        json_decref(doc);
    if (status == CLI_CONTINUE)
        status = print_superseded(c, doc);
out_free_base:
    steme_entry_free(owned);
    json_decref(base_doc);
out_close_db:
    steme_db_close(db);
    return status;
}
