/* SPDX-License-Identifier: MIT */
/*
 * cmd_gold.c -- `steme gold set|show`: the true value of a subject and predicate, as an admin
 * states it.
 *
 * Gold standards are the firmest evidence trust learns from (docs/trust.md): an agent whose
 * claims and votes agree with them gains trust, one who contradicts them loses it. `set`
 * takes the value exactly as `steme assert --value` does, so that the same text names the
 * same typed value in a claim and in its gold standard.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "args.h"
#include "cli.h"
#include "cmd_assert.h"
#include "output.h"
#include "remote.h"
#include "signing.h"
#include "view.h"

static int run_gold(cli *c, int argc, char **argv);
static int run_set(cli *c, int argc, char **argv);
static int run_show(cli *c, int argc, char **argv);

static const cli_subcommand gold_subs[] = {
    {"set", "gold set", run_set},
    {"show", "gold show", run_show},
    {NULL, NULL, NULL},
};

const cli_command cli_cmd_gold = {
    .name = "gold",
    .summary = "set and show gold standards (the true value, stated by an admin)",
    .help =
        "Usage: steme gold set SUBJECT PREDICATE --value V [--type TYPE] [--unit U]\n"
        "                      [--key FILE]\n"
        "       steme gold show SUBJECT PREDICATE\n"
        "\n"
        "A gold standard is the value an admin marks as true for a subject and predicate.\n"
        "It feeds trust: claims and votes that agree with it raise their agents' trust,\n"
        "those that contradict it lower it, including those made before it was set\n"
        "(docs/trust.md). A later gold set for the same subject and predicate replaces\n"
        "the earlier one.\n"
        "\n"
        "set    store a gold_set event (admin only)\n"
        "show   the gold standard in force: its value, the event's id and seq, who set it\n"
        "       and when\n"
        "\n"
        "Options:\n"
        "  --value V     the true value, read as 'steme assert --value' reads it\n"
        "  --type TYPE   string, integer, number, boolean or ref (default: inferred as\n"
        "                for assert: integer, number, boolean, else string)\n"
        "  --unit U      the unit of a number\n"
        "  --key FILE    the admin key that signs the event (default:\n"
        "                $STEME_ADMIN_KEY_FILE, else DIR/admin.key)\n"
        "\n"
        "Output: set prints the event's id, seq and status, then subject, predicate and\n"
        "value; with --quiet the id alone; with --json {\"id\", \"seq\", \"status\",\n"
        "\"subject\", \"predicate\", \"value\": {\"type\", \"value\"[, \"unit\"]}}. show prints\n"
        "\"key  value\" lines; with --json {\"subject\", \"predicate\", \"value\", \"id\",\n"
        "\"seq\", \"recorded_at\", \"agent\"}.\n"
        "\n"
        "Exit status: 0 on success; 1 when the event was refused (\"steme: gold set:\n"
        "FIELD: RULE\"), there is no gold standard for the key (show), the key could not\n"
        "be loaded or there is no store; 2 on a usage error.\n"
        "\n"
        "Examples:\n"
        "  steme gold set drug:atorvastatin adverse_event.myalgia.incidence \\\n"
        "      --value 0.2 --unit %\n"
        "  steme --json gold show drug:atorvastatin adverse_event.myalgia.incidence\n",
    .run = run_gold,
    .subs = gold_subs,
};

enum {
    OPT_KEY = CLI_OPT_BASE,
    OPT_VALUE,
    OPT_TYPE,
    OPT_UNIT,
};

typedef struct gold_args {
    const char *key_file; /* NULL: the admin key's default */
    const char *value, *type, *unit;
} gold_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    gold_args *a = ctx;
    switch (opt) {
    case OPT_KEY:
        a->key_file = arg;
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
    }
    return CLI_CONTINUE;
}

static int
run_gold(cli *c, int argc, char **argv)
{
    return cli_dispatch(c, &cli_cmd_gold, argc, argv);
}

/* Parse the options and SUBJECT PREDICATE. */
static int
parse(cli *c, int argc, char **argv, const struct option *opts, gold_args *a, const char **subject,
      const char **predicate)
{
    int first;
    int status = cli_args_parse(c, &cli_cmd_gold, argc, argv, opts, on_option, a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 2)
        return cli_usage(c, argc - first < 2 ? "missing the SUBJECT and PREDICATE"
                                             : "expected a SUBJECT and a PREDICATE");
    *subject = argv[first];
    *predicate = argv[first + 1];
    return CLI_CONTINUE;
}

/* The row of a typed value in its explicit JSON form, {"type", "value"[, "unit"]}: its table
 * text and its type, "0.2 % (number)". */
static bool
value_row(cli_table *t, const json_t *v)
{
    steme_value value;
    steme_errinfo ei = {0};
    char *text =
        steme__value_from_json(v, &value, &ei) == STEME_OK ? steme__fmt_value(&value) : NULL;
    const char *type = json_string_value(json_object_get(v, "type"));
    bool ok =
        cli_table_kv(t, "value", "%s (%s)", text != NULL ? text : "?", type != NULL ? type : "?");
    free(text);
    return ok;
}

/* What a gold_set left (embedded mode): {"subject", "predicate", "value"}. */
static int
gold_set(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx, json_t **ret)
{
    (void)db;
    (void)r;
    const steme_event *ev = ctx;
    /* The strings are the command line's (steme_str_c()): NUL-terminated. */
    *ret = steme__json_gold_set(ev->subject.ptr, ev->predicate.ptr, &ev->value);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* Print a gold standard (show) or the answer to a gold_set (set, stored), doc stolen:
 * subject, predicate and value, then, for show, the event's id, seq, time and agent. */
static int
print_gold(cli *c, json_t *doc, bool stored)
{
    const char *subject = cli_jstr(doc, "subject"), *predicate = cli_jstr(doc, "predicate");
    cli_table t;
    cli_table_init(&t, 2);
    bool ok = cli_table_kv(&t, "subject", "%s", subject != NULL ? subject : "") &&
              cli_table_kv(&t, "predicate", "%s", predicate != NULL ? predicate : "") &&
              value_row(&t, json_object_get(doc, "value"));
    if (!stored) {
        const char *id = cli_jstr(doc, "id"), *when = cli_jstr(doc, "recorded_at");
        const char *agent = cli_jstr(doc, "agent");
        ok = ok && cli_table_kv(&t, "id", "%s", id != NULL ? id : "") &&
             cli_table_kv(&t, "seq", "%" PRIu64, cli_ju64(doc, "seq")) &&
             cli_table_kv(&t, "recorded_at", "%s", when != NULL ? when : "") &&
             cli_table_kv(&t, "agent", "%s", agent != NULL ? agent : "");
    }
    int status;
    if (!ok) {
        json_decref(doc);
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    } else if (stored) {
        status = cli_print_stored(c, doc, &t);
    } else {
        cli_table_print(&t, stdout);
        json_decref(doc);
        status = CLI_EXIT_OK;
    }
    cli_table_free(&t);
    return status;
}

static int
run_set(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"value", required_argument, NULL, OPT_VALUE},
        {"type", required_argument, NULL, OPT_TYPE},
        {"unit", required_argument, NULL, OPT_UNIT},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    gold_args a = {0};
    const char *subject = NULL, *predicate = NULL;
    int status = parse(c, argc, argv, opts, &a, &subject, &predicate);
    if (status != CLI_CONTINUE)
        return status;
    if (a.value == NULL)
        return cli_usage(c, "missing --value (the true value)");
    steme_value value;
    status = cli_parse_value(c, "--value", a.value, a.type, a.unit, &value);
    if (status != CLI_CONTINUE)
        return status;

    steme_keypair *kp = NULL;
    status = cli_admin_key_open(c, a.key_file, &kp);
    if (status != CLI_CONTINUE)
        return status;
    steme_record rec;
    cli_event_init(&rec, STEME_EVENT_GOLD_SET, kp);
    rec.event.subject = steme_str_c(subject);
    rec.event.predicate = steme_str_c(predicate);
    rec.event.value = value;

    steme_db *db = NULL;
    status = cli_store_open(c, false, &db);
    if (status == CLI_CONTINUE) {
        cli_path route;
        cli_path_init(&route, "/v1/gold");
        json_t *doc = NULL;
        status = cli_store(c, db, &route, &rec, kp, gold_set, &rec.event, &doc);
        cli_path_free(&route);
        steme_db_close(db);
        if (status == CLI_CONTINUE)
            status = print_gold(c, doc, true);
    }
    steme_keypair_free(kp);
    return status;
}

static int
run_show(cli *c, int argc, char **argv)
{
    gold_args a = {0};
    const char *subject = NULL, *predicate = NULL;
    int status = parse(c, argc, argv, NULL, &a, &subject, &predicate);
    if (status != CLI_CONTINUE)
        return status;
    json_t *doc = NULL;
    bool missing = false;
    if (cli_remote(c)) {
        cli_path path;
        cli_path_init(&path, "/v1/gold");
        cli_path_arg(&path, "subject", subject);
        cli_path_arg(&path, "predicate", predicate);
        status = cli_remote_get(c, &path, &doc, &missing);
        cli_path_free(&path);
    } else {
        steme_db *db = NULL;
        status = cli_db_open(c, true, &db);
        if (status != CLI_CONTINUE)
            return status;
        steme_entry *e = NULL;
        int err = steme_db_gold(db, steme_str_c(subject), steme_str_c(predicate), &e);
        steme_db_close(db);
        missing = err == STEME_ENOTFOUND;
        if (err == STEME_OK && (doc = steme__json_gold(e)) == NULL)
            err = STEME_ENOMEM;
        steme_entry_free(e);
        if (err != STEME_OK && !missing)
            status = cli_error(c, err, NULL, "reading the gold standard");
    }
    if (status != CLI_CONTINUE)
        return status;
    if (missing)
        return cli_fail(c, "not_found", "no gold standard for %s %s", subject, predicate);
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    return print_gold(c, doc, false);
}
