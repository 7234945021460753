/* SPDX-License-Identifier: MIT */
/*
 * cmd_source.c -- `steme source add|list|show|retract|reinstate` (the source registry) and
 * `steme impact SOURCE` (what retracting a source would touch).
 *
 * Registering, retracting and reinstating are admin events; a retraction or reinstatement
 * cascades through everything derived from the source's claims, and the command prints the
 * report the store kept for that event (per depth), so that what was done can be read back
 * with the same numbers `impact` predicted. In remote mode the events are posted to
 * /v1/sources and the reads come from GET /v1/sources; the same printers print both.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "remote.h"
#include "signing.h"
#include "view.h"

static int run_source(cli *c, int argc, char **argv);
static int run_add(cli *c, int argc, char **argv);
static int run_list(cli *c, int argc, char **argv);
static int run_show(cli *c, int argc, char **argv);
static int run_retract(cli *c, int argc, char **argv);
static int run_reinstate(cli *c, int argc, char **argv);
static int run_impact(cli *c, int argc, char **argv);

static const cli_subcommand source_subs[] = {
    {"add", "source add", run_add},
    {"list", "source list", run_list},
    {"show", "source show", run_show},
    {"retract", "source retract", run_retract},
    {"reinstate", "source reinstate", run_reinstate},
    {NULL, NULL, NULL},
};

const cli_command cli_cmd_source = {
    .name = "source",
    .summary = "register, list, show, retract and reinstate sources",
    .help =
        "Usage: steme source add ID --tier TIER [--title S] [--url URL] [--weight W]\n"
        "                        [--key FILE]\n"
        "       steme source list\n"
        "       steme source show ID\n"
        "       steme source retract ID [--reason R] [--key FILE]\n"
        "       steme source reinstate ID [--reason R] [--key FILE]\n"
        "\n"
        "A source is what claims cite (their \"source\" member): a label, a paper, a\n"
        "guideline, e.g. fda:label:lipitor:2024. The registry gives each a tier and an\n"
        "authority weight, and learns its reliability from the evidence (docs/trust.md).\n"
        "A claim may cite a source nobody registered: it is accepted, and the source is\n"
        "listed with tier unverified and status unregistered until someone registers it.\n"
        "\n"
        "add        register ID, or update its title, URL, tier and weight (a\n"
        "           source_register event). Tiers and the weight each gets by default:\n"
        "             regulatory 1.00, peer_reviewed 0.85, expert 0.60, preprint 0.50,\n"
        "             anecdotal 0.20, unverified 0.10\n"
        "list       every source registered or cited: ID, TIER, WEIGHT, STATUS (active,\n"
        "           retracted, or unregistered: cited but never registered), ASSERTIONS\n"
        "           citing it and learned RELIABILITY (0 to 1)\n"
        "show       one source: the same, with its title and URL, the seq of the event\n"
        "           that registered it and of the one that set its status, and the reason\n"
        "           given for a retraction or reinstatement\n"
        "retract    retract ID (a source_retract event): every assertion citing it becomes\n"
        "           retracted, and every assertion derived from those, at any distance,\n"
        "           suspect. Prints how many assertions that touched at each depth (depth\n"
        "           0: the claims citing the source; depth d: d derived_from steps away).\n"
        "           'steme impact ID' shows the same numbers without retracting.\n"
        "reinstate  undo a retraction exactly (a source_reinstate event): the stages it\n"
        "           changed go back to what they were. Prints the same kind of report.\n"
        "\n"
        "Options:\n"
        "  --tier TIER   regulatory, peer_reviewed, preprint, expert, anecdotal or unverified\n"
        "  --title S     a human-readable title\n"
        "  --url URL     where the source can be read\n"
        "  --weight W    authority weight from 0 to 1, overriding the tier's default (0 or\n"
        "                absent: the default)\n"
        "  --reason R    why the source is retracted or reinstated (kept in the log)\n"
        "  --key FILE    the admin key that signs the event (default:\n"
        "                $STEME_ADMIN_KEY_FILE, else DIR/admin.key, as made by 'steme init')\n"
        "\n"
        "Only an admin may register, retract or reinstate a source. Retracting an unknown\n"
        "or already retracted source, or reinstating one that is not retracted, is refused\n"
        "and changes nothing.\n"
        "\n"
        "Output: add, retract and reinstate print the event's id, seq and status (new or\n"
        "duplicate) and then the source's tier, weight and status (add) or the report:\n"
        "total and per depth (retract, reinstate); with --quiet the event's id alone. With\n"
        "--json: {\"id\", \"seq\", \"status\", \"source\": {SOURCE}} for add, and\n"
        "{\"id\", \"seq\", \"status\", \"source\": ID, \"report\": {\"total\", \"per_depth\": "
        "[...]}}\n"
        "for retract and reinstate. list prints JSON Lines, one {SOURCE} per source; show\n"
        "one {SOURCE} with \"title\", \"url\" and \"reason\". {SOURCE} is {\"id\", \"tier\",\n"
        "\"weight\", \"status\", \"registered\": BOOL, \"registered_seq\", \"status_seq\" (null\n"
        "when none), \"assertions\", \"reliability\"}.\n"
        "\n"
        "Exit status: 0 on success; 1 when the event was refused (\"steme: source retract:\n"
        "FIELD: RULE\"), the source is unknown (show), the key could not be loaded or there\n"
        "is no store; 2 on a usage error.\n"
        "\n"
        "Examples:\n"
        "  steme source add fda:label:lipitor:2024 --tier regulatory \\\n"
        "      --title 'LIPITOR prescribing information' --url https://www.fda.gov/\n"
        "  steme source list\n"
        "  steme source retract preprint:medrxiv:2024.01.07 --reason 'withdrawn by authors'\n"
        "  steme --json source reinstate preprint:medrxiv:2024.01.07 | jq .report.per_depth\n",
    .run = run_source,
    .subs = source_subs,
};

const cli_command cli_cmd_impact = {
    .name = "impact",
    .summary = "show what retracting a source would touch, without retracting it",
    .help = "Usage: steme impact SOURCE\n"
            "\n"
            "Show how many assertions retracting SOURCE would touch, in total and at each\n"
            "depth: depth 0 the assertions citing SOURCE (they would become retracted), depth\n"
            "d those d derived_from steps away (they would become suspect). The store runs\n"
            "the real cascade in a transaction and then throws it away: nothing is written,\n"
            "nothing is logged, and the numbers are the ones 'steme source retract' would\n"
            "report now. Anyone may ask; no key is needed.\n"
            "\n"
            "Output: \"key  value\" lines: source, total, then one line per depth; with --quiet\n"
            "the total alone; with --json {\"source\", \"total\", \"per_depth\": [N0, N1, ...]}.\n"
            "\n"
            "Exit status: 0 on success; 1 when SOURCE is neither registered nor cited, is\n"
            "already retracted, or there is no store; 2 on a usage error.\n"
            "\n"
            "Example:\n"
            "  steme impact preprint:medrxiv:2024.01.07\n",
    .run = run_impact,
};

enum {
    OPT_KEY = CLI_OPT_BASE,
    OPT_TIER,
    OPT_TITLE,
    OPT_URL,
    OPT_WEIGHT,
    OPT_REASON,
};

typedef struct source_args {
    const char *key_file; /* NULL: the admin key's default */
    const char *title, *url, *reason;
    int tier; /* 0: not given */
    uint32_t weight;
} source_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    source_args *a = ctx;
    switch (opt) {
    case OPT_KEY:
        a->key_file = arg;
        break;
    case OPT_TIER:
        a->tier = steme_tier_parse(arg);
        if (a->tier == 0)
            return cli_usage(c,
                             "--tier: '%s' is not regulatory, peer_reviewed, preprint, "
                             "expert, anecdotal or unverified",
                             arg);
        break;
    case OPT_TITLE:
        a->title = arg;
        break;
    case OPT_URL:
        a->url = arg;
        break;
    case OPT_WEIGHT:
        if (!cli_parse_confidence(arg, &a->weight))
            return cli_usage(c, "--weight: '%s' is not a number from 0 to 1", arg);
        break;
    case OPT_REASON:
        a->reason = arg;
        break;
    }
    return CLI_CONTINUE;
}

static int
run_source(cli *c, int argc, char **argv)
{
    return cli_dispatch(c, &cli_cmd_source, argc, argv);
}

/* Parse the options, and the one positional ID every subcommand but list takes. */
static int
parse(cli *c, int argc, char **argv, const struct option *opts, source_args *a, const char **ret_id)
{
    memset(a, 0, sizeof(*a));
    int first;
    int status = cli_args_parse(c, &cli_cmd_source, argc, argv, opts, on_option, a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (ret_id == NULL) {
        if (first != argc)
            return cli_usage(c, "unexpected argument '%s'", argv[first]);
        return CLI_CONTINUE;
    }
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the source ID" : "expected one source ID");
    *ret_id = argv[first];
    return CLI_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------
 * The JSON and table forms of a source
 */

/* The rows of a source document (steme__json_source()); prefix ("" or "source.") keeps them
 * apart from an event's own rows (status!), as the JSON form nests them. */
static bool
source_rows(cli_table *t, const char *prefix, const json_t *src)
{
    char weight[16], key[32];
    /* The weight is kept in parts per million; the JSON form divides it. */
    steme__fmt_ppm((uint32_t)llround(cli_jnum(src, "weight") * STEME_CONFIDENCE_ONE), weight);
    static const char *const names[] = {"tier", "weight", "status", "assertions", "reliability"};
    char values[5][32];
    const char *tier = cli_jstr(src, "tier"), *status = cli_jstr(src, "status");
    snprintf(values[0], sizeof(values[0]), "%s", tier != NULL ? tier : "?");
    snprintf(values[1], sizeof(values[1]), "%s", weight);
    snprintf(values[2], sizeof(values[2]), "%s", status != NULL ? status : "?");
    snprintf(values[3], sizeof(values[3]), "%" PRIu64, cli_ju64(src, "assertions"));
    snprintf(values[4], sizeof(values[4]), "%.3f", cli_jnum(src, "reliability"));
    for (size_t i = 0; i < 5; i++) {
        snprintf(key, sizeof(key), "%s%s", prefix, names[i]);
        if (!cli_table_kv(t, key, "%s", values[i]))
            return false;
    }
    return true;
}

/* A source id as a path segment of route (/v1/sources/ID[/what]). */
static void
source_path(cli_path *p, const char *id, const char *what)
{
    cli_path_init(p, "/v1/sources");
    cli_path_seg(p, id);
    if (what != NULL)
        cli_path_seg(p, what);
}

/* ---------------------------------------------------------------------------------------------
 * add
 */

/* What a registration left (embedded mode): {"source": the source now}. */
static int
registered(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx, json_t **ret)
{
    (void)r;
    const char *id = ctx;
    steme_source_info info;
    int err = steme_db_source(db, steme_str_c(id), &info);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading source %s", id);
    *ret = steme__json_registered(&info);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

static int
run_add(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"tier", required_argument, NULL, OPT_TIER},
        {"title", required_argument, NULL, OPT_TITLE},
        {"url", required_argument, NULL, OPT_URL},
        {"weight", required_argument, NULL, OPT_WEIGHT},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    source_args a;
    const char *id = NULL;
    int status = parse(c, argc, argv, opts, &a, &id);
    if (status != CLI_CONTINUE)
        return status;
    if (a.tier == 0)
        return cli_usage(c, "missing --tier (regulatory, peer_reviewed, preprint, expert, "
                            "anecdotal or unverified)");

    steme_keypair *kp = NULL;
    status = cli_admin_key_open(c, a.key_file, &kp);
    if (status != CLI_CONTINUE)
        return status;
    steme_record rec;
    cli_event_init(&rec, STEME_EVENT_SOURCE_REGISTER, kp);
    rec.event.source = steme_str_c(id);
    rec.event.title = steme_str_c(a.title);
    rec.event.url = steme_str_c(a.url);
    rec.event.tier = (uint8_t)a.tier;
    rec.event.weight = a.weight;

    steme_db *db = NULL;
    status = cli_store_open(c, false, &db);
    if (status != CLI_CONTINUE)
        goto out_free_key;
    cli_path route;
    cli_path_init(&route, "/v1/sources");
    json_t *doc = NULL;
    status = cli_store(c, db, &route, &rec, kp, registered, (void *)id, &doc);
    cli_path_free(&route);
    if (status != CLI_CONTINUE)
        goto out_close_db;
    const json_t *src = json_object_get(doc, "source");
    const char *src_id = cli_jstr(src, "id");
    cli_table t;
    cli_table_init(&t, 2);
    if (cli_table_kv(&t, "source", "%s", src_id != NULL ? src_id : id) &&
        source_rows(&t, "source.", src)) {
        status = cli_print_stored(c, doc, &t);
    } else {
        json_decref(doc);
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    cli_table_free(&t);
out_close_db:
    steme_db_close(db);
out_free_key:
    steme_keypair_free(kp);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * list
 */

typedef struct source_lister {
    cli_table t;
    uint64_t count;
    uint64_t unregistered;
    int status;
} source_lister;

/* One source document: a JSON line, or a row. */
static int
list_one(cli *c, const json_t *src, void *ctx)
{
    source_lister *l = ctx;
    const char *id = cli_jstr(src, "id"), *tier = cli_jstr(src, "tier");
    const char *status = cli_jstr(src, "status");
    l->count++;
    if (status != NULL && strcmp(status, "unregistered") == 0)
        l->unregistered++;
    if (c->json)
        return cli_json_line(c, json_incref((json_t *)src)) == CLI_CONTINUE ? CLI_CONTINUE
                                                                            : CLI_EXIT_FAIL;
    char weight[16], assertions[24], reliability[16];
    steme__fmt_ppm((uint32_t)llround(cli_jnum(src, "weight") * STEME_CONFIDENCE_ONE), weight);
    snprintf(assertions, sizeof(assertions), "%" PRIu64, cli_ju64(src, "assertions"));
    snprintf(reliability, sizeof(reliability), "%.3f", cli_jnum(src, "reliability"));
    const char *row[] = {id != NULL ? id : "",
                         tier != NULL ? tier : "?",
                         weight,
                         status != NULL ? status : "?",
                         assertions,
                         reliability};
    return cli_table_add(&l->t, row) ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

typedef struct source_walk {
    cli *c;
    source_lister *l;
} source_walk;

static int
on_source(const steme_source_info *s, void *ctx)
{
    source_walk *w = ctx;
    json_t *j = steme__json_source(s);
    int status = j != NULL ? list_one(w->c, j, w->l) : cli_error(w->c, STEME_ENOMEM, NULL, NULL);
    json_decref(j);
    if (status != CLI_CONTINUE) {
        w->l->status = status;
        return 1;
    }
    return 0;
}

static int
run_list(cli *c, int argc, char **argv)
{
    source_args a;
    int status = parse(c, argc, argv, NULL, &a, NULL);
    if (status != CLI_CONTINUE)
        return status;
    steme_db *db = NULL;
    status = cli_store_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    source_lister l = {.status = CLI_CONTINUE};
    cli_table_init(&l.t, 6);
    const char *header[] = {"ID", "TIER", "WEIGHT", "STATUS", "ASSERTIONS", "RELIABILITY"};
    if (!c->json && !cli_table_add(&l.t, header))
        l.status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    if (l.status == CLI_CONTINUE && db == NULL) {
        cli_path path;
        cli_path_init(&path, "/v1/sources");
        l.status = cli_remote_pages(c, &path, 0, "sources", 0, list_one, &l, NULL);
        cli_path_free(&path);
    } else if (l.status == CLI_CONTINUE) {
        source_walk w = {.c = c, .l = &l};
        int err = steme_db_sources(db, on_source, &w);
        if (err != STEME_OK)
            l.status = cli_error(c, err, NULL, "listing sources");
    }
    steme_db_close(db);
    if (l.status == CLI_CONTINUE && !c->json) {
        if (l.count == 0) {
            printf("no sources\n");
        } else {
            cli_table_print(&l.t, stdout);
            if (l.unregistered > 0 && !c->quiet)
                printf("(%" PRIu64 " unregistered: cited but never registered, tier "
                       "unverified; register with 'steme source add')\n",
                       l.unregistered);
        }
    }
    cli_table_free(&l.t);
    return l.status == CLI_CONTINUE ? CLI_EXIT_OK : l.status;
}

/* ---------------------------------------------------------------------------------------------
 * show
 */

/* Source id's document, read from the store; *ret NULL when there is no such source. */
static int
source_doc(cli *c, const char *id, json_t **ret)
{
    steme_db *db = NULL;
    int status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    steme_source_info info;
    steme_entry *reg = NULL, *set = NULL;
    int err = steme_db_source(db, steme_str_c(id), &info);
    if (err == STEME_OK && info.registered_seq != 0)
        err = steme_db_get_seq(db, info.registered_seq, &reg);
    if (err == STEME_OK && info.status_seq != 0)
        err = steme_db_get_seq(db, info.status_seq, &set);
    steme_db_close(db);
    *ret = NULL;
    if (err == STEME_OK && (*ret = steme__json_source_detail(&info, reg, set)) == NULL)
        err = STEME_ENOMEM;
    if (err == STEME_ENOTFOUND && reg == NULL)
        status = CLI_CONTINUE;
    else if (err != STEME_OK)
        status = cli_error(c, err, NULL, "reading source %s", id);
    steme_entry_free(reg);
    steme_entry_free(set);
    return status;
}

static int
run_show(cli *c, int argc, char **argv)
{
    source_args a;
    const char *id = NULL;
    int status = parse(c, argc, argv, NULL, &a, &id);
    if (status != CLI_CONTINUE)
        return status;
    json_t *doc = NULL;
    if (cli_remote(c)) {
        cli_path path;
        source_path(&path, id, NULL);
        bool missing;
        status = cli_remote_get(c, &path, &doc, &missing);
        cli_path_free(&path);
    } else {
        status = source_doc(c, id, &doc);
    }
    if (status != CLI_CONTINUE)
        return status;
    if (doc == NULL)
        return cli_fail(c, "not_found", "no source %s (neither registered nor cited)", id);
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    const char *src_id = cli_jstr(doc, "id"), *title = cli_jstr(doc, "title");
    const char *url = cli_jstr(doc, "url"), *reason = cli_jstr(doc, "reason");
    uint64_t registered_seq = cli_ju64(doc, "registered_seq");
    uint64_t status_seq = cli_ju64(doc, "status_seq");
    cli_table t;
    cli_table_init(&t, 2);
    bool ok =
        cli_table_kv(&t, "id", "%s", src_id != NULL ? src_id : id) && source_rows(&t, "", doc) &&
        (title == NULL || cli_table_kv(&t, "title", "%s", title)) &&
        (url == NULL || cli_table_kv(&t, "url", "%s", url)) &&
        (registered_seq == 0 || cli_table_kv(&t, "registered_seq", "%" PRIu64, registered_seq)) &&
        (status_seq == 0 || cli_table_kv(&t, "status_seq", "%" PRIu64, status_seq)) &&
        (reason == NULL || cli_table_kv(&t, "reason", "%s", reason));
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    json_decref(doc);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * retract and reinstate
 */

static int
change_status(cli *c, int argc, char **argv, steme_event_type type)
{
    static const struct option opts[] = {
        {"reason", required_argument, NULL, OPT_REASON},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    source_args a;
    const char *id = NULL;
    int status = parse(c, argc, argv, opts, &a, &id);
    if (status != CLI_CONTINUE)
        return status;
    steme_keypair *kp = NULL;
    status = cli_admin_key_open(c, a.key_file, &kp);
    if (status != CLI_CONTINUE)
        return status;
    steme_record rec;
    cli_event_init(&rec, type, kp);
    rec.event.source = steme_str_c(id);
    rec.event.reason = steme_str_c(a.reason);

    steme_db *db = NULL;
    status = cli_store_open(c, false, &db);
    if (status == CLI_CONTINUE) {
        cli_path route;
        source_path(&route, id, type == STEME_EVENT_SOURCE_RETRACT ? "retract" : "reinstate");
        cli_cascade cc = {.what = "source", .name = id};
        json_t *doc = NULL;
        status = cli_store(c, db, &route, &rec, kp, cli_cascade_effect, &cc, &doc);
        cli_path_free(&route);
        if (status == CLI_CONTINUE)
            status = cli_print_cascade(c, doc, "source");
        steme_db_close(db);
    }
    steme_keypair_free(kp);
    return status;
}

static int
run_retract(cli *c, int argc, char **argv)
{
    return change_status(c, argc, argv, STEME_EVENT_SOURCE_RETRACT);
}

static int
run_reinstate(cli *c, int argc, char **argv)
{
    return change_status(c, argc, argv, STEME_EVENT_SOURCE_REINSTATE);
}

/* ---------------------------------------------------------------------------------------------
 * impact
 */

static int
no_source(cli *c, const char *id)
{
    return cli_fail(c, "not_found", "no source %s (neither registered nor cited)", id);
}

static int
already_retracted(cli *c, const char *id)
{
    return cli_fail(c, "invalid", "source %s is already retracted", id);
}

/* What retracting id would touch, computed by the store: {"source", "total", "per_depth"}. */
static int
impact_doc(cli *c, const char *id, json_t **ret)
{
    /* The dry run is a write transaction that is thrown away: the store must be writable. */
    steme_db *db = NULL;
    int status = cli_db_open(c, false, &db);
    if (status != CLI_CONTINUE)
        return status;
    steme_cascade_report rep;
    int err = steme_db_impact(db, steme_str_c(id), &rep);
    steme_db_close(db);
    if (err == STEME_ENOTFOUND)
        return no_source(c, id);
    if (err == STEME_EINVAL)
        return already_retracted(c, id);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "computing the impact of retracting %s", id);
    *ret = steme__json_impact(id, &rep);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* The same through the server: GET /v1/sources/ID/impact (409 when already retracted). */
static int
remote_impact(cli *c, const char *id, json_t **ret)
{
    cli_path path;
    source_path(&path, id, "impact");
    cli_http_reply reply;
    int status = cli_remote_call(c, "GET", &path, NULL, &reply);
    cli_path_free(&path);
    if (status != CLI_CONTINUE)
        return status;
    if (reply.status == 200 && reply.json != NULL) {
        *ret = reply.json;
        reply.json = NULL;
    } else if (reply.status == 404) {
        status = no_source(c, id);
    } else if (reply.status == 409) {
        status = already_retracted(c, id);
    } else {
        status = cli_remote_fail(c, &reply);
    }
    cli_http_reply_free(&reply);
    return status;
}

static int
run_impact(cli *c, int argc, char **argv)
{
    int first;
    int status = cli_args_parse(c, &cli_cmd_impact, argc, argv, NULL, NULL, NULL, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the SOURCE" : "expected one SOURCE");
    const char *id = argv[first];
    json_t *doc = NULL;
    status = cli_remote(c) ? remote_impact(c, id, &doc) : impact_doc(c, id, &doc);
    if (status != CLI_CONTINUE)
        return status;
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    if (c->quiet) {
        printf("%" PRIu64 "\n", cli_ju64(doc, "total"));
        json_decref(doc);
        return CLI_EXIT_OK;
    }
    const char *src = cli_jstr(doc, "source");
    cli_table t;
    cli_table_init(&t, 2);
    bool ok = cli_table_kv(&t, "source", "%s", src != NULL ? src : id) && cli_report_rows(&t, doc);
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    json_decref(doc);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}
