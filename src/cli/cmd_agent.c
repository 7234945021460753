/* SPDX-License-Identifier: MIT */
/*
 * cmd_agent.c -- agents: `steme trust show` (learned trust and the evidence behind it) and
 * `steme agent set|show` (display names and roles).
 *
 * An agent is its public key. Its profile is the latest agent_profile event about it, and an
 * event carries the whole profile: `agent set` therefore starts from the current name and role
 * and changes only what the flags say, so that naming an editor does not silently take its
 * role away (the store applies an admin's profile as written, role included).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "signing.h"
#include "view.h"

static int run_trust(cli *c, int argc, char **argv);
static int run_trust_show(cli *c, int argc, char **argv);
static int run_agent(cli *c, int argc, char **argv);
static int run_agent_set(cli *c, int argc, char **argv);
static int run_agent_show(cli *c, int argc, char **argv);

static const cli_subcommand trust_subs[] = {
    {"show", "trust show", run_trust_show},
    {NULL, NULL, NULL},
};

static const cli_subcommand agent_subs[] = {
    {"set", "agent set", run_agent_set},
    {"show", "agent show", run_agent_show},
    {NULL, NULL, NULL},
};

#define AGENT_JSON_HELP                                                                            \
    "{\"key\", \"name\" (null when none), \"role\" (none, editor or admin), \"profile_seq\"\n"     \
    "(null when none), \"trust\", \"alpha\", \"beta\", \"evidence\", \"assertions\", \"votes\",\n" \
    "\"events\", \"quarantined\", \"rejections\"}"

const cli_command cli_cmd_trust = {
    .name = "trust",
    .summary = "show agents' learned trust and the evidence behind it",
    .help = "Usage: steme trust show [KEY] [--as-of SEQ]\n"
            "\n"
            "Show the trust the store has learned for the agent KEY (a public key, 64 hex\n"
            "digits), or for every agent it has seen. Trust is the expected reliability of a\n"
            "Beta(alpha, beta) reputation, trust = alpha / (alpha + beta), learned from the\n"
            "evidence -- agreement with gold standards and with settled consensus, and how an\n"
            "agent's votes held up -- with old evidence decaying toward the prior, so that a\n"
            "troll's trust falls fast and stays down while an honest newcomer can earn it.\n"
            "An agent never seen has the prior (0.5). Assertions by agents whose trust is\n"
            "below the quarantine threshold go to quarantine (docs/trust.md).\n"
            "\n"
            "Options:\n"
            "  --as-of SEQ   trust (TRUST, ALPHA, BETA) as it was when the log ended at SEQ,\n"
            "                reproducible: the same SEQ always gives the same numbers. The\n"
            "                other columns are as they are now. Without KEY, only agents that\n"
            "                had signed a record by then are listed.\n"
            "\n"
            "Columns: KEY (first 12 hex digits; 'steme agent show KEY' gives all), NAME, ROLE,\n"
            "TRUST, ALPHA and BETA (the Beta pseudo-counts), EVIDENCE (observations so far),\n"
            "ASSERTIONS, VOTES, EVENTS, QUARANTINED (assertions that went to quarantine) and\n"
            "REJECTIONS (records refused at ingest since this store was opened; not kept in\n"
            "the log, so always 0 from the command line).\n"
            "\n"
            "Output: \"key  value\" lines for one agent, a table for all; with --json one\n"
            "object for KEY, else JSON Lines, one per agent:\n" AGENT_JSON_HELP ".\n"
            "\n"
            "Exit status: 0 on success; 1 when there is no store; 2 on a usage error (a KEY\n"
            "that is not 64 hex digits, --as-of 0).\n"
            "\n"
            "Examples:\n"
            "  steme trust show\n"
            "  steme trust show $(awk '$1 == \"public\" {print $2}' me.key) --as-of 1200\n",
    .run = run_trust,
    .subs = trust_subs,
};

const cli_command cli_cmd_agent = {
    .name = "agent",
    .summary = "set and show agents' display names and roles",
    .help =
        "Usage: steme agent set KEY [--name N] [--role none|editor|admin] [--key FILE]\n"
        "       steme agent show KEY\n"
        "\n"
        "An agent is its public key KEY (64 hex digits). Its profile -- a display name and\n"
        "a role -- comes from agent_profile events:\n"
        "  none     asserts, votes, supersedes, retracts and re-affirms its own claims\n"
        "  editor   also supersedes, retracts and re-affirms other agents' claims\n"
        "  admin    also registers and retracts sources, opens and supersedes epochs,\n"
        "           sets gold standards, decides quarantine and grants roles\n"
        "\n"
        "set    sign and store an agent_profile event for KEY. What --name and --role do\n"
        "       not change is carried over from the current profile. An agent may set its\n"
        "       own name; setting a role, or another agent's profile, needs an admin's key.\n"
        "       --name '' removes the name.\n"
        "show   the agent's profile, counts and trust (as 'steme trust show KEY')\n"
        "\n"
        "Options:\n"
        "  --name N     the display name (up to 128 bytes)\n"
        "  --role ROLE  none, editor or admin\n"
        "  --key FILE   the signing key. Default: with --role, the admin key\n"
        "               ($STEME_ADMIN_KEY_FILE, else DIR/admin.key); without, the agent's\n"
        "               own key ($STEME_KEY_FILE, else ./steme.key)\n"
        "\n"
        "Output: set prints the event's id, seq and status, then the agent's key, name and\n"
        "role as they now are; with --quiet the event's id alone; with --json {\"id\",\n"
        "\"seq\", \"status\", \"agent\", \"name\", \"role\"}. show prints \"key  value\" lines;\n"
        "with --json " AGENT_JSON_HELP ".\n"
        "\n"
        "Exit status: 0 on success; 1 when the event was refused (\"steme: agent set:\n"
        "FIELD: RULE\"), the key could not be loaded or there is no store; 2 on a usage\n"
        "error.\n"
        "\n"
        "Examples:\n"
        "  steme agent set $(awk '$1 == \"public\" {print $2}' me.key) --name 'Ada' \\\n"
        "      --key me.key\n"
        "  steme agent set 3b6a...0f --role editor\n",
    .run = run_agent,
    .subs = agent_subs,
};

enum {
    OPT_KEY = CLI_OPT_BASE,
    OPT_AS_OF,
    OPT_NAME,
    OPT_ROLE,
};

typedef struct agent_args {
    const char *key_file;
    const char *name;
    int role; /* -1: not given */
    bool has_as_of;
    uint64_t as_of;
} agent_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    agent_args *a = ctx;
    switch (opt) {
    case OPT_KEY:
        a->key_file = arg;
        break;
    case OPT_AS_OF:
        if (!cli_parse_u64(arg, &a->as_of))
            return cli_usage(c, "--as-of: '%s' is not a log position", arg);
        if (a->as_of == 0)
            return cli_usage(c, "--as-of: log positions count from 1");
        a->has_as_of = true;
        break;
    case OPT_NAME:
        a->name = arg;
        break;
    case OPT_ROLE:
        a->role = strcmp(arg, "none") == 0 ? STEME_ROLE_NONE : steme_role_parse(arg);
        if (a->role < 0 || (a->role == STEME_ROLE_NONE && strcmp(arg, "none") != 0))
            return cli_usage(c, "--role: '%s' is not none, editor or admin", arg);
        break;
    }
    return CLI_CONTINUE;
}

static int
run_trust(cli *c, int argc, char **argv)
{
    return cli_dispatch(c, &cli_cmd_trust, argc, argv);
}

static int
run_agent(cli *c, int argc, char **argv)
{
    return cli_dispatch(c, &cli_cmd_agent, argc, argv);
}

/* Parse the options and at most (or, with required, exactly) one KEY. */
static int
parse(cli *c, const cli_command *cmd, int argc, char **argv, const struct option *opts,
      agent_args *a, bool required, steme_pubkey *key, bool *has_key)
{
    int first;
    int status = cli_args_parse(c, cmd, argc, argv, opts, on_option, a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first > 1)
        return cli_usage(c, "unexpected argument '%s'", argv[first + 1]);
    *has_key = argc - first == 1;
    if (!*has_key)
        return required ? cli_usage(c, "missing the agent's KEY (a public key)") : CLI_CONTINUE;
    if (!cli_parse_pubkey(argv[first], key))
        return cli_usage(c, "'%s' is not a public key (64 hex digits)", argv[first]);
    return CLI_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------
 * An agent's profile, counts and trust
 */

typedef struct agent_view {
    steme_agent_info info;
    char *name; /* NULL when none */
} agent_view;

/* Read the display name from the agent's latest profile event. */
static int
load_name(cli *c, steme_db *db, agent_view *v)
{
    v->name = NULL;
    if (v->info.profile_seq == 0)
        return CLI_CONTINUE;
    steme_entry *e = NULL;
    int err = steme_db_get_seq(db, v->info.profile_seq, &e);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the profile at seq %" PRIu64, v->info.profile_seq);
    steme_str name =
        e->record.kind == STEME_RECORD_EVENT ? e->record.event.display_name : (steme_str){0};
    if (name.len > 0 && (v->name = strndup(name.ptr, name.len)) == NULL) {
        steme_entry_free(e);
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    steme_entry_free(e);
    return CLI_CONTINUE;
}

static int
print_agent(cli *c, const agent_view *v)
{
    if (c->json)
        return cli_json_doc(c, steme__json_agent(&v->info, v->name)) == CLI_CONTINUE
                   ? CLI_EXIT_OK
                   : CLI_EXIT_FAIL;
    const steme_agent_info *a = &v->info;
    char key[2 * STEME_PUBKEY_SIZE + 1];
    steme_hex(a->key.b, sizeof(a->key.b), key);
    cli_table t;
    cli_table_init(&t, 2);
    bool ok =
        cli_table_kv(&t, "key", "%s", key) &&
        cli_table_kv(&t, "name", "%s", v->name != NULL ? v->name : "") &&
        cli_table_kv(&t, "role", "%s", steme__fmt_role(a->role)) &&
        (a->profile_seq == 0 || cli_table_kv(&t, "profile_seq", "%" PRIu64, a->profile_seq)) &&
        cli_table_kv(&t, "trust", "%.3f", a->trust) &&
        cli_table_kv(&t, "alpha", "%.3f", a->alpha) && cli_table_kv(&t, "beta", "%.3f", a->beta) &&
        cli_table_kv(&t, "evidence", "%" PRIu64, a->evidence) &&
        cli_table_kv(&t, "assertions", "%" PRIu64, a->assertions) &&
        cli_table_kv(&t, "votes", "%" PRIu64, a->votes) &&
        cli_table_kv(&t, "events", "%" PRIu64, a->events) &&
        cli_table_kv(&t, "quarantined", "%" PRIu64, a->quarantined) &&
        cli_table_kv(&t, "rejections", "%" PRIu64, a->rejections);
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* One agent, with its name. as_of 0: now. */
static int
show_one(cli *c, steme_db *db, const steme_pubkey *key, uint64_t as_of)
{
    agent_view v;
    int err = steme_db_agent(db, key, as_of, &v.info);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the agent");
    int status = load_name(c, db, &v);
    if (status != CLI_CONTINUE)
        return status;
    status = print_agent(c, &v);
    free(v.name);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * trust show
 */

typedef struct agent_list {
    steme_agent_info *items;
    size_t n, cap;
    bool oom;
} agent_list;

static int
collect(const steme_agent_info *a, void *ctx)
{
    agent_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        steme_agent_info *grown = realloc(l->items, cap * sizeof(*grown));
        if (grown == NULL) {
            l->oom = true;
            return 1;
        }
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n++] = *a;
    return 0;
}

static bool
agent_row(cli_table *t, const agent_view *v)
{
    const steme_agent_info *a = &v->info;
    char key[2 * STEME_PUBKEY_SIZE + 1], trust[16], alpha[24], beta[24], evidence[24],
        assertions[24], votes[24], events[24], quarantined[24], rejections[24];
    steme_hex(a->key.b, sizeof(a->key.b), key);
    key[CLI_SHORT_ID] = '\0';
    snprintf(trust, sizeof(trust), "%.3f", a->trust);
    snprintf(alpha, sizeof(alpha), "%.2f", a->alpha);
    snprintf(beta, sizeof(beta), "%.2f", a->beta);
    snprintf(evidence, sizeof(evidence), "%" PRIu64, a->evidence);
    snprintf(assertions, sizeof(assertions), "%" PRIu64, a->assertions);
    snprintf(votes, sizeof(votes), "%" PRIu64, a->votes);
    snprintf(events, sizeof(events), "%" PRIu64, a->events);
    snprintf(quarantined, sizeof(quarantined), "%" PRIu64, a->quarantined);
    snprintf(rejections, sizeof(rejections), "%" PRIu64, a->rejections);
    const char *row[] = {key,
                         v->name != NULL ? v->name : "-",
                         steme__fmt_role(a->role),
                         trust,
                         alpha,
                         beta,
                         evidence,
                         assertions,
                         votes,
                         events,
                         quarantined,
                         rejections};
    return cli_table_add(t, row);
}

static int
found(const steme_entry *e, void *ctx)
{
    (void)e;
    *(bool *)ctx = true;
    return 1;
}

/* Had pk signed any record at or before as_of? */
static steme_err
signed_by(steme_db *db, const steme_pubkey *pk, uint64_t as_of, bool *ret)
{
    steme_list_options opts = {
        .index = STEME_INDEX_AGENT, .agent = *pk, .as_of = as_of, .limit = 1};
    *ret = false;
    return steme_db_list(db, &opts, found, ret);
}

/* Every agent: collected first, since each row needs further reads (trust as of a log
 * position, the display name). */
static int
show_all(cli *c, steme_db *db, uint64_t as_of)
{
    agent_list l = {0};
    int err = steme_db_agents(db, collect, &l);
    if (err == STEME_OK && l.oom)
        err = STEME_ENOMEM;
    if (err != STEME_OK) {
        free(l.items);
        return cli_error(c, err, NULL, "listing agents");
    }
    cli_table t;
    cli_table_init(&t, 12);
    const char *header[] = {"KEY",   "NAME",   "ROLE",        "TRUST",
                            "ALPHA", "BETA",   "EVIDENCE",    "ASSERTIONS",
                            "VOTES", "EVENTS", "QUARANTINED", "REJECTIONS"};
    int status =
        c->json || cli_table_add(&t, header) ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
    size_t shown = 0;
    for (size_t i = 0; i < l.n && status == CLI_EXIT_OK; i++) {
        agent_view v = {.info = l.items[i]};
        if (as_of != 0) {
            err = steme_db_agent(db, &l.items[i].key, as_of, &v.info);
            if (err != STEME_OK) {
                status = cli_error(c, err, NULL, "reading an agent as of seq %" PRIu64, as_of);
                break;
            }
            /* An agent that had signed nothing yet did not exist then. */
            bool existed = false;
            err = signed_by(db, &l.items[i].key, as_of, &existed);
            if (err != STEME_OK) {
                status = cli_error(c, err, NULL, "reading the log as of seq %" PRIu64, as_of);
                break;
            }
            if (!existed)
                continue;
        }
        if (load_name(c, db, &v) != CLI_CONTINUE) {
            status = CLI_EXIT_FAIL;
            break;
        }
        if (c->json) {
            if (cli_json_line(c, steme__json_agent(&v.info, v.name)) != CLI_CONTINUE)
                status = CLI_EXIT_FAIL;
        } else if (!agent_row(&t, &v)) {
            status = cli_error(c, STEME_ENOMEM, NULL, NULL);
        }
        free(v.name);
        shown++;
    }
    if (status == CLI_EXIT_OK && !c->json) {
        if (shown == 0)
            printf("no agents\n");
        else
            cli_table_print(&t, stdout);
    }
    cli_table_free(&t);
    free(l.items);
    return status;
}

static int
run_trust_show(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {NULL, 0, NULL, 0},
    };
    agent_args a = {.role = -1};
    steme_pubkey key;
    bool has_key;
    int status = parse(c, &cli_cmd_trust, argc, argv, opts, &a, false, &key, &has_key);
    if (status != CLI_CONTINUE)
        return status;
    steme_db *db = NULL;
    status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    status = has_key ? show_one(c, db, &key, a.as_of) : show_all(c, db, a.as_of);
    steme_db_close(db);
    return status;
}

static int
run_agent_show(cli *c, int argc, char **argv)
{
    agent_args a = {.role = -1};
    steme_pubkey key;
    bool has_key;
    int status = parse(c, &cli_cmd_agent, argc, argv, NULL, &a, true, &key, &has_key);
    if (status != CLI_CONTINUE)
        return status;
    steme_db *db = NULL;
    status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    status = show_one(c, db, &key, 0);
    steme_db_close(db);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * agent set
 */

/*
 * The role text the event carries. Given: that role ("none" itself when the build reads it,
 * so that a non-admin asking to drop a role is refused rather than ignored). Not given: the
 * current role, written out only where the event must repeat it to keep it -- an admin's
 * profile event is applied as written, while an agent's own (without a role) keeps the role
 * it had, and may not name one.
 */
static const char *
role_text(int given, steme_role current, bool self)
{
    if (given == STEME_ROLE_NONE)
        return steme_role_parse("none") == STEME_ROLE_NONE ? "none" : "";
    if (given > 0)
        return steme_role_name((steme_role)given);
    if (current == STEME_ROLE_NONE || (self && current == STEME_ROLE_EDITOR))
        return "";
    return steme_role_name(current);
}

static int
print_profile(cli *c, steme_db *db, const steme_ingest_result *r, const steme_pubkey *key)
{
    agent_view v;
    int err = steme_db_agent(db, key, 0, &v.info);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the agent");
    int status = load_name(c, db, &v);
    if (status != CLI_CONTINUE)
        return status;
    char hex[2 * STEME_PUBKEY_SIZE + 1];
    steme_hex(key->b, sizeof(key->b), hex);
    json_t *extra = steme__json_profile(key, v.name, v.info.role);
    cli_table t;
    cli_table_init(&t, 2);
    if (extra != NULL && cli_table_kv(&t, "agent", "%s", hex) &&
        cli_table_kv(&t, "name", "%s", v.name != NULL ? v.name : "") &&
        cli_table_kv(&t, "role", "%s", steme__fmt_role(v.info.role))) {
        status = cli_print_stored(c, r, extra, &t);
    } else {
        json_decref(extra);
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    cli_table_free(&t);
    free(v.name);
    return status;
}

static int
run_agent_set(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, OPT_NAME},
        {"role", required_argument, NULL, OPT_ROLE},
        {"key", required_argument, NULL, OPT_KEY},
        {NULL, 0, NULL, 0},
    };
    agent_args a = {.role = -1};
    steme_pubkey key;
    bool has_key;
    int status = parse(c, &cli_cmd_agent, argc, argv, opts, &a, true, &key, &has_key);
    if (status != CLI_CONTINUE)
        return status;
    if (a.name == NULL && a.role < 0)
        return cli_usage(c, "nothing to set: give --name, --role or both");

    steme_keypair *kp = NULL;
    if (a.key_file == NULL && a.role >= 0)
        status = cli_admin_key_open(c, NULL, &kp);
    else
        status = cli_key_load(c, a.key_file != NULL ? a.key_file : cli_default_key_file(), &kp);
    if (status != CLI_CONTINUE)
        return status;
    steme_db *db = NULL;
    status = cli_db_open(c, false, &db);
    if (status != CLI_CONTINUE)
        goto out_free_key;

    agent_view cur;
    int err = steme_db_agent(db, &key, 0, &cur.info);
    if (err != STEME_OK) {
        status = cli_error(c, err, NULL, "reading the agent");
        goto out_close_db;
    }
    status = load_name(c, db, &cur);
    if (status != CLI_CONTINUE)
        goto out_close_db;

    steme_record rec;
    cli_event_init(&rec, STEME_EVENT_AGENT_PROFILE, kp);
    bool self = memcmp(rec.event.agent.b, key.b, STEME_PUBKEY_SIZE) == 0;
    rec.event.target_agent = key;
    rec.event.display_name = steme_str_c(a.name != NULL ? a.name : cur.name);
    rec.event.role = steme_str_c(role_text(a.role, cur.info.role, self));
    steme_ingest_result r;
    status = cli_sign_store(c, db, &rec, kp, &r);
    free(cur.name);
    if (status == CLI_CONTINUE)
        status = print_profile(c, db, &r, &key);
out_close_db:
    steme_db_close(db);
out_free_key:
    steme_keypair_free(kp);
    return status;
}
