/* SPDX-License-Identifier: MIT */
/*
 * api_query.c -- the read side of the API (DESIGN §6, docs/server.md "Queries"): a query
 * through a lens (GET with a query string, POST with the same parameters as a JSON object),
 * every lens side by side, a receipt recomputed, and the query audit.
 *
 * Each answer is the JSON that `steme query --json` prints (views.h), the explanation left
 * out unless asked for. A query answer carries an ETag made from its receipts, and a request
 * whose If-None-Match names it gets 304 without a body: the receipt covers the log position,
 * so the tag changes exactly when the answer can.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "metrics.h"
#include "params.h"
#include "query_params.h"
#include "render_cache.h"
#include "views.h"

/* Run q, recording the lens latency and r->lens. */
static steme_err
run(srv_req *r, const steme_query *q, steme_result **res, steme_errinfo *ei)
{
    uint64_t t0 = srv_now_ns();
    steme_err err = steme_db_query(r->s->db, q, res, ei);
    if (err == STEME_OK) {
        r->lens = srv_qp_lens_label(steme_result_lens(*res));
        srv_metrics_lens(r->s->metrics, r->lens, srv_now_ns() - t0,
                         steme_result_materialized(*res));
    }
    return err;
}

/* With STEMEDB_AUDIT_QUERIES every query is written to the query audit, naming the caller's
 * key id (never the token). The engine cannot audit a what-if distrust or supersession: such
 * a query is refused rather than answered unaudited. */
static bool
audit(srv_req *r, steme_query *q)
{
    if (!r->s->cfg->audit_queries)
        return true;
    const char *what = q->has_what_if_distrust              ? "what_if_distrust"
                       : q->what_if_supersede_epoch.len > 0 ? "what_if_supersede_epoch"
                                                            : NULL;
    if (what) {
        srv_fail(r, 400, "invalid", what,
                 "%s: cannot be audited, and this server audits every query "
                 "(STEMEDB_AUDIT_QUERIES)",
                 what);
        return false;
    }
    q->audit = true;
    q->asker = steme_str_c(r->key_id[0] ? r->key_id : "anonymous");
    return true;
}

/* ---- ETag ---------------------------------------------------------------------------- */

/* FNV-1a, 128 bits: the receipts it combines are already BLAKE2b hashes, so a simple mix is
 * enough to tell answer sets apart (and libsodium is libsteme's alone). */
typedef unsigned __int128 u128;

static void
fnv(u128 *h, const void *data, size_t n)
{
    const u128 prime = ((u128)1 << 88) | 0x13b;
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        *h ^= p[i];
        *h *= prime;
    }
}

static void
fnv_answers(u128 *h, const steme_result *res)
{
    uint64_t n = steme_result_count(res);
    fnv(h, &n, sizeof(n));
    for (size_t i = 0; i < n; i++)
        fnv(h, steme_result_answer(res, i)->receipt, 32);
}

/*
 * One answer: its receipt, "\"<64 hex>\"", so that a client can match the tag with the
 * answer's "receipt". Otherwise (a subject's every predicate, a prefix, a what-if, no answer
 * at all): "\"m-<32 hex>\"", FNV-1a-128 over the position, the lens, and the receipts of the
 * answers (the baseline's, then the what-if's). A receipt covers the position, the lens and
 * its parameters, the filters and the candidates, so equal tags mean equal answers.
 */
static void
set_etag(srv_req *r, const steme_result *res)
{
    bool what_if = steme_result_what_if(res);
    if (!what_if && steme_result_count(res) == 1) {
        char hex[65];
        steme_hex(steme_result_answer(res, 0)->receipt, 32, hex);
        snprintf(r->resp.etag, sizeof(r->resp.etag), "\"%s\"", hex);
        return;
    }
    const steme_result *base = what_if ? steme_result_baseline(res) : res;
    u128 h = ((u128)0x6c62272e07bb0142u << 64) | 0x62b821756295c58du;
    uint64_t pos = steme_result_position(base);
    const char *lens = steme_result_lens(base);
    fnv(&h, &pos, sizeof(pos));
    fnv(&h, lens, strlen(lens) + 1);
    fnv_answers(&h, base);
    if (what_if)
        fnv_answers(&h, res);
    snprintf(r->resp.etag, sizeof(r->resp.etag), "\"m-%016llx%016llx\"",
             (unsigned long long)(h >> 64), (unsigned long long)h);
}

/* Does If-None-Match (a list of entity tags, or "*") name etag? Tags compare weakly (a "W/"
 * prefix is ignored), as RFC 9110 asks for If-None-Match. A malformed list matches nothing. */
static bool
etag_matches(const char *list, const char *etag)
{
    size_t el = strlen(etag);
    for (const char *p = list;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '\0')
            return false;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        const char *end = *p == '"' ? strchr(p + 1, '"') : NULL;
        if (!end)
            return false;
        if ((size_t)(end + 1 - p) == el && memcmp(p, etag, el) == 0)
            return true;
        p = end + 1;
    }
}

/* ---- queries ------------------------------------------------------------------------- */

/* The view always carries each answer's explanation; without explain it is left out. */
static void
drop_explanations(json_t *answers)
{
    size_t i;
    json_t *a;
    json_array_foreach(answers, i, a) json_object_del(a, "explanation");
}

/* The answer to res as the bytes sent, with its ETag (in r->resp.etag); NULL when out of
 * memory. */
static srv_rbody *
render(srv_req *r, const srv_qp *p, const steme_result *res)
{
    json_t *doc = steme__json_result(&p->q, res, &p->opts);
    if (doc && !p->explain) {
        drop_explanations(json_object_get(doc, "answers"));
        drop_explanations(json_object_get(json_object_get(doc, "what_if"), "answers"));
    }
    size_t len = 0;
    char *text = doc ? srv_json_dumps(doc, &len) : NULL;
    json_decref(doc);
    if (!text)
        return NULL;
    /* The newline that ends every JSON body (http.c). */
    text[len] = '\n';
    srv_rbody *b = srv_rbody_new(r->resp.etag, text, len + 1);
    free(text);
    return b;
}

/* The cached or rendered body b as the response, or 304 when If-None-Match names its tag.
 * Takes b's reference. */
static void
send_rendered(srv_req *r, srv_rbody *b)
{
    const char *inm = srv_header(r, "If-None-Match");
    if (inm && etag_matches(inm, b->etag)) {
        srv_copy(r->resp.etag, sizeof(r->resp.etag), b->etag);
        srv_rbody_unref(b);
        r->handled = true;
        r->resp.status = 304;
        return;
    }
    srv_ok_rendered(r, b);
}

/*
 * GET and POST /v1/query: body NULL for the query string.
 *
 * The rendered answer is kept in the render cache (render_cache.h) under the parameters'
 * canonical bytes and reused while the engine answers at the same position. The body carries
 * nothing but the answer: no time, request id or caller (those go to headers and the log), so
 * equal positions mean equal bytes. A query at the latest position looks the log's last
 * position up first and, when a rendering at that position is kept, sends it without running
 * the query at all -- except an audited query (the engine writes the audit) and a no_cache one
 * (it asks for a computation), which always run. A query at an earlier position is shown with
 * the sources' current standing, so its entry also names the log's end, read before the query
 * runs (an entry never claims a state older than the one it shows).
 */
static void
query(srv_req *r, json_t *body)
{
    srv_qp p;
    steme_result *res = NULL;
    steme_errinfo ei = {0};
    unsigned char key_buf[256], *key = NULL; /* a typical key fits key_buf */
    size_t key_len = 0;
    uint64_t log_end = 0;

    if (!srv_qp_parse(r, body, SRV_QP_QUERY, &p))
        return;
    if (!audit(r, &p.q))
        goto out;
    srv_rcache *cache = r->s->rcache;
    if (cache && (p.q.as_of != 0 || p.q.as_of_time != 0)) {
        if (steme_db_last_seq(r->s->db, &log_end) != STEME_OK)
            cache = NULL;
    }
    if (cache && (key = srv_qp_key(&p, key_buf, sizeof(key_buf), &key_len)) == NULL)
        cache = NULL;
    /* The latest position known before the query runs: a rendering kept there is the answer. */
    bool looked = false;
    uint64_t last = 0;
    if (cache && !p.q.audit && !p.q.no_cache && p.q.as_of == 0 && p.q.as_of_time == 0 &&
        steme_db_last_seq(r->s->db, &last) == STEME_OK) {
        looked = true;
        srv_rbody *b = srv_rcache_get(cache, key, key_len, last, last);
        if (b) {
            send_rendered(r, b);
            goto out;
        }
    }
    steme_err err = run(r, &p.q, &res, &ei);
    if (err != STEME_OK) {
        srv_qp_fail(r, err, &ei, false);
        goto out;
    }
    const steme_result *base = steme_result_what_if(res) ? steme_result_baseline(res) : res;
    uint64_t position = steme_result_position(base);
    if (p.q.as_of == 0 && p.q.as_of_time == 0)
        log_end = position;
    /* Missed at last already, unless a write came in between. */
    srv_rbody *b =
        looked && position == last ? NULL : srv_rcache_get(cache, key, key_len, position, log_end);
    if (!b) {
        set_etag(r, res);
        const char *inm = srv_header(r, "If-None-Match");
        if (inm && etag_matches(inm, r->resp.etag)) {
            r->handled = true;
            r->resp.status = 304;
            goto out_free_result;
        }
        if ((b = render(r, &p, res)) == NULL) {
            r->resp.etag[0] = '\0';
            srv_ok(r, NULL); /* 500, out of memory */
            goto out_free_result;
        }
        srv_rcache_put(cache, key, key_len, position, log_end, b);
    }
    send_rendered(r, b);
out_free_result:
    steme_result_free(res);
out:
    if (key != key_buf)
        free(key);
    srv_qp_free(&p);
}

void
srv_api_query_get(srv_req *r)
{
    query(r, NULL);
}

void
srv_api_query_post(srv_req *r)
{
    json_t *body = srv_body_json(r);
    if (!body)
        return;
    query(r, body);
    json_decref(body);
}

/* ---- every lens side by side --------------------------------------------------------- */

static const char *const all_lenses[] = {
    "recency", "consensus", "vote_consensus", "authority", "trust_authority", "skeptic", "layered",
};

#define N_LENSES (sizeof(all_lenses) / sizeof(all_lenses[0]))

void
srv_api_compare(srv_req *r)
{
    srv_qp p;
    steme_result *rs[N_LENSES] = {0};
    size_t n = 0;

    if (!srv_qp_parse(r, NULL, SRV_QP_COMPARE, &p))
        return;
    if (p.q.predicate.len == 0) {
        srv_fail(r, 400, "invalid", "predicate",
                 "predicate: required (lenses are compared on "
                 "one subject and predicate)");
        goto out;
    }
    if (!audit(r, &p.q))
        goto out;
    for (; n < N_LENSES; n++) {
        steme_errinfo ei = {0};
        p.q.lens = all_lenses[n];
        steme_err err = run(r, &p.q, &rs[n], &ei);
        if (err != STEME_OK) {
            srv_qp_fail(r, err, &ei, false);
            goto out;
        }
        /* Every lens at the first one's position: a write in between must not make the lenses
         * disagree about what they saw. */
        p.q.as_of = steme_result_position(rs[n]);
        p.q.as_of_time = 0;
    }
    srv_ok(r, steme__json_compare((const steme_result *const *)rs, n));
out:
    for (size_t i = 0; i < n; i++)
        steme_result_free(rs[i]);
    srv_qp_free(&p);
}

/* ---- receipts ------------------------------------------------------------------------ */

void
srv_api_receipt_verify(srv_req *r)
{
    json_t *body = srv_body_json(r);
    srv_qp p;

    if (!body)
        return;
    if (srv_qp_parse(r, body, SRV_QP_VERIFY, &p)) {
        bool match = false;
        uint8_t again[32];
        steme_errinfo ei = {0};
        uint64_t t0 = srv_now_ns();
        steme_err err =
            steme_db_verify_receipt(r->s->db, &p.q, p.position, p.receipt, &match, again, &ei);
        if (err != STEME_OK) {
            srv_qp_fail(r, err, &ei, true);
        } else {
            r->lens = srv_qp_lens_label(p.q.lens ? p.q.lens : "consensus");
            srv_metrics_lens(r->s->metrics, r->lens, srv_now_ns() - t0, 0);
            srv_ok(r, steme__json_receipt_check(match, again, p.position));
        }
        srv_qp_free(&p);
    }
    json_decref(body);
}

/* ---- the query audit ----------------------------------------------------------------- */

typedef struct audit_ctx {
    srv_req *r;
    json_t *rows;
    bool verify;
    uint64_t last;
    uint64_t failed; /* the row whose verification failed */
    steme_err err;
    steme_errinfo ei;
} audit_ctx;

/* A row that cannot be recomputed (an audited what-if retraction once the log has moved on:
 * the engine applies it at the latest position only) is shown with "verified": null and the
 * reason, rather than failing the whole page. */
static int
add_row(const steme_audit_entry *e, void *ctx)
{
    audit_ctx *a = ctx;
    bool match = false;
    steme_errinfo ei = {0};
    steme_err err = STEME_OK;
    if (a->verify) {
        err = steme_db_verify_receipt(a->r->s->db, &e->query, e->position, e->receipt, &match, NULL,
                                      &ei);
        if (err != STEME_OK && err != STEME_EINVAL) {
            a->failed = e->id;
            a->err = err;
            a->ei = ei;
            return 1;
        }
    }
    a->last = e->id;
    json_t *j = steme__json_audit_row(e, a->verify && err == STEME_OK ? &match : NULL);
    if (j && err != STEME_OK) {
        char why[300];
        snprintf(why, sizeof(why), "%s: %s", ei.field ? ei.field : "query",
                 ei.rule ? ei.rule : steme_strerror(err));
        json_object_set_new(j, "verified", json_null());
        json_object_set_new(j, "unverifiable", json_string(why));
    }
    if (!j || json_array_append_new(a->rows, j) != 0) {
        a->err = STEME_ENOMEM;
        return 1;
    }
    return 0;
}

void
srv_api_audit(srv_req *r)
{
    static const char *const names[] = {"from", "limit", "verify", NULL};
    audit_ctx a = {.r = r};
    uint64_t from = 1;
    size_t limit = 100;

    if (!srv_args_only(r, names) || !srv_arg_u64(r, "from", &from) ||
        !srv_arg_size(r, "limit", 1000, &limit) || !srv_arg_bool(r, "verify", &a.verify))
        return;
    if ((a.rows = json_array()) == NULL) {
        srv_fail(r, 500, "no_memory", NULL, "out of memory");
        return;
    }
    steme_err err = steme_db_audit(r->s->db, from, limit, add_row, &a);
    if (err == STEME_OK && a.err != STEME_OK) {
        char what[48];
        snprintf(what, sizeof(what), "verifying audit row %llu", (unsigned long long)a.failed);
        json_decref(a.rows);
        srv_fail_err(r, a.err, &a.ei, what);
        return;
    }
    if (err != STEME_OK) {
        json_decref(a.rows);
        srv_fail_err(r, err, NULL, "query audit");
        return;
    }
    json_t *j = json_pack("{s:o}", "rows", a.rows);
    if (j && json_array_size(a.rows) == limit)
        json_object_set_new(j, "next_from", json_integer((json_int_t)a.last + 1));
    srv_ok(r, j);
}
