/* SPDX-License-Identifier: MIT */
/*
 * cmd_query.c -- the read side of the command line (DESIGN §6, docs/lenses.md): `steme query`
 * (what is known about a subject through a lens, at any position, with explanations, receipts
 * and what-ifs: a source retracted, an agent distrusted, an epoch superseded), `steme
 * compare-lenses` (every lens side by side on one key) and `steme verify-receipt` (recompute an
 * answer at its position and compare its receipt).
 *
 * All three are thin over steme_db_query: the lens, the grouping and the receipt are the
 * engine's, so that every face gives the same answer. The answers are printed from their JSON
 * documents (views.h), built here in embedded mode and returned by the server's /v1/query,
 * /v1/compare and /v1/receipts/verify in remote mode, whose parameters are the same options.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "record_json.h"
#include "remote.h"
#include "view.h"
#include "views.h"

static int run_query(cli *c, int argc, char **argv);
static int run_compare(cli *c, int argc, char **argv);
static int run_verify(cli *c, int argc, char **argv);

#define LENS_HELP                                                                                  \
    "Lenses (docs/lenses.md): recency, consensus, vote_consensus, authority,\n"                    \
    "trust_authority, skeptic, layered (default chain authority,consensus,recency), or\n"          \
    "layered:L1,L2,... ('-' may stand for '_').\n"

const cli_command cli_cmd_query = {
    .name = "query",
    .summary = "what is known about a subject, through a lens",
    .help =
        "Usage: steme query SUBJECT [PREDICATE] [--lens L] [--as-of SEQ|TIME]\n"
        "                   [--valid-at TIME] [--include-stage S]... [--tier T]...\n"
        "                   [--agent KEY] [--min-support N] [--margin X]\n"
        "                   [--outlier-ratio X] [--minority-share X] [--prefix] [--explain]\n"
        "                   [--what-if-retract SOURCE] [--what-if-distrust KEY]\n"
        "                   [--what-if-supersede-epoch NAME [--what-if-successor NAME]]\n"
        "                   [--alternatives N|all] [--support N|all]\n"
        "                   [--no-cache] [--audit [--asker NAME]]\n"
        "\n"
        "Resolve the claims about SUBJECT (one PREDICATE, or every predicate of it) through a\n"
        "lens. Candidates are the assertions visible at the position, in the stages asked for\n"
        "(active and disputed by default), valid at --valid-at; values are grouped with unit\n"
        "normalisation (0.2 % equals 0.002). Each answer names its winner (or none and why),\n"
        "the alternatives with their weights, the conflict score in [0, 1], the log position\n"
        "and a receipt that 'steme verify-receipt' recomputes.\n"
        "\n" LENS_HELP "\n"
        "Options:\n"
        "  --lens L               the lens (default consensus)\n"
        "  --as-of SEQ|TIME       answer as the store was at log position SEQ, or at the last\n"
        "                         position recorded at or before TIME (RFC 3339)\n"
        "  --valid-at TIME        keep claims whose [valid_from, valid_until) holds TIME\n"
        "  --include-stage S      also consider claims in stage S (retracted, superseded, ...)\n"
        "  --tier T               only claims citing sources of tier T (regulatory, ...,\n"
        "                         unverified); repeat for several tiers\n"
        "  --agent KEY            only claims by the agent with this public key (hex)\n"
        "  --min-support N        distinct agents a winner needs\n"
        "  --margin X             layered: the lead in [0, 1] a lens must win by\n"
        "  --outlier-ratio X      skeptic: a number X times (> 1) away from the weighted\n"
        "                         median is an outlier (default 10)\n"
        "  --minority-share X     skeptic: a value with a share below X in [0, 1] of the\n"
        "                         evidence is a minority report (default 0.25)\n"
        "  --prefix               SUBJECT is a prefix (reads the whole log: slow)\n"
        "  --explain              print each answer's explanation\n"
        "  --alternatives N|all   list the first N alternatives in the lens's order (default\n"
        "                         10; the winner is always named, and listed last when the\n"
        "                         lens ranked it beyond them); \"alternatives_total\" says\n"
        "                         how many there are\n"
        "  --support N|all        --json: list the first N ids of the winner's assertions, by\n"
        "                         log position (default 20); \"support_total\" counts them\n"
        "\n"
        "What-ifs (docs/lenses.md): answer as if something had happened, without writing\n"
        "anything, and list the conclusions (winners) that would change. They combine.\n"
        "  --what-if-retract SRC  as if source SRC were retracted (the real retraction rules,\n"
        "                         cascade included; latest position only)\n"
        "  --what-if-distrust KEY as if the agent with this public key were distrusted: its\n"
        "                         claims are left out, as if quarantined (any position)\n"
        "  --what-if-supersede-epoch NAME\n"
        "                         as if the open epoch NAME were superseded: its claims not\n"
        "                         re-affirmed in the successor are deprecated (latest\n"
        "                         position only)\n"
        "  --what-if-successor NAME\n"
        "                         the successor for --what-if-supersede-epoch (default none:\n"
        "                         no re-affirmation saves a claim)\n"
        "\n"
        "  --no-cache             compute afresh instead of using a materialized view (the\n"
        "                         answer is the same; see docs/lenses.md)\n"
        "  --audit                record the query in the store's audit log ('steme audit'):\n"
        "                         asker, query, position and receipt of each answer\n"
        "  --asker NAME           who is asking, for the audit log\n"
        "\n"
        "Output: per answer, \"key  value\" lines (subject, predicate, winner, reason,\n"
        "conflict, position, lens, receipt) and the alternatives. With --json {\"position\",\n"
        "\"lens\", \"version\", \"answers\": [{\"subject\", \"predicate\", \"winner\" (text or "
        "null),\n"
        "\"reason\", \"reason_text\", \"decided_by\", \"lead\", \"conflict\", \"alternatives\":\n"
        "[{\"value\", \"weight\", \"share\", \"evidence\", \"agents\", \"sources\", "
        "\"assertions\",\n"
        "\"tier\", \"up\", \"down\", \"outlier\"}], \"alternatives_total\", \"support\": [ids],\n"
        "\"support_total\", \"candidates\",\n"
        "\"excluded\": {\"stage\", \"valid_time\", \"filter\"}, \"explanation\", \"receipt\"}],\n"
        "\"what_if\": {\"retract\", \"distrust\", \"supersede_epoch\", \"successor\" (each or "
        "null),\n"
        "\"changed\": [{\"subject\", \"predicate\", \"before\", \"after\"}], \"answers\": "
        "[...]}}:\n"
        "\"answers\" are the query without the what-ifs, what_if.answers with them.\n"
        "\n"
        "Exit status: 0; 1 on a refused query (the message names the field and the rule:\n"
        "unknown lens, bad parameter, a position beyond the log, a time in the future or\n"
        "before the first record, an unknown source, agent or epoch) or no store; 2 on a\n"
        "usage error (a malformed number, key, time, stage or tier).\n"
        "\n"
        "Examples:\n"
        "  steme query drug:atorvastatin adverse_event.myalgia.incidence --lens authority\n"
        "  steme query drug:x dose --lens layered:authority,consensus --as-of 120 --explain\n",
    .run = run_query,
};

const cli_command cli_cmd_compare_lenses = {
    .name = "compare-lenses",
    .summary = "every lens side by side on one subject and predicate",
    .help = "Usage: steme compare-lenses SUBJECT PREDICATE [--as-of SEQ|TIME] [--valid-at TIME]\n"
            "                            [--include-stage S]...\n"
            "\n"
            "Run every lens over the same candidates and show, per lens, the winner (or '-'),\n"
            "its weight, the conflict score (the same for every lens: it measures the\n"
            "evidence, not the lens) and the reason.\n"
            "\n"
            "Output: a table LENS WINNER WEIGHT CONFLICT REASON. With --json {\"position\",\n"
            "\"lenses\": [{\"lens\", \"winner\", \"weight\", \"conflict\", \"reason\",\n"
            "\"explanation\", \"receipt\"}]}.\n"
            "\n"
            "Exit status: 0; 1 on a refused query or no store; 2 on a usage error.\n",
    .run = run_compare,
};

const cli_command cli_cmd_verify_receipt = {
    .name = "verify-receipt",
    .summary = "recompute an answer and compare its receipt",
    .help = "Usage: steme verify-receipt --receipt HEX SUBJECT PREDICATE --lens L --as-of SEQ\n"
            "                            [--valid-at TIME] [--include-stage S]...\n"
            "                            [--min-support N] [--margin X]\n"
            "\n"
            "Recompute the query at log position SEQ, with the same lens, parameters and\n"
            "filters, and compare the receipt (docs/lenses.md, \"Receipts\") with HEX.\n"
            "\n"
            "Output: 'match' or 'mismatch' and the recomputed receipt. With --json\n"
            "{\"match\", \"receipt\", \"position\"}.\n"
            "\n"
            "Exit status: 0 when the receipts match; 1 when they do not (or the query is\n"
            "refused, or no store); 2 on a usage error.\n",
    .run = run_verify,
};

enum {
    OPT_LENS = CLI_OPT_BASE,
    OPT_AS_OF,
    OPT_VALID_AT,
    OPT_EXPLAIN,
    OPT_STAGE,
    OPT_MIN_SUPPORT,
    OPT_MARGIN,
    OPT_PREFIX,
    OPT_WHAT_IF,
    OPT_RECEIPT,
    OPT_NO_CACHE,
    OPT_AUDIT,
    OPT_ASKER,
    OPT_TIER,
    OPT_AGENT,
    OPT_OUTLIER_RATIO,
    OPT_MINORITY_SHARE,
    OPT_WHAT_IF_DISTRUST,
    OPT_WHAT_IF_EPOCH,
    OPT_WHAT_IF_SUCCESSOR,
    OPT_ALTERNATIVES,
    OPT_SUPPORT,
};

static const struct option query_opts[] = {
    {"lens", required_argument, NULL, OPT_LENS},
    {"as-of", required_argument, NULL, OPT_AS_OF},
    {"valid-at", required_argument, NULL, OPT_VALID_AT},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"include-stage", required_argument, NULL, OPT_STAGE},
    {"min-support", required_argument, NULL, OPT_MIN_SUPPORT},
    {"margin", required_argument, NULL, OPT_MARGIN},
    {"prefix", no_argument, NULL, OPT_PREFIX},
    {"what-if-retract", required_argument, NULL, OPT_WHAT_IF},
    {"receipt", required_argument, NULL, OPT_RECEIPT},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"audit", no_argument, NULL, OPT_AUDIT},
    {"asker", required_argument, NULL, OPT_ASKER},
    {"tier", required_argument, NULL, OPT_TIER},
    {"agent", required_argument, NULL, OPT_AGENT},
    {"outlier-ratio", required_argument, NULL, OPT_OUTLIER_RATIO},
    {"minority-share", required_argument, NULL, OPT_MINORITY_SHARE},
    {"what-if-distrust", required_argument, NULL, OPT_WHAT_IF_DISTRUST},
    {"what-if-supersede-epoch", required_argument, NULL, OPT_WHAT_IF_EPOCH},
    {"what-if-successor", required_argument, NULL, OPT_WHAT_IF_SUCCESSOR},
    {"alternatives", required_argument, NULL, OPT_ALTERNATIVES},
    {"support", required_argument, NULL, OPT_SUPPORT},
    {NULL, 0, NULL, 0},
};

typedef struct query_args {
    steme_query q;
    bool explain;
    bool has_receipt;
    bool has_as_of;
    uint8_t receipt[32];
    steme__json_opts opts; /* what an answer lists */
    bool has_opts;         /* --alternatives or --support given */
} query_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    query_args *a = ctx;
    uint64_t u;
    double d;
    int s;

    switch (opt) {
    case OPT_LENS:
        a->q.lens = arg;
        break;
    case OPT_AS_OF:
        /* A bare number is a log position; anything else must be an RFC 3339 time. */
        a->has_as_of = true;
        if (cli_parse_u64(arg, &a->q.as_of)) {
            if (a->q.as_of == 0)
                return cli_usage(c, "--as-of: log positions start at 1");
        } else if (!cli_parse_time(arg, &a->q.as_of_time) || a->q.as_of_time == 0) {
            return cli_usage(c, "--as-of: '%s' is neither a log position nor a time", arg);
        }
        break;
    case OPT_VALID_AT:
        if (!cli_parse_time(arg, &a->q.valid_at))
            return cli_usage(c, "--valid-at: '%s' is not a time", arg);
        a->q.has_valid_at = true;
        break;
    case OPT_EXPLAIN:
        a->explain = true;
        break;
    case OPT_STAGE:
        if ((s = steme_stage_parse(arg)) <= 0)
            return cli_usage(c, "--include-stage: '%s' is not a stage", arg);
        a->q.stages |= STEME_STAGE_BIT(s);
        break;
    case OPT_MIN_SUPPORT:
        if (!cli_parse_u64(arg, &u) || u > UINT32_MAX)
            return cli_usage(c, "--min-support: '%s' is not a count", arg);
        a->q.min_support = (uint32_t)u;
        break;
    case OPT_MARGIN:
        if (!cli_parse_number(arg, &d) || d < 0 || d > 1)
            return cli_usage(c, "--margin: '%s' is not a number in [0, 1]", arg);
        a->q.margin = (uint32_t)(d * 1e6 + 0.5);
        break;
    case OPT_PREFIX:
        a->q.subject_prefix = true;
        break;
    case OPT_WHAT_IF:
        a->q.what_if_retract = steme_str_c(arg);
        break;
    case OPT_RECEIPT:
        if (steme_unhex(arg, a->receipt, 32) != STEME_OK || strlen(arg) != 64)
            return cli_usage(c, "--receipt: '%s' is not 64 hex digits", arg);
        a->has_receipt = true;
        break;
    case OPT_NO_CACHE:
        a->q.no_cache = true;
        break;
    case OPT_AUDIT:
        a->q.audit = true;
        break;
    case OPT_ASKER:
        a->q.asker = steme_str_c(arg);
        break;
    case OPT_TIER:
        if ((s = steme_tier_parse(arg)) <= 0)
            return cli_usage(c, "--tier: '%s' is not a tier", arg);
        a->q.tiers |= STEME_TIER_BIT(s);
        break;
    case OPT_AGENT:
        if (!cli_parse_pubkey(arg, &a->q.agent))
            return cli_usage(c, "--agent: '%s' is not a public key (64 hex digits)", arg);
        a->q.has_agent = true;
        break;
    case OPT_OUTLIER_RATIO:
        /* The engine checks the range (> 1) and names the rule; here only the form. */
        if (!cli_parse_number(arg, &d) || d <= 0 || d > 4000)
            return cli_usage(c, "--outlier-ratio: '%s' is not a ratio in (1, 4000]", arg);
        a->q.outlier_ratio = (uint32_t)(d * 1e6 + 0.5);
        break;
    case OPT_MINORITY_SHARE:
        if (!cli_parse_number(arg, &d) || d <= 0 || d > 1)
            return cli_usage(c, "--minority-share: '%s' is not a number in (0, 1]", arg);
        a->q.minority_share = (uint32_t)(d * 1e6 + 0.5);
        break;
    case OPT_WHAT_IF_DISTRUST:
        if (!cli_parse_pubkey(arg, &a->q.what_if_distrust))
            return cli_usage(c, "--what-if-distrust: '%s' is not a public key (64 hex digits)",
                             arg);
        a->q.has_what_if_distrust = true;
        break;
    case OPT_WHAT_IF_EPOCH:
        a->q.what_if_supersede_epoch = steme_str_c(arg);
        break;
    case OPT_WHAT_IF_SUCCESSOR:
        a->q.what_if_successor = steme_str_c(arg);
        break;
    case OPT_ALTERNATIVES:
    case OPT_SUPPORT:
        if (!steme__json_cap_parse(arg, opt == OPT_ALTERNATIVES ? &a->opts.max_alternatives
                                                                : &a->opts.max_support))
            return cli_usage(c, "--%s: '%s' is neither a count from 0 to %d nor 'all'",
                             opt == OPT_ALTERNATIVES ? "alternatives" : "support", arg,
                             STEME__JSON_CAP_MAX);
        a->has_opts = true;
        break;
    }
    return CLI_CONTINUE;
}

/* Parse options and SUBJECT [PREDICATE]; npos_min/npos_max positional arguments. */
static int
parse(cli *c, const cli_command *cmd, int argc, char **argv, query_args *a, int npos_min)
{
    int first, status;

    memset(a, 0, sizeof(*a));
    steme_query_init(&a->q);
    a->opts = steme__json_opts_default();
    a->q.stages = 0;
    status = cli_args_parse(c, cmd, argc, argv, query_opts, on_option, a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first < npos_min)
        return cli_usage(c, npos_min == 1 ? "missing SUBJECT" : "missing SUBJECT and PREDICATE");
    if (argc - first > 2)
        return cli_usage(c, "expected SUBJECT [PREDICATE]");
    if (a->q.stages != 0)
        a->q.stages |= STEME_STAGES_DEFAULT;
    a->q.subject = steme_str_c(argv[first]);
    if (argc - first == 2)
        a->q.predicate = steme_str_c(argv[first + 1]);
    return CLI_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------
 * Remote mode: the query as the server's parameters (docs/server.md "Queries")
 */

enum { PARAMS_QUERY, PARAMS_COMPARE, PARAMS_VERIFY };

static bool
set_new(json_t *obj, const char *key, json_t *v)
{
    return v != NULL && json_object_set_new(obj, key, v) == 0;
}

static bool
set_ppm(json_t *obj, const char *key, uint32_t ppm)
{
    return ppm == 0 || set_new(obj, key, json_real((double)ppm / 1e6));
}

static bool
set_time(json_t *obj, const char *key, int64_t ms)
{
    char text[32];
    steme__time_format(ms, text);
    return set_new(obj, key, json_string(text));
}

static bool
set_str(json_t *obj, const char *key, steme_str s)
{
    return s.len == 0 || set_new(obj, key, json_stringn(s.ptr, s.len));
}

/* The names of the bits of mask among 1..max, by name(). */
static json_t *
names_of(uint32_t mask, int max, const char *(*name)(int))
{
    json_t *list = json_array();
    for (int i = 1; list != NULL && i <= max; i++) {
        if ((mask & (1u << i)) != 0 && json_array_append_new(list, json_string(name(i))) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static const char *
stage_name(int s)
{
    return steme__fmt_stage((steme_stage)s);
}

static const char *
tier_name(int t)
{
    return steme__fmt_tier((steme_tier)t);
}

/* The parameters of q as the JSON object POST /v1/query takes; what drops those the other
 * routes do not take. The answer always carries explanations, as embedded mode's does. */
static json_t *
query_params(const steme_query *q, int what, const uint8_t receipt[32])
{
    char hex[2 * STEME_PUBKEY_SIZE + 1];
    json_t *j = json_object();
    bool ok =
        j != NULL && set_str(j, "subject", q->subject) && set_str(j, "predicate", q->predicate) &&
        (!q->subject_prefix || what != PARAMS_QUERY || set_new(j, "prefix", json_true())) &&
        (q->lens == NULL || what == PARAMS_COMPARE || set_new(j, "lens", json_string(q->lens))) &&
        (q->min_support == 0 || set_new(j, "min_support", json_integer(q->min_support))) &&
        set_ppm(j, "margin", q->margin) && set_ppm(j, "outlier_ratio", q->outlier_ratio) &&
        set_ppm(j, "minority_share", q->minority_share) &&
        (q->as_of == 0 || what == PARAMS_VERIFY ||
         set_new(j, "as_of", json_integer((json_int_t)q->as_of))) &&
        (q->as_of_time == 0 || what == PARAMS_VERIFY || set_time(j, "as_of_time", q->as_of_time)) &&
        (!q->has_valid_at || set_time(j, "valid_at", q->valid_at)) &&
        (q->stages == 0 ||
         set_new(j, "stages", names_of(q->stages, STEME_STAGE_REJECTED, stage_name))) &&
        (q->tiers == 0 ||
         set_new(j, "tiers", names_of(q->tiers, STEME_TIER_UNVERIFIED, tier_name)));
    if (ok && q->has_agent) {
        steme_hex(q->agent.b, sizeof(q->agent.b), hex);
        ok = set_new(j, "agent", json_string(hex));
    }
    if (ok && what == PARAMS_QUERY) {
        ok = set_new(j, "explain", json_true()) &&
             set_str(j, "what_if_retract", q->what_if_retract) &&
             set_str(j, "what_if_supersede_epoch", q->what_if_supersede_epoch) &&
             set_str(j, "what_if_successor", q->what_if_successor);
        if (ok && q->has_what_if_distrust) {
            steme_hex(q->what_if_distrust.b, sizeof(q->what_if_distrust.b), hex);
            ok = set_new(j, "what_if_distrust", json_string(hex));
        }
    }
    if (ok && q->no_cache && what != PARAMS_VERIFY)
        ok = set_new(j, "no_cache", json_true());
    if (ok && what == PARAMS_VERIFY)
        ok = set_new(j, "position", json_integer((json_int_t)q->as_of)) &&
             set_new(j, "receipt", steme__json_hex(receipt, 32));
    if (!ok) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The parameters as a query string (GET /v1/compare): lists comma-separated. */
static void
params_to_query(const json_t *params, cli_path *path)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)params, key, v)
    {
        char num[32];
        if (json_is_string(v)) {
            cli_path_arg(path, key, json_string_value(v));
        } else if (json_is_integer(v)) {
            snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            cli_path_arg(path, key, num);
        } else if (json_is_real(v)) {
            steme__fmt_real(json_real_value(v), num);
            cli_path_arg(path, key, num);
        } else if (json_is_boolean(v)) {
            cli_path_arg(path, key, json_is_true(v) ? "true" : "false");
        } else if (json_is_array(v)) {
            for (size_t i = 0; i < json_array_size(v); i++)
                cli_path_arg(path, key, json_string_value(json_array_get(v, i)));
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * query
 */

/* One answer (steme__json_answer()) as "key  value" lines and its alternatives. */
static bool
answer_text(const json_t *doc, const json_t *a, bool explain)
{
    char num[32];
    cli_table t;
    const char *winner = cli_jstr(a, "winner"), *reason = cli_jstr(a, "reason");
    const char *reason_text = cli_jstr(a, "reason_text"), *lens = cli_jstr(doc, "lens");
    const char *subject = cli_jstr(a, "subject"), *predicate = cli_jstr(a, "predicate");
    const char *receipt = cli_jstr(a, "receipt");

    cli_table_init(&t, 2);
    steme__fmt_real(cli_jnum(a, "conflict"), num);
    bool ok =
        cli_table_kv(&t, "subject", "%s", subject != NULL ? subject : "") &&
        cli_table_kv(&t, "predicate", "%s", predicate != NULL ? predicate : "") &&
        (winner != NULL ? cli_table_kv(&t, "winner", "%s", winner)
                        : cli_table_kv(&t, "winner", "none (%s: %s)", reason != NULL ? reason : "?",
                                       reason_text != NULL ? reason_text : "")) &&
        cli_table_kv(&t, "conflict", "%s", num) &&
        cli_table_kv(&t, "candidates", "%" PRIu64, cli_ju64(a, "candidates")) &&
        cli_table_kv(&t, "position", "%" PRIu64, cli_ju64(doc, "position")) &&
        cli_table_kv(&t, "lens", "%s v%" PRIu64, lens != NULL ? lens : "?",
                     cli_ju64(doc, "version")) &&
        cli_table_kv(&t, "receipt", "%s", receipt != NULL ? receipt : "");
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);

    const json_t *alts = json_object_get(a, "alternatives");
    cli_table_init(&t, 5);
    const char *head[] = {"  VALUE", "WEIGHT", "SHARE", "AGENTS", "TIER"};
    ok = ok && cli_table_add(&t, head);
    for (size_t i = 0; ok && i < json_array_size(alts); i++) {
        const json_t *alt = json_array_get(alts, i);
        const char *v = cli_jstr(alt, "value"), *tier = cli_jstr(alt, "tier");
        char val[600], w[32], sh[32], ag[24];
        snprintf(val, sizeof(val), "  %s", v != NULL ? v : "?");
        steme__fmt_real(cli_jnum(alt, "weight"), w);
        steme__fmt_real(cli_jnum(alt, "share"), sh);
        snprintf(ag, sizeof(ag), "%" PRIu64, cli_ju64(alt, "agents"));
        const char *row[] = {val, w, sh, ag, tier != NULL ? tier : "?"};
        ok = cli_table_add(&t, row);
    }
    if (ok && json_array_size(alts) > 0)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    uint64_t total = cli_ju64(a, "alternatives_total");
    if (ok && total > json_array_size(alts))
        printf("  ... %" PRIu64 " more (--alternatives all)\n", total - json_array_size(alts));
    const char *explanation = cli_jstr(a, "explanation");
    if (ok && explain) {
        fputs("explanation  ", stdout);
        if (explanation != NULL)
            steme__fmt_put(stdout, explanation, strlen(explanation));
        fputc('\n', stdout);
    }
    return ok;
}

/* What q's what-ifs are, for people: "retracting src:a, distrusting ab12...". */
static void
what_if_describe(const steme_query *q, char *text, size_t cap)
{
    char key[2 * STEME_PUBKEY_SIZE + 1];
    size_t n = 0;

    text[0] = '\0';
    if (q->has_what_if_distrust)
        steme_hex(q->what_if_distrust.b, STEME_PUBKEY_SIZE, key);
    if (q->what_if_retract.len > 0)
        n += (size_t)snprintf(text + n, cap - n, "retracting %s", q->what_if_retract.ptr);
    if (q->has_what_if_distrust && n < cap)
        n += (size_t)snprintf(text + n, cap - n, "%sdistrusting %s", n > 0 ? ", " : "", key);
    if (q->what_if_supersede_epoch.len > 0 && n < cap)
        snprintf(text + n, cap - n, "%ssuperseding %s by %s", n > 0 ? ", " : "",
                 q->what_if_supersede_epoch.ptr,
                 q->what_if_successor.len > 0 ? q->what_if_successor.ptr : "none");
}

/* Print the conclusions the what-ifs change (what_if.changed of steme__json_what_if()). */
static void
what_if_changes(const steme_query *q, const json_t *what_if)
{
    char text[1024];

    what_if_describe(q, text, sizeof(text));
    printf("what-if: %s\n", text);
    const json_t *changed = json_object_get(what_if, "changed");
    for (size_t i = 0; i < json_array_size(changed); i++) {
        const json_t *ch = json_array_get(changed, i);
        const char *subject = cli_jstr(ch, "subject"), *predicate = cli_jstr(ch, "predicate");
        const char *x = cli_jstr(ch, "before"), *y = cli_jstr(ch, "after");
        fputs("  ", stdout);
        if ((q->predicate.len == 0 || q->subject_prefix) && subject != NULL) {
            steme__fmt_put(stdout, subject, strlen(subject));
            fputc(' ', stdout);
        }
        if (predicate != NULL)
            steme__fmt_put(stdout, predicate, strlen(predicate));
        printf(": %s -> %s\n", x != NULL ? x : "?", y != NULL ? y : "?");
    }
    if (json_array_size(changed) == 0)
        puts("  no conclusion would change");
}

/* The result document of q (steme__json_result()), computed by the store. */
static int
query_doc(cli *c, const steme_query *q, const steme__json_opts *o, json_t **ret)
{
    /* A what-if retraction or supersession runs the real rules in a write transaction that is
     * then aborted: it writes nothing, but needs a store opened for writing. The audit
     * appends to the store: it needs a writable store too. */
    bool writable = q->what_if_retract.len > 0 || q->what_if_supersede_epoch.len > 0 || q->audit;
    steme_db *db = NULL;
    int status = cli_db_open(c, !writable, &db);
    if (status != CLI_CONTINUE)
        return status;
    steme_result *r = NULL;
    steme_errinfo ei = {0};
    int err = steme_db_query(db, q, &r, &ei);
    if (err != STEME_OK) {
        steme_db_close(db);
        return cli_error(c, err, &ei, NULL);
    }
    *ret = steme__json_result(q, r, o);
    steme_result_free(r);
    steme_db_close(db);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* A cap as the server takes it: a count, or "all". */
static json_t *
cap_json(size_t cap)
{
    return cap == SIZE_MAX ? json_string("all") : json_integer((json_int_t)cap);
}

/* The same through the server: POST /v1/query. */
static int
remote_query(cli *c, const query_args *a, json_t **ret)
{
    const steme_query *q = &a->q;
    if (q->audit)
        return cli_usage(c, "--audit: in remote mode the server decides what it audits "
                            "(STEMEDB_AUDIT_QUERIES)");
    json_t *params = query_params(q, PARAMS_QUERY, NULL);
    if (params != NULL && a->has_opts &&
        (!set_new(params, "alternatives", cap_json(a->opts.max_alternatives)) ||
         !set_new(params, "support", cap_json(a->opts.max_support)))) {
        json_decref(params);
        params = NULL;
    }
    if (params == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    cli_path path;
    cli_path_init(&path, "/v1/query");
    int status = cli_remote_post(c, &path, params, ret);
    cli_path_free(&path);
    json_decref(params);
    return status;
}

static int
run_query(cli *c, int argc, char **argv)
{
    query_args a;
    int status = parse(c, &cli_cmd_query, argc, argv, &a, 1);
    if (status != CLI_CONTINUE)
        return status;
    if (a.q.asker.len > 0 && !a.q.audit)
        return cli_usage(c, "--asker goes with --audit");
    if (a.q.what_if_successor.len > 0 && a.q.what_if_supersede_epoch.len == 0)
        return cli_usage(c, "--what-if-successor goes with --what-if-supersede-epoch");
    json_t *doc = NULL;
    status = cli_remote(c) ? remote_query(c, &a, &doc) : query_doc(c, &a.q, &a.opts, &doc);
    if (status != CLI_CONTINUE)
        return status;
    if (c->json)
        return cli_finish(c, cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL);
    /* The main answers are the query's own; a what-if's are listed as changes. */
    const json_t *answers = json_object_get(doc, "answers");
    bool ok = true;
    if (json_array_size(answers) == 0)
        puts("no claims");
    for (size_t i = 0; ok && i < json_array_size(answers); i++) {
        if (i > 0)
            fputc('\n', stdout);
        ok = answer_text(doc, json_array_get(answers, i), a.explain);
    }
    const json_t *what_if = json_object_get(doc, "what_if");
    if (ok && what_if != NULL) {
        fputc('\n', stdout);
        what_if_changes(&a.q, what_if);
    }
    json_decref(doc);
    return cli_finish(c, ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL));
}

/* ---------------------------------------------------------------------------------------------
 * compare-lenses
 */

static const char *const all_lenses[] = {
    "recency", "consensus", "vote_consensus", "authority", "trust_authority", "skeptic", "layered",
};

#define N_LENSES (sizeof(all_lenses) / sizeof(all_lenses[0]))

/* The comparison document (steme__json_compare()), computed by the store. */
static int
compare_doc(cli *c, query_args *a, json_t **ret)
{
    steme_result *rs[N_LENSES] = {NULL};
    steme_db *db = NULL;
    int status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    for (size_t i = 0; i < N_LENSES && status == CLI_CONTINUE; i++) {
        steme_errinfo ei = {0};
        a->q.lens = all_lenses[i];
        int err = steme_db_query(db, &a->q, &rs[i], &ei);
        if (err != STEME_OK) {
            status = cli_error(c, err, &ei, "lens %s", all_lenses[i]);
            break;
        }
        /* Pin every lens to the first one's position: a write in between must not make the
         * lenses disagree about what they saw. */
        a->q.as_of = steme_result_position(rs[i]);
        a->q.as_of_time = 0;
    }
    steme_db_close(db);
    if (status == CLI_CONTINUE &&
        (*ret = steme__json_compare((const steme_result *const *)rs, N_LENSES)) == NULL)
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < N_LENSES; i++)
        steme_result_free(rs[i]);
    return status;
}

/* The same through the server: GET /v1/compare. */
static int
remote_compare(cli *c, const query_args *a, json_t **ret)
{
    json_t *params = query_params(&a->q, PARAMS_COMPARE, NULL);
    if (params == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    cli_path path;
    cli_path_init(&path, "/v1/compare");
    params_to_query(params, &path);
    json_decref(params);
    int status = cli_remote_get(c, &path, ret, NULL);
    cli_path_free(&path);
    return status;
}

/* The table LENS WINNER WEIGHT CONFLICT REASON of a comparison document. */
static bool
print_compare(const json_t *doc)
{
    cli_table t;
    cli_table_init(&t, 5);
    const char *head[] = {"LENS", "WINNER", "WEIGHT", "CONFLICT", "REASON"};
    bool ok = cli_table_add(&t, head);
    const json_t *lenses = json_object_get(doc, "lenses");
    for (size_t i = 0; ok && i < json_array_size(lenses); i++) {
        const json_t *l = json_array_get(lenses, i);
        const char *lens = cli_jstr(l, "lens"), *winner = cli_jstr(l, "winner");
        const char *reason = cli_jstr(l, "reason");
        char weight[32], conflict[32];
        steme__fmt_real(cli_jnum(l, "weight"), weight);
        steme__fmt_real(cli_jnum(l, "conflict"), conflict);
        const char *row[] = {lens != NULL ? lens : "?", winner != NULL ? winner : "-",
                             winner != NULL ? weight : "-", conflict, reason != NULL ? reason : ""};
        ok = cli_table_add(&t, row);
    }
    if (ok) {
        printf("position  %" PRIu64 "\n", cli_ju64(doc, "position"));
        cli_table_print(&t, stdout);
    }
    cli_table_free(&t);
    return ok;
}

static int
run_compare(cli *c, int argc, char **argv)
{
    query_args a;
    int status = parse(c, &cli_cmd_compare_lenses, argc, argv, &a, 2);
    if (status != CLI_CONTINUE)
        return status;
    if (a.has_opts)
        return cli_usage(c, "--alternatives and --support go with 'steme query'");
    json_t *doc = NULL;
    status = cli_remote(c) ? remote_compare(c, &a, &doc) : compare_doc(c, &a, &doc);
    if (status != CLI_CONTINUE)
        return status;
    if (c->json)
        return cli_finish(c, cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL);
    bool ok = print_compare(doc);
    json_decref(doc);
    return cli_finish(c, ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL));
}

/* ---------------------------------------------------------------------------------------------
 * verify-receipt
 */

/* The check document (steme__json_receipt_check()), computed by the store. */
static int
verify_doc(cli *c, const query_args *a, json_t **ret)
{
    steme_errinfo ei = {0};
    steme_db *db = NULL;
    uint8_t again[32];
    bool match = false;
    int status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    int err = steme_db_verify_receipt(db, &a->q, a->q.as_of, a->receipt, &match, again, &ei);
    steme_db_close(db);
    if (err != STEME_OK)
        return cli_error(c, err, &ei, NULL);
    *ret = steme__json_receipt_check(match, again, a->q.as_of);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* The same through the server: POST /v1/receipts/verify. */
static int
remote_verify(cli *c, const query_args *a, json_t **ret)
{
    json_t *params = query_params(&a->q, PARAMS_VERIFY, a->receipt);
    if (params == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    cli_path path;
    cli_path_init(&path, "/v1/receipts/verify");
    int status = cli_remote_post(c, &path, params, ret);
    cli_path_free(&path);
    json_decref(params);
    return status;
}

static int
run_verify(cli *c, int argc, char **argv)
{
    query_args a;
    int status = parse(c, &cli_cmd_verify_receipt, argc, argv, &a, 2);
    if (status != CLI_CONTINUE)
        return status;
    if (a.has_opts)
        return cli_usage(c, "--alternatives and --support go with 'steme query'");
    if (!a.has_receipt)
        return cli_usage(c, "missing --receipt HEX");
    if (a.q.as_of == 0)
        return cli_usage(c, "missing --as-of SEQ (the position the receipt names)");
    json_t *doc = NULL;
    status = cli_remote(c) ? remote_verify(c, &a, &doc) : verify_doc(c, &a, &doc);
    if (status != CLI_CONTINUE)
        return status;
    bool match = json_is_true(json_object_get(doc, "match"));
    if (c->json) {
        cli_json_doc(c, doc);
    } else {
        const char *receipt = cli_jstr(doc, "receipt");
        printf("%s\nreceipt  %s\n", match ? "match" : "mismatch", receipt != NULL ? receipt : "");
        json_decref(doc);
    }
    return cli_finish(c, match ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
