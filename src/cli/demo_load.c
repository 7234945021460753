/* SPDX-License-Identifier: MIT */
/*
 * demo_load.c -- `steme demo load`: sign the demo data set (samples/demo, JSON Lines) with the
 * agents' keys and the store's admin key, and store it.
 *
 * Every line is read, completed (agent, kind, "@ref" names turned into ids and keys), signed
 * and kept in memory first (the data set is a few hundred records); only when all of them
 * are good is anything written, in one atomic steme_db_ingest() call, so that a bad line
 * leaves the store as it was. Records carry the times written in the files, never "now", and
 * agent keys are made once and then read back, so a second load produces the same bytes and
 * the store answers every record "duplicate".
 *
 * New agent keys are generated in memory and saved only once it is known that the store does
 * not already hold the demo: otherwise the same claims would be stored again, signed by other
 * agents. Admin-signed records that name no agent (sources, epochs) do not depend on the
 * agents' keys, so finding one of them in the store tells.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "cli.h"
#include "demo.h"
#include "output.h"
#include "record_json.h"
#include "signing.h"

#define MAX_AGENTS  64
#define MAX_RECORDS 10000 /* the data set has a few hundred; a cap for --data */
#define MAX_NAME    64

typedef struct agent {
    char name[MAX_NAME + 1];
    steme_keypair *kp;
    char hex[2 * STEME_PUBKEY_SIZE + 1];
    bool created; /* generated now, saved once the load may go ahead */
} agent;

typedef struct ref {
    char *name;
    steme_id id;
} ref;

/* One signed record and where it came from. */
typedef struct item {
    uint8_t *bytes;
    size_t len;
    steme_sig sig;
    steme_id id;
    const char *file;
    uint64_t line;
    /* Signed by the store's admin key and naming no other record or agent: its bytes are the
     * same whatever the agents' keys are. */
    bool fixed;
} item;

typedef struct loader {
    cli *c;
    const char *keys_dir;
    steme_keypair *admin;
    char admin_hex[2 * STEME_PUBKEY_SIZE + 1];
    agent agents[MAX_AGENTS];
    size_t n_agents;
    ref *refs;
    size_t n_refs, cap_refs;
    item *items;
    size_t n_items, cap_items;
    uint8_t *buf;   /* STEME_MAX_RECORD bytes for encoding */
    bool line_refs; /* the line being read named a record or an agent ("@...") */
    size_t files;
    char *names[256]; /* --data: the files' names, which items point at */
    size_t n_names;
} loader;

static void
loader_free(loader *l)
{
    for (size_t i = 0; i < l->n_agents; i++)
        steme_keypair_free(l->agents[i].kp);
    for (size_t i = 0; i < l->n_refs; i++)
        free(l->refs[i].name);
    for (size_t i = 0; i < l->n_items; i++)
        free(l->items[i].bytes);
    for (size_t i = 0; i < l->n_names; i++)
        free(l->names[i]);
    free(l->refs);
    free(l->items);
    free(l->buf);
    steme_keypair_free(l->admin);
}

static int
bad_line(loader *l, const char *file, uint64_t line, const char *fmt, const char *detail)
{
    json_t *extra = json_pack("{s:s, s:I}", "file", file, "line", (json_int_t)line);
    return cli_fail_extra(l->c, "invalid", extra, "%s:%" PRIu64 ": %s%s", file, line, fmt,
                          detail != NULL ? detail : "");
}

/* An agent name is a file name under the key directory: keep it plain. */
static bool
valid_agent_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MAX_NAME || strcmp(s, "admin") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

/* The agent called name: its key read from the key directory, or generated (not saved yet)
 * when the file does not exist. NULL after reporting a failure. */
static agent *
agent_get(loader *l, const char *file, uint64_t line, const char *name)
{
    for (size_t i = 0; i < l->n_agents; i++) {
        if (strcmp(l->agents[i].name, name) == 0)
            return &l->agents[i];
    }
    if (!valid_agent_name(name)) {
        bad_line(l, file, line, "not an agent name (a-z, 0-9, '-', '_'; not \"admin\"): ", name);
        return NULL;
    }
    if (l->n_agents == MAX_AGENTS) {
        bad_line(l, file, line, "too many agents", NULL);
        return NULL;
    }
    agent *a = &l->agents[l->n_agents];
    memset(a, 0, sizeof(*a));
    snprintf(a->name, sizeof(a->name), "%s", name);
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s.key", l->keys_dir, name) >= (int)sizeof(path)) {
        cli_fail(l->c, "invalid", "key directory name too long: %s", l->keys_dir);
        return NULL;
    }
    struct stat st;
    int err;
    if (lstat(path, &st) == 0) {
        if (cli_key_load(l->c, path, &a->kp) != CLI_CONTINUE)
            return NULL;
    } else if (errno == ENOENT) {
        err = steme_keypair_generate(&a->kp);
        if (err != STEME_OK) {
            cli_error(l->c, err, NULL, "generating a key for %s", name);
            return NULL;
        }
        a->created = true;
    } else {
        cli_error(l->c, STEME_ESYSERR | errno, NULL, "%s", path);
        return NULL;
    }
    steme_pubkey pk;
    steme_keypair_public(a->kp, &pk);
    steme_hex(pk.b, sizeof(pk.b), a->hex);
    l->n_agents++;
    return a;
}

static const ref *
ref_find(const loader *l, const char *name)
{
    for (size_t i = 0; i < l->n_refs; i++) {
        if (strcmp(l->refs[i].name, name) == 0)
            return &l->refs[i];
    }
    return NULL;
}

/* Replace an "@ref" string (a member of obj, or an element of an array) by the hex id of the
 * record it names. */
static bool
resolve_id(loader *l, const char *file, uint64_t line, json_t *s, json_t **out)
{
    const char *v = json_string_value(s);
    if (v == NULL || v[0] != '@') {
        *out = json_incref(s);
        return true;
    }
    const ref *r = ref_find(l, v + 1);
    if (r == NULL) {
        bad_line(l, file, line, "no earlier line has the ref ", v + 1);
        return false;
    }
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(r->id.b, sizeof(r->id.b), hex);
    l->line_refs = true;
    *out = json_string(hex);
    return *out != NULL;
}

static bool
resolve_member(loader *l, const char *file, uint64_t line, json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);
    if (v == NULL)
        return true;
    json_t *nv = NULL;
    if (json_is_array(v)) {
        nv = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            json_t *ne = NULL;
            if (!resolve_id(l, file, line, e, &ne) || json_array_append_new(nv, ne) != 0) {
                json_decref(nv);
                return false;
            }
        }
    } else if (!resolve_id(l, file, line, v, &nv)) {
        return false;
    }
    return json_object_set_new(j, key, nv) == 0;
}

/* Complete one parsed line into a record's JSON form and sign it. */
static int
take_line(loader *l, const char *file, uint64_t line, json_t *j)
{
    json_t *as = json_object_get(j, "as");
    json_t *refname = json_object_get(j, "ref");
    if (!json_is_string(as))
        return bad_line(l, file, line, "\"as\" (who signs the record) is missing or not a string",
                        NULL);
    if (refname != NULL && !json_is_string(refname))
        return bad_line(l, file, line, "\"ref\" is not a string", NULL);
    if (json_object_get(j, "agent") != NULL)
        return bad_line(l, file, line, "\"agent\" is filled in from \"as\": leave it out", NULL);
    char *rname = refname != NULL ? strdup(json_string_value(refname)) : NULL;
    if (refname != NULL && rname == NULL)
        return cli_error(l->c, STEME_ENOMEM, NULL, NULL);
    if (rname != NULL && ref_find(l, rname) != NULL) {
        int st = bad_line(l, file, line, "ref used twice: ", rname);
        free(rname);
        return st;
    }

    const steme_keypair *kp;
    const char *hex;
    bool admin = strcmp(json_string_value(as), "admin") == 0;
    l->line_refs = false;
    if (admin) {
        kp = l->admin;
        hex = l->admin_hex;
    } else {
        agent *a = agent_get(l, file, line, json_string_value(as));
        if (a == NULL)
            goto out_fail;
        kp = a->kp;
        hex = a->hex;
    }
    json_object_del(j, "as");
    json_object_del(j, "ref");
    if ((json_object_get(j, "kind") == NULL &&
         json_object_set_new(j, "kind", json_string("assertion")) != 0) ||
        json_object_set_new(j, "agent", json_string(hex)) != 0)
        goto out_nomem;
    if (!resolve_member(l, file, line, j, "derived_from") ||
        !resolve_member(l, file, line, j, "supersedes") ||
        !resolve_member(l, file, line, j, "target"))
        goto out_fail;
    json_t *ta = json_object_get(j, "target_agent");
    if (json_is_string(ta) && json_string_value(ta)[0] == '@') {
        agent *a = agent_get(l, file, line, json_string_value(ta) + 1);
        if (a == NULL)
            goto out_fail;
        if (json_object_set_new(j, "target_agent", json_string(a->hex)) != 0)
            goto out_nomem;
        l->line_refs = true;
    }

    steme__json_record jr;
    steme_errinfo ei = {0};
    int err = steme__record_from_json(j, &jr, &ei);
    item it = {.file = file, .line = line, .fixed = admin && !l->line_refs};
    if (err == STEME_OK)
        err =
            steme_record_sign(&jr.rec, kp, l->buf, STEME_MAX_RECORD, &it.len, &it.id, &it.sig, &ei);
    if (err != STEME_OK) {
        char detail[512];
        snprintf(detail, sizeof(detail), "%s: %s", ei.field ? ei.field : "record",
                 ei.rule ? ei.rule : steme_strerror(err));
        bad_line(l, file, line, "", detail);
        goto out_fail;
    }
    if (l->n_items == MAX_RECORDS) {
        bad_line(l, file, line, "more records than a demo data set may hold", NULL);
        goto out_fail;
    }
    if (l->n_items == l->cap_items) {
        size_t cap = l->cap_items ? 2 * l->cap_items : 256;
        item *p = realloc(l->items, cap * sizeof(*p));
        if (p == NULL)
            goto out_nomem;
        l->items = p;
        l->cap_items = cap;
    }
    if (rname != NULL && l->n_refs == l->cap_refs) {
        size_t cap = l->cap_refs ? 2 * l->cap_refs : 256;
        ref *p = realloc(l->refs, cap * sizeof(*p));
        if (p == NULL)
            goto out_nomem;
        l->refs = p;
        l->cap_refs = cap;
    }
    it.bytes = malloc(it.len);
    if (it.bytes == NULL)
        goto out_nomem;
    memcpy(it.bytes, l->buf, it.len);
    l->items[l->n_items++] = it;
    if (rname != NULL)
        l->refs[l->n_refs++] = (ref){.name = rname, .id = it.id};
    return CLI_CONTINUE;

out_nomem:
    cli_error(l->c, STEME_ENOMEM, NULL, NULL);
out_fail:
    free(rname);
    return CLI_EXIT_FAIL;
}

/* Read the lines of one file (data, len bytes). */
static int
take_file(loader *l, const char *file, const char *data, size_t len)
{
    uint64_t lineno = 0;
    size_t pos = 0;
    l->files++;
    while (pos < len) {
        const char *s = data + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        lineno++;
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        size_t skip = 0;
        while (skip < n && (s[skip] == ' ' || s[skip] == '\t'))
            skip++;
        if (skip == n || s[skip] == '#')
            continue;
        json_error_t jerr;
        json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
        if (j == NULL || !json_is_object(j)) {
            json_decref(j);
            return bad_line(l, file, lineno, "not a JSON object: ", j ? NULL : jerr.text);
        }
        int st = take_line(l, file, lineno, j);
        json_decref(j);
        if (st != CLI_CONTINUE)
            return st;
    }
    return CLI_CONTINUE;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.jsonl file of dir, in name order. */
static int
take_dir(loader *l, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return cli_error(l->c, STEME_ESYSERR | errno, NULL, "%s", dir);
    const size_t max = sizeof(l->names) / sizeof(l->names[0]);
    struct dirent *de;
    int status = CLI_CONTINUE;
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);
        if (nl < 7 || strcmp(de->d_name + nl - 6, ".jsonl") != 0 || de->d_name[0] == '.')
            continue;
        if (l->n_names == max) {
            status = cli_fail(l->c, "invalid", "%s: more than %zu data files", dir, max);
            break;
        }
        if ((l->names[l->n_names] = strdup(de->d_name)) == NULL) {
            status = cli_error(l->c, STEME_ENOMEM, NULL, NULL);
            break;
        }
        l->n_names++;
    }
    closedir(d);
    if (status == CLI_CONTINUE && l->n_names == 0)
        status = cli_fail(l->c, "not_found", "%s holds no *.jsonl file", dir);
    qsort(l->names, l->n_names, sizeof(l->names[0]), cmp_names);
    for (size_t i = 0; i < l->n_names && status == CLI_CONTINUE; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, l->names[i]);
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            status = cli_error(l->c, STEME_ESYSERR | errno, NULL, "%s", path);
            break;
        }
        char *data = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&data, &len);
        char chunk[65536];
        size_t got;
        while (mem != NULL && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
            fwrite(chunk, 1, got, mem);
        bool rerr = ferror(f);
        fclose(f);
        if (mem == NULL || fclose(mem) != 0 || rerr) {
            free(data);
            status = cli_fail(l->c, "system", "%s: cannot be read", path);
            break;
        }
        status = take_file(l, l->names[i], data, len);
        free(data);
    }
    return status;
}

/* Does the store already hold the demo? Its first record whose bytes do not depend on the
 * agents' keys (a source registration) says so. */
static int
already_loaded(loader *l, steme_db *db, bool *ret)
{
    *ret = false;
    for (size_t i = 0; i < l->n_items; i++) {
        if (!l->items[i].fixed)
            continue;
        steme_entry *e = NULL;
        int err = steme_db_get(db, &l->items[i].id, 0, &e);
        steme_entry_free(e);
        if (err == STEME_OK) {
            *ret = true;
            return CLI_CONTINUE;
        }
        if (err != STEME_ENOTFOUND)
            return cli_error(l->c, err, NULL, "reading the store");
        return CLI_CONTINUE; /* the first such record decides */
    }
    return CLI_CONTINUE;
}

static int
save_new_keys(loader *l, size_t *created)
{
    *created = 0;
    if (mkdir(l->keys_dir, 0700) != 0 && errno != EEXIST)
        return cli_error(l->c, STEME_ESYSERR | errno, NULL, "creating %s", l->keys_dir);
    for (size_t i = 0; i < l->n_agents; i++) {
        agent *a = &l->agents[i];
        if (!a->created)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.key", l->keys_dir, a->name);
        int err = steme_keypair_save(a->kp, path);
        if (err != STEME_OK)
            return cli_error(l->c, err, NULL, "saving %s", path);
        a->created = false;
        (*created)++;
    }
    return CLI_CONTINUE;
}

static int
store_all(loader *l, steme_db *db, uint64_t *fresh, uint64_t *first, uint64_t *last)
{
    steme_signed *recs = calloc(l->n_items, sizeof(*recs));
    steme_ingest_result *res = calloc(l->n_items, sizeof(*res));
    int status = CLI_CONTINUE;
    if (recs == NULL || res == NULL) {
        status = cli_error(l->c, STEME_ENOMEM, NULL, NULL);
        goto out_free;
    }
    for (size_t i = 0; i < l->n_items; i++)
        recs[i] = (steme_signed){
            .bytes = l->items[i].bytes, .len = l->items[i].len, .sig = l->items[i].sig};
    int err = steme_db_ingest(db, recs, l->n_items, res, STEME_INGEST_ATOMIC);
    if (err != STEME_OK && err != STEME_EINVAL) {
        status = cli_error(l->c, err, NULL, "storing the demo");
        goto out_free;
    }
    *fresh = 0;
    *first = UINT64_MAX;
    *last = 0;
    for (size_t i = 0; i < l->n_items; i++) {
        if (res[i].err != STEME_OK) {
            const item *it = &l->items[i];
            json_t *extra = json_pack("{s:s, s:I}", "file", it->file, "line", (json_int_t)it->line);
            status = cli_error_extra(l->c, res[i].err, &res[i].info, extra,
                                     "%s:%" PRIu64 " (nothing was stored)", it->file, it->line);
            goto out_free;
        }
        if (!res[i].duplicate)
            (*fresh)++;
        if (res[i].seq < *first)
            *first = res[i].seq;
        if (res[i].seq > *last)
            *last = res[i].seq;
    }
    if (err != STEME_OK)
        status = cli_error(l->c, err, NULL, "storing the demo");
out_free:
    free(recs);
    free(res);
    return status;
}

static int
print_summary(loader *l, uint64_t fresh, size_t created, uint64_t first, uint64_t last)
{
    cli *c = l->c;
    uint64_t dups = l->n_items - fresh;
    if (c->json) {
        json_t *j = json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "db",
                              steme__json_text(c->db_dir), "keys", steme__json_text(l->keys_dir),
                              "files", (json_int_t)l->files, "records", (json_int_t)l->n_items,
                              "new", (json_int_t)fresh, "duplicates", (json_int_t)dups, "agents",
                              (json_int_t)l->n_agents, "keys_created", (json_int_t)created,
                              "first_seq", (json_int_t)first, "last_seq", (json_int_t)last);
        return cli_json_doc(c, j) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (c->quiet)
        return CLI_EXIT_OK;
    printf("%s the demo data set in %s\n", fresh > 0 ? "loaded" : "already loaded: nothing new in",
           c->db_dir);
    printf("  records  %zu from %zu files: %" PRIu64 " new, %" PRIu64 " already there\n",
           l->n_items, l->files, fresh, dups);
    printf("  agents   %zu, keys in %s (%zu created now)\n", l->n_agents, l->keys_dir, created);
    printf("  log      positions %" PRIu64 "..%" PRIu64 "\n", first, last);
    printf("next: serve this store (stemedb with STEMEDB_DATA_DIR=%s) and run\n"
           "      STEME_API_KEY=<an admin API key> steme --db %s demo tour\n",
           c->db_dir, c->db_dir);
    return CLI_EXIT_OK;
}

enum { OPT_KEYS = CLI_OPT_BASE, OPT_ADMIN_KEY, OPT_DATA };

typedef struct load_args {
    const char *keys;
    const char *admin_key;
    const char *data;
} load_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    load_args *a = ctx;
    if (arg != NULL && arg[0] == '\0')
        return cli_usage(c, "an option's value is empty");
    switch (opt) {
    case OPT_KEYS:
        a->keys = arg;
        break;
    case OPT_ADMIN_KEY:
        a->admin_key = arg;
        break;
    case OPT_DATA:
        a->data = arg;
        break;
    }
    return CLI_CONTINUE;
}

int
demo_load_run(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"keys", required_argument, NULL, OPT_KEYS},
        {"admin-key", required_argument, NULL, OPT_ADMIN_KEY},
        {"data", required_argument, NULL, OPT_DATA},
        {NULL, 0, NULL, 0},
    };
    load_args a = {0};
    int first_arg;
    int status = cli_args_parse(c, &cli_cmd_demo, argc, argv, opts, on_option, &a, &first_arg);
    if (status != CLI_CONTINUE)
        return status;
    if (first_arg != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first_arg]);

    loader l = {.c = c};
    char *keys_dir = a.keys != NULL ? strdup(a.keys) : demo_default_keys_dir(c);
    l.buf = malloc(STEME_MAX_RECORD);
    if (keys_dir == NULL || l.buf == NULL) {
        free(keys_dir);
        free(l.buf);
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    l.keys_dir = keys_dir;
    steme_db *db = NULL;
    status = cli_db_open(c, false, &db);
    if (status != CLI_CONTINUE)
        goto out;
    status = cli_admin_key_open(c, a.admin_key, &l.admin);
    if (status != CLI_CONTINUE)
        goto out;
    steme_pubkey apk;
    steme_keypair_public(l.admin, &apk);
    steme_hex(apk.b, sizeof(apk.b), l.admin_hex);

    if (a.data != NULL) {
        status = take_dir(&l, a.data);
    } else {
        for (size_t i = 0; i < demo_n_files && status == CLI_CONTINUE; i++)
            status = take_file(&l, demo_files[i].name, demo_files[i].data, demo_files[i].len);
    }
    if (status != CLI_CONTINUE)
        goto out;
    if (l.n_items == 0) {
        status = cli_fail(c, "invalid", "the data set holds no record");
        goto out;
    }

    size_t fresh_keys = 0;
    for (size_t i = 0; i < l.n_agents; i++)
        fresh_keys += l.agents[i].created;
    if (fresh_keys > 0) {
        bool loaded = false;
        status = already_loaded(&l, db, &loaded);
        if (status != CLI_CONTINUE)
            goto out;
        if (loaded) {
            status = cli_fail(c, "exists",
                              "the store already holds the demo, but %zu agent key(s) are missing "
                              "from %s: loading would sign the claims again as other agents "
                              "(restore the keys, or start from a fresh store)",
                              fresh_keys, l.keys_dir);
            goto out;
        }
    }
    size_t created = 0;
    status = save_new_keys(&l, &created);
    if (status != CLI_CONTINUE)
        goto out;
    uint64_t fresh = 0, first = 0, last = 0;
    status = store_all(&l, db, &fresh, &first, &last);
    if (status == CLI_CONTINUE)
        status = print_summary(&l, fresh, created, first, last);
out:
    steme_db_close(db);
    loader_free(&l);
    free(keys_dir);
    return status;
}
