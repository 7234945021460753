/* SPDX-License-Identifier: MIT */
/*
 * remote.c -- requests to a stemedb server for the commands' remote mode (see remote.h):
 * paths, the API key, errors worded as embedded mode words them, paging, and signed records
 * posted to the write routes.
 *
 * The API key is read from $STEME_API_KEY for each request and handed to the HTTP client,
 * which puts it in the Authorization header only; nothing here formats it into a message.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "record_json.h"
#include "remote.h"
#include "view.h"

int
cli_store_open(cli *c, bool read_only, steme_db **ret)
{
    if (cli_remote(c)) {
        *ret = NULL;
        return CLI_CONTINUE;
    }
    return cli_db_open(c, read_only, ret);
}

/* ---------------------------------------------------------------------------------------------
 * Paths
 */

/* A path longer than this is refused rather than sent (the server answers 414 well before). */
#define MAX_PATH_LEN (64u * 1024)

static void
put(cli_path *p, const char *s, size_t n)
{
    if (p->oom)
        return;
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 128;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *grown = cap <= MAX_PATH_LEN ? realloc(p->s, cap) : NULL;
        if (grown == NULL) {
            p->oom = true;
            return;
        }
        p->s = grown;
        p->cap = cap;
    }
    memcpy(p->s + p->len, s, n);
    p->len += n;
    p->s[p->len] = '\0';
}

/* Percent-encode everything but RFC 3986's unreserved characters. */
static void
put_encoded(cli_path *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *v = (const unsigned char *)s; *v != '\0'; v++) {
        if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
            *v == '-' || *v == '_' || *v == '.' || *v == '~') {
            put(p, (const char *)v, 1);
        } else {
            char e[3] = {'%', hex[*v >> 4], hex[*v & 15]};
            put(p, e, 3);
        }
    }
}

void
cli_path_init(cli_path *p, const char *base)
{
    memset(p, 0, sizeof(*p));
    put(p, base, strlen(base));
}

void
cli_path_seg(cli_path *p, const char *seg)
{
    put(p, "/", 1);
    put_encoded(p, seg);
}

void
cli_path_arg(cli_path *p, const char *name, const char *value)
{
    put(p, p->query ? "&" : "?", 1);
    p->query = true;
    put(p, name, strlen(name));
    put(p, "=", 1);
    put_encoded(p, value);
}

void
cli_path_arg_u64(cli_path *p, const char *name, uint64_t value)
{
    char num[24];
    snprintf(num, sizeof(num), "%" PRIu64, value);
    cli_path_arg(p, name, num);
}

void
cli_path_free(cli_path *p)
{
    free(p->s);
    memset(p, 0, sizeof(*p));
}

/* ---------------------------------------------------------------------------------------------
 * Requests and errors
 */

/* The URL as messages show it: without a user:password@ part, should one have been given. */
static void
shown_url(const char *url, char *out, size_t cap)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end != NULL ? scheme_end + 3 : url;
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    if (at != NULL && (slash == NULL || at < slash))
        snprintf(out, cap, "%.*s%s", (int)(host - url), url, at + 1);
    else
        snprintf(out, cap, "%s", url);
}

static const char *
api_key(void)
{
    const char *key = getenv("STEME_API_KEY");
    return key != NULL && key[0] != '\0' ? key : NULL;
}

int
cli_remote_call(cli *c, const char *method, const cli_path *path, const json_t *body,
                cli_http_reply *reply)
{
    memset(reply, 0, sizeof(*reply));
    if (path->oom || path->s == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, "building the request");
    char *text = NULL;
    if (body != NULL && (text = steme__json_dumps(body, 0)) == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, "building the request");
    bool answered = cli_http(c->url, api_key(), method, path->s, text, reply);
    free(text);
    if (answered)
        return CLI_CONTINUE;
    char url[512];
    shown_url(c->url, url, sizeof(url));
    int status = cli_fail(c, "unreachable", "%s: %s", url, reply->error);
    cli_http_reply_free(reply);
    return status;
}

int
cli_remote_fail(cli *c, const cli_http_reply *reply)
{
    const json_t *j = reply->json;
    const char *code = json_string_value(json_object_get(j, "error"));
    const char *message = json_string_value(json_object_get(j, "message"));
    const char *field = json_string_value(json_object_get(j, "field"));
    char url[512];
    shown_url(c->url, url, sizeof(url));
    if (reply->status == 401)
        return cli_fail_field(
            c, "unauthorized", NULL, NULL, "%s",
            api_key() == NULL
                ? "the server needs an API key: set STEME_API_KEY (an API key, made with "
                  "'steme key create' or by an admin)"
                : "the server refused the API key in STEME_API_KEY (unknown, revoked or "
                  "malformed)");
    if (reply->status == 403)
        return cli_fail_field(c, "forbidden", NULL, NULL,
                              "the API key in STEME_API_KEY may not do this: %s",
                              message != NULL ? message : "its role is too low");
    if (code == NULL || message == NULL)
        return cli_fail_field(c, "system", NULL, NULL,
                              "%s answered HTTP %ld without an error document", url, reply->status);
    return cli_fail_field(c, code, field, NULL, "%s", message);
}

int
cli_remote_get(cli *c, const cli_path *path, json_t **ret, bool *not_found)
{
    cli_http_reply reply;
    *ret = NULL;
    if (not_found != NULL)
        *not_found = false;
    int status = cli_remote_call(c, "GET", path, NULL, &reply);
    if (status != CLI_CONTINUE)
        return status;
    if (reply.status == 200 && reply.json != NULL) {
        *ret = reply.json;
        reply.json = NULL;
    } else if (reply.status == 404 && not_found != NULL) {
        *not_found = true;
    } else {
        status = cli_remote_fail(c, &reply);
    }
    cli_http_reply_free(&reply);
    return status;
}

int
cli_remote_post(cli *c, const cli_path *path, const json_t *body, json_t **ret)
{
    cli_http_reply reply;
    *ret = NULL;
    int status = cli_remote_call(c, "POST", path, body, &reply);
    if (status != CLI_CONTINUE)
        return status;
    if ((reply.status == 200 || reply.status == 201) && reply.json != NULL) {
        *ret = reply.json;
        reply.json = NULL;
    } else {
        status = cli_remote_fail(c, &reply);
    }
    cli_http_reply_free(&reply);
    return status;
}

/* The most a page may hold (the server's limit). */
#define PAGE_MAX 1000

/* One page's request: the path and its query so far, to which the page adds its arguments. */
static void
page_init(cli_path *page, const cli_path *path)
{
    cli_path_init(page, path->s != NULL ? path->s : "");
    page->query = path->query;
    page->oom |= path->oom;
}

int
cli_remote_pages(cli *c, const cli_path *path, uint64_t after, const char *member, uint64_t want,
                 cli_remote_item_fn fn, void *ctx, bool *ret_more)
{
    char *cursor = NULL;
    uint64_t taken = 0;
    int status = CLI_CONTINUE;
    bool more = false;
    for (;;) {
        uint64_t left = want == 0 ? PAGE_MAX : want - taken;
        cli_path page;
        page_init(&page, path);
        cli_path_arg_u64(&page, "limit", left < PAGE_MAX ? left : PAGE_MAX);
        if (cursor != NULL)
            cli_path_arg(&page, "cursor", cursor);
        else if (after != 0)
            cli_path_arg_u64(&page, "after", after);
        json_t *doc = NULL;
        status = cli_remote_get(c, &page, &doc, NULL);
        cli_path_free(&page);
        if (status != CLI_CONTINUE)
            break;
        const json_t *items = json_object_get(doc, member);
        const char *next = json_string_value(json_object_get(doc, "next_cursor"));
        for (size_t i = 0; status == CLI_CONTINUE && i < json_array_size(items); i++) {
            status = fn(c, json_array_get(items, i), ctx);
            taken++;
        }
        free(cursor);
        cursor = next != NULL ? strdup(next) : NULL;
        json_decref(doc);
        if (next != NULL && cursor == NULL)
            status = cli_error(c, STEME_ENOMEM, NULL, NULL);
        if (status != CLI_CONTINUE || cursor == NULL)
            break;
        if (want != 0 && taken >= want) {
            more = true;
            break;
        }
    }
    free(cursor);
    if (ret_more != NULL)
        *ret_more = more;
    return status;
}

int
cli_remote_pages_from(cli *c, const cli_path *path, uint64_t from, const char *member,
                      uint64_t want, cli_remote_item_fn fn, void *ctx)
{
    uint64_t taken = 0;
    for (;;) {
        uint64_t left = want == 0 ? PAGE_MAX : want - taken;
        cli_path page;
        page_init(&page, path);
        if (from != 0)
            cli_path_arg_u64(&page, "from", from);
        cli_path_arg_u64(&page, "limit", left < PAGE_MAX ? left : PAGE_MAX);
        json_t *doc = NULL;
        int status = cli_remote_get(c, &page, &doc, NULL);
        cli_path_free(&page);
        if (status != CLI_CONTINUE)
            return status;
        const json_t *items = json_object_get(doc, member);
        for (size_t i = 0; status == CLI_CONTINUE && i < json_array_size(items); i++) {
            status = fn(c, json_array_get(items, i), ctx);
            taken++;
        }
        uint64_t next = cli_ju64(doc, "next_from");
        json_decref(doc);
        if (status != CLI_CONTINUE || next == 0 || (want != 0 && taken >= want))
            return status;
        from = next;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Records
 */

int
cli_remote_refusal(cli *c, const json_t *item, json_t *extra, const char *prefix)
{
    const char *code = json_string_value(json_object_get(item, "error"));
    const char *field = json_string_value(json_object_get(item, "field"));
    const char *rule = json_string_value(json_object_get(item, "rule"));
    /* The server names the member by its place in the request ("records[0].record.target");
     * embedded mode names it in the record ("target"). */
    if (field != NULL && strncmp(field, "records[", 8) == 0) {
        const char *p = strchr(field, ']');
        field = p != NULL ? p + 1 : field;
        if (*field == '.')
            field++;
        if (strncmp(field, "record", 6) == 0 && (field[6] == '.' || field[6] == '\0'))
            field += field[6] == '.' ? 7 : 6;
    }
    if (code == NULL)
        code = "invalid";
    if (rule == NULL)
        rule = "refused";
    const char *sep = prefix != NULL ? ": " : "";
    if (prefix == NULL)
        prefix = "";
    if (field == NULL || field[0] == '\0')
        return cli_fail_field(c, code, NULL, extra, "%s%s%s", prefix, sep, rule);
    return cli_fail_field(c, code, field, extra, "%s%s%s: %s", prefix, sep, field, rule);
}

int
cli_remote_store(cli *c, const cli_path *route, const steme_record *rec, const steme_keypair *kp,
                 json_t **ret)
{
    *ret = NULL;
    uint8_t *buf = malloc(STEME_MAX_RECORD);
    if (buf == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    size_t len;
    steme_id id;
    steme_sig sig;
    steme_errinfo ei = {0};
    int err = steme_record_sign(rec, kp, buf, STEME_MAX_RECORD, &len, &id, &sig, &ei);
    free(buf);
    if (err != STEME_OK)
        return cli_error(c, err, &ei, NULL);
    json_t *body = json_pack("{s:[{s:o, s:o}]}", "records", "record", steme__record_to_json(rec),
                             "signature", steme__json_hex(sig.b, sizeof(sig.b)));
    if (body == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    cli_http_reply reply;
    int status = cli_remote_call(c, "POST", route, body, &reply);
    json_decref(body);
    if (status != CLI_CONTINUE)
        return status;
    json_t *item = json_array_get(json_object_get(reply.json, "results"), 0);
    const char *st = json_string_value(json_object_get(item, "status"));
    if (reply.status == 200 && st != NULL &&
        (strcmp(st, "new") == 0 || strcmp(st, "duplicate") == 0)) {
        json_object_del(item, "index");
        *ret = json_incref(item);
    } else if (reply.status == 422 && st != NULL && strcmp(st, "refused") == 0) {
        status = cli_remote_refusal(c, item, NULL, NULL);
    } else {
        status = cli_remote_fail(c, &reply);
    }
    cli_http_reply_free(&reply);
    return status;
}

int
cli_remote_entry(cli *c, const char *ref, json_t **ret)
{
    cli_path path;
    cli_path_init(&path, "/v1/records");
    cli_path_seg(&path, ref);
    bool missing;
    int status = cli_remote_get(c, &path, ret, &missing);
    cli_path_free(&path);
    return status;
}
