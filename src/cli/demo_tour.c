/* SPDX-License-Identifier: MIT */
/*
 * demo_tour.c -- `steme demo tour`: the five moments of the demo against a live stemedb
 * (docs/demo.md), and the helpers the moments share (demo_tour.h).
 *
 * Everything the tour shows comes from the server's API, as a client would get it: it never
 * opens the store. The one thing it computes itself is the check of records' ids and
 * signatures (demo_audit.c), which is the point: a reader need not trust the server for
 * those. A moment that does not hold is reported by name and makes the exit status 1; a
 * request that fails (server unreachable, a refused key) fails the moment that made it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "demo_tour.h"
#include "http_client.h"
#include "output.h"

#define DEFAULT_URL "http://127.0.0.1:18180"

/* ---------------------------------------------------------------------------------------------
 * Output
 */

void
tour_say(tour *t, const char *fmt, ...)
{
    if (!t->text)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void
tour_put(tour *t, const char *s)
{
    if (t->text && s != NULL)
        steme__fmt_put(stdout, s, strlen(s));
}

void
tour_wrap(tour *t, int indent, const char *s)
{
    if (!t->text || s == NULL)
        return;
    const int width = 96;
    size_t len = strlen(s), pos = 0;
    while (pos < len) {
        size_t room = (size_t)(width - indent), n = len - pos;
        if (n > room) {
            n = room;
            while (n > 0 && s[pos + n] != ' ')
                n--;
            if (n == 0)
                n = room;
        }
        printf("%*s", indent, "");
        steme__fmt_put(stdout, s + pos, n);
        fputc('\n', stdout);
        pos += n;
        while (pos < len && s[pos] == ' ')
            pos++;
    }
}

void
tour_table(tour *t, const cli_table *tab)
{
    if (!t->text)
        return;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem == NULL)
        return;
    cli_table_print(tab, mem);
    if (fclose(mem) != 0) {
        free(buf);
        return;
    }
    /* The cells were escaped when they were added. */
    for (char *line = buf, *nl; line < buf + len; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(buf + len - line));
        if (nl == NULL)
            nl = buf + len;
        printf("   %.*s\n", (int)(nl - line), line);
    }
    free(buf);
}

void
tour_fail(tour *t, moment *m, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_array_append_new(m->failures, steme__json_text(msg));
    if (t->text) {
        fputs("   FAILED: ", stdout);
        steme__fmt_put(stdout, msg, strlen(msg));
        fputc('\n', stdout);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Requests
 */

char *
tour_esc(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(3 * strlen(s) + 1);
    if (out == NULL)
        return NULL;
    char *p = out;
    for (const unsigned char *v = (const unsigned char *)s; *v; v++) {
        if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
            *v == '-' || *v == '_' || *v == '.' || *v == '~') {
            *p++ = (char)*v;
        } else {
            *p++ = '%';
            *p++ = hex[*v >> 4];
            *p++ = hex[*v & 15];
        }
    }
    *p = '\0';
    return out;
}

static char *
qs_v(const char *base, va_list ap)
{
    char *qs = NULL;
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        if (value != NULL && !cli_http_arg(&qs, name, value)) {
            free(qs);
            return NULL;
        }
    }
    size_t bl = strlen(base), ql = qs != NULL ? strlen(qs) : 0;
    char *out = malloc(bl + ql + 1);
    if (out != NULL) {
        memcpy(out, base, bl);
        memcpy(out + bl, qs != NULL ? qs : "", ql + 1);
    }
    free(qs);
    return out;
}

char *
tour_qs(const char *base, ...)
{
    va_list ap;
    va_start(ap, base);
    char *out = qs_v(base, ap);
    va_end(ap);
    return out;
}

json_t *
tour_api(tour *t, moment *m, const char *method, const char *path, json_t *body, long want,
         long *status)
{
    char *text = NULL;
    if (body != NULL && (text = steme__json_dumps(body, 0)) == NULL) {
        tour_fail(t, m, "%s %s: out of memory", method, path);
        return NULL;
    }
    cli_http_reply r;
    bool answered = cli_http(t->url, t->token, method, path, text, &r);
    free(text);
    if (status != NULL)
        *status = answered ? r.status : 0;
    json_t *out = NULL;
    if (!answered) {
        tour_fail(t, m, "%s %s: %s (is stemedb running at %s?)", method, path, r.error, t->url);
    } else if (r.status != want) {
        const char *msg =
            r.json != NULL ? json_string_value(json_object_get(r.json, "message")) : NULL;
        /* A caller that asks for the status judges a 404 itself. */
        if (status == NULL || r.status != 404)
            tour_fail(t, m, "%s %s: HTTP %ld%s%s%s", method, path, r.status,
                      msg != NULL ? " (" : "", msg != NULL ? msg : "", msg != NULL ? ")" : "");
        if (r.status == 401 || r.status == 403)
            tour_fail(t, m,
                      "set STEME_API_KEY to an API key of the server (the retraction "
                      "needs the admin role)");
    } else if (r.json == NULL) {
        tour_fail(t, m, "%s %s: the answer is not JSON", method, path);
    } else {
        out = json_incref(r.json);
    }
    cli_http_reply_free(&r);
    return out;
}

json_t *
tour_query(tour *t, moment *m, uint64_t *position, const char *subject, const char *predicate,
           const char *lens, ...)
{
    char *base = tour_qs("/v1/query", "subject", subject, "predicate", predicate, "lens", lens,
                         "explain", "true", NULL);
    if (base == NULL)
        return NULL;
    va_list ap;
    va_start(ap, lens);
    char *path = qs_v("", ap);
    va_end(ap);
    char *full = NULL;
    if (path != NULL && (full = malloc(strlen(base) + strlen(path) + 2)) != NULL) {
        /* qs_v starts its own query string with '?': continue base's with '&'. */
        strcpy(full, base);
        if (path[0] == '?') {
            strcat(full, "&");
            strcat(full, path + 1);
        }
    }
    free(base);
    free(path);
    if (full == NULL)
        return NULL;
    json_t *res = tour_api(t, m, "GET", full, NULL, 200, NULL);
    free(full);
    if (res == NULL)
        return NULL;
    json_t *a = json_array_get(json_object_get(res, "answers"), 0);
    if (a == NULL) {
        tour_fail(t, m, "query %s %s: no answer", subject, predicate);
        json_decref(res);
        return NULL;
    }
    if (position != NULL)
        *position = tour_u64(res, "position");
    json_incref(a);
    json_decref(res);
    return a;
}

/* ---------------------------------------------------------------------------------------------
 * Members and names
 */

const char *
tour_str(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s != NULL ? s : "";
}

double
tour_num(const json_t *j, const char *key)
{
    return json_number_value(json_object_get(j, key));
}

uint64_t
tour_u64(const json_t *j, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(j, key));
    return v > 0 ? (uint64_t)v : 0;
}

const char *
tour_winner(const json_t *answer)
{
    const char *w = json_string_value(json_object_get(answer, "winner"));
    return w != NULL ? w : "none";
}

const char *
tour_name(tour *t, const char *key_hex)
{
    const char *n = json_string_value(json_object_get(t->names, key_hex));
    if (n != NULL)
        return n;
    /* Not in the list: its key's first digits, kept in the map so the string lives on. */
    char short_hex[16];
    snprintf(short_hex, sizeof(short_hex), "%.12s", key_hex);
    json_object_set_new(t->names, key_hex, json_string(short_hex));
    n = json_string_value(json_object_get(t->names, key_hex));
    return n != NULL ? n : "?";
}

const char *
tour_tier(tour *t, const char *source)
{
    const char *s = json_string_value(json_object_get(t->tiers, source));
    return s != NULL ? s : "?";
}

/* Agents' display names and sources' tiers, for the tables. */
static bool
load_catalog(tour *t, moment *m)
{
    json_t *agents = tour_api(t, m, "GET", "/v1/agents?limit=1000", NULL, 200, NULL);
    if (agents == NULL)
        return false;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(agents, "agents"), i, a)
    {
        const char *name = json_string_value(json_object_get(a, "name"));
        const char *role = tour_str(a, "role");
        if (name == NULL && strcmp(role, "admin") == 0)
            name = "the store's admin (genesis key)";
        if (name != NULL)
            json_object_set_new(t->names, tour_str(a, "key"), json_string(name));
    }
    json_decref(agents);
    json_t *sources = tour_api(t, m, "GET", "/v1/sources?limit=1000", NULL, 200, NULL);
    if (sources == NULL)
        return false;
    json_array_foreach(json_object_get(sources, "sources"), i, a)
        json_object_set_new(t->tiers, tour_str(a, "id"), json_string(tour_str(a, "tier")));
    json_decref(sources);
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * The tour
 */

static void
moment_begin(tour *t, moment *m, int n, const char *name, const char *title)
{
    m->n = n;
    m->name = name;
    m->failures = json_array();
    m->doc = json_pack("{s:i, s:s, s:b, s:o}", "moment", n, "name", name, "ok", true, "failures",
                       m->failures);
    tour_say(t, "\n== %d. %s\n", n, title);
}

static bool
moment_end(tour *t, moment *m)
{
    bool ok = json_array_size(m->failures) == 0;
    json_object_set_new(m->doc, "ok", json_boolean(ok));
    tour_say(t, "   %s\n", ok ? "-> holds" : "-> DOES NOT HOLD");
    return ok;
}

enum { OPT_URL = CLI_OPT_BASE, OPT_KEYS, OPT_ADMIN_KEY };

typedef struct tour_args {
    const char *url;
    const char *keys;
    const char *admin_key;
} tour_args;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    tour_args *a = ctx;
    if (arg != NULL && arg[0] == '\0')
        return cli_usage(c, "an option's value is empty");
    switch (opt) {
    case OPT_URL:
        a->url = arg;
        break;
    case OPT_KEYS:
        a->keys = arg;
        break;
    case OPT_ADMIN_KEY:
        a->admin_key = arg;
        break;
    }
    return CLI_CONTINUE;
}

typedef void (*moment_fn)(tour *t, moment *m);

static const struct {
    const char *name;
    const char *title;
    moment_fn run;
} moments[] = {
    {"conflict", "Conflicting claims, side by side", demo_moment_conflict},
    {"retraction", "A source retraction cascades", demo_moment_retraction},
    {"audit_trail", "The audit trail of a conclusion, signatures verified", demo_moment_audit},
    {"time_travel", "Time travel: valid time and transaction time", demo_moment_time},
    {"lenses", "Three lenses, three winners", demo_moment_lenses},
};

#define N_MOMENTS (sizeof(moments) / sizeof(moments[0]))

int
demo_tour_run(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, OPT_URL},
        {"keys", required_argument, NULL, OPT_KEYS},
        {"admin-key", required_argument, NULL, OPT_ADMIN_KEY},
        {NULL, 0, NULL, 0},
    };
    tour_args a = {0};
    int first;
    int status = cli_args_parse(c, &cli_cmd_demo, argc, argv, opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);

    tour t = {.c = c, .text = !c->json};
    const char *env_url = getenv("STEME_URL");
    t.url = a.url != NULL ? a.url : env_url != NULL && env_url[0] != '\0' ? env_url : DEFAULT_URL;
    const char *token = getenv("STEME_API_KEY");
    t.token = token != NULL && token[0] != '\0' ? token : NULL;
    char *keys = a.keys != NULL ? strdup(a.keys) : demo_default_keys_dir(c);
    char *admin_key = NULL;
    if (keys != NULL && a.admin_key != NULL)
        admin_key = strdup(a.admin_key);
    else if (keys != NULL && asprintf(&admin_key, "%s/%s.key", keys, DEMO_CURATOR) < 0)
        admin_key = NULL;
    t.names = json_object();
    t.tiers = json_object();
    json_t *list = json_array();
    json_t *failed = json_array();
    if (keys == NULL || admin_key == NULL || t.names == NULL || t.tiers == NULL || list == NULL ||
        failed == NULL) {
        status = cli_error(c, STEME_ENOMEM, NULL, NULL);
        goto out;
    }
    t.keys_dir = keys;
    t.admin_key = admin_key;

    tour_say(&t, "StemeDB demo tour against %s\n", t.url);
    bool all_ok = true;
    for (size_t i = 0; i < N_MOMENTS; i++) {
        moment m;
        moment_begin(&t, &m, (int)i + 1, moments[i].name, moments[i].title);
        if (i == 0 && !load_catalog(&t, &m)) {
            /* Nothing can be shown without the server: stop here. */
            moment_end(&t, &m);
            json_array_append_new(list, m.doc);
            json_array_append_new(failed, json_integer(1));
            all_ok = false;
            break;
        }
        moments[i].run(&t, &m);
        if (!moment_end(&t, &m)) {
            all_ok = false;
            json_array_append_new(failed, json_integer((json_int_t)i + 1));
        }
        json_array_append_new(list, m.doc);
    }

    if (c->json) {
        json_t *doc = json_pack("{s:o, s:b, s:O, s:O}", "url", steme__json_text(t.url), "ok",
                                all_ok, "failed", failed, "moments", list);
        status = cli_json_doc(c, doc) == CLI_CONTINUE && all_ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    } else {
        if (all_ok) {
            printf("\nAll five moments hold.\n");
        } else {
            printf("\nThe tour failed: moment");
            size_t i;
            json_t *n;
            json_array_foreach(failed, i, n)
                printf("%s %lld", i == 0 ? "" : ",", (long long)json_integer_value(n));
            printf(" did not hold (see FAILED above).\n");
        }
        status = all_ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
out:
    json_decref(list);
    json_decref(failed);
    json_decref(t.names);
    json_decref(t.tiers);
    free(keys);
    free(admin_key);
    return cli_finish(c, status);
}
