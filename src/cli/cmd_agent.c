/* SPDX-License-Identifier: MIT */
/*
 * cmd_agent.c -- agents: `steme trust show` (learned trust and the evidence behind it) and
 * `steme agent set|show` (display names and roles).
 *
 * An agent is its public key. Its profile is the latest agent_profile event about it, and an
 * event carries the whole profile: `agent set` therefore starts from the current name and role
 * and changes only what the flags say, so that naming an editor does not silently take its
 * role away (the store applies an admin's profile as written, role included). In remote mode
 * the agents are read from GET /v1/agents and the profile event is posted to /v1/agents.
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

/* The display name from the agent's latest profile event (*ret NULL when none; free it). */
static int
load_name(cli *c, steme_db *db, const steme_agent_info *a, char **ret)
{
    *ret = NULL;
    if (a->profile_seq == 0)
        return CLI_CONTINUE;
    steme_entry *e = NULL;
    int err = steme_db_get_seq(db, a->profile_seq, &e);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the profile at seq %" PRIu64, a->profile_seq);
    steme_str name =
        e->record.kind == STEME_RECORD_EVENT ? e->record.event.display_name : (steme_str){0};
    if (name.len > 0 && (*ret = strndup(name.ptr, name.len)) == NULL) {
        steme_entry_free(e);
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    steme_entry_free(e);
    return CLI_CONTINUE;
}

/* An agent's document (steme__json_agent()) from its info, with its name. */
static int
agent_doc(cli *c, steme_db *db, const steme_agent_info *a, json_t **ret)
{
    char *name = NULL;
    int status = load_name(c, db, a, &name);
    if (status != CLI_CONTINUE)
        return status;
    *ret = steme__json_agent(a, name);
    free(name);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* Agent key's document as of as_of (0: now): from the store, or GET /v1/agents/KEY. */
static int
one_doc(cli *c, steme_db *db, const steme_pubkey *key, uint64_t as_of, json_t **ret)
{
    if (db == NULL) {
        char hex[2 * STEME_PUBKEY_SIZE + 1];
        steme_hex(key->b, sizeof(key->b), hex);
        cli_path path;
        cli_path_init(&path, "/v1/agents");
        cli_path_seg(&path, hex);
        if (as_of != 0)
            cli_path_arg_u64(&path, "as_of", as_of);
        int status = cli_remote_get(c, &path, ret, NULL);
        cli_path_free(&path);
        return status;
    }
    steme_agent_info info;
    int err = steme_db_agent(db, key, as_of, &info);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the agent");
    return agent_doc(c, db, &info, ret);
}

static int
print_agent(cli *c, json_t *doc)
{
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    const char *key = cli_jstr(doc, "key"), *name = cli_jstr(doc, "name");
    const char *role = cli_jstr(doc, "role");
    uint64_t profile_seq = cli_ju64(doc, "profile_seq");
    cli_table t;
    cli_table_init(&t, 2);
    bool ok = cli_table_kv(&t, "key", "%s", key != NULL ? key : "") &&
              cli_table_kv(&t, "name", "%s", name != NULL ? name : "") &&
              cli_table_kv(&t, "role", "%s", role != NULL ? role : "none") &&
              (profile_seq == 0 || cli_table_kv(&t, "profile_seq", "%" PRIu64, profile_seq)) &&
              cli_table_kv(&t, "trust", "%.3f", cli_jnum(doc, "trust")) &&
              cli_table_kv(&t, "alpha", "%.3f", cli_jnum(doc, "alpha")) &&
              cli_table_kv(&t, "beta", "%.3f", cli_jnum(doc, "beta"));
    static const char *const counts[] = {"evidence", "assertions",  "votes",
                                         "events",   "quarantined", "rejections"};
    for (size_t i = 0; ok && i < sizeof(counts) / sizeof(counts[0]); i++)
        ok = cli_table_kv(&t, counts[i], "%" PRIu64, cli_ju64(doc, counts[i]));
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    json_decref(doc);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

/* One agent, with its name. as_of 0: now. */
static int
show_one(cli *c, steme_db *db, const steme_pubkey *key, uint64_t as_of)
{
    json_t *doc = NULL;
    int status = one_doc(c, db, key, as_of, &doc);
    return status == CLI_CONTINUE ? print_agent(c, doc) : status;
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

/* The table of every agent, or the JSON lines. */
typedef struct agent_rows {
    cli_table t;
    size_t shown;
} agent_rows;

/* One agent's document: a JSON line, or a row. */
static int
agent_row(cli *c, const json_t *doc, void *ctx)
{
    agent_rows *r = ctx;
    r->shown++;
    if (c->json)
        return cli_json_line(c, json_incref((json_t *)doc)) == CLI_CONTINUE ? CLI_CONTINUE
                                                                            : CLI_EXIT_FAIL;
    const char *key_hex = cli_jstr(doc, "key"), *name = cli_jstr(doc, "name");
    const char *role = cli_jstr(doc, "role");
    char key[CLI_SHORT_ID + 1], trust[16], alpha[24], beta[24], counts[6][24];
    static const char *const names[] = {"evidence", "assertions",  "votes",
                                        "events",   "quarantined", "rejections"};
    snprintf(key, sizeof(key), "%s", key_hex != NULL ? key_hex : "");
    snprintf(trust, sizeof(trust), "%.3f", cli_jnum(doc, "trust"));
    snprintf(alpha, sizeof(alpha), "%.2f", cli_jnum(doc, "alpha"));
    snprintf(beta, sizeof(beta), "%.2f", cli_jnum(doc, "beta"));
    for (size_t i = 0; i < 6; i++)
        snprintf(counts[i], sizeof(counts[i]), "%" PRIu64, cli_ju64(doc, names[i]));
    const char *row[] = {key,
                         name != NULL ? name : "-",
                         role != NULL ? role : "none",
                         trust,
                         alpha,
                         beta,
                         counts[0],
                         counts[1],
                         counts[2],
                         counts[3],
                         counts[4],
                         counts[5]};
    return cli_table_add(&r->t, row) ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
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

/* Every agent from the store: collected first, since each row needs further reads (trust as
 * of a log position, the display name). */
static int
all_from_store(cli *c, steme_db *db, uint64_t as_of, agent_rows *rows)
{
    agent_list l = {0};
    int err = steme_db_agents(db, collect, &l);
    if (err == STEME_OK && l.oom)
        err = STEME_ENOMEM;
    if (err != STEME_OK) {
        free(l.items);
        return cli_error(c, err, NULL, "listing agents");
    }
    int status = CLI_CONTINUE;
    for (size_t i = 0; i < l.n && status == CLI_CONTINUE; i++) {
        steme_agent_info info = l.items[i];
        if (as_of != 0) {
            err = steme_db_agent(db, &l.items[i].key, as_of, &info);
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
        json_t *doc = NULL;
        status = agent_doc(c, db, &info, &doc);
        if (status == CLI_CONTINUE)
            status = agent_row(c, doc, rows);
        json_decref(doc);
    }
    free(l.items);
    return status;
}

/* Every agent: from the store, or GET /v1/agents page by page. */
static int
show_all(cli *c, steme_db *db, uint64_t as_of)
{
    agent_rows rows = {.shown = 0};
    cli_table_init(&rows.t, 12);
    const char *header[] = {"KEY",   "NAME",   "ROLE",        "TRUST",
                            "ALPHA", "BETA",   "EVIDENCE",    "ASSERTIONS",
                            "VOTES", "EVENTS", "QUARANTINED", "REJECTIONS"};
    int status = c->json || cli_table_add(&rows.t, header) ? CLI_CONTINUE
                                                           : cli_error(c, STEME_ENOMEM, NULL, NULL);
    if (status == CLI_CONTINUE && db == NULL) {
        cli_path path;
        cli_path_init(&path, "/v1/agents");
        if (as_of != 0)
            cli_path_arg_u64(&path, "as_of", as_of);
        status = cli_remote_pages(c, &path, 0, "agents", 0, agent_row, &rows, NULL);
        cli_path_free(&path);
    } else if (status == CLI_CONTINUE) {
        status = all_from_store(c, db, as_of, &rows);
    }
    if (status == CLI_CONTINUE && !c->json) {
        if (rows.shown == 0)
            printf("no agents\n");
        else
            cli_table_print(&rows.t, stdout);
    }
    cli_table_free(&rows.t);
    return status == CLI_CONTINUE ? CLI_EXIT_OK : status;
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
    status = cli_store_open(c, true, &db);
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
    status = cli_store_open(c, true, &db);
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

/* What the profile event left (embedded mode): the agent's key, name and role now. */
static int
profile_effect(cli *c, steme_db *db, const steme_ingest_result *r, void *ctx, json_t **ret)
{
    (void)r;
    const steme_pubkey *key = ctx;
    steme_agent_info info;
    int err = steme_db_agent(db, key, 0, &info);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "reading the agent");
    char *name = NULL;
    int status = load_name(c, db, &info, &name);
    if (status != CLI_CONTINUE)
        return status;
    *ret = steme__json_profile(key, name, info.role);
    free(name);
    return *ret != NULL ? CLI_CONTINUE : cli_error(c, STEME_ENOMEM, NULL, NULL);
}

static int
print_profile(cli *c, json_t *doc)
{
    const char *agent = cli_jstr(doc, "agent"), *name = cli_jstr(doc, "name");
    const char *role = cli_jstr(doc, "role");
    cli_table t;
    cli_table_init(&t, 2);
    int status;
    if (cli_table_kv(&t, "agent", "%s", agent != NULL ? agent : "") &&
        cli_table_kv(&t, "name", "%s", name != NULL ? name : "") &&
        cli_table_kv(&t, "role", "%s", role != NULL ? role : "none")) {
        status = cli_print_stored(c, doc, &t);
    } else {
        json_decref(doc);
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    cli_table_free(&t);
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
    status = cli_store_open(c, false, &db);
    if (status != CLI_CONTINUE)
        goto out_free_key;

    /* The current profile, which the event carries over. */
    json_t *cur = NULL;
    status = one_doc(c, db, &key, 0, &cur);
    if (status != CLI_CONTINUE)
        goto out_close_db;
    const char *role_name = cli_jstr(cur, "role");
    int current = role_name == NULL || strcmp(role_name, "none") == 0 ? STEME_ROLE_NONE
                                                                      : steme_role_parse(role_name);

    steme_record rec;
    cli_event_init(&rec, STEME_EVENT_AGENT_PROFILE, kp);
    bool self = memcmp(rec.event.agent.b, key.b, STEME_PUBKEY_SIZE) == 0;
    rec.event.target_agent = key;
    rec.event.display_name = steme_str_c(a.name != NULL ? a.name : cli_jstr(cur, "name"));
    rec.event.role =
        steme_str_c(role_text(a.role, current > 0 ? (steme_role)current : STEME_ROLE_NONE, self));
    cli_path route;
    cli_path_init(&route, "/v1/agents");
    json_t *doc = NULL;
    status = cli_store(c, db, &route, &rec, kp, profile_effect, &key, &doc);
    cli_path_free(&route);
    json_decref(cur);
    if (status == CLI_CONTINUE)
        status = print_profile(c, doc);
out_close_db:
    steme_db_close(db);
out_free_key:
    steme_keypair_free(kp);
    return status;
}
