/* SPDX-License-Identifier: MIT */
/*
 * cmd_query.c -- the read side of the command line (DESIGN §6, docs/lenses.md): `steme query`
 * (what is known about a subject through a lens, at any position, with explanations, receipts
 * and what-ifs: a source retracted, an agent distrusted, an epoch superseded), `steme
 * compare-lenses` (every lens side by side on one key) and `steme verify-receipt` (recompute an
 * answer at its position and compare its receipt).
 *
 * All three are thin over steme_db_query: the lens, the grouping and the receipt are the
 * engine's, so that every face gives the same answer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

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
        "\"tier\", \"up\", \"down\", \"outlier\"}], \"support\": [ids], \"candidates\",\n"
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
    {NULL, 0, NULL, 0},
};

typedef struct query_args {
    steme_query q;
    bool explain;
    bool has_receipt;
    bool has_as_of;
    uint8_t receipt[32];
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

static void
hex32(const uint8_t b[32], char out[65])
{
    steme_hex(b, 32, out);
}

static void
answer_text(const steme_result *r, const steme_answer *a, bool explain)
{
    char hex[65], num[32];
    cli_table t;

    cli_table_init(&t, 2);
    cli_table_kv(&t, "subject", "%.*s", (int)a->subject.len, a->subject.ptr);
    cli_table_kv(&t, "predicate", "%.*s", (int)a->predicate.len, a->predicate.ptr);
    if (a->has_winner) {
        char *w = steme__fmt_value(&a->alternatives[a->winner].value);
        cli_table_kv(&t, "winner", "%s", w != NULL ? w : "?");
        free(w);
    } else {
        cli_table_kv(&t, "winner", "none (%s: %s)", a->reason, a->reason_text);
    }
    steme__fmt_real(a->conflict, num);
    cli_table_kv(&t, "conflict", "%s", num);
    cli_table_kv(&t, "candidates", "%zu", a->n_candidates);
    cli_table_kv(&t, "position", "%" PRIu64, steme_result_position(r));
    cli_table_kv(&t, "lens", "%s v%u", steme_result_lens(r), steme_result_lens_version(r));
    hex32(a->receipt, hex);
    cli_table_kv(&t, "receipt", "%s", hex);
    cli_table_print(&t, stdout);
    cli_table_free(&t);

    cli_table_init(&t, 5);
    const char *head[] = {"  VALUE", "WEIGHT", "SHARE", "AGENTS", "TIER"};
    cli_table_add(&t, head);
    for (size_t i = 0; i < a->n_alternatives; i++) {
        const steme_alternative *alt = &a->alternatives[i];
        char *v = steme__fmt_value(&alt->value), val[600], w[32], s[32], ag[16];
        snprintf(val, sizeof(val), "  %s", v != NULL ? v : "?");
        free(v);
        steme__fmt_real(alt->weight, w);
        steme__fmt_real(alt->share, s);
        snprintf(ag, sizeof(ag), "%u", alt->agents);
        const char *row[] = {val, w, s, ag, steme_tier_name(alt->best_tier)};
        cli_table_add(&t, row);
    }
    if (a->n_alternatives > 0)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    if (explain) {
        fputs("explanation  ", stdout);
        steme__fmt_put(stdout, a->explanation, strlen(a->explanation));
        fputc('\n', stdout);
    }
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

/* Print the conclusions the what-ifs of wi change (the engine compares each answer with its
 * baseline); the JSON form is steme__json_what_if(). */
static void
what_if_changes(const steme_query *q, const steme_result *wi)
{
    char text[1024];

    what_if_describe(q, text, sizeof(text));
    printf("what-if: %s\n", text);
    for (size_t i = 0; i < steme_result_count(wi); i++) {
        const steme_answer *a = steme_result_answer(wi, i);
        if (!a->changed)
            continue;
        char *x = a->baseline_has_winner ? steme__fmt_value(&a->baseline_winner) : strdup("none");
        char *y =
            a->has_winner ? steme__fmt_value(&a->alternatives[a->winner].value) : strdup("none");
        fputs("  ", stdout);
        if (q->predicate.len == 0 || q->subject_prefix) {
            steme__fmt_put(stdout, a->subject.ptr, a->subject.len);
            fputc(' ', stdout);
        }
        steme__fmt_put(stdout, a->predicate.ptr, a->predicate.len);
        printf(": %s -> %s\n", x != NULL ? x : "?", y != NULL ? y : "?");
        free(x);
        free(y);
    }
    if (steme_result_changed(wi) == 0)
        puts("  no conclusion would change");
}

static int
run_query(cli *c, int argc, char **argv)
{
    query_args a;
    int status = parse(c, &cli_cmd_query, argc, argv, &a, 1);
    steme_result *r = NULL;
    const steme_result *base;
    steme_errinfo ei = {0};
    steme_db *db = NULL;
    bool writable;
    int err;

    if (status != CLI_CONTINUE)
        return status;
    if (a.q.asker.len > 0 && !a.q.audit)
        return cli_usage(c, "--asker goes with --audit");
    if (a.q.what_if_successor.len > 0 && a.q.what_if_supersede_epoch.len == 0)
        return cli_usage(c, "--what-if-successor goes with --what-if-supersede-epoch");
    /* A what-if retraction or supersession runs the real rules in a write transaction that is
     * then aborted: it writes nothing, but needs a store opened for writing. The audit
     * appends to the store: it needs a writable store too. */
    writable = a.q.what_if_retract.len > 0 || a.q.what_if_supersede_epoch.len > 0 || a.q.audit;
    if ((status = cli_db_open(c, !writable, &db)) != CLI_CONTINUE)
        return status;
    err = steme_db_query(db, &a.q, &r, &ei);
    if (err != STEME_OK) {
        steme_db_close(db);
        return cli_error(c, err, &ei, NULL);
    }
    /* The main answers are the query's own; a what-if's are listed as changes. */
    base = steme_result_what_if(r) ? steme_result_baseline(r) : r;
    if (c->json) {
        status = cli_json_doc(c, steme__json_result(&a.q, r)) == CLI_CONTINUE ? CLI_EXIT_OK
                                                                              : CLI_EXIT_FAIL;
    } else {
        if (steme_result_count(base) == 0)
            puts("no claims");
        for (size_t i = 0; i < steme_result_count(base); i++) {
            if (i > 0)
                fputc('\n', stdout);
            answer_text(base, steme_result_answer(base, i), a.explain);
        }
        if (steme_result_what_if(r)) {
            fputc('\n', stdout);
            what_if_changes(&a.q, r);
        }
        status = CLI_EXIT_OK;
    }
    steme_result_free(r);
    steme_db_close(db);
    return cli_finish(c, status);
}

static const char *const all_lenses[] = {
    "recency", "consensus", "vote_consensus", "authority", "trust_authority", "skeptic", "layered",
};

#define N_LENSES (sizeof(all_lenses) / sizeof(all_lenses[0]))

/* One lens's row of the comparison table: LENS WINNER WEIGHT CONFLICT REASON. */
static bool
lens_row(cli_table *t, const steme_result *r)
{
    const steme_answer *ans = steme_result_answer(r, 0);
    char *w = ans->has_winner ? steme__fmt_value(&ans->alternatives[ans->winner].value) : NULL;
    char weight[32], conflict[32];
    steme__fmt_real(ans->has_winner ? ans->alternatives[ans->winner].weight : 0, weight);
    steme__fmt_real(ans->conflict, conflict);
    const char *row[] = {steme_result_lens(r), w != NULL ? w : "-", ans->has_winner ? weight : "-",
                         conflict, ans->reason};
    bool ok = cli_table_add(t, row);
    free(w);
    return ok;
}

static int
print_compare(cli *c, const steme_result *const *rs)
{
    if (c->json)
        return cli_json_doc(c, steme__json_compare(rs, N_LENSES)) == CLI_CONTINUE ? CLI_EXIT_OK
                                                                                  : CLI_EXIT_FAIL;
    cli_table t;
    cli_table_init(&t, 5);
    const char *head[] = {"LENS", "WINNER", "WEIGHT", "CONFLICT", "REASON"};
    bool ok = cli_table_add(&t, head);
    for (size_t i = 0; ok && i < N_LENSES; i++)
        ok = lens_row(&t, rs[i]);
    if (ok) {
        printf("position  %" PRIu64 "\n", steme_result_position(rs[N_LENSES - 1]));
        cli_table_print(&t, stdout);
    }
    cli_table_free(&t);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

static int
run_compare(cli *c, int argc, char **argv)
{
    query_args a;
    int status = parse(c, &cli_cmd_compare_lenses, argc, argv, &a, 2);
    steme_result *rs[N_LENSES] = {NULL};
    steme_db *db = NULL;

    if (status != CLI_CONTINUE)
        return status;
    if ((status = cli_db_open(c, true, &db)) != CLI_CONTINUE)
        return status;
    for (size_t i = 0; i < N_LENSES && status == CLI_CONTINUE; i++) {
        steme_errinfo ei = {0};
        a.q.lens = all_lenses[i];
        int err = steme_db_query(db, &a.q, &rs[i], &ei);
        if (err != STEME_OK) {
            status = cli_error(c, err, &ei, "lens %s", all_lenses[i]);
            break;
        }
        /* Pin every lens to the first one's position: a write in between must not make the
         * lenses disagree about what they saw. */
        a.q.as_of = steme_result_position(rs[i]);
        a.q.as_of_time = 0;
    }
    steme_db_close(db);
    if (status == CLI_CONTINUE)
        status = cli_finish(c, print_compare(c, (const steme_result *const *)rs));
    for (size_t i = 0; i < N_LENSES; i++)
        steme_result_free(rs[i]);
    return status;
}

static int
run_verify(cli *c, int argc, char **argv)
{
    query_args a;
    int status = parse(c, &cli_cmd_verify_receipt, argc, argv, &a, 2);
    steme_errinfo ei = {0};
    steme_db *db = NULL;
    uint8_t again[32];
    bool match = false;
    char hex[65];

    if (status != CLI_CONTINUE)
        return status;
    if (!a.has_receipt)
        return cli_usage(c, "missing --receipt HEX");
    if (a.q.as_of == 0)
        return cli_usage(c, "missing --as-of SEQ (the position the receipt names)");
    if ((status = cli_db_open(c, true, &db)) != CLI_CONTINUE)
        return status;
    int err = steme_db_verify_receipt(db, &a.q, a.q.as_of, a.receipt, &match, again, &ei);
    steme_db_close(db);
    if (err != STEME_OK)
        return cli_error(c, err, &ei, NULL);
    if (c->json) {
        cli_json_doc(c, steme__json_receipt_check(match, again, a.q.as_of));
    } else {
        hex32(again, hex);
        printf("%s\nreceipt  %s\n", match ? "match" : "mismatch", hex);
    }
    return cli_finish(c, match ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}
