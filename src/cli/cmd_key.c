/* SPDX-License-Identifier: MIT */
/*
 * cmd_key.c -- `steme key create|list|revoke|log`: the API keys of the HTTP server and the
 * log of admin actions (docs/server-auth.md).
 *
 * Keys live in the store itself, so these commands work on the data directory while the
 * server runs (LMDB lets several processes share it); a key created or revoked here takes
 * effect on the server's next request. A token is printed once, by `key create`, and never
 * again: the store keeps only its hash, and nothing here passes it to an error message or to
 * the admin log. Every create and revoke appends an admin-log row with actor "cli".
 *
 * In remote mode the same commands go through the server's admin routes (/v1/admin/keys,
 * /v1/admin/log) with an admin API key; the server logs its own admin actions, under the id
 * of the key that made them. Its documents are reshaped into the ones printed here, so that
 * --json reads the same in both modes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "remote.h"
#include "view.h"

static int run_key(cli *c, int argc, char **argv);
static int run_create(cli *c, int argc, char **argv);
static int run_list(cli *c, int argc, char **argv);
static int run_revoke(cli *c, int argc, char **argv);
static int run_log(cli *c, int argc, char **argv);

static const cli_subcommand key_subs[] = {
    {"create", "key create", run_create},
    {"list", "key list", run_list},
    {"revoke", "key revoke", run_revoke},
    {"log", "key log", run_log},
    {NULL, NULL, NULL},
};

const cli_command cli_cmd_key = {
    .name = "key",
    .summary = "create, list and revoke the HTTP API's keys; read the admin log",
    .help = "Usage: steme key create NAME --role reader|writer|admin\n"
            "       steme key list\n"
            "       steme key revoke ID\n"
            "       steme key log [--from N] [--limit N]\n"
            "\n"
            "API keys let clients of the StemeDB HTTP server in (docs/server-auth.md). Each key\n"
            "has a role: reader (read and query), writer (also submit signed records) or admin\n"
            "(also manage keys and read the admin log). Keys are kept in the store, so these\n"
            "commands work while the server runs: a new or revoked key counts from the server's\n"
            "next request. They are not signing keys ('steme keygen'): a key says who may call\n"
            "the API, a signature who made a claim.\n"
            "\n"
            "create  make a key named NAME with the given role and print its token,\n"
            "        stk_<16 hex id>.<64 hex secret>. The token is printed this once: StemeDB\n"
            "        keeps only its BLAKE2b-256 hash, so a lost token cannot be shown again\n"
            "        (revoke the key and create another). NAME is 1 to 64 bytes of UTF-8\n"
            "        without control characters or a leading or trailing space, unique among\n"
            "        the active keys.\n"
            "list    every key, revoked ones too, by id: id, name, role, created, revoked.\n"
            "        Tokens are never listed.\n"
            "revoke  revoke the key with id ID (16 hex digits, from 'key list'): its token is\n"
            "        refused from then on. Revocation is final; revoking a revoked key changes\n"
            "        nothing.\n"
            "log     the admin log, oldest first: one row per admin action, taken here (actor\n"
            "        \"cli\") or through the HTTP API (actor: the id of the admin key used, or\n"
            "        \"bootstrap\" for the server's first admin key): its number (from 1), when,\n"
            "        the actor, the action (key.create, key.revoke, ...) and a detail, a short\n"
            "        JSON text. The log never holds a token. Like the query audit it is not\n"
            "        derived state: 'steme rebuild' keeps it (and the keys).\n"
            "\n"
            "Options:\n"
            "  --role ROLE   reader, writer or admin (create; required)\n"
            "  --from N      start at row N (log; default 1)\n"
            "  --limit N     at most N rows (log; default: all)\n"
            "\n"
            "create and revoke each append a row to the admin log with actor \"cli\" and the\n"
            "key's id, name and role -- never its token; list and log, which only read, do not.\n"
            "\n"
            "Output: create prints token, id, name, role and created, and a reminder on stderr\n"
            "that the token is shown once; with --quiet the token alone; with --json {\"id\",\n"
            "\"name\", \"role\", \"token\", \"created_at\"}. list prints a table; with --json an\n"
            "array of {\"id\", \"name\", \"role\", \"created_at\", \"revoked_at\" (null while\n"
            "active), \"active\"}. revoke prints the key's id, name and status; with --json\n"
            "{\"id\", \"name\", \"role\", \"revoked_at\", \"already_revoked\"}. log prints one\n"
            "line per row: number, time, actor, action, detail; with --json an array of {\"n\",\n"
            "\"at\", \"actor\", \"action\", \"detail\"}.\n"
            "\n"
            "Exit status: 0 on success; 1 when there is no store, NAME is invalid or taken\n"
            "(exists), too many keys are active (limit), ID names no key (not_found), or the\n"
            "store cannot be read or written; 2 on a usage error.\n"
            "\n"
            "Examples:\n"
            "  steme key create ci-pipeline --role writer\n"
            "  steme key list\n"
            "  steme key revoke 3f2a9c0d11e4b587\n"
            "  steme key log --from 10 --limit 20\n",
    .run = run_key,
    .subs = key_subs,
};

enum { OPT_ROLE = CLI_OPT_BASE, OPT_FROM, OPT_LIMIT };

static int
run_key(cli *c, int argc, char **argv)
{
    return cli_dispatch(c, &cli_cmd_key, argc, argv);
}

/* The detail of an admin-log row about key k: {"id", "name", "role"} plus extra's members
 * (extra may be NULL; stolen). NULL when out of memory. */
static char *
key_detail(const steme_apikey_info *k, json_t *extra)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "id", k->id, "name", k->name, "role",
                          steme_apikey_role_name(k->role));
    char *s = NULL;

    if (j != NULL && extra != NULL)
        json_object_update(j, extra);
    if (j != NULL)
        s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    json_decref(extra);
    return s;
}

static int
log_action(steme_db *db, const char *action, const steme_apikey_info *k, json_t *extra)
{
    char *detail = key_detail(k, extra);
    int err =
        detail != NULL ? steme_db_admin_log_append(db, "cli", action, detail, NULL) : STEME_ENOMEM;
    free(detail);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * create
 */

static int
on_create_option(cli *c, int opt, const char *arg, void *ctx)
{
    if (opt == OPT_ROLE && steme_apikey_role_parse(arg, ctx) != STEME_OK)
        return cli_usage(c, "--role: '%s' is not a role (reader, writer, admin)", arg);
    return CLI_CONTINUE;
}

/* Print the new key, doc {"id", "name", "role", "token", "created_at"} (stolen; its token is
 * wiped before it is freed). */
static int
print_created(cli *c, json_t *doc)
{
    int status = CLI_EXIT_OK;
    const char *id = cli_jstr(doc, "id"), *name = cli_jstr(doc, "name");
    const char *role = cli_jstr(doc, "role"), *token = cli_jstr(doc, "token");
    const char *created = cli_jstr(doc, "created_at");

    if (id == NULL || name == NULL || role == NULL || token == NULL || created == NULL) {
        status = cli_fail(c, "invalid", "the answer names no key");
    } else if (c->json) {
        status = cli_json_doc(c, json_incref(doc)) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    } else if (c->quiet) {
        printf("%s\n", token);
    } else {
        cli_table t;
        cli_table_init(&t, 2);
        if (cli_table_kv(&t, "token", "%s", token) && cli_table_kv(&t, "id", "%s", id) &&
            cli_table_kv(&t, "name", "%s", name) && cli_table_kv(&t, "role", "%s", role) &&
            cli_table_kv(&t, "created", "%s", created))
            cli_table_print(&t, stdout);
        else
            status = cli_error(c, STEME_ENOMEM, NULL, NULL);
        for (size_t i = 0; i < t.nrows * t.ncols; i++)
            explicit_bzero(t.cells[i], strlen(t.cells[i]));
        cli_table_free(&t);
    }
    if (token != NULL)
        explicit_bzero((char *)token, strlen(token));
    json_decref(doc);
    if (status == CLI_EXIT_OK && !c->quiet)
        fprintf(stderr, "steme: key create: the token is shown only this once: store it now "
                        "(StemeDB keeps only its hash)\n");
    return status;
}

/* key create through the server: POST /v1/admin/keys (which logs the action itself). */
static int
remote_create(cli *c, const char *name, steme_apikey_role role)
{
    json_t *body = json_pack("{s:s, s:s}", "name", name, "role", steme_apikey_role_name(role));
    if (body == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    cli_path path;
    cli_path_init(&path, "/v1/admin/keys");
    json_t *k = NULL;
    int status = cli_remote_post(c, &path, body, &k);
    cli_path_free(&path);
    json_decref(body);
    if (status != CLI_CONTINUE)
        return cli_finish(c, status);
    /* The server's key document, in the order the embedded answer has. */
    json_t *doc =
        json_pack("{s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(k, "id"), "name",
                  json_object_get(k, "name"), "role", json_object_get(k, "role"), "token",
                  json_object_get(k, "token"), "created_at", json_object_get(k, "created_at"));
    json_decref(k); /* the token string is doc's too: print_created() wipes it */
    if (doc == NULL)
        return cli_finish(c, cli_fail(c, "invalid", "the answer names no key"));
    return cli_finish(c, print_created(c, doc));
}

static int
run_create(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, OPT_ROLE},
        {NULL, 0, NULL, 0},
    };
    steme_apikey_role role = 0;
    char token[STEME_APIKEY_TOKEN_LEN + 1];
    steme_apikey_info k;
    steme_db *db = NULL;
    int first, err;
    int status = cli_args_parse(c, &cli_cmd_key, argc, argv, opts, on_create_option, &role, &first);

    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the key's NAME" : "expected one NAME");
    if (role == 0)
        return cli_usage(c, "missing --role (reader, writer or admin)");
    const char *name = argv[first];
    if (cli_remote(c))
        return remote_create(c, name, role);
    if ((status = cli_db_open(c, false, &db)) != CLI_CONTINUE)
        return status;

    err = steme_db_apikey_create(db, name, role, token, &k);
    if (err == STEME_OK && (err = log_action(db, "key.create", &k, NULL)) != STEME_OK) {
        /* A key the log does not show must not stay usable: take it back. */
        steme_db_apikey_revoke(db, k.id);
        steme_db_close(db);
        explicit_bzero(token, sizeof(token));
        return cli_error(c, err, NULL, "writing the admin log (key %s was revoked again)", k.id);
    }
    steme_db_close(db);
    if (err == STEME_EINVAL) {
        steme_errinfo ei = {.field = "name",
                            .rule = "1 to 64 bytes of UTF-8 without control characters or a "
                                    "leading or trailing space"};
        status = cli_error(c, err, &ei, NULL);
    } else if (err == STEME_EEXIST) {
        status = cli_error(c, err, NULL, "an active key is already named '%s'", name);
    } else if (err == STEME_ELIMIT) {
        status = cli_error(c, err, NULL, "%d keys are active: revoke some first",
                           STEME_APIKEY_MAX_ACTIVE);
    } else if (err != STEME_OK) {
        status = cli_error(c, err, NULL, "creating the key");
    } else {
        char created[32];
        cli_fmt_time(k.created_at, created);
        json_t *doc =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", k.id, "name", k.name, "role",
                      steme_apikey_role_name(k.role), "token", token, "created_at", created);
        status = doc != NULL ? print_created(c, doc) : cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    explicit_bzero(token, sizeof(token));
    return cli_finish(c, status);
}

/* ---------------------------------------------------------------------------------------------
 * list
 */

/* A key as `key list --json` shows it: {"id", "name", "role", "created_at", "revoked_at"
 * (null while active), "active"}. */
static json_t *
key_json(const steme_apikey_info *k)
{
    char created[32], revoked[32];
    cli_fmt_time(k->created_at, created);
    if (k->revoked_at != 0)
        cli_fmt_time(k->revoked_at, revoked);
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}", "id", k->id, "name", k->name, "role",
                     steme_apikey_role_name(k->role), "created_at", created, "revoked_at",
                     k->revoked_at != 0 ? json_string(revoked) : json_null(), "active",
                     k->revoked_at == 0);
}

typedef struct key_rows {
    json_t *rows;
    bool oom;
} key_rows;

static int
on_key(const steme_apikey_info *k, void *ctx)
{
    key_rows *kr = ctx;
    json_t *j = key_json(k);
    kr->oom = j == NULL || json_array_append_new(kr->rows, j) != 0;
    return kr->oom;
}

/* Every key (key_json()), from the store or from GET /v1/admin/keys. */
static int
list_keys(cli *c, json_t **ret)
{
    if (cli_remote(c)) {
        cli_path path;
        cli_path_init(&path, "/v1/admin/keys");
        json_t *doc = NULL;
        int status = cli_remote_get(c, &path, &doc, NULL);
        cli_path_free(&path);
        if (status != CLI_CONTINUE)
            return status;
        /* The server's keys lack "active"; it is what a null revoked_at says. */
        json_t *keys = json_incref(json_object_get(doc, "keys"));
        json_decref(doc);
        if (!json_is_array(keys)) {
            json_decref(keys);
            return cli_fail(c, "invalid", "the server's answer lists no keys");
        }
        for (size_t i = 0; i < json_array_size(keys); i++) {
            json_t *k = json_array_get(keys, i);
            json_t *revoked = json_object_get(k, "revoked_at");
            json_object_set_new(k, "active",
                                json_boolean(revoked == NULL || json_is_null(revoked)));
            if (revoked == NULL)
                json_object_set_new(k, "revoked_at", json_null());
        }
        *ret = keys;
        return CLI_CONTINUE;
    }
    steme_db *db = NULL;
    int status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    key_rows kr = {.rows = json_array()};
    int err = kr.rows == NULL ? STEME_ENOMEM : steme_db_apikey_list(db, on_key, &kr);
    steme_db_close(db);
    if (err == STEME_OK && kr.oom)
        err = STEME_ENOMEM;
    if (err != STEME_OK) {
        json_decref(kr.rows);
        return cli_error(c, err, NULL, "listing the keys");
    }
    *ret = kr.rows;
    return CLI_CONTINUE;
}

static int
run_list(cli *c, int argc, char **argv)
{
    static const char *const header[] = {"ID", "NAME", "ROLE", "CREATED", "REVOKED"};
    int first;
    int status = cli_args_parse(c, &cli_cmd_key, argc, argv, NULL, NULL, NULL, &first);

    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    json_t *keys = NULL;
    if ((status = list_keys(c, &keys)) != CLI_CONTINUE)
        return cli_finish(c, status);
    if (c->json)
        return cli_finish(c, cli_json_doc(c, keys) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL);
    if (json_array_size(keys) == 0) {
        printf("no keys (create one with 'steme key create NAME --role ROLE')\n");
        json_decref(keys);
        return cli_finish(c, CLI_EXIT_OK);
    }
    cli_table t;
    cli_table_init(&t, 5);
    bool ok = cli_table_add(&t, header);
    for (size_t i = 0; ok && i < json_array_size(keys); i++) {
        const json_t *k = json_array_get(keys, i);
        const char *row[] = {cli_jstr(k, "id"), cli_jstr(k, "name"), cli_jstr(k, "role"),
                             cli_jstr(k, "created_at"), cli_jstr(k, "revoked_at")};
        if (row[4] == NULL)
            row[4] = "-";
        for (size_t j = 0; j < 4; j++)
            row[j] = row[j] != NULL ? row[j] : "?";
        ok = cli_table_add(&t, row);
    }
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    json_decref(keys);
    return cli_finish(c, ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL));
}

/* ---------------------------------------------------------------------------------------------
 * revoke
 */

typedef struct finder {
    const char *id;
    steme_apikey_info found;
    bool ok;
} finder;

static int
on_find(const steme_apikey_info *k, void *ctx)
{
    finder *f = ctx;
    if (strcmp(k->id, f->id) != 0)
        return 0;
    f->found = *k;
    f->ok = true;
    return 1;
}

/* The key with id (after a change: as it now is). */
static int
find_key(steme_db *db, const char *id, finder *f)
{
    int err;

    f->id = id;
    f->ok = false;
    err = steme_db_apikey_list(db, on_find, f);
    return err == STEME_OK && !f->ok ? STEME_ENOTFOUND : err;
}

/* Print a revoked key, doc {"id", "name", "role", "revoked_at", "already_revoked"}
 * (stolen). */
static int
print_revoked(cli *c, json_t *doc)
{
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    const char *id = cli_jstr(doc, "id"), *name = cli_jstr(doc, "name");
    const char *revoked = cli_jstr(doc, "revoked_at");
    bool already = json_is_true(json_object_get(doc, "already_revoked"));
    int status = CLI_EXIT_OK;
    cli_table t;
    cli_table_init(&t, 2);
    if (cli_table_kv(&t, "id", "%s", id != NULL ? id : "") &&
        cli_table_kv(&t, "name", "%s", name != NULL ? name : "") &&
        cli_table_kv(&t, "status", "%s", already ? "already revoked" : "revoked") &&
        cli_table_kv(&t, "revoked", "%s", revoked != NULL ? revoked : "?"))
        cli_table_print(&t, stdout);
    else
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
    cli_table_free(&t);
    json_decref(doc);
    return status;
}

/* The key with id in a listing of list_keys(), NULL when none. */
static const json_t *
find_in(const json_t *keys, const char *id)
{
    for (size_t i = 0; i < json_array_size(keys); i++) {
        const char *kid = cli_jstr(json_array_get(keys, i), "id");
        if (kid != NULL && strcmp(kid, id) == 0)
            return json_array_get(keys, i);
    }
    return NULL;
}

static int
no_key(cli *c, const char *id)
{
    return cli_fail(c, "not_found", "no key with id '%s' (see 'steme key list')", id);
}

/* key revoke through the server: the key before (was it revoked already?), DELETE
 * /v1/admin/keys/ID (which logs the action itself), and the key after. */
static int
remote_revoke(cli *c, const char *id)
{
    json_t *before = NULL, *after = NULL;
    int status = list_keys(c, &before);
    if (status != CLI_CONTINUE)
        return status;
    const json_t *k = find_in(before, id);
    if (k == NULL) {
        json_decref(before);
        return no_key(c, id);
    }
    bool already = !json_is_null(json_object_get(k, "revoked_at"));
    json_decref(before);
    cli_path path;
    cli_path_init(&path, "/v1/admin/keys");
    cli_path_seg(&path, id);
    cli_http_reply reply;
    status = cli_remote_call(c, "DELETE", &path, NULL, &reply);
    cli_path_free(&path);
    if (status != CLI_CONTINUE)
        return status;
    if (reply.status == 404)
        status = no_key(c, id);
    else if (reply.status != 200)
        status = cli_remote_fail(c, &reply);
    cli_http_reply_free(&reply);
    if (status == CLI_CONTINUE)
        status = list_keys(c, &after);
    if (status != CLI_CONTINUE)
        return status;
    k = find_in(after, id);
    json_t *doc =
        k == NULL
            ? NULL
            : json_pack("{s:O, s:O, s:O, s:O, s:b}", "id", json_object_get(k, "id"), "name",
                        json_object_get(k, "name"), "role", json_object_get(k, "role"),
                        "revoked_at", json_object_get(k, "revoked_at"), "already_revoked", already);
    json_decref(after);
    if (doc == NULL)
        return no_key(c, id);
    return print_revoked(c, doc);
}

static int
run_revoke(cli *c, int argc, char **argv)
{
    steme_db *db = NULL;
    finder before, after;
    int first, err;
    int status = cli_args_parse(c, &cli_cmd_key, argc, argv, NULL, NULL, NULL, &first);

    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(c, argc == first ? "missing the key's ID" : "expected one ID");
    const char *id = argv[first];
    if (cli_remote(c))
        return cli_finish(c, remote_revoke(c, id));
    if ((status = cli_db_open(c, false, &db)) != CLI_CONTINUE)
        return status;
    err = find_key(db, id, &before);
    if (err == STEME_OK)
        err = steme_db_apikey_revoke(db, id);
    if (err == STEME_OK)
        err = find_key(db, id, &after);
    bool already = err == STEME_OK && before.found.revoked_at != 0;
    if (err == STEME_OK) {
        err = log_action(db, "key.revoke", &after.found,
                         json_pack("{s:b}", "already_revoked", already));
        if (err != STEME_OK) {
            steme_db_close(db);
            return cli_error(c, err, NULL, "key %s is revoked, but writing the admin log failed",
                             after.found.id);
        }
    }
    steme_db_close(db);
    if (err == STEME_ENOTFOUND)
        return cli_fail(c, "not_found", "no key with id '%s' (see 'steme key list')", id);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "revoking the key");

    const steme_apikey_info *k = &after.found;
    char revoked[32];
    cli_fmt_time(k->revoked_at, revoked);
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", k->id, "name", k->name, "role",
                            steme_apikey_role_name(k->role), "revoked_at", revoked,
                            "already_revoked", already);
    status = doc != NULL ? print_revoked(c, doc) : cli_error(c, STEME_ENOMEM, NULL, NULL);
    return cli_finish(c, status);
}

/* ---------------------------------------------------------------------------------------------
 * log
 */

typedef struct log_args {
    cli *c;
    uint64_t from, limit;
    json_t *rows;
    bool oom;
} log_args;

static int
on_log_option(cli *c, int opt, const char *arg, void *ctx)
{
    log_args *a = ctx;

    switch (opt) {
    case OPT_FROM:
        if (!cli_parse_u64(arg, &a->from))
            return cli_usage(c, "--from: '%s' is not a row number", arg);
        break;
    case OPT_LIMIT:
        if (!cli_parse_u64(arg, &a->limit) || a->limit == 0)
            return cli_usage(c, "--limit: '%s' is not a positive count", arg);
        break;
    }
    return CLI_CONTINUE;
}

static int
on_event(const steme_admin_event *e, void *ctx)
{
    log_args *a = ctx;
    char at[32];

    cli_fmt_time(e->at, at);
    json_t *j = json_pack("{s:I, s:s, s:o, s:o, s:o}", "n", (json_int_t)e->n, "at", at, "actor",
                          cli_json_text(e->actor), "action", cli_json_text(e->action), "detail",
                          cli_json_text(e->detail));
    a->oom = j == NULL || json_array_append_new(a->rows, j) != 0;
    return a->oom;
}

/* One admin-log event from the server. Its detail is a JSON value; here, as in the store, it
 * is text. */
static int
take_event(cli *c, const json_t *event, void *ctx)
{
    log_args *a = ctx;
    json_t *e = json_deep_copy(event);
    const json_t *detail = json_object_get(e, "detail");
    if (e != NULL && !json_is_string(detail)) {
        char *text = steme__json_dumps(detail, 0);
        json_object_set_new(e, "detail", json_string(text != NULL ? text : ""));
        free(text);
    }
    if (e == NULL || json_array_append_new(a->rows, e) != 0)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    return CLI_CONTINUE;
}

/* The admin log through the server: GET /v1/admin/log, page after page. */
static int
remote_log(cli *c, log_args *a)
{
    cli_path path;
    cli_path_init(&path, "/v1/admin/log");
    int status = cli_remote_pages_from(c, &path, a->from, "events", a->limit, take_event, a);
    cli_path_free(&path);
    return status;
}

static int
run_log(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {NULL, 0, NULL, 0},
    };
    log_args a = {.c = c};
    steme_db *db = NULL;
    int first, err;
    int status = cli_args_parse(c, &cli_cmd_key, argc, argv, opts, on_log_option, &a, &first);

    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    if ((a.rows = json_array()) == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    if (cli_remote(c)) {
        status = remote_log(c, &a);
    } else if ((status = cli_db_open(c, true, &db)) == CLI_CONTINUE) {
        err = steme_db_admin_log(db, a.from, (size_t)a.limit, on_event, &a);
        steme_db_close(db);
        if (err == STEME_OK && a.oom)
            err = STEME_ENOMEM;
        if (err != STEME_OK)
            status = cli_error(c, err, NULL, "reading the admin log");
    }
    if (status != CLI_CONTINUE) {
        json_decref(a.rows);
        return cli_finish(c, status);
    }
    if (c->json)
        return cli_finish(c, cli_json_doc(c, a.rows) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL);
    for (size_t i = 0; i < json_array_size(a.rows); i++) {
        const json_t *e = json_array_get(a.rows, i);
        static const char *const names[] = {"actor", "action", "detail"};
        printf("%" PRIu64 "  %s", cli_ju64(e, "n"),
               cli_jstr(e, "at") != NULL ? cli_jstr(e, "at") : "");
        for (size_t k = 0; k < 3; k++) {
            const char *v = cli_jstr(e, names[k]);
            fputs("  ", stdout);
            if (v != NULL)
                cli_safe_put(stdout, v, strlen(v));
        }
        fputc('\n', stdout);
    }
    if (json_array_size(a.rows) == 0 && a.from <= 1 && !c->quiet)
        printf("no admin actions\n");
    json_decref(a.rows);
    return cli_finish(c, CLI_EXIT_OK);
}
