/* SPDX-License-Identifier: MIT */
/*
 * cmd_epoch.c -- `steme epoch open|supersede`: named periods of knowledge ("guidelines before
 * 2024") and their succession.
 *
 * Superseding an epoch deprecates its claims unless they are re-affirmed in the successor; the
 * store keeps how many it deprecated under the event, and the command prints that report, so
 * that the change is as auditable as a retraction.
 */
#include "args.h"
#include "cli.h"
#include "output.h"
#include "signing.h"

static int run_epoch(cli *c, int argc, char **argv);
static int run_open(cli *c, int argc, char **argv);
static int run_supersede(cli *c, int argc, char **argv);

static const cli_subcommand epoch_subs[] = {
    {"open", "epoch open", run_open},
    {"supersede", "epoch supersede", run_supersede},
    {NULL, NULL, NULL},
};

const cli_command cli_cmd_epoch = {
    .name = "epoch",
    .summary = "open and supersede named epochs",
    .help = "Usage: steme epoch open NAME [--description D] [--key FILE]\n"
            "       steme epoch supersede NAME --successor NEW [--reason R] [--key FILE]\n"
            "\n"
            "An epoch is a named period a claim may belong to (assert --epoch), such as the\n"
            "guidelines in force before a revision: acc-aha-2018.\n"
            "\n"
            "open       open the epoch NAME (an epoch_open event); the description is kept\n"
            "           in the log\n"
            "supersede  declare that NEW replaces NAME (an epoch_supersede event): every\n"
            "           assertion of NAME becomes deprecated, except those re-affirmed in NEW\n"
            "           ('steme reaffirm ID --epoch NEW', before or after). Prints how many\n"
            "           assertions it deprecated.\n"
            "\n"
            "Options:\n"
            "  --description D   what the epoch covers (open)\n"
            "  --successor NEW   the epoch that replaces NAME (supersede; required)\n"
            "  --reason R        why NAME is superseded (supersede)\n"
            "  --key FILE        the admin key that signs the event (default:\n"
            "                    $STEME_ADMIN_KEY_FILE, else DIR/admin.key)\n"
            "\n"
            "Only an admin may open or supersede an epoch; the store refuses what its rules\n"
            "do not allow (docs/rules.md), such as superseding an unknown epoch.\n"
            "\n"
            "Output: the event's id, seq and status (new or duplicate), then the epoch, and for\n"
            "supersede the report: total deprecated and per depth; with --quiet the event's\n"
            "id alone. With --json: {\"id\", \"seq\", \"status\", \"epoch\"} for open, and\n"
            "{\"id\", \"seq\", \"status\", \"epoch\", \"report\": {\"total\", \"per_depth\"}} for\n"
            "supersede.\n"
            "\n"
            "Exit status: 0 when the event was stored; 1 when it was refused (\"steme: epoch\n"
            "supersede: FIELD: RULE\"), the key could not be loaded or there is no store; 2 on\n"
            "a usage error.\n"
            "\n"
            "Examples:\n"
            "  steme epoch open acc-aha-2018 --description '2018 cholesterol guideline'\n"
            "  steme epoch open acc-aha-2024\n"
            "  steme epoch supersede acc-aha-2018 --successor acc-aha-2024\n",
    .run = run_epoch,
    .subs = epoch_subs,
};

enum {
    OPT_KEY = CLI_OPT_BASE,
    OPT_DESCRIPTION,
    OPT_SUCCESSOR,
    OPT_REASON,
};

typedef struct epoch_args {
    const char *key_file; /* NULL: the admin key's default */
    const char *text;     /* --description or --reason */
    const char *successor;
} epoch_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    epoch_args *a = ctx;
    switch (opt) {
    case OPT_KEY:
        a->key_file = arg;
        break;
    case OPT_DESCRIPTION:
    case OPT_REASON:
        a->text = arg;
        break;
    case OPT_SUCCESSOR:
        a->successor = arg;
        break;
    }
    return CLI_CONTINUE;
}

static int
run_epoch(cli *c, int argc, char **argv)
{
    return cli_dispatch(c, &cli_cmd_epoch, argc, argv);
}

/* What an epoch_open left (embedded mode): {"epoch": name}. */
static int
opened(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx, json_t **ret)
{
    (void)db;
    (void)r;
    *ret = steme__json_epoch(ctx);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* Parse, sign the event and store it; prints it, with the report when it cascades. */
static int
epoch_event(cli *c, int argc, char **argv, const struct option *opts, steme_event_type type)
{
    epoch_args a = {0};
    int first;
    int status = cli_args_parse(c, &cli_cmd_epoch, argc, argv, opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the epoch's NAME" : "expected one NAME");
    const char *name = argv[first];
    if (type == STEME_EVENT_EPOCH_SUPERSEDE && a.successor == NULL)
        return cli_usage(c, "missing --successor (the epoch that replaces %s)", name);

    steme_keypair *kp = NULL;
    status = cli_admin_key_open(c, a.key_file, &kp);
    if (status != CLI_CONTINUE)
        return status;
    steme_record rec;
    cli_event_init(&rec, type, kp);
    rec.event.epoch = steme_str_c(name);
    rec.event.successor = steme_str_c(a.successor);
    rec.event.reason = steme_str_c(a.text);

    steme_db *db = NULL;
    status = cli_store_open(c, false, &db);
    if (status == CLI_CONTINUE) {
        cli_path route;
        cli_path_init(&route, "/v1/epochs");
        cli_cascade cc = {.what = "epoch", .name = name};
        bool cascades = type == STEME_EVENT_EPOCH_SUPERSEDE;
        json_t *doc = NULL;
        status = cli_store(c, db, &route, &rec, kp, cascades ? cli_cascade_effect : opened,
                           cascades ? (void *)&cc : (void *)name, &doc);
        cli_path_free(&route);
        if (status == CLI_CONTINUE && cascades) {
            status = cli_print_cascade(c, doc, "epoch");
        } else if (status == CLI_CONTINUE) {
            const char *epoch = cli_jstr(doc, "epoch");
            cli_table t;
            cli_table_init(&t, 2);
            if (cli_table_kv(&t, "epoch", "%s", epoch != NULL ? epoch : name)) {
                status = cli_print_stored(c, doc, &t);
            } else {
                json_decref(doc);
                status = cli_error(c, STEME_ENOMEM, NULL, NULL);
            }
            cli_table_free(&t);
        }
        steme_db_close(db);
    }
    steme_keypair_free(kp);
    return status;
}

static int
run_open(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"description", required_argument, NULL, OPT_DESCRIPTION},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    return epoch_event(c, argc, argv, opts, STEME_EVENT_EPOCH_OPEN);
}

static int
run_supersede(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"successor", required_argument, NULL, OPT_SUCCESSOR},
        {"reason", required_argument, NULL, OPT_REASON},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    return epoch_event(c, argc, argv, opts, STEME_EVENT_EPOCH_SUPERSEDE);
}
