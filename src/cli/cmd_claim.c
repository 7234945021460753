/* SPDX-License-Identifier: MIT */
/*
 * cmd_claim.c -- what an agent does to a claim that is already stored: `steme vote` (endorse
 * or dispute it), `steme retract` (withdraw it) and `steme reaffirm` (keep it standing in a
 * new epoch).
 *
 * Each signs one record with the agent's key and stores it; the store's rules decide whether
 * the agent may (docs/rules.md), and each command then prints the claim's stage as it now
 * stands, because the point of acting on a claim is to change its standing.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "remote.h"
#include "signing.h"
#include "view.h"

static int run_vote(cli *c, int argc, char **argv);
static int run_retract(cli *c, int argc, char **argv);
static int run_reaffirm(cli *c, int argc, char **argv);

const cli_command cli_cmd_vote = {
    .name = "vote",
    .summary = "endorse (+1) or dispute (-1) a claim",
    .help = "Usage: steme vote ID|SEQ +1|-1|up|down [--reason R] [--key FILE]\n"
            "\n"
            "Sign and store a vote on the assertion ID (or the one at log position SEQ): +1\n"
            "(or up) endorses it, -1 (or down) disputes it. Each agent has one standing vote\n"
            "per assertion: a later vote by the same agent replaces the earlier one in\n"
            "effect, and both stay in the log. An assertion with at least 2 standing\n"
            "down-votes and more down- than up-votes is disputed. Votes feed the voters'\n"
            "trust as the evidence settles (docs/trust.md).\n"
            "\n"
            "Voting on an unknown id, or on a record that is not an assertion, is refused.\n"
            "\n"
            "Options:\n"
            "  --reason R   why (kept in the log)\n"
            "  --key FILE   the voter's key (default: $STEME_KEY_FILE, else ./steme.key)\n"
            "\n"
            "Output: the vote's id, seq and status (new or duplicate), then the target, the\n"
            "vote, the target's stage and its standing votes; with --quiet the vote's id\n"
            "alone; with --json {\"id\", \"seq\", \"status\", \"target\", \"value\": 1 or -1,\n"
            "\"stage\", \"votes\": {\"up\", \"down\"}}.\n"
            "\n"
            "Exit status: 0 when the vote was stored; 1 when it was refused (\"steme: vote:\n"
            "FIELD: RULE\"), the key could not be loaded or there is no store; 2 on a usage\n"
            "error.\n"
            "\n"
            "Examples:\n"
            "  steme vote 12 +1 --key me.key\n"
            "  steme vote 5f0c...e1 down --key me.key --reason 'the label says 0.2%, not 2%'\n",
    .run = run_vote,
};

const cli_command cli_cmd_retract = {
    .name = "retract",
    .summary = "withdraw a claim (its author, or an editor)",
    .help = "Usage: steme retract ID|SEQ [--reason R] [--key FILE]\n"
            "\n"
            "Sign and store an assertion_retract event: the assertion ID (or the one at log\n"
            "position SEQ) becomes retracted, and every assertion derived from it, at any\n"
            "distance, becomes suspect. The claim stays in the log, marked. Only its author\n"
            "may retract it, or an agent with the editor or admin role; anyone else is\n"
            "refused, as is retracting an unknown id or a claim already retracted.\n"
            "\n"
            "Options:\n"
            "  --reason R   why (kept in the log)\n"
            "  --key FILE   the signing key (default: $STEME_KEY_FILE, else ./steme.key)\n"
            "\n"
            "Output: the event's id, seq and status, the target and its stage, and when the\n"
            "store kept a report for the event, how many assertions it touched (total and per\n"
            "depth, as 'steme source retract' prints); with --quiet the event's id alone;\n"
            "with --json {\"id\", \"seq\", \"status\", \"target\", \"stage\", \"report\":\n"
            "{\"total\", \"per_depth\"} or null}.\n"
            "\n"
            "Exit status: 0 when the event was stored; 1 when it was refused (\"steme:\n"
            "retract: FIELD: RULE\"), the key could not be loaded or there is no store; 2 on a\n"
            "usage error.\n"
            "\n"
            "Example:\n"
            "  steme retract 12 --key me.key --reason 'wrong unit'\n",
    .run = run_retract,
};

const cli_command cli_cmd_reaffirm = {
    .name = "reaffirm",
    .summary = "keep a claim standing in a new epoch",
    .help = "Usage: steme reaffirm ID|SEQ --epoch E [--key FILE]\n"
            "\n"
            "Sign and store a reaffirm event naming the assertion ID (or the one at log\n"
            "position SEQ) and the epoch E. When the assertion's epoch is superseded by E\n"
            "('steme epoch supersede'), the assertion is deprecated unless it was re-affirmed\n"
            "in E; a re-affirmation after the supersession lifts the deprecation. The author\n"
            "re-affirms its own assertions; an editor or admin may re-affirm anyone's.\n"
            "\n"
            "Options:\n"
            "  --epoch E    the epoch the claim still holds in (required)\n"
            "  --key FILE   the signing key (default: $STEME_KEY_FILE, else ./steme.key)\n"
            "\n"
            "Output: the event's id, seq and status, the target, the epoch and the target's\n"
            "stage; with --quiet the event's id alone; with --json {\"id\", \"seq\", \"status\",\n"
            "\"target\", \"epoch\", \"stage\"}.\n"
            "\n"
            "Exit status: 0 when the event was stored; 1 when it was refused (\"steme:\n"
            "reaffirm: FIELD: RULE\"), the key could not be loaded or there is no store; 2 on\n"
            "a usage error.\n"
            "\n"
            "Example:\n"
            "  steme reaffirm 12 --epoch acc-aha-2024 --key me.key\n",
    .run = run_reaffirm,
};

enum {
    OPT_KEY = CLI_OPT_BASE,
    OPT_REASON,
    OPT_EPOCH,
};

typedef struct claim_args {
    const char *key_file;
    const char *reason;
    const char *epoch;
} claim_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    claim_args *a = ctx;
    switch (opt) {
    case OPT_KEY:
        a->key_file = arg;
        break;
    case OPT_REASON:
        a->reason = arg;
        break;
    case OPT_EPOCH:
        a->epoch = arg;
        break;
    }
    return CLI_CONTINUE;
}

/*
 * The common path: parse the options and the ID (and, for a vote, its value), load the key,
 * make the record with fill(), store it, and print it with the target's state.
 */
typedef struct claim_action {
    const cli_command *cmd;
    const struct option *opts;
    const char *route;                         /* the write route of remote mode */
    int (*check)(cli *c, const claim_args *a); /* after parsing; may be NULL */
    void (*fill)(steme_record *rec, const steme_keypair *kp, const steme_id *target,
                 const claim_args *a, int8_t vote);
    bool vote; /* a second positional argument: the vote's value */
} claim_action;

static bool
parse_vote(const char *s, int8_t *ret)
{
    if (strcmp(s, "+1") == 0 || strcmp(s, "1") == 0 || strcmp(s, "up") == 0) {
        *ret = 1;
        return true;
    }
    if (strcmp(s, "-1") == 0 || strcmp(s, "down") == 0) {
        *ret = -1;
        return true;
    }
    return false;
}

/* What the record is about, for the effect. */
typedef struct claim_effect {
    const claim_action *act;
    const steme_id *target;
    const claim_args *a;
    int8_t vote;
} claim_effect;

/* What the action left (embedded mode): the target's state, and after a retraction the report
 * the store kept for the event, when it kept one. */
static int
effect(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx, json_t **ret)
{
    const claim_effect *ce = ctx;
    steme_state st;
    int err = steme_db_state(db, ce->target, &st);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the state of the target");
    if (ce->act->vote) {
        *ret = steme__json_voted(ce->target, ce->vote, &st);
    } else if (ce->act->cmd == &cli_cmd_retract) {
        steme_cascade_report rep;
        err = steme_db_report(db, r->seq, &rep);
        if (err != STEME_OK && err != STEME_ENOTFOUND)
            return cli_error(c, err, NULL, "reading the report of seq %" PRIu64, r->seq);
        *ret = steme__json_retracted(ce->target, &st, err == STEME_OK ? &rep : NULL);
    } else {
        *ret = steme__json_reaffirmed(ce->target, ce->a->epoch, &st);
    }
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* Print the answer: the target, the vote or the epoch, the target's stage, after a vote its
 * standing votes, after a retraction the report. */
static int
print_outcome(cli *c, const claim_action *act, json_t *doc)
{
    const char *target = cli_jstr(doc, "target"), *epoch = cli_jstr(doc, "epoch");
    const char *stage = cli_jstr(doc, "stage");
    const json_t *votes = json_object_get(doc, "votes");
    const json_t *report = json_object_get(doc, "report");
    cli_table t;
    cli_table_init(&t, 2);
    bool ok =
        cli_table_kv(&t, "target", "%s", target != NULL ? target : "") &&
        (!act->vote ||
         cli_table_kv(&t, "vote", "%+d", (int)json_integer_value(json_object_get(doc, "value")))) &&
        (epoch == NULL || cli_table_kv(&t, "epoch", "%s", epoch)) &&
        cli_table_kv(&t, "stage", "%s", stage != NULL ? stage : "") &&
        (!act->vote || cli_table_kv(&t, "votes", "%" PRIu64 " up, %" PRIu64 " down",
                                    cli_ju64(votes, "up"), cli_ju64(votes, "down"))) &&
        (!json_is_object(report) || cli_report_rows(&t, report));
    int status = ok ? cli_print_stored(c, doc, &t) : cli_error(c, STEME_ENOMEM, NULL, NULL);
    if (!ok)
        json_decref(doc);
    cli_table_free(&t);
    return status;
}

static int
act_on_claim(cli *c, const claim_action *act, int argc, char **argv)
{
    claim_args a = {.key_file = cli_default_key_file()};
    int first;
    int status = cli_args_parse(c, act->cmd, argc, argv, act->opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    int want = act->vote ? 2 : 1;
    if (argc - first != want) {
        if (argc == first)
            return cli_usage(c, "missing the ID or SEQ of the assertion");
        if (act->vote && argc - first == 1)
            return cli_usage(c, "missing the vote: +1, -1, up or down");
        return cli_usage(c, "unexpected argument '%s'", argv[first + want]);
    }
    cli_ref ref;
    if (!cli_ref_parse(argv[first], &ref))
        return cli_usage(c, "'%s' is neither an id (64 hex digits) nor a log position",
                         argv[first]);
    int8_t vote = 0;
    if (act->vote && !parse_vote(argv[first + 1], &vote))
        return cli_usage(c, "'%s' is not a vote: +1, -1, up or down", argv[first + 1]);
    if (act->check != NULL && (status = act->check(c, &a)) != CLI_CONTINUE)
        return status;

    steme_keypair *kp = NULL;
    status = cli_key_load(c, a.key_file, &kp);
    if (status != CLI_CONTINUE)
        return status;
    steme_db *db = NULL;
    status = cli_store_open(c, false, &db);
    if (status != CLI_CONTINUE)
        goto out_free_key;
    steme_id target;
    status = cli_ref_id(c, db, &ref, &target);
    if (status != CLI_CONTINUE)
        goto out_close_db;
    steme_record rec;
    act->fill(&rec, kp, &target, &a, vote);
    claim_effect ce = {.act = act, .target = &target, .a = &a, .vote = vote};
    cli_path route;
    cli_path_init(&route, act->route);
    json_t *doc = NULL;
    status = cli_store(c, db, &route, &rec, kp, effect, &ce, &doc);
    cli_path_free(&route);
    if (status == CLI_CONTINUE)
        status = print_outcome(c, act, doc);
out_close_db:
    steme_db_close(db);
out_free_key:
    steme_keypair_free(kp);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * vote
 */

static void
fill_vote(steme_record *rec, const steme_keypair *kp, const steme_id *target, const claim_args *a,
          int8_t vote)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = STEME_RECORD_VOTE;
    steme_keypair_public(kp, &rec->vote.agent);
    rec->vote.voted_at = steme_now_ms();
    rec->vote.target = *target;
    rec->vote.value = vote;
    rec->vote.reason = steme_str_c(a->reason);
}

/* Does option text take the next argument as its value ("--reason", "--re", "--key")? */
static bool
takes_value(const char *arg)
{
    static const char *const names[] = {"reason", "key", "db"};
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0' || strchr(arg, '=') != NULL)
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strncmp(names[i], arg + 2, strlen(arg + 2)) == 0)
            return true;
    }
    return false;
}

static int
run_vote(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"reason", required_argument, NULL, OPT_REASON},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    static const claim_action act = {
        .cmd = &cli_cmd_vote,
        .opts = opts,
        .route = "/v1/votes",
        .fill = fill_vote,
        .vote = true,
    };
    /* "-1" looks like an option to getopt: read it as "down" wherever it is an argument
     * rather than the value of an option. */
    char **args = malloc(((size_t)argc + 1) * sizeof(*args));
    if (args == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    bool value_next = false;
    for (int i = 0; i < argc; i++) {
        args[i] = argv[i];
        if (i > 0 && !value_next && strcmp(argv[i], "-1") == 0)
            args[i] = (char *)"down";
        value_next = takes_value(argv[i]);
    }
    args[argc] = NULL;
    int status = act_on_claim(c, &act, argc, args);
    free(args);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * retract and reaffirm
 */

static void
fill_retract(steme_record *rec, const steme_keypair *kp, const steme_id *target,
             const claim_args *a, int8_t vote)
{
    (void)vote;
    cli_event_init(rec, STEME_EVENT_ASSERTION_RETRACT, kp);
    rec->event.target = *target;
    rec->event.reason = steme_str_c(a->reason);
}

static int
run_retract(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"reason", required_argument, NULL, OPT_REASON},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    static const claim_action act = {
        .cmd = &cli_cmd_retract,
        .opts = opts,
        .route = "/v1/retractions",
        .fill = fill_retract,
    };
    return act_on_claim(c, &act, argc, argv);
}

static void
fill_reaffirm(steme_record *rec, const steme_keypair *kp, const steme_id *target,
              const claim_args *a, int8_t vote)
{
    (void)vote;
    cli_event_init(rec, STEME_EVENT_REAFFIRM, kp);
    rec->event.target = *target;
    rec->event.epoch = steme_str_c(a->epoch);
}

static int
need_epoch(cli *c, const claim_args *a)
{
    if (a->epoch == NULL)
        return cli_usage(c, "missing --epoch (the epoch the claim still holds in)");
    return CLI_CONTINUE;
}

static int
run_reaffirm(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"epoch", required_argument, NULL, OPT_EPOCH},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    static const claim_action act = {
        .cmd = &cli_cmd_reaffirm,
        .opts = opts,
        .route = "/v1/reaffirmations",
        .check = need_epoch,
        .fill = fill_reaffirm,
    };
    return act_on_claim(c, &act, argc, argv);
}
