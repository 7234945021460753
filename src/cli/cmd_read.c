/* SPDX-License-Identifier: MIT */
/*
 * cmd_read.c -- the read commands: `steme get` (one record), `steme log` (the log in order)
 * and `steme list` (the records an index holds for a subject, source, agent or id).
 *
 * Every read opens the store read-only and runs on one snapshot, so a listing is consistent
 * even while other processes write. Listings stream: a table row or a JSON line is printed
 * per record as the index is walked, and nothing is held in memory. In remote mode the
 * records come from the server (GET /v1/records, /v1/log, /v1/list) a page at a time, and
 * are printed by the same printers.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "record_json.h"
#include "remote.h"
#include "view.h"

static int run_get(cli *c, int argc, char **argv);
static int run_log(cli *c, int argc, char **argv);
static int run_list(cli *c, int argc, char **argv);

#define ROWS_HELP                                                                                  \
    "Output: a table, one record per row: SEQ, RECORDED_AT (when the store accepted it),\n"        \
    "KIND, the first 12 hex digits of the ID ('steme get SEQ' shows the rest), the STAGE\n"        \
    "of an assertion (active, disputed, quarantined, deprecated, suspect, superseded,\n"           \
    "retracted or rejected; '-' for votes and events) and a summary (an assertion:\n"              \
    "SUBJECT PREDICATE = VALUE [SOURCE]). When --limit cut the listing short, a last line\n"       \
    "says which --after continues it (not with --quiet). With --json: JSON Lines, one\n"           \
    "object per record, as 'steme --json get' prints it: {\"seq\", \"id\", \"recorded_at\",\n"     \
    "\"signature\", \"record\": {JSON form}, \"stage\": STAGE or null}.\n"

const cli_command cli_cmd_get = {
    .name = "get",
    .summary = "show one record, by id or by log position",
    .help = "Usage: steme get ID|SEQ [--as-of SEQ]\n"
            "\n"
            "Show one stored record: its log position (seq), id, the time the store accepted\n"
            "it (recorded_at), for an assertion its lifecycle stage, every member of the record\n"
            "and its signature. The record is named by its id (64 hex digits) or by its\n"
            "position in the log (a decimal number).\n"
            "\n"
            "The stage (active, disputed, quarantined, deprecated, suspect, superseded,\n"
            "retracted or rejected; docs/rules.md) is the assertion's standing, derived from\n"
            "the records that followed it: 'steme state' says why, 'steme history' when.\n"
            "\n"
            "Options:\n"
            "  --as-of SEQ   look as the store was when its log ended at SEQ: a record stored\n"
            "                later is not found (--as-of 0: before the first record), and the\n"
            "                stage is the one the assertion had then\n"
            "\n"
            "Output: \"key  value\" lines named as in the JSON form (object, qualifiers.dose,\n"
            "evidence.quote, ...); typed values read \"VALUE [UNIT] (TYPE)\". With --json:\n"
            "{\"seq\", \"id\", \"recorded_at\", \"signature\", \"record\": {JSON form},\n"
            "\"stage\": STAGE, or null for a vote or an event}.\n"
            "\n"
            "Exit status: 0 when found; 1 when there is no such record (or not as of SEQ)\n"
            "or no store; 2 on a usage error (an ID that is neither 64 hex digits nor a\n"
            "number).\n"
            "\n"
            "Examples:\n"
            "  steme get 3\n"
            "  steme --json get 5f0c...e1 --as-of 100 | jq .record.object\n",
    .run = run_get,
};

const cli_command cli_cmd_log = {
    .name = "log",
    .summary = "list records in log order",
    .help = "Usage: steme log [--after SEQ] [--limit N]\n"
            "\n"
            "List stored records in the order the store accepted them: assertions, votes and\n"
            "events alike, from the oldest.\n"
            "\n"
            "Options:\n"
            "  --after SEQ   start after log position SEQ (a cursor: pass the last seq shown)\n"
            "  --limit N     show at most N records (default 50; 0 = all)\n"
            "\n" ROWS_HELP "\n"
            "Exit status: 0 (also when nothing is listed); 1 when there is no store; 2 on a\n"
            "usage error.\n"
            "\n"
            "Examples:\n"
            "  steme log --limit 5\n"
            "  steme log --after 50 --limit 50\n"
            "  steme --json log --limit 0 | jq -r .record.subject | sort | uniq -c\n",
    .run = run_log,
};

const cli_command cli_cmd_list = {
    .name = "list",
    .summary = "list records through an index (subject, source, agent, links)",
    .help = "Usage: steme list SELECTOR [--as-of SEQ] [--after SEQ] [--limit N]\n"
            "\n"
            "List the records an index holds, in log order. Give exactly one SELECTOR:\n"
            "  --subject S [--predicate P]   assertions about subject S (and predicate P)\n"
            "  --source SRC                  assertions citing source SRC\n"
            "  --agent KEY                   records signed by agent KEY (64 hex digits)\n"
            "  --derived-from ID             assertions that rest on assertion ID\n"
            "  --supersedes ID               assertions that replace assertion ID\n"
            "  --target ID                   votes and events about assertion ID\n"
            "\n"
            "Options:\n"
            "  --as-of SEQ   list as the store was when its log ended at SEQ: records stored\n"
            "                later are hidden (--as-of 0: before the first record)\n"
            "  --after SEQ   start after log position SEQ (a cursor: pass the last seq shown)\n"
            "  --limit N     show at most N records (default 50; 0 = all)\n"
            "\n"
            "Superseded, retracted and disputed claims are listed too, each with its stage:\n"
            "list shows what was recorded, not what to believe. With --as-of, stages are the\n"
            "ones the assertions had then.\n"
            "\n" ROWS_HELP "\n"
            "Exit status: 0 (also when nothing matches); 1 when there is no store; 2 on a usage\n"
            "error (no selector, two selectors, --predicate without --subject, a malformed id).\n"
            "\n"
            "Examples:\n"
            "  steme list --subject drug:atorvastatin\n"
            "  steme list --subject drug:atorvastatin --predicate adverse_event.myalgia.incidence\n"
            "  steme list --source fda:label:lipitor:2024 --as-of 120\n"
            "  steme --json list --agent $(steme keygen --quiet --out new.key) | jq .id\n",
    .run = run_list,
};

enum {
    OPT_AS_OF = CLI_OPT_BASE,
    OPT_AFTER,
    OPT_LIMIT,
    OPT_SUBJECT,
    OPT_PREDICATE,
    OPT_SOURCE,
    OPT_AGENT,
    OPT_DERIVED_FROM,
    OPT_SUPERSEDES,
    OPT_TARGET,
};

#define DEFAULT_LIMIT 50

typedef struct read_args {
    steme_list_options list;
    bool has_as_of;
    const char *selector;  /* the first selector option given */
    const char *selector2; /* a second one: a usage error */
    bool has_predicate;
    uint64_t limit;
} read_args;

static void
note_selector(read_args *a, const char *name)
{
    if (a->selector == NULL)
        a->selector = name;
    else if (a->selector2 == NULL)
        a->selector2 = name;
}

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    read_args *a = ctx;
    switch (opt) {
    case OPT_AS_OF:
        if (!cli_parse_u64(arg, &a->list.as_of))
            return cli_usage(c, "--as-of: '%s' is not a log position", arg);
        a->has_as_of = true;
        break;
    case OPT_AFTER:
        if (!cli_parse_u64(arg, &a->list.after))
            return cli_usage(c, "--after: '%s' is not a log position", arg);
        break;
    case OPT_LIMIT:
        if (!cli_parse_u64(arg, &a->limit))
            return cli_usage(c, "--limit: '%s' is not a count", arg);
        break;
    case OPT_SUBJECT:
        note_selector(a, "--subject");
        a->list.subject = steme_str_c(arg);
        break;
    case OPT_PREDICATE:
        a->has_predicate = true;
        a->list.predicate = steme_str_c(arg);
        break;
    case OPT_SOURCE:
        note_selector(a, "--source");
        a->list.index = STEME_INDEX_SOURCE;
        a->list.source = steme_str_c(arg);
        break;
    case OPT_AGENT:
        note_selector(a, "--agent");
        a->list.index = STEME_INDEX_AGENT;
        if (!cli_parse_pubkey(arg, &a->list.agent))
            return cli_usage(c, "--agent: '%s' is not a public key (64 hex digits)", arg);
        break;
    case OPT_DERIVED_FROM:
    case OPT_SUPERSEDES:
    case OPT_TARGET: {
        const char *name = opt == OPT_DERIVED_FROM ? "--derived-from"
                           : opt == OPT_SUPERSEDES ? "--supersedes"
                                                   : "--target";
        note_selector(a, name);
        a->list.index = opt == OPT_DERIVED_FROM ? STEME_INDEX_DERIVED_FROM
                        : opt == OPT_SUPERSEDES ? STEME_INDEX_SUPERSEDES
                                                : STEME_INDEX_TARGET;
        if (!cli_parse_id(arg, &a->list.ref))
            return cli_usage(c, "%s: '%s' is not an id (64 hex digits)", name, arg);
        break;
    }
    }
    return CLI_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------
 * get
 */

/* The entry name (an id or a seq) as of a->list.as_of, read from the store: *ret, or NULL when
 * there is none. */
static int
read_entry(cli *c, const read_args *a, const char *name, json_t **ret)
{
    steme_id id;
    uint64_t seq = 0;
    bool by_id = strlen(name) == 2 * STEME_ID_SIZE && cli_parse_id(name, &id);
    if (!by_id && !cli_parse_u64(name, &seq))
        return cli_usage(c, "'%s' is neither an id (64 hex digits) nor a log position", name);
    steme_db *db = NULL;
    int status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    steme_entry *e = NULL;
    int err;
    if (a->has_as_of && a->list.as_of == 0)
        err = STEME_ENOTFOUND; /* the API's 0 means "latest"; here it means "before seq 1" */
    else if (by_id)
        err = steme_db_get(db, &id, a->list.as_of, &e);
    else
        err = steme_db_get_seq(db, seq, &e);
    if (err == STEME_OK && a->has_as_of && e->seq > a->list.as_of) {
        steme_entry_free(e);
        e = NULL;
        err = STEME_ENOTFOUND;
    }
    steme_stage stage = 0;
    if (err == STEME_OK && e->record.kind == STEME_RECORD_ASSERTION) {
        err = steme__json_stage_at(db, &e->id, a->list.as_of, &stage);
        if (err == STEME_ENOTFOUND) /* no derived state for it (yet): show no stage */
            err = STEME_OK;
        if (err != STEME_OK) {
            steme_entry_free(e);
            steme_db_close(db);
            return cli_error(c, err, NULL, "reading the stage of %s", name);
        }
    }
    steme_db_close(db);
    *ret = NULL;
    if (err == STEME_ENOTFOUND)
        return CLI_CONTINUE;
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading %s", name);
    *ret = steme__json_entry(e, stage);
    steme_entry_free(e);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* The same through the server. */
static int
remote_get(cli *c, const read_args *a, const char *name, json_t **ret)
{
    cli_path path;
    cli_path_init(&path, "/v1/records");
    cli_path_seg(&path, name);
    if (a->has_as_of)
        cli_path_arg_u64(&path, "as_of", a->list.as_of);
    bool missing;
    int status = cli_remote_get(c, &path, ret, &missing);
    cli_path_free(&path);
    return status;
}

static int
run_get(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {NULL, 0, NULL, 0},
    };
    read_args a;
    memset(&a, 0, sizeof(a));
    int first;
    int status = cli_args_parse(c, &cli_cmd_get, argc, argv, opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the record's ID or SEQ"
                                          : "expected one ID or SEQ");
    const char *name = argv[first];
    steme_id id;
    uint64_t seq = 0;
    bool by_id = strlen(name) == 2 * STEME_ID_SIZE;
    if (by_id ? !cli_parse_id(name, &id) : !cli_parse_u64(name, &seq) || seq == 0)
        return cli_usage(c, "'%s' is neither an id (64 hex digits) nor a log position", name);

    json_t *doc = NULL;
    status = cli_remote(c) ? remote_get(c, &a, name, &doc) : read_entry(c, &a, name, &doc);
    if (status != CLI_CONTINUE)
        return status;
    if (doc == NULL) {
        char when[48] = "";
        if (a.has_as_of)
            snprintf(when, sizeof(when), " as of seq %" PRIu64, a.list.as_of);
        return cli_fail(c, "not_found", "no record %s %s%s", by_id ? "with id" : "at seq", name,
                        when);
    }
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    bool ok = cli_view_entry(stdout, doc);
    json_decref(doc);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * log and list
 */

typedef struct lister {
    cli *c;
    steme_db *db;
    uint64_t as_of; /* for the stages shown: 0 = now */
    uint64_t limit; /* 0 = all */
    uint64_t count;
    uint64_t last; /* seq of the last record shown */
    bool more;     /* a record beyond the limit exists */
    int seq_width;
    int status;
} lister;

static int
on_entry(const steme_entry *e, void *ctx)
{
    lister *l = ctx;
    if (l->limit != 0 && l->count == l->limit) {
        l->more = true;
        return 1;
    }
    /* A nested read inside the listing's snapshot: the store allows it (steme.h), and it
     * keeps the listing streaming instead of collecting ids first. An assertion without
     * derived state (not found) is shown without a stage rather than failing the listing. */
    steme_stage stage = 0;
    if (e->record.kind == STEME_RECORD_ASSERTION) {
        int err = steme__json_stage_at(l->db, &e->id, l->as_of, &stage);
        if (err != STEME_OK && err != STEME_ENOTFOUND) {
            l->status = cli_error(l->c, err, NULL, "reading the stage of seq %" PRIu64, e->seq);
            return 1;
        }
    }
    if (l->c->json) {
        json_t *j = steme__json_entry(e, stage);
        if (cli_json_line(l->c, j) != CLI_CONTINUE) {
            l->status = CLI_EXIT_FAIL;
            return 1;
        }
    } else {
        if (l->count == 0)
            cli_view_row_header(stdout, l->seq_width);
        cli_view_row(stdout, e, l->seq_width, stage);
    }
    l->count++;
    l->last = e->seq;
    return 0;
}

static int
digits(uint64_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* The line after a listing's rows (text mode only). */
static int
list_end(cli *c, const lister *l)
{
    if (l->status != CLI_EXIT_OK || c->json || c->quiet)
        return l->status;
    if (l->count == 0)
        printf("no records\n");
    else if (l->more)
        printf("(%" PRIu64 " shown; more follow: add --after %" PRIu64 ")\n", l->count, l->last);
    return CLI_EXIT_OK;
}

/* One entry of a page of the server's listing. */
static int
on_remote_entry(cli *c, const json_t *item, void *ctx)
{
    lister *l = ctx;
    if (c->json) {
        if (cli_json_line(c, json_incref((json_t *)item)) != CLI_CONTINUE)
            return CLI_EXIT_FAIL;
    } else {
        cli_json_entry je;
        if (!cli_entry_from_json(item, &je))
            return cli_fail(c, "invalid", "the server listed something that is not a record");
        if (l->count == 0)
            cli_view_row_header(stdout, l->seq_width);
        cli_view_row(stdout, &je.e, l->seq_width, je.stage);
        l->last = je.e.seq;
    }
    l->count++;
    return CLI_CONTINUE;
}

static const char *
hex_id(const steme_id *id, char out[2 * STEME_ID_SIZE + 1])
{
    steme_hex(id->b, sizeof(id->b), out);
    return out;
}

/* The same listing through the server: GET /v1/log or /v1/list, page by page. */
static int
remote_list(cli *c, const read_args *a)
{
    lister l = {.c = c, .limit = a->limit, .status = CLI_EXIT_OK, .seq_width = 3};
    const steme_list_options *o = &a->list;
    char hex[2 * STEME_ID_SIZE + 1];
    cli_path path;
    cli_path_init(&path, o->index == STEME_INDEX_LOG ? "/v1/log" : "/v1/list");
    switch (o->index) {
    case STEME_INDEX_LOG:
        break;
    case STEME_INDEX_SUBJECT:
    case STEME_INDEX_SUBJECT_PREDICATE:
        /* The strings are the command line's (steme_str_c()): NUL-terminated. */
        cli_path_arg(&path, "subject", o->subject.ptr);
        if (o->index == STEME_INDEX_SUBJECT_PREDICATE)
            cli_path_arg(&path, "predicate", o->predicate.ptr);
        break;
    case STEME_INDEX_SOURCE:
        cli_path_arg(&path, "source", o->source.ptr);
        break;
    case STEME_INDEX_AGENT:
        steme_hex(o->agent.b, sizeof(o->agent.b), hex);
        cli_path_arg(&path, "agent", hex);
        break;
    case STEME_INDEX_DERIVED_FROM:
        cli_path_arg(&path, "derived_from", hex_id(&o->ref, hex));
        break;
    case STEME_INDEX_SUPERSEDES:
        cli_path_arg(&path, "supersedes", hex_id(&o->ref, hex));
        break;
    case STEME_INDEX_TARGET:
        cli_path_arg(&path, "target", hex_id(&o->ref, hex));
        break;
    }
    if (a->has_as_of)
        cli_path_arg_u64(&path, "as_of", o->as_of);
    /* The SEQ column is as wide as the last position, as in embedded mode. */
    json_t *stats = NULL;
    cli_path stats_path;
    cli_path_init(&stats_path, "/v1/stats");
    int status = c->json ? CLI_CONTINUE : cli_remote_get(c, &stats_path, &stats, NULL);
    cli_path_free(&stats_path);
    if (status != CLI_CONTINUE) {
        cli_path_free(&path);
        return status;
    }
    if (digits(cli_ju64(stats, "last_seq")) > l.seq_width)
        l.seq_width = digits(cli_ju64(stats, "last_seq"));
    json_decref(stats);
    status =
        cli_remote_pages(c, &path, o->after, "entries", a->limit, on_remote_entry, &l, &l.more);
    cli_path_free(&path);
    if (status != CLI_CONTINUE)
        return status;
    return list_end(c, &l);
}

static int
list_records(cli *c, const read_args *a)
{
    if (cli_remote(c))
        return remote_list(c, a);
    steme_db *db = NULL;
    int status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    lister l = {.c = c,
                .db = db,
                .as_of = a->list.as_of,
                .limit = a->limit,
                .status = CLI_EXIT_OK,
                .seq_width = 3};
    steme_stats st;
    if (steme_db_stats(db, &st) == STEME_OK && digits(st.last_seq) > l.seq_width)
        l.seq_width = digits(st.last_seq);

    steme_list_options opts = a->list;
    /* One record past the limit tells whether the listing was cut short. */
    opts.limit = a->limit == 0 || a->limit >= SIZE_MAX ? 0 : (size_t)a->limit + 1;
    int err = STEME_OK;
    if (!(a->has_as_of && a->list.as_of == 0)) /* --as-of 0: before the first record */
        err = steme_db_list(db, &opts, on_entry, &l);
    steme_db_close(db);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "listing records");
    return list_end(c, &l);
}

static int
run_log(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"after", required_argument, NULL, OPT_AFTER},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {NULL, 0, NULL, 0},
    };
    read_args a;
    memset(&a, 0, sizeof(a));
    a.limit = DEFAULT_LIMIT;
    int first;
    int status = cli_args_parse(c, &cli_cmd_log, argc, argv, opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    a.list.index = STEME_INDEX_LOG;
    return list_records(c, &a);
}

static int
run_list(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"subject", required_argument, NULL, OPT_SUBJECT},
        {"predicate", required_argument, NULL, OPT_PREDICATE},
        {"source", required_argument, NULL, OPT_SOURCE},
        {"agent", required_argument, NULL, OPT_AGENT},
        {"derived-from", required_argument, NULL, OPT_DERIVED_FROM},
        {"supersedes", required_argument, NULL, OPT_SUPERSEDES},
        {"target", required_argument, NULL, OPT_TARGET},
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {"after", required_argument, NULL, OPT_AFTER},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {NULL, 0, NULL, 0},
    };
    read_args a;
    memset(&a, 0, sizeof(a));
    a.limit = DEFAULT_LIMIT;
    int first;
    int status = cli_args_parse(c, &cli_cmd_list, argc, argv, opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    if (a.has_predicate && (a.selector == NULL || strcmp(a.selector, "--subject") != 0))
        return cli_usage(c, "--predicate needs --subject");
    if (a.selector == NULL)
        return cli_usage(c, "give one selector: --subject, --source, --agent, --derived-from, "
                            "--supersedes or --target");
    if (a.selector2 != NULL)
        return cli_usage(c, "%s and %s cannot be combined: give one selector", a.selector,
                         a.selector2);
    if (strcmp(a.selector, "--subject") == 0)
        a.list.index = a.has_predicate ? STEME_INDEX_SUBJECT_PREDICATE : STEME_INDEX_SUBJECT;
    return list_records(c, &a);
}
