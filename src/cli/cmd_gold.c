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

#include "args.h"
#include "cli.h"
#include "cmd_assert.h"
#include "output.h"
#include "signing.h"

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

static bool
value_row(cli_table *t, const steme_value *v)
{
    char *text = steme__fmt_value(v);
    if (text == NULL)
        return false;
    bool ok = cli_table_kv(t, "value", "%s (%s)", text, steme_value_type_name(v->type));
    free(text);
    return ok;
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
    status = cli_db_open(c, false, &db);
    if (status == CLI_CONTINUE) {
        steme_ingest_result r;
        status = cli_sign_store(c, db, &rec, kp, &r);
        steme_db_close(db);
        if (status == CLI_CONTINUE) {
            cli_table t;
            cli_table_init(&t, 2);
            json_t *extra = steme__json_gold_set(subject, predicate, &value);
            if (extra != NULL && cli_table_kv(&t, "subject", "%s", subject) &&
                cli_table_kv(&t, "predicate", "%s", predicate) && value_row(&t, &value)) {
                status = cli_print_stored(c, &r, extra, &t);
            } else {
                json_decref(extra);
                status = cli_error(c, STEME_ENOMEM, NULL, NULL);
            }
            cli_table_free(&t);
        }
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
    steme_db *db = NULL;
    status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    steme_entry *e = NULL;
    int err = steme_db_gold(db, steme_str_c(subject), steme_str_c(predicate), &e);
    steme_db_close(db);
    if (err == STEME_ENOTFOUND)
        return cli_fail(c, "not_found", "no gold standard for %s %s", subject, predicate);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the gold standard");

    const steme_event *ev = &e->record.event;
    char id[2 * STEME_ID_SIZE + 1], agent[2 * STEME_PUBKEY_SIZE + 1], when[32];
    steme_hex(e->id.b, sizeof(e->id.b), id);
    steme_hex(ev->agent.b, sizeof(ev->agent.b), agent);
    cli_fmt_time(e->recorded_at, when);
    if (c->json) {
        json_t *j = steme__json_gold(e);
        steme_entry_free(e);
        return cli_json_doc(c, j) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    cli_table t;
    cli_table_init(&t, 2);
    bool ok = cli_table_kv(&t, "subject", "%s", subject) &&
              cli_table_kv(&t, "predicate", "%s", predicate) && value_row(&t, &ev->value) &&
              cli_table_kv(&t, "id", "%s", id) && cli_table_kv(&t, "seq", "%" PRIu64, e->seq) &&
              cli_table_kv(&t, "recorded_at", "%s", when) && cli_table_kv(&t, "agent", "%s", agent);
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    steme_entry_free(e);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}
