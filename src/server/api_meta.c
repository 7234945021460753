/* SPDX-License-Identifier: MIT */
/*
 * api_meta.c -- the routes about the server itself: liveness, readiness, metrics, the
 * OpenAPI document, and the store's statistics.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "metrics.h"
#include "views.h"

/* docs/openapi.json, embedded at build time (scripts/embed.py). */
extern const char srv_openapi_json[];
extern const size_t srv_openapi_json_len;

void
srv_api_health(srv_req *r)
{
    srv_ok(r, json_pack("{s:s}", "status", "ok"));
}

void
srv_api_ready(srv_req *r)
{
    steme_stats st;
    steme_err err = steme_db_stats(r->s->db, &st);
    if (r->s->stopping) {
        srv_fail(r, 503, "stopping", NULL, "the server is shutting down");
        r->resp.retry_after = 1;
        return;
    }
    if (err != STEME_OK) {
        srv_fail(r, 503, "not_ready", NULL, "the store cannot be read: %s", steme_strerror(err));
        r->resp.retry_after = 1;
        return;
    }
    /* The store is open for writing; the directory must still take new files (the map grows
     * into data.mdb, backups and imports write beside it). */
    if (access(r->s->cfg->data_dir, W_OK) != 0) {
        srv_fail(r, 503, "not_ready", NULL, "the store's directory is not writable");
        r->resp.retry_after = 5;
        return;
    }
    srv_ok(r, json_pack("{s:b, s:b, s:I}", "ready", 1, "writable", 1, "position",
                        (json_int_t)st.last_seq));
}

void
srv_api_metrics(srv_req *r)
{
    size_t len = 0;
    char *text = srv_metrics_render(r->s->metrics, r->s, &len);
    if (!text) {
        srv_fail(r, 500, "no_memory", NULL, "out of memory");
        return;
    }
    r->handled = true;
    r->resp.status = 200;
    r->resp.text = text;
    r->resp.text_len = len;
    r->resp.ctype = "text/plain; version=0.0.4; charset=utf-8";
}

void
srv_api_openapi(srv_req *r)
{
    char *text = malloc(srv_openapi_json_len + 1);
    if (!text) {
        srv_fail(r, 500, "no_memory", NULL, "out of memory");
        return;
    }
    memcpy(text, srv_openapi_json, srv_openapi_json_len + 1);
    r->handled = true;
    r->resp.status = 200;
    r->resp.text = text;
    r->resp.text_len = srv_openapi_json_len;
    r->resp.ctype = "application/json";
}

void
srv_api_stats(srv_req *r)
{
    steme_stats st;
    steme_err err = steme_db_stats(r->s->db, &st);
    if (err != STEME_OK) {
        srv_fail_err(r, err, NULL, "stats");
        return;
    }
    srv_ok(r, steme__json_stats("stemedb", &st));
}
