/* SPDX-License-Identifier: MIT */
/*
 * api_admin.c -- the admin routes: API keys (list, create, revoke), the admin audit log, the
 * integrity check. Every change an admin makes is written to the admin audit log, naming the
 * key that made it and never a secret.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "log.h"
#include "record_json.h"
#include "views.h"

void
srv_admin_audit(srv_req *r, const char *action, json_t *detail)
{
    char *text = detail ? srv_json_dumps(detail, NULL) : NULL;
    json_decref(detail);
    steme_err err = steme_db_admin_log_append(r->s->db, r->key_id[0] ? r->key_id : "anonymous",
                                              action, text ? text : "", NULL);
    if (err != STEME_OK)
        srv_log(SRV_ERROR, "admin.audit",
                json_pack("{s:s, s:s, s:s}", "request_id", r->request_id, "action", action, "error",
                          steme_strerror(err)));
    free(text);
}

static json_t *
key_json(const steme_apikey_info *k)
{
    char created[32], revoked[32];
    steme__time_format(k->created_at, created);
    if (k->revoked_at)
        steme__time_format(k->revoked_at, revoked);
    return json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", k->id, "name", k->name, "role",
                     steme_apikey_role_name(k->role), "created_at", created, "revoked_at",
                     k->revoked_at ? revoked : NULL);
}

static int
add_key(const steme_apikey_info *k, void *ctx)
{
    json_t *j = key_json(k);
    return !j || json_array_append_new(ctx, j) != 0;
}

void
srv_api_keys_list(srv_req *r)
{
    json_t *arr = json_array();
    steme_err err = arr ? steme_db_apikey_list(r->s->db, add_key, arr) : STEME_ENOMEM;
    if (err != STEME_OK) {
        json_decref(arr);
        srv_fail_err(r, err, NULL, "keys");
        return;
    }
    srv_ok(r, json_pack("{s:o}", "keys", arr));
}

void
srv_api_keys_create(srv_req *r)
{
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *role_s = json_string_value(json_object_get(body, "role"));
    steme_apikey_role role;
    if (!name) {
        srv_fail(r, 400, "invalid", "name", "a string is required");
    } else if (!role_s || steme_apikey_role_parse(role_s, &role) != STEME_OK) {
        srv_fail(r, 400, "invalid", "role", "must be \"reader\", \"writer\" or \"admin\"");
    } else if (json_object_size(body) != 2) {
        srv_fail(r, 400, "invalid", "body", "only \"name\" and \"role\" are accepted");
    } else {
        char token[STEME_APIKEY_TOKEN_LEN + 1];
        steme_apikey_info k;
        steme_errinfo ei = {0};
        steme_err err = steme_db_apikey_create(r->s->db, name, role, token, &k);
        if (err != STEME_OK) {
            if (err == STEME_EINVAL)
                ei =
                    (steme_errinfo){"name", "1 to 64 bytes of UTF-8 without control characters", 0};
            srv_fail_err(r, err, err == STEME_EINVAL ? &ei : NULL, "key");
        } else {
            json_t *j = key_json(&k);
            if (j)
                json_object_set_new(j, "token", json_string(token));
            explicit_bzero(token, sizeof(token));
            srv_reply(r, 201, j);
            snprintf(r->resp.location, sizeof(r->resp.location), "/v1/admin/keys/%s", k.id);
            srv_admin_audit(r, "key.create",
                            json_pack("{s:s, s:s, s:s}", "id", k.id, "name", k.name, "role",
                                      steme_apikey_role_name(k.role)));
        }
    }
    json_decref(body);
}

void
srv_api_keys_revoke(srv_req *r)
{
    const char *id = srv_param(r, "id");
    steme_err err = steme_db_apikey_revoke(r->s->db, id);
    if (err != STEME_OK) {
        srv_fail_err(r, err, NULL, "key");
        return;
    }
    srv_ok(r, json_pack("{s:s, s:b}", "id", id, "revoked", 1));
    srv_admin_audit(r, "key.revoke", json_pack("{s:s}", "id", id));
}

typedef struct log_ctx {
    json_t *arr;
    uint64_t last;
} log_ctx;

static int
add_event(const steme_admin_event *e, void *ctx)
{
    log_ctx *lc = ctx;
    char at[32];
    steme__time_format(e->at, at);
    json_t *detail = NULL;
    if (e->detail && e->detail[0])
        detail = json_loads(e->detail, 0, NULL);
    if (!detail)
        detail = json_string(e->detail ? e->detail : "");
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:o}", "n", (json_int_t)e->n, "at", at, "actor",
                          e->actor, "action", e->action, "detail", detail ? detail : json_null());
    lc->last = e->n;
    return !j || json_array_append_new(lc->arr, j) != 0;
}

void
srv_api_admin_log(srv_req *r)
{
    uint64_t from = 1;
    size_t limit = 100;
    if (!srv_arg_u64(r, "from", &from) || !srv_arg_size(r, "limit", 1000, &limit))
        return;
    log_ctx lc = {json_array(), 0};
    steme_err err =
        lc.arr ? steme_db_admin_log(r->s->db, from, limit, add_event, &lc) : STEME_ENOMEM;
    if (err != STEME_OK) {
        json_decref(lc.arr);
        srv_fail_err(r, err, NULL, "admin log");
        return;
    }
    json_t *j = json_pack("{s:o}", "events", lc.arr);
    if (j && json_array_size(lc.arr) == limit)
        json_object_set_new(j, "next_from", json_integer((json_int_t)lc.last + 1));
    srv_ok(r, j);
}

static void
add_problem(const char *index, const char *what, uint64_t seq, void *ctx)
{
    if (json_array_size(ctx) < STEME__JSON_MAX_PROBLEMS)
        json_array_append_new(ctx, steme__json_problem(index, what, seq));
}

void
srv_api_check(srv_req *r)
{
    steme_check_report rep;
    json_t *details = json_array();
    steme_err err = details ? steme_db_check(r->s->db, &rep, add_problem, details) : STEME_ENOMEM;
    if (err != STEME_OK) {
        json_decref(details);
        srv_fail_err(r, err, NULL, "check");
        return;
    }
    bool ok = rep.problems == 0;
    srv_ok(r, steme__json_check("stemedb", &rep, details));
    srv_admin_audit(r, "store.check",
                    json_pack("{s:b, s:I}", "ok", ok, "problems", (json_int_t)rep.problems));
}
