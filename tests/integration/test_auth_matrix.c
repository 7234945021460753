/* SPDX-License-Identifier: MIT */
/*
 * test_auth_matrix.c -- every route x every caller: no key, a well-formed unknown key, a
 * revoked (admin) key, and reader, writer and admin keys, against the real server.
 *
 * The expected least role of each route is written down here, independently of the server's
 * route table (src/server/routes.c) and of its OpenAPI document: the test checks that its table
 * lists exactly the routes `stemedb --routes` prints, with the same roles, and, once the
 * OpenAPI document describes paths, exactly the operations it describes; and the server itself
 * confirms each path exists over HTTP (a wrong method gets 405 with an Allow header naming
 * exactly this table's methods for the path).
 *
 * Allowed means "authentication passed": anything but 401 and 403 (the handler may then refuse
 * the sample input with 400, 404 or 422, or not exist yet: 501).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { ANY = 0, R = 1, W = 2, A = 3 };

typedef struct route {
    const char *method;
    const char *pattern; /* as routes.c and the OpenAPI document write it */
    const char *sample;  /* the pattern with its captures filled in, plus a query if useful */
    int role;
} route;

#define HEX64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const route routes[] = {
    {"GET", "/v1/health", "/v1/health", ANY},
    {"GET", "/v1/ready", "/v1/ready", ANY},
    {"GET", "/metrics", "/metrics", ANY},
    {"GET", "/v1/openapi.json", "/v1/openapi.json", ANY},
    {"GET", "/v1/stats", "/v1/stats", R},

    {"POST", "/v1/records", "/v1/records", W},
    {"GET", "/v1/records/{id}", "/v1/records/" HEX64, R},
    {"GET", "/v1/records/{id}/history", "/v1/records/" HEX64 "/history", R},
    {"GET", "/v1/records/{id}/provenance", "/v1/records/" HEX64 "/provenance", R},
    {"GET", "/v1/records/{id}/state", "/v1/records/" HEX64 "/state", R},
    {"GET", "/v1/log", "/v1/log", R},
    {"GET", "/v1/list", "/v1/list?subject=s", R},
    {"GET", "/v1/reports/{seq}", "/v1/reports/1", R},
    {"POST", "/v1/votes", "/v1/votes", W},
    {"POST", "/v1/supersessions", "/v1/supersessions", W},
    {"POST", "/v1/retractions", "/v1/retractions", W},
    {"POST", "/v1/reaffirmations", "/v1/reaffirmations", W},

    {"GET", "/v1/sources", "/v1/sources", R},
    {"POST", "/v1/sources", "/v1/sources", A},
    {"GET", "/v1/sources/{id}", "/v1/sources/src%3Amatrix", R},
    {"POST", "/v1/sources/{id}/retract", "/v1/sources/src%3Amatrix/retract", A},
    {"POST", "/v1/sources/{id}/reinstate", "/v1/sources/src%3Amatrix/reinstate", A},
    {"GET", "/v1/sources/{id}/impact", "/v1/sources/src%3Amatrix/impact", R},
    {"GET", "/v1/agents", "/v1/agents", R},
    /* Writer, not admin: any agent may set its own display name (docs/rules.md); granting a
     * role takes an admin-signed event, which the rules check. */
    {"POST", "/v1/agents", "/v1/agents", W},
    {"GET", "/v1/agents/{key}", "/v1/agents/" HEX64, R},
    {"GET", "/v1/epochs", "/v1/epochs", R},
    {"POST", "/v1/epochs", "/v1/epochs", A},
    {"GET", "/v1/gold", "/v1/gold?subject=s&predicate=p", R},
    {"POST", "/v1/gold", "/v1/gold", A},
    {"GET", "/v1/quarantine", "/v1/quarantine", R},
    {"POST", "/v1/quarantine/{id}/approve", "/v1/quarantine/" HEX64 "/approve", A},
    {"POST", "/v1/quarantine/{id}/reject", "/v1/quarantine/" HEX64 "/reject", A},

    {"GET", "/v1/query", "/v1/query?subject=s&predicate=p", R},
    {"POST", "/v1/query", "/v1/query", R},
    {"GET", "/v1/compare", "/v1/compare?subject=s&predicate=p", R},
    {"POST", "/v1/receipts/verify", "/v1/receipts/verify", R},
    {"GET", "/v1/watch", "/v1/watch?subject=s&predicate=p", R},
    {"GET", "/v1/audit", "/v1/audit", A},

    {"GET", "/v1/admin/keys", "/v1/admin/keys", A},
    {"POST", "/v1/admin/keys", "/v1/admin/keys", A},
    {"DELETE", "/v1/admin/keys/{id}", "/v1/admin/keys/0123456789abcdef", A},
    {"GET", "/v1/admin/log", "/v1/admin/log", A},
    {"POST", "/v1/admin/check", "/v1/admin/check", A},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* A well-formed token that the server never issued. */
#define UNKNOWN_TOKEN "stk_0123456789abcdef." HEX64

typedef struct callers {
    const char *reader, *writer, *admin, *revoked;
} callers;

/* One request to route rt with token (NULL: none); POST routes get an empty JSON object. */
static it_resp *
call(it_server *s, const route *rt, const char *token)
{
    it_req q = {.method = rt->method, .path = rt->sample, .token = token};
    if (strcmp(rt->method, "POST") == 0)
        q.body = "{}";
    if (strcmp(rt->pattern, "/v1/watch") == 0) {
        q.headers_only = true; /* an allowed watch is a stream that never ends */
        q.timeout_ms = 5000;
    }
    return it_do(s, &q);
}

/* Was route rt found and authentication passed? */
static bool
allowed(const it_resp *r)
{
    if (r->code != CURLE_OK || r->status == 0 || r->status == 401 || r->status == 403 ||
        r->status == 405)
        return false;
    if (r->status == 404) {
        /* The router's own 404 names the path; a handler's 404 names what it did not find. */
        const char *f = json_string_value(json_object_get(r->json, "field"));
        return !(f && strcmp(f, "path") == 0);
    }
    return true;
}

static void
expect_denied(const it_resp *r, const route *rt, const char *who, long status)
{
    char what[512];
    snprintf(what, sizeof(what), "%s %s as %s: expected %ld", rt->method, rt->sample, who, status);
    if (r->status != status)
        it_fail(r, what);
    if (!json_is_object(r->json))
        it_fail(r, what);
    it_expect_error(r, status, status == 401 ? "unauthorized" : "forbidden", "authorization");
    if (status == 401) {
        const char *wa = it_header(r, "WWW-Authenticate");
        if (!wa || strncmp(wa, "Bearer", 6) != 0)
            it_fail(r, "401 without WWW-Authenticate: Bearer");
    }
}

static void
expect_allowed(const it_resp *r, const route *rt, const char *who)
{
    if (!allowed(r)) {
        char what[512];
        snprintf(what, sizeof(what), "%s %s as %s: expected to pass authentication", rt->method,
                 rt->sample, who);
        it_fail(r, what);
    }
    if (!it_header(r, "X-Request-Id"))
        it_fail(r, "no X-Request-Id");
}

/* The whole matrix against server s. open_read: the server runs with STEMEDB_OPEN_READ. */
static void
run_matrix(it_server *s, const callers *c, bool open_read)
{
    const struct {
        const char *who;
        const char *token;
        int level;
    } keyed[] = {
        {"reader", c->reader, R},
        {"writer", c->writer, W},
        {"admin", c->admin, A},
    };
    for (size_t i = 0; i < NROUTES; i++) {
        const route *rt = &routes[i];
        it_resp *r;

        /* No key. */
        r = call(s, rt, NULL);
        if (rt->role == ANY || (open_read && rt->role == R))
            expect_allowed(r, rt, "no key");
        else
            expect_denied(r, rt, "no key", 401);
        it_resp_free(r);

        /* A well-formed unknown key, a malformed one, a revoked admin key: 401 everywhere,
         * open routes included (a client sending a bad key should learn it). */
        r = call(s, rt, UNKNOWN_TOKEN);
        expect_denied(r, rt, "an unknown key", 401);
        it_resp_free(r);
        r = call(s, rt, "not-a-token");
        expect_denied(r, rt, "a malformed key", 401);
        it_resp_free(r);
        r = call(s, rt, c->revoked);
        expect_denied(r, rt, "a revoked admin key", 401);
        it_resp_free(r);

        for (size_t k = 0; k < 3; k++) {
            r = call(s, rt, keyed[k].token);
            if (keyed[k].level >= rt->role)
                expect_allowed(r, rt, keyed[k].who);
            else
                expect_denied(r, rt, keyed[k].who, 403);
            it_resp_free(r);
        }
    }
}

static void
make_callers(it_server *s, callers *c)
{
    char id[17];
    c->reader = it_key(s, "reader", "matrix-reader", NULL);
    c->writer = it_key(s, "writer", "matrix-writer", NULL);
    c->admin = it_key(s, "admin", "matrix-admin", NULL);
    c->revoked = it_key(s, "admin", "matrix-revoked", id);
    it_revoke(s, id);
}

static void
test_matrix(void **state)
{
    it_server *s = *state;
    callers c;
    it_start(s, NULL);
    make_callers(s, &c);
    run_matrix(s, &c, false);

    /* Other ways to present a key: X-API-Key works; a non-Bearer Authorization is refused. */
    it_req q = {.path = "/v1/stats", .headers = {"X-API-Key: "}};
    char h[160];
    snprintf(h, sizeof(h), "X-API-Key: %s", c.reader);
    q.headers[0] = h;
    it_resp *r = it_do(s, &q);
    it_expect(r, 200);
    it_resp_free(r);
    char basic[200];
    snprintf(basic, sizeof(basic), "Authorization: Basic %s", c.admin);
    it_req qb = {.path = "/v1/stats", .headers = {basic}};
    r = it_do(s, &qb);
    it_expect_error(r, 401, "unauthorized", "authorization");
    it_resp_free(r);

    it_stop(s);
}

static void
test_open_read(void **state)
{
    it_server *s = *state;
    const char *env[] = {"STEMEDB_OPEN_READ=true", NULL};
    it_opts o = {.env = env};
    callers c;
    it_start(s, &o);
    make_callers(s, &c);
    run_matrix(s, &c, true);
    it_stop(s);
}

/* The paths of the same path template, with any {capture} written "{}". */
static void
normalise(const char *pattern, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 3 < cap; p++) {
        if (*p == '{') {
            out[o++] = '{';
            out[o++] = '}';
            p = strchr(p, '}');
            if (!p)
                break;
            continue;
        }
        out[o++] = *p;
    }
    out[o] = '\0';
}

static bool
in_table(const char *method, const char *pattern)
{
    char a[256], b[256];
    normalise(pattern, a, sizeof(a));
    for (size_t i = 0; i < NROUTES; i++) {
        normalise(routes[i].pattern, b, sizeof(b));
        if (strcasecmp(routes[i].method, method) == 0 && strcmp(a, b) == 0)
            return true;
    }
    return false;
}

/* The table lists exactly the routes the server registers, as `stemedb --routes` prints them
 * (METHOD PATH LEAST-ROLE), with the same least roles. */
static void
test_table_matches_server_routes(void **state)
{
    (void)state;
    static const char *const role_names[] = {"none", "reader", "writer", "admin"};
    const char *bin = getenv("STEMEDB_BIN");
    assert_non_null(bin);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' --routes", bin);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[512];
    size_t found = 0;
    bool seen[NROUTES] = {0};
    while (fgets(line, sizeof(line), f)) {
        char method[16], pattern[256], role[16];
        if (sscanf(line, "%15s %255s %15s", method, pattern, role) != 3)
            fail_msg("stemedb --routes printed an unexpected line: %s", line);
        size_t i = 0;
        while (i < NROUTES &&
               (strcmp(routes[i].method, method) != 0 || strcmp(routes[i].pattern, pattern) != 0))
            i++;
        if (i == NROUTES)
            fail_msg("the server registers %s %s, which the matrix does not cover", method,
                     pattern);
        if (strcmp(role_names[routes[i].role], role) != 0)
            fail_msg("%s %s: the server says least role %s, the matrix expects %s", method, pattern,
                     role, role_names[routes[i].role]);
        seen[i] = true;
        found++;
    }
    assert_int_equal(pclose(f), 0);
    for (size_t i = 0; i < NROUTES; i++)
        if (!seen[i])
            fail_msg("the matrix lists %s %s, which the server does not register", routes[i].method,
                     routes[i].pattern);
    assert_int_equal(found, NROUTES);
}

/* Each path of the table exists in the server: another method gets 405 with an Allow header
 * naming exactly the table's methods for it. */
static void
test_allow_headers(void **state)
{
    it_server *s = *state;
    it_start(s, NULL);
    for (size_t i = 0; i < NROUTES; i++) {
        char want[64] = "";
        size_t nwant = 0;
        size_t plen = strcspn(routes[i].sample, "?");
        for (size_t j = 0; j < NROUTES; j++)
            if (strncmp(routes[j].sample, routes[i].sample, plen) == 0 &&
                strcspn(routes[j].sample, "?") == plen) {
                strcat(want, routes[j].method);
                strcat(want, " ");
                nwant++;
            }
        it_req q = {.method = "PUT", .path = routes[i].sample, .token = s->admin, .body = "{}"};
        it_resp *r = it_do(s, &q);
        it_expect_error(r, 405, "method_not_allowed", NULL);
        const char *allow = it_header(r, "Allow");
        if (!allow)
            it_fail(r, "405 without Allow");
        size_t nallow = 0;
        char copy[128];
        snprintf(copy, sizeof(copy), "%s", allow);
        for (char *save, *m = strtok_r(copy, ", ", &save); m; m = strtok_r(NULL, ", ", &save)) {
            char needle[20];
            snprintf(needle, sizeof(needle), "%s ", m);
            if (!strstr(want, needle))
                fail_msg("PUT %s: Allow: %s names %s, not in the table (%s)", routes[i].sample,
                         allow, m, want);
            nallow++;
        }
        if (nallow != nwant)
            fail_msg("PUT %s: Allow: %s, expected the methods %s", routes[i].sample, allow, want);
        it_resp_free(r);
    }
    it_stop(s);
}

/* The table lists exactly the OpenAPI document's operations, once it describes paths. */
static void
test_table_matches_openapi(void **state)
{
    it_server *s = *state;
    it_start(s, NULL);
    it_resp *r = it_get(s, NULL, "/v1/openapi.json");
    it_expect(r, 200);
    if (!json_is_object(r->json))
        it_fail(r, "the OpenAPI document is not a JSON object");
    const char *version = json_string_value(json_object_get(r->json, "openapi"));
    assert_non_null(version);
    assert_true(strncmp(version, "3.1", 3) == 0);
    json_t *paths = json_object_get(r->json, "paths");
    assert_true(json_is_object(paths));
    size_t ops = 0;
    bool seen[NROUTES] = {0};
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        const char *m;
        json_t *op;
        json_object_foreach(item, m, op)
        {
            static const char *const methods[] = {"get",   "put",  "post",    "delete",
                                                  "patch", "head", "options", "trace"};
            bool is_method = false;
            for (size_t k = 0; k < 8; k++)
                is_method |= strcmp(m, methods[k]) == 0;
            if (!is_method)
                continue; /* "parameters", "summary", ... */
            char up[16];
            size_t n = 0;
            for (; m[n] && n + 1 < sizeof(up); n++)
                up[n] = (char)(m[n] - 'a' + 'A');
            up[n] = '\0';
            if (!in_table(up, path))
                fail_msg("the OpenAPI document describes %s %s, which the matrix does not "
                         "cover",
                         up, path);
            char a[256], b[256];
            normalise(path, a, sizeof(a));
            for (size_t i = 0; i < NROUTES; i++) {
                normalise(routes[i].pattern, b, sizeof(b));
                if (strcmp(routes[i].method, up) == 0 && strcmp(a, b) == 0)
                    seen[i] = true;
            }
            ops++;
        }
    }
    it_resp_free(r);
    it_stop(s);
    if (ops == 0)
        fail_msg("docs/openapi.json describes no paths");
    for (size_t i = 0; i < NROUTES; i++)
        if (!seen[i])
            fail_msg("the OpenAPI document does not describe %s %s", routes[i].method,
                     routes[i].pattern);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_server_routes),
        cmocka_unit_test_setup_teardown(test_matrix, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_open_read, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_allow_headers, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_table_matches_openapi, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
